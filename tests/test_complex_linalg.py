"""Decompositions of complex matrices (difflab/ops/decompositions.py, ops/eig.py): Hermitian eigh,
svd (values and gauge-fixed vectors) and numpy.linalg.eig, against known answers, central differences
of the realified function (NumPy on plain arrays) and autograd."""

import numpy as np
import pytest

import difflab as dl
from test_complex import EXACT, _parts_gradient

RNG = np.random.default_rng(11)
A = RNG.normal(size=(4, 4)) + 1j * RNG.normal(size=(4, 4))
B = RNG.normal(size=(4, 3)) + 1j * RNG.normal(size=(4, 3))
W = RNG.normal(size=(4, 4))


@pytest.mark.parametrize("method", EXACT)
def test_eigh_of_a_hermitian_2x2_known_answer(method):
    # the lower triangle [[2, .], [1+i, 3]]: eigenvalues 1 and 4, v4 = (1−i, 2)/√6; dλ = v^H dH v
    a = np.array([[2.0, 7.0], [1.0 + 1.0j, 3.0]])  # (the upper triangle is never read, as NumPy's)
    w = np.linalg.eigh(a)[0]
    np.testing.assert_allclose(w, [1.0, 4.0])
    got = dl.grad(lambda a: np.linalg.eigh(a)[0][1], method=method)(a)
    np.testing.assert_allclose(got, [[1 / 3, 0.0], [(2 - 2j) / 3, 2 / 3]], atol=1e-12)


# gauge-invariant functions of the vectors (|v|), as autograd's own tests take them: each vector's
# phase is arbitrary (difflab fixes its largest entry real and positive and holds LAPACK's phase)
FUNCTIONS = {
    "eigh_values": lambda x: np.sum(np.linalg.eigh(x)[0] * W[0]),
    "eigh_abs_vectors": lambda x: np.sum(np.abs(np.linalg.eigh(x)[1]) * W),
    "eigh_upper_abs_vectors": lambda x: np.sum(np.abs(np.linalg.eigh(x, "U")[1]) * W),
    # the projector v vᴴ (phase-free): its imaginary part sees a conjugated vector, as |v| does not
    "eigh_upper_projector": lambda x: np.sum(np.imag(_outer(np.linalg.eigh(x, "U")[1][:, 1])) * W),
    "cholesky_upper": lambda x: np.sum(np.abs(np.linalg.cholesky(x + 10 * np.eye(4), upper=True) + W) ** 2),
    "svd_values": lambda x: np.sum(np.linalg.svd(x[:, :3], compute_uv=False) * W[0, :3]),
    "svd_abs_u_tall": lambda x: np.sum(np.abs(np.linalg.svd(x[:, :3], full_matrices=False)[0]) * W[:, :3]),
    "svd_abs_vh_wide": lambda x: np.sum(np.abs(np.linalg.svd(x[:3], full_matrices=False)[2]) * W[:3]),
    "svd_projectors": lambda x: _projectors(np.linalg.svd(x, full_matrices=False)),
    "nuclear_norm": lambda x: np.linalg.norm(x, "nuc"),
}


def _outer(v):
    return v[:, None] * np.conj(v)[None, :]


def test_upper_triangle_reads_are_numpys_on_complex_and_nonsymmetric_matrices():
    """eigh(UPLO='U') and cholesky(upper=True) read A's upper triangle as NumPy does, of a complex A
    the Hermitian matrix it holds (not its conjugate: NumPy's eigenvectors, and U with A = Uᴴ U)."""
    h = A + 10 * np.eye(4)
    for x in (h, h.real):
        got = dl.evaluate(dl.trace(lambda y: (np.linalg.eigh(y, "U")[1], np.linalg.cholesky(y, upper=True)), x), x)
        np.testing.assert_allclose(got[0], np.linalg.eigh(x, "U")[1], atol=1e-13)
        np.testing.assert_allclose(got[1], np.linalg.cholesky(x, upper=True), atol=1e-13)


def _projectors(usv):
    """Re Σ W∘(U₂U₂^H + V₂V₂^H) of the two leading singular pairs: phase-free, and real-valued."""
    u, vh = usv[0][:, :2], usv[2][:2]
    return np.sum(np.real(u @ np.conj(u.T) + np.conj(vh.T) @ vh) * W)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("method", EXACT)
def test_gradients_match_differences_of_the_parts(name, method):
    f = FUNCTIONS[name]
    np.testing.assert_allclose(dl.grad(f, method=method)(A), _parts_gradient(f, A), rtol=1e-6, atol=1e-7)


