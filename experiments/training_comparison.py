"""Training comparison: one MLP, one seed, trained with each of the four methods on each dataset.

Cells sharing a dataset share a seed (the same initial parameters and minibatch order), so the
methods walk the same trajectory as far as their gradients agree. A method that exceeds the time
budget stops cleanly and is recorded as "budget_exceeded" with the steps it took, never dropped.
"""

from __future__ import annotations

import numpy as np

import difflab as dl
from difflab import nn, tree
from difflab.report.figures import FigureSpec, method_style, new_figure
from difflab.report.stats import MIXED_NAME, mixed_error, num, ordering, sentence

QUESTION = (
    "Trained from the same seed, do the four methods give the same network, and what does each "
    "cost per gradient, in preparation and in wall-clock time to a given loss?"
)

PRESETS = {
    "quick": {
        "datasets": ["moons", "iris"],
        "methods": ["symbolic", "numeric", "forward", "reverse"],
        "hidden": {"moons": [8, 8], "iris": [8]},
        "epochs": 25,
        "batch_size": 32,
        "lr": 0.01,
        "time_budget": 15.0,
        "agreement_batch": 64,
    },
    "full": {
        "datasets": ["moons", "spirals", "iris", "digits"],
        "methods": ["symbolic", "numeric", "forward", "reverse"],
        "hidden": {"moons": [16, 16], "spirals": [32, 32], "iris": [16], "digits": [32]},
        "epochs": 60,
        "batch_size": 32,
        "lr": 0.01,
        "time_budget": 30.0,
        "agreement_batch": 128,
    },
}

DATA_ARGS = {"moons": {"noise": 0.1}, "spirals": {}, "iris": {}, "digits": {}}
# the values `--set` may give (checked before anything runs)
CHOICES = {"datasets": sorted(DATA_ARGS), "methods": ["symbolic", "numeric", "forward", "reverse"]}


def cells(config):
    return [
        {
            "dataset": d,
            "method": m,
            "hidden": config["hidden"][d],
            "epochs": config["epochs"],
            "batch_size": config["batch_size"],
            "lr": config["lr"],
            "time_budget": config["time_budget"],
            "agreement_batch": config["agreement_batch"],
            "seed_group": k,
        }
        for k, d in enumerate(config["datasets"])
        for m in config["methods"]
    ]


def _flat(g):
    return np.concatenate([np.ravel(leaf) for leaf in tree.flatten(g)[0]])


def _agreement(loss_fn, method, points, X, Y) -> list:
    """Largest per-entry mixed error (stats.mixed_error) of the method's gradient against reverse
    mode's, at each parameter point; each method is prepared once for all the points."""
    ref, got = (
        dl.prepare(loss_fn, points[0], X, Y, method="reverse"),
        dl.prepare(loss_fn, points[0], X, Y, method=method),
    )
    return [float(np.max(mixed_error(_flat(got.grad(p, X, Y)), _flat(ref.grad(p, X, Y))))) for p in points]


def run_cell(cell, seed):
    data = nn.load_dataset(cell["dataset"], seed=0, **DATA_ARGS[cell["dataset"]])
    model = nn.MLP([data.X_train.shape[1], *cell["hidden"], int(data.y_train.max()) + 1], activation="tanh")
    h = nn.train(
        model,
        data,
        method=cell["method"],
        optimizer=nn.Adam(lr=cell["lr"]),
        epochs=cell["epochs"],
        batch_size=cell["batch_size"],
        seed=seed,
        time_budget=cell["time_budget"],
    )
    X = data.X_train[: cell["agreement_batch"]]
    Y = nn.one_hot(data.y_train[: cell["agreement_batch"]], model.sizes[-1])
    loss_fn = model.loss("cross_entropy")
    out = h.to_dict()
    del out["params"], out["config"]
    out.update(
        n_params=model.n_params, steps_per_epoch=h.config["steps_per_epoch"], agreement_init=None, agreement_final=None
    )
    if h.status == "completed":  # a method over its time budget is not prepared again just to compare it
        out["agreement_init"], out["agreement_final"] = _agreement(
            loss_fn, cell["method"], [model.init(seed), h.params], X, Y
        )
    return out


# -- summary and figures: read the results only ---------------------------------------------------


def _wall(m) -> list:
    """Seconds spent differentiating up to the end of each epoch: preparation + gradient time."""
    return list(m["prepare_seconds"] + np.cumsum(np.asarray(m["grad_seconds"]) * m["steps_per_epoch"]))


