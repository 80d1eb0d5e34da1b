"""Before/after on bench/mlp.py's "unprepared" rows: a fresh `dl.value_and_grad(loss)` per call
÷ HIPS autograd's `value_and_grad` (which traces on every call too), processes of two or more
checkouts alternated, for a machine shared with other work.

    python bench/fresh_ab.py --against PATH [--against PATH2 ...] [--rounds 3]

Each PATH is a directory holding another checkout's `difflab/` (e.g. `git archive main difflab |
tar -x -C /tmp/base`); this checkout is "after". Every process builds the 2-16-16-2 b64 problem of
bench/mlp.py (hand_numpy.problem and MLP(...).loss("cross_entropy") of its own checkout) and times,
interleaved per round (30 rounds of 20 calls, process CPU time), a fresh
`dl.value_and_grad(f)(params, X, Y)`, the same with `method=dl.Reverse(compiled=False)` and
autograd's on bench/mlp.py's `peer_loss`; it prints the medians (IQR) of the paired per-round
ratios and the Python calls per fresh call (cProfile over 20 calls). The trees' processes run
A, B, B, A, ...
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


def _quartiles(v):
    q = statistics.quantiles(v, n=4)
    return statistics.median(v), q[0], q[2]


def one(sizes=(2, 16, 16, 2), batch=64, rounds=30, n=20) -> dict:
    """This process's difflab: fresh and fresh-interpreted ÷ autograd, and calls per fresh call."""
    import cProfile
    import pstats

    sys.path.insert(0, str(HERE))
    import _common as C
    import hand_numpy as hand
    import mlp as M

    import difflab as dl
    from difflab.nn import MLP

    ag = C.peer("autograd")
    params, X, Y = hand.problem(sizes, batch)
    f = MLP(list(sizes), activation="tanh").loss("cross_entropy")
    vg = ag.value_and_grad(M.peer_loss(ag.numpy, ag.tracer.getval, len(params) // 2))
    interp = dl.Reverse(compiled=False)
    fns = {
        "fresh": lambda: dl.value_and_grad(f)(params, X, Y),
        "interpreted": lambda: dl.value_and_grad(f, method=interp)(params, X, Y),
        "autograd": lambda: vg(params, X, Y),
    }
    v0, g0 = fns["fresh"]()
    v1, g1 = fns["autograd"]()
    assert abs(v0 - v1) < 1e-12 and all(abs(g0[k] - g1[k]).max() < 1e-12 for k in params), "disagree"
    for fn in fns.values():
        fn()
    times = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            t0 = time.process_time()
            for _ in range(n):
                fn()
            times[k].append((time.process_time() - t0) / n)
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(n):
        fns["fresh"]()
    pr.disable()
    calls = pstats.Stats(pr).total_calls / n
    ratios = {k: [a / b for a, b in zip(times[k], times["autograd"])] for k in ("fresh", "interpreted")}
    return {
        "difflab": dl.__file__,
        "calls": calls,
        **{k: _quartiles(v) for k, v in ratios.items()},
        "fresh_us": statistics.median(times["fresh"]) * 1e6,
        "autograd_us": statistics.median(times["autograd"]) * 1e6,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--against", action="append", default=[], metavar="PATH", help="a directory holding difflab/")
    p.add_argument("--rounds", type=int, default=3, help="processes per tree")
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # (a child process)
    opts = p.parse_args()
    if opts.one:
        print(json.dumps(one()))
        return
    trees = [pathlib.Path(a).resolve() for a in opts.against] + [HERE.parent]
    res, loads = {t: [] for t in trees}, []
    for r in range(opts.rounds):
        for root in trees if r % 2 == 0 else trees[::-1]:
            cmd = [sys.executable, str(HERE / "fresh_ab.py"), "--one"]
            env = dict(os.environ, PYTHONPATH=str(root), OPENBLAS_NUM_THREADS="1")
            got = json.loads(subprocess.check_output(cmd, env=env, cwd="/"))
            assert pathlib.Path(got.pop("difflab")).is_relative_to(root), f"not {root}'s difflab"
            res[root].append(got)
            loads.append(os.getloadavg()[0])
    print("| tree | fresh ÷ autograd (IQR), per process | Reverse(compiled=False) ÷ autograd | calls per fresh call |")
    print("| --- | --- | --- | --- |")
    for t in trees:
        fr = ", ".join(f"{m:.2f} ({lo:.2f}–{hi:.2f})" for m, lo, hi in (x["fresh"] for x in res[t]))
        it = ", ".join(f"{m:.2f} ({lo:.2f}–{hi:.2f})" for m, lo, hi in (x["interpreted"] for x in res[t]))
        calls = "/".join(f"{x['calls']:.0f}" for x in res[t])
        print(f"| {t} | {fr} | {it} | {calls} |")
    print(f"\nload average (1 min) {min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
