"""SciPy's special functions as elementwise primitives: the gamma family, error functions, Bessel
functions, the regularized incomplete gamma and beta functions.

Each entry's spellings include its `scipy.special` name: SciPy's special functions are NumPy ufuncs,
so `scipy.special.gammaln(x)` on a traced value reaches the tracer's `__array_ufunc__` and is found
by name as `np.sin` is; `difflab.scipy.special` publishes them. SciPy stays optional: it is imported
when a value is computed, and without it a one-line ImportError names the extra to install.

Rules are compositions of registry ops (d gammaln = digamma, d iv(v, x) = (iv(v-1, x) + iv(v+1, x))/2),
so every derivative nests. Orders (v, n) and the shape arguments of the incomplete functions (a, b)
are not differentiated: a rule asked for their derivative raises NotDifferentiableError naming the
argument (as autograd does). SymPy translations use SymPy's own functions (loggamma, polygamma,
erfinv, besselj, ...) whose lambdified code calls SciPy (`SYMPY_NUMPY`, `SYMPY_MATH`); the
incomplete functions and log_ndtr are named SymPy functions with the entry's derivative.
"""

from __future__ import annotations

import math


from ..errors import NotDifferentiableError
from .core import SYMPY_MATH, SYMPY_NUMPY, Op, _sp, defop, elementwise_sympy, sympy_function
from .elementwise import _abs_fn, exp, log, log1p, sign

_SQRT_PI, _SQRT_2PI = math.sqrt(math.pi), math.sqrt(2.0 * math.pi)


def scipy_special():
    """`scipy.special`, or a one-line ImportError naming the extra that installs it."""
    try:
        import scipy.special
    except ImportError:
        raise ImportError(
            "this function needs SciPy, an optional dependency of difflab: pip install 'difflab[scipy]'"
        ) from None
    return scipy.special


def _scipy(name):
    """SciPy's `name` on NumPy values, SciPy imported at the first call."""

    def impl(*args):
        return getattr(scipy_special(), name)(*args)

    impl.__name__ = name
    return impl


def _refuse(op_name, arg):
    """The rule of an argument the op is not differentiated in (an order, a shape parameter)."""

    def partial(*args):  # (out, *args) as a rule's partial; () from a SymPy derivative
        raise NotDifferentiableError(
            f"scipy.special.{op_name} is not differentiable in its argument {arg} (only in x); "
            f"hold {arg} constant (a plain array or number), as autograd does"
        )

    return partial


def _order(n):
    """An integer-valued SymPy number as an Integer (polygamma(1, x), not polygamma(1.0, x))."""
    sp = _sp()
    if isinstance(n, (int, float)) or (isinstance(n, sp.Basic) and n.is_Number):
        if float(n) == int(float(n)):
            return sp.Integer(int(float(n)))
    return n


def _sympy_call(fn):
    """An elementwise SymPy translation given as fn(sympy, *scalar args)."""
    return elementwise_sympy(lambda *xs: fn(_sp(), *xs))


# lambdified SymPy code names SymPy's functions; these are their values (SciPy on arrays, Python's
# math where it has them on floats)
for _name, _impl in {
    "loggamma": "gammaln",
    "gamma": "gamma",
    "polygamma": "polygamma",
    "erf": "erf",
    "erfc": "erfc",
    "erfinv": "erfinv",
    "besselj": "jv",
    "bessely": "yv",
    "besseli": "iv",
}.items():
    SYMPY_NUMPY.setdefault(_name, _scipy(_impl))
    SYMPY_MATH.setdefault(_name, _scipy(_impl))
SYMPY_MATH.update(loggamma=math.lgamma, gamma=math.gamma, erf=math.erf, erfc=math.erfc)


def _named(name, derivative, mp_name):
    """A named SymPy function whose values are SciPy's `name` and derivative `derivative(args, i)`."""

    def mp_impl(*args):
        import mpmath

        return {
            "gammainc": lambda a, x: mpmath.gammainc(a, 0, x, regularized=True),
            "gammaincc": lambda a, x: mpmath.gammainc(a, x, mpmath.inf, regularized=True),
            "betainc": lambda a, b, x: mpmath.betainc(a, b, 0, x, regularized=True),
            "log_ndtr": lambda x: mpmath.log(mpmath.ncdf(x)),
            "gammasgn": lambda x: mpmath.sign(mpmath.gamma(x)),
            "erfcinv": lambda x: mpmath.erfinv(1 - x),
            "ndtri": lambda x: mpmath.sqrt(2) * mpmath.erfinv(2 * x - 1),
        }[mp_name](*args)

    return sympy_function(name, _scipy(name), derivative, mp_impl, _scipy(name))


