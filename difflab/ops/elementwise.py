"""Elementwise primitives: arithmetic, transcendental functions, kinks, comparisons, `where`.

Each entry gives one local partial derivative per argument (`partials`); both rules and the shared
batching rule follow from it. Conventions: relu'(0) = 0, abs'(0) = sign(0) = 0, ties of
maximum/minimum split the derivative evenly.
"""

from __future__ import annotations

import functools
import builtins
import math
import operator
import sys

import warnings

import numpy as np

from ..graph import Traced, quiet_product
from . import canonical
from .nonzero import surely_nonzero
from . import core as _core
from .core import (
    SYMPY_TRACED,
    Op,
    _sp,
    _sympy_fn,
    argument_partial,
    constant_partial,
    defop,
    elementwise_sympy,
    quotient_partial,
    say_overflow,
    strong_zero,
    infinite_at,
    surely_finite,
    sympy_function,
)


def _piecewise_max(a, b):
    sp = _sp()  # ties split evenly, as in the convention table
    if _is_nan(sp, a) or _is_nan(sp, b):  # (NumPy's maximum propagates a NaN; SymPy's a > nan raises)
        return sp.nan
    return sp.Piecewise((a, _above(a, b)), (b, _above(b, a)), ((a + b) / 2, True))


def _piecewise_min(a, b):
    sp = _sp()
    if _is_nan(sp, a) or _is_nan(sp, b):  # (NumPy's minimum propagates a NaN)
        return sp.nan
    return sp.Piecewise((a, _above(b, a)), (b, _above(a, b)), ((a + b) / 2, True))


def _above(a, b):
    """a > b in NumPy's order: of complex values (SymPy expressions holding I), lexicographic (real parts,
    then imaginary parts), each comparison of real expressions, which SymPy can split and print."""
    sp = _sp()
    if type(a) is sp.Symbol is type(b) and a != b and a._assumptions0 == b._assumptions0 == _plain_real(sp):
        # (SymPy's a > b asks its assumptions whether a - b is positive: undecided for two real symbols, and
        # asked for each of a binomial tree's 820 maxima, 0.7 of a fresh symbolic gradient's 2.4 CPU-s)
        return sp.StrictGreaterThan(a, b, evaluate=False)
    if not any(isinstance(v, sp.Basic) and v.has(sp.I) or isinstance(v, complex) for v in (a, b)):
        return a > b
    return sp.Or(sp.re(a) > sp.re(b), sp.And(sp.Eq(sp.re(a), sp.re(b)), sp.im(a) > sp.im(b)))


def _plain_real(sp, _found=[]):
    """A Symbol(..., real=True)'s assumptions, as SymPy stores them (no sign: a positive and a negative
    symbol's a > b SymPy decides)."""
    if not _found:
        _found.append(sp.Symbol("x", real=True)._assumptions0)
    return _found[0]


_ones_like_partial = constant_partial(1.0)


def _on_scalars(fn):
    """An arithmetic op's `direct` (Op.direct): Python's operator on numbers (rank 0), where NumPy's
    scalar arithmetic gives the ufunc's value and type without the ufunc call's array machinery
    (a few thousand instructions: a closed-form gradient's scalar factors)."""
    return lambda ranks: (fn, {}) if not builtins.any(ranks) else None


# -- elementwise arithmetic -------------------------------------------------------------------

add = defop(
    "add",
    np.add,
    complex=True,
    py=operator.add,
    direct=_on_scalars(operator.add),
    partials=(_ones_like_partial, _ones_like_partial),
    sympy=elementwise_sympy(canonical.plus),  # (SymPy's x + y, built directly where nothing combines)
    domain=("real", "real"),
    identity=(0.0, 0.0),
    numpy=("add",),
    strict=(True, True),
    doc="x + y",
    linear=True,
)
sub = defop(
    "sub",
    np.subtract,
    complex=True,
    py=operator.sub,
    direct=_on_scalars(operator.sub),
    partials=(_ones_like_partial, constant_partial(-1.0)),
    sympy=elementwise_sympy(operator.sub),
    domain=("real", "real"),
    identity=(None, 0.0),
    numpy=("subtract",),
    strict=(True, True),
    doc="x - y",
    linear=True,
)
mul = defop(
    "mul",
    np.multiply,
    complex=True,
    py=operator.mul,
    direct=_on_scalars(operator.mul),
    partials=(strong_zero(argument_partial(1)), strong_zero(argument_partial(0))),
    sympy=elementwise_sympy(canonical.product),  # (SymPy's x * y, likewise)
    domain=("real", "real"),
    identity=(1.0, 1.0),
    numpy=("multiply",),
    strict=(True, True),
    doc="x * y",
    linear="each",
)


def _strong_mul_impl(a, b):
    if isinstance(a, Traced) or isinstance(b, Traced):  # values of an enclosing trace: recorded there
        return strong_mul(a, b)
    with quiet_product():  # (0·∞ formed here only to be replaced by 0; a rule's overflow said below, not as NumPy's)
        out = np.multiply(a, b)
    # the product first: every factor reaches some product, and ±inf or NaN in a factor makes its products ±inf or
    # NaN, so a finite product (one pass: the common case) had finite factors, no 0·∞ among them, and no overflow
    if surely_finite(out):
        return out
    if surely_finite(a) and surely_finite(b):  # finite factors: a product out of range (or too large to tell)
        say_overflow(out, a, b)
        return out
    if getattr(getattr(out, "dtype", None), "kind", "") == "O":  # SymPy expressions, sparsity's dependency sets
        return out
    # one pass, no temporaries: a sum without NaN means no product is NaN; with one (or inf - inf in the sum), the
    # products are checked one by one
    with np.errstate(invalid="ignore", over="ignore"):
        if not np.isnan(np.add.reduce(out, axis=None)):
            return out
    zero = (np.equal(a, 0.0) | np.equal(b, 0.0)) & np.isnan(out)
    return np.where(zero, 0.0, out) if np.any(zero) else out


def _py_strong_mul(a, b):
    return 0.0 if a == 0.0 or b == 0.0 else a * b


def _mp_strong_mul(a, b):
    return 0 if a == 0 or b == 0 else a * b


def strong_mul_sympy():
    """strong_mul as a SymPy function (the symbolic method's chain rule uses it where a factor may
    be infinite): generated code calls the entry's own NumPy/float implementations, so 0·∞ is 0
    there too. With a number among its arguments it is the plain product (0 included)."""
    sp = _sp()
    fn = sympy_function(
        "strong_mul", _strong_mul_impl, lambda args, i: args[1 - i], _mp_strong_mul, _py_strong_mul, exact_mp=True
    )
    if "eval" not in fn.__dict__:

        def _numbers(cls, a, b):  # SymPy calls it `eval`: evaluation on number arguments
            # (SymPy's is_zero below, on sums and products of names: most of a Hessian's chain-rule products)
            plain_a, plain_b = _not_zero_plainly(a), _not_zero_plainly(b)
            if plain_a and plain_b:
                return None
            # (canonical.product: SymPy's a * b built directly, an adjoint times a mean's 1/N most often)
            if (plain_a and _finite_nonzero(b)) or (plain_b and _finite_nonzero(a)):
                return canonical.product(a, b)
            # (SymPy's is_zero only where neither the form nor the numeric probe shows a factor not identically 0)
            if _maybe_zero(a, plain_a) or _maybe_zero(b, plain_b):
                return sp.Integer(0)
            if (a.is_Number and a.is_finite) or (b.is_Number and b.is_finite):
                return canonical.product(a, b)
            return None

        def _eval_derivative(self, s):  # the chain rule with the entry's partials, each product strong too
            a, b = self.args
            return strong_mul_chain(a, b, a.diff(s), b.diff(s))

        fn.eval = classmethod(_numbers)
        fn._eval_derivative = _eval_derivative
    return fn


def strong_mul_of(a, b):
    """strong_mul(a, b) as a SymPy expression, equal to `strong_mul_sympy()(a, b)` (arguments, hash, `nargs`). Where
    both factors are plainly nonzero, not numbers (`_not_zero_plainly`: its `eval` leaves the product as it is, and
    no argument is a float SymPy would evaluate it at), the object is built directly: SymPy's two cached constructor
    layers (their argument hashing, `eval`, `_should_evalf`) cost ~10 µs a product, and a symbolic Hessian's forward
    pass builds tens of thousands, a tangent times a local partial (sampled: 28 % of the pass)."""
    fn, plain_a, plain_b = strong_mul_sympy(), _not_zero_plainly(a), _not_zero_plainly(b)
    if (plain_a and _finite_nonzero(b)) or (plain_b and _finite_nonzero(a)):
        return canonical.product(a, b)  # (what its `eval` answers: a tangent times a mean's 1/N)
    if not (plain_a and plain_b):
        return fn(a, b)
    obj = _sp().Expr.__new__(fn, a, b)
    obj.nargs = _strong_mul_nargs()
    return obj


@functools.lru_cache(maxsize=1)
def _strong_mul_nargs():
    """The `nargs` SymPy's constructor gives a strong_mul (Application.__new__ sets it on each instance)."""
    x, y = _sp().symbols("x y", real=True)
    return strong_mul_sympy()(x, y).nargs


def strong_mul_chain(a, b, da, db):
    """d strong_mul(a, b) from da and db (SymPy expressions): each product strong too, as strong_mul's own
    `_eval_derivative` (a zero da or db's term is 0, its partial not built)."""
    fn, zero = strong_mul_of, _sp().S.Zero
    first = zero if da == 0 else fn(da, _strong_mul_partial_sympy(a, b))
    return first + (zero if db == 0 else fn(db, _strong_mul_partial_sympy(b, a)))


def _not_zero_plainly(e) -> bool:
    """Whether e is, by its form alone, neither a number nor surely zero: a finite symbol (the symbolic method's
    names are real, so finite) not declared zero, a product or integer power of such symbols and nonzero
    finite numbers (zero only where a factor is, which SymPy's `is_zero` cannot know either), or a sum of
    such products. SymPy's `is_zero` on these is None (or False), never True."""
    if e.is_Symbol:
        return e.is_zero is not True and e.is_finite is True
    if e.is_Pow:
        return e.exp.is_Integer and _not_zero_plainly(e.base)
    if e.is_Mul:
        return all(_not_zero_plainly(f) or _finite_nonzero(f) for f in e.args)
    if e.is_Add:  # distinct such terms (SymPy's Add has collected like ones): a polynomial not identically zero
        return all(_not_zero_plainly(t) for t in e.args)
    return False


