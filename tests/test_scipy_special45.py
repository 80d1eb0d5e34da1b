"""scipy.special's erfi, kn, ellipkm1, gammainccinv, stdtrit, ndtri_exp, shichi, lambertw (real branch 0), the
spherical Bessel functions (difflab.scipy.special.spherical_jn/yn/in/kn: SciPy's are Python code), struve and
modstruve (issue 11: each was "not a difflab primitive"), and kve's and ive's slopes at large x (their recurrences
cancelled: 1.5e-11 relative at x = 1e5). References: mpmath at 40 digits, by its own differentiation of the function (of a root
it finds, for the inverses), not of the rule; closed forms at the removable points. The registry-driven tests
(tests/test_registry.py) take every new entry too: evaluation, SymPy translation, methods agreeing, batching."""

import math
import warnings

import mpmath
import numpy as np
import pytest

import difflab as dl
from difflab.errors import DomainWarning, NotDifferentiableError, UnsupportedOperationError

sc = pytest.importorskip("scipy.special")
dsp = pytest.importorskip("difflab.scipy.special")

mpmath.mp.dps = 40


def _root(f, start):
    return mpmath.findroot(f, mpmath.mpf(float(start)))


def _stdtr(nu, t):
    c = mpmath.gamma((nu + 1) / 2) / (mpmath.sqrt(nu * mpmath.pi) * mpmath.gamma(nu / 2))
    return 0.5 + t * c * mpmath.hyp2f1(0.5, (nu + 1) / 2, 1.5, -(t**2) / nu)


def _spherical(bessel, odd_sign=1):
    """√(π/2|z|)·C_{n+1/2}(|z|), times (-1)ⁿ for z < 0 (jₙ and iₙ have parity n; mpmath's principal branches of √
    and C at z < 0 give the opposite sign)."""

    def f(n, z):
        value = mpmath.sqrt(mpmath.pi / (2 * abs(z))) * bessel(n + 0.5, abs(z))
        return value * (odd_sign ** int(n) if z < 0 else 1)

    return f


#: name -> (the function of SciPy's or difflab's, mpmath's, the differentiated argument, a point)
CASES = {
    "erfi": (sc.erfi, mpmath.erfi, 0, (-2.5,)),
    "kn": (sc.kn, mpmath.besselk, 1, (2, 1.3)),
    "kn-0": (sc.kn, mpmath.besselk, 1, (0, 0.4)),
    "ellipkm1-small-p": (sc.ellipkm1, lambda p: mpmath.ellipk(1 - p), 0, (1e-3,)),
    "ellipkm1-near-m0": (sc.ellipkm1, lambda p: mpmath.ellipk(1 - p), 0, (0.95,)),
    "gammainccinv": (
        sc.gammainccinv,
        lambda a, y: _root(
            lambda x: mpmath.gammainc(a, x, mpmath.inf, regularized=True) - y, sc.gammainccinv(float(a), float(y))
        ),
        1,
        (2.5, 0.3),
    ),
    "stdtrit": (
        sc.stdtrit,
        lambda nu, p: _root(lambda t: _stdtr(nu, t) - p, sc.stdtrit(float(nu), float(p))),
        1,
        (3.0, 0.8),
    ),
    "ndtri_exp": (
        sc.ndtri_exp,
        lambda y: _root(lambda x: mpmath.log(mpmath.ncdf(x)) - y, sc.ndtri_exp(float(y))),
        0,
        (-0.4,),
    ),
    "ndtri_exp-tail": (
        sc.ndtri_exp,
        lambda y: _root(lambda x: mpmath.log(mpmath.ncdf(x)) - y, sc.ndtri_exp(float(y))),
        0,
        (-900.0,),
    ),
    "shichi-shi": (lambda x: sc.shichi(x)[0], mpmath.shi, 0, (0.3,)),
    "shichi-chi": (lambda x: sc.shichi(x)[1], mpmath.chi, 0, (1.7,)),
    "lambertw": (lambda x: sc.lambertw(x).real, lambda x: mpmath.lambertw(x).real, 0, (-0.3,)),
    "spherical_jn": (lambda n, z: dsp.spherical_jn(n, z), _spherical(mpmath.besselj, -1), 1, (3, -1.3)),
    "spherical_yn": (lambda n, z: dsp.spherical_yn(n, z), _spherical(mpmath.bessely), 1, (1, 2.2)),
    "spherical_in": (lambda n, z: dsp.spherical_in(n, z), _spherical(mpmath.besseli, -1), 1, (2, 1.3)),
    "spherical_kn": (lambda n, z: dsp.spherical_kn(n, z), _spherical(mpmath.besselk), 1, (0, 1.3)),
    "struve": (sc.struve, mpmath.struveh, 1, (1.0, 2.3)),
    "modstruve": (sc.modstruve, mpmath.struvel, 1, (0.5, 1.4)),
}


