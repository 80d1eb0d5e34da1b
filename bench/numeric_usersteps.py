"""Silent wrong answers of the numeric method at a step the user chose (numtrunc68): bench/numeric_silent.py's 19
elementwise ops f(x) = Σ a·op(s·x) at its random points and scales, each differentiated with Numeric(step=h), h
log-uniform in 1e-7 … 1 (absolute; f's length scale is about 1/s, s in 0.1 … 1e5), by every scheme, the Hessian's own
stencil, numeric of numeric and a JVP, against forward or reverse mode: how many are off by more than 1e-3 relative
(of the largest reference entry) with no NumericAccuracyWarning or DomainWarning (silent), said, or right.

    python bench/numeric_usersteps.py [SEED ...] [-v]

Complex step skips the ops it refuses (abs). References that are all zero are left out.
"""

from __future__ import annotations

import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.numeric import Numeric
from difflab.errors import DomainWarning, NumericAccuracyWarning
from numeric_silent import main as tally

NAMES = ["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "arctan", "sinh", "cosh", "log1p", "expm1", "cbrt", "abs",
         "arcsinh", "square", "reciprocal", "exp2", "log2"]  # fmt: skip
POSITIVE = {"log", "sqrt", "log1p", "log2", "reciprocal"}
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
    """{(method, 'said'|'quiet', 'wrong'|'right'): count} over 19 ops × 12 points for `seed`."""
    rng, stats = np.random.default_rng(seed), {}
    for name in NAMES:
        op = getattr(dnp, name)
        for trial in range(12):
            k = rng.integers(1, 4)
            x = rng.normal(size=k) * 10 ** rng.uniform(-3, 2)
            x = np.abs(x) + 1e-3 if name in POSITIVE else x
            a, s = rng.normal(size=k), 10 ** rng.uniform(-1, 5)
            x = x / s
            if trial % 4 == 3 and name not in POSITIVE:
                x[0] = 0.0
            steps = 10 ** rng.uniform(-7, 0, size=len(METHODS))

            def f(x, op=op, a=a, s=s):
                return dnp.sum(op(s * x) * a)

            for method, h in zip(METHODS, steps):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        got = np.asarray(_make(method, float(h))(f, x))
                    except Exception:  # (a refusal is no silent answer)
                        continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ref = np.asarray(_reference(method, f, x))
                if not np.all(np.isfinite(ref)) or not np.any(ref):
                    continue
                said = [w for w in caught if issubclass(w.category, (NumericAccuracyWarning, DomainWarning))]
                err = float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))
                wrong = not err <= 1e-3
                key = (method, "said" if said else "quiet", "wrong" if wrong else "right")
                stats[key] = stats.get(key, 0) + 1
                if verbose and wrong and not said:
                    print(f"SILENT {name} {method} h={h:.3g} s={s:.3g} x={x.tolist()} err {err:.2g}")
                if verbose and said and not wrong:
                    print(
                        f"SAID RIGHT {name} {method} h={h:.3g} s={s:.3g} x={x.tolist()} err {err:.2g}: {said[0].message}"
                    )
    return stats


def main():
    tally(sweep, METHODS)


if __name__ == "__main__":
    main()
