"""scipy.special's next names (issue 11, special50): the noncentral χ² CDF chndtr and its inverses chndtrix (in x) and
chndtrinc (in nc), the noncentral F CDF ncfdtr and its quantile ncfdtri (a Poisson(nc/2) mixture of central CDFs: the
density a central one times ₀F₁ resp. ₁F₁, the slope in nc a density at df + 2, no difference), the noncentral t CDF nctdtr and its quantile nctdtrit (density and ∂nc by Weber's D: c_k·D_{-(df+k)}(-z)), the normal's
parameters nrdtrimn and nrdtrisd, besselpoly (∂a by its own family), eval_sh_jacobi (∂x = n·G^(p+2,q+1)ₙ₋₁) and
assoc_laguerre (a front of eval_genlaguerre). References: mpmath's diff at 40 digits of the Poisson sums of gammainc and
betainc (and findroot of them for the inverses), of x - std·√2·erfinv(2p - 1), of quad ∫₀¹ t^λ J_ν(2at) dt and of
n!Γ(n + p)/Γ(2n + p)·jacobi(n, p - q, q - 1, 2x - 1), written out below."""

import math

import numpy as np
import pytest

import difflab as dl
from difflab.errors import NotDifferentiableError
from special_cases import check_against_mpmath

sc = pytest.importorskip("scipy.special")
dsp = pytest.importorskip("difflab.scipy.special")

#: name -> (function, the differentiated argument, the point, rtol, mpmath's first and second derivatives there)
CASES = {
    "chndtr-x": (sc.chndtr, 0, (1.5, 3, 2.0), 1e-15, (0.13420189172377697, 0.015387799152794134)),
    "chndtr-nc": (sc.chndtr, 2, (1.5, 3, 2.0), 1e-15, (-0.05663217166013544, 0.02046450517875294)),
    "chndtr-df1": (sc.chndtr, 0, (0.3, 1, 0.7), 1e-15, (0.48898003592714623, -0.8993662510424273)),
    "chndtrix-p": (sc.chndtrix, 0, (0.4, 3, 2.0), 2e-15, (7.751928125610597, 6.465493811876773)),
    "chndtrix-nc": (sc.chndtrix, 2, (0.4, 3, 2.0), 4e-15, (0.8039131355542162, 0.05299372188461573)),  # (3.3e-15: the density's ∂nc written out, special59)
    "chndtrinc-x": (sc.chndtrinc, 0, (1.5, 3, 0.15), 2e-15, (2.3767191418459914, -0.9454872031758237)),
    "chndtrinc-p": (sc.chndtrinc, 2, (1.5, 3, 0.15), 2e-15, (-17.920991036707623, 116.12040779713402)),
    "ncfdtr-f": (sc.ncfdtr, 3, (3, 5, 2.0, 1.2), 1e-15, (0.29600937223805907, -0.1591964330245126)),
    "ncfdtr-nc": (sc.ncfdtr, 2, (3, 5, 2.0, 1.2), 1e-15, (-0.08338938064694937, 0.015433914137268996)),
    "ncfdtri-p": (sc.ncfdtri, 3, (3, 5, 2.0, 0.4), 1e-15, (3.3773763226360725, 6.1334803534660685)),
    "ncfdtri-nc": (sc.ncfdtri, 2, (3, 5, 2.0, 0.4), 6e-15, (0.2816151162827672, 0.015909910125638037)),
    "nrdtrimn-p": (sc.nrdtrimn, 0, (0.3, 2.0, 1.0), 1e-15, (-5.752207318528585, 8.675652987277907)),
    "nrdtrisd-p": (sc.nrdtrisd, 1, (0.5, 0.3, 1.0), 1e-15, (-5.229357388640563, -49.474325604192394)),
    # (∂a is a difference of two besselpoly ~10x the result: 4e-15)
    "besselpoly": (sc.besselpoly, 0, (1.3, 1.5, 1.2), 5e-15, (0.011000725757790417, -0.3093695901641119)),
    "besselpoly-int": (sc.besselpoly, 0, (0.8, 2, 1), 1e-15, (0.11010175164494479, -0.3024657379726478)),
    "eval_sh_jacobi": (sc.eval_sh_jacobi, 3, (3, 2.5, 1.5, 0.3), 1e-15, (-0.03153846153846153, -1.0)),
    "assoc_laguerre": (dsp.assoc_laguerre, 0, (0.7, 3, 1.5), 1e-15, (-4.97, 3.8)),
    # (Lenth's series of Φ and betainc; checked against mpmath's quad of E[Φ(t·s - nc)] to 5e-30)
    "nctdtr-t": (sc.nctdtr, 2, (3, 1.0, 1.5), 1e-15, (0.27706823481639253, -0.1637412250483476)),
    "nctdtr-nc": (sc.nctdtr, 1, (3, 1.0, 1.5), 2e-15, (-0.3297472027386131, -0.0858551494859757)),
    "nctdtr-t-tail": (sc.nctdtr, 2, (5, -1.2, 2.5), 1e-15, (0.0023708177857059446, -0.003901371733779972)),
    "nctdtr-nc-df1": (sc.nctdtr, 1, (1, 0.7, -0.4), 1e-15, (-0.23837404457695735, 0.2297576449975796)),
    "nctdtrit-p": (sc.nctdtrit, 2, (3, 1.0, 0.4), 1e-14, (2.877149184393769, -0.1874417173482141)),
    # (the second, -0.02, of terms ~1: 4e-16 absolute)
    "nctdtrit-nc": (sc.nctdtrit, 1, (3, 1.0, 0.4), 3e-14, (1.060369938389764, -0.020403615176155663)),
    # (mpmath's legenp(v, m, x); m < 0 by DLMF 14.10.4: SciPy's P_{v-1}^m is NaN at |m| > v - 1, which the first
    # derivative of P₃⁻³ and the second of P₃⁻² read: NaN on main)
    "lpmv-m=-v": (sc.lpmv, 2, (-3, 3, 0.4), 1e-15, (-0.0229128784747792, -0.04637130167514838)),
    "lpmv-m<0": (sc.lpmv, 2, (-2, 3, -0.6), 2e-15, (-0.00999999999999999, 0.44999999999999996)),
    "lpmv-m=-1": (sc.lpmv, 2, (-1, 1, 0.3), 1e-15, (-0.15724272550828775, -0.5759806795175375)),
}  # fmt: skip

