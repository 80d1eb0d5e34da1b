"""Registry-driven tests: each check runs over every op in difflab.ops.REGISTRY, nothing per-op."""

import dataclasses
import itertools

import types

import numpy as np
import pytest
import sympy as sp

import difflab as dl
from difflab.differentiators.symbolic import to_sympy
from difflab.ops import REGISTRY, draw, examples
from difflab.ops.core import _advanced_apart
from test_compiled import check_symbolic_code
from tier import one_per

CASES = [
    (name, k, args, params)
    for name, op in REGISTRY.items()
    for k, (args, params) in enumerate(examples(op, np.random.default_rng(len(name))))
]
IDS = [f"{name}-{k}" for name, k, _, _ in CASES]
#: complex-valued ops (fft, conj, cabs...) have no SymPy translation and complex Jacobians: tests/test_complex.py
REAL_CASES = [c for c in CASES if "complex" not in REGISTRY[c[0]].domain]
# the cheap checks run one test per op over its samples (per-test overhead was most of their time);
# each failure message names the op and the sample (name-k), and the batched arguments
BY_OP = {name: [(k, args, params) for n, k, args, params in CASES if n == name] for name in REGISTRY}
REAL_BY_OP = {name: [(k, args, params) for n, k, args, params in REAL_CASES if n == name] for name in REGISTRY}
REAL_BY_OP = {name: samples for name, samples in REAL_BY_OP.items() if samples}


def _float_args(op, args):
    return [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]


@pytest.mark.parametrize("name", BY_OP)
def test_evaluate_reproduces_numpy(name):
    op = REGISTRY[name]
    for k, args, params in BY_OP[name]:
        expected = op.impl(*args, **params)
        graph = dl.trace(lambda *xs: op(*xs, **params), *[a for a in args])
        (got,) = dl.evaluate(graph, *args)
        np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0, err_msg=f"{name}-{k}")
        assert np.shape(got) == np.shape(expected), f"{name}-{k}"


@pytest.mark.parametrize("name", REAL_BY_OP)
def test_sympy_translation_matches_numpy(name):
    op = REGISTRY[name]
    for k, args, params in one_per(REAL_BY_OP[name], lambda _: name, offset=1):  # tests/tier.py
        graph = dl.trace(lambda *xs: op(*xs, **params), *args)
        program = to_sympy(graph)
        subs = {s: _sympy_number(v) for arr, a in zip(program.inputs, args) for s, v in zip(arr.ravel(), np.ravel(a))}
        got = [sp.sympify(e).xreplace(subs) for e in program.inline(program.outputs)]
        expected = np.ravel(op.impl(*args, **params))
        if expected.dtype.kind == "b":
            assert [bool(g) for g in got] == list(expected), f"{name}-{k}"
        else:
            got = np.array([float(g.evalf(DIGITS)) for g in got])
            np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15, err_msg=f"{name}-{k}")


#: SymPy's digits for the translation's value: evalf(17) gives 17 correct digits whatever cancels (it raises its
#: working precision until they are), 4 more than the 1e-13 compared; inputs' doubles exact in a 17-digit Float (60
#: bits). 30 digits cost owens_t's integral 3.0 CPU-s, 17 cost 1.8 (test_registry's translations 13.0 -> 11.4)
DIGITS = 17


def _sympy_number(v):
    """An input value as SymPy's: a DIGITS-digit Float (exact: 60 bits), an Integer (an order n; a boolean as 0 or 1,
    which is what the translation reads at run time: a mask used as a number or a condition, symmask47)."""
    kind = np.asarray(v).dtype.kind
    return sp.Float(float(v), DIGITS) if kind == "f" else sp.Integer(int(v)) if kind in "iub" else bool(v)


DIFF_CASES = [c for c in REAL_CASES if REGISTRY[c[0]].differentiable and _float_args(REGISTRY[c[0]], c[2])]
#: the default tier's one sample per op (tests/tier.py); test_compiled's registry check takes another
RULE_CASES = one_per(DIFF_CASES, lambda c: c[0], offset=0)


