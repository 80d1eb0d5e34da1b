"""Data-dependent reads left after mask55 (issue 11). Iterating over a function of a masked read, `for v in
np.exp(x[m])`, `[g(v) for v in (x[m] - x[m].mean())]`, rows of `A[m] @ B`, columns of `(A[:, m] * 2).T`, and a
function of the read used beside its `len()` (`np.cumsum(x[m])`), specialised the trace (dl.prepare refused it): a
read whose mask's count the trace guards is now a gather by the mask's selected positions, recomputed from the mask
at each call (trace._gathered), so any function of it follows the mask wherever the count holds (traced again where
it differs). Prepared at P1 and called at P2 (every mask and count differs) and at P3 (the masks differ, the counts
are P1's: the trace reused), each method agrees with JAX x64 (jax.value_and_grad of the same code on jnp arrays,
eager, /tmp/m56/jaxref.py) and with NumPy's own value bit for bit."""

import numpy as np
import pytest

import difflab as dl
from mask_cases import check_prepared_where_masks_differ

P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])
P3 = np.array([0.9, 0.3, -0.6, 1.7, -0.2])  # (P1's counts of x > 0, x < 0.5, x > 0.5 and A's rows; 2-d: 6, not 7)
METHODS = ("symbolic", "numeric", "forward", "reverse")
B = np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.2]])


def iterated_functions(x):
    s = 0.0
    for v in np.exp(x[x > 0]):  # (a function of the read)
        s = s + v * v
    m = x < 0.5
    s = s + sum([np.sin(v) * 2 for v in (x[m] - x[m].mean())])
    s = s + sum(a * b for a, b in zip(x[x > 0.5], np.cos(x)[x > 0.5]))
    A = np.outer(x, x[:3])
    s = s + sum(np.tanh(r).sum() * r[0] for r in A[A[:, 0] > 0] @ B)  # (rows of A[m] @ B)
    return s + np.cumsum(x[x > 0] ** 2).sum() / len(x[x > 0])  # (a function of the read beside its len())


def two_d(x):
    A = np.outer(x, x[:3])
    M = A > 0.2
    s = A[M].sum() / len(A[M]) + np.sin(A[M]).sum() * int(M.sum())
    return s + sum(np.cos(v) for v in np.exp(A[M] * 0.1)) + sum(np.dot(c, c) for c in (A[:, x[:3] > 0] * 2).T)


# {f: [(value, gradient) at P1, at P2, at P3]} by jax.value_and_grad in x64 (/tmp/m56/jaxref.py)
JAX = {
    iterated_functions: [
        (
            64.33363001844768,
            [9.612831908057398, 2.2946514625803527, 111.75040946896014, 9.364616685557912, 0.35714299748091327],
        ),
        (
            126.22899215188538,
            [54.767798133412526, 10.29224224585356, 2.9316783515589977, 16.309964206329166, 164.67686452285614],
        ),
        (
            44.13185016676109,
            [22.225981222729224, 7.53357565654373, 1.7279912905924344, 61.20017280583004, 0.1321632703104152],
        ),
    ],
    two_d: [
        (
            126.37565450670584,
            [52.78931790044841, -44.04877567892279, 150.35036093080075, 27.429839618680525, -20.60102891486848],
        ),
        (
            92.99253897861358,
            [103.26989885351568, 46.0535100672896, -5.4959999999999996, 18.552741866396538, 32.56236027009937],
        ),
        (
            37.193941187356074,
            [48.25614763599272, 31.796383154370076, -11.151386355725565, 14.107383200966371, -1.4400000000000002],
        ),
    ],
}


@pytest.mark.parametrize("method", METHODS)
def test_functions_of_a_guarded_read(method):
    """Prepared at P1: at P2 (other counts: traced again) and P3 JAX's values and gradients, NumPy's value; at P3
    the iterated function's trace is reused (its counts are P1's), the reads gathered from P3's masks."""
    check_prepared_where_masks_differ({f: want[:2] for f, want in JAX.items()}, P1, P2, method)
    check_prepared_where_masks_differ({f: want[::2] for f, want in JAX.items()}, P1, P3, method, fresh=False)
    staged = dl.prepare(iterated_functions, P1, method=method).staged
    assert staged.holds([P3]) and not staged.holds([P2])
