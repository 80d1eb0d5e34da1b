"""Linear algebra against known answers: the perturbation formulas of det, eigh, svd, cholesky and
einsum, for every method (symbolic where the op has a SymPy form at that size), and second
derivatives by composition checked against finite differences of the first."""

import warnings

import math

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["forward", "reverse", "numeric", "symbolic"]
RTOL = {"forward": 1e-10, "reverse": 1e-10, "symbolic": 1e-10, "numeric": 1e-6}


def _sym(a):
    return (a + a.T) / 2


def _jvp(f, x, dx, method):
    return dl.jvp(f, (x,), (dx,), method=method)[1]


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# -- determinant: d det(A) = det(A) tr(A⁻¹ dA) ---------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_det_perturbation(method, rng):
    n = 2 if method == "symbolic" else 4  # SymPy's determinant of a 4×4 is slow, not wrong
    a, da = rng.normal(size=(n, n)) + 2 * np.eye(n), rng.normal(size=(n, n))
    expected = np.linalg.det(a) * np.trace(np.linalg.solve(a, da))
    np.testing.assert_allclose(_jvp(np.linalg.det, a, da, method), expected, rtol=RTOL[method])


# -- eigh: dλi = viᵀ dA vi; eigenvectors stay orthonormal and satisfy the perturbed eigen-equation --


def _spectrum(rng, n):
    """A symmetric matrix with well separated eigenvalues 1, 3, 5, ..."""
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return q @ np.diag(1.0 + 2.0 * np.arange(n)) @ q.T


