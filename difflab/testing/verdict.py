"""The oracle's verdict: whether a user's derivative matches its reference, entry by entry.

How it works. Entry (r, c) of the user's derivative U passes against the reference R (with error
estimate E) when

    |U[r,c] − R[r,c]| ≤ atol + rtol·scale[r,c] + SAFETY·E[r,c] + ROUNDOFF·eps·max|R|

where scale[r,c] = |R[r,c]| (each entry judged on its own size; check_vjp's probes use Σ|u|·|J v|),
rtol = sqrt(eps) of the least precise float type involved (FLOAT32_ROUNDINGS·eps32 for float32),
SAFETY = 10 and ROUNDOFF = 64. Example: a gradient (1000, 0.1) whose second entry is written as
0.11 fails, since |0.11 − 0.1| = 0.01 > 1.5e-8·0.1 + 64·2.2e-16·1000; judged against the largest
entry instead it would pass. Before the verdict: a reference that could not see part of x (steps
below the float spacing of x) or that is exactly 0 along a direction where the user's is not is
refused (`Inconclusive`); failing columns of a numeric (or kinked) reference get a second opinion
from one-sided differences (a kink: anything between left and right passes). A mismatch's hints
name the shape of the error where it has one (per leaf: every entry k × the reference, k = -1 the
sign; a square leaf transposed) and a float64 answer off by float32's round-off alone.

    >>> import numpy as np
    >>> from difflab.testing import GradientMismatch, check_grad
    >>> f = lambda x: 500 * x[0] ** 2 + 0.1 * x[1]          # gradient (1000, 0.1) at (1, 2)
    >>> try:
    ...     check_grad(f, lambda x: np.array([1000.0, 0.11]), np.array([1.0, 2.0]))
    ... except GradientMismatch as err:
    ...     print(err.worst, err.n_out, f"{err.allowed:.2g}")
    ('args[0]', (1,)) 1 1.5e-09
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .evidence import SAFETY
from .messages import CheckResult, Inconclusive, _mismatch, _where
from .references import SCALAR, _Axis, _Reference

__all__ = ["ROUNDOFF", "FLOAT32_ROUNDINGS"]

ROUNDOFF = 64.0  # any entry may be off by ROUNDOFF·eps × the largest reference entry
SECOND_OPINIONS = 32  # columns re-examined by one-sided differences, worst first
FLOAT32_ROUNDINGS = 128  # float32 derivatives: rtol = this × eps32 (1.5e-5), see _tolerances


def _refuse_tolerances(check, rtol, atol):
    """Refuse an rtol or atol that is no finite number >= 0, by name and before any work: True was read as 1.0 (a
    tolerance of 100 % that passed a gradient of the wrong sign), and NaN as no tolerance at all."""
    __tracebackhide__ = True
    for name, tol in (("rtol", rtol), ("atol", atol)):
        number = isinstance(tol, (int, float, np.integer, np.floating)) and not isinstance(tol, (bool, np.bool_))
        if tol is not None and not (number and tol >= 0 and math.isfinite(tol)):
            raise ValueError(f"{check}: {name} must be a finite number >= 0 or None (the default), got {tol!r}")


def _eps(dtypes) -> float:
    """The machine epsilon of the least precise float (or complex) type involved; float64's without one."""
    return max((float(np.finfo(d).eps) for d in dtypes if np.dtype(d).kind in "fc"), default=float(np.finfo(float).eps))


def _tolerances(rtol, atol, dtypes):
    __tracebackhide__ = True  # pytest shows the user's frames and the message, not difflab's
    eps = _eps(dtypes)
    if rtol is None and eps > np.finfo(float).eps:
        # float32 (or coarser) values: float32's error model, not sqrt(eps): a right derivative is
        # off by a rounding per operation, FLOAT32_ROUNDINGS of them at most, times the block's scale
        return FLOAT32_ROUNDINGS * eps, (0.0 if atol is None else float(atol))
    return (math.sqrt(eps) if rtol is None else float(rtol)), (0.0 if atol is None else float(atol))


def _entry_scale(value):
    """Each entry's scale: its own |reference|. A small entry of a badly scaled gradient (1e-1 beside
    1e3) is judged on its own size, so 10 % wrong there fails; round-off relative to the largest
    entry is the separate floor."""
    return np.maximum(np.abs(value), np.finfo(float).tiny)


