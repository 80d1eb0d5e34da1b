"""Review of the JAX-style transformations and stop 57's new code by a seeded fuzz (review58), against JAX x64,
mpmath and central differences.

- `dl.jacobian(f, sparse=True)` of a function that indexes by values it computes from its input
  (`x[argmax(x)]`, `x[argsort(x)]`, `take_along_axis(x, argsort(x))`, `x[searchsorted(knots, x[0])]`): the
  pattern was read from the index's value at the first call and reused at every later point, so a call where the
  index moved came back with the first point's entries: a silent wrong Jacobian by all four methods. `dl.sparsity`
  said the same pattern "holds at every point". Such an equation now reads all of its argument's elements.
- `dl.vmap(dl.grad(f, method="numeric"), in_axes=(None, 0))` where the gradient depends on no batched argument
  (f = exp(a - max(a))[0]): NaN in every row for [0.61, 0, -0.61]. The batched graph's per-row check of the numeric
  decisions is NaN at an exactly-zero entry, and vmap answers such rows alone, but it skipped outputs that depend on
  no batched input. Found by the fuzz (/tmp/review58/fuzz.py 2 80, case 30).
- `np.nanquantile(a, q, weights=w, method="inverted_cdf")` (and nanpercentile) of a traced a: a bare TypeError
  ("got an unexpected keyword argument 'weights'"), where NumPy 2 takes them; now quantile's weighted pick with each
  NaN entry's weight dropped (an all-NaN slice NaN; NumPy's refusal where the other weights are all zero).
- `difflab.scipy.interpolate.CubicSpline(...).extend` (construct_fast, from_spline, ...; integrate, antiderivative,
  roots and solve trace since poly58): Python's bare AttributeError; now difflab's UnsupportedOperationError naming the
  method (still an AttributeError).
"""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ("symbolic", "numeric", "forward", "reverse")


def _at_argmax(x):
    return x * x[dnp.argmax(x)]


def _sorted_gather(x):
    return x[dnp.argsort(x)] * np.arange(1.0, 5.0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("f", [_at_argmax, _sorted_gather])
def test_sparse_jacobian_at_a_second_point_where_a_traced_index_moved(f, method):
    jac = dl.jacobian(f, sparse=True, method=method)
    jac(np.array([1.0, 2.0, 3.0, 4.0]))  # the pattern of the first point
    x = np.array([2.0, 4.0, 1.0, 3.0])
    got = jac(x).toarray()
    if f is _at_argmax:  # d(x_i · x_1)/dx_j, analytic: x_1 = 4 the max
        want = 4.0 * np.eye(4)
        want[:, 1] += x
    else:  # row k is k+1 times the k-th smallest: x[2], x[0], x[3], x[1]
        want = np.zeros((4, 4))
        want[np.arange(4), [2, 0, 3, 1]] = np.arange(1.0, 5.0)
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_sparsity_of_a_value_chosen_index_holds_at_every_point():
    P = dl.sparsity(lambda x: x[dnp.searchsorted(np.array([1.5, 2.5]), x[0])] * x, np.array([1.0, 2.0, 3.0]))
    assert P.toarray().tolist() == [[True, True, True]] * 3  # x[0] may pick any of x[0..2]


def test_vmap_of_a_numeric_grad_in_an_argument_that_is_not_batched():
    """The batched output depends on no batched argument (in_axes None for a): its rows were the batched graph's,
    whose per-row check of the numeric decisions is NaN where a derivative entry is exactly 0."""
    x = np.array([0.3, -1.2, 0.8])
    g = dl.grad(lambda a, b: dnp.exp(a - dnp.max(a))[0], method="numeric")
    got = dl.vmap(g, in_axes=(None, 0))(x, np.stack([x, 2 * x]))
    want = np.exp(x[0] - x[2]) * np.array([1.0, 0.0, -1.0])  # d exp(a0 - a2) / da, a2 the max
    np.testing.assert_allclose(got, np.stack([want, want]), atol=1e-8)


A_NAN = np.array([[-1.1, np.nan, 0.4], [np.nan, np.nan, 2.0], [-0.07, np.nan, -0.3]])
W_NAN = np.array([[0.26, 0.0, 1.0], [0.67, 0.76, 0.5], [0.71, 1.29, 2.0]])


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")  # (NumPy's reference, on its all-NaN column)
@pytest.mark.parametrize("method", ["symbolic", "reverse"])
def test_nanquantile_with_weights_as_numpy(method):
    """np.nanquantile/nanpercentile(weights=) were a bare TypeError (the signature had no weights); now NumPy 2's:
    each NaN entry dropped with its weight, an all-NaN column NaN, the derivative on the entry picked."""

    def f(a):
        return dnp.nanquantile(a, 0.6, axis=0, weights=W_NAN, method="inverted_cdf")

    want = np.nanquantile(A_NAN, 0.6, axis=0, weights=W_NAN, method="inverted_cdf")  # [-0.07, nan, 0.4]
    np.testing.assert_allclose(f(A_NAN), want)
    pct = dnp.nanpercentile(A_NAN, 60.0, axis=0, weights=W_NAN, method="inverted_cdf", keepdims=True)
    np.testing.assert_allclose(pct, want[None])
    g = dl.grad(lambda a: dnp.nansum(f(a) ** 2.0), method=method)(A_NAN)
    picked = np.zeros((3, 3))
    picked[2, 0], picked[0, 2] = 2 * -0.07, 2 * 0.4  # d(y²)/dy at each column's pick
    finite = ~np.isnan(A_NAN)
    np.testing.assert_allclose(g[finite], picked[finite], atol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # (NumPy's, before its refusal)
def test_nanquantile_weights_all_zero_but_nan_refused_as_numpy():
    w = np.array([1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="all zero"):
        np.nanquantile(np.array([np.nan, 1.0, 2.0]), 0.5, weights=w, method="inverted_cdf")
    with pytest.raises(ValueError, match="all zero"):
        dl.grad(lambda a: dnp.nanquantile(a, 0.5, weights=w, method="inverted_cdf"))(np.array([np.nan, 1.0, 2.0]))


def test_cubic_spline_methods_it_does_not_trace_are_named():
    """CubicSpline(...).extend / from_spline were Python's bare AttributeError ("object has no attribute"); now
    difflab's refusal naming the method (an AttributeError still: hasattr says False)."""
    import difflab.scipy as dsp

    cs = dsp.interpolate.CubicSpline(np.arange(4.0), np.sin(np.arange(4.0)))
    assert not hasattr(cs, "extend")
    with pytest.raises(dl.UnsupportedOperationError, match=r"CubicSpline\.extend is not supported"):
        cs.extend(np.zeros((4, 1)), np.array([4.0]))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cs.nope
