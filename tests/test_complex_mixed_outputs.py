"""A function with a complex and a real output at a complex leaf: the real output's tangent is real.

Reverse mode's J v of such a function pulled the cotangent i·u back through the real output too (i·u is no
cotangent of a real output), and gave the real output's tangent a made-up imaginary part (found by the symbolic
eig work: 0.283-1.014j where every other method and central differences give 0.283). The tangent of a real
output is a real array, as JAX's.
"""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

RNG = np.random.default_rng(1)
Z = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)
V = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)


def mixed(z):
    return z * z, dnp.abs(z) ** 3


@pytest.mark.parametrize("method", ["forward", "reverse", "numeric"])
def test_the_real_outputs_tangent_is_real_and_right(method):
    (sq, mag), (dsq, dmag) = dl.jvp(mixed, (Z,), (V,), method=method)
    h = 1e-7  # central differences along V of each output
    want_sq = ((Z + h * V) ** 2 - (Z - h * V) ** 2) / (2 * h)
    want_mag = (np.abs(Z + h * V) ** 3 - np.abs(Z - h * V) ** 3) / (2 * h)
    assert np.asarray(dmag).dtype.kind == "f"  # real, as the output
    np.testing.assert_allclose(dmag, want_mag, rtol=1e-6)
    np.testing.assert_allclose(dsq, want_sq, rtol=1e-6)
    np.testing.assert_allclose(mag, np.abs(Z) ** 3, rtol=1e-15)


def test_reverse_jacobian_rows_of_the_real_output_are_real():
    """The rows reverse mode pulls back one unit cotangent at a time: a real output's are real."""
    f = lambda x: (x[0] * np.exp(1j * x[1]), x[0] * x[1])  # noqa: E731  (a complex and a real output of reals)
    x = np.array([1.5, 0.4])
    jf, jr = dl.jacobian(f, method="forward")(x), dl.jacobian(f, method="reverse")(x)
    np.testing.assert_allclose(jr[1], [0.4, 1.5], rtol=1e-15)
    assert np.asarray(jr[1]).dtype.kind == "f"
    np.testing.assert_allclose(jr[0], jf[0], rtol=1e-15)
