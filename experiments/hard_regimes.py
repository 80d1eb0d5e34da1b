"""Hard regimes: kinks, ill-conditioning and a function computed by an iterative solver.

Kinks: at relu/abs/max/min's non-differentiable points symbolic, forward and reverse apply one
convention table (each op's registry entry documents it); numeric holds each registered kink on the
piece it is on at x (the registry's `piecewise`), so it returns the table's value at the kink and the
one-sided derivative beside it: its stencil never straddles a kink the graph can see.
Ill-conditioning: (1 − cos x)/x² near 0 loses digits to cancellation; every method differentiates
the same float64 program, so each inherits the round-off (against the 40-digit derivative).
Iterative solver: y(a) solves y = a·cos(y) by k fixed-point steps; differentiating the unrolled
steps converges to the implicit-function derivative cos y / (1 + a sin y) as k grows.
"""

from __future__ import annotations

import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.reference import reference
from difflab.report.figures import FigureSpec, method_style, new_figure
from difflab.report.stats import num, sentence

QUESTION = (
    "What does each method return at a kink, how much accuracy does it lose on an ill-conditioned "
    "function, and does differentiating through an iterative solver give the solution's derivative?"
)

PRESETS = {
    "quick": {
        "kink_offsets": [-12, -10, -8, -6, -5, -4, -2],
        "ill_x": [-1, -2, -3, -4, -5, -6, -7],
        "iterations": [1, 2, 4, 8, 16, 32, 64],
        "solver_a": 0.7,
    },
    "full": {
        "kink_offsets": [-14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2],
        "ill_x": [-1, -1.5, -2, -2.5, -3, -3.5, -4, -4.5, -5, -5.5, -6, -6.5, -7, -7.5],
        "iterations": [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128],
        "solver_a": 0.7,
    },
}

METHODS = ("symbolic", "numeric", "forward", "reverse")

#: kink cases: name -> (the registry op whose convention applies, f, the kink point)
KINKS = {
    "relu at 0": ("relu", lambda x: dnp.relu(x), 0.0),
    "abs at 0": ("abs", lambda x: dnp.abs(x), 0.0),
    "max(x, 1) at the tie x = 1": ("maximum", lambda x: dnp.maximum(x, 1.0), 1.0),
    "min(x, 1) at the tie x = 1": ("minimum", lambda x: dnp.minimum(x, 1.0), 1.0),
}


#: numeric's stencil straddles the kink when its derivative is off the one-sided one by more than this
STRADDLE = 0.01


def ill_conditioned(x):
    """(1 − cos x)/x²: → 1/2 as x → 0, computed with catastrophic cancellation in float64."""
    return (1.0 - dnp.cos(x)) / (x * x)


def solver(k):
    def y_of(a):
        y = a
        for _ in range(k):
            y = a * dnp.cos(y)
        return y

    return y_of


def cells(config):
    out = [{"part": "kink", "case": c, "offsets": config["kink_offsets"]} for c in KINKS]
    out += [{"part": "ill", "log10_x": e} for e in config["ill_x"]]
    out += [{"part": "solver", "k": k, "a": config["solver_a"]} for k in config["iterations"]]
    return out


def _grads(f, x):
    out = {}
    for m in METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out[m] = float(dl.grad(f, method=m)(x))
            except Exception as err:  # a method refusing a point is a result
                out[m] = f"{type(err).__name__}: {err}"
    return out


def run_cell(cell, seed):
    if cell["part"] == "kink":
        op, f, x0 = KINKS[cell["case"]]
        off = [10.0**e for e in cell["offsets"]]
        return {
            "at_kink": _grads(f, x0),
            "convention": dl.REGISTRY[op].doc,
            "offsets": off,
            "right": [_grads(f, x0 + d) for d in off],
            "left": [_grads(f, x0 - d) for d in off],
        }
    if cell["part"] == "ill":
        x = 10.0 ** cell["log10_x"]
        exact = float(reference(ill_conditioned, x, how="symbolic").value[0, 0])  # the shared policy
        return {"x": x, "exact": exact, "grads": _grads(ill_conditioned, x)}
    a, k = cell["a"], cell["k"]
    y = float(solver(k)(a))
    y_star = a
    for _ in range(10_000):  # the fixed point to float64 accuracy (a contraction for |a| < 1)
        y_star = a * np.cos(y_star)
    implicit = np.cos(y_star) / (1.0 + a * np.sin(y_star))
    return {"y": y, "y_star": float(y_star), "implicit": float(implicit), "grads": _grads(solver(k), a)}


