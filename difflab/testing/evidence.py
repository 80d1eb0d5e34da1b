"""Evidence about f's derivative from its values alone: kinks near a point, one-sided limits.

The oracle's second opinion: left and right derivatives from one-sided stencils at shrinking steps
(kept while they agree, so a kink nearby or f's round-off cannot fool them), f's resolution
(float32 inside a black box), jumps, and the registered kinks of a traced graph near the point.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..differentiators.numeric import numeric_jacobian
from ..graph import evaluate, read

__all__ = ["kink_distances"]  # the rest serves the oracle's second opinion

SAFETY = 10.0  # an estimate may be off by SAFETY × its own error estimate
KINK_NEAR = 1e-5  # kinks closer than this to the point are hinted at and re-examined
ONE_SIDED_STEPS = 10.0 ** -np.arange(12.0, 1.0, -1.0)  # smallest first


def kink_distances(graph, inputs) -> list:
    """(equation, distance array) for each equation whose op has a registered kink: how far each of
    its output elements is from the kink at `inputs` (a kink rule that cannot answer is skipped).

    >>> import difflab as dl, difflab.numpy as dnp
    >>> [(str(e).split(" :")[0], float(d)) for e, d in kink_distances(dl.trace(dnp.abs, -0.25), [-0.25])]
    [('v1 = abs(v0)', 0.25)]
    """
    env, found = {}, []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluate(graph, *inputs, env=env)
        for e in graph.eqns:
            try:
                if e.op.kink is not None:
                    found.append((e, np.asarray(e.op.kink(*[read(env, a) for a in e.args], **e.kw), dtype=float)))
            except Exception:  # a kink rule that cannot answer costs a hint, never the check
                continue
    return found


def kink_hints(graph, inputs):
    """One line per equation whose op has a kink closer than KINK_NEAR to the point, and whether
    one lies exactly at it."""
    hints, at_kink = [], False
    for e, d in kink_distances(graph, inputs):
        at_kink |= bool(d.size and np.nanmin(d) == 0)
        if d.size and np.nanmin(d) < KINK_NEAR:
            k = np.unravel_index(np.nanargmin(d), d.shape)
            who = " and ".join(map(repr, e.args)) + (" are" if len(e.args) > 1 else " is")
            at = f" (element {tuple(map(int, k))})" if d.ndim else ""
            hints.append(
                f"{who} {np.nanmin(d):.1g} from the kink of {e.op.name} at equation `{str(e).split(' :')[0]}`{at}"
            )
    return hints, at_kink


def resolution(values):
    """How finely f resolves its values (per output): eps·|f| for the least precise float type in
    which every value that varies (rows: evaluations of f) is exact. An f computed in float32 inside
    resolves 1e-7 of its value, not 1e-16; a varying float64 value is float32-exact by chance with
    probability 2^-29, while a constant or round value (2.0) says nothing.

    >>> [f"{r:.1e}" for r in resolution([[0.3, 2.0, np.float32(0.3)], [0.31, 2.0, np.float32(0.31)]])]
    ['6.9e-17', '4.4e-16', '3.7e-08']
    """
    values = np.asarray(values, dtype=float)
    eps = np.full(values.shape[1:], np.finfo(float).eps)
    varies = values != values[:1]
    for dtype in (np.float32, np.float16):  # from the likelier to the coarser
        with np.errstate(over="ignore"):
            exact = (values.astype(dtype).astype(float) == values) | ~varies
        eps = np.where(exact.all(axis=0) & varies.any(axis=0), np.finfo(dtype).eps, eps)
    return eps * np.max(np.abs(values), axis=0)


def one_sided(t, direction, P=None):
    """Left and right derivatives of `t.call` (flat x -> flat y, at t.x where it is t.y) along
    `direction`, projected by the matrix P (k, m) (None: all
    m outputs), with their error estimates: (left, right, left error, right error), each (k,).
    Each side is the `limit` of second-order one-sided stencils at steps 1e-12 ... 1e-2 × the
    scale of x, their error estimates widened by f's resolution (see `resolution`); a side where
    f jumps (its change does not shrink with the step) has no derivative: infinite error."""
    scale = max(1.0, float(np.max(np.abs(t.x[direction != 0]), initial=0.0))) / np.max(np.abs(direction))
    steps, seen = scale * ONE_SIDED_STEPS, [t.y]

    def along(s):  # f along the direction, every value kept for resolution
        seen.append(t.call(t.x + s[0] * direction))
        return seen[-1]

    runs = [
        [numeric_jacobian(along, np.zeros(1), scheme=scheme, order=2, step=h, error_estimate=True) for h in steps]
        for scheme in ("backward", "forward")
    ]
    P = np.eye(len(t.y)) if P is None else P
    noise = np.abs(P) @ resolution(seen)
    sides = []
    for side in runs:
        d = np.array([P @ J[:, 0] for J, _ in side])
        e = np.array([np.abs(P) @ np.abs(E[:, 0]) + 4.0 * noise / h for (_, E), h in zip(side, steps)])  # 4 = Σ|w|
        value, error = limit(d, e)
        # a jump: the change |d·h| does not shrink with h, and stands far above f's resolution
        change = np.abs(d * steps[:, None])
        jump = (change[0] > 4.0 * SAFETY * noise) & (change[0] > 0.5 * change[2])
        sides.append((value, np.where(jump, np.inf, error)))
    (left, el), (right, er) = sides
    return left, right, el, er


def limit(d, e):
    """The limit h -> 0 of one-sided estimates d (steps growing along axis 0) with errors e, per
    entry: going up from the smallest step while the estimates agree within SAFETY × their errors
    (a larger step that disagrees has crossed a kink or left the asymptotic range), the most
    precise of the agreeing ones. An exact zero below a step where f changed is left out: the
    step was too small for f to notice (x + h rounded to x inside it)."""
    e = np.where(np.isfinite(d) & np.isfinite(e), e, np.inf)
    d = np.where(np.isfinite(e), d, 0.0)
    changed_above = np.cumsum((d != 0)[::-1], axis=0)[::-1] > 0
    e = np.where((d == 0) & changed_above, np.inf, e)
    agree = np.maximum.accumulate(d - SAFETY * e) <= np.minimum.accumulate(d + SAFETY * e)
    best = np.argmin(np.where(agree, e, np.inf), axis=0)[None]
    return np.take_along_axis(d, best, 0)[0], np.take_along_axis(e, best, 0)[0]
