"""The op registry: one `Op` entry per primitive, the only place a primitive is described.

An entry holds the NumPy implementation, the JVP and VJP rule per argument (`None`: zero
derivative), the SymPy translation, the domain of each argument, the kinks and whether the op is
complex-analytic. Tracing, evaluation, the four differentiators, printing, the registry-driven tests
and the Hypothesis strategies all read `REGISTRY`; none of them names a specific op.

How rules look: `vjp[i](ct, out, *args, **params)` returns the cotangent of argument i (before
broadcasting is undone, which the reverse interpreter does in one place); `jvp[i](t, out, *args,
**params)` returns the tangent of `out` due to argument i, where `t` may carry extra leading batch
axes (chunked forward mode). Elementwise ops give one local partial derivative per argument and
both rules follow from it. Rules are written with difflab's own ops, so a traced gradient can be
differentiated again. `batch(batched, *args, **params)` applies the op when the arguments flagged
in `batched` carry an extra leading batch axis (batched evaluation, `graph.evaluate_batched`);
elementwise ops share one rule, an op without one loops over the batch.

Conventions at non-differentiable points (one table, used by symbolic, forward and reverse):
relu'(0) = 0, abs'(0) = sign(0) = 0, and ties of maximum/minimum/max split the derivative evenly.
"""
from __future__ import annotations

import builtins
import functools
import math
import operator
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .graph import Traced

__all__ = ["Op", "REGISTRY", "defop", "strong_zero", "unbroadcast", "SYMPY_NUMPY", "SYMPY_MATH", "sympy_function", "examples", "draw"]


@dataclass(frozen=True, eq=False)
class Op:
    """A primitive: its name, NumPy implementation, derivative rules, SymPy translation and domain.

    `domain` has one entry per array argument: "real", "positive", "nonzero" or "bool".
    `kink(*args)` (optional) returns each output element's distance to the nearest kink.
    `sympy(*args, **params)` maps object arrays of SymPy expressions to one (None: the NumPy
    implementation already works on object arrays).
    """

    name: str
    impl: Callable
    jvp: tuple
    vjp: tuple
    sympy: Callable | None = None
    domain: tuple = ("real",)
    kink: Callable | None = None
    analytic: bool = True  # complex step is valid through it
    elementwise: bool = False
    differentiable: bool = True  # False: output is piecewise constant (comparisons, sign)
    doc: str = ""
    nargs: int | None = None  # None: variadic; jvp[0](i), vjp[0](i) then make argument i's rule
    #: per argument, the constant that makes the op return its other argument (x*1, x+0, x**1)
    identity: tuple = ()
    #: rng -> [(args, params), ...]: typical calls, for registry-driven tests (elementwise ops
    #: get theirs from `domain`; see `examples`)
    samples: Callable | None = None
    #: (batched, *args, **params) -> output with a leading batch axis; see `batched`
    batch: Callable | None = None
    #: the op on Python floats (math/operator): scalar graphs skip NumPy's per-call cost. Where it
    #: raises (ValueError, ArithmeticError) or gives no finite float, NumPy's answer stands
    py: Callable | None = None
    #: the derivative is a rule, not the function's (stop_gradient, custom rules): finite
    #: differences cannot honour it, so the numeric method warns on graphs holding the op
    numeric_ignores: bool = False

    def on_floats(self, *args, **params):
        """The op on Python floats by `py`, NumPy's result where Python's math refuses."""
        try:
            value = self.py(*args, **params)
            # NumPy decides every non-finite result (and flags it: inf - inf, 1/0), and a complex one
            if type(value) is bool or (type(value) is float and math.isfinite(value)):
                return value
        except (ValueError, ArithmeticError):
            pass
        return self.impl(*args, **params)

    def bind(self, *args, **params):
        """Apply the op: record an equation if any argument is traced, else compute (on Python
        floats by `py`, otherwise with NumPy)."""
        trace = None
        for a in args:
            if isinstance(a, Traced):
                # the innermost trace records; values of enclosing traces are its constants
                if trace is None or a._trace.level > trace.level:
                    trace = a._trace
        if trace is not None:
            return trace.record(self, args, params)
        if self.py is not None and type(args[0]) is float and all(type(a) is float for a in args):
            return self.on_floats(*args, **params)
        return self.impl(*args, **params)

    def batched(self, batched, *args, **params):
        """Apply the op to NumPy values where args[i] carries a leading batch axis iff batched[i];
        the output carries it too. Without a `batch` rule: one `impl` call per batch element."""
        if self.batch is not None:
            return self.batch(batched, *args, **params)
        return _loop_batch(self.impl, batched, *args, **params)

    def batched_for(self, batched, ranks) -> Callable:
        """`batched` specialised to arguments of these unbatched ranks (known when compiling): an
        elementwise op whose batched arguments all have the output's rank broadcasts as it is."""
        if self.elementwise and builtins.all(r == builtins.max(ranks) for r, b in zip(ranks, batched) if b):
            return self.impl
        return functools.partial(self.batched, batched)

    def jvp_rule(self, i):
        return self.jvp[i] if self.nargs is not None else self.jvp[0](i)

    def vjp_rule(self, i):
        return self.vjp[i] if self.nargs is not None else self.vjp[0](i)

    __call__ = bind

    def __repr__(self):
        return f"<op {self.name}>"


REGISTRY: dict[str, Op] = {}


