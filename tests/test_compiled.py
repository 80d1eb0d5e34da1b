"""The compiled tier (difflab.compile) equals the interpreters, the specification: for every
differentiator, over the registry's samples and over Hypothesis random graphs, values equal to
rounding. Reverse/forward/numeric run with `compiled=False` (interpreters only) against their
default; symbolic's lambdified code against its expressions evaluated in 40 digits (`exact`)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import difflab as dl
from difflab.ops import REGISTRY, examples
from difflab.testing.strategies import functions, points

CASES = [
    (name, k, args, params)
    for name, op in REGISTRY.items()
    if op.differentiable
    for k, (args, params) in enumerate(examples(op, np.random.default_rng(len(name))))
    if any(np.asarray(a).dtype.kind == "f" for a in args)
]
TAPE_METHODS = ("reverse", "forward", "numeric")
RTOL, ATOL = 1e-12, 1e-14  # the same operations in the same order: equal but for rounding
# numeric's stencil divides f's rounding by its step (h ~ 6e-6 for central): the compiled tier
# evaluates the stencil's points batched, and a batched LAPACK call (svd, eigh) may round f a few
# ulps differently, which the division turns into ~1e-11 relative (seen: svd_u, 8.7e-11)
NUMERIC_TOL = 1e-9
pytestmark = pytest.mark.filterwarnings("ignore::difflab.errors.NumericStopGradientWarning")


def _method(name, compiled):
    method = dl.get_method(name)
    method.compiled = compiled
    return method


def _prepared(name, compiled, graph, wrt):
    return _method(name, compiled).prepare(graph, wrt)


def _close(got, ref, what, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(
        np.asarray(got, dtype=float), np.asarray(ref, dtype=float), rtol=rtol, atol=atol, equal_nan=True, err_msg=what
    )


def _check_tape_methods(graph, args, wrt):
    """Value, Jacobian and (scalar outputs) gradient: compiled == interpreted, for each tape method."""
    for name in TAPE_METHODS:
        spec, fast = _prepared(name, False, graph, wrt), _prepared(name, True, graph, wrt)
        outs, jac = spec.jacobian(args)
        for _ in range(3):  # reverse lowers its sweeps from the second call on
            got_outs, got_jac = fast.jacobian(args)
        tol = (NUMERIC_TOL, NUMERIC_TOL) if name == "numeric" else (RTOL, ATOL)
        _close(got_jac, jac, f"{name} jacobian", *tol)
        for a, b in zip(got_outs, outs):
            _close(a, b, f"{name} value")
        _close(
            np.concatenate([np.ravel(y) for y in fast.value(args)]),
            np.concatenate([np.ravel(y) for y in spec.value(args)]),
            f"{name} f itself",
        )
        if spec.m == 1:
            for _ in range(2):
                g = fast.grad(args)[1]
            _close(g, spec.grad(args)[1], f"{name} grad", *tol)
        lowered = fast.lowered.fns or getattr(fast, "sweeps", None) and fast.sweeps.fns
        assert lowered, f"{name}: the compiled tier never ran"
        assert not spec.lowered.fns and not getattr(getattr(spec, "sweeps", None), "fns", None)


def _check_symbolic(graph, args, wrt):
    if any(np.asarray(a).dtype.kind != "f" for a in args):
        return  # `exact` substitutes numbers for symbols: conditions (where's) are inputs it cannot take
    p = dl.Symbolic().prepare(graph, wrt)
    _, jac = p.jacobian(args)
    _close(np.ravel(jac), p.exact(args, "jacobian"), "symbolic jacobian")


@pytest.mark.parametrize("name,k,args,params", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_compiled_equals_interpreted_on_registry_samples(name, k, args, params):
    op = REGISTRY[name]
    graph = dl.trace(lambda *xs: op(*xs, **params) * 1.5, *args)
    wrt = tuple(i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f")
    _check_tape_methods(graph, list(args), wrt)
    _check_symbolic(graph, list(args), wrt)


def test_compiled_equals_interpreted_on_random_graphs():
    def same(data):
        f = data.draw(functions(), label="f")
        xs = data.draw(points(f), label="x")
        graph = dl.trace(f, *xs)
        note(str(graph))
        args, wrt = [np.asarray(x, dtype=float) for x in xs], tuple(range(len(xs)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a point outside a domain: both tiers give the same NaN
            _check_tape_methods(graph, args, wrt)
            _check_symbolic(graph, args, wrt)

    settings(settings.get_profile("difflab-ci"), max_examples=60)(given(st.data())(same))()


def test_interpreters_only_is_a_setting_of_every_method():
    x = np.linspace(-1.0, 1.0, 3)
    graph = dl.trace(lambda x: dl.numpy.sum(dl.numpy.tanh(x) * x), x)
    for name in TAPE_METHODS:
        p = _prepared(name, False, graph, (0,))
        for _ in range(3):
            p.grad([x])
        assert not p.lowered.fns and not getattr(getattr(p, "sweeps", None), "fns", None), name
