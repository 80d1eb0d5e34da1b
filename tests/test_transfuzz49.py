"""Findings of bench/transform_fuzz.py (nested transformations, every method, against JAX x64; issue 11).

The reference numbers are JAX's (x64), computed once and stored here, so that no test needs jax:
    jax.grad(f)(x) and jax.jvp(jax.grad(f), (x,), (v,))[1] for f = sum(tanh(x)**3 * x[::-1]).
"""

import numpy as np
import pytest

import difflab as dl

X = np.linspace(-1.0, 1.0, 4)
V = np.cos(np.arange(4.0))
JAX_GRAD = [1.1725318337308268, 0.12591990571888625, -0.12591990571888628, -1.1725318337308268]
JAX_HVP = [-1.1397941575014467, -0.4785349944272317, 0.4907955864893634, 1.1574947274889487]


def f(x):
    return np.sum(np.tanh(x) ** 3 * x[::-1])


@pytest.mark.parametrize(
    "method, tol",
    [
        (dl.Numeric(error_estimate=True), 1e-7),
        (dl.Numeric(scheme="richardson"), 1e-7),
        (dl.Forward(), 1e-12),
        (dl.Reverse(), 1e-12),
        (dl.Symbolic(), 1e-12),
    ],
    ids=["numeric-estimate", "numeric-richardson", "forward", "reverse", "symbolic"],
)
def test_hvp_takes_a_configured_method(method, tol):
    # a configured differentiator, as grad/jacobian/hessian take one: refused before ("hvp method must be one
    # of ... or a pair"); the fuzz's hvp(method=dl.Numeric(error_estimate=True)) chains
    g, hv = dl.hvp(f, (X,), (V,), method=method)
    np.testing.assert_allclose(g, JAX_GRAD, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hv, JAX_HVP, rtol=tol, atol=tol)


def _writes(x):
    z = np.zeros_like(x)
    z[0, 2] = x[1, 1] * x[0, 0]
    z[1] += x[0] ** 2
    return z


# jax.grad(lambda x: jnp.sum(jax.linearize(f, x)[1](T) ** 2))(x) for f the same writes as .at[].set/.add
JAX_LINEARIZED_WRITES = [[-9.63887231122772, -1.4012475922868586, -0.27708510330911046], [0.0, 2.507287241727224, 0.0]]


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_linearized_writes_under_an_outer_grad(method):
    # linearize's jvp_fn, of a function writing into a zeros_like, called on values an outer grad traces:
    # its tangent graph's setitem wrote a traced value into a NumPy buffer in place (TracerConversionError
    # "converts a traced value"); fuzz chain seed 2 #220: linearize -> linearize -> vjp
    t = np.cos(np.arange(6.0)).reshape(2, 3)

    def h(x):
        _, fj = dl.linearize(_writes, x)
        return np.sum(fj(t) ** 2)

    got = dl.grad(h, method=method)(np.linspace(-1.0, 1.0, 6).reshape(2, 3))
    np.testing.assert_allclose(got, JAX_LINEARIZED_WRITES, rtol=1e-12, atol=1e-12)