def _refusing_derivative(name, names):
    """derivative(args, i) of a named function differentiable only in its last argument."""

    def derivative(args, i):
        if i < len(args) - 1:
            _refuse(name, names[i])()
        sp = _sp()
        if name == "gammainc":
            a, x = args
            return sp.exp(-x) * x ** (a - 1) / sp.gamma(a)
        if name == "gammaincc":
            a, x = args
            return -sp.exp(-x) * x ** (a - 1) / sp.gamma(a)
        a, b, x = args
        return x ** (a - 1) * (1 - x) ** (b - 1) / sp.beta(a, b)

    return derivative


def _named_sympy(name, *names):
    derivative = _refusing_derivative(name, names) if names else None
    return elementwise_sympy(lambda *xs: _NAMED[name](derivative)(*xs))


_NAMED = {
    "gammainc": lambda d: _named("gammainc", d, "gammainc"),
    "gammaincc": lambda d: _named("gammaincc", d, "gammaincc"),
    "betainc": lambda d: _named("betainc", d, "betainc"),
    "log_ndtr": lambda d: _named("log_ndtr", lambda args, i: _log_ndtr_sympy_partial(*args), "log_ndtr"),
    "gammasgn": lambda d: _named("gammasgn", lambda args, i: _sp().Integer(0), "gammasgn"),
    # named: SymPy's erfcinv has no numeric evaluation (evalf) of its own
    "erfcinv": lambda d: _named(
        "erfcinv", lambda args, i: -_sp().sqrt(_sp().pi) / 2 * _sp().exp(_NAMED["erfcinv"](None)(*args) ** 2), "erfcinv"
    ),
    "ndtri": lambda d: _named(
        "ndtri", lambda args, i: _sp().sqrt(2 * _sp().pi) * _sp().exp(_NAMED["ndtri"](None)(*args) ** 2 / 2), "ndtri"
    ),
}


def _log_ndtr_sympy_partial(x):
    sp = _sp()
    return sp.exp(-(x**2) / 2 - _NAMED["log_ndtr"](None)(x)) / sp.sqrt(2 * sp.pi)


def _special(name, impl, partials, sympy, domain=("positive",), numpy=(), analytic=False, **kw) -> Op:
    """An entry for scipy.special.<name>, spelled `scipy.special.<name>` (and `numpy`'s names)."""
    spellings = tuple(f"scipy.special.{n}" for n in (name, *kw.pop("aliases", ()))) + tuple(numpy)
    return defop(
        name,
        impl,
        partials=partials,
        sympy=sympy,
        domain=domain,
        analytic=analytic,
        numpy=spellings,
        requires=("scipy",),
        **kw,
    )


# -- the gamma family -------------------------------------------------------------------------

