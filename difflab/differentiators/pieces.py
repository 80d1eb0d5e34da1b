"""Kinks and jumps for the numeric method: the graphs it evaluates with each piecewise equation held
on the piece it is on at x, so that no stencil spans a kink or a jump.

How it works. Piecewise-constant equations (comparisons, sign, floor: not `differentiable`) are
held at their values at x: `probe` computes f(x) and those values, `held` is f with them as extra
inputs. An op whose registry entry has `piecewise = (branch, piece)` (abs, max, mod, ...) is
rewritten the same way: `probe` also computes its branch at x (sign(x) for abs, the integer
quotient for mod), and in `held` the equation becomes its piece on that branch (sign(x₀)·x, a - k₀·b),
a smooth function the stencils may straddle the kink of. Near x the held graph equals f on x's side;
at a kink it is the piece the convention table picks (abs'(0) = 0), as for the other methods:

    x % 0.70718 at x = 2.12132 (2.3e-4 below the jump):  held graph  x - 2·0.70718  (slope 1, curvature 0)

A repeated eigen- or singular value is such a kink: its piece is vᵢᴴ S vᵢ with LAPACK's vectors at x held (the exact
methods' and JAX's subgradient, not the mean of the one-sided slopes), and `Op.unsmooth` names it, so that a
derivative of order 2 through it is NaN, said (`no_value`), as complex step's is at a branch point
(`complex_step_guard`: sqrt at 0), where Im f(x + ih)/h reads no derivative.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
import warnings

import numpy as np

from .. import numpy as dnp
from ..errors import warn_domain, warn_domain_if_nonfinite
from ..graph import (
    FROM_VALUES,
    Const,
    Eqn,
    Graph,
    Traced,
    Var,
    active,
    evaluate,
    on_behalf,
    prune,
    read,
    specialise,
)
from ..trace import Tracer, trace_flat
from ..ops.elementwise import strong_mul
from .base import split as _split

__all__ = [
    "held_graphs",
    "infinite_partial",
    "read_elements",
    "no_value",
    "first_order_only",
    "complex_step_guard",
    "numbers_guard",
    "batch_rows",
    "rows_checked",
    "batching_rows",
    "first_row",
    "hessian_on_rows",
    "rows_guard",
    "reuse_checks",
    "reuse_stack",
    "note_check",
]


def _inline(fn, atoms, ids, source, out=None):
    """Equations computing fn(*atoms) (atoms: the Vars and Consts of a graph) with fresh Vars from
    `ids`, and the output atoms; `out` names the single output's Var instead of a fresh one."""
    # (an index's stand-in is 0, in range of any axis: a 1 was out of range for a length-1 sort, and gather raises)
    leaves = [
        (np.zeros if a.dtype.kind in "iub" else np.ones)(a.shape, a.dtype) if isinstance(a, Var) else a.value
        for a in atoms
    ]
    t, inputs, raw = trace_flat(fn, leaves)
    results = raw if isinstance(raw, tuple) else (raw,)
    rename = {i.node: a for i, a in zip(inputs, atoms)}
    last = results[0].node if out is not None and isinstance(results[0], Tracer) and results[0]._trace is t else None
    eqns = []
    for e in t.eqns:
        new = out if e.out is last else Var(next(ids), e.out.shape, e.out.dtype)
        rename[e.out] = new
        args = tuple(rename.get(a, a) if isinstance(a, Var) else a for a in e.args)
        eqns.append(e._replace(out=new, args=args, source=source))
    outs = [rename[r.node] if isinstance(r, Tracer) and r._trace is t else Const(r) for r in results]
    return eqns, outs


def _piece(e, branch, ids):
    """The equations of e's op on the held branch, ending in e.out (None: e stays as it is)."""
    op, kw = e.op, e.kw

    def fn(*xs):
        y = op.piecewise[1](xs[: len(branch)], *xs[len(branch) :], **kw)
        return y if np.shape(y) == e.out.shape else dnp.broadcast_to(y, e.out.shape)

    eqns, outs = _inline(fn, list(branch) + list(e.args), ids, e.origin, out=e.out)
    return eqns if outs[0] is e.out else None