def defop(name, impl, *, partials=None, jvp=None, vjp=None, **kw) -> Op:
    """Register a primitive. Elementwise ops give `partials` (one `d(out, *args)` per argument)."""
    if partials is not None:
        jvp = tuple(None if d is None else _scaled(d) for d in partials)
        vjp = jvp
        kw.setdefault("elementwise", True)
        kw.setdefault("batch", _elementwise_batch(impl))
    kw.setdefault("nargs", len(jvp))
    op = Op(name, impl, tuple(jvp), tuple(vjp), **kw)
    REGISTRY[name] = op
    return op


def _scaled(partial):
    if getattr(partial, "strong_zero", False):
        return _strong_scaled(partial)

    def rule(t, out, *args, **params):
        return t * partial(out, *args, **params)

    return rule


# -- strong zeros (DESIGN.md §3): a zero tangent or cotangent times an infinite partial is 0 ----

def strong_zero(partial, singular=None):
    """Mark an elementwise partial for the strong-zero convention: `singular(out, *args)` (a
    bool mask, if the partial can be infinite) says where it is (sqrt at 0); a zero tangent or
    cotangent there gives 0, not 0·∞. A partial that is 0 where an infinite cotangent arrives
    (x**2 and x*x at 0, under sqrt) gives 0 too. Forward and reverse alike, compiled code too."""
    partial.strong_zero, partial.singular = True, singular
    return partial


def _strong_scaled(partial):
    """t · ∂ with strong zeros. Where t is 0 at a singular point the partial is taken at a
    harmless one (every argument 1): 0 · ∞ is never formed, and no DomainWarning is raised;
    elsewhere ∂ is unchanged (its value matters to higher derivatives). An infinite t meets a
    zero ∂ as 0. A genuinely infinite derivative stays inf, with its DomainWarning."""
    def rule(t, out, *args, **params):
        values = (out, *args)
        if partial.singular is not None:
            at = where(equal(t, 0.0), partial.singular(*values), False)
            values = [where(at, 1.0, v) for v in values]
        return strong_mul(t, partial(*values, **params))

    return rule


# -- batching rules: arguments flagged in `batched` carry a leading batch axis ----------------

def _batch_size(batched, args) -> int:
    return next(np.shape(a)[0] for a, b in zip(args, batched) if b)


def _loop_batch(impl, batched, *args, **params):
    """The fallback rule: `impl` on each batch element, results stacked."""
    return np.stack([impl(*[a[k] if b else a for a, b in zip(args, batched)], **params)
                     for k in range(_batch_size(batched, args))])


def _elementwise_batch(impl):
    """One rule for every elementwise op: a batched argument of lower rank than the output gets
    unit axes after its batch axis, so it broadcasts like its unbatched self; the others already do."""
    def rule(batched, *args, **params):
        ranks = [getattr(a, "ndim", 0) - b for a, b in zip(args, batched)]  # Python numbers are 0-d
        rank = builtins.max(ranks)
        if builtins.min(r for r, b in zip(ranks, batched) if b) < rank:
            args = [a.reshape(a.shape[:1] + (1,) * (rank - r) + a.shape[1:]) if b else a
                    for a, b, r in zip(args, batched, ranks)]
        return impl(*args, **params)

    return rule


def _batch_axis(axis):
    """An axis (or tuple of axes) of the unbatched value, as an axis of the batched one."""
    if isinstance(axis, tuple):
        return tuple(_batch_axis(a) for a in axis)
    return axis + 1 if axis >= 0 else axis


def _batch_reduce(impl):
    def rule(batched, x, axis=None, keepdims=False):
        return impl(x, axis=tuple(range(1, x.ndim)) if axis is None else _batch_axis(axis), keepdims=keepdims)

    return rule


def _broadcast_batch(batched, xs):
    """Every argument batched: the unbatched ones broadcast along the batch axis."""
    size = _batch_size(batched, xs)
    return [x if b else np.broadcast_to(x, (size,) + np.shape(x)) for x, b in zip(xs, batched)]


def _advanced_apart(idx) -> bool:
    """NumPy moves the axes of advanced indices to the front when slices separate them; a leading
    batch slice would then no longer lead (x[:, 0, :, [1, 2]] has shape (2, B, n))."""
    where = [k for k, i in enumerate(idx) if isinstance(i, np.ndarray) or isinstance(i, (int, np.integer))]
    return any(isinstance(i, np.ndarray) for i in idx) and where[-1] - where[0] + 1 != len(where)


# -- typical calls of each op, drawn inside its domain (registry-driven tests read them) ----

def draw(domain: str, shape, rng):
    """Random values inside one argument's domain, away from kinks only by chance."""
    if domain == "bool":
        return rng.random(shape) > 0.5
    x = rng.uniform(-2.0, 2.0, shape)
    if domain == "positive":
        return rng.uniform(0.2, 3.0, shape)
    if domain == "nonzero":
        return np.where(x >= 0, x + 0.3, x - 0.3)
    return x


def _samples(*calls):
    """Fixed call shapes; arguments drawn from the real line (shape ops have no domain limits)."""
    def make(rng):
        return [(tuple(draw("real", s, rng) for s in shapes), params) for shapes, params in calls]

    return make


# -- SymPy translations, imported lazily so `import difflab` does not load SymPy --------------

def _sp():
    import sympy

    return sympy


