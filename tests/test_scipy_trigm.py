"""scipy.linalg's trigonometric and hyperbolic matrix functions and expm_frechet on traced values
(difflab.scipy.linalg: SciPy's own formulas in the registry's expm and frechet): values SciPy's, directional
derivatives of a symmetric A against the Daleckii–Krein formula (an independent closed form), every method, and
SciPy's own function on a traced value naming the difflab spelling."""

import numpy as np
import pytest
import scipy.linalg as sl

import difflab as dl
import difflab.scipy.linalg as dsl
from difflab.errors import UnsupportedOperationError

FUNCS = {  # name -> (f, f') on eigenvalues
    "cosm": (np.cos, lambda x: -np.sin(x)),
    "sinm": (np.sin, np.cos),
    "tanm": (np.tan, lambda x: 1 / np.cos(x) ** 2),
    "coshm": (np.cosh, np.sinh),
    "sinhm": (np.sinh, np.cosh),
    "tanhm": (np.tanh, lambda x: 1 / np.cosh(x) ** 2),
}
RNG = np.random.default_rng(61)


def _sym(n):
    m = RNG.normal(size=(n, n))
    return 0.4 * (m + m.T)


def _daleckii_krein(name, a, e):
    """d f(A)[E] of a symmetric A = V diag(λ) Vᵀ: V (G ∘ VᵀEV) Vᵀ, G_ij the divided difference of f at λ_i, λ_j."""
    f, df = FUNCS[name]
    lam, v = np.linalg.eigh(a)
    diff = lam[:, None] - lam[None, :]
    same = np.abs(diff) < 1e-9
    g = np.where(same, df(lam)[:, None], (f(lam)[:, None] - f(lam)[None, :]) / np.where(same, 1, diff))
    return v @ (g * (v.T @ e @ v)) @ v.T


def test_signm_and_fractional_power_against_scipy_and_daleckii_krein():
    # signm = A (A²)^(−1/2) and A^t = expm(t logm A): SciPy's values to rounding; along a symmetric direction of a
    # symmetric A (eigenvalues of both signs for signm, positive for the power) the Daleckii–Krein derivative
    rng = np.random.default_rng(7)  # (its own draws: the module's RNG feeds the other tests' matrices)
    a, e = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    a, e = 0.4 * (a + a.T) + np.diag([1.5, -1.0, 0.5]), 0.4 * (e + e.T)
    spd = a @ a.T + 2.0 * np.eye(3)
    FUNCS["signm"] = (np.sign, lambda x: 0 * x)
    FUNCS["power"] = (lambda x: x**0.37, lambda x: 0.37 * x**-0.63)
    try:
        for name, fn, ref, m in (
            ("signm", dsl.signm, sl.signm, a),
            (
                "power",
                lambda m: dsl.fractional_matrix_power(m, 0.37),
                lambda m: sl.fractional_matrix_power(m, 0.37),
                spd,
            ),
        ):
            np.testing.assert_allclose(fn(m), ref(m), rtol=0, atol=1e-13 * np.abs(ref(m)).max())
            want = _daleckii_krein(name, m, e)
            assert np.abs(want).max() > 0.1
            for method in ("forward", "reverse"):
                np.testing.assert_allclose(
                    dl.jvp(fn, (m,), (e,), method=method)[1], want, atol=1e-12 * np.abs(want).max()
                )
    finally:
        del FUNCS["signm"], FUNCS["power"]
    np.testing.assert_array_equal(dsl.fractional_matrix_power(spd, 3), np.linalg.matrix_power(spd, 3))
    with pytest.raises(TypeError, match="takes a number t"):
        dsl.fractional_matrix_power(spd, np.ones(2))


@pytest.mark.parametrize("name", list(FUNCS))
def test_values_are_scipy_s_and_jvp_is_daleckii_krein(name):
    a, ac, e = _sym(3), _sym(3) + 0.2j * _sym(3), _sym(3)
    for m in (a, ac):
        np.testing.assert_allclose(getattr(dsl, name)(m), getattr(sl, name)(m), rtol=0, atol=1e-15)
    want = _daleckii_krein(name, a, e)
    for method in ("forward", "reverse", "numeric"):
        _, got = dl.jvp(getattr(dsl, name), (a,), (e,), method=method)
        tol = 1e-8 if method == "numeric" else 1e-13
        np.testing.assert_allclose(got, want, rtol=0, atol=tol * np.abs(want).max())


def test_symbolic_gradients_equal_reverse():
    a, w = _sym(2) + 0.1 * RNG.normal(size=(2, 2)), RNG.normal(size=(2, 2))

    def f(x):
        m = x.reshape(2, 2)
        return np.sum((dsl.cosm(m) + dsl.tanhm(m) + dsl.sinm(m * (1 + 0.5j)).imag) * w)

    got, want = dl.grad(f, method="symbolic")(a.ravel()), dl.grad(f, method="reverse")(a.ravel())
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


def test_expm_frechet_is_scipy_s_and_nests():
    a, e = 0.5 * RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3))
    x, lae = dsl.expm_frechet(a, e)
    want_x, want_l = sl.expm_frechet(a, e)
    np.testing.assert_allclose(x, want_x, rtol=1e-13)  # (SciPy computes it twice: expm_frechet's own expm)
    np.testing.assert_allclose(lae, want_l, rtol=1e-13, atol=1e-14)
    # d/dt L(A + tE, E) at 0 = d²/dt² expm(A + tE): reverse's Hessian of t ↦ Σ W∘expm(A + tE) along the line
    w = RNG.normal(size=(3, 3))
    first = dl.grad(lambda t: np.sum(w * dsl.expm_frechet(a + t * e, e, compute_expm=False)))(0.0)
    second = dl.hessian(lambda t: np.sum(w * dsl.expm(a + t * e)))(0.0)
    np.testing.assert_allclose(first, second, rtol=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        dsl.expm_frechet(a, e[:2])


@pytest.mark.parametrize("name", ["cosm", "expm_frechet"])
def test_scipy_s_own_function_names_difflab_s(name):
    def f(x):
        m = x.reshape(2, 2)
        return np.sum(getattr(sl, name)(m, m) if name == "expm_frechet" else getattr(sl, name)(m))

    with pytest.raises(UnsupportedOperationError, match=f"difflab.scipy.linalg.{name}"):
        dl.grad(f)(np.eye(2).ravel())


def test_non_square_is_scipy_s_error():
    with pytest.raises(ValueError, match="expected square"):
        dsl.cosm(np.ones((2, 3)))
