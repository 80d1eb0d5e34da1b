"""Cost scaling: how the cost of a gradient and of a Jacobian grows with inputs n and outputs m.

Deterministic counts carry the claims (equations executed and function evaluations or sweeps, from
the prepared object's `cost`; symbolic derivative size); wall time is shown beside them.
Forward mode runs one tangent per sweep (`Forward(chunk=1)`), the textbook forward mode.
"""

from __future__ import annotations

import math
import time

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.runner import ConfigError
from difflab.report.figures import FigureSpec, data_ticks, guide_line, method_style, new_figure, plot_method
from difflab.runner.measure import call_peak_bytes, interleaved_times
from difflab.report.stats import (
    loglog_slope,
    noisy_slope_words,
    num,
    ratio_slope_range,
    sentence,
    slope_range,
    slope_words,
    tail_slope,
)

QUESTION = (
    "How do the time and the work of a gradient and of a Jacobian grow with the number of inputs n and "
    "outputs m, for each method, how does cost(∇f)/cost(f) compare with the cheap-gradient bound, and what "
    "does reverse mode pay in memory?"
)

PRESETS = {
    "quick": {
        "n": [4, 16, 64, 256, 1024, 4096, 16384, 65536],
        "max_n": {"symbolic": 64, "numeric": 256, "forward": 256, "reverse": 65536},
        "loop_n": [4, 16, 64, 256],
        "jac_n": 16,
        "m": [1, 4, 16, 64, 256],
        "symbolic_max_m": 4,
        "depth": [1, 2, 4, 8, 16, 32],
        "width": 16,
        "batch": 256,
        "repeat": 5,
    },
    "full": {
        "n": [4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576],
        "max_n": {"symbolic": 128, "numeric": 1024, "forward": 1024, "reverse": 1048576},
        "loop_n": [4, 16, 64, 256, 1024],
        "jac_n": 32,
        "m": [1, 2, 4, 8, 16, 32, 64, 128, 256],
        "symbolic_max_m": 16,
        "depth": [1, 2, 4, 8, 16, 32, 64, 128],
        "width": 16,
        "batch": 512,
        "repeat": 7,
    },
}

METHODS = ("symbolic", "numeric", "forward", "reverse")
#: calls before measuring: a method may interpret its first call and compile on a later one
WARMUP = 3
COUNTED = ("numeric", "forward", "reverse")  # methods whose work runs through difflab graphs
#: Griewank & Walther (Evaluating Derivatives, 2008, §4.6): a reverse-mode gradient costs at most
#: ω = 4 times the operations of evaluating f (with f itself included), independent of n
CHEAP_GRADIENT_BOUND = 4.0


def _method(name):
    # forward: one tangent per sweep, so its sweep count is the classic n
    return {"forward": dl.Forward(chunk=1), "numeric": dl.Numeric(scheme="central")}.get(name, name)


def cells(config):
    out = []
    for n in config["n"]:
        if not any(n <= config["max_n"][m] for m in METHODS):  # no method would run it: the fits would have no point
            raise ConfigError(f"--set n: {n} is above max_n of every method ({config['max_n']})")
        out += [{"part": "gradient", "method": m, "n": n} for m in METHODS if n <= config["max_n"][m]]
    sizes = {m: sum(n <= config["max_n"][m] for n in config["n"]) for m in METHODS}
    if len(set(config["n"])) < 2 or min(sizes.values()) < 1:  # the report fits slopes and compares every method
        raise ConfigError(
            f"--set n: the slopes need two sizes and each method one at or below its max_n; {config['n']} gives "
            + ", ".join(f"{m} {k}" for m, k in sizes.items())
            + f" (max_n: {config['max_n']})"
        )
    out += [{"part": "loop", "method": "reverse", "n": n} for n in config["loop_n"]]
    # the times the report's slopes and ratios read: one cell per method (and the loop), its gradient and f at every n
    # called round-robin (runner.measure.interleaved_times): a burst of other work slows one round of every size
    out += [
        {"part": "time", "of": "gradient", "method": m, "n": [n for n in config["n"] if n <= config["max_n"][m]]}
        for m in METHODS
    ]
    out.append({"part": "time", "of": "loop", "method": "reverse", "n": list(config["loop_n"])})
    for m_out in config["m"]:
        out += [
            {"part": "jacobian", "method": m, "n": config["jac_n"], "m": m_out}
            for m in METHODS
            if m != "symbolic" or m_out <= config["symbolic_max_m"]
        ]
    for d in config["depth"]:
        out += [
            {"part": "memory", "method": m, "depth": d, "width": config["width"], "batch": config["batch"]}
            for m in ("forward", "forward_vectorised", "reverse")
        ]
    return [dict(c, repeat=config["repeat"]) for c in out]