def elementwise_sympy(scalar_fn):
    """Lift a scalar SymPy translation to broadcasting object arrays."""

    def translate(*args, **params):
        ufunc = np.frompyfunc(lambda *xs: scalar_fn(*xs, **params), len(args), 1)
        return np.asarray(ufunc(*args), dtype=object)

    return translate


def _sympy_fn(name):
    return elementwise_sympy(lambda *xs: getattr(_sp(), name)(*xs))


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
            sympy=elementwise_sympy(operator.add), domain=("real", "real"), identity=(0.0, 0.0), doc="x + y")
sub = defop("sub", np.subtract, py=operator.sub, partials=(_ones_like_partial, lambda out, a, b: -1.0),
            sympy=elementwise_sympy(operator.sub), domain=("real", "real"), identity=(None, 0.0), doc="x - y")
mul = defop("mul", np.multiply, py=operator.mul, partials=(strong_zero(lambda out, a, b: b), strong_zero(lambda out, a, b: a)),
            sympy=elementwise_sympy(operator.mul), domain=("real", "real"), identity=(1.0, 1.0), doc="x * y")
def _strong_mul_impl(a, b):
    if isinstance(a, Traced) or isinstance(b, Traced):  # values of an enclosing trace: recorded there
        return strong_mul(a, b)
    with np.errstate(invalid="ignore"):  # 0·∞ is formed here only to be replaced by 0
        out = np.multiply(a, b)
    zero = (np.equal(a, 0.0) | np.equal(b, 0.0)) & np.isnan(out)
    return np.where(zero, 0.0, out) if np.any(zero) else out


def _py_strong_mul(a, b):
    return 0.0 if a == 0.0 or b == 0.0 else a * b


strong_mul = defop("strong_mul", _strong_mul_impl, py=_py_strong_mul,
                   partials=(strong_zero(lambda out, a, b: b), strong_zero(lambda out, a, b: a)),
                   sympy=elementwise_sympy(operator.mul), domain=("real", "real"),
                   doc="a * b with strong zeros: 0 times anything (∞ included) is 0; the chain rule's "
                       "product in the rules marked strong_zero (one equation, as a plain product)")
div = defop("div", np.true_divide, py=operator.truediv, partials=(lambda out, a, b: 1.0 / b, lambda out, a, b: -out / b),
            sympy=elementwise_sympy(operator.truediv), domain=("real", "nonzero"), identity=(None, 1.0),
            doc="x / y")
neg = defop("neg", np.negative, py=operator.neg, partials=(lambda out, a: -1.0,),
            sympy=elementwise_sympy(operator.neg), doc="-x")
def _pow_partial_base(out, a, b):
    # x**0 is constant: its partial is 0 everywhere, also at x = 0 (where b·x^(b-1) is 0·∞)
    if isinstance(b, Traced) or np.any(np.equal(b, 0.0)):
        a = where(equal(b, 0.0), 1.0, a)
    return b * pow(a, b - 1.0)


def _pow_partial_exponent(out, a, b):
    # where x**y is 0 (x = 0, y > 0) it stays 0 as y moves: the partial out·log(x) is 0 there, not 0·(-∞)
    return out * log(where(equal(out, 0.0), 1.0, a))


def _pow_sympy_scalar(a, b):
    sp = _sp()
    a, b = (v if isinstance(v, sp.Basic) else sp.Float(v) for v in (a, b))
    if a.is_zero and not b.is_number:  # 0**y: 0 for y > 0 (flat: its derivative is 0, not 0·log 0)
        return sp.Piecewise((sp.Integer(0), b > 0), (sp.Integer(1), sp.Eq(b, 0)), (sp.oo, True))
    return a ** b


pow = defop("pow", np.power, py=operator.pow,
            partials=(strong_zero(_pow_partial_base, lambda out, a, b: where(equal(a, 0.0), less(b, 1.0), False)),
                      strong_zero(_pow_partial_exponent)),
            sympy=elementwise_sympy(_pow_sympy_scalar), domain=("positive", "real"), identity=(None, 1.0),
            doc="x ** y")

# -- elementwise transcendental ---------------------------------------------------------------

exp = defop("exp", np.exp, py=math.exp, partials=(lambda out, x: out,), sympy=_sympy_fn("exp"), doc="e^x")
log = defop("log", np.log, py=math.log, partials=(lambda out, x: 1.0 / x,), sympy=_sympy_fn("log"),
            domain=("positive",), doc="natural logarithm")
log1p = defop("log1p", np.log1p, py=math.log1p, partials=(lambda out, x: 1.0 / (1.0 + x),),
              sympy=elementwise_sympy(lambda x: _sp().log(1 + x)), domain=("positive",), doc="log(1 + x)")
sin = defop("sin", np.sin, py=math.sin, partials=(lambda out, x: cos(x),), sympy=_sympy_fn("sin"), doc="sine")
cos = defop("cos", np.cos, py=math.cos, partials=(lambda out, x: -sin(x),), sympy=_sympy_fn("cos"), doc="cosine")
tanh = defop("tanh", np.tanh, py=math.tanh, partials=(lambda out, x: 1.0 - out * out,), sympy=_sympy_fn("tanh"),
             doc="hyperbolic tangent; its rule reuses the output")
sqrt = defop("sqrt", np.sqrt, py=math.sqrt, partials=(strong_zero(lambda out, x: 0.5 / out, lambda out, x: equal(out, 0.0)),), sympy=_sympy_fn("sqrt"),
             domain=("positive",), doc="square root; its rule reuses the output")


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
                doc="logistic 1/(1+e^-x); earns an entry: stable value and the s(1-s) rule")

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
             differentiable=False, analytic=False, doc="sign of x (piecewise constant)")
