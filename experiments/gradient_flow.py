"""Gradient flow: per-layer gradient norms of deep sigmoid, tanh and relu networks.

At initialisation every method computes the gradient of the same deep network, so vanishing and
exploding gradients are seen by each of them; every method runs at every depth (each cell records
the seconds it took, so a method's cost is measured, not assumed). Over many seeds (reverse mode)
the ratio of the input layer's gradient norm to the output layer's is given as a median with a
10–90 % band, across a sweep of initial weight scales (vanishing and exploding) and, for relu, of
initial biases (dead units rising with a negative bias; units already dead at initialisation are
counted). During training (reverse mode, plain SGD, in chunks of epochs, several seeds) the per-layer
norms and the fraction of dead relu units are followed.
"""

from __future__ import annotations

import time

import matplotlib
import numpy as np
from matplotlib.ticker import MaxNLocator

import difflab as dl
from difflab import nn
from difflab.nn.mlp import ACTIVATIONS
from difflab.report.figures import FigureSpec, data_ticks, method_style, new_figure
from difflab.report.stats import MIXED_NAME, bands, mixed_error, num, sentence
from difflab.runner import ConfigError

QUESTION = (
    "How does the gradient's size change from the last layer to the first in deep sigmoid, tanh and "
    "relu networks, at initialisation and during training, and do all methods see the same thing?"
)

PRESETS = {
    "quick": {
        "activations": ["sigmoid", "tanh", "relu"],
        "methods": ["symbolic", "numeric", "forward", "reverse"],
        "depths": [2, 6],
        "width": 8,
        "batch": 128,
        "seeds": 20,
        "scales": [0.25, 0.5, 1.0, 2.0, 4.0],
        "biases": [-1.0, -0.5, -0.25, 0.0],
        "epochs": 15,
        "chunks": 5,
        "lr": 0.2,
        "training_seeds": 3,
    },
    "full": {
        "activations": ["sigmoid", "tanh", "relu"],
        "methods": ["symbolic", "numeric", "forward", "reverse"],
        "depths": [2, 6, 12],
        "width": 16,
        "batch": 256,
        "seeds": 50,
        "scales": [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0],
        "biases": [-1.0, -0.5, -0.25, -0.1, 0.0, 0.1],
        "epochs": 60,
        "chunks": 12,
        "lr": 0.2,
        "training_seeds": 10,
    },
}

#: claims drawn from fewer seeds than this are called indicative in the report
MIN_SEEDS = 10
# the values `--set` may give (checked before anything runs: a typo failed in every cell, status 1)
CHOICES = {"activations": list(ACTIVATIONS), "methods": ["symbolic", "numeric", "forward", "reverse"]}


def cells(config):
    if config["epochs"] % config["chunks"]:  # each chunk trains epochs // chunks: 2 // 5 trained 0 in every cell
        raise ConfigError(
            f"--set epochs={config['epochs']}, chunks={config['chunks']}: epochs must be a multiple of chunks "
            "(each of the chunks trains epochs/chunks epochs)"
        )
    deepest = max(config["depths"])
    base = {"width": config["width"], "batch": config["batch"]}
    out = [
        dict(
            base, part="methods", activation=a, method=m, depth=d, seed_group=config["activations"].index(a) + 100 * d
        )  # the same network for every method
        for d in config["depths"]
        for a in config["activations"]
        for m in config["methods"]
    ]
    for a in config["activations"]:
        sweep = [(s, 0.0) for s in config["scales"]]
        if a == "relu":
            sweep += [(1.0, b) for b in config["biases"] if b != 0.0]
        out += [
            dict(base, part="seeds", activation=a, depth=deepest, scale=s, bias=b, seeds=config["seeds"])
            for s, b in sweep
        ]
    out += [
        dict(
            base,
            part="training",
            activation=a,
            depth=deepest,
            epochs=config["epochs"],
            chunks=config["chunks"],
            lr=config["lr"],
            replicate=k,
        )
        for a in config["activations"]
        for k in range(config["training_seeds"])
    ]
    return out