def _mp_derivatives(mp_fn, point, i):
    """mpmath's first and second derivatives of mp_fn in argument i at point."""
    args = [mpmath.mpf(v) for v in point]

    def along(t):
        return mp_fn(*args[:i], t, *args[i + 1 :])

    return [float(mpmath.diff(along, args[i], n)) for n in (1, 2)]


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_match_mpmath(name):
    fn, mp_fn, i, point = CASES[name]

    def f(t):
        return fn(*point[:i], t, *point[i + 1 :])

    d1, d2 = _mp_derivatives(mp_fn, point, i)
    for method in ("reverse", "forward", "symbolic"):
        g = dl.grad(f, method=method)
        np.testing.assert_allclose(float(g(point[i])), d1, rtol=2e-15, err_msg=method)
        np.testing.assert_allclose(float(dl.grad(g, method=method)(point[i])), d2, rtol=1e-14, err_msg=method)
    np.testing.assert_allclose(float(dl.grad(f, method="numeric")(point[i])), d1, rtol=1e-8)


def test_symbolic_and_numeric_hessians_on_a_vector():
    """All the methods' Hessians of Σ w·f(x) for several entries at once (vectors: the lambdified code and the
    stencils elementwise), against mpmath's second derivatives."""
    x = np.array([0.3, 0.55, 0.8])
    w = np.array([1.0, -2.0, 0.5])

    def f(x):
        terms = sc.erfi(x) + sc.kn(1, x) + sc.ellipkm1(x) + sc.struve(0.0, x) + dsp.spherical_jn(1, x)
        return np.sum(w * (terms + sc.lambertw(x).real + sc.shichi(x)[1]))

    def mp(t):
        sph = mpmath.sqrt(mpmath.pi / (2 * t)) * mpmath.besselj(1.5, t)
        terms = mpmath.erfi(t) + mpmath.besselk(1, t) + mpmath.ellipk(1 - t) + mpmath.struveh(0, t) + sph
        return terms + mpmath.lambertw(t).real + mpmath.chi(t)

    want = np.diag(w * [float(mpmath.diff(mp, mpmath.mpf(v), 2)) for v in x])
    for method, rtol in (("symbolic", 1e-13), ("numeric", 1e-4)):
        np.testing.assert_allclose(dl.hessian(f, method=method)(x), want, rtol=rtol, atol=rtol * 10, err_msg=method)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_removable_points(method):
    """Each closed form's 0/0 and its limit: Shi′ = sinh(x)/x is 1 at 0, Shi″ 0 (its series); W′ = e^(-W)/(1 + W)
    (not W/(z(1 + W))) is 1 at z = 0, W″(0) = -2; jₙ′ = (n jₙ₋₁ - (n + 1) jₙ₊₁)/(2n + 1) (not jₙ₋₁ - (n + 1)jₙ/z)
    is 1/3 at 0 for n = 1, 0 for n = 0, and j₀″(0) = -1/3; ellipkm1′ = -K′(1 - p) at p = 1 (m = 0) is -π/8;
    struve′(0, x) at 0 is 2/π."""
    for f, x, d1, d2 in (
        (lambda x: sc.shichi(x)[0], 0.0, 1.0, 0.0),
        (lambda x: sc.lambertw(x).real, 0.0, 1.0, -2.0),
        (lambda x: dsp.spherical_jn(1, x), 0.0, 1.0 / 3.0, 0.0),
        (lambda x: dsp.spherical_jn(0, x), 0.0, 0.0, -1.0 / 3.0),
        (sc.ellipkm1, 1.0, -math.pi / 8, 9 * math.pi / 64),
    ):
        g = dl.grad(f, method=method)
        with warnings.catch_warnings():
            # shichi(0)'s pair holds Chi(0) = -inf, said by name though only Shi is read (no silent -inf where it is)
            warnings.filterwarnings("ignore", "v2 = shichi_chi", DomainWarning)
            np.testing.assert_allclose(float(g(x)), d1, rtol=1e-15, atol=1e-300)
            np.testing.assert_allclose(float(dl.grad(g, method=method)(x)), d2, rtol=1e-14, atol=1e-300)
    # (H_{-1}(0) - H_1(0))/2 + 1/(2√π Γ(3/2)): H₀′(0) = 2/π (its second derivative's recurrence reads H_{-2}(0) = -inf)
    np.testing.assert_allclose(float(dl.grad(lambda x: sc.struve(0.0, x), method=method)(0.0)), 2 / math.pi, rtol=1e-15)


def _scaled_k(v, t):
    return mpmath.besselk(v, t) * mpmath.exp(t)


def _scaled_i(v, t):
    return mpmath.besseli(v, t) * mpmath.exp(-abs(t))


