"""The symbolic method's JVP and VJP, one derivative each rather than the Jacobian's m·n entries.

J v is the directional derivative d/dt f(x + t v) at t = 0: forward accumulation over the
assignments (`Program.tangents`), m expressions for m outputs. uᵀJ is the gradient of the one
scalar uᵀf: a single reverse sweep (`Program.gradient`), n expressions for n inputs. Built from the
Jacobian instead, a JVP of a function of 220 inputs with 110 outputs (autograd's second-order checks,
run through difflab.peers.autograd_shim) wrote and compiled 24,200 partials to use 110 sums of them.
The vector (v or u) is one more input of a copy of the program (`Vector`), so the symbolic method's
back ends run it unchanged: on floats (compile.SymbolicCode) or on traced values (compile.traced).
"""

from __future__ import annotations

import numpy as np

from ..compile import SymbolicCode
from ..compile.traced import TracedCode
from ..graph import Var, charge
from .base import _traced, nonfinite_concrete, split
from .program import floats, name_singular

__all__ = ["Vector", "jvp", "vjp"]


class Vector:
    """A symbolic prepared object's program with one more input, a vector of `size` symbols, and its
    code: what compile.SymbolicCode and compile.traced read of a prepared object (`exprs`, `program`,
    `symbols`, `graph`, `batch_inputs`, `method`). `kind` "value+jvp": the outputs, then J v (v: the
    vector, shape (n,)); "vjp": uᵀJ (u: the vector, shape (m,))."""

    def __init__(self, prepared, size: int):
        prepared._expand()  # first: it may find the per-example structure (one example's graph)
        self.prepared, self.method, self.batch_inputs = prepared, prepared.method, prepared.batch_inputs
        self.program = prepared.program.extended(size)
        closed = [arr for _, arr in self.program.closed]
        self.symbols = [s for arr in self.program.inputs + closed for s in arr.ravel()]
        g = prepared.graph
        last = max([v.id for v in g.inputs] + [e.out.id for e in g.eqns], default=-1)
        self.graph = g._replace(inputs=(*g.inputs, Var(last + 1, (size,), np.float64)))  # (v unread by f)
        self.code, self.traced, self._exprs = SymbolicCode(self), TracedCode(self), {}

    def exprs(self, kind) -> list:
        if kind not in self._exprs:
            p, x = self.program, self.prepared.x
            vec, ys = list(p.inputs[-1]), p.outputs
            if kind == "value+jvp":
                self._exprs[kind] = list(ys) + p.tangents(ys, x, vec, "t_")
            else:  # (a condition as an output has no derivative)
                from sympy.logic.boolalg import BooleanAtom, BooleanFunction

                cond = lambda y: getattr(y, "is_Relational", False) or isinstance(y, (BooleanAtom, BooleanFunction))
                pairs = [(y, u) for y, u in zip(ys, vec) if not cond(y)]
                self._exprs[kind] = p.gradient([y for y, _ in pairs], x, "u_", u=[u for _, u in pairs])
        return self._exprs[kind]

    def run(self, kind, args, vec):
        args = [*args, vec]
        if _traced(args) or self.program.closed:  # inside an outer derivative: they record difflab ops
            return self.traced.run(kind, args)
        return self.code.run(kind, floats(args))


def _vector(prepared, kind) -> Vector:
    vectors = vars(prepared).setdefault("vectors", {})
    if kind not in vectors:
        vectors[kind] = Vector(prepared, prepared.n if kind == "value+jvp" else prepared.m)
    return vectors[kind]


def jvp(self, args, v):
    """(outs, J v) for one tangent v of shape (n,): the outputs and their m directional derivatives,
    one generated function (a symbolic `Prepared`'s `jvp`)."""
    charge(evals=1)
    both = _vector(self, "value+jvp").run("value+jvp", args, v)
    outs = split(both[: self.m], self.out_shapes)
    # values from rewritten expressions (SymPy's NaN·0 → 0) at a NaN/inf input: `value`'s instead
    return name_singular(self, args, self.value(args) if nonfinite_concrete(args) else outs, both[self.m :])


def vjp(self, args):
    """(outs, pullback) where pullback(u) = uᵀJ (shape (n,)) for u of shape (m,): the gradient of uᵀf,
    one reverse sweep (a symbolic `Prepared`'s `vjp`)."""
    outs, code = self.value(args), _vector(self, "vjp")

    def pullback(u):
        return name_singular(self, args, outs, code.run("vjp", args, u))[1]

    return outs, pullback
