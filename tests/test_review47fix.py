"""review47fix: what review47 found and could not fix (lstsq's unused residuals, rank_guard's message,
check_sparsity's float indices, the saturated-op warning at a negligible entry)."""

import numpy as np
import pytest

import difflab as dl

_B = np.array([1.0, 2.0, 3.0])
_LOW = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # rank 1, m > n: NumPy's residuals empty
_FULL = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


def _lstsq_x_sum(a):
    return np.linalg.lstsq(a, _B, rcond=None)[0].sum()


def test_lstsq_below_full_rank_with_unused_residuals_is_reused():
    # on main a trace at a rank-deficient a (m > n) was specialised even where the residuals were never used:
    # vmap over [rank 1, full rank] and prepare at the rank-1 point were ValueErrors (2bad544: [0.6, 3.0])
    want = [np.linalg.lstsq(a, _B, rcond=None)[0].sum() for a in (_LOW, _FULL)]  # [0.6, 3.0]
    np.testing.assert_allclose(dl.vmap(_lstsq_x_sum)(np.stack([_LOW, _FULL])), want, rtol=1e-12)
    p = dl.prepare(_lstsq_x_sum, _LOW)
    assert p(_FULL) == pytest.approx(want[1], rel=1e-12) and p(_LOW) == pytest.approx(want[0], rel=1e-12)
    # the gradient at the full-rank point, against NumPy's lstsq by central differences (independent of difflab)
    h, g = 1e-6, np.zeros_like(_FULL)
    for i in np.ndindex(*_FULL.shape):
        e = np.zeros_like(_FULL)
        e[i] = h
        g[i] = (
            np.linalg.lstsq(_FULL + e, _B, rcond=None)[0].sum() - np.linalg.lstsq(_FULL - e, _B, rcond=None)[0].sum()
        ) / (2 * h)
    np.testing.assert_allclose(p.grad(_FULL), g, rtol=1e-6, atol=1e-9)


def test_lstsq_below_full_rank_with_used_residuals_still_refused():
    # where the residuals (empty here, (1,) at a full-rank point) are used, the trace is specialised as before
    def f(a):
        x, res, rank, s = np.linalg.lstsq(a, _B, rcond=None)
        return x.sum() + res.sum()

    with pytest.raises(ValueError, match=r"numpy\.linalg\.lstsq's residuals"):
        dl.prepare(f, _LOW)
    assert dl.grad(f)(_LOW).shape == (3, 2)  # (an unprepared gradient still runs)


def test_check_sparsity_refuses_a_fractional_coo_index():
    # on main a float index 0.5 was cast to 0 silently: the pattern checked was another one (and passed)
    from difflab.testing import check_sparsity

    f, x = (lambda x: x * 2.0), np.ones(2)
    with pytest.raises(ValueError, match=r"row index 0\.5 is not an integer"):
        check_sparsity(f, x, pattern=(np.array([0.5, 1.0]), np.array([0, 1]), np.ones(2), (2, 2)))
    with pytest.raises(TypeError, match=r"column indices must be integers, got dtype bool"):
        check_sparsity(f, x, pattern=([0, 1], np.array([False, True]), np.ones(2), (2, 2)))
    assert check_sparsity(f, x, pattern=(np.array([0.0, 1.0]), [0, 1], np.ones(2), (2, 2)))  # (integral floats)


def test_numeric_is_quiet_on_a_saturated_entry_negligible_beside_the_largest():
    # numeric48's probe said "constant to its last bit" for w·tanh(5x) at 5x = 17: an entry of 2e-14 beside 5, which
    # 0 answers well within the 1e-3 accuracy (network-like code got a warning per call); expm1's alone stays said
    import warnings

    from difflab.errors import NumericAccuracyWarning

    w, x = np.array([1.0, 0.6]), np.array([0.0, 3.4])
    exact = w * 5.0 * (1.0 - np.tanh(5.0 * x) ** 2)  # by hand: [5, 2.07e-14]
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericAccuracyWarning)
        got = dl.grad(lambda x: (w * np.tanh(5.0 * x)).sum(), method="numeric")(x)
    np.testing.assert_allclose(got, exact, rtol=1e-6, atol=1e-12 * np.abs(exact).max())
    s = 5.956845996470281
    with pytest.warns(NumericAccuracyWarning, match="constant to its last bit"):
        dl.grad(lambda x: np.expm1(s * x).sum(), method="numeric")(np.array([-18.719807883484037]))


def test_rank_guard_says_what_is_true_per_call():
    # on main every lower-rank matrix was "scipy.linalg.polar: ... (of a complex a: its real form's, twice its own)",
    # a real one too, and whoever called the guard
    import warnings

    import difflab.scipy.linalg as dsl
    from difflab.ops.qr import rank_guard

    def said(a):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = dl.grad(lambda a: np.abs(dsl.polar(a)[0]).sum(), method="reverse")(a)
        assert np.isnan(got).all()  # (U is not unique below full rank: NaN)
        return " ".join(str(w.message) for w in caught if issubclass(w.category, dl.DomainWarning))

    real = said(np.array([[1.0, 1.0], [1.0, 1.0]]))
    assert "scipy.linalg.polar: a has rank 1 < 2, where" in real and "real form" not in real, real
    cx = said(np.array([[1.0, 1j], [1.0, 1j]]))  # rank 1: its real form's 2 < 4
    assert "scipy.linalg.polar: a has rank 1 < 2 (its real form's 2 < 4)" in cx, cx
    with (
        np.errstate(invalid="raise"),
        pytest.raises(FloatingPointError, match=r"^numpy.linalg.lstsq: a has rank 2 < 3 "),
    ):
        rank_guard(np.diag([1.0, 1.0, 0.0]), of="lstsq")
