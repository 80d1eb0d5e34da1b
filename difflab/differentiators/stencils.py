"""Finite-difference stencils: weights, steps, Richardson extrapolation, the error model (the
numeric method's mathematics; `numeric.py` holds the method itself).

How it works. A stencil samples f along a direction v at offsets o_j·h and combines the values
with weights w_j: J v ≈ Σ_j w_j f(x + o_j h v) / h. The weights make the formula exact for
polynomials of as high a degree as the points allow; they come from one generic routine (the
Vandermonde system, solved in closed form through the Lagrange basis), never from a table.
Central difference of x² at 3 with step h:

    ((3+h)² - (3-h)²) / 2h = 12h / 2h = 6        exact up to round-off (x² has no 3rd derivative)

For a general f the truncation error is O(h²) while the round-off error, eps·|f|/h, grows as h
shrinks; their sum is smallest near h ~ eps^(1/3) ≈ 6e-6 (times max(1, |x|)) when |f‴| ≈ |f|; a gradient of 4
components or more sizes f‴ first on a few probed axes (one evaluation more each: 4 points on the axis give its
f‴_ii and its own derivative) and moves the others' step within ½× … 1.5× (2.5× from n = 16) (pilot.py: one axis from
4 to 7 components, 2 + 2/n per component; from 8 within 2.25); a direction whose stencil
moves an op's argument too far for the op's length scale (a pole, cusp, domain edge or period nearer than
the step) is evaluated again at a smaller step (scales.py). A stencil of order
p is best near eps^(1/(p+1)). "richardson" extrapolates central differences at h, h/1.7,
h/1.7², ... (14 steps, h = 0.5·max(1, |x|)) to h → 0 in a Neville table and keeps, per element, the entry with the least error
estimate: its change from its parents (or the later entries' of its column beyond their round-off: steps wider than
f's features see it flat) plus its round-off (Ridders' method; ~1e-13 relative on
smooth functions for 28 evaluations per component, bench/numeric.py; steps that leave f's domain
spoil only the entries built from them). "complex" takes
Im f(x + ih)/h: no subtraction, so no cancellation, h = 1e-20, accurate to machine precision,
but only through complex-analytic ops (checked on the graph when prepared).
A full Jacobian costs one stencil per input component; the value f(x) is computed once (a Jacobian
of one output with nothing held: as row 0 of the batched run, `scales.chunked`). Every
shifted point of every component and step is evaluated in ONE batched run of the graph (each op
by its registry batching rule), and the stencils and the table work on whole arrays; traced
values (nested differentiation) and black-box callables are evaluated point by point. The
Hessian has its own stencil and step (eps^(1/4)): differences of differences at the first
derivative's step would be mostly noise. Cost unit: `prepared.cost.evals`, evaluations of f
(a batched run of B points counts B).
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading

import numpy as np

from .. import numpy as dnp
from ..errors import NotDifferentiableError, holding_domain_warnings
from ..graph import Traced, Var, combining_values
from .base import check_size, refuse_complex, whole
from .pieces import rows_checked
from .pilot import PILOT_FROM, probe_axes
from .widths import judge_hessian_width, judge_richardson_width, judge_user_step, judge_width
from .scales import (
    SECOND_SHARE,
    TERMS_FROM,
    grid_of,
    hessian_within_reach,
    rows_roundoff,
    say_roundoff,
    say_unconverged,
    say_one_sided,
    say_stencil_domain,
    say_step_overflow,
    say_underflow,
    say_unresolved,
    stencil_points,
    within_reach,
)

__all__ = [
    "stencil_weights",
    "plan",
    "check_settings",
    "nesting",
    "numeric_jacobian",
    "numeric_gradient",
    "EPS",
    "SCHEMES",
]

EPS = np.finfo(float).eps
# Richardson: steps h/1.7^j from h = 0.5·max(1, |x|), 14 of them. Large steps keep round-off
# (eps·|f|/h) low, many gentle ones let the table cancel their truncation error; the smallest
# (~5e-4·max(1, |x|)) still resolve fast oscillations and a kink or domain edge nearby.
RATIO, RICHARDSON_STEP = 1.7, 0.5
#: f's differences on a grid this much coarser than eps·|f(x)| bound its round-off by the grid (`_value_roundoff`):
#: differences of f's own precision lie on its ulp times a few powers of two at most
GRID_SLACK = 16.0
#: directions whose exact zero difference is probed for an addition that absorbed it (2 evaluations each; an f that
#: does not depend on those x_i pays them, so few: `scales.say_roundoff`)
PROBED = 4
#: a nested level's probe also steps this far (relative to max(1, |x|)): the inner levels' own step, eps^(1/4)
NESTED_PROBE = EPS**0.25
#: a zero entry below this share of the derivative's largest one is no wrong answer at the 1e-3 accuracy (its saturated
#: op's lost change judged against it: offsets.absorbed's `negligible`)
NEGLIGIBLE = 1e-12
_ANY = np.logical_or.reduce  # (likewise: no ndarray.any Python layer)
_MIN, _TINY = np.minimum.reduce, np.finfo(float).tiny
_SUM = np.add.reduce  # (bound once: each attribute access makes a new method object)
#: a later entry's change counts against the larger steps' entries beyond this many times its round-off bound
LATER_NOISE = 4.0
FIXED_ORDER = {"central4": 4, "central6": 6}
SCHEMES = ("forward", "backward", "central", "central4", "central6", "richardson", "complex")


def stencil_weights(offsets, d: int = 1) -> np.ndarray:
    """Weights w (one per offset) with f^(d)(x) ≈ Σ w_j f(x + o_j h) / h^d, exact for polynomials
    of degree < len(offsets): the d-th derivative at 0 of each Lagrange basis polynomial.

    >>> stencil_weights([-1, 0, 1]).tolist(), stencil_weights([-1, 0, 1], d=2).tolist()
    ([-0.5, 0.0, 0.5], [1.0, -2.0, 1.0])
    """
    o = np.asarray(offsets, dtype=float)
    rest = [np.delete(o, j) for j in range(len(o))]
    return np.array([math.factorial(d) * np.poly(r)[::-1][d] / np.prod(o[j] - r) for j, r in enumerate(rest)])


def _steps(x, V, base_steps, relative, exact=True):
    """Steps (k, T), one per direction (row of V, (k, n); None: the identity, one per component) and
    base step (base_steps, (T,)): base·max(1, |x_i| over v's support)/max|v| if relative, made exactly
    representable along v's largest component ((x + h) - x == h)."""
    x = np.asarray(getattr(x, "concrete", x))  # a traced x (nested use) takes the step of its value
    if V is None:  # a gradient's or Jacobian's directions (v = e_i): the same steps in fewer array operations
        xi = x.reshape(-1, 1)
        h = (np.maximum(1.0, np.abs(xi)) if relative else np.ones_like(xi)) * base_steps
        representable = (xi + h) - xi
    else:
        V = np.atleast_2d(V)
        i = np.abs(V).argmax(axis=1)
        xi, vi = x[i][:, None], V[np.arange(len(V)), i][:, None]
        vi[vi == 0] = 1.0  # a zero direction: any step will do, f(x + 0) - f(x) = 0
        # the largest |x_i| the direction moves (np.where, not |x|·(V ≠ 0): a NaN x_j it does not move would be NaN·0)
        moved = np.where(V != 0, np.abs(x), 0.0)
        scale = np.maximum(1.0, moved.max(axis=1, initial=0.0))[:, None] if relative else 1.0
        h = np.abs(scale / vi) * base_steps
        representable = ((xi + h * vi) - xi) / vi
    if not exact:
        return h
    # a relative step over 2 eps cannot vanish ((x + h) - x ≥ h/2 > 0, or NaN at a non-finite x): no check
    # (base_steps: a number, or monotonic, so its least is at one end)
    least = min(base_steps[0], base_steps[-1]) if isinstance(base_steps, np.ndarray) else base_steps
    if relative and least > 2 * EPS:
        return representable
    if not representable.all():
        r, c = np.argwhere(representable == 0)[0]
        raise ValueError(
            f"step {h[r, c]:.3g} vanishes at x = {xi[r, 0]:.17g}: it is below the spacing of "
            f"floats there ({np.spacing(xi[r, 0]):.3g}); choose a larger step (or step=None for "
            "the error model's default)"
        )
    return representable


def _traced_steps(x, V, base_steps, relative, exact=True):
    """`_steps` recorded on a traced x (numeric inside another method's trace), held by stop_gradient: the same
    numbers at the trace's point, and at another point the steps a fresh trace would take there, so that a reused
    enclosing graph answers as a fresh one (it kept the first point's steps and their exact representation there:
    reverse over numeric 5e-11 off at the next points; issue 11). Not for a step the user chose that vanishes."""
    if V is None:
        xi = dnp.reshape(x, (-1, 1))
        h = (dnp.maximum(1.0, dnp.abs(xi)) if relative else dnp.ones_like(xi)) * base_steps
        return dnp.stop_gradient((xi + h) - xi if exact else h)  # (last: no enclosing sweep pulls the ops before)
    V = np.atleast_2d(V)
    i = np.abs(V).argmax(axis=1)
    vi = V[np.arange(len(V)), i][:, None]
    vi[vi == 0] = 1.0
    xi = dnp.reshape(x, (-1,))[i][:, None]
    scale = dnp.maximum(1.0, dnp.max(dnp.where(V != 0, dnp.abs(x), 0.0), axis=1))[:, None] if relative else 1.0
    h = dnp.abs(scale / vi) * base_steps
    return dnp.stop_gradient(((xi + h * vi) - xi) / vi if exact else h)


#: components whose scales max(1, |x_i|) differ by more than this factor take separate steps in a JVP
SCALE_GROUP = 100.0


def _by_scale(x, V):
    """(parts, G) with V = G @ parts: each direction v (row of V, (k, n)) whose support mixes scales
    (max(1, |x_i|) differing by more than SCALE_GROUP) split into one part per component, v_i·e_i, which steps
    by its own |x_i| as the gradient's stencils do; None when no direction mixes scales. Why: one step from
    the largest |x_i| of v's support moved a component of 1e-190 by 1e145 (x = [7.7e-190, 2e-150, 4e150, -0.5]:
    NaN), and a shared step lets the cross terms of tiny components cancel their first-order change."""
    x = np.asarray(getattr(x, "concrete", x), dtype=float).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        group = np.floor(np.log(np.maximum(1.0, np.abs(x))) / np.log(SCALE_GROUP))
    group = np.where(np.isfinite(group), group, -1.0)  # NaN/inf components: a group of their own
    rows, parts = [], []
    for r, v in enumerate(V):
        support = np.flatnonzero(v)
        mixed = len(np.unique(group[support])) > 1
        for i in support if mixed else [None]:
            rows.append(r)
            parts.append(v if i is None else np.where(np.arange(len(v)) == i, v, 0.0))
    if len(parts) == len(V):
        return None
    G = np.zeros((len(V), len(parts)))
    G[rows, np.arange(len(parts))] = 1.0
    return np.array(parts), G


@functools.lru_cache(maxsize=None)
def _neville(terms):
    """The Neville table as linear maps of its first column (central differences at h/RATIO^j):
    (Mᵀ, r, uses, columns): Mᵀ (terms, 2E) stacks, as columns, C, which gives the E extrapolated entries, and each
    entry's change from its larger-step parent (previous order), transposed (and contiguous) for `_richardson`'s
    product, whose long axis is then the last: half the time of M @ S. An entry e = a + (a - b)/q made from its
    parents a (same step) and b (larger step), q = RATIO^(2c) - 1, changes from them by (a - b)/q and (a - b)(1 + q)/q:
    the change from b is always Ridders' larger one. r (E,) each entry's round-off in units of eps·|f(x)|/h; uses
    (terms, E): which differences each entry uses (its changes use no others); columns: (the table's rows
    (terms - 1, terms - 1), each column's entries from its smallest step's up padded with E, as rows first; which are
    real; those) for `_later`, then each entry and the later ones of its column (E, terms - 1), and their round-off
    bounds' LATER_NOISE times for `_later_chosen`."""
    rows = [np.eye(terms)[j] for j in range(terms)]  # column c of the table, as coefficient rows
    entries, changes = [], []
    for c in range(1, terms):
        q = RATIO ** (2 * c) - 1.0
        nxt = [rows[j] + (rows[j] - rows[j - 1]) / q for j in range(1, len(rows))]
        entries += nxt
        changes += [e - b for e, b in zip(nxt, rows[:-1])]
        rows = nxt
    M = np.array(entries + changes)
    # each entry's round-off per eps·|f(x)|/h at the first step: Σ_j |C_ej|·RATIO^j (the steps are h/RATIO^j)
    roundoff = np.abs(np.array(entries)) @ RATIO ** np.arange(terms)
    # each column's entries, from the smallest step's up, padded with E (an extra column of -inf): `_later`
    starts = np.cumsum([0] + [terms - c for c in range(1, terms - 1)])
    later = np.full((terms - 1, terms - 1), len(entries))
    for c, a in enumerate(starts):
        later[c, : terms - 1 - c] = np.arange(a + terms - 2 - c, a - 1, -1)
    later.flags.writeable = False
    valid = later.T < len(entries)  # (`_later`'s: the table's rows first, which entries are real, and those)
    later_rows = (later.T, valid, later.T[valid])
    after = np.empty((len(entries), terms - 1), dtype=np.intp)  # each entry, then the later ones of its column
    for c, a in enumerate(starts):
        for j in range(terms - 1 - c):
            rest = np.arange(a + j, a + terms - 1 - c)
            after[a + j] = np.concatenate([rest, np.full(terms - 1 - len(rest), a + j)])
    noise = LATER_NOISE * roundoff[after]  # (the round-off bounds those count beyond, in units of eps·|f(x)|/h)
    after.flags.writeable = noise.flags.writeable = False
    valid.flags.writeable = later_rows[2].flags.writeable = False
    return np.ascontiguousarray(M.T), roundoff, (np.array(entries).T != 0).astype(float), (later_rows, after, noise)


@functools.lru_cache(maxsize=64)
def _rows(k):
    return np.arange(k)


@functools.lru_cache(maxsize=64)
def _change_starts(k, E):
    """The flat index of each row's first change (k, 1) in a (k, 2E) table (`_later_chosen`)."""
    at = (_starts(k, 2 * E) + E)[:, None]
    at.flags.writeable = False  # (shared by every call)
    return at


@functools.lru_cache(maxsize=64)
def _starts(k, width):
    """The flat index of each row's first entry in a (k, width) array."""
    return np.arange(0, k * width, width)


def _richardson(S, H, f0, want_err=True, roundoff=False, later=True):
    """Central differences S (k, T, m) at steps H (k, T), H[:, j] = H[:, 0]/RATIO^j, extrapolated
    to h -> 0 in a Neville table (Ridders): per element, the entry whose error estimate is least.
    The estimate: its larger change from its two parents plus its round-off (eps·|f(x)|/h of each
    difference, carried through the extrapolation), so entries built from noise are not chosen.
    The table is one 2-D product: a row per (direction, output) pair. (d (k, m), the estimates (k, m) or,
    if not `want_err` and every difference is finite, None; with `roundoff`, then the chosen entries' round-off
    bound (k, m), eps·|f(x)|·Σ_j |c_j|/h_j over the differences they combine: the central stencil's R·Σ|w|/h.)
    `later`: an entry's change counts the later entries' of its column too (`_later`; not where f's values carry
    nested levels' noise above the round-off the table knows)."""
    k, T, m = S.shape
    Mt, r, uses, columns = _neville(T)
    E = len(r)
    S = S.reshape(k, T) if m == 1 else S.transpose(0, 2, 1).reshape(k * m, T)  # (one output: no transpose)
    # (a sum of finite numbers may overflow: then the general case below, which gives the same for finite S)
    # (np.add.reduce: S.sum() without its Python layer)
    finite = math.isfinite(_SUM(S, None)) if type(S) is np.ndarray and S.dtype.kind == "f" else np.isfinite(S).all()
    # (k·m, 2E): the entries, then their changes from their larger-step parents
    table = (S if finite else np.nan_to_num(S, nan=0.0, posinf=0.0, neginf=0.0)) @ Mt
    # eps·|f(x)|/h (k·m, 1): one output's as one number over the first steps (a column)
    scale = EPS * np.abs(f0[0]) / H[:, :1] if m == 1 else ((EPS / H[:, :1]) * np.abs(f0)).reshape(k * m, 1)
    err = np.abs(table[:, E:])
    spoilt = (((~np.isfinite(S)).astype(float) @ uses) > 0) | np.isnan(err) if not finite else None
    if later and not (finite and type(err) is np.ndarray):  # (the general case: every entry's later changes)
        err = _later(err, scale * r, columns[0], spoilt)
    else:
        err = err + scale * r
    if not finite:  # a step that left f's domain (or overflowed) spoils only the entries built from it
        err[spoilt] = np.inf
    at = err.argmin(axis=1)  # each row's least estimate (no copy of the table's entries; an array's by flat index)
    if later and finite and type(err) is np.ndarray:  # (estimates only grow: the chosen entry's own, then all)
        at, err = _later_chosen(at, err, table, scale, r, columns)
    d = (table.take(at + _starts(k * m, 2 * E)) if type(table) is np.ndarray else table[_rows(k * m), at]).reshape(k, m)
    bound = ((scale[:, 0] * r[at]).reshape(k, m),) if roundoff else ()
    if finite and not want_err:
        return (d, None, *bound)
    e = err[_rows(k * m), at].reshape(k, m)
    return (d if finite else np.where(np.isinf(e), np.nan, d)), e, *bound  # no usable entry at all: no derivative


def _later_chosen(at, err, table, scale, r, columns):
    """(at, err) with `_later`'s estimates where some chosen entry's later changes exceed its own (else as they are:
    `_later` only raises estimates, so an entry whose own is unchanged stays the least; ordinary f: one gather).
    table (k·m, 2E): the entries, then their changes."""
    E = len(r)
    # the chosen entries' changes and the later ones' of their columns (k·m, terms - 1), by flat index
    changes = np.abs(table.take(columns[1].take(at, axis=0) + _change_starts(len(at), E)))
    hit = _ANY(changes - scale * columns[2].take(at, axis=0) > changes[:, :1], axis=1)
    if not _ANY(hit, None):
        return at, err
    # `_later` on the rows hit alone: the others' are unchanged, as the test above is its own arithmetic on their
    # chosen entries (LATER_NOISE·(scale·r) against scale·(LATER_NOISE·r): a power of 2, the same numbers while
    # scale·r is a normal float, hence the test of scale; sin·exp(x/3) at n = 16: one row of 16, 52 -> 12 µs)
    rows = np.flatnonzero(hit)
    if len(rows) < len(at) and _MIN(scale, None) > _TINY:
        sub = _later(np.abs(table[rows, E:]), scale[rows] * r, columns[0])
        at, err[rows] = at.copy(), sub
        at[rows] = sub.argmin(axis=1)
        return at, err
    err = _later(np.abs(table[:, E:]), scale * r, columns[0])
    return err.argmin(axis=1), err


def _later(change, roundoff, later, spoilt=None):
    """Each entry's error estimate (k·m, E): its change from its parents, or the largest change beyond round-off of
    the entries after it in its column (smaller steps) where larger, plus its round-off. Why: a step wider than f's
    features sees f flat (a Gaussian of width 1e-2 at 3e-3: f(x ± h) = 0 from h = 0.06 up), where the table's
    entries agree exactly and their change is 0; Ridders' least estimate chose them: 0 for -55, silently. The smaller
    steps that resolve the feature change their column's entries: the larger steps' entries are no better."""
    now, noise = _number(change), _number(roundoff)  # (traced values, nested use: the choice made on their numbers)
    if type(now) is not np.ndarray or type(noise) is not np.ndarray:
        return change + roundoff
    beyond = now - LATER_NOISE * noise  # (a change within a few round-off bounds is no evidence: noise may reach them)
    if spoilt is not None:  # (entries built from a non-finite difference: their change is no evidence)
        beyond[spoilt] = -np.inf
    down, valid, picked = later  # (rows, columns): the table's rows first (`_neville`)
    # (rows, columns, k·m): the long axis last, so that the accumulate's inner loops run along it
    padded = np.concatenate([beyond, np.full((len(beyond), 1), -np.inf)], axis=1).T.take(down, axis=0)
    # (from the smallest step's up: the largest after each entry; one accumulate along the first axis, where a loop
    # over the rows took 18 µs for one direction and 24 for 16, along the last 30: max is exact, the same numbers,
    # NaN carried either way)
    np.maximum.accumulate(padded, axis=0, out=padded)
    beyond.T[picked] = padded[valid]
    if change is now and roundoff is noise:
        return np.maximum(change, beyond) + roundoff
    return change + np.maximum(beyond - now, 0.0) + roundoff


@combining_values  # recorded on traced values too: f's NaN/inf are reported by f's equations alone
@np.errstate(all="ignore")  # f's NaN/inf: reported by f's DomainWarning (and `Watch.centre` counts on it, `chunked`)
def _products(fun, x, V, f0, method, want_err=False, levels=1, inner=(0.0, 0.0)):
    """J v by method's scheme for each row v of V (k, n; None: the identity, k = n, giving Jᵀ): (JV (k, m),
    error estimate (k, m) or None).

    `fun(x, D)` gives f(x + d) for each row d of D as a (len(D), m) array: every shifted point of
    every direction and step is evaluated in one call. f0 = f(x) (flat, (m,)) is reused, never
    recomputed. The error estimate is a truncation part (the estimate at 2h against the one at h,
    or the Richardson table's) plus a round-off part eps·Σ|w_j|·|f(x)|/h, plus, where f holds numeric
    derivatives of its own (nested use), their error (`inner`: its round-off and truncation parts, each
    relative to their largest entry, `report_inner_error`): the round-off part is noise on f, divided by
    the step as f's own round-off is (r·max|f(x)|·Σ|w_j|/h); the truncation part is smooth in x and carries
    over relatively (t·max|J v|). A level running on traced values (inside an enclosing numeric level)
    reports its own estimate so.
    """
    o, w, wsum, p, steps, relative, real = method._plan
    if levels > 1 and method.step is None and method.scheme not in ("richardson", "complex"):
        # differences of differences: each level's round-off is divided by every level's step, so
        # an order-`levels` derivative wants h ~ eps^(1/(p + levels)) at each (eps^(1/4) for a
        # Hessian by central differences of central differences), not the first derivative's
        steps = np.array([EPS ** (1 / (p + levels))])
    n, m, eye = np.size(getattr(x, "concrete", x)), np.size(f0), V is None
    if not n and not eye:  # an empty x: nothing to step, J v = 0 for each direction (V is (k, 0))
        zeros = np.zeros((len(V), m))
        return zeros, (np.zeros_like(zeros) if want_err else None)
    V = None if eye else np.asarray(V, dtype=float).reshape(-1, n)  # (None: the identity, never built)
    if not (n if eye else len(V)):
        return np.zeros((0, m)), (np.zeros((0, m)) if want_err else None)
    split = None if eye or not relative else _by_scale(x, V)
    if split is not None:  # J v = Σ_g J v_g, each part v_g stepping by its own components' scale
        parts, G = split
        d, err = _products(fun, x, parts, f0, method, want_err, levels, inner)
        return (G @ d if isinstance(d, np.ndarray) else dnp.matmul(G, d)), (None if err is None else G @ err)
    rich, probe = method.scheme == "richardson", (_probed(fun, x, n, f0, method, want_err, levels) if eye else None)
    if probe is not None:  # the stencil runs on the other axes alone, at the step the probes give (pilot.py)
        steps, V, eye = steps * probe.factor, probe.directions, False
    # f at x + o_j h v for every direction v, step h and offset o_j (H (k, T) the steps: numbers, the judges'; Hd the
    # differences': H, or the recorded ones on a traced x)
    F, H, Hd, out = _stepped(fun, x, V, eye, probe, steps if rich or not want_err else steps * [1.0, 2.0], method, f0)
    f0 = fun.f0 if f0 is None else f0  # (None: fun's first run gave f(x) too, `scales.chunked`)
    m = np.size(f0)
    F, S, ref = _differenced(F, Hd, o, w, f0, real, m)
    # one value's round-off R (m,): eps·|f(x)|, or the grid f's values lie on where coarser (`_value_roundoff`)
    R = _value_roundoff(F - ref, f0) if real and type(F) is np.ndarray and type(f0) is np.ndarray else None
    # said with an estimate asked for too (dl.grad returns d alone: forward at 1e-15 gave 4.8 for 3.35 silently);
    # with numeric levels inside: R plus their noise, nonzero entries said only where some entry is resolved
    judge = (real, True, _inner_parts(f0, inner)[0] if levels > 1 else None)
    if rich:
        # (its table weighs entries by R/h; each chosen entry judged against its own round-off bound, as a stencil)
        d, err, bound = _richardson(S, H, f0 if R is None else R / EPS, True, roundoff=True, later=levels == 1)
        _roundoff(fun, d, F, ref, f0, wsum / H[:, :1], judge, x, V, R, bound)
        _richardson_judged(fun, d, err, F, ref, H, f0, bound, (real and levels == 1, method.step is None, method.step))
        d = rows_roundoff(d, f0, wsum / H[:, :1], levels, real, eye and getattr(fun, "terms", None))
        if not want_err:
            return _noise_inward(x, _unresolved(d, out), f0, wsum / H[:, :1], bound)
        noise, carried = _inner_parts(f0, inner)
        # the inner levels' noise divided by the least step (the table's entries use it); all of it noise
        err = err + EPS * np.abs(d) + noise / H[:, -1:] + carried * _largest(d)
        say_unresolved(fun, d, err)
        return _reported(x, _unresolved(d, out), 0.0, err)
    d = rows_roundoff(
        _unresolved(S[:, 0], out), f0, wsum / Hd[:, :1], levels, real, eye and getattr(fun, "terms", None)
    )  # (vmap's rows: judged alone)
    _roundoff(fun, d, F, ref, f0, wsum / H[:, :1], judge, x, V, R)
    d = _width_judged(fun, x, V, H, F, ref, d, f0, method, (want_err, levels, inner), probe)
    if not want_err:
        return _noise_inward(x, d, f0, wsum / H[:, :1])
    noise, carried = _inner_parts(f0, inner)
    # the estimate at 2h: 2^p times the error; each numeric level inside adds its own truncation differentiated here,
    # h_in^p·f^(p+2)/(p+1)!: the same as this level's at the same step (levels pick steps alike: `levels` terms)
    trunc = levels * np.abs(d - S[:, 1]) / (2.0**p - 1) + carried * _largest(d)
    roundoff = EPS * np.abs(d) + (((EPS * np.abs(f0) if R is None else R) + noise) * wsum / H[:, :1] if real else 0.0)
    say_unconverged(fun, d, trunc, roundoff, levels == 1 or (real and method.step is not None), method.step)
    say_unresolved(fun, d, trunc + roundoff)
    return _reported(x, d, trunc, roundoff)


def _stepped(fun, x, V, eye, probe, base, method, f0):
    """(F, H, Hd, out): f at x + o_j h v for every direction v (row of V; `eye`: the identity), step h (H (k, T), from
    `base` (T,); `probe`: the pilot's, pilot.py) and offset o_j, with the steps shrunk where an op's argument moved by
    more than its length scale allows (`scales.within_reach`; `out`: directions no step resolves, NaN). Hd: the steps
    the differences divide by, H or on a traced x the steps recorded (`_traced_steps`, where no scale shrank them)."""
    o, rich, relative, real = method._plan[0], method.scheme == "richardson", method._plan[5], method._plan[6]
    H = _steps(x, None if eye or probe else V, base, relative, exact=real)
    H = H if probe is None else H[probe.rest]  # probed: the identity's steps, the others' rows
    # (not inside a numeric level: its stencil differences this one's answer with this one's steps held, as a fresh
    # trace has them; their change over its points would be noise, 1e14·x0's rounding over h; Richardson's table on
    # traced values specialises the trace)
    traced = isinstance(x, Traced) and not rich and probe is None and not numeric_depth()
    on = _traced_steps(x, None if eye else V, base, relative, real) if traced else None
    with holding_domain_warnings() as held:  # (said naming the stencil point that left a domain, if one did)
        F, Hd, out = within_reach(fun, x, V, H, o, None if method.step is not None else base[0], real, on)
    D = stencil_points(o, Hd, V) if held and type(Hd) is np.ndarray else None
    say_stencil_domain(held, F, D, x, getattr(fun, "f0", None) if f0 is None else f0, method.scheme)
    if rows_checked() and not numeric_depth() and (on is not None or not isinstance(x, Traced)):
        fun.rows_check = getattr(fun, "decided", None)  # (under vmap's trace: checked per row, `pieces.rows_guard`)
    return F, (Hd if on is None or Hd is not on else H), Hd, out


def _richardson_judged(fun, d, err, F, ref, H, f0, bound, how):
    """Richardson's table judged where `how` = (real and one numeric level, default steps) says so: its change, its
    truncation (`say_unconverged`; err its estimate), and against f's features: one narrower than its smallest step,
    where the table sees f flat (`widths.judge_richardson_width`; its default steps), and steps an op's length scale
    shrank until f did not move at all (`say_unresolved`, as `_width_judged`: log(x·x) at 1e-160, 0 for 2e160; not
    a symmetric f's exact 0, sin(1e3·x)² at 0). (Nested, f's values carry the inner levels' noise, which their
    reported error underestimates: a linear f's residual 8e-13 of 0.09 was said; and `_richardson`'s `later`.)"""
    if not how[0]:
        return
    say_unconverged(fun, d, err - bound, bound, step=how[2])
    if how[1]:
        judge_richardson_width(fun, F, ref, H, f0, d)
    if type(d) is np.ndarray and getattr(fun, "limited", None):
        still = np.isfinite(d).all(axis=1) & (F == (ref if np.ndim(ref) else 0.0)).all(axis=(1, 2, 3))
        shrunk = getattr(fun, "shrunk", None)  # (a direction whose step no scale shrank, f unmoved: f's exact 0)
        still &= shrunk if shrunk is not None and len(shrunk) == len(still) else True
        say_unresolved(fun, d[still], bound[still])


def _width_judged(fun, x, V, H, F, ref, d, f0, method, how, probe):
    """d with the probed axes' own derivatives in their rows (`probe`, pilot.py), a default central stencil's step
    judged against f's length scale first (widths.py; `how`: (an estimate asked: `unconverged` judges it, the numeric
    levels, `inner`: their noise on f's values, `_inner_parts`)), and against its round-off where an op's length
    scale shrank it (`say_unresolved`; one level)."""
    (o, _, wsum, p, _, _, real), (want_err, levels, inner) = method._plan, how
    if real and not want_err and method.step is None and 1.0 in o and -1.0 in o and (o == -o[::-1]).all():
        noise = _inner_parts(f0, inner)[0] if levels > 1 and type(d) is np.ndarray else 0.0
        judge_width(fun, x, V, H, F, ref, d, f0, o, p, noise, levels)
    elif not want_err and method.step is not None and (real or levels == 1):  # the user's step: every stencil's
        noise = _inner_parts(f0, inner)[0] if levels > 1 and type(d) is np.ndarray else 0.0
        judge_user_step(fun, x, V, H, F, ref, d, f0, method._plan, method.step, noise, levels)
    if real and levels == 1 and ((o >= 0).all() or (o <= 0).all()):
        say_one_sided(fun, x, V, H, d, f0, method._plan[:3], method.scheme)  # (an op's singular point at x)
    if real and not want_err and levels == 1 and type(d) is np.ndarray and getattr(fun, "limited", None):
        # a step an op's length scale shrank, whose round-off eps·|f(x)|·Σ|w|/h exceeds every entry (log(x·x) at
        # 1e-160: x·x is subnormal, its scale shrank the step to 3e-176, f did not move at all: 0 for 2e160); the
        # directions no step resolves (NaN) were said by their DomainWarning
        ok = np.isfinite(d).all(axis=1)
        say_unresolved(fun, d[ok], (EPS * np.abs(np.ravel(_number(f0))) * wsum / H[:, :1])[ok])
    return d if probe is None else probe.merged(d)


def _differenced(F, H, o, w, f0, real, m):
    """(F, S, ref) from f's values F at the stencil's points, steps H (k, T), offsets o and weights w: F reshaped
    (k, T, offsets, m) (differences from f(x) where weighted), the weighted sums S (k, T, m) and `ref` (F's values
    where f did not move: f(x), or 0 for differences)."""
    if not real:  # complex step: Im f beyond the floats' normal range (scales.py)
        say_underflow(F, H)
    if type(F) is np.ndarray and len(w) == 2 and w[0] == -w[1] and abs(w[0]) == 0.5:  # ±½: the same numbers, no sum
        F = F.reshape(H.shape + (2, m))  # (f(x) cancels: F+ - F- is (F+ - f(x)) - (F- - f(x)); H / w0 = ±2H, exact)
        S, ref = (F[:, :, 0] - F[:, :, 1]) / (H / w[0])[:, :, None], f0
    else:
        F = (dnp.stack(F) if isinstance(F, list) else F) - (f0 if real else 0.0)  # differences from f(x) weighted
        F = F.reshape(H.shape + (len(o), m))  # F may be a Tracer
        S, ref = (F * w[:, None]).sum(axis=2) / H[:, :, None], 0.0
    # complex step's Im(f(x + ihv))/h is the real part of f's differences over ih; a real stencil's differences of a
    # complex output (fft of a real x) are J v itself, imaginary part and all
    return F, (S.real if not real and S.dtype.kind == "c" else S), ref


def _roundoff(fun, d, F, ref, f0, per_h, judge, x, V, R, bound=None):
    """`scales.say_roundoff` for a real stencil's d (k, m) on numbers, F its points' values (k, T, offsets, m) or
    their differences from f(x) (`ref`: F where f did not move, f(x) or 0), per_h Σ|w|/h (k, 1), along the rows of
    V (k, n; None: the identity) from x; R (m,) one value's round-off (`_value_roundoff`), None on traced values;
    judge: (whether to judge at all, whether nonzero entries too, the noise of the numeric levels inside f or None:
    then R is eps·|f(x)| plus that noise, zeros where f did not move are judged in outputs whose every entry is one,
    and nonzero entries only where some entry is resolved (`scales.say_roundoff`'s "resolved": a derivative of
    numeric derivatives that is truly 0 is their noise, relu's Hessian beside its kink); `bound` (k, m): d's own
    round-off bound where it is not R·per_h (a Richardson table's extrapolated entries weigh several steps'
    differences)."""
    if judge[0] and type(d) is np.ndarray and R is not None:
        absorbed = getattr(fun, "absorbed", None)

        top = np.max(np.abs(d), where=np.isfinite(d), initial=0.0)  # (the derivative's largest entry)

        def probe(rows):  # f at x ± the step along each of the first PROBED directions: an addition that lost it
            for i in rows[:PROBED]:
                # (Σ|w|/h: 1/h for central differences; a step of the stencil's size; nested, also one of the inner
                # levels' size: Richardson's 0.5 moves f past what an inner central difference lost at 1e-4)
                for step in (1.0 / per_h[i, 0],) + (
                    (NESTED_PROBE * max(1.0, _largest(x)),) if judge[2] is not None else ()
                ):
                    h = np.zeros(len(d))
                    h[i] = step
                    # (a saturated op's lost change counts above NEGLIGIBLE of the derivative's largest entry over the
                    # ±step: network-like w·tanh(5x) at 5x = 17, 2e-14 beside 5, is no wrong answer at the accuracy)
                    e = absorbed(x, h if V is None else h @ V, negligible=NEGLIGIBLE * top * 2.0 * step)
                    if e is not None:
                        return i, e
            return None

        own = EPS * np.abs(np.ravel(f0))
        if judge[2] is None and getattr(fun, "terms", None) is not None:  # (f's terms may cancel: `terms_size`)
            was, (own, R) = (
                R,
                _with_terms(fun.terms, d, own, R, per_h if bound is None else bound / np.where(R > 0, R, 1)),
            )
            bound = None if bound is None else bound * np.where(was > 0, R / np.where(was > 0, was, 1.0), 1.0)
        if judge[2] is not None:  # (nested: the inner levels' noise, not a grid that their exact differences mimic)
            # (a table's bound is R·Σ|c_j|/h_j: the inner noise is divided by the same steps, its least ones too)
            with np.errstate(all="ignore"):
                scaled = None if bound is None else bound * np.where(R > 0, (own + judge[2]) / R, 1.0)
            R, bound = own + judge[2], None if bound is None else np.where(R > 0, scaled, bound + judge[2] * per_h)
        bound = R * per_h if bound is None else bound
        # the bound an entry above it is judged by: f's own round-off (plus the inner levels' noise), not the grid,
        # which f's exact values at dyadic steps mimic (5·a·b at (2, 3): its differences' few bits, a "grid" of 2)
        with np.errstate(all="ignore"):
            firm = bound * np.where(R > 0, (own if judge[2] is None else R) / R, 1.0)
        moved = (F[:, 0] != ref).any(axis=1)
        # (nested: entries below their bound may be a derivative truly 0, relu's Hessian beside its kink: "resolved")
        said, nested = judge[1] and (True if judge[2] is None else "resolved"), judge[2] is not None
        say_roundoff(fun, d, bound, moved, f0, said, probe=absorbed and probe, columns=nested, firm=firm)


def _with_terms(terms, d, own, R, per_h):
    """(own, R) of `_roundoff` with each output's round-off eps·|f(x)| raised to eps·‖terms‖ (`scales.terms_size`, on
    the call's numbers: `terms()`), where some nonzero entry's bound by eps·|f(x)| (per_h (k, 1) or (k, m): Σ|w|/h)
    is above TERMS_FROM of it (else f is not evaluated again: they would have to be 100 times |f(x)| to be said)."""
    with np.errstate(all="ignore"):
        share = np.where((d != 0) & np.isfinite(d), own * per_h / np.abs(d), 0.0)
    if not (share > TERMS_FROM).any():
        return own, R
    try:
        size = terms()
    except (TypeError, ValueError, ArithmeticError):  # (values NumPy refuses to weigh: f(x)'s own round-off stands)
        size = None
    if size is None or np.shape(size) != np.shape(own):
        return own, R
    own = np.maximum(own, EPS * np.where(np.isfinite(size), size, 0.0))
    return own, np.maximum(R, own)


def _value_roundoff(D, f0):
    """The round-off of one value of f, per output (m,), from f's differences D (..., m) at the stencil's points:
    eps·|f(x)|, or the spacing of the grid D lies on where that is coarser by more than GRID_SLACK (f's values
    passed through a larger intermediate: `scales.grid_of`)."""
    own = EPS * np.abs(np.ravel(f0))
    if own.size == 0:  # (no outputs: nothing to judge)
        return own
    if np.iscomplexobj(D):  # (a real stencil's differences of a complex output: both parts lie on the grid)
        D = np.concatenate([np.reshape(D.real, (-1, len(own))), np.reshape(D.imag, (-1, len(own)))])
    with np.errstate(all="ignore"):
        # the common case first: some difference of each output is not a whole multiple of the least power of two
        # above GRID_SLACK·own (a scaling by it is exact), so no grid that coarse holds them all (then grid_of's bits)
        step = np.exp2(np.ceil(np.log2(GRID_SLACK * own)))
        if (step > 0).all():
            rows = np.reshape(D, (-1, len(own)))
            first = rows[0] / step  # (a witness first: the whole table only where it is a whole number)
            if (np.rint(first) != first).all():
                return own
            whole = rows / step
            if not (np.rint(whole) == whole).all(axis=0).any():
                return own
        q = grid_of(D)
    return np.where(q > GRID_SLACK * own, q, own)


def _probed(fun, x, n, f0, method, want_err, levels):
    """pilot.py's probes of a few axes for a gradient's default central step, or None (the stencil then runs on
    every axis at the default step): from PILOT_FROM components, one output, on numbers, no error estimate (it
    wants every component's stencil at h and 2h)."""
    _, _, _, p, steps, relative, _ = method._plan
    if n < PILOT_FROM or method.scheme != "central" or p != 2 or not relative or levels != 1 or want_err:
        return None
    return probe_axes(fun, x, f0, float(steps[0])) if getattr(fun, "pilot", np.size(f0) == 1) else None


def _number(v):
    return getattr(v, "concrete", v)


def _inner_parts(f0, inner):
    """The error estimate of the numeric levels inside f (`inner`: relative round-off and truncation), as `_products`
    adds it: the round-off as noise on f, the truncation carried over relatively (each with a margin 2)."""
    return 2.0 * inner[0] * np.max(np.abs(_number(f0)), initial=0.0), 2.0 * inner[1]


def _largest(d):
    return np.max(np.abs(_number(d)), initial=0.0)


def _noise_inward(x, d, f0, per_h, bound=None):
    """(d, None), reporting d's round-off eps·|f(x)|·Σ|w|/h, relative to its largest entry, to the enclosing numeric
    level when d is recorded in its trace, though no estimate was asked: that level judges its entries by it.
    `bound`: d's own round-off bound where larger (a Richardson table's chosen entries: eps·|f(x)|·Σ|c_j|/h_j, its
    least steps 1.7^13 times the first's). (Not the grid of f's values: a polynomial's exact values at dyadic steps
    mimic a coarse one, and the outer level would then say its right entries.)"""
    if (isinstance(x, Traced) or isinstance(d, Traced)) and getattr(_nesting, "depth", 0) > 0:
        with np.errstate(all="ignore"):
            own = EPS * np.max(np.abs(_number(f0)), initial=0.0)
            rel = own * max(np.max(per_h), _largest(bound) / own if bound is not None and own else 0.0)
            rel = rel / max(_largest(d), 1e-300)
        report_inner_error(float(rel) if np.isfinite(rel) else np.inf, 0.0)
    return d, None


def _reported(x, d, trunc, roundoff):
    """(d, trunc + roundoff), reporting both parts relative to d's largest entry to the enclosing numeric level
    when d is recorded in its trace (this is a numeric derivative inside a function another numeric level
    differentiates: x is traced, or f closes over traced values, x = 2 in `grad(lambda y: x * y)(2.0)`)."""
    if (isinstance(x, Traced) or isinstance(d, Traced)) and getattr(_nesting, "depth", 0) > 0:
        with np.errstate(all="ignore"):
            rel = [np.max(np.abs(_number(e)), initial=0.0) / max(_largest(d), 1e-300) for e in (roundoff, trunc)]
        report_inner_error(*[float(r) if np.isfinite(r) else np.inf for r in rel])
    return d, trunc + roundoff


def report_inner_error(roundoff: float, trunc: float):
    """A numeric level inside the one being traced (`nesting`) says its error estimate's round-off and
    truncation parts, each relative to its largest entry."""
    was = getattr(_nesting, "inner", (0.0, 0.0))
    _nesting.inner = (max(was[0], roundoff), max(was[1], trunc))


def _unresolved(d, out):
    """d (k, m) with NaN in the rows of the directions `out` marks."""
    if not out.any():
        return d
    return dnp.where(out[:, None], np.nan, d) if not isinstance(d, np.ndarray) else np.where(out[:, None], np.nan, d)


@np.errstate(invalid="ignore", divide="ignore", over="ignore")
def _hessian_stencil(fun, x, f0, method, error=None):
    """H (n, n) of a scalar f at x (n,): a second-order central stencil per entry, step
    eps^(1/4)·max(1, |x_i|) (or `step`: differences of differences at the first derivative's step
    would be mostly noise; `method.step`). `fun(x, D)` as for `_products`, n + n² points; f0 = f(x), reused. Returns
    (H, its error estimate (n, n) if `method.error_estimate`, else `error`): the stencil again at twice the steps
    (n + n² points more), the change over 3 (the truncation error is O(h²)), plus its round-off 4·eps·|f(x)|/(h_i h_j)
    and eps·|H|."""
    step, want_err = method.step, method.error_estimate
    n, (i, j) = np.size(x), np.tril_indices(np.size(x), -1)
    if not n:  # an empty x: an empty Hessian, no point to evaluate
        return np.zeros((0, 0)), (np.zeros((0, 0)) if want_err else error)
    h = _steps(x, None, step or EPS**0.25, step is None)[:, 0]
    if isinstance(x, Traced) or isinstance(f0, Traced):  # vmap's first row (`hessian_on_rows`, f closing over it too)
        return _traced_hessian(fun, x, h, f0, method), error

    def points(h):
        hv = np.diag(h)
        return np.concatenate([hv, -hv, hv[i] + hv[j], -hv[i] - hv[j]])

    # steps shrunk where an op's argument moved too far for its length scale (scales.py)
    f, h, out = hessian_within_reach(fun, x, h, points, None if step is not None else EPS**0.25)
    f = f[:, 0] - f0  # differences from f(x): equal values cancel exactly
    fp, fm, fpp, fmm = f[:n], f[n : 2 * n], f[2 * n : 2 * n + len(i)], f[2 * n + len(i) :]
    H = _second_differences(f, h, i, j)
    H[out], H[:, out] = np.nan, np.nan
    if not want_err:  # (an estimate asked: the stencil at 2h below; the user's step named)
        judge_hessian_width(fun, x, h, fp, fm, H, f0, step)
    # its round-off, eps·|f(x)|·Σ|w|/(h_i h_j), against H where an op's length scale shrank a step (`say_unresolved`)
    bound = 4.0 * EPS * np.abs(f0) / np.outer(h, h)
    say_unresolved(fun, H, bound)
    # the whole Hessian below that round-off, f unmoved where it is 0 (a large constant term: `say_roundoff`)
    still = np.diag((fp == 0) & (fm == 0))
    still[i, j] = still[j, i] = (fpp == 0) & (fmm == 0) & (fp[i] == 0) & (fm[i] == 0) & (fp[j] == 0) & (fm[j] == 0)
    name = lambda k, _: f"H[{k // n}, {k % n}]"  # noqa: E731
    probe = _hessian_probe(fun, x, h, still)
    noise = bool((np.abs(H) < bound).all())  # every entry below its bound (structural zeros' noise alone: not said)
    lost = still | (noise & (H == 0))  # (all below it: a zero where f moved may be a second difference lost)
    say_roundoff(fun, H.reshape(-1, 1), bound.reshape(-1, 1), ~lost.reshape(-1, 1), [f0], noise, name, probe)
    if not noise:  # an entry above its bound whose bound is still SECOND_SHARE of it, as a gradient's (an estimate
        # asked for too: the Hessian returned is H alone)
        # (its bound by f's terms where they cancel, inside a nonlinear op too: `scales.terms_size`)
        firm = _hessian_terms(fun, H, bound, f0)
        with np.errstate(all="ignore"):
            band = np.where((np.abs(H) >= bound) & (SECOND_SHARE * np.abs(H) < firm), H, 0.0).reshape(-1, 1)
        say_roundoff(
            fun, band, bound.reshape(-1, 1), np.ones_like(band, bool), [f0], True, name, firm=firm.reshape(-1, 1)
        )
    say_step_overflow(method.step, x, f0, H)
    if not want_err:
        return H, error
    f2 = fun(x, points(2.0 * h))
    H2 = _second_differences((f2[0] if isinstance(f2, tuple) else f2)[:, 0] - f0, 2.0 * h, i, j)
    trunc = np.abs(H - H2) / 3.0
    say_unconverged(fun, H, trunc, bound + EPS * np.abs(H), step=step)  # (as a gradient's estimate at 2h)
    err = trunc + bound + EPS * np.abs(H)
    return H, np.where(np.isfinite(err), err, np.inf)


def _hessian_terms(fun, H, bound, f0):
    """The Hessian stencil's round-off bound 4·R/(h_i h_j) with R = eps·max(|f(x)|, ‖f's terms‖) (`scales.terms_size`,
    on the call's numbers), `bound` where there are none. Always weighed (not from `TERMS_FROM` as the gradient's: one
    pass over f's graph beside the stencil's n + n² points): a cancellation carried through a nonlinear op may be any
    size beside |f(x)| ((sin x + C) - (C + 0.5) squared, C = 6.4e6: H 5 % off, its bound by eps·|f(x)| 1e-7 of it)."""
    terms = getattr(fun, "terms", None)
    if terms is None or not np.isfinite(f0) or f0 == 0 or not np.isfinite(H).any():
        return bound
    try:
        size = terms()
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError, IndexError):  # (f(x)'s stands)
        size = None
    if size is None or np.size(size) != 1 or not np.isfinite(size).all():
        return bound
    return bound * max(1.0, float(np.ravel(size)[0]) / abs(float(f0)))


