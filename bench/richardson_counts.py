"""Instructions per prepared Richardson gradient (bench/numeric.py's functions), a count a loaded machine
does not move, for A/B runs of two trees:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \\
        --toggle-collect=functools_reduce python bench/richardson_counts.py NAME N [CALLS]

NAME: sinexp, rosen, chain or lse (bench/numeric.py's four functions); N: 4 or 16; NAME nd:sinexp (etc.) counts
numdifftools' default Gradient instead (the row's peer: the ratio of counts, a load-free estimate of the row's time
ratio). The prepared gradient `p.grad(x)` runs CALLS + 1 times (default 20) inside one `functools.reduce` with the collector off, so valgrind
counts only those calls: divide its "Collected" by CALLS + 1. Run it from any checkout with PYTHONPATH=that
checkout (the functions come from this file's bench/numeric.py).
"""

from __future__ import annotations

import functools
import gc
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import _common as C  # noqa: E402  (single-threaded BLAS before NumPy)
import numpy as np  # noqa: E402
from numeric import functions  # noqa: E402

import difflab as dl  # noqa: E402
import difflab.numpy as dnp  # noqa: E402

NAMES = {
    "sinexp": "Σ sin·exp(x/3)",
    "rosen": "Rosenbrock",
    "chain": "Σ tanh(x_i x_(i+1) + ½) + ½|x|²",
    "lse": "log Σ exp",
}


def main():
    name, n = sys.argv[1], int(sys.argv[2])
    calls = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    peer, name = name.startswith("nd:"), name.removeprefix("nd:")
    fx = functions()[NAMES[name]][0]
    x = np.random.default_rng(3).uniform(-1.0, 1.0, n)  # bench/numeric.py's point
    if peer:
        grad = C.peer("numdifftools").Gradient(lambda z: fx(np, z))
    else:
        p = dl.prepare(lambda z: fx(dnp, z), x, method=dl.Numeric(scheme="richardson"))
        grad = p.grad
    for _ in range(3):
        grad(x)
    gc.collect()
    gc.disable()
    functools.reduce(lambda acc, _: grad(x), range(calls + 1), None)
    gc.enable()


if __name__ == "__main__":
    main()
