"""poly56 (issue 11: coverage): numpy.polynomial's series classes, scipy.interpolate.CubicSpline and
quantile(weights=) on traced values.

References are NumPy's and SciPy's own functions: the series and the spline are linear in their coefficients
(data), so a derivative with respect to them is NumPy's/SciPy's answer for the unit vectors, exact; derivatives
in the evaluation point are NumPy's own derivative series (`deriv`) and SciPy's spline's `derivative`;
products are checked by central differences of NumPy's at float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ("symbolic", "numeric", "forward", "reverse")
CLASSES = ("Polynomial", "Chebyshev", "Legendre", "Hermite", "HermiteE", "Laguerre")
C4 = np.array([0.3, -1.0, 0.5, 0.2])
T8 = np.linspace(-0.9, 0.8, 8)
W8 = np.linspace(1.0, -0.4, 8)


def _tol(method):
    return 1e-6 if method == "numeric" else 1e-12


# -- numpy.polynomial's series classes ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLASSES)
def test_series_class_in_its_coefficients_and_points_is_numpys(name):
    """Polynomial(c)(t), .deriv()(t), .integ(2, k, lbnd)(t) with a domain: NumPy's values; d/dc (linear) is
    NumPy's series of the unit coefficient vectors; d/dt and d²/dt² are NumPy's deriv() and deriv(2) at t."""
    ours, theirs = getattr(dnp.polynomial, name), getattr(np.polynomial, name)
    dom = [-0.5, 2.0]
    spell = {
        "call": lambda cls, c: cls(c, domain=dom),
        "deriv": lambda cls, c: cls(c, domain=dom).deriv(),
        "integ": lambda cls, c: cls(c, domain=dom).integ(2, k=[0.5, -0.2], lbnd=0.3),
    }
    for what, build in spell.items():
        np.testing.assert_allclose(build(ours, C4)(T8), build(theirs, C4)(T8), rtol=1e-13, atol=1e-13)
        want = np.array([build(theirs, e)(T8) @ W8 for e in np.eye(4)]) - build(theirs, 0 * C4)(T8) @ W8
        for method in ("forward", "reverse"):
            got = dl.grad(lambda c: build(ours, c)(T8) @ W8, method=method)(C4)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=f"{name} {what} {method}")
    p = theirs(C4, domain=dom)
    got = dl.grad(lambda t: ours(C4, domain=dom)(t) @ W8)(T8)
    np.testing.assert_allclose(got, p.deriv()(T8) * W8, rtol=1e-12, atol=1e-12)
    hess = dl.hessian(lambda t: ours(C4, domain=dom)(t) @ W8, method=("forward", "reverse"))(T8)
    np.testing.assert_allclose(hess, np.diag(p.deriv(2)(T8) * W8), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("method", METHODS)
def test_series_arithmetic_under_every_method_and_prepare(method):
    """(p·q + 2 − p² + p/4)(t) and (p³)(t) of Chebyshev series with traced coefficients, fresh and under
    dl.prepare: against central differences of NumPy's own classes; the second derivative of p(t)·p(t)."""
    Ch, NCh = dnp.polynomial.Chebyshev, np.polynomial.Chebyshev

    def f(c, cls):
        p, q = cls(c, window=[0.0, 1.0]), cls(c * 0.5 - 0.1, window=[0.0, 1.0])
        return (p * q + 2.0 - p**2 + p / 4 - [0.1, 0.2])(T8) @ W8 + np.sum((p**3)(T8))

    h = 1e-6
    want = np.array([(f(C4 + h * e, NCh) - f(C4 - h * e, NCh)) / (2 * h) for e in np.eye(4)])
    assert f(C4, Ch) == pytest.approx(f(C4, NCh), rel=1e-13)
    np.testing.assert_allclose(dl.grad(lambda c: f(c, Ch), method=method)(C4), want, rtol=1e-6)
    prepared = dl.prepare(lambda c: f(c, Ch), C4, method=method)
    np.testing.assert_allclose(
        prepared.grad(C4 + 0.1), dl.grad(lambda c: f(c, Ch), method="reverse")(C4 + 0.1), rtol=_tol(method)
    )
    # d²/dc² of Σ p(t)²: 2 Σ B(t) B(t)ᵀ, B the basis at t (Chebyshev's T_j at the window's image of t)
    basis = np.stack([NCh(e)(T8) for e in np.eye(4)])
    hess = dl.hessian(lambda c: np.sum(Ch(c)(T8) ** 2), method=method)(C4)
    np.testing.assert_allclose(hess, 2 * basis @ basis.T, rtol=1e-5 if method == "numeric" else 1e-12)


