"""Second order: Hessian-vector products and full Hessians, their cost against n and their accuracy.

Hessian-vector products H v without forming H, by `dl.prepare_hvp` (staged once per cell) with each of
its methods: "forward-over-reverse" (its default: a JVP of the reverse-mode gradient),
"reverse-over-reverse" (the gradient of v·∇f) and "numeric" (central differences of the reverse
gradient along v). Full Hessians through `dl.hessian` with a pair of methods (outer, inner),
numeric's own second-difference stencil and symbolic. Accuracy is against f's Hessian in closed form
(checked against the 40-digit symbolic one in the tests); numeric's Hessian error is also swept over its step h, whose best value sits near
eps^(1/4) (its default is read from `Numeric`'s error model, not typed here).
"""

from __future__ import annotations


import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import NumericAccuracyWarning, recorded_warnings
from difflab.graph import counting
from difflab.report.figures import FigureSpec, data_ticks, new_figure
from difflab.report.stats import loglog_slope, noisy_slope_words, num, sentence, slope_range, slope_words, tail_slope
from difflab.runner.measure import interleaved_times

QUESTION = (
    "How do Hessian-vector products and full Hessians cost and how accurate are they for each "
    "composition of methods, and where is numeric's second-difference step best?"
)

PRESETS = {
    "quick": {
        "n": [4, 16, 64],
        "hessian_max_n": {
            "symbolic": 16,
            "numeric": 64,
            "forward/reverse": 64,
            "reverse/reverse": 16,
            "forward/forward": 16,
        },
        "h_exps": [-1, -2, -3, -4, -5, -6, -7, -8],
        "repeat": 3,
    },
    "full": {
        "n": [4, 16, 64, 256],
        "hessian_max_n": {
            "symbolic": 16,
            "numeric": 256,
            "forward/reverse": 256,
            "reverse/reverse": 64,
            "forward/forward": 64,
        },
        "h_exps": [-1, -1.5, -2, -2.5, -3, -3.5, -4, -4.5, -5, -5.5, -6, -6.5, -7, -7.5, -8],
        "repeat": 7,
    },
}

HVP = ("forward/reverse", "reverse/reverse", "numeric/reverse")
#: each H v strategy (outer/inner, the labels of the figures) as a `dl.hvp` method
HVP_METHOD = {
    "forward/reverse": "forward-over-reverse",
    "reverse/reverse": "reverse-over-reverse",
    "numeric/reverse": "numeric",
}
EPS = float(np.finfo(float).eps)
#: untimed calls before the timed rounds: the compiled tier lowers a sweep at its second call of a shape, and that
#: is preparation (the per-cell timing made two: a warm call and the counted one)
WARMUP = 2


def f(x):
    """A scalar function with a dense Hessian: an elementwise part and a squared sum."""
    return dnp.sum(dnp.sin(x) * x * x) + dnp.sum(dnp.tanh(x)) ** 2.0


def hvp(strategy, x, v):
    """H v by one composition of methods (outer/inner), through `dl.hvp`."""
    return dl.hvp(f, (x,), (v,), method=HVP_METHOD[strategy])[1]


def hessian(strategy, x, step=None):
    if strategy in ("symbolic",):
        return dl.hessian(f, method="symbolic")(x)
    if strategy == "numeric":
        return dl.hessian(f, method=dl.Numeric(step=step) if step else "numeric")(x)
    return dl.hessian(f, method=tuple(strategy.split("/")))(x)


def cells(config):
    out = [{"part": "hvp", "strategy": s, "n": n} for n in config["n"] for s in HVP]
    out += [
        {"part": "hessian", "strategy": s, "n": n}
        for n in config["n"]
        for s, cap in config["hessian_max_n"].items()
        if n <= cap
    ]
    out += [{"part": "step", "log10_h": e, "n": config["n"][0]} for e in config["h_exps"]]
    # the times: one cell a part, every (strategy, n) of it called round-robin (runner.measure.interleaved_times),
    # so that a burst of other work slows one round of every size, not all repeats of one size
    for part in ("hvp", "hessian"):
        points = [[c["strategy"], c["n"]] for c in out if c["part"] == part]
        out.append({"part": "time", "of": part, "points": points})
    return [dict(c, repeat=config["repeat"]) for c in out]