def held_graphs(graph: Graph, kinks: bool = True):
    """(probe, held) or None when nothing is piecewise: `probe` gives f's outputs and then the held values
    at x; `held` takes the graph's inputs and then those values, and gives f's outputs.
    `kinks=False` holds only the piecewise-constant equations (complex step: x + ih crosses no kink)."""
    ids = itertools.count(1 + max((v.id for v in (*graph.inputs, *(e.out for e in graph.eqns))), default=0))
    held = [e.out for e in graph.eqns if not e.op.differentiable]
    found, kept = [], []
    for e in graph.eqns:
        if not e.op.differentiable:
            continue
        if e.op.piecewise is None or not kinks:
            kept.append(e)
            continue
        branch_eqns, branch = _inline(lambda *xs: e.op.piecewise[0](*xs, **e.kw), [e.out, *e.args], ids, e.origin)
        pieces = None if not all(isinstance(b, Var) for b in branch) else _piece(e, branch, ids)
        if pieces is None:  # a branch or piece that did not trace to equations: e is differenced as it is
            kept.append(e)
            continue
        found += branch_eqns
        held += branch
        kept += pieces
    if not held:
        return None
    probe = Graph(graph.inputs, graph.eqns + tuple(found), graph.outputs + tuple(held), graph.specialised)
    return probe, Graph(graph.inputs + tuple(held), tuple(kept), graph.outputs, graph.specialised)


def read_elements(graph: Graph, v: Var):
    """Which elements of the value `v` the graph's outputs read (a boolean array of v's shape), or None for all: v's
    elements followed, as their positions, through the equations that only copy elements (Op.copies: getitem, reshape,
    transpose...), each run on those positions, and through elementwise ones of v's elements and others' of its shape
    (where(tied, ..., svd_s(A)): the numeric method's held piece, pieces.py); any other equation, or an output, reads
    every element reaching it.
    norm(A, 2) = svd_s(A)[..., 0] reads the largest singular value alone (its scale: Op.scale_used).

    >>> import difflab as dl
    >>> g = dl.trace(lambda x: x[1:3].T[0] * 2.0, np.ones((4, 2)))
    >>> read_elements(g, g.inputs[0]).astype(int).tolist()
    [[0, 0], [1, 0], [1, 0], [0, 0]]
    """
    size = math.prod(v.shape)
    ids = {v: np.arange(1.0, size + 1.0).reshape(v.shape)}  # (a value's elements as v's positions + 1; 0: none)
    read = np.zeros(size + 1, dtype=bool)
    outputs = {o for o in graph.outputs if isinstance(o, Var)}
    for e in graph.eqns:
        tracked = [a for a in e.args if type(a) is Var and a in ids]
        if not tracked:
            continue
        if e.op.elementwise and all(
            a.shape == e.out.shape and np.array_equal(ids[a], ids[tracked[0]]) for a in tracked
        ):
            ids[e.out] = ids[tracked[0]]  # (its element i reads the tracked values' element i alone: where's pick)
            continue
        if e.op.copies:
            args = [ids.get(a) if type(a) is Var else np.zeros(np.shape(_number(a.value))) for a in e.args]
            args = [np.zeros(a.shape) if b is None else b for a, b in zip(e.args, args)]
            try:
                with np.errstate(all="ignore"):
                    out = np.asarray(e.op.impl(*args, **e.kw), dtype=float)
            except (TypeError, ValueError, IndexError, ArithmeticError):
                return None
            if out.shape == tuple(e.out.shape) and np.array_equal(out, np.round(out)):
                ids[e.out] = out
                continue
            return None
        for a in tracked:
            read[ids[a].astype(np.intp).ravel()] = True
    for o in outputs & ids.keys():
        read[ids[o].astype(np.intp).ravel()] = True
    return None if read[1:].all() else read[1:].reshape(v.shape)


def infinite_partial(graph: Graph, args, wrt):
    """The first equation on a path from the `wrt` inputs with a finite value and an infinite (or NaN)
    registered partial at `args` (sqrt at 0), or None: its user's equation (`Eqn.origin`). There a derivative
    of order 2 has no value (std at a constant vector is a cone's apex) and finite differences of order 2 would
    measure 1/h: the exact methods give NaN or inf with a DomainWarning naming the equation, and so does the
    numeric method."""
    found = _singular(graph, args, wrt)
    return None if found is None else found[0].origin


