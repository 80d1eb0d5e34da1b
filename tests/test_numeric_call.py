"""The prepared Richardson gradient's common case (differentiators/numeric_call.py): the general path's numbers,
cost and results of their own where it answers; where it is not the common case it declines before saying or
charging anything, and the general path answers as it always did (values, NaN, DomainWarnings)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import Numeric, numeric_call
from difflab.graph import counting

RICH = Numeric(scheme="richardson")

CASES = {
    "log Σ exp (a watched log)": (lambda x: dnp.log(dnp.sum(dnp.exp(x), axis=0)), np.array([0.3, -0.7, 1.1, 0.2])),
    "Σ sin·exp (a watched sin)": (lambda x: dnp.sum(dnp.sin(x) * dnp.exp(x / 3.0), axis=0), np.linspace(-1, 1, 5)),
    "Rosenbrock (nothing watched)": (
        lambda x: dnp.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1.0 - x[:-1]) ** 2.0, axis=0),
        np.array([0.5, -0.2, 0.9]),
    ),
    "a matrix and a float": (
        lambda a, b: dnp.sum(dnp.tanh(a * b), axis=None) + b * b,
        (np.arange(6.0).reshape(2, 3) / 7.0, 0.4),
    ),
    "a dict": (lambda d: dnp.sum(d["w"] * d["w"], axis=0) * d["s"], {"w": np.array([1.5, -2.0]), "s": 3.0}),
    "a large phase": (lambda x: dnp.sum(dnp.cos(x), axis=0), np.array([40.0, -25.0])),
}


def _prepared(case):
    f, x = CASES[case]
    args = x if isinstance(x, tuple) else (x,)
    p = dl.prepare(f, *args, method=RICH, argnums=tuple(range(len(args))) if len(args) > 1 else 0)
    return p, args


def _general(p, args):
    """(value, gradient) by the general path: the prepared object's product, as the first call takes it."""
    return p._value_and_grad(*args)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_common_case_gives_the_general_paths_numbers_and_cost(case):
    p, args = _prepared(case)
    p.value_and_grad(*args)
    before = p.cost.copy()
    first = p.value_and_grad(*args)  # the general path (the second call arms the common case)
    cost = p.cost - before
    assert p._call is not None and callable(p.prepared._common_case)
    for _ in range(2):
        before = p.cost.copy()
        v, g = p.value_and_grad(*args)
        assert p.cost - before == cost  # evals: f(x) and 28 points per component, as the general path charges
        assert type(v) is float and v == first[0]
        assert _leaves(g) == _leaves(first[1]) and [type(a) for a in _leaves(g)] == [type(a) for a in _leaves(first[1])]
    again = _general(p, args)
    assert again[0] == v and _leaves(again[1]) == _leaves(g)


def _leaves(tree) -> list:
    """A gradient pytree's leaves, each as its list of numbers (floats stay floats)."""
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _leaves(tree[k])]
    if isinstance(tree, tuple):
        return [leaf for t in tree for leaf in _leaves(t)]
    return [tree.tolist() if isinstance(tree, np.ndarray) else tree]


def test_the_common_case_answers_without_the_general_path(monkeypatch):
    p, args = _prepared("log Σ exp (a watched log)")
    p.grad(*args), p.grad(*args)  # (the second call arms it)
    monkeypatch.setattr(type(p), "_value_and_grad", lambda *a, **k: pytest.fail("the general path ran"))
    g = p.grad(args[0] + 0.25)
    np.testing.assert_allclose(g, np.exp(args[0] + 0.25) / np.exp(args[0] + 0.25).sum(), rtol=1e-13)


def test_its_results_are_their_own():
    p, (x,) = _prepared("log Σ exp (a watched log)")
    p.grad(x), p.grad(x)
    keep = x.copy()
    g1 = p.grad(x)
    g1[:] = 7.0  # writing into one result changes neither the input nor the next result
    g2 = p.grad(x)
    np.testing.assert_array_equal(x, keep)
    assert not np.shares_memory(g2, x) and not np.shares_memory(g2, g1) and g2[0] != 7.0
    q, (a, b) = _prepared("a matrix and a float")
    q.grad(a, b), q.grad(a, b)
    ga, gb = q.grad(a, b)
    assert type(gb) is float and ga.shape == a.shape and not np.shares_memory(ga, a)


