"""What a prepared gradient keeps between calls: the NumPy arrays reachable from it (runner.measure.kept_bytes, the
caller's arrays excluded), the bytes it leaves allocated (tracemalloc, after 6 calls, imports warmed up) and one
call's peak above that, for an MLP 784-256-256-10 (batch 32) and bench/deep.py's net (depth 100, width 256, batch
64): weights closed over (the gradient in X, by dl.grad or dl.prepare), closed over as float32, or passed
(deep.py's prepared value_and_grad in the parameters: the pool alone).

    python bench/kept_memory.py

Measured outside run_all (bench/RESULTS.md): a memory count, not a timing.
"""

from __future__ import annotations

try:
    from . import _common as C  # noqa: F401  (single-threaded BLAS)
    from . import hand_numpy as hand
except ImportError:
    import _common as C  # noqa: F401
    import hand_numpy as hand

import gc
import tracemalloc

import numpy as np

import difflab as dl
from difflab.nn import MLP
from difflab.runner.measure import kept_bytes

CALLS = 6
NETS = [([784, 256, 256, 10], 32, "MLP 784-256-256-10 b32"), ([256] * 101 + [10], 64, "deep 100x256 b64")]


def row(name, make, args, exclude, weights):
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    g = make()
    for _ in range(CALLS):
        g(*args)
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.reset_peak()
    now = tracemalloc.get_traced_memory()[0]
    g(*args)
    peak = tracemalloc.get_traced_memory()[1] - now
    tracemalloc.stop()
    kept = kept_bytes(g, exclude=exclude)
    mib = 2.0**20
    print(
        f"| {name} | {weights / mib:.2f} | {kept / mib:.2f} ({kept / weights:.2f}×) | "
        f"{retained / mib:.2f} ({retained / weights:.2f}×) | {peak / mib:.2f} |"
    )


def main():
    params, X, Y = hand.problem([8, 8, 2], 4)  # warm-up: the lazy imports of a first gradient are not the rows'
    f = MLP([8, 8, 2], activation="tanh").loss("cross_entropy")
    for _ in range(3):
        dl.grad(lambda X: f(params, X, Y))(X)
    print("| gradient | weights MiB | kept MiB (÷ weights) | retained MiB (÷ weights) | call peak MiB |")
    print("|---|---|---|---|---|")
    for sizes, batch, label in NETS:
        params, X, Y = hand.problem(sizes, batch)
        f = MLP(sizes, activation="tanh").loss("cross_entropy")
        w = sum(a.nbytes for a in params.values())
        mine = [X, Y, params]
        row(f"{label}, closed over, dl.grad", lambda: dl.grad(lambda X: f(params, X, Y)), (X,), mine, w)
        row(
            f"{label}, closed over, dl.prepare",
            lambda: dl.prepare(lambda X: f(params, X, Y), X).value_and_grad,
            (X,),
            mine,
            w,
        )
        p32 = {k: v.astype(np.float32) for k, v in params.items()}
        w32 = sum(a.nbytes for a in p32.values())
        row(f"{label}, float32 closed over, dl.grad", lambda: dl.grad(lambda X: f(p32, X, Y)), (X,), [X, Y, p32], w32)
        row(f"{label}, passed, dl.prepare", lambda: dl.prepare(f, params, X, Y).value_and_grad, (params, X, Y), mine, w)


if __name__ == "__main__":
    main()
