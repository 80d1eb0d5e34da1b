"""Complex determinants and solves (issue 11's last part): det, the cofactor, slogdet (its phase too), cholesky,
pinv, solve and lstsq of complex matrices, against 2×2 closed forms, central differences of the
realified function and autograd where autograd agrees; and jacobian(has_aux=True / sparse=True) at
complex leaves. The registry-driven check (test_complex.py) covers every entry's rules at complex samples."""

import warnings

import numpy as np
import pytest

import difflab as dl
from difflab.ops import REGISTRY

EXACT = ("forward", "reverse")
A = np.array([[2.0 + 1.0j, 1.0 - 0.5j], [0.5j, 3.0 - 0.2j]])
SINGULAR = np.array([[1.0, 1.0j], [1.0j, -1.0]])  # det = −1 − i² = 0, rank 1


def _parts_gradient(f, z, h=1e-6):
    """∂f/∂x − i ∂f/∂y by central differences (the convention's gradient of a real f)."""
    z = np.asarray(z, dtype=complex)
    g = np.zeros_like(z)
    for k in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[k] = h
        g[k] = (f(z + e) - f(z - e)) / (2 * h) - 1j * (f(z + 1j * e) - f(z - 1j * e)) / (2 * h)
    return g


def _cof2(m):
    """adj(M)ᵀ of a 2×2 M: [[d, −c], [−b, a]]."""
    (a, b), (c, d) = m
    return np.array([[d, -c], [-b, a]])


@pytest.mark.parametrize("method", EXACT)
def test_det_s_complex_derivative_is_the_cofactor_also_where_singular(method):
    for m in (A, SINGULAR):
        got = dl.jacobian(np.linalg.det, method=method, holomorphic=True)(m)
        np.testing.assert_allclose(got, _cof2(m), atol=1e-12)
        np.testing.assert_allclose(REGISTRY["cofactor"](m), _cof2(m), atol=1e-12)
    # det″ of a 2×2 is constant: ∂²(ad − bc) — 1 at (a, d), −1 at (b, c); at the singular A, the cofactor's
    # JVP by the SVD (its exact rule there, conj(U) and V in the complex case) is cof(T), linear for a 2×2
    want = np.zeros((2, 2, 2, 2))
    want[0, 0, 1, 1] = want[1, 1, 0, 0] = 1.0
    want[0, 1, 1, 0] = want[1, 0, 0, 1] = -1.0
    for m in (A, SINGULAR):  # (at SINGULAR, a traced inv of it was a LinAlgError: trace.py's _refused took f only)
        np.testing.assert_allclose(dl.hessian(np.linalg.det, method=method, holomorphic=True)(m), want, atol=1e-12)
    t = np.array([[0.3 - 1.0j, 2.0], [0.5j, -1.0 + 0.2j]])
    np.testing.assert_allclose(dl.jvp(REGISTRY["cofactor"], (SINGULAR,), (t,), method=method)[1], _cof2(t))
    u = np.array([[1.0, -0.5j], [2.0 + 1.0j, 0.4]])  # the VJP: the transpose under Re Σ ū·t
    back = dl.vjp(REGISTRY["cofactor"], SINGULAR, method=method)[1](u)[0]
    assert np.real(np.sum(back * t)) == pytest.approx(np.real(np.sum(u * _cof2(t))))


@pytest.mark.parametrize("method", EXACT)
def test_slogdet_of_a_complex_matrix_its_phase_and_log_modulus(method):
    sign, logdet = dl.numpy.linalg.slogdet(A)
    want_sign, want_log = np.linalg.slogdet(A)
    assert sign == pytest.approx(want_sign) and abs(sign) == pytest.approx(1.0) and logdet == pytest.approx(want_log)
    # ∇ log|det A| = A⁻ᵀ (as autograd's); the phase s: ds = s · i Im tr(A⁻¹ dA), checked by differences
    np.testing.assert_allclose(dl.grad(lambda a: np.linalg.slogdet(a)[1], method=method)(A), np.linalg.inv(A).T)
    phase = lambda a: np.real(np.linalg.slogdet(a)[0] * (1.0 + 2.0j))  # noqa: E731
    np.testing.assert_allclose(dl.grad(phase, method=method)(A), _parts_gradient(phase, A), rtol=1e-6)
    real_a = np.array([[2.0, 1.0], [0.5, 3.0]])  # a real matrix's sign ±1: derivative 0
    np.testing.assert_allclose(dl.grad(lambda a: np.linalg.slogdet(a)[0], method=method)(real_a), 0.0)


