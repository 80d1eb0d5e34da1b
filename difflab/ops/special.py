"""SciPy's special functions as elementwise primitives: the gamma family, error functions, Bessel
functions (J, Y, I, K, their scaled and spherical forms), Struve's, the regularized incomplete gamma and beta
functions and the gamma ones' inverses, Student's t CDF and quantile, the complete elliptic integrals, the Box-Cox
transforms and their inverses, the Pochhammer symbol, Spence's function, Hurwitz's (and Riemann's) zeta, Kummer's
₁F₁, Gauss's ₂F₁, Owen's T, Lambert's W (its real principal branch), the trigonometric functions of degrees, the
Poisson, χ², gamma, binomial, negative binomial, F, Kolmogorov and Tukey λ distributions (CDFs, survival functions, inverses),
the arithmetic-geometric mean, the Voigt profile, the classical orthogonal polynomials, Carlson's symmetric elliptic
integrals and the incomplete Legendre ones, ζ(x) - 1, Tricomi's U, ₀F₁ and Wright's generalized Bessel function,
the binomial coefficient, xʸ - 1, Wright's ω, Airy's functions, Jacobi's elliptic functions, the Dirichlet kernel, the
associated Legendre functions, the complemented and inverse incomplete beta functions, Smirnov's distribution, Kelvin's
functions, Hankel's (their real and imaginary parts), the integrals of J₀, Y₀, I₀, K₀, H₀ and L₀ (and over t), the
parabolic cylinder functions, the spherical Legendre function, the noncentral χ², F and t distributions (with their
inverses in a degree of freedom and in nc), the normal's mean and deviation from a quantile, besselpoly, the shifted
Jacobi polynomial, the modified Fresnel integrals, Mathieu's functions (angular and radial) and the spheroidal wave
functions of the first kind (prolate and oblate, angular and radial).

Each entry's spellings include its `scipy.special` name: SciPy's special functions are NumPy ufuncs,
so `scipy.special.gammaln(x)` on a traced value reaches the tracer's `__array_ufunc__` and is found
by name as `np.sin` is; `difflab.scipy.special` publishes them. SciPy stays optional: it is imported
when a value is computed, and without it a one-line ImportError names the extra to install.

Rules are compositions of registry ops (d gammaln = digamma, d iv(v, x) = (iv(v-1, x) + iv(v+1, x))/2),
so every derivative nests. Orders (v, n), the shape arguments of the incomplete functions (a, b) and
the arguments SciPy has no derivative in (hyp1f1's a and b, hyp2f1's a, b and c, stdtr's df) are not
differentiated: a rule asked for their derivative raises NotDifferentiableError naming the
argument (as autograd does). SymPy translations: where SymPy has the very function SciPy computes
(gamma, digamma as polygamma(0, x), erf, erfc, erfinv, jv, yv, iv, kv) it is SymPy's own, whose
lambdified code calls SciPy's (`SYMPY_NUMPY`, `SYMPY_MATH`); every other entry is a named SymPy
function computed by its SciPy function and meaning SymPy's form (`_scipy_named`: beta is not
Γ·Γ/Γ in floats, j0 is not SciPy's jv(0, x)), so the symbolic method's values are SciPy's; where SymPy has no
form (gammaincinv) the named function's high-precision value is mpmath's (a root of its gammainc), or SciPy's own
where mpmath has no such function (Mathieu's) or SciPy's value is not the root (the noncentral inverses' searches).
"""

from __future__ import annotations

import fractions
import functools
import math
import types
import warnings

import numpy as np


from ..errors import NotDifferentiableError, UnsupportedOperationError
from ..graph import Traced
from .core import (
    REAL,
    REGISTRY,
    SYMPY_MATH,
    SYMPY_NUMPY,
    SYMPY_TRACED,
    Op,
    _sp,
    defop,
    draw,
    elementwise_sympy,
    strong_zero,
    sympy_function,
)
from .elementwise import (
    _abs_fn,
    _sign_fn,
    abs as _abs,
    cos,
    cosh,
    equal,
    exp,
    expm1,
    floor,
    greater,
    greater_equal,
    hypot,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    sigmoid,
    sign,
    sin,
    sinh,
    strong_mul,
    where,
)

_SQRT_PI, _SQRT_2PI, _SQRT_HALF = math.sqrt(math.pi), math.sqrt(2.0 * math.pi), math.sqrt(0.5)


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
        fn = getattr(scipy_special(), name)
        out = fn(*args)
        born = _born(fn, out, args)
        if born is not None:
            _say(name, *born)
        return out

    impl.__name__ = name
    return impl


#: NumPy's names and flag bits of its floating-point errors (what its error callback receives)
_FLAGS = {"divide": ("divide by zero", 1), "over": ("overflow", 2), "invalid": ("invalid value", 8)}


def _born(fn, out, args) -> tuple | None:
    """The floating-point error SciPy's value `out` = fn(*args) holds where every argument is a number, as NumPy's
    kind and the entry's text: a NaN is 'invalid' (xlogy(1, -1), erfinv(2)); an infinity is 'divide' where the value
    is a pole or an edge of the domain (gammaln(0), erfinv(1), ndtri(0): SciPy reports the pole as a singularity,
    or the function is finite at a neighbouring float) and 'over' where it overflowed (gamma(200), as exp(1000)).
    SciPy sets none of NumPy's flags there, so without this the NaN or infinity, and the NaN gradient it makes,
    would pass unsaid where log(-1), log(0) and exp(1000) are said. None: nothing born."""
    bad = ~np.isfinite(out)
    if not bad.any():
        return None
    for a in args:
        bad = bad & np.isfinite(a)  # (broadcast as SciPy's arguments are)
    if not bad.any():
        return None
    if np.isnan(out[bad] if np.ndim(out) else out).any():
        return ("invalid",)
    return ("divide",) if _pole(fn, out, args, bad) else ("over",)


def _pole(fn, out, args, bad) -> bool:
    """Whether an infinity `fn` answered at the entries `bad` is a pole or a domain edge rather than an overflow:
    SciPy's own error state calls it a singularity, or one of the neighbouring floats (every floating argument
    moved one ulp up, or down) gives a finite value there."""
    special = scipy_special()
    with np.errstate(all="ignore"), special.errstate(all="ignore", singular="raise"):
        try:
            fn(*args)
        except special.SpecialFunctionError:
            return True
        for way in (np.inf, -np.inf):
            moved = [np.nextafter(a, way) if np.asarray(a).dtype.kind == "f" else a for a in args]
            try:
                near = np.broadcast_to(fn(*moved), np.shape(bad))
            except special.SpecialFunctionError:  # (a singularity there too: struve(-2, 5e-324))
                continue
            if np.isfinite(near[bad] if np.ndim(bad) else near).any():
                return True
    return False


def _say(name, kind) -> None:
    """NumPy's report of a floating-point error of kind `kind` ('invalid', 'divide', 'over') in SciPy's `name` where
    NumPy's error state raises, calls back or warns, as NumPy's own ufuncs report log(-1), log(0), exp(1000): so the
    interpreters (errstate invalid='raise', divide='raise') and a trace ('call') name the equation in a DomainWarning,
    as they do for NumPy's functions, and an overflow warns as exp's does. An 'invalid' or 'divide' under NumPy's
    default ('warn') prints nothing, as SciPy prints nothing: difflab's interpreters say it once, by name."""
    mode = dict(np.geterr())[kind]
    text, flag = _FLAGS[kind]
    if mode == "raise":
        raise FloatingPointError(f"{text} encountered in {name}")
    if mode == "call":
        np.geterrcall()(text, flag)  # (NumPy's own arguments: the error's name, its flag bit)
    elif mode == "warn" and kind == "over":
        warnings.warn(f"overflow encountered in {name}", RuntimeWarning, stacklevel=3)


def _refuse(op_name, arg, only="x", why="", truncated=False):
    """The rule of an argument the op is not differentiated in (an order, a shape parameter; `why`: the
    reason, where it is not one of those). `truncated`: SciPy truncates the argument to an integer (yn's and
    expn's n), so the numeric method, which differences SciPy's values, refuses it too (a jump's differences)."""

    def partial(*args):  # (out, *args) as a rule's partial; () from a SymPy derivative
        raise NotDifferentiableError(
            f"scipy.special.{op_name} is not differentiable in its argument {arg} (only in {only}); "
            + (why or f"hold {arg} constant (a plain array or number), as autograd does")
        )

    partial.refuses = True  # (a named SymPy function's derivative refuses by it too)
    partial.truncated = truncated
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


def _iv(v, x):
    """SciPy's iv(v, x), except below |x| = 1e-20 (v >= 0 or a whole v < 0), where SciPy's is NaN or 0
    (iv(2, 2.2e-308) is NaN, iv(1, x) is 0 from 1e-300 to 1e-151, iv(2, 1e-155) is 0 for 1.25e-311): there the
    series' leading term (x/2)^v / Γ(v + 1), exact to rounding (the next term is (x/2)²/(v + 1) < 1e-40 of it).
    A whole order below 0 is I_{-n} = I_n, and SciPy's has the same zeros (iv(-1, 1e-200) is 0: iv's own
    derivative rule reads it at v = 0, so i1″ there was x/4, not 3x/8); other orders below 0 SciPy gets right."""
    sc = scipy_special()
    out = sc.iv(v, x)
    vv, xx = np.broadcast_arrays(np.asarray(v, dtype=float), np.asarray(x))  # (x complex: complex step)
    vv = np.where((vv < 0) & (vv == np.floor(vv)), -vv, vv)
    tiny = (np.abs(xx) < 1e-20) & (vv >= 0)
    if not np.any(tiny):
        return out
    with np.errstate(all="ignore"):
        lead = np.where(vv == 0, 1.0, np.power(xx / 2, vv) / sc.gamma(vv + 1))
    fixed = np.where(tiny, lead, out)
    return fixed[()] if fixed.ndim == 0 else fixed


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
    "besselk": "kv",
}.items():
    SYMPY_NUMPY.setdefault(_name, _iv if _impl == "iv" else _scipy(_impl))
    SYMPY_MATH.setdefault(_name, _iv if _impl == "iv" else _scipy(_impl))
SYMPY_MATH.update(loggamma=math.lgamma, gamma=math.gamma, erf=math.erf, erfc=math.erfc)


#: name -> (SymPy's form, derivative or None) of the entries translated by `_scipy_named`
_FORMS: dict = {}


def _scipy_named(name, form, derivative=None, scipy_name=None, mp=None):
    """The SymPy translation of an entry whose SymPy form is not SciPy's value: a named SymPy function
    `scipy_<name>`, computed by SciPy's `name` in generated code (arrays and floats), whose meaning is
    SymPy's `form(sp, *args)`. SymPy's forms are right as mathematics, not as floats: beta as Γ·Γ/Γ is
    inf/inf = NaN at 1e155, betaln as loggamma sums keeps no digit at 1e300 (-12.6 for -249.6),
    besseli(1, x) is SciPy's iv(1, x), not its i1 (0 at 1e-155), ive as besseli·e^-|x| overflows. What
    the form still gives: the value in any precision (evalf: `exact`'s 40 digits) and the derivative
    where the symbolic method takes SymPy's (`diff`) rather than the registry's partials, reading the
    named value where the form's derivative holds the form (beta' = beta·(ψ(a) - ψ(a + b))); or
    `derivative(sp, out, i, *args)` where the form's is unstable (log_ndtr's in the left tail). An
    argument the entry refuses (an order, a shape parameter) is refused by its registry partial.
    `scipy_name`: SciPy's function, where it is not `name` (zeta_riemann: zeta of one argument), or the function
    computing it (fresnel_s: the first of fresnel's pair). `mp(mpmath, *mpf args)`: the value in any precision where
    SymPy has no form to evaluate (gammaincinv: mpmath's root of gammainc); `form` is then None and `derivative` given."""
    _FORMS[name] = (form, derivative, scipy_name or name, mp)
    return elementwise_sympy(lambda *xs: _scipy_function(name)(*xs))


def _scipy_function(name):
    """The named SymPy function of a `_scipy_named` entry."""
    sp = _sp()
    form, derivative, scipy_name, mp = _FORMS[name]

    def partial(args, i):
        rules = REGISTRY[name].float_partials
        rule = rules[i][0] if rules else None
        if rule is None:  # a zero derivative (gammasgn: piecewise constant)
            return sp.Integer(0)
        if getattr(rule, "refuses", False):
            rule()  # raises NotDifferentiableError naming the argument
        if derivative is not None:
            return derivative(sp, fn(*args), i, *args)
        xs = [sp.Dummy(f"a{k}", real=True) for k in range(len(args))]
        whole = form(sp, *xs)
        return sp.diff(whole, xs[i]).subs(whole, fn(*xs)).xreplace(dict(zip(xs, args)))

    def mp_impl(*args):
        import mpmath

        if mp is not None:
            return mp(mpmath, *args)
        value = form(sp, *[sp.Float(a, mpmath.mp.dps) for a in args]).evalf(mpmath.mp.dps)
        return mpmath.mpf(value) if value.is_real and value.is_finite else mpmath.nan

    impl = _scipy(scipy_name) if isinstance(scipy_name, str) else scipy_name  # (a part of a pair: fresnel's S)
    fn = sympy_function(f"scipy_{name}", impl, partial, mp_impl, impl)
    return fn


def _betainc_density(sp, out, i, a, b, x):
    """d I_x(a, b)/dx, the beta density (SymPy's derivative of betainc_regularized is its integral form)."""
    return x ** (a - 1) * (1 - x) ** (b - 1) / _scipy_function("beta")(a, b)


def _xlog(c, x):
    """c·log(x) with strong zeros: 0 where c is 0, also at x = 0 (the densities x^(a-1) of gammainc and betainc at
    a = 1 are 1 at x = 0, where (a - 1)·log(x) was 0·(-inf) = NaN; the edge battery found it)."""
    return strong_mul(c, log(x))


_LARGE = 1e8  # from here ψ's asymptotic series, to its 1/a term, gives ψ(a) - ψ(a + b) to a double's precision
_SMALL = 1e-4  # b/a below which its Taylor series in b, to b⁴, does


def _psi_difference(a, b):
    """ψ(a) - ψ(a + b) (a, b > 0), the partial of betaln in a (beta's over its value), without the cancellation
    of two nearly equal ψ: where b < 1e-4·a its Taylor series -Σ bⁿ ψ⁽ⁿ⁾(a)/n!, n ≤ 4; where a ≥ 1e8
    -log1p(b/a) - b/(2a(a + b)) (the next term, b/(6a³), is below a double's reach); elsewhere the difference,
    to ~2e-11 relative at worst (ψ(a) ≤ 18.4 against a difference ≥ 1e-4). ψ(1e155) - ψ(1e155 + 0.7) was 0 for
    -7e-156, ψ(3) - ψ(3 + 1e-300) 0 for -3.9e-301 (the special-function battery found them). Each series runs at
    held arguments where it is not used, so it forms no inf or NaN there."""
    small, large = (b < _SMALL * a), greater_equal(a, _LARGE)
    a_t, b_t = where(small, a, 1.0), where(small, b, 0.0)
    taylor = polygamma(4.0, a_t) * (b_t / 4.0)
    for n in (3.0, 2.0, 1.0):
        taylor = (polygamma(n, a_t) + taylor) * (b_t / n)
    a_s = where(large, a, _LARGE)
    series = -log1p(b / a_s) - 0.5 * (b / a_s) / (a_s + b)
    return where(small, -taylor, where(large, series, psi(a) - psi(a + b)))


_TAIL = -40.0  # below it φ(x)/Φ(x) by its asymptotic series (to 1/x¹⁰: 5e-16 relative at -40)


def _mills_tail(x, r):
    """-x(1 + r² - 2r⁴ + 10r⁶ - 74r⁸ + 706r¹⁰), r = 1/x: φ(x)/Φ(x) for x ≤ -40."""
    r2 = r * r
    return -x * (1.0 + r2 * (1.0 - r2 * (2.0 - r2 * (10.0 - r2 * (74.0 - 706.0 * r2)))))


def _mills(out, x):
    """φ(x)/Φ(x), log_ndtr's slope: for x ≤ 0 √(2/π)/erfcx(-x/√2) (Φ(x) = erfcx(-x/√2)·e^(-x²/2)/2: no exponent to
    cancel), below -40 its asymptotic series, above 0 exp(-x²/2 - log Φ(x))/√(2π) (log Φ near 0 there). The
    exponent's two terms cancelled for x < 0 (ε·x²/2 absolute: 1e-13 relative at -39, and its derivative -m(x + m)
    cancelled again: 1.5e-10), and at -1e20 entirely (5e39 - 5e39: the slope was 0.399 for 1e20; the registry sweep
    found it). Each form runs at a held argument where it is not used, so it forms no inf or NaN there."""
    tail = less(x, _TAIL)
    left = where(tail, False, less_equal(x, 0.0))
    right = where(tail, False, where(left, False, True))
    x_t, x_l = where(tail, x, _TAIL), where(left, x, 0.0)
    x_e, out_e = where(right, x, 0.0), where(right, out, 0.0)
    scaled = math.sqrt(2.0 / math.pi) / erfcx(x_l * -_SQRT_HALF)
    return where(tail, _mills_tail(x_t, 1.0 / x_t), where(left, scaled, exp(-0.5 * x_e * x_e - out_e) / _SQRT_2PI))


def _mills_sympy(sp, out, x):
    """`_mills` in SymPy's terms (erfcx SciPy's, by its named function)."""
    return sp.Piecewise(
        (_mills_tail(x, 1 / x), x < _TAIL),
        (sp.sqrt(2 / sp.pi) / _scipy_function("erfcx")(-x / sp.sqrt(2)), x <= 0),
        (sp.exp(-(x**2) / 2 - out) / sp.sqrt(2 * sp.pi), True),
    )


_ERFCX_TAIL = 8.0  # x from which erfcx's slope 2x·erfcx - 2/√π (the two cancel to 1/(2x²) of them) is its series'
_ERFCX_TERMS = 30  # (2n - 1)!!/(2x²)ⁿ: the first left out is below 1e-22 of the first kept at x = 8


def _erfcx_tail_slope(x):
    """2x·erfcx(x) - 2/√π ~ (2/√π) Σₙ₌₁ (-1)ⁿ (2n - 1)!! rⁿ, r = 1/(2x²), by Horner's rule -r(1 - 3r(1 - 5r(...)))
    (x a difflab or SymPy value)."""
    r = 0.5 / (x * x)
    s = 0.0 * r
    for n in range(_ERFCX_TERMS, 0, -1):
        s = -(2 * n - 1) * r * (1.0 + s)
    return (2.0 / _SQRT_PI) * s


def _erfcx_slope(out, x):
    """erfcx′ = 2x·erfcx - 2/√π, from x = 8 its asymptotic series (the difference kept 2x²ε: 8e-14 relative at 20,
    and ndtri_exp's and log_ndtr's second derivatives read it). Each form at a held argument where it is not used."""
    tail = greater_equal(x, _ERFCX_TAIL)
    x_t = where(tail, x, _ERFCX_TAIL)
    return where(tail, _erfcx_tail_slope(x_t), 2.0 * where(tail, 0.0, x) * where(tail, 0.0, out) - 2.0 / _SQRT_PI)


def _rgamma_slope(out, x):
    """(1/Γ)′ = -ψ(x)/Γ(x), and at a pole x = -n of Γ (1/Γ 0, ψ NaN: the registry sweep found NaN at -27 for
    -27!) the reflection 1/Γ(x) = sin(πx)Γ(1 - x)/π's derivative, Γ(1 - x)(cos πx - sin πx ψ(1 - x)/π) = (-1)ⁿ n!,
    right in a neighbourhood too, so its own derivative is the second. Each form runs at a held argument where it
    is not used: no NaN formed there."""
    pole = where(less_equal(x, 0.0), equal(x, floor(x)), False)
    x_p, x_r = where(pole, x, 0.0), where(pole, 0.5, x)
    reflected = gamma(1.0 - x_p) * (cos(np.pi * x_p) - sin(np.pi * x_p) * psi(1.0 - x_p) / np.pi)
    return where(pole, reflected, -where(pole, 0.0, out) * psi(x_r))


_DEFINED: set = set()


_F64 = np.dtype(np.float64)


def _special(name, impl, partials, sympy, domain=("positive",), numpy=(), analytic=False, **kw) -> Op:
    """An entry for scipy.special.<name>, spelled `scipy.special.<name>` (and `numpy`'s names)."""
    _DEFINED.add(name)
    names = kw.pop("names", None) or (name, *kw.pop("aliases", ()))  # (names: SciPy's, where name is not one)
    spellings = tuple(f"scipy.special.{n}" for n in names) + tuple(numpy)
    if "result_dtype" not in kw and "resolve_dtype" not in kw:
        kw["resolve_dtype"] = _scipy_dtype(kw.pop("ufunc", name))
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


def _scipy_dtype(name):
    """Op.resolve_dtype of scipy.special.<name>: SciPy's own answer for arguments of those dtypes or Python types
    (its ufuncs' loop search: gammainc(2, x32) is float64, its 'dd->d' loop being first; erf(x32) float32).
    `name` may be a ufunc's of `scipy.special._ufuncs` (_zeta: what SciPy's Python zeta calls)."""

    @functools.lru_cache(maxsize=64)
    def resolve(*dtypes):
        sc = scipy_special()
        fn = getattr(sc, name, None) or getattr(getattr(sc, "_ufuncs", None), name, None)
        if not isinstance(fn, np.ufunc):
            return None
        with np.errstate(all="ignore"):
            out = fn(*[d(1) if isinstance(d, type) else np.ones(1, d) for d in dtypes])
        return (out[0] if isinstance(out, tuple) else out).dtype  # (a pair's parts share a dtype: pro_ang1's ff)

    return resolve


# -- the gamma family -------------------------------------------------------------------------

gammaln = _special(
    "gammaln",
    _scipy("gammaln"),
    (lambda out, x: psi(x),),
    # log|Γ| (SymPy's loggamma is complex where Γ < 0); its derivative ψ
    _scipy_named("gammaln", lambda sp, x: sp.log(sp.Abs(sp.gamma(x))), lambda sp, out, i, x: sp.polygamma(0, x)),
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
    (lambda out, x: _rgamma_slope(out, x),),
    _scipy_named(
        "rgamma",
        lambda sp, x: 1 / sp.gamma(x),
        lambda sp, out, i, x: sp.Piecewise(
            (
                sp.gamma(1 - x) * (sp.cos(sp.pi * x) - sp.sin(sp.pi * x) * sp.polygamma(0, 1 - x) / sp.pi),
                sp.And(x <= 0, sp.Eq(x, sp.floor(x))),
            ),
            (-out * sp.polygamma(0, x), True),
        ),
    ),
    analytic=True,
    doc="1/Γ(x), finite at the poles of Γ",
)
gammasgn = _special(
    "gammasgn",
    _scipy("gammasgn"),
    (None,),
    _scipy_named("gammasgn", lambda sp, x: sp.sign(sp.gamma(x))),
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
    _scipy_named("polygamma", lambda sp, n, x: sp.polygamma(_order(n), x)),
    domain=("integer", "positive"),
    result_dtype=lambda: _F64,  # (SciPy's Python code computes it in float64 whatever x's dtype)
    doc="polygamma ψ⁽ⁿ⁾(x) (n a non-negative integer, not differentiated)",
)
beta = _special(
    "beta",
    _scipy("beta"),
    (lambda out, a, b: out * _psi_difference(a, b), lambda out, a, b: out * _psi_difference(b, a)),
    _scipy_named("beta", lambda sp, a, b: sp.gamma(a) * sp.gamma(b) / sp.gamma(a + b)),
    domain=("positive", "positive"),
    doc="B(a, b) = Γ(a)Γ(b)/Γ(a+b)",
)
betaln = _special(
    "betaln",
    _scipy("betaln"),
    (lambda out, a, b: _psi_difference(a, b), lambda out, a, b: _psi_difference(b, a)),
    _scipy_named("betaln", lambda sp, a, b: sp.log(sp.Abs(sp.gamma(a) * sp.gamma(b) / sp.gamma(a + b)))),
    domain=("positive", "positive"),
    doc="log|B(a, b)|",
)


def _gamma_density(a, x):
    """∂x P(a, x) = x^(a-1) e^-x/Γ(a), the gamma density."""
    return exp(_xlog(a - 1.0, x) - x - gammaln(a))


def _gamma_density_sympy(sp, a, x):
    return sp.exp((a - 1) * sp.log(x) - x - sp.loggamma(a))


def _gamma_log_slope(a, x, k):
    """∂aᵏ of the gamma density over the density, k = 1, 2: log x - ψ(a), (log x - ψ(a))² - ψ′(a)."""
    first = log(x) - psi(a)
    return first if k == 1 else first * first - polygamma(1.0, a)


gammainc = _special(
    "gammainc",
    _scipy("gammainc"),
    (lambda out, a, x: gammainc_da(a, x), lambda out, a, x: _gamma_density(a, x)),
    _scipy_named(
        "gammainc",
        lambda sp, a, x: sp.lowergamma(a, x) / sp.gamma(a),
        lambda sp, out, i, a, x: _scipy_function("gammainc_da")(a, x) if i == 0 else _gamma_density_sympy(sp, a, x),
    ),
    domain=("integer", "positive"),
    doc="regularized lower incomplete gamma P(a, x); ∂a by gammainc_da, ∂x its density",
)
gammaincc = _special(
    "gammaincc",
    _scipy("gammaincc"),
    (lambda out, a, x: -gammainc_da(a, x), lambda out, a, x: -_gamma_density(a, x)),
    _scipy_named(
        "gammaincc",
        lambda sp, a, x: sp.uppergamma(a, x) / sp.gamma(a),
        lambda sp, out, i, a, x: -(_scipy_function("gammainc_da")(a, x) if i == 0 else _gamma_density_sympy(sp, a, x)),
    ),
    domain=("integer", "positive"),
    doc="regularized upper incomplete gamma Q(a, x) = 1 - P(a, x); ∂a Q = -∂a P",
)


def _shape_impl(name, compute, k):
    """The k-th output of `compute` (incomplete.gamma_shape or beta_shape) on NumPy values: NaN, with NumPy's
    'invalid' said in `name` (a DomainWarning in the interpreters), where its series or fraction did not converge
    in incomplete._TERMS terms (a ≳ 1e6 near x = a)."""

    def impl(*args):
        with np.errstate(all="ignore"):
            *outs, done = compute(*args)
        out = np.where(done, outs[k], np.nan)
        if not np.all(done):
            _say(name, "invalid")
        return out[()] if out.ndim == 0 else out

    impl.__name__ = name
    return impl


def _gamma_shape(*args):
    from .incomplete import gamma_shape

    return gamma_shape(*args)


def _mp_gammainc_da(k):
    def mp(mpmath, a, x):
        return mpmath.diff(lambda t: mpmath.gammainc(t, 0, x, regularized=True), a, k)

    return mp


def _gammainc_da_sympy(sp, out, i, a, x):
    if i == 0:
        return _scipy_function("gammainc_daa")(a, x)
    return _gamma_density_sympy(sp, a, x) * (sp.log(x) - sp.polygamma(0, a))


gammainc_da = _special(
    "gammainc_da",
    _shape_impl("gammainc_da", _gamma_shape, 0),
    (
        lambda out, a, x: gammainc_daa(a, x),
        lambda out, a, x: strong_mul(_gamma_density(a, x), _gamma_log_slope(a, x, 1)),
    ),
    _scipy_named(
        "gammainc_da", None, _gammainc_da_sympy, _shape_impl("gammainc_da", _gamma_shape, 0), _mp_gammainc_da(1)
    ),
    domain=("integer", "positive"),  # (as gammainc's: random graphs hold a, whose third derivative is refused)
    names=("_gammainc_da",),  # (no SciPy function)
    ufunc="gammainc",
    internal=True,
    doc="∂a P(a, x) (∂a Q = -∂a P): the logarithmic derivative of P's series (x < a + 1) or Q's continued fraction, "
    "by second-order jets in a, times SciPy's value (difflab.ops.incomplete); ∂x the density's ∂a",
)
gammainc_daa = _special(
    "gammainc_daa",
    _shape_impl("gammainc_daa", _gamma_shape, 1),
    (
        _refuse("gammainc_daa", "a", "x", "third derivatives of gammainc in a are not computed"),
        lambda out, a, x: strong_mul(_gamma_density(a, x), _gamma_log_slope(a, x, 2)),
    ),
    _scipy_named(
        "gammainc_daa",
        None,
        lambda sp, out, i, a, x: (
            _gamma_density_sympy(sp, a, x) * ((sp.log(x) - sp.polygamma(0, a)) ** 2 - sp.polygamma(1, a))
        ),
        _shape_impl("gammainc_daa", _gamma_shape, 1),
        _mp_gammainc_da(2),
    ),
    domain=("integer", "positive"),
    names=("_gammainc_daa",),
    ufunc="gammainc",
    internal=True,
    doc="∂a² P(a, x), by gammainc_da's jets; not differentiated in a again (third order refused)",
)


def _beta_log_slope(a, b, x, m, n, fns):
    """∂aᵐ∂bⁿ of the beta density over the density (m + n ≤ 2): with Lₐ = log x - ψ(a) + ψ(a + b) and
    L_b = log(1 - x) - ψ(b) + ψ(a + b), Lₐ, L_b, Lₐ² - ψ′(a) + ψ′(a + b), LₐL_b + ψ′(a + b), L_b² - ψ′(b) + ψ′(a + b)
    (`fns`: log, log1p, ψ and ψ′ of difflab's or SymPy's)."""
    log_, log1p_, psi_, tri = fns
    la = log_(x) - psi_(a) + psi_(a + b)
    lb = log1p_(-x) - psi_(b) + psi_(a + b)
    first = (la if m else 1.0) * (la if m == 2 else 1.0) * (lb if n else 1.0) * (lb if n == 2 else 1.0)
    if m + n < 2:
        return first
    return first + tri(a + b) - (tri(a) if m == 2 else tri(b) if n == 2 else 0.0)


_BETA_FNS = (log, log1p, psi, lambda z: polygamma(1.0, z))


def _beta_fns_sympy(sp):
    return (sp.log, lambda z: sp.log(1 + z), lambda z: sp.polygamma(0, z), lambda z: sp.polygamma(1, z))


def _beta_shape(*args):
    from .incomplete import beta_shape

    return beta_shape(*args)


#: the shape derivatives' entries: name -> (m, n) of ∂aᵐ∂bⁿ I_x(a, b), the index of beta_shape's output
_BETA_SHAPES = {
    "betainc_da": (1, 0),
    "betainc_db": (0, 1),
    "betainc_daa": (2, 0),
    "betainc_dab": (1, 1),
    "betainc_dbb": (0, 2),
}


def _beta_name(m, n):
    return next(k for k, v in _BETA_SHAPES.items() if v == (m, n))


def _beta_partial(m, n, i):
    """The rule of ∂aᵐ∂bⁿ I in argument i (0: a, 1: b, 2: x): the next shape entry, a refusal beyond the second
    order, or the density's ∂aᵐ∂bⁿ in x."""
    if i == 2:
        return lambda out, a, b, x: strong_mul(_beta_density(a, b, x), _beta_log_slope(a, b, x, m, n, _BETA_FNS))
    if m + n == 2:
        return _refuse(_beta_name(m, n), "ab"[i], "x", "third derivatives of betainc in a and b are not computed")
    name = _beta_name(m + (i == 0), n + (i == 1))
    return lambda out, a, b, x: REGISTRY[name](a, b, x)


def _beta_sympy_partial(m, n):
    def derivative(sp, out, i, a, b, x):
        if i < 2:
            return _scipy_function(_beta_name(m + (i == 0), n + (i == 1)))(a, b, x)
        return _betainc_density(sp, None, 2, a, b, x) * _beta_log_slope(a, b, x, m, n, _beta_fns_sympy(sp))

    return derivative


def _mp_betainc(m, n):
    def mp(mpmath, a, b, x):
        return mpmath.diff(lambda s, t: mpmath.betainc(s, t, 0, x, regularized=True), (a, b), (m, n))

    return mp


betainc = _special(
    "betainc",
    _scipy("betainc"),
    (
        lambda out, a, b, x: betainc_da(a, b, x),
        lambda out, a, b, x: betainc_db(a, b, x),
        lambda out, a, b, x: _beta_density(a, b, x),
    ),
    _scipy_named(
        "betainc",
        lambda sp, a, b, x: sp.betainc_regularized(a, b, 0, x),
        lambda sp, out, i, a, b, x: (
            _scipy_function(("betainc_da", "betainc_db")[i])(a, b, x)
            if i < 2
            else _betainc_density(sp, out, i, a, b, x)
        ),
    ),
    domain=("integer", "integer", "probability"),
    doc="regularized incomplete beta I_x(a, b); ∂a, ∂b by betainc_da, betainc_db, ∂x its density",
)
for _name, (_m, _n) in _BETA_SHAPES.items():
    _impl = _shape_impl(_name, _beta_shape, list(_BETA_SHAPES).index(_name))
    globals()[_name] = _special(
        _name,
        _impl,
        tuple(_beta_partial(_m, _n, _i) for _i in range(3)),
        _scipy_named(_name, None, _beta_sympy_partial(_m, _n), _impl, _mp_betainc(_m, _n)),
        domain=("integer", "integer", "probability"),  # (as betainc's: random graphs hold a, b)
        names=(f"_{_name}",),  # (no SciPy function)
        ufunc="betainc",
        internal=True,
        doc=f"∂a^{_m} ∂b^{_n} I_x(a, b): the logarithmic derivative of I's continued fraction (x below the mean, else "
        "of 1 - I_(1-x)(b, a)), by second-order jets in (a, b), times SciPy's value (difflab.ops.incomplete); ∂x the "
        "density's",
    )
betainc_da, betainc_db = REGISTRY["betainc_da"], REGISTRY["betainc_db"]

# -- x·log(y), 0 where x is 0: cross-entropies and KL divergences written with SciPy ---------------


def _xlog_slope(x, y):
    """d xlogy/dy = x/y, 0 where x is 0 (there xlogy is 0 for every y). The mask is where x and y are both 0 (0/0
    at y = 0 is 0, not NaN; y read as 1 there so that no derivative of this one divides by 0), not wherever x is 0:
    that held the slope's own x-derivative, 1/y, at 0 where x is 0, so the mixed second derivative was 0 one way and
    1/y the other (an asymmetric Hessian: d²xlogy(x, y)/dy dx at x = 0, y = 2 was 0, JAX's and the truth's 0.5)."""
    both = logical_and(equal(x, 0.0), equal(y, 0.0))
    return where(both, 0.0, x / where(both, 1.0, y))


xlogy = _special(
    "xlogy",
    _scipy("xlogy"),
    (lambda out, x, y: log(y), lambda out, x, y: _xlog_slope(x, y)),
    _scipy_named(
        "xlogy",
        lambda sp, x, y: x * sp.log(y),
        lambda sp, out, i, x, y: sp.log(y) if i == 0 else sp.Piecewise((0, sp.Eq(x, 0) & sp.Eq(y, 0)), (x / y, True)),
    ),
    domain=("real", "positive"),
    doc="x·log(y), 0 where x is 0 (also at y = 0); d/dx = log y, d/dy = x/y",
)
xlog1py = _special(
    "xlog1py",
    _scipy("xlog1py"),
    (lambda out, x, y: log1p(y), lambda out, x, y: _xlog_slope(x, 1.0 + y)),
    _scipy_named(
        "xlog1py",
        lambda sp, x, y: x * sp.log(1 + y),
        lambda sp, out, i, x, y: (
            sp.log(1 + y) if i == 0 else sp.Piecewise((0, sp.Eq(x, 0) & sp.Eq(y, -1)), (x / (1 + y), True))
        ),
    ),
    domain=("real", "positive"),
    doc="x·log(1 + y), 0 where x is 0 (also at y = -1); d/dx = log1p(y), d/dy = x/(1 + y)",
)

entr = _special(
    "entr",
    _scipy("entr"),
    (lambda out, x: -(log(x) + 1.0),),
    _scipy_named(
        "entr",
        lambda sp, x: sp.Piecewise((0, sp.Eq(x, 0)), (-x * sp.log(x), True)),
        lambda sp, out, i, x: -(sp.log(x) + 1),
    ),
    doc="-x·log(x) (0 at x = 0, -inf below); d entr = -(log x + 1)",
)
rel_entr = _special(
    "rel_entr",
    _scipy("rel_entr"),
    # ∂y = -x/y is 0 where x is 0 (rel_entr(0, y) = 0 for every y): a strong zero, so the fold rel_entr.reduce,
    # rel_entr(rel_entr(0, x0), x1), meets ∂x's -inf at 0 as 0 under every method (symbolic's was NaN)
    (lambda out, x, y: log(x / y) + 1.0, strong_zero(lambda out, x, y: -_xlog_slope(x, y))),
    _scipy_named(
        "rel_entr",
        lambda sp, x, y: sp.Piecewise((0, sp.Eq(x, 0)), (x * sp.log(x / y), True)),
        lambda sp, out, i, x, y: sp.log(x / y) + 1 if i == 0 else sp.Piecewise((0, sp.Eq(x, 0)), (-x / y, True)),
    ),
    domain=("positive", "positive"),
    doc="x·log(x/y) (0 at x = 0; the terms of a KL divergence); d/dx = log(x/y) + 1, d/dy = -x/y",
)
kl_div = _special(
    "kl_div",
    _scipy("kl_div"),
    (lambda out, x, y: log(x / y), lambda out, x, y: 1.0 - x / y),
    _scipy_named(
        "kl_div",
        lambda sp, x, y: sp.Piecewise((y, sp.Eq(x, 0)), (x * sp.log(x / y) - x + y, True)),
        lambda sp, out, i, x, y: sp.log(x / y) if i == 0 else 1 - x / y,
    ),
    domain=("positive", "positive"),
    doc="x·log(x/y) - x + y (y at x = 0); d/dx = log(x/y), d/dy = 1 - x/y",
)


def _huber_form(sp, d, r):
    return sp.Piecewise((r**2 / 2, _abs_fn()(r) <= d), (d * (_abs_fn()(r) - d / 2), True))


def _huber_derivative(sp, out, i, d, r):
    inside = _abs_fn()(r) <= d
    if i == 0:
        return sp.Piecewise((0, inside), (_abs_fn()(r) - d, True))
    return sp.Piecewise((r, inside), (d * sp.sign(r), True))


huber = _special(
    "huber",
    _scipy("huber"),
    (
        lambda out, d, r: where(less_equal(_abs(r), d), 0.0 * r, _abs(r) - d),
        lambda out, d, r: where(less_equal(_abs(r), d), r, d * sign(r)),
    ),
    _scipy_named("huber", _huber_form, _huber_derivative),
    domain=("positive", "real"),
    doc="Huber's loss of r with threshold δ: r²/2 where |r| ≤ δ, δ(|r| - δ/2) beyond (inf for δ < 0); "
    "d/dδ = 0 inside, |r| - δ beyond; d/dr = r inside, δ·sign(r) beyond",
)


def _pseudo_huber_parts(d, r):
    """h = √(δ² + r²) = δs, and where h is 0 (δ = r = 0: f is 0 near it, as SciPy's value is 0 along δ = 0) a 1
    in its place, so that the partials' forms below are finite there and 0 by their factor r."""
    h = hypot(d, r)
    return where(equal(h, 0.0), 1.0, h)


pseudo_huber = _special(
    "pseudo_huber",
    _scipy("pseudo_huber"),
    # in h = √(δ² + r²): d/dδ = r⁴/(h(h + δ)²) (2δ(s - 1) - r²/(δs) without its cancellation for |r| ≪ δ and without
    # its 0/0 at δ = 0, where the limit |r| is SciPy's δ|r| slope); d/dr = δ·r/h (r/s; 0 at δ = 0, as SciPy's 0 value)
    (
        lambda out, d, r: (r / (_pseudo_huber_parts(d, r) + d)) ** 2 * (r * (r / _pseudo_huber_parts(d, r))),
        lambda out, d, r: d * (r / _pseudo_huber_parts(d, r)),
    ),
    _scipy_named("pseudo_huber", lambda sp, d, r: d**2 * (sp.sqrt(1 + (r / d) ** 2) - 1)),
    domain=("positive", "real"),
    doc="the pseudo-Huber loss δ²(√(1 + (r/δ)²) - 1); d/dδ = r⁴/(h(h + δ)²), d/dr = δr/h with h = √(δ² + r²) "
    "(|r| and 0 at δ = 0, where SciPy's value is 0)",
)

# -- Box-Cox transforms --------------------------------------------------------------------------------------

_BOXCOX_SERIES = 0.1  # |t| below it the λ-slope's factor h(t) by its Taylor series (to t¹¹: 1e-24 relative)


def _boxcox_h(t):
    """h(t) = (t·eᵗ - expm1(t))/t² = Σₙ₌₁ n tⁿ⁻¹/(n + 1)!, so that ∂/∂λ of expm1(λL)/λ is L²·h(λL): h(0) = ½ (the
    limit SciPy's log at λ = 0 has), its series where |t| < 0.1 (the difference's cancellation costs 2ε/|t|: 2e-15
    at 0.1, all digits at 1e-16). Each form runs at a held argument where it is not used: no 0/0 formed there."""
    small = less(_abs(t), _BOXCOX_SERIES)
    t_s, t_d = where(small, t, 0.0), where(small, 1.0, t)
    series = 0.0 * t_s + 12.0 / math.factorial(13)
    for n in range(11, 0, -1):
        series = series * t_s + n / math.factorial(n + 1)
    return where(small, series, (t_d * exp(t_d) - expm1(t_d)) / (t_d * t_d))


def _boxcox_form(sp, x, lam, one_plus=False):
    L = sp.log(1 + x) if one_plus else sp.log(x)
    return sp.Piecewise((L, sp.Eq(lam, 0)), ((sp.exp(lam * L) - 1) / lam, True))


def _boxcox_derivative(sp, out, i, x, lam, one_plus=False):
    """∂x = e^(λL)/x (1 + x for boxcox1p); ∂λ = L²·h(λL), h's series where |λL| < 0.1, as the registry's partial."""
    L = sp.log(1 + x) if one_plus else sp.log(x)
    if i == 0:
        return sp.exp(lam * L) / (1 + x if one_plus else x)
    return L**2 * _boxcox_h_sympy(sp, lam * L)


def _boxcox_h_sympy(sp, t):
    """`_boxcox_h` in SymPy's terms: its series where |t| < 0.1."""
    series = sum(n * t ** (n - 1) / sp.factorial(n + 1) for n in range(1, 13))
    return sp.Piecewise((series, sp.Abs(t) < _BOXCOX_SERIES), ((t * sp.exp(t) - (sp.exp(t) - 1)) / t**2, True))


def _boxcox_partials(one_plus):
    def log_of(x):
        return log1p(x) if one_plus else log(x)

    return (
        lambda out, x, lam: exp(lam * log_of(x)) / ((1.0 + x) if one_plus else x),
        lambda out, x, lam: log_of(x) * log_of(x) * _boxcox_h(lam * log_of(x)),
    )


boxcox = _special(
    "boxcox",
    _scipy("boxcox"),
    _boxcox_partials(False),
    _scipy_named("boxcox", _boxcox_form, _boxcox_derivative),
    domain=("positive", "real"),
    doc="the Box-Cox transform (x^λ - 1)/λ = expm1(λ log x)/λ (log x at λ = 0); ∂x = x^(λ-1), "
    "∂λ = L²·h(λL), L = log x, h(t) = (t eᵗ - expm1 t)/t² (½ at 0)",
)
boxcox1p = _special(
    "boxcox1p",
    _scipy("boxcox1p"),
    _boxcox_partials(True),
    _scipy_named(
        "boxcox1p",
        lambda sp, x, lam: _boxcox_form(sp, x, lam, one_plus=True),
        lambda sp, out, i, x, lam: _boxcox_derivative(sp, out, i, x, lam, one_plus=True),
    ),
    domain=("positive", "real"),
    doc="the Box-Cox transform of 1 + x: expm1(λ log1p x)/λ (log1p x at λ = 0); ∂x = (1 + x)^(λ-1), "
    "∂λ = L²·h(λL), L = log1p x",
)


def _inv_boxcox_partials(one_plus):
    """x = inv_boxcox(y, λ) solves boxcox(x, λ) = y: ∂y = 1/boxcox's ∂x = x^(1-λ) = x/(1 + λy) (1 + x for the 1p
    form), ∂λ = -boxcox's ∂λ/∂x = -x^(1-λ)·L²·h(λL), L = log x (log1p x), h as boxcox's (its series near λL = 0)."""

    def base(out):
        return 1.0 + out if one_plus else out

    def log_of(out):
        return log1p(out) if one_plus else log(out)

    return (
        lambda out, y, lam: base(out) / (1.0 + lam * y),
        lambda out, y, lam: -(base(out) / (1.0 + lam * y)) * (log_of(out) * log_of(out)) * _boxcox_h(lam * log_of(out)),
    )


def _inv_boxcox_form(sp, y, lam, one_plus=False):
    x = sp.Piecewise((sp.exp(y), sp.Eq(lam, 0)), ((1 + lam * y) ** (1 / lam), True))
    return x - 1 if one_plus else x


def _inv_boxcox_derivative(sp, out, i, y, lam, one_plus=False):
    base = 1 + out if one_plus else out
    if i == 0:
        return base / (1 + lam * y)
    L = sp.log(base)
    return -base / (1 + lam * y) * L**2 * _boxcox_h_sympy(sp, lam * L)


def _inv_boxcox_scale(one_plus):
    """Op.scale of inv_boxcox: the distance to the singular point 1 + λy = 0, in y |1 + λy|/|λ|, in λ |1 + λy|/|y|
    (inf where the divisor is 0: no singularity)."""

    def in_arg(i):
        def scale(y, lam):
            y, lam = np.asarray(y, dtype=float), np.asarray(lam, dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.abs(1.0 + lam * y) / np.abs(lam if i == 0 else y)

        return scale

    return (in_arg(0), in_arg(1))


inv_boxcox = _special(
    "inv_boxcox",
    _scipy("inv_boxcox"),
    _inv_boxcox_partials(False),
    _scipy_named("inv_boxcox", _inv_boxcox_form, _inv_boxcox_derivative),
    domain=("positive", "positive"),  # (the draws: 1 + λy > 0 wherever both are positive; λ < 0 is taken too)
    scale=_inv_boxcox_scale(False),
    doc="the inverse Box-Cox transform (1 + λy)^(1/λ) (e^y at λ = 0; NaN where 1 + λy < 0); ∂y = x/(1 + λy), "
    "∂λ = -x/(1 + λy)·L²·h(λL), L = log x, h as boxcox's",
)
inv_boxcox1p = _special(
    "inv_boxcox1p",
    _scipy("inv_boxcox1p"),
    _inv_boxcox_partials(True),
    _scipy_named(
        "inv_boxcox1p",
        lambda sp, y, lam: _inv_boxcox_form(sp, y, lam, one_plus=True),
        lambda sp, out, i, y, lam: _inv_boxcox_derivative(sp, out, i, y, lam, one_plus=True),
    ),
    domain=("positive", "positive"),
    scale=_inv_boxcox_scale(True),
    doc="the inverse of boxcox1p, (1 + λy)^(1/λ) - 1 (expm1(y) at λ = 0); ∂y = (1 + x)/(1 + λy), "
    "∂λ = -(1 + x)/(1 + λy)·L²·h(λL), L = log1p x",
)


# -- error functions and the normal distribution's ---------------------------------------------


def _complex_parts(name, partials, mp_value):
    """scipy.special.<name> of a complex argument for the symbolic method (SymPy's own erf(x + iy) does not split
    into real parts; SymPy has no wofz): its real and imaginary parts as real SymPy functions of (x, y) computed by
    SciPy's, their partials from the holomorphic derivative g = f'(z): ∂/∂x = g, ∂/∂y = i·g, where
    `partials(x, y, re, im)` gives (Re g, Im g) from z's parts and f's (re, im: the two SymPy functions at (x, y));
    `mp_value(mpmath, z)` is f at an mpc z for high-precision evaluation."""

    fns: list = []

    def parts_at(args):
        return partials(*args, fns[0](*args), fns[1](*args))

    for k, (take, op) in enumerate(((np.real, "real"), (np.imag, "imag_part"))):

        def numeric(x, y, take=take):
            return take(getattr(scipy_special(), name)(np.asarray(x) + 1j * np.asarray(y)))

        def on_mp(x, y, part=("real", "imag")[k]):
            import mpmath

            return getattr(mp_value(mpmath, mpmath.mpc(x, y)), part)

        def derivative(args, i, k=k):
            re, im = parts_at(args)
            return ((re, -im), (im, re))[k][i]

        fn_name = f"{name}_complex_{('re', 'im')[k]}"
        SYMPY_TRACED[fn_name] = lambda x, y, op=op: REGISTRY[op](REGISTRY[name](x + y * 1j))
        real = REAL
        on_float = lambda x, y, numeric=numeric: float(numeric(float(x), float(y)))  # noqa: E731
        fns.append(sympy_function(fn_name, numeric, derivative, on_mp, on_float, methods=real))

    def one(z):
        x, y = _sp().Add(z).as_real_imag()  # (Add: a SymPy value, never a parse)
        return fns[0](x, y) + _sp().I * fns[1](x, y)

    return elementwise_sympy(one)


def _complex_erf(name, scale):
    """erf or erfc of a complex argument (`_complex_parts`): d/dz = scale·e^(−z²) (erf: 2/√π; erfc: −2/√π),
    e^(−z²) = e^(y² − x²)(cos 2xy − i sin 2xy)."""

    def partials(x, y, re, im):  # (Re g, Im g)
        m = scale * _sp().exp(y**2 - x**2)
        return m * _sp().cos(2 * x * y), -m * _sp().sin(2 * x * y)

    return _complex_parts(name, partials, lambda mpmath, z: getattr(mpmath, name)(z))


def _wofz_partials(x, y, re, im):
    """(Re, Im) of w'(z) = −2z·w(z) + 2i/√π at z = x + iy, w = re + i·im."""
    return -2 * (x * re - y * im), -2 * (x * im + y * re) + 2 / _sp().sqrt(_sp().pi)


erf = _special(
    "erf",
    _scipy("erf"),
    (lambda out, x: (2.0 / _SQRT_PI) * exp(-x * x),),
    _sympy_call(lambda sp, x: sp.erf(x)),
    domain=("real",),
    analytic=True,
    doc="the error function; d erf = 2/√π e^(-x²)",
    complex=True,  # SciPy's erf/erfc are entire: the partial is holomorphic as written
    sympy_complex=lambda x: _complex_erf("erf", 2 / _sp().sqrt(_sp().pi))(x),
)
erfc = _special(
    "erfc",
    _scipy("erfc"),
    (lambda out, x: (-2.0 / _SQRT_PI) * exp(-x * x),),
    _sympy_call(lambda sp, x: sp.erfc(x)),
    domain=("real",),
    analytic=True,
    doc="1 - erf(x), accurate where erf is near 1",
    complex=True,  # SciPy's erf/erfc are entire: the partial is holomorphic as written
    sympy_complex=lambda x: _complex_erf("erfc", -2 / _sp().sqrt(_sp().pi))(x),
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
    _scipy_named("erfcinv", lambda sp, x: sp.erfinv(1 - x), lambda sp, out, i, x: -sp.sqrt(sp.pi) / 2 * sp.exp(out**2)),
    domain=("probability",),
    doc="inverse of erfc on (0, 2); its rule reuses the output",
)
exp1 = _special(
    "exp1",
    _scipy("exp1"),
    (lambda out, x: -exp(-x) / x,),
    _scipy_named("exp1", lambda sp, x: sp.expint(1, x)),
    domain=("positive",),
    doc="the exponential integral E₁(x) = ∫₁^∞ e^(-xt)/t dt (Theis's well function); d E₁ = -e^(-x)/x",
)
expi = _special(
    "expi",
    _scipy("expi"),
    (lambda out, x: exp(x) / x,),
    _scipy_named("expi", lambda sp, x: sp.Ei(x)),
    domain=("nonzero",),
    doc="the exponential integral Ei(x), principal value through its pole at 0; d Ei = e^x/x",
)
erfcx = _special(
    "erfcx",
    _scipy("erfcx"),
    (_erfcx_slope,),
    _scipy_named(
        "erfcx",
        lambda sp, x: sp.exp(x**2) * sp.erfc(x),
        lambda sp, out, i, x: sp.Piecewise(
            (_erfcx_tail_slope(x), x >= _ERFCX_TAIL), (2 * x * out - 2 / sp.sqrt(sp.pi), True)
        ),
    ),
    domain=("real",),
    doc="the scaled complementary error function e^(x²)·erfc(x), finite where erfc underflows (a Mills "
    "ratio's, Voigt profiles'); d erfcx = 2x·erfcx - 2/√π (from x = 8 its asymptotic series')",
)


# -- complete elliptic integrals (SciPy's parameter m = k²) -----------------------------------------------------

_ELLIP_SERIES = 0.1  # |m| below it their slopes by the Taylor series (m¹⁷ < 1e-17 there), not the closed forms' 0/0
_ELLIP_TERMS = 18


def _ellip_coefficient(n):
    """((2n)!/(4ⁿ n!²))²: K(m) = π/2 Σ cₙ mⁿ, E(m) = π/2 Σ cₙ mⁿ/(1 - 2n)."""
    return (math.comb(2 * n, n) / 4.0**n) ** 2


def _ellip_series(m, of_e):
    """K′(m) (E′(m) with `of_e`) by its series π/2 Σ n cₙ mⁿ⁻¹ (/(1 - 2n)), Horner's rule (m a difflab or SymPy
    value)."""
    s = 0.0
    for n in range(_ELLIP_TERMS, 0, -1):
        s = s * m + n * _ellip_coefficient(n) / ((1 - 2 * n) if of_e else 1)
    return (0.5 * math.pi) * s


def _ellipk_slope(out, m):
    """K′(m) = (E/(1 - m) - K)/(2m), whose difference cancels near m = 0 (2ε/|m| relative: all digits at 1e-16,
    0/0 at 0, where K′ = π/8): there its series. Each form at a held argument where it is not used."""
    near = less(_abs(m), _ELLIP_SERIES)
    m_s, m_f = where(near, m, 0.0), where(near, 0.5, m)
    # (E/(1 - m) - K)/(2m): 2m(1 - m) overflowed from |m| = 1e154, giving 0 with a RuntimeWarning
    closed = (ellipe(m_f) / (1.0 - m_f) - where(near, 1.0, out)) / (2.0 * m_f)
    return where(near, _ellip_series(m_s, False), closed)


def _ellipe_slope(out, m):
    """E′(m) = (E - K)/(2m), its series near m = 0 (-π/8 there), as K's."""
    near = less(_abs(m), _ELLIP_SERIES)
    m_s, m_f = where(near, m, 0.0), where(near, 0.5, m)
    return where(near, _ellip_series(m_s, True), (where(near, 1.0, out) - ellipk(m_f)) / (2.0 * m_f))


def _ellip_sympy_slope(of_e):
    def derivative(sp, out, i, m):
        if of_e:
            closed = (out - _scipy_function("ellipk")(m)) / (2 * m)
        else:
            closed = (_scipy_function("ellipe")(m) / (1 - m) - out) / (2 * m)
        return sp.Piecewise((_ellip_series(m, of_e), sp.Abs(m) < _ELLIP_SERIES), (closed, True))

    return derivative


def _to_one(*args):
    """Op.scale in m of K and E: |1 - m|, the distance to their logarithmic singularity at m = 1."""
    return np.abs(1.0 - np.asarray(args[-1]))


ellipk = _special(
    "ellipk",
    _scipy("ellipk"),
    (_ellipk_slope,),
    _scipy_named("ellipk", lambda sp, m: sp.elliptic_k(m), _ellip_sympy_slope(False)),
    domain=("unit",),
    scale=(_to_one,),
    doc="the complete elliptic integral of the first kind K(m) = ∫₀^{π/2} (1 - m sin²t)^(-1/2) dt (parameter m < 1, "
    "SciPy's and SymPy's convention); d K = (E/(1 - m) - K)/(2m), π/8 at m = 0",
)
ellipe = _special(
    "ellipe",
    _scipy("ellipe"),
    (_ellipe_slope,),
    _scipy_named("ellipe", lambda sp, m: sp.elliptic_e(m), _ellip_sympy_slope(True)),
    domain=("unit",),
    scale=(_to_one,),
    doc="the complete elliptic integral of the second kind E(m) = ∫₀^{π/2} (1 - m sin²t)^(1/2) dt (m ≤ 1); "
    "d E = (E - K)/(2m), -π/8 at m = 0",
)

# -- inverses and distributions -----------------------------------------------------------------------------


def _gammaincinv_mp(mpmath, a, y):
    """x with P(a, x) = y in mpmath's precision: its root from SciPy's value."""
    if y <= 0:
        return mpmath.mpf(0)
    if y >= 1:
        return mpmath.inf if y == 1 else mpmath.nan
    start = float(scipy_special().gammaincinv(float(a), float(y)))
    return mpmath.findroot(lambda x: mpmath.gammainc(a, 0, x, regularized=True) - y, mpmath.mpf(start))


def _to_either_end(*args):
    """Op.scale in y of an inverse CDF on (0, 1): the distance to the nearer end, where it has its pole."""
    y = np.asarray(args[-1])
    return np.minimum(np.abs(y), np.abs(1.0 - y))


gammaincinv = _special(
    "gammaincinv",
    _scipy("gammaincinv"),
    # 1/P′(x) at x = out: Γ(a)·x^(1-a)·eˣ
    (
        lambda out, a, y: -gammainc_da(a, out) * exp(gammaln(a) + out - _xlog(a - 1.0, out)),
        lambda out, a, y: exp(gammaln(a) + out - _xlog(a - 1.0, out)),
    ),
    _scipy_named(
        "gammaincinv",
        None,
        lambda sp, out, i, a, y: (
            (-_scipy_function("gammainc_da")(a, out) if i == 0 else 1) * sp.exp(sp.loggamma(a) + out) * out ** (1 - a)
        ),
        mp=_gammaincinv_mp,
    ),
    domain=("integer", "probability"),
    scale=(None, _to_either_end),
    doc="the inverse in x of the regularized lower incomplete gamma function, P(a, x) = y (Gamma quantiles); "
    "∂y = Γ(a)·x^(1-a)·eˣ, ∂a = -gammainc_da(a, x)·Γ(a)·x^(1-a)·eˣ (the implicit function theorem)",
)

_T_LARGE = 1e100  # |t| from which log(1 + t²/ν) is 2 log|t| - log ν + log1p(ν/t²): t² overflows from 1.3e154


def _student_log_density(nu, t):
    """log of Student's t density, -log(√ν B(ν/2, 1/2)) - (ν + 1)/2·log(1 + t²/ν) (betaln: no cancellation of two
    gammaln at large ν); the logarithm at a held argument where it is not used."""
    big = greater(_abs(t), _T_LARGE)
    t_s, t_b = where(big, 0.0, t), where(big, t, _T_LARGE)
    L = where(big, 2.0 * log(_abs(t_b)) - log(nu) + log1p((nu / t_b) / t_b), log1p(t_s * t_s / nu))
    return -0.5 * log(nu) - betaln(0.5 * nu, 0.5) - 0.5 * (nu + 1.0) * L


def _stdtr_form(sp, nu, t):
    """½ + t·Γ((ν+1)/2)/(√(νπ)Γ(ν/2))·₂F₁(½, (ν+1)/2; 3/2; -t²/ν) (SymPy has no Student's t CDF)."""
    k = sp.gamma((nu + 1) / 2) / (sp.sqrt(nu * sp.pi) * sp.gamma(nu / 2))
    return sp.Rational(1, 2) + t * k * sp.hyper([sp.Rational(1, 2), (nu + 1) / 2], [sp.Rational(3, 2)], -(t**2) / nu)


def _stdtr_sympy_density(sp, out, i, nu, t):
    beta = _scipy_function("betaln")(nu / 2, sp.Rational(1, 2))
    return sp.exp(-sp.log(nu) / 2 - beta - (nu + 1) / 2 * sp.log(1 + t**2 / nu))


def _stdtr_df(nu, t, fns):
    """∂ν stdtr(ν, t) = -sign(t)·∂ν T, T = P(T < -|t|) = ½I_z(ν/2, ½) = ½(1 - I_w(½, ν/2)), z = ν/(ν + t²), w = 1 - z
    = t²/(ν + t²): ∂ν T = ½(½∂a I_z + g(ν/2, ½, z)·t²/(ν + t²)²) where z < ½, else -½(½∂b I_w - g(½, ν/2, w)·t²/(ν + t²)²)
    (g the beta density; w, not 1 - z, near t = 0: 1 - z kept z's rounding, ε·ν/t² of it). 0 at t = 0 (T = ½ for
    every ν), each form at held arguments where it is not used. `fns`: (pick, less, is_zero, da, db, density)
    of difflab's (where, less, equal-to-0, betainc_da, betainc_db, _beta_density) or SymPy's."""
    pick, less_, is_zero, da, db, dens = fns
    t_h = pick(is_zero(t), 1.0, t)
    s = t_h * t_h
    d = nu + s
    upper = less_(nu, s)  # z < ½
    z, w = pick(upper, nu / d, 0.25), pick(upper, 0.25, s / d)
    nz, nw = pick(upper, nu, 1.0), pick(upper, 1.0, nu)
    rate = s / (d * d)
    by_z = 0.5 * (0.5 * da(0.5 * nz, 0.5, z) + dens(0.5 * nz, 0.5, z) * rate)
    by_w = -0.5 * (0.5 * db(0.5, 0.5 * nw, w) - dens(0.5, 0.5 * nw, w) * rate)
    signed = pick(less_(t_h, 0.0), 1.0, -1.0) * pick(upper, by_z, by_w)
    return pick(is_zero(t), 0.0, signed)


def _stdtr_df_ops():
    return (
        where,
        less,
        lambda t: equal(t, 0.0),
        lambda a, b, x: betainc_da(a, b, x),
        lambda a, b, x: betainc_db(a, b, x),
        _beta_density,
    )


def _stdtr_df_sympy(sp):
    def pick(c, a, b):
        return sp.Piecewise((a, c), (b, True))

    return (
        pick,
        lambda a, b: sp.Lt(a, b),
        lambda t: sp.Eq(t, 0),
        lambda a, b, x: _scipy_function("betainc_da")(a, b, x),
        lambda a, b, x: _scipy_function("betainc_db")(a, b, x),
        lambda a, b, x: _betainc_density(sp, None, 2, a, b, x),
    )


def _student_scale(*args):
    """Op.scale of Student's t CDF in t: √(ν + t²), the distance to its density's poles at ±i√ν."""
    nu, t = (np.asarray(a, dtype=float) for a in args)
    return np.hypot(np.sqrt(np.abs(nu)), t)


stdtr = _special(
    "stdtr",
    _scipy("stdtr"),
    (
        lambda out, nu, t: _stdtr_df(nu, t, _stdtr_df_ops()),
        lambda out, nu, t: exp(_student_log_density(nu, t)),
    ),
    _scipy_named(
        "stdtr",
        _stdtr_form,
        lambda sp, out, i, nu, t: (
            _stdtr_df(nu, t, _stdtr_df_sympy(sp)) if i == 0 else _stdtr_sympy_density(sp, out, i, nu, t)
        ),
    ),
    domain=("integer", "real"),
    scale=(None, _student_scale),
    doc="Student's t distribution's CDF with df degrees of freedom; ∂t = its density "
    "(1 + t²/ν)^(-(ν+1)/2)/(√ν B(ν/2, 1/2)), ∂df by betainc_da/db (`_stdtr_df`)",
)
exp10 = _special(
    "exp10",
    _scipy("exp10"),
    (lambda out, x: math.log(10.0) * out,),
    _scipy_named("exp10", lambda sp, x: sp.Integer(10) ** x, lambda sp, out, i, x: sp.log(10) * out),
    domain=("real",),
    doc="10ˣ (SciPy's exp10); d 10ˣ = log(10)·10ˣ",
)


def _scipy_part(name, k, said=False):
    """Output k of SciPy's two-output ufunc `name` (fresnel's S and C, sici's Si and Ci); `said`: a NaN or infinity
    it holds from a finite x is reported as `_scipy`'s (shichi's Chi(0) = -inf, a pole)."""

    def impl(x):
        fn = getattr(scipy_special(), name)
        out = fn(x)[k]
        born = _born(lambda *a: fn(*a)[k], out, (x,)) if said else None
        if born is not None:
            _say(name, *born)
        return out

    impl.__name__ = f"{name}_{k}"
    return impl


def _pair_part(name, pair, k, slope, form, domain, doc, front=None, derivative=None, said=False):
    """The entry of output k of SciPy's pair `pair` (fresnel: S, C; sici: Si, Ci), its SymPy form SymPy's own
    function computed by SciPy's; the entry of the second output carries the pair's `front`, SciPy's name."""
    if front is not None:  # (a pair is no function of the expression language, whose functions have one value)
        front.tuple_valued = True
    # the first part has no public name of its own (its name kept private): the pair's front is SciPy's name
    spelled = {"front": front, "names": (pair,)} if front is not None else {"names": (f"_{name}",)}
    part = _scipy_part(pair, k, said)
    return _special(
        name,
        part,
        (slope,),
        _scipy_named(name, form, derivative, scipy_name=part),
        domain=domain,
        ufunc="dawsn",  # (the pairs' loops, f->ff and d->dd, have dawsn's dtypes)
        internal=True,
        doc=doc,
        **spelled,
    )


fresnel_s = _pair_part(
    "fresnel_s", "fresnel", 0, lambda out, x: sin((0.5 * np.pi) * (x * x)), lambda sp, x: sp.fresnels(x), ("real",),
    "Fresnel's S(x) = ∫₀ˣ sin(πt²/2) dt, scipy.special.fresnel(x)[0]; d S = sin(πx²/2)",
)  # fmt: skip
fresnel_c = _pair_part(
    "fresnel_c", "fresnel", 1, lambda out, x: cos((0.5 * np.pi) * (x * x)), lambda sp, x: sp.fresnelc(x), ("real",),
    "Fresnel's C(x) = ∫₀ˣ cos(πt²/2) dt, scipy.special.fresnel(x)[1]; d C = cos(πx²/2)",
    front=lambda x: (fresnel_s(x), fresnel_c(x)),
)  # fmt: skip
sici_si = _pair_part(
    "sici_si", "sici", 0, lambda out, x: sin(x) / x, lambda sp, x: sp.Si(x), ("positive",),
    "the sine integral Si(x) = ∫₀ˣ sin(t)/t dt, scipy.special.sici(x)[0]; d Si = sin(x)/x",
)  # fmt: skip
sici_ci = _pair_part(
    "sici_ci", "sici", 1, lambda out, x: cos(x) / x, lambda sp, x: sp.Ci(x), ("positive",),
    "the cosine integral Ci(x) = γ + log x + ∫₀ˣ (cos t - 1)/t dt (x > 0), scipy.special.sici(x)[1]; d Ci = cos(x)/x",
    front=lambda x: (sici_si(x), sici_ci(x)),
)  # fmt: skip


_DAWSON_TAIL = 12.0  # from here 1 - 2xF by its asymptotic series (20 terms: 1e-16 relative at 12)


def _dawson_slope(out, x):
    """F' = 1 - 2xF, which cancels where 2xF → 1 (|x| large: -1/(2x²) left, x²·ε relative error, 4e-8 at 1e4), so
    there -Σₖ (2k - 1)!!/(2x²)ᵏ (Horner: r(1 + 3r(1 + 5r(...))), r = 1/(2x²)). Each form runs at a held argument
    where it is not used."""
    tail = greater_equal(_abs(x), _DAWSON_TAIL)
    x_t = where(tail, x, _DAWSON_TAIL)
    r = 0.5 / (x_t * x_t)
    series = 1.0 + 0.0 * r
    for k in range(20, 1, -1):
        series = 1.0 + (2 * k - 1) * r * series
    return where(tail, -r * series, 1.0 - 2.0 * where(tail, 0.0, x) * out)


dawsn = _special(
    "dawsn",
    _scipy("dawsn"),
    (_dawson_slope,),
    _scipy_named("dawsn", lambda sp, x: sp.sqrt(sp.pi) / 2 * sp.exp(-(x**2)) * sp.erfi(x)),
    domain=("real",),
    doc="Dawson's integral F(x) = e^(-x²)∫₀ˣ e^(t²) dt (plasma dispersion, Voigt profiles); d F = 1 - 2x·F",
)


def _expn_slope(out, n, x):
    """d Eₙ/dx = -Eₙ₋₁(x), and for n = 0 (E₀ = e^(-x)/x) -e^(-x)(1/x + 1/x²); the other form runs at a held order."""
    zero = less(n, 0.5)
    return where(zero, -exp(-x) * (1.0 / x + 1.0 / (x * x)), -expn(where(zero, 1.0, n) - 1.0, x))


expn = _special(
    "expn",
    _scipy("expn"),
    (_refuse("expn", "n", truncated=True), _expn_slope),
    _scipy_named("expn", lambda sp, n, x: sp.expint(_order(n), x)),
    domain=("integer", "positive"),
    doc="the generalised exponential integral Eₙ(x) = ∫₁^∞ e^(-xt)/tⁿ dt for integer n ≥ 0 (radiative transfer's "
    "slab functions); d Eₙ = -Eₙ₋₁, not differentiable in n",
)
loggamma = _special(
    "loggamma",
    _scipy("loggamma"),
    (lambda out, x: psi(x),),
    _scipy_named("loggamma", lambda sp, x: sp.loggamma(x)),
    domain=("positive",),
    doc="the principal branch of log Γ(x), on real x > 0 gammaln's value (SciPy's NaN for x < 0, where gammaln "
    "is log|Γ|); d loggamma = ψ",
)
wofz = _special(
    "wofz",
    _scipy("wofz"),
    (lambda out, z: -2.0 * z * out + 2j / _SQRT_PI,),
    lambda z: _complex_parts("wofz", _wofz_partials, lambda mpmath, z: mpmath.exp(-z * z) * mpmath.erfc(-1j * z))(z),
    domain=("complex",),  # (its samples: complex z, the Voigt profile's; a real z is taken too)
    doc="the Faddeeva function w(z) = e^(−z²)·erfc(−iz), complex-valued (Voigt profiles: Re w((x + iγ)/(σ√2))/(σ√(2π))); "
    "d w = −2z·w + 2i/√π",
    complex=True,  # entire: the partial is holomorphic as written; a real z's value is complex (SciPy's)
    sympy_complex=lambda z: _complex_parts(
        "wofz", _wofz_partials, lambda mpmath, z: mpmath.exp(-z * z) * mpmath.erfc(-1j * z)
    )(z),
)
log_expit = _special(
    "log_expit",
    _scipy("log_expit"),
    (lambda out, x: sigmoid(-x),),
    _scipy_named("log_expit", lambda sp, x: -sp.log(1 + sp.exp(-x))),
    domain=("real",),
    doc="log σ(x), the log-sigmoid, accurate where σ(x) rounds to 1 or underflows (logistic likelihoods); "
    "d log_expit = σ(-x)",
)
ndtr = _special(
    "ndtr",
    _scipy("ndtr"),
    (lambda out, x: exp(-0.5 * x * x) / _SQRT_2PI,),
    _scipy_named("ndtr", lambda sp, x: sp.erfc(-x / sp.sqrt(2)) / 2),
    domain=("real",),
    analytic=True,
    doc="the standard normal CDF Φ(x)",
)
log_ndtr = _special(
    "log_ndtr",
    _scipy("log_ndtr"),
    (lambda out, x: _mills(out, x),),
    # φ(x)/Φ(x), as the registry's partial
    _scipy_named(
        "log_ndtr",
        lambda sp, x: sp.log(sp.erfc(-x / sp.sqrt(2)) / 2),
        lambda sp, out, i, x: _mills_sympy(sp, out, x),
    ),
    domain=("real",),
    doc="log Φ(x), accurate in both tails",
)
ndtri = _special(
    "ndtri",
    _scipy("ndtri"),
    (lambda out, x: _SQRT_2PI * exp(0.5 * out * out),),
    _scipy_named(
        "ndtri",
        lambda sp, x: sp.sqrt(2) * sp.erfinv(2 * x - 1),
        lambda sp, out, i, x: sp.sqrt(2 * sp.pi) * sp.exp(out**2 / 2),
    ),
    domain=("probability",),
    doc="the inverse of Φ on (0, 1)",
)
logit = _special(
    "logit",
    _scipy("logit"),
    (lambda out, x: 1.0 / x + 1.0 / (1.0 - x),),
    _scipy_named("logit", lambda sp, x: sp.log(x / (1 - x))),
    domain=("probability",),
    doc="log(p/(1-p)), the inverse of expit (difflab's sigmoid)",
)

# -- Bessel functions -------------------------------------------------------------------------


def _bessel_order_rule(name):
    return _refuse(name, "v")


def _oscillation(*args):
    """Op.scale of J's in x: a radian (it oscillates as cos(x - φ)/√x), as sin's."""
    return 1.0


def _oscillation_or_pole(*args):
    """Op.scale of Y's in x: a radian where it oscillates, |x| near its singularity at 0."""
    return np.minimum(np.abs(args[-1]), 1.0)


def _pole_at_zero(*args):
    """Op.scale of K's in x: |x|, the distance to its pole (K_0's logarithmic one) at 0; its e^-x decay is exp's,
    which has none."""
    return np.abs(args[-1])


jv = _special(
    "jv",
    _scipy("jv"),
    (_bessel_order_rule("jv"), lambda out, v, x: 0.5 * (jv(v - 1.0, x) - jv(v + 1.0, x))),
    _sympy_call(lambda sp, v, x: sp.besselj(_order(v), x)),
    domain=("integer", "positive"),
    aliases=("jn",),
    # J_v and Y_v are analytic, but SciPy's complex loop (AMOS) leaves Im jv(v, x + 1e-20j) at round-off noise
    # ~1e-16: complex step gave jv′(1, 0.3) = -0.011 for 0.483, silently; refused (stencils._check_analytic)
    analytic=False,
    scale=(None, _oscillation),
    doc="Bessel function of the first kind J_v(x); d J_v = (J_{v-1} - J_{v+1})/2",
)
yv = _special(
    "yv",
    _scipy("yv"),
    (_bessel_order_rule("yv"), lambda out, v, x: 0.5 * (yv(v - 1.0, x) - yv(v + 1.0, x))),
    _sympy_call(lambda sp, v, x: sp.bessely(_order(v), x)),
    domain=("integer", "positive"),
    # J_v and Y_v are analytic, but SciPy's complex loop (AMOS) leaves Im yv(v, x + 1e-20j) at round-off noise
    # ~1e-16: complex step gave jv′(1, 0.3) = -0.011 for 0.483, silently; refused (stencils._check_analytic)
    analytic=False,
    scale=(None, _oscillation_or_pole),
    doc="Bessel function of the second kind Y_v(x) on x > 0",
)
yn = _special(
    "yn",
    _scipy("yn"),
    (_refuse("yn", "n", truncated=True), lambda out, n, x: 0.5 * (yn(n - 1.0, x) - yn(n + 1.0, x))),
    _scipy_named("yn", lambda sp, n, x: sp.bessely(_order(n), x)),
    domain=("integer", "positive"),
    result_dtype=lambda: _F64,  # (SciPy has only its float64 loop: yn(2, a float32 x) is float64)
    scale=(None, _oscillation_or_pole),
    doc="Y_n(x) for integer n (SciPy's yn)",
)
iv = _special(
    "iv",
    _iv,
    (_bessel_order_rule("iv"), lambda out, v, x: 0.5 * (iv(v - 1.0, x) + iv(v + 1.0, x))),
    _sympy_call(lambda sp, v, x: sp.besseli(_order(v), x)),
    domain=("integer", "positive"),
    analytic=True,
    doc="modified Bessel function of the first kind I_v(x); d I_v = (I_{v-1} + I_{v+1})/2",
)


def _ive_slope(out, v, x):
    """(ive_{v-1} + ive_{v+1})/2 - sign(x)·ive, whose terms cancel to 1/(2|x|) of them at large |x| (as kve's: 4e-13
    relative at x = 1e4, 5e-9 in the second derivative), so from |x| = max(50, v²) the asymptotic series' slope, at
    x < 0 by the parity ive(v, x) = (-1)^v ive(v, |x|) of a whole v (d/dx: (-1)^(v+1) ive′(v, |x|); SciPy's value is
    NaN there for other v, and so is this). Each form at a held argument where it is not used."""
    start = _kve_tail_from(v)
    size = _abs(x)
    tail = greater_equal(size, start)
    x_r = where(tail, 1.0, x)
    recurrence = 0.5 * (ive(v - 1.0, x_r) + ive(v + 1.0, x_r)) - sign(x_r) * where(tail, 1.0, out)
    whole = equal(v, floor(v))
    parity = where(less(x, 0.0), where(whole, where(equal(floor(0.5 * v), 0.5 * v), -1.0, 1.0), np.nan), 1.0)
    return where(tail, parity * _kve_tail_slope(v, where(tail, size, start), of_i=True), recurrence)


#: |x| from which ive's value is its asymptotic series' (SciPy's AMOS: NaN past ~1e10, 4e-10 relative error at 1e9)
_IVE_FAR = 1e9


def _ive_value(v, x):
    """SciPy's ive, but its asymptotic series Σₖ (-1)ᵏ aₖ |x|^(-k-1/2)/√(2π) (`_kve_tail_slope`'s aₖ; times (-1)^v at
    x < 0, a whole v) from |x| = 1e9 where v² ≤ 1e-3·|x|: SciPy's AMOS answers NaN there from ~1e10 (ive(1, 1e20)),
    which read as a domain error (the terms shrink as (v²/2|x|)ᵏ/k!: six reach a double's precision)."""
    size, order = np.abs(np.asarray(x, dtype=float)), np.asarray(v, dtype=float)
    with np.errstate(invalid="ignore"):  # (NaN and inf arguments: not far, SciPy's)
        far = (size >= _IVE_FAR) & np.isfinite(size) & (order * order <= 1e-3 * size)
        far &= (np.asarray(x) > 0) | (order == np.floor(order))
    if not far.any():
        return _scipy("ive")(v, x)
    out = _scipy("ive")(v, np.where(far, 1.0, x))
    r = 1.0 / np.where(far, size, 1.0)
    term, total = np.ones_like(r), np.zeros_like(r)
    for k in range(6):
        total = total + term
        term = -term * r * (4.0 * order * order - (2 * k + 1) ** 2) / (8.0 * (k + 1))
    parity = np.where((np.asarray(x) < 0) & (np.fmod(np.abs(order), 2.0) == 1.0), -1.0, 1.0)
    return np.where(far, parity * total * np.sqrt(r / (2.0 * np.pi)), out)[()]


def _ive_sympy_slope(sp, out, i, v, x):
    size = _abs_fn()(x)
    recurrence = (_scipy_function("ive")(v - 1, x) + _scipy_function("ive")(v + 1, x)) / 2 - _sign_fn()(x) * out
    parity = sp.Piecewise((1, x >= 0), ((-1) ** (_order(v) + 1), True))
    return sp.Piecewise(
        (parity * _kve_tail_slope(v, size, of_i=True), size >= sp.Max(_K_TAIL, v * v)), (recurrence, True)
    )


ive = _special(
    "ive",
    _ive_value,
    (_bessel_order_rule("ive"), _ive_slope),
    # the registry's abs in the form (its derivative is sign, whose own is 0: SymPy's Abs'' is a DiracDelta)
    _scipy_named(
        "ive", lambda sp, v, x: sp.besseli(_order(v), x) * sp.exp(-_abs_fn()(x)), _ive_sympy_slope, _ive_value
    ),
    domain=("integer", "positive"),
    doc="exponentially scaled I_v(x)·e^(-|x|); d ive = (ive_{v-1} + ive_{v+1})/2 - sign(x)·ive (from |x| = max(50, "
    "v²) its asymptotic series')",
)


def _kve_tail_from(v):
    """x from which kve's slope is its asymptotic series': 50, and v² (the series' terms shrink as (v²/2x)ᵏ/k! at
    first: past v² sixteen of them reach a double's precision; below it the recurrence cancels little)."""
    return where(greater(v * v, _K_TAIL), v * v, _K_TAIL)


def _kve_slope(out, v, x):
    """kve - (kve_{v-1} + kve_{v+1})/2, whose terms cancel to about v²/(2x) of them at large x (2x·ε relative: at
    x = 1e5 8e-12), so from `_kve_tail_from(v)` its asymptotic series' slope. Each form at a held argument."""
    start = _kve_tail_from(v)
    tail = greater_equal(x, start)
    x_r = where(tail, 1.0, x)
    recurrence = where(tail, 1.0, out) - 0.5 * (kve(v - 1.0, x_r) + kve(v + 1.0, x_r))
    return where(tail, _kve_tail_slope(v, where(tail, x, start)), recurrence)


def _kve_sympy_slope(sp, out, i, v, x):
    start = sp.Max(_K_TAIL, v * v)
    recurrence = out - (_scipy_function("kve")(v - 1, x) + _scipy_function("kve")(v + 1, x)) / 2
    return sp.Piecewise((_kve_tail_slope(v, x), x >= start), (recurrence, True))


kve = _special(
    "kve",
    _scipy("kve"),
    (_bessel_order_rule("kve"), _kve_slope),
    _scipy_named("kve", lambda sp, v, x: sp.besselk(_order(v), x) * sp.exp(x), _kve_sympy_slope),
    domain=("integer", "positive"),
    scale=(None, _pole_at_zero),
    doc="exponentially scaled modified Bessel function of the second kind K_v(x)·e^x on x > 0; "
    "d kve = kve - (kve_{v-1} + kve_{v+1})/2 (from x = max(50, v²) its asymptotic series')",
)
kv = _special(
    "kv",
    _scipy("kv"),
    (_bessel_order_rule("kv"), lambda out, v, x: -0.5 * (kv(v - 1.0, x) + kv(v + 1.0, x))),
    _sympy_call(lambda sp, v, x: sp.besselk(_order(v), x)),
    domain=("integer", "positive"),
    scale=(None, _pole_at_zero),
    doc="modified Bessel function of the second kind K_v(x) on x > 0 (NaN below, inf at 0); "
    "d K_v = -(K_{v-1} + K_{v+1})/2, not differentiable in v",
)
k0 = _special(
    "k0",
    _scipy("k0"),
    (lambda out, x: -k1(x),),
    _scipy_named("k0", lambda sp, x: sp.besselk(0, x), lambda sp, out, i, x: -_scipy_function("k1")(x)),
    scale=(_pole_at_zero,),
    doc="K_0(x) on x > 0; d K_0 = -K_1",
)
k1 = _special(
    "k1",
    _scipy("k1"),
    (lambda out, x: -0.5 * (k0(x) + kv(2.0, x)),),
    _scipy_named(
        "k1",
        lambda sp, x: sp.besselk(1, x),
        lambda sp, out, i, x: -(_scipy_function("k0")(x) + sp.besselk(2, x)) / 2,
    ),
    scale=(_pole_at_zero,),
    doc="K_1(x) on x > 0; d K_1 = -(K_0 + K_2)/2",
)
# the scaled ones' derivatives in their own terms (k0e - k1e), not K's times e^x: e^x overflows from x = 710 where
# K_0(x)·e^x does not
_K_TAIL = 50.0  # x from which the scaled K's slopes are their asymptotic series' (16 terms: ~1e-19 relative at 50)
_K_TERMS = 16


def _kve_tail_slope(v, x, of_i=False):
    """d/dx of K_v(x)·eˣ ~ √(π/2) Σₖ aₖ x^(-k-1/2), aₖ = aₖ₋₁(4v² - (2k-1)²)/(8k): its series' derivative
    -√(π/2) Σₖ (k + ½) aₖ x^(-k-3/2) (x a difflab or SymPy value; v a number or a held order). `of_i`: of I_v(x)·e⁻ˣ
    ~ Σₖ (-1)ᵏ aₖ x^(-k-1/2)/√(2π) instead (x > 0; the e^(-2x) of the other exponential is below a double there)."""
    coefficients, a = [], 1.0
    for k in range(_K_TERMS):
        coefficients.append(-(k + 0.5) * a * (-1.0 if of_i and k % 2 else 1.0))
        a = a * (4.0 * v * v - (2 * k + 1) ** 2) / (8.0 * (k + 1))
    r = 1.0 / x
    s = 0.0
    for c in reversed(coefficients):
        s = s * r + c
    return (1.0 / math.sqrt(2.0 * math.pi) if of_i else math.sqrt(0.5 * math.pi)) * s * r * r**0.5


def _scaled_k_slope(v, out, x, recurrence):
    """The slope of k0e (v = 0) or k1e (v = 1): `recurrence(x)` (k0e - k1e: the two cancel to 1/(2x) of them, ~2xε
    relative, wrong in sign at 1e300), from x = 50 its asymptotic series. Each form at a held argument where unused."""
    tail = greater_equal(x, _K_TAIL)
    return where(tail, _kve_tail_slope(v, where(tail, x, _K_TAIL)), recurrence(where(tail, 1.0, x)))


def _scaled_k_sympy_slope(v, recurrence):
    def derivative(sp, out, i, x):
        return sp.Piecewise((_kve_tail_slope(v, x), x >= _K_TAIL), (recurrence(sp, out, x), True))

    return derivative


k0e = _special(
    "k0e",
    _scipy("k0e"),
    (lambda out, x: _scaled_k_slope(0, out, x, lambda x: k0e(x) - k1e(x)),),
    _scipy_named(
        "k0e",
        lambda sp, x: sp.besselk(0, x) * sp.exp(x),
        _scaled_k_sympy_slope(0, lambda sp, out, x: out - _scipy_function("k1e")(x)),
    ),
    scale=(_pole_at_zero,),
    doc="exponentially scaled K_0(x)·e^x on x > 0; d k0e = k0e - k1e (from x = 50 its asymptotic series')",
)
k1e = _special(
    "k1e",
    _scipy("k1e"),
    (lambda out, x: _scaled_k_slope(1, out, x, lambda x: k1e(x) - 0.5 * (k0e(x) + kve(2.0, x))),),
    _scipy_named(
        "k1e",
        lambda sp, x: sp.besselk(1, x) * sp.exp(x),
        _scaled_k_sympy_slope(
            1, lambda sp, out, x: out - (_scipy_function("k0e")(x) + _scipy_function("kve")(2, x)) / 2
        ),
    ),
    scale=(_pole_at_zero,),
    doc="exponentially scaled K_1(x)·e^x on x > 0; d k1e = k1e - (k0e + kve(2, x))/2 (from x = 50 its asymptotic "
    "series')",
)
j0 = _special(
    "j0",
    _scipy("j0"),
    (lambda out, x: -j1(x),),
    _scipy_named("j0", lambda sp, x: sp.besselj(0, x)),
    domain=("real",),
    scale=(_oscillation,),
    doc="J_0(x); d J_0 = -J_1",
)
j1 = _special(
    "j1",
    _scipy("j1"),
    (lambda out, x: 0.5 * (j0(x) - jv(2.0, x)),),
    _scipy_named("j1", lambda sp, x: sp.besselj(1, x)),
    domain=("real",),
    scale=(_oscillation,),
    doc="J_1(x)",
)
y0 = _special(
    "y0",
    _scipy("y0"),
    (lambda out, x: -y1(x),),
    _scipy_named("y0", lambda sp, x: sp.bessely(0, x)),
    scale=(_oscillation_or_pole,),
    doc="Y_0(x) on x > 0; d Y_0 = -Y_1",
)
y1 = _special(
    "y1",
    _scipy("y1"),
    (lambda out, x: 0.5 * (y0(x) - yv(2.0, x)),),
    _scipy_named("y1", lambda sp, x: sp.bessely(1, x)),
    scale=(_oscillation_or_pole,),
    doc="Y_1(x) on x > 0",
)
i0 = _special(
    "i0",
    _scipy("i0"),
    (lambda out, x: i1(x),),
    _scipy_named("i0", lambda sp, x: sp.besseli(0, x)),
    domain=("real",),
    numpy=("i0",),
    doc="I_0(x) (also numpy.i0); d I_0 = I_1",
)


def _i1_sympy_partial(sp, out, i, x):
    # the recurrence's mean (I_0 + I_2)/2: SymPy's I_0 - I_1/x is 0/0 at 0, where the derivative is 1/2; below
    # |x| = 1e-20 besseli is its series' leading term (`_iv`), so I_2 there is x²/8, not SciPy's NaN or 0
    return (_scipy_function("i0")(x) + sp.besseli(2, x)) / 2


i1 = _special(
    "i1",
    _scipy("i1"),
    (lambda out, x: 0.5 * (i0(x) + iv(2.0, x)),),  # iv: below 1e-20 its series' leading term
    _scipy_named("i1", lambda sp, x: sp.besseli(1, x), _i1_sympy_partial),
    domain=("real",),
    doc="I_1(x)",
)

i0e = _special(
    "i0e",
    _scipy("i0e"),
    (lambda out, x: i1e(x) - sign(x) * out,),
    _scipy_named("i0e", lambda sp, x: sp.besseli(0, x) * sp.exp(-_abs_fn()(x))),
    doc="exponentially scaled I_0(x)·e^(-|x|); d i0e = i1e - sign(x)·i0e",
)
i1e = _special(
    "i1e",
    _scipy("i1e"),
    (lambda out, x: 0.5 * (i0e(x) + ive(2.0, x)) - sign(x) * out,),
    _scipy_named("i1e", lambda sp, x: sp.besseli(1, x) * sp.exp(-_abs_fn()(x))),
    doc="exponentially scaled I_1(x)·e^(-|x|); d i1e = (i0e + ive(2, x))/2 - sign(x)·i1e",
)


# -- the Pochhammer symbol, Spence's dilogarithm, Hurwitz's zeta, Kummer's 1F1, Owen's T -------------


def _poch_slope(z, m):
    """ψ(z + m) - ψ(z), poch's partial in z over its value: where z, m > 0 by `_psi_difference` (no cancellation
    of two nearly equal ψ where m ≪ z), elsewhere the difference (each form at held arguments where unused)."""
    ok = where(greater(z, 0.0), greater(m, 0.0), False)
    z_k, m_k, z_o, m_o = where(ok, z, 1.0), where(ok, m, 1.0), where(ok, 1.0, z), where(ok, 1.0, m)
    return where(ok, -_psi_difference(z_k, m_k), psi(z_o + m_o) - psi(z_o))


def _poch_z_partial(out, z, m):
    """poch's partial in z: poch·(ψ(z + m) - ψ(z)), but where z = -k is a pole of Γ (k = 0, 1, ...; z + m none)
    poch = Γ(z + m)·(1/Γ)(z) is 0 and that form's 0·∞ was NaN (the reduce's fold from 0: poch(poch(0, x0), x1)); there
    it is the same partial through 1/Γ(z) = Γ(1 - z)·sin(πz)/π, Γ(z + m)Γ(1 - z)·(cos(πz) + sin(πz)·(ψ(z + m) -
    ψ(1 - z))/π), smooth near -k (so its own slope is poch's second: 2Γ(m)(ψ(m) + γ) at z = 0); 0 where m = 0
    (poch(z, 0) = 1)."""
    z_pole = where(less_equal(z, 0.0), equal(z, floor(z)), False)
    s = z + m
    s_pole = where(less_equal(s, 0.0), equal(s, floor(s)), False)
    pole, both = where(s_pole, False, z_pole), where(s_pole, z_pole, False)
    z_p, m_p = where(pole, z, 0.0), where(pole, m, 1.0)
    z_b, s_b, out_b = where(both, z, 0.0), where(both, s, 0.0), where(both, out, 0.0)
    held = where(pole, True, both)  # (the general form's arguments held at 1 where a pole form answers)
    z_o, m_o, out_o = where(held, 1.0, z), where(held, 1.0, m), where(pole, 0.0, out)
    reflected = sin(math.pi * z_p) * ((psi(z_p + m_p) - psi(1.0 - z_p)) / math.pi)
    at_pole = gamma(z_p + m_p) * gamma(1.0 - z_p) * (cos(math.pi * z_p) + reflected)
    # both poles (z, z + m = -k, -j: an integer m, poch a polynomial in z, finite): ψ(z + m) - ψ(z) is ψ(1 - z - m) -
    # ψ(1 - z) by the reflection ψ(1 - x) - ψ(x) = π·cot(πx), the cotangents equal a whole period apart
    at_both = out_b * (psi(1.0 - s_b) - psi(1.0 - z_b))
    return where(equal(m, 0.0), 0.0, where(pole, at_pole, where(both, at_both, out_o * _poch_slope(z_o, m_o))))


def _poch_sympy_partial(sp, out, i, z, m):
    if i == 1:
        return out * sp.polygamma(0, z + m)
    s = z + m
    z_pole = sp.And(z <= 0, sp.Eq(sp.floor(z), z))
    pole = sp.And(z_pole, sp.Or(s > 0, sp.Ne(sp.floor(s), s)))
    return sp.Piecewise(
        (sp.Integer(0), sp.Eq(m, 0)),
        (out * (sp.polygamma(0, 1 - s) - sp.polygamma(0, 1 - z)), sp.And(z_pole, s <= 0, sp.Eq(sp.floor(s), s))),
        (
            sp.gamma(s)
            * sp.gamma(1 - z)
            * (sp.cos(sp.pi * z) + sp.sin(sp.pi * z) * (sp.polygamma(0, s) - sp.polygamma(0, 1 - z)) / sp.pi),
            pole,
        ),
        (out * (sp.polygamma(0, s) - sp.polygamma(0, z)), True),
    )


poch = _special(
    "poch",
    _scipy("poch"),
    (_poch_z_partial, lambda out, z, m: out * psi(z + m)),
    _scipy_named("poch", lambda sp, z, m: sp.gamma(z + m) / sp.gamma(z), _poch_sympy_partial),
    domain=("positive", "positive"),
    doc="the Pochhammer symbol (rising factorial) (z)_m = Γ(z + m)/Γ(z); ∂z = poch·(ψ(z + m) - ψ(z)) (at a pole -k of "
    "Γ(z): Γ(z + m)·(-1)^k·k!), ∂m = poch·ψ(z + m)",
)

_NEAR_ONE = 1e-2  # |z - 1| below which spence's slope log(z)/(1 - z) (0/0 at 1) is its Taylor series
_TERMS = 15  # the series' terms: the first left out, u¹⁵/16, is below 1e-31 there


def _spence_series(u):
    """log(1 + u)/(-u) = -Σ (-u)ᵏ/(k + 1), k < 15, by Horner's rule (u a difflab value or a SymPy one)."""
    s = 1.0 / _TERMS
    for k in range(_TERMS - 2, -1, -1):
        s = 1.0 / (k + 1) - u * s
    return -s


def _spence_slope(out, z):
    """log(z)/(1 - z), spence's derivative; near z = 1 (the removable point, where it is -1 and its derivative
    1/2) its Taylor series in z - 1, so every order is right there. Each form at a held argument where unused."""
    u = z - 1.0
    near = less(u * u, _NEAR_ONE**2)
    z_f = where(near, 2.0, z)
    return where(near, _spence_series(where(near, u, 0.0)), log(z_f) / (1.0 - z_f))


spence = _special(
    "spence",
    _scipy("spence"),
    (_spence_slope,),
    _scipy_named(
        "spence",
        lambda sp, z: sp.polylog(2, 1 - z),
        lambda sp, out, i, z: sp.Piecewise(
            (_spence_series(z - 1), (z - 1) ** 2 < _NEAR_ONE**2), (sp.log(z) / (1 - z), True)
        ),
    ),
    doc="Spence's function as SciPy's: ∫₁^z log t/(1 - t) dt = Li₂(1 - z) for z ≥ 0; d spence = log z/(1 - z) "
    "(-1 at z = 1, its limit)",
)


def _zeta_strategy(b, name, x, picks, c):
    """How the Hypothesis strategies call zeta: x a whole 2..4 (a constant; 1 is ζ's pole), q x guarded positive."""
    return b.emit(name, float(2 + c.take(3)), b.positive(x, c))


def _zeta_front(x, q=None, out=None):
    """scipy.special.zeta(x, q=None, out=None): Hurwitz's ζ(x, q), or Riemann's ζ(x) when q is None (out=: refused
    by name, as a reduction's)."""
    from .reductions import no_out

    no_out("scipy.special.zeta", out)
    return zeta_riemann(x) if q is None else zeta(x, q)


zeta = _special(
    "zeta",
    _scipy("zeta"),
    # (∂x: hurwitz_derivative, by mpmath, defined below with zeta_derivative; SciPy has none)
    (lambda out, x, q: hurwitz_derivative(1.0, x, q), lambda out, x, q: -x * zeta(x + 1.0, q)),
    _scipy_named(
        "zeta",
        lambda sp, x, q: sp.zeta(x, q),
        lambda sp, out, i, x, q: (
            _scipy_function("hurwitz_derivative")(1, x, q) if i == 0 else -x * _scipy_function("zeta")(x + 1, q)
        ),
    ),
    domain=("above_one", "positive"),
    strategy=_zeta_strategy,
    aliases=("_zeta",),  # (the ufunc SciPy's Python zeta calls)
    ufunc="_zeta",
    front=_zeta_front,
    doc="Hurwitz's zeta function ζ(x, q) = Σ 1/(k + q)ˣ (x > 1, q > 0; q=None: Riemann's); "
    "∂x = -Σ log(k + q)/(k + q)ˣ (by mpmath, SciPy having none), ∂q = -x·ζ(x + 1, q)",
)


zeta_riemann = _special(
    "zeta_riemann",
    _scipy("zeta"),
    (lambda out, x: zeta_derivative(1.0, x),),  # (zeta_derivative: defined below, with zetac)
    _scipy_named(
        "zeta_riemann",
        lambda sp, x: sp.zeta(x),
        lambda sp, out, i, x: _scipy_function("zeta_derivative")(1, x),
        scipy_name="zeta",
    ),
    domain=("above_one",),
    names=("_riemann_zeta",),  # (the ufunc SciPy's zeta(x) calls; scipy.special.zeta is zeta's front)
    ufunc="_riemann_zeta",
    internal=True,
    doc="Riemann's zeta function ζ(x), scipy.special.zeta(x) (q None); d ζ = ζ′(x), by mpmath (SciPy has none)",
)
hyp1f1 = _special(
    "hyp1f1",
    _scipy("hyp1f1"),
    (
        _refuse(
            "hyp1f1",
            "a",
            why="SciPy has no derivative of ₁F₁ in its parameters, and difflab no exact "
            "one; hold a constant, or differentiate by method='numeric', which differences SciPy's values",
        ),
        _refuse(
            "hyp1f1",
            "b",
            why="SciPy has no derivative of ₁F₁ in its parameters, and difflab no exact "
            "one; hold b constant, or differentiate by method='numeric', which differences SciPy's values",
        ),
        lambda out, a, b, x: (a / b) * hyp1f1(a + 1.0, b + 1.0, x),
    ),
    _scipy_named(
        "hyp1f1",
        lambda sp, a, b, x: sp.hyper([a], [b], x),
        lambda sp, out, i, a, b, x: a / b * _scipy_function("hyp1f1")(a + 1, b + 1, x),
    ),
    domain=("integer", "integer", "real"),
    doc="Kummer's confluent hypergeometric function ₁F₁(a; b; x); ∂x = (a/b)·₁F₁(a + 1; b + 1; x), "
    "not differentiable in a or b",
)


def _hyp_parameter(name, arg):
    return _refuse(
        name,
        arg,
        "z",
        f"SciPy has no derivative of ₂F₁ in its parameters, and difflab no exact one; hold {arg} constant, or "
        "differentiate by method='numeric', which differences SciPy's values",
    )


def _branch_point(*args):
    """Op.scale of ₂F₁ in z: |1 - z|, the distance to its branch point at 1."""
    return np.abs(1.0 - np.asarray(args[-1]))


hyp2f1 = _special(
    "hyp2f1",
    _scipy("hyp2f1"),
    (
        _hyp_parameter("hyp2f1", "a"),
        _hyp_parameter("hyp2f1", "b"),
        _hyp_parameter("hyp2f1", "c"),
        lambda out, a, b, c, z: (a * b / c) * hyp2f1(a + 1.0, b + 1.0, c + 1.0, z),
    ),
    _scipy_named(
        "hyp2f1",
        lambda sp, a, b, c, z: sp.hyper([a, b], [c], z),
        lambda sp, out, i, a, b, c, z: a * b / c * _scipy_function("hyp2f1")(a + 1, b + 1, c + 1, z),
    ),
    domain=("integer", "integer", "integer", "unit"),
    scale=(None, None, None, _branch_point),
    doc="Gauss's hypergeometric function ₂F₁(a, b; c; z) on real z < 1; ∂z = (ab/c)·₂F₁(a + 1, b + 1; c + 1; z), "
    "not differentiable in a, b or c",
)


_GAUSS_ZERO = 40.0  # |u| from which e^(-u²/2) is 0 in doubles (e^-800): a held 40 there, so u² never overflows


def _gauss_held(h):
    """h, or ±40 (its sign) where |h| ≥ 40: e^(-h²/2) is 0 there either way, and h² overflowed from 1.3e154 (a NaN
    stays NaN)."""
    return where(greater_equal(_abs(h), _GAUSS_ZERO), _GAUSS_ZERO * sign(h), h)


def _owens_t_ha(h, a):
    """h·a for e^(-(ha)²/2) and erf(ha/√2), ±40 (its sign) where |ha| ≥ 40 (both are then their limits in doubles),
    never overflowing: h·a where |a| ≤ 1 (h held to ±40), h/r where |a| > 1 (r = 1/a), the comparison |h| ≥ 40|r|
    made without forming h·a (at h = 1, a = 1e200 (ha)² overflowed, RuntimeWarning). Each form at held arguments."""
    big = greater(_abs(a), 1.0)
    r = 1.0 / where(big, a, 1.0)
    far = where(big, greater_equal(_abs(h), _GAUSS_ZERO * _abs(r)), False)
    near = where(far, 1.0, r)
    quotient = where(far, _GAUSS_ZERO * sign(h) * sign(r), h) / near
    return where(big, quotient, _gauss_held(h) * where(big, 0.0, a))


def _owens_t_weight(a):
    """1/(1 + a²), as r²/(1 + r²) (r = 1/a) where |a| > 1: a² overflowed from 1.3e154 (owens_t's ∂a at a = 1e200)."""
    big = greater(_abs(a), 1.0)
    r, a_s = 1.0 / where(big, a, 1.0), where(big, 0.0, a)
    return where(big, (r * r) / (1.0 + r * r), 1.0 / (1.0 + a_s * a_s))


def _owens_t_slope_a(out, h, a):
    """∂T/∂a = e^(-h²/2 - (ha)²/2)/(2π(1 + a²)) (the exponent's two terms apart: h²(1 + a²) was 0·inf = NaN at h = 0,
    a = 1e200), no square formed of a number that overflows."""
    ha, hh = _owens_t_ha(h, a), _gauss_held(h)
    return exp(-0.5 * hh * hh - 0.5 * ha * ha) * _owens_t_weight(a) / (2.0 * np.pi)


def _owens_t_slope_h(out, h, a):
    """∂T/∂h = -φ(h)·erf(ah/√2)/2, with h² and ah held from overflowing as in ∂a."""
    hh = _gauss_held(h)
    return (-0.5 / _SQRT_2PI) * exp(-0.5 * hh * hh) * erf(_owens_t_ha(h, a) * _SQRT_HALF)


def _owens_t_form(sp, h, a):
    """T(h, a) = (1/2π) ∫₀^a e^(-h²(1 + t²)/2)/(1 + t²) dt (SymPy has no Owen's T)."""
    t = sp.Dummy("t", real=True)
    return sp.Integral(sp.exp(-(h**2) * (1 + t**2) / 2) / (1 + t**2), (t, 0, a)) / (2 * sp.pi)


def _owens_t_sympy_partial(sp, out, i, h, a):
    """The registry's partials in SymPy's terms, their arguments held as `_owens_t_ha` holds them (the registry's
    abs and sign: SymPy's sign′ is a DiracDelta)."""
    Abs, sgn = _abs_fn(), _sign_fn()
    big = Abs(a) > 1
    hh = sp.Piecewise((_GAUSS_ZERO * sgn(h), Abs(h) >= _GAUSS_ZERO), (h, True))
    r = 1 / sp.Piecewise((a, big), (1, True))
    far = sp.And(big, Abs(h) >= _GAUSS_ZERO * Abs(r))
    quotient = sp.Piecewise((_GAUSS_ZERO * sgn(h) * sgn(r), far), (h, True)) / sp.Piecewise((1, far), (r, True))
    ha = sp.Piecewise((quotient, big), (hh * sp.Piecewise((0, big), (a, True)), True))
    if i == 0:
        return -sp.exp(-(hh**2) / 2) / sp.sqrt(2 * sp.pi) * sp.erf(ha / sp.sqrt(2)) / 2
    a_s = sp.Piecewise((0, big), (a, True))
    weight = sp.Piecewise((r**2 / (1 + r**2), big), (1 / (1 + a_s**2), True))
    return sp.exp(-(hh**2) / 2 - ha**2 / 2) * weight / (2 * sp.pi)


owens_t = _special(
    "owens_t",
    _scipy("owens_t"),
    (
        _owens_t_slope_h,
        _owens_t_slope_a,
    ),
    _scipy_named("owens_t", _owens_t_form, _owens_t_sympy_partial),
    domain=("real", "real"),
    doc="Owen's T function T(h, a) = (1/2π) ∫₀^a e^(-h²(1 + t²)/2)/(1 + t²) dt; ∂h = -φ(h)·erf(ah/√2)/2, "
    "∂a = e^(-h²(1 + a²)/2)/(2π(1 + a²))",
)


# -- erfi, kn, ellipkm1, gammainccinv, stdtrit, ndtri_exp, shichi, lambertw, spherical Bessel, Struve (issue 11) ------

erfi = _special(
    "erfi",
    _scipy("erfi"),
    (lambda out, x: (2.0 / _SQRT_PI) * exp(x * x),),
    _scipy_named("erfi", lambda sp, x: sp.erfi(x), lambda sp, out, i, x: 2 / sp.sqrt(sp.pi) * sp.exp(x**2)),
    domain=("real",),
    doc="the imaginary error function erfi(x) = -i·erf(ix) = 2/√π ∫₀ˣ e^(t²) dt; d erfi = 2/√π e^(x²)",
)
kn = _special(
    "kn",
    _scipy("kn"),
    (_refuse("kn", "n", truncated=True), lambda out, n, x: -0.5 * (kn(n - 1.0, x) + kn(n + 1.0, x))),
    _scipy_named("kn", lambda sp, n, x: sp.besselk(_order(n), x)),
    domain=("integer", "positive"),
    scale=(None, _pole_at_zero),
    doc="K_n(x) for integer n (SciPy's kn) on x > 0; d K_n = -(K_{n-1} + K_{n+1})/2, not differentiable in n",
)


def _ellipkm1_slope(out, p):
    """d/dp K(1 - p) = -K′(1 - p) = -(E(1 - p)/p - K)/(2(1 - p)): p divides, not 1 - m (which keeps none of a small
    p's digits: ellipkm1's reason to be); where |1 - p| < 0.1 (m = 1 - p near 0, the closed form's 0/0) -K′'s series
    in m. Each form at a held argument where it is not used."""
    m = 1.0 - p
    near = less(_abs(m), _ELLIP_SERIES)
    p_f = where(near, 0.5, p)
    closed = ((ellipe(1.0 - p_f) / p_f - where(near, 1.0, out)) * 0.5) / (1.0 - p_f)  # (no 2(1 - p) to overflow)
    return where(near, -_ellip_series(where(near, m, 0.0), False), -closed)


def _ellipkm1_sympy_slope(sp, out, i, p):
    closed = (_scipy_function("ellipe")(1 - p) / p - out) / 2 / (1 - p)
    return sp.Piecewise((-_ellip_series(1 - p, False), sp.Abs(1 - p) < _ELLIP_SERIES), (-closed, True))


ellipkm1 = _special(
    "ellipkm1",
    _scipy("ellipkm1"),
    (_ellipkm1_slope,),
    _scipy_named("ellipkm1", lambda sp, p: sp.elliptic_k(1 - p), _ellipkm1_sympy_slope),
    scale=(_pole_at_zero,),
    doc="K(1 - p), the complete elliptic integral of the first kind near m = 1 (p > 0); d/dp = -K′(1 - p) = "
    "-(E(1 - p)/p - K(1 - p))/(2(1 - p))",
)


def _gammainccinv_mp(mpmath, a, y):
    """x with Q(a, x) = y in mpmath's precision: its root from SciPy's value."""
    if y >= 1:
        return mpmath.mpf(0) if y == 1 else mpmath.nan
    if y <= 0:
        return mpmath.inf if y == 0 else mpmath.nan
    start = float(scipy_special().gammainccinv(float(a), float(y)))
    return mpmath.findroot(lambda x: mpmath.gammainc(a, x, mpmath.inf, regularized=True) - y, mpmath.mpf(start))


gammainccinv = _special(
    "gammainccinv",
    _scipy("gammainccinv"),
    # 1/Q′(x) at x = out: -Γ(a)·x^(1-a)·eˣ
    (
        lambda out, a, y: -gammainc_da(a, out) * exp(gammaln(a) + out - _xlog(a - 1.0, out)),
        lambda out, a, y: -exp(gammaln(a) + out - _xlog(a - 1.0, out)),
    ),
    _scipy_named(
        "gammainccinv",
        None,
        lambda sp, out, i, a, y: (
            -(_scipy_function("gammainc_da")(a, out) if i == 0 else 1) * sp.exp(sp.loggamma(a) + out) * out ** (1 - a)
        ),
        mp=_gammainccinv_mp,
    ),
    domain=("integer", "probability"),
    scale=(None, _to_either_end),
    doc="the inverse in x of the regularized upper incomplete gamma function, Q(a, x) = y; "
    "∂y = -Γ(a)·x^(1-a)·eˣ, ∂a = -gammainc_da(a, x)·Γ(a)·x^(1-a)·eˣ (as gammaincinv's)",
)


def _stdtr_mp(mpmath, nu, t):
    """Student's t CDF in mpmath's precision: ½ + t·Γ((ν+1)/2)/(√(νπ)Γ(ν/2))·₂F₁(½, (ν+1)/2; 3/2; -t²/ν)."""
    c = mpmath.gamma((nu + 1) / 2) / (mpmath.sqrt(nu * mpmath.pi) * mpmath.gamma(nu / 2))
    return mpmath.mpf(0.5) + t * c * mpmath.hyp2f1(0.5, (nu + 1) / 2, 1.5, -(t**2) / nu)


def _stdtrit_mp(mpmath, nu, p):
    """t with stdtr(ν, t) = p in mpmath's precision: its root from SciPy's value."""
    if not 0 < p < 1:
        return mpmath.nan if not 0 <= p <= 1 else (mpmath.inf if p == 1 else -mpmath.inf)
    start = float(scipy_special().stdtrit(float(nu), float(p)))
    return mpmath.findroot(lambda t: _stdtr_mp(mpmath, nu, t) - p, mpmath.mpf(start))


stdtrit = _special(
    "stdtrit",
    _scipy("stdtrit"),
    (
        # -∂df stdtr/density at t = out (the implicit function theorem)
        lambda out, nu, p: -_stdtr_df(nu, out, _stdtr_df_ops()) * exp(-_student_log_density(nu, out)),
        # 1/density at t = out
        lambda out, nu, p: exp(-_student_log_density(nu, out)),
    ),
    _scipy_named(
        "stdtrit",
        None,
        lambda sp, out, i, nu, p: (
            (-_stdtr_df(nu, out, _stdtr_df_sympy(sp)) if i == 0 else 1) / _stdtr_sympy_density(sp, None, 1, nu, out)
        ),
        mp=_stdtrit_mp,
    ),
    domain=("integer", "probability"),
    scale=(None, _to_either_end),
    doc="Student's t quantile: t with stdtr(df, t) = p; ∂p = 1/density(t) = √ν B(ν/2, 1/2)(1 + t²/ν)^((ν+1)/2), "
    "∂df = -∂df stdtr/density(t)",
)


def _ndtri_exp_mp(mpmath, y):
    """x with log Φ(x) = y (y < 0) in mpmath's precision: its root from SciPy's value."""
    if y >= 0:
        return mpmath.inf if y == 0 else mpmath.nan
    start = float(scipy_special().ndtri_exp(float(y)))
    return mpmath.findroot(lambda x: mpmath.log(mpmath.ncdf(x)) - y, mpmath.mpf(start))


ndtri_exp = _special(
    "ndtri_exp",
    _scipy("ndtri_exp"),
    # 1/(log Φ)′ at x = out: Φ(x)/φ(x), log_ndtr's slope φ/Φ by `_mills` (its series below x = -40) inverted
    (lambda out, y: 1.0 / _mills(y, out),),
    _scipy_named(
        "ndtri_exp",
        None,
        lambda sp, out, i, y: 1 / _mills_sympy(sp, y, out),
        mp=_ndtri_exp_mp,
    ),
    domain=("negative",),
    doc="the inverse of log_ndtr: x with log Φ(x) = y (y < 0), ndtri(exp(y)) without its underflow; "
    "d = Φ(x)/φ(x), log_ndtr's slope inverted",
)

_SHI_SERIES = 1.0  # |x| below it sinh(x)/x by its series (cosh/x - sinh/x², its derivative, cancels as 3/x²)
_SHI_TERMS = 12  # x²ᵏ/(2k + 1)!, k < 12: the first left out is below 1/25! = 6e-26 where |x| < 1


def _sinhc_series(x):
    """sinh(x)/x = Σ x²ᵏ/(2k + 1)!, k < 12, by Horner's rule in x² (a difflab or SymPy value)."""
    x2 = x * x
    s = 1.0 / math.factorial(2 * _SHI_TERMS - 1)
    for k in range(_SHI_TERMS - 2, -1, -1):
        s = s * x2 + 1.0 / math.factorial(2 * k + 1)
    return s


def _shi_slope(out, x):
    """Shi′ = sinh(x)/x, 1 at x = 0 (0/0 there), its series where |x| < 1 (where the derivative's closed form cosh/x -
    sinh/x² cancels). Each form at a held argument where it is not used."""
    near = less(_abs(x), _SHI_SERIES)
    x_f = where(near, 1.0, x)
    return where(near, _sinhc_series(where(near, x, 0.0)), sinh(x_f) / x_f)


shichi_shi = _pair_part(
    "shichi_shi", "shichi", 0, _shi_slope, lambda sp, x: sp.Shi(x), ("real",),
    "the hyperbolic sine integral Shi(x) = ∫₀ˣ sinh(t)/t dt, scipy.special.shichi(x)[0]; d Shi = sinh(x)/x (1 at 0)",
    derivative=lambda sp, out, i, x: sp.Piecewise(
        (_sinhc_series(x), sp.Abs(x) < _SHI_SERIES), (sp.sinh(x) / x, True)
    ),
    said=True,
)  # fmt: skip
shichi_chi = _pair_part(
    "shichi_chi", "shichi", 1, lambda out, x: cosh(x) / x, lambda sp, x: sp.Chi(x), ("positive",),
    "the hyperbolic cosine integral Chi(x) = γ + log x + ∫₀ˣ (cosh t - 1)/t dt (x > 0; SciPy's Chi(|x|) below 0), "
    "scipy.special.shichi(x)[1]; d Chi = cosh(x)/x",
    front=lambda x: (shichi_shi(x), shichi_chi(x)),
    said=True,
)  # fmt: skip


def _lambertw_real(z):
    """W₀(z) on real z ≥ -1/e, SciPy's lambertw's real part; NaN (said as `_scipy`'s) where SciPy's is not real
    (below -1/e the branch is complex; SciPy's is NaN at the float nearest -1/e)."""
    sc = scipy_special()
    z = np.asarray(z)
    with np.errstate(all="ignore"):
        w = sc.lambertw(z)
    out = np.where(~np.isnan(w.real) & (w.imag == 0), w.real, np.nan)  # (W₀(∞) = ∞: SciPy's inf + 0j)
    out = out[()] if out.ndim == 0 else out
    born = _born(lambda x: out, out, (z,))
    if born is not None:
        _say("lambertw", *born)
    return out


def _holds_traced(z) -> bool:
    """Whether z is traced or a (nested) list or tuple holding a traced value."""
    return isinstance(z, Traced) or (isinstance(z, (list, tuple)) and any(_holds_traced(v) for v in z))


def _lambertw_front(z, k=0, tol=1e-8):
    """scipy.special.lambertw(z, k=0, tol=1e-8) of a real traced z: W₀(z) + 0j (SciPy's value is complex; take
    `.real`); other branches k are not difflab's (UnsupportedOperationError naming k); tol is SciPy's iteration's."""
    if not _holds_traced(z):  # a plain z: SciPy's value, any branch, complex z, z < -1/e (was NaN + 0j)
        return scipy_special().lambertw(z, k, tol)
    if np.any(np.asarray(k) != 0):
        raise UnsupportedOperationError(
            f"scipy.special.lambertw with k={np.asarray(k).tolist()}: difflab differentiates the real principal branch "
            "k=0 only (W₀ on z ≥ -1/e)"
        )
    return lambertw(z) + 0j


lambertw = _special(
    "lambertw",
    _lambertw_real,
    # W′ = W/(z(1 + W)) = e^(-W)/(1 + W): no 0/0 at z = 0 (where it is 1)
    (lambda out, z: exp(-out) / (1.0 + out),),
    _scipy_named(
        "lambertw",
        lambda sp, z: sp.LambertW(z),
        lambda sp, out, i, z: sp.exp(-out) / (1 + out),
        scipy_name=_lambertw_real,
    ),
    names=("lambertw", "_lambertw"),  # (the ufunc SciPy's Python lambertw calls as _lambertw(z, k, tol))
    front=_lambertw_front,
    result_dtype=lambda: _F64,
    doc="the Lambert W function's real principal branch W₀(z) (w·eʷ = z, z ≥ -1/e); d W = e^(-W)/(1 + W); "
    "scipy.special.lambertw(z) on a traced real z is W₀(z) + 0j, as SciPy's complex value",
)


def _spherical_slope(fn, n, z, inner, outer):
    """d/dz of a spherical Bessel function, outer·(n·f_{n-1} + inner·(n + 1)·f_{n+1})/(2n + 1): jₙ and yₙ (inner -1,
    outer 1), iₙ (1, 1), kₙ (1, -1) (DLMF 10.51.2, 10.51.5: each pair of recurrences combined, no (n + 1)/z to divide
    0/0 at z = 0; f_{-1} is not read at n = 0, where its factor n is 0: f_0 in its place)."""
    below = where(less(n, 1.0), 1.0, n) - 1.0
    return (outer / (2.0 * n + 1.0)) * (n * fn(below, z) + inner * (n + 1.0) * fn(n + 1.0, z))


_SPHERICAL_IN_SMALL = 1e-5  # |z| below it iₙ(z) by its series' two terms (the third is z⁴/8(2n+3)(2n+5) of the first)


def _spherical_in_small(n, z, out):
    """iₙ(z) = zⁿ/(2n+1)!!·(1 + z²/(2(2n+3))) where |z| < 1e-5, SciPy's `out` elsewhere: SciPy 1.17's iₙ is 0 from
    z ~ 1e-206 (n = 0, whose value is 1), 1e-124 (n = 1), 1e-88 (n = 2) down (its slope n·iₙ₋₁ + ... read i₀ = 0:
    d i₁/dz at z = 6e-293 was 0, not 1/3)."""
    n, z, out = np.broadcast_arrays(np.asarray(n), np.asarray(z, dtype=float), np.asarray(out))
    small = (np.abs(z) < _SPHERICAL_IN_SMALL) & (n >= 0)
    if not np.any(small):
        return out[()]
    term, zs, ns = np.ones(np.shape(z)), np.where(small, z, 0.0), np.where(small, n, 0).astype(int)
    with np.errstate(under="ignore"):
        for k in range(1, int(np.max(ns)) + 1):  # zⁿ/(2n+1)!! a factor z/(2k+1) at a time (no (2n+1)!! overflows)
            term = np.where(k <= ns, term * zs / (2 * k + 1), term)
        series = term * (1.0 + zs * zs / (2.0 * (2 * ns + 3)))
    return np.where(small, series, out).astype(out.dtype, copy=False)[()]


def _spherical_value(name):
    """SciPy's spherical Bessel function `name` (its Python function: negative z by reflection) on NumPy values,
    said as `_scipy`'s; yₙ's and kₙ's infinity at z = 0 is their pole (SciPy reports none, and yₙ(5e-324) overflows
    too, so `_born` took it for an overflow: a RuntimeWarning, where y0's pole is a DomainWarning)."""

    def impl(n, z):
        fn = getattr(scipy_special(), name)
        out = fn(n, z)
        if name == "spherical_in":
            out = _spherical_in_small(n, z, out)
        pole = np.isinf(out) & (np.asarray(z) == 0)
        born = ("divide",) if np.any(pole) else _born(fn, out, (n, z))
        if born is not None:
            _say(name, *born)
        return out

    impl.__name__ = name
    return impl


def _integer_order_dtype(ufunc):
    """Op.resolve_dtype of SciPy's ufunc of an integer order n and z ('ld->d', 'lf->f': a float n, which its Python
    function truncates, finds no loop): the ufunc's answer for an integer n and z's dtype."""
    base = _scipy_dtype(ufunc)

    def resolve(n, z):
        return base(int, z)

    return resolve


def _spherical(name, form, domain, doc, inner=-1.0, outer=1.0):
    """The entry of scipy.special.<name>(n, z, derivative=False), SciPy's Python function (no ufunc dispatch reaches
    it: it converts z first), so called as difflab.scipy.special.<name>; derivative=True gives the slope's graph."""

    def entry():
        return REGISTRY[name]

    def front(n, z, derivative=False):
        return _spherical_slope(entry(), n, z, inner, outer) if derivative else entry()(n, z)

    front.__name__ = name
    front.__doc__ = f"scipy.special.{name}(n, z, derivative=False) of a traced z: the entry's value, or its slope."

    def sympy_slope(sp, out, i, n, z):
        f = _scipy_function(name)
        return outer * (n * f(n - 1, z) + inner * (n + 1) * f(n + 1, z)) / (2 * n + 1)

    value = _spherical_value(name)
    return _special(
        name,
        value,
        (_refuse(name, "n", "z", truncated=True), lambda out, n, z: _spherical_slope(entry(), n, z, inner, outer)),
        _scipy_named(name, form, sympy_slope, scipy_name=value),
        domain=domain,
        front=front,
        resolve_dtype=_integer_order_dtype(f"_{name}"),
        doc=doc,
    )


def _sph(sp, bessel, n, z):
    """√(π/2z)·C_{n+1/2}(z), SymPy's form of a spherical Bessel function; jₙ and iₙ at z < 0 as SciPy's, by their
    parity (-1)ⁿ (the principal branches of √ and C_{n+1/2} there give the opposite sign)."""
    n = _order(n)
    a = sp.Abs(z)
    return sp.sign(z) ** n * sp.sqrt(sp.pi / (2 * a)) * bessel(n + sp.Rational(1, 2), a)


spherical_jn = _spherical(
    "spherical_jn",
    lambda sp, n, z: _sph(sp, sp.besselj, n, z),
    ("integer", "real"),
    "the spherical Bessel function jₙ(z) = √(π/2z) J_{n+1/2}(z); d jₙ = (n jₙ₋₁ - (n + 1) jₙ₊₁)/(2n + 1), "
    "not differentiable in n (SciPy's Python function: call difflab.scipy.special.spherical_jn on traced values)",
)
spherical_yn = _spherical(
    "spherical_yn",
    lambda sp, n, z: _sph(sp, sp.bessely, n, z),
    ("integer", "positive"),
    "the spherical Bessel function yₙ(z) = √(π/2z) Y_{n+1/2}(z) (z > 0); d yₙ = (n yₙ₋₁ - (n + 1) yₙ₊₁)/(2n + 1), "
    "not differentiable in n (SciPy's Python function: call difflab.scipy.special.spherical_yn on traced values)",
)
spherical_in = _spherical(
    "spherical_in",
    lambda sp, n, z: _sph(sp, sp.besseli, n, z),
    ("integer", "real"),
    "the modified spherical Bessel function iₙ(z) = √(π/2z) I_{n+1/2}(z); d iₙ = (n iₙ₋₁ + (n + 1) iₙ₊₁)/(2n + 1), "
    "not differentiable in n (SciPy's Python function: call difflab.scipy.special.spherical_in on traced values)",
    inner=1.0,
)
spherical_kn = _spherical(
    "spherical_kn",
    lambda sp, n, z: _sph(sp, sp.besselk, n, z),
    ("integer", "positive"),
    "the modified spherical Bessel function kₙ(z) = √(π/2z) K_{n+1/2}(z) (z > 0); d kₙ = -(n kₙ₋₁ + (n + 1) kₙ₊₁)/"
    "(2n + 1), not differentiable in n (SciPy's Python function: call difflab.scipy.special.spherical_kn on traced "
    "values)",
    inner=1.0,
    outer=-1.0,
)


def _struve_term(v, x):
    """(x/2)^v/(2√π Γ(v + 3/2)): Struve's H_v′ and L_v′ beyond their recurrences' halves (DLMF 11.4.27, 11.4.29)."""
    # x < 0 with v not whole: NaN, as SciPy's value (Python's float power, the symbolic method's, is complex there)
    base = where(where(equal(v, floor(v)), False, less(x, 0.0)), np.nan, 0.5 * x)
    return base**v * rgamma(v + 1.5) / (2.0 * _SQRT_PI)


def _struve(name, sign, mp_name, doc):
    def slope(out, v, x):
        fn = REGISTRY[name]
        return 0.5 * (fn(v - 1.0, x) + sign * fn(v + 1.0, x)) + _struve_term(v, x)

    def sympy_slope(sp, out, i, v, x):
        fn = _scipy_function(name)
        v = _order(v)
        base = x
        if not (isinstance(v, sp.Basic) and v.is_integer):  # (x/2)^v at x < 0: NaN, as SciPy's value, not complex
            base = sp.Piecewise((x, x >= 0), (sp.nan, True))  # (the base, not the power: CSE hoists a power out)
        power = (base / 2) ** v
        return (fn(v - 1, x) + sign * fn(v + 1, x)) / 2 + power / (2 * sp.sqrt(sp.pi) * sp.gamma(v + sp.Rational(3, 2)))

    return _special(
        name,
        _scipy(name),
        (
            _refuse(
                name,
                "v",
                why="SciPy has no derivative of Struve's functions in their order, and difflab no exact one; hold v "
                "constant, or differentiate by method='numeric', which differences SciPy's values",
            ),
            slope,
        ),
        _scipy_named(name, None, sympy_slope, mp=lambda mpmath, v, x: getattr(mpmath, mp_name)(v, x)),
        domain=("integer", "positive"),
        doc=doc,
    )


struve = _struve(
    "struve",
    -1.0,
    "struveh",
    "Struve's function H_v(x) (x ≥ 0; x < 0 for whole v); d H_v = (H_{v-1} - H_{v+1} + (x/2)^v/(√π Γ(v + 3/2)))/2, "
    "not differentiable in v",
)
modstruve = _struve(
    "modstruve",
    1.0,
    "struvel",
    "the modified Struve function L_v(x); d L_v = (L_{v-1} + L_{v+1} + (x/2)^v/(√π Γ(v + 3/2)))/2, "
    "not differentiable in v",
)


# -- degrees, cosm1, exprel, radian (issue 11, special45b) --------------------------------------------------------

_DEG = math.pi / 180.0  # d/dx of a function of x degrees: π/180 per degree


def _degrees(name, form, slope, sympy_slope, doc, domain=("real",), scale=()):
    """The entry of SciPy's trigonometric function of an angle in degrees `name` (sindg: exact at whole multiples
    of 90°, where sin(πx/180) is not); its slope in the entries themselves (cosdg′ = -π/180·sindg), so exact there too."""
    return _special(
        name,
        _scipy(name),
        (slope,),
        _scipy_named(name, form, sympy_slope),
        domain=domain,
        scale=scale,
        doc=doc,
    )


def _degree_poles(shift):
    """Op.scale of tandg (shift 90°) and cotdg (0°): the distance in degrees to their nearest pole, about
    |cos| or |sin| of the angle times 180/π (a radian's 57° elsewhere)."""
    return lambda x: np.abs(np.sin((np.asarray(x, dtype=float) - shift) * _DEG)) / _DEG


sindg = _degrees(
    "sindg",
    lambda sp, x: sp.sin(sp.pi * x / 180),
    lambda out, x: _DEG * cosdg(x),
    lambda sp, out, i, x: sp.pi / 180 * _scipy_function("cosdg")(x),
    "sin of x degrees (exact at whole multiples of 90°); d sindg = π/180·cosdg",
)
cosdg = _degrees(
    "cosdg",
    lambda sp, x: sp.cos(sp.pi * x / 180),
    lambda out, x: -_DEG * sindg(x),
    lambda sp, out, i, x: -sp.pi / 180 * _scipy_function("sindg")(x),
    "cos of x degrees (exact at whole multiples of 90°); d cosdg = -π/180·sindg",
)
tandg = _degrees(
    "tandg",
    lambda sp, x: sp.tan(sp.pi * x / 180),
    lambda out, x: _DEG * (1.0 + out * out),
    lambda sp, out, i, x: sp.pi / 180 * (1 + out**2),
    "tan of x degrees (poles at 90° + k·180°); d tandg = π/180·(1 + tandg²)",
    scale=(_degree_poles(90.0),),
)
cotdg = _degrees(
    "cotdg",
    lambda sp, x: sp.cot(sp.pi * x / 180),
    lambda out, x: -_DEG * (1.0 + out * out),
    lambda sp, out, i, x: -sp.pi / 180 * (1 + out**2),
    "cot of x degrees (poles at k·180°); d cotdg = -π/180·(1 + cotdg²)",
    domain=("nonzero",),  # (its pole at 0: the strategies draw x away from it)
    scale=(_degree_poles(0.0),),
)
cosm1 = _special(
    "cosm1",
    _scipy("cosm1"),
    (lambda out, x: -sin(x),),
    _scipy_named("cosm1", lambda sp, x: sp.cos(x) - 1, lambda sp, out, i, x: -sp.sin(x)),
    domain=("real",),
    doc="cos(x) - 1 without its cancellation near 0; d cosm1 = -sin x",
)

_EXPREL_SERIES = 1.0  # |x| below it exprel′ by its series (the closed form (eˣ - exprel)/x cancels as x/2 of eˣ)
_EXPREL_TERMS = 22  # k·x^(k-1)/(k + 1)!, k ≤ 22: the first left out, 23/24!, is below 4e-23 where |x| < 1


def _exprel_series(x):
    """exprel′(x) = Σₖ₌₁ k·x^(k-1)/(k + 1)!, k ≤ 22, by Horner's rule (a difflab or SymPy value)."""
    s = _EXPREL_TERMS / math.factorial(_EXPREL_TERMS + 1)
    for k in range(_EXPREL_TERMS - 1, 0, -1):
        s = s * x + k / math.factorial(k + 1)
    return s


def _exprel_slope(out, x):
    """exprel′ = (eˣ - exprel)/x = exprel·(1/(1 - e^(-x)) - 1/x) (no eˣ to overflow below exprel's own overflow at
    x = 716: eˣ does from 709.8), 1/2 at 0; where |x| < 1 its series. Each form at a held argument where not used."""
    near = less(_abs(x), _EXPREL_SERIES)
    x_f = where(near, 2.0, x)
    closed = where(near, 1.0, out) * (1.0 / -expm1(-x_f) - 1.0 / x_f)
    return where(near, _exprel_series(where(near, x, 0.0)), closed)


exprel = _special(
    "exprel",
    _scipy("exprel"),
    (_exprel_slope,),
    _scipy_named(
        "exprel",
        lambda sp, x: sp.Piecewise((1, sp.Eq(x, 0)), ((sp.exp(x) - 1) / x, True)),
        lambda sp, out, i, x: sp.Piecewise(
            (_exprel_series(x), sp.Abs(x) < _EXPREL_SERIES), (out * (1 / (1 - sp.exp(-x)) - 1 / x), True)
        ),
    ),
    domain=("real",),
    doc="the relative error of exp, (eˣ - 1)/x (1 at 0); d exprel = (eˣ - exprel)/x (1/2 at 0, its series near 0)",
)
radian = _special(
    "radian",
    _scipy("radian"),
    (lambda out, d, m, s: _DEG + 0.0 * out, lambda out, d, m, s: _DEG / 60.0 + 0.0 * out,
     lambda out, d, m, s: _DEG / 3600.0 + 0.0 * out),
    _scipy_named(
        "radian",
        lambda sp, d, m, s: (d + m / 60 + s / 3600) * sp.pi / 180,
        lambda sp, out, i, d, m, s: sp.pi / 180 / (1, 60, 3600)[i],
    ),
    domain=("real", "real", "real"),
    doc="degrees, arc minutes and arc seconds in radians, (d + m/60 + s/3600)·π/180; linear in each",
)  # fmt: skip


# -- Poisson, χ², gamma, binomial, negative binomial and F distributions (issue 11, special45b) --------------------
# Each CDF is a regularized incomplete gamma or beta function of its continuous argument, so its slope is that
# argument's density (an exp of its logarithm: no Γ or B to overflow), and its inverse's slope is 1/density at out.
# The counts (k, n) SciPy truncates to whole numbers are refused as truncated (differences of SciPy's values jump);
# the shape parameters (χ²'s v, gamma's b, F's dfn and dfd) as parameters SciPy has no derivative in.


def _shape_parameter(name, arg, only):
    return _refuse(
        name,
        arg,
        only,
        f"SciPy has no derivative of {name} in its shape parameter {arg}, and difflab no exact one; hold {arg} "
        "constant, or differentiate by method='numeric', which differences SciPy's values",
    )


def _poisson_log_density(k, m):
    """log(e^(-m) m^K/K!), K = ⌊k⌋: the slope of the Poisson CDF in its mean m, negated."""
    whole = floor(k)
    return _xlog(whole, m) - m - gammaln(whole + 1.0)


def _poisson_sympy_log_density(sp, k, m):
    whole = sp.floor(k)
    return whole * sp.log(m) - m - sp.loggamma(whole + 1)


def _mp_root(mpmath, f, start):
    """The root of f near SciPy's value `start` in mpmath's precision (the inverses' `mp`)."""
    return mpmath.findroot(f, mpmath.mpf(float(start)))


def _mp_pdtr(mpmath, k, m):
    return mpmath.gammainc(mpmath.floor(k) + 1, m, mpmath.inf, regularized=True)


pdtr = _special(
    "pdtr",
    _scipy("pdtr"),
    (_refuse("pdtr", "k", "m", truncated=True), lambda out, k, m: -exp(_poisson_log_density(k, m))),
    _scipy_named("pdtr", None, lambda sp, out, i, k, m: -sp.exp(_poisson_sympy_log_density(sp, k, m)), mp=_mp_pdtr),
    domain=("integer", "positive"),
    doc="the Poisson CDF Σ_{j ≤ k} e^(-m) mʲ/j! = Q(⌊k⌋ + 1, m); ∂m = -e^(-m) m^⌊k⌋/⌊k⌋!, not differentiable in k",
)
pdtrc = _special(
    "pdtrc",
    _scipy("pdtrc"),
    (_refuse("pdtrc", "k", "m", truncated=True), lambda out, k, m: exp(_poisson_log_density(k, m))),
    _scipy_named(
        "pdtrc",
        None,
        lambda sp, out, i, k, m: sp.exp(_poisson_sympy_log_density(sp, k, m)),
        mp=lambda mpmath, k, m: 1 - _mp_pdtr(mpmath, k, m),
    ),
    domain=("integer", "positive"),
    doc="the Poisson survival function 1 - pdtr = P(⌊k⌋ + 1, m); ∂m = e^(-m) m^⌊k⌋/⌊k⌋!, not differentiable in k",
)
pdtri = _special(
    "pdtri",
    _scipy("pdtri"),
    (_refuse("pdtri", "k", "y", truncated=True), lambda out, k, y: -exp(-_poisson_log_density(k, out))),
    _scipy_named(
        "pdtri",
        None,
        lambda sp, out, i, k, y: -sp.exp(-_poisson_sympy_log_density(sp, k, out)),
        mp=lambda mpmath, k, y: _mp_root(
            mpmath, lambda m: _mp_pdtr(mpmath, k, m) - y, scipy_special().pdtri(float(k), float(y))
        ),
    ),
    domain=("integer", "probability"),
    scale=(None, _to_either_end),
    doc="the Poisson mean m with pdtr(k, m) = y; ∂y = -⌊k⌋! eᵐ m^(-⌊k⌋), not differentiable in k",
)


def _gamma_log_density(a, x):
    """log of the Gamma(a, 1) density x^(a-1) e^(-x)/Γ(a) (a strong zero at a = 1, x = 0)."""
    return _xlog(a - 1.0, x) - x - gammaln(a)


def _gamma_sympy_log_density(sp, a, x):
    return (a - 1) * sp.log(x) - x - sp.loggamma(a)


def _mp_chdtr(mpmath, v, x):
    return mpmath.gammainc(v / 2, 0, x / 2, regularized=True)


def _chi2_tail(name, sign, mp, doc):
    """chdtr (sign 1) or chdtrc (sign -1): ±P(v/2, x/2)'s partials, ∂v by gammainc_da, ∂x by the density. ∂x is 0 at
    v = 0 (P(0, x) = 1 for every x > 0): a strong zero, so chdtrc.reduce's fold from 0, chdtrc(chdtrc(0, x0), x1), meets
    ∂v's NaN at v = 0 (gammainc_da's a = 0) as 0 under reverse too (was NaN; forward and symbolic 0)."""
    return _special(
        name,
        _scipy(name),
        (
            lambda out, v, x: sign * 0.5 * gammainc_da(0.5 * v, 0.5 * x),
            strong_zero(lambda out, v, x: sign * 0.5 * exp(_gamma_log_density(0.5 * v, 0.5 * x))),
        ),
        _scipy_named(
            name,
            None,
            lambda sp, out, i, v, x: (
                sign
                * (
                    _scipy_function("gammainc_da")(v / 2, x / 2)
                    if i == 0
                    else sp.exp(_gamma_sympy_log_density(sp, v / 2, x / 2))
                )
                / 2
            ),
            mp=mp,
        ),
        domain=("integer", "positive"),
        doc=doc,
    )


chdtr = _chi2_tail(
    "chdtr",
    1,
    _mp_chdtr,
    "the χ² CDF with v degrees of freedom, P(v/2, x/2); ∂x = its density, ∂v = gammainc_da(v/2, x/2)/2",
)
chdtrc = _chi2_tail(
    "chdtrc",
    -1,
    lambda mpmath, v, x: 1 - _mp_chdtr(mpmath, v, x),
    "the χ² survival function Q(v/2, x/2); ∂x = -its density, ∂v = -gammainc_da(v/2, x/2)/2",
)
chdtri = _special(
    "chdtri",
    _scipy("chdtri"),
    (
        lambda out, v, p: -gammainc_da(0.5 * v, 0.5 * out) * exp(-_gamma_log_density(0.5 * v, 0.5 * out)),
        lambda out, v, p: -2.0 * exp(-_gamma_log_density(0.5 * v, 0.5 * out)),
    ),
    _scipy_named(
        "chdtri",
        None,
        lambda sp, out, i, v, p: (
            (-_scipy_function("gammainc_da")(v / 2, out / 2) if i == 0 else -2)
            * sp.exp(-_gamma_sympy_log_density(sp, v / 2, out / 2))
        ),
        mp=lambda mpmath, v, p: _mp_root(
            mpmath, lambda x: 1 - _mp_chdtr(mpmath, v, x) - p, scipy_special().chdtri(float(v), float(p))
        ),
    ),
    domain=("integer", "probability"),
    scale=(None, _to_either_end),
    doc="the χ² quantile of the upper tail: x with chdtrc(v, x) = p; ∂p = -1/density(x), ∂v = -∂v Q/∂x Q (the implicit function theorem: "
    "-gammainc_da(v/2, x/2)/g(v/2, x/2))",
)


def _gdtr_partials(sign):
    """gdtr(a, b, x) = P(b, a·x): ∂a = x·g(ax), ∂x = a·g(ax), g the Gamma(b, 1) density (negated for gdtrc)."""
    return (
        lambda out, a, b, x: sign * x * exp(_gamma_log_density(b, a * x)),
        lambda out, a, b, x: sign * gammainc_da(b, a * x),
        lambda out, a, b, x: sign * a * exp(_gamma_log_density(b, a * x)),
    )


def _gdtr_sympy(sign):
    def derivative(sp, out, i, a, b, x):
        if i == 1:
            return sign * _scipy_function("gammainc_da")(b, a * x)
        return sign * (x, None, a)[i] * sp.exp(_gamma_sympy_log_density(sp, b, a * x))

    return derivative


def _mp_gdtr(mpmath, a, b, x):
    return mpmath.gammainc(b, 0, a * x, regularized=True)


gdtr = _special(
    "gdtr",
    _scipy("gdtr"),
    _gdtr_partials(1.0),
    _scipy_named("gdtr", None, _gdtr_sympy(1), mp=_mp_gdtr),
    domain=("positive", "integer", "positive"),
    doc="the gamma distribution's CDF with rate a and shape b, P(b, a·x); ∂a = x·g(ax), ∂x = a·g(ax) (g: the "
    "Gamma(b) density), ∂b = gammainc_da(b, ax)",
)
gdtrc = _special(
    "gdtrc",
    _scipy("gdtrc"),
    _gdtr_partials(-1.0),
    _scipy_named("gdtrc", None, _gdtr_sympy(-1), mp=lambda mpmath, a, b, x: 1 - _mp_gdtr(mpmath, a, b, x)),
    domain=("positive", "integer", "positive"),
    doc="the gamma distribution's survival function Q(b, a·x); ∂a = -x·g(ax), ∂x = -a·g(ax), ∂b = -gammainc_da(b, ax)",
)


def _to_either_end_first(*args):
    """Op.scale in p of gdtria(p, b, x): the distance to the nearer end of (0, 1)."""
    return _to_either_end(args[0])


def _gdtr_root(mpmath, a, b, x, p, start):
    """The root of gdtr - p (in whichever of a, x is None) near SciPy's `start`, in mpmath's precision."""
    if a is None:
        return _mp_root(mpmath, lambda t: _mp_gdtr(mpmath, t, b, x) - p, start)
    return _mp_root(mpmath, lambda t: _mp_gdtr(mpmath, a, b, t) - p, start)


# gdtr's inverses in its continuous arguments: the slope of an inverse is 1/the CDF's slope at the answer, and
# gdtr depends on a and x only through a·x, so x·a stays put: ∂x/∂a = -x/a (and ∂a/∂x = -a/x)
gdtrix = _special(
    "gdtrix",
    _scipy("gdtrix"),
    (
        lambda out, a, b, p: -out / a,
        lambda out, a, b, p: -gammainc_da(b, a * out) * exp(-_gamma_log_density(b, a * out)) / a,
        lambda out, a, b, p: exp(-_gamma_log_density(b, a * out)) / a,
    ),
    _scipy_named(
        "gdtrix",
        None,
        lambda sp, out, i, a, b, p: (
            -out / a,
            -_scipy_function("gammainc_da")(b, a * out) * sp.exp(-_gamma_sympy_log_density(sp, b, a * out)) / a,
            sp.exp(-_gamma_sympy_log_density(sp, b, a * out)) / a,
        )[i],
        mp=lambda mpmath, a, b, p: _gdtr_root(
            mpmath, a, b, None, p, scipy_special().gdtrix(float(a), float(b), float(p))
        ),
    ),
    domain=("positive", "integer", "probability"),
    scale=(None, None, _to_either_end),
    doc="the gamma distribution's quantile: x with gdtr(a, b, x) = p (rate a, shape b); ∂p = 1/(a·g(ax)), "
    "∂a = -x/a (g: the Gamma(b) density), ∂b = -gammainc_da(b, ax)/(a·g(ax)) (the implicit function theorem)",
)
gdtria = _special(
    "gdtria",
    _scipy("gdtria"),
    (
        lambda out, p, b, x: exp(-_gamma_log_density(b, out * x)) / x,
        lambda out, p, b, x: -gammainc_da(b, out * x) * exp(-_gamma_log_density(b, out * x)) / x,
        lambda out, p, b, x: -out / x,
    ),
    _scipy_named(
        "gdtria",
        None,
        lambda sp, out, i, p, b, x: (
            sp.exp(-_gamma_sympy_log_density(sp, b, out * x)) / x,
            -_scipy_function("gammainc_da")(b, out * x) * sp.exp(-_gamma_sympy_log_density(sp, b, out * x)) / x,
            -out / x,
        )[i],
        mp=lambda mpmath, p, b, x: _gdtr_root(
            mpmath, None, b, x, p, scipy_special().gdtria(float(p), float(b), float(x))
        ),
    ),
    domain=("probability", "integer", "positive"),
    scale=(_to_either_end_first, None, None),
    doc="the gamma distribution's rate a with gdtr(a, b, x) = p; ∂p = 1/(x·g(ax)), ∂x = -a/x (g: the Gamma(b) "
    "density), ∂b = -gammainc_da(b, ax)/(x·g(ax)) (the implicit function theorem)",
)


def _beta_log_density(a, b, x):
    """log of the Beta(a, b) density x^(a-1)(1 - x)^(b-1)/B(a, b) (strong zeros at a = 1 or b = 1)."""
    return _xlog(a - 1.0, x) + strong_mul(b - 1.0, log1p(-x)) - betaln(a, b)


def _beta_sympy_log_density(sp, a, b, x):
    return (a - 1) * sp.log(x) + (b - 1) * sp.log(1 - x) - _scipy_function("betaln")(a, b)


def _counts_samples(rng):
    """Typical calls of the binomial CDFs: whole k in 0..2 and n above k (bdtr is NaN where k ≥ n), p in (0, 1)."""
    out = []
    for shape in ((3, 4), ()):
        k = rng.integers(0, 3, shape)
        out.append(((k, k + rng.integers(1, 4, shape), draw("probability", shape, rng)), {}))
    return out


def _counts_strategy(b, name, x, picks, c):
    """How the Hypothesis strategies call the binomial family: constant whole k < n, p = σ(x) in (0, 1) (one step:
    tests/testing/test_strategies.py's shrinking budget)."""
    k = float(c.take(3))
    return b.emit(name, k, k + 1.0 + c.take(3), b.emit("sigmoid", x))


def _whole_n(impl):
    """SciPy's binomial function `impl`(k, n, p) with a whole-valued float n passed as an integer: its float-n loop
    warns "non-integer arg n is deprecated" for n = 6.0 too (a traced graph's constants are floats)."""

    def whole(k, n, p):
        n_arr = np.asarray(n)
        if n_arr.dtype.kind == "f" and np.all(np.isfinite(n_arr)):  # (a fractional n: SciPy's own truncation, unwarned)
            n = np.trunc(n_arr).astype(np.int64)
        return impl(k, n, p)

    whole.__name__ = impl.__name__
    return whole


def _binomial(name, a_b, sign, mp, doc, inverse=False):
    """An entry of the binomial family: SciPy's `name`(k, n, p) = I_t(a, b), (a, b) = a_b(⌊k⌋, n) and t = p (sign
    1) or 1 - p (sign -1), whose slope in p is sign·Beta(a, b) density at t; an inverse's (in y) its reciprocal at
    p = out. k and n are counts SciPy truncates: refused."""

    def log_density(k, n, p):
        a, b = a_b(floor(k), n)
        return _beta_log_density(a, b, p if sign > 0 else 1.0 - p)

    def sympy_log_density(sp, k, n, p):
        a, b = a_b(sp.floor(k), n)
        return _beta_sympy_log_density(sp, a, b, p if sign > 0 else 1 - p)

    last = "y" if inverse else "p"
    if inverse:
        slope = lambda out, k, n, y: sign * exp(-log_density(k, n, out))  # noqa: E731
        derivative = lambda sp, out, i, k, n, y: sign * sp.exp(-sympy_log_density(sp, k, n, out))  # noqa: E731
    else:
        slope = lambda out, k, n, p: sign * exp(log_density(k, n, p))  # noqa: E731
        derivative = lambda sp, out, i, k, n, p: sign * sp.exp(sympy_log_density(sp, k, n, p))  # noqa: E731
    impl = _whole_n(_scipy(name))
    return _special(
        name,
        impl,
        (_refuse(name, "k", last, truncated=True), _refuse(name, "n", last, truncated=True), slope),
        _scipy_named(name, None, derivative, scipy_name=impl, mp=mp),
        domain=("integer", "integer", "probability"),
        scale=(None, None, _to_either_end),
        samples=_counts_samples,
        strategy=_counts_strategy,
        doc=doc,
    )


def _mp_bdtr(mpmath, k, n, p):
    whole = mpmath.floor(k)
    return mpmath.betainc(n - whole, whole + 1, 0, 1 - p, regularized=True)


def _mp_nbdtr(mpmath, k, n, p):
    return mpmath.betainc(n, mpmath.floor(k) + 1, 0, p, regularized=True)


bdtr = _binomial(
    "bdtr",
    lambda k, n: (n - k, k + 1.0),
    -1.0,
    _mp_bdtr,
    "the binomial CDF Σ_{j ≤ k} C(n, j) pʲ(1 - p)^(n-j) = I_{1-p}(n - ⌊k⌋, ⌊k⌋ + 1); ∂p = -(its Beta density at "
    "1 - p), not differentiable in k or n",
)
bdtrc = _binomial(
    "bdtrc",
    lambda k, n: (k + 1.0, n - k),
    1.0,
    lambda mpmath, k, n, p: 1 - _mp_bdtr(mpmath, k, n, p),
    "the binomial survival function I_p(⌊k⌋ + 1, n - ⌊k⌋); ∂p = its Beta density, not differentiable in k or n",
)
bdtri = _binomial(
    "bdtri",
    lambda k, n: (n - k, k + 1.0),
    -1.0,
    lambda mpmath, k, n, y: _mp_root(
        mpmath, lambda p: _mp_bdtr(mpmath, k, n, p) - y, scipy_special().bdtri(float(k), int(n), float(y))
    ),
    "the binomial p with bdtr(k, n, p) = y; ∂y = 1/∂p bdtr at p, not differentiable in k or n",
    inverse=True,
)
nbdtr = _binomial(
    "nbdtr",
    lambda k, n: (n, k + 1.0),
    1.0,
    _mp_nbdtr,
    "the negative binomial CDF I_p(n, ⌊k⌋ + 1) (at most k failures before the n-th success); ∂p = its Beta "
    "density, not differentiable in k or n",
)
nbdtrc = _binomial(
    "nbdtrc",
    lambda k, n: (k + 1.0, n),  # (I_{1-p}(⌊k⌋ + 1, n))
    -1.0,
    lambda mpmath, k, n, p: 1 - _mp_nbdtr(mpmath, k, n, p),
    "the negative binomial survival function I_{1-p}(⌊k⌋ + 1, n); ∂p = -its Beta density, not differentiable in k or n",
)
nbdtri = _binomial(
    "nbdtri",
    lambda k, n: (n, k + 1.0),
    1.0,
    lambda mpmath, k, n, y: _mp_root(
        mpmath, lambda p: _mp_nbdtr(mpmath, k, n, p) - y, scipy_special().nbdtri(float(k), int(n), float(y))
    ),
    "the negative binomial p with nbdtr(k, n, p) = y; ∂y = 1/∂p nbdtr at p, not differentiable in k or n",
    inverse=True,
)


def _f_log_density(d1, d2, x):
    """log of the F(d1, d2) density: (d1/2)log(d1 x/(d1 x + d2)) + (d2/2)log(d2/(d1 x + d2)) - log x - B(d1/2, d2/2)
    (its two fractions in (0, 1): no power of d1 or x to overflow)."""
    s = d1 * x + d2
    return 0.5 * d1 * log(d1 * x / s) + 0.5 * d2 * log(d2 / s) - log(x) - betaln(0.5 * d1, 0.5 * d2)


def _f_sympy_log_density(sp, d1, d2, x):
    s = d1 * x + d2
    return d1 / 2 * sp.log(d1 * x / s) + d2 / 2 * sp.log(d2 / s) - sp.log(x) - _scipy_function("betaln")(d1 / 2, d2 / 2)


def _mp_fdtr(mpmath, d1, d2, x):
    return mpmath.betainc(d1 / 2, d2 / 2, 0, d1 * x / (d1 * x + d2), regularized=True)


def _fdtr_shape(k, d1, d2, x, fns):
    """∂dfn (k = 0) or ∂dfd (k = 1) of fdtr = I_u(d1/2, d2/2), u = d1·x/(d1·x + d2): ½∂I + g(d1/2, d2/2, u)·∂u where
    u < ½, else of 1 - I_v(d2/2, d1/2), v = d2/(d1·x + d2) (not 1 - u: its rounding near u = 1), g the beta density;
    0 at x = 0 (F = 0 for every d). `fns` as `_stdtr_df`'s, each form at held arguments where it is not used."""
    pick, less_, is_zero, da, db, dens = fns
    x_h = pick(is_zero(x), 1.0, x)
    d = d1 * x_h + d2
    low = less_(d2, d1 * x_h)  # u > ½: by v
    u, v = pick(low, 0.25, d1 * x_h / d), pick(low, d2 / d, 0.25)
    du = (x_h * d2 if k == 0 else -d1 * x_h) / (d * d)  # ∂u; ∂v = -∂u
    p1, p2 = pick(low, 1.0, d1), pick(low, 1.0, d2)
    q1, q2 = pick(low, d1, 1.0), pick(low, d2, 1.0)
    by_u = 0.5 * (da if k == 0 else db)(0.5 * p1, 0.5 * p2, u) + dens(0.5 * p1, 0.5 * p2, u) * du
    by_v = -(0.5 * (db if k == 0 else da)(0.5 * q2, 0.5 * q1, v) - dens(0.5 * q2, 0.5 * q1, v) * du)
    return pick(is_zero(x), 0.0, pick(low, by_v, by_u))


def _fisher_partials(sign, inverse):
    """The (dfn, dfd) rules of fdtr/fdtrc (sign ±1) or of fdtri (the implicit function theorem: -∂F/density)."""
    if inverse:
        return tuple(
            (
                lambda out, d1, d2, y, k=k: (
                    -_fdtr_shape(k, d1, d2, out, _stdtr_df_ops()) * exp(-_f_log_density(d1, d2, out))
                )
            )
            for k in range(2)
        )
    return tuple((lambda out, d1, d2, x, k=k: sign * _fdtr_shape(k, d1, d2, x, _stdtr_df_ops())) for k in range(2))


def _fisher(name, sign, mp, doc, inverse=False):
    if inverse:
        slope = lambda out, d1, d2, y: sign * exp(-_f_log_density(d1, d2, out))  # noqa: E731

        def derivative(sp, out, i, d1, d2, y):
            if i < 2:
                return -_fdtr_shape(i, d1, d2, out, _stdtr_df_sympy(sp)) * sp.exp(
                    -_f_sympy_log_density(sp, d1, d2, out)
                )
            return sign * sp.exp(-_f_sympy_log_density(sp, d1, d2, out))
    else:
        slope = lambda out, d1, d2, x: sign * exp(_f_log_density(d1, d2, x))  # noqa: E731

        def derivative(sp, out, i, d1, d2, x):
            if i < 2:
                return sign * _fdtr_shape(i, d1, d2, x, _stdtr_df_sympy(sp))
            return sign * sp.exp(_f_sympy_log_density(sp, d1, d2, x))

    return _special(
        name,
        _scipy(name),
        (*_fisher_partials(sign, inverse), slope),
        _scipy_named(name, None, derivative, mp=mp),
        domain=("integer", "integer", "probability" if inverse else "positive"),
        scale=(None, None, _to_either_end) if inverse else (),
        doc=doc,
    )


fdtr = _fisher(
    "fdtr",
    1.0,
    _mp_fdtr,
    "the F distribution's CDF, I_{d1 x/(d1 x + d2)}(d1/2, d2/2); ∂x = its density, ∂dfn and ∂dfd by betainc_da/db (`_fdtr_shape`)",
)
fdtrc = _fisher(
    "fdtrc",
    -1.0,
    lambda mpmath, d1, d2, x: 1 - _mp_fdtr(mpmath, d1, d2, x),
    "the F distribution's survival function; ∂x = -its density, ∂dfn and ∂dfd fdtr's negated",
)
fdtri = _fisher(
    "fdtri",
    1.0,
    lambda mpmath, d1, d2, y: _mp_root(
        mpmath, lambda x: _mp_fdtr(mpmath, d1, d2, x) - y, scipy_special().fdtri(float(d1), float(d2), float(y))
    ),
    "the F distribution's quantile: x with fdtr(dfn, dfd, x) = y; ∂y = 1/density(x), ∂dfn and ∂dfd -fdtr's/density(x)",
    inverse=True,
)


# -- the inverses that solve for a shape parameter (issue 11) -------------------------------------------------------
# v = inv(..., p, ...) with F(v, ...) = p: by the implicit function theorem ∂v/∂p = 1/F_v and ∂v/∂y = -F_y/F_v, F_v
# the CDF's shape partial (gammainc_da, betainc_da/db, `_stdtr_df`): each rule an expression in registry ops at
# v = out, so its own derivative (the second order, in every method) follows from theirs


def _shape_fns():
    """The CDFs' partials as difflab's expressions: gamma's and beta's shape partials and densities, Student's."""
    return types.SimpleNamespace(
        gda=lambda a, x: gammainc_da(a, x),
        gdens=lambda a, x: exp(_gamma_log_density(a, x)),
        bda=lambda a, b, x: betainc_da(a, b, x),
        bdb=lambda a, b, x: betainc_db(a, b, x),
        bdens=_beta_density,
        tdf=lambda nu, t: _stdtr_df(nu, t, _stdtr_df_ops()),
        tdens=lambda nu, t: exp(_student_log_density(nu, t)),
        fdf=lambda k, d1, d2, x: _fdtr_shape(k, d1, d2, x, _stdtr_df_ops()),
        fdens=lambda d1, d2, x: exp(_f_log_density(d1, d2, x)),
        ncx2df=lambda x, df, nc: chndtr_ddf(x, df, nc),
        ncx2dens=lambda x, df, nc: chndtr_pdf(x, df, nc),
        ncfdf=lambda k, dfn, dfd, nc, x: (ncfdtr_ddfn, ncfdtr_ddfd)[k](dfn, dfd, nc, x),
        ncf=_ncf_slope,
        nctdf=lambda df, nc, t: nctdtr_ddf(df, nc, t),
        nct=_nct,
        outside=lambda v, lo, hi: where(less_equal(v, lo), True, greater_equal(v, hi)),
        pick=where,
    )


def _shape_fns_sympy(sp):
    """`_shape_fns`' SymPy counterparts (the named shape partials: their values SciPy's, mpmath's in `exact`)."""
    return types.SimpleNamespace(
        gda=_scipy_function("gammainc_da"),
        gdens=lambda a, x: sp.exp(_gamma_sympy_log_density(sp, a, x)),
        bda=_scipy_function("betainc_da"),
        bdb=_scipy_function("betainc_db"),
        bdens=lambda a, b, x: _betainc_density(sp, None, 2, a, b, x),
        tdf=lambda nu, t: _stdtr_df(nu, t, _stdtr_df_sympy(sp)),
        tdens=lambda nu, t: _stdtr_sympy_density(sp, None, 1, nu, t),
        fdf=lambda k, d1, d2, x: _fdtr_shape(k, d1, d2, x, _stdtr_df_sympy(sp)),
        fdens=lambda d1, d2, x: sp.exp(_f_sympy_log_density(sp, d1, d2, x)),
        ncx2df=_scipy_function("chndtr_ddf"),
        ncx2dens=_scipy_function("chndtr_pdf"),
        ncfdf=lambda k, *args: _scipy_function(("ncfdtr_ddfn", "ncfdtr_ddfd")[k])(*args),
        ncf=lambda *args: _ncf_sympy_slope(sp, *args),
        nctdf=_scipy_function("nctdtr_ddf"),
        nct=lambda *args: _nct_sympy(sp, *args),
        outside=lambda v, lo, hi: sp.Or(v <= lo, v >= hi),
        pick=lambda c, a, b: sp.Piecewise((a, c), (b, True)),
    )


def _shape_fns_numpy():
    """`_shape_fns`' values on NumPy arrays (the shape partials by difflab.ops.incomplete): the Newton step's slope."""
    from .incomplete import beta_shape, gamma_shape

    sc = scipy_special()

    def bdens(a, b, x):
        return np.exp(sc.xlogy(a - 1, x) + sc.xlog1py(b - 1, -x) - sc.betaln(a, b))

    # (beta_shape's five derivatives: ∂a and ∂b of one call, which it keeps for the next)
    fns = (np.where, np.less, lambda x: x == 0, lambda *a: beta_shape(*a)[0], lambda *a: beta_shape(*a)[1], bdens)
    return types.SimpleNamespace(
        gda=lambda a, x: gamma_shape(a, x)[0],
        gdens=lambda a, x: np.exp(sc.xlogy(a - 1, x) - x - sc.gammaln(a)),
        bda=fns[3],
        bdb=fns[4],
        bdens=bdens,
        tdf=lambda nu, t: _stdtr_df(nu, t, fns),
        tdens=lambda nu, t: np.exp(-0.5 * np.log(nu) - sc.betaln(nu / 2, 0.5) - (nu + 1) / 2 * np.log1p(t * t / nu)),
        fdf=lambda k, d1, d2, x: _fdtr_shape(k, d1, d2, x, fns),
        fdens=lambda d1, d2, x: np.exp(
            d1 / 2 * np.log(d1 * x / (d1 * x + d2))
            + d2 / 2 * np.log(d2 / (d1 * x + d2))
            - np.log(x)
            - sc.betaln(d1 / 2, d2 / 2)
        ),
        outside=lambda v, lo, hi: (v <= lo) | (v >= hi),
        pick=np.where,
    )


def _newton_polished(name, p_at, cdf_partials, cdf, bounds):
    """SciPy's `name` and one Newton step on F(v) = p, F `cdf(scipy.special, v, *args)`: SciPy's search (cdflib's)
    stops up to 2.5e-11 (relative) from the root (stdtridf's 2e-11 at p = 0.69, t = 1; bdtrik/n's, nbdtrik/n's and
    fdtridfd's over 25 random points each), the step leaves ≤ 1e-14 against mpmath's root at 30 digits. Its search's ends (`bounds`: no v solves it) and a
    step that is not finite keep SciPy's value."""
    scipy_fn = _scipy(name)

    def impl(*args):
        sc = scipy_special()
        v = scipy_fn(*args)
        *xs, vv = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args), np.asarray(v, dtype=float))
        inside = np.isfinite(vv) & (vv > bounds[0]) & (vv < bounds[1]) if bounds else np.isfinite(vv)
        if not np.any(inside):
            return v
        at = [x[inside] for x in xs]
        with np.errstate(all="ignore"):
            step = (cdf(sc, vv[inside], *at) - at[p_at]) / cdf_partials(_shape_fns_numpy(), vv[inside], *at)[0]
        out = np.array(vv, dtype=float)
        out[inside] = np.where(np.isfinite(step), vv[inside] - step, vv[inside])
        out = out.astype(np.result_type(v), copy=False)  # (SciPy's dtype: float32 arguments, its 'ff->f' loop)
        return out[()] if out.ndim == 0 else out

    impl.__name__ = name
    return impl


def _to_either_end_at(k):
    """Op.scale in the probability argument k: its distance to the nearer end of (0, 1)."""
    return lambda *args: _to_either_end(args[k])


def _shape_inverse(
    name, p_at, cdf_partials, cdf, mp_cdf, domain, doc, bounds=None, polish=False, at_scipys=False, **kw
):
    """The entry of SciPy's `name`, the shape v with F(v, *others) = p (p its argument `p_at`): `cdf_partials(f, v,
    *args)` gives (F_v, F's partial in each argument, None at p) from `f` (`_shape_fns` or its SymPy counterpart);
    `cdf(scipy.special, v, *args)` F on NumPy values (`polish`: the value SciPy's after a Newton step, where SciPy's
    search stops short of the root, `_newton_polished`; elsewhere the step would only add F's rounding: chdtriv's
    4e-16 of mpmath's root became 5e-14);
    `mp_cdf(mpmath, v, *args)` F in mpmath's precision (the high-precision value: its root near SciPy's). `bounds` (lo, hi): SciPy's
    answer where no v solves F = p (pdtrik's 0 for p < e^-m: k + 1 < 1 is no count; stdtridf's 1e10 above Φ(t)): its
    function is constant there, so every derivative is 0 (the rule at a held v = 1, where it is finite), and the
    high-precision value is SciPy's. `at_scipys`: the high-precision value is SciPy's everywhere (its search stops
    far from the root, 1e-7 for nctdtridf: the rules are the implicit derivatives at the v SciPy answers, what it
    computes, and their 40-digit values mpmath's implicit derivatives there; `mp_cdf` unused)."""

    def rule(i, f, out, args):
        if bounds is not None:
            clamped = f.outside(out, *bounds)
            out = f.pick(clamped, 1.0, out)
        fv, partials = cdf_partials(f, out, *args)
        # (a partial may be a thunk: one refused at the next order stays out of the other arguments' rules' graphs,
        # where forward mode would differentiate it though unused)
        slope = 1.0 / fv if i == p_at else -(partials[i]() if callable(partials[i]) else partials[i]) / fv
        return slope if bounds is None else f.pick(clamped, 0.0, slope)

    impl = _newton_polished(name, p_at, cdf_partials, cdf, bounds) if polish else _scipy(name)

    def mp(mpmath, *args):
        start = float(impl(*(float(a) for a in args)))
        if at_scipys or not math.isfinite(start) or (bounds is not None and not bounds[0] < start < bounds[1]):
            return mpmath.mpf(start)
        return _mp_root(mpmath, lambda v: mp_cdf(mpmath, v, *args) - args[p_at], start)

    def samples(rng):  # (the arguments' own domains: `domain` below holds them all)
        return [(tuple(draw(d, shape, rng) for d in domain), {}) for shape in ((3,), ())]

    scale = tuple(_to_either_end_at(p_at) if i == p_at else None for i in range(len(domain)))
    return _special(
        name,
        impl,
        tuple((lambda out, *args, i=i: rule(i, _shape_fns(), out, args)) for i in range(len(domain))),
        _scipy_named(
            name, None, lambda sp, out, i, *args: rule(i, _shape_fns_sympy(sp), out, args), scipy_name=impl, mp=mp
        ),
        # every derivative runs through the shape partials, whose third order is refused (as gammainc's a): random
        # graphs, whose numeric check may ask a third derivative for its truncation bound, hold every argument
        domain=("integer",) * len(domain),
        samples=kw.pop("samples", samples),
        scale=scale,
        doc=doc,
        **kw,
    )


gdtrib = _shape_inverse(
    "gdtrib",
    1,
    lambda f, b, a, p, x: (f.gda(b, a * x), (x * f.gdens(b, a * x), None, a * f.gdens(b, a * x))),
    lambda sc, b, a, p, x: sc.gdtr(a, b, x),
    lambda mpmath, b, a, p, x: _mp_gdtr(mpmath, a, b, x),
    ("positive", "probability", "positive"),
    "the gamma distribution's shape b with gdtr(a, b, x) = p (rate a); ∂p = 1/gammainc_da(b, ax), ∂a = "
    "-x·g(ax)/gammainc_da(b, ax), ∂x = -a·g(ax)/gammainc_da(b, ax) (g: the Gamma(b) density; the implicit function "
    "theorem)",
)
chdtriv = _shape_inverse(
    "chdtriv",
    0,
    lambda f, v, p, x: (0.5 * f.gda(0.5 * v, 0.5 * x), (None, 0.5 * f.gdens(0.5 * v, 0.5 * x))),
    lambda sc, v, p, x: sc.chdtr(v, x),
    lambda mpmath, v, p, x: _mp_chdtr(mpmath, v, x),
    ("probability", "positive"),
    "the χ² degrees of freedom v with chdtr(v, x) = p; ∂p = 2/gammainc_da(v/2, x/2), ∂x = -g(v/2, x/2)/"
    "gammainc_da(v/2, x/2) (g: the Gamma(v/2) density; the implicit function theorem)",
)
btdtria = _shape_inverse(
    "btdtria",
    0,
    lambda f, a, p, b, x: (f.bda(a, b, x), (None, f.bdb(a, b, x), f.bdens(a, b, x))),
    lambda sc, a, p, b, x: sc.betainc(a, b, x),
    lambda mpmath, a, p, b, x: mpmath.betainc(a, b, 0, x, regularized=True),
    ("probability", "positive", "probability"),
    "the beta distribution's a with betainc(a, b, x) = p; ∂p = 1/betainc_da, ∂b = -betainc_db/betainc_da, ∂x = "
    "-density/betainc_da (the implicit function theorem)",
)
btdtrib = _shape_inverse(
    "btdtrib",
    1,
    lambda f, b, a, p, x: (f.bdb(a, b, x), (f.bda(a, b, x), None, f.bdens(a, b, x))),
    lambda sc, b, a, p, x: sc.betainc(a, b, x),
    lambda mpmath, b, a, p, x: mpmath.betainc(a, b, 0, x, regularized=True),
    ("positive", "probability", "probability"),
    "the beta distribution's b with betainc(a, b, x) = p; ∂p = 1/betainc_db, ∂a = -betainc_da/betainc_db, ∂x = "
    "-density/betainc_db (the implicit function theorem)",
)
pdtrik = _shape_inverse(
    "pdtrik",
    0,
    lambda f, k, p, m: (-f.gda(k + 1.0, m), (None, -f.gdens(k + 1.0, m))),
    lambda sc, k, p, m: sc.gammaincc(k + 1, m),
    lambda mpmath, k, p, m: mpmath.gammainc(k + 1, m, mpmath.inf, regularized=True),
    ("probability", "positive"),
    "the Poisson count k with Q(k + 1, m) = p (pdtr's continuous form: SciPy solves for a fractional k ≥ 0, 0 where "
    "p ≤ e^-m, a constant there); ∂p = -1/gammainc_da(k + 1, m), ∂m = -g(k + 1, m)/gammainc_da(k + 1, m) (g: the "
    "Gamma(k + 1) density)",
    bounds=(0.0, math.inf),
)


def _student_df_samples(rng):
    """stdtridf's calls: p between ½ and Φ(t) (t > 0), where a df solves stdtr(df, t) = p (elsewhere SciPy answers
    its search's ends, 5e-51, 1e10, or -1e100)."""
    sc = scipy_special()
    out = []
    for shape in ((3, 4), ()):
        t = rng.uniform(0.3, 2.0, shape)
        out.append(((0.5 + (sc.ndtr(t) - 0.5) * rng.uniform(0.1, 0.9, shape), t), {}))
    return out


stdtridf = _shape_inverse(
    "stdtridf",
    0,
    lambda f, nu, p, t: (f.tdf(nu, t), (None, f.tdens(nu, t))),
    lambda sc, nu, p, t: sc.stdtr(nu, t),
    lambda mpmath, nu, p, t: _stdtr_mp(mpmath, nu, t),
    ("probability", "real"),
    "Student's t degrees of freedom ν with stdtr(ν, t) = p (p between ½ and Φ(t); elsewhere SciPy answers its "
    "search's ends, constants: derivative 0); ∂p = 1/∂ν stdtr, ∂t = -density(t)/∂ν stdtr (`_stdtr_df`; the "
    "implicit function theorem)",
    bounds=(5e-51, 1e10),
    polish=True,
    samples=_student_df_samples,
)


def _binomial_partials(f, k, n, p):
    """(∂k, ∂n, ∂p) of bdtr's continuous form I_{1-p}(n - k, k + 1) (SciPy's bdtrik and bdtrin solve it)."""
    a, b, q = n - k, k + 1.0, 1.0 - p
    da = f.bda(a, b, q)
    return f.bdb(a, b, q) - da, da, -f.bdens(a, b, q)


def _bdtrik_partials(f, k, y, n, p):
    dk, dn, dp = _binomial_partials(f, k, n, p)  # (once: each call is two shape partials, equations when traced)
    return dk, (None, dn, dp)


def _bdtrin_partials(f, n, k, y, p):
    dk, dn, dp = _binomial_partials(f, k, n, p)
    return dn, (dk, None, dp)


bdtrik = _shape_inverse(
    "bdtrik",
    0,
    _bdtrik_partials,
    lambda sc, k, y, n, p: sc.betainc(n - k, k + 1, 1 - p),
    lambda mpmath, k, y, n, p: mpmath.betainc(n - k, k + 1, 0, 1 - p, regularized=True),
    ("probability", "positive", "probability"),
    "the binomial k with I_{1-p}(n - k, k + 1) = y (bdtr's continuous form; 0 where y ≤ (1 - p)^n, a constant "
    "there); ∂ by the implicit function theorem from betainc_da/db (∂k I = ∂b I - ∂a I)",
    bounds=(0.0, math.inf),
    polish=True,
)
bdtrin = _shape_inverse(
    "bdtrin",
    1,
    _bdtrin_partials,
    lambda sc, n, k, y, p: sc.betainc(n - k, k + 1, 1 - p),
    lambda mpmath, n, k, y, p: mpmath.betainc(n - k, k + 1, 0, 1 - p, regularized=True),
    ("positive", "probability", "probability"),
    "the binomial n with I_{1-p}(n - k, k + 1) = y (bdtr's continuous form); ∂ by the implicit function theorem "
    "from betainc_da/db",
    polish=True,
)
nbdtrik = _shape_inverse(
    "nbdtrik",
    0,
    lambda f, k, y, n, p: (f.bdb(n, k + 1.0, p), (None, f.bda(n, k + 1.0, p), f.bdens(n, k + 1.0, p))),
    lambda sc, k, y, n, p: sc.betainc(n, k + 1, p),
    lambda mpmath, k, y, n, p: mpmath.betainc(n, k + 1, 0, p, regularized=True),
    ("probability", "positive", "probability"),
    "the negative binomial k with I_p(n, k + 1) = y (nbdtr's continuous form; 0 where y ≤ pⁿ, a constant there); "
    "∂y = 1/betainc_db, ∂n = -betainc_da/betainc_db, ∂p = -density/betainc_db",
    bounds=(0.0, math.inf),
    polish=True,
)
nbdtrin = _shape_inverse(
    "nbdtrin",
    1,
    lambda f, n, k, y, p: (f.bda(n, k + 1.0, p), (f.bdb(n, k + 1.0, p), None, f.bdens(n, k + 1.0, p))),
    lambda sc, n, k, y, p: sc.betainc(n, k + 1, p),
    lambda mpmath, n, k, y, p: mpmath.betainc(n, k + 1, 0, p, regularized=True),
    ("positive", "probability", "probability"),
    "the negative binomial n with I_p(n, k + 1) = y (nbdtr's continuous form); ∂y = 1/betainc_da, ∂k = "
    "-betainc_db/betainc_da, ∂p = -density/betainc_da",
    polish=True,
)
fdtridfd = _shape_inverse(
    "fdtridfd",
    1,
    lambda f, d2, d1, p, x: (f.fdf(1, d1, d2, x), (f.fdf(0, d1, d2, x), None, f.fdens(d1, d2, x))),
    lambda sc, d2, d1, p, x: sc.fdtr(d1, d2, x),
    lambda mpmath, d2, d1, p, x: _mp_fdtr(mpmath, d1, d2, x),
    ("positive", "probability", "positive"),
    "the F distribution's dfd with fdtr(dfn, dfd, x) = p (p below P(dfn/2, dfn·x/2), its limit at dfd = ∞; SciPy's "
    "1e100 above it, a constant there); ∂ by the implicit function theorem from fdtr's dfn/dfd partials (`_fdtr_shape`)",
    bounds=(0.0, 1e100),
    polish=True,
)


def _tklmbda_slope(out, x, lam):
    """Tukey's λ density 1/Q′(p) = 1/(p^(λ-1) + (1 - p)^(λ-1)) at p = F(x) (its quantile Q(p) = (p^λ - (1 - p)^λ)/λ,
    log(p/(1 - p)) at λ = 0: the same Q′), 1 - p as F(-x) (the distribution is symmetric: no digit of a p near 1
    lost); 0 outside the support |x| ≤ 1/λ of a λ > 0 (p 0 or 1), each power at a held p = 1/2 there."""
    q = tklmbda(-x, lam)
    inside = where(greater(out, 0.0), less(out, 1.0), False)
    p_h, q_h = where(inside, out, 0.5), where(inside, q, 0.5)
    # one Newton step on Q(p) = x: SciPy's p is 7e-15 off at (0.7, λ = 0.5), its density's error as large
    zero = equal(lam, 0.0)
    lam_h = where(zero, 1.0, lam)
    quantile = where(zero, log(p_h) - log(q_h), (p_h**lam_h - q_h**lam_h) / lam_h)
    step = (quantile - where(inside, x, quantile)) / (p_h ** (lam - 1.0) + q_h ** (lam - 1.0))
    p_n, q_n = p_h - step, q_h + step
    return where(inside, 1.0 / (p_n ** (lam - 1.0) + q_n ** (lam - 1.0)), 0.0)


def _tklmbda_kink(x, lam):
    """Distance of x to the ends ±1/λ of the support of a λ > 0, where the density jumps to 0 (from 1 at λ = 2, whose
    support is [-1/2, 1/2]): none (inf) at λ ≤ 0, whose support is every x."""
    x, lam = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(lam, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(lam > 0, np.abs(np.abs(x) - 1.0 / np.where(lam > 0, lam, 1.0)), np.inf)


def _mp_tklmbda(mpmath, x, lam):
    """F(x) in mpmath's precision: the root p of Q(p) = x from SciPy's value (its support's ends: 0 and 1)."""
    start = float(scipy_special().tklmbda(float(x), float(lam)))
    if start in (0.0, 1.0):
        return mpmath.mpf(start)
    if lam == 0:
        return 1 / (1 + mpmath.exp(-x))
    return mpmath.findroot(lambda p: (p**lam - (1 - p) ** lam) / lam - x, mpmath.mpf(start))


tklmbda = _special(
    "tklmbda",
    _scipy("tklmbda"),
    (
        _tklmbda_slope,
        _refuse(
            "tklmbda",
            "lmbda",
            why="SciPy has no derivative of Tukey's λ CDF in λ, and difflab no exact one; hold lmbda constant, or "
            "differentiate by method='numeric', which differences SciPy's values",
        ),
    ),
    _scipy_named(
        "tklmbda",
        None,
        lambda sp, out, i, x, lam: sp.Piecewise(
            (1 / (out ** (lam - 1) + _scipy_function("tklmbda")(-x, lam) ** (lam - 1)), (out > 0) & (out < 1)),
            (0, True),
        ),
        mp=_mp_tklmbda,
    ),
    domain=("real", "integer"),
    kink=_tklmbda_kink,
    doc="Tukey's λ distribution's CDF F(x) (x = Q(p) = (p^λ - (1 - p)^λ)/λ); ∂x = its density 1/(F^(λ-1) + "
    "F(-x)^(λ-1)), not differentiable in λ",
)

# -- Kolmogorov's distribution, the arithmetic-geometric mean (issue 11, special45b) -------------------------------

_KS_SWITCH = 1.0  # x below it kolmogorov's slope by Jacobi's theta form (its terms e^(-(2k-1)²π²/8x²)), above by
_KS_TERMS = 8  # the alternating series (terms e^(-2k²x²)): 8 terms of either are below e^-72 of the first there
_KS_ZERO = 0.04  # x below it the slope is 0 in doubles (e^(-π²/8x²) < e^-771)


def _kolmogorov_slope(x):
    """d/dx of kolmogorov(x) = 2Σ(-1)^(k-1) e^(-2k²x²) = 1 - √(2π)/x Σ e^(-cₖ/x²), cₖ = (2k-1)²π²/8: below x = 1 the
    theta form's -√(2π)/x² Σ e^(-cₖ/x²)(2cₖ/x² - 1) (the alternating series needs ~1/x terms there), above it
    -8x Σ(-1)^(k-1) k² e^(-2k²x²); 0 below x = 0.04 (SciPy's kolmogorov is 1 for x ≤ 0). Each form at held
    arguments where it is not used (a difflab value)."""
    zero = less(x, _KS_ZERO)
    small = where(zero, False, less(x, _KS_SWITCH))
    x_s = where(small, x, 0.5)
    r = 1.0 / (x_s * x_s)
    theta = 0.0 * r
    for k in range(1, _KS_TERMS + 1):
        c = (2 * k - 1) ** 2 * math.pi**2 / 8.0
        theta = theta + exp(-c * r) * (2.0 * c * r - 1.0)
    theta = -_SQRT_2PI * r * theta
    x_l = where(where(zero, True, small), 2.0, x)
    alternating = 0.0 * x_l
    for k in range(1, _KS_TERMS + 1):
        alternating = alternating + (-1) ** (k - 1) * k * k * exp(-2.0 * k * k * x_l * x_l)
    return where(zero, 0.0, where(small, theta, -8.0 * x_l * alternating))


def _kolmogorov_sympy_slope(sp, x):
    theta = sum(sp.exp(-c / x**2) * (2 * c / x**2 - 1) for c in ((2 * k - 1) ** 2 * sp.pi**2 / 8 for k in range(1, 9)))
    alternating = sum((-1) ** (k - 1) * k**2 * sp.exp(-2 * k**2 * x**2) for k in range(1, 9))
    return sp.Piecewise(
        (0, x < _KS_ZERO),
        (-sp.sqrt(2 * sp.pi) / x**2 * theta, x < _KS_SWITCH),
        (-8 * x * alternating, True),
    )


def _mp_kolmogorov(mpmath, x):
    if x <= 0:
        return mpmath.mpf(1)
    if x < 1:
        c = mpmath.pi**2 / (8 * x * x)
        return 1 - mpmath.sqrt(2 * mpmath.pi) / x * mpmath.nsum(
            lambda k: mpmath.exp(-((2 * k - 1) ** 2) * c), [1, mpmath.inf]
        )
    return 2 * mpmath.nsum(lambda k: (-1) ** (k - 1) * mpmath.exp(-2 * k * k * x * x), [1, mpmath.inf])


kolmogorov = _special(
    "kolmogorov",
    _scipy("kolmogorov"),
    (lambda out, x: _kolmogorov_slope(x),),
    _scipy_named("kolmogorov", None, lambda sp, out, i, x: _kolmogorov_sympy_slope(sp, x), mp=_mp_kolmogorov),
    domain=("positive",),
    doc="Kolmogorov's limiting distribution's survival function 2Σ(-1)^(k-1) e^(-2k²x²) (1 for x ≤ 0); its "
    "slope by that series from x = 1, by Jacobi's theta form below",
)
kolmogi = _special(
    "kolmogi",
    _scipy("kolmogi"),
    (lambda out, p: 1.0 / _kolmogorov_slope(out),),
    _scipy_named(
        "kolmogi",
        None,
        lambda sp, out, i, p: 1 / _kolmogorov_sympy_slope(sp, out),
        mp=lambda mpmath, p: mpmath.findroot(
            lambda x: _mp_kolmogorov(mpmath, x) - p, mpmath.mpf(float(scipy_special().kolmogi(float(p))))
        ),
    ),
    domain=("probability",),
    doc="the inverse of kolmogorov: x with kolmogorov(x) = p; d = 1/kolmogorov′(x)",
)


def _agm_partial(out, a, b):
    """∂M(a, b)/∂a, M = π(a + b)/(4K(m)), 1 - m = p = 4ab/(a + b)²: M/s - (M/K)·K_p·4b(b - a)/s³ with K = ellipkm1(p)
    and K_p its slope (s = a + b; K(m) as ellipkm1 of p keeps p's digits where a ≫ b; 1/2 at a = b, where p = 1).
    M(a, 0) = 0 for every a, so ∂a is 0 on b = 0, a strong zero (`_agm_rule`); on a = 0 it is +inf (M(ε, b) ≈
    πb/(2·log(4b/ε))): the formula's 0·∞ was NaN at both (the reduce's fold from 0, agm(agm(0, x0), x1))."""
    on_a, on_b = equal(a, 0.0), equal(b, 0.0)
    edge = where(on_a, True, on_b)
    a, b, out = where(edge, 1.0, a), where(edge, 1.0, b), where(edge, 1.0, out)  # (the formula at a held point there)
    s = a + b
    p = 4.0 * (a / s) * (b / s)
    big_k = ellipkm1(p)
    inner = out / s - (out / big_k) * _ellipkm1_slope(big_k, p) * (4.0 * (b / s) * ((b - a) / s) / s)
    # (+inf as 1/0: the rules' errstate raises there, and the DomainWarning naming the equation is said where the
    # result keeps it, as for sqrt's at 0)
    return where(on_b, 0.0, where(on_a, 1.0 / where(on_a, 0.0, 1.0), inner))


def _agm_rule(k):
    """agm's partial in argument k, strong: a zero tangent on its infinite edge (a = 0) gives 0, and an infinite
    cotangent meeting its zero edge (b = 0: an outer agm(0, ·)'s slope times agm(0, x)'s in x) gives 0, the slope of
    the fold agm(agm(0, x0), x1) = 0 in x0."""
    if k == 0:
        return strong_zero(_agm_partial, lambda out, a, b: where(equal(b, 0.0), False, equal(a, 0.0)))
    return strong_zero(
        lambda out, a, b: _agm_partial(out, b, a), lambda out, a, b: where(equal(a, 0.0), False, equal(b, 0.0))
    )


def _agm_sympy_partial(sp, out, i, a, b):
    if i == 1:
        a, b = b, a
    s = a + b
    p = 4 * a * b / s**2
    big_k = _scipy_function("ellipkm1")(p)
    inner = out / s - out / big_k * _ellipkm1_sympy_slope(sp, big_k, 0, p) * 4 * b * (b - a) / s**3
    return sp.Piecewise((sp.Integer(0), sp.Eq(b, 0)), (1 / (a * a), sp.Eq(a, 0)), (inner, True))  # (+inf said: 1/0)


agm = _special(
    "agm",
    _scipy("agm"),
    (_agm_rule(0), _agm_rule(1)),
    _scipy_named("agm", None, _agm_sympy_partial, mp=lambda mpmath, a, b: mpmath.agm(a, b)),
    domain=("positive", "positive"),
    doc="the arithmetic-geometric mean M(a, b) = π(a + b)/(4K(((a - b)/(a + b))²)); ∂a = M/s - (M/K)·K_p·"
    "4b(b - a)/s³ (s = a + b, K = ellipkm1(4ab/s²), K_p its slope): (1/2, 1/2) at a = b",
)


# -- the Voigt profile (issue 11, special45b) --------------------------------------------------------


def _w_prime(x, y, u, v):
    """(Re, Im) of w′(z) = -2z·w(z) + 2i/√π at z = x + iy, w = u + iv (difflab or SymPy values)."""
    return -2.0 * (x * u - y * v), -2.0 * (x * v + y * u) + 2.0 / _SQRT_PI


def _wofz_part(k):
    """Re (k = 0) or Im (k = 1) of the Faddeeva function w(x + iy) as a real function of (x, y): the Voigt profile's
    rules read them (wofz itself is complex-valued); partials by Cauchy-Riemann from w′."""
    name = ("wofz_re", "wofz_im")[k]

    def impl(x, y):
        w = scipy_special().wofz(np.asarray(x) + 1j * np.asarray(y))
        return (np.real, np.imag)[k](w)

    impl.__name__ = name

    def partials(out, x, y):
        re, im = _w_prime(x, y, wofz_re(x, y), wofz_im(x, y))
        return (re, -im) if k == 0 else (im, re)

    def sympy_partial(sp, out, i, x, y):
        u, v = _scipy_function("wofz_re")(x, y), _scipy_function("wofz_im")(x, y)
        re, im = -2 * (x * u - y * v), -2 * (x * v + y * u) + 2 / sp.sqrt(sp.pi)
        return ((re, -im), (im, re))[k][i]

    def mp(mpmath, x, y):
        z = mpmath.mpc(x, y)
        return getattr(mpmath.exp(-z * z) * mpmath.erfc(-1j * z), ("real", "imag")[k])

    return _special(
        name,
        impl,
        (lambda out, x, y: partials(out, x, y)[0], lambda out, x, y: partials(out, x, y)[1]),
        _scipy_named(name, None, sympy_partial, scipy_name=impl, mp=mp),
        domain=("real", "real"),
        names=(f"_{name}",),
        internal=True,
        result_dtype=lambda: _F64,
        doc=f"{('Re', 'Im')[k]} w(x + iy), the Faddeeva function's {('real', 'imaginary')[k]} part (the Voigt "
        "profile's); partials by Cauchy-Riemann from w′ = -2z·w + 2i/√π",
    )


wofz_re = _wofz_part(0)
wofz_im = _wofz_part(1)


_VOIGT_FAR, _VOIGT_ABOVE, _VOIGT_TERMS = 7.0, 2.0, 60  # |z| ≥ 7 or Im z ≥ 2: 60 terms of the continued fraction
# reach 1.3e-15 relative (a grid against mpmath; nearer the real axis at smaller |z| it converges slowly)


def _cdiv(ar, ai, br, bi):
    d = br * br + bi * bi
    return (ar * br + ai * bi) / d, (ai * br - ar * bi) / d


def _voigt_residuals(a, b, u, v, pick, far, low, gauss=None):
    """(Re w′, Im w′, Re S), S = z·w′ + w, at z = a + ib, w = u + iv: where `far` (Im z > 0) by Laplace's continued
    fraction w = (i/√π)/(z - q), q = ½/(z - T), T = 1/(z - (3/2)/(z - ...)), whose residuals are exact quotients:
    z·w - i/√π = (i/√π)·q/(z - q), so w′ = -2(i/√π)·q/(z - q), and S = -(i/√π)·T/((z - T)(z - q)); elsewhere
    w′ = -2z·w + 2i/√π and S = z·w′ + w, which cancel to |z|²ε and |z|⁴ε relative (2.6e-10 in ∂σ at |z| = 70). The
    fraction runs at z = 10i where it is not used (`pick`: where or Piecewise). Where `low` (far, Im z < 2) the
    fraction's poles lie along the real axis and it lacks w's Gaussian part e^(-z²) (the whole slope at γ → 0: ∂x V at
    x = 10σ, γ = 1e-300 was 0, not x·e^(-50)): that part's w′ = -2z·e^(-z²) and S = (1 - 2z²)e^(-z²) are added
    (grids against mpmath, |z| in 7..12, Im z in 0..2: ≤ 2.9e-15 relative in each of Re w′ and Im w′)."""
    re, im = _w_prime(a, b, u, v)
    ar, ai = pick(far, a, 0.0), pick(far, b, 10.0)
    # T = tr - i·nt, each term (k/2)/(z - T) = s·conj(z - T), s = (k/2)/|z - T|²: 8 ops a term, not a general complex
    # quotient's 14 (its zero imaginary numerator's products recorded too); the three partials' graphs are 40% smaller
    tr, nt = 0.0 * ar, 0.0 * ai
    for k in range(_VOIGT_TERMS, 1, -1):
        br, bi = ar - tr, ai + nt
        s = (0.5 * k) / (br * br + bi * bi)
        tr, nt = s * br, s * bi
    ti = -nt
    zt = (ar - tr, ai + nt)
    qr, qi = _cdiv(0.5, 0.0, *zt)
    zq = (ar - qr, ai - qi)
    rr, ri = _cdiv(qr, qi, *zq)
    pr, pi = _cdiv(tr, ti, zt[0] * zq[0] - zt[1] * zq[1], zt[0] * zq[1] + zt[1] * zq[0])
    gr, gi = pick(low, a, 10.0), pick(low, b, 0.0)  # (held at z = 10, e^(-100), where not added)
    er, ei = (gauss or _gauss_part)(gr, gi)  # e^(-z²)
    w2r, w2i = -2.0 * (gr * er - gi * ei), -2.0 * (gr * ei + gi * er)  # -2z·e^(-z²)
    sr = er + gr * w2r - gi * w2i  # Re (1 - 2z²)e^(-z²) = Re(e + z·(-2z·e))
    return (
        pick(far, (2.0 / _SQRT_PI) * ri + pick(low, w2r, 0.0), re),
        pick(far, (-2.0 / _SQRT_PI) * rr + pick(low, w2i, 0.0), im),
        pick(far, pi / _SQRT_PI + pick(low, sr, 0.0), a * re - b * im + u),
    )


def _voigt_far(a, b, both, greater_equal_):
    return both(greater_equal_(a * a + b * b, _VOIGT_FAR**2), greater_equal_(b, 0.0), greater_equal_(b, _VOIGT_ABOVE))


def _gauss_part(a, b, exp_=exp, cos_=cos, sin_=sin):
    """(Re, Im) of e^(-z²), z = a + ib (of difflab's or SymPy's exp, cos and sin)."""
    m = exp_(b * b - a * a)
    return m * cos_(2.0 * a * b), -m * sin_(2.0 * a * b)


def _voigt_partials():
    """V = Re w(z)/(σ√(2π)), z = (x + iγ)/(σ√2) = a + ib: ∂x V = Re w′/(2σ²√π), ∂γ V = -Im w′/(2σ²√π),
    ∂σ V = -Re(z·w′ + w)/(σ²√(2π)) (`_voigt_residuals`)."""

    def parts(x, sigma, gamma):
        scale = 1.0 / (sigma * math.sqrt(2.0))
        a, b = x * scale, gamma * scale
        far = _voigt_far(a, b, lambda r, pos, up: where(r, pos, up), greater_equal)
        low = _voigt_far(a, b, lambda r, pos, up: where(up, False, where(r, pos, False)), greater_equal)
        return _voigt_residuals(a, b, wofz_re(a, b), wofz_im(a, b), where, far, low)

    def dx(out, x, sigma, gamma):
        return parts(x, sigma, gamma)[0] / (2.0 * _SQRT_PI * sigma * sigma)

    def dsigma(out, x, sigma, gamma):
        return -parts(x, sigma, gamma)[2] / (_SQRT_2PI * sigma * sigma)

    def dgamma(out, x, sigma, gamma):
        return -parts(x, sigma, gamma)[1] / (2.0 * _SQRT_PI * sigma * sigma)

    def joint(out, x, sigma, gamma):  # (one fraction for the three: Op.joint_jvp, forward mode's JVP)
        re, im, s = parts(x, sigma, gamma)
        half = 2.0 * _SQRT_PI * sigma * sigma
        return re / half, -s / (_SQRT_2PI * sigma * sigma), -im / half

    return dx, dsigma, dgamma, joint


def _voigt_sympy_partial(sp, out, i, x, sigma, gamma):
    a, b = x / (sigma * sp.sqrt(2)), gamma / (sigma * sp.sqrt(2))
    u, v = _scipy_function("wofz_re")(a, b), _scipy_function("wofz_im")(a, b)
    try:
        far = _voigt_far(a, b, lambda r, pos, up: sp.Or(sp.And(r, pos), up), lambda p, q: p >= q)
        low = _voigt_far(a, b, lambda r, pos, up: sp.And(r, pos, sp.Not(up)), lambda p, q: p >= q)
    except TypeError:  # (σ = 0: z is SymPy's complex infinity, no comparison: the near form's NaN says it)
        far = low = sp.false
    sp_trig = (sp.exp, sp.cos, sp.sin)
    re, im, s = _voigt_residuals(
        a, b, u, v, lambda c, p, q: sp.Piecewise((p, c), (q, True)), far, low, lambda p, q: _gauss_part(p, q, *sp_trig)
    )
    return (
        re / (2 * sp.sqrt(sp.pi) * sigma**2),
        -s / (sp.sqrt(2 * sp.pi) * sigma**2),
        -im / (2 * sp.sqrt(sp.pi) * sigma**2),
    )[i]


def _voigt_mp(mpmath, x, sigma, gamma):
    z = mpmath.mpc(x, gamma) / (sigma * mpmath.sqrt(2))
    return (mpmath.exp(-z * z) * mpmath.erfc(-1j * z)).real / (sigma * mpmath.sqrt(2 * mpmath.pi))


_voigt_dx, _voigt_dsigma, _voigt_dgamma, _voigt_joint = _voigt_partials()
voigt_profile = _special(
    "voigt_profile",
    _scipy("voigt_profile"),
    (_voigt_dx, _voigt_dsigma, _voigt_dgamma),
    _scipy_named("voigt_profile", None, _voigt_sympy_partial, mp=_voigt_mp),
    joint_partials=_voigt_joint,  # each partial reads the continued fraction: forward's JVP builds it once
    domain=("real", "positive", "positive"),
    # σ: |σ|, the distance to its jump at σ = 0 (z = (x + iγ)/(σ√2) leaves to infinity there, on either side)
    scale=(None, lambda x, sigma, gamma: np.abs(sigma), None),
    doc="the Voigt profile, a normal (σ) convolved with a Cauchy (γ) density: Re w(z)/(σ√(2π)), z = (x + iγ)/(σ√2); "
    "differentiable in x, σ and γ by w′ = -2z·w + 2i/√π (σ > 0)",
)


# -- orthogonal polynomials (issue 11, special45b) ----------------------------------------------------------------
# Each slope is a polynomial of the family one degree lower (DLMF 18.9.15-18.9.20: Pₙ′ = C^(3/2)ₙ₋₁, Tₙ′ = n·Uₙ₋₁,
# Uₙ′ = 2C^(2)ₙ₋₁, C^(α)ₙ′ = 2α·C^(α+1)ₙ₋₁, Hₙ′ = 2n·Hₙ₋₁, Heₙ′ = n·Heₙ₋₁, L^(α)ₙ′ = -L^(α+1)ₙ₋₁, P^(α,β)ₙ′ =
# (n + α + β + 1)/2·P^(α+1,β+1)ₙ₋₁), which hold for SciPy's non-integer degrees (its hypergeometric forms) too;
# at n = 0 the slope is 0 (the degree -1 is read at a held 0); a whole negative degree of the families SciPy reflects
# is read at its reflection (`_lower`). The degree and the parameters are refused.


def _whole_degree(name):
    """SciPy's eval_<family>(n, ..., x) with a whole-valued float n ≥ 0 passed as an integer: its integer loop is the
    polynomial's recurrence (eval_hermite has no other), the float one a hypergeometric form. A whole n < 0 stays a
    float (but for the Hermite families, which have no float loop): SciPy's float call's value, which for C^(α)ₙ and
    L^(α)ₙ is its form's 1/Γ(n + 1) pole, 0 or NaN, where its integer loop gives 0 (eval_laguerre(-1.0, x) is NaN)."""
    plain = _scipy(name)
    floats = name not in ("eval_hermite", "eval_hermitenorm")

    def whole(n, *rest):
        n_arr = np.asarray(n)
        if n_arr.dtype.kind == "f" and np.all(np.isfinite(n_arr)) and np.all(n_arr == np.floor(n_arr)):
            as_int = plain(n_arr.astype(np.int64), *rest)
            if floats and (n_arr < 0).any():
                return np.where(n_arr < 0, plain(n_arr, *rest), as_int)[()]
            return as_int
        if not floats and n_arr.dtype.kind == "f":  # (was SciPy's "ufunc 'eval_hermite' not supported for the input
            # types, and the inputs could not be safely coerced ...")
            bad = n_arr[~(np.isfinite(n_arr) & (n_arr == np.floor(n_arr)))].ravel()
            raise TypeError(
                f"{name}: the degree n must be a whole number (SciPy's {name} has no other), got {bad[0].item()!r}"
            )
        return plain(n, *rest)

    whole.__name__ = name
    return whole


def _lower(n, slope, reflect=None):
    """slope(n - 1) where n ≠ 0 (SciPy's hypergeometric forms at a non-whole degree, its recurrences at a whole one),
    0 at n = 0 (the degree below read at a held 1: eval_hermite(-1) is NaN). `reflect` = (sign, degree) for a family
    whose whole negative degrees SciPy reflects onto whole ones ≥ 0 (P₋ₙ₋₁ = Pₙ, U₋ₙ₋₂ = -Uₙ) while the family of its
    slope (C^(α) at a whole negative degree: 0) does not: there the reflected degree's slope, times sign. (Was 0 for
    every n < 1: d/dx eval_chebyt(-2, x) at 0.5 was 0 for 2, eval_legendre(0.5, x)'s 0 for 0.495.)"""
    if reflect is not None:
        sign, degree = reflect
        mirrored = where(less(n, 0.0), equal(n, floor(n)), False)
        return where(mirrored, sign, 1.0) * _lower(where(mirrored, degree(n), n), slope)
    low = equal(n, 0.0)
    return where(low, 0.0, slope(where(low, 1.0, n) - 1.0))


def _pole_below(n, out, slope):
    """slope(n) but at a whole n < 0 of the families whose SciPy value there is its form's 1/Γ(n + 1) pole (C^(α)ₙ,
    L^(α)ₙ: 0 or NaN whatever x, `_whole_degree`): 0·value, the slope of that constant (the family below's degree has
    other poles: 2α·C^(α+1)₋₂ is NaN where C^(α)₋₁ is 0)."""
    pole = where(less(n, 0.0), equal(n, floor(n)), False)
    return where(pole, 0.0 * out, slope(where(pole, 1.0, n)))


def _sympy_pole_below(sp, n, out, slope):
    """`_pole_below` for the symbolic method: at a constant whole n < 0, 0·value; else slope(n)."""
    if isinstance(n, sp.Number) and n < 0 and n == sp.floor(n):
        return 0 * out
    return slope(n)


def _legendre_reflection(n):
    return -n - 1.0


def _chebyu_reflection(n):
    return -n - 2.0


def _orthopoly(name, params, form, slope, sympy_slope, domain, doc, pole=False, **kw):
    """The entry of scipy.special.eval_<family>(n, *params, x): `slope(n, *params, x)` (difflab values, n - 1 read by
    `_lower`), `sympy_slope(sp, f, n, *params, x)` (f: a family's named SymPy function by its entry name). `pole`:
    SciPy's value at a whole n < 0 is its form's 1/Γ(n + 1) pole, whose slope is read by `_pole_below`."""
    why = (
        "SciPy has no derivative of its orthogonal polynomials in {}, and difflab no exact one; hold it constant, or "
        "differentiate by method='numeric', which differences SciPy's values"
    )
    refused = tuple(_refuse(name, arg, "x", why.format(arg)) for arg in ("n", *params))
    partial, sympy_partial = (
        (lambda out, *args: slope(*args)),
        (lambda sp, out, i, *args: sympy_slope(sp, _scipy_function, *args)),
    )
    if pole:
        partial = lambda out, n, *rest: _pole_below(n, out, lambda m: slope(m, *rest))  # noqa: E731
        sympy_partial = lambda sp, out, i, n, *rest: _sympy_pole_below(  # noqa: E731
            sp, n, out, lambda m: sympy_slope(sp, _scipy_function, m, *rest)
        )
    return _special(
        name,
        _whole_degree(name),
        (*refused, partial),
        _scipy_named(name, form, sympy_partial, scipy_name=_whole_degree(name)),
        domain=("integer",) * (1 + len(params)) + (domain,),
        doc=doc,
        **kw,
    )


eval_gegenbauer = _orthopoly(
    "eval_gegenbauer",
    ("alpha",),
    lambda sp, n, a, x: sp.gegenbauer(_order(n), a, x),
    lambda n, a, x: _lower(n, lambda m: 2.0 * a * eval_gegenbauer(m, a + 1.0, x)),
    lambda sp, f, n, a, x: 2 * a * f("eval_gegenbauer")(n - 1, a + 1, x),
    "unit",
    "the Gegenbauer polynomial C^(α)ₙ(x); ∂x = 2α·C^(α+1)ₙ₋₁(x), not differentiable in n or α",
    pole=True,
)
eval_legendre = _orthopoly(
    "eval_legendre",
    (),
    lambda sp, n, x: sp.legendre(_order(n), x),
    lambda n, x: _lower(n, lambda m: eval_gegenbauer(m, 1.5, x), (1.0, _legendre_reflection)),
    lambda sp, f, n, x: f("eval_gegenbauer")(n - 1, sp.Rational(3, 2), x),
    "unit",
    "the Legendre polynomial Pₙ(x); ∂x = C^(3/2)ₙ₋₁(x), not differentiable in n",
)
eval_chebyu = _orthopoly(
    "eval_chebyu",
    (),
    lambda sp, n, x: sp.chebyshevu(_order(n), x),
    lambda n, x: _lower(n, lambda m: 2.0 * eval_gegenbauer(m, 2.0, x), (-1.0, _chebyu_reflection)),
    lambda sp, f, n, x: 2 * f("eval_gegenbauer")(n - 1, 2, x),
    "unit",
    "the Chebyshev polynomial of the second kind Uₙ(x); ∂x = 2C^(2)ₙ₋₁(x), not differentiable in n",
)
eval_chebyt = _orthopoly(
    "eval_chebyt",
    (),
    lambda sp, n, x: sp.chebyshevt(_order(n), x),
    lambda n, x: _lower(n, lambda m: (m + 1.0) * eval_chebyu(m, x)),
    lambda sp, f, n, x: n * f("eval_chebyu")(n - 1, x),
    "unit",
    "the Chebyshev polynomial of the first kind Tₙ(x); ∂x = n·Uₙ₋₁(x), not differentiable in n",
)
eval_hermite = _orthopoly(
    "eval_hermite",
    (),
    lambda sp, n, x: sp.hermite(_order(n), x),
    lambda n, x: _lower(n, lambda m: 2.0 * (m + 1.0) * eval_hermite(m, x)),
    lambda sp, f, n, x: 2 * n * f("eval_hermite")(n - 1, x),
    "real",
    "the physicists' Hermite polynomial Hₙ(x) (n a whole number); ∂x = 2n·Hₙ₋₁(x), not differentiable in n",
)
eval_hermitenorm = _orthopoly(
    "eval_hermitenorm",
    (),
    lambda sp, n, x: sp.hermite_prob(_order(n), x),
    lambda n, x: _lower(n, lambda m: (m + 1.0) * eval_hermitenorm(m, x)),
    lambda sp, f, n, x: n * f("eval_hermitenorm")(n - 1, x),
    "real",
    "the probabilists' Hermite polynomial Heₙ(x) (n a whole number); ∂x = n·Heₙ₋₁(x), not differentiable in n",
)
eval_genlaguerre = _orthopoly(
    "eval_genlaguerre",
    ("alpha",),
    lambda sp, n, a, x: sp.assoc_laguerre(_order(n), a, x),
    lambda n, a, x: _lower(n, lambda m: -eval_genlaguerre(m, a + 1.0, x)),
    lambda sp, f, n, a, x: -f("eval_genlaguerre")(n - 1, a + 1, x),
    "real",
    "the generalized Laguerre polynomial L^(α)ₙ(x); ∂x = -L^(α+1)ₙ₋₁(x), not differentiable in n or α",
    pole=True,
)
eval_laguerre = _orthopoly(
    "eval_laguerre",
    (),
    lambda sp, n, x: sp.laguerre(_order(n), x),
    lambda n, x: _lower(n, lambda m: -eval_genlaguerre(m, 1.0, x)),
    lambda sp, f, n, x: -f("eval_genlaguerre")(n - 1, 1, x),
    "real",
    "the Laguerre polynomial Lₙ(x); ∂x = -L^(1)ₙ₋₁(x), not differentiable in n",
    pole=True,
)
eval_jacobi = _orthopoly(
    "eval_jacobi",
    ("alpha", "beta"),
    lambda sp, n, a, b, x: sp.jacobi(_order(n), a, b, x),
    lambda n, a, b, x: _lower(n, lambda m: 0.5 * (m + a + b + 2.0) * eval_jacobi(m, a + 1.0, b + 1.0, x)),
    lambda sp, f, n, a, b, x: (n + a + b + 1) / 2 * f("eval_jacobi")(n - 1, a + 1, b + 1, x),
    "unit",
    "the Jacobi polynomial P^(α,β)ₙ(x); ∂x = (n + α + β + 1)/2·P^(α+1,β+1)ₙ₋₁(x), not differentiable in n, α or β",
)
eval_chebys = _orthopoly(
    "eval_chebys",
    (),
    lambda sp, n, x: sp.chebyshevu(_order(n), x / 2),
    lambda n, x: _lower(n, lambda m: eval_gegenbauer(m, 2.0, 0.5 * x), (-1.0, _chebyu_reflection)),
    lambda sp, f, n, x: f("eval_gegenbauer")(n - 1, 2, x / 2),
    "unit",
    "the Chebyshev polynomial Sₙ(x) = Uₙ(x/2); ∂x = C^(2)ₙ₋₁(x/2), not differentiable in n",
)
eval_chebyc = _orthopoly(
    "eval_chebyc",
    (),
    lambda sp, n, x: 2 * sp.chebyshevt(_order(n), x / 2),
    lambda n, x: _lower(n, lambda m: (m + 1.0) * eval_chebys(m, x)),
    lambda sp, f, n, x: n * f("eval_chebys")(n - 1, x),
    "unit",
    "the Chebyshev polynomial Cₙ(x) = 2Tₙ(x/2); ∂x = n·Sₙ₋₁(x), not differentiable in n",
)
eval_sh_legendre = _orthopoly(
    "eval_sh_legendre",
    (),
    lambda sp, n, x: sp.legendre(_order(n), 2 * x - 1),
    lambda n, x: _lower(n, lambda m: 2.0 * eval_gegenbauer(m, 1.5, 2.0 * x - 1.0), (1.0, _legendre_reflection)),
    lambda sp, f, n, x: 2 * f("eval_gegenbauer")(n - 1, sp.Rational(3, 2), 2 * x - 1),
    "probability",
    "the shifted Legendre polynomial Pₙ(2x - 1); ∂x = 2C^(3/2)ₙ₋₁(2x - 1), not differentiable in n",
)
eval_sh_chebyt = _orthopoly(
    "eval_sh_chebyt",
    (),
    lambda sp, n, x: sp.chebyshevt(_order(n), 2 * x - 1),
    lambda n, x: _lower(n, lambda m: 2.0 * (m + 1.0) * eval_chebyu(m, 2.0 * x - 1.0)),
    lambda sp, f, n, x: 2 * n * f("eval_chebyu")(n - 1, 2 * x - 1),
    "probability",
    "the shifted Chebyshev polynomial Tₙ(2x - 1); ∂x = 2n·Uₙ₋₁(2x - 1), not differentiable in n",
)
eval_sh_chebyu = _orthopoly(
    "eval_sh_chebyu",
    (),
    lambda sp, n, x: sp.chebyshevu(_order(n), 2 * x - 1),
    lambda n, x: _lower(n, lambda m: 4.0 * eval_gegenbauer(m, 2.0, 2.0 * x - 1.0), (-1.0, _chebyu_reflection)),
    lambda sp, f, n, x: 4 * f("eval_gegenbauer")(n - 1, 2, 2 * x - 1),
    "probability",
    "the shifted Chebyshev polynomial Uₙ(2x - 1); ∂x = 4C^(2)ₙ₋₁(2x - 1), not differentiable in n",
)


# -- Carlson's symmetric elliptic integrals, the incomplete Legendre ones (issue 11, special46) -------------------
# Their derivatives are Carlson integrals again (DLMF 19.18; the others by partial fractions under the integral
# ∫₀^∞ Π(t + xᵢ)^(-aᵢ) dt, and Euler's relation for the degree -3/2 of RD and RJ): ∂z RF = -RD(x, y, z)/6,
# ∂x RD = (RD(x, y, z) - RD(y, z, x))/(2(z - x)), ∂x RJ = (RJ - RD(y, z, x))/(2(p - x)), ∂z RG = RF/4 - z·RD/12.
# The two divided differences lose ε·RD/|z - x| of their digits where the arguments nearly coincide, and are 0/0
# where two coincide exactly (RD(x, y, x), RJ(x, y, z, x)): there RD's by a series in the gap, RJ's by a quadrature
# of RD's own partial (special55), each differentiable again.


def _carlson_named(name, derivative):
    return _scipy_named(name, None, derivative, mp=lambda mpmath, *args: getattr(mpmath, name)(*args))


def _rf_partial(k):
    """∂RF/∂(argument k) = -RD(the other two, that one)/6."""

    def partial(out, *xyz):
        rest = [a for j, a in enumerate(xyz) if j != k]
        return elliprd(rest[0], rest[1], xyz[k]) * (-1.0 / 6.0)

    return partial


elliprf = _special(
    "elliprf",
    _scipy("elliprf"),
    tuple(_rf_partial(k) for k in range(3)),
    _carlson_named(
        "elliprf",
        lambda sp, out, i, *xyz: -_scipy_function("elliprd")(*[a for j, a in enumerate(xyz) if j != i], xyz[i]) / 6,
    ),
    domain=("positive", "positive", "positive"),
    doc="Carlson's symmetric integral of the first kind RF(x, y, z) = ½∫₀^∞ ((t + x)(t + y)(t + z))^(-1/2) dt; "
    "∂z = -RD(x, y, z)/6 (and by symmetry in x, y)",
)


_RD_NEAR = 0.02  # |z - y| below it (relative to their mean) ∂y RD by its series in the gap, not the difference
_RD_TERMS = (1.0, 1.5, 1.875, 2.1875, 2.4609375, 2.70703125)  # (3/2)ₖ/k!: the gap's 6th term < 1e-20 there


def _rd_first(x, y, z, out, of_rd, ops):
    """∂x RD(x, y, z) = out: (RD(x, y, z) - RD(y, z, x))/(2(z - x)), which loses ε·z/|z - x| of its digits (all at
    z = x, 0/0); where |z - x| < 0.02·w, w = (x + z)/2, h = (z - x)/2, the series -(3/4)Σₖ cₖh²ᵏ Jₖ of the integrand
    (t + y)^(-1/2)((t + w)² - h²)^(-3/2) in h², Jₖ = ∫₀^∞ (t + y)^(-1/2)(t + w)^(-3-2k) dt = w^(1/2-n)/(n - 1/2)·
    ₂F₁(1/2, n - 1/2; n + 1/2; 1 - y/w), n = 3 + 2k (right at y = w too). Each form at held arguments where it is
    not used (`ops`: where, equal, sqrt and hyp2f1 of difflab or SymPy)."""
    pick, _, sqrt_, f21 = ops
    w, h = 0.5 * (x + z), 0.5 * (z - x)
    near = abs(h) < _RD_NEAR * w
    divided = (out - of_rd(y, z, x)) / (2.0 * pick(near, 1.0, z - x))
    w_s, h_s, y_s = pick(near, w, 1.0), pick(near, h, 0.0), pick(near, y, 1.0)
    series = 0.0
    for k, c in enumerate(_RD_TERMS):
        n = 3 + 2 * k
        j = f21(0.5, n - 0.5, n + 0.5, 1.0 - y_s / w_s) / (sqrt_(w_s) * w_s ** (n - 1) * (n - 0.5))
        series = series + c * h_s ** (2 * k) * j
    return pick(near, -0.75 * series, divided)


def _rd_partials(x, y, z, out, of_rd, ops):
    """(∂x, ∂y, ∂z) of RD(x, y, z) = out: `_rd_first` (RD is symmetric in x and y) and Euler's relation
    x∂x + y∂y + z∂z = -3/2 RD (for a SymPy or a difflab value)."""
    dx = _rd_first(x, y, z, out, of_rd, ops)
    dy = _rd_first(y, x, z, out, of_rd, ops)
    return dx, dy, -(1.5 * out + x * dx + y * dy) / z


def _where_ops():
    return where, equal, lambda t: t**0.5, lambda *a: hyp2f1(*a)


def _piecewise_ops():
    sp = _sp()
    return (lambda c, a, b: sp.Piecewise((a, c), (b, True))), sp.Eq, sp.sqrt, _scipy_function("hyp2f1")


elliprd = _special(
    "elliprd",
    _scipy("elliprd"),
    tuple(
        (lambda out, x, y, z, k=k: _rd_partials(x, y, z, out, lambda *a: elliprd(*a), _where_ops())[k])
        for k in range(3)
    ),
    _carlson_named(
        "elliprd",
        lambda sp, out, i, x, y, z: _rd_partials(x, y, z, out, _scipy_function("elliprd"), _piecewise_ops())[i],
    ),
    joint_partials=lambda out, x, y, z: _rd_partials(x, y, z, out, lambda *a: elliprd(*a), _where_ops()),
    domain=("positive", "positive", "positive"),
    doc="Carlson's symmetric integral of the second kind RD(x, y, z) = (3/2)∫₀^∞ (t + z)^(-3/2)((t + x)(t + y))^(-1/2) "
    "dt; ∂x = (RD(x, y, z) - RD(y, z, x))/(2(z - x)), ∂z by Euler's relation (degree -3/2)",
)
elliprc = _special(
    "elliprc",
    _scipy("elliprc"),
    (lambda out, x, y: elliprd(y, y, x) * (-1.0 / 6.0), lambda out, x, y: elliprd(x, y, y) * (-1.0 / 3.0)),
    _carlson_named(
        "elliprc",
        lambda sp, out, i, x, y: (
            -_scipy_function("elliprd")(y, y, x) / 6,
            -_scipy_function("elliprd")(x, y, y) / 3,
        )[i],
    ),
    domain=("positive", "positive"),
    doc="Carlson's degenerate integral RC(x, y) = RF(x, y, y) = ½∫₀^∞ (t + x)^(-1/2)(t + y)^(-1) dt (y > 0); "
    "∂x = -RD(y, y, x)/6, ∂y = -RD(x, y, y)/3",
)


class _Dual:
    """A value and its derivative along one direction (difflab or SymPy values, or floats), for the slopes of
    `_rd_partials`' own formulas (elliprd_dz's partials): its arithmetic, its comparisons on the values (the
    formulas' branch conditions), `_dual_ops` its where, sqrt and ₂F₁ in z."""

    def __init__(self, v, t=0.0):
        self.v, self.t = v, t

    @staticmethod
    def of(a):
        return a if isinstance(a, _Dual) else _Dual(a)

    def __add__(self, o):
        o = _Dual.of(o)
        return _Dual(self.v + o.v, self.t + o.t)

    __radd__ = __add__

    def __neg__(self):
        return _Dual(-self.v, -self.t)

    def __sub__(self, o):
        return self + -_Dual.of(o)

    def __rsub__(self, o):
        return _Dual.of(o) - self

    def __mul__(self, o):
        o = _Dual.of(o)
        return _Dual(self.v * o.v, self.t * o.v + self.v * o.t)

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = _Dual.of(o)
        return _Dual(self.v / o.v, (self.t - self.v * o.t / o.v) / o.v)

    def __rtruediv__(self, o):
        return _Dual.of(o) / self

    def __pow__(self, e):  # a constant exponent; h⁰ = 1 has no slope (not 0·h⁻¹, NaN at h = 0)
        return _Dual(1.0, 0.0) if e == 0 else _Dual(self.v**e, e * self.v ** (e - 1) * self.t)

    def __abs__(self):
        return _Dual(abs(self.v), 0.0)  # (in branch conditions only)

    def __lt__(self, o):
        return self.v < _Dual.of(o).v


def _dual_ops(ops):
    """`_rd_first`'s ops on `_Dual` values, from the plain ones (difflab's or SymPy's)."""
    pick, eq, _, f21 = ops

    def dpick(c, a, b):
        a, b = _Dual.of(a), _Dual.of(b)
        held = all(isinstance(t, float) and t == 0.0 for t in (a.t, b.t))
        return _Dual(pick(c, a.v, b.v), 0.0 if held else pick(c, a.t, b.t))

    def dsqrt(a):
        return a**0.5

    def df21(a, b, c, z):  # (constant a, b, c) d/dz ₂F₁(a, b; c; z) = (ab/c)·₂F₁(a + 1, b + 1; c + 1; z)
        return _Dual(f21(a, b, c, z.v), (a * b / c) * f21(a + 1.0, b + 1.0, c + 1.0, z.v) * z.t)

    return dpick, eq, dsqrt, df21


def _rd_z_partials(x, y, z, out, of_rd, rd_z, ops):
    """(∂x, ∂y, ∂z) of out = ∂z RD(x, y, z) at once (`Op.joint_jvp`: the third reads the first two, traced once)."""
    dx, dy = (_rd_z_partial(k, x, y, z, out, of_rd, rd_z, ops) for k in (0, 1))
    return dx, dy, -(2.5 * out + x * dx + y * dy) / z


def _rd_z_partial(k, x, y, z, out, of_rd, rd_z, ops):
    """∂(argument k) of out = ∂z RD(x, y, z): ∂x∂z RD = ∂z of `_rd_first`'s ∂x RD (its series near z = x included),
    ∂y likewise (RD is symmetric in x and y), ∂z by Euler's relation (∂z RD has degree -5/2); RD's own slopes there
    `_rd_first` in x or y, `rd_z` (this entry) in z."""
    if k == 2:
        return _rd_z_partials(x, y, z, out, of_rd, rd_z, ops)[2]

    def dual_rd(a, b, c):  # RD and its slope along the tangents `_rd_first` gives it (z's alone)
        v, slope = of_rd(a.v, b.v, c.v), 0.0
        for j, arg in enumerate((a, b, c)):
            if not (isinstance(arg.t, float) and arg.t == 0.0):
                rate = (
                    rd_z(a.v, b.v, c.v)
                    if j == 2
                    else _rd_first(*((a.v, b.v) if j == 0 else (b.v, a.v)), c.v, v, of_rd, ops)
                )
                slope = slope + rate * arg.t
        return _Dual(v, slope)

    first, other = (x, y) if k == 0 else (y, x)
    along_z = _Dual(z, 1.0)
    rd = _Dual(of_rd(x, y, z), out)
    return _rd_first(_Dual(first), _Dual(other), along_z, rd, dual_rd, _dual_ops(ops)).t


def _rd_z_impl(x, y, z):
    """∂z RD(x, y, z) on NumPy values (`_rd_partials` with NumPy's where and SciPy's RD and ₂F₁)."""
    sc = scipy_special()
    x, y, z = (np.asarray(a, dtype=np.float64) for a in (x, y, z))
    with np.errstate(all="ignore"):  # (the unused form's held arguments)
        ops = (np.where, np.equal, np.sqrt, sc.hyp2f1)
        return _rd_partials(x, y, z, sc.elliprd(x, y, z), sc.elliprd, ops)[2]


elliprd_dz = _special(
    "elliprd_dz",
    _rd_z_impl,
    tuple(
        (lambda out, x, y, z, k=k: _rd_z_partial(k, x, y, z, out, elliprd, elliprd_dz, _where_ops())) for k in range(3)
    ),
    _scipy_named(
        "elliprd_dz",
        None,
        lambda sp, out, i, x, y, z: _rd_z_partial(
            i, x, y, z, out, _scipy_function("elliprd"), _scipy_function("elliprd_dz"), _piecewise_ops()
        ),
        scipy_name=_rd_z_impl,
        mp=lambda mpmath, x, y, z: mpmath.diff(lambda t: mpmath.elliprd(x, y, t), z),
    ),
    # forward's JVP (a Hessian's forward-over-reverse sweep) traces the three once, ∂z reading ∂x and ∂y
    joint_partials=lambda out, x, y, z: _rd_z_partials(x, y, z, out, elliprd, elliprd_dz, _where_ops()),
    domain=("positive", "positive", "positive"),
    names=("_elliprd_dz",),  # (no SciPy function)
    ufunc="elliprd",
    internal=True,
    doc="∂z RD(x, y, z), RD's partial in its last argument as one equation (elliprj's near p = x reads it at three "
    "points); its slopes are that formula's",
)


_RJ_NEAR = 0.01  # |p - xᵢ| below it (relative to xᵢ) ∂xᵢ RJ by the quadrature below, not the difference
# 3-point Gauss-Jacobi rule for ∫₀¹ ½√(1 - θ) f(θ) dθ (nodes θⱼ, weights; Σ weights = 1/3), by mpmath at 40 digits.
# ∂₃RD(y, z, x + θ(p - x)) is analytic in θ but for x + θ(p - x) ≤ 0, |θ| ≥ 100 within the gap: measured against
# mpmath's diff of elliprj (30 digits) at |p - x| = 0.01x, RJ's Hessian is within 1.3e-12 relative by it, 8e-12 by
# the difference (1.8e-15 and 4e-14 in the gradient); 3 points, not more: each is an RD partial (two ₂F₁ series)
# in the graph, and SymPy's Jacobian of elliprj grows with them.
_RJ_NODES = (
    (0.099194170728370601, 0.11664081232795754),
    (0.45013150078355644, 0.15380118384095637),
    (0.83528971310345758, 0.062891337164419424),
)


def _rj_first(x, y, z, p, out, of_rd, rd_z, ops):
    """∂x RJ(x, y, z, p) = out: (RJ - RD(y, z, x))/(2(p - x)), which loses ε·p/|p - x| of its digits (0/0 at
    p = x); where |p - x| < 0.01·x, the same integral -(3/4)∫₀^∞ (t + p)^(-1)(t + x)^(-3/2)((t + y)(t + z))^(-1/2) dt
    as ½∫₀¹ √(1 - θ)·∂₃RD(y, z, x + θ(p - x)) dθ (exact: ∫₀¹ √(1 - θ)(u + θd)^(-5/2) dθ = (2/3)(u + d)^(-1)u^(-3/2)),
    by `_RJ_NODES`; ∂₃RD (`rd_z`: the entry elliprd_dz, one equation each) is RD's own partial, so its slopes (RJ's
    second derivatives) are RD's, right at p = x too. Each form at held arguments where it is not used (`ops` as
    `_rd_first`'s)."""
    pick = ops[0]
    near = abs(p - x) < _RJ_NEAR * x
    divided = (out - of_rd(y, z, x)) / (2.0 * pick(near, 1.0, p - x))
    gap = pick(near, p - x, 0.0)
    series = 0.0
    for theta, weight in _RJ_NODES:
        series = series + weight * rd_z(y, z, x + theta * gap)
    return pick(near, series, divided)


def _rj_partials(x, y, z, p, out, of_rd, rd_z, ops):
    """(∂x, ∂y, ∂z, ∂p) of RJ(x, y, z, p) = out: `_rj_first` (RJ is symmetric in x, y, z), ∂p by Euler's relation
    (degree -3/2), for a SymPy or a difflab value."""
    dx = _rj_first(x, y, z, p, out, of_rd, rd_z, ops)
    dy = _rj_first(y, z, x, p, out, of_rd, rd_z, ops)
    dz = _rj_first(z, x, y, p, out, of_rd, rd_z, ops)
    return dx, dy, dz, -(1.5 * out + x * dx + y * dy + z * dz) / p


elliprj = _special(
    "elliprj",
    _scipy("elliprj"),
    tuple(
        (lambda out, x, y, z, p, k=k: _rj_partials(x, y, z, p, out, elliprd, elliprd_dz, _where_ops())[k])
        for k in range(4)
    ),
    _carlson_named(
        "elliprj",
        lambda sp, out, i, x, y, z, p: _rj_partials(
            x, y, z, p, out, _scipy_function("elliprd"), _scipy_function("elliprd_dz"), _piecewise_ops()
        )[i],
    ),
    joint_partials=lambda out, x, y, z, p: _rj_partials(x, y, z, p, out, elliprd, elliprd_dz, _where_ops()),
    domain=("positive", "positive", "positive", "positive"),
    doc="Carlson's symmetric integral of the third kind RJ(x, y, z, p) = (3/2)∫₀^∞ (t + p)^(-1)((t + x)(t + y)(t + z))"
    "^(-1/2) dt (p > 0); ∂x = (RJ - RD(y, z, x))/(2(p - x)), near p = x ½∫₀¹ √(1 - θ)·∂₃RD(y, z, x + θ(p - x)) dθ; "
    "∂p by Euler's relation (degree -3/2)",
)


def _rg_partial(k, rf, rd):
    def partial(out, *xyz):
        rest = [a for j, a in enumerate(xyz) if j != k]
        return rf(*xyz) * 0.25 - xyz[k] * rd(rest[0], rest[1], xyz[k]) * (1.0 / 12.0)

    return partial


elliprg = _special(
    "elliprg",
    _scipy("elliprg"),
    tuple(_rg_partial(k, lambda *a: elliprf(*a), lambda *a: elliprd(*a)) for k in range(3)),
    _carlson_named(
        "elliprg",
        lambda sp, out, i, *xyz: _rg_partial(i, _scipy_function("elliprf"), _scipy_function("elliprd"))(out, *xyz),
    ),
    domain=("positive", "positive", "positive"),
    doc="Carlson's completely symmetric integral of the second kind RG(x, y, z); ∂z = RF(x, y, z)/4 - z·RD(x, y, z)/12",
)


def _legendre_parts(phi, m, fl, sin_, cos_, rd):
    """(n, s, c², Δ², D) of the incomplete integrals at (φ, m): φ = nπ + φ₀ with |φ₀| ≤ π/2 (F(φ|m) = 2nK(m) +
    F(φ₀|m), SciPy's quasi-periodicity), s = sin φ₀, c² = 1 - s², Δ² = 1 - m·s² and D = s³·RD(c², Δ², 1)/3 =
    ∫₀^φ₀ sin²θ/Δ dθ (difflab or SymPy values: `fl`, `sin_`, `cos_`, `rd` their floor, sine, cosine and RD)."""
    n = fl(phi / math.pi + 0.5)
    s, c = sin_(phi - n * math.pi), cos_(phi - n * math.pi)  # (c² as 1 - s² kept no digit of c² near φ₀ = π/2)
    c2, d2 = c * c, 1.0 - m * s * s
    return n, s, c2, d2, s * s * s * rd(c2, d2, 1.0) / 3.0


def _ellipkinc_partials(phi, m, fl, sin_, cos_, rd, sqrt_, k_slope):
    """∂φ F = 1/Δ; ∂m F = 2n·K′(m) + s³·RD(c², 1, Δ²)/6 (= ½∫₀^φ₀ sin²θ/Δ³ dθ: no division by m, π/8-like at 0)."""
    n, s, c2, d2, _ = _legendre_parts(phi, m, fl, sin_, cos_, rd)
    return 1.0 / sqrt_(d2), 2.0 * n * k_slope(m) + s * s * s * rd(c2, 1.0, d2) / 6.0


def _ellipeinc_partials(phi, m, fl, sin_, cos_, rd, sqrt_, e_slope):
    """∂φ E = Δ; ∂m E = 2n·E′(m) - D/2 (= -½∫₀^φ₀ sin²θ/Δ dθ; the closed form (E - F)/(2m) cancels near m = 0)."""
    n, _, _, d2, big_d = _legendre_parts(phi, m, fl, sin_, cos_, rd)
    return sqrt_(d2), 2.0 * n * e_slope(m) - 0.5 * big_d


def _legendre_rules(partials, slope, sympy_slope):
    def rule(k):
        return lambda out, phi, m: partials(
            phi, m, floor, sin, cos, lambda *a: elliprd(*a), lambda t: t**0.5, lambda m: slope(m)
        )[k]

    def sympy_partial(sp, out, i, phi, m):
        return partials(phi, m, sp.floor, sp.sin, sp.cos, _scipy_function("elliprd"), sp.sqrt, sympy_slope)[i]

    return (rule(0), rule(1)), sympy_partial


_ELLIPKINC_RULES = _legendre_rules(
    _ellipkinc_partials,
    lambda m: _ellipk_slope(ellipk(m), m),
    lambda m: _ellip_sympy_slope(False)(_sp(), _scipy_function("ellipk")(m), 0, m),
)
_ELLIPEINC_RULES = _legendre_rules(
    _ellipeinc_partials,
    lambda m: _ellipe_slope(ellipe(m), m),
    lambda m: _ellip_sympy_slope(True)(_sp(), _scipy_function("ellipe")(m), 0, m),
)
ellipkinc = _special(
    "ellipkinc",
    _scipy("ellipkinc"),
    _ELLIPKINC_RULES[0],
    _scipy_named("ellipkinc", lambda sp, phi, m: sp.elliptic_f(phi, m), _ELLIPKINC_RULES[1]),
    domain=("real", "unit"),
    doc="the incomplete elliptic integral of the first kind F(φ|m) = ∫₀^φ (1 - m sin²θ)^(-1/2) dθ; ∂φ = 1/Δ, "
    "∂m = 2n·K′(m) + s³·RD(c², 1, Δ²)/6 (φ = nπ + φ₀, s = sin φ₀, c² = 1 - s², Δ² = 1 - m s²)",
)
ellipeinc = _special(
    "ellipeinc",
    _scipy("ellipeinc"),
    _ELLIPEINC_RULES[0],
    _scipy_named("ellipeinc", lambda sp, phi, m: sp.elliptic_e(phi, m), _ELLIPEINC_RULES[1]),
    domain=("real", "unit"),
    doc="the incomplete elliptic integral of the second kind E(φ|m) = ∫₀^φ (1 - m sin²θ)^(1/2) dθ; ∂φ = Δ, "
    "∂m = 2n·E′(m) - s³·RD(c², Δ², 1)/6 (φ = nπ + φ₀, s = sin φ₀)",
)


# -- zetac: ζ(x) - 1, its slope ζ′ (issue 11, special46) -----------------------------------------------------------


class _Kept:
    """A scalar mpmath evaluation `one` (pure: the same arguments give the same double), each distinct call's value
    kept (the 4096 latest): mpmath's series take milliseconds an element, and differentiating a graph evaluates the
    same points again and again (a Hessian's sweeps, the symbolic code's values, each method of a test: mpmath's
    Hurwitz zeta was ~11% of tests/test_forward_traced's CPU, suitetime57). A key holds each argument's type and sign
    (2 and 2.0, 0.0 and -0.0 stay apart; NaN never equals itself). Only a call that sets none of the floating-point
    flags is kept: one that does (mpmath's float of a value beyond the doubles: overflow) is computed again in NumPy's
    loop each time, so NumPy says it (or raises it, under the sweeps' error state) as it did."""

    def __init__(self, one):
        self.one, self.values = one, {}

    def __call__(self, *args):
        """The elementwise value over the broadcast arguments (NumPy's vectorize of `one`): a float array, or a 0-d
        call's scalar."""
        cols = np.broadcast_arrays(*[np.asarray(a).astype(object) for a in args])  # (vectorize's Python scalars)
        out = np.empty(cols[0].shape if cols else ())
        again = np.zeros(out.shape, dtype=bool)
        for i in np.ndindex(out.shape):
            value = self._value(tuple(c[i] for c in cols))
            again[i] = value is None
            out[i] = np.nan if value is None else value
        if again.any():  # (in NumPy's loop: the flags it sets are said, or raised, as before)
            out[again] = np.vectorize(self.one, otypes=[float])(*[c[again] for c in cols])
        return out[()] if out.ndim == 0 else out

    def _value(self, args):
        """one(*args), kept or computed; None where its computation sets a floating-point flag."""
        key = (args, tuple((type(a), math.copysign(1.0, a)) for a in args))
        value = self.values.get(key)
        if value is None:
            flags = []
            with np.errstate(all="call", call=lambda kind, _: flags.append(kind)):
                value = np.frompyfunc(self.one, len(args), 1)(*args)  # (a 0-d loop: NumPy reads the flags)
            if flags:
                return None
            if len(self.values) >= 4096:
                try:  # (the oldest goes; another thread may have taken it, or be adding one)
                    self.values.pop(next(iter(self.values)), None)
                except (RuntimeError, StopIteration):
                    pass
            self.values[key] = value = float(value)
        return value


def _zeta_derivative_one(k, x):
    import mpmath

    if not math.isfinite(x) or x == 1.0:  # (the pole: ζ's derivatives leave to ±inf on its two sides)
        return math.nan
    if not (k >= 0 and k == int(k)):  # (an order is a whole number)
        return math.nan
    if x > 1100.0:  # ζ⁽ᵏ⁾(x) = (-1)^k Σ log(n)^k n^-x: its first term 2^-x is below the doubles (mpmath is slow)
        return 1.0 if k == 0 else (-1.0) ** int(k) * 0.0
    if x < -260.0:  # |ζ⁽ᵏ⁾| beyond the doubles (≈ 2·Γ(1 - x)/(2π)^(1 - x)) but at isolated zeros; mpmath
        return math.nan  # takes seconds at -300 and never returns at -1e8: NaN, the DomainWarning's case
    with mpmath.workdps(20):
        return float(mpmath.zeta(x) if int(k) == 0 else mpmath.zeta(x, 1, int(k)))


def _zeta_derivative_impl(k, x):
    """ζ⁽ᵏ⁾(x), Riemann's zeta's k-th derivative, by mpmath (at 20 digits, rounded to a double) element by element:
    SciPy has no ζ′, and the slope of Σ n^(-x) is -Σ log(n)·n^(-x), which converges too slowly near x = 1 to sum."""
    import mpmath  # noqa: F401  (imported before the loop: its import sets floating-point flags)

    return _zeta_derivative_kept(k, x)


_zeta_derivative_one.__name__ = "one"  # (NumPy's words for a flag it set: "overflow encountered in one (vectorized)")
_zeta_derivative_kept = _Kept(_zeta_derivative_one)


def _zeta_derivative_samples(rng):
    return [((rng.integers(1, 3, s), draw("above_one", s, rng)), {}) for s in ((3,), ())]


zeta_derivative = _special(
    "zeta_derivative",
    _zeta_derivative_impl,
    (
        _refuse("zeta_derivative", "k", why="k is the order of the derivative"),
        lambda out, k, x: zeta_derivative(k + 1.0, x),
    ),
    _scipy_named(
        "zeta_derivative",
        None,
        lambda sp, out, i, k, x: _scipy_function("zeta_derivative")(k + 1, x),
        scipy_name=_zeta_derivative_impl,
        mp=lambda mpmath, k, x: mpmath.zeta(x, 1, int(k)),
    ),
    domain=("integer", "above_one"),
    samples=_zeta_derivative_samples,
    names=("_zeta_derivative",),
    internal=True,
    result_dtype=lambda: _F64,
    doc="ζ⁽ᵏ⁾(x), the k-th derivative of Riemann's zeta function (zetac's slope, and its own), by mpmath; "
    "∂x = ζ⁽ᵏ⁺¹⁾(x), not differentiable in k",
)


def _hurwitz_derivative_impl(k, x, q):
    """∂ᵏ/∂xᵏ ζ(x, q), Hurwitz's zeta's k-th derivative in x, by mpmath (at 20 digits, rounded to a double) element by
    element. NaN where SciPy's ζ(x, q) is (x < 1, the pole x = 1, a pole q = 0, -1, ...) and where the derivative is
    not real (q < 0: log(k + q) of a negative term; SciPy's value is real there only at whole x)."""
    import mpmath  # noqa: F401  (imported before the loop: its import sets floating-point flags)

    return _hurwitz_derivative_kept(k, x, q)


def _hurwitz_derivative_one(k, x, q):
    import mpmath

    if not (math.isfinite(x) and math.isfinite(q) and x > 1.0 and k >= 0 and k == int(k)):
        return math.nan
    if q <= 0 and q == int(q):
        return math.nan
    with mpmath.workdps(20):
        if x > 1e4 and q > 0:  # (mpmath's zeta took 0.25 s at 1e300) Σ (-log(n + q))^k (n + q)^-x: its first
            # terms (q/(q + 4))^x of the first is below 1e-20 but where q^-x leaves the doubles (|log q| > 0.07)
            terms = ((-mpmath.log(n + q)) ** int(k) * mpmath.power(n + q, -x) for n in range(4))
            return float(mpmath.fsum(terms))
        value = mpmath.zeta(x, q, int(k))
    return float(value.real) if mpmath.im(value) == 0 else math.nan


_hurwitz_derivative_one.__name__ = "hurwitz_derivative"  # (NumPy's overflow warning, beyond the doubles, names it:
_hurwitz_derivative_kept = _Kept(_hurwitz_derivative_one)  # as exp(1000)'s)


def _hurwitz_derivative_samples(rng):
    return [((rng.integers(1, 3, s), draw("above_one", s, rng), draw("positive", s, rng)), {}) for s in ((3,), ())]


def _hurwitz_q_slope(k, x, q, d):
    """∂q ∂ᵏx ζ(x, q) = ∂ᵏx (-x·ζ(x + 1, q)) = -x·ζ⁽ᵏ⁾(x + 1, q) - k·ζ⁽ᵏ⁻¹⁾(x + 1, q) (k ≥ 1; d: the k-th derivative)."""
    return -x * d(k, x + 1.0, q) - k * d(k - 1.0, x + 1.0, q)


hurwitz_derivative = _special(
    "hurwitz_derivative",
    _hurwitz_derivative_impl,
    (
        _refuse("hurwitz_derivative", "k", "x and q", "k is the order of the derivative"),
        lambda out, k, x, q: hurwitz_derivative(k + 1.0, x, q),
        lambda out, k, x, q: _hurwitz_q_slope(k, x, q, hurwitz_derivative),
    ),
    _scipy_named(
        "hurwitz_derivative",
        None,
        lambda sp, out, i, k, x, q: (
            _scipy_function("hurwitz_derivative")(k + 1, x, q)
            if i == 1
            else _hurwitz_q_slope(k, x, q, _scipy_function("hurwitz_derivative"))
        ),
        scipy_name=_hurwitz_derivative_impl,
        mp=lambda mpmath, k, x, q: mpmath.zeta(x, q, int(k)),
    ),
    domain=("integer", "above_one", "positive"),
    samples=_hurwitz_derivative_samples,
    names=("_hurwitz_derivative",),
    internal=True,
    result_dtype=lambda: _F64,
    doc="∂ᵏ/∂xᵏ ζ(x, q), the k-th derivative of Hurwitz's zeta function in x (zeta's slope, and its own), by mpmath; "
    "∂x = the (k + 1)-th, ∂q = -x·ζ⁽ᵏ⁾(x + 1, q) - k·ζ⁽ᵏ⁻¹⁾(x + 1, q), not differentiable in k",
)


zetac = _special(
    "zetac",
    _scipy("zetac"),
    (lambda out, x: zeta_derivative(1.0, x),),
    _scipy_named(
        "zetac",
        lambda sp, x: sp.zeta(x) - 1,
        lambda sp, out, i, x: _scipy_function("zeta_derivative")(1, x),
    ),
    domain=("above_one",),
    doc="ζ(x) - 1, Riemann's zeta function less its first term (no digit lost for large x; x ≠ 1); "
    "d = ζ′(x), by mpmath (SciPy has none)",
)


# -- Tricomi's U, ₀F₁, Wright's generalized Bessel function (issue 11, special46) ------------------------------------


def _parameter(name, arg, only, what):
    return _refuse(
        name,
        arg,
        only,
        f"SciPy has no derivative of {what} in its parameters, and difflab no exact one; hold {arg} constant, or "
        "differentiate by method='numeric', which differences SciPy's values",
    )


def _mp_wright_bessel(mpmath, a, b, x):
    return mpmath.nsum(lambda k: x**k / (mpmath.factorial(k) * mpmath.gamma(a * k + b)), [0, mpmath.inf])


def _hyperu_samples(rng):
    """Typical calls of hyperu where SciPy's U is within 2e-14 of mpmath (a = 1, b = 1..3, x in (0.2, 3)): at a > b
    SciPy's own value is up to 1e-11 off (U(3, 1, x)), which the symbolic translation's high-precision value, mpmath's,
    would show; the rules read SciPy's U and are as right as it is."""
    return [((np.ones(s, dtype=int), rng.integers(1, 4, s), draw("positive", s, rng)), {}) for s in ((3, 4), (4,), ())]


hyperu = _special(
    "hyperu",
    _scipy("hyperu"),
    (
        _parameter("hyperu", "a", "x", "U"),
        _parameter("hyperu", "b", "x", "U"),
        lambda out, a, b, x: -a * hyperu(a + 1.0, b + 1.0, x),
    ),
    _scipy_named(
        "hyperu",
        None,
        lambda sp, out, i, a, b, x: -a * _scipy_function("hyperu")(a + 1, b + 1, x),
        mp=lambda mpmath, a, b, x: mpmath.hyperu(a, b, x),
    ),
    domain=("integer", "integer", "positive"),
    samples=_hyperu_samples,
    doc="Tricomi's confluent hypergeometric function U(a, b, x) (x > 0), SciPy's value (its own accuracy, ~1e-12 "
    "relative at places); ∂x = -a·U(a + 1, b + 1, x), not differentiable in a or b",
)
hyp0f1 = _special(
    "hyp0f1",
    _scipy("hyp0f1"),
    (_parameter("hyp0f1", "v", "z", "₀F₁"), lambda out, v, z: hyp0f1(v + 1.0, z) / v),
    _scipy_named(
        "hyp0f1",
        lambda sp, v, z: sp.hyper([], [v], z),
        lambda sp, out, i, v, z: _scipy_function("hyp0f1")(v + 1, z) / v,
    ),
    domain=("integer", "real"),
    doc="the confluent hypergeometric limit function ₀F₁(; v; z) = Σ zᵏ/((v)ₖ k!); ∂z = ₀F₁(; v + 1; z)/v, "
    "not differentiable in v",
)
wright_bessel = _special(
    "wright_bessel",
    _scipy("wright_bessel"),
    (
        _parameter("wright_bessel", "a", "x", "Φ"),
        _parameter("wright_bessel", "b", "x", "Φ"),
        lambda out, a, b, x: wright_bessel(a, a + b, x),
    ),
    _scipy_named(
        "wright_bessel",
        None,
        lambda sp, out, i, a, b, x: _scipy_function("wright_bessel")(a, a + b, x),
        mp=_mp_wright_bessel,
    ),
    domain=("integer", "integer", "positive"),
    doc="Wright's generalized Bessel function Φ(a, b; x) = Σ xᵏ/(k! Γ(ak + b)) (a, b, x ≥ 0); "
    "∂x = Φ(a, a + b; x), not differentiable in a or b",
)
log_wright_bessel = _special(
    "log_wright_bessel",
    _scipy("log_wright_bessel"),
    (
        _parameter("log_wright_bessel", "a", "x", "Φ"),
        _parameter("log_wright_bessel", "b", "x", "Φ"),
        lambda out, a, b, x: exp(log_wright_bessel(a, a + b, x) - out),
    ),
    _scipy_named(
        "log_wright_bessel",
        None,
        lambda sp, out, i, a, b, x: sp.exp(_scipy_function("log_wright_bessel")(a, a + b, x) - out),
        mp=lambda mpmath, a, b, x: mpmath.log(_mp_wright_bessel(mpmath, a, b, x)),
    ),
    domain=("integer", "integer", "positive"),
    doc="log Φ(a, b; x), Wright's generalized Bessel function's logarithm (finite where Φ overflows); "
    "∂x = Φ(a, a + b; x)/Φ(a, b; x) = exp(log Φ(a, a + b; x) - log Φ(a, b; x)), not differentiable in a or b",
)


# -- binom, powm1, airy, ellipj, the scaled J and Y, ... (issue 11, special47) ---------------------------------------


def _psi_gap(a, b):
    """ψ(a) - ψ(a + b): `_psi_difference`'s series where a > 0 and |b| < a (no cancellation of two nearly equal ψ at
    large a: binom(1e10, 3)'s slope in n), else the plain difference; each form at held arguments where not used."""
    near = where(greater(a, 0.0), less(_abs(b), a), False)
    a_n, b_n = where(near, a, 1.0), where(near, b, 0.5)
    return where(near, _psi_difference(a_n, _abs(b_n)) * sign(b_n), psi(a) - psi(a + b))


def _binom_partials(out, n, k):
    """(∂n, ∂k) of binom(n, k) = Γ(n + 1)/(Γ(k + 1)Γ(n - k + 1)): out·(ψ(n + 1) - ψ(n - k + 1)) and
    out·(ψ(n - k + 1) - ψ(k + 1)), the differences by `_psi_gap` (with |b| < a: ψ(a) - ψ(a + b) for b < 0 is
    -(ψ(a + b) - ψ(a + b - b))). Where n - k + 1 is a pole of Γ (binom 0, k > n whole: binom(3, 5)) the slope is
    Γ(n + 1)/Γ(k + 1)·(1/Γ)′(n - k + 1), by `_rgamma_slope` (binom(n, 5)′ at n = 3 is -1/20, not 0·∞)."""
    t = n - k + 1.0
    pole = where(less_equal(t, 0.0), equal(t, floor(t)), False)
    k_o, t_o = where(pole, 1.0, k), where(pole, 2.0, t)
    out_o = where(pole, 0.0, out)
    dn = -out_o * _psi_gap(t_o, k_o)
    # ψ(t) - ψ(k + 1) = ψ(a) - ψ(a + b) with a the smaller of t and k + 1 (b = |t - k - 1|, a sign apart)
    low = less(t_o, k_o + 1.0)
    dk = out_o * where(low, _psi_gap(t_o, k_o + 1.0 - t_o), -_psi_gap(k_o + 1.0, t_o - k_o - 1.0))
    # binom = Γ(n + 1)·(1/Γ)(k + 1)·(1/Γ)(t): the terms holding (1/Γ)(t), 0 at the pole, keep their own slopes
    n_p, k_p, t_p = where(pole, n, 2.0), where(pole, k, 1.0), where(pole, t, 0.0)
    scale, r, r_slope = gamma(n_p + 1.0) * rgamma(k_p + 1.0), rgamma(t_p), _rgamma_slope(rgamma(t_p), t_p)
    at_n, at_k = scale * (r * psi(n_p + 1.0) + r_slope), -scale * (r * psi(k_p + 1.0) + r_slope)
    return where(pole, at_n, dn), where(pole, at_k, dk)


def _binom_sympy(sp, out, i, n, k):
    return out * (
        (sp.polygamma(0, n + 1) - sp.polygamma(0, n - k + 1))
        if i == 0
        else (sp.polygamma(0, n - k + 1) - sp.polygamma(0, k + 1))
    )


def _binom_samples(rng):
    """Typical calls of binom: n in (3, 6), k in (0.2, 3) (n - k + 1 ≥ 1, away from the poles of Γ)."""
    return [((rng.uniform(3.0, 6.0, s), draw("positive", s, rng)), {}) for s in ((3, 4), (4,), ())]


binom = _special(
    "binom",
    _scipy("binom"),
    (lambda out, n, k: _binom_partials(out, n, k)[0], lambda out, n, k: _binom_partials(out, n, k)[1]),
    _scipy_named("binom", lambda sp, n, k: sp.gamma(n + 1) / (sp.gamma(k + 1) * sp.gamma(n - k + 1)), _binom_sympy),
    domain=("positive", "positive"),
    samples=_binom_samples,
    doc="the binomial coefficient Γ(n + 1)/(Γ(k + 1)Γ(n - k + 1)), continuous in both (SciPy's binom); "
    "∂n = binom·(ψ(n + 1) - ψ(n - k + 1)), ∂k = binom·(ψ(n - k + 1) - ψ(k + 1)) (at a pole of Γ(n - k + 1) by 1/Γ's "
    "slope; NaN at a negative whole n)",
)
powm1 = _special(
    "powm1",
    _scipy("powm1"),
    (lambda out, x, y: y * x ** (y - 1.0), lambda out, x, y: (out + 1.0) * log(x)),
    _scipy_named(
        "powm1",
        lambda sp, x, y: x**y - 1,
        lambda sp, out, i, x, y: y * x ** (y - 1) if i == 0 else (out + 1) * sp.log(x),
    ),
    domain=("positive", "real"),
    doc="xʸ - 1, exact near y = 0 and x = 1 (SciPy's powm1); ∂x = y·x^(y-1), ∂y = xʸ·log x",
)
wrightomega = _special(
    "wrightomega",
    _scipy("wrightomega"),
    (lambda out, x: out / (1.0 + out),),
    _scipy_named(
        "wrightomega",
        None,
        lambda sp, out, i, x: out / (1 + out),
        mp=lambda mpmath, x: mpmath.lambertw(mpmath.exp(x)).real,
    ),
    domain=("real",),
    doc="Wright's omega function ω(x), the root of ω + log ω = x (= W(eˣ) on the reals); d ω = ω/(1 + ω)",
)
round = _special(  # noqa: A001 (SciPy's name)
    "round",
    _scipy("round"),
    (None,),
    _scipy_named("round", None, mp=lambda mpmath, x: mpmath.nint(x)),
    domain=("real",),
    differentiable=False,
    doc="x rounded to the nearest whole number (halves to even, as SciPy's): piecewise constant, zero derivative",
)
jve = _special(
    "jve",
    _scipy("jve"),
    (_bessel_order_rule("jve"), lambda out, v, x: 0.5 * (jve(v - 1.0, x) - jve(v + 1.0, x))),
    # (real x: e^(-|Im x|) is 1, jve is jv; its meaning on complex x is not this one's)
    _scipy_named(
        "jve",
        lambda sp, v, x: sp.besselj(_order(v), x),
        lambda sp, out, i, v, x: (_scipy_function("jve")(v - 1, x) - _scipy_function("jve")(v + 1, x)) / 2,
    ),
    domain=("integer", "positive"),
    scale=(None, _oscillation),
    doc="the exponentially scaled Bessel function J_v(x)·e^(-|Im x|), J_v(x) on real x; "
    "d = (jve_{v-1} - jve_{v+1})/2, not differentiable in v",
)
yve = _special(
    "yve",
    _scipy("yve"),
    (_bessel_order_rule("yve"), lambda out, v, x: 0.5 * (yve(v - 1.0, x) - yve(v + 1.0, x))),
    _scipy_named(
        "yve",
        lambda sp, v, x: sp.bessely(_order(v), x),
        lambda sp, out, i, v, x: (_scipy_function("yve")(v - 1, x) - _scipy_function("yve")(v + 1, x)) / 2,
    ),
    domain=("integer", "positive"),
    scale=(None, _oscillation_or_pole),
    doc="the exponentially scaled Bessel function Y_v(x)·e^(-|Im x|), Y_v(x) on real x > 0; "
    "d = (yve_{v-1} - yve_{v+1})/2, not differentiable in v",
)


def _beta_density(a, b, x):
    """I_x(a, b)′ = x^(a-1)(1 - x)^(b-1)/B(a, b), with strong zeros at a = 1 or b = 1 (`_xlog`)."""
    return exp(_xlog(a - 1.0, x) + strong_mul(b - 1.0, log1p(-x)) - betaln(a, b))


def _betainc_inverse_mp(upper):
    def root(mpmath, a, b, y):
        """x with I_x(a, b) = y (1 - y: `upper`) in mpmath's precision, from SciPy's value."""
        if not 0 < y < 1:
            return mpmath.nan
        target = 1 - y if upper else y
        start = float(scipy_special().betaincinv(float(a), float(b), float(target)))
        return mpmath.findroot(lambda x: mpmath.betainc(a, b, 0, x, regularized=True) - target, mpmath.mpf(start))

    return root


betaincc = _special(
    "betaincc",
    _scipy("betaincc"),
    (
        lambda out, a, b, x: -betainc_da(a, b, x),
        lambda out, a, b, x: -betainc_db(a, b, x),
        lambda out, a, b, x: -_beta_density(a, b, x),
    ),
    _scipy_named(
        "betaincc",
        lambda sp, a, b, x: sp.betainc_regularized(a, b, x, 1),
        lambda sp, out, i, a, b, x: (
            -(
                _scipy_function(("betainc_da", "betainc_db")[i])(a, b, x)
                if i < 2
                else _betainc_density(sp, out, i, a, b, x)
            )
        ),
    ),
    domain=("integer", "integer", "probability"),
    doc="the complemented regularized incomplete beta function 1 - I_x(a, b) (no digit lost near 1); "
    "∂x = -x^(a-1)(1 - x)^(b-1)/B(a, b), ∂a, ∂b = -betainc_da, -betainc_db",
)
betaincinv = _special(
    "betaincinv",
    _scipy("betaincinv"),
    (
        lambda out, a, b, y: -betainc_da(a, b, out) / _beta_density(a, b, out),
        lambda out, a, b, y: -betainc_db(a, b, out) / _beta_density(a, b, out),
        lambda out, a, b, y: 1.0 / _beta_density(a, b, out),
    ),
    _scipy_named(
        "betaincinv",
        None,
        lambda sp, out, i, a, b, y: (
            (-_scipy_function(("betainc_da", "betainc_db")[i])(a, b, out) if i < 2 else 1)
            / _betainc_density(sp, None, 2, a, b, out)
        ),
        mp=_betainc_inverse_mp(False),
    ),
    domain=("integer", "integer", "probability"),
    scale=(None, None, _to_either_end),
    doc="the inverse in x of the regularized incomplete beta function, I_x(a, b) = y (Beta quantiles); "
    "∂y = B(a, b)·x^(1-a)(1 - x)^(1-b), ∂a = -betainc_da(a, b, x)/density (the implicit function theorem), ∂b so",
)
betainccinv = _special(
    "betainccinv",
    _scipy("betainccinv"),
    (
        lambda out, a, b, y: -betainc_da(a, b, out) / _beta_density(a, b, out),
        lambda out, a, b, y: -betainc_db(a, b, out) / _beta_density(a, b, out),
        lambda out, a, b, y: -1.0 / _beta_density(a, b, out),
    ),
    _scipy_named(
        "betainccinv",
        None,
        lambda sp, out, i, a, b, y: (
            (-_scipy_function(("betainc_da", "betainc_db")[i])(a, b, out) if i < 2 else -1)
            / _betainc_density(sp, None, 2, a, b, out)
        ),
        mp=_betainc_inverse_mp(True),
    ),
    domain=("integer", "integer", "probability"),
    scale=(None, None, _to_either_end),
    doc="the inverse in x of the complemented regularized incomplete beta function, 1 - I_x(a, b) = y; "
    "∂y = -B(a, b)·x^(1-a)(1 - x)^(1-b), ∂a, ∂b as betaincinv's",
)


def _lpmv_slope(out, m, v, x, lpmv_):
    """∂x P_v^m(x) = (v·x·P_v^m - (v + m)·P_{v-1}^m)/(x² - 1) (DLMF 14.10.5; infinite at x = ±1 for m = 1), and for
    m < 0 ((m - v - 1)·P_{v+1}^m + (v + 1)·x·P_v^m)/(1 - x²) (DLMF 14.10.4): SciPy's P_{v-1}^m is NaN where
    |m| > v - 1 for m < 0 (P_v^{-m} is not 0 there), so the first form's slope of P₃⁻³ and second derivative of P₃⁻²
    were NaN; the degree above stays in SciPy's reach. Each form at a held order (0) where it is not used, so it
    forms no NaN there; a SymPy number m picks its form."""
    if type(m).__module__.startswith("sympy"):
        if m.is_Number and m < 0:
            return ((m - v - 1) * lpmv_(m, v + 1, x) + (v + 1) * x * out) / (1 - x * x)
        return (v * x * out - (v + m) * lpmv_(m, v - 1, x)) / (x * x - 1)
    below = less(m, 0.0)
    m_up, m_down = where(below, m, 0.0), where(below, 0.0, m)
    up = ((m_up - v - 1.0) * lpmv_(m_up, v + 1.0, x) + (v + 1.0) * x * where(below, out, 0.0)) / (1.0 - x * x)
    down = (v * x * where(below, 0.0, out) - (v + m_down) * lpmv_(m_down, v - 1.0, x)) / (x * x - 1.0)
    return where(below, up, down)


def _assoc_legendre(sp, m, v, x):
    """SymPy's P_v^m(x), and SciPy's 0 where |m| > v for whole m and v (P_{-v-1} = P_v): SymPy refuses those, and
    lpmv's slope reads P_{v-1}^m, so P_1^1's 40-digit slope needed P_0^1 (a random graph's lpmv(1, 1, x) found it)."""
    if m.is_Integer and v.is_Integer and abs(m) > (v if v >= 0 else -v - 1):
        return sp.Integer(0)
    return sp.assoc_legendre(v, m, x)


def _lpmv_samples(rng):
    """Typical calls of lpmv: degree v 2..4, order m = v or v - 1, 0.2 < |x| < 0.9, where P_v^m has no zero (SciPy's
    value is 2.7e-13 off mpmath's, 1.7e-15 absolute, beside P_4^1's zero at x = 0.48)."""
    calls = []
    for s in ((3, 4), (4,), ()):
        v = rng.integers(2, 5, s)
        x = rng.uniform(0.2, 0.9, s) * np.where(rng.random(s) > 0.5, 1.0, -1.0)
        calls.append(((v - rng.integers(0, 2, s), v, x), {}))
    return calls


lpmv = _special(
    "lpmv",
    _scipy("lpmv"),
    (
        _refuse("lpmv", "m"),
        _refuse("lpmv", "v"),
        lambda out, m, v, x: _lpmv_slope(out, m, v, x, lambda *a: lpmv(*a)),
    ),
    _scipy_named(
        "lpmv",
        lambda sp, m, v, x: _assoc_legendre(sp, _order(m), _order(v), x),
        lambda sp, out, i, m, v, x: _lpmv_slope(out, m, v, x, lambda *a: _scipy_function("lpmv")(*a)),
    ),
    domain=("integer", "integer", "unit"),
    samples=_lpmv_samples,
    doc="the associated Legendre function P_v^m(x) on -1 < x < 1 (Condon-Shortley phase, as SciPy's); "
    "∂x = (v·x·P_v^m - (v + m)·P_{v-1}^m)/(x² - 1), not differentiable in m or v",
)


# several outputs: one entry a part, the last one's front SciPy's name returning them all (as fresnel's pair)


def _scipy_output(name, k, nargs):
    def impl(*args):
        fn = getattr(scipy_special(), name)
        out = fn(*args)[k]
        born = _born(lambda *a: fn(*a)[k], out, args)
        if born is not None:
            _say(name, *born)
        return out

    impl.__name__ = f"{name}_{k}"
    return impl


def _output_parts(name, parts, domain, ufunc, samples=None, values=None):
    """The entries of SciPy's several-output ufunc `name`: `parts` one (part name, partials, SymPy form or None,
    SymPy derivative, mp or None, doc) each; the last carries the front, spelled `name`, returning every part.
    `values`: {k: difflab's own value of part k} where SciPy's is not right (iti0k0's ∫I₀ beyond 19)."""
    made: list = []
    front = lambda *args: tuple(part(*args) for part in made)  # noqa: E731
    front.tuple_valued = True  # (no function of the expression language: those have one value)
    for k, (part, partials, form, derivative, mp, doc) in enumerate(parts):
        last = k == len(parts) - 1
        impl = (values or {}).get(k) or _scipy_output(name, k, len(domain))
        spelled = {"front": front, "names": (name,)} if last else {"names": (f"_{part}",)}
        made.append(
            _special(
                part,
                impl,
                partials,
                _scipy_named(part, form, derivative, scipy_name=impl, mp=mp),
                domain=domain,
                ufunc=ufunc,
                internal=True,
                doc=doc,
                samples=samples,
                **spelled,
            )
        )
    return made


def _airy_named(k):
    return lambda sp, out, i, x: _scipy_function(("airy_ai", "airy_aip", "airy_bi", "airy_bip")[k])(x)


def _x_times(name):
    return lambda sp, out, i, x: x * _scipy_function(name)(x)


airy_ai, airy_aip, airy_bi, airy_bip = _output_parts(
    "airy",
    (
        ("airy_ai", (lambda out, x: airy_aip(x),), lambda sp, x: sp.airyai(x), _airy_named(1), None,
         "Airy's Ai(x), scipy.special.airy(x)[0]; d Ai = Ai′"),
        ("airy_aip", (lambda out, x: x * airy_ai(x),), lambda sp, x: sp.airyaiprime(x), _x_times("airy_ai"), None,
         "Airy's Ai′(x), scipy.special.airy(x)[1]; d Ai′ = x·Ai (Airy's equation)"),
        ("airy_bi", (lambda out, x: airy_bip(x),), lambda sp, x: sp.airybi(x), _airy_named(3), None,
         "Airy's Bi(x), scipy.special.airy(x)[2]; d Bi = Bi′"),
        ("airy_bip", (lambda out, x: x * airy_bi(x),), lambda sp, x: sp.airybiprime(x), _x_times("airy_bi"), None,
         "Airy's Bi′(x), scipy.special.airy(x)[3]; d Bi′ = x·Bi"),
    ),
    ("real",),
    "dawsn",  # (airy's loops, f->ffff and d->dddd, have dawsn's dtypes)
)  # fmt: skip


def _pos(x):
    return where(greater(x, 0.0), x, 0.0) ** 0.5


def _sp_pos(x):
    sp = _sp()
    return sp.sqrt(sp.Max(x, 0))


def _airye_mp(part, sign):
    """mpmath's Ai, Ai′, Bi or Bi′ (`part`: name, order) times e^(sign·ζ), ζ = (2/3)x^(3/2), at x ≥ 0; at x < 0 the
    scaled Bi's are Bi's (Re ζ = 0) and the scaled Ai's NaN, as SciPy's real loop gives."""

    def value(mpmath, x):
        plain = getattr(mpmath, part[0])(x, derivative=part[1])
        if x < 0:
            return plain if sign < 0 else mpmath.nan
        return plain * mpmath.exp(sign * mpmath.mpf(2) / 3 * x * mpmath.sqrt(x))

    return value


def _airye_rule(pair, k, sign):
    """d of part k (0: the function, 1: its derivative) of airye's pair `pair` (eAi, eAi′ or eBi, eBi′) scaled by
    e^(sign·ζ): eAi′ + √x·eAi, x·eAi + √x·eAi′ (sign +1), eBi′ - √x·eBi, x·eBi - √x·eBi′ (sign -1; √x 0 at x < 0)."""

    def rule(out, x):
        f, fp = pair()
        return (fp(x) if k == 0 else x * f(x)) + sign * _pos(x) * out

    def sympy(sp, out, i, x):
        f, fp = (_scipy_function(n) for n in pair(names=True))
        return (fp(x) if k == 0 else x * f(x)) + sign * _sp_pos(x) * out

    return rule, sympy


def _airye_pair(first):
    def pair(names=False):
        found = ("airye_ai", "airye_aip") if first else ("airye_bi", "airye_bip")
        return found if names else tuple(REGISTRY[n] for n in found)

    return pair


_AIRYE = [_airye_rule(_airye_pair(k < 2), k % 2, 1.0 if k < 2 else -1.0) for k in range(4)]
airye_ai, airye_aip, airye_bi, airye_bip = _output_parts(
    "airye",
    (
        ("airye_ai", (_AIRYE[0][0],), None, _AIRYE[0][1], _airye_mp(("airyai", 0), 1),
         "Ai(x)·e^ζ, ζ = (2/3)x^(3/2), scipy.special.airye(x)[0] (NaN at x < 0, as SciPy's); d = eAi′ + √x·eAi"),
        ("airye_aip", (_AIRYE[1][0],), None, _AIRYE[1][1], _airye_mp(("airyai", 1), 1),
         "Ai′(x)·e^ζ, scipy.special.airye(x)[1] (NaN at x < 0); d = x·eAi + √x·eAi′"),
        ("airye_bi", (_AIRYE[2][0],), None, _AIRYE[2][1], _airye_mp(("airybi", 0), -1),
         "Bi(x)·e^(-|Re ζ|), scipy.special.airye(x)[2]; d = eBi′ - √x·eBi (√x: 0 at x < 0)"),
        ("airye_bip", (_AIRYE[3][0],), None, _AIRYE[3][1], _airye_mp(("airybi", 1), -1),
         "Bi′(x)·e^(-|Re ζ|), scipy.special.airye(x)[3]; d = x·eBi - √x·eBi′"),
    ),
    ("positive",),
    "dawsn",
)  # fmt: skip


def _ellipj_mp(which):
    def value(mpmath, u, m):
        if which == "ph":  # the amplitude: φ with F(φ|m) = u, from SciPy's
            start = float(scipy_special().ellipj(float(u), float(m))[3])
            return mpmath.findroot(lambda p: mpmath.ellipf(p, m) - u, mpmath.mpf(start))
        return mpmath.ellipfun(which, u, m=m)

    return value


def _ellipj_m_slopes(u, m, sn, cn, dn, ph, f_m):
    """(∂m sn, ∂m cn, ∂m dn, ∂m φ) at fixed u: F(φ|m) = u gives ∂m φ = -dn·∂m F(φ|m) (`f_m`: ellipkinc's own m-rule,
    2n·K′(m) + s³·RD(c², 1, Δ²)/6), then sn = sin φ, cn = cos φ and dn² = 1 - m·sn² (difflab or SymPy values)."""
    ph_m = -dn * f_m(ph, m)
    return cn * ph_m, -sn * ph_m, -(sn * sn + 2.0 * m * sn * cn * ph_m) / (2.0 * dn), ph_m


def _ellipj_rules(k):
    """The u- and m-rules of ellipj's part k (sn, cn, dn, φ), and its SymPy derivative."""
    u_slopes = (
        lambda sn, cn, dn, m: cn * dn,
        lambda sn, cn, dn, m: -sn * dn,
        lambda sn, cn, dn, m: -m * sn * cn,
        lambda sn, cn, dn, m: dn,
    )[k]

    def parts(u, m):
        return tuple(REGISTRY[n](u, m) for n in _ELLIPJ)

    def du(out, u, m):
        sn, cn, dn, _ = parts(u, m)
        return u_slopes(sn, cn, dn, m)

    def dm(out, u, m):
        return _ellipj_m_slopes(u, m, *parts(u, m), lambda p, m_: _ELLIPKINC_RULES[0][1](None, p, m_))[k]

    def sympy(sp, out, i, u, m):
        sn, cn, dn, ph = (_scipy_function(n)(u, m) for n in _ELLIPJ)
        if i == 0:
            return u_slopes(sn, cn, dn, m)
        return _ellipj_m_slopes(u, m, sn, cn, dn, ph, lambda p, m_: _ELLIPKINC_RULES[1](sp, None, 1, p, m_))[k]

    return (du, dm), sympy


_ELLIPJ = ("ellipj_sn", "ellipj_cn", "ellipj_dn", "ellipj_ph")


def _ellipj_part(k, doc):
    rules, sympy = _ellipj_rules(k)
    return (_ELLIPJ[k], rules, None, sympy, _ellipj_mp(("sn", "cn", "dn", "ph")[k]), doc)


ellipj_sn, ellipj_cn, ellipj_dn, ellipj_ph = _output_parts(
    "ellipj",
    (
        _ellipj_part(0, "Jacobi's sn(u|m), scipy.special.ellipj(u, m)[0]; ∂u = cn·dn, ∂m = cn·∂m φ"),
        _ellipj_part(1, "Jacobi's cn(u|m), scipy.special.ellipj(u, m)[1]; ∂u = -sn·dn, ∂m = -sn·∂m φ"),
        _ellipj_part(2, "Jacobi's dn(u|m), scipy.special.ellipj(u, m)[2]; ∂u = -m·sn·cn, "
                     "∂m = -(sn² + 2m·sn·cn·∂m φ)/(2dn)"),
        _ellipj_part(3, "the amplitude am(u|m) = φ with F(φ|m) = u, scipy.special.ellipj(u, m)[3]; ∂u = dn, "
                     "∂m φ = -dn·∂m F(φ|m)"),
    ),
    ("real", "probability"),
    "ellipkinc",  # (ellipj's loops, ff->ffff and dd->dddd, have ellipkinc's dtypes)
)  # fmt: skip


def _diric_slope(x, n, sin_, cos_, gegenbauer):
    """d/dx sin(nx/2)/(n sin(x/2)) = d/dx U_{n-1}(cos(x/2))/n (sin(nθ)/sin θ is Chebyshev's U_{n-1}(cos θ) for a whole
    n ≥ 1) = -sin(x/2)/n · 2C^(2)_{n-2}(cos(x/2))/2: a polynomial in cos(x/2), no 0/0 at x = 2πk where the quotient's
    own slope cancels (C^(2)_{-1} = 0: n = 1, diric is 1)."""
    return -sin_(0.5 * x) / n * gegenbauer(n - 2.0, 2.0, cos_(0.5 * x))


diric = _special(
    "diric",
    _scipy("diric"),
    (
        lambda out, x, n: _diric_slope(x, n, sin, cos, lambda *a: eval_gegenbauer(*a)),
        _refuse("diric", "n", why="n, a whole number, sets the period"),
    ),
    _scipy_named(
        "diric",
        lambda sp, x, n: sp.sin(n * x / 2) / (n * sp.sin(x / 2)),
        lambda sp, out, i, x, n: _diric_slope(x, n, sp.sin, sp.cos, _scipy_function("eval_gegenbauer")),
    ),
    domain=("real", "integer"),
    scale=(_oscillation, None),
    doc="the Dirichlet kernel sin(nx/2)/(n sin(x/2)) (n a whole number ≥ 1; ±1 at x = 2πk, as SciPy's); "
    "∂x = -sin(x/2)·C^(2)_{n-2}(cos(x/2))/n, no 0/0 at x = 2πk, not differentiable in n",
)


def _smirnov_terms(mpmath, n, d, last=None):
    """The terms Cₙⱼ d (d + j/n)^(j-1) (1 - d - j/n)^(n-j), j ≤ n(1 - d), of Smirnov's survival function (Birnbaum and
    Tingey's sum), and their slopes in d; `last`: the last j, where a derivative holds the piece of d's (the sum is a
    polynomial between the points d = 1 - j/n, and mpmath's diff steps past them and past 0)."""
    n = int(n)
    for j in range((int(mpmath.floor(n * (1 - d))) if last is None else last) + 1):
        a, b = d + mpmath.mpf(j) / n, 1 - d - mpmath.mpf(j) / n
        if j == 0:  # (d·(d + 0)^(-1) is 1: no 1/d to round near d = 0)
            yield b**n, -n * b ** (n - 1)
            continue
        c = mpmath.binomial(n, j)
        slope = a ** (j - 1) * b ** (n - j) + (j - 1) * d * a ** (j - 2) * b ** (n - j)
        if n > j:  # (b^(n-j-1): b may be 0 at d = 1 - j/n)
            slope -= (n - j) * d * a ** (j - 1) * b ** (n - j - 1)
        yield c * d * a ** (j - 1) * b ** (n - j), c * slope


def _smirnov_slope_impl(n, d):
    """SciPy's `_smirnovp(n, d)`, the slope of smirnov(n, d) in d (SciPy's private ufunc: no public name)."""
    from scipy.special import _ufuncs

    out = _ufuncs._smirnovp(n, d)
    born = _born(_ufuncs._smirnovp, out, (n, d))
    if born is not None:
        _say("smirnov", *born)
    return out


def _smirnov_derivative_impl(k, n, d):
    """∂ᵏ/∂dᵏ smirnov(n, d) (k ≥ 2: the orders past SciPy's _smirnovp) by mpmath's diff of Birnbaum and Tingey's sum at
    20 digits, element by element (rounded to a double)."""
    import mpmath  # noqa: F401  (imported before the loop: its import sets floating-point flags)

    return _smirnov_derivative_kept(k, n, d)


def _smirnov_derivative_one(k, n, d):
    import mpmath

    if not (k >= 0 and k == int(k) and n >= 1 and n == int(n) and 0 < d < 1):
        return math.nan
    with mpmath.workdps(20):
        try:
            last = math.floor(int(n) * (1 - fractions.Fraction(float(d))))  # (exact: 1 - 1e-25 is 1 in 20 digits)
            piece = lambda t: mpmath.fsum(x for x, _ in _smirnov_terms(mpmath, n, t, last))  # noqa: E731
            return float(mpmath.diff(piece, mpmath.mpf(float(d)), int(k)))
        except ZeroDivisionError:  # (d within diff's step of 0: (d + j/n)^(j-1) at 0; the sum ends at d = 0)
            return math.nan


_smirnov_derivative_one.__name__ = "one"  # (NumPy's words for a flag it set, as before: "... in one (vectorized)")
_smirnov_derivative_kept = _Kept(_smirnov_derivative_one)


def _smirnov_derivative_samples(rng):
    return [((rng.integers(2, 4, s), rng.integers(1, 6, s), draw("probability", s, rng)), {}) for s in ((3,), ())]


def _mp_smirnov_derivative(mpmath, k, n, d):
    last = math.floor(int(n) * (1 - fractions.Fraction(float(d))))
    return mpmath.diff(lambda t: mpmath.fsum(x for x, _ in _smirnov_terms(mpmath, n, t, last)), d, int(k))


smirnov_derivative = _special(
    "smirnov_derivative",
    _smirnov_derivative_impl,
    (
        _refuse("smirnov_derivative", "k", "d", "k is the order of the derivative"),
        _refuse("smirnov", "n", "d"),
        lambda out, k, n, d: smirnov_derivative(k + 1.0, n, d),
    ),
    _scipy_named(
        "smirnov_derivative",
        None,
        lambda sp, out, i, k, n, d: _scipy_function("smirnov_derivative")(k + 1, n, d),
        scipy_name=_smirnov_derivative_impl,
        mp=_mp_smirnov_derivative,
    ),
    domain=("integer", "integer", "probability"),
    samples=_smirnov_derivative_samples,
    names=("_smirnov_derivative",),  # (no SciPy function: private, as zeta_derivative's)
    internal=True,
    result_dtype=lambda: _F64,
    doc="the k-th derivative of smirnov(n, d) in d (k ≥ 2; smirnov's second and later), by mpmath; "
    "∂d = the (k + 1)-th, not differentiable in k or n",
)
smirnov_slope = _special(
    "smirnov_slope",
    _smirnov_slope_impl,
    (_refuse("smirnov", "n", "d"), lambda out, n, d: smirnov_derivative(2.0, n, d)),
    _scipy_named(
        "smirnov_slope",
        None,
        lambda sp, out, i, n, d: _scipy_function("smirnov_derivative")(2, n, d),
        scipy_name=_smirnov_slope_impl,
        mp=lambda mpmath, n, d: mpmath.fsum(s for _, s in _smirnov_terms(mpmath, n, d)),
    ),
    domain=("integer", "probability"),
    names=("_smirnovp",),
    ufunc="smirnov",
    internal=True,
    doc="the slope of Smirnov's one-sided survival function in d, SciPy's _smirnovp(n, d); its own slope by mpmath "
    "(smirnov_derivative), not differentiable in n",
)
smirnov = _special(
    "smirnov",
    _scipy("smirnov"),
    (_refuse("smirnov", "n", "d"), lambda out, n, d: smirnov_slope(n, d)),
    _scipy_named(
        "smirnov",
        None,
        lambda sp, out, i, n, d: _scipy_function("smirnov_slope")(n, d),
        mp=lambda mpmath, n, d: mpmath.fsum(t for t, _ in _smirnov_terms(mpmath, n, d)),
    ),
    domain=("integer", "probability"),
    doc="Smirnov's one-sided Kolmogorov-Smirnov survival function P(Dₙ⁺ ≥ d) (n a whole number); ∂d = SciPy's "
    "_smirnovp(n, d) (the next orders by mpmath's diff of the sum), not differentiable in n",
)


def _smirnovi_mp(mpmath, n, p):
    if not 0 < p < 1:
        return mpmath.nan
    start = float(scipy_special().smirnovi(int(n), float(p)))
    return mpmath.findroot(lambda d: mpmath.fsum(t for t, _ in _smirnov_terms(mpmath, n, d)) - p, mpmath.mpf(start))


smirnovi = _special(
    "smirnovi",
    _scipy("smirnovi"),
    (_refuse("smirnovi", "n", "p"), lambda out, n, p: 1.0 / smirnov_slope(n, out)),
    _scipy_named(
        "smirnovi",
        None,
        lambda sp, out, i, n, p: 1 / _scipy_function("smirnov_slope")(n, out),
        mp=_smirnovi_mp,
    ),
    domain=("integer", "probability"),
    scale=(None, _to_either_end),
    doc="the inverse of smirnov in d: smirnov(n, d) = p; ∂p = 1/_smirnovp(n, d), not differentiable in n",
)


# -- Kelvin's functions, Hankel's, the integrals of Bessel's and Struve's functions (issue 11, special48) -------------


_KELVIN_SMALL = 1.0  # |x| below which berp/x and beip/x are their series (k ≤ 5: the next below 1e-26 of them;
# the quotient's own derivatives cancel as ε/x² there)


def _kelvin_over_x(p, x, series):
    """p(x)/x, Kelvin's equation's first-order term (p: berp, beip, kerp or keip at x): for berp and beip (`series`:
    0 for berp, 1 for beip) at |x| < 1 the series of berp/x = Σₖ₌₁ (-1)ᵏ k (x/2)^(4k-2)/((2k)!)² and beip/x =
    Σₖ₌₀ (-1)ᵏ (2k + 1)(x/2)^(4k)/(2((2k + 1)!)²), a polynomial: exact at x = 0 (0 and 1/2) and to every order there
    (a constant limit gave berp‴(0) = -1/2 for -3/8); x held at 1 there, so no 0/0 forms. ker's (series None): p/x."""
    if series is None:
        return p / x
    small = less(_abs(x), _KELVIN_SMALL)
    y = where(small, 0.5 * x, 0.0)
    total = 0.0 * y
    for k in range(5, 0 if series == 0 else -1, -1):
        if series == 0:
            c, power = (-1) ** k * k / math.factorial(2 * k) ** 2, 4 * k - 2
        else:
            c, power = (-1) ** k * (2 * k + 1) / (2 * math.factorial(2 * k + 1) ** 2), 4 * k
        total = total + c * y**power
    return where(small, total, p / where(small, 1.0, x))


def _kelvin_sympy_over_x(sp, p, x, series):
    if series is None:
        return p / x
    if series == 0:
        terms = sum((-1) ** k * k * (x / 2) ** (4 * k - 2) / sp.factorial(2 * k) ** 2 for k in range(1, 6))
    else:
        terms = sum((-1) ** k * (2 * k + 1) * (x / 2) ** (4 * k) / (2 * sp.factorial(2 * k + 1) ** 2) for k in range(6))
    return sp.Piecewise((terms, sp.Abs(x) < _KELVIN_SMALL), (p / x, True))


def _kelvin(name, slope, form, mp, domain, doc):
    """The entry of Kelvin's function `name` (SciPy's, order 0): `slope(fn)` its derivative from the registry's (or
    SymPy's named) functions `fn(name)`, mp(mpmath, x) its value in any precision."""
    return _special(
        name,
        _scipy(name),
        (lambda out, x: slope(lambda n: REGISTRY[n], x, where, _kelvin_over_x),),
        _scipy_named(
            name,
            None,
            lambda sp, out, i, x: slope(_scipy_function, x, None, functools.partial(_kelvin_sympy_over_x, sp)),
            mp=mp,
        ),
        domain=domain,
        doc=doc,
    )


def _kelvin_mp(name, derivative=False):
    def value(mpmath, x):
        fn = getattr(mpmath, name)
        return mpmath.diff(lambda t: fn(0, t), x) if derivative else fn(0, x)

    return value


def _kelvin_ode(p, f, sign, series):
    """The slope of Kelvin's derivative `p` (berp, beip, kerp, keip) by Kelvin's equation x²w″ + xw′ - ix²w = 0 for
    w = ber + i·bei (and ker + i·kei): ber″ = -berp/x - bei, bei″ = -beip/x + ber (`f` the other function, `sign`)."""
    return lambda fn, x, where_, over_x: sign * fn(f)(x) - over_x(fn(p)(x), x, series)


ber = _kelvin("ber", lambda fn, x, *_: fn("berp")(x), None, _kelvin_mp("ber"), ("real",),
              "Kelvin's ber(x) = Re J₀(x·e^(3πi/4)); d ber = berp")  # fmt: skip
bei = _kelvin("bei", lambda fn, x, *_: fn("beip")(x), None, _kelvin_mp("bei"), ("real",),
              "Kelvin's bei(x) = Im J₀(x·e^(3πi/4)); d bei = beip")  # fmt: skip
ker = _kelvin("ker", lambda fn, x, *_: fn("kerp")(x), None, _kelvin_mp("ker"), ("positive",),
              "Kelvin's ker(x) = Re K₀(x·e^(πi/4)) (x > 0); d ker = kerp")  # fmt: skip
kei = _kelvin("kei", lambda fn, x, *_: fn("keip")(x), None, _kelvin_mp("kei"), ("positive",),
              "Kelvin's kei(x) = Im K₀(x·e^(πi/4)) (x > 0); d kei = keip")  # fmt: skip
berp = _kelvin("berp", _kelvin_ode("berp", "bei", -1.0, 0), None, _kelvin_mp("ber", True), ("real",),
               "ber′(x), Kelvin's; d berp = -berp/x - bei (Kelvin's equation; -bei(0) = 0 at x = 0)")  # fmt: skip
beip = _kelvin("beip", _kelvin_ode("beip", "ber", 1.0, 1), None, _kelvin_mp("bei", True), ("real",),
               "bei′(x), Kelvin's; d beip = -beip/x + ber (Kelvin's equation; 1/2 at x = 0)")  # fmt: skip
kerp = _kelvin("kerp", _kelvin_ode("kerp", "kei", -1.0, None), None, _kelvin_mp("ker", True), ("positive",),
               "ker′(x), Kelvin's (x > 0); d kerp = -kerp/x - kei (Kelvin's equation)")  # fmt: skip
keip = _kelvin("keip", _kelvin_ode("keip", "ker", 1.0, None), None, _kelvin_mp("kei", True), ("positive",),
               "kei′(x), Kelvin's (x > 0); d keip = -keip/x + ker (Kelvin's equation)")  # fmt: skip


def _kelvin_front(x):
    """scipy.special.kelvin(x): (ber + i·bei, ker + i·kei, berp + i·beip, kerp + i·keip), each part SciPy's own
    function (bitwise kelvin's parts: checked on 4006 points in [-20, 20], 0, 1e-300, 50 and 100)."""
    parts = [REGISTRY[n](x) for n in ("ber", "bei", "ker", "kei", "berp", "beip", "kerp", "keip")]
    return tuple(parts[k] + 1j * parts[k + 1] for k in range(0, 8, 2))


_kelvin_front.tuple_valued = True  # (no function of the expression language: those have one value)
kelvin_ber = _special(
    "kelvin_ber",
    _scipy("ber"),
    (lambda out, x: berp(x),),
    _scipy_named("kelvin_ber", None, lambda sp, out, i, x: _scipy_function("berp")(x), "ber", _kelvin_mp("ber")),
    domain=("real",),
    names=("kelvin",),
    front=_kelvin_front,
    ufunc="ber",
    internal=True,
    doc="ber(x) as the real part of scipy.special.kelvin(x)[0]; the entry carrying kelvin's front (its four complex "
    "values from ber, bei, ker, kei, berp, beip, kerp and keip); d = berp",
)


def _hankel_value(name, k):
    """The real (k = 0) or imaginary (k = 1) part of SciPy's complex `name`(v, x) (hankel1, ...) at real x."""

    def impl(v, x):
        fn = getattr(scipy_special(), name)
        out = (np.real, np.imag)[k](fn(v, x))
        born = _born(lambda *a: (np.real, np.imag)[k](fn(*a)), out, (v, x))
        if born is not None:
            _say(name, *born)
        return out

    impl.__name__ = f"{name}_{('re', 'im')[k]}"
    return impl


def _hankel_slope(re_m, re_p, im_m, im_p, re, im, k, c):
    """d/dx of part k of H = re + i·im, H one of Hankel's (scaled by e^(∓ix): c = -1 for H⁽¹⁾e, 1 for H⁽²⁾e, 0
    unscaled): H′ = (H_{v-1} - H_{v+1})/2 + c·i·H, so Re H′ = (re_{v-1} - re_{v+1})/2 - c·im, Im H′ alike + c·re."""
    if k == 0:
        return 0.5 * (re_m - re_p) - c * im if c else 0.5 * (re_m - re_p)
    return 0.5 * (im_m - im_p) + c * re if c else 0.5 * (im_m - im_p)


def _hankel_mp(name, k, c):
    def value(mpmath, v, x):
        h = getattr(mpmath, name[:7])(v, x) * mpmath.expj(c * x)  # (hankel1e: H⁽¹⁾·e^(-ix), c = -1)
        return (h.real, h.imag)[k]

    return value


def _hankel_samples(rng):
    """Typical calls of Hankel's functions: order 0..2, 0.5 < x < 3 (SciPy's AMOS-computed H⁽¹⁾_3(0.2)'s real part, J₃,
    is 4.5e-13 off mpmath's: 2.3e-15 absolute on 5e-3)."""
    return [((rng.integers(0, 3, s), rng.uniform(0.5, 3.0, s)), {}) for s in ((3, 4), (4,), ())]


def _hankel(name, c, doc):
    """The two real entries (Re, Im at real x) of SciPy's complex `name`(v, x), the second carrying the front
    `name`(v, x) = re + i·im (complex, as SciPy's); c: the scale's sign (`_hankel_slope`)."""
    parts = (f"{name}_re", f"{name}_im")
    made: list = []

    def rule(k):
        def slope(out, v, x):
            re, im = (REGISTRY[n] for n in parts)
            return _hankel_slope(
                re(v - 1.0, x), re(v + 1.0, x), im(v - 1.0, x), im(v + 1.0, x), re(v, x), im(v, x), k, c
            )

        def sympy(sp, out, i, v, x):
            re, im = (_scipy_function(n) for n in parts)
            return _hankel_slope(re(v - 1, x), re(v + 1, x), im(v - 1, x), im(v + 1, x), re(v, x), im(v, x), k, c)

        return slope, sympy

    def front(v, x):
        return made[0](v, x) + 1j * made[1](v, x)

    for k in range(2):
        slope, sympy = rule(k)
        spelled = {"front": front, "names": (name,)} if k == 1 else {"names": (f"_{parts[k]}",)}
        made.append(
            _special(
                parts[k],
                _hankel_value(name, k),
                (_bessel_order_rule(name), slope),
                _scipy_named(parts[k], None, sympy, scipy_name=_hankel_value(name, k), mp=_hankel_mp(name, k, c)),
                domain=("integer", "positive"),
                samples=_hankel_samples,
                ufunc="jv",  # (hankel1's loops fF->F, dD->D: its parts have jv's real dtypes)
                internal=True,
                doc=f"{('the real', 'the imaginary')[k]} part of {doc} (x real); its slope by Hankel's recurrence",
                **spelled,
            )
        )
    return made


hankel1_re, hankel1_im = _hankel("hankel1", 0.0, "Hankel's H⁽¹⁾_v(x) = J_v + i·Y_v, scipy.special.hankel1")
hankel2_re, hankel2_im = _hankel("hankel2", 0.0, "Hankel's H⁽²⁾_v(x) = J_v - i·Y_v, scipy.special.hankel2")
hankel1e_re, hankel1e_im = _hankel("hankel1e", -1.0, "H⁽¹⁾_v(x)·e^(-ix), scipy.special.hankel1e")
hankel2e_re, hankel2e_im = _hankel("hankel2e", 1.0, "H⁽²⁾_v(x)·e^(ix), scipy.special.hankel2e")


def _itj0y0_samples(rng):
    """Typical calls of itj0y0 (and it2i0k0): 0.2 < x < 2, away from ∫₀ˣ Y₀'s zero at 2.5 (SciPy's value is 6e-15
    absolute off mpmath's there: 7e-14 relative at 2.4) and ∫ₓ^∞ K₀(t)/t dt's tail (3.5e-15 absolute, 3.8e-13 relative
    at 2.8; 5.6e-14 at most below 2)."""
    return [((rng.uniform(0.2, 2.0, s),), {}) for s in ((3, 4), (4,), ())]


def _integral_mp(fn):
    """∫₀ˣ fn(t) dt in mpmath's precision (tanh-sinh: Y₀'s and K₀'s log at 0 too)."""
    return lambda mpmath, x: mpmath.quad(lambda t: fn(mpmath, t), [0, x])


def _integrand(name, *held):
    """The slope of ∫₀ˣ f: the registry's `name` at x (SymPy: its named function), `held` arguments first."""
    return (
        (lambda out, x: REGISTRY[name](*held, x),),
        lambda sp, out, i, x: _scipy_function(name)(*held, x),
    )


def _integral_part(part, name, doc, mp):
    (rule,), sympy = _integrand(name)
    return (part, (rule,), None, sympy, _integral_mp(mp), doc)


itj0y0_j0, itj0y0_y0 = _output_parts(
    "itj0y0",
    (
        _integral_part("itj0y0_j0", "j0", "∫₀ˣ J₀(t) dt, scipy.special.itj0y0(x)[0]; d = J₀(x)",
                       lambda mpmath, t: mpmath.besselj(0, t)),
        _integral_part("itj0y0_y0", "y0", "∫₀ˣ Y₀(t) dt (x > 0), scipy.special.itj0y0(x)[1]; d = Y₀(x)",
                       lambda mpmath, t: mpmath.bessely(0, t)),
    ),
    ("positive",),
    "dawsn",  # (itj0y0's loops, f->ff and d->dd, have dawsn's dtypes)
    _itj0y0_samples,
)  # fmt: skip
_GROWING_NEAR, _GROWING_FAR = 19.0, 40.0  # SciPy's ∫I₀, ∫L₀ to 19, a quadrature from it to 40, the series beyond
_GAUSS_20 = np.polynomial.legendre.leggauss(20)


def _gauss_panels(fn, start, a):
    """∫ from `start` to each a of fn (SciPy's, on NumPy values) by 16 panels of 20-point Gauss-Legendre."""
    nodes, weights = _GAUSS_20
    h = (a - start) / 16.0
    t = start + h[:, None, None] * (np.arange(16.0)[:, None] + 0.5 * (nodes + 1.0))
    return 0.5 * h * np.einsum("k,pjk->p", weights, fn(t))


def _growing_integral(scipy_value, integrand, odd, log_part):
    """∫₀ˣ I₀ (odd, log_part False) or ∫₀ˣ L₀ (even, log_part True) in floats. SciPy's iti0k0 and itmodstruve0 are
    right to 2e-14 below 19 and switch at 20 to a short asymptotic series, 1.3e-7 off at 20, 9e-10 at 30, 3e-11 at
    40. Beyond 19: SciPy's at 19 plus `_gauss_panels` of SciPy's i0 or modstruve(0, t) to 40; beyond 40
    e^x/√(2πx)·Σₖ bₖx⁻ᵏ, k < 40, the integral of I₀'s series (cₖ = ((2k - 1)!!)²/(k!·8ᵏ), bₖ = cₖ + (k - ½)bₖ₋₁:
    its least term is ~e⁻ˣ, 40 terms reach it beyond 40), less (2/π)(log 2x + γ) for L₀ (∫₀ˣ (I₀ - L₀) to 2e-4,
    2e-20 relative there). Against mpmath's quadrature (30 digits) at 19.5..700: ≤ 2.7e-14 relative (SciPy's own
    error at 19 carried), ≤ 1e-15 from 25 on."""

    def value(x):
        sc = scipy_special()
        x = np.asarray(x)
        dtype = np.result_type(x.dtype, np.float32)
        a = np.abs(x)
        with np.errstate(all="ignore"):
            out = np.asarray(scipy_value(sc, np.where(a > _GROWING_NEAR, 0.0, x))).astype(np.float64)
            mid = (a > _GROWING_NEAR) & (a <= _GROWING_FAR)
            if mid.any():
                start = scipy_value(sc, _GROWING_NEAR)
                out[mid] = start + _gauss_panels(lambda t: integrand(sc, t), _GROWING_NEAR, a[mid])
            far = (a > _GROWING_FAR) & ~np.isnan(a)
            if far.any():
                y = a[far]
                c, b, series, power = 1.0, 1.0, np.ones_like(y), np.ones_like(y)
                for k in range(1, 40):
                    c, power = c * (2 * k - 1) ** 2 / (8.0 * k), power / y
                    b = c + (k - 0.5) * b
                    series = series + b * power
                half = np.exp(0.5 * y)  # (e^x as two halves: e^(x - log√(2πx)) keeps x·ε of its digits; inf past 713)
                out[far] = half * (half / np.sqrt(2.0 * np.pi * y) * series)
                if log_part:
                    out[far] = out[far] - (2.0 / math.pi) * (np.log(2.0 * y) + np.euler_gamma)
                out[a == np.inf] = np.inf  # (the divergent integral, as itstruve0's; SciPy's NaN)
            if odd:
                out = np.where((a > _GROWING_NEAR) & (x < 0), -out, out)
        out = out.astype(dtype)
        born = _born(lambda t: scipy_value(sc, t), out, (x,))
        if born is not None:
            _say("itmodstruve0" if log_part else "iti0k0", *born)
        return out[()] if out.ndim == 0 else out

    return value


_iti0_value = _growing_integral(lambda sc, x: sc.iti0k0(x)[0], lambda sc, t: sc.i0(t), True, False)
_itmodstruve0_value = _growing_integral(
    lambda sc, x: sc.itmodstruve0(x), lambda sc, t: sc.modstruve(0.0, t), False, True
)
iti0k0_i0, iti0k0_k0 = _output_parts(
    "iti0k0",
    (
        _integral_part("iti0k0_i0", "i0", "∫₀ˣ I₀(t) dt, scipy.special.iti0k0(x)[0] (SciPy's to |x| = 19, then "
                       "difflab's: SciPy's is 1e-7 off from 20); d = I₀(x)",
                       lambda mpmath, t: mpmath.besseli(0, t)),
        _integral_part("iti0k0_k0", "k0", "∫₀ˣ K₀(t) dt (x > 0), scipy.special.iti0k0(x)[1]; d = K₀(x)",
                       lambda mpmath, t: mpmath.besselk(0, t)),
    ),
    ("positive",),
    "dawsn",
    values={0: _iti0_value},
)  # fmt: skip
# itairy(x) = (∫₀ˣ Ai, ∫₀ˣ Bi, ∫₀ˣ Ai(-t) dt, ∫₀ˣ Bi(-t) dt), any real x. SciPy's (specfun's ITAIRY) is a power series to
# |x| = 9.25 that loses digits to cancellation (∫₀ˣ Ai 1e-7 relative off at 2, 0.3 at 8, 6.9 at 9: 2.6 for 1/3) and an
# asymptotic series beyond (6e-9 at 10, 5.7e-11 at 12): so to |x| = 20 the values are difflab's, 40 panels of 20-point
# Gauss-Legendre over SciPy's airy (within 2e-15 relative of mpmath's ₁F₂ forms there, 1e-14 near a zero of an
# oscillating part), and beyond 20 SciPy's (within 4e-14 relative of them from 20 to 103, where ∫Bi overflows).
_ITAIRY_NEAR = 20.0


def _itairy_value(k):
    """Part k of itairy: (Ai, Bi, Ai(-t), Bi(-t))'s integral from 0 to x."""
    sign, which = (1.0 if k < 2 else -1.0), (0, 2, 0, 2)[k]

    def value(x):
        sc = scipy_special()
        x = np.asarray(x)
        dtype = np.result_type(x.dtype, np.float32)
        with np.errstate(all="ignore"):
            out = np.asarray(sc.itairy(x)[k]).astype(np.float64)
            near = np.abs(x) <= _ITAIRY_NEAR
            if near.any():
                a = np.asarray(x, dtype=np.float64)[near]
                nodes, weights = _GAUSS_20
                t = a[:, None, None] * (np.arange(40.0)[:, None] + 0.5 * (nodes + 1.0)) / 40.0
                out[near] = a / 80.0 * np.einsum("k,pjk->p", weights, sc.airy(sign * t)[which])
        out = out.astype(dtype)
        born = _born(lambda t: sc.itairy(t)[k], out, (x,))
        if born is not None:
            _say("itairy", *born)
        return out[()] if out.ndim == 0 else out

    value.__name__ = f"itairy_{k}"
    return value


def _itairy_part(k, part, fn, doc):
    """The entry of itairy's part k: slope fn(±x) (the registry's airy_ai or airy_bi), mpmath's quadrature for it."""
    sign = 1.0 if k < 2 else -1.0
    mp_fn = ("airyai", "airybi")[k % 2]
    return (
        part,
        (lambda out, x: REGISTRY[fn](sign * x),),
        None,
        lambda sp, out, i, x: _scipy_function(fn)(sign * x),
        lambda mpmath, x: mpmath.quad(lambda t: getattr(mpmath, mp_fn)(sign * t), [0, x]),
        f"{doc}, scipy.special.itairy(x)[{k}] (difflab's own to |x| = 20: SciPy's is 1e-7 off, at x = 9 by 2.3)",
    )


itairy_apt, itairy_bpt, itairy_ant, itairy_bnt = _output_parts(
    "itairy",
    (
        _itairy_part(0, "itairy_apt", "airy_ai", "∫₀ˣ Ai(t) dt; d = Ai(x)"),
        _itairy_part(1, "itairy_bpt", "airy_bi", "∫₀ˣ Bi(t) dt; d = Bi(x)"),
        _itairy_part(2, "itairy_ant", "airy_ai", "∫₀ˣ Ai(-t) dt; d = Ai(-x)"),
        _itairy_part(3, "itairy_bnt", "airy_bi", "∫₀ˣ Bi(-t) dt; d = Bi(-x)"),
    ),
    ("real",),
    "dawsn",  # (itairy's loops, f->ffff and d->dddd, have airy's and so dawsn's dtypes)
    values={k: _itairy_value(k) for k in range(4)},
)


_ITSTRUVE0_NEAR, _ITSTRUVE0_FAR = 8.0, 30.0  # SciPy's itstruve0 to 8, a quadrature from it to 30, the series beyond


def _itstruve0_value(x):
    """∫₀ˣ H₀(t) dt (even in x). SciPy's itstruve0 is right to 4e-15 up to |x| = 8, then loses digits (5e-14 at 10,
    1.7e-12 at 15, 5.8e-6 at 30) and is wrong from about 35 (0.0013 at 40 for 3.1484, 4.27 at 57.07 for 3.2819: a
    random graph met it there); beyond 8 it is SciPy's at 8 plus ∫₈ˣ H₀ by 16 panels of 20-point Gauss-Legendre
    (|x| ≤ 30: H₀ is smooth, its period ~2π), and beyond 30 ∫₀ˣ Y₀ (SciPy's itj0y0) plus ∫₀ˣ (H₀ - Y₀) =
    (2/π)(log 2x + γ + Σₖ (-1)ᵏ⁺¹(2k)!(2k - 1)!/(k!²(2x)²ᵏ)), k ≤ 15 (the asymptotic series of ∫₀ˣ K₀, Struve's
    K₀ = H₀ - Y₀). Against mpmath's quadrature of struveh (25 digits) on 20 points in 0.5..100: ≤ 3e-14 relative (at
    30: SciPy's struve(0, x) there is 2e-14 off), ≤ 2e-16 from 8 to 25 and from 40 on."""
    sc = scipy_special()
    x = np.asarray(x)
    dtype = np.result_type(x.dtype, np.float32)  # (float32 stays float32, as SciPy's loop f->f)
    a = np.abs(x)
    with np.errstate(all="ignore"):
        out = np.asarray(sc.itstruve0(np.where(a > _ITSTRUVE0_NEAR, 0.0, x))).astype(np.float64)  # (NaN: SciPy's)
        mid = (a > _ITSTRUVE0_NEAR) & (a <= _ITSTRUVE0_FAR)
        if mid.any():
            out[mid] = sc.itstruve0(_ITSTRUVE0_NEAR) + _gauss_panels(
                lambda t: sc.struve(0.0, t), _ITSTRUVE0_NEAR, a[mid]
            )
        far = (a > _ITSTRUVE0_FAR) & (a < np.inf)  # (∞: its divergent integral, as log 2x)
        out[a == np.inf] = np.inf
        if far.any():
            y = a[far]
            r, term, series = 1.0 / (4.0 * y * y), np.ones_like(y), np.zeros_like(y)
            for k in range(1, 16):  # term_k = (2k)!(2k - 1)!/(k!²(2y)²ᵏ), term_1 = 1/(2y²)
                term = term * r * (2.0 if k == 1 else (2 * k) * (2 * k - 1) ** 2 * (2 * k - 2) / (k * k))
                series = series + (-1.0) ** (k + 1) * term
            out[far] = sc.itj0y0(y)[1] + (2.0 / math.pi) * (np.log(2.0 * y) + np.euler_gamma + series)
    out = out.astype(dtype)
    born = _born(sc.itstruve0, out, (x,))
    if born is not None:
        _say("itstruve0", *born)
    return out[()] if out.ndim == 0 else out


itstruve0 = _special(
    "itstruve0",
    _itstruve0_value,
    _integrand("struve", 0)[0],
    _scipy_named(
        "itstruve0",
        None,
        _integrand("struve", 0)[1],
        scipy_name=_itstruve0_value,
        mp=_integral_mp(lambda mpmath, t: mpmath.struveh(0, t)),
    ),
    domain=("real",),
    doc="∫₀ˣ H₀(t) dt, the integral of Struve's H₀ (SciPy's to |x| = 8, beyond it a quadrature and an asymptotic "
    "series: SciPy's is wrong from about 35); d = H₀(x)",
)
itmodstruve0 = _special(
    "itmodstruve0",
    _itmodstruve0_value,
    _integrand("modstruve", 0)[0],
    _scipy_named(
        "itmodstruve0",
        None,
        _integrand("modstruve", 0)[1],
        scipy_name=_itmodstruve0_value,
        mp=_integral_mp(lambda mpmath, t: mpmath.struvel(0, t)),
    ),
    domain=("real",),
    doc="∫₀ˣ L₀(t) dt, the integral of the modified Struve function L₀ (SciPy's to |x| = 19, beyond it a quadrature "
    "and an asymptotic series: SciPy's is 1e-7 off from 20); d = L₀(x)",
)


_SERIES_TERMS = range(11)  # k ≤ 10 of the series below |x| = 1 (y = x/2 ≤ 1/2: the next term below 1e-22 of the first)


def _series_or_quotient(x, series, quotient, sympy=None):
    """quotient(x) (a slope f(x)/x), or below |x| = 1 its series Σₖ c·(x/2)^p, `series` (c, p) pairs: a polynomial, no
    0/0 at x = 0 and no cancellation of 1 - J₀ near it. difflab values (x held at 1 where the series is used), or
    SymPy's (`sympy`: the module)."""
    if sympy is not None:
        total = sum(c * (x / 2) ** p for c, p in series)
        return sympy.Piecewise((total, sympy.Abs(x) < 1), (quotient(x), True))
    small = less(_abs(x), 1.0)
    y = where(small, 0.5 * x, 0.0)
    total = 0.0 * y
    for c, p in series:
        total = total + c * y**p
    return where(small, total, quotient(where(small, 1.0, x)))


#: (1 - J₀(x))/x = Σₖ₌₁ (-1)^(k+1) (x/2)^(2k-1)/(2(k!)²); (I₀(x) - 1)/x without the signs; H₀(x)/x =
#: Σₖ₌₀ (-1)ᵏ (x/2)^(2k)/(2Γ(k + 3/2)²)
_J0_SERIES = [((-1) ** (k + 1) / (2 * math.factorial(k) ** 2), 2 * k - 1) for k in _SERIES_TERMS if k]
_I0_SERIES = [(1 / (2 * math.factorial(k) ** 2), 2 * k - 1) for k in _SERIES_TERMS if k]
_H0_SERIES = [((-1) ** k / (2 * math.gamma(k + 1.5) ** 2), 2 * k) for k in _SERIES_TERMS]


def _over_x_part(part, name, series, sign, doc, mp):
    """A part whose slope is sign·(f(x) - c)/x (c: 1 for J₀ and I₀ where `series` is given, else 0), f the
    registry's `name`."""
    one = 1.0 if series is not None else 0.0

    def quotient(fn):
        return lambda x: sign * (fn(x) - one) / x

    def rule(out, x):
        q = quotient(REGISTRY[name])
        return q(x) if series is None else _series_or_quotient(x, series, q)

    def sympy(sp, out, i, x):
        q = quotient(_scipy_function(name))
        return q(x) if series is None else _series_or_quotient(x, series, q, sp)

    return (part, (rule,), None, sympy, mp, doc)


def _meijer_tail(a, b, scale):
    """∫ₓ^∞ f(t)/t dt for f(t) = G^{m,n}_{p,q}(t²/4 | a; b)·2·scale, as one Meijer G: ∫_z^∞ G(u)/u du =
    G^{m+1,n}_{p+1,q+1}(z | a_n; a_p, 1; 0, b_m; b_q) (checked against SciPy's at 0.3, 1.7 and 6)."""
    return lambda mpmath, x: scale * mpmath.meijerg([a[0], a[1] + [1]], [[0] + b[0], b[1]], x * x / 4)


def _series_mp(signed):
    return lambda mpmath, x: mpmath.nsum(
        lambda k: (-1) ** (k + 1 if signed else 0) * (x / 2) ** (2 * k) / (2 * k * mpmath.factorial(k) ** 2),
        [1, mpmath.inf],
    )


it2j0y0_j0, it2j0y0_y0 = _output_parts(
    "it2j0y0",
    (
        _over_x_part("it2j0y0_j0", "j0", _J0_SERIES, -1.0, "∫₀ˣ (1 - J₀(t))/t dt, scipy.special.it2j0y0(x)[0]; "
                     "d = (1 - J₀(x))/x (its series below |x| = 1)", _series_mp(True)),
        _over_x_part("it2j0y0_y0", "y0", None, -1.0, "∫ₓ^∞ Y₀(t)/t dt (x > 0), scipy.special.it2j0y0(x)[1]; "
                     "d = -Y₀(x)/x", _meijer_tail([[], [-0.5]], [[0, 0], [-0.5]], 0.5)),
    ),
    ("positive",),
    "dawsn",
)  # fmt: skip
it2i0k0_i0, it2i0k0_k0 = _output_parts(
    "it2i0k0",
    (
        _over_x_part("it2i0k0_i0", "i0", _I0_SERIES, 1.0, "∫₀ˣ (I₀(t) - 1)/t dt, scipy.special.it2i0k0(x)[0]; "
                     "d = (I₀(x) - 1)/x (its series below |x| = 1)", _series_mp(False)),
        _over_x_part("it2i0k0_k0", "k0", None, -1.0, "∫ₓ^∞ K₀(t)/t dt (x > 0), scipy.special.it2i0k0(x)[1]; "
                     "d = -K₀(x)/x", _meijer_tail([[], []], [[0, 0], []], 0.25)),
    ),
    ("positive",),
    "dawsn",
    _itj0y0_samples,
)  # fmt: skip


def _it2struve0_mp(mpmath, x):
    """∫ₓ^∞ H₀(t)/t dt; at x < 0 π minus its value at -x (∫₀^∞ H₀(t)/t dt = π/2, the integrand even)."""
    tail = _meijer_tail([[0.5], []], [[0.5], [0, 0]], 0.5)
    return tail(mpmath, x) if x >= 0 else mpmath.pi - tail(mpmath, -x)


#: -H₀(x)/x's series (it2struve0's slope)
_H0_TAIL_SERIES = [(-c, p) for c, p in _H0_SERIES]


it2struve0 = _special(
    "it2struve0",
    _scipy("it2struve0"),
    (lambda out, x: _series_or_quotient(x, _H0_TAIL_SERIES, lambda t: -REGISTRY["struve"](0.0, t) / t),),
    _scipy_named(
        "it2struve0",
        None,
        lambda sp, out, i, x: _series_or_quotient(
            x, _H0_TAIL_SERIES, lambda t: -_scipy_function("struve")(0, t) / t, sp
        ),
        mp=_it2struve0_mp,
    ),
    domain=("real",),
    doc="∫ₓ^∞ H₀(t)/t dt, Struve's H₀ over t (SciPy's at x < 0 too); d = -H₀(x)/x (its series below |x| = 1: -2/π at 0)",
)


# -- parabolic cylinder functions (issue 11, special49) ---------------------------------------------------------------
# pbdv, pbvv and pbwa are pairs (w, w′) solving Weber's equation w″ = (x²/4 - v - 1/2)·w (D_v = U(-v - 1/2, x) and
# V_v = V(-v - 1/2, x) alike) and w″ = (a - x²/4)·w (W(a, x)): so w′'s slope is that multiple of w, and the whole
# family needs no other function. The orders v, a are refused (SciPy has no derivative in them).


def _weber_samples(rng):
    """Typical calls: order -1..2 (whole: an order is never differentiated), |x| < 3 (SciPy's pbwa is accurate for
    |a|, |x| < 5 only)."""
    return [((rng.integers(-1, 3, s), rng.uniform(-3.0, 3.0, s)), {}) for s in ((3, 4), (4,), ())]


def _pbwa_samples(rng):
    """Typical calls of pbwa where SciPy's values hold 13 digits: a = ±1, |x| < 2 (≤ 1.4e-14 relative off mpmath's
    pcfw on a 15-point grid; at a = 0 or 2 SciPy's are 1e-13..5e-12 off from |x| = 0.5 on)."""
    return [((rng.choice([-1, 1], s), rng.uniform(-2.0, 2.0, s)), {}) for s in ((3, 4), (4,), ())]


def _weber_mp(fn, derivative):
    """mpmath's pcfd/pcfv/pcfw as `fn(mpmath, v, x)`, or its x-derivative."""
    if derivative:
        return lambda mpmath, v, x: mpmath.diff(lambda t: fn(mpmath, v, t), x)
    return fn


def _weber(name, mp, coefficient, doc, samples=_weber_samples):
    """The pair `name`(v, x) = (w, w′) of SciPy's, w″ = coefficient(v, x)·w."""
    value, slope = f"{name}_w", f"{name}_wp"
    refuse = _refuse(name, "v" if name != "pbwa" else "a")
    return _output_parts(
        name,
        (
            (value, (refuse, lambda out, v, x: REGISTRY[slope](v, x)), None,
             lambda sp, out, i, v, x: _scipy_function(slope)(v, x), _weber_mp(mp, False),
             f"{doc}, scipy.special.{name}(v, x)[0]; d/dx = its [1]"),
            (slope, (refuse, lambda out, v, x: coefficient(v, x) * REGISTRY[value](v, x)), None,
             lambda sp, out, i, v, x: coefficient(v, x) * _scipy_function(value)(v, x), _weber_mp(mp, True),
             f"d/dx of {doc}, scipy.special.{name}(v, x)[1]; its slope by Weber's equation"),
        ),
        ("integer", "real"),  # (v: an order, never differentiated)
        "beta",  # (the pairs' loops, ff->ff and dd->dd, have beta's input dtypes)
        samples,
    )  # fmt: skip


pbdv_w, pbdv_wp = _weber(
    "pbdv", lambda mpmath, v, x: mpmath.pcfd(v, x), lambda v, x: 0.25 * x * x - v - 0.5,
    "the parabolic cylinder function D_v(x)",
)  # fmt: skip
pbvv_w, pbvv_wp = _weber(
    "pbvv", lambda mpmath, v, x: mpmath.pcfv(-v - 0.5, x), lambda v, x: 0.25 * x * x - v - 0.5,
    "the parabolic cylinder function V_v(x) = V(-v - 1/2, x)",
)  # fmt: skip
pbwa_w, pbwa_wp = _weber(
    "pbwa", lambda mpmath, a, x: mpmath.pcfw(a, x), lambda a, x: a - 0.25 * x * x,
    "the parabolic cylinder function W(a, x)", _pbwa_samples,
)  # fmt: skip


# -- Mathieu's characteristic values and Fourier coefficients by difflab (special62, mathieu63) -------------------------
# One tridiagonal matrix per parity: Mathieu's equation y″ + (a - 2q·cos 2x)·y = 0 in the Fourier basis of ce_m's or
# se_m's terms. Its eigenvalue is the characteristic value, its eigenvector the coefficients A_k (SciPy's normalisation,
# ∫ce² = π over (0, 2π); SciPy's sign, the first coefficient > 0 for q >= 0, DLMF 28.2.34's relations for q < 0).
# SciPy's own (Zhang & Jin's cva2 and fcoef) are O(1) wrong at many |q| > 100 and large m: mathieu_a(4, 2500) -4503.27
# for -4110.37, mathieu_cem(30, 400, 30°) -0.823 for -1.035, mathieu_cem(0, 2000, 90°) 0.0 for 2.892 (mpmath, 45 digits).
# The basis's size past m/2 for |q| up to each bound: the coefficients' ratio ~q/4k² makes the last one's share below
# 1e-25 (q = 10, 20 terms: 6e-30; q = 100, 30: 2e-26; q = 2500, 80: 3e-34); beyond 2500 (plain q only) 80 + 2√|q|.
_MATHIEU_SIZES = ((10.0, 20), (100.0, 30), (2500.0, 80))
_MATHIEU_Q = _MATHIEU_SIZES[-1][0]
_MATHIEU_PLAIN_Q = 1e6  # (beyond, NaN: 2080 terms; SciPy's are NaN from q ~ 2500)


def _mathieu_matrix(name, m, size):
    """The tridiagonal matrix of y″ + (a - 2q·cos 2x)·y = 0 in the Fourier basis of ce_m's (mathieu_a) or se_m's
    (mathieu_b) parity, `size` terms (cos 2kx with √2 at k = 0; cos (2k+1)x; sin (2k+1)x; sin (2k+2)x), as its
    diagonal at q = 0, the q-part's diagonal and off-diagonal, and the index of the characteristic value in the
    ascending eigenvalues (within one parity they are simple, so the order holds for every q)."""
    odd = m % 2
    shift = 0 if odd or name == "mathieu_a" else 1  # (se_{2n+2}: sin (2k+2)x)
    diag = (2.0 * np.arange(size) + odd + 2 * shift) ** 2
    tweak, off = np.zeros(size), np.ones(size - 1)
    if odd:
        tweak[0] = 1.0 if name == "mathieu_a" else -1.0  # (2q·cos 2x·cos x = q(cos 3x + cos x); sin: - sin x)
    elif name == "mathieu_a":
        off[0] = math.sqrt(2.0)  # (cos 0x's coefficient scaled by √2: the matrix symmetric)
    return diag, tweak, off, m // 2 - shift


def _mathieu_size(q):
    """The basis's size past m/2 for |q| <= `q` (a plain or traced number; traced, the graph is specialised to the
    band): `_MATHIEU_SIZES`' bands, beyond 2500 (plain q only) 80 + 2√|q|."""
    for bound, n in _MATHIEU_SIZES:
        if bool(q <= bound):
            return n
    return _MATHIEU_SIZES[-1][1] + int(2.0 * math.sqrt(float(q)))


def _mathieu_whole(name, m):
    """Whether `m` is a whole order of `name` (mathieu_a/cem >= 0, mathieu_b/sem >= 1)."""
    return math.isfinite(m) and m == int(m) and m >= (name in ("mathieu_b", "mathieu_sem"))


@functools.lru_cache(maxsize=256)
def _mathieu_eigen(name, m, q):
    """(a, A, orders) at a plain whole m and finite q: `name`'s characteristic value and the coefficients of its
    function Σ A_k cos(k x) (mathieu_a) or Σ A_k sin(k x) (mathieu_b), normalised and signed as SciPy's at q >= 0 (the
    first coefficient > 0). LAPACK's stev (implicit QL, as eigh: its bisection, select="i", is 1e-12 off at q = 0.3)."""
    from scipy.linalg import eigh_tridiagonal

    diag, tweak, off, index = _mathieu_matrix(name, m, m // 2 + _mathieu_size(abs(q)))
    d, e = diag + q * tweak, q * off
    w, vectors = eigh_tridiagonal(d, e, lapack_driver="stev")
    a, v = w[index], vectors[:, index]
    # the first component's sign through the ratios r_k = v_k/v_(k+1) from the first row up to the largest component
    # (row k: e_(k-1)·r_(k-1) + d_k - a + e_k/r_k = 0): LAPACK's tiny components (2e-66 at m = 40, q = 0.5) have none
    top, r, sign = int(np.argmax(np.abs(v))), 0.0, 1.0
    for k in range(top):
        r = -e[k] / (d[k] - a + (e[k - 1] * r if k else 0.0))
        sign = -sign if r < 0 else sign
    coefficients = v * (sign if v[top] > 0 else -sign)
    if name == "mathieu_a" and m % 2 == 0:
        coefficients[0] /= math.sqrt(2.0)  # (the basis's √2·cos 0x)
    coefficients.flags.writeable = False  # (cached)
    return a, coefficients, np.sqrt(diag)  # (the orders k: diag holds k²)


def _mathieu_plain(name, m, q):
    """`name`(m, q) on plain arrays by `_mathieu_eigen` (SciPy's own mathieu_a and mathieu_b are O(1) wrong at many
    |q| > 100: mathieu_a(4, 2500) is -4503, not -4110); NaN where m is not a whole number >= 0 (mathieu_b: >= 1) or q
    not finite, as SciPy's."""
    m, q = np.broadcast_arrays(np.asarray(m), np.asarray(q))
    out = np.full(q.shape, np.nan)
    for i in np.ndindex(q.shape):
        mi, qi = float(m[i]), float(q[i])
        if _mathieu_whole(name, mi) and abs(qi) <= _MATHIEU_PLAIN_Q:
            out[i] = _mathieu_eigen(name, int(mi), qi)[0]
    return out.astype(np.result_type(q.dtype, m.dtype, np.float32))[()]


def _mathieu_angular_point(even, m, q, x):
    """(ce_m or se_m at the array x in degrees, its slope in radians) by the Fourier sum, as SciPy's mathieu_cem/sem
    (sem at m = 0: 0); q < 0 by DLMF 28.2.34, as SciPy: ±ce_m or ±se_m (m odd: the other parity) at -q and 90° - x."""
    if not even and m == 0:
        return np.zeros_like(x), np.zeros_like(x)
    sign, turn = 1.0, 1.0
    if q < 0:
        sign = (-1.0) ** ((m // 2) % 2) * (-1.0 if not even and m % 2 == 0 else 1.0)
        even, q, x, turn = (even if m % 2 == 0 else not even), -q, 90.0 - x, -1.0  # (d/dx of x -> 90° - x)
    _, coefficients, orders = _mathieu_eigen("mathieu_a" if even else "mathieu_b", m, q)
    t = np.multiply.outer(np.radians(x), orders)
    if even:
        y, slope = np.cos(t) @ coefficients, -(orders * np.sin(t)) @ coefficients
    else:
        y, slope = np.sin(t) @ coefficients, (orders * np.cos(t)) @ coefficients
    return sign * y, sign * turn * slope


def _mathieu_angular(name, k):
    """Part k (0: the value, 1: the slope) of SciPy's `name` (mathieu_cem, mathieu_sem) by difflab, elementwise: one
    eigenvector per distinct (m, q), its Fourier sum at all of their x at once."""
    even = name == "mathieu_cem"

    def impl(*args):
        typed = any(isinstance(a, (np.ndarray, np.generic)) for a in args)  # (SciPy's loop: Python numbers weak)
        dtype = np.result_type(*args, np.float32) if typed else np.float64
        m, q, x = (a.astype(float).ravel() for a in np.broadcast_arrays(*map(np.asarray, args)))
        out = np.full(x.shape, np.nan)
        finite = np.flatnonzero(np.isfinite(m) & (np.abs(q) <= _MATHIEU_PLAIN_Q) & np.isfinite(x))
        pairs, group = np.unique(np.stack([m[finite], q[finite]], -1), axis=0, return_inverse=True)
        for j, (mi, qi) in enumerate(pairs):
            if _mathieu_whole(name, mi) or (not even and mi == 0):
                at = finite[group.ravel() == j]
                out[at] = _mathieu_angular_point(even, int(mi), qi, x[at])[k]
        return out.reshape(np.broadcast_shapes(*map(np.shape, args))).astype(dtype)[()]

    impl.__name__ = f"{name}_{k}"
    return impl


# -- Mathieu functions (special60) --------------------------------------------------------------------------------------
# mathieu_cem/sem(m, q, x) = (ce/se, their slope) with x in degrees, the slope SciPy's in radians (d/dx in degrees is it
# times π/180), solving Mathieu's equation y″ = -(a - 2q·cos 2x)·y (x in radians; a = mathieu_a(m, q) for ce, mathieu_b
# for se); the radial mathieu_modcem1/2, modsem1/2 (x plain) the modified one, y″ = (a - 2q·cosh 2x)·y. So each slope's
# slope is that multiple of the value, and the family needs only the characteristic values, internal entries whose m
# and q no rule differentiates here (difflab.scipy.special differentiates all six and a, b in q: the traced matrix).
# The angular pair and the characteristic values are difflab's (`_mathieu_eigen`: within 7e-14 of mpmath's 45-digit
# Fourier sums; SciPy's are O(1) wrong at large q and m, 0.0 for 2.892 at q = 2000); the radial ones (mathieurad64)
# SciPy's where they agree with difflab's DLMF 28.24 Bessel-product sums to 1e-10, difflab's elsewhere (within 3e-14
# of mpmath's; SciPy's sum over A₀ cancels at large m and small q or x, mathieu_modcem1(50, 0.5, 0.5) 25.1 for
# 6.2e-77, and its characteristic values are wrong at large q), difflab's only where its two kinds keep the Wronskian
# Mc⁽¹⁾Mc⁽²⁾′ - Mc⁽¹⁾′Mc⁽²⁾ = 2/π to 1e-10: NaN with an 'invalid' said where neither difflab's pair nor SciPy's does
# (none at m <= 60, q <= 1e5, x <= 5; where |Mc⁽¹⁾| < ~1e-284, m >= 77 at q = 1e-3: subnormal Bessel factors).


def _mathieu_characteristic(name):
    refused = tuple(
        _refuse(
            name, arg, "x of the Mathieu functions", "SciPy has no derivative of it; method='numeric' differences it"
        )
        for arg in ("m", "q")
    )
    impl = functools.partial(_mathieu_plain, name)
    return _special(
        f"{name}_value",
        impl,
        refused,
        _scipy_named(f"{name}_value", None, lambda sp, out, i, m, q: None, impl,
                     lambda mpmath, m, q: mpmath.mpf(float(impl(float(m), float(q))))),
        domain=("integer", "integer"),
        names=(f"_{name}",),  # (internal: nothing in it differentiates)
        ufunc="beta",
        internal=True,
        samples=lambda rng: [((np.int64(2), np.int64(1)), {})],
        doc=f"{name}(m, q) by difflab, the Mathieu equation's characteristic value (its slopes' coefficient); "
        "not differentiated here",
    )  # fmt: skip


mathieu_a_value = _mathieu_characteristic("mathieu_a")
mathieu_b_value = _mathieu_characteristic("mathieu_b")


def _mathieu_radial_tables(name, reach, h, x, xp, jv, yv):
    """(J_k(h e^-x), C_k(h e^x), h e^-x, h e^x) at the orders k = 0..reach (a trailing axis), C = J for the first
    kind of `name`, Y for the second; x carries a trailing axis of 1. `xp` is NumPy or difflab.numpy, `jv`, `yv`
    SciPy's or the registry's: the same sums on plain and traced values."""
    orders = np.arange(reach + 1.0)
    u1, u2 = h * xp.exp(-x), h * xp.exp(x)
    return jv(orders, u1), (yv if name.endswith("2") else jv)(orders, u2), u1, u2


def _mathieu_radial_terms(name, m, s, n, tables, xp):
    """The n terms of DLMF 28.24's sum over A_2s for the radial `name` of order m, unweighted, and their slopes in x:
    J_(ℓ-s)(h e^-x)·C_(ℓ+s+p)(h e^x) ± J_(ℓ+s+p)(h e^-x)·C_(ℓ-s)(h e^x), p = 0, 1, 1, 2 for Mc_2n, Mc_2n+1,
    Ms_2n+1, Ms_2n+2, + for Mc, - for Ms, from `_mathieu_radial_tables` (orders to n + s + p); d/dx by the chain
    rule, f′_k = (f_(k-1) - f_(k+1))/2, f_-k = (-1)^k f_k."""
    j, c, u1, u2 = tables
    even = "cem" in name
    p = m % 2 if even else 2 - m % 2

    def part(table, k, u):  # f_k(u) and u·f′_k(u) at the orders k
        def at(i):
            return xp.take(table, np.abs(i), axis=-1) * np.where((i < 0) & (i % 2 == 1), -1.0, 1.0)

        return at(k), u * 0.5 * (at(k - 1) - at(k + 1))

    near, far = np.arange(n) - s, np.arange(n) + s + p
    (j_near, dj_near), (j_far, dj_far) = part(j, near, u1), part(j, far, u1)
    (c_far, dc_far), (c_near, dc_near) = part(c, far, u2), part(c, near, u2)
    sign = 1.0 if even else -1.0  # (d/dx of h e^-x is -h e^-x: the J parts' slopes negated)
    value = j_near * c_far + sign * (j_far * c_near)
    return value, j_near * dc_far - dj_near * c_far + sign * (j_far * dc_near - dj_far * c_near)


def _mathieu_radial_sum(name, m, s, weights, h, x, xp, jv, yv):
    """(y, y′) of the radial `name` (mathieu_modcem1, ...) of order m at q = h² and x (a trailing axis of 1): DLMF
    28.24's Bessel-product sum over A_2s (`_mathieu_radial_terms`) with `_mathieu_radial_weights`' weights."""
    n = weights.shape[-1]
    p = m % 2 if "cem" in name else 2 - m % 2
    value, slope = _mathieu_radial_terms(name, m, s, n, _mathieu_radial_tables(name, n + s + p, h, x, xp, jv, yv), xp)
    return value @ weights, slope @ weights


def _mathieu_radial_weights(name, m, coefficients, s):
    """DLMF 28.24's weights (-1)^(ℓ+n)·A_ℓ/(ε·A_s) (n = m // 2, (m - 2) // 2 for Ms_m at even m; ε = 2 for Mc_2n at
    s = 0, else 1) from the coefficients of `_mathieu_eigen` or `difflab.scipy.special`'s traced ones, s the index
    `_mathieu_radial_point` chose (SciPy's s = 0 divides by A_0, 1e-73 of the largest at m = 50, q = 0.5, and its sum
    cancels to nothing: its mathieu_modcem1(50, 0.5, 0.5) is 25.1 for 6.2e-77)."""
    half = m // 2 - (1 if "sem" in name and m % 2 == 0 else 0)
    scale = (-1.0) ** (np.arange(len(coefficients)) + half)
    if "cem" in name and m % 2 == 0 and s == 0:
        scale = scale / 2.0
    return coefficients * scale / coefficients[s]


def _mathieu_radial_ours(name, m, q, x):
    """difflab's (y, y′) of the radial `name` at the flat float64 arrays m, q, x (NaN where m is not a whole order, q
    not in (0, 1e6] or x not finite), read-only: one eigenvector per distinct (m, q), its Bessel-product sum at all of
    their x. Memoised on the arguments' bytes: the pair's two registry entries ask for the same sums, and the second
    kind's check for the first kind's (a sum costs 5 s at 1000 x and q = 1e4)."""
    return _mathieu_radial_memo(name, m.tobytes(), q.tobytes(), x.tobytes())


@functools.lru_cache(maxsize=8)
def _mathieu_radial_memo(name, *arguments):
    m, q, x = (np.frombuffer(b) for b in arguments)
    even = "cem" in name
    y, yp = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    fine = np.flatnonzero(np.isfinite(m) & (q > 0) & (q <= _MATHIEU_PLAIN_Q) & np.isfinite(x))
    pairs, group = np.unique(np.stack([m[fine], q[fine]], -1), axis=0, return_inverse=True)
    for j, (mi, qi) in enumerate(pairs):
        if _mathieu_whole("mathieu_cem" if even else "mathieu_sem", mi):
            at = fine[group.ravel() == j]
            y[at], yp[at], _, _ = _mathieu_radial_point(name, int(mi), qi, x[at, None])
    y.flags.writeable = yp.flags.writeable = False  # (cached)
    return y, yp


def _mathieu_radial_candidate(name, m, coefficients, s, tables, kappa):
    """(bound, y, y′, count) at each x of the sum over A_2s from `_mathieu_radial_tables`: its first `count` terms,
    those before the first that is not finite (a Y_k past the double range beside a J_k that underflowed, in the
    decaying tail at large m and small q: the Wronskian checks what is left), and its error bound ε·Σ_ℓ (|A_ℓ| +
    max|A|)/|A_2s|·|term_ℓ| (the coefficients are good to ε·max|A| absolute) relative to the pair (y, y′/κ), plus
    ε·max|A|/|A_2s|, the divisor's own (a tiny A_2s has no digits: NumPy's eigh, the traced path's, gives 0 for
    stev's 1e-100 at m = 81, q = 1e-3)."""
    size = np.abs(coefficients)
    value, slope = _mathieu_radial_terms(name, m, s, len(coefficients), tables, np)
    finite = np.isfinite(value) & np.isfinite(slope)
    count = np.where(finite.all(-1), finite.shape[-1], np.argmin(finite, -1))
    kept = np.arange(finite.shape[-1]) < count[:, None]
    value, slope = np.where(kept, value, 0.0), np.where(kept, slope, 0.0)
    weights = _mathieu_radial_weights(name, m, coefficients, s)
    noise = np.finfo(float).eps * (size + size.max()) / size[s]
    y, yp = value @ weights, slope @ weights
    bound = (np.abs(value) @ noise + np.abs(slope) @ noise / kappa) / (np.abs(y) + np.abs(yp) / kappa) + noise[s] / 2
    return np.where(np.isfinite(y) & np.isfinite(yp) & ~np.isnan(bound), bound, np.inf), y, yp, count


def _mathieu_radial_point(name, m, q, x):
    """(y, y′, s, count) of the radial `name` at a plain whole m, 0 < q and the column x (shape (k, 1)); s and count
    (shape (k,)) the A_2s each x's sum is over and its count of terms: of 12 s from 0 to past m/2 and the largest
    coefficient's, the one with the least error bound (`_mathieu_radial_candidate`; κ = √|a - 2q cosh 2x| + 1, the
    local wavenumber). The sum over A_0 (SciPy's) divides by 1e-73 of the largest at m = 50, q = 0.5; the largest is
    not always best either: J·Y products of large order cancel at large q and small x (m = 11, q = 1e4, x = 0.01:
    s = 30, the largest, keeps the Wronskian to 1.6e-3, s = 0 to 4e-15), and Mc⁽¹⁾_60 at q = 1000, x = 0 is 3e-10
    off over the largest (s = 23), 1e-14 over s = 36."""
    from scipy.special import jv, yv

    a, coefficients, _ = _mathieu_eigen("mathieu_a" if "cem" in name else "mathieu_b", m, q)
    size, n = np.abs(coefficients), len(coefficients)
    top, last = int(np.argmax(size)), min(n - 1, max(int(np.argmax(size)), m // 2) + 10)
    candidates = np.unique(np.r_[np.linspace(0, last, 12).round(), top, min(m // 2, n - 1)].astype(int))
    p = m % 2 if "cem" in name else 2 - m % 2
    kappa = np.sqrt(np.abs(a - 2 * q * np.cosh(2 * x[:, 0]))) + 1
    k = x.shape[0]
    best = np.full(k, np.inf), np.full(k, np.nan), np.full(k, np.nan), np.full(k, top), np.full(k, n)
    with np.errstate(all="ignore"):
        tables = _mathieu_radial_tables(name, n + last + p, math.sqrt(q), x, np, jv, yv)
        for s in candidates[size[candidates] > 0]:
            bound, y, yp, count = _mathieu_radial_candidate(name, m, coefficients, int(s), tables, kappa)
            better = bound < best[0]
            for held, new in zip(best, (bound, y, yp, np.full(k, s), count)):
                held[better] = new[better]
    return best[1:]


def _mathieu_wronskian(name, m, q, x, pair):
    """|Mc⁽¹⁾Mc⁽²⁾′ - Mc⁽¹⁾′Mc⁽²⁾ - 2/π|·π/2 (Ms's alike) of `pair`, the radial `name`'s (y, y′) at the flat arrays m,
    q, x, with difflab's other kind of its parity."""
    first = name.endswith("1")
    other = _mathieu_radial_ours(name[:-1] + ("2" if first else "1"), m, q, x)
    (y1, d1), (y2, d2) = (pair, other) if first else (other, pair)
    with np.errstate(all="ignore"):
        return np.abs((y1 * d2 - d1 * y2) * (np.pi / 2) - 1)


def _mathieu_radial_good(name, m, q, x):
    """Where difflab's sums for the radial `name` at the flat arrays m, q, x are right: where its two kinds keep the
    Wronskian to 1e-10 (either's error would show: it is their product's)."""
    return _mathieu_wronskian(name, m, q, x, _mathieu_radial_ours(name, m, q, x)) <= 1e-10


def _mathieu_radial_checked(name, m, q, x, theirs):
    """(the pair, which points it is NaN at): SciPy's pair `theirs` where both parts agree with difflab's to 1e-10
    relative or difflab's is not defined (m not whole, q <= 0: SciPy's NaN, its 0 of Ms at q = 0), else difflab's
    where right (`_mathieu_radial_good`), else SciPy's where it keeps the Wronskian with difflab's other kind to 1e-8,
    else NaN."""
    ours = _mathieu_radial_ours(name, m, q, x)
    with np.errstate(all="ignore"):
        agree = np.all([np.abs(t - o) <= 1e-10 * np.abs(o) for t, o in zip(theirs, ours)], axis=0)
    good = _mathieu_radial_good(name, m, q, x)
    fallback = _mathieu_wronskian(name, m, q, x, theirs) <= 1e-8
    defined = ~np.isnan(ours[0])
    keep = agree | ~defined | (~good & fallback)
    pair = [np.where(keep, t, np.where(good, o, np.nan)) for t, o in zip(theirs, ours)]
    return pair, defined & ~keep & ~good


def _mathieu_radial(name, k):
    """Part k of the radial `name` (mathieu_modcem1, ...): SciPy's where it agrees with difflab's, difflab's where
    not (`_mathieu_radial_checked`), NaN with an 'invalid' said where neither is right."""

    def impl(*args):
        typed = any(isinstance(a, (np.ndarray, np.generic)) for a in args)  # (SciPy's loop: Python numbers weak)
        dtype = np.result_type(*args, np.float32) if typed else np.float64
        shape = np.broadcast_shapes(*map(np.shape, args))
        m, q, x = (a.astype(float).ravel() for a in np.broadcast_arrays(*map(np.asarray, args)))
        unsafe = ~(np.abs(q) <= _MATHIEU_PLAIN_Q)  # (SciPy 1.17's radial functions crash, SIGSEGV, at q = NaN, inf)
        plain = [np.broadcast_to(a, shape) for a in args]
        plain[1] = np.where(unsafe.reshape(shape), 1.0, plain[1]).astype(np.result_type(args[1]))
        with np.errstate(all="ignore"):
            theirs = [np.asarray(t, float).ravel() for t in getattr(scipy_special(), name)(*plain)]
        pair, wrong = _mathieu_radial_checked(name, m, q, x, theirs)
        if np.any(wrong):
            _say(f"{name}_{'yp' if k else 'y'}", "invalid")
        out = np.where(unsafe, np.nan, pair[k])
        return out.reshape(shape).astype(dtype)[()]

    impl.__name__ = f"{name}_{k}"
    return impl


def _mathieu(name, even, radial, doc):
    """The pair `name`(m, q, x) = (y, y′), difflab's (angular) or SciPy's where right (radial): y′'s slope
    ∓(a - 2q·cos 2x resp. cosh 2x)·y (a: mathieu_a for the even functions, mathieu_b for the odd), in degrees for the
    angular ones."""
    value, slope = f"{name}_y", f"{name}_yp"
    refuse = (
        _refuse(name, "m"),
        _refuse(
            name,
            "q",
            "x",
            f"difflab.scipy.special.{name} differentiates it in a scalar q (SciPy's ufunc on a "
            "traced q reaches this entry); method='numeric' differences it",
        ),
    )
    unit = 1.0 if radial else np.pi / 180

    def coefficient(m, q, x, cos_, cosh_, char):
        a = char(m, q)
        return (a - 2 * q * cosh_(2 * x)) * unit if radial else (2 * q * cos_(x * (2 * unit)) - a) * unit

    def ours(m, q, x):
        return coefficient(m, q, x, cos, cosh, mathieu_a_value if even else mathieu_b_value)

    def sympys(sp, m, q, x):
        return coefficient(m, q, x, sp.cos, sp.cosh, _scipy_function(f"mathieu_{'a' if even else 'b'}_value"))

    values = {k: (_mathieu_radial if radial else _mathieu_angular)(name, k) for k in (0, 1)}

    def mp(k):
        return lambda mpmath, m, q, x: mpmath.mpf(float(values[k](float(m), float(q), float(x))))

    return _output_parts(
        name,
        (
            (value, (*refuse, lambda out, m, q, x: REGISTRY[slope](m, q, x) * unit), None,
             lambda sp, out, i, m, q, x: _scipy_function(slope)(m, q, x) * unit, mp(0),
             f"{doc}, scipy.special.{name}(m, q, x)[0]; d/dx = its [1]" + (" times π/180 (x in degrees)" if not radial else "")),
            (slope, (*refuse, lambda out, m, q, x: ours(m, q, x) * REGISTRY[value](m, q, x)), None,
             lambda sp, out, i, m, q, x: sympys(sp, m, q, x) * _scipy_function(value)(m, q, x), mp(1),
             f"the slope of {doc}, scipy.special.{name}(m, q, x)[1]; its own slope by Mathieu's "
             + ("modified " if radial else "") + "equation"),
        ),
        ("integer", "integer", "real"),  # (m, q: never differentiated)
        "betainc",  # (the pairs' loops, fff->ff and ddd->dd, have betainc's input dtypes)
        lambda rng: [
            ((rng.integers(1, 4, s), rng.integers(1, 4, s), rng.uniform(0.2, 1.2, s) if radial else rng.uniform(10, 80, s)), {})
            for s in ((3,), ())
        ],
        values=values,
    )  # fmt: skip


mathieu_cem_y, mathieu_cem_yp = _mathieu("mathieu_cem", True, False, "the even Mathieu function ce_m(x, q)")
mathieu_sem_y, mathieu_sem_yp = _mathieu("mathieu_sem", False, False, "the odd Mathieu function se_m(x, q)")
mathieu_modcem1_y, mathieu_modcem1_yp = _mathieu(
    "mathieu_modcem1", True, True, "the even radial Mathieu function Mc⁽¹⁾_m(x, q)"
)
mathieu_modcem2_y, mathieu_modcem2_yp = _mathieu(
    "mathieu_modcem2", True, True, "the even radial Mathieu function Mc⁽²⁾_m(x, q)"
)
mathieu_modsem1_y, mathieu_modsem1_yp = _mathieu(
    "mathieu_modsem1", False, True, "the odd radial Mathieu function Ms⁽¹⁾_m(x, q)"
)
mathieu_modsem2_y, mathieu_modsem2_yp = _mathieu(
    "mathieu_modsem2", False, True, "the odd radial Mathieu function Ms⁽²⁾_m(x, q)"
)


# -- spheroidal wave functions (spheroid61) -----------------------------------------------------------------------------
# pro_ang1, pro_rad1, obl_ang1, obl_rad1 (m, n, c, x) and their _cv forms (m, n, c, cv, x) = (y, y′), solving the
# spheroidal equation d/dx[(1 - x²)·y′] + (λ - c²x² - m²/(1 - x²))·y = 0 (prolate, angular |x| < 1 and radial x > 1;
# oblate angular: c² → -c²) or, oblate radial (x ≥ 0), d/dx[(x² + 1)·y′] - (λ - c²x² - m²/(x² + 1))·y = 0 (x → ix,
# c → -ic), λ = pro_cv(m, n, c) resp. obl_cv: so y″ = s·(2x·y′ - (λ - k·x² - m²/w)·y)/w with w = 1 - s·x² (s = -1 for
# the oblate radial, 1 else) and k = ±c², like Mathieu's pairs. SciPy's slopes agree with its values' Richardson
# differences to 4e-11 and its slopes' differences with the equation to 8e-11 (300 points each, m 0..3, n - m 0..3,
# c 0.1..6). Not here: pro_rad2, obl_rad2 (their values solve neither equation at some points: pro_rad2(1, 2, 1.5, 1.5)
# 0.3 off, obl_rad2's slope is not its values' at (1, 2, 1.5, 1.2)). A _cv form with cv not the characteristic value
# computes a function that solves no equation (its slope is still its values'): the second derivative is NaN there.


def _spheroidal_cv(name, checked):
    """The internal entry SciPy's `name`(m, n, c) (pro_cv, obl_cv), or (`checked`) cv of (m, n, c, cv) where it is
    that value to 1e-10 (8 ulp in float32): NaN with an 'invalid' said where c < 0 (SciPy's functions there are the
    c = 0 ones, angular, or solve no equation, radial) or cv is another number (the _cv forms' second derivative)."""
    part = f"{name}_checked" if checked else f"{name}_value"
    args = ("m", "n", "c", "cv") if checked else ("m", "n", "c")

    def impl(*xs):
        want = _scipy(name)(*xs[:3])
        have = np.asarray(xs[3] if checked else want)
        tol = max(1e-10, 8 * np.finfo(np.result_type(have, np.float32)).eps)
        with np.errstate(invalid="ignore"):
            bad = (np.asarray(xs[2]) < 0) | ~(np.abs(have - want) <= tol * np.maximum(1, np.abs(want)))
            bad &= ~np.isnan(want)  # (SciPy's own NaN, n < m, is said by _scipy)
        if np.any(bad):
            _say(part, "invalid")
        out = np.where(bad, np.nan, have).astype(np.result_type(have, want))
        return out[()] if out.ndim == 0 else out

    why = "SciPy has no derivative of it; method='numeric' differences it"
    return _special(
        part,
        impl,
        tuple(_refuse(name, arg, "x of the spheroidal functions", why) for arg in args),
        _scipy_named(part, None, lambda sp, out, i, *xs: None, impl,
                     lambda mpmath, *xs: mpmath.mpf(float(impl(*(float(x) for x in xs))))),
        domain=("integer",) * len(args),  # (never differentiated: samples of integer dtype, as Mathieu's q)
        names=(f"_{part}",),  # (internal: nothing in it differentiates)
        ufunc=f"{name}_cv" if checked else name,  # (the _cv form's loops fffff->ff have its dtypes; pro_cv fff->f)
        internal=True,
        samples=lambda rng: [((np.int64(1), np.int64(2), np.int64(0 if checked else 2), *((np.int64(6),) if checked else ())), {})],
        doc=f"SciPy's {name}(m, n, c)" + (", checked to be cv" if checked else "")
        + ": the spheroidal equation's λ (its slopes' coefficient); not differentiated",
    )  # fmt: skip


pro_cv_value = _spheroidal_cv("pro_cv", False)
obl_cv_value = _spheroidal_cv("obl_cv", False)
pro_cv_checked = _spheroidal_cv("pro_cv", True)
obl_cv_checked = _spheroidal_cv("obl_cv", True)


@functools.lru_cache(maxsize=1)
def _gauss_legendre_80():
    return np.polynomial.legendre.leggauss(80)


def _legendre_cv_derivatives(m, n, c, oblate):
    """(λ, dλ/dc, d²λ/dc²) of the spheroidal equation's λ_mn(c) by its matrix in the normalised associated Legendre
    basis P̄ₗᵐ, l = m + r, r ≡ n - m (mod 2): diag l(l + 1) ± c²·X, X the tridiagonal matrix of x² (x·P̄ₗ = aₗP̄ₗ₊₁ +
    aₗ₋₁P̄ₗ₋₁, aₗ² = ((l + 1)² - m²)/((2l + 1)(2l + 3))), λ its ((n - m) // 2)-th eigenvalue (Sturm–Liouville: no two
    of one parity cross); the slope is Hellmann–Feynman's ±2c·vᵀXv and the curvature second-order perturbation's
    ±2vᵀXv + 8c²·Σₖ (vₖᵀXv)²/(λ - λₖ) over the other eigenvalues. 40 + c rows past n keep l² ≫ c² (λ within 1e-13
    of SciPy's pro_cv at c ≤ 12)."""
    size = (n - m) // 2 + 40 + int(c)
    ell = (m + (n - m) % 2 + 2 * np.arange(size)).astype(float)
    a = np.sqrt(((ell + 1) ** 2 - m * m) / ((2 * ell + 1) * (2 * ell + 3)))
    below = np.sqrt((ell**2 - m * m) / ((2 * ell - 1) * (2 * ell + 1)))  # aₗ₋₁ (0 at l = m)
    step = (a * np.sqrt(((ell + 2) ** 2 - m * m) / ((2 * ell + 3) * (2 * ell + 5))))[:-1]  # aₗ·aₗ₊₁: l to l + 2
    x2 = np.diag(a * a + below * below) + np.diag(step, 1) + np.diag(step, -1)
    sign = -1.0 if oblate else 1.0
    w, vectors = np.linalg.eigh(np.diag(ell * (ell + 1)) + sign * c * c * x2)
    k = (n - m) // 2
    coupling = vectors.T @ (x2 @ vectors[:, k])
    others = np.arange(size) != k
    curvature = 2 * sign * coupling[k] + 8 * c * c * np.sum(coupling[others] ** 2 / (w[k] - w[others]))
    return w[k], 2 * sign * c * coupling[k], curvature


def _spheroidal_cv_curvature(name):
    """The internal entry d²/dc² of SciPy's `name`(m, n, c) (pro_cv, obl_cv) by second-order perturbation of the
    equation's Legendre matrix (`_legendre_cv_derivatives`): within 1e-8 of Richardson's second differences of SciPy's
    values; NaN with an 'invalid' said where the slope is (c < 0, c > 12, n - m > 10). Its own slope refused."""
    part, oblate = f"{name}_dc2", name == "obl_cv"

    def impl(m, n, c):
        m, n, c = np.broadcast_arrays(m, n, c)
        out = np.full(c.shape, np.nan, np.result_type(c, np.float32))
        far = (c < 0) | (c > 12) | (n - m > 10)
        for i in np.ndindex(c.shape):
            if not far[i] and 0 <= m[i] <= n[i] and m[i] == int(m[i]) and n[i] == int(n[i]):
                out[i] = _legendre_cv_derivatives(int(m[i]), int(n[i]), float(c[i]), oblate)[2]
        if np.any(np.isnan(out)):
            _say(part, "invalid")
        return out[()] if out.ndim == 0 else out

    why = "its third derivative in c is not implemented; method='numeric' differences the second"
    return _special(
        part,
        impl,
        tuple(_refuse(name, arg, "c, twice", why) for arg in ("m", "n", "c a third time")),
        _scipy_named(part, None, lambda sp, out, i, *xs: None, impl,
                     lambda mpmath, *xs: mpmath.mpf(float(impl(*(float(x) for x in xs))))),
        domain=("integer",) * 3,
        names=(f"_{part}",),
        ufunc=name,
        internal=True,
        samples=lambda rng: [((np.int64(1), np.int64(2), np.int64(2)), {})],
        doc=f"d²/dc² of SciPy's {name}(m, n, c) by second-order perturbation; not differentiated",
    )  # fmt: skip


def _spheroidal_cv_slope(name, curvature):
    """The internal entry d/dc of SciPy's `name`(m, n, c) (pro_cv, obl_cv): ±2c·∫x²S²/∫S² over (-1, 1) (the
    equation's eigenvalue's Hellmann–Feynman slope, S = pro_ang1 resp. obl_ang1, - for the oblate), by 80-node
    Gauss–Legendre (S² is a polynomial times (1 - x²)^m): within 1.6e-12 of mpmath's eigenvalue's slope (24 random
    points) for c ≤ 12, n - m ≤ 10, elsewhere NaN with an 'invalid' said: c < 0 (SciPy's λ is the c = 0 one there) and beyond, where
    SciPy's angular function loses digits (pro_cv's slope 1e-7 off at (0, 9, 28.6), obl_cv's 7e-8 at (1, 30, 3.3)).
    Its own slope is `curvature`'s entry (the second-order sum over the other eigenvalues, by Legendre's matrix)."""
    part, oblate = f"{name}_dc", name == "obl_cv"

    def impl(m, n, c):
        t, w = _gauss_legendre_80()
        m, n, c = (np.asarray(a)[..., None] for a in np.broadcast_arrays(m, n, c))
        s2 = np.square(getattr(scipy_special(), "obl_ang1" if oblate else "pro_ang1")(m, n, c, t)[0])
        with np.errstate(invalid="ignore"):
            out = (-2 if oblate else 2) * c[..., 0] * ((s2 @ (w * t * t)) / (s2 @ w))
        far = (c[..., 0] < 0) | (c[..., 0] > 12) | (n[..., 0] - m[..., 0] > 10)
        if np.any(far):
            _say(part, "invalid")
        out = np.where(far, np.nan, out).astype(np.result_type(c, np.float32))
        return out[()] if out.ndim == 0 else out

    refused = tuple(_refuse(name, arg, "c") for arg in ("m", "n"))
    return _special(
        part,
        impl,
        (*refused, lambda out, m, n, c: curvature(m, n, c)),
        _scipy_named(part, None, lambda sp, out, i, *xs: _scipy_function(curvature.name)(*xs), impl,
                     lambda mpmath, *xs: mpmath.mpf(float(impl(*(float(x) for x in xs))))),
        domain=("integer",) * 3,
        names=(f"_{part}",),
        ufunc=name,
        internal=True,
        samples=lambda rng: [((np.int64(1), np.int64(2), np.int64(2)), {})],
        doc=f"d/dc of SciPy's {name}(m, n, c), ±2c·∫x²S²/∫S² (Hellmann–Feynman); not differentiated",
    )  # fmt: skip


def _spheroidal_cv_public(name, slope, doc):
    return _special(
        name,
        _scipy(name),
        (_refuse(name, "m", "c"), _refuse(name, "n", "c"), lambda out, m, n, c: slope(m, n, c)),
        _scipy_named(name, None, lambda sp, out, i, m, n, c: _scipy_function(slope.name)(m, n, c), None,
                     lambda mpmath, *xs: mpmath.mpf(float(getattr(scipy_special(), name)(*(float(x) for x in xs))))),
        # (random graphs hold c too, as nctdtridf's: their checks may ask the refused second order; samples: c > 0)
        domain=("integer", "integer", "integer"),
        samples=lambda rng: [((np.int64(1), np.int64(2), rng.uniform(0.5, 4.0, s)), {}) for s in ((2,),)],
        doc=doc,
    )  # fmt: skip


pro_cv_dc2 = _spheroidal_cv_curvature("pro_cv")
obl_cv_dc2 = _spheroidal_cv_curvature("obl_cv")
pro_cv_dc = _spheroidal_cv_slope("pro_cv", pro_cv_dc2)
obl_cv_dc = _spheroidal_cv_slope("obl_cv", obl_cv_dc2)
pro_cv = _spheroidal_cv_public(
    "pro_cv",
    pro_cv_dc,
    "the prolate spheroidal characteristic value λ_mn(c); d/dc = 2c·∫x²S²/∫S², d²/dc² by perturbation",
)
obl_cv = _spheroidal_cv_public(
    "obl_cv",
    obl_cv_dc,
    "the oblate spheroidal characteristic value λ_mn(-ic); d/dc = -2c·∫x²S²/∫S², d²/dc² by perturbation",
)


def _spheroidal(name, doc):
    """The pair `name`(m, n, c, x) = (y, y′) of SciPy's (name a _cv form: (m, n, c, cv, x)), y′'s slope by the
    spheroidal equation."""
    value, slope = f"{name}_y", f"{name}_yp"
    oblate, radial, with_cv = name.startswith("obl"), "rad" in name, name.endswith("_cv")
    s = -1 if oblate and radial else 1
    args = ("m", "n", "c", "cv") if with_cv else ("m", "n", "c")
    refuse = tuple(_refuse(name, arg, "x", "SciPy has no derivative in it; method='numeric' differences it"
                           if arg in ("c", "cv") else "") for arg in args)  # fmt: skip
    family = "obl_cv" if oblate else "pro_cv"

    def second(x, y, yp, m, c, lam):  # y″ = s·(2x·y′ - (λ - k·x² - m²/w)·y)/w
        w = 1 - s * x * x
        k = -c * c if oblate and not radial else c * c
        return s * (2 * x * yp - (lam - k * x * x - m * m / w) * y) / w

    def lam(m, n, c, *cv):
        return REGISTRY[f"{family}_checked" if with_cv else f"{family}_value"](m, n, c, *cv)

    def sym_lam(m, n, c, *cv):
        return _scipy_function(f"{family}_checked" if with_cv else f"{family}_value")(m, n, c, *cv)

    def ours(out, m, n, c, *rest):
        return second(rest[-1], REGISTRY[value](m, n, c, *rest), out, m, c, lam(m, n, c, *rest[:-1]))

    def sympys(sp, out, i, m, n, c, *rest):
        y = _scipy_function(value)(m, n, c, *rest)
        return second(rest[-1], y, _scipy_function(slope)(m, n, c, *rest), m, c, sym_lam(m, n, c, *rest[:-1]))

    def mp(k):
        return lambda mpmath, *xs: mpmath.mpf(float(getattr(scipy_special(), name)(*(float(x) for x in xs))[k]))

    lo, hi = (-0.9, 0.9) if not radial else (0.2, 2.5) if oblate else (1.2, 2.5)
    return _output_parts(
        name,
        (
            (value, (*refuse, lambda out, *xs: REGISTRY[slope](*xs)), None,
             lambda sp, out, i, *xs: _scipy_function(slope)(*xs), mp(0),
             f"{doc}, scipy.special.{name}(m, n, c, {'cv, ' if with_cv else ''}x)[0]; d/dx = its [1]"),
            (slope, (*refuse, ours), None, sympys, mp(1),
             f"the slope of {doc}, scipy.special.{name}(...)[1]; its own slope by the spheroidal equation"),
        ),
        # (m, n, c, cv: never differentiated; x too for random graphs, as the shape inverses': they hold every "integer"
        # argument at 1.0 or 2.0, m > n or no characteristic value, NaN where `exact`'s 40 digits take no NaN; samples
        # below differentiate x)
        ("integer",) * (len(args) + 1),
        name,  # (its loops ffff->ff, dddd->dd: the first output's dtype)
        # (c, cv of integer dtype, never differentiated; the _cv forms' at c = 0, λ = n(n + 1): Legendre's P_n^m angular)
        lambda rng: [((np.int64(1), np.int64(2), *((np.int64(0), np.int64(6)) if with_cv else (np.int64(2),)),
                       rng.uniform(lo, hi, s)), {}) for s in ((2,),)],
    )  # fmt: skip


pro_ang1_y, pro_ang1_yp = _spheroidal("pro_ang1", "the prolate angular spheroidal function S_mn(c, x), |x| < 1")
pro_rad1_y, pro_rad1_yp = _spheroidal("pro_rad1", "the prolate radial spheroidal function R⁽¹⁾_mn(c, x), x > 1")
obl_ang1_y, obl_ang1_yp = _spheroidal("obl_ang1", "the oblate angular spheroidal function S_mn(-ic, x), |x| < 1")
obl_rad1_y, obl_rad1_yp = _spheroidal("obl_rad1", "the oblate radial spheroidal function R⁽¹⁾_mn(-ic, ix), x ≥ 0")
pro_ang1_cv_y, pro_ang1_cv_yp = _spheroidal("pro_ang1_cv", "the prolate angular spheroidal function, λ = cv given")
pro_rad1_cv_y, pro_rad1_cv_yp = _spheroidal("pro_rad1_cv", "the prolate radial spheroidal function, λ = cv given")
obl_ang1_cv_y, obl_ang1_cv_yp = _spheroidal("obl_ang1_cv", "the oblate angular spheroidal function, λ = cv given")
obl_rad1_cv_y, obl_rad1_cv_yp = _spheroidal("obl_rad1_cv", "the oblate radial spheroidal function, λ = cv given")


# -- the spherical Legendre function (issue 11, special49) ----------------------------------------------------------


def _sph_legendre_value(n, m, theta):
    """SciPy's sph_legendre_p(n, m, θ) (its diff_n = 0) in the arguments' broadcast shape (SciPy's gives a scalar
    call the shape (1,)); n and m whole numbers as integers (SciPy's loops take no float n)."""
    n, m = (np.asarray(a) for a in (n, m))
    if not all(np.all(a == np.floor(a)) for a in (n, m)):
        raise ValueError("scipy.special.sph_legendre_p: n and m must be whole numbers")
    shape = np.broadcast_shapes(n.shape, m.shape, np.shape(theta))
    out = scipy_special().sph_legendre_p(n.astype(int), m.astype(int), theta)
    return np.reshape(out, shape)[()]


def _sph_legendre_weight(c, sqrt, clip):
    """√c for a recurrence's coefficient c = (n ∓ m)(n ± m + 1), 0 where c ≤ 0 (the neighbour has |m| > n: 0)."""
    return sqrt(clip(c))


def _sph_legendre_slope(p, n, m, theta, sqrt, clip):
    """∂θ P̄ₙᵐ = (√((n - m)(n + m + 1))·P̄ₙᵐ⁺¹ - √((n + m)(n - m + 1))·P̄ₙᵐ⁻¹)/2 (SciPy's normalization, Condon-Shortley
    phase; checked against SciPy's diff_n = 1): the family closes on itself, every order, no 1/sin θ at the poles.
    That is the slope where sin θ ≥ 0; SciPy's P̄ reads |sin θ| (P̄(-θ) = P̄(θ), P̄(2π - θ) = P̄(θ)), so where sin θ < 0
    the entry's rule negates it (the slope at θ = -0.7 had the wrong sign: SciPy's diff_n = 1 and differences agree).
    Where sin θ = 0 with m odd P̄ has a kink (|sin θ|·…): the slope there is the side sin θ ≥ 0's, not the convention
    table's 0 (abs'(0) = 0), because an even m's slope is made of its odd neighbours, and their one-sided slopes are
    what keeps its second derivative at the pole right (P̄₂²'' at 0: 0.7725; the kink registered, for the oracle)."""
    up = _sph_legendre_weight((n - m) * (n + m + 1), sqrt, clip)
    down = _sph_legendre_weight((n + m) * (n - m + 1), sqrt, clip)
    return 0.5 * (up * p(n, m + 1, theta) - down * p(n, m - 1, theta))


def _sph_legendre_front(n, m, theta):
    """SciPy's sph_legendre_p(n, m, θ) (diff_n = 0): the entry's values with SciPy's leading axis of length 1 (its
    derivatives' axis, diff_n + 1 long)."""
    from ..numpy import expand_dims

    return expand_dims(REGISTRY["sph_legendre"](n, m, theta), 0)


sph_legendre = _special(
    "sph_legendre",
    _sph_legendre_value,
    (
        _refuse("sph_legendre_p", "n", "theta"),
        _refuse("sph_legendre_p", "m", "theta"),
        lambda out, n, m, theta: (
            where(less(sin(theta), 0.0), -1.0, 1.0)
            * _sph_legendre_slope(
                REGISTRY["sph_legendre"], n, m, theta, lambda c: c**0.5, lambda c: where(greater(c, 0.0), c, 0.0)
            )
        ),
    ),
    _scipy_named(
        "sph_legendre",
        None,
        lambda sp, out, i, n, m, theta: (
            sp.Piecewise((-1, sp.sin(theta) < 0), (1, True))
            * _sph_legendre_slope(_scipy_function("sph_legendre"), n, m, theta, sp.sqrt, lambda c: sp.Max(c, 0))
        ),
        scipy_name=_sph_legendre_value,
        mp=lambda mpmath, n, m, theta: mpmath.re(mpmath.spherharm(int(n), int(m), theta, 0)),
    ),
    domain=("integer", "integer", "real"),  # (n, m drawn 1..3: |m| > n gives 0)
    names=("sph_legendre_p",),
    kink=lambda n, m, theta: np.where(np.mod(m, 2) == 1, np.abs(np.sin(theta)), np.inf),  # (m odd, see the slope)
    front=_sph_legendre_front,
    internal=True,
    resolve_dtype=lambda *dtypes: np.dtype(np.float64),  # (SciPy's loops are double only)
    doc="the spherical Legendre function P̄ₙᵐ(θ) = Yₙᵐ(θ, 0), elementwise (scipy.special.sph_legendre_p(n, m, θ), its front, adds SciPy's leading axis); ∂θ by the "
    "recurrence in m (√((n-m)(n+m+1))·P̄ₙᵐ⁺¹ - √((n+m)(n-m+1))·P̄ₙᵐ⁻¹)/2, not differentiable in n, m",
)


# -- noncentral χ² and F, the normal's parameters, besselpoly and the shifted Jacobi polynomial (issue 11, special50) --
# A noncentral CDF is a Poisson(nc/2) mixture of central ones whose df step by 2. Its density in x is a central one
# times a hypergeometric series in nc (₀F₁ for χ², ₁F₁ for F), and its slope in nc is half the difference of the
# CDFs at df + 2 and df (the Poisson weights' slope), which a central CDF's own identity turns into a density with no
# difference left: ∂nc chndtr(x, k, nc) = -f(x; k + 2, nc). The degrees of freedom: below (special59).


def _mp_poisson_mixture(mpmath, nc, term):
    """Σⱼ e^(-nc/2) (nc/2)ʲ/j! · term(j) (term(j) in [0, 1], falling in j) in mpmath's precision, summed past the
    weights' peak until a term falls below its epsilon of the sum."""
    half, total, j = mpmath.mpf(nc) / 2, mpmath.mpf(0), 0
    weight = mpmath.exp(-half)
    while True:
        step = weight * term(j)
        total += step
        j += 1
        if j > half and step <= mpmath.eps * total:
            return total
        weight *= half / j


def _mp_chndtr(mpmath, x, df, nc):
    x, df = mpmath.mpf(x), mpmath.mpf(df)
    return _mp_poisson_mixture(mpmath, nc, lambda j: mpmath.gammainc(df / 2 + j, 0, x / 2, regularized=True))


# The noncentral CDFs' slopes in their degrees of freedom (special59): Poisson mixtures of the central CDFs' shape
# partials (difflab.ops.incomplete: chndtr_df, ncfdtr_dfs, nctdtr_df), internal entries. χ²'s to second order: its
# density is an entry too (chndtr_pdf: the ₀F₁ form, whose parameter df no registry rule differentiates, with the
# mixture's slope in df), and chndtr_ddf's partials are its density's slope and its second slope in df; ncfdtr's and
# nctdtr's to second order in every pair of arguments (misc62, ncfdtr64: below).


def _mixture_impl(kernel):
    def compute(*args):
        from . import incomplete

        with np.errstate(divide="ignore", invalid="ignore"):  # (beta_shape's fraction ends early at a whole a or b)
            return getattr(incomplete, kernel)(*args)

    return compute


def _noncentral_df(name, kernel, k, parent, argnames, mp, samples, doc, partials=None, sympy_partials=None):
    """The internal entry `name`, a slope of SciPy's `parent` (argument names `argnames`) in a degree of freedom: output
    k of incomplete.`kernel`, NaN with a DomainWarning where its mixture did not converge; `mp(mpmath, *args)` its value
    in mpmath's precision. Its own `partials` (and their SymPy forms, `sympy_partials(sp, out, i, *args)`): a tuple,
    or a dict of some arguments' (the others refused), or none: every derivative refused (a second, or third, order of
    `parent` that is not computed)."""
    impl = _shape_impl(name, _mixture_impl(kernel), k)
    why = f"this order of {parent}'s derivatives in a degree of freedom is not computed; method='numeric' differences SciPy's values"
    refused = tuple(_refuse(name, a, f"a lower derivative of {parent}", why) for a in argnames)
    if isinstance(partials, dict):
        partials = tuple(partials.get(i, rule) for i, rule in enumerate(refused))
    return _special(
        name,
        impl,
        partials or refused,
        _scipy_named(name, None, sympy_partials or (lambda sp, out, i, *args: None), impl, mp),
        domain=("integer",) * len(argnames),  # (held by random graphs: a higher order is refused)
        names=(f"_{name}",),  # (no SciPy function)
        ufunc=parent,
        internal=True,
        samples=samples,
        doc=doc,
    )


def _mp_df_slope(mp_cdf, at, order=1):
    """mpmath's diff (order 1 or 2) of `mp_cdf(mpmath, *args)` in its argument `at`."""

    def mp(mpmath, *args):
        return mpmath.diff(lambda v: mp_cdf(mpmath, *args[:at], v, *args[at + 1 :]), args[at], order)

    return mp


def _whole_samples(*column):
    """A sample of whole numbers (integer dtype: the registry's tests hold them, the entry's derivatives being
    refused; one: each costs a mixture of series per element in every batching test), the arguments given."""
    return lambda rng: [(tuple(np.int64(c) for c in column), {})]


def _mp_ncx2_density(mpmath, x, df, nc):
    x, df = mpmath.mpf(x), mpmath.mpf(df)
    return _mp_poisson_mixture(
        mpmath, nc, lambda j: mpmath.exp((df / 2 + j - 1) * mpmath.log(x / 2) - x / 2 - mpmath.loggamma(df / 2 + j)) / 2
    )


def _ncx2_next(x, df, nc, fns):
    """½e^(-nc/2)·g(df/2, x/2)·₀F₁(; df/2 + 1; nc·x/4)/(df/2): the density's slopes' common part, ∂x f = f·((df/2 - 1)/x
    - ½) + (nc/4)·this, ∂nc f = -f/2 + (x/4)·this (₀F₁′(; b; z) = ₀F₁(; b + 1; z)/b); `fns` (exp, the Gamma
    log-density, hyp0f1)."""
    exp_, log_g, hyp = fns
    return 0.5 * exp_(log_g(0.5 * df, 0.5 * x) - 0.5 * nc) * hyp(0.5 * df + 1, 0.25 * nc * x) / (0.5 * df)


def _ncx2_pdf_partials(sp=None):
    """chndtr_pdf's partials (x, df, nc), difflab's or (sp given) SymPy's."""
    if sp is None:
        fns, slope = (exp, _gamma_log_density, hyp0f1), chndtr_dxdf
    else:
        fns = (sp.exp, lambda a, s: _gamma_sympy_log_density(sp, a, s), _scipy_function("hyp0f1"))
        slope = _scipy_function("chndtr_dxdf")
    return (
        lambda out, x, df, nc: out * ((0.5 * df - 1) / x - 0.5) + 0.25 * nc * _ncx2_next(x, df, nc, fns),
        lambda out, x, df, nc: slope(x, df, nc),
        lambda out, x, df, nc: -0.5 * out + 0.25 * x * _ncx2_next(x, df, nc, fns),
    )


def _ncx2_pdf_impl(x, df, nc):
    sc = scipy_special()
    with np.errstate(all="ignore"):
        a, s = np.divide(df, 2.0), np.divide(x, 2.0)
        return 0.5 * np.exp(sc.xlogy(a - 1, s) - s - sc.gammaln(a) - np.divide(nc, 2.0)) * sc.hyp0f1(a, nc * s / 2)


def _ncx2_pdf_samples(rng):
    return [((rng.uniform(0.5, 4.0, s), rng.integers(1, 5, s), rng.uniform(0.2, 3.0, s)), {}) for s in ((3,), ())]


chndtr_pdf = _special(
    "chndtr_pdf",
    _ncx2_pdf_impl,
    (
        lambda out, *args: _ncx2_pdf_partials()[0](out, *args),
        lambda out, *args: _ncx2_pdf_partials()[1](out, *args),
        lambda out, *args: _ncx2_pdf_partials()[2](out, *args),
    ),
    _scipy_named(
        "chndtr_pdf",
        None,
        lambda sp, out, i, *args: _ncx2_pdf_partials(sp)[i](out, *args),
        _ncx2_pdf_impl,
        _mp_ncx2_density,
    ),
    domain=("positive", "integer", "positive"),  # (df held by random graphs: its slope's derivatives are refused)
    names=("_chndtr_pdf",),  # (no SciPy function; scipy.stats.ncx2.pdf)
    ufunc="chndtr",
    internal=True,
    samples=_ncx2_pdf_samples,
    doc="the noncentral χ² density f(x; df, nc) = ½e^(-nc/2)·g(df/2, x/2)·₀F₁(; df/2; nc·x/4) (g: the Gamma density) "
    "as an entry, its slope in df chndtr_dxdf (chndtridf's rules: their second derivatives); ∂x, ∂nc by ₀F₁(; df/2 + 1)",
)
_CHNDTR_ARGS = ("x", "df", "nc")
_CHNDTR_SAMPLES = _whole_samples(2, 3, 1)
chndtr_ddf2 = _noncentral_df(
    "chndtr_ddf2",
    "chndtr_df",
    1,
    "chndtr",
    _CHNDTR_ARGS,
    _mp_df_slope(_mp_chndtr, 1, 2),
    _CHNDTR_SAMPLES,
    "∂df² of the noncentral χ² CDF chndtr(x, df, nc): ¼Σⱼ e^(-nc/2)(nc/2)ʲ/j!·∂a² P(df/2 + j, x/2); not differentiated "
    "again",
)
chndtr_dxdf = _noncentral_df(
    "chndtr_dxdf",
    "chndtr_df",
    2,
    "chndtr",
    _CHNDTR_ARGS,
    _mp_df_slope(_mp_ncx2_density, 1),
    _CHNDTR_SAMPLES,
    "∂df of the noncentral χ² density: ¼Σⱼ e^(-nc/2)(nc/2)ʲ/j!·g(df/2 + j, x/2)·(log(x/2) - ψ(df/2 + j)) (g: the Gamma "
    "density); not differentiated again",
)
chndtr_ddf = _noncentral_df(
    "chndtr_ddf",
    "chndtr_df",
    0,
    "chndtr",
    _CHNDTR_ARGS,
    _mp_df_slope(_mp_chndtr, 1),
    _CHNDTR_SAMPLES,
    "∂df of the noncentral χ² CDF chndtr(x, df, nc): ½Σⱼ e^(-nc/2)(nc/2)ʲ/j!·∂a P(df/2 + j, x/2) (gammainc_da's series "
    "and fractions); ∂x chndtr_dxdf, ∂df chndtr_ddf2, ∂nc -chndtr_dxdf at df + 2 (a third order refused)",
    partials=(
        lambda out, x, df, nc: chndtr_dxdf(x, df, nc),
        lambda out, x, df, nc: chndtr_ddf2(x, df, nc),
        lambda out, x, df, nc: -chndtr_dxdf(x, df + 2.0, nc),
    ),
    sympy_partials=lambda sp, out, i, x, df, nc: (
        _scipy_function("chndtr_dxdf")(x, df, nc),
        _scipy_function("chndtr_ddf2")(x, df, nc),
        -_scipy_function("chndtr_dxdf")(x, df + 2, nc),
    )[i],
)
_NCF_ARGS = ("dfn", "dfd", "nc", "f")


def _mp_mixed(mp_cdf, orders):
    """mpmath's diff of `mp_cdf(mpmath, *args)` to the partial orders `orders` (one per argument)."""

    def mp(mpmath, *args):
        return mpmath.diff(lambda *v: mp_cdf(mpmath, *v), args, orders)

    return mp


# ncfdtr's and nctdtr's second derivatives in their degrees of freedom (misc62) and mixed with nc, f and t (ncfdtr64):
# the mixtures of the central terms' second slopes (beta_shape's ∂a², ∂a∂b, ∂b² and the density's slopes:
# incomplete.ncfdtr_dfs, nctdtr_df), the first order's partials in the degrees of freedom, and the slopes in a degree of
# freedom of the density and of ∂nc (the entries ncfdtr_pdf, ncfdtr_dnc, nctdtr_pdf, nctdtr_dnc below: ₁F₁ resp.
# Weber's D forms, whose parameters no rule differentiates), each one entry read by both orders of differentiation.
_NCF_SECOND = (
    (2, "ddfn2", "∂dfn²", (2, 0, 0, 0)),
    (3, "ddfnd", "∂dfn∂dfd", (1, 1, 0, 0)),
    (4, "ddfd2", "∂dfd²", (0, 2, 0, 0)),
    (5, "ddfnnc", "∂dfn∂nc", (1, 0, 1, 0)),
    (6, "ddfdnc", "∂dfd∂nc", (0, 1, 1, 0)),
    (7, "ddfnf", "∂dfn∂f", (1, 0, 0, 1)),
    (8, "ddfdf", "∂dfd∂f", (0, 1, 0, 1)),
)
ncfdtr_ddfn2, ncfdtr_ddfnd, ncfdtr_ddfd2, ncfdtr_ddfnnc, ncfdtr_ddfdnc, ncfdtr_ddfnf, ncfdtr_ddfdf = (
    _noncentral_df(
        f"ncfdtr_{name}",
        "ncfdtr_dfs",
        k,
        "ncfdtr",
        _NCF_ARGS,
        _mp_mixed(lambda *args: _mp_ncfdtr(*args), orders),
        _whole_samples(3, 5, 2, 1),
        f"{wrt} of the noncentral F CDF ncfdtr(dfn, dfd, nc, f): the mixture's terms' second slopes (betainc's shape "
        "partials, its density's slopes); not differentiated again",
    )
    for k, name, wrt, orders in _NCF_SECOND
)
#: ncfdtr_ddfn's and ncfdtr_ddfd's partials (dfn, dfd, nc, f), by name
_NCF_DF_PARTIALS = (
    ("ncfdtr_ddfn2", "ncfdtr_ddfnd", "ncfdtr_ddfnnc", "ncfdtr_ddfnf"),
    ("ncfdtr_ddfnd", "ncfdtr_ddfd2", "ncfdtr_ddfdnc", "ncfdtr_ddfdf"),
)
ncfdtr_ddfn, ncfdtr_ddfd = (
    _noncentral_df(
        f"ncfdtr_d{wrt}",
        "ncfdtr_dfs",
        k,
        "ncfdtr",
        _NCF_ARGS,
        _mp_df_slope(lambda *args: _mp_ncfdtr(*args), k),
        _whole_samples(3, 5, 2, 1),
        f"∂{wrt} of the noncentral F CDF ncfdtr(dfn, dfd, nc, f): Σⱼ e^(-nc/2)(nc/2)ʲ/j!·∂{wrt} I_y(dfn/2 + j, dfd/2), "
        "y = dfn·f/(dfn·f + dfd) (betainc's shape partials and density); its own slopes by "
        f"{', '.join(_NCF_DF_PARTIALS[k])}",
        partials=tuple((lambda out, *args, name=name: REGISTRY[name](*args)) for name in _NCF_DF_PARTIALS[k]),
        sympy_partials=lambda sp, out, i, *args, k=k: _scipy_function(_NCF_DF_PARTIALS[k][i])(*args),
    )
    for k, wrt in enumerate(("dfn", "dfd"))
)
_NCT_ARGS = ("df", "nc", "t")
nctdtr_ddf2, nctdtr_ddfnc, nctdtr_ddft = (
    _noncentral_df(
        f"nctdtr_{name}",
        "nctdtr_df",
        k,
        "nctdtr",
        _NCT_ARGS,
        _mp_mixed(lambda *args: _mp_nctdtr(*args), orders),
        _whole_samples(3, -1, 2),
        f"{wrt} of the noncentral t CDF nctdtr(df, nc, t): {how}; not differentiated again",
    )
    for k, name, wrt, orders, how in (
        (1, "ddf2", "∂df²", (2, 0, 0), "Lenth's series' terms' second slopes in b = df/2 (betainc's ∂b² and its "
         "density's slopes)"),
        (2, "ddfnc", "∂df∂nc", (1, 1, 0), "Lenth's weights' slopes in nc times its terms' slopes in df"),
        (3, "ddft", "∂df∂t", (1, 0, 1), "the slope in df of its density's series Σⱼ (pⱼ, qⱼ)·y^a(1 - y)^b/(t·B(a, b))"),
    )
)  # fmt: skip
nctdtr_ddf = _noncentral_df(
    "nctdtr_ddf",
    "nctdtr_df",
    0,
    "nctdtr",
    _NCT_ARGS,
    _mp_df_slope(lambda *args: _mp_nctdtr(*args), 0),
    _whole_samples(3, -1, 2),
    "∂df of the noncentral t CDF nctdtr(df, nc, t): Lenth's series ½Σⱼ (pⱼ·I_y(j + ½, df/2) + qⱼ·I_y(j + 1, df/2)), "
    "y = t²/(df + t²), differentiated term by term (betainc's shape partial in b and density); its own slopes by "
    "nctdtr_ddf2, nctdtr_ddfnc, nctdtr_ddft",
    partials=(
        lambda out, df, nc, t: nctdtr_ddf2(df, nc, t),
        lambda out, df, nc, t: nctdtr_ddfnc(df, nc, t),
        lambda out, df, nc, t: nctdtr_ddft(df, nc, t),
    ),
    sympy_partials=lambda sp, out, i, *args: _scipy_function(("nctdtr_ddf2", "nctdtr_ddfnc", "nctdtr_ddft")[i])(*args),
)

chndtr = _special(
    "chndtr",
    _scipy("chndtr"),
    (
        lambda out, x, df, nc: chndtr_pdf(x, df, nc),
        lambda out, x, df, nc: chndtr_ddf(x, df, nc),
        lambda out, x, df, nc: -chndtr_pdf(x, df + 2.0, nc),
    ),
    _scipy_named(
        "chndtr",
        None,
        lambda sp, out, i, x, df, nc: (
            _scipy_function("chndtr_pdf")(x, df, nc),
            _scipy_function("chndtr_ddf")(x, df, nc),
            -_scipy_function("chndtr_pdf")(x, df + 2, nc),
        )[i],
        mp=_mp_chndtr,
    ),
    domain=("positive", "integer", "positive"),
    doc="the noncentral χ² CDF F(x; df, nc); ∂x = its density e^(-nc/2)·g_df(x)·₀F₁(; df/2; nc·x/4), "
    "∂nc = -the density at df + 2, ∂df by chndtr_ddf (to second order)",
)
chndtrix = _special(
    "chndtrix",
    _scipy("chndtrix"),
    (
        lambda out, p, df, nc: 1.0 / chndtr_pdf(out, df, nc),
        lambda out, p, df, nc: -chndtr_ddf(out, df, nc) / chndtr_pdf(out, df, nc),
        lambda out, p, df, nc: chndtr_pdf(out, df + 2.0, nc) / chndtr_pdf(out, df, nc),
    ),
    _scipy_named(
        "chndtrix",
        None,
        lambda sp, out, i, p, df, nc: (
            1 / _scipy_function("chndtr_pdf")(out, df, nc),
            -_scipy_function("chndtr_ddf")(out, df, nc) / _scipy_function("chndtr_pdf")(out, df, nc),
            _scipy_function("chndtr_pdf")(out, df + 2, nc) / _scipy_function("chndtr_pdf")(out, df, nc),
        )[i],
        mp=lambda mpmath, p, df, nc: _mp_root(
            mpmath,
            lambda x: _mp_chndtr(mpmath, x, df, nc) - p,
            scipy_special().chndtrix(float(p), float(df), float(nc)),
        ),
    ),
    domain=("probability", "integer", "positive"),
    scale=(_to_either_end_first, None, None),
    doc="the noncentral χ² quantile: x with chndtr(x, df, nc) = p; ∂p = 1/f(x; df, nc), ∂nc = f(x; df + 2, nc)/"
    "f(x; df, nc) (f: the density), ∂df = -chndtr_ddf(x, df, nc)/f(x; df, nc) (to second order)",
)


def _chndtrinc_samples(rng):
    """Typical calls of chndtrinc(x, df, p): p = chndtr(x, df, nc) at nc in 0.3..3 (a p at or above chndtr(x, df, 0)
    has no nc > 0: SciPy answers 0 or a tiny number there)."""
    calls = []
    for s in ((3, 4), (4,), ()):
        x, df, nc = rng.uniform(0.5, 3.0, s), rng.integers(1, 4, s), rng.uniform(0.3, 3.0, s)
        calls.append(((x, df, scipy_special().chndtr(x, df, nc)), {}))
    return calls


def _chndtrinc_strategy(b, name, x, picks, c):
    """How the Hypothesis strategies call chndtrinc: an attainable p (one above chndtr(x, df, 0) has no nc > 0). The
    strategies bound an op that overflows at 50 (chndtrinc is NaN there) by tanh of each argument, so the call is
    chndtrinc(tanh u, df, tanh p) with p = chndtr(tanh u, df, u) at a guarded positive u: tanh p < p is attained at
    an nc > u."""
    df, u = float(1 + c.take(3)), b.positive(x, c)
    return b.emit(name, u, df, b.emit("chndtr", b.emit("tanh", u), df, u))


chndtrinc = _special(
    "chndtrinc",
    _scipy("chndtrinc"),
    (
        lambda out, x, df, p: chndtr_pdf(x, df, out) / chndtr_pdf(x, df + 2.0, out),
        lambda out, x, df, p: chndtr_ddf(x, df, out) / chndtr_pdf(x, df + 2.0, out),
        lambda out, x, df, p: -1.0 / chndtr_pdf(x, df + 2.0, out),
    ),
    _scipy_named(
        "chndtrinc",
        None,
        lambda sp, out, i, x, df, p: (
            _scipy_function("chndtr_pdf")(x, df, out) / _scipy_function("chndtr_pdf")(x, df + 2, out),
            _scipy_function("chndtr_ddf")(x, df, out) / _scipy_function("chndtr_pdf")(x, df + 2, out),
            -1 / _scipy_function("chndtr_pdf")(x, df + 2, out),
        )[i],
        mp=lambda mpmath, x, df, p: _mp_root(
            mpmath,
            lambda nc: _mp_chndtr(mpmath, x, df, nc) - p,
            scipy_special().chndtrinc(float(x), float(df), float(p)),
        ),
    ),
    domain=("positive", "integer", "probability"),
    samples=_chndtrinc_samples,
    strategy=_chndtrinc_strategy,
    doc="the noncentral χ² parameter nc with chndtr(x, df, nc) = p; ∂p = -1/f(x; df + 2, nc), ∂x = f(x; df, nc)/"
    "f(x; df + 2, nc) (f: the density), ∂df = chndtr_ddf(x, df, nc)/f(x; df + 2, nc) (to second order)",
)


def _chndtridf_samples(rng):
    """Typical calls of chndtridf(x, p, nc): p = chndtr(x, df, nc) at df in 1..4 (a p at or above chndtr(x, 0+, nc)
    has no df > 0: SciPy answers its search's lower end, 2.65e-315, there)."""
    calls = []
    for s in ((2,), ()):
        x, df, nc = rng.uniform(0.5, 3.0, s), rng.uniform(1.0, 4.0, s), rng.uniform(0.3, 3.0, s)
        calls.append(((x, scipy_special().chndtr(x, df, nc), nc), {}))
    return calls


chndtridf = _shape_inverse(
    "chndtridf",
    1,
    lambda f, v, x, p, nc: (f.ncx2df(x, v, nc), (f.ncx2dens(x, v, nc), None, -f.ncx2dens(x, v + 2.0, nc))),
    lambda sc, v, x, p, nc: sc.chndtr(x, v, nc),
    lambda mpmath, v, x, p, nc: _mp_chndtr(mpmath, x, v, nc),
    ("positive", "probability", "positive"),
    "the noncentral χ² degrees of freedom df with chndtr(x, df, nc) = p; ∂p = 1/chndtr_ddf, ∂x = -f(x; df, nc)/"
    "chndtr_ddf, ∂nc = f(x; df + 2, nc)/chndtr_ddf (f: the density; the implicit function theorem), to second order; "
    "0 where SciPy answers its search's lower end (no df solves it)",
    bounds=(1e-300, np.inf),
    samples=_chndtridf_samples,
)


def _mp_ncfdtr(mpmath, dfn, dfd, nc, f):
    dfn, dfd, f = mpmath.mpf(dfn), mpmath.mpf(dfd), mpmath.mpf(f)
    y = dfn * f / (dfn * f + dfd)
    return _mp_poisson_mixture(mpmath, nc, lambda j: mpmath.betainc(dfn / 2 + j, dfd / 2, 0, y, regularized=True))


def _ncf_series(dfn, dfd, nc, f, shift, fns):
    """(log w, ₁F₁(a + b + p; a + q; nc·y/2)), w = e^(-nc/2)·yᵃ(1 - y)ᵇ/B(a, b), (p, q) = `shift`, a, b = dfn/2, dfd/2,
    y = dfn·f/(dfn·f + dfd): the Poisson mixture Σⱼ wⱼ·Pⱼ (Pⱼ = y^(a + j)(1 - y)ᵇ/B(a + j, b)) summed. The logarithms
    of y and 1 - y are taken apart (no 1 - y to round); `fns` (exp, log, betaln, hyp1f1): difflab's, NumPy's, SymPy's."""
    log, betaln_, hyp = fns[1:]
    a, b, s = dfn / 2, dfd / 2, dfn * f + dfd
    log_w = a * (log(dfn * f) - log(s)) + b * (log(dfd) - log(s)) - betaln_(a, b) - nc / 2
    return log_w, hyp(a + b + shift[0], a + shift[1], nc * (dfn * f / s) / 2)


def _ncf_closed(dfn, dfd, nc, f, k, fns, shift=0):
    """∂f (k = 0) or ∂nc (k = 1) of the noncentral F CDF: w·₁F₁(a + b; a; nc·y/2)/f, resp. -w·₁F₁(a + b; a + 1;
    nc·y/2)/(2a) (the mixture's sums; ∂nc is half the CDF at dfn + 2 less itself, a difference the beta CDFs' own
    identity removes). `shift` 1: its slope's part (a + b)/(a + k)·(the same at ₁F₁(a + b + 1; a + k + 1; nc·y/2))
    (₁F₁′(α; β; x) = (α/β)·₁F₁(α + 1; β + 1; x))."""
    log_w, series = _ncf_series(dfn, dfd, nc, f, (shift, k + shift), fns)
    scale = (dfn + dfd) / (dfn + 2 * k) if shift else 1.0
    return fns[0](log_w - fns[1](f if k == 0 else dfn)) * series * (scale if k == 0 else -scale)


def _ncf_slope_partial(i, k, out, dfn, dfd, nc, f, fns):
    """∂nc (i = 2) or ∂f (i = 3) of ncfdtr's ∂f (k = 0, `out`) or ∂nc (k = 1): -out/2 + (y/2)·R, resp. out·(a(1 - y)
    - b·y - [k = 0])/f + (nc/2)·(y(1 - y)/f)·R, R `_ncf_closed`'s shifted part (w's slopes -w/2 in nc, w·(a(1 - y) -
    b·y)/f in f; y's slope y(1 - y)/f)."""
    s = dfn * f + dfd
    y, z = dfn * f / s, dfd / s
    r = _ncf_closed(dfn, dfd, nc, f, k, fns, shift=1)
    if i == 2:
        return -0.5 * out + 0.5 * y * r
    return out * (0.5 * dfn * z - 0.5 * dfd * y - (1 - k)) / f + 0.5 * nc * (y * z / f) * r


def _ncf_fns(kind=None):
    """(exp, log, betaln, hyp1f1): difflab's (kind None), NumPy's ('numpy') or SymPy's (the sympy module; betaln and
    hyp1f1 the named SciPy functions)."""
    if kind is None:
        return (exp, log, betaln, hyp1f1)
    if kind == "numpy":
        sc = scipy_special()
        return (np.exp, np.log, sc.betaln, sc.hyp1f1)
    return (kind.exp, kind.log, _scipy_function("betaln"), _scipy_function("hyp1f1"))


def _noncentral_slope(name, parent, k, value, mixed, partial, mp, domain, doc, **kw):
    """The internal entry `name`: a slope of SciPy's `parent` CDF in closed form (k = 0: its density; 1: ∂nc),
    `value(k, "numpy", *args)` its NumPy value; its partials in the degrees of freedom the mixtures `mixed` (entries'
    names), in the others `partial(i, k, kind, out, *args)`: kind None difflab's, the sympy module SymPy's."""

    def impl(*args):
        with np.errstate(all="ignore"):  # (outside the domain NaN, as the closed form's ops give)
            return value(k, "numpy", *args)

    impl.__name__ = name
    n = len(mixed)
    partials = tuple(
        (lambda out, *args, i=i: REGISTRY[mixed[i]](*args))
        if i < n
        else (lambda out, *args, i=i: partial(i, k, None, out, *args))
        for i in range(len(domain))
    )

    def sympy_partial(sp, out, i, *args):
        return _scipy_function(mixed[i])(*args) if i < n else partial(i, k, sp, out, *args)

    return _special(
        name,
        impl,
        partials,
        _scipy_named(name, None, sympy_partial, impl, mp),
        domain=domain,
        names=(f"_{name}",),  # (no SciPy function)
        ufunc=parent,
        internal=True,
        doc=doc,
        **kw,
    )


ncfdtr_pdf, ncfdtr_dnc = (
    _noncentral_slope(
        f"ncfdtr_{name}",
        "ncfdtr",
        k,
        lambda k, kind, dfn, dfd, nc, f: _ncf_closed(dfn, dfd, nc, f, k, _ncf_fns(kind)),
        (f"ncfdtr_ddfn{wrt}", f"ncfdtr_ddfd{wrt}"),
        lambda i, k, kind, out, dfn, dfd, nc, f: _ncf_slope_partial(i, k, out, dfn, dfd, nc, f, _ncf_fns(kind)),
        _mp_df_slope(lambda *args: _mp_ncfdtr(*args), 3 - k),
        ("integer", "integer", "positive", "positive"),
        f"{what} of the noncentral F CDF ncfdtr(dfn, dfd, nc, f), {form} (a, b = dfn/2, dfd/2, y = dfn·f/(dfn·f + "
        f"dfd)); ∂dfn, ∂dfd by ncfdtr_ddfn{wrt}, ncfdtr_ddfd{wrt}, ∂nc and ∂f by ₁F₁′ (a third order mixing them "
        "refused)",
    )
    for k, name, wrt, what, form in (
        (0, "pdf", "f", "∂f, the density,", "e^(-nc/2)·yᵃ(1-y)ᵇ/(f·B(a, b))·₁F₁(a + b; a; nc·y/2)"),
        (1, "dnc", "nc", "∂nc", "-e^(-nc/2)·yᵃ(1-y)ᵇ/(2a·B(a, b))·₁F₁(a + b; a + 1; nc·y/2)"),
    )
)


def _ncf_slope(dfn, dfd, nc, f, k):
    return (ncfdtr_pdf, ncfdtr_dnc)[k](dfn, dfd, nc, f)


def _ncf_sympy_slope(sp, dfn, dfd, nc, f, k):
    return _scipy_function(("ncfdtr_pdf", "ncfdtr_dnc")[k])(dfn, dfd, nc, f)


ncfdtr = _special(
    "ncfdtr",
    _scipy("ncfdtr"),
    (
        lambda out, dfn, dfd, nc, f: ncfdtr_ddfn(dfn, dfd, nc, f),
        lambda out, dfn, dfd, nc, f: ncfdtr_ddfd(dfn, dfd, nc, f),
        lambda out, dfn, dfd, nc, f: ncfdtr_dnc(dfn, dfd, nc, f),
        lambda out, dfn, dfd, nc, f: ncfdtr_pdf(dfn, dfd, nc, f),
    ),
    _scipy_named(
        "ncfdtr",
        None,
        lambda sp, out, i, *args: _scipy_function(("ncfdtr_ddfn", "ncfdtr_ddfd", "ncfdtr_dnc", "ncfdtr_pdf")[i])(*args),
        mp=_mp_ncfdtr,
    ),
    domain=("integer", "integer", "positive", "positive"),
    doc="the noncentral F CDF F(f; dfn, dfd, nc); ∂f = its density e^(-nc/2)·yᵃ(1-y)ᵇ/(f·B(a, b))·₁F₁(a + b; a; "
    "nc·y/2), ∂nc = -e^(-nc/2)·yᵃ(1-y)ᵇ/(2a·B(a, b))·₁F₁(a + b; a + 1; nc·y/2) (a, b = dfn/2, dfd/2, y = dfn·f/"
    "(dfn·f + dfd)) by the entries ncfdtr_pdf, ncfdtr_dnc, ∂dfn and ∂dfd by ncfdtr_ddfn and ncfdtr_ddfd (second "
    "order in every pair; a third order through a degree of freedom refused)",
)
ncfdtri = _special(
    "ncfdtri",
    _scipy("ncfdtri"),
    (
        lambda out, dfn, dfd, nc, p: -ncfdtr_ddfn(dfn, dfd, nc, out) / _ncf_slope(dfn, dfd, nc, out, 0),
        lambda out, dfn, dfd, nc, p: -ncfdtr_ddfd(dfn, dfd, nc, out) / _ncf_slope(dfn, dfd, nc, out, 0),
        lambda out, dfn, dfd, nc, p: -_ncf_slope(dfn, dfd, nc, out, 1) / _ncf_slope(dfn, dfd, nc, out, 0),
        lambda out, dfn, dfd, nc, p: 1.0 / _ncf_slope(dfn, dfd, nc, out, 0),
    ),
    _scipy_named(
        "ncfdtri",
        None,
        lambda sp, out, i, dfn, dfd, nc, p: (
            (
                -_scipy_function(("ncfdtr_ddfn", "ncfdtr_ddfd")[i])(dfn, dfd, nc, out)
                if i < 2
                else -_ncf_sympy_slope(sp, dfn, dfd, nc, out, 1)
                if i == 2
                else 1
            )
            / _ncf_sympy_slope(sp, dfn, dfd, nc, out, 0)
        ),
        mp=lambda mpmath, dfn, dfd, nc, p: _mp_root(
            mpmath,
            lambda f: _mp_ncfdtr(mpmath, dfn, dfd, nc, f) - p,
            scipy_special().ncfdtri(float(dfn), float(dfd), float(nc), float(p)),
        ),
    ),
    domain=("integer", "integer", "positive", "probability"),
    scale=(None, None, None, _to_either_end),
    doc="the noncentral F quantile: f with ncfdtr(dfn, dfd, nc, f) = p; ∂p = 1/the density at f, ∂nc = -ncfdtr's "
    "∂nc/its density, ∂dfn and ∂dfd -ncfdtr_ddfn, -ncfdtr_ddfd at f over it (to second order)",
)


def _normal_z(ndtri_of, sqrt, exp_of, pi):
    """(z, 1/φ(z)) at z = ndtri(p): Φ⁻¹'s slope √(2π)·e^(z²/2)."""
    return lambda p: (lambda z: (z, sqrt(2 * pi) * exp_of(z * z / 2)))(ndtri_of(p))


_Z = _normal_z(lambda p: ndtri(p), math.sqrt, exp, math.pi)


def _sympy_z(sp, p):
    return _normal_z(_scipy_function("ndtri"), sp.sqrt, sp.exp, sp.pi)(p)


nrdtrimn = _special(
    "nrdtrimn",
    _scipy("nrdtrimn"),
    (
        lambda out, p, std, x: -std * _Z(p)[1],
        lambda out, p, std, x: -ndtri(p),
        lambda out, p, std, x: 1.0,
    ),
    _scipy_named(
        "nrdtrimn",
        lambda sp, p, std, x: x - std * sp.sqrt(2) * sp.erfinv(2 * p - 1),
        lambda sp, out, i, p, std, x: (-std * _sympy_z(sp, p)[1], -_sympy_z(sp, p)[0], sp.Integer(1))[i],
    ),
    domain=("probability", "positive", "real"),
    scale=(_to_either_end_first, None, None),
    doc="the normal mean with ndtr((x - mn)/std) = p: x - std·ndtri(p); ∂p = -std/φ(ndtri(p)), ∂std = -ndtri(p), "
    "∂x = 1",
)


def _middle(*args):
    """Op.scale in p of nrdtrisd(mn, p, x): the distance to the nearer end of (0, 1), or to its pole p = 1/2."""
    p = np.asarray(args[1])
    return np.minimum(_to_either_end(p), np.abs(p - 0.5))


def _nrdtrisd_strategy(b, name, x, picks, c):
    """How the Hypothesis strategies call nrdtrisd: p = tanh(σ(x)/2) < 0.47, below its pole p = 1/2 (ndtri(1/2) = 0;
    the strategies wrap the arguments of an op that overflows at 50 in tanh), mn and x constants."""
    return b.emit(name, -0.5, b.emit("mul", b.emit("sigmoid", x), 0.5), 1.5)


nrdtrisd = _special(
    "nrdtrisd",
    _scipy("nrdtrisd"),
    (
        lambda out, mn, p, x: -1.0 / ndtri(p),
        lambda out, mn, p, x: -out * _Z(p)[1] / ndtri(p),
        lambda out, mn, p, x: 1.0 / ndtri(p),
    ),
    _scipy_named(
        "nrdtrisd",
        lambda sp, mn, p, x: (x - mn) / (sp.sqrt(2) * sp.erfinv(2 * p - 1)),
        lambda sp, out, i, mn, p, x: (lambda z, d: (-1 / z, -out * d / z, 1 / z)[i])(*_sympy_z(sp, p)),
    ),
    domain=("real", "probability", "real"),
    scale=(None, _middle, None),
    strategy=_nrdtrisd_strategy,
    doc="the normal standard deviation with ndtr((x - mn)/std) = p: (x - mn)/ndtri(p); ∂mn = -1/ndtri(p), "
    "∂x = 1/ndtri(p), ∂p = -std/(ndtri(p)·φ(ndtri(p)))",
)

besselpoly = _special(
    "besselpoly",
    _scipy("besselpoly"),
    (
        lambda out, a, lmb, nu: besselpoly(a, lmb + 1.0, nu - 1.0) - besselpoly(a, lmb + 1.0, nu + 1.0),
        _parameter("besselpoly", "lmb", "a", "its integral"),
        _parameter("besselpoly", "nu", "a", "its integral"),
    ),
    _scipy_named(
        "besselpoly",
        None,
        lambda sp, out, i, a, lmb, nu: (
            _scipy_function("besselpoly")(a, lmb + 1, nu - 1) - _scipy_function("besselpoly")(a, lmb + 1, nu + 1)
        ),
        mp=lambda mpmath, a, lmb, nu: mpmath.quad(lambda t: t**lmb * mpmath.besselj(nu, 2 * a * t), [0, 1]),
    ),
    domain=("positive", "integer", "integer"),
    doc="∫₀¹ x^λ J_ν(2ax) dx; ∂a = ∫₀¹ x^(λ+1) (J_(ν-1) - J_(ν+1))(2ax) dx = besselpoly(a, λ + 1, ν - 1) - "
    "besselpoly(a, λ + 1, ν + 1), not differentiable in λ or ν",
)


def _sh_jacobi_samples(rng):
    """Typical calls of eval_sh_jacobi(n, p, q, x): p - q > -1 and q > 0 (SciPy's value is NaN elsewhere), x in
    (0, 1)."""
    calls = []
    for s in ((3, 4), (4,), ()):
        q = rng.integers(1, 3, s)
        calls.append(((rng.integers(0, 4, s), q + rng.integers(0, 2, s), q, rng.uniform(0.05, 0.95, s)), {}))
    return calls


def _sh_jacobi_strategy(b, name, x, picks, c):
    """How the Hypothesis strategies call eval_sh_jacobi: whole n < 3, q ≥ 1 and p ≥ q (SciPy's value is NaN at
    p - q ≤ -1), x = tanh(σ(u)) in (0, 0.77) (the strategies wrap an op that overflows at 50 in tanh)."""
    q = float(1 + c.take(2))
    return b.emit(name, float(c.take(3)), q + float(c.take(2)), q, b.emit("sigmoid", x))


eval_sh_jacobi = _orthopoly(
    "eval_sh_jacobi",
    ("p", "q"),
    lambda sp, n, p, q, x: (
        sp.gamma(_order(n) + 1) * sp.gamma(n + p) / sp.gamma(2 * n + p) * sp.jacobi(_order(n), p - q, q - 1, 2 * x - 1)
    ),
    lambda n, p, q, x: _lower(n, lambda m: (m + 1.0) * eval_sh_jacobi(m, p + 2.0, q + 1.0, x)),
    lambda sp, f, n, p, q, x: n * f("eval_sh_jacobi")(n - 1, p + 2, q + 1, x),
    "probability",
    "the shifted Jacobi polynomial Gₙ^(p,q)(x) = n!Γ(n + p)/Γ(2n + p)·P^(p-q,q-1)ₙ(2x - 1); ∂x = n·G^(p+2,q+1)ₙ₋₁(x), "
    "not differentiable in n, p or q",
    samples=_sh_jacobi_samples,
    strategy=_sh_jacobi_strategy,
)


# Student's noncentral t: F(t; ν, μ) = E[Φ(t·s - μ)], s = √(V/ν), V ~ χ²(ν). Its density E[s·φ(ts - μ)] and its slope
# in μ, -E[φ(ts - μ)], are both c_k·D_{-(ν+k)}(-z) (k = 1, 0; z = μt/√(ν + t²)): the integral ∫ w^(a-1) e^(zw - w²/2) dw
# = Γ(a)·e^(z²/4)·D_{-a}(-z), with Weber's D from the registry's pbdv (its slope in x Weber's too), where the two ₁F₁
# of the textbook form cancel for μt < 0.


def _nct_log_c(df, nc, t, k, fns):
    """(log of c_k·e^(z²/4 - nc²/2)·(the rest of c_k), z): E_k = c_k·D_{-(df+k)}(-z)'s prefactor in logarithms (no
    Γ(df + k) or (df + t²)^(df/2) to overflow) and z = nc·t/√(df + t²); `fns` `_nct_fns`'."""
    log, sqrt, gammaln_ = fns[0], fns[1], fns[3]
    s = df + t * t
    z = nc * t / sqrt(s)
    log_c = (
        (math.log(2.0) - 0.5 * math.log(2.0 * math.pi))
        + 0.5 * df * log(0.5 * df)
        - gammaln_(0.5 * df)
        - 0.5 * (df + k) * log(s)
        + gammaln_(df + k)
        - 0.5 * nc * nc
        + 0.25 * z * z
    )
    return log_c, z


def _nct_slope(df, nc, t, k, fns):
    """E_k = c_k·D_{-(df+k)}(-z): ∂t nctdtr (k = 1) or -∂nc nctdtr (k = 0); `fns` `_nct_fns`'."""
    log_c, z = _nct_log_c(df, nc, t, k, fns)
    return fns[2](log_c) * fns[4](-(df + k), -z)


def _nct_fns(kind):
    """(log, sqrt, exp, gammaln, Weber's D, its slope D′): difflab's (kind None), NumPy's ('numpy') or SymPy's (the
    sympy module; gammaln and D the named SciPy functions)."""
    if kind is None:
        return (log, lambda v: v**0.5, exp, gammaln, pbdv_w, pbdv_wp)
    if kind == "numpy":
        sc = scipy_special()
        return (np.log, np.sqrt, np.exp, sc.gammaln, REGISTRY["pbdv_w"].impl, REGISTRY["pbdv_wp"].impl)
    return (kind.log, kind.sqrt, kind.exp, *(_scipy_function(n) for n in ("gammaln", "pbdv_w", "pbdv_wp")))


def _nct(t, df, nc, k, kind=None):
    """E_k (k = 0, 1) by the entries nctdtr_dnc = -E₀ and nctdtr_pdf = E₁, whose slopes in df are mixtures; difflab's or
    (kind the sympy module) SymPy's."""
    slope = ("nctdtr_dnc", "nctdtr_pdf")[k]
    value = (REGISTRY[slope] if kind is None else _scipy_function(slope))(df, nc, t)
    return value if k else -value


def _nct_sympy(sp, t, df, nc, k):
    return _nct(t, df, nc, k, sp)


def _nct_slope_partial(i, k, kind, out, df, nc, t):
    """∂nc (i = 1) or ∂t (i = 2) of nctdtr's ∂nc (k = 0, out = -E₀) or density (k = 1, out = E₁), E_k = e^L·D(-z) (L
    `_nct_log_c`'s): out·∂L - (±e^L)·D′(-z)·∂z, ∂nc L = -nc + (z/2)·∂nc z, ∂t L = -(df + k)·t/s + (z/2)·∂t z, ∂nc z =
    t/√s, ∂t z = nc·df/s^(3/2), s = df + t² (the closed form's chain rule: D′ Weber's, no difference of E's to cancel)."""
    fns = _nct_fns(kind)
    log_c, z = _nct_log_c(df, nc, t, k, fns)
    s = df + t * t
    dz = t / fns[1](s) if i == 1 else nc * df / (s * fns[1](s))
    d_log = (-nc if i == 1 else -(df + k) * t / s) + 0.5 * z * dz
    weber = fns[2](log_c) * fns[5](-(df + k), -z) * dz
    return out * d_log - (weber if k else -weber)


def _mp_nctdtr(mpmath, df, nc, t):
    """Φ(-nc) + ½Σⱼ (pⱼ·I_y(j + 1/2, df/2) + qⱼ·I_y(j + 1, df/2)), y = t²/(df + t²), pⱼ = e^(-h) hʲ/j!, qⱼ = e^(-h) hʲ·nc/
    (√2·Γ(j + 3/2)), h = nc²/2 (Lenth's series, t ≥ 0; F(t; df, nc) = 1 - F(-t; df, -nc) below), summed past the
    weights' peak until a term falls below mpmath's epsilon of the sum."""
    df, nc, t = mpmath.mpf(df), mpmath.mpf(nc), mpmath.mpf(t)
    if t < 0:
        return 1 - _mp_nctdtr(mpmath, df, -nc, -t)
    y, h = t * t / (df + t * t), nc * nc / 2
    total, j = mpmath.ncdf(-nc), 0
    while True:
        p = mpmath.exp(-h) * h**j / mpmath.factorial(j)
        q = mpmath.exp(-h) * h**j * nc / (mpmath.sqrt(2) * mpmath.gamma(j + mpmath.mpf(3) / 2))
        step = (p * mpmath.betainc(j + 0.5, df / 2, 0, y, regularized=True)
                + q * mpmath.betainc(j + 1, df / 2, 0, y, regularized=True)) / 2  # fmt: skip
        total += step
        j += 1
        if j > h and abs(step) <= mpmath.eps * abs(total):
            return total


def _nct_samples(rng):
    """Typical calls of nctdtr(df, nc, t) (and nctdtrit with p for t): df 1..3, |nc| < 1.5, |t| < 2; two shapes, the
    40-digit reference being a quadrature."""
    return [((rng.integers(1, 4, s), rng.uniform(-1.5, 1.5, s), rng.uniform(-2.0, 2.0, s)), {}) for s in ((3,), ())]


def _nctdtrit_samples(rng):
    return [((df, nc, rng.uniform(0.1, 0.9, np.shape(t))), {}) for (df, nc, t), _ in _nct_samples(rng)]


nctdtr_dnc, nctdtr_pdf = (
    _noncentral_slope(
        f"nctdtr_{name}",
        "nctdtr",
        k,
        lambda k, kind, df, nc, t: (1.0 if k else -1.0) * _nct_slope(df, nc, t, k, _nct_fns(kind)),
        (f"nctdtr_ddf{wrt}",),
        _nct_slope_partial,
        _mp_df_slope(lambda *args: _mp_nctdtr(*args), k + 1),
        ("integer", "real", "real"),
        f"{what} of the noncentral t CDF nctdtr(df, nc, t), {form} (z = nc·t/√(df + t²), D Weber's, c_k in logarithms); "
        f"∂df by nctdtr_ddf{wrt}, ∂nc and ∂t by D's slope (pbdv's; a third order mixing them with df refused)",
        samples=_nct_samples,
    )
    for k, name, wrt, what, form in (
        (0, "dnc", "nc", "∂nc", "-c₀·D_{-df}(-z)"),
        (1, "pdf", "t", "∂t, the density,", "c₁·D_{-df-1}(-z)"),
    )
)
nctdtr = _special(
    "nctdtr",
    _scipy("nctdtr"),
    (
        lambda out, df, nc, t: nctdtr_ddf(df, nc, t),
        lambda out, df, nc, t: nctdtr_dnc(df, nc, t),
        lambda out, df, nc, t: nctdtr_pdf(df, nc, t),
    ),
    _scipy_named(
        "nctdtr",
        None,
        lambda sp, out, i, *args: _scipy_function(("nctdtr_ddf", "nctdtr_dnc", "nctdtr_pdf")[i])(*args),
        mp=_mp_nctdtr,
    ),
    domain=("integer", "real", "real"),
    samples=_nct_samples,
    doc="the noncentral t CDF F(t; df, nc); ∂t = its density c₁·D_{-df-1}(-z), ∂nc = -c₀·D_{-df}(-z) (z = nc·t/"
    "√(df + t²), D Weber's: E[sᵏ φ(ts - nc)], s = √(χ²_df/df)) by the entries nctdtr_pdf, nctdtr_dnc, ∂df by "
    "nctdtr_ddf (second order in every pair; a third order through df refused)",
)
nctdtrit = _special(
    "nctdtrit",
    _scipy("nctdtrit"),
    (
        lambda out, df, nc, p: -nctdtr_ddf(df, nc, out) / _nct(out, df, nc, 1),
        lambda out, df, nc, p: _nct(out, df, nc, 0) / _nct(out, df, nc, 1),
        lambda out, df, nc, p: 1.0 / _nct(out, df, nc, 1),
    ),
    _scipy_named(
        "nctdtrit",
        None,
        lambda sp, out, i, df, nc, p: (
            (-_scipy_function("nctdtr_ddf")(df, nc, out), _nct_sympy(sp, out, df, nc, 0), 1)[i]
            / _nct_sympy(sp, out, df, nc, 1)
        ),
        mp=lambda mpmath, df, nc, p: _mp_root(
            mpmath,
            lambda t: _mp_nctdtr(mpmath, df, nc, t) - p,
            scipy_special().nctdtrit(float(df), float(nc), float(p)),
        ),
    ),
    domain=("integer", "real", "probability"),
    samples=_nctdtrit_samples,
    scale=(None, None, _to_either_end),
    doc="the noncentral t quantile: t with nctdtr(df, nc, t) = p; ∂p = 1/the density at t, ∂nc = -nctdtr's ∂nc/"
    "its density, ∂df = -nctdtr_ddf at t over it (to second order)",
)


# nctdtridf, ncfdtridfn and ncfdtridfd (special60): their shape inverses by the implicit function theorem from the CDFs'
# partials above (to second order, as the CDFs are). SciPy's search (cdflib's) stops short of the root,
# 2e-9 (nctdtridf) to 1e-5 (ncfdtridfn/dfd) relative against mpmath's, and a Newton step would move SciPy's value: the
# rules are the implicit derivatives at the value SciPy answers (what it computes; a finite difference of SciPy's function
# agrees within its search's noise). ±1e100 and 1e-100 are SciPy's answers where no degree of freedom solves F = p.


def _ncf_inverse_samples(k):
    """Typical calls of ncfdtridfn (k = 0) and ncfdtridfd (k = 1): p = ncfdtr(dfn, dfd, nc, f) at dfn, dfd in 1.5..5."""

    def samples(rng):
        calls = []
        for s in ((1,), ()):
            dfn, dfd = rng.uniform(1.5, 5.0, s), rng.uniform(1.5, 5.0, s)
            nc, f = rng.uniform(0.3, 2.0, s), rng.uniform(0.5, 2.0, s)
            p = scipy_special().ncfdtr(dfn, dfd, nc, f)
            calls.append((((p, dfd, nc, f), (dfn, p, nc, f))[k], {}))
        return calls

    return samples


def _nctdtridf_samples(rng):
    """Typical calls of nctdtridf(p, nc, t): p = nctdtr(df, nc, t) at df in 1.5..5, t > 0 (nctdtr's slope in df is 0
    at t = 0, where SciPy answers 1e100)."""
    calls = []
    for s in ((1,), ()):
        df, nc, t = rng.uniform(1.5, 5.0, s), rng.uniform(-1.0, 1.0, s), rng.uniform(0.5, 2.0, s)
        calls.append(((scipy_special().nctdtr(df, nc, t), nc, t), {}))
    return calls


_NONCENTRAL_BOUNDS = (1e-100, 1e100)
nctdtridf = _shape_inverse(
    "nctdtridf",
    0,
    lambda f, v, p, nc, t: (f.nctdf(v, nc, t), (None, -f.nct(t, v, nc, 0), f.nct(t, v, nc, 1))),
    lambda sc, v, p, nc, t: sc.nctdtr(v, nc, t),
    None,
    ("probability", "real", "positive"),
    "the noncentral t degrees of freedom df with nctdtr(df, nc, t) = p; ∂p = 1/nctdtr_ddf, ∂nc = -nctdtr's ∂nc/"
    "nctdtr_ddf, ∂t = -its density/nctdtr_ddf, at the df SciPy answers (its search stops ~1e-9 from the root; "
    "the implicit function theorem), to second order; 0 where SciPy answers ±1e100 (no df solves it)",
    bounds=_NONCENTRAL_BOUNDS,
    at_scipys=True,
    samples=_nctdtridf_samples,
)
ncfdtridfn, ncfdtridfd = (
    _shape_inverse(
        name,
        k,
        lambda f, v, *args, k=k: (
            f.ncfdf(k, *_ncf_at(k, v, args)),
            tuple(
                None
                if i == k
                else (f.ncfdf(1 - k, *_ncf_at(k, v, args)) if i < 2 else f.ncf(*_ncf_at(k, v, args), 3 - i))
                for i in range(4)
            ),
        ),
        lambda sc, v, *args, k=k: sc.ncfdtr(*_ncf_at(k, v, args)),
        None,
        ("probability", "positive", "positive", "positive")[:: 1 - 2 * k],
        f"the noncentral F {wrt} with ncfdtr(dfn, dfd, nc, f) = p; ∂p = 1/ncfdtr_d{wrt}, the others ncfdtr's partials "
        f"over -ncfdtr_d{wrt}, at the {wrt} SciPy answers (its search stops ~1e-5 from the root; the implicit function "
        "theorem), to second order; 0 where SciPy answers 1e-100 or 1e100 (no degree of freedom solves it)",
        bounds=_NONCENTRAL_BOUNDS,
        at_scipys=True,
        samples=_ncf_inverse_samples(k),
    )
    for k, (name, wrt) in enumerate((("ncfdtridfn", "dfn"), ("ncfdtridfd", "dfd")))
)


def _noncentrality_samples(rng):
    """Typical calls of ncfdtrinc(dfn, dfd, p, f) and nctdtrinc(df, p, t): p the CDF at nc in 0.3..2 resp. -1..1, the
    degrees of freedom whole (held: a third order through them is refused)."""
    sc, calls = scipy_special(), {"ncfdtrinc": [], "nctdtrinc": []}
    for s in ((1,), ()):
        dfn, dfd, nc, f = (
            rng.integers(1, 5, s),
            rng.integers(2, 6, s),
            rng.uniform(0.3, 2.0, s),
            rng.uniform(0.5, 2.0, s),
        )
        calls["ncfdtrinc"].append(((dfn, dfd, sc.ncfdtr(dfn, dfd, nc, f), f), {}))
        df, nc, t = rng.integers(1, 5, s), rng.uniform(-1.0, 1.0, s), rng.uniform(0.3, 2.0, s) * rng.choice([-1, 1], s)
        calls["nctdtrinc"].append(((df, sc.nctdtr(df, nc, t), t), {}))
    return calls


ncfdtrinc = _shape_inverse(
    "ncfdtrinc",
    2,
    lambda f, v, dfn, dfd, p, x: (
        f.ncf(dfn, dfd, v, x, 1),
        (lambda: f.ncfdf(0, dfn, dfd, v, x), lambda: f.ncfdf(1, dfn, dfd, v, x), None, f.ncf(dfn, dfd, v, x, 0)),
    ),
    lambda sc, v, dfn, dfd, p, x: sc.ncfdtr(dfn, dfd, v, x),
    None,
    ("integer", "integer", "probability", "positive"),
    "the noncentral F parameter nc with ncfdtr(dfn, dfd, nc, f) = p; ∂p = 1/ncfdtr's ∂nc, ∂f = -its density/∂nc, "
    "∂dfn and ∂dfd -ncfdtr_ddfn, -ncfdtr_ddfd over ∂nc, at the nc SciPy answers (its search stops "
    "~1e-5 from the root; the implicit function theorem); 0 where SciPy answers 0 (p above the central CDF)",
    bounds=(0.0, math.inf),
    at_scipys=True,
    samples=lambda rng: _noncentrality_samples(rng)["ncfdtrinc"],
)
nctdtrinc = _shape_inverse(
    "nctdtrinc",
    1,
    lambda f, v, df, p, t: (-f.nct(t, df, v, 0), (lambda: f.nctdf(df, v, t), None, f.nct(t, df, v, 1))),
    lambda sc, v, df, p, t: sc.nctdtr(df, v, t),
    None,
    ("integer", "probability", "real"),
    "the noncentral t parameter nc with nctdtr(df, nc, t) = p; ∂p = 1/nctdtr's ∂nc, ∂t = -its density/∂nc, ∂df "
    "-nctdtr_ddf/∂nc, at the nc SciPy answers (its search stops ~1e-9 from the root; the implicit "
    "function theorem)",
    at_scipys=True,
    samples=lambda rng: _noncentrality_samples(rng)["nctdtrinc"],
)


def _ncf_at(k, v, args):
    """ncfdtr's arguments (dfn, dfd, nc, f) from ncfdtridfn's (k = 0: p, dfd, nc, f) or ncfdtridfd's (dfn, p, nc, f)
    and the solved v."""
    return (v, args[1], args[2], args[3]) if k == 0 else (args[0], v, args[2], args[3])


# -- the modified Fresnel integrals (issue 11, special51) ---------------------------------------------------------------
# F±(x) = ∫ₓ^∞ e^(±it²) dt and K±(x) = e^(∓i(x² + π/4))·F±(x)/√π, scipy.special.modfresnelp/m's complex pairs: four real
# entries each (Re F, Im F, Re K, Im K at real x), the last carrying SciPy's name. Their slopes are their own values:
# F±′ = -e^(±ix²), K±′ = ∓2ix·K± - e^(∓iπ/4)/√π. SciPy's Im F± is wrong at x < 0 (modfresnelp(-3) holds Re F+(3),
# -0.0762, for Im F+(-3) = √(π/2) - Im F+(3) = 1.4002; Re F and K are right there): Im F is read at |x| by that
# reflection, F±(-x) = √π·e^(±iπ/4) - F±(x).

_ROOT_HALF_PI = math.sqrt(0.5 * math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _modfresnel_value(name, k):
    """Part k (Re F, Im F, Re K, Im K) of SciPy's `name`(x) (modfresnelp or modfresnelm), Im F at x < 0 by the
    reflection F(-x) = √π·e^(±iπ/4) - F(x) (SciPy's is wrong there)."""
    sign = 1.0 if name == "modfresnelp" else -1.0

    def part(x):
        out = getattr(scipy_special(), name)(x)[k // 2]
        return (np.real, np.imag)[k % 2](out)

    def impl(x):
        x = np.asarray(x)
        if k != 1:
            out = part(x)
        else:
            out = np.where(x < 0, sign * _ROOT_HALF_PI - part(np.abs(x)), part(x))
        born = _born(part, out, (x,))
        if born is not None:
            _say(name, *born)
        return out[()] if isinstance(out, np.ndarray) else out

    impl.__name__ = f"{name}_{k}"
    return impl


def _modfresnel_slope(s, k, x, parts, cos, sin):
    """d/dx of part k of F_s, K_s (s = ±1; `parts` the four values): Re F′ = -cos x², Im F′ = -s·sin x²,
    Re K′ = 2s·x·Im K - 1/√(2π), Im K′ = -2s·x·Re K + s/√(2π)."""
    if k == 0:
        return -cos(x * x)
    if k == 1:
        return -s * sin(x * x)
    if k == 2:
        return 2 * s * x * parts[3] - _INV_SQRT_2PI
    return -2 * s * x * parts[2] + s * _INV_SQRT_2PI


def _modfresnel_form(s, k):
    """SymPy's part k: Re F_s = √(π/2)(1/2 - C(u)), Im F_s = s·√(π/2)(1/2 - S(u)), u = x√(2/π) (right at every
    real x), and K_s = e^(-si(x² + π/4))·F_s/√π by parts."""

    def form(sp, x):
        u = x * sp.sqrt(2 / sp.pi)
        fr = sp.sqrt(sp.pi / 2) * (sp.Rational(1, 2) - sp.fresnelc(u))
        fi = s * sp.sqrt(sp.pi / 2) * (sp.Rational(1, 2) - sp.fresnels(u))
        theta = x**2 + sp.pi / 4
        kr = (fr * sp.cos(theta) + s * fi * sp.sin(theta)) / sp.sqrt(sp.pi)
        ki = (fi * sp.cos(theta) - s * fr * sp.sin(theta)) / sp.sqrt(sp.pi)
        return (fr, fi, kr, ki)[k]

    return form


def _modfresnel(name):
    """The four real entries of scipy.special.`name` (modfresnelp, modfresnelm), the last carrying the front
    `name`(x) = (Re F + i·Im F, Re K + i·Im K), complex as SciPy's."""
    s = 1.0 if name == "modfresnelp" else -1.0
    parts = tuple(f"{name}_{p}" for p in ("fr", "fi", "kr", "ki"))
    made: list = []

    def front(x):
        return (made[0](x) + 1j * made[1](x), made[2](x) + 1j * made[3](x))

    front.tuple_valued = True  # (no function of the expression language: those have one value)
    what = ("the real part of F", "the imaginary part of F", "the real part of K", "the imaginary part of K")
    sign, minus = ("+", "-") if s > 0 else ("-", "+")
    for k in range(4):
        impl = _modfresnel_value(name, k)

        def slope(out, x, k=k):
            return _modfresnel_slope(
                s, k, x, [REGISTRY[n](x) if j >= 2 else None for j, n in enumerate(parts)], cos, sin
            )

        def sympy_slope(sp, out, i, x, k=k):
            values = [_scipy_function(n)(x) if j >= 2 else None for j, n in enumerate(parts)]
            return _modfresnel_slope(int(s), k, x, values, sp.cos, sp.sin)

        spelled = {"front": front, "names": (name,)} if k == 3 else {"names": (f"_{parts[k]}",)}
        made.append(
            _special(
                parts[k],
                impl,
                (slope,),
                _scipy_named(parts[k], _modfresnel_form(int(s), k), sympy_slope, scipy_name=impl),
                domain=("real",),
                ufunc="dawsn",  # (modfresnelp's loops f->FF, d->DD: its parts have dawsn's real dtypes)
                internal=True,
                doc=f"{what[k]} of scipy.special.{name}(x): F{sign}(x) = ∫ₓ^∞ e^({sign}it²) dt, K{sign} = "
                f"e^({minus}i(x² + π/4))·F{sign}/√π; F′ = -e^({sign}ix²), K′ = {minus}2ix·K - e^({minus}iπ/4)/√π",
                **spelled,
            )
        )
    return made


modfresnelp_fr, modfresnelp_fi, modfresnelp_kr, modfresnelp_ki = _modfresnel("modfresnelp")
modfresnelm_fr, modfresnelm_fi, modfresnelm_kr, modfresnelm_ki = _modfresnel("modfresnelm")


# the entries defined here (not the elementwise ops the rules import)
__all__ = [name for name, value in list(globals().items()) if isinstance(value, Op) and name in _DEFINED]
