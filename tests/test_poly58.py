"""poly58 (issue 11: coverage): the rest of numpy.polynomial (roots, division, fromroots, convert/cast, a traced
value's operator with a series on its right), scipy.interpolate's spline antiderivative/integrate/roots/solve, and
weighted nanquantile / quantile over a tuple axis.

References: the implicit function theorem for roots (dr = −(dp)(r)/p'(r), NumPy's own series evaluated at NumPy's
roots, complex ones too); NumPy's and SciPy's functions of the unit vectors where the map is linear; central
differences of NumPy's/SciPy's own functions at float64 elsewhere.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ("symbolic", "numeric", "forward", "reverse")
CLASSES = ("Polynomial", "Chebyshev", "Legendre", "Hermite", "HermiteE", "Laguerre")
C4 = np.array([0.3, -1.2, 0.4, 0.9])  # three distinct real roots in every basis
DOM = [-0.5, 2.0]


def _tol(method):
    return 1e-6 if method == "numeric" else 1e-11


def _central(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


def _root_jacobian(cls, c, domain=None):
    """dr_i/dc_j = −B_j(r_i)/p'(r_i) (the implicit function theorem), NumPy's series and roots."""
    p = cls(c, domain=domain)
    r = p.roots()
    basis = np.stack([cls(e, domain=domain)(r) for e in np.eye(len(c))], axis=1)
    return r, -basis / p.deriv()(r)[:, None]


# -- numpy.polynomial: roots ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLASSES)
def test_series_roots_are_numpys_and_move_by_the_implicit_function_theorem(name):
    """cls(c, domain).roots() of traced c: NumPy's (sorted) roots to rounding, complex; d Σ Re(r)³ / dc is
    Σ 3 r² dr/dc with dr/dc from the implicit function theorem at NumPy's roots (forward and reverse)."""
    ours, theirs = getattr(dnp.polynomial, name), getattr(np.polynomial, name)
    r, jac = _root_jacobian(theirs, C4, DOM)
    np.testing.assert_allclose(ours(C4, domain=DOM).roots(), r, rtol=1e-12, atol=1e-12)
    for method in ("forward", "reverse"):
        got = dl.grad(lambda c: dnp.sum(dnp.real(ours(c, domain=DOM).roots()) ** 3), method=method)(C4)
        np.testing.assert_allclose(got, 3 * r**2 @ jac, rtol=1e-9, err_msg=method)


@pytest.mark.parametrize("method", METHODS)
def test_complex_series_roots_every_method_prepare_and_hessian(method):
    """chebroots of a series with a complex pair: d(Σ Re r + Σ Im(r)²)/dc by the implicit function theorem (complex
    r), fresh and prepared at new coefficients; the Hessian of Σ Re(r)³ against central differences of the
    theorem's gradient."""
    cheb, c = np.polynomial.chebyshev, np.array([1.0, 0.5, 0.3, 0.2])

    def f(c):
        r = dnp.polynomial.chebyshev.chebroots(c)
        return dnp.sum(dnp.real(r)) + dnp.sum(dnp.imag(r) ** 2)

    def want(c):
        r, jac = _root_jacobian(np.polynomial.Chebyshev, c)
        return np.real(np.sum(jac, axis=0)) + 2 * r.imag @ np.imag(jac)

    assert f(c) == pytest.approx(np.sum(cheb.chebroots(c).real) + np.sum(cheb.chebroots(c).imag ** 2), rel=1e-13)
    np.testing.assert_allclose(dl.grad(f, method=method)(c), want(c), rtol=_tol(method), atol=_tol(method))
    prepared = dl.prepare(f, c, method=method)
    c2 = c + np.array([0.05, -0.1, 0.02, 0.03])
    np.testing.assert_allclose(prepared.grad(c2), want(c2), rtol=_tol(method), atol=_tol(method))
    if method == "reverse":  # (the Hessian by forward over reverse; the symbolic one's SymPy eig costs seconds)
        g = lambda c: dnp.sum(dnp.real(dnp.polynomial.Legendre(c).roots()) ** 3)  # noqa: E731
        grad_ift = lambda c: (
            3
            * _root_jacobian(np.polynomial.Legendre, c)[0] ** 2
            @ _root_jacobian(  # noqa: E731
                np.polynomial.Legendre, c
            )[1]
        )
        np.testing.assert_allclose(
            dl.hessian(g, method=("forward", "reverse"))(C4), _central(grad_ift, C4), rtol=1e-6, atol=1e-6
        )


