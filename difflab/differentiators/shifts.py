"""Values whose adjoint is zero by the function's structure: shifts that cannot change f, such as
log-sum-exp's max-shift in `z - max(z)` (issue 17 §2). The matrix-level gradient (matrix.py)
skips their adjoints; no op is named here, the rules come from the registry.

How it works. Perturb one value m by δ, an arbitrary array of m's shape, and follow the tangent
forward without evaluating anything: every value downstream has the tangent δ (broadcast) times
T, a SymPy expression in that element's own values (one symbol per value). Elementwise ops give
T_out = Σ_k ∂_k(out, args) T_k, their registry partials evaluated on the symbols; a linear
reduction (the registry's `index`) along axes where δ is constant maps a constant T = c to c·n
and T = c·arg to c·out; an op that commutes with such a shift (the registry's `shift`: max and
logsumexp are equivariant, f(x + c) = f(x) + c; log_softmax invariant, f(x + c) = f(x)) maps a
constant T to itself or to 0. Anything else (a matmul, another axis, a partial that does not run
on symbols) makes no claim. If f's output ends with no tangent, ∂f/∂m = 0 for every δ. For
log-softmax cross-entropy written out, with m = max(z, axis=1, keepdims=True):

    s = z - m        T = -1                      (sub's partial -1)
    e = exp(s)       T = -e                      (exp's partial: its output)
    S = Σ₁ e         T = -S                      (a sum of c·arg along δ's constant axis)
    L = log(S)       T = (1/S)·(-S) = -1         (log's partial 1/S)
    logp = s - L     T = -1 - (-1) = 0           no tangent: Y·logp, its sum and the loss neither
"""

from __future__ import annotations

import math
import random

import numpy as np

from ..graph import Const, Var
from ..ops.nonzero import surely_nonzero

__all__ = ["shift_free"]

#: values a shift may move before the search gives up on it (a shift cancels within a few equations:
#: log-sum-exp's within five); keeps the first call's work linear in the graph for long chains
MOVED_MAX = 32


def shift_free(graph, active: set) -> set:
    """The values in `active` (neither an input nor the output) on which `graph`'s one output does
    not depend: each has a size-1 axis or none, and shifting it by any δ leaves the output unchanged.

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> def lse(z):
    ...     s = z - dnp.max(z, axis=1, keepdims=True)
    ...     return dnp.sum(s - dnp.log(dnp.sum(dnp.exp(s), axis=1, keepdims=True)))
    >>> g = dl.trace(lse, np.ones((2, 3)))
    >>> from difflab.graph import active
    >>> [e.op.name for e in g.eqns if e.out in shift_free(g, active(g, g.inputs))]
    ['max']
    """
    y = graph.outputs[0]
    if type(y) is not Var:
        return set()
    inputs, found = set(graph.inputs), set()
    for start, eqn in enumerate(graph.eqns):
        m = eqn.out
        if m in active and m is not y and m not in inputs and (not m.shape or 1 in m.shape):
            if not _moves(graph, start + 1, m, y) and _unchanged(graph, start + 1, m, y):
                found.add(m)
    return found


def _moves(graph, start: int, m: Var, y: Var) -> bool:
    """Whether `_unchanged` surely answers False, by the same walk on floats: each value a random float
    in place of its symbol (independent, as the symbols are), so a tangent clearly nonzero there is not
    identically zero and needs no SymPy proof (`is_zero` on growing expressions made the symbolic walk
    most of the matrix-level gradient's cost on scalar recursions). False: no answer (a tangent near 0,
    a cancellation to prove; an op not elementwise; a partial that does not run): the symbols decide."""
    rng, values = random.Random(len(graph.eqns)), {}

    def value(a):
        if type(a) is Const and np.ndim(a.value) == 0:
            return float(a.value)
        key = a if type(a) is Var else id(a.value)
        return values.setdefault(key, rng.uniform(0.25, 0.75))

    tangents = {m: 1.0}
    for eqn in graph.eqns[start:]:
        ts = [tangents.get(a) if type(a) is Var else None for a in eqn.args]
        if all(t is None for t in ts):
            continue
        op = eqn.op
        if eqn.out.dtype.kind != "f" or not op.differentiable:
            return True
        if not (op.elementwise and op.float_partials):
            return False
        if not op.analytic:
            return True  # (_through's None: no claim)
        try:
            terms = [
                p(value(eqn.out), *map(value, eqn.args), **eqn.kw) * t
                for (p, _), t in zip(op.float_partials, ts)
                if t is not None and p is not None
            ]
            t, size = float(sum(terms)), float(sum(abs(u) for u in terms))
        except Exception:  # (a partial that does not run on these floats: the symbols decide)
            return False
        if not (math.isfinite(size) and abs(t) > 1e-6 * size):
            return False
        if _constant_axes(eqn.out.shape, m.shape) is None or eqn.out is y or len(tangents) >= MOVED_MAX:
            return True
        tangents[eqn.out] = t
    return False


