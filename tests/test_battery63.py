"""Stop 63's bad-input battery over what stop 62 added (scipy.linalg's banded, QR-update and decomposition functions,
scipy.special's Mathieu and spheroidal sequences): each row one input users get wrong, now SciPy's answer or an error
naming the problem (were a process crash inside SciPy, a silent wrong number, NaN where SciPy has 0, or a bare
IndexError)."""

import numpy as np
import pytest
import scipy.linalg as sl
import scipy.special as ss

import difflab as dl
import difflab.scipy.linalg as dsl
import difflab.scipy.special as dss

_AB = np.array([[0.0, 0.7, 1.0, 1.3], [5.0, 5.0, 5.0, 5.0]])  # (a banded positive-definite A, SciPy's upper storage)
_RANK1 = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 1.0]])  # (a zero pivot with a zero column below)
_A = np.random.default_rng(0).standard_normal((4, 4))
_Q, _R = sl.qr(_A)
_NAN = np.full((3, 2), np.nan)

# (label, difflab's call, SciPy's call): the values must be SciPy's, entry for entry
SAME = [
    ("ldl of a singular A (zero pivot)", lambda: dsl.ldl(_RANK1), lambda: sl.ldl(_RANK1)),
    ("ldl upper, zero pivot", lambda: dsl.ldl(_RANK1, lower=False), lambda: sl.ldl(_RANK1, lower=False)),
    ("ldl of zeros", lambda: dsl.ldl(np.zeros((3, 3))), lambda: sl.ldl(np.zeros((3, 3)))),
    ("ldl of an empty A", lambda: dsl.ldl(np.zeros((0, 0))), lambda: sl.ldl(np.zeros((0, 0)))),
    ("matrix_balance, empty", lambda: dsl.matrix_balance(np.zeros((0, 0))), lambda: sl.matrix_balance(np.zeros((0, 0)))),
    ("qr_delete of every row", lambda: dsl.qr_delete(_Q, _R, 0, 4), lambda: sl.qr_delete(_Q, _R, 0, 4)),
    ("qr_delete of two columns", lambda: dsl.qr_delete(_Q, _R, 1, 2, "col"), lambda: sl.qr_delete(_Q, _R, 1, 2, "col")),
    ("qr_insert of two rows", lambda: dsl.qr_insert(_Q, _R, np.ones((2, 4)), 1), lambda: sl.qr_insert(_Q, _R, np.ones((2, 4)), 1)),
    ("fiedler_companion of a list", lambda: dsl.fiedler_companion([2.0, -3.0, 1.0]), lambda: sl.fiedler_companion([2.0, -3.0, 1.0])),
    ("cho_solve_banded with a list pair", lambda: dsl.cho_solve_banded([sl.cholesky_banded(_AB), False], np.ones(4)),
     lambda: sl.cho_solve_banded([sl.cholesky_banded(_AB), False], np.ones(4))),
]  # fmt: skip

# (label, call, error type, words the message holds)
REFUSED = [
    ("eig_banded max_ev below the count (SciPy's call corrupts its heap)",
     lambda: dsl.eig_banded(_AB, select="v", select_range=(0.0, 10.0), max_ev=1), ValueError, "max_ev=1"),
    ("pro_cv_seq of a negative m (SciPy's: garbage)", lambda: dss.pro_cv_seq(-1, 3, 1.0), ValueError, "0 <= m <= n"),
    ("obl_cv_seq with n < m (SciPy's: 'negative dimensions')", lambda: dss.obl_cv_seq(3, 1, 1.0), ValueError, "0 <= m"),
    ("mathieu_a of a complex q (was its real part's)", lambda: dss.mathieu_a(0, 1 + 1j), TypeError, "real q"),
    ("mathieu_b of a traced complex q", lambda: dl.grad(lambda q: dss.mathieu_b(1, q * (1 + 1j)).real)(1.0),
     TypeError, "real q"),
    ("orth of NaN (was an empty basis)", lambda: dsl.orth(_NAN), ValueError, "infs or NaNs"),
    ("subspace_angles of inf (was no angle)", lambda: dsl.subspace_angles(_NAN * np.inf, np.ones((3, 1))), ValueError,
     "infs or NaNs"),
    ("expm_cond of an empty A (was IndexError)", lambda: dsl.expm_cond(np.zeros((0, 0))), ValueError, "empty"),
    ("qr_multiply of a 0-d c (was IndexError)", lambda: dsl.qr_multiply(_A, np.array(1.0)), ValueError, "1-D or 2-D"),
    ("qr_insert at a float k (was IndexError)", lambda: dsl.qr_insert(_Q, _R, np.ones(4), 1.5), TypeError, "k must"),
    ("qr_delete of a float p", lambda: dsl.qr_delete(_Q, _R, 1, 1.0), TypeError, "p must"),
    ("cholesky_banded lower='yes' (was 'not positive definite')", lambda: dsl.cholesky_banded(_AB, lower="yes"),
     TypeError, "lower must be True or False"),
    ("eigvals_banded lower='no'", lambda: dsl.eigvals_banded(_AB, lower="no"), TypeError, "lower must"),
]  # fmt: skip


