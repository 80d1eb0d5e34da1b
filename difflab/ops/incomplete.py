"""The derivatives of the regularized incomplete gamma and beta functions in their shape parameters, and of the
noncentral χ², F and t CDFs (their Poisson mixtures) in their degrees of freedom, on NumPy values (the entries
gammainc_da, betainc_da, chndtr_ddf, ... of `special` compute by these; no op is defined here).

Each is the logarithmic derivative of the function's series or continued fraction times SciPy's own value, so no
large exponent is formed (P(1000, 1000) = x^a e^-x/Γ(a + 1)·S: its log is -3.5, its terms ±6900):

- P(a, x) for x < a + 1: x^a e^-x/Γ(a + 1) · Σₖ xᵏ/((a + 1)…(a + k)) (every term positive);
- Q(a, x) for x ≥ a + 1: x^a e^-x/Γ(a) · 1/(x + 1 - a - 1(1 - a)/(x + 3 - a - 2(2 - a)/(x + 5 - a - …)));
- I_x(a, b) for x < (a + 1)/(a + b + 2): x^a (1 - x)^b/(a B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …))) (the continued
  fraction of Numerical Recipes' betacf), and 1 - I_{1-x}(b, a) above (SciPy's betaincc gives that value); with a
  shape below 1 the other side where the side taken is above 0.9 (the slopes are then O(1 - it): its log-derivatives
  would cancel).

The series and fractions run on second-order jets in (a, b) (value, ∂a, ∂b, ∂a², ∂a∂b, ∂b²: truncated Taylor
polynomials): the fractions evaluated backward (`_fraction`: their terms formed for many n at once, the steps on
floats or arrays), the series' terms by cumulative products and sums of their factors' logarithmic derivatives
(`_gamma_series`); all elements' series or fraction is one loop, until every element has converged; the answers are
kept for the last few points (`_per_point`). The prefactors' log-derivatives log x - ψ(a) cancel near x = a for large
a (6.9 - 6.9 at a = 1000); they are formed as log1p((x - a)/a) - (ψ(a) - log a), the latter by its asymptotic series
from 10.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

_TERMS = 20000  # the most series terms or fraction steps (a = 1e6 near x = a needs ~8√a = 8000)
_TOL = 1e-17  # a term below it (relative to the sum) ends the series; a step changing no component by it, a fraction

# ψ(z) - log z = -1/(2z) - Σ B₂ₖ/(2k z²ᵏ), k ≤ 7: the first left out (3617/8160 z⁻¹⁶) is below 1e-16 of it from z = 10
_ASYMPTOTIC = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def _psi_minus_log(z):
    """ψ(z) - log z (z > 0) without the cancellation of two nearly equal numbers for large z."""
    import scipy.special as sc

    z = np.asarray(z, dtype=float)
    big = z >= 10
    zb = np.where(big, z, 10.0)
    r = 1.0 / (zb * zb)
    s = 0.0
    for c in reversed(_ASYMPTOTIC):
        s = (s + c) * r
    series = -0.5 / zb - s
    zs = np.where(big, 1.0, z)
    return np.where(big, series, sc.psi(zs) - np.log(zs))


def _log_ratio(x, m, d):
    """log(x) - log(m/d) = log(x·d/m) (x, m, d > 0): log1p((x·d - m)/m) where x·d/m is within [1/2, 2] (near x = m/d no
    digit is lost), else log x + log1p((d - m)/m) (log1p(-1 + x/a) kept x/a's absolute error: 1e-13 relative at 1e-3)."""
    r = x * d / m
    near = (r > 0.5) & (r < 2.0)
    return np.where(near, np.log1p(np.where(near, (x * d - m) / m, 0.0)), np.log(x) + np.log1p((d - m) / m))


# A jet is the 6 components (v, ∂a, ∂b, ∂a², ∂a∂b, ∂b²) of a second-order Taylor polynomial in (a, b) (∂a² as such),
# each a number or an array; the formulas are the scalar ones, so an array of elements and each element alone round
# alike. A stack of them is an array (6, m), of K terms (K, 6, m).


def _mul(x, y):
    """The jet of x·y."""
    v, a, b, aa, ab, bb = x
    w, c, d, cc, cd, dd = y
    return (
        v * w,
        a * w + v * c,
        b * w + v * d,
        aa * w + 2 * a * c + v * cc,
        ab * w + a * d + b * c + v * cd,
        bb * w + 2 * b * d + v * dd,
    )


def _div(x, y, plus=None):
    """The jet of x/y (y's value nonzero), plus the jet `plus` if given: x times 1/y's jet, (v, -y_a·v², -y_b·v²,
    (2y_a·y_a·v - y_aa)·v², …), v = 1/y, by `_mul`'s formulas written out (the backward steps' loop: one call a step,
    3.9 µs on floats where the inverse, the product and the sum as three calls took 7.4)."""
    w, c, d, cc, cd, dd = x
    v, a, b, aa, ab, bb = y
    v = 1.0 / v
    i1, i2 = -a * v * v, -b * v * v
    i3, i4, i5 = (2 * a * a * v - aa) * v * v, (2 * a * b * v - ab) * v * v, (2 * b * b * v - bb) * v * v
    q = (
        w * v,
        c * v + w * i1,
        d * v + w * i2,
        cc * v + 2 * c * i1 + w * i3,
        cd * v + c * i2 + d * i1 + w * i4,
        dd * v + 2 * d * i2 + w * i5,
    )
    if plus is None:
        return q
    p0, p1, p2, p3, p4, p5 = plus
    return (p0 + q[0], p1 + q[1], p2 + q[2], p3 + q[3], p4 + q[4], p5 + q[5])


def _logs(jet):
    """(∂a, ∂b, ∂a², ∂a∂b, ∂b²) of log of the jet."""
    v, a, b, aa, ab, bb = jet
    la, lb = a / v, b / v
    return la, lb, aa / v - la * la, ab / v - la * lb, bb / v - lb * lb


def _from_logs(value, logs):
    """(∂a, ∂b, ∂a², ∂a∂b, ∂b²) of a function with this value and log-derivatives."""
    la, lb, laa, lab, lbb = logs
    return value * la, value * lb, value * (laa + la * la), value * (lab + la * lb), value * (lbb + lb * lb)


def _backward(n_max, first, an, bn):
    """b₀ + a₁/(b₁ + a₂/(… + aₙ/bₙ)), n = n_max (`an`[n - 1]: aₙ, `bn`[n - 2]: bₙ, n ≥ 2; `first`: b₀, a₁, b₁)."""
    b0, a1, b1 = first
    tail = bn[n_max - 2]
    for n in range(n_max - 1, 1, -1):
        tail = _div(an[n], tail, bn[n - 2])
    return _div(a1, _div(an[1], tail, b1), b0)


# Up to this many elements the backward steps run on Python floats, one element at a time (a step is one call of 50
# operations on numbers: 4 µs; on arrays each operation costs ~0.5 µs whatever their size: measured, beta_shape on 32
# elements 8.5 ms by floats, 11.7 by arrays; on 64, 10.7 and 8.8)
_SCALAR = 40


def _fraction(first, terms):
    """The continued fraction b₀ + a₁/(b₁ + a₂/(b₂ + …)) as a jet (6, m) (`first`: the jets b₀, a₁, b₁, each (6, m);
    `terms(n)`: the jets aₙ and bₙ for the integers n (K,), two arrays (K, 6, m)), and where it converged. Evaluated
    backward from the N-th term (stable: the forward recurrence's derivatives drift by ε·n, 1e-13 after 1000 steps),
    N doubled from 16 until two agree to 1e-15 in every component (of every element: one N for all, the terms formed
    once for all N, vectorised over n)."""
    an, bn = terms(np.arange(1, 17))  # (row n - 1: aₙ, bₙ; grown as N doubles)
    first = np.asarray(first)
    m = first.shape[-1]
    old, n_max = None, 16
    while True:
        if m <= _SCALAR:  # (each element's own numbers as lists; bn may be one column for all)
            new = np.array(
                [
                    _backward(
                        n_max, first[..., e].tolist(), an[..., e].tolist(), bn[1:, :, min(e, bn.shape[-1] - 1)].tolist()
                    )
                    for e in range(m)
                ]
            ).T.reshape(6, m)
        else:
            new = np.asarray(_backward(n_max, first, an, bn[1:]))
        if old is not None:
            conv = np.all(np.abs(new - old) <= 1e-15 * np.abs(new), axis=0)
            if np.all(conv) or 2 * n_max > _TERMS:
                return new, conv
        old, n_max = new, 2 * n_max
        more = terms(np.arange(n_max // 2 + 1, n_max + 1))
        an, bn = np.concatenate((an, more[0])), np.concatenate((bn, more[1]))


def _linear(c0, ca, cb=0.0):
    """The jet of c0 + ca·a + cb·b (a, b the variables at the arrays' own values: c0 holds them)."""
    z = np.zeros_like(c0)
    return (c0, ca + z, cb + z, z, z, z)


def _terms(*jets):
    """Jets of K terms (each component (K, m)) as arrays (K, 6, m)."""
    return tuple(np.stack(j, axis=1) for j in jets)


def _gamma_series(a, x):
    """Σₖ xᵏ/((a + 1)…(a + k)) (k ≥ 0) as a jet in a (3, m), and where it converged: summed in order up to the first k
    where every element's term is below _TOL of its sum (and past its largest term, x < a + k). Term k is the product
    of the factors x/(a + j), j ≤ k, whose log-derivatives are -1/(a + j) and 1/(a + j)²: its own are their sums S₁,
    S₂, its jet (T, -T·S₁, T·(S₁² + S₂)); the terms are formed a block at a time (cumulative products and sums, each
    continuing the last block's in the same order), the block doubling from 32 (at most 2¹⁸ numbers)."""
    carry = np.array([np.ones_like(a), 0 * a, 0 * a, np.ones_like(a), 0 * a, 0 * a])  # (T, S₁, S₂; the sum's jet)
    k, size = 1, 32
    while True:
        ks = np.arange(k, min(k + size, _TERMS))[:, None]
        inv = 1.0 / (a + ks)
        t = np.multiply.accumulate(np.concatenate((carry[None, 0], x * inv)), axis=0)[1:]
        s1 = np.cumsum(np.concatenate((carry[None, 1], inv)), axis=0)[1:]
        s2 = np.cumsum(np.concatenate((carry[None, 2], inv * inv)), axis=0)[1:]
        terms = np.stack((t, -t * s1, t * (s1 * s1 + s2)), axis=1)
        sums = np.cumsum(np.concatenate((carry[None, 3:], terms)), axis=0)[1:]
        conv = np.all(np.abs(terms) <= _TOL * np.abs(sums), axis=1) & (x < a + ks)  # (each component's own)
        done = np.flatnonzero(np.all(conv, axis=1))
        last = int(done[0]) if done.size else len(ks) - 1
        if done.size or ks[-1, 0] >= _TERMS - 1:
            return sums[last], conv[last]
        carry = np.concatenate(([t[last], s1[last], s2[last]], sums[last]))
        k, size = k + len(ks), min(2 * size, max(8, 2**18 // max(a.size, 1)))


# The last few points' answers: betainc_da and betainc_db (or gammainc_da and _daa) at one point are one computation,
# which the rules and the inverses' Newton steps ask for once per entry (bdtrin's rule: betainc_da, then betainc_db).
# Only arrays of up to _CACHED elements are kept (the key holds their bytes, so a hit is the same numbers exactly);
# each caller gets its own copies.
_CACHED, _KEPT = 4096, 8
_cache: dict = {}
_lock = threading.Lock()


def _per_point(fn):
    """fn over arrays (each broadcast to one shape, as floats), its answers kept for the last _KEPT points."""

    @functools.wraps(fn)
    def cached(*args):
        args = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in args))
        if args[0].size > _CACHED:
            return fn(*args)
        key = (fn.__name__, args[0].shape, *(v.tobytes() for v in args))
        with _lock:
            hit = _cache.get(key)
        if hit is None:
            hit = fn(*args)
            with _lock:
                while len(_cache) >= _KEPT:
                    del _cache[next(iter(_cache))]
                _cache[key] = hit
        return tuple(np.copy(h) for h in hit)

    return cached


@_per_point
def gamma_shape(a, x):
    """(∂a P(a, x), ∂a² P(a, x), converged): NumPy arrays of a's and x's broadcast shape (∂a Q = -∂a P); NaN
    outside a > 0, x > 0 (0 at x = ∞), `converged` False where the series or fraction did not settle in _TERMS terms.

    >>> da, daa, ok = gamma_shape(2.0, 1.5)  # mpmath: -0.3134886378250793, 0.1005891983925436
    >>> round(float(da), 12), round(float(daa), 12), bool(ok)
    (-0.313488637825, 0.100589198393, True)
    """
    import scipy.special as sc

    a, x = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(x, dtype=float))
    good = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    da, daa = np.full(a.shape, np.nan), np.full(a.shape, np.nan)
    da[good & (x == np.inf)] = daa[good & (x == np.inf)] = 0.0
    done = np.ones(a.shape, dtype=bool)
    low = good & (x < a + 1)
    if np.any(low):
        aa, xx = a[low], x[low]
        lx = _log_ratio(xx, aa + 1, 1.0) - _psi_minus_log(aa + 1)  # log x - ψ(a + 1) (not ψ(a) + 1/a: a ≪ 1 cancels)
        (v, a1, a2), conv = _gamma_series(aa, xx)
        la = a1 / v
        laa = a2 / v - la * la
        logs = (lx + la, 0.0, laa - sc.polygamma(1, aa + 1), 0.0, 0.0)
        d = _from_logs(sc.gammainc(aa, xx), logs)
        da[low], daa[low], done[low] = d[0], d[2], conv
    high = good & (x >= a + 1) & (x < np.inf)
    if np.any(high):
        aa, xx = a[high], x[high]
        lx = _log_ratio(xx, aa, 1.0) - _psi_minus_log(aa)  # log x - ψ(a)
        frac, conv = _fraction(
            (_linear(xx + 1 - aa, -1.0), _linear(aa - 1, 1.0), _linear(xx + 3 - aa, -1.0)),
            lambda n: _terms(
                _linear(-n[:, None] * (n[:, None] - aa), n[:, None]),
                _linear(xx + 2 * n[:, None] + 1 - aa, -1.0),
            ),
        )
        la, _, laa, _, _ = _logs(frac)
        logs = (lx - la, 0.0, -laa - sc.polygamma(1, aa), 0.0, 0.0)
        q = sc.gammaincc(aa, xx)
        d = _from_logs(q, logs)
        # For a < 1, Q = a·R (R = x^a e^-x/Γ(a + 1)/fraction): ∂a² Q = Q·(r' + r·(r + 2/a)), r = ∂a log R, not
        # Q·(∂a² log Q + (∂a log Q)²), whose -ψ'(a) and (1/a + r)² cancel to O(1/a) from 1/a² (7e-11 at a = 1e-6)
        r = _log_ratio(xx, aa + 1, 1.0) - _psi_minus_log(aa + 1) - la
        small = q * (-laa - sc.polygamma(1, aa + 1) + r * (r + 2 / aa))
        da[high], daa[high], done[high] = -d[0], -np.where(aa < 1, small, d[2]), conv
    return da, daa, done


def _beta_fraction_terms(n, p, q, x):
    """dₙ of I_x(p, q)'s continued fraction for the integers n (K,), as jets in (p, q) (K, 6, m):
    d₂ₘ₊₁ = -(p + m)(p + q + m)x/((p + 2m)(p + 2m + 1)), d₂ₘ = m(q - m)x/((p + 2m - 1)(p + 2m))."""
    m = (n // 2)[:, None]
    odd = _div(
        tuple(c * -x for c in _mul(_linear(p + m, 1.0), _linear(p + q + m, 1.0, 1.0))),
        _mul(_linear(p + 2 * m, 1.0), _linear(p + 2 * m + 1, 1.0)),
    )
    even = _div(
        tuple(c * x for c in _linear(m * (q - m), 0.0, m)), _mul(_linear(p + 2 * m - 1, 1.0), _linear(p + 2 * m, 1.0))
    )
    return tuple(np.where((n % 2 == 1)[:, None], o, e) for o, e in zip(odd, even))


_ONE = np.array([1.0, 0, 0, 0, 0, 0])[:, None]  # (the jet of 1, for every element)


def _beta_relative(p, q, x, y):
    """(∂p, ∂q, ∂p², ∂p∂q, ∂q²) of I_x(p, q) = x^p y^q/(p B(p, q)) / (1 + d₁/(1 + d₂/…)) divided by I, y = 1 - x (given:
    it is exact where x is not), and where the fraction converged."""
    import scipy.special as sc

    g = _psi_minus_log
    lx = _log_ratio(x, p + 1, p + q) - g(p + 1) + g(p + q)  # log x - ψ(p + 1) + ψ(p + q): ψ(p) + 1/p cancels for p ≪ 1
    ly = _log_ratio(y, q, p + q) - g(q) + g(p + q)
    t = sc.polygamma(1, p + q)
    one = _linear(np.ones_like(p), 0.0)
    # d₁ = -(p + q)x/(p + 1), its p/p cancelled (as a jet quotient by p(p + 1), its ∂p² summed ±6e6 to 0.2 at p = 1e-3)
    d1 = _div(tuple(c * -x for c in _linear(p + q, 1.0, 1.0)), _linear(p + 1, 1.0))
    frac, conv = _fraction(
        (one, d1, one),
        lambda n: (_terms(_beta_fraction_terms(n, p, q, x))[0], np.broadcast_to(_ONE, (len(n), 6, 1))),
    )
    fa, fb, faa, fab, fbb = _logs(frac)
    la, lb = lx - fa, ly - fb
    # 1/B(p, q) = q·Γ(p + q)/(Γ(p)Γ(q + 1)): for q < 1, ∂q² I/I = r' + r·(r + 2/q), r = ∂q log(I/q), not
    # ∂q² log I + (∂q log I)², whose -ψ'(q) and (1/q + r)² cancel to O(1/q) from 1/q² (1e-13 of it at q = 1e-3)
    r = _log_ratio(y, q + 1, p + q) - g(q + 1) + g(p + q) - fb
    qq = np.where(q < 1, t - sc.polygamma(1, q + 1) - fbb + r * (r + 2 / q), t - sc.polygamma(1, q) - fbb + lb * lb)
    pp = t - sc.polygamma(1, p + 1) - faa + la * la  # (1/p² - ψ'(p) = -ψ'(p + 1), uncancelled)
    return (la, lb, pp, t - fab + la * lb, qq), conv


def _beta_side(a, b, x, direct):
    """(∂a, ∂b, ∂a², ∂a∂b, ∂b²) of I_x(a, b) and where converged: from I_x(a, b)'s own fraction (`direct`) or as
    1 - I_{1-x}(b, a), its (b, a)-derivatives negated in the order (a, b) (SciPy's betaincc gives that value)."""
    import scipy.special as sc

    if direct:
        rel, conv = _beta_relative(a, b, x, 1.0 - x)
        value = sc.betainc(a, b, x)
        return [value * d for d in rel], conv
    rel, conv = _beta_relative(b, a, 1.0 - x, x)
    value = sc.betaincc(a, b, x)
    return [-value * rel[k] for k in (1, 0, 4, 3, 2)], conv


@_per_point
def beta_shape(a, b, x):
    """(∂a, ∂b, ∂a², ∂a∂b, ∂b²) of I_x(a, b) and `converged`: NumPy arrays of the arguments' broadcast shape; NaN
    outside a, b > 0, 0 ≤ x ≤ 1 (0 at x = 0 and 1).

    >>> *d, ok = beta_shape(2.0, 3.0, 0.4)
    >>> [round(float(v), 10) for v in d], bool(ok)
    ([-0.2408693761, 0.1563443364, 0.0583966013, 0.0089234077, -0.0357293593], True)
    """
    import scipy.special as sc

    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, x)))
    good = (a > 0) & (b > 0) & (x >= 0) & (x <= 1) & np.isfinite(a) & np.isfinite(b)
    outs = [np.full(a.shape, np.nan) for _ in range(5)]
    edge = good & ((x == 0) | (x == 1))
    for o in outs:
        o[edge] = 0.0
    done = np.ones(a.shape, dtype=bool)
    inner = good & ~edge
    low = inner & (x * (a + b + 2) < a + 1)
    for direct, sel in ((True, low), (False, inner & ~low)):
        if np.any(sel):
            d, conv = _beta_side(a[sel], b[sel], x[sel], direct)
            for o, v in zip(outs, d):
                o[sel] = v
            done[sel] = conv
    # For a shape below 1 the side taken may hold I (or 1 - I) near 1, its slopes in the other shape O(the small one)
    # from log-derivatives of 0.1 that cancel (8e-12 at (3, 1e-4, 0.9)): the other side's fraction, where it converges
    # (above 0.9 only: nearer 1/2 both sides' log-derivatives cancel alike, and the other's fraction is the slower)
    with np.errstate(all="ignore"):
        near_one = np.where(low, sc.betainc(a, b, x), sc.betaincc(a, b, x)) > 0.9
    flip = inner & (np.minimum(a, b) < 1) & near_one
    for direct, sel in ((False, flip & low), (True, flip & ~low)):
        if np.any(sel):
            d, conv = _beta_side(a[sel], b[sel], x[sel], direct)
            for o, v in zip(outs, d):
                o[sel] = np.where(conv, v, o[sel])
    return (*outs, done)


