"""Expression swell: how large a symbolic derivative gets with depth, without and with CSE.

Families of depth d: nested sin, x ← sin(x)·cos(x), the logistic map x ← 4x(1−x), and a small
tanh MLP with d layers. Counts are SymPy operation counts (`Prepared.expression_size`: "naive" is
difflab's reverse-accumulation program inlined into one expression tree, "cse" the program with
its common subexpressions shared), the IR's tape length and the equations reverse mode executes.
The baseline is plain SymPy: `sympy.diff` of the function written out as one SymPy expression, its
size as a tree (every repeated subexpression counted again; `count_ops` where it is affordable) and
as a DAG (each distinct subexpression once). What swell costs is timed with `Symbolic(cse=False)`:
its preparation and one gradient, run while the measured naive size stays within a budget.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import sympy as sp

import difflab as dl
import difflab.numpy as dnp
from difflab.report.figures import FigureSpec, data_ticks, new_figure, plot_method
from difflab.report.stats import num, sentence, slope_words, tail_slope

QUESTION = (
    "How fast does a symbolic derivative grow with the depth of the function, before and after "
    "common-subexpression elimination, compared with the tape that automatic differentiation uses?"
)

PRESETS = {
    "quick": {
        "nested_sin": [1, 2, 4, 8, 16, 32, 64],
        "sincos": [1, 2, 3, 4, 6, 8, 10, 12],
        "logistic": [1, 2, 3, 4, 6, 8, 10, 12],
        "mlp": [1, 2, 3, 4, 5, 6],
        "mlp_width": 3,
        "nocse_max_ops": 20000,
        "count_ops_max_nodes": 200000,
        "sympy_max_f_nodes": 5000,
    },
    "full": {
        "nested_sin": [1, 2, 4, 8, 16, 32, 64, 128, 256],
        "sincos": [1, 2, 3, 4, 6, 8, 10, 12, 16, 20],
        "logistic": [1, 2, 3, 4, 6, 8, 10, 12, 16, 20],
        "mlp": [1, 2, 3, 4, 5, 6, 7, 8],
        "mlp_width": 4,
        "nocse_max_ops": 100000,
        "count_ops_max_nodes": 200000,
        "sympy_max_f_nodes": 20000,
    },
}

#: name -> (label, one level with difflab, the same level with SymPy: the written-out baseline)
FAMILIES = {
    "nested_sin": ("sin(sin(…sin(x)))", lambda x: dnp.sin(x), lambda x: sp.sin(x)),
    "sincos": ("x ← sin(x)·cos(x)", lambda x: dnp.sin(x) * dnp.cos(x), lambda x: sp.sin(x) * sp.cos(x)),
    "logistic": ("logistic map x ← 4x(1−x)", lambda x: 4.0 * x * (1.0 - x), lambda x: 4 * x * (1 - x)),
}


#: gradient calls of the cse=False code timed per cell (the fastest is reported: other work only adds time)
GRAD_CALLS = 5


def cells(config):
    budget = {k: config[k] for k in ("nocse_max_ops", "count_ops_max_nodes", "sympy_max_f_nodes")}
    return [
        dict(budget, family=fam, depth=d, **({"width": config["mlp_width"]} if fam == "mlp" else {}))
        for fam in ("nested_sin", "sincos", "logistic", "mlp")
        for d in config[fam]
    ]


def tree_nodes(expr) -> int:
    """Nodes of a SymPy expression counted as a tree (shared subexpressions counted each time they
    occur), computed over the DAG so that a tree of 10^9 nodes costs no more than its DAG.

    >>> x = sp.Symbol("x"); e = sp.sin(x) * sp.sin(x + 1)
    >>> tree_nodes(e), dag_nodes(e)  # x occurs twice: 7 nodes as a tree, 6 distinct ones
    (7, 6)
    """
    memo: dict = {}

    def count(e):
        if e not in memo:
            memo[e] = 1 + sum(count(a) for a in e.args)
        return memo[e]

    return count(expr)


def dag_nodes(expr) -> int:
    """Distinct subexpressions of a SymPy expression (its size as a DAG)."""
    seen: set = set()
    stack = [expr]
    while stack:
        e = stack.pop()
        if e not in seen:
            seen.add(e)
            stack.extend(e.args)
    return len(seen)


def sympy_baseline(family, depth, count_ops_max_nodes, max_f_nodes) -> dict:
    """sympy.diff of the family written out as one SymPy expression: sizes and the time diff took.

    sympy.diff walks the expression as a tree, so it runs only while the written-out f (measured
    first, as a tree) has at most `max_f_nodes` nodes; otherwise only f's size is returned.
    """
    x = sp.Symbol("x")
    f = x
    for _ in range(depth):
        f = FAMILIES[family][2](f)
    if tree_nodes(f) > max_f_nodes:
        return {
            "f_tree": tree_nodes(f),
            "sympy_tree": None,
            "sympy_dag": None,
            "sympy_diff_seconds": None,
            "sympy_ops": None,
        }
    t0 = time.perf_counter()
    try:
        df = sp.diff(f, x)
    except RecursionError:  # sympy.diff recurses once per level: deep compositions exceed Python's stack limit
        return {
            "f_tree": tree_nodes(f),
            "sympy_tree": None,
            "sympy_dag": None,
            "sympy_diff_seconds": None,
            "sympy_ops": None,
            "sympy_refused": f"sympy.diff exceeded Python's recursion limit ({sys.getrecursionlimit()})",
        }
    seconds = time.perf_counter() - t0
    tree = tree_nodes(df)
    return {
        "sympy_tree": tree,
        "sympy_dag": dag_nodes(df),
        "sympy_diff_seconds": seconds,
        "sympy_ops": int(sp.count_ops(df)) if tree <= count_ops_max_nodes else None,
        "f_tree": tree_nodes(f),
    }


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
            W = dnp.reshape(params[k * size : k * size + width * width], (width, width))
            h = dnp.tanh(W @ h + params[k * size + width * width : (k + 1) * size])
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
    before = rev.cost.eqns
    rev.grad(x)
    out = {
        **sizes,
        "reverse_eqns": rev.cost.eqns - before,
        "prepare_seconds": prepare_seconds,
        "inputs": int(np.size(x)),
    }
    if cell["family"] in FAMILIES:
        out.update(
            sympy_baseline(cell["family"], cell["depth"], cell["count_ops_max_nodes"], cell["sympy_max_f_nodes"])
        )
    # swell's cost: Symbolic without CSE prints the whole tree, so it runs only within the budget
    out["nocse"] = None
    if sizes["naive"] <= cell["nocse_max_ops"]:
        t0 = time.perf_counter()
        try:
            plain = dl.prepare(f, x, method=dl.Symbolic(cse=False))
            plain.grad(x)
        except dl.NotDifferentiableError as err:  # nested beyond what Python compiles: the library says so
            out["nocse_refused"] = str(err)
            return out
        prepared = time.perf_counter() - t0
        # the fastest of GRAD_CALLS calls: one call read 12.4 ms at depth 6 of x ← sin(x)·cos(x) (quick, seed 0, a
        # shared core) where the other runs read 0.26–0.29 ms; a preempted call is only ever slower
        calls = []
        for _ in range(GRAD_CALLS):
            t0 = time.perf_counter()
            plain.grad(x)
            calls.append(time.perf_counter() - t0)
        out["nocse"] = {"prepare_seconds": prepared, "grad_seconds": float(np.min(calls)), "grad_calls": calls}
    return out


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


def _fastest_call(nocse: dict) -> float:
    """The cse=False code's fastest timed gradient call (a run with one call kept only that one's grad_seconds)."""
    calls = nocse.get("grad_calls")
    return float(min(calls)) if calls else nocse["grad_seconds"]


def summarize(results):
    out = {}
    for fam in results.unique("family"):
        d, naive = _series(results, fam, "naive")
        _, cse = _series(results, fam, "cse")
        _, tape = _series(results, fam, "tape")
        _, sec = _series(results, fam, "prepare_seconds")
        g = {
            "naive_slope": tail_slope(d, naive),
            "naive_growth_per_level": _growth_per_level(d, naive),
            "cse_slope": tail_slope(d, cse),
            "tape_slope": tail_slope(d, tape),
            "max_depth": d[-1],
            "naive_at_max": naive[-1],
            "cse_at_max": cse[-1],
            "tape_at_max": tape[-1],
            "cse_reduction_at_max": naive[-1] / cse[-1],
            "prepare_seconds_at_max": sec[-1],
        }
        if fam in FAMILIES:
            rows = [
                r
                for r in sorted(results.where(family=fam), key=lambda r: r["cell"]["depth"])
                if r["metrics"]["sympy_tree"] is not None
            ]
            sd = [r["cell"]["depth"] for r in rows]
            tree, dag = [r["metrics"]["sympy_tree"] for r in rows], [r["metrics"]["sympy_dag"] for r in rows]
            over = [
                r
                for r in results.where(family=fam)
                if r["metrics"]["sympy_tree"] is None and not r["metrics"].get("sympy_refused")
            ]
            refused = [r for r in results.where(family=fam) if r["metrics"].get("sympy_refused")]
            last = rows[-1]["metrics"]
            g.update(
                sympy_depth=sd[-1],
                sympy_tree_at_max=tree[-1],
                sympy_dag_at_max=dag[-1],
                sympy_tree_slope=tail_slope(sd, tree),
                sympy_tree_growth_per_level=_growth_per_level(sd, tree),
                sympy_dag_slope=tail_slope(sd, dag),
                sympy_diff_seconds=last["sympy_diff_seconds"],
                naive_over_sympy_tree=rows[-1]["metrics"]["naive"] / tree[-1],
                sympy_budget=rows[-1]["cell"]["sympy_max_f_nodes"],
                sympy_first_over=min((r["cell"]["depth"] for r in over), default=None),
                sympy_first_over_f_nodes=min((r["metrics"]["f_tree"] for r in over), default=None),
                sympy_first_refused=min((r["cell"]["depth"] for r in refused), default=None),
                sympy_refused_reason=refused[0]["metrics"]["sympy_refused"] if refused else None,
            )
        rows = sorted(results.where(family=fam), key=lambda r: r["cell"]["depth"])
        ran = [r for r in rows if r["metrics"]["nocse"]]
        refused = [r for r in rows if r["metrics"].get("nocse_refused")]
        skipped = [r for r in rows if not r["metrics"]["nocse"] and not r["metrics"].get("nocse_refused")]
        g["nocse"] = {
            "budget_ops": rows[0]["cell"]["nocse_max_ops"],
            "max_depth_run": ran[-1]["cell"]["depth"] if ran else None,
            "prepare_seconds": ran[-1]["metrics"]["nocse"]["prepare_seconds"] if ran else None,
            # the fastest call (runs before it kept the median as grad_seconds; their calls are kept too)
            "grad_seconds": _fastest_call(ran[-1]["metrics"]["nocse"]) if ran else None,
            "grad_calls": len(ran[-1]["metrics"]["nocse"].get("grad_calls", ())) if ran else None,
            "first_skipped_depth": skipped[0]["cell"]["depth"] if skipped else None,
            "first_skipped_naive": skipped[0]["metrics"]["naive"] if skipped else None,
            "first_refused_depth": refused[0]["cell"]["depth"] if refused else None,
            "refused_reason": refused[0]["metrics"]["nocse_refused"] if refused else None,
        }
        out[fam] = g
    return out


def _growth(g, key_slope, key_growth, var="depth"):
    """A verb phrase for the sentence's subject: "grows ×4 per level (exponential)" or "is linear in depth ..."."""
    return (
        f"grows ×{num(g[key_growth])} per level (exponential)"
        if g[key_growth] > 1.5 and g[key_slope] > 2.5
        else f"is {slope_words(g[key_slope], var)}"
    )


