"""scipy.special's next names (issue 11, special47): binom in n and k (and comb, exact=False, over it), powm1,
wrightomega, round (zero derivative), diric (the Dirichlet kernel), jve and yve, betaincc, betaincinv and betainccinv (a, b by gammainc56's betainc_da/db), lpmv in x, airy and airye
(four outputs each: Ai′′ = x·Ai), ellipj (sn, cn, dn, φ in u and m), smirnov and smirnovi (SciPy's _smirnovp the slope), and Riemann's zeta(x) in x (it was refused).
References: mpmath's diff at 40 digits of its own function (not of the rule), written out below."""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy.special as dsp
from difflab.errors import NotDifferentiableError
from difflab.ops import REGISTRY
from special_cases import check_against_mpmath

sc = pytest.importorskip("scipy.special")


def _airy(k):
    return lambda x: sc.airy(x)[k]


def _airye(k):
    return lambda x: sc.airye(x)[k]


def _ellipj(k):
    return lambda u, m: sc.ellipj(u, m)[k]


#: name -> (function, the differentiated argument, the point, rtol, mpmath's first and second derivatives there:
#: float(mpmath.diff(f, t, n)), n = 1, 2, at 40 digits, f mpmath's binomial, x**y - 1, lambertw(exp(x)), zeta,
#: besselj, bessely, 1 - betainc, findroot of betainc (the inverses), legenp, airyai/airybi (derivative=0, 1, times
#: exp(±(2/3)x^(3/2)) for airye), ellipfun, and findroot of ellipf (the amplitude φ))
CASES = {
    "binom-n": (sc.binom, 0, (5.0, 2.3), 1e-15, (5.778907072742758, 1.7345105133801064)),
    "binom-k": (sc.binom, 1, (5.0, 2.3), 1e-15, (1.4188863437947579, -6.926871301044873)),
    "binom-k-above-half": (sc.binom, 1, (2.5, 1.9), 1e-15, (-1.5396886460350443, -1.4190353452758457)),
    # (ψ(n + 1) - ψ(n - k + 1) by its series: the two ψ agree to 10 digits)
    "binom-large-n": (sc.binom, 0, (1e10, 3.0), 1e-15, (4.999999999e19, 9999999999.0)),
    # (n - k + 1 = -1, a pole of Γ: binom(n, 5) = n(n-1)(n-2)(n-3)(n-4)/120 is 0 there, its slope -1/20, not 0·∞)
    "binom-pole": (sc.binom, 0, (3.0, 5.0), 1e-15, (-0.05, -0.08333333333333333)),
    "binom-pole-k": (sc.binom, 1, (3.0, 5.0), 1e-15, (0.05, -0.12833333333333333)),
    "binom-negative-n": (sc.binom, 0, (-2.5, 3.0), 3e-15, (5.958333333333333, -3.5)),
    "diric": (dsp.diric, 0, (0.3, 3), 1e-15, (-0.1970134711075597, -0.6368909927504041)),
    # (x near 2πk: the quotient's slope cancels to ε/|x - 2πk|²; the slope as a polynomial in cos(x/2) keeps it)
    "diric-near-zero": (dsp.diric, 0, (1e-5, 5), 1e-15, (-1.9999999998866668e-05, -1.99999999966)),
    # (∂d by SciPy's _smirnovp; the second by mpmath's diff of Birnbaum and Tingey's sum; smirnovi's by 1/_smirnovp)
    "smirnov": (sc.smirnov, 1, (5, 0.3), 1e-15, (-2.286, 5.159999999999999)),
    "smirnovi": (sc.smirnovi, 1, (5, 0.4), 1e-15, (-0.41855902106351595, 0.24327681757110362)),
    "powm1-x": (sc.powm1, 0, (1.3, 0.7), 1e-15, (0.6470160206962051, -0.14931138939143196)),
    "powm1-y": (sc.powm1, 1, (0.8, 1e-3), 1e-15, (-0.22309376382480178, 0.04978193473591983)),
    "wrightomega": (sc.wrightomega, 0, (0.5,), 1e-15, (0.4338282870378225, 0.13906383465421962)),
    "wrightomega-negative": (sc.wrightomega, 0, (-3.0,), 1e-15, (0.045326459141334687, 0.041310606006530776)),
    "zeta": (sc.zeta, 0, (2.5,), 1e-15, (-0.38734195032621, 0.5819689270420682)),
    "zeta-near-pole": (sc.zeta, 0, (1.1,), 1e-15, (-99.92816307577054, 1999.990115747038)),
    "jve": (sc.jve, 1, (1.0, 2.5), 1e-15, (-0.2472214174539076, -0.31867047908842716)),
    "yve": (sc.yve, 1, (2.0, 1.7), 1e-15, (0.6411549939926207, -0.6794229892171078)),
    "betaincc": (sc.betaincc, 2, (2.0, 3.0, 0.4), 1e-15, (-1.728, 1.4400000000000004)),
    "betaincinv": (sc.betaincinv, 2, (2.0, 3.0, 0.3), 1e-15, (0.5778733986299961, -0.3080862081706212)),
    "betainccinv": (sc.betainccinv, 2, (2.5, 1.5, 0.6), 2e-15, (-0.684152219262834, -0.6470085728220447)),
    "lpmv": (sc.lpmv, 2, (1.0, 3.0, 0.4), 1e-15, (-5.630021568088604, -8.900172523196545)),
    "airy-ai": (_airy(0), 0, (0.5,), 1e-15, (-0.2249105326646839, 0.11584680324041674)),
    "airy-aip": (_airy(1), 0, (0.5,), 1e-15, (0.11584680324041674, 0.11923834014849154)),
    "airy-bi": (_airy(2), 0, (-2.0,), 1e-15, (0.2787951669211695, 0.824605175912797)),
    "airy-bip": (_airy(3), 0, (-2.0,), 1e-15, (0.824605175912797, -0.9698929217987375)),
    # (SciPy's eAi(1.5) and eAi′(1.5) are 7.8e-15 and 9.5e-15 off mpmath; eAi′ + √x·eAi cancels to 1/7 of them)
    "airye-ai": (_airye(0), 0, (1.5,), 2e-12, (-0.03235577859202655, 0.02043291925051325)),
    "airye-aip": (_airye(1), 0, (1.5,), 2e-12, (-0.03962757389046628, 0.011815921762802481)),
    "airye-bi": (_airye(2), 0, (1.5,), 1e-14, (-0.12194399458936775, 0.07330898028027273)),
    # (the part's own entry: SciPy's airye(x < 0) answers NaN for eAi and eAi′ (its real loop), which the front
    # computes too, and says by a DomainWarning)
    "airye-bip-negative": (REGISTRY["airye_bip"], 0, (-1.0,), 1e-15, (-0.1039973894969446, -0.48837823692584775)),
    "ellipj-sn-u": (_ellipj(0), 0, (0.7, 0.3), 1e-15, (0.726775151578694, -0.6703153997653234)),
    "ellipj-cn-m": (_ellipj(1), 1, (0.7, 0.3), 3e-15, (0.03246833966102064, -0.003041253139792884)),
    "ellipj-dn-m": (_ellipj(2), 1, (0.7, 0.3), 1e-14, (-0.20504819232320365, 0.008391721268344352)),
    "ellipj-ph-u": (_ellipj(3), 0, (2.5, 0.8), 3e-15, (0.4577581697521114, 0.08685029345086541)),
    # (u > K(0.8): φ past π/2, ellipkinc's m-rule with its 2n·K′(m))
    "ellipj-ph-m": (_ellipj(3), 1, (2.5, 0.8), 1e-14, (-1.3125460480764155, -0.6164913127746283)),
    "ellipj-sn-m-periods": (_ellipj(0), 1, (-7.0, 0.5), 2e-13, (2.9704363406640906, -0.09321514700188914)),
}

