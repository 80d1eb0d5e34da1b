"""Mathieu's functions where SciPy's numbers are wrong (issue 11, mathieu63): mathieu_cem/sem by difflab (the Fourier
coefficients of the characteristic value's eigenvector), the radial ones NaN where SciPy's are wrong."""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy.special as dsp

sc = pytest.importorskip("scipy.special")

#: (name, m, q, x in degrees, value, slope in radians) by mpmath: Rayleigh-quotient inverse iteration on the same
#: tridiagonal matrix at 45 digits (residual < 1e-40), the Fourier sums at 45 digits; SciPy's value beside each
ANGULAR = [
    ("mathieu_cem", 30, 400.0, 30.0, -1.0352198007086056, 0.13343591038236947),  # SciPy -0.823 (its a: 764 for 996)
    ("mathieu_cem", 0, 2000.0, 90.0, 2.892016213792261, 0.0),  # SciPy 0.0
    ("mathieu_sem", 10, 2000.0, 88.0, 1.4264973810221855, -8.9851107732497074),  # SciPy 0.0
    ("mathieu_sem", 30, 400.0, 10.0, 0.75424069486846949, -16.880166429593815),  # SciPy 0.729
    ("mathieu_cem", 4, 2500.0, 85.0, -1.5573851841540941, 29.238935099101405),  # SciPy NaN
    ("mathieu_cem", 50, 1500.0, 20.0, 0.47007466742377727, 23.701168553927363),  # SciPy -1.151
    ("mathieu_sem", 120, 0.5, 47.0, -0.8649832852692868, -60.21590703039422),  # SciPy 1.6e-12 off
]


def test_angular_values_are_mpmaths_where_scipys_are_wrong():
    """Within 1e-13 of mpmath's (SciPy's are O(1) off, 0.0 or NaN at these points); vectorised alike."""
    for name, m, q, x, value, slope in ANGULAR:
        got = getattr(dsp, name)(m, q, x)
        assert abs(got[0] - value) <= 1e-13 and abs(got[1] - slope) <= 1e-13 * max(1, abs(slope)), (name, m, q, x)
    ms, qs, xs, values = (np.array([row[k] for row in ANGULAR[:2]]) for k in (1, 2, 3, 4))
    assert np.allclose(dsp.mathieu_cem(ms, qs, xs)[0], values, rtol=1e-13, atol=0)
    assert not abs(sc.mathieu_cem(30, 400.0, 30.0)[0] - ANGULAR[0][4]) < 0.1  # (what difflab replaces)


def test_angular_values_are_scipys_where_right():
    """q < 0 (DLMF 28.2.34's relations, SciPy's signs), sem at m = 0, NaN at a fractional m, float32 in and out, as
    SciPy's."""
    m = np.array([0, 1, 2, 3, 4, 5])
    for q in (-3.0, 0.0, 2.5):
        for name in ("mathieu_cem", "mathieu_sem"):
            got, want = getattr(dsp, name)(m, q, 37.0), getattr(sc, name)(m, q, 37.0)
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
    assert np.isnan(dsp.mathieu_cem(1.5, 3.0, 10.0)[0])
    assert dsp.mathieu_cem(np.float32(2), 3.0, 10.0)[0] == pytest.approx(0.9621152, rel=1e-7)  # (SciPy's float32: NaN)
    assert dsp.mathieu_cem(np.float32(2), 3.0, 10.0)[0].dtype == np.float32


def test_angular_slopes_in_x_by_all_methods():
    """d/dx (x in degrees) = the slope times π/180 by every method; the second derivative Mathieu's equation's with
    difflab's a = 995.92615353350978 (SciPy's a is 764.3 there)."""
    name, m, q, x, value, slope = ANGULAR[0]
    unit = np.pi / 180
    f = lambda t: dsp.mathieu_cem(m, q, t)[0]  # noqa: E731
    for method in ("symbolic", "forward", "reverse"):
        assert dl.grad(f, method=method)(x) == pytest.approx(slope * unit, rel=1e-12)
    assert dl.grad(f, method="numeric")(x) == pytest.approx(slope * unit, rel=1e-6)
    curve = dl.hessian(f, method="forward")(x)
    want = (2 * q * np.cos(2 * x * unit) - 995.92615353350978449) * value * unit**2
    assert curve == pytest.approx(want, rel=1e-12)


