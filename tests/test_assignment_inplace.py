"""Assignment written in place while tracing (trace.Trace.assigned, Op.in_place, Op.unread): `y[i] = v` writes
into y's buffer when nothing else can see it, so a loop of n writes keeps one array, not n (issue 17).

Every case runs twice, with the in-place write and with it switched off (setitem's `in_place` None: each write a
copy, as before), and the two must agree bit for bit; a case whose answer a write leaking into an old version
would change is also checked against its NumPy reference. The test `test_a_leaking_write_is_caught` breaks the
ownership check on purpose and asserts that these cases then fail: they have teeth.
"""

from __future__ import annotations

import contextlib
import importlib

import numpy as np
import pytest

import difflab as dl
from difflab.differentiators.forward import Forward
from difflab.ops import REGISTRY
from difflab.tree import flatten

trace_module = importlib.import_module("difflab.trace")  # (difflab.trace is the facade's function)

METHODS = ("reverse", "forward", "numeric", "symbolic")
X = np.array([0.3, -1.2, 0.7, 2.0, -0.4, 1.1])


#: the registry facts that let tracing and the sweeps write in place (each op's own)
IN_PLACE_FACTS = {"setitem": ("in_place", "vjp_in_place", "jvp_in_place"), "getitem": ("vjp_add_into",)}


@contextlib.contextmanager
def _copying():
    """Each assignment a copy, as before in-place writes (setitem without its `in_place`), and the sweeps'
    rules as before too: each cotangent and tangent a new array (no `vjp_in_place`, `vjp_add_into`, `jvp_in_place`)."""
    kept = {(name, fact): getattr(REGISTRY[name], fact) for name, facts in IN_PLACE_FACTS.items() for fact in facts}
    for (name, fact), _ in kept.items():
        object.__setattr__(REGISTRY[name], fact, () if fact.startswith("vjp") else None)
    try:
        yield
    finally:
        for (name, fact), value in kept.items():
            object.__setattr__(REGISTRY[name], fact, value)


