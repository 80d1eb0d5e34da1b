"""The central difference's default step from a pilot (issue 17 §3): the evaluations that 2.25 per component
leave spare probe a few axes, whose third derivatives f‴_ii, the truncation term, size the step of the others.

Why. Component i's central difference errs by h²|f‴_ii|/6 (truncation) plus ~eps·|f|/h (round-off); the
default relative step eps^(1/3) balances them as if |f‴| ≈ |f|, the best step being (3 eps |f| / |f‴_ii|)^(1/3).
2.25 evaluations per component, f(x) included, leave floor(n/4) − 1 beyond f(x) and the 2n stencil points: one
from n = 8. Each probes one axis i (a fixed random choice per size): its stencil pair becomes x − a e_i, x + a e_i,
x + 2a e_i (a = eps^(1/4)·max(1, |x_i|)), one point more, and with f(x) these 4 points on the axis give
f‴_ii = (f(x + 2a) − 3 f(x + a) + 3 f(x) − f(x − a)) / a³ + O(a) (round-off ~8 eps|f|/a³: ~1e-3·|f|) and the
component's own derivative, third order: (−f(x − a)/3 − f(x)/2 + f(x + a) − f(x + 2a)/6) / a, error
a³|f⁗|/12 + 2 eps|f|/a ~ eps^(3/4), below the central difference's eps^(2/3). The largest probed f‴_ii (the
measure is a gradient's largest error) sizes the other components' step, trusted halfway: the geometric mean of
the default's and (3 eps |f(x)| / f‴)^(1/3), within ½× … 1.5×, or ½× … 2.5× from 3 probed axes (`pilot_up`,
`PILOT_DOWN`: the unprobed axes' f‴ may be larger or smaller, the less likely the more axes were probed). Unlike one
random direction (step19's pilot: f‴[u, u, u], whose mixed terms cancel or mislead), an axis measures exactly the
error model's term. Measured (bench/numeric_steps.py, expected error
÷ the best fixed step's, 256 jittered points of bench/numeric.py's cells): Rosenbrock n = 16 1.83× → 1.10×,
log Σ exp n = 16 1.80× → 1.73×; over its 228 cases median 1.54× → 1.40×. The bound on a larger step was 1.5× at
every size (numstep26); from 3 probed axes (n ≥ 16) it is 2.5× (numstep49): log Σ exp n = 16, whose f‴ ≪ |f| asks for
2.23×, 1.78× → 1.20× over the 256 points, 2.05× → 1.29× on bench/numeric.py's 16. Below 8 components there is no
spare evaluation: the step is unchanged.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from ..errors import holding_domain_warnings
from . import scales

__all__ = ["PILOT_FROM", "PILOT_UP", "PILOT_DOWN", "PROBE_STEP", "Probe", "pilot_up", "probe_axes", "probed_axes"]

#: components from which one probe's extra evaluation fits 2.25 evaluations per component, f(x) included
PILOT_FROM = 8
EPS = float(np.finfo(float).eps)
#: the probes' relative step: the third-order derivative's a³f⁗ against its round-off eps·|f|/a, and a third
#: difference that resolves f‴ down to ~1e-3·|f|
PROBE_STEP = EPS**0.25
#: how far the pilot may move the default step: a step too large costs its square in truncation, one too small
#: only its ratio in round-off, and the unprobed axes' f‴ are not seen (up: from TRUST_FROM probed axes, 1.5× from
#: fewer; `pilot_up`)
PILOT_UP, PILOT_DOWN = 2.5, 2.0
#: probed axes from which a larger step may go up to PILOT_UP: 3, from n = 16
TRUST_FROM = 3


def pilot_up(k: int) -> float:
    """The most the pilot may enlarge the default step after probing k axes: 1.5× from 1 or 2 (n = 8 … 15), PILOT_UP
    from TRUST_FROM (n ≥ 16). The largest of k probed f‴_ii exceeds the median axis' with probability 1 − 2^−k (½
    from one axis, ⅞ from 3): a larger step is trusted more the more axes asked for it. Measured (expected error ÷
    the best fixed step's, 22 families): from 3 axes (n = 16, 20, 24, 132 cases) 2.5× moves the median 1.21× → 1.16×,
    the worst loss against the fixed step 1.30× → 1.46×; from 2 (n = 12, 13, 88 cases) 2× moved the median 1.21× →
    1.19× only, the worst loss 1.61× → 2.38×.

    >>> [pilot_up(k) for k in (1, 2, 3, 7)]
    [1.5, 1.5, 2.5, 2.5]
    """
    return PILOT_UP if k >= TRUST_FROM else 1.5


class Probe(NamedTuple):
    """What the probes found: the factor on the default step, the probed axes, their derivatives (k, m); the
    others (the stencil's components) and their directions (rows of the identity)."""

    factor: float
    axes: np.ndarray
    derivatives: np.ndarray
    rest: np.ndarray
    directions: np.ndarray

    def merged(self, d: np.ndarray) -> np.ndarray:
        """The gradient's rows (n, m): the stencil's d (n − k, m) in the others' rows, the probed axes' in theirs."""
        out = np.empty((len(self.axes) + len(d), d.shape[1]))
        out[self.rest], out[self.axes] = d, self.derivatives
        return out


@functools.lru_cache(maxsize=64)
def probed_axes(n: int) -> tuple:
    """The axes probed at size n: floor(n/4) − 1 of them (the evaluations 2.25 per component leave spare beyond f(x)
    and 2n), a fixed random choice per size (the same gradient at every call), sorted."""
    k = max(0, n // 4 - 1) if n >= PILOT_FROM else 0
    return tuple(sorted(np.random.default_rng(n).permutation(n)[:k].tolist()))


@functools.lru_cache(maxsize=64)
def _layout(n: int):
    """(axes, rest, rest's directions, the probes' moves' (row, column) in D), read-only: made once per size."""
    axes = np.array(probed_axes(n), dtype=np.intp)
    rest = np.setdiff1d(np.arange(n), axes)
    out = (axes, rest, np.eye(n)[rest], np.arange(3 * len(axes)), np.tile(axes, 3))
    for a in out:
        a.flags.writeable = False
    return out


def probe_axes(fun, x, f0, base: float) -> Probe | None:
    """The probes (see the module docstring) through `fun(x, D)` as `_products` calls it (its first run folds f(x)
    in while `fun.lead` is 1; with a Watch, the probes' moves must stay within the reach allowed at a); `base`:
    the central difference's default relative step. None where they say nothing usable (the stencil then runs
    on every axis at the default step): a value not finite or complex, an op's argument moved too far for its
    length scale. Their DomainWarnings are not said: no value of theirs is kept then."""
    n, lead = len(x), getattr(fun, "lead", 0)
    axes, rest, directions, rows, cols = _layout(n)
    k, xa = len(axes), x[axes]
    scale = np.maximum(1.0, np.abs(xa))
    a = (xa + PROBE_STEP * scale) - xa  # (exactly representable: x + a − x == a)
    D = np.zeros((lead + 3 * k, n))
    D[lead + rows, cols] = (_MOVES * a).ravel()  # x + a e_i, x − a e_i, x + 2a e_i
    with holding_domain_warnings():
        out = fun(x, D)
    watch = getattr(fun, "watch", None)
    F, cols_ = out if watch else (out, None)
    # `near` alone (conservative), not `reach`, which keeps the largest rounding it has seen for the stencil's
    # own decisions (`Watch.reach`); limit_of looked up here: numeric_scales.py's guard off
    if watch and not fun.near(cols_, scales.limit_of(PROBE_STEP)):
        return None
    f0 = np.ravel(fun.f0 if f0 is None else f0)
    if F.dtype.kind != "f" or f0.dtype.kind != "f" or not np.isfinite(F).all():
        return None
    F = F - f0  # differences from f(x): equal values cancel
    up, down, up2 = F[:k], F[k : 2 * k], F[2 * k :]  # (k, m) each
    derivatives = (up - down / 3.0 - up2 / 6.0) / a[:, None]  # (f(x)'s weight −½: the weights sum to 0)
    third = float((np.abs(up2 - 3.0 * up - down)[:, 0] / a**3 * scale**3).max())  # f‴ per unit of max(1, |x_i|)
    return Probe(_factor(third, 3.0 * EPS * abs(float(f0[0])), base, k), axes, derivatives, rest, directions)


_MOVES = np.array([[1.0], [-1.0], [2.0]])


def _factor(third: float, noise: float, base: float, k: int) -> float:
    """The factor (1/PILOT_DOWN … pilot_up(k)) on `base` from the largest f‴ of k probed axes and the round-off
    3 eps|f(x)|: 1.0 with no round-off scale (f(x) = 0), pilot_up(k) with no third derivative."""
    if not (math.isfinite(third) and noise > 0.0):
        return 1.0
    if third == 0.0:
        return pilot_up(k)
    return min(max(math.sqrt((noise / third) ** (1 / 3) / base), 1 / PILOT_DOWN), pilot_up(k))
