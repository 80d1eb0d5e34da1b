"""Finite-difference accuracy: the error of each stencil against the step h, and its best step.

Each cell sweeps h from 1e-1 to 1e-15 for one scheme on one scalar function and measures the
relative error against the symbolic derivative evaluated in 40-digit arithmetic. Truncation error
falls as h^p, round-off grows as eps/h: the V whose bottom sits near eps^(1/(p+1)). Every default
(step, accuracy order) is read from difflab's `Numeric` itself; steps the method refuses (below
the spacing of floats at x) are recorded as refused, never as an error value. Around the best step
a dense band of steps gives the typical error there (centred where the sweep's half-decade median is smallest,
not on the single luckiest step, which is reported beside it), and
`Numeric(error_estimate=True)` is checked against the true error (calibration).
"""

from __future__ import annotations

import math

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.stencils import SCHEMES, _steps
from difflab.errors import NumericAccuracyWarning, recorded_warnings
from difflab.reference import reference
from difflab.report.figures import FigureSpec, new_figure
from difflab.report.stats import loglog_slope, num, sentence

QUESTION = (
    "How does the error of each finite-difference scheme depend on the step h, where is it smallest, "
    "and how close do the default steps come to that optimum?"
)

PRESETS = {
    "quick": {
        "functions": ["squire_trapp", "sin"],
        "schemes": ["forward", "central", "central4", "richardson", "complex"],
        "per_decade": 4,
        "h_max_exp": -1,
        "h_min_exp": -15,
        "band_points": 21,
    },
    "full": {
        "functions": ["squire_trapp", "sin", "tanh_gauss", "log_quadratic"],
        "schemes": ["forward", "backward", "central", "central4", "central6", "richardson", "complex"],
        "per_decade": 8,
        "h_max_exp": -1,
        "h_min_exp": -15,
        "band_points": 81,
    },
}

EPS = float(np.finfo(float).eps)

#: name -> (label, f, x0); all complex-analytic, so complex step applies. The points are irrational
#: (every bit of the mantissa used), so neither x + h nor f′(x) is a short float by luck.
FUNCTIONS = {
    "squire_trapp": (
        "eˣ/√(sin³x + cos³x) at x = √2",
        lambda x: dnp.exp(x) / dnp.sqrt(dnp.sin(x) ** 3.0 + dnp.cos(x) ** 3.0),
        math.sqrt(2.0),
    ),
    "sin": ("sin x at x = 1/√3", lambda x: dnp.sin(x), 1.0 / math.sqrt(3.0)),
    "tanh_gauss": ("tanh(x)·e^(−x²) at x = 1/√2", lambda x: dnp.tanh(x) * dnp.exp(-x * x), 1.0 / math.sqrt(2.0)),
    "log_quadratic": ("log(1 + x²) at x = √5", lambda x: dnp.log(1.0 + x * x), math.sqrt(5.0)),
}
# the values `--set` may give (checked before anything runs: a typo failed in every cell, status 1)
CHOICES = {"functions": sorted(FUNCTIONS), "schemes": list(SCHEMES)}


def library_defaults(scheme: str, x0: float) -> dict:
    """What difflab's Numeric(scheme) uses at x0, read from the method itself: the accuracy order p
    of its stencil and its (first) default step, scaled as the method scales it."""
    method = dl.Numeric(scheme=scheme)
    _, _, _, order, base_steps, relative, real = method._plan
    step = float(_steps(np.array([x0]), np.eye(1), base_steps[:1], relative, exact=real)[0, 0])
    return {"order": int(order), "default_step": step, "base_step": float(base_steps[0]), "relative": bool(relative)}


def cells(config):
    return [
        {
            "function": f,
            "scheme": s,
            "per_decade": config["per_decade"],
            "h_max_exp": config["h_max_exp"],
            "h_min_exp": config["h_min_exp"],
            "band_points": config["band_points"],
        }
        for f in config["functions"]
        for s in config["schemes"]
    ]


def _exact(f, x):
    return float(reference(f, x, how="symbolic").value[0, 0])  # the shared policy, always 40 digits here


