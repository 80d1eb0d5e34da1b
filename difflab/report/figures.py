"""Figures: matplotlib's object-oriented `Figure` on the Agg canvas, saved byte-for-byte reproducibly.

Never pyplot (no global state, no GUI). `new_figure` gives a Figure and its axes in the lab's
style; `save_figure` writes PNG and SVG (one layout, one draw per file) with the metadata that changes
between runs stripped; `FigureSpec` carries a figure with the two sentences the report prints under it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .document import write_atomic

__all__ = [
    "FigureSpec",
    "new_figure",
    "save_figure",
    "figure_bytes",
    "method_style",
    "guide_line",
    "plot_method",
    "data_ticks",
    "exact_label",
    "METHOD_COLORS",
    "DPI",
]

DPI = 110

#: one colour and marker per method, the same in every figure of the lab
METHOD_COLORS = {
    "symbolic": ("#1b9e77", "s"),
    "numeric": ("#d95f02", "^"),
    "forward": ("#7570b3", "o"),
    "reverse": ("#e7298a", "D"),
    "exact": ("#444444", "*"),
}

_RC = {
    "svg.hashsalt": "difflab",  # SVG ids come from a hash: fixed salt, same file every time
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8,
    "legend.framealpha": 0.8,
}


@dataclass
class FigureSpec:
    """A figure to save as `name`.png/.svg, with what it shows and what to conclude (from results)."""

    name: str
    figure: Figure
    title: str
    what: str
    conclusion: str


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 5.0, height: float = 3.8):
    """A Figure with an Agg canvas and a (nrows, ncols) array of axes, each panel `width`×`height` in.

    >>> fig, axes = new_figure(2)
    >>> axes.shape, type(fig.canvas).__name__
    ((1, 2), 'FigureCanvasAgg')
    """
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """The figure rendered as PNG or SVG bytes, without dates or software versions (reproducible).

    >>> fig, axes = new_figure()
    >>> _ = axes[0, 0].plot([1, 2], [3, 4])
    >>> figure_bytes(fig) == figure_bytes(fig)
    True
    """
    (data,) = _rendered(fig, (fmt,))
    return data


def _rendered(fig: Figure, fmts) -> list[bytes]:
    """The figure as bytes in each format, all drawn from one layout computed at the PNG's DPI.

    savefig with a layout engine lays the figure out and draws it twice per file (once with output
    switched off, to lay it out, then for real): two thirds of `difflab run`'s time went to figures. Laid
    out once here, with the engine set aside while saving, each file is one draw; the PNG is the same to
    the byte, and the SVG takes the PNG's layout (its own was SVG-measured, at most ~1 pt away). The
    figure gets its engine and DPI back, so a later change to it is laid out anew.
    """
    engine, dpi = fig.get_layout_engine(), fig.get_dpi()
    out = []
    # (without a layout engine in the rc, set_layout_engine(None) removes the engine rather than making one)
    with matplotlib.rc_context({**_RC, "figure.autolayout": False, "figure.constrained_layout.use": False}):
        try:
            if engine is not None:
                fig.set_dpi(DPI)  # the text measured as the PNG draws it
                engine.execute(fig)
                fig.set_layout_engine(None)
            for fmt in fmts:
                metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}[fmt]
                buf = io.BytesIO()
                fig.savefig(buf, format=fmt, dpi=DPI, metadata=metadata)
                out.append(buf.getvalue())
        finally:
            fig.set_dpi(dpi)
            if engine is not None:
                fig.set_layout_engine(engine)
    return out


def save_figure(fig: Figure, stem) -> list[Path]:
    """Write `stem`.png and `stem`.svg (one layout for both); returns both paths.

    >>> import tempfile, pathlib
    >>> fig, axes = new_figure()
    >>> paths = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "f")
    >>> [p.suffix for p in paths]
    ['.png', '.svg']
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, data in zip(("png", "svg"), _rendered(fig, ("png", "svg"))):
        path = stem.with_suffix(f".{fmt}")
        write_atomic(path, data)
        paths.append(path)
    return paths


