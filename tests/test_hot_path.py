"""The common case of a prepared gradient (api.operators._Hot) and the guarded code it runs
(compile.graphs, "How guarded functions work"): the same answers, warnings and costs as the
general path, results that alias nothing, and every uncommon call handed to the general path."""

import math
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.compile import lower
from difflab.graph import counting
from difflab.ops.core import REGISTRY, examples

CALLS = 4  # call 1 interprets, call 2 lowers (and arms the common case), calls 3+ take it


def mlp_loss(p, X):
    h = dnp.tanh(X @ p["W"] + p["b"])
    return dnp.mean(dnp.log(1.0 + h * h)) + dnp.sum(p["c"] * p["c"])


def problem():
    rng = np.random.default_rng(3)
    p = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4), "c": 0.5}
    return p, rng.normal(size=(6, 3))


# -- the guarded function itself -------------------------------------------------------------------


def test_guarded_code_answers_the_common_case_only():
    g = dl.trace(lambda x, y: (dnp.sum(dnp.log(x) * y), x * 2.0), np.ones(3), np.ones(3))
    fn = lower(g, guard=(0,))
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    value, twice = fn.guarded(x, y)
    assert value == pytest.approx(float(np.sum(np.log(x) * y)))
    assert twice.tolist() == [2.0, 4.0, 6.0]
    assert fn.guarded(np.array([1.0, -1.0, 3.0]), y) is None  # log(-1) raised under its error state
    assert fn.guarded(np.array([1.0, np.inf, 3.0]), y) is None  # a guarded input
    assert fn.guarded(x, np.array([np.nan, 0.0, 0.0])) is None  # an output
    # too large to tell: not the common case (Σ x·x past 1e308; a row of up to 16 entries is checked by Σ x)
    assert fn.guarded(np.array([1.0, 1e200, 3.0]), y)[1][1] == 2e200
    assert lower(dl.trace(lambda x: x * 2.0, np.ones(17)), guard=(0,)).guarded(np.full(17, 1e200)) is None
    assert (fn.guarded.eqns, fn.guarded.elements) == (fn.eqns, fn.elements)
    assert np.geterr()["invalid"] != "raise"  # the error state is the guarded call's own


def test_guarded_code_checks_a_value_instead_of_multiplying_by_its_finite_or_nan():
    """A traced gradient carries `· finite_or_nan(loss)` (no derivative of a NaN value); where the
    guarded code answers, the loss is finite and the factor 1: it checks the loss instead of
    multiplying every entry by 1."""
    from difflab.ops import REGISTRY

    fon = REGISTRY["finite_or_nan"]
    g = dl.trace(lambda x, y: (x * 2.0) * fon(dnp.sum(y * y)), np.ones(3), np.ones(2))
    fn = lower(g, guard=(0,))
    assert [e.op.name for e in fn.guarded.graph.eqns] == ["mul", "mul", "sum"]  # x·2, y·y, Σ
    x = np.array([1.0, 2.0, 3.0])
    (out,) = fn.guarded(x, np.array([1.0, 2.0]))
    assert out.tolist() == [2.0, 4.0, 6.0] and not np.shares_memory(out, x)
    for y in ([np.nan, 1.0], [np.inf, 1.0]):  # the loss not finite: the general path answers, with NaN
        assert fn.guarded(x, np.array(y)) is None
        assert np.isnan(fn(x, np.array(y))[0]).all()