#: the symbolic method's SymPy and lambdify cost ~0.1 s a case: a few (the registry's tests translate every entry)
SYMBOLIC = {"nctdtr-nc", "lpmv-m=-v", "chndtrinc-x", "ncfdtri-nc", "besselpoly"}


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_match_mpmath(name):
    check_against_mpmath(CASES, SYMBOLIC, name)


def test_values_are_scipys_and_the_inverses_undo_their_cdfs():
    names = ("chndtr-x", "chndtrix-p", "chndtrinc-x", "ncfdtr-f", "ncfdtri-p", "nctdtr-t", "nctdtrit-p", "besselpoly")
    for name in names:
        fn, i, point, _, _ = CASES[name]
        value, _ = dl.value_and_grad(lambda t, fn=fn, i=i, point=point: fn(*point[:i], t, *point[i + 1 :]))(point[i])
        assert float(value) == float(fn(*point)), name
    for method in ("reverse", "forward"):  # F(F⁻¹(p)) = p for every nc: its slopes 1 in p and 0 in nc
        g = dl.grad(lambda p, nc: sc.chndtr(sc.chndtrix(p, 3, nc), 3, nc), argnums=(0, 1), method=method)(0.4, 2.0)
        np.testing.assert_allclose(g, (1.0, 0.0), atol=1e-15)
        g = dl.grad(lambda x, p: sc.chndtr(x, 3, sc.chndtrinc(x, 3, p)), argnums=(0, 1), method=method)(1.5, 0.15)
        np.testing.assert_allclose(g, (0.0, 1.0), atol=2e-15)
        f = lambda nc, p: sc.ncfdtr(3, 5, nc, sc.ncfdtri(3, 5, nc, p))  # noqa: E731
        np.testing.assert_allclose(dl.grad(f, argnums=(0, 1), method=method)(2.0, 0.4), (0.0, 1.0), atol=1e-15)
        f = lambda nc, p: sc.nctdtr(3, nc, sc.nctdtrit(3, nc, p))  # noqa: E731
        np.testing.assert_allclose(dl.grad(f, argnums=(0, 1), method=method)(1.0, 0.4), (0.0, 1.0), atol=1e-15)