# -- summary and figures: read the results only ---------------------------------------------------


def _rel(v, exact):
    return abs(v - exact) / abs(exact) if isinstance(v, float) else None


def summarize(results):
    kinks = {}
    for r in results.where(part="kink"):
        g = r["metrics"]["at_kink"]
        ad = {m: g[m] for m in ("symbolic", "forward", "reverse")}
        wrong = [
            d
            for d, right, left in zip(r["metrics"]["offsets"], r["metrics"]["right"], r["metrics"]["left"])
            if abs(right["numeric"] - right["reverse"]) > STRADDLE or abs(left["numeric"] - left["reverse"]) > STRADDLE
        ]
        kinks[r["cell"]["case"]] = {
            "ad": ad,
            "ad_agree": len(set(map(str, ad.values()))) == 1,
            "numeric": g["numeric"],
            "convention": r["metrics"]["convention"],
            "numeric_off_until": max(wrong) if wrong else None,
        }
    ill = {m: [] for m in METHODS}
    xs = []
    for r in sorted(results.where(part="ill"), key=lambda r: r["cell"]["log10_x"]):
        xs.append(r["metrics"]["x"])
        for m in METHODS:
            ill[m].append(_rel(r["metrics"]["grads"][m], r["metrics"]["exact"]))
    rows = sorted(results.where(part="solver"), key=lambda r: r["cell"]["k"])
    solver_s = {
        "k": [r["cell"]["k"] for r in rows],
        "value_error": [abs(r["metrics"]["y"] - r["metrics"]["y_star"]) for r in rows],
        "grad_error": {m: [_rel(r["metrics"]["grads"][m], r["metrics"]["implicit"]) for r in rows] for m in METHODS},
    }
    return {"kinks": kinks, "ill": {"x": xs, "relative_error": ill}, "solver": solver_s}


#: a largest relative error above this (half of float64's digits) is a method losing digits to round-off
LOST = 1e-8


def ill_title(worst: dict) -> str:
    """The ill-conditioning figure's title, its claim computed: "every method inherits the program's round-off" was
    typed in, true of what was measured only while every method's largest error stays above `LOST`.

    >>> ill_title({"symbolic": 9.6e11, "numeric": 1.2e15}), ill_title({"symbolic": 1e-16, "numeric": 1e-6})
    ("Ill-conditioning: every method inherits the program's round-off", 'Ill-conditioning: round-off near x = 0')
    """
    if worst and all(v is not None and v > LOST for v in worst.values()):
        return "Ill-conditioning: every method inherits the program's round-off"
    return "Ill-conditioning: round-off near x = 0"


