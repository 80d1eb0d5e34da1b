"""Paired A/B: reverse's J v by J's rows (TRANSPOSE_ROWS raised past every m) against the pullback's transpose
(the default), on autograd's test_kron and test_dot (test_systematic.py, complex leaves, orders 2 and 3) run
through the shim in one process, the two interleaved per round; CPU seconds per test and the per-round
ratio's median and IQR. Needs autograd's tests (bench/peer_suite.py's cache, or --tests DIR).

    python bench/transpose_ab.py --rounds 3
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cache = Path(os.environ.get("DIFFLAB_CACHE", Path.home() / ".cache" / "difflab")) / "peer_suite"
    p.add_argument("--tests", default=str(cache / "autograd-1.9.1" / "tests"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--names", nargs="+", default=["test_kron", "test_dot"])
    a = p.parse_args()
    sys.path.insert(0, a.tests)
    from difflab.differentiators import base
    from difflab.peers.autograd_shim import installed

    default = base.TRANSPOSE_ROWS
    with installed("reverse"):
        import test_systematic as ts

        for name in a.names:
            ratios, seconds = [], {"rows": [], "transpose": []}
            for r in range(a.rounds):
                for variant in ("rows", "transpose") if r % 2 == 0 else ("transpose", "rows"):
                    base.TRANSPOSE_ROWS = 10**18 if variant == "rows" else default
                    t = time.process_time()
                    getattr(ts, name)()
                    seconds[variant].append(time.process_time() - t)
                ratios.append(seconds["rows"][-1] / seconds["transpose"][-1])
            base.TRANSPOSE_ROWS = default
            q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
            print(
                f"{name}: rows {statistics.median(seconds['rows']):.2f} s, transpose "
                f"{statistics.median(seconds['transpose']):.2f} s CPU (medians); rows/transpose median "
                f"{statistics.median(ratios):.1f}x, IQR {q[0]:.1f}-{q[2]:.1f}, {a.rounds} rounds"
            )


if __name__ == "__main__":
    main()
