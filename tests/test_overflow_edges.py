"""Overflow and saturation: where an intermediate overflows to inf while f stays finite, every method gives the
same derivative, and a DomainWarning only where the result is NaN or inf (README, "Overflow and saturation").
Expected values are closed forms or mpmath's (at 40–50 digits)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
import difflab.scipy.special as dss
from difflab.differentiators.numeric import Numeric
from difflab.errors import DomainWarning

METHODS = ["symbolic", "forward", "reverse", "numeric"]
EXACT = ["symbolic", "forward", "reverse"]

# f finite at x, one intermediate overflowing to inf: its zero cotangent times the infinite partial is 0, the
# true derivative (each ≤ 1e-300 here) rounded
SATURATED = {
    "sigmoid by hand": (lambda x: 1 / (1 + dnp.exp(-x)), -750.0),
    "1/cosh": (lambda x: 1 / dnp.cosh(x), 750.0),
    "arctan of exp": (lambda x: dnp.arctan(dnp.exp(x)), 750.0),
    "1/(1 + 2**x)": (lambda x: 1 / (1 + dnp.exp2(x)), 1100.0),
    "1/(1 + expm1)": (lambda x: 1 / (1 + dnp.expm1(x)), 750.0),
}


def _run(fn):
    """fn()'s value and the DomainWarnings it issued (NumPy's own overflow warning is f's value's: ignored)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn()
    return value, [str(w.message) for w in caught if issubclass(w.category, DomainWarning)]


@pytest.mark.parametrize("case", SATURATED)
@pytest.mark.parametrize("method", METHODS)
def test_an_overflowed_intermediate_under_a_zero_cotangent_gives_0(case, method):
    """(Was, 1/(1 + exp(-x)) at -750: symbolic NaN with a DomainWarning, reverse -0.0 with a DomainWarning
    "v2 = exp(v1): invalid value ... the result holds NaN or inf", forward 0.0, numeric -0.0.)"""
    f, x = SATURATED[case]
    g = dl.grad(f, method=method)
    for _ in range(3):  # interpreted, then the compiled tier
        value, named = _run(lambda: g(x))
        assert value == 0.0 and not named, (value, named)
    # on arrays (the array sweeps), next to an entry with an ordinary slope
    grad, named = _run(lambda: dl.grad(lambda v: dnp.sum(f(v)), method=method)(np.array([x, 0.0])))
    want = dl.grad(f, method="reverse")(0.0)
    assert grad[0] == 0.0 and grad[1] == pytest.approx(want, rel=1e-7) and not named, (grad, named)