def _traced_hessian(fun, x, h, f0, method):
    """`_hessian_stencil` recorded on vmap's traced first row (`hessian_on_rows`), without its judges (on numbers):
    the steps recorded as `_traced_steps` (each row's own, as the row alone takes them), the points M·h (M: the
    stencil's 0/±1 pattern, so each is the alone path's number), the decisions on the first row's numbers and
    checked per row (`pieces.rows_guard`), the second differences in the alone path's order of operations, so
    each row is the row alone's Hessian bit for bit (it was the Jacobian of a numeric gradient: ~1e-7 apart)."""
    n, (i, j) = len(h), np.tril_indices(len(h), -1)
    eye = np.eye(n)
    M = np.concatenate([eye, -eye, eye[i] + eye[j], -eye[i] - eye[j]])
    on = None if method.step is not None else dnp.reshape(_traced_steps(x, None, EPS**0.25, True), (-1,))
    points = lambda h: M * h  # noqa: E731  ((numbers or traced) 0·h = 0, ±1·h = ±h: exact)
    F, h_num, out = hessian_within_reach(fun, x, h, points, None if method.step is not None else EPS**0.25, on)
    if rows_checked() and not numeric_depth():
        fun.rows_check = getattr(fun, "decided", None)
    shrunk = on is None or bool((h_num != np.asarray(h)).any())
    hd = h_num if shrunk else on
    F = dnp.stack(F) if isinstance(F, list) else F
    f = dnp.reshape(F, (len(M), -1))[:, 0] - f0
    fp, fm, fpp, fmm = f[:n], f[n : 2 * n], f[2 * n : 2 * n + len(i)], f[2 * n + len(i) :]
    w = stencil_weights([-1, 0, 1], d=2)
    diag = (w[0] * fm + w[2] * fp) / hd**2
    off = (fpp + fmm - dnp.take(fp, i) - dnp.take(fm, i) - dnp.take(fp, j) - dnp.take(fm, j)) / (
        2 * dnp.take(hd, i) * dnp.take(hd, j)
    )
    where = np.zeros((n, n), np.intp)  # H's entries gathered from [diag, off]
    where[np.arange(n), np.arange(n)] = np.arange(n)
    where[i, j] = where[j, i] = n + np.arange(len(i))
    H = dnp.take(dnp.concatenate([diag, off]), where)
    if out.any():
        H = dnp.where(out[:, None] | out[None, :], np.nan, H)
    # NaN (the row answered alone, which judges it) where the alone path's round-off judges may speak: every entry
    # below its bound 4·eps·|f(x)|/(h_i h_j), one above it within SECOND_SHARE, or f unmoved at an entry's points
    bound, a = 4.0 * EPS * dnp.abs(f0) / (dnp.reshape(hd, (-1, 1)) * dnp.reshape(hd, (1, -1))), dnp.abs(H)
    moved = dnp.concatenate([(fp != 0) | (fm != 0), (fpp != 0) | (fmm != 0) | dnp.take((fp != 0) | (fm != 0), i)])
    still = ~dnp.take(moved | dnp.concatenate([dnp.zeros(n, bool), dnp.take((fp != 0) | (fm != 0), j)]), where)
    noise = dnp.all(a < bound) | dnp.any((a >= bound) & (SECOND_SHARE * a < bound)) | dnp.any(still & (f0 != 0))
    return H + dnp.stop_gradient(dnp.where(noise, np.nan, 0.0))


