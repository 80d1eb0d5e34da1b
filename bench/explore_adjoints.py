"""The explorer's adjoints node by node against one gradient per method (explorer68): explore() wall time.

`taskset -c 1 python bench/explore_adjoints.py [--sizes 5,13,41,101] [--rounds 7]` builds explore_lazy.py's
f = sum_i sin(x_i * x_{i+1}) (cyclic; n variables, 4n - 1 nodes) and times, interleaved in one process (order rotated
each round), `explore(text, at)` as it is ("at once": `report.graphs.annotate_graph` takes one gradient per method
of a function of every node's value) and with every method asked node by node as before ("per node": one gradient per
node and method, `annotate_graph`'s fallback, forced by making the one-gradient path refuse). Medians over the rounds
(after one warm call each) with the IQR, and the paired per-round ratio per node ÷ at once. The rest of the record
(layout, numeric's Jacobian) is the same in both contenders: main's whole record is measured by explore_lazy.py
--eager-only run on each checkout.
"""

from __future__ import annotations

import _common  # noqa: F401  (first: one BLAS thread, one CPU)

import sys

import difflab.explore as ex
import difflab.report.graphs as graphs
from explore_lazy import expression, point, quartiles, rotated_rounds


def _refuse(*args, **kw):
    raise RuntimeError("node by node")


def main() -> None:
    argv = sys.argv[1:]
    sizes = [int(s) for s in argv[argv.index("--sizes") + 1].split(",")] if "--sizes" in argv else [5, 13, 41, 101]
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 7
    at_once = graphs._adjoints_at_once
    for n in sizes:
        text, at = expression(n), point(n)

        def per_node():
            graphs._adjoints_at_once = _refuse
            try:
                return ex.explore(text, at)
            finally:
                graphs._adjoints_at_once = at_once

        contenders = {"per node": per_node, "at once": lambda: ex.explore(text, at)}
        times = rotated_rounds(contenders, rounds)[0]
        nodes = len(ex.explore(text, at)["nodes"])
        for k, ts in times.items():
            med, lo, hi = quartiles(ts)
            print(f"n={n:3d} nodes={nodes:4d} {k:9s} {med:8.3f} s (IQR {lo:.3f}-{hi:.3f}, {len(ts)} rounds)")
        med, lo, hi = quartiles([a / b for a, b in zip(times["per node"], times["at once"])])
        print(f"n={n:3d} per node / at once {med:.2f}x (IQR {lo:.2f}-{hi:.2f})")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
