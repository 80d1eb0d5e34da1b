"""Jacobian strategies: forward mode by chunks of tangents, reverse mode row by row, and numeric.

For y = tanh(A x) with A of shape (m, n), each strategy builds the full m×n Jacobian: forward mode
pushes `chunk` tangents per sweep (n/chunk sweeps), reverse mode pulls one output row per backward
sweep (m sweeps), central differences take 2 evaluations per input. Deterministic counts carry the
claims: sweeps (`cost.evals`), equations executed (`cost.eqns`) and work, the elements
produced (equations, each counted once per tangent it carries, × the elements an equation of f produces);
time is the process's CPU time, the fastest of repeated calls, every strategy and size called round-robin (other
work on a shared machine only adds time), with the repeats' spread.

Sparse Jacobians with colouring: for a tridiagonal f (y_i = tanh(2x_i − x_(i−1) − x_(i+1)) + 0.1x_i²),
`dl.jacobian(f, sparse=True, method=...)` reads the pattern from the graph, colours it and takes one
JVP (forward) or VJP (reverse) per colour: its sweeps (the result's `.sweeps`) stay fixed as n grows,
where dense forward mode takes n. Sweeps, equations executed and time against n, beside dense
forward (one tangent per sweep) and dense reverse.
"""

from __future__ import annotations

import math

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.graph import counting
from difflab.report.figures import FigureSpec, data_ticks, new_figure
from difflab.report.stats import num, ordering, sentence, slope_words, tail_slope
from difflab.runner.measure import interleaved_times

QUESTION = (
    "For a full Jacobian of n inputs and m outputs, how do forward mode with tangent chunks, reverse mode "
    "row by row and finite differences compare in sweeps, work and time as n and m grow?"
)

PRESETS = {
    "quick": {"n": [4, 16, 64], "m": [4, 16, 64], "chunks": [1, 4, 16, 64], "sparse_n": [8, 32, 128], "repeat": 5},
    "full": {
        "n": [4, 16, 64, 256],
        "m": [4, 16, 64, 256],
        "chunks": [1, 4, 16, 64, 256],
        "sparse_n": [8, 32, 128, 512],
        "repeat": 7,
    },
}

#: calls before measuring: a method may interpret its first call and compile on a later one
WARMUP = 3


def strategies(n, chunks) -> list:
    """The strategies for n inputs: forward with each chunk size that fits, reverse, numeric."""
    return [f"forward/{k}" for k in chunks if k <= n] + ["reverse", "numeric"]


def _method(strategy):
    if strategy.startswith("forward/"):
        return dl.Forward(chunk=int(strategy.split("/")[1]))
    return {"numeric": dl.Numeric(scheme="central")}.get(strategy, strategy)


#: the banded part: dense forward (one tangent a sweep), dense reverse, and colouring with each mode
SPARSE = ("dense forward", "dense reverse", "sparse forward", "sparse reverse")


def cells(config):
    dense = [
        {"part": "dense", "strategy": s, "n": n, "m": m, "repeat": config["repeat"]}
        for n in config["n"]
        for m in config["m"]
        for s in strategies(n, config["chunks"])
    ]
    sparse = [
        {"part": "sparse", "strategy": s, "n": n, "repeat": config["repeat"]}
        for n in config["sparse_n"]
        for s in SPARSE
    ]
    # the times: one cell a part, every strategy at every size called round-robin (runner.measure.interleaved_times),
    # so that a burst of other work slows one round of every contender, not all repeats of one
    timing = [
        {"part": "time", "of": "dense", "points": [[c["strategy"], c["n"], c["m"]] for c in dense]},
        {"part": "time", "of": "sparse", "points": [[c["strategy"], c["n"]] for c in sparse]},
    ]
    return dense + sparse + [dict(c, repeat=config["repeat"]) for c in timing]


