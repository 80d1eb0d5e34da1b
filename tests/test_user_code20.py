"""What a user writes, round 20: (functions below; the regression tests for what they met first)."""

import warnings

import numpy as np
import pytest

import difflab as dl
from user_code import METHODS


def _peaks_far_out(x):
    """Σ x·e^(−x²) at 0.5, 30 and 60: e^(−900) underflowed (its slope's quotient rule applies) beside e^(−3600)."""
    return np.sum(np.exp(-(x**2)) * x)


@pytest.mark.parametrize("method", METHODS)
def test_exp_far_below_its_range_beside_an_underflowed_one_says_nothing(method):
    # on main reverse (fresh and prepared) raised "RuntimeWarning: overflow encountered in exp": exp's quotient rule
    # (t·e^(x/2))/e^(−x/2), taken for the whole array where one e^x underflowed at x > −1416, computed e^1800 for
    # the x = −3600 beside it (a float x there is inf, said nothing). The gradient is (1 − 2x²)e^(−x²).
    x = np.array([0.5, 30.0, 60.0])
    want = (1 - 2 * x**2) * np.exp(-(x**2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(dl.grad(_peaks_far_out, method=method)(x), want, rtol=1e-6, atol=1e-300)
        np.testing.assert_allclose(dl.prepare(_peaks_far_out, x, method=method).grad(x), want, rtol=1e-6, atol=1e-300)


def _profile_energy(w):
    """g·g of g = 10⁴e^(−(x/w)²) + 10⁴w at x² = 1, 900: e^(−900)'s slope term is lost, and the sweep seeded at 2^1000
    to lift it overflows in g·ġ."""
    g = np.exp(-((np.array([1.0, 30.0]) / w[0]) ** 2)) * 1e4 + 1e4 * w[0]
    return g @ g


@pytest.mark.parametrize("method", METHODS)
def test_a_rescaled_sweep_that_overflowed_says_nothing(method):
    # on main forward said "RuntimeWarning: overflow encountered in matmul" and reverse "... in multiply": the trial
    # sweep at 2^1000 (rescaled.py), which is not kept where it overflowed, let NumPy's overflow warning out; the
    # answer (from the 2^500 trial) was right. The gradient: 2g·ġ, ġ = 10⁴(2x²e^(−x²) + 1) at w = 1.
    xs2 = np.array([1.0, 900.0])
    g, dg = 1e4 * np.exp(-xs2) + 1e4, 1e4 * (2 * xs2 * np.exp(-xs2) + 1)
    want = 2 * g @ dg
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for grad in (
            dl.grad(_profile_energy, method=method),
            dl.prepare(_profile_energy, np.ones(1), method=method).grad,
        ):
            assert grad(np.ones(1))[0] == pytest.approx(want, rel=1e-6 if method == "numeric" else 1e-13)
