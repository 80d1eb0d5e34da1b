"""Symbolic Hessians at matrix level: difflab's symbolic method (einsum terms over the graph's
arrays, differentiators/tensor.py) against JAX's `jax.hessian` (jit), one core, at n = 1000.

    python bench/matrix_hessian.py [--quick]

Workloads: a quadratic form f(x) = xᵀ A x (A dense n × n, passed as an argument; H = A + Aᵀ) and
logistic regression f(w) = mean(log(1 + exp(X w)) − y ⊙ X w) with X (N × n), N = 1000
(H = Xᵀ diag(σ'(Xw)) X / N). Contenders, timed interleaved in one process (bench/_common.measure):
`dl.hessian(f, method="symbolic")` (prepared at its first call, then per call), `jax.jit(jax.hessian(f))`,
difflab's default Hessian (forward over reverse), and hand NumPy (the closed form). All Hessians
are checked against the closed form (max abs difference ≤ 1e-10 × max |H|).
Target (issue 17 §2): symbolic ÷ jax.hessian (jit) < 1.0 (faster).
"""

from __future__ import annotations

try:
    from . import _common as C
except ImportError:
    import _common as C

import time

import numpy as np

import difflab as dl
import difflab.numpy as dnp

TARGET = 1.0


def quadratic(x, A):
    return x @ A @ x


def logistic(w, X, y):
    z = X @ w
    return dnp.mean(dnp.log(1.0 + dnp.exp(z)) - y * z)


def problems(n, seed=0):
    rng = np.random.default_rng(seed)
    x, A = rng.normal(size=n), rng.normal(size=(n, n))
    w, X, y = 0.1 * rng.normal(size=n) / np.sqrt(n), rng.normal(size=(n, n)), rng.integers(0, 2, n).astype(float)

    def hand_quadratic():
        return A + A.T

    def hand_logistic():
        s = 1.0 / (1.0 + np.exp(-(X @ w)))
        return (X.T * (s * (1.0 - s))) @ X / len(X)

    return {"xᵀAx": (quadratic, (x, A), hand_quadratic), "logistic regression": (logistic, (w, X, y), hand_logistic)}


def jax_hessian(name, args):
    jax = C.peer("jax")
    if jax is None:
        return None
    import jax.numpy as jnp

    if name == "xᵀAx":
        f = lambda x, A: x @ A @ x  # noqa: E731
    else:
        f = lambda w, X, y: jnp.mean(jnp.log(1.0 + jnp.exp(X @ w)) - y * (X @ w))  # noqa: E731
    h = jax.jit(jax.hessian(f))
    ja = [jnp.asarray(a) for a in args]
    return lambda: jax.block_until_ready(h(*ja))


def main():
    opts = C.args(__doc__.splitlines()[0])
    rounds, target = (3, 0.05) if opts.quick else (15, 0.2)
    n = 300 if opts.quick else 1000
    rows, trows = [], []
    for name, (f, args, hand) in problems(n).items():
        H_hand = hand()
        sym = dl.hessian(f, method="symbolic")
        t0 = time.perf_counter()
        H_sym = sym(*args)
        first = time.perf_counter() - t0
        fwd_rev = dl.hessian(f)
        errors = {
            "symbolic": np.abs(H_sym - H_hand).max(),
            "forward over reverse": np.abs(fwd_rev(*args) - H_hand).max(),
        }
        fns = {
            "hand NumPy (closed form)": hand,
            "symbolic (matrix level)": lambda: sym(*args),
            "forward over reverse": lambda: fwd_rev(*args),
        }
        jh = jax_hessian(name, args)
        if jh is not None:
            errors["jax"] = float(np.abs(np.asarray(jh()) - H_hand).max())
            fns["jax.hessian (jit)"] = jh
        scale = np.abs(H_hand).max()
        assert all(e <= 1e-10 * scale for e in errors.values()), errors
        res = C.measure(fns, rounds=rounds, target=target)
        base = "jax.hessian (jit)" if jh is not None else "forward over reverse"
        r = res["symbolic (matrix level)"].ratio(res[base])
        lo, hi = res["symbolic (matrix level)"].ratio_spread(res[base])
        for k, t in res.items():
            rows.append(
                {
                    "workload": "matrix_hessian",
                    "problem": name,
                    "n": n,
                    "contender": k,
                    "seconds": t.median,
                    "ratio_vs": base,
                    "ratio": t.ratio(res[base]),
                    "ratio_iqr": list(t.ratio_spread(res[base])),
                    "target": TARGET if k.startswith("symbolic") else None,
                    "met": (r < TARGET) if k.startswith("symbolic") else None,
                    "first_call_seconds": first if k.startswith("symbolic") else None,
                    "max_abs_error": errors.get(k.split(" (")[0] if not k.startswith("jax") else "jax"),
                }
            )
        trows.append(
            [name, str(n), C.fmt_time(first), C.fmt_time(res["symbolic (matrix level)"].median)]
            + [
                C.fmt_time(res[k].median) if k in res else "—"
                for k in ("jax.hessian (jit)", "forward over reverse", "hand NumPy (closed form)")
            ]
            + [f"{r:.2f}× ({lo:.2f}–{hi:.2f})", f"< {TARGET}× {base}", "met" if r < TARGET else "MISSED"]
        )
    md = "### symbolic Hessian at matrix level vs jax.hessian (jit), one core\n\n" + C.table(
        [
            "problem",
            "n",
            "symbolic first call (prepare)",
            "symbolic per call",
            "jax.hessian (jit)",
            "forward over reverse",
            "hand NumPy",
            "symbolic ÷ " + ("jax" if rows and rows[0]["ratio_vs"].startswith("jax") else "fwd-over-rev") + " (IQR)",
            "target",
            "",
        ],
        trows,
    )
    C.emit(opts, "matrix_hessian", md, rows)


if __name__ == "__main__":
    main()
