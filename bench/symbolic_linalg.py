"""The symbolic method on an 8×8 matrix above SymPy's explicit-entry limit (ops/opaque.py): prepared symbolic
against prepared reverse, interleaved in one process (bench/_common.measure), paired per round.

    python bench/symbolic_linalg.py [--rounds 15]

Rows: the gradient of sum(sin(inv(A))) (autograd's test_inv; symbolic's matrix-level form), the Jacobian of
inv(A) @ b (the scalar path: opaque matrix functions, LAPACK once per point), the Jacobian of eigh(S)'s
eigenvalues and the Hessian of log|det A|. Each symbolic result is checked against reverse's first.
"""

from __future__ import annotations

import argparse

import numpy as np

try:
    from . import _common as C
except ImportError:
    import _common as C

import difflab as dl


def _rows(n=8):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)) + 3.0 * np.eye(n)
    s = a @ a.T
    b = rng.standard_normal(n)
    return [
        ("grad sum(sin(inv(A)))", lambda x: np.sum(np.sin(np.linalg.inv(x))), a, "grad"),
        ("jacobian inv(A) @ b", lambda x: np.linalg.inv(x) @ b, a, "jacobian"),
        ("jacobian eigvalsh(S)", lambda x: np.linalg.eigh(x)[0], s, "jacobian"),
        ("hessian log|det A|", lambda x: np.linalg.slogdet(x)[1], a, "hessian"),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    for name, f, x, kind in _rows():
        sym, rev = (getattr(dl.prepare(f, x, method=m), kind) for m in ("symbolic", "reverse"))
        want = rev(x)
        assert np.max(np.abs(sym(x) - want)) <= 1e-10 * max(1.0, np.max(np.abs(want))), name
        t = C.measure({"symbolic": lambda: sym(x), "reverse": lambda: rev(x)}, rounds=args.rounds)
        lo, hi = t["symbolic"].ratio_spread(t["reverse"])
        print(
            f"{name:26s} symbolic {t['symbolic'].median * 1e6:9.1f} µs  reverse {t['reverse'].median * 1e6:9.1f} µs  "
            f"symbolic ÷ reverse {t['symbolic'].ratio(t['reverse']):.2f} (IQR {lo:.2f}–{hi:.2f})"
        )


if __name__ == "__main__":
    main()
