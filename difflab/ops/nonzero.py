"""A cheap, sound "not identically zero" for SymPy expressions: the symbolic method's numeric probe.

Why: the chain rule's strong products (elementwise.strong_mul_sympy's `eval`) and the shift walk
(differentiators/shifts.py) ask SymPy's `is_zero` of growing adjoint sums, and SymPy answers it by
walking its assumption rules over the whole tree again and again (~0.5 ms a query, a quarter of a
symbolic Hessian's construction). Most of those queries answer None or False. An expression whose
value at one admissible point is nonzero is not identically zero, so SymPy's `is_zero` cannot be True
there: the caller that only acts on True may skip the query. The point: each symbol a fixed value in
(0.25, 0.75) from its name (positive and finite, so admissible for the plain, real and positive
symbols accepted here). The value is computed in floats with a bound on its rounding error carried
along (sums, products, powers, exp, log, sin, cos, |x|, hypot, atan2 and the strong product); anything else, a value
too close to 0 for the bound, an overflow or a point outside a function's domain gives no answer
(False), and the caller asks SymPy as before. The probe never says "zero", so it changes no answer.
"""

from __future__ import annotations

import math
import zlib

__all__ = ["surely_nonzero"]

_EPS = 2.0**-52  # (one rounding of a double, doubled: a safe unit)
_TINY = 1e-280  # below it a double loses relative precision (subnormals): no claim
_ROUGH = 1e-3  # a factor's relative error past it: no claim (the bounds below are first-order)
_MEMO: dict = {}  # expression -> (value, error bound) or None, at the fixed point (bounded)
_SYMBOLS: dict = {}  # symbol assumptions -> whether a positive non-integer value is admissible


def surely_nonzero(e) -> bool:
    """Whether the SymPy expression `e` is surely not identically zero (so `e.is_zero` is not True):
    its value at a fixed positive point is farther from 0 than its rounding error. False: no claim.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y", real=True)
    >>> surely_nonzero(x * sp.exp(y) - y), surely_nonzero(x - x), surely_nonzero(sp.Function("f")(x))
    (True, False, False)
    """
    try:
        got = _value(e)
    except (RecursionError, OverflowError, ValueError, ZeroDivisionError, TypeError):
        return False
    return got is not None and abs(got[0]) > 4.0 * got[1]


def _value(e):
    got = _MEMO.get(e, _MEMO)
    if got is _MEMO:
        if len(_MEMO) > 200000:  # (bounded: a long session's expressions)
            _MEMO.clear()
        got = _MEMO[e] = _checked(_compute(e))
    return got


def _checked(got):
    if got is None:
        return None
    v, err = got
    if not (math.isfinite(v) and math.isfinite(err)) or (v != 0.0 and abs(v) < _TINY):
        return None
    return v, err


def _compute(e):
    if e.is_Symbol:
        return (_point(e), 0.0) if _admissible(e) else None
    if e.is_Number:
        if e.is_Integer:
            v = float(int(e))
            return v, (0.0 if abs(v) < 2.0**53 else abs(v) * _EPS)
        if not e.is_finite:
            return None
        v = float(e)
        return v, abs(v) * _EPS
    if e.is_Add:
        parts = [_value(t) for t in e.args]
        if None in parts:
            return None
        v = math.fsum(p[0] for p in parts)
        size = sum(abs(p[0]) for p in parts)
        return v, sum(p[1] for p in parts) + _EPS * (abs(v) + size)
    if e.is_Mul:
        return _product([_value(f) for f in e.args])
    if e.is_Pow:
        return _power(_value(e.base), e.exp)
    return _function(e)


def _product(parts):
    if None in parts:
        return None
    v, rel = 1.0, 0.0
    for x, err in parts:
        if x == 0.0:
            return (0.0, 0.0) if err == 0.0 else None
        r = err / abs(x)
        if r > _ROUGH:
            return None
        v, rel = v * x, rel + 1.01 * r + _EPS
    return v, abs(v) * (rel + _EPS)


def _power(base, k):
    if base is None or base[0] == 0.0:
        return None
    b, err_b = base
    rel_b = err_b / abs(b)
    if rel_b > _ROUGH:
        return None
    if k.is_Integer:
        n = int(k)
        if abs(n) > 64:
            return None
        rel = abs(n) * 1.01 * rel_b + (abs(n) + 1) * _EPS
        return b**n, abs(b**n) * rel
    if b < 0.0:  # (a real root of a negative number: no claim)
        return None
    exponent = _value(k)
    if exponent is None:
        return None
    p, err_p = exponent
    log_rel = abs(math.log(b)) * err_p + abs(p) * rel_b  # |δ log(b**p)|
    if log_rel > _ROUGH:
        return None
    v = b**p
    return v, abs(v) * (1.01 * log_rel + 4.0 * _EPS)


def _function(e):
    import sympy as sp

    from .core import _SYMPY_CLASSES

    f = e.func
    named = _SYMPY_CLASSES.get(getattr(f, "__name__", None)) is f and f.__name__  # a registry's SymPy function
    if named == "strong_mul":  # a·b, or 0 where a factor is: a product of nonzero factors is a·b
        return _product([_value(a) for a in e.args])
    if named == "difflab_strong_factor":  # `other`, or NaN where other is infinite (never here: values are finite)
        return _value(e.args[1])
    if named == "hypot":  # (Lipschitz 1 in each argument)
        parts = [_value(a) for a in e.args]
        if None in parts or len(parts) != 2:
            return None
        v = math.hypot(parts[0][0], parts[1][0])
        return v, parts[0][1] + parts[1][1] + 2.0 * _EPS * v
    if f is sp.atan2:  # atan2(y, x): its gradient's norm is 1/hypot(y, x)
        parts = [_value(a) for a in e.args]
        if None in parts:
            return None
        (y, err_y), (x, err_x) = parts
        r = math.hypot(y, x)
        if not r > 100.0 * (err_y + err_x):
            return None
        v = math.atan2(y, x)
        return v, 1.1 * (err_y + err_x) / r + 2.0 * _EPS * abs(v)
    if len(e.args) != 1 or not (named == "abs" or f in (sp.exp, sp.log, sp.sin, sp.cos, sp.Abs)):
        return None
    got = _value(e.args[0])
    if got is None:
        return None
    x, err = got
    if f is sp.Abs or named == "abs":
        return abs(x), err
    if f is sp.sin or f is sp.cos:  # (|derivative| ≤ 1)
        v = math.sin(x) if f is sp.sin else math.cos(x)
        return v, err + 2.0 * _EPS
    if f is sp.exp:
        if err > _ROUGH:
            return None
        v = math.exp(x)
        return v, v * (1.01 * err + 2.0 * _EPS)
    if x <= 0.0 or err > _ROUGH * x:  # log
        return None
    v = math.log(x)
    return v, 1.01 * err / x + 2.0 * _EPS * abs(v)


def _point(s) -> float:
    """The symbol's value: fixed by its name, in (0.25, 0.75)."""
    return 0.25 + 0.5 * (zlib.crc32(s.name.encode()) + 0.5) / 2.0**32


def _admissible(s) -> bool:
    """Whether a positive non-integer value respects s's assumptions: a plain, real or positive symbol."""
    key = (type(s), s._assumptions0)
    ok = _SYMBOLS.get(key)
    if ok is None:
        import sympy as sp

        allowed = {sp.Symbol("x", **kw)._assumptions0 for kw in ({}, {"real": True}, {"positive": True})}
        ok = _SYMBOLS[key] = key[0] in (sp.Symbol, sp.Dummy) and key[1] in allowed
    return ok
