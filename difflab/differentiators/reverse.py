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
interpreter and stores only the values the backward part reads. A scalar output's sweep over
Python floats (micrograd-style code) applies each elementwise equation's registry partials
directly (`backward_floats`), the generic rules everywhere else.
"""
from __future__ import annotations

import numpy as np

from ..graph import Var, compile, evaluate, guarded, numpy_floats, read, split
from ..ops import REGISTRY, unbroadcast
from ..trace import outputs_of, trace_flat
from .base import Differentiator, Prepared, _traced, flat, split as split_vec
from .forward import _sum

__all__ = ["Reverse", "backward", "backward_floats"]


def active_vars(graph, wrt_vars) -> set:
    """Values that depend differentiably on `wrt_vars` (the only ones that need cotangents)."""
    active = set(wrt_vars)
    for e in graph.eqns:
        if e.op.differentiable:
            for a in e.args:
                if type(a) is Var and a in active:
                    active.add(e.out)
                    break
    return active


def backward(graph, env: dict, wrt: tuple, cts: dict) -> list:
    """The tape sweep: cotangents `cts` of outputs → cotangents of inputs `wrt` (zeros if unreached)."""
    active = active_vars(graph, [graph.inputs[i] for i in wrt])
    for eqn in reversed(graph.eqns):
        ct = cts.pop(eqn.out, None)
        if ct is None or eqn.out not in active or _is_zero(ct):
            # a zero cotangent contributes zero (every rule is linear in it), even through an
            # equation whose values are NaN: a seeded row must not pick up another output's NaN
            continue
        _pull(eqn, ct, env, active, cts)
    return [cts[v] if v in cts else np.zeros(v.shape) for v in (graph.inputs[i] for i in wrt)]


def _pull(eqn, ct, env, active, cts):
    """One equation of the sweep: its VJP rules add the argument cotangents into `cts`."""
    vals = [env[a] if type(a) is Var else a.value for a in eqn.args]
    kw = dict(eqn.params) if eqn.params else {}
    for i, a in enumerate(eqn.args):
        rule = eqn.op.vjp_rule(i) if type(a) is Var and a in active else None
        if rule is None:
            continue
        try:
            c = rule(ct, env[eqn.out], *vals, **kw)
            if isinstance(c, complex):  # Python's arithmetic on floats left the reals
                raise ArithmeticError
        except ArithmeticError:  # again, with NumPy's floats, to name the equation in a DomainWarning
            c = guarded(eqn, rule, *numpy_floats([ct, env[eqn.out], *vals]), **kw)
        if (() if type(c) is float else getattr(c, "shape", None)) != a.shape:
            c = unbroadcast(c, a.shape)
        cts[a] = c if a not in cts else _sum(cts[a], c)


def backward_floats(graph, env: dict, wrt: tuple, cts: dict) -> list:
    """`backward` specialised to scalar graphs of Python floats (micrograd-style code). An
    elementwise equation whose values are all floats applies its registry partials directly:
    ū·∂ (and, for partials marked strong_zero, 0 where ū or ∂ is 0, as strong_mul does), which is
    what its generic VJP rule computes through Op.bind. An equation that cannot go this way (not
    elementwise, a non-float value or cotangent, a partial that raises or is not a float) goes
    through the generic rules (`_pull`, as in `backward`): the same numbers either way."""
    active = active_vars(graph, [graph.inputs[i] for i in wrt])
    eqns = graph.eqns
    pop, get, known = cts.pop, cts.get, _FLOAT_PARTIALS
    for k in range(len(eqns) - 1, -1, -1):
        out, op, args, params = eqns[k]
        ct = pop(out, None)
        if ct is None or out not in active or (ct == 0.0 if type(ct) is float else _is_zero(ct)):
            continue  # a zero cotangent contributes zero (as in `backward`)
        partials = known.get(op)
        if partials is None:
            partials = _float_partials(op)
        y = env[out]
        if params or not partials or type(ct) is not float or type(y) is not float:
            _pull(eqns[k], ct, env, active, cts)
            continue
        vals = [env[a] if type(a) is Var else a.value for a in args]
        found = []
        try:
            for a, v, (partial, strong) in zip(args, vals, partials):
                if type(v) is not float:
                    raise TypeError
                if partial is None or a not in active:  # (a Const is never in `active`)
                    continue
                if strong and ct == 0.0:  # a strong zero: 0 whatever the partial (∞ included)
                    found.append((a, 0.0))
                    continue
                d = partial(y, *vals)
                if type(d) is not float:
                    raise TypeError
                found.append((a, 0.0 if strong and d == 0.0 else ct * d))
        except (ArithmeticError, TypeError):  # the generic rules decide (and name the equation)
            _pull(eqns[k], ct, env, active, cts)
            continue
        for a, c in found:
            prev = get(a)
            cts[a] = c if prev is None else prev + c
    return [cts[v] if v in cts else np.zeros(v.shape) for v in (graph.inputs[i] for i in wrt)]


_FLOAT_PARTIALS: dict = {}  # op -> ((partial, strong) per argument), or () when the op has no partials


def _float_partials(op):
    """An elementwise op's registry partials, read off its VJP rules (see ops.core._scaled)."""
    found = ()
    if op.elementwise and op.differentiable and op.nargs is not None:
        rules = [(getattr(r, "partial", None), getattr(r, "strong", False)) if r is not None else (None, False)
                 for r in op.vjp]
        if all(p is not None for (p, _), r in zip(rules, op.vjp) if r is not None):
            found = tuple(rules)
    if REGISTRY.get(op.name) is op:  # registry entries only: a user's rule op must not be kept alive here
        _FLOAT_PARTIALS[op] = found
    return found


