"""Forward mode: every value travels as a `Dual(primal, tangent)` through the tape.

How it works. For `(x*x)*(x*x)` at x = 3 with tangent 1:

    v1 = mul(x, x)    Dual(9, 3*1 + 3*1 = 6)      JVP rule of mul: t_a*b + a*t_b
    v2 = mul(v1, v1)  Dual(81, 9*6 + 9*6 = 108)

One sweep gives one directional derivative J v; a full gradient of n inputs takes n of them.
Tangents may carry a leading batch axis, so one sweep pushes k directions at once (chunked
forward mode). Elementwise rules see tangents already expanded to the output's rank, and their
results are broadcast to the output's full shape here, in one place. Nesting is safe: each
derivative level is its own trace, and values of an enclosing level enter as constants.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import numpy as dnp
from ..compile import Tier, lower_traced
from ..graph import Var, charge, guarded, read
from .base import Differentiator, Prepared, split

__all__ = ["Forward", "Dual", "push"]


class Dual(NamedTuple):
    """A primal value and its tangent (None: a known zero); the tangent may have batch axes."""

    primal: Any
    tangent: Any = None


def push(graph, args, tangents: dict, batch: tuple) -> list:
    """Interpret the graph on Duals; `tangents` maps input Vars to tangents of shape batch + shape."""
    env = {v: Dual(x, tangents.get(v)) for v, x in zip(graph.inputs, args)}
    for eqn in graph.eqns:
        duals = [env[a] if isinstance(a, Var) else Dual(read(env, a)) for a in eqn.args]
        vals = [d.primal for d in duals]
        out = guarded(eqn, eqn.op.bind, *vals, **eqn.kw)
        total = None
        for i, d in enumerate(duals):
            rule = eqn.op.jvp_rule(i) if d.tangent is not None and eqn.op.differentiable else None
            if rule is None:
                continue
            t = d.tangent
            if eqn.op.elementwise:  # align the argument's axes with the output's
                t = dnp.reshape(t, batch + (1,) * (np.ndim(out) - np.ndim(d.primal)) + np.shape(d.primal))
            c = guarded(eqn, rule, t, out, *vals, **eqn.kw)
            total = c if total is None else _sum(total, c)
        if total is not None and eqn.op.elementwise:
            total = dnp.broadcast_to(total, batch + np.shape(out))
        env[eqn.out] = Dual(out, total)
    return [env[o] if isinstance(o, Var) else Dual(o.value) for o in graph.outputs]


def _sum(a, b):
    """a + b, where inf - inf (two infinite partials of an equation outside its domain) is NaN,
    already reported by the equation's DomainWarning, not an error."""
    try:
        return a + b
    except FloatingPointError:
        with np.errstate(all="ignore"):
            return a + b


class Forward(Differentiator):
    """Forward-mode AD on dual numbers; native product: the JVP, `chunk` directions per sweep.

    The default of 64 directions keeps each sweep's tangents cache-sized (measured in
    bench/scaling.py: about 3× faster than all 1024 at once); `chunk=None` pushes all at once.
    """

    name = "forward"
    native = "jvp"
    hessian_pair = ("forward", "forward")

    def __init__(self, chunk: int | None = 64, compiled: bool = True):
        if chunk is not None and (not isinstance(chunk, int) or chunk < 1):
            raise ValueError(f"chunk must be a positive int or None (all directions at once), got {chunk!r}")
        self.chunk = chunk
        self.compiled = compiled

    class Prepared(Prepared):
        def __init__(self, method, graph, wrt):
            super().__init__(method, graph, wrt)
            self.sweeps = Tier(method.compiled)  # one lowered sweep per number of tangents k

        def _sweep(self, args, V):
            k = np.shape(V)[0]
            parts = split(V, self.in_shapes, batch=(k,))
            duals = push(self.graph, args, {self.graph.inputs[i]: p for i, p in zip(self.wrt, parts)}, (k,))
            outs = [d.primal for d in duals]
            tans = [d.tangent if d.tangent is not None else np.zeros((k,) + np.shape(d.primal)) for d in duals]
            return outs, dnp.concatenate([dnp.reshape(t, (k, -1)) for t in tans], axis=1)

        def _flat_sweep(self, *xs):  # args then V -> outputs then JV: what the compiled tier traces
            outs, jv = self._sweep(xs[:-1], xs[-1])
            return [*outs, jv]

        def _jvp(self, args, V):
            charge(evals=1)
            fn = self.sweeps.get(np.shape(V)[0], [*args, V], lambda: lower_traced(self._flat_sweep, [*args, V]))
            res = None if fn is None else Tier.run(fn, [*args, V])
            if res is not None:
                return list(res[:-1]), res[-1]
            with np.errstate(invalid="raise", divide="raise"):
                return self._sweep(args, V)
