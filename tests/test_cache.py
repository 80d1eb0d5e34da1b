"""Caching never gives a stale number (issue 19): a cached transform answers what a fresh trace of
the function would, whatever the function read has changed to; caches are safe under threads and
do not keep fresh functions alive."""

import dataclasses
import gc
import sys
import threading
import weakref

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab import api, tree
from difflab.graph import counting

METHODS = ["symbolic", "numeric", "forward", "reverse"]
OPERATORS = ["grad", "value_and_grad", "jacobian", "hessian", "jvp", "vjp", "vmap"]
SITUATIONS = [
    "closed-over array changed in place",
    "global rebound",
    "new unhashable static per call",
    "static object's attribute changed",
    "static int array: same bytes, other dtype",
    "static 1 then True",
]

SCALE = 2.0  # rebound by the "global rebound" situation


def scaled_by_global(x):
    return dnp.sum(dnp.sin(x) * SCALE)


class Obj:
    """A plain object: hashed by identity, its attributes may change."""

    def __init__(self, scale):
        self.scale = scale


@dataclasses.dataclass
class Config:  # eq=True without frozen: unhashable
    scale: float


def situation(name, monkeypatch):
    """(f, statics before, change(), statics after): statics are made per call by the factories."""
    none = lambda: ()  # noqa: E731
    if name == "closed-over array changed in place":
        X = np.array([1.0, 2.0])

        def change():
            X[:] = [3.0, -1.0]

        return (lambda x: dnp.sum(dnp.sin(x * X))), none, change, none
    if name == "global rebound":
        return scaled_by_global, none, lambda: monkeypatch.setitem(globals(), "SCALE", 3.0), none
    if name == "new unhashable static per call":  # the freed config's id is reused by the next one
        return (
            (lambda x, cfg: dnp.sum(dnp.sin(x) * cfg.scale)),
            lambda: (Config(2.0),),
            lambda: None,
            lambda: (Config(3.0),),
        )
    if name == "static object's attribute changed":
        cfg = Obj(2.0)

        def change():
            cfg.scale = 3.0

        return (lambda x, c: dnp.sum(dnp.sin(x) * c.scale)), lambda: (cfg,), change, lambda: (cfg,)
    if name == "static int array: same bytes, other dtype":
        return (
            (lambda x, a: dnp.sum(dnp.sin(x) * a)),
            lambda: (np.array([255], np.uint8),),
            lambda: None,
            lambda: (np.array([-1], np.int8),),
        )
    if name == "static 1 then True":  # x[1] is one element, x[True] all of them
        return (lambda x, k: dnp.sum(dnp.sin(x[k]))), lambda: (1,), lambda: None, lambda: (True,)
    raise AssertionError(name)


def make(op, f, method):
    """A callable (x, *statics) -> the operator's result; transforms are built once, here, so that
    calling it again exercises their caches."""
    if op in ("grad", "value_and_grad", "jacobian", "hessian"):
        return getattr(dl, op)(f, method=method)
    if op == "jvp":
        return lambda x, *s: dl.jvp(lambda y: f(y, *s), (x,), (np.array([1.0, -2.0]),), method=method)
    if op == "vjp":

        def vjp(x, *s):
            y, pullback = dl.vjp(lambda y: f(y, *s), x, method=method)
            return y, pullback(1.0)

        return vjp
    if op == "vmap":  # a cached gradient of a function that maps f over the rows of its argument
        g = dl.grad(lambda xs, *s: dnp.sum(dl.vmap(lambda x: f(x, *s))(xs) * np.array([1.0, 2.0, 3.0])), method=method)
        return lambda x, *s: g(np.stack([x, 2.0 * x, -x]), *s)
    raise AssertionError(op)


def leaves(r):
    if isinstance(r, (tuple, list)):
        return [leaf for part in r for leaf in leaves(part)]
    return [np.asarray(r, dtype=float)]


@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", SITUATIONS)
def test_a_cached_transform_gives_what_a_fresh_trace_gives(name, method, op, monkeypatch):
    f, before, change, after = situation(name, monkeypatch)
    x = np.array([0.3, 0.7])
    call = make(op, f, method)
    stale = [call(x, *before()) for _ in range(3)]  # traced, cached, then the fast path
    change()
    got = call(x, *after())
    fresh = make(op, f, method)(x, *after())  # a new transform: a fresh trace
    for g, w, s in zip(leaves(got), leaves(fresh), leaves(stale[-1])):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    # the change matters: the old answer is far from the fresh one, so a stale cache would fail
    assert max(np.abs(s - w).max() for s, w in zip(leaves(stale[-1]), leaves(fresh))) > 1e-3


def test_integer_and_bool_statics_of_equal_value_are_different_graphs():
    g = dl.grad(lambda x, k: dnp.sum(dnp.sin(x[k])))
    x = np.array([0.3, 0.7])
    np.testing.assert_allclose(g(x, 1), [0.0, np.cos(0.7)])
    np.testing.assert_allclose(g(x, True), np.cos(x))
    np.testing.assert_allclose(g(x, 1), [0.0, np.cos(0.7)])


