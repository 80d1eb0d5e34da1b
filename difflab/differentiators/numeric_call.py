"""The numeric method's prepared Richardson gradient in its common case, as one function of the graph inputs
(`Numeric.Prepared.hot_grad`, which the API's common-case path calls: api.operators._Hot, compile.reader.fuse).

What the general path (`Numeric.Prepared._run`: `_products`, `within_reach`, `_richardson`) does per call for a
scalar f of real inputs, with f(x) folded into the batched run as its row 0, at the default steps and with no
numeric level inside, this does in one frame, with the same functions on the same numbers (so the same
gradient, bit for bit): the steps, the stencil points, ONE batched run of the lowered graph, the watched ops'
reach judged at the centre the run's row 0 gives, the ±½ differences and the Neville table. Whatever is not
the common case it leaves to the general path by returning None before anything is said or charged: a value
that left an op's domain (the lowered run raises), a NaN or inf anywhere (f(x), a stencil point, x itself),
a watched argument that moved too far (`Watch.near`: the general path shrinks those steps), f's values on a grid
coarser than its ulp (a large intermediate: `stencils._value_roundoff`), a nonzero entry whose round-off bound is
above TERMS_FROM of it, or a zero where f did not move (`scales.say_roundoff`: the general path warns, or probes), f(x)
standing off the values at the smallest steps or their differences off the h² law (`widths.richardson_straddles`), an
outer cost being charged (the generated batched code would charge it a second time); after a decline it leaves the next
BACKOFF calls to the general path too (the points of a nearby x likely leave the same domain). The caller charges one call's
cost (`call.evals`, `call.eqns`, `call.elements`: what the general path charges) and builds the pytree.
"""

from __future__ import annotations

import math

import numpy as np

from ..compile.sweeps import Tier
from ..graph import ERRSTATE, _charging
from .base import flat, split
from .scales import TERMS_FROM, RESOLVED, SHARE, limit_of, stencil_points, unconverged
from .stencils import EPS, GRID_SLACK, _richardson, _steps, _value_roundoff
from .widths import richardson_clear, richardson_clear_plan, richardson_straddles

__all__ = ["common_case"]

_MAX, _ANY, _SUM = (
    np.maximum.reduce,
    np.logical_or.reduce,
    np.add.reduce,
)  # (bound once: no ndarray.max/any Python layer)


def common_case(prepared):
    """`call(*inputs) -> (f(x), gradient leaves...) or None` for `prepared` (a Numeric.Prepared) when its
    gradients can take the common case (see the module docstring), else None."""
    method = prepared.method
    o, w, _, _, steps, relative, _ = method._plan
    B = 1 + prepared.n * len(steps) * len(o)  # f(x), then every component's steps and offsets
    fn = _lowered(prepared)
    if (
        fn is None
        or method.scheme != "richardson"
        or method.step is not None
        or method.error_estimate
        or prepared._fold is None  # (a batchable, real f of one output with nothing held)
        or prepared.levels + prepared._derived != 1
        or prepared.m != 1
        or not prepared.n
        or B > prepared._chunk
        or (B - 1) * prepared._width > 10**10  # (`check_points` refuses it: the general path says so)
    ):
        return None
    watch, wrt, shapes, n = prepared._watch, prepared.wrt, prepared.in_shapes, prepared.n
    limit, w0, lead = limit_of(steps[0]), w[0], (B,)
    alone = len(prepared.graph.inputs) == 1 and shapes == [(n,)]  # x is the one input, a vector
    clear = richardson_clear_plan(steps) if relative and len(steps) > 2 and w0 == 0.5 else None  # (`_judged`)

    def attempt(xs):
        token = ERRSTATE[0].set(ERRSTATE[1](all="ignore")) if ERRSTATE is not None else None
        try:
            x = xs[0] if alone else flat([xs[i] for i in wrt])
            H = _steps(x, None, steps, relative)  # (n, T)
            X = x + stencil_points(o, H, None, 1)  # (B, n): x itself, then the stencil's points
            res = Tier.run(fn, [X] if alone else prepared.with_x(xs, split(X, shapes, lead)))
            if res is None:
                return None
            F, f0 = res[0], res[0][0]  # (B,), f(x)
            if not math.isfinite(f0):
                return None
            if watch:
                cols = res[1:]
                centre = watch.centre([c[0] for c in cols], None, quiet=True)
                if not watch.near(centre, [c[1:] for c in cols], limit):
                    return None
            # f's values on a grid coarser than its own ulp (`stencils._value_roundoff`): the general path weighs and
            # judges it. A first difference that is not a whole number of that grid's least step rules it out at once
            own = EPS * abs(f0)
            whole = (F[1] - f0) / 2.0 ** math.ceil(math.log2(GRID_SLACK * own)) if own else 0.0
            if (whole == round(whole) if math.isfinite(whole) else True) and _value_roundoff(F[1:, None] - f0, F[:1])[
                0
            ] != own:
                return None
            P = F[1:].reshape(n, len(steps), 2)
            S = (P[:, :, 0] - P[:, :, 1]) / (H / w0)  # (`_products`' ±½ differences: f(x) cancels)
            if not math.isfinite(_SUM(S, None)) and not np.isfinite(S).all():  # (`_nonfinite`)
                return None
            d, err, bound = _richardson(S.reshape(n, len(steps), 1), H, F[:1], True, roundoff=True)
            if _judged(d, err, bound, P, f0, H, S, clear):  # (the general path says it)
                return None
        finally:
            if token is not None:
                ERRSTATE[0].reset(token)
        return (f0, d.reshape(shapes[0])) if alone else (f0, *split(d.reshape(-1), shapes))

    return _backing_off(attempt, B, fn)


