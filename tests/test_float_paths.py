"""The scalar-graph fast paths (issue 17 §1) equal the general paths they shortcut.

Tracing: `Tracer`'s arithmetic operators record binary ops on two Python floats themselves
(trace._float_operator), and `Trace.record` a unary op on one (`_unary_float`); the graph must be
the one the general path (`Op.bind` → `Trace.record`'s loop) records.
Reverse: the float path (`backward(..., floats=True)`, difflab.compile.floats) applies registry partials to Python floats; its cotangents must equal
`backward`'s (the interpreter's generic sweep), bit for bit, including the equations it leaves to
the generic rules (arrays, ints, a partial that raises). Cached: the compiled tier's float program
(`lower_floats`, from a gradient's second call) equals the interpreter to rounding, and leaves
domain edges and non-float arguments to it. No timing here: speed lives in bench/scalar.py.
"""

from __future__ import annotations

import importlib
import math
import random
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab import ops
from difflab.compile import floats
from difflab.compile.floats import lower_floats
from difflab.differentiators import reverse
from difflab.differentiators.reverse import backward
from difflab.graph import evaluate
from difflab.trace import Trace, Tracer, outputs_of, trace_flat, traced_values

trace_module = importlib.import_module("difflab.trace")  # (difflab.trace is also the function)

GENERAL = {  # Tracer's operators as they were before the float path: Op.bind for everything
    "__add__": lambda s, o: ops.add(s, o),
    "__radd__": lambda s, o: ops.add(o, s),
    "__sub__": lambda s, o: ops.sub(s, o),
    "__rsub__": lambda s, o: ops.sub(o, s),
    "__mul__": lambda s, o: ops.mul(s, o),
    "__rmul__": lambda s, o: ops.mul(o, s),
    "__truediv__": lambda s, o: ops.div(s, o),
    "__rtruediv__": lambda s, o: ops.div(o, s),
    "__pow__": lambda s, o: ops.pow(s, o),
    "__rpow__": lambda s, o: ops.pow(o, s),
}


def _trace(f, xs):
    t, inputs, raw = trace_flat(f, list(xs))
    return outputs_of(t, inputs, [raw]), traced_values(t, inputs)


def _trace_general(f, xs, monkeypatch):
    with monkeypatch.context() as m:
        for name, fn in GENERAL.items():
            m.setattr(Tracer, name, fn)
        m.setattr(Trace, "_unary_float", lambda self, op, a: None)  # unary ops: record's general path
        return _trace(f, xs)


