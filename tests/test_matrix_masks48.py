"""A float value's adjoint built from masks' partials is a number, never a mask (differentiators/matrix.py's
`_sum`). In m·x the partial of x is the mask m itself (a bool array), and the matrix-level symbolic gradient kept
it as the adjoint; two such shares of one value's adjoint were then added as NumPy adds booleans, a logical "or":
`np.sum((x > 0) * x + (x > 1) * x)` had symbolic gradient 1 where x > 1 (reverse, forward, numeric: 2), a
silent wrong number under the default method, fresh and prepared (found by following docs/numpy.md's
"a traced mask used as a number" as a new user). References are the analytic gradients: the count of masks
holding at each entry (every point is 0.1 or more from the thresholds)."""

import numpy as np
import pytest

import difflab as dl

X = np.array([0.3, -1.2, 2.0, 0.7, -0.4, 1.5])


def _count(x, *cuts):
    return sum((x > c).astype(float) for c in cuts)


CASES = {  # name: (f, its analytic gradient)
    "m1*x + m2*x": (lambda x: np.sum((x > 0) * x + (x > 1) * x), lambda x: _count(x, 0, 1)),
    "same mask twice": (lambda x: np.sum(((x > 0) != 0) * x + (x > 0) * x), lambda x: _count(x, 0, 0)),
    "hinges": (lambda x: np.sum((x > 0) * x + (x > 1) * (x - 1)), lambda x: _count(x, 0, 1)),
    "three masks": (lambda x: np.sum((x > 0) * x + (x > 1) * x + (x > -1) * x), lambda x: _count(x, 0, 1, -1)),
    "mask @ x twice": (lambda x: (x > 0) @ x + (x > 1) @ x, lambda x: _count(x, 0, 1)),
    "m1*x - m2*x": (lambda x: np.sum((x > 0) * x - (x > 1) * x), lambda x: _count(x, 0) - _count(x, 1)),
    "mean (a number kept apart)": (lambda x: np.mean((x > 0) * x + (x > 1) * x), lambda x: _count(x, 0, 1) / x.size),
    "masks of & and |": (
        lambda x: np.sum(((x > 0) & ~(x > 1)) * x + ((x > 0) | (x > 1)) * x),
        lambda x: ((x > 0) & ~(x > 1)) + ((x > 0) | (x > 1)) * 1.0,
    ),
    "matrix": (lambda x: np.sum((x > 0) * x + (x > 0.5) * x), lambda x: _count(x, 0, 0.5)),
    "matrix, masks broadcast": (
        lambda x: np.sum((x[:, :1] > 0) * x + (x[:1, :] > 1) * x),
        lambda x: (x[:, :1] > 0) + (x[:1, :] > 1) * 1.0,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_sum_of_masks_partials_counts(name):
    f, g = CASES[name]
    x = X.reshape(2, 3) if name.startswith("matrix") else X
    np.testing.assert_array_equal(dl.grad(f, method="symbolic")(x), g(x))
    np.testing.assert_array_equal(dl.prepare(f, x, method="symbolic").grad(x[::-1].copy()), g(x[::-1]))
    np.testing.assert_array_equal(dl.grad(f, method="reverse")(x), g(x))
