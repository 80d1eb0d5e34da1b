"""Known answers for scipy.special's poch, spence, zeta, hyp1f1 and owens_t (difflab/ops/special.py): each
derivative rule against mpmath's 40-digit derivative of the function itself (mpmath comes with SymPy), every
method against reverse, second derivatives, vmap and prepare, spence at its removable point z = 1, and the
arguments no exact derivative exists for refused by name."""

import mpmath
import numpy as np
import pytest
import scipy.special as sc

import difflab as dl
from difflab.errors import NotDifferentiableError

mpmath.mp.dps = 40


def _owens_t(h, a):
    return mpmath.quad(lambda t: mpmath.exp(-(h**2) * (1 + t**2) / 2) / (1 + t**2), [0, a]) / (2 * mpmath.pi)


#: name -> (SciPy's function, mpmath's, the differentiated arguments' positions, points)
CASES = {
    # (300, 1e-5): m ≪ z, where ψ(z + m) - ψ(z) cancels (the rule's series: _psi_difference)
    "poch": (
        sc.poch,
        mpmath.rf,
        (0, 1),
        [(1.3, 1.5), (0.4, 2.7), (7.5, 0.25), (2.0, 1e-3), (300.0, 1e-5), (2.5, -0.7)],
    ),
    "spence": (sc.spence, lambda z: mpmath.polylog(2, 1 - z), (0,), [(0.3,), (1.3,), (1.004,), (4.5,)]),
    "zeta": (sc.zeta, mpmath.zeta, (1,), [(3.0, 1.3), (2.0, 0.4), (4.5, 6.0)]),
    "hyp1f1": (sc.hyp1f1, mpmath.hyp1f1, (2,), [(1.0, 2.0, 1.3), (0.5, 1.5, -2.2), (3.0, 1.0, 0.7)]),
    "owens_t": (sc.owens_t, _owens_t, (0, 1), [(0.7, 1.3), (-1.2, 0.4), (2.0, -0.8), (0.3, 3.0)]),
}
IDS = [f"{name}-{k}" for name, (_, _, _, points) in CASES.items() for k in range(len(points))]
POINTS = [(name, p) for name, (_, _, _, points) in CASES.items() for p in points]


def _mp_partial(mp_fn, point, i, order=1):
    """mpmath's derivative of mp_fn in argument i at point (40 digits)."""
    args = [mpmath.mpf(v) for v in point]

    def along(t):
        return mp_fn(*args[:i], t, *args[i + 1 :])

    return float(mpmath.diff(along, args[i], order))


@pytest.mark.parametrize("name,point", POINTS, ids=IDS)
def test_rule_matches_mpmath(name, point):
    fn, mp_fn, wrt, _ = CASES[name]
    got = dl.grad(lambda *xs: fn(*xs), argnums=wrt)(*point)
    for g, i in zip(got, wrt):
        np.testing.assert_allclose(float(g), _mp_partial(mp_fn, point, i), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name,point", POINTS, ids=IDS)
def test_every_method_agrees_with_reverse(name, point):
    fn, _, wrt, _ = CASES[name]
    reverse = dl.grad(lambda *xs: fn(*xs), argnums=wrt, method="reverse")(*point)
    # (numeric's error is relative to f's size: poch(300, 1e-5) ≈ 1, its slope in z 3.3e-8)
    for method, rtol, atol in (("forward", 1e-14, 1e-15), ("symbolic", 1e-12, 1e-15), ("numeric", 1e-6, 1e-9)):
        got = dl.grad(lambda *xs: fn(*xs), argnums=wrt, method=method)(*point)
        np.testing.assert_allclose(np.array(got, float), np.array(reverse, float), rtol=rtol, atol=atol, err_msg=method)


@pytest.mark.parametrize("name,point", POINTS, ids=IDS)
def test_second_derivatives_match_mpmath(name, point):
    fn, mp_fn, wrt, _ = CASES[name]
    for i in wrt:

        def f(t, i=i):
            return fn(*point[:i], t, *point[i + 1 :])

        expected = _mp_partial(mp_fn, point, i, order=2)
        for method in ("reverse", "forward", "symbolic"):
            got = float(dl.grad(dl.grad(f, method=method), method=method)(point[i]))
            np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-14, err_msg=f"{method} in {i}")


def test_poch_mixed_second_derivative():
    """∂²poch/∂z∂m = poch·((ψ(z+m) - ψ(z))·ψ(z+m) + ψ′(z+m)), against mpmath."""
    h = dl.hessian(lambda v: sc.poch(v[0], v[1]))(np.array([1.3, 1.5]))
    expected = float(mpmath.diff(lambda z, m: mpmath.rf(z, m), (mpmath.mpf("1.3"), mpmath.mpf("1.5")), (1, 1)))
    np.testing.assert_allclose(h[0, 1], expected, rtol=1e-12)
    np.testing.assert_allclose(h[1, 0], expected, rtol=1e-12)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_spence_at_its_removable_point(method):
    """spence′(1) = lim log z/(1 - z) = -1, spence″(1) = 1/2 (the convention table's removable point): no 0/0."""
    d = dl.grad(sc.spence, method=method)
    assert float(d(1.0)) == -1.0
    np.testing.assert_allclose(float(dl.grad(d, method=method)(1.0)), 0.5, rtol=1e-14)
    # just off it, the series and the quotient agree with mpmath
    for z in (1.0 + 1e-9, 0.995, 1.0101):
        np.testing.assert_allclose(float(d(z)), _mp_partial(CASES["spence"][1], (z,), 0), rtol=1e-14)