def _same(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _sweeps(graph, env, wrt):
    """(float sweep, generic sweep) cotangents of the one output, seeded as each path is seeded."""
    out = graph.outputs[0]
    with np.errstate(invalid="raise", divide="raise"):
        fast = backward(graph, env, wrt, {out: 1.0}, floats=True)
        slow = backward(graph, env, wrt, {out: np.ones(())})
    return fast, slow


def random_program(seed: int):
    """A random straight-line scalar program over 3 float inputs: binary operators (both sides,
    with float, int and identity constants), unary registry ops, repeated subexpressions."""
    rng = random.Random(seed)
    steps = []
    for _ in range(rng.randint(3, 25)):
        kind = rng.random()
        if kind < 0.55:
            steps.append(
                (
                    "bin",
                    rng.choice(["+", "-", "*", "/", "**"]),
                    rng.random() < 0.7,
                    rng.choice([None, None, 1.0, 0.0, 2.0, -0.5, 3, 0.0]),
                    rng.random() < 0.5,
                )
            )
        elif kind < 0.85:
            steps.append(("un", rng.choice(["tanh", "relu", "exp_small", "neg", "sin", "sqrt_abs"])))
        else:
            steps.append(("again",))  # the same operation as the previous one (CSE)

    def f(a, b, c):
        vals = [a, b, c]
        pick = random.Random(seed + 1)
        last = None
        for st in steps:
            x, y = pick.choice(vals), pick.choice(vals)
            if st[0] == "bin":
                _, op, var, const, flip = st
                other = y if var or const is None else const
                if op == "**":
                    x = dnp.exp(x * 0.1)  # a positive base
                    other = other if not isinstance(other, Tracer) else other * 0.1
                if op == "/":
                    other = (other * other + 0.5) if isinstance(other, Tracer) else (other or 2.0)
                fn = {
                    "+": lambda p, q: p + q,
                    "-": lambda p, q: p - q,
                    "*": lambda p, q: p * q,
                    "/": lambda p, q: p / q,
                    "**": lambda p, q: p**q,
                }[op]
                last = (fn, other, x, flip)
                v = fn(other, x) if flip and op not in "/**" else fn(x, other)
            elif st[0] == "un":
                fn = {
                    "tanh": dnp.tanh,
                    "relu": dnp.relu,
                    "exp_small": lambda z: dnp.exp(z * 0.01),
                    "neg": lambda z: -z,
                    "sin": dnp.sin,
                    "sqrt_abs": lambda z: dnp.sqrt(z * z + 1.0),
                }[st[1]]
                last = (lambda p, q, fn=fn: fn(p), None, x, False)
                v = fn(x)
            else:
                if last is None:
                    continue
                fn, other, x0, flip = last
                v = fn(x0, other)
            vals.append(v)
        total = vals[-1]
        for v in vals[3:-1]:
            total = total + v * 0.125
        return total

    return f


@pytest.mark.parametrize("seed", range(60))
def test_random_scalar_programs(seed, monkeypatch):
    f = random_program(seed)
    xs = [random.Random(seed).uniform(-2, 2) for _ in range(3)]
    g_fast, env_fast = _trace(f, xs)
    g_slow, env_slow = _trace_general(f, xs, monkeypatch)
    assert str(g_fast) == str(g_slow)  # the same tape: ops, operands, constants, CSE and folding
    assert _same(env_fast[g_fast.outputs[0]], env_slow[g_slow.outputs[0]])
    for wrt in [(0, 1, 2), (1,)]:
        fast, slow = _sweeps(g_fast, env_fast, wrt)
        assert all(_same(p, q) for p, q in zip(fast, slow)), (fast, slow)
    # end to end: the public gradient (float sweep) against the interpreter on 0-d arrays (generic sweep)
    got = dl.grad(f, argnums=(0, 1, 2), method=dl.Reverse(compiled=False))(*xs)
    ref = dl.grad(f, argnums=(0, 1, 2), method=dl.Reverse(compiled=False))(*[np.array(x) for x in xs])
    assert all(type(v) is float for v in got)
    np.testing.assert_allclose(got, [float(r) for r in ref], rtol=1e-12, atol=0)


def test_micrograd_style_net_both_paths(monkeypatch):
    rng = random.Random(3)
    w = [rng.uniform(-1, 1) for _ in range(12)]

    def f(*w):
        total = 0.0
        for x0, x1, y in [(0.5, -1.0, 1.0), (2.0, 0.25, -1.0), (0.0, 0.0, 1.0)]:
            h = [dnp.relu(w[3 * k] * x0 + w[3 * k + 1] * x1 + w[3 * k + 2] + 0.75) for k in range(3)]
            out = sum((wi * hi for wi, hi in zip(w[9:], h)), 0.0)
            total = total + (out - y) * (out - y)
        return total * (1.0 / 3)

    g_fast, env_fast = _trace(f, w)
    g_slow, env_slow = _trace_general(f, w, monkeypatch)
    assert str(g_fast) == str(g_slow)
    fast, slow = _sweeps(g_fast, env_fast, tuple(range(12)))
    assert all(_same(p, q) for p, q in zip(fast, slow))
    assert any(p != 0.0 for p in fast)


def test_strong_zeros_and_domain_edges():
    # a zero cotangent through sqrt at 0 is 0 (strong zero), not 0·∞; both sweeps agree
    f = lambda x, y: dnp.sqrt(x) * 0.0 + y * y  # noqa: E731
    g, env = _trace(f, [0.0, 3.0])
    fast, slow = _sweeps(g, env, (0, 1))
    assert _same(fast[0], 0.0) and _same(slow[0], 0.0) and fast[1] == 6.0
    # a genuinely infinite derivative (sqrt at 0) goes to the generic rule: inf with its DomainWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = dl.grad(lambda x: dnp.sqrt(x) * 2.0, method=dl.Reverse(compiled=False))(0.0)
    assert d == math.inf
    assert any(issubclass(w.category, dl.DomainWarning) for w in caught)
    # a partial dividing by zero in Python's floats (x / y at y = 0): the generic rule, same numbers
    g, _ = _trace(lambda x, y: x / y, [1.0, 0.0])
    env = {g.inputs[0]: 1.0, g.inputs[1]: 0.0, g.eqns[0].out: math.inf}  # (a trace keeps no values past an inf)
    with np.errstate(all="ignore"):
        fast = backward(g, env, (0, 1), {g.outputs[0]: 1.0}, floats=True)
        slow = backward(g, env, (0, 1), {g.outputs[0]: np.ones(())})
    assert all(_same(p, q) for p, q in zip(fast, slow))


def test_array_and_int_equations_in_a_float_sweep():
    # floats after an array reduction: the float sweep leaves the array equations to the generic rules
    X = np.array([0.5, -1.0, 2.0])

    def f(a, b):
        s = dnp.sum(X * a)  # an array equation
        return s * b + b * 2 + a**2.0  # an int constant (2) is not a float: the general path

    g, env = _trace(f, [1.5, -0.5])
    fast, slow = _sweeps(g, env, (0, 1))
    assert all(_same(p, q) for p, q in zip(fast, slow))
    got = dl.grad(f, argnums=(0, 1))(1.5, -0.5)
    np.testing.assert_allclose(got, (X.sum() * -0.5 + 2 * 1.5, X.sum() * 1.5 + 2), rtol=1e-14)


ARRAY_LOSSES = {  # scalar losses over arrays: the float sweep's array steps (elementwise, broadcast)
    "mlp": lambda W, b, X: dnp.sum(dnp.tanh(X @ W + b) * X[:, :1]) * (1.0 / 3.0),
    "sub-exp": lambda W, b, X: dnp.sum(dnp.exp(W) - b * W - 2.0),
    "sqrt": lambda W, b, X: dnp.sum(dnp.sqrt(W * W) * b + W * 0.0),  # strong, with singular points
    "div": lambda W, b, X: dnp.sum(W / (b * b + 1.0)),
    "relu-where": lambda W, b, X: dnp.sum(dnp.where(W > 0.0, W * b, -W) + dnp.relu(W - b)),
    "log-softmax": lambda W, b, X: dnp.sum(X[:, :3] * dnp.log_softmax(X @ W + b, axis=1)) * -0.5,
    "tanh-inf": lambda W, b, X: dnp.sum(dnp.tanh(W) * (b * W)),  # an infinite ū meets tanh's 0 partial
}
SPECIAL = {"plain": None, "zero": 0.0, "nan": math.nan, "inf": math.inf, "-inf": -math.inf}


@pytest.mark.parametrize("special", SPECIAL)
@pytest.mark.parametrize("name", ARRAY_LOSSES)
def test_array_equations_in_a_float_sweep(name, special):
    # the float sweep's array steps (compile.floats `_array_step`) equal the generic rules bit for bit,
    # with zeros (strong zeros), NaN and ±inf in a weight (then the generic rules decide, warnings too)
    rng = np.random.default_rng(len(name))
    W, b, X = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=(4, 3))
    if SPECIAL[special] is not None:
        W[1, 2] = SPECIAL[special]
        b[0] = 0.0
    g, _ = _trace(lambda W, b: ARRAY_LOSSES[name](W, b, X), [W, b])
    with warnings.catch_warnings():  # (a DomainWarning each, where the generic rules take over)
        warnings.simplefilter("ignore")
        env: dict = {}
        evaluate(g, W, b, env=env)
        with np.errstate(invalid="raise", divide="raise"):  # as reverse's sweep runs
            fast = backward(g, env, (0, 1), {g.outputs[0]: 1.0}, floats=True)
            slow = backward(g, env, (0, 1), {g.outputs[0]: np.ones(())})
    assert all(_same(p, q) for p, q in zip(fast, slow)), (fast, slow)
    for p, x in zip(fast, (W, b)):
        assert np.shape(p) == x.shape and p is not x