def _error_at(f, x0, exact, scheme, step, warned=None):
    """(relative error, relative error estimate) with an explicit step; (None, None) if refused. The sweep's steps
    are bad on purpose at both ends: numeric's NumericAccuracyWarning there is recorded (the step appended to
    `warned`), not shown."""
    try:
        with recorded_warnings(NumericAccuracyWarning) as seen:
            prep = dl.prepare(f, x0, method=dl.Numeric(scheme=scheme, step=float(step), error_estimate=True))
            d = float(prep.grad(x0))
    except ValueError:  # below the spacing of floats at x: the method refuses the step
        return None, None
    if seen.said and warned is not None:
        warned.append(float(step))
    return abs(d - exact) / abs(exact), float(np.ravel(prep.prepared.error)[0]) / abs(exact)


def run_cell(cell, seed):
    _, f, x0 = FUNCTIONS[cell["function"]]
    exact = _exact(f, x0)
    count = (cell["h_max_exp"] - cell["h_min_exp"]) * cell["per_decade"] + 1
    steps = np.logspace(cell["h_max_exp"], cell["h_min_exp"], count)
    warned: list = []  # the swept steps at which numeric said it cannot resolve the derivative
    errors, estimates = zip(*(_error_at(f, x0, exact, cell["scheme"], h, warned) for h in steps))
    # the band's centre: where the sweep's error is typically smallest, not its single luckiest step (the full
    # preset's central differences on eˣ/√(sin³x + cos³x): luckiest at 7.50e-07, 0.124× eps^(1/3), on the round-off
    # side, whose half decade's median is 2× the one at 2.37e-06)
    best = typical_best_index(steps, errors)
    # a dense band of steps half a decade either side of that step: the typical error near it
    band = np.logspace(math.log10(steps[best]) + 0.5, math.log10(steps[best]) - 0.5, cell["band_points"])
    band_errors = [e for e in (_error_at(f, x0, exact, cell["scheme"], h)[0] for h in band) if e is not None]
    default = dl.prepare(f, x0, method=dl.Numeric(scheme=cell["scheme"], error_estimate=True))
    d = float(default.grad(x0))
    # a derivative's cost as dl.grad pays it: the error estimate's extra evaluations are not counted
    plain = dl.prepare(f, x0, method=dl.Numeric(scheme=cell["scheme"]))
    before = plain.cost.evals
    plain.grad(x0)
    evals = plain.cost.evals - before
    return {
        "steps": steps.tolist(),
        "errors": list(errors),
        "estimates": list(estimates),
        "exact": exact,
        "refused": [float(steps[i]) for i, e in enumerate(errors) if e is None],
        "warned": warned,
        "band_steps": band.tolist(),
        "band_centre": float(steps[best]),
        "band_errors": band_errors,
        **library_defaults(cell["scheme"], x0),
        "default_error": abs(d - exact) / abs(exact),
        "default_estimate": float(np.ravel(default.prepared.error)[0]) / abs(exact),
        "evals": evals,
    }


# -- summary and figures: read the results only ---------------------------------------------------


def _sweep(r) -> dict:
    """A result's swept steps and errors, as `_finite` takes them."""
    return {"steps": r["metrics"]["steps"], "errors": r["metrics"]["errors"]}


def _finite(steps, errors):
    """The (step, error) pairs the method accepted (refused steps carry None), as arrays."""
    pairs = [(h, e) for h, e in zip(steps, errors) if e is not None and np.isfinite(e)]
    return (np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])) if pairs else (np.zeros(0), np.zeros(0))


def best_step(steps, errors) -> tuple:
    """(step, error) of the smallest error among the accepted steps (refused ones ignored).

    >>> best_step([1e-1, 1e-2, 1e-3], [1e-2, None, 1e-4])
    (0.001, 0.0001)
    """
    h, e = _finite(steps, errors)
    i = int(np.argmin(e))
    return float(h[i]), float(e[i])


def typical_best_index(steps, errors) -> int:
    """The accepted step whose errors within half a decade either side (the sweep's own) have the smallest median: the
    bottom of the V, where one lucky cancellation on the round-off side does not move it.

    >>> steps = 10.0 ** -np.arange(1, 7.5, 0.5)  # 1e-1 ... 1e-7, two a decade
    >>> v = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 1e-6, 1e-1, 3e-1, 1.0]  # 1e-6: one lucky step
    >>> typical_best_index(steps, v), typical_best_index(steps, [None] + v[1:])
    (4, 4)
    """
    lg = np.log10(np.asarray(steps, dtype=float))
    e = np.array([np.nan if v is None else v for v in errors], dtype=float)
    ok = [i for i in range(len(e)) if np.isfinite(e[i])]

    def typical(i):
        near = e[(np.abs(lg - lg[i]) <= 0.5 + 1e-9) & np.isfinite(e)]
        return (float(np.median(near)), e[i])  # ties: the smaller error there

    return min(ok, key=typical)


