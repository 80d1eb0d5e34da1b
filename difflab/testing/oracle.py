"""The gradient oracle: `check_grad` and its siblings judge a hand-written derivative.

A traceable f (difflab.numpy) gets an exact reference (SymPy in 40 digits when small, else AD); a
black box gets Richardson extrapolation, whose error estimate sets the tolerance. Entries that
disagree get a second opinion from one-sided differences: a point beside a kink is no false alarm.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import api, tree
from ..errors import DifflabError
from ..differentiators.numeric import RATIO, RICHARDSON_STEP, Numeric, numeric_jacobian
from .evidence import SAFETY, kink_hints, one_sided

__all__ = ["check_grad", "check_jacobian", "check_hessian", "check_jvp", "check_vjp", "taylor_test",
           "GradientMismatch", "Inconclusive", "CheckResult", "TaylorResult", "REFERENCES"]

REFERENCES = ("auto", "symbolic", "reverse", "numeric")
ROUNDOFF = 64.0          # any entry may be off by ROUNDOFF·eps × the largest reference entry
EXACT_MAX_ENTRIES = 64   # symbolic 40-digit references up to this many derivative entries
EXACT_MAX_SCALARS = 32   # ... and this many scalar operations on the tape (else AD: SymPy's diff is slow)
SECOND_OPINIONS = 32     # columns re-examined by one-sided differences, worst first
FLOAT32_ROUNDINGS = 128  # float32 derivatives: rtol = this × eps32 (1.5e-5), see _tolerances


class GradientMismatch(DifflabError, AssertionError):
    """A derivative disagrees with its reference. `str(err)` explains; the numbers are attributes
    (`worst`, `user`, `reference`, `allowed`, `n_out`, `hints`, `seed`)."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.__dict__.update(details)


@dataclass(frozen=True)
class CheckResult:
    """A passed check (always truthy): errors, the worst entry and how far under tolerance it was.

    `worst` is (argument label, index); `margin` is 1 - error/allowed at the tightest entry (1:
    exact agreement, 0: at the edge), `margins` the same per argument; `reference` says how the
    reference was computed; `notes` what the second opinion found (kinks).
    """

    check: str
    reference: str
    max_abs_error: float
    max_rel_error: float
    worst: tuple
    margin: float
    margins: dict
    seed: int
    notes: tuple = ()

    def __bool__(self):
        return True

    def __str__(self):
        notes = "".join(f"\n  note: {n}" for n in self.notes)
        return (f"{self.check} passed: max error {self.max_abs_error:.3g} (relative {self.max_rel_error:.3g}) at "
                f"{_where(*self.worst)}, margin {self.margin:.3f} of the tolerance left\n  reference: "
                f"{self.reference}{notes}")


@dataclass(frozen=True)
class TaylorResult:
    """A passed Taylor test: the fitted slope of log remainder against log h, and the data."""

    slope: float
    steps: tuple
    remainders: tuple
    seed: int
    note: str = ""

    def __bool__(self):
        return True

    def __str__(self):
        return f"taylor_test passed: slope {self.slope:.3f}" + (f" ({self.note})" if self.note else "")


# -- the compared matrix: axes made of labelled segments (pytree leaves) ------------------------

class _Axis(NamedTuple):
    """One axis of a derivative matrix: the pytree `td` whose leaves have `labels` and `shapes`."""

    td: tree.TreeDef
    labels: tuple
    shapes: tuple

    @property
    def sizes(self):
        return [int(np.prod(s)) for s in self.shapes]

    @property
    def size(self):
        return sum(self.sizes)

    def segment(self):
        """The segment number of each flat index."""
        return np.repeat(np.arange(len(self.sizes)), self.sizes)

    def locate(self, k):
        seg = int(self.segment()[k])
        start = sum(self.sizes[:seg])
        return self.labels[seg], tuple(int(i) for i in np.unravel_index(k - start, self.shapes[seg]))

    def split(self, vec):
        """A flat vector as this axis's pytree (scalar leaves as Python floats)."""
        parts = np.split(np.asarray(vec, dtype=float), np.cumsum(self.sizes)[:-1])
        return self.td.unflatten([float(p[0]) if not s else p.reshape(s) for p, s in zip(parts, self.shapes)])