# -- the noncentral CDFs in their degrees of freedom ---------------------------------------------------------------------
# chndtr, ncfdtr and nctdtr are Poisson mixtures of central CDFs (P and I above); their slopes in a degree of freedom are
# the mixtures of the central ones' slopes, summed term by term over j = 0 … j_hi: the weights' log-Poisson formed
# in logarithms (no e^-λ to underflow at λ = 700), the central slopes by gamma_shape and beta_shape on one flat grid of
# every element's terms. The terms of chndtr's and ncfdtr's sums all have one sign (P falls in a, I falls in a and
# rises in b; their densities' parts share the sign): no cancellation. j_hi = top + 12√top + 25, top the terms'
# largest j: λ for the weights (past it they fall faster than e^(-(j - λ)²/(2λ)): e^-72 at 12√λ; at λ ≤ 1 the 25
# leaves λ²⁶/26! < 3e-27), and for χ² in its
# upper tail, where P(a, x/2)'s complement grows with j as the weights fall, √(λx/2) (their product's peak).


def _poisson_grid(lam, top):
    """The flat grid of every element's terms j = 0 … ⌈top + 12√top + 25⌉ (one term where λ = 0): (element, j, each
    element's first row)."""
    hi = np.where(lam > 0, np.ceil(top + 12 * np.sqrt(top) + 25), 0).astype(np.int64)
    counts = hi + 1
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    idx = np.repeat(np.arange(lam.size), counts)
    j = (np.arange(int(counts.sum())) - np.repeat(starts, counts)).astype(float)
    return idx, j, starts


