"""Finite-difference accuracy: the error of each stencil against the step h, and its best step.

Each cell sweeps h from 1e-1 to 1e-15 for one scheme on one scalar function and measures the
relative error against the symbolic derivative evaluated in 40-digit arithmetic. Truncation error
falls as h^p, round-off grows as eps/h: the V whose bottom sits near eps^(1/(p+1)).
"""
from __future__ import annotations

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.report.figures import FigureSpec, new_figure
from difflab.report.stats import loglog_slope, num, sentence

QUESTION = ("How does the error of each finite-difference scheme depend on the step h, where is it smallest, "
            "and how close do the default steps come to that optimum?")

PRESETS = {
    "quick": {"functions": ["squire_trapp", "sin"], "schemes": ["forward", "central", "central4", "richardson", "complex"],
              "per_decade": 4, "h_max_exp": -1, "h_min_exp": -15},
    "full": {"functions": ["squire_trapp", "sin", "tanh_gauss", "log_quadratic"],
             "schemes": ["forward", "backward", "central", "central4", "central6", "richardson", "complex"],
             "per_decade": 8, "h_max_exp": -1, "h_min_exp": -15},
}

EPS = float(np.finfo(float).eps)

#: name -> (label, f, x0); all complex-analytic, so complex step applies
FUNCTIONS = {
    "squire_trapp": ("eˣ/√(sin³x + cos³x) at x = 1.5",
                     lambda x: dnp.exp(x) / dnp.sqrt(dnp.sin(x) ** 3.0 + dnp.cos(x) ** 3.0), 1.5),
    "sin": ("sin x at x = 1", lambda x: dnp.sin(x), 1.0),
    "tanh_gauss": ("tanh(x)·e^(−x²) at x = 0.7", lambda x: dnp.tanh(x) * dnp.exp(-x * x), 0.7),
    "log_quadratic": ("log(1 + x²) at x = 2", lambda x: dnp.log(1.0 + x * x), 2.0),
}

#: accuracy order p of each stencil (error ~ h^p); the round-off-balanced step is eps^(1/(p+1))
ORDER = {"forward": 1, "backward": 1, "central": 2, "central4": 4, "central6": 6, "richardson": 2, "complex": 2}
#: the default step of difflab's Numeric, as documented there (relative to max(1, |x|) unless noted)
DEFAULT_STEP = {**{s: EPS ** (1.0 / (p + 1)) for s, p in ORDER.items()}, "richardson": 0.02, "complex": 1e-20}


def cells(config):
    return [{"function": f, "scheme": s, "per_decade": config["per_decade"], "h_max_exp": config["h_max_exp"],
             "h_min_exp": config["h_min_exp"]} for f in config["functions"] for s in config["schemes"]]


def _exact(f, x):
    prep = dl.prepare(f, x, method="symbolic")
    return float(prep.prepared.exact(prep.staged.inputs((x,)))[0])


def run_cell(cell, seed):
    _, f, x0 = FUNCTIONS[cell["function"]]
    exact = _exact(f, x0)
    count = (cell["h_max_exp"] - cell["h_min_exp"]) * cell["per_decade"] + 1
    steps = np.logspace(cell["h_max_exp"], cell["h_min_exp"], count)
    errors = []
    for h in steps:
        # a step below x's resolution is refused by the method: no error point there
        try:
            d = dl.grad(f, method=dl.Numeric(scheme=cell["scheme"], step=float(h)))(x0)
        except ValueError:
            d = np.nan
        errors.append(abs(d - exact) / abs(exact))
    default = dl.prepare(f, x0, method=dl.Numeric(scheme=cell["scheme"]))
    default.prepared.evals = 0
    d = default.grad(x0)
    scale = 1.0 if cell["scheme"] == "complex" else max(1.0, abs(x0))
    return {"steps": steps.tolist(), "errors": errors, "exact": exact,
            "default_step": DEFAULT_STEP[cell["scheme"]] * scale, "default_error": abs(d - exact) / abs(exact),
            "evals": default.prepared.evals}


# -- summary and figures: read the results only ---------------------------------------------------

def truncation_slope(steps, errors) -> float:
    """Log-log slope of error vs h on the large-h side of the minimum (a decade away from it)."""
    steps, errors = np.asarray(steps), np.asarray(errors)
    h_best = steps[np.argmin(errors)]
    keep = (steps >= 10.0 * h_best) & (errors > 1e3 * EPS)  # clear of the round-off floor
    return loglog_slope(steps[keep], errors[keep])


def summarize(results):
    out = {}
    for r in results:
        m = r["metrics"]
        i = int(np.argmin(m["errors"]))
        p = ORDER[r["cell"]["scheme"]]
        out.setdefault(r["cell"]["function"], {})[r["cell"]["scheme"]] = {
            "best_error": m["errors"][i], "best_step": m["steps"][i], "optimum_theory": EPS ** (1.0 / (p + 1)),
            "truncation_slope": truncation_slope(m["steps"], m["errors"]), "order": p,
            "default_error": m["default_error"], "default_step": m["default_step"], "evals": m["evals"],
            "smallest_step_error": m["errors"][-1]}
    return out


