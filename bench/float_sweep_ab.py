"""Before/after of the reverse sweep over Python floats alone (difflab.compile.floats.backward_floats) on the scalar
net of bench/scalar.py, both timed interleaved in one process (not part of run_all).

    python bench/float_sweep_ab.py --against PATH [--batches 1,8] [--rounds 21]

PATH holds another checkout's `difflab/` (e.g. `git archive main difflab | tar -x -C /tmp/base`): its
compile/floats.py is loaded beside this tree's, on this tree's graph, ops and reverse interpreter, so only the sweep
differs. Each round times `reps` sweeps of one then of the other (the order alternating by round), process CPU time,
the collector off (as a fresh gradient sweeps); the table gives the medians and the after ÷ before ratios' median and
IQR over the rounds. The two sweeps' gradients are asserted equal first.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common as C  # noqa: E402,F401  (single-threaded BLAS before NumPy)
import scalar as S  # noqa: E402

from difflab.api.boundary import stage  # noqa: E402
from difflab.compile import floats as after  # noqa: E402
from difflab.differentiators.reverse import _pull  # noqa: E402


def _before(root: pathlib.Path):
    """The other checkout's compile/floats.py as a module of this difflab's compile package."""
    spec = importlib.util.spec_from_file_location("difflab.compile._floats_before", root / "difflab/compile/floats.py")
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "difflab.compile"
    spec.loader.exec_module(module)
    return module


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--against", required=True, metavar="PATH")
    p.add_argument("--batches", default="1,8")
    p.add_argument("--rounds", type=int, default=21)
    opts = p.parse_args()
    before = _before(pathlib.Path(opts.against).resolve())
    gc.disable()
    print("| B | equations | before µs | after µs | after ÷ before (IQR) |")
    print("|---|-----------|-----------|----------|----------------------|")
    for batch in [int(b) for b in opts.batches.split(",")]:
        st = stage(S.loss, (S.init(), *S.data(batch)), 0)
        g, env = st.graph, st.values
        sweeps = [
            lambda m=m: m.backward_floats(g, env, st.wrt, {g.outputs[0]: 1.0}, _pull, {}) for m in (before, after)
        ]
        assert sweeps[0]() == sweeps[1](), "the two sweeps' gradients differ"
        reps, times = max(1, 4000 // len(g.eqns)), ([], [])
        for r in range(opts.rounds):
            for k in (0, 1) if r % 2 == 0 else (1, 0):
                t0 = time.process_time()
                for _ in range(reps):
                    sweeps[k]()
                times[k].append((time.process_time() - t0) / reps * 1e6)
        ratios = sorted(b / a for a, b in zip(*times))
        n = len(ratios)
        med = [sorted(t)[n // 2] for t in times]
        print(
            f"| {batch} | {len(g.eqns)} | {med[0]:.1f} | {med[1]:.1f} | {ratios[n // 2]:.3f} "
            f"({ratios[n // 4]:.3f}–{ratios[(3 * n) // 4]:.3f}) |"
        )


if __name__ == "__main__":
    main()