def gradient_function(x):
    """A vectorised scalar function of n inputs: its tape has the same 7 equations for every n."""
    return dnp.sum(dnp.sin(x) * x * x) + dnp.sum(dnp.tanh(x))


def loop_function(x):
    """The same kind of function written as a Python loop over scalars: its tape grows with n."""
    total = 0.0
    for i in range(x.shape[0]):
        total = total + dnp.sin(x[i]) * x[i]
    return total


def work(graph) -> int:
    """Elements processed by a graph: the sum over its equations of the elements each one produces.

    >>> import difflab as dl, numpy as np
    >>> work(dl.trace(lambda x: dnp.sum(x * x), np.ones(5)))  # mul produces 5 elements, sum 1
    6
    """
    return int(sum(math.prod(e.out.shape) for e in graph.eqns))


def work_by_op(graph) -> dict:
    """{op name: its share of `work(graph)`}, largest first: where a program's work goes."""
    total, by = max(work(graph), 1), {}
    for e in graph.eqns:
        by[e.op.name] = by.get(e.op.name, 0) + math.prod(e.out.shape)
    return {k: v / total for k, v in sorted(by.items(), key=lambda kv: -kv[1])}


def _times(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _timing_cell(cell, rng):
    """One method's gradient and f at every n of `cell`, timed round-robin after WARMUP calls each:
    {"seconds": [repeats] per n, "f_seconds": [repeats] per n}."""
    fn = gradient_function if cell["of"] == "gradient" else loop_function
    calls = {}
    for n in cell["n"]:
        x = rng.uniform(-1.0, 1.0, n)
        prep = dl.prepare(fn, x, method=_method(cell["method"]))
        for _ in range(WARMUP):  # lazy compilation belongs to preparation
            prep.grad(x)
        calls[(n, "grad")] = lambda prep=prep, x=x: prep.grad(x)
        calls[(n, "f")] = lambda x=x: fn(x)
    t = interleaved_times(calls, cell["repeat"], warm=0)
    return {"seconds": [t[(n, "grad")] for n in cell["n"]], "f_seconds": [t[(n, "f")] for n in cell["n"]]}


def _measure(fn, x, method, product, repeat):
    t0 = time.perf_counter()
    prep = dl.prepare(fn, x, method=_method(method))
    for _ in range(WARMUP):  # lazy compilation belongs to preparation
        getattr(prep, product)(x)
    prepare_seconds = time.perf_counter() - t0
    before = prep.cost.copy()
    times = _times(lambda: getattr(prep, product)(x), repeat)
    cost = (prep.cost - before) // repeat
    f_graph = dl.trace(fn, x)
    metrics = {
        "evals": cost.evals,
        "eqns": cost.eqns,
        "f_eqns": len(f_graph.eqns),
        "f_work": work(f_graph),
        "seconds": times,
        "f_seconds": _times(lambda: fn(x), repeat),
        "prepare_seconds": prepare_seconds,
    }
    if product == "grad" and method != "symbolic":
        # the gradient as a difflab program (its rules are difflab ops): the elements it produces
        program = dl.trace(dl.grad(fn, method=_method(method)), x)
        metrics["work"], metrics["work_by_op"] = work(program), work_by_op(program)
    elif product == "jacobian":
        # equations executed × the elements an equation of f produces on average (same shapes per sweep)
        metrics["work"] = metrics["eqns"] * metrics["f_work"] / metrics["f_eqns"] if method != "symbolic" else None
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
    # what the call allocates + the buffers the compiled tier keeps between calls (from 64 KiB a value: the full
    # preset's 512 × 16 layers, whose gradient allocated one layer a call and read "flat in depth")
    peak = call_peak_bytes(prep.grad, x, keeper=prep, exclude=[net])
    t0 = time.perf_counter()
    prep.grad(x)
    seconds = time.perf_counter() - t0
    return {"peak_bytes": int(peak), "seconds": seconds, "layer_bytes": batch * width * 8}


def run_cell(cell, seed):
    rng = np.random.default_rng(seed)
    if cell["part"] == "memory":
        return _memory(cell, rng)
    if cell["part"] == "time":
        return _timing_cell(cell, rng)
    x = rng.uniform(-1.0, 1.0, cell["n"])
    if cell["part"] == "gradient":
        return _measure(gradient_function, x, cell["method"], "grad", cell["repeat"])
    if cell["part"] == "loop":
        return _measure(loop_function, x, cell["method"], "grad", cell["repeat"])
    A = rng.standard_normal((cell["m"], cell["n"])) / np.sqrt(cell["n"])
    return _measure(lambda v: dnp.tanh(A @ v), x, cell["method"], "jacobian", cell["repeat"])


# -- summary and figures: read the results only ---------------------------------------------------


def _rows(results, part, method, x_key):
    return sorted(results.where(part=part, method=method), key=lambda r: r["cell"][x_key])


def _series(results, part, method, x_key, y_key):
    rows = [r for r in _rows(results, part, method, x_key) if r["metrics"].get(y_key) is not None]
    return [r["cell"][x_key] for r in rows], [r["metrics"][y_key] for r in rows]


def _timed_rows(results, part, method) -> list:
    """Rows {"cell": {"n"}, "metrics": {"seconds", "f_seconds"}} of one method's times by n: from its round-robin
    timing cell, or (runs before it) the per-n cells' own back-to-back repeats."""
    for r in results.where(part="time", of=part, method=method):
        m = r["metrics"]
        return [
            {"cell": {"n": n}, "metrics": {"seconds": t, "f_seconds": ft}}
            for n, t, ft in sorted(zip(r["cell"]["n"], m["seconds"], m["f_seconds"]))
        ]
    return _rows(results, part, method, "n")


def _time_series(results, part, method):
    rows = _timed_rows(results, part, method)
    return [r["cell"]["n"] for r in rows], [r["metrics"]["seconds"] for r in rows]


def _median_series(results, part, method, x_key, y_key):
    x, y = _series(results, part, method, x_key, y_key)
    return x, [float(np.median(v)) for v in y]


def _ratio(r, key):
    """cost(∇f)/cost(f) of one cell, in work (elements) or in time (each one's fastest repeat: other work only adds
    time)."""
    m = r["metrics"]
    if key == "work":
        return m["work"] / m["f_work"] if m.get("work") is not None else None
    return float(np.min(m["seconds"]) / np.min(m["f_seconds"]))


def _repeat_ratios(r) -> list:
    m = r["metrics"]
    k = min(len(m["seconds"]), len(m["f_seconds"]))
    return [g / f for g, f in zip(m["seconds"][:k], m["f_seconds"][:k])]


def summarize(results):
    s = {
        "gradient_work_slope": {},
        "gradient_eqns_slope": {},
        "gradient_evals_slope": {},
        "jacobian_work_slope_m": {},
        "jacobian_eqns_slope_m": {},
        "gradient_seconds_slope": {},
        "max_n": {},
        "cheap_gradient_ratio": {},
        "bound": CHEAP_GRADIENT_BOUND,
    }
    for m in COUNTED:
        s["gradient_work_slope"][m] = tail_slope(*_series(results, "gradient", m, "n", "work"))
        s["gradient_eqns_slope"][m] = loglog_slope(*_series(results, "gradient", m, "n", "eqns"))
        s["gradient_evals_slope"][m] = loglog_slope(*_series(results, "gradient", m, "n", "evals"))
        # a Jacobian costs one forward sweep plus one sweep per output: affine, so read the tail
        s["jacobian_work_slope_m"][m] = tail_slope(*_series(results, "jacobian", m, "m", "work"))
        s["jacobian_eqns_slope_m"][m] = tail_slope(*_series(results, "jacobian", m, "m", "eqns"))
    for m in METHODS:
        x, t = _time_series(results, "gradient", m)
        tail = [i for i, v in enumerate(x) if v >= np.median(x)] if x else []
        if len(tail) >= 2:
            med, lo, hi = slope_range([x[i] for i in tail], [t[i] for i in tail])
            s["gradient_seconds_slope"][m] = {"slope": med, "lo": lo, "hi": hi, "from_n": x[tail[0]], "to_n": x[-1]}
        s["max_n"][m] = max(x) if x else None
    for part in ("gradient", "loop"):
        rows = _rows(results, part, "reverse", "n")
        if rows:
            timed = _timed_rows(results, part, "reverse")
            work, secs = [_ratio(r, "work") for r in rows], [_ratio(r, "seconds") for r in timed]
            n = [r["cell"]["n"] for r in rows]
            top = next(iter(rows[-1]["metrics"]["work_by_op"].items()))
            s["cheap_gradient_ratio"][part] = {
                "n": n,
                "work": work,
                "seconds": secs,
                "top_op": top,
                "seconds_slope": loglog_slope(n, secs),
                # the time ratio's slope over the repeats (k-th gradient call over k-th call of f): one median ratio
                # a point read "2.83–9.32, flat in n (slope 0.14)" in one full run and slope -0.05 in the next
                # a ratio of two times, which a burst moves either way: read from each one's faster half of repeats
                "seconds_slope_range": list(
                    ratio_slope_range(
                        n, [r["metrics"]["seconds"] for r in timed], [r["metrics"]["f_seconds"] for r in timed]
                    )
                ),
                "work_slope": loglog_slope(n, work),
                "f_eqns": [r["metrics"]["f_eqns"] for r in rows],
            }
    x, sizes = _series(results, "gradient", "symbolic", "n", "cse")
    s["symbolic_cse_slope"] = loglog_slope(x, sizes)
    s["memory_slope_depth"] = {
        m: tail_slope(*_series(results, "memory", m, "depth", "peak_bytes"))
        for m in ("forward", "forward_vectorised", "reverse")
    }
    depth, peak = _series(results, "memory", "reverse", "depth", "peak_bytes")
    if len(depth) > 1:
        s["reverse_bytes_per_layer"] = float(np.polyfit(depth, peak, 1)[0])
        s["layer_bytes"] = results.where(part="memory")[0]["metrics"]["layer_bytes"]
    return s


def _panel(ax, results, part, x_key, y_key, methods, xlabel, ylabel, title, fit=True, scale=1.0):
    """Log-log lines of `y_key` (times `scale`) against `x_key`, one per method; returns the x values."""
    xs = []
    for m in methods:
        x, y = _series(results, part, m, x_key, y_key)
        if x:
            plot_method(ax, x, [v * scale for v in y], m, fit=fit)
            xs += x
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel=ylabel, title=title)
    data_ticks(ax.xaxis, xs, fmt="compact")
    return xs


