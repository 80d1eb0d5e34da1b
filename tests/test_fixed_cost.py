"""A fresh gradient's fixed per-call work written out (fixed22): each shortcut answers what the layers it
skips answered — the trace's error state (made once per state in force: a cache), keyword arguments refused
on every path, a lazily made lowering tier, the numeric method's nesting count, the loss's quick checks."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.trace import Trace, trace_flat


def test_the_trace_s_error_state_keeps_the_buffer_size_in_force_and_is_not_stale():
    # the state a trace sets is made once per state in force (trace._STATES): under another buffer size
    # the trace's state has that one, and back under NumPy's default the default again
    seen = []

    def f(x):
        seen.append((np.getbufsize(), np.geterr()["invalid"], np.geterr()["under"]))
        return x * x

    default = np.getbufsize()
    trace_flat(f, [2.0])
    with np.errstate(divide="ignore"):  # another state in force, same buffer size
        old = np.setbufsize(16384)
        try:
            trace_flat(f, [2.0])
        finally:
            np.setbufsize(old)
    trace_flat(f, [2.0])
    assert seen == [(default, "call", "ignore"), (16384, "call", "ignore"), (default, "call", "ignore")]
    assert np.getbufsize() == default and np.geterrcall() is None


def test_a_nan_while_tracing_marks_only_its_trace_and_those_it_is_nested_in():
    t = Trace()
    t_flags = []
    with t.watch():
        np.log(np.array([-1.0]))
        t_flags.append(t.fp_error)
    later = Trace()
    with later.watch():  # a trace after it starts clean: nothing of the earlier trace is chained
        np.exp(np.array([1.0]))
    assert t_flags == [True] and not later.fp_error
    # a fresh gradient at a point where the function is NaN: its traced values are not reused, the answer NaN
    with pytest.warns(dl.DomainWarning):
        g = dl.grad(lambda x: dnp.sqrt(x) * 2.0)(-1.0)
    assert math.isnan(g)


def test_keyword_arguments_are_refused_on_the_common_case_path_too():
    g = dl.value_and_grad(lambda x: dnp.sum(x * x))
    x = np.array([1.0, 2.0])
    for _ in range(4):  # armed: the common case answers from the third call on
        assert g(x)[0] == 5.0
    assert g._last.hot is not None
    with pytest.raises(TypeError, match="keyword argument.*'y' passed to the differentiated function <lambda>"):
        g(x, y=1.0)


def test_prepared_lowering_tier_keeps_the_setting_it_was_prepared_with():
    method = dl.Reverse(compiled=False)
    prep = method.prepare(dl.trace(lambda x: x * x, 2.0), (0,))
    method.compiled = True  # changed after preparing: the prepared object's tier is as prepared
    assert prep.lowered.enabled is False and prep.lowered is prep.lowered
    assert dl.Reverse().compiled is True and dl.Reverse(np.bool_(False)).compiled is False


def test_numeric_inside_numeric_still_counts_its_levels():
    # Differentiator.nests: only the numeric method counts levels while tracing; its step then fits the order
    num = dl.Numeric()
    assert num.nests and not dl.Reverse().nests and not dl.Forward().nests
    d2 = dl.grad(dl.grad(lambda x: x**3.0, method=num), method=num)(2.0)
    assert abs(d2 - 12.0) < 1e-5


@pytest.mark.parametrize(
    "f, x, value, grad",
    [
        (lambda x: x * x, 3.0, 9.0, 6.0),  # a Python float loss
        (lambda x: dnp.sum(x * x), np.array([1.0, 2.0]), 5.0, [2.0, 4.0]),  # a NumPy float64 loss
        (lambda x: (x > 1.0) * 1.0 + x, 2.0, 3.0, 1.0),  # a condition inside, a float loss out
        (lambda x: dnp.sum(x) * np.inf, np.array([1.0]), np.inf, [np.nan]),  # an infinite loss: NaN gradient
    ],
)
def test_the_loss_s_quick_checks_give_the_general_checks_answers(f, x, value, grad):
    v, g = dl.value_and_grad(f)(x)
    assert type(v) is float and v == value
    np.testing.assert_array_equal(g, grad)


def test_a_condition_returned_as_the_loss_is_still_its_0_1_value():
    v, g = dl.value_and_grad(lambda x: x > 1.0)(2.0)
    assert v == 1.0 and g == 0.0
    with pytest.raises(TypeError, match="real scalar output, but it is complex"):
        dl.grad(lambda x: x * 1j)(2.0)
    with pytest.raises(TypeError, match="scalar output, but it returned shape"):
        dl.grad(lambda x: dnp.stack([x, x]))(2.0)


def test_a_product_charges_its_own_cost_beside_an_equal_one_being_charged():
    # Prepared's product wrapper adds its cost to those being charged by identity: a caller's counting()
    # cost equal in value (both zero) is another cost, and both are charged once
    from difflab.graph import counting

    p = dl.Reverse().prepare(dl.trace(lambda x: x * x, 2.0), (0,))
    with counting() as c:
        outs, parts = p.grad_leaves([3.0])
        with counting() as inner:
            p.grad_leaves([3.0])
    assert outs == [9.0] and parts == [6.0]
    assert (p.cost.evals, c.evals, inner.evals) == (2, 2, 1)


def test_a_signature_key_hashes_once_and_equals_the_plain_tuple_of_its_items():
    # scalar23: the key is a tuple subclass keeping its hash; a plain tuple of the same items (what an
    # older caller or a test builds) is the same dictionary key, and a different structure is another
    from difflab.api.boundary import signature_key
    from difflab.tree import flatten

    p = [([0.5, -0.25], 0.1), ([1.5, 2.0], 0.0)]
    key = signature_key([flatten(p), flatten(3.0)])
    plain = tuple(key)
    assert type(plain) is tuple and plain == key and hash(plain) == hash(key) == key._hash  # kept, not recomputed
    assert {plain: "found"}[key] == "found" and {key: "found"}[plain] == "found"
    other = signature_key([flatten(p[:1]), flatten(3.0)])
    assert other != key and {key: 1}.get(other) is None


def test_a_transform_s_own_cache_still_reuses_its_trace_after_the_empty_cache_skip():
    # a fresh transform skips the lookup of its empty cache (scalar23), but stores its trace: its
    # second call reuses that very trace, and a new structure is traced anew beside it
    g = dl.grad(lambda p: p[0] * p[1] + p[1])
    assert g([2.0, 3.0]) == [3.0, 3.0]
    first = g._last
    assert g([4.0, 5.0]) == [5.0, 5.0] and g._last is first and len(g.preparations()) == 1
    assert g([1.0, 2.0, 7.0]) == [2.0, 2.0, 0.0] and g._last is not first and len(g.preparations()) == 2


def test_a_preparation_s_input_shapes_are_made_when_read_and_a_fresh_gradient_reads_none():
    # scalar23: in_shapes and n are cached properties; a fresh scalar gradient never reads them (a step
    # per input), and when read they are the differentiated inputs' shapes and sizes, argnums order
    g = dl.grad(lambda a, b, c: (a * a).sum() * c + (b**3.0).sum(), argnums=(1, 0))
    a, b = np.ones((2, 3)), np.arange(4.0)
    grads = g(a, b, 2.0)
    assert np.array_equal(grads[0], 3.0 * b**2) and np.array_equal(grads[1], 4.0 * a)
    (prep,) = g.preparations()
    assert "in_shapes" not in vars(prep) and "n" not in vars(prep)
    assert prep.in_shapes == [(4,), (2, 3)] and prep.n == 10
    net = dl.grad(lambda p: p[0] * p[1] + p[2])
    assert net([2.0, 3.0, 1.0]) == [3.0, 2.0, 1.0]
    (prep,) = net.preparations()
    assert "in_shapes" not in vars(prep) and prep.n == 3


def test_a_fresh_array_gradient_that_lost_nothing_skips_the_rescale_reads(monkeypatch):
    # issue 17: where no rule said a term lost and NumPy's flag saw no underflow, `rescaled` answers the sweep's
    # parts as they are; its `_plain` pass over the parts is not taken (the fresh call's cost since extreme49)
    import difflab.differentiators.rescaled as rs

    read = []
    plain = rs._plain
    monkeypatch.setattr(rs, "_plain", lambda parts: read.append(1) or plain(parts))
    W, x = np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([0.3, -0.7])
    value, (gW, gx) = dl.value_and_grad(lambda W, x: dnp.sum(dnp.tanh(W @ x)), argnums=(0, 1))(W, x)
    s = 1.0 - np.tanh(W @ x) ** 2  # d/dW sum(tanh(Wx)) = (1 - tanh²(Wx)) xᵀ, d/dx = Wᵀ(1 - tanh²(Wx))
    assert math.isclose(value, float(np.sum(np.tanh(W @ x))), rel_tol=1e-15)
    np.testing.assert_allclose(gW, np.outer(s, x), rtol=1e-14)
    np.testing.assert_allclose(gx, W.T @ s, rtol=1e-14)
    assert read == []
    # a term lost to underflow is still swept again: d/dx Σ 1/(x·x) = -2/x³, -2e-300 at 1e100 (the cotangent -1e-400)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (rescaled at 2^1000: right, nothing said)
        g = dl.grad(lambda x: dnp.sum(1.0 / (x * x)))(np.array([1e100, 1.0]))
    np.testing.assert_allclose(g, [-2e-300, -2.0], rtol=1e-14)
    assert read  # (that sweep's parts were read: the rescale took them)
