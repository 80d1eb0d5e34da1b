"""Issue 11 after extreme49: a huge cotangent meeting exp's underflowed partial where another entry is normal. The
scalar's compiled 0 was `suspect` (the interpreter decided); a vector's with one normal entry was kept, silently."""

import warnings

import numpy as np
import pytest

import difflab as dl

#: -3e200·e^-800 (mpmath, 50 digits: float(-3 * mp.mpf(10) ** 200 * mp.exp(-800))), then -e^-1
_WANT = np.array([-1.1003623752533062e-147, -0.36787944117144233])


def test_a_vector_pullback_lifts_exp_partial_on_every_call():
    # reverse: the first call (interpreted) was right, the compiled pullback from the second gave [-0., -0.368]
    f = lambda x: np.exp(-x)  # noqa: E731  (one function: its prepared pullback is compiled from the second call)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NumPy's underflow of f's own value)
        got = [dl.vjp(f, np.array([800.0, 1.0]))[1](np.array([3e200, 1.0]))[0] for _ in range(3)]
    np.testing.assert_allclose(got, [_WANT] * 3, rtol=1e-13)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_vector_gradient_lifts_exp_partial_on_every_call(method):
    # grad of Σ c·e^-x with c = [3e200, 1]: reverse from its second call and forward on every call gave 0 for the
    # first entry (its tangent rows carry seeds of 1, the compiled product kept e^-800's 0)
    g = dl.grad(lambda x: np.sum(np.array([3e200, 1.0]) * np.exp(-x)), method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = [g(np.array([800.0, 1.0])) for _ in range(3)]
    np.testing.assert_allclose(got, [_WANT] * 3, rtol=1e-13)


def test_a_vector_tangent_lifts_exp_partial_forward_on_every_call():
    # forward's JVP along [3e200, 1]: its lowered product t·e^x kept e^-800's 0 (main: [-0., -0.368] on every call)
    f = lambda x: np.exp(-x)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = [dl.jvp(f, (np.array([800.0, 1.0]),), (np.array([3e200, 1.0]),), method="forward")[1] for _ in range(3)]
    np.testing.assert_allclose(got, [_WANT] * 3, rtol=1e-13)