def _fig_gradient(results, s):
    fig, axes = new_figure(3, width=4.4)
    ax, ax1, ax2 = axes[0]
    n = _panel(
        ax,
        results,
        "gradient",
        "n",
        "work",
        COUNTED,
        "inputs n",
        "elements produced per gradient",
        "Gradient work (elements produced)",
        fit=tail_slope,
    )
    n, w = _series(results, "gradient", "reverse", "n", "work")
    guide_line(ax, n, 1.0, (n[0], w[0]), "O(n) guide")
    ax.legend(fontsize=7)
    _panel(
        ax1,
        results,
        "gradient",
        "n",
        "eqns",
        COUNTED,
        "inputs n",
        "equations executed per gradient",
        "Equations executed (whole-array ops)",
    )
    ax1.legend(fontsize=7)
    sn, cse = _series(results, "gradient", "symbolic", "n", "cse")
    plot_method(ax2, sn, cse, "symbolic", label="symbolic: ops after CSE")
    plot_method(
        ax2,
        *_series(results, "gradient", "symbolic", "n", "naive"),
        "symbolic",
        ls="--",
        label="symbolic: ops before CSE",
    )
    plot_method(ax2, *_series(results, "gradient", "symbolic", "n", "tape"), "reverse", label="tape length of f")
    ax2.set(
        xscale="log",
        yscale="log",
        xlabel="inputs n",
        ylabel="operations (count)",
        title="Symbolic gradient: size of the lambdified code",
    )
    data_ticks(ax2.xaxis, sn)
    ax2.legend(fontsize=7)
    e, q = s["gradient_work_slope"], s["gradient_eqns_slope"]
    tape = results.where(part="gradient", method="reverse")[0]["metrics"]["f_eqns"]
    conclusion = (
        f"Measured in work, a reverse-mode gradient is {slope_words(e['reverse'])} up to n = "
        f"{s['max_n']['reverse']}, while forward mode is {slope_words(e['forward'])} and central "
        f"differences {slope_words(e['numeric'])}; counted in whole-array equations reverse looks "
        f"{slope_words(q['reverse'])} only because f's tape has {tape} equations for every n; the symbolic "
        f"derivative's size after CSE is {slope_words(s['symbolic_cse_slope'])}."
    )
    return FigureSpec(
        "gradient_counts",
        fig,
        "Cost of one full gradient vs n: work, equations, symbolic size",
        "Left: elements produced by the gradient program (sum over its equations) (the gradient traced as a difflab "
        "graph; slopes over the larger half of n). Middle: equations executed (the prepared object's cost), which count "
        f"a whole-array op once whatever its size (f has {tape} equations for every n). Right: the "
        "symbolic gradient's size in operations before and after common-subexpression elimination "
        "(symbolic's lambdified NumPy is not a difflab graph, so its work is shown as time only).",
        conclusion,
    )