def test_a_helper_function_rebound_is_seen():
    namespace = {"dnp": dnp}
    exec("def helper(x):\n    return dnp.sin(x)\n\ndef f(x):\n    return dnp.sum(helper(x))\n", namespace)
    g = dl.grad(namespace["f"])
    x = np.array([0.3, 0.7])
    g(x), g(x)
    exec("def helper(x):\n    return dnp.cos(x)\n", namespace)
    np.testing.assert_allclose(g(x), -np.sin(x))


def test_a_closure_of_a_called_function_is_seen():
    def scaled(s):
        return lambda x: x * s

    h = scaled(2.0)
    g = dl.grad(lambda x: dnp.sum(h(x)))
    g(np.ones(2)), g(np.ones(2))
    h = scaled(5.0)  # noqa: F841 — rebinding the cell g's function reads
    np.testing.assert_allclose(g(np.ones(2)), [5.0, 5.0])


def test_an_opaque_read_is_traced_afresh_every_call():
    rng = np.random.default_rng(0)  # its state changes on every draw: never compared, never reused
    g = dl.grad(lambda x: dnp.sum(x * rng.normal(size=2)))
    a, b = g(np.ones(2)), g(np.ones(2))
    assert not np.allclose(a, b)


def test_prepare_is_trace_once_trust_me():
    X = np.array([1.0, 2.0])
    p = dl.prepare(lambda x: dnp.sum(x * X), np.ones(2))
    X[:] = [5.0, 7.0]
    np.testing.assert_allclose(p.grad(np.ones(2)), [1.0, 2.0])  # baked in when prepared
    np.testing.assert_allclose(dl.grad(lambda x: dnp.sum(x * X))(np.ones(2)), [5.0, 7.0])


def test_cache_is_bounded_and_fresh_functions_are_not_kept_alive():
    from difflab.compile import reads

    gc.collect()
    before = len(reads._READS)  # the live functions other tests of this process keep (module-level ones)
    g = dl.grad(lambda x, k: dnp.sum(x * k))
    for k in range(3 * api.CACHE_SIZE):
        g(np.ones(2), k)
    assert len(g.cache) <= api.CACHE_SIZE
    from difflab.compile import reads as _  # noqa: F401

    # (other tests' functions, alive in this worker, may have entries: count what this loop adds)
    before = len(sys.modules["difflab.compile.reads"]._READS)
    refs = []
    for i in range(2_000):  # 10,000 in test_fresh_functions_many_times (slow)
        f = lambda w, i=i: dnp.sum(w * w) * float(i)  # noqa: E731 — a fresh closure per call
        refs.append(weakref.ref(f))
        dl.grad(f)(np.ones(2))
    del f
    gc.collect()
    assert sum(r() is not None for r in refs) == 0
    assert len(sys.modules["difflab.compile.reads"]._READS) - before < 100


def test_threads_sharing_one_grad_get_their_own_gradients():
    def f(x):
        return dnp.sum(dnp.sin(x) * x)

    g = dl.grad(f)
    jac = dl.jacobian(lambda x: dnp.sin(x) * x)
    errors, wrong, counts = [], [], {}

    def work(k):
        x = np.full(3, 0.1 * (k + 1))
        want = np.cos(x) * x + np.sin(x)
        with counting() as cost:
            try:
                for i in range(750):  # 3000 calls in all
                    got = g(x) if i % 4 else np.diag(jac(x))
                    if not np.allclose(got, want, rtol=1e-12):
                        wrong.append((k, got))
            except Exception as err:  # noqa: BLE001 — any error in a thread is a failure here
                errors.append(repr(err))
        counts[k] = cost.eqns

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with counting() as here:
            threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == [] and wrong == []
    # each thread counted its own work; none of it shows in this thread's count
    assert len(counts) == 4 and min(counts.values()) > 0 and here.eqns == 0


@pytest.mark.slow
def test_fresh_functions_many_times_do_not_grow_memory():
    import tracemalloc

    x = np.ones(2)

    def calls(n):
        for i in range(n):
            dl.grad(lambda w, i=i: dnp.sum(w * w) * float(i))(x)
        gc.collect()

    calls(1_000)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    calls(10_000)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after - before < 1_000_000  # bytes: nothing per call is kept


