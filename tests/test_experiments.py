"""The experiments' scientific content, on deterministic counts, and each experiment end to end."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import warnings

import numpy as np
import pytest

from difflab import runner
from difflab.errors import NumericAccuracyWarning
from difflab.report.figures import figure_bytes
from difflab.report.stats import loglog_slope, tail_slope

EPS = float(np.finfo(float).eps)


@pytest.fixture(scope="module")
def experiments():
    return {name: runner.load_experiment(name).module for name in runner.find_experiments()}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """name -> (experiment, run dir, results, summary as read back from summary.json): each experiment
    runs once per module (and xdist worker) on its TINY grid, and every test that reads a run shares it."""
    runs = {}

    def get(name):
        if name not in runs:
            exp = runner.load_experiment(name)
            out = tmp_path_factory.mktemp(name)
            d = runner.run(exp, overrides=TINY[name], out=out, quiet=True, render_report=False)
            results = runner._read_cells(d)
            runs[name] = (exp, d, results, json.loads(json.dumps(exp.summarize(results))))
        return runs[name]

    return get


def test_central_differences_have_slope_two_and_their_best_step_near_eps_cube_root(experiments):
    fd = experiments["fd_accuracy"]
    cell = {"function": "squire_trapp", "per_decade": 4, "h_max_exp": -1, "h_min_exp": -15, "band_points": 5}
    with warnings.catch_warnings(record=True) as shown:  # the sweep's warnings are recorded, not shown
        warnings.simplefilter("always")
        central = fd.run_cell(dict(cell, scheme="central"), 0)
    assert not [w for w in shown if issubclass(w.category, NumericAccuracyWarning)], [str(w.message) for w in shown]
    assert central["warned"] and max(central["warned"]) >= 1e-2  # (its largest steps: truncation decides there)
    assert fd.truncation_slope(central["steps"], central["errors"]) == pytest.approx(2.0, abs=0.25)
    best, best_error = fd.best_step(central["steps"], central["errors"])
    assert EPS ** (1 / 3) / 10 < best < EPS ** (1 / 3) * 10
    assert np.median(central["band_errors"]) >= best_error  # the typical error is never the luckiest one
    forward = fd.run_cell(dict(cell, scheme="forward"), 0)
    assert fd.truncation_slope(forward["steps"], forward["errors"]) == pytest.approx(1.0, abs=0.25)
    assert fd.best_step(forward["steps"], forward["errors"])[1] > 10 * best_error  # lower order, worse optimum
    complex_step = fd.run_cell(dict(cell, scheme="complex"), 0)
    assert complex_step["default_error"] < 10 * EPS  # no subtraction, no round-off side
    # the evaluations one derivative costs, f(x) included, as dl.grad(method=...) pays them: the figure
    # said "central 5 evals" (its error estimate's evaluations counted in)
    assert (forward["evals"], central["evals"], complex_step["evals"]) == (2, 3, 2)


def test_fd_defaults_come_from_the_library_and_refused_steps_are_ignored(experiments):
    """Issue 12 (5): the Richardson star was a stale typed constant; its best error was NaN."""
    from difflab.differentiators import numeric

    fd = experiments["fd_accuracy"]
    x0 = fd.FUNCTIONS["sin"][2]
    assert fd.library_defaults("richardson", x0)["default_step"] == pytest.approx(
        numeric.RICHARDSON_STEP * max(1.0, abs(x0))
    )
    assert fd.library_defaults("central", x0)["default_step"] == pytest.approx(
        EPS ** (1 / 3) * max(1.0, abs(x0)), rel=1e-6
    )
    cell = {
        "function": "sin",
        "scheme": "richardson",
        "per_decade": 1,
        "h_max_exp": -1,
        "h_min_exp": -15,
        "band_points": 3,
    }
    m = fd.run_cell(cell, 0)
    assert m["refused"] and None in m["errors"]  # tiny starting steps are refused, and recorded as such
    h, e = fd.best_step(m["steps"], m["errors"])
    assert np.isfinite(e) and e < 1e-8
    for _, _, x in fd.FUNCTIONS.values():  # no test point is a short float (1, 1.5, 2, ...)
        assert x != round(x, 6)
    assert m["default_estimate"] > 0  # Numeric's own error estimate is recorded for the calibration panel


def test_the_mixed_metric_stays_finite_on_an_exactly_zero_gradient(experiments):
    """Issue 12 (1): max|g_ref| floored at 1e-300 turned a 1e-12 numeric error into 1e+288."""
    from difflab.runner import Results

    ma = experiments["method_agreement"]
    zero = {
        "reference": [0.0, 0.0],
        "symbolic": [0.0, 0.0],
        "numeric": [1e-12, -3e-13],
        "forward": [0.0, 0.0],
        "reverse": [0.0, 0.0],
    }
    big = {
        "reference": [1e6, 2.0],
        "symbolic": [1e6, 2.0],
        "numeric": [1e6 + 1e-4, 2.0],
        "forward": [1e6, 2.0],
        "reverse": [1e6, 2.0],
    }
    results = Results(
        [
            {
                "index": i,
                "cell": {"kind": "random", "index": i},
                "seed": 0,
                "metrics": {"gradients": g, "errors": {}, "size": 2},
            }
            for i, g in enumerate((zero, big))
        ]
    )
    s = ma.summarize(results)["random"]
    assert s["numeric_vs_reference"] == pytest.approx(1e-4 / (1.0 + 1e6))  # relative where |ref| is large
    d = s["vs_reference"]["numeric"]
    assert d["n"] == 4 and d["median"] == pytest.approx((1e-12 + 3e-13) / 2)  # absolute where ref is 0
    assert s["exact_methods_max_gap"] == 0.0


def test_reverse_gradient_work_is_linear_in_n_although_its_equations_are_flat(experiments):
    """Issue 12 (2): counting whole-array equations made reverse mode look flat in n."""
    cs = experiments["cost_scaling"]
    ns = [4, 16, 64, 256]
    cost = {
        m: [cs.run_cell({"part": "gradient", "method": m, "n": n, "repeat": 1}, 0) for n in ns]
        for m in ("reverse", "forward", "numeric")
    }
    slope = {
        m: {k: loglog_slope(ns, [c[k] for c in runs]) for k in ("eqns", "evals", "work")} for m, runs in cost.items()
    }
    assert abs(slope["reverse"]["eqns"]) < 0.05 and slope["reverse"]["evals"] == 0.0
    assert tail_slope(ns, [c["work"] for c in cost["reverse"]]) == pytest.approx(1.0, abs=0.05)
    assert tail_slope(ns, [c["work"] for c in cost["forward"]]) == pytest.approx(2.0, abs=0.1)
    assert tail_slope(ns, [c["work"] for c in cost["numeric"]]) == pytest.approx(2.0, abs=0.1)
    assert slope["forward"]["evals"] == pytest.approx(1.0, abs=0.05)  # one sweep per input
    ratios = [c["work"] / c["f_work"] for c in cost["reverse"]]
    assert max(ratios) <= cs.CHEAP_GRADIENT_BOUND  # the cheap-gradient principle, in work
    loop = [cs.run_cell({"part": "loop", "method": "reverse", "n": n, "repeat": 1}, 0) for n in (4, 16, 64)]
    assert loglog_slope([4, 16, 64], [c["f_eqns"] for c in loop]) == pytest.approx(1.0, abs=0.05)  # tape grows
    assert loglog_slope([4, 16, 64], [c["work"] / c["f_work"] for c in loop]) > 0.5  # dense cotangent scatters
    assert len(cost["reverse"][0]["seconds"]) == 1 and len(cost["reverse"][0]["f_seconds"]) == 1


def test_a_jacobian_pays_work_per_output_element_even_in_forward_mode(experiments):
    cs = experiments["cost_scaling"]
    ms = [4, 16, 64]
    runs = {
        m: [cs.run_cell({"part": "jacobian", "method": m, "n": 8, "m": k, "repeat": 1}, 0) for k in ms]
        for m in ("reverse", "forward")
    }
    assert loglog_slope(ms, [c["eqns"] for c in runs["reverse"]]) > 0.8
    assert loglog_slope(ms, [c["eqns"] for c in runs["forward"]]) == pytest.approx(0.0, abs=0.01)  # the artefact
    assert loglog_slope(ms, [c["work"] for c in runs["forward"]]) == pytest.approx(1.0, abs=0.1)  # the truth
    assert tail_slope(ms, [c["work"] for c in runs["reverse"]]) > 1.5


def test_symbolic_preparation_is_quoted_cold_not_from_a_cache_hit(tiny_run):
    """newuser23: the report quoted the largest n's preparation (2.6 ms, "272 gradient calls' worth"), after a
    smaller n's cell had paid SymPy's work in the same process (0.58 s fresh): the cold one is quoted first."""
    from difflab.runner import Results

    exp, _, results, summary = tiny_run("cost_scaling")
    sym = next(iter(results.where(part="gradient", method="symbolic")))
    warm = {**sym, "cell": {**sym["cell"], "n": 1024}, "metrics": {**sym["metrics"], "prepare_seconds": 0.00256}}
    cold = {**sym, "metrics": {**sym["metrics"], "prepare_seconds": 0.58}}
    rest = [r for r in results if r is not sym]
    spec = {s.name: s for s in exp.figures(Results([*rest, cold, warm]), summary)}["gradient_time"]
    assert f"Preparing symbolic took up to 0.58 s (n = {sym['cell']['n']}," in spec.conclusion, spec.conclusion
    # truth67: one timing each, no cause asserted ("reuses SymPy's work in the same process": not with --jobs)
    assert "one timing each) and 2.56e-03 s at n = 1024." in spec.conclusion, spec.conclusion


def test_reverse_mode_memory_grows_with_depth_and_forward_does_not(experiments):
    cs = experiments["cost_scaling"]
    peak = {
        m: [
            cs.run_cell({"part": "memory", "method": m, "depth": d, "width": 8, "batch": 256, "repeat": 1}, 0)[
                "peak_bytes"
            ]
            for d in (2, 16)
        ]
        for m in ("reverse", "forward")
    }
    layer = 256 * 8 * 8
    assert peak["reverse"][1] - peak["reverse"][0] > 10 * layer  # 14 more layers stored
    assert abs(peak["forward"][1] - peak["forward"][0]) < layer


SWELL = {"nocse_max_ops": 2000, "count_ops_max_nodes": 10**5, "sympy_max_f_nodes": 10**4}


def test_cse_keeps_the_symbolic_derivative_near_linear_where_the_naive_one_explodes(experiments):
    sw = experiments["expression_swell"]
    depths = [2, 4, 6, 8]
    sincos = [sw.run_cell(dict(SWELL, family="sincos", depth=d), 0) for d in depths]
    naive = [s["naive"] for s in sincos]
    assert naive[-1] / naive[-2] > 4.0 and sw._growth_per_level(depths, naive) > 2.0  # exponential
    assert loglog_slope(depths, [s["cse"] for s in sincos]) < 1.2  # near-linear
    assert loglog_slope(depths, [s["tape"] for s in sincos]) == pytest.approx(1.0)
    deep = [4, 8, 16, 32]  # nested sin: naive size quadratic (d copies of the chain), CSE linear
    nested = [sw.run_cell(dict(SWELL, family="nested_sin", depth=d), 0) for d in deep]
    assert tail_slope(deep, [s["cse"] for s in nested]) < 1.15 < 1.6 < tail_slope(deep, [s["naive"] for s in nested])


def test_expression_swell_is_measured_against_sympy_diff_of_the_written_out_function(experiments):
    """Issue 12 (4): the baseline is sympy.diff, counted as a tree and as a DAG; cse=False is timed in budget."""
    sw = experiments["expression_swell"]
    depths = [2, 4, 6, 8]
    runs = [sw.run_cell(dict(SWELL, family="sincos", depth=d), 0) for d in depths]
    tree, dag = [r["sympy_tree"] for r in runs], [r["sympy_dag"] for r in runs]
    assert all(t >= d for t, d in zip(tree, dag)) and loglog_slope(depths, dag) < 1.3
    # the inlined reverse program grows faster than SymPy's own tree (about its square per level)
    assert sw._growth_per_level(depths, [r["naive"] for r in runs]) > 1.5 * sw._growth_per_level(depths, tree)
    assert runs[0]["sympy_ops"] is not None and runs[0]["sympy_ops"] <= runs[0]["sympy_tree"]
    assert runs[0]["nocse"]["prepare_seconds"] > 0  # small: run
    assert runs[-1]["nocse"] is None and runs[-1]["naive"] > SWELL["nocse_max_ops"]  # measured size over budget
    over = sw.run_cell(dict(SWELL, family="sincos", depth=8, sympy_max_f_nodes=100), 0)
    assert over["sympy_tree"] is None and over["f_tree"] > 100  # sympy.diff skipped on f's measured size


def test_expression_swell_headline_gives_a_polynomial_growth_its_verb(experiments):
    """newuser62: "sympy.diff of the written-out function quadratic in depth ... but is linear" lacked its "is"."""
    sw = experiments["expression_swell"]
    g = dict(sympy_tree_at_max=2140, sympy_tree_slope=1.86, sympy_tree_growth_per_level=1.1, sympy_depth=64)
    g.update(sympy_diff_seconds=0.6, sympy_dag_slope=0.97, sympy_dag_at_max=129, sympy_first_over=None)
    g.update(naive_slope=1.88, naive_growth_per_level=1.1, naive_over_sympy_tree=0.999, cse_slope=1.04, cse_at_max=190)
    text = sw._describe("nested_sin", {"nested_sin": g})
    assert "written-out function is quadratic in depth (slope 1.86) as a tree" in text
    assert "difflab's inlined program is quadratic in depth (slope 1.88) (0.999×" in text
    g.update(naive_slope=3.0, naive_growth_per_level=4.0)  # exponential: a verb of its own, no "is"
    assert "difflab's inlined program grows ×4 per level (exponential)" in sw._describe("nested_sin", {"nested_sin": g})


def test_expression_swell_cost_conclusion_names_families_as_the_figure_does(experiments):
    """newuser62: the timing figure's conclusion began "Nested_sin: Symbolic(cse=False) takes ..." (the config key)."""
    sw = experiments["expression_swell"]
    nocse = dict(max_depth_run=64, prepare_seconds=1.18, grad_seconds=3.74e-4, budget_ops=2e4)
    s = {"nested_sin": dict(nocse=dict(nocse, first_skipped_depth=None), prepare_seconds_at_max=0.4, max_depth=64)}
    s["sincos"] = dict(nocse=dict(nocse, max_depth_run=6, first_skipped_depth=8, first_skipped_naive=2.61e5))
    s["sincos"].update(prepare_seconds_at_max=0.9, max_depth=12)
    text = sw._cost_text(s, ["nested_sin", "sincos"])
    assert text.startswith(
        "Symbolic(cse=False), family by family (preparation: one timing each): on sin(sin(…sin(x))) it takes 1.18 s to "
        "prepare"
    )
    assert "; on x ← sin(x)·cos(x) it takes 1.18 s to prepare and 0.374 ms per gradient at depth 6 and was not" in text
    assert "nested_sin" not in text.lower() and "sincos" not in text
    assert text.endswith(
        "with CSE, preparing at each family's deepest level took (one cold timing each): sin(sin(…sin(x))) 0.4 s "
        "(depth 64), x ← sin(x)·cos(x) 0.9 s (depth 12)."
    )


