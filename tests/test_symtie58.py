"""The symbolic method's integer values equal NumPy's at a tie: a comparison reads its operands as the trace
computed them, not rewritten by the shared-subexpression pass (x/y as x·(1/y) is an ulp off, and 1.0 < 1.0 flips)."""

import numpy as np

import difflab as dl
import difflab.numpy as dnp

# column 0's cumulative weights end on a tie (cdf[1] / cdf[2] is exactly 1.0); column 1 is all NaN (0/0)
W = np.array([[0.2596057923828198, 0.0], [0.7074700309241969, 1.2851251887272652], [0.0, 0.7565197061789256]])
A = np.array([[-1.0, np.nan], [-0.07, np.nan], [np.nan, np.nan]])


def _rank(a):
    cdf = dnp.cumsum(dnp.where(dnp.isnan(a), 0.0, W), axis=0)
    return dnp.count_nonzero(cdf / cdf[-1] < 1.0, axis=0)  # NumPy's: [1, 0] (0.27 < 1; 1.0 < 1 is False)


def test_count_at_a_tie_times_an_input():
    # f(a) = rank · a[1, 0]: ∂f₀/∂a[1, 0] is rank₀ = 1 (it was 2: 1.0 < 1.0 held in the generated code)
    f = lambda a: _rank(a) * a[1, 0]  # noqa: E731
    J = np.asarray(dl.jacobian(f, method="symbolic")(A))
    assert J[0, 1, 0] == 1.0 and J[1, 1, 0] == 0.0
    np.testing.assert_array_equal(np.nan_to_num(J, nan=7.0), np.nan_to_num(dl.jacobian(f)(A), nan=7.0))


def test_count_at_a_tie_as_an_index():
    # the rank picks the element: row 1 of column 0 (it picked row 2, a NaN's zero)
    f = lambda a: dnp.ravel(a)[_rank(a) * 2 + np.arange(2)]  # noqa: E731
    J = np.asarray(dl.jacobian(f, method="symbolic")(A)).reshape(2, 6)
    assert J[0, 2] == 1.0 and J[0, 0] == 0.0