def test_guarded_code_runs_a_refused_strong_op_plainly_after_checking_its_operands():
    """Speculation refuses a strong product that a comparison reads (a NaN there would pick the other
    branch); the guarded code still runs it plainly, after one check of the operands it has not
    checked yet: not the guarded input x (checked at the end), not the finite constant C, y once."""
    from difflab.ops import REGISTRY

    smul, C = REGISTRY["strong_mul"], np.array([2.0, 0.0, 1.0])
    f = lambda x, y: dnp.sum(dnp.where(dnp.equal(smul(x, y), 0.0), 1.0, smul(C, y)))  # noqa: E731
    fn = lower(dl.trace(f, np.ones(3), np.ones(3)), speculate=True, guard=(0,))
    assert not hasattr(fn, "exact")  # not speculated
    ops = [e.op.name for e in fn.guarded.graph.eqns]
    assert "strong_mul" not in ops and ops.count("mul") == 2
    assert fn.guarded.source.count("_isfinite(") == 2  # y before the first product, everything at the end
    x, y = np.array([1.0, 0.0, 2.0]), np.array([3.0, 5.0, 0.0])
    assert fn.guarded(x, y)[0] == fn(x, y)[0] == 6.0 + 1.0 + 1.0
    y_inf = np.array([0.0, np.inf, 1.0])  # 0·∞ is 0 in both strong products: the exact program answers 3
    assert fn.guarded(x, y_inf) is None and fn(x, y_inf)[0] == 1.0 + 1.0 + 1.0


@pytest.mark.parametrize(
    "f",
    [
        lambda x, y: (x, x),
        lambda x, y: (dnp.reshape(y, (4,)), x[:2]),
        lambda x, y: (dnp.broadcast_to(dnp.sum(x * x), (3,)), dnp.transpose(y)),
        lambda x, y: (np.ones(2), x * 1.0, dnp.sum(y, axis=0)),
    ],
)
def test_guarded_results_are_arrays_of_their_own(f):
    x, y = np.arange(4.0), np.arange(4.0).reshape(2, 2)
    fn = lower(dl.trace(f, x, y), guard=(0, 1))
    outs = fn.guarded(x, y)
    want = f(x, y)
    for k, o in enumerate(outs):
        np.testing.assert_array_equal(o, want[k])
        assert o.flags.writeable
        assert not any(np.shares_memory(o, a) for a in (x, y)), f"output {k} aliases an input"
        assert not any(np.shares_memory(o, p) for p in outs[:k]), f"output {k} aliases another"
    assert not np.shares_memory(fn.guarded(x, y)[0], outs[0])  # nor the last call's


# -- the API's common case -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["reverse", "symbolic"])
@pytest.mark.parametrize("kind", ["prepare", "value_and_grad"])
def test_common_case_equals_a_fresh_gradient_and_arms(method, kind):
    p, X = problem()
    f = (
        dl.prepare(mlp_loss, p, X, method=method).value_and_grad
        if kind == "prepare"
        else dl.value_and_grad(mlp_loss, method=method)
    )
    rng = np.random.default_rng(0)
    for k in range(CALLS):
        q = {"W": p["W"] + rng.normal(size=(3, 4)), "b": p["b"] * k, "c": 0.5 - k}
        value, grads = f(q, X)
        want_value, want = dl.value_and_grad(mlp_loss, method="forward")(q, X)
        assert type(value) is float and value == pytest.approx(want_value, rel=1e-12)
        assert type(grads["c"]) is float
        for key in want:
            np.testing.assert_allclose(grads[key], want[key], rtol=1e-10, atol=1e-12)
    owner = f.__self__ if kind == "prepare" else f
    staged = owner.staged if kind == "prepare" else owner._last
    assert staged.hot is not None  # the common case is armed (the other calls above took it)


@pytest.mark.parametrize("method", ["reverse", "symbolic"])
def test_uncommon_calls_take_the_general_path(method):
    """Once armed, a non-finite input, a point outside a domain and a differently shaped or typed
    argument each get exactly what the general path gives them."""
    f = lambda x: dnp.sum(dnp.log(x) * x)  # noqa: E731
    x = np.array([1.0, 2.0, 3.0])
    prepared = dl.prepare(f, x, method=method)
    for _ in range(CALLS):
        prepared.grad(x)
    assert prepared.staged.hot is not None
    for bad in ([1.0, np.nan, 3.0], [np.inf, 2.0, 3.0]):  # non-finite inputs: as a fresh call
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dl.DomainWarning)  # (inf · 0 inside: whichever says so)
            want = dl.value_and_grad(f, method=method)(np.array(bad))
            got = prepared.value_and_grad(np.array(bad))
        np.testing.assert_array_equal(got[1], want[1])
        assert got[0] == want[0] or math.isnan(got[0]) and math.isnan(want[0])
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        v, g = prepared.value_and_grad(np.array([1.0, -2.0, 3.0]))  # log(-2): NaN, one DomainWarning
    assert math.isnan(v) and np.isnan(g).all()
    assert [w.category for w in said] == [dl.DomainWarning]
    assert said[0].filename == __file__  # pointing at this line, not at difflab
    with pytest.raises(ValueError, match="prepare again"):
        prepared.grad(np.ones(4))
    with pytest.raises(TypeError, match="keyword"):
        prepared.grad(x=x)
    assert prepared.grad(x) == pytest.approx(np.log(x) + 1.0)  # and the common case again


