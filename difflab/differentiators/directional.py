"""The symbolic method's JVP and VJP, one derivative each rather than the Jacobian's m·n entries.

J v is the directional derivative d/dt f(x + t v) at t = 0: forward accumulation over the
assignments (`Program.tangents`), m expressions for m outputs. uᵀJ is the gradient of the one
scalar uᵀf: a single reverse sweep (`Program.gradient`), n expressions for n inputs. Built from the
Jacobian instead, a JVP of a function of 220 inputs with 110 outputs (autograd's second-order checks,
run through difflab.peers.autograd_shim) wrote and compiled 24,200 partials to use 110 sums of them.
v and u are two more inputs of a copy of the program (`Vector`), so the symbolic method's back ends
run them unchanged. On floats a JVP compiles both products as one generated function (compile.SymbolicCode:
its compilation, not the evaluation, is what costs), called with a zero u for a JVP and a zero v for the VJP
a check asks next; a VJP asked first compiles the outputs and uᵀJ alone ("value+vjp"), never writing J v
(autograd's test_linalg checks VJPs only); on traced values (compile.traced) each records only its own
expressions for the outer method.
Where J is a row or a column (m or n is 1) it has no more entries than the products: J stands.
"""

from __future__ import annotations

import numpy as np

from ..compile import SymbolicCode
from ..compile.traced import TracedCode
from ..graph import Traced, Var, charge
from .base import Prepared, _lifted, _traced, nonfinite_concrete, split
from .program import exact_entries, floats, name_singular

__all__ = ["Vector", "jvp", "vjp", "exact_product"]

BOTH = "value+jvp+vjp"  # the outputs, J v and uᵀJ: one function on floats


class Vector:
    """A symbolic prepared object's program with two more inputs, v of shape (n,) and u of shape (m,), and
    its code: what compile.SymbolicCode and compile.traced read of a prepared object (`exprs`, `program`,
    `symbols`, `graph`, `batch_inputs`, `method`). Kinds: "value+jvp" (the outputs, then J v), "vjp" (uᵀJ)
    and both at once, `BOTH`."""

    def __init__(self, prepared):
        prepared._expand()  # first: it may find the per-example structure (one example's graph)
        self.prepared, self.method, self.batch_inputs = prepared, prepared.method, prepared.batch_inputs
        self.program = prepared.program.extended(prepared.n, prepared.m)
        closed = [arr for _, arr in self.program.closed]
        self.symbols = [s for arr in self.program.inputs + closed for s in arr.ravel()]
        g = prepared.graph
        last = max([v.id for v in g.inputs] + [e.out.id for e in g.eqns], default=-1)
        vecs = (Var(last + 1, (prepared.n,), np.float64), Var(last + 2, (prepared.m,), np.float64))
        self.graph = g._replace(inputs=(*g.inputs, *vecs))  # (f reads neither)
        self.code, self.traced, self._exprs = SymbolicCode(self), TracedCode(self), {}

    def exprs(self, kind) -> list:
        if kind not in self._exprs:
            p, x = self.program, self.prepared.x
            v, u, ys = list(p.inputs[-2]), list(p.inputs[-1]), p.outputs
            if kind == "value+jvp":
                self._exprs[kind] = list(ys) + p.tangents(ys, x, v, "t_")
            elif kind == "value+vjp":
                self._exprs[kind] = list(ys) + self.exprs("vjp")
            elif kind == "vjp":  # (a condition as an output has no derivative)
                from sympy.logic.boolalg import BooleanAtom, BooleanFunction

                cond = lambda y: getattr(y, "is_Relational", False) or isinstance(y, (BooleanAtom, BooleanFunction))
                pairs = [(y, c) for y, c in zip(ys, u) if not cond(y)]
                self._exprs[kind] = p.gradient([y for y, _ in pairs], x, "u_", u=[c for _, c in pairs])
            else:
                self._exprs[kind] = self.exprs("value+jvp") + self.exprs("vjp")
        return self._exprs[kind]

    def run(self, kind, args, v, u):
        """`kind` at the prepared graph's `args` and the vectors v, u (floats, or some of them traced)."""
        args = [*args, v, u]
        if _traced(args) or self.program.closed:  # inside an outer derivative: they record difflab ops
            return self.traced.run(kind, args)
        m = self.prepared.m
        if kind == "vjp" and not self._both():  # a VJP first: the tangents never written
            return self.code.run("value+vjp", floats(args))[m:]
        out = self.code.run(BOTH, floats(args))  # (one compiled function: a JVP, then the VJP a check asks next)
        return {"value+jvp": out[: 2 * m], "vjp": out[2 * m :]}.get(kind, out)

    def values(self, args, v, u):
        """The outputs at float `args`, from the compiled function a VJP reuses (its pullback's): "value+vjp",
        or the JVP's `BOTH` where one ran first. A VJP alone never writes the tangents (a nested check of a 4×4
        complex SVD: a fifth of its time, and their compilation)."""
        m, args = self.prepared.m, [*args, v, u]
        return self.code.run(BOTH if self._both() else "value+vjp", floats(args))[:m]

    def _both(self) -> bool:
        return any(kind == BOTH for kind, _ in self.code.fns)


