"""scipy.special's next names (issue 11, special45b): sindg, cosdg, tandg, cotdg, cosm1, exprel, radian; the Poisson,
χ², gamma, binomial, negative binomial and F distributions' CDFs, survival functions and inverses in their continuous
argument (each was "not a difflab primitive"). References: mpmath at 40 digits, by its own differentiation of the
function (of a root it finds, for the inverses), not of the rule. The registry-driven tests (tests/test_registry.py)
take every new entry too."""

import math
import warnings

import mpmath
import numpy as np
import pytest

import difflab as dl
from difflab.errors import DomainWarning, NotDifferentiableError, NumericAccuracyWarning

sc = pytest.importorskip("scipy.special")

mpmath.mp.dps = 40
M = mpmath


def _root(f, start):
    return M.findroot(f, M.mpf(float(start)))


def _deg(x):
    return x * M.pi / 180


def _pd(k, m):
    return M.gammainc(M.floor(k) + 1, m, M.inf, regularized=True)


def _ch(v, x):
    return M.gammainc(v / 2, 0, x / 2, regularized=True)


def _gd(a, b, x):
    return M.gammainc(b, 0, a * x, regularized=True)


def _bd(k, n, p):
    return M.betainc(n - M.floor(k), M.floor(k) + 1, 0, 1 - p, regularized=True)


def _nb(k, n, p):
    return M.betainc(n, M.floor(k) + 1, 0, p, regularized=True)


def _fd(a, b, x):
    return M.betainc(a / 2, b / 2, 0, a * x / (a * x + b), regularized=True)


def _kolmogorov(x):
    """2Σ(-1)^(k-1) e^(-2k²x²), by Jacobi's theta form below x = 1 (the series' terms shrink slowly there)."""
    if x < 1:
        c = M.pi**2 / (8 * x * x)
        return 1 - M.sqrt(2 * M.pi) / x * M.nsum(lambda k: M.exp(-((2 * k - 1) ** 2) * c), [1, M.inf])
    return 2 * M.nsum(lambda k: (-1) ** (k - 1) * M.exp(-2 * k * k * x * x), [1, M.inf])


def _voigt(x, sigma, gamma):
    z = M.mpc(x, gamma) / (sigma * M.sqrt(2))
    return (M.exp(-z * z) * M.erfc(-1j * z)).real / (sigma * M.sqrt(2 * M.pi))


def _tklmbda(x, lam):
    """Tukey's λ CDF: the root p of (p^λ - (1 - p)^λ)/λ = x (the logistic at λ = 0)."""
    if lam == 0:
        return 1 / (1 + M.exp(-x))
    return _root(lambda p: (p**lam - (1 - p) ** lam) / lam - x, sc.tklmbda(float(x), float(lam)))


