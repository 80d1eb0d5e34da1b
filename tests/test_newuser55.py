"""A new user's NumPy/SciPy idioms, round 2 (session 55, newuser55; table: `python bench/newuser_idioms.py`,
docs/coverage.md). What the sweep found and what was fixed:

- `np.fft.hfft` / `np.fft.ihfft` on traced values were refused as "not a difflab primitive" (every other
  numpy.fft transform traces): now NumPy's own compositions over irfft/rfft with the norm swapped.
"""

import numpy as np
import pytest

import difflab as dl

METHODS = ["symbolic", "numeric", "forward", "reverse"]
V6 = np.array([0.31, -0.52, 0.73, -0.44, 0.26, 0.67])


def _hfft_real_sum(x, n, norm):
    """Σ k^1.5 hfft(x (1 + 0.5i), n, norm)_k: hfft is linear, so its gradient is the transform's adjoint of k^1.5,
    computed here by NumPy on the unit vectors."""
    m = n if n is not None else 2 * (x.size - 1)
    return np.sum(np.fft.hfft(x * (1 + 0.5j), n=n, norm=norm) * np.arange(1.0, m + 1) ** 1.5)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("n", "norm"), [(None, None), (7, "ortho"), (None, "forward")])
def test_hfft_of_traced_values(method, n, norm):
    want = np.array([_hfft_real_sum(e, n, norm) for e in np.eye(6)])  # linear: ∂/∂x_i is f(e_i)
    got = dl.grad(lambda x: _hfft_real_sum(x, n, norm), method=method)(V6)
    np.testing.assert_allclose(got, want, rtol=1e-6 if method == "numeric" else 1e-12, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_ihfft_of_traced_values(method):
    # |ihfft(x)_k|² summed with weights k: ihfft(x) = conj(rfft(x))/n, so the gradient is 2 Re(J^H (w ⊙ y))
    w = np.arange(4.0)

    def f(x):
        return np.sum(np.abs(np.fft.ihfft(x)) ** 2 * w)

    y = np.fft.ihfft(V6)
    jac = np.stack([np.fft.ihfft(e) for e in np.eye(6)], axis=1)  # (4, 6): linear in x
    want = 2 * np.real(jac.conj().T @ (w * y))
    np.testing.assert_allclose(dl.grad(f, method=method)(V6), want, rtol=1e-6 if method == "numeric" else 1e-12)
    np.testing.assert_allclose(
        dl.hessian(f, method="reverse")(V6), 2 * np.real(jac.conj().T @ (w[:, None] * jac)), rtol=1e-12, atol=1e-15
    )
