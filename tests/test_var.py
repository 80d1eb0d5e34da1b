"""The IR's atoms as the tracer makes them cheaply (issue 17 §1): a `Var` is a tuple made by one C
call, yet equal, hashed and ordered by identity, immutable and no sequence to anyone; the recording
thread's origin (`graph.deriving_from`) is kept per thread without a thread-local read per equation.
"""

from __future__ import annotations

import copy
import threading

import numpy as np
import pytest

import difflab as dl
from difflab import graph
from difflab.graph import Const, Eqn, Var, deriving_from, on_behalf


def test_var_is_equal_and_hashed_by_identity_not_by_its_fields():
    a, b = Var(3, (), np.float64), Var(3, (), np.float64)
    assert a == a and a != b and not (a == b)
    assert hash(a) != hash(b) or a is not b  # (identity hashes; equal fields do not make one key)
    d = {a: 1.0, b: 2.0}
    assert len(d) == 2 and d[a] == 1.0 and d[b] == 2.0
    assert a != Const(3) and Const(a) != a and a not in (Const(3.0), b)  # an equation's other atoms
    with pytest.raises(TypeError):
        _ = a < b  # no order, as before


def test_var_fields_normalised_and_immutable():
    v = Var(7, [2, 3], "float32")
    assert v.id == 7 and v.shape == (2, 3) and v.dtype == np.dtype(np.float32) and v.ndim == 2
    assert repr(v) == "v7" and str(v) == "v7" and v.aval == "f32[2,3]"
    assert Var.make(1, (4,), np.dtype(np.float64)).shape == (4,)
    for name in ("id", "shape", "dtype", "other"):
        with pytest.raises(AttributeError):
            setattr(v, name, 1)
    c = copy.copy(v)  # a copy is another value with the same fields
    assert c is not v and c != v and (c.id, c.shape, c.dtype) == (v.id, v.shape, v.dtype)


def test_traced_vars_are_vars_and_the_tape_prints_as_before():
    g = dl.trace(lambda x, y: (x * y) ** 2.0 + x, 3.0, 2.0)
    assert all(type(v) is Var for v in (*g.inputs, *(e.out for e in g.eqns)))
    assert [v.id for v in g.inputs] == [0, 1] and [e.out.id for e in g.eqns] == [2, 3, 4]
    assert str(g).splitlines()[1].strip() == "v2 = mul(v0, v1) : f64[]"
    assert dl.grad(lambda x, y: (x * y) ** 2.0 + x)(3.0, 2.0) == 2 * 6.0 * 2.0 + 1.0


def test_many_float_leaves_become_inputs_with_consecutive_ids_and_no_id_drawn_beyond():
    xs = [float(i) for i in range(12)]  # more than trace._FEW: the C-loop path
    g = dl.api.stage(lambda xs: xs[0] * xs[11], (xs,)).graph
    assert [v.id for v in g.inputs] == list(range(12)) and g.eqns[0].out.id == 12
    assert dl.grad(lambda xs: xs[0] * xs[11])(xs) == [11.0] + [0.0] * 10 + [0.0]


def test_the_origin_is_per_thread_and_restored():
    e1 = Eqn(Var(1, (), np.float64), None, ())
    e2 = Eqn(Var(2, (), np.float64), None, (), (), e1)  # a derived equation: its origin is e1
    assert deriving_from() is None and graph._ORIGINS == {}
    inside, seen_elsewhere = [], []
    started, release = threading.Event(), threading.Event()

    def other():
        started.wait()
        seen_elsewhere.append(deriving_from())  # while the main thread runs on e2's behalf
        release.set()

    def rule():
        inside.append(deriving_from())
        on_behalf(e1, lambda: inside.append(deriving_from()))  # nested: e1, then e2's origin again
        inside.append(deriving_from())
        started.set()
        release.wait(10)
        return 5.0

    t = threading.Thread(target=other)
    t.start()
    assert on_behalf(e2, rule) == 5.0
    t.join()
    assert inside == [e1, e1, e1] and seen_elsewhere == [None]
    assert deriving_from() is None and graph._ORIGINS == {}  # nothing left behind


def test_an_equation_recorded_on_behalf_of_another_carries_its_source():
    src = dl.trace(lambda x: x * 2.0, 1.0).eqns[0]
    inner = dl.trace(lambda x, y: on_behalf(src, lambda: x * y), 1.0, 2.0)
    assert inner.eqns[0].source is src  # the float operator's fast path read the origin
    assert dl.trace(lambda x, y: x * y, 1.0, 2.0).eqns[0].source is None


def test_common_subexpressions_are_shared_across_record_paths_and_kept_apart_across_ops():
    import difflab.numpy as dnp

    c = 2.5  # one float object: its id is the constant's CSE key

    def f(x, y):
        a = x * y  # the float operator
        b = dnp.multiply(x, y)  # Op.bind -> Trace.record: the same equation
        s = x + y  # another op on the same arguments: its own equation
        r1, r2 = dnp.relu(a), dnp.relu(b)  # _unary_float: one equation
        k1, k2 = x * c, x * c  # a constant argument
        return r1 + r2 + s + k1 + k2

    g = dl.trace(f, 3.0, 2.0)
    assert [e.op.name for e in g.eqns] == ["mul", "add", "relu", "mul", "add", "add", "add", "add"]
    assert g.eqns[0].args == (g.inputs[0], g.inputs[1]) and g.eqns[2].args == (g.eqns[0].out,)
    assert g.eqns[4].args == (g.eqns[2].out, g.eqns[2].out)  # r1 + r2: one relu's value twice
    assert dl.grad(f, argnums=(0, 1))(3.0, 2.0) == (2 * 2.0 + 1.0 + 2 * c, 2 * 3.0 + 1.0)
    m = dl.trace(lambda x: dnp.sum(x * x) + dnp.sum(x * x), np.ones(3))  # arrays: record's _arrays path
    assert [e.op.name for e in m.eqns] == ["mul", "sum", "add"]
