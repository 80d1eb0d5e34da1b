"""The complex |z|'s cusp under the numeric method (cabs's length scale |z|, differentiators/scales.py).

d/dx |(x - 1e-15)·(1 + 0j)| at x = 0 is -1 (x sits 1e-15 left of the cusp), as reverse says; the numeric method's
central stencil straddled the cusp and differenced its two sides, -1.65e-10, with no warning (a user's cepstral
envelope through an FFT bin 0 but for round-off: 13.35 for -347.61). cabs has the length scale |z| now, so the step
shrinks to the cusp's side. A bin that is 0 but for round-off (rfft of a signal with no such frequency) moves by its
rounding at every step, not by the step: shrinking cannot bring it within reach, and its |z|'s slope is that rounding
times a tangent that is itself round-off, so the first step is kept (rfft_lowpass of tests/test_user_code11.py was
NaN with a DomainWarning when only the scale was given)."""

import warnings

import numpy as np
import pytest

import difflab as dl


@pytest.mark.parametrize("c, slope", [(1e-15, -1.0), (-1e-15, 1.0), (3e-13, -1.0)])
def test_numeric_takes_the_side_of_the_cusp(c, slope):
    f = lambda x: np.sum(np.abs((x - c) * (1 + 0j)))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = dl.grad(f, method="numeric")(np.zeros(1))
    assert g[0] == pytest.approx(slope, rel=1e-6)
    assert dl.grad(f, method="reverse")(np.zeros(1))[0] == slope


def _spectrum(p):
    """log|rfft| of a filtered 16-point signal with three frequencies: bins 0, 3-5, 7, 8 are round-off (or 0)."""
    t = np.arange(16.0)
    s = np.sin(2 * np.pi * t / 16) + 0.3 * np.sin(2 * np.pi * 6 * t / 16 + 0.4)
    H = np.exp(-((np.fft.rfftfreq(16) / np.exp(p[0])) ** 2)) * (1 + p[1] * np.fft.rfftfreq(16))
    y = np.fft.irfft(np.fft.rfft(s) * H, n=16)
    return np.sum(np.log(np.abs(np.fft.rfft(y)) + 1e-3) * np.arange(1.0, 10.0))


def test_roundoff_bin_keeps_its_step():
    p = np.array([np.log(0.15), 0.3])
    exact = dl.grad(_spectrum, method="reverse")(p)
    assert np.allclose(dl.grad(_spectrum, method="reverse")(p + 1e-12), exact, rtol=1e-9)  # not round-off driven
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = dl.grad(_spectrum, method="numeric")(p)
    assert np.allclose(g, exact, rtol=1e-6)


def test_roundoff_bin_keeps_the_hessians_step():
    """The Hessian's own stencil (scales.hessian_within_reach) keeps its first step there too: main's numbers (the
    stencil's accuracy on this log-spectrum is ~2e-4)."""
    p = np.array([np.log(0.15), 0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        H = dl.hessian(_spectrum, method="numeric")(p)
    assert np.allclose(H, dl.hessian(_spectrum, method="reverse")(p), rtol=1e-4, atol=5e-4)
