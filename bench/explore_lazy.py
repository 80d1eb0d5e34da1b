"""The explorer's record with numeric's curves lazy (explorerspeed67): explore() wall time and the record's bytes.

`taskset -c 1 python bench/explore_lazy.py [--eager-only]` builds f = sum_i sin(x_i * x_{i+1}) (cyclic) with n = 5,
13 and 41 variables (41 variables: 163 nodes) and times, interleaved in one process, `explore(text, at)` (the served
record: no curves) against `explore(text, at, curves=True)` (the static export's record: every curve, as every record
was before), then `explore_curve(text, at, v)` (one variable's curve, what a click on numeric's cell asks for).
Medians over 5 rounds (after one warm call each) with the IQR, and the paired per-round ratio export ÷ served. --eager-only times `explore(text, at)` alone (for a checkout without `curves=`); `--sizes 5,13,41,101` other
numbers of variables. `--html` times what `difflab explore --html FILE` does, `page.write_html(FILE, text, at)` (the
record with every curve, rendered and written), beside the served record, for comparing checkouts in alternating
processes (html68: `PYTHONPATH=<checkout> taskset -c 1 python explore_lazy.py --html`, main's and a branch's in turn).
"""

from __future__ import annotations

import _common  # noqa: F401  (first: one BLAS thread, one CPU)

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import difflab.explore as ex


def expression(n: int) -> str:
    return "+".join(f"sin(x{i}*x{(i + 1) % n})" for i in range(n))


def point(n: int) -> str:
    return ",".join(f"x{i}={0.3 + 0.05 * i:g}" for i in range(n))


def rotated_rounds(contenders: dict, rounds: int):
    """({name: [seconds per round]}, {name: its last result}): every contender once per round after one warm call
    (SymPy's import and first-use caches are no contender's cost), the order rotated each round."""
    times: dict = {k: [] for k in contenders}
    outs: dict = {}
    for k in contenders:
        contenders[k]()
    for r in range(rounds):
        names = list(contenders)
        for k in names[r % len(names) :] + names[: r % len(names)]:
            t = time.perf_counter()
            outs[k] = contenders[k]()
            times[k].append(time.perf_counter() - t)
    return times, outs


def quartiles(xs):
    q = statistics.quantiles(xs, n=4)
    return statistics.median(xs), q[0], q[2]


def main(rounds: int = 5) -> None:
    eager_only = "--eager-only" in sys.argv
    sizes = (5, 13, 41)
    if "--sizes" in sys.argv:
        sizes = tuple(int(s) for s in sys.argv[sys.argv.index("--sizes") + 1].split(","))
    for n in sizes:
        text, at = expression(n), point(n)
        contenders = {"served": lambda: ex.explore(text, at)}
        if "--html" in sys.argv:
            from difflab.explore.page import write_html

            target = Path(tempfile.mkdtemp()) / "f.html"
            contenders["html"] = lambda: write_html(target, text, at)
        elif not eager_only:
            contenders["export"] = lambda: ex.explore(text, at, curves=True)
            contenders["one curve"] = lambda: ex.explore_curve(text, at, "x0")
        times, outs = rotated_rounds(contenders, rounds)
        sizes = {
            k: out.stat().st_size if isinstance(out, Path) else len(json.dumps(out, allow_nan=False).encode())
            for k, out in outs.items()
        }
        nodes = len(ex.explore(text, at)["nodes"])
        for k, ts in times.items():
            med, lo, hi = quartiles(ts)
            print(
                f"n={n:3d} nodes={nodes:4d} {k:10s} {med:8.3f} s (IQR {lo:.3f}-{hi:.3f}, {len(ts)} rounds)  "
                f"{sizes[k]:9d} bytes"
            )
        if "html" in times:  # paired per round
            med, lo, hi = quartiles([e / s for e, s in zip(times["html"], times["served"])])
            print(f"n={n:3d} html / served {med:.2f}x (IQR {lo:.2f}-{hi:.2f})")
        if "export" in times:  # paired per round: the record as every record was before / the served one
            med, lo, hi = quartiles([e / s for e, s in zip(times["export"], times["served"])])
            print(
                f"n={n:3d} export / served {med:.2f}x (IQR {lo:.2f}-{hi:.2f}); bytes {sizes['export'] / sizes['served']:.2f}x"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
