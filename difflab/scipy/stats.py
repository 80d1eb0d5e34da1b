"""`scipy.stats` distributions on traced values, as compositions of difflab ops: norm, t, gamma,
beta, chi2, poisson, dirichlet, multivariate_normal, with the methods autograd.scipy.stats has
(pdf/logpdf/cdf/logcdf/sf/logsf/entropy where they apply; poisson's pmf/logpmf/cdf).

Log-densities are written directly (never log of a density), and norm's logcdf/logsf are log_ndtr,
finite deep in the tails (x = -40: -804.6). The CDFs of t, gamma, chi2 and beta go through the
regularized incomplete functions, differentiable in x (and loc/scale) but not in the shape
parameters: differentiating those raises NotDifferentiableError naming them, as autograd does.

>>> round(float(norm.logcdf(-40.0)), 4)
-804.6084
"""

from __future__ import annotations

import math
import types

import numpy as _np

from .. import numpy as _dnp
from ..errors import NotDifferentiableError
from ..graph import Traced as _Traced
from ..ops import REGISTRY as _R

_LOG_2PI = math.log(2.0 * math.pi)


def _op(name):
    return _R[name]


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


norm = types.SimpleNamespace(
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


t = types.SimpleNamespace(
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


gamma = types.SimpleNamespace(
    rvs=_rvs("gamma"),
    pdf=_gamma_pdf,
    logpdf=_gamma_logpdf,
    cdf=_gamma_cdf,
    logcdf=lambda x, a, loc=0.0, scale=1.0: _dnp.log(_gamma_cdf(x, a, loc, scale)),
    sf=_gamma_sf,
    logsf=lambda x, a, loc=0.0, scale=1.0: _dnp.log(_gamma_sf(x, a, loc, scale)),
    entropy=_gamma_entropy,
)
chi2 = types.SimpleNamespace(
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


beta = types.SimpleNamespace(
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


poisson = types.SimpleNamespace(
    rvs=_rvs("poisson"),
    pmf=lambda k, mu, loc=0.0: _dnp.exp(_poisson_logpmf(k, mu, loc)),
    logpmf=_poisson_logpmf,
    cdf=_poisson_cdf,
    logcdf=lambda k, mu, loc=0.0: _dnp.log(_poisson_cdf(k, mu, loc)),
    sf=lambda k, mu, loc=0.0: 1.0 - _poisson_cdf(k, mu, loc),
)


# -- dirichlet -----------------------------------------------------------------------------------


def _dirichlet_logpdf(x, alpha):
    """log of the Dirichlet density; as SciPy's, the components lie along x's FIRST axis (K or
    K - 1 of them: the last is then 1 minus their sum), `alpha` has K entries.

    >>> round(float(_dirichlet_logpdf(_np.array([0.5, 0.5]), _np.array([1.0, 1.0]))), 12)  # uniform
    0.0
    """
    k = _np.shape(alpha)[0]
    if _np.shape(x)[0] == k - 1:
        x = _dnp.concatenate([x, 1.0 - _dnp.sum(x, axis=0, keepdims=True)], axis=0)
    a = _dnp.reshape(alpha, (k,) + (1,) * (_np.ndim(x) - 1))
    gammaln = _op("gammaln")
    norm_const = _dnp.sum(gammaln(alpha)) - gammaln(_dnp.sum(alpha))
    return _dnp.sum((a - 1.0) * _dnp.log(x), axis=0) - norm_const


def _dirichlet_entropy(alpha):
    gammaln, psi = _op("gammaln"), _op("psi")
    a0, k = _dnp.sum(alpha), _np.shape(alpha)[0]
    log_b = _dnp.sum(gammaln(alpha)) - gammaln(a0)
    return log_b + (a0 - k) * psi(a0) - _dnp.sum((alpha - 1.0) * psi(alpha))


dirichlet = types.SimpleNamespace(
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


def _mvn_logpdf(x, mean=None, cov=1.0, allow_singular=False):
    """log of the multivariate normal density at the rows of x (its last axis: the d components);
    the result drops that axis (a scalar for one point), as SciPy's.

    >>> round(float(_mvn_logpdf(_np.zeros(2), _np.zeros(2), _np.eye(2))), 12)
    -1.837877066409
    """
    d = _np.shape(x)[-1] if _np.ndim(x) else 1
    mean = _np.zeros(d) if mean is None else mean
    cov = cov * _np.eye(d) if _np.ndim(cov) < 2 else cov
    solve, logdet, rank = _mvn_parts(cov, allow_singular)
    dev = _dnp.reshape(x - mean, (-1, d))  # rows: the points
    maha = _dnp.sum(dev * _dnp.transpose(solve(_dnp.transpose(dev))), axis=-1)
    out = -0.5 * (rank * _LOG_2PI + logdet + maha)
    return _dnp.reshape(out, _np.shape(x)[:-1]) if _np.ndim(x) > 1 else _dnp.reshape(out, ())


def _mvn_entropy(mean=None, cov=1.0):
    d = _np.shape(cov)[0] if _np.ndim(cov) else 1
    cov = cov * _np.eye(d) if _np.ndim(cov) < 2 else cov
    return 0.5 * (d * (1.0 + _LOG_2PI) + _dnp.linalg.slogdet(cov)[1])


multivariate_normal = types.SimpleNamespace(
    rvs=_rvs("multivariate_normal"),
    pdf=lambda x, mean=None, cov=1.0, allow_singular=False: _dnp.exp(_mvn_logpdf(x, mean, cov, allow_singular)),
    logpdf=_mvn_logpdf,
    entropy=_mvn_entropy,
)

__all__ = ["norm", "t", "gamma", "chi2", "beta", "poisson", "dirichlet", "multivariate_normal"]