def truncation_slope(steps, errors) -> float:
    """Log-log slope of error vs h on the large-h side of the minimum (a decade away from it)."""
    h, e = _finite(steps, errors)
    h_best = h[np.argmin(e)]
    keep = (h >= 10.0 * h_best) & (e > 1e3 * EPS)  # clear of the round-off floor
    return loglog_slope(h[keep], e[keep])


def _warned_sentence(w) -> str:
    """Where the sweep's steps made numeric warn (NumericAccuracyWarning), against the errors where it said nothing
    (older runs did not record it: no sentence)."""
    if not w or not w["steps"]:
        return ""
    if not w["warned"]:
        return f" Numeric warned at none of the {w['steps']} swept steps."
    errs = w["warned_errors"]
    return (
        f" Numeric warned that it cannot resolve the derivative (NumericAccuracyWarning) at {w['warned']} of the "
        f"{w['steps']} swept steps, where its errors were {num(min(errs))} to {num(max(errs))}; the largest error "
        f"where it said nothing was {num(w['largest_quiet_error'])}."
    )


def summarize(results):
    out = {}
    for r in results:
        m = r["metrics"]
        h_best, e_best = best_step(m["steps"], m["errors"])
        p = m["order"]
        out.setdefault(r["cell"]["function"], {})[r["cell"]["scheme"]] = {
            "best_error": e_best,
            "best_step": h_best,
            "optimum_theory": EPS ** (1.0 / (p + 1)),
            "typical_near_best": float(np.median(m["band_errors"])) if m["band_errors"] else None,
            # the band's centre (runs before truth67 centred it on the single best step)
            "typical_step": m.get("band_centre", h_best),
            "band_points": len(m["band_errors"]),
            "truncation_slope": truncation_slope(m["steps"], m["errors"]),
            "order": p,
            "default_error": m["default_error"],
            "default_step": m["default_step"],
            "evals": m["evals"],
            "default_estimate": m["default_estimate"],
            "refused_steps": len(m["refused"]),
            "smallest_step_error": _finite(m["steps"], m["errors"])[1][-1],
            "smallest_accepted_step": float(_finite(m["steps"], m["errors"])[0][-1]),
        }
    cal = [
        (s["default_estimate"], s["default_error"]) for f in out.values() for s in f.values() if s["default_error"] > 0
    ]
    ratios = [est / err for est, err in cal if est is not None]
    # where the sweeps' steps made numeric say it cannot resolve the derivative, against the errors where it did not
    swept = [(e, h in r["metrics"].get("warned", ())) for r in results for h, e in zip(*_finite(**_sweep(r)))]
    recorded = all("warned" in r["metrics"] for r in results)  # (older runs did not record it: no sentence)
    out["warnings"] = (
        None
        if not recorded
        else {
            "warned": sum(w for _, w in swept),
            "steps": len(swept),
            "warned_errors": [float(e) for e, w in swept if w],
            "largest_quiet_error": max((float(e) for e, w in swept if not w), default=None),
        }
    )
    out["calibration"] = {
        "cases": len(ratios),
        "underestimates": sum(r < 1 for r in ratios),
        "ratio_min": min(ratios) if ratios else None,
        "ratio_max": max(ratios) if ratios else None,
        "ratio_median": float(np.median(ratios)) if ratios else None,
    }
    return out


_COLORS = {
    "forward": "#d95f02",
    "backward": "#e6ab02",
    "central": "#1b9e77",
    "central4": "#7570b3",
    "central6": "#66a61e",
    "richardson": "#e7298a",
    "complex": "#444444",
}
_FLOOR = 1e-17  # an error of exactly 0 is drawn here


def _panel(ax, results, fn, summary):
    for r in results.where(function=fn):
        scheme, m = r["cell"]["scheme"], r["metrics"]
        c = _COLORS.get(scheme, "#888888")
        h, e = _finite(m["steps"], m["errors"])
        ax.plot(h, np.maximum(e, _FLOOR), color=c, lw=1.3, label=scheme)
        ax.plot(m["default_step"], max(m["default_error"], _FLOOR), marker="*", ms=11, color=c, mec="black", mew=0.5)
        if scheme not in ("richardson", "complex"):
            ax.axvline(summary[fn][scheme]["optimum_theory"], color=c, ls=":", lw=1)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="step h",
        ylabel="relative error of f′(x)",
        title=FUNCTIONS[fn][0],
        ylim=(_FLOOR / 3, None),
    )
    ax.invert_xaxis()  # smaller steps to the right: the V reads as the step is refined
    ax.plot([], [], "k*", mec="black", label="default step")
    ax.plot([], [], "k:", label="eps^(1/(p+1))")
    ax.legend(ncols=4, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16))  # below: hides no curve


