"""Data-dependent reads users write, the leftovers of issue 11: np.nanargmax/nanargmin (NumPy's argmax of NaN
replaced by ∓inf), np.flatnonzero and np.nonzero(m)[0] as an index (x.take(coordinates)[m], a read by the mask),
np.digitize (NumPy's searchsorted, decreasing bins and right= too), np.count_nonzero (with axis) as a number in
arithmetic, x[:j] and x[i:] with j, i traced integers (a read by the mask of the positions selected), X[0, :, m]
(NumPy's count first), x.astype(bool) of floats and np.isclose (of masks too) were read on the values, so
dl.prepare refused them by name. Prepared at P1, called at P2 where every mask, pick and bin differs, each method
agrees with JAX x64 (values stored below: jax.value_and_grad of the same functions written with jnp.nanargmax,
jnp.digitize, jnp.where over the masks). What still specialises names the spelling that does not."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from mask_cases import check_prepared_where_masks_differ

P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])
B = np.array([-0.5, 0.5, 1.5])
A = np.arange(50.0).reshape(2, 5, 5) / 10


def nan_picks(x):
    y = np.where(x > 2.1, np.nan, x)  # (P2's largest is NaN here: nanargmax skips it)
    return x[np.nanargmax(y)] ** 2 + x[np.nanargmin(y)]


def flat(x):
    return (x[np.flatnonzero(x > 0)] ** 2).sum() + np.sin(x[np.nonzero(x < 1)[0]]).sum()


def digitize(x):
    w = np.concatenate([np.cos(x[:2]), x[:2] ** 2])  # (a traced weight per bin: four bins of three edges)
    return (w[np.digitize(x, B)] * x).sum() + x[np.digitize(x, B[::-1], right=True)].sum()


def mean_over_mask(x):
    m = x > 0
    return x[m].sum() / np.count_nonzero(m) + (np.count_nonzero(np.outer(x, x) > 0, axis=0) * x).sum()


def slices(x):
    return (x[: np.argmax(x)] ** 2).sum() + np.sin(x[np.argmin(x) :]).sum()


def count_first(x):
    return ((A * x)[0, :, x > 0] ** 2).sum()  # (NumPy's shape: (count, 5))


def truths(x):
    return (
        np.where((x - 0.7).astype(bool), x**2, 0.0).sum()  # (P1's x[3] - 0.7 is 0.0: False)
        + np.where(np.isclose(x, 0.9), 1.0, x**3).sum()
        + (np.isclose(x > 0, x > 1) * x).sum()
    )


# {f: [(value, gradient) at P1, at P2]} by jax.value_and_grad in x64 (the jnp spellings in the docstring)
JAX = {
    nan_picks: [(2.8, [0.0, 1.0, 4.0, 0.0, 0.0]), (1.95, [3.0, 0.0, 1.0, 0.0, 0.0])],
    flat: [
        (4.198280465623154, [1.5553364891256058, 0.3623577544766736, 4.0, 2.1648421872844885, 0.9210609940028851]),
        (8.626476033761206, [3.0, 1.3800665778412418, 0.955336489125606, 2.4216099682706647, 4.4]),
    ],
    digitize: [
        (5.560360437601605, [2.136982002470281, -2.9378674194711167, 3.44, 1.09, 0.3623577544766736]),
        (3.374993342215876, [3.74, 4.479933510920748, 2.9800665778412414, 2.25, 0.04000000000000001]),
    ],
    mean_over_mask: [
        (6.8, [3.3333333333333335, 2.0, 3.3333333333333335, 3.3333333333333335, 2.0]),
        (20.099999999999998, [4.25, 4.25, 1.0, 4.25, 4.25]),
    ],
    slices: [
        (1.7620576857874959, [0.6, -2.037642245523326, -0.4161468365471424, 0.7648421872844885, 0.9210609940028851]),
        (4.4863031067857335, [3.0, 0.4, 0.355336489125606, 2.4216099682706647, -0.5885011172553458]),
    ],
    count_first: [(44.840500000000006, [4.5, 0.0, 38.8, 15.33, 0.0]), (85.6185, [22.5, 3.42, 0.0, 19.71, 54.12])],
    truths: [
        (12.668000000000001, [0.87, 2.9200000000000004, 17.0, 1.4699999999999998, 0.6799999999999999]),
        (26.434000000000005, [10.75, 0.52, 0.67, 1.8, 19.92]),
    ],
}
METHODS = ("symbolic", "numeric", "forward", "reverse")


@pytest.mark.parametrize("method", METHODS)
def test_prepared_at_one_point_called_where_the_masks_differ(method):
    check_prepared_where_masks_differ(JAX, P1, P2, method, fresh=False)


def test_fresh_values_are_numpys():
    """The traced spellings give NumPy's own arrays (dtype and values) where the user's code looks at them."""
    seen = {}

    def f(x):
        y = np.where(x > 2.1, np.nan, x)
        seen["nanargmax"] = (np.nanargmax(y), np.nanargmax(P2 * np.where(P2 > 2.1, np.nan, 1)))
        seen["flatnonzero"] = (np.flatnonzero(x > 0), np.flatnonzero(P2 > 0))
        seen["digitize"] = (np.digitize(x, B[::-1]), np.digitize(P2, B[::-1]))
        seen["count_nonzero"] = (np.count_nonzero(x > 0, axis=0), np.count_nonzero(P2 > 0, axis=0))
        seen["isclose"] = (np.isclose(x, [1.5, 0.0, 0.0, 0.0, 2.2 + 1e-9]), [True] + [False] * 3 + [True])
        seen["count_first"] = ((A * x)[1, :, x > 0], (A * P2)[1, :, P2 > 0])
        return x.sum()

    dl.grad(f, method="reverse")(P2)
    for name, (got, want) in seen.items():
        got = np.asarray(got.value)
        np.testing.assert_array_equal(got, want, err_msg=name)
        assert got.dtype == np.asarray(want).dtype, name


def test_what_still_specialises_names_the_spelling_that_does_not():
    W = np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # (a NumPy array: NumPy's own indexing reads the index's value)
    with pytest.raises(ValueError, match=r"difflab\.numpy\.take\(W, i, axis=0\)"):
        dl.prepare(lambda x: W[np.argmax(x)] * x.sum(), P1)
    p = dl.prepare(lambda x: dnp.take(W, np.argmax(x), axis=0) * x.sum(), P1)
    np.testing.assert_allclose(p.grad(P2), [5.0] * 5, rtol=1e-15)  # (P2's argmax is 4; P1's 2)
    # (len() of a count is guarded since mask50, traced again where the count differs: tests/test_mask50.py)
    mean = dl.prepare(lambda x: x[x > 0].sum() / len(np.nonzero(x > 0)[0]), P1)
    assert mean(P2) == P2[P2 > 0].sum() / 4
    # (np.argwhere(m) is recorded since mask49: tests/test_mask49.py)