def _drift(m, ref) -> np.ndarray:
    """Per step, the mixed error of the method's minibatch loss against reverse mode's on the same step."""
    k = min(len(m["step_loss"]), len(ref["step_loss"]))
    return mixed_error(m["step_loss"][:k], ref["step_loss"][:k])


def time_to_loss(m, target):
    """Seconds on gradients (preparation included) until the epoch loss first reaches `target`; None if never."""
    hit = [w for w, loss in zip(_wall(m), m["train_loss"]) if loss <= target]
    return float(hit[0]) if hit else None


def _seconds_per_gradient(m):
    if m["grad_seconds"]:
        return float(np.average(m["grad_seconds"]))
    # stopped inside its first epoch: whole step time (gradient + update) is the best estimate
    return (m["total_seconds"] - m["prepare_seconds"]) / m["steps"] if m["steps"] else None


def summarize(results):
    out = {}
    for ds in results.unique("dataset"):
        ref = results.where(dataset=ds, method="reverse")
        ref_m = ref[0]["metrics"] if ref else None
        per = {}
        for r in results.where(dataset=ds):
            m = r["metrics"]
            per[r["cell"]["method"]] = {
                "status": m["status"],
                "steps": m["steps"],
                "epochs_completed": m["epochs_completed"],
                "final_test_accuracy": m["test_accuracy"][-1] if m["test_accuracy"] else None,
                "final_train_loss": m["train_loss"][-1] if m["train_loss"] else None,
                "seconds_per_gradient": _seconds_per_gradient(m),
                "prepare_seconds": m["prepare_seconds"],
                "evals_per_step": m["evals"] / max(m["steps"], 1),
                "eqns_per_step": m["eqns"] / max(m["steps"], 1),
                "n_params": m["n_params"],
                "max_loss_drift_vs_reverse": float(_drift(m, ref_m).max()) if ref_m and m["step_loss"] else None,
                "grad_seconds_per_epoch": list(m["grad_seconds"]),
                "agreement_init": m["agreement_init"],
                "agreement_final": m["agreement_final"],
                "reason": m.get("reason", ""),
            }
        # the target: the worst final loss among the methods that finished, so each of them reaches it
        finished = [p["final_train_loss"] for p in per.values() if p["status"] == "completed" and p["final_train_loss"]]
        target = max(finished) if finished else None
        for r in results.where(dataset=ds):
            per[r["cell"]["method"]]["time_to_target"] = time_to_loss(r["metrics"], target) if target else None
        out[ds] = {
            "methods": per,
            "target_loss": target,
            "ordering": ordering({k: p["grad_seconds_per_epoch"] for k, p in per.items()}, " s"),
        }
    return out


def reach_words(summary, ds) -> str:
    """Each method's time on gradients to the target loss, one run each: listed in the run's order, not ranked. Sorted,
    it ranked reverse before symbolic (0.0337 s vs 0.0478 s, quick seed 1) where their per-epoch gradient times were
    within noise of each other (4.74e-05–4.72e-04 s vs 8.00e-05–5.06e-04 s); the ordering is said from those repeats.

    >>> m = {"symbolic": {"time_to_target": 0.05}, "reverse": {"time_to_target": 0.03}, "numeric": {"time_to_target": None}}
    >>> reach_words({"moons": {"methods": m, "target_loss": 0.0174}}, "moons")
    'on moons the time on gradients to reach the loss 0.0174 (one run each, preparation included) is symbolic 0.05 s, reverse 0.03 s'
    """
    t = {m: p["time_to_target"] for m, p in summary[ds]["methods"].items() if p["time_to_target"] is not None}
    if not t:
        return ""
    return (
        f"on {ds} the time on gradients to reach the loss {num(summary[ds]['target_loss'])} (one run each, preparation "
        "included) is " + ", ".join(f"{m} {num(v)} s" for m, v in t.items())
    )


def _preparation_words(per: dict, methods) -> str:
    """Each method's preparation, one timing each: listed, not ranked (seed 1's quick run named symbolic as paying
    "the most" at 0.0162 s against reverse's 0.0132 s; full-preset runs named numeric, forward or symbolic)."""
    return ", ".join(f"{m} {num(per[m]['prepare_seconds'])} s" for m in methods)


def _budget_note(p):
    return f"{p['status'].replace('_', ' ')} after {p['steps']} steps" if p["status"] != "completed" else ""


#: each method its own dash, so that curves lying exactly on each other stay visible
_DASH = {"symbolic": "-", "numeric": "-.", "forward": "--", "reverse": ":"}


