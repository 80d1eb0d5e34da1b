"""The prepared reverse gradient's common case does no more work than hand-written NumPy (issue 17, mlp45).

What the generated program and the call around it do per call, counted structurally (no timing): the
result check (`rescaled.suspect`) reads O(1) entries of array parts and allocates nothing of their size; the
guarded code's finiteness terms (compile.graphs._check_terms) check a transposed operand as the value it
rearranges, not in a pass of its own.
"""

from __future__ import annotations

import re
import tracemalloc
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.compile import lower
from difflab.differentiators.rescaled import suspect
from difflab.nn import MLP
from difflab.ops import REGISTRY


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_suspect_reads_array_parts_without_a_pass():
    """An MLP's gradient parts (a 784×256 weight's first): suspect took abs of each whole array (~0.5 ms and a
    1.6 MB buffer a call, an eighth of the prepared step); it reads their first entries."""
    rng = np.random.default_rng(0)
    parts = [rng.normal(size=(784, 256)), rng.normal(size=(256, 256)), rng.normal(size=256)]
    assert suspect(parts) is False
    assert _peak_bytes(lambda: suspect(parts)) < 4096
    # the answers stand: floats (the C path), arrays, a mix, nothing normal anywhere
    assert suspect([0.0, 0.0, 3.0]) is False and suspect([0.0, 1e-310]) is True
    assert suspect([0.0, np.zeros(3), np.array([0.0, 2.0])]) is False
    assert suspect([0.0, np.zeros((4, 4)), np.float64(0.0)]) is True
    assert suspect([1e-310, np.array([np.inf, np.nan])]) is True
    assert suspect([0.0, np.array([0.0, 2.0]), 0.0]) is False and suspect([0.0, np.zeros(3), 0.0]) is True


def test_a_transpose_operand_is_checked_as_the_value_it_rearranges():
    """dW = x.T @ dz's plain form wants its operand x.T finite: x.T is x rearranged, so the check that covers x (here
    the value, which x reaches through matmul and sum) covers it; main checked x.T again (a pass over x per call)."""
    g = dl.trace(
        lambda x, w, c: (dnp.sum(x @ w) + dnp.sum(c), REGISTRY["strong_matmul"](x.T, c)),
        np.ones((5, 3)),
        np.ones((3, 2)),
        np.ones((5, 4)),
    )
    fn = lower(g, guard=(0, 1, 2), values=1, speculate=True)
    assert "_vdot(" not in fn.guarded.source and "_sum(" not in fn.guarded.source
    rng = np.random.default_rng(1)
    x, w, c = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=(5, 4))
    value, prod = fn.guarded(x, w, c)
    assert value == pytest.approx(float(np.sum(x @ w) + np.sum(c)), rel=1e-14)
    np.testing.assert_allclose(prod, x.T @ c, rtol=1e-14)
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[3, 1] = bad
        assert fn.guarded(y, w, c) is None


def _mlp(sizes, batch):
    rng = np.random.default_rng(2)
    net = MLP(list(sizes), activation="tanh")
    params = net.init(seed=0)
    X, Y = rng.normal(size=(batch, sizes[0])), np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    return net.loss("cross_entropy"), params, X, Y


def _hand(params, X, Y):
    """The textbook backward pass of bench/hand_numpy.py (tanh layers, mean softmax cross-entropy): the reference."""
    L, hs = len(params) // 2, [X]
    for l in range(L - 1):
        hs.append(np.tanh(hs[-1] @ params[f"W{l}"] + params[f"b{l}"]))
    z = hs[-1] @ params[f"W{L - 1}"] + params[f"b{L - 1}"]
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    dz, grads = (np.exp(logp) - Y) / len(X), {}
    for l in range(L - 1, -1, -1):
        grads[f"W{l}"], grads[f"b{l}"] = hs[l].T @ dz, dz.sum(axis=0)
        dz = (dz @ params[f"W{l}"].T) * (1.0 - hs[l] * hs[l])
    return -float(np.sum(Y * logp)) / len(X), grads


def test_prepared_mlp_checks_each_value_once_and_answers_as_the_interpreter():
    """The 3-layer MLP's prepared gradient, common case: its finiteness terms are the loss, x W0 + b0 (it covers
    x and W0, which x.T @ dz wants), b0's gradient (through h·h it covers h, which h.T @ dz wants) and b0, b1:
    main checked h1.T, h2.T (or the gradients they make) besides: 6 terms where 4 do at 6-5-4-3. Its values
    are the interpreter's and hand backpropagation's; a non-finite entry anywhere still leaves the common case."""
    f, params, X, Y = _mlp((6, 5, 4, 3), 8)
    prepared = dl.prepare(f, params, X, Y, method="reverse")
    for _ in range(3):
        value, grads = prepared.value_and_grad(params, X, Y)
    src = prepared.staged.hot.fn.source
    assert len(re.findall(r"_vdot\(|_sum\(", src)) <= 4, src
    want_v, want_g = dl.value_and_grad(f, method=dl.Reverse(compiled=False))(params, X, Y)
    hand_v, hand_g = _hand(params, X, Y)
    assert value == pytest.approx(want_v, rel=1e-14) and value == pytest.approx(hand_v, rel=1e-13)
    for k in params:
        np.testing.assert_allclose(grads[k], want_g[k], rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(grads[k], hand_g[k], rtol=1e-12, atol=1e-15)
    for where in ("X", "W1", "b0"):
        bad = {k: v.copy() for k, v in params.items()}
        Xb = X.copy()
        (Xb if where == "X" else bad[where]).reshape(-1)[-1] = np.inf
        assert prepared.staged.hot.fn(*prepared.signature.inputs((bad, Xb, Y))) is None, where


def test_a_large_check_term_is_numpy_s_sum_and_an_overflow_is_too_large_to_tell():
    """A check term over more than 4096 entries is a sum, NumPy's reduce called directly: the guarded code's own error
    state raises on its overflow, which answers None (the general path decides) as an infinite sum would, so no
    error state is entered per term (quiet_sum's, ~2–5 µs a call); finite entries whose sum overflows warn nothing."""
    g = dl.trace(lambda x: dnp.sum(dnp.tanh(x)), np.ones(5000))  # (tanh: x reaches the value through no strict op)
    fn = lower(g, guard=(0,), values=1)
    assert "_sum(v0, None)" in fn.guarded.source and fn.guarded.__globals__["_sum"] == np.add.reduce
    x = np.linspace(-1.0, 1.0, 5000)
    assert fn.guarded(x)[0] == pytest.approx(float(np.sum(np.tanh(x))), abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fn.guarded(np.full(5000, 1e308)) is None
        x[7] = np.nan
        assert fn.guarded(x) is None
