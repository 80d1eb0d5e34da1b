"""The symbolic method's 40-digit `exact` (program.exact: test_compiled's reference for the compiled tier, in_range's
values at extreme inputs): plain arithmetic by mpmath, every other node by SymPy as before, the same numbers."""

import numpy as np
import sympy as sp

import difflab as dl
import difflab.numpy as dnp
import difflab.scipy.special as dsp
from difflab.differentiators import program

mpmath = __import__("mpmath")

X = np.array([0.3, 1.7, 2.2])


def _f(x):  # a registry special function (mp_impl), an elementary one, a Piecewise (where), powers and sums
    return dsp.elliprd(x, x[::-1], x + 1.0) * dnp.sin(x) + dnp.where(x > 1.0, x**3, 1.0 / x) * dnp.exp(-x)


def _sympys(prepared, args, dps=40):
    """`exact` as main wrote it: each assignment built by SymPy at dps-digit Floats, then `sp.N`."""
    exprs = prepared.exprs("jacobian")
    vals = dict(zip(prepared.symbols, [sp.Float(float(x), dps) for a in args for x in np.ravel(a)]))
    for s, e in prepared.program.needed(exprs):
        vals[s] = sp.N(e.xreplace(vals), dps)
    return np.array([float(sp.N(sp.sympify(e).xreplace(vals), dps)) for e in exprs])


def test_exact_gives_sympys_digits_without_building_sympys_arithmetic(monkeypatch):
    p = dl.prepare(_f, X, method="symbolic").prepared
    want = _sympys(p, [X])
    calls = []
    real_n = sp.N
    monkeypatch.setattr(sp, "N", lambda *a, **k: calls.append(a[0]) or real_n(*a, **k))
    got = p.exact([X], "jacobian")
    np.testing.assert_allclose(got, want, rtol=2e-16, atol=0)
    assert np.count_nonzero(got) == 5  # (the diagonal, and x[::-1]'s anti-diagonal)
    # main: 528 calls for 510 needed assignments (each one SymPy's)
    needed = len(p.program.needed(p.exprs("jacobian")))
    assert len(calls) < needed // 20, (len(calls), needed)  # (15: the outputs' final roundings, a few others)


def test_values_mpmath_would_write_otherwise_are_sympys():
    x, y = sp.symbols("x y", real=True)
    mp = mpmath.mpf
    assert program._evaluated(1 / x, {x: mp(0)}, 40) is sp.zoo  # (mpmath: ZeroDivisionError)
    assert complex(program._evaluated(sp.sqrt(x) + y, {x: mp(-4), y: mp(1)}, 40)) == 1 + 2j  # (mpmath: mpc)
    assert program._evaluated(sp.log(x), {x: mp(0)}, 40) is sp.zoo  # (mpmath: -inf)
    assert program._evaluated(x * y, {x: mp("inf"), y: mp(0)}, 40) is sp.nan
    third = program._evaluated(x / 3 + sp.Rational(1, 3), {x: mp(1)}, 40)
    assert abs(sp.Float(third, 40) - sp.Rational(2, 3)) < 1e-39
