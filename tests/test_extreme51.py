"""Issue 11 after extreme50: its lift check, which keeps 3e200·e^-800 = 1.1e-147 in compiled code, cost every call whose
exp underflowed harmlessly the exact least lifting factor (`_lift_need`: masks over exp's value and argument, ~15 µs)
and a max|·| per product reading the value. A harmless call now measures each other factor once by a dot, against a
floor of 2^25; only a factor that large looks at the value's small entries (bench/underflow_ab.py, docs/accuracy.md)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.compile import graphs
from difflab.differentiators import reverse
from difflab.errors import DerivativeRangeWarning


def _counting(monkeypatch, name):
    calls = []
    real = getattr(graphs, name)
    monkeypatch.setattr(graphs, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_a_harmless_underflow_costs_one_dot_a_call(monkeypatch):
    # grad of Σ e^z·z = e^z·(1 + z): e^-800 meets z and ū·z, both 800 at most: nothing to lift, compiled, and no
    # exact lifting factor computed (extreme50: every call, 5.3 -> 27 µs)
    z = np.array([0.0, -800.0, 1.0])
    prepared = dl.prepare(lambda z: dnp.sum(dnp.exp(z) * z), z, method="reverse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(3):
            prepared.value_and_grad(z)
        needs, checks = _counting(monkeypatch, "_lift_need"), _counting(monkeypatch, "_lift_lost")
        swept, backward = [], reverse.backward
        monkeypatch.setattr(reverse, "backward", lambda *a, **k: swept.append(2) or backward(*a, **k))
        got = [prepared.value_and_grad(z) for _ in range(4)]
    for value, g in got:
        assert value == pytest.approx(np.e, rel=1e-15)
        np.testing.assert_allclose(g, [1.0, 0.0, 2 * np.e], rtol=1e-15)  # (-799·e^-800: 0 to rounding)
    assert (needs, len(checks), swept) == ([], 4, [])  # one product checked a call (of two reading e^z), none swept


def test_constant_factors_too_small_to_lift_are_not_checked():
    # e·1.5 and e·3.0 are known at lowering not to lift e^-800 (below 2^25): no check, the plain wrappers
    fn = graphs.lower(dl.trace(lambda x: dnp.sum(dnp.exp(-x) * 1.5) + dnp.sum(dnp.exp(-x) * 3e40), np.ones(2)))
    lifted = sorted(k for k in fn.__globals__ if "_lift" in k and k.startswith("op_mul"))
    assert len(lifted) == 1  # the product by 3e40 alone


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_lift_through_a_matmul_on_every_call(method):
    # Σ e^-x @ W with W = [[3e200], [1]]: the gradient -e^-x·W, -1.1e-147 (mpmath) where the plain product is 0
    W = np.array([[3e200], [1.0]])
    g = dl.grad(lambda x: np.sum(np.exp(-x) @ W), method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = [g(np.array([800.0, 1.0])) for _ in range(3)]
    np.testing.assert_allclose(got, [[-1.1003623752533062e-147, -0.36787944117144233]] * 3, rtol=1e-13)


@pytest.mark.parametrize("method, kind", [("forward", "vjp"), ("reverse", "jvp")])
def test_a_product_through_the_jacobian_lifts_exp_partial(method, kind):
    # forward's VJP and reverse's JVP form J first (its entry -e^-800 rounds to 0), then contract it with [3e200, 1]:
    # 0 for -1.1e-147 (mpmath: float(-3 * mp.mpf(10) ** 200 * mp.exp(-800))); now J again at seeds 2^k where it may
    f = lambda x: np.exp(-x)  # noqa: E731
    x, w = np.array([800.0, 1.0]), np.array([3e200, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if kind == "vjp":
            got = [dl.vjp(f, x, method=method)[1](w)[0] for _ in range(3)]
        else:
            got = [dl.jvp(f, (x,), (w,), method=method)[1] for _ in range(3)]
    np.testing.assert_allclose(got, [[-1.1003623752533062e-147, -0.36787944117144233]] * 3, rtol=1e-13)


def test_a_large_cotangent_meeting_a_zero_that_is_no_lost_term_is_kept():
    # relu's dead entry times 1e30: J's 0 is exact (no seed lifts it), the scaled sweep says 0 too; the rest as is
    f = lambda x: np.maximum(x, 0.0) * 2.0  # noqa: E731
    _, pullback = dl.vjp(f, np.array([-1.0, 3.0]), method="forward")
    np.testing.assert_array_equal(pullback(np.array([1e30, 1.0]))[0], [0.0, 2.0])


@pytest.mark.parametrize("x", [np.array([800.0, 1.0]), np.array([800.0])])
def test_the_symbolic_methods_rounded_partial_is_said(x, monkeypatch):
    # symbolic evaluates -e^-x·v in closed form, e^-800 as 0: its VJP and JVP along 3e200 were 0 for -1.1e-147; said,
    # naming exp's equation (its directional code, and J formed for one input), where its closed form cannot be
    # evaluated in 40 digits (extreme52 does that: here a program too large for it, EXACT_MAX 0)
    from difflab.differentiators import program

    monkeypatch.setattr(program, "EXACT_MAX", 0)
    f = lambda x: np.exp(-x)  # noqa: E731
    w = np.full(x.shape, 3e200)
    w[1:] = 1.0
    with pytest.warns(DerivativeRangeWarning, match=r"= exp\(.*the partial of exp underflowed"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)  # (NumPy's of f's value)
            dl.vjp(f, x, method="symbolic")[1](w)
    with pytest.warns(DerivativeRangeWarning, match=r"= exp\(.*the partial of exp underflowed"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)  # (NumPy's of f's value)
            dl.jvp(f, (x,), (w,), method="symbolic")


def test_the_symbolic_method_says_nothing_where_no_term_is_lost():
    # e^-800 times a cotangent of 1, and e^-1 times 3e200: nothing lifted, nothing said
    f = lambda x: np.exp(-x)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        got = dl.vjp(f, np.array([800.0, 1.0]), method="symbolic")[1](np.array([1.0, 3e200]))[0]
    np.testing.assert_allclose(got, [0.0, -3e200 / np.e], rtol=1e-15)
