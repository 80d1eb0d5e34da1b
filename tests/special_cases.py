"""The shared check of tests/test_scipy_special4[7-9].py and test_scipy_special50.py: a scipy.special entry's first and
second derivatives in one argument against mpmath's, stored as numbers in each file's CASES table."""

from __future__ import annotations

import warnings

import numpy as np

import difflab as dl


def check_against_mpmath(cases: dict, symbolic: set, name: str) -> None:
    """cases[name] = (fn, i, point, rtol, (d1, d2)): d/dt and d²/dt² of fn(*point) with point[i] = t, at point[i], by
    reverse and forward (and symbolic where name is in `symbolic`: its SymPy and lambdify cost ~0.1 s a case), within
    rtol of mpmath's d1, d2, and no warning (no DomainWarning inside the domain: the held arguments form no NaN)."""
    fn, i, point, rtol, (d1, d2) = cases[name]

    def f(t):
        return fn(*point[:i], t, *point[i + 1 :])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("reverse", "forward", "symbolic") if name in symbolic else ("reverse", "forward"):
            g = dl.grad(f, method=method)
            np.testing.assert_allclose(float(g(point[i])), d1, rtol=rtol, err_msg=method)
            np.testing.assert_allclose(float(dl.grad(g, method=method)(point[i])), d2, rtol=rtol, err_msg=method)