SCALAR = _Axis(tree.TreeDef(tree.LEAF), ("f",), ((),))     # the rows of a gradient
DIRECTION = _Axis(tree.TreeDef(tree.LEAF), ("v",), ((),))  # the one column of a JVP


def _paths(td, prefix):
    if td.kind == tree.LEAF:
        return [prefix]
    keys = td.keys if td.kind == "dict" else range(len(td.children))
    return [p for k, c in zip(keys, td.children) for p in _paths(c, f"{prefix}[{k!r}]")]


def _graft(outer, inner):
    """The structure of a derivative: `inner` at each leaf of `outer` (as difflab.jacobian returns)."""
    if outer.kind == tree.LEAF:
        return inner
    return outer._replace(children=tuple(_graft(c, inner) for c in outer.children))


def _leaves_like(value, td, path):
    if td.kind == tree.LEAF:
        return [value]
    keys = td.keys if td.kind == "dict" else range(len(td.children))
    fits = (isinstance(value, dict) and sorted(value) == list(keys) if td.kind == "dict"
            else isinstance(value, (tuple, list)) and len(value) == len(keys))
    if not fits:
        raise GradientMismatch(f"{path} should have the structure {td}, got {type(value).__name__} "
                               f"{_short(value)}")
    return [x for k, c in zip(keys, td.children) for x in _leaves_like(value[k], c, f"{path}[{k!r}]")]


def _short(value):
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def _matrix(value, rows: _Axis, cols: _Axis, what: str):
    """A derivative pytree (leaf (r, c) of shape rows.shapes[r] + cols.shapes[c]) as an (m, n)
    float64 matrix, and the dtypes it came in."""
    leaves = _leaves_like(value, _graft(rows.td, cols.td), what)
    out, dtypes, k = np.zeros((rows.size, cols.size)), set(), 0
    r0 = 0
    for rl, rs, rn in zip(rows.labels, rows.shapes, rows.sizes):
        c0 = 0
        for cl, cs, cn in zip(cols.labels, cols.shapes, cols.sizes):
            leaf = np.asarray(leaves[k])
            if leaf.shape != tuple(rs) + tuple(cs):
                hint = " (transposed?)" if leaf.shape == (tuple(rs) + tuple(cs))[::-1] else ""
                where = cl if rows is SCALAR else f"{rl} / {cl}"
                raise GradientMismatch(f"{what} returned shape {leaf.shape} for {where}, which needs shape "
                                       f"{tuple(rs) + tuple(cs)}{hint}")
            dtypes.add(leaf.dtype)
            out[r0:r0 + rn, c0:c0 + cn] = leaf.astype(float).reshape(rn, cn)
            c0, k = c0 + cn, k + 1
        r0 += rn
    return out, dtypes


# -- the function seen as flat vector -> flat vector ---------------------------------------------

