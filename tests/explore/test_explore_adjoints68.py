"""The explorer's adjoints in one gradient per method (explorer68): `annotate_graph` differentiates one function of
every node's value (`report.graphs._perturbed`) instead of one replay per node and method (4N gradients, the square
of the graph), and gives the per-node answers: reverse, forward and symbolic within the explorer's ulp budget,
numeric within its error estimate; a method that cannot do the whole function is still asked node by node."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import difflab as dl
from difflab.differentiators.numeric import Numeric
from difflab.explore import explore
from difflab.explore.model import rounding_budget
from difflab.graph import evaluate
from difflab.report import graphs
from difflab.report.graphs import annotate_graph

METHODS = ("symbolic", "numeric", "forward", "reverse")


def sinsum(n: int) -> tuple[str, str]:
    """bench/explore_lazy.py's f: sum of sin(x_i * x_(i+1)), cyclic."""
    text = "+".join(f"sin(x{i}*x{(i + 1) % n})" for i in range(n))
    return text, ",".join(f"x{i}={0.3 + 0.05 * i:g}" for i in range(n))


@pytest.fixture
def grad_calls(monkeypatch):
    """Every dl.grad call's method, in order (annotate_graph and the explorer call dl.grad through the package)."""
    calls: list = []
    real = dl.grad

    def counting(f, *args, **kw):
        calls.append(kw.get("method", "reverse"))
        return real(f, *args, **kw)

    monkeypatch.setattr(dl, "grad", counting)
    return calls


def test_annotate_graph_takes_one_gradient_per_method(grad_calls):
    # main: one per node and method, 4 × 7 = 28 for the diamond
    rec = annotate_graph(lambda x, y, z: ((x * y) * (y * z)) ** 2.0, 3.0, 2.0, 1.0, names=["h1", "h2", "h", "f"])
    assert sorted(grad_calls) == sorted(METHODS)
    adjoints = {n["name"]: n["adjoint"] for n in rec["nodes"]}
    for name, want in {"x": 96, "y": 288, "z": 288, "h1": 48, "h2": 144, "h": 24, "f": 1}.items():
        assert [adjoints[name][m] for m in ("symbolic", "forward", "reverse")] == [want] * 3, name
        assert adjoints[name]["numeric"] == pytest.approx(want, rel=1e-9), name
    assert rec["errors"] == {}


def test_a_load_differentiates_each_method_twice_not_per_node(grad_calls):
    # 13 variables, 51 nodes: the gradient per variable and the adjoints per node, each one dl.grad per method; the
    # rest are reverse mode's local partials of single ops, one per edge from a node (main: 52 each of symbolic,
    # numeric and forward, 115 reverse)
    text, at = sinsum(13)
    r = explore(text, at)
    assert len(r["nodes"]) == 51
    assert [grad_calls.count(m) for m in ("symbolic", "numeric", "forward")] == [2, 2, 2]
    from_nodes = sum(1 for e in r["edges"] if not e["from"].startswith("c"))
    assert grad_calls.count("reverse") == 2 + from_nodes


def test_numeric_details_run_the_graph_once_batched(monkeypatch):
    # numeric's Jacobian and error estimate for the record (its "error_estimate" field): every stencil point in one
    # batched run of the graph; main ran the graph once per point (2n + 1 = 27 runs at 13 variables)
    import difflab.graph as G

    runs: list = []
    real = G.evaluate

    def counting(graph, *args, **kw):
        runs.append(len(graph.inputs))
        return real(graph, *args, **kw)

    monkeypatch.setattr(G, "evaluate", counting)
    text, at = sinsum(13)
    r = explore(text, at)
    assert runs.count(13) <= 2  # the forward pass's, not one per stencil point
    assert all(0 < r["methods"]["numeric"]["error_estimate"][f"x{i}"] < 1e-8 for i in range(13))


