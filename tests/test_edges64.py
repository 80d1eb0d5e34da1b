"""Edges left over from stop 63 (edges64, issue 11): the reduce's fold from 0 of agm, poch, rel_entr and chdtrc (the
derivative of a fold that is identically 0 is 0; agm's infinite slope at a = 0 said), poch's slope in z at a pole of Γ(z)
(mpmath), pro_cv's and obl_cv's second derivative in c (Richardson's second differences of SciPy's values),
subspace_angles at its kinks (NaN, said), of orthonormal bases and at forced zero angles (SciPy's differences)."""

import warnings

import mpmath
import numpy as np
import pytest
import scipy.special as sc

import difflab as dl
from difflab.errors import DomainWarning, NotDifferentiableError
from tier import FULL

EXACT = ("reverse", "forward", "symbolic")


def _methods(default):
    """Every exact method in the full tier; `default` alone in the default one (this file's 2 CPU-seconds)."""
    return list(EXACT) if FULL else [default]


X = np.array([0.5, 1.5, 2.0])


def _quiet(fn, *args):
    """fn(*args) and the DifflabWarnings it gave."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        out = fn(*args)
    return out, [f"{w.category.__name__}: {w.message}" for w in said if issubclass(w.category, dl.DifflabWarning)]


@pytest.mark.parametrize("method", _methods("reverse"))
def test_the_fold_from_zero_of_agm_and_poch_has_slope_zero(method):
    # NumPy's fold f(f(f(0, x0), x1), x2) is 0 near X (agm(0, b) = poch(0, m) = rel_entr(0, y) = 0 for every b, m,
    # y > 0, and chdtrc(0, x) = 0): every central difference of SciPy's values is exactly 0. On main: NaN (0·∞ of agm's,
    # 0·ψ(0) of poch's partials; rel_entr's under symbolic: log(0)·0; chdtrc's under reverse: gammainc_da(0, x)·0).
    for u in (sc.agm, sc.poch, sc.rel_entr, sc.chdtrc):
        assert all(u.reduce(X + h * e) == 0.0 for h in (1e-3, -1e-3) for e in np.eye(3))
        got, said = _quiet(dl.grad(lambda x, u=u: u.reduce(x), method=method), X)
        assert np.array_equal(got, np.zeros(3)) and not said, (u.__name__, got, said)


@pytest.mark.parametrize("method", _methods("forward"))
def test_agm_is_infinitely_steep_off_zero_and_says_so(method):
    # M(ε, 2) ≈ π/log(8/ε): +inf at a = 0, with the DomainWarning naming agm; M(a, 0) = 0 for every a: ∂a = 0 there.
    # The fold from 0.5 over (0, 2): agm(agm(0.5, x0), x1) is infinitely steep in x0 at 0 too.
    f = lambda v: sc.agm(v[0], v[1])  # noqa: E731
    got, said = _quiet(dl.grad(f, method=method), np.array([0.0, 2.0]))
    assert got.tolist() == [np.inf, 0.0] and said and said[0].startswith(DomainWarning.__name__)
    assert "singular point of agm" in said[0]
    got, said = _quiet(dl.grad(lambda x: sc.agm.reduce(x, initial=0.5), method=method), np.array([0.0, 2.0]))
    assert got.tolist() == [np.inf, 0.0] and said and all(s.startswith("DomainWarning: v") and "agm" in s for s in said)


@pytest.mark.parametrize("method", _methods("reverse"))
def test_poch_slope_in_z_at_a_pole_of_gamma_is_mpmaths(method):
    # poch(z, m) = Γ(z + m)/Γ(z) at z = 0, -2, -1: 0, its slope Γ(z + m)·(1/Γ)′(z) (NaN on main, 0·∞), and at z = 0
    # its second derivative in z and the mixed one (mpmath's rf differentiated in 30 digits).
    mpmath.mp.dps = 30
    for z, m in ((0.0, 1.5), (-2.0, 0.5), (-1.0, 2.5)):
        got = dl.grad(lambda v: sc.poch(v[0], v[1]), method=method)(np.array([z, m]))
        want = [float(mpmath.diff(lambda t: mpmath.rf(t, m), z)), 0.0]  # noqa: B023
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-300)
    hess = dl.hessian(lambda v: sc.poch(v[0], v[1]), method=method)(np.array([0.0, 1.5]))
    zz = float(mpmath.diff(lambda t: mpmath.rf(t, 1.5), 0, 2))
    zm = float(mpmath.diff(lambda t, s: mpmath.rf(t, s), (0, 1.5), (1, 1)))
    np.testing.assert_allclose(hess, [[zz, zm], [zm, 0.0]], rtol=1e-13, atol=1e-300)


def _second_difference(fn, c):
    """fn''(c) by Richardson's extrapolation of central second differences (h = 0.05, 0.025, 0.0125)."""
    d = [(fn(c + h) - 2 * fn(c) + fn(c - h)) / h**2 for h in (0.05, 0.025, 0.0125)]
    r = [(4 * d[1] - d[0]) / 3, (4 * d[2] - d[1]) / 3]
    return (16 * r[1] - r[0]) / 15