@pytest.mark.parametrize(
    "fn, mp_fn, v, x",
    [
        (sc.kve, _scaled_k, 0.3, 1e5),
        (sc.kve, _scaled_k, 7.3, 200.0),
        (sc.kve, _scaled_k, 20.0, 500.0),
        (sc.ive, _scaled_i, 2.0, 1e4),
        (sc.ive, _scaled_i, 3.0, -200.0),
    ],
    ids=["kve-1e5", "kve-v7.3", "kve-v20", "ive-1e4", "ive-negative-x"],
)
def test_scaled_bessel_slopes_keep_their_digits_at_large_x(fn, mp_fn, v, x):
    """kve′ = kve - (kve_{v-1} + kve_{v+1})/2 and ive′ = (ive_{v-1} + ive_{v+1})/2 - sign(x)·ive cancel to 1/(2|x|) of
    their terms (2|x|·ε relative: kve′ 1.5e-11 at x = 1e5, ive″ 5e-9 at 1e4); from |x| = max(50, v²) their asymptotic
    series' slopes (ive at x < 0 by its parity). mpmath's first and second derivatives of K_v(x)·eˣ, I_v(x)·e^-|x|."""
    d1, d2 = (float(mpmath.diff(lambda t: mp_fn(v, t), mpmath.mpf(x), n)) for n in (1, 2))
    for method in ("reverse", "forward", "symbolic"):
        g = dl.grad(lambda t: fn(v, t), method=method)
        np.testing.assert_allclose(float(g(x)), d1, rtol=1e-15, err_msg=method)
        np.testing.assert_allclose(float(dl.grad(g, method=method)(x)), d2, rtol=2e-15, err_msg=method)


def _log_ndtr(x):
    return mpmath.log(mpmath.ncdf(x))


def _ndtri_exp(y):
    return _root(lambda x: _log_ndtr(x) - y, sc.ndtri_exp(float(y)))


@pytest.mark.parametrize(
    "fn, mp_fn, x",
    [
        (sc.ndtri_exp, _ndtri_exp, -53.0),
        (sc.ndtri_exp, _ndtri_exp, -790.0),
        (sc.log_ndtr, _log_ndtr, -12.0),
        (sc.log_ndtr, _log_ndtr, -39.0),
        (sc.erfcx, lambda t: mpmath.exp(t * t) * mpmath.erfc(t), 20.0),
    ],
    ids=["ndtri_exp-53", "ndtri_exp-790", "log_ndtr-12", "log_ndtr-39", "erfcx-20"],
)
def test_normal_tails_between_the_series(fn, mp_fn, x):
    """φ/Φ was exp(-x²/2 - log Φ(x))/√(2π) down to x = -40, its exponent's terms cancelling (ε·x²/2 absolute: log_ndtr′
    1e-13, ndtri_exp′ 7e-14 relative, their second derivatives, through -m(x + m), 1.5e-10 and 1.1e-10); now
    √(2/π)/erfcx(-x/√2), whose slope 2u·erfcx - 2/√π (2u²ε: 8e-14 at u = 20) is its asymptotic series' from u = 8."""
    d1, d2 = _mp_derivatives(mp_fn, (x,), 0)
    for method in ("reverse", "forward", "symbolic"):
        g = dl.grad(fn, method=method)
        np.testing.assert_allclose(float(g(x)), d1, rtol=1e-15, err_msg=method)
        np.testing.assert_allclose(float(dl.grad(g, method=method)(x)), d2, rtol=1e-14, err_msg=method)


@pytest.mark.parametrize(
    "f, arg",
    [
        (lambda t: sc.kn(t, 1.0), "n"),
        (lambda t: dsp.spherical_jn(t, 1.0), "n"),
        (lambda t: dsp.spherical_kn(t, 1.0), "n"),
        (lambda t: sc.struve(t, 1.0), "v"),
        (lambda t: sc.modstruve(t, 1.0), "v"),
    ],
    ids=["kn-n", "spherical_jn-n", "spherical_kn-n", "struve-v", "modstruve-v"],
)
def test_parameters_are_refused_by_name(f, arg):
    for method in ("reverse", "symbolic"):
        with pytest.raises(NotDifferentiableError, match=rf"is not differentiable in its argument {arg} "):
            dl.grad(f, method=method)(2.0)


def test_lambertw_is_scipys_complex_value_on_branch_zero_only():
    """sc.lambertw(x) on a traced x is W₀(x) + 0j, as SciPy's complex value; k = -1 is refused naming k."""
    x = np.array([-0.3, 0.0, 2.0])
    got = dl.jacobian(lambda x: sc.lambertw(x).real)(x)
    w = sc.lambertw(x).real
    np.testing.assert_allclose(np.diag(got), np.exp(-w) / (1 + w), rtol=1e-15)
    with pytest.raises(UnsupportedOperationError, match="k=-1"):
        dl.grad(lambda x: sc.lambertw(x, -1).real)(-0.2)