# the seeds' functions (tests/test_seeds.py: 5ab, the diamond and its intermediate adjoints, x^4, the sigmoid neuron,
# seed 002's (4x+1)^2) and the explorer's tests' (a kink, a tie, an overflow, a pole, -0.0)
CASES = [
    (lambda a, b: 5.0 * (a * b), (2.0, 3.0)),
    (lambda x, y, z: ((x * y) * (y * z)) ** 2.0, (3.0, 2.0, 1.0)),
    (lambda h1, h2: (h1 * h2) * (h1 * h2), (6.0, 2.0)),
    (lambda x: (x * x) * (x * x), (3.0,)),
    (lambda w1, w2, x1, x2: (dl.numpy.sigmoid(w1 * x1 + w2 * x2) - 1.0) ** 2.0, (0.4, -0.2, 2.0, 3.0)),
    (lambda x: (4.0 * x + 1.0) ** 2.0, (0.7,)),
    (lambda x, y: dl.numpy.sin(x) * dl.numpy.exp(y) - x / y, (0.3, 1.7)),
    (lambda x, y: dl.numpy.abs(x - 1.0) + dl.numpy.maximum(x, y), (1.0, 1.0)),
    (lambda x, y: dl.numpy.log(x) + dl.numpy.sqrt(x * y), (-1.0, 2.0)),
    (lambda x, y: dl.numpy.exp(x) * y, (1000.0, 0.0)),  # an infinite node: no argument of g, node by node
    (lambda x: dl.numpy.exp(1.0 / (x * 2.0)), (-0.0,)),  # -0.0 kept (exp(-inf) = 0, where +0.0 gave inf); -inf
    (lambda x, y: x * y + dl.numpy.sin(x), (0.5, 2.0)),
]


def _per_node(graph, args, env, order, method):
    """Each node's adjoint as annotate_graph took it on main: one gradient of f replayed from that node."""
    out = []
    for v in order:
        try:
            out.append(float(dl.grad(graphs._replay(graph, args, v), method=method)(float(env[v]))))
        except Exception:
            out.append(None)
    return out


def _numeric_errors(graph, args, env, order):
    """(numeric's error estimate per node node by node, and at once)."""
    one = []
    for v in order:
        p = dl.prepare(graphs._replay(graph, args, v), float(env[v]), method=Numeric(error_estimate=True))
        p.grad(float(env[v]))
        one.append(float(np.ravel(p.prepared.error)[0]))
    finite = [v for v in order if np.isfinite(env[v])]
    g, point = graphs._perturbed(graph, env, finite)
    p = dl.prepare(g, *point, argnums=tuple(range(len(finite))), method=Numeric(error_estimate=True))
    p.grad(*point)
    at_once = dict(zip(finite, np.ravel(p.prepared.error)))
    return one, [float(at_once.get(v, 0.0)) for v in order]


@pytest.mark.parametrize("k", range(len(CASES)))
def test_adjoints_at_once_equal_node_by_node(k):
    f, args = CASES[k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = dl.trace(f, *args)
        env: dict = {}
        evaluate(graph, *args, env=env)
        order = list(graph.inputs) + [e.out for e in graph.eqns]
        g, point = graphs._perturbed(graph, env, [v for v in order if np.isfinite(env[v])])
        # g at its point is f at args bit for bit (x - 0.0 is x, -0.0 too)
        assert np.asarray(g(*point)).tobytes() == np.asarray(env[graph.outputs[0]]).tobytes()
        rec = annotate_graph(f, *args)
        budget = rounding_budget(len(graph.eqns))
        for m in METHODS:
            want = _per_node(graph, args, env, order, m)
            got = [n["adjoint"][m] for n in rec["nodes"]]
            errors = _numeric_errors(graph, args, env, order) if m == "numeric" else None
            for i, (a, b) in enumerate(zip(want, got)):
                if a is None or b is None or math.isnan(a) or a == b:
                    assert (a is None, a is not None and math.isnan(a)) == (b is None, b is not None and math.isnan(b))
                    continue
                assert math.isfinite(a) and math.isfinite(b), (m, i, a, b)
                if m == "numeric":
                    assert abs(a - b) <= max(errors[0][i], errors[1][i]), (i, a, b, errors[0][i], errors[1][i])
                else:
                    assert abs(a - b) <= budget * math.ulp(a), (m, i, a, b)


def test_a_method_that_cannot_do_the_whole_function_is_asked_node_by_node(grad_calls):
    # jv is not differentiable in its order: on the whole function forward, reverse and symbolic refuse; node by node
    # each node that does not feed the order has its adjoint (y and the product), as on main; numeric does it whole
    rec = annotate_graph(lambda v, y: dl.scipy.special.jv(v, y) * v, 0.3, 0.6)
    adj = {n["name"]: n["adjoint"] for n in rec["nodes"]}
    for m in ("symbolic", "forward", "reverse"):
        assert adj["v"][m] is None and "NotDifferentiableError" in rec["errors"][m]
        assert adj["v3"][m] == 1.0 and adj["v2"][m] == 0.3
        assert adj["y"][m] == pytest.approx(0.056881748708540736, rel=1e-14)  # v·J_v'(y) = v·(J_{v-1} - v/y·J_v)
    assert "numeric" not in rec["errors"]
    assert grad_calls.count("numeric") == 1 and grad_calls.count("reverse") == 1 + 4  # one whole try, then per node
