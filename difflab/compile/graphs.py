"""Graphs lowered to straight-line NumPy: one call a line, dead values freed, buffers reused.

`lower(graph)` is the compiled twin of `graph.evaluate` (and, with `batched` flags, of
`graph.evaluate_batched`): the same values, the same cost charged, no interpretation per call.
"""

from __future__ import annotations

import builtins  # this package is named `compile`; the generated source needs Python's
from typing import Any

import numpy as np

from ..graph import Const, Graph, Var, charge, elements, prune

__all__ = ["lower"]


def _fresh(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def lower(graph: Graph, batched: tuple | None = None, reuse: bool = True, charged: bool = True):
    """A graph as a plain Python function: one NumPy call a line, no interpretation.

    The generated source binds each op's implementation and each constant as a global, deletes
    every intermediate after its last use (so peak memory matches hand-written code), lets an
    elementwise op write into a dead intermediate of its shape and dtype (`reuse`; the code then
    expects the traced dtypes) and charges the equations it executes (and their elements) to the
    costs being charged (`graph.charge`; not with `charged=False`: the symbolic method's closed-form
    derivative is no tape). `fn.source` holds the code, `fn.eqns` and `fn.elements`
    the work of one call. With `batched` (one flag per input) the function computes what
    `evaluate_batched` does: the ops that see a batched value run by their batching rule, with
    the flags fixed in the code; a ufunc called as it is (every batched argument of the output's
    rank) may write into a dead value of its own batchedness, shape and dtype.

    >>> import difflab as dl
    >>> fn = lower(dl.trace(lambda x, y: x * y + 1.0, 2.0, 3.0))
    >>> [float(y) for y in fn(2.0, 5.0)]
    [11.0]
    """
    graph = prune(graph)
    code = _Source(graph, batched, reuse)
    for i, eqn in enumerate(graph.eqns):
        code.equation(i, eqn)
    n_eqns, n_elements = len(graph.eqns), elements(graph)
    code.finish(n_eqns, n_elements, charged)
    source = "\n".join(code.lines)
    exec(builtins.compile(source, "<difflab compiled graph>", "exec"), code.env)
    fn = code.env["compiled"]
    fn.source, fn.graph, fn.eqns, fn.elements = source, graph, n_eqns, n_elements
    return fn


class _Source:
    """The lines of `lower`'s function and the globals they name, built one equation at a time."""

    def __init__(self, graph: Graph, batched: tuple | None, reuse: bool):
        self.graph, self.batched, self.reuse = graph, batched, reuse
        self.names = {v: f"v{v.id}" for v in graph.inputs}
        self.env: dict[str, Any] = {"_charge": charge, "_broadcast_to": np.broadcast_to, "_shape": np.shape}
        self.hot = {v for v, b in zip(graph.inputs, batched or ()) if b}  # the values that carry the batch axis
        self.consts: dict[int, str] = {}
        self.last_use: dict[Var, int] = {}
        for i, eqn in enumerate(graph.eqns):
            for a in eqn.args:
                if isinstance(a, Var):
                    self.last_use[a] = i
        self.outputs = {v for v in graph.outputs if isinstance(v, Var)}
        # A ufunc's array result is a fresh buffer; if only ufuncs read it (so no view of it can exist),
        # a later ufunc of the same shape and dtype may write into it once it is dead: fewer allocations.
        self.ufunc = {e.out: isinstance(e.op.impl, np.ufunc) and not e.params for e in graph.eqns}
        self.viewed = {a for e in graph.eqns if not self.ufunc[e.out] for a in e.args if isinstance(a, Var)}
        self.lines = [f"def compiled({', '.join(self.names[v] for v in graph.inputs)}):"]
        if self.hot:
            self.lines.append(f"    _size = len({self.names[next(v for v in graph.inputs if v in self.hot)]})")

    def atom(self, a) -> str:
        """A variable's name, or the global holding a constant (one per distinct value object)."""
        if isinstance(a, Var):
            return self.names[a]
        key = id(a.value)
        if key not in self.consts:
            self.consts[key] = f"c{len(self.consts)}"
            self.env[self.consts[key]] = a.value
        return self.consts[key]

    def equation(self, i: int, eqn):
        """`v = op(args, params)` for equation i, then `del` of the values it read for the last time."""
        flags = tuple(isinstance(a, Var) and a in self.hot for a in eqn.args)
        if any(flags):  # the rule, specialised to this equation's flags and ranks
            fn = f"op_{eqn.op.name}_{i}"
            self.env[fn] = eqn.op.batched_for(
                flags, [a.ndim if isinstance(a, Var) else np.ndim(a.value) for a in eqn.args]
            )
            self.hot.add(eqn.out)
        else:
            fn = f"op_{eqn.op.name}"
            self.env[fn] = eqn.op.impl
        args = [self.atom(a) for a in eqn.args]
        for k, value in eqn.params:
            pname = f"p{len(self.env)}"
            self.env[pname] = value
            args.append(f"{k}={pname}")
        spare = self.spare(i, eqn, fn)
        if spare is not None:
            args.append(f"out={self.names[spare]}")
        self.names[eqn.out] = f"v{eqn.out.id}"
        self.lines.append(f"    {self.names[eqn.out]} = {fn}({', '.join(args)})")
        dead = sorted(
            {self.names[a] for a in eqn.args if isinstance(a, Var) and self.last_use[a] == i and a not in self.outputs}
        )
        if dead:
            self.lines.append(f"    del {', '.join(dead)}")

    def spare(self, i: int, eqn, fn: str) -> Var | None:
        """A dead ufunc result that equation i (a ufunc called as it is, not matmul) may write into.

        Batched, a batching rule's result is fresh too, and a value's real shape is (size,) + its
        shape if it carries the batch axis: a buffer fits when both or neither carry it."""
        if not (
            self.reuse
            and self.ufunc[eqn.out]
            and eqn.out.shape
            and eqn.op.impl.signature is None
            and self.env[fn] is eqn.op.impl
        ):
            return None
        for a in eqn.args:
            if (
                isinstance(a, Var)
                and self.ufunc.get(a)
                and a not in self.viewed
                and self.last_use[a] == i
                and a not in self.outputs
                and (a.shape, a.dtype) == (eqn.out.shape, eqn.out.dtype)
                and (a in self.hot) == (eqn.out in self.hot)
            ):
                return a
        return None

    def finish(self, n_eqns: int, n_elements: int, charged: bool = True):
        """The cost charged per call and the return line."""
        hot, graph = self.hot, self.graph
        if charged:
            self.lines.append(
                f"    _charge({n_eqns}, {n_elements})"
                if not hot
                else f"    _charge({n_eqns} * _size, {n_elements} * _size)"
            )
        # a constant array or an input handed out as a result would let the caller change the graph
        # (or their own input) through it: those results are copies
        inputs = set(graph.inputs)
        outs = [
            f"_fresh({self.atom(v) if isinstance(v, Const) else self.names[v]})"
            if (isinstance(v, Const) and isinstance(v.value, np.ndarray)) or v in inputs
            else (self.atom(v) if isinstance(v, Const) else self.names[v])
            for v in graph.outputs
        ]
        self.env["_fresh"] = _fresh
        if self.batched is not None:  # every output carries the batch axis
            outs = [
                o if isinstance(v, Var) and v in hot else f"_broadcast_to({o}, (_size,) + _shape({o}))"
                for o, v in zip(outs, graph.outputs)
            ]
        self.lines.append(f"    return ({''.join(o + ', ' for o in outs)})")