@pytest.mark.parametrize("method", ["reverse", "symbolic", "forward"])
@pytest.mark.parametrize("kind", ["prepare", "grad"])
def test_gradients_never_alias_an_input_through_a_view(method, kind):
    """The gradient of x · reshape(y) with respect to x is a view of y: the caller gets a copy."""
    f = lambda x, y: dnp.sum(x * dnp.reshape(y, (4,)))  # noqa: E731
    x, y = np.ones(4), np.arange(4.0).reshape(2, 2)
    grad = dl.prepare(f, x, y, method=method).grad if kind == "prepare" else dl.grad(f, method=method)
    for _ in range(CALLS):
        g = grad(x, y)
        assert g.tolist() == [0.0, 1.0, 2.0, 3.0]
        assert not np.shares_memory(g, y) and not np.shares_memory(g, x)
        g[...] = 99.0
    assert y.ravel().tolist() == [0.0, 1.0, 2.0, 3.0]


def test_common_case_charges_what_the_general_path_charges():
    p, X = problem()
    prepared = dl.prepare(mlp_loss, p, X)
    general = dict(p, c=np.float64(p["c"]))  # not read by the generated reader: the general path

    def cost(args):
        with counting() as outer:
            before = prepared.cost.copy()
            prepared.grad(*args)
        assert outer == prepared.cost - before  # an enclosing count sees the same work
        return outer

    costs = [cost((p, X)) for _ in range(CALLS)]  # interpreted, lowered (traced: more), common case
    assert [c.evals for c in costs] == [1] * CALLS
    assert costs[2] == costs[3] == cost((general, X)) and costs[2].eqns > 0


@pytest.mark.parametrize("x", [1e155, -1e200, np.full(3, 1e200), np.full(5000, 1e306)])
def test_finiteness_check_of_large_finite_values_warns_nothing(x):
    # the fused check squared scalars (1e155² overflows: a RuntimeWarning the user never caused, from
    # the third call on) and summed large arrays with overflow warning; the answer stays exact
    f = lambda x: dnp.sum(x * 1e-4)  # finite: the check's sum of x is what overflows
    p = dl.prepare(f, x, method="reverse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grads = [p.grad(x) for _ in range(CALLS)]
    for g in grads:
        np.testing.assert_array_equal(g, np.full(np.shape(x), 1e-4))


# -- the fused check's terms (compile.graphs._check_terms) -------------------------------------------


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if op.strict))
def test_a_strict_argument_s_nan_or_inf_reaches_the_output(name):
    """`Op.strict` is a fact about the op: a NaN or ±inf entry of that argument, anywhere, leaves
    one in the output (or raises under the guarded code's error state), in every registry sample."""
    op = REGISTRY[name]
    rng = np.random.default_rng(0)
    for args, params in examples(op, rng):
        for i, strict in enumerate(op.strict):
            if not strict or np.size(args[i]) == 0:
                continue
            for bad in (np.nan, np.inf, -np.inf):
                for at in {0, np.size(args[i]) - 1}:
                    a = np.array(args[i], dtype=float)
                    a.reshape(-1)[at] = bad
                    moved = (*args[:i], a if a.shape else float(a), *args[i + 1 :])
                    with np.errstate(invalid="raise", divide="raise"):
                        try:
                            out = op.impl(*moved, **params)
                        except FloatingPointError:
                            continue
                    assert not np.isfinite(out).all(), (name, i, bad, at)