def _log_poisson(j, lam):
    """log(e^-λ λʲ/j!) (0 at j = 0 for λ = 0)."""
    import scipy.special as sc

    return sc.xlogy(j, lam) - lam - sc.gammaln(j + 1)


def _mixture_sums(terms, conv, starts):
    """Each element's sum of its grid rows, and whether all its rows converged."""
    return np.add.reduceat(terms, starts), np.logical_and.reduceat(conv, starts)


@_per_point
def chndtr_df(x, df, nc):
    """(∂df F, ∂df² F, ∂df f, converged) of F = chndtr(x, df, nc) = Σⱼ wⱼ·P(df/2 + j, x/2), wⱼ = e^(-λ) λʲ/j!, λ = nc/2,
    and its density f = ∂x F = ½Σⱼ wⱼ·g(df/2 + j, x/2) (g: the Gamma density): ½Σ wⱼ ∂a P, ¼Σ wⱼ ∂a² P and
    ¼Σ wⱼ g·(log(x/2) - ψ(df/2 + j)); NaN outside df > 0, nc ≥ 0, 0 at x ≤ 0 and x = ∞ (the CDF's 0 and 1).

    >>> d, dd, dx, ok = chndtr_df(2.0, 3.0, 1.5)  # mpmath's diffs: -0.124491869084512, 0.038525716003939, -0.023462…
    >>> round(float(d), 13), round(float(dd), 13), bool(ok)
    (-0.1244918690845, 0.0385257160039, True)
    """
    import scipy.special as sc

    x, df, nc = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, df, nc)))
    good = (df > 0) & (nc >= 0) & np.isfinite(df) & np.isfinite(nc) & ~np.isnan(x)
    outs, done = [np.full(x.shape, np.nan) for _ in range(3)], np.ones(x.shape, dtype=bool)
    for o in outs:
        o[good & ((x <= 0) | (x == np.inf))] = 0.0
    sel = good & (x > 0) & (x < np.inf)
    if np.any(sel):
        lam, half, a0 = nc[sel] / 2, x[sel] / 2, df[sel] / 2
        idx, j, starts = _poisson_grid(lam, np.maximum(lam, np.sqrt(lam * half)))
        log_w, a, s = _log_poisson(j, lam[idx]), a0[idx] + j, half[idx]
        da, daa, conv = gamma_shape(a, s)
        w = np.exp(log_w)
        slope = np.exp(log_w + sc.xlogy(a - 1, s) - s - sc.gammaln(a)) * (np.log(s) - sc.psi(a))
        for o, terms, scale in zip(outs, (da, daa, slope), (0.5, 0.25, 0.25)):
            o[sel] = np.add.reduceat(w * terms if terms is not slope else terms, starts) * scale
        done[sel] = np.logical_and.reduceat(conv | (log_w < -745), starts)
    return (*outs, done)


