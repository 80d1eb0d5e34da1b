"""The symbolic method's derivative code on traced values: its SymPy expressions written as Python
that calls difflab's own ops, so that running it on an outer trace's values records the derivative
as equations, which the outer method differentiates exactly (`symbolic` as the INNER method of a
nested derivative). It names no op: which op computes each SymPy node is read off the registry's
translations (ops.sympy_ops).

How it works. `TracedCode` writes the needed assignments and the outputs as straight-line code,
one line per distinct SymPy node: a node the registry translates to (sin(p0), Pow(p0, 1/2),
strong_mul(p0, p1), p0 > p1) calls that op; Add, Mul and any other Pow are the traced values' `+`,
`*` and `**`; a Piecewise is a chain of the selecting op (where), And/Or/Not/ITE selections of
conditions; a value of a user's rule op (custom_jvp/custom_vjp: `Program.held`) is the op itself, bound on its
arguments, so the outer method takes the user's rule for it as forward and reverse do. Every call is `graph.guarded` on behalf of the user's equation it derives from (a
value: its own; a derivative: the latest user equation whose value or adjoint it reads), as the
interpreters run equations on traced values: a value outside an op's domain gives one DomainWarning
naming the user's equation, and what it records remembers that equation as its source. For
f = sin(x)·x (user equations v1 = sin(v0), v2 = mul(v1, v0)) the gradient x·cos(x) + sin(x) is

    t0 = _g(E[1], F[3], x0)              # sin, on behalf of v2 = mul(v1, v0) (the last: x0 only read)
    t1 = _g(E[1], F[4], x0)              # cos
    t2 = _g(E[1], F[1], x0, t1)          # * (F[0], F[1], F[2]: +, *, **)
    t3 = _g(E[1], F[0], t0, t2)          # +
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
import re

import numpy as np

from .. import numpy as dnp
from ..errors import NotDifferentiableError
from ..graph import FROM_VALUES, Traced, guarded
from ..ops import sympy_ops

__all__ = ["TracedCode"]
_VALUE = re.compile(r"^v(\d+)_\d+$")
_DERIVED = re.compile(r"v(\d+)_\d+$")


class TracedCode:
    """A symbolic prepared object's expressions as code over difflab's ops: `run(kind, args)` gives
    the flat vector `prepared.exprs(kind)` at `args`, some of them traced (averaged over the rows
    of its batch inputs, each symbol of a batch input being a column), recording equations.

    Shape contract: `args` as the prepared graph's inputs (arrays or traced values); the result has
    shape (len(prepared.exprs(kind)),), traced.

    >>> import difflab as dl, difflab.numpy as dnp
    >>> from difflab.differentiators import Symbolic
    >>> p = Symbolic().prepare(dl.trace(lambda x: dnp.sin(x) * x, 1.3), (0,))
    >>> g = dl.trace(lambda x: TracedCode(p).run("jacobian", [x]), 1.3)
    >>> sorted({e.op.name for e in g.eqns} & {"sin", "cos"})   # d/dx = sin(x) + x cos(x), recorded
    ['cos', 'sin']
    """

    def __init__(self, prepared):
        self.prepared = prepared
        self.fns: dict = {}

    def fn(self, kind):
        if kind not in self.fns:
            self.fns[kind] = _Writer(self.prepared, sympy_ops()).function(self.prepared.exprs(kind))
        return self.fns[kind]

    def run(self, kind, args):
        p = self.prepared
        fn = self.fn(kind)
        rows = p.batch_inputs
        batch = max([int(np.shape(args[i])[0]) for i in rows], default=1)
        values = []
        for i, a in enumerate(args):
            k = p.program.inputs[i].size
            if i in rows:  # one column per symbol: the code runs on all examples at once
                block = _reshape(a, (batch, k))
                values += [block[:, j] for j in range(k)]
            else:
                flat = _reshape(a, (k,))
                values += [flat[j] if isinstance(flat, Traced) else float(flat[j]) for j in range(k)]
        for value, symbols in p.program.closed:  # values of an enclosing trace the function closes over
            flat = _reshape(value, (symbols.size,))
            values += [flat[j] for j in range(symbols.size)]
        with np.errstate(invalid="raise", divide="raise"):  # each op is guarded: see the module docstring
            outs = fn(*values)
        if batch > 1 or rows:  # the mean over the examples; a value none of them moves is itself
            outs = [dnp.mean(o) if getattr(o, "shape", ()) else o for o in outs]
        return dnp.stack([o if isinstance(o, Traced) else np.float64(o) for o in outs]) if outs else np.zeros(0)


def _reshape(a, shape):
    return dnp.reshape(a, shape) if isinstance(a, Traced) else np.reshape(np.asarray(a, dtype=float), shape)


class _Writer:
    """Straight-line code for a list of expressions (see the module docstring)."""

    def __init__(self, prepared, ns):
        import sympy as sp

        self.sp, self.ns, self.p = sp, ns, prepared
        self.names = {s: f"x{k}" for k, s in enumerate(prepared.symbols)}
        self.lines: list = []
        self.glob: dict = {"F": [_sum, _product, operator.pow], "E": [FROM_VALUES], "_g": guarded}
        self.glob.update(_inf=math.inf, _nan=math.nan)
        self.eqn = {e.out.id: e for e in prepared.graph.eqns}
        self.rank = {e.out.id: k for k, e in enumerate(prepared.graph.eqns)}
        self.origin = 0  # the index in E of the user's equation the lines written now derive from
        self.ops: dict = {}  # a user's rule op's equation (`_held`) -> the name of its output, flat
        self.glob["_a"] = _array

    def function(self, exprs):
        p = self.p
        for s, e in p.program.needed(exprs):
            value = _VALUE.match(s.name)
            self._at(int(value.group(1)) if value else self._latest(e, s))
            held = p.program.held.get(s) if not p.batch_inputs else None
            self.names[s] = self._emit(e) if held is None else self._held(*held)
        outs = []
        for e in exprs:
            self._at(self._latest(e))
            outs.append(self._emit(e))
        args = ", ".join(f"x{k}" for k in range(len(p.symbols)))
        body = "\n".join(f"    {line}" for line in self.lines)
        source = f"def _traced({args}):\n{body}\n    return [{', '.join(outs)}]\n"
        exec(builtins.compile(source, "<difflab symbolic, traced>", "exec"), self.glob)
        return self.glob["_traced"]

    def _latest(self, e, s=None) -> int | None:
        """The latest user equation whose value or adjoint `e` (or the adjoint `s`) reads: the
        equation a NaN or inf born in `e` is reported as (the last equation when it reads none)."""
        ids = [int(m.group(1)) for u in getattr(e, "free_symbols", ()) if (m := _DERIVED.search(u.name))]
        if s is not None and (m := _DERIVED.search(s.name)):
            ids.append(int(m.group(1)))
        ids = [i for i in ids if i in self.rank]
        if ids:
            return max(ids, key=self.rank.__getitem__)
        return self.p.graph.eqns[-1].out.id if self.p.graph.eqns else None

    def _at(self, eqn_id):
        origins = self.glob["E"]
        eqn = FROM_VALUES if eqn_id is None else self.eqn[eqn_id].origin
        if not any(e is eqn for e in origins):
            origins.append(eqn)
        self.origin = next(k for k, e in enumerate(origins) if e is eqn)

    def _held(self, op, args, params, k) -> str:
        """Element k of `op` (a user's rule op: Program.held) bound on its arguments rebuilt from their elements,
        the op's output computed once per equation: an outer derivative meets the op, and so the user's rule."""
        key = id(args)  # (one list per equation, kept alive by Program.held)
        if key not in self.ops:
            arrays = [f"_a([{', '.join(self._emit(x) for x in a.flat)}], {tuple(a.shape)!r})" for a in args]
            name = f"t{len(self.lines)}"
            self.lines.append(f"{name} = {self._call(functools.partial(op.bind, **params), arrays)}")
            self.lines.append(f"{name} = _a([{name}], (-1,))")  # (flat: element k of any shape)
            self.ops[key] = name
        name = f"t{len(self.lines)}"
        self.lines.append(f"{name} = {self.ops[key]}[{k}]")
        return name

    def _emit(self, e) -> str:
        """The name or literal holding `e`, writing the lines that compute it."""
        sp = self.sp
        if not isinstance(e, sp.Basic):  # a Python number among the expressions
            return _literal(float(e))
        if e in self.names:
            return self.names[e]
        if isinstance(e, sp.Symbol):
            raise NotDifferentiableError(f"the symbolic method's traced code met an unknown symbol {e}")
        if e.is_Number or isinstance(e, sp.NumberSymbol):
            return _literal(float(e))
        if e in (sp.true, sp.false):
            return repr(bool(e))
        code = self._node(sp, e)
        name = f"t{len(self.lines)}"
        self.lines.append(f"{name} = {code}")
        self.names[e] = name
        return name

    def _node(self, sp, e) -> str:
        hit = self.ns.find(e)
        if hit is not None:
            op, args = hit
            return self._call(op, [self._emit(a) for a in args])
        if isinstance(e, (sp.Add, sp.Mul, sp.Pow)):  # the traced values' +, * and **
            return self._call(
                (_sum, _product, operator.pow)[[sp.Add, sp.Mul, sp.Pow].index(e.func)], [self._emit(a) for a in e.args]
            )
        if isinstance(e, (sp.Piecewise, sp.And, sp.Or, sp.Not, sp.ITE)):
            return self._selection(sp, e)
        raise NotDifferentiableError(
            f"the symbolic method's derivative holds SymPy's {type(e).__name__}, which no difflab op "
            "translates to; use 'forward' or 'reverse' as the inner method"
        )

    def _selection(self, sp, e) -> str:
        """Piecewise, And, Or, Not and ITE written with the selecting op: where(c, a, b)."""
        if self.ns.select is None:
            raise NotDifferentiableError("no registry op translates to a SymPy Piecewise")
        op, order = self.ns.select

        def select(c, a, b):
            args = [None] * 3
            for pos, k in enumerate(order):
                args[k] = (c, a, b)[pos]
            return self._call(op, args)

        if isinstance(e, sp.Not):
            return select(self._emit(e.args[0]), "False", "True")
        if isinstance(e, sp.ITE):  # SymPy's boolean if-then-else, which its logic simplification writes for And(...)
            return select(*(self._emit(a) for a in e.args))
        if not isinstance(e, sp.Piecewise):  # And(c1, c2, ...): c1 and the rest; Or: c1 or the rest
            first, rest = e.args[0], e.func(*e.args[1:])
            pick = (self._emit(rest), "False") if isinstance(e, sp.And) else ("True", self._emit(rest))
            return select(self._emit(first), *pick)
        code = None
        for piece in reversed(e.args):
            if code is None and piece.cond == sp.true:
                code = self._emit(piece.expr)
                continue
            code = select(self._emit(piece.cond), self._emit(piece.expr), code or "_nan")
            name = f"t{len(self.lines)}"
            self.lines.append(f"{name} = {code}")
            code = name
        return code if code is not None else "_nan"  # a Piecewise with no pieces is nowhere defined

    def _call(self, fn, args) -> str:
        """`fn(*args)` guarded on behalf of the current user's equation (graph.guarded)."""
        fns = self.glob["F"]
        if not any(f is fn for f in fns):
            fns.append(fn)
        k = next(k for k, f in enumerate(fns) if f is fn)
        return f"_g(E[{self.origin}], F[{k}], {', '.join(args)})"


def _array(xs, shape):
    """Elements (traced values or numbers) as one array of `shape` (traced when one of them is)."""
    if len(xs) == 1 and not shape:
        return xs[0]
    if len(xs) == 1 and shape == (-1,):
        return dnp.reshape(xs[0], (-1,))
    return dnp.reshape(dnp.stack(list(xs)), shape)


def _sum(*xs):
    return functools.reduce(operator.add, xs)


def _product(*xs):
    return functools.reduce(operator.mul, xs)


def _literal(x: float) -> str:
    if math.isnan(x):
        return "_nan"
    if math.isinf(x):
        return "_inf" if x > 0 else "(-_inf)"
    return repr(x) if x >= 0 else f"({x!r})"  # (-2.0) ** t, not -(2.0 ** t)
