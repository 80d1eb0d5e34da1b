"""The spheroidal wave functions pro_ang1, pro_rad1, obl_ang1, obl_rad1 and their _cv forms (spheroid61): d/dx SciPy's
own slope, its slope by the spheroidal equation (every order), m, n, c and cv refused by name, a cv that is not the
characteristic value (or a c below 0) a NaN second derivative with a DomainWarning; the characteristic values pro_cv
and obl_cv in c to second order."""

import warnings

import numpy as np
import pytest

#: (name, args before x, x, d²/dx², d³/dx³): mpmath's (30 digits) equation at SciPy's value, slope and λ (pro_cv,
#: obl_cv): y″ = s·(2x·y′ - (λ - k·x² - m²/w)·y)/w, w = 1 - s·x², s = -1 for obl_rad1 (1 else), k = -c² for obl_ang1
#: (c² else); y‴ its derivative along (y, y′). They agree with Richardson differences of SciPy's slope (resp. of
#: difflab's y″) to 3e-12, and mpmath's odefun integrating the equation from SciPy's (y, y′) at one x meets SciPy's
#: pair at another to 2e-14 (8 points): the equation and its signs are the functions SciPy computes.
SPHEROIDAL = [
    ("pro_ang1", (2, 3, 2.5), 0.45, -44.18956020190231, -57.06024087287914),
    ("pro_ang1_cv", (2, 3, 2.5, 13.998845409770425), 0.45, -44.18956020190231, -57.06024087287914),
    ("pro_rad1", (1, 2, 1.5), 1.7, -0.25833219337329627, -0.26868681967736235),
    ("pro_rad1_cv", (1, 2, 1.5, 6.9447848136442785), 1.7, -0.25833219337329627, -0.26868681967736235),
    ("obl_ang1", (0, 2, 3.0), -0.6, 4.178896750393278, -12.644972242414003),
    ("obl_ang1_cv", (0, 2, 3.0, 2.251269210562797), -0.6, 4.178896750393278, -12.644972242414003),
    ("obl_rad1", (1, 3, 2.0), 0.8, 0.153763390124768, -0.1443125584716917),
    ("obl_rad1_cv", (1, 3, 2.0, 10.163245057199756), 0.8, 0.153763390124768, -0.1443125584716917),
]


@pytest.mark.parametrize("name, args, x, d2, d3", SPHEROIDAL)
def test_spheroidal_functions_in_x_to_third_order(name, args, x, d2, d3):
    sc = pytest.importorskip("scipy.special")
    import difflab as dl
    import difflab.scipy.special as dsp

    f = lambda t: getattr(dsp, name)(*args, t)[0]  # noqa: E731
    value, slope = getattr(sc, name)(*args, x)
    assert dl.value_and_grad(f)(x) == (value, slope)  # SciPy's own pair
    third = dl.grad(dl.grad(dl.grad(f, method="forward")))(x)
    np.testing.assert_allclose([dl.hessian(f)(x), third], [d2, d3], rtol=1e-13)


def test_spheroidal_parameters_are_refused_by_name_and_a_wrong_cv_is_said():
    sc = pytest.importorskip("scipy.special")
    import difflab as dl
    import difflab.scipy.special as dsp
    from difflab.errors import DomainWarning, NotDifferentiableError

    for k, arg in enumerate("mnc"):
        with pytest.raises(NotDifferentiableError, match=rf"scipy\.special\.obl_rad1 .* argument {arg} \(only in x\)"):
            dl.grad(lambda v: dsp.obl_rad1(*(v if i == k else a for i, a in enumerate((1.0, 2.0, 1.5))), 0.7)[0])(
                [1.0, 2.0, 1.5][k]
            )
    cv = sc.pro_cv(1, 2, 1.5)
    with pytest.raises(NotDifferentiableError, match=r"pro_ang1_cv .* argument cv \(only in x\)"):
        dl.grad(lambda v: dsp.pro_ang1_cv(1, 2, 1.5, v, 0.4)[0])(cv)
    # another cv: SciPy's function with it solves no equation (its slope is still its values'): y″ is NaN, said
    f = lambda t: dsp.pro_ang1_cv(1, 2, 1.5, cv + 0.5, t)[0]  # noqa: E731
    assert dl.grad(f)(0.4) == sc.pro_ang1_cv(1, 2, 1.5, cv + 0.5, 0.4)[1]
    with pytest.warns(DomainWarning, match="pro_cv_checked"):
        assert np.isnan(dl.hessian(f)(0.4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (cv = pro_cv's value to a rounding: no warning)
        assert np.isfinite(dl.hessian(lambda t: dsp.pro_ang1_cv(1, 2, 1.5, cv * (1 + 4e-16), t)[0])(0.4))
    # c < 0: SciPy's angular functions are the c = 0 ones there, its radial ones solve neither equation
    with pytest.warns(DomainWarning, match="pro_cv_value"):
        assert np.isnan(dl.hessian(lambda t: dsp.pro_rad1(1, 2, -1.5, t)[0])(1.5))


#: (name, (m, n, c), dλ/dc): mpmath's (30 digits) derivative of the eigenvalue of the Legendre-expansion recurrence's
#: matrix (30 terms; its values are SciPy's pro_cv/obl_cv to 4e-15)
CHARACTERISTIC = [
    ("pro_cv", (1, 2, 1.5), 1.2339679113537814),
    ("pro_cv", (2, 5, 6.0), 5.003787836919302),
    ("obl_cv", (1, 2, 1.5), -1.3387692076967281),
    ("obl_cv", (2, 5, 6.0), -4.836509856936957),
]


@pytest.mark.parametrize("name, args, slope", CHARACTERISTIC)
def test_characteristic_values_in_c_to_first_order(name, args, slope):
    sc = pytest.importorskip("scipy.special")
    import difflab as dl
    import difflab.scipy.special as dsp
    from difflab.errors import NotDifferentiableError

    m, n, c = args
    f = lambda v: getattr(dsp, name)(m, n, v)  # noqa: E731
    value, got = dl.value_and_grad(f)(c)
    assert value == getattr(sc, name)(m, n, c)
    np.testing.assert_allclose([got, dl.grad(f, method="symbolic")(c)], [slope, slope], rtol=1e-13)
    # the second derivative (edges64: second-order perturbation) against Richardson's second differences of SciPy's
    d2 = lambda h: (
        (getattr(sc, name)(m, n, c + h) - 2 * getattr(sc, name)(m, n, c) + getattr(sc, name)(m, n, c - h)) / h**2
    )  # noqa: E731
    r1, r2 = (4 * d2(0.025) - d2(0.05)) / 3, (4 * d2(0.0125) - d2(0.025)) / 3
    np.testing.assert_allclose(dl.hessian(f)(c), (16 * r2 - r1) / 15, rtol=0, atol=1e-7)
    with pytest.raises(NotDifferentiableError, match=rf"{name} .* argument c a third time \(only in c, twice\)"):
        dl.grad(dl.hessian(f))(c)
    with pytest.raises(NotDifferentiableError, match=rf"{name} .* argument n \(only in c\)"):
        dl.grad(lambda v: getattr(dsp, name)(m, v, c))(float(n))
