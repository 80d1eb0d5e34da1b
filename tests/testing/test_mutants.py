"""What bench/oracle_mutants.py found: check_grad refused a complex argument (difflab.grad takes one), and a
float64 gradient off by float32 round-off failed without saying so. Values below are literals (no peers)."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.testing import GradientMismatch, check_grad, check_hessian, check_jacobian

Z = np.array([3 + 4j, 1 - 2j, 0.5 + 0.1j])


def f(z):  # a real function of a complex input's modulus, plain NumPy (a black box)
    a = np.abs(z)
    return np.sum(np.log1p(a**2) + 0.3 * a)


def grad(z):  # difflab.grad's and JAX's convention: df/dRe z - i df/dIm z
    a = np.abs(z)
    return np.conj((2 / (1 + a**2) + 0.3 / a) * z)


def test_complex_argument_right_gradient_passes():
    # jax.grad of the same f (jax 0.10.2, x64), as literals
    jax_grad = [0.4107692308 - 0.5476923077j, 0.467497412 + 0.934994824j, 1.0878249964 - 0.2175649993j]
    assert np.allclose(grad(Z), jax_grad, rtol=1e-9)
    res = check_grad(f, grad, Z)
    assert res.max_rel_error < 1e-9 and res.worst[0] in ("args[0].real", "args[0].imag")


def test_complex_argument_agrees_with_difflab_grad():
    h = lambda z: dnp.sum(dnp.log1p(dnp.abs(z) ** 2))  # noqa: E731
    assert check_grad(h, dl.grad(h), Z)


def test_complex_leaf_in_a_dict():
    g = lambda p: np.sum(np.abs(p["z"]) ** 2) + p["w"] ** 2  # noqa: E731
    assert check_grad(g, lambda p: {"z": 2 * np.conj(p["z"]), "w": 2 * p["w"]}, {"z": Z, "w": 1.5})
    with pytest.raises(GradientMismatch) as err:
        check_grad(g, lambda p: {"z": 2 * np.conj(p["z"]), "w": p["w"]}, {"z": Z, "w": 1.5})
    assert err.value.worst == ("args[0]['w']", ())


def test_complex_and_real_arguments_together():
    g = lambda z, x: np.sum(np.abs(z) ** 2 * x)  # noqa: E731
    x = np.array([0.3, 0.7, 0.2])
    assert check_grad(g, lambda z, x: (2 * np.conj(z) * x, np.abs(z) ** 2), Z, x, argnums=(0, 1))
    assert check_grad(lambda x, z: g(z, x), lambda x, z: np.abs(z) ** 2, x, Z)  # the real one differentiated
    assert check_grad(lambda z: abs(z) ** 2, lambda z: 2 * np.conj(z), 1 + 2j)  # a Python complex
    with pytest.raises(GradientMismatch) as err:
        check_grad(g, lambda z, x: (2 * np.conj(z) * x, np.abs(z)), Z, x, argnums=(0, 1))
    assert err.value.worst[0] == "args[1]"
    with pytest.raises(GradientMismatch, match=r"returned a str for args\[0\]\.real"):
        check_grad(f, lambda z: "oops", Z)


@pytest.mark.parametrize(
    "bad, where, n_out",
    [
        (lambda z: grad(z) * 1.001, "args[0].real", 6),  # a factor off by 0.1 %
        (lambda z: grad(z).real + 0j, "args[0].imag", 3),  # the imaginary part dropped
        (lambda z: -grad(z), "args[0].real", 6),
    ],
)
def test_complex_argument_wrong_gradients_caught(bad, where, n_out):
    with pytest.raises(GradientMismatch) as err:
        check_grad(f, bad, Z)
    assert err.value.n_out == n_out and err.value.worst[0] in (where, "args[0].imag")


def test_conjugate_convention_is_named():
    with pytest.raises(GradientMismatch) as err:
        check_grad(f, lambda z: np.conj(grad(z)), Z)  # PyTorch's convention
    assert err.value.worst[0] == "args[0].imag" and err.value.n_out == 3
    assert any("conjugate" in h and "np.conj" in h for h in err.value.hints)


def test_complex64_gradient_judged_at_float32_tolerance():
    assert check_grad(f, lambda z: grad(z.astype(np.complex64)), Z)
    with pytest.raises(GradientMismatch):
        check_grad(f, lambda z: grad(z.astype(np.complex64)) * 1.001, Z)


def test_complex_refused_where_no_convention():
    # (stop 66: check_jacobian takes complex arguments, jacrev's convention; a Hessian needs holomorphic=True)
    assert check_jacobian(np.abs, lambda z: np.diag(np.conj(z / np.abs(z))), Z)
    with pytest.raises(TypeError, match="check_hessian takes complex arguments with holomorphic=True"):
        check_hessian(f, lambda z: np.eye(3), Z)
    with pytest.raises(ValueError, match="real and imaginary parts"):
        check_grad(f, grad, Z, reference="reverse")


def test_float32_round_off_in_a_float64_gradient_is_said():
    # the gradient computed in float32, then cast up by a float64 constant (np.eye): float64 values, float32 error
    x = np.array([[0.3, -1.2], [0.8, 0.5]])
    f2 = lambda A: np.sum(np.log(np.diag(A @ A.T + 0.5 * np.eye(2))))  # noqa: E731

    def g2(A):
        A = A.astype(np.float32)
        d = np.diag(A @ A.T + 0.5 * np.eye(2))
        return 2 * A / d[:, None]

    # (stop 66: g2 reads A in float32, which the oracle detects: judged at float32's tolerance, with a note)
    assert any("reads args[0] in float32" in n for n in check_grad(f2, g2, x).notes)

    def g3(A):  # float32 inside, but A is read in float64 too (2 * A): not detected, said in a hint
        A32 = A.astype(np.float32)
        d = np.diag(A32 @ A32.T + 0.5 * np.eye(2))
        return 2 * A / d[:, None]

    with pytest.raises(GradientMismatch) as err:
        check_grad(f2, g3, x)
    assert any("float32's round-off" in h and "rtol=1e-5" in h for h in err.value.hints)
    assert check_grad(f2, g3, x, rtol=1e-5)
    with pytest.raises(GradientMismatch) as err:  # a 1 % error is no round-off: no such hint
        check_grad(f2, lambda A: 1.01 * g3(A), x)
    assert not any("round-off:" in h for h in err.value.hints)


X = np.array([[0.3, -1.2, 0.5], [0.8, 0.5, -0.4], [1.1, 0.2, 0.7]])
Y = np.array([[0.1, 0.4, -0.3], [-0.5, 0.9, 0.2], [0.6, -0.2, 0.3]])


def loss(W):  # mean squared error of tanh(X W), a black box
    return 0.5 * np.mean(np.sum((np.tanh(X @ W) - Y) ** 2, 1))


def loss_grad(W):
    H = np.tanh(X @ W)
    return X.T @ ((H - Y) * (1 - H**2)) / 3


W0 = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.8]])


@pytest.mark.parametrize(
    "bad, said",
    [
        (lambda W: -loss_grad(W), "every entry of args[0] is -1 × the reference: the sign flipped"),
        (lambda W: 3 * loss_grad(W), "every entry of args[0] is 3 × the reference: a missing or extra constant"),
        (lambda W: loss_grad(W) / 3, "every entry of args[0] is 0.333333 = 1/3 × the reference"),
        (lambda W: loss_grad(W).T, "args[0] is the reference with its last two axes swapped: a transpose"),
    ],
)
def test_the_shape_of_an_error_is_said(bad, said):
    with pytest.raises(GradientMismatch) as err:
        check_grad(loss, bad, W0)
    assert any(h.startswith(said) for h in err.value.hints), err.value.hints


def test_no_pattern_said_where_there_is_none():
    def dropped(W):  # tanh' dropped: no single factor, no transpose
        return X.T @ (np.tanh(X @ W) - Y) / 3

    with pytest.raises(GradientMismatch) as err:
        check_grad(loss, dropped, W0)
    assert not any("× the reference" in h or "transpose" in h for h in err.value.hints)


def test_pattern_said_per_leaf():
    p = {"a": np.array([1.0, 2.0]), "b": np.array([0.5, -1.5])}
    g = lambda p: np.sum(p["a"] ** 2) + np.sum(np.sin(p["b"]))  # noqa: E731
    with pytest.raises(GradientMismatch) as err:
        check_grad(g, lambda p: {"a": 2 * p["a"], "b": -np.cos(p["b"])}, p)
    assert any(h.startswith("every entry of args[0]['b'] is -1 ×") for h in err.value.hints)
    assert not any("args[0]['a']" in h for h in err.value.hints)


def test_a_factor_of_one_plus_round_off_is_no_factor():
    with pytest.raises(GradientMismatch) as err:  # 1e-7 relative: caught, but "1 × the reference" says nothing
        check_grad(loss, lambda W: loss_grad(W) * (1 + 1e-7), W0)
    assert not any("× the reference" in h for h in err.value.hints), err.value.hints
    assert any("float32's round-off" in h for h in err.value.hints)
