"""Report sentences and figures re-read under seeds 0, 1, 7 and the full preset (truth67): each one computed, and true.

- `stats.ordering` called a timing "fastest" when its slowest repeat beat the runner-up's (by median) fastest, and
  looked no further: a third contender whose median is slower but whose fastest repeat beats the leader's slowest
  overlaps it (jacobian_strategies orders six strategies a grid point, training_comparison four methods).
- jacobian_strategies named "forward/1" the least work at every point where forward mode wins, though every chunk
  produces the same elements (the sentence before it says so): the first of the tied names read as a winner.
- fd_accuracy's "16 swept steps were refused" followed the first function's clauses but counted both functions
  (9 on eˣ/√(sin³x + cos³x), 7 on sin, all Richardson's); 64 over four functions in the full preset.
- fd_accuracy centred its "typical error near the best step" on the sweep's single luckiest step: the full preset's
  central differences read "near their best step (h = 7.50e-07, 0.124× eps^(1/3)) the typical error is 8.07e-11",
  a cancellation on the round-off side (quick: 5.62e-06, 0.929×); the half-decade median is smallest at 2.37e-06
  (4.13e-11 there). Centred there, complex step's band median is exactly 0, and "the default step loses most" named
  complex (1.33e-16 vs 0): errors below float64's eps now count as eps.
- training_comparison listed the time to the target loss sorted, one run each: quick seed 1 ranked reverse before
  symbolic (0.0337 s vs 0.0478 s) where their per-epoch gradient times were within noise of each other.
- gradient_flow's "After training, the input-to-output gradient ratio is 0.13 for relu" gave a median over 10 seeds
  alone (full preset, seed 3: 0.0759–0.564 over 10–90 % of them); the band is said beside it.
- expression_swell's cse=False gradient was one call: "12.4 ms per gradient at depth 6" (quick seed 0, a shared
  core) where seeds 1 and 7 read 0.259 and 0.264 ms (the committed seed 0 report 0.289); now the median of 5 calls,
  said so.
- expression_swell's "(2.11e+05 nodes at depth 12, 1.43 s)" is one timing of sympy.diff (full preset: 1.43 s at seed
  0, 5.04 s at seed 3): now said so.
- hard_regimes' title "every method inherits the program's round-off" was typed in: now said only while every
  method's largest error exceeds 1e-8 (it does at every seed and preset: 9.59e+11 to 1.33e+16).
- cost_scaling said "a later preparation in the same process reuses SymPy's work: 2.68e-03 s at n = 64" as a fact
  of every run: with --jobs the cells run in several processes, in any order. Now two timings, one each.
- cost_scaling's n axes labelled 16 as "2e+01", 256 as "3e+02" and 65536 as "7e+04" (`data_ticks` with fmt
  "{:.0e}"); its time-ratio panel drew medians only, where the sentence gives the repeats' spread.
"""

from __future__ import annotations

import pytest

from difflab import runner
from difflab.report.figures import data_ticks, new_figure
from difflab.report.stats import ordering
from difflab.runner import Results


@pytest.fixture(scope="module")
def experiments():
    names = ("jacobian_strategies", "fd_accuracy", "training_comparison", "cost_scaling")
    return {n: runner.load_experiment(n).module for n in names}


def test_fastest_only_when_every_other_timing_is_slower_in_every_repeat():
    # by median: a (1.1) < b (2.1) < c (5); c's fastest repeat, 1.05, beats a's slowest, 1.2
    o = ordering({"a": [1.0, 1.1, 1.2], "b": [2.0, 2.1, 2.2], "c": [1.05, 5.0, 5.0]})
    assert o["separated"] is False and o["fastest"] == "a"  # on main: separated True, "a is fastest"
    assert o["text"].startswith("a and c are within noise of each other")
    o = ordering({"a": [1.0, 1.1, 1.2], "b": [2.0, 2.1, 2.2], "c": [1.3, 5.0, 5.0]})
    assert o["separated"] is True and o["text"].startswith("a is fastest (1–1.2 vs next b")


def _dense(strategy, n, m, work):
    return {
        "cell": {"part": "dense", "strategy": strategy, "n": n, "m": m},
        "metrics": {"work": work, "seconds": [1.0, 1.1], "sweeps": 1, "max_error": 0.0},
    }


