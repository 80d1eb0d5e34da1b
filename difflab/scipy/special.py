"""`scipy.special` on traced values: the registry's entries spelled `scipy.special.<name>` (gammaln,
digamma, erf, iv, betainc, ...) and derived functions (logsumexp with `b`, multigammaln, softmax).

>>> import difflab as dl
>>> round(float(dl.grad(gammaln)(3.0)), 12)  # digamma(3) = 3/2 - γ
0.922784335098
"""

from __future__ import annotations

import builtins as _builtins
import math

import numpy as _np

from .. import numpy as _dnp
from ..errors import NotDifferentiableError
from ..graph import Traced as _Traced
from ..ops import REGISTRY as _REGISTRY
from ..ops import spellings as _spellings
from ..ops.special import (
    _MATHIEU_Q,
    _mathieu_eigen,
    _mathieu_matrix,
    _mathieu_plain,
    _mathieu_radial_good,
    _mathieu_radial_point,
    _mathieu_radial_sum,
    _mathieu_radial_weights,
    _mathieu_size,
)

_PREFIX = "scipy.special."


def _registry_names() -> dict:
    """{SciPy name: function} of every entry spelled scipy.special.<name>, read from the registry now (not SciPy's
    private ufuncs, `_zeta`: those spellings are for NumPy's dispatch when SciPy's Python functions call them)."""
    return {
        n[len(_PREFIX) :]: fn
        for n, fn in _spellings().numpy.items()
        if n.startswith(_PREFIX) and not n.startswith(_PREFIX + "_")
    }


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(Σ b·e^a) over `axis`, stable, as `scipy.special.logsumexp` (`b` scales the terms; with
    `return_sign` the sign of the sum is returned too and the log is of its magnitude).

    Shape contract: `a` reduced over `axis` (kept as size 1 with `keepdims`); `b` broadcasts with `a`.

    >>> round(float(logsumexp(_np.array([0.0, 0.0]), b=_np.array([1.0, 3.0]))), 12)  # log 4
    1.386294361120
    """
    if b is None:
        out, sgn = _dnp.logsumexp(a, axis=axis, keepdims=keepdims), 1.0
    elif not isinstance(b, _Traced) and _np.all(_np.asarray(b) >= 0):
        # b ≥ 0: log b joins the exponents (b = 0 gives -inf: that term drops out)
        with _np.errstate(divide="ignore"):
            logb = _np.log(_np.asarray(b, dtype=float))
        out, sgn = _dnp.logsumexp(a + logb, axis=axis, keepdims=keepdims), 1.0
    else:  # a traced or signed b: the shifted sum, its sign apart
        # (no stop_gradient on the shift: its derivative cancels, and numeric warns it cannot honour one)
        m = _dnp.max(a, axis=axis, keepdims=True)
        total = _dnp.sum(b * _dnp.exp(a - m), axis=axis, keepdims=True)
        sgn = _dnp.sign(total)
        out = _dnp.log(_dnp.abs(total)) + m
        if not keepdims:
            kept = _np.sum(_np.zeros(_np.shape(a)), axis=axis).shape
            out, sgn = _dnp.reshape(out, kept), _dnp.reshape(sgn, kept)
        if not return_sign:
            out = _dnp.where(_dnp.less(sgn, 0.0), _np.nan, out)
    return (out, sgn) if return_sign else out


def multigammaln(a, d):
    """log of the multivariate gamma function Γ_d(a) = π^(d(d-1)/4) Π_j Γ(a - j/2), as SciPy's.

    Shape contract: elementwise in `a`; `d` a positive integer.

    >>> round(float(multigammaln(3.0, 1)), 12) == round(math.lgamma(3.0), 12)
    True
    """
    d = int(d)
    out = d * (d - 1) / 4.0 * math.log(math.pi)
    for j in range(d):
        out = out + _REGISTRY["gammaln"](a - j / 2.0)
    return out


def softmax(x, axis=None):
    """e^x / Σ e^x over `axis` (all axes when None, as SciPy's).

    >>> softmax(_np.array([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    return _dnp.exp(log_softmax(x, axis=axis))


def log_softmax(x, axis=None):
    """x - logsumexp(x) over `axis` (all axes when None, as SciPy's).

    >>> round(float(log_softmax(_np.array([0.0, 0.0]))[0]), 12)
    -0.69314718056
    """
    return x - _dnp.logsumexp(x, axis=axis, keepdims=True)


def comb(N, k, *, exact=False, repetition=False):
    """N choose k as `scipy.special.comb` with exact=False: binom(N, k) where 0 ≤ k ≤ N and N ≥ 0, else 0 (with
    `repetition`, binom(N + k - 1, k), and 1 at k = 0, N ≥ 0), differentiable in N and k where binom is. exact=True
    counts whole numbers: refused on traced values (no derivative), SciPy's on plain ones.

    Shape contract: elementwise in N and k (broadcast).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda n: comb(n, 2.0))(5.0)), 12)  # d/dn n(n - 1)/2 = n - 1/2
    4.5
    """
    if exact:
        if isinstance(N, _Traced) or isinstance(k, _Traced):
            raise TypeError(
                "scipy.special.comb(exact=True) counts whole numbers exactly and has no derivative; "
                "use exact=False (SciPy's binom) to differentiate, or pass plain numbers"
            )
        import scipy.special

        return scipy.special.comb(N, k, exact=True, repetition=repetition)
    binom = _REGISTRY["binom"]
    # (SciPy's comb calls asarray on N and k: a Python number becomes a float64 or int64 array, which NumPy does not
    # demote to float32, so comb(float32, 2) is float64 where binom(float32, 2) is float32)
    N, k = (a if isinstance(a, _Traced) else _np.asarray(a)[()] for a in (N, k))
    if repetition:
        return _dnp.where((_dnp.equal(k, 0.0)) & (_dnp.greater_equal(N, 0.0)), 1.0, binom(N + k - 1.0, k))
    inside = _dnp.less_equal(k, N) & _dnp.greater_equal(N, 0.0) & _dnp.greater_equal(k, 0.0)
    return _dnp.where(inside, binom(N, k), 0.0)


def _hankel_derivative(name, v, z, n):
    """The n-th z-derivative of Hankel's `name` (hankel1 or hankel2, the registry's fronts) by SciPy's formula
    H⁽ⁿ⁾_v = 2⁻ⁿ Σₖ (-1)ᵏ C(n, k) H_{v-n+2k}; n a count (refused traced: no derivative in it), v an order."""
    if isinstance(n, _Traced) or isinstance(v, _Traced):
        which = "n, the derivative's order" if isinstance(n, _Traced) else "v, the Bessel order"
        raise TypeError(
            f"scipy.special.{name[0]}{name[-1]}vp(v, z, n) is differentiable in z only: {which} is traced; pass it as a "
            "plain number"
        )
    if not (_np.ndim(n) == 0 and float(n) == int(n) and int(n) >= 0):
        raise ValueError(f"scipy.special.{name[0]}{name[-1]}vp: n must be a non-negative integer, got {n!r}")
    n, fn = int(n), _registry_names()[name]
    return sum(((-1) ** k * math.comb(n, k) * fn(v - n + 2 * k, z) for k in range(n + 1)), 0.0) / 2.0**n


def h1vp(v, z, n=1):
    """The n-th derivative in z of Hankel's H⁽¹⁾_v(z), as `scipy.special.h1vp` on real z (complex values),
    differentiable in z (v and n plain numbers).

    Shape contract: elementwise in v and z (broadcast); n a non-negative integer.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda x: _np.imag(h1vp(0.0, x)))(1.0)), 12)  # d Y₀′ = Y₀″ = -Y₀ + Y₁/x
    -0.869469785516
    """
    return _hankel_derivative("hankel1", v, z, n)


def h2vp(v, z, n=1):
    """The n-th derivative in z of Hankel's H⁽²⁾_v(z), as `scipy.special.h2vp` on real z (complex values),
    differentiable in z (v and n plain numbers).

    Shape contract: elementwise in v and z (broadcast); n a non-negative integer.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda x: _np.real(h2vp(0.0, x)))(1.0)), 12)  # d J₀′ = J₀″ = -J₀ + J₁/x
    -0.325147100813
    """
    return _hankel_derivative("hankel2", v, z, n)


def sph_harm_y(n, m, theta, phi):
    """The spherical harmonic Yₙᵐ(θ, φ) = P̄ₙᵐ(θ)·e^(imφ) as `scipy.special.sph_harm_y` (θ the polar angle, φ the
    azimuth; complex), differentiable in θ and φ (the registry's sph_legendre_p in θ); n and m whole numbers, refused
    traced. SciPy's diff_n is not taken: differentiate instead.

    Shape contract: elementwise in n, m, θ, φ (broadcast).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda p: _np.imag(sph_harm_y(1, 1, _np.pi / 2, p)))(0.0)), 12)  # -√(3/8π)·cos φ
    -0.345494149471
    """
    if isinstance(n, _Traced) or isinstance(m, _Traced):
        raise TypeError(
            "scipy.special.sph_harm_y(n, m, theta, phi) is differentiable in theta and phi only: "
            f"{'n' if isinstance(n, _Traced) else 'm'}, a whole number, is traced; pass it as a plain number"
        )
    p = _REGISTRY["sph_legendre"](n, m, theta)
    return p * (_dnp.cos(m * phi) + 1j * _dnp.sin(m * phi))


def _whole(name, diff_n, **held):
    """Refuse what the Legendre fronts do not take: SciPy's diff_n (differentiate instead) and any keyword not at its
    default (`held`: name -> (value, default))."""
    if diff_n != 0:
        raise ValueError(
            f"scipy.special.{name}: diff_n={diff_n!r} is not taken by difflab's {name} (diff_n=0 only): differentiate "
            f"it with difflab (dl.grad) instead"
        )
    for key, (value, default) in held.items():
        if value != default:
            raise ValueError(f"scipy.special.{name}: {key}={value!r} is not supported by difflab (only {default!r})")


def legendre_p(n, z, *, diff_n=0):
    """Legendre's polynomial Pₙ(z) as `scipy.special.legendre_p` (diff_n = 0; SciPy's leading axis of length 1), by the registry's eval_legendre
    (SciPy's values to an ulp; its recurrence differs), differentiable in z; n a whole number.

    Shape contract: elementwise in n and z (broadcast).

    >>> import difflab as dl
    >>> float(dl.grad(lambda x: legendre_p(2, x)[0])(0.5))  # P₂ = (3x² - 1)/2
    1.5
    """
    _whole("legendre_p", diff_n)
    return _dnp.expand_dims(_registry_names()["eval_legendre"](n, z), 0)  # (SciPy's leading axis, diff_n + 1 long)


def _np_gammaln(x):
    import scipy.special

    return scipy.special.gammaln(x)


def assoc_legendre_p(n, m, z, *, branch_cut=2, norm=False, diff_n=0):
    """The associated Legendre function Pₙᵐ(z) on -1 ≤ z ≤ 1 as `scipy.special.assoc_legendre_p` (branch_cut=2,
    norm=False, diff_n=0: Condon-Shortley phase; NaN for |z| > 1 and a leading axis of length 1, as SciPy's), by the registry's lpmv(m, n, z),
    differentiable in z; n and m whole numbers, never differentiated.

    Shape contract: elementwise in n, m and z (broadcast).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda x: assoc_legendre_p(1, 1, x)[0])(0.6)), 12)  # P₁¹ = -√(1 - x²): x/√(1 - x²)
    0.75
    """
    _whole("assoc_legendre_p", diff_n, branch_cut=(branch_cut, 2), norm=(norm, False))
    if isinstance(n, _Traced) or isinstance(m, _Traced):
        raise TypeError(
            "scipy.special.assoc_legendre_p(n, m, z) is differentiable in z only: "
            f"{'n' if isinstance(n, _Traced) else 'm'}, a whole number, is traced; pass it as a plain number"
        )
    n, m = _np.asarray(n), _np.asarray(m)
    # m < 0 as (-1)^|m|·(n - |m|)!/(n + |m|)!·Pₙ^|m|: SciPy's lpmv is NaN at |m| > n for m < 0, which the slope's
    # recurrence (degree n - 1) reaches; 0 where |m| > n, as SciPy's assoc_legendre_p
    k = _np.abs(m)
    with _np.errstate(all="ignore"):
        ratio = _np.exp(_np_gammaln(n - k + 1.0) - _np_gammaln(n + k + 1.0)) * (-1.0) ** k
    factor = _np.where(k > n, 0.0, _np.where(m < 0, ratio, 1.0))
    return _dnp.expand_dims(factor * _registry_names()["lpmv"](k, n, z), 0)  # (SciPy's leading axis)


def assoc_laguerre(x, n, k=0.0):
    """The generalized Laguerre polynomial L^(k)ₙ(x) as `scipy.special.assoc_laguerre` (SciPy's wrapper of
    eval_genlaguerre with the arguments reversed), by the registry's eval_genlaguerre: differentiable in x, not in n
    or k (refused by name).

    Shape contract: elementwise in x, n and k (broadcast).

    >>> import difflab as dl
    >>> float(dl.grad(lambda t: assoc_laguerre(t, 2, 1.0))(0.5))  # L₂⁽¹⁾ = x²/2 - 3x + 3: x - 3
    -2.5
    """
    return _registry_names()["eval_genlaguerre"](n, k, x)


def _scalar_order(name, arg, value, x):
    """SciPy's checks of the Python sequences' (v or n, x): both scalars, the order a plain number."""
    if isinstance(value, _Traced):
        raise TypeError(
            f"scipy.special.{name}({arg}, x) is differentiable in x only: {arg}, an order, is traced; pass it as a "
            "plain number"
        )
    if not (_np.isscalar(value) and _np.ndim(x) == 0):
        raise ValueError(f"scipy.special.{name}: arguments must be scalars.")


def _whole_orders(name, z, **orders) -> bool:
    """SciPy's checks of a sequence's whole orders (pbdn_seq's n, lqn's n, lqmn's m and n), each a plain integer
    >= 0 beside a scalar z; True where z is a plain complex number, whose answer is then SciPy's own."""
    for arg, value in orders.items():
        _scalar_order(name, arg, value, z)
        if value != int(value) or value < 0:
            raise ValueError(f"scipy.special.{name}: {arg} must be a non-negative integer, got {value!r}")
    return not isinstance(z, _Traced) and _np.iscomplexobj(z)


def _riccati(name, n, x):
    _scalar_order(name, "n", n, x)
    if n != int(n) or n < 0:
        raise ValueError(f"scipy.special.{name}: n must be a non-negative integer, got {n!r}")
    k = _np.arange(int(n) + 1)
    spherical = _registry_names()["spherical_jn" if name == "riccati_jn" else "spherical_yn"]
    f = spherical(k, x)
    return x * f, f + x * spherical(k, x, derivative=True)


def riccati_jn(n, x):
    """Riccati-Bessel functions x·jₖ(x) and their derivatives jₖ + x·jₖ′ for k = 0..n, as `scipy.special.riccati_jn`
    (SciPy's are from its own recurrence: these, from the spherical_jn entry, are within 2.6e-14 relative of SciPy's
    on x in 0.1..10, n ≤ 4, the largest beside a zero), differentiable in x; n a plain non-negative integer.

    Shape contract: x a scalar; two arrays of shape (n + 1,).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda t: riccati_jn(0, t)[0][0])(0.5)), 12)  # x·j₀(x) = sin x: cos x
    0.87758256189
    """
    return _riccati("riccati_jn", n, x)


def riccati_yn(n, x):
    """Riccati-Bessel functions x·yₖ(x) and their derivatives yₖ + x·yₖ′ for k = 0..n, as `scipy.special.riccati_yn`
    (from the spherical_yn entry: within 8.4e-15 relative of SciPy's on x in 0.1..10, n ≤ 4), differentiable in x; n a
    plain non-negative integer.

    Shape contract: x a scalar; two arrays of shape (n + 1,).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda t: riccati_yn(0, t)[0][0])(0.5)), 12)  # x·y₀(x) = -cos x: sin x
    0.479425538604
    """
    return _riccati("riccati_yn", n, x)


def pbdv_seq(v, x):
    """Weber's D_u(x) and D_u′(x) for u = v₀, v₀ + 1, ..., as `scipy.special.pbdv_seq` (its orders: v₀ the fraction of
    max(⌊v⌋, 1) + v - ⌊v⌋, at least two of them), by the registry's pbdv (SciPy's values bit for bit at whole and
    half v, within 1.7e-13 relative elsewhere, its sequence and its ufunc being two recurrences), differentiable in x;
    v a plain number ≥ 0.

    Shape contract: v and x scalars; two arrays of shape (max(⌊v⌋, 1) + 1,).

    >>> import difflab as dl
    >>> float(dl.grad(lambda t: pbdv_seq(1.0, t)[0][1])(0.0))  # D₁(x) = x·e^(-x²/4)
    1.0
    """
    _scalar_order("pbdv_seq", "v", v, x)
    if v < 0:  # (SciPy's dp there holds 0 for the second order's D′: pbdv_seq(-2.9, 0.5)[1] is [0.92..., 0.0])
        raise ValueError(f"scipy.special.pbdv_seq: v = {v!r} < 0 is not supported by difflab (only v >= 0)")
    n = int(v)
    top = max(n, 1) + (v - n)
    orders = (top - int(top)) + _np.arange(max(n, 1) + 1)
    return _registry_names()["pbdv"](orders, x)


def pbvv_seq(v, x):
    """Weber's V_u(x) and V_u′(x) for u = v₀, v₀ + 1, ..., as `scipy.special.pbvv_seq` (its orders: v₀ = v - ⌊v⌋, at
    least two of them), by the registry's pbvv, differentiable in x; v a plain number ≥ 0.

    Shape contract: v and x scalars; two arrays of shape (max(⌊v⌋, 1) + 1,).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda t: pbvv_seq(0.5, t)[0][0])(1.3)), 12) == round(float(_sc().pbvv(0.5, 1.3)[1]), 12)
    True
    """
    _scalar_order("pbvv_seq", "v", v, x)
    if v < 0:  # (SciPy's orders there are v₀ + 1 - ⌊v⌋..., its dp's second entry 0: pbvv_seq(-0.5, 1.3)[1][1])
        raise ValueError(f"scipy.special.pbvv_seq: v = {v!r} < 0 is not supported by difflab (only v >= 0)")
    n = int(v)
    return _registry_names()["pbvv"]((v - n) + _np.arange(max(n, 1) + 1), x)


def pbdn_seq(n, z):
    """Weber's D_k(z) and D_k′(z) for k = 0..max(n, 1), complex as `scipy.special.pbdn_seq`, by the registry's pbdv,
    differentiable in a real z; n a plain integer ≥ 0 (SciPy's sequence at n < 0 is wrong: pbdn_seq(-2, 1.3)[0][2]
    is D₀, not D₋₂), a plain complex z SciPy's own.

    Shape contract: n and z scalars; two complex arrays of shape (max(n, 1) + 1,).

    >>> import difflab as dl
    >>> float(dl.grad(lambda t: pbdn_seq(1, t)[0][1].real)(0.0))  # D₁(x) = x·e^(-x²/4)
    1.0
    """
    if _whole_orders("pbdn_seq", z, n=n):
        return _sc().pbdn_seq(n, z)
    w, wp = _registry_names()["pbdv"](_np.arange(max(int(n), 1) + 1.0), z)
    return w + 0j, wp + 0j


def lmbda(v, x):
    """The lambda functions Λ_u(x) = Γ(u + 1)·(2/x)ᵘ·J_u(x) and Λ_u′(x) for u = v₀, v₀ + 1, ..., v (v₀ = v - ⌊v⌋), as
    `scipy.special.lmbda`, by Λ_u(x) = ₀F₁(; u + 1; -x²/4) over the registry's hyp0f1 (no division by xᵘ: 1 at x = 0)
    and Λ_u′ = -x·Λ_{u+1}/(2(u + 1)), differentiable in x; v a plain number ≥ 0. Within 1.4e-14 relative of SciPy's
    on x in 0.001..30, v ≤ 3; at x < 0 the slope is odd (SciPy's is even there: lmbda(1.5, -1.3)[1] is lmbda(1.5,
    1.3)[1], where Λ′ changes sign).

    Shape contract: v and x scalars; two arrays of shape (⌊v⌋ + 1,).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda t: lmbda(0.5, t)[0][0])(1.0)), 12)  # Λ_{1/2} = sin(x)/x
    -0.301168678939
    """
    _scalar_order("lmbda", "v", v, x)
    if v < 0:
        raise ValueError(f"scipy.special.lmbda: v = {v!r} < 0 (SciPy's: argument must be > 0)")
    hyp0f1 = _registry_names()["hyp0f1"]
    orders = (v - int(v)) + _np.arange(int(v) + 1.0)
    z = -0.25 * x * x
    return hyp0f1(orders + 1.0, z), (-0.5 * x / (orders + 1.0)) * hyp0f1(orders + 2.0, z)


_LQN_NEAR = 1.1  # |x| up to which lqn's forward recurrence (above 1 it grows P's error: 7e-15 at n = 10, 1.1)


def lqn(n, z):
    """Legendre's functions of the second kind Qₖ(z) and Qₖ′(z) for k = 0..n at a real z ≠ ±1, as `scipy.special.lqn`
    (Q₀ = ½·log|(1 + z)/(1 - z)|, arctanh inside (-1, 1)), differentiable in z; n a plain integer ≥ 0, a plain complex
    z SciPy's own. For |z| ≤ 1.1 by the forward recurrence (k + 1)Qₖ₊₁ = (2k + 1)z·Qₖ - k·Qₖ₋₁, above it (where that
    recurrence grows Pₖ's error) by Qₖ(z) = √π·k!/(Γ(k + 3/2)(2z)ᵏ⁺¹)·₂F₁((k + 1)/2, (k + 2)/2; k + 3/2; 1/z²) over
    the registry's hyp2f1; Qₖ′ = k(Qₖ₋₁ - z·Qₖ)/(1 - z²), Q₀′ = 1/(1 - z²). Within 2e-14 relative of mpmath's legenq
    for k ≤ 10 on 1 < |z| ≤ 3 and inside (-1, 1) (SciPy's own is 1.5e-13 off at z = 1.03).

    Shape contract: n and z scalars; two arrays of shape (n + 1,).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda t: lqn(1, t)[0][1])(0.5)), 12)  # Q₁ = z·arctanh(z) - 1: arctanh(z) + z/(1 - z²)
    1.215972811001
    """
    if _whole_orders("lqn", z, n=n):
        return _sc().lqn(n, z)
    hyp2f1 = _registry_names()["hyp2f1"]
    near = _dnp.less_equal(_dnp.abs(z), _LQN_NEAR)
    x = _dnp.where(near, z, 0.5)  # (each form at a held argument where it is not used: no NaN formed there)
    far = _dnp.where(near, 2.0, z)
    inside = _dnp.less(_dnp.abs(x), 1.0)
    x_in, x_out = _dnp.where(inside, x, 0.5), _dnp.where(inside, 2.0, x)
    q = [_dnp.where(inside, _dnp.arctanh(x_in), 0.5 * _dnp.log(_dnp.abs((x_out + 1.0) / (x_out - 1.0))))]
    for k in range(int(n)):
        q.append(x * q[0] - 1.0 if k == 0 else ((2 * k + 1) * x * q[k] - k * q[k - 1]) / (k + 1))
    for k in range(int(n) + 1):
        scale = math.sqrt(math.pi) * math.gamma(k + 1) / math.gamma(k + 1.5) / 2 ** (k + 1)
        series = hyp2f1((k + 1) / 2, (k + 2) / 2, k + 1.5, 1.0 / (far * far))
        q[k] = _dnp.where(near, q[k], scale * series / far ** (k + 1))
    gap = 1.0 - z * z
    slopes = [1.0 / gap] + [k * (q[k - 1] - z * q[k]) / gap for k in range(1, int(n) + 1)]
    return _dnp.stack(q), _dnp.stack(slopes)


def lqmn(m, n, z):
    """The associated Legendre functions of the second kind Qₖʲ(z) and their slopes for j = 0..m, k = 0..n at a real z
    ≠ ±1, as `scipy.special.lqmn` (inside (-1, 1) Ferrers' (-1)ʲ(1 - z²)^(j/2)·dʲQₖ/dzʲ, outside (z² - 1)^(j/2)·dʲQₖ/dzʲ),
    differentiable in z; m and n plain integers ≥ 0, a plain complex z SciPy's own. Inside by the recurrence in j
    from Q₀ = arctanh z (as SciPy's), outside, where that recurrence grows an error (5.6e-11 at z = -2.5), each by
    (-1)ʲ√π(k + j)!·(z² - 1)^(j/2)/(2ᵏ⁺¹Γ(k + 3/2)·zᵏ⁺ʲ⁺¹)·₂F₁((k + j)/2 + 1, (k + j + 1)/2; k + 3/2; 1/z²) over
    the registry's hyp2f1; slopes ((j - k - 1)·Qₖ₊₁ʲ + (k + 1)z·Qₖʲ)/(1 - z²). Within 1e-14 relative of mpmath's
    legenq for j ≤ 4, k ≤ 5 on |z| ≥ 1.01 and inside (1.5e-13 at z = 1.0005, where ₂F₁'s z = 1/z² is near 1).

    Shape contract: m, n and z scalars; two arrays of shape (m + 1, n + 1).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda t: lqmn(1, 0, t)[0][1, 0])(0.0)), 12)  # Q₀¹ = -1/√(1 - z²): -z/(1 - z²)^(3/2)
    -0.0
    """
    if _whole_orders("lqmn", z, m=m, n=n):
        return _sc().lqmn(m, n, z)
    top, degrees = int(m), _np.arange(int(n) + 2.0)
    orders = _np.arange(top + 1.0)[:, None]
    inside = _dnp.less(_dnp.abs(z), 1.0)
    x, y = _dnp.where(inside, z, 0.5), _dnp.where(inside, 2.0, z)  # (each form at a held argument where it is not used)
    q = [_dnp.arctanh(x), x * _dnp.arctanh(x) - 1.0]
    for k in range(1, int(n) + 1):
        q.append(((2 * k + 1) * x * q[k] - k * q[k - 1]) / (k + 1))
    q_0, gap, root = _dnp.stack(q[: int(n) + 2]), 1.0 - x * x, (1.0 - x * x) ** 0.5
    rows = [q_0, -root * _dnp.stack([1.0 / gap] + [k * (q[k - 1] - x * q[k]) / gap for k in range(1, int(n) + 2)])]
    for j in range(top - 1):
        rows.append(-2.0 * (j + 1) * x / root * rows[j + 1] - (degrees - j) * (degrees + j + 1) * rows[j])
    total = degrees + orders
    scale = (-1.0) ** orders * _np.exp(0.5 * math.log(math.pi) + _np_gammaln(total + 1) - _np_gammaln(degrees + 1.5))
    far = scale / 2.0 ** (degrees + 1) * (y * y - 1.0) ** (orders / 2) * (1.0 / y) ** (total + 1)
    far = far * _registry_names()["hyp2f1"](total / 2 + 1, (total + 1) / 2, degrees + 1.5, 1.0 / (y * y))
    values = _dnp.where(inside, _dnp.stack(rows[: top + 1]), far)
    slopes = ((orders - degrees[:-1] - 1) * values[:, 1:] + (degrees[:-1] + 1) * z * values[:, :-1]) / (1.0 - z * z)
    return values[:, :-1], slopes


def _sc():
    """scipy.special, imported at the first call (SciPy is optional)."""
    from ..ops.special import scipy_special

    return scipy_special()


def _all_orders(name, n, m, z):
    """The degrees 0..n (and orders 0..m, then -m..-1: SciPy's layout, a negative order at its negative index) of
    SciPy's *_all functions as arrays shaped (n + 1, 1, ...) and (1, 2m + 1, ...), broadcasting against z."""
    for arg, value in (("n", n), ("m", m)):
        if isinstance(value, _Traced) or (value is not None and (value != int(value) or value < 0)):
            raise ValueError(f"scipy.special.{name}: {arg} must be a plain non-negative integer, got {value!r}")
    tail = (1,) * _np.ndim(z)
    degrees = _np.arange(int(n) + 1).reshape((-1, 1) + tail)
    if m is None:
        return degrees
    orders = _np.concatenate([_np.arange(int(m) + 1), _np.arange(-int(m), 0)]).reshape((1, -1) + tail)
    return degrees, orders


def legendre_p_all(n, z, *, diff_n=0):
    """Legendre's Pₖ(z) for k = 0..n as `scipy.special.legendre_p_all` (diff_n = 0: shape (1, n + 1, *z.shape), SciPy's
    leading axis), by the registry's eval_legendre, differentiable in z.

    Shape contract: (1, n + 1) + z.shape.

    >>> import difflab as dl
    >>> float(dl.grad(lambda x: legendre_p_all(2, x)[0, 2])(0.5))  # P₂ = (3x² - 1)/2
    1.5
    """
    _whole("legendre_p_all", diff_n)
    return legendre_p(_all_orders("legendre_p_all", n, None, z)[:, 0], z)


def assoc_legendre_p_all(n, m, z, *, branch_cut=2, norm=False, diff_n=0):
    """Pₖʲ(z) for k = 0..n, j = 0..m and -m..-1 as `scipy.special.assoc_legendre_p_all` (branch_cut=2, norm=False,
    diff_n=0: shape (1, n + 1, 2m + 1, *z.shape), order j at index j), by `assoc_legendre_p`, differentiable in z.

    Shape contract: (1, n + 1, 2m + 1) + z.shape.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda x: assoc_legendre_p_all(1, 1, x)[0, 1, 1])(0.6)), 12)  # P₁¹ = -√(1 - x²)
    0.75
    """
    _whole("assoc_legendre_p_all", diff_n, branch_cut=(branch_cut, 2), norm=(norm, False))
    return assoc_legendre_p(*_all_orders("assoc_legendre_p_all", n, m, z), z)


def sph_legendre_p_all(n, m, theta, *, diff_n=0):
    """P̄ₖʲ(θ) for k = 0..n, j = 0..m and -m..-1 as `scipy.special.sph_legendre_p_all` (diff_n=0: shape (1, n + 1,
    2m + 1, *θ.shape)), by the registry's sph_legendre_p, differentiable in θ.

    Shape contract: (1, n + 1, 2m + 1) + θ.shape.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda t: sph_legendre_p_all(1, 0, t)[0, 1, 0])(_np.pi / 2)), 12)  # √(3/4π)·cos θ
    -0.488602511903
    """
    _whole("sph_legendre_p_all", diff_n)
    return _dnp.expand_dims(_REGISTRY["sph_legendre"](*_all_orders("sph_legendre_p_all", n, m, theta), theta), 0)


def sph_harm_y_all(n, m, theta, phi, *, diff_n=0):
    """Yₖʲ(θ, φ) for k = 0..n, j = 0..m and -m..-1 as `scipy.special.sph_harm_y_all` (diff_n=0: shape (n + 1, 2m + 1,
    *shape), complex), by `sph_harm_y`, differentiable in θ and φ.

    Shape contract: (n + 1, 2m + 1) + the broadcast shape of θ and φ.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda p: _np.imag(sph_harm_y_all(1, 1, _np.pi / 2, p)[1, 1]))(0.0)), 12)
    -0.345494149471
    """
    _whole("sph_harm_y_all", diff_n)
    shape = _np.broadcast_shapes(_np.shape(theta), _np.shape(phi))
    return sph_harm_y(*_all_orders("sph_harm_y_all", n, m, _np.zeros(shape)), theta, phi)


expit = _REGISTRY["sigmoid"]


def _mathieu_characteristic(name, m, q):
    """Mathieu's characteristic value `name` at a plain whole m: on a plain q `_mathieu_plain`'s; on a traced q the
    matrix of `_mathieu_matrix` handed to the registry's eigvalsh, differentiable in q to any order (Hellmann–Feynman's
    ⟨y, 2cos 2x·y⟩ is its first derivative), |q| <= 2500."""
    if isinstance(m, _Traced):
        raise NotDifferentiableError(
            f"scipy.special.{name} is not differentiable in its argument m, a whole order; pass it as a plain integer"
        )
    if _dnp.iscomplexobj(q):  # (the real parts alone would be a silent wrong number: a is analytic in q)
        raise TypeError(f"scipy.special.{name} takes a real q (SciPy's has no complex loop), got a complex one")
    if not isinstance(q, _Traced):
        return _mathieu_plain(name, m, q)
    if not (_np.ndim(m) == 0 and m == int(m) and int(m) >= (1 if name == "mathieu_b" else 0)):
        raise ValueError(f"scipy.special.{name}: m must be a plain integer >= {int(name == 'mathieu_b')}, got {m!r}")
    largest = _dnp.max(_dnp.abs(q))
    if bool(_dnp.greater(largest, _MATHIEU_Q)):  # (a traced comparison: the graph says so)
        raise ValueError(f"scipy.special.{name}: difflab differentiates it for |q| <= {_MATHIEU_Q:g} only")
    size = int(m) // 2 + _mathieu_size(largest)
    diag, tweak, off, index = _mathieu_matrix(name, int(m), size)
    base, part = _np.diag(diag), _np.diag(tweak) + _np.diag(off, 1) + _np.diag(off, -1)
    flat = _dnp.reshape(q, (-1,))
    values = [_dnp.linalg.eigvalsh(base + flat[i] * part)[index] for i in range(int(_np.prod(_np.shape(q))))]
    return _dnp.reshape(_dnp.stack(values), _np.shape(q))


def mathieu_a(m, q):
    """The characteristic value a_m(q) of the even Mathieu function ce_m(x, q), as `scipy.special.mathieu_a`, by
    difflab: an eigenvalue of the Mathieu equation's tridiagonal matrix in a Fourier basis (within 3e-15 of SciPy's
    where SciPy's is right; SciPy's is O(1) off at many |q| > 100: mathieu_a(4, 2500) is -4110.37, SciPy's -4503.27),
    differentiable in q to any order for |q| <= 2500; m a plain whole number.

    Shape contract: m and q broadcast (plain q); a traced q elementwise, m a scalar.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda q: mathieu_a(1, q))(0.0)), 12)  # a₁ = 1 + q - q²/8 - ...
    1.0
    """
    return _mathieu_characteristic("mathieu_a", m, q)


def mathieu_b(m, q):
    """The characteristic value b_m(q) of the odd Mathieu function se_m(x, q), as `scipy.special.mathieu_b`, by
    difflab (as `mathieu_a`; SciPy's is O(1) off at many |q| > 100), differentiable in q; m a plain whole number ≥ 1.

    Shape contract: m and q broadcast (plain q); a traced q elementwise, m a scalar.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda q: mathieu_b(1, q))(0.0)), 12)  # b₁ = 1 - q - q²/8 + ...
    -1.0
    """
    return _mathieu_characteristic("mathieu_b", m, q)


def _mathieu_order(name, m, least):
    """m as a plain whole number >= `least`, refused by name when traced."""
    if isinstance(m, _Traced):
        raise NotDifferentiableError(
            f"scipy.special.{name} is not differentiable in its argument m, a whole order; pass it as a plain integer"
        )
    if not (_np.ndim(m) == 0 and m == int(m) and int(m) >= least):
        raise ValueError(f"scipy.special.{name}: m must be a plain integer >= {least}, got {m!r}")
    return int(m)


def _mathieu_fourier(name, m, q):
    """(A, orders): the coefficients of ce_m = Σ A_k cos(k x) (mathieu_a) or se_m = Σ A_k sin(k x) (mathieu_b) at a
    scalar 0 <= q <= 2500, SciPy's normalisation and sign; on a traced q the eigenvector of the traced matrix (the
    registry's eigh: differentiable in q to any order), signed as the plain one at q's value (the band's comparison
    has specialised the graph to it)."""
    if not isinstance(q, _Traced):
        _, coefficients, orders = _mathieu_eigen(name, m, float(q))
        return coefficients.copy(), orders  # (the cached array is read-only and never handed out)
    if bool(_dnp.greater(q, _MATHIEU_Q)):
        raise ValueError(f"scipy.special.{name}: difflab differentiates it for |q| <= {_MATHIEU_Q:g} only")
    diag, tweak, off, index = _mathieu_matrix(name, m, m // 2 + _mathieu_size(q))
    vector = _dnp.linalg.eigh(_np.diag(diag) + q * (_np.diag(tweak) + _np.diag(off, 1) + _np.diag(off, -1)))[1][
        :, index
    ]
    reference = _mathieu_eigen(name, m, float(_np.asarray(q.concrete)))[1]
    top = int(_np.argmax(_np.abs(reference)))
    sign = _np.sign(reference[top]) * (1.0 if bool(_dnp.greater(vector[top], 0.0)) else -1.0)
    scale = _np.full(len(diag), sign)
    if name == "mathieu_a" and m % 2 == 0:
        scale[0] /= math.sqrt(2.0)  # (the basis's √2·cos 0x)
    return vector * scale, _np.sqrt(diag)


def _mathieu_angular(name, m, q, x):
    """SciPy's `name` (mathieu_cem, mathieu_sem) = (y, dy/dx in radians) at x degrees: the registry's on a plain q,
    the Fourier sum of `_mathieu_fourier`'s coefficients on a traced one (q < 0 by DLMF 28.2.34's relations, SciPy's)."""
    if not isinstance(q, _Traced):
        return _registry_names()[name](m, q, x)
    even = name == "mathieu_cem"
    m = _mathieu_order(name, m, 0)
    if _np.ndim(q) != 0:
        raise ValueError(
            f"scipy.special.{name}: difflab differentiates it in q for a scalar q, got shape {_np.shape(q)}"
        )
    if not even and m == 0:
        return 0.0 * q * x, 0.0 * q * x  # (SciPy's: se_0 = 0)
    sign, turn = 1.0, 1.0
    if bool(_dnp.less(q, 0.0)):
        sign = (-1.0) ** ((m // 2) % 2) * (-1.0 if not even and m % 2 == 0 else 1.0)
        even, q, x, turn = (even if m % 2 == 0 else not even), -q, 90.0 - x, -1.0
    coefficients, orders = _mathieu_fourier("mathieu_a" if even else "mathieu_b", m, q)
    t = _dnp.expand_dims(x, -1) * (orders * (math.pi / 180))
    wave, slope = (_dnp.cos(t), -orders * _dnp.sin(t)) if even else (_dnp.sin(t), orders * _dnp.cos(t))
    return sign * (wave @ coefficients), sign * turn * (slope @ coefficients)


def mathieu_cem(m, q, x):
    """The even Mathieu function ce_m(x, q) and its slope, as `scipy.special.mathieu_cem` (x in degrees, the slope
    d/dx in radians), by difflab: the Fourier sum of the characteristic value's eigenvector (within 7e-14 of mpmath's
    where SciPy's is O(1) wrong, 0.0 or NaN at large q and m), differentiable in x (every order) and, for a scalar
    |q| <= 2500, in q (the traced matrix's eigh); m a plain whole number.

    Shape contract: m, q, x broadcast (plain q); a traced q a scalar, x any shape; a pair of arrays of x's shape.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda q: mathieu_cem(1, q, 0.0)[0])(0.0)), 12)  # ce₁(0, q) = 1 - q/8 - ...
    -0.125
    """
    return _mathieu_angular("mathieu_cem", m, q, x)


def mathieu_sem(m, q, x):
    """The odd Mathieu function se_m(x, q) and its slope, as `scipy.special.mathieu_sem`, by difflab (as
    `mathieu_cem`), differentiable in x and, for a scalar |q| <= 2500, in q; m a plain whole number.

    Shape contract: as `mathieu_cem`.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda q: mathieu_sem(1, q, 90.0)[0])(0.0)), 12)  # se₁(π/2, q) = 1 + q/8 + ...
    0.125
    """
    return _mathieu_angular("mathieu_sem", m, q, x)


def _mathieu_radial(name, m, q, x):
    """SciPy's radial `name` (mathieu_modcem1, ...) = (y, dy/dx): the registry's on a plain q; on a traced scalar q the
    Bessel-product sum of `_mathieu_fourier`'s traced coefficients (DLMF 28.24: `_mathieu_radial_sum`, the registry's
    jv and yv), differentiable in q and x to any order, 0 < q <= 2500."""
    if not isinstance(q, _Traced):
        return _registry_names()[name](m, q, x)
    even = "cem" in name
    m = _mathieu_order(name, m, 0 if even else 1)
    if _np.ndim(q) != 0:
        raise ValueError(
            f"scipy.special.{name}: difflab differentiates it in q for a scalar q, got shape {_np.shape(q)}"
        )
    if not bool(_dnp.greater(q, 0.0)):  # (SciPy's radial functions are NaN at q < 0; DLMF's sums need h = √q > 0)
        raise ValueError(f"scipy.special.{name}: difflab differentiates it in q for 0 < q <= {_MATHIEU_Q:g} only")
    plain = (_np.asarray(v.concrete if isinstance(v, _Traced) else v, float) for v in (m, q, x))
    flat = [a.ravel() for a in _np.broadcast_arrays(*plain)]
    if not _np.all(_mathieu_radial_good(name, *flat)):  # (a wrong number's derivative is no derivative)
        raise ValueError(
            f"scipy.special.{name}: difflab's sum loses digits at q = {float(flat[1][0]):g} and some of x (its pair "
            "breaks the Wronskian: Bessel functions past the double range at large m and small q); no derivative there"
        )
    coefficients, _ = _mathieu_fourier("mathieu_a" if even else "mathieu_b", m, q)
    # each x's A_2s and count of terms, the plain sum's
    chosen = _np.stack(_mathieu_radial_point(name, m, float(flat[1][0]), flat[2][:, None])[2:], -1)
    bessel, x = _registry_names(), _dnp.expand_dims(x, -1)
    out = None
    for s, count in _np.unique(chosen, axis=0):
        weights = _mathieu_radial_weights(name, m, coefficients, int(s))[:count]
        pair = _mathieu_radial_sum(name, m, int(s), weights, _dnp.sqrt(q), x, _dnp, bessel["jv"], bessel["yv"])
        at = _np.all(chosen == (s, count), -1).reshape(_np.shape(pair[0]))
        out = pair if out is None else tuple(_dnp.where(at, new, held) for new, held in zip(pair, out))
    return out


def mathieu_modcem1(m, q, x):
    """The even radial Mathieu function of the first kind Mc⁽¹⁾_m(x, q) and its slope d/dx, as
    `scipy.special.mathieu_modcem1`, by difflab where SciPy's is wrong (DLMF 28.24's Bessel products over the
    coefficient A_2s with the least error bound: within 3e-14 of mpmath's where SciPy's is O(1) off,
    mathieu_modcem1(50, 0.5, 0.5) 6.2e-77 for its 25.1), differentiable in x (every order) and, for a scalar
    0 < q <= 2500, in q; m a plain whole number.

    Shape contract: m, q, x broadcast (plain q); a traced q a scalar, x any shape; a pair of arrays of x's shape.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda q: mathieu_modcem1(0, q, 0.0)[0])(1e-12)), 9)  # Mc₀(0, q) = J₀(√q)² + O(q²)
    -0.5
    """
    return _mathieu_radial("mathieu_modcem1", m, q, x)


def mathieu_modsem1(m, q, x):
    """The odd radial Mathieu function of the first kind Ms⁽¹⁾_m(x, q) and its slope, as
    `scipy.special.mathieu_modsem1`, by difflab where SciPy's is wrong (as `mathieu_modcem1`).

    Shape contract: as `mathieu_modcem1`.

    >>> import difflab as dl
    >>> round(float(mathieu_modsem1(1, 2.0, 0.5)[0]), 12)
    0.448315616761
    """
    return _mathieu_radial("mathieu_modsem1", m, q, x)


def mathieu_modcem2(m, q, x):
    """The even radial Mathieu function of the second kind Mc⁽²⁾_m(x, q) and its slope, as
    `scipy.special.mathieu_modcem2`, by difflab where SciPy's is wrong (DLMF 28.24's J·Y products, as
    `mathieu_modcem1`; NaN where neither pair keeps the Wronskian), differentiable in x and, for a scalar
    0 < q <= 2500, in q.

    Shape contract: as `mathieu_modcem1`.

    >>> round(float(mathieu_modcem2(0, 2.0, 0.5)[0]), 12)
    0.442068008426
    """
    return _mathieu_radial("mathieu_modcem2", m, q, x)


def mathieu_modsem2(m, q, x):
    """The odd radial Mathieu function of the second kind Ms⁽²⁾_m(x, q) and its slope, as
    `scipy.special.mathieu_modsem2`, by difflab where SciPy's is wrong (as `mathieu_modcem2`).

    Shape contract: as `mathieu_modcem1`.

    >>> round(float(mathieu_modsem2(1, 2.0, 0.5)[0]), 12)
    -0.182839254689
    """
    return _mathieu_radial("mathieu_modsem2", m, q, x)


def _mathieu_coef(name, m, q):
    """SciPy's `name` (mathieu_even_coef, mathieu_odd_coef): its checks and its count km of coefficients, the
    coefficients difflab's (`_mathieu_fourier`; SciPy's come from its characteristic value, wrong at many q > 100)."""
    least = name == "mathieu_odd_coef"
    if isinstance(m, _Traced):
        _mathieu_order(name, m, least)
    if not (_np.ndim(m) == 0 and _np.ndim(q) == 0):
        raise ValueError("m and q must be scalars.")
    if bool(_dnp.less(q, 0.0)):
        raise ValueError("q >=0")
    if m != math.floor(m) or m < least:
        raise ValueError(f"m must be an integer >={int(least)}.")
    plain = float(_np.asarray(q.concrete if isinstance(q, _Traced) else q))
    qm = 7.5 + 56.1 * math.sqrt(plain) - 134.7 * plain + 90.7 * math.sqrt(plain) * plain
    if plain > 1:
        qm = 17.0 + 3.1 * math.sqrt(plain) - 0.126 * plain + 0.0037 * math.sqrt(plain) * plain
    km = int(qm + 0.5 * m)
    coefficients, _ = _mathieu_fourier("mathieu_b" if least else "mathieu_a", int(m), q)
    if km <= len(coefficients):
        return coefficients[:km]
    return _dnp.concatenate([coefficients, _np.zeros(km - len(coefficients))])


def mathieu_even_coef(m, q):
    """The Fourier coefficients A₀, A₂, ... (m even) or A₁, A₃, ... (m odd) of ce_m(x, q), as
    `scipy.special.mathieu_even_coef` (its count of them), by difflab, differentiable in a scalar 0 <= q <= 2500.

    Shape contract: m, q scalars; an array of SciPy's length km.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda q: mathieu_even_coef(2, q)[0])(0.0)), 12)  # A₀ of ce₂ = q/4 + ...
    0.25
    """
    return _mathieu_coef("mathieu_even_coef", m, q)


def mathieu_odd_coef(m, q):
    """The Fourier coefficients B₂, B₄, ... (m even) or B₁, B₃, ... (m odd) of se_m(x, q), as
    `scipy.special.mathieu_odd_coef`, by difflab (as `mathieu_even_coef`).

    Shape contract: m, q scalars; an array of SciPy's length km.

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda q: mathieu_odd_coef(1, q)[1])(0.0)), 12)  # B₃ of se₁ = -q/8 + ...
    -0.125
    """
    return _mathieu_coef("mathieu_odd_coef", m, q)


def _cv_seq(name, m, n, c):
    """SciPy's `name` (pro_cv_seq, obl_cv_seq) on plain arguments; on a traced c the registry's pro_cv or obl_cv
    (differentiable in c once, by name beyond) for degrees m..n, stacked."""
    if isinstance(m, _Traced) or isinstance(n, _Traced):
        raise NotDifferentiableError(
            f"scipy.special.{name} is not differentiable in its argument {'m' if isinstance(m, _Traced) else 'n'}, "
            "a whole order or degree; pass it as a plain integer"
        )
    # (checked before SciPy's call too: a negative m gives garbage there, n < m and a NaN c crash the process)
    if not (_np.ndim(m) == _np.ndim(n) == _np.ndim(c) == 0) or m != int(m) or n != int(n) or m < 0 or n < m:
        raise ValueError(f"scipy.special.{name}: m, n must be whole numbers with 0 <= m <= n, and c a scalar")
    if n - m > 199:
        raise ValueError(f"scipy.special.{name}: Difference between n and m is too large.")
    if not isinstance(c, _Traced):
        if not _np.isfinite(c):
            return _np.full(int(n) - int(m) + 1, _np.nan)
        return getattr(_sc(), name)(m, n, c)
    single = _registry_names()[name[:-4]]
    return _dnp.stack([single(float(m), float(k), c) for k in range(int(m), int(n) + 1)])


def pro_cv_seq(m, n, c):
    """The prolate spheroidal characteristic values λ_{m,k}(c) for k = m..n, as `scipy.special.pro_cv_seq`: SciPy's on
    a plain c, the registry's pro_cv (within 6e-15 of SciPy's sequence) on a traced c, differentiable in c once (its
    Hellmann–Feynman slope; the second derivative refused by name); m, n plain whole numbers.

    Shape contract: m, n, c scalars; an array of shape (n - m + 1,).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda c: pro_cv_seq(0, 1, c)[0])(0.0)), 12)  # λ₀₀ = c²/3 + ...
    0.0
    """
    return _cv_seq("pro_cv_seq", m, n, c)


def obl_cv_seq(m, n, c):
    """The oblate spheroidal characteristic values λ_{m,k}(c) for k = m..n, as `scipy.special.obl_cv_seq`: SciPy's on
    a plain c, the registry's obl_cv on a traced c (as `pro_cv_seq`), differentiable in c once.

    Shape contract: m, n, c scalars; an array of shape (n - m + 1,).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda c: obl_cv_seq(0, 1, c)[1])(0.0)), 12)
    0.0
    """
    return _cv_seq("obl_cv_seq", m, n, c)


# Gauss rules with continuous parameters: differentiable in them (difflab.scipy._gauss); SciPy's short aliases too
from ._gauss import roots_gegenbauer, roots_genlaguerre, roots_jacobi, roots_sh_jacobi  # noqa: E402

j_roots, js_roots, la_roots, cg_roots = roots_jacobi, roots_sh_jacobi, roots_genlaguerre, roots_gegenbauer


def _radial_second_kind(name):
    """SciPy's `name` (pro_rad2, obl_rad2 and their _cv forms) = (R2, R2′) on plain arguments where SciPy's pair keeps
    the Wronskian with its first kind, R1·R2′ - R1′·R2 = 1/(c(x² - 1)) (prolate) or 1/(c(x² + 1)) (oblate), to 1e-8;
    NaN with a RuntimeWarning saying so elsewhere (SciPy's pro_rad2(1, 2, 1.5, 1.5) keeps 0.874 of it, its
    obl_rad2(1, 2, 1.5, 1.2) -7.3: values that solve no equation). Traced arguments refused by name: no rule."""
    first, oblate = name.replace("rad2", "rad1"), name.startswith("obl")
    arguments = ("m", "n", "c", "cv", "x") if name.endswith("_cv") else ("m", "n", "c", "x")

    def fn(*args):
        for arg, value in zip(arguments, args):
            if isinstance(value, _Traced):
                raise NotDifferentiableError(
                    f"scipy.special.{name} is not differentiable in its argument {arg}: difflab has no rule for the "
                    f"spheroidal functions of the second kind; pass plain numbers (SciPy's values where they keep "
                    f"the Wronskian with {first}, NaN elsewhere)"
                )
        y2, d2 = getattr(_sc(), name)(*args)
        y1, d1 = getattr(_sc(), first)(*args)
        c, x = _np.asarray(args[2]), _np.asarray(args[-1])
        with _np.errstate(all="ignore"):
            wronskian = (y1 * d2 - d1 * y2) * c * (x * x + 1 if oblate else x * x - 1)
            bad = ~(_np.abs(wronskian - 1) <= 1e-8) & ~(_np.isnan(y2) | _np.isnan(d2))
        if _np.any(bad):
            import warnings

            warnings.warn(
                f"scipy.special.{name}: SciPy's value breaks the Wronskian with {first} (R1·R2′ - R1′·R2 = "
                f"1/(c(x² {'+' if oblate else '-'} 1))) at {int(_np.sum(bad))} of {bad.size} points: NaN there",
                RuntimeWarning,
                stacklevel=2,
            )
        return tuple(_np.where(bad, _np.nan, v).astype(_np.result_type(v))[()] for v in (y2, d2))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"`scipy.special.{name}` on plain arguments, SciPy's (R2, R2′) where they keep the Wronskian with {first} "
        "to 1e-8, NaN (a RuntimeWarning) elsewhere; traced arguments refused by name."
    )
    fn.plain_only = True  # (bench/scipy_special_coverage.py counts these apart)
    return fn


pro_rad2, obl_rad2, pro_rad2_cv, obl_rad2_cv = map(
    _radial_second_kind, ("pro_rad2", "obl_rad2", "pro_rad2_cv", "obl_rad2_cv")
)


def _plain_only(name, why):
    """SciPy's `name` on plain arguments; a traced one refused by name (NotDifferentiableError), `why` saying why."""
    import inspect

    def fn(*args, **kwargs):
        scipy_fn = getattr(_sc(), name)
        for key, value in {**dict(enumerate(args)), **kwargs}.items():
            if isinstance(value, _Traced):
                try:
                    arg = list(inspect.signature(scipy_fn).parameters)[key] if isinstance(key, int) else key
                except (TypeError, ValueError, IndexError):  # (a ufunc: no signature)
                    arg = f"number {key + 1}" if isinstance(key, int) else key
                raise NotDifferentiableError(
                    f"scipy.special.{name} is not differentiable in its argument {arg}: {why}; pass plain numbers "
                    "(SciPy's own values)"
                )
        return scipy_fn(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"`scipy.special.{name}` on plain arguments (SciPy's values); traced arguments refused: {why}."
    fn.plain_only = True  # (bench/scipy_special_coverage.py counts these apart)
    return fn


_COUNTS = "its arguments are whole numbers (counts, orders, degrees)"
_PLAIN = {
    # zeros of special functions: counts and whole orders
    **dict.fromkeys(
        "ai_zeros bi_zeros jn_zeros jnp_zeros yn_zeros ynp_zeros y0_zeros y1_zeros y1p_zeros jnjnp_zeros jnyn_zeros "
        "kelvin_zeros ber_zeros bei_zeros berp_zeros beip_zeros ker_zeros kei_zeros kerp_zeros keip_zeros erf_zeros "
        "fresnel_zeros fresnelc_zeros fresnels_zeros".split(),
        _COUNTS,
    ),
    # Gauss rules of a degree alone, and SciPy's short aliases of them
    **dict.fromkeys(
        "roots_legendre roots_sh_legendre roots_chebyt roots_chebyu roots_chebyc roots_chebys roots_sh_chebyt "
        "roots_sh_chebyu roots_hermite roots_hermitenorm roots_laguerre p_roots ps_roots t_roots ts_roots u_roots "
        "us_roots c_roots s_roots h_roots he_roots l_roots".split(),
        _COUNTS,
    ),
    # integer-valued combinatorics
    **dict.fromkeys(
        "bernoulli euler stirling2 factorialk".split(), "its value is a whole-number function of whole numbers"
    ),
    # orthopoly1d constructors: a polynomial object, not a number
    **dict.fromkeys(
        "legendre sh_legendre chebyt chebyu chebyc chebys sh_chebyt sh_chebyu hermite hermitenorm laguerre".split(),
        "it builds an orthopoly1d of a whole degree; eval_<family> (differentiable in x) evaluates one",
    ),
    **dict.fromkeys(
        "jacobi sh_jacobi genlaguerre gegenbauer".split(),
        "it builds an orthopoly1d; eval_<family> evaluates one, differentiable in x (difflab's eval_jacobi, "
        "eval_genlaguerre, eval_gegenbauer refuse their continuous parameters too)",
    ),
    # continuous parameters difflab has no rule for
    **dict.fromkeys(
        "ellip_harm ellip_harm_2 ellip_normal".split(),
        "difflab has no derivative rule for it",
    ),
}
globals().update({_n: _plain_only(_n, _why) for _n, _why in _PLAIN.items()})


def __getattr__(name):
    found = _registry_names().get(name)
    if found is None:
        raise AttributeError(f"difflab.scipy.special has no function {name!r} (not a difflab op yet)")
    return found


def __dir__():
    return sorted(set(globals()) | set(_registry_names()))


_OWN_FRONTS = {
    "mathieu_cem",
    "mathieu_sem",
    "mathieu_modcem1",
    "mathieu_modsem1",
    "mathieu_modcem2",
    "mathieu_modsem2",
}  # (difflab's own fronts over the registry's: a traced q)

# (a name that is also a builtin's, SciPy's `round`, is served by __getattr__ only: in this module's globals it would
# shadow the builtin for this module's own code and doctests)
globals().update({n: fn for n, fn in _registry_names().items() if not hasattr(_builtins, n) and n not in _OWN_FRONTS})