def _maybe_zero(e, plain: bool) -> bool:
    """SymPy's `e.is_zero` (True: surely 0), not asked where e's form (`plain`) or its value at a point
    (nonzero.surely_nonzero) shows it is not identically zero: there SymPy's answer is None or False."""
    return not plain and not surely_nonzero(e) and e.is_zero is True


def _finite_nonzero(e) -> bool:
    return e.is_Number and e.is_finite and e != 0


def _strong_mul_partial_sympy(this, other):
    """`_strong_mul_partial` in SymPy (∂ strong_mul/∂this): `other`, NaN where this is 0 and other infinite. A
    named function (strong_factor's, `difflab_strong_factor`: one node, its values NumPy's; on traced values the entry's own
    partial), not a Piecewise of where, equal and isinf's translations, which doubled a Hessian's code. (The
    symbolic method's derivative of its own strong products, the adjoints of a Hessian's first pass:
    `sqrt(x*x)''` at 0 was +inf where reverse's, through this partial, is NaN.)"""
    if (other.is_Number and other.is_finite) or this.is_zero is False:  # no 0·∞ can be formed
        return other
    return _strong_factor_sympy()(this, other)


def _strong_mul_partial(k):
    """∂ strong_mul(a, b) in argument k: the other factor, except NaN where this one is 0 and the other
    infinite. There 0·∞ is 0 by convention (strong zeros, DESIGN.md §3), but any move of this factor off 0
    makes the product ±∞: it jumps, and has no derivative. (The Hessian of std at a constant vector, a cone's
    apex: forward over forward gave ±∞ there where forward over reverse's inf - inf gave NaN; NaN for both.)"""

    def partial(out, a, b):
        this, other = (a, b) if k == 0 else (b, a)
        if isinstance(other, Traced):
            return strong_factor(this, other)
        if isinstance(this, Traced):
            # a finite constant factor (the data, a mean's 1/N: an hvp differentiates a gradient's products
            # with them) is the partial, whatever `this` is: no strong_factor recorded (one call per use)
            if not surely_finite(other):
                return strong_factor(this, other)
            shape = np.broadcast_shapes(np.shape(this), np.shape(other))
            return other if np.shape(other) == shape else np.broadcast_to(other, shape)
        return _strong_factor_impl(this, other)  # (a value, not a recorded graph: no other point is asked of it)

    return partial


def _strong_factor_impl(this, other):
    if isinstance(this, Traced) or isinstance(other, Traced):  # values of an enclosing trace: recorded there
        return strong_factor(this, other)
    if surely_finite(other) and np.broadcast_shapes(np.shape(this), np.shape(other)) == np.shape(other):
        return other  # one BLAS pass: the common case
    with np.errstate(invalid="ignore"):
        jump = np.isinf(other) & ~(np.abs(this) > 0)  # (a NaN `this` too: NaN in, NaN out)
    return np.where(jump, np.nan, other)


def _py_strong_factor(this, other):
    return math.nan if math.isinf(other) and not abs(this) > 0 else other


def _mp_strong_factor(this, other):
    mpmath = __import__("mpmath")
    return mpmath.nan if mpmath.isinf(other) and not abs(this) > 0 else other


def _strong_factor_sympy():
    return sympy_function(
        "difflab_strong_factor",
        _strong_factor_impl,
        lambda args, i: _sp().Integer(i),  # (1 in other; the NaN point has no derivative either way)
        _mp_strong_factor,
        _py_strong_factor,
        exact_mp=True,
    )


# One float-valued equation, not where(equal(this, 0), where(isinf(other), nan, other), other): comparisons
# downstream of a strong product stop the compiled tier's speculation (compile/graphs.py), and the hvp of an
# MLP then ran every strong product exactly (1.3x its time at n = 10^5). Its value is `other` or NaN, and a
# NaN argument gives NaN wherever the result depends on it, so speculation's argument holds through it.
strong_factor = defop(
    "strong_factor",
    _strong_factor_impl,
    internal=True,
    complex=True,
    py=_py_strong_factor,
    partials=(None, _ones_like_partial),
    sympy=elementwise_sympy(lambda this, other: _strong_factor_sympy()(this, other)),
    domain=("real", "real"),
    analytic=False,
    finite_returns=1,
    doc="strong_mul's partial in one factor: the other factor, except NaN where this one is 0 and the other "
    "±inf (there the product jumps from 0 to ±inf)",
)


strong_mul = defop(
    "strong_mul",
    _strong_mul_impl,
    internal=True,
    complex=True,
    py=_py_strong_mul,
    partials=(strong_zero(_strong_mul_partial(0)), strong_zero(_strong_mul_partial(1))),
    sympy=elementwise_sympy(lambda a, b: strong_mul_sympy()(a, b)),
    domain=("real", "real"),
    identity=(1.0, 1.0),  # 1·x is x, ∞ and NaN included: the trace folds it as it folds mul's
    plain=mul,
    doc="a * b with strong zeros: 0 times anything (∞ included) is 0; the chain rule's "
    "product in the rules marked strong_zero (one equation, as a plain product)",
)
SYMPY_TRACED["difflab_strong_partial"] = lambda this, other: _strong_mul_partial(0)(None, this, other)


# length scales (Op.scale): how far an argument may move before the op stops looking like its Taylor
# polynomial, read by the numeric method to keep its stencils off poles, cusps, domain edges and periods
def _distance(x):
    """|x|: a pole, cusp or domain edge at 0 (1/x, log, sqrt, cbrt)."""
    return np.abs(x)


def _radian(*xs):
    """A periodic op's scale: one radian (its Taylor polynomial is good over a fraction of it)."""
    return 1.0


def _to_unit_edge(x):
    """1 - |x|: the domain edges ±1 of arcsin, arccos, arctanh."""
    return 1.0 - np.abs(x)


def _pow_scale(a, b):
    """x**b: a polynomial for a whole b ≥ 0 (no scale); otherwise a pole, cusp or branch point at x = 0."""
    b = np.asarray(b, dtype=float)
    return np.where((b >= 0) & (np.mod(b, 1.0) == 0), np.inf, np.abs(a))


def _quotient_sympy(a, b):
    """a / b as NumPy divides: SymPy folds a/3.0 into 0.333…·a, a product an ulp off the quotient (0.1·3/3 is
    0.10000000000000002, 0.1·3·(1/3) is 0.1), which turns a tie a comparison reads after it (x·3/3 == x) the other
    way: the symbolic method's value and gradient of where(x·3/3 == x, x, 2x) were x's at 0.1, NumPy's 2x's."""
    sp = _sp()
    b = sp.Float(b) if isinstance(b, (float, int)) and not isinstance(b, bool) else b  # (a constant: a Python number)
    if isinstance(b, sp.Number) and b.is_nonzero and not isinstance(a, (sp.Number, float, int)):
        return sp.Mul(a, sp.Pow(b, -1, evaluate=False), evaluate=False)  # (printed a/3.0: NumPy's one rounding)
    return a / b


div = defop(
    "div",
    np.true_divide,
    complex=True,
    py=operator.truediv,
    direct=_on_scalars(operator.truediv),
    # t/b and (-out·t)/b, not t·(1/b) and t·(-out/b): -out/b underflowed (1/(x·x) at 1e100 had slope -0.0, x/(x·x)
    # at 7e149 the slope +1/x², and its derivative through log made log(x·x)'s Hessian +2/x²), see quotient_partial
    partials=(
        quotient_partial(1.0, lambda out, a, b: b),
        quotient_partial(lambda out, a, b: -out, lambda out, a, b: b),
    ),
    sympy=elementwise_sympy(_quotient_sympy),
    domain=("real", "nonzero"),
    identity=(None, 1.0),
    numpy=("divide", "true_divide"),
    strict=(True, False),
    doc="x / y",
    scale=(None, lambda a, b: np.abs(b)),
)


def _strong_div_impl(a, b):
    if isinstance(a, Traced) or isinstance(b, Traced):  # values of an enclosing trace: recorded there
        return strong_div(a, b)
    # 0/0 and 0/NaN are formed here only to be replaced by 0; an overflow is a rule's term out of range: said as a
    # DerivativeRangeWarning, not NumPy's (sqrt(x)·x's forward Hessian at 1e-210 printed "overflow encountered")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.true_divide(a, b)
    if surely_finite(out) or getattr(getattr(out, "dtype", None), "kind", "") == "O":
        return out
    say_overflow(out, a, b)
    held = np.equal(a, 0.0)
    # a nonzero a over b = 0 is NaN, as the plain rule's partial is outside div's domain (its equation says so)
    return np.where(held & np.isnan(out), 0.0, np.where(np.equal(b, 0.0) & ~held, np.nan, out))


def _py_strong_div(a, b):
    return 0.0 if a == 0.0 else math.nan if b == 0.0 else a / b


# a / b with strong zeros in a: a quotient partial's rule (n·t)/d on traced values (ops.core.quotient_partial),
# where a zero tangent meets a NaN or 0 denominator (another element's log(-1)) as strong_mul(t, n/d) met n/d: 0
strong_div = defop(
    "strong_div",
    _strong_div_impl,
    internal=True,
    complex=True,
    py=_py_strong_div,
    partials=(
        quotient_partial(1.0, lambda out, a, b: b, quiet=True),
        quotient_partial(lambda out, a, b: -out, lambda out, a, b: b, quiet=True),
    ),
    sympy=elementwise_sympy(lambda a, b: strong_mul_sympy()(a, 1 / b)),
    domain=("real", "nonzero"),
    plain=div,  # (the compiled tier runs div and checks its outputs, as mul for strong_mul)
    doc="a / b with strong zeros in a: 0 divided by anything (0 and NaN included) is 0; a quotient rule's "
    "(n·t)/d on traced values",
)


neg = defop(
    "neg",
    np.negative,
    complex=True,
    py=operator.neg,
    direct=_on_scalars(operator.neg),
    partials=(lambda out, a: -1.0,),
    sympy=elementwise_sympy(operator.neg),
    numpy=("negative",),
    strict=(True,),
    doc="-x",
    linear=True,
)


def _pow_partial_base(out, a, b):
    # x**0 is constant: its partial is 0 everywhere, also at x = 0 (where b·x^(b-1) is 0·∞)
    if isinstance(b, Traced) or np.any(np.equal(b, 0.0)):
        a = where(equal(b, 0.0), 1.0, a)
    return b * pow(a, b - 1.0)


def _below_one(out, a, b) -> bool:
    """Whether x**b's exponent is a known real constant below 1 (negative, fractional): its quotient form (b·out)/x
    then keeps the scale of out (for b > 1, out = x^b overflows where b·x^(b-1) does not)."""
    return not isinstance(b, Traced) and not np.iscomplexobj(b) and bool(np.all(np.less(b, 1.0)))


