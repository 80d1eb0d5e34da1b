"""Issue 11's nesting matrix: outer(inner(f)) for every pair of operators (grad, value_and_grad, jvp, vjp and its
pullback, jacobian, jacfwd, jacrev, hessian, hvp, linearize and its linear function, vmap, prepare(...).grad,
checkpoint, custom_jvp and custom_vjp functions, stop_gradient) on three functions of a vector (smooth; branching
on its values; x₁·√x₀ where x₀ > 0, else 0, at x₀ = 0, where a strong zero decides the answer), against JAX x64
composing the same transformations (tests/nesting_matrix_jax.json, written by `python tests/nesting_matrix.py`).

Kept cheap (the whole matrix is 768 cells × 16 method pairs): every operator pair with reverse at both levels,
and every method pair (outer, inner; mixed and numeric outermost) on a few operator pairs. Each cell is a
value, or a refusal by name that the design asks for (`expected`). Numeric as a method is an approximation
(a tolerance); at the edge it is not compared at all: x₁·√x₀ has an infinite one-sided slope at x₀ = 0, where
differences cannot follow the convention (DESIGN.md §3). tests/nesting_matrix.py says how each operator is lifted.
"""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest

import difflab as dl
import nesting_matrix as nm

METHODS = ["forward", "reverse", "numeric", "symbolic"]
REFS = json.loads(nm.REFERENCES.read_text())
B = nm.Difflab()
#: the operators whose lift differentiates with its method (jacfwd and jacrev: forward and reverse)
DIFFERENTIATES = {"grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian", "hvp", "linearize", "prepare"}
#: a few operator pairs for every method pair: each level differentiates, and they cover jvp's transposed J·v
#: (10 outputs), the pullback, a prepared gradient, hessian pairs and a custom rule that calls the inner method
OPERATOR_PAIRS = [
    ("grad", "jvp"),
    ("hessian", "vjp"),
    ("jvp", "hessian"),
    ("prepare", "hvp"),
    ("value_and_grad", "custom_jvp"),
    ("jacobian", "custom_vjp"),
]


#: the lifts that only evaluate their function (a checkpoint, a user's rule, vmap, stop_gradient)
EVALUATE = {"checkpoint", "custom_jvp", "custom_vjp", "vmap", "stop_gradient"}


def _method_of(op, m, outer):
    """The method that differentiates at this level (None: the lift differentiates nothing there)."""
    if op in DIFFERENTIATES:
        return m
    if op in ("jacfwd", "jacrev"):
        return {"jacfwd": "forward", "jacrev": "reverse"}[op]
    if not outer and op in ("custom_jvp", "custom_vjp"):  # the rule calls the inner method; the outer calls it
        return m
    return None


def expected(fname, outer, inner, mo, mi):
    """("value", rtol) | ("refused", exception class, message) | ("warned", message) | ("skip", why)."""
    used = [_method_of(outer, mo, True), _method_of(inner, mi, False)]
    hidden = inner in ("custom_jvp", "custom_vjp")  # the branch is inside a user's op, which runs f each call
    if fname == "branching" and (inner == "prepare" or outer == "prepare" and not hidden):
        return "refused", ValueError, "specialised to its input values"  # a reused graph would take this branch
    if fname == "branching" and (outer == "vmap" and not hidden or inner == "vmap" and outer in EVALUATE):
        return "refused", ValueError, "vmap cannot batch a function whose control flow depends"
    if fname == "branching" and hidden and _method_of(outer, mo, True) == "symbolic":
        return "refused", dl.NotDifferentiableError, "symbolic method cannot differentiate custom_(jvp|vjp) function"
    if (outer, mo) == ("linearize", "numeric") or (inner, mi) == ("linearize", "numeric"):
        return "refused", ValueError, "linearize cannot use the numeric method"
    if inner == "custom_vjp" and _method_of(outer, mo, True) == "forward":  # as JAX (its jvp, jacfwd, linearize)
        return "refused", dl.NotDifferentiableError, "forward mode cannot differentiate custom_vjp"
    if fname == "edge" and "numeric" in used:
        return "skip", "differences across x₀ = 0 meet √x₀'s infinite slope (DESIGN.md §3: no convention)"
    if inner == "stop_gradient" and _method_of(outer, mo, True) == "numeric":
        return "warned", "stop_gradient"  # differences see values only: the warning says so
    numeric_levels = sum(m == "numeric" for m in used)
    return "value", (1e-9, 2e-5, 5e-3)[numeric_levels]


def run_cell(fname, outer, inner, mo, mi):
    """None if the cell is as expected, else what went wrong."""
    kind, *what = expected(fname, outer, inner, mo, mi)
    if kind == "skip":
        return None
    key = f"{fname}/{outer}/{inner}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = nm.cell(B, fname, outer, inner, mo, mi)
        except Exception as e:  # noqa: BLE001 (a refusal is a result of the cell)
            if kind == "refused" and isinstance(e, what[0]) and re.search(what[1], str(e)):
                return None
            return f"{key} {mo}/{mi}: {type(e).__name__}: {str(e)[:200]} (expected {kind} {what})"
    if kind == "refused":
        return f"{key} {mo}/{mi}: {got}, expected {what[0].__name__} naming {what[1]!r}"
    if kind == "warned":
        ok = any(what[0] in str(w.message) for w in caught)
        return None if ok else f"{key} {mo}/{mi}: no warning naming {what[0]}"
    ref = np.array(REFS["cells"][key])
    err = np.max(np.abs(np.array(got) - ref) / np.maximum(1.0, np.abs(ref)))
    return None if err <= what[0] else f"{key} {mo}/{mi}: {got!r}, JAX {ref.tolist()!r} (relative error {err:.1e})"


@pytest.mark.parametrize("fname", list(nm.POINTS))
@pytest.mark.parametrize("outer", nm.OPERATORS)
def test_every_operator_pair_with_reverse_at_both_levels(outer, fname):
    wrong = [run_cell(fname, outer, inner, "reverse", "reverse") for inner in nm.OPERATORS]
    assert [w for w in wrong if w] == []


@pytest.mark.parametrize("fname", list(nm.POINTS))
@pytest.mark.parametrize("mo", METHODS)
def test_every_method_pair_on_a_few_operator_pairs(mo, fname):
    wrong = [run_cell(fname, o, i, mo, mi) for o, i in OPERATOR_PAIRS for mi in METHODS]
    assert [w for w in wrong if w] == []
