"""x.at[i].multiply/.min/.max by a traced index of k positions (atmode66): one equation of the registry's
scatter_mul_along / scatter_min_along / scatter_max_along against atops65's rounds (`assign._applied_along`, still
.apply's: a position's occurrence rank computed from i, then one scatter per possible rank, k rounds), both recorded,
prepared (reverse) and timed interleaved in one process; main read an index of more than 16 positions instead (the
trace specialised, so prepare refused it: the k = 64 rounds row is what main would have recorded without its limit).

    taskset -c 1 python bench/at_long66.py [--quick]

Rows: per-call seconds of the prepared gradient (median over rounds, ±IQR half-width), rounds ÷ op (paired, its IQR),
and each graph's equation count.
"""

from __future__ import annotations

import _common as C  # noqa: I001  (first: single-threaded BLAS, pinned to one CPU)

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab import assign


def _loss(how, k):
    def f(x):
        o = dnp.argsort(x)
        i = dnp.concatenate([o] * (k // x.shape[0]) + [o[: k % x.shape[0]]])
        v = dnp.cos(dnp.concatenate([x] * (k // x.shape[0]) + [x[: k % x.shape[0]]]))
        if how == "op":
            y = x.at[i].multiply(v + 1.5)
            y = y.at[i].min(v)
            y = y.at[i].max(v * 0.5)
        else:
            where = lambda: "bench"  # noqa: E731
            y = assign._applied_along(x, i, lambda a, b: a * b, v + 1.5, 0, where)
            y = assign._applied_along(y, i, dnp.minimum, v, 0, where)
            y = assign._applied_along(y, i, dnp.maximum, v * 0.5, 0, where)
        return dnp.sum(y * dnp.sin(x))

    return f


def main():
    opts = C.args(__doc__.splitlines()[0])
    rng = np.random.default_rng(0)
    rows, notes = [], []
    for n, k in ((8, 16), (16, 64)) if not opts.quick else ((8, 16),):
        x = rng.normal(size=n)
        prepared = {how: dl.prepare(_loss(how, k), x, method="reverse") for how in ("op", "rounds")}
        g = {how: p.grad(x) for how, p in prepared.items()}
        assert np.allclose(g["op"], g["rounds"], rtol=1e-12, atol=1e-12)
        eqns = {how: len(dl.trace(_loss(how, k), x).eqns) for how in ("op", "rounds")}
        t = C.measure({how: (lambda p=p: p.grad(x)) for how, p in prepared.items()}, rounds=5 if opts.quick else 31)
        lo, hi = t["rounds"].ratio_spread(t["op"])
        rows.append(
            [
                f"n = {n}, k = {k}",
                f"{C.fmt_time(t['op'].median)} ±{t['op'].spread:.1%} ({eqns['op']} eqns)",
                f"{C.fmt_time(t['rounds'].median)} ±{t['rounds'].spread:.1%} ({eqns['rounds']} eqns)",
                f"{t['rounds'].ratio(t['op']):.2f} (IQR {lo:.2f}–{hi:.2f})",
            ]
        )
    md = C.table(["x, index positions", "one op (atmode66)", "rounds (atops65)", "rounds ÷ op"], rows)
    C.emit(opts, "at_long66", md, rows, notes)


if __name__ == "__main__":
    main()
