"""`scipy.stats` distributions on traced values, as compositions of difflab ops: norm, t, gamma,
beta, chi2, expon, laplace, cauchy, lognorm, poisson, binom, dirichlet, multivariate_normal, with the
methods autograd.scipy.stats and jax.scipy.stats have (pdf/logpdf/cdf/logcdf/sf/logsf/entropy where they
apply; poisson's and binom's pmf/logpmf/cdf), differentiable in loc, scale and the shape parameters where
the formula is (mean and cov too; cov's lower triangle, as SciPy reads it).

Log-densities are written directly (never log of a density), and norm's logcdf/logsf are log_ndtr,
finite deep in the tails (x = -40: -804.6). The CDFs of t, gamma, chi2 and beta go through the
regularized incomplete functions, differentiable in x, loc/scale and the shape parameters (gammainc's a, betainc's
a and b: their entries gammainc_da, betainc_da, ... to second order).

>>> round(float(norm.logcdf(-40.0)), 4)
-804.6084
"""

from __future__ import annotations

import functools
import inspect
import math
import sys
import types

import numpy as _np

from .. import numpy as _dnp
from ..errors import DomainWarning, NotDifferentiableError, warn_user
from ..graph import Traced as _Traced
from ..ops import REGISTRY as _R

_LOG_2PI = math.log(2.0 * math.pi)


def _op(name):
    return _R[name]


class _Distribution(types.SimpleNamespace):
    """A distribution's functions (norm.logpdf(x, loc, scale)); called with its parameters, the frozen distribution,
    as SciPy's: norm(0.0, 2.0).logpdf(x) is norm.logpdf(x, 0.0, 2.0) (was "'SimpleNamespace' object is not
    callable").

    >>> round(float(norm(1.0, 2.0).logpdf(1.0)), 6) == round(float(norm.logpdf(1.0, 1.0, 2.0)), 6)
    True
    """

    def __call__(self, *args, **kwargs):
        return _Frozen(self, args, kwargs)


class _Frozen:
    """A distribution with its parameters fixed: each method takes x (k for pmf) first, as SciPy's frozen ones;
    entropy and rvs take none."""

    def __init__(self, dist, args, kwargs):
        self._dist, self._args, self._kwargs = dist, args, kwargs

    def __getattr__(self, method):
        fn = getattr(self._dist, method)
        args, kwargs = self._args, self._kwargs
        if method in ("entropy", "rvs"):
            return lambda *more, **kw: fn(*args, *more, **{**kwargs, **kw})
        return lambda x, **kw: fn(x, *args, **{**kwargs, **kw})


def _rvs(dist):
    """SciPy's sampler of `dist` (random draws carry no derivative), SciPy imported when called."""

    def rvs(*args, **kwargs):
        from ..ops.special import scipy_special

        scipy_special()  # the one-line ImportError naming the extra, without SciPy
        import scipy.stats

        return getattr(scipy.stats, dist).rvs(*args, **kwargs)

    return rvs


def _norm_logpdf(x, loc=0.0, scale=1.0):
    """log of the normal density at x; broadcasts x, loc and scale.

    >>> round(float(_norm_logpdf(0.0)), 12)
    -0.918938533205
    """
    z = (x - loc) / scale
    return -0.5 * z * z - 0.5 * _LOG_2PI - _dnp.log(scale)


def _norm_pdf(x, loc=0.0, scale=1.0):
    return _dnp.exp(_norm_logpdf(x, loc, scale))


def _norm_cdf(x, loc=0.0, scale=1.0):
    return _op("ndtr")((x - loc) / scale)


def _norm_logcdf(x, loc=0.0, scale=1.0):
    return _op("log_ndtr")((x - loc) / scale)


def _norm_sf(x, loc=0.0, scale=1.0):
    return _op("ndtr")((loc - x) / scale)


def _norm_logsf(x, loc=0.0, scale=1.0):
    return _op("log_ndtr")((loc - x) / scale)


def _norm_ppf(q, loc=0.0, scale=1.0):
    return loc + scale * _op("ndtri")(q)


def _norm_entropy(loc=0.0, scale=1.0):
    return 0.5 * (1.0 + _LOG_2PI) + _dnp.log(scale) + 0.0 * loc


norm = _Distribution(
    rvs=_rvs("norm"),
    pdf=_norm_pdf,
    logpdf=_norm_logpdf,
    cdf=_norm_cdf,
    logcdf=_norm_logcdf,
    sf=_norm_sf,
    logsf=_norm_logsf,
    ppf=_norm_ppf,
    entropy=_norm_entropy,
)


