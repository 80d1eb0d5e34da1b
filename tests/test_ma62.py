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
