"""vmap's rows each judged by their own values (issue 11): dl.vmap(f)(X)[i] is f(X[i]) — values, derivatives,
NaNs and DomainWarnings — where f decides something per matrix (polar's rank). The reference is the per-row call,
and SciPy's polar for the full-rank rows."""

import warnings

import numpy as np
import pytest
import scipy.linalg

import difflab as dl
import difflab.scipy.linalg as dlinalg

METHODS = ["symbolic", "numeric", "forward", "reverse"]
GOOD = np.array([[2.0, 1.0], [0.5, 3.0]])
LOW = np.array([[0.1, 0.2], [0.3, 0.6]])  # rank 1 by round-off (not exactly singular: main's root⁻¹ is ~1e8)


def _polar_f(a):
    u, p = dlinalg.polar(a)
    return u[0, 1] + 0.3 * p[1, 0] + 0.1 * u[1, 1]


def _scipy_grad(a, h=1e-6):
    def f(x):
        u, p = scipy.linalg.polar(x)
        return u[0, 1] + 0.3 * p[1, 0] + 0.1 * u[1, 1]

    return np.array([(f(a + h * d) - f(a - h * d)) / (2 * h) for d in np.eye(4).reshape(4, 2, 2)]).reshape(2, 2)


def _warned(fn, *args):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        out = fn(*args)
    return out, [str(w.message) for w in said if issubclass(w.category, dl.DomainWarning)]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("order", ["low_last", "low_first"])
def test_vmap_of_polar_decides_the_rank_per_matrix(method, order):
    # on main the guard read the trace's value, the first matrix's: low_first NaN'd the full-rank row, low_last gave
    # the rank-1 row ~1e4..1e8 (complex, forward/reverse) silently
    X = np.stack([GOOD, LOW] if order == "low_last" else [LOW, GOOD])
    g = dl.grad(_polar_f, method=method)
    got, said = _warned(dl.vmap(g), X)
    assert len(said) == 1 and "polar: a has rank 1 < 2" in said[0]
    k = 0 if order == "low_first" else 1
    assert np.isnan(got[k]).all()
    assert np.isrealobj(got)
    tol = 1e-8 if method == "numeric" else 1e-12  # (numeric: the batch's stencils round apart from one row's)
    np.testing.assert_allclose(got[1 - k], g(GOOD), rtol=tol, atol=tol)  # the per-row call
    np.testing.assert_allclose(got[1 - k], _scipy_grad(GOOD), atol=1e-7)


