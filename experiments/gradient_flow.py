"""Gradient flow: per-layer gradient norms of deep sigmoid, tanh and relu networks.

At initialisation every method computes the gradient of the same deep network, so vanishing and
exploding gradients are seen by each of them (symbolic only where its expression swell allows;
otherwise the cell records that it was skipped and why). During training (reverse mode, plain SGD,
in chunks of epochs) the per-layer norms and the fraction of dead relu units are followed.
"""
from __future__ import annotations

import matplotlib
import numpy as np

import difflab as dl
from difflab import nn
from difflab.report.figures import FigureSpec, method_style, new_figure
from difflab.report.stats import num

QUESTION = ("How does the gradient's size change from the last layer to the first in deep sigmoid, tanh and "
            "relu networks, at initialisation and during training, and do all methods see the same thing?")

PRESETS = {
    "quick": {"activations": ["sigmoid", "tanh", "relu"], "methods": ["symbolic", "numeric", "forward", "reverse"],
              "depths": [2, 6], "width": 8, "symbolic_max_depth": 2, "batch": 128, "epochs": 30, "chunks": 10,
              "lr": 0.2},
    "full": {"activations": ["sigmoid", "tanh", "relu"], "methods": ["symbolic", "numeric", "forward", "reverse"],
             "depths": [2, 6, 12], "width": 16, "symbolic_max_depth": 2, "batch": 256, "epochs": 100, "chunks": 20,
             "lr": 0.2},
}


def cells(config):
    out = [{"part": "init", "activation": a, "method": m, "depth": d, "width": config["width"],
            "batch": config["batch"], "symbolic_max_depth": config["symbolic_max_depth"]}
           for d in config["depths"] for a in config["activations"] for m in config["methods"]]
    deepest = max(config["depths"])
    out += [{"part": "training", "activation": a, "method": "reverse", "depth": deepest, "width": config["width"],
             "batch": config["batch"], "epochs": config["epochs"], "chunks": config["chunks"], "lr": config["lr"]}
            for a in config["activations"]]
    # every cell of one activation and depth starts from the same network
    return [dict(c, seed_group=config["activations"].index(c["activation"]) + 100 * c["depth"]) for c in out]


def _setup(cell, seed):
    data = nn.load_dataset("moons", noise=0.1, seed=0)
    model = nn.MLP([2] + [cell["width"]] * cell["depth"] + [2], activation=cell["activation"])
    return data, model, model.init(seed)


def layer_norms(grads, n_layers) -> list:
    """‖∂L/∂W_l‖_F for each layer l, input layer first."""
    return [float(np.linalg.norm(grads[f"W{l}"])) for l in range(n_layers)]


def _dead_fraction(model, params, X) -> list:
    """Per hidden layer: the fraction of units that output 0 for every example (relu only)."""
    out, h = [], np.asarray(X)
    for l in range(model.n_layers - 1):
        h = np.maximum(h @ params[f"W{l}"] + params[f"b{l}"], 0.0)
        out.append(float(np.mean(np.all(h == 0.0, axis=0))))
    return out


def run_cell(cell, seed):
    data, model, params = _setup(cell, seed)
    X, Y = data.X_train[:cell["batch"]], nn.one_hot(data.y_train[:cell["batch"]], 2)
    loss_fn = model.loss("cross_entropy")
    if cell["part"] == "init":
        if cell["method"] == "symbolic" and cell["depth"] > cell["symbolic_max_depth"]:
            return {"status": "skipped", "reason": f"expression swell puts it beyond the symbolic budget of depth "
                    f"{cell['symbolic_max_depth']}", "norms": []}
        grads = dl.grad(loss_fn, method=cell["method"])(params, X, Y)
        return {"status": "completed", "norms": layer_norms(grads, model.n_layers)}
    checkpoints = {"epoch": [], "norms": [], "dead": [], "loss": [], "test_accuracy": []}
    grad = dl.grad(loss_fn, method="reverse")
    per_chunk = cell["epochs"] // cell["chunks"]
    for k in range(cell["chunks"] + 1):
        if k:  # plain SGD has no optimiser state, so chunks of epochs continue one run
            h = nn.train(model, data, method="reverse", optimizer=nn.SGD(lr=cell["lr"]), epochs=per_chunk,
                         batch_size=32, seed=seed + k, params=params)
            params = h.params
        checkpoints["epoch"].append(k * per_chunk)
        checkpoints["norms"].append(layer_norms(grad(params, X, Y), model.n_layers))
        checkpoints["dead"].append(_dead_fraction(model, params, X) if cell["activation"] == "relu" else [])
        checkpoints["loss"].append(float(loss_fn(params, X, Y)))
        checkpoints["test_accuracy"].append(float(np.mean(model.predict(params, data.X_test) == data.y_test)))
    return {"status": "completed", **checkpoints}


# -- summary and figures: read the results only ---------------------------------------------------

def _spread(records) -> float:
    """Largest relative difference of any method's per-layer norms from reverse mode's."""
    ref = np.asarray(next(r["metrics"]["norms"] for r in records if r["cell"]["method"] == "reverse"))
    return max((float(np.max(np.abs(np.asarray(r["metrics"]["norms"]) - ref) / ref))
                for r in records if r["metrics"]["norms"]), default=0.0)