def test_spherical_functions_by_difflab_and_the_message_for_scipys():
    """SciPy's spherical_jn is Python code converting z first (no dispatch reaches difflab): its message names
    difflab.scipy.special.spherical_jn (it said 'scipy.special.wrapper ... no differentiable version'), whose
    derivative=True is SciPy's derivative and is differentiable in turn."""
    with pytest.raises(UnsupportedOperationError, match=r"use difflab\.scipy\.special\.spherical_jn$"):
        dl.grad(lambda x: sc.spherical_jn(2, x))(0.4)
    z = np.array([-1.1, 0.4, 2.5])
    for name in ("spherical_jn", "spherical_yn", "spherical_in", "spherical_kn"):
        zz = np.abs(z) if name in ("spherical_yn", "spherical_kn") else z
        ours, theirs = getattr(dsp, name), getattr(sc, name)
        np.testing.assert_allclose(
            dl.jacobian(lambda t: ours(2, t))(zz), np.diag(theirs(2, zz, derivative=True)), rtol=1e-14, err_msg=name
        )
        np.testing.assert_allclose(ours(2, zz, derivative=True), theirs(2, zz, derivative=True), rtol=1e-14)
    # the slope's orders n ± 1 are floats, for which SciPy's ufunc (an integer n) has no loop: its dtype is found
    # for an integer n (a float32 z was a TypeError naming _spherical_kn)
    got = dl.grad(lambda t: dsp.spherical_kn(1, t, derivative=True))(np.float32(0.8))
    want = float(mpmath.diff(lambda t: _spherical(mpmath.besselk)(1, t), mpmath.mpf(float(np.float32(0.8))), 2))
    np.testing.assert_allclose(float(got), want, rtol=1e-6)


def test_spherical_in_near_zero():
    """iₙ near z = 0 by its series (SciPy 1.17's is 0 from z ~ 1e-206 at n = 0, whose value is 1, and from 1e-124 at
    n = 1): value and slope against mpmath, which the random graphs found as d i₁/dz = 0 at z = 6e-293 (it is 1/3)."""
    for n, z in ((0, 1e-300), (1, 5.9e-293), (1, -1e-150), (2, 1e-100), (3, 2e-70), (2, 9.9e-6), (0, 2e-5)):
        want = _spherical(mpmath.besseli, -1)(n, mpmath.mpf(z))
        np.testing.assert_allclose(float(dsp.spherical_in(n, z)), float(want), rtol=1e-15, err_msg=f"i{n}({z})")
        i = _spherical(mpmath.besseli, -1)  # (DLMF 10.51.5: mpmath's diff steps past a z of 1e-293)
        slope = float((n * i(abs(n - 1), mpmath.mpf(z)) + (n + 1) * i(n + 1, mpmath.mpf(z))) / (2 * n + 1))
        for method in ("reverse", "forward", "symbolic"):
            got = float(dl.grad(lambda t: dsp.spherical_in(n, t), method=method)(z))
            np.testing.assert_allclose(got, slope, rtol=1e-15, atol=1e-300, err_msg=f"i{n}'({z}) by {method}")


@pytest.mark.parametrize(
    "name, f, x",
    [
        ("kn", lambda x: sc.kn(1, x), -1.0),
        ("ellipkm1", sc.ellipkm1, -0.5),
        ("gammainccinv", lambda y: sc.gammainccinv(2.0, y), 1.5),
        ("stdtrit", lambda p: sc.stdtrit(3.0, p), 1.5),
        ("ndtri_exp", sc.ndtri_exp, 0.5),
        ("shichi_chi", lambda x: sc.shichi(x)[1], 0.0),
        ("lambertw", lambda x: sc.lambertw(x).real, -1.0),
        ("struve", lambda x: sc.struve(0.5, x), -1.0),
        ("spherical_yn", lambda x: dsp.spherical_yn(1, x), 0.0),
    ],
)
@pytest.mark.parametrize("method", ["reverse", "numeric"])
def test_outside_the_domain_a_domain_warning_names_the_op(name, f, x, method):
    with pytest.warns(DomainWarning, match=rf"= {name}\(.*outside the domain of {name}"):
        g = dl.grad(f, method=method)(x)
    assert np.isnan(g)


def test_no_warning_inside_the_domain():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(dl.grad(sc.ndtri_exp)(-1e-300)) > 0  # Φ(37)/φ(37): huge, finite
        # -(E(1 - p)/p - K)/(2(1 - p)) at p = 1e-200: -1/(2p) to 1e-198 (p divides, not 1 - m = 0)
        np.testing.assert_allclose(float(dl.grad(sc.ellipkm1)(1e-200)), -0.5e200, rtol=1e-15)