def test_array_steps_are_taken():
    # the MLP's elementwise equations are swept by the array steps, not the generic rules
    W, b, X = np.ones((3, 3)), np.zeros(3), np.ones((4, 3))
    g, env = _trace(lambda W, b: ARRAY_LOSSES["mlp"](W, b, X), [W, b])
    pulled = []

    def pull(eqn, *rest):
        pulled.append(eqn.op.name)
        reverse._pull(eqn, *rest)

    with np.errstate(invalid="raise", divide="raise"):
        floats.backward_floats(g, env, (0, 1), {g.outputs[0]: 1.0}, pull)
    assert pulled == []  # (matmul and sum by their `array_vjp`, every value being finite)
    W[0, 0] = np.inf  # a non-finite argument: the generic rules decide (strong zeros, warnings)
    g, env = _trace(lambda W, b: ARRAY_LOSSES["mlp"](W, b, X), [W, b])
    with np.errstate(invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        floats.backward_floats(g, env, (0, 1), {g.outputs[0]: 1.0}, pull)
    assert "matmul" in pulled


def test_nested_traces_take_the_general_path():
    # the inner gradient's tracers belong to the inner trace; the outer one's enter as constants
    d2 = dl.grad(dl.grad(lambda x: x * x * x + 2.0 * x))(1.5)
    assert d2 == pytest.approx(6 * 1.5)
    h = dl.grad(lambda y: dl.grad(lambda x: x * y * y)(2.0))(3.0)
    assert h == pytest.approx(2 * 3.0)


# -- the compiled tier's float program (compile.floats.lower_floats): a cached scalar gradient -------


def _interpreted(f, xs, argnums):
    return dl.value_and_grad(f, argnums=argnums, method=dl.Reverse(compiled=False))(*xs)


@pytest.mark.parametrize("seed", range(60))
def test_float_program_equals_the_interpreter(seed):
    f = random_program(seed)
    xs = [random.Random(seed).uniform(-2, 2) for _ in range(3)]
    g, env = _trace(f, xs)
    for wrt in [(0, 1, 2), (1,), (2, 0)]:
        fn = lower_floats(g, wrt, xs)
        assert fn is not None and fn.program[0]  # these programs are all scalar: the float program takes them
        try:
            got = fn(*xs)
        except FloatingPointError:  # a domain edge: the interpreter answers (tested below)
            continue
        ref_out = env[g.outputs[0]]
        with np.errstate(invalid="raise", divide="raise"):
            ref = backward(g, dict(env), wrt, {g.outputs[0]: 1.0}, floats=True)
        assert all(type(v) is float for v in got)
        np.testing.assert_allclose(got, [ref_out, *ref], rtol=1e-13, atol=0)
    # end to end: a cached dl.grad (third call: the float program) equals the interpreter's
    cached = dl.value_and_grad(f, argnums=(0, 1, 2))
    for _ in range(3):
        value, grads = cached(*xs)
    ref_value, ref_grads = _interpreted(f, xs, (0, 1, 2))
    assert type(value) is float and all(type(v) is float for v in grads)
    np.testing.assert_allclose([value, *grads], [ref_value, *ref_grads], rtol=1e-13, atol=0)


def test_a_cached_scalar_gradient_runs_the_float_program(monkeypatch):
    ran = []
    real = floats.lower_floats

    def spy(graph, wrt, args):
        fn = real(graph, wrt, args)
        ran.append(fn)
        return fn

    monkeypatch.setattr(reverse, "lower_floats", spy)
    f = random_program(7)
    g = dl.grad(f, argnums=(0, 1))
    results = [g(0.3, -1.2, 0.8) for _ in range(4)]
    assert len(ran) == 1 and ran[0] is not None  # lowered once, at the second call
    assert results[0] == results[1] == results[2] == results[3]
    # a graph with an array equation is not a float program (the NumPy lowering takes it)
    X = np.array([0.5, -1.0, 2.0])
    h = dl.grad(lambda a: dnp.sum(X * a) * a)
    assert [h(1.5) for _ in range(3)] == [2 * X.sum() * 1.5] * 3
    assert ran[-1] is None


def test_float_program_domain_edges_go_to_the_interpreter():
    # sqrt at 0 under a zero cotangent: the program meets 0·∞ (NaN) and the interpreter answers 0
    f = lambda x, y: dnp.sqrt(x) * 0.0 + y * y  # noqa: E731
    g, _ = _trace(f, [0.0, 3.0])
    with pytest.raises(FloatingPointError):
        lower_floats(g, (0, 1), (0.0, 3.0))(0.0, 3.0)
    cached = dl.grad(f, argnums=(0, 1))
    assert [cached(0.0, 3.0) for _ in range(3)] == [(0.0, 6.0)] * 3
    # a division by zero at a later call: the same inf and the DomainWarning as the interpreter's
    div = dl.grad(lambda x, y: x / y, argnums=(0, 1))
    div(1.0, 2.0), div(1.0, 2.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = div(1.0, 0.0)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        ref = dl.grad(lambda x, y: x / y, argnums=(0, 1), method=dl.Reverse(compiled=False))(1.0, 0.0)
    assert _same(got, ref) and any(issubclass(w.category, dl.DomainWarning) for w in caught)
    # 0-d arrays are not Python floats: the interpreter answers, and a 0-d array leaf gets a 0-d array back
    arr = dl.grad(lambda x: dnp.tanh(x) * x)
    want = np.tanh(0.5) + 0.5 / np.cosh(0.5) ** 2
    for _ in range(3):
        g = arr(np.array(0.5))
        assert type(g) is np.ndarray and g.shape == () and g == pytest.approx(want, rel=1e-15)


# -- the registry's float forms (Op.float_rules): partials the float sweep applies without a call ----


def test_float_rule_forms_equal_their_partials():
    # a constant form is the partial's value, an argument form the value of that argument, wherever
    # the op is defined; add, sub and mul (most of micrograd-style code) take those forms
    forms = 0
    for op in ops.REGISTRY.values():
        for (how, strong), (partial, strong_too) in zip(op.float_rules, op.float_partials):
            assert strong == strong_too
            if callable(how) or how is None:
                assert how is partial
                continue
            forms += 1
            for xs in [(0.7, -1.3), (-2.5, 4.0), (3.0, 0.5)][: 3 if op.nargs == 2 else 1]:
                xs = xs[: op.nargs]
                y = op.py(*xs)
                want = partial(y, *xs)
                assert (how if type(how) is float else xs[how]) == want, (op.name, xs)
    assert forms >= 6
    assert [type(h) for h, _ in ops.add.float_rules] == [float, float]
    assert [h for h, _ in ops.sub.float_rules] == [1.0, -1.0]
    assert [h for h, _ in ops.mul.float_rules] == [1, 0]


def test_an_unreached_float_input_gets_a_float_zero():
    # (the sweep never reaches y: its cotangent is the Python float 0.0, as the API returns for it)
    got = dl.grad(lambda x, y: x * 3.0 + 1.0, argnums=(0, 1), method=dl.Reverse(compiled=False))(2.0, 5.0)
    assert got == (3.0, 0.0) and [type(p) for p in got] == [float, float]
    g, env = _trace(lambda x, y: x * 3.0, [2.0, 5.0])
    fast = backward(g, env, (0, 1), {g.outputs[0]: 1.0}, floats=True)
    slow = backward(g, env, (0, 1), {g.outputs[0]: np.ones(())})
    assert fast == [3.0, 0.0] and all(_same(p, q) for p, q in zip(fast, slow))


# -- the registry's plain VJP forms on concrete values (Op.array_vjp) -----------------------------


@pytest.mark.parametrize("name", sorted(n for n, op in ops.REGISTRY.items() if op.array_vjp))
def test_array_vjp_equals_the_rule(name):
    # on finite values an op's `array_vjp` gives its VJP rule's numbers bit for bit (or declines)
    op, rng = ops.REGISTRY[name], np.random.default_rng(3)
    assert len(op.array_vjp) == len(op.vjp)
    taken = 0
    for args, params in ops.examples(op, rng):
        args = [np.asarray(a, dtype=float) for a in args]
        out = np.asarray(op.impl(*args, **params), dtype=float)
        for ct in (rng.normal(size=out.shape), 1.5 if out.shape == () else np.full(out.shape, 0.0)):
            for i, (fast, rule) in enumerate(zip(op.array_vjp, op.vjp)):
                if rule is None or fast is None:
                    continue
                with np.errstate(invalid="raise", divide="raise"):
                    got = fast(ct, out, *args, **params)
                    if got is None:
                        continue
                    want = rule(ct, out, *args, **params)
                assert _same(np.broadcast_to(got, np.shape(want)), want) and np.shape(got) == np.shape(want), (
                    i,
                    params,
                )
                taken += 1
    assert taken  # each op's plain form answers some of its samples


def _array_program(W, b, X, Y):
    """An MLP-like loss over arrays: what `Trace._arrays` (ops with and without params) and
    `Trace._with_float` (a traced array or NumPy scalar with a Python float) record."""
    h = dnp.tanh(X @ W + b)
    h2 = dnp.tanh(X @ W + b)  # the same equations again (CSE)
    lp = dnp.log_softmax(h * 1.0 + h2, axis=1)  # x * 1.0 folds to x
    s = dnp.sum(Y * lp, axis=0) + dnp.sum(Y * lp, axis=0)
    total = dnp.sum(s) * (-1.0 / 3) + 0.0
    return 2.0 - total / 4.0 + 0.5 * dnp.sum(2.0 * (1.0 - h)) + dnp.mean(dnp.exp(0.5 + lp))


def test_array_fast_paths_record_the_general_tape(monkeypatch):
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2, 2)), rng.normal(size=2), rng.normal(size=(3, 2)), np.eye(3)[:, :2]]
    g_fast, env_fast = _trace(_array_program, xs)
    with monkeypatch.context() as m:  # record's general path for every equation, and the inputs' loop
        m.setattr(Trace, "_arrays", lambda self, *a: None)
        m.setattr(Trace, "_with_float", lambda self, *a: None)
        m.setattr(trace_module, "_plain_inputs", lambda t, leaves, floats: trace_module._inputs(t, leaves))
        g_slow, env_slow = _trace(_array_program, xs)
    assert str(g_fast) == str(g_slow)  # the same tape: ops, operands, params, constants, CSE and folding
    names = [e.op.name for e in g_fast.eqns]
    assert names.count("matmul") == 1 and names.count("tanh") == 1  # h2 is h (CSE)
    assert "1.0)" not in str(g_fast)  # h * 1.0 folded, not recorded
    assert all(_same(env_fast[v], env_slow[w]) for v, w in zip(g_fast.outputs, g_slow.outputs))
    assert [type(env_fast[e.out]) for e in g_fast.eqns] == [type(env_slow[e.out]) for e in g_slow.eqns]