def _fig_jacobian(results, s):
    fig, axes = new_figure(2)
    ax, ax1 = axes[0]
    n = results.where(part="jacobian")[0]["cell"]["n"]
    m_ = _panel(
        ax,
        results,
        "jacobian",
        "m",
        "work",
        COUNTED,
        "outputs m",
        "elements produced per Jacobian",
        f"Jacobian work of tanh(A x), n = {n}",
        fit=tail_slope,
    )
    ax.legend(fontsize=7)
    _panel(
        ax1,
        results,
        "jacobian",
        "m",
        "eqns",
        COUNTED,
        "outputs m",
        "equations executed per Jacobian",
        f"Equations executed, n = {n}",
        fit=tail_slope,
    )
    ax1.legend(fontsize=7)
    e, q = s["jacobian_work_slope_m"], s["jacobian_eqns_slope_m"]
    m_, rw = _series(results, "jacobian", "reverse", "m", "work")
    fwd = dict(zip(*_series(results, "jacobian", "forward", "m", "work")))
    dearer = [m for m, cost in zip(m_, rw) if cost > fwd.get(m, np.inf)]
    crossover = (
        f"reverse produces fewer elements than forward up to m = {max(k for k in m_ if k < dearer[0])} and "
        f"more from m = {dearer[0]} (n = {n})"
        if dearer and dearer[0] > m_[0]
        else "reverse produces fewer elements than forward at every m measured"
        if not dearer
        else "forward produces fewer elements than reverse at every m measured"
    )
    conclusion = (
        f"With n = {n} fixed, the Jacobian's work is {slope_words(e['reverse'], 'm')} for reverse mode "
        f"(m backward sweeps, each over arrays of m entries) and {slope_words(e['forward'], 'm')} "
        f"for forward mode (n sweeps whose arrays have m entries); counted in equations forward looks "
        f"{slope_words(q['forward'], 'm')}, an artefact of whole-array counting: {crossover}."
    )
    return FigureSpec(
        "jacobian_counts",
        fig,
        "Cost of a full Jacobian vs outputs m: work and equations",
        "Left: elements produced for the whole m×n Jacobian of y = tanh(A x) (equations executed × the "
        "elements an equation of f produces at that m); right: equations executed. Slopes are fitted "
        "over the larger half of m.",
        conclusion,
    )


