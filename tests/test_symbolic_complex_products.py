"""The symbolic method's J v and uᵀJ of functions with complex outputs (complex_outputs.py): the parts graph's own
directional products (directional.py), never its Jacobian's m reverse sweeps, with forward's and reverse's numbers
(issue 11: autograd's checks of eig through the shim). Complex eig at 4×4, first order, and 3×3, second order."""

import numpy as np
import pytest

import difflab as dl
from difflab.differentiators.complex_outputs import ComplexOutputs

RNG = np.random.default_rng(39)
A_COMPLEX = RNG.normal(size=(4, 4)) + 1j * RNG.normal(size=(4, 4))
V_COMPLEX = RNG.normal(size=(4, 4)) + 1j * RNG.normal(size=(4, 4))


def eig_complex(x):  # autograd's test_eig_complex: complex eigenvalues, the vectors' moduli
    w, v = np.linalg.eig(x)
    return w, np.abs(v)


def close(got, want):
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11 * (1.0 + np.max(np.abs(w))))


@pytest.fixture
def no_jacobian(monkeypatch):
    """A complex-output symbolic object's Jacobian refused: J v and uᵀJ must not build it."""

    def refused(self, args):
        raise AssertionError("J v or uᵀJ built the Jacobian of the parts graph")

    monkeypatch.setattr(ComplexOutputs, "_jacobian", refused)


def test_complex_outputs_jvp_is_forward_s_without_the_jacobian(no_jacobian):
    got = dl.jvp(eig_complex, (A_COMPLEX,), (V_COMPLEX,), method="symbolic")[1]
    close(got, dl.jvp(eig_complex, (A_COMPLEX,), (V_COMPLEX,), method="forward")[1])


def test_complex_outputs_vjp_is_reverse_s_without_the_jacobian(no_jacobian):
    y, pullback = dl.vjp(eig_complex, A_COMPLEX, method="symbolic")
    u = (RNG.normal(size=4) + 1j * RNG.normal(size=4), RNG.normal(size=(4, 4)))
    close(pullback(u), dl.vjp(eig_complex, A_COMPLEX, method="reverse")[1](u))
    close(y, eig_complex(A_COMPLEX))


def test_mixed_outputs_take_each_part_s_cotangent(no_jacobian):
    # a complex output's cotangent u: Re u on Re y, −Im u on Im y (Re(uᵀJ)); a real output's: its own
    f = lambda z: (z * z, np.abs(z) * z[0].real)  # noqa: E731
    z = RNG.normal(size=3) + 1j * RNG.normal(size=3)
    u = (RNG.normal(size=3) + 1j * RNG.normal(size=3), RNG.normal(size=3))
    close(dl.vjp(f, z, method="symbolic")[1](u), dl.vjp(f, z, method="reverse")[1](u))
    v = RNG.normal(size=3) + 1j * RNG.normal(size=3)
    close(dl.jvp(f, (z,), (v,), method="symbolic")[1], dl.jvp(f, (z,), (v,), method="forward")[1])


@pytest.mark.parametrize("f, a, v", [(eig_complex, A_COMPLEX, V_COMPLEX)])
def test_second_order_through_the_products(f, a, v):
    # d/dx of x -> J(x) v and of x -> uᵀJ(x), each nested derivative by the symbolic method (autograd's order 2),
    # at 3×3 (the 4×4 second order took 13-21 s of the suite's budget; first order stays 4×4 above); complex eig
    # only: the directional rule (_eig_tangent) is one for every eig kind, real eig's checked against its entry
    # rules below and its second derivatives in test_symbolic_eig_complex (eig_real_vectors), issue 17
    a, v = a[:3, :3], v[:3, :3]
    w = np.ones_like(a) * (0.5 - 0.25j if np.iscomplexobj(a) else 0.5)
    jvp_of = lambda method: lambda x: dl.jvp(f, (x,), (v,), method=method)[1]  # noqa: E731
    got = dl.jvp(jvp_of("symbolic"), (a,), (w,), method="symbolic")[1]
    close(got, dl.jvp(jvp_of("forward"), (a,), (w,), method="forward")[1])
    u = tuple(np.ones_like(y) * 0.5 for y in f(a))
    vjp_of = lambda method: lambda x: dl.vjp(f, x, method=method)[1](u)[0]  # noqa: E731
    got = dl.vjp(vjp_of("symbolic"), a, method="symbolic")[1](np.ones_like(a))
    close(got, dl.vjp(vjp_of("reverse"), a, method="reverse")[1](np.ones_like(a)))


@pytest.mark.parametrize("kind", ["reig", "ceig", "ceig0"])
def test_eig_directional_rule_is_the_entry_rules_along_the_direction(kind):
    # opaque.opaque_tangent (the kind's rule in matrix form, Q = U dA V ...) against Σ_kl ∂entry/∂a_kl · da_kl from
    # the entry rules, for every part (λ, V, U = V⁻¹, the anchors, the gaps' inverses G) of a 3×3 matrix
    import sympy as sp

    import difflab.ops.complex_linalg  # noqa: F401 (declares the kinds)
    from difflab.compile.symbolic import scalar_code
    from difflab.ops.opaque import opaque_entry, opaque_tangent

    n, rng = 3, np.random.default_rng(7)
    a, d = sp.symbols(f"a0:{2 * n * n}", real=True), sp.symbols(f"d0:{2 * n * n}", real=True)
    real = kind == "reig"
    args = list(a[: n * n]) + ([sp.Integer(0)] * (n * n) if real else list(a[n * n :]))
    dirs = list(d[: n * n]) + ([0] * (n * n) if real else list(d[n * n :]))
    at, along = rng.standard_normal(2 * n * n), rng.standard_normal(2 * n * n)
    for part in range(9):
        for i, j in [(0, 2)] if part < 2 else [(2, 1)] if part % 2 else [(1, 0)]:  # (an off-diagonal entry each)
            e = opaque_entry(kind, part)(i, j, n, *args)
            new = opaque_tangent(e, dirs)
            # ∂e/∂x by the entry's own _eval_derivative (the rules at x's positions), which e.diff(x) calls and then
            # asks SymPy whether the result is zero: that assumption query was most of the partials' time (issue 17)
            old = sp.Add(*[e._eval_derivative(x) * dx for x, dx in zip(args, dirs) if x.is_Symbol])
            # both evaluated on Python floats by scalar_code (its shared subtrees printed once, as lambdify with CSE
            # did, at a quarter of lambdify's time)
            got, want = scalar_code([*a, *d], [], [new, old])(*at.tolist(), *along.tolist())
            assert abs(got - want) <= 1e-12 * (1 + abs(want)), (kind, part, i, j, got, want)
