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
#: (10 outputs) inside and outside, the pullback, a prepared gradient, hessian pairs, linearize's function and
#: custom rules that call the inner method (jvp of hessian, 5.6 s of CPU with symbolic outside, is left to the pairs)
OPERATOR_PAIRS = [
    ("grad", "jvp"),
    ("hessian", "vjp"),
    ("jvp", "vjp"),
    ("linearize", "hessian"),
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
    if fname == "branching" and inner == "prepare":  # (the inner level is traced first)
        return "refused", ValueError, "specialised to its input values"
    if (outer, mo) == ("linearize", "numeric") or (inner, mi) == ("linearize", "numeric"):
        return "refused", ValueError, "linearize cannot use the numeric method"
    hidden = inner in ("custom_jvp", "custom_vjp")  # the branch is inside a user's op, which runs f each call
    if fname == "branching" and outer == "prepare" and not hidden:
        return "refused", ValueError, "specialised to its input values"  # a reused graph would take this branch
    if fname == "branching" and (outer == "vmap" and not hidden or inner == "vmap" and outer in EVALUATE):
        return "refused", ValueError, "vmap cannot batch a function whose control flow depends"
    if fname == "branching" and hidden and _method_of(outer, mo, True) == "symbolic":
        return "refused", dl.NotDifferentiableError, "symbolic method cannot differentiate custom_(jvp|vjp) function"
    if inner == "custom_vjp" and _method_of(outer, mo, True) == "forward":  # as JAX (its jvp, jacfwd, linearize)
        return "refused", dl.NotDifferentiableError, "forward mode cannot differentiate custom_vjp"
    if fname == "edge" and "numeric" in used:
        return "skip", "differences across x₀ = 0 meet √x₀'s infinite slope (DESIGN.md §3: no convention)"
    if inner == "stop_gradient" and _method_of(outer, mo, True) == "numeric":
        return "warned", "stop_gradient"  # differences see values only: the warning says so
    numeric_levels = sum(m == "numeric" for m in used)
    return "value", (1e-9, 2e-5, 1e-2)[numeric_levels]  # differences of differences: 4th derivatives


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


# -- what the matrix found, each pinned where it was wrong -------------------------------------------------------


def test_a_custom_vjp_function_under_an_outer_derivative_of_reverse_has_jaxs_numbers():
    """Reverse applies the user's bwd; an outer derivative of that sweep (hessian's forward over reverse) differentiates
    bwd's ops and the function's own, as JAX does: forward mode refused it. bwd here is not f's derivative (cos 2x
    for sin(x)·x), so the numbers say which one ran: JAX x64 gives -2 sin 1.4 and f'(0.7) = sin 0.7 + 0.7 cos 0.7."""
    import difflab.numpy as dnp

    f = dl.custom_vjp(lambda x: dnp.sin(x) * x)
    f.defvjp(lambda x: (dnp.sin(x) * x, x), lambda x, ct: (ct * dnp.cos(2.0 * x),))
    assert dl.grad(f)(0.7) == pytest.approx(np.cos(1.4), rel=1e-14)
    for method in ("reverse", ("forward", "reverse"), ("reverse", "reverse")):
        assert dl.hessian(f, method=method)(0.7) == pytest.approx(-2.0 * np.sin(1.4), rel=1e-14)
    assert dl.hvp(f, (0.7,), (2.0,))[1] == pytest.approx(-4.0 * np.sin(1.4), rel=1e-14)
    _, t = dl.jvp(lambda x: dl.value_and_grad(f)(x)[0], (0.7,), (1.0,))
    assert t == pytest.approx(np.sin(0.7) + 0.7 * np.cos(0.7), rel=1e-14)
    with pytest.raises(dl.NotDifferentiableError, match="forward mode cannot differentiate custom_vjp"):
        dl.jvp(f, (0.7,), (1.0,))  # forward mode of the function itself: refused, as JAX refuses it


def _branching(x):
    import difflab.numpy as dnp

    if dnp.sum(x) > 0:
        return dnp.sum(dnp.exp(x) * x)
    return dnp.sum(dnp.cos(x)) * x[0]


def _branching_grad(x):
    if np.sum(x) > 0:
        return np.exp(x) * (1.0 + x)
    return np.sum(np.cos(x)) * np.eye(3)[0] - np.sin(x) * x[0]


@pytest.mark.parametrize("method", METHODS)
def test_a_kept_gradient_of_a_checkpointed_branching_function_follows_the_branch(method):
    """checkpoint(f)'s sub-graph holds the branch f took; the enclosing graph did not say it was specialised, so a kept
    dl.grad answered the second point with the first one's branch (every method), and prepare and vmap took it."""
    f = dl.checkpoint(_branching)
    grad = dl.grad(f, method=method)
    tol = 1e-6 if method == "numeric" else 1e-12
    for x in nm.POINTS["branching"]:
        np.testing.assert_allclose(grad(x), _branching_grad(x), rtol=tol, atol=tol)
    with pytest.raises(ValueError, match="specialised to its input values"):
        dl.prepare(f, nm.POINTS["branching"][0], method=method)
    with pytest.raises(ValueError, match="vmap cannot batch a function whose control flow depends"):
        dl.vmap(f)(np.stack(nm.POINTS["branching"]))


@pytest.mark.parametrize("kind", ["custom_jvp", "custom_vjp"])
def test_symbolic_refuses_a_custom_rules_function_that_branches(kind):
    """Symbolic differentiates a user's op by its function's expression, traced at ones: a branching function's
    expression was the branch at ones (Σx > 0), a wrong gradient wherever the other branch is taken."""
    f = getattr(dl, kind)(_branching)
    if kind == "custom_jvp":
        f.defjvp(lambda p, t: (_branching(p[0]), dl.jvp(_branching, p, t)[1]))
    else:
        f.defvjp(lambda x: (_branching(x), x), lambda x, ct: (ct * dl.grad(_branching)(x),))
    with pytest.raises(dl.NotDifferentiableError, match=f"symbolic method cannot differentiate {kind} function"):
        dl.grad(f, method="symbolic")(nm.POINTS["branching"][1])
    np.testing.assert_allclose(dl.grad(f)(nm.POINTS["branching"][1]), _branching_grad(nm.POINTS["branching"][1]))


def test_reverses_transposed_jvp_at_an_infinite_entry_equals_forwards_under_every_operator():
    """Beyond 8 outputs reverse's J·v is its pullback's transpose, falling back to J's rows where an entry is not
    finite (here inf: 2√x at x₀ = 0). On traced values it decides at the numbers traced: under vmap it returned the
    transpose's NaN where forward and symbolic give inf. Nested in each operator, reverse equals forward and symbolic
    (NaN and inf where they are, the rest to 1e-10), the rows without the inf finite."""
    import difflab.numpy as dnp

    v, x, w = np.linspace(0.5, 1.5, 10), np.r_[0.0, np.linspace(0.1, 1.0, 9)], np.linspace(-1.0, 1.0, 9)

    def outers(method):
        jv = lambda y: dl.jvp(lambda z: 2.0 * dnp.sqrt(z) * (1.0 + dnp.sum(z * z)), (y,), (v,), method=method)[1]  # noqa: E731
        rest = lambda y: dnp.sum(jv(y)[1:] * w)  # noqa: E731
        return {
            "value": lambda: jv(x),
            "jacfwd": lambda: dl.jacfwd(jv)(x),
            "jacrev": lambda: dl.jacrev(jv)(x),
            "vmap": lambda: dl.vmap(jv)(np.stack([x, 2.0 * x])),
            "grad": lambda: dl.grad(rest)(x),
            "hessian": lambda: dl.hessian(rest)(x),
            "checkpoint": lambda: dl.grad(lambda y: dnp.sum(dl.checkpoint(jv)(y)[1:] * w))(x),
            "prepare": lambda: dl.prepare(rest, x).grad(x),
            "linearize": lambda: dl.linearize(jv, x)[1](v),
            "hvp": lambda: dl.hvp(rest, (x,), (v,))[1],
            "vjp": lambda: dl.vjp(jv, x)[1](np.r_[0.0, w])[0],
        }

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DomainWarnings of sqrt's infinite slope at 0
        got = {m: {k: np.asarray(run()) for k, run in outers(m).items()} for m in ("reverse", "forward", "symbolic")}
    for k, want in got["forward"].items():
        for m in ("reverse", "symbolic"):
            np.testing.assert_allclose(got[m][k], want, rtol=1e-10, atol=1e-12, equal_nan=True, err_msg=f"{k} {m}")
    assert np.isinf(got["reverse"]["vmap"][:, 0]).all()
    for k in ("grad", "hessian", "checkpoint", "prepare", "hvp", "vjp"):
        assert np.isfinite(got["reverse"][k]).all(), k
