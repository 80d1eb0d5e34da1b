"""Lowered code writes an elementwise value into a dead operand's buffer where every view of that operand is dead
(`_Source.unviewed`: tanh's t, read through its transpose by a cotangent's matmul, then written into by t·ṫ), and
where the op is one an underflow may make run twice (`_under` names: their wrapper then drops an `out=` that is an
operand, `_underflow_exact`). The prepared MLP hvp's guarded program wrote four 128×128 products into fresh pool
buffers instead (issue 17 §3, stop 65). Values equal the interpreter's; no result shares memory with an input,
another result, or a result of an earlier call."""

import re

import numpy as np
from hypothesis import given, seed, settings
from hypothesis import strategies as st

import difflab as dl
import difflab.numpy as dnp
from difflab.compile.graphs import lower
from difflab.graph import evaluate
from difflab.testing.strategies import functions, points


def _owned(first, second, args, what):
    """No array of `second` (a call's results) shares memory with an input, another of its results, or one of
    `first` (an earlier call's, whose values the later call left as they were: `kept`)."""
    arrays = [r for r in second if isinstance(r, np.ndarray)]
    for k, r in enumerate(arrays):
        assert not any([np.shares_memory(r, a) for a in args if isinstance(a, np.ndarray)]), f"{what}: aliases an input"
        assert not any([np.shares_memory(r, q) for q in arrays[k + 1 :]]), f"{what}: two results share memory"
        assert not any([np.shares_memory(r, q) for q in first if isinstance(q, np.ndarray)]), f"{what}: two calls"


def _tanh_view_then_product(x, w, z):
    t = dnp.tanh(x)
    u = t.T @ w  # (t read through a view, which dies here)
    y = t * z  # (t's last use: its buffer may take t·z)
    return dnp.sum(y) + dnp.sum(u), y


def test_a_product_writes_into_a_value_whose_views_are_dead():
    rng = np.random.default_rng(0)
    args = [rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), rng.normal(size=(4, 3))]
    graph = dl.trace(_tanh_view_then_product, *args)
    fn = lower(graph, guard=(0, 1, 2))
    t = next(e.out for e in graph.eqns if e.op.name == "tanh")
    for source in (fn.source, fn.guarded.source):
        assert re.search(rf"= op_mul\(v{t.id}, v\d+, out=v{t.id}\)", source), source
    want = evaluate(graph, *args)
    kept = [a.copy() for a in args]
    for call in (fn, fn.guarded):
        first = call(*args)
        held = [np.copy(r) for r in first]
        second = call(*args)
        for got in (first, second):
            for a, b in zip(got, want):
                np.testing.assert_array_equal(a, b)
        for a, b in zip(first, held):
            np.testing.assert_array_equal(a, b)
        _owned(first, second, args, "tanh then t·z")
    for a, b in zip(args, kept):
        np.testing.assert_array_equal(a, b)


def _exp_product(x, z, q):
    e = dnp.exp(x)
    y = e * z  # (an op that reads exp's value: its `_under` name; e dead after it)
    return dnp.sum(y * q), y * 2.0


def test_an_underflow_checked_product_writes_into_its_dead_operand_and_its_rerun_reads_it_whole():
    """exp(-800) underflows: the program binds its `_under` names to their wrappers and runs again; the wrapper of
    e·z, whose `out=` is e, computes into a fresh array (a second run of it reads e whole)."""
    x = np.array([[-800.0, 1.0], [0.5, -2.0]])
    z, q = np.array([[3.0, -2.0], [0.25, 7.0]]), np.ones((2, 2))
    graph = dl.trace(_exp_product, x, z, q)
    fn = lower(graph)
    e = next(v.out for v in graph.eqns if v.op.name == "exp")
    assert re.search(rf"= op_mul\w*_under\(v{e.id}, v\d+, out=v{e.id}\)", fn.source), fn.source
    y = np.exp(x) * z
    want = [np.sum(y * q), y * 2.0]
    with np.errstate(invalid="raise", divide="raise", under="raise"):
        first = fn(x, z, q)  # (the underflow: swapped, run again)
        second = fn(x, z, q)  # (wrapped from the start)
    for got in (first, second):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    _owned(first, second, (x, z, q), "exp product")
    with np.errstate(invalid="raise", divide="raise", under="raise"):  # (no underflow: the wrapper, out= dropped)
        y = np.exp(np.abs(x) * 1e-3) * z
        got = fn(np.abs(x) * 1e-3, z, q)
    np.testing.assert_array_equal(got[1], y * 2.0)
    np.testing.assert_array_equal(got[0], np.sum(y * q))


