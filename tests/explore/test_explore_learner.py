"""What a learner reads off the explorer's record (stop 67's review as a user): a derivative one ulp off the
40-digit reference is exact to rounding, not "within 1e-6"; an op at a kink says the methods took a convention;
warnings name variables as the page does; the inputs are ordered so that their edges do not cross."""

from __future__ import annotations

import pytest

from difflab.explore import explore
from difflab.explore.model import rounding_budget

SEED = "sin(x)*exp(-x^2/y) + log(1+x*y)"  # seed 002's function, as the brief typed it


def test_one_ulp_off_the_reference_is_exact_to_rounding():
    r = explore(SEED, "x=0.5,y=2")
    assert r["reference"]["grad"]["x"] == 1.5629181162114276  # (the 40-digit value, rounded to float64)
    assert r["rounding_ulps"] == rounding_budget(10) == 20  # 10 equations, 2 ulps each
    for m in ("symbolic", "forward", "reverse"):
        assert r["methods"][m]["grad"]["x"] == 1.5629181162114278  # one ulp (2.2e-16) above
        assert r["methods"][m]["abs_error"]["x"] == 2.220446049250313e-16  # (still shown)
        assert (r["methods"][m]["ulps"]["x"], r["methods"][m]["agreement"]["x"]) == (1.0, "rounding")
        assert (r["methods"][m]["ulps"]["y"], r["methods"][m]["agreement"]["y"]) == (0.0, "exact")
    numeric = r["methods"]["numeric"]
    assert numeric["agreement"] == {"x": "close", "y": "close"}  # 1.5e-11 off: ~7e4 ulps
    assert numeric["ulps"]["x"] > 1e4


@pytest.mark.parametrize(
    "text, at, numeric",
    [
        ("sqrt(x)", "x=0", "off"),  # NaN where the exact derivative is infinite; the exact methods' inf is "exact"
        ("exp(x)*1e-300", "x=700", "off"),  # numeric 3.0e-2 off 10142.3: past 1e-6 relative
        ("log(x)", "x=-1", "nan"),  # NaN, as the reference
    ],
)
def test_the_other_verdicts(text, at, numeric):
    r = explore(text, at)
    assert r["methods"]["numeric"]["agreement"]["x"] == numeric
    assert {r["methods"][m]["agreement"]["x"] for m in ("symbolic", "forward", "reverse")} == {
        "nan" if numeric == "nan" else "exact"
    }


def test_an_op_at_a_kink_says_the_methods_took_a_convention():
    r = explore("abs(x-1)+max(x,y)", "x=1,y=1")
    kinks = {w["where"]: w["message"] for w in r["warnings"] if w["category"] == "Kink"}
    assert sorted(kinks) == ["v3", "v4"]
    assert kinks["v3"].startswith("v3 = abs(v2) is at a kink of abs") and "convention (abs'(0) = 0)" in kinks["v3"]
    assert kinks["v4"].startswith("v4 = maximum(x, y) is at a kink") and "(ties split evenly)" in kinks["v4"]
    assert [n["warning"].split(":")[0] for n in r["nodes"] if n["warning"]] == ["Kink", "Kink"]
    assert r["methods"]["reverse"]["grad"] == {"x": 0.5, "y": 0.5}  # the convention's numbers, now explained
    # off the kink: nothing to say
    assert not [w for w in explore("abs(x-1)+max(x,y)", "x=2,y=1")["warnings"] if w["category"] == "Kink"]


def test_warnings_name_the_variables_as_the_page_does():
    r = explore("log(x)", "x=-1")
    message = next(w["message"] for w in r["warnings"] if w["where"] == "v1")
    assert message.startswith("v1 = log(x): invalid value encountered in log")  # not log(v0): no node is v0
    assert r["nodes"][1]["warning"] == "DomainWarning: " + message
    # each method's copy of the forward pass's warning is still dropped
    assert [w["where"] for w in r["warnings"]] == ["v1"]


