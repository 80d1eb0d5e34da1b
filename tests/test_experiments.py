"""The experiments' scientific content, on deterministic counts, and each experiment end to end."""
from __future__ import annotations

import json

import numpy as np
import pytest

from difflab import runner
from difflab.report.figures import figure_bytes
from difflab.report.stats import loglog_slope, tail_slope

EPS = float(np.finfo(float).eps)


@pytest.fixture(scope="module")
def experiments():
    return {name: runner.load_experiment(name).module for name in runner.find_experiments()}


def test_central_differences_have_slope_two_and_their_best_step_near_eps_cube_root(experiments):
    fd = experiments["fd_accuracy"]
    cell = {"function": "squire_trapp", "per_decade": 4, "h_max_exp": -1, "h_min_exp": -15}
    central = fd.run_cell(dict(cell, scheme="central"), 0)
    assert fd.truncation_slope(central["steps"], central["errors"]) == pytest.approx(2.0, abs=0.25)
    best = central["steps"][int(np.argmin(central["errors"]))]
    assert EPS ** (1 / 3) / 10 < best < EPS ** (1 / 3) * 10
    forward = fd.run_cell(dict(cell, scheme="forward"), 0)
    assert fd.truncation_slope(forward["steps"], forward["errors"]) == pytest.approx(1.0, abs=0.25)
    assert min(forward["errors"]) > 10 * min(central["errors"])  # lower order, worse optimum
    complex_step = fd.run_cell(dict(cell, scheme="complex"), 0)
    assert complex_step["default_error"] < 10 * EPS  # no subtraction, no round-off side


def test_reverse_gradient_cost_is_flat_in_n_while_forward_and_numeric_grow_linearly(experiments):
    cs = experiments["cost_scaling"]
    ns = [4, 16, 64, 256]
    cost = {m: [cs.run_cell({"part": "gradient", "method": m, "n": n, "repeat": 1}, 0) for n in ns]
            for m in ("reverse", "forward", "numeric")}
    slope = {m: {k: loglog_slope(ns, [c[k] for c in runs]) for k in ("eqns", "evals")} for m, runs in cost.items()}
    assert abs(slope["reverse"]["eqns"]) < 0.05 and slope["reverse"]["evals"] == 0.0
    assert slope["forward"]["eqns"] == pytest.approx(1.0, abs=0.05)
    assert slope["forward"]["evals"] == pytest.approx(1.0, abs=0.05)  # one sweep per input
    assert slope["numeric"]["evals"] == pytest.approx(1.0, abs=0.05)  # 2n + 1 evaluations of f
    assert slope["numeric"]["eqns"] == pytest.approx(1.0, abs=0.05)  # batched or not, each point's work
    ratios = [c["eqns"] / c["f_eqns"] for c in cost["reverse"]]
    assert max(ratios) <= 4.0  # the cheap-gradient principle


def test_a_reverse_jacobian_pays_per_output_and_forward_per_input(experiments):
    cs = experiments["cost_scaling"]
    ms = [4, 16, 64]
    eqns = {m: [cs.run_cell({"part": "jacobian", "method": m, "n": 8, "m": k, "repeat": 1}, 0)["eqns"] for k in ms]
            for m in ("reverse", "forward")}
    assert loglog_slope(ms, eqns["reverse"]) > 0.8
    assert loglog_slope(ms, eqns["forward"]) == pytest.approx(0.0, abs=0.01)


def test_reverse_mode_memory_grows_with_depth_and_forward_does_not(experiments):
    cs = experiments["cost_scaling"]
    peak = {m: [cs.run_cell({"part": "memory", "method": m, "depth": d, "width": 8, "batch": 256, "repeat": 1}, 0)
                ["peak_bytes"] for d in (2, 16)] for m in ("reverse", "forward")}
    layer = 256 * 8 * 8
    assert peak["reverse"][1] - peak["reverse"][0] > 10 * layer  # 14 more layers stored
    assert abs(peak["forward"][1] - peak["forward"][0]) < layer


