"""difflab.numpy.vectorize: numpy.vectorize's arguments on traced values (numpy.vectorize itself converts them)."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ("reverse", "forward", "symbolic", "numeric")


@pytest.mark.parametrize("method", METHODS)
def test_a_python_if_per_element_differentiates(method):
    """g(t) = t³ if t > 0 else sin t, per element: the gradient is 3t² or cos t by the branch each element took."""
    g = dnp.vectorize(lambda t: t**3 if t > 0 else np.sin(t))
    x = np.array([[1.5, -0.4], [0.2, -2.0]])
    before = x.copy()
    got = dl.grad(lambda x: np.sum(g(x)), method=method)(x)
    want = np.where(x > 0, 3 * x**2, np.cos(x))
    np.testing.assert_allclose(got, want, rtol=1e-6 if method == "numeric" else 1e-14)
    np.testing.assert_array_equal(x, before)


def test_signature_excluded_and_tuple_outputs():
    """'(n),(n)->()' loops over the leading axes with broadcasting; excluded keywords pass through; a tuple result
    gives one stacked array per output — each derivative against its closed form."""
    dist = dnp.vectorize(lambda a, b: np.sqrt(np.sum((a - b) ** 2)), signature="(n),(n)->()")
    X = np.array([[3.0, 4.0], [1.0, 0.0], [0.0, 2.0]])
    b = np.array([0.0, 0.0])
    np.testing.assert_allclose(dist(X, b), [5.0, 1.0, 2.0])  # no trace: NumPy's vectorize
    got = dl.grad(lambda X: np.sum(dist(X, b) ** 2))(X)
    np.testing.assert_allclose(got, 2 * X, rtol=1e-14)
    c = np.array([0.5, 0.5])
    want = np.sum((c - X) / np.linalg.norm(X - c, axis=1)[:, None], axis=0)  # d/db Σ|X_i - b|
    np.testing.assert_allclose(dl.grad(lambda b: np.sum(dist(X, b)))(c), want, rtol=1e-14)
    power = dnp.vectorize(lambda a, p: a**p, excluded={"p"})
    np.testing.assert_allclose(dl.grad(lambda x: np.sum(power(x, p=3)))(np.array([1.0, 2.0])), [3.0, 12.0])
    both = dnp.vectorize(lambda a: (2 * a, a**2))
    np.testing.assert_allclose(
        dl.jacobian(lambda x: both(x)[1], method="forward")(np.array([1.0, 2.0])), np.diag([2.0, 4.0])
    )


def test_decorator_form_and_a_hessian():
    """@dnp.vectorize(otypes=[float]) as NumPy's decorator; second derivatives through the per-element branches."""

    @dnp.vectorize(otypes=[float])
    def softclip(t):
        return t if t < 1 else 1 + np.log(t)

    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(softclip(x), [0.5, 1 + np.log(2.0)])
    H = dl.hessian(lambda x: np.sum(softclip(x) ** 2), method="reverse")(x)
    # t < 1: t² has 2; t ≥ 1: (1 + log t)² has 2/t² - 2(1 + log t)/t²
    want = np.diag([2.0, (2 - 2 * (1 + np.log(2.0))) / 4])
    np.testing.assert_allclose(H, want, rtol=1e-14)


def test_numpys_vectorize_on_a_traced_value_names_difflabs():
    with pytest.raises(dl.UnsupportedOperationError, match=r"use difflab\.numpy\.vectorize"):
        dl.grad(lambda x: np.sum(np.vectorize(lambda t: t * t)(x)))(np.array([1.0, 2.0]))


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic", "numeric"])
def test_otypes_cast_traced_outputs_as_numpy_does(method):
    """An int otype rounds toward zero and has no derivative, as NumPy's cast; a float otype keeps it."""
    square = lambda t: t * t if t > 0 else 0.0  # noqa: E731
    x = np.array([1.5, -1.0, 2.5])
    as_int, as_float = dnp.vectorize(square, otypes=[int]), dnp.vectorize(square, otypes=[float])
    value, g = dl.value_and_grad(lambda x: np.sum(as_int(x)) + np.sum(as_float(x)), method=method)(x)
    assert value == 2 + 0 + 6 + 2.25 + 0 + 6.25  # NumPy: [2, 0, 6] + [2.25, 0, 6.25]
    np.testing.assert_allclose(g, [3.0, 0.0, 5.0], rtol=1e-6)
    pair = dnp.vectorize(lambda t: (t, 2 * t), otypes=[int, float])
    np.testing.assert_allclose(
        dl.grad(lambda x: np.sum(pair(x)[0] + pair(x)[1]), method=method)(x), [2.0] * 3, rtol=1e-6
    )
    with pytest.raises(ValueError, match="otypes names 2 outputs"):
        dl.grad(lambda x: np.sum(dnp.vectorize(square, otypes=[int, int])(x)))(x)