def _singular(graph: Graph, args, wrt):
    """(equation, its arguments with an infinite partial that move, for each the mask of the equation's output where it
    is infinite) of `infinite_partial` (the equation of `graph` itself), or None. Every such argument (hypot's both legs at the origin: `first_order_only` guarded the first
    only, and reverse's derivative along the second was 1.7e5, a number)."""
    live = active(graph, [graph.inputs[i] for i in wrt])
    env = {v: _number(a) for v, a in zip(graph.inputs, args)}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in graph.eqns:  # NumPy on the numbers (an outer trace's values too): nothing recorded, nothing said
            nums = [_number(read(env, a)) for a in e.args]
            try:  # (`impl_or_nan`, whose error state this loop has set once)
                env[e.out] = e.op.impl(*nums, **e.kw)
            except np.linalg.LinAlgError:
                env[e.out] = np.full(e.out.shape, np.nan)
            if e.out in live and e.op.unsmooth is not None and _unsmooth_read(graph, e, nums, env):
                moving = [a for a in e.args if isinstance(a, Var) and a in live]
                hit = [a for a in moving if _moves(graph, args, wrt, e, a, np.ones(np.shape(env[a]), bool), env)]
                if hit:
                    return e, hit, [np.ones(np.shape(env[a]), bool) for a in hit]
            if e.out not in live or not e.op.float_partials:
                continue
            vals, out, bad, spots = [_inexact(v) for v in nums], _inexact(env[e.out]), [], []
            for (partial, _), a in zip(e.op.float_partials, e.args):
                if partial is None or not isinstance(a, Var) or a not in live or a in bad:
                    continue
                d = _inexact(partial(out, *vals, **e.kw))
                if np.isfinite(d).all():  # (no infinite partial anywhere: the common case, nothing broadcast)
                    continue
                at = np.isfinite(out) & ~np.isfinite(np.broadcast_to(d, out.shape))
                if at.any() and _moves(graph, args, wrt, e, a, at, env):
                    bad.append(a)
                    spots.append(at)
            if bad:
                return e, bad, spots
    return None


def numbers_guard(prepared, args, d, fun, V, outs=None):
    """An untraced numeric derivative's guards: `rows_guard`'s, then complex step's at a branch point; a NaN or inf
    from the user's own step said (`scales.say_step_overflow`; f(x): folded into the run, `fun.f0`, or `outs`, f's
    outputs at x: a JVP's, said nothing before, numtrunc68)."""
    from .scales import say_step_overflow  # (scales imports this module)

    d = complex_step_guard(prepared, args, V, rows_guard(prepared, args, d, fun))
    x = np.concatenate([np.ravel(np.asarray(args[i], dtype=complex)) for i in prepared.wrt])
    f0 = getattr(fun, "f0", None)
    if f0 is None and outs and type(d) is np.ndarray:  # (f closing over traced values: its outputs' numbers)
        f0 = np.concatenate([np.ravel(np.asarray(_number(o))) for o in outs])
    say_step_overflow(prepared.method.step, x, f0, d)
    return d


def complex_step_guard(prepared, args, V, d):
    """d, complex step's J v for each row v of V (None: each component) at untraced args, with NaN in the rows along
    which an equation with an infinite partial at x (`_singular`: sqrt, arcsin at a branch point) has its argument
    move, and a DomainWarning naming it. There Im f(x + ihv)/h reads the complex continuation around the branch
    point, no derivative: sqrt at 0 gave 1/√(2h) = 7.1e9 and norm(x) at 0 gave 1 per component (the exact methods: inf,
    said, and 0), silently. The central stencil's NaN there is said the same way."""
    graph, wrt = prepared.graph, prepared.wrt
    found = None if prepared.real else _singular(graph, args, wrt)  # (real stencils: their own NaN, said)
    if found is None:
        return d
    e, bad, spots = found
    upto = graph._replace(eqns=graph.eqns[: graph.eqns.index(e)], outputs=tuple(bad))
    x = np.concatenate([np.ravel(np.asarray(args[i], dtype=float)) for i in wrt])
    V = np.eye(len(x)) if V is None else np.asarray(V, dtype=float).reshape(-1, len(x))
    step = 1e-4 * max(1.0, float(np.abs(x).max(initial=0.0)))

    def at(point):  # the bad arguments' values at their singular elements
        values = evaluate(upto, *prepared.with_x(args, _split(point, prepared.in_shapes)))
        return [np.broadcast_to(_number(v), s.shape)[s] for v, s in zip(values, spots)]

    here, d = at(x), np.array(d, dtype=float)  # (a copy: the stencil's own array is not written)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = [
            r
            for r, v in enumerate(V)
            if len(V) > _MOVES_PROBES
            or any(not np.array_equal(a, b) for s in (step, -step) for a, b in zip(at(x + s * v), here))
        ]
    if rows:
        d[rows] = np.nan
        where = str(e.origin).split(" :")[0]
        warn_domain(
            where,
            f"{where}: the derivative of {e.op.name} is infinite here, so complex step reads the function's "
            "complex continuation around the singularity, no derivative: NaN",
        )
    return d


