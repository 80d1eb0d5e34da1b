"""scipy.special's next names (issue 11, special51): the modified Fresnel integrals modfresnelp and modfresnelm (four
real entries each, Re/Im of F± and K±, their slopes their own values: F±′ = -e^(±ix²), K±′ = ∓2ix·K± - e^(∓iπ/4)/√π;
Im F± at x < 0 by reflection, SciPy's being wrong there), and the sequences lmbda (₀F₁(; u + 1; -x²/4) over hyp0f1), lqn
(Legendre's Qₖ: forward recurrence for |z| ≤ 1.1, ₂F₁ above), lqmn (Qₖʲ: recurrence in j inside (-1, 1), ₂F₁ outside),
pbvv_seq and pbdn_seq (over pbvv and pbdv).
References: mpmath's diff at 40 digits of √π/2·e^(±iπ/4) - √(π/2)·(C(u) ± i·S(u)), u = x√(2/π) (mpmath's fresnelc/s)
and e^(∓i(x² + π/4))·F±/√π, of hyp0f1(u + 1, -x²/4), of legenq (type 2 inside (-1, 1), type 3 outside), of pcfv(-v -
1/2, x) and pcfd(k, x), written out below."""

import numpy as np
import pytest

import difflab as dl
from difflab.ops.special import _FORMS
from special_cases import check_against_mpmath

sc = pytest.importorskip("scipy.special")
dsp = pytest.importorskip("difflab.scipy.special")


def _fresnel(name, j, part):
    """Part `part` (0: real, 1: imaginary) of output j (0: F, 1: K) of difflab.scipy.special.`name`(x)."""
    return lambda x: (np.real, np.imag)[part](getattr(dsp, name)(x)[j])


#: name -> (function, the differentiated argument, the point, rtol, mpmath's first and second derivatives there)
CASES = {
    "modfresnelp-Im F": (_fresnel("modfresnelp", 0, 1), 0, (0.7,), 1e-15, (-0.470625888171158, -1.2352660020541701)),
    # (Im K′ = -2x·Re K + 1/√(2π): 0.023 of terms ~0.4)
    "modfresnelp-Im K": (_fresnel("modfresnelp", 1, 1), 0, (0.7,), 1.2e-14, (0.023375615427711997, -0.20356748325065332)),
    # (x < 0: SciPy's Im F there is wrong, read by reflection)
    "modfresnelp-Im F<0": (_fresnel("modfresnelp", 0, 1), 0, (-1.5,), 1e-15, (-0.7780731968879212, -1.8845208681682173)),
    # (K′ = ∓2ix·K - e^(∓iπ/4)/√π: two terms ~1/√π cancel to ~1/x², 2x²ε; the second derivative ~x⁴ε)
    "modfresnelp-Re K3": (_fresnel("modfresnelp", 1, 0), 0, (3.0,), 2e-13, (-0.024659752029167804, 0.017318898102685658)),
    "modfresnelm-Im F": (_fresnel("modfresnelm", 0, 1), 0, (0.7,), 1e-15, (0.470625888171158, 1.2352660020541701)),
    "modfresnelm-Im K": (_fresnel("modfresnelm", 1, 1), 0, (0.7,), 1.2e-14, (-0.023375615427711997, 0.20356748325065332)),
    "modfresnelm-Im F<0": (_fresnel("modfresnelm", 0, 1), 0, (-1.5,), 1e-15, (0.7780731968879212, 1.8845208681682173)),
    "modfresnelm-Re K3": (_fresnel("modfresnelm", 1, 0), 0, (3.0,), 2e-13, (-0.024659752029167804, 0.017318898102685658)),
    "lmbda": (lambda v, x: dsp.lmbda(v, x)[0][1], 1, (1.5, 0.7), 1e-15, (-0.1351662016140631, -0.17947146720724141)),
    "lmbda-x=0": (lambda v, x: dsp.lmbda(v, x)[0][0], 1, (0.5, 0.0), 1e-15, (0.0, -1.0 / 3.0)),
    "lqn-inside": (lambda n, x: dsp.lqn(n, x)[0][3], 1, (3, 0.4), 1e-15, (-2.650904202867604, -3.671258346276031)),
    "lqn-near-1": (lambda n, x: dsp.lqn(n, x)[0][2], 1, (3, 1.05), 1e-14, (-6.907221555916325, 174.7196739834592)),
    "lqn-far": (lambda n, x: dsp.lqn(n, x)[0][4], 1, (4, -2.5), 2e-15, (-0.0007226151265636261, -0.0019393771104273955)),
    "lqmn-inside": (lambda m, n, x: dsp.lqmn(m, n, x)[0][m, n], 2, (2, 3, 0.4), 1e-15, (23.57203535165522, 49.02247503176481)),
    "lqmn-m>n": (lambda m, n, x: dsp.lqmn(m, n, x)[0][m, n], 2, (4, 2, -0.7), 1e-15, (893.7738878711804, -8880.268302449545)),
    "lqmn-outside": (lambda m, n, x: dsp.lqmn(m, n, x)[0][m, n], 2, (1, 2, 1.3), 3e-15, (1.632102853950757, -10.430817548057144)),
    # ((z² - 1)^(j/2)·dʲQₖ/dzʲ, SciPy's: mpmath's type-3 legenq times (-1)ʲ at z < -1)
    "lqmn-z<-1": (lambda m, n, x: dsp.lqmn(m, n, x)[0][m, n], 2, (3, 1, -2.5), 1e-15, (1.7101157112371648, 2.8049516956800056)),
    "pbvv_seq": (lambda v, x: dsp.pbvv_seq(v, x)[0][2], 1, (2.5, 1.3), 1e-14, (-0.10986667675731614, 0.9812217382910854)),
    "pbdn_seq": (lambda n, x: np.real(dsp.pbdn_seq(n, x)[0][3]), 1, (3, 1.3), 1e-14, (2.082192899683656, 3.4349727093175204)),
}  # fmt: skip

