"""Per-example structure found from the graph (issue 17 §2): a hand-written batched loss, with no
`batch_argnums`, is differentiated by the symbolic method for ONE example — and a function whose
batch axis is not separable is not (differentiators/examples.py)."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.examples import per_example

RNG = np.random.default_rng(7)
N = 12


def _params(d=3, h=4, k=2):
    return {
        "W0": RNG.normal(size=(d, h)),
        "b0": RNG.normal(size=h),
        "W1": RNG.normal(size=(h, k)),
        "b1": RNG.normal(size=k),
    }


def _data(n=N, d=3, k=2):
    return RNG.normal(size=(n, d)), np.eye(k)[RNG.integers(0, k, n)]


def _logits(p, X):
    return dnp.tanh(X @ p["W0"] + p["b0"]) @ p["W1"] + p["b1"]


def cross_entropy_sum_over_n(p, X, Y):  # the user: -Σ Y log softmax / N, N baked in
    z = _logits(p, X)
    z = z - dnp.max(z, axis=1, keepdims=True)
    logp = z - dnp.log(dnp.sum(dnp.exp(z), axis=1, keepdims=True))
    return -dnp.sum(Y * logp) / X.shape[0]


def mse_mean(p, X, Y):
    return dnp.mean((_logits(p, X) - Y) ** 2)


def mean_plus_weight_decay(p, X, Y):
    return dnp.mean(dnp.sum((_logits(p, X) - Y) ** 2, axis=1)) + 0.01 * dnp.sum(p["W0"] ** 2)


def batch_norm_inside(p, X, Y):  # a mean over the batch inside: every loss reads every example
    H = X @ p["W0"]
    H = (H - dnp.mean(H, axis=0)) / dnp.sqrt(dnp.var(H, axis=0) + 1e-3)
    return dnp.mean((dnp.tanh(H) @ p["W1"] - Y) ** 2)


def rows_paired_wrongly(p, X, Y):  # example i's prediction against example N-1-i's target
    return dnp.mean((_logits(p, X) - Y[::-1]) ** 2)


def mask_from_other_rows(p, X, Y):  # a condition read from another example's row
    return dnp.mean(dnp.where(X[::-1, :1] > 0, _logits(p, X), 0.0) ** 2)


def weighted_by_row(p, X, Y):  # fixed, unequal weights per example: not a mean
    w = np.linspace(0.5, 1.5, X.shape[0])
    return dnp.sum(w * dnp.sum((_logits(p, X) - Y) ** 2, axis=1))


def log_of_mean(p, X, Y):  # a nonlinear tail: log(mean(exp(loss_i)))
    return dnp.log(dnp.mean(dnp.exp(dnp.sum((_logits(p, X) - Y) ** 2, axis=1))))


def sum_plus_decay(p, X, Y):  # Σ loss_i + r: neither the mean nor N times the mean of loss_i + r
    return dnp.sum((_logits(p, X) - Y) ** 2) + dnp.sum(p["W1"] ** 2)


def gram(p, X, Y):  # Xᵀ X mixes every example inside
    return dnp.sum((X.T @ X) @ p["W0"])


def per_example_outputs(p, X, Y):  # no reduction over the examples at all
    return dnp.sum((_logits(p, X) - Y) ** 2, axis=1)


SEPARABLE = {cross_entropy_sum_over_n: N, mse_mean: 1, mean_plus_weight_decay: 1}
NOT_SEPARABLE = [
    batch_norm_inside,
    rows_paired_wrongly,
    mask_from_other_rows,
    weighted_by_row,
    log_of_mean,
    sum_plus_decay,
    gram,
    per_example_outputs,
]


@pytest.mark.parametrize("f", list(SEPARABLE), ids=lambda f: f.__name__)
def test_a_batched_loss_is_found_separable(f):
    p, (X, Y) = _params(), _data()
    g = dl.trace(f, p, X, Y)
    found = per_example(g, (0, 1, 2, 3))
    assert found is not None
    assert found.rows == (4, 5) and found.size == N and found.kappa == SEPARABLE[f]
    assert [v.shape for v in found.graph.inputs[4:]] == [(1, 3), (1, 2)]
    # the one-example graph's mean over the rows is the function, at a point other than the trace's
    p2, (X2, Y2) = _params(), _data()
    flat = [p2[k] for k in sorted(p2)]
    ones = [dl.graph.evaluate(found.graph, *flat, X2[i : i + 1], Y2[i : i + 1])[0] for i in range(N)]
    assert np.mean(ones) == pytest.approx(float(f(p2, X2, Y2)), rel=1e-13)


@pytest.mark.parametrize("f", NOT_SEPARABLE, ids=lambda f: f.__name__)
def test_a_function_whose_examples_mix_is_not_taken(f):
    p, (X, Y) = _params(), _data()
    assert per_example(dl.trace(f, p, X, Y), (0, 1, 2, 3)) is None


def test_a_differentiated_input_is_never_a_batch_input():
    """With X differentiated, only Y is a candidate: the rows of X @ W then keep N rows on one
    example of Y, and the graph is not split (its gradient holds one row per example of X)."""
    p, (X, Y) = _params(), _data(4)
    assert per_example(dl.trace(mse_mean, p, X, Y), (0, 1, 2, 3, 4)) is None
    g_sym = dl.grad(mse_mean, argnums=(0, 1), method="symbolic")(p, X, Y)
    g_rev = dl.grad(mse_mean, argnums=(0, 1), method="reverse")(p, X, Y)
    np.testing.assert_allclose(g_sym[1], g_rev[1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f", list(SEPARABLE) + NOT_SEPARABLE[:-1], ids=lambda f: f.__name__)
def test_symbolic_gradient_equals_reverse(f):
    p, (X, Y) = _params(), _data(N if f in SEPARABLE else 4)  # expanded whole: a small batch
    g_sym = dl.grad(f, method="symbolic")(p, X, Y)
    g_rev = dl.grad(f, method="reverse")(p, X, Y)
    for k in g_rev:
        np.testing.assert_allclose(g_sym[k], g_rev[k], rtol=1e-12, atol=1e-12 * np.abs(g_rev[k]).max())


def test_the_fast_path_is_taken_and_does_not_grow_with_the_batch():
    p = _params()
    sizes = []
    for n in (8, 64):
        X, Y = _data(n)
        prep = dl.prepare(cross_entropy_sum_over_n, p, X, Y, method="symbolic")
        sizes.append(prep.expression_size())  # the scalar path's expansion: one example's
        assert prep.prepared.per_example is not None and prep.prepared.batch_inputs == (4, 5)
        v, g = prep.value_and_grad(p, X, Y)
        v_rev, g_rev = dl.value_and_grad(cross_entropy_sum_over_n)(p, X, Y)
        assert v == pytest.approx(v_rev, rel=1e-13)
        for k in g_rev:
            np.testing.assert_allclose(g[k], g_rev[k], rtol=1e-12, atol=1e-13)
    assert sizes[0] == sizes[1]  # the derivative of one example, whatever N


def test_symbolic_hessian_of_a_batched_loss_equals_reverse():
    rng = np.random.default_rng(3)
    w, X, y = rng.normal(size=3), rng.normal(size=(20, 3)), rng.integers(0, 2, 20).astype(float)

    def logistic(w, X, y):
        z = X @ w
        return dnp.mean(dnp.log(1 + dnp.exp(z)) - y * z)

    prep = dl.prepare(logistic, w, X, y, method="symbolic")
    g, g_rev = prep.grad(w, X, y), dl.grad(logistic)(w, X, y)
    np.testing.assert_allclose(g, g_rev, rtol=1e-12, atol=1e-15)  # the gradient at matrix level
    # the scalar path's Hessian (one example's, averaged over the rows) and the matrix-level one
    H_scalar = prep.prepared._run("hessian", [w, X, y]).reshape(3, 3)
    assert prep.prepared.per_example is not None  # found when the scalar path first needed it
    H_sym = dl.hessian(logistic, method="symbolic")(w, X, y)
    H_rev = dl.hessian(logistic, method=("forward", "reverse"))(w, X, y)
    np.testing.assert_allclose(H_scalar, H_rev, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(H_sym, H_rev, rtol=1e-12, atol=1e-14)


def test_exact_reference_of_a_batched_loss_averages_the_examples():
    from difflab.differentiators import Symbolic

    p, (X, Y) = _params(), _data()
    g = dl.trace(mse_mean, p, X, Y)
    args = [p[k] for k in sorted(p)] + [X, Y]
    prepared = Symbolic().prepare(g, (0, 1, 2, 3))
    _, jac = dl.differentiators.Reverse().prepare(g, (0, 1, 2, 3)).jacobian(args)
    np.testing.assert_allclose(prepared.exact(args), np.ravel(jac), rtol=1e-13, atol=1e-15)
    assert prepared.per_example is not None  # the exact reference is the scalar path's
