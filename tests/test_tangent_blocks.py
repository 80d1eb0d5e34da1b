"""Chunked forward mode's blocks of tangents (issue 17 §3). Deferred linear steps (compile/linear.py): a
sweep's elementwise JVP steps carried as sums of scaled blocks, full reductions as matrix-vector products,
equal to the interpreter to rounding. The buffers a lowered batched function keeps from call to call
(compile/graphs.py `_Pool`): a block is written into one only when nothing else references it, so no
result, view or value still alive ever shares memory with a later write. The unit directions, windows of
one kept read-only block (differentiators/base.py `_seeds`), never reach the caller."""

import warnings

import numpy as np
import pytest
from hypothesis import given, note, seed, settings
from hypothesis import strategies as st

import difflab as dl
import difflab.numpy as dnp
from difflab.compile import graphs, linear
from difflab.compile.graphs import _plain, _Pool, lower
from difflab.compile.linear import fuse_linear
from difflab.ops import REGISTRY
from difflab.graph import evaluate_batched
from difflab.testing.strategies import functions, points

from test_compiled import CASES, _check_tape_methods

ROWS = 300  # entries a row: above graphs._POOLED, so the blocks below are pooled
C = np.linspace(-1.0, 2.0, ROWS)


def _blocks(seed_, k=3):
    return np.random.default_rng(seed_).normal(size=(k, ROWS))


def test_a_slot_is_reused_only_when_nobody_else_holds_its_buffer():
    pool = _Pool([np.dtype(float)])
    first = pool.take(0, (2, ROWS))
    first_id = id(first)
    del first
    again = pool.take(0, (2, ROWS))
    assert id(again) == first_id  # only the pool held it: the same buffer
    view = again[1:]
    del again
    other = pool.take(0, (2, ROWS))  # a view of it is alive: a new buffer
    assert not np.shares_memory(other, view)
    del other
    assert pool.take(0, (3, ROWS)).shape == (3, ROWS)  # another batch size: a buffer of that shape


def test_a_batched_sweep_writes_its_blocks_into_the_pool_and_equals_the_interpreter_call_after_call():
    # t used twice after the in-place add wrote into the product's buffer: (t·c + t·x)·tanh(x) and t·x
    graph = dl.trace(lambda x, t: dnp.sum((t * C + t * x) * dnp.tanh(x)) + dnp.sum(t * x), C, C)
    fn = lower(graph, batched=(False, True))
    assert "_scratch(" in fn.source and ", out=v" in fn.source
    x = np.cos(C)
    for s in range(3):  # the second and third calls write into the first one's buffers
        V = _blocks(s)
        want = (V * C + V * x) @ np.tanh(x) + V @ x
        (got,) = fn(x, V)
        np.testing.assert_allclose(got, want, rtol=1e-13)
        np.testing.assert_array_equal(got, evaluate_batched(graph, x, V, batched=(False, True))[0])


def test_a_result_that_views_a_pooled_block_is_never_written_by_a_later_call():
    # (t * x)[::2]: the product is pooled (no output), the result a view of it
    graph = dl.trace(lambda x, t: (t * x)[::2], C, C)
    fn = lower(graph, batched=(False, True))
    assert "_scratch(" in fn.source
    V1, V2 = _blocks(1), _blocks(2)
    (r1,) = fn(C, V1)
    kept = r1.copy()
    (r2,) = fn(C, V2)
    np.testing.assert_array_equal(r1, kept)  # the first call's result is untouched
    np.testing.assert_array_equal(r2, (V2 * C)[:, ::2])
    assert not np.shares_memory(r1, r2)
    del r1
    (r3,) = fn(C, V1)  # (a buffer freed again is taken again; the values are this call's)
    np.testing.assert_array_equal(r3, kept)


def test_forward_jacobians_held_by_the_caller_are_never_overwritten():
    """One block of directions: the Jacobian of x·x (x a matrix) is a reshaped view of the sweep's pooled sum
    of its two products."""
    p = dl.prepare(lambda x: x * x, C.reshape(2, -1), method=dl.Forward(chunk="auto"))
    jacs = [p.jacobian(C.reshape(2, -1) + s) for s in range(3)]
    for s, J in enumerate(jacs):
        np.testing.assert_array_equal(J.reshape(ROWS, ROWS), np.diag(2.0 * (C + s)))
    assert not np.shares_memory(jacs[0], jacs[1]) and not np.shares_memory(jacs[1], jacs[2])


