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
2.23×, 1.78× → 1.20× over the 256 points, 2.05× → 1.29× on bench/numeric.py's 16.

From 4 to 7 components (numeric67) 2.25 per component leaves no spare evaluation (at n = 4 the 9 are f(x) and 3
points on each axis, and f‴ needs 4 on a line), and no step rule that reads only x, n and f(x) is within 2× of the
best step on both Rosenbrock and log Σ exp at bench/numeric.py's n = 4 point (the best common step 2.13× over 256
points). So one evaluation more probes one axis, the one of largest |x_i| (`probed_axes`): 2n + 2 evaluations, 2.5
per component at n = 4, 2 + 2/n; below 4 it would be 2.67 (n = 3) and the step is unchanged. Measured (expected
error ÷ the best fixed step's over 256 points, bench/numeric_steps.py): Rosenbrock n = 4 2.03× → 1.10×, log Σ exp
n = 4 2.18× → 1.32×, Σ tanh 1.50× → 1.04×, Σ sin·exp 1.03× → 1.01×; its 48 cases at n = 4 median 1.76× → 1.33×,
> 2× in 31% → 19%. One axis is a sample of one: where f‴ is small along it and large along others the step grows
1.5× too far (Rosenbrock at |x| ≤ 3 whose largest |x_i| is its last coordinate, f‴ ≡ 0 along it: 1.87× → 4.21×;
a saturating term, log cosh 2x at x = 1.38: 1.43× → 2.52×).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from ..errors import holding_domain_warnings
from . import scales

__all__ = [
    "PILOT_FROM",
    "SPARE_FROM",
    "PILOT_UP",
    "PILOT_DOWN",
    "PROBE_STEP",
    "Probe",
    "pilot_up",
    "probe_axes",
    "probe_count",
    "probed_axes",
]

#: components from which one probe's extra evaluation costs at most 2.5 evaluations per component, f(x) included
#: (10 at n = 4: 2n + 1 + 1; at n = 3 it would be 8, 2.67 per component)
PILOT_FROM = 4
#: components from which the probes are the floor(n/4) − 1 evaluations that 2.25 per component leave spare beyond
#: f(x) and 2n (one at n = 8): below it, one probe, the evaluation beyond the stencil (2 + 2/n per component)
SPARE_FROM = 8
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


def probe_count(n: int) -> int:
    """How many axes are probed at size n (each one evaluation beyond f(x) and the 2n stencil points): none below
    PILOT_FROM, one from PILOT_FROM to SPARE_FROM − 1 (2.5 … 2.29 evaluations per component), then floor(n/4) − 1
    (2.25 per component, f(x) included).

    >>> [probe_count(n) for n in (3, 4, 7, 8, 12, 16, 32)]
    [0, 1, 1, 1, 2, 3, 7]
    """
    return 0 if n < PILOT_FROM else 1 if n < SPARE_FROM else n // 4 - 1


def probed_axes(n: int, x=None) -> tuple:
    """The axes probed at size n, sorted: from SPARE_FROM components a fixed random choice of `probe_count(n)` (the
    same gradient at every call: a random sample of the axes' f‴_ii, whose largest is the median axis' or more with
    probability 1 − 2^−k); below it the one axis of largest |x_i| (the first of equal ones; x None: axis 0). Why that
    one: a single probe must not land on an axis whose f‴_ii vanishes, and an even term (x², cos, cosh, log cosh, a
    Gaussian) has an odd f‴, zero where its coordinate is 0; Rosenbrock's last coordinate (f‴ ≡ 0 along it) was the
    fixed random choice at n = 4. Measured (bench/numeric_steps.py's 48 cases at n = 4, the probes replicated in NumPy):
    the axis of largest |x_i| median 1.33×, > 2× in 19% of them, against a fixed random axis 1.37×, 27%, and the axis
    of least |x_i| 1.44×, 31% (the axis of largest |f″_ii|, which needs the stencil's values first, 1.27×, 17%; of
    largest |f‴_ii|, an oracle, 1.18×, 12%); from 8 components the k largest |x_i| did worse than the random k
    (n = 32: median 1.31× against 1.23×): more axes sample f‴ better at random. A saturating term (tanh, a sigmoid, log cosh) has its f‴
    fading at large |x_i|: there the rule errs (log cosh 2x at x_0 = 1.38: 1.43× → 2.52×)."""
    k = probe_count(n)
    if k == 1 and n < SPARE_FROM:
        return (int(np.argmax(np.abs(x))),) if x is not None else (0,)
    return _fixed_axes(n)


@functools.lru_cache(maxsize=64)
def _fixed_axes(n: int) -> tuple:
    """`probed_axes` from SPARE_FROM components: floor(n/4) − 1 of them, a fixed random choice per size, sorted."""
    return tuple(sorted(np.random.default_rng(n).permutation(n)[: probe_count(n)].tolist()))


@functools.lru_cache(maxsize=64)
def _layout(n: int, axes: tuple):
    """(axes, rest, rest's directions, the probes' moves' (row, column) in D), read-only: made once per size and
    probed axes."""
    axes = np.array(axes, dtype=np.intp)
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
    length scale, f not moved at all along any probed axis. A probed axis along which f did not move at all (f
    independent of x_i, or its change absorbed by a larger term: 1e14·x_0 + sin(x_3), whose 0 for cos(3) the
    stencil's judge says, `stencils._roundoff`, and the probe's own derivative did not) goes back to the stencil (two
    evaluations more), the others sizing the step: dropping every probe there took gradient_flow's deep sigmoid net
    (n = 258+, a weight whose change the loss absorbed) back to the unsized step, and a 4.7e-8 entry past the round-off
    share the method answers to. Their DomainWarnings are not said: no value of theirs is kept then."""
    n, lead = len(x), getattr(fun, "lead", 0)
    axes, rest, directions, rows, cols = _layout(n, probed_axes(n, x))
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
    still = ((up == 0.0) & (down == 0.0) & (up2 == 0.0)).all(axis=1)
    if still.all():
        return None  # f did not move along any probed axis: their exact 0s are the stencil's to judge
    if still.any():  # (those axes go back to the stencil, which judges an absorbed change; the others size the step)
        moved = ~still
        up, down, up2, a, scale = up[moved], down[moved], up2[moved], a[moved], scale[moved]
        axes, rest, directions, _, _ = _layout(n, tuple(axes[moved].tolist()))
        k = len(axes)
    derivatives = (up - down / 3.0 - up2 / 6.0) / a[:, None]  # (f(x)'s weight −½: the weights sum to 0)
    diff3 = np.abs(up2 - 3.0 * up - down)[:, 0]  # (the third differences, f's units)
    third = float((diff3 / a**3 * scale**3).max())  # f‴ per unit of max(1, |x_i|)
    factor = _factor(third, 3.0 * EPS * abs(float(f0[0])), base, k)
    if factor < 1.0 and _unresolved(fun, float(diff3.max())):
        factor = 1.0
    return Probe(factor, axes, derivatives, rest, directions)


#: a third difference (weights 1, −3, 3, −1: Σ|w| = 8) is f‴'s only where it exceeds this many times its round-off
#: bound 8·eps·‖f's terms‖; below, it may be their round-off alone and must not shrink the step
RESOLVED = 8.0


def _unresolved(fun, diff3: float) -> bool:
    """Whether the probes' largest third difference `diff3` may be round-off of f's terms where they cancel (f's
    round-off is eps·‖terms‖ there, not eps·|f(x)|: `scales.terms_size`), so the step it would shrink stays. Asked
    only where the pilot would shrink the step (one NumPy pass over f's graph, not an evaluation of f). Measured: a
    Helmert fit, Σ(s·R·X + t − Y)² with |X| ~ 6.4e6 m at n = 7, its largest |x_i| a translation along which f is
    quadratic: the third difference 0 but for the terms' round-off read f‴ ~ 1e10 and halved the step, the ppm scale's
    derivative 3.4e-6 off (0.8e-6 at the default step; tests/test_user_code18.py)."""
    terms = getattr(fun, "terms", None)
    if terms is None:
        return False
    try:
        size = terms()
    except (TypeError, ValueError, ArithmeticError):
        return False
    if size is None or np.size(size) != 1 or not np.isfinite(size).all():
        return False
    return diff3 <= RESOLVED * 8.0 * EPS * float(np.ravel(size)[0])


_MOVES = np.array([[1.0], [-1.0], [2.0]])


def _factor(third: float, noise: float, base: float, k: int) -> float:
    """The factor (1/PILOT_DOWN … pilot_up(k)) on `base` from the largest f‴ of k probed axes and the round-off
    3 eps|f(x)|: 1.0 with no round-off scale (f(x) = 0), pilot_up(k) with no third derivative."""
    if not (math.isfinite(third) and noise > 0.0):
        return 1.0
    if third == 0.0:
        return pilot_up(k)
    return min(max(math.sqrt((noise / third) ** (1 / 3) / base), 1 / PILOT_DOWN), pilot_up(k))