def test_gradient_flow_uses_many_seeds_and_never_skips_a_method_by_a_typed_cap(experiments, tiny_run):
    """Issue 12 (3): one seed and a typed-in 'symbolic budget of depth 2'."""
    gf = experiments["gradient_flow"]
    _, _, results, s = tiny_run("gradient_flow")
    for act in ("sigmoid", "relu"):
        b = s[act]["first_over_last"]
        assert b["seeds"] == 10 and b["p10"] <= b["median"] <= b["p90"]
        assert set(s[act]["method_spread"]["2"]) == {"symbolic", "forward", "reverse"}  # every method ran
    dead = s["relu"]["dead_at_init"]
    assert dead["-1.0"]["median"] > dead["0.0"]["median"]  # a negative bias kills units before training
    assert "skipped" not in json.dumps(s)
    specs = {spec.name: spec for spec in gf.figures(results, s)}
    ax = specs["norms_at_init"].figure.axes[0]
    assert all(float(t).is_integer() for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1])
    assert any(
        "identical to reverse" in t.get_text() or "max diff" in t.get_text() for t in ax.get_legend().get_texts()
    )
    assert "10–90 %" in specs["norms_over_seeds"].conclusion


def test_training_comparison_reports_time_to_loss_and_drift_on_log_axes(experiments, tiny_run):
    """Issue 12 (6, 7): drift vs step on log axes, time to a given loss, titles that say what is drawn."""
    tc = experiments["training_comparison"]
    _, _, results, s = tiny_run("training_comparison")
    target = s["iris"]["target_loss"]
    assert target is not None and all(p["time_to_target"] > 0 for p in s["iris"]["methods"].values())
    specs = {spec.name: spec for spec in tc.figures(results, s)}
    drift = specs["trajectory_agreement"]
    assert "drift" in drift.title.lower() and drift.figure.axes[0].get_xscale() == "log"
    assert "time on gradients to reach the loss" in specs["loss_curves"].conclusion
    assert tc.time_to_loss(
        {"prepare_seconds": 1.0, "grad_seconds": [0.5, 0.5], "steps_per_epoch": 2, "train_loss": [0.9, 0.1]}, 0.5
    ) == pytest.approx(3.0)


