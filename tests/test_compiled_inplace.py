"""Assignment written in place by the compiled tier (compile/graphs.py `_Source.writable`; issue 17): a lowered
function writes `y[i] = v` into a buffer it made and alone holds, unbatched (`Op.in_place`: a prepared reverse's
later calls, `dl.jvp`) and batched (`Op.batch_in_place`: chunked forward mode's block of k tangents), so a loop of n
writes costs O(1) a write, not a copy of y (of a (k, n) block in `dl.grad(f, method="forward")`).

Each case runs with the write in place and with it switched off (setitem without its registry facts:
test_assignment_inplace._copying) and the two must agree bit for bit; the caller's arrays are unchanged and outputs
alias no input. Counts, not times: the copies setitem's `impl` makes are counted. The `teeth` test breaks the
ownership check and sees a case change.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_assignment_inplace import CASES, X, _copying, _same, _view_read_after_a_write

import difflab as dl
import difflab.compile.graphs as graphs_module
from difflab.compile import lower
from difflab.graph import evaluate, evaluate_batched
from difflab.ops import REGISTRY

SETITEM = REGISTRY["setitem"]


class _Counted:
    """An op's `impl` (setitem's: each call a copy of its target; scatter_add's: zeros of the array's size) counted
    while in use."""

    def __init__(self, op=SETITEM):
        self.calls, self.op = 0, op
        self.impl = op.impl

    def __enter__(self):
        def counted(*args, **params):
            self.calls += 1
            return self.impl(*args, **params)

        object.__setattr__(self.op, "impl", counted)
        return self

    def __exit__(self, *exc):
        object.__setattr__(self.op, "impl", self.impl)


def _run_all(f, x):
    """What the compiled tier answers for f at x: a prepared reverse's 4 calls (the later ones compiled), dl.jvp
    twice, forward's chunked gradient (chunk 4: several blocks) and the Hessian by forward over reverse."""
    try:
        p = dl.prepare(f, x)
    except ValueError as e:  # (a graph specialised to its values: no reuse, no compiled calls of the gradient)
        assert "specialised" in str(e)
        out = []
    else:
        out = [p.grad(x) for _ in range(4)]
    out += [dl.jvp(f, (x,), (np.cos(x),))[1] for _ in range(2)]
    out.append(dl.grad(f, method=dl.Forward(chunk=4))(x))
    out.append(dl.hessian(f, method=("forward", "reverse"))(x))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_tier_as_copying(name):
    f, x = CASES[name], X.copy()
    got = _run_all(f, x)
    assert np.array_equal(x, X)  # the caller's array not written
    with _copying():
        want = _run_all(f, X.copy())
    for a, b in zip(got, want):
        assert _same(a, b), (a, b)
        assert not np.shares_memory(a, x)


def test_lowered_loop_writes_one_buffer():
    """The loop's n writes: one copy (of the constant y starts as) where the copying program makes n, bit for bit."""
    n = 200
    x = np.linspace(0.1, 1.0, n)
    g = dl.trace(CASES["_loop"], x)
    with _Counted() as c:
        got = lower(g)(x)
    assert c.calls == 1
    with _copying(), _Counted() as c:
        want = lower(g)(x)
    assert c.calls == n
    assert _same(got[0], want[0]) and _same(got[0], evaluate(g, x)[0])
    assert np.array_equal(x, np.linspace(0.1, 1.0, n))


def test_batched_loop_writes_one_block():
    """Batched (the forward sweep's k tangent rows at once): the loop's target carries the batch axis; its n writes
    make one copy, equal to `evaluate_batched` bit for bit."""
    n, k = 100, 8

    def f(x, v):  # y[i] = v_i · sin(x[i]) · y[i-1]: the written values batched through v
        y = np.zeros_like(x)
        for i in range(n):
            y[i] = v[i] * np.sin(x[i]) * (y[i - 1] if i else 1.0)
        return y

    x = np.linspace(0.1, 1.0, n)
    V = np.cos(np.arange(k * n, dtype=float)).reshape(k, n)
    g = dl.trace(f, x, V[0])
    with _Counted() as c:
        (got,) = lower(g, batched=(False, True))(x, V)
    assert c.calls == 1
    with _copying(), _Counted() as c:
        (want,) = lower(g, batched=(False, True))(x, V)
    assert c.calls == n
    assert _same(got, want) and _same(got, evaluate_batched(g, x, V, batched=(False, True))[0])


def test_forward_gradient_of_the_loop_copies_no_block_per_write():
    """dl.grad(f, method="forward"): a copy of the (k, n) tangent block per write made it cubic in n; now a few
    copies per block (each block's first write into the constant y and its tangent), bit for bit as before."""
    n = 120
    x = np.linspace(0.1, 1.0, n)
    f = CASES["_loop"]
    p = dl.prepare(f, x, method=dl.Forward(chunk=30))
    p.grad(x), p.grad(x)  # (a first call interpreted, the sweep lowered at the second: the count is the compiled one's)
    with _Counted() as c:
        got = p.grad(x)
    assert c.calls <= 4 * 2, c.calls  # (4 blocks)
    with _copying():  # (the copying program compiled too: on an AMD EPYC the interpreter's sum is an ulp apart)
        q = dl.prepare(f, x, method=dl.Forward(chunk=30))
        q.grad(x), q.grad(x)
        want = q.grad(x)
    assert _same(got, want)


