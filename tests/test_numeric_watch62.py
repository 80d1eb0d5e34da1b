"""The numeric Hessian's steps where a watched op's length scale (scales.py) would shrink them needlessly (issue 11):
an op f's outputs do not need is not watched, and a shrunk step is measured against its first one where that first
step reached a short way (`scales._hessian_needless`). Each against reverse's exact Hessian."""

import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp

_SITES = np.array([[0.1, 0.2], [0.8, 0.3], [0.4, 0.9], [0.6, 0.6], [0.2, 0.7]])
_AT = np.array([[0.5, 0.5], [0.3, 0.4], [0.7, 0.8]])


def _kriging(p):
    """Ordinary kriging's weights by lstsq of the bordered system; lstsq's singular values (its rank) go unused."""
    nugget, sill, rng = dnp.exp(p)
    H = np.linalg.norm(_SITES[:, None] - _SITES[None], axis=-1)
    K = dnp.block(
        [
            [nugget + sill * (1 - dnp.exp(-H / rng)) - nugget * np.eye(5), np.ones((5, 1))],
            [np.ones((1, 5)), np.zeros((1, 1))],
        ]
    )
    rhs = dnp.vstack(
        [nugget + sill * (1 - dnp.exp(-np.linalg.norm(_SITES[:, None] - _AT[None], axis=-1) / rng)), np.ones((1, 3))]
    )
    lam = dnp.linalg.lstsq(K, rhs, rcond=None)[0][:5]
    return dnp.sum((np.array([1.0, -0.5, 0.3, 0.8, -0.2]) @ lam - np.array([0.2, 0.1, 0.4])) ** 2)


def _steered(x):
    """A smooth f plus a term it barely depends on whose sqrt's argument moves 7 % of itself over the first step
    (an ODE solver's error norm that steers its step size)."""
    return dnp.sin(x[0]) * x[1] ** 2 + 1e-15 * dnp.sqrt(dnp.exp(600.0 * x[0]) + 1.0)


def _numeric_and_exact(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        H = np.asarray(dl.hessian(f, method="numeric")(x))
    return H, np.asarray(dl.hessian(f, method="reverse")(x))


def test_an_unused_op_does_not_shrink_the_hessian_step():
    """lstsq's singular values, computed for its rank and unused, were watched: their scale shrank the sill's step
    32-fold, and H[1, 1] was 9.3e-4 of the largest entry off (0.6 % of itself: its round-off), silently. Now 7e-7."""
    H, exact = _numeric_and_exact(_kriging, np.log([0.05, 1.0, 0.4]))
    assert np.abs(H - exact).max() <= 2e-5 * np.abs(exact).max()


def test_a_needless_shrink_is_measured_back():
    """sqrt's reach shrank x0's step 256-fold, the round-off 6.6e4-fold: H[0, 0] 1.1e-3 off (4.2e-5 of the largest
    entry), silently. Its first step's entries, measured at half of it, change by far less than the round-off the
    shrink adds: it keeps its first step, right to 1.1e-8; vmap's rows equal the rows alone, bit for bit."""
    X = np.array([[0.05, 1.5], [0.04, 1.2]])
    H, exact = _numeric_and_exact(_steered, X[0])
    assert np.abs(H - exact).max() <= 1e-7 * np.abs(exact).max()
    rows = np.asarray(dl.vmap(dl.hessian(_steered, method="numeric"))(X))
    assert np.array_equal(rows[0], H)
    assert np.array_equal(rows[1], np.asarray(dl.hessian(_steered, method="numeric")(X[1])))