def _second_differences(f, h, i, j):
    """H (n, n) from f's differences from f(x) (`_hessian_stencil`'s points at steps h: +h_k, -h_k, then the lower
    triangle's pairs (i, j), +, then -)."""
    n = len(h)
    fp, fm, fpp, fmm = f[:n], f[n : 2 * n], f[2 * n : 2 * n + len(i)], f[2 * n + len(i) :]
    w = stencil_weights([-1, 0, 1], d=2)  # w[1] multiplies f(x) - f(x) = 0
    H = np.diag((w[0] * fm + w[2] * fp) / h**2)
    H[i, j] = H[j, i] = (fpp + fmm - fp[i] - fm[i] - fp[j] - fm[j]) / (2 * h[i] * h[j])
    return H


def _hessian_probe(fun, x, h, still):
    """`say_roundoff`'s probe for the Hessian stencil's entries (flat indices i·n + j) where f did not move at all:
    `offsets.absorbed` at x ± (h_i e_i + h_j e_j) for the first PROBED of them, (the entry, the equation) that lost f's change
    below an ulp of its value (1e14·x0 + x1²·x2: every entry an exact 0, main said nothing), or None (an f that
    does not depend on x_i: right); where f moved (`still` false), the second differences' (1e10·x0 + x1²·x2: three
    evaluations). None without `fun.absorbed` (traced values, a black box)."""
    absorbed = getattr(fun, "absorbed", None)
    if absorbed is None or type(x) is not np.ndarray:
        return None

    def probe(rows):
        for k in sorted(rows, key=lambda k: k // len(h) != k % len(h))[:PROBED]:  # (the diagonal's first)
            d = np.zeros(len(h))
            d[[k // len(h), k % len(h)]] = h[[k // len(h), k % len(h)]]
            e = absorbed(x, d) if still.flat[k] else absorbed(x, d, True)
            if e is not None:
                return k, e
        return None

    return probe


def _check_analytic(graph, wrt):
    """Refuse a non-analytic op lying on a differentiable path from the `wrt` inputs to an output, and any
    complex value: complex step reads the derivative off Im f(x + ihv), which a complex f already fills."""
    # exp(1j·x)·x gave 5e19 for J v, silently
    refuse_complex(graph, "complex step", "another scheme, or method='forward' or 'reverse'")

    def links(e):  # (argument, does the op pass its derivative on)
        return [
            (a, e.op.differentiable and e.op.jvp_rule(i) is not None)
            for i, a in enumerate(e.args)
            if isinstance(a, Var)
        ]

    active, live = {graph.inputs[i] for i in wrt}, {o for o in graph.outputs if isinstance(o, Var)}
    reached = set(active)  # (through any op: a comparison's mask of the inputs too)
    for e in graph.eqns:
        if any(a in active and ok for a, ok in links(e)):
            active.add(e.out)
        if any(a in reached for a in e.args if isinstance(a, Var)):
            reached.add(e.out)
    for e in reversed(graph.eqns):
        if e.out in live:
            live.update(a for a, ok in links(e) if ok)
        # a piecewise-constant op is held at its value at x (see Prepared), so it is no obstacle; nor is an op
        # whose selecting arguments (where's mask) are constant: it is analytic in the others (Op.selects)
        if e.op.selects and not any(e.args[i] in reached for i in e.op.selects if isinstance(e.args[i], Var)):
            continue
        if not e.op.differentiable or e.out not in live or not any(a in active for a, _ in links(e)):
            continue
        why = "not complex-analytic" if not e.op.analytic else _real_loops(e, active)
        if why:
            raise NotDifferentiableError(
                f"complex step cannot differentiate through {e.op.name} at `{str(e).split(' :')[0]}`: {why}; "
                "use another scheme"
            )


def _real_loops(e, active) -> str:
    """Why the NumPy ufunc implementing e's op cannot take complex values where e's arguments carry complex step's
    imaginary part (logaddexp, deg2rad: analytic, but NumPy has no complex loop for them; a bare TypeError
    before), or ""."""
    u, pos = e.op.impl, [i for i, a in enumerate(e.args) if isinstance(a, Var) and a in active]
    if not isinstance(u, np.ufunc) or u.nin != len(e.args):
        return ""
    if any(all(t[i] in "FDG" for i in pos) for t in u.types):
        return ""
    return f"NumPy's {u.__name__} takes no complex values"


def check_settings(scheme, step, order, richardson_terms):
    """(order, richardson_terms) as Python ints (NumPy's too), or a ValueError naming the setting, for settings
    no stencil fits."""
    order, richardson_terms = whole(order), whole(richardson_terms)
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {', '.join(map(repr, SCHEMES))}")
    if step is not None and (
        isinstance(step, bool)
        or not isinstance(step, (int, float, np.floating))
        or not (math.isfinite(step) and step > 0)
    ):
        raise ValueError(f"step must be a finite number > 0 or None (from the error model), got {step!r}")
    if order is not None and (
        isinstance(order, bool)
        or not isinstance(order, int)
        or order < 1
        or {"forward": False, "backward": False, "central": order % 2}.get(scheme, order != FIXED_ORDER.get(scheme))
    ):
        raise ValueError(
            f"order {order!r} does not fit scheme {scheme!r}; choose a positive int for "
            "'forward'/'backward', an even one for 'central', or None"
        )
    if not isinstance(richardson_terms, int) or richardson_terms < 2:
        raise ValueError(f"richardson_terms must be an int >= 2, got {richardson_terms!r}")
    return order, richardson_terms


def check_points(points: int, width: int):
    """Refuse a set of `points` evaluations of f, each computing `width` elements, that could not finish."""
    if points * width <= 10**10:  # (the common case: no message formatted)
        return
    cost = f" ({points} evaluations of f, each computing {width} elements)"
    check_size("set of finite-difference evaluations", points, width, limit=10**10, cost=cost)


def plan(scheme, step, order, richardson_terms):
    """A scheme's stencil: (offsets ≠ 0, their weights, Σ|all weights|, accuracy order, base steps (T,), step
    relative to |x|?, real stencil?); T > 1 for Richardson's sequence of steps."""
    if scheme == "complex":
        return np.array([1j]), np.array([-1j]), 1.0, 2, np.array([step or 1e-20]), False, False
    if scheme == "richardson":
        steps = (step or RICHARDSON_STEP) / RATIO ** np.arange(richardson_terms)
        return np.array([1.0, -1.0]), np.array([0.5, -0.5]), 1.0, 2, steps, step is None, True
    p = order or FIXED_ORDER.get(scheme, 2 if scheme == "central" else 1)
    o = {"forward": np.arange(p + 1.0), "backward": -np.arange(p + 1.0)}.get(scheme, np.arange(-(p // 2), p // 2 + 1.0))
    w = stencil_weights(o)
    shifted = o != 0  # f(x) itself is never re-evaluated: its term is f(x) - f(x) = 0
    return (o[shifted], w[shifted], np.abs(w).sum(), p, np.array([step or EPS ** (1 / (p + 1))]), step is None, True)


def step_exponent(method, levels: int = 1, order: int = 1):
    """q such that `method`'s default relative step is eps^(1/q) for a derivative of `order` (1, or 2: the Hessian's
    own stencil, eps^(1/4)) with `levels` numeric levels (`_products`); None for a step the user chose, for
    Richardson's sequence of steps and for complex step (no difference, no round-off to balance)."""
    if method.step is not None or method.scheme in ("richardson", "complex"):
        return None
    return 4 if order == 2 else method._plan[3] + levels


def numeric_jacobian(fun, x, *, scheme="central", step=None, error_estimate=False, vectorized=False, **settings):
    """Jacobian of any Python callable `fun` at `x` by finite differences (nothing is traced).

    Shape contract: x is a float array (any shape, usually (n,)); fun(x) an array of any shape;
    J has shape fun(x).shape + x.shape. With error_estimate=True returns (J, E), E like J.
    `vectorized=True` (as scipy's solve_ivp has it): fun takes a stack of points, (B,) + x.shape, and
    returns their values stacked, (B,) + the value's shape; every stencil point then goes in one call.

    >>> numeric_jacobian(lambda x: x ** 2, [1.0, 2.0], scheme="richardson").round(10)
    array([[2., 0.],
           [0., 4.]])
    >>> numeric_jacobian(lambda X: (X**2).sum(axis=1), [1.0, 2.0], vectorized=True).round(10)
    array([2., 4.])
    """
    from .numeric import Numeric  # the settings' checks live with the method

    method = Numeric(scheme=scheme, step=step, **settings)
    x = np.array(x, dtype=float)
    if vectorized:
        f0 = np.asarray(fun(x.copy()[None]))[0]
        points = lambda z, D: np.reshape(fun((z + D).reshape((len(D),) + x.shape)), (len(D), -1))  # noqa: E731
    else:
        f0 = np.asarray(fun(x.copy()))
        points = lambda z, D: np.array([np.ravel(fun((z + d).reshape(x.shape))) for d in D])  # noqa: E731
    jv, err = _products(points, x.ravel(), np.eye(x.size), f0.ravel(), method, error_estimate)
    J = np.transpose(jv).reshape(f0.shape + x.shape)
    return (J, err.T.reshape(J.shape)) if error_estimate else J


def numeric_gradient(fun, x, **settings):
    """Gradient (shape of x) of a scalar-valued callable; see `numeric_jacobian` for the settings.

    >>> numeric_gradient(lambda x: (x ** 2).sum(), [1.0, -3.0]).round(6)
    array([ 2., -6.])
    """
    out = numeric_jacobian(fun, x, **settings)
    J = out[0] if settings.get("error_estimate") else out
    if J.ndim != np.ndim(x):
        raise TypeError(
            f"numeric_gradient needs a scalar-valued function; got output shape "
            f"{J.shape[: J.ndim - np.ndim(x)]}; use numeric_jacobian"
        )
    return out


_nesting = threading.local()  # numeric levels enclosing the trace under way, and the deepest reached


def numeric_depth() -> int:
    """How many numeric differentiations are tracing the function under way (0: none)."""
    return getattr(_nesting, "depth", 0)


class _OneLevel:
    """`nesting` of a method that is not numeric: a box holding 1, nothing to count (a fresh
    `dl.grad` enters one per call: no generator, no import)."""

    __slots__ = ()

    def __enter__(self):
        return [1]

    def __exit__(self, *exc):
        return None


_ONE_LEVEL = _OneLevel()


def nesting(method):
    """Around the tracing of a function the numeric `method` will differentiate: yields a list
    that ends up holding how many numeric levels the composition has (1: no numeric inside),
    so that every level picks its step for the total order (see `_products`), and then the
    error estimate the numeric levels inside reported while it was traced (`report_inner_error`)."""
    if not _NUMERIC:  # (numeric imports this module: its class is looked up at first use)
        from .numeric import Numeric

        _NUMERIC.append(Numeric)
    if not isinstance(method, _NUMERIC[0]):
        return _ONE_LEVEL
    return _numeric_nesting(method)


_NUMERIC: list = []


@contextlib.contextmanager
def _numeric_nesting(method):
    box = [1]
    outer = getattr(_nesting, "depth", 0)
    deepest, reported = getattr(_nesting, "deepest", 0), getattr(_nesting, "inner", (0.0, 0.0))
    _nesting.depth, _nesting.deepest, _nesting.inner = outer + 1, outer + 1, (0.0, 0.0)
    try:
        yield box
    finally:
        box[0] = _nesting.deepest  # levels enclosing this one, itself, and the deepest inside it
        # and the relative errors the numeric levels directly inside reported (`report_inner_error`)
        box.append(_nesting.inner)
        # whether a numeric level ran inside, or this one runs inside another: its steps, pieces and error (`inner`)
        # were taken at this trace's point, so the trace answers for that point only (a reused one answered p2
        # with p1's: issue 11)
        box.append(_nesting.deepest > outer + 1 or outer > 0)
        _nesting.depth, _nesting.deepest = outer, max(deepest, _nesting.deepest)
        _nesting.inner = reported
