"""The seed articles' worked examples, with their published numbers, for every method."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = list(dl.METHODS)
# numeric is approximate by design; the others claim exactness to rounding
TOL = {"numeric": 1e-7, "symbolic": 1e-15, "forward": 1e-15, "reverse": 1e-15}


@pytest.mark.parametrize("method", METHODS)
def test_tape_5ab(method):
    """5*(a*b) at a=2, b=3: a.gradient = 15, b.gradient = 10."""
    ga, gb = dl.grad(lambda a, b: 5.0 * (a * b), argnums=(0, 1), method=method)(2.0, 3.0)
    np.testing.assert_allclose([ga, gb], [15.0, 10.0], rtol=TOL[method])


@pytest.mark.parametrize("method", METHODS)
def test_diamond(method):
    """((x*y)*(y*z))**2 at (3, 2, 1): x.gradient = 96, y.gradient = 288, z.gradient = 288."""
    g = dl.grad(lambda x, y, z: ((x * y) * (y * z)) ** 2, argnums=(0, 1, 2), method=method)(3.0, 2.0, 1.0)
    np.testing.assert_allclose(g, [96.0, 288.0, 288.0], rtol=TOL[method])


@pytest.mark.parametrize("method", METHODS)
def test_diamond_intermediate_adjoints(method):
    """The article's intermediate gradients: h = 24, h1 = 48, h2 = 144 (o = h*h, h = h1*h2)."""
    np.testing.assert_allclose(dl.grad(lambda h: h * h, method=method)(12.0), 24.0, rtol=TOL[method])
    gh1, gh2 = dl.grad(lambda h1, h2: (h1 * h2) * (h1 * h2), argnums=(0, 1), method=method)(6.0, 2.0)
    np.testing.assert_allclose([gh1, gh2], [48.0, 144.0], rtol=TOL[method])


@pytest.mark.parametrize("method", METHODS)
def test_x4_is_108(method):
    """(x*x)*(x*x) at x = 3: dz/dx = 4x^3 = 108."""
    np.testing.assert_allclose(dl.grad(lambda x: (x * x) * (x * x), method=method)(3.0), 108.0, rtol=TOL[method])


@pytest.mark.parametrize("method", METHODS)
def test_sigmoid_neuron(method):
    """x = (2, 3), w = (0.4, -0.2), target 1, squared error: the output is 0.55 and the weight
    gradients are negative (raising either weight lowers the loss), as the article reads them."""

    def loss(w, x, t):
        y = dnp.sigmoid(dnp.sum(w * x))
        return (y - t) ** 2

    w, x = np.array([0.4, -0.2]), np.array([2.0, 3.0])
    y = 1.0 / (1.0 + np.exp(-0.2))
    assert round(y, 2) == 0.55
    expected = 2.0 * (y - 1.0) * y * (1.0 - y) * x  # the chain rule, written out by hand
    g = dl.grad(loss, method=method)(w, x, 1.0)
    np.testing.assert_allclose(g, expected, rtol=max(TOL[method], 1e-14))
    assert np.all(g < 0)
    np.testing.assert_allclose(g, [-0.44569, -0.66854], atol=5e-6)


def test_diamond_tape_prints_as_wengert_list():
    text = str(dl.trace(lambda x, y, z: ((x * y) * (y * z)) ** 2, 3.0, 2.0, 1.0))
    assert "v3 = mul(v0, v1) : f64[]" in text
    assert "v4 = mul(v1, v2) : f64[]" in text
    assert "v5 = mul(v3, v4) : f64[]" in text
    assert "v6 = pow(v5, 2) : f64[]" in text


def test_mlp_loss_tape_has_shapes():
    rng = np.random.default_rng(0)
    W1, b1, W2 = rng.normal(size=(2, 16)), np.zeros(16), rng.normal(size=(16, 2))
    X, Y = rng.normal(size=(8, 2)), np.eye(2)[rng.integers(0, 2, 8)]

    def loss(W1, b1, W2, X, Y):
        h = dnp.tanh(X @ W1 + b1)
        return -dnp.mean(dnp.sum(Y * dnp.log_softmax(h @ W2), axis=1))

    text = str(dl.trace(loss, W1, b1, W2, X, Y))
    assert "= tanh(" in text and ": f64[8,16]" in text and "= matmul(" in text