def method_style(method: str) -> dict:
    """Line style keywords for a method (colour, marker, label); unknown names get a neutral grey.

    >>> method_style("reverse")["marker"]
    'D'
    """
    base = next((m for m in METHOD_COLORS if method.startswith(m)), None)
    color, marker = METHOD_COLORS.get(base, ("#888888", "x"))
    return {"color": color, "marker": marker, "label": method}


def guide_line(ax, x, slope: float, through: tuple, label: str):
    """Draw the dotted reference line y ∝ x**slope through the point `through` (log-log guide).

    >>> fig, axes = new_figure()
    >>> guide_line(axes[0, 0], [1, 10], 1.0, (1, 2), "O(n)").get_ydata().tolist()
    [2.0, 20.0]
    """
    x = np.asarray(x, dtype=float)
    x0, y0 = through
    (line,) = ax.plot(x, y0 * (x / x0) ** slope, ls=":", color="#777777", lw=1.2, label=label)
    return line


def plot_method(ax, x, y, method: str, fit=True, label: str | None = None, **style):
    """Plot one method's series (its colour and marker); with `fit`, the legend gives the log-log slope.

    `fit` is True (least squares over all points), False, or a function (x, y) -> slope such as
    `stats.tail_slope`. Returns the slope shown (NaN without `fit`).

    >>> fig, axes = new_figure()
    >>> round(plot_method(axes[0, 0], [1, 10, 100], [2, 20, 200], "numeric"), 3)
    1.0
    """
    from .stats import loglog_slope, slope_text

    slope = (fit if callable(fit) else loglog_slope)(x, y) if fit else float("nan")
    kw = {**method_style(method), **style}
    kw["label"] = (label or kw["label"]) + (f" (slope {slope_text(slope)})" if fit and np.isfinite(slope) else "")
    ax.plot(x, y, ms=4, lw=1.4, **kw)
    return slope


def data_ticks(axis, values, fmt="{:g}"):
    """Label a (log) axis at the data's own values (4, 16, 64 rather than 10^1), no minor labels.

    Call it after setting the axis scale: a new scale resets the tick locators. A label must read as its value: one
    that `fmt` rounds (16 as "2e+01", 65536 as "7e+04") is written exactly instead (`exact_label`); fmt="compact"
    writes powers of two from 1024 as 2^k.

    >>> fig, axes = new_figure()
    >>> axes[0, 0].set_xscale("log"); data_ticks(axes[0, 0].xaxis, [4, 16, 64])
    >>> [t.get_text() for t in axes[0, 0].get_xticklabels()]
    ['4', '16', '64']
    >>> data_ticks(axes[0, 0].xaxis, [4, 16, 65536], fmt="{:.0e}")
    >>> [t.get_text() for t in axes[0, 0].get_xticklabels()]
    ['4e+00', '16', '65536']
    """
    from matplotlib.ticker import FixedLocator, NullFormatter

    values = sorted(set(values))
    if len(values) > 9:  # keep labels readable: every other value
        values = values[::2]
    axis.set_major_locator(FixedLocator(values))
    axis.set_ticklabels([_tick_label(v, fmt) for v in values])
    axis.set_minor_formatter(NullFormatter())


def exact_label(v, compact: bool = False) -> str:
    """A tick label that reads as `v`: "{:g}" up to 6 digits, else repr; with `compact`, 2^k for powers of two >= 1024.

    >>> exact_label(16), exact_label(65536), exact_label(65536, compact=True), exact_label(1000, compact=True)
    ('16', '65536', '$2^{16}$', '1000')
    """
    if compact and float(v).is_integer() and v >= 1024 and int(v) & (int(v) - 1) == 0:
        return f"$2^{{{int(v).bit_length() - 1}}}$"
    text = f"{v:g}"
    return text if float(text) == float(v) else repr(v)


def _tick_label(v, fmt: str) -> str:
    if fmt == "compact":
        return exact_label(v, compact=True)
    text = fmt.format(v)
    try:
        same = float(text) == float(v)
    except ValueError:  # a label with words or units: taken as written
        same = True
    return text if same else exact_label(v)
