"""The symbolic method on scipy.linalg.sqrtm above 2×2 (ops/matfuncs.py's opaque kinds: X, K = (X⊗I + I⊗Xᵀ)⁻¹ and
L = d²X as parts): gradients, Hessians, forward-over-symbolic and symbolic inside reverse against reverse's, for a
real root, a real matrix's complex root (an eigenvalue below 0: SciPy's complex principal root) and a complex matrix;
central differences of reverse's gradient (and of the real and imaginary parts) as an independent check; L's own rule
(third order) against differences of L."""

import numpy as np
import pytest
import sympy as sp

import difflab as dl
import difflab.scipy as dsc
from difflab.ops.core import SYMPY_NUMPY
from difflab.ops.matfuncs import _sqrtm_parts
from difflab.ops.opaque import opaque_entry
from test_complex import _parts_gradient
from tier import FULL

RNG = np.random.default_rng(38)
W = {n: RNG.normal(size=(n, n)) for n in (3, 4)}
SPREAD = {n: RNG.normal(size=(n, n)) + n * np.eye(n) for n in (3, 4)}  # (non-symmetric, eigenvalues right of 0)
_b = RNG.normal(size=(3, 3))
INDEFINITE = _b + _b.T  # (eigenvalues of both signs: autograd's test_sqrtm's matrix)
assert np.linalg.eigvalsh(INDEFINITE).min() < -0.5 < 0.5 < np.linalg.eigvalsh(INDEFINITE).max()


def _real(n):
    return lambda a: np.sum(dsc.linalg.sqrtm(a) * W[n])


def _complex_root(a):
    root = dsc.linalg.sqrtm(0.5 * (a + a.T))
    return np.sum(np.real(root) * W[3]) + np.sum(np.imag(root) * W[3].T)


def _check_second_order(f, x, which=("hessian", "nested"), tol=1e-10):
    """symbolic's Hessian, forward-over-symbolic and symbolic inside reverse equal reverse's Hessian."""
    want = dl.hessian(f, method="reverse")(x)
    scale = np.abs(want).max()
    assert scale > 1e-3
    if "hessian" in which:
        np.testing.assert_allclose(dl.hessian(f, method="symbolic")(x), want, rtol=tol, atol=tol * scale)
    if "nested" not in which:
        return want
    np.testing.assert_allclose(dl.hessian(f, method=("forward", "symbolic"))(x), want, rtol=tol, atol=tol * scale)
    u = np.linspace(-1.0, 1.0, x.size).reshape(x.shape)
    inner = dl.grad(f, method="symbolic")
    nested = dl.grad(lambda y: np.sum(inner(y) * u), method="reverse")(x)  # (symbolic inside reverse)
    np.testing.assert_allclose(nested.ravel(), want.reshape(x.size, x.size) @ u.ravel(), rtol=tol, atol=tol * scale)
    return want


@pytest.mark.parametrize("n", [3, 4])
def test_real_root_gradient_equals_reverse(n):
    f, a = _real(n), SPREAD[n]
    got = dl.grad(f, method="symbolic")(a)
    np.testing.assert_allclose(got, dl.grad(f, method="reverse")(a), rtol=1e-12, atol=1e-14)
    per_scalar = dl.grad(f, method=dl.Symbolic(matrix=False))(a)  # (the opaque kind's first-order rule itself)
    np.testing.assert_allclose(per_scalar, got, rtol=1e-12, atol=1e-14)


# The default tier (tests/tier.py) takes 3×3 (Hessian and both nestings); 4×4 (4.3 of this file's ~15 CPU-s) runs
# in the full tier: the same opaque kind `sqrtm`, whose rules are one formula in n (3×3's Hessian is also checked
# against differences below, 4×4's gradient in test_real_root_gradient_equals_reverse).
@pytest.mark.parametrize("n, which", [(3, ("hessian", "nested"))] + [(4, ("hessian",)), (4, ("nested",))] * FULL)
def test_real_root_second_derivatives_equal_reverse(n, which):
    f, a = _real(n), SPREAD[n]
    want = _check_second_order(f, a, which)
    if n == 3:  # (independently: central differences of reverse's gradient)
        g = dl.grad(f, method="reverse")
        e = np.eye(n * n).reshape(n * n, n, n)
        diffs = np.array([(g(a + 1e-5 * d) - g(a - 1e-5 * d)) / 2e-5 for d in e]).reshape(n, n, n, n)
        np.testing.assert_allclose(want, diffs, rtol=1e-5, atol=1e-7)


