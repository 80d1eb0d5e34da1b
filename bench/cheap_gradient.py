"""The cheap-gradient ratio cost(loss + gradient) / cost(loss), difflab reverse (prepared) vs hand NumPy.

    python bench/cheap_gradient.py [--quick]

difflab's loss alone is the PreparedFunction's __call__ (the compiled forward tape); its loss +
gradient is `.value_and_grad`. Hand NumPy: `hand_numpy.loss` and `hand_numpy.loss_and_grad`. All
four are timed interleaved; each ratio is the median of per-round paired ratios.
"""
from __future__ import annotations

try:
    from . import _common as C
    from . import hand_numpy as hand
except ImportError:
    import _common as C
    import hand_numpy as hand

import difflab as dl
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
        res = C.measure({
            "dl loss": lambda: p(params, X, Y),
            "dl loss+grad": lambda: p.value_and_grad(params, X, Y),
            "hand loss": lambda: hand.loss(params, X, Y),
            "hand loss+grad": lambda: hand.loss_and_grad(params, X, Y),
        }, rounds=rounds, target=target)
        r_dl = res["dl loss+grad"].ratio(res["dl loss"])
        r_h = res["hand loss+grad"].ratio(res["hand loss"])
        lo, hi = res["dl loss+grad"].ratio_spread(res["dl loss"])
        rows.append({"workload": "cheap-gradient", "size": label, "contender": "difflab reverse, prepared",
                     "ratio": r_dl, "ratio_iqr": [lo, hi], "hand_ratio": r_h, "target": TARGET, "met": r_dl <= TARGET,
                     "seconds": {k: t.median for k, t in res.items()}})
        trows.append([label, C.fmt_time(res["dl loss"].median), C.fmt_time(res["dl loss+grad"].median),
                      f"{r_dl:.2f} ({lo:.2f}–{hi:.2f})", C.fmt_time(res["hand loss"].median),
                      C.fmt_time(res["hand loss+grad"].median), f"{r_h:.2f}", f"≤ {TARGET}",
                      "met" if r_dl <= TARGET else "MISSED"])
    md = ("### cost(loss + gradient) / cost(loss)\n\n" + C.table(
        ["size", "dl loss", "dl loss+grad", "dl ratio (IQR)", "hand loss", "hand loss+grad", "hand ratio", "target", ""],
        trows))
    C.emit(opts, "cheap_gradient", md, rows)


if __name__ == "__main__":
    main()
