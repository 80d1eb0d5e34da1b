"""Review of session 48's merges (extreme51, special50, badin50, numstep49): wrong numbers at points and branches the
merged tests did not sample, each checked against an independent reference (mpmath, SciPy, NumPy)."""

import warnings

import numpy as np

import difflab as dl


def test_reverse_jvp_of_many_outputs_lifts_exp_partial_too():
    # reverse's JVP of m > 8 outputs is the pullback's transpose (base.TRANSPOSE_ROWS), not J v: extreme51's lift
    # covered J v alone, so e^-x's JVP along [3e200, 1, ...] at [800, 1, ...] was -0.0 for 9 outputs and
    # -1.1e-147 for 8 (mpmath: float(-3 * mp.mpf(10) ** 200 * mp.exp(-800)))
    x, v = np.ones(9), np.ones(9)
    x[0], v[0] = 800.0, 3e200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = dl.jvp(lambda x: np.exp(-x), (x,), (v,), method="reverse")[1]
    np.testing.assert_allclose(got, [-1.1003623752533062e-147] + [-0.36787944117144233] * 8, rtol=1e-13)
