"""A derivative read from the user's own subnormal value says so (issue 11, bench/extreme_magnitudes.py's 7e-160 rows).

At x = 7e-160 the user's x·x is 4.9e-319, a subnormal of 17 bits: log(x·x)'s derivative t/u read from it came out
2.857146e159 for 2/x = 2.857143e159, wrong in its sixth digit and said by nothing. A quotient rule whose operand is
such a subnormal, at a denominator at its scale (below 1.5e-154), says it: a DerivativeRangeWarning naming the
equation (`ops.core._subnormal_read`). One whose denominator does not feel the lost digits (log1p's 1 + u) says
nothing. References: the closed forms, mpmath at 50 digits."""

import warnings

import mpmath as mp
import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import DerivativeRangeWarning

X = 7e-160


def _grad(f, method, x=X):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = dl.grad(f, method=method)(x)
    return got, [str(w.message) for w in caught if issubclass(w.category, DerivativeRangeWarning)]


def _exact(expr) -> float:
    """expr(x) at X in 50 digits, x the exact binary value of X."""
    mp.mp.dps = 50
    return float(expr(mp.mpf(X)))


@pytest.mark.parametrize(
    ("f", "exact", "equation"),
    [
        (lambda x: dnp.log(x * x), lambda x: 2 / x, "log(v1)"),
        (lambda x: dnp.sqrt(x * x), lambda x: mp.mpf(1), "sqrt(v1)"),
        (lambda x: 1 / dnp.cbrt(x * x), lambda x: -mp.mpf(2) / 3 * x ** (-mp.mpf(5) / 3), "cbrt(v1)"),
    ],
    ids=["log(x*x)", "sqrt(x*x)", "1/cbrt(x*x)"],
)
def test_forward_says_a_derivative_read_from_a_subnormal(f, exact, equation):
    got, said = _grad(f, "forward")
    want = _exact(exact)
    assert got != want and abs(got - want) <= 2e-5 * abs(want)  # (5 digits right: 17 bits of u)
    assert any(equation in m and "subnormal" in m for m in said), said


def test_reverse_says_it_on_floats_and_arrays():
    got, said = _grad(lambda x: dnp.sqrt(x * x), "reverse")
    assert abs(got - 1.0) <= 2e-5 and got != 1.0
    assert any("sqrt(v1)" in m and "subnormal" in m for m in said), said
    got, said = _grad(lambda x: dnp.sum(dnp.sqrt(x * x)), "reverse", np.array([X, 1.0]))
    assert got[1] == 1.0 and abs(got[0] - 1.0) <= 2e-5
    assert any("sqrt(v1)" in m and "subnormal" in m for m in said), said


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_a_denominator_that_does_not_feel_the_lost_digits_says_nothing(method):
    # log1p(u)' = 1/(1 + u) and arctan(u)' = 1/(1 + u²): u's 17 bits vanish in the 1; 2x·1 = 1.4e-159 is right
    for f in (lambda x: dnp.log1p(x * x), lambda x: dnp.arctan(x * x)):
        got, said = _grad(f, method)
        assert got == 2 * X and not said


def _calls(d, x, n=3):
    """n calls of d at x: (value, the DerivativeRangeWarnings' texts) each."""
    out = []
    for _ in range(n):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            v = d(x)
        out.append((v, sorted({str(w.message) for w in caught if issubclass(w.category, DerivativeRangeWarning)})))
    return out


@pytest.mark.parametrize(
    ("f", "x", "method"),
    [
        (lambda x: dnp.log(x * x), X, "forward"),
        (lambda x: dnp.sum(dnp.sqrt(x * x)), np.array([X, 1.0]), "reverse"),
    ],
    ids=["log(x*x)' fwd", "sqrt(x*x)' rev array"],
)
def test_every_call_says_what_the_first_said(f, x, method):
    # the second call on runs compiled code (Tier, guarded), which read the subnormal silently
    calls = _calls(dl.grad(f, method=method), x)
    assert calls[0][1] and all(said == calls[0][1] for _, said in calls), calls


@pytest.mark.parametrize(
    ("f", "x", "exact"),
    [
        (lambda x: dnp.log(x * x), 7e149, lambda x: -2 / x**2),  # the tangent of 1/u, -2x/u² = 5.8e-450, was 0
        (lambda x: x / (x * x), 1e100, lambda x: 2 / x**3),
        (lambda x: 1 / dnp.sqrt(x * x + 1.0), 1e100, lambda x: (2 * x**2 - 1) / (x**2 + 1) ** mp.mpf(2.5)),
        (lambda x: x * dnp.log(x), 1e200, lambda x: 1 / x),
    ],
    ids=["log(x*x)", "x/(x*x)", "1/sqrt(x*x+1)", "x*log(x)"],
)
@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_a_term_lost_beside_a_normal_result_is_swept_again(f, x, exact, method):
    # the Hessian was the lost term's sign flipped (log(x·x)'' at 7e149: +2/x² for -2/x²), said on the first call
    # only; the sweep is redone at a seed of 2^1000, where nothing is lost, on every call (differentiators/rescaled.py)
    mp.mp.dps = 50
    want = float(exact(mp.mpf(x)))
    for got, said in _calls(dl.hessian(f, method=method), x):
        assert abs(float(got) - want) <= 1e-13 * abs(want) and not said, (got, want, said)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_an_entry_that_lost_its_only_term_beside_one_in_range(method):
    # sum(1/(x·x))' at [1e100, 1]: reverse's cotangent of u = 1e200, -1e-400, was 0 and the entry 0.0 (-0.0) for
    # -2e-300 beside -2 in range (the rescale was decided per sweep: a normal entry skipped it); said on the first call
    g = dl.grad(lambda x: dnp.sum(1 / (x * x)), method=method)
    for got, said in _calls(g, np.array([1e100, 1.0])):
        assert got.tolist() == [-2e-300, -2.0] and not said, (got, said)