def test_chndtr_at_nc_0_is_the_central_chi2():
    """At nc = 0 the density is the central χ²(k) density and ∂nc = -the χ²(k + 2) density (no Bessel function of
    √(nc·x) to divide by 0): at x = 1.5, k = 3, f₃ = √x e^(-x/2)/√(2π) and f₅ = x·f₃/3."""
    f3 = math.sqrt(1.5) * math.exp(-0.75) / math.sqrt(2 * math.pi)
    for method in ("reverse", "forward", "symbolic"):
        g = dl.grad(lambda x, nc: sc.chndtr(x, 3, nc), argnums=(0, 1), method=method)(1.5, 0.0)
        np.testing.assert_allclose(g, (f3, -0.5 * f3), rtol=1e-15)


def test_the_orders_are_refused_by_name():
    # (the degrees of freedom of chndtr, ncfdtr, nctdtr and their inverses were refused here: special59 made them
    # differentiable, tests/test_noncentral59.py)
    for what, fn in (
        ("besselpoly is not differentiable in its argument nu", lambda d: sc.besselpoly(1.3, 1.5, d)),
        ("eval_sh_jacobi is not differentiable in its argument q", lambda d: sc.eval_sh_jacobi(3, 2.5, d, 0.3)),
        ("eval_genlaguerre is not differentiable in its argument alpha", lambda d: dsp.assoc_laguerre(0.7, 3, d)),
    ):
        with pytest.raises(NotDifferentiableError, match=what):
            dl.grad(fn)(3.0)


def test_the_sequences_are_scipys_and_their_slopes_its_derivatives():
    """riccati_jn, riccati_yn and pbdv_seq (SciPy's Python functions, fronts over the spherical_jn/yn and pbdv
    entries): values and the Jacobian of the first array against SciPy's second, and one second derivative against
    mpmath's diff (40 digits) of x·√(π/2x)·J_{5/2}(x), of x·√(π/2x)·Y_{5/2}(x) and of pcfd(3/2, x)."""
    for name, n, second in (("riccati_jn", 3, 0.3305059557905268), ("riccati_yn", 3, -6.199634002652175)):
        ours, theirs = getattr(dsp, name), getattr(sc, name)
        values, slopes = theirs(n, 1.3)
        np.testing.assert_allclose(ours(n, 1.3), (values, slopes), rtol=3e-14)
        for method in ("reverse", "forward"):
            np.testing.assert_allclose(dl.jacobian(lambda t: ours(n, t)[0], method=method)(1.3), slopes, rtol=3e-15)
            g = dl.grad(lambda t: ours(n, t)[0][2], method=method)
            np.testing.assert_allclose(float(dl.grad(g, method=method)(1.3)), second, rtol=2e-15)
    values, slopes = sc.pbdv_seq(2.5, 1.3)
    assert all(np.array_equal(a, b) for a, b in zip(dsp.pbdv_seq(2.5, 1.3), (values, slopes)))
    for method in ("reverse", "forward"):
        np.testing.assert_allclose(dl.jacobian(lambda t: dsp.pbdv_seq(2.5, t)[0], method=method)(1.3), slopes)
        g = dl.grad(lambda t: dsp.pbdv_seq(2.5, t)[0][1], method=method)
        np.testing.assert_allclose(float(dl.grad(g, method=method)(1.3)), -1.2161684374909518, rtol=1e-14)
    with pytest.raises(TypeError, match=r"riccati_jn\(n, x\) is differentiable in x only: n"):
        dl.grad(lambda n: dsp.riccati_jn(n, 1.3)[0][0])(1.0)
    with pytest.raises(ValueError, match=r"riccati_yn: n must be a non-negative integer, got -1"):
        dsp.riccati_yn(-1, 1.3)
    with pytest.raises(ValueError, match=r"pbdv_seq: v = -0.5 < 0 is not supported"):
        dsp.pbdv_seq(-0.5, 1.3)
    with pytest.raises(ValueError, match=r"pbdv_seq: arguments must be scalars"):
        dsp.pbdv_seq(1.5, np.array([1.0, 2.0]))


