"""The symbolic method on a graph with complex outputs: the graph of their real and imaginary parts.

The symbolic method's code runs on floats, so every value it names is real (a complex value inside the
graph is named as its two parts, program.py). A complex output y is differentiated as the two real
outputs Re y, Im y of a traced copy of the graph, and its Jacobian rows put back as
∂Re y/∂x + i·∂Im y/∂x: the complex Jacobian that forward and reverse give (ops/complexes.py's
convention). J v and uᵀJ are the parts graph's own products, one derivative each (directional.py), not
its Jacobian's m rows (a reverse sweep per real output: autograd's first-order check of a 5×8×8 complex
eig, 400 sweeps over the decompositions' opaque entries): J v = (J v)_Re + i (J v)_Im per complex output,
and Re(uᵀJ) for a complex cotangent u (a real input's cotangent is real), as reverse's pullback computes it,
is the parts' pullback of (Re u, −Im u).
"""

from __future__ import annotations

import math

import numpy as np

from .. import numpy as dnp
from ..graph import Graph, Var, evaluate
from ..ops.complexes import imag_part, is_complex, real_part
from ..trace import outputs_of, trace_flat
from .base import Prepared, _traced

__all__ = ["ComplexOutputs", "complex_outputs"]


def complex_outputs(graph) -> bool:
    """Whether some output of `graph` is complex."""
    return any(isinstance(o, Var) and o.dtype.kind == "c" for o in graph.outputs)


def _parts_graph(graph):
    """`graph` with each complex output replaced by its real and imaginary parts (two real outputs)."""
    if any(e.op.value_dtype for e in graph.eqns):
        return _parts_appended(graph)

    def parts(*xs):
        found = []
        for y in evaluate(graph, *xs):
            found += [real_part(y), imag_part(y)] if is_complex(y) else [y]
        return found

    t, tracers, outs = trace_flat(parts, [np.zeros(v.shape, v.dtype) for v in graph.inputs])
    return outputs_of(t, tracers, outs)


def _parts_appended(graph):
    """The same, with the parts' equations (traced on their own) appended to the graph's: an op whose result's dtype
    the values pick (sqrtm: a real A's complex root) keeps its traced dtype, which a trace at zeros would lose
    (sqrt of a zero matrix is real)."""
    next_id = 1 + max([v.id for v in graph.inputs] + [e.out.id for e in graph.eqns], default=-1)
    eqns, outs = list(graph.eqns), []
    for y in graph.outputs:
        if not (isinstance(y, Var) and y.dtype.kind == "c"):
            outs.append(y)
            continue
        t, tracers, found = trace_flat(lambda z: [real_part(z), imag_part(z)], [np.zeros(y.shape, y.dtype)])
        parts = outputs_of(t, tracers, found)
        renamed = {parts.inputs[0]: y}
        for e in parts.eqns:
            renamed[e.out] = Var(next_id, e.out.shape, e.out.dtype)
            next_id += 1
            eqns.append(
                e._replace(
                    out=renamed[e.out], args=tuple(renamed.get(a, a) if isinstance(a, Var) else a for a in e.args)
                )
            )
        outs += [renamed.get(o, o) if isinstance(o, Var) else o for o in parts.outputs]
    return Graph(graph.inputs, tuple(eqns), tuple(outs), graph.specialised)


class ComplexOutputs(Prepared):
    """A symbolic prepared object for a graph with complex outputs: its Jacobian (native) from the
    prepared graph of their parts (`inner`), complex rows where the output is complex."""

    def __init__(self, method, graph, wrt, batch_inputs=()):
        super().__init__(method, graph, wrt)
        self.inner = method.prepare(_parts_graph(graph), wrt, batch_inputs)
        self.batch_inputs = self.inner.batch_inputs

    def value(self, args):
        return list(evaluate(self.graph, *args))

    def _layout(self):
        """[(shape, complex?)] per output of the graph, in order (a complex one is two outputs of `inner`)."""
        return [(s, isinstance(y, Var) and y.dtype.kind == "c") for y, s in zip(self.graph.outputs, self.out_shapes)]

    def _joined(self, outs):
        """The graph's outputs from `inner`'s (a complex one from its two parts)."""
        values, j = [], 0
        for _, cplx in self._layout():
            values.append(outs[j] + 1j * outs[j + 1] if cplx else outs[j])
            j += 2 if cplx else 1
        return values

    def jvp(self, args, v):
        outs, jv = self.inner.jvp(args, v)
        pieces, k = [], 0
        for shape, cplx in self._layout():
            size = math.prod(shape)
            pieces.append(
                jv[k : k + size] + 1j * jv[k + size : k + 2 * size] if cplx else jv[k : k + size] * (1.0 + 0j)
            )
            k += 2 * size if cplx else size
        if not _traced([jv]):
            return self._joined(outs), np.concatenate(pieces) if pieces else np.zeros(0, dtype=complex)
        return self._joined(outs), dnp.concatenate(pieces)

    def vjp(self, args):
        outs, pullback = self.inner.vjp(args)

        def back(u):
            plain, cplx_u = not _traced([u]), is_complex(u)
            re = u if not cplx_u else np.real(u) if plain else real_part(u)
            im = None if not cplx_u else np.imag(u) if plain else imag_part(u)
            pieces, k = [], 0
            for shape, cplx in self._layout():
                size = math.prod(shape)
                pieces.append(re[k : k + size])
                if cplx:  # Re(u·(J_Re + i J_Im)) = Re u·J_Re − Im u·J_Im
                    pieces.append(-im[k : k + size] if im is not None else np.zeros(size))
                k += size
            return pullback(np.concatenate(pieces) if plain else dnp.concatenate(pieces))

        return self._joined(outs), back

    def _jacobian(self, args):
        outs, jac = self.inner.jacobian(args)
        values, rows, k, j = [], [], 0, 0
        for y, shape in zip(self.graph.outputs, self.out_shapes):
            size = math.prod(shape)
            if isinstance(y, Var) and y.dtype.kind == "c":
                values.append(outs[j] + 1j * outs[j + 1])
                rows.append(jac[k : k + size] + 1j * jac[k + size : k + 2 * size])
                k, j = k + 2 * size, j + 2
            else:
                values.append(outs[j])
                rows.append(jac[k : k + size] * (1.0 + 0j))
                k, j = k + size, j + 1
        if not _traced([jac]):
            return values, np.concatenate(rows) if rows else np.zeros((0, self.n), dtype=complex)
        return values, dnp.concatenate(rows)
