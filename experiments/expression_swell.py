"""Expression swell: how large a symbolic derivative gets with depth, without and with CSE.

Families of depth d: nested sin, x ← sin(x)·cos(x), the logistic map x ← 4x(1−x), and a small
tanh MLP with d layers. Counts are SymPy operation counts (`Prepared.expression_size`), the IR's
tape length and the equations reverse mode executes for the same gradient; time is SymPy's.
"""
from __future__ import annotations

import math
import time

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.graph import EvalCounter
from difflab.report.figures import FigureSpec, data_ticks, new_figure, plot_method
from difflab.report.stats import num, sentence, slope_words, tail_slope

QUESTION = ("How fast does a symbolic derivative grow with the depth of the function, before and after "
            "common-subexpression elimination, compared with the tape that automatic differentiation uses?")

PRESETS = {
    "quick": {"nested_sin": [1, 2, 4, 8, 16, 32, 64], "sincos": [1, 2, 3, 4, 6, 8, 10, 12],
              "logistic": [1, 2, 3, 4, 6, 8, 10, 12], "mlp": [1, 2, 3, 4, 5, 6], "mlp_width": 3},
    "full": {"nested_sin": [1, 2, 4, 8, 16, 32, 64, 128, 256], "sincos": [1, 2, 3, 4, 6, 8, 10, 12, 16, 20],
             "logistic": [1, 2, 3, 4, 6, 8, 10, 12, 16, 20], "mlp": [1, 2, 3, 4, 5, 6, 7, 8], "mlp_width": 4},
}

FAMILIES = {
    "nested_sin": ("sin(sin(…sin(x)))", lambda x: dnp.sin(x)),
    "sincos": ("x ← sin(x)·cos(x)", lambda x: dnp.sin(x) * dnp.cos(x)),
    "logistic": ("logistic map x ← 4x(1−x)", lambda x: 4.0 * x * (1.0 - x)),
}


def cells(config):
    return [{"family": fam, "depth": d, "width": config["mlp_width"]} if fam == "mlp" else {"family": fam, "depth": d}
            for fam in ("nested_sin", "sincos", "logistic", "mlp") for d in config[fam]]


def _composition(step, depth):
    def f(x):
        for _ in range(depth):
            x = step(x)
        return x

    return f


def _mlp(depth, width, rng):
    """A width×width tanh network on one fixed input; the gradient is taken w.r.t. all parameters."""
    x0 = np.linspace(-1.0, 1.0, width)
    size = width * width + width

    def loss(params):
        h = x0
        for k in range(depth):
            W = dnp.reshape(params[k * size:k * size + width * width], (width, width))
            h = dnp.tanh(W @ h + params[k * size + width * width:(k + 1) * size])
        return dnp.sum(h * h)

    return loss, rng.standard_normal(depth * size) * 0.5


def run_cell(cell, seed):
    if cell["family"] == "mlp":
        f, x = _mlp(cell["depth"], cell["width"], np.random.default_rng(seed))
    else:
        f, x = _composition(FAMILIES[cell["family"]][1], cell["depth"]), 0.3
    t0 = time.perf_counter()
    sym = dl.prepare(f, x, method="symbolic")
    sym.jacobian(x)  # lambdify happens on first use: part of the preparation
    prepare_seconds = time.perf_counter() - t0
    sizes = sym.prepared.expression_size("jacobian")
    rev = dl.prepare(f, x, method="reverse")
    rev.grad(x)
    EvalCounter.eqns = 0
    rev.grad(x)
    return {**sizes, "reverse_eqns": EvalCounter.eqns, "prepare_seconds": prepare_seconds,
            "inputs": int(np.size(x))}


# -- summary and figures: read the results only ---------------------------------------------------

FAMILY_NAMES = {**{k: v[0] for k, v in FAMILIES.items()}, "mlp": "tanh MLP, d layers (gradient w.r.t. parameters)"}


def _series(results, family, key):
    rows = sorted(results.where(family=family), key=lambda r: r["cell"]["depth"])
    return [r["cell"]["depth"] for r in rows], [r["metrics"][key] for r in rows]