def _singular_what(op) -> str:
    return "is infinite here" if op.unsmooth is None else "jumps here (Op.unsmooth: a repeated value)"


def _unsmooth_read(graph: Graph, e, nums, env) -> bool:
    """Whether f reads an element of e's value where e's op is differentiable once only (Op.unsmooth: eigh_values at
    a repeated eigenvalue). eigvalsh(S)[2] at diag(1, 1, 2) reads the simple eigenvalue alone: its Hessian has a value."""
    at = np.asarray(e.op.unsmooth(env[e.out], *nums, **e.kw), dtype=bool)
    if not at.any():
        return False
    read = read_elements(graph, e.out)
    return bool(at.any() if read is None else (at & read).any())


#: wrt elements up to which `_moves` looks (2 evaluations of a prefix of the graph each); past it, "moves"
_MOVES_PROBES = 64


def _moves(graph: Graph, args, wrt, e, a, at, env) -> bool:
    """Whether e's argument `a`, at the elements `at` of e's output (those with an infinite partial), changes
    when one component of x moves a step either way. Where it does not (a Matérn kernel's sqrt(d²) on the
    diagonal: d² = Σ((xᵢ - xᵢ)/ℓ)² is 0 for every length scale ℓ) the singular elements are constant near x,
    so a derivative of any order has its value there, the stencils' (the exact methods' strong zeros)."""
    if sum(np.size(_number(args[i])) for i in wrt) > _MOVES_PROBES:
        return True
    upto = graph._replace(eqns=graph.eqns[: graph.eqns.index(e)], outputs=(a,))
    nums = [_number(v) for v in args]
    here = np.broadcast_to(_number(read(env, a)), at.shape)[at]
    for i in wrt:
        xi = np.asarray(nums[i], dtype=float)
        step = 1e-4 * max(1.0, float(np.abs(xi).max(initial=0.0)))
        for k, s in itertools.product(range(xi.size), (step, -step)):
            moved = xi.copy().reshape(-1)
            moved[k] += s
            (ap,) = evaluate(upto, *nums[:i], moved.reshape(xi.shape), *nums[i + 1 :])
            if not np.array_equal(np.broadcast_to(_number(ap), at.shape)[at], here):
                return True
    return False


def _number(v):
    return v.concrete if isinstance(v, Tracer) else v


def _inexact(v):
    """v as a float array, or a complex one when it is complex (fft's values: a float cast would fail)."""
    v = np.asarray(v)
    return v if v.dtype.kind in "fc" else v.astype(float)


class GuardOrigin(Eqn):
    """The user's equation, as the origin of what numeric's guards record (`first_order_only`, `no_value_guard`):
    a DomainWarning names it as before, and `rules_in` knows those equations are no derivative rule."""

    __slots__ = ()


def rules_in(graph: Graph) -> int:
    """1 if `graph` holds an exact derivative's rule equations (f is a forward or reverse derivative), else 0:
    numeric's own recorded equations (stencils, origin `FROM_VALUES`; guards, `GuardOrigin`) are counted by its
    levels. (A numeric jacobian of a numeric grad traced at a good point said "a derivative of order 3".)"""
    return int(any(e.op is not e.origin.op and e.origin is not FROM_VALUES for e in graph.eqns if not _guard(e)))


def _guard(e) -> bool:
    return isinstance(e.origin, GuardOrigin)


