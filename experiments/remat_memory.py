"""Reverse-mode memory vs time: checkpointing (rematerialisation) against depth.

A chain of `depth` elementwise layers x -> tanh(x)·0.9 + 0.1 on a vector of `width` elements,
summed. One reverse-mode gradient is taken plainly (the tape keeps every layer's values) and
through `dl.checkpoint_sequential` with round(√depth) segments (the tape keeps the segment
boundaries; the backward sweep recomputes one segment at a time). Per cell: the peak traced
memory of one gradient (tracemalloc's peak during a call after warm-up calls, plus the buffers the compiled
gradient keeps between calls: `difflab.runner.measure`), the equations executed
(`difflab.graph.counting`, deterministic: the recomputation shows as extra forward equations), and the time of
repeated calls (outside tracemalloc). The summary fits the plain peak's bytes per layer and draws,
in units of it, the √depth line (segments + depth/segments layers held at once) and Griewank's
revolve bound: the fewest stored states with which any schedule reverses `depth` steps when each
step is evaluated at most t times, the least s with C(s + t, t) ≥ depth (Griewank 1992), t read
from the measured equation counts.
"""

from __future__ import annotations

import math

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.graph import counting
from difflab.report.figures import FigureSpec, data_ticks, new_figure
from difflab.runner.measure import call_peak_bytes, interleaved_times
from difflab.report.stats import num, ordering, sentence, slope_words, tail_slope

QUESTION = (
    "How does the peak memory of one reverse-mode gradient grow with depth, with and without √depth "
    "checkpointing, how close does checkpointing come to Griewank's revolve bound, and what does it cost "
    "in time?"
)

PRESETS = {
    "quick": {"depth": [1, 4, 16, 64], "width": 4096, "repeat": 5},
    "full": {"depth": [1, 4, 16, 64, 256], "width": 20000, "repeat": 9},
}

MODES = ("plain", "checkpointed")
#: calls before measuring: the first call traces and stages the gradient
WARMUP = 2


def segments_for(depth: int) -> int:
    """The √depth rule: round(√depth) segments, at least one."""
    return max(1, round(math.sqrt(depth)))


def layers(depth: int) -> list:
    return [lambda x: dnp.tanh(x) * 0.9 + 0.1] * depth


def gradient_fn(mode: str, depth: int):
    """The reverse-mode gradient of sum(chain(x)), plain or checkpointed in √depth segments."""
    if mode == "checkpointed":
        chain = dl.checkpoint_sequential(layers(depth), segments_for(depth))
    else:

        def chain(x, layers=layers(depth)):
            for layer in layers:
                x = layer(x)
            return x

    return dl.grad(lambda x: dnp.sum(chain(x)), method="reverse")


def revolve_states(steps: int, evaluations: int) -> int:
    """Griewank's binomial bound: the least number of stored states s with which a chain of `steps`
    steps can be reversed when each step is evaluated at most `evaluations` times,
    the least s with C(s + t, t) >= steps."""
    s = 0
    while math.comb(s + evaluations, evaluations) < steps:
        s += 1
    return s


def cells(config):
    out = [
        {"mode": m, "depth": d, "width": config["width"], "repeat": config["repeat"]}
        for d in config["depth"]
        for m in MODES
    ]
    # the times: one cell, both modes at every depth called round-robin (runner.measure.interleaved_times), so that
    # a burst of other work slows one round of both, not all repeats of one
    points = [[c["mode"], c["depth"]] for c in out]
    return out + [{"mode": "time", "points": points, "width": config["width"], "repeat": config["repeat"]}]


def _plain_sum(depth):
    def f(x):
        for layer in layers(depth):
            x = layer(x)
        return dnp.sum(x)

    return f


