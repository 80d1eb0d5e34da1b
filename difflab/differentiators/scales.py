"""Length scales for the numeric method: stencils that stay off poles, cusps, domain edges and periods.

How it works. A registry entry may give, per argument, the op's length scale at the argument's value
(`Op.scale`: |b| for a / b; |x| for log, sqrt, cbrt; 1 - |x| for arctanh; a radian for sin and cos). The
numeric method's default step is relative, c·max(1, |x|) (c = eps^(1/3) for central differences): right
for an op whose scale is about max(1, |x|), as log's is, and wrong where an op's argument sits nearer to
its pole than the step reaches, or where a periodic op's argument is large. `Watch` adds the arguments of
the scaled equations on a path from x to the outputs of the graphs the method evaluates (f with its
piecewise values held, pieces.py), so each stencil point also tells how far each such argument moved, in
units of its op's scale at x: the point's *reach*. A direction whose reach exceeds SLACK·c is evaluated
again at the step that brings its reach to c (at most ROUNDS times); nothing more is evaluated where no
argument moved far. A direction still out of reach at the smallest step representable at x has no
finite-difference derivative there: NaN, with a DomainWarning naming the equation. The DomainWarnings of
points evaluated again are held (a first stencil may step out of log's domain) and said only if a value
they concern is kept. On traced values (a numeric derivative inside another derivative) the decisions are
made on numbers (`on_numbers`) and the final stencil alone is recorded, so no discarded point is left in
the enclosing graph to be evaluated (and warn) there. The Hessian's own stencil has `hessian_within_reach`.

    1e-300 / b at b = 1e-155: the step 6e-6 moves b by 6e149 of its scales (|b|): shrunk to 6e-161 (slope -1e10)
    sin(x) at x = 1e8: the step 600 moves x by 600 radians (95 periods): shrunk to 6e-6 (slope cos(1e8))
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import warnings
from typing import NamedTuple

import numpy as np

from ..errors import NumericAccuracyWarning, holding_domain_warnings, warn_domain, warn_user
from .. import numpy as dnp
from ..graph import Const, Graph, Traced, Var, active, evaluate_batched, impl_or_nan, prune, read
from ..trace import Tracer
from .base import split
from .pieces import held_graphs, read_elements

__all__ = [
    "Watch",
    "evaluated_graphs",
    "chunked",
    "within_reach",
    "stencil_points",
    "hessian_within_reach",
    "limit_of",
    "say_step_overflow",
    "say_unresolved",
    "say_one_sided",
    "say_stencil_domain",
    "say_roundoff",
    "unconverged",
    "say_unconverged",
    "grid_of",
    "constant_terms",
    "SLACK",
    "SHARE",
    "FIRM_SHARE",
    "SECOND_SHARE",
    "ROUNDS",
]

#: a direction is evaluated again when an argument moved by more than SLACK times the relative step (in
#: units of its op's scale; its truncation error is then up to SLACK² times its best, ~6e-9 relative for
#: central differences). Not less: smooth functions whose arguments move a few scales (cos 2πx at |x| ≤ 3:
#: 19; bench/numeric_scales.py) keep their 2 evaluations per component and their numbers
SLACK = 32.0
#: `say_roundoff` judges an output whose constant argument c leaves |f(x) - c| under this fraction of |f(x)|
DOMINATED = 1e-6
#: the relative accuracy the numeric method answers to: an entry whose round-off bound exceeds this share of it is
#: said (`say_roundoff`); its actual error is then ~0.2-0.3 of the bound (1e14·x0 + sin(x1): 3 % for a bound of 17 %).
#: Measured shares over test_numeric*, test_user_code* -k numeric and the experiments: ordinary functions' entries
#: at most 1.6e-6 (SSIM's gradient); near an eigenvalue crossing 2e-3 … 4e-3 (eigvalsh's, svdvals' gradients, right
#: to 3e-4: README says so, not said); entries that are noise or a Gaussian's tail 0.15 … 0.43 (said)
SHARE = 1e-2
#: ... but an entry above its round-off bound is said where its `firm` bound exceeds this share of it: its error is
#: 0.1-0.56 of the bound (eigvalsh near a crossing 0.1; Σ a·tanh(65·x), whose terms are larger than f, 0.56: 0.31 %
#: off at a bound of 5.5e-3, and numeric of numeric of Σ a·tanh(1.2·x), 0.14 % at 9.3e-3, silently under SHARE:
#: bench/numeric_silent.py 4, 8); numeric49: 2e-3 (was 5e-3), where an error of 0.56 of the bound is under 1e-3 of the
#: entry: Σ a·tanh(16·x)'s d/dx0 at s·x0 = -11.9 was 0.24 % off at a bound of 4.2e-3, silently. Over 3000 such sums
#: (k = 2-3, s = 10^U(1, 3), x ~ 3·N(0, 1)·10^U(-1, 0.5)/s, a ~ N(0, 1)) 13 entries more are said, 6 of them off by
#: 1.2e-3..3.9e-3, 7 right to 1.2e-4..8.7e-4;
#: eigvalsh's, svdvals' gradients near a crossing (2e-3 … 4e-3 of them, right to 3e-4) are said now too
FIRM_SHARE = 2e-3
#: ... and the Hessian stencil's (`stencils._hessian_stencil`): 5e-3 as before numeric49 (arctan2(x - C, -1.3)'s
#: H[0, 0] beside its cut is right to 1.9e-4 at a bound of 4.1e-3 of it, tests/test_numeric_kinks.py)
SECOND_SHARE = 5e-3
#: a derivative of numeric derivatives is judged (`say_roundoff`'s "resolved") only where some entry is this many
#: times its bound: relu's, abs' and a linear f's nested Hessians (truly 0, all noise) reach 0.3 of it at most over
#: 376 random cases (each method over each), 1e14·x0 + x1²·x2 by Richardson of Richardson 6.9 (1e13: 24)
RESOLVED = 4.0
#: ... and above this share of its output's |f(x)| (a derivative of numeric derivatives below it is within 100 times
#: their accuracy, ~eps^(1/2): relu's Hessian entries are ~1e-9 of its gradient's, noise 7 times their bound)
OF_ITS_OUTPUT = 1e-6
#: ... and where none is, an output whose entries' bound exceeds this share of its value is said (its derivative
#: is below the noise: (x + 1e8)² by central of central, 6e7 for 2): truly-0 Hessians' bounds (relu's, abs', a
#: linear f's) reach 6e-7 of their gradient, lost ones 3e-5 and more (/tmp measurements, numhunt43)
BLIND = 1e-5
ROUNDS = 3  # re-evaluations at most (each at the step predicted from the last reach)
EPS = np.finfo(float).eps


def _number(v):
    return v.concrete if isinstance(v, Tracer) else v


class Watch:
    """The scaled equations of the graph pair a numeric method evaluates: `probe` (f at x, and the held
    values) and `shifted` (f at the stencil points); `.probe`, `.shifted` are those graphs with the scaled
    equations' arguments appended to their outputs (`.vars`). Empty (`not watch`) when there is none."""

    def __init__(self, probe: Graph, shifted: Graph, wrt_vars):
        known = set(probe.inputs) | {e.out for e in probe.eqns}  # an equation of a held piece is not in probe
        live = active(shifted, wrt_vars)
        # only equations f's outputs need: one whose result nothing reads (lstsq's singular values, taken for its rank
        # and the rank unused) moves no stencil value, and its scale shrank kriging's Hessian step 32-fold (issue 11)
        pruned = prune(shifted)
        needed = {e.out for e in pruned.eqns}
        self.entries = []  # (equation, argument index) per watched argument
        self.kws = []  # per entry, its scale's keyword arguments (its equation's params; `used`, Op.scale_used)
        for e in shifted.eqns:
            if not e.op.scale or e.out not in needed or not all(a in known for a in e.args if isinstance(a, Var)):
                continue
            for i, (a, s) in enumerate(zip(e.args, e.op.scale)):
                if s is not None and isinstance(a, Var) and a in live and not _unbounded(e, i):
                    self.entries.append((e, i))
                    self.kws.append(dict(e.kw, used=read_elements(pruned, e.out)) if e.op.scale_used else e.kw)
        # the elementwise equations computing each watched argument, if any (x itself: the stencil's points are
        # exact), whose arguments both graphs give too: how much they round at each point (`_rounding`)
        # (a held piece's last equation may read the piece's own intermediates, which probe does not compute)
        made = {
            e.out: e for e in shifted.eqns if e.op.elementwise and all(a in known for a in e.args if isinstance(a, Var))
        }
        order, inputs = {e.out: k for k, e in enumerate(shifted.eqns)}, set(shifted.inputs)
        self.made = [_chain(made, order, inputs, e.args[i]) if e.args[i] in known else None for e, i in self.entries]
        vars_ = [a for e, _ in self.entries for a in e.args if isinstance(a, Var)]
        vars_ += [a for m in self.made if m for c in m.eqns for a in c.args if isinstance(a, Var)]
        self.vars = tuple(dict.fromkeys(vars_))
        self.positions = {v: k for k, v in enumerate(self.vars)}
        # per entry, each argument of its equation: (position in `.vars`, None), or (None, the constant's number)
        self.sources = [
            [(self.positions[a], None) if isinstance(a, Var) else (None, np.asarray(_number(a.value))) for a in e.args]
            for e, _ in self.entries
        ]
        self.probe = probe._replace(outputs=probe.outputs + self.vars)
        self.shifted = shifted._replace(outputs=shifted.outputs + self.vars)

    def __bool__(self):
        return bool(self.entries)

    def centre(self, values, q=None, quiet=False) -> list:
        """Per entry (position of its argument in `.vars`, its value a₀ at x, its op's scale there as the op gives
        it (`reach` makes it infinite where it or a₀ is not a finite positive number, so that no move counts;
        `near` needs no such care: see there), and None or what `_rounding` needs), from the watched values at x
        (`values`, in the order of `.vars`; traced values are read as numbers). `q`: the stencil's relative step is
        eps^(1/q) (None: not a real stencil at its default step, and no rounding counted). `quiet`: NumPy's errors
        are ignored already (the stencils' np.errstate)."""
        values = [np.asarray(_number(x)) for x in values]
        env = dict(zip(self.vars, values)) if q else None  # (a rounding's arguments: counted only with q)
        out = []
        with contextlib.nullcontext() if quiet else np.errstate(all="ignore"):
            for (e, i), made, sources, kw in zip(self.entries, self.made, self.sources, self.kws):
                args = [values[k] if k is not None else c for k, c in sources]
                s = _least_to(np.abs(np.asarray(e.op.scale[i](*args, **kw), dtype=float)), args[i].shape)
                made_at = None
                if q and made is not None:
                    at_x = _rounding(made, env.__getitem__, args[i])
                    made_at = (made, self.positions, [at_x, at_x], q)  # its rounding at x, the largest move error seen
                out.append((self.positions[e.args[i]], args[i], s, made_at))
        return out

    @staticmethod
    def reach(centre, columns, B: int) -> np.ndarray:
        """(B, 2·entries): how far each entry's argument moved at each of B points in units of its scale, from
        `columns` (the watched values at the points, each with a leading axis of B); NaN (a value another
        equation's step out of its domain made) counts as no move. A computed argument's scale is the one its
        rounding at x and at the points leaves (`_with_rounding`); the second half: in its op's scale alone."""
        R = np.empty((B, 2 * len(centre)))
        for j, (pos, a0, s, made_at) in enumerate(centre):  # (under the stencils' np.errstate: inf - inf is NaN)
            s = _usable(s, a0)
            a = np.asarray(columns[pos])
            r = np.abs(a - a0) / s
            R[:, len(centre) + j] = np.fmax.reduce(r.reshape(B, -1), axis=1, initial=0.0)
            if made_at is not None:
                made, where, seen, q = made_at
                with np.errstate(all="ignore"):
                    rp = _rounding(made, lambda v: np.asarray(columns[where[v]]), a, lead=1)
                    rp = np.max(np.broadcast_to(rp, np.shape(a)).reshape((B,) + np.shape(a0)), axis=0, initial=0.0)
                    # once seen, a rounding counts for every later step (grown points may happen to be exact)
                    seen[1] = np.maximum(seen[1], rp + seen[0])
                    s = _with_rounding(s, a0, seen[1], q)
            r = np.abs(a - a0) / s
            R[:, j] = np.fmax.reduce(r.reshape(B, -1), axis=1, initial=0.0)  # (fmax: NaN ignored)
        return R

    @staticmethod
    def near(centre, columns, limit: float) -> bool:
        """Whether no entry's argument moved by more than `limit` of its op's scale at any point (`columns` as
        for `reach`): the common case, decided per entry by one comparison over all points, without the reach
        table. Conservative: a rounding's wider scale (`_with_rounding`) is not used, a NaN counts as a move, and
        the bound is a hair under `limit`, so where it says False `reach` decides as it always did. The scale is
        the op's own (`centre`): where `reach` takes it as infinite (0, NaN, inf, or a₀ not finite), a move
        passes here only where it would there too (no move within a scale 0; any finite move within an
        infinite one), and a NaN fails here, for `reach` to decide."""
        bound = limit * (1.0 - 1e-9)
        for pos, a0, s, _ in centre:
            d = np.abs(np.asarray(columns[pos]) - a0)
            if s.ndim == 0:  # one scale: the largest move against it (NaN: the largest, and compares False)
                if not d.max(initial=0.0) <= bound * float(s):
                    return False
            elif not (d <= bound * s).all():  # (NaN compares False; inf <= inf where the scale is infinite)
                return False
        return True

    @staticmethod
    def moved_at_zero(centre, columns) -> set:
        """The entries (indices) whose op's scale at x is 0 somewhere (a singular point: sqrt's 0, arcsin's 1) and
        whose argument moved there at one of the points (`columns` as for `reach`; NaN counts as a move)."""
        out = set()
        for k, (pos, a0, s, _) in enumerate(centre):
            zero = (s == 0) & np.isfinite(a0)
            if zero.any() and np.any((np.asarray(columns[pos]) != a0) & zero):
                out.add(k)
        return out

    def say(self, entry: int, reach: float):
        """The DomainWarning for an entry out of reach at the smallest representable step."""
        e, i = self.entries[entry]
        where = str(e.origin).split(" :")[0]
        warn_domain(
            where,
            f"{where}: the numeric method cannot resolve {e.op.name} here (the smallest step representable at x "
            f"moves its argument {e.args[i]!r} by {reach:.3g} times its length scale there): NaN",
        )


