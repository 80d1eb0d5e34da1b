"""Mathieu's radial functions by difflab (issue 11, mathieurad64): mathieu_modcem1/modsem1 and the second kind
mathieu_modcem2/modsem2 as DLMF 28.24's Bessel-product sums over the largest Fourier coefficient, SciPy's values kept
where they agree to 1e-10; differentiable in q (the traced coefficients) and in x."""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy.special as dsp

sc = pytest.importorskip("scipy.special")

#: (name, m, q, x, value, slope) by mpmath at 45 digits: the coefficients by Rayleigh-quotient inverse iteration on
#: Mathieu's tridiagonal matrix (40 terms past difflab's, residual < 1e-58), DLMF 28.24's sum with mpmath's besselj
#: and bessely over the largest coefficient (the sum over A₀ at 170 digits agrees to 1e-50 at m = 50; mpmath's odefun
#: carries the pair along y″ = (a - 2q·cosh 2x)·y from x to x + 0.25 onto the sum's there to 1e-30). SciPy's beside.
HARD = [
    ("mathieu_modcem1", 30, 10.0, 0.5, 9.5040527436186332e-21, 2.8032219243713556e-19),  # SciPy -1.29e-8
    ("mathieu_modcem1", 50, 0.5, 0.5, 6.2309076745886052e-77, 3.1145065155577148e-75),  # SciPy 25.1
    ("mathieu_modsem1", 30, 400.0, 0.05, 3.6213227942844273e-3, 8.3743120426137231e-2),  # SciPy -0.108
    ("mathieu_modsem1", 20, 0.01, 2.0, 9.1671123990241118e-28, 1.8322300014492038e-26),  # SciPy 2.9e-6
    ("mathieu_modcem1", 10, 2000.0, 0.5, -6.9567700284445941e-2, 4.2339756456232986),  # SciPy NaN
    ("mathieu_modsem1", 5, 0.01, 0.05, 1.3154039044120375e-9, 2.6853456759046969e-8),  # SciPy 2.3e-8 off
    ("mathieu_modcem1", 40, 10000.0, 0.3, -2.5911824296172572e-2, 9.3966867273024843),  # SciPy NaN
    ("mathieu_modcem2", 30, 400.0, 0.5, 1.322427915706944e-1, 2.1470117886059323),  # SciPy 0.0509
    ("mathieu_modsem2", 10, 2000.0, 0.05, 5.9370245871988539e-2, -5.3268400155199535),  # SciPy NaN
    ("mathieu_modsem2", 30, 400.0, 0.5, 1.3219287498554877e-1, 2.1478125189268093),  # SciPy 0.0 (its b 728.5)
]


def test_values_are_mpmaths_where_scipys_are_wrong():
    """Within 1e-12 relative of mpmath's, value and slope (SciPy's are O(1) off or NaN at every one); vectorised."""
    for name, m, q, x, value, slope in HARD:
        got = getattr(dsp, name)(m, q, x)
        assert got[0] == pytest.approx(value, rel=1e-12) and got[1] == pytest.approx(slope, rel=1e-12), (name, m, q)
        theirs = getattr(sc, name)(m, q, x)[0]
        assert not abs(theirs - value) <= 1e-9 * abs(value), (name, m, q, x)  # (what difflab replaces)
    ms, qs, xs, values = (np.array([row[k] for row in HARD[:3]]) for k in (1, 2, 3, 4))
    np.testing.assert_allclose(dsp.mathieu_modcem1(ms[:2], qs[:2], xs[:2])[0], values[:2], rtol=1e-12, atol=0)


def test_scipys_values_where_right_and_its_conventions():
    """Bit for bit SciPy's where it agrees with difflab's (m ≤ 5, moderate q); its NaN at q < 0 and a fractional m, its
    values at q = 0; float32 in and out (SciPy's float32 loop: NaN)."""
    m, q, x = np.array([0, 1, 2, 3, 4, 5]), 2.5, np.array([0.0, 0.3, 0.6, 1.0, 1.5, -0.4])
    for name in ("mathieu_modcem1", "mathieu_modsem1", "mathieu_modcem2", "mathieu_modsem2"):
        got, want = getattr(dsp, name)(m[1:], q, x[1:]), getattr(sc, name)(m[1:], q, x[1:])
        assert np.array_equal(got, want), name
        assert np.isnan(getattr(dsp, name)(2, -1.0, 0.5)[0]) and np.isnan(getattr(dsp, name)(2.5, 1.0, 0.5)[0])
    assert dsp.mathieu_modsem1(2, 0.0, 0.5) == sc.mathieu_modsem1(2, 0.0, 0.5)
    got = dsp.mathieu_modcem1(np.float32(2), 1.0, 0.5)[0]
    assert got.dtype == np.float32 and got == pytest.approx(sc.mathieu_modcem1(2, 1.0, 0.5)[0], rel=1e-7)