@pytest.mark.parametrize("method", METHODS)
def test_a_value_that_is_not_finite_has_a_nan_slope_with_numpys_overflow_warning(method):
    """log(exp(x)) at 750 is inf: its slope is NaN (a derivative of a value that is not finite), each method with
    NumPy's overflow warning and no DomainWarning (was, reverse alone: a DomainWarning naming the exp)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = dl.grad(lambda x: dnp.log(dnp.exp(x)), method=method)(750.0)
    assert np.isnan(value), value
    assert any("overflow" in str(w.message) for w in caught), [str(w.message) for w in caught]
    assert not [w for w in caught if issubclass(w.category, DomainWarning)]


@pytest.mark.parametrize("method", EXACT)
def test_expm1_slope_in_the_left_tail(method):
    """expm1′ = e^x, not expm1 + 1: 4.25e-18 at -40 (was 0 for every exact method)."""
    assert dl.grad(dnp.expm1, method=method)(-40.0) == pytest.approx(np.exp(-40.0), rel=1e-15, abs=0)


@pytest.mark.parametrize("method", EXACT)
def test_log_ndtr_slope_deep_in_the_left_tail(method):
    """φ(x)/Φ(x) ≈ -x - 1/x: at -1e20 it was 1/√(2π) = 0.399 (exp(5e39 - 5e39)) for 1e20; its Hessian -1."""
    assert dl.grad(dss.log_ndtr, method=method)(-1e20) == pytest.approx(1e20, rel=1e-15)
    assert dl.grad(dss.log_ndtr, method=method)(-1e3) == pytest.approx(1000.000999998, rel=1e-14)
    assert dl.grad(dss.log_ndtr, method=method)(-41.0) == pytest.approx(41.02436131110692, rel=1e-14)
    assert dl.hessian(dss.log_ndtr, method=method)(-1e3) == pytest.approx(-0.999999000006, rel=1e-12)


SLOPES = {  # f, x, f′(x): the difference f(x + h) - f(x - h) is exactly 0, the slope below eps·|f|/h
    # (1e20·tanh: the exact methods' 1 - tanh² is 0 there too, README's accepted absolute error)
    "arctan at 1e155": (dnp.arctan, 1e155, 1e-310),
    "1e300·arctan at 1e155": (lambda b: 1e300 * dnp.arctan(b), 1e155, 1e-10),
    "1e20·tanh at 20": (lambda x: 1e20 * dnp.tanh(x), 20.0, 1e20 / np.cosh(20.0) ** 2),
    "erf at 6": (dss.erf, 6.0, 2 / np.sqrt(np.pi) * np.exp(-36.0)),
    "sinc at 1e-20": (dnp.sinc, 1e-20, -(np.pi**2) / 3 * 1e-20),
}


@pytest.mark.parametrize("case", SLOPES)
def test_numeric_at_a_saturated_output_is_0_within_its_error_estimate(case):
    """Numeric's 0 at a saturated output is honest: its own error estimate bounds the true slope (1e300·arctan's
    1e-10 lies far below its resolution 5.8e134 there, eps·|f|/h). The exact methods give the slope."""
    f, x, slope = SLOPES[case]
    prepared = Numeric(error_estimate=True).prepare(dl.trace(f, x), (0,))
    _, jac, err = prepared.jacobian_with_error((x,))
    assert jac[0, 0] == 0.0 and abs(slope) <= err[0, 0], (jac, err)
    if "tanh" not in case:
        assert dl.grad(f, method="reverse")(x) == pytest.approx(slope, rel=1e-6)


@pytest.mark.parametrize("method", EXACT)
def test_rgamma_slope_at_the_poles_of_gamma(method):
    """(1/Γ)′ at -n is (-1)ⁿ n!, its second derivative 2(-1)ⁿ⁺¹ n! ψ(n + 1) (was NaN: -ψ(x)/Γ(x) is NaN·0 there)."""
    assert dl.grad(dss.rgamma, method=method)(-27.0) == pytest.approx(-1.0888869450418352e28, rel=1e-13)
    assert dl.grad(dss.rgamma, method=method)(0.0) == 1.0
    assert dl.hessian(dss.rgamma, method=method)(-3.0) == pytest.approx(15.073412021181605, rel=1e-13)
    assert dl.grad(dss.rgamma, method=method)(-2.5) == pytest.approx(1.1669802856379654, rel=1e-14)


@pytest.mark.parametrize("outer", ["forward", "reverse"])
def test_symbolic_rgamma_gradient_nests_inside_another_method(outer):
    """symbolic's rgamma slope is a Piecewise whose pole condition SymPy writes as ITE(x <= 0, Eq(x, floor(x)), False):
    as the inner method it was refused ("holds SymPy's ITE"; autograd's test_rgamma). Its second derivative at a pole
    and off it, through the outer method, equals the hessian's known values."""
    inner = dl.grad(dss.rgamma, method="symbolic")
    assert dl.grad(inner, method=outer)(-3.0) == pytest.approx(15.073412021181605, rel=1e-13)
    x = np.array([0.5, 1.3, -2.0])
    nested = dl.grad(lambda x: dl.grad(lambda y: dss.rgamma(y).sum(), method="symbolic")(x).sum(), method=outer)(x)
    reference = np.array([dl.hessian(dss.rgamma, method="reverse")(v) for v in x])
    np.testing.assert_allclose(nested, reference, rtol=1e-13)
