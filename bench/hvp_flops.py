"""Deterministic work counts of bench/second_order.py's programs: per program, the NumPy calls (one per
equation of the lowered code), the matmuls and their FLOPs (2·m·k·n each), for difflab's prepared
gradient and prepared hvp (the guarded code a call runs), against the minimum for forward-over-reverse
and JAX's jvp-of-grad (XLA's own cost analysis of the jit-compiled program: its dot FLOPs).

    python bench/hvp_flops.py [--time]

The counts take no timing: they are the evidence that holds on a loaded machine (issue 17 §3). With
--time, paired and interleaved in one process (one core): difflab's hvp, its matmuls alone (the same
shapes and layouts, in NumPy: the floor of any NumPy program doing this work) and JAX's jvp-of-grad,
and the same matmuls under jit (XLA's dot), to show what share of the gap is the GEMM kernel.
"""

from __future__ import annotations

try:
    from . import _common as C
    from .second_order import SIZES, jax_contenders, jax_loss, problem
except ImportError:
    import _common as C
    from second_order import SIZES, jax_contenders, jax_loss, problem

import numpy as np

import difflab as dl

MATMULS = {"matmul", "strong_matmul"}


def counts(graph) -> dict:
    """NumPy calls, matmul calls and matmul FLOPs of a lowered program's graph (views counted as calls)."""
    flops, mm = 0, 0
    for e in graph.eqns:
        if e.op.name in MATMULS:
            a, b = (np.shape(x.value) if hasattr(x, "value") else x.shape for x in e.args)
            flops += 2 * int(np.prod(e.out.shape)) * a[-1]
            mm += 1
    return {"calls": len(graph.eqns), "matmuls": mm, "matmul_flops": flops}


def matmul_calls(graph, rng):
    """A thunk running the program's matmuls alone, on random operands of their shapes and layouts (an
    operand the program transposes is a transposed view here too), and the operand pairs."""
    made = {e.out: e for e in graph.eqns}
    pairs = []
    for e in graph.eqns:
        if e.op.name not in MATMULS:
            continue
        ops = []
        for x in e.args:
            shape = np.shape(x.value) if hasattr(x, "value") else x.shape
            if hasattr(x, "value"):  # a constant (the data): its own layout
                transposed = not np.asarray(x.value).flags.c_contiguous
            else:
                src = made.get(x)
                transposed = src is not None and src.op.name == "transpose"
            ops.append(rng.normal(size=shape[::-1]).T if transposed else rng.normal(size=shape))
        pairs.append(tuple(ops))
    return (lambda: [a @ b for a, b in pairs]), pairs


def jax_flops(sizes, params, X, Y, v):
    jax = C.peer("jax")
    if jax is None:
        return None
    loss = jax_loss(sizes, X, Y)
    out = {}
    for name, f, args in [
        ("gradient", jax.value_and_grad(loss), (params,)),
        ("hvp", lambda p, t: jax.jvp(jax.grad(loss), (p,), (t,)), (params, v)),
    ]:
        compiled = jax.jit(f).lower(*args).compile()
        ca = compiled.cost_analysis()
        ca = ca[0] if isinstance(ca, list) else ca
        hlo = compiled.as_text()
        out[name] = {"flops": int(ca.get("flops", 0)), "dots": hlo.count(" dot(")}
    return out


def timed(label, hv, params, v, graph, jax_hvp):
    """Paired medians: difflab hvp, its matmuls alone in NumPy, JAX's hvp, the matmuls under jit."""
    rng = np.random.default_rng(3)
    mm, pairs = matmul_calls(graph, rng)
    fns = {"difflab hvp": lambda: hv((params,), (v,)), "its matmuls, NumPy": mm}
    jax = C.peer("jax")
    if jax is not None:
        import jax.numpy as jnp

        jpairs = [(jnp.asarray(a), jnp.asarray(b)) for a, b in pairs]
        jmm = jax.jit(lambda ps: [a @ b for a, b in ps])
        fns["JAX jvp-of-grad (jit)"] = jax_hvp
        fns["the same matmuls, jit"] = lambda: jax.block_until_ready(jmm(jpairs))
    res = C.measure(fns, rounds=9, target=0.05, warmup=2)
    base = res["JAX jvp-of-grad (jit)"] if jax is not None else res["difflab hvp"]
    for k, t in res.items():
        print(
            f"{label}: {k:28s} {C.fmt_time(t.median):>10s}  ÷ JAX hvp {t.ratio(base):.2f} "
            f"(IQR {t.ratio_spread(base)[0]:.2f}–{t.ratio_spread(base)[1]:.2f})"
        )


def main():
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time", action="store_true", help="also time the hvp, its matmuls and JAX's, paired")
    opts = ap.parse_args()
    for sizes, batch in SIZES:
        params, X, Y, v, loss = problem(sizes, batch)
        prep = dl.prepare(loss, params)
        for _ in range(2):
            prep.value_and_grad(params)
        hv = dl.prepare_hvp(loss, params)
        for _ in range(2):
            hv((params,), (v,))
        g = counts(prep.staged.hot.fn.graph)
        h = counts(hv._hot.fn.graph)
        # forward-over-reverse's minimum: the gradient's matmuls, plus each one's tangent (two matmuls
        # where both factors depend on the parameters, one where a factor is the data X)
        d0 = sizes[0]
        data = 2 * 2 * batch * d0 * sizes[1]  # X @ W0 and X.T @ G0: their tangents are one matmul each
        minimum = g["matmul_flops"] + 2 * (g["matmul_flops"] - data) + data
        label = f"{'-'.join(map(str, sizes))} b{batch}"
        print(f"{label}: difflab gradient {g}")
        print(
            f"{label}: difflab hvp      {h}  (minimum matmul FLOPs {minimum}, hvp ÷ minimum "
            f"{h['matmul_flops'] / minimum:.3f}; hvp ÷ gradient {h['matmul_flops'] / g['matmul_flops']:.2f})"
        )
        jx = jax_flops(sizes, params, X, Y, v)
        if jx is not None:
            print(f"{label}: JAX (XLA cost analysis) {jx}")
        if opts.time:
            jx = jax_contenders(sizes, params, X, Y, v)
            timed(label, hv, params, v, hv._hot.fn.graph, None if jx is None else jx[1])


if __name__ == "__main__":
    main()