def _data():
    return nn.load_dataset("moons", noise=0.1, seed=0)


def _model(cell):
    return nn.MLP([2] + [cell["width"]] * cell["depth"] + [2], activation=cell["activation"])


def _init(model, seed, scale=1.0, bias=0.0):
    """The library's initialisation with every weight multiplied by `scale` and every bias set to `bias`."""
    params = model.init(seed)
    return {k: (v * scale if k.startswith("W") else np.full_like(v, bias)) for k, v in params.items()}


def layer_norms(grads, n_layers) -> list:
    """‖∂L/∂W_l‖_F for each layer l, input layer first."""
    return [float(np.linalg.norm(grads[f"W{l}"])) for l in range(n_layers)]


def dead_fraction(model, params, X) -> list:
    """Per hidden layer: the fraction of units that output 0 for every example (relu only).

    >>> m = nn.MLP([1, 2, 1], activation="relu")
    >>> dead_fraction(m, {"W0": np.array([[1.0, -1.0]]), "b0": np.array([0.0, -5.0]),
    ...                   "W1": np.ones((2, 1)), "b1": np.zeros(1)}, np.array([[1.0], [2.0]]))
    [0.5]
    """
    out, h = [], np.asarray(X)
    for l in range(model.n_layers - 1):
        h = np.maximum(h @ params[f"W{l}"] + params[f"b{l}"], 0.0)
        out.append(float(np.mean(np.all(h == 0.0, axis=0))))
    return out


def run_cell(cell, seed):
    data, model = _data(), _model(cell)
    X, Y = data.X_train[: cell["batch"]], nn.one_hot(data.y_train[: cell["batch"]], 2)
    loss_fn = model.loss("cross_entropy")
    if cell["part"] == "methods":
        t0 = time.perf_counter()
        grads = dl.grad(loss_fn, method=cell["method"])(model.init(seed), X, Y)
        return {"norms": layer_norms(grads, model.n_layers), "seconds": time.perf_counter() - t0}
    if cell["part"] == "seeds":
        grad = dl.grad(loss_fn, method="reverse")
        norms, dead = [], []
        for s in np.random.SeedSequence(seed).generate_state(cell["seeds"]):
            params = _init(model, int(s), cell["scale"], cell["bias"])
            norms.append(layer_norms(grad(params, X, Y), model.n_layers))
            dead.append(dead_fraction(model, params, X) if cell["activation"] == "relu" else [])
        return {"norms": norms, "dead": dead}
    checkpoints = {"epoch": [], "norms": [], "dead": [], "loss": [], "test_accuracy": []}
    grad = dl.grad(loss_fn, method="reverse")
    params = model.init(seed)
    per_chunk = cell["epochs"] // cell["chunks"]
    for k in range(cell["chunks"] + 1):
        if k:  # plain SGD has no optimiser state, so chunks of epochs continue one run
            h = nn.train(
                model,
                data,
                method="reverse",
                optimizer=nn.SGD(lr=cell["lr"]),
                epochs=per_chunk,
                batch_size=32,
                seed=seed + k,
                params=params,
            )
            params = h.params
        checkpoints["epoch"].append(k * per_chunk)
        checkpoints["norms"].append(layer_norms(grad(params, X, Y), model.n_layers))
        checkpoints["dead"].append(dead_fraction(model, params, X) if cell["activation"] == "relu" else [])
        checkpoints["loss"].append(float(loss_fn(params, X, Y)))
        checkpoints["test_accuracy"].append(float(np.mean(model.predict(params, data.X_test) == data.y_test)))
    return checkpoints


# -- summary and figures: read the results only ---------------------------------------------------


def _band(values) -> dict:
    """Median and 10–90 % band of a list of numbers (over seeds)."""
    v = np.asarray(values, dtype=float)
    return {
        "median": float(np.median(v)),
        "p10": float(np.percentile(v, 10)),
        "p90": float(np.percentile(v, 90)),
        "seeds": int(v.size),
    }