def test_fresh_transforms_of_one_structure_share_its_signature_and_read_each_call():
    """A new dl.grad per call reuses the layout of an earlier call shaped alike (api.boundary
    `signature`, then the generated reader of `known_signature`): values, gradient structure and the
    Python-float leaves come out as from the first, checks that depend on values still run."""

    def f(p, x):
        return dnp.sum(dnp.tanh(x @ p["W"]) * p["b"]) + p["c"] * p["c"]

    p = {"W": np.ones((3, 2)), "b": np.array([1.0, 2.0]), "c": 3.0}
    x = np.arange(6.0).reshape(2, 3) / 10
    first = dl.value_and_grad(f)(p, x)
    for k in range(3):  # the second call learns the signature's reader, the third reads with it
        q = {"W": p["W"] * (k + 1), "b": p["b"], "c": 3.0 + k}
        v, g = dl.value_and_grad(f)(q, x)
        assert v == pytest.approx(float(f(q, x)), rel=1e-14)
        assert type(g["c"]) is float and g["c"] == 2 * (3.0 + k)
        g["W"][...] = 7.0  # the gradient's arrays are its own
        assert (q["W"] == k + 1).all()
    sig, xs = api.boundary.known_signature([p, x], 0)  # read by the generated reader, no flattening
    assert sig.plain and len(xs) == 4 and xs[-1] is x
    gx, gp = dl.grad(f, argnums=(1, 0))(p, x)  # other argnums: another signature, in that order
    assert gx.shape == x.shape and set(gp) == {"W", "b", "c"}
    assert first[1]["c"] == 6.0 and np.isnan(dl.grad(f)({**p, "c": np.nan}, x)["W"]).all()
    with pytest.raises(TypeError, match="leaf 2"):  # an int where the float was: its own signature, refused
        dl.grad(f)({**p, "c": 3}, x)


def test_generated_reader_reads_only_calls_shaped_as_learnt():
    """The generated reader (compile.reader) unpacks containers and checks the float leaves' types in
    one loop: a call shaped as the learnt one gives its graph inputs in order; a longer or shorter
    list, a tuple for a list, an int or NumPy float for a Python float, a dict with other keys, another
    static value, a missing or extra argument gives None (the general path). Its builder rebuilds the
    gradient pytree (Python floats where they were)."""
    p, q = [([1.0, 2.0], 3.0), {"a": np.ones(2)}], [5.0, 4]
    sig = api.boundary.Signature((p, q), 0, [tree.flatten(a) for a in (p, q)])
    sig.learn((p, q))
    read = sig.reader()
    xs = read((p, q))
    assert xs[:3] == [1.0, 2.0, 3.0] and xs[3] is p[1]["a"] and xs[4] == 5.0 and len(xs) == 5
    a = p[1]
    for bad in (
        ([([1.0, 2.0, 9.0], 3.0), a], q),  # a longer list
        ([([1.0], 3.0), a], q),  # a shorter one
        ([((1.0, 2.0), 3.0), a], q),  # a tuple where the list was
        ([([1.0, 2], 3.0), a], q),  # an int where a float was
        ([([1.0, 2.0], np.float64(3.0)), a], q),  # a NumPy float
        ([([1.0, 2.0], 3.0), {"b": np.ones(2)}], q),  # other keys
        ([([1.0, 2.0], 3.0), {"a": np.ones(3)}], q),  # another shape
        (p, [5.0, 5]),  # another static value
        (p, []),  # an empty list
        (p,),  # an argument missing
        (p, q, 1.0),  # one more
    ):
        assert read(bad) is None, bad
    empty = api.boundary.Signature(([], 2.0), 1, [tree.flatten(a) for a in ([], 2.0)])
    empty.learn(([], 2.0))  # an empty container stays empty
    assert empty.reader()(([], 2.0)) == [2.0] and empty.reader()(([1.0], 2.0)) is None
    parts = [np.float64(7.0), 8.0, 9.0, np.arange(2.0)]
    g = sig.build(parts)
    assert g[0] == ([7.0, 8.0], 9.0) and type(g[0][0][0]) is float and g[1]["a"] is parts[3] and set(g[1]) == {"a"}


@pytest.mark.parametrize("method", ["symbolic", "reverse"])
def test_losses_traced_on_one_example_keep_their_own_fast_reader(method):
    """A per-example loss prepared at batch 64 and then at batch 1 traces the same one-example graph;
    each prepared function's generated reader must read its own call (sharing the signature made
    the batch-1 function take the general path on every call: bench/symbolic.py's b1 rows)."""
    from difflab.nn import MLP

    rng = np.random.default_rng(0)
    loss = MLP([2, 4, 2], activation="tanh").loss("cross_entropy")
    params = {k: rng.normal(size=s) for k, s in (("W0", (2, 4)), ("b0", (4,)), ("W1", (4, 2)), ("b1", (2,)))}
    for batch in (64, 1, 64):
        X, Y = rng.normal(size=(batch, 2)), np.eye(2)[rng.integers(0, 2, batch)]
        p = dl.prepare(loss, params, X, Y, method=method)
        v, g = p.value_and_grad(params, X, Y)
        assert p.staged.fast((params, X, Y)) is not None
        v_ref, g_ref = dl.value_and_grad(loss, method="reverse")(params, X, Y)
        assert v == pytest.approx(v_ref, rel=1e-12)
        for k in params:
            np.testing.assert_allclose(g[k], g_ref[k], rtol=1e-10, atol=1e-14)