#: name -> (SciPy's function, mpmath's, the differentiated argument, a point)
CASES = {
    "sindg": (sc.sindg, lambda x: M.sin(_deg(x)), 0, (33.0,)),
    "cosdg": (sc.cosdg, lambda x: M.cos(_deg(x)), 0, (-120.5,)),
    "tandg": (sc.tandg, lambda x: M.tan(_deg(x)), 0, (50.0,)),
    "cotdg": (sc.cotdg, lambda x: M.cot(_deg(x)), 0, (20.0,)),
    "cosm1": (sc.cosm1, lambda x: M.cos(x) - 1, 0, (1e-3,)),
    "exprel-series": (sc.exprel, lambda x: M.expm1(x) / x, 0, (0.3,)),
    "exprel-closed": (sc.exprel, lambda x: M.expm1(x) / x, 0, (-2.5,)),
    "radian-m": (sc.radian, lambda d, m, s: (d + m / 60 + s / 3600) * M.pi / 180, 1, (10.0, 20.0, 30.0)),
    "pdtr": (sc.pdtr, _pd, 1, (3, 2.5)),
    "pdtrc": (sc.pdtrc, lambda k, m: 1 - _pd(k, m), 1, (2.7, 0.8)),
    "pdtri": (sc.pdtri, lambda k, y: _root(lambda m: _pd(k, m) - y, sc.pdtri(float(k), float(y))), 1, (3, 0.3)),
    "chdtr": (sc.chdtr, _ch, 1, (3.0, 2.5)),
    "chdtrc": (sc.chdtrc, lambda v, x: 1 - _ch(v, x), 1, (5.0, 4.5)),
    "chdtri": (
        sc.chdtri,
        lambda v, p: _root(lambda x: 1 - _ch(v, x) - p, sc.chdtri(float(v), float(p))),
        1,
        (4.0, 0.3),
    ),
    "gdtr-a": (sc.gdtr, _gd, 0, (1.5, 2.5, 1.2)),
    "gdtrc-x": (sc.gdtrc, lambda a, b, x: 1 - _gd(a, b, x), 2, (0.7, 3.0, 2.2)),
    "bdtr": (sc.bdtr, _bd, 2, (2, 7, 0.3)),
    "bdtrc": (sc.bdtrc, lambda k, n, p: 1 - _bd(k, n, p), 2, (2, 7, 0.3)),
    "bdtri": (
        sc.bdtri,
        lambda k, n, y: _root(lambda p: _bd(k, n, p) - y, sc.bdtri(float(k), int(n), float(y))),
        2,
        (2, 7, 0.4),
    ),
    "nbdtr": (sc.nbdtr, _nb, 2, (2, 5, 0.6)),
    "nbdtrc": (sc.nbdtrc, lambda k, n, p: 1 - _nb(k, n, p), 2, (2, 5, 0.6)),
    "fdtr": (sc.fdtr, _fd, 2, (3.0, 5.0, 1.3)),
    "fdtrc": (sc.fdtrc, lambda a, b, x: 1 - _fd(a, b, x), 2, (3.0, 5.0, 1.3)),
    "fdtri": (
        sc.fdtri,
        lambda a, b, y: _root(lambda x: _fd(a, b, x) - y, sc.fdtri(float(a), float(b), float(y))),
        2,
        (3.0, 5.0, 0.4),
    ),
    "kolmogorov-theta": (sc.kolmogorov, _kolmogorov, 0, (0.3,)),
    "kolmogorov-series": (sc.kolmogorov, _kolmogorov, 0, (1.7,)),
    "kolmogi": (
        sc.kolmogi,
        lambda p: _root(lambda x: _kolmogorov(x) - p, sc.kolmogi(float(p))),
        0,
        (0.3,),
    ),
    "eval_legendre": (sc.eval_legendre, M.legendre, 1, (4, 0.3)),
    "eval_legendre-non-integer": (sc.eval_legendre, M.legendre, 1, (2.5, 0.3)),
    "eval_chebyt": (sc.eval_chebyt, M.chebyt, 1, (5, -0.4)),
    "eval_gegenbauer": (sc.eval_gegenbauer, M.gegenbauer, 2, (4, 1.5, 0.3)),
    "eval_hermite": (sc.eval_hermite, M.hermite, 1, (5, 0.8)),
    "eval_hermitenorm": (sc.eval_hermitenorm, lambda n, x: M.hermite(n, x / M.sqrt(2)) * 2 ** (-n / 2), 1, (4, 1.3)),
    "eval_laguerre": (sc.eval_laguerre, lambda n, x: M.laguerre(n, 0, x), 1, (4, 1.3)),
    "eval_jacobi": (sc.eval_jacobi, M.jacobi, 3, (4, 1.5, 0.5, 0.3)),
    "eval_chebyc": (sc.eval_chebyc, lambda n, x: 2 * M.chebyt(n, x / 2), 1, (5, -0.7)),
    "eval_sh_legendre": (sc.eval_sh_legendre, lambda n, x: M.legendre(n, 2 * x - 1), 1, (4, 0.3)),
    "eval_sh_chebyu": (sc.eval_sh_chebyu, lambda n, x: M.chebyu(n, 2 * x - 1), 1, (3, 0.6)),
    # (SciPy's p is 7e-15 off here: the slope takes one Newton step on Q(p) = x)
    "tklmbda": (sc.tklmbda, _tklmbda, 0, (0.7, 0.5)),
    "tklmbda-negative": (sc.tklmbda, _tklmbda, 0, (0.7, -0.5)),
    "tklmbda-logistic-tail": (sc.tklmbda, _tklmbda, 0, (30.0, 0.0)),  # (1 - p as F(-x): no digit lost)
    "agm-a": (sc.agm, M.agm, 0, (1.5, 2.5)),
    # (at larger |z| = |x + iγ|/(σ√2) w′ = -2z·w + 2i/√π cancels: |z|² times wofz's 4e-15, 2e-13 at |z| = 5)
    "voigt_profile-x": (sc.voigt_profile, _voigt, 0, (0.7, 1.3, 0.4)),
    "voigt_profile-sigma": (sc.voigt_profile, _voigt, 1, (0.7, 1.3, 0.4)),
    "voigt_profile-gamma": (sc.voigt_profile, _voigt, 2, (0.7, 1.3, 0.4)),
    # (SciPy's value at σ < 0 or γ < 0 is the same formula's, Im z < 0: its rules' too)
    "voigt_profile-negative": (sc.voigt_profile, _voigt, 1, (0.7, -1.3, -0.4)),
    "agm-b-far": (sc.agm, M.agm, 1, (1e-6, 2.5)),
}


