"""Cost scaling: how the cost of a gradient and of a Jacobian grows with inputs n and outputs m.

Deterministic counts carry the claims (equations executed, `difflab.graph.EvalCounter`; function
evaluations or sweeps, `Prepared.evals`; symbolic derivative size); wall time is shown beside them.
Forward mode runs one tangent per sweep (`Forward(chunk=1)`), the textbook forward mode.
"""
from __future__ import annotations

import time
import tracemalloc

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.graph import EvalCounter
from difflab.report.figures import FigureSpec, data_ticks, guide_line, new_figure, plot_method
from difflab.report.stats import loglog_slope, num, slope_words, tail_slope

QUESTION = ("How do the time and the operation counts of a gradient and of a Jacobian grow with the "
            "number of inputs n and outputs m, for each method, and what does reverse mode pay in memory?")

PRESETS = {
    "quick": {"n": [4, 8, 16, 32, 64, 128, 256], "symbolic_max_n": 32, "jac_n": 16, "m": [1, 4, 16, 64, 256],
              "symbolic_max_m": 4, "depth": [1, 2, 4, 8, 16, 32], "width": 16, "batch": 256, "repeat": 3},
    "full": {"n": [4, 8, 16, 32, 64, 128, 256, 512, 1024], "symbolic_max_n": 128, "jac_n": 32,
             "m": [1, 2, 4, 8, 16, 32, 64, 128, 256], "symbolic_max_m": 16, "depth": [1, 2, 4, 8, 16, 32, 64, 128],
             "width": 16, "batch": 512, "repeat": 5},
}

METHODS = ("symbolic", "numeric", "forward", "reverse")
#: calls before measuring: a method may interpret its first call and compile on a later one
WARMUP = 3
COUNTED = ("numeric", "forward", "reverse")  # methods whose work runs through the tape


def _method(name):
    # forward: one tangent per sweep, so its sweep count is the classic n
    return {"forward": dl.Forward(chunk=1), "numeric": dl.Numeric(scheme="central")}.get(name, name)


def cells(config):
    out = []
    for n in config["n"]:
        out += [{"part": "gradient", "method": m, "n": n} for m in METHODS
                if m != "symbolic" or n <= config["symbolic_max_n"]]
    for m_out in config["m"]:
        out += [{"part": "jacobian", "method": m, "n": config["jac_n"], "m": m_out} for m in METHODS
                if m != "symbolic" or m_out <= config["symbolic_max_m"]]
    for d in config["depth"]:
        out += [{"part": "memory", "method": m, "depth": d, "width": config["width"], "batch": config["batch"]}
                for m in ("forward", "forward_vectorised", "reverse")]
    return [dict(c, repeat=config["repeat"]) for c in out]


def gradient_function(x):
    """A scalar function of n inputs whose tape has the same few equations for every n."""
    return dnp.sum(dnp.sin(x) * x * x) + dnp.sum(dnp.tanh(x))


def _measure(fn, x, method, product, repeat):
    t0 = time.perf_counter()
    prep = dl.prepare(fn, x, method=_method(method))
    for _ in range(WARMUP):  # lazy compilation belongs to preparation
        getattr(prep, product)(x)
    prepare_seconds = time.perf_counter() - t0
    prep.prepared.evals, EvalCounter.eqns = 0, 0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        getattr(prep, product)(x)
        times.append(time.perf_counter() - t0)
    metrics = {"evals": prep.prepared.evals // repeat, "eqns": EvalCounter.eqns // repeat,
               "f_eqns": len(prep.graph.eqns), "seconds": float(np.median(times)),
               "prepare_seconds": prepare_seconds}
    if method == "symbolic":
        metrics.update(prep.prepared.expression_size("jacobian"))
    return metrics