def test_the_least_work_names_every_strategy_tied_for_it(experiments):
    js = experiments["jacobian_strategies"]
    rows = []
    for n, m in ((4, 4), (4, 16), (16, 4), (16, 16)):
        fwd = 2 * n * m  # every chunk the same elements
        rows += [_dense(f"forward/{c}", n, m, fwd) for c in (1, 4)]
        rows += [_dense("reverse", n, m, (2 + 2 * m) * m), _dense("numeric", n, m, (2 * n + 1) * 2 * m)]
    grid = js.summarize(Results(rows))["grid"]
    assert grid["4x4"]["least_work"] == "forward (every chunk)"  # on main: "forward/1"
    assert grid["16x4"]["least_work"] == "reverse"
    assert js.least_work_words({"forward/1": 8, "reverse": 8}) == "forward/1 and reverse (the same work)"


def test_refused_steps_are_said_over_the_functions_they_were_counted_on(experiments):
    fd = experiments["fd_accuracy"]
    summary = {
        "squire_trapp": {"central": {"refused_steps": 0}, "richardson": {"refused_steps": 9}},
        "sin": {"central": {"refused_steps": 0}, "richardson": {"refused_steps": 7}},
    }
    text = fd.refused_words(summary, ["squire_trapp", "sin"])
    assert text.startswith("over both functions, 16 swept steps (richardson 16) were refused")
    assert fd.refused_words(summary, ["squire_trapp"]).startswith("on it, 9 swept steps (richardson 9)")


def test_time_to_target_is_listed_in_the_runs_order_one_run_each(experiments):
    tc = experiments["training_comparison"]
    methods = {m: {"time_to_target": t} for m, t in (("symbolic", 0.0478), ("numeric", 0.683), ("reverse", 0.0337))}
    text = tc.reach_words({"moons": {"methods": methods, "target_loss": 0.0174}}, "moons")
    assert "(one run each" in text
    assert text.index("symbolic") < text.index("numeric") < text.index("reverse")  # on main: sorted, reverse first


def test_tick_labels_read_as_the_values_they_mark():
    fig, axes = new_figure()
    ax = axes[0, 0]
    ax.set_xscale("log")
    data_ticks(ax.xaxis, [4, 16, 256, 65536], fmt="{:.0e}")
    assert [float(t.get_text()) for t in ax.get_xticklabels()] == [4, 16, 256, 65536]  # on main: 2e+01, 3e+02, 7e+04
    data_ticks(ax.xaxis, [16, 1024, 65536], fmt="compact")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["16", "$2^{10}$", "$2^{16}$"]


def test_the_time_ratio_panel_shades_the_repeats_range(experiments):
    cs = experiments["cost_scaling"]
    rows, ratios = [], {}
    for part in ("gradient", "loop"):
        for n, grad, f in ((4, [2.0, 3.0, 9.0], [1.0, 1.0, 1.0]), (16, [4.0, 4.0, 4.0], [2.0, 1.0, 4.0])):
            metrics = {"seconds": grad, "f_seconds": f, "work": 8.0 * n, "f_work": 2.0 * n, "f_eqns": 7}
            rows.append({"cell": {"part": part, "method": "reverse", "n": n}, "metrics": metrics})
        ratios[part] = {
            "n": [4, 16],
            "work": [4.0, 4.0],
            "seconds": [3.0, 4.0],
            "f_eqns": [7, 7],
            "work_slope": 0.0,
            "top_op": ["add", 0.5],
            "seconds_slope": 0.1,
        }
    spec = cs._fig_ratio(Results(rows), {"cheap_gradient_ratio": ratios})
    time_panel = spec.figure.axes[1]
    shaded = [c.get_paths()[0].vertices[:, 1] for c in time_panel.collections]
    assert shaded, "no band: the medians alone"  # on main: no collection in the time panel
    assert min(shaded[0]) == pytest.approx(1.0) and max(shaded[0]) == pytest.approx(9.0)
    assert "shaded" in spec.what


def test_symbolic_preparation_is_two_timings_without_a_cause(experiments):
    cs = experiments["cost_scaling"]
    rows = [
        {"cell": {"n": n}, "metrics": {"prepare_seconds": p, "seconds": [1e-5, 2e-5]}}
        for n, p in ((4, 0.35), (64, 2.77e-3))
    ]
    text = cs.symbolic_preparation_words(rows)
    assert "reuses" not in text and "same process" not in text  # on main: no such function; the sentence said both
    assert text.startswith("Preparing symbolic took up to 0.35 s (n = 4,") and text.endswith("2.77e-03 s at n = 64.")


def test_the_typical_best_step_is_the_bottom_of_the_v_not_a_lucky_step(experiments):
    fd = experiments["fd_accuracy"]
    steps = [10.0 ** -(1 + k / 8) for k in range(113)]  # 1e-1 ... 1e-15, eight a decade (the full preset's sweep)
    v = [max(h * h, 1e-16 / h) for h in steps]  # central differences' V, bottom at h = 1e-16^(1/3) ≈ 4.6e-06
    lucky = min(range(len(steps)), key=lambda i: abs(steps[i] - 7.5e-07))
    v[lucky] = 1e-13  # one cancellation on the round-off side, below the V's bottom (2.2e-11)
    i = fd.typical_best_index(steps, v)
    assert 1.5e-06 < steps[i] < 7e-06, steps[i]  # on main: no such function; the band was centred on 7.5e-07