def _usable(s, a0):
    """The scale s where it is a finite positive number and a₀ is finite; infinite elsewhere (no move counts)."""
    ok = (s > 0) & (s < np.inf) & np.isfinite(a0)
    return s if ok.all() else np.where(ok, s, np.inf)


def _wide(a):
    """a in extended precision, complex values as complex (a cast to longdouble would drop Im)."""
    return np.asarray(a, dtype=np.clongdouble if np.iscomplexobj(a) else np.longdouble)


#: elementwise equations at most in the chain whose rounding `_rounding` measures (from its roots on)
CHAIN = 16


class _Chain(NamedTuple):
    """The elementwise equations computing a watched argument (`eqns`, in the graph's order, the argument's last),
    and `roots`: the values they read that an earlier, non-elementwise equation computed (svd_s's singular values),
    whose own rounding they carry on (the graph's inputs, x and the held values, are exact)."""

    eqns: tuple
    roots: tuple


def _chain(made, order, inputs, v):
    """The `_Chain` computing v from the elementwise equations `made` (out -> equation), None if none does."""
    if v not in made:
        return None
    eqns, todo = {}, [v]
    while todo and len(eqns) < CHAIN:
        e = made[todo.pop()]
        eqns[e.out] = e
        todo += [a for a in e.args if isinstance(a, Var) and a in made and a not in eqns and a not in todo]
    reads = {a for e in eqns.values() for a in e.args if isinstance(a, Var)}
    roots = tuple(sorted((a for a in reads if a not in eqns and a not in inputs), key=lambda a: order.get(a, -1)))
    return _Chain(tuple(sorted(eqns.values(), key=lambda e: order[e.out])), roots)


def _rounding(chain, get, value, lead=0):
    """|value - the chain's value in extended precision (NumPy's longdouble)|: how much the elementwise equations
    computing `value` (a `_Chain`, their arguments read by `get(var)`) rounded it, plus the rounding of each value
    they read that another equation computed (half an ulp of it, carried through them): 0 where an op does not take
    longdouble (its own value is read instead). 3·x at x = 1e7 and 2x + 1 are exact at most points, π·x and 3·x at
    3.3e6 + 0.1 are not; ((s² + ½)² + ½)² + ½ at s = 8 (1.7e7) rounds at every square, and s's own rounding
    (an svd's singular value) grows by its derivative, 1.7e7: ~2e-8, 5 ulps of the result. `lead`: the number of
    leading axes (the stencil's points) every value read carries before its own shape."""
    try:
        with np.errstate(all="ignore"):
            wide = _in_wide(chain, get, {}, lead)
            if wide is None:
                return np.zeros(np.shape(value))
            r = np.abs(_wide(value) - wide)
            for v in chain.roots:  # (half an ulp up: how far its rounding can carry the chain's value)
                at = np.asarray(get(v))
                up = _in_wide(chain, get, {v: _wide(at) + _wide(np.spacing(np.abs(at))) / 2}, lead)
                if up is not None:
                    r = r + np.abs(up - wide)
            r = np.asarray(r).astype(float)
        return np.where(np.isfinite(r), r, 0.0)
    except (TypeError, ValueError, ArithmeticError, KeyError):
        return np.zeros(np.shape(value))


def _in_wide(chain, get, given, lead=0):
    """The chain's last value computed in extended precision from its arguments (`get`; `given`: some of them in
    extended precision already), or None when its last op does not take longdouble. With `lead` leading axes on
    every value read, each argument is padded to its equation's rank behind them (a scalar's points (B,) times a
    constant (1, 1) are (B, 1, 1), not NumPy's (1, B))."""
    wide = dict(given)
    for e in chain.eqns:
        rank = len(e.out.shape)
        args = [
            _padded(wide[a] if a in wide else _wide(get(a)), lead, rank - len(a.shape))
            if isinstance(a, Var)
            else _wide(np.asarray(_number(a.value)))
            for a in e.args
        ]
        out = np.asarray(e.op.impl(*args, **e.kw))
        if out.dtype in (np.longdouble, np.clongdouble):  # (else: the float value the graph gave is read on)
            wide[e.out] = out
    return wide.get(chain.eqns[-1].out)


def _padded(a, lead, k):
    """a with k axes of length 1 inserted after its `lead` leading axes."""
    return a if not (lead and k) else np.reshape(a, np.shape(a)[:lead] + (1,) * k + np.shape(a)[lead:])


def _with_rounding(s, a0, sigma, q):
    """The scale s of a computed argument a, as a stencil of relative step c = eps^(1/q) sees it, where the moves
    of a at its points are off by up to sigma (its rounding at x and at the point, `_rounding`; a constant error
    that does not shrink with the step). The error of a difference in which a moved by r of its scales is then
    about r^(q-1) (truncation) + sigma/(s·r) (that rounding over the move): least at r = (sigma/s)^(1/q), not at c.
    Measured in s·(sigma/(s·eps))^(1/q) where that is larger than s, a move of c is that r: cos(3x) at x = 1e7
    then moves 3x by ~2e-3 radians (its rounding, 3.7e-9, is 2e-6 of that), not 1e-4 (its Hessian: 3e-5 for 1e-6)."""
    grown = s * (sigma / (s * EPS)) ** (1.0 / q)
    return np.where(np.isfinite(grown) & (grown > s), grown, s)


def evaluated_graphs(graph: Graph, wrt, kinks: bool = True):
    """((probe, shifted) or None, how many held values probe gives, Watch or None): the graphs the numeric
    method evaluates. `probe` gives f at x, then the held values (pieces.py), then the watched arguments;
    `shifted` takes the held values as extra inputs and gives f, then the watched arguments. None: f will do."""
    refuse_orders(graph, wrt)
    pieces = held_graphs(graph, kinks=kinks)
    probe, shifted = pieces or (graph, graph)
    watch = Watch(probe, shifted, [graph.inputs[i] for i in wrt])
    if not (pieces or watch):
        return None, 0, None
    return (watch.probe, watch.shifted), (len(pieces[0].outputs) - len(graph.outputs) if pieces else 0), watch or None


def refuse_orders(graph: Graph, wrt) -> None:
    """Raise the registry's NotDifferentiableError where a differentiated input reaches an argument that SciPy
    truncates to an integer (scipy.special.yn(n, x) and expn(n, x) in n: the rule's `truncated`), as the exact
    methods refuse it: differences across a truncated order were a jump's (yn's -21463 in n = 2 at x = 1.5), said by
    nothing but SciPy's RuntimeWarning. (An order SciPy takes as a real number, jv's v, is differenced as it is.)"""
    reached = {graph.inputs[i] for i in wrt}
    for eqn in graph.eqns:
        args = [isinstance(a, Var) and a in reached for a in eqn.args]
        if not any(args) or not eqn.op.differentiable:  # (np.round(x) as an order: held, as the exact methods' 0)
            continue
        reached.add(eqn.out)
        for (rule, _), hit in zip(eqn.op.float_partials, args):
            if hit and getattr(rule, "truncated", False):
                rule()


