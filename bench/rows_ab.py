"""Before/after for three run_all rows on a shared machine: processes of two or more checkouts alternated,
each row's ratio paired per round inside one process.

    python bench/rows_ab.py ROW --against PATH [--against PATH2 ...] [--rounds 3]

ROW is one of
  chunk64     forward chunk=64 full gradient (1 × n Jacobian), n = 1024 ÷ jax.jacfwd (jit): bench/scaling.py's f
  forward     bench/scaling.py's forward rows at n = 1024: chunk=64 and chunk=auto vs n × dl.jvp, vs n × prepared
              jvp and ÷ jax.jacfwd (jit), the five interleaved, and each one's µs per direction
  richardson  numdifftools' default Gradient ÷ difflab's prepared Richardson gradient, worst and median cell
              over bench/numeric.py's functions at n = 4 and 16 (as bench/richardson_ab.py)
  hvp         prepared hvp ÷ JAX jvp-of-grad (jit) and ÷ difflab's prepared gradient, MLP 64-128-10 b128
              (bench/second_order.py's first size)
  symbolic    prepared symbolic value_and_grad ÷ hand NumPy, every bench/symbolic.py row (declared and
              undeclared losses)
  mlpprep     prepared reverse value_and_grad ÷ hand NumPy, bench/mlp.py's first two sizes (its prepared row)
Each PATH is a directory holding another checkout's `difflab/` (a worktree, or `git archive C difflab | tar -x
-C DIR`); this checkout is the last tree. The problems and peers come from this file's bench/ scripts, so
every tree is timed on the same workload; only `difflab` differs (PYTHONPATH). Per process: the median
(IQR) of the per-round paired ratios (bench/_common.measure) and difflab's median per-call time. The trees'
processes run A, B, B, A, ...
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def _chunk64(rounds):
    import _common as C
    import numpy as np
    from scaling import jax_jacfwd, make_f

    import difflab as dl

    n = 1024
    f, exact = make_f(n)
    x = np.random.default_rng(1).normal(size=n)
    p = dl.prepare(f, x, method=dl.Forward(chunk=64))
    g = p.grad(x)
    assert np.abs(g - exact(x)).max() <= 1e-12 * np.abs(exact(x)).max()
    jfwd = jax_jacfwd(n, x, exact(x))
    res = C.measure({"dl": lambda: p.grad(x), "jax": jfwd}, rounds=rounds, target=0.03, warmup=2)
    return {
        "ratio": res["dl"].ratio(res["jax"]),
        "iqr": res["dl"].ratio_spread(res["jax"]),
        "dl_us": res["dl"].median * 1e6,
        "peer_us": res["jax"].median * 1e6,
    }


def _forward(rounds):
    """bench/scaling.py's forward rows at n = 1024: chunk=64 and chunk=auto against n public dl.jvp calls, n
    prepared JVPs and jax.jacfwd (jit), all interleaved in one process; per-direction times (a call ÷ n)."""
    import _common as C
    import numpy as np
    from scaling import jax_jacfwd, make_f

    import difflab as dl

    n = 1024
    f, exact = make_f(n)
    x = np.random.default_rng(1).normal(size=n)
    eye = np.eye(n)
    fns = {}
    for chunk in (64, "auto"):
        p = dl.prepare(f, x, method=dl.Forward(chunk=chunk))
        assert np.abs(p.grad(x) - exact(x)).max() <= 1e-12 * np.abs(exact(x)).max()
        fns[f"chunk={chunk}"] = lambda p=p: p.grad(x)
    fns["n × dl.jvp"] = lambda: [dl.jvp(f, (x,), (eye[i],)) for i in range(n)]
    pf = dl.prepare(f, x, method="forward")  # (as bench/scaling.py's row)
    args = pf.staged.inputs((x,))
    fns["n × prepared jvp"] = lambda: [pf.prepared.jvp(args, eye[i]) for i in range(n)]
    fns["jax"] = jax_jacfwd(n, x, exact(x))
    res = C.measure(fns, rounds=rounds, target=0.03, warmup=1)
    out = {"us_per_direction": {k: t.median * 1e6 / n for k, t in res.items()}}
    for k in ("chunk=64", "chunk=auto"):
        for sep in ("n × dl.jvp", "n × prepared jvp"):
            out[f"{sep} ÷ {k}"] = (res[sep].ratio(res[k]), *res[sep].ratio_spread(res[k]))
        out[f"{k} ÷ jax"] = (res[k].ratio(res["jax"]), *res[k].ratio_spread(res["jax"]))
    return out


def _richardson(rounds):
    import _common as C
    import numpy as np
    from numeric import functions

    import difflab as dl
    import difflab.numpy as dnp

    nd = C.peer("numdifftools")
    cells = {}
    for n in (4, 16):
        x = np.random.default_rng(3).uniform(-1.0, 1.0, n)
        for name, (fx, _) in functions().items():
            p = dl.prepare(lambda z, fx=fx: fx(dnp, z), x, method=dl.Numeric(scheme="richardson"))
            ndg = nd.Gradient(lambda z, fx=fx: fx(np, z))
            res = C.measure({"dl": lambda: p.grad(x), "nd": lambda: ndg(x)}, rounds=rounds, target=0.02)
            cells[f"{name[:12]} n={n}"] = (res["nd"].ratio(res["dl"]), res["dl"].median * 1e6)
    ratios = [r for r, _ in cells.values()]
    return {"worst": min(ratios), "median": float(np.median(ratios)), "cells": cells}


def _hvp(rounds):
    import _common as C
    import hand_numpy as hand
    import numpy as np
    from second_order import jax_contenders

    import difflab as dl
    from difflab.nn import MLP

    sizes, batch = (64, 128, 10), 128
    params, X, Y = hand.problem(sizes, batch)
    v = {k: np.random.default_rng(7).normal(size=a.shape) for k, a in params.items()}
    model_loss = MLP(list(sizes), activation="tanh").loss("cross_entropy")

    def loss(p):
        return model_loss(p, X, Y)

    prep = dl.prepare(loss, params)
    hv = dl.prepare_hvp(loss, params)
    _, jhvp, _ = jax_contenders(sizes, params, X, Y, v)
    fns = {"grad": lambda: prep.value_and_grad(params), "hvp": lambda: hv((params,), (v,)), "jax": jhvp}
    res = C.measure(fns, rounds=rounds, target=0.05, warmup=2)
    return {
        "ratio": res["hvp"].ratio(res["jax"]),
        "iqr": res["hvp"].ratio_spread(res["jax"]),
        "vs_grad": res["hvp"].ratio(res["grad"]),
        "dl_us": res["hvp"].median * 1e6,
        "peer_us": res["jax"].median * 1e6,
    }


def _vs_hand(cases, method, rounds):
    """{"cells": {label: (prepared ÷ hand, IQR low, high, µs)}} for (sizes, batch, loss) cases."""
    import _common as C
    import hand_numpy as hand
    import numpy as np

    import difflab as dl

    cells = {}
    for label, sizes, batch, f in cases:
        params, X, Y = hand.problem(sizes, batch)
        p = dl.prepare(f, params, X, Y, method=method)
        _, g = p.value_and_grad(params, X, Y)
        _, g_h = hand.loss_and_grad(params, X, Y)
        assert max(np.abs(g[k] - g_h[k]).max() for k in g_h) <= 1e-12 * max(np.abs(a).max() for a in g_h.values())
        res = C.measure(
            {"dl": lambda: p.value_and_grad(params, X, Y), "hand": lambda: hand.loss_and_grad(params, X, Y)},
            rounds=rounds,
            target=0.02,
        )
        cells[label] = (res["dl"].ratio(res["hand"]), *res["dl"].ratio_spread(res["hand"]), res["dl"].median * 1e6)
    return {"cells": cells}


def _symbolic(rounds):
    from symbolic import SIZES, UNDECLARED, user_loss

    from difflab.nn import MLP

    cases = [
        (f"{'-'.join(map(str, s))} b{b}", s, b, MLP(list(s), activation="tanh").loss("cross_entropy")) for s, b in SIZES
    ]
    cases += [(f"{'-'.join(map(str, s))} b{b} undeclared", s, b, user_loss) for s, b in UNDECLARED]
    return _vs_hand(cases, "symbolic", rounds)


def _mlpprep(rounds):
    from mlp import SIZES

    from difflab.nn import MLP

    cases = [
        (f"{'-'.join(map(str, s))} b{b}", s, b, MLP(list(s), activation="tanh").loss("cross_entropy"))
        for s, b in SIZES[:2]
    ]
    return _vs_hand(cases, "reverse", rounds)


ROWS = {
    "chunk64": (_chunk64, 9),
    "forward": (_forward, 5),
    "richardson": (_richardson, 15),
    "hvp": (_hvp, 15),
    "symbolic": (_symbolic, 15),
    "mlpprep": (_mlpprep, 15),
}


def _fmt(row, got):
    if row in ("symbolic", "mlpprep"):
        return "; ".join(f"{k} {r:.2f} ({lo:.2f}–{hi:.2f}, {us:.0f} µs)" for k, (r, lo, hi, us) in got["cells"].items())
    if row == "forward":
        per = ", ".join(f"{k} {us:.2f}" for k, us in got["us_per_direction"].items())
        ratios = "; ".join(f"{k} {v[0]:.2f} ({v[1]:.2f}–{v[2]:.2f})" for k, v in got.items() if "÷" in k)
        return f"µs per direction: {per}; {ratios}"
    if row == "richardson":
        cell, (r, us) = min(got["cells"].items(), key=lambda kv: kv[1][0])
        return f"worst {got['worst']:.2f} ({cell}, difflab {us:.0f} µs) median {got['median']:.2f}"
    extra = f", ÷ gradient {got['vs_grad']:.2f}" if "vs_grad" in got else ""
    lo, hi = got["iqr"]
    return f"{got['ratio']:.2f} ({lo:.2f}–{hi:.2f}; difflab {got['dl_us']:.0f} µs, peer {got['peer_us']:.0f} µs{extra})"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("row", choices=sorted(ROWS))
    p.add_argument("--against", action="append", default=[], metavar="PATH", help="a directory holding difflab/")
    p.add_argument("--rounds", type=int, default=3, help="processes per tree")
    p.add_argument("--inner", type=int, default=None, help="timing rounds inside each process")
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # (a child process)
    opts = p.parse_args()
    fn, inner = ROWS[opts.row]
    if opts.one:
        sys.path.insert(0, str(HERE))
        import _common  # noqa: F401  (first: single-threaded BLAS and XLA before NumPy)

        import difflab

        print(json.dumps({"difflab": difflab.__file__, **fn(opts.inner or inner)}))
        return
    trees = [pathlib.Path(a).resolve() for a in opts.against] + [HERE.parent]
    res, loads = {t: [] for t in trees}, []
    for r in range(opts.rounds):
        for root in trees if r % 2 == 0 else trees[::-1]:
            cmd = [sys.executable, str(HERE / "rows_ab.py"), opts.row, "--one"]
            cmd += ["--inner", str(opts.inner)] if opts.inner else []
            env = dict(os.environ, PYTHONPATH=str(root))
            got = json.loads(subprocess.check_output(cmd, env=env, cwd="/").splitlines()[-1])
            assert pathlib.Path(got.pop("difflab")).is_relative_to(root), f"not {root}'s difflab"
            res[root].append(got)
            loads.append(os.getloadavg()[0])
            print(f"{root}: {_fmt(opts.row, got)}", flush=True)
    print(f"\n| tree | {opts.row}, per process |\n| --- | --- |")
    for t in trees:
        print(f"| {t} | {'; '.join(_fmt(opts.row, g) for g in res[t])} |")
    print(f"\nload average (1 min) {min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