def test_wronskian_of_difflabs_two_kinds():
    """Mc⁽¹⁾Mc⁽²⁾′ - Mc⁽¹⁾′Mc⁽²⁾ = 2/π (and Ms's) within 1e-12 where both kinds are difflab's (SciPy's wrong)."""
    for kind, m, q, x in (
        ("cem", 30, 400.0, 0.5),
        ("sem", 30, 400.0, 0.5),
        ("sem", 10, 2000.0, 0.05),
        ("cem", 50, 0.5, 0.5),
    ):
        (y1, d1), (y2, d2) = (getattr(dsp, f"mathieu_mod{kind}{j}")(m, q, x) for j in (1, 2))
        assert (y1 * d2 - d1 * y2) * np.pi / 2 == pytest.approx(1.0, abs=1e-12), (kind, m, q, x)


#: (name, m, q, x, d/dq value, d/dq slope) by mpmath: central differences (h = 1e-12) of the 45-digit sums above
IN_Q = [
    ("mathieu_modcem1", 30, 10.0, 0.5, 1.4075603371351568e-20, 4.1467719950811217e-19),  # (SciPy's value wrong)
    ("mathieu_modsem1", 3, 2.0, 0.7, 1.2976030844840976e-1, 7.1590812673876804e-2),
    ("mathieu_modcem2", 2, 1.5, 0.6, 4.2571233044363378e-1, 1.419120838692939e-1),
    ("mathieu_modsem2", 4, 5.0, 1.0, 1.5478575279703869e-1, -2.8326509745827862e-1),
    ("mathieu_modsem2", 81, 0.001, 0.5, 1.817770820654467e251, -1.472394023760745e253),  # (h = 1e-13, 50 digits)
]


def test_derivatives_in_q_forward_and_reverse():
    """d/dq of the value and the slope (a traced q: the traced coefficients' Bessel-product sum) within 1e-12 of
    mpmath's, reverse for both, forward for the value; at m = 81, q = 1e-3 too (NumPy's eigh gives 0 for the 1e-100
    coefficients a sum over them would divide by: NaN before the divisor's error joined the bound)."""
    for name, m, q, x, d_value, d_slope in IN_Q:
        # (yv's rule reads Y_(k+1) beside the table's last order: at m = 81 past the double range, an 'overflow' said)
        with np.errstate(over="ignore"):
            for k, want in ((0, d_value), (1, d_slope)):
                f = lambda t: getattr(dsp, name)(m, t, x)[k]  # noqa: E731
                assert dl.grad(f)(q) == pytest.approx(want, rel=1e-12), (name, k)
            forward = dl.grad(lambda t: getattr(dsp, name)(m, t, x)[0], method="forward")(q)
        assert forward == pytest.approx(d_value, rel=1e-12)


def test_derivatives_in_x_and_bad_arguments():
    """d/dx is the slope and d²/dx² Mathieu's modified equation's (a_30(10) = 900.05561951632687 by mpmath) where
    SciPy's value is wrong; NaN with a DomainWarning where neither difflab's pair nor SciPy's keeps the Wronskian (m =
    100, q = 0.01: Mc⁽¹⁾ 1.9e-284, its Bessel factors subnormal; a traced q there refused); a traced m, q ≤ 0 or a vector q refused by
    name."""
    name, m, q, x, value, slope = HARD[0]
    f = lambda t: dsp.mathieu_modcem1(m, q, t)[0]  # noqa: E731
    assert dl.grad(f)(x) == pytest.approx(slope, rel=1e-12)
    want = (900.05561951632687 - 2 * q * np.cosh(2 * x)) * value
    assert dl.hessian(f, method="forward")(x) == pytest.approx(want, rel=1e-12)
    with pytest.warns(dl.DomainWarning, match="mathieu_modcem2"):  # (difflab's Mc⁽¹⁾ 2e-9 off: SciPy's NaN)
        assert np.isnan(dl.value_and_grad(lambda t: dsp.mathieu_modcem2(100, 0.01, t)[0])(0.1)[0])
    with pytest.raises(dl.NotDifferentiableError, match="argument m"):
        dl.grad(lambda t: dsp.mathieu_modsem1(t, 1.0, 0.5)[0])(2.0)
    with pytest.raises(ValueError, match="0 < q"):
        dl.grad(lambda t: dsp.mathieu_modcem1(2, t, 0.5)[0])(-1.0)
    with pytest.raises(ValueError, match="mathieu_modcem2.*loses digits"):  # (not a wrong number's derivative)
        dl.grad(lambda t: dsp.mathieu_modcem2(100, t, 0.1)[0])(0.01)
    with pytest.raises(ValueError, match="scalar q"):
        dl.jacobian(lambda t: dsp.mathieu_modcem1(2, t, 0.5)[0])(np.array([1.0, 2.0]))