def _fig_time(results, s):
    fig, axes = new_figure()
    ax = axes[0, 0]
    for m in METHODS:
        x, t = _time_series(results, "gradient", m)
        if not x:
            continue
        t = 1e3 * np.asarray(t)
        style = method_style(m)
        ax.fill_between(x, t.min(axis=1), t.max(axis=1), color=style["color"], alpha=0.2, lw=0)
        ax.plot(x, t.min(axis=1), ms=4, lw=1.4, **style)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="inputs n",
        ylabel="time per gradient (ms)",
        title="Gradient CPU time (fastest and min–max of repeats)",
    )
    data_ticks(ax.xaxis, _time_series(results, "gradient", "reverse")[0], fmt="compact")
    ax.legend(fontsize=7)
    t = s["gradient_seconds_slope"]
    words = "; ".join(
        f"{m} {noisy_slope_words(t[m]['slope'], t[m]['lo'], t[m]['hi'])} for n = {t[m]['from_n']}–{t[m]['to_n']}"
        for m in METHODS
        if m in t
    )
    repeat = results[0]["cell"]["repeat"]
    conclusion = (
        f"Per gradient, over the larger half of each method's n range and {repeat} repeats: {words}. "
        + symbolic_preparation_words(results.where(part="gradient", method="symbolic"))
    )
    return FigureSpec(
        "gradient_time",
        fig,
        "Time per gradient vs n",
        "Fastest CPU time of one gradient call per method (the process's, time.process_time: other work preempting "
        "it adds wall time, not CPU time), preparation excluded, with the range of the repeats shaded (log-log); each "
        "method's sizes are timed round-robin (a round calls each once). A slope is "
        "read from each size's fastest repeat and named only when the curves through each size's faster half of "
        "repeats (fastest to median: other work only adds time) read the same.",
        conclusion,
    )