def _is_zero(ct) -> bool:
    """Whether a computed (untraced) cotangent is exactly zero everywhere."""
    if type(ct) is float:
        return ct == 0.0
    return isinstance(ct, np.ndarray) and not ct.any()


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
            self.calls = 0

        def _hot(self, args) -> bool:
            """Compile from the second call on: a one-off gradient is cheaper interpreted."""
            self.calls += 1
            return self.method.compiled and self.calls >= 2 and not _traced(args)

        # -- interpreted: the tape sweep itself, on arrays or on traced values -------------

        def _forward(self, args):
            env: dict = {}
            return list(evaluate(self.graph, *args, env=env)), env

        def _backward(self, env, u) -> list:
            seeds = split_vec(u, self.out_shapes)
            cts: dict = {}
            for o, s in zip(self.graph.outputs, seeds):  # a value returned twice gets both seeds
                if isinstance(o, Var):
                    cts[o] = s if o not in cts else cts[o] + s
            sweep = backward
            if isinstance(u, np.ndarray) and all([type(o) is Var and type(env.get(o)) in (float, np.float64)
                                                  for o in self.graph.outputs]):
                # a scalar output (of a graph of Python floats, maybe): seeds as floats, the sweep on
                # floats where the values are floats
                sweep, cts = backward_floats, {o: float(s) for o, s in cts.items()}
            with np.errstate(invalid="raise", divide="raise"):
                return sweep(self.graph, env, self.wrt, cts)

        def _vjp_interpreted(self, args):
            outs, env = self._forward(args)
            self.evals += 1
            return outs, lambda u: flat(self._backward(env, u))

        # -- compiled: the sweep traced once into straight-line NumPy code -----------------

        def _trace_sweep(self, args, seeded: bool):
            example = [np.asarray(a, dtype=float) if np.isscalar(a) else a for a in args]

            def sweep(*xs):
                outs, env = self._forward(xs[:len(args)])
                u = xs[-1] if not seeded else np.ones(self.m)  # a constant seed folds away
                return [*outs, *self._backward(env, u)] if seeded else [*outs, flat(self._backward(env, u))]

            t, tracers, outs = trace_flat(sweep, example if seeded else example + [np.ones(self.m)])
            return outputs_of(t, tracers, outs)

        def _run(self, fn, args):
            with np.errstate(invalid="raise", divide="raise"):
                try:
                    return fn(*args)
                except FloatingPointError:  # the interpreter names the equation in its warning
                    return None

        def grad_leaves(self, args, values=None):
            """Value and gradient in one compiled sweep: no flat vector is assembled. The first
            call interprets, on the values recorded while tracing when it has them."""
            if self._hot(args):
                if self._grad is None:
                    self._grad = compile(self._trace_sweep(args, seeded=True))
                res = self._run(self._grad, args)
                if res is not None:
                    self.evals += 1
                    k = len(self.graph.outputs)
                    return list(res[:k]), list(res[k:])
            if values is not None and not self.calls > 1:
                outs, env = [read(values, o) for o in self.graph.outputs], values
            else:
                outs, env = self._forward(args)
            self.evals += 1
            return outs, self._backward(env, np.ones(self.m))

        def grad(self, args):
            outs, parts = self.grad_leaves(args)
            return outs, flat(parts)

        def _vjp(self, args):
            """The forward part runs now; the backward part (compiled separately) per cotangent."""
            if self._hot(args):
                if self._fwd is None:
                    joint = self._trace_sweep(args, seeded=False)
                    early, late = split(joint, [joint.inputs[-1]], len(self.graph.outputs))
                    self._fwd, self._bwd = compile(early), compile(late)
                res = self._run(self._fwd, args)
                if res is not None:
                    self.evals += 1
                    k = len(self.graph.outputs)
                    residuals = res[k:]
                    return list(res[:k]), lambda u: self._bwd(*residuals, np.asarray(u, dtype=float))[0]
            return self._vjp_interpreted(args)
