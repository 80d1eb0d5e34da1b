"""Forward mode: every value travels as a `Dual(primal, tangent)` through the tape.

How it works. For `(x*x)*(x*x)` at x = 3 with tangent 1:

    v1 = mul(x, x)    Dual(9, 3*1 + 3*1 = 6)      JVP rule of mul: t_a*b + a*t_b
    v2 = mul(v1, v1)  Dual(81, 9*6 + 9*6 = 108)

One sweep gives one directional derivative J v (n of them for a gradient of n inputs). Every JVP rule sees ONE
tangent shaped like its argument (a real value's complex tangent is made real here). Chunked forward mode (k
directions) traces the one-tangent sweep once, as a graph (args, v) -> (outputs, J v), run with v batched (k rows)
by the batching rules (`graph.evaluate_batched`, or compiled: `lower(..., batched=...)`), as numeric's stencils and
`vmap`. Nesting is safe: each level is its own trace; an enclosing one records each sweep equation once, batched.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral  # (a NumPy integer too: a chunk read from a shape)
from typing import Any, NamedTuple

import numpy as np

from .. import numpy as dnp
from ..compile import Tier, lower
from ..compile.sweeps import ROWS_ONCE
from ..ops import real_tangent
from ..graph import Traced, Var, charge, evaluate_batched, guarded, lift_closure, numbers, read, uncharged
from ..trace import outputs_of, trace_flat
from .owned import Owned
from .base import Differentiator, Prepared, add_partials, first_rows, flag, flat, split, tangent_picks_dtype
from .rescaled import rescaled_rows, suspect, unsuspected, zero_again

__all__ = ["Forward", "Dual", "push"]


class Dual(NamedTuple):
    """A primal value and its tangent (None: a known zero), shaped like the primal."""

    primal: Any
    tangent: Any = None


def push(graph, args, tangents: dict) -> list:
    """Interpret the graph on Duals; `tangents` maps input Vars to tangents shaped like them (`owned`: owned.py)."""
    env, owned = {v: Dual(x, tangents.get(v)) for v, x in zip(graph.inputs, args)}, Owned(graph)
    for k, eqn in enumerate(graph.eqns):
        duals = [env[a] if isinstance(a, Var) else Dual(read(env, a)) for a in eqn.args]
        vals = [d.primal for d in duals]
        ts = [d.tangent for d in duals]  # (an op's joint rule takes them at once: concatenate's, not k scatters)
        out, total = owned.written(eqn, k, vals, ts)  # (an in-place op's value, and its tangent if written too)
        joint = total is None and len(ts) > 1 and eqn.op.joint_jvp is not None and any([t is not None for t in ts])
        total = owned.joint(eqn, guarded(eqn, eqn.op.joint_jvp, ts, out, *vals, **eqn.kw), ts) if joint else total
        for i, t in enumerate(() if joint or total is not None else ts):
            rule = eqn.op.jvp_rule(i) if t is not None and eqn.op.differentiable else None
            c = None if rule is None else guarded(eqn, rule, t, out, *vals, **eqn.kw)
            total = c if total is None else total if c is None else add_partials(total, c)
        if total is not None and eqn.op.elementwise:  # an argument's tangent broadcast like the argument
            total = dnp.broadcast_to(total, np.shape(out))
        if getattr(getattr(total, "dtype", None), "kind", "") == "c" != eqn.out.dtype.kind:
            total = real_tangent(total)
        owned.after(eqn, k, env, Dual(out, total), duals)
    return [env[o] if isinstance(o, Var) else Dual(o.value) for o in graph.outputs]


class Forward(Differentiator):
    """Forward-mode AD on dual numbers; native product: the JVP, `chunk` directions per sweep.

    `chunk="auto"` (the default): k with k × the largest value's size ≤ base.TANGENT_BLOCK, cache-sized blocks (64 at
    n = 1024, ~1.7× faster than all 1024 at once in bench/chunk_ab.py; at least 8); an int: that many; `None`: all at once.
    """

    name = "forward"
    complex_leaves = True
    native, hessian_pair = "jvp", ("forward", "forward")
    per_input_columns = True

    def __init__(self, chunk: int | str | None = "auto", compiled: bool = True):
        if chunk is True or not (chunk is None or str(chunk) == "auto" or isinstance(chunk, Integral) and chunk > 0):
            raise ValueError(f"chunk must be a positive int, 'auto' or None (all directions at once), got {chunk!r}")
        self.chunk = chunk
        self.compiled = flag("Forward", "compiled", compiled)

    class Prepared(Prepared):
        def __init__(self, method, graph, wrt):
            super().__init__(method, graph, wrt)
            self.sweeps = Tier(method.compiled, after=2)  # the sweep lowered: "one" tangent, or "batched"
            self._tangent_graph = None  # the one-tangent sweep, traced once (see the module docstring)
            self.lifted, self.held = lift_closure(graph) if graph.closes_over_tracers else (graph, [])

        def _one(self, ins, v):
            """(outs, J v) for one tangent v of shape (n,): the interpreter's sweep."""
            parts = split(v, self.in_shapes)
            duals = push(self.lifted, ins, {self.lifted.inputs[i]: p for i, p in zip(self.wrt, parts)})
            tans = [d.tangent if d.tangent is not None else np.zeros(np.shape(d.primal)) for d in duals]
            return [d.primal for d in duals], flat(tans)

        def _rows(self, ins, V):  # one sweep per direction (a domain left; one traced direction)
            with self.sweeps_charged(V.shape[0]):  # (a checkpoint's primal too: in the tape's work)
                rows = [self._one(ins, V[j]) for j in range(V.shape[0])]
            return rows[0][0], dnp.stack([jv for _, jv in rows])

        def _sweep_graph(self, ins):
            """(ins, v) -> (outs..., J v) as a graph traced at these numbers, kept for later calls unless a rule's
            value-dependent branch specialised it to them; None where the tangent's values may pick a dtype."""
            if self._tangent_graph is not None:
                return self._tangent_graph
            example = [np.asarray(a, np.result_type(a, 0.0)) if np.isscalar(a) else a for a in ins] + [np.zeros(self.n)]
            with uncharged():  # (a sweep traced runs none)
                t, tracers, (outs, jv) = trace_flat(lambda *xs: self._one(xs[:-1], xs[-1]), example)
            graph = outputs_of(t, tracers, [*outs, jv])
            if t.value_dtypes and tangent_picks_dtype(graph):
                return None  # (the interpreter's rows instead)
            if not graph.specialised:
                self._tangent_graph = graph
            return graph

        def _batched(self, ins, V):
            """The one-tangent sweep run on every row of V at once (lowered, or interpreted by the batching rules: on
            traced values the enclosing trace records each equation once, V batched); None when a value left an op's
            domain or there is nothing to batch."""
            k, flags = V.shape[0], (False,) * len(ins) + (True,)
            traced = any(isinstance(a, Traced) for a in [*ins, V])
            few = k == 1 or k <= ROWS_ONCE and not traced  # (a traced block: its sweep recorded once, batched)
            if few and (traced or not self.sweeps.enabled or self.sweeps.waiting(2)):
                return None  # a sweep per direction, interpreted: a first call (a one-off dl.jvp or Hessian), traced
            if (graph := self._sweep_graph(numbers(ins))) is None:
                return None
            # one tangent: with the guarded twin of the common case (`hot_jvp`); k: linear steps deferred (compile.linear)
            guard = {"guard": tuple(range(len(ins) + 1)), "values": len(self.lifted.outputs)} if k == 1 else {}
            opts = dict(batched=None if k == 1 else flags, speculate=True, linear=k > 1, counts=self.tape, **guard)
            build = lambda: lower(graph, **opts)  # noqa: E731
            fn = (
                build()  # (a sweep specialised to these values: lowered for this call only)
                if graph.specialised and self.sweeps.enabled and not traced
                else self.sweeps.get("one" if k == 1 else "batched", [*ins, V], build)
            )
            with np.errstate(invalid="raise", divide="raise", over="raise", under="raise"):  # (the interpreter says it)
                try:
                    run = fn or partial(evaluate_batched, graph, batched=flags, domain="raise")
                    with self.sweeps_charged(k):  # (k sweeps over the tape, not the lowered code's own lines)
                        res = run(*ins, V[0]) if k == 1 else run(*ins, V)
                except (ArithmeticError, np.linalg.LinAlgError):  # the interpreter names the equation
                    return None
            return (list(res[:-1]), res[-1].reshape(1, self.m)) if k == 1 else (first_rows(res[:-1]), res[-1])

        def hot_jvp(self, args):
            return unsuspected(getattr(self.sweeps.fns.get("one"), "guarded", None), len(self.lifted.outputs))

        def _jvp(self, args, V):
            charge(evals=1)
            ins = [*args, *self.held]
            res = self._batched(ins, V)  # (suspect: maybe a lost term, which the sweep decides, unless zero_again)
            if res is not None and (not suspect(res[1:]) or zero_again(res[1], lambda s: self._batched(ins, V * s))):
                return res
            with np.errstate(invalid="raise", divide="raise"):  # DomainWarnings name the equation
                return rescaled_rows(self._rows, ins, V)  # (again at V·2^k where its only terms were lost)
