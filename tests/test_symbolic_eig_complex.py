"""The symbolic method on numpy.linalg.eig (real and complex matrices) and on inv, solve, det, slogdet,
cholesky, pinv and qr of complex matrices (ops/complex_linalg.py's opaque kinds): values and gradients
against reverse's and, independently, central differences of the real and imaginary parts; second
derivatives against reverse's; symbolic as the inner method of a nested derivative."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.scipy as dsc
from test_complex import _parts_gradient

RNG = np.random.default_rng(37)
A = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
R = RNG.normal(size=(3, 3)) + [[0, 2, 0], [-2, 0, 0], [0, 0, 1]]  # real, non-symmetric: a complex pair
W = RNG.normal(size=(3, 3))
B = RNG.normal(size=3) + 1j * RNG.normal(size=3)
assert np.iscomplexobj(np.linalg.eigvals(R)) and abs(np.linalg.eigvals(R).imag).max() > 0.1


def _hermitian(x):
    return x @ x.conj().T + 3 * np.eye(len(x))


COMPLEX = {
    "inv": lambda x: np.sum(np.abs(np.linalg.inv(x)) * W),
    "inv_imag": lambda x: np.sum(np.imag(np.linalg.inv(x)) * W),
    "solve": lambda x: np.sum(np.real(np.linalg.solve(x, B)) * W[0]),
    "det": lambda x: np.real(np.linalg.det(x)) + np.abs(np.linalg.det(x)),
    "det_5x5": lambda x: np.imag(np.linalg.det(np.kron(np.eye(2), x)[:5, :5] + np.eye(5))),
    "slogdet": lambda x: np.linalg.slogdet(x)[1] + np.imag(np.linalg.slogdet(x)[0]),
    "cholesky": lambda x: (
        np.sum(np.real(np.linalg.cholesky(_hermitian(x))) * W)
        + np.sum(np.imag(np.linalg.cholesky(_hermitian(x))) * W.T)
    ),
    "cholesky_lower_read": lambda x: np.sum(np.imag(np.linalg.cholesky(x + 4 * np.eye(3))) * W),
    "pinv_tall": lambda x: np.sum(np.real(np.linalg.pinv(x[:, :2])) * W[:2]) + np.sum(np.abs(np.linalg.pinv(x[:, :2]))),
    "pinv_rcond": lambda x: np.sum(np.imag(np.linalg.pinv(x[:2, :], rcond=1e-3)) * W[:, :2]),
    "qr_square": lambda x: np.sum(np.real(np.linalg.qr(x)[0]) * W) + np.sum(np.imag(np.linalg.qr(x)[1]) * W),
    "qr_tall": lambda x: (
        np.sum(np.imag(np.linalg.qr(x[:, :2])[0]) * W[:, :2]) + np.sum(np.abs(np.linalg.qr(x[:, :2])[1]))
    ),
    "qr_wide": lambda x: np.sum(np.real(np.linalg.qr(x[:2])[1]) * W[:2]) + np.sum(np.imag(np.linalg.qr(x[:2])[0])),
    "eigvals": lambda x: np.sum(np.real(np.linalg.eigvals(x)) * W[0]) + np.sum(np.abs(np.linalg.eigvals(x))),
    "eig_vectors": lambda x: (
        np.sum(np.imag(np.linalg.eig(x[:2, :2])[1]) * W[:2, :2])
        + np.sum(np.real(np.linalg.eig(x[:2, :2])[1]) * W[1:, 1:])
    ),
}
REAL = {
    "eigvals": lambda x: np.sum(np.imag(np.linalg.eigvals(x)) * W[0]) + np.sum(np.abs(np.linalg.eigvals(x)) ** 2),
    "eig_vectors": lambda x: np.sum(np.real(np.linalg.eig(x)[1]) * W) + np.sum(np.imag(np.linalg.eig(x)[1]) * W.T),
    "sqrtm": lambda x: np.sum(dsc.linalg.sqrtm(x + 3 * np.eye(3)) * W),  # (its derivative: a Sylvester equation)
}


def _quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        return fn(*args)


@pytest.mark.parametrize("name", sorted(COMPLEX))
def test_complex_matrices_match_reverse_and_differences_of_the_parts(name):
    f = COMPLEX[name]
    value, got = dl.value_and_grad(f, method="symbolic")(A)
    np.testing.assert_allclose(value, f(A), rtol=1e-12)
    np.testing.assert_allclose(got, dl.grad(f, method="reverse")(A), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, _parts_gradient(f, A), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(REAL))
def test_eig_of_a_real_non_symmetric_matrix_matches_reverse_and_differences(name):
    f = REAL[name]
    value, got = _quiet(dl.value_and_grad(f, method="symbolic"), R)
    np.testing.assert_allclose(value, _quiet(f, R), rtol=1e-12)
    np.testing.assert_allclose(got, _quiet(dl.grad(f, method="reverse"), R), rtol=1e-10, atol=1e-12)
    want = np.array(
        [(_quiet(f, R + 1e-6 * e) - _quiet(f, R - 1e-6 * e)) / 2e-6 for e in np.eye(9).reshape(9, 3, 3)]
    ).reshape(3, 3)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


C = np.array([[0.3 + 0.1j, -0.2 + 0.5j], [0.1 - 0.4j, 0.6 + 0.2j]])


def _second_order_cases():
    def matrix(x):
        return np.reshape(x, (2, 2)) * C + np.array([[1.0, 0.5j], [-0.3, 3.0]])

    return {
        "eig_complex": lambda x: np.sum(np.real(np.linalg.eig(matrix(x))[1]) * W[:2, :2]),
        "eigvals_complex": lambda x: np.sum(np.abs(np.linalg.eigvals(matrix(x))) ** 2),
        "eig_real": lambda x: np.sum(
            np.imag(np.linalg.eig(np.reshape(x, (2, 2)) + np.array([[0.0, 2.0], [-2.0, 0.0]]))[1]) * W[:2, :2]
        ),
        "inv_det_slogdet": lambda x: (
            np.sum(np.abs(np.linalg.inv(matrix(x))))
            + np.real(np.linalg.det(matrix(x)))
            + np.linalg.slogdet(matrix(x))[1]
        ),
        "cholesky_pinv_qr": lambda x: (
            np.sum(np.imag(np.linalg.cholesky(_hermitian(matrix(x)))))
            + np.sum(np.real(np.linalg.pinv(matrix(x))) * W[:2, :2])
            + np.sum(np.imag(np.linalg.qr(matrix(x))[0]) * W[1:, :2])
        ),
    }


@pytest.mark.parametrize("name", sorted(_second_order_cases()))
def test_second_derivatives_and_symbolic_as_the_inner_method(name):
    f, x = _second_order_cases()[name], np.array([0.4, -1.2, 0.7, 2.0])
    want = dl.hessian(f, method="reverse")(x)
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(x), want, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(dl.hessian(f, method=("forward", "symbolic"))(x), want, rtol=1e-9, atol=1e-11)
    inner, u = dl.grad(f, method="symbolic"), np.arange(1.0, 5.0)
    nested = dl.grad(lambda y: np.sum(inner(y) * u), method="reverse")(x)  # (symbolic inside reverse)
    np.testing.assert_allclose(nested, want @ u, rtol=1e-9, atol=1e-11)
    g = dl.grad(f, method="reverse")
    diffs = np.array([(g(x + 1e-5 * e) - g(x - 1e-5 * e)) / 2e-5 for e in np.eye(len(x))])
    np.testing.assert_allclose(want, diffs, rtol=1e-5, atol=1e-6)


def test_det_of_a_singular_complex_5x5_has_reverse_s_finite_gradient():
    # det's derivative is the cofactor matrix by the SVD (a part of the opaque det): finite at a singular A (the
    # rule det · A⁻ᵀ gave NaN there)
    a = RNG.normal(size=(5, 5)) + 1j * RNG.normal(size=(5, 5))
    a[4] = 0.0  # (exactly singular: LAPACK refuses its inverse)
    f = lambda x: np.imag(np.linalg.det(x)) + np.real(np.linalg.det(x))  # noqa: E731
    got = dl.grad(f, method="symbolic")(a)
    assert np.isfinite(got).all() and np.abs(got).max() > 1.0
    np.testing.assert_allclose(got, dl.grad(f, method="reverse")(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, _parts_gradient(f, a), rtol=1e-6, atol=1e-7)


def _four_by_four_cases():
    # 4×4 matrices whose row 1 moves (4 arguments): every rule's sums over p ≠ j (eig's W, T, Y, Z, named once per
    # matrix, complex_linalg._eig_tools) have three terms, so a wrong index or a dropped term shows
    rng = np.random.default_rng(38)
    base, w = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    row = np.eye(4)[:, 1:2]

    def matrix(x, real=False):
        return (base.real + np.diag([0.0, 1.0, 2.0, 3.0]) if real else base) + row * x

    # (complex eig's vectors once, with its values: a separate |V| case took the same V rules, ~2 CPU-s, issue 17)
    return {
        "eig_vectors_and_values": lambda x: (
            np.sum(np.imag(np.linalg.eig(matrix(x))[1]) * w) + np.sum(np.abs(np.linalg.eigvals(matrix(x))) * w[0])
        ),
        "eig_real_vectors": lambda x: np.sum(np.abs(np.linalg.eig(matrix(x, real=True))[1]) * w),
        "eig_inverse": lambda x: np.sum(np.real(np.linalg.inv(np.linalg.eig(matrix(x))[1])) * w),
    }


@pytest.mark.parametrize("name", sorted(_four_by_four_cases()))
def test_4x4_eig_second_derivatives_match_reverse(name):
    f, x = _four_by_four_cases()[name], np.array([0.3, -0.5, 0.2, 0.1])
    want = dl.hessian(f, method="reverse")(x)
    assert np.abs(want).max() > 0.1
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(x), want, rtol=1e-10, atol=1e-12 * np.abs(want).max())


def test_det_s_second_derivative_at_a_singular_complex_5x5_is_reverse_s():
    # rank n − 1: the cofactor's derivative (det″, a part of the opaque det by the SVD) is finite there; the A⁻¹ form
    # of d cof gave NaN with inv's DomainWarning
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 5)) + 1j * rng.normal(size=(5, 5))
    a[4] = 0.0  # (exactly singular, rank 4)
    u, v = rng.normal(size=(5, 5)) + 1j * rng.normal(size=(5, 5)), rng.normal(size=(5, 5))

    def f(t):
        d = np.linalg.det(a + t[0] * u + t[1] * 1j * v)
        return np.real(d) + np.imag(d)

    t0 = np.zeros(2)
    want = dl.hessian(f, method="reverse")(t0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", dl.DomainWarning)
        got = dl.hessian(f, method="symbolic")(t0)
    assert np.isfinite(got).all() and np.abs(got).max() > 10.0
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dl.hessian(f, method=("forward", "symbolic"))(t0), want, rtol=1e-10, atol=1e-12)
    inner = dl.grad(f, method="symbolic")  # (symbolic inside reverse)
    nested = dl.grad(lambda y: np.sum(inner(y) * [1.0, -2.0]), method="reverse")(t0)
    np.testing.assert_allclose(nested, want @ [1.0, -2.0], rtol=1e-10, atol=1e-12)
    g = dl.grad(f, method="reverse")
    diffs = np.array([(g(t0 + 1e-5 * e) - g(t0 - 1e-5 * e)) / 2e-5 for e in np.eye(2)])
    np.testing.assert_allclose(want, diffs, rtol=1e-6, atol=1e-6)


QR_W = RNG.normal(size=(4, 4))


def _complete_q(x):
    q = np.linalg.qr(x, mode="complete")[0]  # (4×4: LAPACK's two extra Householder columns)
    return np.sum(np.real(q) * QR_W) + np.sum(np.imag(q) * QR_W.T)


TALL = RNG.normal(size=(4, 2)) + 1j * RNG.normal(size=(4, 2))


def test_complete_mode_qr_of_a_complex_tall_matrix_matches_reverse_and_differences_of_the_parts():
    # the extra columns' rule is reverse's (JAX's qr_jvp_rule), the opaque kind cqrc; they were refused by name
    got = dl.grad(_complete_q, method="symbolic")(TALL)
    np.testing.assert_allclose(got, dl.grad(_complete_q, method="reverse")(TALL), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, _parts_gradient(_complete_q, TALL), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("which", ["hessian", "nested"])
def test_complete_mode_qr_of_a_complex_tall_matrix_second_derivatives(which):
    d = np.array([[0.3 - 0.2j, 1.1 + 0.4j], [-0.5 + 0.9j, 0.2 - 0.7j], [0.8 + 0.1j, -0.6 - 0.3j]])

    def f(t):  # (3×2: one extra column; 4×2's Hessian takes 5 s)
        q = np.linalg.qr(TALL[:3] + t[0] * d + 1j * t[1] * d.conj(), mode="complete")[0]
        return np.sum(np.real(q) * QR_W[:3, :3]) + np.sum(np.imag(q) * QR_W[1:, 1:])

    t0 = np.zeros(2)
    want = dl.hessian(f, method="reverse")(t0)
    g = dl.grad(f, method="reverse")
    diffs = np.array([(g(t0 + 1e-5 * e) - g(t0 - 1e-5 * e)) / 2e-5 for e in np.eye(2)])
    np.testing.assert_allclose(want, diffs, rtol=1e-6, atol=1e-6)
    if which == "hessian":
        np.testing.assert_allclose(dl.hessian(f, method="symbolic")(t0), want, rtol=1e-10, atol=1e-12)
        return
    np.testing.assert_allclose(dl.hessian(f, method=("forward", "symbolic"))(t0), want, rtol=1e-10, atol=1e-12)
    inner = dl.grad(f, method="symbolic")  # (symbolic inside reverse)
    nested = dl.grad(lambda y: np.sum(inner(y) * [1.0, -2.0]), method="reverse")(t0)
    np.testing.assert_allclose(nested, want @ [1.0, -2.0], rtol=1e-10, atol=1e-12)


def test_repeated_eigenvalues_first_order_says_nothing():
    """Σ eigvals(xxᵀ + I) = |x|² + 3 has gradient 2x although two eigenvalues repeat (1, 1): the eigenvalue rule's
    1/(w_j - w_i) is inf there by design and multiplies a zero; the symbolic method's values path let NumPy's
    'divide by zero' RuntimeWarning out (the traced path does not)."""
    x = np.array([0.3, 1.2, -0.7])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = dl.grad(lambda x: np.sum(np.linalg.eigvals(np.outer(x, x) + np.eye(3)).real), method="symbolic")(x)
    np.testing.assert_allclose(got, 2 * x, rtol=1e-12)
