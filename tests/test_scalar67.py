"""A fresh scalar gradient's fixed cost, fewer frames (scalar67, issue 17 §1): grad's call without value_and_grad's
frame, the default reduce_axes not checked by a call, the reverse sweep's two NumPy error states (graph.raising and
the underflow watch) set as one, the common answer of `rescaled` (nothing lost, a normal part) given without its
frame and the seeds' closure, the float sweep reading an op's float form before `differentiable`, and the
finite-input check of a call whose inputs are all Python floats summing them all. Same numbers, same warnings."""

from __future__ import annotations

import importlib
import math
import sys
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import DomainWarning

reverse_module = importlib.import_module("difflab.differentiators.reverse")


def _net(ws, x, y):
    h = [dnp.relu(ws[0] * x[0] + ws[1] * x[1] + ws[2]), dnp.relu(ws[3] * x[0] - ws[4] * x[1] + ws[5])]
    d = ws[6] * h[0] + ws[7] * h[1] + ws[8] - y
    return d * d * 0.5


WS = [0.5, -0.25, 0.125, -0.75, 0.375, 0.0625, 1.5, -0.5, 0.25]
X, Y = [1.5, -2.0], 1.0


def _expected():
    """The gradient of `_net` by hand (floats: the same operations in the same order as the sweep's)."""
    w, (x0, x1) = WS, X
    a0, a1 = w[0] * x0 + w[1] * x1 + w[2], w[3] * x0 - w[4] * x1 + w[5]
    h0, h1 = max(a0, 0.0), max(a1, 0.0)
    d = w[6] * h0 + w[7] * h1 + w[8] - Y
    return d, a0, a1, h0, h1


def _frames(fn) -> list:
    seen = []

    def prof(frame, event, arg):
        if event == "call":
            seen.append((frame.f_code.co_name, frame.f_code.co_filename.replace("\\", "/").rsplit("difflab/", 1)[-1]))

    sys.setprofile(prof)
    try:
        out = fn()
    finally:
        sys.setprofile(None)
    return out, seen


def test_a_fresh_scalar_gradient_skips_the_frames_written_out():
    dl.grad(_net)(WS, X, Y), dl.grad(_net)(WS, X, Y)  # (signature seen twice: its reader generated)
    g, seen = _frames(lambda: dl.grad(_net)(WS, X, Y))
    names = {name for name, _ in seen}
    assert "_no_reduce_axes" not in names  # the default reduce_axes: no call
    assert "lost_terms" not in names and "rescaled" not in names and "swept" not in names  # the common answer
    assert ("__enter__", "graph.py") not in seen  # graph.raising's state set with the underflow watch
    assert [s for s in seen if s == ("__call__", "api/operators.py")] == [("__call__", "api/operators.py")]
    d, a0, a1, h0, h1 = _expected()
    assert g[6] == d * h0 and g[7] == d * h1 and g[8] == d
    assert len(g) == 9 and all(type(p) is float for p in g)


def test_the_sweep_runs_under_the_sweeps_error_state_and_sees_underflows(monkeypatch):
    states = []
    real = reverse_module.backward

    def spy(*args, **kw):
        states.append({k: v for k, v in np.geterr().items() if k in ("divide", "invalid", "under")})
        return real(*args, **kw)

    monkeypatch.setattr(reverse_module, "backward", spy)
    assert dl.grad(lambda x: x * x * 3.0)(2.0) == 12.0
    assert states == [{"divide": "raise", "invalid": "raise", "under": "call"}]
    assert np.geterr()["invalid"] != "raise" or np.geterr()["divide"] != "raise"  # (the caller's state back)
    # a lost term (1/u² of u = x·x at 1e100 underflows): swept again at a scaled seed, under the same state
    states.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (nothing said: the rescaled sweep found the term)
        g = dl.grad(lambda x: 1.0 / (x * x))(1e100)
    assert math.isclose(g, -2e-300, rel_tol=1e-15)
    assert len(states) == 2 and states[1]["divide"] == "raise" and states[1]["invalid"] == "raise"