class _Target:
    """f at args as a function of one flat float64 vector x (the differentiated leaves, raveled)."""

    def __init__(self, f, args, argnums):
        self.f, self.args = f, tuple(args)
        self.nums, self.many = api._check_argnums(argnums, len(self.args))
        self.flat = [tree.flatten(a) for a in self.args]
        labels, shapes, self.dtypes = [], [], set()
        for a in self.nums:
            leaves, td = self.flat[a]
            for label, leaf in zip(_paths(td, f"args[{a}]"), leaves):
                dtype = np.asarray(leaf).dtype
                if dtype.kind != "f":
                    raise TypeError(f"{label} has dtype {dtype}: only floating-point arguments can be "
                                    "differentiated (use 2.0 rather than 2, or x.astype(float))")
                labels.append(label)
                shapes.append(np.shape(leaf))
                self.dtypes.add(dtype)
        tds = tuple(self.flat[a][1] for a in self.nums)
        self.in_axis = _Axis(tree.TreeDef("tuple", (), tds) if self.many else tds[0], tuple(labels), tuple(shapes))
        self.x = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for a in self.nums for x in self.flat[a][0]])
        out_leaves, out_td = tree.flatten(self._f(*self.args))
        self.out_axis = _Axis(out_td, tuple(_paths(out_td, "f(*args)")), tuple(np.shape(y) for y in out_leaves))
        self.y = self.call(self.x)
        self.magnitude = float(np.nanmax(np.abs(self.y), initial=0.0))

    def _f(self, *args):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.f(*args)

    def rebuild(self, x):
        """The arguments with the differentiated leaves replaced by the flat vector x."""
        parts = iter(tree.flatten(self.in_axis.split(x))[0])
        args = list(self.args)
        for a in self.nums:
            leaves, td = self.flat[a]
            args[a] = td.unflatten([next(parts) for _ in leaves])
        return args

    def call(self, x):
        return np.concatenate([np.ravel(np.asarray(y, dtype=float))
                               for y in tree.flatten(self._f(*self.rebuild(x)))[0]])

    def staged(self):
        """The traced graph (api.Staged), or None when f is a black box to difflab."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return api.stage(self.f, self.args, self.nums if self.many else self.nums[0])
        except (TypeError, AttributeError):  # UnsupportedOperationError is a TypeError
            return None

    def argnums(self):
        return self.nums if self.many else self.nums[0]


# -- references ----------------------------------------------------------------------------------

@dataclass
class _Reference:
    value: np.ndarray
    error: np.ndarray
    how: str
    exact: bool
    hints: list
    at_kink: bool = False  # a registered kink exactly at the point: the exact value is a convention
    blind: str = ""        # why the reference cannot tell at all (then no verdict is given)


def _reference(t: _Target, kind: str, how: str, v=None) -> _Reference:
    """The reference derivative: kind "jacobian" (m, n), "hessian" (n, n) or "jvp" (m, 1) along v."""
    if how not in REFERENCES:
        raise ValueError(f"unknown reference {how!r}; choose one of {', '.join(map(repr, REFERENCES))}")
    st = t.staged() if how != "numeric" else None
    if st is None and how in ("symbolic", "reverse"):
        raise ValueError(f"reference={how!r} needs a function difflab can trace (written with "
                         "difflab.numpy); use reference='numeric' or 'auto' for a black box")
    if st is None:
        return _numeric(t, kind, v)
    hints, at_kink = kink_hints(st.graph, st.inputs(t.args))
    size = {"jacobian": t.out_axis.size * t.in_axis.size, "hessian": t.in_axis.size ** 2}.get(kind, math.inf)
    scalars = sum(int(np.prod(e.out.shape)) for e in st.graph.eqns)
    if how == "symbolic" or (how == "auto" and size <= EXACT_MAX_ENTRIES and scalars <= EXACT_MAX_SCALARS):
        try:
            from ..differentiators.symbolic import Symbolic

            prep = Symbolic().prepare(st.graph, st.wrt)
            value = prep.exact(st.inputs(t.args), kind="hessian" if kind == "hessian" else "jacobian")
            value = value.reshape(t.in_axis.size if kind == "hessian" else t.out_axis.size, t.in_axis.size)
            value = value @ v[:, None] if kind == "jvp" else value
            return _Reference(value, np.zeros_like(value), "the symbolic derivative of the traced f in "
                              "40-digit arithmetic", True, hints, at_kink)
        except Exception:  # symbolic may not apply (nested traces, huge expressions): AD is exact too
            if how == "symbolic":
                raise
    if kind == "jvp":
        _, jv = api.jvp(t.f, t.args, t.in_axis.split(v))
        value, _ = _matrix(jv, t.out_axis, DIRECTION, "difflab.jvp")
        how_text = "forward-mode AD of the traced f"
    elif kind == "hessian":
        value, _ = _matrix(api.hessian(t.f, t.argnums())(*t.args), t.in_axis, t.in_axis, "difflab.hessian")
        how_text = "forward-over-reverse AD of the traced f"
    else:
        value, _ = _matrix(api.jacobian(t.f, t.argnums())(*t.args), t.out_axis, t.in_axis, "difflab.jacobian")
        how_text = "reverse-mode AD of the traced f"
    return _Reference(value, np.zeros_like(value), how_text, True, hints, at_kink)


def _richardson(fun, x):
    return numeric_jacobian(fun, x, scheme="richardson", error_estimate=True)


def _numeric(t: _Target, kind: str, v) -> _Reference:
    how = "Richardson-extrapolated central differences of f (a black box to difflab)"
    if kind == "jvp":
        J, E = _richardson(lambda s: t.call(t.x + s[0] * v), np.zeros(1))
        return _Reference(J, E, how, False, [], blind=_below_spacing(t, v))
    elif kind == "hessian":
        J, E = _richardson(lambda x: _richardson(lambda z: t.call(z)[:1], x)[0].ravel(), t.x)
        how = "Richardson differences of Richardson differences of f (a black box to difflab)"
    else:
        J, E = _richardson(t.call, t.x)
    return _Reference(J, E, how, False, [])


def _below_spacing(t: _Target, v) -> str:
    """Why a difference along v cannot see some component of x, or "": the steps s·v of the
    directional differences (s from RICHARDSON_STEP down by RATIO, absolute since they are taken
    from s = 0) are below the spacing of floats at x_i there, so x_i + s·v_i rounds to x_i (or to
    a neighbour far from it) and the difference silently ignores that component."""
    smallest = RICHARDSON_STEP / RATIO ** (Numeric(scheme="richardson").richardson_terms - 1)
    moves = np.abs(smallest * v)
    blind = np.flatnonzero((v != 0) & (moves < np.spacing(np.abs(t.x))))
    if not blind.size:
        return ""
    i = int(blind[np.argmax(np.abs(t.x[blind]))])
    return (f"its steps along the direction move {_where(*t.in_axis.locate(i))} = {t.x[i]:.6g} by as little as "
            f"{moves[i]:.2g}, below the spacing of floats there ({np.spacing(abs(t.x[i])):.2g}), so x + step "
            f"rounds and the difference does not see that component ({blind.size} of {v.size} components)")


# -- the verdict -----------------------------------------------------------------------------------

def _tolerances(rtol, atol, dtypes):
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if tol is not None and not (isinstance(tol, (int, float)) and tol >= 0 and math.isfinite(tol)):
            raise ValueError(f"{name} must be a finite number >= 0 or None (the default), got {tol!r}")
    eps = max(np.finfo(d).eps for d in dtypes if np.dtype(d).kind == "f") if dtypes else np.finfo(float).eps
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
    second: object = None   # column c -> its one-sided derivatives (left, right, left error, right error)
    direction: object = None  # column c -> the name of the direction it differentiates along
    scale_name: str = "this entry's |reference|"
    magnitude: float = 0.0  # |f(x)|: a reference uncertain beyond it (and its entries) determines nothing

    def entry(self, r, c):
        rl, ri = self.rows.locate(r)
        cl, ci = self.cols.locate(c)
        return (cl if self.rows is SCALAR else f"{rl} / {cl}"), ri + ci


def _where(label, index):
    return f"{label}[{', '.join(map(str, index))}]" if index else label


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
    rtol, atol = _tolerances(rtol, atol, case.dtypes)
    if ref.blind:
        _refuse_blind(case, ref)
    value, est, hints, notes = ref.value.copy(), ref.error.copy(), list(ref.hints), []

    def verdict():  # from the reference as it stands (a second opinion may revise it)
        scale = scale_of(value)
        floor = ROUNDOFF * np.finfo(float).eps * np.nanmax(np.abs(value), initial=0.0)
        base = atol + rtol * scale + floor
        return (scale, floor, base) + _ratio(user, value, base + SAFETY * est)

    scale, floor, base, err, ratio = verdict()
    undetermined = SAFETY * est > max(np.nanmax(np.abs(value), initial=0.0), case.magnitude)
    # near a kink even agreement is re-examined: the exact value may be a convention where f is smooth
    examine = (ratio > 1) | undetermined | bool(ref.exact and hints)
    if case.second is not None and (not ref.exact or hints) and examine.any():
        notes, more = _second_opinion(case, user, value, est, base, np.where(examine, np.inf, ratio),
                                      ref, undetermined)
        hints += more
        scale, floor, base, err, ratio = verdict()
    w = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
    if not ref.exact and ratio[w] <= 1:
        _refuse_flat(case, user, value, ref)
    if ratio[w] > 1:
        if np.isnan(est[w]):
            hints.append(f"f has no derivative at {_where(*case.entry(*w))}: it jumps on both sides of the point")
        parts = (atol, rtol, scale[w], SAFETY * est[w], floor)
        how = ref.how if value[w] == ref.value[w] else "one-sided differences of f (a second opinion: see the hints)"
        raise _mismatch(case, user[w], value[w], err[w], w, ratio > 1, how, hints + notes, parts)
    seg = case.cols.segment()
    rel = err / np.maximum(np.abs(value), np.finfo(float).tiny)
    return CheckResult(case.check, ref.how, float(err.max(initial=0.0)), float(rel.max(initial=0.0)),
                       case.entry(*w), float(1 - ratio.max(initial=0.0)),
                       {lab: float(1 - ratio[:, seg == i].max(initial=0.0)) for i, lab in enumerate(case.cols.labels)},
                       case.seed, tuple(notes))


class Inconclusive(GradientMismatch):
    """The reference cannot tell whether the derivative is right (a silent pass refused)."""


def _refuse_blind(case: _Case, ref: _Reference):
    """A reference that could not see part of x (FD steps below the float spacing of x) cannot
    confirm nor refute: refused whatever the user's value, naming the component."""
    __tracebackhide__ = True
    raise Inconclusive(
        f"{case.check}: the reference cannot tell: {ref.how}: {ref.blind}. Write f with difflab.numpy for an "
        "exact reference (reference='auto'), or check at a point of smaller magnitude.",
        worst=(), user=float("nan"), reference=float("nan"), allowed=0.0, n_out=0, hints=(), seed=case.seed)


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
            "f varies, or write f with difflab.numpy for an exact reference.", worst=(c,), user=0.0, reference=0.0, allowed=0.0, n_out=0,
            hints=(), seed=case.seed)


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
            hints.append(f"f jumps along {case.direction(c)} at the point: a one-sided derivative does not exist "
                         "(its change does not shrink with the step), so only the other side is evidence")
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
            notes.append(f"along {case.direction(c)} f is smooth at the point (left and right derivatives agree: "
                         f"{new[k]:.12g}), but difflab's exact value follows its kink conventions "
                         "(relu'(0) = abs'(0) = 0) for an op on the way; the one-sided value is used")
        if not exact:  # nor may a numeric reference claim more certainty than the evidence against it
            est[usable, c] = np.maximum(est[usable, c], new_err[usable])
        if kink.any():
            k = int(np.argmax(np.where(kink, np.abs(left - right), -1.0)))
            notes.append(f"one-sided derivatives along {case.direction(c)} differ: left {left[k]:.12g}, "
                         f"right {right[k]:.12g} (a kink at the point); any value between them is accepted "
                         "(left, right, their mean, or a convention such as ties split evenly)")
        gap, _ = _ratio(user[:, c], value[:, c], 1.0)
        if np.any(usable & (take | (not exact)) & (est[:, c] > base[:, c]) & (gap < SAFETY ** 2 * est[:, c])):
            hints.append(f"the reference is at its round-off floor along {case.direction(c)}: no step gets its "
                         f"error below {np.max(est[usable, c]):.2g} (a smaller step would only add round-off "
                         "of f), so differences that small cannot be judged; pass atol to accept them")
    return notes, hints


