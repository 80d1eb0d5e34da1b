"""scipy.special's next names (issue 11, special46): Carlson's elliprf, elliprd, elliprc, elliprj, elliprg; the incomplete
elliptic integrals ellipkinc and ellipeinc in φ and m; zetac (its slope ζ′ by mpmath); hyperu, hyp0f1, wright_bessel and
log_wright_bessel in x (each was "not a difflab op yet"); voigt_profile's slopes far from the origin. References: mpmath at 40 digits, by its own differentiation of
the function, not of the rule. The registry-driven tests (tests/test_registry.py) take every new entry too."""

import warnings

import mpmath
import numpy as np
import pytest

import difflab as dl
from difflab.errors import NotDifferentiableError

sc = pytest.importorskip("scipy.special")

mpmath.mp.dps = 40
M = mpmath


def _wright(a, b, x):
    return M.nsum(lambda k: x**k / (M.factorial(k) * M.gamma(a * k + b)), [0, M.inf])


def _voigt(x, sigma, gamma):
    z = M.mpc(x, gamma) / (sigma * M.sqrt(2))
    return (M.exp(-z * z) * M.erfc(-1j * z)).real / (sigma * M.sqrt(2 * M.pi))


#: name -> (SciPy's function, mpmath's, the differentiated argument, a point, rtol of the first and second derivative)
CASES = {
    "elliprf-z": (sc.elliprf, M.elliprf, 2, (0.7, 1.3, 2.1), 1e-15),
    "elliprd-x": (sc.elliprd, M.elliprd, 0, (0.7, 1.3, 2.1), 1e-15),
    "elliprd-z": (sc.elliprd, M.elliprd, 2, (0.7, 1.3, 2.1), 1e-15),
    # (y = z: the divided difference was 0/0; near it the series in the gap, whose terms read hyp2f1)
    "elliprd-y-equal-z": (sc.elliprd, M.elliprd, 1, (0.7, 1.3, 1.3), 1e-15),
    "elliprd-y-near-z": (sc.elliprd, M.elliprd, 1, (0.01, 1.0, 1.001), 2e-14),
    "elliprd-all-equal": (sc.elliprd, M.elliprd, 0, (1.3, 1.3, 1.3), 1e-15),
    "elliprc-x": (sc.elliprc, M.elliprc, 0, (0.7, 1.3), 1e-15),
    "elliprc-y": (sc.elliprc, M.elliprc, 1, (0.7, 1.3), 1e-15),
    "elliprj-x": (sc.elliprj, M.elliprj, 0, (0.7, 1.3, 2.1, 0.9), 2e-14),
    "elliprj-p": (sc.elliprj, M.elliprj, 3, (0.7, 1.3, 2.1, 0.9), 2e-14),
    "elliprg-y": (sc.elliprg, M.elliprg, 1, (0.7, 1.3, 2.1), 2e-14),
    "ellipkinc-phi": (sc.ellipkinc, M.ellipf, 0, (0.7, 0.3), 1e-15),
    "ellipkinc-m": (sc.ellipkinc, M.ellipf, 1, (0.7, -0.6), 1e-15),
    "ellipkinc-m-periods": (sc.ellipkinc, M.ellipf, 1, (-4.0, 0.8), 1e-15),  # (φ = nπ + φ₀: 2n·K′(m) joins)
    "ellipkinc-m-near-pi/2": (sc.ellipkinc, M.ellipf, 1, (1.5707, 0.9), 5e-15),  # (c² as cos²φ₀, not 1 - s²)
    "ellipeinc-m": (sc.ellipeinc, M.ellipe, 1, (0.7, 0.3), 2e-15),
    "ellipeinc-m-periods": (sc.ellipeinc, M.ellipe, 1, (2.9, 0.5), 1e-15),
    "zetac": (sc.zetac, lambda x: M.zeta(x) - 1, 0, (1.3,), 1e-15),
    "zetac-large": (sc.zetac, lambda x: M.zeta(x) - 1, 0, (40.0,), 1e-15),
    "zetac-negative": (sc.zetac, lambda x: M.zeta(x) - 1, 0, (-1.5,), 1e-15),
    # (|z| ≥ 7 or Im z ≥ 2, z = (x + iγ)/(σ√2): w′ and z·w′ + w by the continued fraction's exact residuals; the
    # cancelling forms were 9.5e-10 off in ∂σ at x = 100, 3.6e-12 at x = 20, 3e-12 at (3, 0.5, 2))
    "voigt_profile-sigma-far": (sc.voigt_profile, _voigt, 1, (100.0, 1.0, 1.0), 2e-15),
    "voigt_profile-x-far": (sc.voigt_profile, _voigt, 0, (20.0, 1.0, 1.0), 2e-15),
    "voigt_profile-gamma-above": (sc.voigt_profile, _voigt, 2, (3.0, 0.5, 2.0), 2e-15),
    "hyperu": (sc.hyperu, M.hyperu, 2, (1.5, 2.5, 0.7), 1e-15),
    # (SciPy's U(2, 1, 10) is 2.8e-8 off mpmath; its slope -2·U(3, 2, 10) is right)
    "hyperu-far": (sc.hyperu, M.hyperu, 2, (2.0, 1.0, 10.0), 2e-15),
    "hyp0f1": (sc.hyp0f1, M.hyp0f1, 1, (2.5, -3.0), 1e-15),
    "wright_bessel": (sc.wright_bessel, _wright, 2, (0.2, 0.5, 3.0), 1e-15),
    "log_wright_bessel": (sc.log_wright_bessel, lambda a, b, x: M.log(_wright(a, b, x)), 2, (0.5, 1.5, 0.7), 1e-14),
}


