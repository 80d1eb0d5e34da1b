"""Issue 11, the leftovers of extreme46-48: a plain product t·∂ of normal factors that underflowed (no quotient
rule saw it) is swept again at a scaled seed where nothing in the result is normal, so the derivative is right."""

import warnings

import numpy as np
import pytest

import difflab as dl


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_product_lost_to_underflow_is_swept_again(method):
    # forward's tangent of x**3 at 1e-100 along 1e-300 is 3x²·t = 3e-500 (0.0), then times 1e300: the JVP was 0.0
    # silently for f'(x)·t = 3e300·x²·t = 3e-200 (main: 0.0); three calls, so the prepared tiers answer too
    f = lambda x: x**3 * 1e300  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = [dl.jvp(f, (1e-100,), (1e-300,), method=method)[1] for _ in range(3)]
    np.testing.assert_allclose(got, [3e-200] * 3, rtol=1e-14)  # (atol 0: pytest.approx's 1e-12 would pass 0.0)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_cotangent_lost_to_underflow_is_swept_again(method):
    # reverse's cotangent 1e-200·1e-200 = 1e-400 is 0.0 before it meets 1e300: the gradient 1e-100 was 0.0 silently
    # (main, reverse: 0.0); floats and arrays, three calls each
    g = dl.grad(lambda x: np.sum(1e-200 * (1e-200 * (1e300 * x))), method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in (1.0, np.array([1.0, 2.0])):
            for _ in range(3):
                np.testing.assert_allclose(g(x), np.full(np.shape(x), 1e-100), rtol=1e-14)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_large_seed_lifts_an_underflowed_exp_partial(method):
    # e^-800 underflowed to 0, and so did its partial: 3e200 pulled back (or pushed forward) through it was 0.0
    # silently (main: both methods) for -3e200·e^-800 (mpmath: -1.1003623752533e-147); exp's rule is (t·e^(x/2))/e^(-x/2)
    # where e^x underflowed, on values (three calls: the compiled tier's 0 is `suspect`, the rules decide)
    want = -1.1003623752533062e-147  # float(-3 * mp.mpf(10) ** 200 * mp.exp(-800)), 50 digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NumPy's underflow of f's own value, where it says one)
        if method == "reverse":
            got = [dl.vjp(lambda x: np.exp(-x), 800.0, method=method)[1](3e200)[0] for _ in range(3)]
        else:
            got = [dl.jvp(lambda x: np.exp(-x), (800.0,), (3e200,), method=method)[1] for _ in range(3)]
        g = dl.grad(lambda x: 3e200 * np.exp(-x), method=method)
        got += [g(800.0) for _ in range(3)]
    np.testing.assert_allclose(got, [want] * 6, rtol=1e-13)


def test_a_cancellation_beyond_80_digits_is_evaluated_in_640():
    # hypot(sqrt(x), 1) = sqrt(1 + x): f'' = -(1 + x)^(-3/2)/4 = -0.25 at 1e-300, but nested symbolic grads hold terms
    # of 1/(4x) = 2.5e299 whose difference it is: 0.0 silently in float64 and in 40/80 digits alike (main: 0.0);
    # in 320 and 640 digits they agree
    f = lambda x: np.hypot(np.sqrt(x), 1.0)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = dl.grad(dl.grad(f, method="symbolic"), method="symbolic")(1e-300)
    assert got == -0.25


def test_logm_frechet_of_a_subnormal_direction_is_its_linear_scaling():
    """L(A, c·E) = c·L(A, E): ‖A‖/‖E‖ overflowed for a subnormal E (a rescaled sweep's), and SciPy's logm refused the
    inf ("array must not contain infs or NaNs": forward raised it on test_random_graphs' logm_frechet draw)."""
    from difflab.ops.matfuncs import _logm_frechet_impl

    a, e = np.array([[2.0, 0.3], [0.1, 1.5]]), np.array([[1.0, 2.0], [0.5, -1.0]])
    want = _logm_frechet_impl(a, e)
    np.testing.assert_allclose(_logm_frechet_impl(a, e * 1e-310), want * 1e-310, rtol=1e-9)
    np.testing.assert_allclose(_logm_frechet_impl(a, e * 1e300) / 1e300, want, rtol=1e-14)