def bound_words(n, work) -> str:
    """Where the work ratios `work` (at inputs `n`) stand against the cheap-gradient bound, in words.

    Names every n above the bound: "above the bound at n = 256" read as if only the last n crossed
    it, where the scalar loop's ratio was 4 (at the bound) at n = 4 and above it at n = 16, 64, 256.

    >>> bound_words([4, 16, 64, 256], [4.0, 9.9, 33.9, 130.0])
    'at or within the bound at n = 4, above it at n = 16, 64, 256'
    >>> bound_words([4, 16], [3.2, 3.5])
    'within the bound at every n'
    >>> bound_words([4, 16], [5.0, 9.9])
    'above the bound at every n'
    """
    above = [k for k, w in zip(n, work) if w > CHEAP_GRADIENT_BOUND]
    within = [k for k in n if k not in above]
    if not above:
        return "within the bound at every n"
    if not within:
        return "above the bound at every n"
    return f"at or within the bound at n = {', '.join(map(str, within))}, above it at n = {', '.join(map(str, above))}"


def symbolic_preparation_words(syms) -> str:
    """Symbolic's costliest preparation and the largest n's, one timing each. The largest n's (2.6 ms) was once
    quoted as what preparing costs; the first preparation in a process pays SymPy's start-up, and with --jobs cells
    run in several processes, in any order: the sentence said "a later preparation in the same process reuses SymPy's
    work" as a fact of every run.

    >>> rows = [{"cell": {"n": n}, "metrics": {"prepare_seconds": p, "seconds": [1e-5]}} for n, p in ((4, 0.02), (64, 0.003))]
    >>> symbolic_preparation_words(rows)
    "Preparing symbolic took up to 0.02 s (n = 4, 2.00e+03 gradient calls' worth; one timing each) and 3.00e-03 s at n = 64."
    """
    if not syms:
        return ""
    cold = max(syms, key=lambda r: r["metrics"]["prepare_seconds"])
    last = max(syms, key=lambda r: r["cell"]["n"])
    text = (
        f"Preparing symbolic took up to {num(cold['metrics']['prepare_seconds'])} s (n = {cold['cell']['n']}, "
        f"{num(cold['metrics']['prepare_seconds'] / np.median(cold['metrics']['seconds']))} gradient calls' worth; "
        "one timing each)"
    )
    if last is not cold:
        text += f" and {num(last['metrics']['prepare_seconds'])} s at n = {last['cell']['n']}"
    return text + "."


