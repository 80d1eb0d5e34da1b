"""Registry-driven tests: each check runs over every op in difflab.ops.REGISTRY, nothing per-op."""
import numpy as np
import pytest
import sympy as sp

import difflab as dl
from difflab.differentiators.symbolic import to_sympy
from difflab.ops import REGISTRY, examples

CASES = [(name, k, args, params) for name, op in REGISTRY.items()
         for k, (args, params) in enumerate(examples(op, np.random.default_rng(len(name))))]
IDS = [f"{name}-{k}" for name, k, _, _ in CASES]


def _float_args(op, args):
    return [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]


@pytest.mark.parametrize("name,k,args,params", CASES, ids=IDS)
def test_evaluate_reproduces_numpy(name, k, args, params):
    op = REGISTRY[name]
    expected = op.impl(*args, **params)
    graph = dl.trace(lambda *xs: op(*xs, **params), *[a for a in args])
    (got,) = dl.evaluate(graph, *args)
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)
    assert np.shape(got) == np.shape(expected)


@pytest.mark.parametrize("name,k,args,params", CASES, ids=IDS)
def test_sympy_translation_matches_numpy(name, k, args, params):
    op = REGISTRY[name]
    graph = dl.trace(lambda *xs: op(*xs, **params), *args)
    program = to_sympy(graph)
    subs = {s: sp.Float(float(v), 30) if np.asarray(v).dtype.kind == "f" else bool(v)
            for arr, a in zip(program.inputs, args) for s, v in zip(arr.ravel(), np.ravel(a))}
    got = [sp.sympify(e).xreplace(subs) for e in program.inline(program.outputs)]
    expected = np.ravel(op.impl(*args, **params))
    if expected.dtype.kind == "b":
        assert [bool(g) for g in got] == list(expected)
    else:
        got = np.array([float(g.evalf(30)) for g in got])
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


DIFF_CASES = [c for c in CASES if REGISTRY[c[0]].differentiable and _float_args(REGISTRY[c[0]], c[2])]


@pytest.mark.parametrize("name,k,args,params", DIFF_CASES, ids=[f"{c[0]}-{c[1]}" for c in DIFF_CASES])
def test_rules_agree_across_methods(name, k, args, params):
    """Forward (JVP rules), reverse (VJP rules) and symbolic (SymPy diff) give the same Jacobian."""
    op = REGISTRY[name]
    wrt = tuple(_float_args(op, args))

    def f(*xs):
        return op(*xs, **params) * 1.5  # a scale keeps identity folding out of the way

    jacs = {m: dl.jacobian(f, argnums=wrt, method=m)(*args) for m in ("forward", "reverse", "symbolic")}
    for m in ("forward", "symbolic"):
        for a, b in zip(jacs[m], jacs["reverse"]):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"{m} vs reverse")


def test_every_op_has_examples_and_docs():
    for name, op in REGISTRY.items():
        assert op.doc, name
        assert examples(op, np.random.default_rng(0)), name
        assert op.nargs is None or len(op.domain) == op.nargs or op.samples is not None, name