def test_a_sweeps_linear_steps_become_products_of_the_seed_with_coefficients_made_once():
    """bench/scaling.py's f: its block's tangent is three matrix-vector products, no (k × n) block written."""
    c = np.linspace(-1.0, 1.0, ROWS - 1)
    f = lambda x: dnp.sum(dnp.tanh(x[:-1] * x[1:] + c)) + 0.5 * dnp.sum(x * x)  # noqa: E731
    p = dl.prepare(f, C, method=dl.Forward(chunk=50))
    for _ in range(2):
        g = p.grad(C)
    s = 1.0 - np.tanh(C[:-1] * C[1:] + c) ** 2
    want = C.copy()
    want[:-1] += s * C[1:]
    want[1:] += s * C[:-1]
    np.testing.assert_allclose(g, want, rtol=1e-13, atol=1e-15)
    source = p.prepared.sweeps.fns["batched"].source
    assert source.count("op_matmul") == 3 and "op_sum" in source  # (the primal's two sums)
    fn = p.prepared.sweeps.fns["batched"]  # it charges what its exact program does: f's tape per tangent (graph.Cost)
    assert fn.eqns == fn.exact.eqns == len(dl.trace(f, C).eqns)


def test_deferred_steps_are_written_out_for_a_nonlinear_consumer_and_charged_as_the_program_they_stand_for():
    # t·x + t·c is deferred, then sin of it needs it whole; sub of two deferred values; a mean contracts
    # (strong products, as JVP rules write them: the speculative program runs their plain form, and is rewritten)
    sm = REGISTRY["strong_mul"]
    graph = dl.trace(lambda x, t: dnp.mean(dnp.sin(sm(t, x) + sm(t, C)) - (sm(t, x) - t)), C, C)
    fused, hot = fuse_linear(_plain(graph)[0], (False, True))
    assert hot == [0] and any(e.op.name == "matmul" for e in fused.eqns)
    fn = lower(graph, batched=(False, True), speculate=True, linear=True)
    x, V = np.cos(C), _blocks(4)
    want = np.mean(np.sin(V * x + V * C) - (V * x - V), axis=1)
    with np.errstate(invalid="raise", divide="raise"):
        np.testing.assert_allclose(fn(x, V)[0], want, rtol=1e-13)
    # only forward mode's sweeps ask for it: numeric's batched points keep their exact rounding
    assert "op_matmul" in fn.source and "op_matmul" not in lower(graph, batched=(False, True), speculate=True).source


def test_a_reduction_of_a_block_times_a_number_is_a_product_with_the_number_broadcast():
    sm = REGISTRY["strong_mul"]
    graph = dl.trace(lambda x, t: dnp.sum(sm(t, 0.5)) + dnp.sum(sm(t, x)), C, C)
    fn = lower(graph, batched=(False, True), speculate=True, linear=True)
    assert fn.source.count("op_matmul") == 2
    V = _blocks(6)
    np.testing.assert_allclose(fn(C, V)[0], V @ (0.5 + C), rtol=1e-13)


def test_an_affine_step_is_not_deferred():
    """t + 1 has constant partials but is not linear in t: it is computed as it is, then deferred times x."""
    graph = dl.trace(lambda x, t: dnp.sum((t + 1.0) * x), C, C)
    fused, _ = fuse_linear(graph, (False, True))
    assert [e.op.name for e in fused.eqns] == ["add", "matmul"]
    fn = lower(graph, batched=(False, True), speculate=True, linear=True)
    V = _blocks(5)
    np.testing.assert_allclose(fn(C, V)[0], (V + 1.0) @ C, rtol=1e-13)