def tridiagonal(x):
    """y_i = tanh(2x_i − x_(i−1) − x_(i+1)) + 0.1x_i² (zero beyond the ends): a tridiagonal Jacobian."""
    z = dnp.concatenate([np.zeros(1), x, np.zeros(1)])
    return dnp.tanh(2.0 * z[1:-1] - z[2:] - z[:-2]) + 0.1 * x * x


def tridiagonal_jacobian(x):
    z = np.concatenate([np.zeros(1), x, np.zeros(1)])
    s = 1.0 - np.tanh(2.0 * z[1:-1] - z[2:] - z[:-2]) ** 2
    return np.diag(2.0 * s + 0.2 * x) - np.diag(s[:-1], 1) - np.diag(s[1:], -1)


def _as_dense(J):
    """A sparse result (SciPy CSR, or the COO triple without SciPy) as a dense array."""
    if hasattr(J, "toarray"):
        return J.toarray()
    rows, cols, values, shape = J
    out = np.zeros(shape)
    out[rows, cols] = values
    return out


def _sparse_call(strategy, x):
    """(the call computing one Jacobian of `tridiagonal` at x by `strategy`, the sparse jacobian or None)."""
    kind, mode = strategy.split()
    if kind == "sparse":
        jac = dl.jacobian(tridiagonal, sparse=True, method=mode)
        return (lambda: _as_dense(jac(x))), jac
    prep = dl.prepare(tridiagonal, x, method=dl.Forward(chunk=1) if mode == "forward" else mode)
    return (lambda: np.asarray(prep.jacobian(x))), None


def _dense_call(strategy, n, m, rng):
    """(y = tanh(A x)'s f, its prepared object, x, A) for one dense cell."""
    A = rng.standard_normal((m, n)) / math.sqrt(n)
    x = rng.uniform(-1.0, 1.0, n)

    def f(v):
        return dnp.tanh(A @ v)

    return f, dl.prepare(f, x, method=_method(strategy)), x, A


def _timing_cell(cell, seed):
    """Every point of one part timed round-robin after WARMUP calls each: {"seconds": [repeats] per point}."""
    rng = np.random.default_rng(seed)
    calls = {}
    for k, point in enumerate(cell["points"]):
        if cell["of"] == "sparse":
            calls[k] = _sparse_call(point[0], rng.uniform(-1.0, 1.0, point[1]))[0]
        else:
            _, prep, x, _ = _dense_call(*point, rng)
            calls[k] = lambda prep=prep, x=x: prep.jacobian(x)
    times = interleaved_times(calls, cell["repeat"], warm=WARMUP)
    return {"seconds": [times[k] for k in range(len(cell["points"]))]}


def _sparse_cell(cell, seed):
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, cell["n"])
    kind, mode = cell["strategy"].split()
    call, jac = _sparse_call(cell["strategy"], x)
    for _ in range(WARMUP):
        call()
    with counting() as cost:
        J = call()
    eqns = cost.eqns
    # sweeps: colours for sparse (its `.sweeps`), evaluations of f for dense forward; dense reverse pulls
    # one row per backward sweep, which Prepared does not count
    sweeps = jac.sweeps if jac is not None else (cost.evals if mode == "forward" else None)
    graph = dl.trace(tridiagonal, x)
    per_eqn = sum(math.prod(e.out.shape) for e in graph.eqns) / len(graph.eqns)
    return {
        "sweeps": sweeps,
        "eqns": eqns,
        "work": eqns * per_eqn,
        "max_error": float(np.max(np.abs(J - tridiagonal_jacobian(x)))),
    }