def _describe(fam, s):
    g = s[fam]
    text = f"{FAMILY_NAMES[fam]}: "
    if "sympy_tree_at_max" in g:
        text += (
            f"sympy.diff of the written-out function {_growth(g, 'sympy_tree_slope', 'sympy_tree_growth_per_level')} "
            f"as a tree ({num(g['sympy_tree_at_max'])} nodes at depth {g['sympy_depth']}, "
            f"diff in {num(g['sympy_diff_seconds'])} s, one timing) "
            f"but is {slope_words(g['sympy_dag_slope'], 'depth')} as a DAG "
            f"({g['sympy_dag_at_max']} nodes)"
            + (
                f", not run from depth {g['sympy_first_over']} (written-out f of {num(g['sympy_first_over_f_nodes'])} "
                f"nodes > budget {num(g['sympy_budget'])})"
                if g["sympy_first_over"]
                else ""
            )
            + (
                f", failed from depth {g['sympy_first_refused']} ({g['sympy_refused_reason']})"
                if g.get("sympy_first_refused")
                else ""
            )
            + "; "
        )
    text += (
        f"difflab's inlined program {_growth(g, 'naive_slope', 'naive_growth_per_level')}"
        + (
            f" ({num(g['naive_over_sympy_tree'])}× SymPy's tree at depth {g['sympy_depth']})"
            if "sympy_tree_at_max" in g
            else ""
        )
        + f", after CSE it is {slope_words(g['cse_slope'], 'depth')}, {num(g['cse_at_max'])} operations"
    )
    return text


