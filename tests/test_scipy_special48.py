"""scipy.special's next names (issue 11, special48): Hurwitz's zeta(x, q) in x (it was refused), Kelvin's ber, bei, ker,
kei, their slopes berp, beip, kerp, keip (berp′ by Kelvin's equation) and kelvin (the four complex values), Hankel's
hankel1, hankel2, hankel1e, hankel2e (complex values on real x), and the integrals itj0y0, iti0k0, it2j0y0, it2i0k0 (pairs), itstruve0, itmodstruve0 and
it2struve0 (slopes: the integrands, over t for the it2 ones). References: mpmath's diff at 40 digits of its own function (not of the rule), written out below."""

import warnings

import numpy as np
import pytest

import difflab as dl
from difflab.errors import NotDifferentiableError
from special_cases import check_against_mpmath

sc = pytest.importorskip("scipy.special")


def _part(fn, k):
    return lambda *a: fn(*a)[k]


def _re(fn):
    return lambda v, x: np.real(fn(v, x))


def _im(fn):
    return lambda v, x: np.imag(fn(v, x))


#: name -> (function, the differentiated argument, the point, rtol, mpmath's first and second derivatives there:
#: float(mpmath.diff(f, t, n)), n = 1, 2, at 40 digits, f mpmath's zeta(t, q), ber/bei/ker/kei(0, t) (berp...: diff
#: of those), Re/Im of hankel1/hankel2(v, t)·expj(c·t) (c = -1 for hankel1e, 1 for hankel2e), and quad of
#: besselj/bessely/besseli/besselk/struveh/struvel(0, s) over [0, t])
CASES = {
    "zeta-x": (sc.zeta, 0, (3.0, 2.0), 1e-15, (-0.19812624288563685, 0.2397469173053872)),
    "zeta-x-small-q": (sc.zeta, 0, (1.5, 0.3), 1e-15, (3.292037761731203, 24.819844614385932)),
    # (mpmath's at the decimal 1.01: the double 1.01 is 9e-17 off it, ζ′ ~ -1/(x - 1)² moves 1.8e-15 by it)
    "zeta-x-near-pole": (sc.zeta, 0, (1.01, 5.0), 3e-15, (-9998.879096367786, 1999998.8799629842)),
    "ber": (sc.ber, 0, (1.3,), 1e-15, (-0.13697216878212148, -0.3150427588786221)),
    "bei-negative": (sc.bei, 0, (-1.5,), 1e-15, (-0.7302506739002734, 0.43423840094607347)),
    "ker": (sc.ker, 0, (1.3,), 1e-15, (-0.41722737310501956, 0.7142359596869607)),
    "kei": (sc.kei, 0, (0.4,), 1e-15, (0.3095140025477276, 0.28883889638920307)),
    # (berp′ = -berp/x - bei, Kelvin's equation; beip/x by its series below |x| = 1)
    "berp": (sc.berp, 0, (2.5,), 1e-14, (-1.079748680717879, -0.7173427195869426)),
    "beip-small": (sc.beip, 0, (0.3,), 1e-14, (0.49989453165045145, -0.0014062393212983587)),
    "kerp": (sc.kerp, 0, (1.3,), 1e-14, (0.7142359596869607, -1.1190041520563587)),
    "keip": (sc.keip, 0, (2.0,), 1e-13, (-0.1515684689513123, 0.024135246074504877)),
    "hankel1-re": (_re(sc.hankel1), 1, (0.0, 1.3), 1e-15, (-0.5220232474146604, -0.21852964539638575)),
    "hankel1-im": (_im(sc.hankel1), 1, (1.5, 0.4), 1e-14, (11.573867005600501, -73.29786608588613)),
    "hankel2-im": (_im(sc.hankel2), 1, (1.0, 2.0), 1e-15, (-0.5638918884202139, 0.2016716205544038)),
    "hankel1e-re": (_re(sc.hankel1e), 1, (2.0, 7.0), 1e-13, (0.026304157976688777, -0.007067879826211467)),
    "hankel2e-im": (_im(sc.hankel2e), 1, (0.5, 3.0), 1e-14, (-0.07677647766029677, 0.038388238830148386)),
    "itj0y0-j0": (_part(sc.itj0y0, 0), 0, (1.7,), 1e-15, (0.3979848594461095, -0.5777652315290233)),
    "itj0y0-y0": (_part(sc.itj0y0, 1), 0, (0.4,), 1e-15, (-0.6060245684270096, 1.7808720442700514)),
    "iti0k0-i0": (_part(sc.iti0k0, 0), 0, (1.7,), 1e-15, (1.8639649620738397, 1.1963465656344823)),
    "iti0k0-k0": (_part(sc.iti0k0, 1), 0, (0.4,), 1e-15, (1.1145291345244344, -2.1843544247326876)),
    "itstruve0": (sc.itstruve0, 0, (-1.3,), 1e-15, (-0.6823503116019977, 0.3164966263911611)),
    "itmodstruve0": (sc.itmodstruve0, 0, (6.0,), 1e-15, (67.1244548039025, 61.36163051146222)),
    # (mpmath's nsum of the series Σ ±(x/2)^(2k)/(2k(k!)²), and one Meijer G for ∫ₓ^∞ f(t)/t dt; (1 - J₀)/x by its
    # series below |x| = 1)
    "it2j0y0-j0": (_part(sc.it2j0y0, 0), 0, (0.5,), 1e-15, (0.12306038551837419, 0.2384161443129994)),
    "it2j0y0-y0": (_part(sc.it2j0y0, 1), 0, (1.7,), 1e-15, (-0.2658982354009615, -0.011075299801827549)),
    "it2i0k0-i0": (_part(sc.it2i0k0, 0), 0, (3.0,), 1e-15, (1.2935975286216748, 0.8865908962603115)),
    "it2i0k0-k0": (_part(sc.it2i0k0, 1), 0, (0.4,), 1e-15, (-2.786322836311086, 12.426693152609433)),
    "it2struve0": (sc.it2struve0, 0, (0.8,), 1e-15, (-0.5924929458412579, 0.10749453356671294)),
}

