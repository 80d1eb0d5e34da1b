"""A false `batch_argnums` declaration (issue 11, symfuzz48): a loss declared a mean over examples that closes over
an array with one row per example. The symbolic method differentiated one example's trace, which reads that array
whole, and gave a silent wrong gradient; now the declaration is checked once per batch size and refused by name."""

import numpy as np
import pytest

import difflab as dl

K0 = np.array([[0.3], [0.9]])  # one row per example of a batch of 2: not row-wise
R0 = np.array([1.0, 2.0])


def _false(w, X, Y):
    u = X * R0 + w[0]
    return np.mean(np.max(2 * u - np.minimum(u, K0), axis=1))


_false.batch_argnums = (1, 2)
W = np.array([0.1, 0.2])
X2 = np.array([[0.2, 0.4], [0.5, 0.1]])


def test_false_declaration_is_refused_by_name():
    # (the analytic gradient at X2 is [1.5, 0]: symbolic gave [1.625, 0] silently)
    np.testing.assert_allclose(dl.grad(_false, method="reverse")(W, X2, np.zeros((2, 1))), [1.5, 0.0])
    with pytest.raises(ValueError, match=r"batch_argnums=\(1, 2\).*batch size 2.*1\.05.*0\.975.*shape \(2, 1\)"):
        dl.grad(_false, method="symbolic")(W, X2, np.zeros((2, 1)))


def test_false_declaration_where_f_itself_raises():
    # at batch 5, f raises a broadcast error; symbolic returned a gradient
    X5 = np.linspace(0.1, 0.9, 10).reshape(5, 2)
    with pytest.raises(ValueError, match=r"batch_argnums.*f raised at batch size 5.*broadcast"):
        dl.grad(_false, method="symbolic")(W, X5, np.zeros((5, 1)))


def test_true_declaration_checked_once_per_batch_size():
    calls = []

    def loss(w, X, Y):
        calls.append(len(X))
        return np.mean((np.tanh(X @ w) - Y[:, 0]) ** 2)

    loss.batch_argnums = (1, 2)
    g = dl.grad(loss, method="symbolic")
    rng = np.random.default_rng(0)
    w = rng.normal(size=2)
    for b in (3, 3, 4, 4):
        X, Y = rng.normal(size=(b, 2)), rng.normal(size=(b, 1))
        want = 2 * np.mean(((np.tanh(X @ w) - Y[:, 0]) * (1 - np.tanh(X @ w) ** 2))[:, None] * X, axis=0)
        np.testing.assert_allclose(g(w, X, Y), want, rtol=1e-12)
    # f called at a batch (not traced on one example: len 1) once per new batch size, none at repeated sizes
    assert [n for n in calls if n > 1] == [3, 4]
