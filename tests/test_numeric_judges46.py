"""numeric46: numeric differentiation's remaining silent answers (issue 11).

A JVP along a tangent with NaN/±inf entries: the numeric stencil stepped to x + h·inf and gave NaN in every output;
now J v is forward's (strong zeros: an output that does not move with that input keeps its finite value). JAX's jvp
gives the same where no zero partial meets the inf (it has no strong zeros: x0·x1 at x1 = 0 along (inf, 1) is NaN
for JAX, 0.5 for difflab's forward, reverse and now numeric).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import NumericAccuracyWarning

CASES = {
    "independent output": (lambda x: dnp.stack([3.0 * x[0], dnp.sin(x[1])]), [0.5, 0.2], [1.0, np.inf]),
    "zero partial": (lambda x: x[0] * x[1], [0.5, 0.0], [np.inf, 1.0]),
    "both move": (lambda x: dnp.sin(x) + x[0], [0.5, 3.0], [-np.inf, 1.0]),
    "nan entry": (lambda x: dnp.sin(x), [0.5, 3.0], [np.nan, 1.0]),
    "inf - inf": (lambda x: x[0] - x[1], [0.5, 3.0], [np.inf, np.inf]),
    "square at 0": (lambda x: x * x, [0.0, 1.0], [np.inf, 2.0]),
}
EXPECTED = {  # by hand: J v with strong zeros
    "independent output": [3.0, np.inf],
    "zero partial": 0.5,
    "both move": [-np.inf, -np.inf],
    "nan entry": [np.nan, np.cos(3.0)],
    "inf - inf": np.nan,
    "square at 0": [0.0, 4.0],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_numeric_jvp_along_a_nonfinite_tangent_is_forwards(name):
    f, x, t = CASES[name]
    x, t = np.array(x), np.array(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = dl.jvp(f, (x,), (t,), method="forward")[1]
        _, got = dl.jvp(f, (x,), (t,), method="numeric")
    expected = np.array(EXPECTED[name])
    np.testing.assert_allclose(want, expected, rtol=1e-12)  # the reference itself, by hand
    np.testing.assert_allclose(got, expected, rtol=1e-6)  # NaN and ±inf exactly where forward has them


def test_numeric_jvp_along_a_nonfinite_tangent_agrees_with_jax_where_no_zero_partial_meets_it():
    # (JAX x64's jax.jvp gives these three numbers too: checked by hand, not imported here, its import costs 4 s)
    x, t = np.array([0.5, 3.0, 1.2]), np.array([1.0, -np.inf, 0.25])
    want = [1.2 * 1.0 + 0.5 * 0.25, -np.inf, (1.0 - np.tanh(1.2) ** 2) * 0.25]  # by hand: J v
    got = dl.jvp(lambda x: dnp.stack([x[0] * x[2], dnp.exp(x[1]) + x[0], dnp.tanh(x[2])]), (x,), (t,), method="numeric")
    np.testing.assert_allclose(got[1], want, rtol=1e-6)  # [finite, -inf, finite]


def test_numeric_jvp_along_a_nonfinite_tangent_inside_an_outer_derivative():
    t = np.array([1.0, np.inf])
    f = lambda x: dnp.stack([3.0 * x[0] * x[0], dnp.sin(x[0]) * x[1]])  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DomainWarning from an inf·0 formed and dropped
        got = dl.grad(lambda x: dl.jvp(f, (x,), (t,), method="numeric")[1][0], method="reverse")(np.array([2.0, 0.5]))
    np.testing.assert_allclose(got, [6.0, 0.0], atol=1e-6)  # d/dx of 6·x0


# numeric of numeric: each level's central differences with the same step add the same truncation (the inner
# differences' error a(x)·h² differentiated by the outer ones), so the outer level's estimate is half the error
NESTED = {  # (op, s, x, a): bench/numeric_silent.py's silent nested Hessians, 0.12–0.18 % off
    "cosh": (dnp.cosh, 531.4389611972525, [0.0, 0.00016606567887859295], [2.472435678832565, -1.2096265493756504]),
    "expm1": (dnp.expm1, 581.7083491349695, [5.012559269674685e-06, 9.711913995549087e-05], [-0.3915, 3.7516]),
}


@pytest.mark.parametrize("name", sorted(NESTED))
def test_nested_numeric_hessian_says_its_levels_summed_truncation(name):
    op, s, x, a = NESTED[name]
    x, a = np.array(x), np.array(a)

    def f(x):
        return dnp.sum(op(s * x) * a)

    second = s * s * (np.cosh(s * x) if name == "cosh" else np.exp(s * x)) * a  # by hand: diagonal
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        H = dl.hessian(f, method=("numeric", "numeric"))(x)
    err = np.max(np.abs(H - np.diag(second))) / np.max(np.abs(second))
    assert err > 1e-3  # off beyond the stated accuracy ...
    assert any(issubclass(w.category, NumericAccuracyWarning) for w in caught)  # ... and said


# near an extremum a resolved derivative is its own scale: cosh(s·x)'s central difference is (s·h)²/6 off there as
# anywhere, and the derivative's change over the step (the scale an extremum's ~0 is judged by) hid it
EXTREMA = {  # (scheme, s, x, a): bench/numeric_silent.py's silent ones
    "central": ("central", 38008.50686460872, 2.380318349850778e-08, -0.3757345965787546),
    "central4": ("central4", 715.347792794293, 2.036858614509812e-05, 1.1834202668111746),
}


@pytest.mark.parametrize("name", sorted(EXTREMA))
def test_a_resolved_derivative_near_an_extremum_is_judged_against_itself(name):
    from difflab.differentiators.numeric import Numeric

    scheme, s, x, a = EXTREMA[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = dl.grad(lambda x: a * dnp.cosh(s * x), method=Numeric(scheme=scheme))(x)
    exact = a * s * np.sinh(s * x)  # by hand
    assert abs(got - exact) > 1e-3 * abs(exact)  # off beyond the stated accuracy ...
    assert any(issubclass(w.category, NumericAccuracyWarning) for w in caught)  # ... and said


def test_an_extremum_and_a_zero_derivative_stay_quiet():
    rosen = lambda x: dnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = dl.grad(rosen, method="numeric")(np.ones(4))  # its minimum: every entry ~ its own truncation
        c = dl.grad(lambda x: x**3, method="numeric")(0.0)
    assert np.max(np.abs(g)) < 1e-6 and abs(c) < 1e-9