def run_cell(cell, seed):
    if cell.get("part") == "sparse":
        return _sparse_cell(cell, seed)
    if cell.get("part") == "time":
        return _timing_cell(cell, seed)
    f, prep, x, A = _dense_call(cell["strategy"], cell["n"], cell["m"], np.random.default_rng(seed))
    for _ in range(WARMUP):
        prep.jacobian(x)
    before = prep.cost.copy()
    J = prep.jacobian(x)
    cost = prep.cost - before
    evals, eqns = cost.evals, cost.eqns
    graph = dl.trace(f, x)
    per_eqn = sum(math.prod(e.out.shape) for e in graph.eqns) / len(graph.eqns)
    exact = (1.0 - np.tanh(A @ x) ** 2)[:, None] * A
    return {
        "sweeps": evals,
        "eqns": eqns,
        # cost.eqns already counts an equation once per tangent it carries (graph.Cost: a batched run of B points
        # counts B times); times the chunk again, forward/256's work read 256× forward/1's for the same Jacobian
        "work": eqns * per_eqn,
        "max_error": float(np.max(np.abs(np.asarray(J) - exact))),
    }


# -- summary and figures: read the results only ---------------------------------------------------


def _cell(results, strategy, n, m):
    rows = results.where(strategy=strategy, n=n, m=m)
    return rows[0]["metrics"] if rows else None


def _chunk_work_words(results, chunks, n, ms) -> str:
    """Whether forward mode's chunks do the same work (then their lines in the work panel lie on each other)."""
    works = {c: [(_cell(results, f"forward/{c}", n, m) or {}).get("work") for m in ms] for c in chunks}
    if len(works) < 2:
        return ""
    if len({tuple(w) for w in works.values()}) == 1:
        return (
            f"forward mode produces the same elements with every chunk ({', '.join(map(str, chunks))}; their lines "
            "coincide): the chunk changes its sweeps and its time, not its work"
        )
    return "forward mode's work differs between chunks: " + ", ".join(
        f"chunk {c} {num(w[-1])} at m = {ms[-1]}" for c, w in works.items()
    )


def _numeric_evals(results, n, m) -> str:
    c = _cell(results, "numeric", n, m)
    if c is None:
        return "not run"
    return f"{c['sweeps']} at n = {n}" + (", two per input plus f at x" if c["sweeps"] == 2 * n + 1 else "")


def _sparse_series(sparse, strategy, key):
    rows = sorted(sparse.where(strategy=strategy), key=lambda r: r["cell"]["n"])
    return [r["cell"]["n"] for r in rows], [r["metrics"][key] for r in rows]


def _summarize_sparse(sparse):
    out = {}
    for s in sparse.unique("strategy"):
        n, sweeps = _sparse_series(sparse, s, "sweeps")
        _, eqns = _sparse_series(sparse, s, "eqns")
        _, work = _sparse_series(sparse, s, "work")
        _, t = _sparse_series(sparse, s, "seconds")
        out[s] = {
            "n": n,
            "sweeps": sweeps,
            "eqns": eqns,
            "work": work,
            "median_seconds": [float(np.median(v)) for v in t],
            "eqns_slope": tail_slope(n, eqns) if len(n) > 1 else None,
            "work_slope": tail_slope(n, work) if len(n) > 1 else None,
            "max_error": max(_sparse_series(sparse, s, "max_error")[1]),
        }
    if out:
        n_max = max(sparse.unique("n"))
        out["timing_at_max_n"] = ordering(
            {r["cell"]["strategy"]: r["metrics"]["seconds"] for r in sparse.where(n=n_max)}, " s"
        )
        out["n_max"] = n_max
    return out


def least_work_words(work: dict) -> str:
    """The strategies with the least work, every one of them: forward mode's chunks all produce the same elements, so
    naming the first ("forward/1") read as if chunk 1 were the cheapest.

    >>> least_work_words({"forward/1": 8, "forward/4": 8, "reverse": 9})
    'forward (every chunk)'
    >>> least_work_words({"forward/1": 8, "forward/4": 8, "reverse": 8}), least_work_words({"forward/1": 9, "reverse": 8})
    ('forward/1, forward/4 and reverse (the same work)', 'reverse')
    """
    low = min(work.values())
    tied = [s for s, w in work.items() if w == low]
    chunks = [s for s in work if s.startswith("forward/")]
    if len(chunks) > 1 and tied == chunks:
        return "forward (every chunk)"
    return tied[0] if len(tied) == 1 else f"{', '.join(tied[:-1])} and {tied[-1]} (the same work)"


