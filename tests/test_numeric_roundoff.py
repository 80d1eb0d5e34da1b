"""The numeric method where a large term dominates f: a change of f over the step below an ulp of f (or of a larger
value inside f) is lost, and the derivative is round-off. A constant term added on f's way to its outputs is
dropped before differencing (differentiators/offsets.py): the derivative is right. A term that depends on x, or a
constant that passes a non-linear op, is said (a NumericAccuracyWarning) rather than answered silently: a nonzero
entry below its round-off bound, or an exact 0 whose change an addition absorbed. It stays quiet on ordinary
functions: exact zeros where f does not depend on an entry, a derivative 0 by symmetry, derivatives truly below
round-off (tanh at 750: tests/test_wrong_numbers.py), a large constant factor."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.numeric import Numeric
from difflab.differentiators.offsets import without_offsets
from difflab.errors import NumericAccuracyWarning

Y = np.array([-3, -0.2, 0.4, 2, 30.0])
K = np.arange(1.0, 6.0)
X = np.array([1.0, 2, 3, 4, 5])
WANT = -np.exp(-X) * (X + 1) / X**2 * K  # d/dx of e^-x/x·k
C = float(np.sum(np.exp(Y) * K))  # 5.34e13


def dominated(x):
    """The session's repro: |f| ≈ 5.3e13 from a closed-over term (folded into one constant), f's x-dependent part ~1."""
    return np.sum(np.exp(-x) / x * K) + np.sum(np.exp(Y) * K)


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


SCHEMES = ("central", "central4", "richardson")


@pytest.mark.parametrize(
    "f",
    [
        dominated,  # main: every entry an exact -0 (and a warning)
        lambda x: (np.sum(np.exp(-x) / x * K) + C) - C,  # main: multiples of ulp(C)/2h, silently
        lambda x: np.sum(dnp.r_[np.exp(-x) / x * K, C]),  # a constant inside an inner sum; main: -0, silently
        lambda x: 0.5 * (np.sum(np.exp(-x) / x * K) + C) * 2.0,  # through constant factors
        lambda x: np.mean(np.exp(-x) / x * K * 5 + C),  # an elementwise offset, then a reduction
    ],
    ids=["g+C", "(g+C)-C", "sum(r_[g,C])", "0.5(g+C)2", "mean(5g+C)"],
)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_constant_offset_is_dropped_before_differencing(f, scheme):
    """The constant reaches f only through linear ops: f is differenced without it, so the gradient is right (was
    exact zeros or ulp-of-C noise on main), quietly, and f's value stays f's own."""
    want = dl.grad(f, method="reverse")(X)
    np.testing.assert_allclose(want, WANT, rtol=1e-12)
    value, got = _quiet(lambda: dl.value_and_grad(f, method=Numeric(scheme=scheme))(X))
    np.testing.assert_allclose(got, want, rtol=1e-7)
    assert value == f(X)


def test_a_jacobian_and_a_hessian_of_an_offset_f_are_right():
    """A vector output with a dominating constant (its elementwise offset dropped), and the Hessian's stencil."""

    def vec(x):
        return np.exp(-x) / x * K + 1e13

    J = _quiet(lambda: dl.jacobian(vec, method="numeric")(X))
    np.testing.assert_allclose(np.diag(J), WANT, rtol=1e-7)  # main: off by more than half
    H = _quiet(lambda: dl.hessian(dominated, method="numeric")(X))
    want = (X**2 + 2 * X + 2) * np.exp(-X) / X**3 * K
    np.testing.assert_allclose(np.diag(H), want, rtol=1e-4)  # main: all 0


def test_only_offsets_are_dropped():
    """A constant that passes a non-linear op, or multiplies a value depending on x, changes the derivative: kept."""
    for f in (
        lambda x: np.exp(np.sin(x) + 5.0),
        lambda x: (np.sin(x) + 3.0) * x,
        lambda x: (np.sin(x) + 3.0) * (np.sin(x) + 3.0),
        lambda x: np.sin(x) * 3.0,
    ):
        assert without_offsets(dl.trace(f, 1.0), (0,)) is None
    graph = without_offsets(dl.trace(lambda x: 2.0 * (np.sin(x) + 3.0) * 4.0 - 1.0, 1.0), (0,))
    assert [float(a.value) for e in graph.eqns for a in e.args if isinstance(a, dl.Const)] == [0.0, 2.0, 4.0, 0.0]
    np.testing.assert_allclose(
        _quiet(lambda: dl.grad(lambda x: (np.sin(x) + 3.0) * x, method="numeric")(1.5)),
        np.cos(1.5) * 1.5 + np.sin(1.5) + 3,
    )


