"""JAX's spellings a JAX user met as Python's generic errors (round 22, tests/test_user_code22.py): custom_jvp.defjvps,
vmap(axis_name=, axis_size=), grad(allow_int=), linear_transpose(f, *primals), dl.remat, and every keyword of JAX's
transformations either taken or refused by name. Values against closed forms (JAX x64 agrees; CI needs no JAX)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import NumericIgnoresRuleWarning

METHODS = ["symbolic", "numeric", "forward", "reverse"]


# ---------------------------------------------------------------- custom_jvp.defjvps


def _sin_times():
    @dl.custom_jvp
    def f(x, y):
        return dnp.sin(x) * y

    f.defjvps(lambda tx, ans, x, y: dnp.cos(x) * y * tx, lambda ty, ans, x, y: dnp.sin(x) * ty)
    return f


@pytest.mark.parametrize("method", METHODS)
def test_defjvps_gradient_every_method(method):
    f, x, y = _sin_times(), np.array([0.3, -1.2]), np.array([2.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericIgnoresRuleWarning)
        gx, gy = dl.grad(lambda x, y: dnp.sum(f(x, y)), argnums=(0, 1), method=method)(x, y)
    tol = 1e-7 if method == "numeric" else 1e-14
    np.testing.assert_allclose(gx, np.cos(x) * y, rtol=tol, atol=tol)
    np.testing.assert_allclose(gy, np.sin(x), rtol=tol, atol=tol)


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_defjvps_rule_is_used_and_none_is_no_tangent(method):
    # a straight-through rule for x (its contribution 2·tx, not y·tx) and None for y: the exact methods take the rule
    @dl.custom_jvp
    def g(x, y):
        return x * y

    g.defjvps(lambda tx, ans, x, y: 2.0 * tx, None)
    gx, gy = dl.grad(g, argnums=(0, 1), method=method)(3.0, 5.0)
    assert (gx, gy) == (2.0, 0.0)


@pytest.mark.parametrize("method", ["reverse", ("forward", "reverse"), ("symbolic", "symbolic")])
def test_defjvps_nests_second_derivatives(method):
    f = _sin_times()
    h = dl.hessian(f, argnums=(0, 1), method=method)(0.7, 2.0)
    np.testing.assert_allclose(
        np.array(h, dtype=float), [[-np.sin(0.7) * 2.0, np.cos(0.7)], [np.cos(0.7), 0.0]], rtol=1e-13
    )


def test_defjvps_pytree_output_and_bad_use_named():
    @dl.custom_jvp
    def pair(x):
        return {"s": dnp.sin(x), "c": dnp.cos(x)}

    pair.defjvps(lambda t, ans, x: {"s": ans["c"] * t, "c": -ans["s"] * t})
    g = dl.grad(lambda x: pair(x)["s"] + 3.0 * pair(x)["c"], method="reverse")(0.4)
    assert g == pytest.approx(np.cos(0.4) - 3.0 * np.sin(0.4), rel=1e-14)
    with pytest.raises(TypeError, match=r"defjvps was given 1 rule\(s\), one per argument.*called with 2"):
        one = dl.custom_jvp(lambda x, y: x * y)
        one.defjvps(lambda t, ans, x, y: y * t)
        dl.grad(one, method="forward")(1.0, 2.0)
    with pytest.raises(TypeError, match="nondiff_argnums"):
        dl.custom_jvp(lambda n, x: x**n, nondiff_argnums=(0,)).defjvps(None)