def _pow_partial_exponent(out, a, b):
    # where x**y is 0 (x = 0, y > 0) it stays 0 as y moves: the partial out·log(x) is 0 there, not 0·(-∞)
    return out * log(where(equal(out, 0.0), 1.0, a))


def _pow_sympy_scalar(a, b):
    sp = _sp()
    a, b = (v if isinstance(v, sp.Basic) else sp.Float(v) for v in (a, b))
    if a.is_zero and not b.is_number:  # 0**y: 0 for y > 0 (flat: its derivative is 0, not 0·log 0)
        return sp.Piecewise((sp.Integer(0), b > 0), (sp.Integer(1), sp.Eq(b, 0)), (sp.oo, True))
    if not a.is_number and not b.is_number:  # a base that may be 0 at run time: see _pow_fn
        return _pow_fn()(a, b)
    return a**b


def _pow_fn():
    """x**y with both variable, as a SymPy function whose derivative in y is strong_mul(x**y,
    log x): where x**y is 0 (x = 0, y > 0) the partial is 0, not 0·(-∞), as forward and reverse
    have it (`_pow_partial_exponent`); in x it is y·x**(y-1), as SymPy's."""
    sp = _sp()

    def derivative(args, i):
        x, y = args
        return y * fn(x, y - 1) if i == 0 else strong_mul_sympy()(fn(x, y), sp.log(x))

    # plain: x**y in SymPy's terms on complex arguments (exp(y log x), NumPy's principal branch: program.py)
    fn = sympy_function("difflab_pow", np.power, derivative, lambda x, y: x**y, builtins.pow, plain=lambda x, y: x**y)
    return fn


pow = defop(
    "pow",
    np.power,
    complex=True,
    py=operator.pow,
    partials=(
        strong_zero(
            # (b·out·t)/x, not t·(b·x^(b-1)): (x²+1)^-0.5's x^-1.5 underflowed at x = 7e149 (slope 0 for -2e-300)
            quotient_partial(lambda out, a, b: b * out, lambda out, a, b: a, when=_below_one, value=_pow_partial_base),
            lambda out, a, b: where(equal(a, 0.0), less(b, 1.0), False),
        ),
        strong_zero(_pow_partial_exponent),
    ),
    sympy=elementwise_sympy(_pow_sympy_scalar),
    domain=("positive", "real"),
    identity=(None, 1.0),
    numpy=("power",),
    doc="x ** y",
    scale=(_pow_scale, None),
)

# -- elementwise transcendental ---------------------------------------------------------------


def _exp_out(out, x):
    return out


def _exp_half(sign: float):
    """e^(sign·x/2), a float for a float x (the float sweep keeps only floats), inf past float64's range."""

    def half(out, x):
        if type(x) is float:
            return math.exp(sign * 0.5 * x) if sign * x < 1418.0 else math.inf
        with np.errstate(over="ignore"):  # inf, as the float's: an array may hold x < -1416 beside the underflowed
            return np.exp(sign * 0.5 * x)

    return half


def _exp_underflowed(out, x) -> bool:
    """Whether e^x underflowed below float64's normal range at a real x where a tangent or cotangent above 1 may bring
    t·e^x back into range (3e200·e^-800 = 1.1e-147; its partial out is 0); not below x = -1416, where |t|·e^x <
    1e-307 for every finite t. Floats: two comparisons; arrays: a pass; values only (a traced x: the plain product)."""
    if isinstance(x, Traced):  # (a compiled sweep's trace: its code keeps the plain product, the rules decide)
        return False
    if type(out) is float or type(out) is np.float64:
        return abs(out) < _core._TINY and x > -1416.0
    if type(out) is not np.ndarray or out.dtype != np.float64 or not out.size or not np.min(out) < _core._TINY:
        return False
    return bool(np.any((out < _core._TINY) & (x > -1416.0)))


exp = defop(
    "exp",
    np.exp,
    py=math.exp,
    # (t·e^(x/2))/e^(-x/2), where e^x underflowed: each factor in range for x down to -1416 (quotient_partial)
    partials=(quotient_partial(_exp_half(1.0), _exp_half(-1.0), when=_exp_underflowed, value=_exp_out, lifts=True),),
    sympy=_sympy_fn("exp"),
    numpy=("exp",),
    complex=True,
    doc="e^x",
    underflow_exact=True,  # e^-800 = 0: its partial (out) is the same 0
)


def _sympy_log(*base):
    """log (to `base`) in SymPy, -oo at an exact 0 (NumPy's -inf), where SymPy's own is zoo, complex infinity: a
    constant 0 in the graph (np.log(np.stack([x, 0.0]))) made zoo, and zoo + zoo, or exp(zoo), is nan, so the
    symbolic method's value of sum(exp(log(.))) was NaN where NumPy's, and the other methods', is finite."""

    def translate(sp, x):
        zero = x.is_zero if isinstance(x, sp.Basic) else x == 0  # (a SymPy expression, or a number: never text)
        return -sp.oo if zero is True or zero is np.True_ else sp.log(x, *base)

    return elementwise_sympy(lambda *xs: translate(_sp(), *xs))


log = defop(
    "log",
    np.log,
    complex=True,
    py=math.log,
    partials=(quotient_partial(1.0, lambda out, x: x),),  # t/x: a relative change (quotient_partial)
    sympy=_sympy_log(),
    domain=("positive",),
    numpy=("log",),
    strict=(True,),
    doc="natural logarithm",
    scale=(_distance,),
)


def _log1p_fn():
    """log1p as a named SymPy function computed by NumPy's and C's accurate log1p: log(1 + x) rounded 1 + x (0 for
    1e-155 at x = 1e-155; 1e-8 kept 8 digits): the battery against reverse found it."""
    return sympy_function(
        "difflab_log1p",
        np.log1p,
        lambda args, i: 1 / (1 + args[0]),
        lambda x: __import__("mpmath").log1p(x),
        math.log1p,
        plain=lambda x: _sp().log(1 + x),
        exact_mp=True,
    )


log1p = defop(
    "log1p",
    np.log1p,
    complex=True,
    py=math.log1p,
    partials=(quotient_partial(1.0, lambda out, x: 1.0 + x),),
    sympy=elementwise_sympy(lambda x: _log1p_fn()(x)),
    domain=("positive",),
    numpy=("log1p",),
    doc="log(1 + x)",
    scale=(lambda x: np.abs(1.0 + x),),
)
sin = defop(
    "sin",
    np.sin,
    complex=True,
    py=math.sin,
    partials=(lambda out, x: cos(x),),
    sympy=_sympy_fn("sin"),
    numpy=("sin",),
    scale=(_radian,),
    doc="sine",
)
cos = defop(
    "cos",
    np.cos,
    complex=True,
    py=math.cos,
    partials=(lambda out, x: -sin(x),),
    sympy=_sympy_fn("cos"),
    numpy=("cos",),
    scale=(_radian,),
    doc="cosine",
)
tanh = defop(
    "tanh",
    np.tanh,
    complex=True,
    py=math.tanh,
    partials=(lambda out, x: 1.0 - out * out,),
    sympy=_sympy_fn("tanh"),
    numpy=("tanh",),
    doc="hyperbolic tangent; its rule reuses the output",
)
sqrt = defop(
    "sqrt",
    np.sqrt,
    complex=True,
    py=math.sqrt,
    partials=(strong_zero(quotient_partial(0.5, lambda out, x: out), lambda out, x: equal(out, 0.0)),),
    sympy=_sympy_fn("sqrt"),
    domain=("positive",),
    numpy=("sqrt",),
    doc="square root; its rule reuses the output",
    scale=(_distance,),
)


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
    # s(x) s(-x), not s(1 - s): 1 - s(x) rounds to 0 beyond x ~ 37, where s'(x) is still e^-x
    fn = sympy_function("sigmoid", _sigmoid, lambda args, i: fn(*args) * fn(-args[0]), _mp_sigmoid, _math_sigmoid)
    return fn(x) if not isinstance(x, (int, float)) else 1 / (1 + _sp().exp(-x))


sigmoid = defop(
    "sigmoid",
    _sigmoid,
    py=_math_sigmoid,
    partials=(lambda out, x: out * sigmoid(-x),),  # s(x) s(-x): accurate where 1 - s(x) would round to 0
    sympy=elementwise_sympy(_sigmoid_sympy),
    numpy=("sigmoid", "scipy.special.expit"),
    underflow_exact=True,  # s(-800) = 0: its partial s(x) s(-x) is the same 0
    doc="logistic 1/(1+e^-x); earns an entry: stable value and the s(x) s(-x) rule",
)

# -- kinks: conventions relu'(0)=0, abs'(0)=0, ties split evenly ------------------------------


def _math_sign(x):
    return float((x > 0) - (x < 0)) if x == x else x


def _sign_fn():
    # named, so its derivative is 0 as in the convention table (SymPy's sign' is 2·DiracDelta)
    # not called "sign": SymPy's code printers write their own sign(x) for that name, and sign(NaN) = 1 there
    return sympy_function(
        "difflab_sign",
        np.sign,
        lambda args, i: _sp().Integer(0),
        lambda x: (x > 0) - (x < 0),
        _math_sign,
        exact_mp=True,  # (a sign is exact in any digits: the symbolic method may evaluate cbrt's partial in 80)
    )


def _abs_fn():
    # math.fabs refuses a complex (x**0.5 of a negative float), so the scalar path falls back to NumPy
    # exact_mp: |x| is exact in any digits (arctan's partial holds it: arctan(x·x)'s slope at 1e100 was 0 for 2e-300
    # under the symbolic method, whose 80-digit evaluation had not trusted it, program.in_range)
    return sympy_function("abs", np.abs, lambda args, i: _sign_fn()(*args), builtins.abs, math.fabs, exact_mp=True)


