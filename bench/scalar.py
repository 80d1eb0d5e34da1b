"""Scalar graphs built from Python floats (micrograd-style): microseconds per equation for trace +
reverse in difflab, against micrograd's microseconds per node.

    python bench/scalar.py [--quick]

The network is micrograd's own `MLP(2, [4, 4, 1])` (relu hidden neurons, linear output), written
once more for difflab over nested lists of Python floats with the same weights; the loss is the mean
squared error over a batch of B examples. "Fresh" rows create `dl.grad(loss)` anew every call, so
every call traces the function and builds the reverse sweep (what micrograd does on every call);
"cached" reuses one `dl.grad(loss)` object (same signature: no re-trace; from its second call the
compiled tier's float program). Timed with the garbage collector running (micrograd's graph is
cyclic: it pays its collections, as difflab pays its own), contenders interleaved; the second table
gives the paired ratios and Python calls per equation counted by cProfile: fresh ÷ micrograd per call
on the same net (the target's measure), and per equation ÷ per node, which also divides by what each
counts (micrograd's nodes include its leaves: weights, inputs, constants). Equations are counted with
the prepared graph (`len(dl.prepare(loss, ...).graph.eqns)`; `dl.trace` itself does
not accept pytree arguments), micrograd nodes by walking the graph from the loss.
"""

from __future__ import annotations

try:
    from . import _common as C
except ImportError:
    import _common as C

import random

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.api import stage  # dl.trace with pytree arguments

TARGET_US = 3.0
LAYERS = [2, 4, 4, 1]


def init(seed=0):
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in zip(LAYERS[:-1], LAYERS[1:])
    ]


def data(B, seed=1):
    rng = random.Random(seed)
    X = [[rng.uniform(-2, 2) for _ in range(LAYERS[0])] for _ in range(B)]
    Y = [rng.choice([-1.0, 1.0]) for _ in range(B)]
    return X, Y


def loss(params, X, Y):
    """Mean squared error of the scalar network over the examples (Python floats or tracers)."""
    total = 0.0
    for x, y in zip(X, Y):
        h = x
        for li, layer in enumerate(params):
            out = []
            for w, b in layer:
                act = sum((wi * xi for wi, xi in zip(w, h)), b)
                out.append(dnp.relu(act) if li < len(params) - 1 else act)
            h = out
        d = h[0] - y
        total = total + d * d
    return total * (1.0 / len(X))


def micrograd_setup(params, X, Y):
    mg = C.peer("micrograd")
    if mg is None:
        return None
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(LAYERS[0], LAYERS[1:])
    for layer, mlayer in zip(params, model.layers):
        for (w, b), neuron in zip(layer, mlayer.neurons):
            for wi, v in zip(w, neuron.w):
                v.data = wi
            neuron.b.data = b

    def step():
        model.zero_grad()
        total = Value(0.0)
        for x, y in zip(X, Y):
            d = model(x) - y
            total = total + d * d
        out = total * (1.0 / len(X))
        out.backward()
        return out

    def count(out):
        seen, stack = set(), [out]
        while stack:
            v = stack.pop()
            if id(v) in seen:
                continue
            seen.add(id(v))
            stack.extend(v._prev)
        return len(seen)

    def count_ops(out):
        seen, stack, ops = set(), [out], 0
        while stack:
            v = stack.pop()
            if id(v) in seen:
                continue
            seen.add(id(v))
            ops += bool(v._prev)
            stack.extend(v._prev)
        return ops

    return model, step, count, count_ops