def test_matmul_batch_as_is_only_where_numpys_stacking_is_the_batching_rule():
    mm, rng = REGISTRY["matmul"], np.random.default_rng(0)
    for sa in [(4,), (3, 4), (2, 3, 4)]:
        for sb in [(4,), (4, 5), (2, 4, 5), (6, 1, 4, 5)]:
            a, b = rng.normal(size=(7, *sa)), rng.normal(size=sb)
            if len(sa) > 2 and len(sb) > 2 and np.broadcast_shapes(sa[:-2], sb[:-2]) != sb[:-2]:
                continue
            want = np.stack([np.matmul(a[i], b) for i in range(7)])
            np.testing.assert_allclose(mm.batched_for((True, False), [len(sa), len(sb)])(a, b), want, rtol=1e-13)
            assert mm.batch_as_is((True, False), (len(sa), len(sb))) == (len(sb) <= 2 or len(sa) >= len(sb))


def test_the_kept_unit_directions_never_reach_the_caller():
    """f(x) = x: each block's J v is the seed window itself; the Jacobian is the caller's own, writable."""
    p = dl.prepare(lambda x: x * 1.0 + 0.0, C[:40], method=dl.Forward(chunk=16))
    for _ in range(2):
        J = p.jacobian(C[:40])
    np.testing.assert_array_equal(J, np.eye(40))
    J[0, 0] = 5.0  # writable, and no later call sees it
    np.testing.assert_array_equal(p.jacobian(C[:40]), np.eye(40))
    q = dl.prepare(lambda x: x, C[:40], method=dl.Forward(chunk=16))
    np.testing.assert_array_equal(q.jacobian(C[:40]), np.eye(40))


@pytest.fixture
def pool_everything(monkeypatch):
    """Every batched ufunc result pooled and every linear step deferred, however small: the random graphs'
    and the registry's samples. Yields the list of the buffers taken."""
    monkeypatch.setattr(graphs, "_POOLED", 1)
    monkeypatch.setattr(linear, "_LAZY_MIN", 1)
    taken, take, fuse = [], _Pool.take, graphs.fuse_linear
    monkeypatch.setattr(_Pool, "take", lambda self, slot, shape: taken.append(shape) or take(self, slot, shape))
    monkeypatch.setattr(graphs, "fuse_linear", lambda *a: (lambda r: taken.append(r is not None) or r)(fuse(*a)))
    yield taken


FORWARD_CASES = CASES[::7]  # a spread of the registry's samples (every 7th): every kind of op


@pytest.mark.parametrize("name,k,args,params", FORWARD_CASES, ids=[f"{c[0]}-{c[1]}" for c in FORWARD_CASES])
def test_pooled_compiled_tier_equals_the_interpreters_on_registry_samples(pool_everything, name, k, args, params):
    op = REGISTRY[name]
    graph = dl.trace(lambda *xs: op(*xs, **params) * 1.5, *args)
    wrt = tuple(i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f")
    _check_tape_methods(graph, list(args), wrt)


def test_pooled_compiled_tier_equals_the_interpreters_on_random_graphs(pool_everything):
    def same(data):
        f = data.draw(functions(), label="f")
        xs = data.draw(points(f), label="x")
        graph = dl.trace(f, *xs)
        note(str(graph))
        args = [np.asarray(x, dtype=float) for x in xs]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _check_tape_methods(graph, args, tuple(range(len(xs))))

    seed(18)(settings(settings.get_profile("difflab-ci"), max_examples=7)(given(st.data())(same)))()
    assert any([type(t) is tuple for t in pool_everything]), (
        "no random graph's batched sweep wrote into a pooled buffer"
    )
    assert True in pool_everything, "no random graph's batched sweep deferred a linear step"


def test_threads_sharing_one_lowered_batched_function_never_share_a_block():
    # The pool binds a buffer before it counts its references: a thread that binds the same buffer
    # after another counts one more and allocates its own (counted first, then bound, two threads
    # could both see it free). Four threads, each its own input, against the serial results.
    import sys
    import threading

    graph = dl.trace(lambda x, t: dnp.sum((t * C + t * x) * dnp.tanh(x)) + dnp.sum(t * x), C, C)
    fn = lower(graph, batched=(False, True))
    xs = [np.cos(C * (i + 1)) for i in range(4)]
    V = _blocks(7, k=16)
    want = [fn(x, V)[0].copy() for x in xs]
    got: dict = {}

    def run(i):
        got[i] = [fn(xs[i], V)[0].copy() for _ in range(200)]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    for i in range(4):
        for g in got[i]:
            np.testing.assert_array_equal(g, want[i])
