"""Findings of bench/transform_fuzz55.py (transformations nested, every method, against JAX x64; issue 11).

The reference numbers are JAX's (x64), computed once and stored here, so that no test needs jax.
"""

import numpy as np
import pytest

import difflab as dl

X = np.array([-0.7, 0.4])
W = np.array([0.95, -0.3])
# jax.grad(s)(X), jax.jvp(jax.grad(s), (X,), (W,))[1] for s(x) = sum(real(exp(1j x) x) * W)
JAX_GRAD = [0.29819531590719955, -0.22958809712382744]
JAX_HVP = [1.6460019772810077, -0.10325349739966094]


def _complex_inside(x):
    return np.real(np.exp(1j * x) * x)


def _custom():
    cf = dl.custom_jvp(lambda x: _complex_inside(x))
    cf.defjvp(lambda primals, tangents: dl.jvp(_complex_inside, tuple(primals), tuple(tangents)))
    return lambda x: np.sum(cf(x) * W)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_custom_jvp_rule_with_complex_intermediates(method):
    g, hv = dl.hvp(_custom(), (X,), (W,), method=method)
    np.testing.assert_allclose(g, JAX_GRAD, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hv, JAX_HVP, rtol=1e-12, atol=1e-12)


def test_symbolic_refuses_a_rule_with_complex_intermediates_by_name():
    # the rule's partials keep 1j; the vectorized code wrote them into its real buffer: a bare TypeError
    # ("float() argument must be ... not 'complex'") before; fuzz seed 3 #41: custom_jvp -> hvp(symbolic)
    with pytest.raises(dl.NotDifferentiableError, match="complex intermediate"):
        dl.hvp(_custom(), (X,), (W,), method="symbolic")
    g, _ = dl.hvp(lambda x: np.sum(_complex_inside(x) * W), (X,), (W,), method="symbolic")  # without the rule
    np.testing.assert_allclose(g, JAX_GRAD, rtol=1e-12, atol=1e-12)


def _sin_x(x):
    return np.sin(x) * x


def _custom_jvp_over_custom_vjp():
    cv = dl.custom_vjp(lambda x: _sin_x(x))
    cv.defvjp(lambda x: (_sin_x(x), (x,)), lambda res, ct: tuple(dl.vjp(_sin_x, *res)[1](ct)))
    cj = dl.custom_jvp(lambda x: cv(x))
    cj.defjvp(lambda primals, tangents: dl.jvp(cv, tuple(primals), tuple(tangents)))
    return lambda x: np.sum(cj(x)[::-1] * np.array([0.5, -1.0, 2.0]))


# jax.grad of the same (jax.custom_jvp whose rule is jax.jvp of a jax.custom_vjp) at [0.3, -1.2, 0.7]
JAX_CUSTOM_LIN = [1.1642423067980427, 1.3668683913392345, 0.5898036091684165]


@pytest.mark.parametrize("method", ["reverse", "symbolic"])
def test_custom_jvp_rule_calling_jvp_of_a_custom_vjp_under_reverse(method):
    # reverse mode transposes the rule, linear in its tangent: the custom_vjp's forward jvp there is J t read
    # from its bwd (JAX's custom_lin); refused before ("forward mode cannot differentiate custom_vjp function");
    # the 2 refusals left by transform_fuzz49 (custom_jvp -> custom_vjp chains under an outer reverse grad)
    got = dl.grad(_custom_jvp_over_custom_vjp(), method=method)(np.array([0.3, -1.2, 0.7]))
    np.testing.assert_allclose(got, JAX_CUSTOM_LIN, rtol=1e-12, atol=1e-12)


def test_custom_jvp_rule_calling_jvp_of_a_custom_vjp_forward_still_refused():
    # forward mode runs the rule on values: jvp of a function with only a VJP rule, refused as JAX's jacfwd does
    with pytest.raises(dl.NotDifferentiableError, match="only a VJP rule"):
        dl.grad(_custom_jvp_over_custom_vjp(), method="forward")(np.array([0.3, -1.2, 0.7]))