def _fig_ratio(results, s):
    fig, axes = new_figure(2)
    eqns = s["cheap_gradient_ratio"]["gradient"]["f_eqns"]
    labels = {
        "gradient": f"vectorised f ({eqns[0]} whole-array equations at every n)",
        "loop": "scalar-loop f (tape grows with n)",
    }
    for ax, key, what in zip(axes[0], ("work", "seconds"), ("work (elements produced)", "time (fastest)")):
        for part, style in (("gradient", {"ls": "-"}), ("loop", {"ls": "--"})):
            c = s["cheap_gradient_ratio"].get(part)
            if c:
                plot_method(
                    ax,
                    c["n"],
                    c[key],
                    "reverse",
                    fit=False,
                    label=f"reverse, {labels[part]}",
                    marker="D" if part == "gradient" else "o",
                    **style,
                )
                if key == "seconds":  # the repeats' range (k-th gradient call over k-th call of f), as the sentence
                    spread = [_repeat_ratios(r) for r in _timed_rows(results, part, "reverse")]
                    ax.fill_between(
                        c["n"],
                        [min(v) for v in spread],
                        [max(v) for v in spread],
                        color=method_style("reverse")["color"],
                        alpha=0.15,
                        lw=0,
                    )
        ax.axhline(
            CHEAP_GRADIENT_BOUND,
            ls=":",
            color="#777777",
            label=f"{num(CHEAP_GRADIENT_BOUND)} (cheap-gradient bound, operations)",
        )
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="inputs n",
            ylabel=f"cost(∇f) / cost(f), {what}",
            title=f"The cheap-gradient ratio in {what.split(' (')[0]}",
        )
        ax.legend(fontsize=7)
    v, lp = s["cheap_gradient_ratio"]["gradient"], s["cheap_gradient_ratio"].get("loop")
    span = lambda r: num(min(r)) if num(min(r)) == num(max(r)) else f"{num(min(r))}–{num(max(r))}"  # noqa: E731
    parts = [
        f"on the vectorised f a reverse-mode gradient (f's own sweep included) produces {span(v['work'])}× the "
        f"elements f produces for n = {v['n'][0]}–{v['n'][-1]}, "
        f"{'within' if max(v['work']) <= CHEAP_GRADIENT_BOUND else 'above'} the bound of "
        f"{num(CHEAP_GRADIENT_BOUND)}, and takes {span(v['seconds'])}× f's time"
    ]
    if lp:
        parts.append(
            f"on the scalar-loop f (tape of {lp['f_eqns'][0]}–{lp['f_eqns'][-1]} equations) the work ratio is "
            f"{span(lp['work'])}, {slope_words(lp['work_slope'])} "
            f"({bound_words(lp['n'], lp['work'])}; {num(100 * lp['top_op'][1])}% of the gradient's work at "
            f"n = {lp['n'][-1]} is {lp['top_op'][0]}), "
            f"and its time ratio is {span(lp['seconds'])}, {_ratio_slope_words(lp)}"
        )
    return FigureSpec(
        "cheap_gradient_ratio",
        fig,
        "Cost of a gradient in units of f: work and time",
        "cost(∇f)/cost(f) for reverse mode, in elements produced (left: the traced gradient program "
        "against f's tape) and in CPU time (right: fastest gradient call against fastest call of f, timed round-robin, the range of "
        "each round's ratio shaded), on "
        "a vectorised f and on the same kind of f written as a loop over scalars.",
        sentence(parts),
    )