def _loop(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = np.sin(x[i]) * (y[i - 1] if i else 1.0)
    return np.sum(y**2)


def _old_version(x):  # a copy of y read after later writes into y (its tracer shares y's value)
    y = np.zeros_like(x)
    y[0] = x[0]
    y[1] = x[1] * x[0]
    z = y.copy()
    y[0] = 5.0
    y[2] = x[2] ** 2
    return np.sum(z * x) + np.sum(y**2) * z[1]


def _alias(x):  # z = y: one array, as NumPy's names (both see the write)
    y = np.zeros_like(x)
    y[0] = x[0]
    z = y
    y[1] = x[1] * 3.0
    return np.sum(z * x)


def _read_by_a_rule(x):  # exp reads the old version's value; the write after it must not change it
    y = np.zeros_like(x)
    y[0] = x[0]
    y[1] = x[1]
    s = np.sum(np.exp(y))
    y[2] = x[2] * 4.0
    y[0] = 0.5
    return s * np.sum(y * x)


def _slice_read(x):  # a view of y read (sin of y[0:3]), then a write into y
    y = np.zeros_like(x)
    y[0] = x[0]
    y[1] = x[1]
    s = np.sum(np.sin(y[0:3]))
    y[0] = x[3]
    return s + np.sum(y**2)


def _augmented(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = x[i]
        y[i // 2] += x[i] * y[i]
    return np.sum(y**2)


def _fancy(x):
    y = np.zeros_like(x)
    y[0] = x[0]
    y[[1, 3]] = x[2:4] * 2.0
    y[1] = x[5]
    y[x > 0.5] = 1.5
    y[2] = x[0] * y[3]
    return np.sum(y * x)


def _at_chain(x):  # .at[].set leaves x and b as they were; writes into its result
    b = x.at[0].set(1.0)
    a = b.at[1].set(x[2] ** 2)
    a[2] = x[3]
    a[3] = a[2] * x[0]
    return np.sum(a * x) + np.sum(x**2) * np.sum(b * x)


C = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def _into_constant(x):  # a traced array made from a closed-over constant, written into
    y = np.where(x > 10.0, x, C)  # (C's values, traced)
    y[0] = x[0]
    y[1] = x[1] * y[0]
    y[2] = x[2]
    return np.sum(y * x) + np.sum(C)


def _input_written(x):  # the caller's array is not written
    x[0] = x[1] * 2.0
    x[1] = x[2] * x[0]
    return np.sum(x**2)


def _cse(x):  # the same write twice (recorded once: y takes z's value) into two names, then a write into y
    y = np.zeros_like(x)
    y[0] = x[0]
    z = y.copy()
    z[1] = x[1]
    y[1] = x[1]
    y[2] = 3.0
    return np.sum(z * x) + np.sum(y * x)


def _repeated_zeros(x):  # zeros_like twice: the second one must not see the first one's writes
    y = np.zeros_like(x)
    y[0] = x[0]
    y[1] = x[1]
    y[2] = x[2]
    w = np.zeros_like(x)
    w[3] = x[3]
    return np.sum(y * x) + np.sum(w)


def _slice_writes(x):  # slices written: a slice of the target's cotangent is the value's (a view, until copied)
    y = np.zeros_like(x)
    y[0:2] = x[0:2] * 2.0
    y[2:4] = y[0:2] * x[2:4]
    y[1:3] = np.sin(y[2:4])
    y[3:5] = y[1:3] * x[4]
    return np.sum(y**2 * x)


def _shared_cotangent(x):  # y + x: add's rule hands one cotangent to both readers
    y = np.zeros_like(x)
    for i in range(4):
        y[i] = x[i] * (y[i - 1] if i else 1.0)
    a = y + x
    a[0] = a[1] * x[5]
    return np.sum(a**2) + np.sum(y * x)


def _two_readers(x):  # y read by a slice and by a product, then written again
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = np.cos(x[i]) * (y[i - 1] if i else 1.0) + y[i // 2]
    w = y * y[::-1]
    y[2] = w[3]
    return np.sum(w) + np.sum(y[1:4] ** 3)


CASES = {
    f.__name__: f
    for f in (
        _loop,
        _old_version,
        _alias,
        _read_by_a_rule,
        _slice_read,
        _augmented,
        _fancy,
        _at_chain,
        _into_constant,
        _input_written,
        _cse,
        _repeated_zeros,
        _slice_writes,
        _shared_cotangent,
        _two_readers,
    )
}
#: cases whose answer changes when a write leaks into an older version (test_a_leaking_write_is_caught)
LEAKY = ("_old_version", "_slice_read", "_at_chain")


def _at_chain_numpy(x):  # (_at_chain in NumPy's spelling: arrays have no .at)
    b = x.copy()
    b[0] = 1.0
    a = b.copy()
    a[1] = x[2] ** 2
    a[2] = x[3]
    a[3] = a[2] * x[0]
    return np.sum(a * x) + np.sum(x**2) * np.sum(b * x)


def _numpy_value(f, x):
    return (_at_chain_numpy if f is _at_chain else f)(np.array(x, copy=True))


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    same = a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    return same and (a.dtype == object or np.array_equal(np.signbit(a), np.signbit(b)))  # (-0.0 too)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("method", METHODS)
def test_value_and_grad_as_copying(name, method):
    f, x = CASES[name], X.copy()
    got = dl.value_and_grad(f, method=method)(x)
    assert np.array_equal(x, X)  # the input not written
    with _copying():
        want = dl.value_and_grad(f, method=method)(X.copy())
    assert _same(got[0], want[0]) and _same(got[1], want[1]), (got, want)
    assert got[0] == pytest.approx(_numpy_value(f, X), rel=1e-13)  # NumPy's own value: no write leaked


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_against_complex_step(name):
    f = CASES[name]
    g = dl.grad(f, method="reverse")(X.copy())
    h = 1e-30
    f = _at_chain_numpy if f is _at_chain else f
    want = np.array([np.imag(f(X + 1j * h * e)) / h for e in np.eye(X.size)])
    np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14)


SWEPT = ["_loop", "_old_version", "_read_by_a_rule", "_cse", "_augmented", "_slice_writes"]


@pytest.mark.parametrize("name", SWEPT + ["_shared_cotangent", "_two_readers"])
def test_second_order_and_transforms_as_copying(name):
    f, x = CASES[name], X.copy()
    v = np.linspace(-1.0, 1.0, X.size)
    runs = [
        lambda: dl.hessian(f, method="reverse")(x),
        lambda: dl.grad(lambda x: np.sum(dl.grad(f)(x) ** 2))(x),  # grad of grad
        lambda: dl.jvp(f, (x,), (v,)),
        lambda: dl.jvp(f, (x,), (v,), method=Forward(compiled=False)),  # (the interpreter: _Owned)
        lambda: dl.grad(f, method="forward")(x),
        lambda: dl.vjp(f, x)[1](1.0),
        lambda: dl.vmap(dl.grad(f))(np.stack([x, 0.5 * x, -x])),
    ]
    for run in runs:
        got = run()
        with _copying():
            want = run()
        for a, b in zip(flatten(got)[0], flatten(want)[0]):
            assert _same(a, b), (name, a, b)


@pytest.mark.parametrize("name", ["_loop", "_old_version", "_at_chain", "_input_written", "_slice_writes"])
@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_prepared_replays_as_copying(name, method):
    f = CASES[name]
    p = dl.prepare(f, X.copy(), method=method)
    x2 = X[::-1].copy()
    got = [p.value_and_grad(X.copy()), p.value_and_grad(x2.copy()), p.value_and_grad(X.copy())]
    with _copying():
        q = dl.prepare(f, X.copy(), method=method)
        want = [q.value_and_grad(X.copy()), q.value_and_grad(x2.copy()), q.value_and_grad(X.copy())]
    for (a, ga), (b, gb) in zip(got, want):
        assert _same(a, b) and _same(ga, gb)


def test_array_output_aliases_nothing():
    def f(x):
        y = np.zeros_like(x)
        for i in range(len(x)):
            y[i] = x[i] * (y[i - 1] if i else 1.0)
        return y

    x = X.copy()
    jac, out = dl.jacobian(f, method="reverse")(x), dl.value_and_grad(lambda x: np.sum(f(x)))(x)
    with _copying():
        want = dl.jacobian(f, method="reverse")(x)
    assert _same(jac, want) and np.array_equal(x, X)
    val = dl.jvp(f, (x,), (np.ones_like(x),))[0]
    assert not np.shares_memory(val, x) and np.array_equal(val, np.cumprod(X))
    assert out[0] == pytest.approx(np.sum(np.cumprod(X)), rel=1e-13)


def _returned_and_read(x):  # y returned, summed and sliced: its cotangent begins as the caller's seed
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = np.sin(x[i]) * (y[i - 1] if i else 1.0)
    return y, np.sum(y**2), y[1:3]


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_an_output_also_read_and_its_seed_not_written(method):
    x = X.copy()
    us = (np.linspace(1.0, 2.0, X.size), np.array(0.5), np.array([3.0, -1.0]))
    kept = [u.copy() for u in us]
    run = [
        lambda: dl.vjp(_returned_and_read, x, method=method)[1](us),
        lambda: dl.jacobian(lambda x: np.concatenate([_returned_and_read(x)[0], _returned_and_read(x)[2]]))(x),
        lambda: dl.jvp(_returned_and_read, (x,), (us[0],), method=Forward(compiled=False)),
    ]
    for r in run:
        got = r()
        with _copying():
            want = r()
        for a, b in zip(flatten(got)[0], flatten(want)[0]):
            assert _same(a, b)
    assert all(np.array_equal(u, k) for u, k in zip(us, kept)) and np.array_equal(x, X)


def _view_read_after_a_write():
    """A graph whose slice of y (a view, in the interpreters) is read after a later write into y: tracing refuses
    such code, but a graph's equations may come in any order their dependencies allow."""

    def f(x):
        y = np.zeros_like(x)
        y[0] = x[0]
        y[1] = x[1] * 2.0
        z = y[0:2]
        s = np.sum(z * x[0:2])
        del z
        y[0] = x[3]
        return s + np.sum(y**2)

    g = dl.trace(f, X.copy())
    names = [e.op.name for e in g.eqns]
    at = [k for k, n in enumerate(names) if n == "setitem"][-1]  # the last write, and its value's getitem
    cut = [k for k, e in enumerate(g.eqns) if e.op.name == "getitem" and e.params == (("idx", (slice(0, 2),)),)][0]
    moved = [g.eqns[at - 1], g.eqns[at]]
    rest = [e for k, e in enumerate(g.eqns) if k not in (at - 1, at)]
    return g._replace(eqns=(*rest[: cut + 1], *moved, *rest[cut + 1 :])), g


def test_a_view_read_after_a_write_is_not_written():
    from difflab.differentiators.forward import push

    reordered, g = _view_read_after_a_write()
    assert [e.op.name for e in reordered.eqns] != [e.op.name for e in g.eqns]
    v = np.linspace(-1.0, 1.0, X.size)
    got = push(reordered, [X.copy()], {reordered.inputs[0]: v.copy()})[0]
    want = push(g, [X.copy()], {g.inputs[0]: v.copy()})[0]
    assert _same(got.primal, want.primal) and _same(got.tangent, want.tangent)
    assert got.primal == pytest.approx(X[0] * X[0] + 2 * X[1] * X[1] + X[3] ** 2 + (2 * X[1]) ** 2, rel=1e-14)


def test_writes_of_traced_values_into_numpy_arrays_refused_as_before():
    def f(x):
        y = np.zeros(len(x))
        y[0] = x[0]
        return np.sum(y)

    with pytest.raises(dl.errors.TracerConversionError, match="stored into a NumPy array"):
        dl.grad(f)(X.copy())


def _setitem_impl_calls(f, x) -> int:
    """How many times tracing f called setitem's copying `impl` (a copy of the whole array each)."""
    op, calls = REGISTRY["setitem"], [0]
    impl = op.impl

    def counted(*args, **kw):
        calls[0] += 1
        return impl(*args, **kw)

    object.__setattr__(op, "impl", counted)
    try:
        dl.trace(f, x)
    finally:
        object.__setattr__(op, "impl", impl)
    return calls[0]


def test_a_loop_copies_the_array_once():
    # the first write copies zeros_like's array (where's output, whose rules may read it); every later one
    # writes in place
    assert _setitem_impl_calls(_loop, np.linspace(0.1, 1.0, 50)) == 1
    with _copying():
        assert _setitem_impl_calls(_loop, np.linspace(0.1, 1.0, 50)) == 50
    # a copy of y alive (z) makes the next write into y a copy, and the one after that is in place again
    assert _setitem_impl_calls(_old_version, X.copy()) == 2


def test_a_leaking_write_is_caught(monkeypatch):
    # the ownership check broken on purpose (any candidate written, whoever else holds it): the cases above
    # whose older versions are still seen must then give other numbers
    def careless(t, y):
        return type(y) is trace_module.Tracer and y._trace is t and y.node in t.unread

    monkeypatch.setattr(trace_module, "_writable", careless)
    wrong = 0
    for name in LEAKY:
        f = CASES[name]
        try:
            got = dl.value_and_grad(f, method="reverse")(X.copy())
        except Exception:  # (a broken check may also break the recording)
            wrong += 1
            continue
        monkeypatch.undo()
        want = dl.value_and_grad(f, method="reverse")(X.copy())
        monkeypatch.setattr(trace_module, "_writable", careless)
        wrong += not (_same(got[0], want[0]) and _same(got[1], want[1]))
    assert wrong == len(LEAKY)


def test_in_place_ops_declare_what_they_overwrite():
    # an op written in place of its first argument: its rules read neither that argument's value nor the
    # output's (the overwritten value's entry becomes a stand-in), and it carries no NaN through (Op.strict:
    # the guarded code's finiteness reasoning would otherwise reach an overwritten value)
    ops = [op for op in REGISTRY.values() if op.in_place is not None]
    assert [op.name for op in ops] == ["setitem"]
    for op in ops:
        assert 0 in op.unread and -1 in op.unread and not any(op.strict)


def _impl_calls(run, names=("setitem", "scatter_add")) -> int:
    """How many times `run()` called these ops' `impl` (each a new array of the whole target's size)."""
    calls, kept = [0], {name: REGISTRY[name].impl for name in names}

    def counting(impl):
        def counted(*args, **kw):
            calls[0] += 1
            return impl(*args, **kw)

        return counted

    for name, impl in kept.items():
        object.__setattr__(REGISTRY[name], "impl", counting(impl))
    try:
        run()
    finally:
        for name, impl in kept.items():
            object.__setattr__(REGISTRY[name], "impl", impl)
    return calls[0]


def test_the_sweeps_write_a_loop_s_cotangents_and_tangents_in_place():
    # reverse: setitem's rule zeroes idx of the cotangent the sweep owns, getitem's adds at idx (no zeros + sum);
    # forward: y's value and tangent written in place. A copy per write before (the counts under _copying)
    x, n = np.linspace(0.1, 1.0, 50), 50
    g = dl.trace(_loop, x)
    sweep = lambda: dl.grad(_loop)(x)  # noqa: E731
    jvp = lambda: dl.jvp(_loop, (x,), (np.ones_like(x),), method=Forward(compiled=False))  # noqa: E731
    assert _impl_calls(sweep) <= 3 and _impl_calls(jvp) <= 3  # (tracing's first copy; x's and y's first)
    with _copying():
        assert _impl_calls(sweep) >= 3 * n and _impl_calls(jvp) >= 3 * n
    assert len(g.eqns) > 4 * n


def test_forward_keeps_the_live_values_only():
    # the interpreter drops a value and tangent after its last reader: a loop's peak memory grows as n, not n²
    import tracemalloc

    def peak(n):
        x = np.linspace(0.1, 1.0, n)
        g = dl.trace(_loop, x)
        from difflab.differentiators.forward import push

        tracemalloc.start()
        push(g, [x], {g.inputs[0]: np.ones_like(x)})
        got = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return got

    assert peak(2000) < 6.0 * peak(500)  # (4× here: linear; n² would give 16×)


def test_a_careless_sweep_is_caught(monkeypatch):
    # each ownership check of the sweeps (differentiators/owned.py) broken on purpose: the cases above must then
    # give other numbers
    owned = importlib.import_module("difflab.differentiators.owned")
    push = importlib.import_module("difflab.differentiators.forward").push
    reordered, g = _view_read_after_a_write()
    v = np.linspace(-1.0, 1.0, X.size)
    want = push(g, [X.copy()], {g.inputs[0]: v.copy()})[0]
    for name, careless in [("views", lambda r, b: False), ("private_copy", lambda x: x)]:
        with monkeypatch.context() as m:
            m.setattr(owned, name, careless)
            got = push(reordered, [X.copy()], {reordered.inputs[0]: v.copy()})[0]
        assert not (_same(got.primal, want.primal) and _same(got.tangent, want.tangent)), name
    want = dl.value_and_grad(_slice_writes)(X.copy())
    for name, careless in [("may_view", lambda c, ct: False), ("private_copy", lambda x: x)]:
        with monkeypatch.context() as m:
            m.setattr(owned, name, careless)
            p = dl.prepare(_slice_writes, X.copy(), method="reverse")
            got = [p.value_and_grad(X.copy()) for _ in range(3)]
        assert not all(_same(a[1], want[1]) for a in got), name
