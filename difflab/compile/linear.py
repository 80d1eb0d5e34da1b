"""Blocks of tangents kept as sums of scaled blocks until something needs them whole (chunked forward mode).

A batched sweep (`lower(..., batched=...)`: k tangent directions at once) pushes a (k × n) block through
each JVP step, and most steps are linear and elementwise: mul's b·ta + a·tb, tanh's (1 − y²)·t, add, sub.
Written out, each is a NumPy pass over the whole block into a fresh array, and its per-op partial
(b, 1 − y²) multiplies every one of the k rows. `fuse_linear` rewrites such a program so that a batched
value made by those steps is carried as a sum Σ_j B_j·c_j: blocks B_j that other ops made (the seed, a
view of it, a nonlinear op's result) times unbatched coefficients c_j, the products of the partials,
multiplied out once per call on unbatched values. A full reduction (sum, mean: `Op.index` says so) of a
vector carried so is one matrix-vector product per block, nothing written; any other consumer gets the
value made whole, Σ_j B_j·c_j, once. For bench/scaling.py's f = Σ tanh(x_i·x_{i+1} + c_i) + ½Σ x_i², a
block's tangent of f is three products, t[:, :-1] @ (x[1:]·s) + t[:, 1:] @ (x[:-1]·s) + t @ x with
s = 1 − tanh², instead of eight passes over (k × n) blocks.

Which steps: an elementwise op whose partials (the registry's `float_rules`) are constants, all its
arguments batched (add, sub), or a product (each argument's partial is the other argument: mul) with one
batched argument, whose value at 0 is 0 (linear, not affine); every batched argument of the output's shape
and float64. The products are reassociated ((a·u)·z becomes a·(u·z)) and a sum becomes a dot, so values
equal the interpreter's to rounding, not bit for bit: `lower` rewrites only its speculative program (the
one whose outputs it checks finite, falling back on the exact one), and checks every batched output.
"""

from __future__ import annotations

import math

import numpy as np

from ..graph import Const, Eqn, Graph, Var, prune
from ..ops import LINEAR_STEPS as STEPS

__all__ = ["fuse_linear"]

#: entries a row from which a batched linear step is deferred (a smaller block is as cheap written out)
_LAZY_MIN = 16
#: blocks a deferred value may sum before it is written out instead (each one costs a pass when it is)
_MAX_TERMS = 8
_F64 = np.dtype(np.float64)


def fuse_linear(graph: Graph, batched: tuple) -> tuple | None:
    """(`graph` with its batched linear steps deferred, the positions of its batched outputs), or None
    when no deferred step would reach a reduction. `batched`: a flag per input, as `lower`'s."""
    first = _Rewrite(graph, batched)  # which deferred values reach a reduction: only those pay
    for e in graph.eqns:
        first.equation(e)
    if not first.useful:
        return None
    rewrite = _Rewrite(graph, batched, first.useful)
    for e in graph.eqns:
        rewrite.equation(e)
    outputs = tuple(rewrite.whole(o) if isinstance(o, Var) else o for o in graph.outputs)
    hot = [k for k, o in enumerate(graph.outputs) if isinstance(o, Var) and o in rewrite.hot]
    return prune(graph._replace(eqns=tuple(rewrite.eqns), outputs=outputs)), hot


def _vanishes(op) -> bool:
    """Whether the op is 0 where its arguments are: with constant partials, or each argument's partial
    the other argument (a·b + C), it is then linear (or bilinear), not affine."""
    with np.errstate(all="ignore"):
        try:
            return float(op.impl(*[0.0] * len(op.float_rules))) == 0.0
        except (TypeError, ValueError, ArithmeticError):
            return False


