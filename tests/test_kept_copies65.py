"""What a prepared gradient keeps between calls (runner.measure.kept_bytes): one copy of each closed-over array
(graph.snapshot: the read checks, the trace's constant and the gradient's compiled code share it, transposes are
views of it) and one pool of layer states (compile.graphs `_Pool`: the general path's code and the guarded code of
one `lower` share it). On main an MLP's closed-over weights were kept ~3 times more (the gradient trace copied the
trace's copies and their transposes; the read checks' bytes came on top) and a chain of 160 KiB layers built a
second pool at its 4th call. A cached graph still never sees a later in-place change of a closed-over array."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.api import operators
from difflab.compile.graphs import _Pool, lower
from difflab.graph import frozen, same_bits, snapshot
from difflab.runner.measure import kept_bytes

RNG = np.random.default_rng(65)
SIZES = [192, 64, 64, 10]  # (W0: 96 KiB, checked in place against the graph's copy; W1: 32 KiB, against bytes)
WS = [RNG.normal(size=(a, b)) / np.sqrt(a) for a, b in zip(SIZES[:-1], SIZES[1:])]
BS = [RNG.normal(size=b) / 10 for b in SIZES[1:]]
X = RNG.normal(size=(4, SIZES[0]))  # (4, 64) layers: 2 KiB, far below the pool's 64 KiB
Y = np.eye(10)[[1, 5, 7, 2]]


def _mlp(ws, bs):
    def loss(x):
        h = x
        for k, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w + b
            h = dnp.tanh(h) if k < len(ws) - 1 else h
        return -dnp.sum(Y * (h - dnp.logsumexp(h, axis=1, keepdims=True))) / len(x)

    return loss


def _mlp_numpy(x, ws, bs):
    """(loss, d loss / d x) by hand."""
    hs, h = [x], x
    for k, (w, b) in enumerate(zip(ws, bs)):
        h = h @ w + b
        h = np.tanh(h) if k < len(ws) - 1 else h
        hs.append(h)
    z = hs[-1]
    m = z.max(axis=1, keepdims=True)
    logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    u = (np.exp(logp) - Y) / len(x)
    for k in range(len(ws) - 1, -1, -1):
        u = u @ ws[k].T
        if k > 0:
            u = u * (1 - hs[k] ** 2)
    return -np.sum(Y * logp) / len(x), u


@pytest.mark.parametrize("how", ["grad", "value_and_grad", "prepare"])
def test_closed_over_weights_are_kept_once(how):
    """main: 3.1 copies of the weights (a copy in the graph, one in the compiled code, one of each transpose)."""
    loss = _mlp(WS, BS)
    g = {
        "grad": lambda: dl.grad(loss),
        "value_and_grad": lambda: dl.value_and_grad(loss),
        "prepare": lambda: dl.prepare(loss, X).grad,
    }[how]()
    weights = sum(a.nbytes for a in WS + BS)
    for k in range(5):  # the general path, the compiled code, the guarded code
        x = X * (1 + k / 10)
        got = g(x)
        got = got[1] if how == "value_and_grad" else got
        np.testing.assert_allclose(got, _mlp_numpy(x, WS, BS)[1], rtol=1e-12, atol=1e-15)
        kept = kept_bytes(g, exclude=[x, WS, BS])
        assert weights <= kept <= 1.1 * weights, (k, kept / weights)


def test_float32_weights_are_kept_once_and_widened_once():
    """A float32 closed-over matrix: its snapshot (the read checks') and one float64 copy (the graph's, widened
    once, not once per equation reading it and again by the gradient's trace: main kept 6.4 float32 copies)."""
    ws = [w.astype(np.float32) for w in WS]
    g = dl.grad(_mlp(ws, BS))
    wide = [w.astype(np.float64) for w in ws]
    for _ in range(4):
        np.testing.assert_allclose(g(X), _mlp_numpy(X, wide, BS)[1], rtol=1e-12, atol=1e-15)
    kept = kept_bytes(g, exclude=[X, ws, BS])
    assert kept <= 1.1 * sum(w.nbytes for w in ws + wide + BS), kept / sum(w.nbytes for w in ws)


def test_a_chain_of_160_kib_layers_keeps_one_pool():
    """The guarded code armed at the 3rd call had a pool of its own beside the general path's: main kept 2 states
    of every pooled layer from the 4th call (6 layers: 6 weights + 2 × 7 states; here 6 + 7)."""
    n, depth = 20_000, 6
    ws = [RNG.uniform(0.5, 1.5, n) for _ in range(depth)]

    def f(x):
        h = x
        for w in ws:
            h = dnp.tanh(h * w)
        return dnp.sum(h)

    g = dl.grad(f)
    x = RNG.normal(size=n)
    for _ in range(5):
        h, hs = x, []
        for w in ws:
            hs.append(h)
            h = np.tanh(h * w)
        u = np.ones(n)
        for w, h_in in zip(ws[::-1], hs[::-1]):
            u = u * (1 - np.tanh(h_in * w) ** 2) * w
        np.testing.assert_allclose(g(x), u, rtol=1e-12)
    assert kept_bytes(g, exclude=[x, ws]) <= (2 * depth + 1) * n * 8


def test_one_lower_shares_its_pool_between_its_programs():
    """The exact, speculative and guarded programs of one `lower` (a gradient's: strong products speculated)."""
    f = lambda x, w: dnp.sum(dnp.tanh(x @ w) * x)  # noqa: E731
    graph = dl.trace(dl.grad(f, argnums=(0, 1)), X.repeat(100, 0), np.ones((192, 192)) / 192)
    fn = lower(graph, speculate=True, guard=(0, 1))
    assert "_scratch" in fn.exact.source and "_scratch" in fn.guarded.source
    pools = {id(f.__globals__["_scratch"].__self__) for f in (fn, fn.exact, fn.guarded)}
    assert len(pools) == 1 and isinstance(fn.__globals__["_scratch"].__self__, _Pool)


def test_the_graph_keeps_the_read_checks_copy_and_a_later_change_in_place_is_seen(monkeypatch):
    w = RNG.normal(size=(192, 64))  # 96 KiB: checked in place (below 64 KiB: against bytes of its own)
    traces = []
    stage = operators.stage
    monkeypatch.setattr(operators, "stage", lambda *a, **k: traces.append(1) or stage(*a, **k))
    g = dl.grad(lambda x: dnp.sum(dnp.tanh(x @ w)))
    want = lambda: (1 - np.tanh(X @ w) ** 2) @ w.T  # noqa: E731
    for _ in range(3):
        np.testing.assert_allclose(g(X), want(), rtol=1e-13)
    assert len(traces) == 1
    (const,) = [a.value for e in g._last.graph.eqns for a in e.args if getattr(a, "value", None) is not None]
    assert const is snapshot(w) and not const.flags.writeable and w.flags.writeable
    assert any(v is const for v in g._last.reads[0].env.values())  # the read checks compare w against it
    assert not np.shares_memory(const, w)
    w[3, 7] = np.nextafter(w[3, 7], np.inf)  # one bit
    np.testing.assert_array_equal(g(X), want())
    assert len(traces) == 2 and const[3, 7] != w[3, 7]
    w[0, 0] = np.nan  # a NaN is the same bits as itself: the graph traced with it is reused
    g(X), g(X)
    assert len(traces) == 3


def test_snapshots_views_and_bitwise_comparison():
    a = RNG.normal(size=(64, 33))
    s = snapshot(a)
    assert snapshot(a) is s and frozen(s) and frozen(s.T[1:]) and not frozen(a) and not frozen(s.copy())
    with pytest.raises(ValueError):
        s[0, 0] = 1.0
    assert same_bits(a[:, ::2], s[:, ::2].copy()) and same_bits(np.float32([np.nan] * 3), np.float32([np.nan] * 3))
    assert not same_bits(np.zeros(5), -np.zeros(5)) and not same_bits(a[:, 1:], s[:, :-1])
    a.shape = (33, 64)
    assert snapshot(a) is not s and snapshot(a).shape == (33, 64)
