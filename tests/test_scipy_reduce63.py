"""`reduce` of scipy.special's reorderable binary ufuncs (agm, poch, boxcox1p, owens_t, elliprc, the eval_* and the
distributions' ...) on traced values: SciPy declares their identity 0, so NumPy's reduce is a left fold from 0,
f(f(f(0, a0), a1), a2), over any axes; difflab's is that fold (values to the bit, derivatives the chain rule's). On
main each was refused ('not a difflab primitive'); their accumulate (a fold from a0) already worked."""

import numpy as np
import pytest
import scipy.special as sp

import difflab as dl

RNG = np.random.default_rng(63)
A = RNG.uniform(0.2, 3.0, (2, 3, 4))
CALLS = [
    (A[0, 0], {}),
    (A, {"axis": 0}),
    (A, {"axis": 2}),
    (A, {"axis": None}),
    (A, {"axis": (0, 2), "keepdims": True}),
    (A, {"axis": 1, "initial": 0.5}),
    (A[:, :0], {"axis": 1}),  # (empty: the identity 0)
]


@pytest.mark.parametrize("name", ["agm", "poch", "boxcox1p", "owens_t", "elliprc", "inv_boxcox", "kl_div"])
def test_reduce_is_scipys_left_fold_from_its_identity(name):
    u = getattr(sp, name)
    assert u.identity == 0
    with np.errstate(all="ignore"):
        for a, kw in CALLS:
            want = u.reduce(a, **kw)
            value = dl.vjp(lambda a: u.reduce(a, **kw), a)[0]  # noqa: B023
            assert np.shape(value) == np.shape(want) and np.array_equal(value, want, equal_nan=True), kw


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_reduce_derivative_is_the_folds(method):
    X = A[0, :2]
    for u in (sp.owens_t, sp.elliprc):
        f = lambda x: np.sum(u.reduce(x, axis=1) * np.array([1.0, 2.0]))  # noqa: E731,B023
        got, h = dl.grad(f, method=method)(X), 1e-6
        want = np.zeros_like(X)
        for i in np.ndindex(X.shape):
            e = np.zeros_like(X)
            e[i] = h
            want[i] = (f(X + e) - f(X - e)) / (2 * h)
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)