def test_the_all_functions_are_scipys_and_their_slopes_its_diff_n_1():
    """legendre_p_all, assoc_legendre_p_all, sph_legendre_p_all (SciPy's layout: orders 0..m then -m..-1, a leading
    axis) and sph_harm_y_all: values against SciPy's, and d/dz of every entry against SciPy's diff_n=1 row."""
    z = np.array([-0.7, 0.2, 0.55])
    for name, args in (("legendre_p_all", (4,)), ("assoc_legendre_p_all", (4, 3)), ("sph_legendre_p_all", (4, 3))):
        ours, theirs = getattr(dsp, name), getattr(sc, name)
        expected = theirs(*args, z, diff_n=1)
        got = dl.vmap(lambda t: ours(*args, t) * 1.0, out_axes=-1)(z)
        assert got.shape == expected[:1].shape, name
        np.testing.assert_allclose(got, expected[:1], rtol=1e-14, atol=1e-14, err_msg=name)
        slope = dl.vmap(dl.jacobian(lambda t: ours(*args, t)), out_axes=-1)(z)
        np.testing.assert_allclose(slope, expected[1:], rtol=1e-13, atol=1e-13, err_msg=name)
    phi = np.array([0.3, -1.2, 2.0])
    got = dl.vmap(lambda t, p: dsp.sph_harm_y_all(3, 2, t, p) * 1.0, out_axes=-1)(z, phi)
    assert np.array_equal(got, sc.sph_harm_y_all(3, 2, z, phi))
    with pytest.raises(ValueError, match=r"legendre_p_all: diff_n=1 is not taken"):
        dsp.legendre_p_all(2, 0.3, diff_n=1)
    with pytest.raises(ValueError, match=r"sph_legendre_p_all: m must be a plain non-negative integer, got -1"):
        dsp.sph_legendre_p_all(2, -1, 0.3)


def test_sph_legendre_p_slopes_where_sin_theta_is_negative():
    """SciPy's P̄ₙᵐ(θ) reads |sin θ| (even about 0 and π), so its slope changes sign where sin θ < 0: the entry's rule
    had the slope at |θ| there (0.4970 for -0.4970 at θ = -0.7). First and second derivatives against SciPy's diff_n=2."""
    for theta in (-0.7, 4.0, 2.0):
        expected = sc.sph_legendre_p(3, 2, theta, diff_n=2)[1:]
        for method in ("reverse", "forward", "symbolic") if theta == 4.0 else ("reverse", "forward"):
            g = dl.grad(lambda t: dsp.sph_legendre_p(3, 2, t)[0], method=method)
            got = (float(g(theta)), float(dl.grad(g, method=method)(theta)))
            np.testing.assert_allclose(got, expected, rtol=1e-14, err_msg=f"{method} at {theta}")


def test_sph_legendre_kink_at_the_pole_is_registered_and_even_orders_stay_smooth():
    """P̄ₙᵐ with m odd is |sin θ|·… : a kink at sin θ = 0 (suitetime49's random graph: numeric 0, reverse −0.3455 at
    θ = 0), registered so the oracle accepts either side; m even is smooth there and its second derivative, made of the
    odd neighbours' one-sided slopes, is 2·¼·√(15/(2π)) for P̄₂²."""
    from difflab.ops import REGISTRY
    from difflab.testing import check_grad

    op = REGISTRY["sph_legendre"]
    assert op.kink is not None
    assert np.allclose(op.kink(np.array([1.0, 2.0]), np.array([1.0, 2.0]), np.array([0.0, 0.0])), [0.0, np.inf])
    want = 0.5 * np.sqrt(15 / (2 * np.pi))
    for method in ("reverse", "forward"):
        got = dl.hessian(lambda t: dsp.sph_legendre_p(2, 2, t).sum(), method=method)(0.0)
        assert got == pytest.approx(want, rel=1e-13)
    f = lambda t: dsp.sph_legendre_p(1, 1, t).sum()  # noqa: E731
    assert check_grad(f, dl.grad(f, method="numeric"), 0.0)