sign = defop(
    "sign",
    np.sign,
    py=_math_sign,
    partials=(None,),
    sympy=elementwise_sympy(lambda x: _sign_fn()(x)),
    differentiable=False,
    analytic=False,
    numpy=("sign",),
    doc="sign of x (piecewise constant)",
)
abs = defop(
    "abs",
    np.abs,
    py=math.fabs,
    partials=(lambda out, x: sign(x),),
    sympy=elementwise_sympy(lambda x: _abs_fn()(x)),
    kink=lambda x: np.abs(x),
    analytic=False,
    numpy=("fabs",),  # abs, absolute: complexes.cabs's front (|z| of a complex z, this op on reals)
    piecewise=(lambda out, x: (sign(x),), lambda s, x: s[0] * x),
    doc="|x|; abs'(0) = 0",
)
relu = defop(
    "relu",
    lambda x: np.maximum(x, 0.0),
    py=lambda x: x if x > 0.0 or x != x else 0.0,
    partials=(lambda out, x: (x > 0.0) * 1.0,),  # (`>`, not greater(x, 0.0): on Python floats no op is bound)
    sympy=elementwise_sympy(lambda x: _sp().Piecewise((x, x > 0), (0, True))),
    kink=lambda x: np.abs(x),
    analytic=False,
    numpy=("relu",),
    piecewise=(lambda out, x: (greater(x, 0.0),), lambda s, x: where(s[0], x, 0.0)),
    doc="max(x, 0); relu'(0) = 0",
)


def _tie_partial(first_wins):
    def partial(out, a, b):
        return first_wins(a, b) * 1.0 + equal(a, b) * 0.5

    return partial


def _tie_distance(a, b):
    """How far a and b are from a tie: |a − b| on reals; on complex values, ordered lexicographically
    (NumPy's, autograd's and JAX's order), the winner changes where the real parts cross: |Re(a − b)|."""
    return np.abs(np.real(np.subtract(a, b)))


def _tie_piece(held, a, b):
    """max/min on the piece its held (first wins, tie) name: a, b, or their mean at a tie (the even split)."""
    wins, tie = held
    return where(tie, 0.5 * a + 0.5 * b, where(wins, a, b))


maximum = defop(
    "maximum",
    np.maximum,
    partials=(_tie_partial(lambda a, b: greater(a, b)), _tie_partial(lambda a, b: greater(b, a))),
    sympy=elementwise_sympy(_piecewise_max),
    domain=("real", "real"),
    kink=_tie_distance,
    analytic=False,
    complex=True,  # NumPy orders complex values lexicographically; the derivative follows the pick
    numpy=("maximum",),
    piecewise=(lambda out, a, b: (greater(a, b), equal(a, b)), lambda s, a, b: _tie_piece(s, a, b)),
    doc="elementwise max; ties split evenly",
)
minimum = defop(
    "minimum",
    np.minimum,
    partials=(_tie_partial(lambda a, b: less(a, b)), _tie_partial(lambda a, b: less(b, a))),
    sympy=elementwise_sympy(_piecewise_min),
    domain=("real", "real"),
    kink=_tie_distance,
    analytic=False,
    complex=True,  # NumPy orders complex values lexicographically; the derivative follows the pick
    numpy=("minimum",),
    piecewise=(lambda out, a, b: (less(a, b), equal(a, b)), lambda s, a, b: _tie_piece(s, a, b)),
    doc="elementwise min; ties split evenly",
)


def _where_partial(pick_first):
    def partial(out, c, a, b):
        return where(c, 1.0, 0.0) if pick_first else where(c, 0.0, 1.0)

    return partial


def _where_sympy(c, a, b):
    """where(c, a, b) in SymPy: a Piecewise, or between conditions SymPy's boolean if-then-else, ITE. Why not a
    Piecewise of conditions: a Piecewise inside a later condition (a complex max's lexicographic order, a
    nested derivative's And/Not written as selections) makes SymPy fold it into its conditions and simplify
    their logic, proving each comparison non-constant by random sampling: a complex max over 6 entries
    spent 35 s of its 38 s there (the autograd suite's test_max)."""
    sp = _sp()
    a, b = ((sp.true if x else sp.false) if isinstance(x, (bool, np.bool_)) else x for x in (a, b))
    boolean = sp.logic.boolalg.Boolean
    if all(isinstance(x, boolean) and not isinstance(x, sp.Expr) for x in (a, b)):  # (a Symbol is both)
        return sp.ITE(c, a, b)
    return sp.Piecewise((a, c), (b, True))


def _where_front(condition, *xy):
    """`numpy.where(condition, x, y)`: x where condition else y, broadcast; with the condition alone NumPy's
    shorthand for `numpy.nonzero(condition)`, difflab.numpy's (of a traced mask, reads recomputed at each call,
    not one equation of where: its count is the mask's).

    >>> _where_front(np.array([True, False]), 1.0, 2.0), _where_front(np.array([0.0, 3.0]))
    (array([1., 2.]), (array([1]),))
    """
    if not xy:
        from ..numpy import nonzero  # (difflab.numpy is built on the registry: imported when called)

        return nonzero(condition)
    return where(condition, *xy)


where = defop(
    "where",
    np.where,
    complex=True,
    partials=(None, strong_zero(_where_partial(True)), strong_zero(_where_partial(False))),
    sympy=elementwise_sympy(_where_sympy),
    domain=("bool", "real", "real"),
    analytic=False,  # (a mask of the inputs' values switches at their kink)
    selects=(0,),  # (a constant mask: analytic in a and b, item assignment's update)
    numpy=("where",),
    front=_where_front,
    doc="a where c else b",
)


def _compare(name, fn, sym, py=None):
    return defop(
        name,
        fn,
        partials=(None, None),
        sympy=elementwise_sympy(sym),
        domain=("real", "real"),
        differentiable=False,
        analytic=False,
        py=py,
        numpy=(name,),
        doc=f"comparison {name} (no derivative)",
    )


#: a comparison with its sides swapped (oo on the left moves to the right)
_SWAPPED = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge", "eq": "eq", "ne": "ne"}


def _compare_sympy(kind, plain):
    """A comparison's SymPy translation. Against ±oo SymPy decides at once for a real symbol (finite, to SymPy):
    Eq(v, oo) is False, v < oo True. But a named value is ±inf or NaN when the code runs past a constant ±inf
    (x·inf, a -inf mask fill), and NumPy's x == inf is then True: those comparisons are written with
    finite_or_nan (isinf's and isnan's translations) and the sign, left for the code to decide."""

    def translate(a, b):
        sp = _sp()
        if _is_nan(sp, a) or _is_nan(sp, b):  # (a data constant's NaN: NumPy's comparison is False, != True; SymPy
            return sp.true if kind == "ne" else sp.false  # raised "Invalid NaN comparison")
        if _is_infinite(sp, a) and not _is_infinite(sp, b):
            return translate_kind(sp, _SWAPPED[kind], b, a)
        return translate_kind(sp, kind, a, b)

    def translate_kind(sp, kind, a, b):
        if not _is_infinite(sp, b) or isinstance(a, sp.Number) or not isinstance(a, sp.Basic):
            return plain(a, b)
        up = b > 0
        same = sp.And(sp.Not(_finite_sym(sp, a)), a > 0 if up else a < 0)  # a is b (not NaN: NaN > 0 is False)
        number = _finite_sym(sp, sp.tanh(a))  # a is not NaN
        beyond, towards = ("gt", "lt") if up else ("lt", "gt")
        return {
            "eq": same,
            "ne": sp.Not(same),
            beyond: sp.false,
            beyond[0] + "e": same,
            towards: sp.And(number, sp.Not(same)),
            towards[0] + "e": number,
        }[kind]

    return translate


def _is_nan(sp, x) -> bool:
    if isinstance(x, (float, np.floating)):
        return bool(np.isnan(x))
    return isinstance(x, sp.Basic) and x is sp.nan


def _atan2_sympy(y, x):
    """atan2's translation: NumPy's arctan2(0, 0) is 0 where SymPy's atan2(0, 0) is nan (an angle of a constant zero,
    np.angle(np.fft.rfft(zeros)), then compared by np.unwrap, raised SymPy's "Invalid NaN comparison")."""
    sp = _sp()
    if isinstance(y, sp.Number) and isinstance(x, sp.Number) and y == 0 and x == 0:
        return sp.Integer(0)
    return sp.atan2(y, x)


def _is_infinite(sp, x):
    if isinstance(x, (float, np.floating)):  # (a constant's entry may come as NumPy's float)
        return bool(np.isinf(x))
    return isinstance(x, sp.Basic) and x in (sp.oo, -sp.oo)


greater = _compare("greater", np.greater, _compare_sympy("gt", operator.gt), operator.gt)
less = _compare("less", np.less, _compare_sympy("lt", operator.lt), operator.lt)
greater_equal = _compare("greater_equal", np.greater_equal, _compare_sympy("ge", operator.ge), operator.ge)
less_equal = _compare("less_equal", np.less_equal, _compare_sympy("le", operator.le), operator.le)
equal = _compare("equal", np.equal, _compare_sympy("eq", lambda a, b: _sp().Eq(a, b)))
not_equal = _compare("not_equal", np.not_equal, _compare_sympy("ne", lambda a, b: _sp().Ne(a, b)))


def _integral_only(name):
    """The NumPy-signature front of a bitwise entry: NumPy's bitwise functions take booleans and integers only, so a
    float operand is refused as NumPy refuses it (a TypeError), naming the function and the dtype."""

    def front(*args):
        for a in args:
            dtype = a.dtype if hasattr(a, "dtype") else np.result_type(a)
            if dtype.kind not in "biu":
                raise TypeError(
                    f"numpy.{name} of a {dtype} value: NumPy's bitwise functions take booleans and integers only "
                    "(combine comparisons' masks with &, |, ~; compare a float first, x > 0)"
                )
        return _core.REGISTRY[name](*args)

    front.__name__ = front.__qualname__ = name
    return front


def _logical(name, fn, kind, numpy):
    """A boolean connective, traced like a comparison (no derivative, no specialisation: np.where((r < rc) & m, ...)
    is reused at other points). The bitwise spellings are entries of their own whose implementation is NumPy's
    bitwise function: on the booleans comparisons give they equal the logical ones, and a float operand is refused
    when the trace evaluates it, by NumPy's own TypeError, as NumPy refuses it."""
    nargs = 1 if kind == "Not" else 2
    return defop(
        name,
        fn,
        partials=(None,) * nargs,
        sympy=elementwise_sympy(
            lambda *xs: getattr(_sp(), kind)(*[bool(x) if isinstance(x, np.bool_) else x for x in xs])
        ),
        domain=("bool",) * nargs,
        differentiable=False,
        analytic=False,
        numpy=numpy,
        front=_integral_only(name) if name.startswith(("bitwise", "invert")) else None,
        doc=f"boolean {kind} (no derivative)",
    )


