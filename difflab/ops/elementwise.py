"""Elementwise primitives: arithmetic, transcendental functions, kinks, comparisons, `where`.

Each entry gives one local partial derivative per argument (`partials`); both rules and the shared
batching rule follow from it. Conventions: relu'(0) = 0, abs'(0) = sign(0) = 0, ties of
maximum/minimum split the derivative evenly.
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .core import (Op, _sp,
                   _sympy_fn, defop, elementwise_sympy, sympy_function)

def _piecewise_max(a, b):
    sp = _sp()  # ties split evenly, as in the convention table
    return sp.Piecewise((a, a > b), (b, a < b), ((a + b) / 2, True))


def _piecewise_min(a, b):
    sp = _sp()
    return sp.Piecewise((a, a < b), (b, a > b), ((a + b) / 2, True))


def _ones_like_partial(out, *args):
    return 1.0


# -- elementwise arithmetic -------------------------------------------------------------------

add = defop("add", np.add, py=operator.add, partials=(_ones_like_partial, _ones_like_partial),
            sympy=elementwise_sympy(operator.add), domain=("real", "real"), identity=(0.0, 0.0), numpy=('add',), doc="x + y")
sub = defop("sub", np.subtract, py=operator.sub, partials=(_ones_like_partial, lambda out, a, b: -1.0),
            sympy=elementwise_sympy(operator.sub), domain=("real", "real"), identity=(None, 0.0), numpy=('subtract',), doc="x - y")
mul = defop("mul", np.multiply, py=operator.mul, partials=(lambda out, a, b: b, lambda out, a, b: a),
            sympy=elementwise_sympy(operator.mul), domain=("real", "real"), identity=(1.0, 1.0), numpy=('multiply',), doc="x * y")
div = defop("div", np.true_divide, py=operator.truediv, partials=(lambda out, a, b: 1.0 / b, lambda out, a, b: -out / b),
            sympy=elementwise_sympy(operator.truediv), domain=("real", "nonzero"), identity=(None, 1.0),
            numpy=('divide', 'true_divide'), doc="x / y")
neg = defop("neg", np.negative, py=operator.neg, partials=(lambda out, a: -1.0,),
            sympy=elementwise_sympy(operator.neg), numpy=('negative',), doc="-x")
pow = defop("pow", np.power, py=operator.pow,
            partials=(lambda out, a, b: b * pow(a, b - 1.0), lambda out, a, b: out * log(a)),
            sympy=elementwise_sympy(operator.pow), domain=("positive", "real"), identity=(None, 1.0),
            numpy=('power',), doc="x ** y")

# -- elementwise transcendental ---------------------------------------------------------------

exp = defop("exp", np.exp, py=math.exp, partials=(lambda out, x: out,), sympy=_sympy_fn("exp"), numpy=('exp',), doc="e^x")
log = defop("log", np.log, py=math.log, partials=(lambda out, x: 1.0 / x,), sympy=_sympy_fn("log"),
            domain=("positive",), numpy=('log',), doc="natural logarithm")
log1p = defop("log1p", np.log1p, py=math.log1p, partials=(lambda out, x: 1.0 / (1.0 + x),),
              sympy=elementwise_sympy(lambda x: _sp().log(1 + x)), domain=("positive",), numpy=('log1p',), doc="log(1 + x)")
sin = defop("sin", np.sin, py=math.sin, partials=(lambda out, x: cos(x),), sympy=_sympy_fn("sin"), numpy=('sin',), doc="sine")
cos = defop("cos", np.cos, py=math.cos, partials=(lambda out, x: -sin(x),), sympy=_sympy_fn("cos"), numpy=('cos',), doc="cosine")
tanh = defop("tanh", np.tanh, py=math.tanh, partials=(lambda out, x: 1.0 - out * out,), sympy=_sympy_fn("tanh"),
             numpy=('tanh',), doc="hyperbolic tangent; its rule reuses the output")
sqrt = defop("sqrt", np.sqrt, py=math.sqrt, partials=(lambda out, x: 0.5 / out,), sympy=_sympy_fn("sqrt"),
             domain=("positive",), numpy=('sqrt',), doc="square root; its rule reuses the output")


def _sigmoid(x):
    if np.iscomplexobj(x):
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(-np.abs(x))  # never overflows: accurate for large |x| of either sign
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _mp_sigmoid(x):
    import mpmath

    return 1 / (1 + mpmath.exp(-x))


def _math_sigmoid(x):
    e = math.exp(-builtins.abs(x))
    return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


def _sigmoid_sympy(x):
    # a named function: its derivative is s(1 - s) and its values stay stable for |x| large
    fn = sympy_function("sigmoid", _sigmoid, lambda args, i: fn(*args) * (1 - fn(*args)), _mp_sigmoid,
                        _math_sigmoid)
    return fn(x) if not isinstance(x, (int, float)) else 1 / (1 + _sp().exp(-x))


sigmoid = defop("sigmoid", _sigmoid, py=_math_sigmoid, partials=(lambda out, x: out * (1.0 - out),),
                sympy=elementwise_sympy(_sigmoid_sympy),
                numpy=('sigmoid',), doc="logistic 1/(1+e^-x); earns an entry: stable value and the s(1-s) rule")

# -- kinks: conventions relu'(0)=0, abs'(0)=0, ties split evenly ------------------------------

def _math_sign(x):
    return float((x > 0) - (x < 0)) if x == x else x


def _sign_fn():
    # named, so its derivative is 0 as in the convention table (SymPy's sign' is 2·DiracDelta)
    # not called "sign": SymPy's code printers write their own sign(x) for that name, and sign(NaN) = 1 there
    return sympy_function("difflab_sign", np.sign, lambda args, i: _sp().Integer(0), lambda x: (x > 0) - (x < 0),
                          _math_sign)


def _abs_fn():
    # math.fabs refuses a complex (x**0.5 of a negative float), so the scalar path falls back to NumPy
    return sympy_function("abs", np.abs, lambda args, i: _sign_fn()(*args), builtins.abs, math.fabs)


sign = defop("sign", np.sign, py=_math_sign, partials=(None,), sympy=elementwise_sympy(lambda x: _sign_fn()(x)),
             differentiable=False, analytic=False, numpy=('sign',), doc="sign of x (piecewise constant)")
abs = defop("abs", np.abs, py=math.fabs, partials=(lambda out, x: sign(x),), sympy=elementwise_sympy(lambda x: _abs_fn()(x)),
            kink=lambda x: np.abs(x), analytic=False, numpy=('abs', 'absolute'), doc="|x|; abs'(0) = 0")
relu = defop("relu", lambda x: np.maximum(x, 0.0), py=lambda x: x if x > 0.0 or x != x else 0.0, partials=(lambda out, x: greater(x, 0.0) * 1.0,),
             sympy=elementwise_sympy(lambda x: _sp().Piecewise((x, x > 0), (0, True))),
             kink=lambda x: np.abs(x), analytic=False, numpy=('relu',), doc="max(x, 0); relu'(0) = 0")


def _tie_partial(first_wins):
    def partial(out, a, b):
        return first_wins(a, b) * 1.0 + equal(a, b) * 0.5

    return partial


maximum = defop("maximum", np.maximum,
                partials=(_tie_partial(lambda a, b: greater(a, b)), _tie_partial(lambda a, b: greater(b, a))),
                sympy=elementwise_sympy(_piecewise_max), domain=("real", "real"),
                kink=lambda a, b: np.abs(a - b), analytic=False, numpy=('maximum',), doc="elementwise max; ties split evenly")
minimum = defop("minimum", np.minimum,
                partials=(_tie_partial(lambda a, b: less(a, b)), _tie_partial(lambda a, b: less(b, a))),
                sympy=elementwise_sympy(_piecewise_min), domain=("real", "real"),
                kink=lambda a, b: np.abs(a - b), analytic=False, numpy=('minimum',), doc="elementwise min; ties split evenly")


def _where_partial(pick_first):
    def partial(out, c, a, b):
        return where(c, 1.0, 0.0) if pick_first else where(c, 0.0, 1.0)

    return partial


where = defop("where", np.where, partials=(None, _where_partial(True), _where_partial(False)),
              sympy=elementwise_sympy(lambda c, a, b: _sp().Piecewise((a, c), (b, True))),
              domain=("bool", "real", "real"), analytic=False, numpy=('where',), doc="a where c else b")


def _compare(name, fn, sym, py=None):
    return defop(name, fn, partials=(None, None), sympy=elementwise_sympy(sym), domain=("real", "real"),
                 differentiable=False, analytic=False, py=py, numpy=(name,), doc=f"comparison {name} (no derivative)")


greater = _compare("greater", np.greater, operator.gt, operator.gt)
less = _compare("less", np.less, operator.lt, operator.lt)
greater_equal = _compare("greater_equal", np.greater_equal, operator.ge, operator.ge)
less_equal = _compare("less_equal", np.less_equal, operator.le, operator.le)
equal = _compare("equal", np.equal, lambda a, b: _sp().Eq(a, b))
not_equal = _compare("not_equal", np.not_equal, lambda a, b: _sp().Ne(a, b))
def _stop_gradient_fn():
    return sympy_function("stop_gradient", lambda x: x, lambda args, i: _sp().Integer(0), lambda x: x, lambda x: x)


def _stop_gradient_sympy(x):
    return np.asarray(np.frompyfunc(_stop_gradient_fn(), 1, 1)(x), dtype=object)


stop_gradient = defop("stop_gradient", lambda x: x,
                      partials=(None,), sympy=_stop_gradient_sympy,
                      numpy=('stop_gradient',), doc="identity whose derivative is zero (e.g. the shift inside logsumexp)")



__all__ = [name for name, value in list(globals().items()) if isinstance(value, Op)]