def test_a_real_matrix_with_a_negative_eigenvalue_has_its_complex_root_s_derivatives():
    # SciPy's complex principal root of a real matrix (autograd's test_sqrtm: a symmetrized random 3×3)
    a = INDEFINITE
    got = dl.grad(_complex_root, method="symbolic")(a)
    np.testing.assert_allclose(got, dl.grad(_complex_root, method="reverse")(a), rtol=1e-12, atol=1e-13)
    e = np.eye(9).reshape(9, 3, 3)
    diffs = np.array([(_complex_root(a + 1e-6 * d) - _complex_root(a - 1e-6 * d)) / 2e-6 for d in e]).reshape(3, 3)
    np.testing.assert_allclose(got, diffs, rtol=1e-6, atol=1e-7)
    _check_second_order(_complex_root, a)
    # the Jacobian of the complex root itself (a complex output)
    jac = dl.jacobian(lambda a: dsc.linalg.sqrtm(0.5 * (a + a.T)), method="symbolic")(a)
    assert np.iscomplexobj(jac) and np.abs(jac.imag).max() > 0.1
    np.testing.assert_allclose(jac, dl.jacobian(lambda a: dsc.linalg.sqrtm(0.5 * (a + a.T)))(a), rtol=1e-12, atol=1e-13)


C3 = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3)) + 3 * np.eye(3)
U3, V3 = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3))


def _of_complex(c):
    root = dsc.linalg.sqrtm(c)
    return np.sum(np.real(root) * W[3]) + np.sum(np.imag(root) * W[3].T)


def test_complex_matrix_gradient_equals_reverse_and_differences_of_the_parts():
    got = dl.grad(_of_complex, method="symbolic")(C3)
    np.testing.assert_allclose(got, dl.grad(_of_complex, method="reverse")(C3), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got, _parts_gradient(_of_complex, C3), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("which", [("hessian",), ("nested",)])
def test_complex_matrix_second_derivatives_equal_reverse(which):
    f = lambda t: _of_complex(C3 + t[0] * U3 + t[1] * 1j * V3)  # noqa: E731  (both a real and an imaginary direction)
    t0 = np.zeros(2)
    want = _check_second_order(f, t0, which)
    g = dl.grad(f, method="reverse")
    diffs = np.array([(g(t0 + 1e-5 * d) - g(t0 - 1e-5 * d)) / 2e-5 for d in np.eye(2)])
    np.testing.assert_allclose(want, diffs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["sqrtm", "csqrtm"])
def test_the_second_derivative_part_s_rule_is_its_derivative(kind):
    # L's rule (third order: dL = −dK dM K − K d²M K − K dM dK, written with K's and L's entries) against central
    # differences of L itself, in a real and (complex kind) an imaginary direction
    n, split = 2, kind == "csqrtm"  # (the kinds hold at any size; the translation takes them above 2×2)
    a = SPREAD[3][:2, :2] + (0.3j * np.array([[0.5, -1.0], [1.2, 0.7]]) if split else 0.0)
    names = sp.symbols(f"a0:{2 * n * n if split else n * n}", real=True)
    values = np.concatenate([a.real.ravel(), a.imag.ravel()]) if split else a.ravel()
    entry, column = 1, 2 * n * n + 3  # (L_(01),(10)(11))
    cases = [(4, 0), (5, n * n + 1)] if split else [(2, 0), (2, 3)]  # (Re L by Re a_00, Im L by Im a_01; L by a_11)
    for part, pos in cases:
        expr = opaque_entry(kind, part)(entry, column, n, *names)
        got = sp.lambdify(names, sp.diff(expr, names[pos]), modules=[SYMPY_NUMPY, "numpy"])(*values)
        step = np.zeros(values.size)
        step[pos] = 1e-5

        def at(v, part=part):
            m = (v[: n * n] + 1j * v[n * n :]).reshape(n, n) if split else v.reshape(n, n)
            return _sqrtm_parts(m, kind)[part][entry, column]

        want = (at(values + step) - at(values - step)) / 2e-5
        assert abs(want) > 1e-6
        np.testing.assert_allclose(got, want, rtol=1e-6)
