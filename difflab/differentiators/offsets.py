"""Constant offsets the numeric method drops before differencing: f = g(x) + C has f's derivative, but a large C
leaves g's change over the step below an ulp of f, and the central differences are round-off (5.3e13 + g: every one
exactly 0; (g + C) - C: multiples of C's ulp over 2h, hundreds). The numeric method differences g instead.

Which constants. A constant argument of a jointly linear op (`Op.linear` True: add, sub, concatenate, sum...) adds
a constant to that op's value; where that value reaches the outputs only through linear ops (jointly linear ones,
or ones linear in each argument whose other arguments do not depend on x: 2·(g + C)), it adds a constant to f, and
replacing it by zeros of its shape leaves every derivative of f as it was. A constant that passes a non-linear op
(exp(g + C)), or multiplies a value that depends on x ((g + C)·x), is kept. f's value is always f's own.

    f = (g + 5.3e13) - 5.3e13        differenced as (g + 0) - 0
    f = sum(concatenate([g, [C]]))   differenced as sum(concatenate([g, [0]]))

A term that depends on x cannot be dropped: 1e14·x0 + g(x1) loses g's change below an ulp of 1e14 all the same,
and the stencil's d/dx1 is an exact 0 that nothing tells from an f that does not depend on x1. `absorbed` tells
them apart from the values along the graph at two points: an addition whose argument moved while its value did
not (by less than an ulp of it) is where the change was lost (scales.say_roundoff then says so).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..graph import FROM_VALUES, Const, Graph, Var, active, charge, evaluate, uncharged
from . import numeric_call
from .base import _traced, split

_TINY = np.finfo(float).tiny
GRID_SLACK = 16.0  # ulps of an argument that its second difference must exceed to count as curvature

__all__ = ["without_offsets", "absorbed", "absorbed_between", "dropping_offsets", "curved"]


def dropping_offsets(cls):
    """The numeric method's Prepared class `cls` differencing f without its constant offsets: a twin prepared on
    `without_offsets(graph)` runs the stencils (`_run`, `hessian`), f's own outputs at x (one evaluation more)
    are returned with them. f that is a derivative (rules' equations) or holds ignored ops is differenced as it is.
    Its stencils' round-off is judged (`scales.say_roundoff`), zeros where f did not move by `absorbed_between`."""

    class Prepared(cls):
        def __init__(self, method, graph, wrt):
            super().__init__(method, graph, wrt)
            dropped = None if self._derived or self.ignored else without_offsets(graph, wrt)
            self._curved = curved(graph, wrt)  # (a linear f has no curvature to lose: no Hessian probe's evaluations)
            self._offsetless = None if dropped is None else type(self)(method, dropped, wrt)  # (has none: None)

        def hot_grad(self, args):  # the API's common case: one function (numeric_call.py); offsets: the general path
            return None if self._offsetless is not None else numeric_call.hot_grad(self, args)

        def _fun(self, args, held=(), *rest):
            fun = super()._fun(args, held, *rest)
            # judged: a first derivative of f, or the outermost of nested numeric levels (on numbers: the inner ones'
            # noise is reported to it, `stencils._noise_inward`); an f holding rules' equations too (a jacrev inside f,
            # or f a gradient: its round-off is its values' as any f's; unjudged, a Hessian through log|det| of a
            # product of jacrev's Jacobians, steps shrunk to 6e-9, was 270 for -16 silently: test_user_code22)
            outermost = self.levels > 1 and not (_traced(args) or not self._batchable)
            fun.roundoff = self.levels == 1 or outermost
            fun.curved = self._curved  # (a linear f's odd part is a line's: `widths._suspect` needs no look)
            fun.absorbed = lambda x, d, c=False, negligible=0.0: (  # (asked on numbers)
                absorbed_between(self, args, held, x, d, c, negligible) if self._curved or not c else None
            )
            return fun

        def _run(self, args, V, want_err):
            if self._offsetless is None:
                return super()._run(args, V, want_err)
            return self._dropped(args, lambda p: p._run(args, V, want_err))

        def hessian(self, args):  # (charged once: this class's product, around the stencils' own)
            run = cls.hessian.__wrapped__
            return run(self, args) if self._offsetless is None else self._dropped(args, lambda p: run(p, args))

        def _dropped(self, args, run):
            p = self._offsetless
            p.levels, p.inner_error = self.levels, self.inner_error
            res = run(p)
            self.error = p.error
            return (list(self.value(args)), *res[1:])

    Prepared.__qualname__ = cls.__qualname__
    return Prepared


def absorbed_between(prepared, args, held, x, d, curvature=False, negligible=0.0):
    """`absorbed` between f at x + d and x - d (two evaluations by the interpreter, which keeps every value), for
    the numeric method's `prepared` f at `args` with the piecewise values `held`; None on traced values. With
    `curvature`, between the second differences v(x + d) + v(x - d) - v(x) and v(x) (three evaluations): where an
    argument's curvature, well above its own rounding, was lost below an ulp of the value it feeds (a Hessian).
    `negligible`: `absorbed`'s, for the first differences."""
    graph, ends = (prepared.graph if prepared._held is None else prepared._held.graph), []
    for point in (x + d, x - d, x) if curvature else (x + d, x - d):
        env: dict = {}
        with warnings.catch_warnings(), np.errstate(all="ignore"), uncharged():  # (f's tape charged below)
            warnings.simplefilter("ignore")  # (the stencil's own points said theirs)
            try:
                evaluate(graph, *prepared.with_x(args, split(point, prepared.in_shapes)), *held, env=env)
            except (ArithmeticError, ValueError):
                return None
        ends.append(env)
    charge(evals=len(ends))
    prepared.charge_sweeps(len(ends))  # f at a point: its tape, W (graph.Cost's rule), whatever graph held its pieces
    if not curvature:
        return absorbed(graph, *ends, negligible=negligible)
    with np.errstate(all="ignore"):
        second = {v: ends[0][v] + ends[1][v] - ends[2][v] if _floats(ends[2][v]) else ends[2][v] for v in ends[2]}
    return absorbed(graph, second, ends[2], floor=GRID_SLACK)


def _floats(v) -> bool:
    return np.asarray(v).dtype.kind == "f"


def curved(graph: Graph, wrt) -> bool:
    """Whether f may be non-linear in the `wrt` inputs: an op on their way that is neither jointly linear nor linear
    in each argument with the others constant (3·x0 + x1 is linear; x0·x1, sin(x0) are not).

    >>> import difflab as dl, numpy as np
    >>> [curved(dl.trace(f, np.ones(2)), (0,)) for f in (lambda x: 3.0 * x[0] - x[1], lambda x: x[0] * x[1])]
    [False, True]
    """
    live = active(graph, [graph.inputs[i] for i in wrt])
    for e in graph.eqns:
        moving = [a for a in e.args if type(a) is Var and a in live]
        if moving and not (e.op.linear is True or (e.op.linear == "each" and len(moving) == 1)):
            return True
    return False


def without_offsets(graph: Graph, wrt) -> Graph | None:
    """`graph` with the constant arguments that only add a constant to its outputs replaced by zeros (see the module
    docstring), or None when it has none (nothing to drop).

    >>> import difflab as dl, numpy as np
    >>> g = dl.trace(lambda x: (np.sin(x) + 5.3e13) - 5.3e13, 1.0)
    >>> [str(a) for e in without_offsets(g, (0,)).eqns for a in e.args if isinstance(a, Const)]
    ['0.0', '0.0']
    >>> without_offsets(dl.trace(lambda x: np.exp(x + 5.0), 1.0), (0,)) is None
    True
    """
    live = active(graph, [graph.inputs[i] for i in wrt])
    # the values that reach the outputs only through linear ops (an output itself does): from the last equation back
    uses: dict = {}
    for e in graph.eqns:
        for a in e.args:
            if type(a) is Var:
                uses.setdefault(a, []).append(e)
    outputs = {o for o in graph.outputs if type(o) is Var}
    passes: dict = {}

    def through(e, a):  # does e's value carry a constant added to its argument a on to the outputs, as a constant
        if e.op.linear is True:
            return passes[e.out]
        others = [b for b in e.args if b is not a]  # (a twice, a·a: not linear)
        return (
            e.op.linear == "each"
            and len(others) == len(e.args) - 1
            and all(b not in live for b in others if type(b) is Var)
            and passes[e.out]
        )

    for e in reversed(graph.eqns):
        passes[e.out] = all(through(u, e.out) for u in uses.get(e.out, ())) and (
            e.out in outputs or bool(uses.get(e.out))
        )
    eqns, dropped = list(graph.eqns), False
    for k, e in enumerate(eqns):
        if e.op.linear is not True or not passes[e.out] or not any(type(a) is Var and a in live for a in e.args):
            continue
        if any(type(a) is Const and _offset(a.value) for a in e.args):
            args = tuple(Const(_zeros(a.value)) if type(a) is Const and _offset(a.value) else a for a in e.args)
            eqns[k], dropped = e._replace(args=args), True
    return graph._replace(eqns=tuple(eqns)) if dropped else None


def _offset(v) -> bool:
    """Whether the constant v is a number (or array of numbers) other than zeros: an offset worth dropping."""
    if isinstance(v, np.ndarray):
        return v.dtype.kind in "iufc" and bool(np.any(v != 0))
    return isinstance(v, numbers.Number) and not isinstance(v, (bool, np.bool_)) and v != 0


def _zeros(v):
    """Zeros shaped and typed as the constant v (its broadcasting and the result's dtype unchanged)."""
    return np.zeros_like(v) if isinstance(v, np.ndarray) else type(v)(0)


def absorbed(graph: Graph, plus: dict, minus: dict, floor: float = 0.0, negligible: float = 0.0):
    """The first equation of a linear op (an addition, a sum) whose argument moved between two evaluations of `graph`
    (`plus`, `minus`: each value of the graph at two points, `evaluate`'s env) while its value did not, at an element
    where the argument's change is within two ulps of the value it feeds (which elements feed which: the op's VJP
    rule, pulling back the unmoved elements): the change absorbed there. None when there is none (a saturated op,
    tanh at 750, moves nothing on; x - x moves by far more than an ulp of 0; x[0] is not fed by x[1]). `floor`: an
    argument's change counts only above that many ulps of it (second differences: a linear one's are its rounding).
    `negligible`: a saturated op (`_saturated`) counts only where its slope times its argument's change, the change
    of its value that was lost, exceeds it (the caller's share of the derivative's largest entry, times the step).

    >>> import difflab as dl, numpy as np
    >>> g = dl.trace(lambda x: 1e14 * x[0] + np.sin(x[1]), np.array([1.0, 2.0]))
    >>> ends = [{}, {}]
    >>> for x, env in zip(([1.0, 2.0 + 1e-6], [1.0, 2.0 - 1e-6]), ends):
    ...     _ = dl.evaluate(g, np.array(x), env=env)
    >>> absorbed(g, *ends).op.name
    'add'
    """
    for e in graph.eqns:
        # (a nested level's stencil: not f's own addition; second differences (`floor`) are no point to take slopes at)
        flat = e.op.linear is not True and not (e.op.elementwise and e.op.differentiable and not floor)
        if flat or e.origin is FROM_VALUES or e.op.copies:  # (a copy moves wherever its argument did: `Op.copies`)
            continue
        o = np.asarray(plus[e.out])
        if o.dtype.kind != "f":
            continue
        still = o == np.asarray(minus[e.out])
        if not still.any():
            continue
        lost = _lost if e.op.linear is True else _saturated
        for i, a in enumerate(e.args):
            # (an argument equal at both ends moved nowhere, so lost nothing: its rules are not run, two VJPs each;
            # most of a nested Richardson level's arguments, a third of its round-off probe, issue 17)
            if type(a) is not Var or a.dtype.kind != "f" or np.array_equal(plus[a], minus[a]):
                continue
            if lost(e, i, plus, minus, o, still, floor, negligible):
                return e
    return None


def _saturated(e, i, plus, minus, o, still, floor=0.0, negligible=0.0):
    """Whether argument i of the elementwise equation e moved, where e's value did not, while e's slope there (its VJP
    rule at each end, of one sign at both: no extremum between them, cos(1e-6·x) at 0) times the argument's change is
    within two ulps of the value: e's value is constant to its last bit over the step though its derivative is not 0
    (expm1 at -111: -1 + 2.6e-49; tanh at 20 is not: its rule's 1 - tanh² is 0 too, as forward and reverse give);
    and above `negligible` (the value's lost change: a 0 for 2e-14 beside a derivative's 5 is no wrong answer)."""
    ends = [[v[a] if type(a) is Var else a.value for a in e.args] for v in (plus, minus)]
    if np.shape(ends[0][i]) != o.shape:  # (a broadcast argument feeds many elements: not judged)
        return False
    try:
        with np.errstate(all="ignore"):
            rule, ct = e.op.vjp_rule(i), still.astype(float)
            slopes = [
                np.asarray(rule(ct, np.asarray(v[e.out]), *a, **e.kw), dtype=float) for v, a in zip((plus, minus), ends)
            ]
            da = np.abs(np.asarray(ends[0][i], dtype=float) - np.asarray(ends[1][i], dtype=float))
            flat = (slopes[0] * slopes[1] > 0) & (da > 0) & (np.abs(slopes[0]) * da <= 2.0 * np.abs(np.spacing(o)))
            flat &= (np.abs(o) >= _TINY) & (
                np.abs(slopes[0]) * da > negligible
            )  # (a subnormal value: an underflow, which the ops' length scales say, scales.py)
            return bool((still & flat).any())
    except (TypeError, ValueError, ArithmeticError, IndexError):  # (a rule that does not take these: not judged)
        return False


def _lost(e, i, plus, minus, o, still, floor=0.0, negligible=0.0):
    """Whether argument i of the linear equation e moved, where it feeds an unmoved element of e's value, by no more
    than two ulps of that value (its VJP rule pulls the unmoved elements, and their magnitudes, back to argument i)."""
    args = [plus[a] if type(a) is Var else a.value for a in e.args]
    try:
        with np.errstate(all="ignore"):
            rule = e.op.vjp_rule(i)
            feeds = np.abs(np.asarray(rule(still.astype(float), o, *args, **e.kw), dtype=float))
            size = np.abs(np.asarray(rule(np.where(still, np.abs(o), 0.0), o, *args, **e.kw), dtype=float))
            da = np.abs(np.asarray(plus[e.args[i]], dtype=float) - np.asarray(minus[e.args[i]], dtype=float))
            value = size / np.where(feeds > 0, feeds, 1.0)  # (the mean magnitude of the unmoved elements it feeds)
            moved = da > floor * np.abs(np.spacing(np.asarray(minus[e.args[i]], dtype=float)))
            return bool(((feeds > 0) & moved & (da <= 2.0 * np.spacing(value))).any())
    except (TypeError, ValueError, ArithmeticError, IndexError):  # (a rule that does not take these: not judged)
        return False