def _timed(results):
    """`results` with each dense and sparse cell's "seconds" read from its part's round-robin timing cell (runs
    before it kept them in the cell: unchanged)."""
    from difflab.runner import Results

    times = {}
    for r in results.where(part="time"):
        for point, t in zip(r["cell"]["points"], r["metrics"]["seconds"]):
            times[(r["cell"]["of"], *point)] = t
    out = []
    for r in results:
        c = r["cell"]
        key = (c.get("part"), c.get("strategy"), c.get("n")) + ((c["m"],) if c.get("part") == "dense" else ())
        if key in times:
            r = dict(r, metrics=dict(r["metrics"], seconds=times[key]))
        out.append(r)
    return Results(out)


def summarize(results):
    results = _timed(results)
    sparse, results = results.where(part="sparse"), results.where(part="dense")
    ns, ms = sorted(results.unique("n")), sorted(results.unique("m"))
    out = {"grid": {}, "slopes": {}}
    for n in ns:
        for m in ms:
            here = {r["cell"]["strategy"]: r["metrics"] for r in results.where(n=n, m=m)}
            fastest = ordering({s: v["seconds"] for s, v in here.items()}, " s")
            least = least_work_words({s: v["work"] for s, v in here.items()})
            out["grid"][f"{n}x{m}"] = {
                "n": n,
                "m": m,
                "fastest": fastest,
                "least_work": least,
                "work": {s: v["work"] for s, v in here.items()},
                "sweeps": {s: v["sweeps"] for s, v in here.items()},
            }
    n_max = max(ns)
    for s in ("forward/1", "reverse", "numeric"):
        xs = [m for m in ms if _cell(results, s, n_max, m)]
        out["slopes"][s] = tail_slope(xs, [_cell(results, s, n_max, m)["work"] for m in xs]) if len(xs) > 1 else None
    out["max_error"] = {
        s: max(r["metrics"]["max_error"] for r in results.where(strategy=s)) for s in results.unique("strategy")
    }
    out["sparse"] = _summarize_sparse(sparse)
    return out


_STYLE = {"reverse": ("#e7298a", "D", "-"), "numeric": ("#d95f02", "^", "-.")}