def summarize(results):
    out = {}
    deepest = max(results.unique("depth"))
    for act in results.unique("activation"):
        init = {r["cell"]["method"]: r["metrics"] for r in results.where(part="init", activation=act, depth=deepest)}
        ref = init["reverse"]["norms"]
        spread = max(_spread(results.where(part="init", activation=act, depth=d)) for d in results.unique("depth"))
        methods_seen = {d: [r["cell"]["method"] for r in results.where(part="init", activation=act, depth=d)
                            if r["metrics"]["norms"]] for d in results.unique("depth")}
        train = results.where(part="training", activation=act)
        t = train[0]["metrics"] if train else None
        out[act] = {"first_over_last_init": ref[0] / ref[-1], "method_spread": spread, "depth": deepest,
                    "methods_seen": methods_seen,
                    "skipped": {k: m["reason"] for k, m in init.items() if m["status"] != "completed"},
                    "first_over_last_final": t["norms"][-1][0] / t["norms"][-1][-1] if t else None,
                    "final_test_accuracy": t["test_accuracy"][-1] if t else None,
                    "dead_final_max": max(t["dead"][-1]) if t and t["dead"] and t["dead"][-1] else None,
                    "dead_final_mean": float(np.mean(t["dead"][-1])) if t and t["dead"] and t["dead"][-1] else None,
                    "epochs": t["epoch"][-1] if t else 0}
    return out


def _ratio_words(r):
    return f"shrinks {num(1 / r)}×" if r < 1 else f"grows {num(r)}×"


def figures(results, summary):
    acts = results.unique("activation")
    depths = sorted(results.where(part="init").unique("depth"))
    fig, axes = new_figure(ncols=len(acts), nrows=len(depths), width=3.8, height=3.2)
    for row, depth in zip(axes, depths):
        for ax, act in zip(row, acts):
            for r in results.where(part="init", activation=act, depth=depth):
                m = r["metrics"]
                if m["norms"]:
                    style = method_style(r["cell"]["method"])
                    ax.plot(np.arange(len(m["norms"])), m["norms"], lw=1, ms=5, mfc="none", **style)
            ax.set(yscale="log", xlabel="layer (0 = input layer)", ylabel="‖∂L/∂W‖ (Frobenius)",
                   title=f"{act}, {depth} hidden layers, at initialisation")
            ax.legend(fontsize=7)
    skipped = sorted({m for a in acts for m in summary[a]["skipped"]})
    init = FigureSpec(
        "norms_at_init", fig, "Per-layer gradient norms at initialisation, by method",
        "The Frobenius norm of the loss gradient with respect to each layer's weights, for the same initial network, "
        "computed by every affordable method (open markers overlap where methods agree).",
        f"With {max(depths)} hidden layers, from the output layer back to the input layer the gradient "
        + ", ".join(f"{_ratio_words(summary[a]['first_over_last_init'])} with {a}" for a in acts)
        + f"; every method that ran sees the same norms to a relative {num(max(summary[a]['method_spread'] for a in acts))}"
        + (f" ({', '.join(skipped)} skipped at depth {max(depths)}: "
           f"{summary[acts[0]]['skipped'].get(skipped[0], '')})." if skipped else "."))
    specs = [init]
    trained = [a for a in acts if results.where(part="training", activation=a)]
    if trained:
        fig, axes = new_figure(ncols=len(trained), width=3.8, height=3.4)
        for ax, act in zip(axes[0], trained):
            m = results.where(part="training", activation=act)[0]["metrics"]
            norms = np.asarray(m["norms"])
            colors = [matplotlib.colormaps["viridis"](x) for x in np.linspace(0, 0.9, norms.shape[1])]
            for l in range(norms.shape[1]):
                ax.plot(m["epoch"], norms[:, l], color=colors[l], marker="o", ms=3, label=f"layer {l}")
            ax.set(yscale="log", xlabel="epoch", ylabel="‖∂L/∂W‖ (Frobenius)", title=f"{act}: during training (SGD)")
            ax.legend(fontsize=6, ncols=2)
        during = FigureSpec(
            "norms_training", fig, "Per-layer gradient norms during training",
            "Reverse-mode gradient norm of each layer at checkpoints while the network trains with plain SGD.",
            "After training, the input-to-output gradient ratio is "
            + ", ".join(f"{num(summary[a]['first_over_last_final'])} for {a} (test accuracy "
                        f"{num(summary[a]['final_test_accuracy'])})" for a in trained) + ".")
        specs.append(during)
    if "relu" in trained:
        m = results.where(part="training", activation="relu")[0]["metrics"]
        dead = np.asarray(m["dead"])
        fig, axes = new_figure(width=5.0, height=3.4)
        ax = axes[0, 0]
        im = ax.imshow(dead.T, aspect="auto", cmap="magma", vmin=0, vmax=1, origin="lower",
                       extent=(m["epoch"][0] - 0.5, m["epoch"][-1] + 0.5, -0.5, dead.shape[1] - 0.5))
        ax.grid(False)
        ax.set(xlabel="epoch", ylabel="hidden layer", title="relu: fraction of dead units per layer")
        fig.colorbar(im, ax=ax, label="dead fraction (0 for every example)")
        s = summary["relu"]
        specs.append(FigureSpec(
            "dead_relu", fig, "Dead relu units during training",
            "For each hidden layer, the fraction of relu units whose output is zero for every example of the batch "
            "(their incoming weights get no gradient at all).",
            f"After {s['epochs']} epochs, {num(100 * s['dead_final_mean'])}% of the hidden relu units are dead on "
            f"average and up to {num(100 * s['dead_final_max'])}% in one layer."))
    return specs


if __name__ == "__main__":
    from difflab.runner import main

    raise SystemExit(main(__file__))