@pytest.mark.parametrize("method", METHODS)
def test_eigh_eigenvalue_first_order_perturbation(method, rng):
    n = 2 if method == "symbolic" else 4
    a, da = _spectrum(rng, n), _sym(rng.normal(size=(n, n)))
    w, v = np.linalg.eigh(a)
    expected = np.einsum("ji,jk,ki->i", v, da, v)
    got = _jvp(lambda a: dnp.linalg.eigh(a)[0], a, da, method)
    np.testing.assert_allclose(got, expected, rtol=RTOL[method], atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_eigh_eigenvectors_satisfy_the_perturbed_equation(method, rng):
    """With A V = V Λ and Vᵀ V = I: dA V + A dV = dV Λ + V dΛ, and Vᵀ dV is antisymmetric."""
    n = 2 if method == "symbolic" else 4
    a, da = _spectrum(rng, n), _sym(rng.normal(size=(n, n)))
    w, v = dnp.linalg.eigh(a)
    dw = _jvp(lambda a: np.linalg.eigh(a).eigenvalues, a, da, method)
    dv = _jvp(lambda a: np.linalg.eigh(a).eigenvectors, a, da, method)
    tol = 1e-5 if method == "numeric" else 1e-9
    np.testing.assert_allclose(da @ v + a @ dv, dv * w + v * dw, atol=tol)
    np.testing.assert_allclose(v.T @ dv + dv.T @ v, np.zeros((n, n)), atol=tol)


def test_eigh_reads_the_lower_triangle_like_numpy(rng):
    """NumPy ignores the upper triangle: so do the derivatives (numeric agrees), and UPLO='U' the lower."""
    a = _spectrum(rng, 3) + np.triu(rng.normal(size=(3, 3)), 1)  # garbage above the diagonal
    np.testing.assert_allclose(dnp.linalg.eigh(a)[0], np.linalg.eigh(a)[0], rtol=1e-14)
    np.testing.assert_allclose(dnp.linalg.eigh(a, UPLO="U")[0], np.linalg.eigh(a, UPLO="U")[0], rtol=1e-14)
    for uplo in ("L", "U"):
        f = lambda a: dnp.sum(np.linalg.eigh(a, UPLO=uplo)[0] * np.array([1.0, -2.0, 0.5]))
        g = {m: dl.grad(f, method=m)(a) for m in ("forward", "reverse", "numeric")}
        untouched = (
            np.triu(np.ones((3, 3)), 1).astype(bool) if uplo == "L" else np.tril(np.ones((3, 3)), -1).astype(bool)
        )
        assert np.all(g["reverse"][untouched] == 0.0)
        np.testing.assert_allclose(g["forward"], g["reverse"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(g["numeric"], g["reverse"], rtol=1e-6, atol=1e-8)


def test_eigh_symbolic_beyond_2x2_per_scalar(rng):
    """Beyond SymPy's 2×2 closed form the scalar path writes eigh as opaque functions (ops/opaque.py;
    it raised NotDifferentiableError before); the matrix-level form holds eigh's registry adjoint."""
    f, a = lambda a: dnp.sum(dnp.linalg.eigh(a)[0] ** 2), _spectrum(rng, 3)
    want = dl.grad(f)(a)
    np.testing.assert_allclose(dl.grad(f, method=dl.Symbolic(matrix=False))(a), want, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dl.grad(f, method="symbolic")(a), want, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(
    ("name", "f", "shape"),
    [
        ("inv", lambda a: dnp.sum(dnp.sin(dnp.linalg.inv(a))), (8, 8)),  # autograd's test_inv
        ("det", np.linalg.det, (6, 6)),
        ("logabsdet", lambda a: np.sum(np.linalg.slogdet(a)[1]), (3, 5, 5)),
        ("cholesky", lambda a: dnp.sum(dnp.linalg.cholesky(a @ a.T)), (6, 6)),
        ("pinv", lambda a: dnp.sum(dnp.linalg.pinv(a) ** 2), (7, 5)),
    ],
)
def test_symbolic_jvp_of_an_inverse_or_determinant_beyond_4x4(name, f, shape, rng):
    """SymPy's explicit inverse and determinant grow factorially (autograd's 8×8 test_inv ran for hours): above
    4×4 the scalar program (a JVP) writes them as opaque matrix functions (ops/opaque.py; before, refused by
    name); the JVP and the matrix-level gradient equal reverse's."""
    a = rng.normal(size=shape) + shape[-1] * np.eye(*shape[-2:])
    t = np.ones_like(a)
    got = dl.jvp(f, (a,), (t,), method="symbolic")[1]
    np.testing.assert_allclose(got, dl.jvp(f, (a,), (t,), method="reverse")[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dl.grad(f, method="symbolic")(a), dl.grad(f)(a), rtol=1e-9, atol=1e-12)


def test_eigh_repeated_eigenvalue(rng):
    """Documented: at a repeated eigenvalue the eigenvectors have no derivative (the rule divides by
    λj − λi = 0 and says so with inf/NaN); the eigenvalues' sum, the trace, still has gradient I."""
    a = np.diag([1.0, 1.0, 3.0])
    np.testing.assert_allclose(dl.grad(lambda a: dnp.sum(dnp.linalg.eigh(a)[0]))(a), np.eye(3))
    with pytest.warns(dl.DomainWarning, match="eigh_vectors"):
        dv = dl.jacobian(lambda a: dnp.linalg.eigh(a)[1])(a)
    assert not np.all(np.isfinite(dv))


# -- svd: dσi = uiᵀ dA vi; the factors reproduce dA -------------------------------------------------


def _svd_cases(shapes):
    """method × shape; symbolic on a wide matrix (2 rows: its sign convention's Piecewise makes SymPy
    take 40–85 s) runs with `pytest -m slow` only; the tall and square cases stay in the suite."""
    return [
        pytest.param(m, sh, marks=[pytest.mark.slow] if (m, sh) == ("symbolic", (3, 4)) else [])
        for m in METHODS
        for sh in shapes
    ]


@pytest.mark.parametrize("method, shape", _svd_cases([(4, 3), (3, 4)]))
def test_svd_singular_value_derivative(method, shape, rng):
    if method == "symbolic":
        shape = (shape[0], 2) if shape[0] > shape[1] else (2, shape[1])
    a, da = rng.normal(size=shape), rng.normal(size=shape)
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    expected = np.einsum("ji,jk,ik->i", u, da, vt)
    got = _jvp(lambda a: dnp.linalg.svd(a, full_matrices=False)[1], a, da, method)
    np.testing.assert_allclose(got, expected, rtol=RTOL[method], atol=1e-9)


@pytest.mark.parametrize("method, shape", _svd_cases([(4, 3), (3, 4), (3, 3)]))
def test_svd_factors_reproduce_the_perturbation(method, shape, rng):
    """dA = dU S Vᵀ + U dS Vᵀ + U S dVᵀ, with Uᵀ dU and Vᵀ dV antisymmetric."""
    if method == "symbolic":  # small: the sign convention's Piecewise grows with the columns of Vᵀ
        shape = {(4, 3): (3, 2), (3, 4): (2, 3), (3, 3): (2, 2)}[shape]
    a, da = rng.normal(size=shape), rng.normal(size=shape)
    u, s, vt = dnp.linalg.svd(a, full_matrices=False)
    du, ds, dvt = (_jvp(lambda a, k=k: dnp.linalg.svd(a, full_matrices=False)[k], a, da, method) for k in range(3))
    tol = 1e-5 if method == "numeric" else 1e-9
    np.testing.assert_allclose(du * s @ vt + u * ds @ vt + u * s @ dvt, da, atol=tol)
    np.testing.assert_allclose(u.T @ du + du.T @ u, 0 * np.eye(len(s)), atol=tol)
    np.testing.assert_allclose(vt @ dvt.T + dvt @ vt.T, 0 * np.eye(len(s)), atol=tol)


def test_svd_values_match_numpy(rng):
    a = rng.normal(size=(2, 4, 3))
    u, s, vt = dnp.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-14)
    np.testing.assert_allclose(u * s[..., None, :] @ vt, a, atol=1e-13)
    plain = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_array_equal(u, plain[0])  # LAPACK's signs, as NumPy returns them
    np.testing.assert_array_equal(vt, plain[2])
    canonical = dl.ops.svd_vt(a)  # the entry's own convention: the largest entry of each row is positive
    assert np.all(np.abs(canonical).argmax(-1) == np.argmax(canonical, axis=-1))
    np.testing.assert_allclose(dnp.linalg.svd(a, compute_uv=False), s)


def _thin_parts(a, full):
    """U's first k columns and Vh's first k rows of the full (or thin) svd of a, k = min(m, n)."""
    k = min(a.shape[-2:])
    u, s, vt = np.linalg.svd(a, full_matrices=full)
    return u[..., :k], s, vt[..., :k, :]


@pytest.mark.parametrize("shape", [(4, 2), (2, 4), (2, 3, 4)])
def test_full_svd_of_a_non_square_matrix(shape, rng):
    """svd(full_matrices=True): NumPy's values; its first k columns differentiate as the thin svd's
    (forward, reverse, numeric), and a derivative that depends on the extra columns (any orthonormal
    basis of the complement: not unique; JAX refuses it) is NaN with a DomainWarning."""
    a = rng.normal(size=shape)
    for ours, numpys in zip(dnp.linalg.svd(a), np.linalg.svd(a)):
        np.testing.assert_allclose(ours, numpys, rtol=1e-12, atol=1e-12)
    weights = [rng.normal(size=p.shape) for p in _thin_parts(a, False)]

    def loss(a, full):
        return sum((p * w).sum() for p, w in zip(_thin_parts(a, full), weights))

    thin = dl.grad(lambda a: loss(a, False))(a)
    for method in ("forward", "reverse", "numeric"):
        got = dl.grad(lambda a: loss(a, True), method=method)(a)
        np.testing.assert_allclose(got, thin, rtol=1e-6 if method == "numeric" else 1e-12, atol=1e-9)
    extra = 0 if shape[-2] > shape[-1] else 2  # U's extra columns (tall) or Vh's extra rows (wide)
    with pytest.warns(dl.DomainWarning, match="not unique"):
        g = dl.grad(lambda a: np.linalg.svd(a)[extra].sum())(a)
    assert np.isnan(g).all()


def test_full_svd_extra_columns_under_symbolic():
    """Per scalar, SymPy refuses the extra columns' derivative by name; at matrix level symbolic reads
    the registry's rules (NaN with a DomainWarning, as forward and reverse) and U[:, :k] differentiates."""
    a = np.array([[1.0], [2.0]])
    with pytest.raises(dl.NotDifferentiableError, match="symbolic method cannot differentiate svd_complement"):
        dl.grad(lambda a: np.linalg.svd(a)[0].sum(), method=dl.Symbolic(matrix=False))(a)
    with pytest.warns(dl.DomainWarning, match="not unique"):
        assert np.isnan(dl.grad(lambda a: np.linalg.svd(a)[0].sum(), method="symbolic")(a)).all()
    g = dl.grad(lambda a: np.linalg.svd(a)[0][:, 0].sum(), method="symbolic")(a)
    np.testing.assert_allclose(g, dl.grad(lambda a: np.linalg.svd(a)[0][:, 0].sum())(a), atol=1e-12)


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
def test_matrix_norms_from_singular_values(ord, rng):
    """‖A‖₂ has gradient u₁v₁ᵀ, the nuclear norm U Vᵀ, -2 the last pair: against all four methods."""
    a = rng.normal(size=(3, 2))
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    expected = {"nuc": u @ vt, 2: np.outer(u[:, 0], vt[0]), -2: np.outer(u[:, -1], vt[-1])}[ord]
    for method in METHODS:
        got = dl.grad(lambda a: np.linalg.norm(a, ord), method=method)(a)
        np.testing.assert_allclose(got, expected, rtol=RTOL[method], atol=1e-8, err_msg=method)
    np.testing.assert_allclose(dnp.linalg.norm(a, ord), np.linalg.norm(a, ord), rtol=1e-14)


# -- cholesky: against the 2×2 closed form, and dA = dL Lᵀ + L dLᵀ at every size ---------------------


@pytest.mark.parametrize("method", METHODS)
def test_cholesky_against_the_2x2_closed_form(method):
    """L = [[√a, 0], [b/√a, √(c − b²/a)]] for A = [[a, b], [b, c]], differentiated by hand."""
    a, b, c = 4.0, 1.2, 3.0
    A = np.array([[a, b], [b, c]])
    r = np.sqrt(c - b * b / a)
    expected = np.zeros((2, 2, 2, 2))  # dL[i, j] / dA[k, l]; only the lower triangle of A is read
    expected[0, 0, 0, 0] = 0.5 / np.sqrt(a)
    expected[1, 0, 1, 0] = 1 / np.sqrt(a)
    expected[1, 0, 0, 0] = -0.5 * b / a**1.5
    expected[1, 1, 1, 1] = 0.5 / r
    expected[1, 1, 1, 0] = -b / (a * r)
    expected[1, 1, 0, 0] = 0.5 * b * b / (a * a * r)
    got = dl.jacobian(np.linalg.cholesky, method=method)(A)
    np.testing.assert_allclose(got, expected, rtol=RTOL[method], atol=1e-8)


@pytest.mark.parametrize("method", ["forward", "reverse", "numeric"])
def test_cholesky_perturbation_identity(method, rng):
    b = rng.normal(size=(4, 4))
    a, da = b @ b.T + np.eye(4), _sym(rng.normal(size=(4, 4)))
    low = np.linalg.cholesky(a)
    dl_ = _jvp(np.linalg.cholesky, a, da, method)
    tol = 1e-5 if method == "numeric" else 1e-10
    np.testing.assert_allclose(dl_ @ low.T + low @ dl_.T, da, atol=tol)
    np.testing.assert_allclose(np.triu(dl_, 1), 0 * da, atol=tol)
    np.testing.assert_allclose(dnp.linalg.cholesky(a, upper=True), low.T)


def test_symbolic_gradient_of_a_3x3_cholesky():
    # the matrix-level closed form is written at placeholder values, which are not SPD: cholesky
    # refuses them, and the symbolic method answers by its scalar path (it raised that refusal)
    a = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.1]])
    f = lambda a: dnp.sum(dnp.linalg.cholesky(a) ** 3)
    np.testing.assert_allclose(dl.grad(f, method="symbolic")(a), dl.grad(f, method="reverse")(a), rtol=1e-10)


# -- einsum: gradients with known closed forms ---------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_einsum_known_gradients(method, rng):
    a, b, x = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)
    tol = dict(rtol=RTOL[method], atol=1e-8)
    np.testing.assert_allclose(dl.grad(lambda a: np.einsum("ij,ij->", a, b), method=method)(a), b, **tol)
    np.testing.assert_allclose(dl.grad(lambda a: np.einsum("ii", a), method=method)(a), np.eye(3), **tol)
    np.testing.assert_allclose(dl.grad(lambda x: np.einsum("i,ij,j", x, a, x), method=method)(x), (a + a.T) @ x, **tol)
    np.testing.assert_allclose(
        dl.grad(lambda a: np.einsum("...ij,...jk->...ik", a, b).sum(), method=method)(a), np.ones((3, 3)) @ b.T, **tol
    )


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic"])
def test_einsum_second_derivative(method, rng):
    """The Hessian of xᵀ A x is A + Aᵀ; of (xᵀ A x)² it is 2 (A + Aᵀ) x xᵀ (A + Aᵀ)ᵀ + 2 xᵀAx (A + Aᵀ)."""
    a, x = rng.normal(size=(3, 3)), rng.normal(size=3)
    s = a + a.T
    np.testing.assert_allclose(dl.hessian(lambda x: np.einsum("i,ij,j->", x, a, x), method=method)(x), s, rtol=1e-12)
    q = x @ a @ x
    expected = 2 * np.outer(s @ x, s @ x) + 2 * q * s
    np.testing.assert_allclose(
        dl.hessian(lambda x: np.einsum("i,ij,j->", x, a, x) ** 2, method=method)(x), expected, rtol=1e-12
    )