#: name -> mpmath's first and second derivatives at the case's point: float(mpmath.diff(f, x, n)), n = 1, 2, of the
#: case's mpmath function at 40 digits (`_mp_derivatives`; written out: mpmath's nsum and diff took seconds a case)
REFERENCE = {
    "elliprf-z": (-0.08444880526537765, 0.039443777188949876),
    "elliprd-x": (-0.16834294908260639, 0.22602504546134405),
    "elliprd-z": (-0.23666266313369924, 0.21170918738498215),
    "elliprd-y-equal-z": (-0.19161134350320896, 0.16117822951404132),
    "elliprd-y-near-z": (-0.7520940902532652, 0.9117199999511308),
    "elliprd-all-equal": (-0.1556907726580525, 0.1283165708720213),
    "elliprc-x": (-0.19248889326140337, 0.23022336764077356),
    "elliprc-y": (-0.2672144180210557, 0.25548179133761195),
    "elliprj-x": (-0.3186853599715071, 0.4546072365626529),
    "elliprj-p": (-0.5372095142947344, 0.8294084053104377),
    "elliprg-y": (0.14572434238835444, -0.03377288786817358),
    "ellipkinc-phi": (1.0687426652811642, 0.1804451341802819),
    "ellipkinc-m": (0.042052112899394076, 0.013282796716759346),
    "ellipkinc-m-periods": (-4.703183389506925, -24.242350191762235),
    "ellipkinc-m-near-pi/2": (4.703840947317398, 48.96397892328099),
    "ellipeinc-m": (-0.05396184696448806, -0.007680179573688567),
    "ellipeinc-m-periods": (-1.004518376576998, -0.687523288798341),
    "zetac": (-11.041284605032113, 74.0638685619891),
    "zetac-large": (-6.304137786330142e-13, 4.3696956988575953e-13),
    "zetac-negative": (-0.07630925532055088, -0.12415334379228003),
    "voigt_profile-sigma-far": (1.9111333592468562e-08, 1.9149584312676077e-08),
    "voigt_profile-x-far": (-8.038229858692925e-05, 1.2138742744433259e-05),
    "voigt_profile-gamma-above": (0.008300082137752077, -0.013426107555979583),
    "hyperu": (-3.6588630897991647, 13.06736817785416),
    "hyperu-far": (-0.0012399927225430175, 0.0003233412172450644),
    "hyp0f1": (0.15286593635394385, 0.05597591105784875),
    "wright_bessel": (21.02007694930881, 21.509239035924136),
    "log_wright_bessel": (0.8158741465921284, -0.08535727735973349),
}


SYMBOLIC = {
    "elliprf-z",
    "elliprd-y-near-z",
    "elliprc-y",
    "elliprj-p",
    "elliprg-y",
    "ellipkinc-m-periods",
    "ellipeinc-m",
}
SYMBOLIC |= {"voigt_profile-sigma-far", "zetac", "hyperu", "hyp0f1", "wright_bessel", "log_wright_bessel"}


def _mp_derivatives(mp_fn, point, i):
    """mpmath's first and second derivatives of mp_fn in argument i at point."""
    args = [M.mpf(v) for v in point]

    def along(t):
        return mp_fn(*args[:i], t, *args[i + 1 :])

    return [float(M.diff(along, args[i], n)) for n in (1, 2)]


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_match_mpmath(name):
    fn, mp_fn, i, point, rtol = CASES[name]

    def f(t):
        return fn(*point[:i], t, *point[i + 1 :])

    d1, d2 = REFERENCE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no DomainWarning inside the domain: the held arguments form no NaN)
        # (the symbolic method's SymPy and lambdify cost ~0.1 s a case: one case of each function)
        for method in ("reverse", "forward", "symbolic") if name in SYMBOLIC else ("reverse", "forward"):
            g = dl.grad(f, method=method)
            np.testing.assert_allclose(float(g(point[i])), d1, rtol=rtol, err_msg=method)
            np.testing.assert_allclose(float(dl.grad(g, method=method)(point[i])), d2, rtol=rtol, err_msg=method)
    if name != "hyperu-far":  # (numeric differences SciPy's values, 2.8e-8 off there)
        np.testing.assert_allclose(float(dl.grad(f, method="numeric")(point[i])), d1, rtol=1e-7)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_incomplete_integrals_at_m_zero(method):
    """At m = 0 (F = E = φ) the m-slopes ±(φ - sin φ cos φ)/4 and the second ones, which read RD(c², 1, 1): two
    arguments equal, where RD's divided difference was 0/0 (NaN). References: mpmath's diff at 40 digits."""
    phi = 0.9
    for fn, d1, d2 in (
        (sc.ellipkinc, 0.10326904614022561, 0.06015699632061531),
        (sc.ellipeinc, -0.10326904614022561, -0.020052332106871767),
    ):
        np.testing.assert_allclose(d1, (phi - np.sin(phi) * np.cos(phi)) / 4 * np.sign(d1), rtol=1e-15)
        g = dl.grad(lambda m, fn=fn: fn(phi, m), method=method)
        np.testing.assert_allclose(float(g(0.0)), d1, rtol=1e-15)
        np.testing.assert_allclose(float(dl.grad(g, method=method)(0.0)), d2, rtol=1e-15)