def _stored_words(slope: float, per_layer: float, layer_bytes: float) -> str:
    """Why reverse's memory grows, said only when it does: the full preset's layers (64 KiB, kept in the compiled
    tier's buffers) once measured "flat in depth, -3.05e-16 KiB per layer: it stores every layer"."""
    layers = per_layer / layer_bytes if layer_bytes else float("nan")
    if math.isfinite(slope) and slope > 0.5 and layers >= 0.5:
        return f": for each layer of depth it keeps {num(layers)}× one layer's values for the backward sweep"
    return f": {num(layers)}× one layer's values per layer of depth, no tape that grows with depth"


def _ratio_slope_words(lp) -> str:
    """The time ratio's trend with the repeats' spread (summaries written before it have the median's slope only)."""
    if lp.get("seconds_slope_range"):
        return noisy_slope_words(*lp["seconds_slope_range"])
    return slope_words(lp["seconds_slope"])


def _fig_memory(results, s):
    fig, axes = new_figure()
    ax = axes[0, 0]
    labels = {
        "forward": "forward (1 tangent per sweep)",
        "forward_vectorised": "forward (all n tangents at once)",
        "reverse": "reverse",
    }
    for m, label in labels.items():
        d, peak = _series(results, "memory", m, "depth", "peak_bytes")
        plot_method(ax, d, [p / 2**20 for p in peak], m, fit=False, label=label, ls="--" if "vector" in m else "-")
    # linear axes: stored layers make reverse's memory an affine function of depth
    ax.set(
        xlabel="network depth (layers)",
        ylabel="peak memory during a gradient (MiB)",
        title="Memory vs depth (peak in use)",
        ylim=(0, None),
    )
    ax.legend()
    per = s.get("reverse_bytes_per_layer", float("nan"))
    conclusion = (
        f"Reverse mode's peak memory is {slope_words(s['memory_slope_depth']['reverse'], 'depth')} at "
        f"large depth, "
        f"{num(per / 1024)} KiB per layer (one layer's values are {num(s.get('layer_bytes', 0) / 1024)} KiB)"
        f"{_stored_words(s['memory_slope_depth']['reverse'], per, s.get('layer_bytes', 0))}, while one-tangent "
        f"forward mode is {slope_words(s['memory_slope_depth']['forward'], 'depth')}."
    )
    return FigureSpec(
        "memory_depth",
        fig,
        "Peak memory vs network depth",
        "Peak memory in use during one gradient of a tanh network (batch × width activations per "
        "layer): the call's traced allocation plus the buffers the compiled tier keeps between calls, for "
        "reverse mode and two forms of forward mode.",
        conclusion,
    )


def figures(results, summary):
    return [
        _fig_gradient(results, summary),
        _fig_jacobian(results, summary),
        _fig_time(results, summary),
        _fig_ratio(results, summary),
        _fig_memory(results, summary),
    ]


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
