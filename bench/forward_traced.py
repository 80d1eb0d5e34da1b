"""Forward mode inside a trace: equations recorded and time of second derivatives of an MLP loss.

    python bench/forward_traced.py [--quick] [--sizes 10,100,1000] [--skip-over SECONDS]

Loss: a tanh MLP with d inputs, h hidden units and one output, mean squared error over a batch
of 32, as a function of its n = d·h + 2h + 1 parameters (one flat vector). For each Hessian pair
(outer, inner): the equations the outer method's trace records for the inner gradient
(`len(dl.trace(dl.grad(loss, method=inner), θ).eqns)`), the first call of a fresh
`dl.hessian(loss, method=pair)` (trace, record, differentiate) and a repeated call of the same
object (median of 3). With forward as the inner method its sweep runs on traced values: before
issue 17's fix one sweep per direction (n of them) was recorded, now one batched sweep.
Run it from any tree with PYTHONPATH pointing at the difflab to measure (before/after).
"""

from __future__ import annotations

import argparse
import os
import time

try:
    from . import _common as C
except ImportError:
    import _common as C

import numpy as np

import difflab as dl
import difflab.numpy as dnp

SHAPES = {10: (2, 2), 100: (4, 16), 1000: (16, 55)}  # n -> (d, h): 9, 97 and 991 parameters
PAIRS = [("reverse", "forward"), ("forward", "forward"), ("forward", "reverse")]


def mlp_loss(d, h, batch=32, seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(batch, d)), rng.normal(size=batch)
    cuts = np.cumsum([d * h, h, h])

    def loss(theta):
        W1 = dnp.reshape(theta[: cuts[0]], (d, h))
        b1, w2, b2 = theta[cuts[0] : cuts[1]], theta[cuts[1] : cuts[2]], theta[cuts[2]]
        out = dnp.tanh(X @ W1 + b1) @ w2 + b2
        return dnp.mean((out - y) ** 2.0)

    return loss, rng.normal(size=int(cuts[2]) + 1) * 0.5


def run(sizes, skip_over):
    rows = []
    for n in sizes:
        loss, theta = mlp_loss(*SHAPES[n])
        reference = None
        for pair in PAIRS:
            eqns = len(dl.trace(dl.grad(loss, method=pair[1]), theta).eqns)
            t0 = time.perf_counter()
            H = dl.hessian(loss, method=pair)
            first = H(theta)
            t_first = time.perf_counter() - t0
            again = []
            if t_first < skip_over:
                for _ in range(3):
                    t0 = time.perf_counter()
                    H(theta)
                    again.append(time.perf_counter() - t0)
            reference = first if reference is None else reference
            err = float(np.max(np.abs(first - reference)) / max(1.0, np.max(np.abs(reference))))
            rows.append(
                {
                    "n": theta.size,
                    "pair": f"{pair[0]}-over-{pair[1]}",
                    "eqns": eqns,
                    "first_s": t_first,
                    "again_s": float(np.median(again)) if again else None,
                    "max_rel_diff": err,
                }
            )
            print(rows[-1], flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--skip-over", type=float, default=60.0, help="no repeated calls when the first took longer")
    opts = parser.parse_args()
    sizes = [10, 100] if opts.quick else [int(s) for s in opts.sizes.split(",")]
    rows = run(sizes, opts.skip_over)
    cells = [
        [
            r["n"],
            r["pair"],
            r["eqns"],
            C.fmt_time(r["first_s"]),
            "—" if r["again_s"] is None else C.fmt_time(r["again_s"]),
            f"{r['max_rel_diff']:.1e}",
        ]
        for r in rows
    ]
    print(f"difflab from {os.path.dirname(dl.__file__)}; load average {os.getloadavg()}")
    print(
        C.table(
            ["n", "Hessian", "eqns recorded (inner gradient)", "first call", "repeated call", "vs first pair"], cells
        )
    )


if __name__ == "__main__":
    main()