gammaln = _special(
    "gammaln",
    _scipy("gammaln"),
    (lambda out, x: psi(x),),
    _sympy_call(lambda sp, x: sp.loggamma(x)),
    doc="log|Γ(x)|; d gammaln = digamma",
)
gamma = _special(
    "gamma",
    _scipy("gamma"),
    (lambda out, x: out * psi(x),),
    _sympy_call(lambda sp, x: sp.gamma(x)),
    analytic=True,
    doc="Γ(x); d Γ = Γ·digamma",
)
rgamma = _special(
    "rgamma",
    _scipy("rgamma"),
    (lambda out, x: -out * psi(x),),
    _sympy_call(lambda sp, x: 1 / sp.gamma(x)),
    analytic=True,
    doc="1/Γ(x), finite at the poles of Γ",
)
gammasgn = _special(
    "gammasgn",
    _scipy("gammasgn"),
    (None,),
    _named_sympy("gammasgn"),
    domain=("real",),
    differentiable=False,
    doc="the sign of Γ(x): piecewise constant, zero derivative",
)
psi = _special(
    "psi",
    _scipy("psi"),
    (lambda out, x: polygamma(1.0, x),),
    _sympy_call(lambda sp, x: sp.polygamma(0, x)),
    aliases=("digamma",),
    analytic=True,
    doc="digamma ψ(x) = Γ'(x)/Γ(x); d ψ = polygamma(1, x)",
)
polygamma = _special(
    "polygamma",
    _scipy("polygamma"),
    (_refuse("polygamma", "n"), lambda out, n, x: polygamma(n + 1.0, x)),
    _sympy_call(lambda sp, n, x: sp.polygamma(_order(n), x)),
    domain=("integer", "positive"),
    doc="polygamma ψ⁽ⁿ⁾(x) (n a non-negative integer, not differentiated)",
)
beta = _special(
    "beta",
    _scipy("beta"),
    (lambda out, a, b: out * (psi(a) - psi(a + b)), lambda out, a, b: out * (psi(b) - psi(a + b))),
    _sympy_call(lambda sp, a, b: sp.gamma(a) * sp.gamma(b) / sp.gamma(a + b)),
    domain=("positive", "positive"),
    doc="B(a, b) = Γ(a)Γ(b)/Γ(a+b)",
)
betaln = _special(
    "betaln",
    _scipy("betaln"),
    (lambda out, a, b: psi(a) - psi(a + b), lambda out, a, b: psi(b) - psi(a + b)),
    _sympy_call(lambda sp, a, b: sp.loggamma(a) + sp.loggamma(b) - sp.loggamma(a + b)),
    domain=("positive", "positive"),
    doc="log|B(a, b)|",
)
gammainc = _special(
    "gammainc",
    _scipy("gammainc"),
    (_refuse("gammainc", "a"), lambda out, a, x: exp((a - 1.0) * log(x) - x - gammaln(a))),
    _named_sympy("gammainc", "a"),
    domain=("integer", "positive"),
    doc="regularized lower incomplete gamma P(a, x); differentiable in x only (its density)",
)
gammaincc = _special(
    "gammaincc",
    _scipy("gammaincc"),
    (_refuse("gammaincc", "a"), lambda out, a, x: -exp((a - 1.0) * log(x) - x - gammaln(a))),
    _named_sympy("gammaincc", "a"),
    domain=("integer", "positive"),
    doc="regularized upper incomplete gamma Q(a, x) = 1 - P(a, x); differentiable in x only",
)
betainc = _special(
    "betainc",
    _scipy("betainc"),
    (
        _refuse("betainc", "a"),
        _refuse("betainc", "b"),
        lambda out, a, b, x: exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - betaln(a, b)),
    ),
    _named_sympy("betainc", "a", "b"),
    domain=("integer", "integer", "probability"),
    doc="regularized incomplete beta I_x(a, b); differentiable in x only (its density)",
)

# -- error functions and the normal distribution's ---------------------------------------------

erf = _special(
    "erf",
    _scipy("erf"),
    (lambda out, x: (2.0 / _SQRT_PI) * exp(-x * x),),
    _sympy_call(lambda sp, x: sp.erf(x)),
    domain=("real",),
    analytic=True,
    doc="the error function; d erf = 2/√π e^(-x²)",
)
erfc = _special(
    "erfc",
    _scipy("erfc"),
    (lambda out, x: (-2.0 / _SQRT_PI) * exp(-x * x),),
    _sympy_call(lambda sp, x: sp.erfc(x)),
    domain=("real",),
    analytic=True,
    doc="1 - erf(x), accurate where erf is near 1",
)
erfinv = _special(
    "erfinv",
    _scipy("erfinv"),
    (lambda out, x: (0.5 * _SQRT_PI) * exp(out * out),),
    _sympy_call(lambda sp, x: sp.erfinv(x)),
    domain=("unit",),
    doc="inverse of erf on (-1, 1); its rule reuses the output",
)
erfcinv = _special(
    "erfcinv",
    _scipy("erfcinv"),
    (lambda out, x: (-0.5 * _SQRT_PI) * exp(out * out),),
    _named_sympy("erfcinv"),
    domain=("probability",),
    doc="inverse of erfc on (0, 2); its rule reuses the output",
)
ndtr = _special(
    "ndtr",
    _scipy("ndtr"),
    (lambda out, x: exp(-0.5 * x * x) / _SQRT_2PI,),
    _sympy_call(lambda sp, x: sp.erfc(-x / sp.sqrt(2)) / 2),
    domain=("real",),
    analytic=True,
    doc="the standard normal CDF Φ(x)",
)
log_ndtr = _special(
    "log_ndtr",
    _scipy("log_ndtr"),
    # φ(x)/Φ(x) as exp(-x²/2 - log Φ(x))/√(2π): finite deep in the left tail (x = -40: ≈ 40)
    (lambda out, x: exp(-0.5 * x * x - out) / _SQRT_2PI,),
    _named_sympy("log_ndtr"),
    domain=("real",),
    doc="log Φ(x), accurate in both tails",
)
ndtri = _special(
    "ndtri",
    _scipy("ndtri"),
    (lambda out, x: _SQRT_2PI * exp(0.5 * out * out),),
    _named_sympy("ndtri"),
    domain=("probability",),
    doc="the inverse of Φ on (0, 1)",
)
logit = _special(
    "logit",
    _scipy("logit"),
    (lambda out, x: 1.0 / x + 1.0 / (1.0 - x),),
    _sympy_call(lambda sp, x: sp.log(x / (1 - x))),
    domain=("probability",),
    doc="log(p/(1-p)), the inverse of expit (difflab's sigmoid)",
)