@dataclass
class _Case:
    """Everything a verdict needs besides the numbers: who is who, and how to name entries."""

    check: str
    user_name: str
    rows: _Axis
    cols: _Axis
    seed: int
    dtypes: set
    second: object = None  # column c -> its one-sided derivatives (left, right, left error, right error)
    direction: object = None  # column c -> the name of the direction it differentiates along
    scale_name: str = "this entry's |reference|"
    magnitude: float = 0.0  # |f(x)|: a reference uncertain beyond it (and its entries) determines nothing
    # () -> a sentence when the user's function reads an argument in float32 (its float64 result cast up), else "";
    # asked only when every failing entry is off by float32's round-off alone (see _float32_sized)
    reads_float32: object = None

    def entry(self, r, c):
        rl, ri = self.rows.locate(r)
        cl, ci = self.cols.locate(c)
        return (cl if self.rows is SCALAR else f"{rl} / {cl}"), ri + ci


def _ratio(user, value, allowed):
    """|user − value| / allowed per entry (0 where equal, inf where NaN or allowed is 0)."""
    err = np.where(np.isnan(user) & np.isnan(value), 0.0, np.abs(user - value))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return err, np.nan_to_num(np.where(err == 0, 0.0, err / allowed), nan=np.inf)


def _judge(case: _Case, user, ref: _Reference, scale_of, rtol, atol) -> CheckResult:
    """Entry (r, c) passes when |user − reference| ≤ atol + rtol·scale + SAFETY·(reference's error
    estimate) + the round-off floor. Failing columns of a numeric (or kinked) reference get a
    second opinion first, and so do entries the reference leaves undetermined: its uncertainty
    beyond every magnitude involved (|f|, the largest reference entry), as where f jumps."""
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    _refuse_tolerances(case.check, rtol, atol)
    rtol_given, atol_given = rtol, atol
    rtol, atol = _tolerances(rtol, atol, case.dtypes)
    if not np.size(user):  # an empty x (or f): no entry to disagree with, as in JAX's check_grads
        return _no_entries(case, ref)
    if ref.blind:
        _refuse_blind(case, ref)
    value, est, hints, notes = ref.value.copy(), ref.error.copy(), list(ref.hints), []

    def verdict():  # from the reference as it stands (a second opinion may revise it)
        scale = scale_of(value)
        floor = ROUNDOFF * _eps(case.dtypes) * np.nanmax(np.abs(value), initial=0.0)
        base = atol + rtol * scale + floor
        return (scale, floor, base) + _ratio(user, value, base + SAFETY * est)

    scale, floor, base, err, ratio = verdict()
    undetermined = SAFETY * est > max(np.nanmax(np.abs(value), initial=0.0), case.magnitude)
    # near a kink even agreement is re-examined: the exact value may be a convention where f is smooth
    examine = (ratio > 1) | undetermined | bool(ref.exact and hints)
    if case.second is not None and (not ref.exact or hints) and examine.any():
        notes, more = _second_opinion(case, user, value, est, base, np.where(examine, np.inf, ratio), ref, undetermined)
        hints += more
        scale, floor, base, err, ratio = verdict()
    w = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
    if not ref.exact and ratio[w] <= 1:
        _refuse_flat(case, user, value, ref)
    if (
        ratio[w] > 1
        and rtol_given is None
        and case.reads_float32 is not None
        and _float32_sized(case, user, value, err, ratio > 1)
    ):
        why, case.reads_float32 = case.reads_float32(), None  # (asked once)
        if why:  # float32 inside the user's function, cast up: judged at float32's tolerance, as a float32 result is
            case.dtypes = case.dtypes | {np.dtype(np.float32)}
            result = _judge(case, user, ref, scale_of, rtol_given, atol_given)
            return replace(result, notes=(*result.notes, why))
    if ratio[w] > 1:
        if np.isnan(est[w]):
            hints.append(f"f has no derivative at {_where(*case.entry(*w))}: it jumps on both sides of the point")
        parts = (atol, rtol, scale[w], SAFETY * est[w], floor)
        how = ref.how if value[w] == ref.value[w] else "one-sided differences of f (a second opinion: see the hints)"
        hints += _pattern_hints(case, user, value, base + SAFETY * est, ratio > 1)
        hints += _float32_hint(case, user, value, err, ratio > 1)
        raise _mismatch(case, user[w], value[w], err[w], w, ratio > 1, how, hints + notes, parts)
    seg = case.cols.segment()
    rel = err / np.maximum(np.abs(value), np.finfo(float).tiny)
    return CheckResult(
        case.check,
        ref.how,
        float(err.max(initial=0.0)),
        float(rel.max(initial=0.0)),
        case.entry(*w),
        float(1 - ratio.max(initial=0.0)),
        {lab: float(1 - ratio[:, seg == i].max(initial=0.0)) for i, lab in enumerate(case.cols.labels)},
        case.seed,
        tuple(notes),
    )