def test_a_fresh_gradient_leaves_the_collector_as_it_was():
    # value_and_grad's general call runs with the collector paused (trace.gc_paused): on again after
    # it, also when f raises; off if the user had turned it off
    import gc

    assert gc.isenabled()
    assert dl.grad(lambda x: x * x)(3.0) == 6.0 and gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        dl.grad(lambda x: x * (1 / 0))(3.0)
    assert gc.isenabled()
    gc.disable()
    try:
        assert dl.grad(lambda x: x * x)(2.0) == 4.0 and not gc.isenabled()
    finally:
        gc.enable()


def _unary_program(a, b):
    """Unary ops on Python floats (Op.bind's one-argument case, `Trace.record_one`): relu, tanh, exp,
    the same op on the same value again (CSE)."""
    h = dnp.relu(a * b) + dnp.relu(a * b) + dnp.relu(-a)
    return dnp.tanh(h) * dnp.exp(b) + dnp.abs(a - b)


def test_one_argument_ops_record_the_general_tape(monkeypatch):
    over = lambda a, b: dnp.exp(dnp.exp(b * 200.0)) + a  # noqa: E731  (exp of 1e113 is not finite: NumPy decides)
    g_fast, env_fast = _trace(_unary_program, [0.7, 1.3])
    with monkeypatch.context() as m:  # record's general path for every one-argument op
        m.setattr(Trace, "record_one", lambda self, op, a, params: self.record(op, (a,), params))
        m.setattr(Trace, "_unary_float", lambda self, op, a: None)
        g_slow, env_slow = _trace(_unary_program, [0.7, 1.3])
        over_slow = str(dl.trace(over, 0.7, 1.3))
    assert str(g_fast) == str(g_slow)
    assert [e.op.name for e in g_fast.eqns].count("relu") == 2  # relu(a * b) once (CSE)
    assert [type(env_fast[e.out]) for e in g_fast.eqns] == [type(env_slow[e.out]) for e in g_slow.eqns]
    assert all(_same(env_fast[e.out], env_slow[w.out]) for e, w in zip(g_fast.eqns, g_slow.eqns))
    assert str(dl.trace(over, 0.7, 1.3)) == over_slow and "exp(v3)" in over_slow