def refused_words(summary, fns) -> str:
    """The swept steps the method refused, counted over every function and scheme and said so: the clause follows the
    first function's sentence, where "16 swept steps were refused" read as that function's (9 were; 7 were sin's).

    >>> refused_words({"f": {"richardson": {"refused_steps": 9}, "central": {"refused_steps": 0}},
    ...                "g": {"richardson": {"refused_steps": 7}}}, ["f", "g"])
    'over both functions, 16 swept steps (richardson 16) were refused by the method (below the spacing of floats at x) and are not drawn'
    >>> refused_words({"f": {"central": {"refused_steps": 0}}}, ["f"])
    ''
    """
    by_scheme: dict = {}
    for f in fns:
        for scheme, v in summary[f].items():
            by_scheme[scheme] = by_scheme.get(scheme, 0) + v["refused_steps"]
    total = sum(by_scheme.values())
    if not total:
        return ""
    where = "on it" if len(fns) == 1 else "over both functions" if len(fns) == 2 else f"over the {len(fns)} functions"
    schemes = ", ".join(f"{k} {v}" for k, v in by_scheme.items() if v)
    return (
        f"{where}, {total} swept steps ({schemes}) were refused by the method (below the spacing of floats at x) "
        "and are not drawn"
    )


def default_loss_words(first: dict, schemes) -> str:
    """The scheme whose default step loses most against its typical best, errors below float64's eps counted as eps:
    complex step's 1.33e-16 against a band whose median is exactly 0 read as the largest loss (13× over the 1e-17
    floor the figure draws zeros at), where both are exact to float64.

    >>> first = {"central4": {"default_error": 4.5e-12, "typical_near_best": 4.8e-13},
    ...          "complex": {"default_error": 1.33e-16, "typical_near_best": 0.0}}
    >>> default_loss_words(first, ["central4", "complex"])
    'the default step loses most against the typical best for central4 (4.50e-12 vs typically 4.80e-13 near the best step)'
    >>> default_loss_words({"complex": first["complex"]}, ["complex"])
    "no default step loses against the typical best beyond float64's eps"
    """

    def loss(s):
        return max(first[s]["default_error"], EPS) / max(first[s]["typical_near_best"] or 0.0, EPS)

    worst = max(schemes, key=loss)
    if loss(worst) <= 1.0:
        return "no default step loses against the typical best beyond float64's eps"
    return (
        f"the default step loses most against the typical best for {worst} ({num(first[worst]['default_error'])} vs "
        f"typically {num(first[worst]['typical_near_best'])} near the best step)"
    )


def _schemes(summary, fn):
    return [s for s in _COLORS if s in summary[fn]]


