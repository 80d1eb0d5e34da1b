"""The static export's curves (html68): every variable's error-against-step curve from one batched run of the graph,
each point numeric's own answer at that step, the point-by-point curves' numbers to within their round-off."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.graph as graph_module
from difflab.differentiators.numeric import Numeric, numeric_jacobian
from difflab.explore import explore
from difflab.explore.model import CURVE_STEPS
from difflab.expr import parse

EPS = float(np.finfo(float).eps)
SIN_CHAIN = "+".join(f"sin(x{i}*x{(i + 1) % 41})" for i in range(41))  # bench/explore_lazy.py's 41 variables
SIN_AT = ",".join(f"x{i}={0.3 + 0.05 * i:g}" for i in range(41))
SEEDS = [  # the seed articles' functions (a neuron, its loss, the chain-rule examples) and stop 67's user function
    ("(4*x+1)^2", "x=0.7"),
    ("((x*y)*(y*z))^2", "x=3,y=2,z=1"),
    ("sin(x)*exp(-x^2/y) + log(1+x*y)", "x=0.7,y=1.3"),
    ("tanh(w1*x1 + w2*x2 + b)", "w1=0.5,x1=-1.5,w2=-0.3,x2=2,b=0.1"),
    ("(tanh(w*x+b) - t)^2/2", "w=0.8,x=1.2,b=-0.4,t=0.5"),
    ("1/(1+exp(-(w*x+b)))", "w=2,x=-0.5,b=0.3"),
]


def _runs(monkeypatch) -> list:
    """Every run of a graph through difflab.graph's evaluate and evaluate_batched (as model.py imports them)."""
    calls: list = []
    for name in ("evaluate", "evaluate_batched"):
        original = getattr(graph_module, name)

        def counted(*args, _original=original, _name=name, **kw):
            calls.append(_name)
            return _original(*args, **kw)

        monkeypatch.setattr(graph_module, name, counted)
    return calls


def test_the_export_runs_the_graph_once_for_every_curve(monkeypatch):
    """Main ran it 3 times per point (numeric_jacobian along x_i: f(x) and x ± h), 135 per variable: 675 runs for 5
    variables, most of a 41-variable export's 2-5 s. Now one batched run holds every variable's points."""
    text = "+".join(f"sin(x{i}*x{(i + 1) % 5})" for i in range(5))
    at = "x0=0.3,x1=0.35,x2=0.4,x3=0.45,x4=0.5"
    calls = _runs(monkeypatch)
    explore(text, at)
    served = len(calls)
    calls.clear()
    full = explore(text, at, curves=True)
    assert len(calls) - served == 1 and calls[-1] == "evaluate_batched"
    assert [len(full["curves"][v]["steps"]) for v in full["variables"]] == [CURVE_STEPS] * 5


def _function(text, at):
    from difflab.explore.model import parse_at

    expression = parse(text)
    names = list(expression.variables)
    point = parse_at(at)
    return expression.function(names), names, [point.get(n, 1.0) for n in names]


@pytest.mark.parametrize("text, at", [SEEDS[3], SEEDS[4]])
def test_each_point_is_numerics_answer_at_that_step(text, at):
    """A curve's point at step h is what dl.grad(f, method=Numeric(step=h)) answers, bit for bit (the default step's
    marker comes from the same batched evaluation). Main's points ran f on Python floats (math.tanh) where numeric
    runs NumPy's: 150 of the neuron's 225 points differed from numeric's own answer (2e-4 off at h = 2e-15)."""
    r = explore(text, at, curves=True)
    f, names, values = _function(text, at)
    for i, name in enumerate(names):
        curve = r["curves"][name]
        for k in range(0, len(curve["steps"]), 3):
            h = curve["steps"][k]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                answer = float(dl.grad(f, argnums=tuple(range(len(names))), method=Numeric(step=h))(*values)[i])
            assert curve["derivatives"][k] == answer, (name, h)


def _point_by_point(graph, x0, i, ref):
    """Main's curve: numeric_jacobian along x_i on `evaluate` (Python floats), one call per step."""

    def along(xi):
        x = x0.copy()
        x[i] = xi
        return np.asarray(graph_module.evaluate(graph, *[float(v) for v in x])[0], dtype=float)

    steps, derivatives = [], []
    for h in np.logspace(-15, 0, CURVE_STEPS) * max(1.0, abs(float(x0[i]))):
        try:
            d = float(numeric_jacobian(along, x0[i], scheme="central", step=float(h)))
        except ValueError:
            continue
        steps.append(float(h))
        derivatives.append(d)
    return steps, derivatives


@pytest.mark.parametrize("text, at, which", [(t, a, None) for t, a in SEEDS] + [(SIN_CHAIN, SIN_AT, [0, 20, 40])])
def test_the_curves_are_the_point_by_point_ones_to_their_round_off(text, at, which):
    """The same steps, and derivatives within 8·eps·T/h + 1e-13·|d| of main's (T = Σ|value · adjoint| over the
    nodes: f's round-off as its terms carry it): NumPy's and Python's math library differ in the last bit of
    tanh, exp, log, and a central difference divides that by h. Above its round-off floor a curve is the same to
    far more than the page's 3 digits; on the floor its points are another sample of the same noise."""
    r = explore(text, at, curves=True)
    f, names, values = _function(text, at)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = dl.trace(f, *values)
        adjoint = r["methods"]["reverse"]["adjoint"]
        T = sum(abs(n["value"] * adjoint[n["id"]]) for n in r["nodes"] if n["kind"] != "const")
        exact = visible = 0
        for i in which or range(len(names)):
            curve = r["curves"][names[i]]
            steps, before = _point_by_point(graph, np.array(values), i, None)
            assert curve["steps"] == steps
            for h, old, new in zip(steps, before, curve["derivatives"]):
                bound = 8 * EPS * T / h + 1e-13 * abs(old)
                assert abs(new - old) <= bound, (names[i], h, old, new)
                exact += new == old
                visible += 1000 * bound < abs(old - r["reference"]["grad"][names[i]])
    if text == "(4*x+1)^2":  # (+, *, ^2 alone: the same numbers either way; central differences of a quadratic are
        assert exact == CURVE_STEPS  # exact but for round-off: no point above the floor)
    else:
        assert visible > 0  # (points above the floor were compared too)


def test_a_step_that_vanishes_is_no_point_and_a_large_x_scales_its_steps():
    """x = 1e300: every step from 1e-15·|x| up is representable, as main's were; y = 1e-300 keeps all 45 steps."""
    r = explore("x*y", "x=1e300,y=1e-300", curves=True)
    for v, x in (("x", 1e300), ("y", 1e-300)):
        c = r["curves"][v]
        assert len(c["steps"]) == CURVE_STEPS and c["steps"][0] == pytest.approx(1e-15 * max(1.0, x), rel=1e-12)
    assert r["curves"]["x"]["derivatives"][-1] == 1e-300 and r["curves"]["y"]["derivatives"][-1] == 1e300
    assert not any(math.isnan(float(e)) for e in r["curves"]["y"]["errors"])
