"""Issue 11 after extreme53: two silent 0s where exp's underflowed partial meets a huge factor (3e200·e^-800 =
1.1e-147). `dl.linearize`'s map applied its stored J (reverse, symbolic) or tangent program (forward) without the
lifting dl.jvp has (extreme51/52); the numeric hvp's H v differenced the traced gradient, where e^-800 is 0 at every
point, and said nothing."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab import transforms
from difflab.errors import DerivativeRangeWarning

mpmath = pytest.importorskip("mpmath")

X = np.array([800.0, 1.0])
W = np.array([3e200, 1.0])


def _want(w, x):
    """d/dt exp(-(x + t·w)) at t = 0 in 50 digits, rounded: -w_i·e^-x_i."""
    with mpmath.workdps(50):
        return np.array([float(-mpmath.mpf(wi) * mpmath.exp(-mpmath.mpf(xi))) for wi, xi in zip(w, x)])


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic"])
def test_linearize_along_a_large_tangent_lifts_exps_partial(method):
    # main: [0.0 (or -0.0), -e^-1] silently, where dl.jvp gives -1.1003623752533062e-147 (extreme51/52)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        _, lin = dl.linearize(lambda x: dnp.exp(-x), X, method=method)
        got = [lin(W) for _ in range(2)]
        plain = dl.jvp(lambda x: dnp.exp(-x), (X,), (W,), method=method)[1]
        ordinary = lin(np.array([1.0, 2.0]))  # (a harmless e^-800: its 0 stays)
    for g in [*got, plain]:
        np.testing.assert_allclose(g, _want(W, X), rtol=1e-14)
        assert g[0] == pytest.approx(-1.1003623752533062e-147, rel=1e-14)
    assert ordinary[0] == 0.0 and ordinary[1] == pytest.approx(-2 / np.e, rel=1e-15)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_an_ordinary_linearize_call_sweeps_nothing_again(monkeypatch, method):
    # the map looks again only where v has an entry of 2^25 or more and J v one below the normal range, for a graph
    # with an op that may lift: then forward's prepared JVP once (reverse: a pullback sweep per such entry)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        _, lin = dl.linearize(lambda x: dnp.exp(-x), X, method=method)
        sweeps = []
        name = "jvp" if method == "forward" else "_vjp"
        real = getattr(lin._prep, name)
        monkeypatch.setattr(lin._prep, name, lambda *a: sweeps.append(1) or real(*a))
        interpreted = []
        monkeypatch.setattr(transforms, "evaluate", lambda *a, **k: interpreted.append(1))
        lin(np.array([1.0, 1.0]))  # J v has a 0, v is small
        _, far = dl.linearize(lambda x: dnp.exp(-x), np.array([1.0, 2.0]), method=method)
        far(W)  # v is large, J v normal
        assert sweeps == [] and interpreted == []
        got = lin(W)
    assert sweeps == [1] and interpreted == []
    assert got[0] == pytest.approx(-1.1003623752533062e-147, rel=1e-14)


def _huge(x):
    return 3e200 * dnp.sum(dnp.exp(-x))


def test_the_numeric_hvp_says_the_term_it_cannot_resolve():
    # H v of 3e200·Σe^-x at [800, 1] along [1, 0] is [3e200·e^-800, 0] = [1.1e-147, 0] (the "reverse" pair's): the
    # numeric pair's differences of the traced gradient see e^-800 as 0 at every point: 0, silently on main; now said,
    # naming exp's equation, as numeric's own JVP of 3e200·e^-x at [800, 1] along [1, 0]. A harmless e^-800 says nothing.
    said = r"v2 = exp\(v1\): the partial of exp underflowed.*numeric method's differences of f's values"
    v = np.array([1.0, 0.0])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        with pytest.warns(DerivativeRangeWarning, match=said):
            g, hv = dl.hvp(_huge, (X,), (v,), method="numeric")
        with pytest.warns(DerivativeRangeWarning, match=said):
            _, jv = dl.jvp(lambda x: 3e200 * dnp.exp(-x), (X,), (v,), method="numeric")
        warnings.simplefilter("error", DerivativeRangeWarning)
        _, right = dl.hvp(_huge, (X,), (v,), method="reverse")
        _, quiet = dl.hvp(lambda x: dnp.sum(dnp.exp(-x)), (X,), (v,), method="numeric")
        _, quiet_jv = dl.jvp(lambda x: dnp.exp(-x), (X,), (np.ones(2),), method="numeric")
    np.testing.assert_allclose(right, -_want([3e200, 0.0], X), rtol=1e-14)
    assert hv[0] == jv[0] == quiet[0] == quiet_jv[0] == 0.0 and hv[1] == quiet[1] == 0.0
    assert g[0] == pytest.approx(-1.1003623752533062e-147, rel=1e-14)
    assert quiet_jv[1] == pytest.approx(-1 / np.e, rel=1e-7)


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic"])
def test_the_transposed_linearisation_and_a_two_argument_pullback(method):
    # u -> uᵀJ of exp(-x)·y at x = [800, 1], y = 2 along u = [3e200, 1]: x's cotangent -2·3e200·e^-800 (main: 0,
    # silently); symbolic's pullback of it (m = 2 outputs, n = 3 inputs) raised a bare IndexError on main (its lift
    # read J's columns as rows)
    def f(x, y):
        return dnp.exp(-x) * y

    want_x = 2.0 * _want(W, X)
    with mpmath.workdps(50):
        want_y = float(3e200 * mpmath.exp(-800) + mpmath.exp(-1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        _, lin = dl.linearize(f, X, 2.0, method=method)
        got = [dl.linear_transpose(lin)(W), dl.vjp(f, X, 2.0, method=method)[1](W)]
        jv = lin(W, 0.0)
    for gx, gy in got:
        np.testing.assert_allclose(gx, want_x, rtol=1e-14)
        assert gy == pytest.approx(want_y, rel=1e-14)
    np.testing.assert_allclose(jv, want_x, rtol=1e-14)