logical_and = _logical("logical_and", np.logical_and, "And", ("logical_and",))
logical_or = _logical("logical_or", np.logical_or, "Or", ("logical_or",))
logical_xor = _logical("logical_xor", np.logical_xor, "Xor", ("logical_xor",))
logical_not = _logical("logical_not", np.logical_not, "Not", ("logical_not",))
bitwise_and = _logical("bitwise_and", np.bitwise_and, "And", ("bitwise_and",))
bitwise_or = _logical("bitwise_or", np.bitwise_or, "Or", ("bitwise_or",))
bitwise_xor = _logical("bitwise_xor", np.bitwise_xor, "Xor", ("bitwise_xor",))
invert = _logical("invert", np.invert, "Not", ("invert", "bitwise_not", "bitwise_invert"))

# -- more of NumPy's elementwise functions: accurate implementations (NumPy's own), rules written
# with difflab's ops, SymPy translations --------------------------------------------------------


def _sympy_expr(fn):
    """A scalar SymPy translation given as fn(sympy, *args)."""
    return elementwise_sympy(lambda *xs: fn(_sp(), *xs))


_LN2, _LN10 = math.log(2.0), math.log(10.0)

tan = defop(
    "tan",
    np.tan,
    complex=True,
    partials=(lambda out, x: 1.0 + out * out,),
    sympy=_sympy_fn("tan"),
    numpy=("tan",),
    doc="tangent; its rule reuses the output",
    scale=(lambda x: np.abs(np.cos(x)),),  # its poles, where cos x = 0; a radian elsewhere
)
arcsin = defop(
    "arcsin",
    np.arcsin,
    partials=(lambda out, x: 1.0 / sqrt(1.0 - x * x),),
    sympy=_sympy_fn("asin"),
    domain=("unit",),
    numpy=("arcsin", "asin"),
    doc="inverse sine on [-1, 1]",
    scale=(_to_unit_edge,),
)
arccos = defop(
    "arccos",
    np.arccos,
    partials=(lambda out, x: -1.0 / sqrt(1.0 - x * x),),
    sympy=_sympy_fn("acos"),
    domain=("unit",),
    numpy=("arccos", "acos"),
    doc="inverse cosine on [-1, 1]",
    scale=(_to_unit_edge,),
)


def _arctan_partial(out, x):
    """1/(1 + x²) as r²/(r² + m²), r = 1/max(|x|, 1), m = min(|x|, 1) (the same number, since |x| = m/r), where
    x² never overflows (it did from |x| = 1.4e154: 0 for 1e-310, so 1e300·arctan(x) had slope 0 for 1e-10).
    Its own derivative is 1/(1 + x²)'s also where max and min tie (at |x| = 1: it depends on x only via m/r)."""
    r, m = 1.0 / maximum(abs(x), 1.0), minimum(abs(x), 1.0)
    return r * r / (r * r + m * m)


def _arctan_scale(out, x):
    """The denominator of arctan's quotient form r·t/(r + m²/r) (`_arctan_partial`'s r²/(r² + m²)): r·t stays at
    the scale of t/x where r² underflowed (arctan(x·x)'s slope at 1e100 was 0 for 2e-300; m²/r = |x| for |x| ≥ 1,
    written m²·max(|x|, 1): no division by r = 0 at x = ±inf)."""
    big = maximum(abs(x), 1.0)
    m = minimum(abs(x), 1.0)
    return 1.0 / big + m * m * big


def _angle_held(out, y, x):
    r = hypot(y, x)
    return -out, -(y / r), -(x / r)


def _angle_piece(held, y, x):
    """arctan2 on the branch of the held angle θ₀ = -held[0] at the direction (c, s) = -(held[2], held[1]):
    θ₀ + the angle from (c, s) to (x, y), atan2(c·y - s·x, c·x + s·y) (0 at (x₀, y₀))."""
    theta, s, c = -held[0], -held[1], -held[2]
    return theta + arctan2(c * y - s * x, c * x + s * y)


arctan = defop(
    "arctan",
    np.arctan,
    partials=(quotient_partial(lambda out, x: 1.0 / maximum(abs(x), 1.0), _arctan_scale, value=_arctan_partial),),
    sympy=_sympy_fn("atan"),
    numpy=("arctan", "atan"),
    doc="inverse tangent",
)
arctan2 = defop(
    "arctan2",
    np.arctan2,
    # x/(x² + y²) as x/h/h, h = hypot(y, x): x² overflowed from 1e154 (0 for 1e-155 at x = 1e155)
    partials=(lambda out, y, x: x / hypot(y, x) / hypot(y, x), lambda out, y, x: -y / hypot(y, x) / hypot(y, x)),
    sympy=elementwise_sympy(_atan2_sympy),
    domain=("real", "nonzero"),
    analytic=False,
    # its jump: 2π across the negative x axis. The piece at (y₀, x₀) is θ₀ plus the angle turned from there,
    # smooth through the cut: held (negated, as copies) θ₀ and the unit direction (x₀, y₀)/r
    piecewise=(lambda out, y, x: _angle_held(out, y, x), lambda h, y, x: _angle_piece(h, y, x)),
    numpy=("arctan2", "atan2"),
    doc="angle of the point (x, y): arctan2(y, x)",
    scale=(np.hypot, np.hypot),
)
sinh = defop(
    "sinh",
    np.sinh,
    partials=(lambda out, x: cosh(x),),
    sympy=_sympy_fn("sinh"),
    numpy=("sinh",),
    complex=True,
    doc="hyperbolic sine",
)
cosh = defop(
    "cosh",
    np.cosh,
    complex=True,
    partials=(lambda out, x: sinh(x),),
    sympy=_sympy_fn("cosh"),
    numpy=("cosh",),
    doc="hyperbolic cosine",
)
arcsinh = defop(
    "arcsinh",
    np.arcsinh,
    complex=True,  # hypot takes no complex values: 1/sqrt(1 + z²) for them (holomorphic)
    # on reals not sqrt(x² + 1): x² overflowed from 1.4e154 (0 for 1e-155)
    partials=(lambda out, x: 1.0 / (sqrt(1.0 + x * x) if np.iscomplexobj(x) else hypot(x, 1.0)),),
    sympy=_sympy_fn("asinh"),
    numpy=("arcsinh", "asinh"),
    doc="inverse hyperbolic sine",
)
arccosh = defop(
    "arccosh",
    np.arccosh,
    complex=True,
    partials=(lambda out, x: 1.0 / (sqrt(x - 1.0) * sqrt(x + 1.0)),),  # x² - 1 overflowed from 1.4e154
    sympy=_sympy_fn("acosh"),
    domain=("above_one",),
    numpy=("arccosh", "acosh"),
    doc="inverse hyperbolic cosine on [1, inf)",
    scale=(lambda x: x - 1.0,),
)
arctanh = defop(
    "arctanh",
    np.arctanh,
    complex=True,
    partials=(lambda out, x: 1.0 / (1.0 - x * x),),
    sympy=_sympy_fn("atanh"),
    domain=("unit",),
    numpy=("arctanh", "atanh"),
    doc="inverse hyperbolic tangent on (-1, 1)",
    scale=(_to_unit_edge,),
)


def _expm1_fn():
    # named, so lambdified code calls NumPy's accurate expm1 (exp(x) - 1 cancels near 0)
    return sympy_function(
        "expm1",
        np.expm1,
        lambda args, i: _sp().exp(args[0]),
        lambda x: __import__("mpmath").expm1(x),
        math.expm1,
        plain=lambda x: _sp().exp(x) - 1,
    )


expm1 = defop(
    "expm1",
    np.expm1,
    complex=True,
    partials=(lambda out, x: exp(x),),  # (not out + 1: 0 where e^x < eps/2, 0 for 4.2e-18 at -40)
    sympy=elementwise_sympy(lambda x: _expm1_fn()(x)),
    numpy=("expm1",),
    doc="e^x - 1, accurate near 0 (NumPy's expm1)",
)
exp2 = defop(
    "exp2",
    np.exp2,
    complex=True,
    partials=(lambda out, x: out * _LN2,),
    sympy=_sympy_expr(lambda sp, x: 2**x),
    numpy=("exp2",),
    doc="2^x",
)
log2 = defop(
    "log2",
    np.log2,
    complex=True,
    partials=(quotient_partial(1.0 / _LN2, lambda out, x: x),),
    sympy=_sympy_log(2),
    domain=("positive",),
    numpy=("log2",),
    doc="base-2 logarithm",
    scale=(_distance,),
)
log10 = defop(
    "log10",
    np.log10,
    complex=True,
    partials=(quotient_partial(1.0 / _LN10, lambda out, x: x),),
    sympy=_sympy_log(10),
    domain=("positive",),
    numpy=("log10",),
    doc="base-10 logarithm",
    scale=(_distance,),
)


def _math_logaddexp(a, b):
    if a == b:  # also both inf or both -inf, where a - b is NaN
        return a + _LN2
    return builtins.max(a, b) + math.log1p(math.exp(-builtins.abs(a - b)))


def _mp_logaddexp(a, b):
    import mpmath

    return mpmath.log(mpmath.exp(a) + mpmath.exp(b))


def _logaddexp_sympy(a, b):
    # a named function: lambdified code calls NumPy's stable logaddexp, and its partials are the
    # logistic σ(a - b), σ(b - a) (named too), where exp(a)/(exp(a) + exp(b)) is inf/inf for a ≳ 710
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return _sp().log(_sp().exp(a) + _sp().exp(b))
    fn = sympy_function(
        "logaddexp",
        np.logaddexp,
        lambda args, i: _sigmoid_sympy(args[i] - args[1 - i]),
        _mp_logaddexp,
        _math_logaddexp,
    )
    return fn(a, b)


def _logaddexp2_sympy(a, b):
    # as logaddexp, in base 2: log2(2^a + 2^b), its partials σ((a - b)·ln 2), σ((b - a)·ln 2)
    sp = _sp()
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return sp.log(2**a + 2**b, 2)
    fn = sympy_function(
        "logaddexp2",
        np.logaddexp2,
        lambda args, i: _sigmoid_sympy((args[i] - args[1 - i]) * sp.log(2)),
        lambda a, b: _mp_logaddexp(a * _mp_ln2(), b * _mp_ln2()) / _mp_ln2(),
        lambda a, b: _math_logaddexp(a * _LN2, b * _LN2) / _LN2,
    )
    return fn(a, b)


def _mp_ln2():
    import mpmath

    return mpmath.log(2)