def no_value(graph: Graph, args, wrt, order: int, levels: int | None = None) -> bool:
    """True, with a DomainWarning naming the equation, when a derivative of this order (≥ 2) has no value
    at args because an equation's partial is infinite there (`infinite_partial`): the numeric method's NaN.
    `levels`: the numeric levels taken, if given: the warning names levels + `rules_in(graph)`, not `order`
    (which counts numeric's own recorded equations as a rule's)."""
    bad = None if order < 2 else infinite_partial(graph, args, wrt)
    if bad is not None:
        said = order if levels is None else levels + rules_in(graph)
        _specialise(args)
        where = str(bad).split(" :")[0]
        warn_domain(
            where,
            f"{where}: the derivative of {bad.op.name} {_singular_what(bad.op)}, so a derivative of order {said} "
            "has no value (finite differences would measure 1/step): NaN",
        )
    return bad is not None


def first_order_only(prepared, args, V, d, fun):
    """d, a first-order numeric derivative of `prepared`'s graph at args (traced: recorded in another method's
    trace) along the rows of V (None: each component), as it is, unless an equation's partial is infinite at
    args (`infinite_partial`: sqrt at 0). There d's value stands (what numeric gives alone), but the enclosing
    derivative of it is of order 2 and has no value where that equation's argument moves with x near x: the
    stencil differences values on both sides of the singularity (std at a constant vector, a cone's apex: its
    gradient at x ± h·eᵢ jumps, and the enclosing derivative of their difference is 1/h). So d gets, for points
    p = x ± step·v, Σ strong_mul(a(p) - a(p)₀, ∞) (a: the argument at p, traced; a(p)₀: its number): 0 in value
    (0·∞ is 0, DESIGN.md §3), with strong_mul's NaN derivative along every direction in which a(p) moves, and 0
    along the others (std of a scalar is constant: its argument never moves), as the exact methods have it. The
    DomainWarning naming the equation is said if the enclosing call's result holds NaN. Where no partial is
    infinite at args, d gets the same term decided when the enclosing graph is evaluated (`_singular_guard`), so
    that graph, reused at other values, answers as a fresh trace would. `fun`: the stencil's (`chunked`)."""
    graph, wrt = prepared.graph, prepared.wrt
    found = _singular(graph, args, wrt)
    if found is None:
        return _singular_guard(prepared, args, d, fun)
    e, bad, _ = found
    _specialise(args)
    where = str(e.origin).split(" :")[0]
    warn_domain_if_nonfinite(
        where,
        f"{where}: the derivative of {e.op.name} {_singular_what(e.op)}, so the derivative of a numeric derivative "
        "(order 2) has no value (its finite differences would measure 1/step): NaN",
    )
    upto = graph._replace(eqns=graph.eqns[: graph.eqns.index(e)], outputs=tuple(bad))
    x = np.concatenate([np.ravel(_number(args[i])) for i in wrt])
    V = np.eye(len(x)) if V is None else np.asarray(V, dtype=float).reshape(-1, len(x))
    h = prepared.method._plan[4][0] * np.maximum(1.0, np.abs(x)).max()
    xt = dnp.concatenate([dnp.ravel(args[i]) for i in wrt])
    for D in (h * V, -h * V):
        for dv in D:
            for ap in evaluate(upto, *prepared.with_x(args, _split(xt + dv, prepared.in_shapes))):
                if np.isfinite(_number(ap)).all():
                    d = d + dnp.sum(strong_mul(ap - _number(ap), np.inf))
    return d


def _singular_guard(prepared, args, d, fun):
    """d plus, for each watched argument (scales.py) of an op that declares where its partial is infinite
    (`strong_zero`'s `singular`: sqrt at 0), a term recorded so that the enclosing graph decides at each of its
    evaluations what `first_order_only` decides at x: strong_mul(Y, s), Y = Σ_p [e(a(x)₀ + δ(p)) - its value],
    δ(p) = a(p) - a(p)₀ (a(p): the argument at the stencil's points, a(p)₀ its value held by stop_gradient), and
    s = ∞ where e's partial is infinite at x, else 0. Its value is 0; its derivatives are 0 where s is 0, and
    where s is ∞ NaN along every direction in which a(p) moves, with e's own rule saying its DomainWarning. (A
    transform traced at [1, 2, 3.5] and reused at std's apex gave the stencil's 1/step.)"""
    return _guarded(prepared, args, d, fun, _guard_term)


