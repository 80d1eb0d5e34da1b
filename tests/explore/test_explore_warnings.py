"""The explorer's record names every warning: NumPy's overflow and underflow at their node, each
method's own warnings, and why a method's derivative is NaN where the exact one is infinite
(issue 11: exp(x) at x=1000 showed Infinity, four NaN derivatives and `warnings: []`).

References are independent of difflab: mpmath (SymPy's dependency) at 50 digits, compared with
float64's range.
"""

from __future__ import annotations

import json
import sys

import mpmath
import pytest

from difflab.explore import METHODS, explore

BIG = sys.float_info.max  # float64's largest number; half its smallest positive one rounds to 0
mpmath.mp.dps = 50


def _node_id(r, op):
    return next(n["id"] for n in r["nodes"] if n["op"] == op)


def _at(r, where):
    return [(w["category"], w["message"]) for w in r["warnings"] if w["where"] == where]


@pytest.mark.parametrize(
    "text, x, op, message, exact",
    [
        ("exp(x)", 1000.0, "exp", "overflow encountered in exp", mpmath.exp(1000)),  # d/dx exp = exp
        ("x^1000", 10.0, "pow", "overflow encountered in power", 1000 * mpmath.mpf(10) ** 999),
    ],
)
def test_an_overflow_is_named_at_its_node_and_the_nan_derivatives_are_explained(text, x, op, message, exact):
    assert exact > BIG  # the exact derivative is beyond float64: inf is the right float
    r = explore(text, {"x": x})
    json.dumps(r, allow_nan=False)
    node = _node_id(r, op)
    assert ("RuntimeWarning", message) in _at(r, node)
    assert message in next(n["warning"] for n in r["nodes"] if n["id"] == node)
    assert r["value"] == "Infinity" and r["reference"]["grad"]["x"] == "Infinity"
    for m in METHODS:
        if r["methods"][m]["grad"]["x"] == "NaN":  # never silent
            (why,) = [msg for cat, msg in _at(r, m) if cat == "NaNDerivative"]
            assert f"by {m} is NaN where the exact derivative is Infinity" in why and "overflow" in why
    assert any(cat == "NaNDerivative" for w in METHODS for cat, _ in _at(r, w))


def test_a_nan_derivative_after_an_overflow_is_explained_when_the_exact_one_is_finite():
    # d x^3/dx = 3x^2 = 3e206 at 1e103, a float64 number; x^3 itself (1e309) overflowed
    r = explore("x^3", {"x": 1e103})
    assert r["reference"]["grad"]["x"] == pytest.approx(3e206, rel=1e-15)
    nan = [m for m in METHODS if r["methods"][m]["grad"]["x"] == "NaN"]
    assert nan  # (the methods lose 3e206 to the overflowed x^3: each NaN is then explained)
    for m in nan:
        (why,) = [msg for cat, msg in _at(r, m) if cat == "NaNDerivative"]
        assert "is NaN where the exact derivative is 3e+206" in why and "overflow" in why


def test_an_underflow_is_named_at_its_node():
    assert mpmath.exp(-800) < mpmath.mpf(2) ** -1075  # below half of float64's smallest: rounds to 0
    r = explore("exp(-x)^2", {"x": 800})
    assert r["value"] == 0.0
    assert _at(r, _node_id(r, "exp")) == [("RuntimeWarning", "underflow encountered in exp")]


def test_sqrt_at_zero_reference_is_infinite_and_numeric_nan_is_explained():
    # d sqrt(x)/dx = 1/(2 sqrt(x)) -> +inf as x -> 0+; the reference was NaN (its JSON "Infinity" misread)
    r = explore("sqrt(x)", {"x": 0})
    assert r["reference"]["grad"]["x"] == "Infinity"
    assert [r["methods"][m]["grad"]["x"] for m in METHODS] == ["Infinity", "NaN", "Infinity", "Infinity"]
    numeric = _at(r, "numeric")
    assert any(c == "DomainWarning" and "outside the domain of sqrt" in msg for c, msg in numeric)
    assert any(c == "NaNDerivative" for c, _ in numeric)
    for m in ("symbolic", "forward", "reverse"):  # (x, as the page names it: not v0)
        assert (
            "DomainWarning",
            "v1 = sqrt(x): an infinite derivative at a singular point of sqrt; the result holds NaN or inf",
        ) in _at(r, m)
        assert not any(c == "NaNDerivative" for c, _ in _at(r, m))


@pytest.mark.parametrize("text, x, op, value", [("log(x)", -1.0, "log", "NaN"), ("1/x", 0.0, "div", "Infinity")])
def test_a_domain_warning_is_one_entry_at_its_node(text, x, op, value):
    r = explore(text, {"x": x})
    assert r["value"] == value
    node = _node_id(r, op)
    assert [(w["category"], w["where"]) for w in r["warnings"]] == [("DomainWarning", node)]
    assert f"outside the domain of {op}" in r["warnings"][0]["message"]


def test_no_warning_inside_the_range():
    assert explore("exp(x) * sqrt(x)", {"x": 2})["warnings"] == []
