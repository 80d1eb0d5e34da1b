"""scipy.special entries outside their domain, and pseudo_huber's partials at δ = 0 and for |r| ≪ δ.

SciPy answers outside a function's domain with NaN but sets none of NumPy's floating-point flags, so difflab's
interpreters said nothing where NumPy's log(-1) gets a DomainWarning naming the equation (DESIGN.md §6)."""

import warnings

import numpy as np
import pytest

import difflab as dl
from difflab.errors import DomainWarning

sc = pytest.importorskip("scipy.special")

METHODS = ["reverse", "forward", "symbolic", "numeric"]
OUTSIDE = [
    ("xlogy", lambda y: sc.xlogy(1.0, y), -1.0),
    ("erfinv", lambda x: np.sum(sc.erfinv(x) * np.ones((3, 1))), np.array([0.5, 2.0])),
    # an infinity at a pole or a domain edge, where SciPy sets no flag either (NumPy's log(0) says 'divide by zero')
    ("gammaln", lambda x: np.sum(sc.gammaln(x)), np.array([0.0, 0.5])),
    ("erfinv", lambda x: np.sum(sc.erfinv(x)), np.array([1.0, 0.5])),
    ("ndtri", lambda x: np.sum(sc.ndtri(x)), np.array([0.5, 0.0])),
    ("xlogy", lambda y: sc.xlogy(1.0, y), 0.0),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name, f, x", OUTSIDE, ids=[o[0] for o in OUTSIDE])
def test_an_entry_outside_its_domain_is_said_by_name_on_every_call(name, f, x, method):
    with pytest.warns(DomainWarning):
        prepared = dl.prepare(dl.grad(f, method=method), x)
    for call in (dl.grad(f, method=method), prepared, prepared, prepared):
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            g = call(x)
        assert np.isnan(g).all()
        assert [type(w.message) for w in said] == [DomainWarning]
        assert f"= {name}(" in str(said[0].message) and f"outside the domain of {name}" in str(said[0].message)


@pytest.mark.parametrize("method", METHODS)
def test_an_overflow_inside_the_domain_warns_as_numpys_exp_does(method):
    # gamma(200) is 3.9e372: inside gamma's domain, beyond float64 — SciPy answers inf and says nothing; NumPy's
    # exp(1000) prints 'overflow encountered in exp', and difflab's gradient of either is NaN (no derivative of an
    # infinite value)
    for fn, name in [(np.exp, "exp"), (sc.gamma, "gamma")]:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            g = dl.grad(lambda x: np.sum(fn(x)), method=method)(np.array([1000.0 if name == "exp" else 200.0, 0.5]))
        assert np.isnan(g).all()
        assert {(type(w.message), str(w.message)) for w in said} == {
            (RuntimeWarning, f"overflow encountered in {name}")
        }


@pytest.mark.parametrize("method", METHODS)
def test_a_nan_passed_in_is_not_said_again_and_inside_the_domain_nothing_is(method):
    f = lambda x: np.sum(sc.erfinv(x))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(dl.grad(f, method=method)(np.array([0.5, np.nan]))).all()
        g = dl.grad(f, method=method)(np.array([0.5, 0.2]))
    np.testing.assert_allclose(g, np.sqrt(np.pi) / 2 * np.exp(sc.erfinv(np.array([0.5, 0.2])) ** 2), rtol=1e-6)


# d/dδ, d/dr of δ²(√(1 + (r/δ)²) - 1) by mpmath at 40 digits (δ = 0: the limits |r| and 0, SciPy's value being 0
# along δ = 0)
PSEUDO_HUBER = [
    ((1.0, 0.5), (0.012461179749810727, 0.4472135954999579)),
    ((2.0, 1e-5), (3.124999999921876e-22, 9.999999999875e-06)),
    ((1e-3, 3.0), (2.9980004999999768, 0.0009999999444444492)),
    ((5.0, -7.0), (1.5085162356381088, -4.068667356033675)),
    ((0.0, 0.5), (0.5, 0.0)),
    ((0.0, 0.0), (0.0, 0.0)),
]


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
@pytest.mark.parametrize("point, exact", PSEUDO_HUBER)
def test_pseudo_huber_partials_at_delta_zero_and_small_r(point, exact, method):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = dl.grad(lambda d, r: sc.pseudo_huber(d, r), argnums=(0, 1), method=method)(*point)
    np.testing.assert_allclose(got, exact, rtol=1e-13, atol=0)


def test_pseudo_huber_second_derivatives_agree():
    f = lambda x: sc.pseudo_huber(x[0], x[1])  # noqa: E731
    x = np.array([1.3, -0.7])
    h_rev = dl.hessian(f, method="reverse")(x)
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(x), h_rev, rtol=1e-12)
    np.testing.assert_allclose(dl.hessian(f, method="forward")(x), h_rev, rtol=1e-12)
    # δ²(s - 1), s = √(1 + (r/δ)²): ∂²/∂r² = δ³/(δ² + r²)^(3/2)
    assert h_rev[1, 1] == pytest.approx(1.3**3 / (1.3**2 + 0.7**2) ** 1.5, rel=1e-13)
