"""numdifftools' default Gradient ÷ difflab's prepared Richardson gradient, per bench/numeric.py cell:
the numeric-speed row alone, for A/B runs of two trees (issue 16's regression check).

    PYTHONPATH=. python /path/to/this/tree/bench/richardson_ab.py [--rounds R]

Run it from each tree in turn (PYTHONPATH=. picks that tree's difflab; the functions come from this
file's bench/numeric.py), alternating process by process: the ratio is paired per round inside one
process (bench/_common.measure), so machine load common to both contenders cancels.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
import numpy as np  # noqa: E402
from numeric import functions  # noqa: E402

import difflab as dl  # noqa: E402
import difflab.numpy as dnp  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    opts = ap.parse_args()
    nd = C.peer("numdifftools")
    if nd is None:
        sys.exit("numdifftools is not installed (pip install -e '.[bench]')")
    ratios = []
    for n in (4, 16):
        x = np.random.default_rng(3).uniform(-1.0, 1.0, n)
        for name, (fx, _) in functions().items():
            p = dl.prepare(lambda z, fx=fx: fx(dnp, z), x, method=dl.Numeric(scheme="richardson"))
            ndg = nd.Gradient(lambda z, fx=fx: fx(np, z))
            res = C.measure({"dl": lambda: p.grad(x), "nd": lambda: ndg(x)}, rounds=opts.rounds, target=0.02)
            r = res["nd"].ratio(res["dl"])
            ratios.append(r)
            print(f"n={n:2d} {name[:10]:10s} difflab {res['dl'].median * 1e6:7.1f} µs  nd÷difflab {r:5.2f}")
    print(f"worst {min(ratios):.2f} median {float(np.median(ratios)):.2f} (load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
