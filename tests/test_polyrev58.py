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
    NaN with a DomainWarning (it gave the eigenvalue rule's 1/gap numbers, −8.2e6 per entry, silently); at the
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
    assert any(issubclass(w.category, dl.DomainWarning) for w in caught)
