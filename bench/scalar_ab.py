"""Before/after on the scalar net of bench/scalar.py: processes of two checkouts alternated, for a
machine shared with other work (where times wander by ±20% between minutes).

    python bench/scalar_ab.py --against PATH [--batches 1,8,32] [--pairs 5]

PATH is a directory holding another checkout's `difflab/` (e.g. `git archive main difflab | tar -x
-C /tmp/base`); this checkout is "after". Both sides run this script and this bench/scalar.py.
Each process times, interleaved, the trace alone (`api.stage`), a fresh `dl.grad(loss)(params,
X, Y)`, a cached one and micrograd's forward + backward on the same net (process CPU time, the
collector on, 5 samples, medians); the processes run A, B, B, A, ... The table gives medians and
IQR over the processes: µs per equation, fresh ÷ micrograd per call on the same net and fresh per
equation ÷ micrograd per node (timed in the same process; bench/scalar.py says why per call), and the
paired after ÷ before ratios of the processes run next to each other.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def one(batch: int) -> dict:
    """Times of this process's difflab (and micrograd) on the scalar net at batch size `batch`."""
    sys.path.insert(0, str(HERE))
    import scalar as S  # this checkout's (PYTHONPATH picks the difflab)

    import difflab as dl
    from difflab.api import stage

    params, (X, Y) = S.init(), S.data(batch)
    n = len(dl.prepare(S.loss, params, X, Y).graph.eqns)
    _, step, count, _ = S.micrograd_setup(params, X, Y)
    nodes = count(step())
    cached = dl.grad(S.loss)
    cached(params, X, Y)
    cached(params, X, Y)  # from the second call on: the compiled tier's float program
    fns = {
        "trace": lambda: stage(S.loss, (params, X, Y), 0),
        "fresh": lambda: dl.grad(S.loss)(params, X, Y),
        "cached": lambda: cached(params, X, Y),
        "micrograd": step,
    }
    reps, times = max(1, 1500 // n), {k: [] for k in fns}
    for _ in range(5):
        for k, fn in fns.items():
            t0 = time.process_time()
            for _ in range(reps):
                fn()
            times[k].append((time.process_time() - t0) / reps)
    return {"n": n, "nodes": nodes, "difflab": dl.__file__, **{k: sorted(v)[2] for k, v in times.items()}}


def _quartiles(v):
    v = sorted(v)
    return v[len(v) // 2], v[len(v) // 4], v[(3 * len(v)) // 4]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--against", required=True, metavar="PATH", help="a directory holding difflab/ and bench/")
    p.add_argument("--batches", default="1,8,32")
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)  # (a child process: one batch size)
    opts = p.parse_args()
    if opts.one is not None:
        print(json.dumps(one(opts.one)))
        return
    sides = {"before": pathlib.Path(opts.against).resolve(), "after": HERE.parent}
    res, loads = {}, []
    for r in range(opts.pairs):
        for batch in [int(b) for b in opts.batches.split(",")]:
            for side in ("before", "after") if r % 2 == 0 else ("after", "before"):
                root = sides[side]  # this script, the same bench/scalar.py, that side's difflab
                cmd = [sys.executable, str(HERE / "scalar_ab.py"), "--against", ".", "--one", str(batch)]
                env = dict(os.environ, PYTHONPATH=str(root))
                got = json.loads(subprocess.check_output(cmd, env=env, cwd="/"))
                assert pathlib.Path(got.pop("difflab")).is_relative_to(root), f"{side}: not {root}'s difflab"
                res.setdefault((batch, side), []).append(got)
            loads.append(os.getloadavg()[0])
    head = ["B", "side", "fresh µs/eqn", "fresh ÷ micrograd per call (IQR)", "per eqn ÷ per node", "cached µs/eqn"]
    head.append("after ÷ before, paired: fresh · cached")
    print("| " + " | ".join(head) + " |")
    print("| " + " | ".join("-" * len(h) for h in head) + " |")
    for batch in sorted({b for b, _ in res}):
        for side in ("before", "after"):
            rs = res[(batch, side)]
            fresh = _quartiles([x["fresh"] / x["n"] * 1e6 for x in rs])
            call = _quartiles([x["fresh"] / x["micrograd"] for x in rs])
            ratio = _quartiles([(x["fresh"] / x["n"]) / (x["micrograd"] / x["nodes"]) for x in rs])
            cached = _quartiles([x["cached"] / x["n"] * 1e6 for x in rs])
            paired = ""
            if side == "after":
                pairs = list(zip(res[(batch, "before")], rs))
                pf = _quartiles([b["fresh"] / a["fresh"] for a, b in pairs])
                pc = _quartiles([b["cached"] / a["cached"] for a, b in pairs])
                paired = f"{pf[0]:.2f} ({pf[1]:.2f}–{pf[2]:.2f}) · {pc[0]:.2f} ({pc[1]:.2f}–{pc[2]:.2f})"
            print(
                f"| {batch} | {side} | {fresh[0]:.2f} | {call[0]:.2f} ({call[1]:.2f}–{call[2]:.2f}) "
                f"| {ratio[0]:.2f} ({ratio[1]:.2f}–{ratio[2]:.2f}) "
                f"| {cached[0]:.2f} | {paired} |"
            )
    print(f"\nload average (1 min) {min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
