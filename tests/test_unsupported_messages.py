"""An unsupported call's message: the problem, the spelling that works, a did-you-mean where one exists and where
the full list lives, in a few lines (it listed ~300 supported NumPy names inline)."""

import numpy as np
import pytest

import difflab as dl

X = np.ones(3)


def _message(f, error=dl.UnsupportedOperationError):
    with pytest.raises(error) as info:
        dl.grad(f)(X)
    message = str(info.value)
    assert len(message) < 600 and "allclose, amax" not in message  # (the old inline list)
    return message


def test_a_traced_value_stored_by_numpy_array_says_what_to_write_and_where_the_list_is():
    message = _message(lambda x: np.sum(np.array([x[0], x[1]])))
    assert "converted to a NumPy array" in message and "difflab.numpy.array([a, b])" in message
    assert "difflab.numpy.__all__" in message and "bench/numpy_coverage.py" in message


def test_an_unsupported_function_is_named_with_a_did_you_mean():
    message = _message(lambda x: np.sum(np.lib.scimath.sqrt(x)))
    assert message.startswith("numpy.lib.scimath.sqrt is not a difflab primitive (did you mean numpy.sqrt?)")
    assert "difflab.numpy.__all__" in message
    message = _message(lambda x: np.sum(np.hypot.at(x, 0, 1.0)))  # (np.add.at is an assignment now: test_setitem)
    assert "numpy.hypot.at is not a difflab primitive" in message and "did you mean" not in message


def test_an_unknown_array_method_gets_the_closest_ones():
    message = _message(lambda x: x.cumsun(), AttributeError)
    assert "no attribute 'cumsun' (did you mean x.cumsum?)" in message and "difflab.numpy.METHODS" in message


def test_packbits_of_a_traced_mask_is_a_constant_and_is_busday_refuses_floats_as_numpy():
    # jnp.packbits: integer output, no derivative; d/dx of sum(x) * (number of packed bits) is that number
    x = np.array([0.2, 0.9, 0.7])
    f = lambda x: np.sum(x) * np.sum(np.packbits(x > 0.5))  # noqa: E731
    for method in ("reverse", "forward", "symbolic"):
        value, grad = dl.value_and_grad(f, method=method)(x)
        assert value == f(x) and grad.tolist() == [96.0] * 3  # packbits([0, 1, 1]) = [96]
    with pytest.raises(TypeError, match="integer or boolean"):  # NumPy refuses a float array, and so does difflab
        dl.grad(lambda x: np.sum(np.packbits(x)))(x)
    with pytest.raises(TypeError, match="datetime|M8"):
        dl.grad(lambda x: np.sum(np.is_busday(x)))(x)
