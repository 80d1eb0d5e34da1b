"""The numeric method beside and at a registered kink or jump (issue 15's last wrong numbers): every
stencil stays on the piece x is on (differentiators/pieces.py), so first and second derivatives by
finite differences equal the exact methods' (and, at the kink itself, their convention table).
Expected values come from each piece's closed form, computed here."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]
B = 0.75  # a jump of mod at every multiple of B (exact in binary: x = 2.25 is exactly on one)
C = 0.3  # the kink of abs, max, relu, where below


def _sq_piece(r):
    """(grad, Hessian diagonal) of Σ r(x)² + x0·x1 on a piece where r has slope 1."""
    return lambda x: 2.0 * r(x), lambda x: np.full(np.shape(x), 2.0)


def _tie(x, c=C):
    """max(x, c)'s slope: 1 above, 0 below, 1/2 at the tie (the even split)."""
    return np.where(x > c, 1.0, np.where(x == c, 0.5, 0.0))


# name: (f's elementwise part u(x) of f = Σ u(x) + x0·x1, u', u'', where its kink or jump is)
CASES = {
    "mod": (lambda x: (x % B) ** 2, *_sq_piece(lambda x: np.mod(x, B)), 3 * B),
    "remainder": (lambda x: np.remainder(x, B) ** 2, *_sq_piece(lambda x: np.mod(x, B)), 3 * B),
    "fmod": (lambda x: dnp.fmod(x, B) ** 2, *_sq_piece(lambda x: np.fmod(x, B)), 3 * B),
    "floor": (lambda x: x * dnp.floor(x / B), lambda x: np.floor(x / B), lambda x: np.zeros(np.shape(x)), 3 * B),
    # a // b: a Tracer had no // (a new user's TypeError); now the floor_divide entry, NumPy's own values
    "floor_divide": (lambda x: x * (x // B), lambda x: x // B, lambda x: np.zeros(np.shape(x)), 3 * B),
    "abs": (
        lambda x: dnp.abs(x - C) * x,
        lambda x: np.sign(x - C) * x + np.abs(x - C),
        lambda x: 2.0 * np.sign(x - C),
        C,
    ),
    "maximum": (
        lambda x: dnp.maximum(x, C) ** 2,
        lambda x: 2.0 * np.maximum(x, C) * _tie(x),
        lambda x: 2.0 * _tie(x) ** 2,
        C,
    ),
    "minimum": (
        lambda x: dnp.minimum(-x, -C) ** 2,
        lambda x: 2.0 * np.maximum(x, C) * _tie(x),
        lambda x: 2.0 * _tie(x) ** 2,
        C,
    ),
    "relu": (
        lambda x: dnp.relu(x - C) ** 3,
        lambda x: 3.0 * np.maximum(x - C, 0.0) ** 2,
        lambda x: 6.0 * np.maximum(x - C, 0.0),
        C,
    ),
    "where": (
        lambda x: dnp.where(x > C, x**2, -x),
        lambda x: np.where(x > C, 2.0 * x, -1.0),
        lambda x: np.where(x > C, 2.0, 0.0),
        C,
    ),
    "copysign": (
        lambda x: dnp.copysign(x - C, 1.5) * x,
        lambda x: np.sign(x - C) * x + np.abs(x - C),
        lambda x: 2.0 * np.sign(x - C),
        C,
    ),
    "arctan2": (  # its jump of 2π across the negative x axis (y = x - C crosses 0 at x = -1.3)
        lambda x: dnp.arctan2(x - C, -1.3),
        lambda x: -1.3 / (1.69 + (x - C) ** 2),
        lambda x: 2.6 * (x - C) / (1.69 + (x - C) ** 2) ** 2,
        C,
    ),
}
OFFSETS = {"below": -1e-4, "at": 0.0, "above": 1e-4}


def _problem(case, where):
    u, du, d2u, kink = CASES[case]
    x = np.array([kink + OFFSETS[where], kink + 0.41 * B])  # the second entry far from any kink

    def f(y):
        return dnp.sum(u(y)) + y[0] * y[1]

    grad = du(x) + x[::-1]
    hess = np.diag(d2u(x)) + np.array([[0.0, 1.0], [1.0, 0.0]])
    return f, x, grad, hess


def _close(got, want, method, order):
    tol = {"numeric": 1e-6 if order == 1 else 1e-4}.get(method, 1e-12)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("where", sorted(OFFSETS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_derivatives_beside_and_at_a_kink(case, where, method):
    """grad, jacobian, hessian, jvp of grad and grad of grad 1e-4 either side of a kink or jump and
    exactly on it (was, numeric: a stencil straddling mod's jump gave a Hessian of -1e7, silently)."""
    f, x, grad, hess = _problem(case, where)
    v = np.array([1.0, -0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left a domain: no warning either
        _close(dl.grad(f, method=method)(x), grad, method, 1)
        _close(dl.jacobian(lambda y: dnp.stack([f(y), 2.0 * f(y)]), method=method)(x), [grad, 2 * grad], method, 1)
        _close(dl.hessian(f, method=method)(x), hess, method, 2)
        _close(dl.jvp(dl.grad(f, method=method), (x,), (v,), method=method)[1], hess @ v, method, 2)
        g0 = dl.grad(lambda s: dl.grad(f, method=method)(dnp.stack([s, x[1]]))[0], method=method)(x[0])
        _close(g0, hess[0, 0], method, 2)


@pytest.mark.parametrize("method", METHODS)
def test_max_reduction_beside_and_at_a_tie(method):
    """max over entries: its gradient and Hessian with two entries 1e-4 apart and tied (even split)."""
    for gap in (1e-4, 0.0, -1e-4):
        x = np.array([C, C + gap, -1.0])
        top = x == x.max()
        w = top / top.sum()
        grad, hess = 2.0 * x.max() * w, 2.0 * np.outer(w, w)
        f = lambda y: dnp.max(y) ** 2  # noqa: E731
        _close(dl.grad(f, method=method)(x), grad, method, 1)
        _close(dl.hessian(f, method=method)(x), hess, method, 2)


@pytest.mark.parametrize("method", METHODS)
def test_the_reported_mod_hessian(method):
    # autograd's test_mod under numeric: 2.3e-4 below mod's jump the Hessian was -1.05e7 (exact: 0)
    H = dl.hessian(lambda x: np.sum(x % 0.70718), method=method)(np.array([2.12132]))
    np.testing.assert_allclose(H, [[0.0]], atol=1e-6)
    g = dl.grad(lambda x: np.sum(x % 0.70718), method=method)(np.array([2.12132]))
    np.testing.assert_allclose(g, [1.0], rtol=1e-8)
