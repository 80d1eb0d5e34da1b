"""A fresh scalar gradient's recording, fewer objects and passes (scalar65, issue 17 §1): an op's attributes read
without a __getattr__ hook, the leaves' types of a call read by a generated reader not asked again by the trace,
and a Python float constant of an equation keyed for CSE by its Const in the equation's own argument tuple (by
value, ±0.0 apart), not by a second tuple holding its id."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab import ops
from difflab.api import boundary
from difflab.graph import Const
from difflab.ops.core import Op
from difflab.trace import Trace, trace_flat

trace_module = sys.modules["difflab.trace"]  # (the module: difflab.trace is also the function dl.trace)


def test_an_op_has_no_getattr_hook_and_still_answers_numpy_s_ufunc_methods():
    # a class with __getattr__ reads every attribute by CPython's generic path (op.py, op.float_binary per equation)
    assert "__getattr__" not in vars(Op)
    assert dnp.add.accumulate(np.array([1.0, 2.0, 3.0])).tolist() == [1.0, 3.0, 6.0]
    assert dnp.multiply.reduce(np.array([2.0, 3.0, 4.0])) == 24.0
    assert dnp.add.outer(np.array([1.0, 2.0]), np.array([10.0])).tolist() == [[11.0], [12.0]]
    g = dl.grad(lambda x: dnp.add.reduce(x * x))(np.array([1.0, -2.0]))
    assert g.tolist() == [2.0, -4.0]
    assert not hasattr(dnp.relu, "reduce")  # (no NumPy ufunc: refused as before)
    with pytest.raises(AttributeError, match="'Op' object has no attribute 'accumulate'"):
        dnp.relu.accumulate
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        ops.add.no_such_thing


def test_a_call_read_by_the_generated_reader_hands_its_leaves_types_to_the_trace(monkeypatch):
    seen = []
    real = trace_flat

    def spy(f, leaves, **kw):
        seen.append(kw.get("kinds", "not passed"))
        return real(f, leaves, **kw)

    monkeypatch.setattr(boundary, "trace_flat", spy)

    def loss(ws, c):
        return sum(w * w for w in ws) * c

    ws = [float(i + 1) for i in range(12)]
    got = [dl.grad(loss)(ws, 0.5) for _ in range(4)]  # fresh transforms: the third and fourth read by the reader
    assert all(g == [float(i + 1) for i in range(12)] for g in got)
    assert seen[:2] == [None, None] and seen[2:] == [{float}, {float}]
    # the same tape either way
    g1, *_ = real(lambda *xs: loss(xs, 0.5), ws)
    g2, *_ = real(lambda *xs: loss(xs, 0.5), ws, kinds={float})
    assert [str(e) for e in g1.eqns] == [str(e) for e in g2.eqns] and len(g1.eqns) == 24


def test_equal_float_constants_are_one_subexpression_and_their_key_is_the_argument_tuple():
    a, b = 0.5, float("0.5")  # two objects of one value
    assert a is not b

    def f(x):
        return (x * a + x * b) + (a * x - b * x) + dnp.multiply(x, b) + dnp.multiply(b, x)

    t = Trace()
    x = trace_module._tracer(t, t.new_var(3.0), 3.0)
    f(x)
    muls = [e for e in t.eqns if e.op is ops.mul]
    assert [str(e).split(" :")[0] for e in muls] == ["v1 = mul(v0, 0.5)", "v3 = mul(0.5, v0)"]
    for e in muls:  # the CSE table's key is the equation's own argument tuple: no second tuple, no id int
        assert any(k is e.args for k in t.seen[ops.mul])
    assert len(t.consts) == 2  # the two np.multiply's (record's general path); none for the operators' four
    assert dl.grad(f)(3.0) == 2.0  # (0.5 + 0.5) + (0.5 - 0.5) + 0.5 + 0.5
    assert len(dl.trace(f, 3.0).eqns) == 7  # 2 muls (main: 9 equations, 4 muls)


def test_signed_zero_and_nan_constants_stay_apart():
    z, nz = 0.0, -0.0

    def f(x):
        return [x * z, x * nz, x + math.nan, x + float("nan")]

    t = Trace()
    x = trace_module._tracer(t, t.new_var(2.0), 2.0)
    out = f(x)
    assert [str(e).split(" :")[0] for e in t.eqns] == [
        "v1 = mul(v0, 0.0)",
        "v2 = mul(v0, -0.0)",
        "v3 = add(v0, nan)",
        "v4 = add(v0, nan)",
    ]
    assert [math.copysign(1.0, o.value) for o in out[:2]] == [1.0, -1.0]
    # x * 0.0 and x * -0.0 at x = -2: -0.0 and 0.0, as the graph evaluates them at another point
    g = dl.trace(lambda x: f(x)[:2], 2.0)
    from difflab.graph import evaluate

    vals = evaluate(g, -2.0)
    assert [math.copysign(1.0, float(v)) for v in vals] == [-1.0, 1.0]
    assert isinstance(g.eqns[0].args[1], Const) and g.eqns[0].args[1].value == 0.0


def test_the_thread_s_warning_state_has_class_defaults_read_without_an_attribute_error():
    # getattr(threading.local(), "lost", 0) built and dropped an AttributeError for a name the thread never set:
    # a fresh gradient of floats read `lost` twice (rescaled_sweep, rescaled), ~4.5k machine instructions each
    import threading

    from difflab import errors

    assert {"pending": None, "pending_if": None, "lost": 0}.items() <= vars(type(errors._state)).items()
    seen = []
    worker = threading.Thread(target=lambda: seen.append((errors.lost_terms(), errors._state.pending)))
    worker.start()
    worker.join()
    assert seen == [(0, None)]
    with pytest.warns(dl.DomainWarning, match="sqrt"):  # (collected and said once per call, as before)
        g = dl.grad(lambda x: dnp.sqrt(x - 5.0) * 2.0)(2.0)
    assert math.isnan(g) and errors._state.pending is None
