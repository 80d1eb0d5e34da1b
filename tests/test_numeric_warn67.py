"""numwarn67: numeric's round-off warning is said with `error_estimate=True` too.

`Numeric(error_estimate=True)` does not change what dl.grad, dl.hessian or a prepared function return (docs/api.md:
the estimate sits in `preparations()[-1].error`), yet the stencils skipped the NumericAccuracyWarning of an entry that
round-off decides whenever an estimate was asked, on the idea that the estimate tells the user: forward differences at
1e-15 on eˣ/√(sin³x + cos³x) at √2 gave 4.8 for 3.351 (43 % off) without a word, central 4.0 (19 %), and
fd_accuracy's sweep (every step run with an estimate) counted 0.432 as "the largest error where it said nothing".
Now each warning is said as without the estimate, in the same words naming the same entry: the first-derivative
stencils, Richardson's table, the Hessian stencil and nested numeric levels. The estimate itself and the evaluations
are the stencil's as before."""

import math
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import NumericAccuracyWarning

X0 = math.sqrt(2.0)
EXACT = 3.3510171874039795  # d/dx eˣ/√(sin³x + cos³x) at √2 (40-digit reference, rounded)


def squire_trapp(x):
    return dnp.exp(x) / dnp.sqrt(dnp.sin(x) ** 3.0 + dnp.cos(x) ** 3.0)


def big(x):
    return 1e14 * x[0] + dnp.sin(x[1])


def quad(x):
    return 1e8 * x[0] ** 2 + x[1] * x[2]


def said(call):
    """(value, the NumericAccuracyWarnings' messages) of call()."""
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        value = call()
    return value, [str(w.message) for w in shown if issubclass(w.category, NumericAccuracyWarning)]


@pytest.mark.parametrize(
    "scheme, value, estimate",
    [("forward", 4.8, 2.4726738703792526), ("central", 4.0, 0.984485083337775)],
)
def test_a_gradient_with_an_estimate_says_its_round_off_as_without(scheme, value, estimate):
    # on main: the estimate's runs said nothing (4.8 and 4.0 for 3.351)
    plain, want = said(lambda: dl.grad(squire_trapp, method=dl.Numeric(scheme=scheme, step=1e-15))(X0))
    method = dl.Numeric(scheme=scheme, step=1e-15, error_estimate=True)
    got, words = said(lambda: dl.grad(squire_trapp, method=method)(X0))
    assert got == plain == value and abs(got - EXACT) > 0.15 * EXACT
    assert len(want) == 1 and words == want
    assert want[0].startswith(f"the numeric method cannot resolve this derivative: d f[0]/d x[0] (flat) is {value:.3g}")
    # a prepared function alike; its estimate and evaluations are the stencil's at h and 2h, as before
    prepared = dl.prepare(squire_trapp, X0, method=method)
    before = prepared.cost.evals
    got, words = said(lambda: prepared.grad(X0))
    assert got == value and words == want
    assert np.ravel(prepared.prepared.error).tolist() == [estimate]
    assert prepared.cost.evals - before == {"forward": 3, "central": 5}[scheme]


def test_richardson_with_an_estimate_says_its_round_off_as_without():
    x = np.array([1.0, 2.0])  # d/dx1 = cos 2 = -0.416 under 1e14·x0's round-off: Richardson's -0.403
    plain, want = said(lambda: dl.grad(big, method=dl.Numeric(scheme="richardson"))(x))
    got, words = said(lambda: dl.grad(big, method=dl.Numeric(scheme="richardson", error_estimate=True))(x))
    assert got[1] == plain[1] == pytest.approx(-0.402930721, abs=1e-9)
    assert len(want) == 1 and words == want and "d f[0]/d x[1] (flat) is -0.403" in want[0]


def test_the_hessian_with_an_estimate_says_its_round_off_as_without():
    x = np.array([1.0, 2.0, 3.0])  # H[1, 2] = 1 beside 1e8·x0²: its bound above the share the method answers to
    for f, at, entry in ((quad, x, "H[1, 2] is 1,"), (squire_trapp, X0, "H[0, 0] is 7.11,")):
        step = None if f is quad else 1e-7
        plain, want = said(lambda: dl.hessian(f, method=dl.Numeric(step=step))(at))
        got, words = said(lambda: dl.hessian(f, method=dl.Numeric(step=step, error_estimate=True))(at))
        np.testing.assert_array_equal(got, plain)
        assert len(want) == 1 and words == want and entry in want[0]  # on main: nothing with the estimate


def test_nested_levels_with_an_estimate_say_their_round_off_as_without():
    # Richardson of Richardson: d²/dx1² of 1e14·x0 + sin(x1) is -sin 2 = -0.909, lost below the inner noise: 0
    x = np.array([1.0, 2.0])
    outs = []
    for estimate in (False, True):
        method = dl.Numeric(scheme="richardson", error_estimate=estimate)
        outs.append(said(lambda: dl.jacobian(dl.grad(big, method=method), method=method)(x)))
    (plain, want), (got, words) = outs
    np.testing.assert_array_equal(got, plain)
    assert got[1, 1] == 0.0 and len(want) == 1 and len(words) == 1  # on main: nothing with the estimate
    # the same words naming the same entry; its bound, R plus the inner levels' noise, is the inner estimates' (the
    # inner levels run at h and 2h with one asked: 617 against 506)
    lead = "the numeric method cannot resolve this derivative: d f[1]/d x[1] (flat) is 0, below the round-off bound"
    assert want[0].startswith(lead) and words[0].startswith(lead)
    assert words[0].split(" of its stencil")[1] == want[0].split(" of its stencil")[1]


def test_exact_zeros_and_complex_step_are_as_they_were():
    # the absorbed zero is still named by its addition (as on main, with or without the estimate), and complex step,
    # which has no round-off to judge, says nothing either way
    x = np.array([1.0, 2.0])
    for estimate in (False, True):
        got, words = said(lambda: dl.grad(big, method=dl.Numeric(error_estimate=estimate))(x))
        assert got[1] == 0.0 and len(words) == 1 and words[0].startswith("v5 = add(v2, v4): the numeric method")
        got, words = said(lambda: dl.grad(squire_trapp, method=dl.Numeric("complex", error_estimate=estimate))(X0))
        assert got == pytest.approx(EXACT, rel=1e-15) and words == []


def test_fd_accuracy_counts_the_steps_numeric_warned_at():
    from difflab import runner

    fd = runner.load_experiment("fd_accuracy").module
    warned = []
    error, _ = fd._error_at(squire_trapp, X0, EXACT, "forward", 1e-15, warned)
    assert error == pytest.approx(0.4324, abs=1e-4) and warned == [1e-15]  # on main: [] (0.432 "said nothing")