@pytest.mark.parametrize("name,k,args,params", RULE_CASES, ids=[f"{c[0]}-{c[1]}" for c in RULE_CASES])
def test_rules_agree_across_methods(name, k, args, params):
    """Forward (JVP rules), reverse (VJP rules) and symbolic (SymPy diff) give the same Jacobian; and the
    compiled tier's symbolic code (lambdified) gives its own expressions' 40-digit Jacobian, checked on the
    same prepared function (test_compiled's check: SymPy's compile is the cost of both, paid once)."""
    op = REGISTRY[name]
    wrt = tuple(_float_args(op, args))

    def f(*xs):
        return op(*xs, **params) * 1.5  # a scale keeps identity folding out of the way

    jacs = {m: dl.jacobian(f, argnums=wrt, method=m)(*args) for m in ("forward", "reverse")}
    if op.value_dtype:  # dl.prepare refuses it (a reused graph would keep these values' dtype): staged as prepare does
        from difflab.api.operators import _Transform

        staged, prepared = _Transform(f, wrt, "symbolic").staged(args)
        symbolic = types.SimpleNamespace(staged=staged, prepared=prepared)
        jacs["symbolic"] = dl.jacobian(f, argnums=wrt, method="symbolic")(*args)
    else:
        symbolic = dl.prepare(f, *args, argnums=wrt, method="symbolic")
        jacs["symbolic"] = symbolic.jacobian(*args)
    for m in ("forward", "symbolic"):
        for a, b in zip(jacs[m], jacs["reverse"]):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"{name}-{k}: {m} vs reverse")
    if len(wrt) == len(args):  # `exact` substitutes numbers for symbols: no integer or boolean inputs
        check_symbolic_code(symbolic.prepared, symbolic.staged.inputs(args))


def test_every_op_has_examples_and_docs():
    for name, op in REGISTRY.items():
        assert op.doc, name
        assert examples(op, np.random.default_rng(0)), name
        assert op.nargs is None or len(op.domain) == op.nargs or op.samples is not None, name


def _batched_case(op, args, flags, rng, size=3):
    """args with a batch of `size` along axis 0 where flagged: the example itself, then fresh draws
    from the argument's domain (the shape ops take any real values)."""

    def domain(i):
        if i < len(op.domain) and (op.samples is None or op.domain[i] == "spd"):
            return op.domain[i]
        return "real"

    return [
        np.stack([a] + [draw(domain(i), np.shape(a), rng) for _ in range(size - 1)]) if b else a
        for i, (a, b) in enumerate(zip(args, flags))
    ]


BATCH_CASES = [
    (name, k, args, params, flags)
    for name, k, args, params in CASES
    for flags in itertools.product([False, True], repeat=len(args))
    if any(flags)
]
BATCH_BY_OP = {name: [c[1:] for c in BATCH_CASES if c[0] == name] for name in REGISTRY}


def _case_id(name, k, flags):
    return f"{name}-{k}-{''.join('b' if f else '_' for f in flags)}"


@pytest.mark.parametrize("name", BATCH_BY_OP)
def test_batch_rule_equals_a_loop_over_the_batch(name):
    """Every op's batching rule, with any subset of its arguments batched, is impl applied to
    each batch element in turn (the default tier: each subset at one of the op's samples, tests/tier.py)."""
    op = REGISTRY[name]
    for k, args, params, flags in one_per(BATCH_BY_OP[name], lambda c: (name, c[3]), offset=0):
        batch = _batched_case(op, args, flags, np.random.default_rng(len(name) + k))
        expected = np.stack([op.impl(*[a[b] if f else a for a, f in zip(batch, flags)], **params) for b in range(3)])
        ranks = [np.ndim(a) - f for a, f in zip(batch, flags)]
        for got in (op.batched(flags, *batch, **params), op.batched_for(flags, ranks)(*batch, **params)):
            assert got.shape == expected.shape and got.dtype == expected.dtype, _case_id(name, k, flags)
            np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0, err_msg=_case_id(name, k, flags))


def _loops(op, params) -> bool:
    """The op's batching is a loop over the batch: no rule, or indices NumPy would move apart."""
    return (op.batch is None and not op.elementwise) or ("idx" in params and _advanced_apart(params["idx"]))


@pytest.mark.parametrize("name", BATCH_BY_OP)
def test_batch_rule_records_batched_equations_on_traced_values(name):
    """On values of an enclosing trace (chunked forward mode or vmap inside a derivative) every rule
    records difflab ops that compute the loop's values; a rule (not the loop fallback) records the
    same equations whatever the batch size."""
    op = REGISTRY[name]
    for k, args, params, flags in one_per(BATCH_BY_OP[name], lambda c: (name, c[3]), offset=1):
        what, counts = _case_id(name, k, flags), []
        for size in (2, 3):
            batch = _batched_case(op, args, flags, np.random.default_rng(len(name) + k), size=size)
            loop = [op.impl(*[a[b] if f else a for a, f in zip(batch, flags)], **params) for b in range(size)]
            expected = np.stack(loop)
            graph = dl.trace(lambda *xs: op.batched(flags, *xs, **params), *batch)
            (got,) = dl.evaluate(graph, *batch)
            np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0, err_msg=f"{what}, batch of {size}")
            assert np.shape(got) == expected.shape, f"{what}, batch of {size}"
            counts.append(len(graph.eqns))
        if not _loops(op, params):
            assert counts[0] == counts[1], f"{what}: {counts[0]} equations for a batch of 2, {counts[1]} for 3"


