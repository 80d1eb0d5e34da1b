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
