"""The buffers a lowered batched function keeps from call to call (compile/graphs.py `_Pool`): a block
of tangents is written into one only when nothing else references it, so no result, view or value
still alive ever shares memory with a later write; values equal the interpreter's, call after call."""

import warnings

import numpy as np
import pytest
from hypothesis import given, note, seed, settings
from hypothesis import strategies as st

import difflab as dl
import difflab.numpy as dnp
from difflab.compile import graphs
from difflab.compile.graphs import _Pool, lower
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


@pytest.fixture
def pool_everything(monkeypatch):
    """Every batched ufunc result pooled, however small: the random graphs' and the registry's samples.
    Yields the list of the buffers taken."""
    monkeypatch.setattr(graphs, "_POOLED", 1)
    taken, take = [], _Pool.take
    monkeypatch.setattr(_Pool, "take", lambda self, slot, shape: taken.append(shape) or take(self, slot, shape))
    yield taken


FORWARD_CASES = CASES[::7]  # a spread of the registry's samples (every 7th): every kind of op


@pytest.mark.parametrize("name,k,args,params", FORWARD_CASES, ids=[f"{c[0]}-{c[1]}" for c in FORWARD_CASES])
def test_pooled_compiled_tier_equals_the_interpreters_on_registry_samples(pool_everything, name, k, args, params):
    from difflab.ops import REGISTRY

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
    assert pool_everything, "no random graph's batched sweep wrote into a pooled buffer"