@pytest.mark.parametrize(
    "name, params",
    [
        ("getitem", {"idx": (np.array([0, 2]), slice(None), np.array([1, 4]))}),  # NumPy moves these axes first
        ("matmul", {}),
    ],
)
def test_batch_rule_special_cases(name, params):
    """Advanced indices apart and an op without a rule (a loop over the batch) still match a loop."""
    rng = np.random.default_rng(1)
    op = REGISTRY[name]
    if name == "matmul":
        op, args = dataclasses.replace(op, batch=None), (rng.normal(size=(3, 2, 4)), rng.normal(size=(4,)))
    else:
        args = (rng.normal(size=(3, 3, 4, 5)),)
    flags = (True,) + (False,) * (len(args) - 1)
    expected = np.stack([op.impl(args[0][b], *args[1:], **params) for b in range(3)])
    np.testing.assert_array_equal(op.batched(flags, *args, **params), expected)


PY_OPS = [name for name, op in REGISTRY.items() if op.py is not None]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-300, 750.0, -750.0, 1e308, float("inf"), float("-inf"), float("nan")]


@pytest.mark.parametrize("name", PY_OPS)
def test_python_float_path_matches_numpy(name):
    """`py` (math/operator on floats) agrees with NumPy to the last bits, in and outside the domain:
    where Python refuses (log(-1), 1/0, overflow, a complex power) NumPy's NaN/inf is the answer."""
    op = REGISTRY[name]
    rng = np.random.default_rng(len(name))
    points = [tuple(float(draw(d, (), rng)) for d in op.domain) for _ in range(20)]
    points += list(itertools.product(SPECIAL, repeat=op.nargs)) if op.nargs <= 2 else []
    with np.errstate(all="ignore"):
        for args in points:
            got, want = op.on_floats(*args), op.impl(*args)
            assert type(got) in (float, bool) or isinstance(got, (np.generic, np.ndarray)), (args, got)
            if np.isnan(want):
                assert np.isnan(got), (args, got, want)
            else:
                np.testing.assert_allclose(got, want, rtol=4e-16, atol=0, err_msg=str(args))


def test_a_scalar_graph_runs_on_python_floats():
    """A micrograd-style graph of Python floats is traced and differentiated without NumPy scalars."""
    from difflab.api import stage

    st = stage(lambda a, b: dl.numpy.tanh(a * b + 1.0) ** 2.0, (0.5, -2.0))
    assert len(st.graph.eqns) == 4 and all(type(v) is float for v in st.values.values())
    value, grads = dl.value_and_grad(lambda a, b: dl.numpy.tanh(a * b + 1.0) ** 2.0, argnums=(0, 1))(0.5, -2.0)
    t = np.tanh(0.5 * -2.0 + 1.0)
    assert type(value) is float and value == t**2
    assert grads == pytest.approx((2 * t * (1 - t * t) * -2.0, 2 * t * (1 - t * t) * 0.5), rel=1e-15)


def test_cofactor_dk_batch_applies_the_op_once():
    """A batched sweep through cofactor_dk (forward's chunked or batched directions, d³ det) records and computes ONE
    cofactor_dk over the batch, its forms broadcasting the matrix's and directions' stacks (core.broadcast_batch);
    main looped, one SVD-based evaluation per direction (test_forward_traced's cofactor_dk cases: 29 s of CPU, now
    ~7). Its values are the loop's, for a stack of matrices against a batch of single directions too."""
    rng = np.random.default_rng(7)
    op = REGISTRY["cofactor_dk"]
    a2 = rng.normal(size=(2, 3, 3)) + 3.0 * np.eye(3)
    cases = [
        ((False, True), (rng.normal(size=(3, 3)) + 3.0 * np.eye(3), rng.normal(size=(5, 3, 3)))),
        ((False, True, False), (a2, rng.normal(size=(5, 3, 3)), rng.normal(size=(3, 3)))),  # stack vs batch
        (
            (True, False, True),
            (rng.normal(size=(5, 3, 3)) + 3.0 * np.eye(3), rng.normal(size=(2, 3, 3)), rng.normal(size=(5, 3, 3))),
        ),
    ]
    for flags, args in cases:
        loop = np.stack([op.impl(*[a[b] if f else a for a, f in zip(args, flags)]) for b in range(5)])
        np.testing.assert_allclose(op.batched(flags, *args), loop, rtol=1e-13, atol=1e-13, err_msg=str(flags))
        graph = dl.trace(lambda *xs: op.batched(flags, *xs), *args)
        assert [e.op.name for e in graph.eqns].count("cofactor_dk") == 1, (flags, str(graph))
        np.testing.assert_allclose(dl.evaluate(graph, *args)[0], loop, rtol=1e-13, atol=1e-13, err_msg=str(flags))
