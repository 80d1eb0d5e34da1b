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
    for fmt in ("png", "svg"):
        assert figure_bytes(_figure(), fmt) == figure_bytes(_figure(), fmt)
    a = [p.read_bytes() for p in save_figure(_figure(), tmp_path / "a")]
    b = [p.read_bytes() for p in save_figure(_figure(), tmp_path / "b")]
    assert a == b
    svg = figure_bytes(_figure(), "svg").decode()
    assert "<dc:date>" not in svg
    assert b"Software" not in figure_bytes(_figure(), "png")


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
    doc = {"name": "demo", "question": "Why?", "facts": [("preset", "quick")], "config": {"n": [1, 2]},
           "figures": [{"name": "f", "title": "T", "what": "Shows x.", "conclusion": "Slope 1.00."}],
           "command": "difflab run demo", "dir": tmp_path}
    md = to_markdown(doc)
    assert "![T](figures/f.png)" in md and "*What it shows.* Shows x." in md
    assert "*What to conclude.* Slope 1.00." in md and "- Slope 1.00." in md