#: the symbolic method's SymPy and lambdify cost ~0.1 s a case: a few (the registry's tests translate every entry)
SYMBOLIC = {"zeta-x-small-q", "beip-small", "hankel1e-re", "it2j0y0-j0"}


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_match_mpmath(name):
    check_against_mpmath(CASES, SYMBOLIC, name)


def test_values_are_scipys():
    for name in ("zeta-x", "berp", "hankel1-im", "hankel2e-im", "itj0y0-y0", "itstruve0"):
        fn, i, point, _, (d1, _) = CASES[name]
        f = lambda t, fn=fn, i=i, point=point: fn(*point[:i], t, *point[i + 1 :])  # noqa: E731
        value, _ = dl.value_and_grad(f)(point[i])
        assert float(value) == float(fn(*point)), name
    x = np.array([0.5, 1.5])
    assert np.array_equal(dl.vmap(lambda t: sc.hankel1(1.0, t) * 1.0)(x), sc.hankel1(1.0, x))  # complex, SciPy's


def test_zeta_mixed_derivative_and_where_the_slope_in_x_is_nan():
    """∂x∂q ζ(x, q) at (3, 2) against mpmath's diff (0.12441056397723795); below x = 1 SciPy's ζ(x, q) is NaN, and at
    q < 0 the slope in x is complex (log(k + q) of a negative term): NaN there, said by a DomainWarning, never a number."""
    for method in ("reverse", "forward"):
        g = dl.grad(lambda q: dl.grad(lambda x: sc.zeta(x, q), method=method)(3.0), method=method)
        np.testing.assert_allclose(float(g(2.0)), 0.12441056397723795, rtol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(float(dl.grad(lambda x: sc.zeta(x, -0.5))(3.0)))
        assert np.isnan(float(dl.grad(lambda x: sc.zeta(x, 2.0))(0.5)))


def test_kelvin_slopes_at_the_origin_to_every_order():
    """berp/x and beip/x are their series near 0 (no 0/0): berp‴(0) = ber⁗(0) = -3/8, beip′(0) = 1/2 (mpmath's diff
    of ber(0, x) and bei(0, x)); a constant limit there gave -1/2."""
    for method in ("reverse", "forward"):
        g3 = dl.grad(dl.grad(dl.grad(lambda x: sc.berp(x), method=method), method=method), method=method)
        assert float(g3(0.0)) == pytest.approx(-0.375, rel=1e-15)
        assert float(dl.grad(lambda x: sc.beip(x), method=method)(0.0)) == 0.5


def test_the_integrals_slopes_at_the_origin():
    """(1 - J₀(x))/x, (I₀(x) - 1)/x and -H₀(x)/x are their series near 0, no 0/0: slopes 0, 0, -2/π and second
    derivatives 1/4, 1/4, 0 at x = 0 (the series' first terms x/4, x/4, -2/π + 2x²/(9π))."""
    for method in ("reverse", "forward"):
        for f, d1, d2 in ((_part(sc.it2j0y0, 0), 0.0, 0.25), (_part(sc.it2i0k0, 0), 0.0, 0.25),
                          (sc.it2struve0, -2 / np.pi, 0.0)):  # fmt: skip
            g = dl.grad(f, method=method)
            assert float(g(0.0)) == pytest.approx(d1, rel=1e-15, abs=1e-300)
            assert float(dl.grad(g, method=method)(0.0)) == pytest.approx(d2, rel=1e-15, abs=1e-300)


def test_kelvin_returns_scipys_four_complex_values_and_their_slopes():
    """kelvin(x) = (ber + i·bei, ker + i·kei, berp + i·beip, kerp + i·keip), bit for bit SciPy's; d|Be|²/dx =
    2(ber·berp + bei·beip), and the real parts' slopes berp, kerp, berp′ = -berp/x - bei, kerp′ = -kerp/x - kei."""
    x = np.array([0.5, 1.7])
    assert np.array_equal(dl.vmap(lambda t: dl.numpy.stack(sc.kelvin(t)))(x), np.stack(sc.kelvin(x), axis=-1))
    ber, bei, ker, kei, berp, beip, kerp, keip = (f(1.3) for f in (sc.ber, sc.bei, sc.ker, sc.kei, sc.berp, sc.beip,
                                                                   sc.kerp, sc.keip))  # fmt: skip
    got = dl.grad(lambda t: np.abs(sc.kelvin(t)[0]) ** 2)(1.3)
    np.testing.assert_allclose(float(got), 2 * (ber * berp + bei * beip), rtol=1e-15)
    got = dl.jacobian(lambda t: dl.numpy.stack([np.real(z) for z in sc.kelvin(t)]))(1.3)
    np.testing.assert_allclose(got, [berp, kerp, -berp / 1.3 - bei, -kerp / 1.3 - kei], rtol=1e-15)


def test_the_front_of_several_outputs_and_the_orders_refused():
    got = dl.jacobian(lambda x: dl.numpy.stack(sc.iti0k0(x)))(0.8)
    np.testing.assert_allclose(got, [sc.i0(0.8), sc.k0(0.8)], rtol=1e-15)
    f = lambda t: np.abs(sc.hankel1(0.5, t)) ** 2  # noqa: E731  (|H_{1/2}(x)|² = 2/(πx))
    np.testing.assert_allclose(float(dl.grad(f)(2.0)), -2 / (np.pi * 4.0), rtol=1e-15)
    with pytest.raises(NotDifferentiableError, match=r"hankel1e is not differentiable in its argument v"):
        dl.grad(lambda v: np.real(sc.hankel1e(v, 2.0)))(1.0)