def run_cell(cell, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, cell["width"])
    if cell["mode"] == "time":
        calls = {k: (lambda g=gradient_fn(m, d): g(x)) for k, (m, d) in enumerate(cell["points"])}
        t = interleaved_times(calls, cell["repeat"], warm=WARMUP)
        return {"seconds": [t[k] for k in range(len(cell["points"]))]}
    g = gradient_fn(cell["mode"], cell["depth"])
    for _ in range(WARMUP):
        g(x)
    with counting() as cost:
        value = g(x)
    eqns = cost.eqns
    peak = call_peak_bytes(g, x)  # what the call allocates + the buffers the compiled gradient keeps between calls
    # the chain rule in closed form: the answer both modes must give
    want, h = np.ones_like(x), x
    for _ in range(cell["depth"]):
        t = np.tanh(h)
        want, h = want * 0.9 * (1.0 - t * t), t * 0.9 + 0.1
    return {
        "peak_bytes": int(peak),
        "eqns": eqns,
        "f_eqns": len(dl.trace(_plain_sum(cell["depth"]), x).eqns),
        "segments": segments_for(cell["depth"]) if cell["mode"] == "checkpointed" else None,
        "state_bytes": int(x.nbytes),
        "max_error": float(np.max(np.abs(np.asarray(value) - want))),
    }


# -- summary and figures: read the results only ---------------------------------------------------


def _series(results, mode, key):
    if key == "seconds":  # from the round-robin timing cell (runs before it kept them in each cell)
        for r in results.where(mode="time"):
            got = sorted((d, t) for (m, d), t in zip(r["cell"]["points"], r["metrics"]["seconds"]) if m == mode)
            return [d for d, _ in got], [t for _, t in got]
    rows = sorted(results.where(mode=mode), key=lambda r: r["cell"]["depth"])
    return [r["cell"]["depth"] for r in rows], [r["metrics"][key] for r in rows]


def summarize(results):
    depth, plain = _series(results, "plain", "peak_bytes")
    _, ck = _series(results, "checkpointed", "peak_bytes")
    _, segments = _series(results, "checkpointed", "segments")
    _, e_plain = _series(results, "plain", "eqns")
    _, e_ck = _series(results, "checkpointed", "eqns")
    _, f_eqns = _series(results, "plain", "f_eqns")
    _, t_plain = _series(results, "plain", "seconds")
    _, t_ck = _series(results, "checkpointed", "seconds")
    state = results[0]["metrics"]["state_bytes"]
    # bytes the plain tape keeps per layer: the slope of an affine fit of its peak against depth
    per_layer = float(np.polyfit(depth, plain, 1)[0]) if len(depth) > 1 else float(plain[0])
    # evaluations of each layer under checkpointing: the original forward plus the recomputed ones
    recomputed = [(b - a) / f for a, b, f in zip(e_plain, e_ck, f_eqns)]
    evaluations = 1 + round(recomputed[-1])
    sqrt_line = [s + math.ceil(d / s) for d, s in zip(depth, segments)]
    revolve = [revolve_states(d, evaluations) for d in depth]
    timing = [ordering({"plain": a, "checkpointed": b}, " s") for a, b in zip(t_plain, t_ck)]
    return {
        "depth": depth,
        "state_bytes": state,
        "plain_bytes_per_layer": per_layer,
        "plain_states": [p / state for p in plain],
        "checkpointed_states": [c / state for c in ck],
        "plain_slope": tail_slope(depth, plain) if len(depth) > 1 else None,
        "checkpointed_slope": tail_slope(depth, ck) if len(depth) > 1 else None,
        "segments": segments,
        "sqrt_line_states": sqrt_line,
        "evaluations": evaluations,
        "revolve_states": revolve,
        "recomputed_forwards": recomputed,
        "eqns_ratio": [b / a for a, b in zip(e_plain, e_ck)],
        "time_ratio": [float(np.min(b) / np.min(a)) for a, b in zip(t_plain, t_ck)],
        "timing": timing,
        "max_error": max(r["metrics"]["max_error"] for r in results if "max_error" in r["metrics"]),
    }


def _fewer(states, plain) -> str:
    """'N× less' only when checkpointing holds less: the full preset once read "(0.0629× less)"."""
    return f"{num(plain / states)}× less" if states < plain else f"{num(states / plain)}× more"