def chunked(run, chunk, watch, centre, fold=None, pilot=False):
    """`fun(x, D)` as `_products` calls it, from `run(x, D)` -> (f at the points x + D (len(D), m), the watched
    values there, each with a leading axis of len(D)), run on at most `chunk` rows of D at a time (None: all
    at once). With a Watch (`fun.watch`), fun gives (F, the watched values at the points), and `fun.near(cols,
    limit)` and `fun.reach(cols, B)` judge them (`Watch.near`, `Watch.reach`, at this centre). `fold` = (q,): the
    first call also evaluates f at x itself, as row 0 of the same run (one run of the graph less): while `fun.lead`
    is 1, the caller gives D with a zero first row (`stencil_points`), and fun keeps f there as `fun.f0` (flat,
    (m,)) and the centre as `Watch.centre(·, q)` of the watched values there (None: not folded). `pilot`: f has
    one output and runs on numbers, so the default central step may be sized by probed axes (`pilot.probe_axes`)."""

    def fun(x, D):  # (fun.lead: D's first row is x itself, f(x), while it is yet to be folded in)
        if fun.lead:
            return _folded(fun, watch, fold[0], inner(x, D))
        return inner(x, D)

    def inner(x, D):
        if chunk is None or len(D) <= chunk:
            parts = [run(x, D)]
        else:
            parts = [run(x, D[i : i + chunk]) for i in range(0, len(D), chunk)]
        F = parts[0][0] if len(parts) == 1 else np.concatenate([p[0] for p in parts])  # (traced: one list)
        if not watch:
            return F
        if len(parts) == 1:
            return F, parts[0][1]
        return F, [np.concatenate([np.asarray(p[1][j]) for p in parts]) for j in range(len(parts[0][1]))]

    fun.watch, fun.f0, fun.centre, fun.lead, fun.pilot = watch, None, centre, 1 if fold else 0, pilot
    if watch:
        fun.near = lambda cols, limit: watch.near(fun.centre, cols, limit)
        fun.reach = lambda cols, B: _noted(fun, watch, cols, B)
    return fun


