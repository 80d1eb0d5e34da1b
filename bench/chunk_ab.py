"""Forward-mode full gradients by chunk size, paired in one process (one core): `Forward(chunk="auto")` (the
default: base.TANGENT_BLOCK // the largest value's size) against fixed chunks, all-at-once (None) and jax.jacfwd (jit),
on bench/scaling.py's O(n) function. Why "auto" is the default: the best fixed chunk moves with n.

    python bench/chunk_ab.py [--quick]
"""

from __future__ import annotations

try:
    from . import _common as C
    from .scaling import jax_jacfwd, make_f
except ImportError:
    import _common as C
    from scaling import jax_jacfwd, make_f

import numpy as np

import difflab as dl
from difflab.differentiators.base import TANGENT_BLOCK

CASES = {1024: [None, 16, 64, 256, "auto"], 4096: [4, 16, 64, "auto"]}


def main():
    opts = C.args(__doc__.splitlines()[0])
    for n, chunks in CASES.items():
        f, exact = make_f(n)
        x = np.random.default_rng(1).normal(size=n)
        fns = {}
        for chunk in chunks:
            p = dl.prepare(f, x, method=dl.Forward(chunk=chunk))
            np.testing.assert_allclose(p.grad(x), exact(x), rtol=1e-12, atol=1e-12)
            fns[f"chunk={chunk!r}"] = lambda p=p: p.grad(x)
        jfwd = jax_jacfwd(n, x, exact(x))
        if jfwd is not None:
            fns["jax.jacfwd (jit)"] = jfwd
        res = C.measure(fns, rounds=3 if opts.quick else 9, target=0.01 if opts.quick else 0.05, warmup=2)
        base = res.get("jax.jacfwd (jit)") or res["chunk='auto'"]
        width = max(a.size for a in [x]) if n else 1
        print(f"n = {n} (auto: {max(1, TANGENT_BLOCK // width)} directions per sweep)")
        for k, t in res.items():
            lo, hi = t.ratio_spread(base)
            print(
                f"  {k:18s} {C.fmt_time(t.median):>10s}  ÷ {'jacfwd' if jfwd else 'auto'} {t.ratio(base):.2f} "
                f"(IQR {lo:.2f}–{hi:.2f})"
            )


if __name__ == "__main__":
    main()