#: none under symbolic here: its first use imports SymPy (~0.7 CPU-s of this file's budget); test_registry translates
#: every entry, and the itstruve0 test below checks that symbolic's named function computes the same value
SYMBOLIC: set = set()


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_match_mpmath(name):
    check_against_mpmath(CASES, SYMBOLIC, name)


def test_modfresnel_values_are_scipys_and_right_at_negative_x():
    """SciPy's pairs bit for bit at x ≥ 0; at x < 0 Re F and K are SciPy's and Im F is √(π/2)·(1/2 - S(u)) (mpmath's
    at u = x√(2/π), -1.5: 1.4048948729645587), where SciPy's modfresnelp(-1.5)[0] has -0.2725."""
    for x in (0.0, 0.7, 3.0, 12.0):
        for name in ("modfresnelp", "modfresnelm"):
            assert all(np.array_equal(a, b) for a, b in zip(getattr(dsp, name)(x), getattr(sc, name)(x))), (name, x)
    for name, sign in (("modfresnelp", 1.0), ("modfresnelm", -1.0)):
        (f, k), (sf, sk) = getattr(dsp, name)(-1.5), getattr(sc, name)(-1.5)
        assert f.real == sf.real and k == sk
        np.testing.assert_allclose(f.imag, sign * 1.4048948729645587, rtol=1e-15)
        assert abs(sf.imag - f.imag) > 1  # (SciPy's)
        value = dl.value_and_grad(lambda t, name=name: np.imag(getattr(dsp, name)(t)[0]))(-1.5)[0]
        assert float(value) == f.imag


def test_the_sequences_are_scipys_and_their_slopes_its_derivatives():
    """Values against SciPy's and the Jacobian of the first array against SciPy's second (and against the front's own
    second array); SciPy's lmbda at x = 0 of a whole v (its Λ₁(0) = 0, Λ₁′(0) = 0.5; Λ_u(0) = 1) and its lqn at
    z = -2.5 (1.3e-9 off legenq) are compared against the true values instead."""
    for fn, args, tol in (
        ("pbvv_seq", (2.5, 1.3), 3e-15),
        ("pbvv_seq", (0.3, -0.8), 3e-15),  # (SciPy's sequence and its pbvv ufunc: two recurrences)
        ("pbdn_seq", (3, 1.3), 0.0),
        ("lmbda", (2.5, 0.7), 1e-15),
        ("lmbda", (3.0, 5.0), 2e-14),
        ("lqn", (5, 0.4), 1e-15),
        ("lqn", (4, 1.3), 2e-14),
    ):
        ours, theirs = getattr(dsp, fn)(*args), getattr(sc, fn)(*args)
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=0, err_msg=fn)
        jac = dl.jacobian(lambda t, fn=fn, args=args: np.real(getattr(dsp, fn)(args[0], t)[0]))(args[1])
        np.testing.assert_allclose(jac, np.real(theirs[1]), rtol=max(tol, 1e-15), err_msg=fn)
        np.testing.assert_allclose(jac, np.real(ours[1]), rtol=1e-15, err_msg=fn)
    for z in (0.4, -0.7, 1.5, -2.5, 10.0):  # (4 × 6: orders m above degrees n too)
        for ours, theirs in zip(dsp.lqmn(3, 5, z), sc.lqmn(3, 5, z)):
            np.testing.assert_allclose(ours, theirs, rtol=3e-15, atol=0, err_msg=str(z))
        jac = dl.jacobian(lambda t: dsp.lqmn(3, 5, t)[0])(z)
        np.testing.assert_allclose(jac, sc.lqmn(3, 5, z)[1], rtol=3e-15, err_msg=str(z))
    assert dsp.pbdn_seq(2, 0.5)[0].dtype == np.complex128
    values, slopes = dsp.lmbda(2.0, 0.0)
    assert np.array_equal(values, [1.0, 1.0, 1.0]) and np.array_equal(slopes, [0.0, 0.0, 0.0])
    q = dsp.lqn(2, -2.5)[0]  # mpmath's legenq(2, 0, -2.5, type=3) (SciPy's: -0.009884255468216085, 5e-15 off)
    np.testing.assert_allclose(q[2], -0.009884255468216035, rtol=1e-15)