def _beta_weighted(a, b, y, z, scale):
    """y^a z^b/B(a, b)·scale (z = 1 - y given: exact where 1 - y is not): the beta density at y times y·z·scale."""
    import scipy.special as sc

    return np.exp(sc.xlogy(a, y) + sc.xlogy(b, z) - sc.betaln(a, b)) * scale


def _beta_logs(a, b, y, z):
    """(log y - ψ(a) + ψ(a + b), log z - ψ(b) + ψ(a + b)): the beta density's log-slopes in a and b."""
    import scipy.special as sc

    both = sc.psi(a + b)
    return np.log(y) - sc.psi(a) + both, np.log(z) - sc.psi(b) + both


@_per_point
def ncfdtr_dfs(dfn, dfd, nc, f):
    """(∂dfn, ∂dfd, ∂dfn², ∂dfn∂dfd, ∂dfd², ∂dfn∂nc, ∂dfd∂nc, ∂dfn∂f, ∂dfd∂f of ncfdtr(dfn, dfd, nc, f), converged):
    Σⱼ e^(-λ) λʲ/j!·∂ I_y(dfn/2 + j, dfd/2), λ = nc/2, y = dfn·f/(dfn·f + dfd), each term's ∂ its shape partial (½∂a I,
    ½∂b I) plus its density p times ∂y (y(1 - y)/dfn, -y(1 - y)/dfd); the second order by the chain rule, with p's
    slopes p·(log y - ψ(a) + ψ(a + b)) in a, p·(log(1 - y) - ψ(b) + ψ(a + b)) in b, p·((a - 1)/y - (b - 1)/(1 - y)) in
    y and ∂²y (misc62). The mixed ones (ncfdtr64) are the mixtures of ∂nc F = -½Σⱼ wⱼ·Pⱼ/aⱼ (the weights' slope
    ½(wⱼ₋₁ - wⱼ) summed by parts: I_y(a + 1, b) - I_y(a, b) = -P/a) and ∂f F = Σⱼ wⱼ·Pⱼ/f, Pⱼ = y^aⱼ(1 - y)^b/B(aⱼ, b),
    aⱼ = dfn/2 + j, differentiated in dfn and dfd through aⱼ, b and y. NaN outside dfn, dfd > 0, nc ≥ 0; 0 at f < 0
    and f = ∞, and at f = 0 but for ∂dfn∂f, ∂dfd∂f where dfn ≤ 2 (the density's slope there: NaN, a limit not taken).

    >>> *d, ok = ncfdtr_dfs(3.0, 5.0, 1.5, 2.0)  # mpmath's diffs: 0.01710660572699539, 0.007420321332827489
    >>> round(float(d[5]), 13), round(float(d[8]), 13), bool(ok)
    (0.017106605727, 0.0074203213328, True)
    """
    dfn, dfd, nc, f = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (dfn, dfd, nc, f)))
    good = (dfn > 0) & (dfd > 0) & (nc >= 0) & np.isfinite(dfn) & np.isfinite(dfd) & np.isfinite(nc) & ~np.isnan(f)
    outs, done = [np.full(f.shape, np.nan) for _ in range(9)], np.ones(f.shape, dtype=bool)
    edge = good & ((f <= 0) | (f == np.inf))
    for k, o in enumerate(outs):
        # (the density at f = 0 is 0 for dfn > 2, finite or infinite below: its slopes in dfn, dfd there are not taken)
        o[edge & ((k < 7) | (f != 0) | (dfn > 2))] = 0.0
    sel = good & (f > 0) & (f < np.inf)
    if np.any(sel):
        lam, n, d, ff = nc[sel] / 2, dfn[sel], dfd[sel], f[sel]
        s = n * ff + d
        idx, j, starts = _poisson_grid(lam, lam)
        w = np.exp(_log_poisson(j, lam[idx]))
        a, b, y, z = n[idx] / 2 + j, d[idx] / 2, (n * ff / s)[idx], (d / s)[idx]
        da, db, daa, dab, dbb, conv = beta_shape(a, b, y)
        big_p = _beta_weighted(a, b, y, z, 1.0)  # (p·y·z: p times y(1 - y))
        la, lb = _beta_logs(a, b, y, z)
        ny, nd_ = n[idx], d[idx]
        q = big_p * ((a - 1) * z - (b - 1) * y)  # (p_y·(y z)²)
        g = a * z - b * y  # (y·z·∂y log P: P's slope in dfn through y is P·g/dfn, in dfd -P·g/dfd)
        terms = (
            da / 2 + big_p / ny,
            db / 2 - big_p / nd_,
            daa / 4 + big_p * la / ny + (q - 2 * big_p * y) / ny**2,
            dab / 4 - big_p * la / (2 * nd_) + big_p * lb / (2 * ny) + (big_p * (y - z) - q) / (ny * nd_),
            dbb / 4 - big_p * lb / nd_ + (q + 2 * big_p * z) / nd_**2,
            -big_p / (2 * a) * ((la - 1 / a) / 2 + g / ny),
            -big_p / (2 * a) * (lb / 2 - g / nd_),
            big_p / ff[idx] * (la / 2 + g / ny),
            big_p / ff[idx] * (lb / 2 - g / nd_),
        )
        for k, (o, t) in enumerate(zip(outs, terms)):
            o[sel], ok = _mixture_sums(w * t, conv | (w == 0) if k == 0 else conv, starts)
            if k == 0:
                done[sel] = ok
    return (*outs, done)