@pytest.mark.parametrize("name", ["pro_cv", "obl_cv"])
def test_characteristic_values_second_derivative_in_c(name):
    # d²λ/dc² by second-order perturbation of the Legendre matrix: within 1e-7 of Richardson's differences of SciPy's
    # λ (5e-9 seen); on main refused ('argument c a second time'); the third derivative is refused by name.
    u = getattr(sc, name)
    for (m, n, c), method in zip(((1, 3, 2.0), (0, 9, 10.0), (2, 5, 7.3)), EXACT if FULL else ("forward",)):
        f = lambda t: u(m, n, t)  # noqa: E731,B023
        got = dl.grad(dl.grad(f, method=method), method=method)(c)
        assert abs(got - _second_difference(f, c)) < 1e-7, (m, n, c, method)
    with pytest.raises(NotDifferentiableError, match=rf"{name} .* argument c a third time \(only in c, twice\)"):
        dl.grad(dl.hessian(lambda t: u(1, 3, t)))(2.0)


RNG = np.random.default_rng(64)
A4 = RNG.normal(size=(4, 2))


def _angle_grads(a, b, weights, method):
    """The gradient in (A, B) of Σ weights·subspace_angles(A, B) and the DifflabWarnings said."""
    import difflab.scipy.linalg as dsl

    f = lambda a, b: np.sum(dsl.subspace_angles(a, b) * weights)  # noqa: E731
    return _quiet(dl.grad(f, argnums=(0, 1), method=method), a, b)


def _central(a, b, k, h=1e-6):
    """Central differences of SciPy's k-th angle in A's entries (an independent check)."""
    import scipy.linalg as sl

    steps = [h * e.reshape(a.shape) for e in np.eye(a.size)]
    return np.array([(sl.subspace_angles(a + s, b)[k] - sl.subspace_angles(a - s, b)[k]) / (2 * h) for s in steps])


@pytest.mark.parametrize("method", _methods("reverse"))
def test_subspace_angles_at_a_kink_are_nan_with_the_warning_naming_it(method):
    # a zero angle (B holds A's first column) and a right angle (A = e1, e2; B = e3, b): |·|-like kinks, one-sided
    # slopes only. On main: finite numbers, silently, that differed between methods (the zero angle's svd rule).
    # The other angle's own gradient stays SciPy's differences'.
    zero = (A4, np.column_stack([A4[:, 0], RNG.normal(size=4)]))
    right = (np.eye(4)[:, :2], np.column_stack([np.eye(4)[:, 2], RNG.normal(size=4)]))
    for (a, b), kink in ((zero, 1), (right, 0)):
        (ga, gb), said = _angle_grads(a, b, np.array([1.0, 2.0]), method)
        assert np.isnan(ga).all() and np.isnan(gb).all(), (kink, ga, gb)
        assert said and all(s.startswith("DomainWarning") and "scipy.linalg.subspace_angles" in s for s in said)
        assert ("lies at 0" if kink else "lies at π/2") in said[0]
        (ga, _), said = _angle_grads(a, b, np.eye(2)[1 - kink], method)
        np.testing.assert_allclose(ga.ravel(), _central(a, b, 1 - kink), rtol=1e-6, atol=1e-8)
        assert not said


@pytest.mark.parametrize("method", _methods("forward"))
def test_subspace_angles_of_orthonormal_bases_and_forced_zeros(method):
    # an orthonormal A (repeated singular values: orth's U has no derivative; on main NaN for reverse and forward, wrong
    # numbers for symbolic), and two planes in R³ (a zero angle every perturbation keeps: its derivative 0; on main
    # NaN or ±inf, and symbolic's other angle off): SciPy's differences
    a = np.linalg.qr(A4)[0]
    b = RNG.normal(size=(4, 2))
    (ga, _), said = _angle_grads(a, b, np.array([1.0, 2.0]), method)
    np.testing.assert_allclose(ga.ravel(), _central(a, b, 0) + 2 * _central(a, b, 1), rtol=1e-6, atol=1e-8)
    a, b = A4[:3], RNG.normal(size=(3, 2))
    (ga, _), said = _angle_grads(a, b, np.array([1.0, 2.0]), method)
    np.testing.assert_allclose(ga.ravel(), _central(a, b, 0), rtol=1e-6, atol=1e-8)
    assert not said


@pytest.mark.parametrize("method", _methods("reverse"))
def test_complex_modulus_at_zero_follows_abs_convention(method):
    # (a lock, passing on main too: scipy.special has no cabs; |z| of a complex z is np.abs, difflab's cabs) at z = 0
    # the gradient in the real and imaginary parts is the convention table's abs'(0) = 0, as np.abs of a real 0 gives,
    # with no warning; off 0 it is (a, b)/|z|
    for f, x, want in (
        (lambda v: np.abs(v[0] + 1j * v[1]), np.zeros(2), [0.0, 0.0]),
        (lambda v: np.abs(v[0]), np.zeros(2), [0.0, 0.0]),
        (lambda v: np.abs(v[0] + 1j * v[1]), np.array([3.0, -4.0]), [0.6, -0.8]),
    ):
        got, said = _quiet(dl.grad(f, method=method), x)
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
        assert not said
    got, said = _quiet(dl.grad(lambda z: np.abs(z), method=method), 0j)
    assert got == 0 and not said