abs = defop("abs", np.abs, py=math.fabs, partials=(lambda out, x: sign(x),), sympy=elementwise_sympy(lambda x: _abs_fn()(x)),
            kink=lambda x: np.abs(x), analytic=False, doc="|x|; abs'(0) = 0")
relu = defop("relu", lambda x: np.maximum(x, 0.0), py=lambda x: x if x > 0.0 or x != x else 0.0, partials=(lambda out, x: greater(x, 0.0) * 1.0,),
             sympy=elementwise_sympy(lambda x: _sp().Piecewise((x, x > 0), (0, True))),
             kink=lambda x: np.abs(x), analytic=False, doc="max(x, 0); relu'(0) = 0")


def _tie_partial(first_wins):
    def partial(out, a, b):
        return first_wins(a, b) * 1.0 + equal(a, b) * 0.5

    return partial


maximum = defop("maximum", np.maximum,
                partials=(_tie_partial(lambda a, b: greater(a, b)), _tie_partial(lambda a, b: greater(b, a))),
                sympy=elementwise_sympy(_piecewise_max), domain=("real", "real"),
                kink=lambda a, b: np.abs(a - b), analytic=False, doc="elementwise max; ties split evenly")
minimum = defop("minimum", np.minimum,
                partials=(_tie_partial(lambda a, b: less(a, b)), _tie_partial(lambda a, b: less(b, a))),
                sympy=elementwise_sympy(_piecewise_min), domain=("real", "real"),
                kink=lambda a, b: np.abs(a - b), analytic=False, doc="elementwise min; ties split evenly")


def _where_partial(pick_first):
    def partial(out, c, a, b):
        return where(c, 1.0, 0.0) if pick_first else where(c, 0.0, 1.0)

    return partial


where = defop("where", np.where, partials=(None, strong_zero(_where_partial(True)), strong_zero(_where_partial(False))),
              sympy=elementwise_sympy(lambda c, a, b: _sp().Piecewise((a, c), (b, True))),
              domain=("bool", "real", "real"), analytic=False, doc="a where c else b")


def _compare(name, fn, sym, py=None):
    return defop(name, fn, partials=(None, None), sympy=elementwise_sympy(sym), domain=("real", "real"),
                 differentiable=False, analytic=False, py=py, doc=f"comparison {name} (no derivative)")


greater = _compare("greater", np.greater, operator.gt, operator.gt)
less = _compare("less", np.less, operator.lt, operator.lt)
greater_equal = _compare("greater_equal", np.greater_equal, operator.ge, operator.ge)
less_equal = _compare("less_equal", np.less_equal, operator.le, operator.le)
equal = _compare("equal", np.equal, lambda a, b: _sp().Eq(a, b))
not_equal = _compare("not_equal", np.not_equal, lambda a, b: _sp().Ne(a, b))


#: custom SymPy functions of the registry: name -> NumPy implementation, for `lambdify`
SYMPY_NUMPY: dict[str, Callable] = {}
#: the same functions on Python floats, for code lambdified with the `math` module (one example)
SYMPY_MATH: dict[str, Callable] = {}


_SYMPY_CLASSES: dict[str, Any] = {}


def sympy_function(name: str, numpy_impl: Callable, derivative: Callable, mp_impl: Callable,
                   math_impl: Callable):
    """A SymPy Function class whose derivative and numeric values follow the registry's entry.

    `derivative(args, i)` gives d/d(args[i]) as a SymPy expression; lambdify prints the function
    by name and finds `numpy_impl` in SYMPY_NUMPY (arrays) or `math_impl` in SYMPY_MATH (Python
    floats); `mp_impl(*mpf_args)` serves high precision.
    """
    if name in _SYMPY_CLASSES:
        return _SYMPY_CLASSES[name]
    sp = _sp()

    def fdiff(self, argindex=1):
        return derivative(self.args, argindex - 1)

    def _eval_evalf(self, prec):
        import mpmath

        vals = [a.evalf(prec) for a in self.args]
        if not all(v.is_Number for v in vals):
            return None
        with mpmath.workprec(prec):
            return sp.Float(mp_impl(*[mpmath.mpf(v) for v in vals]), precision=prec)

    SYMPY_NUMPY[name] = numpy_impl
    SYMPY_MATH[name] = math_impl
    _SYMPY_CLASSES[name] = type(name, (sp.Function,), {"fdiff": fdiff, "_eval_evalf": _eval_evalf})
    return _SYMPY_CLASSES[name]


def _stop_gradient_fn():
    return sympy_function("stop_gradient", lambda x: x, lambda args, i: _sp().Integer(0), lambda x: x, lambda x: x)


def _stop_gradient_sympy(x):
    return np.asarray(np.frompyfunc(_stop_gradient_fn(), 1, 1)(x), dtype=object)


stop_gradient = defop("stop_gradient", lambda x: x,
                      partials=(None,), sympy=_stop_gradient_sympy, numeric_ignores=True,
                      doc="identity whose derivative is zero (e.g. the shift inside logsumexp)")

# -- shape ops: batch-aware JVPs (t may carry leading batch axes) -----------------------------


def _shape(x) -> tuple:
    return x.shape if isinstance(x, (np.ndarray, Traced)) else np.shape(x)


