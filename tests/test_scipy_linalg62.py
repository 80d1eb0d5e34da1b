"""scipy.linalg's remaining functions on traced values (difflab.scipy.linalg, stop 62): the banded Cholesky and
eigensolvers, qr_multiply, rq, the QR updates, orth, subspace_angles, cdf2rdf, fiedler_companion,
clarkson_woodruff_transform, matrix_balance, hessenberg, ldl and expm_cond — values SciPy's, gradients of every
method against reverse and reverse against central differences of SciPy's own function; the constant makers and
predicates passing to SciPy; qz, ordqz, rsf2csf, cossin and funm refused by name."""

import numpy as np
import pytest
import scipy.linalg as sl

import difflab as dl
import difflab.numpy as dnp
import difflab.scipy.linalg as dsl
from difflab.errors import UnsupportedOperationError

RNG = np.random.default_rng(62)
M, N = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
SQ = RNG.normal(size=(4, 4))
SPD = SQ @ SQ.T + 4 * np.eye(4)
BAND_U = np.array([[0.0, SPD[0, 1], SPD[1, 2], SPD[2, 3]], np.diag(SPD)])  # (upper form, u = 1)
BAND_L = np.array([np.diag(SPD), [SPD[0, 1], SPD[1, 2], SPD[2, 3], 0.0]])  # (lower form)
Q5, R5 = np.linalg.qr(M, mode="complete")
Q3, R3 = np.linalg.qr(M)  # (economic)
Q4, R4 = np.linalg.qr(M[:4, :2], mode="complete")  # (a full Q of a tall matrix, for the Givens sweeps)
ZQ3, ZR3 = np.linalg.qr(M[:3, :2] + 1j * N[:3, :2], mode="complete")  # (complex: zlartg's rotations)
SYM = SQ + SQ.T
SYM[np.diag_indices(4)] = [1e-3, 0.0, 0.02, 3.0]  # (Bunch–Kaufman takes a 2×2 pivot: blocks 2, 1, 1 and 1, 2, 1)
W = {}


def _weights(shape):
    return W.setdefault(shape, RNG.normal(size=shape))


def _qr_both(q, r):
    return np.concatenate([np.ravel(q), np.ravel(r)])


def _complex(x, n):
    """The n × n complex matrix with real and imaginary parts x[:n²], x[n²:]."""
    return dnp.reshape(x[: n * n] + 1j * x[n * n :], (n, n))


def _split(parts):
    return np.concatenate([np.ravel(np.real(p)) for p in parts] + [np.ravel(np.imag(p)) for p in parts])


def _pairs(x):
    """(w, v) of a 3 × 3 real matrix with eigenvalues a ± bi and c: x = (a, b, c, Re v₁, Im v₁, v₃)."""
    w = x[0] * np.array([1.0, 1.0, 0.0]) + 1j * x[1] * np.array([1.0, -1.0, 0.0]) + x[2] * np.array([0.0, 0.0, 1.0])
    col = [dnp.reshape(x[3 * k : 3 * k + 3], (3, 1)) for k in (1, 2, 3)]
    v = col[0] * np.array([1.0, 1.0, 0.0]) + 1j * col[1] * np.array([1.0, -1.0, 0.0]) + col[2] * np.array([0, 0, 1.0])
    return w, v


def _upper(x, m, n):
    """The m × n upper-triangular matrix with x its triangle's entries (row by row), for SciPy's arrays and traced."""
    index = np.full((m, n), len(x))
    index[np.triu_indices(m, 0, n)] = np.arange(len(x))
    return dnp.take(dnp.concatenate([x, np.zeros(1)]), index)