def _failing(case: _Case, out, shown=6) -> str:
    """The entries that decided the verdict, by name (the first few)."""
    rows, cols = np.nonzero(out)
    names = [_where(*case.entry(r, c)) for r, c in zip(rows[:shown], cols[:shown])]
    return ", ".join(names) + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


def _mismatch(case: _Case, user, value, err, w, out, how, hints, parts):
    label, index = case.entry(*w)
    atol, rtol, scale, from_estimate, floor = parts
    allowed = atol + rtol * scale + from_estimate + floor
    seg = case.cols.segment()
    per_arg = "; ".join(f"{lab}: {int(out[:, seg == i].sum())} of {int(out[:, seg == i].size)}"
                        for i, lab in enumerate(case.cols.labels))
    low = sorted({np.finfo(d).bits for d in case.dtypes if np.dtype(d).kind == "f"} - {64})
    if low:
        hints = hints + [f"float{low[0]} values are involved: their round-off (eps {np.finfo(f'float{low[0]}').eps:.1e}) "
                         "limits the user's derivative; compute it in float64 or loosen rtol"]
    terms = [f"atol {atol:g}", f"rtol {rtol:.3g} × scale {scale:.3g} ({case.scale_name})"]
    terms += [f"{SAFETY:g} × the reference's error estimate {from_estimate / SAFETY:.3g}"] if from_estimate else []
    difference = (f"{err:.3g} > allowed {allowed:.3g} = " + " + ".join(terms) + f" + round-off floor {floor:.2g}"
                  if np.isfinite(allowed) else f"{err:.3g}, but nothing can be allowed: f has no derivative here")
    lines = [f"{case.check}: {case.user_name} does not match the reference at {int(out.sum())} of {out.size} entries.",
             f"  worst entry       {_where(label, index)}",
             f"  {'user':<17} {user:.15g}   from {case.user_name}",
             f"  reference         {value:.15g}   from {how}",
             f"  |difference|      {difference}",
             f"  out of tolerance  {per_arg}",
             f"  failing entries   {_failing(case, out)}",
             f"  seed              {case.seed}"]
    lines += ["  hints:"] + [f"    - {h}" for h in hints] if hints else []
    return GradientMismatch("\n".join(lines), worst=(label, index), user=float(user), reference=float(value),
                            allowed=float(allowed), n_out=int(out.sum()), hints=tuple(hints), seed=case.seed)