#: the symbolic method's SymPy and lambdify cost ~0.1 s a case (and SymPy's start ~0.7 s): a few cases (the registry's
#: tests translate every entry at its samples)
SYMBOLIC = {"binom-pole", "diric-near-zero", "smirnovi", "zeta", "betaincinv", "lpmv", "airy-aip", "ellipj-sn-u"}


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_match_mpmath(name):
    check_against_mpmath(CASES, SYMBOLIC, name)


def test_values_are_scipys_and_numeric_agrees():
    for name in ("binom-n", "lpmv", "airy-bi", "ellipj-ph-m", "zeta", "betaincinv"):
        fn, i, point, _, (d1, _) = CASES[name]
        f = lambda t, fn=fn, i=i, point=point: fn(*point[:i], t, *point[i + 1 :])  # noqa: E731
        value, _ = dl.value_and_grad(f)(point[i])
        assert float(value) == float(fn(*point)), name
        np.testing.assert_allclose(float(dl.grad(f, method="numeric")(point[i])), d1, rtol=1e-7, err_msg=name)


def test_the_front_of_several_outputs_returns_them_all():
    g = dl.jacobian(lambda x: dl.numpy.stack(sc.airy(x)))(0.5)
    ai, aip, bi, bip = sc.airy(0.5)
    np.testing.assert_allclose(g, [aip, 0.5 * ai, bip, 0.5 * bi], rtol=1e-15)
    sn, cn, dn, _ = sc.ellipj(0.7, 0.3)
    got = dl.jacobian(lambda u: dl.numpy.stack(sc.ellipj(u, 0.3)))(0.7)
    np.testing.assert_allclose(got, [cn * dn, -sn * dn, -0.3 * sn * cn, dn], rtol=1e-15)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_comb_is_binom_inside_and_zero_outside(method):
    """comb(N, k) (exact=False) is SciPy's: binom where 0 ≤ k ≤ N, 0 elsewhere (a zero slope there); with repetition
    binom(N + k - 1, k). d/dN N(N - 1)/2 = N - 1/2; d/dN (N + 1)N/2 = N + 1/2."""
    N = np.array([5.0, 5.0, 3.0])
    k = np.array([2.0, 7.0, -1.0])
    np.testing.assert_array_equal(dsp.comb(N, k), sc.comb(N, k))
    np.testing.assert_allclose(dl.grad(lambda n: dl.numpy.sum(dsp.comb(n, k)), method=method)(N), [4.5, 0, 0])
    rep = dl.grad(lambda n: dsp.comb(n, 2.0, repetition=True), method=method)(5.0)
    assert float(dsp.comb(5.0, 2.0, repetition=True)) == sc.comb(5.0, 2.0, repetition=True)
    np.testing.assert_allclose(float(rep), 5.5, rtol=1e-15)
    assert dsp.comb(10, 3, exact=True) == 120
    with pytest.raises(TypeError, match=r"comb\(exact=True\) counts whole numbers"):
        dl.grad(lambda n: dsp.comb(n, 2, exact=True))(5.0)


