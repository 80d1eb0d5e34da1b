"""Per-call time of prepared reverse gradients whose primal underflows harmlessly, in processes of checkouts alternated
(extreme47, issue 17): extreme46 made compiled code leave for the interpreter on any underflow.

    python bench/underflow_ab.py --against PATH [PATH ...] [--rounds 4]

Each PATH holds another checkout's `difflab/` (e.g. `git archive 9dfae3c difflab | tar -x -C /tmp/base`); this
checkout is "this". Every round runs one process per tree, in turn; each process times each case's prepared
value_and_grad (thread CPU time, median of 5 batches of ~0.2 s) and counts the interpreted tape sweeps of 5 calls.
Prints, per case, each tree's median ms per call and its interpreted sweeps, and this tree's ratio to each other.
"""

from __future__ import annotations

try:
    from . import _common  # noqa: F401  (single-threaded BLAS and one CPU, before NumPy)
except ImportError:
    import _common  # noqa: F401

import argparse
import gc
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
import warnings

HERE = pathlib.Path(__file__).resolve().parent


def cases():
    """(name, f, args): MLPs (bench/mlp.py's 64-128-128-10 at b256, tanh, softmax cross-entropy), plain and with
    the last layer times 3000 (logit gaps of thousands: e^(z - max) = 0, and some in 708-745: subnormal softmax
    weights); an RBF kernel sum with half the points 40 away (exp(-4800) = 0); a sum of sigmoids of -|N(0, 1000)|."""
    import numpy as np

    import difflab.numpy as dnp
    import hand_numpy as hand
    from difflab.nn import MLP

    loss = MLP([64, 128, 128, 10], activation="tanh").loss("cross_entropy")
    params, X, Y = hand.problem((64, 128, 128, 10), 256)
    yield "mlp", loss, (params, X, Y)
    yield "mlp logits x3000", loss, ({**params, "W2": params["W2"] * 3000.0}, X, Y)
    rng = np.random.default_rng(0)
    q = rng.normal(size=(256, 3))
    q[128:] += 40.0

    def rbf(p):
        d = p[:, None, :] - q[None, :, :]
        return dnp.sum(dnp.exp(-dnp.sum(d * d, axis=-1)))

    yield "rbf far points", rbf, (rng.normal(size=(64, 3)),)
    yield "sigmoid(-|N(0,1000)|)", lambda z: dnp.sum(dnp.sigmoid(z)), (-abs(rng.normal(size=4096)) * 1000.0,)


def one() -> dict:
    """This process's difflab: {case: (ms per call, interpreted sweeps in 5 calls after warm-up)}."""
    import difflab as dl
    from difflab.differentiators import reverse

    swept = []
    backward = reverse.backward
    reverse.backward = lambda *a, **k: swept.append(1) or backward(*a, **k)
    out = {}
    for name, f, args in cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prepared = dl.prepare(f, *args, method="reverse")
            for _ in range(3):
                prepared.value_and_grad(*args)
            swept.clear()
            for _ in range(5):
                prepared.value_and_grad(*args)
            interpreted = len(swept)
            n, t0 = 0, time.thread_time()
            while time.thread_time() - t0 < 0.2:
                prepared.value_and_grad(*args)
                n += 1
            times = []
            for _ in range(5):
                gc.collect()
                t0 = time.thread_time()
                for _ in range(n):
                    prepared.value_and_grad(*args)
                times.append((time.thread_time() - t0) / n * 1e3)
        out[name] = (statistics.median(times), interpreted)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", nargs="+", default=[])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.one:
        print(json.dumps(one()))
        return
    trees = {"this": str(HERE.parent), **{p: p for p in a.against}}
    got: dict = {t: [] for t in trees}
    for r in range(a.rounds):
        for t, path in list(trees.items())[:: 1 if r % 2 else -1]:
            env = {**os.environ, "PYTHONPATH": f"{path}{os.pathsep}{HERE}"}
            res = subprocess.run(
                [sys.executable, __file__, "--one"], env=env, capture_output=True, text=True, check=True
            )
            got[t].append(json.loads(res.stdout.strip().splitlines()[-1]))
    for case in got["this"][0]:
        row = []
        for t in trees:
            ms = statistics.median(g[case][0] for g in got[t])
            row.append(f"{t}: {ms:.3f} ms ({got[t][-1][case][1]} interpreted/5)")
        ratios = [
            statistics.median(g[case][0] / h[case][0] for g, h in zip(got["this"], got[t]))
            for t in trees
            if t != "this"
        ]
        print(f"{case:24s} " + " | ".join(row) + " | this/other " + ", ".join(f"{x:.2f}" for x in ratios))


if __name__ == "__main__":
    main()
