"""The one reference-derivative policy: what `compare`, the gradient oracle and the experiments
judge every method against.

How it works. A reference is exact: the symbolic derivative of the traced graph evaluated in
40-digit arithmetic (then rounded to float64) when that is affordable — at most
EXACT_MAX_ENTRIES derivative entries and EXACT_MAX_SCALARS scalar operations on the tape, since
SymPy's cost grows with both — and reverse-mode AD of the same graph otherwise (exact up to
float64 rounding). `how="symbolic"` insists on the 40-digit value whatever the size (the
experiments do), `how="reverse"` skips it. E.g. f(x) = x³ at 2 has 1 entry and 2 scalar
operations: symbolic, 12 exactly. Where f's value is NaN (a point outside an op's domain) the
reference is NaN too, as every method's derivative is. This module sits below the API (it reads the trace and the
differentiators only), so every layer above can use it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from . import tree
from .graph import Graph, evaluate
from .trace import trace

__all__ = [
    "reference",
    "graph_reference",
    "exact_reference",
    "Reference",
    "HOWS",
    "EXACT_MAX_ENTRIES",
    "EXACT_MAX_SCALARS",
]

HOWS = ("auto", "symbolic", "reverse")
EXACT_MAX_ENTRIES = 64  # symbolic 40-digit references up to this many derivative entries
EXACT_MAX_SCALARS = 32  # ... and this many scalar operations on the tape (else AD: SymPy's diff is slow)
SYMBOLIC = "symbolic, 40 digits"
REVERSE = "reverse mode"


@dataclass(frozen=True)
class Reference:
    """A reference derivative: `value` (m, n) for a Jacobian of m flat outputs by n flat inputs
    ((n, n) for a Hessian), `how` it was computed (SYMBOLIC or REVERSE) and whether it is the
    40-digit value (`exact`)."""

    value: np.ndarray
    how: str
    exact: bool


def _check_how(how):
    if how not in HOWS:
        raise ValueError(f"unknown reference {how!r}; choose one of {', '.join(map(repr, HOWS))}")


def exact_reference(
    graph: Graph, wrt, inputs, kind: str = "jacobian", how: str = "auto", entries: float | None = None
) -> Reference | None:
    """The 40-digit symbolic derivative of `graph` with respect to inputs `wrt` at `inputs`, when
    the policy takes it (see the module docstring), else None. kind "jacobian" or "hessian";
    `entries` (default: the Jacobian's m·n) is the size of what the caller will compare. A symbolic
    failure is None under "auto" (the caller falls back to AD) and raised under "symbolic".

    >>> import difflab as dl
    >>> g = dl.trace(lambda x: x ** 3, 2.0)
    >>> exact_reference(g, (0,), [2.0]).value
    array([[12.]])
    """
    _check_how(how)
    if how == "reverse":
        return None
    from .differentiators.symbolic import Symbolic

    m = sum(math.prod(np.shape(o.value) if not hasattr(o, "shape") else o.shape) for o in graph.outputs)
    n = sum(math.prod(graph.inputs[i].shape) for i in wrt)
    entries = m * n if entries is None else entries
    scalars = sum(math.prod(e.out.shape) for e in graph.eqns)
    if how == "auto" and not (entries <= EXACT_MAX_ENTRIES and scalars <= EXACT_MAX_SCALARS):
        return None
    try:
        value = Symbolic().prepare(graph, tuple(wrt)).exact(inputs, kind=kind)
    except Exception:  # symbolic may not apply (nested traces, huge expressions): AD is exact too
        if how == "symbolic":
            raise
        return None
    value = _undefined_where_f_is_nan(graph, wrt, inputs, value.reshape(n if kind == "hessian" else m, n), kind)
    return Reference(value, SYMBOLIC, True)


def _undefined_where_f_is_nan(graph: Graph, wrt, inputs, value, kind, outs=None):
    """`value` with NaN where f's float64 value is NaN (a point outside an op's domain), as every method answers
    there (DESIGN.md §6): SymPy's formula reads no value of f, so d log(x)/dx = 1/x was -1 at x = -1 (and a bare
    reverse sweep has no operator's guard: max(log(x), x) at -1 was 0). A Hessian
    of a NaN f is NaN; a Jacobian's rows of NaN outputs are. An overflowed f (inf) keeps its exact derivative
    (the explorer names it beside the methods' NaN), and so does a NaN value that f does not use (where's other branch)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # (the methods warn for it, naming the equation)
        try:
            outs = evaluate(graph, *inputs) if outs is None else outs
        except Exception:  # (the methods' to refuse or answer)
            return value
    nan = np.concatenate([np.isnan(np.ravel(np.asarray(y, dtype=complex))) for y in outs] or [np.zeros(0, bool)])
    if not nan.any():
        return value
    value = np.array(value, dtype=np.result_type(value.dtype, np.float64))
    if kind == "hessian":
        value[:] = np.nan
    else:
        value[nan, :] = np.nan
    return value