def _memory(cell, rng):
    width, batch = cell["width"], cell["batch"]
    X = rng.standard_normal((batch, width))
    Ws = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(cell["depth"])]

    def net(x):
        h = X * x
        for W in Ws:
            h = dnp.tanh(h @ W)
        return dnp.mean(h * h)

    method = {"forward": dl.Forward(chunk=1), "forward_vectorised": dl.Forward()}.get(cell["method"], "reverse")
    x = np.ones(width)
    prep = dl.prepare(net, x, method=method)
    for _ in range(WARMUP):
        prep.grad(x)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        t0 = time.perf_counter()
        prep.grad(x)
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return {"peak_bytes": int(peak), "seconds": seconds, "layer_bytes": batch * width * 8}


def run_cell(cell, seed):
    rng = np.random.default_rng(seed)
    if cell["part"] == "memory":
        return _memory(cell, rng)
    x = rng.uniform(-1.0, 1.0, cell["n"])
    if cell["part"] == "gradient":
        return _measure(gradient_function, x, cell["method"], "grad", cell["repeat"])
    A = rng.standard_normal((cell["m"], cell["n"])) / np.sqrt(cell["n"])
    return _measure(lambda v: dnp.tanh(A @ v), x, cell["method"], "jacobian", cell["repeat"])


# -- summary and figures: read the results only ---------------------------------------------------

def _series(results, part, method, x_key, y_key):
    rows = sorted(results.where(part=part, method=method), key=lambda r: r["cell"][x_key])
    return [r["cell"][x_key] for r in rows], [r["metrics"][y_key] for r in rows]


def summarize(results):
    s = {"gradient_eqns_slope": {}, "gradient_evals_slope": {}, "jacobian_eqns_slope_m": {},
         "cheap_gradient_ratio": {}, "gradient_seconds_slope": {}}
    for m in COUNTED:
        s["gradient_eqns_slope"][m] = loglog_slope(*_series(results, "gradient", m, "n", "eqns"))
        s["gradient_evals_slope"][m] = loglog_slope(*_series(results, "gradient", m, "n", "evals"))
        # a Jacobian costs one forward sweep plus one sweep per output: affine, so read the tail
        s["jacobian_eqns_slope_m"][m] = tail_slope(*_series(results, "jacobian", m, "m", "eqns"))
        ratios = [r["metrics"]["eqns"] / r["metrics"]["f_eqns"] for r in results.where(part="gradient", method=m)]
        s["cheap_gradient_ratio"][m] = [min(ratios), max(ratios)] if ratios else None
    for m in METHODS:
        s["gradient_seconds_slope"][m] = loglog_slope(*_series(results, "gradient", m, "n", "seconds"))
    s["symbolic_cse_slope"] = loglog_slope(*_series(results, "gradient", "symbolic", "n", "cse"))
    s["memory_slope_depth"] = {m: tail_slope(*_series(results, "memory", m, "depth", "peak_bytes"))
                               for m in ("forward", "forward_vectorised", "reverse")}
    depth, peak = _series(results, "memory", "reverse", "depth", "peak_bytes")
    if len(depth) > 1:
        s["reverse_bytes_per_layer"] = float(np.polyfit(depth, peak, 1)[0])
        s["layer_bytes"] = results.where(part="memory")[0]["metrics"]["layer_bytes"]
    return s


def _panel(ax, results, part, x_key, y_key, methods, xlabel, ylabel, title, fit=True, scale=1.0):
    """Log-log lines of `y_key` (times `scale`) against `x_key`, one per method; returns reverse's (x, y)."""
    for m in methods:
        x, y = _series(results, part, m, x_key, y_key)
        plot_method(ax, x, [v * scale for v in y], m, fit=fit)
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel=ylabel, title=title)
    x, y = _series(results, part, "reverse", x_key, y_key)
    data_ticks(ax.xaxis, x)
    return x, y


