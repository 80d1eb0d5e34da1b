"""Paired A/B of the prepared MLP hvp's lowered program: another tree's compile/graphs.py (loaded beside this one's
and used to lower one prepared hvp) against this tree's, in one process, on bench/second_order.py's problems.

    python bench/hvp_ab.py --old ../main/difflab/compile/graphs.py [--rounds 41]

Prints whether the two answer bit for bit, then per size the paired medians (IQR) of new ÷ old: by `C.measure`
(wall time, one core) and by CPU time of this process in interleaved rounds (a machine whose CPU another process
shares: time that process runs is not counted, its cache traffic is).
"""

from __future__ import annotations

try:
    from . import _common as C
    from .second_order import SIZES, problem
except ImportError:
    import _common as C
    from second_order import SIZES, problem

import gc
import importlib.util
import sys
import time

import numpy as np

import difflab as dl
import difflab.compile.graphs as NEW
import difflab.differentiators.forward as FORWARD


def load(path: str):
    """The module at `path` as difflab.compile.graphs_old (its relative imports read this tree's difflab)."""
    spec = importlib.util.spec_from_file_location("difflab.compile.graphs_old", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def prepared(loss, params, v, graphs):
    """A prepared hvp whose forward sweeps `graphs.lower` lowered, past its first calls (its hot program armed)."""
    FORWARD.lower = graphs.lower
    try:
        hv = dl.prepare_hvp(lambda p: loss(p), params)  # (a function of its own: no cached preparation shared)
        for _ in range(3):
            hv((params,), (v,))
    finally:
        FORWARD.lower = NEW.lower
    return hv


def cpu_rounds(fns: dict, rounds: int, number: int) -> dict:
    """{name: per-round CPU seconds a call}, the callables interleaved, the order rotated each round."""
    names, out = list(fns), {k: [] for k in fns}
    for r in range(rounds):
        gc.collect()
        gc.disable()
        for k in names[r % len(names) :] + names[: r % len(names)]:
            t0 = time.process_time()
            for _ in range(number):
                fns[k]()
            out[k].append((time.process_time() - t0) / number)
        gc.enable()
    return out


def main():
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="the other tree's difflab/compile/graphs.py")
    ap.add_argument("--rounds", type=int, default=41)
    opts = ap.parse_args()
    old = load(opts.old)
    for sizes, batch in SIZES:
        params, _, _, v, loss = problem(sizes, batch)
        h_old, h_new = prepared(loss, params, v, old), prepared(loss, params, v, NEW)
        a, b = h_old((params,), (v,)), h_new((params,), (v,))
        same = all([np.array_equal(a[t][k], b[t][k]) for t in (0, 1) for k in params])
        label = f"{'-'.join(map(str, sizes))} b{batch} (n = {sum(x.size for x in params.values())})"
        fns = {"old": lambda: h_old((params,), (v,)), "new": lambda: h_new((params,), (v,))}
        res = C.measure(fns, rounds=opts.rounds // 2, target=0.05)
        t, lo_hi = res["new"], res["new"].ratio_spread(res["old"])
        cpu = cpu_rounds(fns, opts.rounds, 20 if batch * sizes[0] < 10**4 else 4)
        q = np.percentile(np.array(cpu["new"]) / np.array(cpu["old"]), [25, 50, 75])
        print(
            f"{label}: bit-equal {same}; wall old {C.fmt_time(res['old'].median)} new {C.fmt_time(t.median)}, "
            f"new ÷ old {t.ratio(res['old']):.3f} (IQR {lo_hi[0]:.3f}–{lo_hi[1]:.3f}); CPU time new ÷ old "
            f"{q[1]:.3f} (IQR {q[0]:.3f}–{q[2]:.3f})"
        )


if __name__ == "__main__":
    main()