def cs_min_step(results, fn) -> float:
    """The smallest step of the sweep for complex step on function `fn`."""
    return results.where(function=fn, scheme="complex")[0]["metrics"]["steps"][-1]


_COLORS = {"forward": "#d95f02", "backward": "#e6ab02", "central": "#1b9e77", "central4": "#7570b3",
           "central6": "#66a61e", "richardson": "#e7298a", "complex": "#444444"}
_FLOOR = 1e-17  # an error of exactly 0 is drawn here


def _panel(ax, results, fn, summary):
    for r in results.where(function=fn):
        scheme, m = r["cell"]["scheme"], r["metrics"]
        c = _COLORS.get(scheme, "#888888")
        ax.plot(m["steps"], np.maximum(m["errors"], _FLOOR), color=c, lw=1.3, label=scheme)
        ax.plot(m["default_step"], max(m["default_error"], _FLOOR), marker="*", ms=11, color=c, mec="black", mew=0.5)
        if scheme not in ("richardson", "complex"):
            ax.axvline(summary[fn][scheme]["optimum_theory"], color=c, ls=":", lw=1)
    ax.set(xscale="log", yscale="log", xlabel="step h", ylabel="relative error of f′(x)",
           title=FUNCTIONS[fn][0], ylim=(_FLOOR / 3, None))
    ax.invert_xaxis()  # smaller steps to the right: the V reads as the step is refined
    ax.plot([], [], "k*", mec="black", label="default step")
    ax.plot([], [], "k:", label="eps^(1/(p+1))")
    ax.legend(ncols=2, fontsize=7)


def figures(results, summary):
    fns = results.unique("function")
    fig, axes = new_figure(ncols=min(2, len(fns)), nrows=(len(fns) + 1) // 2, width=5.2, height=4.0)
    for ax, fn in zip(axes.ravel(), fns):
        _panel(ax, results, fn, summary)
    first = summary[fns[0]]
    c = first.get("central")
    parts = []
    if c:
        parts.append(f"on {FUNCTIONS[fns[0]][0]}, central differences fall with slope {c['truncation_slope']:.2f} "
                     f"(order 2) and bottom out at {num(c['best_error'])} at h = {num(c['best_step'])}, "
                     f"{num(c['best_step'] / c['optimum_theory'])}× eps^(1/3) = {num(c['optimum_theory'])}")
    if "forward" in first:
        parts.append(f"forward differences (slope {first['forward']['truncation_slope']:.2f}) reach only "
                     f"{num(first['forward']['best_error'])}")
    if "complex" in first:
        cs = first["complex"]
        best = min(cs["best_error"], cs["default_error"])
        tail = (f"and still {num(cs['smallest_step_error'])} at h = {num(cs_min_step(results, fns[0]))}: no round-off side"
                if cs["smallest_step_error"] < 1e3 * EPS else
                f"but {num(cs['smallest_step_error'])} at the smallest step")
        parts.append(f"complex step reaches {'exactly 0 (every bit right)' if best == 0 else num(best)} {tail}")
    curves = FigureSpec("error_vs_step", fig, "Error vs step h (the V curves)",
                        "Relative error of the numeric derivative against the 40-digit symbolic reference as h "
                        "shrinks (left to right), per scheme; dotted lines mark eps^(1/(p+1)) for a stencil of order "
                        "p, stars the error at difflab's default step (errors of exactly 0 are drawn at 1e-17).",
                        sentence(parts))
    fig, axes = new_figure(width=6.0)
    ax = axes[0, 0]
    schemes = [s for s in _COLORS if s in first]
    xs = np.arange(len(schemes))
    ax.bar(xs - 0.2, [max(first[s]["best_error"], _FLOOR) for s in schemes], 0.4, label="best over h", color="#9ecae1")
    ax.bar(xs + 0.2, [max(first[s]["default_error"], _FLOOR) for s in schemes], 0.4, label="at the default step",
           color="#3182bd")
    ax.set_xticks(xs, [f"{s}\n{first[s]['evals']} evals" for s in schemes])
    ax.set(yscale="log", xlabel="scheme (function evaluations per derivative)", ylabel="relative error of f′(x)",
           ylim=(_FLOOR / 3, None),
           title=f"Best and default-step error: {FUNCTIONS[fns[0]][0]}")
    ax.legend()
    worst = max(schemes, key=lambda s: first[s]["default_error"] / max(first[s]["best_error"], _FLOOR))
    best = min(schemes, key=lambda s: first[s]["default_error"])
    bars = FigureSpec("default_vs_best", fig, "Default step against the best step, per scheme",
                      "For each scheme, the smallest error over the whole h sweep and the error with difflab's default "
                      "step, labelled with the function evaluations one derivative costs.",
                      f"The most accurate default is {best} ({num(first[best]['default_error'])} for "
                      f"{first[best]['evals']} evaluations); the default step loses most against the best step for "
                      f"{worst} ({num(first[worst]['default_error'])} vs {num(first[worst]['best_error'])}).")
    return [curves, bars]


if __name__ == "__main__":
    from difflab.runner import main

    raise SystemExit(main(__file__))
