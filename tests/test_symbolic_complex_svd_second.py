"""The symbolic method's second derivatives of complex SVD and Hermitian eigh (ops/complex_matrices.py's opaque
kinds), as autograd's test_linalg checks them through the shim (issue 11: modes=['rev'], order 2, symbolic nested
in symbolic): the kinds' directional rules equal their entry rules, a VJP alone never writes the tangents, and the
nested derivatives agree with reverse-over-reverse and forward-over-forward."""

import numpy as np
import pytest

import difflab as dl
from difflab.differentiators.program import Program

RNG = np.random.default_rng(41)


def svd_parts(x):  # autograd's test_svd_*_complex
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return np.abs(u), s, np.abs(vt)


def eigh_parts(x):  # autograd's test_eigvalh_lower_complex
    w, v = np.linalg.eigh(x)
    return w, np.abs(v)


def complex_matrix(rows, cols):
    return RNG.normal(size=(rows, cols)) + 1j * RNG.normal(size=(rows, cols))


def close(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10 * (1.0 + np.max(np.abs(want))))


@pytest.mark.parametrize(
    "kind, rows, cols", [("csvd", 2, 2), ("csvd", 3, 2), ("csvd", 2, 3), ("csvd0", 3, 2), ("ceigh", 3, 3)]
)
def test_directional_rule_is_the_entry_rules_along_the_direction(kind, rows, cols):
    # opaque.opaque_tangent (the kind's rule in matrix form: dP = Uᴴ dA V, ...; eigh's Q = Vᴴ dH V) against
    # Σ_kl ∂entry/∂a_kl · da_kl from the entry rules, for two entries of every part (on main: no directional rule)
    import sympy as sp

    import difflab.ops.complex_matrices  # noqa: F401 (declares the kinds)
    from difflab.compile.symbolic import scalar_code
    from difflab.ops.opaque import opaque_entry, opaque_tangent

    n, k = rows * cols, min(rows, cols)
    a, d = sp.symbols(f"a0:{2 * n}", real=True), sp.symbols(f"d0:{2 * n}", real=True)
    rng = np.random.default_rng(7)
    at, along = rng.standard_normal(2 * n), rng.standard_normal(2 * n)
    if kind.startswith("csvd"):
        shapes = [(rows, k)] * 2 + [(1, k)] + [(k, cols)] * 3
    else:
        shapes = [(1, rows)] + [(rows, rows)] * 3
    for part, (p, q) in enumerate(shapes):
        for i, j in {(0, q - 1), (p - 1, 0)}:
            e = opaque_entry(kind, part)(i, j, rows, *a)
            new = opaque_tangent(e, list(d))
            assert new is not None, (kind, part)
            # ∂e/∂x by the entry's own _eval_derivative (the rules at x's positions), which e.diff(x) calls and then
            # asks SymPy whether the result is zero: that assumption query was 6/7 of the partials' time (issue 17)
            old = sp.Add(*[e._eval_derivative(x) * dx for x, dx in zip(a, d)])
            # both evaluated on Python floats by scalar_code (its shared subtrees printed once, as lambdify with CSE
            # did, at a quarter of lambdify's time)
            got, want = scalar_code([*a, *d], [], [new, old])(*at.tolist(), *along.tolist())
            assert abs(got - want) <= 1e-12 * (1 + abs(want)), (kind, part, i, j, got, want)


def test_a_vjp_alone_writes_no_tangents(monkeypatch):
    # directional.Vector: on floats a VJP compiles the outputs and uᵀJ ("value+vjp"); on main it compiled J v too
    # (one function for both products), which a VJP-only check never reads: a nested 4×4 complex SVD's fifth
    calls = []
    tangents = Program.tangents
    monkeypatch.setattr(Program, "tangents", lambda self, *a: calls.append(1) or tangents(self, *a))
    a = complex_matrix(3, 2)
    y, pullback = dl.vjp(svd_parts, a, method="symbolic")
    u = tuple(np.ones_like(np.asarray(z)) for z in y)
    got = pullback(u)
    assert calls == []
    close(got[0], dl.vjp(svd_parts, a, method="reverse")[1](u)[0])
    # a JVP of the same function: its tangents written, and a VJP after it still right
    v = complex_matrix(3, 2)
    got = dl.jvp(svd_parts, (a,), (v,), method="symbolic")[1]
    assert calls == [1]
    for g, w in zip(got, dl.jvp(svd_parts, (a,), (v,), method="forward")[1]):
        close(g, w)


@pytest.mark.parametrize("f, rows, cols", [(svd_parts, 3, 2), (eigh_parts, 2, 2)])
def test_second_order_against_reverse_over_reverse(f, rows, cols):
    # (a square SVD's second derivatives by the same entry rules: test_symbolic_complex_linalg's svd_square; a 2×2
    # cell here cost ~1.5 CPU-s, issue 17)
    # d/dx of x -> uᵀJ(x), both derivatives symbolic (autograd's order 2, modes=['rev']), against reverse in reverse
    a, w = complex_matrix(rows, cols), complex_matrix(rows, cols)
    u = tuple(np.full(np.shape(y), 0.5) for y in f(a))
    vjp_of = lambda method: lambda x: dl.vjp(f, x, method=method)[1](u)[0]  # noqa: E731
    got = dl.vjp(vjp_of("symbolic"), a, method="symbolic")[1](w)[0]
    close(got, dl.vjp(vjp_of("reverse"), a, method="reverse")[1](w)[0])


def test_jvp_of_jvp_through_the_directional_rule():
    # d/dx of x -> J(x) v, both symbolic: the inner JVP on traced values writes only its tangents, by the rule
    a, v = complex_matrix(3, 2), complex_matrix(3, 2)
    jvp_of = lambda method: lambda x: dl.jvp(svd_parts, (x,), (v,), method=method)[1]  # noqa: E731
    got = dl.jvp(jvp_of("symbolic"), (a,), (v,), method="symbolic")[1]
    for g, w in zip(got, dl.jvp(jvp_of("forward"), (a,), (v,), method="forward")[1]):
        close(g, w)


def test_a_vjp_repeated_at_complex_primals_reuses_its_derivative(monkeypatch):
    # api.operators._Transform.realified: the realified function kept per layout of complex leaves, so a call with
    # the same function at another point (autograd's central differences of a VJP) reuses the staged graph and its
    # symbolic derivative; on main each call realified afresh, traced and derived again
    from difflab.differentiators.structure import prepared_cache

    prepared_cache().clear()  # (the same graph prepared by an earlier test in this thread would be reused: 0 calls)
    calls = []
    gradient = Program.gradient
    monkeypatch.setattr(Program, "gradient", lambda self, *a, **k: calls.append(1) or gradient(self, *a, **k))
    f = lambda x: svd_parts(x)  # noqa: E731  (a function no other test has called)
    a, step = complex_matrix(3, 2), complex_matrix(3, 2)
    u = tuple(np.full(np.shape(y), 0.5) for y in f(a))
    for x in (a, a + 1e-3 * step, a - 1e-3 * step):
        close(dl.vjp(f, x, method="symbolic")[1](u)[0], dl.vjp(f, x, method="reverse")[1](u)[0])
    assert len(calls) == 1
