"""numjudge55: a round-off inside a nonlinear op is carried to f's (`scales.terms_size`: first-order propagation through
the registry's partials), so the numeric Hessian says what it cannot resolve.

A 7-parameter Helmert fit of WGS84 ECEF coordinates (realcode55's helmert_transform): f = Σ (t + s·X Rᵀ − target)²
squares residuals of metres that are differences of 6.4e6 m values. The Hessian stencil judged its entries by
eps·|f(x)| only: H[3, 6] = −1.1e-3 came back 0.098, silently. The exact reference is the reverse-over-reverse
Hessian."""

import warnings

import numpy as np
import pytest

import difflab as dl
from difflab.errors import NumericAccuracyWarning
from test_user_code18 import _ecef  # (realcode55's WGS84 geodetic-to-ECEF, written once)

_lat = np.radians(np.array([48.1, 48.3, 47.9, 48.6, 48.0]))
_lon = np.radians(np.array([11.5, 11.9, 12.3, 11.2, 12.0]))
_h = np.array([520.0, 610.0, 480.0, 700.0, 550.0])


def _helmert(X, target):
    def f(p):
        tx, ty, tz = p[0], p[1], p[2]
        rx, ry, rz = p[3:6] * (np.pi / 180 / 3600)
        s = 1 + p[6] * 1e-6
        R = np.stack(
            [np.stack([1.0 + 0 * rz, -rz, ry]), np.stack([rz, 1.0 + 0 * rz, -rx]), np.stack([-ry, rx, 1.0 + 0 * rz])]
        )
        Y = np.stack([tx, ty, tz]) + s * X @ R.T
        return np.sum((Y - target) ** 2)

    return f


X = _ecef(_lat, _lon, _h)
p0 = np.array([1.0, -0.5, 2.0, 0.3, -0.2, 0.5, 1.5])


def test_hessian_of_a_cancellation_inside_a_square_is_said():
    f = _helmert(X, X + np.array([1.2, -0.7, 2.4]))
    exact = dl.hessian(f, method="reverse")(p0)
    with pytest.warns(NumericAccuracyWarning, match=r"H\[\d, 6\]"):
        H = dl.hessian(f, method="numeric")(p0)
    assert abs(exact[3, 6] - -1.0970e-3) < 1e-6  # (the truth, and what numeric gives: 90 times off)
    assert abs(H[3, 6] - exact[3, 6]) > 10 * abs(exact[3, 6])


def test_gradient_of_the_fit_is_right_and_quiet():
    # the gradient's stencil resolves what the Hessian's cannot (its step and bound by h, not h²): said
    # nothing, right to 2.5e-6 (its terms through the square now carry the rounding of t + s·X Rᵀ too)
    f = _helmert(X, X + np.array([1.2, -0.7, 2.4]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = dl.grad(f, method="numeric")(p0)
    assert np.allclose(g, dl.grad(f, method="reverse")(p0), rtol=1e-5)


def test_hessian_of_a_constant_offset_cancelled_inside_a_square_is_said():
    # (sin x + C) - (C + 0.5) rounds at ulp(6.4e6) = 9.3e-10 before the square: H 5 % off, its bound by eps·|f(x)| 1e-7
    # of it; no constant can be dropped inside the square (offsets.py), so the terms count it
    import difflab.numpy as dnp

    C = np.full(5, 6.4e6) + np.arange(5) * 1234.567

    def f(x):
        return dnp.sum((dnp.sin(x) + C - (C + 0.5)) ** 2)

    x = np.array([0.3, 1.2, -0.7, 2.1, 0.4])
    exact = dl.hessian(f, method="reverse")(x)
    with pytest.warns(NumericAccuracyWarning, match=r"H\[\d, \d\]"):
        H = dl.hessian(f, method="numeric")(x)
    assert np.abs(H - exact).max() > 1e-2 * np.abs(exact).max()  # (what it says is so)