def test_relu_partial_on_floats_arrays_and_traced_values():
    # relu's partial is (x > 0) * 1: a Python float on floats (the float sweep binds no op), the same
    # numbers as greater(x, 0.0) * 1.0 on arrays, an equation on traced values (zero second derivative)
    ((partial, _),) = ops.relu.float_partials
    for x in (2.0, -1.0, 0.0, math.inf, -math.inf, math.nan):
        assert type(partial(ops.relu.py(x), x)) is float and partial(0.0, x) == (1.0 if x > 0.0 else 0.0)
    xs = np.array([2.0, -1.0, 0.0, np.inf, np.nan])
    assert _same(partial(None, xs), ops.greater(xs, 0.0) * 1.0)
    assert dl.grad(lambda x: dnp.relu(x) * x)(3.0) == 6.0 and dl.grad(lambda x: dnp.relu(x) * x)(-3.0) == 0.0
    assert dl.hessian(lambda x: dnp.sum(dnp.relu(x) * 2.0))(np.array([1.0, -1.0])).tolist() == [[0.0, 0.0], [0.0, 0.0]]


# -- what the float sweep knows finite (compile.floats `_Generic.cover`, `fine`) --------------------


def _mlp_call():
    rng = np.random.default_rng(3)
    p = {
        "W0": rng.normal(size=(2, 4)),
        "b0": rng.normal(size=4),
        "W1": rng.normal(size=(4, 3)),
        "b1": rng.normal(size=3),
    }
    X, Y = rng.normal(size=(5, 2)), np.eye(3)[[0, 1, 2, 0, 1]]
    return dl.nn.MLP([2, 4, 3], activation="tanh").loss("cross_entropy"), p, X, Y