def test_the_finite_input_check_of_float_inputs_keeps_its_answers():
    # an infinite input not differentiated, the loss finite: the weight's gradient as computed, nothing said
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        assert dl.grad(lambda w, x: w * w + dnp.relu(-x))(3.0, math.inf) == 6.0
    # inputs whose sum overflows: each finite, no NaN
    assert dl.grad(lambda w, x: w * 1e-300 + x * 1e-300, argnums=(0, 1))(1e308, 1e308) == (1e-300, 1e-300)
    with pytest.warns(DomainWarning, match="differentiated input 0 is infinite"):
        assert math.isnan(dl.grad(lambda w, x: dnp.relu(-w) + x * x)(math.inf, 2.0))
    with pytest.warns(DomainWarning, match="differentiated input 1 is infinite"):
        g = dl.grad(lambda ws, x: ws[0] * x + dnp.relu(ws[1]))([1.0, -math.inf], 3.0)
    assert g[0] == 3.0 and math.isnan(g[1])


def test_a_fresh_gradient_of_the_scalar_net_is_the_cached_one_s():
    fresh = [dl.grad(_net)(WS, X, Y) for _ in range(4)]  # general path, then the signature's reader
    g = dl.grad(_net)
    cached = [g(WS, X, Y) for _ in range(4)]  # then the compiled float program
    assert all(f == fresh[0] for f in fresh + cached)
    v, g2 = dl.value_and_grad(_net)(WS, X, Y)
    assert g2 == fresh[0] and v == _expected()[0] ** 2 * 0.5
    with pytest.raises(TypeError, match="keyword"):
        dl.grad(_net)(WS, X, y=Y)


def test_the_generated_reader_still_refuses_a_leaf_that_is_no_float():
    f = lambda ws, c: (ws[0] * ws[1] + ws[2]) * c  # noqa: E731
    for _ in range(3):  # (seen twice: from the third call the signature's generated reader reads the arguments)
        assert dl.grad(f)([1.0, 2.0, 3.0], 2.0) == [4.0, 2.0, 2.0]
    with pytest.raises(TypeError, match="int"):
        dl.grad(f)([1.0, 2, 3.0], 2.0)  # an int among the floats: not this signature, refused by the general path
    assert dl.grad(f)([1.0, 2.0, 3.0], 2) == [4.0, 2.0, 2.0]  # (an int static argument: another signature)
    assert dl.grad(f)((1.0, 2.0, 3.0), 2.0) == (4.0, 2.0, 2.0)


def test_unreached_leaves_get_zeros_of_their_kind():
    f = lambda ws, x: dnp.relu(ws[0] * x) * dnp.relu(ws[1] * x) + ws[2] * x  # noqa: E731
    g = dl.grad(f)([-1.0, 2.0, 0.5], 3.0)  # relu(-3) = 0: no cotangent reaches ws[0] nor ws[1]
    assert g == [0.0, 0.0, 3.0] and all(type(p) is float for p in g)
    assert [math.copysign(1.0, p) for p in g] == [1.0, 1.0, 1.0]  # (+0.0)
    # an unreached array and 0-d array beside unreached floats: zeros of their shapes, as arrays
    h = lambda p, x: dnp.relu(p["w"] * x) * dnp.sum(p["a"]) * p["z"] + p["b"] * x  # noqa: E731
    p = {"a": np.ones(2), "b": 0.5, "w": -1.0, "z": np.array(2.0)}
    got = dl.grad(h)(p, 3.0)
    assert type(got["a"]) is np.ndarray and got["a"].tolist() == [0.0, 0.0]
    assert type(got["z"]) is np.ndarray and got["z"].shape == () and got["z"] == 0.0
    assert got["b"] == 3.0 and got["w"] == 0.0 and type(got["w"]) is float


def test_a_fresh_gradient_leaves_no_cyclic_garbage():
    # a trace is freed by reference counting as the call returns (trace.gc_paused): a trace holding its input
    # tracers (which hold it) would keep its whole tape until the collector ran
    import gc

    dl.grad(_net)(WS, X, Y), dl.grad(_net)(WS, X, Y)
    many = [float(i % 7) - 3.0 for i in range(12)]
    f = lambda ws: sum(w * w for w in ws)  # noqa: E731  (more than 8 float leaves: the inputs made by C loops)
    dl.grad(f)(many), dl.grad(f)(many)
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        for _ in range(3):
            assert dl.grad(_net)(WS, X, Y)[8] == _expected()[0]
            assert dl.grad(f)(many) == [2.0 * w for w in many]
            dl.value_and_grad(f)(many)
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()