def _style(strategy, chunks):
    if strategy in _STYLE:
        return _STYLE[strategy]
    k = chunks.index(int(strategy.split("/")[1]))
    import matplotlib

    # each chunk its own marker and dash: their work is the same, so their lines lie on each other in that panel
    marker, dash = _CHUNK_MARKERS[k % len(_CHUNK_MARKERS)], _CHUNK_DASHES[k // len(_CHUNK_MARKERS) % len(_CHUNK_DASHES)]
    return matplotlib.colormaps["Purples"](0.45 + 0.5 * k / max(1, len(chunks) - 1)), marker, dash


_CHUNK_MARKERS = ("o", "s", "^", "v", "P", "X")
_CHUNK_DASHES = ("--", ":", "-.")


def _sparse_figure(sparse, summary):
    sp = summary["sparse"]
    styles = {
        "dense forward": ("#7570b3", "o", "--"),
        "dense reverse": ("#e7298a", "D", "--"),
        "sparse forward": ("#7570b3", "o", "-"),
        "sparse reverse": ("#e7298a", "D", "-"),
    }
    ns = sorted(sparse.unique("n"))
    fig, axes = new_figure(ncols=3, width=4.2, height=3.6)
    for ax, key, label in zip(
        axes[0],
        ("sweeps", "work", "seconds"),
        ("products (JVPs or VJPs) per Jacobian", "elements produced per Jacobian", "CPU time per Jacobian (ms)"),
    ):
        for s in SPARSE:
            if s not in sp:
                continue
            color, marker, ls = styles[s]
            n, ys = _sparse_series(sparse, s, key)
            if key == "sweeps" and None in ys:
                continue  # dense reverse's backward sweeps are not counted
            if key == "seconds":
                t = 1e3 * np.asarray(ys)
                ax.fill_between(n, t.min(axis=1), t.max(axis=1), color=color, alpha=0.15, lw=0)
                ys = t.min(axis=1)
            # sparse forward and reverse can take the same sweeps: forward's hollow, larger marker stays visible
            ax.plot(
                n,
                ys,
                color=color,
                marker=marker,
                ls=ls,
                label=s,
                **({"ms": 8, "fillstyle": "none"} if s == "sparse forward" else {"ms": 4}),
            )
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="n (inputs = outputs)",
            ylabel=label,
            title=label.split(" per")[0].split(" (")[0] + ", tridiagonal f",
        )
        data_ticks(ax.xaxis, ns)
        ax.legend(fontsize=6)
    parts = [
        f"colouring takes {', '.join(str(k) for k in sorted(set(sp['sparse forward']['sweeps'])))} forward "
        f"sweeps and {', '.join(str(k) for k in sorted(set(sp['sparse reverse']['sweeps'])))} reverse sweeps "
        f"over n from {ns[0]} to {ns[-1]}, where dense forward takes "
        f"{sp['dense forward']['sweeps'][0]}–{sp['dense forward']['sweeps'][-1]}",
        "work (elements produced): "
        + "; ".join(
            f"{s} {slope_words(sp[s]['work_slope'])}, {slope_words(sp[s]['eqns_slope']).split(' (')[0]} in equations"
            for s in SPARSE
        ),
        f"in time at n = {sp['n_max']}: {sp['timing_at_max_n']['text']}",
        "largest entry error against the closed form: " + ", ".join(f"{s} {num(sp[s]['max_error'])}" for s in SPARSE),
    ]
    return FigureSpec(
        "sparse_jacobian",
        fig,
        "Sparse Jacobians by colouring vs dense, against n",
        "For a tridiagonal f of n inputs and outputs: products per Jacobian (the sparse result's `.sweeps`, one JVP "
        "or VJP per colour of the graph-read pattern; dense forward's evaluations of f, one tangent each), work "
        "(equations executed × the elements an equation of f produces) and the fastest CPU time per Jacobian (timed "
        "round-robin) with the repeats' range shaded.",
        sentence(parts),
    )