def _mp_derivatives(mp_fn, point, i):
    """mpmath's first and second derivatives of mp_fn in argument i at point."""
    args = [M.mpf(v) for v in point]

    def along(t):
        return mp_fn(*args[:i], t, *args[i + 1 :])

    return [float(M.diff(along, args[i], n)) for n in (1, 2)]


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_match_mpmath(name):
    fn, mp_fn, i, point = CASES[name]

    def f(t):
        return fn(*point[:i], t, *point[i + 1 :])

    d1, d2 = _mp_derivatives(mp_fn, point, i)
    for method in ("reverse", "forward", "symbolic"):
        g = dl.grad(f, method=method)
        np.testing.assert_allclose(float(g(point[i])), d1, rtol=5e-15, err_msg=method)
        # (radian is linear: mpmath's second difference is ~1e-40, not 0)
        np.testing.assert_allclose(
            float(dl.grad(g, method=method)(point[i])), d2, rtol=5e-15, atol=1e-30, err_msg=method
        )
    if name == "tklmbda-logistic-tail":  # (F = 1 - 9e-14: numeric says its differences are round-off, by name)
        with pytest.warns(NumericAccuracyWarning, match="cannot resolve this derivative"):
            dl.grad(f, method="numeric")(point[i])
        return
    np.testing.assert_allclose(float(dl.grad(f, method="numeric")(point[i])), d1, rtol=1e-7)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_exact_points(method):
    """sindg′ by cosdg (exact at whole multiples of 90°: sin(π/2·k) is not): sindg′(90) = 0, cosdg′(90) = -π/180;
    exprel′(0) = 1/2 and exprel″(0) = 1/3 (its series; the closed form is 0/0 there); agm's ∂a at a = b is 1/2
    (K at p = 1 - m = 1 by ellipkm1's series)."""
    for f, x, d1, d2 in (
        (sc.sindg, 90.0, 0.0, -((math.pi / 180) ** 2)),
        (sc.cosdg, 90.0, -math.pi / 180, 0.0),
        (sc.exprel, 0.0, 0.5, 1.0 / 3.0),
        (lambda a: sc.agm(a, 2.0), 2.0, 0.5, -0.0625),
        (
            lambda x: sc.eval_hermite(0, x),
            0.3,
            0.0,
            0.0,
        ),  # (degree 0: H₋₁ is NaN in SciPy, never read)  # (∂²M/∂a² at a = b: -1/(8a) (mpmath))
    ):
        g = dl.grad(f, method=method)
        np.testing.assert_allclose(float(g(x)), d1, rtol=1e-15, atol=0)
        np.testing.assert_allclose(float(dl.grad(g, method=method)(x)), d2, rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "f, arg",
    [
        (lambda t: sc.pdtr(t, 1.0), "k"),
        (lambda t: sc.pdtri(t, 0.3), "k"),
        (lambda t: sc.bdtr(1.0, t, 0.3), "n"),
        (lambda t: sc.nbdtr(t, 4.0, 0.3), "k"),
        (lambda t: sc.eval_legendre(t, 0.3), "n"),
        (lambda t: sc.eval_jacobi(2, 1.0, t, 0.3), "beta"),
        (lambda t: sc.tklmbda(0.3, t), "lmbda"),
    ],
    ids=[
        "pdtr-k",
        "pdtri-k",
        "bdtr-n",
        "nbdtr-k",
        "legendre-n",
        "jacobi-b",
        "tklmbda-lmbda",
    ],
)
def test_parameters_are_refused_by_name(f, arg):
    for method in ("reverse", "symbolic"):
        with pytest.raises(NotDifferentiableError, match=rf"is not differentiable in its argument {arg} "):
            dl.grad(f, method=method)(2.0)