def test_prepared_reverse_s_compiled_calls_write_in_place():
    """A prepared reverse's later calls (the compiled tier): the loop's forward writes into one y, its cotangents'
    `setitem(ct, 0, idx)` into ct, and getitem's cotangent added at idx (scatter_add's `add_into`), not scattered
    into zeros of n and summed: O(1) a write where each was O(n). Bit for bit as the copying program."""
    n = 200
    x = np.linspace(0.1, 1.0, n)
    f = CASES["_loop"]
    with _Counted() as copies, _Counted(REGISTRY["scatter_add"]) as scatters:  # (bound when lowered: counted since)
        p = dl.prepare(f, x)
        p.grad(x), p.grad(x)
        copies.calls = scatters.calls = 0
        got = p.grad(x)
    assert copies.calls <= 2 and scatters.calls <= 2, (copies.calls, scatters.calls)
    with _copying():
        q = dl.prepare(f, x)
        want = [q.grad(x) for _ in range(3)][-1]
    assert _same(got, want)


def test_a_view_read_after_a_write_is_not_written():
    reordered, g = _view_read_after_a_write()
    (got,) = lower(reordered)(X.copy())
    (want,) = evaluate(g, X.copy())
    assert _same(got, want)


def test_outputs_are_not_written():
    def f(x):  # y is returned and written on: the write after it is a copy
        y = x * 1.0
        y[0] = x[1]
        z = y.at[1].set(x[2] * 3.0)
        z[2] = x[3]
        return y, z

    g = dl.trace(f, X.copy())
    y, z = lower(g)(X.copy())
    assert np.array_equal(y, [X[1], *X[1:]]) and not np.shares_memory(y, z)


def _third_call(f, x):
    p = dl.prepare(f, x)
    return [p.grad(x) for _ in range(3)][-1]  # (the later calls: the compiled tier's)


def test_teeth_holders_ignored_is_caught(monkeypatch):
    f = CASES["_slice_read"]  # (sin's rule reads the view y[0:3] after the write y[0] = x[3])
    want = _third_call(f, X.copy())

    def careless(self, i, eqn, *rest):
        shared(self, i, eqn, *rest)
        self.holders = dict.fromkeys(self.holders, 1)  # (as if no other value shared a buffer)

    shared = graphs_module._Source.shared
    monkeypatch.setattr(graphs_module._Source, "shared", careless)
    assert not _same(_third_call(f, X.copy()), want)


def test_forward_sweep_traced_for_lowering_writes_in_place():
    """dl.jvp's second call (a first one is interpreted) traces forward's sweep on traced values to lower it: each
    write recorded into the traced y and its tangent in place (Trace.assigned; differentiators/owned.py), not a copy
    of both per write (quadratic in a long tape). Counted: setitem's `impl` over the whole second call."""
    n = 300
    x = np.linspace(0.1, 1.0, n)
    f, g = (lambda x: CASES["_loop"](x)), (lambda x: CASES["_loop"](x))  # (functions of their own: nothing cached)
    dl.jvp(f, (x,), (np.cos(x),))
    with _Counted() as copies:
        got = dl.jvp(f, (x,), (np.cos(x),))
    assert copies.calls <= 8, copies.calls
    with _copying():
        dl.jvp(g, (x,), (np.cos(x),))
        want = dl.jvp(g, (x,), (np.cos(x),))
    assert _same(got[0], want[0]) and _same(got[1], want[1])
    assert np.array_equal(x, np.linspace(0.1, 1.0, n))


def _samples(op):
    return op.samples(np.random.default_rng(0))


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if op.batch_in_place is not None))
def test_batch_in_place_is_the_batching_rule_into_the_target(name):
    op = REGISTRY[name]
    for args, params in _samples(op):
        args = [np.asarray(a, float) for a in args]
        for rest in [(False,) * (len(args) - 1), (True,) * (len(args) - 1)]:
            flags = (True, *rest)
            batched = [np.stack([a * (k + 1) for k in range(3)]) if b else a for a, b in zip(args, flags)]
            want = op.batched(flags, *[b.copy() for b in batched], **params)
            target = batched[0].copy()
            got = op.batch_in_place(flags, target, *batched[1:], **params)
            assert got is target and _same(got, want)


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if op.add_into is not None))
def test_add_into_adds_the_value_into_the_summand(name):
    op = REGISTRY[name]
    for args, params in _samples(op):
        args = [np.asarray(a, float) for a in args]
        value = op.impl(*args, **params)
        acc = np.cos(np.arange(value.size, dtype=float)).reshape(value.shape)
        got = op.add_into(acc.copy(), *args, **params)
        if got is None:  # (it cannot: the rule runs)
            continue
        assert _same(got, acc + value)


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if op.fresh is not None))
def test_a_fresh_value_shares_no_argument_s_memory(name):
    op = REGISTRY[name]
    for args, params in _samples(op):
        args = [np.asarray(a, float) for a in args]
        if op.fresh(tuple(a.ndim for a in args), **params):
            value = op.impl(*args, **params)
            assert not any(np.shares_memory(value, a) for a in args)
