"""The symbolic method on complex matrices (ops/complex_matrices.py): svd and Hermitian eigh of complex
matrices give reverse's numbers and, independently, central differences of the real and imaginary parts,
JAX's (x64) gradients of gauge-invariant functions, second derivatives and symbolic as the inner method."""

import numpy as np
import pytest

import difflab as dl
from test_complex import _parts_gradient

RNG = np.random.default_rng(26)
A = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
W = RNG.normal(size=(3, 3))
# (small matrices: a 3×3 matrix's vectors cost SymPy 5–15 s a gradient, marked slow; the peer suite runs large ones)

# gauge-invariant functions (each vector's phase is arbitrary): differences of the parts apply
INVARIANT = {
    "svd_values_tall": lambda x: np.sum(np.linalg.svd(x[:, :2], compute_uv=False) * W[0, :2]),
    "nuclear_norm": lambda x: np.linalg.norm(x, "nuc"),
    "svd_abs_u_tall": lambda x: np.sum(np.abs(np.linalg.svd(x[:, :2], full_matrices=False)[0]) * W[:, :2]),
    "svd_projector": lambda x: np.sum(
        np.imag(np.outer(*(lambda u: (u, np.conj(u)))(np.linalg.svd(x[:2, :2])[0][:, 0])))
    ),
    "eigh_values": lambda x: np.sum(np.linalg.eigh(x)[0] * W[0]),
    "eigh_abs_vectors": pytest.param(lambda x: np.sum(np.abs(np.linalg.eigh(x)[1]) * W), marks=pytest.mark.slow),
    "eigh_upper_abs_vectors": lambda x: np.sum(np.abs(np.linalg.eigh(x[1:, 1:], "U")[1]) * W[:2, :2]),
}
# phase-dependent ones: difflab's vectors are gauge-fixed with LAPACK's phases held, as reverse's
PHASED = {
    "svd_real_u_tall": lambda x: np.sum(np.real(np.linalg.svd(x[:, :2], full_matrices=False)[0]) * W[:, :2]),
    "svd_imag_vh_wide": lambda x: np.sum(np.imag(np.linalg.svd(x[:2], full_matrices=False)[2]) * W[:2]),
    "eigh_imag_vectors": lambda x: np.sum(np.imag(np.linalg.eigh(x[:2, :2])[1]) * W[:2, :2]),
}


@pytest.mark.parametrize("f", [INVARIANT[k] for k in sorted(INVARIANT)], ids=sorted(INVARIANT))
def test_gauge_invariant_functions_match_reverse_and_differences_of_the_parts(f):
    got = dl.grad(f, method="symbolic")(A)
    np.testing.assert_allclose(got, dl.grad(f, method="reverse")(A), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, _parts_gradient(f, A), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(PHASED))
def test_phase_dependent_functions_match_reverse(name):
    f = PHASED[name]
    got = dl.grad(f, method="symbolic")(A)
    np.testing.assert_allclose(got, dl.grad(f, method="reverse")(A), rtol=1e-10, atol=1e-12)


def test_symcx24s_wrong_svd_gradient_is_right():
    # svd's real translation (AᵀA) on a complex matrix once gave this gradient with relative error 0.98
    c = np.array([0.3 + 0.1j, -0.2 + 0.5j, 0.1 - 0.4j, 0.6 + 0.2j])
    f = lambda x: np.sum(np.linalg.svd(np.reshape(x * c, (2, 2)), compute_uv=False))  # noqa: E731
    x = np.array([0.4, -1.2, 0.7, 2.0])
    got = dl.grad(f, method="symbolic")(x)
    want = np.array([(f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6 for e in np.eye(4)])
    np.testing.assert_allclose(got, want, rtol=1e-7)
    np.testing.assert_allclose(got, dl.grad(f, method="reverse")(x), rtol=1e-12)


def test_gauge_invariant_functions_match_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    pairs = [
        (INVARIANT["nuclear_norm"], lambda x: jnp.linalg.norm(x, "nuc")),
        (INVARIANT["eigh_values"], lambda x: jnp.sum(jnp.linalg.eigh(x, symmetrize_input=False)[0] * W[0])),
        (
            INVARIANT["svd_abs_u_tall"],
            lambda x: jnp.sum(jnp.abs(jnp.linalg.svd(x[:, :2], full_matrices=False)[0]) * W[:, :2]),
        ),
    ]
    h = np.tril(A) + np.conj(np.tril(A, -1)).T  # (JAX's eigh reads the whole matrix: a Hermitian one)
    for ours, theirs in pairs:
        x = h if ours is INVARIANT["eigh_values"] else A
        want = np.asarray(jax.grad(theirs)(jnp.asarray(x)))  # (JAX's grad of a real f: ∂f/∂x − i ∂f/∂y, as ours)
        got = dl.grad(ours, method="symbolic")(x)
        if ours is INVARIANT["eigh_values"]:  # (ours: the lower triangle moves both halves)
            want = np.tril(want + np.conj(want.T)) - np.diag(np.diag(want).real)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


C = np.array([[0.3 + 0.1j, -0.2 + 0.5j], [0.1 - 0.4j, 0.6 + 0.2j]])


def _hessian_cases():
    # gauge-invariant (differences of the gradient apply: a phase-dependent loss's gradient holds LAPACK's phases)
    def svd_loss(x):
        u, s, vh = np.linalg.svd(np.reshape(x, (2, 2)) * C + np.diag([1.0, 3.0]))
        return np.sum(s**2 * np.array([1.0, 0.5])) + np.sum(np.abs(u) * W[:2, :2])

    def eigh_loss(x):
        w, v = np.linalg.eigh(np.reshape(x, (2, 2)) * C + np.diag([1.0, 3.0]))
        return np.sum(w**2) + np.sum(np.abs(v) * W[:2, :2])

    x = np.array([0.4, -1.2, 0.7, 2.0])
    return [(svd_loss, x), (eigh_loss, x)]


@pytest.mark.parametrize("case", [pytest.param(0, marks=pytest.mark.slow), 1])  # (the svd's: 20–40 s)
def test_second_derivatives_and_symbolic_as_the_inner_method(case):
    f, x = _hessian_cases()[case]
    want = dl.hessian(f, method="reverse")(x)
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(x), want, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(dl.hessian(f, method=("forward", "symbolic"))(x), want, rtol=1e-8, atol=1e-10)
    g = dl.grad(f, method="reverse")
    diffs = np.array([(g(x + 1e-5 * e) - g(x - 1e-5 * e)) / 2e-5 for e in np.eye(len(x))])
    np.testing.assert_allclose(want, diffs, rtol=1e-5, atol=1e-6)
