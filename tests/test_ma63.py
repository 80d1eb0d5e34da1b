"""numpy.ma's full (0-d) reductions of a traced mask under dl.prepare and dl.vmap, where the mask empties at a later
point what it did not empty while tracing: NumPy's np.ma.masked (returned as its data 0, derivative 0), as at the
point traced. The 0-d result of a traced mask is a MaskedArray at every point (was a plain value while tracing where
nothing was masked: NaN with a DomainWarning later); its float()/bool(), comparisons and np.ma.is_masked/getdata are
NumPy's."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

X = np.array([[1.0, 2.0, 0.5], [3.0, 4.0, 2.5]])  # (nothing masked)
Y = np.array([[1.0, -2.0, 0.5], [-3.0, -4.0, -2.5]])  # (the second row all masked)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "max", "min"])
def test_prepared_and_vmapped_full_reduction_is_numpys_masked(name):
    f = lambda x: getattr(dnp.ma.masked_where(x < 0, x), name)()  # noqa: E731
    numpys = [getattr(np.ma.masked_where(y < 0, y), name)() for y in (X[0], Y[0], Y[1])]
    assert numpys[2] is np.ma.masked
    prepared = dl.prepare(f, X[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (on main: a DomainWarning, NaN)
        assert prepared(Y[1]) == 0.0 == dl.prepare(f, Y[1])(Y[1])  # (np.ma.masked's data)
        assert prepared.grad(Y[1]).tolist() == [0.0, 0.0, 0.0]
        rows = dl.vmap(f)(Y)
    assert prepared(X[0]) == numpys[0] and prepared(Y[0]) == numpys[1]
    assert rows.tolist() == [numpys[1], 0.0]


def _uses(ma, r, x):
    y = x[0] if r > 0 else x[1]  # (np.ma.masked > 0 is masked, bool() of it False)
    return y + 10 * np.ma.is_masked(r) + np.ma.getdata(r + 1.0) + ma.filled(r * 2.0, 100.0)


def test_a_masked_full_reduction_behaves_as_numpys_in_the_function():
    for x in (X[0], Y[1]):
        want = _uses(np.ma, np.ma.masked_where(x < 0, x).sum(), x)
        got = dl.value_and_grad(lambda x: _uses(dnp.ma, dnp.ma.masked_where(x < 0, x).sum(), x))(x)
        assert got[0] == want, x
    assert want == -4.0 + 10 + 0.0 + 100.0  # (x[1], masked, masked data 0, the fill)
    np.testing.assert_array_equal(got[1], [0.0, 1.0, 0.0])
    with pytest.raises(dl.TracerConversionError, match="float"):
        dl.grad(lambda x: float(dnp.ma.masked_where(x < 0, x).sum()))(X[0])


def _plain(xp, ma, r, x):
    joined = xp.stack([r, x[0]]).sum() + ma.getdata(xp.concatenate([xp.reshape(r, (1,)), x[:1]])).sum()
    return joined + xp.where(x[0] > 0, r, x[1]) + (x[0] if r == 2.0 else x[2])


def test_plain_functions_read_a_full_reductions_data():
    # (a 0-d MaskedArray given to np.stack, np.concatenate, np.reshape, np.where among traced values: its data, as
    # NumPy's plain functions read a masked array's; == masked where it is. On main the masked one was an object array)
    for x in (X[0], Y[1]):
        want = _plain(np, np.ma, np.ma.masked_where(x < 0, x).mean(), x)
        got = dl.value_and_grad(lambda x: _plain(dnp, dnp.ma, dnp.ma.masked_where(x < 0, x).mean(), x))(x)
        assert got[0] == want, x
    np.testing.assert_array_equal(got[1], [2.0, 1.0, 1.0])  # (Y[1]: x[0] twice, x[1] by where, x[2] by ==)