def test_vmap_and_prepare():
    h = np.array([-1.0, 0.2, 0.9, 2.5])
    a = np.array([0.3, 1.1, -0.6, 2.0])
    g = dl.vmap(dl.grad(lambda h, a: sc.owens_t(h, a), argnums=(0, 1)))(h, a)
    for k in range(4):
        for i in (0, 1):
            np.testing.assert_allclose(g[i][k], _mp_partial(_owens_t, (h[k], a[k]), i), rtol=1e-12)
    q = np.array([0.5, 1.0, 2.5])

    def f(q):
        return np.sum(sc.zeta(3.0, q) * sc.hyp1f1(0.5, 1.5, q) + sc.poch(q, 0.5) + sc.spence(q))

    def by_hand(q):  # the rules written out with SciPy
        zeta, hyp = sc.zeta(3.0, q), sc.hyp1f1(0.5, 1.5, q)
        d_spence = np.where(q == 1.0, -1.0, np.log(q) / np.where(q == 1.0, 1.0, 1.0 - q))
        d_poch = sc.poch(q, 0.5) * (sc.psi(q + 0.5) - sc.psi(q))
        return -3.0 * sc.zeta(4.0, q) * hyp + zeta * (0.5 / 1.5) * sc.hyp1f1(1.5, 2.5, q) + d_poch + d_spence

    for method in ("reverse", "forward", "symbolic"):
        p = dl.prepare(f, q, method=method)
        for q2 in (q, q + 0.25):  # (q + 0.25: the prepared function at other values, 1.0 off the removable point)
            np.testing.assert_allclose(p.grad(q2), by_hand(q2), rtol=1e-13, err_msg=method)


def test_riemann_zeta_traces():
    """scipy.special.zeta(x) (q None) on a traced x: SciPy's value; its derivative in x is ζ′(x) (special47: it was
    refused; tests/test_scipy_special47.py checks it against mpmath), -0.19812624288563685 at 3 (mpmath's zeta(3, 1, 1))."""
    x = np.array([2.0, 3.5])
    assert np.array_equal(dl.vmap(lambda x: sc.zeta(x) * 1.0)(x), sc.zeta(x))  # SciPy's Riemann ζ, bit for bit
    np.testing.assert_allclose(dl.grad(lambda x: sc.zeta(x))(3.0), -0.19812624288563685, rtol=1e-15)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_no_exact_derivative_is_refused_by_name(method):
    """(Hurwitz's zeta in x was refused here until special48: tests/test_scipy_special48.py checks its slope.)"""
    for arg, f in (("a", lambda t: sc.hyp1f1(t, 2.0, 1.0)), ("b", lambda t: sc.hyp1f1(1.0, t, 1.0))):
        with pytest.raises(NotDifferentiableError, match=rf"hyp1f1 is not differentiable in its argument {arg} "):
            dl.grad(f, method=method)(1.5)


def test_numeric_still_differences_what_is_refused():
    """The refusal points at numeric, which differences SciPy's values: ∂ζ(x, 2)/∂x at 3 = -Σ log(k)/kˣ, k ≥ 2."""
    expected = float(mpmath.diff(lambda x: mpmath.zeta(x, 2), 3))
    np.testing.assert_allclose(float(dl.grad(lambda x: sc.zeta(x, 2.0), method="numeric")(3.0)), expected, rtol=1e-7)


@pytest.mark.parametrize("inner,outer", [("symbolic", "reverse"), ("symbolic", "forward"), ("reverse", "symbolic")])
def test_methods_nest_in_each_other(inner, outer):
    """A second derivative with one method inside another (the symbolic method's code traced by the outer one)."""
    for name, point in [("poch", (1.3, 1.5)), ("spence", (1.0,)), ("zeta", (3.0, 1.3)), ("owens_t", (0.8, 0.6))]:
        fn, mp_fn, wrt, _ = CASES[name]
        i = wrt[0]

        def f(t, fn=fn, point=point, i=i):
            return fn(*point[:i], t, *point[i + 1 :])

        got = float(dl.grad(dl.grad(f, method=inner), method=outer)(point[i]))
        np.testing.assert_allclose(got, _mp_partial(mp_fn, point, i, order=2), rtol=1e-11, err_msg=name)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_owens_t_slope_in_a_at_h_0_and_huge_a(method):
    """∂T/∂a = e^(-h²(1 + a²)/2)/(2π(1 + a²)) at h = 0, a = 1e200 is 1/(2π·1e400): 0 in floats (0·inf = NaN in the
    exponent before its rule wrote it -h²/2 - (ha)²/2); at a = 1e100, 1/(2π·1e200)."""
    with np.errstate(over="ignore"):
        assert float(dl.grad(sc.owens_t, argnums=1, method=method)(0.0, 1e200)) == 0.0
        got = float(dl.grad(sc.owens_t, argnums=1, method=method)(0.0, 1e100))
    np.testing.assert_allclose(got, 1 / (2 * np.pi) * 1e-200, rtol=1e-14)
