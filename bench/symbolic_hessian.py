"""Fresh symbolic Hessians of matrix decompositions above SymPy's explicit-entry limit (ops/opaque.py): the
CPU seconds of `dl.hessian(f, method="symbolic")(x)` from nothing (tracing, SymPy's derivative, code
generation, the call), where nearly all the time is the first call's. Each Hessian is checked against
reverse's to 1e-10 first.

    python bench/symbolic_hessian.py [--rounds 3] [--rows eigh,svd] [--base /work/main]

Rows: eigh, svd, slogdet (real), csvd and ceigh (complex 3×3: |U|, s, |V| and w, |V| weighted, the Hessian in
the 18 real parts; autograd's second-order checks of complex svd/eigh under symbolic); eig8: the gradient (not
the Hessian) of weighted |V| of numpy.linalg.eig of a real 8×8 matrix (autograd's test_eig_real's size).

Without --base: symbolic against a fresh reverse Hessian, interleaved in this process. With --base (another
checkout of difflab): each round runs every row once in a subprocess on this tree and once on the base tree,
alternating which goes first, and reports the per-round ratio this ÷ base (median, IQR): the paired A/B of a
change to the symbolic method across two trees.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _rows() -> dict:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    spd = a @ a.T + np.eye(5)
    tall = rng.standard_normal((7, 5))
    w5, w7 = np.arange(25.0).reshape(5, 5), np.arange(35.0).reshape(7, 5)
    w3 = np.arange(9.0).reshape(3, 3) / 7.0

    def complex_of(x):  # a complex 3×3 from 18 real inputs (the Hessian is taken in its real parts)
        return np.reshape(x[:9], (3, 3)) + 1j * np.reshape(x[9:], (3, 3))

    def csvd(x):
        u, s, v = np.linalg.svd(complex_of(x), full_matrices=False)
        return np.sum(np.abs(u) * w3) + np.sum(s) + np.sum(np.abs(v) * w3.T)

    def ceigh(x):
        w, v = np.linalg.eigh(complex_of(x))
        return np.sum(w * np.arange(1.0, 4.0)) + np.sum(np.abs(v) * w3)

    cx = rng.standard_normal(18)
    w8 = np.arange(64.0).reshape(8, 8) / 64.0
    return {
        "eig8": (
            "eig |V| gradient 8×8",
            lambda x: np.sum(np.abs(np.linalg.eig(x)[1]) * w8),
            rng.standard_normal((8, 8)),
            "grad",
        ),
        "csvd": ("complex svd 3×3", csvd, cx),
        "ceigh": ("complex eigh 3×3", ceigh, cx),
        "eigh": ("eigh vectors 5×5", lambda x: np.sum(np.linalg.eigh(x)[1] * w5), spd),
        "svd": ("svd U 7×5", lambda x: np.sum(np.linalg.svd(x, full_matrices=False)[0] * w7), tall),
        "slogdet": ("log|det| 6×6", lambda x: np.linalg.slogdet(x)[1], rng.standard_normal((6, 6)) + 3 * np.eye(6)),
    }


def _one(key: str) -> float:
    """CPU seconds of one fresh symbolic Hessian (or gradient) of row `key` (checked against reverse's)."""
    import difflab as dl

    _, f, x, *how = _rows()[key]
    op = dl.grad if how == ["grad"] else dl.hessian  # (a row's derivative: the Hessian unless it says "grad")
    t = time.process_time()
    h = op(f, method="symbolic")(x)
    seconds = time.process_time() - t
    want = op(f, method="reverse")(x)
    assert np.max(np.abs(h - want)) <= 1e-10 * max(1.0, np.max(np.abs(want))), key
    return seconds


def _in(tree: str, key: str) -> float:
    env = dict(os.environ, PYTHONPATH=tree, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import symbolic_hessian as b; print(b._one({key!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tree, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def _quartiles(xs):
    q = statistics.quantiles(xs, n=4) if len(xs) > 1 else [xs[0]] * 3
    return q[0], statistics.median(xs), q[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", default="eigh,svd,slogdet,csvd,ceigh")
    parser.add_argument("--base", help="another difflab checkout: paired A/B of this tree against it")
    args = parser.parse_args()
    results = {}
    for key in args.rows.split(","):
        name = _rows()[key][0]
        if args.base:
            here, base = [], []
            for r in range(args.rounds):
                order = [(here, str(ROOT)), (base, args.base)][:: 1 if r % 2 == 0 else -1]
                for into, tree in order:
                    into.append(_in(tree, key))
            lo, mid, hi = _quartiles([h / b for h, b in zip(here, base)])
            print(
                f"{name:18s} this {statistics.median(here):7.2f} s  base {statistics.median(base):7.2f} s  "
                f"this ÷ base {mid:.3f} (IQR {lo:.3f}–{hi:.3f})"
            )
            results[key] = {"this": here, "base": base}
        else:
            import difflab as dl

            _, f, x, *how = _rows()[key]
            op = dl.grad if how == ["grad"] else dl.hessian
            sym, rev = [], []
            for _ in range(args.rounds):
                sym.append(_one(key))
                t = time.process_time()
                op(f, method="reverse")(x)
                rev.append(time.process_time() - t)
            print(
                f"{name:18s} symbolic {statistics.median(sym):7.2f} s  reverse {statistics.median(rev):7.3f} s (fresh)"
            )
            results[key] = {"symbolic": sym, "reverse": rev}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
