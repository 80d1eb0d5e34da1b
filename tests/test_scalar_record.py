"""Recording micrograd-style code on Python floats (issue 17's scalar row, scalar44): the work per equation
counted, not timed, and the tape it records unchanged — the float Vars' ids drawn in recording order from
the trace's one counter (`Trace.float_vars`), the reflected operators' equations, common subexpressions."""

from __future__ import annotations

import gc
import sys

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.trace import Tracer


def _chain(n):
    def f(x, y):
        for _ in range(n):
            x = x * y + x
        return x

    return f


def _calls_per_equation(small: int, big: int) -> dict:
    """Python calls and C calls (sys.setprofile's events) per equation recorded by dl.trace, from the
    difference of two chain lengths (the trace's fixed work cancels)."""

    def events(n):
        counts = {"call": 0, "c_call": 0}

        def prof(frame, event, arg):
            if event in counts:
                counts[event] += 1

        f = _chain(n)
        gc.disable()  # (a collection's callbacks or finalisers would count as the trace's calls)
        sys.setprofile(prof)
        try:
            g = dl.trace(f, 1.0001, 0.5)
        finally:
            sys.setprofile(None)
            gc.enable()
        return counts, len(g.eqns)

    events(3)  # (first-use work: imports, caches)
    (a, na), (b, nb) = events(small), events(big)
    return {k: (b[k] - a[k]) / (nb - na) for k in a}


def test_a_float_equation_is_recorded_by_one_python_call_and_five_c_calls():
    # the operator itself, and in it: next(float_vars) (the Var), the CSE table's get, op.py, the Eqn, the
    # tape's append. Before: next(ids) and tuple.__new__ for the Var, object.__new__ for the tracer (7)
    per = _calls_per_equation(20, 60)
    assert per == {"call": 1.0, "c_call": 5.0}


def test_the_tape_of_mixed_float_and_array_equations_keeps_its_ids_and_constants():
    def f(x, a, y):
        u = x * y  # float equations, arrays between them: one counter for every Var
        v = a * u
        w = 2.0 - u  # reflected: the constant first
        z = 3.0 / w + dnp.relu(x) + x * y  # x * y again: the first one's Var (CSE), no equation
        return dnp.sum(v) * z + 1.0**y

    g = dl.trace(f, 1.5, np.ones(2), -2.0)
    assert str(g) == (
        "{ lambda v0:f64[] v1:f64[2] v2:f64[] .\n"
        "    v3 = mul(v0, v2) : f64[]\n"
        "    v4 = mul(v1, v3) : f64[2]\n"
        "    v5 = sub(2.0, v3) : f64[]\n"
        "    v6 = div(3.0, v5) : f64[]\n"
        "    v7 = relu(v0) : f64[]\n"
        "    v8 = add(v6, v7) : f64[]\n"
        "    v9 = add(v8, v3) : f64[]\n"
        "    v10 = sum(v4, axis=None, keepdims=False) : f64[]\n"
        "    v11 = mul(v10, v9) : f64[]\n"
        "    v12 = pow(1.0, v2) : f64[]\n"
        "    v13 = add(v11, v12) : f64[]\n"
        "  in (v13) }"
    )
    # the gradient through it against the analytic one (z = 3/w + relu(x) + u, w = 2 - u)
    x, a, y = 1.5, np.ones(2), -2.0
    gx, ga, gy = dl.grad(f, argnums=(0, 1, 2))(x, a, y)
    u, w = x * y, 2.0 - x * y
    z = 3.0 / w + x + u
    dz_du = 3.0 / w**2 + 1.0
    assert np.isclose(gx, 2 * y * z + 2 * u * (dz_du * y + 1.0))  # f = 2u·z + 1, u = x·y
    assert np.allclose(ga, u * z)
    assert np.isclose(gy, 2 * x * z + 2 * u * dz_du * x)  # (1.0 ** y: log 1 = 0)


def test_tracers_are_made_without_an_init_and_hold_their_trace_var_and_value():
    seen = []

    def f(ws):
        seen.extend(ws)
        return ws[0] * ws[1] - 1.0

    assert dl.grad(f)([2.0, 5.0]) == [5.0, 2.0]
    assert [type(t) for t in seen] == [Tracer, Tracer]
    assert [t.value for t in seen] == [2.0, 5.0] and [repr(t.node) for t in seen] == ["v0", "v1"]
    assert seen[0]._trace is seen[1]._trace and "__init__" not in vars(Tracer)
