"""Method agreement: how far apart the four methods' gradients are, pair by pair.

Over difflab.testing's known-answer scenarios (hand-derived gradients) and random function graphs
(built by difflab.testing.strategies from registry ops, referenced by the 40-digit symbolic
derivative), each method's gradient is compared with every other's and with the reference. The
seeds' worked examples are also drawn as annotated computation graphs, node by node.
"""

from __future__ import annotations

import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab import tree
from difflab.reference import reference
from difflab.report.figures import FigureSpec, method_style, new_figure
from difflab.report.graphs import annotate_graph, draw_graph
from difflab.report.stats import MIXED_NAME, distribution, distribution_text, mixed_error, num, sentence

QUESTION = (
    "How closely do the symbolic, numeric, forward and reverse gradients agree with each other and "
    "with exact answers, on known-answer scenarios and on random function graphs?"
)

PRESETS = {
    "quick": {"random_graphs": 24, "max_eqns": 6, "graphs": ["tape", "diamond", "sigmoid_neuron"]},
    "full": {"random_graphs": 300, "max_eqns": 10, "graphs": ["tape", "diamond", "sigmoid_neuron"]},
}

METHODS = ("symbolic", "numeric", "forward", "reverse")
ROWS = ("reference",) + METHODS
#: smooth elementwise ops: random graphs stay away from kinks, where numeric cannot follow a convention
RANDOM_OPS = ("add", "sub", "mul", "div", "sin", "cos", "tanh", "exp", "log", "sqrt", "sigmoid")
SHAPES = ((), (2,), (3,))

#: the seeds' worked examples: (function, point, names of the tape's equations in order)
GRAPHS = {
    "tape": (lambda a, b: 5.0 * (a * b), (2.0, 3.0), ["h", "f"]),
    "diamond": (lambda x, y, z: ((x * y) * (y * z)) ** 2.0, (3.0, 2.0, 1.0), ["h1", "h2", "h", "f"]),
    "sigmoid_neuron": (
        lambda w1, x1, w2, x2: (dnp.sigmoid(w1 * x1 + w2 * x2) - 1.0) ** 2.0,
        (0.4, 2.0, -0.2, 3.0),
        ["p1", "p2", "z", "y", "e", "C"],
    ),
}
GRAPH_TITLES = {
    "tape": "The tape 5·(a·b) at a = 2, b = 3",
    "diamond": "The diamond ((x·y)·(y·z))² at (3, 2, 1): y feeds two paths",
    "sigmoid_neuron": "A sigmoid neuron's cost (σ(w·x) − 1)² at w = (0.4, −0.2), x = (2, 3)",
}
# the values `--set` may give (checked before anything runs: a typo failed in every cell, status 1)
CHOICES = {"graphs": sorted(GRAPHS)}


def cells(config):
    from difflab.testing import SCENARIOS

    out = [{"kind": "scenario", "name": s.name} for s in SCENARIOS]
    out += [{"kind": "random", "index": i, "max_eqns": config["max_eqns"]} for i in range(config["random_graphs"])]
    out += [{"kind": "graph", "name": g} for g in config["graphs"]]
    return out


def _flat(g) -> list:
    return [float(v) for leaf in tree.flatten(g)[0] for v in np.ravel(leaf)]


def _random_function(rng, max_eqns):
    from difflab.testing.strategies import build

    shapes = [SHAPES[k] for k in rng.integers(0, len(SHAPES), rng.integers(1, 4))]
    steps = [
        (
            RANDOM_OPS[rng.integers(len(RANDOM_OPS))],
            tuple(int(p) for p in rng.integers(0, 8, 3)),
            tuple(int(v) for v in rng.integers(0, 64, 6)),
        )
        for _ in range(rng.integers(1, max_eqns + 1))
    ]
    f = build(shapes, steps)
    args = tuple(rng.uniform(-1.5, 1.5, s) for s in shapes)
    return f, tuple(float(a) if a.ndim == 0 else a for a in args)


def _exact(f, args, argnums):
    return reference(f, *args, argnums=argnums, how="symbolic").value.ravel().tolist()  # the shared policy