def _ratios(norms) -> list:
    """Input layer's norm over the output layer's, per seed."""
    return [n[0] / n[-1] for n in norms]


def _seed_cell(results, act, scale=1.0, bias=0.0):
    rows = results.where(part="seeds", activation=act, scale=scale, bias=bias)
    return rows[0] if rows else None


def summarize(results):
    out = {"metric": MIXED_NAME}
    depths = sorted(results.where(part="methods").unique("depth"))
    for act in results.unique("activation"):
        spreads, seconds = {}, {}
        for d in depths:
            rows = {r["cell"]["method"]: r["metrics"] for r in results.where(part="methods", activation=act, depth=d)}
            ref = rows["reverse"]["norms"]
            spreads[str(d)] = {m: float(np.max(mixed_error(v["norms"], ref))) for m, v in rows.items()}
            seconds[str(d)] = {m: v["seconds"] for m, v in rows.items()}
        base = _seed_cell(results, act)
        s = {
            "method_spread": spreads,
            "method_seconds": seconds,
            "depth": base["cell"]["depth"],
            "first_over_last": _band(_ratios(base["metrics"]["norms"])),
            "scales": {
                str(r["cell"]["scale"]): _band(_ratios(r["metrics"]["norms"]))
                for r in results.where(part="seeds", activation=act, bias=0.0)
            },
        }
        if act == "relu":
            width = base["cell"]["width"]
            s["dead_at_init"] = {
                str(r["cell"]["bias"]): {
                    **_band([float(np.mean(d)) for d in r["metrics"]["dead"]]),
                    "units_dead_median": float(np.median([width * sum(d) for d in r["metrics"]["dead"]])),
                    "units": width * (r["cell"]["depth"]),
                }
                for r in sorted(results.where(part="seeds", activation=act, scale=1.0), key=lambda r: r["cell"]["bias"])
            }
        train = results.where(part="training", activation=act)
        if train:
            last = [t["metrics"] for t in train]
            s["training"] = {
                "seeds": len(last),
                "epochs": last[0]["epoch"][-1],
                # a seed whose output layer's gradient is exactly 0 (dead relu net) has no ratio
                "first_over_last_final": _band(
                    [m["norms"][-1][0] / m["norms"][-1][-1] for m in last if m["norms"][-1][-1] > 0] or [float("nan")]
                ),
                "zero_output_gradient": sum(m["norms"][-1][-1] == 0 for m in last),
                "test_accuracy": _band([m["test_accuracy"][-1] for m in last]),
            }
            if act == "relu":
                s["training"]["dead_final"] = _band([float(np.mean(m["dead"][-1])) for m in last])
                s["training"]["dead_initial"] = _band([float(np.mean(m["dead"][0])) for m in last])
        out[act] = s
    return out


def _ratio_words(b) -> str:
    """The median's direction only when the seeds' 10–90 % band agrees with it: a band straddling 1 (tanh's
    0.408–3.2 over 20 seeds) read "grows 1.05×" under one seed and "shrinks 1.29×" under another."""
    r, band = b["median"], f"{num(b['p10'])}–{num(b['p90'])} over 10–90 % of {b['seeds']} seeds"
    if b["p10"] <= 1 <= b["p90"]:
        return f"shrinks on some seeds and grows on others (median ratio {num(r)}, {band})"
    word = f"shrinks {num(1 / r)}×" if r < 1 else f"grows {num(r)}×"
    return f"{word} (ratio {band})"


#: a dash per method, so that identical curves stay visible on top of each other
_DASH = {"symbolic": "-", "numeric": "-.", "forward": "--", "reverse": ":"}
_SIZE = {"symbolic": 9, "numeric": 7, "forward": 5, "reverse": 3}


def _layer_axis(ax, n_layers):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(-0.3, n_layers - 0.7)


