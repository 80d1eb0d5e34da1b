"""The work the forward, numeric and compiled tiers' hot paths do per call (issue 17: the suite's budget, and users'
time): a strong product of finite factors is one finiteness pass (its product's), with the same values, strong zeros
and warnings as before; the numeric method's round-off probe pulls nothing back through an op that only copies
elements (`Op.copies`); numeric lowers f at its points from their second call, as forward's and reverse's sweeps; its singular-point check
looks closer only at an infinite partial. Counts, never wall time (speed lives in bench/)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import offsets, pieces
from difflab.ops import elementwise
from difflab.ops.core import REGISTRY, examples


def _counting(monkeypatch, module, name):
    seen = []
    real = getattr(module, name)

    def counted(x):
        seen.append(x)
        return real(x)

    monkeypatch.setattr(module, name, counted)
    return seen


@pytest.mark.parametrize("a, b", [(np.arange(3.0), np.array([2.0, -1.0, 0.5])), (2.5, np.ones((2, 3))), (3.0, -0.5)])
def test_a_strong_product_of_finite_factors_checks_only_its_product(monkeypatch, a, b):
    """Main checked both factors, multiplied, then checked the product (three passes); a finite product had finite
    factors (a factor's ±inf or NaN reaches a product), so its one check is enough."""
    seen = _counting(monkeypatch, elementwise, "surely_finite")
    out = elementwise._strong_mul_impl(a, b)
    assert len(seen) == 1 and seen[0] is out
    assert np.array_equal(out, np.multiply(a, b))


def test_strong_zeros_and_overflow_stay_as_they_were():
    inf, nan = np.inf, np.nan
    a = np.array([0.0, -0.0, 2.0, 0.0, nan, inf, 3.0])
    b = np.array([inf, -inf, inf, nan, 2.0, -1.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (0·∞ is formed quietly, only to be replaced by 0)
        with np.errstate(all="raise"):
            out = elementwise._strong_mul_impl(a, b)
    assert out.tolist()[:4] == [0.0, 0.0, inf, 0.0] and np.isnan(out[4]) and out[5:].tolist() == [-inf, 12.0]
    assert elementwise._strong_mul_impl(0.0, inf) == 0.0
    with warnings.catch_warnings():  # finite factors whose product overflows: no NumPy warning (a rule running says
        warnings.simplefilter("error")  # it as a DerivativeRangeWarning naming its equation; no rule runs here)
        with np.errstate(over="raise"):
            big = elementwise._strong_mul_impl(np.array([1e200, 1.0]), np.array([1e200, 2.0]))
    assert big.tolist() == [inf, 2.0]


def test_an_op_that_copies_gives_only_its_arguments_elements():
    """`Op.copies` (the numeric method's round-off probe skips such an op): on each sample, every element of the value
    is an element of an argument, bit for bit, and the op is jointly linear."""
    ops = [op for op in REGISTRY.values() if op.copies]
    assert {op.name for op in ops} >= {"getitem", "reshape", "transpose", "broadcast_to", "concatenate", "stack"}
    rng = np.random.default_rng(0)
    for op in ops:
        assert op.linear is True, op.name
        for args, params in examples(op, rng):
            out = np.asarray(op.impl(*args, **params))
            pool = np.concatenate([np.ravel(a) for a in args])
            assert out.size and np.isin(out.ravel(), pool).all(), op.name


def test_the_round_off_probe_runs_no_rule_of_a_copy(monkeypatch):
    """`absorbed` finds the addition that lost x1's change beside 1e14·x0 without pulling back through x[0] and x[1]
    (main ran getitem's VJP twice for each: never true, a third of a nested numeric Hessian's probe)."""
    g = dl.trace(lambda x: 1e14 * x[0] + x[1] * x[2], np.array([1.0, 2.0, 3.0]))
    ends = [{}, {}]
    for x, env in zip(([1.0, 2.0 + 1e-6, 3.0], [1.0, 2.0 - 1e-6, 3.0]), ends):
        dl.evaluate(g, np.array(x), env=env)
    seen = []
    real = offsets._lost
    monkeypatch.setattr(offsets, "_lost", lambda e, *rest, **kw: seen.append(e.op.name) or real(e, *rest, **kw))
    assert offsets.absorbed(g, *ends).op.name == "add"
    assert seen == ["add"]


def test_numeric_lowers_f_at_its_points_from_the_second_call():
    """A one-off numeric gradient of f with a kink (relu: f at x and at the stencils' points are the preparations that
    hold its piece) interprets them; a second call lowers them (main lowered both for one call each, 138 lowerings
    of a nested numeric cell); the numbers are the same bit for bit either way."""
    W = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]])
    x = np.array([0.4, -0.3, 0.9])
    graph = dl.trace(lambda x: dnp.sum(dnp.relu(W @ x) * dnp.tanh(x[:2])), x)
    prepared = dl.Numeric(scheme="richardson").prepare(graph, (0,))
    first = np.ravel(prepared.grad([x])[1])
    assert not prepared._probe.lowered.fns and not prepared._held.lowered.fns
    second = np.ravel(prepared.grad([x])[1])
    assert prepared._probe.lowered.fns and prepared._held.lowered.fns
    assert first.tobytes() == second.tobytes()
    want = W.T @ ((W @ x > 0) * np.tanh(x[:2]))
    want[:2] += np.maximum(W @ x, 0.0) / np.cosh(x[:2]) ** 2
    np.testing.assert_allclose(first, want, rtol=1e-9)


def test_the_singular_point_check_looks_closer_only_at_an_infinite_partial(monkeypatch):
    """`pieces.infinite_partial` finds sqrt at 0 (std at a constant vector) and nothing at a smooth point; where every
    partial is finite it broadcasts none to its output's shape nor compares it there (main: one broadcast each)."""
    x = np.array([0.3, -0.2, 0.5])
    std = dl.trace(lambda x: dnp.sqrt(dnp.sum((x - dnp.mean(x)) ** 2)), x)
    assert str(pieces.infinite_partial(std, [np.ones(3)], (0,))).startswith("v5 = sqrt(v4)")
    assert pieces.infinite_partial(std, [x], (0,)) is None
    smooth = dl.trace(lambda x: dnp.sum(dnp.tanh(x) * x + dnp.sin(x) * dnp.exp(x)), x)
    calls, real = [], np.broadcast_to
    monkeypatch.setattr(np, "broadcast_to", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    assert pieces._singular(smooth, [x], (0,)) is None
    assert calls == []