def _interpreter_gradient(f, args, monkeypatch, argnums=0):
    """A fresh value_and_grad with reverse's float sweep off: the interpreter's generic sweep (the spec)."""
    with monkeypatch.context() as m:
        m.setattr(reverse, "float_seeds", lambda *a: None)
        return dl.value_and_grad(f, argnums=argnums)(*args)


def test_the_float_sweep_covers_the_weights_by_few_checks(monkeypatch):
    """The MLP's fresh sweep checks the loss (a float: no array pass), which covers h W1 + b1 and all
    that reaches it through strict arguments (W1, b1, h), and x W0 + b0 (tanh is not strict), which
    covers x, W0 and b0: one array check, not 6 operand checks and the API's 4 weight checks. A
    cotangent that is a checked ū·∂ (tanh's, the product's) is not tested again before matmul."""
    f, p, X, Y = _mlp_call()
    g, env = _trace(lambda *xs: f(dict(zip(p, xs[:4])), xs[4], xs[5]), [*p.values(), X, Y])
    checks, dots = [], []
    monkeypatch.setattr(floats, "_finite_array", lambda x: checks.append(x.shape) or bool(np.isfinite(x).all()))
    monkeypatch.setattr(floats, "_vdot", lambda a, b: dots.append(a.shape) or np.vdot(a, b))
    known: dict = {}
    with np.errstate(invalid="raise", divide="raise"):
        fast = floats.backward_floats(g, env, (0, 1, 2, 3), {g.outputs[0]: 1.0}, reverse._pull, known)
    assert checks == [(5, 4)]  # x W0 + b0
    assert all(known.get(g.inputs[i]) for i in range(5))  # every weight and X: no check of their own
    assert len(dots) == 3  # the products ū·∂ of mul and tanh, and the ū log_softmax gives h W1 (not a product)
    slow = backward(g, env, (0, 1, 2, 3), {g.outputs[0]: np.ones(())})
    assert all(_same(a, b) for a, b in zip(fast, slow))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("key", ["W0", "b0", "W1", "b1", "X"])