def _said(fn, *args):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = fn(*args)
    return out, [str(w.message) for w in seen if issubclass(w.category, dl.DomainWarning)]


@pytest.mark.parametrize(
    "x, nan_at",
    [
        (np.array([0.3, 2.0]), None),  # the first steps leave log's domain: shrunk by the general path, finite
        (np.array([np.nan, 2.0]), 0),  # a NaN input: its gradient entry NaN
        (np.array([-1.0, 2.0]), slice(None)),  # f(x) itself out of log's domain: NaN, said once
    ],
)
def test_what_is_not_the_common_case_is_answered_by_the_general_path(x, nan_at):
    f = lambda x: dnp.sum(dnp.log(x), axis=0)  # noqa: E731
    armed = dl.prepare(f, np.array([1.0, 2.0]), method=RICH)
    for _ in range(2):
        armed.grad(np.array([1.0, 2.0]))
    assert armed._call is not None
    (v, g), said = _said(armed.value_and_grad, x)
    fresh = dl.prepare(f, x, method=RICH)
    (v0, g0), said0 = _said(fresh.value_and_grad, x)  # its first call: the general path
    np.testing.assert_array_equal(g, g0)
    assert (v == v0 or (np.isnan(v) and np.isnan(v0))) and said == said0
    if nan_at is None:
        assert not said and np.all(np.isfinite(g))
        np.testing.assert_allclose(g, 1.0 / x, rtol=1e-12)
    else:
        assert np.all(np.isnan(g[nan_at]))
    if nan_at == slice(None):
        assert len(said) == 1 and "log" in said[0]


def test_an_outer_cost_is_charged_once():
    p, (x,) = _prepared("Σ sin·exp (a watched sin)")
    p.grad(x), p.grad(x)
    before = p.cost.copy()
    p.grad(x)
    one = p.cost - before
    with counting() as outer:
        p.grad(x)
    assert outer == one and outer.evals == 28 * x.size + 1


@pytest.mark.parametrize(
    "method", [Numeric(), Numeric(scheme="richardson", error_estimate=True), Numeric(scheme="richardson", step=0.1)]
)
def test_other_settings_keep_the_general_path(method):
    p = dl.prepare(lambda x: dnp.sum(dnp.exp(x), axis=0), np.ones(3), method=method)
    for _ in range(3):
        g = p.grad(np.ones(3))
    assert numeric_call.hot_grad(p.prepared, [np.ones(3)]) is None
    np.testing.assert_allclose(g, np.e, rtol=1e-6)


@pytest.mark.parametrize("x", [np.array([np.nan, 1.0]), np.array([800.0, 1.0]), np.array([709.0, 1.0])])
def test_a_nan_or_inf_nothing_raised_for_is_answered_by_the_general_path(x):
    # NaN passes through exp without a floating-point error, and exp(800) overflows to inf without one (only
    # invalid and divide raise): the common case must see them in its numbers (f(x), the differences)
    f = lambda x: dnp.sum(dnp.exp(x), axis=0)  # noqa: E731 (nothing watched)
    armed = dl.prepare(f, np.ones(2), method=RICH)
    armed.grad(np.ones(2)), armed.grad(np.ones(2))
    (v, g), said = _said(armed.value_and_grad, x)
    (v0, g0), said0 = _said(dl.prepare(f, x, method=RICH).value_and_grad, x)
    np.testing.assert_array_equal(g, g0)
    assert (v == v0 or (np.isnan(v) and np.isnan(v0))) and said == said0
    assert np.isfinite(g).all() == (x[0] == 709.0)  # (there: the steps that overflow spoil only their entries)


def test_after_a_decline_the_next_calls_go_straight_to_the_general_path(monkeypatch):
    # cos at 40 with Richardson's first step (20): out of the watched op's reach at every call. The common case's
    # run is wasted there, so after a decline it is tried again only after BACKOFF calls
    p, (x,) = _prepared("a large phase")
    p.grad(x), p.grad(x)
    tried = []
    steps = numeric_call._steps
    monkeypatch.setattr(numeric_call, "_steps", lambda *a: tried.append(1) or steps(*a))
    for _ in range(2 * (numeric_call.BACKOFF + 1)):
        g = p.grad(x)
    assert len(tried) == 2
    np.testing.assert_allclose(g, -np.sin(x), rtol=1e-12)