@pytest.mark.parametrize("method", METHODS)
def test_einsum_interleaved_sublist_form(method, rng):
    """np.einsum(a, [0, 1], b, [1, 2], [0, 2]), NumPy's second spelling (autograd's test_systematic
    einsum2_* checks): the same value as NumPy's and the gradients of the string form."""
    a, b, c = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(2, 3, 4))
    tol = dict(rtol=RTOL[method], atol=1e-8)
    for interleaved, string, args in [
        ((0, [0, 1], 1, [1, 2], [0, 2]), "ij,jk->ik", (a, b)),
        ((0, [0, 1], 1, [1, 2]), "ij,jk", (a, b)),
        ((0, [Ellipsis, 0, 1], 1, [1, 2], [Ellipsis, 0, 2]), "...ij,jk->...ik", (c, b)),
        ((0, [0, 1], 1, [0, 1], [1]), "ij,ij->j", (a, a)),
    ]:
        spell = lambda x, y: [x if k == 0 else y if k == 1 else k for k in interleaved]
        w = np.cos(np.arange(np.einsum(string, *args).size)).reshape(np.einsum(string, *args).shape)
        np.testing.assert_allclose(dnp.einsum(*spell(*args)), np.einsum(*spell(*args)), rtol=1e-14)
        want = dl.grad(lambda x, y: np.sum(np.einsum(string, x, y) * w), argnums=(0, 1), method="reverse")(*args)
        got = dl.grad(lambda x, y: np.sum(np.einsum(*spell(x, y)) * w), argnums=(0, 1), method=method)(*args)
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, **tol)
    with pytest.raises(ValueError, match=r"einsum: sublist label 'i'"):
        dl.grad(lambda x: np.sum(np.einsum(x, ["i", "j"])))(a)