def test_a_fresh_gradient_with_a_non_finite_entry_is_the_interpreter_s(key, bad, monkeypatch):
    # where a weight or input is not finite, no cover stands in for its check: the fresh call's
    # gradient (NaN where the API says so, the generic rules' strong zeros) is the interpreter's
    f, p, X, Y = _mlp_call()
    if key == "X":
        X[1, 0] = bad
    else:
        p[key].reshape(-1)[-1] = bad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.DomainWarning)
        v, g = dl.value_and_grad(f)(p, X, Y)
        v0, g0 = _interpreter_gradient(f, (p, X, Y), monkeypatch)
    assert _same(v, v0) and all(_same(g[k], g0[k]) for k in p), (g, g0)
    if key != "X":
        assert not np.isfinite(g[key]).all()


def test_an_empty_output_covers_nothing(monkeypatch):
    # X0 @ W is empty (0 rows): finite, yet it says nothing about W, whose ∞ must still give NaN there
    X0 = np.ones((0, 2))

    def f(W, b):
        return dnp.sum(X0 @ W + b) + dnp.sum(b * b)

    W, b = np.array([[1.0, np.inf], [2.0, 3.0]]), np.array([0.5, -1.0])
    v, (gW, gb) = dl.value_and_grad(f, argnums=(0, 1))(W, b)
    v0, (gW0, gb0) = _interpreter_gradient(f, (W, b), monkeypatch, argnums=(0, 1))
    assert v == v0 == 1.25 and _same(gb, gb0) and _same(gW, gW0)
    assert np.isnan(gW[0, 1]) and (gW[[0, 1, 1], [0, 0, 1]] == 0.0).all()


# -- the error states set without np.errstate's Python layers (graph.raising, trace._Watch) ----------


def test_the_sweep_s_and_the_trace_s_error_states_are_numpy_s():
    from difflab.graph import raising

    before = np.geterr()
    with np.errstate(over="raise"), raising():
        assert np.geterr() == {**before, "over": "raise", "invalid": "raise", "divide": "raise"}
    assert np.geterr() == before and np.geterrcall() is None
    seen = []

    def mine(kind, flag):  # a user's own handler: the trace does not call it, and it is back after
        seen.append(kind)

    with np.errstate(all="call", call=mine):
        t = Trace()
        with t.watch():
            assert np.geterr()["under"] == "ignore" and np.geterr()["invalid"] == "call"
            np.log(np.array([-1.0]))
            assert t.fp_error
            inner, t.fp_error = Trace(), False
            with np.errstate(over="call"), inner.watch():  # the state changed under t: chained by NumPy's answer
                np.exp(np.array([1000.0]))
            assert t.fp_error and inner.fp_error
            inner, t.fp_error = Trace(), False
            with inner.watch():  # t's own state: chained without asking NumPy
                np.sqrt(np.array([-1.0]))
            assert t.fp_error and inner.fp_error
        assert seen == [] and np.geterrcall() is mine
        np.log(np.array([-1.0]))
    assert seen == ["invalid value"] and np.geterrcall() is None


def test_an_inner_trace_s_nan_marks_the_enclosing_trace_s_values(monkeypatch):
    # the inner trace's callback tells the enclosing one (its values then are not reused): both watch
    trace_module = importlib.import_module("difflab.trace")  # (difflab.trace is also the function dl.trace)

    outer_flags = []
    real = trace_module._watch

    def watch(t):
        outer_flags.append(t)
        return real(t)

    monkeypatch.setattr(trace_module, "_watch", watch)
    g = dl.grad(lambda y: dl.grad(lambda x: dnp.sqrt(x - 5.0) * y)(2.0))(3.0)
    assert math.isnan(g) and len(outer_flags) >= 2 and all(t.fp_error for t in outer_flags)


# -- a fresh gradient's fixed per-call work (fresh19): its seed, its value, its few inputs -------------


