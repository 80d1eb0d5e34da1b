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
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from .. import numpy as dnp
from ..errors import warn_domain
from ..graph import Const, Graph, Var, active, read
from ..trace import Tracer, trace_flat

__all__ = ["held_graphs", "infinite_partial", "no_value"]


def _inline(fn, atoms, ids, source, out=None):
    """Equations computing fn(*atoms) (atoms: the Vars and Consts of a graph) with fresh Vars from
    `ids`, and the output atoms; `out` names the single output's Var instead of a fresh one."""
    leaves = [np.ones(a.shape, a.dtype) if isinstance(a, Var) else a.value for a in atoms]
    t, inputs, raw = trace_flat(fn, leaves)
    results = raw if isinstance(raw, tuple) else (raw,)
    rename = {i.var: a for i, a in zip(inputs, atoms)}
    last = results[0].var if out is not None and isinstance(results[0], Tracer) and results[0]._trace is t else None
    eqns = []
    for e in t.eqns:
        new = out if e.out is last else Var(next(ids), e.out.shape, e.out.dtype)
        rename[e.out] = new
        args = tuple(rename.get(a, a) if isinstance(a, Var) else a for a in e.args)
        eqns.append(e._replace(out=new, args=args, source=source))
    outs = [rename[r.var] if isinstance(r, Tracer) and r._trace is t else Const(r) for r in results]
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


def infinite_partial(graph: Graph, args, wrt):
    """The first equation on a path from the `wrt` inputs with a finite value and an infinite (or NaN)
    registered partial at `args` (sqrt at 0), or None. There a derivative of order 2 has no value (std at a
    constant vector is a cone's apex) and finite differences of order 2 would measure 1/h: the exact methods
    give NaN or inf with a DomainWarning naming the equation, and so does the numeric method."""
    live = active(graph, [graph.inputs[i] for i in wrt])
    env = {v: _number(a) for v, a in zip(graph.inputs, args)}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in graph.eqns:  # NumPy on the numbers (an outer trace's values too): nothing recorded, nothing said
            env[e.out] = e.op.impl(*[_number(read(env, a)) for a in e.args], **e.kw)
            if e.out not in live or not e.op.float_partials:
                continue
            vals, out = (
                [np.asarray(_number(read(env, a)), dtype=float) for a in e.args],
                np.asarray(env[e.out], dtype=float),
            )
            for (partial, _), a in zip(e.op.float_partials, e.args):
                if partial is None or not isinstance(a, Var) or a not in live:
                    continue
                d = np.broadcast_to(np.asarray(partial(out, *vals, **e.kw), dtype=float), out.shape)
                if (np.isfinite(out) & ~np.isfinite(d)).any():
                    return e.origin
    return None


def _number(v):
    return v.concrete if isinstance(v, Tracer) else v


def no_value(graph: Graph, args, wrt, order: int) -> bool:
    """True, with a DomainWarning naming the equation, when a derivative of this order (≥ 2) has no value
    at args because an equation's partial is infinite there (`infinite_partial`): the numeric method's NaN."""
    bad = None if order < 2 else infinite_partial(graph, args, wrt)
    if bad is not None:
        where = str(bad).split(" :")[0]
        warn_domain(
            where,
            f"{where}: the derivative of {bad.op.name} is infinite here, so a derivative of order {order} "
            "has no value (finite differences would measure 1/step): NaN",
        )
    return bad is not None
