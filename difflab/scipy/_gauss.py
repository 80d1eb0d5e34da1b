"""Gauss quadrature rules with continuous parameters on traced values: roots_jacobi, roots_genlaguerre,
roots_gegenbauer and roots_sh_jacobi, their nodes and weights differentiable in the parameters (to any order).

How it works: a rule's nodes are the eigenvalues of its Jacobi matrix J (the three-term recurrence's coefficients
aₖ on the diagonal, bₖ beside it: SciPy's own an_func and bn_func), built from the traced parameters and handed to
the registry's eigvalsh, then polished by one Newton step on the orthonormal p̂ₙ (as SciPy polishes on Pₙ); each
weight is μ₀/Σₖ₍ₖ₌₀..ₙ₋₁₎ p̂ₖ(xᵢ)², the Christoffel number, a sum of squares that keeps its relative digits (where
Golub–Welsch's μ₀·v₀ᵢ² keeps only absolute ones). Each is an identity in the parameters, so its derivatives are
the nodes' and weights' own: p̂ₙ(xᵢ(α); α) ≡ 0, the Newton step's correction is zero to all orders. For
J = [[α + 1, 1], [1, α + 3]] (genlaguerre, n = 2) the nodes are α + 2 ∓ √(α + 2), their slopes 1 ∓ 1/(2√(α + 2)).
Untraced parameters get SciPy's own values; traced ones these, within 1e-13 relative of SciPy's (tests say where).
"""

from __future__ import annotations

import math


from .. import numpy as _dnp
from ..errors import NotDifferentiableError
from ..graph import Traced as _Traced
from ..ops import REGISTRY as _REGISTRY


def _rule(n, diag, off, mu0, mu):
    """Nodes and weights of the rule with recurrence coefficients diag(k) = aₖ, off(k) = bₖ (k ≥ 1), mass μ₀."""
    a = [diag(k) + 0.0 for k in range(n)]
    b = [None] + [off(k) + 0.0 for k in range(1, n + 1)]
    if n == 1:
        x = _dnp.reshape(a[0], (1,))
    else:
        o = _dnp.stack(b[1:n])
        x = _dnp.linalg.eigvalsh(_dnp.diag(_dnp.stack(a)) + _dnp.diag(o, 1) + _dnp.diag(o, -1))
    p, dp, _ = _orthonormal(n, a, b, x)
    x = x - p / dp  # (Newton's step: p̂ₙ(x(α); α) is 0 for every α, so the step changes no derivative)
    _, _, total = _orthonormal(n, a, b, x)
    w = mu0 / total
    return (x, w, mu0) if mu else (x, w)


def _orthonormal(n, a, b, x):
    """p̂ₙ(x), p̂ₙ′(x) and Σₖ₍ₖ₌₀..ₙ₋₁₎ p̂ₖ(x)² by bₖ₊₁p̂ₖ₊₁ = (x - aₖ)p̂ₖ - bₖp̂ₖ₋₁, p̂₀ = 1."""
    p_prev, p, dp_prev, dp, total = 0.0, 1.0 + 0.0 * x, 0.0, 0.0 * x, 1.0
    for k in range(n):
        back = b[k] if k else 0.0
        p_prev, p, dp_prev, dp = (
            p,
            ((x - a[k]) * p - back * p_prev) / b[k + 1],
            dp,
            (p + (x - a[k]) * dp - back * dp_prev) / b[k + 1],
        )
        if k < n - 1:
            total = total + p * p
    return p, dp, total


def _order(name, n, *params):
    """n, a plain positive integer (refused traced, by name), and whether any parameter is traced."""
    if isinstance(n, _Traced):
        raise NotDifferentiableError(
            f"scipy.special.{name}(n, ...) is not differentiable in n, the number of nodes: pass it as a plain integer"
        )
    if n < 1 or n != int(n):
        raise ValueError(f"scipy.special.{name}: n must be a positive integer, got {n!r}")
    return int(n), any(isinstance(p, _Traced) for p in params)


def _scipy(name):
    from ..ops.special import scipy_special

    return getattr(scipy_special(), name)


