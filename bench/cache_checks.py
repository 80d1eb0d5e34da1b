"""The cost of checking a cached trace (issue 19): before reusing a graph, dl.value_and_grad and
the other transforms check what the function read outside its arguments (compile.reads.reads_of).

    python bench/cache_checks.py [--against PATH] [--rounds N]

With `--against PATH`, the difflab package under PATH (another checkout, e.g. the commit before
the checks) is imported beside this one (as `difflab_other`) and both are timed interleaved in
one process, round after round; the table shows each one's median time and the median of the
per-round paired ratios (this ÷ other), which is what stays meaningful on a shared, noisy machine.
Rows: the cached fast path on the 2-16-16-2 b64 MLP loss, the same call re-traced afresh (a new
transform per call), the scalar 2-4-4-1 B=8 graph re-traced per call, and the checks alone.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np


def scalar_loss(dnp):
    """bench/scalar.py's loss, over the given difflab.numpy."""

    def loss(params, X, Y):
        total = 0.0
        for x, y in zip(X, Y):
            h = x
            for li, layer in enumerate(params):
                out = []
                for w, b in layer:
                    act = sum((wi * xi for wi, xi in zip(w, h)), b)
                    out.append(dnp.relu(act) if li < len(params) - 1 else act)
                h = out
            d = h[0] - y
            total = total + d * d
        return total * (1.0 / len(X))

    return loss


def workloads(dl):
    import random

    dnp = importlib.import_module(dl.__name__ + ".numpy")
    nn = importlib.import_module(dl.__name__ + ".nn")
    model = nn.MLP([2, 16, 16, 2], activation="tanh")
    params = model.init(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    Y = np.eye(2)[rng.integers(0, 2, size=64)]
    f = model.loss("cross_entropy")
    cached = dl.value_and_grad(f)
    cached(params, X, Y)
    r = random.Random(0)
    sizes = [2, 4, 4, 1]
    sp = [[([r.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)] for nin, nout in zip(sizes, sizes[1:])]
    SX = [[r.uniform(-2, 2) for _ in range(2)] for _ in range(8)]
    SY = [r.choice([-1.0, 1.0]) for _ in range(8)]
    sl = scalar_loss(dnp)
    rows = {
        "MLP 2-16-16-2 b64: cached dl.value_and_grad (fast path)": (lambda: cached(params, X, Y), 100),
        "MLP 2-16-16-2 b64: dl.value_and_grad re-traced every call": (lambda: dl.value_and_grad(f)(params, X, Y), 10),
        "scalar net 2-4-4-1 B=8: dl.grad re-traced every call": (lambda: dl.grad(sl)(sp, SX, SY), 3),
    }
    st = cached._last
    if hasattr(st, "unchanged"):
        rows["the read checks alone (Staged.unchanged, MLP loss)"] = (st.unchanged, 2000)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--against", metavar="PATH", help="a directory holding another difflab package")
    p.add_argument("--rounds", type=int, default=15)
    opts = p.parse_args()
    import difflab as dl

    cores = {"this": workloads(dl)}
    if opts.against:
        tmp = tempfile.mkdtemp()
        shutil.copytree(os.path.join(opts.against, "difflab"), os.path.join(tmp, "difflab_other"))
        sys.path.insert(0, tmp)
        cores["other"] = workloads(importlib.import_module("difflab_other"))
    times = {core: {name: [] for name in rows} for core, rows in cores.items()}
    for _ in range(opts.rounds):
        for core, rows in cores.items():
            for name, (fn, number) in rows.items():
                t0 = time.perf_counter()
                for _ in range(number):
                    fn()
                times[core][name].append((time.perf_counter() - t0) / number * 1e6)
    print("| workload | this (µs) | other (µs) | this ÷ other (median of paired rounds) |")
    print("| --- | ---: | ---: | ---: |")
    for name, ts in times["this"].items():
        other = times.get("other", {}).get(name)
        ratio = statistics.median(a / b for a, b in zip(ts, other)) if other else None
        print(
            f"| {name} | {statistics.median(ts):.1f} | {statistics.median(other) if other else float('nan'):.1f} | "
            f"{'' if ratio is None else f'{ratio:.3f}×'} |"
        )


if __name__ == "__main__":
    main()
