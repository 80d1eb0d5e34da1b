"""Data-dependent reads users write, the last leftovers of issue 11 (after mask48): np.argwhere(m) as an index
(`M[tuple(np.argwhere(m).T)]`, `x[np.argwhere(m)[:, 0]]`), `rows, cols = np.nonzero(m); M[rows, cols]` (read and written), a slice with
a traced bound and a step (`x[:j:2]`, `x[j::-2]`, `x[i - 5::3]`) and the write NumPy moves the count first for
(`X[0, :, m] = v`) were read on the values, so dl.prepare refused them by name. Prepared at P1, called at P2 where every
mask differs, each method agrees with JAX x64 (values stored below: jax.value_and_grad of the same functions written
with jnp.where over the masks, /tmp/m49/jaxref.py) and with NumPy's own value bit for bit. What cannot be recorded
(a NumPy array indexed by a traced index, a count read by len()) names the spelling that is."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from mask_cases import check_prepared_where_masks_differ

P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])
A = np.arange(50.0).reshape(2, 5, 5) / 10


def argwhere_rows(x):
    M = np.outer(x[:2], x)
    return (M[tuple(np.argwhere(M > 0.1).T)] ** 2).sum() + np.sin(x[np.argwhere(x > 0)[:, 0]]).sum()


def nonzero_pairs(x):
    rows, cols = np.nonzero(np.outer(x[:2], x) > 0.1)
    return np.exp(np.outer(x[:2], x)[rows, cols]).sum()


def stepped(x):
    j = np.argmax(x)
    return (x[:j:2] ** 2).sum() + np.sin(x[j::-2]).sum() + (x[np.argmin(x) - 5 :: 3] ** 3).sum()


def count_first_write(x):
    X = A * x
    X[0, :, x > 0] = np.sin(X[0, :, x > 0])
    X[1, :, x < 1] = np.cos(x)  # (NumPy's target (count, 5): cos(x) along its second axis)
    return (X**2).sum()


def nonzero_writes(x):
    z = x * 1.0
    z[np.nonzero(x < 0)] = 0.0
    M = np.outer(x[:2], x)
    rows, cols = np.nonzero(M < 0)
    M[rows, cols] = np.exp(M[rows, cols])
    M[tuple(np.argwhere(M > 1).T)] *= 3.0
    return (z**2).sum() + (M**2).sum()


# {f: [(value, gradient) at P1, at P2]} by jax.value_and_grad in x64 (the jnp.where spellings in the docstring)
JAX = {
    argwhere_rows: [
        (4.557135320724712, [3.6493364891256057, -7.295999999999999, -0.05614683654714242, 0.8908421872844885, -1.152]),
        (20.96898763084619, [30.76073720166771, 5.040066577841243, 0.0, 4.743609968270665, 9.487498882744655]),
    ],
    nonzero_pairs: [
        (
            8.892567079536697,
            [4.507812242750738, -10.776099721668881, 0.5466356401171526, 0.370103417987023, -1.93928928263147],
        ),
        (45.907442484498546, [92.12263963518063, 8.543027930262578, 0.0, 6.025581768669824, 40.97949982468911]),
    ],
    stepped: [
        (-0.49718236651297865, [1.5553364891256058, 4.32, -0.4161468365471424, 0.0, 0.4800000000000001]),
        (3.8234711837623045, [3.070737201667703, 0.0, 0.625336489125606, 0.0, -0.5885011172553458]),
    ],
    count_first_write: [
        (
            314.7033507733784,
            [1.4929012195212419, -17.8181472777954, 288.13658589521526, -0.9715055705898141, -6.970575636401909],
        ),
        (
            540.7527717448581,
            [189.44138130428678, 1.9661621520402246, -4.1260725798148945, -3.1503802825020815, 347.5245794363071],
        ),
    ],
    nonzero_writes: [
        (
            25.83973609607493,
            [0.4362868825388938, -61.71405473819678, 4.340248607082352, 1.078702457505416, -0.6800232833600679],
        ),
        (169.61609009645778, [277.04605820415566, 3.959847737969706, 1.5744771539086604, 38.322, 93.67600000000002]),
    ],
}
METHODS = ("symbolic", "numeric", "forward", "reverse")


@pytest.mark.parametrize("method", METHODS)
def test_prepared_at_one_point_called_where_the_masks_differ(method):
    check_prepared_where_masks_differ(JAX, P1, P2, method)


def test_fresh_values_are_numpys():
    """np.argwhere's array, its columns and a stepped slice's elements are NumPy's own (values, dtype, order)."""
    seen = {}

    def f(x):
        M = np.outer(x[:2], x)
        seen["argwhere"] = (np.argwhere(M > 0.1), np.argwhere(np.outer(P2[:2], P2) > 0.1))
        seen["argwhere of floats"] = (np.argwhere(x - 0.2), np.argwhere(P2 - 0.2))
        seen["column"] = (np.argwhere(M > 0.1).T[1], np.argwhere(np.outer(P2[:2], P2) > 0.1).T[1])
        j = np.argmax(x)
        seen["x[j::-2]"] = (x[j::-2], P2[4::-2])
        seen["x[1:j:3]"] = (x[1:j:3], P2[1:4:3])
        return x.sum()

    dl.grad(f, method="reverse")(P2)
    for name, (got, want) in seen.items():
        got = np.asarray(got.value)
        np.testing.assert_array_equal(got, want, err_msg=name)
        assert got.dtype == np.asarray(want).dtype, name