def _user_run(fun, watch, out, k):
    """f's values at a user's step's points (`out`, with the watched values where ops are watched), noting
    `fun.user_reach` (k,): how far the step moved each direction's watched arguments, in their ops' scales
    (`Watch.reach`, on numbers; nothing noted): where beyond 1, the stencil spans a period, a pole's distance or an edge,
    and `widths.judge_user_step` measures it at half the step too (sin(100x) at h = 0.44, 7.003 periods: central4's
    differences at h and 2h agree, by aliasing, 100 % off)."""
    if not watch:
        return out
    centre, cols = getattr(fun, "centre", None), out[1]
    B = len(cols[0]) if len(cols) else 0
    if centre is None or not all(type(c) is np.ndarray for c in cols) or not B or B % k:
        return out[0]
    with np.errstate(all="ignore"):  # (`near` first, as `within_reach`: the reach table costs 3x f's run, review68)
        if watch.near(centre, cols, 1.0):
            return out[0]
        R = watch.reach(centre, cols, B)
    fun.user_reach = _far(R.reshape(k, B // k, -1).max(axis=1))[0]
    return out[0]


def _noted(fun, watch, cols, B):
    """`Watch.reach` at fun's centre, noting on fun the entries at a singular point whose argument moved there
    (`fun.singular`, `say_one_sided`'s; `near` passes a point only where none did)."""
    fun.singular = getattr(fun, "singular", set()) | watch.moved_at_zero(fun.centre, cols)
    return watch.reach(fun.centre, cols, B)


def _folded(fun, watch, q, out):
    """`chunked`'s first run with f at x as row 0 (`out`): f(x) and the centre kept on `fun`, the other rows given."""
    F, cols = out if watch else (out, None)
    fun.f0, fun.lead = F[0].copy(), 0
    if not watch:
        return F[1:]
    fun.centre = watch.centre([np.asarray(c)[0] for c in cols], q, quiet=True)  # (called in `_products`)
    return F[1:], [c[1:] for c in cols]


def on_numbers(prepared, args, held, k, watch, centre):
    """The twin (`fun.numbers`, see `within_reach`) of a stencil function on traced values: f's outputs and
    the watched values at the points by each op's NumPy implementation on the numbers (an enclosing trace's
    values read as theirs), so that nothing is recorded and nothing said."""
    graph, numbers = prepared.graph, [_number(a) for a in args] + [_number(h) for h in held]

    def one(x):
        env = {v: a for v, a in zip(graph.inputs, prepared.with_x(numbers, split(x, prepared.in_shapes)))}
        for e in graph.eqns:
            env[e.out] = impl_or_nan(e, [_number(read(env, a)) for a in e.args], e.kw)
        return [read(env, o) for o in graph.outputs]

    def run(x, D):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = [one(np.asarray(_number(x)) + d) for d in D]
        F = np.array([np.concatenate([np.ravel(y) for y in r[:k]]) for r in res]).reshape(len(D), -1)
        return F, [[r[p] for r in res] for p in range(k, len(graph.outputs))]

    return chunked(run, None, watch, centre)


def _unbounded(e, i) -> bool:
    """Whether argument i of e has no scale whatever its value (x ** 2.0: a polynomial), tried at a few values
    when e's other arguments are constants; such an argument is not watched."""
    if any(isinstance(a, Var) for k, a in enumerate(e.args) if k != i):
        return False
    others = [None if k == i else np.asarray(_number(a.value)) for k, a in enumerate(e.args)]
    try:
        with np.errstate(all="ignore"):
            tried = [e.op.scale[i](*others[:i], np.full(e.args[i].shape, t), *others[i + 1 :], **e.kw) for t in TRIES]
        return all(np.isinf(s).all() for s in tried)
    except (TypeError, ValueError, ArithmeticError):  # a traced constant, a scale that needs real values
        return False


TRIES = (-2.5, 0.3, 1.7)  # argument values at which `_unbounded` tries a scale


def _least_to(s, shape):
    """A scale s given per element of the op's output, per element of an argument of `shape` broadcast to it:
    the least over the output elements each argument element reaches."""
    if s.ndim == 0 or s.shape == tuple(shape):  # (the common case: a scalar, or the argument's own shape)
        return s
    s = np.broadcast_to(s, np.broadcast_shapes(np.shape(s), shape))
    if s.ndim > len(shape):
        s = s.min(axis=tuple(range(s.ndim - len(shape))), initial=np.inf)
    axes = tuple(k for k, (a, b) in enumerate(zip(s.shape, shape)) if b == 1 and a != 1)
    return np.broadcast_to(s.min(axis=axes, keepdims=True, initial=np.inf) if axes else s, shape)


def limit_of(base: float) -> float:
    """The reach allowed at the relative step `base`: SLACK·base, at least √eps (complex step), at most 1."""
    return min(max(SLACK * base, math.sqrt(EPS)), 1.0)


def _representable(x, V, H, exact):
    """Steps H (k, T) along the rows of V at least the spacing of floats at x, exactly representable there."""
    if not exact:
        return H
    x = np.asarray(_number(x), dtype=float).ravel()
    i = np.abs(V).argmax(axis=1)
    xi, vi = x[i][:, None], np.abs(V[np.arange(len(V)), i])[:, None]
    H = np.maximum(H, 2.0 * np.spacing(np.abs(xi)) / vi)
    return ((xi + H * vi) - xi) / vi


def stencil_points(offsets, H, V, lead=0):
    """The moves D (lead + k·T·len(offsets), n) of the stencil points from x: `lead` zero rows (x itself), then
    o_j·h·v for each direction v (row of V (k, n); None: the identity, k = n), step h (H (k, T)) and offset o_j."""
    if isinstance(H, Traced):  # (recorded steps, `stencils._traced_steps`: the same numbers by the same operations)
        return _traced_points(offsets, H, V, lead)
    if V is None:  # o_j·h along e_i: one move per row, put into zeros (no (k, T, len(o), n) product)
        moves = H[:, :, None] * offsets
        D = np.zeros((lead + moves.size, len(H)), moves.dtype)
        D.put(_one_per_row(lead, *moves.shape), moves)
        return D
    D = ((offsets * H[:, :, None])[..., None] * V[:, None, None, :]).reshape(-1, V.shape[1])
    return np.concatenate([np.zeros((lead, V.shape[1]), D.dtype), D]) if lead else D


def _traced_points(offsets, H, V, lead):
    """`stencil_points` for traced steps H: the rows of D, each traced."""
    k, T = H.shape
    if V is None:
        moves = dnp.reshape(H[:, :, None] * offsets, (-1, 1))
        at = np.zeros((lead + k * T * len(offsets), k), bool)
        at.flat[_one_per_row(lead, k, T, len(offsets))] = True
        D = dnp.where(at[lead:], moves, 0.0)
    else:
        D = dnp.reshape((H[:, :, None] * offsets)[..., None] * V[:, None, None, :], (-1, V.shape[1]))
    return [np.zeros(D.shape[1])] * lead + list(D)  # (its rows, each traced: `Numeric._fun` adds x to each)


@functools.lru_cache(maxsize=64)
def _one_per_row(lead, k, T, o):
    """Flat indices into D (lead + k·T·o, k) of `stencil_points`' moves along e_i: row lead + (i·T + j)·o + s, column i."""
    return (np.arange(lead, lead + k * T * o) * k + np.repeat(np.arange(k), T * o)).astype(np.intp)


def within_reach(fun, x, V, H, offsets, base, exact=True, traced=None):
    """(F, H, out): f at the stencil points x + o_j h v (F (k·T·len(offsets), m), as `fun(x, D)` gives it) for
    steps H (k, T) along the rows v of V (k, n; None: the identity), with the steps of each direction whose reach exceeds
    `limit_of(base)` shrunk and its points evaluated again; `out` (k,) marks the directions still out of
    reach (NaN: the step is at the spacing of floats). `fun.watch` (a Watch, or absent): `fun` then returns
    (F, reach per point and entry). `fun.numbers` (for traced values): its twin on numbers, which nothing
    records, makes the decisions, and `fun` runs once at the final points (no dead equations recorded). `traced`:
    H recorded on a traced x (`stencils._traced_steps`), which the points recorded take where no scale shrank H
    (then returned for H)."""
    points = lambda H, V: stencil_points(offsets, H, V)  # noqa: E731
    watch = getattr(fun, "watch", None)
    if not watch or base is None:  # nothing watched, or a step the user chose
        H = H if traced is None else traced
        out = fun(x, stencil_points(offsets, H, V, getattr(fun, "lead", 0)))
        return _user_run(fun, watch, out, len(H)), H, np.zeros(len(H), bool)
    decide = getattr(fun, "numbers", None) or fun  # traced values: decided on numbers, recorded once at the end
    (F, cols), said = _held(decide, x, stencil_points(offsets, H, V, getattr(decide, "lead", 0)))
    per, limit, B = H.shape[1] * len(offsets), limit_of(base), len(H) * H.shape[1] * len(offsets)
    R = None if decide.near(cols, limit) else decide.reach(cols, B)
    if R is None or R[:, : R.shape[1] // 2].max() <= limit:  # the common case: no argument moved far
        if decide is fun:
            if said[0]:
                _say_kept(said, None, F)
            return F, H, np.zeros(len(H), bool)
        H = H if traced is None else traced
        # (on the first row's numbers: `pieces.rows_guard` checks them per row, by `near` where it decided)
        fun.decided = (limit, "near" if R is None else "reach")
        return fun(x, points(H, V))[0], H, np.zeros(len(H), bool)
    V = np.eye(len(H)) if V is None else V  # (the identity's rows, for the directions stepped again)
    H, taken = H.copy(), [(H.copy(), F.copy(), R.copy())]  # (steps, points and reach after each evaluation)
    F = F if F.flags.writeable else F.copy()  # (a constant output's points: a broadcast, written below)
    came = np.zeros(len(R), int)  # the evaluation each point's value came from: its warnings count if it stays
    last = np.full((2, len(H)), np.nan)  # each direction's step and reach before its last change
    shrunk = fun.shrunk = np.zeros(len(H), bool)  # the directions whose step a scale shrank (`say_unresolved`'s)
    for round in range(ROUNDS + 1):
        worst = R.reshape(len(H), per, -1).max(axis=1)  # (k, 2·entries)
        far, raw = _far(worst)
        k, goal = _exponent(H[:, 0], raw, last), limit / SLACK
        bad = np.flatnonzero((far > limit) | (np.isfinite(last[1]) & (far > 0) & (far < goal**k / SLACK)))
        if not len(bad) or round == ROUNDS:
            break
        _limited(fun, worst[far > limit])
        factor = (goal ** k[bad] / far[bad]) ** (1.0 / k[bad])
        Hb = _representable(x, V[bad], H[bad] * factor[:, None], exact)
        moved = np.flatnonzero((Hb != H[bad]).any(axis=1))  # the others cannot shrink: out of reach
        if not len(moved):
            break
        bad, Hb = bad[moved], Hb[moved]
        shrunk[bad] = True
        last[:, bad] = H[bad, 0], raw[bad]
        Db = points(Hb, V[bad])
        (Fb, colsb), now = _held(decide, x, Db)
        Rb = decide.reach(colsb, len(Db))
        rows = (bad[:, None] * per + np.arange(per)).ravel()
        said += now
        came[rows] = len(said) - 1
        F[rows] = Fb
        R[rows], H[bad] = Rb, Hb
        taken.append((H.copy(), None, R.copy()))
    far = _unmoved(taken, H, F, R, came, per, far, limit, shrunk, (decide, x, V, offsets, exact))
    if decide is fun:
        _say_kept(said, came, F)
    else:
        fun.decided = (limit, "shrunk")
        F = fun(x, points(H, V))[0]
    out = far > limit
    for k in np.flatnonzero(out)[:1]:
        watch.say(int(worst[k, : worst.shape[1] // 2].argmax()), float(far[k]))
    return F, H, out


def _rounding_only(then, now, h0, h1, limit):
    """Per direction (rows of `then`, `now`: `Watch.reach`'s halves per entry at its first step h0 and after its
    first shrink h1), whether every argument it moved past the limit moved about as far after a shrink by 8 and more
    (by less than √ of the shrink; a cusp's or edge's move shrinks as h^k, k ≥ 1, `_exponent`'s): those moves are
    the arguments' rounding at the points, not the step's (a bin of an FFT that is 0 but for round-off, whose
    rounding no elementwise equation tells, `_with_rounding`), so no cusp or edge lies within the first step, and
    the direction keeps it. |x - 1e-15| of a complex x at 0 moves ∝ h: kept shrunk (tests/test_cabs59.py)."""
    E = then.shape[1] // 2
    then, now = then[:, :E], now[:, :E]
    over = then > limit  # (every one: a cusp's move beside a rounding's keeps the direction shrunk)
    with np.errstate(all="ignore"):
        kept = ~over | (now >= then * np.sqrt(h1 / h0)[:, None])
    return (h1 * 8 <= h0) & over.any(axis=1) & kept.all(axis=1)


def _unmoved(taken, H, F, R, came, per, far, limit, shrunk, measure):
    """`far` with 0 for each direction of `within_reach` whose moves were rounding only (`_rounding_only`), or whose
    shrink was needless (`_needless`; `measure` = (fun, x, V, offsets, exact)), which gets back its first step, points
    and reach (H, F, R, came and shrunk written in place; `taken`: (H, F, R) of each evaluation)."""
    if len(taken) < 2:
        return far
    (H0, F0, R0), (H1, _, R1) = taken[:2]
    table = lambda R: R.reshape(len(H), per, -1).max(axis=1)  # noqa: E731
    back = _rounding_only(table(R0), table(R1), H0[:, 0], H1[:, 0], limit) | _needless(H, H0, F0, table(R0), *measure)
    for d in np.flatnonzero(back):
        rows = slice(d * per, (d + 1) * per)
        H[d], F[rows], R[rows], came[rows], far[d], shrunk[d] = H0[d], F0[rows], R0[rows], 0, 0.0, False
    return far


def _needless(H, H0, F0, worst, fun, x, V, offsets, exact):
    """Per direction of `within_reach`, whether its shrunk step (H below its first steps H0, whose points gave F0 and
    reached `worst`) was needless, as `_hessian_needless` judges the Hessian's: its first step reached at most
    MEASURED, and the stencil's derivative at h0 and at h0/2 (len(offsets) points more, and f(x) for a one-sided
    stencil) changes by less (its
    truncation at h0 by the h^p law: 2^p/(2^p - 1) of the change) than ROUNDOFF_SEEN of the round-off the shrink adds,
    eps·|f|·Σ|w|·(1/h - 1/h0), in every output. The reach is blind to how much f depends on the watched op."""
    from .stencils import stencil_weights  # (stencils imports this module)

    maybe = (H[:, 0] < H0[:, 0]) & (_far(worst)[0] <= MEASURED) & exact
    if not maybe.any():
        return maybe
    o, at = np.asarray(offsets, dtype=float), np.flatnonzero(maybe)  # (offsets ≠ 0: f(x) is the stencil's too)
    p, w, j = len(o), stencil_weights(np.concatenate([[0.0], o]))[1:], len(o)  # (order: points - 1, f(x) counted)
    h0, half = H0[at, :1], _representable(x, V[at], H0[at, :1] / 2, True)
    lead = int(not (o == -o[::-1]).all())  # f(x) first where the weights need it (a symmetric stencil's sum to 0)
    D = np.concatenate([np.zeros((lead, V.shape[1])), stencil_points(o, half, V[at])])
    with holding_domain_warnings():  # (points within the first stencil's: its warnings are the ones said)
        G = np.asarray(fun(x, D)[0])
    G, f0, per = G[lead:].reshape(len(at), j, -1), (G[0] if lead else 0.0), len(F0) // len(H)
    A = np.asarray(F0).reshape(len(H), per, -1)[at, :j]  # (the first step's points: rows (step, offset))
    with np.errstate(all="ignore"):
        size = np.maximum(np.abs(A).max(axis=1), np.abs(G).max(axis=1))
        change = np.abs(np.einsum("j,kjm->km", w, A - f0) / h0 - np.einsum("j,kjm->km", w, G - f0) / half)
        added = EPS * size * np.abs(w).sum() * (1.0 / H[at, :1] - 1.0 / h0)
        maybe[at] = (2.0**p / (2.0**p - 1.0) * change < ROUNDOFF_SEEN * added).all(axis=1)
    return maybe


def _hessian_unmoved(fun, x, h, points, first, once, last, limit):
    """`hessian_within_reach`'s components whose moves were rounding only (`_rounding_only`; `first`, `once`: (h,
    worst, F) before and (h, worst) after the first shrink), or whose shrink was needless (`_hessian_needless`), get
    back their first step: (h, (F, cols), said, R, those components)
    evaluated again, or None where there is none (`last` written in place: those count as not shrunk)."""
    if once is None:
        return None
    back = _rounding_only(first[1], once[1], first[0], once[0], limit) | _hessian_needless(fun, x, h, points, first)
    if not back.any():
        return None
    h = np.where(back, first[0], h)
    last[:, back] = np.nan
    D = points(h)
    (F, cols), said = _held(fun, x, D)
    return h, (F, cols), said, fun.reach(cols, len(D)), back


#: a Hessian step its reach shrank is measured against its first step (`_hessian_needless`) where that first step
#: reached at most this far, in the op's scales: a feature 10 first steps away or more, so that the second differences'
#: error follows c·h² between half the first step and the step (the next term, ~reach² of it, 1 % here)
MEASURED = 0.1
#: ... and kept shrunk unless its first steps' truncation is below this share of the round-off bound the shrink adds:
#: a stencil's actual round-off is ~0.2-0.3 of its bound (SHARE), and sin(x0)·x1² + 1e-3·sqrt(exp(60·x0) + 0.01)'s
#: first steps, 4.5e-6 off, were no better than its shrunk ones at 1/3 of theirs
ROUNDOFF_SEEN = 0.25


def _hessian_needless(fun, x, h, points, first):
    """Per component of `hessian_within_reach`, whether its shrunk step (h below the first step h0, `first` = (h0, its
    reach, f at its points)) was needless: its first step reached at most MEASURED, and the stencil's entries in its
    row, at h0 and at h0/2 (1 + n + n² points more), change by less (4/3 of it: their truncation at h0, by the h² law)
    than the round-off the shrink adds, 4·eps·|f|·(1/(h_i h_j) - 1/(h0_i h0_j)). The reach is an op's argument's move
    in its scale, blind to how much f's value depends on that op: an RK solver's error norm (sqrt, 1.8 % of its
    argument), which only steers the step size, shrank its Hessian's steps 100-fold, its round-off 1e4-fold, 4.3e-4
    off where the first steps are right to 1e-7 (issue 11)."""
    from .stencils import _second_differences  # (stencils imports this module)

    h0, reach, F0 = first
    n, (i, j) = len(h0), np.tril_indices(len(h0), -1)
    maybe = (h < h0) & (_far(reach)[0] <= MEASURED)
    if not maybe.any():
        return maybe
    half = _representable(x, np.eye(n), (h0 / 2)[:, None], True)[:, 0]
    with holding_domain_warnings():  # (points within the first stencil's: its warnings are the ones said)
        G = np.asarray(fun(x, np.concatenate([np.zeros((1, n)), points(half)]))[0], dtype=float).reshape(
            1 + len(F0), -1
        )
    F0, f0 = np.asarray(F0, dtype=float).reshape(len(F0), -1)[:, 0], G[0, 0]
    with np.errstate(all="ignore"):
        change = np.abs(_second_differences(F0 - f0, h0, i, j) - _second_differences(G[1:, 0] - f0, half, i, j))
        size = np.max(np.abs(np.concatenate([F0, G[:, 0]])))
        added = 4.0 * EPS * size * (1.0 / np.outer(h, h) - 1.0 / np.outer(h0, h0))
        return maybe & (4.0 / 3.0 * change < ROUNDOFF_SEEN * added).all(axis=1)


def _limited(fun, worst):
    """Note on `fun` the watched entries whose reach shrank a step (rows of `worst`: `Watch.reach`'s), for
    `say_unresolved`."""
    if len(worst):
        fun.limited = getattr(fun, "limited", set()) | set(worst[:, : worst.shape[1] // 2].argmax(axis=1).tolist())


def say_unresolved(fun, d, err):
    """A NumericAccuracyWarning when the error estimate `err` exceeds the derivative's largest entry (d), where a
    watched op's length scale shrank the step (`_limited`): there the step the scale allows leaves round-off
    eps·|f|/h larger than the derivative (eigh near a crossing: its Hessian; finite differences are ill-conditioned
    there), and the warning names that op's equation."""
    limited = sorted(getattr(fun, "limited", ()))
    with np.errstate(all="ignore"):
        d, err = np.abs(np.asarray(_number(d))).astype(float), np.asarray(_number(err), dtype=float)  # d may be complex
        big, worst = np.max(d, where=np.isfinite(d), initial=0.0), np.max(err, where=np.isfinite(err), initial=0.0)
    if not limited or not worst > big:
        return
    e, _ = fun.watch.entries[limited[0]]
    where = str(e.origin).split(" :")[0]
    warn_user(
        NumericAccuracyWarning(
            f"{where}: the numeric method cannot resolve this derivative: its error estimate {worst:.3g} exceeds its "
            f"largest entry {big:.3g} (the step {e.op.name}'s length scale allows here leaves round-off eps·|f|/h; "
            "finite differences are ill-conditioned); use an exact method"
        ),
        NumericAccuracyWarning,
    )


def unconverged(d, trunc, roundoff) -> bool:
    """Whether a stencil's truncation estimate `trunc` (k, m) (its own change with the step: Richardson's table, the
    estimate at 2h) exceeds SHARE of the derivative d's largest entry where it is RESOLVED times its round-off part:
    the steps are not small against f's length scale (f(1e6·y) at y ~ 1e-6 varies within a step of
    eps^(1/3)·max(1, |y|); sigmoid saturates across Richardson's 0.5), so the estimate itself is a guess, not a bound
    (Richardson 8.3 for 5.6e5, its estimate 4.3). Noise (a term much larger than f's change) is `say_roundoff`'s."""
    with np.errstate(all="ignore"):
        d, t = np.abs(np.asarray(_number(d))).astype(float), np.asarray(_number(trunc), dtype=float)
        big = np.max(d, where=np.isfinite(d), initial=0.0)
        return bool(np.any((t > SHARE * big) & (t > RESOLVED * np.asarray(roundoff)) & np.isfinite(t)))


def say_one_sided(fun, x, V, H, d, f0, stencil, scheme):
    """A NumericAccuracyWarning where a one-sided stencil starts at an op's singular point (a watched argument whose
    elementwise op's length scale is 0 at x, sqrt's and arcsin's domain edges, moved by the stencil: `_noted`) and its
    derivative d (k, m) does not hold at half the steps H (k, T) (`stencil` = (offsets ≠ 0, their weights, Σ|w|)):
    its points may stay in the domain, but f is rarely smooth up to x there, and no judge of f's length scale runs on
    one-sided stencils (widths.py's are central): arcsin′(1) by backward differences read 11585 for inf, silently.
    Held: d changes by less than twice the round-off bound at the half steps (a smooth f's change at the default step
    is ~0.1 of it; f = where(x > 0, sqrt(x), 0) at 0, whose sqrt f does not read, 0)."""
    decided = getattr(fun, "numbers", None) or fun  # (traced values: decided on numbers, `within_reach`)
    singular = [k for k in sorted(getattr(decided, "singular", ())) if fun.watch.entries[k][0].op.elementwise]
    if not singular or type(d) is not np.ndarray or isinstance(x, Traced):
        return
    (o, w, wsum), V = stencil, np.eye(len(H)) if V is None else V
    half = _representable(x, V, H[:, :1] / 2, True)
    with holding_domain_warnings(), np.errstate(all="ignore"):  # (points within the first stencil's)
        G = np.asarray(decided(x, stencil_points(o, half, V))[0], dtype=float).reshape(len(V), len(o), -1)
        f0 = np.asarray(_number(f0), dtype=float).ravel()
        size = np.maximum(np.abs(f0), np.abs(G).max(axis=1))  # (k, m)
        change = np.abs(d - np.einsum("j,kjm->km", w, G - f0) / half)
        if (change <= 2.0 * EPS * size * wsum / half).all():
            return
    e, i = fun.watch.entries[singular[0]]
    where = str(e.origin).split(" :")[0]
    message = (
        f"{where}: the numeric method cannot resolve this derivative: its {scheme} stencil starts where "
        f"{e.op.name}'s length scale is 0 (its argument {e.args[i]!r} at a singular point), and its entries change "
        f"by up to {change.max():.3g} at half the step: a one-sided difference converges slowly or not at all there "
        "(an infinite derivative reads as a large finite number); use an exact method (method='forward' or 'reverse')"
    )
    warn_user(NumericAccuracyWarning(message), NumericAccuracyWarning)


def say_unconverged(fun, d, trunc, roundoff, judged=True, step=None):
    """A NumericAccuracyWarning where `unconverged`: a stencil's derivative d on numbers, judged (one numeric
    level: nested ones' inner noise is `say_roundoff`'s), where f's round-off is judged (`fun.roundoff`). `step`: the
    user's, named in the warning."""
    if not judged or type(d) is not np.ndarray or not getattr(fun, "roundoff", False):
        return
    if not unconverged(d, trunc, roundoff):
        return
    with np.errstate(all="ignore"):
        worst = np.max(np.asarray(_number(trunc), dtype=float), where=np.isfinite(trunc), initial=0.0)
        big = np.max(np.abs(np.asarray(_number(d))), where=np.isfinite(d), initial=0.0)
    if step is not None:
        warn_user(
            NumericAccuracyWarning(
                f"the numeric method's step={step!r} is too large for f here: its truncation error is estimated at "
                f"{worst:.3g} (its entries' change with the step), more than {SHARE:g} of its largest entry {big:.3g}: "
                "f varies within the step, so the answer and its error estimate are unreliable; use a smaller step, "
                "step=None (the error model's), or an exact method (method='forward' or 'reverse')"
            ),
            NumericAccuracyWarning,
        )
        return
    warn_user(
        NumericAccuracyWarning(
            f"the numeric method cannot resolve this derivative: its entries change with the step by {worst:.3g}, "
            f"more than {SHARE:g} of its largest entry {big:.3g}: f varies over less than the step here (a length "
            "scale much shorter than max(1, |x|)), so the answer and its error estimate are unreliable; use an exact "
            "method (method='forward' or 'reverse'), rescale x, or give Numeric(step=...)"
        ),
        NumericAccuracyWarning,
    )


def say_underflow(F, H):
    """A NumericAccuracyWarning when complex step's imaginary parts F.imag (k·T, m) at steps H (k, T) left the normal
    range of floats: Im f(x + ih) below the least normal float has lost digits (1/x at 2e150: 9e-5 off), and a step a
    length scale shrank below √tiny leaves products h·x that underflow to 0 (a norm at 1e-150: every entry 0)."""
    if type(F) is not np.ndarray or F.dtype.kind != "c":
        return
    tiny, im = np.finfo(float).tiny, np.abs(F.imag.reshape(len(H), -1))
    lost = ((im > 0) & (im < tiny)).any(axis=1) | ((im == 0).any(axis=1) & (H.min(axis=1) < math.sqrt(tiny)))
    if lost.any():
        i = int(np.flatnonzero(lost)[0])
        warn_user(
            NumericAccuracyWarning(
                f"complex step underflowed along direction {i} (step {H[i].min():.3g}): Im f(x + ih) left the normal "
                "range of floats, so the derivative lost its digits; use scheme='central' or an exact method"
            ),
            NumericAccuracyWarning,
        )


def grid_of(D):
    """Per column of D (..., m) (differences of f's values), the largest power of two dividing every finite nonzero
    entry, the spacing of the grid they lie on (0 where there is none). Differences of values of f's own precision
    lie on about f's ulp; a value that passed through a larger intermediate, (g + 1e14·x0) - 1e14·x0, lies on that
    intermediate's ulp (0.0156 at 1e14), which then bounds the differences' round-off instead of eps·|f(x)|.

    >>> grid_of(np.array([[0.75], [-1.5], [0.0]])).tolist()
    [0.25]
    """
    D = np.asarray(D, dtype=float).reshape(-1, np.shape(D)[-1])
    ok = np.isfinite(D) & (D != 0)
    m, e = np.frexp(np.where(ok, D, 1.0))  # |D| = M·2^(e - 53), M a 53-bit whole number
    M = np.ldexp(np.abs(m), 53).astype(np.int64)
    low = np.ldexp((M & -M).astype(float), e - 53)  # M's lowest set bit, in D's units
    return np.where(ok.any(axis=0), np.min(np.where(ok, low, np.inf), axis=0), 0.0)


def say_roundoff(
    fun,
    d,
    bound,
    moved,
    f0,
    entries=True,
    name=lambda i, j: f"d f[{j}]/d x[{i}] (flat)",
    probe=None,
    columns=False,
    firm=None,
):
    """A NumericAccuracyWarning when round-off decides a real stencil's derivative d (k directions, m outputs, on
    numbers): `bound` (k, m) its round-off bound R·Σ|w|/h, R the round-off of one value of f (eps·|f(x)|, or the
    spacing of f's values where it is coarser: `grid_of`), `moved` (k, m) whether f's output moved at all at the
    direction's points, f0 (m,) f(x). Said when (`entries`) a nonzero entry is below its bound: f's change over
    the step is a few units of f's round-off, so the entry is noise (1e14·x0 + g(x1): d/dx1 is multiples of
    ulp(1e14)/2h, hundreds). A zero where f did not move at all is judged only where the equation computing the
    output has a constant argument c (`fun.constant`, per output element) that dominates f(x) (|f(x) - c| under
    DOMINATED·|f(x)|) while f(x) - c is visible in it (above a few ulps of f(x)): g's change below an ulp of f was
    lost there (the numeric method drops the constants it can, offsets.py; maximum(g + C, C - 1) keeps them), said
    when every entry of an output is. Not judged elsewhere: at one step a zero where f did not move is also what
    an f that does not depend on x_i gives, or one whose derivative really is below round-off (tanh at 750,
    logaddexp(x, 0.5) at -750: f(x) - c is 0 there), and these are right. Costs no evaluation of f. `entries`=False:
    only the whole (the Hessian); `name` (i, j) names an entry. Nothing is judged at an inner nested numeric level
    (`fun.roundoff` false: its own error estimate is reported to the enclosing level). Zeros where f did not move
    elsewhere: `probe` (directions -> (the direction, an equation) or None; `offsets.absorbed` at x ± the directions' steps, two
    evaluations, only when there are such zeros) finds an addition on f's way that absorbed their change below an
    ulp of its value (1e14·x0 + sin(x1): d/dx1 an exact 0), and the warning names it; `columns`: only for outputs
    whose every entry is such a zero (a derivative of numeric derivatives: its structural zeros are many).
    `firm` (k, m): the bound an entry above `bound` is judged by (f's own round-off eps·|f(x)|·Σ|w|/h, not the grid,
    which exact values at dyadic steps mimic); such an entry is said when `firm` exceeds SHARE of it, the accuracy
    the method answers to (1e14·x0 + sin(x1) at (1, 2), Richardson: d/dx1 3 % off, its bound 17 % of it).
    `entries` "resolved" (a derivative of numeric derivatives, whose structural zeros are the inner levels' noise: relu's
    Hessian, all noise, is truly 0): entries above SHARE of the largest, and only where some entry is RESOLVED times
    its bound (1e14·x0 + x1²·x2 by Richardson of Richardson: H[1, 2] = 3.90 for 4, its bound 11; H[1, 1] = 5.98, 0.87)."""
    if not getattr(fun, "roundoff", False):
        return
    c = getattr(fun, "constant", None)
    with np.errstate(all="ignore"):
        f0, a = np.abs(np.ravel(f0)), np.abs(d)
        judged = np.zeros(len(f0), bool)
        if c is not None and len(c) == len(f0):
            part = np.abs(np.ravel(f0) - c)
            # c dominates: f(x) - c under DOMINATED of f(x) (a factor c of f = c·g(x) leaves most of f to g: not judged)
            judged = (part <= DOMINATED * f0) & (part > 4.0 * EPS * f0)  # (NaN: no constant argument, not judged)
        below = (a < bound) & np.isfinite(f0)  # (f(x) inf or NaN: the DomainWarning said so; no round-off to judge)
        below |= (a == 0) & (bound == 0) & (f0 == 0) & columns  # (nested, all 0: the inner levels said no noise)
        # an entry resolved from 0 (above its bound) whose round-off is still more than FIRM_SHARE of it
        band = (
            (FIRM_SHARE * a < firm) & ~below & (a > 0) & np.isfinite(f0) & bool(entries) if firm is not None else False
        )
        if not below.any() and not np.any(band):  # (the common case)
            return
        blind = np.zeros(a.shape, bool)
        if isinstance(entries, str):  # "resolved": numeric derivatives' entries, where some entry is resolved
            top = np.max(a, where=np.isfinite(a), initial=0.0)
            # (entries under SHARE of the largest are judged neither below nor above their bound: the inner levels'
            # noise is the whole matrix's, 1e8·x0² + x1·x2's H[1, 2] = 1 was said at 0.05 of its bound, exact, while
            # 0 for it, far below, was not)
            noise = (FIRM_SHARE * a < firm) & (a > SHARE * top) & np.isfinite(f0)
            resolved = bool(((a > RESOLVED * bound) & (bound > 0) & (a > OF_ITS_OUTPUT * f0)).any())
            noise &= resolved
            # none resolved: all noise, truly 0 (relu's) or lost (an output whose bound is BLIND of its value)
            blind = ~resolved & (bound > BLIND * f0) & (f0 > 0) & np.isfinite(bound)
        else:
            noise = (below & (a > 0) & bool(entries)) | band
        lost = below & judged & ~moved & (a == 0)
        whole = (noise | lost).all(axis=0) & judged
    if not (noise.any() or whole.any()):
        unmoved = below & ~moved & (a == 0) & ~judged & (probe is not None)
        unmoved &= unmoved.all(axis=0) | (not columns)
        rows = np.flatnonzero(unmoved.any(axis=1))
        found = probe(rows) if len(rows) else None
        if found is not None:
            i, e = found
            _say_lost(e, name(i, np.flatnonzero(unmoved[i])[0]), d[i, np.flatnonzero(unmoved[i])[0]])
        elif blind.any():  # (the entry whose bound is the largest share of its output's value)
            with np.errstate(all="ignore"):
                i, j = np.unravel_index(np.argmax(np.where(blind, bound / f0, -1.0)), a.shape)
            _say_noise(d, i, j, bound, firm, None, f0, name, columns)
        return
    if noise.any():  # (the entry whose round-off is the largest share of it)
        with np.errstate(all="ignore"):
            share = np.where(below, bound, 0.0 if firm is None else firm) / a
        i, j = np.unravel_index(np.argmax(np.where(noise, share, -1.0)), a.shape)
    else:
        i, j = np.argwhere((noise | lost) & whole)[0]
    _say_noise(d, i, j, bound, firm, c if judged[j] else None, f0, name, columns)


def _say_lost(e, entry: str, value):
    """`say_roundoff`'s warning of an entry that is `value` because equation e's addition lost its argument's change."""
    what = f"this {e.op.name}" if e.op is e.origin.op else f"the {e.op.name} it is computed with"
    why = (
        f"the change of an argument of {what} over the step is below an ulp of its value and was lost (a term much "
        "larger than the derivative's share of f)"
        if e.op.linear is True  # (else a saturated op, `offsets._saturated`: the truth is below what differences see)
        else f"the value of {what} is constant to its last bit over the step though its derivative is not 0 (its change"
        " is below an ulp of its value: finite differences of f's floats give 0 there, whatever the step)"
    )
    warn_user(
        NumericAccuracyWarning(
            f"{str(e.origin).split(' :')[0]}: the numeric method cannot resolve this derivative: {entry} is "
            f"{value + 0.0:.3g} because {why}; use an exact method (method='forward' or 'reverse'), or rescale f"
        ),
        NumericAccuracyWarning,
    )


def _say_noise(d, i, j, bound, firm, c, f0, name, columns):
    """`say_roundoff`'s warning of entry (i, j) of d: below its bound, or its `firm` bound above SHARE of it; `c`: the
    constant term that dominates f(x) there, or None."""
    a = np.abs(d)
    under = a[i, j] < bound[i, j]
    why = (
        f"a constant term {c[j]:.6g} dominates f(x) = {np.ravel(f0)[j]:.6g} and f's change over the step is lost "
        "below an ulp of f"
        if c is not None
        else f"f's change over the step is {'a few units of' if under else f'{a[i, j] / firm[i, j]:.3g} times'} its "
        "round-off (a term much larger than the derivative's share of f, here or inside f)"
    )
    where = (
        f"below the round-off bound R·Σ|w|/h = {bound[i, j]:.3g} of its stencil (R: eps·|f(x)|, or the spacing of "
        "f's values where coarser)"
        if under
        else f"and the round-off bound R·Σ|w|/h of its stencil is {firm[i, j]:.3g} (R: eps·|f(x)| or eps·‖f's terms‖ where they cancel"
        f"{', plus the noise of the numeric levels inside f' if columns else ''}), {_above(firm[i, j] / a[i, j])} of it, "
        f"more than the {FIRM_SHARE:g} the method answers to"
    )
    warn_user(
        NumericAccuracyWarning(
            f"the numeric method cannot resolve this derivative: {name(i, j)} is {d[i, j]:.3g}, {where}: {why}; use an "
            "exact method (method='forward' or 'reverse'), or subtract f's large part or rescale f"
        ),
        NumericAccuracyWarning,
    )


def _above(share) -> str:
    """`share` in 2 significant digits, or as many more as show it above FIRM_SHARE (a share of 0.002025 printed
    "0.002 of it, more than the 0.002 the method answers to").

    >>> _above(0.002025), _above(0.0031), _above(0.0020000001)
    ('0.00202', '0.0031', '0.0020000001')
    """
    for digits in range(2, 17):
        text = f"{share:.{digits}g}"
        if float(text) > FIRM_SHARE:
            return text
    return f"{share:.17g}"


def _far(worst):
    """(reach, reach in the ops' scales alone) per row of `worst` (rows, 2·entries: `Watch.reach`'s halves)."""
    E = worst.shape[1] // 2
    return worst[:, :E].max(axis=1, initial=0.0), worst[:, E:].max(axis=1, initial=0.0)


def _exponent(h, far, last):
    """Per direction, k with reach ∝ step^k, from its last two (step, reach) pairs (`last`: the previous ones, NaN
    before any change), else 1. A direction is shrunk (or grown back) to the reach goal^k: the truncation error of
    a stencil whose argument moves as h^k is that of a reach goal in h (|x|² at x near 0, where the first step
    spanned x: the linear guess shrank it past its goal, to mostly round-off, norm's Hessian at 1e-8: 5 %)."""
    with np.errstate(all="ignore"):
        k = np.log(last[1] / far) / np.log(last[0] / h)
    return np.where(np.isfinite(k) & (k > 0), np.clip(k, 1.0, 4.0), 1.0)


def _held(fun, x, D):
    """(fun(x, D), [its DomainWarnings, held]): said only if a point that left a domain is kept (`_say_kept`)."""
    with holding_domain_warnings() as said:
        out = fun(x, D)
    return out, [said]


def _say_kept(said, came, F):
    """Say the held DomainWarnings of each evaluation (said[r]) some non-finite value of which is kept in F
    (came: the evaluation each row of F came from; None: all from the one evaluation, kept whole)."""
    if came is None:
        for equation, message in said[0].items():
            warn_domain(equation, message)
        return
    bad = ~np.isfinite(F).all(axis=tuple(range(1, F.ndim)))
    for r, held in enumerate(said):
        if held and bad[came == r].any():
            for equation, message in held.items():
                warn_domain(equation, message)


def say_stencil_domain(held, F, D, x, f0, scheme):
    """Say the DomainWarnings held while a stencil was evaluated (`held`: equation -> message, those `within_reach`
    kept), each naming the stencil point that left the op's domain where f is finite at x itself and a point's value
    is not (F (len(D), m) at the moves D from x): NumPy's "invalid value in sqrt" at x = 0, inside sqrt's domain, is
    true of the central stencil's x - h alone (issue 11). Not switched to a one-sided stencil: at a domain's edge f is
    rarely smooth up to x (x·sqrt(x) at 0 by forward differences: 1.2e-4 for 0; arcsin at 1 by backward ones:
    11585 for inf), so the message names that choice and its limit (`say_one_sided` says it where it is taken)."""
    at = _left(F, D, x, f0)
    for equation, message in held.items():
        said = _DOMAIN.match(message) if at is not None and isinstance(message, str) else None
        if said:
            message = (
                f"{said[1]}: the numeric method's {scheme} stencil point {at} is outside the domain of {said[3]} "
                f"({said[2]}), though f is finite at x: NaN. Use an exact method (method='forward' or 'reverse'); a "
                "one-sided scheme (dl.Numeric(scheme='forward') or scheme='backward') stays on x's side, but converges "
                "only where f is smooth up to x (where f' is infinite, as sqrt's at 0, it gives a large finite number)"
            )
        warn_domain(equation, message)


#: a DomainWarning's message as `graph.guarded` words it: (equation, NumPy's error, op)
_DOMAIN = re.compile(r"(.*?): (.*) \(outside the domain of ([\w.]+)\)", re.S)


def _left(F, D, x, f0):
    """The first stencil point (x + a row of D) at which F is not finite, as text, where f0 = f(x) is (else None)."""
    if type(F) is not np.ndarray or type(D) is not np.ndarray or len(F) != len(D) or f0 is None:
        return None
    if isinstance(x, Traced) or not np.isfinite(np.asarray(_number(f0))).all():
        return None
    bad = np.flatnonzero(~np.isfinite(F.reshape(len(F), -1)).all(axis=1))
    if not len(bad):
        return None
    d, x = D[bad[0]], np.asarray(_number(x), dtype=float).ravel()
    moved = np.flatnonzero(d)
    if len(moved) != 1:
        return f"x + d, max|d| = {np.abs(d).max():.3g}"
    k = int(moved[0])
    name = "x" if len(x) == 1 else f"x[{k}] (flat)"
    return f"{name} {'-' if d[k] < 0 else '+'} {abs(d[k]):.3g} = {x[k] + d[k]:.12g}"


def hessian_within_reach(fun, x, h, points, base, traced=None):
    """(F, h, out) for the Hessian's stencil (stencils._hessian_stencil): f at `points(h)` for steps h (n,) per
    component, with the steps of the components whose points reach too far (see `within_reach`) shrunk and
    every point evaluated again; `out` (n,) marks the components still out of reach. On traced values (vmap's first
    row): decided on numbers (`fun.numbers`), recorded once at the final points, at the recorded steps `traced`
    where no step was shrunk, and `fun.decided` noted for `pieces.rows_guard`, as `within_reach`. A component whose
    shrink was rounding or needless gets its first step back (`_hessian_unmoved`)."""
    watch = getattr(fun, "watch", None)
    if not watch or base is None:
        out = fun(x, points(h if traced is None else traced))
        return (out[0] if watch else out), h, np.zeros(len(h), bool)
    decide = getattr(fun, "numbers", None) or fun
    D = points(h)
    (F, cols), said = _held(decide, x, D)
    R = decide.reach(cols, len(D))
    n, limit = len(h), limit_of(base)
    # each component's reach from its own points x ± h_i e_i (a cross point moves about their sum)
    touched = np.concatenate([np.arange(n), np.arange(n)])
    last = np.full((2, n), np.nan)  # each component's step and reach before its last change
    first = once = None  # (h, worst, F) before and (h, worst) after the first shrink
    for round in range(ROUNDS + 1):
        worst = np.zeros((n, R.shape[1]))
        np.maximum.at(worst, touched, R[: 2 * n])
        first, once = first or (h, worst, F), (h, worst) if round == 1 else once
        far, raw = _far(worst)
        k, goal = _exponent(h, raw, last), limit / SLACK
        bad = np.flatnonzero((far > limit) | (np.isfinite(last[1]) & (far > 0) & (far < goal**k / SLACK)))
        if not len(bad) or round == ROUNDS:
            break
        _limited(fun, worst[far > limit])
        new = h.copy()
        factor = (goal ** k[bad] / far[bad]) ** (1.0 / k[bad])
        new[bad] = _representable(x, np.eye(n)[bad], (h[bad] * factor)[:, None], True)[:, 0]
        if not (new != h).any():
            break
        last[:, new != h] = h[new != h], raw[new != h]
        h = new
        D = points(h)
        (F, cols), said = _held(decide, x, D)  # every point again: the last evaluation's warnings count
        R = decide.reach(cols, len(D))
    back = _hessian_unmoved(decide, x, h, points, first, once, last, limit)
    if back is not None:
        h, (F, cols), said, R, rounding = back
        worst = np.zeros((n, R.shape[1]))
        np.maximum.at(worst, touched, R[: 2 * n])
        far = np.where(rounding, 0.0, _far(worst)[0])
    if decide is fun:
        _say_kept(said, np.zeros(len(R), int), F)
    else:
        shrunk = np.isfinite(last[0]).any()
        fun.decided = (limit, "shrunk" if shrunk else "reach")
        F = fun(x, points(h if shrunk or traced is None else traced))[0]
    out = far > limit
    for k in np.flatnonzero(out)[:1]:
        watch.say(int(worst[k, : worst.shape[1] // 2].argmax()), float(far[k]))
    return F, h, out


def constant_terms(graph, wrt):
    """Per flat output element, the constant argument of the equation computing it (NaN where there is none, or
    several), when that equation's other arguments depend on x; None when no output has one. f = g(x) + 5.3e13
    (a closed-over term folded into one constant) gives 5.3e13: where f(x) - c is a visible part of f(x) but c
    dominates it, a change of g below an ulp of f is lost (`scales.say_roundoff`)."""
    live, made = active(graph, [graph.inputs[i] for i in wrt]), {e.out: e for e in graph.eqns}
    found, parts = False, []
    for o in graph.outputs:
        size = math.prod(np.shape(o.value)) if isinstance(o, Const) else math.prod(o.shape)
        e = made.get(o) if isinstance(o, Var) else None
        consts = [a for a in e.args if isinstance(a, Const)] if e is not None else []
        if len(consts) == 1 and any(isinstance(a, Var) and a in live for a in e.args):
            try:
                c = np.broadcast_to(np.asarray(consts[0].value, dtype=float), o.shape).ravel()
            except (TypeError, ValueError):  # (a complex or non-numeric constant: not judged)
                c = None
            if c is not None:
                found = True
                parts.append(c)
                continue
        parts.append(np.full(size, np.nan))
    return np.concatenate(parts) if found else None


#: an entry's round-off is judged against the size of f's terms (`terms_size`) where its bound by eps·|f(x)| is above
#: this share of it (the terms must then be 100 times |f(x)| to be said; below it f is not evaluated again); vmap's rows
#: from there are answered alone (`rows_roundoff`)
TERMS_FROM = 1e-2 * FIRM_SHARE


def terms_size(graph, args, wrt):
    """Per flat output element, the size of the terms f(x) is the sum of: |value| of each x-dependent value, their
    norm √Σ|t|² through the jointly linear ops (`Op.linear` True: add, sub, sum; constants and values free of x count 0, as
    offsets.py differences f without them) and scaled through the ops linear in each argument (mul, matmul: the
    others' |values|). Each term's value carries its own round-off, so f's is eps·‖terms‖ (independent errors), not eps·|f(x)|, where
    they cancel: Σ a·tanh(39·x) at s·x = (0.73, -12.6), f = -0.063 from terms 0.87 and 0.81, d/dx1 0.35 % off at
    1.6e-3 of its bound by eps·|f(x)| (under FIRM_SHARE), 3.0e-2 by its terms' (4.3e-2 by Σ|terms|; the
    norm: a long sum's, an ODE's states, not said where Σ|terms| was: shooting_states' entries right to 6e-5). One pass of NumPy on x's numbers
    (not charged: no evaluation of f the stencil needs); None where an output is not a Var of the graph."""
    live = active(graph, [graph.inputs[i] for i in wrt])
    env = {v: a for v, a in zip(graph.inputs, args)}
    size = {v: np.abs(np.asarray(a, dtype=float)) for v, a in zip(graph.inputs, args) if v in live}
    extra = {}  # (`_carried`: a cancellation's round-off carried through one nonlinear op)
    whole = dict(size)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in graph.eqns:
            vals = [read(env, a) for a in e.args]
            env[e.out] = out = impl_or_nan(e, vals, e.kw)
            if e.out not in live or np.asarray(out).dtype.kind not in "fiu":
                continue
            try:
                size[e.out] = _term_size(e, vals, out, size)
            except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError):
                size[e.out] = np.abs(np.asarray(out, dtype=float))
            try:  # (each value's terms with the constants too, and its own rounding: what a nonlinear op carries)
                whole[e.out] = np.maximum(_term_size(e, vals, out, whole), np.abs(np.asarray(out, dtype=float)))
            except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError):
                whole[e.out] = size[e.out]
            try:
                more = _carried(e, vals, out, whole, extra)
            except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError, IndexError):
                more = None
            if more is not None:
                extra[e.out] = more
    if not all(isinstance(o, Var) and o in size for o in graph.outputs):
        return None
    return np.concatenate([np.ravel(np.broadcast_to(size[o] + extra.get(o, 0.0), o.shape)) for o in graph.outputs])


def roundoff_facts(prepared, args):
    """(`constant_terms`, `_Terms` at args) for numeric's stencil function on `prepared`'s graph (`say_roundoff`,
    `stencils._with_terms`, `rows_roundoff`): (None, None) at a nested level (its error estimate's business)."""
    if prepared.levels != 1:
        return None, None
    return prepared._constant, _Terms(prepared, args)


#: components up to which `_Terms.alive` moves each (one batched run of f's graph on numbers); past it, all alive
ALIVE_PROBES = 64


class _Terms:
    """f's terms at args: called, `terms_size`; `alive()`, the components of x some equation of f moves with."""

    def __init__(self, prepared, args):
        self.prepared, self.args = prepared, args

    def __call__(self):
        return terms_size(self.prepared.graph, self.args, self.prepared.wrt)

    def alive(self):
        """(n,) bool at args' numbers: whether moving x_i by 1e-3·max(1, |x_i|) moves a non-linear equation of f, or
        an addition's argument (a jointly linear op's) without its value (`offsets.absorbed`'s test), or None (a graph
        closing over traced values, more than ALIVE_PROBES components: all alive). Where neither (x_i unused, or
        multiplied by 0) d/dx_i is a true 0, which no row need be answered alone for (`rows_roundoff`). One batched
        run of f's graph on numbers, every equation's value an output, nothing said or recorded."""
        p = self.prepared
        if p.graph.closes_over_tracers or not p.graph.eqns or p.n > ALIVE_PROBES:
            return None
        nums = [_number(a) for a in self.args]
        x = np.concatenate([np.ravel(np.asarray(nums[i], dtype=float)) for i in p.wrt])
        X = x + np.vstack([np.zeros(len(x)), np.diag(1e-3 * np.maximum(1.0, np.abs(x)))])
        every = p.graph._replace(outputs=tuple(e.out for e in p.graph.eqns))
        flags = tuple(i in p.wrt for i in range(len(p.graph.inputs)))
        given = p.with_x(nums, split(X, p.in_shapes, batch=X.shape[:1]))
        with np.errstate(all="ignore"), warnings.catch_warnings(), holding_domain_warnings():
            warnings.simplefilter("ignore")
            outs = evaluate_batched(every, *given, batched=flags)
            env = {v: np.asarray(a) for v, a, b in zip(p.graph.inputs, given, flags) if b}
            fixed = {v: a for v, a, b in zip(p.graph.inputs, given, flags) if not b}  # (x-free inputs: no change)
            env.update(zip(every.outputs, map(np.asarray, outs)))
            moved = np.zeros(len(x), bool)
            for e in p.graph.eqns:
                out = env[e.out]
                if out.dtype.kind not in "fc" or out.shape[:1] != (len(X),):
                    continue
                change = (out[1:] != out[:1]).reshape(len(x), -1)
                if e.op.linear is not True:
                    moved |= change.any(axis=1)
                    continue
                # an addition (two float arguments or more) moved by x_i: at another row the other may absorb its change
                # (1e14·x0 + x1 at x0 = 1, traced at x0 = 0); or a sum's argument moved, its value did not: absorbed
                both = (
                    sum(
                        np.asarray(env[a] if isinstance(a, Var) and a in env else read(fixed, a)).dtype.kind in "fc"
                        for a in e.args
                    )
                    > 1
                )
                for k in np.flatnonzero(~moved):
                    d = [
                        env[a][k + 1] - env[a][0] if isinstance(a, Var) and a in env else _zero(read(fixed, a))
                        for a in e.args
                    ]
                    try:
                        expected = np.asarray(e.op.impl(*d, **e.kw)) != 0
                    except (TypeError, ValueError, ArithmeticError, IndexError):
                        expected = np.ones(1, bool)
                    moved[k] |= bool((expected.reshape(-1) & (~change[k] | both)).any())
        return moved


def _zero(v):
    """v's zero (a float argument that does not move: no change), or v itself (an index, an integer)."""
    return np.zeros_like(v, dtype=float) if np.asarray(v).dtype.kind in "fc" else v


def _term_size(e, vals, out, size):
    """`terms_size` of one equation's output: √Σ_i |op(0, .., size_i², .., 0)| over its x-dependent arguments for a
    jointly linear op (sub's second argument counted positive; a sum: the norm of its terms), max_i |op(|v_0|, .., size_i, ..)| for one linear in
    each, |out| for any other op (its value is a new term)."""
    moving = [i for i, a in enumerate(e.args) if isinstance(a, Var) and a in size]
    if e.op.linear is True and moving:
        zero = [
            np.zeros_like(v, dtype=float) if np.asarray(v).dtype.kind in "fc" else v for v in vals
        ]  # (indices kept)
        # (root of the sum of squares: the terms' round-off errors are independent, a sum's grows as their norm)
        parts = [[size[a] ** 2 if j == i else zero[j] for j, a in enumerate(e.args)] for i in moving]
        return np.sqrt(sum(np.abs(np.asarray(e.op.impl(*p, **e.kw), dtype=float)) for p in parts))
    if e.op.linear == "each" and moving:
        absv = [np.abs(np.asarray(v, dtype=float)) for v in vals]
        each = [
            np.abs(e.op.impl(*[size[a] if j == i else absv[j] for j, a in enumerate(e.args)], **e.kw)) for i in moving
        ]
        return functools.reduce(np.maximum, each)
    return np.abs(np.asarray(out, dtype=float))


#: `_carried` carries an argument's terms through a nonlinear op where they exceed its value this many times (four digits
#: cancelled): its bound is an independent-errors one, and at steps that move f's values by a few ulps their round-off is
#: correlated, 400-2000 times below it (right Hessians said: test_user_code9's kriging_lstsq, (z·λ - z_t)² with terms 26
#: times the residual, H[1, 1] right to 2.6e-4 at 0.098 of its bound; test_user_code5's kalman_rts, 3700 times, H[0, 0]
#: right to 1.3e-5 at 0.03); a Helmert fit's residuals cancel 6e5 times and move by millions of ulps (said: H[3, 6] 90
#: times off)
CANCELLED = 1e4


def _carried(e, vals, out, size, extra):
    """The round-off a cancellation inside f carries to e's output beyond `_term_size` (which resets to |out| after a
    nonlinear op): through a nonlinear op, its arguments' cancelled terms (size - |a|, `_term_size`'s) to first order by
    the registry's own partials, √Σ_i |jvp_i(size_i - |a_i|)|² (`size`: `terms_size`'s `whole`, constants and each
    value's own rounding counted: (sin x + C) - (C + 0.5) squared, C = 6.4e6: its Hessian 5 % off silently on main,
    offsets.py drops no constant inside a nonlinear op), and that carried part on through linear ops by
    `_term_size`'s rules, not through a further nonlinear op (one deep: carried through the loops of an iteration,
    Newton's for an implied volatility, an adaptive RK45's step control, the absolute bound compounds to 1e6..1e15 times
    the error, which such loops damp). (t - c)² with t, c ≈ 6.4e6 and t - c ≈ 1 is 1 but moves by 2·eps·6.4e6 with
    t's rounding: a Helmert fit's Hessian 90 times off on an entry, silently. Not the argument's own eps·|a| (g's
    conditioning, constant in the components that do not move: Σ a·sinh(s·x)'s d/dx1 at s·x0 = -55, right to 1e-15,
    would be said). None: nothing carried."""
    if e.op.linear in (True, "each"):
        held = {a: extra[a] for a in e.args if isinstance(a, Var) and a in extra}
        return _term_size(e, vals, out, held) if held else None
    if not e.op.differentiable:  # (a comparison, sign: piecewise constant)
        return None
    carried = 0.0
    for i, a in enumerate(e.args):
        if not (isinstance(a, Var) and a in size):
            continue
        v = np.abs(np.asarray(vals[i], dtype=float))
        excess = np.where(size[a] > CANCELLED * v, size[a] - v, 0.0)
        if not np.any(excess > 0):
            continue
        # (an elementwise op's partials are diagonal: |jvp(excess)| is Σ|∂g/∂a|·excess exactly; another op's, to first
        # order along that one direction)
        t = np.asarray(e.op.jvp_rule(i)(excess.astype(np.result_type(vals[i], float)), out, *vals, **e.kw))
        carried = carried + np.abs(t.real if t.dtype.kind == "c" else t) ** 2
    return None if np.isscalar(carried) and carried == 0.0 else np.sqrt(carried)


def rows_roundoff(d, f0, per_h, levels: int, real: bool, terms=None):
    """d (k, m), a first-order numeric derivative recorded under vmap's trace of its first row (`pieces.batching_rows`,
    outside numeric levels), plus NaN in each row where `say_roundoff` may speak, answered then alone (values and
    warnings as the row alone gives them): an entry whose bound eps·|f(x)|·Σ|w|/h (`per_h`: Σ|w|/h (k, 1), traced
    with the row's steps) exceeds TERMS_FROM of it, or an exact 0 of an f(x) ≠ 0 (an addition may have absorbed its
    change: the row alone probes). The judges run on numbers only, so vmap's rows said nothing (Σ a·tanh(s·x) whose
    terms cancel, 1e14·x0 + sin(x1): the row alone says it). Not the truncation judges (widths.py, central4's): their
    rows stay batched, as before."""
    from .pieces import batching_rows  # (pieces imports this module's neighbours: late)
    from .stencils import numeric_depth

    if not (real and levels == 1 and batching_rows() and isinstance(d, Traced)) or numeric_depth():
        return d
    bound = EPS * dnp.abs(dnp.reshape(f0, (1, -1))) * per_h
    alive = None if not terms or np.shape(d)[0] != terms.prepared.n else terms.alive()
    zero = bound > 0.0 if alive is None else (bound > 0.0) & alive[:, None]  # (f free of x_i: a true 0)
    with np.errstate(all="ignore"):  # (TERMS_FROM: where the row alone weighs f's terms too)
        said = dnp.where(d == 0.0, zero, bound > TERMS_FROM * dnp.abs(d))
    return d + dnp.stop_gradient(dnp.where(dnp.any(said), np.nan, 0.0))


def say_step_overflow(step, x, f0, d) -> None:
    """A NumericAccuracyWarning naming the user's `step` where the derivative d came out NaN or inf at a finite x
    with a finite f(x): f overflowed (or left its domain) at the stencil's points, so a step that large answers
    nothing (Numeric(step=1e300) of sum(x**2) was NaN without a word)."""
    if step is None or type(d) is not np.ndarray or np.isfinite(d).all() or f0 is None:
        return
    if not (np.isfinite(x).all() and np.isfinite(np.asarray(f0)).all()):
        return
    warn_user(
        NumericAccuracyWarning(
            f"the numeric method's step={step!r} gave a NaN or infinite derivative where x and f(x) are finite: f "
            f"overflowed (or left its domain) at the stencil's points x ± {step!r} (times |x| where the scheme scales "
            "it); use a smaller step, or step=None (the error model's)"
        ),
        NumericAccuracyWarning,
    )
