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
