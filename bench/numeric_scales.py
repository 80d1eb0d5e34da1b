"""The numeric method's length-scale guard (differentiators/scales.py): what it costs on smooth functions and
what it changes near poles, cusps, domain edges and periods.

    python bench/numeric_scales.py [--quick]

Two tables, each "guard on" (the default) against "guard off" (every step as before) in
one process (off: `scales.limit_of` replaced by infinity). (1) bench/numeric_steps.py's 218 cases (its 21 families at n = 2…32, |x| ≤ 1 and ≤ 3):
evaluations of f per component of `dl.grad(method="numeric")` and its relative error with and without the
guard. (2) The edge cases of tests/test_numeric_scales.py: relative error of the gradient and of the Hessian
(numeric's native stencil) against forward mode, with and without the guard.
"""

from __future__ import annotations

import math
import sys
import timeit
import warnings
from pathlib import Path

try:
    from . import _common as C
    from .numeric_steps import cases
except ImportError:
    import _common as C
    from numeric_steps import cases

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import scales
from difflab.differentiators.pilot import probe_count

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_numeric_scales import EDGES  # noqa: E402


_LIMIT = scales.limit_of


def _guard(on: bool):
    """Guard on: scales' own limit; off: no reach is too far (every step as before the guard)."""
    scales.limit_of = _LIMIT if on else (lambda base: math.inf)


def _rel(g, want) -> float:
    g, want = np.asarray(g, dtype=float), np.asarray(want, dtype=float)
    with np.errstate(all="ignore"):
        return float(np.abs(g - want).max() / max(np.abs(want).max(), 1e-300))


def plain(n: int) -> float:
    """Evaluations per component where nothing is shrunk: f(x), 2n stencil points, one more per axis probed for the
    step from n = 4 (pilot.py: one from 4 to 7 components)."""
    return 2 + (1 + probe_count(n)) / n


def smooth(quick):
    """(rows, summary): per case evaluations per component and error, guard on and off."""
    rows, per, ratios = [], [], []
    for name, f, g, x in cases(quick):
        f_dl = lambda z, f=f: f(dnp, z)  # noqa: E731
        got = {}
        for on in (True, False):
            _guard(on)
            p = dl.prepare(f_dl, x, method="numeric")
            p.grad(x)
            before = p.prepared.evals
            grad = p.grad(x)
            got[on] = ((p.prepared.evals - before) / len(x), _rel(grad, g(x)))
        _guard(True)
        per.append(got[True][0])
        ratios.append(got[True][1] / max(got[False][1], 1e-300))
        if got[True][0] > plain(len(x)) or abs(ratios[-1] - 1) > 1e-9:
            rows.append(
                [name, f"{got[False][0]:.2f}", f"{got[True][0]:.2f}", f"{got[False][1]:.1e}", f"{got[True][1]:.1e}"]
            )
    summary = (
        f"{len(per)} cases: evaluations per component {min(per):.2f}–{max(per):.2f} with the guard "
        f"({sum(p > 2.5 for p in per)} cases above 2.5); error with ÷ without the guard: "
        f"{sum(r < 1 - 1e-9 for r in ratios)} lower, {sum(r > 1 + 1e-9 for r in ratios)} higher, "
        f"{sum(abs(r - 1) <= 1e-9 for r in ratios)} equal"
    )
    return rows, summary


def edges():
    rows = []
    for case, (f, x) in EDGES.items():
        want_g, want_h = dl.grad(f, method="forward")(x), dl.hessian(f, method="forward")(x)
        cells = []
        for on in (False, True):
            _guard(on)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p = dl.prepare(f, x, method="numeric")
                g = p.grad(x)
                cells += [
                    f"{_rel(g, want_g):.1e}",
                    f"{p.prepared.evals}",
                    f"{_rel(dl.hessian(f, method='numeric')(x), want_h):.1e}",
                ]
        _guard(True)
        rows.append([case, *cells])
    return rows


def overhead(quick):
    """The guard's cost on bench/numeric.py's functions: a prepared numeric gradient with its watched
        arguments, ÷ the same with the watch removed from the prepared object (the median over alternating rounds
    of the ratio of their best-of-3 times)."""
    from numeric import functions

    rows = []
    for n in [4] if quick else [4, 16]:
        x = np.random.default_rng(3).uniform(-1.0, 1.0, n)
        for fname, (fx, _) in functions().items():
            f = lambda z, fx=fx: fx(dnp, z)  # noqa: E731
            on, off = dl.prepare(f, x, method="numeric"), dl.prepare(f, x, method=dl.Numeric(order=2))
            watched = on.prepared._watch is not None
            off.prepared._watch = None  # (order=2: the same stencil, a prepared object of its own)
            if off.prepared._nheld == 0:
                off.prepared._probe = off.prepared._held = None
            t_on, t_off = [], []
            for _ in range(5 if quick else 15):  # rounds alternate: the machine's load hits both alike
                t_off.append(min(timeit.repeat(lambda: off.grad(x), number=20, repeat=3)) / 20)
                t_on.append(min(timeit.repeat(lambda: on.grad(x), number=20, repeat=3)) / 20)
            ratio = float(np.median(np.array(t_on) / np.array(t_off)))
            rows.append([fname, n, "yes" if watched else "no", C.fmt_time(float(np.median(t_on))), f"{ratio:.2f}×"])
    return rows


def main():
    opts = C.args(__doc__.splitlines()[0])
    rows, summary = smooth(opts.quick)
    md = "### numeric's length-scale guard on smooth functions (bench/numeric_steps.py's cases)\n\n" + summary + "\n\n"
    if rows:
        md += "Cases where the guard changed anything:\n\n" + C.table(
            ["case", "evals/comp. off", "evals/comp. on", "rel. error off", "rel. error on"], rows
        )
    md += "\n\n### near poles, cusps, domain edges and periods (tests/test_numeric_scales.py's EDGES)\n\n" + C.table(
        [
            "case",
            "grad error, off",
            "evals, off",
            "Hessian error, off",
            "grad error, on",
            "evals, on",
            "Hessian error, on",
        ],
        edges(),
    )
    md += "\n\n### the guard's cost per prepared gradient (bench/numeric.py's functions; paired ratio, watch ÷ no watch)\n\n"
    md += C.table(["function", "n", "ops watched", "time (watched)", "÷ no watch"], overhead(opts.quick))
    C.emit(opts, "numeric_scales", md, [{"summary": summary}])


if __name__ == "__main__":
    main()