def test_hard_regimes_kinks_follow_the_convention_and_the_solver_converges(experiments):
    hr = experiments["hard_regimes"]
    relu = hr.run_cell({"part": "kink", "case": "relu at 0", "offsets": [-10, -2]}, 0)
    assert {relu["at_kink"][m] for m in ("symbolic", "forward", "reverse")} == {0.0}  # relu'(0) = 0
    # numeric holds relu on its piece at x (issue 15; it averaged the two sides, 0.5, and straddled at 1e-10)
    assert relu["at_kink"]["numeric"] == 0.0
    assert [r["numeric"] for r in relu["right"]] == pytest.approx([1.0, 1.0])  # the one-sided value, 1e-10 away too
    k = [hr.run_cell({"part": "solver", "k": k, "a": 0.7}, 0) for k in (1, 64)]
    errs = [abs(r["grads"]["reverse"] - r["implicit"]) for r in k]
    assert errs[0] > 1e-2 and errs[1] < 1e-12  # unrolled derivative converges to the implicit one


def test_second_order_closed_form_hessian_matches_40_digit_symbolic(experiments):
    import difflab as dl

    so = experiments["second_order"]
    x = np.array([-0.7, 0.2, 0.9])
    prep = dl.prepare(so.f, x, method="symbolic")
    exact = np.asarray(prep.prepared.exact(prep.staged.inputs((x,)), kind="hessian"), dtype=float).reshape(3, 3)
    assert np.max(np.abs(so.exact_hessian(x) - exact)) < 1e-14
    v = np.array([1.0, -2.0, 0.5])
    for s in so.HVP:
        assert np.allclose(so.hvp(s, x, v), exact @ v, rtol=1e-6, atol=1e-8), s


