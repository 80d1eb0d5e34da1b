"""Issue 11's leftovers: silent NaNs and the symbolic method nested in the others.

- numpy.linalg.lstsq traced at full rank and called (prepared, or under vmap) at a lower-rank point: its residuals
  are NaN (NumPy's are empty there, a shape the traced graph cannot give), now with a DomainWarning naming lstsq and
  the rank (rank_guard's, as polar's), where they were NaN unsaid.
- qr's sign op (difflab_qr_sign) in the symbolic method's code run on traced values (vmap of a symbolic gradient, a
  derivative of one): NotDifferentiableError before; now the registry entry on traced entries.
- logsumexp's SymPy form over an all -inf set: its weights e^(x - m)/Σ were 0/0 in the derivative's code, and reverse
  over symbolic met the NaN (the Hessian NaN); now the set is shifted to 0 there (weights 1/n, the rules').
- logaddexp's tie difference at a = b = -inf computed -inf - -inf before selecting it away: the answer was right but
  an outer derivative of the symbolic code said a DomainWarning on the user's equation.
"""

import warnings

import numpy as np
import pytest

import difflab as dl
from difflab.errors import DomainWarning
from difflab.scipy import special as dspecial

FULL = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
LOW = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # rank 1
RHS = np.array([1.0, 2.0, 3.0])


def _lstsq_f(a):
    x, res, rank, s = np.linalg.lstsq(a, RHS, rcond=None)
    return np.sum(res) + np.sum(x)


def test_lstsq_residuals_at_a_lower_rank_point_are_said():
    x, res, _, _ = np.linalg.lstsq(FULL, RHS, rcond=None)
    want = float(np.sum(res) + np.sum(x))  # NumPy's, at the traced (full-rank) point
    p = dl.prepare(_lstsq_f, FULL, method="reverse")
    assert p(FULL) == pytest.approx(want, rel=1e-14)
    with pytest.warns(DomainWarning, match=r"numpy\.linalg\.lstsq: a has rank 1 < 2"):
        assert np.isnan(p(LOW))
    with pytest.warns(DomainWarning, match=r"numpy\.linalg\.lstsq: a has rank 1 < 2"):
        got = dl.vmap(_lstsq_f)(np.stack([FULL, LOW]))
    assert got[0] == pytest.approx(want, rel=1e-14) and np.isnan(got[1])


def test_complex_lstsq_residuals_judged_by_the_real_form():
    a = FULL + 0.5j * np.array([[0.0, 1.0], [1.0, 0.0], [0.0, -2.0]])

    def f(a):
        x, res, rank, s = np.linalg.lstsq(a, RHS.astype(complex), rcond=None)
        return np.sum(res) + np.sum(np.abs(x) ** 2)

    x, res, _, _ = np.linalg.lstsq(a, RHS.astype(complex), rcond=None)
    with pytest.warns(DomainWarning, match=r"numpy\.linalg\.lstsq: a has rank 1 < 2 \(its real form's 2 < 4\) here"):
        got = dl.vmap(f)(np.stack([a, LOW * 1j]))
    assert got[0] == pytest.approx(float(np.sum(res) + np.sum(np.abs(x) ** 2)), rel=1e-14) and np.isnan(got[1])


W = np.array([[1.0, 2.0], [3.0, 4.0]])
A0 = np.array([[2.0, 0.5], [0.3, 1.0]])
A1 = np.array([[1.5, -0.4], [0.7, 2.0]])


def _qr_f(a):
    q, r = np.linalg.qr(a)
    return np.sum(q * W) + np.sum(r * r * W)


def _central(fn, a, h=1e-6):
    """Central differences of fn (NumPy's own qr: LAPACK's signs, constant near a) in each entry of a."""
    out = np.zeros(a.shape)
    for i in np.ndindex(a.shape):
        e = np.zeros(a.shape)
        e[i] = h
        out[i] = (fn(a + e) - fn(a - e)) / (2 * h)
    return out


def test_qr_in_symbolic_code_on_traced_values():
    got = dl.vmap(dl.grad(_qr_f, method="symbolic"))(np.stack([A0, A1]))  # NotDifferentiableError on main
    for a, g in zip((A0, A1), got):
        np.testing.assert_allclose(g, _central(_qr_f, a), rtol=1e-7, atol=1e-8)

    def g2(a, method):
        return np.sum(dl.grad(_qr_f, method=method)(a) ** 2)

    nested = dl.grad(lambda a: g2(a, "symbolic"), method="reverse")(A0)
    np.testing.assert_allclose(nested, _central(lambda a: g2(a, "reverse"), A0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(nested, dl.grad(lambda a: g2(a, "reverse"), method="forward")(A0), rtol=1e-12)


def test_reverse_over_symbolic_hessian_at_an_all_minus_inf_logsumexp_set():
    mask = np.array([[0.0, -np.inf, 0.0], [-np.inf, -np.inf, -np.inf]])

    def f(x):
        A = x.reshape(2, 3) + mask
        b = dspecial.logsumexp(A, axis=1)  # b[1] = -inf: an unreachable state
        return b[0] + np.logaddexp(b[1], x[4]) + np.exp(b[1]) * x[5]

    x0 = np.array([0.3, 1.0, -0.4, 2.0, 0.7, -1.0])
    s = 1.0 / (1.0 + np.exp(x0[2] - x0[0]))  # softmax of the reachable entries 0 and 2
    H = np.zeros((6, 6))
    H[np.ix_([0, 2], [0, 2])] = s * (1 - s) * np.array([[1.0, -1.0], [-1.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        np.testing.assert_allclose(dl.hessian(f, method=("reverse", "symbolic"))(x0), H, rtol=1e-14, atol=1e-15)


def test_logaddexp_of_two_minus_inf_under_symbolic_says_nothing():
    def f(x):
        ninf = np.full(2, -np.inf)  # (a masked pair, added: x - inf's SymPy form is -oo outright)
        a = x[:2] + ninf
        return np.logaddexp(np.logaddexp(a[0], a[1]), x[2]) * x[3]  # = x[2]·x[3]

    x0 = np.array([0.3, 0.1, -0.2, 0.4])
    H = np.zeros((4, 4))
    H[2, 3] = H[3, 2] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)  # a DomainWarning on the user's add before, the answer right
        for method in (("reverse", "symbolic"), ("forward", "symbolic")):
            np.testing.assert_allclose(dl.hessian(f, method=method)(x0), H, rtol=0, atol=1e-15)


def test_gradient_at_an_infinite_value_from_infinite_data_is_said():
    """logsumexp over an all -inf set (a mask's unreachable state) is -inf, and its gradient NaN: unsaid before (no
    op left its domain and NumPy warns of nothing); an overflow from finite data stays NumPy's to say
    (tests/test_scipy_domain.py), and log(0) its equation's."""
    mask = np.full(3, -np.inf)

    def f(x):
        return dspecial.logsumexp(x + mask)

    with pytest.warns(DomainWarning, match=r"the function's value is -inf \(from an infinite input or constant\)"):
        value, g = dl.value_and_grad(f, method="reverse")(np.array([0.3, 0.1, -0.2]))
    assert value == -np.inf and np.isnan(g).all()
