"""The suite's budget, stop 59: SymPy's evalf of the registry's SymPy functions (ops.core.sympy_function) reads a
real value's parts directly (its evalf_table entry), not through SymPy's fallback, which built re(v) and im(v) in
SymPy's cache: keys of one float value at each precision evalf tried share a hash there, and qr_complement's
translation (test_registry) compared 1.8M of them, two thirds of its evalf."""

import math

import numpy as np
import sympy as sp

from difflab.ops import REGISTRY
from difflab.ops.core import held_value


def test_evalf_of_a_registry_function_reads_its_value_without_re_and_im(monkeypatch):
    fn, x = held_value(REGISTRY["tanh"]), sp.Symbol("x")
    parts = []
    made = sp.Float.as_real_imag
    monkeypatch.setattr(sp.Float, "as_real_imag", lambda self, **kw: parts.append(self) or made(self, **kw))
    expr = (3 * fn(x) + 1) * fn(2 * x) - fn(x) ** 2
    got = expr.xreplace({x: sp.Float(0.5, 17)}).evalf(17)
    assert parts == []  # (main: each value split by re() and im())
    want = (3 * math.tanh(0.5) + 1) * math.tanh(1.0) - math.tanh(0.5) ** 2
    assert float(got) == want or abs(float(got) - want) <= 2 * np.finfo(float).eps * abs(want)
    assert sp.Float(0, 17).evalf(17) == 0 and (fn(x) * 0 + fn(sp.Integer(0))).evalf(17) == 0
    assert fn(x).evalf(17) == fn(x)  # a symbol: left unevaluated, as before
