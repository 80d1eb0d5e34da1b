"""Reverse mode (backpropagation): a forward sweep stores every value, cotangents flow back.

How it works. For the tape of `5*(a*b)` at a=2, b=3:

    v2 = mul(a, b)   = 6          forward sweep, values kept
    v3 = mul(5, v2)  = 30
    ū3 = 1                        seed: d out / d out
    ū2 = ū3 * 5      = 5          mul's VJP rule for its second argument
    ā  = ū2 * b      = 15,  b̄ = ū2 * a = 10

Each equation's VJP rule (from the registry) maps the output's cotangent to each argument's;
broadcasting is undone here, once, and contributions to a value used twice are added. One
backward sweep gives the whole gradient, whatever the number of inputs: the cheap-gradient
principle. `prepare` traces that sweep itself into a graph, splits it into a forward part and a
backward part and compiles both to straight-line NumPy code, so a prepared gradient runs no
interpreter and stores only the values the backward part reads.
"""
from __future__ import annotations

import numpy as np

from ..graph import Var, compile, evaluate, guarded, read, split
from ..ops import unbroadcast
from ..trace import outputs_of, trace_flat
from .base import Differentiator, Prepared, _traced, flat, split as split_vec

__all__ = ["Reverse", "backward"]


def active_vars(graph, wrt_vars) -> set:
    """Values that depend differentiably on `wrt_vars` (the only ones that need cotangents)."""
    active = set(wrt_vars)
    for e in graph.eqns:
        if e.op.differentiable and any(isinstance(a, Var) and a in active for a in e.args):
            active.add(e.out)
    return active


def backward(graph, env: dict, wrt: tuple, cts: dict) -> list:
    """The tape sweep: cotangents `cts` of outputs → cotangents of inputs `wrt` (zeros if unreached)."""
    active = active_vars(graph, [graph.inputs[i] for i in wrt])
    for eqn in reversed(graph.eqns):
        ct = cts.pop(eqn.out, None)
        if ct is None or eqn.out not in active:
            continue
        vals = [read(env, a) for a in eqn.args]
        for i, a in enumerate(eqn.args):
            rule = eqn.op.vjp_rule(i) if isinstance(a, Var) and a in active else None
            if rule is None:
                continue
            c = unbroadcast(guarded(eqn, rule, ct, env[eqn.out], *vals, **eqn.kw), a.shape)
            cts[a] = c if a not in cts else cts[a] + c
    return [cts.get(graph.inputs[i], np.zeros(graph.inputs[i].shape)) for i in wrt]


class Reverse(Differentiator):
    """Reverse-mode AD on the tape; native product: the VJP (one sweep per output)."""

    name = "reverse"
    native = "vjp"
    hessian_pair = ("forward", "reverse")

    def __init__(self, compiled: bool = True):
        self.compiled = compiled

    class Prepared(Prepared):
        def __init__(self, method, graph, wrt):
            super().__init__(method, graph, wrt)
            self._fwd = self._bwd = self._grad = None

        def grad_leaves(self, args):
            """Value and gradient in one compiled sweep: the seed 1 is a constant there, so the
            first steps of the backward sweep fold away, and no flat vector is assembled."""
            if _traced(args) or not self.method.compiled:
                return self._grad_by_vjp(args)
            if self._grad is None:
                def sweep(*xs):
                    env: dict = {}
                    outs = evaluate(self.graph, *xs, env=env)
                    cts = {o: np.ones(o.shape) for o in self.graph.outputs if isinstance(o, Var)}
                    return [*outs, *backward(self.graph, env, self.wrt, cts)]

                t, tracers, outs = trace_flat(sweep, [np.asarray(a, dtype=float) if np.isscalar(a) else a for a in args])
                self._grad, self._n_out = compile(outputs_of(t, tracers, outs)), len(self.graph.outputs)
            with np.errstate(invalid="raise", divide="raise"):
                try:
                    res = self._grad(*args)
                except FloatingPointError:
                    return self._grad_by_vjp(args)
            self.evals += 1
            return list(res[:self._n_out]), list(res[self._n_out:])

        def _grad_by_vjp(self, args):
            outs, g = Prepared.grad(self, args)
            return outs, split_vec(g, self.in_shapes)

        def grad(self, args):
            outs, parts = self.grad_leaves(args)
            return outs, flat(parts)

        def _pullback_graph(self, args, u):
            env: dict = {}
            outs = evaluate(self.graph, *args, env=env)
            seeds = split_vec(u, self.out_shapes)
            cts = {o: s for o, s in zip(self.graph.outputs, seeds) if isinstance(o, Var)}
            with np.errstate(invalid="raise", divide="raise"):
                return list(outs), flat(backward(self.graph, env, self.wrt, cts))

        def _compile(self, args):
            # trace the sweep once; split it where the cotangent enters; compile both halves
            example = [np.asarray(a, dtype=float) if np.isscalar(a) else a for a in args]
            t, tracers, (outs, grad) = trace_flat(lambda *xs: self._pullback_graph(xs[:-1], xs[-1]),
                                                  example + [np.ones(self.m)])
            joint = outputs_of(t, tracers, [*outs, grad])
            early, late = split(joint, [joint.inputs[-1]], len(outs))
            self._fwd, self._bwd, self._n_out = compile(early), compile(late), len(outs)
            self.joint = joint

        def _vjp(self, args):
            if _traced(args) or not self.method.compiled:
                env: dict = {}
                outs = evaluate(self.graph, *args, env=env)
                self.evals += 1

                def pullback(u):
                    seeds = split_vec(u, self.out_shapes)
                    cts = {o: s for o, s in zip(self.graph.outputs, seeds) if isinstance(o, Var)}
                    with np.errstate(invalid="raise", divide="raise"):
                        return flat(backward(self.graph, env, self.wrt, cts))

                return list(outs), pullback
            if self._fwd is None:
                self._compile(args)
            with np.errstate(invalid="raise", divide="raise"):
                try:
                    res = self._fwd(*args)
                except FloatingPointError:
                    return self.method.__class__(compiled=False).prepare(self.graph, self.wrt)._vjp(args)
            self.evals += 1
            outs, residuals = res[:self._n_out], res[self._n_out:]

            def pullback(u):
                with np.errstate(invalid="raise", divide="raise"):
                    return self._bwd(*residuals, np.asarray(u, dtype=float))[0]

            return list(outs), pullback
