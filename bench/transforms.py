"""Transformations (issue 14): checkpointing's peak memory and time against depth, and the cost of a
Hessian-vector product against a gradient at n = 10^4.

    python bench/transforms.py            # ~1 min
    python bench/transforms.py --quick    # a smoke run
"""

from __future__ import annotations

import _common  # noqa: F401  (first: pins BLAS threads)
from _common import args, emit, measure, peak_memory, table

import math

import numpy as np

import difflab as dl
import difflab.numpy as dnp


def chain_layers(depth):
    return [lambda x: dnp.tanh(x) * 0.9 + 0.1] * depth


def work(graph) -> int:
    """Elements the graph's equations produce, a checkpoint equation counted as its sub-graph's
    (what a call costs in NumPy work, whatever the machine's load)."""
    total = 0
    for e in graph.eqns:
        sub = dict(e.params).get("sub")
        total += work(sub.graph) if sub is not None else int(np.prod(e.out.shape))
    return total


def sweep_work(f, x) -> tuple:
    """(work of f's forward graph, work of its compiled reverse gradient sweep)."""
    from difflab import api
    from difflab.differentiators.reverse import Reverse

    st = api.stage(f, (x,), 0)
    return work(st.graph), work(Reverse().prepare(st.graph, st.wrt)._trace_sweep([x], seeded=True))


def checkpoint_rows(depths, width, quick):
    rows, data = [], []
    x = np.linspace(-1.0, 1.0, width)
    for depth in depths:
        layers = chain_layers(depth)

        def plain(x, layers=layers):
            for layer in layers:
                x = layer(x)
            return dnp.sum(x)

        segments = max(1, round(math.sqrt(depth)))
        chain = dl.checkpoint_sequential(layers, segments)
        ck = lambda x, chain=chain: dnp.sum(chain(x))  # noqa: E731
        fwd = dl.prepare(plain, x)
        g_plain, g_ck = dl.grad(plain), dl.grad(ck)
        assert np.allclose(g_plain(x), g_ck(x))
        mem_plain, mem_ck = peak_memory(lambda: g_plain(x)), peak_memory(lambda: g_ck(x))
        t = measure(
            {"plain": lambda: g_plain(x), "ck": lambda: g_ck(x), "fwd": lambda: fwd(x)}, rounds=5 if quick else 15
        )
        (w_fwd, w_plain), (_, w_ck) = sweep_work(plain, x), sweep_work(ck, x)
        r = dict(
            depth=depth,
            segments=segments,
            mem_plain=mem_plain,
            mem_ck=mem_ck,
            t_plain=t["plain"].median,
            t_ck=t["ck"].median,
            t_fwd=t["fwd"].median,
            extra_work=(w_ck - w_plain) / w_fwd,
        )
        data.append(r)
        rows.append(
            [
                depth,
                segments,
                f"{mem_plain / 2**20:.2f}",
                f"{mem_ck / 2**20:.2f}",
                f"{mem_plain / mem_ck:.1f}×",
                f"{r['t_plain'] * 1e3:.2f}",
                f"{r['t_ck'] * 1e3:.2f}",
                f"{(r['t_ck'] - r['t_plain']) / r['t_fwd']:.2f}",
                f"{r['extra_work']:.3f}",
            ]
        )
    return rows, data


def hvp_rows(n, quick):
    c = np.linspace(0.1, 1.0, n)

    def f(x):  # a sum over a chain: Hessian tridiagonal, dense-free
        return dnp.sum(dnp.tanh(x[1:] * x[:-1] + c[1:])) + 0.5 * dnp.sum(x * x)

    x, v = np.linspace(-1.0, 1.0, n), np.cos(np.arange(n))
    g = dl.grad(f)
    hv = {m: dl.prepare_hvp(f, x, method=m) for m in ("reverse", "reverse-over-reverse", "numeric")}
    # agreement: reverse-over-reverse against the default, numeric against both
    ref = hv["reverse"]((x,), (v,))[1]
    assert np.allclose(hv["reverse-over-reverse"]((x,), (v,))[1], ref, rtol=1e-12)
    assert np.allclose(hv["numeric"]((x,), (v,))[1], ref, rtol=1e-5, atol=1e-7)
    fns = {"grad": lambda: g(x)} | {m: (lambda p=p: p((x,), (v,))) for m, p in hv.items()}
    t = measure(fns, rounds=5 if quick else 15)
    rows = [[name, f"{t[name].median * 1e3:.2f}", f"{t[name].median / t['grad'].median:.2f}"] for name in fns]
    return rows, {k: t[k].median for k in fns}


def main():
    opts = args(__doc__)
    depths = [4, 16, 64] if opts.quick else [4, 16, 64, 256]
    width = 20_000
    ck_rows, ck_data = checkpoint_rows(depths, width, opts.quick)
    n = 10_000
    h_rows, h_data = hvp_rows(n, opts.quick)
    md = "\n\n".join(
        [
            f"### checkpoint_sequential: peak memory of one reverse gradient vs depth (width {width}, layer "
            "tanh(x)·0.9 + 0.1, √depth segments; tracemalloc)",
            table(
                [
                    "depth",
                    "segments",
                    "plain MiB",
                    "checkpointed MiB",
                    "saving",
                    "plain ms",
                    "checkpointed ms",
                    "extra time / one forward",
                    "extra work / one forward",
                ],
                ck_rows,
            ),
            f"### hvp at n = {n} (f = Σ tanh(x_i x_(i+1) + c_i) + ½Σx², prepared) against one reverse gradient",
            table(["product", "ms per call", "÷ gradient"], h_rows),
        ]
    )
    emit(opts, "transforms", md, {"checkpoint": ck_data, "hvp": h_data})


if __name__ == "__main__":
    main()
