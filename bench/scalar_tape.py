"""A long scalar tape (micrograd-style code on Python floats): trace, gradient and memory at
10³, 10⁴ and 10⁵ equations, with fitted log-log slopes (1.0 = linear growth).

    python bench/scalar_tape.py [--quick]

The function runs a loop over K = 64 float parameters, ~10 equations per step
(acc = tanh(acc·a_i + w_j·c_i) + w_j·w_k − …), so the number of equations is set by the number of
steps. "trace" is `api.stage` (what a fresh `dl.grad` traces), "gradient" a fresh
`dl.grad(f)(w)` (trace + reverse sweep), both timed in one process; "memory" is tracemalloc's peak
during one fresh gradient (everything allocated: the graph, the tracers, the cotangents). The
targets: slopes ≤ 1.1 (linear), and trace + reverse ≤ 3 µs per equation at 10⁵ equations.
"""

from __future__ import annotations

try:
    from . import _common as C
except ImportError:
    import _common as C

import random

import difflab as dl
import difflab.numpy as dnp
from difflab.api import stage

K = 64
SLOPE_TARGET, US_TARGET = 1.1, 3.0


def make(steps: int):
    rng = random.Random(steps)
    coef = [(rng.uniform(0.5, 0.9), rng.uniform(-1, 1), rng.randrange(K), rng.randrange(K)) for _ in range(steps)]

    def f(w):
        acc = 0.0
        total = 0.0
        for a, c, j, k in coef:
            z = acc * a + w[j] * c
            acc = dnp.tanh(z) + w[j] * w[k] * 0.01
            total = total + acc * acc - z * 0.5
        return total / steps

    return f


def reference_grad(f, w, h=1e-6):
    """Central differences on plain floats for two components (a check that the tape is right)."""
    out = []
    for i in (0, K - 1):
        wp, wm = list(w), list(w)
        wp[i] += h
        wm[i] -= h
        out.append((f(wp) - f(wm)) / (2 * h))
    return out


def main():
    opts = C.args(__doc__.splitlines()[0])
    sizes = [100, 1000] if opts.quick else [100, 1000, 10000]  # steps; ~10 equations each
    rounds = 3 if opts.quick else 5
    w = [random.Random(0).uniform(-1, 1) for _ in range(K)]
    rows, trows, per = [], [], {}
    for steps in sizes:
        f = make(steps)
        n_eqns = len(stage(f, (w,), 0).graph.eqns)
        g = dl.grad(f)(w)
        ref = reference_grad(f, w)
        assert all(abs(g[i] - r) <= 1e-6 * max(1.0, abs(r)) for i, r in zip((0, K - 1), ref)), "tape gradient is wrong"
        res = C.measure(
            {"trace": lambda: stage(f, (w,), 0), "gradient": lambda: dl.grad(f)(w), "f on floats": lambda: f(w)},
            rounds=rounds if steps < 10000 else 3,
            target=0.02,
            warmup=1,
        )
        mem = C.peak_memory(lambda: dl.grad(f)(w), warm=1)  # seconds per call at 10⁵ equations; no lazy state
        per[n_eqns] = {
            "trace": res["trace"].median,
            "gradient": res["gradient"].median,
            "memory": mem,
            "f": res["f on floats"].median,
        }
        rows.append(
            {
                "workload": "scalar-tape",
                "equations": n_eqns,
                "trace_seconds": res["trace"].median,
                "gradient_seconds": res["gradient"].median,
                "f_seconds": res["f on floats"].median,
                "peak_bytes": mem,
                "us_per_equation": res["gradient"].median / n_eqns * 1e6,
                "bytes_per_equation": mem / n_eqns,
            }
        )
        trows.append(
            [
                n_eqns,
                C.fmt_time(res["f on floats"].median),
                C.fmt_time(res["trace"].median),
                C.fmt_time(res["gradient"].median),
                f"{res['gradient'].median / n_eqns * 1e6:.2f} µs",
                f"{mem / 2**20:.1f} MiB",
                f"{mem / n_eqns:.0f} B",
            ]
        )
        print(f"{n_eqns} equations done", flush=True)
    ns = sorted(per)
    slopes = {k: C.fit_slope(ns, [per[n][k] for n in ns]) for k in ("trace", "gradient", "memory")}
    largest = per[ns[-1]]["gradient"] / ns[-1] * 1e6
    rows.append(
        {
            "workload": "scalar-tape-slope",
            **{f"slope_{k}": v for k, v in slopes.items()},
            "largest_equations": ns[-1],
            "us_per_equation_largest": largest,
            "slope_target": SLOPE_TARGET,
            "us_target": US_TARGET,
            "met": all(v <= SLOPE_TARGET for v in slopes.values()) and largest <= US_TARGET,
        }
    )
    md = (
        "### a long scalar tape on Python floats: fresh dl.grad (trace + reverse) and its peak memory\n\n"
        + C.table(
            [
                "equations",
                "f on floats",
                "trace",
                "trace + reverse",
                "per equation",
                "peak memory",
                "memory per equation",
            ],
            trows,
        )
        + "\n\nlog-log slopes over "
        + ", ".join(map(str, ns))
        + " equations: "
        + ", ".join(f"{k} {v:.2f}" for k, v in slopes.items())
        + f" (target ≤ {SLOPE_TARGET}: linear); trace + reverse at {ns[-1]} equations: {largest:.2f} µs per "
        f"equation (target ≤ {US_TARGET} µs)"
    )
    C.emit(opts, "scalar_tape", md, rows)


if __name__ == "__main__":
    main()