def _growth_per_level(depth, size) -> float:
    """exp of the slope of log(size) vs depth over the deeper half: the exponential growth factor."""
    d, s = np.asarray(depth, float), np.asarray(size, float)
    keep = d >= np.median(d)
    return float(math.exp(np.polyfit(d[keep], np.log(s[keep]), 1)[0])) if keep.sum() > 1 else float("nan")


def summarize(results):
    out = {}
    for fam in results.unique("family"):
        d, naive = _series(results, fam, "naive")
        _, cse = _series(results, fam, "cse")
        _, tape = _series(results, fam, "tape")
        _, sec = _series(results, fam, "prepare_seconds")
        out[fam] = {"naive_slope": tail_slope(d, naive), "naive_growth_per_level": _growth_per_level(d, naive),
                    "cse_slope": tail_slope(d, cse), "tape_slope": tail_slope(d, tape),
                    "max_depth": d[-1], "naive_at_max": naive[-1], "cse_at_max": cse[-1], "tape_at_max": tape[-1],
                    "cse_reduction_at_max": naive[-1] / cse[-1], "prepare_seconds_at_max": sec[-1]}
    return out


def _describe(fam, s):
    g = s[fam]
    naive = (f"grows ×{num(g['naive_growth_per_level'])} per level (exponential)"
             if g["naive_growth_per_level"] > 1.5 and g["naive_slope"] > 2.5 else slope_words(g["naive_slope"], "depth"))
    return (f"{FAMILY_NAMES[fam]}: the naive derivative {naive}; after CSE it is {slope_words(g['cse_slope'], 'depth')}, "
            f"{num(g['cse_reduction_at_max'])}× smaller at depth {g['max_depth']}")


def figures(results, summary):
    fams = results.unique("family")
    fig, axes = new_figure(ncols=2, nrows=(len(fams) + 1) // 2, width=4.8, height=3.4)
    for ax, fam in zip(axes.ravel(), fams):
        d = _series(results, fam, "naive")[0]
        for key, label, style in (("naive", "symbolic, naive", {"ls": "--"}), ("cse", "symbolic, after CSE", {}),
                                  ("tape", "IR tape of f", {"method": "exact"}),
                                  ("reverse_eqns", "reverse-mode gradient (equations)", {"method": "reverse"})):
            method = style.pop("method", "symbolic")
            plot_method(ax, d, _series(results, fam, key)[1], method, fit=False, label=label, **style)
        ax.set(yscale="log", xlabel="depth d (levels)", ylabel="size (operations / equations)", title=FAMILY_NAMES[fam])
        if max(d) >= 16 * min(d):  # doubling depths: a log axis spaces them evenly
            ax.set_xscale("log")
        data_ticks(ax.xaxis, d)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(fams):]:
        ax.set_visible(False)
    sizes = FigureSpec(
        "derivative_size", fig, "Size of the derivative vs depth",
        "For each family, the symbolic derivative's operation count before and after common-subexpression "
        "elimination, the IR's tape length of f and the equations one reverse-mode gradient executes (log y).",
        sentence(["family by family: " + "; ".join(_describe(f, summary) for f in fams)]))
    fig, axes = new_figure()
    ax = axes[0, 0]
    for i, fam in enumerate(fams):
        d, sec = _series(results, fam, "prepare_seconds")
        ax.plot(d, sec, marker="os^D"[i % 4], label=FAMILY_NAMES[fam])
    ax.set(yscale="log", xlabel="depth d (levels)", ylabel="symbolic preparation (s)",
           title="SymPy: trace → expressions → diff → lambdify")
    ax.legend(fontsize=7)
    slowest = max(fams, key=lambda f: summary[f]["prepare_seconds_at_max"])
    g = summary[slowest]
    timing = FigureSpec(
        "prepare_time", fig, "Symbolic preparation time vs depth",
        "Wall time to build the SymPy expressions, differentiate them and lambdify the result with CSE, per family.",
        f"The slowest preparation at the deepest level is {FAMILY_NAMES[slowest]}: {num(g['prepare_seconds_at_max'])} s "
        f"at depth {g['max_depth']}, for a derivative of {num(g['naive_at_max'])} operations before CSE and "
        f"{num(g['cse_at_max'])} after, from a tape of {g['tape_at_max']} equations.")
    return [sizes, timing]


if __name__ == "__main__":
    from difflab.runner import main

    raise SystemExit(main(__file__))