def test_checkpointing_lowers_the_peak_memory_of_a_gradient_at_one_extra_forward(experiments):
    rm = experiments["remat_memory"]
    cell = {"depth": 16, "width": 2048, "repeat": 1}
    plain, ck = (rm.run_cell(dict(cell, mode=m), 0) for m in rm.MODES)
    assert ck["segments"] == 4 and plain["max_error"] < 1e-12 and ck["max_error"] < 1e-12
    # plain stores every layer (about one state each); 4 segments hold about 4 + 16/4 states
    assert plain["peak_bytes"] > 12 * plain["state_bytes"]
    assert ck["peak_bytes"] < 0.6 * plain["peak_bytes"]
    extra = (ck["eqns"] - plain["eqns"]) / plain["f_eqns"]  # recomputation: about one more forward pass
    assert 0.5 < extra <= 1.0
    # Griewank's binomial bound: C(s + t, t) >= steps
    assert [rm.revolve_states(L, 2) for L in (1, 3, 6, 7, 64)] == [0, 1, 2, 3, 10]
    assert rm.revolve_states(64, 1) == 63  # one evaluation each: store all but the last step


def test_a_tridiagonal_jacobian_takes_three_coloured_sweeps_whatever_n(experiments):
    js = experiments["jacobian_strategies"]
    for n in (8, 32):
        cells = {s: js.run_cell({"part": "sparse", "strategy": s, "n": n, "repeat": 1}, 0) for s in js.SPARSE}
        assert cells["sparse forward"]["sweeps"] == 3 and cells["sparse reverse"]["sweeps"] == 3
        assert cells["dense forward"]["sweeps"] == n  # one tangent per evaluation of f
        assert max(c["max_error"] for c in cells.values()) < 1e-12
        assert cells["sparse forward"]["work"] < cells["dense forward"]["work"] / 2