def exact_hessian(x):
    """f's Hessian in closed form (derived by hand; the tests check it against 40-digit symbolic):
    diag(2 sin x + 4x cos x − x² sin x + 2 S t'') + 2 t' t'ᵀ with t = tanh x, S = Σ t, t' = 1 − t²,
    t'' = −2 t t'."""
    t = np.tanh(x)
    t1, S = 1.0 - t * t, t.sum()
    t2 = -2.0 * t * t1
    return np.diag(2 * np.sin(x) + 4 * x * np.cos(x) - x * x * np.sin(x) + 2 * S * t2) + 2 * np.outer(t1, t1)


def _counted(fn):
    fn()  # warm: lazy compilation is not part of a product's cost
    with counting() as cost:
        value = fn()
    return np.asarray(value), cost.eqns


def _timing_cell(cell, seed):
    """Every (strategy, n) of one part timed round-robin: {"seconds": [repeats] per point, in `points`' order}."""
    rng = np.random.default_rng(seed)
    calls = {}
    for k, (strategy, n) in enumerate(cell["points"]):
        x, v = rng.uniform(-1.0, 1.0, n), rng.standard_normal(n)
        if cell["of"] == "hvp":
            prepared = dl.prepare_hvp(f, x, method=HVP_METHOD[strategy])
            calls[k] = lambda prepared=prepared, x=x, v=v: prepared((x,), (v,))[1]
        else:
            calls[k] = lambda strategy=strategy, x=x: hessian(strategy, x)
    times = interleaved_times(calls, cell["repeat"], warm=WARMUP)
    return {"seconds": [times[k] for k in range(len(cell["points"]))]}


def run_cell(cell, seed):
    if cell["part"] == "time":
        return _timing_cell(cell, seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, cell["n"])
    H = exact_hessian(x)
    if cell["part"] == "step":
        # the sweep's small steps are round-off by design: numeric's NumericAccuracyWarning there is recorded, not shown
        with recorded_warnings(NumericAccuracyWarning) as seen:
            got = hessian("numeric", x, step=10.0 ** cell["log10_h"])
        error = float(np.max(np.abs(got - H)) / np.max(np.abs(H)))
        return {"h": 10.0 ** cell["log10_h"], "error": error, "warned": seen.said}
    if cell["part"] == "hvp":
        v = rng.standard_normal(cell["n"])
        prepared = dl.prepare_hvp(f, x, method=HVP_METHOD[cell["strategy"]])
        got, eqns = _counted(lambda: prepared((x,), (v,))[1])
        want = H @ v
    else:
        got, eqns = _counted(lambda: hessian(cell["strategy"], x))
        want = H
    return {"eqns": eqns, "error": float(np.max(np.abs(got - want)) / np.max(np.abs(want)))}


# -- summary and figures: read the results only ---------------------------------------------------


def _warned_sentence(st) -> str:
    """Where numeric's NumericAccuracyWarning said round-off decides the Hessian, against the error there."""
    warned = st.get("warned_h", [])
    if not warned:
        return "Numeric warned at none of the steps (NumericAccuracyWarning)."
    worst = max(e for h, e in zip(st["h"], st["error"]) if h in warned)
    quiet = [e for h, e in zip(st["h"], st["error"]) if h not in warned]
    return (
        f"Numeric warned that round-off decides its Hessian (NumericAccuracyWarning) at {len(warned)} of "
        f"{len(st['h'])} steps, h = {', '.join(num(h) for h in sorted(warned, reverse=True))} (their largest error "
        f"{num(worst)}); the largest error where it "
        f"did not warn is {num(max(quiet)) if quiet else 'none'}."
    )


def _series(results, part, strategy, key):
    rows = sorted(results.where(part=part, strategy=strategy), key=lambda r: r["cell"]["n"])
    return [r["cell"]["n"] for r in rows], [r["metrics"][key] for r in rows]


