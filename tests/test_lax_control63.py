"""dl.lax's control flow (fori_loop, while_loop, scan, map, cond, switch) with JAX's signatures: values and
derivatives by all four methods against JAX x64's (stored, so the test needs no JAX), and the errors."""

import numpy as np
import pytest

import difflab as dl
import difflab.lax as lax
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]


def rnn(w):
    """An Elman cell scanned over 4 inputs (carry h, ys the outputs), then a cond and a switch on the step count."""
    xs = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [0.1, 0.3]])

    def step(h, x):
        h = dnp.tanh(w[:2] * h + w[2:] * x)
        return h, dnp.sum(h * h)

    h, ys = lax.scan(step, np.zeros(2), xs)
    total = lax.fori_loop(0, 3, lambda i, v: v + ys[i] * (i + 1.0), 0.0)
    total = lax.cond(ys.shape[0] == 4, lambda a, b: a + dnp.sum(b), lambda a, b: a - dnp.sum(b), total, h)
    return lax.switch(7, [lambda t: -t, lambda t: t * t], total)  # index clamped to the last branch


W = np.array([0.3, -0.7, 0.9, 0.4])
#: jax x64: jax.value_and_grad of the same function written with jax.lax.scan/fori_loop/cond/switch
VALUE = 9.869439605671792
GRAD = [-10.53791057338544, 6.524764104660142, 16.801528710053045, 28.792344177892364]


@pytest.mark.parametrize("method", METHODS)
def test_scan_fori_cond_switch_values_and_gradients_equal_jaxs(method):
    value, g = dl.value_and_grad(rnn, method=method)(W)
    assert float(value) == pytest.approx(VALUE, rel=1e-13)
    np.testing.assert_allclose(g, GRAD, rtol=1e-6 if method == "numeric" else 1e-12)


def test_scan_reverse_pytrees_length_and_map():
    carry, ys = lax.scan(
        lambda c, x: (c + x["a"] * x["b"], {"c": c, "d": (c, x["a"])}),
        0.0,
        {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([4.0, 5.0, 6.0])},
        reverse=True,
    )
    assert carry == 32.0 and ys["c"].tolist() == [28.0, 18.0, 0.0] and ys["d"][1].tolist() == [1.0, 2.0, 3.0]
    assert lax.scan(lambda c, _: (c * 2.0, c), 1.0, None, length=3)[1].tolist() == [1.0, 2.0, 4.0]
    assert lax.scan(lambda c, x: (c + x, None), 0.0, np.arange(3.0)) == (3.0, None)
    assert dl.grad(lambda x: dnp.sum(lax.map(lambda r: dnp.sin(r) * r, x)))(np.array([0.5, 1.0])) == pytest.approx(
        np.sin([0.5, 1.0]) + np.array([0.5, 1.0]) * np.cos([0.5, 1.0]), rel=1e-15
    )
    assert dl.grad(lambda x: lax.while_loop(lambda v: v < 100.0, lambda v: v * x, 1.0))(3.0) == pytest.approx(
        5 * 3.0**4, rel=1e-15
    )  # 3⁵ = 243 > 100 after five steps: d x⁵ = 5x⁴


def test_control_flow_errors_name_the_problem():
    with pytest.raises(TypeError, match="fori_loop's upper must be an integer known when f is called"):
        dl.grad(lambda x: lax.fori_loop(0, x, lambda i, v: v * 2.0, x))(3.0)
    with pytest.raises(ValueError, match="give length="):
        lax.scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(ValueError, match="length=2 but xs's leading axis is 3"):
        lax.scan(lambda c, x: (c, x), 0.0, np.ones(3), length=2)
    with pytest.raises(ValueError, match="one leading axis length"):
        lax.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(2)))
    with pytest.raises(TypeError, match="pred must be a scalar"):
        lax.cond(np.array([True, False]), lambda: 1.0, lambda: 2.0)
