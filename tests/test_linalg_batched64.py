"""difflab.scipy.linalg on stacks of matrices, as SciPy 1.17 batches them ((..., M, N) inputs; issue 11): the functions
written for one matrix loop over the leading axes (linalg._over_batch), so their values are SciPy's own batched call's
and their gradients the stack of the 2-D gradients. The cases are bench/scipy_linalg_batched.py's (the survey): each
2-D example stacked with a small perturbation per slice. All of FIXED failed on main (a ValueError, or a bare
'too many values to unpack' for lstsq)."""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest
import scipy.linalg as sl
from tier import FULL

import difflab as dl
import difflab.numpy as dnp
import difflab.scipy.linalg as dsl

BENCH = pathlib.Path(__file__).resolve().parents[1] / "bench"


def _survey():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_scipy_linalg_batched", BENCH / "scipy_linalg_batched.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(BENCH))


S = _survey()
FIXED = (
    """block_diag cdf2rdf cho_solve cho_solve_banded cholesky_banded circulant clarkson_woodruff_transform companion
convolution_matrix coshm cosm diagsvd eig_banded eigh_tridiagonal eigvals_banded eigvalsh_tridiagonal expm_cond
expm_frechet fiedler fiedler_companion fractional_matrix_power hessenberg khatri_rao ldl leslie lstsq lu lu(p_indices)
lu_factor lu_solve matmul_toeplitz matrix_balance orth orthogonal_procrustes pinvh polar qr(pivoting) qr_delete qr_insert
qr_multiply qr_update rq signm sinhm sinm solve_banded solve_continuous_are solve_discrete_are solve_discrete_lyapunov
solve_toeplitz solveh_banded subspace_angles tanhm tanm toeplitz""".split()
    + ["eigh(a, b)", "cho_solve(1-D b)", "expm_frechet(2-D E)", "lstsq(1-D b)", "lu_solve(1-D b)"]
    + ["solve_banded(1-D b)", "solve_toeplitz(2-D b)"]
)
# (the default tier's gradient cases: one per mechanism: 1-D cores, two arrays, '1|2' b, a pair unpacked first, tuple
# outputs, values read per slice, a b shared by the stack)
GRADIENT_CASES = (
    FIXED if FULL else ["toeplitz", "expm_frechet", "lstsq", "lu_solve", "polar", "qr(pivoting)", "cho_solve(1-D b)"]
)


@pytest.mark.parametrize("name", FIXED)
def test_batched_values_equal_scipys_batched_call(name):
    """Plain and traced (the survey's loss Σ Re(W · out), so the traced stack's outputs): SciPy's values."""
    for batch in [(2,), (2, 1)] if not FULL else S.BATCHES:
        call, arrays, _ = S.case(name, batch)
        want, got = S.outputs(call(sl, np, *arrays)), S.outputs(call(dsl, dnp, *arrays))
        assert len(got) == len(want)
        for w, g in zip(want, got):
            assert S.close(g, w, 1e-9), (name, batch)
        if batch == (2,) or FULL:  # (the traced value at one batch shape in the default tier)
            value = dl.value_and_grad(S.loss_of(call, len(batch)), argnums=tuple(range(len(arrays))))(*arrays)[0]
            assert value == pytest.approx(S.plain_loss(want, len(batch)), rel=1e-10)


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_batched_gradients_equal_the_loop_of_2d_gradients(name):
    batch = (2,)
    call, arrays, shared = S.case(name, batch)
    argnums = tuple(range(len(arrays)))
    for method in ("reverse", "forward") if FULL else ("reverse",):
        value, grads = dl.value_and_grad(S.loss_of(call, 1), argnums=argnums, method=method)(*arrays)
        assert value == pytest.approx(S.plain_loss(call(sl, np, *arrays), 1), rel=1e-10)  # SciPy's value
        for g, g1 in zip(grads, S.loop_grads(call, arrays, shared, argnums, batch, method)):
            np.testing.assert_allclose(g, g1, rtol=1e-10, atol=1e-12)


