"""Review of session 47's merges (mask48, numeric48, realcode48, vmaprank47, badin48): edge cases the helpers did not
test, each checked against NumPy's own value on the same code (an independent reference: plain arrays, no trace)."""

import numpy as np
import pytest

import difflab as dl

X2 = np.arange(12.0).reshape(3, 4) / 5 + np.array([0, 0, 1, 0])  # (row 0's argmax: 2)
X3 = np.arange(24.0).reshape(2, 3, 4) / 7 + np.array([0, 0, 1, 0])
W = np.arange(4.0)

# x[:j] with j traced is read by a traced mask; beside an array index the mask broadcast with it (pairs, not a
# block), and apart from an int NumPy moved its count first: both were wrong sums (main: 1.0, 1.0, 3.24, 2.43)
SLICES = {
    "x[[0, 1], :j]": lambda x: (x[[0, 1], : np.argmax(x[0])] ** 2).sum(),
    "x[:j, [0, 1]]": lambda x: (x[: np.argmax(x[0]), [0, 1]] ** 2).sum(),
    "x[array, :j]": lambda x: (x[np.array([0, 2]), : np.argmax(x[0])] ** 2).sum(),
    "x[:j, m]": lambda x: (x[: np.argmax(x[:, 0]), x[0] > 0.1] ** 2).sum(),  # (main: a bare shape mismatch)
}


@pytest.mark.parametrize("name", SLICES)
def test_traced_slice_beside_an_array_index_is_numpys(name):
    f = SLICES[name]
    value, grad = dl.value_and_grad(f, method="reverse")(X2)
    assert value == pytest.approx(f(X2), rel=1e-14)
    np.testing.assert_allclose(grad, _central(f, X2), atol=1e-6)


def _central(f, x, h=1e-6):
    """f's gradient by NumPy's own central differences (f plain NumPy code: the masks are fixed near x)."""
    e = np.eye(x.size).reshape((x.size,) + x.shape) * h
    return np.array([(f(x + d) - f(x - d)) / (2 * h) for d in e]).reshape(x.shape)


def test_traced_slice_apart_from_an_int_keeps_numpys_axes():
    def f(x):
        return (x[0, 1:, : np.argmax(x[0, 0])] * W[:2]).sum()  # (2, 2) by (2,): the columns weighted

    value, grad = dl.value_and_grad(f, method="forward")(X3)
    assert value == pytest.approx(f(X3), rel=1e-14)  # 2.0 (main: 2.43, the rows weighted)
    want = np.zeros_like(X3)
    want[0, 1:, :2] = W[:2]
    np.testing.assert_array_equal(grad, want)


def test_flatnonzero_indexes_a_shorter_array():
    """x[:3][np.flatnonzero(x > 1)]: the selected positions lie within x[:3] (main: IndexError, index 3 out of
    bounds, the rewrite gathering every coordinate of the mask, selected or not)."""

    def f(x):
        return (x[:3][np.flatnonzero(x > 1)] ** 2).sum()

    x = np.array([2.0, 3.0, 0.5, 0.1, 0.2])
    value, grad = dl.value_and_grad(f, method="reverse")(x)
    assert value == f(x) == 13.0
    np.testing.assert_array_equal(grad, [4.0, 6.0, 0.0, 0.0, 0.0])