def _fig_methods(results, summary, acts):
    depths = sorted(results.where(part="methods").unique("depth"))
    fig, axes = new_figure(ncols=len(acts), nrows=len(depths), width=3.8, height=3.2)
    for row, depth in zip(axes, depths):
        for ax, act in zip(row, acts):
            spread = summary[act]["method_spread"][str(depth)]
            for r in results.where(part="methods", activation=act, depth=depth):
                m, method = r["metrics"], r["cell"]["method"]
                style = {**method_style(method), "ls": _DASH.get(method, "-"), "ms": _SIZE.get(method, 5)}
                same = "identical to reverse" if spread[method] == 0 else f"max diff {num(spread[method])}"
                style["label"] = method if method == "reverse" else f"{method} ({same})"
                ax.plot(np.arange(len(m["norms"])), m["norms"], lw=1.2, mfc="none", **style)
            ax.set(
                yscale="log",
                xlabel="layer (0 = input layer)",
                ylabel="‖∂L/∂W‖ (Frobenius)",
                title=f"{act}, {depth} hidden layers, one seed",
            )
            _layer_axis(ax, depth + 1)
            ax.legend(fontsize=6)
    worst = max(v for a in acts for d in summary[a]["method_spread"].values() for v in d.values())
    slow = max(
        (
            (summary[a]["method_seconds"][d][m], m, d)
            for a in acts
            for d in summary[a]["method_seconds"]
            for m in summary[a]["method_seconds"][d]
        )
    )
    return FigureSpec(
        "norms_at_init",
        fig,
        "Per-layer gradient norms at initialisation, by method",
        "The Frobenius norm of the loss gradient with respect to each layer's weights for the same initial network "
        "(one seed), computed by every method; each method has its own dash and marker size so that identical "
        "curves stay visible, and the legend gives its largest difference from reverse mode.",
        f"Every method ran at every depth (the slowest cell: {slow[1]} at depth {slow[2]}, {num(slow[0])} s) and all "
        f"see the same per-layer norms to a mixed error ({MIXED_NAME}) of at most {num(worst)}.",
    )


def _fig_seeds(results, summary, acts):
    fig, axes = new_figure(ncols=len(acts), width=3.8, height=3.2)
    for ax, act in zip(axes[0], acts):
        r = _seed_cell(results, act)
        b = bands(r["metrics"]["norms"])
        layers = np.arange(len(b["median"]))
        style = method_style("reverse")
        ax.fill_between(layers, b["lo"], b["hi"], color=style["color"], alpha=0.25, lw=0, label="10–90 % of seeds")
        ax.plot(layers, b["median"], color=style["color"], marker="o", ms=4, label="median")
        ax.set(
            yscale="log",
            xlabel="layer (0 = input layer)",
            ylabel="‖∂L/∂W‖ (Frobenius)",
            title=f"{act}, {r['cell']['depth']} hidden layers, {b['seeds']} seeds",
        )
        _layer_axis(ax, len(layers))
        ax.legend(fontsize=7)
    depth = summary[acts[0]]["depth"]
    return FigureSpec(
        "norms_over_seeds",
        fig,
        "Per-layer gradient norms at initialisation over seeds",
        "Median and 10–90 % band over seeds of each layer's gradient norm (reverse mode, the library's "
        "initialisation: Glorot, He for relu; zero biases).",
        f"With {depth} hidden layers, from the output layer back to the input layer the gradient "
        + "; ".join(f"{_ratio_words(summary[a]['first_over_last'])} with {a}" for a in acts)
        + ".",
    )