@pytest.mark.parametrize(
    "f, arg",
    [
        (lambda t: sc.hyperu(t, 1.0, 2.0), "a"),
        (lambda t: sc.hyperu(1.0, t, 2.0), "b"),
        (lambda t: sc.hyp0f1(t, 2.0), "v"),
        (lambda t: sc.wright_bessel(t, 1.0, 2.0), "a"),
        (lambda t: sc.log_wright_bessel(1.0, t, 2.0), "b"),
    ],
    ids=["hyperu-a", "hyperu-b", "hyp0f1-v", "wright_bessel-a", "log_wright_bessel-b"],
)
def test_parameters_are_refused_by_name(f, arg):
    for method in ("reverse", "symbolic"):
        with pytest.raises(NotDifferentiableError, match=rf"is not differentiable in its argument {arg} "):
            dl.grad(f, method=method)(2.0)


def test_sympy_derivatives_of_the_named_functions():
    """SymPy's diff of the named functions (what a SymPy expression holding scipy_elliprj differentiates by): the
    registry's partials in SymPy's terms (elliprj's took one argument too many: TypeError)."""
    sp = pytest.importorskip("sympy")
    from difflab.ops.special import _scipy_function

    t = sp.Symbol("t", positive=True)
    for name, case in (("elliprj", "elliprj-x"), ("elliprd", "elliprd-y-near-z"), ("elliprg", "elliprg-y")):
        _, _, i, point, _ = CASES[case]
        args = [sp.Float(v) for v in point]
        args[i] = t
        d1 = float(sp.diff(_scipy_function(name)(*args), t).subs(t, point[i]))
        np.testing.assert_allclose(d1, REFERENCE[case][0], rtol=2e-14, err_msg=name)


def test_zeta_derivative_far_from_the_origin_answers_at_once():
    """ζ⁽ᵏ⁾ by mpmath never returned at x = -1e8 (and took seconds at -300), hanging test_wrong_numbers' edge
    battery: beyond the doubles (x < -260) it is NaN, past 2^-x's underflow (x > 1100) (-1)^k·0 (and ζ = 1)."""
    from difflab.ops.special import _zeta_derivative_impl

    x = np.array([-1e300, -1e8, -300.0, 1200.0, 1e300])
    for k in (0.0, 1.0, 2.0):
        got = _zeta_derivative_impl(np.full(x.shape, k), x)
        assert np.isnan(got[:3]).all()
        assert (got[3:] == (1.0 if k == 0 else 0.0)).all()
    assert _zeta_derivative_impl(1.0, -259.5) == pytest.approx(-8.57094795e307, rel=1e-8)


def test_voigt_profile_jvp_builds_its_continued_fraction_once():
    """Forward mode's JVP in x, σ and γ at once takes voigt_profile's joint partials (Op.joint_jvp, suitetime49): the
    60-term continued fraction each partial reads is recorded once on traced values, not three times (a forward
    Hessian of it was 3× the equations), and J v equals mpmath's directional slope (40 digits)."""
    point, v = (12.0, 1.0, 0.5), (0.3, -0.7, 1.1)  # |z| ≥ 7: the fraction's region
    graph = dl.trace(lambda *p: dl.jvp(lambda *q: sc.voigt_profile(*q), p, v)[1], *point)
    one = dl.trace(lambda *p: dl.jvp(lambda x: sc.voigt_profile(x, *p[1:]), (p[0],), (v[0],))[1], *point)
    assert len(graph.eqns) < 1.3 * len(one.eqns), (len(graph.eqns), len(one.eqns))
    got = dl.jvp(lambda *q: sc.voigt_profile(*q), point, v)[1]
    ref = M.diff(lambda t: _voigt(*[p + t * d for p, d in zip(point, v)]), 0)
    assert abs(got - float(ref)) <= 1e-14 * abs(float(ref)), (got, ref)
    assert abs(dl.evaluate(graph, *point)[0] - got) <= 1e-15 * abs(got)
