"""scipy.special accuracy and dtype leftovers (issue 11, specialacc48): comb's dtype with float32 arguments (SciPy's comb
calls asarray on N and k, so a Python number beside a float32 makes float64; binom itself keeps float32)."""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy.special as dss

sc = pytest.importorskip("scipy.special")

F32 = np.float32


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic", "numeric"])
@pytest.mark.parametrize("repetition", [False, True])
def test_comb_float32_beside_python_number_is_float64_as_scipy(method, repetition):
    """comb(float32, 2) is float64 in SciPy (it was float32 here); the gradient in the float32 argument stays float32
    (docs/api.md: a derivative follows its leaf); comb(float32, float32) stays float32 as SciPy's."""
    for args, i in (((F32(5.5), 2), 0), ((5.5, F32(2.0)), 1), ((F32(5.5), F32(2.0)), 0)):

        def f(t, args=args, i=i):
            return dss.comb(*args[:i], t, *args[i + 1 :], repetition=repetition)

        expected = sc.comb(*args, repetition=repetition)
        value, grad = dl.value_and_grad(f, method=method)(args[i])
        assert np.asarray(value).dtype == np.asarray(expected).dtype, (args, i)
        np.testing.assert_allclose(float(value), float(expected), rtol=1e-6)
        assert np.asarray(grad).dtype == np.float32
    # d/dN C(N, 2) = N - 1/2 at N = 5.5 (repetition: C(N + 1, 2), N + 1/2)
    got = dl.grad(lambda n: dss.comb(n, 2, repetition=repetition), method=method)(F32(5.5))
    np.testing.assert_allclose(float(got), 6.0 if repetition else 5.0, rtol=1e-6 if method != "numeric" else 1e-5)


@pytest.mark.parametrize("method", ["reverse", "forward"])  # (symbolic's lambdify of the rule: 2 s)
def test_voigt_profile_slopes_far_out_at_tiny_gamma_are_the_gaussians(method):
    """|z| ≥ 7 near the real axis, γ → 0: the Voigt profile is the normal density, whose slopes the continued fraction
    lacked (∂x and ∂σ were 0 here, relative error 1). Reference: ∂x N = -x·N/σ², ∂σ N = (x²/σ² - 1)·N/σ (N the normal
    density; the Cauchy part's slopes are ~γ/x³ = 1e-303, below the last digit)."""
    x, sigma, gamma = 10.0 * np.sqrt(2.0), 1.0, 1e-300
    normal = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
    dx = dl.grad(lambda t: sc.voigt_profile(t, sigma, gamma), method=method)(x)
    dsigma = dl.grad(lambda s: sc.voigt_profile(x, s, gamma), method=method)(sigma)
    np.testing.assert_allclose(float(dx), -x * normal, rtol=2e-14)
    np.testing.assert_allclose(float(dsigma), (x * x - 1.0) * normal, rtol=2e-14)