def _times(results, part, strategy):
    """(n, repeats per n) of one strategy: from the part's round-robin timing cell, or (runs before it) from the
    per-n cells' own back-to-back repeats."""
    for r in results.where(part="time", of=part):
        got = sorted((n, t) for (s, n), t in zip(r["cell"]["points"], r["metrics"]["seconds"]) if s == strategy)
        return [n for n, _ in got], [t for _, t in got]
    return _series(results, part, strategy, "seconds")


def _eqns_slope(n, eqns):
    """The log-log slope of the equations one call runs against n: over the larger half of n from three sizes on
    (tail_slope; over two it kept one point, and its slope was None), over both of two; None for one size or where a
    count is 0 (symbolic's closed form runs no tape: graph.Cost)."""
    if len(n) < 2 or not all(eqns):
        return None
    slope = tail_slope(n, eqns) if len(n) > 2 else loglog_slope(n, eqns)
    return slope if np.isfinite(slope) else None


def _eqns_words(v) -> str:
    """A strategy's equation count against n, as the counts read (graph.Cost's rule, one call)."""
    e = v.get("eqns")
    if e is None:  # (older runs did not keep the counts)
        return ""
    if not any(e):
        return "none (its closed form runs no tape)"
    last = f"{int(e[-1])} at n = {v['n'][-1]}"
    return f"{slope_words(v['eqns_slope'])}, {last}" if v["eqns_slope"] is not None else last


def summarize(results):
    out = {"hvp": {}, "hessian": {}}
    for part in ("hvp", "hessian"):
        for s in results.where(part=part).unique("strategy"):
            n, t = _times(results, part, s)
            _, e = _series(results, part, s, "eqns")
            _, err = _series(results, part, s, "error")
            med, lo, hi = slope_range(n, t) if len(n) > 1 else (None, None, None)
            out[part][s] = {
                "n": n,
                "eqns": e,
                "eqns_slope": _eqns_slope(n, e),
                "time_slope": med,
                "time_slope_lo": lo,
                "time_slope_hi": hi,
                "max_error": max(err),
                "median_seconds_at_max_n": float(np.median(t[-1])),
                "fastest_seconds_at_max_n": float(np.min(t[-1])),
            }
    rows = sorted(results.where(part="step"), key=lambda r: r["cell"]["log10_h"])
    h, err = [r["metrics"]["h"] for r in rows], [r["metrics"]["error"] for r in rows]
    best = int(np.argmin(err))
    out["step"] = {
        "h": h,
        "error": err,
        "best_h": h[best],
        "best_error": err[best],
        "eps_quarter": EPS**0.25,
        # the steps at which numeric warned that round-off decides its Hessian (older runs did not record it)
        "warned_h": [r["metrics"]["h"] for r in rows if r["metrics"].get("warned")],
        "default_error": out["hessian"].get("numeric", {}).get("max_error"),
    }
    return out


_LS = {
    "forward/reverse": "-",
    "reverse/reverse": "--",
    "numeric/reverse": "-.",
    "numeric": "-.",
    "symbolic": ":",
    "forward/forward": (0, (3, 1, 1, 1)),
}
_MK = {
    "forward/reverse": "o",
    "reverse/reverse": "D",
    "numeric/reverse": "^",
    "numeric": "^",
    "symbolic": "s",
    "forward/forward": "v",
}

# one colour per composition in both panels (matplotlib's cycle restarted in each, so forward/reverse was
# blue beside H v and green beside the full Hessian, whose blue was symbolic's)
_COLOR = {
    "forward/reverse": "C0",
    "reverse/reverse": "C1",
    "numeric/reverse": "C2",
    "numeric": "C2",
    "symbolic": "C4",
    "forward/forward": "C5",
}


