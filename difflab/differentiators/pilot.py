"""The central difference's default step from a pilot (issue 17 §3): three spare evaluations of f along one
fixed random direction, which size f's third derivative, the truncation term the default step guesses.

Why. The default relative step eps^(1/3) balances round-off eps·|f|/h against truncation h²·|f‴|/6 as if
|f‴| ≈ |f|; the best step is (3 eps |f| / |f‴|)^(1/3). From 16 components, 2.25 evaluations per component
(f(x) included) leave three spare, enough for a one-sided third difference along a direction u:
(f(x + 2a u) − 3 f(x + a u) + 3 f(x) − f(x − a u)) / a³ = f‴[u, u, u] + O(a). Along a random ±1 direction
(scaled by max(1, |x_i|), as the steps are) f‴[u, u, u] is a random sum of the components' third derivatives,
so |f‴[u, u, u]|/√n sizes their root mean square. One direction can mislead (a sum that happens to cancel, one
component dominating), so the pilot is trusted halfway, the step being the geometric mean of the default's and the
pilot's, and within ½× … 1.5× of the default (`PILOT_UP`, `PILOT_DOWN`). Measured (step19, expected error over
jittered points: bench/numeric_steps.py's n ≥ 16 cases and 36 with equal f‴, six sign patterns): the worst loss
against the fixed step stayed under 2× for every pattern (with 4× either way it reached 2–8×, by pattern) while
~85 of ~120 cases gained > 10 %. Below 16 components there is no spare evaluation: the step is unchanged.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..errors import holding_domain_warnings
from . import scales

__all__ = ["PILOT_FROM", "PILOT_UP", "PILOT_DOWN", "pilot_factor"]

#: components from which the pilot's 3 evaluations fit 2.25 evaluations per component, f(x) included
PILOT_FROM = 16
#: the pilot's relative step: a third difference's round-off eps·|f|/a³ against its O(a) truncation
EPS = float(np.finfo(float).eps)
PILOT_STEP = EPS**0.2
#: how far the pilot may move the default step: a step too large costs its square in truncation, one too small
#: only its ratio in round-off, and one direction's f‴ can cancel (then the largest step is taken)
PILOT_UP, PILOT_DOWN = 1.5, 2.0


@functools.lru_cache(maxsize=64)
def _moves(n: int, lead: int) -> np.ndarray:
    """The pilot's moves per unit of max(1, |x_i|), (lead + 3, n): `lead` zero rows (f(x) folded in, `chunked`), then
    a·s, −a·s, 2a·s for a fixed random ±1 direction s per size (the same gradient at every call), Σ s ≠ 0."""
    signs = np.random.default_rng(n).choice([-1.0, 1.0], n)
    if signs.sum() == 0:  # balanced signs cancel exactly where the components' f‴ are equal (Σ x³, g(Σ x))
        signs[0] = -signs[0]
    moves = np.concatenate([np.zeros((lead, n)), np.outer([PILOT_STEP, -PILOT_STEP, 2.0 * PILOT_STEP], signs)])
    moves.flags.writeable = False
    return moves


def pilot_factor(fun, x, f0, base: float) -> float:
    """The factor (1/PILOT_DOWN … PILOT_UP) on the central difference's default relative step `base` from
    f at x + a·u, x − a·u, x + 2a·u (u: `_moves`' signs scaled by max(1, |x_i|)), through `fun(x, D)` as `_products`
    calls it (its first run folds f(x) in while `fun.lead` is 1; with a Watch, its moves must stay within the
    reach allowed at a). 1.0 where the pilot says nothing usable: a value not finite, an op's argument moved too
    far for its length scale, f(x) = 0 with no third derivative. Its DomainWarnings are not said: no value of
    the pilot's is kept."""
    n, a = len(x), PILOT_STEP
    with holding_domain_warnings():
        out = fun(x, _moves(n, getattr(fun, "lead", 0)) * np.maximum(1.0, np.abs(x)))
    watch = getattr(fun, "watch", None)
    F, cols = out if watch else (out, None)
    # an op's argument moved further than the reach allowed at a: no pilot. `near` alone (conservative), not
    # `reach`, which keeps the largest rounding it has seen for the stencil's own decisions (`Watch.reach`)
    if watch and not fun.near(cols, scales.limit_of(a)):  # (limit_of looked up here: numeric_scales.py's guard off)
        return 1.0
    f0 = np.ravel(fun.f0 if f0 is None else f0)
    if F.dtype.kind != "f" or f0.dtype.kind != "f":  # (a complex output: its step stays the default)
        return 1.0
    up, down, up2 = (F[:, 0] - f0[0]).tolist()  # differences from f(x): equal values cancel
    third, noise = abs(up2 - 3.0 * up - down) / a**3 / math.sqrt(n), 3.0 * EPS * abs(float(f0[0]))
    if not (math.isfinite(third) and math.isfinite(noise) and noise > 0.0):
        return 1.0
    if third == 0.0:  # no third derivative along u: the largest step allowed
        return PILOT_UP
    factor = math.sqrt((noise / third) ** (1 / 3) / base)
    return min(max(factor, 1 / PILOT_DOWN), PILOT_UP)
