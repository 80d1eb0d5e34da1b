"""reduce61 (issue 11's ufunc-method leftovers): `initial=`, `where=` and `dtype=` of np.add/multiply/maximum/minimum
.reduce on traced values (they were refused by name), with NumPy's values to the bit (its start is the first entry of
its own order: np.sum(x, axis=0, initial=c) was sum + c, an ulp off); `reduceat` of every binary ufunc with a reduce
(maximum, minimum, multiply, and NumPy's left folds: subtract, divide, logaddexp, hypot...; only add's was traced),
with NumPy's index rules and errors; numpy.ma reductions whose every element is masked: NumPy's masked result (they
were NaN with a DomainWarning), derivative 0 there, and np.ma.max/min. All 15 tests fail on main.

References: NumPy's own values and errors; first and second derivatives against central differences of NumPy's own
functions (`_central`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]
R = np.array([[3.0, 1.5, 0.7, -0.4], [2.0, -1.0, 4.0, 0.3], [0.5, 2.5, -1.5, 1.1]])
M = np.array([True, False, True, True])


def _value(f, x):
    return dl.vjp(f, x, method="forward")[0]


def _central(f, x, h=1e-3, hessian=True):
    """Gradient (and Hessian) of NumPy's own scalar f by central differences (steps 1e-6 and h)."""
    n, e = x.size, np.eye(x.size).reshape((x.size, *x.shape))
    g = np.array([(f(x + 1e-6 * e[i]) - f(x - 1e-6 * e[i])) / 2e-6 for i in range(n)]).reshape(x.shape)
    if not hessian:
        return g, None
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            d = [f(x + (s * e[i] + t * e[j]) * h) for s, t in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
            H[i, j] = H[j, i] = (d[0] - d[1] - d[2] + d[3]) / (4 * h * h)
    return g, H.reshape(x.shape * 2)


# -- 1. initial= / where= / dtype= of the reductions' reduce ---------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::difflab.DomainWarning")  # (the empty mean's NaN)
def test_reduce_initial_and_where_are_numpys_to_the_bit():
    """np.add/multiply/maximum/minimum.reduce with initial= (every axis form, keepdims, an empty axis: the start
    alone), where= (maximum's and minimum's with initial=, as NumPy requires), dtype=float; np.sum/np.prod with
    initial=, np.sum/np.mean with where=, add/multiply.accumulate's dtype=float: NumPy's values bit for bit (the add
    rows sum a 9-long last axis pairwise, then add c, as NumPy's loop does; along a leading axis c comes first; a
    where= mask's runs of unmasked entries each summed pairwise: the internal where_sum). Refused on main (reduce's
    keywords), np.sum's with initial= or where= an ulp off."""
    x = R * np.array([1.0, 1e-3, 1e3, 7.0])
    X = np.linspace(-2.0, 3.0, 2 * 3 * 9).reshape(2, 3, 9) ** 3
    kws = ({"axis": 1}, {"axis": 0}, {"axis": None}, {"axis": (0, 1)}, {"axis": -1, "keepdims": True}, {"axis": ()})
    for u, c in ((np.add, 0.37), (np.multiply, 1.37), (np.maximum, 0.5), (np.minimum, 0.5)):
        more = ({"where": M}, {"where": x > 1.0, "axis": None})
        for a, cases in ((x, kws + more), (X, kws), (x[:, :0], kws)):
            cases = [{"initial": c, **kw} for kw in cases] + [{"dtype": float}]
            got = _value(lambda a: tuple(u.reduce(a, **kw) for kw in cases), a)  # noqa: B023
            for kw, y in zip(cases, got):
                want = u.reduce(a, **kw)
                assert np.shape(y) == want.shape and np.array_equal(y, want), (u.__name__, a.shape, kw)
    calls = [(f, kw) for f in (np.sum, np.prod) for kw in ({"axis": 0}, {"axis": (0, 1)}, {"axis": 1})]
    runs = np.ones(X.shape, dtype=bool)
    runs[..., 2], runs[0, 1, 5:7], runs[1, :, 0] = False, False, False
    calls += [(f, {"axis": a, "where": runs}) for f in (np.sum, np.mean) for a in (0, 2, None)]
    got = _value(lambda a: tuple(f(a, initial=0.1, **kw) if f is not np.mean else f(a, **kw) for f, kw in calls), X)
    want = [f(X, initial=0.1, **kw) if f is not np.mean else f(X, **kw) for f, kw in calls]
    assert all(np.array_equal(y, w, equal_nan=True) for y, w in zip(got, want))  # (an empty mean: NaN, NumPy's)
    for u in (np.add, np.multiply):  # (accumulate's dtype=float too)
        want = u.accumulate(x, axis=1, dtype=float)
        assert np.array_equal(_value(lambda a: u.accumulate(a, axis=1, dtype=float), x), want)  # noqa: B023
    with pytest.raises(ValueError, match="drop the derivative"):
        dl.grad(lambda a: np.add.reduce(a, dtype=int).sum())(x)
    with pytest.raises(ValueError, match="needs initial="):
        dl.grad(lambda a: np.maximum.reduce(a, where=M).sum())(x)
    with pytest.raises(ValueError, match="initial= must be one number"):  # (NumPy's ValueError; not a broadcast start)
        dl.grad(lambda a: np.add.reduce(a, axis=1, initial=[1.0, 2.0, 3.0]).sum())(x)


@pytest.mark.parametrize("method", METHODS)
def test_reduce_initial_and_where_differentiate_twice(method):
    """Gradients (prepared) and Hessians against central differences of NumPy's own functions: the start of
    add.reduce along a leading axis with where= (a masked column: the start alone), multiply.reduce with where=, maximum.reduce with where= and initial= (the start
    wins one row: its slope 0), minimum.reduce over all axes with a traced start."""
    x = R[:2, :3].copy()
    m = np.array([True, False, True])
    cases = (
        lambda a, u=np: u.sum(u.add.reduce(a, axis=0, initial=2.0, where=m) ** 2),
        lambda a, u=np: u.sum(u.multiply.reduce(a, axis=1, initial=1.5, where=m)),
        lambda a, u=np: u.sum(u.maximum.reduce(a * a, axis=1, initial=3.0, where=m) ** 2),
        lambda a, u=np: u.minimum.reduce(a**3, axis=None, initial=u.sum(a) * 0.1),
    )
    for f in cases:
        g, H = _central(f, x)
        tol = {"rtol": 1e-5, "atol": 1e-6 * np.abs(H).max()}
        np.testing.assert_allclose(dl.prepare(f, x, method=method).grad(x), g, **tol)
        np.testing.assert_allclose(dl.hessian(f, method=method)(x), H, **tol)


# -- 2. reduceat of every binary ufunc with a reduce -----------------------------------------------------------------


def test_reduceat_values_and_errors_are_numpys():
    """maximum/minimum/multiply/subtract/divide/logaddexp/hypot.reduceat along each axis: NumPy's segments
    (indices[i] >= indices[i+1]: the single a[indices[i]]; the last to the end; no indices: an empty axis) to the bit,
    and NumPy's IndexError for an index out of range. Only add.reduceat was traced on main."""
    x = np.linspace(0.5, 3.0, 5 * 9).reshape(5, 9) ** 1.5
    indices = ([0, 2, 1, 3], [0, 4, 4, 8], [3], [8, 0], list(range(5)), np.array([], dtype=int))
    for u in (np.maximum, np.minimum, np.multiply, np.subtract, np.divide, np.logaddexp, np.hypot):
        for axis, a in ((1, x), (0, x.T), (-1, x[0])):
            got = _value(lambda a: tuple(u.reduceat(a, idx, axis=axis) for idx in indices), a)  # noqa: B023
            for idx, y in zip(indices, got):
                want = u.reduceat(a, idx, axis=axis)
                assert np.shape(y) == want.shape and np.array_equal(y, want), (u.__name__, idx, axis)
    for idx in ([0, 9], [-1]):
        with pytest.raises(IndexError, match=f"index {idx[-1]} out-of-bounds in maximum.reduceat"):
            dl.grad(lambda a: np.maximum.reduceat(a, idx).sum())(x[0])  # noqa: B023


@pytest.mark.parametrize("method", METHODS)
def test_reduceat_differentiates_twice(method):
    """Σ w·maximum.reduceat, Σ divide.reduceat (a₀/a₁/a₂ and a single entry), Σ multiply.reduceat², logaddexp.reduceat:
    gradients and Hessians against central differences of NumPy's own."""
    v = np.array([1.5, 0.7, 2.5, 1.1, 0.9])
    w = np.array([1.0, -2.0, 0.5])
    cases = (
        lambda a, u=np: u.sum(u.maximum.reduceat(a * a, [0, 2, 1]) * w),
        lambda a, u=np: u.sum(u.divide.reduceat(a, [0, 3, 2])),
        lambda a, u=np: u.sum(u.multiply.reduceat(a, [1, 3]) ** 2),
        lambda a, u=np: u.sum(u.logaddexp.reduceat(a, [0, 2]) * w[:2]),
    )
    for f in cases:
        g, H = _central(f, v)
        tol = {"rtol": 1e-5, "atol": 1e-6 * np.abs(H).max()}
        np.testing.assert_allclose(dl.grad(f, method=method)(v), g, **tol)
        np.testing.assert_allclose(dl.hessian(f, method=method)(v), H, **tol)


# -- 3. numpy.ma: NumPy's masked results ------------------------------------------------------------------------------

X = np.arange(6.0).reshape(2, 3) + 0.5
MASK = np.array([[1, 1, 1], [0, 1, 0]], dtype=bool)
NAMES = ("sum", "mean", "var", "std", "max", "min")


def test_ma_reductions_are_numpys_masked_results():
    """Along an axis whose one row is all masked: a MaskedArray, NumPy's data (max's 1e20 under the mask) and mask;
    over all of an all-masked array: np.ma.masked itself (a traced mask's: a masked 0-d MaskedArray); np.ma.max/min
    (refused on main) fill the masked elements with ∓inf. On main: NaN with a DomainWarning, no mask."""
    for name in NAMES:
        want = getattr(np.ma.masked_array(X, mask=MASK), name)(axis=1)
        seen = {}

        def f(X, name=name, seen=seen):
            r = getattr(dnp.ma.masked_array(X, mask=MASK), name)(axis=1)
            seen["r"] = r
            seen["all"] = getattr(dnp.ma, name)(dnp.ma.masked_array(X, mask=True))
            seen["traced"] = getattr(dnp.ma.masked_where(X > -1.0, X), name)()
            return r

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = dl.vjp(f, X, method="reverse")[0]
        r = seen["r"]
        assert isinstance(r, dnp.ma.MaskedArray) and np.array_equal(r.mask, want.mask), name
        assert np.array_equal(r.data.value, want.data) and np.array_equal(got, want.data), name
        assert seen["all"] is np.ma.masked and seen["traced"].mask.value.item() is True, name
        assert np.array_equal(getattr(dnp.ma, name)(X[1]), getattr(np.ma, name)(X[1]))


@pytest.mark.parametrize("method", METHODS)
def test_ma_all_masked_derivative_is_zero(method):
    """The Jacobian of each reduction along the axis: 0 in the masked row (NaN on main), NumPy's slopes in the other;
    a sum over the reductions' results skips the masked row, as NumPy's (its gradient against central differences of
    np.ma's own); fully masked ones' values their data 0, gradient 0."""

    def code(ma, X):
        a = ma.masked_array(X, mask=MASK)
        return sum(getattr(a, name)(axis=1).sum() * (k + 1) for k, name in enumerate(NAMES))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = dl.value_and_grad(lambda X: code(dnp.ma, X), method=method)(X)
        if method == "reverse":
            empty = dl.value_and_grad(lambda X: sum(getattr(dnp.ma.masked_where(X > 0, X), n)() for n in NAMES))(X)
            assert empty[0] == 0.0 and not empty[1].any()
            a = lambda X: dnp.ma.masked_array(X, mask=MASK)  # noqa: E731
            jacs = dl.jacobian(lambda X: tuple(getattr(a(X), name)(axis=1) for name in NAMES), method=method)(X)
            assert not any(j[0].any() for j in jacs) and all(j[1].any() for j in jacs)
    assert value == code(np.ma, X)
    np.testing.assert_allclose(grad, _central(lambda X: code(np.ma, X), X, hessian=False)[0], rtol=1e-7, atol=1e-7)
