"""Full gradient vs number of inputs n = 4…1024 for every method, with fitted log-log slopes; and
chunked forward mode against n separate JVPs and against jax.jacfwd (jit) at n = 1024.

    python bench/scaling.py [--quick]

The function is a smooth chain of n inputs whose own cost is O(n):
    f(x) = Σ_i tanh(x_i·x_{i+1} + c_i) + ½ Σ_i x_i²,  c fixed.
Each method is prepared once per n (preparation is not timed here; symbolic's is in symbolic.py);
the per-call time of `prepared.grad(x)` is measured interleaved across methods at each n.
"""

from __future__ import annotations

try:
    from . import _common as C
except ImportError:
    import _common as C

import time

import numpy as np

import difflab as dl
import difflab.numpy as dnp

NS = [4, 16, 64, 256, 1024]
SYMBOLIC_MAX_N = 256  # preparation (SymPy diff + lambdify) grows quickly; beyond this it is skipped
CHUNK_TARGET = 20.0
JAX_TARGET = 1.5  # chunked forward full gradient ÷ jax.jacfwd (jit), issue 17 §3


def make_f(n, seed=0):
    c = np.random.default_rng(seed).normal(size=n - 1)

    def f(x):
        return dnp.sum(dnp.tanh(x[:-1] * x[1:] + c)) + 0.5 * dnp.sum(x * x)

    def exact(x):
        t = 1.0 - np.tanh(x[:-1] * x[1:] + c) ** 2
        g = x.copy()
        g[:-1] += t * x[1:]
        g[1:] += t * x[:-1]
        return g

    return f, exact


def jax_jacfwd(n, x, g_true):
    """jit(jacfwd(f)) for the same f in jax.numpy (checked against the exact gradient), or None."""
    jax = C.peer("jax")
    if jax is None:
        return None
    import jax.numpy as jnp

    c = jnp.asarray(np.random.default_rng(0).normal(size=n - 1))  # make_f's constants (seed 0)

    def f(z):
        return jnp.sum(jnp.tanh(z[:-1] * z[1:] + c)) + 0.5 * jnp.sum(z * z)

    jac = jax.jit(jax.jacfwd(f))
    xj = jnp.asarray(x)
    g = np.asarray(jac(xj))
    assert np.abs(g - g_true).max() <= 1e-10 * np.abs(g_true).max(), "jax.jacfwd disagrees with the exact gradient"
    return lambda: jax.block_until_ready(jac(xj))


def methods(quick):
    out = {
        "reverse": dl.Reverse(),
        "forward chunk=None": dl.Forward(chunk=None),
        "forward chunk=64": dl.Forward(chunk=64),
        "forward chunk=auto": dl.Forward(),  # the default: cache-sized blocks (64 directions at n = 1024)
        "numeric central": dl.Numeric(),
        "symbolic": dl.Symbolic(),
    }
    return out


