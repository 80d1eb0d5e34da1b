"""Second order: Hessian-vector products of an MLP loss at n = 10⁴ and 10⁵ parameters, against
the gradient's own time and against JAX's jvp-of-grad (jit), one core.

    python bench/second_order.py [--quick]

Loss: a tanh MLP with mean softmax cross-entropy (the model of bench/hand_numpy.py), batch 128,
differentiated with respect to its parameters (a dict of arrays; X and Y are closed over).
difflab: `dl.prepare_hvp(loss, params)` (forward-over-reverse, prepared once) and the gradient
`dl.prepare(loss, params).value_and_grad` (prepared reverse). JAX: the same loss in jax.numpy,
`jit(value_and_grad)` and `jit(lambda p, v: jvp(grad(loss), (p,), (v,)))`. All four are timed
interleaved in one process; the results are checked against each other (Hv to 1e-8).
Targets (issue 17 §3): difflab hvp ≤ 4× difflab's gradient, and ≤ 1.5× JAX's jvp-of-grad.
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
from difflab.nn import MLP

SIZES = [((64, 128, 10), 128), ((784, 128, 10), 128)]  # n = 9 610 and 101 770 parameters
HVP_VS_GRAD, HVP_VS_JAX = 4.0, 1.5


def problem(sizes, batch):
    """bench/mlp.py's problem at these sizes, a fixed direction v (seed 7) and the loss of the parameters alone."""
    params, X, Y = hand.problem(sizes, batch)
    rng = np.random.default_rng(7)
    v = {k: rng.normal(size=a.shape) for k, a in params.items()}
    model_loss = MLP(list(sizes), activation="tanh").loss("cross_entropy")

    def loss(p):
        return model_loss(p, X, Y)

    return params, X, Y, v, loss


def jax_loss(sizes, X, Y):
    """bench/mlp.py's loss (tanh MLP, softmax cross-entropy with the max shift) written in JAX; needs the jax peer."""
    import jax
    import jax.numpy as jnp

    L = len(sizes) - 1
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def loss(p):
        h = Xj
        for l in range(L - 1):
            h = jnp.tanh(h @ p[f"W{l}"] + p[f"b{l}"])
        z = h @ p[f"W{L - 1}"] + p[f"b{L - 1}"]
        z = z - jax.lax.stop_gradient(z.max(axis=1, keepdims=True))
        return -jnp.vdot(Yj, z - jnp.log(jnp.exp(z).sum(axis=1, keepdims=True))) / Xj.shape[0]

    return loss


def jax_contenders(sizes, params, X, Y, v):
    jax = C.peer("jax")
    if jax is None:
        return None
    import jax.numpy as jnp

    loss = jax_loss(sizes, X, Y)
    vg = jax.jit(jax.value_and_grad(loss))
    hvp = jax.jit(lambda p, t: jax.jvp(jax.grad(loss), (p,), (t,)))
    pj = {k: jnp.asarray(a) for k, a in params.items()}
    vj = {k: jnp.asarray(a) for k, a in v.items()}
    return (lambda: jax.block_until_ready(vg(pj))), (lambda: jax.block_until_ready(hvp(pj, vj))), hvp(pj, vj)


def main():
    opts = C.args(__doc__.splitlines()[0])
    rounds, target = (3, 0.01) if opts.quick else (15, 0.05)
    rows, trows = [], []
    for sizes, batch in SIZES[:1] if opts.quick else SIZES:
        params, X, Y, v, loss = problem(sizes, batch)
        n = sum(a.size for a in params.values())
        prep = dl.prepare(loss, params)
        hv = dl.prepare_hvp(loss, params)
        g_dl = prep.value_and_grad(params)[1]
        g_hvp, Hv = hv((params,), (v,))
        g_hand = hand.loss_and_grad(params, X, Y)[1]
        scale = max(np.abs(g).max() for g in g_hand.values())
        assert max(np.abs(g_dl[k] - g_hand[k]).max() for k in g_hand) <= 1e-10 * scale
        assert max(np.abs(g_hvp[k] - g_hand[k]).max() for k in g_hand) <= 1e-10 * scale
        fns = {
            "difflab gradient (prepared reverse)": lambda: prep.value_and_grad(params),
            "difflab hvp (prepared, forward-over-reverse)": lambda: hv((params,), (v,)),
        }
        jx = jax_contenders(sizes, params, X, Y, v)
        if jx is not None:
            fns["JAX value_and_grad (jit)"], fns["JAX jvp-of-grad (jit)"], (_, Hv_j) = jx
            hscale = max(float(np.abs(np.asarray(a)).max()) for a in Hv_j.values())
            err = max(float(np.abs(Hv[k] - np.asarray(Hv_j[k])).max()) for k in Hv) / hscale
            assert err <= 1e-8, f"difflab and JAX Hessian-vector products differ by {err:.2e}"
        res = C.measure(fns, rounds=rounds, target=target, warmup=2)
        t_hvp, t_g = res["difflab hvp (prepared, forward-over-reverse)"], res["difflab gradient (prepared reverse)"]
        r_grad = t_hvp.ratio(t_g)
        label = f"{'-'.join(map(str, sizes))} b{batch} (n = {n})"
        row = {
            "workload": "hvp",
            "size": label,
            "n": n,
            "hvp_vs_grad": r_grad,
            "hvp_vs_grad_iqr": t_hvp.ratio_spread(t_g),
            "target_vs_grad": HVP_VS_GRAD,
            "seconds": {k: t.median for k, t in res.items()},
        }
        cells = [label, C.fmt_time(t_g.median), C.fmt_time(t_hvp.median), f"{r_grad:.2f}×"]
        if jx is not None:
            t_j, t_jg = res["JAX jvp-of-grad (jit)"], res["JAX value_and_grad (jit)"]
            row["hvp_vs_jax"] = t_hvp.ratio(t_j)
            row["hvp_vs_jax_iqr"] = t_hvp.ratio_spread(t_j)
            row["jax_hvp_vs_grad"] = t_j.ratio(t_jg)
            row["grad_vs_jax"] = t_g.ratio(t_jg)
            cells += [
                C.fmt_time(t_jg.median),
                C.fmt_time(t_j.median),
                f"{row['jax_hvp_vs_grad']:.2f}×",
                f"{row['hvp_vs_jax']:.2f}×",
                f"{row['grad_vs_jax']:.2f}×",
            ]
        else:
            cells += ["—"] * 5
        rows.append(row)
        trows.append(cells)
        print(f"{label} done", flush=True)
    md = (
        "### Hessian-vector product of an MLP loss (forward-over-reverse) vs its gradient and vs JAX (jit), "
        f"one core (targets: hvp ≤ {HVP_VS_GRAD:.0f}× gradient, ≤ {HVP_VS_JAX}× JAX)\n\n"
        + C.table(
            [
                "MLP (parameters)",
                "dl gradient",
                "dl hvp",
                "dl hvp ÷ dl gradient",
                "JAX gradient",
                "JAX hvp",
                "JAX hvp ÷ JAX gradient",
                "dl hvp ÷ JAX hvp",
                "dl gradient ÷ JAX gradient",
            ],
            trows,
        )
    )
    C.emit(opts, "second_order", md, rows)


if __name__ == "__main__":
    main()
