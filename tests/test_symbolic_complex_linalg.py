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


#: JAX x64's jax.grad of the same losses (jax 0.10.2), stored so the comparison runs without JAX (CI has none)
_JAX_GRADS = {
    "nuclear_norm": np.array(
        [
            [
                (-0.16858931337371696 - 0.37975160973135513j),
                (-0.8641101876137275 + 0.14157035628517087j),
                (0.15796442534971195 - 0.18890478164942298j),
            ],
            [
                (0.4580591899740564 - 0.7616862866672675j),
                (0.23174165394251256 + 0.3194362791845811j),
                (-0.1283164931707013 + 0.19444003222693834j),
            ],
            [
                (0.04022962685975752 + 0.18911296790196136j),
                (-0.09892887515492091 + 0.260270560979798j),
                (0.5948085748388585 + 0.7288984391120931j),
            ],
        ]
    ),
    "eigh_values": np.array(
        [
            [
                (-1.8009192583082843 + 0j),
                (0.35171081465210174 + 0.32032779425387725j),
                (-0.04816487784802621 + 0.2547136399403683j),
            ],
            [
                (0.35171081465210174 - 0.32032779425387725j),
                (-1.1055833331461113 + 0j),
                (0.23201526428286895 + 0.26350024132501926j),
            ],
            [
                (-0.04816487784802621 - 0.2547136399403682j),
                (0.23201526428286895 - 0.26350024132501926j),
                (-0.036023429863316435 + 0j),
            ],
        ]
    ),
    "svd_abs_u_tall": np.array(
        [
            [(0.059022323146199 + 0.09863378541745127j), (0.3093566885076852 - 0.03986733538028215j), 0j],
            [(0.24182573832720994 - 0.1187843840329744j), (0.2471911357199697 - 0.17743446089737896j), 0j],
            [(0.1391180871405573 - 0.07536544140883192j), (-0.2396997714601138 + 0.33393389597103973j), 0j],
        ]
    ),
}


def _jax_pairs(jnp):
    return {
        "nuclear_norm": lambda x: jnp.linalg.norm(x, "nuc"),
        "eigh_values": lambda x: jnp.sum(jnp.linalg.eigh(x, symmetrize_input=False)[0] * W[0]),
        "svd_abs_u_tall": lambda x: jnp.sum(jnp.abs(jnp.linalg.svd(x[:, :2], full_matrices=False)[0]) * W[:, :2]),
    }


def _hermitian():
    return np.tril(A) + np.conj(np.tril(A, -1)).T  # (JAX's eigh reads the whole matrix: a Hermitian one)


@pytest.mark.parametrize("name", list(_JAX_GRADS))
def test_gauge_invariant_functions_match_jax(name):
    """symbolic's gradients against JAX x64's (stored: JAX's grad of a real f is ∂f/∂x − i ∂f/∂y, as ours)."""
    x = _hermitian() if name == "eigh_values" else A
    want = _JAX_GRADS[name]
    got = dl.grad(INVARIANT[name], method="symbolic")(x)
    if name == "eigh_values":  # (ours: the lower triangle moves both halves)
        want = np.tril(want + np.conj(want.T)) - np.diag(np.diag(want).real)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.slow  # importing JAX: seconds
def test_the_stored_jax_gradients_are_jaxs():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    for name, theirs in _jax_pairs(jax.numpy).items():
        x = _hermitian() if name == "eigh_values" else A
        np.testing.assert_allclose(
            np.asarray(jax.grad(theirs)(jax.numpy.asarray(x))), _JAX_GRADS[name], rtol=1e-13, atol=1e-15
        )


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


def _larger_cases():
    # matrices whose row 1 moves (4 arguments), sized so every rule's sums over p ≠ j (svd's and eigh's, named once
    # per matrix in complex_matrices.py) have two or three terms: a wrong index or a dropped term shows
    rng = np.random.default_rng(38)
    base, w = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)), rng.normal(size=(4, 4))

    def moved(x, rows=4, cols=4):
        return base[:rows, :cols] + np.eye(rows)[:, 1:2] * x[:cols]

    def svd_loss(rows, cols):
        def f(x):
            u, s, vh = np.linalg.svd(moved(x, rows, cols), full_matrices=False)
            k = min(rows, cols)
            return np.sum(np.abs(u) * w[:rows, :k]) + np.sum(s * w[0, :k]) + np.sum(np.imag(vh) * w[:k, :cols])

        return f

    def eigh_loss(uplo):
        def f(x):
            wv, v = np.linalg.eigh(moved(x) + 6.0 * np.diag(np.arange(4.0)), uplo)
            return np.sum(np.real(v) * w) + np.sum(np.abs(v) * w.T) + np.sum(wv**2)

        return f

    # (square at 3×3: its sums have two terms, as the tall and wide ones; eigh once: UPLO='U' is a read of the
    # other triangle before the same ceigh kind, its derivatives checked in test_complex_linalg.py; the 4×4 square
    # and the second UPLO cost ~4 CPU-s here, issue 17)
    return {
        "svd_square": svd_loss(3, 3),
        "svd_tall": svd_loss(4, 3),
        "svd_wide": svd_loss(3, 4),
        "eigh_lower": eigh_loss("L"),
    }


@pytest.mark.parametrize("name", sorted(_larger_cases()))
def test_larger_svd_and_eigh_second_derivatives_match_reverse(name):
    f, x = _larger_cases()[name], np.array([0.3, -0.5, 0.2, 0.1])
    want = dl.hessian(f, method="reverse")(x)
    assert np.abs(want).max() > 0.1
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(x), want, rtol=1e-10, atol=1e-12 * np.abs(want).max())