def _pattern_hints(case: _Case, user, value, tol, out) -> list:
    """Per differentiated leaf with failing entries, the shape of the error when it has one: every entry the same
    multiple k of the reference (k = -1: the sign; 2, 1/n: a factor), or, for a square leaf, the reference's
    transpose. Judged at the verdict's own tolerance, so a near-miss elsewhere in the leaf rules the pattern out."""
    hints, seg = [], case.cols.segment()
    for i, label in enumerate(case.cols.labels):
        cols = seg == i
        if not out[:, cols].any():
            continue
        u, v, t = user[:, cols], value[:, cols], tol[:, cols]
        big = np.abs(v) > t
        with np.errstate(all="ignore"):
            k = float(np.median(u[big] / v[big])) if big.any() else np.nan
            same = np.isfinite(k) and np.all(np.abs(u - k * v) <= t + 1e-6 * np.abs(k * v))
        if same and abs(k - 1) > 1e-3:  # (a factor of 1 + 1e-7 is round-off's shape, not a factor's)
            what = "the sign flipped" if abs(k + 1) < 1e-6 else "a missing or extra constant factor"
            inverse = f" = 1/{1 / k:.6g}" if 0 < abs(k) < 0.999 else ""
            hints.append(f"every entry of {label} is {k:.6g}{inverse} × the reference: {what}")
            continue
        shape = case.cols.shapes[i]
        if case.rows is SCALAR and len(shape) >= 2 and shape[-1] == shape[-2] and shape[-1] > 1:
            swapped = np.swapaxes(u.reshape(shape), -1, -2).ravel()
            if np.all(np.abs(swapped - v.ravel()) <= t.ravel()):
                hints.append(f"{label} is the reference with its last two axes swapped: a transpose")
    return hints


def _float32_hint(case: _Case, user, value, err, out) -> list:
    """A float64 derivative off by float32's round-off alone (each failing entry within FLOAT32_ROUNDINGS·eps32 of
    its size, or of a hundredth of the largest): float32 somewhere inside grad_f, cast up by a float64 constant on
    the way (np.eye, 0.5 * ...), looks like this; so does a term that small dropped. Said, since only the user
    knows which (a float32 result is judged at float32's tolerance already)."""
    rel = _float32_sized(case, user, value, err, out)
    if rel is None:
        return []
    return [
        f"every failing entry is off by at most {rel:.2g} of its size, float32's round-off: if {case.user_name} "
        "computes in float32 inside (an array or constant cast to float32; a function that reads an argument only in "
        "float32 is detected and judged at float32's tolerance), that is the difference, and rtol=1e-5 accepts it; if it does not, a "
        "term that small is missing or wrong"
    ]


def _float32_sized(case: _Case, user, value, err, out):
    """The largest relative error of the failing entries when each is within FLOAT32_ROUNDINGS·eps32 of its size (or
    of a hundredth of the largest entry) and the dtypes involved are float64: float32's round-off alone; else None."""
    if _eps(case.dtypes) > np.finfo(float).eps or not np.isfinite(user).all():
        return None
    size = np.maximum(np.abs(value), 1e-2 * np.nanmax(np.abs(value), initial=0.0))
    rel = err[out] / size[out]
    if not (rel.size and np.all(rel <= FLOAT32_ROUNDINGS * np.finfo(np.float32).eps)):
        return None
    return float(np.max(rel))


def _no_entries(case: _Case, ref: _Reference) -> CheckResult:
    labels = list(case.cols.labels)
    worst = (labels[0] if labels else case.check, ())
    return CheckResult(case.check, ref.how, 0.0, 0.0, worst, 1.0, dict.fromkeys(labels, 1.0), case.seed)


def _refuse_blind(case: _Case, ref: _Reference):
    """A reference that could not see part of x (FD steps below the float spacing of x) cannot
    confirm nor refute: refused whatever the user's value, naming the component."""
    __tracebackhide__ = True
    raise Inconclusive(
        f"{case.check}: the reference cannot tell: {ref.how}: {ref.blind}. Write f with difflab.numpy for an "
        "exact reference (reference='auto'), or check at a point of smaller magnitude.",
        worst=(),
        user=float("nan"),
        reference=float("nan"),
        allowed=0.0,
        n_out=0,
        hints=(),
        seed=case.seed,
    )