X2 = np.arange(12.0).reshape(3, 4) / 5 + np.array([0, 0, 1, 0])  # (row 0's argmax: 2)
Y2 = X2[::-1] * np.array([1, 1, 1, 3])  # (row 0's argmax: 3)


def test_what_cannot_be_recorded_names_the_spelling_that_is():
    """W[i], W[:j] (W a NumPy array): NumPy calls i.__index__ and indexes W itself, a plain number back, no hook for a
    gather; range(j) Python's own. Each refusal names the traced spelling, and that spelling is prepared and equals
    NumPy's value where the index differs. (len() of a count, a Python int, is guarded since mask50: test_mask50.py)"""
    W = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    refused = {  # (refused spelling, the spelling its message names, function of x by it)
        "W[i]": (lambda x: W[np.argmax(x)] * x.sum(), r"difflab\.numpy\.take\(W, i, axis=0\) for W\[i\]"),
        "W[:j]": (lambda x: W[: np.argmax(x)].sum() * x.sum(), r"numpy\.where\(numpy\.arange\(len\(W\)\) < i, W, 0\)"),
        "range(j)": (lambda x: sum(x[k] for k in range(np.argmax(x))), r"a sum over range\(i\) is x\[:i\]\.sum\(\)"),
    }
    for name, (f, message) in refused.items():
        with pytest.raises(ValueError, match=message):
            dl.prepare(f, P1)
    named = {
        "W[i]": lambda x: dnp.take(W, np.argmax(x), axis=0) * x.sum(),
        "W[:j]": lambda x: np.where(np.arange(len(W)) < np.argmax(x), W, 0).sum() * x.sum(),
        "range(j)": lambda x: x[: np.argmax(x)].sum(),
    }
    for name, f in named.items():
        assert dl.prepare(f, P1)(P2) == refused[name][0](P2.copy()), name  # (P2's argmax 4, P1's 2; masks differ)


def test_a_numpy_array_indexed_by_a_traced_mask():
    """W[m] (W a NumPy array) was refused as a conversion dropping a derivative (a mask has none), fresh too: now
    NumPy's own value, the trace specialised, prepare's refusal naming numpy.where(m, W, 0), which is prepared."""
    W = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    value, grad = dl.value_and_grad(lambda x: W[x > 0].sum() * x.sum())(P2)
    assert value == W[P2 > 0].sum() * P2.sum()
    np.testing.assert_array_equal(grad, [12.0] * 5)
    with pytest.raises(ValueError, match=r"write numpy\.where\(m, W, 0\)"):
        dl.prepare(lambda x: W[x > 0].sum() * x.sum(), P1)
    np.testing.assert_array_equal(dl.prepare(lambda x: np.where(x > 0, W, 0).sum() * x.sum(), P1).grad(P2), grad)


def test_a_slice_bound_numpy_reads_names_the_two_steps():
    """x[[0, 1], :j] (an array index beside the traced bound) is read on the values (review47): its refusal named a
    NumPy array W; now the two steps, x[[0, 1]][:, :j], which are prepared."""
    with pytest.raises(ValueError, match=r"index in two steps, x\[\[0, 1\]\]\[:, :i\]"):
        dl.prepare(lambda x: (x[[0, 1], : np.argmax(x[0])] ** 2).sum(), X2)
    p = dl.prepare(lambda x: (x[[0, 1]][:, : np.argmax(x[0])] ** 2).sum(), X2)
    assert p(Y2) == (Y2[[0, 1], :3] ** 2).sum()
    p = dl.prepare(lambda x: (x[..., : np.argmax(x[0]) : 2] ** 2).sum(), X2)  # (after an Ellipsis: main refused it)
    assert p(Y2) == pytest.approx((Y2[..., :3:2] ** 2).sum(), rel=1e-15)  # (2-D: NumPy's summation order, to an ulp)
