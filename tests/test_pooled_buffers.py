"""Unbatched lowered code keeps its large intermediates from call to call (compile/graphs.py `_Pool`,
`_POOLED_BYTES`): a fresh buffer of that size is carved off the top of the C heap (or mapped) and may be
handed back to the kernel when freed, so every call page-faults it in again, or not, by the process's
history (issue 17's cheap-gradient row: the loss alone ~400 µs in some processes, ~545 µs in others).
A pooled buffer is written only when nothing else references it: results, views of them and values still
alive never share memory with a later call's writes; values equal the interpreter call after call."""

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.compile.graphs import _Pool, lower
from difflab.graph import evaluate

N, K = 96, 128  # (N, K) float64 = 96 KiB: above graphs._POOLED_BYTES
RNG = np.random.default_rng(5)
X, W, V = RNG.normal(size=(N, K)), RNG.normal(size=(K, K)) / 12, RNG.normal(size=(K, K)) / 12


def _chain(x, w, v):
    """Four products: h·v is dead once (h·v)·w is made, so u·v writes into its buffer; add, tanh and the
    last product in place (as before)."""
    h = dnp.tanh(x @ w + 0.5)
    u = (h @ v) @ w
    return dnp.sum((u @ v) * h)


def _chain_numpy(x, w, v):
    h = np.tanh(x @ w + 0.5)
    return np.sum(((h @ v) @ w) @ v * h)


def test_large_intermediates_are_written_into_the_pool_and_small_ones_are_not():
    source = lower(dl.trace(_chain, X, W, V)).source
    assert "op_matmul(v0, v1, out=_scratch(0, (96, 128, )))" in source
    assert [source.count(f"_scratch({slot},") for slot in range(4)] == [1, 2, 1, 0]
    small = lower(dl.trace(_chain, X[:4, :8], W[:8, :8], V[:8, :8])).source
    assert "_scratch" not in small


def test_pooled_code_equals_the_interpreter_call_after_call_and_reuses_its_buffers():
    graph = dl.trace(_chain, X, W, V)
    fn = lower(graph)
    pool = fn.__globals__["_scratch"].__self__
    first = None
    for s in range(3):  # the second and third calls write into the first one's buffers
        x = X + s
        (got,) = fn(x, W, V)
        assert abs(got - _chain_numpy(x, W, V)) <= 1e-12 * abs(got)
        assert got == evaluate(graph, x, W, V)[0]
        first = first or [id(b) for b in pool.buffers]
        assert [id(b) for b in pool.buffers] == first and len(first) == 3
    assert all(b.shape == (N, K) for b in pool.buffers)


def test_a_result_that_views_a_pooled_product_is_never_written_by_a_later_call():
    graph = dl.trace(lambda x, w: dnp.transpose(x @ w)[::2], X, W)  # the product is pooled, the result views it
    fn = lower(graph)
    assert "_scratch(" in fn.source
    (r1,) = fn(X, W)
    kept = r1.copy()
    (r2,) = fn(X + 1.0, W)
    np.testing.assert_array_equal(r1, kept)
    np.testing.assert_array_equal(r2, ((X + 1.0) @ W).T[::2])
    assert not np.shares_memory(r1, r2)


def test_prepared_gradients_kept_by_the_caller_are_untouched_and_equal_the_interpreter(monkeypatch):
    """The guarded value-and-gradient code (its (N, K) intermediates pooled) and the loss alone, against
    Reverse(compiled=False); gradients from earlier calls stay as they were."""
    taken, take = [], _Pool.take
    monkeypatch.setattr(_Pool, "take", lambda self, slot, shape: taken.append(shape) or take(self, slot, shape))
    fast = dl.prepare(_chain, X, W, V, method="reverse", argnums=(0, 1, 2))
    spec = dl.prepare(_chain, X, W, V, method=dl.Reverse(compiled=False), argnums=(0, 1, 2))
    kept = []
    for s in range(4):
        x = X * (1 + s / 10)
        value, grads = fast.value_and_grad(x, W, V)
        want_value, want = spec.value_and_grad(x, W, V)
        assert abs(value - want_value) <= 1e-13 * abs(want_value)
        assert [g.shape for g in grads] == [(N, K), (K, K), (K, K)]
        for g, w in zip(grads, want):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
        assert abs(fast(x, W, V) - want_value) <= 1e-13 * abs(want_value)
        kept.append([(g, g.copy()) for g in grads])
    assert taken.count((N, K)) >= 8  # the gradient's code and the loss's take pooled blocks every call
    for pairs in kept:
        for g, copy in pairs:
            np.testing.assert_array_equal(g, copy)
    assert not any(np.shares_memory(a, b) for (a, _), (b, _) in zip(kept[-1], kept[-2]))


def test_only_blocks_from_64_kib_to_under_4_mib_are_pooled():
    def f(x):
        return dnp.sum(dnp.tanh(x * 2.0) * x)

    sources = {n: lower(dl.trace(f, np.ones(n))).source for n in (2**12, 2**13, 2**19 - 1, 2**19)}
    assert ["_scratch(0" in sources[n] for n in sorted(sources)] == [False, True, True, False]  # 32 KiB … 4 MiB


def test_the_bench_memory_measure_counts_pooled_buffers(monkeypatch):
    """bench/_common.peak_memory empties the pools first: a pooled call's peak is the unpooled one's."""
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).parent.parent / "bench"))
    import _common

    pooled = lower(dl.trace(_chain, X, W, V))
    peak = _common.peak_memory(lambda: pooled(X, W, V))
    assert peak >= 3 * X.nbytes  # its three pooled (N, K) blocks, alive together


def test_a_checkpointed_segment_keeps_no_pool_between_its_runs():
    """keep=False (remat's segments): no intermediate is pooled, so a checkpointed chain holds no segment's
    interior between runs (bench/deep.py: with the pool, √depth checkpointing's working memory at depth 100
    was 15.8 MiB, 7.4 MiB without, hand NumPy's plain 52.2); values equal the interpreter."""
    graph = dl.trace(_chain, X, W, V)
    assert "_scratch" not in lower(graph, keep=False).source
    np.testing.assert_allclose(lower(graph, keep=False)(X, W, V)[0], evaluate(graph, X, W, V)[0], rtol=1e-13)
    f = lambda x, w, v: dl.checkpoint(_chain)(x, w, v)  # noqa: E731
    g = dl.grad(f, argnums=(0, 1, 2))(X, W, V)
    r = dl.grad(_chain, argnums=(0, 1, 2))(X, W, V)
    for a, b in zip(g, r):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    sub = dict(next(e for e in dl.trace(f, X, W, V).eqns if e.op.name == "checkpoint").params)["sub"]
    sub.run((X, W, V))
    assert "_scratch" not in sub._compiled.source