def test_radial_functions_are_nan_where_no_value_is_right():
    """NaN with a DomainWarning where neither difflab's pair (mathieurad64; subnormal Bessel factors at m = 100, q = 0.01)
    nor SciPy's keeps the Wronskian Mc1·Mc2′ - Mc1′·Mc2 = 2/π; SciPy's values where right
    (tests/test_mathieu_radial64.py has difflab's where SciPy's are wrong)."""
    with np.errstate(invalid="ignore"):
        assert np.isnan(dsp.mathieu_modcem2(100, 0.01, 0.1)[1])
    assert dsp.mathieu_modcem1(3, 10.0, 0.5) == sc.mathieu_modcem1(3, 10.0, 0.5)
    # a q SciPy 1.17 crashes the process on (SIGSEGV: radial at NaN, inf, 1e300; angular at NaN, inf): NaN here
    for q in (np.nan, np.inf, 1e300):
        assert np.isnan(dsp.mathieu_modcem1(1, q, 0.5)[0]) and np.isnan(dsp.mathieu_sem(1, q, 10.0)[1])
    with pytest.warns(dl.DomainWarning, match="mathieu_modcem2"):
        dl.grad(lambda t: dsp.mathieu_modcem2(100, 0.01, t)[0])(0.1)


#: (name, m, q, x in degrees, d/dq value, d/dq slope) by mpmath: central differences (h = 1e-12) of the 45-digit sums
IN_Q = [
    ("mathieu_cem", 3, 3.0, 70.0, 0.056006269310417794943, -0.34280712638182842851),
    ("mathieu_sem", 2, -5.0, 40.0, 0.019137311127766576557, 0.23993200320870669563),  # (q < 0: se₂ at 5, 50°)
    ("mathieu_cem", 30, 400.0, 30.0, 0.00065222289519783425644, -0.44925985691058508089),  # (SciPy's value wrong)
]


def test_angular_functions_in_q():
    """d/dq of the value and the slope (traced q: the eigenvector of the traced matrix) within 2e-15 of mpmath's,
    forward and reverse; m traced refused by name."""
    for name, m, q, x, d_value, d_slope in IN_Q:
        for k, want in ((0, d_value), (1, d_slope)):
            f = lambda t: getattr(dsp, name)(m, t, x)[k]  # noqa: E731
            assert dl.grad(f)(q) == pytest.approx(want, rel=2e-14, abs=2e-15), (name, k)
        assert dl.grad(f, method="forward")(q) == pytest.approx(d_slope, rel=2e-14)
    with pytest.raises(dl.NotDifferentiableError, match="argument m"):
        dl.grad(lambda t: dsp.mathieu_cem(t, 1.0, 30.0)[0])(2.0)


def test_fourier_coefficients_are_difflabs_and_differentiable_in_q():
    """mathieu_even_coef/odd_coef: SciPy's count, within 2e-16 of its values where right, difflab's where SciPy's
    are wrong (m = 30, q = 400: A₀ 0.2169 for 0.00380); d/dq A₀ of ce₂ at 0 is 1/4 (A₀ = q/4 + ...)."""
    got, want = dsp.mathieu_even_coef(2, 3.0), sc.mathieu_even_coef(2, 3.0)
    assert got.shape == want.shape and np.max(np.abs(got - want)) <= 2e-16
    got = dsp.mathieu_odd_coef(5, 1500.0)
    assert got.shape == sc.mathieu_odd_coef(5, 1500.0).shape and abs(got[0] - 0.2974004) < 1e-7
    assert dsp.mathieu_even_coef(30, 400.0)[0] == pytest.approx(0.0037999145338, rel=1e-10)  # (mpmath)
    assert dl.grad(lambda q: dsp.mathieu_even_coef(2, q)[0])(0.0) == pytest.approx(0.25, rel=1e-12)
    with pytest.raises(ValueError, match="q >=0"):
        dsp.mathieu_odd_coef(1, -1.0)


def test_spheroidal_second_kind_where_the_wronskian_holds():
    """pro_rad2, obl_rad2 and their _cv forms: SciPy's (R2, R2′) where they keep the Wronskian with the first kind
    (R1·R2′ - R1′·R2 = 1/(c(x² ∓ 1))), NaN with a RuntimeWarning where not (SciPy's pro_rad2(1, 2, 1.5, 1.5) keeps
    0.874 of it, obl_rad2(1, 2, 1.5, 1.2) -7.3); traced arguments refused by name."""
    assert dsp.pro_rad2(0, 1, 1.5, 2.0) == sc.pro_rad2(0, 1, 1.5, 2.0)
    assert dsp.pro_rad2_cv(0, 1, 1.5, sc.pro_cv(0, 1, 1.5), 2.0) == sc.pro_rad2(0, 1, 1.5, 2.0)
    with pytest.warns(RuntimeWarning, match="pro_rad2.*Wronskian.*1 of 2 points"):
        got = dsp.pro_rad2(np.array([0, 1]), 2, 1.5, np.array([2.0, 1.5]))
    assert np.isfinite(got[0][0]) and np.isnan(got[0][1]) and np.isnan(got[1][1])
    with pytest.warns(RuntimeWarning, match="obl_rad2"):
        assert np.isnan(dsp.obl_rad2(1, 2, 1.5, 1.2)[0])
    with pytest.raises(dl.NotDifferentiableError, match="obl_rad2_cv.*argument x"):
        dl.grad(lambda x: dsp.obl_rad2_cv(0, 1, 1.5, sc.obl_cv(0, 1, 1.5), x)[0])(2.0)