def test_cse_keeps_the_symbolic_derivative_near_linear_where_the_naive_one_explodes(experiments):
    sw = experiments["expression_swell"]
    depths = [2, 4, 6, 8]
    sincos = [sw.run_cell({"family": "sincos", "depth": d}, 0) for d in depths]
    naive = [s["naive"] for s in sincos]
    assert naive[-1] / naive[-2] > 4.0 and sw._growth_per_level(depths, naive) > 2.0  # exponential
    assert loglog_slope(depths, [s["cse"] for s in sincos]) < 1.2  # near-linear
    assert loglog_slope(depths, [s["tape"] for s in sincos]) == pytest.approx(1.0)
    deep = [4, 8, 16, 32]  # nested sin: naive size quadratic (d copies of the chain), CSE linear
    nested = [sw.run_cell({"family": "nested_sin", "depth": d}, 0) for d in deep]
    assert tail_slope(deep, [s["cse"] for s in nested]) < 1.15 < 1.6 < tail_slope(deep, [s["naive"] for s in nested])


# Each experiment end to end on a tiny grid: cells, summary, figures with titles, labels and
# conclusions computed from the numbers.
TINY = {
    "cost_scaling": {"n": "[4, 16]", "symbolic_max_n": "4", "m": "[1, 4]", "symbolic_max_m": "1", "depth": "[1, 2]",
                     "batch": "16", "repeat": "1"},
    "fd_accuracy": {"functions": '["sin"]', "schemes": '["forward", "central", "complex"]', "per_decade": "1"},
    "expression_swell": {"nested_sin": "[1, 2]", "sincos": "[1, 2]", "logistic": "[1, 2]", "mlp": "[1]",
                         "mlp_width": "2"},
    "method_agreement": {"random_graphs": "2", "max_eqns": "3", "graphs": '["diamond"]'},
    "gradient_flow": {"activations": '["sigmoid", "relu"]', "methods": '["symbolic", "forward", "reverse"]',
                      "depths": "[1, 2]", "width": "3", "symbolic_max_depth": "1", "batch": "16", "epochs": "2",
                      "chunks": "2"},
    "training_comparison": {"datasets": '["iris"]', "methods": '["symbolic", "forward", "reverse"]',
                            "hidden": '{"iris": [3]}', "epochs": "2", "agreement_batch": "8"},
}


def test_every_experiment_has_a_tiny_smoke_configuration():
    assert set(TINY) == set(runner.find_experiments())


@pytest.mark.parametrize("name", sorted(TINY))
def test_experiment_end_to_end(name, tmp_path):
    exp = runner.load_experiment(name)
    assert exp.question.endswith("?") and set(exp.presets) == {"quick", "full"}
    assert exp.presets["quick"].keys() == exp.presets["full"].keys()
    # rendering every figure twice (PNG and SVG) is tested on the runner's tiny experiment; here each
    # figure is drawn once, as PNG, to keep the suite fast
    d = runner.run(exp, overrides=TINY[name], out=tmp_path, quiet=True, render_report=False)
    results = runner._read_cells(d)
    assert len(results) == json.loads((d / "config.json").read_text())["cells"]
    summary = json.loads(json.dumps(exp.summarize(results)))  # as read back from summary.json
    specs = exp.figures(results, summary)
    assert specs and len({s.name for s in specs}) == len(specs)
    for spec in specs:
        assert spec.title and spec.what and any(ch.isdigit() for ch in spec.conclusion), spec.name
        assert figure_bytes(spec.figure, "png").startswith(b"\x89PNG")
        for ax in spec.figure.axes:
            if ax.get_visible() and ax.axison and ax.get_label() != "<colorbar>":
                assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel(), (spec.name, ax.get_title())
    assert " nan" not in " ".join(s.conclusion for s in specs).lower()
