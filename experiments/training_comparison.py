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
from difflab.report.stats import num

QUESTION = ("Trained from the same seed, do the four methods give the same network, and what does each "
            "cost per gradient, in preparation and in wall-clock time to a given loss?")

PRESETS = {
    "quick": {"datasets": ["moons", "iris"], "methods": ["symbolic", "numeric", "forward", "reverse"],
              "hidden": {"moons": [8, 8], "iris": [8]}, "epochs": 25, "batch_size": 32, "lr": 0.01,
              "time_budget": 15.0, "agreement_batch": 64},
    "full": {"datasets": ["moons", "spirals", "iris", "digits"], "methods": ["symbolic", "numeric", "forward", "reverse"],
             "hidden": {"moons": [16, 16], "spirals": [32, 32], "iris": [16], "digits": [32]}, "epochs": 150,
             "batch_size": 32, "lr": 0.01, "time_budget": 300.0, "agreement_batch": 128},
}

DATA_ARGS = {"moons": {"noise": 0.1}, "spirals": {}, "iris": {}, "digits": {}}
# the values `--set` may give (checked before anything runs)
CHOICES = {"datasets": sorted(DATA_ARGS), "methods": ["symbolic", "numeric", "forward", "reverse"]}


def cells(config):
    return [{"dataset": d, "method": m, "hidden": config["hidden"][d], "epochs": config["epochs"],
             "batch_size": config["batch_size"], "lr": config["lr"], "time_budget": config["time_budget"],
             "agreement_batch": config["agreement_batch"], "seed_group": k}
            for k, d in enumerate(config["datasets"]) for m in config["methods"]]


def _flat(g):
    return np.concatenate([np.ravel(leaf) for leaf in tree.flatten(g)[0]])


def _agreement(loss_fn, method, params, X, Y):
    """max |g_method − g_reverse| / max |g_reverse| at `params` on one fixed batch."""
    ref = _flat(dl.grad(loss_fn, method="reverse")(params, X, Y))
    got = _flat(dl.grad(loss_fn, method=method)(params, X, Y))
    return float(np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-300))


def run_cell(cell, seed):
    data = nn.load_dataset(cell["dataset"], seed=0, **DATA_ARGS[cell["dataset"]])
    model = nn.MLP([data.X_train.shape[1], *cell["hidden"], int(data.y_train.max()) + 1], activation="tanh")
    h = nn.train(model, data, method=cell["method"], optimizer=nn.Adam(lr=cell["lr"]), epochs=cell["epochs"],
                 batch_size=cell["batch_size"], seed=seed, time_budget=cell["time_budget"])
    X = data.X_train[:cell["agreement_batch"]]
    Y = nn.one_hot(data.y_train[:cell["agreement_batch"]], model.sizes[-1])
    loss_fn = model.loss("cross_entropy")
    out = h.to_dict()
    del out["params"], out["config"]
    out.update(n_params=model.n_params, steps_per_epoch=h.config["steps_per_epoch"],
               agreement_init=_agreement(loss_fn, cell["method"], model.init(seed), X, Y),
               agreement_final=_agreement(loss_fn, cell["method"], h.params, X, Y))
    return out


# -- summary and figures: read the results only ---------------------------------------------------

def _wall(m) -> list:
    """Seconds spent differentiating up to the end of each epoch: preparation + gradient time."""
    return list(m["prepare_seconds"] + np.cumsum(np.asarray(m["grad_seconds"]) * m["steps_per_epoch"]))


def _drift(m, ref) -> np.ndarray:
    k = min(len(m["step_loss"]), len(ref["step_loss"]))
    a, b = np.asarray(m["step_loss"][:k]), np.asarray(ref["step_loss"][:k])
    return np.abs(a - b) / np.abs(b)


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
                "status": m["status"], "steps": m["steps"], "epochs_completed": m["epochs_completed"],
                "final_test_accuracy": m["test_accuracy"][-1] if m["test_accuracy"] else None,
                "final_train_loss": m["train_loss"][-1] if m["train_loss"] else None,
                "seconds_per_gradient": _seconds_per_gradient(m),
                "prepare_seconds": m["prepare_seconds"], "evals_per_step": m["evals"] / max(m["steps"], 1),
                "eqns_per_step": m["eqns"] / max(m["steps"], 1), "n_params": m["n_params"],
                "max_loss_drift_vs_reverse": float(_drift(m, ref_m).max()) if ref_m and m["step_loss"] else None,
                "agreement_init": m["agreement_init"], "agreement_final": m["agreement_final"],
                "reason": m.get("reason", "")}
        out[ds] = per
    return out


