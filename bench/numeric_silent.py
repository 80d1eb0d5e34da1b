"""Silent wrong answers of the numeric method (issue 11): 19 elementwise ops f(x) = Σ a·op(s·x) at random points and
scales, each by central, central4, Richardson, the Hessian's own stencil and numeric of numeric, against forward or
reverse mode: how many are off by more than 1e-3 relative (of the largest reference entry) with no
NumericAccuracyWarning or DomainWarning (silent), said, or right.

    python bench/numeric_silent.py [SEED ...] [-v]

Every fourth point has x[0] = 0 (odd ops are odd there: tanh, arctan, sinh). References that are all zero (abs'
Hessian: the stencils' noise ~1e-9) are left out. numjudge44's sweep (/tmp), made a script by numeric45.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.numeric import Numeric
from difflab.errors import DomainWarning, NumericAccuracyWarning

NAMES = ["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "arctan", "sinh", "cosh", "log1p", "expm1", "cbrt", "abs",
         "arcsinh", "square", "reciprocal", "exp2", "log2"]  # fmt: skip
POSITIVE = {"log", "sqrt", "log1p", "log2", "reciprocal"}
METHODS = {
    "central": lambda f: dl.grad(f, method="numeric"),
    "central4": lambda f: dl.grad(f, method=Numeric(scheme="central4")),
    "richardson": lambda f: dl.grad(f, method=Numeric(scheme="richardson")),
    "hessian": lambda f: dl.hessian(f, method="numeric"),
    "nested": lambda f: dl.hessian(f, method=("numeric", "numeric")),
}


def cases(rng):
    """Each (name, s, x, f) of the sweep: 19 ops × 12 points drawn from `rng` (f = Σ a·op(s·x); every fourth point
    with a component at 0 where the op is defined there). bench/numeric_usersteps.py draws its own from it."""
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

            def f(x, op=op, a=a, s=s):
                return dnp.sum(op(s * x) * a)

            yield name, s, x, f


def judged(stats, method, run, reference):
    """Counts one answer in `stats` (said or quiet, wrong beyond 1e-3 of the reference's largest entry or right):
    (error, wrong, the warnings said), or None where `run` refused or the reference is not finite and nonzero."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = np.asarray(run())
        except Exception:  # (a refusal is no silent answer)
            return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = np.asarray(reference())
    if not np.all(np.isfinite(ref)) or not np.any(ref):
        return None
    said = [w for w in caught if issubclass(w.category, (NumericAccuracyWarning, DomainWarning))]
    err = float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))
    wrong = not err <= 1e-3
    key = (method, "said" if said else "quiet", "wrong" if wrong else "right")
    stats[key] = stats.get(key, 0) + 1
    return err, wrong, said


def sweep(seed, verbose=False):
    """{(method, 'said'|'quiet', 'wrong'|'right'): count} over 19 ops × 12 points for `seed`."""
    stats: dict = {}
    for name, s, x, f in cases(np.random.default_rng(seed)):
        for method, make in METHODS.items():
            second = method in ("hessian", "nested")
            reference = dl.hessian(f, method="forward") if second else dl.grad(f, method="reverse")
            out = judged(stats, method, lambda: make(f)(x), lambda: reference(x))
            if verbose and out and out[1] and not out[2]:
                print(f"SILENT {name} {method} s={s:.3g} x={x.tolist()} err {out[0]:.2g}")
    return stats


def main(sweep=sweep, methods=METHODS):
    """Tally `sweep`'s counts over the seeds on the command line (bench/numeric_usersteps.py shares this)."""
    seeds = [int(a) for a in sys.argv[1:] if a != "-v"] or [0]
    total = {}
    for seed in seeds:
        for key, n in sweep(seed, "-v" in sys.argv).items():
            total[key] = total.get(key, 0) + n
    for method in methods:
        row = {k[1:]: n for k, n in total.items() if k[0] == method}
        print(
            f"{method:10s} silent wrong {row.get(('quiet', 'wrong'), 0):3d}  said wrong {row.get(('said', 'wrong'), 0):3d}"
            f"  said right {row.get(('said', 'right'), 0):3d}  quiet right {row.get(('quiet', 'right'), 0):3d}"
        )


if __name__ == "__main__":
    main()