def _fig_gradient(results, s):
    fig, axes = new_figure(2)
    ax, ax2 = axes[0]
    n, eq = _panel(ax, results, "gradient", "n", "eqns", COUNTED, "inputs n", "equations executed per gradient",
                   "Gradient cost, tape equations executed")
    guide_line(ax, n, 1.0, (n[0], eq[0]), "O(n) guide")
    guide_line(ax, n, 0.0, (n[0], eq[0]), "O(1) guide")
    ax.legend()
    sn, cse = _series(results, "gradient", "symbolic", "n", "cse")
    plot_method(ax2, sn, cse, "symbolic", label="symbolic: ops after CSE")
    plot_method(ax2, *_series(results, "gradient", "symbolic", "n", "naive"), "symbolic", ls="--",
                label="symbolic: ops before CSE")
    plot_method(ax2, *_series(results, "gradient", "symbolic", "n", "tape"), "reverse", label="tape length of f")
    ax2.set(xscale="log", yscale="log", xlabel="inputs n", ylabel="operations (count)",
            title="Symbolic gradient: size of the lambdified code")
    data_ticks(ax2.xaxis, sn)
    ax2.legend()
    e = s["gradient_eqns_slope"]
    conclusion = (f"Reverse-mode cost is {slope_words(e['reverse'])} while forward mode is {slope_words(e['forward'])} "
                  f"and central differences are {slope_words(e['numeric'])}; the symbolic derivative's size after "
                  f"CSE is {slope_words(s['symbolic_cse_slope'])}.")
    tape = results.where(part="gradient", method="reverse")[0]["metrics"]["f_eqns"]
    return FigureSpec("gradient_counts", fig, "Cost of one full gradient vs n (log-log)",
                      f"Left: equations executed (EvalCounter) for one gradient of a function whose tape has {tape} "
                      "equations for every n, with fitted slopes and O(n)/O(1) guides; right: the symbolic gradient's "
                      "size in operations before and after common-subexpression elimination.", conclusion)


def _fig_jacobian(results, s):
    fig, axes = new_figure()
    ax = axes[0, 0]
    n = results.where(part="jacobian")[0]["cell"]["n"]
    m_, eq = _panel(ax, results, "jacobian", "m", "eqns", COUNTED, "outputs m", "equations executed per Jacobian",
                    f"Full Jacobian of tanh(A x), n = {n} inputs", fit=tail_slope)
    guide_line(ax, m_, 1.0, (m_[0], eq[0]), "O(m) guide")
    ax.legend()
    e = s["jacobian_eqns_slope_m"]
    fwd = dict(zip(*_series(results, "jacobian", "forward", "m", "eqns")))
    dearer = [m for m, cost in zip(m_, eq) if cost > fwd.get(m, np.inf)]
    crossover = (f"reverse executes fewer equations than forward up to m = {max(k for k in m_ if k < dearer[0])} and "
                 f"more from m = {dearer[0]}" if dearer and dearer[0] > m_[0] else
                 "reverse executes fewer equations than forward at every m measured" if not dearer else
                 "forward executes fewer equations than reverse at every m measured")
    conclusion = (f"With n = {n} fixed, reverse mode's Jacobian cost is {slope_words(e['reverse'], 'm')} at large m "
                  f"(one backward sweep per output) while forward ({slope_words(e['forward'], 'm')}) and numeric "
                  f"({slope_words(e['numeric'], 'm')}) pay per input: {crossover}.")
    return FigureSpec("jacobian_counts", fig, "Cost of a full Jacobian vs outputs m",
                      "Equations executed for the whole m×n Jacobian of y = tanh(A x) as the number of outputs m grows "
                      "with the number of inputs fixed; slopes are fitted over the larger half of m (past the fixed "
                      "cost of the one forward sweep).", conclusion)


