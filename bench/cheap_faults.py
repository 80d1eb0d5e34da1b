"""Why the cheap-gradient row at 64-128-128-10 b256 was bimodal by process: page faults, per call.

    python bench/cheap_faults.py [--processes K] [--tree PATH ...] [--size 0|1|2] [--states default,...]

Runs the row's four contenders (difflab's prepared loss and loss + gradient, hand NumPy's) in K fresh
processes per C-allocator state and prints, per process, the CPU time per call (thread_time: being
descheduled under load does not count) and the minor page faults per call (getrusage), medians over
interleaved rounds. The states are glibc's malloc thresholds, which a process otherwise sets by its
own history (each freed mapped block above the current mmap threshold raises it, and the trim
threshold to twice that):

    default     the thresholds at start (128 KiB): blocks of 256 KiB are given back when freed
    trim=800k   what an earlier 400 KiB block would leave: the loss's two 256 KiB blocks stay on the
                heap, loss + gradient's larger peak is still trimmed (the row's 3.0 processes)
    no trim     nothing given back: no call faults (the allocator's best case)

Before difflab kept these blocks in its lowered functions' pools (compile/graphs.py `_Pool`), the
loss faulted 96 times a call in 'default' and not in 'trim=800k', while loss + gradient faulted 224
times in both: 400 against 545 µs for the loss, 1.2–1.3 ms for loss + gradient, a ratio of 2.2 or 3.0
by process. With `--tree` the same runs import difflab from each given source tree (a copy of
another commit) and label the rows by it; `--size` picks bench/cheap_gradient.py's size (default 1,
64-128-128-10 b256); `--states` a comma-separated subset of the states.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

STATES = {
    "default": "",
    "trim=800k": "glibc.malloc.mmap_threshold=1048576:glibc.malloc.trim_threshold=800000",
    "no trim": "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456",
}
NAMES = ("dl loss", "dl loss+grad", "hand loss", "hand loss+grad")


def child(size: int, rounds: int = 15, calls: int = 40):
    import resource
    import time

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import _common  # noqa: F401  (single-threaded BLAS, one CPU)
    import hand_numpy as hand

    import difflab as dl
    from difflab.nn import MLP

    from cheap_gradient import SIZES

    sizes, batch = SIZES[size]
    params, X, Y = hand.problem(sizes, batch)
    p = dl.prepare(MLP(list(sizes), activation="tanh").loss("cross_entropy"), params, X, Y, method="reverse")
    fns = [
        lambda: p(params, X, Y),
        lambda: p.value_and_grad(params, X, Y),
        lambda: hand.loss(params, X, Y),
        lambda: hand.loss_and_grad(params, X, Y),
    ]
    for fn in fns:
        for _ in range(10):
            fn()
    times: list = [[] for _ in fns]
    faults: list = [[] for _ in fns]
    for r in range(rounds):
        for k in range(len(fns)):
            j = (k + r) % len(fns)  # order rotated each round
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = time.thread_time()
            for _ in range(calls):
                fns[j]()
            times[j].append((time.thread_time() - t0) / calls)
            faults[j].append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / calls)
    ratio = statistics.median(a / b for a, b in zip(times[1], times[0]))
    vs_hand = statistics.median(a / b for a, b in zip(times[1], times[3]))
    cells = [f"{statistics.median(t) * 1e6:.0f} µs / {statistics.median(f):.0f}" for t, f in zip(times, faults)]
    print(" | ".join(cells + [f"{ratio:.2f}", f"{vs_hand:.2f}"]), flush=True)


def main():
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=3)
    ap.add_argument("--tree", action="append", default=[], help="a difflab source tree to import instead")
    ap.add_argument("--size", type=int, default=1, help="bench/cheap_gradient.py's SIZES[i]")
    ap.add_argument("--states", default=",".join(STATES))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.child:
        child(opts.size)
        return
    trees = opts.tree or [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    print("| tree | allocator state | " + " | ".join(f"{n} (CPU time / faults per call)" for n in NAMES), end="")
    print(" | dl (loss+grad) ÷ loss | dl ÷ hand, loss+grad |")
    print("|" + " --- |" * (len(NAMES) + 4))
    for state in opts.states.split(","):
        tunables = STATES[state]
        for _ in range(opts.processes):
            for tree in trees:  # alternated: trees see the same machine load
                env = dict(os.environ, PYTHONPATH=tree + os.pathsep + os.environ.get("PYTHONPATH", ""))
                if tunables:
                    env["GLIBC_TUNABLES"] = tunables
                out = subprocess.run(
                    [sys.executable, os.path.abspath(__file__), "--child", "--size", str(opts.size)],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                row = out.stdout.strip() or out.stderr.strip().splitlines()[-1]
                print(f"| {os.path.basename(tree.rstrip('/'))} | {state} | {row} |", flush=True)


if __name__ == "__main__":
    main()