def test_vmap_of_polar_values():
    vals, said = _warned(dl.vmap(_polar_f), np.stack([LOW, GOOD]))
    assert len(said) == 1 and np.isnan(vals[0])
    u, p = scipy.linalg.polar(GOOD)
    assert vals[1] == pytest.approx(u[0, 1] + 0.3 * p[1, 0] + 0.1 * u[1, 1], rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_ive_far_out_is_its_asymptotic_series_not_nan(method):
    # on main SciPy's AMOS ive was NaN from |x| ~ 1e10 (a DomainWarning 'invalid value encountered in ive'), and so
    # the gradient; mpmath's I_v(x)·e^(-|x|) at 40 digits and its derivative ((I0 + I2)/2 ∓ I1)·e^(-|x|)
    import difflab.scipy.special as dspecial

    f = lambda x: dspecial.ive(1.0, x)  # noqa: E731
    for x, value, slope in [
        (1e20, 3.9894228040143267794e-11, -1.9947114020071633897e-31),
        (-1e12, -3.9894228040128307458e-7, -1.9947114020049193394e-19),
    ]:
        (got, g), said = _warned(lambda x: (f(x), dl.grad(f, method=method)(x)), x)
        assert not said
        assert got == pytest.approx(value, rel=1e-14)
        assert g == pytest.approx(slope, rel=1e-6 if method == "numeric" else 1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_vmap_of_jacobian_at_infinite_rows_is_the_per_row_jacobian(method):
    # on main vmap(jacobian) gave 0 (not NaN) in an infinite input's column, silently, and jacobian alone gave NaN
    # without grad's DomainWarning 'differentiated input 0 is infinite'
    import difflab.numpy as dnp

    f = lambda x: dnp.stack([dnp.exp(-x[0] * x[0]), x[0] * x[1], dnp.tanh(x[1])])  # noqa: E731
    X = np.array([[0.5, 1.0], [np.inf, 2.0], [1.0, -np.inf]])
    J = dl.jacobian(f, method=method)
    rows = []
    for x in X[1:]:
        row, said = _warned(J, x)
        assert len(said) == 1 and "differentiated input 0 is infinite" in said[0]
        rows.append(row)
    got, said = _warned(dl.vmap(J), X)
    assert said and all("differentiated input 0 is infinite" in s for s in said)
    np.testing.assert_array_equal(got[1:], rows)  # NaN columns at the infinite entries, the rest as alone
    assert np.isnan(got[1][:, 0]).all() and np.isnan(got[2][:, 1]).all()
    np.testing.assert_allclose(got[0], J(X[0]), rtol=1e-12)
    np.testing.assert_allclose(got[1][2, 1], 1 - np.tanh(2.0) ** 2, rtol=1e-7)  # d tanh(x1)/dx1, finite


def test_vmap_of_lstsq_counts_each_matrix_rank():
    # on main lstsq read the trace's value (the first matrix's) for its rank and for whether the residuals exist:
    # vmap over [full rank, rank 1] gave the rank-1 row rank 2 and a residual NumPy has not (f = 3.09, NumPy's 1.73);
    # over [rank 1, full rank] the full-rank row lost its residual (f = 4.67, NumPy's 6.0), silently
    import difflab.numpy as dnp

    b = np.array([1.0, 2.0, 4.0])
    full, low = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])

    def f(a):
        x, res, rank, s = dnp.linalg.lstsq(a, b, rcond=None)
        return dnp.sum(x) + dnp.sum(res) + rank

    numpy_f = [np.sum(r[0]) + np.sum(r[1]) + r[2] for r in (np.linalg.lstsq(a, b, rcond=None) for a in (full, low))]
    rank = dl.vmap(lambda a: dnp.linalg.lstsq(a, b, rcond=None)[2])(np.stack([full, low, full]))
    np.testing.assert_array_equal(rank, [2, 1, 2])
    got = dl.vmap(f)(np.stack([full, low]))
    assert got[0] == pytest.approx(numpy_f[0], rel=1e-12) and np.isnan(got[1])  # (NumPy's residuals: empty there)
    with pytest.raises(ValueError, match=r"vmap cannot batch .*numpy\.linalg\.lstsq's residuals"):
        dl.vmap(f)(np.stack([low, full]))
    assert f(low) == pytest.approx(numpy_f[1], rel=1e-12)  # (alone: NumPy's)


def test_take_along_axis_by_a_traced_index_checks_its_range_at_every_point():
    # on main the range check ran at the trace's point only, and gather_along wrapped an index past the end: vmap over
    # rows whose second's index is 3 (size 3) gave 2.7 (x[0] thrice: 3 wrapped to 0), and a gradient traced at an
    # in-range point and called again out of range gave [3, 0, 0]; NumPy raises IndexError
    import difflab.numpy as dnp

    g = lambda x: dnp.sum(dnp.take_along_axis(x, (x > 0.7).astype(int) * 3, axis=0))  # noqa: E731
    X = np.array([[0.1, 0.2, 0.3], [0.9, 0.1, 0.1]])
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 0 with size 3"):
        dl.vmap(g)(X)
    grad = dl.grad(g, method="reverse")
    np.testing.assert_array_equal(grad(X[0]), [3.0, 0.0, 0.0])  # (x[0] picked thrice)
    with pytest.raises((IndexError, ValueError), match="index 3 is out of bounds for axis 0 with size 3"):
        grad(X[1])


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_vmap_of_a_gradient_through_sqrtm_going_complex_on_a_later_row(method):
    # sqrtm's dtype is the values' (complex at a real A's negative eigenvalue): traced at a real row, the batched
    # gradient of sum(real(sqrtm(A))) at a later complex row was complex garbage on main ((0.0924-0.3705j), ...)
    import difflab.numpy as dnp

    A, B = np.array([[2.0, 0.5], [0.5, 3.0]]), np.array([[-2.0, 0.5], [0.3, 1.0]])
    g = dl.grad(lambda a: dnp.sum(dnp.real(dlinalg.sqrtm(a))), method=method)
    got = dl.vmap(g)(np.stack([A, B]))
    assert np.isrealobj(got)
    np.testing.assert_allclose(got, [g(A), g(B)], rtol=1e-12)  # the per-row calls
    h, e = 1e-6, np.eye(4).reshape(4, 2, 2)  # SciPy's, by central differences
    want = [
        (np.sum(scipy.linalg.sqrtm(B + h * d).real) - np.sum(scipy.linalg.sqrtm(B - h * d).real)) / (2 * h) for d in e
    ]
    np.testing.assert_allclose(got[1].ravel(), want, atol=1e-7)
