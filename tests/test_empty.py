"""Empty arrays differentiate, as in JAX and autograd (issue 11): the derivative w.r.t. an empty leaf is
an empty array of its shape, a Jacobian has a zero-size axis, and a function of an empty leaf may still
depend on non-empty ones (concatenate with an empty array, repeat(x, 0), diff of one element, einsum over
an empty batch axis, array_split into empty pieces). Before, every operator refused an empty leaf by name.
Values checked against JAX (x64) when written; every method, fresh, cached and prepared."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import difflab as dl
from difflab import numpy as dnp

METHODS = ["forward", "reverse", "symbolic", "numeric"]
X = np.array([1.0, 2.0, 3.0])
E = np.zeros(0)


def _same(got, want, rtol=1e-7):
    """Equal shapes, float dtype and values, leaf by leaf (tuples of arrays)."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w, rtol)
        return
    want = np.asarray(want, dtype=float)
    assert np.shape(got) == want.shape, (np.shape(got), want.shape)
    assert np.asarray(got).dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-6)


def _split_sum(a):
    return sum((i + 1.0) * dnp.sum(p * p) for i, p in enumerate(dnp.array_split(a, 5)))


# (f, argnums, args, JAX's value, JAX's gradient)
GRADS = {
    "sum of an empty leaf": (lambda v: dnp.sum(v), 0, (E,), 0.0, np.zeros(0)),
    "(0, 2, 3) leaf": (lambda v: dnp.sum(v * v), 0, (np.zeros((0, 2, 3)),), 0.0, np.zeros((0, 2, 3))),
    "concatenate": (lambda a, b: dnp.sum(dnp.concatenate([a, b]) ** 2), (0, 1), (X, E), 14.0, (2 * X, E)),
    "repeat 0 times": (lambda a: dnp.sum(dnp.repeat(a, 0)) + dnp.sum(a), 0, (X,), 6.0, np.ones(3)),
    "diff of one element": (lambda a: dnp.sum(dnp.diff(a)) + dnp.sum(a * a), 0, (np.array([2.0]),), 4.0, [4.0]),
    "einsum, empty batch": (
        lambda a, b: dnp.sum(dnp.einsum("bij,jk->bik", a, b)) + dnp.sum(b * b),
        (0, 1),
        (np.zeros((0, 2, 3)), np.ones((3, 4))),
        12.0,
        (np.zeros((0, 2, 3)), np.full((3, 4), 2.0)),
    ),
    "array_split into empty pieces": (_split_sum, 0, (X,), 36.0, [2.0, 8.0, 18.0]),
    "matmul over an empty axis": (
        lambda A, B, C: dnp.sum((A @ B + C) ** 2),
        (0, 1, 2),
        (np.zeros((2, 0)), np.zeros((0, 3)), np.arange(6.0).reshape(2, 3)),
        55.0,
        (np.zeros((2, 0)), np.zeros((0, 3)), 2 * np.arange(6.0).reshape(2, 3)),
    ),
    "prod of an empty leaf is 1": (
        lambda v, w: dnp.prod(v) * dnp.sum(w * w),
        (0, 1),
        (E, X),
        14.0,
        (np.zeros(0), 2 * X),
    ),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(GRADS))
def test_value_and_grad_with_empty_leaves_and_values_equal_jax(name, method):
    f, argnums, args, value, grad = GRADS[name]
    rtol = 1e-6 if method == "numeric" else 1e-12
    op = dl.value_and_grad(f, argnums=argnums, method=method)
    for _ in range(2):  # fresh, then from the cache
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no NumPy warning for an empty reduction or a 0-size division
            v, g = op(*args)
        np.testing.assert_allclose(v, value, rtol=1e-12)
        _same(g, grad, rtol)


@pytest.mark.parametrize("method", METHODS)
def test_jacobian_and_hessian_have_zero_size_axes(method):
    # JAX: jacobian of concatenate([v, x·Σv]) at an empty v is (3, 0); of v[:0] at x, (0, 3)
    _same(dl.jacobian(lambda v: dnp.concatenate([v, X * dnp.sum(v)]), method=method)(E), np.zeros((3, 0)))
    _same(dl.jacobian(lambda v: v[:0] * 1.0, method=method)(X), np.zeros((0, 3)))
    _same(dl.jacobian(lambda v: v * 2.0, method=method)(np.zeros((2, 0))), np.zeros((2, 0, 2, 0)))
    h = dl.hessian(lambda a, b: dnp.sum(a**3) + dnp.sum(b * b) + dnp.sum(a) * dnp.sum(b), argnums=(0, 1), method=method)
    blocks = h(X, E)  # JAX: ((diag(6x), (3, 0)), ((0, 3), (0, 0)))
    _same(blocks[0], (np.diag(6 * X), np.zeros((3, 0))), 1e-5)
    _same(blocks[1], (np.zeros((0, 3)), np.zeros((0, 0))))
    _same(dl.hessian(lambda v: dnp.sum(v * v), method=method)(E), np.zeros((0, 0)))


