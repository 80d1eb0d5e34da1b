"""The work the forward, numeric and compiled tiers' hot paths do per call (issue 17: the suite's budget, and users'
time): a strong product of finite factors is one finiteness pass (its product's), with the same values, strong zeros
and warnings as before. Counts, never wall time (speed lives in bench/)."""

import warnings

import numpy as np
import pytest

from difflab.ops import elementwise


def _counting(monkeypatch, module, name):
    seen = []
    real = getattr(module, name)

    def counted(x):
        seen.append(x)
        return real(x)

    monkeypatch.setattr(module, name, counted)
    return seen


@pytest.mark.parametrize("a, b", [(np.arange(3.0), np.array([2.0, -1.0, 0.5])), (2.5, np.ones((2, 3))), (3.0, -0.5)])
def test_a_strong_product_of_finite_factors_checks_only_its_product(monkeypatch, a, b):
    """Main checked both factors, multiplied, then checked the product (three passes); a finite product had finite
    factors (a factor's ±inf or NaN reaches a product), so its one check is enough."""
    seen = _counting(monkeypatch, elementwise, "surely_finite")
    out = elementwise._strong_mul_impl(a, b)
    assert len(seen) == 1 and seen[0] is out
    assert np.array_equal(out, np.multiply(a, b))


def test_strong_zeros_and_overflow_stay_as_they_were():
    inf, nan = np.inf, np.nan
    a = np.array([0.0, -0.0, 2.0, 0.0, nan, inf, 3.0])
    b = np.array([inf, -inf, inf, nan, 2.0, -1.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (0·∞ is formed quietly, only to be replaced by 0)
        with np.errstate(all="raise"):
            out = elementwise._strong_mul_impl(a, b)
    assert out.tolist()[:4] == [0.0, 0.0, inf, 0.0] and np.isnan(out[4]) and out[5:].tolist() == [-inf, 12.0]
    assert elementwise._strong_mul_impl(0.0, inf) == 0.0
    with warnings.catch_warnings():  # finite factors whose product overflows: no NumPy warning (a rule running says
        warnings.simplefilter("error")  # it as a DerivativeRangeWarning naming its equation; no rule runs here)
        with np.errstate(over="raise"):
            big = elementwise._strong_mul_impl(np.array([1e200, 1.0]), np.array([1e200, 2.0]))
    assert big.tolist() == [inf, 2.0]
