"""numpy.ma's axis reductions under dl.prepare and dl.vmap when a traced mask masks a whole row only at a later point
than the one traced: NumPy's answer (the row masked, NumPy's data there, derivative 0), as at the point traced. A
traced count of an axis reduction now always gives a MaskedArray (NumPy's own type for one, masked or not), so the
trace holds the mask at every point; on main the trace held a plain result and the row was NaN with a DomainWarning.
A 0-d result stays so (NumPy's is a float or np.ma.masked by value: tests/test_cov59.py)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

X = np.array([[1.0, 2.0, 0.5], [3.0, 4.0, 2.5]])  # (traced here: nothing masked)
Y = np.array([[1.0, -2.0, 0.5], [-3.0, -4.0, -2.5]])  # (the second row all masked)


def _numpys(name, y, axis=1):
    return getattr(np.ma.masked_where(y < 0, y), name)(axis=axis)


@pytest.mark.parametrize("name", ["mean", "sum", "var", "max"])
def test_prepared_axis_reduction_gives_the_masked_row_numpys_data(name):
    f = lambda x: getattr(dnp.ma.masked_where(x < 0, x), name)(axis=1)  # noqa: E731
    prepared = dl.prepare(f, X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (on main: a DomainWarning, the row NaN)
        got = prepared(Y)
    want = _numpys(name, Y)
    assert want.mask.tolist() == [False, True]
    assert got.tolist() == want.data.tolist() == dl.prepare(f, Y)(Y).tolist()
    np.testing.assert_array_equal(prepared(X), _numpys(name, X).data)


def test_prepared_gradient_and_vmap_of_a_masked_row():
    f = lambda x: dnp.sum(dnp.ma.getdata(dnp.ma.masked_where(x < 0, x).mean(axis=1)) * np.array([2.0, 3.0]))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = dl.prepare(f, X).grad(Y)
        rows = dl.vmap(lambda x: dnp.ma.masked_where(x < 0, x).mean(axis=1))(np.stack([X, Y]))
    np.testing.assert_array_equal(grad, [[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(rows, [_numpys("mean", X).data, _numpys("mean", Y).data])


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "max", "min"])
def test_numpy_and_difflab_reductions_of_a_masked_array_are_its_own(name):
    # np.sum(a) hands a non-ndarray to a.sum(axis=..., out=None): the method refused out= (a bare TypeError), and
    # difflab.numpy's sum read the masked array as an array (a bare TypeError from np.add.reduce)
    m, want = dnp.ma.masked_where(Y < 0, Y), np.ma.masked_where(Y < 0, Y)
    for fn in (getattr(np, name), getattr(dnp, name)):
        np.testing.assert_allclose(fn(m), getattr(np, name)(want), rtol=1e-15)
        got, numpys = fn(m, axis=0), getattr(np, name)(want, axis=0)  # (column 1 all masked)
        np.testing.assert_array_equal(got.mask, np.ma.getmaskarray(numpys))
        np.testing.assert_allclose(got.data, np.ma.getdata(numpys), rtol=1e-15)
    x = np.array([1.0, -2.0, 3.0])
    g = dl.grad(lambda x: getattr(dnp, name)(dnp.ma.masked_where(x < 0, x)) + getattr(np, name)(x))(x)
    assert g[1] == dl.grad(lambda x: getattr(np, name)(x))(x)[1]  # (the masked element: the plain term's only)
    with pytest.raises(TypeError, match="out="):
        getattr(np, name)(m, out=np.zeros(3))
