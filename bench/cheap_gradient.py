"""The cheap-gradient ratio cost(loss + gradient) / cost(loss), difflab reverse (prepared) vs hand NumPy.

    python bench/cheap_gradient.py [--quick]

difflab's loss alone is the PreparedFunction's __call__ (the compiled forward tape); its loss +
gradient is `.value_and_grad`. Hand NumPy: `hand_numpy.loss` and `hand_numpy.loss_and_grad`. All
four are timed interleaved; each ratio is the median of per-round paired ratios. Then (issue 17
§4) a vectorised f at n = 10⁴…10⁷: the same ratio, and the peak memory (tracemalloc) of difflab's
f + ∇f against hand NumPy's.
"""

from __future__ import annotations

try:
    from . import _common as C
    from . import hand_numpy as hand
except ImportError:
    import _common as C
    import hand_numpy as hand

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.nn import MLP

SIZES = [((2, 16, 16, 2), 64), ((64, 128, 128, 10), 256), ((784, 256, 256, 10), 128)]
TARGET = 2.5


def main():
    opts = C.args(__doc__.splitlines()[0])
    rounds, target = (3, 0.005) if opts.quick else (31, 0.03)
    rows, trows = [], []
    for sizes, batch in SIZES[:1] if opts.quick else SIZES:
        label = f"{'-'.join(map(str, sizes))} b{batch}"
        params, X, Y = hand.problem(sizes, batch)
        f = MLP(list(sizes), activation="tanh").loss("cross_entropy")
        p = dl.prepare(f, params, X, Y, method="reverse")
        res = C.measure(
            {
                "dl loss": lambda: p(params, X, Y),
                "dl loss+grad": lambda: p.value_and_grad(params, X, Y),
                "hand loss": lambda: hand.loss(params, X, Y),
                "hand loss+grad": lambda: hand.loss_and_grad(params, X, Y),
            },
            rounds=rounds,
            target=target,
        )
        r_dl = res["dl loss+grad"].ratio(res["dl loss"])
        r_h = res["hand loss+grad"].ratio(res["hand loss"])
        lo, hi = res["dl loss+grad"].ratio_spread(res["dl loss"])
        rows.append(
            {
                "workload": "cheap-gradient",
                "size": label,
                "contender": "difflab reverse, prepared",
                "ratio": r_dl,
                "ratio_iqr": [lo, hi],
                "hand_ratio": r_h,
                "target": TARGET,
                "met": r_dl <= TARGET,
                "seconds": {k: t.median for k, t in res.items()},
            }
        )
        trows.append(
            [
                label,
                C.fmt_time(res["dl loss"].median),
                C.fmt_time(res["dl loss+grad"].median),
                f"{r_dl:.2f} ({lo:.2f}–{hi:.2f})",
                C.fmt_time(res["hand loss"].median),
                C.fmt_time(res["hand loss+grad"].median),
                f"{r_h:.2f}",
                f"≤ {TARGET}",
                "met" if r_dl <= TARGET else "MISSED",
            ]
        )
    md = "### cost(loss + gradient) / cost(loss)\n\n" + C.table(
        [
            "size",
            "dl loss",
            "dl loss+grad",
            "dl ratio (IQR)",
            "hand loss",
            "hand loss+grad",
            "hand ratio",
            "target",
            "",
        ],
        trows,
    )
    md += "\n\n" + vectorised(opts, rows)
    C.emit(opts, "cheap_gradient", md, rows)


# -- issue 17 §4: a vectorised f at n = 10⁴ … 10⁷ --------------------------------------------

VEC_NS = [10**4, 10**5, 10**6, 10**7]
VEC_RATIO, VEC_MEMORY = 3.0, 1.5


def vec_f(x):
    """f(x) = Σ tanh(0.7·x + 0.1)·x + ½ Σ x² (elementwise work, two reductions)."""
    return dnp.sum(dnp.tanh(0.7 * x + 0.1) * x) + 0.5 * dnp.sum(x * x)


def vec_hand(x):
    t = np.tanh(0.7 * x + 0.1)
    return float(np.sum(t * x) + 0.5 * np.sum(x * x))


def vec_hand_grad(x):
    t = np.tanh(0.7 * x + 0.1)
    value = float(np.sum(t * x) + 0.5 * np.sum(x * x))
    g = 1.0 - t * t
    g *= 0.7 * x
    g += t
    g += x
    return value, g


def vectorised(opts, rows) -> str:
    trows = []
    for n in VEC_NS[:2] if opts.quick else VEC_NS:
        x = np.random.default_rng(n).normal(size=n)
        p = dl.prepare(vec_f, x, method="reverse")
        v, g = p.value_and_grad(x)
        vh, gh = vec_hand_grad(x)
        assert abs(v - vh) <= 1e-12 * abs(vh) and np.abs(g - gh).max() <= 1e-12 * np.abs(gh).max()
        big = n >= 10**6
        res = C.measure(
            {
                "dl f": lambda: p(x),
                "dl f+grad": lambda: p.value_and_grad(x),
                "hand f": lambda: vec_hand(x),
                "hand f+grad": lambda: vec_hand_grad(x),
            },
            rounds=3 if opts.quick else (5 if n >= 10**7 else 7 if big else 15),
            target=0.005 if opts.quick else 0.05,
            warmup=1 if big else 2,
        )
        r_dl = res["dl f+grad"].ratio(res["dl f"])
        r_h = res["hand f+grad"].ratio(res["hand f"])
        m_dl = C.peak_memory(lambda: p.value_and_grad(x))
        m_h = C.peak_memory(lambda: vec_hand_grad(x))
        rows.append(
            {
                "workload": "cheap-vector",
                "n": n,
                "ratio": r_dl,
                "ratio_iqr": res["dl f+grad"].ratio_spread(res["dl f"]),
                "hand_ratio": r_h,
                "peak_bytes": m_dl,
                "hand_peak_bytes": m_h,
                "memory_ratio": m_dl / m_h,
                "target": VEC_RATIO,
                "memory_target": VEC_MEMORY,
                "met": r_dl <= VEC_RATIO and m_dl / m_h <= VEC_MEMORY,
                "seconds": {k: t.median for k, t in res.items()},
            }
        )
        trows.append(
            [
                f"{n:.0e}",
                C.fmt_time(res["dl f"].median),
                C.fmt_time(res["dl f+grad"].median),
                f"{r_dl:.2f}",
                f"{r_h:.2f}",
                f"{m_dl / 2**20:.1f} MiB",
                f"{m_h / 2**20:.1f} MiB",
                f"{m_dl / m_h:.2f}×",
                "met" if rows[-1]["met"] else "MISSED",
            ]
        )
        print(f"vectorised n={n} done", flush=True)
    return (
        f"### vectorised f = Σ tanh(0.7x + 0.1)·x + ½Σx²: cost(f + ∇f)/cost(f), reverse prepared (target ≤ "
        f"{VEC_RATIO:.0f}), and peak memory of f + ∇f ÷ hand NumPy's (target ≤ {VEC_MEMORY}×)\n\n"
        + C.table(
            ["n", "dl f", "dl f + ∇f", "dl ratio", "hand ratio", "dl peak", "hand peak", "memory ratio", ""], trows
        )
    )


if __name__ == "__main__":
    main()