#: name -> (a function of one flat vector x, x)
CASES = {
    "cholesky_banded": (lambda m, x: m.cholesky_banded(x.reshape(2, 4)), BAND_U.ravel()),
    "cholesky_banded lower": (lambda m, x: m.cholesky_banded(x.reshape(2, 4), lower=True), BAND_L.ravel()),
    "cho_solve_banded": (
        lambda m, x: m.cho_solve_banded((m.cholesky_banded(x[:8].reshape(2, 4)), False), x[8:]),
        np.r_[BAND_U.ravel(), SQ[0]],
    ),
    "cho_solve_banded lower": (
        lambda m, x: m.cho_solve_banded((m.cholesky_banded(x[:8].reshape(2, 4), lower=True), True), x[8:]),
        np.r_[BAND_L.ravel(), SQ[0]],
    ),
    "eig_banded": (lambda m, x: m.eig_banded(x.reshape(2, 4))[1], BAND_U.ravel()),
    "eigvals_banded": (lambda m, x: m.eigvals_banded(x.reshape(2, 4), lower=True), BAND_L.ravel()),
    "qr_multiply": (
        lambda m, x: m.qr_multiply(x[:15].reshape(5, 3), x[15:].reshape(2, 5))[0],
        np.r_[M.ravel(), N.T[:2].ravel()],
    ),
    "qr_multiply left": (
        lambda m, x: _qr_both(*m.qr_multiply(x[:15].reshape(5, 3), x[15:], mode="left")),
        np.r_[M.ravel(), N[0]],
    ),
    "rq": (lambda m, x: _qr_both(*m.rq(x.reshape(3, 5))), M.ravel()),
    "rq economic": (lambda m, x: _qr_both(*m.rq(x.reshape(5, 3), mode="economic")), M.ravel()),
    "qr_update": (
        lambda m, x: _qr_both(*m.qr_update(x[:16].reshape(4, 4), R4, x[16:20], x[20:])),
        np.r_[Q4.ravel(), N[:4, 0], N[0, :2]],
    ),
    "qr_update economic": (
        lambda m, x: _qr_both(*m.qr_update(Q3, _upper(x[:6], 3, 3), x[6:11], x[11:])),
        np.r_[R3[np.triu_indices(3)], N[:, 1], N[1]],
    ),
    "qr_update rank 2": (
        lambda m, x: _qr_both(*m.qr_update(Q3, R3, x[:10].reshape(5, 2), x[10:].reshape(3, 2))),
        np.r_[N[:, :2].ravel(), M[0], M[1]],
    ),
    "qr_insert row": (
        lambda m, x: _qr_both(*m.qr_insert(Q3, _upper(x[:6], 3, 3), x[6:], 2)),
        np.r_[R3[np.triu_indices(3)], N[2]],
    ),
    "qr_insert col": (lambda m, x: _qr_both(*m.qr_insert(Q3, R3, x, 1, which="col")), N[:, 2].copy()),
    "qr_insert square": (
        lambda m, x: _qr_both(*m.qr_insert(Q5, R5, x.reshape(5, 2), 3, which="col")),
        N[:, :2].ravel(),
    ),
    "qr_insert row full": (
        lambda m, x: _qr_both(*m.qr_insert(x[:16].reshape(4, 4), R4, x[16:], 2)),
        np.r_[Q4.ravel(), N[2, :2]],
    ),
    "qr_insert col full": (
        lambda m, x: _qr_both(*m.qr_insert(Q4, _upper(x[:3], 4, 2), x[3:], 1, which="col")),
        np.r_[R4[np.triu_indices(4, 0, 2)], N[:4, 2]],
    ),
    "qr_delete rows full": (lambda m, x: _qr_both(*m.qr_delete(x.reshape(4, 4), R4, 1, 2)), Q4.ravel()),
    "qr_delete col full": (lambda m, x: _qr_both(*m.qr_delete(x.reshape(4, 4), R4, 0, which="col")), Q4.ravel()),
    "qr_update complex full": (
        lambda m, x: _split(m.qr_update(_complex(x[:18], 3), ZR3, x[18:21] + 1j * x[21:24], x[24:] + 0.5j)),
        np.r_[ZQ3.real.ravel(), ZQ3.imag.ravel(), N[:3, 0], N[:3, 1], N[0, :2]],
    ),
    "qr_delete row": (lambda m, x: _qr_both(*m.qr_delete(Q3, _upper(x, 3, 3), 1)), R3[np.triu_indices(3)]),
    "qr_delete col": (lambda m, x: _qr_both(*m.qr_delete(Q3, _upper(x, 3, 3), 0, which="col")), R3[np.triu_indices(3)]),
    "orth": (lambda m, x: m.orth(x.reshape(5, 3)), M.ravel()),
    "subspace_angles": (lambda m, x: m.subspace_angles(x.reshape(5, 3), N[:, :2]), M.ravel()),
    "subspace_angles near": (lambda m, x: m.subspace_angles(x.reshape(5, 3), M[:, :2] + 0.1 * N[:, :2]), M.ravel()),
    "fiedler_companion": (lambda m, x: m.fiedler_companion(x), np.r_[SQ[0], 0.5, 2.0]),
    "clarkson_woodruff_transform": (lambda m, x: m.clarkson_woodruff_transform(x.reshape(5, 3), 3, rng=5), M.ravel()),
    "matrix_balance": (lambda m, x: m.matrix_balance(x.reshape(4, 4))[0], (SQ * [1e3, 1, 1e-2, 1]).ravel()),
    "hessenberg": (lambda m, x: _qr_both(*m.hessenberg(x.reshape(4, 4), calc_q=True)), SQ.ravel()),
    "ldl": (lambda m, x: _qr_both(*m.ldl(x.reshape(4, 4))[:2]), SYM.ravel()),
    "ldl upper": (lambda m, x: _qr_both(*m.ldl(x.reshape(4, 4), lower=False)[:2]), SYM.ravel()),
    "hessenberg complex": (
        lambda m, x: _split(m.hessenberg(_complex(x, 3), calc_q=True)),
        np.r_[SQ[:3, :3].ravel(), N[:3].ravel()],
    ),
    "eig_banded select": (
        lambda m, x: m.eig_banded(x.reshape(2, 4), select="i", select_range=(1, 2))[1],
        BAND_U.ravel(),
    ),
    "cdf2rdf": (
        lambda m, x: _qr_both(*m.cdf2rdf(*_pairs(x))),
        np.r_[0.5, 2.0, -1.0, N[:, 0][:3], N[:, 1][:3], N[:, 2][:3]],
    ),
}
SYMBOLIC = ("fiedler_companion", "matrix_balance")


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients(name):
    fn, x = CASES[name]
    want = fn(sl, x)
    np.testing.assert_allclose(fn(dsl, x), want, rtol=1e-13, atol=1e-13)
    w = _weights(np.shape(want))

    def loss(m, x):
        return np.sum(fn(m, x) * w)

    reverse = dl.grad(lambda x: loss(dsl, x), method="reverse")(x)
    h = 1e-6  # central differences of SciPy's own function: an independent check
    fd = np.array([(loss(sl, x + h * e) - loss(sl, x - h * e)) / (2 * h) for e in np.eye(len(x))])
    np.testing.assert_allclose(reverse, fd, rtol=1e-6, atol=1e-6 * np.abs(fd).max())
    numeric = ("numeric",) if len(x) <= 12 else ()  # (above, reverse against SciPy's differences stands for it)
    for method in ("forward",) + numeric + (("symbolic",) if name in SYMBOLIC else ()):
        got = dl.grad(lambda x: loss(dsl, x), method=method)(x)
        tol = 1e-7 if method == "numeric" else 1e-11 if method == "symbolic" else 1e-12
        np.testing.assert_allclose(got, reverse, rtol=tol, atol=tol * np.abs(reverse).max())