class _Rewrite:
    """`fuse_linear`'s walk: the equations of the new program, and per deferred value its terms
    [(block, coefficient or None for 1)]; `subst` maps an old value to the new program's."""

    def __init__(self, graph: Graph, batched: tuple, only: set | None = None):
        self.hot = {v for v, b in zip(graph.inputs, batched) if b}
        # the values it may defer (None: every linear step), the deferred values a reduction reached (and
        # their deferred arguments): a value only ever written out would cost more passes deferred than not
        # ((a + b)·u written out is a·u + b·u)
        self.only, self.useful, self.parents = only, set(), {}
        self.terms: dict = {}
        self.subst: dict = {}
        self.eqns: list = []
        self.next_id = max([v.id for v in graph.inputs] + [e.out.id for e in graph.eqns], default=-1) + 1
        self.source = None

    def equation(self, e: Eqn):
        flags = [type(a) is Var and a in self.hot for a in e.args]
        self.source = e.origin
        if any(flags):
            self.hot.add(e.out)
            terms = self.linear(e, flags) if self.only is None or e.out in self.only else None
            if terms is not None:
                self.terms[e.out] = terms
                self.parents[e.out] = [a for a in e.args if type(a) is Var and a in self.terms]
                return
            dot = self.contraction(e, flags)
            if dot is not None:
                self.subst[e.out] = dot
                return
        args = tuple(self.whole(a) if type(a) is Var else a for a in e.args)
        self.eqns.append(e if args == e.args else e._replace(args=args))

    def linear(self, e: Eqn, flags: list) -> list | None:
        """The terms of e's value when e is a linear step of its batched arguments (module docstring), else None."""
        op, out = e.op, e.out
        if not (op.elementwise and out.dtype == _F64 and math.prod(out.shape) >= _LAZY_MIN):
            return None
        if any([f and (a.shape, a.dtype) != (out.shape, _F64) for a, f in zip(e.args, flags)]):
            return None
        rules = [how for how, _ in op.float_rules]
        if len(rules) != len(e.args) or not _vanishes(op):
            return None
        if all(flags) and all([type(how) is float for how in rules]):  # add, sub: Σ constant · argument
            terms = [(b, self.times(c, how)) for a, how in zip(e.args, rules) for b, c in self.terms_of(a)]
        elif len(rules) == 2 and flags.count(True) == 1 and rules == [1, 0]:  # mul: the other argument's multiple
            i = flags.index(True)
            other = e.args[1 - i]
            if (other.dtype if type(other) is Var else np.asarray(other.value).dtype) != _F64:
                return None  # (coefficients are float64 values: the lowered code expects the traced dtypes)
            terms = [(b, self.times(c, other)) for b, c in self.terms_of(e.args[i])]
        else:
            return None
        return self.merged(terms)

    def contraction(self, e: Eqn, flags: list) -> Var | None:
        """A full reduction (`Op.index` "a->", a scale) of a deferred vector: Σ_j B_j @ c_j, else None."""
        (a,) = e.args if len(e.args) == 1 else (None,)
        if type(a) is not Var or a not in self.terms or e.op.index is None or len(a.shape) != 1 or e.out.shape != ():
            return None
        subscripts, scale = e.op.index([a.shape], **e.kw)
        if not subscripts.endswith("->"):
            return None
        todo = [a]
        while todo:
            v = todo.pop()
            if v not in self.useful:
                self.useful.add(v)
                todo += self.parents[v]
        total = None
        for b, c in self.terms[a]:
            c = Const(np.ones(a.shape)) if c is None else c
            if (np.shape(c.value) if isinstance(c, Const) else c.shape) != a.shape:
                c = self.emit(STEPS.broadcast, [c], a.shape, (("shape", a.shape),))
            part = self.emit(STEPS.contraction, [b, c], ())
            total = part if total is None else self.emit(STEPS.addition, [total, part], ())
        return total if scale == 1.0 else self.emit(STEPS.product, [total, Const(np.float64(scale))], ())

    def terms_of(self, a) -> list:
        return self.terms[a] if a in self.terms else [(self.subst.get(a, a), None)]

    def merged(self, terms: list) -> list | None:
        """Terms of the same block summed into one (x·x's tangent, t·x + x·t: t·2x); None past `_MAX_TERMS`."""
        by_block: dict = {}
        for b, c in terms:
            if b in by_block:
                c0, c1 = [Const(np.float64(1.0)) if x is None else x for x in (by_block[b], c)]
                both = isinstance(c0, Const) and isinstance(c1, Const)
                by_block[b] = Const(np.add(c0.value, c1.value)) if both else self.emit(STEPS.addition, [c0, c1])
            else:
                by_block[b] = c
        return list(by_block.items()) if len(by_block) <= _MAX_TERMS else None

    def times(self, c, u):
        """The coefficient c (None: 1) times u (an unbatched value, or a number)."""
        if isinstance(u, float):
            u = None if u == 1.0 else Const(np.float64(u))
        if c is None or u is None:
            return u if c is None else c
        if isinstance(c, Const) and isinstance(u, Const):
            return Const(np.multiply(c.value, u.value))
        return self.emit(STEPS.product, [c, u])

    def whole(self, a):
        """The new program's value for old value `a`: a deferred one written out (once) as Σ_j B_j·c_j."""
        if a in self.subst or a not in self.terms:
            return self.subst.get(a, a)
        total = None
        for b, c in self.terms[a]:
            part = b if c is None else self.emit(STEPS.product, [b, c], a.shape)
            total = part if total is None else self.emit(STEPS.addition, [total, part], a.shape)
        self.subst[a] = total
        return total

    def emit(self, op, args: list, shape: tuple | None = None, params: tuple = ()) -> Var:
        """A new float64 equation of `op` (one of `ops.LINEAR_STEPS`); its shape broadcast from its arguments' unless given."""
        if shape is None:
            shape = np.broadcast_shapes(*[np.shape(a.value) if isinstance(a, Const) else a.shape for a in args])
        out = Var(self.next_id, shape, _F64)
        self.next_id += 1
        if any([type(a) is Var and a in self.hot for a in args]):
            self.hot.add(out)
        self.eqns.append(Eqn(out, op, tuple(args), params, self.source))
        return out