def roots_jacobi(n, alpha, beta, mu=False):
    """Gauss-Jacobi nodes and weights for the weight (1 - x)^α (1 + x)^β on [-1, 1], as `scipy.special.roots_jacobi`,
    differentiable in α and β (α, β > -1); n a plain positive integer.

    Shape contract: two arrays of shape (n,) (and μ₀ = Σ w, a scalar, with `mu`).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda a: roots_jacobi(1, a, 0.0)[0][0])(0.0)), 12)  # x = (β - α)/(α + β + 2)
    -0.5
    """
    m, traced = _order("roots_jacobi", n, alpha, beta)
    if not traced:
        return _scipy("roots_jacobi")(n, alpha, beta, mu)
    if alpha <= -1 or beta <= -1:
        raise ValueError("scipy.special.roots_jacobi: alpha and beta must be greater than -1.")
    s = alpha + beta
    mu0 = 2.0 ** (s + 1.0) * _dnp.exp(_REGISTRY["betaln"](alpha + 1.0, beta + 1.0))

    def diag(k):
        return (beta - alpha) / (s + 2.0) if k == 0 else (beta - alpha) * s / ((2.0 * k + s) * (2.0 * k + s + 2.0))

    def off(k):
        first = 2.0 / (2.0 * k + s) * ((k + alpha) * (k + beta) / (2.0 * k + s + 1.0)) ** 0.5
        return first if k == 1 else first * (k * (k + s) / (2.0 * k + s - 1.0)) ** 0.5

    return _rule(m, diag, off, mu0, mu)


def roots_sh_jacobi(n, p1, q1, mu=False):
    """Gauss nodes and weights for the shifted Jacobi weight (1 - x)^(p - q) x^(q - 1) on [0, 1], as
    `scipy.special.roots_sh_jacobi`, differentiable in p and q (p - q > -1, q > 0); n a plain positive integer.

    Shape contract: two arrays of shape (n,) (and μ₀, a scalar, with `mu`).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda q: roots_sh_jacobi(1, 2.0, q)[0][0])(1.0)), 12)  # x = q/(p + 1)
    0.333333333333
    """
    _, traced = _order("roots_sh_jacobi", n, p1, q1)
    if not traced:
        return _scipy("roots_sh_jacobi")(n, p1, q1, mu)
    if (p1 - q1) <= -1 or q1 <= 0:
        raise ValueError(
            "scipy.special.roots_sh_jacobi: (p - q) must be greater than -1, and q must be greater than 0."
        )
    x, w, m = roots_jacobi(n, p1 - q1, q1 - 1.0, True)
    scale = 2.0**p1
    return ((x + 1.0) / 2.0, w / scale, m / scale) if mu else ((x + 1.0) / 2.0, w / scale)


def roots_genlaguerre(n, alpha, mu=False):
    """Gauss-Laguerre nodes and weights for the weight x^α e^(-x) on [0, ∞), as `scipy.special.roots_genlaguerre`,
    differentiable in α (α > -1); n a plain positive integer.

    Shape contract: two arrays of shape (n,) (and μ₀ = Γ(α + 1), a scalar, with `mu`).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda a: roots_genlaguerre(2, a)[0][0])(0.0)), 12)  # 1 - 1/(2√(α + 2))
    0.646446609407
    """
    m, traced = _order("roots_genlaguerre", n, alpha)
    if not traced:
        return _scipy("roots_genlaguerre")(n, alpha, mu)
    if alpha <= -1:
        raise ValueError("scipy.special.roots_genlaguerre: alpha must be greater than -1.")
    mu0 = _dnp.exp(_REGISTRY["gammaln"](alpha + 1.0))
    return _rule(m, lambda k: 2.0 * k + alpha + 1.0, lambda k: (k * (k + alpha)) ** 0.5, mu0, mu)


def roots_gegenbauer(n, alpha, mu=False):
    """Gauss-Gegenbauer nodes and weights for the weight (1 - x²)^(α - 1/2) on [-1, 1], as
    `scipy.special.roots_gegenbauer`, differentiable in α (α > -1/2; at α = 0 Chebyshev's first kind, the limit, as
    SciPy's); n a plain positive integer. μ₀ = √π·Γ(α + 1/2)/Γ(α + 1) exactly (SciPy's, beyond α = 170, a six-digit
    series).

    Shape contract: two arrays of shape (n,) (and μ₀, a scalar, with `mu`).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda a: roots_gegenbauer(2, a)[0][1])(1.0)), 12)  # x = 1/√(2(α + 1))
    -0.125
    """
    m, traced = _order("roots_gegenbauer", n, alpha)
    if not traced:
        return _scipy("roots_gegenbauer")(n, alpha, mu)
    if alpha <= -0.5:
        raise ValueError("scipy.special.roots_gegenbauer: alpha must be greater than -0.5.")
    gammaln = _REGISTRY["gammaln"]
    mu0 = math.sqrt(math.pi) * _dnp.exp(gammaln(alpha + 0.5) - gammaln(alpha + 1.0))

    def off(k):  # (k = 1's 2α/(4α(α + 1)) cancelled: α = 0 is Chebyshev's limit)
        if k == 1:
            return (0.5 / (alpha + 1.0)) ** 0.5
        return (k * (k + 2.0 * alpha - 1.0) / (4.0 * (k + alpha) * (k + alpha - 1.0))) ** 0.5

    return _rule(m, lambda k: 0.0 * alpha, off, mu0, mu)
