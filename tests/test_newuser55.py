"""A new user's NumPy/SciPy idioms, round 2 (session 55, newuser55; table: `python bench/newuser_idioms.py`,
docs/coverage.md). What the sweep found and what was fixed:

- `np.fft.hfft` / `np.fft.ihfft` on traced values were refused as "not a difflab primitive" (every other
  numpy.fft transform traces): now NumPy's own compositions over irfft/rfft with the norm swapped.
"""

import numpy as np
import pytest

import difflab as dl
from central import central

METHODS = ["symbolic", "numeric", "forward", "reverse"]
V6 = np.array([0.31, -0.52, 0.73, -0.44, 0.26, 0.67])


def _hfft_real_sum(x, n, norm):
    """Σ k^1.5 hfft(x (1 + 0.5i), n, norm)_k: hfft is linear, so its gradient is the transform's adjoint of k^1.5,
    computed here by NumPy on the unit vectors."""
    m = n if n is not None else 2 * (x.size - 1)
    return np.sum(np.fft.hfft(x * (1 + 0.5j), n=n, norm=norm) * np.arange(1.0, m + 1) ** 1.5)


@pytest.mark.parametrize(
    ("method", "n", "norm"),
    [(m, 7, "ortho") for m in METHODS]
    + [(m, n, norm) for m in METHODS[1:] for n, norm in [(None, None), (None, "forward")]],
)  # (symbolic once: the same composition, and SymPy's DFT sums are the slow part)
def test_hfft_of_traced_values(method, n, norm):
    want = np.array([_hfft_real_sum(e, n, norm) for e in np.eye(6)])  # linear: ∂/∂x_i is f(e_i)
    got = dl.grad(lambda x: _hfft_real_sum(x, n, norm), method=method)(V6)
    np.testing.assert_allclose(got, want, rtol=1e-6 if method == "numeric" else 1e-12, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_ihfft_of_traced_values(method):
    # |ihfft(x)_k|² summed with weights k: ihfft(x) = conj(rfft(x))/n, so the gradient is 2 Re(J^H (w ⊙ y))
    w = np.arange(4.0)

    def f(x):
        return np.sum(np.abs(np.fft.ihfft(x)) ** 2 * w)

    y = np.fft.ihfft(V6)
    jac = np.stack([np.fft.ihfft(e) for e in np.eye(6)], axis=1)  # (4, 6): linear in x
    want = 2 * np.real(jac.conj().T @ (w * y))
    np.testing.assert_allclose(dl.grad(f, method=method)(V6), want, rtol=1e-6 if method == "numeric" else 1e-12)
    np.testing.assert_allclose(
        dl.hessian(f, method="reverse")(V6), 2 * np.real(jac.conj().T @ (w[:, None] * jac)), rtol=1e-12, atol=1e-15
    )


def _complex_step(f, x, h=1e-30):
    """∇f at x by complex steps (f a polynomial in x: exact to rounding)."""
    return np.array([f(x + 1j * h * e).imag / h for e in np.eye(x.size)])


@pytest.mark.parametrize(
    "method", METHODS[1:]
)  # (symbolic: convolve's own tests; here 4 s of SymPy for the same graph)
@pytest.mark.parametrize("name", ["fftconvolve", "oaconvolve"])
def test_fftconvolve_is_in_difflab_scipy_signal(method, name):
    ss = pytest.importorskip("scipy.signal")
    import difflab.scipy as dsc

    k = np.array([0.2, 0.5, 0.3])

    def f(conv):
        return lambda x: np.sum(conv(x, x[::-1]) ** 2) + np.sum(conv(x, k, mode="same") ** 3)

    # SciPy's direct sum by complex steps (its FFT would mix the step into the real parts' rounding)
    want = _complex_step(f(lambda a, b, mode="full": ss.convolve(a, b, mode=mode, method="direct")), V6)
    np.testing.assert_allclose(
        dl.grad(f(getattr(dsc.signal, name)), method=method)(V6), want, rtol=1e-6 if method == "numeric" else 1e-12
    )
    np.testing.assert_allclose(getattr(dsc.signal, name)(V6, k, mode="same"), getattr(ss, name)(V6, k, mode="same"))


def test_scipy_fftconvolve_of_traced_values_names_difflabs():
    ss = pytest.importorskip("scipy.signal")
    from difflab.errors import UnsupportedOperationError

    with pytest.raises(UnsupportedOperationError, match=r"use difflab\.scipy\.signal\.fftconvolve"):
        dl.grad(lambda x: np.sum(ss.fftconvolve(x, x)))(V6)
    import difflab.scipy as dsc

    with pytest.raises(dl.UnsupportedOperationError, match="axes="):
        dsc.signal.fftconvolve(np.ones((2, 3)), np.ones((2, 2)), axes=1)


@pytest.mark.parametrize("method", METHODS)
def test_trapezoid_is_in_difflab_scipy_integrate(method):
    si = pytest.importorskip("scipy.integrate")
    import difflab.scipy as dsc

    t = np.array([0.0, 0.1, 0.35, 0.5, 0.8, 1.0])

    def f(m):  # y traced, and the sample points traced too (trapezoid is bilinear in y and the steps of x)
        return lambda p: m.trapezoid(np.sin(p) * p, x=t + 0.1 * p**2)

    want = _complex_step(f(si), V6)
    got = dl.grad(f(dsc.integrate), method=method)(V6)
    np.testing.assert_allclose(got, want, rtol=1e-6 if method == "numeric" else 1e-12)
    assert "trapezoid" in dsc.BY_NAME["integrate"]


@pytest.mark.parametrize(
    ("method", "how"), [(m, "linear") for m in METHODS] + [("reverse", h) for h in ("weibull", "hazen", "lower")]
)
def test_quantile_of_a_traced_q(method, how):
    # the position moves with q: d/dq of the linear method's quantile is (n - 1)(x₍ₖ₊₁₎ - x₍ₖ₎); it was 0 silently
    m = np.stack([V6, V6**2 - 0.3])
    q = np.array([0.3, 0.55])

    def f(q):
        return np.sum(np.quantile(m, q, axis=1, method=how) ** 2) + np.percentile(V6, q[0] * 100, method=how) ** 3

    want = central(f, q)
    if how == "linear":  # the closed form at q₀ = 0.3 for the percentile term: 3 Q² · 5 (x₍₂₎ - x₍₁₎)
        s = np.sort(V6)
        assert (
            abs(
                want[0]
                - central(lambda q: np.sum(np.quantile(m, q, axis=1) ** 2), q)[0]
                - 3 * np.quantile(V6, 0.3) ** 2 * 5 * (s[2] - s[1])
            )
            < 1e-7
        )
    np.testing.assert_allclose(dl.grad(f, method=method)(q), want, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_pinv_hermitian_reads_the_lower_triangle(method):
    # NumPy's pinv(hermitian=True) is by eigh, which reads a's lower triangle: the upper one has no derivative
    # (difflab gave the general pinv's gradient, nonzero there)
    a = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.1]]) + np.triu(np.full((3, 3), 0.05), 1)
    w = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.4], [1.1, 0.6, -0.9]])

    def f(a):
        return np.sum(np.linalg.pinv(a, hermitian=True) * w)

    got = dl.grad(f, method=method)(a)
    np.testing.assert_allclose(got, central(f, a), rtol=1e-6, atol=1e-8)
    assert np.all(got[np.triu_indices(3, 1)] == 0)