def test_experiments_type_no_literal_that_duplicates_a_library_default():
    """Issue 12 (B): defaults are read from the library, never typed into an experiment again."""
    import ast
    from pathlib import Path

    from difflab.differentiators import numeric

    method = numeric.Numeric()
    defaults = {
        numeric.RICHARDSON_STEP,
        numeric.RATIO,
        float(numeric.Numeric(scheme="complex")._plan[4][0]),
        0.02,
    }  # 0.02: the stale Richardson step the experiment used to type in
    defaults |= {float(EPS ** (1 / (p + 1))) for p in range(1, 7)}
    assert method.richardson_terms not in (None,)
    folder = Path(runner.__file__).resolve().parent.parent / "experiments"
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "step":
                assert not isinstance(node.value, ast.Constant), f"{path.name}: a typed step= {node.value.value}"
            if isinstance(node, ast.Constant) and isinstance(node.value, float) and node.value != 0.5:
                assert node.value not in defaults, f"{path.name}:{node.lineno} types the library default {node.value}"
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", "") in ("DEFAULT_STEP", "ORDER") for t in node.targets
            ):
                raise AssertionError(f"{path.name}:{node.lineno} keeps its own table of Numeric's defaults")


def test_summary_json_is_strict_json(tiny_run):
    """Issue 12 (8): summary.json held bare NaN."""
    exp, d, _, _ = tiny_run("fd_accuracy")
    runner.render(d, exp)  # the shared run's report, rendered from its cells as run(render_report=True) does

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    for name in ("summary.json", "figures.json", "config.json"):
        json.loads((d / name).read_text(), parse_constant=refuse)
    for cell in (d / "cells").glob("*.json"):
        json.loads(cell.read_text(), parse_constant=refuse)