def _ndim(x) -> int:
    return len(_shape(x))


def _nb(t, x) -> int:
    return _ndim(t) - _ndim(x)


def _batch_axes(axis, nb):
    return None if axis is None else tuple(a + nb for a in axis)


def _expand_reduced(ct, x, axis, keepdims):
    """Reshape a reduction's cotangent so that it broadcasts against x."""
    if keepdims or axis is None and _ndim(ct) == 0:
        return ct
    axes = range(_ndim(x)) if axis is None else axis
    shape = list(_shape(x))
    for a in axes:
        shape[a] = 1
    return _reshape(ct, tuple(shape))


def _count(x, axis):
    shape = _shape(x)
    return float(math.prod([shape[a] for a in axis] if axis is not None else shape))


def _sum_impl(x, axis=None, keepdims=False):
    return np.add.reduce(x, axis=axis, keepdims=keepdims)  # np.sum minus its dispatch layers


sum = defop("sum", _sum_impl,
            jvp=(lambda t, out, x, axis=None, keepdims=False:
                 sum(t, axis=_batch_axes(axis, _nb(t, x)) if axis is not None
                           else tuple(range(_nb(t, x), _ndim(t))), keepdims=keepdims),),
            vjp=(lambda ct, out, x, axis=None, keepdims=False:
                 _broadcast_to(_expand_reduced(ct, x, axis, keepdims), _shape(x)),),
            samples=_samples((((3, 4),), {"axis": (1,), "keepdims": False}), (((3, 4),), {"axis": None, "keepdims": False}), (((2, 3, 4),), {"axis": (0, 2), "keepdims": True})),
            batch=_batch_reduce(_sum_impl), doc="sum over axes")


def _mean_impl(x, axis=None, keepdims=False):
    if isinstance(x, np.ndarray) and x.dtype == object:
        return np.mean(x, axis=axis, keepdims=keepdims)
    return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x, axis)


mean = defop("mean", _mean_impl,
             jvp=(lambda t, out, x, axis=None, keepdims=False:
                  mean(t, axis=_batch_axes(axis, _nb(t, x)) if axis is not None
                             else tuple(range(_nb(t, x), _ndim(t))), keepdims=keepdims),),
             vjp=(lambda ct, out, x, axis=None, keepdims=False:
                  _broadcast_to(_expand_reduced(ct, x, axis, keepdims), _shape(x)) / _count(x, axis),),
             samples=_samples((((3, 4),), {"axis": (0,), "keepdims": False}), (((3, 4),), {"axis": None, "keepdims": True})),
             batch=_batch_reduce(_mean_impl), doc="mean over axes")


def _max_impl(x, axis=None, keepdims=False):
    if isinstance(x, np.ndarray) and x.dtype == object:
        return _object_reduce(x, axis, keepdims, lambda xs: _max_fn()(*xs) if len(xs) > 1 else xs[0])
    return np.maximum.reduce(x, axis=axis, keepdims=keepdims)


def _max_weights(out, x, axis, keepdims):
    """Where x attains its max, 1/(number of ties): ties split the derivative evenly."""
    hit = equal(x, _expand_reduced(out, x, axis, keepdims)) * 1.0
    return hit / sum(hit, axis=axis, keepdims=True)


max = defop("max", _max_impl,
            jvp=(lambda t, out, x, axis=None, keepdims=False:
                 sum(t * _max_weights(out, x, axis, keepdims),
                     axis=_batch_axes(axis, _nb(t, x)) if axis is not None
                     else tuple(range(_nb(t, x), _ndim(t))), keepdims=keepdims),),
            vjp=(lambda ct, out, x, axis=None, keepdims=False:
                 _expand_reduced(ct, x, axis, keepdims) * _max_weights(out, x, axis, keepdims),),
            kink=lambda x, axis=None, keepdims=False: _top2_gap(x, axis, keepdims),
            analytic=False, samples=_samples((((3, 4),), {"axis": (1,), "keepdims": False}), (((5,),), {"axis": None, "keepdims": False})),
            batch=_batch_reduce(_max_impl), doc="max over axes; ties split evenly")


def _np_max_weight(i, *xs):
    xs = np.broadcast_arrays(*xs)
    top = functools.reduce(np.maximum, xs)
    hits = [x == top for x in xs]
    return hits[int(i)] / functools.reduce(operator.add, [h * 1.0 for h in hits])


def _mp_max_weight(i, *xs):
    top = builtins.max(xs)
    return (xs[int(i)] == top) / builtins.sum(1 for x in xs if x == top)


def _max_weight_fn():
    sp = _sp()
    return sympy_function("max_weight", _np_max_weight, lambda args, i: sp.Integer(0), _mp_max_weight,
                          _mp_max_weight)


def _max_fn():
    sp = _sp()
    return sympy_function("max_n", lambda *xs: functools.reduce(np.maximum, xs),
                          lambda args, i: _max_weight_fn()(sp.Integer(i), *args), lambda *xs: builtins.max(xs),
                          lambda *xs: builtins.max(xs))


def _reduced_last(x, axis, keepdims):
    """x with the reduced axes moved last and merged, and the shape a reduction result takes."""
    axes = tuple(range(x.ndim)) if axis is None else tuple(axis)
    kept = [a for a in range(x.ndim) if a not in axes]
    rows = np.transpose(x, kept + list(axes)).reshape([x.shape[a] for a in kept] + [-1])
    shape = [1 if a in axes else x.shape[a] for a in range(x.ndim)] if keepdims else [x.shape[a] for a in kept]
    return rows, tuple(shape)


