"""The numeric gradient's steps where a watched op's length scale (scales.py) would shrink them needlessly (issue 11),
as the Hessian's are since stop 62: a shrunk step whose first step reached a short way is measured against it at
half that step (`scales._needless`), and given back where its truncation is below the round-off the shrink adds.
Each against reverse's exact gradient."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp


def _steered(c):
    """sin(x0)·x1² plus c·sqrt(exp(16000·x0) + 1), whose sqrt's argument moves 10 % over the first step at x0 = 0.01:
    its share of f's derivative is 4e-12 at c = 1e-50 (an ODE solver's error norm, which only steers its step size),
    1e-4 at c = 1e-42 (a term f depends on, whose third derivative the first step cannot afford)."""
    return lambda x: dnp.sin(x[0]) * x[1] ** 2 + c * dnp.sqrt(dnp.exp(16000.0 * x[0]) + 1.0)


def _barrier(x):
    """A smooth objective and an interior-point barrier of weight 1e-12 near its boundary |x|² = 0.99."""
    return dnp.sum(dnp.cos(x) * x) + 1e-12 * dnp.log(dnp.sum(x**2) - 0.99)


def _error_and_evals(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (nothing is said of either: both are resolved)
        p = dl.prepare(f, x, method="numeric")
        g, exact = p.grad(x), dl.grad(f, method="reverse")(x)
    return np.abs(g - exact).max() / np.abs(exact).max(), p.cost.evals


@pytest.mark.parametrize(
    "f, x",
    [(_steered(1e-50), np.array([0.01, 1.3])), (_barrier, np.array([0.6, 0.8, 0.001]))],
    ids=["steered", "barrier"],
)
def test_a_needless_shrink_is_given_back(f, x):
    err, evals = _error_and_evals(f, x)
    assert err < 3e-11  # (main: 2.5e-10 and 5.0e-10, the shrunk step's round-off; now 5.8e-12 and 1.3e-11)
    assert evals == 1 + 2 * len(x) + 2 + 2  # f(x), the stencil, the shrunk direction again, its half step


def test_a_shrink_the_term_needs_is_kept():
    err, evals = _error_and_evals(_steered(1e-42), np.array([0.01, 1.3]))
    # the shrunk step's error is its round-off: 9.4e-11 on stop 63's CPU, 6.2e-10 on an AVX-512 one (exp's vector loop
    # rounds otherwise); the first step, given back, would be 1.2e-6 off
    assert err < 1e-8
    assert evals == 1 + 2 * 2 + 2 + 2