def _guarded(prepared, args, d, fun, term):
    """d plus term(e, i, e's argument values at x, argument i at the stencil's points) for each watched argument i of
    an op e that declares where its partial is infinite (`_singular_guard`'s and `no_value_guard`'s loop)."""
    watch, points = getattr(fun, "watch", None), getattr(fun, "points", None)
    if not watch or not points:
        return d
    entries = [(e, i) for e, i in watch.entries if getattr(_partial(e, i), "singular", None) is not None]
    if not entries:
        return d
    k, at = len(prepared.graph.outputs), _at_x(prepared, args, fun, watch.vars)
    for e, i in entries:
        moved = [r[k + watch.positions[e.args[i]]] for r in points]
        values = [at[a] if isinstance(a, Var) else a.value for a in e.args]
        d = d + on_behalf(GuardOrigin(*e.origin), term, e, i, values, moved)
    return d


def no_value_guard(prepared, args, d, fun, V=None, order=2):
    """d, a numeric derivative recorded in an enclosing trace: of order 1, `first_order_only`'s; of order ≥ 2
    (`no_value` found a value at the trace's point), d plus a term that is NaN at each evaluation of the enclosing graph where `no_value` would find none: an
    op that declares where its partial is infinite (`strong_zero`'s `singular`: sqrt at 0) is there at x, finite,
    and its argument moves at the stencil's points (`_moves`). vmap's batch is traced at its first row and a prepared
    graph at its first point: at a later one at a cone's apex (norm(x) at 0) the stencil gave 1/step (8192), silently,
    where the derivative alone is NaN with its DomainWarning (vmap's NaN rows are answered alone, which says it)."""
    d = rows_guard(prepared, args, d, fun)
    if order == 1:
        return first_order_only(prepared, args, V, d, fun)
    return _guarded(prepared, args, d, fun, _no_value_term)


_rows = threading.local()  # .on: vmap is tracing f at its first row (`batch_rows`)


@contextlib.contextmanager
def batch_rows():
    """Around vmap's trace of f at its batch's first row (its leaves concrete): a numeric derivative recorded there
    took its length-scale decisions (`scales.within_reach`) on that row's numbers, and records a term that checks
    them at each row (`rows_guard`): NaN where they do not hold, and vmap answers that row alone."""
    was, _rows.on = (getattr(_rows, "on", False), getattr(_rows, "trace", None)), True
    try:
        yield
    finally:
        _rows.on, _rows.trace = was


def first_row(leaves) -> None:
    """Note vmap's first-row trace (`batch_rows`) by its input tracers `leaves` (`hessian_on_rows`)."""
    _rows.trace = next((a._trace for a in leaves if isinstance(a, Tracer)), None)


def hessian_on_rows(xs, graph=None) -> bool:
    """Whether a numeric Hessian at `xs` of `graph` (given where it closes over traced values) is recorded on vmap's
    first row (`batch_rows`), its x and those values that trace's own (not an inner derivative's): its stencil is
    then recorded as is (`stencils._traced_hessian`), each row the row alone's Hessian, where elsewhere in a trace it
    is the Jacobian of a numeric gradient."""
    t = getattr(_rows, "trace", None) if getattr(_rows, "on", False) else None
    inner = [a.value for e in graph.eqns for a in e.args if isinstance(a, Const)] if graph is not None else []
    return t is not None and all(x._trace is t for x in (*xs, *inner) if isinstance(x, Tracer))


def batching_rows() -> bool:
    """Whether vmap is tracing f at its first row (`batch_rows`): a numeric derivative recorded now is evaluated on
    every row by the batched graph, where its judges (on numbers) do not run (`scales.rows_roundoff`)."""
    return getattr(_rows, "on", False)


def rows_checked() -> bool:
    """Whether a numeric derivative recorded now checks its decisions per row (`batch_rows`), or at each point a
    reused trace is called at (`reuse_checks`)."""
    return getattr(_rows, "on", False) or bool(getattr(_rows, "reuse", None))