@pytest.mark.parametrize(
    "f, x, value, grad",
    [
        (lambda x: x * x, 3.0, 9.0, 6.0),  # a Python float loss
        (lambda x: dnp.sum(x * x), np.array([1.0, 2.0]), 5.0, np.array([2.0, 4.0])),  # a NumPy float64 loss
        (lambda x: x, 2.5, 2.5, 1.0),  # the loss is the input itself
        (lambda x: 7.0, 2.5, 7.0, 0.0),  # a constant loss: no equation seeded
        (lambda x: dnp.reshape(x, ()), np.array([1.5]), 1.5, np.array([1.0])),  # a 0-d array loss
    ],
)
def test_a_fresh_scalar_loss_is_seeded_and_returned_as_before(f, x, value, grad, monkeypatch):
    # the fresh call seeds the float sweep with ū = 1.0 and returns the loss as a Python float itself;
    # the interpreter's generic sweep (seeded by its ones vector) and the general output path agree
    v, g = dl.value_and_grad(f)(x)
    v0, g0 = _interpreter_gradient(f, (x,), monkeypatch)
    assert type(v) is float and v == v0 == value
    assert type(g) is type(g0) and _same(g, g0) and _same(g, grad)
    if isinstance(x, np.ndarray):
        assert not np.shares_memory(g, x)


def test_a_fresh_scalar_loss_takes_the_float_seed(monkeypatch):
    # the seed is float_seeds' answer (its single-output case): patched away, the generic sweep runs
    seen = []
    real = reverse.float_seeds
    monkeypatch.setattr(reverse, "float_seeds", lambda *a: (lambda r: seen.append((a[3], dict(r))) or r)(real(*a)))
    assert dl.grad(lambda x: x * x * x)(2.0) == 12.0
    assert len(seen) == 1 and seen[0][0] is None  # no seeds split from a ones vector: ū = 1.0 itself
    assert [type(s) for s in seen[0][1].values()] == [float] and list(seen[0][1].values()) == [1.0]
    assert floats.float_seeds((), {}, np.ones(1), {}) is not None  # (no outputs: as before, an empty seed)
    assert floats.float_seeds(("not a Var",), {}, np.ones(1), {}) is None


@pytest.mark.parametrize("n", [1, 8, 9, 40])
@pytest.mark.parametrize("kind", ["float", "array"])
def test_few_and_many_leaves_become_the_same_inputs(n, kind):
    # up to 8 leaves take _inputs' loop, more _plain_inputs' C loops: the same Vars, values and gradient
    leaves = [float(i + 1) if kind == "float" else np.full((2,), i + 1.0) for i in range(n)]
    t, inputs, raw = trace_flat(lambda *xs: sum(xs[1:], xs[0] * xs[0]), leaves)
    g = outputs_of(t, inputs, [raw])
    assert [v.id for v in g.inputs] == list(range(n))
    assert all(v.dtype == np.float64 and v.shape == np.shape(x) for v, x in zip(g.inputs, leaves))
    assert all(traced_values(t, inputs)[v] is x for v, x in zip(g.inputs, leaves))
    grads = dl.grad(lambda *xs: dnp.sum(sum(xs[1:], xs[0] * xs[0])), argnums=tuple(range(n)))(*leaves)
    assert _same(grads[0], 2.0 * np.asarray(leaves[0]) if kind == "array" else 2.0)
    assert all(_same(gk, np.ones_like(leaves[0])) for gk in grads[1:])


def test_the_compiled_sweeps_compute_a_quotient_partial_as_the_interpreter_does():
    """log's, sqrt's, arctan's and x**-0.5's rules are (n·ū)/den (ops.core.quotient_partial): the float program
    (second call on) and the step over arrays compute that too, not ū·(n/den), which differs in the last bit
    (3·log(x)'s slope at 0.728...: 4.119718309859155 interpreted, ...156 compiled, on main before session 44)."""
    xs = np.linspace(0.3, 17.0, 40)
    cases = [
        (lambda x: dnp.log(x) * 3.0, lambda x: 3.0 / x),
        (lambda x: dnp.reciprocal(x) * 3.0, lambda x: (-(1.0 / x) * 3.0) / x),
        (lambda x: dnp.sqrt(x) * 3.0, lambda x: (0.5 * 3.0) / np.sqrt(x)),
    ]
    for f, rule in cases:
        g = dl.grad(f, method="reverse")
        for x in xs[::7]:
            first, second, third = g(float(x)), g(float(x)), g(float(x))
            assert first == second == third == rule(float(x)), (first, second, third)
        arrays = dl.grad(lambda v: dnp.sum(f(v)), method="reverse")(xs)
        np.testing.assert_array_equal(arrays, rule(xs))
    for f in (lambda x: dnp.arctan(x) * 3.0, lambda x: (x * x + 1.0) ** -0.5):
        g = dl.grad(f, method="reverse")
        for x in xs[::3]:
            assert g(float(x)) == g(float(x)) == g(float(x))
