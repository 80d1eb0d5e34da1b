"""The central difference's default step outside bench/numeric.py's four functions (issue 17 §3): its expected
error ÷ the best fixed step's on exp, log1p, tanh, polynomials, and at large |x| (sin, log, sqrt, 1/x, exp).

    python bench/numeric_far.py [--quick]

The measure is bench/numeric.py's (`against_best_steps`): the default's mean relative error over 16 points (x and
15 jittered by 1e-3·max(1,|x|)) ÷ the least mean error of a fixed absolute step, here on a grid 1e-10 … 0.1·max(1,
|centre|), 8 per decade (bench/numeric.py's 1e-9…1e-3 holds no good step for |x| ~ 1e3; sin's best stays ~1e-5), both through difflab (`dl.Numeric()` and
`dl.Numeric(step=h)`: the length scales of sin and cos shrink a step that spans too much of a period, scales.py).
Each function is a sum over components, x = centre + spread·U(−1, 1) per component, at n = 1, 4, 8, 16 (the pilot
probes axes from n = 4, one from 4 to 7 components, pilot.py). Why: the default step eps^(1/3)·max(1, |x_i|) assumes f's length scale is
max(1, |x_i|) (right for log, sqrt, 1/x at large x: their f‴/f ~ 1/x³), and an exp at x ≈ 10, whose length scale
is 1 at every x, reads it 10× too large; below 4 components nothing sees f‴ (from 4 to 7 one evaluation more probes
one axis, numeric67; below 8, 2.25 per component leave none spare: bench/numeric_steps.py), and the pilot moves the step
at most ½× down.
"""

from __future__ import annotations

import warnings

import numpy as np

try:
    from . import _common as C
except ImportError:
    import _common as C

import difflab as dl
import difflab.numpy as dnp

PER_DECADE = 8  # fixed absolute steps from 1e-10 to 0.1·max(1, |centre|) (a case's own grid)
POINTS = 16  # x and 15 jittered points (bench/numeric.py's)

FAMILIES = {
    "Σ exp": (lambda xp, x: xp.sum(xp.exp(x)), lambda x: np.exp(x)),
    "Σ log1p": (lambda xp, x: xp.sum(xp.log1p(x)), lambda x: 1 / (1 + x)),
    "Σ tanh": (lambda xp, x: xp.sum(xp.tanh(x)), lambda x: 1 - np.tanh(x) ** 2),
    "Σ x³ − 2x² + x": (lambda xp, x: xp.sum(x**3 - 2 * x**2 + x), lambda x: 3 * x**2 - 4 * x + 1),
    "Σ x⁴": (lambda xp, x: xp.sum(x**4), lambda x: 4 * x**3),
    "Σ sin": (lambda xp, x: xp.sum(xp.sin(x)), lambda x: np.cos(x)),
    "Σ log": (lambda xp, x: xp.sum(xp.log(x)), lambda x: 1 / x),
    "Σ sqrt": (lambda xp, x: xp.sum(xp.sqrt(x)), lambda x: 0.5 / np.sqrt(x)),
    "Σ 1/x": (lambda xp, x: xp.sum(1.0 / x), lambda x: -1 / x**2),
}
CASES = [  # (family, centre, spread)
    ("Σ exp", 0, 1),
    ("Σ exp", 10, 1),
    ("Σ log1p", 0.5, 0.4),
    ("Σ log1p", 1e3, 100),
    ("Σ tanh", 0, 1),
    ("Σ tanh", 2, 1),
    ("Σ x³ − 2x² + x", 0, 1),
    ("Σ x³ − 2x² + x", 30, 5),
    ("Σ x⁴", 0, 1),
    ("Σ sin", 0, 1),
    ("Σ sin", 1e3, 10),
    ("Σ sin", 1e5, 10),
    ("Σ log", 1e4, 1e3),
    ("Σ sqrt", 1e6, 1e5),
    ("Σ 1/x", 100, 10),
    ("Σ 1/x", 1.5, 0.3),
]


def rel(g, g_true):
    return float(np.abs(np.asarray(g) - g_true).max() / np.abs(g_true).max())


def ratio(f, fg, x, scale):
    """(the default's mean error over POINTS points ÷ the least mean error of a fixed step up to 0.1·scale, that
    step)."""
    rng = np.random.default_rng(17)
    xs = [x] + [x + rng.uniform(-1e-3, 1e-3, len(x)) * np.maximum(1, np.abs(x)) for _ in range(POINTS - 1)]
    gs = [fg(z) for z in xs]

    def mean_error(method):
        p = dl.prepare(f, x, method=method)
        try:
            return float(np.mean([rel(p.grad(z), g) for z, g in zip(xs, gs)]))
        except ValueError:  # a step below the spacing of floats at x
            return np.inf

    steps = np.logspace(-10, np.log10(0.1 * scale), round((9 + np.log10(scale)) * PER_DECADE) + 1)
    fixed = np.array([mean_error(dl.Numeric(step=float(h))) for h in steps])
    return mean_error(dl.Numeric()) / fixed.min(), float(steps[fixed.argmin()])


def main():
    opts = C.args(__doc__.splitlines()[0])
    sizes = (1, 4) if opts.quick else (1, 4, 8, 16)
    rows, trows = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (round-off notes at the smallest fixed steps)
        for fam, centre, spread in CASES:
            fx, fg = FAMILIES[fam]
            cells = []
            for n in sizes:
                x = centre + spread * np.random.default_rng(5).uniform(-1.0, 1.0, n)
                r, h = ratio(lambda z, fx=fx: fx(dnp, z), fg, x, max(1.0, abs(centre)))
                rows.append({"workload": "numeric-far", "function": fam, "centre": centre, "n": n, "ratio": r})
                rows[-1]["best_step"] = h
                cells.append(f"{r:.2f}× ({h:.1e})")
            trows.append([fam.replace("|", "\\|"), f"{centre:g} ± {spread:g}"] + cells)
    md = (
        "### central difference, default step outside the bench: expected error ÷ the best fixed step's "
        "(that step)\n\n" + C.table(["function", "x"] + [f"n = {n}" for n in sizes], trows)
    )
    C.emit(opts, "numeric_far", md, rows)


if __name__ == "__main__":
    main()
