"""What stop 66's kink handling costs at smooth points, contenders interleaved in one process (bench/_common.py):
the numeric gradient of f(S) = Σ eigvalsh(S)·w and of Σ svdvals(A)·w at a smooth 6×6 matrix prepared with the
held piece of a repeated value (eigh_values' and svd_s' Op.piecewise, new) and without it (the op differenced as
it is, stop 65), and complex step's gradient of Σ sin(x)·exp(x/3) (n = 4, 16) with its branch-point guard
(`pieces.complex_step_guard`, new) and without it. Values are checked equal (allclose 1e-9) before timing.

    taskset -c 1 python bench/kinks66_cost.py [--quick]
"""

from __future__ import annotations

try:
    from . import _common as C
except ImportError:
    import _common as C

import dataclasses
import sys

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import Numeric
from difflab.differentiators import pieces as pieces_module
from difflab.ops.core import REGISTRY


@dataclasses.dataclass
class _Held:
    name: str

    def __enter__(self):  # the op as it was at stop 65: no held piece, nothing unsmooth
        op = REGISTRY[self.name]
        self.was = op.piecewise, op.unsmooth
        object.__setattr__(op, "piecewise", None)
        object.__setattr__(op, "unsmooth", None)

    def __exit__(self, *exc):
        op = REGISTRY[self.name]
        object.__setattr__(op, "piecewise", self.was[0])
        object.__setattr__(op, "unsmooth", self.was[1])


def _pair(f, x, name):
    new = dl.prepare(f, x, method="numeric")
    with _Held(name):
        old = dl.prepare(f, x, method="numeric")
    g_new, g_old = new.grad(x), old.grad(x)
    assert np.allclose(g_new, g_old, rtol=1e-9, atol=1e-12), (g_new, g_old)
    evals = f"evals {new.cost.evals} vs {old.cost.evals}"
    return {
        "new": lambda: new.grad(x),
        "stop 65": lambda: old.grad(x),
    }, f"max |Δg| {np.abs(g_new - g_old).max():.1e}, {evals}"


def main(quick=False):
    rng = np.random.default_rng(66)
    B = rng.normal(size=(6, 6))
    S, w = B @ B.T, np.linspace(0.5, 1.5, 6)
    rows = []
    cases = {
        "numeric Σ eigvalsh(S)·w, 6×6": (lambda S: dnp.sum(dnp.linalg.eigvalsh(S) * w), S, "eigh_values"),
        "numeric Σ svdvals(A)·w, 6×6": (lambda A: dnp.sum(dnp.linalg.svd(A, compute_uv=False) * w), B, "svd_s"),
    }
    for label, (f, x, name) in cases.items():
        fns, note = _pair(f, x, name)
        t = C.measure(fns, rounds=11 if quick else 31)
        rows.append((label, t["new"], t["stop 65"], note))
    guard = pieces_module.complex_step_guard
    for n in (4, 16):
        x = np.linspace(-1.0, 2.0, n)
        f = lambda x: dnp.sum(dnp.sin(x) * dnp.exp(x / 3.0))  # noqa: E731
        p = dl.prepare(f, x, method=Numeric(scheme="complex"))

        def unguarded(p=p, x=x):
            pieces_module.complex_step_guard = lambda prepared, args, V, d: d
            try:
                return p.grad(x)
            finally:
                pieces_module.complex_step_guard = guard

        assert np.array_equal(p.grad(x), unguarded())
        t = C.measure({"new": lambda p=p, x=x: p.grad(x), "stop 65": unguarded}, rounds=11 if quick else 31)
        rows.append((f"complex step Σ sin·exp(x/3), n = {n}", t["new"], t["stop 65"], "values equal"))
    print("| case | new | stop 65 | new ÷ stop 65 (IQR) | values |")
    print("|---|---|---|---|---|")
    for label, new, old, note in rows:
        q1, q3 = new.ratio_spread(old)
        print(
            f"| {label} | {new.median * 1e6:.1f} µs | {old.median * 1e6:.1f} µs | "
            f"{new.ratio(old):.3f} ({q1:.3f}–{q3:.3f}) | {note} |"
        )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