@pytest.mark.parametrize("method", METHODS)
def test_jvp_vjp_and_vmap_with_empty_tangents_and_rows(method):
    f = lambda a, b: (dnp.sum(a * a) + dnp.sum(b), b * 2.0)  # noqa: E731
    (y, e), (t, te) = dl.jvp(f, (X, E), (X, E), method=method)  # JAX: (14, []), (28, [])
    np.testing.assert_allclose((y, t), (14.0, 28.0), rtol=1e-6)
    _same((e, te), (np.zeros(0), np.zeros(0)))
    _same(dl.jvp(lambda v: v * 2.0, (E,), (E,), method=method), (np.zeros(0), np.zeros(0)))
    out, pullback = dl.vjp(lambda a, b: (dnp.concatenate([a * a, b]), dnp.sum(b)), X, E, method=method)
    _same(out, (X * X, 0.0))
    _same(pullback((np.ones(3), 1.0)), (2 * X, np.zeros(0)), 1e-6)  # JAX: ([2, 4, 6], [])
    _same(dl.vmap(dl.grad(lambda v: dnp.sum(v * v), method=method))(np.zeros((2, 0))), np.zeros((2, 0)))
    _same(dl.hvp(lambda v: dnp.sum(v * v), (E,), (E,), method=method), (np.zeros(0), np.zeros(0)))


@pytest.mark.parametrize("method", METHODS)
def test_prepared_functions_take_empty_leaves(method):
    p = dl.prepare(lambda v, w: dnp.sum(v * v) + dnp.sum(w * w), E, X, method=method, argnums=(0, 1))
    for _ in range(2):
        v, g = p.value_and_grad(E, X)
        np.testing.assert_allclose(v, 14.0)
        _same(g, (np.zeros(0), 2 * X), 1e-6)
    _same(p.jacobian(E, X), (np.zeros(0), 2 * X), 1e-6)


def test_a_grad_of_an_empty_output_is_still_not_a_scalar():
    for method in METHODS:
        with pytest.raises(TypeError, match=r"scalar output.*shape \(0,\)"):
            dl.grad(lambda v: v * 2.0, method=method)(E)


@pytest.mark.parametrize("method", METHODS)
def test_autograd_s_checks_of_empty_outputs(method):
    """autograd's test_repeat, test_diff, test_einsum_matmult_broadcast_leadzero and test_array_split_1d
    (check_grads: a VJP at a random cotangent of the output's shape, then derivatives of that VJP w.r.t. the
    cotangent: an empty leaf when the output is empty). JAX: the same shapes, all zeros."""
    pull = lambda ct: dl.vjp(lambda a: dnp.repeat(a, 0, axis=0) * 2.0, X, method=method)[1](ct)[0]  # noqa: E731
    _same(pull(np.zeros(0)), np.zeros(3))
    _same(dl.jacobian(pull, method=method)(np.zeros(0)), np.zeros((3, 0)))
    _same(dl.grad(lambda ct: dnp.sum(pull(ct) * X), method=method)(np.zeros(0)), np.zeros(0))
    _same(dl.jacobian(lambda a: dnp.diff(a), method=method)(np.array([2.0])), np.zeros((0, 1)))
    jac = dl.jacobian(lambda a, b: dnp.einsum("...ij,...jk->...ik", a, b), argnums=(0, 1), method=method)
    _same(jac(np.zeros((0, 2, 3)), np.zeros((0, 3, 4))), (np.zeros((0, 2, 4, 0, 2, 3)), np.zeros((0, 2, 4, 0, 3, 4))))
    (pieces, tangents) = dl.jvp(
        lambda a: tuple(dnp.array_split(a, 3)), (np.array([2.0]),), (np.array([1.0]),), method=method
    )
    _same(pieces, (np.array([2.0]), np.zeros(0), np.zeros(0)))
    _same(tangents, (np.array([1.0]), np.zeros(0), np.zeros(0)))


def test_the_command_line_takes_an_empty_point(capsys):
    from difflab.cli import main

    assert main(["compare", "sum(x*x) + sum(y)", "--at", "x=[],y=[1,2]"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["reverse", "1", "1"] in rows  # ∂/∂x is empty, ∂/∂y = (1, 1)


def test_check_grad_passes_an_empty_argument():
    """Its verdict took the argmax of no entries ("attempt to get argmax of an empty sequence")."""
    from difflab.testing import check_grad, check_hessian

    result = check_grad(lambda v: dnp.sum(v * v), lambda v: 2.0 * v, E)
    assert result and result.margin == 1.0 and result.max_abs_error == 0.0
    assert check_hessian(lambda v: dnp.sum(v * v), lambda v: np.zeros((0, 0)), E)
    f = lambda v, w: dnp.sum(v) + dnp.sum(w * w)  # noqa: E731
    assert check_grad(f, dl.grad(f, argnums=(0, 1)), E, X, argnums=(0, 1))


@pytest.mark.parametrize("method", METHODS)
def test_a_mean_of_no_entries_is_nan_and_its_derivatives_too(method):
    """Symbolic divided by the count 0 ("float division by zero", in the tensor form, the SymPy program and
    the matrix path's 1/b); the others gave NaN. JAX: value_and_grad(mean)(zeros(0)) is (nan, []); d/dy of
    Σ var(x, axis=0)·y at an x of shape (0, 2) is [nan, nan], and so is the Hessian of Σ mean(x, axis=0)·y²."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (NaN by design: a DomainWarning naming the mean)
        for f in (dnp.mean, dnp.var, dnp.std):
            value, g = dl.value_and_grad(f, method=method)(E)
            assert np.isnan(value) and g.shape == (0,)
        Z, y = np.zeros((0, 2)), np.ones(2)
        value, (gx, gy) = dl.value_and_grad(lambda x, y: dnp.sum(dnp.var(x, axis=0) * y), (0, 1), method)(Z, y)
        assert np.isnan(value) and gx.shape == (0, 2) and np.isnan(gy).all()
        h = dl.hessian(lambda x, y: dnp.sum(dnp.mean(x, axis=0) * y * y), argnums=(0, 1), method=method)(Z, y)
        assert h[0][0].shape == (0, 2, 0, 2) and h[0][1].shape == (0, 2, 2) and np.isnan(h[1][1]).all()