def _fig_scales(results, summary, acts):
    fig, axes = new_figure(ncols=2 if "relu" in acts else 1, width=4.4, height=3.4)
    ax = axes[0, 0]
    markers = {"sigmoid": "s", "tanh": "o", "relu": "^"}
    for act in acts:
        sc = summary[act]["scales"]
        x = sorted(float(k) for k in sc)
        med = [sc[str(k)]["median"] for k in x]
        color = matplotlib.colormaps["tab10"](acts.index(act))
        ax.fill_between(x, [sc[str(k)]["p10"] for k in x], [sc[str(k)]["p90"] for k in x], color=color, alpha=0.2, lw=0)
        ax.plot(x, med, marker=markers.get(act, "o"), color=color, label=act)
    ax.axhline(1.0, color="#777777", lw=1, ls=":", label="no change (ratio 1)")
    ax.set_xscale("log")
    data_ticks(ax.xaxis, [float(k) for a in acts for k in summary[a]["scales"]])
    ax.set(
        yscale="log",
        xlabel="initial weight scale (× the library's init)",
        ylabel="‖∂L/∂W_input‖ / ‖∂L/∂W_output‖",
        title="Vanishing and exploding vs init scale",
    )
    ax.legend(fontsize=7)
    parts = []
    for act in acts:
        sc = summary[act]["scales"]
        lo, hi = min(sc, key=float), max(sc, key=float)
        parts.append(
            f"{act}: at {lo}× the ratio is {num(sc[lo]['median'])} ({num(sc[lo]['p10'])}–{num(sc[lo]['p90'])}), "
            f"at {hi}× {num(sc[hi]['median'])} ({num(sc[hi]['p10'])}–{num(sc[hi]['p90'])})"
        )
    if "relu" in acts:
        ax = axes[0, 1]
        dead = summary["relu"]["dead_at_init"]
        x = sorted(float(k) for k in dead)
        ax.fill_between(
            x,
            [100 * dead[str(k)]["p10"] for k in x],
            [100 * dead[str(k)]["p90"] for k in x],
            color="#555555",
            alpha=0.2,
            lw=0,
            label="10–90 % of seeds",
        )
        ax.plot(x, [100 * dead[str(k)]["median"] for k in x], marker="^", color="#555555", label="median")
        ax.set(
            xlabel="initial bias of every relu unit",
            ylabel="hidden units dead at init (%)",
            title="relu: dead units at initialisation vs bias",
            ylim=(-2, 102),
        )
        ax.legend(fontsize=7)
        zero, neg = dead["0.0"], dead[str(min(x))]
        parts.append(
            f"relu units dead at initialisation (zero output on all {results[0]['cell']['batch']} examples): "
            f"median {num(100 * zero['median'])}% ({num(zero['units_dead_median'])} of {zero['units']} units) "
            f"with zero bias, {num(100 * neg['median'])}% with bias {min(x)}"
        )
    seeds = _seed_cell(results, acts[0])["cell"]["seeds"]
    return FigureSpec(
        "init_scale",
        fig,
        "Initial weight scale and bias: vanishing, exploding and dead units",
        f"Left: input-over-output gradient norm ratio (median and 10–90 % band over {seeds} seeds) as every initial "
        "weight is multiplied by a scale. Right: the fraction of relu units that are dead before any training, as "
        "every bias starts at a negative value.",
        sentence(parts),
    )