def _mlp_prepared(method):
    rng = np.random.default_rng(5)
    p = {"W0": rng.normal(size=(2, 4)), "b0": rng.normal(size=4), "W1": rng.normal(size=(4, 3)), "b1": np.zeros(3)}
    X, Y = rng.normal(size=(5, 2)), np.eye(3)[[0, 1, 2, 0, 1]]
    f = dl.nn.MLP([2, 4, 3], activation="tanh").loss("cross_entropy")
    prepared = dl.prepare(f, p, X, Y, method=method)
    for _ in range(CALLS):
        prepared.value_and_grad(p, X, Y)
    assert prepared.staged.hot is not None
    return prepared, f, p, X, Y


@pytest.mark.parametrize("method", ["symbolic", "reverse"])
def test_the_fused_check_covers_each_weight_by_a_value_it_reaches(method):
    """The declared MLP loss: W1 and b1 reach the loss through strict arguments (matmul, add,
    log_softmax, mul, sum), so the loss's check covers them; W0 and b0 stop at tanh (tanh(∞) = 1),
    so one pass over x W0 + b0 covers both. Fewer passes than one per weight, and each non-finite
    weight still gets what a fresh call gives: a gradient that is not finite for it (an infinite W0
    saturates tanh: the loss is finite, yet W0's gradient must not be)."""
    prepared, f, p, X, Y = _mlp_prepared(method)
    src = prepared.staged.hot.fn.source
    assert src.count("_vdot(") < 4 + 4  # (before: each weight and each gradient a pass of its own)
    for key in p:
        for bad in (np.nan, np.inf):
            q = {k: v.copy() for k, v in p.items()}
            q[key].reshape(-1)[0] = bad
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", dl.DomainWarning)
                got = prepared.value_and_grad(q, X, Y)
                want = dl.value_and_grad(f, method=method)(q, X, Y)
            assert got[0] == want[0] or math.isnan(got[0]) and math.isnan(want[0]), (key, bad)
            assert not np.isfinite(got[1][key]).all(), (key, bad)
            for k in want[1]:
                np.testing.assert_array_equal(got[1][k], want[1][k])
    v, g = prepared.value_and_grad(p, X, Y)  # and the common case again
    assert math.isfinite(v) and all(np.isfinite(a).all() for a in g.values())


def test_a_value_reached_only_through_a_non_strict_argument_keeps_its_own_check():
    """x reaches the output only through exp (exp(-∞) = 0, not strict) and the divisor of 1 / x (1/∞ = 0):
    neither output check covers it, so the guarded code checks x itself and answers nothing for x = -∞."""
    g = dl.trace(lambda x, y: dnp.sum(dnp.exp(x) + 1.0 / x) * y, np.ones(3), 2.0)
    fn = lower(g, guard=(0,), values=1)
    assert "_lsum(v0.tolist())" in fn.guarded.source  # (its own term: a row of 3, summed as Python floats)
    assert fn.guarded(np.array([1.0, -np.inf, 2.0]), 2.0) is None
    assert fn.guarded(np.array([1.0, 4.0, 2.0]), 2.0)[0] == pytest.approx(
        2.0 * np.sum(np.exp([1, 4, 2]) + 1 / np.array([1, 4, 2]))
    )


def test_an_argument_reached_through_strict_ops_is_covered_by_the_output():
    g = dl.trace(lambda x, b: dnp.sum(dnp.log(dnp.sum(x * x, axis=1) + b)), np.ones((2, 3)), np.ones(2))
    fn = lower(g, guard=(0, 1), values=1)
    assert "_vdot" not in fn.guarded.source  # x and b reach the (scalar) loss: its check is theirs
    assert fn.guarded(np.ones((2, 3)), np.array([np.nan, 1.0])) is None
    assert fn.guarded(np.ones((2, 3)), np.array([np.inf, 1.0])) is None
    assert fn.guarded(np.ones((2, 3)), np.ones(2))[0] == pytest.approx(2 * np.log(4.0))


# -- one generated function per prepared call (compile.reader.fuse) ---------------------------------


