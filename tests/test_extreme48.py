"""Issue 11, review46's findings: vmap(grad(f)) answers each row as grad(f) answers it alone, and
silent wrong numbers at extreme values are right or said (NaN or a warning)."""

import warnings

import numpy as np
import pytest

import difflab as dl


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_vmap_grad_at_an_infinite_row_is_nan_as_grad_alone(method):
    # exp(-x*x) is finite (0) at inf, so only the input's own check says there is no derivative there; under
    # vmap the trace's values are the first row's, and a later row's inf got 0 silently (main: 0.0)
    f = lambda x: np.sum(np.exp(-x * x))  # noqa: E731
    rows = np.array([[1.0, 2.0], [np.inf, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = np.array([dl.grad(f, method=method)(r) for r in rows])
        got = dl.vmap(dl.grad(f, method=method))(rows)
    assert np.isnan(alone[1, 0]) and np.isnan(got[1, 0])
    want = -2 * rows * np.exp(-rows * rows)  # analytic, at the finite entries
    np.testing.assert_allclose(got[0], want[0], rtol=1e-14)
    np.testing.assert_allclose(got[1, 1], want[1, 1], rtol=1e-14)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_term_lost_in_a_complex_cotangent_is_swept_again(method):
    # |sum(1/((x(1+1j))^2))| = sum(1/(2x^2)), derivative -1/x^3: at 1e100 the cotangent of 1/u (u = 2e200j)
    # underflowed in complex128, where the underflow checks looked at float64 only (main: 0.0, silently)
    f = lambda x: abs(np.sum(1 / ((x * (1 + 1j)) ** 2)))  # noqa: E731
    g = dl.grad(f, method=method)
    x = np.array([1e100, 1.0])
    for _ in range(2):  # (the second call: the prepared path answers as the first)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_allclose(g(x), -1 / x**3, rtol=1e-14)
            assert g(1e100) == pytest.approx(-1e-300, rel=1e-14)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_vmap_grad_rows_lost_to_underflow_are_answered_as_grad_alone(method):
    # sum(1/(x*x))' = -2/x^3: at 1e100 the sweep's only term underflowed; grad alone sweeps again at a scaled seed
    # (rescaled.py), the traced sweep vmap runs batched did not (main: -0.0 silently for -2e-300)
    f = lambda x: np.sum(1 / (x * x))  # noqa: E731
    rows = np.array([[1e100, 1.0], [1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = dl.vmap(dl.grad(f, method=method))(rows)
        alone = np.array([dl.grad(f, method=method)(r) for r in rows])
    np.testing.assert_allclose(got, -2 / rows**3, rtol=1e-14)
    np.testing.assert_array_equal(got, alone)