def test_a_constant_kept_by_a_non_linear_op_is_said():
    """maximum(g + C, C - 10) keeps C (maximum is not linear): every central difference is lost below an ulp of C,
    and the warning names the constant term, the bound and the remedies."""

    def f(x):
        return dnp.maximum(np.sum(np.exp(-x) / x * K) + C, C - 10.0)

    with pytest.warns(NumericAccuracyWarning, match=r"round-off bound R·Σ\|w\|/h = 1\.96e\+03") as said:
        g = dl.grad(f, method="numeric")(X)
    assert (g == 0).all()
    msg = str(said[0].message)
    assert "constant term 5.34324e+13 dominates" in msg and "method='forward' or 'reverse'" in msg
    assert said[0].filename == __file__  # it points at the caller's line (not numpy's errstate wrapper)


def test_a_large_term_that_depends_on_x_is_said():
    """1e14·x0 + g(x1, x2): g's change is lost below an ulp of 1e14 (an exact 0, which the stencil alone cannot
    tell from an f that does not depend on x1: two evaluations more find the addition that absorbed it), or is a
    few ulps of it (noise, hundreds): said. main: [1e14, -0, -0] and [1e14, -645, -860], silently."""
    x = np.array([1.0, 2.0, 3.0])
    with pytest.warns(NumericAccuracyWarning, match=r"v\d+ = add\(v\d+, v\d+\): .* d f\[0\]/d x\[1\] \(flat\) is 0"):
        g = dl.grad(lambda x: 1e14 * x[0] + np.sum(np.sin(x[1:])), method="numeric")(x)
    assert g[1] == 0 and np.cos(2.0) != 0
    with pytest.warns(NumericAccuracyWarning, match=r"a few units of its round-off"):
        g = dl.grad(lambda x: 1e14 * x[0] + 1e3 * np.sum(np.sin(x[1:])), method="numeric")(x)
    assert abs(g[1] - 1e3 * np.cos(2.0)) > 100
    # a large intermediate that cancels: f ~ 1, its values on the grid of ulp(1e14) = 0.0156 (not f's own)
    with pytest.warns(NumericAccuracyWarning):
        dl.grad(lambda x: (np.sum(np.sin(x)) + 1e14 * x[0]) - 1e14 * x[0], method="numeric")(x)
    with pytest.warns(NumericAccuracyWarning):
        dl.grad(lambda x: 1e14 * x[0] + np.sum(np.sin(x[1:])), method=Numeric(scheme="central4"))(x)
    with pytest.warns(NumericAccuracyWarning, match=r"v\d+ = sum\(v\d+.*is 0 because"):  # absorbed by a sum
        g = dl.grad(lambda x: np.sum(dnp.r_[np.sin(x[1:]), 1e14 * x[0]]), method="numeric")(x)
    assert g[1] == 0