def _top2_gap(x, axis, keepdims):
    rows, shape = _reduced_last(np.asarray(x), axis, keepdims)
    s = np.sort(rows, axis=-1)
    gap = s[..., -1] - s[..., -2] if s.shape[-1] > 1 else np.full(s.shape[:-1], np.inf)
    return gap.reshape(shape)


def _object_reduce(x, axis, keepdims, fn):
    rows, shape = _reduced_last(x, axis, keepdims)
    flat = rows.reshape(-1, rows.shape[-1])
    res = np.empty(len(flat), dtype=object)
    res[:] = [fn(list(row)) for row in flat]
    return res.reshape(shape)


def _swap_last(x):
    if type(x) is np.ndarray:  # concrete (the interpreter): a view, no op
        return x.swapaxes(-1, -2) if x.ndim > 1 else x
    nd = _ndim(x)
    return x if nd < 2 else _transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _matmul_vjp_a(ct, out, a, b):
    if _ndim(b) == 1:
        return _reshape(ct, _shape(ct) + (1,)) * b if _ndim(a) > 1 else ct * b
    if _ndim(a) == 1:
        return _reshape(matmul(b, _reshape(ct, _shape(ct) + (1,))), _shape(b)[:-2] + _shape(b)[-2:-1])
    return matmul(ct, _swap_last(b))


def _matmul_vjp_b(ct, out, a, b):
    if _ndim(a) == 1:
        if _ndim(b) == 1:
            return ct * a
        return _reshape(a, (-1, 1)) * _reshape(ct, _shape(ct)[:-1] + (1, _shape(ct)[-1]))
    if _ndim(b) == 1:  # ct: a's stack shape; every stacked row contributes (unbroadcast sums them)
        m = _shape(ct)[-1]
        return _reshape(matmul(_reshape(ct, _shape(ct)[:-1] + (1, m)), a), _shape(ct)[:-1] + _shape(b))
    return matmul(_swap_last(a), ct)


def _matmul_jvp_a(t, out, a, b):
    nb = _nb(t, a)
    if not nb:
        return matmul(t, b)
    batch = _shape(t)[:nb]  # pad the tangent so its batch axes lead, ahead of b's stack axes
    if _ndim(a) >= 2:
        t = _reshape(t, batch + (1,) * builtins.max(0, _ndim(b) - _ndim(a)) + _shape(a))
    elif _ndim(b) > 2:
        t = _reshape(t, batch + (1,) * (_ndim(b) - 1) + _shape(a))
    return _reshape(matmul(t, b), batch + _shape(out))


def _matmul_jvp_b(t, out, a, b):
    nb = _nb(t, b)
    if not nb:
        return matmul(a, t)
    batch = _shape(t)[:nb]
    if _ndim(b) == 1:  # a vector tangent becomes a column so matmul keeps the batch axes apart
        t = _reshape(t, batch + (1,) * builtins.max(0, _ndim(a) - 2) + _shape(b) + (1,))
    else:
        t = _reshape(t, batch + (1,) * builtins.max(0, _ndim(a) - _ndim(b)) + _shape(b))
    return _reshape(matmul(a, t), batch + _shape(out))


def _matmul_batch(batched, a, b):
    """Vectors become matrices (a row, b a column; the unit axis is dropped again) and a batched
    operand gets unit stack axes after its batch axis, so the batch axis leads the product."""
    nd_a, nd_b = np.ndim(a) - batched[0], np.ndim(b) - batched[1]
    a2 = a if nd_a > 1 else np.expand_dims(a, -2)
    b2 = b if nd_b > 1 else np.expand_dims(b, -1)
    stack = builtins.max(nd_a, nd_b, 2) - 2
    if batched[0]:
        a2 = a2.reshape(a2.shape[:1] + (1,) * (stack + 2 - a2.ndim + 1) + a2.shape[1:])
    if batched[1]:
        b2 = b2.reshape(b2.shape[:1] + (1,) * (stack + 2 - b2.ndim + 1) + b2.shape[1:])
    out = np.matmul(a2, b2)
    if nd_b == 1:
        out = out[..., 0]
    return out[..., 0, :] if nd_a == 1 and nd_b > 1 else out[..., 0] if nd_a == 1 else out


matmul = defop("matmul", np.matmul,
               jvp=(_matmul_jvp_a, _matmul_jvp_b),
               vjp=(_matmul_vjp_a, _matmul_vjp_b), batch=_matmul_batch,
               domain=("real", "real"), samples=_samples((((3, 4), (4, 2)), {}), (((4,), (4, 2)), {}), (((3, 4), (4,)), {}), (((4,), (4,)), {}), (((2, 3, 4), (4, 5)), {})),
                doc="matrix product (NumPy's matmul semantics)")


def _inverse_perm(axes):
    return tuple(int(i) for i in np.argsort(axes))


transpose = defop("transpose", lambda x, axes: x.transpose(axes) if isinstance(x, np.ndarray) else np.transpose(x, axes),
                  jvp=(lambda t, out, x, axes: _transpose(t, tuple(range(_nb(t, x))) + tuple(a + _nb(t, x) for a in axes)),),
                  vjp=(lambda ct, out, x, axes: _transpose(ct, _inverse_perm(axes)),),
                  samples=_samples((((3, 4),), {"axes": (1, 0)}), (((2, 3, 4),), {"axes": (2, 0, 1)})),
                  batch=lambda batched, x, axes: x.transpose((0,) + _batch_axis(tuple(axes))),
                doc="permute axes")