# -- the checks ------------------------------------------------------------------------------------

def _seed(seed):
    return 0 if seed is None else int(seed)


def _who(role, fn):
    return f"{role} ({getattr(fn, '__name__', type(fn).__name__)})"


def _matrix_check(check, kind, f, fn, args, argnums, rtol, atol, reference, seed):
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    t = _Target(f, args, argnums)
    if kind == "gradient" and t.out_axis.size != 1:
        raise TypeError(f"{check} needs f with a scalar output, but f returned shape {t.out_axis.shapes}; "
                        "use check_jacobian")
    rows = {"gradient": SCALAR, "jacobian": t.out_axis, "hessian": t.in_axis}[kind]
    who = _who({"gradient": "grad_f", "jacobian": "jac_f", "hessian": "hess_f"}[kind], fn)
    user, dtypes = _matrix(fn(*args), rows, t.in_axis, who)
    ref = _reference(t, "hessian" if kind == "hessian" else "jacobian", reference)
    eye = np.eye(t.in_axis.size)
    second = (lambda c: one_sided(t, eye[c])) if kind != "hessian" else None
    case = _Case(check, who, rows, t.in_axis, _seed(seed), dtypes | t.dtypes, second=second,
                 direction=lambda c: _where(*t.in_axis.locate(c)), magnitude=t.magnitude,
                 scale_name="this entry's |reference|")
    return _judge(case, user, ref, _entry_scale, rtol, atol)


