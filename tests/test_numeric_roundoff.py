"""The numeric method where a constant term dominates f: a change of f over the step below an ulp of f is lost,
and the derivative is round-off. It says so (a NumericAccuracyWarning naming the round-off bound and the remedies)
rather than answer a silent wrong gradient, and stays quiet on ordinary functions: exact zeros where f does not
depend on an entry, a derivative 0 by symmetry, derivatives truly below round-off (tanh at 750:
tests/test_wrong_numbers.py), a large constant factor. No evaluation of f is added for it."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.numeric import Numeric
from difflab.errors import NumericAccuracyWarning

Y = np.array([-3, -0.2, 0.4, 2, 30.0])
K = np.arange(1.0, 6.0)
X = np.array([1.0, 2, 3, 4, 5])
WANT = -np.exp(-X) * (X + 1) / X**2 * K  # d/dx of e^-x/x·k


def dominated(x):
    """The session's repro: |f| ≈ 5.3e13 from a closed-over term (folded into one constant), f's x-dependent part ~1."""
    return np.sum(np.exp(-x) / x * K) + np.sum(np.exp(Y) * K)


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


def test_a_gradient_lost_below_an_ulp_of_f_is_said():
    """Every central difference of the repro is exactly 0 (f(x ± h e_i) differ by less than an ulp of f): was
    [-0, ..., -0] and no warning; now the same numbers with a NumericAccuracyWarning naming the bound and remedies."""
    assert np.abs(dl.grad(dominated, method="reverse")(X) - WANT).max() < 1e-15
    with pytest.warns(NumericAccuracyWarning, match=r"round-off bound eps·\|f\(x\)\|·Σ\|w\|/h = 1\.96e\+03") as said:
        g = dl.grad(dominated, method="numeric")(X)
    assert (g == 0).all()  # (the answer itself is unchanged: no step resolves it, |f|·eps ≈ 0.012)
    msg = str(said[0].message)
    assert "constant term 5.34324e+13 dominates" in msg and "method='forward' or 'reverse'" in msg
    assert "subtract f's constant part" in msg
    assert said[0].filename == __file__  # it points at the caller's line (not numpy's errstate wrapper)
    with pytest.warns(NumericAccuracyWarning):  # a higher-order stencil too
        dl.grad(dominated, method=Numeric(scheme="central4"))(X)
    # without the constant part, as the warning says: right, and quiet
    g = _quiet(lambda: dl.grad(lambda x: np.sum(np.exp(-x) / x * K), method="numeric")(X))
    np.testing.assert_allclose(g, WANT, rtol=1e-8)


def test_a_jacobian_and_a_hessian_lost_below_an_ulp_are_said():
    """A vector output with a dominating constant (each output element judged on its own), and the Hessian's stencil."""

    def vec(x):
        return np.exp(-x) / x * K + 1e13

    with pytest.warns(NumericAccuracyWarning, match=r"constant term 1e\+13 dominates"):
        J = dl.jacobian(vec, method="numeric")(X)
    assert np.abs(np.diag(J) - WANT).max() > 0.5 * np.abs(WANT).max()  # (the numbers it warns about are wrong)
    with pytest.warns(NumericAccuracyWarning, match=r"H\[0, 0\] is 0"):
        H = dl.hessian(dominated, method="numeric")(X)
    assert (H == 0).all()  # its diagonal is (x² + 2x + 2)e^-x/x³·k ≠ 0
    _quiet(lambda: dl.jacobian(lambda x: np.exp(-x) / x * K + 3.0, method="numeric")(X))
    _quiet(lambda: dl.hessian(lambda x: np.sum(np.exp(-x) / x * K), method="numeric")(X))


def test_ordinary_functions_do_not_warn():
    """Exact zeros where f does not depend on an entry, a derivative 0 by symmetry (cos at 0: f moved, its
    difference did not), a constant that does not dominate, a large constant factor, a constant term with a
    derivative truly below round-off: no warning, and the numbers right."""
    cases = [
        (lambda x: x[0] ** 2 + 5.0, np.array([1.0, 2.0]), [2.0, 0.0]),  # x[1] unused: an exact 0
        (lambda x: dnp.sum(dnp.cos(x)) + 3.0, np.zeros(3), [0.0, 0.0, 0.0]),  # 0 by symmetry
        (lambda x: 1e300 * dnp.arctan(x[0]), np.array([1e155]), [1e-10]),  # a factor, not a term
        (lambda x: dnp.tanh(x[0]) + 0.5 + x[1], np.array([750.0, 1.0]), [0.0, 1.0]),  # tanh' = 1e-651: 0 is right
        (lambda x: dnp.logaddexp(x[0], 0.5), np.array([-750.0]), [0.0]),  # f(x) - c = 0: nothing lost
        (lambda x: dnp.sum(x**2) + 1e3, np.array([1.0, -2.0, 0.0]), [2.0, -4.0, 0.0]),  # 1e3 does not dominate
    ]
    for f, x, want in cases:
        g = _quiet(lambda: dl.grad(f, method="numeric")(x))
        np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-7)
        _quiet(lambda: dl.hessian(f, method="numeric")(x))


def test_no_evaluation_is_added():
    """The judgement reads the stencil's own values: the same evaluations with the dominating constant as without."""
    costs = []
    for f in (dominated, lambda x: np.sum(np.exp(-x) / x * K)):
        p = dl.prepare(f, X, method=Numeric())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p.grad(X)
        costs.append(p.prepared.cost.evals)
    assert costs == [1 + 2 * 5, 1 + 2 * 5]


def test_an_error_estimate_asked_for_carries_the_round_off_instead():
    """With error_estimate=True the estimate itself says it (at least the round-off bound, above every entry):
    no warning on top of it."""
    g = dl.grad(dominated, method=Numeric(error_estimate=True))
    got = _quiet(lambda: g(X))
    err = g.preparations()[0].error[:, 0]
    assert (err >= np.abs(got - WANT)).all() and (err > 300).all()
