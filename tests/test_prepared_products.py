"""PreparedFunction's jvp, vjp, hessian and hvp: the numbers and shapes of dl.jvp, dl.vjp, dl.hessian and
dl.hvp, by every method, from one preparation."""

import numpy as np
import pytest

import difflab as dl

METHODS = ["reverse", "forward", "symbolic", "numeric"]
X = np.array([0.3, -0.7, 1.1])
V = np.array([1.0, 0.5, -2.0])


def loss(x):
    return np.sum(np.sin(x) * x**2) + np.prod(x)


def vector(x):
    return np.tanh(x) * x[0]


def _close(a, b, method):
    tol = 1e-5 if method == "numeric" else 1e-12
    for u, w in zip(*(a, b) if isinstance(a, tuple) else ((a,), (b,))):
        assert np.shape(u) == np.shape(w)
        np.testing.assert_allclose(u, w, rtol=tol, atol=tol)


@pytest.mark.parametrize("method", METHODS)
def test_prepared_jvp_vjp_hessian_hvp_give_the_dl_functions_numbers(method):
    p = dl.prepare(loss, X, method=method)
    y = X + 0.25  # (another point than the example's)
    _close(p.jvp((y,), (V,)), dl.jvp(loss, (y,), (V,), method=method), method)
    out, pullback = p.vjp(y)
    want_out, want_pullback = dl.vjp(loss, y, method=method)
    _close(out, want_out, method)
    got, want = pullback(2.0), want_pullback(2.0)
    assert isinstance(got, tuple) and len(got) == 1
    _close(got[0], want[0], method)
    _close(p.hessian(y), dl.hessian(loss, method=method)(y), method)
    assert p.hessian(y).shape == (3, 3)
    hvp_tol = "numeric" if method == "numeric" else method
    _close(p.hvp((y,), (V,)), dl.hvp(loss, (y,), (V,), method=method), hvp_tol)
    # a vector output: J v shaped like the output, the pullback a cotangent per argument
    q = dl.prepare(vector, X, method=method)
    _close(q.jvp((y,), (V,)), dl.jvp(vector, (y,), (V,), method=method), method)
    u = np.array([1.0, -1.0, 3.0])
    _close(q.vjp(y)[1](u)[0], dl.vjp(vector, y, method=method)[1](u)[0], method)


def test_prepared_products_of_several_arguments_and_their_checks():
    f = lambda w, b: np.sum(np.tanh(w * 2.0 + b) ** 2)  # noqa: E731
    w, b = np.array([0.1, 0.2]), 0.3
    p = dl.prepare(f, w, b, argnums=(0, 1))
    _close(p.jvp((w, b), (np.ones(2), 1.0)), dl.jvp(f, (w, b), (np.ones(2), 1.0)), "reverse")
    got, want = p.vjp(w, b)[1](1.0), dl.vjp(f, w, b)[1](1.0)
    _close(got[0], want[0], "reverse")
    _close(got[1], want[1], "reverse")
    H, Hw = p.hessian(w, b), dl.hessian(f, argnums=(0, 1))(w, b)
    _close(H[0][0], Hw[0][0], "reverse")
    _close(H[1][0], Hw[1][0], "reverse")
    g, hv = p.hvp((w, b), (np.ones(2), 1.0))
    g_want, hv_want = dl.hvp(f, (w, b), (np.ones(2), 1.0))
    _close(hv[0], hv_want[0], "reverse")
    _close(g[1], g_want[1], "reverse")
    # argnums 0 of two: jvp takes the differentiated argument's tangent, hvp (every argument) is refused
    q = dl.prepare(f, w, b)
    assert np.isclose(q.jvp((w, b), (np.ones(2),))[1], dl.jvp(lambda w: f(w, b), (w,), (np.ones(2),))[1])
    with pytest.raises(ValueError, match="2 tangent.*1 differentiated"):
        q.jvp((w, b), (np.ones(2), 1.0))
    with pytest.raises(ValueError, match="2 tangents for the 1 differentiated argument"):
        q.hvp((w, b), (np.ones(2), 1.0))
    with pytest.raises(ValueError, match="prepare again"):  # the prepared signature, as grad's
        p.jvp((np.ones(3), b), (np.ones(3), 1.0))
    with pytest.raises(ValueError, match="prepare again"):
        p.hessian(np.ones(3), b)
    with pytest.raises(TypeError, match="tuple or list"):
        p.jvp(w, np.ones(2))


def test_prepared_products_with_static_arguments_and_float32():
    f = lambda x, k: np.sum(x**k)  # noqa: E731
    p = dl.prepare(f, X, 3.0, static_argnums=1)
    _close(p.jvp((X, 2.0), (V,)), dl.jvp(lambda x: f(x, 2.0), (X,), (V,)), "reverse")
    _close(p.hessian(X, 3.0), np.diag(6 * X), "reverse")
    _close(p.hvp((X, 3.0), (V,))[1], 6 * X * V, "reverse")
    x32 = X.astype(np.float32)
    q = dl.prepare(lambda x: np.sum(x * np.ones(3)), x32)
    out, tangent = q.jvp((x32,), (np.ones(3, np.float32),))
    assert (np.asarray(out).dtype, np.asarray(tangent).dtype) == (np.float64, np.float64)  # as dl.jvp, JAX
    assert q.vjp(x32)[1](1.0)[0].dtype == np.float32


@pytest.mark.parametrize("method", METHODS)
def test_hvp_of_a_prepared_subset_of_the_arguments_holds_the_others(method):
    # PreparedFunction.hvp refused any argnums but every argument (dl.hvp's), where grad and hessian take them
    f = lambda x, y, z: np.sum(np.sin(x) * y**3 * z)  # noqa: E731
    x, y, z = X[:2], np.array([1.2, -0.4]), np.array([2.0, 3.0])
    v, w = np.array([0.5, -1.0]), np.array([1.0, 2.0])
    H = dl.hessian(f, argnums=(0, 1))(x, y, z)
    tol = 1e-7 if method == "numeric" else 1e-13
    g, hv = dl.prepare(f, x, y, z, argnums=(0, 2), method=method).hvp((x, y, z), (v, w))
    want = dl.hvp(lambda x, z: f(x, y, z), (x, z), (v, w))
    for got, ref in zip((*g, *hv), (*want[0], *want[1])):
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
    g, hv = dl.prepare(f, x, y, z, argnums=1, method=method).hvp((x, y, z), (w,))
    np.testing.assert_allclose(g, dl.grad(f, argnums=1)(x, y, z), rtol=1e-13)
    np.testing.assert_allclose(hv, H[1][1] @ w, rtol=tol, atol=tol)
