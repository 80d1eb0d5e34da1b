"""numpy.sort and numpy.piecewise record graphs that hold for every input value (issue 11): `sort` is a primitive
(ops/sorting.py) whose derivative follows the values' permutation, and piecewise with traced conditions selects
among all its branches, as jax.numpy's. So prepare reuses them at values in another order or on other branches,
and vmap batches them, each checked against NumPy's own values (a fresh call, a Python loop) and its complex step
(NumPy sorts complex values by their real parts first, so the step does not reorder them)."""

from __future__ import annotations

import numpy as np
import pytest

import difflab as dl

METHODS = ("reverse", "forward", "symbolic", "numeric")
X = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
W = np.arange(1.0, 6.0)


def _complex_step(f, x, h=1e-30):
    return np.array([f(x + 1j * h * e).imag / h for e in np.eye(x.size)])


def _sorted_weighted(x):
    return (np.sort(x) ** 3 * W).sum() + np.sort(np.outer(x[:2], x), axis=0)[0].sum()


def _sorted_flat_and_median(x):
    m = np.outer(x, x[:3])
    return (np.sort(m, axis=None)[::4] * x[0]).sum() + np.median(x) * x[1]


def _in_place_sort(x):
    y = x * W
    y.sort()
    return (y * W).sum()


def _piecewise(x):
    pieces = [lambda v: np.sqrt(-v), lambda v: np.sin(v) * v, 0.5]
    return np.sum(np.piecewise(x, [x < 0, x > 1], pieces) ** 2 * x)


def _piecewise_otherwise(x):
    return np.sum(np.piecewise(x * 2.0, [x < -1, x > 0.5], [lambda v: v**2, lambda v: np.exp(v), np.cos]) * x)


FUNCTIONS = [_sorted_weighted, _sorted_flat_and_median, _in_place_sort, _piecewise, _piecewise_otherwise]
#: points in other orders and on other branches than X
OTHERS = [X[::-1].copy(), -X, np.array([1.5, 0.2, -0.6, -2.0, 1.1])]


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__.strip("_"))
def test_prepared_at_other_orders_and_branches_is_a_fresh_call(f):
    # (symbolic sorts by order statistics, sort_k: seconds for these sizes; its sort is checked on a smaller one)
    for method in METHODS if "sort" not in f.__name__ else ("reverse", "forward", "numeric"):
        tol = 1e-6 if method == "numeric" else 1e-12
        p = dl.prepare(f, X, method=method)  # (it refused: the graph was specialised to X's order and branches)
        for at in [X, *OTHERS]:
            assert float(p(at)) == pytest.approx(f(at.copy()), rel=1e-13)
            np.testing.assert_allclose(p.grad(at), _complex_step(f, at), rtol=tol, atol=tol)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__.strip("_"))
def test_vmap_is_a_python_loop(f):
    batch = np.stack([X, *OTHERS])
    np.testing.assert_allclose(dl.vmap(f)(batch), [f(b.copy()) for b in batch], rtol=1e-13)
    grads = dl.vmap(dl.grad(f))(batch)
    np.testing.assert_allclose(grads, [_complex_step(f, b) for b in batch], rtol=1e-12, atol=1e-12)


def test_sort_along_an_axis_batched_and_its_hessian():
    a = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]])
    for axis in (0, 1, -1, None):
        got = dl.vmap(lambda m: np.sort(m, axis=axis))(np.stack([a, -a]))
        np.testing.assert_array_equal(got, [np.sort(a, axis=axis), np.sort(-a, axis=axis)])

    def g(x):
        return (np.sort(x) ** 3 * W).sum()

    # Σ_k W_k s_k³ with s = x sorted: the Hessian is diagonal, 6 W_rank(i) x_i at each x_i
    want = np.diag(6 * W[np.argsort(np.argsort(X))] * X)
    for method in ("reverse", "forward", "symbolic", ("forward", "reverse")):
        np.testing.assert_allclose(dl.hessian(g, method=method)(X), want, rtol=1e-12)
    p = dl.prepare(lambda x: (np.sort(x) ** 2 * W[:3]).sum(), X[:3], method="symbolic")
    for at in (X[:3], X[2::-1], X[1:4]):
        np.testing.assert_allclose(
            p.grad(at), 2 * np.sort(at)[np.argsort(np.argsort(at))] * W[np.argsort(np.argsort(at))]
        )


@pytest.mark.slow  # importing JAX: seconds
def test_against_jax_sort_and_piecewise():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def theirs(x):
        pieces = [lambda v: jnp.sqrt(-v), lambda v: jnp.sin(v) * v, 0.5]
        return (jnp.sort(x) ** 3 * W).sum() + jnp.sum(jnp.piecewise(x, [x < 0, x > 1], pieces) ** 2 * x)

    def ours(x):
        return (np.sort(x) ** 3 * W).sum() + _piecewise(x)

    for at in [X, *OTHERS]:
        want = np.asarray(jax.grad(theirs)(jnp.asarray(at)))
        for method in ("reverse", "forward", "symbolic"):
            np.testing.assert_allclose(dl.grad(ours, method=method)(at), want, rtol=1e-12, atol=1e-12)


def test_piecewise_branches_empty_at_the_traced_point_see_no_value_outside_their_domain():
    """A branch whose condition holds nowhere at the traced point still sees only values where it is finite (as
    NumPy's, which calls it on no entry): no NaN and no DomainWarning at the points where it is picked or not."""
    import warnings

    def f(x):
        return np.sum(np.piecewise(x, [x < 0], [lambda v: np.sqrt(-v), lambda v: np.log(v)]) * x)

    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = dl.prepare(f, x)
        for at in (x, -x, np.array([-4.0, 0.5])):
            assert float(p(at)) == pytest.approx(f(at), rel=1e-14)
            np.testing.assert_allclose(p.grad(at), _complex_step(f, at.astype(complex)), rtol=1e-13)
        np.testing.assert_allclose(dl.vmap(f)(np.stack([x, -x])), [f(x), f(-x)], rtol=1e-14)
