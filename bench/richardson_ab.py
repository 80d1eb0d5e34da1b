"""numdifftools' default Gradient ÷ difflab's prepared Richardson gradient, per bench/numeric.py cell:
the numeric-speed row alone, for A/B runs of two trees (issue 16's regression check).

    PYTHONPATH=. python /path/to/this/tree/bench/richardson_ab.py [--rounds R]

Run it from each tree in turn (PYTHONPATH=. picks that tree's difflab; the functions come from this
file's bench/numeric.py), alternating process by process: the ratio is paired per round inside one
process (bench/_common.measure), so machine load common to both contenders cancels.

    PYTHONPATH=. python bench/richardson_ab.py --against DIR [--rounds R]

times this tree's prepared gradient against another checkout's (DIR holds its `difflab/`, e.g. `git archive
main difflab | tar -x -C DIR`), both imported into one process (that one as `difflab_against`) and
interleaved per round: this tree ÷ that one per cell, median (IQR) of the per-round ratios, and nd ÷ each.
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
    ap.add_argument("--against", help="another checkout's directory: both trees timed in this process")
    opts = ap.parse_args()
    if opts.against:
        return _against(opts)
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


def _other(path):
    """The difflab package under `path`/difflab, imported as `difflab_against` (its imports are relative)."""
    import importlib.util

    init = os.path.join(os.path.abspath(path), "difflab", "__init__.py")
    spec = importlib.util.spec_from_file_location("difflab_against", init, submodule_search_locations=[init[:-12]])
    module = importlib.util.module_from_spec(spec)
    sys.modules["difflab_against"] = module
    spec.loader.exec_module(module)
    return module, importlib.import_module("difflab_against.numpy")


def _against(opts):
    other, other_np = _other(opts.against)
    nd = C.peer("numdifftools")
    for n in (4, 16):
        x = np.random.default_rng(3).uniform(-1.0, 1.0, n)
        for name, (fx, _) in functions().items():
            mine = dl.prepare(lambda z, fx=fx: fx(dnp, z), x, method=dl.Numeric(scheme="richardson"))
            theirs = other.prepare(lambda z, fx=fx: fx(other_np, z), x, method=other.Numeric(scheme="richardson"))
            assert np.array_equal(mine.grad(x), theirs.grad(x)) or print(f"  ({name}: the gradients differ)")
            fns = {"this": lambda: mine.grad(x), "that": lambda: theirs.grad(x)}
            if nd is not None:
                ndg = nd.Gradient(lambda z, fx=fx: fx(np, z))
                fns["nd"] = lambda: ndg(x)
            res = C.measure(fns, rounds=opts.rounds, target=0.02)
            lo, hi = res["this"].ratio_spread(res["that"])
            peer = f"  nd ÷ this {res['nd'].ratio(res['this']):5.2f}, ÷ that {res['nd'].ratio(res['that']):5.2f}"
            print(
                f"n={n:2d} {name[:10]:10s} this {res['this'].median * 1e6:6.1f} µs, that "
                f"{res['that'].median * 1e6:6.1f} µs: this ÷ that {res['this'].ratio(res['that']):.3f} "
                f"(IQR {lo:.3f}–{hi:.3f}){peer if nd is not None else ''}"
            )
    print(f"(load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
