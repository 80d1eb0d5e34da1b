"""Session 58's fixes of bare errors a JAX/NumPy user met (issue 11, DESIGN.md §6). The reference numbers are
JAX's, in x64 (`jax.config.update("jax_enable_x64", True)`; jax.numpy's ufuncs have the same methods, its
float_power's outer written `jnp.float_power(a[:, None], b)`), stored here: JAX's per-op dispatch would cost
seconds a run.

1. difflab.numpy's ufuncs have NumPy's ufunc methods (`dnp.add.accumulate(x)`, `.reduce`, `.outer`, `.at`,
   `.reduceat`), which were AttributeError: NumPy's own, whose dispatch on traced values computes them or refuses
   naming `numpy.<ufunc>.<method>`;
2. `dl.grad(f, holomorphic=True)` and `dl.value_and_grad(..., holomorphic=True)` ("unexpected keyword") take it
   with JAX's meaning: f'(z) of a holomorphic f from complex leaves to a complex scalar;
3. `dl.linearize(f, x, b=...)` (the bare "unexpected keyword") names linearize and says to bind b first.
"""

import functools


import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.api.boundary import NonScalarOutput
from difflab.errors import UnsupportedOperationError

X = np.array([0.3, -1.2, 2.5, 0.7])


# -- 1. NumPy's ufunc methods on difflab.numpy's ufuncs ---------------------------------------------------

#: (name, f of (namespace, x), JAX's value at X, JAX's gradient at X)
UFUNC_METHOD_CASES = [
    ("add.accumulate", lambda m, x: (m.add.accumulate(x) ** 2).sum(), 8.75, [6.6, 6.0, 7.8, 4.6]),
    ("multiply.accumulate", lambda m, x: m.multiply.accumulate(x).sum(), -1.59, [-5.3, 1.575, -0.612, -0.9]),
    ("maximum.reduce", lambda m, x: m.maximum.reduce(x * x), 6.25, [0.0, 0.0, 5.0, 0.0]),
    ("minimum.accumulate", lambda m, x: m.minimum.accumulate(x).sum(), -3.3, [1.0, 3.0, 0.0, 0.0]),
    (
        "logaddexp.accumulate",
        lambda m, x: m.logaddexp.accumulate(x).sum(),
        6.1915089798834595,
        [2.0003322291410197, 0.22320429048987153, 1.6493911874763152, 0.1270722928927933],
    ),
    (
        "logaddexp.reduce",
        lambda m, x: m.logaddexp.reduce(x),
        2.762999119100221,
        [0.08517910522175141, 0.019006027389429348, 0.768742574496026, 0.12707229289279326],
    ),
    (
        "subtract.outer",
        lambda m, x: (m.subtract.outer(x, x * x) ** 2).sum(),
        160.5752,
        [-16.468, -42.748, 230.46, -11.892],
    ),
    (  # (a derived function of difflab.numpy, not a registry op)
        "float_power.outer",
        lambda m, x: m.float_power.outer(x * x + 1.0, x).sum(),
        170.2609900172342,
        [6.982757149466451, -23.320361828638873, 536.0970160922061, 17.06562300912845],
    ),
    (
        "multiply.reduce",
        lambda m, x: m.multiply.reduce(m.sin(x)),
        -0.10619348963644247,
        [-0.34329468263243235, 0.041285859170563044, 0.14215571613991, -0.12607735319589553],
    ),
]