def figures(results, summary):
    fns = results.unique("function")
    fig, axes = new_figure(ncols=min(2, len(fns)), nrows=(len(fns) + 1) // 2, width=5.2, height=4.0)
    for ax, fn in zip(axes.ravel(), fns):
        _panel(ax, results, fn, summary)
    first = summary[fns[0]]
    c = first.get("central")
    parts = []
    if c:
        parts.append(
            f"on {FUNCTIONS[fns[0]][0]}, central differences fall with slope {c['truncation_slope']:.2f} "
            f"(order {c['order']}); their error is typically smallest near h = {num(c['typical_step'])} "
            f"({num(c['typical_step'] / c['optimum_theory'])}× eps^(1/3)): {num(c['typical_near_best'])} (median over "
            f"{c['band_points']} steps within half a decade), the single smallest {num(c['best_error'])} "
            f"(h = {num(c['best_step'])})"
        )
    if "forward" in first:
        parts.append(
            f"forward differences (slope {first['forward']['truncation_slope']:.2f}) reach typically "
            f"{num(first['forward']['typical_near_best'])}"
        )
    if "complex" in first:
        cs = first["complex"]
        tail = (
            f"and still {num(cs['smallest_step_error'])} at h = {num(cs['smallest_accepted_step'])}: no round-off side"
            if cs["smallest_step_error"] < 1e3 * EPS
            else f"but {num(cs['smallest_step_error'])} at the smallest step"
        )
        parts.append(f"complex step's typical error is {num(cs['typical_near_best'])} {tail}")
    if refused := refused_words(summary, fns):
        parts.append(refused)
    curves = FigureSpec(
        "error_vs_step",
        fig,
        "Error vs step h (the V curves)",
        "Relative error of the numeric derivative against the 40-digit symbolic reference as h "
        "shrinks (left to right), per scheme; dotted lines mark eps^(1/(p+1)) for a stencil of order "
        "p, stars the error at difflab's default step (read from Numeric; for Richardson the first "
        "of its sequence of steps); errors of exactly 0 are drawn at 1e-17.",
        sentence(parts),
    )
    fig, axes = new_figure(width=6.4)
    ax = axes[0, 0]
    schemes = _schemes(summary, fns[0])
    xs = np.arange(len(schemes))
    bars = (
        ("best_error", "smallest over h (one step)", "#c6dbef"),
        ("typical_near_best", "typical near the best step (median of a dense band)", "#6baed6"),
        ("default_error", "at the default step", "#08519c"),
    )
    for k, (key, label, color) in enumerate(bars):
        ax.bar(
            xs + (k - 1) * 0.27,
            [max(first[s][key] if first[s][key] is not None else _FLOOR, _FLOOR) for s in schemes],
            0.27,
            label=label,
            color=color,
        )
    ax.set_xticks(xs, [f"{s}\n{first[s]['evals']} evals" for s in schemes])
    ax.set(
        yscale="log",
        xlabel="scheme (function evaluations per derivative)",
        ylabel="relative error of f′(x)",
        ylim=(_FLOOR / 3, None),
        title=f"Best, typical and default-step error: {FUNCTIONS[fns[0]][0]}",
    )
    ax.legend(fontsize=7)
    best = min(schemes, key=lambda s: first[s]["default_error"])
    bars = FigureSpec(
        "default_vs_best",
        fig,
        "Default step against the best step, per scheme",
        "For each scheme, the smallest error over the whole h sweep, the median error over a dense band of steps "
        "around the step where the sweep's error is typically smallest (its half decade's median), and the error with "
        "difflab's default step, labelled with the function evaluations one derivative costs.",
        f"The most accurate default is {best} ({num(first[best]['default_error'])} for "
        f"{first[best]['evals']} evaluations); " + default_loss_words(first, schemes) + ".",
    )
    fig, axes = new_figure(width=5.0, height=4.2)
    ax = axes[0, 0]
    for r in results:
        m, scheme = r["metrics"], r["cell"]["scheme"]
        pts = [(e, est) for e, est in zip(m["errors"], m["estimates"]) if e and est]
        if pts:
            ax.plot(*zip(*pts), ls="none", marker=".", ms=3, alpha=0.35, color=_COLORS.get(scheme, "#888888"))
        if m["default_error"] > 0:
            ax.plot(
                m["default_error"],
                m["default_estimate"],
                ls="none",
                marker="*",
                ms=10,
                mec="black",
                mew=0.5,
                color=_COLORS.get(scheme, "#888888"),
                label=f"{scheme}, {r['cell']['function']}",
            )
    lim = [1e-17, 1.0]
    ax.plot(lim, lim, color="#777777", lw=1, ls="--", label="estimate = true error")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="true relative error",
        ylabel="Numeric's error estimate (relative)",
        title="Calibration of Numeric(error_estimate=True)",
    )
    ax.legend(fontsize=6, ncols=2, loc="upper left")
    cal = summary["calibration"]
    calib = FigureSpec(
        "calibration",
        fig,
        "Numeric's error estimate against its true error",
        "Each point is one step of the sweep (dots) or the default step (stars): the error estimate Numeric returns "
        "with error_estimate=True against the true error; points above the dashed line overestimate (safe).",
        (
            f"At the default steps the estimate is between {num(cal['ratio_min'])}× and {num(cal['ratio_max'])}× the "
            f"true error (median {num(cal['ratio_median'])}×); it underestimates in {cal['underestimates']} of "
            f"{cal['cases']} function–scheme pairs."
            if cal["cases"]
            else "No default step had a nonzero error."
        )
        + _warned_sentence(summary.get("warnings")),
    )
    return [curves, bars, calib]


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