def _budget_note(p):
    return f"{p['status'].replace('_', ' ')} after {p['steps']} steps" if p["status"] != "completed" else ""


def _curves(results, summary, key, ylabel, title, log, step_key=None):
    """Left: `step_key` per step (or `key` per epoch); right: `key` per epoch vs time on gradients."""
    datasets = results.unique("dataset")
    fig, axes = new_figure(ncols=2, nrows=len(datasets), width=4.8, height=3.2)
    for row, ds in zip(axes, datasets):
        for r in results.where(dataset=ds):
            m, method = r["metrics"], r["cell"]["method"]
            style = method_style(method)
            note = _budget_note(summary[ds][method])
            label = f"{method}" + (f" ({note})" if note else "")
            left = m[step_key] if step_key else m[key]
            xs = np.arange(1, len(left) + 1)
            # symbolic and forward are dashed: they usually lie exactly on reverse's curve
            row[0].plot(xs, left, color=style["color"], marker=style["marker"], markevery=max(1, len(xs) // 8),
                        ms=4, lw=1, label=label, ls="--" if method in ("symbolic", "forward") else "-")
            if m[key]:
                row[1].plot(_wall(m), m[key], color=style["color"], marker=style["marker"], ms=4,
                            markevery=max(1, len(m[key]) // 8), label=label)
            if note and m[key]:
                row[1].plot(_wall(m)[-1], m[key][-1], "x", color="black", ms=8)
        row[0].set(xlabel="training step" if step_key else "epoch", ylabel=ylabel,
                   title=f"{ds}: {title} vs {'step' if step_key else 'epoch'}")
        row[1].set(xscale="log", xlabel="time spent on gradients, incl. preparation (s)", ylabel=ylabel,
                   title=f"{ds}: {title} vs wall-clock time")
        if log:
            row[0].set_yscale("log")
            row[1].set_yscale("log")
        row[0].legend(fontsize=7)
    return fig


def figures(results, summary):
    datasets = results.unique("dataset")
    first = summary[datasets[0]]
    specs = []
    exact_like = [m for m in ("symbolic", "forward") if m in first and first[m]["max_loss_drift_vs_reverse"] is not None]
    drift = " and ".join(f"{num(first[m]['max_loss_drift_vs_reverse'])} ({m})" for m in exact_like)
    numeric = first.get("numeric")
    over = [f"{m} on {ds} ({_budget_note(summary[ds][m])})" for ds in datasets for m in summary[ds]
            if summary[ds][m]["status"] != "completed"]
    specs.append(FigureSpec(
        "loss_curves", _curves(results, summary, "train_loss", "training loss (cross-entropy)", "loss", True,
                               step_key="step_loss"),
        "Training loss vs step and vs wall-clock time",
        "Minibatch loss at every step for the same network, seed and minibatches trained with each method (left), and "
        "the training-set loss after each epoch against the cumulative time spent computing gradients, preparation "
        "included (right, log x); × marks a run stopped by the time budget.",
        f"On {datasets[0]} the loss curves of symbolic and forward follow reverse's to within a relative {drift}"
        + (f", numeric's to {num(numeric['max_loss_drift_vs_reverse'])}" if numeric and numeric['max_loss_drift_vs_reverse'] is not None else "")
        + "; " + (f"stopped by the budget: {', '.join(over)}." if over else "every method finished within the budget.")))
    accs = "; ".join(f"{ds}: " + ", ".join(f"{m} {num(summary[ds][m]['final_test_accuracy'])}" for m in summary[ds]
                                           if summary[ds][m]['final_test_accuracy'] is not None) for ds in datasets)
    specs.append(FigureSpec(
        "accuracy_curves", _curves(results, summary, "test_accuracy", "test accuracy", "test accuracy", False),
        "Test accuracy vs epoch and vs wall-clock time",
        "Held-out accuracy after each epoch, against epochs (left) and against time spent on gradients (right).",
        f"Final test accuracy — {accs}."))
    fig, axes = new_figure(ncols=2, width=5.0, height=3.6)
    methods = [m for m in ("symbolic", "numeric", "forward", "reverse") if m in first]
    xs = np.arange(len(datasets))
    width = 0.8 / len(methods)
    for k, m in enumerate(methods):
        style = method_style(m)
        per = [summary[ds].get(m, {}) for ds in datasets]
        axes[0, 0].bar(xs + k * width, [1e3 * (p.get("seconds_per_gradient") or np.nan) for p in per], width,
                       color=style["color"], label=m)
        axes[0, 1].bar(xs + k * width, [1e3 * p.get("prepare_seconds", np.nan) for p in per], width,
                       color=style["color"], label=m)
    for ax, what in zip(axes[0], ("time per gradient (ms)", "preparation time (ms)")):
        ax.set_xticks(xs + 0.4 - width / 2, [f"{ds}\n{summary[ds][methods[0]]['n_params']} params" for ds in datasets])
        ax.set(yscale="log", xlabel="dataset (network size)", ylabel=what,
               title=what.split(" (")[0].capitalize() + " per method")
        ax.legend(fontsize=7)
    fastest = min(methods, key=lambda m: first[m]["seconds_per_gradient"] or np.inf)
    slowest = max(methods, key=lambda m: first[m]["seconds_per_gradient"] or 0)
    prep = max(methods, key=lambda m: first[m]["prepare_seconds"])
    specs.append(FigureSpec(
        "gradient_cost", fig, "Time per gradient and preparation time",
        "Mean wall time of one minibatch gradient and the one-off preparation (tracing, compiling, SymPy's "
        "differentiation and lambdify) per method and dataset (log scale).",
        f"On {datasets[0]} ({first[fastest]['n_params']} parameters) {fastest} is fastest at "
        f"{num(1e3 * first[fastest]['seconds_per_gradient'])} ms per gradient and {slowest} slowest at "
        f"{num(1e3 * first[slowest]['seconds_per_gradient'])} ms"
        + (f" ({num(first[slowest]['evals_per_step'])} function evaluations per step)" if slowest == "numeric" else "")
        + f"; {prep} pays the most preparation, {num(first[prep]['prepare_seconds'])} s."))
    fig, axes = new_figure(ncols=len(datasets), width=4.2, height=3.4)
    for ax, ds in zip(axes[0], datasets):
        ref = results.where(dataset=ds, method="reverse")
        for r in results.where(dataset=ds):
            if r["cell"]["method"] == "reverse" or not ref:
                continue
            d = _drift(r["metrics"], ref[0]["metrics"])
            ax.plot(np.arange(1, len(d) + 1), np.maximum(d, 1e-17), lw=1, **method_style(r["cell"]["method"]),
                    markevery=max(1, len(d) // 8), ms=3)
        ax.set(yscale="log", xlabel="training step", ylabel="|loss − loss_reverse| / loss_reverse",
               title=f"{ds}: drift from reverse mode's trajectory")
        ax.legend(fontsize=7)
    agree = ", ".join(f"{m} {num(first[m]['agreement_init'])} → {num(first[m]['agreement_final'])}"
                      for m in methods if m != "reverse")
    specs.append(FigureSpec(
        "trajectory_agreement", fig, "Gradient agreement along the trajectory",
        "Relative difference, step by step, between each method's minibatch loss and reverse mode's on the same "
        "steps (exact zeros drawn at 1e-17).",
        f"On {datasets[0]} the relative gradient difference from reverse mode at the initial and at the final "
        f"parameters is: {agree}."))
    return specs


if __name__ == "__main__":
    from difflab.runner import main

    raise SystemExit(main(__file__))