def figures(results, summary):
    specs = []
    k = summary["kinks"]
    fig, axes = new_figure(ncols=2, width=4.8, height=3.6)
    ax = axes[0, 0]
    cases = list(k)
    ax.set_axis_off()
    table = ax.table(
        cellText=[
            [
                num(k[c]["ad"]["reverse"]),
                "yes" if k[c]["ad_agree"] else "no",
                num(k[c]["numeric"]) if isinstance(k[c]["numeric"], float) else "refused",
            ]
            for c in cases
        ],
        rowLabels=cases,
        colLabels=["symbolic = forward\n= reverse", "all three\nagree", "numeric"],
        loc="center",
        cellLoc="center",
    )
    table.scale(1.0, 1.6)
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    ax.set_title("Derivative returned at the kink")
    ax = axes[0, 1]
    # relu, abs and max(x, 1) lie on one line at 1: each case its own dash and marker, so all stay visible
    for i, r in enumerate(results.where(part="kink")):
        m = r["metrics"]
        ax.plot(
            m["offsets"],
            [g["numeric"] for g in m["right"]],
            marker="osD^v"[i % 5],
            ms=7 - i % 5,
            ls=("-", "--", ":", "-.")[i % 4],
            fillstyle="none",
            label=f"{r['cell']['case']}, right",
        )
    ax.set(
        xscale="log",
        xlabel="distance d from the kink (f′ evaluated at kink + d)",
        ylabel="numeric's f′",
        title="Numeric just right of a kink",
    )
    ax.legend(fontsize=6)
    parts = [
        f"{c}: symbolic, forward and reverse {'all' if k[c]['ad_agree'] else 'do not all'} return "
        f'{num(k[c]["ad"]["reverse"])} (registry: "{k[c]["convention"]}"), numeric returns '
        f"{num(k[c]['numeric']) if isinstance(k[c]['numeric'], float) else k[c]['numeric']}"
        + (
            f" and is off the one-sided derivative by more than {num(STRADDLE)} up to a distance "
            f"{num(k[c]['numeric_off_until'])} from the kink (its stencil straddles it)"
            if k[c]["numeric_off_until"]
            else ""
        )
        for c in cases
    ]
    specs.append(
        FigureSpec(
            "kinks",
            fig,
            "Kinks: the convention against what numeric returns",
            "Left: each method's derivative exactly at a kink (relu, abs, ties of max/min). Right: "
            "numeric's derivative a distance d to the right of the kink, where the exact derivative is "
            "the one-sided one.",
            sentence(parts),
        )
    )
    ill = summary["ill"]
    fig, axes = new_figure(width=5.0, height=3.8)
    ax = axes[0, 0]
    for m in METHODS:
        pts = [(x, max(e, 1e-17)) for x, e in zip(ill["x"], ill["relative_error"][m]) if e is not None]
        if pts:
            st = method_style(m)
            ax.plot(
                *zip(*pts), ls={"symbolic": "-", "numeric": "-.", "forward": "--", "reverse": ":"}[m], mfc="none", **st
            )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="x",
        ylabel="relative error of f′(x) (vs 40 digits)",
        title="(1 − cos x)/x²: round-off near x = 0",
    )
    ax.invert_xaxis()
    ax.legend(fontsize=7)
    worst = {m: max((e for e in ill["relative_error"][m] if e is not None), default=None) for m in METHODS}
    specs.append(
        FigureSpec(
            "ill_conditioning",
            fig,
            ill_title(worst),
            "Relative error of f′(x) for f(x) = (1 − cos x)/x² as x → 0, against the 40-digit symbolic derivative "
            "(errors of exactly 0 drawn at 1e-17).",
            f"At x = {num(ill['x'][0])} the relative errors are "
            + ", ".join(
                f"{m} {num(ill['relative_error'][m][0])}" for m in METHODS if ill["relative_error"][m][0] is not None
            )
            + "; the largest over the sweep: "
            + ", ".join(f"{m} {num(v)}" for m, v in worst.items() if v is not None)
            + ".",
        )
    )
    s = summary["solver"]
    fig, axes = new_figure(width=5.0, height=3.8)
    ax = axes[0, 0]
    ax.plot(s["k"], np.maximum(s["value_error"], 1e-17), color="#444444", marker="*", label="|y_k − y*| (value)")
    for m in METHODS:
        pts = [(kk, max(e, 1e-17)) for kk, e in zip(s["k"], s["grad_error"][m]) if e is not None]
        if pts:
            ax.plot(
                *zip(*pts),
                ls={"symbolic": "-", "numeric": "-.", "forward": "--", "reverse": ":"}[m],
                mfc="none",
                **{**method_style(m), "label": f"{m}: dy_k/da vs implicit"},
            )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="fixed-point iterations k",
        ylabel="error (value: absolute; derivative: relative)",
        title=f"y = a·cos(y), a = {results.where(part='solver')[0]['cell']['a']}",
    )
    ax.legend(fontsize=6)
    last = {m: s["grad_error"][m][-1] for m in METHODS}
    specs.append(
        FigureSpec(
            "iterative_solver",
            fig,
            "Differentiating through an iterative solver",
            "Error of the unrolled solver's value and of each method's derivative of it against the fixed point y* and "
            "the implicit-function derivative cos y*/(1 + a sin y*), as the number of iterations k grows (errors of "
            "exactly 0 drawn at 1e-17).",
            f"After {s['k'][0]} iteration(s) the value is off by {num(s['value_error'][0])} and reverse's derivative by "
            f"{num(s['grad_error']['reverse'][0])} (relative); after {s['k'][-1]} the value is off by "
            f"{num(s['value_error'][-1])} and the derivatives by "
            + ", ".join(f"{m} {num(v)}" for m, v in last.items() if v is not None)
            + ".",
        )
    )
    return specs


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