def _fig_time(results, s):
    fig, axes = new_figure()
    ax = axes[0, 0]
    _panel(ax, results, "gradient", "n", "seconds", METHODS, "inputs n", "time per gradient (ms)",
           "Gradient wall time (median, after preparation)", scale=1e3)
    ax.legend()
    t = s["gradient_seconds_slope"]
    sym = max(results.where(part="gradient", method="symbolic"), key=lambda r: r["cell"]["n"])
    conclusion = (f"Measured per gradient, wall time is: reverse {slope_words(t['reverse'])}, forward "
                  f"{slope_words(t['forward'])}, numeric {slope_words(t['numeric'])}; symbolic's lambdified "
                  f"gradient is {slope_words(t['symbolic'])} once prepared, but preparing it took "
                  f"{num(sym['metrics']['prepare_seconds'])} s at n = {sym['cell']['n']}, "
                  f"{num(sym['metrics']['prepare_seconds'] / sym['metrics']['seconds'])} gradient calls' worth.")
    return FigureSpec("gradient_time", fig, "Time per gradient vs n",
                      "Median wall time of one gradient call per method, preparation excluded (log-log).", conclusion)


def _fig_ratio(results, s):
    fig, axes = new_figure()
    ax = axes[0, 0]
    for m in COUNTED:
        rows = sorted(results.where(part="gradient", method=m), key=lambda r: r["cell"]["n"])
        plot_method(ax, [r["cell"]["n"] for r in rows], [r["metrics"]["eqns"] / r["metrics"]["f_eqns"] for r in rows],
                    m, fit=False)
    ax.axhline(4.0, ls=":", color="#777777", label="4 (cheap-gradient bound)")
    ax.set(xscale="log", yscale="log", xlabel="inputs n", ylabel="cost(gradient) / cost(f)  (equations)",
           title="The cheap-gradient ratio")
    data_ticks(ax.xaxis, [r["cell"]["n"] for r in rows])
    ax.legend()
    lo, hi = s["cheap_gradient_ratio"]["reverse"]
    flo, fhi = s["cheap_gradient_ratio"]["forward"]
    span = num(lo) if num(lo) == num(hi) else f"{num(lo)}–{num(hi)}"
    conclusion = (f"A reverse-mode gradient costs {span} evaluations of f whatever n, "
                  f"{'within' if hi <= 4 else 'above'} the bound of 4, while forward mode's ratio climbs from "
                  f"{num(flo)} to {num(fhi)} with n.")
    return FigureSpec("cheap_gradient_ratio", fig, "Cost of a gradient in units of f",
                      "Equations executed for one gradient divided by the equations of one evaluation of f.",
                      conclusion)


def _fig_memory(results, s):
    fig, axes = new_figure()
    ax = axes[0, 0]
    labels = {"forward": "forward (1 tangent per sweep)", "forward_vectorised": "forward (all n tangents at once)",
              "reverse": "reverse"}
    for m, label in labels.items():
        d, peak = _series(results, "memory", m, "depth", "peak_bytes")
        plot_method(ax, d, [p / 2 ** 20 for p in peak], m, fit=False, label=label, ls="--" if "vector" in m else "-")
    # linear axes: stored layers make reverse's memory an affine function of depth
    ax.set(xlabel="network depth (layers)", ylabel="peak memory during a gradient (MiB)",
           title="Memory vs depth (tracemalloc peak)", ylim=(0, None))
    ax.legend()
    per = s.get("reverse_bytes_per_layer", float("nan"))
    conclusion = (f"Reverse mode's peak memory is {slope_words(s['memory_slope_depth']['reverse'], 'depth')} at "
                  f"large depth, "
                  f"{num(per / 1024)} KiB per layer (one layer's values are {num(s.get('layer_bytes', 0) / 1024)} KiB): "
                  f"it stores every layer for the backward sweep, while one-tangent forward mode is "
                  f"{slope_words(s['memory_slope_depth']['forward'], 'depth')}.")
    return FigureSpec("memory_depth", fig, "Peak memory vs network depth",
                      "Peak traced allocation during one gradient of a tanh network (batch × width activations per "
                      "layer) for reverse mode and two forms of forward mode.", conclusion)


def figures(results, summary):
    return [_fig_gradient(results, summary), _fig_jacobian(results, summary), _fig_time(results, summary),
            _fig_ratio(results, summary), _fig_memory(results, summary)]


if __name__ == "__main__":
    from difflab.runner import main

    raise SystemExit(main(__file__))