def test_orders_are_refused_and_bad_arguments_named():
    with pytest.raises(TypeError, match=r"lqn\(n, x\) is differentiable in x only: n"):
        dl.grad(lambda n: dsp.lqn(n, 0.3)[0][0])(1.0)
    with pytest.raises(TypeError, match=r"lmbda\(v, x\) is differentiable in x only: v"):
        dl.grad(lambda v: dsp.lmbda(v, 0.3)[0][0])(1.0)
    with pytest.raises(ValueError, match=r"pbvv_seq: v = -0.5 < 0 is not supported"):
        dsp.pbvv_seq(-0.5, 1.3)
    with pytest.raises(ValueError, match=r"pbdn_seq: n must be a non-negative integer, got -2"):
        dsp.pbdn_seq(-2, 1.3)
    with pytest.raises(ValueError, match=r"lqn: arguments must be scalars"):
        dsp.lqn(2, np.array([0.1, 0.2]))
    with pytest.raises(TypeError, match=r"lqmn\(m, x\) is differentiable in x only: m"):
        dl.grad(lambda m: dsp.lqmn(m, 2, 0.3)[0][0, 0])(1.0)
    with pytest.raises(ValueError, match=r"lqmn: n must be a non-negative integer, got 1.5"):
        dsp.lqmn(1, 1.5, 0.3)
    with pytest.raises(ValueError, match=r"lmbda: v = -1.0 < 0"):
        dsp.lmbda(-1.0, 0.3)


def test_itstruve0_is_right_where_scipys_is_not():
    """SciPy's itstruve0 loses digits beyond |x| = 8 and is wrong from about 35 (a random graph met 4.27 at 57.07, where
    the integral is 3.2819 and its slope H₀ ~ -0.017: numeric -199.6 for reverse's -0.93): now SciPy's at 8 plus a
    Gauss-Legendre ∫₈ˣ H₀ to 30 and ∫₀ˣ Y₀ + ∫₀ˣ (H₀ - Y₀)'s asymptotic series beyond. Against mpmath's quad of
    struveh (25 digits), and the numeric method agreeing with the exact slope at 57.07 (wrong on main: 3e-1, 0.99 at
    39.9, 5.8e-6 at 30)."""
    points = np.array([-57.067242288755075, 12.5, 20.0, 30.0, 35.0, 39.9, 45.0, 100.0])
    expected = [3.2819261540697946, 2.2792025231581627, 2.5484516922939573, 3.0625892611016425, 3.198505925672124,
                3.1342813960511116, 3.116222716748044, 3.720914252854685]  # fmt: skip
    np.testing.assert_allclose(dl.vmap(lambda t: sc.itstruve0(t) * 1.0)(points), expected, rtol=3e-14)
    named = _FORMS["itstruve0"][2]  # (what the symbolic method's named SymPy function computes: not SciPy's)
    np.testing.assert_allclose(float(named(57.0)), 3.2832927239118743, rtol=1e-15)
    slope = dl.grad(lambda t: sc.itstruve0(t), method="numeric")(57.067242288755075)
    np.testing.assert_allclose(float(slope), sc.struve(0.0, 57.067242288755075), rtol=1e-6)