def figures(results, summary):
    results = _timed(results)
    sparse, results = results.where(part="sparse"), results.where(part="dense")
    ns, ms = sorted(results.unique("n")), sorted(results.unique("m"))
    chunks = sorted({int(s.split("/")[1]) for s in results.unique("strategy") if s.startswith("forward/")})
    n_max = max(ns)
    fig, axes = new_figure(ncols=3, width=4.2, height=3.6)
    for ax, key, label in zip(
        axes[0],
        ("sweeps", "work", "seconds"),
        ("evaluations of f per Jacobian", "elements produced per Jacobian", "CPU time per Jacobian (ms)"),
    ):
        for s in [s for s in results.unique("strategy") if _cell(results, s, n_max, ms[0])]:
            color, marker, ls = _style(s, chunks)
            rows = [(m, _cell(results, s, n_max, m)) for m in ms]
            ys = [min(v["seconds"]) * 1e3 if key == "seconds" else v[key] for _, v in rows]
            ax.plot(ms, ys, color=color, marker=marker, ls=ls, ms=4, label=s.replace("/", ", chunk "))
            if key == "seconds":
                lo = [min(v["seconds"]) * 1e3 for _, v in rows]
                hi = [max(v["seconds"]) * 1e3 for _, v in rows]
                ax.fill_between(ms, lo, hi, color=color, alpha=0.15, lw=0)
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="outputs m",
            ylabel=label,
            title=f"{label.split(' per')[0].replace(' of f', '')}, n = {n_max}",
        )
        data_ticks(ax.xaxis, ms)
        ax.legend(fontsize=6)
    sl = summary["slopes"]
    g = summary["grid"]
    wins = [f"n = {c['n']}, m = {c['m']}: {c['least_work']}" for c in g.values()]
    timing = [f"n = {c['n']}, m = {c['m']}: {c['fastest']['text']}" for c in g.values() if c["n"] == n_max]
    parts = [
        f"with n = {n_max} inputs the work grows with the outputs m as: forward chunk 1 "
        f"{slope_words(sl['forward/1'], 'm')}, reverse {slope_words(sl['reverse'], 'm')}, numeric "
        f"{slope_words(sl['numeric'], 'm')}",
        _chunk_work_words(results, chunks, n_max, ms),
        "the least work per grid point: " + "; ".join(wins),
        "in time (fastest of repeats, named only when the faster halves of the repeats separate): " + "; ".join(timing),
        "largest entry error against the closed form: "
        + ", ".join(f"{s} {num(v)}" for s, v in summary["max_error"].items()),
    ]
    specs = [
        FigureSpec(
            "jacobian_strategies",
            fig,
            "Jacobian strategies vs outputs m: sweeps, work and time",
            f"For y = tanh(A x) with n = {n_max} inputs: evaluations of f (cost.evals; forward: one "
            "per sweep, n/chunk sweeps; reverse: one forward sweep, then m backward sweeps that do not "
            f"evaluate f; numeric: {_numeric_evals(results, n_max, ms[0])}), elements produced (equations, each "
            "counted once per tangent it carries, × elements per equation of f) and the fastest CPU time (the "
            "process's) per Jacobian with the repeats' range shaded (every strategy and size timed round-robin, a round calling each once: "
            "other work only adds time, so the fastest repeats are the cost).",
            sentence(parts),
        )
    ]
    fig, axes = new_figure(width=4.6, height=3.6)
    ax = axes[0, 0]
    ratio = np.array([[g[f"{n}x{m}"]["work"]["reverse"] / g[f"{n}x{m}"]["work"]["forward/1"] for m in ms] for n in ns])
    im = ax.imshow(
        np.log10(ratio),
        cmap="coolwarm",
        vmin=-np.abs(np.log10(ratio)).max(),
        vmax=np.abs(np.log10(ratio)).max(),
        origin="lower",
    )
    ax.set_xticks(range(len(ms)), [str(m) for m in ms])
    ax.set_yticks(range(len(ns)), [str(n) for n in ns])
    ax.grid(False)
    for i in range(len(ns)):
        for j in range(len(ms)):
            ax.text(j, i, f"{ratio[i, j]:.2g}", ha="center", va="center", fontsize=8)
    ax.set(xlabel="outputs m", ylabel="inputs n", title="work: reverse / forward (chunk 1)")
    fig.colorbar(im, ax=ax, label="log10 work ratio")
    cheaper = [f"{n}×{m}" for i, n in enumerate(ns) for j, m in enumerate(ms) if ratio[i, j] < 1]
    specs.append(
        FigureSpec(
            "reverse_vs_forward",
            fig,
            "Where reverse mode beats forward mode",
            "Work of a reverse-mode Jacobian (m backward sweeps) over forward mode's (n sweeps of one tangent), for each "
            "n (rows) and m (columns); blue: reverse does less work.",
            f"Reverse mode does less work than forward mode at {len(cheaper)} of {ratio.size} grid points "
            f"(n×m: {', '.join(cheaper) or 'none'}); the ratio ranges {num(ratio.min())}–{num(ratio.max())}.",
        )
    )
    if sparse:
        specs.append(_sparse_figure(sparse, summary))
    return specs


if __name__ == "__main__":
    from difflab.cli import experiment_main

    raise SystemExit(experiment_main(__file__))