def run_cell(cell, seed):
    if cell["kind"] == "graph":
        f, args, names = GRAPHS[cell["name"]]
        return {"graph": annotate_graph(f, *args, names=names)}
    if cell["kind"] == "scenario":
        from difflab.testing import get_scenario

        s = get_scenario(cell["name"])
        f, args, argnums, reference = s.function, s.args, s.argnums, _flat(s.gradient)
    else:
        f, args = _random_function(np.random.default_rng(seed), cell["max_eqns"])
        argnums = tuple(range(len(args))) if len(args) > 1 else 0
        reference = _exact(f, args, argnums)
    grads, errors = {"reference": reference}, {}
    for m in METHODS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # domain warnings are part of what is compared
                grads[m] = _flat(dl.grad(f, argnums=argnums, method=m)(*args))
        except Exception as err:  # a method that cannot do a function is a result, recorded as such
            grads[m], errors[m] = None, f"{type(err).__name__}: {err}"
    return {"gradients": grads, "errors": errors, "size": len(reference)}


# -- summary and figures: read the results only ---------------------------------------------------


def disagreement(a, b, ref) -> np.ndarray:
    """Per-entry mixed error between two gradients (stats.mixed_error), relative to the reference."""
    return mixed_error(a, b, ref)


def _pairs(records):
    """{(i, j): every entry's disagreement between ROWS[i] and ROWS[j] over the records}, failures, skipped."""
    entries = {(i, j): [] for i in range(len(ROWS)) for j in range(len(ROWS))}
    failed, skipped = set(), 0
    for r in records:
        g = r["metrics"]["gradients"]
        if g["reference"] is None or not np.all(np.isfinite(np.asarray(g["reference"], dtype=float))):
            skipped += 1
            continue
        for i, a in enumerate(ROWS):
            for j, b in enumerate(ROWS):
                if g[a] is None or g[b] is None:
                    failed.add((i, j))
                else:
                    entries[i, j] += disagreement(g[a], g[b], g["reference"]).tolist()
    return entries, failed, skipped


def _case_name(r):
    return r["cell"].get("name", f"random graph {r['cell'].get('index')}")


def summarize(results):
    out = {}
    for kind in ("scenario", "random"):
        recs = results.where(kind=kind)
        if not recs:
            continue
        entries, failed, skipped = _pairs(recs)
        M = [
            [None if (i, j) in failed else (max(entries[i, j]) if entries[i, j] else 0.0) for j in range(len(ROWS))]
            for i in range(len(ROWS))
        ]
        exact = [ROWS.index(m) for m in ("symbolic", "forward", "reverse")]
        ad = [v for i in exact for j in exact + [0] for v in entries[i, j]]
        worst = max(
            (r for r in recs if r["metrics"]["gradients"]["numeric"] is not None),
            key=lambda r: float(
                np.nanmax(
                    disagreement(
                        r["metrics"]["gradients"]["numeric"],
                        r["metrics"]["gradients"]["reference"],
                        r["metrics"]["gradients"]["reference"],
                    )
                )
            ),
            default=None,
        )
        out[kind] = {
            "matrix": M,
            "rows": list(ROWS),
            "cases": len(recs),
            "skipped_nonfinite": skipped,
            "metric": MIXED_NAME,
            "vs_reference": {m: distribution(entries[ROWS.index(m), 0]) for m in METHODS},
            "exact_methods": distribution(ad),
            "numeric_worst_case": _case_name(worst) if worst else None,
            "failures": sum(len(r["metrics"]["errors"]) for r in recs),
        }
        out[kind]["numeric_vs_reference"] = out[kind]["vs_reference"]["numeric"]["max"]
        out[kind]["exact_methods_max_gap"] = out[kind]["exact_methods"]["max"]
    return out


def _heatmap(ax, M, title):
    M = np.array([[np.nan if v is None else v for v in row] for row in M], dtype=float)
    shown = np.log10(np.clip(np.where(np.isfinite(M), M, 1.0), 1e-18, None))
    im = ax.imshow(shown, cmap="viridis", vmin=-18, vmax=max(0.0, float(np.ceil(shown.max()))))
    ax.set_xticks(range(len(ROWS)), ROWS, rotation=30, ha="right")
    ax.set_yticks(range(len(ROWS)), ROWS)
    ax.grid(False)
    for i in range(len(ROWS)):
        for j in range(len(ROWS)):
            text = "0" if M[i, j] == 0 else ("fail" if not np.isfinite(M[i, j]) else f"{M[i, j]:.0e}")
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if shown[i, j] < -9 else "black")
    ax.set_title(title)
    return im


_FLOOR = 1e-18  # an exact zero disagreement is drawn here on the log axis