def test_prepared_call_is_one_generated_function_that_hands_mismatches_back():
    """The reader's checks, the guarded code, the charge and the builder in one function: None (the
    general path) for another structure, dtype, shape or a non-finite input; else the general path's
    answer, its cost charged once (no enclosing count: charged inline)."""
    p, X = problem()
    prepared = dl.prepare(mlp_loss, p, X, method="symbolic")
    for _ in range(CALLS):
        want = prepared.value_and_grad(p, X)
    call = prepared._call
    assert "_fn(" in call.source and "shape" in call.source  # one function: the checks and the call
    before = prepared.cost.copy()
    value, grads = call((p, X))
    assert prepared.cost - before == dl.graph.Cost(evals=1)  # the closed form charges one evaluation
    assert value == want[0] and type(value) is float and type(grads["c"]) is float
    for key in grads:
        np.testing.assert_array_equal(grads[key], want[1][key])
    bad = [
        (dict(p, W=p["W"].astype(np.float32)), X),  # dtype
        (dict(p, W=p["W"][:2]), X),  # shape
        ({k: v for k, v in p.items() if k != "b"}, X),  # structure
        (p, X, X),  # one argument too many
        (dict(p, W=np.full((3, 4), np.nan)), X),  # not finite: the guarded code says None
    ]
    before = prepared.cost.copy()
    for args in bad:
        assert call(args) is None
    assert prepared.cost == before  # nothing charged for a call it handed back


def test_numbers_made_inside_use_python_operators_and_give_numpy_values():
    """add/sub/mul/div/neg on numbers by Python's operators (Op.direct) where one is a NumPy scalar an
    equation made; two graph inputs (maybe Python floats: 1.0 / 0.0 raises) keep the ufunc."""
    import operator

    g = dl.trace(lambda x, y: (-(dnp.sum(x) * 0.5) / y, y / y), np.ones(3), 2.0)
    fn = lower(g)
    assert fn.__globals__["op_mul_1"] is operator.mul and fn.__globals__["op_div_3"] is operator.truediv
    assert "op_div(" in fn.source  # y / y: both inputs
    a, b = fn(np.array([1.0, 2.0, 4.0]), 0.5)
    assert type(a) is np.float64 and a == -7.0 and b == 1.0
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        a, b = fn(np.ones(3), 0.0)  # NumPy's division by zero, not ZeroDivisionError
    assert a == -math.inf and math.isnan(b) and {w.category for w in said} == {RuntimeWarning}


def test_guarded_code_runs_under_the_error_state_in_force():
    """The raising error state is remembered per state in force (compile.graphs._RAISING) and left behind on
    return: an underflow inside raises whatever the caller's state (None: the general path, whose interpreter says
    a lost term as the first call did, issue 11), a caller's np.errstate(under="raise") is not changed after it."""
    g = dl.trace(lambda x: dnp.sum(x * 1e-300 * 1e-300), np.ones(2))
    fn = lower(g, guard=(0,))
    x = np.ones(2)
    assert fn.guarded(x) is None and np.geterr()["under"] != "raise"
    with np.errstate(under="raise"):
        assert fn.guarded(x) is None
        assert lower(dl.trace(lambda x: dnp.sum(x * 2.0), x), guard=(0,)).guarded(x) == (4.0,)
        assert np.geterr()["under"] == "raise"
    assert np.geterr()["under"] != "raise"


# -- the prepared call's per-call costs cut (symcall46): each path against the interpreter -----------


@pytest.mark.parametrize("shape", [(3,), (1, 5), (16,), (1, 1, 16)])
def test_a_short_row_is_checked_by_the_sum_of_its_entries(shape):
    """A row of up to 16 entries has its term of the fused check as sum(x.tolist()) (compile.graphs._LISTED),
    not a BLAS dot: the interpreter's value where every entry is finite, and None (the general path) for a
    NaN, a -inf the function itself absorbs (exp(-inf) = 0, 1 / -inf = -0: a finite value) or +inf beside
    -inf (whose sum is NaN)."""
    g = dl.trace(lambda x, y: dnp.sum(dnp.exp(x) + 1.0 / x) * y, np.ones(shape), 2.0)
    fn = lower(g, guard=(0,), values=1)
    assert f"_lsum(v0.tolist(){'[0]' * (len(shape) - 1)})" in fn.guarded.source
    x = np.linspace(1.0, 2.0, math.prod(shape)).reshape(shape)
    assert fn.guarded(x, 2.0)[0] == dl.graph.evaluate(g, x, 2.0)[0]
    for bad in ([np.nan], [-np.inf], [np.inf, -np.inf]):
        y = x.copy()
        y.reshape(-1)[: len(bad)] = bad
        assert fn.guarded(y, 2.0) is None, bad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert math.isfinite(dl.graph.evaluate(g, np.where(x == x[(0,) * len(shape)], -np.inf, x), 2.0)[0])