def test_the_issues_lu_factor_under_all_four_methods():
    """lu_factor of a stack: the four methods agree with each other and with central differences of SciPy's."""
    a = 2.0 * np.eye(2) + 0.3 * np.random.default_rng(1).standard_normal((2, 2, 2))
    weights = np.array([[1.0, -2.0], [0.5, 3.0]])

    def f(a):
        return dnp.sum(dsl.lu_factor(a)[0] * weights)

    h, want = 1e-6, np.zeros_like(a)
    for k in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[k] = h
        want[k] = (np.sum(sl.lu_factor(a + e)[0] * weights) - np.sum(sl.lu_factor(a - e)[0] * weights)) / (2 * h)
    for method in ("symbolic", "numeric", "forward", "reverse"):
        np.testing.assert_allclose(dl.grad(f, method=method)(a), want, rtol=1e-6, atol=1e-8)


def test_lstsq_of_a_stack_is_scipys_not_a_bare_traceback():
    """The issue's lstsq(S, A) with S (3, 4, 4): was `ValueError: too many values to unpack (expected 2)`."""
    rng = np.random.default_rng(2)
    s, a = rng.standard_normal((3, 4, 4)), rng.standard_normal((3, 4, 2))
    for got, want in zip(dsl.lstsq(s, a), sl.lstsq(s, a)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    g = dl.grad(lambda s: dnp.sum(dsl.lstsq(s, a)[0]))(s)
    for i in range(3):
        np.testing.assert_allclose(g[i], dl.grad(lambda s1: dnp.sum(dsl.lstsq(s1, a[i])[0]))(s[i]), rtol=1e-10)


def test_solve_triangular_trans_c_conjugates_the_triangle():
    """trans=2 solves Tᴴ x = b, as SciPy's (main transposed without conjugating; and a stack's transpose reversed
    all axes, which broke cho_solve and eigh(a, b) of stacks)."""
    rng = np.random.default_rng(3)
    t = rng.standard_normal((2, 3, 3)) + 1j * rng.standard_normal((2, 3, 3)) + 3.0 * np.eye(3)
    b = rng.standard_normal((2, 3, 1)) + 0j
    for trans in (1, 2):
        np.testing.assert_allclose(dsl.solve_triangular(t, b, trans=trans), sl.solve_triangular(t, b, trans=trans))
        factors = sl.lu_factor(t[0])  # (lu_solve's trans=2 solves Aᴴ x = b: main's solved Aᵀ x = b)
        np.testing.assert_allclose(dsl.lu_solve(factors, b[0], trans=trans), sl.lu_solve(factors, b[0], trans=trans))


def test_scipys_own_factors_of_a_stack_solve_a_1d_b():
    """SciPy's batched lu_factor and cho_factor return lists ([lu, piv], [c, one flag per matrix]): lu_solve and
    cho_solve take them, and a 1-D b against a stack (was: a TypeError, and cho_solve's second solve a shape error)."""
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 3, 3)) + 3.0 * np.eye(3)
    spd, b = a @ np.swapaxes(a, -1, -2), rng.standard_normal(3)
    np.testing.assert_allclose(dsl.lu_solve(sl.lu_factor(a), b), sl.lu_solve(sl.lu_factor(a), b), rtol=1e-12)
    for lower in (False, True):
        want = sl.cho_solve(sl.cho_factor(spd, lower=lower), b)
        np.testing.assert_allclose(dsl.cho_solve(sl.cho_factor(spd, lower=lower), b), want, rtol=1e-12)
        np.testing.assert_allclose(dsl.cho_solve(dsl.cho_factor(spd, lower=lower), b), want, rtol=1e-12)


def test_calls_scipy_does_not_batch_name_the_function_and_shape():
    c = np.ones((3, 4))
    for f, args in [(dsl.hankel, (c,)), (dsl.solve_circulant, (c, np.ones((3, 4, 2))))]:
        with pytest.raises(ValueError, match=rf"{f.__name__}.*\(3, 4\)"):
            f(*args)
    with pytest.raises(ValueError, match=r"expm_frechet.*\(3, 2, 2\).*\(2, 2, 2\).*do not broadcast"):
        dsl.expm_frechet(np.ones((3, 2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"lu_solve: .*lu \(3, 2, 2\), piv \(3, 2\), b \(2, 2, 1\) do not broadcast"):
        dsl.lu_solve(dsl.lu_factor(np.eye(2) + np.zeros((3, 2, 2))), np.ones((2, 2, 1)))
    with pytest.raises(ValueError, match="expm_cond does not support zero-size batches"):
        dsl.expm_cond(np.ones((0, 2, 2)))
