"""Prepared reverse ÷ hand NumPy on bench/mlp.py's three MLPs, in processes of checkouts alternated (mlp45, issue 17).

    python bench/mlp_ab.py --against PATH [PATH ...] [--rounds 8]

Each PATH holds another checkout's `difflab/` (e.g. `git archive 1a2f240 difflab | tar -x -C /tmp/base`); this
checkout is "this". Every round runs one process per tree, in turn; each process times hand NumPy and the prepared
value_and_grad interleaved (single-threaded BLAS, one CPU, batches of ~20 ms back to back, timed by the thread's
CPU time) and prints the median paired ratio per size. The script prints each tree's median of its processes' ratios with their IQR, the
median of this tree's ratio ÷ each other tree's in the same round, and the load average before and after.
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

HERE = pathlib.Path(__file__).resolve().parent


def one(rounds: int) -> dict:
    """This process's difflab: {size: prepared ÷ hand NumPy, the median of paired per-round ratios}."""
    import hand_numpy as hand

    import difflab as dl
    from difflab.nn import MLP

    from mlp import SIZES

    out = {}
    for sizes, batch in SIZES:
        params, X, Y = hand.problem(sizes, batch)
        prepared = dl.prepare(MLP(list(sizes), activation="tanh").loss("cross_entropy"), params, X, Y)
        fns = {
            "hand": lambda: hand.loss_and_grad(params, X, Y),
            "prepared": lambda: prepared.value_and_grad(params, X, Y),
        }
        out[f"{'-'.join(map(str, sizes))} b{batch}"] = _paired(fns, rounds)
    return out


def _paired(fns: dict, rounds: int, target: float = 0.02) -> float:
    """prepared ÷ hand: the median over `rounds` of batches timed back to back (order alternated) by this thread's
    CPU time, not the wall clock: on a shared, loaded machine a batch's wall time counts the other processes' slices."""
    for fn in fns.values():
        for _ in range(3):
            fn()
    t0 = time.thread_time()
    fns["hand"]()
    number = max(1, int(target / max(time.thread_time() - t0, 1e-6)))
    ratios = []
    for r in range(rounds):
        got = {}
        for k in list(fns)[:: 1 if r % 2 else -1]:
            gc.collect()
            gc.disable()
            t0 = time.thread_time()
            for _ in range(number):
                fns[k]()
            got[k] = time.thread_time() - t0
            gc.enable()
        ratios.append(got["prepared"] / got["hand"])
    return statistics.median(ratios)


def _iqr(v: list) -> str:
    q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
    return f"{statistics.median(v):.3f} (IQR {q[0]:.3f}–{q[2]:.3f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", nargs="+", required=True, help="directories holding other checkouts' difflab/")
    ap.add_argument("--rounds", type=int, default=8, help="processes per tree")
    ap.add_argument("--inner", type=int, default=15, help="paired rounds inside a process")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.inner)))
        return
    trees = {"this": HERE.parent, **{p: pathlib.Path(p).resolve() for p in a.against}}
    got: dict = {t: [] for t in trees}
    print(f"load before: {os.getloadavg()[0]:.2f}", flush=True)
    for r in range(a.rounds):
        order = list(trees)[r % len(trees) :] + list(trees)[: r % len(trees)]
        for t in order:
            cmd = [sys.executable, str(HERE / "mlp_ab.py"), "--against", "-", "--one", "--inner", str(a.inner)]
            env = {**os.environ, "PYTHONPATH": f"{trees[t]}{os.pathsep}{HERE}"}
            res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=HERE)
            got[t].append(json.loads(res.stdout))
        print(
            f"round {r + 1}: "
            + "; ".join(f"{t}: " + ", ".join(f"{v:.3f}" for v in got[t][-1].values()) for t in trees),
            flush=True,
        )
    print(f"load after: {os.getloadavg()[0]:.2f}")
    for size in got["this"][0]:
        print(f"{size}:")
        for t in trees:
            print(f"  {t}: prepared ÷ hand NumPy {_iqr([g[size] for g in got[t]])}")
        for t in a.against:
            paired = [x[size] / y[size] for x, y in zip(got["this"], got[t])]
            print(f"  this ÷ {t} (same round): {_iqr(paired)}")


if __name__ == "__main__":
    main()