reshape = defop("reshape", lambda x, shape: x.reshape(shape) if isinstance(x, np.ndarray) else np.reshape(x, shape),
                jvp=(lambda t, out, x, shape: _reshape(t, _shape(t)[:_nb(t, x)] + _shape(out)),),
                vjp=(lambda ct, out, x, shape: _reshape(ct, _shape(x)),),
                samples=_samples((((3, 4),), {"shape": (2, 6)}), (((6,),), {"shape": (3, 2)})),
                batch=lambda batched, x, shape: x.reshape(x.shape[:1] + tuple(shape)),
                doc="reshape")


def _broadcast_to_jvp(t, out, x, shape):
    nb = _nb(t, x)
    full = _shape(t)[:nb] + (1,) * (len(shape) - _ndim(x)) + _shape(x)
    return _broadcast_to(_reshape(t, full), _shape(t)[:nb] + tuple(shape))


broadcast_to = defop("broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
                     jvp=(_broadcast_to_jvp,),
                     vjp=(lambda ct, out, x, shape: unbroadcast(ct, _shape(x)),),
                     samples=_samples((((4,),), {"shape": (3, 4)}), (((3, 1),), {"shape": (3, 4)})),
                     batch=lambda batched, x, shape: np.broadcast_to(
                         x.reshape(x.shape[:1] + (1,) * (len(shape) + 1 - x.ndim) + x.shape[1:]), x.shape[:1] + tuple(shape)),
                doc="broadcast to a shape")


def _getitem_impl(x, idx):
    return x[idx] if isinstance(x, np.ndarray) else np.asarray(x)[idx]


def _scatter_add_impl(ct, idx, shape):
    dtype = ct.dtype if isinstance(ct, np.ndarray) else np.result_type(float, type(ct))
    if isinstance(ct, np.ndarray) and ct.ndim == 0:
        ct = ct[()]  # an object array would otherwise store the 0-d array itself as the element
    z = np.zeros(shape, dtype=dtype)
    if any(isinstance(i, np.ndarray) for i in idx):
        np.add.at(z, idx, ct)  # repeated integer indices accumulate
    else:
        z[idx] = ct
    return z


def _batch_index(idx, nb):
    return (slice(None),) * nb + tuple(idx)


def _lead_batch(t, idx, nb, to_front):
    """Batch axes back in front after NumPy put the advanced indices' axes first (`to_front`), or,
    for scatter_add's values, behind those axes; see `_advanced_apart`."""
    if not nb or not _advanced_apart(idx):
        return t
    k = len(np.broadcast_shapes(*[np.shape(i) for i in idx if isinstance(i, (np.ndarray, int, np.integer))]))
    first, second = (range(k, k + nb), range(k)) if to_front else (range(nb, nb + k), range(nb))
    return _transpose(t, (*first, *second, *range(k + nb, _ndim(t))))


def _getitem_batch(batched, x, idx):
    if _advanced_apart(idx):
        return _loop_batch(_getitem_impl, batched, x, idx=idx)
    return x[(slice(None),) + tuple(idx)]


def _scatter_add_batch(batched, ct, idx, shape):
    if _advanced_apart(idx):
        return _loop_batch(_scatter_add_impl, batched, ct, idx=idx, shape=shape)
    return _scatter_add_impl(ct, (slice(None),) + tuple(idx), ct.shape[:1] + tuple(shape))


getitem = defop("getitem", _getitem_impl,
                jvp=(lambda t, out, x, idx: _lead_batch(getitem(t, _batch_index(idx, _nb(t, x))), idx, _nb(t, x), True),),
                vjp=(lambda ct, out, x, idx: scatter_add(ct, idx, _shape(x)),),
                samples=_samples((((5,),), {"idx": (slice(1, None),)}), (((3, 4),), {"idx": (1,)}), (((3, 4),), {"idx": (slice(None), slice(None, None, 2))}), (((5,),), {"idx": (np.array([0, 2, 2]),)}),
                                 (((2, 3, 4),), {"idx": (np.array([0, 1]), slice(None), np.array([1, 2]))})),
                batch=_getitem_batch,
                doc="basic slicing and integer-array indexing")
scatter_add = defop("scatter_add", _scatter_add_impl,
                    jvp=(lambda t, out, ct, idx, shape: scatter_add(
                        _lead_batch(t, idx, _nb(t, ct), False), _batch_index(idx, _nb(t, ct)), _shape(t)[:_nb(t, ct)] + tuple(shape)),),
                    vjp=(lambda u, out, ct, idx, shape: getitem(u, idx),),
                    samples=_samples((((2,),), {"idx": (slice(1, 3),), "shape": (4,)}), (((3,),), {"idx": (np.array([0, 2, 2]),), "shape": (4,)}),
                                     (((2, 3),), {"idx": (np.array([0, 1]), slice(None), np.array([1, 2])), "shape": (2, 3, 4)})),
                    batch=_scatter_add_batch,
                doc="zeros(shape) with ct added at idx: the transpose of getitem")


