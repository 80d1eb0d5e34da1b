"""Instructions per call of a cached `dl.grad` (and a prepared one) at float32 leaves against the same at
float64 ones (jax23b: float32 leaves given the generated argument reader's fast path, compile/reader.py).

    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \\
        --toggle-collect=functools_reduce python bench/float32_counts.py WHAT 200

WHAT is g64/g32 (a cached `dl.grad` of the 2-16-16-2 b64 MLP's cross-entropy, bench/fresh_counts.py's
network, called again on the same arguments; 64 and 32 the parameters' and data's dtype) or p64/p32 (its
`dl.prepare(...).grad`). Each runs N + 1 times inside one `functools.reduce` with the collector off, so
valgrind counts only those calls: divide its "Collected" by N + 1. `python bench/float32_counts.py check`
prints which path the float32 calls take (the generated reader or the general path) and the dtypes;
`python bench/float32_counts.py ratio` times g32 ÷ g64 and p32 ÷ p64 paired (interleaved rounds of 200 calls,
median of the per-round ratios and their IQR), the number a loaded machine moves least after the counts.
Run it from any checkout with PYTHONPATH=that checkout.
"""

from __future__ import annotations

import functools
import gc
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import _common as C  # noqa: E402,F401  (single-threaded BLAS before NumPy)
import hand_numpy as hand  # noqa: E402

import difflab as dl  # noqa: E402
from difflab.nn import MLP  # noqa: E402


def contenders() -> dict:
    params, X, Y = hand.problem((2, 16, 16, 2), 64)
    f = MLP([2, 16, 16, 2], activation="tanh").loss("cross_entropy")
    fns = {}
    for bits, dt in (("64", "float64"), ("32", "float32")):
        p = {k: w.astype(dt) for k, w in params.items()}
        Xd = X.astype(dt)
        g = dl.grad(f)
        fns["g" + bits] = functools.partial(g, p, Xd, Y)
        fns["p" + bits] = functools.partial(dl.prepare(f, p, Xd, Y).grad, p, Xd, Y)
        fns["_g" + bits] = g
    return fns


def _paired(fa, fb, rounds=31, k=200) -> str:
    """Median and IQR of per-round time ratios fa ÷ fb, the two interleaved (order alternating per round)."""
    import time

    import numpy as np

    def run(fn):
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        return time.perf_counter() - t0

    fa(), fb()
    ratios = []
    for r in range(rounds):
        if r % 2:
            tb, ta = run(fb), run(fa)
        else:
            ta, tb = run(fa), run(fb)
        ratios.append(ta / tb)
    q1, med, q3 = np.percentile(ratios, [25, 50, 75])
    return f"{med:.3f}x (IQR {q1:.3f}-{q3:.3f}, {rounds} rounds of {k} calls)"


def main():
    fns = contenders()
    if sys.argv[1:] == ["check"]:
        for bits in ("64", "32"):
            fns["g" + bits](), fns["g" + bits](), fns["g" + bits]()
            st = fns["_g" + bits]._last
            print(
                bits,
                "reader:",
                st.signature.reader() is not None,
                "hot:",
                st.hot is not None,
                "grad dtype:",
                {w.dtype for w in fns["g" + bits]().values()},
                "prepared:",
                {w.dtype for w in fns["p" + bits]().values()},
            )
        return
    if sys.argv[1:] == ["ratio"]:
        for a, b in (("g32", "g64"), ("p32", "p64")):
            print(f"{a} / {b}: median {_paired(fns[a], fns[b])}")
        return
    fn, n = fns[sys.argv[1]], int(sys.argv[2])
    fn(), fn(), fn()
    gc.collect()
    gc.disable()
    functools.reduce(lambda acc, _: fn(), range(n + 1), None)


if __name__ == "__main__":
    main()