def _tie_diff(a, b):
    """a - b, and 0 where a == b == ±inf: logaddexp's partials σ(a - b) are ½ on the whole diagonal, at a = b = ±inf
    too, where -inf - -inf is NaN (a log-domain recursion's unreachable states: CTC's α over np.full(-inf), whose
    tangent there is finite, made forward's gradient NaN where reverse's cotangent 0 gave the finite one); as
    max splits a tie evenly. A finite tie keeps a - b (0 there, but its derivative is the partials' own: a constant 0
    on the whole diagonal made every exact method's Hessian of logaddexp(a, a) 0 for ¼). A NaN argument stays NaN
    (NaN == NaN is false). The infinite tie is taken out before the subtraction, not after it: -inf - -inf is NaN's
    invalid operation, which an outer derivative of the symbolic method's code (where both branches run) reported as
    a DomainWarning on a right answer."""
    infinite_tie = where(equal(a, b), isinf(a), False)
    return where(infinite_tie, 0.0, a) - where(infinite_tie, 0.0, b)


# the partials are the logistic of the difference (σ(a - b) = e^a / (e^a + e^b)): never an overflow,
# and the difference is exact where a and b are close, where exp(a - out) loses |out|·eps
logaddexp = defop(
    "logaddexp",
    np.logaddexp,
    partials=(lambda out, a, b: sigmoid(_tie_diff(a, b)), lambda out, a, b: sigmoid(_tie_diff(b, a))),
    sympy=elementwise_sympy(_logaddexp_sympy),
    domain=("real", "real"),
    numpy=("logaddexp",),
    doc="log(e^a + e^b), computed stably (NumPy's logaddexp)",
)
logaddexp2 = defop(
    "logaddexp2",
    np.logaddexp2,
    partials=(lambda out, a, b: sigmoid(_tie_diff(a, b) * _LN2), lambda out, a, b: sigmoid(_tie_diff(b, a) * _LN2)),
    sympy=elementwise_sympy(_logaddexp2_sympy),
    domain=("real", "real"),
    numpy=("logaddexp2",),
    doc="log2(2^a + 2^b), computed stably",
)


def _hypot_sympy(a, b):
    # a named function: lambdified code calls NumPy's hypot, and its partials are a/hypot, b/hypot,
    # where sqrt(a² + b²) overflows for |a| ≳ 1e154 (its gradient was NaN there)
    sp = _sp()
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return sp.sqrt(a * a + b * b)
    fn = sympy_function(
        "hypot",
        np.hypot,
        lambda args, i: args[i] / fn(*args),
        lambda a, b: __import__("mpmath").hypot(a, b),
        math.hypot,
        exact_mp=True,  # (mpmath's hypot is the function in any digits: 1/hypot(x·x, 1)' at 1e100 was 0 for -2e-300)
    )
    return fn(a, b)


def _hypot_leg(k: int):
    """hypot's partial in argument k, x/out, as a quotient n/d whose rule (n·t)/d keeps every step in range: for |x| < 1,
    (x·t)/out (x/out underflowed where |x| ≪ out while t was large: hypot(√x, 1e200)' at 1e-300 was 0 for 5e-201; x·t is
    below t), else t·(x/out) (x/out is then at least 1/out, and x·t overflowed where t·(x/out) did not: hypot(x·x, 1)''
    at 7e149). x·(out/out): at the origin out/out is 0/0, outside div's domain as x/out is there (NaN with the
    DomainWarning naming the equation, also where an outer derivative records the rule; strong_div's 0/0 was 0)."""

    def numerator(out, a, b):
        x = b if k else a
        if type(x) is float and type(out) is float:
            return x * (out / out) if math.fabs(x) < 1.0 else x / out
        return where(less(abs(x), 1.0), x * (out / out), x / out)

    def denominator(out, a, b):
        x = b if k else a
        if type(x) is float and type(out) is float:
            return out if math.fabs(x) < 1.0 else 1.0
        return where(less(abs(x), 1.0), out, 1.0)

    return quotient_partial(numerator, denominator, value=lambda out, a, b: (b if k else a) / out)


hypot = defop(
    "hypot",
    np.hypot,
    # (a·t)/out for |a| < 1, not t·(a/out): a/out underflowed where |a| ≪ |b| while t was large (`_hypot_leg`)
    # no second derivative at the origin (a cone's apex, a/out is 0/0 there), declared for numeric's guards: a later
    # vmap row at (0, 0) gave the stencil's 1/step, 8192, silently
    partials=(
        infinite_at(_hypot_leg(0), lambda out, a, b: equal(out, 0.0)),
        infinite_at(_hypot_leg(1), lambda out, a, b: equal(out, 0.0)),
    ),
    sympy=elementwise_sympy(_hypot_sympy),
    domain=("nonzero", "nonzero"),
    kink=lambda a, b: np.hypot(a, b),
    analytic=False,
    numpy=("hypot",),
    doc="sqrt(a² + b²) without overflow (NumPy's hypot)",
    scale=(np.hypot, np.hypot),  # its cusp at the origin
)
square = defop(
    "square",
    np.square,
    complex=True,
    partials=(lambda out, x: 2.0 * x,),
    sympy=_sympy_expr(lambda sp, x: x * x),
    numpy=("square",),
    doc="x²",
)
reciprocal = defop(
    "reciprocal",
    np.reciprocal,
    complex=True,
    partials=(quotient_partial(lambda out, x: -out, lambda out, x: x),),  # (-out·t)/x, not t·(-out²): out² underflowed
    sympy=_sympy_expr(lambda sp, x: 1 / x),
    domain=("nonzero",),
    numpy=("reciprocal",),
    doc="1 / x",
    scale=(_distance,),
)


def _cbrt_partial(out, x):
    return 1.0 / (3.0 * square(out))


def _cbrt_one(out, x):
    """cbrt's quotient numerator, 1: recorded for an outer derivative as out/out, which is 0/0 at 0, outside div's
    domain as 1/(3·0²) is there, so the outer derivative meets NaN with the DomainWarning naming the equation
    (strong_div's t/0 is a quiet NaN: the symbolic Hessian of cbrt at 0 was NaN, unsaid)."""
    return out / out if isinstance(out, Traced) else 1.0


cbrt = defop(
    "cbrt",
    np.cbrt,
    # square, not out·out: mul's strong zero (0·∞ = 0) made the Hessian at 0 a finite 0 under reverse over reverse.
    # t/(3·out²), not t·(1/(3·out²)) (quotient_partial): the cotangent of u = x² in 1/cbrt(x·x) at 7e149, -8.5e-401,
    # underflowed unseen as a product (the slope 0 for -1.2e-250), and as a quotient is said or swept again
    # infinite at 0 (declared for numeric's guards: a later vmap row at 0 gave the stencil's 0, silently), not
    # strong_zero: a zero tangent at 0 stays 1/0 with its DomainWarning, as before
    partials=(
        infinite_at(
            quotient_partial(_cbrt_one, lambda out, x: 3.0 * square(out), value=_cbrt_partial),
            lambda out, x: equal(out, 0.0),
        ),
    ),
    sympy=elementwise_sympy(lambda x: _sign_fn()(x) * _abs_fn()(x) ** _sp().Rational(1, 3)),
    domain=("nonzero",),
    analytic=False,
    numpy=("cbrt",),
    doc="real cube root; infinite slope at 0",
    scale=(_distance,),
)


def _sinc_partial(out, x):
    """(cos(πx) - sinc(x))/x, and below |x| = 0.02 its Taylor series -π²x/3 + π⁴x³/30 - π⁶x⁵/840 + π⁸x⁷/45360
    (next term < 1e-16 relative there): the difference of two numbers near 1 kept eps/x² of it (at x = 1e-8
    it gave -2.2e-8 for -3.3e-8, and 0 below 1e-8)."""
    small = less(abs(x), 0.02)
    xs = where(small, 1.0, x)  # the quotient where it is accurate; 1 elsewhere keeps it from dividing by 0
    # cos(πx) as cos(π·(x - 2·rint(x/2))): exact reduction, as in `_sinc` (πx rounded put eps·π|x| radians into it)
    quotient = (cos(np.pi * (xs - 2.0 * rint(xs / 2.0))) - where(small, 1.0, out)) / xs
    # the series of x where it is used, of 0 elsewhere: x² overflowed at |x| = 1e155 in the unused branch, and the
    # derivative of where (0 there) times inf was NaN in symbolic's Hessian (the battery against reverse found it)
    xt = where(small, x, 0.0)
    u = np.pi * np.pi * xt * xt
    series = -np.pi * np.pi * xt / 3.0 * (1.0 - u / 10.0 * (1.0 - u / 28.0 * (1.0 - u / 54.0)))
    return where(small, series, quotient)


