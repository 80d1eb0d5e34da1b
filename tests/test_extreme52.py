"""Issue 11 after extreme51: the last silent 0s where exp's underflowed partial meets a huge factor. Forward's gradient
of 3e200·Σe^-x at [800, 1]: the factor comes after a sum, so the tangent -e^-800 (seed 1) was 0 before it met 3e200;
compiled code kept the 0 (the product it checks reads e^-x with the seed), the interpreter lost it too, and its rescale
at 2^k overflowed the other row (-1.1e200). Derived values (a sum or product of exp's value) now carry its mark to a
later product, and forward's rows are rescaled one by one."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.compile import graphs
from difflab.differentiators import forward
from difflab.errors import DerivativeRangeWarning

mpmath = pytest.importorskip("mpmath")


def _want(c, x):
    """d/dx_i of c·Σe^-x in 50 digits, rounded: -c·e^-x_i."""
    with mpmath.workdps(50):
        return np.array([float(-mpmath.mpf(c) * mpmath.exp(-mpmath.mpf(xi))) for xi in x])


@pytest.mark.parametrize("compiled", [True, False])
def test_forward_gradient_lifts_exp_partial_after_a_sum(compiled):
    # main: [0, -1.1e200] on every call (compiled silently, interpreted with a warning); mpmath: [-1.1e-147, ...]
    x = np.array([800.0, 1.0])
    g = dl.grad(lambda x: 3e200 * np.sum(np.exp(-x)), method=dl.Forward(compiled=compiled))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)  # (NumPy's, of f's own value)
        got = [g(x) for _ in range(3)]
    np.testing.assert_allclose(got, [_want(3e200, x)] * 3, rtol=1e-13)
    assert got[0][0] == pytest.approx(-1.1003623752533062e-147, rel=1e-13)


def _counting(monkeypatch, owner, name):
    calls = []
    real = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_a_harmless_underflow_stays_compiled_in_forward(monkeypatch):
    # 3·Σe^-x and Σe^z·z: e^-800's 0 times 3, or its tangent times z: no factor of 2^25 meets it: no interpreted
    # sweep after the first calls, and no exact lifting factor computed (counted, not timed)
    cases = [
        (lambda x: 3.0 * dnp.sum(dnp.exp(-x)), np.array([800.0, 1.0])),
        (lambda z: dnp.sum(dnp.exp(z) * z), np.array([0.0, -800.0, 1.0])),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        prepared = [(dl.prepare(f, x, method="forward"), x) for f, x in cases]
        for p, x in prepared:
            for _ in range(3):
                p.value_and_grad(x)
        pushed, needs = _counting(monkeypatch, forward, "push"), _counting(monkeypatch, graphs, "_lift_need")
        checks = _counting(monkeypatch, graphs, "_lift_lost")
        got = [p.value_and_grad(x)[1] for p, x in prepared for _ in range(2)]
    np.testing.assert_allclose(got[0], [0.0, -3 / np.e], rtol=1e-15)
    np.testing.assert_allclose(got[2], [1.0, 0.0, 2 * np.e], rtol=1e-15)
    assert (pushed, needs) == ([], [])
    assert len(checks) >= 2  # (each call's derived products checked their factors: a dot each)
