"""Before/after of the quotient-form rules (stop 44: log, div, reciprocal, sqrt, ... compute (n·t)/d and check for
an underflowed term) on prepared reverse gradients: a quotient-heavy elementwise loss of 200,000 elements and the
784-256-256-10 b128 tanh MLP's softmax cross-entropy, processes of two checkouts alternated on a quiet machine.

    python bench/quotient_ab.py --against PATH [--rounds 6]

PATH holds another checkout's `difflab/` (e.g. `git archive 2589b18 difflab | tar -x -C /tmp/base`); this checkout
is "after". Each process prepares both gradients (dl.prepare), warms them up 3 calls and times 15 (process CPU time,
single-threaded BLAS), printing the medians; the script prints each round's after ÷ before and their medians.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def one() -> dict:
    """This process's difflab: median seconds of a prepared gradient call, per workload."""
    import numpy as np

    import difflab as dl

    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, 200_000)
    w1, w2, w3 = (rng.normal(size=s) * 0.05 for s in [(784, 256), (256, 256), (256, 10)])
    inputs, labels = rng.normal(size=(128, 784)), np.eye(10)[rng.integers(0, 10, 128)]

    def quot(x):
        return np.sum(np.log(x) / (1.0 + x) + 1.0 / x)

    def mlp(w1, w2, w3):
        h = np.tanh(np.tanh(inputs @ w1) @ w2)
        z = h @ w3
        z = z - np.max(z, axis=1, keepdims=True)
        return -np.mean(np.sum(labels * (z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))), axis=1))

    out = {}
    for name, f, args, argnums in [("quot", quot, (x,), 0), ("mlp", mlp, (w1, w2, w3), (0, 1, 2))]:
        grad = dl.prepare(f, *args, argnums=argnums).grad
        for _ in range(3):
            grad(*args)
        times = []
        for _ in range(15):
            t = time.process_time()
            grad(*args)
            times.append(time.process_time() - t)
        out[name] = statistics.median(times)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", required=True, help="a directory holding another checkout's difflab/")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one()))
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

    def run(tree):
        cmd = [sys.executable, str(HERE / "quotient_ab.py"), "--against", "-", "--one"]
        res = subprocess.run(cmd, env={**env, "PYTHONPATH": str(tree)}, capture_output=True, text=True, check=True)
        return json.loads(res.stdout)

    ratios: dict = {"quot": [], "mlp": []}
    for _ in range(a.rounds):
        before, after = run(pathlib.Path(a.against).resolve()), run(HERE.parent)
        for k in ratios:
            ratios[k].append(after[k] / before[k])
        print({k: f"{after[k] * 1e3:.3f} ms ÷ {before[k] * 1e3:.3f} ms" for k in ratios}, flush=True)
    for k, v in ratios.items():
        q = statistics.quantiles(v, n=4)
        print(f"{k}: after ÷ before median {statistics.median(v):.3f} (IQR {q[0]:.3f}–{q[2]:.3f}, {len(v)} rounds)")


if __name__ == "__main__":
    main()