def test_einsum_matches_numpy_and_rejects_bad_subscripts(rng):
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5))
    for sub, args in [
        ("...ij,jk", (a, b)),
        ("bij,jk->ki", (a, b)),
        ("iij->j", (rng.normal(size=(3, 3, 2)),)),
        ("ijk->", (a,)),
        ("i,j", (b[0], b[:, 0])),
    ]:
        np.testing.assert_allclose(dnp.einsum(sub, *args), np.einsum(sub, *args), rtol=1e-14, err_msg=sub)
    with pytest.raises(ValueError, match=r"einsum: operand 0 has 3 axes"):
        dl.grad(lambda a: np.einsum("ij->", a))(a)
    with pytest.raises(ValueError, match=r"einsum: subscripts 'ij,jk->ik' name 2 operands but 1"):
        dl.grad(lambda a: np.einsum("ij,jk->ik", a))(a)


# -- second derivatives of the decompositions: forward-over-reverse vs finite differences of reverse --


@pytest.mark.parametrize(
    "name,f,shape",
    [
        ("eigh", lambda a: dnp.sum(dnp.linalg.eigh(a)[0] ** 3) + dnp.sum(dnp.linalg.eigh(a)[1][:, 0] ** 3), (3, 3)),
        (
            "svd",
            lambda a: (
                dnp.sum(dnp.linalg.svd(a, full_matrices=False)[1] ** 3)
                + dnp.sum(dnp.linalg.svd(a, full_matrices=False)[0] ** 3)
            ),
            (3, 2),
        ),
        ("cholesky", lambda a: dnp.sum(dnp.linalg.cholesky(a) ** 3), (3, 3)),
        ("einsum", lambda a: dnp.sum(dnp.einsum("ij,jk,kl->il", a, a, a) ** 2), (2, 2)),
    ],
)
def test_second_derivatives_of_decompositions(name, f, shape, rng):
    a = rng.normal(size=shape)
    if shape[0] == shape[1] and name != "einsum":
        a = _spectrum(rng, shape[0]) + (4 * np.eye(shape[0]) if name == "cholesky" else 0)
    h = dl.hessian(f, method=("forward", "reverse"))(a)
    h_rr = dl.hessian(f, method=("reverse", "reverse"))(a)
    h_num = dl.jacobian(dl.grad(f, method="reverse"), method="numeric")(a)
    np.testing.assert_allclose(h, h_rr, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(h, h_num, rtol=1e-5, atol=1e-6)


# -- the derived functions of difflab.numpy: registry-style checks, four methods and second order ----

_R = np.random.default_rng(3)
_SQ = _R.normal(size=(2, 2)) + 2 * np.eye(2)
DERIVED = [
    ("slogdet", lambda a: dnp.linalg.slogdet(a)[1], (_SQ,)),
    ("solve", lambda a, b: dnp.linalg.solve(a, b), (_SQ, _R.normal(size=2))),
    ("solve-matrix", lambda a, b: dnp.linalg.solve(a, b), (_SQ, _R.normal(size=(2, 2)))),
    ("tensordot", lambda a, b: dnp.tensordot(a, b, axes=([0], [1])), (_R.normal(size=(2, 3)), _R.normal(size=(2, 2)))),
    ("kron", dnp.kron, (_R.normal(size=(2, 2)), _R.normal(size=(1, 2)))),
    ("dot", dnp.dot, (_R.normal(size=(2, 3)), _R.normal(size=3))),
    ("inner", dnp.inner, (_R.normal(size=(2, 3)), _R.normal(size=3))),
    ("outer", dnp.outer, (_R.normal(size=2), _R.normal(size=3))),
    ("vdot", dnp.vdot, (_R.normal(size=(2, 2)), _R.normal(size=(2, 2)))),
    ("trace", dnp.trace, (_R.normal(size=(3, 3)),)),
    ("diag", dnp.diag, (_R.normal(size=3),)),
    ("tril", lambda a: dnp.tril(a, -1), (_R.normal(size=(3, 3)),)),
    ("pinv", dnp.linalg.pinv, (_R.normal(size=(3, 2)),)),
    ("lstsq", lambda a, b: dnp.linalg.lstsq(a, b)[0], (_R.normal(size=(3, 2)), _R.normal(size=3))),
    ("lstsq-residuals", lambda a, b: dnp.linalg.lstsq(a, b)[1], (_R.normal(size=(3, 2)), _R.normal(size=3))),
    ("r_", lambda x, y: dnp.r_[x, 0.5, 1:3, y], (_R.normal(size=2), _R.normal(size=1))),
    ("c_", lambda x, y: dnp.c_[x, y], (_R.normal(size=2), _R.normal(size=2))),
    ("norm-nuc", lambda a: dnp.linalg.norm(a, "nuc"), (_R.normal(size=(2, 2)),)),
    ("logsumexp", lambda x: dnp.logsumexp(x, axis=0), (_R.normal(size=(3, 2)),)),
]


@pytest.mark.parametrize("name,f,args", DERIVED, ids=[d[0] for d in DERIVED])
def test_derived_functions_four_methods_and_second_order(name, f, args):
    argnums = tuple(range(len(args)))
    np.testing.assert_allclose(np.asarray(f(*args), dtype=float), np.asarray(f(*args)), rtol=0)
    ref = dl.jacobian(f, argnums=argnums, method="reverse")(*args)
    for method in ("forward", "numeric", "symbolic"):
        got = dl.jacobian(f, argnums=argnums, method=method)(*args)
        for g, r in zip(got, ref):
            np.testing.assert_allclose(g, r, rtol=RTOL[method], atol=1e-7, err_msg=f"{name} {method}")

    def loss(*xs):
        return dnp.sum(f(*xs) ** 2)

    h = dl.hessian(loss, argnums=0, method=("forward", "reverse"))(*args)
    h_sym = dl.hessian(loss, argnums=0, method="symbolic")(*args)
    h_num = dl.jacobian(dl.grad(loss, argnums=0, method="reverse"), method="numeric")(*args)
    np.testing.assert_allclose(h, h_sym, rtol=1e-9, atol=1e-9, err_msg=name)
    np.testing.assert_allclose(h, h_num, rtol=1e-5, atol=1e-6, err_msg=name)


# -- symbolic second derivatives of large closed forms (issue 11: svd 3×2 took minutes) -------------


def _svd_scalar(a):
    u, s, vt = dnp.linalg.svd(a, full_matrices=False)
    return dnp.sum(np.cos(np.arange(6.0)).reshape(3, 2) * u) + dnp.sum(s**3) + 0.1 * dnp.sum(vt * vt)


def test_symbolic_names_the_parts_of_a_large_closed_form():
    """pinv's closed form (AᵀA)⁻¹Aᵀ has entries of ~90 SymPy operations (svd's, ~400: a 2×2 eigh of
    AᵀA, signs, U = A V / s); named by their shared subexpressions, no assignment of the program
    is large, so `diff` of each (twice for a Hessian) stays cheap."""
    import sympy as sp

    from difflab.differentiators.program import to_sympy

    a = np.array([[1.2, 0.3], [0.2, 0.9], [-0.3, 0.6]])
    w = np.cos(np.arange(6.0)).reshape(2, 3)
    program = to_sympy(dl.trace(lambda a: dnp.sum(w * dnp.linalg.pinv(a)), a))
    sizes = [sp.count_ops(e) for _, e in program.assignments]
    assert max(sizes) <= 30, max(sizes)  # 92 when pinv's entries were assignments of their own
    # the assignments, evaluated in order, give the function's value
    vals = {s: sp.Float(float(v), 30) for s, v in zip(program.inputs[0].ravel(), a.ravel())}
    for s, e in program.needed(program.outputs):
        vals[s] = sp.N(e.xreplace(vals), 30)
    assert float(program.outputs[0].xreplace(vals)) == pytest.approx(float(np.sum(w * np.linalg.pinv(a))), rel=1e-12)


@pytest.mark.slow
def test_symbolic_hessian_of_a_3x2_svd_equals_reverse_over_reverse():
    a = np.array([[1.2, 0.3], [0.2, 0.9], [-0.3, 0.6]])
    h = dl.hessian(_svd_scalar, method="symbolic")(a)
    np.testing.assert_allclose(h, dl.hessian(_svd_scalar, method=("reverse", "reverse"))(a), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix(method):
    """d det/dA = adj(A)ᵀ, finite where A is singular (forward and reverse wrote det · A⁻ᵀ and raised
    NumPy's LinAlgError there); a rank-2 3×3 and a rank-1 2×2 matrix."""
    for a, cof in (
        (np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]), [[4.0, 4, -4], [-2, -2, 2], [0, 0, 0]]),
        (np.array([[1.0, 2], [2, 4]]), [[4.0, -2], [-2, 1]]),
    ):
        g = dl.grad(lambda x: dnp.linalg.det(x), method=method)(a)
        np.testing.assert_allclose(g, cof, rtol=1e-6, atol=1e-6)


