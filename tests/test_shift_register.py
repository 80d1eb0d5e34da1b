"""The shift register: an assignment whose value is a view of the array written (`buf[1:] = buf[:-1]`,
`x[:, 1:] = x[:, :-1]`, difflab.assign). NumPy copies the overlapping source first, so the written elements are
the array's before the write; a view still held afterwards shows the array after it. Checked under every method,
fresh and prepared, nested and batched, against NumPy's values and complex-step derivatives."""

from __future__ import annotations

import numpy as np
import pytest

import difflab as dl
from difflab.errors import UnsupportedOperationError

METHODS = ("reverse", "forward", "numeric", "symbolic")
X = np.array([0.3, -1.2, 0.7, 2.0, -0.4, 1.1, 0.5, -0.8])
TAPS = np.array([0.5, -0.3, 0.2, 0.1])


def _fir(x, steps=20):  # a delay line: out_t = sin(taps · (x_t, x_{t-1}, ...))²
    buf = x[:4] * 0.0
    out = 0.0
    for t in range(steps):
        buf[1:] = buf[:-1]
        buf[0] = x[t % x.size]
        out = out + np.sin(TAPS @ buf) ** 2
    return out


def _scaled(x, steps=20):  # buf[1:] = buf[:-1] * a: a leaky delay line
    buf = x[:5] * 1.0
    for _ in range(steps):
        buf[1:] = buf[:-1] * 0.9
        buf[0] = np.tanh(buf[0] + x[5])
    return np.sum(buf * np.arange(1.0, 6.0))


def _grid(x, steps=20):  # a Game-of-Life-like update: each cell and its shifted neighbours, squashed
    g = np.reshape(x, (2, 4)) * 1.0
    for _ in range(steps):
        s = g * 1.0
        s[:, 1:] = s[:, :-1]
        s[1:, :] = s[:-1, :]
        g = np.tanh(0.6 * g + 0.5 * s - 0.1)
    return np.sum(g * np.arange(8.0).reshape(2, 4))


def _held(x):  # the view named and read after the write: NumPy's shows the array after it
    buf = x * 1.0
    v = buf[:-1]
    buf[1:] = v
    return np.sum(v * np.arange(7.0)) + np.sum(buf**2)


CASES = {"fir": _fir, "scaled": _scaled, "grid": _grid, "held": _held}


def _complex_step(f, x):
    h = 1e-30
    return np.array([np.imag(f(x + 1j * h * e)) / h for e in np.eye(x.size)])


def _numpy_value(f, x):
    return f(np.array(x, copy=True))


@pytest.mark.parametrize("name", CASES)
def test_value_is_numpys(name):
    f = CASES[name]
    assert np.isclose(dl.value_and_grad(f)(X)[0], _numpy_value(f, X), rtol=1e-14, atol=0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", CASES)
def test_gradient_against_complex_step(name, method):
    f = CASES[name]
    want = _complex_step(f, X)
    got = dl.grad(f, method=method)(X)
    tol = 1e-6 if method == "numeric" else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())


@pytest.mark.parametrize("name", CASES)
def test_prepared_at_two_points(name):
    f = CASES[name]
    g = dl.prepare(dl.grad(f), X)
    for x in (X, X[::-1] * 0.7):
        np.testing.assert_allclose(g(x), _complex_step(f, x), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", ("fir", "grid"))
def test_hessian_and_vmap(name):
    f = CASES[name]
    h = dl.hessian(f, method=("forward", "reverse"))(X)
    g = dl.grad(f)
    eps = 1e-6  # central differences of the gradient (each against complex step above)
    want = np.array([(g(X + eps * e) - g(X - eps * e)) / (2 * eps) for e in np.eye(X.size)])
    np.testing.assert_allclose(h, want, rtol=1e-6, atol=1e-7 * np.abs(want).max())
    np.testing.assert_allclose(dl.hessian(f, method="reverse")(X), h, rtol=1e-12, atol=1e-13)
    batch = np.stack([X, X * 0.5, -X])
    np.testing.assert_allclose(dl.vmap(dl.grad(f))(batch), [dl.grad(f)(b) for b in batch], rtol=1e-13, atol=1e-14)


def test_a_view_of_another_base_is_still_refused():
    def f(x):
        buf = x * 1.0
        other = buf[2:]  # held: NumPy's would change with the write
        buf[1:] = buf[:-1]
        return np.sum(buf) + np.sum(other)

    with pytest.raises(UnsupportedOperationError, match="shares its elements"):
        dl.grad(f)(X)
