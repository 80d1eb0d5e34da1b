"""Reports: deterministic figures with titles and labels, the annotated graph, the pages."""

from __future__ import annotations

import numpy as np

from difflab.report.document import to_markdown
from difflab.report.figures import figure_bytes, new_figure, plot_method, save_figure
from difflab.report.graphs import annotate_graph, draw_graph
from difflab.report.stats import loglog_slope, slope_words


def _figure():
    fig, axes = new_figure()
    ax = axes[0, 0]
    n = np.array([4, 16, 64, 256])
    plot_method(ax, n, 3.0 * n, "numeric")
    plot_method(ax, n, 0 * n + 22.0, "reverse")
    ax.set(xscale="log", yscale="log", xlabel="inputs n", ylabel="equations (count)", title="Cost")
    ax.legend()
    return fig


def test_figures_are_byte_for_byte_reproducible(tmp_path):
    # a layout costs ~0.2 CPU-s and so does a draw (constrained layout on log axes). save_figure lays a figure out
    # once and draws it once per file, where savefig alone lays it out and draws it twice per file (a draw with
    # output off, then the real one): on main this save was 4 draws. Its SVG takes the PNG's layout, which is also
    # the layout figure_bytes gives a fresh figure: every file is compared with one made from a fresh figure.
    fresh_svg = figure_bytes(_figure(), "svg")
    fig = _figure()
    drawn = [figure_bytes(fig, "png"), figure_bytes(fig, "svg")]  # save_figure's order, in memory
    saving, draws = _figure(), []
    engine = saving.get_layout_engine()
    saving.canvas.mpl_connect("draw_event", draws.append)
    saved = [p.read_bytes() for p in save_figure(saving, tmp_path / "a")]
    assert saved == drawn and drawn[1] == fresh_svg  # fresh figures agree, and the files are figure_bytes' bytes
    assert len(draws) == 2  # one draw per file
    assert saving.get_layout_engine() is engine and saving.get_dpi() == fig.get_dpi()  # a later change is laid out
    assert "<dc:date>" not in fresh_svg.decode()
    assert b"Software" not in drawn[0]


def test_method_lines_carry_their_fitted_slope_in_the_legend():
    labels = [t.get_text() for t in _figure().axes[0].get_legend().get_texts()]
    assert labels == ["numeric (slope 1.00)", "reverse (slope 0.00)"]
    assert slope_words(loglog_slope([1, 10], [5, 5])) == "flat in n (slope 0.00)"


def test_the_diamond_graph_is_annotated_with_its_adjoints():
    rec = annotate_graph(lambda x, y, z: ((x * y) * (y * z)) ** 2.0, 3.0, 2.0, 1.0, names=["h1", "h2", "h", "f"])
    adjoints = {n["name"]: n["adjoint"] for n in rec["nodes"]}
    for name, want in {"h": 24, "h1": 48, "h2": 144, "x": 96, "y": 288, "z": 288}.items():
        assert adjoints[name]["reverse"] == want and adjoints[name]["forward"] == want
        assert adjoints[name]["symbolic"] == want
        assert abs(adjoints[name]["numeric"] - want) < 1e-6 * want
    fig = draw_graph(rec, "diamond")
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    for want in ("x\nvalue 3", "rev 96", "rev 288", "h = mul(h1, h2)", "rev 24", "rev 144"):
        assert want in text
    assert fig.axes[0].get_title() == "diamond"
    assert figure_bytes(draw_graph(rec, "diamond")) == figure_bytes(fig)


def test_the_markdown_report_has_both_sentences_per_figure(tmp_path):
    doc = {
        "name": "demo",
        "question": "Why?",
        "facts": [("preset", "quick")],
        "config": {"n": [1, 2]},
        "figures": [{"name": "f", "title": "T", "what": "Shows x.", "conclusion": "Slope 1.00."}],
        "command": "difflab run demo",
        "dir": tmp_path,
    }
    md = to_markdown(doc)
    assert "![T](figures/f.png)" in md and "*What it shows.* Shows x." in md
    assert "*What to conclude.* Slope 1.00." in md and "- Slope 1.00." in md