Z = RNG.normal(size=(4, 4)) + 1j * RNG.normal(size=(4, 4))
HPD = Z @ Z.conj().T + 4 * np.eye(4)
HBAND = np.array([[0, HPD[0, 1], HPD[1, 2], HPD[2, 3]], np.diag(HPD)])
COMPLEX = {  # name -> a function of the module: complex values SciPy's (Hermitian reads, conjugations, phases)
    "cholesky_banded": lambda m: m.cholesky_banded(HBAND),
    "cho_solve_banded": lambda m: m.cho_solve_banded((m.cholesky_banded(HBAND), False), Z[0]),
    "eig_banded": lambda m: m.eig_banded(HBAND)[1],
    "rq": lambda m: m.rq(Z[:3])[1],
    "qr_multiply": lambda m: m.qr_multiply(Z[:, :3], Z[:2], conjugate=True)[0],
    "orth": lambda m: m.orth(Z[:, :3]),
    "subspace_angles": lambda m: m.subspace_angles(Z[:, :2], Z[:, 1:]),
    "ldl hermitian": lambda m: m.ldl(HPD - np.diag(np.diag(HPD)) + np.diag(SYM.diagonal()), lower=False)[:2],
    "ldl symmetric": lambda m: m.ldl(Z + Z.T - np.diag(np.diag(Z + Z.T)) + np.diag(SYM.diagonal()), hermitian=False)[
        :2
    ],
    "qr_update": lambda m: m.qr_update(*np.linalg.qr(Z[:, :2]), Z[0], Z[1][:2])[0],
    "expm_cond": lambda m: m.expm_cond(0.3 * Z[:2, :2]),
}


@pytest.mark.parametrize("name", list(COMPLEX))
def test_complex_values(name):
    np.testing.assert_allclose(COMPLEX[name](dsl), COMPLEX[name](sl), rtol=1e-13, atol=1e-13)


def test_complex_norms_are_the_moduli_s():
    # (on main, difflab.numpy.linalg.norm of a plain complex array was sqrt(sum(x·x)): a complex wrong number)
    for ord in (None, "fro"):
        assert dnp.linalg.norm(Z, ord) == pytest.approx(np.linalg.norm(Z, ord), rel=1e-15)
    np.testing.assert_allclose(dnp.linalg.norm(Z, axis=0), np.linalg.norm(Z, axis=0), rtol=1e-15)