def test_known_answers_against_autograd():
    autograd = pytest.importorskip("autograd")
    anp = autograd.numpy
    pairs = [
        (FUNCTIONS["eigh_abs_vectors"], lambda x: anp.sum(anp.abs(anp.linalg.eigh(x)[1]) * W)),
        (
            FUNCTIONS["svd_abs_u_tall"],
            lambda x: anp.sum(anp.abs(anp.linalg.svd(x[:, :3], full_matrices=False)[0]) * W[:, :3]),
        ),
        (FUNCTIONS["nuclear_norm"], lambda x: anp.linalg.norm(x, "nuc")),
    ]
    for ours, theirs in pairs:
        want = autograd.grad(theirs)(A)
        for method in EXACT:
            np.testing.assert_allclose(dl.grad(ours, method=method)(A), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", EXACT)
def test_eig_of_a_2x2_known_answer(method):
    # [[2, 1], [0, 3]]: λ = 2, 3; V = [(1, 0), (1, 1)/√2]; dλ₂ = (V⁻¹ dA V)₂₂ = dA₁₀ + dA₁₁
    a = np.array([[2.0, 1.0], [0.0, 3.0]])
    w, v = np.linalg.eig(a)  # (traced: dl.numpy's eig, complex as JAX's; here NumPy's own, real)
    got = dl.grad(lambda a: np.real(np.linalg.eig(a)[0][1]), method=method)(a)
    np.testing.assert_allclose(got, [[0.0, 0.0], [1.0, 1.0]], atol=1e-12)
    values, vectors = dl.numpy.linalg.eig(a)
    assert values.dtype == complex and np.allclose(values, w) and np.allclose(vectors, v)


EIG = {
    # LAPACK's geev gives unit vectors whose largest entry is real: difflab's gauge up to ±1, so even
    # phase-dependent functions of NumPy's vectors (their real parts) have these derivatives
    "values": lambda x: np.sum(np.abs(np.linalg.eig(x)[0]) * W[0]),
    "values_holomorphic_part": lambda x: np.real(np.sum(np.linalg.eig(x)[0] ** 2 * (1.0 + 2.0j))),
    "abs_vectors": lambda x: np.sum(np.abs(np.linalg.eig(x)[1]) * W),
    "real_vectors": lambda x: np.sum(np.real(np.linalg.eig(x)[1]) * W),
    "eigvals": lambda x: np.sum(np.imag(np.linalg.eigvals(x)) * W[1]),
}


@pytest.mark.parametrize("name", sorted(EIG))
@pytest.mark.parametrize("method", EXACT)
def test_eig_gradients_match_differences_of_the_parts(name, method):
    f = EIG[name]
    np.testing.assert_allclose(dl.grad(f, method=method)(A), _parts_gradient(f, A), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("method", EXACT + ("numeric",))
def test_eig_of_a_real_matrix_has_complex_values(method):
    x = RNG.normal(size=(4, 4))  # (two complex-conjugate pairs here)
    assert np.iscomplexobj(np.linalg.eigvals(x)) and np.abs(np.linalg.eigvals(x).imag).max() > 0.1
    f = EIG["real_vectors"]
    h = 1e-6
    want = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(16).reshape(16, 4, 4)]).reshape(4, 4)
    np.testing.assert_allclose(dl.grad(f, method=method)(x), want, rtol=1e-5, atol=1e-6)


def test_eig_against_autograd():
    autograd = pytest.importorskip("autograd")
    anp = autograd.numpy
    want = autograd.grad(
        lambda x: anp.sum(anp.abs(anp.linalg.eig(x)[1]) * W) + anp.real(anp.sum(anp.linalg.eig(x)[0]))
    )(A)
    f = lambda x: np.sum(np.abs(np.linalg.eig(x)[1]) * W) + np.real(np.sum(np.linalg.eig(x)[0]))  # noqa: E731
    for method in EXACT:
        np.testing.assert_allclose(dl.grad(f, method=method)(A), want, rtol=1e-9, atol=1e-11)


def test_eig_under_symbolic_and_its_refusal_of_a_non_square_matrix():
    # (symbolic refused eig by name; ops/complex_linalg.py's opaque kinds now: Re Σλ = tr A, its gradient I)
    got = dl.grad(lambda x: np.real(np.sum(np.linalg.eigvals(x))), method="symbolic")(np.eye(2) + 0.1)
    np.testing.assert_allclose(got, np.eye(2), atol=1e-14)
    with pytest.raises(ValueError, match="square"):
        dl.grad(lambda x: np.real(np.sum(np.linalg.eigvals(x))))(np.ones((2, 3)))


def test_numeric_through_complex_decompositions_of_real_inputs():
    """Numeric differentiates real inputs through complex intermediates: eigh, svd and eig of complex
    matrices (their scales, the least gaps, read complex matrices), as reverse does."""
    x = RNG.normal(size=(3, 3))

    def f(x):
        z = x * (1.0 + 0.5j)
        return (
            np.sum(np.abs(np.linalg.svd(z)[0]))
            + np.sum(np.linalg.eigh(z)[0] ** 2)
            + np.sum(np.abs(np.linalg.eigvals(z)))
        )

    np.testing.assert_allclose(dl.grad(f, method="numeric")(x), dl.grad(f)(x), rtol=1e-6, atol=1e-7)