def check_grad(f, grad_f, *args, argnums=0, rtol=None, atol=None, reference="auto", seed=None) -> CheckResult:
    """Check that `grad_f(*args)` is the gradient of scalar `f` with respect to `args[argnums]`.

    Shape contract: grad_f returns the structure of `args[argnums]` (a tuple of them when argnums is
    a tuple), as `difflab.grad` does. Entry (a, i) passes when |user − reference| ≤ atol + rtol ×
    (the reference's largest magnitude over argument a) + SAFETY × the reference's error estimate.
    rtol defaults to sqrt(eps) of the least precise dtype involved (1.5e-8 in float64). reference:
    "auto" (exact if f is traceable, else numeric), "symbolic", "reverse" or "numeric".
    Raises GradientMismatch with an explanation; returns a truthy CheckResult.

    >>> import numpy as np
    >>> check_grad(lambda x: np.sin(x).sum(), np.cos, np.array([0.5, 1.0])).margin > 0.99
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    return _matrix_check("check_grad", "gradient", f, grad_f, args, argnums, rtol, atol, reference, seed)


def check_jacobian(f, jac_f, *args, argnums=0, rtol=None, atol=None, reference="auto", seed=None) -> CheckResult:
    """Check that `jac_f(*args)` is the Jacobian of `f`; tolerances as in `check_grad`, per block.

    Shape contract: as `difflab.jacobian`, out.shape + in.shape (for pytrees: f's output structure
    with the argument's structure at each leaf).

    >>> import numpy as np
    >>> bool(check_jacobian(lambda x: x ** 2, lambda x: np.diag(2 * x), np.array([1.0, 2.0])))
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    return _matrix_check("check_jacobian", "jacobian", f, jac_f, args, argnums, rtol, atol, reference, seed)


def check_hessian(f, hess_f, *args, argnums=0, rtol=None, atol=None, reference="auto", seed=None) -> CheckResult:
    """Check that `hess_f(*args)` is the Hessian of scalar `f`; tolerances as in `check_grad`.

    Shape contract: as `difflab.hessian`, in.shape + in.shape. A black box's reference is a
    Richardson difference of Richardson gradients, so expect its tolerance to be looser.

    >>> import numpy as np
    >>> bool(check_hessian(lambda x: (x ** 3).sum(), lambda x: np.diag(6 * x), np.array([1.0, 2.0])))
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    return _matrix_check("check_hessian", "hessian", f, hess_f, args, argnums, rtol, atol, reference, seed)


def _primals_target(f, args, check):
    if not args:
        raise TypeError(f"{check} needs at least one primal argument")
    return _Target(f, args, tuple(range(len(args))))


def _check_primal(check, name, out, t: _Target, rtol):
    y = np.concatenate([np.ravel(np.asarray(o, dtype=float)) for o in _leaves_like(out, t.out_axis.td, name)])
    tol = (math.sqrt(np.finfo(float).eps) if rtol is None else rtol) * max(np.max(np.abs(t.y), initial=0.0), 1.0)
    if y.shape != t.y.shape or not np.all(np.abs(y - t.y) <= tol):
        raise GradientMismatch(f"{check}: {name} returned the primal output {_short(out)}, but f(*primals) is "
                               f"{_short(t.out_axis.split(t.y))}")


def check_jvp(f, jvp_f, *args, rtol=None, atol=None, reference="auto", seed=None) -> CheckResult:
    """Check a Jacobian-vector product: `jvp_f(primals, tangents) -> (f(*primals), J v)` (JAX's
    signature; every argument is a primal, tangents have the primals' structure).

    The tangent v is drawn from `seed`; J v is compared with the reference's entry by entry.

    >>> import numpy as np
    >>> bool(check_jvp(np.sin, lambda p, t: (np.sin(p[0]), np.cos(p[0]) * t[0]), np.array([0.5, 1.0])))
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    t = _primals_target(f, args, "check_jvp")
    v = np.random.default_rng(_seed(seed)).standard_normal(t.in_axis.size)
    out, tangent = jvp_f(tuple(args), t.in_axis.split(v))
    name = _who("jvp_f", jvp_f)
    _check_primal("check_jvp", name, out, t, rtol)
    user, dtypes = _matrix(tangent, t.out_axis, DIRECTION, name)
    ref = _reference(t, "jvp", reference, v)
    case = _Case("check_jvp", name, t.out_axis, DIRECTION, _seed(seed), dtypes | t.dtypes,
                 second=lambda c: one_sided(t, v), direction=lambda c: f"the tangent drawn from seed {_seed(seed)}",
                 magnitude=t.magnitude, scale_name="this entry's |reference|")
    return _judge(case, user, ref, _entry_scale, rtol, atol)


def check_vjp(f, vjp_f, *args, rtol=None, atol=None, reference="auto", seed=None, probes=3) -> CheckResult:
    """Check a vector-Jacobian product: `vjp_f(*primals) -> (f(*primals), pullback)`, where
    `pullback(u)` returns one cotangent per primal (a tuple, as JAX and difflab.vjp do).

    The adjoint identity ⟨J v, u⟩ = ⟨v, pullback(u)⟩ is tested for `probes` random pairs (v, u)
    drawn from `seed`, with J v from the reference (a directional derivative): J is never built.
    Each probe's scale is Σ|u|·|J v|.

    >>> import numpy as np
    >>> bool(check_vjp(np.sin, lambda x: (np.sin(x), lambda u: (np.cos(x) * u,)), np.array([0.5, 1.0])))
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    t = _primals_target(f, args, "check_vjp")
    name = _who("vjp_f", vjp_f)
    out, pullback = vjp_f(*args)
    _check_primal("check_vjp", name, out, t, rtol)
    rng = np.random.default_rng(_seed(seed))
    vs = rng.standard_normal((probes, t.in_axis.size))
    us = rng.standard_normal((probes, t.out_axis.size))
    user, refs, errs, scales, dtypes = [], [], [], [], set()
    for v, u in zip(vs, us):
        cot = pullback(t.out_axis.split(u))
        if len(args) == 1 and not (isinstance(cot, (tuple, list)) and len(cot) == 1):
            cot = (cot,)  # a bare cotangent for a single primal
        g, dt = _matrix(cot, SCALAR, t.in_axis, f"{name}'s pullback")
        dtypes |= dt
        ref = _reference(t, "jvp", reference, v)
        user.append(float(g[0] @ v))
        refs.append(float(u @ ref.value[:, 0]))
        errs.append(float(np.abs(u) @ ref.error[:, 0]))
        scales.append(float(np.abs(u) @ np.abs(ref.value[:, 0])))
    probe_axis = _Axis(tree.TreeDef(tree.LEAF), ("probe",), ((probes,),))
    ref = _Reference(np.array([refs]), np.array([errs]), "⟨J v, u⟩ with J v from " + ref.how, ref.exact, ref.hints,
                     blind=ref.blind)
    case = _Case("check_vjp", f"⟨v, pullback(u)⟩ with the pullback of {name}", SCALAR, probe_axis, _seed(seed),
                 dtypes | t.dtypes, second=lambda c: one_sided(t, vs[c], us[c][None]),
                 direction=lambda c: f"probe {c} (v, u drawn from seed {_seed(seed)})",
                 magnitude=t.magnitude * float(np.abs(us).sum(axis=1).max()), scale_name="Σ|u|·|J v| of this probe")
    scale = np.maximum(np.array([scales]), np.finfo(float).tiny)
    return _judge(case, np.array([user]), ref, lambda value: np.maximum(scale, np.abs(value)), rtol, atol)


def taylor_test(f, grad_f, *args, argnums=0, seed=None, min_slope=1.8) -> TaylorResult:
    """Tolerance-free check: the odd Taylor remainder r(h) = |f(x + h v) − f(x − h v) − 2h ⟨g, v⟩|
    shrinks as h³ when g = grad_f(*args) is the gradient of scalar f (the h² terms cancel), and
    only as h when it is not.

    Why the odd part: the one-sided remainder f(x + hv) − f(x) − h⟨g, v⟩ carries an h² term that
    hides a small gradient error δ until h < |δ·v|/|vᵀHv|, where round-off has long taken over (a
    1e-6 relative error passed). Without it, h|δ·v| outlives h³ at steps far above round-off.
    v is drawn from `seed`; h runs over 10^(-k/2) × max(1, |x|∞), k = 2..18. The slope of log r
    against log h is fitted over the three smallest steps whose remainder stands above round-off;
    a slope below `min_slope` raises GradientMismatch. Shape contract as in `check_grad`.

    >>> import numpy as np
    >>> round(taylor_test(lambda x: np.exp(x).sum(), np.exp, np.array([0.1, 0.2])).slope)
    3
    """
    __tracebackhide__ = True
    t = _Target(f, args, argnums)
    if t.out_axis.size != 1:
        raise TypeError(f"taylor_test needs f with a scalar output, got shape {t.out_axis.shapes}")
    name = _who("grad_f", grad_f)
    g, _ = _matrix(grad_f(*args), SCALAR, t.in_axis, name)
    v = np.random.default_rng(_seed(seed)).standard_normal(t.in_axis.size)
    steps = 10.0 ** (-np.arange(2, 19) / 2) * max(1.0, float(np.max(np.abs(t.x), initial=0.0)))
    slope_g = float(g[0] @ v)
    fp = np.array([t.call(t.x + h * v)[0] for h in steps])
    fm = np.array([t.call(t.x - h * v)[0] for h in steps])
    r = np.abs(fp - fm - 2 * steps * slope_g)
    noise = 1e3 * np.finfo(float).eps * (np.abs(fp) + np.abs(fm))
    ok = np.isfinite(r) & (r > noise)
    if ok.sum() < 2:
        return TaylorResult(float("nan"), tuple(steps), tuple(r), _seed(seed),
                            "the remainder is at round-off for every step: f is at most quadratic along v")
    use = np.flatnonzero(ok)[-3:]
    slope = float(np.polyfit(np.log(steps[use]), np.log(r[use]), 1)[0])
    if slope < min_slope:
        table = "\n".join(f"    h = {h:9.2e}   r = {x:10.3e}" for h, x in zip(steps[use], r[use]))
        raise GradientMismatch(
            f"taylor_test: the remainder |f(x+hv) - f(x-hv) - 2h<{name}, v>| shrinks with slope {slope:.2f} "
            f"in log-log (3 for a right gradient, 1 for a wrong one):\n{table}\n  seed {_seed(seed)}",
            slope=slope, seed=_seed(seed), hints=())
    return TaylorResult(slope, tuple(steps), tuple(r), _seed(seed))