def test_the_error_estimate_counts_a_large_intermediates_round_off():
    """f = (g + 1e14·x0) - 1e14·x0 is ~1, but its values lie on ulp(1e14)'s grid: the round-off part of the estimate
    is that grid over h, not eps·|f|/h (main: estimates ~1e-10 under errors ~1), and Richardson's table weighs it
    (main: [0.53, 0, 0] against cos x; now within 0.25 and its estimate)."""
    x = np.array([1.0, 2.0, 3.0])

    def f(x):
        return (np.sum(np.sin(x)) + 1e14 * x[0]) - 1e14 * x[0]

    grad = dl.grad(f, method=Numeric(scheme="richardson", error_estimate=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (sin's length scale limited a step: its estimate exceeds the entry, said)
        got = grad(x)
    err = grad.preparations()[0].error[:, 0]
    assert (err >= np.abs(got - np.cos(x))).all() and np.abs(got - np.cos(x)).max() < 0.25
    # central differences of (1e5·g + 1e14·x0) - 1e14·x0: tens of grid steps, within the estimate
    grad = dl.grad(lambda x: (1e5 * np.sum(np.sin(x)) + 1e14 * x[0]) - 1e14 * x[0], method=Numeric(error_estimate=True))
    got = grad(x)
    err = grad.preparations()[0].error[:, 0]
    assert (err >= np.abs(got - 1e5 * np.cos(x))).all() and (err > 500).all()
    with pytest.warns(NumericAccuracyWarning, match="is 0 because"):  # its exact zeros: no estimate sees them
        dl.grad(f, method=Numeric(error_estimate=True))(x)


def test_ordinary_functions_do_not_warn():
    """Exact zeros where f does not depend on an entry, a derivative 0 by symmetry (cos at 0: f moved, its
    difference did not), a constant that does not dominate, a large constant factor, a constant term with a
    derivative truly below round-off, x - x: no warning, and the numbers right."""
    cases = [
        (lambda x: x[0] ** 2 + 5.0, np.array([1.0, 2.0]), [2.0, 0.0]),  # x[1] unused: an exact 0
        (lambda x: dnp.sum(dnp.cos(x)) + 3.0, np.zeros(3), [0.0, 0.0, 0.0]),  # 0 by symmetry
        (lambda x: 1e300 * dnp.arctan(x[0]), np.array([1e155]), [1e-10]),  # a factor, not a term
        (lambda x: dnp.tanh(x[0]) + 0.5 + x[1], np.array([750.0, 1.0]), [0.0, 1.0]),  # tanh' = 1e-651: 0 is right
        (lambda x: dnp.logaddexp(x[0], 0.5), np.array([-750.0]), [0.0]),  # f(x) - c = 0: nothing lost
        (lambda x: dnp.sum(x**2) + 1e3, np.array([1.0, -2.0, 0.0]), [2.0, -4.0, 0.0]),  # 1e3 does not dominate
        (lambda x: dnp.sum(x) - dnp.sum(x) + x[0], np.array([1.0, 2.0]), [1.0, 0.0]),  # exact cancellation
        (lambda x: x[0] ** 2 + 1e-6 * x[1], np.array([1.0, 1.0]), [2.0, 1e-6]),  # small, but resolved
        (lambda x: x[0] * 2.0, np.array([1e14, 1.0]), [2.0, 0.0]),  # x[1] moved, x[0] (~1e14) did not: not fed by it
    ]
    for f, x, want in cases:
        for scheme in SCHEMES:
            g = _quiet(lambda: dl.grad(f, method=Numeric(scheme=scheme))(x))
            np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-7)
        _quiet(lambda: dl.hessian(f, method="numeric")(x))


def test_evaluations():
    """Dropping an offset costs one evaluation (f(x) itself, f's own value); the judgement reads the stencil's own
    values and costs nothing; an exact zero of an f that does not depend on x_i costs two evaluations per such
    direction, for at most stencils.PROBED of them. A central gradient of 4 … 7 components probes one axis for its step
    (pilot.py), the one of largest |x_i|: one evaluation more (its 3 points replace the stencil's 2), or 3 more where f
    does not move along it (x_4 here, which the third f does not read: the probe is dropped, the stencil judges the
    zero)."""
    costs = []
    for f in (dominated, lambda x: np.sum(np.exp(-x) / x * K), lambda x: np.sum(np.exp(-x[:2]) / x[:2] * K[:2])):
        p = dl.prepare(f, X, method=Numeric())
        p.grad(X)
        costs.append(p.prepared.cost.evals)
    assert costs == [2 + 2 * 5 + 1, 1 + 2 * 5 + 1, 1 + 2 * 5 + 3 + 2 * 3]


def test_richardson_judges_its_chosen_entry_against_that_entrys_round_off():
    """Richardson's table weighs each entry's round-off (R·Σ_j |c_j|/h_j) but judged the answer against its first
    difference's bound (R/h, the least): 1e14·x0 + sin(x1) at (3, 1.3) gave d/dx1 = 0.2477 for cos 1.3 = 0.2675
    (7.4 % off), 1e14·x0 + Σ sin(x[1:]) 29 % off at x2 = 2.5, 1e15·x0 + sin(x1) 19 % off, silently (main). The chosen
    entry is now judged against its own bound, as a stencil's is; its error estimate covers the error."""
    cases = [
        (lambda x: 1e14 * x[0] + np.sin(x[1]), np.array([3.0, 1.3]), lambda x: np.r_[1e14, np.cos(x[1])]),
        (
            lambda x: 1e14 * x[0] + np.sum(np.sin(x[1:])),
            np.array([2.0, 1, 2.5, -0.4]),
            lambda x: np.r_[1e14, np.cos(x[1:])],
        ),
        (lambda x: 1e15 * x[0] + np.sin(x[1]), np.array([0.7, 0.3]), lambda x: np.r_[1e15, np.cos(x[1])]),
    ]
    for f, x, exact in cases:
        grad = dl.grad(f, method=Numeric(scheme="richardson"))
        for _ in range(3):  # the API's common case (numeric_call.py) after the first call: it declines, the same said
            with pytest.warns(NumericAccuracyWarning, match="below the round-off bound"):
                got = grad(x)
        assert (np.abs(got - exact(x)) / np.abs(exact(x))).max() > 0.05  # (the numbers it warns of)
        grad = dl.grad(f, method=Numeric(scheme="richardson", error_estimate=True))
        got = grad(x)
        assert (grad.preparations()[0].error[:, 0] >= np.abs(got - exact(x))).all()


def test_richardsons_common_case_says_a_zero_an_addition_absorbed():
    """1e16·x0 + sin(x1): every difference along x1 is an exact 0; the general path probes and warns, but the API's
    common case (numeric_call.py) answered 0 silently from the third call on (main)."""
    grad = dl.grad(lambda x: 1e16 * x[0] + np.sin(x[1]), method=Numeric(scheme="richardson"))
    for _ in range(4):
        with pytest.warns(NumericAccuracyWarning, match="is 0 because"):
            assert grad(np.array([3.0, 1.3]))[1] == 0


def test_a_hessian_whose_change_an_addition_absorbed_is_said():
    """1e14·x0 + x1²·x2: f's change along x1 and x2 is below an ulp of 1e14, so every second difference is an exact
    0 (main: H all zeros, silently; its gradient warned). The Hessian stencil now probes such entries as the gradient's
    does (`offsets.absorbed_between`) and names the addition; where nothing is unmoved (Rosenbrock) it costs nothing."""
    x = np.array([1.0, 2.0, 3.0])
    with pytest.warns(NumericAccuracyWarning, match=r"v\d+ = add\(.*H\[1, 1\] is 0 because"):
        H = dl.hessian(lambda x: 1e14 * x[0] + x[1] ** 2 * x[2], method="numeric")(x)
    assert (H == 0).all()

    def rosen(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    costs = []
    for f, x in ((rosen, np.linspace(-1.2, 1.5, 4)), (lambda x: x[0] ** 2 + x[1], np.array([1.0, 2.0, 3.0]))):
        p = Numeric().prepare(dl.trace(f, x), (0,))
        _quiet(lambda: p.hessian([x]))
        costs.append(p.cost.evals)
    n = 4
    assert costs == [1 + n * (n + 1), 1 + 12 + 2]  # f(x), 2n + n(n - 1) points; x2 unused: one probe, 2 evaluations


def test_a_hessian_whose_every_entry_is_below_its_round_off_is_said():
    """1e9·x0 + x1²·x2 at (1, 2, 3): f's second differences are a few ulps of 1e9, H[1, 1] = 8 and H[1, 2] = 3.33
    for 6 and 4 (main: silently). Every entry is below its bound 4·eps·|f|/(h_i h_j): said. Where some entry is
    above it (the Hessian resolved), structural zeros' noise is not: ordinary functions stay quiet."""
    x = np.array([1.0, 2.0, 3.0])
    with pytest.warns(NumericAccuracyWarning, match=r"H\[1, 2\] is 3\.33, below the round-off bound"):  # (the worst)
        dl.hessian(lambda x: 1e9 * x[0] + x[1] ** 2 * x[2], method="numeric")(x)
    rng = np.random.default_rng(0)
    for f in (
        lambda x: np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2),
        lambda x: np.prod(x),
        lambda x: np.sum(np.sin(x) * np.exp(x)),
        lambda x: x @ x,
        lambda x: np.sum(np.tanh(x)),
    ):
        for _ in range(6):
            y = rng.normal(size=4) * 3
            _quiet(lambda: dl.hessian(f, method="numeric")(y))


def test_a_numeric_derivative_of_a_numeric_derivative_says_a_lost_change():
    """hessian(method=("numeric", "numeric")) of 1e14·x0 + x1²·x2: the inner gradient's d/dx1 and d/dx2 are exact
    zeros (lost below an ulp of 1e14; the inner level runs on traced values and judges nothing), so the outer level
    differences zeros: H all 0 for H[1, 1] = 6, silently (main), with or without an error estimate. The outermost
    level (on numbers) now probes outputs that are zeros throughout (the inner levels' noise makes them below its
    bound) and names the addition; nested Rosenbrock costs what it did."""
    x = np.array([1.0, 2.0, 3.0])
    f = lambda x: 1e14 * x[0] + x[1] ** 2 * x[2]  # noqa: E731
    for method in (("numeric", "numeric"), (Numeric(error_estimate=True),) * 2):
        with pytest.warns(NumericAccuracyWarning, match=r"v\d+ = add\(.* is 0 because"):
            assert (dl.hessian(f, method=method)(x) == 0).all()

    def rosen(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    J = dl.jacobian(dl.grad(rosen, method="numeric"), method="numeric")
    _quiet(lambda: J(np.linspace(-1.2, 1.5, 4)))
    assert J.preparations()[0].cost.evals == 1 + 2 * 4  # the outer level's evaluations of the inner gradient


def test_a_hessian_whose_second_differences_an_addition_absorbed_is_said():
    """1e10·x0 + x1²·x2 at (1, 2, 3): f moves along x1 (12·h ≫ ulp(1e10)), but its second differences (6·h², 4e-7)
    are below an ulp of 1e10 and round to exact zeros: H all 0 for H[1, 1] = 6, silently (main). Where every entry is
    below its bound, its zeros are probed at three points for an addition that lost its argument's curvature (which
    is well above the argument's own rounding); a linear f (its zeros are right) is not probed at all."""
    x = np.array([1.0, 2.0, 3.0])
    for c in (1e10, 1e12):
        with pytest.warns(NumericAccuracyWarning, match=r"v\d+ = add\(.*H\[1, 1\] is 0 because"):
            H = dl.hessian(lambda x: c * x[0] + x[1] ** 2 * x[2], method="numeric")(x)
        assert (H == 0).all()
    p = Numeric().prepare(dl.trace(lambda x: 1e10 * x[0] + 3.0 * x[1] - x[2], x), (0,))
    assert (_quiet(lambda: p.hessian([x]))[1] == 0).all() and p.cost.evals == 1 + 3 * 4  # no probe


def test_an_entry_whose_round_off_is_a_sizeable_share_of_it_is_said():
    """1e14·x0 + sin(x1) at (1, 2): Richardson's d/dx1 is -0.403 for cos 2 = -0.416 (3 % off) and central differences
    at step 0.1 give -0.469 (13 %), silently on main: each entry is above its round-off bound, which is still 17 % and
    47 % of it. An entry whose bound exceeds FIRM_SHARE (2e-3, numeric49; 5e-3, numeric48; was SHARE, 1e-2) of it is now said, naming the entry, its bound and share;
    the API's common case (numeric_call.py) declines to the general path, so every call says it."""
    x, f = np.array([1.0, 2.0]), lambda x: 1e14 * x[0] + np.sin(x[1])  # noqa: E731
    for method, share in ((Numeric(scheme="richardson"), "0.17"), (Numeric(step=0.1), "0.47")):
        grad = dl.grad(f, method=method)
        for _ in range(3):
            with pytest.warns(
                NumericAccuracyWarning,
                match=rf"d f\[0\]/d x\[1\] .*is -0\.\d+, and the round-off bound "
                rf"R·Σ\|w\|/h of its stencil is .*{share} of it, more than the 0\.002",
            ):
                got = grad(x)
        assert abs(got[1] / np.cos(2.0) - 1) > 0.03  # (the number it warns of)
    # resolved entries stay quiet: 1e6·x0 + sin(x1) (bound 2e-10 of the entry) and 5·a·b's exact differences at
    # dyadic steps, whose few bits mimic a coarse grid of f's values (a grid bound of 2 for d = 15; forward scheme)
    _quiet(lambda: dl.grad(lambda x: 1e6 * x[0] + np.sin(x[1]), method=Numeric(scheme="richardson"))(x))
    for scheme in ("forward", "backward", "central", "central4", "richardson"):
        got = _quiet(lambda: dl.grad(lambda a, b: 5 * (a * b), argnums=(0, 1), method=Numeric(scheme=scheme))(2.0, 3.0))
        np.testing.assert_allclose(got, (15.0, 10.0), rtol=1e-6)


def test_ordinary_functions_stay_quiet_under_the_share_rule():
    """Rosenbrock, an MLP loss and log Σ exp at 20 random points each, every scheme: no entry's round-off bound
    reaches SHARE of it (their worst is ~1e-7), so nothing is said."""
    rng = np.random.default_rng(7)
    W1, W2 = rng.normal(size=(4, 6)), rng.normal(size=6)

    def rosen(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    def mlp(w):
        return np.mean((np.tanh(W1 * w[:6]) @ W2 - np.sin(w[6:10])) ** 2)

    for f, n in ((rosen, 5), (mlp, 10), (lambda x: np.log(np.sum(np.exp(x))), 6)):
        for _ in range(20):
            x = rng.normal(size=n)
            for scheme in SCHEMES:
                _quiet(lambda: dl.grad(f, method=Numeric(scheme=scheme))(x))


def test_nested_numeric_levels_judge_their_nonzero_entries():
    """1e14·x0 + x1²·x2 at (1, 2, 3) by Richardson of Richardson gave H[1, 2] = 3.90 and H[2, 1] = 3.20 for 4
    silently (main: the outer level judged only unmoved zeros). Its entries are now judged against the round-off the
    inner levels report (their noise over the outer table's own steps), as a first derivative's are, where the
    derivative is resolved somewhere (an entry RESOLVED times its bound: H[1, 1] = 5.98, 6.9 times): an entry above
    SHARE of the largest whose bound is more than SHARE of it is said. Richardson over central differences gave all
    zeros silently: its probe of the zeros now also steps as far as the inner level did, and finds the add."""
    x, R = np.array([1.0, 2.0, 3.0]), Numeric(scheme="richardson")
    f = lambda x: 1e14 * x[0] + x[1] ** 2 * x[2]  # noqa: E731
    for H in (dl.hessian(f, method=(R, R)), dl.jacobian(dl.grad(f, method=R), method=R)):
        with pytest.warns(NumericAccuracyWarning, match=r"d f\[\d\]/d x\[\d\] \(flat\) is \d.*round-off bound"):
            got = H(x)
        assert abs(got[1, 2] - 4.0) > 0.05 and abs(got[2, 1] - 4.0) > 0.05  # (the numbers it warns of)
    with pytest.warns(NumericAccuracyWarning, match=r"v\d+ = add\(.* is 0 because"):
        assert (dl.hessian(f, method=(R, "numeric"))(x) == 0).all()


def test_nested_numeric_levels_stay_quiet_on_ordinary_functions():
    """Nested numeric Hessians (central and Richardson, each over each) of Rosenbrock, a tanh MLP, relu's and a linear
    f's (truly 0: their entries are the inner levels' noise) say nothing; a linear f's Richardson of Richardson at
    (0.13, -0.13, 0.64, 0.1) raised AttributeError on main (its probe named a stencil's own addition)."""
    rng = np.random.default_rng(5)
    W, v = rng.normal(size=(5, 4)), rng.normal(size=5)
    R, C = Numeric(scheme="richardson"), Numeric()
    fs = (
        lambda x: np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2),
        lambda x: np.sum(dnp.relu(W @ x) * v),
        lambda x: np.sum(np.tanh(W @ x) * v) + 0.1 * np.sum(x**2),
        lambda x: 3.0 * x[0] - x[1] + 0.5 * x[2],
    )
    points = [np.array([0.13, -0.13, 0.64, 0.1])] + [rng.normal(size=4) for _ in range(3)]
    for f in fs:
        for x in points:
            for method in ((C, C), (R, R), (R, C), (C, R)):
                _quiet(lambda: dl.hessian(f, method=method)(x))


def test_the_error_estimate_of_a_nested_or_native_numeric_hessian_is_readable():
    """`preparations()[0].error` gives numeric's error estimate with `error_estimate=True`, as for a gradient: for a
    Jacobian of a Richardson gradient (main: preparations() empty, the graph is specialised to x by the table's
    choice, so not cached), a Hessian by a pair, and a single method's native Hessian stencil (main: no estimate;
    now its stencil at twice the steps, n + n² evaluations more). On 1e14·x0 + x1²·x2 (the nested repro) and on a
    smooth f each covers the true error; the smooth one is small."""
    x, R = np.array([1.0, 2.0, 3.0]), Numeric(scheme="richardson", error_estimate=True)
    f = lambda x: 1e14 * x[0] + x[1] ** 2 * x[2]  # noqa: E731
    want = np.array([[0.0, 0, 0], [0, 6, 4], [0, 4, 0]])
    smooth = lambda x: np.sum(np.sin(x) * np.exp(x))  # noqa: E731
    exact = np.diag(2 * np.cos(x) * np.exp(x))
    for method in (R, Numeric(error_estimate=True)):
        for op in (
            dl.jacobian(dl.grad(f, method=method), method=method),
            dl.hessian(f, method=(method, method)),
            dl.hessian(f, method=method),
        ):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # (the native stencil's zeros: said, tests above)
                H = op(x)
            (p,) = op.preparations()
            assert (p.error.T >= np.abs(H - want)).all() and np.abs(H - want).max() > 0.5
        H_op = dl.hessian(smooth, method=method)
        H = _quiet(lambda: H_op(x))
        err = H_op.preparations()[0].error
        assert (err >= np.abs(H - exact)).all() and err.max() < 1e-4
    # the latest uncached call's preparation is listed, replaced by the next one's
    op = dl.jacobian(dl.grad(smooth, method=R), method=R)
    _quiet(lambda: (op(x), op(x + 1.0)))
    assert len(op.preparations()) == 1 and op.preparations()[0].error.shape == (3, 3)


def test_nested_numeric_levels_say_an_output_whose_noise_hides_its_derivative():
    """A derivative of numeric derivatives none of whose entries is resolved was silent (main: the "resolved" rule
    judged nothing then, so that relu's truly-0 Hessian stays quiet): central of central of (x + 1e8)² gave entries
    of millions for H = 2I (closed form), 1e10·x0 + x1²·x2 at (1, 2, 3) all zeros for H[1, 1] = 6, H[1, 2] = 4, and
    Richardson of Richardson of (x + 1e8)² 17 … 240 times off. An output whose entries' round-off bound exceeds BLIND
    (1e-5) of its value is now said; relu's, abs' and a linear f's (bounds up to 6e-7 of theirs) stay quiet (above)."""
    rng = np.random.default_rng(3)
    R = Numeric(scheme="richardson")
    cases = [
        (lambda x: np.sum((x + 1e8) ** 2), rng.uniform(0.5, 3.0, size=3), 2.0 * np.eye(3), m) for m in ("numeric", R)
    ]
    f = lambda x: 1e10 * x[0] + x[1] ** 2 * x[2]  # noqa: E731
    cases.append((f, np.array([1.0, 2.0, 3.0]), np.array([[0.0, 0, 0], [0, 6, 4], [0, 4, 0]]), "numeric"))
    for f, x, want, m in cases:
        for H in (dl.hessian(f, method=(m, m)), dl.jacobian(dl.grad(f, method=m), method=m)):
            with pytest.warns(NumericAccuracyWarning, match=r"cannot resolve this derivative: d f\[\d\]/d x\[\d\]"):
                got = H(x)
            assert np.abs(got - want).max() > 1.0  # (the numbers it warns of)


def test_steps_longer_than_fs_length_scale_are_said_where_the_stencil_measures_its_truncation():
    """f(y) = Σ logit(tanh(0.9·expit(1e6·y) + 0.05)) at y ~ 1e-6 varies over 1e-6, well inside the steps (relative to
    max(1, |y|)): Richardson gave 8.26 for 5.6e5 (its table's estimate 4.3: the entries barely change over steps
    where sigmoid is saturated) and central differences with an error estimate 3.2e5 (42 % off, estimate 5e4), and
    Richardson 8e-4 for 0.56 at y ~ 1e4 + x of f(y - 1e4), silently (main). Where an entry's change with the step
    exceeds SHARE of the largest entry (and its round-off part), the method now says so: the general path warns,
    the API's common case declines to it. Reference: the closed form by the chain rule."""
    from scipy.special import expit, logit

    def f(y, a=1e6, b=0.0):
        return np.sum(logit(np.tanh(0.9 * expit(a * (y - b)) + 0.05)))

    def exact(y, a=1e6, b=0.0):
        s = expit(a * (y - b))
        t = np.tanh(0.9 * s + 0.05)
        return a * (1.0 - t**2) * 0.9 * s * (1.0 - s) / (t * (1.0 - t))

    x = np.array([0.6715609987756959, 1.8602546671030913])
    R, E = Numeric(scheme="richardson"), Numeric(error_estimate=True)
    cases = [((1e-6 * x,), {}, R), ((1e-6 * x,), {}, E), ((x + 1e4,), {"a": 1.0, "b": 1e4}, R)]
    for (y,), kw, method in cases:
        grad = dl.grad(lambda y: f(y, **kw), method=method)
        for _ in range(2):  # (the second call: the API's common case)
            with pytest.warns(NumericAccuracyWarning, match=r"its entries change with the step by .* more than 0\.01"):
                got = grad(y)
            assert np.abs(got / exact(y, **kw) - 1).max() > 0.1  # (the number it warns of)
    for method in (R, E):  # the same function at its own scale: right, and quiet
        np.testing.assert_allclose(
            _quiet(lambda: dl.grad(lambda y: f(y, a=1.0), method=method)(x)), exact(x, a=1.0), rtol=1e-8
        )


@pytest.mark.parametrize(
    "f, x, want",
    [
        # Im f(x + ih) = -h/x² ~ 1e-321 is subnormal: 8.6e-5 off on main, silently
        (lambda x: np.sum(1.0 / x), 2.1e150, lambda x: -1.0 / x**2),
        (lambda x: np.sum(np.arctan(x)), 2.1e150, lambda x: 1.0 / (1.0 + x**2)),
        # sqrt's length scale shrinks the step to 3e-289, x·h underflows to 0: every entry 0 on main, silently
        (lambda x: np.linalg.norm(x), 2.1e-150, lambda x: x / np.sqrt(np.sum(x * x))),
    ],
    ids=["1/x at 2e150", "arctan at 2e150", "norm at 2e-150"],
)
def test_complex_step_says_imaginary_parts_that_left_the_normal_floats(f, x, want):
    """Complex step reads f′ off Im f(x + ih); where that imaginary part (or one inside f) falls below the least
    normal float its digits are gone: a NumericAccuracyWarning says so (main: silent, 8.6e-5 or 100 % off)."""
    x = np.array([1.0, -0.6, 0.3]) * x
    np.testing.assert_allclose(dl.grad(f, method="reverse")(x), want(x), rtol=1e-12)
    with pytest.warns(NumericAccuracyWarning, match="complex step underflowed"):
        got = dl.grad(f, method=Numeric(scheme="complex"))(x)
    assert np.max(np.abs(got - want(x))) > 1e-6 * np.max(np.abs(want(x)))  # (it is wrong: the warning is the news)


def test_complex_step_stays_quiet_at_ordinary_and_wide_magnitudes():
    for s in (1.0, 1e-100, 1e100):
        x = np.array([1.0, -0.6, 0.3]) * s
        for f in (lambda x: np.sum(1.0 / x), lambda x: np.linalg.norm(x), lambda x: np.sum(np.sin(x) * x)):
            _quiet(lambda: dl.grad(f, method=Numeric(scheme="complex"))(x))


def test_a_hessian_entry_whose_round_off_is_a_sizeable_share_of_it_is_said():
    """Σ softplus(x) at (1e-6, 1, 1e6): f ≈ 1e6, so at the Hessian's step 1.2e-4 the round-off bound 4·eps·|f|/h² is
    0.06, 31 % of H[1, 1] = 0.197 (answered 0.195) and H[0, 0] is 0.242 for ¼: silent on main (only a Hessian below
    its bound everywhere was said), now the gradient's SHARE rule says it."""
    x = np.array([1e-6, 1.0, 1e6])
    f = lambda x: np.sum(np.logaddexp(0.0, x))  # noqa: E731
    s = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(dl.hessian(f, method="reverse")(x), np.diag(s * (1 - s)), rtol=1e-12, atol=1e-300)
    with pytest.warns(NumericAccuracyWarning, match=r"H\[1, 1\]"):
        H = dl.hessian(f, method="numeric")(x)
    assert abs(H[0, 0] - 0.25) > 1e-3  # (wrong indeed: the warning is the news)


def test_the_round_off_probe_runs_no_rule_of_an_argument_that_did_not_move(monkeypatch):
    """offsets.absorbed judges an argument by its op's VJP rules (two each) only where it moved between the two ends:
    one equal at both lost nothing (main ran them: most of a nested Richardson level's, a third of its probe)."""
    from difflab.differentiators import offsets

    g = dl.trace(lambda x: 1e14 * x[0] + np.sin(x[1]) * 2.0, np.array([1.0, 2.0]))
    ends = [{}, {}]
    for x, env in zip(([1.0, 2.0 + 1e-6], [1.0, 2.0 - 1e-6]), ends):
        dl.evaluate(g, np.array(x), env=env)
    moved = []  # (whether each judged argument moved)
    for name in ("_lost", "_saturated"):
        judge = getattr(offsets, name)

        def spy(e, i, p, m, *rest, judge=judge):
            moved.append((e.op.name, not np.array_equal(p[e.args[i]], m[e.args[i]])))
            return judge(e, i, p, m, *rest)

        monkeypatch.setattr(offsets, name, spy)
    assert offsets.absorbed(g, *ends).op.name == "add"  # 1e14·x0 absorbed sin's change
    # the add's sin side alone; main also judged the add's unmoved 1e14·x0 first, and stop 60 x[0]'s getitem (x moved:
    # a copy, `Op.copies`, absorbs nothing, tests/test_hot_rules.py)
    assert moved == [("add", True)]