def _short(fam) -> str:
    """A family's name in a legend: its label, the MLP's without the parenthesis (a code key, "nested_sin", read as
    code)."""
    return FAMILY_NAMES[fam].split(" (")[0]


def _cost_text(summary, fams):
    """The timing figure's conclusion, each family under its display name (its key, "nested_sin", read as code)."""
    parts = []
    for fam in fams:
        n = summary[fam]["nocse"]
        if n["max_depth_run"] is None:
            continue
        text = (
            f"on {FAMILY_NAMES[fam]} it takes {num(n['prepare_seconds'])} s to prepare and "
            f"{num(1e3 * n['grad_seconds'])} ms per gradient at depth {n['max_depth_run']}"
            + (f" (fastest of {n['grad_calls']} calls)" if n.get("grad_calls") else "")
        )
        if n["first_skipped_depth"] is not None:
            text += (
                f" and was not run from depth {n['first_skipped_depth']}, whose inlined derivative measured "
                f"{num(n['first_skipped_naive'])} operations, over the budget of {num(n['budget_ops'])}"
            )
        if n.get("first_refused_depth") is not None:
            text += f"; from depth {n['first_refused_depth']} the library refuses it: {n['refused_reason']}"
        parts.append(text)
    if parts:
        parts[0] = "Symbolic(cse=False), family by family (preparation: one timing each): " + parts[0]
    # one cold timing a family, at different depths: listed, not ranked (seed 1 named sin(sin(…)) "the slowest" at
    # 0.0192 s against the MLP's 0.0189 s, seed 7 the MLP at 0.0237 s against 0.0147 s)
    times = ", ".join(
        f"{FAMILY_NAMES[f]} {num(summary[f]['prepare_seconds_at_max'])} s (depth {summary[f]['max_depth']})"
        for f in fams
    )
    parts.append(f"with CSE, preparing at each family's deepest level took (one cold timing each): {times}")
    return sentence(parts)


