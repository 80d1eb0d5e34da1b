"""scipy.linalg's structured matrices and solvers on traced values (difflab.scipy.linalg compositions: hankel,
companion, khatri_rao, convolution_matrix, diagsvd, solve_toeplitz, matmul_toeplitz, solve_circulant, lstsq,
eigvals, eig, pinvh, orthogonal_procrustes, solveh_banded, eigh_tridiagonal, leslie, fiedler): values SciPy's (bit for bit for the gathers, to rounding for the
solves), gradients of every method against reverse and against central differences of SciPy's own function, and
SciPy's own function on a traced value naming the difflab spelling."""

import numpy as np
import pytest
import scipy.linalg as sl

import difflab as dl
import difflab.scipy.linalg as dsl
from difflab.errors import UnsupportedOperationError

RNG = np.random.default_rng(61)
C, R, B = RNG.normal(size=4) + np.array([4.0, 0, 0, 0]), RNG.normal(size=4), RNG.normal(size=(4, 2))
M, N = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
W = {}


def _weights(shape):
    return W.setdefault(shape, RNG.normal(size=shape))


#: name -> (a function of one flat vector x, x): each reads x into the arguments its SciPy function takes
CASES = {
    "hankel": (lambda m, x: m.hankel(x[:4], x[4:7]), np.r_[C, R[:3]]),
    "companion": (lambda m, x: m.companion(x), C),
    "khatri_rao": (lambda m, x: m.khatri_rao(x[:6].reshape(2, 3), x[6:].reshape(3, 3)), M.ravel()[:15].copy()),
    "convolution_matrix": (lambda m, x: m.convolution_matrix(x, 5, mode="same"), C[:3]),
    "diagsvd": (lambda m, x: m.diagsvd(x, 3, 5), C[:3]),
    "solve_toeplitz": (lambda m, x: m.solve_toeplitz((x[:4], x[4:8]), x[8:].reshape(4, 2)), np.r_[C, R, B.ravel()]),
    "matmul_toeplitz": (lambda m, x: m.matmul_toeplitz(x[:4], x[4:].reshape(4, 2)), np.r_[C, B.ravel()]),
    "solve_circulant": (lambda m, x: m.solve_circulant(x[:4], x[4:]), np.r_[C, R]),
    "lstsq": (lambda m, x: m.lstsq(x[:15].reshape(5, 3), x[15:])[0], np.r_[M.ravel(), N[:, 0]]),
    "eigvals": (lambda m, x: np.real(m.eigvals(x.reshape(3, 3))), (M[:3] + 2 * np.eye(3)).ravel()),
    "pinvh": (lambda m, x: m.pinvh(x.reshape(3, 3), lower=False), (M[:3] + M[:3].T).ravel()),
    "orthogonal_procrustes": (lambda m, x: m.orthogonal_procrustes(x[:15].reshape(5, 3), N)[0], M.ravel()),
    "solveh_banded": (
        lambda m, x: m.solveh_banded(x[:8].reshape(2, 4), x[8:], lower=True),
        np.r_[C + 3, R[:3], 0, B[:, 0]],
    ),
    "eigh_tridiagonal": (lambda m, x: m.eigh_tridiagonal(x[:4], x[4:], eigvals_only=True), np.r_[C, R[:3]]),
    "leslie": (lambda m, x: m.leslie(x[:4], x[4:]), np.r_[C, R[:3]]),
    "fiedler": (lambda m, x: m.fiedler(x), C),
}


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
    for method in ("forward", "numeric") + (
        ("symbolic",) if name in ("hankel", "companion", "khatri_rao", "leslie") else ()
    ):
        got = dl.grad(lambda x: loss(dsl, x), method=method)(x)
        tol = 1e-7 if method == "numeric" else 1e-12
        np.testing.assert_allclose(got, reverse, rtol=tol, atol=tol * np.abs(reverse).max())


def test_scipy_s_conventions():
    x, residues, rank, s = dsl.lstsq(M, N[:, 0])
    want = sl.lstsq(M, N[:, 0])
    assert isinstance(residues, float) and isinstance(rank, int) and rank == want[2] == 3
    np.testing.assert_allclose(residues, want[1], rtol=1e-13)
    assert dsl.lstsq(np.ones((3, 2)), C[:3])[1].shape == (0,)  # (rank 1 < n: SciPy's empty residues)
    w, v = dsl.eig(M[:3])
    np.testing.assert_allclose(np.abs(v), np.abs(sl.eig(M[:3])[1]), rtol=1e-13)
    with pytest.raises(UnsupportedOperationError, match="left eigenvectors"):
        dsl.eig(M[:3], left=True)
    with pytest.raises(UnsupportedOperationError, match="singular='lstsq'"):
        dsl.solve_circulant(C, R, singular="lstsq")
    with pytest.raises(ValueError, match="must not be zero"):
        dsl.companion(np.array([0.0, 1.0]))


@pytest.mark.parametrize("name", ["hankel", "solve_toeplitz", "orthogonal_procrustes"])
def test_scipy_s_own_function_names_difflab_s(name):
    fn, x = CASES[name]
    with pytest.raises(UnsupportedOperationError, match=f"difflab.scipy.linalg.{name}"):
        dl.grad(lambda x: np.sum(fn(sl, x)))(x)