def test_repeated_root_is_refused_by_name_and_degree_one_is_real():
    """Roots of traced coefficients with a double root: a ValueError naming the repeated root (no derivative
    there); a degree-1 series' root is NumPy's closed form, real (Laguerre's 1 + c0/c1)."""
    c = np.polynomial.polynomial.polyfromroots([1.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="repeated root"):
        dl.grad(lambda c: dnp.sum(dnp.real(dnp.polynomial.Polynomial(c).roots())))(c)
    got = dl.grad(lambda c: dnp.polynomial.laguerre.lagroots(c)[0])(np.array([0.5, 2.0]))
    np.testing.assert_allclose(got, [1 / 2.0, -0.5 / 4.0], rtol=1e-15)
    assert np.polynomial.laguerre.lagroots([0.5, 2.0]).dtype == dnp.polynomial.laguerre.lagroots([0.5, 2.0]).dtype


# -- numpy.polynomial: division, fromroots, convert/cast, a series on the right -----------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_series_division_fromroots_convert_every_method_and_prepare(method):
    """divmod, //, % of Legendre series (traced numerator and denominator), fromroots of traced roots, convert
    to Chebyshev on another domain and Hermite.cast, and x·p, x + p, x − p, x // p, x % p, divmod(x, p) of a traced
    scalar x: against central
    differences of NumPy's own classes, fresh and prepared at new values."""

    def f(u, v, ns):
        P = ns.Legendre
        q, r = divmod(P(u, domain=DOM), P(v, domain=DOM))
        x = v[0]
        out = np.sum(q(np.array([0.3, 0.7])) ** 2) + np.sum(r(np.array([0.1, 0.9]))) + (P(u) // P(v) + P(u) % P(v))(0.4)
        out = out + np.sum(P.fromroots(u[:3] * x, domain=[0.0, 3.0]).coef ** 2)
        out = out + np.sum(P(u).convert(kind=ns.Chebyshev, domain=[-2.0, 3.0]).coef * np.arange(5.0))
        out = out + np.sum(ns.Hermite.cast(P(u)).coef ** 2) + (x * P(u) + x - (x - P(v)))(0.6)
        return out + (x // P(v[1:]) + x % P(v) + divmod(x, P(v[1:2]))[0])(0.6)

    u, v = np.array([0.3, -1.2, 0.4, 0.9, 0.5]), np.array([1.1, 0.7, -0.4])
    want = lambda u, v: np.concatenate(  # noqa: E731
        [_central(lambda a: f(a, v, np.polynomial), u), _central(lambda b: f(u, b, np.polynomial), v)]
    )
    assert f(u, v, dnp.polynomial) == pytest.approx(f(u, v, np.polynomial), rel=1e-13)
    got = dl.grad(lambda u, v: f(u, v, dnp.polynomial), argnums=(0, 1), method=method)(u, v)
    np.testing.assert_allclose(np.concatenate(got), want(u, v), rtol=1e-6, atol=1e-6)
    prepared = dl.prepare(lambda u, v: f(u, v, dnp.polynomial), u, v, method=method, argnums=(0, 1))
    got = prepared.grad(u + 0.1, v - 0.05)
    np.testing.assert_allclose(np.concatenate(got), want(u + 0.1, v - 0.05), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", CLASSES)
def test_division_fromroots_and_convert_in_every_basis(name):
    """Each basis' div (NumPy's quotient and remainder), fromroots (NumPy's coefficients) and convert to
    Polynomial (linear: NumPy's conversion of the unit series, exact), reverse mode."""
    ours, theirs = getattr(dnp.polynomial, name), getattr(np.polynomial, name)
    sub = {"Polynomial": "polynomial", "HermiteE": "hermite_e"}.get(name, name.lower())
    prefix = {"polynomial": "poly", "chebyshev": "cheb", "legendre": "leg", "hermite": "herm", "hermite_e": "herme"}
    prefix = prefix.get(sub, "lag")
    mod_ours, mod_theirs = getattr(dnp.polynomial, sub), getattr(np.polynomial, sub)
    u, v = np.array([0.3, -1.2, 0.4, 0.9, 0.5]), np.array([1.1, 0.7, -0.4])
    q, r = getattr(mod_ours, prefix + "div")(u, dnp.asarray(v) * 1.0)
    nq, nr = getattr(mod_theirs, prefix + "div")(u, v)
    np.testing.assert_allclose(q, nq, rtol=1e-12)
    np.testing.assert_allclose(r, nr, rtol=1e-12, atol=1e-13)
    roots = np.array([0.5, -1.0, 2.0])
    fromroots = lambda r: dnp.sum(getattr(mod_ours, prefix + "fromroots")(r) * np.arange(1.0, 5.0))  # noqa: E731
    want = _central(lambda r: getattr(mod_theirs, prefix + "fromroots")(r) @ np.arange(1.0, 5.0), roots)
    np.testing.assert_allclose(dl.grad(fromroots)(roots), want, rtol=1e-8, atol=1e-8)
    converted = [theirs(e).convert(kind=np.polynomial.Polynomial).coef for e in np.eye(4)]
    matrix = np.stack([np.pad(col, (0, 4 - len(col))) for col in converted], axis=1)
    got = dl.jacobian(lambda c: ours(c).convert(kind=dnp.polynomial.Polynomial).coef)(C4)
    np.testing.assert_allclose(got, matrix, rtol=1e-14, atol=1e-14)


# -- scipy.interpolate: antiderivative, integrate, solve/roots ------------------------------------------------------

KNOTS = np.linspace(0.0, 2.0, 6)
YK = np.sin(np.pi * KNOTS) + 0.3  # (periodic: y[0] = y[-1])


def _spline_integrals(y, a, b, interpolate, bc, extrapolate):
    s = interpolate.CubicSpline(KNOTS, y, bc_type=bc)
    return s.integrate(a, b, extrapolate=extrapolate) + np.sum(s.antiderivative(2)(np.array([0.3, 1.7, 1.9])))


@pytest.mark.parametrize(
    "bc, extrapolate, a, b",
    [("not-a-knot", True, -0.5, 2.9), ("natural", False, 1.7, 0.3), ("periodic", "periodic", 5.1, -3.3)],
)
def test_spline_integrate_and_antiderivative_of_traced_data_and_bounds(bc, extrapolate, a, b):
    """CubicSpline(x, y).integrate(a, b) (bounds reversed, outside the knots: extrapolated or whole periods) plus
    antiderivative(2) at points: SciPy's values; d/dy, d/da, d/db (reverse) against central differences of SciPy's;
    d/db is the spline at b."""
    import scipy.interpolate as si

    dsp = pytest.importorskip("difflab.scipy")
    f = lambda y, a, b, mod: _spline_integrals(y, a, b, mod, bc, extrapolate)  # noqa: E731
    assert f(YK, a, b, dsp.interpolate) == pytest.approx(f(YK, a, b, si), rel=1e-13)
    gy, ga, gb = dl.grad(lambda y, a, b: f(y, a, b, dsp.interpolate), argnums=(0, 1, 2))(YK, a, b)
    if bc == "periodic":  # (SciPy's periodic data has y[0] = y[-1]: move both)
        gy = np.r_[gy[0] + gy[-1], gy[1:-1]]
        units = [np.eye(6)[i] + (np.eye(6)[5] if i == 0 else 0) for i in range(5)]
    else:
        units = np.eye(6)
    h = 1e-6
    want = [(f(YK + h * e, a, b, si) - f(YK - h * e, a, b, si)) / (2 * h) for e in units]
    np.testing.assert_allclose(gy, want, rtol=1e-6, atol=1e-6)
    spline = si.CubicSpline(KNOTS, YK, bc_type=bc)
    at = (lambda t: spline(t, extrapolate=extrapolate)) if extrapolate != "periodic" else spline
    assert ga == pytest.approx(-at(a), rel=1e-10) and gb == pytest.approx(at(b), rel=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_spline_solve_and_roots_every_method(method):
    """CubicSpline(x, y).solve(t) and roots(extrapolate=False) of traced y and t: SciPy's roots; d/dt Σ r² is
    Σ 2r/s'(r) and d/dy_j Σ r³ is −Σ 3r² e_j-spline(r)/s'(r) (the implicit function theorem at SciPy's roots);
    the second derivative in t against central differences of that; prepare refuses (the count of roots is the
    values')."""
    import scipy.interpolate as si

    dsp = pytest.importorskip("difflab.scipy")
    y = np.sin(2 * KNOTS * 1.5)

    def f(y, t):
        s = dsp.interpolate.CubicSpline(KNOTS, y)
        return np.sum(s.solve(t) ** 2) + np.sum(s.roots(extrapolate=False) ** 3)

    spline = si.CubicSpline(KNOTS, y)
    dt = lambda t: np.sum(2 * spline.solve(t) / spline(spline.solve(t), 1))  # noqa: E731
    r = spline.roots(extrapolate=False)
    units = si.CubicSpline(KNOTS, np.eye(6))(r)  # (roots, 6): the unit data's splines at the roots
    dy_roots = -(3 * r**2 / spline(r, 1)) @ units
    r_t = spline.solve(0.3)
    dy_solve = -(2 * r_t / spline(r_t, 1)) @ si.CubicSpline(KNOTS, np.eye(6))(r_t)
    assert f(y, 0.3) == pytest.approx(np.sum(r_t**2) + np.sum(r**3), rel=1e-13)
    gy, gt = dl.grad(f, argnums=(0, 1), method=method)(y, 0.3)
    tol = 1e-5 if method == "numeric" else 1e-9
    np.testing.assert_allclose(gy, dy_roots + dy_solve, rtol=tol, atol=tol)
    assert gt == pytest.approx(dt(0.3), rel=tol)
    if method == "reverse":
        h = 1e-6
        hess = dl.hessian(lambda t: f(y, t), method=("forward", "reverse"))(0.3)
        assert hess == pytest.approx((dt(0.3 + h) - dt(0.3 - h)) / (2 * h), rel=1e-6)
        with pytest.raises(ValueError, match="specialised.*PPoly.solve"):
            dl.prepare(f, y, 0.3)
        # constants: SciPy's roots, a sign change across a jump of a discontinuous PPoly (decreasing x) too
        c, x = np.array([[1.0, -2.0, 0.5], [0.3, 1.0, -1.0], [-0.5, 0.2, 0.7]]), np.array([3.0, 2.0, 1.0, 0.0])
        np.testing.assert_array_equal(dsp.interpolate.PPoly(c, x).solve(0.1), si.PPoly(c, x).solve(0.1))
        with pytest.raises(ValueError, match="not differentiable"):  # (a double root: s = (x − 1)² at x = 1)
            dl.grad(lambda y: np.sum(dsp.interpolate.CubicSpline(KNOTS, y).roots()))((KNOTS - 1.0) ** 2)


# -- weighted nanquantile/nanpercentile, quantile over a tuple of axes with weights --------------------------------


def _picked(a, result):
    """The one-hot derivative of NumPy's weighted quantile: 1 at the entry of a (distinct values) it returned."""
    out = np.zeros(a.shape)
    for value in np.ravel(result):
        if np.isfinite(value):
            out[a == value] += 1.0
    return out


@pytest.mark.parametrize("method", METHODS)
def test_weighted_nanquantile_and_tuple_axis_every_method_and_prepare(method):
    """nanpercentile(a, [30, 70], axis=1, weights=w) with NaN entries (and an all-NaN row: NaN) and
    quantile(b, q, axis=(0, 2), weights=wb, keepdims=True): NumPy's values; the derivative 1 at each entry NumPy
    picks (NaN at the NaN entries, as nanquantile's), fresh and prepared at new values."""
    a = np.array([[3.0, np.nan, 1.0, 2.0], [np.nan] * 4, [4.0, 5.0, np.nan, 0.5]])
    w = np.array([[1.0, 2.0, 3.0, 1.0], [1.0, 1.0, 1.0, 1.0], [2.0, 1.0, 1.0, 3.0]])
    b = np.array([[[0.3, -1.2, 0.8], [1.1, 0.1, -0.4]], [[-0.7, 1.5, 0.2], [0.9, -0.2, 1.7]]])
    wb = np.linspace(0.2, 1.9, 12).reshape(2, 2, 3)[:, :, ::-1]
    kw = {"method": "inverted_cdf"}

    def f(a, b, mod):
        with warnings.catch_warnings():  # (NumPy's "All-NaN slice encountered")
            warnings.simplefilter("ignore", RuntimeWarning)
            p = mod.nanpercentile(a, [30, 70], axis=1, weights=w, **kw)
        return p, mod.quantile(b, [0.4, 0.6], axis=(0, 2), weights=wb, keepdims=True, **kw)

    def loss(a, b):
        p, q = f(a, b, dnp)
        return dnp.sum(dnp.nan_to_num(p)) + dnp.sum(q)

    want_p, want_q = f(a, b, np)
    got_p, got_q = f(a, b, dnp)
    np.testing.assert_array_equal(got_p, want_p)
    np.testing.assert_array_equal(got_q, want_q)
    assert want_q.shape == (2, 1, 2, 1)
    nan_grad = np.where(np.isnan(a), np.nan, _picked(np.nan_to_num(a, nan=99.0), want_p))
    ga, gb = dl.grad(loss, argnums=(0, 1), method=method)(a, b)
    np.testing.assert_allclose(ga, nan_grad, atol=1e-9)
    np.testing.assert_allclose(gb, _picked(b, want_q), atol=1e-9)
    prepared = dl.prepare(loss, a, b, method=method, argnums=(0, 1))
    a2, b2 = a[:, ::-1] * 1.0, -b
    want_p2, want_q2 = f(a2, b2, np)
    ga, gb = prepared.grad(a2, b2)
    np.testing.assert_allclose(
        ga, np.where(np.isnan(a2), np.nan, _picked(np.nan_to_num(a2, nan=99.0), want_p2)), atol=1e-9
    )
    np.testing.assert_allclose(gb, _picked(b2, want_q2), atol=1e-9)


def test_weighted_quantile_gathers_the_input_once():
    """The symbolic method's cost on weighted quantile (0.35 s for 24 entries, was 2.4 s; 6 entries 0.07 s, was
    0.13 s with SymPy imported): the pick is one gather of a at the sort's position (a choice among the n entries
    for the symbolic method), not a gather of the sorted values (a choice of choices); SymPy's Piecewise of a gather
    is built unevaluated (its collapse of n Eq conditions was half of the rest). Values and derivative: NumPy's pick."""
    from difflab.graph import Var

    x = np.array([0.3, -1.2, 0.8, 2.0, 1.1, 0.1, -0.5, 0.9])
    w = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.2, 0.7])
    f = lambda x: dnp.quantile(x, 0.5, weights=w, method="inverted_cdf")  # noqa: E731
    graph = dl.trace(f, x)
    traced_gathers = [
        e for e in graph.eqns if e.op.name == "gather_along" and e.out.dtype.kind == "f" and isinstance(e.args[0], Var)
    ]
    assert len(traced_gathers) == 1
    want = np.quantile(x, 0.5, weights=w, method="inverted_cdf")
    np.testing.assert_array_equal(dl.grad(f, method="symbolic")(x), (x == want) * 1.0)


@pytest.mark.parametrize("method", METHODS)
def test_spline_integrate_every_method_prepare_and_second_derivative(method):
    """∫_a^b s² of CubicSpline(x, y) (traced y and b) under each method, fresh and prepared at new data and bound
    (no specialisation: the bound's interval is an equation); d/db is s(b)², d²/db² is 2 s(b) s'(b) (SciPy's)."""
    import scipy.interpolate as si

    dsp = pytest.importorskip("difflab.scipy")

    def f(y, b, interpolate):
        s = interpolate.CubicSpline(KNOTS, y, bc_type="natural")
        return s.integrate(0.1, b) + s.antiderivative()(b) * 0.5

    y2, b2 = YK * 1.3 - 0.2, 1.1
    for y, b in ((YK, 1.7), (y2, b2)):
        spline = si.CubicSpline(KNOTS, y, bc_type="natural")
        h = 1e-6
        want_y = [(f(y + h * e, b, si) - f(y - h * e, b, si)) / (2 * h) for e in np.eye(6)]
        gy, gb = (
            dl.grad(lambda y, b: f(y, b, dsp.interpolate), argnums=(0, 1), method=method)(y, b)
            if b == 1.7
            else dl.prepare(lambda y, b: f(y, b, dsp.interpolate), YK, 1.7, method=method, argnums=(0, 1)).grad(y, b)
        )
        np.testing.assert_allclose(gy, want_y, rtol=1e-6, atol=1e-6)
        assert gb == pytest.approx(1.5 * spline(b), rel=_tol(method))
    if method != "numeric":
        hess = dl.hessian(lambda b: f(YK, b, dsp.interpolate), method=method)(1.7)
        spline = si.CubicSpline(KNOTS, YK, bc_type="natural")
        assert hess == pytest.approx(1.5 * spline(1.7, 1), rel=1e-10)


def test_series_division_second_derivative():
    """d²/du² and d²/dv² of Σ q(t)² for q = Legendre(u) // Legendre(v) (forward over reverse): q is linear in u, so
    d²/du² is 2 JᵀJ with J NumPy's quotients of the unit series (exact); d²/dv² against central differences
    (h = 1e-4) of the central-difference gradient (h = 1e-6) of NumPy's classes."""
    T = np.array([0.3, 0.7, -0.2])
    u, v = np.array([0.3, -1.2, 0.4, 0.9, 0.5]), np.array([1.1, 0.7, -0.4])
    L, NL = dnp.polynomial.Legendre, np.polynomial.Legendre
    jac = np.stack([np.pad((NL(e) // NL(v)).coef, (0, 3))[:3] for e in np.eye(5)], axis=1)  # (3 coef, 5)
    basis = np.stack([NL(e)(T) for e in np.eye(3)], axis=1)  # (len(T), 3)
    j = basis @ jac
    got = dl.hessian(lambda u: np.sum((L(u) // L(v))(T) ** 2), method=("forward", "reverse"))(u)
    np.testing.assert_allclose(got, 2 * j.T @ j, rtol=1e-12, atol=1e-12)
    f = lambda v: np.sum((NL(u) // NL(v))(T) ** 2)  # noqa: E731
    want = np.stack([(_central(f, v + 1e-4 * e) - _central(f, v - 1e-4 * e)) / 2e-4 for e in np.eye(3)])
    got = dl.hessian(lambda v: np.sum((L(u) // L(v))(T) ** 2), method=("reverse", "reverse"))(v)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_a_classmethod_refuses_a_domain_that_would_move_with_traced_data():
    """fit of a traced x and fromroots of traced roots with domain=None: NumPy's default domain is the data's range,
    which would move with them (series._mapping); refused by name, and right with the domain given."""
    P = dnp.polynomial.Polynomial
    x = np.array([0.1, 0.5, 0.9, 1.3])
    with pytest.raises(dl.UnsupportedOperationError, match=r"Polynomial\.fit of a traced x needs its domain"):
        dl.grad(lambda t: P.fit(t, np.arange(4.0), 2)(0.5))(x)
    with pytest.raises(dl.UnsupportedOperationError, match=r"Polynomial\.fromroots of traced roots with domain=None"):
        dl.grad(lambda r: P.fromroots(r, domain=None)(0.5))(x)
    np.testing.assert_allclose(dl.grad(lambda r: P.fromroots(r)(0.5))(np.array([0.1, 0.5])), [0.0, -0.4], atol=1e-15)
