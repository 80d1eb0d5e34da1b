"""numtrunc68: a step the user chose (`Numeric(step=h)`) whose truncation error is large is said
(NumericAccuracyWarning naming the step and the estimated error), for every scheme, the Hessian's own stencil, numeric
of numeric, JVPs and Jacobians; a good step says nothing; the values are those main gives (the judges only speak)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import NumericAccuracyWarning

X0 = np.array([0.577, -0.3])
GRAD = [1.4823572963923135, 0.6950874368262213]  # (reverse mode's)


def f(x):
    return dnp.sum(dnp.sin(x) * dnp.exp(x / 2))


def said(fn):
    """(fn()'s value, the NumericAccuracyWarnings' messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn()
    return value, [str(w.message) for w in caught if issubclass(w.category, NumericAccuracyWarning)]


# (scheme, a step too large for f at X0, the gradient there: main's numbers, silently)
TOO_LARGE = [
    ("forward", 0.3, [1.5467486860904611, 0.8478553302273216]),
    ("backward", 0.3, [1.3794976738273375, 0.5464694446454595]),
    ("central", 0.3, [1.4631231799588993, 0.6971623874363906]),
    ("central4", 1.0, [1.4859936250961594, 0.7317846685967693]),
    ("central6", 1.5, [1.5867861174185907, 0.8051955872465956]),
    ("complex", 0.3, [1.5015380322177951, 0.6928366707956203]),
]


@pytest.mark.parametrize("scheme, step, value", TOO_LARGE)
def test_a_step_too_large_is_said_naming_it(scheme, step, value):
    got, messages = said(lambda: dl.grad(f, method=dl.Numeric(scheme=scheme, step=step))(X0))
    np.testing.assert_array_equal(got, value)  # (the answer itself unchanged)
    assert abs(got[0] - GRAD[0]) > 1e-3 * GRAD[0]  # (wrong by more than the 1e-3 the judges answer to)
    assert len(messages) == 1 and f"step={step!r} is too large" in messages[0]
    assert "truncation error is estimated at" in messages[0]


@pytest.mark.parametrize("scheme", ["forward", "backward", "central", "central4", "central6", "complex", "richardson"])
def test_a_good_step_and_the_default_say_nothing(scheme):
    for step in (1e-3, None):
        got, messages = said(lambda: dl.grad(f, method=dl.Numeric(scheme=scheme, step=step))(X0))
        assert messages == [], (scheme, step)
        np.testing.assert_allclose(got, GRAD, rtol=1e-3)


def test_richardson_at_a_large_step_extrapolates_and_says_nothing():
    got, messages = said(lambda: dl.grad(f, method=dl.Numeric(scheme="richardson", step=30.0))(X0))
    assert messages == [] and got.tolist() == [1.4823572963923137, 0.6950874368262213]


def test_complex_step_at_a_good_step_pays_nothing_more():
    prepared = dl.prepare(f, X0, method=dl.Numeric(scheme="complex", step=1e-3))
    before = prepared.cost.evals
    _, messages = said(lambda: prepared.grad(X0))
    assert messages == [] and prepared.cost.evals - before == 3  # f(x) and one complex point per component


def test_second_derivatives_jvps_and_jacobians():
    m = dl.Numeric(step=0.3)
    H, messages = said(lambda: dl.hessian(f, method=m)(X0))  # exact: diag(0.5724, 1.0130)
    assert np.diag(H).tolist() == [0.55750337421041185, 1.0046196186062069] and "step=0.3 is too large" in messages[0]
    H, messages = said(lambda: dl.hessian(f, method=(m, m))(X0))
    assert np.diag(H).tolist() == [0.5133007128543724, 0.9794094559786336] and "step=0.3 is too large" in messages[0]
    jv, messages = said(lambda: dl.jvp(f, (X0,), (np.array([0.6, 0.8]),), method=m)[1])
    assert jv == 1.4406566279936361 and "step=0.3 is too large" in messages[0]  # exact 1.4454843
    J, messages = said(lambda: dl.jacobian(lambda x: dnp.sin(x) * dnp.exp(x[::-1] / 2), method=m)(X0))
    assert J[0, 0] == 0.7105900578289334 and "step=0.3 is too large" in messages[0]
    for method in (dl.Numeric(step=1e-3), (dl.Numeric(step=1e-3), dl.Numeric(step=1e-3))):
        H, messages = said(lambda: dl.hessian(f, method=method)(X0))
        assert messages == [] and abs(H[0, 0] - 0.57242653241094) < 1e-5


def test_with_an_error_estimate():
    """Complex step's estimate at 2h and the Hessian's are judged as central differences' (`unconverged`)."""
    prepared = dl.prepare(f, X0, method=dl.Numeric(scheme="complex", step=0.3, error_estimate=True))
    got, messages = said(lambda: prepared.grad(X0))
    assert got.tolist() == [1.5015380322177951, 0.6928366707956203] and "step=0.3 is too large" in messages[0]
    H, messages = said(lambda: dl.hessian(f, method=dl.Numeric(step=0.3, error_estimate=True))(X0))
    assert H[0, 0] == 0.55750337421041185 and "truncation error is estimated at 0.0147" in messages[0]


def test_a_domain_edge_within_twice_the_step_is_measured_at_half_of_it():
    """log at 1.29e-3 by central differences at h = 7e-4: x - 2h leaves the domain, x ± h/2 do not (775.2 exact)."""
    x = np.array([0.00129, 0.5])
    got, messages = said(lambda: dl.grad(lambda x: dnp.sum(dnp.log(x)), method=dl.Numeric(step=7e-4))(x))
    assert got[0] == 868.4052720134082 and "step=0.0007 is too large" in messages[0]


def test_a_jvp_that_overflows_at_the_users_step_is_said():
    got, messages = said(
        lambda: dl.jvp(
            lambda x: dnp.sum(dnp.exp(1000 * x)), (np.array([0.1]),), (np.array([1.0]),), method=dl.Numeric(step=1.0)
        )[1]
    )
    assert got == np.inf and "step=1.0 gave a NaN or infinite derivative" in messages[0]


def test_a_step_of_whole_periods_is_measured_at_half_of_it():
    """sin(100x) at 0.3 by h = 0.44, 7.003 periods: the differences at h and 2h agree by aliasing (0.0062 for 15.4);
    sin's argument moved 44 of its length scale (a radian), so the stencil is measured at h/2 too."""
    for scheme, value in (("central", 0.006205790030253627), ("central4", 0.00620611416146422)):
        method = dl.Numeric(scheme=scheme, step=0.44)
        got, messages = said(lambda: dl.grad(lambda x: dnp.sum(dnp.sin(100 * x)), method=method)(np.array([0.3])))
        assert got[0] == value and "step=0.44 is too large" in messages[0]