def test_det_hessian_matches_numeric_on_a_stack():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(2, 3, 3))
    f = lambda x: dnp.sum(dnp.linalg.det(x) ** 2)  # noqa: E731
    h = dl.hessian(f, method="reverse")(a)
    np.testing.assert_allclose(h, dl.hessian(f, method="forward")(a), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(h, dl.hessian(f, method="numeric")(a), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_log_abs_det_at_a_singular_matrix_is_nan_with_a_warning(method):
    """log|det| is -inf at a singular matrix and its derivative infinite: NaN with a DomainWarning naming
    the user's equation, not NumPy's LinAlgError."""
    a = np.stack([np.array([[1.0, 2], [2, 4]]), np.array([[2.0, 1], [1, 3]])])
    with pytest.warns(dl.DomainWarning, match="logabsdet"):
        g = dl.grad(lambda x: dnp.sum(dnp.linalg.slogdet(x)[1]), method=method)(a)
    assert np.isnan(g[0]).all()
    jac = dl.jacobian(lambda x: dnp.linalg.slogdet(x)[1], method=method)(a)  # per matrix: the regular one's is A⁻ᵀ
    np.testing.assert_allclose(jac[1, 1], np.linalg.inv(a[1]).T, rtol=1e-12)


SINGULAR = [
    np.array([[1.0, 2], [2, 4]]),  # rank 1
    np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]),  # rank 2
    np.diag([2.0, 0.0, 0.0]),  # rank 1 of 3: the cofactor is 0, its derivative is not
    np.stack([np.array([[1.0, 2], [2, 4]]), np.array([[2.0, 1], [1, 3]])]),  # a stack: one singular, one regular
]