def test_det_and_log_det_against_autograd():
    autograd = pytest.importorskip("autograd")
    anp = autograd.numpy
    for ours, theirs in [
        (lambda a: np.abs(np.linalg.det(a)) ** 2, lambda a: anp.abs(anp.linalg.det(a)) ** 2),
        (lambda a: np.linalg.slogdet(a)[1], lambda a: anp.linalg.slogdet(a)[1]),
        (lambda a: np.real(np.linalg.solve(a, np.array([1.0, 1.0j])).sum()),
         lambda a: anp.real(anp.linalg.solve(a, np.array([1.0, 1.0j])).sum())),
    ]:  # fmt: skip
        want = autograd.grad(theirs)(A)
        for method in EXACT:
            np.testing.assert_allclose(dl.grad(ours, method=method)(A), want, rtol=1e-10)


H = np.array([[4.0, 0.0], [1.0 + 2.0j, 6.0]])  # the lower triangle of the Hermitian [[4, 1 − 2i], [1 + 2i, 6]]


@pytest.mark.parametrize("method", EXACT)
def test_cholesky_of_a_hermitian_2x2_known_answer_and_gradient(method):
    a, b, d = 4.0, 1.0 + 2.0j, 6.0  # L = [[√a, 0], [b/√a, √(d − |b|²/a)]], L Lᴴ = A
    want = np.array([[np.sqrt(a), 0.0], [b / np.sqrt(a), np.sqrt(d - abs(b) ** 2 / a)]])
    np.testing.assert_allclose(dl.numpy.linalg.cholesky(H), want)
    w = np.array([[1.0, 0.0], [2.0 + 1.0j, 3.0 - 1.0j]])
    f = lambda h: np.real(np.sum(w * np.linalg.cholesky(h)))  # noqa: E731  (reads the lower triangle)
    np.testing.assert_allclose(dl.grad(f, method=method)(H), _parts_gradient(f, H), rtol=1e-6, atol=1e-9)