def test_the_mlp_hvp_writes_its_products_into_dead_values_and_equals_the_interpreters():
    """The hot hvp of a tanh MLP's cross-entropy: no more 128×128-style products into pool buffers where a dead
    operand's buffer fits (t·ṫ into ṫ's, the tanh′ products into the dead cotangent sums'), values the general
    path's bit for bit and the interpreters' to rounding, results of their own across calls."""
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    mlp = dl.nn.MLP([4, 5, 3], activation="tanh")
    loss, p = mlp.loss("cross_entropy"), mlp.init(seed=1)
    v = {k: rng.normal(size=a.shape) for k, a in p.items()}
    hv = dl.prepare_hvp(lambda q: loss(q, X, Y), p)
    general = hv((p,), (v,))
    first = hv((p,), (v,))
    assert hv._hot is not None
    source = hv._hot.fn.source
    t = next(e.out for e in hv._hot.fn.graph.eqns if e.op.name == "tanh")
    # (t·ṫ, t's last use, after its transpose died: written into t's buffer or ṫ's)
    assert re.search(rf"= op_mul\w*\((v{t.id}, v(\d+)|v(\d+), v{t.id}), out=v({t.id}|\2|\3)\)", source), source
    held = [{k: a.copy() for k, a in r.items()} for r in first]
    second = hv((p,), (v,))
    slow = dl.hvp(lambda q: loss(q, X, Y), (p,), (v,), method=(dl.Forward(compiled=False), dl.Reverse(compiled=False)))
    for got in (first, second):
        for k in p:
            np.testing.assert_array_equal(got[0][k], general[0][k])
            np.testing.assert_array_equal(got[1][k], general[1][k])
            np.testing.assert_allclose(got[1][k], slow[1][k], rtol=1e-13, atol=1e-15)
    for r, h in zip(first, held):
        for k in p:
            np.testing.assert_array_equal(r[k], h[k])
    flat = lambda res: [a for r in res for a in r.values()]  # noqa: E731
    _owned(flat(first), flat(second), [*p.values(), *v.values()], "MLP hvp")


def test_lowered_random_graphs_equal_the_interpreter_and_own_their_results_across_calls():
    """Random graphs lowered (exact, speculative and guarded): the interpreter's values, and no result that shares
    memory with an input, another result or an earlier call's result (whose values the later call leaves)."""

    def same(data):
        f = data.draw(functions(max_eqns=10, scalar=data.draw(st.booleans(), label="scalar")), label="f")
        xs = [np.asarray(x, dtype=float) for x in data.draw(points(f), label="x")]
        graph = dl.trace(f, *xs)
        with np.errstate(all="ignore"):
            want = evaluate(graph, *xs)
        fn = lower(graph, speculate=True, guard=tuple(range(len(xs))))
        for call in (fn, getattr(fn, "exact", fn), fn.guarded):
            if call is None:
                continue
            with np.errstate(invalid="raise", divide="raise"):
                try:
                    first = call(*xs)
                    held = [np.copy(r) for r in first] if first is not None else None
                    second = call(*xs)
                except (ArithmeticError, ValueError):  # (outside a domain: the interpreter's path names it)
                    continue
            if first is None or second is None:  # (the guarded code's uncommon case)
                continue
            for got in (first, second):
                for a, b in zip(got, want):
                    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300, equal_nan=True)
            for a, b in zip(first, held):
                np.testing.assert_array_equal(a, b)
            _owned(first, second, xs, str(graph))

    seed(65)(settings(settings.get_profile("difflab-ci"), max_examples=25)(given(st.data())(same)))()