def graph_reference(graph: Graph, wrt, inputs, how: str = "auto") -> Reference:
    """The reference Jacobian (m, n) of `graph` with respect to inputs `wrt` at `inputs`: exact
    when the policy takes it, else reverse-mode AD.

    >>> import difflab as dl, numpy as np
    >>> g = dl.trace(lambda x: x * x, np.ones(100))             # 10⁴ entries: too many for SymPy
    >>> r = graph_reference(g, (0,), [np.ones(100)])
    >>> r.how, r.value.shape, float(r.value.trace())
    ('reverse mode', (100, 100), 200.0)
    """
    exact = exact_reference(graph, wrt, inputs, how=how)
    if exact is not None:
        return exact
    from .differentiators.reverse import Reverse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the methods warn for a point outside the domain, naming the equation)
        outs, jac = Reverse().prepare(graph, tuple(wrt)).jacobian(list(inputs))
    # (the operators' guard, which the bare sweep lacks: max(log(x), x) at -1 was 0 here, NaN by dl.grad)
    value = _undefined_where_f_is_nan(graph, wrt, inputs, np.asarray(jac, dtype=float), "jacobian", outs)
    return Reference(value, REVERSE, False)


def reference(f, *args, argnums=0, how: str = "auto") -> Reference:
    """The reference Jacobian of `f(*args)` with respect to `args[argnums]` (an int or a tuple),
    as one (m, n) matrix over the flattened output and differentiated leaves (in argnums order).

    >>> import difflab.numpy as dnp
    >>> r = reference(lambda x, y: dnp.sin(x) * y, 0.5, 2.0, argnums=(0, 1))
    >>> r.how, r.value.round(6).tolist()
    ('symbolic, 40 digits', [[1.755165, 0.479426]])
    """
    nums = tuple(
        int(a) if isinstance(a, np.integer) else a
        for a in (argnums if isinstance(argnums, (tuple, list)) else (argnums,))
    )
    if any(not isinstance(a, int) or not -len(args) <= a < len(args) for a in nums):
        raise ValueError(f"argnums {argnums!r} out of range for {len(args)} arguments")
    # an argument not differentiated and not all floats (a class label, an index array) is baked in, as
    # grad does: traced, `logits[label]` was an error
    wrt_args = {a % len(args) for a in nums}
    traced = [k for k, a in enumerate(args) if k in wrt_args or all(map(_is_float, tree.flatten(a)[0]))]
    counts = {k: len(tree.flatten(args[k])[0]) for k in traced}
    starts = dict(zip(traced, np.cumsum([0, *[counts[k] for k in traced]])))
    wrt = tuple(j for a in nums for j in range(starts[a % len(args)], starts[a % len(args)] + counts[a % len(args)]))

    def of_traced(*xs):
        full = list(args)
        for k, x in zip(traced, xs):
            full[k] = x
        return f(*full)

    graph = trace(of_traced, *[args[k] for k in traced])
    inputs = [np.asarray(x, dtype=float) for k in traced for x in tree.flatten(args[k])[0]]
    return graph_reference(graph, wrt, inputs, how=how)


def _is_float(x) -> bool:
    return isinstance(x, (float, np.floating)) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")
