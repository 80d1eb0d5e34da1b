"""The Python-float path of the reverse sweep: scalar graphs (micrograd-style code) swept on floats.

An elementwise equation whose values are all Python floats applies its registry partials directly,
ū·∂ (and, for partials marked strong, 0 where ū or ∂ is 0, as strong_mul does) — what its generic
VJP rule computes through Op.bind, without building NumPy scalars or binding ops. Every other
equation (not elementwise, a non-float value or cotangent, a partial that raises or is not a
float) goes through the interpreter's own step, passed in as `pull`: the same numbers either way
(tests/test_float_paths.py compares them bit for bit).
"""
from __future__ import annotations

import numpy as np

from ..graph import Var
from ..trace import gc_paused

__all__ = ["backward_floats", "float_seeds", "is_zero"]


def backward_floats(graph, env: dict, wrt: tuple, cts: dict, active: set, pull) -> list:
    """`reverse.backward` on floats: cotangents `cts` of outputs → cotangents of inputs `wrt`.
    `active` are the values needing cotangents; `pull(eqn, ct, env, active, cts)` is the
    interpreter's generic step for an equation this path does not take. A binary equation (most of
    micrograd-style code) is written out: no list, tuple or call but the registry partials."""
    eqns = graph.eqns
    pop, get = cts.pop, cts.get
    with gc_paused():  # the sweep allocates while the whole tape is alive (see trace.gc_paused)
        for k in range(len(eqns) - 1, -1, -1):
            eqn = eqns[k]
            out, op, args, params = eqn
            ct = pop(out, None)
            if ct is None or out not in active:
                continue
            if type(ct) is not float:
                if not is_zero(ct):
                    pull(eqn, ct, env, active, cts)
                continue
            if ct == 0.0:
                continue  # a zero cotangent contributes zero (as in the interpreter)
            partials = op.float_partials
            y = env[out]
            if not partials or params or type(y) is not float:
                pull(eqn, ct, env, active, cts)
                continue
            if len(args) == 2:
                a, b = args
                x0 = env[a] if type(a) is Var else a.value
                x1 = env[b] if type(b) is Var else b.value
                if type(x0) is float and type(x1) is float:  # (a Const is never in `active`)
                    (p0, s0), (p1, s1) = partials
                    try:
                        d0 = p0(y, x0, x1) if p0 is not None and a in active else None
                        d1 = p1(y, x0, x1) if p1 is not None and b in active else None
                    except ArithmeticError:  # the generic rules decide (and name the equation)
                        d0 = d1 = _UNSET
                    if (d0 is None or type(d0) is float) and (d1 is None or type(d1) is float):
                        if d0 is not None:  # strong: 0 where the partial is 0, an infinite ū too
                            c = 0.0 if s0 and d0 == 0.0 else ct * d0
                            prev = get(a)
                            cts[a] = c if prev is None else prev + c
                        if d1 is not None:
                            c = 0.0 if s1 and d1 == 0.0 else ct * d1
                            prev = get(b)
                            cts[b] = c if prev is None else prev + c
                        continue
            else:
                found = _apply(partials, args, env, active, ct, y)
                if found is not None:
                    for a, c in found:
                        prev = get(a)
                        cts[a] = c if prev is None else prev + c
                    continue
            pull(eqn, ct, env, active, cts)
    return [cts[v] if v in cts else np.zeros(v.shape) for v in (graph.inputs[i] for i in wrt)]


_UNSET = object()  # a partial that raised: not a float, so the equation goes to the generic rules


def float_seeds(outputs, env: dict, u, cts: dict):
    """The seeds `cts` as Python floats when every output is a scalar float (of a graph of Python
    floats, maybe) and `u` is computed, not traced; else None (the float path does not apply)."""
    if isinstance(u, np.ndarray) and all([type(o) is Var and type(env.get(o)) in (float, np.float64) for o in outputs]):
        return {o: float(s) for o, s in cts.items()}
    return None


def _apply(partials, args, env, active, ct, y):
    """[(argument, ū·∂)] for one equation on floats, or None when this path cannot take it."""
    vals = [env[a] if type(a) is Var else a.value for a in args]
    found = []
    try:
        for a, v, (partial, strong) in zip(args, vals, partials):
            if type(v) is not float:
                return None
            if partial is None or a not in active:  # (a Const is never in `active`)
                continue
            if strong and ct == 0.0:  # a strong zero: 0 whatever the partial (∞ included)
                found.append((a, 0.0))
                continue
            d = partial(y, *vals)
            if type(d) is not float:
                return None
            found.append((a, 0.0 if strong and d == 0.0 else ct * d))
    except ArithmeticError:
        return None
    return found


def is_zero(ct) -> bool:
    """Whether a computed (untraced) cotangent is exactly zero everywhere: it contributes zero, even
    through an equation whose values are NaN (every VJP rule is linear in its cotangent)."""
    return ct == 0.0 if type(ct) is float else isinstance(ct, np.ndarray) and not ct.any()