def _ecdf(ax, results, kind):
    entries, _, _ = _pairs(results.where(kind=kind))
    for m in METHODS:
        v = np.sort(np.asarray(entries[ROWS.index(m), 0], dtype=float))
        if not v.size:
            continue
        ax.step(
            np.maximum(v, _FLOOR),
            np.arange(1, v.size + 1) / v.size,
            where="post",
            lw=1.3,
            **{k: w for k, w in method_style(m).items() if k != "marker"},
            ls={"symbolic": "-", "forward": "--", "reverse": ":", "numeric": "-"}[m],
        )
    ax.set(
        xscale="log",
        xlabel=f"per entry: {MIXED_NAME} (0 at 1e-18)",
        ylabel="fraction of gradient entries ≤ x",
        ylim=(0, 1.02),
        title=f"{'Scenarios' if kind == 'scenario' else 'Random graphs'}: distribution over entries",
    )
    ax.legend(fontsize=7, loc="lower right")


def figures(results, summary):
    kinds = [k for k in ("scenario", "random") if k in summary]
    fig, axes = new_figure(ncols=len(kinds), width=4.6, height=4.2)
    titles = {
        "scenario": "Known-answer scenarios\n(reference: derived by hand)",
        "random": "Random graphs\n(reference: 40-digit symbolic)",
    }
    for ax, kind in zip(axes[0], kinds):
        im = _heatmap(ax, summary[kind]["matrix"], f"{titles[kind]}, {summary[kind]['cases']} cases")
        ax.set(xlabel="method j", ylabel="method i")
    fig.colorbar(im, ax=list(axes[0]), label=f"log10 max over entries of {MIXED_NAME}", shrink=0.8)
    parts = []
    for kind in kinds:
        s = summary[kind]
        parts.append(
            f"over {s['cases']} {'scenarios' if kind == 'scenario' else 'random graphs'} symbolic, forward "
            f"and reverse stay within {num(s['exact_methods']['max'])} of each other and of the reference "
            f"(mixed error {MIXED_NAME}), while numeric's per-entry error has "
            f"{distribution_text(s['vs_reference']['numeric'])} (worst: {s['numeric_worst_case']})"
        )
    specs = [
        FigureSpec(
            "agreement_matrix",
            fig,
            "Largest per-entry disagreement between every pair of methods",
            f"Each cell is the largest per-entry mixed error {MIXED_NAME} between two methods' gradients "
            "over all cases (ref: the reference gradient; log10 colour; 0 means bit-identical).",
            sentence(parts),
        )
    ]
    fig, axes = new_figure(ncols=len(kinds), width=4.6, height=3.6)
    for ax, kind in zip(axes[0], kinds):
        _ecdf(ax, results, kind)
    dist = "; ".join(
        f"{kind}: " + ", ".join(f"{m} {distribution_text(summary[kind]['vs_reference'][m])}" for m in METHODS)
        for kind in kinds
    )
    specs.append(
        FigureSpec(
            "agreement_distribution",
            fig,
            "Distribution of the per-entry disagreement",
            "Cumulative distribution, over every gradient entry of every case, of each method's mixed "
            f"error {MIXED_NAME} against the reference (log x; exact zeros at 1e-18).",
            sentence([f"Per-entry disagreement with the reference — {dist}"]),
        )
    )
    for r in results.where(kind="graph"):
        rec = r["metrics"]["graph"]
        spread = max(
            float(np.max(mixed_error([v for v in n["adjoint"].values() if v is not None], n["adjoint"]["reverse"])))
            for n in rec["nodes"]
        )
        inputs = ", ".join(
            f"∂{rec['output']}/∂{n['name']} = {num(n['adjoint']['reverse'], 6)}"
            for n in rec["nodes"]
            if n["layer"] == 0
        )
        specs.append(
            FigureSpec(
                f"graph_{r['cell']['name']}",
                draw_graph(rec, GRAPH_TITLES[r["cell"]["name"]]),
                f"Computation graph: {GRAPH_TITLES[r['cell']['name']]}",
                "The tape drawn in layers, each node with its value and the derivative of the output with respect to it "
                "(its adjoint) as computed by each method.",
                f"Reverse mode gives {inputs}; the four methods' adjoints differ from reverse's by at most {num(spread)} "
                f"on any node (mixed error {MIXED_NAME}).",
            )
        )
    return specs


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