# Each experiment end to end on a tiny grid: cells, summary, figures with titles, labels and
# conclusions computed from the numbers.
TINY = {
    "cost_scaling": {
        "n": "[4, 16]",
        "max_n": '{"symbolic": 4, "numeric": 16, "forward": 16, "reverse": 16}',
        "loop_n": "[4, 8]",
        "m": "[1, 4]",
        "symbolic_max_m": "1",
        "depth": "[1, 2]",
        "batch": "16",
        "repeat": "2",
    },
    "fd_accuracy": {
        "functions": '["sin"]',
        "schemes": '["forward", "central", "richardson", "complex"]',
        "per_decade": "1",
        "band_points": "3",
    },
    "expression_swell": {
        "nested_sin": "[1, 2]",
        "sincos": "[1, 2]",
        "logistic": "[1, 2]",
        "mlp": "[1]",
        "mlp_width": "2",
        "nocse_max_ops": "20",
    },
    "hard_regimes": {"kink_offsets": "[-8, -2]", "ill_x": "[-1, -3]", "iterations": "[1, 8]"},
    "second_order": {
        "n": "[2, 4]",
        "hessian_max_n": '{"numeric": 4, "forward/reverse": 4, "symbolic": 2}',
        "h_exps": "[-2, -4]",
        "repeat": "2",
    },
    "jacobian_strategies": {"n": "[2, 4]", "m": "[2, 4]", "chunks": "[1, 2]", "sparse_n": "[4, 8]", "repeat": "2"},
    "remat_memory": {"depth": "[1, 4]", "width": "64", "repeat": "2"},
    "method_agreement": {"random_graphs": "2", "max_eqns": "3", "graphs": '["diamond"]'},
    "gradient_flow": {
        "activations": '["sigmoid", "relu"]',
        "methods": '["symbolic", "forward", "reverse"]',
        "depths": "[1, 2]",
        "width": "3",
        "batch": "16",
        "seeds": "10",
        "scales": "[0.5, 1.0]",
        "biases": "[-1.0, 0.0]",
        "epochs": "2",
        "chunks": "2",
        "training_seeds": "2",
    },
    "training_comparison": {
        "datasets": '["iris"]',
        "methods": '["symbolic", "forward", "reverse"]',
        "hidden": '{"iris": [3]}',
        "epochs": "2",
        "agreement_batch": "8",
    },
}