def _label(summary, ds, method):
    p = summary[ds]["methods"][method]
    note = _budget_note(p)
    drift = p["max_loss_drift_vs_reverse"]
    same = (
        ""
        if method == "reverse" or drift is None
        else " (identical to reverse)"
        if drift == 0
        else f" (max drift {num(drift)})"
    )
    return f"{method}{same}" + (f" ({note})" if note else "")


def _log_time_axis(ax):
    from matplotlib.ticker import LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, numticks=5))  # decades only: labels never overlap
    ax.xaxis.set_minor_formatter(NullFormatter())


def _curves(results, summary, key, ylabel, title, log, step_key=None):
    """Left: `step_key` per step (or `key` per epoch); right: `key` per epoch vs time on gradients."""
    datasets = results.unique("dataset")
    fig, axes = new_figure(ncols=2, nrows=len(datasets), width=4.8, height=3.2)
    for row, ds in zip(axes, datasets):
        for r in results.where(dataset=ds):
            m, method = r["metrics"], r["cell"]["method"]
            style = method_style(method)
            label = _label(summary, ds, method)
            left = m[step_key] if step_key else m[key]
            xs = np.arange(1, len(left) + 1)
            row[0].plot(
                xs,
                left,
                color=style["color"],
                marker=style["marker"],
                markevery=max(1, len(xs) // 8),
                ms=4,
                lw=1,
                label=label,
                ls=_DASH.get(method, "-"),
                mfc="none",
            )
            if m[key]:
                row[1].plot(
                    _wall(m),
                    m[key],
                    color=style["color"],
                    marker=style["marker"],
                    ms=4,
                    mfc="none",
                    markevery=max(1, len(m[key]) // 8),
                    label=label,
                    ls=_DASH.get(method, "-"),
                )
            if summary[ds]["methods"][method]["status"] != "completed" and m[key]:
                row[1].plot(_wall(m)[-1], m[key][-1], "x", color="black", ms=8)
        row[0].set(
            xlabel="training step" if step_key else "epoch",
            ylabel=ylabel,
            title=f"{ds}: {title} vs {'step' if step_key else 'epoch'}",
        )
        row[1].set(
            xlabel="time spent on gradients, incl. preparation (s)",
            ylabel=ylabel,
            title=f"{ds}: {title} vs wall-clock time",
        )
        _log_time_axis(row[1])
        if key == "train_loss" and summary[ds]["target_loss"]:
            row[1].axhline(summary[ds]["target_loss"], color="#777777", ls=":", lw=1, label="target loss")
        if log:
            row[0].set_yscale("log")
            row[1].set_yscale("log")
        row[0].legend(fontsize=7)
        row[1].legend(fontsize=6)
    return fig


def figures(results, summary):
    datasets = results.unique("dataset")
    first = summary[datasets[0]]["methods"]
    specs = []
    over = [
        f"{m} on {ds} ({_budget_note(summary[ds]['methods'][m])})"
        for ds in datasets
        for m in summary[ds]["methods"]
        if summary[ds]["methods"][m]["status"] != "completed"
    ]
    reach = [text for ds in datasets if (text := reach_words(summary, ds))]
    specs.append(
        FigureSpec(
            "loss_curves",
            _curves(
                results, summary, "train_loss", "training loss (cross-entropy)", "loss", True, step_key="step_loss"
            ),
            "Training loss vs step and vs wall-clock time",
            "Minibatch loss at every step for the same network, seed and minibatches trained with each method (left; "
            "each method its own dash, so identical curves stay visible), and the training-set loss after each epoch "
            "against the cumulative time spent computing gradients, preparation included (right, log x; dotted: the "
            "target loss, the worst final loss among the methods that finished); × marks a run stopped by the budget.",
            sentence(
                reach
                + [f"stopped by the budget: {', '.join(over)}" if over else "every method finished within the budget"]
            ),
        )
    )
    accs = "; ".join(
        f"{ds}: "
        + ", ".join(
            f"{m} {num(p['final_test_accuracy'])}"
            for m, p in summary[ds]["methods"].items()
            if p["final_test_accuracy"] is not None
        )
        for ds in datasets
    )
    specs.append(
        FigureSpec(
            "accuracy_curves",
            _curves(results, summary, "test_accuracy", "test accuracy", "test accuracy", False),
            "Test accuracy vs epoch and vs wall-clock time",
            "Held-out accuracy after each epoch, against epochs (left) and against time spent on gradients (right).",
            f"Final test accuracy — {accs}.",
        )
    )
    fig, axes = new_figure(ncols=2, width=5.0, height=3.6)
    methods = [m for m in ("symbolic", "numeric", "forward", "reverse") if m in first]
    xs = np.arange(len(datasets))
    width = 0.8 / len(methods)
    for k, m in enumerate(methods):
        style = method_style(m)
        per = [summary[ds]["methods"].get(m, {}) for ds in datasets]
        spread = [1e3 * np.asarray(p.get("grad_seconds_per_epoch") or [np.nan]) for p in per]
        med = [float(np.median(v)) for v in spread]
        err = [
            [mid - float(np.min(v)) for mid, v in zip(med, spread)],
            [float(np.max(v)) - mid for mid, v in zip(med, spread)],
        ]
        axes[0, 0].bar(xs + k * width, med, width, color=style["color"], label=m, yerr=err, capsize=2)
        axes[0, 1].bar(
            xs + k * width, [1e3 * p.get("prepare_seconds", np.nan) for p in per], width, color=style["color"], label=m
        )
    for ax, what in zip(axes[0], ("time per gradient (ms)", "preparation time (ms)")):
        ax.set_xticks(
            xs + 0.4 - width / 2, [f"{ds}\n{summary[ds]['methods'][methods[0]]['n_params']} params" for ds in datasets]
        )
        ax.set(
            yscale="log",
            xlabel="dataset (network size)",
            ylabel=what,
            title=what.split(" (")[0].capitalize() + " per method",
        )
        ax.legend(fontsize=7)
    prep = _preparation_words(first, methods)
    orders = "; ".join(f"on {ds}, {summary[ds]['ordering']['text']} per epoch's mean gradient" for ds in datasets)
    specs.append(
        FigureSpec(
            "gradient_cost",
            fig,
            "Time per gradient and preparation time",
            "Median over epochs of the mean wall time of one minibatch gradient (bars; whiskers: the fastest and slowest "
            "epoch) and the one-off preparation (tracing, compiling, SymPy's differentiation and lambdify) per method and "
            "dataset (log scale). A method is called fastest only when the faster half of its epochs (to its median) beats every other's fastest epoch (other work on the machine only adds time). "
            "Preparation is timed in the run's process: work an earlier cell or experiment there did for the same "
            "functions is reused, so after other experiments (`difflab run all`) it can be far below a fresh process's.",
            f"{orders[:1].upper() + orders[1:]}; preparation on {datasets[0]} (one timing each): {prep}.",
        )
    )
    fig, axes = new_figure(ncols=len(datasets), width=4.2, height=3.4)
    for ax, ds in zip(axes[0], datasets):
        ref = results.where(dataset=ds, method="reverse")
        for r in results.where(dataset=ds):
            if r["cell"]["method"] == "reverse" or not ref:
                continue
            d = _drift(r["metrics"], ref[0]["metrics"])
            method = r["cell"]["method"]
            ax.plot(
                np.arange(1, len(d) + 1),
                np.maximum(d, 1e-17),
                lw=1,
                **{**method_style(method), "label": _label(summary, ds, method)},
                ls=_DASH.get(method, "-"),
                mfc="none",
                markevery=max(1, len(d) // 8),
                ms=3,
            )
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="training step",
            ylabel=f"loss drift, {MIXED_NAME}",
            title=f"{ds}: loss drift from reverse mode's trajectory",
        )
        ax.legend(fontsize=7)
    drift = "; ".join(
        f"{ds}: "
        + ", ".join(
            f"{m} {num(p['max_loss_drift_vs_reverse'])}"
            for m, p in summary[ds]["methods"].items()
            if m != "reverse" and p["max_loss_drift_vs_reverse"] is not None
        )
        for ds in datasets
    )
    agree = (
        ", ".join(
            f"{m} {num(first[m]['agreement_init'])} → {num(first[m]['agreement_final'])}"
            for m in methods
            if m != "reverse" and first[m]["agreement_init"] is not None
        )
        or "not compared"
    )
    steps = max(p["steps"] for p in first.values())
    specs.append(
        FigureSpec(
            "trajectory_agreement",
            fig,
            "Loss drift from reverse mode's trajectory, step by step",
            f"Mixed error {MIXED_NAME} between each method's minibatch loss and reverse mode's on the same step "
            "(log-log; exact zeros drawn at 1e-17): per-gradient differences compound along the trajectory.",
            f"Largest loss drift over the run ({steps} steps on {datasets[0]}) — {drift}; the gradients themselves differ "
            f"from reverse mode's (largest per-entry mixed error, at the initial → final parameters on {datasets[0]}) by "
            f"{agree}.",
        )
    )
    return specs


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
