"""MLP loss + gradient, float64: difflab reverse (prepared, unprepared, re-traced) against hand-written
NumPy (the baseline), HIPS autograd, PyTorch eager and JAX jit; plus peak memory at 784-256-256-10.

    python bench/mlp.py [--quick]

Every contender computes the same loss (tanh MLP, mean softmax cross-entropy) and its gradient with
respect to all weights and biases, from the same float64 data; ratios are to hand NumPy, measured
interleaved in one process.
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

SIZES = [((2, 16, 16, 2), 64), ((64, 128, 128, 10), 256), ((784, 256, 256, 10), 128)]
TARGETS = {(2, 16, 16, 2): 1.3, (64, 128, 128, 10): 1.0, (784, 256, 256, 10): 1.0}


# -- the peers: the same loss, each in its own library ----------------------------------------------


def peer_loss(xnp, stop_gradient, n_layers):
    """The benchmark's loss written once for a NumPy-like peer library (autograd.numpy, jax.numpy):
    tanh hidden layers, mean softmax cross-entropy with the row max shifted out (no derivative)."""

    def loss(p, X, Y):
        h = X
        for l in range(n_layers - 1):
            h = xnp.tanh(h @ p[f"W{l}"] + p[f"b{l}"])
        z = h @ p[f"W{n_layers - 1}"] + p[f"b{n_layers - 1}"]
        z = z - stop_gradient(z).max(axis=1, keepdims=True)
        logp = z - xnp.log(xnp.sum(xnp.exp(z), axis=1, keepdims=True))
        return -xnp.sum(Y * logp) / X.shape[0]

    return loss


def autograd_step(params, X, Y):
    ag = C.peer("autograd")
    if ag is None:
        return None
    vg = ag.value_and_grad(peer_loss(ag.numpy, ag.tracer.getval, len(params) // 2))
    return lambda: vg(params, X, Y), lambda: vg(params, X, Y)


def torch_step(params, X, Y):
    torch = C.peer("torch")
    if torch is None:
        return None
    L = len(params) // 2
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)
    leaves = list(tp.values())

    def step():
        h = tX
        for l in range(L - 1):
            h = torch.tanh(torch.addmm(tp[f"b{l}"], h, tp[f"W{l}"]))
        z = torch.addmm(tp[f"b{L - 1}"], h, tp[f"W{L - 1}"])
        loss = -(tY * torch.log_softmax(z, dim=1)).sum() / X.shape[0]
        grads = torch.autograd.grad(loss, leaves)
        return loss.item(), [g.numpy() for g in grads]

    return step, None


def jax_step(params, X, Y):
    jax = C.peer("jax")
    if jax is None:
        return None
    jnp = jax.numpy
    vg = jax.jit(jax.value_and_grad(peer_loss(jnp, jax.lax.stop_gradient, len(params) // 2)))
    jp = jax.device_put({k: jnp.asarray(v) for k, v in params.items()})
    jX, jY = jax.device_put(jnp.asarray(X)), jax.device_put(jnp.asarray(Y))
    assert jX.dtype == np.float64

    def step():
        v, g = vg(jp, jX, jY)
        return jax.block_until_ready((v, g))

    return step, None


def check_peer(name, step, params, X, Y, tol=1e-10):
    """Every peer must agree with hand NumPy before it is timed."""
    out = step()
    v_h, g_h = hand.loss_and_grad(params, X, Y)
    v, g = out
    if isinstance(g, dict):
        g = [g[k] for k in params]
    else:
        g = list(g.values()) if isinstance(g, dict) else list(g)
    g = [np.asarray(x) for x in g]
    err = max(np.abs(a - g_h[k]).max() for a, k in zip(g, params))
    scale = max(np.abs(x).max() for x in g_h.values())
    assert abs(float(v) - v_h) < tol and err <= tol * scale, f"{name} disagrees: value {v} vs {v_h}, grad err {err}"


def contenders(sizes, batch, with_retrace=True):
    hand.check(sizes, batch)  # hand NumPy == difflab reverse to 1e-12 before anything is timed
    params, X, Y = hand.problem(sizes, batch)
    f = MLP(list(sizes), activation="tanh").loss("cross_entropy")
    prepared = dl.prepare(f, params, X, Y, method="reverse")
    cached = dl.value_and_grad(f)
    fns = {
        "hand NumPy": lambda: hand.loss_and_grad(params, X, Y),
        "difflab reverse, prepared": lambda: prepared.value_and_grad(params, X, Y),
        "difflab reverse, value_and_grad (cached trace)": lambda: cached(params, X, Y),
    }
    if with_retrace:
        fns["difflab reverse, re-traced every call"] = lambda: dl.value_and_grad(f)(params, X, Y)
        fns["difflab Reverse(compiled=False), re-traced"] = lambda: dl.value_and_grad(
            f, method=dl.Reverse(compiled=False)
        )(params, X, Y)
    for name, make in [("autograd", autograd_step), ("PyTorch eager", torch_step), ("JAX jit", jax_step)]:
        got = make(params, X, Y)
        if got is not None:
            check_peer(name, got[0], params, X, Y)
            fns[name] = got[0]
    return fns, (params, X, Y, prepared)


def main():
    opts = C.args(__doc__.splitlines()[0])
    rounds, target = (3, 0.005) if opts.quick else (31, 0.03)
    sizes_list = SIZES[:1] if opts.quick else SIZES
    md, rows, notes = [], [], []
    for sizes, batch in sizes_list:
        label = f"{'-'.join(map(str, sizes))} b{batch}"
        fns, (params, X, Y, prepared) = contenders(sizes, batch, with_retrace=sizes == (2, 16, 16, 2))
        res = C.measure(fns, rounds=rounds, target=target)
        base = res["hand NumPy"]
        table_rows = []
        for name, t in res.items():
            r = t.ratio(base)
            lo, hi = t.ratio_spread(base)
            target_r = TARGETS[sizes] if name == "difflab reverse, prepared" else None
            row = {
                "workload": "mlp",
                "size": label,
                "contender": name,
                "seconds": t.median,
                "ratio": r,
                "ratio_iqr": [lo, hi],
                "spread": t.spread,
                "target": target_r,
                "met": None if target_r is None else r <= target_r,
            }
            rows.append(row)
            table_rows.append(
                [
                    name,
                    C.fmt_time(t.median),
                    f"±{100 * t.spread:.0f}%",
                    f"{r:.2f}×",
                    f"{lo:.2f}–{hi:.2f}",
                    "" if target_r is None else f"≤ {target_r}×",
                    "" if target_r is None else ("met" if row["met"] else "MISSED"),
                ]
            )
        if "autograd" in res and "difflab reverse, re-traced every call" in res:
            for name in ("difflab reverse, re-traced every call", "difflab Reverse(compiled=False), re-traced"):
                r = res[name].ratio(res["autograd"])
                rows.append(
                    {
                        "workload": "mlp-unprepared",
                        "size": label,
                        "contender": name + " / autograd",
                        "ratio": r,
                        "target": 0.5,
                        "met": r <= 0.5,
                    }
                )
                notes.append(f"{label}: {name} = {r:.2f}× autograd (target ≤ 0.5×: {'met' if r <= 0.5 else 'MISSED'})")
        md.append(
            f"### {label}: loss + gradient (ratio to hand NumPy; IQR of the paired per-round ratios)\n\n"
            + C.table(["contender", "median", "spread", "ratio", "ratio IQR", "target", ""], table_rows)
        )
    # peak memory at the largest size: the prepared tape against hand NumPy
    sizes, batch = SIZES[-1] if not opts.quick else SIZES[0]
    params, X, Y = hand.problem(sizes, batch)
    f = MLP(list(sizes), activation="tanh").loss("cross_entropy")
    prepared = dl.prepare(f, params, X, Y, method="reverse")
    m_hand = C.peak_memory(lambda: hand.loss_and_grad(params, X, Y))
    m_dl = C.peak_memory(lambda: prepared.value_and_grad(params, X, Y))
    label = f"{'-'.join(map(str, sizes))} b{batch}"
    r = m_dl / m_hand
    rows.append(
        {
            "workload": "mlp-memory",
            "size": label,
            "contender": "difflab reverse, prepared",
            "bytes": m_dl,
            "hand_bytes": m_hand,
            "ratio": r,
            "target": 1.3,
            "met": r <= 1.3,
        }
    )
    md.append(
        f"### peak memory of one loss + gradient call, {label} (tracemalloc)\n\n"
        + C.table(
            ["contender", "peak", "ratio", "target", ""],
            [
                ["hand NumPy", f"{m_hand / 2**20:.2f} MiB", "1.00×", "", ""],
                [
                    "difflab reverse, prepared",
                    f"{m_dl / 2**20:.2f} MiB",
                    f"{r:.2f}×",
                    "≤ 1.3×",
                    "met" if r <= 1.3 else "MISSED",
                ],
            ],
        )
    )
    C.emit(opts, "mlp", "\n\n".join(md), rows, notes)


if __name__ == "__main__":
    main()
