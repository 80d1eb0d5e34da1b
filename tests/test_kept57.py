"""The entries valued by mpmath element by element (zeta_derivative, hurwitz_derivative, smirnov_derivative) keep each
point's value (issue 17, suitetime57): a Hessian's sweeps and each method of a test evaluate the same points again, and
mpmath's Hurwitz zeta was ~11% of tests/test_forward_traced's CPU. A point met again costs no mpmath call and gives the
same double; a point whose computation sets a floating-point flag (an overflow beyond the doubles) is computed again,
so NumPy still says it, or raises it under the sweeps' error state."""

import warnings

import mpmath
import numpy as np
import pytest

from difflab.ops import REGISTRY


def _counting(monkeypatch, name):
    calls = []
    original = getattr(mpmath, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(mpmath, name, counted)
    return calls


def test_a_point_met_again_costs_no_mpmath_call_and_gives_the_same_value(monkeypatch):
    calls = _counting(monkeypatch, "zeta")
    k, x, q = np.array([1, 2, 1]), np.array([1.8125, 2.6875, 7.0625]), np.array([0.4375, 1.3125, 2.5625])
    first = REGISTRY["hurwitz_derivative"].impl(k, x, q)
    assert len(calls) <= 3  # (another test of this process may have met these points already)
    calls.clear()
    again = REGISTRY["hurwitz_derivative"].impl(k, x, q)
    riemann = REGISTRY["zeta_derivative"].impl(np.array([1, 2]), np.array([1.8125, 2.6875]))
    riemann_again = REGISTRY["zeta_derivative"].impl(np.array([1, 2]), np.array([1.8125, 2.6875]))
    calls.clear()
    REGISTRY["zeta_derivative"].impl(np.array([1, 2]), np.array([1.8125, 2.6875]))
    assert calls == []  # main: 3 and 2 calls, one per element, every time
    assert again.tobytes() == first.tobytes() and riemann_again.tobytes() == riemann.tobytes()
    with mpmath.workdps(40):  # the reference: mpmath's own derivative ∂ᵏ/∂xᵏ ζ(x, q) at 40 digits
        want = [float(mpmath.diff(lambda s, q=q: mpmath.zeta(s, q), x, k)) for k, x, q in zip(k, x, q)]
        want_r = [float(mpmath.diff(mpmath.zeta, x, k)) for k, x in ((1, 1.8125), (2, 2.6875))]
    np.testing.assert_allclose(first, want, rtol=1e-14)
    np.testing.assert_allclose(riemann, want_r, rtol=1e-14)


def test_a_point_that_overflows_is_said_and_raised_every_time():
    """∂x ζ(x, q) at x = 1.5, q = 1e-300 (its first term -log(q)·q^-1.5) is beyond the doubles: +inf, NumPy's overflow
    flag set by mpmath's float of it, said by NumPy's warning and raised under over='raise', the second time too."""
    for _ in range(2):
        with warnings.catch_warnings(record=True) as said, np.errstate(over="warn"):
            warnings.simplefilter("always")
            value = REGISTRY["hurwitz_derivative"].impl(np.array([1, 1]), np.array([1.5, 2.5]), np.array([1e-300, 0.5]))
        assert [str(w.message) for w in said] == ["overflow encountered in hurwitz_derivative (vectorized)"]
        assert value[0] == np.inf and np.isfinite(value[1])
        with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
            REGISTRY["hurwitz_derivative"].impl(np.array([1, 1]), np.array([1.5, 2.5]), np.array([1e-300, 0.5]))
