"""polyrev58 (issue 11: review of poly58's series roots/division, spline antiderivative/integrate/solve and weighted
quantiles for wrong numbers): each test failed on the tree before its fix.

References: the implicit function theorem for roots (dr = −(dp)(r)/p'(r) at NumPy's roots); NumPy's and SciPy's
own functions (values, and central differences of them at float64).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp


def _weighted_roots(c):
    return dnp.sum(dnp.real(dnp.polynomial.polynomial.polyroots(c)) * np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_prepared_series_roots_at_a_repeated_root_say_so(method):
    """A roots call prepared at distinct roots, then asked at coefficients with a double root (x − 1)²(x + 2):
    NaN with a DomainWarning naming the root (it gave the eigenvalue rule's 1/gap numbers, −8.2e6 per entry, silently); at the
    distinct point still the implicit function theorem's gradient."""
    c0, c1 = np.array([0.3, -1.2, 0.4, 0.9]), np.array([2.0, -3.0, 0.0, 1.0])
    p = np.polynomial.Polynomial(c0)
    r = p.roots()
    jac = -np.stack([np.polynomial.Polynomial(e)(r) for e in np.eye(4)], axis=1) / p.deriv()(r)[:, None]
    prepared = dl.prepare(_weighted_roots, c0, method=method)
    np.testing.assert_allclose(prepared.grad(c0), np.array([1.0, 2.0, 3.0]) @ jac, rtol=1e-10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = prepared.grad(c1)
    assert np.isnan(got).all()
    said = [str(w.message) for w in caught if issubclass(w.category, dl.DomainWarning)]
    assert any("repeated root (about 1+0j" in m for m in said), said


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_periodic_integrate_on_decreasing_breakpoints_counts_whole_periods_positively(method):
    """PPoly(c, x decreasing, 'periodic').integrate(a, b) across periods: each whole period adds ∫ over [lo, hi]
    (it subtracted it: x[-1] − x[0] runs backwards; −0.94125 for 0.23375 over [−0.5, 0.85]); SciPy refuses these
    bounds ("Integral bounds not in order"), so the reference is quad of SciPy's periodic evaluation; the
    derivative in b is the integrand there."""
    si, quad = pytest.importorskip("scipy.interpolate"), pytest.importorskip("scipy.integrate").quad
    import difflab.scipy.interpolate as dsi

    c, x = np.array([[0.5, -1.0, 0.3], [1.0, 0.2, -0.7]]), np.array([2.0, 1.0, 0.5, 0.0])
    theirs = si.PPoly(c, x, extrapolate="periodic")
    knots = np.concatenate([x + 2.0 * k for k in range(-3, 3)])
    for a, b in [(-0.5, 0.85), (-2.3, 3.5), (0.2, 1.7)]:
        want = quad(theirs, a, b, points=knots[(knots > a) & (knots < b)], limit=200)[0]
        got = dsi.PPoly(c, x, extrapolate="periodic").integrate(a, b)
        assert float(got) == pytest.approx(want, rel=1e-10, abs=1e-12)
    slope = dl.grad(lambda t: dsi.PPoly(c, x, extrapolate="periodic").integrate(-2.3, t), method=method)(3.5)
    assert float(slope) == pytest.approx(float(theirs(3.5)), rel=1e-12)


def test_periodic_ppoly_roots_are_scipys_end_polynomial_roots_and_move_with_c():
    """PPoly(c, x, 'periodic').roots(discontinuity=False) of traced c: SciPy's roots, which with extrapolation are
    the end polynomials' outside the breakpoints (−0.5 here); difflab refused that root as "not differentiable"
    (it checked it on the periodic image). The gradient of Σ w·r against central differences of SciPy's roots."""
    si = pytest.importorskip("scipy.interpolate")
    import difflab.scipy.interpolate as dsi

    c, x, w = np.array([[1.0, 0.5], [-0.3, 0.2], [-0.4, -0.1]]), np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    theirs = lambda c: si.PPoly(c.reshape(3, 2), x, extrapolate="periodic").roots(discontinuity=False)  # noqa: E731
    ours = lambda c: dsi.PPoly(dnp.reshape(c, (3, 2)), x, extrapolate="periodic").roots(discontinuity=False)  # noqa: E731
    np.testing.assert_allclose(theirs(c.ravel()), [-0.5, 0.8, 1.2898979485566356], rtol=1e-12)
    np.testing.assert_allclose(ours(c.ravel()), theirs(c.ravel()), rtol=1e-12)
    h, c0 = 1e-6, c.ravel()
    want = np.array([(theirs(c0 + h * e) - theirs(c0 - h * e)) @ w / (2 * h) for e in np.eye(6)])
    got = dl.grad(lambda c: dnp.sum(ours(c) * w), method="reverse")(c0)
    np.testing.assert_allclose(got, want, rtol=1e-7)


def test_prepared_series_roots_whose_leading_coefficient_becomes_zero_give_nan_with_a_warning():
    """Prepared at c[-1] = 0.9, asked at c[-1] = 0: the companion matrix holds inf/NaN; reverse's eigenvalue rule
    called LAPACK's eig on it and raised a bare LinAlgError ("Array must not contain infs or NaNs"); now NaN with
    the DomainWarning of the division that made it, as the other methods give."""
    prepared = dl.prepare(_weighted_roots, np.array([0.3, -1.2, 0.4, 0.9]), method="reverse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = prepared.grad(np.array([0.3, -1.2, 0.4, 0.0]))
    assert np.isnan(got).all()
    assert any(issubclass(w.category, dl.DomainWarning) for w in caught)


def test_prepared_series_roots_at_a_repeated_complex_pair_say_so_in_both_parts():
    """(x² + 1)² at a later point of a prepared Σ w·Im r: NaN with the DomainWarning naming the root ±i (a NaN added
    to the complex roots alone would leave their imaginary parts, and the eigenvalue rule's numbers, standing)."""
    f = lambda c: dnp.sum(dnp.imag(dnp.polynomial.polynomial.polyroots(c)) * np.arange(1.0, 5.0))  # noqa: E731
    prepared = dl.prepare(f, np.array([1.0, 0.3, 2.1, 0.1, 1.0]), method="reverse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = prepared.grad(np.array([1.0, 0.0, 2.0, 0.0, 1.0]))
    assert np.isnan(got).all()
    assert any("repeated root (about" in str(w.message) and "1j" in str(w.message) for w in caught)
