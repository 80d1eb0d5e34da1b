"""The algebraic Riccati equations (difflab.scipy.linalg.solve_continuous_are / solve_discrete_are, the registry's
`care` and `dare`): SciPy's X, gradients in A, B, Q and R by every method against central differences of SciPy's own
solver, second order (forward over reverse against reverse over forward), the 1×1 closed form under symbolic (larger: its
gradient by the matrix-level form), and the errors: larger systems' symbolic Hessians, SciPy's e/s, wrong shapes, no stabilizing solution."""

import warnings

import numpy as np
import pytest
import scipy.linalg as sl

import difflab as dl
import difflab.scipy.linalg as dsl
from difflab.errors import DomainWarning, NotDifferentiableError, UnsupportedOperationError

RNG = np.random.default_rng(61)
N, M = 3, 2
A, B = RNG.normal(size=(N, N)), RNG.normal(size=(N, M))
Q0, R0 = RNG.normal(size=(N, N)), RNG.normal(size=(M, M))
Q, R = Q0 @ Q0.T + np.eye(N), R0 @ R0.T + np.eye(M)
W = RNG.normal(size=(N, N))
SOLVERS = {"continuous": (dsl.solve_continuous_are, sl.solve_continuous_are),
           "discrete": (dsl.solve_discrete_are, sl.solve_discrete_are)}  # fmt: skip


def _loss(solve, i):
    def f(x):
        args = [A, B, Q, R]
        args[i] = x
        return np.sum(solve(*args) * W)

    return f


@pytest.mark.parametrize("kind", list(SOLVERS))
def test_values_and_gradients_against_scipy_s_solver(kind):
    ours, scipy_s = SOLVERS[kind]
    np.testing.assert_array_equal(ours(A, B, Q, R), scipy_s(A, B, Q, R))
    for i, x in enumerate([A, B, Q, R]):
        reverse = dl.grad(_loss(ours, i), method="reverse")(x)
        h, fd = 1e-6, np.zeros_like(x)  # central differences of SciPy's own solver: an independent check
        for idx in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[idx] = h
            # (SciPy's solvers assume symmetric Q and R: differences of their symmetric parts, as difflab reads them)
            sym = (lambda y: 0.5 * (y + y.T)) if i >= 2 else (lambda y: y)
            fd[idx] = (_loss(scipy_s, i)(sym(x + e)) - _loss(scipy_s, i)(sym(x - e))) / (2 * h)
        np.testing.assert_allclose(reverse, fd, rtol=1e-6, atol=1e-6 * np.abs(fd).max(), err_msg=f"{kind} arg {i}")
        for method, tol in (("forward", 1e-12), ("numeric", 1e-6)):
            got = dl.grad(_loss(ours, i), method=method)(x)
            np.testing.assert_allclose(got, reverse, rtol=tol, atol=tol * np.abs(reverse).max(), err_msg=method)
        if i >= 2:  # (Q and R read as symmetric: their cotangents are)
            np.testing.assert_allclose(reverse, reverse.T, rtol=1e-12)


@pytest.mark.parametrize("kind", list(SOLVERS))
def test_second_order_nests(kind):
    ours = SOLVERS[kind][0]

    def f(p):
        return np.sum(ours(p[:9].reshape(N, N), p[9:].reshape(N, M), Q, R) * W)

    p = np.concatenate([A.ravel(), B.ravel()])
    fwd_rev = dl.hessian(f, method="reverse")(p)  # (difflab's hessian: forward over reverse)
    rev_rev = dl.jacobian(dl.grad(f, method="reverse"), method="reverse")(p)
    np.testing.assert_allclose(fwd_rev, rev_rev, rtol=1e-10, atol=1e-10 * np.abs(rev_rev).max())
    np.testing.assert_allclose(fwd_rev, fwd_rev.T, rtol=1e-9, atol=1e-9 * np.abs(fwd_rev).max())


def test_lqr_gain_gradient():
    # the infinite-horizon LQR cost tr(X Σ0) as a function of the plant's A: its gradient vanishes nowhere here and
    # equals central differences of SciPy's (the use a control user has for it)
    def cost(a, solve):
        return np.trace(solve(a, B, Q, R) @ np.eye(N))

    g = dl.grad(lambda a: cost(a, dsl.solve_continuous_are))(A)
    h = 1e-6
    fd = np.array([(cost(A + h * e, sl.solve_continuous_are) - cost(A - h * e, sl.solve_continuous_are)) / (2 * h)
                   for e in np.eye(N * N).reshape(N * N, N, N)]).reshape(N, N)  # fmt: skip
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", list(SOLVERS))
def test_symbolic_closed_form_at_1x1_and_refusal_above(kind):
    ours = SOLVERS[kind][0]

    def f(p):
        return ours(p[0:1].reshape(1, 1), p[1:2].reshape(1, 1), p[2:3].reshape(1, 1) ** 2 + 1, p[3:4].reshape(1, 1) ** 2 + 0.5)[0, 0]  # fmt: skip

    p = np.array([0.3, -1.2, 0.7, 0.9])
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(p), dl.hessian(f, method="reverse")(p), rtol=1e-12)
    # above 1×1: the gradient by the matrix-level form (the entry's own rule), the Hessian refused by name
    np.testing.assert_allclose(dl.grad(_loss(ours, 1), method="symbolic")(B), dl.grad(_loss(ours, 1))(B), rtol=1e-13)
    with pytest.raises(NotDifferentiableError, match="no closed form for .*are of a 3×3.*'forward' or 'reverse'"):
        dl.hessian(_loss(ours, 0), method="symbolic")(A)


def test_errors_name_the_problem():
    with pytest.raises(UnsupportedOperationError, match="generalized equation"):
        dsl.solve_continuous_are(A, B, Q, R, e=np.eye(N))
    with pytest.raises(ValueError, match=r"needs a \(n, n\), b \(n, m\)"):
        dsl.solve_discrete_are(A, B.T, Q, R)
    with pytest.raises(UnsupportedOperationError, match="difflab.scipy.linalg.solve_continuous_are"):
        dl.grad(_loss(sl.solve_continuous_are, 0))(A)
    # an unstabilizable pair (B = 0, A unstable): no stabilizing X — NaN with a DomainWarning naming the equation
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = dl.grad(lambda a: np.sum(dsl.solve_continuous_are(a, np.zeros((N, M)), Q, R)))(np.eye(N))
    assert np.isnan(g).all()
    assert any(issubclass(w.category, DomainWarning) and "stabilizing" in str(w.message) for w in caught)