def figures(results, summary):
    specs = []
    fig, axes = new_figure(ncols=2, width=4.6, height=3.6)
    for ax, part, title in zip(axes[0], ("hvp", "hessian"), ("Hessian-vector product H v", "Full Hessian")):
        for s in summary[part]:
            n, t = _times(results, part, s)
            t = 1e3 * np.asarray(t)
            (line,) = ax.plot(
                n, t.min(axis=1), ls=_LS.get(s, "-"), marker=_MK.get(s, "o"), color=_COLOR.get(s), ms=4, label=s
            )
            ax.fill_between(n, t.min(axis=1), t.max(axis=1), color=line.get_color(), alpha=0.15, lw=0)
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="inputs n",
            ylabel="CPU time (ms, fastest and range of repeats)",
            title=f"{title}: time vs n",
        )
        data_ticks(ax.xaxis, [n for n in results.unique("n") if n is not None])
        ax.legend(fontsize=7, title="outer/inner", title_fontsize=7)
    parts = []
    for part, what in (("hvp", "H v"), ("hessian", "the full Hessian")):
        parts.append(
            f"{what}: "
            + "; ".join(
                f"{s} {noisy_slope_words(v['time_slope'], v['time_slope_lo'], v['time_slope_hi'])} in time, "
                f"largest relative error {num(v['max_error'])}"
                for s, v in summary[part].items()
                if v["time_slope"] is not None
            )
        )
    # the equations one call runs (graph.Cost: W_g, the traced gradient's tape, per tangent, point or sweep), which a
    # fixed cost per call does not hide: a time flat over this n range is not a flat cost
    counted = [
        f"{what}: " + "; ".join(f"{s} {words}" for s, v in summary[part].items() if (words := _eqns_words(v)))
        for part, what in (("hvp", "H v"), ("hessian", "the full Hessian"))
    ]
    if any(_eqns_words(v) for part in ("hvp", "hessian") for v in summary[part].values()):
        parts.append("in equations executed per call (graph.Cost's count), " + "; ".join(counted))
    specs.append(
        FigureSpec(
            "second_order_cost",
            fig,
            "Cost of H v and of the full Hessian vs n",
            "Fastest CPU time (the process's) of one Hessian-vector product (left) and one full Hessian (right) per composition of methods "
            "(outer/inner), with the repeats' range shaded; every size and method of a panel is timed round-robin "
            "(a round calls each once), and a slope is read from each size's fastest repeats (the fastest, and the "
            "range over the faster half: other work only adds time); errors are the largest entry error relative to the largest "
            "entry of the closed-form answer. H v is timed through `dl.prepare_hvp`, staged once per cell; a full Hessian "
            "is one `dl.hessian` call, with its cache lookups, so the panels' absolute times are not alike. Over so small an n range the fixed cost per call can dominate: a slope is "
            "named only when the faster halves of the repeats read the same. The equations one call executes (graph.Cost's count: the "
            "traced gradient's tape per tangent, point or sweep) are read beside: they grow where a fixed cost hides it.",
            sentence(parts),
        )
    )
    st = summary["step"]
    fig, axes = new_figure(width=5.0, height=3.8)
    ax = axes[0, 0]
    ax.plot(st["h"], np.maximum(st["error"], 1e-17), marker="^", color="#d95f02", label="numeric Hessian, step h")
    ax.axvline(st["eps_quarter"], color="#777777", ls=":", label="eps^(1/4)")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="step h",
        ylabel="relative error of the Hessian",
        title=f"Numeric Hessian vs step (n = {results.where(part='step')[0]['cell']['n']})",
    )
    ax.invert_xaxis()
    ax.legend(fontsize=7)
    specs.append(
        FigureSpec(
            "numeric_hessian_step",
            fig,
            "Numeric's Hessian error against its step",
            "Largest entry error (relative) of Numeric's second-difference Hessian with an explicit step h; the dotted line "
            "is eps^(1/4), where truncation (h²) and round-off (eps/h²) balance.",
            f"The smallest error, {num(st['best_error'])}, is at h = {num(st['best_h'])}, "
            f"{num(st['best_h'] / st['eps_quarter'])}× eps^(1/4) = {num(st['eps_quarter'])}; with its default step the "
            f"numeric Hessian's largest error over the n sweep is {num(st['default_error'])}. " + _warned_sentence(st),
        )
    )
    return specs


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