def _segments(xs, axis):
    offsets = np.cumsum([0] + [_shape(x)[axis] for x in xs])
    return [(int(lo), int(hi)) for lo, hi in zip(offsets[:-1], offsets[1:])]


def _concat_idx(xs, i, axis, nd):
    lo, hi = _segments(xs, axis)[i]
    return (slice(None),) * axis + (slice(lo, hi),) + (slice(None),) * (nd - axis - 1)


def _concat_jvp(i):
    def rule(t, out, *xs, axis):
        nb = _nb(t, xs[i])
        idx = _batch_index(_concat_idx(xs, i, axis, _ndim(out)), nb)
        return scatter_add(t, idx, _shape(t)[:nb] + _shape(out))

    return rule


def _concat_vjp(i):
    def rule(ct, out, *xs, axis):
        return getitem(ct, _concat_idx(xs, i, axis, _ndim(out)))

    return rule


def _stack_jvp(i):
    def rule(t, out, *xs, axis):
        nb = _nb(t, xs[i])
        expanded = _reshape(t, _shape(t)[:nb + axis] + (1,) + _shape(t)[nb + axis:])
        idx = _batch_index((slice(None),) * axis + (slice(i, i + 1),), nb)
        return scatter_add(expanded, idx, _shape(t)[:nb] + _shape(out))

    return rule


def _stack_vjp(i):
    def rule(ct, out, *xs, axis):
        return getitem(ct, (slice(None),) * axis + (i,))

    return rule


concatenate = defop("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis),
                    jvp=(_concat_jvp,), vjp=(_concat_vjp,), nargs=None,
                    batch=lambda batched, *xs, axis: np.concatenate(_broadcast_batch(batched, xs), axis=_batch_axis(axis)),
                    samples=_samples((((2, 3), (1, 3)), {"axis": 0}), (((2,), (3,), (1,)), {"axis": 0})),
                doc="join arrays along an existing axis")
stack = defop("stack", lambda *xs, axis: np.stack(xs, axis=axis),
              jvp=(_stack_jvp,), vjp=(_stack_vjp,), nargs=None,
              batch=lambda batched, *xs, axis: np.stack(_broadcast_batch(batched, xs), axis=_batch_axis(axis)),
              samples=_samples((((3,), (3,)), {"axis": 0}), (((2, 3), (2, 3)), {"axis": 1})),
                doc="join arrays along a new axis")


def _reshape(x, shape):
    shape = tuple(int(n) for n in shape)
    if -1 in shape:
        known = math.prod(n for n in shape if n != -1)
        shape = tuple(math.prod(_shape(x)) // known if n == -1 else n for n in shape)
    return x if _shape(x) == shape else reshape(x, shape=shape)


def _transpose(x, axes):
    axes = tuple(axes)
    return x if axes == tuple(range(len(axes))) else transpose(x, axes=axes)


def _broadcast_to(x, shape):
    shape = tuple(shape)
    return x if _shape(x) == shape else broadcast_to(x, shape=shape)


# -- log-softmax: earns an entry, its rule ct - softmax·Σct is one fused step ------------------

def _log_softmax_impl(x, axis):
    z = x - np.maximum.reduce(x, axis=axis, keepdims=True)  # shift-invariant: no overflow
    return z - np.log(np.add.reduce(np.exp(z), axis=axis, keepdims=True))


def _log_softmax_sympy(x, axis):
    sp = _sp()
    shift = _stop_gradient_sympy(_max_impl(x, axis=(axis,), keepdims=True))
    z = x - shift
    total = np.sum(np.frompyfunc(sp.exp, 1, 1)(z), axis=axis, keepdims=True)
    return z - np.frompyfunc(sp.log, 1, 1)(total)


log_softmax = defop("log_softmax", _log_softmax_impl,
                    jvp=(lambda t, out, x, axis: t - sum(exp(out) * t, axis=(axis + _nb(t, x),), keepdims=True),),
                    vjp=(lambda ct, out, x, axis: ct - exp(out) * sum(ct, axis=(axis,), keepdims=True),),
                    sympy=_log_softmax_sympy,
                    batch=lambda batched, x, axis: _log_softmax_impl(x, _batch_axis(axis)),
                    samples=_samples((((3, 4),), {"axis": 1}), (((5,),), {"axis": 0}), (((2, 3),), {"axis": 0})),
                    doc="x - logsumexp(x) along one axis, computed stably; earns an entry: one fused "
                        "forward step and the rule ct - softmax·Σct")


# -- the one place broadcasting is undone ----------------------------------------------------

def unbroadcast(ct, shape):
    """Sum a cotangent back down to `shape` (the shape of the argument that was broadcast)."""
    shape = tuple(shape)
    if _shape(ct) == shape:
        return ct
    extra = _ndim(ct) - len(shape)
    if extra:  # leading axes the argument never had
        ct = sum(ct, axis=tuple(range(extra)), keepdims=False)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and _shape(ct)[i] != 1)
    return sum(ct, axis=axes, keepdims=True) if axes else ct


def examples(op: Op, rng) -> list:
    """Typical calls [(args, params)] of `op`; elementwise ops are tried with broadcasting too."""
    if op.samples is not None:
        return op.samples(rng)
    shapes = [[(3, 4)] * op.nargs, [(3, 4)] + [(4,)] * (op.nargs - 1), [()] * op.nargs]
    return [(tuple(draw(d, s, rng) for d, s in zip(op.domain, ss)), {}) for ss in shapes]
