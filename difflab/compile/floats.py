"""The Python-float path of the reverse sweep: scalar graphs (micrograd-style code) swept on floats.

An elementwise equation whose values are all Python floats applies its registry partials directly,
ū·∂ (and, for partials marked strong, 0 where ū or ∂ is 0, as strong_mul does) — what its generic
VJP rule computes through Op.bind, without building NumPy scalars or binding ops. Every other
equation (not elementwise, a non-float value or cotangent, a partial that raises or is not a
float) goes through the interpreter's own step, passed in as `pull`: the same numbers either way
(tests/test_float_paths.py compares them bit for bit).
"""
from __future__ import annotations

import weakref

import numpy as np

from ..graph import Var

__all__ = ["backward_floats", "float_seeds", "is_zero"]


def backward_floats(graph, env: dict, wrt: tuple, cts: dict, active: set, pull) -> list:
    """`reverse.backward` on floats: cotangents `cts` of outputs → cotangents of inputs `wrt`.
    `active` are the values needing cotangents; `pull(eqn, ct, env, active, cts)` is the
    interpreter's generic step for an equation this path does not take."""
    eqns = graph.eqns
    pop, get = cts.pop, cts.get
    for k in range(len(eqns) - 1, -1, -1):
        out, op, args, params, _source = eqns[k]
        ct = pop(out, None)
        if ct is None or out not in active or is_zero(ct):
            continue  # a zero cotangent contributes zero (as in the interpreter)
        partials = _PARTIALS.get(op)
        if partials is None:
            partials = _PARTIALS[op] = _float_partials(op)
        y = env[out]
        if params or not partials or type(ct) is not float or type(y) is not float:
            pull(eqns[k], ct, env, active, cts)
            continue
        found = _apply(partials, args, env, active, ct, y)
        if found is None:  # the generic rules decide (and name the equation in a DomainWarning)
            pull(eqns[k], ct, env, active, cts)
            continue
        for a, c in found:
            prev = get(a)
            cts[a] = c if prev is None else prev + c
    return [cts[v] if v in cts else np.zeros(v.shape) for v in (graph.inputs[i] for i in wrt)]


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


# op -> ((partial, strong) per argument), or () when the op has no partials; weak, so a user's
# rule op is not kept alive by having been swept once
_PARTIALS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _float_partials(op):
    """An elementwise op's partials, read off its VJP rules (ops.core._scaled tags them)."""
    if not (op.elementwise and op.differentiable and op.nargs is not None):
        return ()
    rules = [(getattr(r, "partial", None), getattr(r, "strong", False)) if r is not None else (None, False)
             for r in op.vjp]
    if all(p is not None for (p, _), r in zip(rules, op.vjp) if r is not None):
        return tuple(rules)
    return ()


def is_zero(ct) -> bool:
    """Whether a computed (untraced) cotangent is exactly zero everywhere: it contributes zero, even
    through an equation whose values are NaN (every VJP rule is linear in its cotangent)."""
    return ct == 0.0 if type(ct) is float else isinstance(ct, np.ndarray) and not ct.any()