def figures(results, summary):
    s = summary
    depth = s["depth"]
    fig, axes = new_figure(ncols=2, width=4.8, height=3.8)
    ax = axes[0, 0]
    ax.plot(depth, s["plain_states"], marker="o", color="#1b9e77", label="plain reverse (measured)")
    ax.plot(depth, s["checkpointed_states"], marker="D", color="#e7298a", label="√depth checkpoints (measured)")
    ax.plot(depth, s["sqrt_line_states"], ls=":", color="#e7298a", label="segments + depth/segments")
    pos = [(d, r) for d, r in zip(depth, s["revolve_states"]) if r > 0]  # 0 states (depth 1) has no log
    ax.plot(
        [d for d, _ in pos],
        [r for _, r in pos],
        ls="--",
        color="#555555",
        label=f"revolve bound, each layer run ≤ {s['evaluations']}×",
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="depth (layers)",
        ylabel="peak memory (layer states of width × 8 bytes)",
        title="Peak memory of one gradient",
    )
    data_ticks(ax.xaxis, depth)
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    for mode, color, marker in (("plain", "#1b9e77", "o"), ("checkpointed", "#e7298a", "D")):
        d, t = _series(results, mode, "seconds")
        t = 1e3 * np.asarray(t)
        ax.plot(d, np.min(t, axis=1), marker=marker, color=color, label=mode)
        ax.fill_between(d, t.min(axis=1), t.max(axis=1), color=color, alpha=0.15, lw=0)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="depth (layers)",
        ylabel="CPU time per gradient (ms, fastest and range)",
        title="Time of one gradient",
    )
    data_ticks(ax.xaxis, depth)
    ax.legend(fontsize=7)
    i = len(depth) - 1
    per = s["plain_bytes_per_layer"] / s["state_bytes"]
    parts = [
        f"plain reverse mode's peak is {slope_words(s['plain_slope'], 'depth')}, "
        f"{num(per)} layer state{'' if num(per) == '1' else 's'} per layer; with round(√depth) "
        f"checkpointed segments it is {slope_words(s['checkpointed_slope'], 'depth')} (√depth is slope 0.5)",
        f"at depth {depth[i]} ({s['segments'][i]} segments) checkpointing holds {num(s['checkpointed_states'][i])} states against plain's "
        f"{num(s['plain_states'][i])} ({_fewer(s['checkpointed_states'][i], s['plain_states'][i])}), "
        f"the √depth line predicts {s['sqrt_line_states'][i]}, and revolve's bound for at most "
        f"{s['evaluations']} evaluations per layer is {s['revolve_states'][i]} states "
        f"(checkpointing holds {num(s['checkpointed_states'][i] / max(s['revolve_states'][i], 1))}× that)",
        f"the price is {num(s['recomputed_forwards'][i])} extra forward passes' equations "
        f"({num(s['eqns_ratio'][i])}× plain's equations); in time at depth {depth[i]}: "
        f"{s['timing'][i]['text']}, a ratio of {num(s['time_ratio'][i])} (fastest repeats)",
        f"both give the closed-form gradient to {num(s['max_error'])}",
    ]
    return [
        FigureSpec(
            "remat_memory",
            fig,
            "Reverse-mode memory vs time: checkpointing against depth",
            f"One reverse gradient of a chain of tanh(x)·0.9 + 0.1 layers on {s['state_bytes'] // 8} elements: peak "
            "memory (the call's tracemalloc peak plus the buffers the compiled gradient keeps between calls) in units "
            "of one layer's state, plainly and with round(√depth) "
            "checkpointed segments, beside the √depth count (boundaries plus one segment) and Griewank's binomial "
            "bound (the fewest states any schedule with the same number of evaluations per layer needs); right, "
            "the fastest CPU time (the process's) per gradient with the repeats' range shaded (both modes at every depth timed round-robin, "
            "a round calling each once). Equation counts are deterministic; times are named only where the faster "
            "halves of the repeats separate (other work only adds time).",
            sentence(parts),
        )
    ]


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