def test_timing_claims_are_made_only_when_the_repeats_support_them():
    """Issue 12 (7): 'flat' flipped to 'n^0.18' and the fastest method changed between identical runs."""
    from difflab.report.stats import noisy_slope_words, ordering, slope_range

    n = [1e3, 1e4, 1e5]
    steady = [[1.0, 1.02, 0.99], [10.0, 10.1, 9.9], [100.0, 101.0, 99.0]]
    # (slopes68: one slowed repeat a size is a preempted call, not spread: the faster half of the repeats must disagree)
    noisy = [[1.0, 1.0, 1.0], [1.0, 3.0, 1.2], [1.0, 5.0, 2.1]]
    assert noisy_slope_words(*slope_range(n, steady)).startswith("linear in n")
    assert noisy_slope_words(*slope_range(n, noisy)).startswith("within noise of")
    assert ordering({"reverse": [1.0, 1.1], "forward": [1.05, 2.0]})["separated"] is False
    assert "within noise" in ordering({"reverse": [1.0, 1.1], "forward": [1.05, 2.0]})["text"]
    assert ordering({"reverse": [1.0, 1.1], "forward": [1.5, 2.0]})["fastest"] == "reverse"


def test_within_noise_is_said_only_when_the_repeats_span_the_class():
    """The full preset's second_order report said 'within noise of quadratic (slope 1.52, repeats 1.34–1.81)'."""
    from difflab.report.stats import noisy_slope_words

    assert noisy_slope_words(1.52, 1.34, 1.81).startswith("growing like n^1.52, between linear and quadratic")
    assert noisy_slope_words(0.25, 0.02, 0.30).startswith("growing like n^0.25, between flat and linear")
    assert noisy_slope_words(2.6, 2.3, 2.9).startswith("growing like n^2.60, steeper than quadratic")
    assert noisy_slope_words(1.52, 1.34, 2.05).startswith("within noise of quadratic")
    for slope, lo, hi in [(1.52, 1.34, 1.81), (0.69, 0.63, 0.9), (1.28, 1.13, 1.58), (0.25, 0.02, 0.3)]:
        words = noisy_slope_words(slope, lo, hi)
        assert "within noise" not in words, words


def test_index_names_the_presets_its_reports_were_run_with(tmp_path):
    import json

    from difflab.report.document import publish

    for name, preset in [("a", "full"), ("b", "full")]:
        d = tmp_path / "runs" / name
        d.mkdir(parents=True)
        (d / "config.json").write_text(
            json.dumps(
                {
                    "experiment": name,
                    "question": "Q?",
                    "preset": preset,
                    "config": {},
                    "seed": 0,
                    "cells": 1,
                    "overrides": {},
                }
            )
        )
        (d / "summary.json").write_text("{}")
        (d / "figures.json").write_text("[]")
        (d / "report.md").write_text("# a report")
    index = publish(sorted((tmp_path / "runs").iterdir()), tmp_path / "out").read_text()
    assert "full preset" in index and "quick" not in index


def test_disagreement_is_one_mixed_metric_with_a_distribution():
    from difflab.report.stats import distribution, finite_json, mixed_error

    e = mixed_error([0.0, 1e-12, 1e6 + 1.0], [0.0, 0.0, 1e6])
    assert e.tolist() == [0.0, 1e-12, 1.0 / (1.0 + 1e6)]
    d = distribution([1e-16, 1e-12, float("nan")])
    assert d["n"] == 2 and d["nonfinite"] == 1 and d["max"] == 1e-12
    assert finite_json({"x": [float("nan"), np.float64(2.0)]}) == {"x": [None, 2.0]}