def _plot_series(ax, results, fam, key, label, method, **style):
    d, y = _series(results, fam, key)
    keep = [(a, b) for a, b in zip(d, y) if b is not None]
    if keep:
        plot_method(ax, *zip(*keep), method, fit=False, label=label, **style)


def figures(results, summary):
    fams = results.unique("family")
    fig, axes = new_figure(ncols=2, nrows=(len(fams) + 1) // 2, width=4.8, height=3.6)
    for ax, fam in zip(axes.ravel(), fams):
        d = _series(results, fam, "naive")[0]
        if fam in FAMILIES:
            _plot_series(ax, results, fam, "sympy_tree", "sympy.diff, tree nodes", "exact", ls="-", marker="v")
            _plot_series(ax, results, fam, "sympy_dag", "sympy.diff, DAG nodes", "exact", ls="--", marker="^")
        _plot_series(ax, results, fam, "naive", "difflab symbolic, inlined (no CSE)", "symbolic", ls="--")
        _plot_series(ax, results, fam, "cse", "difflab symbolic, after CSE", "symbolic")
        _plot_series(ax, results, fam, "tape", "IR tape of f (equations)", "forward", ls=":")
        _plot_series(ax, results, fam, "reverse_eqns", "reverse-mode gradient (equations)", "reverse", ls="-.")
        ax.set(
            yscale="log",
            xlabel="depth d (levels)",
            ylabel="size (nodes / operations / equations)",
            title=FAMILY_NAMES[fam],
        )
        if max(d) >= 16 * min(d):  # doubling depths: a log axis spaces them evenly
            ax.set_xscale("log")
        data_ticks(ax.xaxis, d)
        ax.legend(fontsize=6)
    for ax in axes.ravel()[len(fams) :]:
        ax.set_visible(False)
    sizes = FigureSpec(
        "derivative_size",
        fig,
        "Size of the derivative vs depth, against plain SymPy",
        "For each family: sympy.diff of the function written out as one expression, counted as a tree and as a DAG "
        "(the baseline; not drawn for the MLP); difflab's symbolic derivative inlined into one tree (no CSE) and "
        "after common-subexpression elimination; the IR's tape of f and the equations one reverse-mode gradient "
        "executes (log y).",
        sentence(["family by family: " + "; ".join(_describe(f, summary) for f in fams)]),
    )
    fig, axes = new_figure(ncols=2, width=4.6, height=3.6)
    markers = "os^D"
    for i, fam in enumerate(fams):
        d, sec = _series(results, fam, "prepare_seconds")
        axes[0, 0].plot(d, sec, marker=markers[i % 4], ls="-", label=f"{_short(fam)}, with CSE")
        base = [
            (r["cell"]["depth"], r["metrics"].get("sympy_diff_seconds"))
            for r in sorted(results.where(family=fam), key=lambda r: r["cell"]["depth"])
        ]
        base = [b for b in base if b[1] is not None]
        if base:
            axes[0, 0].plot(
                *zip(*base),
                marker=markers[i % 4],
                ls=":",
                ms=3,
                color=axes[0, 0].lines[-1].get_color(),
                label=f"{_short(fam)}, sympy.diff of written-out f",
            )
        rows = [r for r in sorted(results.where(family=fam), key=lambda r: r["cell"]["depth"]) if r["metrics"]["nocse"]]
        if rows:
            dd = [r["cell"]["depth"] for r in rows]
            color = axes[0, 0].lines[-1].get_color()
            axes[0, 0].plot(
                dd,
                [r["metrics"]["nocse"]["prepare_seconds"] for r in rows],
                marker=markers[i % 4],
                ls="--",
                mfc="none",
                color=color,
                label=f"{_short(fam)}, cse=False",
            )
            axes[0, 1].plot(
                dd,
                [1e3 * _fastest_call(r["metrics"]["nocse"]) for r in rows],
                marker=markers[i % 4],
                ls="--",
                mfc="none",
                color=color,
                label=f"{_short(fam)}, cse=False",
            )
    axes[0, 0].set(
        yscale="log",
        xlabel="depth d (levels)",
        ylabel="symbolic preparation (s)",
        title="Preparation: trace → SymPy → diff → lambdify",
    )
    axes[0, 1].set(
        yscale="log",
        xlabel="depth d (levels)",
        ylabel="one gradient (ms)",
        title="Per-gradient time of Symbolic(cse=False)",
    )
    for ax in axes[0]:
        ax.set_xscale("log")
        # the depths of the family that goes deepest (sin's powers of two): every family's depths, 12 of them, crowd
        deepest = max(fams, key=lambda f: max(_series(results, f, "prepare_seconds")[0]))
        data_ticks(ax.xaxis, _series(results, deepest, "prepare_seconds")[0])
        # below the axes: inside, the legend hid the deepest points (sympy.diff at depth 64, top right)
        ax.legend(fontsize=6, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    timing = FigureSpec(
        "prepare_time",
        fig,
        "What swell costs: preparation and gradient time vs depth",
        "Left: wall time to build the SymPy expressions, differentiate them and lambdify the result, with CSE (solid) "
        "and without (Symbolic(cse=False), dashed, run while the measured inlined size stays within the budget), and "
        "the time of plain sympy.diff on the written-out function (dotted, within its own size budget). "
        "Right: one gradient call of the cse=False code (the fastest of several calls: other work only adds time).",
        _cost_text(summary, fams),
    )
    return [sizes, timing]


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