def test_every_experiment_has_a_tiny_smoke_configuration():
    assert set(TINY) == set(runner.find_experiments())


@pytest.mark.parametrize("name", sorted(TINY))
def test_experiment_end_to_end(name, tiny_run):
    exp, d, results, summary = tiny_run(name)  # summary: as read back from summary.json
    assert exp.question.endswith("?") and set(exp.presets) == {"quick", "full"}
    assert exp.presets["quick"].keys() == exp.presets["full"].keys()
    # rendering every figure twice (PNG and SVG) is tested on the runner's tiny experiment; here each
    # figure is drawn once, as PNG, to keep the suite fast
    assert len(results) == json.loads((d / "config.json").read_text())["cells"]
    specs = exp.figures(results, summary)
    assert specs and len({s.name for s in specs}) == len(specs)
    for spec in specs:
        assert spec.title and spec.what and any(ch.isdigit() for ch in spec.conclusion), spec.name
        assert figure_bytes(spec.figure, "png").startswith(b"\x89PNG")
        for ax in spec.figure.axes:
            if ax.get_visible() and ax.axison and ax.get_label() != "<colorbar>":
                assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel(), (spec.name, ax.get_title())
            _coinciding_lines_stay_visible(spec.name, ax)
    assert " nan" not in " ".join(s.conclusion for s in specs).lower()


def _coinciding_lines_stay_visible(name, ax):
    """Two legend entries drawn on exactly the same points differ in dash or marker: hard_regimes' kinks
    panel drew relu, abs and max(x, 1) as one solid line at 1, so its legend named three curves the reader
    could not find (newuser23)."""
    seen: dict = {}
    for line in ax.get_lines():
        if line.get_label().startswith("_"):
            continue
        key = (tuple(map(float, line.get_xdata())), tuple(map(float, line.get_ydata())))
        style = (line.get_linestyle(), line.get_marker())
        assert style not in seen.get(key, {}).values(), (name, ax.get_title(), line.get_label(), seen[key])
        seen.setdefault(key, {})[line.get_label()] = style


