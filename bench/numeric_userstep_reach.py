"""review68: a user's numeric step (`Numeric(step=h)`) whose points move no watched op beyond its scale, with and
without `Watch.near` asked first in `scales._user_run` (without: main 807dd98c, which built `Watch.reach`'s table of
every point, 3x f's own run at richardson's points). Paired in one process, the order alternating each round,
process CPU time, 11 rounds; prints each scheme's ratio without/with (median and IQR).

    PYTHONPATH=. taskset -c 1 python bench/numeric_userstep_reach.py
"""

from __future__ import annotations

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import _common  # noqa: E402,F401  (single-threaded BLAS before NumPy)
import numpy as np  # noqa: E402

import difflab as dl  # noqa: E402
import difflab.numpy as dnp  # noqa: E402
from difflab.differentiators import scales  # noqa: E402

NEAR = scales.Watch.near


def asked(first: bool) -> None:
    """`_user_run` asks `near` (limit 1.0) first, or (False) finds it never near, as main did not ask."""
    scales.Watch.near = staticmethod(NEAR if first else lambda c, cols, limit: limit != 1.0 and NEAR(c, cols, limit))


def f(x):
    return dnp.sum(dnp.exp(x) * dnp.sin(x))


def main() -> None:
    x = np.linspace(0.1, 1.0, 300)
    for scheme, step in [("richardson", 1e-4), ("central", 1e-5), ("forward", 1e-8), ("complex", 1e-6)]:
        grad = dl.grad(f, method=dl.Numeric(scheme=scheme, step=step))
        grad(x)
        ratios = []
        for r in range(11):
            t = {}
            for first in (True, False) if r % 2 else (False, True):
                asked(first)
                grad(x)
                t0 = time.process_time()
                grad(x)
                t[first] = time.process_time() - t0
            ratios.append(t[False] / t[True])
        q = np.percentile(ratios, [25, 50, 75])
        print(f"{scheme} h={step:g} without/with near: median {q[1]:.2f}x IQR {q[0]:.2f}-{q[2]:.2f}")
    asked(True)


if __name__ == "__main__":
    main()
