"""One-shot dl.jvp and dl.grad on long tapes (issue 17): the wall seconds of one fresh call, in a process of
its own (tracing, lowering where the tier lowers, the call), at growing tape lengths, and the log-log slope
between consecutive lengths (1: linear, 2: quadratic).

    python bench/long_tape.py [--sizes 500,1000,2000,4000] [--rounds 1] [--base /tmp/main-tree] [--timeout 120]

Rows: `setitem` (y[i] = sin(x[i]) * y[i-1], then sum(y**2): a tape of ~5 values per step, the guarded
check a term per step) and `scalar` (s = sin(x[i]) * s + x[i]). Each call runs in a subprocess (a fresh
prepared object, nothing cached); past `--timeout` seconds it counts as a timeout, a RecursionError as
such. With --base (another checkout of difflab) each round runs every cell on this tree and on the base
tree, alternating which goes first; the table gives the median per cell and this ÷ base.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _setitem(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = np.sin(x[i]) * (y[i - 1] if i else 1.0)
    return np.sum(y**2)


def _scalar(x):
    s = 1.0
    for i in range(len(x)):
        s = np.sin(x[i]) * s + x[i]
    return s


ROWS = {"setitem": _setitem, "scalar": _scalar}


def _one(row: str, how: str, n: int) -> str:
    """Wall seconds of one fresh `how` (jvp or grad) of `row` at length n, or the error's name."""
    import difflab as dl

    f, x = ROWS[row], np.linspace(0.1, 1.0, n)
    t = time.perf_counter()
    try:
        dl.jvp(f, (x,), (np.ones_like(x),)) if how == "jvp" else dl.grad(f)(x)
    except RecursionError:
        return "RecursionError"
    return f"{time.perf_counter() - t:.4f}"


def _in(tree: str, row: str, how: str, n: int, timeout: float):
    env = dict(os.environ, PYTHONPATH=tree, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import long_tape as b; print(b._one({row!r}, {how!r}, {n}))"
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=tree, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return f">{timeout:g}"
    word = (out.stdout.split() or [out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "?"])[-1]
    try:
        return float(word)
    except ValueError:
        return word


def _cell(xs) -> str:
    nums = [x for x in xs if isinstance(x, float)]
    return f"{statistics.median(nums):8.3f}" if len(nums) == len(xs) else f"{xs[0]:>8s}"


def _slopes(sizes, med) -> str:
    out = []
    for (n0, a), (n1, b) in zip(zip(sizes, med), zip(sizes[1:], med[1:])):
        ok = isinstance(a, float) and isinstance(b, float) and a > 0
        out.append(f"{math.log(b / a) / math.log(n1 / n0):.2f}" if ok else "-")
    return " ".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500,1000,2000,4000")
    parser.add_argument("--rows", default="setitem,scalar")
    parser.add_argument("--how", default="jvp,grad")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--base", help="another difflab checkout: the same cells on it")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    trees = [("this", str(ROOT))] + ([("base", args.base)] if args.base else [])
    for row in args.rows.split(","):
        for how in args.how.split(","):
            cells: dict = {(t, n): [] for t, _ in trees for n in sizes}
            for r in range(args.rounds):
                for n in sizes:
                    for name, tree in trees[:: 1 if r % 2 == 0 else -1]:
                        cells[name, n].append(_in(tree, row, how, n, args.timeout))
            for name, _ in trees:
                med = [
                    statistics.median(c) if all(isinstance(x, float) for x in c) else None
                    for c in (cells[name, n] for n in sizes)
                ]
                line = "  ".join(f"n={n}: {_cell(cells[name, n])} s" for n in sizes)
                print(f"{row:8s} {how:4s} {name:4s} {line}  slopes {_slopes(sizes, med)}", flush=True)
            if args.base:
                ratios = []
                for n in sizes:
                    a, b = cells["this", n], cells["base", n]
                    ok = all(isinstance(x, float) for x in a + b)
                    ratios.append(f"n={n}: {statistics.median(x / y for x, y in zip(a, b)):.3f}" if ok else f"n={n}: -")
                print(f"{row:8s} {how:4s} this ÷ base  {'  '.join(ratios)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