@pytest.mark.slow
def test_the_full_presets_cheap_parts_support_their_headlines(experiments):
    """Issue 12 (D): the full preset's report is as true as the quick one (run with `pytest -m slow`)."""
    from difflab.runner import Results

    cs, gf, ma = experiments["cost_scaling"], experiments["gradient_flow"], experiments["method_agreement"]
    full = cs.PRESETS["full"]
    ns = [n for n in full["n"] if n <= full["max_n"]["reverse"]]
    runs = [cs.run_cell({"part": "gradient", "method": "reverse", "n": n, "repeat": 1}, 0) for n in ns]
    assert max(ns) >= 10**6
    assert tail_slope(ns, [r["work"] for r in runs]) == pytest.approx(1.0, abs=0.02)  # linear, not flat
    assert max(r["work"] / r["f_work"] for r in runs) <= cs.CHEAP_GRADIENT_BOUND
    g = gf.PRESETS["full"]
    cell = {
        "part": "seeds",
        "activation": "sigmoid",
        "depth": max(g["depths"]),
        "width": g["width"],
        "batch": g["batch"],
        "seeds": g["seeds"],
        "bias": 0.0,
    }
    scales = [min(g["scales"]), 1.0]
    ratios = {s: gf._band(gf._ratios(gf.run_cell(dict(cell, scale=s), 0)["norms"])) for s in scales}
    assert ratios[1.0]["seeds"] >= 20 and ratios[1.0]["p90"] < 1.0  # sigmoid vanishes on 90 % of seeds
    assert ratios[min(scales)]["median"] < ratios[1.0]["median"]  # smaller weights vanish faster
    m = ma.PRESETS["full"]
    recs = Results(
        {"index": i, "cell": c, "seed": i, "metrics": ma.run_cell(c, runner.cell_seed(0, i))}
        for i, c in enumerate(ma.cells(m))
        if c["kind"] == "random" and c["index"] < 40
    )
    s = ma.summarize(recs)["random"]
    assert s["exact_methods_max_gap"] < 1e-12 and s["numeric_vs_reference"] < 1e-4
    assert s["vs_reference"]["numeric"]["median"] <= s["vs_reference"]["numeric"]["p90"]
    rm, js = experiments["remat_memory"], experiments["jacobian_strategies"]
    r = rm.PRESETS["full"]
    depth = max(r["depth"])
    plain, ck = (rm.run_cell({"mode": mode, "depth": depth, "width": r["width"], "repeat": 1}, 0) for mode in rm.MODES)
    segments = rm.segments_for(depth)
    assert plain["peak_bytes"] > 4 * ck["peak_bytes"]  # √256 = 16 segments: the saving grows with depth
    # on the √depth line: the boundaries, plus one segment's layers at what plain pays a layer (the compiled tier's
    # kept buffers: 2 states a layer at 20000 elements; truth65 measured 51 states against 16 + 16 · 2.02)
    per_layer = plain["peak_bytes"] / depth
    assert ck["peak_bytes"] < 1.5 * (segments * ck["state_bytes"] + depth / segments * per_layer)
    n = max(js.PRESETS["full"]["sparse_n"])
    assert js.run_cell({"part": "sparse", "strategy": "sparse forward", "n": n, "repeat": 1}, 0)["sweeps"] == 3


def test_the_random_graphs_need_no_optional_package():
    """The README's main command on a core install (no SciPy): method_agreement's random graphs once
    called every registry entry, scipy.special's included, and 24 of its 37 cells failed with an ImportError."""
    code = (
        "import sys; sys.modules['scipy'] = None; sys.path.insert(0, 'experiments')\n"
        "import method_agreement as m\n"
        "from difflab.ops import REGISTRY\n"
        "assert not REGISTRY['gammaln'].available and REGISTRY['sin'].available\n"
        "import numpy as np; rng = np.random.default_rng(0)\n"
        "print(sum(np.isfinite(f(*args)) for f, args in (m._random_function(rng, 6) for _ in range(20))))\n"
    )
    root = pathlib.Path(__file__).parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == "20"