@pytest.mark.parametrize("method", ["forward", "reverse", ("reverse", "reverse"), ("forward", "reverse")])
def test_det_second_derivative_at_a_singular_matrix_is_exact(method):
    """det″ at an exactly singular A is the cofactor's derivative, finite (a polynomial): the cofactor's
    rules take the SVD's exact form there (A⁻¹ does not exist; they gave NaN with a DomainWarning)."""
    f = lambda x: dnp.sum(dnp.linalg.det(x) * np.array([1.0, 2.0])[: x.shape[0] if x.ndim == 3 else 1])  # noqa: E731
    for a in SINGULAR:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no DomainWarning: nothing is NaN
            h = dl.hessian(f, method=method)(a)
        np.testing.assert_allclose(h, dl.hessian(f, method="symbolic")(a), rtol=1e-12, atol=1e-12)


def _det_derivative_exact(a, e, k):
    """d^k/dε^k det(A + εE) at 0, from det(A + εE) = det E · det(εI + E⁻¹A), a polynomial in ε (np.poly)."""
    return np.linalg.det(e) * np.poly(-np.linalg.solve(e, a))[::-1][k] * math.factorial(k)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_det_third_derivative_at_a_singular_matrix_is_exact(method):
    """det‴ at an exactly singular A (a traced A reaches the cofactor's rules): the `cofactor_dk` entry with
    one and two directions, the SVD's division-free forms (they gave NaN with a DomainWarning: A⁻¹); right in
    whatever order the transform meets singular and invertible matrices."""
    rng = np.random.default_rng(5)
    e = rng.normal(size=(4, 4))
    rank2 = np.array([[1.0, 2, 3, 4], [2, 4, 6, 8], [1, 0, 1, 0], [3, 0, 3, 0]])
    rank3 = np.array([[1.0, 2, 3, 4], [2, 4, 6, 8], [1, 0, 1, 0], [0.5, -1, 2, 3]])
    d = lambda f: lambda a: dl.jvp(f, (a,), (e,), method=method)[1]  # noqa: E731
    third = d(d(d(np.linalg.det)))
    for a in (rng.normal(size=(4, 4)), rank2, rank3):  # an invertible A first: the transform is reused
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_allclose(third(a), _det_derivative_exact(a, e, 3), rtol=1e-11)
    three = np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])  # a cubic: det‴ = 6 det E along E, everywhere
    e3 = e[:3, :3]
    h = dl.hessian(np.linalg.det, method=method)
    got = dl.jvp(h, (three,), (e3,), method=method)[1]
    assert np.einsum("ijkl,ij,kl", got, e3, e3) == pytest.approx(6.0 * np.linalg.det(e3), rel=1e-12)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_det_derivatives_of_every_order_at_singular_matrices_are_exact(method):
    """d^k/dε^k det(A + εE) for k = 1..5 at an invertible 4×4, rank-1, 2 and 3 ones and a rank-4 5×5 equal
    np.poly's coefficients (0 beyond the degree): the one `cofactor_dk` entry, whose derivative is the next
    order's (det⁗ at a singular A was refused by name; where A was invertible it took A⁻¹)."""
    rng = np.random.default_rng(5)
    rank1 = np.outer([1.0, 2, 0, -1], [3.0, 1, 1, 2])
    rank2 = np.array([[1.0, 2, 3, 4], [2, 4, 6, 8], [1, 0, 1, 0], [3, 0, 3, 0]])
    rank3 = np.array([[1.0, 2, 3, 4], [2, 4, 6, 8], [1, 0, 1, 0], [0.5, -1, 2, 3]])
    five = np.array([[1.0, 2, 3, 4, 0], [2, 4, 6, 8, 0], [1, 0, 1, 0, 2], [3, 0, 3, 0, 4], [0, 1, 0, 1, 1]])
    for a in (rng.normal(size=(4, 4)), rank1, rank2, rank3, five):
        e = rng.normal(size=a.shape)
        c = np.poly(-np.linalg.solve(e, a))[::-1] * np.linalg.det(e)  # det(A + εE) = Σ c_k ε^k
        scale = np.abs(c).max() * 1e-12  # rank 1: det′ and det″ are 0, np.poly's round-off 1e-13
        f = np.linalg.det
        for k in range(1, 6):
            f = (lambda g: lambda x: dl.jvp(g, (x,), (e,), method=method)[1])(f)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no DomainWarning, no NotDifferentiableError
                got = f(a)
            want = c[k] * math.factorial(k) if k < len(c) else 0.0
            assert got == pytest.approx(want, rel=1e-11, abs=scale), (a.shape, np.linalg.matrix_rank(a), k)


