"""A loop of n single-element writes `y[i] = v` under a fresh `dl.grad` (trace and reverse sweep), n = 100 and 1000
(issue 11: each write recorded a full-size where of a mask and a scatter, a cost per write that grew with n).

    python bench/assign_loop.py [--rounds 7] [--against PATH ...]

In one process, interleaved (_common.measure: medians and paired per-round ratios), three spellings of the same
function: `y[i] = v` (one setitem equation per write), the functional `y = np.where(onehot_i, v, y)` per write (what
the where-of-a-mask recording cost), and a list stacked once (`np.stack`, no write at all: the linear floor). The
growth from n = 100 to 1000 is the exponent of n (1: a constant cost per write; 2: a cost per write ∝ n).
`--against PATH` (a directory holding another checkout's `difflab/`, e.g. `git archive main difflab | tar -x -C
/tmp/base`) also runs the `y[i] = v` row in processes of that checkout and of this one, alternated A B B A per
round, and prints the paired ratio of their medians (before ÷ after).
"""

from __future__ import annotations

import _common  # noqa: F401  (first: one BLAS thread, one CPU)

import argparse
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys

import numpy as np

import difflab as dl
from _common import measure

NS = (100, 1000)


def writes(x):
    y = np.zeros_like(x)
    for i in range(x.size):
        y[i] = x[i] * x[i - 1]
    return (y * x).sum()


def wheres(x):
    y, eye = np.zeros_like(x), np.eye(x.size, dtype=bool)
    for i in range(x.size):
        y = np.where(eye[i], x[i] * x[i - 1], y)
    return (y * x).sum()


def stacked(x):
    return (np.stack([x[i] * x[i - 1] for i in range(x.size)]) * x).sum()


def _rows(rounds: int, names=("writes", "wheres", "stacked")) -> dict:
    out = {}
    for n in NS:
        x = np.linspace(0.1, 1.0, n)
        fns = {name: (lambda f=globals()[name]: dl.grad(f)(x)) for name in names}
        out[n] = measure(fns, rounds=rounds, target=0.05, warmup=1)
    return out


def _child(rounds: int) -> None:
    res = _rows(rounds, ("writes",))
    print(json.dumps({n: res[n]["writes"].median for n in NS}))


def _process(path, rounds: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(path))
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--rounds", str(rounds)], env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    return {int(k): v for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--against", action="append", default=[])
    p.add_argument("--child", action="store_true")
    opts = p.parse_args()
    if opts.child:
        return _child(opts.rounds)
    res = _rows(opts.rounds)
    for n in NS:
        r = res[n]
        w, h, st = r["writes"], r["wheres"], r["stacked"]
        print(
            f"n = {n}: y[i] = v {w.median * 1e3:.1f} ms, np.where per write {h.median * 1e3:.1f} ms, "
            f"np.stack {st.median * 1e3:.1f} ms; paired where ÷ setitem {h.ratio(w):.2f} (IQR {h.ratio_spread(w)}), "
            f"setitem ÷ stack {w.ratio(st):.2f} (IQR {w.ratio_spread(st)})"
        )
    for name in ("writes", "wheres", "stacked"):
        lo, hi = (res[n][name].median for n in NS)
        print(f"{name}: time(n = {NS[1]}) / time(n = {NS[0]}) = {hi / lo:.1f}, exponent {math.log(hi / lo, 10):.2f}")
    here = pathlib.Path(__file__).resolve().parent.parent
    for path in opts.against:
        ratios = {n: [] for n in NS}
        for _ in range(2):  # A B B A
            a = _process(path, opts.rounds)
            b1, b2 = _process(here, opts.rounds), _process(here, opts.rounds)
            a2 = _process(path, opts.rounds)
            for n in NS:
                ratios[n] += [a[n] / b1[n], a2[n] / b2[n]]
        for n in NS:
            print(f"{path} ÷ this checkout, y[i] = v, n = {n}: median {statistics.median(ratios[n]):.2f} {ratios[n]}")


if __name__ == "__main__":
    main()