@_per_point
def nctdtr_df(df, nc, t):
    """(∂df, ∂df², ∂df∂nc, ∂df∂t of nctdtr(df, nc, t), converged): for t ≥ 0, ½Σⱼ (pⱼ·∂I_y(j + ½, df/2) + qⱼ·∂I_y(j + 1,
    df/2)), y = t²/(t² + df), pⱼ = e^(-h) hʲ/j!, qⱼ = e^(-h) hʲ·nc/(√2·Γ(j + 3/2)), h = nc²/2, each ∂ ½∂b I plus the
    density times ∂y = -y(1 - y)/df (Lenth's series, as mpmath's reference); for t < 0 by F(t) = 1 - F(-t; df, -nc)
    (∂df and ∂df² negated, the mixed ones not); the second order ¼∂b² I + ∂y's terms, as ncfdtr_dfs's (misc62). The
    mixed ones (ncfdtr64): ∂nc of the weights, pⱼ·(2j/nc - nc) and qⱼ·((2j + 1)/nc - nc), times each term's ∂df; and
    ∂df of ∂t F = Σⱼ (pⱼ, qⱼ)·P/t, P = y^a(1 - y)^b/B(a, b) (P/t by y^(a - ½)/√(t² + df): finite at t = 0). NaN outside
    df > 0, finite nc; 0 at t = ±∞.

    >>> *d, ok = nctdtr_df(3.0, 0.8, 1.5)  # mpmath's diff of Lenth's series: 0.01952547688585003
    >>> round(float(d[0]), 13), bool(ok)
    (0.0195254768859, True)
    """
    import scipy.special as sc

    df, nc, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (df, nc, t)))
    good = (df > 0) & np.isfinite(df) & np.isfinite(nc) & ~np.isnan(t)
    outs, done = [np.full(t.shape, np.nan) for _ in range(4)], np.ones(t.shape, dtype=bool)
    for o in outs:
        o[good & np.isinf(t)] = 0.0
    sel = good & np.isfinite(t)
    if np.any(sel):
        sign = np.where(t[sel] < 0, -1.0, 1.0)
        u, mu, v = np.abs(t[sel]), sign * nc[sel], df[sel]
        h = mu * mu / 2
        idx, j, starts = _poisson_grid(h, h)
        log_p = _log_poisson(j, h[idx])
        log_r = log_p - 0.5 * np.log(2.0) + sc.gammaln(j + 1) - sc.gammaln(j + 1.5)  # (qⱼ/nc: finite at nc = 0)
        log_q = log_r + np.log(np.abs(mu[idx]))
        y, z, b = (u * u / (u * u + v))[idx], (v / (u * u + v))[idx], v[idx] / 2
        # (the p and q terms in one call of beta_shape: a = j + ½, then j + 1)
        a, log_w = np.concatenate((j + 0.5, j + 1.0)), np.concatenate((log_p, log_q))
        wsign = np.concatenate((np.ones_like(j), np.sign(mu[idx])))
        root = np.sqrt(u * u + v)[idx]
        b2, y2, z2, v2, m2, root2 = (np.tile(c, 2) for c in (b, y, z, v[idx], mu[idx], root))
        _, db, _, _, dbb, ok = beta_shape(a, b2, y2)
        big_p = _beta_weighted(a, b2, y2, z2, 1.0)  # (p·y·z)
        lb = _beta_logs(a, b2, y2, z2)[1]
        weight, n = wsign * np.exp(log_w), j.size
        # the weights' slopes in nc: -nc·w plus (2j, resp. 2j + 1)·w/nc, w/nc in logarithms (no 0/0 at nc = 0)
        p_over = np.where(j > 0, np.sign(mu[idx]) * np.exp(log_p - np.log(np.where(j > 0, np.abs(mu[idx]), 1.0))), 0.0)
        over = np.concatenate((2 * j * p_over, (2 * j + 1) * np.exp(log_r)))
        by_t = (
            np.exp(sc.xlogy(a - 0.5, y2) + sc.xlogy(b2, z2) - sc.betaln(a, b2)) / root2
        )  # (P/t: y^½/t = 1/√(t² + df))
        first = db / 2 - big_p / v2
        rows = (
            weight * first,
            weight * (dbb / 4 - big_p * lb / v2 + big_p * ((a - 1) * z2 - (b2 - 1) * y2 + 2 * z2) / v2**2),
            (over - m2 * weight) * first,
            2 * weight * by_t * (lb / 2 - (a * z2 - b2 * y2) / v2),
        )
        rows_ok = (ok | (log_w < -745)).reshape(2, n).all(axis=0)
        for k, (o, r) in enumerate(zip(outs, rows)):
            total, oks = _mixture_sums((r[:n] + r[n:]) / 2, rows_ok, starts)
            o[sel] = sign * total if k < 2 else total
        done[sel] = oks
    return (*outs, done)