class reuse_checks:
    """Around an operator's trace of f (api.boundary.stage): `with reuse_checks() as checks:` gives the list that
    collects, for each numeric derivative recorded in it outside numeric levels, its length-scale decisions' check
    (`rows_guard`'s `ok`, traced, and whether it holds at the traced point alone), which the operator evaluates before
    reusing the trace at another point (a jacobian of a numeric grad traced at [1, 2] answered tan's pole at 1.5707
    with the unshrunk step: 2 % off; issue 11). The innermost operator's trace collects (`note_check` hands an inner
    one's up). A class, not a contextlib generator: a fresh gradient enters it once per call, and contextlib's
    layers were four Python frames of it.

    >>> with reuse_checks() as checks:
    ...     note_check(True)
    >>> checks, rows_checked()
    ([(True, False)], False)
    """

    __slots__ = ("pending",)  # (the thread's stack of collecting lists)

    def __enter__(self) -> list:
        self.pending = stack = reuse_stack()
        checks: list = []
        stack.append(checks)
        return checks

    def __exit__(self, *exc):
        self.pending.pop()


def reuse_stack() -> list:
    """This thread's stack of the lists `reuse_checks` collects into (api.boundary.stage pushes and pops its own
    list around a trace itself: a fresh gradient per call paid the context's two frames every time).

    >>> stack = reuse_stack(); stack.append([]); note_check(True); stack.pop()
    [(True, False)]
    """
    stack = getattr(_rows, "reuse", None)
    if stack is None:
        stack = _rows.reuse = []
    return stack


def note_check(ok, here_only=False) -> None:
    """Hand a decision check (traced, or a number) to the innermost operator's trace under way (`reuse_checks`);
    `here_only`: it holds at the traced point alone (a step was shrunk there)."""
    stack = getattr(_rows, "reuse", None)
    if stack:
        stack[-1].append((ok, here_only))


def rows_guard(prepared, args, d, fun):
    """d plus NaN at each row of vmap's batch (`batch_rows`) where the stencil's length-scale decisions, taken at the
    first row (`fun.rows_check` = (the reach allowed, whether a step was shrunk there): `scales.within_reach`), are
    not the ones the row alone takes, else 0: where no step was shrunk, a row none of whose watched arguments moved by
    more than the reach allowed of its op's scale (`Watch.near`, per row), or the first row itself (where `near` did
    not decide, `reach` did); where one was, the first row alone (the others would step by its shrunk steps).
    vmap(grad(Σ sin, numeric)) at a row of 1e20 gave -4.7e-16 where the row alone gives NaN with its DomainWarning
    (the step 6e14 radians; alone it is shrunk to the spacing of floats there, and still out of reach). The rows are
    told apart by the traced arguments and the enclosing trace's values f closes over (x unbatched, a batched:
    `grad(lambda y: Σ sin(a·y))(1)` at a = 1e20 gave 1.05e5). `fun.rows_check` is set by `stencils._stepped` under
    vmap's trace outside any numeric level (there the outer level differences this one with its decisions held)."""
    check, watch, points = getattr(fun, "rows_check", None), getattr(fun, "watch", None), getattr(fun, "points", None)
    if check is None or not watch or not points:
        return d
    fun.rows_check, (limit, how), near = None, check, None
    if how != "shrunk":  # each watched argument within the reach allowed at each point, as `Watch.near` judges it
        k, at = len(prepared.graph.outputs), _at_x(prepared, args, fun, watch.vars)
        for e, i in watch.entries:
            values = [at[a] if isinstance(a, Var) else a.value for a in e.args]
            within = _within(e, i, values, [r[k + watch.positions[e.args[i]]] for r in points], limit)
            near = within if near is None else near & within
    # (where `near` decided at the first row, that row passes it again: its points are the same numbers)
    ok = near if how == "near" else _first_row(prepared, args) if near is None else _first_row(prepared, args) | near
    if not getattr(_rows, "on", False):  # an operator's trace, reused at other points: checked there (`reuse_checks`)
        note_check(ok, how == "shrunk")
        return d
    return d + dnp.stop_gradient(dnp.where(ok, 0.0, np.nan))


def _first_row(prepared, args):
    """Whether the row is the first one, whose numbers the decisions were taken on: its traced arguments and the
    enclosing trace's values f closes over (traced) equal to their numbers."""
    given = [a for a in args if isinstance(a, Traced)]
    given += [
        a.value for e in prepared.graph.eqns for a in e.args if isinstance(a, Const) and isinstance(a.value, Traced)
    ]
    same = [dnp.all(dnp.ravel(a) == np.ravel(_number(a))) for a in given]
    return np.array(True) if not same else same[0] if len(same) == 1 else dnp.all(dnp.stack(same))