def _unchanged(graph, start: int, m: Var, y: Var) -> bool:
    """Whether y's tangent is structurally zero when only m moves (False: not, or no claim)."""
    import sympy as sp

    tangents = {m: sp.Integer(1)}
    symbols: dict = {}
    for eqn in graph.eqns[start:]:
        ts = [tangents.get(a) if type(a) is Var else None for a in eqn.args]
        if all(t is None for t in ts):
            continue
        if eqn.out.dtype.kind != "f" or not eqn.op.differentiable:
            return False
        t = _through(eqn, ts, m, symbols)
        if t is None:
            return False
        t = t if isinstance(t, sp.Basic) else sp.Integer(t) if isinstance(t, int) else sp.Float(t)
        if surely_nonzero(t) or not t.is_zero:  # (None: not known to be zero; the probe: no need to ask)
            if _constant_axes(eqn.out.shape, m.shape) is None:  # δ must broadcast onto it as onto m
                return False
            if eqn.out is y or len(tangents) >= MOVED_MAX:  # it reaches f; or it spreads: no claim (bounded work)
                return False
            tangents[eqn.out] = t
    return y not in tangents


def _constant_axes(shape: tuple, m_shape: tuple) -> set | None:
    """The axes of a value of `shape` along which δ (of m's shape, broadcast) is constant; None
    when δ does not broadcast onto it (a lower rank, or a size that differs)."""
    off = len(shape) - len(m_shape)
    if off < 0:
        return None
    axes = set(range(off))
    for i, d in enumerate(m_shape):
        if d == 1:
            axes.add(off + i)
        elif shape[off + i] != d:
            return None
    return axes


def _symbol(a, symbols: dict):
    """A value's symbol (a Python number for a scalar constant)."""
    if type(a) is Const and np.ndim(a.value) == 0:
        return float(a.value)
    key = a if type(a) is Var else id(a.value)
    if key not in symbols:
        import sympy as sp

        symbols[key] = sp.Symbol(f"v{len(symbols)}")
    return symbols[key]


def _through(eqn, ts: list, m: Var, symbols: dict):
    """The output's T from the arguments' (an entry None: no tangent), by the registry's rules; None
    when they make no claim."""
    op, kw = eqn.op, eqn.kw
    if op.elementwise and op.float_partials:
        if not op.analytic:  # a partial that branches on values (where, maximum) cannot be read on symbols
            return None
        out, args = _symbol(eqn.out, symbols), [_symbol(a, symbols) for a in eqn.args]
        total = 0
        for (partial, _), t in zip(op.float_partials, ts):
            if t is not None and partial is not None:
                try:
                    total = total + partial(out, *args, **kw) * t
                except Exception:  # a partial that does not run on symbols (a branch on values): no claim
                    return None
        return total
    if len(eqn.args) != 1 or type(eqn.args[0]) is not Var:
        return None
    (x,), (t,) = eqn.args, ts
    axes = _constant_axes(x.shape, m.shape)
    if axes is None or len(eqn.out.shape) != len(x.shape):  # the kept axes must stay where δ's are
        return None
    if op.shift is not None:  # commutes with a shift along the axes it reduces (registry)
        kind, reduced = op.shift
        if not t.is_number or not {a % max(len(x.shape), 1) for a in reduced(x.shape, **kw)} <= axes:
            return None
        return t if kind == "equivariant" else 0
    spec = op.index([x.shape], **kw) if op.index is not None else None
    if spec is None:
        return None
    subscripts, scale = spec
    ins, outs = subscripts.split("->")
    reduced = [i for i, lab in enumerate(ins) if lab not in outs]
    kept_in_order = "".join(lab for lab in ins if lab in outs) == outs
    if not kept_in_order or not set(reduced) <= axes:
        return None
    if t.is_number:  # each output entry sums n entries shifted alike
        return t * scale * math.prod(x.shape[i] for i in reduced)
    ratio = t / _symbol(x, symbols)
    if ratio.is_number:  # T = c·x: the sum of c·δ·x is c·δ·out
        return ratio * _symbol(eqn.out, symbols)
    return None