@pytest.mark.parametrize("method", METHODS)
def test_std_and_var_take_where(method):
    # np.std/np.var(where=mask) were refused ("difflab's version does not take these arguments"); mean/sum took it
    x = np.array([[0.31, -0.52, 0.73, -0.44], [0.26, 0.67, -0.1, 0.9], [0.5, -0.3, 0.2, 0.05]])
    mask = np.array([[True, False, True, True], [True, True, False, True], [False, True, True, True]])

    def f(x):
        return (
            np.std(x, where=mask)
            + np.sum(np.var(x, axis=0, ddof=1, where=mask))
            + np.sum(np.std(x, axis=1, keepdims=True, where=mask) * x)
        )

    got = dl.grad(f, method=method)(x)
    np.testing.assert_allclose(got, central(f, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("method", METHODS[1:])
def test_nanquantile_of_a_traced_q(method):
    # each slice's position moves with q by its own count's slope (5 and 4 values here); it was 0 silently
    m = np.stack([V6, V6**2 - 0.3])
    m[0, 2] = m[1, 4] = m[1, 0] = np.nan
    q = np.array([0.32, 0.55])

    def f(q):
        return np.sum(np.nanquantile(m, q, axis=1, method="weibull") ** 2) + np.nanpercentile(m, q[0] * 100) ** 3

    np.testing.assert_allclose(dl.grad(f, method=method)(q), central(f, q), rtol=1e-7, atol=1e-9)