def test_views_of_the_function_s_own_values_are_returned_without_a_check():
    """reshape, transpose and getitem (Op.writable_view) of values the guarded code made are returned as
    they are (no `flags.writeable` per call): writable, the interpreter's values, sharing memory with no
    input, no other result and no later call's; broadcast_to's read-only view is still checked and copied."""
    f = (
        lambda x, y: (  # noqa: E731
            dnp.reshape(x * y, (2, 2)),
            dnp.transpose(dnp.reshape(x, (2, 2)) * 2.0),
            (x + y)[1:3],
            dnp.broadcast_to(dnp.sum(y * y), (3,)),
        )
    )
    x, y = np.arange(4.0), np.arange(4.0) + 0.5
    g = dl.trace(f, x, y)
    fn = lower(g, guard=(0, 1))
    assert fn.guarded.source.count("flags.writeable") == 1  # broadcast_to's
    outs = fn.guarded(x, y)
    for k, (o, want) in enumerate(zip(outs, dl.graph.evaluate(g, x, y))):
        np.testing.assert_array_equal(o, want)
        assert type(o) is np.ndarray and o.flags.writeable, k
        assert not any(np.shares_memory(o, a) for a in (x, y, *outs[:k])), k
    again = fn.guarded(x, y)
    assert not any(np.shares_memory(a, b) for a in outs for b in again)


def test_the_prepared_call_charges_an_enclosing_count_on_its_own_thread_only():
    """The fused call reads graph.charging_open before the thread-local costs: an enclosing count on this
    thread is charged what the prepared object is; one open on another thread is not; the list is empty
    again once every count has closed."""
    import threading

    from difflab.graph import Cost, charging_open

    p, X = problem()
    prepared = dl.prepare(mlp_loss, p, X, method="symbolic")
    for _ in range(CALLS):
        want = prepared.value_and_grad(p, X)
    assert charging_open == []
    with counting() as outer:
        before = prepared.cost.copy()
        assert prepared.value_and_grad(p, X)[0] == want[0]
    assert outer == prepared.cost - before == Cost(evals=1)
    opened, done, theirs = threading.Event(), threading.Event(), []

    def other():
        with counting() as cost:
            opened.set()
            done.wait(10)
        theirs.append(cost)

    t = threading.Thread(target=other)
    t.start()
    opened.wait(10)
    assert len(charging_open) == 1  # (another thread is charging a cost)
    before = prepared.cost.copy()
    assert prepared.value_and_grad(p, X)[0] == want[0]
    done.set()
    t.join()
    assert prepared.cost - before == Cost(evals=1) and theirs == [Cost()]
    assert charging_open == []


def test_one_prepared_function_called_from_four_threads_counts_every_call():
    """The fused call takes the prepared function's lock itself (no `with` around it): every call of
    four threads at once gets the one-thread answer and is counted once."""
    import sys
    import threading

    p, X = problem()
    prepared = dl.prepare(mlp_loss, p, X, method="symbolic")
    for _ in range(CALLS):
        want = prepared.value_and_grad(p, X)
    before, errors = prepared.cost.copy(), []

    def run():
        for _ in range(50):
            v, g = prepared.value_and_grad(p, X)
            if v != want[0] or any((g[k] != want[1][k]) if k == "c" else (g[k] != want[1][k]).any() for k in g):
                errors.append("differs")

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == [] and (prepared.cost - before).evals == 200