# -- Bessel functions -------------------------------------------------------------------------


def _bessel_order_rule(name):
    return _refuse(name, "v")


jv = _special(
    "jv",
    _scipy("jv"),
    (_bessel_order_rule("jv"), lambda out, v, x: 0.5 * (jv(v - 1.0, x) - jv(v + 1.0, x))),
    _sympy_call(lambda sp, v, x: sp.besselj(_order(v), x)),
    domain=("integer", "positive"),
    aliases=("jn",),
    analytic=True,
    doc="Bessel function of the first kind J_v(x); d J_v = (J_{v-1} - J_{v+1})/2",
)
yv = _special(
    "yv",
    _scipy("yv"),
    (_bessel_order_rule("yv"), lambda out, v, x: 0.5 * (yv(v - 1.0, x) - yv(v + 1.0, x))),
    _sympy_call(lambda sp, v, x: sp.bessely(_order(v), x)),
    domain=("integer", "positive"),
    analytic=True,
    doc="Bessel function of the second kind Y_v(x) on x > 0",
)
yn = _special(
    "yn",
    _scipy("yn"),
    (_refuse("yn", "n"), lambda out, n, x: 0.5 * (yn(n - 1.0, x) - yn(n + 1.0, x))),
    _sympy_call(lambda sp, n, x: sp.bessely(_order(n), x)),
    domain=("integer", "positive"),
    doc="Y_n(x) for integer n (SciPy's yn)",
)
iv = _special(
    "iv",
    _scipy("iv"),
    (_bessel_order_rule("iv"), lambda out, v, x: 0.5 * (iv(v - 1.0, x) + iv(v + 1.0, x))),
    _sympy_call(lambda sp, v, x: sp.besseli(_order(v), x)),
    domain=("integer", "positive"),
    analytic=True,
    doc="modified Bessel function of the first kind I_v(x); d I_v = (I_{v-1} + I_{v+1})/2",
)
ive = _special(
    "ive",
    _scipy("ive"),
    (
        _bessel_order_rule("ive"),
        lambda out, v, x: 0.5 * (ive(v - 1.0, x) + ive(v + 1.0, x)) - sign(x) * out,
    ),
    # the registry's abs (its derivative is sign, whose own is 0: SymPy's Abs'' is a DiracDelta)
    _sympy_call(lambda sp, v, x: sp.besseli(_order(v), x) * sp.exp(-_abs_fn()(x))),
    domain=("integer", "positive"),
    doc="exponentially scaled I_v(x)·e^(-|x|)",
)
j0 = _special(
    "j0",
    _scipy("j0"),
    (lambda out, x: -j1(x),),
    _sympy_call(lambda sp, x: sp.besselj(0, x)),
    domain=("real",),
    doc="J_0(x); d J_0 = -J_1",
)
j1 = _special(
    "j1",
    _scipy("j1"),
    (lambda out, x: 0.5 * (j0(x) - jv(2.0, x)),),
    _sympy_call(lambda sp, x: sp.besselj(1, x)),
    domain=("real",),
    doc="J_1(x)",
)
y0 = _special(
    "y0",
    _scipy("y0"),
    (lambda out, x: -y1(x),),
    _sympy_call(lambda sp, x: sp.bessely(0, x)),
    doc="Y_0(x) on x > 0; d Y_0 = -Y_1",
)
y1 = _special(
    "y1",
    _scipy("y1"),
    (lambda out, x: 0.5 * (y0(x) - yv(2.0, x)),),
    _sympy_call(lambda sp, x: sp.bessely(1, x)),
    doc="Y_1(x) on x > 0",
)
i0 = _special(
    "i0",
    _scipy("i0"),
    (lambda out, x: i1(x),),
    _sympy_call(lambda sp, x: sp.besseli(0, x)),
    domain=("real",),
    numpy=("i0",),
    doc="I_0(x) (also numpy.i0); d I_0 = I_1",
)
i1 = _special(
    "i1",
    _scipy("i1"),
    (lambda out, x: 0.5 * (i0(x) + iv(2.0, x)),),
    _sympy_call(lambda sp, x: sp.besseli(1, x)),
    domain=("real",),
    doc="I_1(x)",
)

__all__ = [name for name, value in list(globals().items()) if isinstance(value, Op)]
