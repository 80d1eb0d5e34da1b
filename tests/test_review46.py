"""Review of session 46's merged changes: each test failed on main before its fix (tests/test_review46.py)."""

import warnings

import numpy as np
import pytest

import difflab as dl


@pytest.mark.parametrize(
    "f, want",
    [
        (lambda x: x[np.argmax(x)] ** 2, [0.0, 6.0, 0.0]),
        (lambda x: x[np.argmin(x)] ** 2, [2.0, 0.0, 0.0]),
        (lambda x: x[np.argsort(x)][0] ** 2, [2.0, 0.0, 0.0]),
        (
            lambda x: (x * np.array([1.0, 2.0, 3.0, 4.0])[np.searchsorted(np.array([0.0, 1.5, 2.5]), x)]).sum(),
            [2.0, 4.0, 3.0],
        ),
    ],
)
def test_index_ops_on_float32(f, want):
    # out_dtypes calls an op's result_dtype with the equation's params (axis, side): argmax's, argmin's,
    # searchsorted's, argsort's took none, a bare TypeError for any float32 input (float64 never asks)
    x = np.array([1.0, 3.0, 2.0], dtype=np.float32)
    g = dl.grad(f)(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.array(want, dtype=np.float32))


def test_numeric_jvp_vmapped_over_infinite_tangents():
    # vmap over the tangents records J @ v: matmul's 0·inf made the entries an inf does not reach NaN; forward's
    # tangents (strong zeros) give 3 and 0 there. J = [[3, 0], [0, 2], [0, 1]] at (2, 0)
    f = lambda x: np.stack([3.0 * x[0], x[0] * x[1], np.sin(x[1])])  # noqa: E731
    ts = np.array([[1.0, np.inf], [np.inf, 0.0], [1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = dl.vmap(lambda t: dl.jvp(f, (np.array([2.0, 0.0]),), (t,), method="numeric")[1])(ts)
    want = np.array([[3.0, np.inf, np.inf], [np.inf, 0.0, 0.0], [3.0, 4.0, 2.0]])
    np.testing.assert_allclose(got, want, rtol=1e-8)


def test_take_by_a_traced_index_is_recorded():
    # numpy.take / difflab.numpy.take by argmax's or searchsorted's index read its values (np.asarray), so
    # dl.prepare refused what x[i] and take_along_axis record; a constant w too (numpy.take(w, i) with a NumPy w
    # never reaches difflab: its dispatcher looks at w only)
    import difflab.numpy as dnp

    edges, w = np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0, 4.0])
    binned = dl.prepare(
        lambda x: (x * dnp.take(w, np.searchsorted(edges, x, side="right"))).sum(), np.array([0.5, 1.5])
    )
    np.testing.assert_array_equal(binned.grad(np.array([1.0, 2.5])), [3.0, 4.0])  # w's bins 2 and 3 of 0..3
    wrapped = dl.prepare(lambda x: np.take(x, np.argmax(x) + 5, mode="wrap") ** 2, np.array([3.0, 1.0, 2.0]))
    np.testing.assert_array_equal(wrapped.grad(np.array([1.0, 3.0, 2.0])), [2.0, 0.0, 0.0])  # (1 + 5) % 3 = 0
    W = np.arange(20.0).reshape(4, 5)
    rows = lambda x: (np.take(W * x, np.argsort(x)[:3].reshape(3, 1), axis=1) ** 2).sum()  # noqa: E731
    x = np.array([3.0, 1.0, 2.0, 0.5, 0.1])
    want = 2.0 * x * (W**2).sum(axis=0) * np.isin(np.arange(5), np.argsort(x)[:3])  # d/dx_j of x_j² Σ_i W_ij²
    np.testing.assert_allclose(dl.prepare(rows, x[::-1].copy()).grad(x), want, rtol=1e-14)
