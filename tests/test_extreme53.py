"""Issue 11 after extreme52: the last silent 0s where exp's underflowed partial meets a huge factor (3e200·e^-800 =
1.1e-147). dl.hvp's gradient half came from the outer sweep of the inner gradient's trace, whose exp rule is the plain
product t·e^x: -0.0 where dl.grad by the same inner method lifts it."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab import transforms
from difflab.errors import DerivativeRangeWarning

mpmath = pytest.importorskip("mpmath")

X = np.array([800.0, 1.0])


def _want(c, x):
    """d/dx_i of c·Σe^-x in 50 digits, rounded: -c·e^-x_i."""
    with mpmath.workdps(50):
        return np.array([float(-mpmath.mpf(c) * mpmath.exp(-mpmath.mpf(xi))) for xi in x])


def _huge(x):
    return 3e200 * dnp.sum(dnp.exp(-x))


@pytest.mark.parametrize("method", ["reverse", "reverse-over-reverse", "forward"])
def test_the_hvp_gradient_half_lifts_exps_partial(method):
    # main: g = [-0.0, -1.1e200] (H v = [1.1e-147, 0] was right); dl.grad by each inner method lifts it
    want_g, want_hv = _want(3e200, X), -_want(3e200, X) * [1.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        got = [dl.hvp(_huge, (X,), (np.array([1.0, 0.0]),), method=method)]
        p = dl.prepare_hvp(_huge, X, method=method)  # (its later calls: the hot path)
        got += [p((X,), (np.array([1.0, 0.0]),)) for _ in range(3)]
    for g, hv in got:
        np.testing.assert_allclose(g, want_g, rtol=1e-14)
        np.testing.assert_allclose(hv, want_hv, rtol=1e-14)
        assert g[0] == pytest.approx(-1.1003623752533062e-147, rel=1e-14)


def test_an_ordinary_hvp_makes_no_second_gradient_call(monkeypatch):
    # g without an entry below the normal range: one pass per leaf, no gradient call; Σe^-x at [800, 1] without a
    # large factor (its -0.0 right): one gradient call, the entry left as it is
    calls = []
    real = transforms.PreparedHvp._lifted_gradient

    def counting(self, primals, g, hv):
        calls.append(self._g)
        return real(self, primals, g, hv)

    monkeypatch.setattr(transforms.PreparedHvp, "_lifted_gradient", counting)
    grads = []
    monkeypatch.setattr(transforms, "trial_warnings", lambda real=transforms.trial_warnings: grads.append(1) or real())
    p = dl.prepare_hvp(lambda x: dnp.sum(dnp.tanh(x) * dnp.exp(x)), np.ones(3))
    for _ in range(3):
        p((np.array([0.1, 0.2, 0.3]),), (np.ones(3),))
    assert len(calls) == 4 and grads == []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        g, _ = dl.hvp(lambda x: dnp.sum(dnp.exp(-x)), (X,), (np.ones(2),))
    assert g[0] == 0.0 and g[1] == pytest.approx(-np.exp(-1.0), rel=1e-15) and len(grads) == 1
