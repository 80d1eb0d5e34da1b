"""cov59 (issue 11's loose ends): numpy.roots at a repeated root and beside zero end coefficients, ...; each test
failed on main before its fix.

References: the implicit function theorem for roots (dr = −(dp)(r)/p'(r) at NumPy's roots, by hand below); NumPy's
own functions (values).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import difflab as dl

METHODS = ["symbolic", "numeric", "forward", "reverse"]
EXACT = ["symbolic", "forward", "reverse"]


def _root_jacobian(p):
    """dr/dp of NumPy's roots of p (highest power first, zero end coefficients too), all simple: −r^(n−k)/p'(r)
    per coefficient k."""
    r, n = np.roots(p), len(p) - 1
    return -np.stack([r ** (n - k) for k in range(n + 1)], axis=1) / np.polyval(np.polyder(p), r)[:, None]


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_np_roots_at_a_repeated_root_is_refused_by_name(method):
    """np.roots of (x − 1)²(x − 2) and (x − 1)², traced: a ValueError naming the repeated root (it gave the
    eigenvalue rule's 1/gap numbers silently: −3.2e15 per entry at (x − 1)², −8 where the slope is infinite). The
    check runs while tracing, before any method (symbolic's is the same call)."""
    for p in ([1.0, -4.0, 5.0, -2.0], [1.0, -2.0, 1.0]):
        with pytest.raises(ValueError, match=r"numpy\.roots: a repeated root \(about 1"):
            dl.grad(lambda p: np.sum(np.roots(p).real * np.arange(1.0, len(p))), method=method)(np.array(p))


@pytest.mark.parametrize("method", EXACT)
def test_prepared_np_roots_meeting_a_repeated_root_say_so(method):
    """Prepared at distinct roots (np.roots prepares now: only a zero end coefficient specialises the trace), at
    2(x − 1)² later: NaN with the DomainWarning naming the root 1; at the first point the implicit function
    theorem's gradient."""
    w, p0 = np.array([1.0, 2.0]), np.array([2.0, -6.0, 4.0])
    prepared = dl.prepare(lambda p: np.sum(np.roots(p).real * w), p0, method=method)
    np.testing.assert_allclose(prepared.grad(p0), w @ _root_jacobian(p0).real, rtol=1e-10, atol=1e-15)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = prepared.grad(np.array([2.0, -4.0, 2.0]))
    assert np.isnan(got).all()
    said = [str(c.message) for c in caught if issubclass(c.category, dl.DomainWarning)]
    assert any("numpy.roots: a repeated root (about 1+0j" in m for m in said), said


@pytest.mark.parametrize("method", METHODS)
def test_np_roots_beside_zero_end_coefficients_move_with_them(method):
    """A trailing zero coefficient is NumPy's root 0 and a leading one is dropped, by value; both still move the
    roots (x³ − 3x² + 2x + ε: the root 0 moves by −ε/2, and 2 and 1 by −ε/p'(r)); difflab's gradient in them was 0.
    Values are NumPy's, bit for bit. (Symbolic on the first only: its polished roots cost ~0.9 CPU-s a case.)"""
    w = np.array([1.0, 2.5, -3.0])
    cases = ((np.array([1.0, -3.0, 2.0, 0.0]), 3), (np.array([0.0, 2.0, -6.0, 4.0, 0.0]), 3))
    for p, k in cases[:1] if method == "symbolic" else cases:
        jac = _root_jacobian(p)
        value, grad = dl.value_and_grad(lambda p: np.sum(np.roots(p).real * w[:k]), method=method)(p)
        assert value == np.sum(np.roots(p).real * w[:k])
        np.testing.assert_allclose(grad, w[:k] @ jac.real, rtol=1e-6 if method == "numeric" else 1e-12, atol=1e-9)


def test_np_roots_second_derivatives_beside_a_trailing_zero():
    """The Hessian at x³ − 3x² + 2x + 0 (two Newton steps polish each root: exact to third order) against central
    differences of the implicit function theorem's gradient, reverse and forward over reverse (symbolic's agrees,
    at 1.5 CPU-s)."""
    w, p = np.array([1.0, 2.5, -3.0]), np.array([1.0, -3.0, 2.0, 0.0])
    f = lambda p: np.sum(np.roots(p).real * w)  # noqa: E731
    h = 1e-6
    grad = lambda q: w @ _root_jacobian(q).real  # noqa: E731  (at q: distinct roots, NumPy's order kept)
    want = np.array([(grad(p + h * e) - grad(p - h * e)) / (2 * h) for e in np.eye(4)])
    for method in ("reverse", ("forward", "reverse")):
        np.testing.assert_allclose(dl.hessian(f, method=method)(p), want, rtol=1e-6, atol=1e-6)


# -- holomorphic=True on every spelling JAX has it (grad, value_and_grad, jacfwd, jacrev; jacobian, prepare) -------
_Z = 0.7 - 1.3j
_F_Z = complex(np.cos(_Z) * _Z**2 + 2 * np.sin(_Z) * _Z)  # d/dz z² sin z, by hand (jax.grad(holomorphic=True)'s)


def _holo(z):
    return z * z * np.sin(z)


def test_api_grad_and_value_and_grad_take_holomorphic_and_has_aux():
    """difflab.api.grad / value_and_grad (the operators under dl.grad) refused holomorphic= with a TypeError
    ("unexpected keyword argument"); now dl.grad's, the value as JAX's jax.grad(holomorphic=True) gives it."""
    import difflab.api as api

    assert api.grad(_holo, holomorphic=True)(_Z) == pytest.approx(_F_Z, rel=1e-14)
    value, slope = api.value_and_grad(_holo, holomorphic=True)(_Z)
    assert (value, slope) == (pytest.approx(complex(_holo(_Z)), rel=1e-14), pytest.approx(_F_Z, rel=1e-14))
    assert api.grad(lambda z: (_holo(z), "aux"), holomorphic=True, has_aux=True)(_Z)[1] == "aux"


@pytest.mark.parametrize("method", METHODS)
def test_jacfwd_jacrev_jacobian_take_holomorphic_with_has_aux(method):
    """JAX's jacfwd/jacrev take holomorphic=True with has_aux=True: (f'(z), aux); difflab refused the pair with a
    ValueError. f'(z) of an elementwise f at a vector of complex z: diag(f'(z_k))."""
    z = np.array([_Z, 0.2 + 0.4j])
    want = np.diag(np.cos(z) * z**2 + 2 * np.sin(z) * z)
    jac, aux = dl.jacobian(lambda z: (_holo(z), {"n": 2}), method=method, holomorphic=True, has_aux=True)(z)
    np.testing.assert_allclose(jac, want, rtol=1e-8 if method == "numeric" else 1e-14, atol=1e-12)
    assert aux == {"n": 2}
    for jac_fn in (dl.jacfwd, dl.jacrev):
        jac, aux = jac_fn(lambda z: (_holo(z), 1), holomorphic=True, has_aux=True)(z)
        np.testing.assert_allclose(jac, want, rtol=1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_prepare_takes_holomorphic(method):
    """dl.prepare(f, z, holomorphic=True): .grad is f'(z), .hessian f''(z), at later points too; prepare refused
    complex leaves outright (ComplexLeaf, naming grad & co. but no prepared way); another layout is refused naming
    it."""
    p = dl.prepare(_holo, _Z, method=method, holomorphic=True)
    rtol = 1e-8 if method == "numeric" else 1e-14
    assert p.grad(_Z) == pytest.approx(_F_Z, rel=rtol)
    z = 1.1 + 0.3j
    assert p.value_and_grad(z)[1] == pytest.approx(complex(np.cos(z) * z**2 + 2 * np.sin(z) * z), rel=rtol)
    if method != "numeric":
        f2 = complex(-np.sin(z) * z**2 + 4 * np.cos(z) * z + 2 * np.sin(z))
        assert complex(p.hessian(z)) == pytest.approx(f2, rel=1e-13)
    assert p(z) == _holo(z)
    with pytest.raises(ValueError, match=r"prepared for arguments laid out as complex128\[\], got complex128\[2\]"):
        p.grad(np.array([z, z]))


# -- ufunc methods given a list of traced values; scipy.special's ufuncs' methods ----------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_dnp_ufunc_methods_stack_a_list_of_traced_values(method):
    """dnp.add.reduce([a, b·a, b]) is NumPy's reduce over the stacked axis 0 (it was NumPy's own method, whose
    conversion of the list refused the traced values): values and gradients against NumPy's on the stacked array
    (gradients against central differences of NumPy's own on the stacked array)."""
    import difflab.numpy as dnp

    a, b = np.array([1.5, 2.0]), np.array([3.0, 0.4])  # (no ties: maximum's and minimum's slopes one-sided)
    w = np.array([0.5, -1.5])
    for ufunc, name in [
        (dnp.add, "add"),
        (dnp.multiply, "multiply"),
        (dnp.maximum, "maximum"),
        (dnp.logaddexp, "logaddexp"),
    ]:
        for m in ("reduce", "accumulate") if name != "logaddexp" else ("reduce",):
            want = getattr(getattr(np, name), m)(np.stack([a, b * a, b]))
            f = lambda a, b: dnp.sum(getattr(ufunc, m)([a, b * a, b]) * w)  # noqa: E731, B023
            g = lambda a, b: np.sum(getattr(getattr(np, name), m)(np.stack([a, b * a, b])) * w)  # noqa: E731, B023
            h = 1e-6
            num = [np.array([(g(a + h * e, b) - g(a - h * e, b)) / (2 * h) for e in np.eye(2)])]
            num.append(np.array([(g(a, b + h * e) - g(a, b - h * e)) / (2 * h) for e in np.eye(2)]))
            np.testing.assert_array_equal(getattr(ufunc, m)([a, b * a, b]), want)
            got = dl.grad(f, argnums=(0, 1), method=method)(a, b)
            for x, y in zip(got, num):
                np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-8)


def test_np_ufunc_method_of_a_list_of_traced_values_names_the_fix():
    """np.add.reduce([a, b]): NumPy converts the list in C before any dispatch; the error names the ufunc method and
    the two fixes (it named only numpy.asarray/numpy.array conversions)."""
    with pytest.raises(dl.UnsupportedOperationError, match=r"numpy\.add\.reduce converts a list .*numpy\.stack"):
        dl.grad(lambda a: np.add.reduce([a, a * a]).sum())(np.array([1.0, 2.0]))


@pytest.mark.parametrize("method", EXACT)
def test_scipy_special_binary_ufunc_methods(method):
    """scipy.special.xlogy.outer / .accumulate on traced values (NumPy supports them on SciPy's binary ufuncs): they
    raised AttributeError("module 'numpy' has no attribute 'xlogy'"), and difflab.scipy.special.xlogy had no such
    methods; xlogy.at is refused by name (reduce, NumPy's left fold: edges60); a unary ufunc's outer is NumPy's own ValueError."""
    ss = pytest.importorskip("scipy.special")
    import difflab.scipy.special as dss

    a, b = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    for xlogy in (ss.xlogy, dss.xlogy):
        got = dl.grad(lambda a: np.sum(xlogy.outer(a, b)), method=method)(a)  # noqa: B023
        np.testing.assert_allclose(got, np.log(b).sum() * np.ones(2), rtol=1e-14)
        # accumulate: [a0, a0·log a1]: d/da0 = 1 + log a1, d/da1 = a0 / a1
        got = dl.grad(lambda a: np.sum(xlogy.accumulate(a)), method=method)(a)  # noqa: B023
        np.testing.assert_allclose(got, [1.0 + np.log(2.0), 0.5], rtol=1e-14)
        # reduce (edges60; it was refused by name): a0·log a1, NumPy's left fold
        got = dl.grad(lambda a: xlogy.reduce(a), method=method)(a)  # noqa: B023
        np.testing.assert_allclose(got, [np.log(2.0), 0.5], rtol=1e-14)
        with pytest.raises(dl.UnsupportedOperationError, match=r"scipy\.special\.xlogy\.at"):
            dl.grad(lambda a: (xlogy.at(a * 1.0, [0], 2.0), a.sum())[1], method=method)(a)  # noqa: B023
    with pytest.raises(ValueError, match="only supported for binary functions"):
        dl.grad(lambda a: np.sum(dss.expit.outer(a, b)), method=method)(a)


# -- np.ma: a reduction whose every element is masked -----------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_all_masked_ma_reductions_say_numpys_masked(method):
    """NumPy's np.ma.masked_array(x, mask=[1, 1, 1]).sum() is np.ma.masked; difflab.numpy.ma's was NaN silently,
    then (cov59) NaN with a DomainWarning. Since reduce61 it is NumPy's masked result (np.ma.masked; a traced mask's a
    masked 0-d MaskedArray), returned as its data 0 with derivative 0 and no warning; a row reduced over some unmasked
    elements keeps NumPy's value and slope, the all-masked row's derivative row is 0 (its entry masked)."""
    import difflab.numpy as dnp

    x, X = np.array([1.0, 2.0, 3.0]), np.arange(6.0).reshape(2, 3)
    assert np.ma.masked_array(x, mask=[1, 1, 1]).sum() is np.ma.masked
    cases = [
        lambda x: dnp.ma.masked_array(x, mask=[1, 1, 1]).sum(),
        lambda x: dnp.ma.masked_where(x > 0, x).mean(),
        lambda x: dnp.ma.masked_where(x > 2.5, x).var(ddof=2),  # (count 2 <= ddof 2: NumPy's masked too)
    ]
    for f in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value, grad = dl.value_and_grad(f, method=method)(x)
        assert value == 0.0 and not grad.any()
    mask = np.array([[1, 1, 1], [0, 1, 0]], dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jac = dl.jacobian(lambda X: dnp.ma.masked_array(X, mask=mask).sum(axis=1), method=method)(X)
    assert not jac[0].any()
    np.testing.assert_allclose(jac[1], [[0.0, 0.0, 0.0], [1.0, 0.0, 1.0]], atol=1e-9)


def test_prepared_ma_mean_whose_traced_mask_masks_everything_later_says_so():
    """Prepared where x > 0 leaves one element, asked where it leaves none: NumPy's np.ma.masked, returned as its
    data 0 (stop 63: a traced mask's 0-d reduction is a MaskedArray at every point; was NaN with a DomainWarning)."""
    import difflab.numpy as dnp

    prepared = dl.prepare(lambda x: dnp.ma.masked_where(x > 0, x).mean(), np.array([1.0, -2.0, 3.0]))
    assert prepared.grad(np.array([1.0, -2.0, 3.0])).tolist() == [0.0, 1.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert prepared(np.array([1.0, 2.0, 3.0])) == 0.0
        assert prepared.grad(np.array([1.0, 2.0, 3.0])).tolist() == [0.0, 0.0, 0.0]


# -- PPoly / CubicSpline solve and roots with trailing axes -----------------------------------------------------


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_spline_solve_with_trailing_axes_is_scipys_object_array(method):
    """CubicSpline(x, Y) of Y (4, 2): solve(0.1) is SciPy's object array of each column's roots (difflab refused
    it: "solve each column's spline"); values SciPy's, the gradient of a weighted sum of them against central
    differences of SciPy's own solve (a far extrapolated root, −37, included). Symbolic gives the same gradient
    (each column is the 2-D solve its tests cover) at 0.9 CPU-s, left out."""
    si = pytest.importorskip("scipy.interpolate")
    import difflab.numpy as dnp
    import difflab.scipy.interpolate as dsi

    x = np.array([0.0, 1.0, 2.0, 3.0])
    Y = np.stack([np.sin(x) - 0.2, np.cos(x)], axis=1)
    w = [np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0, 0.5])]
    theirs, ours = si.CubicSpline(x, Y).solve(0.1), dsi.CubicSpline(x, Y).solve(0.1)
    assert ours.dtype == object and ours.shape == theirs.shape == (2,)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)

    def g(Y):
        r = si.CubicSpline(x, Y).solve(0.1)
        return np.sum(r[0] * w[0]) + np.sum(r[1] * w[1])

    h = 1e-6
    want = np.array([(g(Y + h * e.reshape(4, 2)) - g(Y - h * e.reshape(4, 2))) / (2 * h) for e in np.eye(8)])
    f = lambda Y: sum(dnp.sum(r * v) for r, v in zip(dsi.CubicSpline(x, Y).solve(0.1), w))  # noqa: E731
    np.testing.assert_allclose(dl.grad(f, method=method)(Y), want.reshape(4, 2), rtol=1e-6)