def _crossings(r) -> int:
    """Pairs of edge segments between the same two layers that cross, at the heights the page draws."""
    most = max(r["layer_sizes"])
    height = {}
    for n in r["nodes"]:
        height[n["id"]] = n["row"] + (most - r["layer_sizes"][n["layer"]]) / 2
    segments = []
    for e in r["edges"]:
        frm = next(n for n in r["nodes"] if n["id"] == e["from"])
        points = [(frm["layer"], height[e["from"]])]
        points += [(lay, row + (most - r["layer_sizes"][lay]) / 2) for lay, row in e["via"]]
        to = next(n for n in r["nodes"] if n["id"] == e["to"])
        points.append((to["layer"], height[e["to"]]))
        segments += [(a[0], a[1], b[1]) for a, b in zip(points, points[1:])]
    return sum(
        1
        for i, (la, a1, b1) in enumerate(segments)
        for lb, a2, b2 in segments[i + 1 :]
        if la == lb and (a1 - a2) * (b1 - b2) < 0
    )


def test_the_inputs_are_ordered_so_that_their_edges_do_not_cross():
    """x*y + z*w - v^2 kept the inputs alphabetical (v, w, x, y, z): v's edge to pow ran across all the others."""
    r = explore("x*y+z*w-v^2", "x=1,y=2,z=3,w=4,v=5")
    assert _crossings(r) == 0
    rows = {n["name"]: n["row"] for n in r["nodes"] if n["kind"] == "input"}
    assert sorted(rows, key=rows.get) == ["x", "y", "w", "z", "v"]
    assert r["variables"] == ["v", "w", "x", "y", "z"]  # (the table keeps its order)


def test_a_nan_derivative_of_an_infinite_f_is_explained_as_the_policy_it_is():
    """x*x*x at 1e103: the reverse sweep's products are finite (3e206 in all) and the NaN is difflab's rule for a
    value that is not finite (DESIGN.md §6); the page said an inf had met inf-inf, 0*inf or inf/inf on the way."""
    r = explore("x*x*x", "x=1e103")
    why = {w["where"]: w["message"] for w in r["warnings"] if w["category"] == "NaNDerivative"}
    assert sorted(why) == sorted(("symbolic", "numeric", "forward", "reverse"))
    for m in ("symbolic", "forward", "reverse"):
        assert why[m].endswith(
            "3e+206: f itself overflowed to Infinity here, and a value that is not finite has no derivative in "
            "difflab (NaN, DESIGN.md §6), whatever the exact one"
        )
    assert "inf-inf" in why["numeric"]  # (f(x+h) - f(x-h) = inf - inf: that one is on the way)


@pytest.mark.parametrize("text, value", [("log(-1)", "NaN"), ("1/0", "Infinity"), ("2^3", 8.0)])
def test_a_constant_outside_the_domain_says_so(text, value):
    """log(-1) showed 'nan -> f' with nothing said: the parser folds a constant expression as it reads it."""
    r = explore(text)
    assert r["value"] == value
    said = [(w["category"], w["where"]) for w in r["warnings"]]
    assert said == ([] if value == 8.0 else [("DomainWarning", "out")])
    if said:
        assert r["warnings"][0]["message"].startswith(f"f is the constant {value}: the expression has no variable")
        assert r["nodes"][-1]["warning"].startswith("DomainWarning: f is the constant")


def test_a_variable_named_like_a_node_renames_the_nodes():
    """`v2*x + sin(v2)`: main showed the product as v2 beside the variable v2 ("v4 = add(v2, v3)": which v2?); the
    equations are t<k> then, the variable keeps its name, the ids stay the tape's."""
    rec = explore("v2*x + sin(v2)", {"v2": 0.5, "x": 2.0})
    shown = [(n["id"], n["name"], n["text"]) for n in rec["nodes"] if n["kind"] != "const"]
    assert shown == [
        ("v0", "v2", "v2"),
        ("v1", "x", "x"),
        ("v2", "t2", "t2 = mul(v2, x)"),
        ("v3", "t3", "t3 = sin(v2)"),
        ("v4", "t4", "t4 = add(t2, t3)"),
    ]
    assert [n["name"] for n in explore("x*y", {"x": 1.0, "y": 2.0})["nodes"]] == ["x", "y", "v2"]
