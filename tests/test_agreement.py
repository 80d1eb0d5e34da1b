"""The methods agree on array functions: symbolic, forward, reverse to 1e-12, numeric to 1e-6."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

EXACT = ("symbolic", "forward", "reverse")
rng = np.random.default_rng(7)
W1, b1, W2 = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=(5, 4))
X, Y = rng.normal(size=(6, 3)), np.eye(4)[rng.integers(0, 4, 6)]
A3 = np.arange(12.0).reshape(2, 3, 2) / 10


def mlp_softmax_ce(W):
    h = dnp.tanh(X @ W + b1)
    return -dnp.mean(dnp.sum(Y * dnp.log_softmax(h @ W2), axis=1))


def rosenbrock(x):
    return dnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def batched_matmul(b):  # a stack of matrices times one vector: the reverse rule sums the stack
    return dnp.sum(dnp.matmul(A3, b) ** 2.0)


def logsumexp_mix(x):
    return dnp.logsumexp(x * x[::-1]) + dnp.sum(dnp.softplus(x) * dnp.sigmoid(x))


CASES = [
    (mlp_softmax_ce, W1),
    (rosenbrock, np.array([0.5, -0.3, 1.2, 0.8])),
    (batched_matmul, np.array([1.0, -2.0])),
    (logsumexp_mix, np.array([0.3, -1.1, 2.0])),
]


@pytest.mark.parametrize("f,x", CASES, ids=[f.__name__ for f, _ in CASES])
def test_gradients_agree(f, x):
    ref = dl.grad(f, method="reverse")(x)
    for m in EXACT:
        np.testing.assert_allclose(dl.grad(f, method=m)(x), ref, rtol=1e-12, atol=1e-14, err_msg=m)
    np.testing.assert_allclose(dl.grad(f, method="numeric")(x), ref, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f,x", CASES[1:], ids=[f.__name__ for f, _ in CASES[1:]])
def test_hessians_agree(f, x):
    ref = dl.hessian(f, method="symbolic")(x)
    for m in ("forward", "reverse", ("reverse", "reverse"), ("forward", "forward")):
        np.testing.assert_allclose(dl.hessian(f, method=m)(x), ref, rtol=1e-11, atol=1e-12, err_msg=str(m))
    np.testing.assert_allclose(dl.hessian(f, method="numeric")(x), ref, rtol=1e-5, atol=1e-5)


def test_vector_jacobian_agrees():
    f = lambda x: dnp.concatenate([dnp.sin(x) * x[0], dnp.exp(x[1:]) / (1.0 + x[:1] ** 2.0)])
    x = np.array([0.4, -0.7, 1.3])
    ref = dl.jacobian(f, method="reverse")(x)
    assert ref.shape == (5, 3)
    for m in EXACT:
        np.testing.assert_allclose(dl.jacobian(f, method=m)(x), ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dl.jacobian(f, method="numeric")(x), ref, rtol=1e-6, atol=1e-8)


def test_batched_matmul_value():
    """d/db Σ (A b)² = 2 Σ_k A_kᵀ A_k b, summed over the stack (a reverse-rule regression)."""
    b = np.array([1.0, -2.0])
    expected = 2 * sum(A3[k].T @ A3[k] @ b for k in range(2))
    np.testing.assert_allclose(dl.grad(batched_matmul)(b), expected, rtol=1e-14)
    np.testing.assert_allclose(
        dl.grad(lambda x: dnp.sum(dnp.matmul(np.ones((3, 2, 1, 2)), x)))(np.array([1.0, 2.0])), [6.0, 6.0]
    )


@pytest.mark.parametrize("method", EXACT)
def test_softplus_is_smooth_at_zero(method):
    assert dl.grad(dnp.softplus, method=method)(0.0) == 0.5
    assert dl.grad(dnp.softplus, method=method)(800.0) == 1.0
