"""difflab.scipy.linalg's solve_continuous_lyapunov and solve_discrete_lyapunov (round 18 of users' code: an LQR cost
by scipy.linalg.solve_discrete_lyapunov was refused, difflab.scipy having no version of it): SciPy's values, and the
gradient of trace(X) against its adjoint closed form, ∂tr X/∂A = 2 P A X and ∂tr X/∂Q = P with P = Aᵀ P A + I
(SciPy's own solves of the adjoint equation), under every method."""

import numpy as np
import pytest
import scipy.linalg as sl

import difflab as dl
import difflab.scipy.linalg as dla

from user_code import METHODS

A0 = np.array([[0.6, 0.3, -0.1], [-0.2, 0.5, 0.25], [0.1, -0.3, 0.4]])
Q0 = np.array([[1.0, 0.2, 0.0], [0.2, 0.5, 0.1], [0.0, 0.1, 0.8]])


@pytest.mark.parametrize("method", [None, "direct", "bilinear"])
def test_discrete_and_continuous_lyapunov_equal_scipys(method):
    """Real and complex A, SciPy's two methods; the continuous one at a stable A − 2I."""
    ac = A0 + 0.2j * np.cos(np.arange(9.0)).reshape(3, 3)
    for a in (A0, ac):
        want = sl.solve_discrete_lyapunov(a, Q0, method=method)
        np.testing.assert_allclose(dla.solve_discrete_lyapunov(a, Q0, method=method), want, rtol=1e-12, atol=1e-14)
        got = dla.solve_continuous_lyapunov(a - 2 * np.eye(3), Q0)
        np.testing.assert_allclose(got, sl.solve_continuous_lyapunov(a - 2 * np.eye(3), Q0), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("lyap", ["direct", "bilinear"])
@pytest.mark.parametrize("method", METHODS)
def test_gradient_of_a_discrete_lyapunov_cost(method, lyap):
    """tr X(A, Q), the LQR-style cost, differentiated in A and Q together (A's 2×2 block traced, to keep symbolic's
    opaque solves small), against the adjoint closed form."""

    def cost(p):
        a = dl.numpy.concatenate([p[:4].reshape(2, 2), A0[:2, 2:]], axis=1)
        a = dl.numpy.concatenate([a, A0[2:]], axis=0)
        return dl.numpy.trace(dla.solve_discrete_lyapunov(a, Q0 * p[4], method=lyap))

    p = np.concatenate([A0[:2, :2].ravel(), [1.3]])
    X = sl.solve_discrete_lyapunov(A0, 1.3 * Q0)
    P = sl.solve_discrete_lyapunov(A0.T, np.eye(3))
    want = np.concatenate([(2 * P @ A0 @ X)[:2, :2].ravel(), [np.sum(P * Q0)]])
    value, g = dl.value_and_grad(cost, method=method)(p)
    assert value == pytest.approx(np.trace(X), rel=1e-12)
    np.testing.assert_allclose(g, want, rtol=1e-6 if method == "numeric" else 1e-10)


def test_scipys_own_lyapunov_on_a_traced_value_names_difflabs():
    """scipy.linalg.solve_discrete_lyapunov converts a traced value: its refusal names the difflab function now
    (it said difflab.scipy had none)."""

    def f(p):
        return np.trace(sl.solve_discrete_lyapunov(np.diag(p), np.eye(2)))

    with pytest.raises(dl.UnsupportedOperationError, match=r"use difflab\.scipy\.linalg\.solve_discrete_lyapunov"):
        dl.grad(f)(np.array([0.3, 0.5]))
