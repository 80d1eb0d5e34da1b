"""A loop of n writes `y[i] = v` reading y's previous entry (issue 17: time and peak memory of a fresh
`dl.grad(f, method=...)(x)` linear in n, the log-log slope over n = 1000 ... 16000 at most 1.15).

    python bench/assignment_loop.py [--rounds 5] [--methods trace,reverse,forward,vjp,prepared,jvp,forward-grad]
                                    [--ns 1000,2000,4000,8000,16000]
                                    [--base SHA] [--base-ns 1000,2000,4000]

    def f(x):
        y = np.zeros_like(x)
        for i in range(len(x)):
            y[i] = np.sin(x[i]) * (y[i - 1] if i else 1.0)
        return np.sum(y ** 2)

Each row: the median wall time (perf_counter, `--rounds` calls after one warm-up, every n of a round in turn)
and the tracemalloc peak of one call, and the least-squares slope of log(time) and log(memory) against log(n).
Rows (`--methods`): `trace`, `reverse` (`dl.grad`), `forward`, `jvp` (`dl.jvp` as users call it: the compiled tier)
and `forward-grad` (`dl.grad(f, method="forward")`: n directions in blocks of k = 2¹⁶/n (at least 8), so quadratic in n
even at O(1) a write; run it with --ns 125,250,500,1000,2000). `compiled`: a prepared reverse's third call (`dl.prepare(f,
x)`, two calls first: the second lowers it), the compiled tier's code. A `trace` row times `dl.trace(f, x)` alone (the recording, where each write used to copy y: Trace.assigned).
`vjp` (`dl.vjp(f, x)` and its pullback at 1.0) and `prepared` (`dl.prepare(f, x)`, then one `.grad(x)`) run the
`evaluate` interpreter's forward pass (graph._Writes), as their first call does (`Reverse(compiled=False)`: a transform's
second call on the same f lowers it to the compiled tier, whose first lowering is the cost of a long tape below).
`forward` is a JVP (`dl.jvp`, one direction, the interpreter: `Forward(compiled=False)`): forward mode's gradient
takes n directions, n sweeps of the tape, quadratic whatever one write costs; and the compiled tier's first
lowering of a tape this long is itself superlinear (compile/graphs.py `_check_terms`; issue 17's note). With `--base SHA` (a commit of this repository) the same rows run
in a subprocess on `git archive SHA` and on this tree, alternated per round (A B B A), and the paired ratio
base ÷ this of the medians is printed per n (`--base-ns`: the base's O(n²) memory makes n = 16000 ~2 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent.parent


def f(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = np.sin(x[i]) * (y[i - 1] if i else 1.0)
    return np.sum(y**2)


def _call(method: str, x):
    import difflab as dl

    if method == "trace":
        return dl.trace(f, x)
    if method == "forward":  # (interpreted: the compiled tier's first lowering is quadratic in the tape's length)
        from difflab.differentiators.forward import Forward

        return dl.jvp(f, (x,), (np.ones_like(x),), method=Forward(compiled=False))
    if method == "jvp":  # dl.jvp as users call it (the compiled tier's sweep)
        return dl.jvp(f, (x,), (np.ones_like(x),))
    if method in ("vjp", "prepared"):  # the `evaluate` interpreter's paths (a later call lowers: compiled=False)
        from difflab.differentiators.reverse import Reverse

        if method == "vjp":
            return dl.vjp(f, x, method=Reverse(compiled=False))[1](1.0)
        return dl.prepare(f, x, method=Reverse(compiled=False)).grad(x)
    if method == "forward-grad":  # n directions: n sweeps of the tape, quadratic whatever one write costs
        return dl.grad(f, method="forward")(x)
    if method == "compiled":  # a prepared reverse's third call on (the compiled tier's code; lowered before timing)
        if len(x) not in _PREPARED:
            p = _PREPARED[len(x)] = dl.prepare(f, x)
            p.grad(x), p.grad(x)
        return _PREPARED[len(x)].grad(x)
    return dl.grad(f, method=method)(x)


_PREPARED: dict = {}  # n -> the prepared gradient whose later calls the `compiled` row times


def _rows(methods, ns, rounds: int) -> dict:
    """{method: {n: (median seconds, peak bytes)}}."""
    xs = {n: np.linspace(0.1, 1.0, n) for n in ns}
    out = {}
    for m in methods:
        for n in ns if m == "compiled" else ns[:1]:
            _call(m, xs[n])  # warm-up (imports, first compilations; `compiled`: each n prepared and lowered)
        times: dict = {n: [] for n in ns}
        for _ in range(rounds):
            for n in ns:
                t = time.perf_counter()
                _call(m, xs[n])
                times[n].append(time.perf_counter() - t)
        peaks = {}
        for n in ns:
            tracemalloc.start()
            _call(m, xs[n])
            peaks[n] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        out[m] = {n: (statistics.median(times[n]), peaks[n]) for n in ns}
    return out


def slope(ns, ys) -> float:
    """Least-squares slope of log y against log n."""
    lx, ly = np.log(np.asarray(ns, float)), np.log(np.asarray(ys, float))
    return float(np.polyfit(lx, ly, 1)[0])


def _child(methods, ns, rounds) -> None:
    res = _rows(methods, ns, rounds)
    print(json.dumps({m: {str(n): v for n, v in r.items()} for m, r in res.items()}))


def _process(tree, methods, ns, rounds) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--child", "--methods", ",".join(methods), "--ns", ",".join(map(str, ns))]
    out = subprocess.run([*cmd, "--rounds", str(rounds)], env=env, capture_output=True, text=True, cwd=tree)
    if out.returncode:
        raise RuntimeError(out.stderr)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return {m: {int(n): v for n, v in r.items()} for m, r in res.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--methods", default="trace,reverse,forward")
    p.add_argument("--ns", default="1000,2000,4000,8000,16000")
    p.add_argument("--base", default=None)
    p.add_argument("--base-ns", default="1000,2000,4000")
    p.add_argument("--child", action="store_true")
    opts = p.parse_args()
    methods, ns = opts.methods.split(","), [int(n) for n in opts.ns.split(",")]
    if opts.child:
        return _child(methods, ns, opts.rounds)
    res = _rows(methods, ns, opts.rounds)
    print(f"n: {ns}")
    for m in methods:
        ts, ps = [res[m][n][0] for n in ns], [res[m][n][1] for n in ns]
        print(
            f"{m:8s} time ms {[round(t * 1e3, 1) for t in ts]} slope {slope(ns, ts):.2f}; "
            f"peak MB {[round(b / 1e6, 2) for b in ps]} slope {slope(ns, ps):.2f}"
        )
    if opts.base:
        bns = [int(n) for n in opts.base_ns.split(",")]
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "-C", str(HERE), "archive", opts.base, "difflab"], capture_output=True)
            subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
            pairs: dict = {(m, n): [] for m in methods for n in bns}
            mems: dict = {}
            for r in range(2):  # A B B A, one round each
                order = [(tmp, "base"), (str(HERE), "this")]
                got = {}
                for tree, name in order if r == 0 else order[::-1]:
                    got[name] = _process(tree, methods, bns, opts.rounds)
                for m in methods:
                    for n in bns:
                        pairs[(m, n)].append(got["base"][m][n][0] / got["this"][m][n][0])
                        mems[(m, n)] = (got["base"][m][n][1], got["this"][m][n][1])
            for m in methods:
                for n in bns:
                    b, t = mems[(m, n)]
                    print(
                        f"{m:8s} n = {n}: base ÷ this time {statistics.median(pairs[(m, n)]):.2f} "
                        f"{[round(v, 2) for v in pairs[(m, n)]]}; peak MB base {b / 1e6:.1f}, this {t / 1e6:.1f}"
                    )
    return None


if __name__ == "__main__":
    main()
