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
        p = dl.prepare_hvp(_huge, X, method=method)  # (its later calls: the hot path, forward outer methods)
        got += [p((X,), (np.array([1.0, 0.0]),)) for _ in range(3)]
    assert (p._hot is not None) == (method != "reverse-over-reverse")
    for g, hv in got:
        np.testing.assert_allclose(g, want_g, rtol=1e-14)
        np.testing.assert_allclose(hv, want_hv, rtol=1e-14)
        assert g[0] == pytest.approx(-1.1003623752533062e-147, rel=1e-14)


def test_an_ordinary_hvp_makes_no_second_gradient_call(monkeypatch):
    # the hot path looks at g only where its compiled code counted an underflow, the general path once per call (a
    # pass per leaf); g without an entry below the normal range: no gradient call; Σe^-x at [800, 1] without a
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
    assert len(calls) == 2 and grads == [] and p._hot is not None  # (prepare_hvp's call, the one arming it)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        g, _ = dl.hvp(lambda x: dnp.sum(dnp.exp(-x)), (X,), (np.ones(2),))
    assert g[0] == 0.0 and g[1] == pytest.approx(-np.exp(-1.0), rel=1e-15) and len(grads) == 1


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_vmap_of_a_pullback_over_large_cotangents(method):
    # main: the row [3e200, 1] pulled back [-0.0, -e^-1] (reverse: exp's rule recorded the plain product with the
    # traced cotangent; forward, symbolic: the traced cotangent contracted with J formed on values), silently
    W = np.array([[3e200, 1.0], [1.0, 1.0], [1.0, 3e200]])
    with warnings.catch_warnings():  # (what each row alone says, said: reverse's row [1, 3e200] warns alone too)
        warnings.simplefilter("ignore")
        pullback = dl.vjp(lambda x: dnp.exp(-x), X, method=method)[1]
        (got,) = dl.vmap(pullback)(W)
        pushed = dl.vmap(lambda v: dl.jvp(lambda x: dnp.exp(-x), (X,), (v,), method=method)[1])(W)
    want = np.array([[_want(wi, [xi])[0] for wi, xi in zip(w, X)] for w in W])  # (-w_i·e^-x_i in 50 digits)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_allclose(pushed, want, rtol=1e-14)
    assert got[0, 0] == pytest.approx(-1.1003623752533062e-147, rel=1e-14)


def test_the_numeric_method_says_the_term_it_cannot_resolve():
    # its differences of f's values see e^-800 as 0 at every point: grad, VJP and JVP along [3e200, 1], and H[0, 0]
    # (3e200·e^-800) were 0 for
    # -1.1e-147 silently; now said, naming exp's equation. A harmless e^-800 (no large factor) says nothing.
    w = np.array([3e200, 1.0])
    said = r"v2 = exp\(v1\): the partial of exp underflowed.*numeric method's differences"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        with pytest.warns(DerivativeRangeWarning, match=said):
            g = dl.grad(_huge, method="numeric")(X)
        with pytest.warns(DerivativeRangeWarning, match=said):
            (pulled,) = dl.vjp(lambda x: dnp.exp(-x), X, method="numeric")[1](w)
        with pytest.warns(DerivativeRangeWarning, match=said):
            pushed = dl.jvp(lambda x: dnp.exp(-x), (X,), (w,), method="numeric")[1]
        with pytest.warns(DerivativeRangeWarning, match=said):
            H = dl.hessian(_huge, method="numeric")(X)
        warnings.simplefilter("error", DerivativeRangeWarning)
        quiet = dl.grad(lambda x: dnp.sum(dnp.exp(-x)), method="numeric")(X)
        quiet_h = dl.hessian(lambda x: dnp.sum(dnp.exp(-x)), method="numeric")(X)
    assert g[0] == pulled[0] == pushed[0] == quiet[0] == H[0, 0] == quiet_h[0, 0] == 0.0
    np.testing.assert_allclose([g[1], pulled[1], quiet[1]], [-3e200 / np.e, -1 / np.e, -1 / np.e], rtol=1e-7)


def test_the_symbolic_hessian_lifts_exps_partial(monkeypatch):
    # H[0, 0] of 3e200·Σe^-x at [800, 1] is 3e200·e^-800: main's closed form 0.0 (and its hvp's H v), silently;
    # forward and reverse Hessians were right. A harmless e^-800 (Σe^-x): the rules' Hessian says 0, nothing exact.
    from difflab.differentiators import program

    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        H = dl.hessian(_huge, method="symbolic")(X)
        _, hv = dl.hvp(_huge, (X,), (np.array([1.0, 0.0]),), method="symbolic")
        exacts = []
        real = program.exact
        monkeypatch.setattr(program, "exact", lambda *a, **k: exacts.append(1) or real(*a, **k))
        quiet = dl.hessian(lambda x: dnp.sum(dnp.exp(-x)), method="symbolic")(X)
    np.testing.assert_allclose(np.diag(H), -_want(3e200, X), rtol=1e-14)
    assert H[0, 1] == H[1, 0] == 0.0
    np.testing.assert_allclose(hv, [-_want(3e200, X)[0], 0.0], rtol=1e-14)
    assert quiet[0, 0] == 0.0 and quiet[1, 1] == pytest.approx(np.exp(-1.0), rel=1e-15) and exacts == []