def _fig_training(results, summary, trained):
    fig, axes = new_figure(ncols=len(trained), width=3.8, height=3.4)
    for ax, act in zip(axes[0], trained):
        runs = [r["metrics"] for r in results.where(part="training", activation=act)]
        epoch = runs[0]["epoch"]
        norms = np.asarray([m["norms"] for m in runs])  # (seeds, checkpoints, layers)
        colors = [matplotlib.colormaps["viridis"](x) for x in np.linspace(0, 0.9, norms.shape[2])]
        for l in range(norms.shape[2]):
            b = bands(norms[:, :, l])
            ax.fill_between(epoch, b["lo"], b["hi"], color=colors[l], alpha=0.15, lw=0)
            ax.plot(epoch, b["median"], color=colors[l], marker="o", ms=2.5, lw=1, label=f"layer {l}")
        ax.set(
            yscale="log",
            xlabel="epoch",
            ylabel="‖∂L/∂W‖ (Frobenius)",
            title=f"{act}: during training, {len(runs)} seeds",
        )
        ax.legend(fontsize=6, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    seeds = summary[trained[0]]["training"]["seeds"]
    note = "" if seeds >= MIN_SEEDS else f" (indicative: {seeds} seeds per activation)"
    return FigureSpec(
        "norms_training",
        fig,
        "Per-layer gradient norms during training",
        "Reverse-mode gradient norm of each layer at checkpoints while the network trains with plain SGD: median over "
        "training seeds with the 10–90 % band shaded.",
        f"After training{note}, the input-to-output gradient ratio (median and 10–90 % of seeds) is "
        + "; ".join(trained_words(summary[a]["training"], a) for a in trained)
        + ".",
    )


def trained_words(t: dict, act: str) -> str:
    """One activation's ratio after training with its spread over seeds (the sentence gave the median alone, where
    the full preset's relu at seed 3 read "0.13", 0.0759–0.564 over 10–90 % of seeds), and its median test accuracy.

    >>> band = lambda m, lo, hi: {"median": m, "p10": lo, "p90": hi, "seeds": 10}
    >>> trained_words({"first_over_last_final": band(0.13, 0.03, 0.77), "test_accuracy": band(0.985, 0.9, 1.0),
    ...                "seeds": 10, "zero_output_gradient": 1}, "relu")
    '0.13 (0.03–0.77) for relu (test accuracy 0.985; 1 of 10 seeds end with an output-layer gradient of exactly 0 and have no ratio)'
    """
    r = t["first_over_last_final"]
    text = f"{num(r['median'])} ({num(r['p10'])}–{num(r['p90'])}) for {act} "
    text += f"(test accuracy {num(t['test_accuracy']['median'])}"
    if t.get("zero_output_gradient"):
        text += (
            f"; {t['zero_output_gradient']} of {t['seeds']} seeds end with an output-layer gradient of exactly 0 "
            "and have no ratio"
        )
    return text + ")"


def _fig_dead(results, summary):
    runs = [r["metrics"] for r in results.where(part="training", activation="relu")]
    dead = 100 * np.asarray([m["dead"] for m in runs])  # (seeds, checkpoints, layers)
    epoch = runs[0]["epoch"]
    fig, axes = new_figure(width=5.0, height=3.4)
    ax = axes[0, 0]
    colors = [matplotlib.colormaps["viridis"](x) for x in np.linspace(0, 0.9, dead.shape[2])]
    for l in range(dead.shape[2]):
        b = bands(dead[:, :, l])
        ax.fill_between(epoch, b["lo"], b["hi"], color=colors[l], alpha=0.15, lw=0)
        ax.plot(epoch, b["median"], color=colors[l], marker="o", ms=2.5, lw=1, label=f"hidden layer {l}")
    ax.set(
        xlabel="epoch",
        ylabel="dead units (%)",
        title=f"relu: dead units during training, {len(runs)} seeds",
        ylim=(-2, max(10.0, float(dead.max()) + 5)),
    )
    ax.legend(fontsize=6, ncols=2)
    t = summary["relu"]["training"]
    note = "" if t["seeds"] >= MIN_SEEDS else f" (indicative: {t['seeds']} seeds)"
    return FigureSpec(
        "dead_relu",
        fig,
        "Dead relu units during training",
        "For each hidden layer, the percentage of relu units whose output is zero for every example of the batch "
        "(their incoming weights get no gradient at all): median over training seeds, 10–90 % band shaded.",
        f"Before training {num(100 * t['dead_initial']['median'])}% of the hidden relu units are dead (median over "
        f"seeds); after {t['epochs']} epochs {num(100 * t['dead_final']['median'])}% "
        f"({num(100 * t['dead_final']['p10'])}–{num(100 * t['dead_final']['p90'])}% over 10–90 % of seeds){note}.",
    )


def figures(results, summary):
    acts = results.unique("activation")
    specs = [
        _fig_seeds(results, summary, acts),
        _fig_methods(results, summary, acts),
        _fig_scales(results, summary, acts),
    ]
    trained = [a for a in acts if results.where(part="training", activation=a)]
    if trained:
        specs.append(_fig_training(results, summary, trained))
    if "relu" in trained:
        specs.append(_fig_dead(results, summary))
    return specs


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