def _sinc(x):
    """sin(πx)/(πx) with sin(πx) taken as sin(πr), r = x - 2·round(x/2) (exact in floats, |r| ≤ 1): NumPy's sinc
    rounds πx first (an error of eps·π|x| radians: 1.3e-5 of numeric's sinc′ at 1e6 + 0.25, and sinc(1e8)
    -1.6e-17 for 0). The same number elsewhere; NumPy's own for complex (complex step) and object arrays."""
    x = np.asarray(x) if not isinstance(x, np.ndarray) else x
    if x.dtype.kind != "f":
        return np.sinc(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = x - 2.0 * np.round(x / 2.0)
        y = np.sin(np.pi * r) / (np.pi * x)
    return np.where(x == 0.0, 1.0, y)[()]


def _math_sinc(x):
    if x == 0.0:
        return 1.0
    return math.sin(math.pi * (x - 2.0 * round(x / 2.0))) / (math.pi * x)


def _sinc_fn():
    """sinc as a named SymPy function computed by NumPy's (and on floats the same quotient): the translation
    sin(πx)/(πx) was 0/0 = NaN at x = 0 where sinc is 1 (the battery against reverse found it)."""
    sp = _sp()

    def derivative(args, i):  # (the symbolic method differentiates with the registry's partial)
        (x,) = args
        return (sp.cos(sp.pi * x) - fn(x)) / x

    fn = sympy_function("difflab_sinc", _sinc, derivative, lambda x: __import__("mpmath").sincpi(x), _math_sinc)
    return fn


sinc = defop(
    "sinc",
    _sinc,
    partials=(_sinc_partial,),
    sympy=elementwise_sympy(lambda x: _sinc_fn()(x)),
    domain=("nonzero",),
    numpy=("sinc",),
    doc="sin(πx)/(πx) (NumPy's normalised sinc); the rule needs x ≠ 0",
    scale=(lambda x: 1.0 / np.pi,),
)
deg2rad = defop(
    "deg2rad",
    np.deg2rad,
    partials=(lambda out, x: np.pi / 180.0,),
    sympy=_sympy_expr(lambda sp, x: x * sp.pi / 180),
    numpy=("deg2rad", "radians"),
    doc="degrees to radians",
)
rad2deg = defop(
    "rad2deg",
    np.rad2deg,
    partials=(lambda out, x: 180.0 / np.pi,),
    sympy=_sympy_expr(lambda sp, x: x * 180 / sp.pi),
    numpy=("rad2deg", "degrees"),
    doc="radians to degrees",
)


def _flat_fn(name, numpy_impl, mp_impl, math_impl):
    """A named piecewise-constant SymPy function: derivative 0 as in the convention table (SymPy
    leaves d floor(x)/dx unevaluated)."""
    return sympy_function(f"difflab_{name}", numpy_impl, lambda args, i: _sp().Integer(0), mp_impl, math_impl)


def _rounding(name, fn, mp_impl, math_impl, spellings):
    return defop(
        name,
        fn,
        partials=(None,),
        sympy=elementwise_sympy(lambda x: _flat_fn(name, fn, mp_impl, math_impl)(x)),
        differentiable=False,
        analytic=False,
        numpy=spellings,
        doc=f"{name}: piecewise constant (zero derivative)",
    )


def _mp_round_even(x):
    import mpmath

    return mpmath.nint(x)


floor = _rounding("floor", np.floor, lambda x: __import__("mpmath").floor(x), math.floor, ("floor",))
ceil = _rounding("ceil", np.ceil, lambda x: __import__("mpmath").ceil(x), math.ceil, ("ceil",))
trunc = _rounding(
    "trunc",
    np.trunc,
    lambda x: __import__("mpmath").floor(x) if x >= 0 else __import__("mpmath").ceil(x),
    math.trunc,
    ("trunc", "fix"),
)
rint = _rounding("rint", np.rint, _mp_round_even, lambda x: float(round(x)), ("rint",))
heaviside = defop(
    "heaviside",
    np.heaviside,
    partials=(None, None),
    # NaN at a NaN x, as NumPy's (a value that is NaN only when the code runs: isnan's translation)
    sympy=_sympy_expr(
        lambda sp, x, h: sp.Piecewise(
            (sp.nan, sp.Not(_finite_sym(sp, sp.tanh(x)))), (0, x < 0), (h, sp.Eq(x, 0)), (1, True)
        )
    ),
    domain=("nonzero", "real"),
    differentiable=False,
    analytic=False,
    numpy=("heaviside",),
    doc="step function: 0 below 0, h at 0, 1 above (zero derivative)",
)


def _mp_mod(a, b):
    import mpmath

    return a - b * mpmath.floor(a / b)


def _mod_fn():
    """mod as a named SymPy function, computed by NumPy's and Python's own modulo: the translation
    a - b·floor(a/b) was wrong where a/b underflows (mod(1e-155, -1e300) gave 1e-155 for -1e300)."""

    def derivative(args, i):  # the registry's partials (the symbolic method differentiates with those)
        a, b = args
        return _sp().Integer(1) if i == 0 else -rint.sympy(np.asarray((a - fn(a, b)) / b))[()]

    fn = sympy_function("difflab_mod", np.mod, derivative, _mp_mod, operator.mod)
    return fn


mod = defop(
    "mod",
    np.mod,
    # the quotient k of a = k·b + out, not floor(a/b): a/b underflows (1e-155 / -1e300 is -0.0, floor 0 where k = -1)
    partials=(lambda out, a, b: 1.0, lambda out, a, b: -rint((a - out) / b)),
    sympy=elementwise_sympy(lambda a, b: _mod_fn()(a, b)),
    domain=("real", "nonzero"),
    # a jump where a/b crosses an integer: mod(a, b) near 0 or near b (a = -1e-130, b = 0.75 gives 0.75)
    kink=lambda a, b: np.minimum(np.abs(np.mod(a, b)), np.abs(b) - np.abs(np.mod(a, b))),
    analytic=False,
    piecewise=(lambda out, a, b: (rint((a - out) / b),), lambda k, a, b: a - k[0] * b),
    numpy=("mod", "remainder"),
    doc="a - b·floor(a/b) (the sign of b); derivative 1 and -floor(a/b) between jumps",
)


def _floor_divide_fn():
    """a // b as a named SymPy function computed by NumPy's and Python's own floor division (floor(a/b)
    of the rounded quotient is not it: 1.0 // 0.1 is 9, floor(1.0/0.1) is 10); the exact value is the
    floor of the exact quotient."""
    return sympy_function(
        "difflab_floor_divide",
        np.floor_divide,
        lambda args, i: _sp().Integer(0),
        lambda a, b: __import__("mpmath").floor(a / b),
        operator.floordiv,
    )


floor_divide = defop(
    "floor_divide",
    np.floor_divide,
    partials=(None, None),
    sympy=elementwise_sympy(lambda a, b: _floor_divide_fn()(a, b)),
    domain=("real", "nonzero"),
    differentiable=False,
    analytic=False,
    numpy=("floor_divide",),
    doc="a // b: the floor of a/b (piecewise constant: zero derivative)",
)


def _mp_fmod(a, b):
    import mpmath

    q = a / b
    return a - b * (mpmath.floor(q) if q >= 0 else mpmath.ceil(q))


def _fmod_fn():
    """fmod as a named SymPy function computed by NumPy's and C's fmod: the translation a - b·trunc(a/b) rounds
    a/b (fmod(0.5, 1e-8) gave 0 for 1e-8, its slope in b -5e7 for -49999999) or overflows in it (fmod(1e300,
    1e-300) gave -inf): the battery against reverse found both."""

    def derivative(args, i):  # the registry's partials (the symbolic method differentiates with those)
        a, b = args
        return _sp().Integer(1) if i == 0 else -rint.sympy(np.asarray((a - fn(a, b)) / b))[()]

    fn = sympy_function("difflab_fmod", np.fmod, derivative, _mp_fmod, math.fmod)
    return fn


fmod = defop(
    "fmod",
    np.fmod,
    partials=(lambda out, a, b: 1.0, lambda out, a, b: -rint((a - out) / b)),  # k of a = k·b + out, as mod's
    sympy=elementwise_sympy(lambda a, b: _fmod_fn()(a, b)),
    domain=("real", "nonzero"),
    kink=lambda a, b: np.abs(np.fmod(a, b)),
    analytic=False,
    piecewise=(lambda out, a, b: (rint((a - out) / b),), lambda k, a, b: a - k[0] * b),
    numpy=("fmod",),
    doc="a - b·trunc(a/b) (the sign of a, C's fmod)",
)


def _copysign_fn():
    """copysign as a named SymPy function computed by NumPy's and C's: the translation |a|·sign(b) was 0 at b = 0,
    where copysign(0.7, 0.0) is 0.7 (its slope in a 0 for 1: the battery against reverse found it)."""
    sp = _sp()

    def derivative(args, i):  # the registry's partials (the symbolic method differentiates with those)
        a, b = args
        return _sign_fn()(a) * _sign_fn()(fn(a, b)) if i == 0 else sp.Integer(0)

    fn = sympy_function(
        "difflab_copysign", np.copysign, derivative, lambda a, b: abs(a) if b >= 0 else -abs(a), math.copysign
    )
    return fn


copysign = defop(
    "copysign",
    np.copysign,
    partials=(lambda out, a, b: sign(a) * sign(out), None),
    sympy=elementwise_sympy(lambda a, b: _copysign_fn()(a, b)),
    domain=("nonzero", "nonzero"),
    kink=lambda a, b: np.broadcast_to(np.abs(a), np.broadcast_shapes(np.shape(a), np.shape(b))),
    analytic=False,
    piecewise=(lambda out, a, b: (sign(a) * sign(out),), lambda s, a, b: s[0] * a),
    numpy=("copysign",),
    drops_nan=True,  # the sign of a NaN b is a number's
    doc="|a| with the sign of b (derivative 0 in b)",
)


def _nan_ignoring(first_wins, plain):
    """fmax's or fmin's facts from maximum's or minimum's (`first_wins`: greater or less; `plain`: its SymPy
    form): a NaN argument loses to the other one, so the other's partial is 1 there (maximum's, 0, gave
    fmax(x·nan, y)'s derivative in y as 0), its piece the other argument, and its SymPy form picks the other
    argument where one is NaN when the code runs (isnan's translation; maximum's Piecewise gave NaN)."""

    def partial_a(out, a, b):
        return first_wins(a, b) * 1.0 + equal(a, b) * 0.5 + isnan(b) * 1.0

    def partial_b(out, a, b):
        return first_wins(b, a) * 1.0 + equal(a, b) * 0.5 + isnan(a) * 1.0

    def branch(out, a, b):
        return where(isnan(b), True, first_wins(a, b)), equal(a, b)

    def translate(a, b):
        sp = _sp()
        known = [v is sp.nan or isinstance(v, float) and v != v for v in (a, b)]
        if any(known):  # a constant NaN loses (SymPy's a > nan raises "Invalid NaN comparison"); two NaN: NaN
            return a if known[1] else b
        if any(isinstance(v, sp.Basic) and v.has(sp.I) or isinstance(v, complex) for v in (a, b)):
            return plain(a, b)  # (complex values: maximum's lexicographic order)
        nan = [sp.Not(_finite_sym(sp, sp.tanh(v))) for v in (a, b)]
        return sp.Piecewise((b, nan[0]), (a, nan[1]), (plain(a, b), True))

    return {
        "partials": (partial_a, partial_b),
        "sympy": elementwise_sympy(translate),
        "piecewise": (branch, lambda s, a, b: _tie_piece(s, a, b)),
    }


fmax = defop(
    "fmax",
    np.fmax,
    **_nan_ignoring(greater, _piecewise_max),
    domain=("real", "real"),
    kink=maximum.kink,
    analytic=False,
    complex=True,
    numpy=("fmax",),
    drops_nan=True,  # NaN ignored
    doc="elementwise max ignoring NaN; ties split evenly",
)
fmin = defop(
    "fmin",
    np.fmin,
    **_nan_ignoring(less, _piecewise_min),
    domain=("real", "real"),
    kink=minimum.kink,
    analytic=False,
    complex=True,
    numpy=("fmin",),
    drops_nan=True,  # NaN ignored
    doc="elementwise min ignoring NaN; ties split evenly",
)
real = defop(
    "real",
    np.real,
    partials=(lambda out, x: 1.0,),
    sympy=_sympy_expr(lambda sp, x: sp.re(x) if isinstance(x, sp.Basic) and x.has(sp.I) else x),  # (x + I·y: x)
    analytic=False,
    numpy=("real",),
    complex=True,  # dy = Re(t): the interpreters take a real value's tangent's real part; the VJP ū
    doc="real part: the identity on reals; of a complex z, Re(z) (its VJP ū, of a real ū)",
)
imag = defop(
    "imag",
    lambda x: np.zeros_like(np.real(x)) if not np.iscomplexobj(x) else np.imag(x),
    partials=(None,),
    sympy=_sympy_expr(lambda sp, x: sp.Integer(0) * x),
    differentiable=False,
    analytic=False,
    drops_nan=True,  # zero, NaN or not
    doc="imaginary part of a real value: zero (complexes.imag_part's front binds it for real input)",
)


def _finite01(x):
    return np.isfinite(x) * 1.0


def _math_nan_to_num(x):
    return x if math.isfinite(x) else 0.0 if x != x else math.copysign(sys.float_info.max, x)


def _nan_to_num_fn():
    # named functions, not x itself: the input is only known to be NaN when the generated code runs
    # (NaN -> 0 there, and the derivative 0 where x is not finite, as forward and reverse give)
    finite = sympy_function(
        "difflab_finite01",
        _finite01,
        lambda args, i: _sp().Integer(0),
        lambda x: 1.0 if math.isfinite(x) else 0.0,
        lambda x: 1.0 if math.isfinite(x) else 0.0,
    )
    return sympy_function(
        "difflab_nan_to_num", np.nan_to_num, lambda args, i: finite(*args), _math_nan_to_num, _math_nan_to_num
    )


def _nan_to_num_front(x, copy=True, nan=0.0, posinf=None, neginf=None):
    # NumPy's replacement values are constants selected by where (a zero derivative there, as the primitive's
    # own partial). A finite one is selected before the primitive, which then meets no ±inf to turn into ±max:
    # no ±max·w to overflow in a later product's unselected branch (symbolic's generated code evaluates both);
    # a non-finite one (nan=np.nan) after it. copy=False writes the result into x, as NumPy's does (x[...] = y: an
    # item assignment the tracer is rebound to, difflab.assign)
    if isinstance(copy, (str, bytes)) or np.size(copy) > 1:  # (NumPy's refusals; main ignored copy=array silently)
        raise ValueError(f"numpy.nan_to_num: copy must be True, False or None, got {copy!r:.60}")
    hits = (
        (nan, lambda v: isnan(v)),
        (posinf, lambda v: equal(v, np.inf)),
        (neginf, lambda v: equal(v, -np.inf)),
    )
    after = []
    y = x
    for value, hit in hits:
        if value is None or (hit is hits[0][1] and isinstance(value, (int, float)) and value == 0.0):
            continue  # (the primitive's own)
        if isinstance(value, Traced) or np.isfinite(value):
            y = where(hit(x), value, y)
        else:
            after.append((value, hit))
    y = nan_to_num(y)
    for value, hit in after:
        y = where(hit(x), value, y)
    if copy is False and isinstance(x, Traced) and hasattr(type(x), "__setitem__"):
        x[...] = y
        return x
    return y


nan_to_num = defop(
    "nan_to_num",
    lambda x: np.nan_to_num(x),
    # strong: a NaN tangent (made by a NaN constant upstream) times the zero partial there is 0, as in reverse
    partials=(strong_zero(lambda out, x: isfinite(x) * 1.0),),
    sympy=elementwise_sympy(lambda x: _nan_to_num_fn()(x)),
    analytic=False,
    numpy=("nan_to_num",),
    front=_nan_to_num_front,  # (nan=, posinf=, neginf=)
    drops_nan=True,  # NaN -> 0
    doc="NaN -> 0, ±inf -> the largest finite floats; derivative 1 where x is finite",
)


def _finite_or_nan(x):
    return np.where(np.isfinite(x), 1.0, np.nan)


def _math_finite_or_nan(x):
    return 1.0 if math.isfinite(x) else math.nan


def _finite_or_nan_fn():
    # a named function, not `Piecewise((1, |x| < oo), ...)`: the symbolic method's named values are
    # real, hence finite, SymPy symbols, and that condition would fold to True before the code runs
    fn = sympy_function(
        "difflab_finite_or_nan",
        _finite_or_nan,
        lambda args, i: _sp().Integer(0),
        lambda x: 1 if __import__("mpmath").isfinite(x) else __import__("mpmath").nan,
        _math_finite_or_nan,
        exact_mp=True,  # (in more digits a value float64 overflowed is finite: 1, the guard's exact answer)
    )
    if "eval" not in fn.__dict__:

        def _numbers(cls, x):  # SymPy calls it `eval`: evaluation on a number argument only
            if not x.is_Number:
                return None
            return _sp().Integer(1) if x.is_finite else _sp().nan

        fn.eval = classmethod(_numbers)
    return fn


finite_or_nan = defop(
    "finite_or_nan",
    _finite_or_nan,
    internal=True,
    py=_math_finite_or_nan,
    partials=(None,),
    sympy=elementwise_sympy(lambda x: _finite_or_nan_fn()(x)),
    differentiable=False,
    analytic=False,
    finite_value=1.0,
    doc="1 where x is finite, NaN where it is NaN or ±inf (no derivative): a derivative times it is "
    "NaN wherever the value it belongs to is not finite (the API's guard on traced derivatives)",
)


def _predicate(name, fn, sym):
    return defop(
        name,
        fn,
        partials=(None,),
        sympy=_sympy_expr(sym),
        differentiable=False,
        analytic=False,
        numpy=(name,),
        doc=f"{name} (a boolean; no derivative)",
    )


# Not True/False: a named value is a real SymPy symbol, but it is NaN or ±inf when the code runs
# outside a domain (where(isfinite(log(x)), ...) at x = -1). Written with finite_or_nan (1, or NaN
# where its argument is not finite), left unevaluated on symbols; tanh tells ±inf (→ ±1) from NaN.
def _finite_sym(sp, x):
    return sp.Eq(_finite_or_nan_fn()(x), 1)


isfinite = _predicate("isfinite", np.isfinite, _finite_sym)
isnan = _predicate("isnan", np.isnan, lambda sp, x: sp.Not(_finite_sym(sp, sp.tanh(x))))
isinf = _predicate("isinf", np.isinf, lambda sp, x: sp.And(sp.Not(_finite_sym(sp, x)), _finite_sym(sp, sp.tanh(x))))


def _stop_gradient_fn():
    return sympy_function("stop_gradient", lambda x: x, lambda args, i: _sp().Integer(0), lambda x: x, lambda x: x)


def _stop_gradient_sympy(x):
    return np.asarray(np.frompyfunc(_stop_gradient_fn(), 1, 1)(x), dtype=object)


stop_gradient = defop(
    "stop_gradient",
    lambda x: x.copy() if isinstance(x, np.ndarray) else x,  # (a copy: an output never aliases an input)
    complex=True,
    partials=(None,),
    sympy=_stop_gradient_sympy,
    numeric_ignores=True,
    numpy=("stop_gradient",),
    doc="identity whose derivative is zero",
)


astype = defop(
    "astype",
    lambda x, dtype: x.copy() if isinstance(x, np.ndarray) else x,
    complex=True,
    jvp=(lambda t, out, x, dtype: t,),
    vjp=(lambda ct, out, x, dtype: ct,),
    sympy=lambda x, dtype: x,
    sympy_complex=True,  # (the identity on complex values too: complex128 → complex64)
    samples=lambda rng: [((rng.standard_normal(3),), {"dtype": "float32"})],
    result_dtype=lambda dtype: np.dtype(dtype),
    strategy=lambda b, name, x, picks, c: b.emit("astype", x, dtype=("float32", "float64")[c.take(2)]),
    internal=True,  # (bound by a traced value's astype with a float or complex dtype: trace.Tracer.astype)
    doc="x as a float32, float16 or float64 (complex64, complex128) array: computed in float64 as every value, "
    "the dtype NumPy gives it set at the outputs (boundary.out_dtypes)",
)


def _cast_int(x, dtype):
    """NumPy's cast of x's values to the integer `dtype`: truncation toward zero (an integer x: NumPy's
    wraparound), NaN and ±inf NumPy's platform value with its RuntimeWarning ("invalid value encountered in
    cast"); on the symbolic method's object arrays, trunc's translation."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        return elementwise_sympy(lambda v: _cast_int_fn(dtype)(v))(x)
    x = np.asarray(x)
    with np.errstate(invalid="ignore"):  # (said below, as NumPy says it: the trace's watch would note and drop it)
        out = x.astype(dtype)[()]
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        warnings.warn("invalid value encountered in cast", RuntimeWarning, stacklevel=2)
    return out


def _cast_int_fn(dtype):
    """The symbolic method's named function of the cast to `dtype`: NumPy's cast of the number (as a float, as SymPy's
    expressions are computed: a gather by it takes it back), derivative 0; in more digits, truncation toward zero
    where the value is in the dtype's range, NumPy's cast of the float elsewhere."""
    info = np.iinfo(np.dtype(dtype))

    def on_arrays(x):
        with np.errstate(invalid="ignore"):  # (the traced call said NumPy's warning; these are the derivative's)
            return np.asarray(x, dtype=float).astype(dtype) * 1.0

    def on_floats(x):
        return float(on_arrays(float(x)))

    def on_mpf(x):
        import mpmath

        if mpmath.isfinite(x) and info.min <= x <= info.max:
            return mpmath.floor(x) if x >= 0 else mpmath.ceil(x)
        return mpmath.mpf(on_floats(x))

    return sympy_function(
        f"difflab_cast_{np.dtype(dtype).name}", on_arrays, lambda a, i: _sp().Integer(0), on_mpf, on_floats
    )


def _cast_int_strategy(b, name, x, picks, c):
    """x times its own cast (a float result: the cast alone ends the graph in integers)."""
    return b.emit("mul", x, b.emit(name, x, dtype=("int64", "int32")[c.take(2)]))


astype_int = defop(
    "astype_int",
    _cast_int,
    partials=(None,),
    differentiable=False,
    analytic=False,
    sympy_complex=False,
    samples=lambda rng: [((3.0 * rng.standard_normal(4),), {"dtype": "int64"})],
    result_dtype=lambda dtype: np.dtype(dtype),
    strategy=_cast_int_strategy,
    internal=True,  # (bound by a traced value's astype with an integer dtype: trace.Tracer.astype)
    doc="x as an integer array (JAX's convert_element_type to an integer dtype): NumPy's cast, truncation toward "
    "zero, NaN and ±inf NumPy's platform value with its RuntimeWarning; piecewise constant (zero derivative), "
    "recorded so that a gather by np.floor(x).astype(int) is reused by prepare, jit and vmap",
)


__all__ = [name for name, value in list(globals().items()) if isinstance(value, Op)]