def main():
    opts = C.args(__doc__.splitlines()[0])
    rounds, target = (3, 0.005) if opts.quick else (31, 0.05)
    rows, trows, prows = [], [], []
    for B in [4] if opts.quick else [1, 8, 32]:
        params = init()
        X, Y = data(B)
        # dl.trace takes arrays/floats only (no pytrees), so count the staged graph's equations
        n_eqns = len(dl.prepare(loss, params, X, Y).graph.eqns)
        cached = dl.grad(loss)
        g_ref = cached(params, X, Y)
        fns = {
            "difflab trace only (api.stage)": lambda: stage(loss, (params, X, Y), 0),
            "difflab fresh dl.grad (trace + reverse)": lambda: dl.grad(loss)(params, X, Y),
            "difflab fresh dl.grad, Reverse(compiled=False)": lambda: dl.grad(loss, method=dl.Reverse(compiled=False))(
                params, X, Y
            ),
            "difflab cached dl.grad (replay)": lambda: cached(params, X, Y),
            "plain Python floats (f only)": lambda: loss(params, X, Y),
        }
        mg = micrograd_setup(params, X, Y)
        per = {}
        if mg is not None:
            model, step, count, count_ops = mg
            out = step()
            nodes, op_nodes = count(out), count_ops(out)
            assert abs(out.data - loss(params, X, Y)) < 1e-12
            # micrograd's gradient equals difflab's
            flat_mg = [p.grad for p in model.parameters()]
            flat_dl = [v for layer in g_ref for (w, b) in layer for v in (*w, b)]
            assert np.allclose(flat_mg, flat_dl, rtol=1e-10, atol=1e-12), "micrograd and difflab gradients differ"
            fns["micrograd (forward + backward)"] = step
        res = C.measure(fns, rounds=rounds, target=target, gc_off=False)  # the collector runs, as in real use
        prow, cells = paired(res, B, n_eqns, nodes if mg is not None else n_eqns)
        for key, fn in [
            ("trace", fns["difflab trace only (api.stage)"]),
            ("fresh", fns["difflab fresh dl.grad (trace + reverse)"]),
            ("cached", fns["difflab cached dl.grad (replay)"]),
        ]:
            prow[f"calls_per_equation_{key}"] = calls_per_equation(fn, n_eqns)
            cells.append(f"{prow[f'calls_per_equation_{key}']:.1f}")
        rows.append(prow)
        prows.append(cells)
        for name, t in res.items():
            if name.startswith("micrograd"):
                units = [("node", nodes), ("op node", op_nodes)]
            else:
                units = [("equation", n_eqns)]
            for unit, count_ in units:
                us = t.median / count_ * 1e6
                is_target = name == "difflab fresh dl.grad (trace + reverse)"
                row = {
                    "workload": "scalar",
                    "B": B,
                    "contender": name,
                    "unit": unit,
                    "count": count_,
                    "seconds": t.median,
                    "spread": t.spread,
                    "us_per_unit": us,
                    "target": TARGET_US if is_target else None,
                    "met": (us <= TARGET_US) if is_target else None,
                }
                rows.append(row)
                per[(name, unit)] = us
                trows.append(
                    [
                        B,
                        name,
                        f"{count_} {unit}s",
                        C.fmt_time(t.median),
                        f"±{100 * t.spread:.0f}%",
                        f"{us:.2f} µs",
                        f"≤ {TARGET_US} µs" if is_target else "",
                        ("met" if row["met"] else "MISSED") if is_target else "",
                    ]
                )
    md = "### scalar graphs from Python floats: µs per equation (difflab) / per node (micrograd)\n\n" + C.table(
        ["B", "contender", "graph size", "per call", "spread", "per unit", "target", ""], trows
    )
    if prows:
        md += (
            "\n\n### paired ratios (medians of per-round ratios, IQR) and Python calls per equation (cProfile)\n\n"
            + C.table(
                [
                    "B",
                    "cached ÷ fresh",
                    "fresh ÷ micrograd, per call (same net)",
                    "fresh per equation ÷ micrograd per node",
                    "calls / equation: trace",
                    "trace + reverse",
                    "cached",
                ],
                prows,
            )
        )
    C.emit(opts, "scalar", md, rows)


def calls_per_equation(fn, n_eqns: int) -> float:
    """Python function calls (cProfile's count, builtins included) of one call of `fn`, per equation."""
    import cProfile
    import pstats

    fn()
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    return pstats.Stats(prof).total_calls / n_eqns


def paired(res, B, n_eqns, nodes):
    """One row of paired ratios for batch size B (the contenders were timed interleaved)."""
    fresh, cached = res["difflab fresh dl.grad (trace + reverse)"], res["difflab cached dl.grad (replay)"]
    lo, hi = cached.ratio_spread(fresh)
    row = {
        "workload": "scalar-paired",
        "B": B,
        "cached_over_fresh": cached.ratio(fresh),
        "cached_over_fresh_iqr": (lo, hi),
    }
    cells = [B, f"{row['cached_over_fresh']:.2f} ({lo:.2f}–{hi:.2f})"]
    mg = res.get("micrograd (forward + backward)")
    if mg is not None:
        # the same net, inputs and gradient (asserted equal), both with the collector on: per call. Per
        # equation ÷ per node (the first wording) also divides by what each side counts: micrograd's
        # nodes include its leaves (37 weights and biases, the inputs, constants: 116 nodes at B=1, 68 with
        # arguments), difflab's equations do not (66), which alone makes that ratio 1.76× the per-call one
        lo, hi = fresh.ratio_spread(mg)
        row["fresh_over_micrograd_per_call"] = fresh.ratio(mg)
        row["fresh_over_micrograd_per_call_iqr"] = (lo, hi)
        cells.append(f"{fresh.ratio(mg):.2f} ({lo:.2f}–{hi:.2f})")
        k = nodes / n_eqns  # per equation ÷ per node = per call ratio × nodes / equations
        row["fresh_per_eqn_over_micrograd_per_node"] = fresh.ratio(mg) * k
        cells.append(f"{fresh.ratio(mg) * k:.2f} ({lo * k:.2f}–{hi * k:.2f})")
    else:
        cells += ["—", "—"]
    return row, cells


if __name__ == "__main__":
    main()