def _refuse_flat(case: _Case, user, value, ref: _Reference):
    """A numeric reference that is exactly 0 along a whole direction says only that f did not
    change there at any step: f is saturated (tanh at 20) or flat (relu's left side). A nonzero
    user value passing within tolerance of it would be a silent pass (any small number agrees),
    so the check is refused instead; an exact 0 from the user agrees with the evidence."""
    __tracebackhide__ = True
    flat = np.flatnonzero(np.all(value == 0, axis=0) & np.any(user != 0, axis=0))
    if flat.size:
        c = int(flat[0])
        raise Inconclusive(
            f"{case.check}: the reference cannot tell along {case.direction(c) if case.direction else c}: "
            f"{ref.how} gives exactly 0 (f's value did not change at any step: saturated to float precision, "
            f"or flat), so it cannot confirm {case.user_name}'s nonzero value there. Check at a point where "
            "f varies, or write f with difflab.numpy for an exact reference.",
            worst=(c,),
            user=0.0,
            reference=0.0,
            allowed=0.0,
            n_out=0,
            hints=(),
            seed=case.seed,
        )


def _second_opinion(case: _Case, user, value, est, base, ratio, ref: _Reference, undetermined):
    """Re-judge the worst failing (or examined: ratio inf) columns against one-sided derivatives. Where left and right
    differ (a kink at the point) any value between them passes (the generalized derivative); where
    they agree, the more precise of them replaces a reference it contradicts (Richardson steps
    that straddled a kink, NaN, or an exact value that applied a kink convention where f is smooth)
    or that was undetermined, and bounds the certainty a numeric reference may claim. A side where f jumps is no evidence; an undetermined entry with none left fails.
    Updates `value` and `est` in place; returns (notes, hints)."""
    notes, hints, exact = [], [], ref.exact
    worst = np.argsort(-ratio.max(axis=0), kind="stable")[:SECOND_OPINIONS]
    for c in worst[ratio[:, worst].max(axis=0) > 1]:
        left, right, el, er = case.second(c)
        if not (np.isfinite(el) & np.isfinite(er)).all():
            hints.append(
                f"f jumps along {case.direction(c)} at the point: a one-sided derivative does not exist "
                "(its change does not shrink with the step), so only the other side is evidence"
            )
        if not exact:  # jumps on both sides: no derivative, nothing can pass
            est[np.isinf(el) & np.isinf(er), c] = np.nan
        kink = np.abs(left - right) > base[:, c] + SAFETY * (el + er)
        between = np.clip(user[:, c], np.minimum(left, right), np.maximum(left, right))
        new = np.where(kink, between, np.where(el <= er, left, right))
        new_err = np.where(kink, np.maximum(el, er), np.minimum(el, er))
        _, clash = _ratio(value[:, c], new, base[:, c] + SAFETY * (est[:, c] + new_err))
        usable = np.isfinite(new_err)
        # an exact value yields where f has a kink, or where a kink convention applied exactly at the
        # point although f is smooth; steps cannot see a kink closer than themselves, so not otherwise
        take = usable & (kink | ((clash > 1) & (not exact or ref.at_kink)) | (undetermined[:, c] & (not exact)))
        value[take, c], est[take, c] = new[take], new_err[take]
        if exact and (take & ~kink).any():
            k = int(np.argmax(take & ~kink))
            notes.append(
                f"along {case.direction(c)} f is smooth at the point (left and right derivatives agree: "
                f"{new[k]:.12g}), but difflab's exact value follows its kink conventions "
                "(relu'(0) = abs'(0) = 0) for an op on the way; the one-sided value is used"
            )
        if not exact:  # nor may a numeric reference claim more certainty than the evidence against it
            est[usable, c] = np.maximum(est[usable, c], new_err[usable])
        if kink.any():
            k = int(np.argmax(np.where(kink, np.abs(left - right), -1.0)))
            notes.append(
                f"one-sided derivatives along {case.direction(c)} differ: left {left[k]:.12g}, "
                f"right {right[k]:.12g} (a kink at the point); any value between them is accepted "
                "(left, right, their mean, or a convention such as ties split evenly)"
            )
        gap, _ = _ratio(user[:, c], value[:, c], 1.0)
        if np.any(usable & (take | (not exact)) & (est[:, c] > base[:, c]) & (gap < SAFETY**2 * est[:, c])):
            hints.append(
                f"the reference is at its round-off floor along {case.direction(c)}: no step gets its "
                f"error below {np.max(est[usable, c]):.2g} (a smaller step would only add round-off "
                "of f), so differences that small cannot be judged; pass atol to accept them"
            )
    return notes, hints