@pytest.mark.parametrize("name, call, value_ref, grad_ref", UFUNC_METHOD_CASES, ids=[c[0] for c in UFUNC_METHOD_CASES])
def test_ufunc_methods_value_and_grad_match_jax(name, call, value_ref, grad_ref):
    value, g = dl.value_and_grad(lambda x: call(dnp, x))(X)
    np.testing.assert_allclose(value, value_ref, rtol=1e-13)
    np.testing.assert_allclose(g, grad_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(call(dnp, X), call(np, X), rtol=1e-15)  # plain arrays: NumPy's values


def test_ufunc_at_updates_a_traced_array_as_jax_at_add():
    def f(x):
        y = x * 1.0
        dnp.add.at(y, np.array([0, 2, 0]), x[1] * x[3])  # (a repeated index adds twice, as NumPy's)
        return (y**2).sum()

    # JAX: ((x * 1.0).at[idx].add(x[1] * x[3]) ** 2).sum()
    np.testing.assert_allclose(dl.grad(f)(X), [-2.76, -3.94, 3.32, 4.04], rtol=1e-13)


def test_unsupported_ufunc_method_is_named():
    with pytest.raises(UnsupportedOperationError, match=r"numpy\.logaddexp\.at"):
        dl.grad(lambda x: (dnp.logaddexp.at(x, [0], 1.0), x.sum())[1])(X)
    with pytest.raises(UnsupportedOperationError, match=r"numpy\.arctan2\.at"):  # (reduce, reduceat: NumPy's folds)
        dl.grad(lambda x: (dnp.arctan2.at(x * 1.0, [0], 1.0), x.sum())[1])(X)
    with pytest.raises(AttributeError, match="no attribute 'frobnicate'"):
        dnp.add.frobnicate


# -- 2. grad and value_and_grad with holomorphic=True -----------------------------------------------------

Z = 0.5 + 0.3j
#: JAX: jax.grad(lambda z: jnp.sin(z) * z**2, holomorphic=True)(0.5 + 0.3j), and the value
DSIN_Z2 = 0.5313947385114182 + 0.8197909738361944j
SIN_Z2 = 1.3407044305947527e-05 + 0.1931072659313361j


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_grad_holomorphic_matches_jax(method):
    f = lambda z: dnp.sin(z) * z**2  # noqa: E731
    g = dl.grad(f, method=method, holomorphic=True)(Z)
    assert type(g) is complex and abs(g - DSIN_Z2) < 1e-14
    value, g = dl.value_and_grad(f, method=method, holomorphic=True)(Z)
    assert abs(value - SIN_Z2) < 1e-15 and abs(g - DSIN_Z2) < 1e-14
    # an array leaf, argnums (a tuple), has_aux: as JAX's
    g = dl.grad(lambda z: (dnp.sin(z) * z).sum(), holomorphic=True)(np.array([0.5 + 0.3j, 1j]))
    np.testing.assert_allclose(g, [1.0036458475064287 + 0.46945555180161264j, 2.7182818284590455j], rtol=1e-14)
    gz, gw = dl.grad(lambda z, w: z * dnp.exp(w), argnums=(0, 1), holomorphic=True)(Z, 2j)
    np.testing.assert_allclose(
        [gz, gw], [-0.4161468365471424 + 0.9092974268256817j, -0.48086264632127573 + 0.32980466244869816j], rtol=1e-14
    )
    g, aux = dl.grad(lambda z: (dnp.log(z) * z, z.real), holomorphic=True, has_aux=True)(Z)
    assert abs(g - (0.460595169314035 + 0.5404195002705842j)) < 1e-14 and aux == 0.5


def test_grad_holomorphic_refusals_are_named():
    with pytest.raises(ValueError, match="not holomorphic"):
        dl.grad(lambda z: abs(z) + 0j, holomorphic=True)(Z)
    with pytest.raises(TypeError, match="holomorphic=True needs complex inputs"):
        dl.grad(lambda z: z * z, holomorphic=True)(0.5)
    with pytest.raises(NonScalarOutput, match=r"grad\(\.\.\., holomorphic=True\) needs .* shape \(2,\)"):
        dl.grad(lambda z: z * np.ones(2), holomorphic=True)(Z)
    with pytest.raises(TypeError, match=r"grad\(holomorphic=\.\.\.\) must be True or False"):
        dl.grad(lambda z: z, holomorphic="yes")


# -- 3. linearize with a keyword argument for f -----------------------------------------------------------


def test_linearize_keyword_argument_is_refused_by_name():
    with pytest.raises(TypeError, match=r"linearize.*'b'.*functools\.partial"):
        dl.linearize(lambda x, b: x**b, 2.0, b=3.0)
    y, f_jvp = dl.linearize(functools.partial(lambda x, b: x**b, b=3.0), 2.0)  # what it says works
    assert (y, f_jvp(1.0)) == (8.0, 12.0)