def test_diric_at_its_removable_points():
    """At x = 2πk diric is ±1 (SciPy's value) with slope 0 and second derivative -(n² - 1)/12 (its Taylor series
    1 - (n² - 1)y²/6 in y = x/2 - πk): the quotient's own slope is 0/0 there."""
    for x, n in ((0.0, 4), (2 * np.pi, 3)):
        for method in ("reverse", "forward"):
            g = dl.grad(lambda t: dsp.diric(t, n), method=method)
            assert float(dsp.diric(x, n)) == float(sc.diric(x, n)) == 1.0
            assert abs(float(g(x))) < 1e-15
            np.testing.assert_allclose(float(dl.grad(g, method=method)(x)), -(n * n - 1) / 12, rtol=1e-15)


def test_round_has_a_zero_derivative():
    for method in ("reverse", "forward", "symbolic", "numeric"):
        assert float(dl.grad(lambda x: sc.round(x) * x, method=method)(2.3)) == pytest.approx(2.0, rel=1e-9)


@pytest.mark.parametrize(
    "f, arg",
    [
        (lambda t: dsp.diric(0.3, t), "n"),
        (lambda t: sc.smirnov(t, 0.3), "n"),
        (lambda t: sc.jve(t, 2.0), "v"),
        (lambda t: sc.yve(t, 2.0), "v"),
        (lambda t: sc.lpmv(t, 3.0, 0.4), "m"),
        (lambda t: sc.lpmv(1.0, t, 0.4), "v"),
    ],
    ids=["diric-n", "smirnov-n", "jve-v", "yve-v", "lpmv-m", "lpmv-v"],
)
def test_parameters_are_refused_by_name(f, arg):
    for method in ("reverse", "symbolic"):
        with pytest.raises(NotDifferentiableError, match=rf"is not differentiable in its argument {arg} "):
            dl.grad(f, method=method)(2.0)


def test_lpmv_slope_in_40_digits_reads_p_of_a_lower_degree_than_its_order():
    # ∂x P_1^1 reads P_0^1, SciPy's 0 (|m| > v), which SymPy's assoc_legendre refused in the 40-digit reference
    # (test_compiled's random graph drew lpmv(1, 1, tanh(x)))
    import difflab.scipy.special as dss

    x = np.array([0.3, -0.2])
    p = dl.Symbolic().prepare(dl.trace(lambda x: dss.lpmv(1.0, 1.0, x), x), (0,))
    want = x / np.sqrt(1.0 - x * x)  # P_1^1 = -sqrt(1 - x²) (Condon-Shortley)
    np.testing.assert_allclose(np.diag(p.jacobian([x])[1]), want, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(p.exact([x], "jacobian"), dtype=float)[[0, 3]], want, rtol=1e-14)