def _within(e, i, values, moved, limit):
    """Whether argument i of e (`values`: e's arguments at x, traced) moved by at most `limit` of its op's scale there
    at every point (`moved`: its values at the stencil's points), as `Watch.near` judges it (a NaN: no)."""
    try:
        s = dnp.abs(e.op.scale[i](*values, **e.kw))
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError):
        return np.array(False)  # (a scale that does not trace: only the first row's decisions are known to hold)
    shape = np.shape(_number(values[i]))
    a = dnp.stack(moved)
    a = dnp.reshape(a, (len(moved),) + (1,) * (max(np.ndim(_number(s)), len(shape)) - len(shape)) + shape)
    return dnp.all(dnp.abs(a - values[i]) <= limit * (1.0 - 1e-9) * s)


def _no_value_term(e, i, values, moved):
    """`no_value_guard`'s term for the watched argument i of e (`_guard_term`'s arguments): NaN where e's partial is
    infinite at x at an element its argument i moves, else 0; no derivative of its own."""
    out = e.op.bind(*values, **e.kw)
    singular = dnp.where(_partial(e, i).singular(out, *values), dnp.where(dnp.isfinite(out), 1.0, 0.0), 0.0)
    shape = np.shape(_number(values[i]))
    a = dnp.stack(moved)
    a = dnp.reshape(a, (len(moved),) + (1,) * (np.ndim(_number(out)) - len(shape)) + shape)
    moves = dnp.max(dnp.where(a == values[i], 0.0, 1.0), axis=0)
    return dnp.where(dnp.sum(singular * moves) > 0.0, np.nan, 0.0)


def _at_x(prepared, args, fun, vars_) -> dict:
    """The watched values `vars_` at x, traced: by f's own equations on args, which the trace already recorded (the
    probe's evaluation: common subexpressions, nothing new), or where a held piece computes one, by the stencil's
    function at x itself."""
    graph = prepared.graph
    if set(vars_) <= set(graph.inputs) | {e.out for e in graph.eqns}:
        return dict(zip(vars_, evaluate(prune(graph._replace(outputs=tuple(vars_))), *args)))
    x = dnp.concatenate([dnp.ravel(args[i]) for i in prepared.wrt])
    fun(x, np.zeros((1, np.size(_number(x)))))  # (`fun.points`: f and the watched values at x)
    k = len(graph.outputs)
    return {v: fun.points[0][k + j] for j, v in enumerate(vars_)}


def _partial(e, i):
    partials = e.op.float_partials
    return partials[i][0] if partials else None


def _guard_term(e, i, values, moved):
    """`_singular_guard`'s term for the watched argument i of e: `values`, e's arguments at x; `moved`, argument
    i at the stencil's points (traced)."""
    out = e.op.bind(*values, **e.kw)
    singular = dnp.where(_partial(e, i).singular(out, *values), dnp.where(dnp.isfinite(out), 1.0, 0.0), 0.0)
    s = dnp.where(dnp.sum(singular) > 0.0, np.inf, 0.0)
    a = dnp.stack(moved)
    shape = np.shape(_number(values[i]))  # (e elementwise: a broadcast against e's other arguments as at x)
    a = dnp.reshape(a, (len(moved),) + (1,) * (np.ndim(_number(out)) - len(shape)) + shape)
    a = dnp.where(dnp.isfinite(a), a, 0.0)
    held = [dnp.stop_gradient(v) for v in values]
    held[i] = held[i] + (a - dnp.stop_gradient(a))
    y = e.op.bind(*held, **e.kw)
    Y = dnp.sum(y - dnp.stop_gradient(y))
    return strong_mul(dnp.where(dnp.isfinite(Y), Y, 0.0), s)


def _specialise(args):
    """Mark the enclosing traces of traced `args` as valid for their values only (as value-dependent control flow
    does, trace.py): numeric's NaN or `first_order_only`'s term where a partial is infinite is decided on them.
    (A transform reused at other values gave std's NaN at the apex for [1, 2, 3.5], or inf with the term.)"""
    for a in args:
        if isinstance(a, Tracer):
            specialise(a, "a derivative's NaN or infinite partial decided on its values", rows=True)
