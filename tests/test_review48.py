"""Review of session 48's merges (extreme51, special50, badin50, numstep49): wrong numbers at points and branches the
merged tests did not sample, each checked against an independent reference (mpmath, SciPy, NumPy)."""

import warnings

import numpy as np
import pytest

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


def test_badin50s_checks_take_what_they_took_before():
    # badin50's new refusals, of input that worked on main (train documents seed=None; bool labels are 0 and 1)
    from difflab import nn

    model = nn.MLP([2, 3, 2])
    assert model.init(None)["W0"].shape == (2, 3)  # (was "seed must be an int >= 0, got None", train's too)
    data = nn.load_dataset("xor", n=20, seed=0)
    assert nn.train(model, data, epochs=1, seed=None).status == "completed"
    logits = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert nn.accuracy(logits, np.array([True, False, False])) == pytest.approx(2 / 3)  # (was refused: True)


def test_numpy_ints_as_positions_and_axes():
    # nondiff_argnums took Python ints alone ((np.int64(0),) refused) where static_argnums takes NumPy's; a 0-d
    # integer array is an axis to NumPy (np.sum(x, axis=np.array(1))) and was "iteration over a 0-d array"
    for kind in (dl.custom_jvp, dl.custom_vjp):
        f = kind(lambda n, x: n * np.sin(x), nondiff_argnums=(np.int64(0),))
        if kind is dl.custom_jvp:
            f.defjvp(lambda n, p, t: (n * np.sin(p[0]), n * np.cos(p[0]) * t[0]))
        else:
            f.defvjp(lambda n, x: (n * np.sin(x), np.cos(x)), lambda n, c, g: (n * c * g,))
        assert dl.grad(lambda x: f(3.0, x))(0.5) == pytest.approx(3.0 * np.cos(0.5), rel=1e-15)
    x = np.arange(6.0).reshape(2, 3)
    got = dl.grad(lambda x: np.sum(np.sum(x, axis=np.array(1)) ** 2))(x)
    np.testing.assert_allclose(got, 2 * np.repeat(np.sum(x, axis=1, keepdims=True), 3, axis=1), rtol=1e-15)


@pytest.mark.parametrize("method, kind", [("reverse", "jvp"), ("symbolic", "jvp"), ("symbolic", "vjp")])
def test_an_exact_zero_along_a_large_tangent_forms_no_jacobian(method, kind, monkeypatch):
    # extreme51's lift formed J (and swept it again) wherever a result entry was below the normal range and w had an
    # entry of 2^25+: x² at x = 0 along 1e8 has no term to lift (no exp), and cost J's rows twice (n = 200:
    # reverse's JVP 0.25 -> 13.5 ms, symbolic's pullback 0.06 -> 8.4 ms)
    from difflab.differentiators import base

    formed = []
    jacobian = base.Prepared.jacobian
    monkeypatch.setattr(base.Prepared, "jacobian", lambda self, args: formed.append(1) or jacobian(self, args))
    x = np.linspace(-1.0, 1.0, 11)[1:]
    x[0], v = 0.0, np.full(10, 1e8)  # (10 outputs: reverse's JVP is the pullback's transpose beyond 8)
    f = lambda x: x**2  # noqa: E731
    got = dl.jvp(f, (x,), (v,), method=method)[1] if kind == "jvp" else dl.vjp(f, x, method=method)[1](v)[0]
    np.testing.assert_allclose(got, 2 * x * v, rtol=1e-15)
    assert formed == []


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_a_lift_beside_a_large_partial_and_a_zero_seed(method):
    # J again at seed 2^997 (w's largest entry 1e300) makes a partial of 1e10 inf, which w's 0 met: NaN, so the lift
    # was dropped and -1e300·e^-800 = -3.67e-48 (mpmath: float(-mp.mpf(10) ** 300 * mp.exp(-800))) stayed 0
    # (forward's VJP, reverse's JVP; the native products were right)
    x, lifted = np.array([800.0, 1.0]), -3.6678745841776873e-48
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "forward":  # (J's column 0 at seed 2^997: [-2^997·e^-800, inf, 0])
            f = lambda x: np.stack([np.exp(-x[0]), 1e10 * x[0], x[1]])  # noqa: E731
            got = dl.vjp(f, x, method=method)[1](np.array([1e300, 0.0, 1.0]))[0]
        else:  # (J's row 0 at seed 2^997: [-2^997·e^-800, inf])
            f = lambda x: np.stack([np.exp(-x[0]) + 1e10 * x[1], x[1]])  # noqa: E731
            got = dl.jvp(f, (x,), (np.array([1e300, 0.0]),), method=method)[1]
    np.testing.assert_allclose(got, [lifted, 1.0 if method == "forward" else 0.0], rtol=1e-13)
