"""Silent wrong answers of the numeric method at a step the user chose (numtrunc68): bench/numeric_silent.py's 19
elementwise ops f(x) = Σ a·op(s·x) at its random points and scales, each differentiated with Numeric(step=h), h
log-uniform in 1e-7 … 1 (absolute; f's length scale is about 1/s, s in 0.1 … 1e5), by every scheme, the Hessian's own
stencil, numeric of numeric and a JVP, against forward or reverse mode: how many are off by more than 1e-3 relative
(of the largest reference entry) with no NumericAccuracyWarning or DomainWarning (silent), said, or right.

    python bench/numeric_usersteps.py [SEED ...] [-v]

Complex step skips the ops it refuses (abs). References that are all zero are left out.
"""

from __future__ import annotations


import numpy as np

import difflab as dl
from difflab.differentiators.numeric import Numeric
from numeric_silent import cases, judged, main as tally

SCHEMES = ("forward", "backward", "central", "central4", "central6", "richardson", "complex")
METHODS = [*SCHEMES, "hessian", "nested", "jvp"]


def _make(method, h):
    if method in SCHEMES:
        return lambda f, x: dl.grad(f, method=Numeric(scheme=method, step=h))(x)
    if method == "hessian":
        return lambda f, x: dl.hessian(f, method=Numeric(step=h))(x)
    if method == "nested":
        return lambda f, x: dl.hessian(f, method=(Numeric(step=h), Numeric(step=h)))(x)
    return lambda f, x: dl.jvp(f, (x,), (np.linspace(1.0, -0.5, len(x)),), method=Numeric(step=h))[1]


def _reference(method, f, x):
    if method in ("hessian", "nested"):
        return dl.hessian(f, method="forward")(x)
    if method == "jvp":
        return dl.jvp(f, (x,), (np.linspace(1.0, -0.5, len(x)),), method="forward")[1]
    return dl.grad(f, method="reverse")(x)


def sweep(seed, verbose=False):
    """{(method, 'said'|'quiet', 'wrong'|'right'): count} over 19 ops × 12 points for `seed`, each method at its own
    step drawn from 1e-7 … 1."""
    rng, stats = np.random.default_rng(seed), {}
    for name, s, x, f in cases(rng):
        steps = 10 ** rng.uniform(-7, 0, size=len(METHODS))
        for method, h in zip(METHODS, steps):
            out = judged(stats, method, lambda: _make(method, float(h))(f, x), lambda: _reference(method, f, x))
            if verbose and out and out[1] and not out[2]:
                print(f"SILENT {name} {method} h={h:.3g} s={s:.3g} x={x.tolist()} err {out[0]:.2g}")
            if verbose and out and out[2] and not out[1]:
                print(
                    f"SAID RIGHT {name} {method} h={h:.3g} s={s:.3g} x={x.tolist()} err {out[0]:.2g}: {out[2][0].message}"
                )

    return stats


def main():
    tally(sweep, METHODS)


if __name__ == "__main__":
    main()