@pytest.mark.parametrize(
    "name, f, x",
    [
        ("pdtr", lambda m: sc.pdtr(2.0, m), -1.0),
        ("pdtri", lambda y: sc.pdtri(2.0, y), 1.5),
        ("chdtri", lambda p: sc.chdtri(2.0, p), 1.5),
        ("bdtr", lambda p: sc.bdtr(1.0, 3.0, p), 1.5),
        ("fdtr", lambda x: sc.fdtr(2.0, 3.0, x), -1.0),
        ("cotdg", sc.cotdg, 0.0),
        ("kolmogi", sc.kolmogi, 1.5),
        ("agm", lambda a: sc.agm(a, 2.0), -1.0),
    ],
)
@pytest.mark.parametrize("method", ["reverse", "numeric"])
def test_outside_the_domain_a_domain_warning_names_the_op(name, f, x, method):
    with pytest.warns(DomainWarning, match=rf"= {name}\(.*outside the domain of {name}"):
        g = dl.grad(f, method=method)(x)
    assert not np.isfinite(g)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_voigt_profile_at_sigma_zero_is_said(method):
    """SciPy's voigt_profile at σ = 0 is the Cauchy density (finite), but V jumps there (z = (x + iγ)/(σ√2) leaves to
    infinity on either side; SciPy's σ < 0 is the same formula's): its rules, which divide by σ, say so by name."""
    with pytest.warns(DomainWarning, match=r"= voigt_profile\(.*outside the domain of voigt_profile"):
        g = dl.grad(lambda x: sc.voigt_profile(x, 0.0, 0.5), method=method)(1.0)
    assert np.isnan(g)


def test_vector_hessians_and_no_warning_inside_the_domain():
    """The symbolic and numeric Hessians of Σ w·f(x) over several entries (lambdified code and stencils on a vector)
    against mpmath's second derivatives; no warning where every value is finite."""
    x = np.array([0.3, 0.55, 0.8])
    w = np.array([1.0, -2.0, 0.5])

    def f(x):
        return np.sum(w * (sc.exprel(x) + sc.chdtr(3.0, x) + sc.bdtr(2.0, 6.0, x) + sc.fdtri(3.0, 4.0, x)))

    def mp(t):
        return (
            M.expm1(t) / t + _ch(3, t) + _bd(2, 6, t) + _root(lambda u: _fd(3, 4, u) - t, sc.fdtri(3.0, 4.0, float(t)))
        )

    want = np.diag(w * [float(M.diff(mp, M.mpf(v), 2)) for v in x])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method, rtol in (("symbolic", 1e-13), ("reverse", 1e-13), ("numeric", 1e-4)):
            np.testing.assert_allclose(dl.hessian(f, method=method)(x), want, rtol=rtol, atol=rtol * 10, err_msg=method)


def test_tklmbda_declares_its_kinks_at_the_ends_of_its_support():
    """tklmbda's density jumps to 0 at x = ±1/λ for λ > 0 (from 1 at λ = 2): a kink the registry declares (the random
    graphs drew tklmbda(tklmbda(x, 1), 2) at x = 0, the inner 1/2 at the outer's end: reverse 0, central differences
    0.25), with the one-sided slopes 1 inside and 0 outside; none at λ ≤ 0, whose support is every x."""
    from difflab.testing.evidence import kink_distances

    for x, lam, distance in ((0.5, 2.0, 0.0), (-0.2, 2.0, 0.3), (0.7, 0.5, 1.3), (-2.5, 0.5, 0.5), (0.7, -0.5, np.inf)):
        ((_, d),) = kink_distances(dl.trace(lambda t, lam=lam: sc.tklmbda(t, lam), x), [x])
        np.testing.assert_allclose(d, distance, rtol=1e-15, atol=1e-15, err_msg=f"x = {x}, λ = {lam}")
    vector = np.array([-0.5, 0.0, 0.25, 0.5])
    (((_, d),)) = kink_distances(dl.trace(lambda t: sc.tklmbda(t, 2.0), vector), [vector])
    np.testing.assert_array_equal(d, [0.0, 0.5, 0.25, 0.0])
    slope = dl.grad(lambda t: sc.tklmbda(t, 2.0), method="reverse")
    assert float(slope(0.5 - 1e-9)) == pytest.approx(1.0) and float(slope(0.5 + 1e-9)) == 0.0
