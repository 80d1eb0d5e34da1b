"""Deep nets: a tanh MLP of depth 100 and width 256, prepared reverse against hand NumPy; and the
peak memory of its gradient with and without checkpointing (dl.checkpoint_sequential, √depth
segments) as the depth grows.

    python bench/deep.py [--quick]

Time: `dl.prepare(MLP(...).loss("cross_entropy"), ...).value_and_grad` against
bench/hand_numpy.py's backpropagation, batch 64, timed interleaved (target ≤ 1.1×).
Memory: the same model written as a chain of layers (width 64, batch 1024, so that activations
outweigh the weights' gradient), depths 16, 36, 64, 100; tracemalloc's peak during one prepared
value_and_grad, minus the bytes of the gradient it returns (which grow with depth whatever is
stored), fitted against depth on log-log axes: slope ~1 when every layer's activations are kept,
~0.5 (√depth) with √depth checkpointed segments (target ≤ 0.6).
"""

from __future__ import annotations

try:
    from . import _common as C
    from . import hand_numpy as hand
except ImportError:
    import _common as C
    import hand_numpy as hand

import functools
import math

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.nn import MLP

DEPTH, WIDTH, BATCH = 100, 256, 64
TIME_TARGET, SLOPE_TARGET = 1.1, 0.6
MEM_DEPTHS, MEM_WIDTH, MEM_BATCH = [16, 36, 64, 100], 64, 1024


def _layer(W, b, h):
    return dnp.tanh(h @ W + b)


def chain_loss(depth: int, segments: int | None):
    """Mean softmax cross-entropy of `depth` tanh layers and a linear output; the hidden layers
    in `segments` checkpointed segments (None: no checkpointing)."""

    def loss(params, X, Y):
        layers = [functools.partial(_layer, params[f"W{l}"], params[f"b{l}"]) for l in range(depth)]
        if segments:
            h = dl.checkpoint_sequential(layers, segments)(X)
        else:
            h = X
            for layer in layers:
                h = layer(h)
        z = h @ params[f"W{depth}"] + params[f"b{depth}"]
        logp = z - dnp.logsumexp(z, axis=1, keepdims=True)
        return -dnp.sum(Y * logp) / X.shape[0]

    return loss


def timing(opts, rows):
    depth = 10 if opts.quick else DEPTH
    sizes = [WIDTH] * (depth + 1) + [10]
    params, X, Y = hand.problem(sizes, BATCH)
    p = dl.prepare(MLP(sizes, activation="tanh").loss("cross_entropy"), params, X, Y, method="reverse")
    v, g = p.value_and_grad(params, X, Y)
    vh, gh = hand.loss_and_grad(params, X, Y)
    scale = max(np.abs(a).max() for a in gh.values())
    assert abs(v - vh) <= 1e-10 * abs(vh) and max(np.abs(g[k] - gh[k]).max() for k in gh) <= 1e-9 * scale
    res = C.measure(
        {
            "hand NumPy": lambda: hand.loss_and_grad(params, X, Y),
            "difflab reverse, prepared": lambda: p.value_and_grad(params, X, Y),
        },
        rounds=3 if opts.quick else 9,
        target=0.005 if opts.quick else 0.3,
        warmup=2,
    )
    r = res["difflab reverse, prepared"].ratio(res["hand NumPy"])
    lo, hi = res["difflab reverse, prepared"].ratio_spread(res["hand NumPy"])
    label = f"depth {depth} width {WIDTH} b{BATCH}"
    rows.append(
        {
            "workload": "deep-time",
            "size": label,
            "ratio": r,
            "ratio_iqr": [lo, hi],
            "target": TIME_TARGET,
            "met": r <= TIME_TARGET,
            "seconds": {k: t.median for k, t in res.items()},
        }
    )
    return (
        f"### deep net, loss + gradient: prepared reverse ÷ hand NumPy ({label}; target ≤ {TIME_TARGET}×)\n\n"
        + C.table(
            ["size", "hand NumPy", "difflab reverse, prepared", "ratio (IQR)", ""],
            [
                [
                    label,
                    C.fmt_time(res["hand NumPy"].median),
                    C.fmt_time(res["difflab reverse, prepared"].median),
                    f"{r:.2f}× ({lo:.2f}–{hi:.2f})",
                    "met" if r <= TIME_TARGET else "MISSED",
                ]
            ],
        )
    )


def memory(opts, rows):
    depths = [4, 16] if opts.quick else MEM_DEPTHS
    per = {}
    trows = []
    for depth in depths:
        sizes = [MEM_WIDTH] * (depth + 1) + [10]
        params, X, Y = hand.problem(sizes, MEM_BATCH)
        grad_bytes = sum(a.nbytes for a in params.values())
        ref = hand.loss_and_grad(params, X, Y)[1]
        segments = max(1, round(math.sqrt(depth)))
        cells = [depth, segments]
        for name, seg in (("plain", None), ("checkpointed", segments)):
            p = dl.prepare(chain_loss(depth, seg), params, X, Y, method="reverse")
            g = p.value_and_grad(params, X, Y)[1]
            assert max(np.abs(g[k] - ref[k]).max() for k in ref) <= 1e-9 * max(np.abs(a).max() for a in ref.values())
            peak = C.peak_memory(lambda: p.value_and_grad(params, X, Y))
            work = peak - grad_bytes
            per.setdefault(name, {})[depth] = work
            rows.append(
                {
                    "workload": "deep-memory",
                    "depth": depth,
                    "contender": name,
                    "segments": seg,
                    "peak_bytes": peak,
                    "gradient_bytes": grad_bytes,
                    "working_bytes": work,
                }
            )
            cells += [f"{peak / 2**20:.1f} MiB", f"{work / 2**20:.1f} MiB"]
        hand_peak = C.peak_memory(lambda: hand.loss_and_grad(params, X, Y))
        cells.append(f"{(hand_peak - grad_bytes) / 2**20:.1f} MiB")
        trows.append(cells)
        print(f"memory depth {depth} done", flush=True)
    slopes = {name: C.fit_slope(sorted(d), [d[k] for k in sorted(d)]) for name, d in per.items()}
    rows.append(
        {
            "workload": "deep-memory-slope",
            "slope_plain": slopes["plain"],
            "slope_checkpointed": slopes["checkpointed"],
            "target": SLOPE_TARGET,
            "met": slopes["checkpointed"] <= SLOPE_TARGET,
        }
    )
    return (
        f"### peak memory of a prepared gradient vs depth (width {MEM_WIDTH}, batch {MEM_BATCH}; working = peak − "
        "the returned gradient's bytes)\n\n"
        + C.table(
            [
                "depth",
                "segments",
                "plain peak",
                "plain working",
                "checkpointed peak",
                "checkpointed working",
                "hand NumPy working",
            ],
            trows,
        )
        + f"\n\nlog-log slope of working memory against depth: plain {slopes['plain']:.2f}, checkpointed "
        f"(√depth segments) {slopes['checkpointed']:.2f} (target ≤ {SLOPE_TARGET}: ~√depth)"
    )


def main():
    opts = C.args(__doc__.splitlines()[0])
    rows = []
    md = [timing(opts, rows)]
    print("timing done", flush=True)
    md.append(memory(opts, rows))
    C.emit(opts, "deep", "\n\n".join(md), rows)


if __name__ == "__main__":
    main()
