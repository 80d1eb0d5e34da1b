"""Matrix-level symbolic Hessians (issue 17 §2, differentiators/tensor.py): equal to the scalar
path's and to forward-over-reverse on small n; the scalar path stays for what is not multilinear
or elementwise; graphs too large to expand into scalars still get their Hessian."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import Symbolic
from difflab.differentiators.tensor import tensor_form

RNG = np.random.default_rng(11)
n, N = 4, 6
X, y, w, A = RNG.normal(size=(N, n)), RNG.integers(0, 2, N).astype(float), RNG.normal(size=n), RNG.normal(size=(n, n))

CASES = {
    "logistic regression": (lambda w, X, y: dnp.mean(dnp.log(1 + dnp.exp(X @ w)) - y * (X @ w)), (w, X, y)),
    "xᵀAx": (lambda x, A: x @ A @ x, (w, A)),
    "xᵀAx + Σ tanh(Ax)²": (lambda x, A: dnp.sum(dnp.tanh(A @ x) ** 2) + x @ A @ x, (w, A)),
    "least squares": (lambda x, A: dnp.sum((A @ x - 1.0) ** 2), (w, A)),
    "matrix argument": (lambda M, A: dnp.sum(dnp.tanh(M @ A) * M), (A.T.copy(), A)),
    "Σx² + mean exp": (lambda x: dnp.sum(x * x) + dnp.mean(dnp.exp(x)), (w,)),
    "vᵀMᵀMv in M": (lambda M, v: v @ M.T @ M @ v, (A, w)),
    "einsum and a column": (lambda x, A: dnp.sum(dnp.einsum("ij,j->i", A, x).reshape(-1, 1) ** 3), (w, A)),
    "broadcast row": (lambda b, X: dnp.sum(dnp.sin(X + b) * (X + b)), (w, X)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matrix_level_hessian_equals_scalar_path_and_forward_over_reverse(name):
    f, args = CASES[name]
    graph = dl.trace(f, *args)
    form = tensor_form(graph, (0,))
    assert form is not None
    value, H = form.hessian(list(args))
    size = np.size(args[0])
    H_ref = np.reshape(dl.hessian(f, method=("forward", "reverse"))(*args), (size, size))
    scalar = Symbolic().prepare(graph, (0,))
    H_scalar = scalar._run("hessian", list(args)).reshape(size, size)  # the per-scalar SymPy path
    scale = max(1.0, np.abs(H_ref).max())
    np.testing.assert_allclose(H, H_ref, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(H, H_scalar, rtol=0, atol=1e-12 * scale)
    assert float(value[0]) == pytest.approx(float(f(*args)), rel=1e-14)
    _, g = form.gradient(list(args))
    np.testing.assert_allclose(g, np.ravel(dl.grad(f)(*args)), rtol=0, atol=1e-12 * scale)


def test_the_identity_seed_never_becomes_a_matrix():
    """∂²(xᵀAx) = A + Aᵀ: two terms, each the constant A itself (one factor, no contraction)."""
    form = tensor_form(dl.trace(lambda x, A: x @ A @ x, w, A), (0,))
    terms = form.groups[2]
    assert len(terms) == 2
    for (structure, out), parts in terms.items():
        assert len(structure) == 1 and structure[0][0][0] == "v" and len(out) == 2 and len(set(out)) == 2
        assert all(factors == () for _, factors in parts)


def test_logistic_regression_is_one_contraction():
    """Xᵀ diag(c) X: the elementwise partials' terms merge into one coefficient vector."""
    f, args = CASES["logistic regression"]
    form = tensor_form(dl.trace(f, *args), (0,))
    assert form.terms[2] > 1 and len(form.groups[2]) == 1


@pytest.mark.parametrize(
    "f", [lambda x: dnp.sum(x[1:] * x[:-1]), lambda x: dnp.max(x) * dnp.sum(x)], ids=["getitem", "max"]
)
def test_other_ops_keep_the_scalar_path(f):
    assert tensor_form(dl.trace(f, w), (0,)) is None
    H = dl.hessian(f, method="symbolic")(w)
    np.testing.assert_allclose(H, dl.hessian(f, method=("forward", "reverse"))(w), atol=1e-12)


def test_scalar_inputs_keep_the_scalar_path():
    prep = Symbolic().prepare(dl.trace(lambda a, b: a * dnp.exp(b), 1.0, 2.0), (0, 1))
    assert prep.tensor is None and prep.program is not None


def test_a_graph_too_large_to_expand_still_has_a_symbolic_hessian():
    big_n = 500  # A has 250 000 elements: over the scalar expansion limit
    x, B = RNG.normal(size=big_n), RNG.normal(size=(big_n, big_n))
    f = lambda x, B: x @ B @ x  # noqa: E731
    H = dl.hessian(f, method="symbolic")(x, B)
    np.testing.assert_array_equal(H, B + B.T)  # (its gradient too: tests/test_matrix_gradient.py)


@pytest.mark.parametrize("name", ["xᵀAx + Σ tanh(Ax)²", "logistic regression"])
def test_on_traced_arguments_the_scalar_path_records_the_hessian(name):
    """Inside an outer derivative the Hessian is the scalar expressions run as difflab ops
    (compile/traced.py), differentiated by the outer method: equal to reverse-over-reverse."""
    f, args = CASES[name]
    rest = args[1:]
    loss = lambda m: lambda x: dnp.sum(dnp.sin(dl.hessian(f, method=m)(x, *rest)))  # noqa: E731
    np.testing.assert_allclose(dl.grad(loss("symbolic"))(w), dl.grad(loss("reverse"))(w), rtol=1e-12, atol=1e-12)


def test_reuse_in_depth_is_refused_the_matrix_form_before_it_swells():
    """A value's terms are a sum over its paths from x: `x = x * sin(x)` seven times over holds 40 640
    Hessian terms, built in 9 s, and an 8-step Newton loop (implied volatility) never finished, its
    gradient included (symbolic builds the form when it prepares). Past MAX_TERMS, counted before the terms
    are built, there is no matrix-level form and the scalar program gives the Hessian."""

    def f(x):
        for _ in range(7):
            x = x * dnp.sin(x)
        return dnp.sum(x)

    x = np.array([0.3, 0.7, 1.1])
    assert tensor_form(dl.trace(f, x), (0,)) is None
    H = dl.hessian(f, method="symbolic")(x)
    np.testing.assert_allclose(H, dl.hessian(f, method=("forward", "reverse"))(x), rtol=1e-11, atol=1e-12)
