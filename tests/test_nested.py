"""Nested derivatives: no perturbation confusion, higher orders by composition."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

AD = ["forward", "reverse"]


@pytest.mark.parametrize("outer", AD + ["numeric"])
@pytest.mark.parametrize("inner", AD + ["numeric"])
def test_classic_perturbation_confusion(outer, inner):
    """d/dx [x * d/dy (x + y)] at y = 1 is 1, not 2 (Siskind & Pearlmutter)."""
    f = lambda x: x * dl.grad(lambda y: x + y, method=inner)(1.0)
    np.testing.assert_allclose(dl.grad(f, method=outer)(2.0), 1.0, rtol=1e-6 if "numeric" in (outer, inner) else 0)


@pytest.mark.parametrize("outer", AD)
@pytest.mark.parametrize("inner", AD)
def test_inner_derivative_depends_on_outer_variable(outer, inner):
    """d/dx [d/dy (x*y)] = 1 and d/dx [x * d/dy (x*y)|y=3] = 2x."""
    g = lambda x: dl.grad(lambda y: x * y, method=inner)(3.0)
    assert dl.grad(g, method=outer)(5.0) == 1.0
    h = lambda x: x * dl.grad(lambda y: x * y, method=inner)(3.0)
    assert dl.grad(h, method=outer)(5.0) == 10.0


@pytest.mark.parametrize("outer", AD)
@pytest.mark.parametrize("inner", AD)
def test_nested_with_shared_closure(outer, inner):
    """d/dx [ d/dy exp(x*y) at y=x ] = d/dx [x exp(x^2)] = exp(x^2) (1 + 2x^2)."""
    f = lambda x: dl.grad(lambda y: dnp.exp(x * y), method=inner)(x)
    x = 0.7
    np.testing.assert_allclose(dl.grad(f, method=outer)(x), np.exp(x * x) * (1 + 2 * x * x), rtol=1e-14)


@pytest.mark.parametrize("method", AD)
def test_third_derivative_by_composition(method):
    f = lambda x: dnp.sin(x) * x
    d1 = dl.grad(f, method=method)
    d2 = dl.grad(d1, method=method)
    d3 = dl.grad(d2, method=method)
    x = 0.3
    np.testing.assert_allclose(d3(x), -3 * np.sin(x) - x * np.cos(x), rtol=1e-14)


def test_hessian_pairs_agree():
    f = lambda x: dnp.sum(dnp.tanh(x) * x[::-1]) + dnp.prod_shape(x) * dnp.sum(x**3.0)
    x = np.array([0.3, -0.5, 0.9])
    ref = dl.hessian(f, method="symbolic")(x)
    for pair in [("forward", "reverse"), ("reverse", "reverse"), ("forward", "forward"), ("reverse", "forward")]:
        np.testing.assert_allclose(dl.hessian(f, method=pair)(x), ref, rtol=1e-12, atol=1e-13, err_msg=str(pair))


@pytest.mark.parametrize("pair", [("forward", "reverse"), ("reverse", "reverse"), ("reverse", "forward"), "symbolic"])
def test_relu_mask_times_one_stays_a_float_in_nested_rules(pair):
    """Found by the long random-graph run: relu's rule (x > 0) * 1.0 must not fold to the bool mask,
    or a value used twice adds its two masks as a logical or (2 became 1)."""

    def f(x):
        v = dnp.reshape(x * x + 0.5, (1,))
        return dnp.sum(dnp.relu(dnp.concatenate([v, v], axis=0)))

    assert dl.hessian(f, method=pair)(0.3) == pytest.approx(4.0, rel=1e-12)


# -- issue 15: finite differences of finite differences take their steps from the error model -------


def test_numeric_of_numeric_hessian_and_third_derivative_are_accurate():
    f = lambda x: dnp.sum(dnp.sin(x) * dnp.exp(0.3 * x)) + dnp.sum(x) ** 3.0
    x = np.linspace(0.1, 0.9, 4)
    exact = dl.hessian(f, method="reverse")(x)
    nested = dl.hessian(f, method=("numeric", "numeric"))(x)
    assert np.abs(nested - exact).max() <= 1e-5 * np.abs(exact).max()  # was 4e-6 at eps^(1/3) steps
    g = lambda y: dnp.sin(y) * y**3.0
    third = dl.grad(dl.grad(dl.grad(g, method="numeric"), method="numeric"), method="numeric")(0.7)
    assert third == pytest.approx(dl.grad(dl.grad(dl.grad(g)))(0.7), rel=1e-4)  # was 5e-3


def test_a_numeric_level_counts_only_numeric_levels():
    from difflab.differentiators.numeric import Numeric, nesting

    with nesting(Numeric()) as outer, nesting(Numeric()) as inner:
        pass
    with nesting("forward") as other:
        pass
    assert (outer[0], inner[0], other[0]) == (2, 2, 1)