def test_det_fourth_derivative_through_a_symbolic_hessian_above_4x4():
    """forward over reverse over the symbolic Hessian of a 5×5 det: the traced opaque parts record cofactor_dk with
    the n² unit directions stacked and one direction each from the outer sweeps, which its general (k ≥ 3) form
    stacked unbroadcast (ValueError on main); d⁴ det along E equals np.poly's coefficient, at a singular A too."""
    rng = np.random.default_rng(4)
    e = rng.normal(size=(5, 5))
    singular = rng.normal(size=(5, 5))
    singular[4] = singular[0] - singular[2]
    inner = dl.hessian(np.linalg.det, method="symbolic")
    third = lambda x: dl.jvp(inner, (x,), (e,), method="reverse")[1]  # noqa: E731
    for a in (rng.normal(size=(5, 5)), singular):
        fourth = dl.jvp(third, (a,), (e,), method="forward")[1]
        c = np.poly(-np.linalg.solve(e, a))[::-1] * np.linalg.det(e)
        assert np.einsum("ijkl,ij,kl", fourth, e, e) == pytest.approx(c[4] * math.factorial(4), rel=1e-11)


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_log_abs_det_at_a_singular_matrix_warns_for_every_method(method):
    """log|det A| = -inf at a singular A is log(0): the same DomainWarning for every method (symbolic said nothing)."""
    with pytest.warns(dl.DomainWarning, match="logabsdet"):
        v, g = dl.value_and_grad(lambda x: dnp.linalg.slogdet(x)[1], method=method)(np.array([[1.0, 2], [2, 4]]))
    assert v == -np.inf and np.isnan(g).all()


def test_det_second_and_third_derivatives_at_a_nearly_singular_matrix_keep_their_digits():
    # rank 3 of 4 in floating point: no exact zero pivot (LU succeeds), cond ~3e16. The cofactor's A⁻¹ form
    # gave det″ = -0.873 under reverse for 0.860; the SVD's form is taken at every finite concrete A
    rng = np.random.default_rng(5)
    A = rng.normal(size=(4, 3)) @ rng.normal(size=(3, 4))
    E = rng.normal(size=(4, 4))
    np.linalg.inv(A)  # not exactly singular
    c = np.poly(-np.linalg.solve(E, A))[::-1]  # det(A + sE) = det E · Σ c_k s^k
    for method in ("forward", "reverse"):

        def d(f):
            return lambda a: dl.jvp(f, (a,), (E,), method=method)[1]

        for k, fn in ((2, d(d(np.linalg.det))), (3, d(d(d(np.linalg.det))))):
            want = np.linalg.det(E) * c[k] * math.factorial(k)
            assert fn(A) == pytest.approx(want, rel=1e-9), (method, k)