def test_cholesky_through_a_complex_intermediate_of_real_inputs():
    def f(x):  # a Hermitian positive definite matrix built from real x: every method, numeric too
        h = x[0] * np.array([[1.0, 0.0], [1.0j, 0.0]]) + x[1] * np.array([[0.0, 0.0], [0.0, 1.0]]) + 4.0 * np.eye(2)
        return np.sum(np.abs(np.linalg.cholesky(h)) ** 2 * np.array([[1.0, 0.0], [2.0, 3.0]]))

    x = np.array([0.7, 1.3])
    want = [(f(x + e) - f(x - e)) / 2e-6 for e in 1e-6 * np.eye(2)]
    for method in ("forward", "reverse", "numeric"):
        np.testing.assert_allclose(dl.grad(f, method=method)(x), want, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numeric's Richardson table summed complex rows as floats (ComplexWarning)
        got = dl.jacobian(lambda x: np.linalg.cholesky(x[0] * H + np.eye(2)), method=dl.Numeric(scheme="richardson"))(x)
    np.testing.assert_allclose(got, dl.jacobian(lambda x: np.linalg.cholesky(x[0] * H + np.eye(2)))(x), atol=1e-8)


@pytest.mark.parametrize("method", EXACT)
def test_pinv_and_lstsq_of_complex_matrices(method):
    v = np.array([[1.0 + 1.0j], [2.0 - 1.0j]])  # a column: v⁺ = vᴴ / |v|²
    np.testing.assert_allclose(dl.numpy.linalg.pinv(v), v.conj().T / 7.0)
    m = np.array([[1.0 + 0.5j, 0.3], [-0.2j, 1.5], [0.4, 0.7 - 0.6j]])
    w = np.array([[1.0, 2.0j, 0.5], [0.3, -1.0, 1.0 + 1.0j]])
    f = lambda a: np.real(np.sum(w * np.linalg.pinv(a) ** 2))  # noqa: E731
    # (autograd's pinv VJP transposes without conjugating: its gradient of this f is not the differences')
    np.testing.assert_allclose(dl.grad(f, method=method)(m), _parts_gradient(f, m), rtol=1e-6, atol=1e-9)
    b = np.array([1.0, 1.0j, -0.5])
    residual = lambda a: np.linalg.lstsq(a, b, rcond=None)[1][0]  # noqa: E731  Σ|r|², real
    assert dl.numpy.linalg.lstsq(m, b, rcond=None)[1][0] == pytest.approx(residual(m))
    want = _parts_gradient(residual, m)
    np.testing.assert_allclose(dl.grad(residual, method=method)(m), want, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numeric's rounding estimate cast complex values to longdouble (ComplexWarning)
        np.testing.assert_allclose(dl.grad(residual, method="numeric")(m), want, rtol=1e-6)


Z = np.array([0.7 - 0.4j, -1.1 + 0.9j, 0.3 + 0.2j])


@pytest.mark.parametrize("method", ("forward", "reverse", "numeric"))
def test_jacobian_has_aux_and_sparse_at_complex_leaves(method):
    f = lambda z: np.abs(z[1:] * z[:-1]) ** 2  # noqa: E731
    dense = dl.jacobian(f, method=method)(Z)
    jac, aux = dl.jacobian(lambda z: (f(z), {"s": np.sum(z)}), method=method, has_aux=True)(Z)
    np.testing.assert_allclose(jac, dense)
    assert aux["s"] == pytest.approx(np.sum(Z))
    sparse = dl.jacobian(f, method=method, sparse=True)
    np.testing.assert_allclose(sparse(Z).toarray(), dense, rtol=1e-7, atol=1e-9)
    # two arguments, one complex and one real: the columns in argument order, the real ones as they were
    g = lambda a, r: np.abs(a * r[0]) ** 2 + r[1:]  # noqa: E731
    got = dl.jacobian(g, argnums=(0, 1), method=method, sparse=True)(Z[:2], np.array([2.0, 3.0]))
    want = np.hstack(dl.jacobian(g, argnums=(0, 1), method=method)(Z[:2], np.array([2.0, 3.0])))
    np.testing.assert_allclose(got.toarray(), want, rtol=1e-7, atol=1e-9)
    with pytest.raises(TypeError, match="sparse=True.*complex output at a complex leaf"):
        dl.jacobian(lambda z: z * z, method=method, sparse=True)(Z)


@pytest.mark.parametrize("method", ("forward", "reverse", "numeric"))
def test_sparse_jacobian_at_complex_leaves_keeps_its_pattern_and_gives_the_caller_s_index(method, monkeypatch):
    """The sparsity pattern is read once per layout of complex leaves, as for real leaves (it was read again on
    every call: a new realified function each time), and `index` is the caller's layout, one column per complex
    element (it was None)."""
    import difflab.sparse as sparse

    reads = []
    read = sparse._pattern
    monkeypatch.setattr(sparse, "_pattern", lambda *a: reads.append(1) or read(*a))
    jac = dl.jacobian(lambda z: np.abs(z[1:] * z[:-1]) ** 2, method=method, sparse=True)
    first, second = jac(Z), jac(2.0 * Z)
    assert len(reads) == 1
    # |z_k z_{k+1}|²: ∂/∂x − i∂/∂y in z_k is 2 |z_{k+1}|² conj(z_k); at 2Z every entry is 8 times Z's
    np.testing.assert_allclose(first.toarray()[0, :2], 2 * np.abs(Z[1::-1]) ** 2 * np.conj(Z[:2]), rtol=1e-7)
    np.testing.assert_allclose(second.toarray(), 8.0 * first.toarray(), rtol=1e-7, atol=1e-9)
    assert jac.index.rows.tolist() == [0, 1] and jac.index.cols.tolist() == [0, 1, 2]
    g = lambda a, r: {"o": np.abs(a * r[0]) ** 2 + r[1:]}  # noqa: E731
    pair = dl.jacobian(g, argnums=(0, 1), method=method, sparse=True)
    joined = pair(Z[:2], np.array([2.0, 3.0]))
    blocks = pair.index.blocks(joined)["o"]
    assert [c.tolist() for c in pair.index.cols] == [[0, 1], [2, 3]]
    np.testing.assert_allclose(blocks[0].toarray(), np.diag(8.0 * np.conj(Z[:2])), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(
        blocks[1].toarray(), [[4.0 * abs(Z[0]) ** 2, 1.0], [4.0 * abs(Z[1]) ** 2, 1.0]], rtol=1e-7
    )


@pytest.mark.parametrize("method", EXACT)
def test_sparse_jacobian_keeps_a_complex_output_s_imaginary_part(method):
    # real inputs, a complex output: the rows are complex (they were cast to float, Im dropped)
    got = dl.jacobian(lambda x: x[1:] * x[:-1] * (1.0 + 2.0j), method=method, sparse=True)(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(got.toarray(), np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]]) * (1.0 + 2.0j))