def test_constants_and_predicates():
    for name, args in [("dft", (3,)), ("hadamard", (4,)), ("helmert", (3, True)), ("hilbert", (3,)),
                       ("invhilbert", (3,)), ("pascal", (3, "lower")), ("invpascal", (3,))]:  # fmt: skip
        np.testing.assert_array_equal(getattr(dsl, name)(*args), getattr(sl, name)(*args))
    with pytest.raises(TypeError, match="takes a size"):
        dl.grad(lambda x: np.sum(dsl.hilbert(x)))(3.0)

    def f(x):  # (the predicates read the values: a branch taken on them, as on argmax's)
        a = x.reshape(2, 2)
        scale = 2.0 if dsl.issymmetric(a) and not dsl.ishermitian(a + 1j) else 3.0
        return scale * np.sum(a) + sum(dsl.bandwidth(a))

    assert dl.grad(f)(np.array([1.0, 2.0, 2.0, 1.0])).tolist() == [2.0] * 4
    assert dl.grad(f)(np.array([1.0, 2.0, 0.0, 1.0])).tolist() == [3.0] * 4
    a = np.ones((2, 2), dtype=np.float32)
    assert dsl.find_best_blas_type((a,)) == sl.find_best_blas_type((a,))
    assert dsl.get_lapack_funcs("getrf", (Z,)).typecode == "z"


@pytest.mark.parametrize("name", ["qz", "ordqz", "rsf2csf", "cossin", "funm"])
def test_refused_by_name(name):
    args = {"qz": (SQ, SQ), "ordqz": (SQ, SQ), "rsf2csf": (SQ, SQ), "cossin": (SQ,), "funm": (SQ, np.exp)}[name]
    with pytest.raises(UnsupportedOperationError, match=f"scipy.linalg.{name}: "):
        getattr(dsl, name)(*args)
    with pytest.raises(UnsupportedOperationError, match=f"scipy.linalg.{name} on a traced value"):
        dl.grad(lambda x: np.sum(np.real(getattr(sl, name)(x.reshape(4, 4), *args[1:])[0])))(SQ.ravel())


def test_bad_input_and_refusals():
    with pytest.raises(UnsupportedOperationError, match="economic"):  # (a full Q of a tall matrix: SciPy's basis)
        dl.grad(lambda x: np.sum(dsl.qr_update(Q5, R5, x.reshape(5, 2), N[:2].T)[0]))(N[:, :2].ravel())
    with pytest.raises(UnsupportedOperationError, match="mode='raw'"):
        dsl.rq(SQ, mode="raw")
    with pytest.raises(ValueError, match="Mode argument"):
        dsl.rq(SQ, mode="fast")
    with pytest.raises(ValueError, match="must be 2-D"):
        dsl.cholesky_banded(np.ones(3))
    with pytest.raises(ValueError, match="'k' is out of bounds"):  # (SciPy's own checks, run at the values)
        dsl.qr_delete(Q5, R5, 9)
    with pytest.raises(ValueError, match="Leading coefficient"):
        dsl.fiedler_companion(np.array([0.0, 1.0, 2.0]))
    with pytest.raises(np.linalg.LinAlgError):
        dsl.cholesky_banded(np.array([[0.0, 5.0], [1.0, 1.0]]))
    x = SQ.copy()
    h, q = dsl.hessenberg(x, calc_q=True)
    assert np.array_equal(x, SQ) and not np.shares_memory(h, x)  # (the input never written)


def test_expm_cond():
    # (SciPy's expm_cond takes 0.08 s a call at 2×2: reverse and forward checked along one direction, not per entry)
    x, h, d = 0.5 * SQ[:2, :2].ravel(), 1e-6, np.r_[N[0, :2], N[1, :2]]
    assert dsl.expm_cond(x.reshape(2, 2)) == pytest.approx(sl.expm_cond(x.reshape(2, 2)), rel=1e-13)
    reverse = dl.grad(lambda x: dsl.expm_cond(x.reshape(2, 2)))(x)
    fd = (sl.expm_cond((x + h * d).reshape(2, 2)) - sl.expm_cond((x - h * d).reshape(2, 2))) / (2 * h)
    assert reverse @ d == pytest.approx(fd, rel=1e-7)
    forward = dl.jvp(lambda x: dsl.expm_cond(x.reshape(2, 2)), (x,), (d,))[1]
    assert forward == pytest.approx(reverse @ d, rel=1e-12)