@pytest.mark.parametrize("name", ["Polynomial", "Legendre", "Laguerre"])
def test_series_fit_of_traced_y_and_traced_x_is_numpys(name):
    """Cls.fit(x, y, 3): p(t) is linear in y, its gradient NumPy's fits of the unit vectors; with full=True the
    residuals too; of a traced x (its domain given), against central differences of NumPy's fit."""
    ours, theirs = getattr(dnp.polynomial, name), getattr(np.polynomial, name)
    x, y = np.linspace(0.0, 2.0, 8), np.sin(np.linspace(0.0, 2.0, 8)) + 0.1
    np.testing.assert_allclose(ours.fit(x, y, 3).coef, theirs.fit(x, y, 3).coef, rtol=1e-12, atol=1e-13)
    want = np.array([theirs.fit(x, e, 3)(T8 + 1) @ W8 for e in np.eye(8)])
    for method in ("forward", "reverse"):
        got = dl.grad(lambda y: ours.fit(x, y, 3)(T8 + 1) @ W8, method=method)(y)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    p, (res, rank, s, rcond) = ours.fit(x, y, [0, 1, 3], full=True)
    q, (res_np, rank_np, _, _) = theirs.fit(x, y, [0, 1, 3], full=True)
    np.testing.assert_allclose(p.coef, q.coef, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(res, res_np, rtol=1e-9)
    assert rank == rank_np

    def g(x, cls):
        return cls.fit(x, y, 2, domain=[0.0, 2.0])(T8 + 1) @ W8

    h = 1e-6
    want = np.array([(g(x + h * e, theirs) - g(x - h * e, theirs)) / (2 * h) for e in np.eye(8)])
    np.testing.assert_allclose(dl.grad(lambda x: g(x, ours))(x), want, rtol=1e-6, atol=1e-8)


def test_series_functions_der_int_mul_vander_with_traced_arguments():
    """The basis functions: chebder along an axis, lagint with traced constants k, hermmul of two traced series,
    legvander at traced x: NumPy's values; gradients by linearity (NumPy's of unit vectors) or NumPy's *der."""
    P, N = dnp.polynomial, np.polynomial
    C = np.outer(C4, [1.0, -2.0])
    np.testing.assert_allclose(P.chebyshev.chebder(C, 2, scl=0.5), N.chebyshev.chebder(C, 2, scl=0.5), rtol=1e-14)
    jac = dl.jacobian(lambda C: P.chebyshev.chebder(C, 1, axis=0))(C)
    np.testing.assert_allclose(jac[:, 1, :, 1], N.chebyshev.chebder(np.eye(4), axis=0), rtol=1e-14)
    k = np.array([0.4, -0.3])
    np.testing.assert_allclose(P.laguerre.lagint(C4, 2, k, 0.5), N.laguerre.lagint(C4, 2, k, 0.5), rtol=1e-13)
    got = dl.jacobian(lambda k: P.laguerre.lagint(C4, 2, k, 0.5))(k)
    want = np.stack([N.laguerre.lagint(0 * C4, 2, e, 0.5) for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
    a, b = C4, np.array([1.0, 0.5, -0.25])
    np.testing.assert_allclose(P.hermite.hermmul(a, b), N.hermite.hermmul(a, b), rtol=1e-13)
    ga, gb = dl.grad(lambda a, b: np.sum(P.hermite.hermmul(a, b) * np.arange(6.0)), argnums=(0, 1))(a, b)
    weigh = lambda p: p @ np.arange(len(p))  # noqa: E731  (NumPy's product trims trailing zeros)
    np.testing.assert_allclose(ga, [weigh(N.hermite.hermmul(e, b)) for e in np.eye(4)], rtol=1e-13)
    np.testing.assert_allclose(gb, [weigh(N.hermite.hermmul(a, e)) for e in np.eye(3)], rtol=1e-13)
    x = np.array([-0.3, 0.6])
    np.testing.assert_allclose(P.legendre.legvander(x + 0, 3), N.legendre.legvander(x, 3), rtol=1e-14)
    got = dl.grad(lambda x: np.sum(P.legendre.legvander(x, 3) @ C4))(x)
    np.testing.assert_allclose(got, N.legendre.legval(x, N.legendre.legder(C4)), rtol=1e-13)


def test_numpys_series_classes_on_traced_values_name_difflabs_and_it_works():
    """np.polynomial.Polynomial(traced c), Chebyshev(c)(traced t), Legendre.fit(x, traced y): NumPy's Python code
    converts the value (no dispatch reaches difflab); the refusal names difflab's class (or its fit), which works.
    A traced value's operator with a series on its right is the series' reflected operator (poly58)."""
    cases = [
        (lambda c: np.polynomial.Polynomial(c)(0.5), r"use difflab\.numpy\.polynomial\.Polynomial \(the same"),
        (lambda c: np.sum(np.polynomial.Chebyshev([1.0, 2.0])(c)), r"use difflab\.numpy\.polynomial\.Chebyshev "),
        (lambda c: np.polynomial.Legendre.fit(T8[:4], c, 2)(0.5), r"use difflab\.numpy\.polynomial\.Legendre\.fit "),
    ]
    for f, match in cases:
        with pytest.raises(dl.UnsupportedOperationError, match=match):
            dl.grad(f)(C4)
    assert dl.grad(lambda c: dnp.polynomial.Polynomial(c)(0.5))(C4) == pytest.approx([1.0, 0.5, 0.25, 0.125])
    # (poly58: a traced value's operator with a series on its right is the series' reflected one, as NumPy's)
    got = dl.grad(lambda c: (c[0] + dnp.polynomial.Chebyshev(c))(0.5))(C4)
    np.testing.assert_allclose(got, [2.0, 0.5, -0.5, -1.0], rtol=1e-14)
    with pytest.raises(TypeError, match="Domains differ"):
        dnp.polynomial.Legendre(C4) + dnp.polynomial.Legendre(C4, domain=[0, 1])


# -- scipy.interpolate.CubicSpline ---------------------------------------------------------------------------------

XD = np.linspace(0.0, 2.0, 7)
YD = np.sin(XD) + 0.1 * XD**2
XQ = np.array([0.3, 0.9, 1.45, 2.0, 2.3, -0.2])  # (a knot, and both sides outside: the end segments)
BCS = ["not-a-knot", "natural", "clamped", ((1, 0.5), (2, -0.3)), "periodic"]


@pytest.mark.parametrize("bc", BCS, ids=str)
def test_cubic_spline_in_its_data_and_points_is_scipys(bc):
    """CubicSpline(x, y, bc_type)(t, nu): SciPy's values; d/dy (linear, plus the boundary values' constant part)
    is SciPy's spline of the unit data vectors; d/dt and d²/dt² SciPy's spline at nu = 1, 2 (the derivative()
    PPoly too). Periodic data is read half from y[0] and half from y[-1]: their sum is the spline of e_0 + e_-1."""
    si = pytest.importorskip("scipy.interpolate")
    ours = __import__("difflab.scipy.interpolate", fromlist=["CubicSpline"]).CubicSpline
    y = np.r_[YD[:-1], YD[0]] if bc == "periodic" else YD
    theirs = si.CubicSpline(XD, y, bc_type=bc)
    for nu in range(4):
        np.testing.assert_allclose(ours(XD, y, bc_type=bc)(XQ, nu), theirs(XQ, nu), rtol=1e-13, atol=1e-13)
    w = np.arange(1.0, 7.0)
    linear = bc if isinstance(bc, str) else ((1, 0.0), (2, 0.0))
    basis = np.array(
        [si.CubicSpline(XD, e, bc_type="not-a-knot" if bc == "periodic" else linear)(XQ) @ w for e in np.eye(7)]
    )
    got = dl.grad(lambda y: ours(XD, y, bc_type=bc)(XQ) @ w)(y)
    if bc == "periodic":
        ends = si.CubicSpline(XD, np.eye(7)[0] + np.eye(7)[-1], bc_type="periodic")(XQ) @ w
        interior = [si.CubicSpline(XD, e, bc_type="periodic")(XQ) @ w for e in np.eye(7)[1:-1]]
        np.testing.assert_allclose(got, [ends / 2, *interior, ends / 2], rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_allclose(got, basis, rtol=1e-12, atol=1e-12)
    got = dl.grad(lambda t: ours(XD, y, bc_type=bc)(t) @ w)(XQ)
    np.testing.assert_allclose(got, theirs(XQ, 1) * w, rtol=1e-12, atol=1e-12)
    hess = dl.hessian(lambda t: ours(XD, y, bc_type=bc).derivative()(t) @ w, method=("forward", "reverse"))(XQ)
    np.testing.assert_allclose(hess, np.diag(theirs(XQ, 3) * w), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("method", METHODS)
def test_cubic_spline_of_traced_data_at_traced_points_every_method_and_prepare(method):
    """Σ s(t)² of a natural spline of traced y at traced t, 2-D y along axis=1: the gradient in (y, t) against
    SciPy's (2 s(t) times the unit-vector splines, and times s'(t)); a prepared function at new points picks
    their own segments."""
    si = pytest.importorskip("scipy.interpolate")
    import difflab.scipy as dsp

    Y = np.stack([YD, YD**2])
    t = XQ[:4]

    def f(y, t, cls):
        return np.sum(cls(XD, y, axis=1, bc_type="natural")(t) ** 2)

    s = si.CubicSpline(XD, Y, axis=1, bc_type="natural")
    unit = np.stack([si.CubicSpline(XD, e, bc_type="natural")(t) for e in np.eye(7)])  # (7, 4)
    want_y = 2 * s(t) @ unit.T
    want_t = np.sum(2 * s(t) * s(t, 1), axis=0)
    tol = 1e-6 if method == "numeric" else 1e-12
    gy, gt = dl.grad(lambda y, t: f(y, t, dsp.interpolate.CubicSpline), argnums=(0, 1), method=method)(Y, t)
    np.testing.assert_allclose(gy, want_y, rtol=tol, atol=tol)
    np.testing.assert_allclose(gt, want_t, rtol=tol, atol=tol)
    prepared = dl.prepare(lambda y, t: f(y, t, dsp.interpolate.CubicSpline), Y, t, method=method, argnums=(0, 1))
    t2 = np.array([1.9, 0.05, 1.0, 0.6])
    gy, gt = prepared.grad(Y * 0.5, t2)
    np.testing.assert_allclose(gt, np.sum(2 * (s(t2) * 0.5) * (s(t2, 1) * 0.5), axis=0), rtol=tol, atol=tol)
    np.testing.assert_allclose(
        gy,
        2 * (s(t2) * 0.5) @ np.stack([si.CubicSpline(XD, e, bc_type="natural")(t2) for e in np.eye(7)]).T,
        rtol=tol,
        atol=tol,
    )


def test_scipys_cubic_spline_on_traced_values_names_difflabs():
    """scipy.interpolate.CubicSpline(x, traced y), and SciPy's spline at a traced point (its derivative() too):
    SciPy's Python code converts the value; the refusal names difflab.scipy.interpolate.CubicSpline. Traced knots
    are refused by name."""
    si = pytest.importorskip("scipy.interpolate")
    import difflab.scipy as dsp

    for f in (
        lambda y: np.sum(si.CubicSpline(XD, y)(XQ)),
        lambda t: np.sum(si.CubicSpline(XD, YD)(t[:3])),
        lambda t: np.sum(si.CubicSpline(XD, YD).derivative()(t[:3])),
    ):
        with pytest.raises(dl.UnsupportedOperationError, match=r"use difflab\.scipy\.interpolate\.CubicSpline$"):
            dl.grad(f)(YD)
    with pytest.raises(dl.UnsupportedOperationError, match="traced knots x"):
        dl.grad(lambda x: np.sum(dsp.interpolate.CubicSpline(x, YD)(0.5)))(XD)
    assert np.isnan(dsp.interpolate.CubicSpline(XD, YD)(3.0, extrapolate=False))


# -- quantile(weights=) --------------------------------------------------------------------------------------------


V6 = np.array([0.31, -0.52, 0.73, -0.44, 0.26, 0.67])
POS6 = np.array([0.51, 0.0, 0.93, 0.64, 0.46, 0.87])  # (a zero weight: never picked)


@pytest.mark.parametrize("method", METHODS)
def test_weighted_quantile_is_numpys_pick_under_every_method_and_prepare(method):
    """np.quantile(x, q, weights=w, method='inverted_cdf') (NumPy 2) of a traced x: NumPy's value, its gradient
    1 at the entry NumPy picks and 0 elsewhere (also at q = 0 past a leading zero weight); a prepared function
    picks afresh at new values (the sort and the count are equations of its graph)."""

    def f(x):
        return np.quantile(x, [0.0, 0.4], weights=POS6, method="inverted_cdf") @ np.array([1.0, 2.0])

    for x in (V6,) if method == "symbolic" else (V6, -V6):  # (symbolic's Piecewise pick: ~0.5 s a point)
        want = np.quantile(x, [0.0, 0.4], weights=POS6, method="inverted_cdf")
        onehot = (x == want[0]) + 2.0 * (x == want[1])
        np.testing.assert_allclose(dl.grad(f, method=method)(x), onehot, atol=1e-6 if method == "numeric" else 0)
    prepared = dl.prepare(f, V6, method=method)
    np.testing.assert_allclose(prepared.grad(-V6), dl.grad(f, method="reverse")(-V6), atol=1e-6)


def test_weighted_quantile_along_axes_keepdims_and_1d_weights_is_numpys():
    """The same along axis None, 0 (keepdims) and 1 (1-D weights, one zero): NumPy's values, and each output's
    Jacobian row one 1 at a's entry equal to it (a's entries are distinct), prepared too."""
    A = np.array([[3.0, 1.0, 2.0, 5.0], [0.5, -1.0, 4.0, 2.2], [1.2, 1.5, 0.0, 2.5]])
    W = np.array([[1.0, 2.0, 0.5, 1.0], [1.0, 1.0, 1.0, 3.0], [2.0, 0.0, 1.0, 1.0]])
    for axis, w, keepdims in [(None, W, False), (0, W, True), (1, np.array([1.0, 0.0, 2.0, 1.0]), False)]:

        def f(a):
            return dnp.quantile(a, [0.0, 0.3, 1.0], axis=axis, weights=w, method="inverted_cdf", keepdims=keepdims)

        want = np.quantile(A, [0.0, 0.3, 1.0], axis=axis, weights=w, method="inverted_cdf", keepdims=keepdims)
        np.testing.assert_array_equal(f(A), want)
        jac = dl.jacobian(f)(A)
        assert jac.shape == want.shape + A.shape
        np.testing.assert_array_equal(jac, A == want.reshape(want.shape + (1, 1)))
        B = A[::-1, ::-1] * 1.5
        want = np.quantile(B, [0.0, 0.3, 1.0], axis=axis, weights=w, method="inverted_cdf", keepdims=keepdims)
        np.testing.assert_array_equal(dl.prepare(f, A)(B), want)


def test_weighted_quantile_of_traced_weights():
    """Traced weights move the pick by jumps only (derivative 0 in them): d/dw quantile(v·w, weights=w) is v at
    the entry picked; negative traced weights are NumPy's ValueError (checked on their values)."""
    v, w = np.array([0.3, -0.5, 0.7, 0.1]), np.array([1.0, 2.0, 0.2, 1.0])
    pick = np.quantile(v * w, 0.5, weights=w, method="inverted_cdf")
    got = dl.grad(lambda w: np.quantile(v * w, 0.5, weights=w, method="inverted_cdf"))(w)
    np.testing.assert_array_equal(got, np.where(v * w == pick, v, 0.0))
    with pytest.raises(ValueError, match="non-negative"):
        dl.grad(lambda w: np.quantile(v * w, 0.5, weights=w - 0.5, method="inverted_cdf"))(w)
