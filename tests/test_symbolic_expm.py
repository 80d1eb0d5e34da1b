"""The symbolic method on scipy.linalg.expm above 1×1 (ops/matfuncs.py's opaque kind: X = expm(A), K = dX and
H = d²X as parts): Hessians, Jacobians, forward-over-symbolic and symbolic inside reverse against reverse's at 2×2 to
5×5 (the Hessian to 4×4, 3×3 in the default tier: 5×5's is the same rule at 625 entries, 6.8 s; 5×5 keeps its Jacobian and gradient); central differences of reverse's gradient and of K as independent checks of the parts; the third
order, which the kind does not hold, refused by name (and reverse over symbolic's Hessian giving it)."""

import numpy as np
import pytest
import sympy as sp

import difflab as dl
import difflab.scipy as dsc
from difflab.errors import NotDifferentiableError
from difflab.ops.matfuncs import _expm_parts
from difflab.ops.opaque import opaque_entry
from tier import FULL

RNG = np.random.default_rng(39)
W = {n: RNG.normal(size=(n, n)) for n in (2, 3, 4, 5)}
A = {n: 0.6 * RNG.normal(size=(n, n)) for n in (2, 3, 4, 5)}  # (non-symmetric, non-normal)


def _f(n):
    return lambda a: np.sum(dsc.linalg.expm(a) * W[n])


def _close(got, want, tol=1e-12):
    scale = np.abs(want).max()
    assert scale > 1e-3
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


# The default tier (tests/tier.py) takes 2×2 and 3×3; 4×4 (3.4 CPU-s, and 1.3 nested below) runs in the full tier:
# the same opaque kind, whose rules are one formula in n (3×3's and 5×5's Jacobians and gradients are below).
@pytest.mark.parametrize("n", [2, 3, 4][: 3 if FULL else 2])
def test_hessian_equals_reverse(n):
    f, a = _f(n), A[n]
    _close(dl.hessian(f, method="symbolic")(a), dl.hessian(f, method="reverse")(a))


@pytest.mark.parametrize("n", [3, 5])
def test_jacobian_and_per_scalar_gradient_equal_reverse(n):
    a = A[n]
    expm = dsc.linalg.expm
    _close(dl.jacobian(expm, method="symbolic")(a), dl.jacobian(expm, method="reverse")(a))
    f = _f(n)  # (the kind's first-order rule itself, not the matrix-level JVP)
    _close(dl.grad(f, method=dl.Symbolic(matrix=False))(a), dl.grad(f, method="reverse")(a))


@pytest.mark.parametrize("n", [3, 4][: 2 if FULL else 1])  # (4×4: the full tier, as the Hessian's above)
def test_nested_second_order_equals_reverse(n):
    f, a = _f(n), A[n]
    want = dl.hessian(f, method="reverse")(a)
    _close(dl.hessian(f, method=("forward", "symbolic"))(a), want)
    u = np.linspace(-1.0, 1.0, a.size).reshape(a.shape)
    inner = dl.grad(f, method="symbolic")
    nested = dl.grad(lambda y: np.sum(inner(y) * u), method="reverse")(a)  # (symbolic inside reverse)
    _close(nested.ravel(), want.reshape(a.size, a.size) @ u.ravel())


def test_hessian_against_central_differences_of_reverse_s_gradient():
    n, f, a = 3, _f(3), A[3]
    g = dl.grad(f, method="reverse")
    e = np.eye(n * n).reshape(n * n, n, n)
    diffs = np.array([(g(a + 1e-5 * d) - g(a - 1e-5 * d)) / 2e-5 for d in e]).reshape(n, n, n, n)
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(a), diffs, rtol=1e-6, atol=1e-7)


def test_parts_are_expm_its_derivative_and_its_second_derivative():
    n, a = 3, A[3]
    x, k, h = _expm_parts(a)
    size, step = n * n, 1e-5
    for kl in (0, 5, 7):
        d = np.zeros(size)
        d[kl] = step
        dx = (_expm_parts(a + d.reshape(n, n))[0] - _expm_parts(a - d.reshape(n, n))[0]) / (2 * step)
        np.testing.assert_allclose(k[:, kl], dx.ravel(), rtol=1e-7, atol=1e-8)
        dk = (_expm_parts(a + d.reshape(n, n))[1] - _expm_parts(a - d.reshape(n, n))[1]) / (2 * step)
        cols = [rs * size + kl for rs in range(size)]  # H_(ij),(rs)(kl)
        np.testing.assert_allclose(h[:, cols], dk, rtol=1e-6, atol=1e-7)
    # a stack: each matrix's parts its own
    two = _expm_parts(np.stack([a, 2 * a]))
    for got, want in zip(two, _expm_parts(2 * a)):
        np.testing.assert_array_equal(got[1], want)


def test_third_order_is_refused_by_name_and_reverse_over_symbolic_gives_it():
    n, f, a = 3, _f(3), A[3]
    names = sp.symbols(f"a0:{n * n}", real=True)
    with pytest.raises(NotDifferentiableError, match="third derivative of expm above 1×1"):
        sp.diff(opaque_entry("expm", 2)(0, 4, n, *names), names[1])
    third = dl.jacobian(dl.hessian(f, method="symbolic"), method="reverse")(a)
    want = dl.jacobian(dl.hessian(f, method="reverse"), method="reverse")(a)
    _close(third, want)


def test_complex_matrix_by_its_real_embedding():
    # on main refused by name ("no SymPy form of expm on complex values"): a complex A + iB goes through the real
    # kind of [[A, −B], [B, A]] (its exp is [[Re X, −Im X], [Im X, Re X]]); 1×1 is SymPy's complex exp. Gradient,
    # Hessian and a stack (a 1×1 and a 2×2 each) against reverse's.
    def f(x):
        a = x[:4].reshape(2, 2) + 1j * x[4:8].reshape(2, 2)
        z = np.stack([a, a.T * (0.5 - 0.2j)])
        one = dsc.linalg.expm(x[8:9].reshape(1, 1) * (0.3 + 0.7j))
        x_ = dsc.linalg.expm(z)
        return np.sum(np.real(x_ * np.conj(x_)) * W[2]) + np.imag(np.trace(x_[0]) + one[0, 0])

    x = 0.4 * np.sin(np.arange(9.0) * 1.7 + 0.3)
    _close(dl.grad(f, method="symbolic")(x), dl.grad(f, method="reverse")(x))

    def g(x):
        x_ = dsc.linalg.expm(x[:4].reshape(2, 2) + 1j * x[4:].reshape(2, 2))
        return np.real(np.sum(x_ * W[2])) + np.imag(x_[0, 1])

    _close(dl.hessian(g, method="symbolic")(x[:8]), dl.hessian(g, method="reverse")(x[:8]))
