"""The symbolic method on scipy.linalg.logm above 1×1 (ops/matfuncs.py's real opaque kind `logm`: X = logm(A),
K = dX and H = d²X as parts, as expm's) and of a complex matrix by its real embedding [[A, −B], [B, A]]: gradients
and Hessians against reverse's; a real matrix whose logarithm is complex (an eigenvalue below 0) is NaN with a
DomainWarning naming the methods that give it, never a silent number."""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy as dsc
from difflab.errors import DomainWarning

RNG = np.random.default_rng(62)
W = {2: RNG.normal(size=(2, 2))}
X = 0.4 * np.sin(np.arange(9.0) * 1.7 + 0.3)


def _close(got, want, tol=1e-13):
    scale = np.abs(want).max()
    assert scale > 1e-3
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


def _complex(x):
    return 2.0 * np.eye(2) + 0.6 * (x[:4].reshape(2, 2) + 1j * x[4:8].reshape(2, 2))


def test_complex_matrix_gradient_and_hessian_by_the_real_embedding():
    # on main refused by name ("no SymPy form of logm on complex values"); A times a phase keeps its eigenvalues
    # off the negative real axis; a 1×1 is SymPy's complex log
    def f(x):
        z = dsc.linalg.logm(_complex(x).T * (0.5 - 0.2j))
        one = dsc.linalg.logm(x[8:9].reshape(1, 1) * (0.3 + 0.7j) + 1.0)
        return np.sum(np.real(z * np.conj(z)) * W[2]) + np.imag(np.trace(z) + one[0, 0])

    _close(dl.grad(f, method="symbolic")(X), dl.grad(f, method="reverse")(X))

    # the Hessian, and a real 2×2's (on main refused by name above 1×1: its gradient came from the entry's VJP)
    def g(x):
        z = dsc.linalg.logm(_complex(x))
        r = dsc.linalg.logm(1.5 * np.eye(2) + x[[1, 3, 4, 6]].reshape(2, 2))
        return np.real(np.sum(z * W[2])) + np.imag(z[0, 1]) * np.real(z[1, 0]) + np.sum(r * W[2].T) * r[0, 1]

    _close(dl.hessian(g, method="symbolic")(X[:8]), dl.hessian(g, method="reverse")(X[:8]))


def test_real_matrix_with_a_complex_logarithm_is_nan_with_a_domain_warning():
    def f(x):
        return np.real(np.sum(dsc.linalg.logm(x.reshape(2, 2)) * W[2]))

    x = np.array([-1.0, 0.3, 0.2, 0.8])  # (an eigenvalue below 0: SciPy's logarithm is complex)
    assert np.isfinite(dl.grad(f, method="reverse")(x)).all()
    with pytest.warns(DomainWarning, match="negative real axis.*'forward' or 'reverse'"):
        assert np.isnan(dl.grad(f, method="symbolic")(x)).all()
