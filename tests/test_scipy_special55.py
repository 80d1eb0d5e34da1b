"""scipy.special leftovers (issue 11, special55): elliprj's first and second derivatives at and near p = xᵢ (they were
NaN/-inf at p = xᵢ, its partial's divided difference (RJ - RD)/(2(p - xᵢ)) being 0/0 there, and lost ε·p/|p - xᵢ| of
their digits near it). Reference numbers: mpmath's diff of mpmath's elliprj at 30 digits, written out."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import difflab as dl

sc = pytest.importorskip("scipy.special")

#: point: (gradient, upper triangle of the Hessian by rows), mpmath.diff(mpmath.elliprj, point, orders) at 30 digits
ELLIPRJ = {
    (0.7, 1.3, 2.1, 0.7): (
        (-0.37929965817986083, -0.2438693525262805, -0.16834294908260639, -0.7585993163597217),
        (0.5514132421445708, 0.11285858804465027, 0.07534168182044801, 0.36760882809638057)
        + (0.2104168783862411, 0.04720400215229632, 0.22571717608930053)
        + (0.09584506575504281, 0.15068336364089602, 1.4704353123855223),
    ),
    (0.7, 1.3, 2.1, 0.7000000007): (
        (-0.3792996579225346, -0.24386935236827847, -0.168342948977128, -0.7585993153304169),
        (0.5514132417287618, 0.11285858796188013, 0.07534168176621664, 0.3676088275419686)
        + (0.2104168782367224, 0.04720400211946903, 0.22571717575821998)
        + (0.09584506568995281, 0.15068336342397054, 1.4704353090590505),
    ),
    (0.7, 1.3, 2.1, 0.6999999993): (
        (-0.379299658437187, -0.2438693526842825, -0.16834294918808473, -0.7585993173890263),
        (0.5514132425603797, 0.11285858812742039, 0.07534168187467938, 0.3676088286507924)
        + (0.2104168785357598, 0.04720400218512361, 0.22571717642038103)
        + (0.09584506582013279, 0.15068336385782147, 1.4704353157119934),
    ),
    (0.7, 1.3, 2.1, 0.70007): (
        (-0.37927392750218025, -0.2438535534826449, -0.1683324020063316, -0.7584963975292606),
        (0.5513716645839875, 0.11285031168294611, 0.07533625910566023, 0.3675533935705615)
        + (0.2104019276687134, 0.04720071967269581, 0.22568407194503592)
        + (0.09583855724403915, 0.1506616736253232, 1.4701027185596198),
    ),
    (2.0, 0.75, 0.75, 0.75): (  # p = y = z (test_random_graphs drew it: NaN in every exact method)
        (-0.20198843071746417, -0.42090741311166563, -0.42090741311166563, -0.8418148262233313),
        (0.1211341489603093, 0.0875675929576806, 0.0875675929576806, 0.1751351859153612)
        + (0.5847555645758686, 0.19491852152528955, 0.3898370430505791)
        + (0.5847555645758686, 0.3898370430505791, 1.5593481722023164),
    ),
    (1.0, 1.0, 1.0, 1.0): (  # all four equal: RJ(t, t, t, t) = t^(-3/2)
        (-0.3, -0.3, -0.3, -0.6),
        (0.32142857142857145, 0.10714285714285714, 0.10714285714285714, 0.21428571428571427)
        + (0.32142857142857145, 0.10714285714285714, 0.21428571428571427)
        + (0.32142857142857145, 0.21428571428571427, 0.8571428571428571),
    ),
}


def _rj(v):
    return sc.elliprj(v[0], v[1], v[2], v[3])


@pytest.mark.parametrize("point", list(ELLIPRJ), ids=lambda p: "-".join(map(str, p)))
def test_elliprj_first_and_second_derivatives_at_and_near_p_equal_x(point):
    """Gradient and Hessian (the Jacobian of the gradient) within 2e-14 of mpmath's, by reverse, and forward at
    p = x exactly; no DomainWarning. On main: NaN/inf at p = x and where all coincide (said); off p = x by 1e-9 the
    gradient 2e-7 and the Hessian 4.5e2 relative off, by 1e-4 6.8e-12 and 1.5e-7."""
    grad, upper = ELLIPRJ[point]
    hess = np.zeros((4, 4))
    hess[np.triu_indices(4)] = upper
    hess = hess + np.triu(hess, 1).T
    x = np.array(point)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("reverse", "forward") if point == (0.7, 1.3, 2.1, 0.7) else ("reverse",):
            slope = dl.grad(_rj, method=method)
            np.testing.assert_allclose(slope(x), grad, rtol=2e-14, err_msg=method)
            np.testing.assert_allclose(dl.jacobian(slope, method=method)(x), hess, rtol=2e-14, err_msg=method)


#: x: (∫₀ˣ I₀, ∫₀ˣ L₀) by mpmath's quad at 30 digits
GROWING = {
    19.5: (27519001.658211727, 27518998.959296543),
    20.0: (44758598.91385575, 44758596.19878038),
    25.0: (5899173184.280364, 5899173181.422938),
    33.0: (15203661331163.086, 15203661331160.05),
    40.5: (2.471957489002936e16, 2.471957489002936e16),
    60.0: (5.944696042175824e24, 5.944696042175824e24),
    300.0: (4.483351027311001e128, 4.483351027311001e128),
}


def test_iti0k0_and_itmodstruve0_are_right_beyond_20():
    """∫₀ˣ I₀ (iti0k0's first part, odd) and ∫₀ˣ L₀ (itmodstruve0, even) within 3e-14 of mpmath's quadrature from 19.5
    on, 1e-15 from 25 (SciPy's: 1.3e-7 off at 20, 7.9e-9 at 25, 3e-11 at 40.5), the fronts' and the traced values."""
    dsp = pytest.importorskip("difflab.scipy.special")
    xs = np.array(list(GROWING))
    i0, l0 = np.array(list(GROWING.values())).T
    tol = np.where(xs < 25, 3e-14, 1e-15)
    assert np.all(np.abs(dsp.iti0k0(xs)[0] / i0 - 1) <= tol)
    assert np.all(np.abs(dsp.iti0k0(-xs)[0] / -i0 - 1) <= tol)
    assert np.all(np.abs(dsp.itmodstruve0(-xs) / l0 - 1) <= tol)
    traced = dl.value_and_grad(lambda t: sc.itmodstruve0(t) + sc.iti0k0(t)[0])(25.0)
    np.testing.assert_allclose(traced[0], 5899173184.280364 + 5899173181.422938, rtol=1e-15)
    np.testing.assert_allclose(traced[1], sc.i0(25.0) + sc.modstruve(0, 25.0), rtol=1e-15)  # (slopes: I₀, L₀)
    assert dsp.iti0k0(np.inf)[0] == np.inf and dsp.itmodstruve0(-np.inf) == np.inf  # (SciPy's NaN)