def _flat(out):
    if isinstance(out, tuple):
        return [np.asarray(o) for o in out]
    return [np.asarray(out)]


@pytest.mark.parametrize("label, ours, scipys", SAME, ids=[row[0] for row in SAME])
def test_the_values_are_scipys(label, ours, scipys):
    got, want = _flat(ours()), _flat(scipys())
    assert [g.shape for g in got] == [w.shape for w in want]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("label, call, error, words", REFUSED, ids=[row[0] for row in REFUSED])
def test_refused_by_name(label, call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_a_nan_c_gives_nan_values_not_a_crash():
    """SciPy's pro_cv_seq(0, 3, nan) ends the process (a segmentation fault in its Fortran)."""
    for seq in (dss.pro_cv_seq, dss.obl_cv_seq):
        got = seq(0, 3, np.nan)
        assert got.shape == (4,) and np.isnan(got).all()
    np.testing.assert_allclose(dss.pro_cv_seq(0, 3, 1.5), ss.pro_cv_seq(0, 3, 1.5), rtol=1e-15)


def test_ldl_singular_derivative_is_finite_where_scipy_differs_smoothly():
    """The zero-pivot branch keeps d's other entries differentiable: d[2, 2] = a22 − (a02² / a00) along a22."""
    grad = dl.grad(lambda a22: dsl.ldl(_RANK1 + a22 * np.diag([0.0, 0.0, 1.0]))[1][2, 2], method="reverse")
    assert grad(0.0) == pytest.approx(1.0, abs=1e-12)


def _scaled_corner(z):
    """A complex matrix of a real tangent (C + z) whose corner is overwritten by complex-tangent values."""
    m = (_C + z) * 1.0
    m[1:, 1:] = m[1:, 1:] * m[0, 0]  # (each written entry's tangent complex: (C11 + z11)·dz00 + ...)
    return m[1, 1]


_C = np.array([[1.0 + 2.0j, 0.5 - 1.0j], [0.3j, 2.0 + 0.1j]])


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_a_complex_tangent_written_into_a_real_ones_keeps_its_imaginary_part(method):
    """Forward mode wrote the complex tangent of m[1:, 1:] * m[0, 0] into m's real tangent (its imaginary part dropped:
    ldl of a complex Hermitian A + x, hessenberg of a complex one, 0.2 to 1.2 off)."""
    jac = dl.jacobian(lambda z: dl.numpy.stack([dl.numpy.real(_scaled_corner(z)), dl.numpy.imag(_scaled_corner(z))]),
                      method=method)  # fmt: skip
    got = jac(np.zeros((2, 2)))
    want = np.zeros((2, 2, 2))  # ∂(C11 + z11)(C00 + z00): C11 along z00, C00 along z11
    want[:, 0, 0] = [_C[1, 1].real, _C[1, 1].imag]
    want[:, 1, 1] = [_C[0, 0].real, _C[0, 0].imag]
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)


def test_ldl_of_a_complex_hermitian_matrix_forward_is_reverses():
    h = np.array([[4.0, 1.0 - 1.0j, 0.5j], [1.0 + 1.0j, 5.0, 0.2], [-0.5j, 0.2, 3.0]])
    split = lambda z: dl.numpy.concatenate([dl.numpy.real(dsl.ldl(h + z)[1]), dl.numpy.imag(dsl.ldl(h + z)[1])])  # noqa: E731
    got, want = (dl.jacobian(split, method=m)(np.zeros((3, 3))) for m in ("forward", "reverse"))
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
    assert np.abs(want).max() > 0.1