def main():
    opts = C.args(__doc__.splitlines()[0])
    ns = [4, 16, 64] if opts.quick else NS
    rounds, target = (3, 0.005) if opts.quick else (9, 0.03)
    times = {}  # method -> {n: seconds}
    prep_times = {}  # method -> {n: seconds}
    errors = {}
    rows = []
    for n in ns:
        f, exact = make_f(n)
        x = np.random.default_rng(1).normal(size=n)
        g_true = exact(x)
        fns = {}
        for name, m in methods(opts.quick).items():
            if name == "symbolic" and n > SYMBOLIC_MAX_N:
                continue
            t0 = time.perf_counter()
            p = dl.prepare(f, x, method=m)
            p.grad(x)
            g = p.grad(x)  # lazy (tiered: from the 2nd call) compilation belongs to preparation
            prep_times.setdefault(name, {})[n] = time.perf_counter() - t0
            errors.setdefault(name, {})[n] = float(np.abs(g - g_true).max() / np.abs(g_true).max())
            fns[name] = lambda p=p: p.grad(x)
        # n separate JVPs: through the public API (re-traced each call) and through one prepared sweep
        pf = dl.prepare(f, x, method="forward")
        args = pf.staged.inputs((x,))
        eye = np.eye(n)
        fns["n × prepared jvp"] = lambda: [pf.prepared.jvp(args, eye[i]) for i in range(n)]
        if n <= 256 or not opts.quick:
            fns["n × dl.jvp"] = lambda: [dl.jvp(f, (x,), (eye[i],)) for i in range(n)]
        if n == max(ns):  # the peer for chunked forward Jacobians: jax.jacfwd, jit-compiled
            jfwd = jax_jacfwd(n, x, g_true)
            if jfwd is not None:
                fns["JAX jacfwd (jit)"] = jfwd
        res = C.measure(fns, rounds=rounds if n < 1024 else max(3, rounds // 2), target=target, warmup=2)
        for name, t in res.items():
            times.setdefault(name, {})[n] = t.median
            rows.append(
                {
                    "workload": "scaling",
                    "n": n,
                    "contender": name,
                    "seconds": t.median,
                    "spread": t.spread,
                    "rel_error": errors.get(name, {}).get(n),
                    "prepare_seconds": prep_times.get(name, {}).get(n),
                }
            )
        if n == max(ns):
            for chunked in ("forward chunk=None", "forward chunk=64", "forward chunk=auto"):
                for sep in ("n × dl.jvp", "n × prepared jvp"):
                    if sep in res:
                        r = res[sep].ratio(res[chunked])
                        # the prepared-JVP comparison is kept as a measurement (issue 17 retired its
                        # target: dense tangents of an O(n) function are memory-bound)
                        tgt = CHUNK_TARGET if sep == "n × dl.jvp" else None
                        rows.append(
                            {
                                "workload": "forward-chunked",
                                "n": n,
                                "contender": f"{chunked} vs {sep}",
                                "speedup": r,
                                "target": tgt,
                                "met": r >= CHUNK_TARGET if tgt else None,
                            }
                        )
                if "JAX jacfwd (jit)" in res:
                    r = res[chunked].ratio(res["JAX jacfwd (jit)"])
                    rows.append(
                        {
                            "workload": "forward-vs-jax",
                            "n": n,
                            "contender": f"{chunked} ÷ JAX jacfwd (jit)",
                            "ratio": r,
                            "ratio_iqr": res[chunked].ratio_spread(res["JAX jacfwd (jit)"]),
                            "target": JAX_TARGET,
                            "met": r <= JAX_TARGET,
                        }
                    )
        print(f"n={n} done", flush=True)
    names = list(times)
    head = ["method"] + [f"n={n}" for n in ns] + ["slope (all n)", "slope (n ≥ 64)"]
    trows = []
    for name in names:
        ts = times[name]
        nn = sorted(ts)
        big = [k for k in nn if k >= 64]
        s_all = C.fit_slope(nn, [ts[k] for k in nn]) if len(nn) > 1 else float("nan")
        s_big = C.fit_slope(big, [ts[k] for k in big]) if len(big) > 1 else float("nan")
        rows.append({"workload": "scaling-slope", "contender": name, "slope_all": s_all, "slope_large": s_big})
        trows.append([name] + [C.fmt_time(ts[n]) if n in ts else "—" for n in ns] + [f"{s_all:.2f}", f"{s_big:.2f}"])
    md = ["### full gradient, per-call time vs n (f = Σ tanh(x_i x_{i+1} + c_i) + ½Σx²)\n\n" + C.table(head, trows)]
    erows = [
        [name]
        + [f"{errors[name][n]:.1e}" if n in errors[name] else "—" for n in ns]
        + [C.fmt_time(prep_times[name].get(max(k for k in prep_times[name])))]
        for name in errors
    ]
    md.append(
        "### max relative error of the gradient, and preparation time (prepare + 2 calls) at the largest n measured\n\n"
        + C.table(["method"] + [f"n={n}" for n in ns] + ["prepare (largest n)"], erows)
    )
    crow = [r for r in rows if r["workload"] == "forward-chunked"]
    md.append(
        f"### chunked forward mode vs n separate JVPs at n = {max(ns)} (target ≥ {CHUNK_TARGET:.0f}× faster "
        "than n public dl.jvp calls; against n prepared JVPs: measured, no target)\n\n"
        + C.table(
            ["comparison", "speedup", "target", ""],
            [
                [
                    r["contender"],
                    f"{r['speedup']:.1f}×",
                    f"≥ {CHUNK_TARGET:.0f}×" if r["target"] else "—",
                    ("met" if r["met"] else "MISSED") if r["target"] else "",
                ]
                for r in crow
            ],
        )
    )
    jrow = [r for r in rows if r["workload"] == "forward-vs-jax"]
    if jrow:
        md.append(
            f"### chunked forward full gradient (the 1 × n Jacobian) vs jax.jacfwd (jit) at n = {max(ns)} "
            f"(target ≤ {JAX_TARGET}×)\n\n"
            + C.table(
                ["comparison", "ratio (IQR)", "target", ""],
                [
                    [
                        r["contender"],
                        f"{r['ratio']:.2f}× ({r['ratio_iqr'][0]:.2f}–{r['ratio_iqr'][1]:.2f})",
                        f"≤ {JAX_TARGET}×",
                        "met" if r["met"] else "MISSED",
                    ]
                    for r in jrow
                ],
            )
        )
    C.emit(opts, "scaling", "\n\n".join(md), rows)


if __name__ == "__main__":
    main()
