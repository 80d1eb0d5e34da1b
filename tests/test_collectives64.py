"""dl.lax's collectives over several named axes and all_gather's `axis` and `tiled` (refused by name before stop 64):
JAX's meanings (checked against JAX 0.10.2 x64 when written: values equal, gradients by all four methods to 1e-12,
numeric 1e-6); here against closed forms, so the test needs no JAX."""

import numpy as np
import pytest

import difflab as dl
import difflab.lax  # noqa: F401
import difflab.numpy as dnp

X = np.arange(6.0).reshape(2, 3) + 0.5
Y = np.arange(12.0).reshape(3, 2, 2) + 0.25


def _nested(f, names=("i", "j")):
    return dl.vmap(dl.vmap(f, axis_name=names[1]), axis_name=names[0])


def test_axis_index_of_several_names_is_row_major_in_their_order():
    assert _nested(lambda v: v * 0 + dl.lax.axis_index(("i", "j")))(X).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert _nested(lambda v: v * 0 + dl.lax.axis_index(("j", "i")))(X).tolist() == [[0, 2, 4], [1, 3, 5]]


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic", "numeric"])
def test_psum_and_pmean_over_two_axes_and_their_gradients(method):
    for reduce, scale in ((dl.lax.psum, 1.0), (dl.lax.pmean, 1.0 / X.size)):
        f = _nested(lambda v: reduce(v**2, ("j", "i")) * v)  # noqa: B023
        s = scale * np.sum(X**2)
        np.testing.assert_allclose(f(X), s * X, rtol=1e-15)
        # Σ sin(s·X): ∂/∂X = cos(sX)·s + 2·scale·X·Σ cos(sX)·X
        want = np.cos(s * X) * s + 2 * scale * X * np.sum(np.cos(s * X) * X)
        got = dl.grad(lambda m: dnp.sum(dnp.sin(f(m))), method=method)(X)  # noqa: B023
        np.testing.assert_allclose(got, want, rtol=1e-6 if method == "numeric" else 1e-12)


def test_pmax_and_pmin_over_two_axes():
    assert _nested(lambda v: dl.lax.pmax(v, ("i", "j")))(X).tolist() == [[5.5] * 3] * 2
    assert _nested(lambda v: dl.lax.pmin(v, ["j", "i"]))(X).tolist() == [[0.5] * 3] * 2


@pytest.mark.parametrize("axis, tiled", [(0, True), (1, False), (1, True), (-1, False), (-1, True), (-3, False)])
def test_all_gather_axis_and_tiled(axis, tiled):
    rows = list(Y)
    want = (np.concatenate if tiled else np.stack)(rows, axis=axis)
    got = dl.vmap(lambda v: dl.lax.all_gather(v, "i", axis=axis, tiled=tiled), axis_name="i")(Y)
    assert got.shape == (3, *want.shape) and all(np.array_equal(g, want) for g in got)
    w = np.arange(got.size, dtype=float).reshape(got.shape)
    g = dl.grad(
        lambda m: dnp.sum(
            dnp.cos(dl.vmap(lambda v: dl.lax.all_gather(v, "i", axis=axis, tiled=tiled), axis_name="i")(m)) * w
        ),
        method="reverse",
    )(Y)
    # each row's gathered copy reads every Y[k]: ∂/∂Y[k] = −Σ_rows sin(Y[k]) · (its weights at Y[k]'s place)
    place = (np.concatenate if tiled else np.stack)([np.full(r.shape, k, float) for k, r in enumerate(rows)], axis=axis)
    want_g = np.stack([-np.sin(Y[k]) * np.sum(w[:, place == k], axis=0).reshape(Y[k].shape) for k in range(3)])
    np.testing.assert_allclose(g, want_g, rtol=1e-13)


def test_all_gather_refusals_name_the_problem():
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds for array of dimension 2"):
        dl.vmap(lambda v: dl.lax.all_gather(v, "i", axis=2, tiled=True), axis_name="i")(Y)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_all_gather_over_two_axes_is_their_product_row_major(method):
    # (refused by name before: JAX 0.10.2's own all_gather over a tuple fails with "axis size doesn't match")
    for names, order in ((("i", "j"), X.ravel()), (("j", "i"), X.T.ravel())):
        got = _nested(lambda v: dl.lax.all_gather(v, names))(X)  # noqa: B023
        assert got.shape == (2, 3, 6) and all(np.array_equal(r, order) for r in got.reshape(6, 6))
        # every row's gathered copy at k is the row whose axis_index(names) is k: that row's own value
        k = _nested(lambda v: dl.lax.all_gather(v, names)[dl.lax.axis_index(names)] - v)(X)  # noqa: B023
        assert np.array_equal(k, np.zeros_like(X))
    w = np.arange(36.0).reshape(2, 3, 6)
    g = dl.grad(lambda m: dnp.sum(dnp.sin(_nested(lambda v: dl.lax.all_gather(v, ("i", "j")))(m)) * w), method=method)(
        X
    )
    # ∂/∂X[a, b] = cos(X[a, b]) · Σ_rows w[row, a·3 + b]
    np.testing.assert_allclose(g, np.cos(X) * w.sum(axis=(0, 1)).reshape(2, 3), rtol=1e-13)