def _vector(prepared) -> Vector:
    if "vector" not in vars(prepared):
        prepared.vector = Vector(prepared)
    return prepared.vector


def jvp(self, args, v):
    """(outs, J v) for one tangent v of shape (n,): the outputs and their m directional derivatives
    (a symbolic `Prepared`'s `jvp`).

    >>> import numpy as np, difflab as dl, difflab.numpy as dnp
    >>> from difflab.differentiators import Symbolic
    >>> x = np.array([0.5, 1.0])
    >>> p = Symbolic().prepare(dl.trace(lambda x: x * dnp.sum(x), x), (0,))
    >>> p.jvp([x], np.array([1.0, 0.0]))[1]          # v·Σx + x·Σv
    array([2., 1.])
    """
    if min(self.m, self.n) <= 1:
        return Prepared.jvp(self, args, v)
    charge(evals=1)
    out = _vector(self).run("value+jvp", args, v, np.zeros(self.m))
    # `value`'s outputs at a NaN/inf input (rewritten expressions: SymPy's NaN·0 → 0), and at plain args
    # with a traced v (they stay plain values)
    if nonfinite_concrete(args) or (isinstance(out, Traced) and not _traced(args)):
        outs = self.value(args)
    else:
        outs = split(out[: self.m], self.out_shapes)
    outs, jv = name_singular(self, args, outs, out[self.m :], lift=False)  # (J v: `_lifted` below)
    return outs, _lifted(self, args, None, v, jv)  # (a term t·e^-800 its code rounded to 0: said)


def vjp(self, args):
    """(outs, pullback) where pullback(u) = uᵀJ (shape (n,)) for u of shape (m,): the gradient of uᵀf,
    one reverse sweep (a symbolic `Prepared`'s `vjp`).

    >>> import numpy as np, difflab as dl, difflab.numpy as dnp
    >>> from difflab.differentiators import Symbolic
    >>> x = np.array([0.5, 1.0])
    >>> outs, pullback = Symbolic().prepare(dl.trace(lambda x: x * dnp.sum(x), x), (0,)).vjp([x])
    >>> pullback(np.array([1.0, 0.0]))                  # u·Σx + (u·x) 1
    array([2. , 0.5])
    """
    if min(self.m, self.n) <= 1:
        return Prepared.vjp(self, args)
    code = _vector(self)
    if _traced(args) or code.program.closed or nonfinite_concrete(args):
        outs = self.value(args)
    else:  # the compiled function at u = 0 (its product unused), the outputs its first m values
        charge(evals=1)
        outs = split(code.values(args, np.zeros(self.n), np.zeros(self.m)), self.out_shapes)

    def pullback(u):
        return _lifted(
            self,
            args,
            None,
            u,
            name_singular(self, args, outs, code.run("vjp", args, np.zeros(self.n), u), lift=False)[1],
            left=True,  # (uᵀJ: was J's columns read as rows, an IndexError where m != n)
        )

    return outs, pullback


def exact_product(self, args, w, r, small, left: bool):
    """r = uᵀJ (`left`, u = w) or J v (v = w) with its entries at `small` (a mask shaped as r) evaluated in 40 and 80
    digits where they agree and are normal (program.exact_entries over the product's own expressions: e^-800·3e200
    = 1.1e-147 where the code rounded e^-800 first), or None where that cannot be done (a symbolic `Prepared`'s)."""
    code, m, n = _vector(self), self.m, self.n
    w = np.asarray(w, dtype=float)
    if left:
        return exact_entries(code, [*floats(args), np.zeros(n), w], "vjp", np.asarray(r), small)
    full = np.concatenate([np.zeros(m), np.ravel(r)])
    where = np.concatenate([np.zeros(m, bool), np.ravel(small)])
    fixed = exact_entries(code, [*floats(args), w, np.zeros(m)], "value+jvp", full, where)
    return None if fixed is None else fixed[m:].reshape(np.shape(r))