def _judged(d, err, bound, P, f0, H, S, clear) -> bool:
    """Whether the general path says something of the gradient d (n, 1), or probes for it (`stencils._roundoff`):
    a nonzero entry whose round-off bound (n, 1) exceeds TERMS_FROM of it (f's values on its own grid here: the bound is
    the general path's firm one too), or a direction along which f's values P (n, T, 2) at steps H (n, T) did not
    move from f0 at all (an addition may have absorbed its change), or where f0 stands off them at the two smallest
    steps (`widths.richardson_straddles`: a feature within the steps; first its cheap sufficient condition
    `widths.richardson_clear` on the central differences S (n, T), with `clear` its constants or None), or where the
    table's estimates err (n, 1) say it has not converged (`scales.unconverged`). Called under errstate 'ignore'.
    `clear`: made once per prepared object, as its bounds need relative steps and S the weights ±½ (else None).
    (`_nonfinite`: the attempt asks the differences' sum first, one reduction; finite differences whose sum overflows
    go on, as before, to `_richardson`'s general case.)"""
    ad = np.abs(d)
    big = float(_MAX(ad, None))  # (NaN where d has one: then each check takes its own, general, way)
    if len(H[0]) > 2 and not (clear is not None and richardson_clear(clear, P[:, -3:], f0, S[:, -3:-1], big)):
        if richardson_straddles(P[:, -3:, :, None] - f0, H, np.array([f0]), d)[0].any():
            return True
    # (TERMS_FROM: where the general path weighs f's terms, `stencils._with_terms`; a zero is below a bound > 0; f(x) = 0:
    # no bound, nothing judged there either)
    below = ad * TERMS_FROM < bound
    if _ANY(below, None) and (
        ((d != 0) & below).any() or ((d[:, 0] == 0) & (P == f0).all(axis=(1, 2))).any()
    ):  # (the common case: one comparison)
        return True
    t = err - bound
    # `unconverged`'s own test where d is finite (its largest finite |entry| is then big), which it can only confirm
    # (its third factor: t finite); else, or where this holds, `unconverged` itself
    if math.isfinite(big) and not _ANY((t > SHARE * big) & (t > RESOLVED * bound), None):
        return False
    return unconverged(d, t, bound)


#: calls after a decline that go straight to the general path: a function whose points keep leaving a domain or a
#: watched op's reach (log near 0, sin at a large x) then pays the common case's wasted run once in BACKOFF + 1 calls
BACKOFF = 8


def _backing_off(attempt, B, fn):
    """`call(*inputs)`: `attempt(inputs)` but for BACKOFF calls after it declined (None), and none while an outer
    cost is being charged (the batched code would charge it as it runs: the general path's way); with what one
    call charges (`call.evals`, `.eqns`, `.elements`)."""
    skip = [0]

    def call(*xs):
        if _charging.costs:
            return None
        if skip[0]:
            skip[0] -= 1
            return None
        res = attempt(xs)
        if res is None:
            skip[0] = BACKOFF
        return res

    call.evals, call.eqns, call.elements = B, fn.eqns * B, fn.elements * B
    return call


def hot_grad(prepared, args):
    """`Numeric.Prepared.hot_grad`: the common case's function (`common_case`), made once per prepared object."""
    if prepared.method.scheme != "richardson":
        return None
    call = getattr(prepared, "_common_case", None)
    if call is None and _lowered(prepared) is not None:  # (before the general path's first call: not yet)
        call = prepared._common_case = common_case(prepared) or False
    return call or None


def _lowered(prepared):
    """The lowered batched f the general path runs (f with the watched arguments as outputs, if any), or None."""
    runner = prepared if prepared._held is None else prepared._held
    return runner.lowered.fns.get(prepared._flags)
