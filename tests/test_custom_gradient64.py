"""dl.custom_gradient, JAX's (TensorFlow's) one-function custom rule: fun returns (value, vjp) (issue 11, stop 64;
on main the name did not exist). JAX's own example semantics: its rule replaces the derivative, for the methods that
take custom_vjp's rules (reverse, symbolic); forward refuses by name and numeric sees the value, as for custom_vjp."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp


@dl.custom_gradient
def doubled_sin(x):
    y = dnp.sin(x)
    return y, lambda g: (2.0 * g * dnp.cos(x),)  # twice sin's slope: the rule shows


@dl.custom_gradient
def scaled_product(x, y):
    out = x * y
    return out, lambda g: (g * y, 3.0 * g * x)  # ∂y scaled by 3


@pytest.mark.parametrize("method", ["reverse", "symbolic"])
def test_the_rule_replaces_the_derivative(method):
    x = np.array([0.3, -1.1])
    assert dl.grad(lambda v: dnp.sum(doubled_sin(v)), method=method)(x) == pytest.approx(2 * np.cos(x), rel=1e-14)
    gx, gy = dl.grad(lambda a, b: scaled_product(a, b), argnums=(0, 1), method=method)(2.0, 5.0)
    assert (gx, gy) == (pytest.approx(5.0), pytest.approx(6.0))
    # the value is fun's, and a bare cotangent for a one-argument fun is taken as its tuple
    bare = dl.custom_gradient(lambda x: (x**3, lambda g: 3.0 * g * x**2))
    assert dl.grad(bare, method=method)(2.0) == pytest.approx(12.0) and bare(2.0) == 8.0


def test_forward_refuses_and_numeric_sees_the_value():
    with pytest.raises(dl.NotDifferentiableError, match="only a VJP rule"):
        dl.grad(doubled_sin, method="forward")(0.3)
    with pytest.warns(UserWarning, match="differentiates the function itself"):
        assert dl.grad(doubled_sin, method="numeric")(0.3) == pytest.approx(np.cos(0.3), rel=1e-8)


def test_bad_functions_are_named():
    with pytest.raises(TypeError, match="custom_gradient takes a function returning \\(value, vjp\\), got int"):
        dl.custom_gradient(3)
    with pytest.raises(TypeError, match=r"custom_gradient: <lambda> must return \(value, vjp\)"):
        dl.grad(dl.custom_gradient(lambda x: x * 2.0))(1.0)
