"""Reverse mode (backpropagation): a forward sweep stores every value, cotangents flow back.

How it works. For the tape of `5*(a*b)` at a=2, b=3:

    v2 = mul(a, b)   = 6          forward sweep, values kept
    v3 = mul(5, v2)  = 30
    ū3 = 1                        seed: d out / d out
    ū2 = ū3 * 5      = 5          mul's VJP rule for its second argument
    ā  = ū2 * b      = 15,  b̄ = ū2 * a = 10

Each equation's VJP rule (from the registry) maps the output's cotangent to each argument's; broadcasting is undone
here, once (a real value's complex cotangent made real), and contributions to one value are added. One sweep gives
the whole gradient. From the second call on, the compiled tier (difflab.compile) traces the sweep into a graph,
splits it into forward and backward parts and lowers both to straight-line NumPy code keeping only the values the
backward part reads. A scalar output over Python floats: the tier's float path (`compile.floats`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..compile import Tier, lower_split, lower_traced
from ..compile.floats import ONE, backward_floats, float_seeds, is_zero, lower_floats, nonzero_at
from ..graph import Traced, Var, charge, evaluate, gradient_work, guarded, numpy_floats
from ..graph import on_behalf, read
from ..graph import active as active_values
from ..ops import real_part, unbroadcast
from .base import Differentiator, Prepared, add_partials, flag, flat, split as split_vec
from . import owned
from .rescaled import rescaled_sweep, suspect, unsuspected

__all__ = ["Reverse", "backward"]


def backward(graph, env: dict, wrt: tuple, cts: dict, floats: bool = False, pulled=None, finite=None) -> list:
    """The tape sweep: cotangents `cts` of outputs → cotangents of inputs `wrt` (zeros if unreached).
    `floats`: a scalar output over Python floats (the compiled tier's float path, which fills `finite`
    with {Var: whether its value is finite} as it checks); pulled[0] counts rules run."""
    if floats:
        return backward_floats(graph, env, wrt, cts, _pull, finite)
    active, own = active_values(graph, [graph.inputs[i] for i in wrt]), {}  # (own: the sweep's arrays, owned.py)
    for eqn in reversed(graph.eqns):
        ct, w = cts.pop(eqn.out, None), own.pop(eqn.out, None)
        if ct is None or eqn.out not in active or (is_zero(ct) if w is None else (w := nonzero_at(ct, w)) < 0):
            # a zero cotangent contributes zero (every rule is linear in it), even through an
            # equation whose values are NaN: a seeded row must not pick up another output's NaN
            continue
        _pull(eqn, ct, env, active, cts, own, w)
        if pulled is not None:
            pulled[0] += 1
    return [cts[v] if v in cts else np.zeros(v.shape) for v in (graph.inputs[i] for i in wrt)]


def _pull(eqn, ct, env, active, cts, own=None, w=None):
    """One equation of the sweep: its VJP rules add the argument cotangents into `cts` (`own`, `w`: owned.py)."""
    vals = [env[a] if type(a) is Var else a.value for a in eqn.args]
    ct = owned.widened(eqn, ct) if type(ct) is float else ct  # (ū·np.float32(0.3) stays float64)
    kw = dict(eqn.params) if eqn.params else {}
    reuse, held = owned.reused(eqn, ct, w, active, cts, own)  # (held: ct, written in place after the other rules)
    for i, a in enumerate(eqn.args):
        rule = eqn.op.vjp_rule(i) if type(a) is Var and a in active and i != reuse else None
        if rule is None or owned.added_into(eqn, i, ct, env, vals, kw, cts, own):
            continue
        try:
            c = on_behalf(eqn, rule, ct, env[eqn.out], *vals, **kw)
            if isinstance(c, complex):  # Python's arithmetic on floats left the reals
                raise ArithmeticError
        except ArithmeticError:  # again, with NumPy's floats, to name the equation in a DomainWarning
            c = guarded(eqn, rule, *numpy_floats([ct, env[eqn.out], *vals]), **kw)
        if (() if type(c) is float else getattr(c, "shape", None)) != a.shape:
            with np.errstate(invalid="ignore"):  # inf - inf: infinite partials, reported where they arose
                c = on_behalf(eqn, unbroadcast, c, a.shape)  # recorded (nested) as eqn's, not as the user's own
        if getattr(getattr(c, "dtype", None), "kind", "") == "c" != a.dtype.kind:  # real a: Re ū (ops/complexes.py)
            c = on_behalf(eqn, real_part, c)
        owned.claim(cts, own, a, c if a not in cts else on_behalf(eqn, add_partials, cts[a], c), c, held)
    owned.write(eqn, reuse, ct, w, env[eqn.out], vals, kw, cts, own)


class Reverse(Differentiator):
    """Reverse-mode AD on the tape; native product: the VJP (one sweep per output)."""

    name, complex_leaves = "reverse", True
    native, hessian_pair = "vjp", ("forward", "reverse")

    def __init__(self, compiled: bool = True):
        # (the default first: a fresh dl.grad per call makes one of these every call)
        self.compiled = True if compiled is True else flag("Reverse", "compiled", compiled)

    class Prepared(Prepared):
        def __init__(self, method, graph, wrt):
            super().__init__(method, graph, wrt)
            self.sweeps = Tier(method.compiled, after=2)  # lowered from the second call on

        # -- the tape sweep itself, on arrays or on traced values --------------------------

        def _forward(self, args, opened=False):
            env: dict = {}  # (opened: the API's values, maybe an outer derivative's; for_rules: only rules read env)
            return list(evaluate(self.graph, *args, env=env, opened=opened, for_rules=True)), env

        def _backward(self, env, u, pulled=None, finite=None, on_floats=None) -> list:
            cts: dict = {}  # (on_floats: the float path's seeds, when the caller has them: no split of u)
            for o, s in zip(self.graph.outputs, split_vec(u, self.out_shapes) if on_floats is None else ()):
                if isinstance(o, Var):  # (a value returned twice gets both seeds)
                    cts[o] = s if o not in cts else cts[o] + s
            on_floats = on_floats or float_seeds(self.graph.outputs, env, u, cts)  # None unless the float path applies
            seeds = cts if on_floats is None else on_floats  # (swept under graph.raising's error state)
            return rescaled_sweep(backward, self.graph, env, self.wrt, seeds, on_floats is not None, pulled, finite)

        def _sweep(self, *xs, seeded: bool = False):
            """Outputs, then the gradient (`seeded`: u = 1) or flat uᵀJ (u = xs[-1]): what the compiled tier traces."""
            outs, env = self._forward(xs if seeded else xs[:-1])
            return [*outs, *(self._backward(env, np.ones(self.m)) if seeded else [flat(self._backward(env, xs[-1]))])]

        # -- native product and the gradient ------------------------------------------------

        def grad_leaves(self, args, values=None, finite=None):
            """Value and gradient in one sweep: interpreted first (on the values traced, if given), later lowered."""
            k = len(self.graph.outputs)  # (the seeded sweep's partial made only when lowered: scalar, floats first)
            lower = lambda: (  # noqa: E731
                lower_floats(self.graph, self.wrt, args)
                or lower_traced(
                    partial(self._sweep, seeded=True), args, guard=self.wrt, values=k, counts=gradient_work(self.graph)
                )
            )
            fn = self.sweeps.get("grad", args, lower)
            res = None if fn is None else Tier.run(fn, args)
            charge(evals=1)
            if res is not None and not suspect(res[k:]):  # (suspect: maybe a lost term, which the sweep decides)
                return list(res[:k]), list(res[k:])
            first = values is not None and self.sweeps.calls <= 1  # the values recorded while tracing
            outs, env = ([read(values, o) for o in self.graph.outputs], values) if first else self._forward(args, True)
            seeds = float_seeds(self.graph.outputs, env, ONE, None) if k == 1 else None  # a loss: ū = 1.0, no split
            return outs, self._backward(env, np.ones(self.m) if seeds is None else None, finite=finite, on_floats=seeds)

        def hot_grad(self, args):
            return unsuspected(getattr(self.sweeps.fns.get("grad"), "guarded", None), len(self.graph.outputs))

        counts_pulls = True

        def _vjp(self, args, pulled=None):
            """The forward part runs now; the backward part once per cotangent (`pulled`: interpreted,
            counting the equations pulled)."""
            k = len(self.graph.outputs)
            example = list(args) + [np.ones(self.m)]
            split = lambda: lower_split(self._sweep, example, k, self.vjp_work)  # noqa: E731
            fns = self.sweeps.get("vjp", args, split) if pulled is None else None
            res = None if fns is None else Tier.run(fns[0], args)
            charge(evals=1)
            if res is not None:
                residuals, late = res[k:], fns[1]

                def pullback(u):  # a traced ū (an outer derivative's), a complex one or a suspect result: the sweep
                    plain = not isinstance(u, Traced) and not np.iscomplexobj(u)
                    g = late(*residuals, np.asarray(u, dtype=float)) if plain else None
                    return g[0] if plain and not suspect(g[:1]) else flat(self._backward(self._forward(args)[1], u))

                return list(res[:k]), pullback
            outs, env = self._forward(args, True)
            return outs, lambda u: flat(self._backward(env, u, pulled))