def test_errors_below_eps_do_not_make_a_loss(experiments):
    fd = experiments["fd_accuracy"]
    first = {
        "central4": {"default_error": 4.52e-12, "typical_near_best": 4.84e-13},
        "complex": {"default_error": 1.33e-16, "typical_near_best": 0.0},
    }
    assert "for central4 (4.52e-12" in fd.default_loss_words(first, ["central4", "complex"])
    assert "beyond float64's eps" in fd.default_loss_words(first, ["complex"])


def test_the_ratio_after_training_comes_with_its_band_over_seeds():
    gf = runner.load_experiment("gradient_flow").module
    band = {"median": 0.13, "p10": 0.0759, "p90": 0.564, "seeds": 10}
    t = {"first_over_last_final": band, "test_accuracy": dict(band, median=0.985), "seeds": 10}
    text = gf.trained_words(t, "relu")  # on main: no such function, the sentence gave "0.13 for relu" alone
    assert text.startswith("0.13 (0.0759–0.564) for relu (test accuracy 0.985") and "no ratio" not in text


def test_sympy_diff_time_is_said_to_be_one_timing():
    sw = runner.load_experiment("expression_swell").module
    g = dict(sympy_tree_at_max=211000, sympy_tree_slope=5.4, sympy_tree_growth_per_level=2.22, sympy_depth=12)
    g.update(sympy_diff_seconds=1.43, sympy_dag_slope=0.99, sympy_dag_at_max=97, sympy_first_over=None)
    g.update(naive_slope=5.5, naive_growth_per_level=4.0, naive_over_sympy_tree=318, cse_slope=1.02, cse_at_max=217)
    text = sw._describe("sincos", {"sincos": g})
    assert "(2.11e+05 nodes at depth 12, diff in 1.43 s, one timing)" in text, text  # on main: "depth 12, 1.43 s)"


def test_the_scalar_loops_gradient_work_is_counted_by_hand(experiments):
    """cost_scaling's "the work ratio is 4.53–130, ... 49.3% of the gradient's work at n = 256 is add", recomputed from
    the traced gradient program by hand: f = Σ sin(x_i)·x_i makes 3 scalars a term and n − 1 adds (4n − 1 elements);
    its gradient adds per term cos, a product, an add (3 scalars) and a scatter_add into an n-vector, n − 1 adds of
    n-vectors, and 1 + n + n + n for the final guards: 2n² + 9n elements (reverse mode's index rule scatters densely)."""
    cs = experiments["cost_scaling"]
    for n in (4, 16):
        m = cs.run_cell({"part": "loop", "method": "reverse", "n": n, "repeat": 1}, 0)
        assert (m["f_work"], m["work"]) == (4 * n - 1, 2 * n * n + 9 * n)
    add = (n - 1) + n + (n - 1) * n  # f's adds, one scalar add a term, the n-vector adds
    assert m["work_by_op"]["add"] == pytest.approx(add / (2 * n * n + 9 * n))


def test_the_ill_conditioning_title_claims_only_what_was_measured():
    hr = runner.load_experiment("hard_regimes").module
    assert "every method inherits" in hr.ill_title({"symbolic": 9.59e11, "numeric": 1.2e15, "reverse": 9.59e11})
    assert "every method" not in hr.ill_title({"symbolic": 1e-16, "numeric": 1e-6})  # on main: no such function


def test_the_cse_false_gradient_time_is_the_fastest_of_several_calls():
    sw = runner.load_experiment("expression_swell").module
    nocse = dict(max_depth_run=6, prepare_seconds=0.43, grad_seconds=2.6e-4, grad_calls=sw.GRAD_CALLS, budget_ops=2e4)
    s = {"sincos": dict(nocse=dict(nocse, first_skipped_depth=None), prepare_seconds_at_max=0.9, max_depth=12)}
    text = sw._cost_text(s, ["sincos"])  # on main: no GRAD_CALLS, one call timed
    # (slopes68: the fastest of the calls, not their median: a preempted call is only ever slower)
    assert sw.GRAD_CALLS >= 3 and f"0.26 ms per gradient at depth 6 (fastest of {sw.GRAD_CALLS} calls)" in text, text
    assert sw._fastest_call({"grad_seconds": 5e-4, "grad_calls": [3e-4, 2.6e-4, 0.0124]}) == 2.6e-4