# -- Student's t ---------------------------------------------------------------------------------


def _t_logpdf(x, df, loc=0.0, scale=1.0):
    """log of Student's t density with `df` degrees of freedom; broadcasts all arguments.

    >>> round(float(_t_logpdf(0.0, 1.0)), 12)  # Cauchy: log(1/π)
    -1.144729885849
    """
    z = (x - loc) / scale
    gammaln = _op("gammaln")
    return (
        gammaln((df + 1.0) / 2.0)
        - gammaln(df / 2.0)
        - 0.5 * _dnp.log(df * math.pi)
        - _dnp.log(scale)
        - (df + 1.0) / 2.0 * _dnp.log1p(z * z / df)
    )


def _t_pdf(x, df, loc=0.0, scale=1.0):
    return _dnp.exp(_t_logpdf(x, df, loc, scale))


def _t_tail(z, df):
    """P(T < -|z|) = I_{df/(df+z²)}(df/2, 1/2)/2."""
    return 0.5 * _op("betainc")(df / 2.0, 0.5, df / (df + z * z))


def _t_cdf(x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    tail = _t_tail(z, df)
    return _dnp.where(_dnp.less(z, 0.0), tail, 1.0 - tail)


def _t_sf(x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    tail = _t_tail(z, df)
    return _dnp.where(_dnp.less(z, 0.0), 1.0 - tail, tail)


def _t_logcdf(x, df, loc=0.0, scale=1.0):
    return _dnp.log(_t_cdf(x, df, loc, scale))


def _t_logsf(x, df, loc=0.0, scale=1.0):
    return _dnp.log(_t_sf(x, df, loc, scale))


def _t_entropy(df, loc=0.0, scale=1.0):
    psi, betaln = _op("psi"), _op("betaln")
    half = (df + 1.0) / 2.0
    return half * (psi(half) - psi(df / 2.0)) + 0.5 * _dnp.log(df) + betaln(df / 2.0, 0.5) + _dnp.log(scale) + 0.0 * loc


t = _Distribution(
    rvs=_rvs("t"),
    pdf=_t_pdf,
    logpdf=_t_logpdf,
    cdf=_t_cdf,
    logcdf=_t_logcdf,
    sf=_t_sf,
    logsf=_t_logsf,
    entropy=_t_entropy,
)


# -- gamma and chi2 ------------------------------------------------------------------------------


def _gamma_logpdf(x, a, loc=0.0, scale=1.0):
    """log of the gamma density with shape `a`; broadcasts all arguments.

    >>> round(float(_gamma_logpdf(1.0, 1.0)), 12)  # exponential: -x
    -1.0
    """
    z = (x - loc) / scale
    return (a - 1.0) * _dnp.log(z) - z - _op("gammaln")(a) - _dnp.log(scale)


def _gamma_pdf(x, a, loc=0.0, scale=1.0):
    return _dnp.exp(_gamma_logpdf(x, a, loc, scale))


def _gamma_cdf(x, a, loc=0.0, scale=1.0):
    return _op("gammainc")(a, (x - loc) / scale)


def _gamma_sf(x, a, loc=0.0, scale=1.0):
    return _op("gammaincc")(a, (x - loc) / scale)


def _gamma_entropy(a, loc=0.0, scale=1.0):
    return a + _op("gammaln")(a) + (1.0 - a) * _op("psi")(a) + _dnp.log(scale) + 0.0 * loc


gamma = _Distribution(
    rvs=_rvs("gamma"),
    pdf=_gamma_pdf,
    logpdf=_gamma_logpdf,
    cdf=_gamma_cdf,
    logcdf=lambda x, a, loc=0.0, scale=1.0: _dnp.log(_gamma_cdf(x, a, loc, scale)),
    sf=_gamma_sf,
    logsf=lambda x, a, loc=0.0, scale=1.0: _dnp.log(_gamma_sf(x, a, loc, scale)),
    entropy=_gamma_entropy,
)
chi2 = _Distribution(
    rvs=_rvs("chi2"),
    pdf=lambda x, df, loc=0.0, scale=1.0: _gamma_pdf(x, df / 2.0, loc, 2.0 * scale),
    logpdf=lambda x, df, loc=0.0, scale=1.0: _gamma_logpdf(x, df / 2.0, loc, 2.0 * scale),
    cdf=lambda x, df, loc=0.0, scale=1.0: _gamma_cdf(x, df / 2.0, loc, 2.0 * scale),
    logcdf=lambda x, df, loc=0.0, scale=1.0: _dnp.log(_gamma_cdf(x, df / 2.0, loc, 2.0 * scale)),
    sf=lambda x, df, loc=0.0, scale=1.0: _gamma_sf(x, df / 2.0, loc, 2.0 * scale),
    logsf=lambda x, df, loc=0.0, scale=1.0: _dnp.log(_gamma_sf(x, df / 2.0, loc, 2.0 * scale)),
    entropy=lambda df, loc=0.0, scale=1.0: _gamma_entropy(df / 2.0, loc, 2.0 * scale),
)


# -- beta ----------------------------------------------------------------------------------------


def _beta_logpdf(x, a, b, loc=0.0, scale=1.0):
    """log of the beta density on (loc, loc + scale); broadcasts all arguments.

    >>> round(float(_beta_logpdf(0.5, 2.0, 2.0)), 12)  # 6·x(1-x) = 1.5
    0.405465108108
    """
    z = (x - loc) / scale
    return (a - 1.0) * _dnp.log(z) + (b - 1.0) * _dnp.log1p(-z) - _op("betaln")(a, b) - _dnp.log(scale)


def _beta_cdf(x, a, b, loc=0.0, scale=1.0):
    return _op("betainc")(a, b, (x - loc) / scale)


def _beta_sf(x, a, b, loc=0.0, scale=1.0):
    return 1.0 - _beta_cdf(x, a, b, loc, scale)


beta = _Distribution(
    rvs=_rvs("beta"),
    pdf=lambda x, a, b, loc=0.0, scale=1.0: _dnp.exp(_beta_logpdf(x, a, b, loc, scale)),
    logpdf=_beta_logpdf,
    cdf=_beta_cdf,
    logcdf=lambda x, a, b, loc=0.0, scale=1.0: _dnp.log(_beta_cdf(x, a, b, loc, scale)),
    sf=_beta_sf,
    logsf=lambda x, a, b, loc=0.0, scale=1.0: _dnp.log(_beta_sf(x, a, b, loc, scale)),
)


# -- poisson -------------------------------------------------------------------------------------


def _poisson_logpmf(k, mu, loc=0.0):
    """log P(K = k) for a Poisson(mu) count; -inf off the non-negative integers. Broadcasts.

    >>> round(float(_poisson_logpmf(0.0, 2.0)), 12)
    -2.0
    """
    k = k - loc
    # k·log(mu) is 0 at k = 0 (also where mu is 0): xlogy
    term = _dnp.where(_dnp.equal(k, 0.0), 0.0, k * _dnp.log(_dnp.where(_dnp.equal(k, 0.0), 1.0, mu)))
    out = term - mu - _op("gammaln")(k + 1.0)
    counts = _dnp.equal(k, _dnp.floor(k)) & _dnp.greater_equal(k, 0.0)
    return _dnp.where(counts, out, -_np.inf)


def _poisson_cdf(k, mu, loc=0.0):
    k = _dnp.floor(k - loc)
    inside = _dnp.greater_equal(k, 0.0)
    return _dnp.where(inside, _op("gammaincc")(_dnp.where(inside, k, 0.0) + 1.0, mu), 0.0)


poisson = _Distribution(
    rvs=_rvs("poisson"),
    pmf=lambda k, mu, loc=0.0: _dnp.exp(_poisson_logpmf(k, mu, loc)),
    logpmf=_poisson_logpmf,
    cdf=_poisson_cdf,
    logcdf=lambda k, mu, loc=0.0: _dnp.log(_poisson_cdf(k, mu, loc)),
    sf=lambda k, mu, loc=0.0: 1.0 - _poisson_cdf(k, mu, loc),
)


# -- expon, laplace, cauchy, lognorm (location-scale families) -----------------------------------


def _z(x, loc, scale):
    return (x - loc) / scale


def _inside(cond, value, outside, z):
    """value(z) where cond holds, else `outside`: value read at z = 1 elsewhere (no log of 0 in the branch
    not taken, no NaN in its derivative)."""
    safe = _dnp.where(cond, z, 1.0)
    return _dnp.where(cond, value(safe), outside)


def _expon_logpdf(x, loc=0.0, scale=1.0):
    """log of the exponential density, -z - log(scale) for z = (x - loc)/scale ≥ 0, else -inf; broadcasts.

    >>> round(float(_expon_logpdf(2.0, scale=2.0)), 12)  # -1 - log 2
    -1.69314718056
    """
    z = _z(x, loc, scale)
    return _dnp.where(_dnp.greater_equal(z, 0.0), -z, -_np.inf) - _dnp.log(scale)


def _expon_cdf(x, loc=0.0, scale=1.0):
    z = _z(x, loc, scale)
    return _inside(_dnp.greater_equal(z, 0.0), lambda z: -_dnp.expm1(-z), 0.0, z)


def _expon_logcdf(x, loc=0.0, scale=1.0):
    z = _z(x, loc, scale)
    return _inside(_dnp.greater(z, 0.0), lambda z: _dnp.log(-_dnp.expm1(-z)), -_np.inf, z)


def _expon_logsf(x, loc=0.0, scale=1.0):
    z = _z(x, loc, scale)
    return _dnp.where(_dnp.greater_equal(z, 0.0), -z, 0.0)


expon = _Distribution(
    rvs=_rvs("expon"),
    pdf=lambda x, loc=0.0, scale=1.0: _dnp.exp(_expon_logpdf(x, loc, scale)),
    logpdf=_expon_logpdf,
    cdf=_expon_cdf,
    logcdf=_expon_logcdf,
    sf=lambda x, loc=0.0, scale=1.0: _dnp.exp(_expon_logsf(x, loc, scale)),
    logsf=_expon_logsf,
    ppf=lambda q, loc=0.0, scale=1.0: loc - scale * _dnp.log1p(-q),
    entropy=lambda loc=0.0, scale=1.0: 1.0 + _dnp.log(scale) + 0.0 * loc,
)


def _laplace_logpdf(x, loc=0.0, scale=1.0):
    """log of the Laplace density, -|z| - log(2·scale); broadcasts.

    >>> round(float(_laplace_logpdf(0.0)), 12)  # log 1/2
    -0.69314718056
    """
    return -_dnp.abs(_z(x, loc, scale)) - _dnp.log(2.0 * scale)


def _laplace_logcdf(x, loc=0.0, scale=1.0):
    z = _z(x, loc, scale)
    below = _dnp.less(z, 0.0)
    return _dnp.where(below, _dnp.where(below, z, 0.0) - math.log(2.0), _dnp.log1p(-0.5 * _dnp.exp(-_dnp.abs(z))))


laplace = _Distribution(
    rvs=_rvs("laplace"),
    pdf=lambda x, loc=0.0, scale=1.0: _dnp.exp(_laplace_logpdf(x, loc, scale)),
    logpdf=_laplace_logpdf,
    cdf=lambda x, loc=0.0, scale=1.0: _dnp.exp(_laplace_logcdf(x, loc, scale)),
    logcdf=_laplace_logcdf,
    sf=lambda x, loc=0.0, scale=1.0: _dnp.exp(_laplace_logcdf(-x, -loc, scale)),
    logsf=lambda x, loc=0.0, scale=1.0: _laplace_logcdf(-x, -loc, scale),
    entropy=lambda loc=0.0, scale=1.0: 1.0 + math.log(2.0) + _dnp.log(scale) + 0.0 * loc,
)


def _cauchy_logpdf(x, loc=0.0, scale=1.0):
    """log of the Cauchy density, -log(π·scale) - log1p(z²); broadcasts.

    >>> round(float(_cauchy_logpdf(0.0)), 12)  # log 1/π
    -1.144729885849
    """
    z = _z(x, loc, scale)
    return -math.log(math.pi) - _dnp.log(scale) - _dnp.log1p(z * z)


def _cauchy_cdf(x, loc=0.0, scale=1.0):
    return 0.5 + _dnp.arctan(_z(x, loc, scale)) / math.pi


def _cauchy_sf(x, loc=0.0, scale=1.0):
    return 0.5 - _dnp.arctan(_z(x, loc, scale)) / math.pi


cauchy = _Distribution(
    rvs=_rvs("cauchy"),
    pdf=lambda x, loc=0.0, scale=1.0: _dnp.exp(_cauchy_logpdf(x, loc, scale)),
    logpdf=_cauchy_logpdf,
    cdf=_cauchy_cdf,
    logcdf=lambda x, loc=0.0, scale=1.0: _dnp.log(_cauchy_cdf(x, loc, scale)),
    sf=_cauchy_sf,
    logsf=lambda x, loc=0.0, scale=1.0: _dnp.log(_cauchy_sf(x, loc, scale)),
    ppf=lambda q, loc=0.0, scale=1.0: loc + scale * _dnp.tan(math.pi * (q - 0.5)),
    entropy=lambda loc=0.0, scale=1.0: math.log(4.0 * math.pi) + _dnp.log(scale) + 0.0 * loc,
)


def _lognorm_logpdf(x, s, loc=0.0, scale=1.0):
    """log of the log-normal density with shape s (the log's standard deviation) at z = (x - loc)/scale > 0,
    -inf at z ≤ 0; broadcasts. Differentiable in x, s, loc and scale.

    >>> round(float(_lognorm_logpdf(1.0, 1.0)), 12)  # the standard normal's at 0
    -0.918938533205
    """
    z = _z(x, loc, scale)

    def inside(z):
        lz = _dnp.log(z)
        return -0.5 * (lz / s) ** 2 - lz - _dnp.log(s) - 0.5 * _LOG_2PI

    return _inside(_dnp.greater(z, 0.0), inside, -_np.inf, z) - _dnp.log(scale)


def _lognorm_tail(x, s, loc, scale, sign, op):
    z = _z(x, loc, scale)
    outside = {("ndtr", 1): 0.0, ("ndtr", -1): 1.0, ("log_ndtr", 1): -_np.inf, ("log_ndtr", -1): 0.0}[(op, sign)]
    return _inside(_dnp.greater(z, 0.0), lambda z: _op(op)(sign * _dnp.log(z) / s), outside, z)


lognorm = _Distribution(
    rvs=_rvs("lognorm"),
    pdf=lambda x, s, loc=0.0, scale=1.0: _dnp.exp(_lognorm_logpdf(x, s, loc, scale)),
    logpdf=_lognorm_logpdf,
    cdf=lambda x, s, loc=0.0, scale=1.0: _lognorm_tail(x, s, loc, scale, 1, "ndtr"),
    logcdf=lambda x, s, loc=0.0, scale=1.0: _lognorm_tail(x, s, loc, scale, 1, "log_ndtr"),
    sf=lambda x, s, loc=0.0, scale=1.0: _lognorm_tail(x, s, loc, scale, -1, "ndtr"),
    logsf=lambda x, s, loc=0.0, scale=1.0: _lognorm_tail(x, s, loc, scale, -1, "log_ndtr"),
    ppf=lambda q, s, loc=0.0, scale=1.0: loc + scale * _dnp.exp(s * _op("ndtri")(q)),
)


# -- binom ---------------------------------------------------------------------------------------


def _binom_logpmf(k, n, p, loc=0.0):
    """log P(K = k) for a Binomial(n, p) count; -inf off 0, 1, ..., n. Broadcasts; differentiable in p
    (n a count: SciPy's too is defined for integers only).

    >>> round(float(_binom_logpmf(1.0, 2.0, 0.5)), 12)  # log 1/2
    -0.69314718056
    """
    k = k - loc
    gammaln = _op("gammaln")
    out = gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0) + _op("xlogy")(k, p) + _op("xlog1py")(n - k, -p)
    counts = _dnp.equal(k, _dnp.floor(k)) & _dnp.greater_equal(k, 0.0) & _dnp.less_equal(k, n)
    return _dnp.where(counts, out, -_np.inf)


def _binom_cdf(k, n, p, loc=0.0):
    """P(K ≤ k) = I_{1-p}(n - k, k + 1) for 0 ≤ k < n (floor of k), 0 below, 1 from n on."""
    k = _dnp.floor(k - loc)
    inside = _dnp.greater_equal(k, 0.0) & _dnp.less(k, n)
    kk = _dnp.where(inside, k, 0.0)
    return _dnp.where(inside, _op("betainc")(n - kk, kk + 1.0, 1.0 - p), _dnp.where(_dnp.less(k, 0.0), 0.0, 1.0))


binom = _Distribution(
    rvs=_rvs("binom"),
    pmf=lambda k, n, p, loc=0.0: _dnp.exp(_binom_logpmf(k, n, p, loc)),
    logpmf=_binom_logpmf,
    cdf=_binom_cdf,
    logcdf=lambda k, n, p, loc=0.0: _dnp.log(_binom_cdf(k, n, p, loc)),
    sf=lambda k, n, p, loc=0.0: 1.0 - _binom_cdf(k, n, p, loc),
)


# -- dirichlet -----------------------------------------------------------------------------------


def _dirichlet_logpdf(x, alpha):
    """log of the Dirichlet density; as SciPy's, the components lie along x's FIRST axis (K or
    K - 1 of them: the last is then 1 minus their sum), `alpha` has K entries.

    >>> round(float(_dirichlet_logpdf(_np.array([0.5, 0.5]), _np.array([1.0, 1.0]))), 12)  # uniform
    0.0
    """
    k = _np.shape(alpha)[0] if _np.ndim(alpha) == 1 else -1
    if k < 2 or _np.ndim(x) < 1 or _np.shape(x)[0] not in (k - 1, k):  # (else NaN and NumPy's warnings, or a number)
        raise ValueError(
            f"dirichlet: alpha must be a vector of K >= 2 concentrations and x hold K or K - 1 components along its "
            f"first axis, as SciPy's; got alpha of shape {_np.shape(alpha)} and x of shape {_np.shape(x)}"
        )
    if not isinstance(alpha, _Traced) and not (_np.asarray(alpha, dtype=float) > 0).all():
        raise ValueError(
            f"dirichlet: every alpha must be > 0 (SciPy refuses it too), got {_np.asarray(alpha).tolist()}"
        )
    if _np.shape(x)[0] == k - 1:
        x = _dnp.concatenate([x, 1.0 - _dnp.sum(x, axis=0, keepdims=True)], axis=0)
    if not isinstance(x, _Traced):  # a point off the simplex is no point of the distribution: SciPy refuses it
        total = _np.sum(_np.asarray(x, dtype=float), axis=0)
        if (_np.abs(total - 1.0) > 1e-9).any() or (_np.asarray(x) < 0).any():
            raise ValueError(
                f"dirichlet: x must lie on the simplex (entries >= 0 summing to 1 along the first axis), as SciPy's; "
                f"its sums are {_np.round(total, 12).tolist()}"
            )
    a = _dnp.reshape(alpha, (k,) + (1,) * (_np.ndim(x) - 1))
    gammaln = _op("gammaln")
    norm_const = _dnp.sum(gammaln(alpha)) - gammaln(_dnp.sum(alpha))
    out = _dnp.sum((a - 1.0) * _dnp.log(x), axis=0) - norm_const
    if isinstance(x, _Traced):  # off the simplex: NaN, the derivative too (was the density's formula there)
        total = _dnp.sum(x, axis=0)
        on = _dnp.logical_and(
            _dnp.less_equal(_dnp.abs(total - 1.0), 1e-9), _dnp.greater_equal(_dnp.min(x, axis=0), 0.0)
        )
        out = out * _dnp.where(on, 1.0, _np.nan)
    return out


def _dirichlet_entropy(alpha):
    gammaln, psi = _op("gammaln"), _op("psi")
    a0, k = _dnp.sum(alpha), _np.shape(alpha)[0]
    log_b = _dnp.sum(gammaln(alpha)) - gammaln(a0)
    return log_b + (a0 - k) * psi(a0) - _dnp.sum((alpha - 1.0) * psi(alpha))


dirichlet = _Distribution(
    rvs=_rvs("dirichlet"),
    pdf=lambda x, alpha: _dnp.exp(_dirichlet_logpdf(x, alpha)),
    logpdf=_dirichlet_logpdf,
    entropy=_dirichlet_entropy,
)


# -- multivariate normal -------------------------------------------------------------------------


def _mvn_parts(cov, allow_singular):
    """(solve(rhs), log pseudo-determinant, rank) of the covariance; a singular one (allowed only
    as a constant, as in autograd) through its pseudo-inverse."""
    if allow_singular:
        if isinstance(cov, _Traced):
            raise NotDifferentiableError(
                "multivariate_normal with allow_singular=True is not differentiable in cov "
                "(autograd refuses it too); pass cov as a constant or allow_singular=False"
            )
        w, v = _np.linalg.eigh(_np.asarray(cov, dtype=float))
        keep = w > w.max() * _np.finfo(float).eps * 1e3 * len(w)
        pinv = (v[:, keep] / w[keep]) @ v[:, keep].T
        return (lambda rhs: _dnp.matmul(pinv, rhs)), float(_np.sum(_np.log(w[keep]))), int(keep.sum())
    logdet = _dnp.linalg.slogdet(cov)[1]
    return (lambda rhs: _dnp.linalg.solve(cov, rhs)), logdet, _np.shape(cov)[0]


def _check_covariance(cov, allow_singular):
    """SciPy's refusal of a covariance that is not positive (semi)definite, with its tolerance: a log-density
    at -I is otherwise a finite number (slogdet's |det| is 1, the quadratic form negative)."""
    cov = _np.asarray(cov, dtype=float)
    if not _np.isfinite(cov).all():  # (eigvalsh of a NaN matrix may be finite: "singular, smallest eigenvalue -0")
        raise ValueError("multivariate_normal: cov contains NaN or inf (SciPy refuses it too)")
    w = _np.linalg.eigvalsh(cov)
    tol = 1e6 * _np.finfo(float).eps * max(abs(w).max(), 0.0)
    if w.min() < -tol:
        raise ValueError(
            f"multivariate_normal: cov must be symmetric positive semidefinite (SciPy reads its lower triangle); "
            f"its smallest eigenvalue is {w.min():.6g}"
        )
    if not allow_singular and w.min() <= tol:
        raise ValueError(
            f"multivariate_normal: cov is singular (smallest eigenvalue {w.min():.6g}); with allow_singular=False "
            "it must be positive definite, as SciPy's (pass allow_singular=True for a degenerate distribution)"
        )


def _positive_definite(cov):
    """1.0 where a traced (symmetric) cov is positive definite, NaN else (a log-density at -I was a finite number, its
    derivative too): Sylvester's test, every leading principal minor's determinant positive, by slogdet's signs
    (piecewise constant, so no derivative flows and numeric's step is not limited, as eigvalsh's gaps limit it). The
    check is equations, so a prepared graph makes it at every call."""
    ok = None
    for k in range(1, _np.shape(cov)[0] + 1):
        positive = _dnp.greater(_dnp.linalg.slogdet(cov[:k, :k])[0], 0.0)
        ok = positive if ok is None else _dnp.logical_and(ok, positive)
    return _dnp.where(ok, 1.0, _np.nan)


def _mvn_logpdf(x, mean=None, cov=1.0, allow_singular=False):
    """log of the multivariate normal density at the rows of x (its last axis: the d components);
    the result drops that axis (a scalar for one point), as SciPy's.

    >>> round(float(_mvn_logpdf(_np.zeros(2), _np.zeros(2), _np.eye(2))), 12)
    -1.837877066409
    """
    d = _np.shape(x)[-1] if _np.ndim(x) else 1
    mean = _np.zeros(d) if mean is None else mean
    cov = cov * _np.eye(d) if _np.ndim(cov) < 2 else cov
    if _np.shape(mean) not in ((), (d,)) or _np.shape(cov) != (d, d):  # (NumPy's broadcast or matmul error, else)
        raise ValueError(
            f"multivariate_normal: x has {d} components (its last axis), so mean must have shape ({d},) and cov "
            f"({d}, {d}); got mean {_np.shape(mean)} and cov {_np.shape(cov)}"
        )
    # SciPy reads cov's lower triangle (eigh(cov, lower=True)): so do the value and the derivative
    cov = _dnp.tril(cov) + _dnp.transpose(_dnp.tril(cov, -1))
    if not isinstance(cov, _Traced):
        _check_covariance(cov, allow_singular)
    solve, logdet, rank = _mvn_parts(cov, allow_singular)  # (a traced cov with allow_singular: refused there)
    if isinstance(cov, _Traced):
        logdet = logdet * _positive_definite(cov)
    dev = _dnp.reshape(x - mean, (-1, d))  # rows: the points
    maha = _dnp.sum(dev * _dnp.transpose(solve(_dnp.transpose(dev))), axis=-1)
    out = -0.5 * (rank * _LOG_2PI + logdet + maha)
    return _dnp.reshape(out, _np.shape(x)[:-1]) if _np.ndim(x) > 1 else _dnp.reshape(out, ())


def _mvn_entropy(mean=None, cov=1.0):
    d = _np.shape(cov)[0] if _np.ndim(cov) else 1
    cov = cov * _np.eye(d) if _np.ndim(cov) < 2 else cov
    cov = _dnp.tril(cov) + _dnp.transpose(_dnp.tril(cov, -1))  # (SciPy's lower triangle, as the log-density)
    logdet = _dnp.linalg.slogdet(cov)[1]  # (at cov = -I its |det| is 1: a number SciPy refuses)
    if isinstance(cov, _Traced):
        logdet = logdet * _positive_definite(cov)
    else:
        _check_covariance(cov, False)
    return 0.5 * (d * (1.0 + _LOG_2PI) + logdet)


multivariate_normal = _Distribution(
    rvs=_rvs("multivariate_normal"),
    pdf=lambda x, mean=None, cov=1.0, allow_singular=False: _dnp.exp(_mvn_logpdf(x, mean, cov, allow_singular)),
    logpdf=_mvn_logpdf,
    entropy=_mvn_entropy,
)

# -- parameters outside their domain: NaN, as SciPy's (its _argcheck) ------------------------------
# A formula read at a parameter SciPy refuses is often a finite number: gamma's pdf at a = -1 is 0 (gammaln(-1) is
# inf), norm's cdf at scale = -1 that of the mirrored distribution, poisson's pmf at k = 0 and mu = -1 is e. SciPy
# answers NaN for each; so does every method here, the derivative too (the result times a factor 1 or NaN).

_PARAMETERS = {  # name: (its domain in words, the test)
    "scale": ("> 0", lambda v: _dnp.greater(v, 0.0)),
    "a": ("> 0", lambda v: _dnp.greater(v, 0.0)),
    "b": ("> 0", lambda v: _dnp.greater(v, 0.0)),
    "df": ("> 0", lambda v: _dnp.greater(v, 0.0)),
    "s": ("> 0", lambda v: _dnp.greater(v, 0.0)),
    "mu": (">= 0", lambda v: _dnp.greater_equal(v, 0.0)),
    "n": ("a whole number >= 0", lambda v: _dnp.logical_and(_dnp.greater_equal(v, 0.0), _dnp.equal(v, _dnp.floor(v)))),
    "p": ("in [0, 1]", lambda v: _dnp.logical_and(_dnp.greater_equal(v, 0.0), _dnp.less_equal(v, 1.0))),
}


def _checked(dist: str, fn):
    """fn with its parameters checked: NaN where one is outside its domain (a DomainWarning naming it when the
    parameter is a plain value; a traced one is checked by an equation, so a prepared graph checks each call)."""
    signature = inspect.signature(fn)
    names = [n for n in signature.parameters if n in _PARAMETERS]

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as err:  # (Python's own message named a lambda or the wrapper, not the method)
            raise TypeError(f"scipy.stats.{dist}.{fn.__name__}{signature}: {err}") from None
        bound.apply_defaults()
        for name, value in bound.arguments.items():  # (NumPy's "ufunc 'subtract' did not contain a loop ...", else)
            if value is None or isinstance(value, (str, bytes, dict, set)):
                raise TypeError(f"scipy.stats.{dist}.{fn.__name__}: {name} is a {type(value).__name__}, not a number")
        factor = None
        for name in names:
            value = bound.arguments[name]
            words, test = _PARAMETERS[name]
            if isinstance(value, _Traced):
                ok = _dnp.where(test(value), 1.0, _np.nan)
            else:
                good = _np.asarray(test(_np.asarray(value, dtype=float)))
                if good.all():
                    continue
                bad = float(_np.ravel(_np.asarray(value, dtype=float))[_np.argmin(_np.ravel(good))])
                warn_user(
                    f"scipy.stats.{dist}.{fn.__name__}: {name} = {bad} is outside its domain ({name} {words}): "
                    "NaN, as SciPy's",
                    DomainWarning,
                )
                ok = _np.where(good, 1.0, _np.nan)
            factor = ok if factor is None else factor * ok
        if factor is None:
            return fn(*args, **kwargs)
        with _np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # (said once, above)
            return fn(*args, **kwargs) * factor

    return checked


def _check_all():
    dists = dict(norm=norm, t=t, gamma=gamma, chi2=chi2, beta=beta, poisson=poisson, expon=expon,
                 laplace=laplace, cauchy=cauchy, lognorm=lognorm, binom=binom)  # fmt: skip
    for dist, namespace in dists.items():
        for method, fn in list(vars(namespace).items()):
            if method != "rvs":
                fn.__name__ = method  # (lambdas: the message names the method)
                setattr(namespace, method, _checked(dist, fn))


_check_all()


def _importable():
    """Each distribution importable as a module of its functions, as autograd's are (`import
    autograd.scipy.stats.multivariate_normal as mvn`, `from autograd.scipy.stats.norm import logpdf` in autograd's
    examples were ModuleNotFoundError with difflab.scipy.stats): `import difflab.scipy.stats.norm as norm` binds the
    distribution itself, `from difflab.scipy.stats.norm import logpdf` its function."""
    for name, dist in list(globals().items()):
        if isinstance(dist, _Distribution):
            module = types.ModuleType(f"{__name__}.{name}", f"scipy.stats.{name}'s functions on traced values")
            vars(module).update(vars(dist))
            sys.modules.setdefault(module.__name__, module)


_importable()

__all__ = [
    "norm",
    "t",
    "gamma",
    "chi2",
    "beta",
    "expon",
    "laplace",
    "cauchy",
    "lognorm",
    "poisson",
    "binom",
    "dirichlet",
    "multivariate_normal",
]
