"""Numeric differentiation, accuracy per cost: difflab's default central difference and Richardson
against numdifftools' default `Gradient` and `scipy.differentiate.jacobian` (both optional).

    python bench/numeric.py [--quick]

Smooth test functions with known gradients, written once for NumPy and difflab.numpy (vectorised
along axis 0, as scipy.differentiate requires). Relative error = max|g − g*| / max|g*|.
The default central difference is judged against the best fixed step of the same stencil (97 steps
1e-9…1e-3) by EXPECTED error (issue 17 §3; bench/numeric_steps.py's measure): its mean error over 16
points (x and 15 points jittered by 1e-3·max(1,|x|)) within 2× of the least mean error of a fixed step.
Round-off makes one point's error a noisy draw: the least of 97 errors at x alone (the "lucky best",
the former measure, still reported) is where noise happened to cancel truncation, which no rule can
aim at. The former 1e-10 target sits below the 2-evaluation stencil's round-off floor at n = 16, and
is still shown. The default's budget: EVALS_BUDGET evaluations per component, counted (`prepared.evals`; 2n + 1
and one per probed axis: 2.5 at n = 4, where one evaluation more probes one axis, 2.25 at n = 16; differentiators/
pilot.py). The sample stays 16 points: its noise (over 16 disjoint sets of 16 the same default reads ±20%,
bench/numeric_steps.py's third table) no longer decides the verdict, the worst set of 16 reading 1.59× against 1.32×
over all 256 (log Σ exp n = 4), while 256 points would cost 16× the row's 12k fixed-step gradients.
"Evals / component" counts calls of f (difflab: `prepared.evals`; numdifftools: calls of f;
scipy: points evaluated, since it calls f on batches). difflab is timed through `dl.prepare`.
"""

from __future__ import annotations

try:
    from . import _common as C
except ImportError:
    import _common as C

import numpy as np

import difflab as dl
import difflab.numpy as dnp

CENTRAL_TARGET, RICH_ERR_TARGET, RICH_SPEED_TARGET = 1e-10, 1e-13, 10.0
BEST_STEP_TARGET = 2.0  # default central step's expected error ÷ the best fixed step's (issue 17 §3)
EVALS_BUDGET = 2.5  # its evaluations per component, f(x) included: one probe from 4 to 7 components (numeric67)
STEPS = np.logspace(-9, -3, 97)  # the fixed steps searched
POINTS = 16  # x and 15 jittered points: the expected error's sample


def functions():
    """name -> (f(xp, x), exact gradient(x))."""

    def sinexp(xp, x):
        return xp.sum(xp.sin(x) * xp.exp(x / 3.0), axis=0)

    def sinexp_g(x):
        return np.exp(x / 3.0) * (np.cos(x) + np.sin(x) / 3.0)

    def rosen(xp, x):
        return xp.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1.0 - x[:-1]) ** 2.0, axis=0)

    def rosen_g(x):
        g = np.zeros_like(x)
        d = x[1:] - x[:-1] ** 2
        g[:-1] += -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
        g[1:] += 200.0 * d
        return g

    def chain(xp, x):
        return xp.sum(xp.tanh(x[:-1] * x[1:] + 0.5), axis=0) + 0.5 * xp.sum(x * x, axis=0)

    def chain_g(x):
        t = 1.0 - np.tanh(x[:-1] * x[1:] + 0.5) ** 2
        g = x.copy()
        g[:-1] += t * x[1:]
        g[1:] += t * x[:-1]
        return g

    def lse(xp, x):
        return xp.log(xp.sum(xp.exp(x), axis=0))

    def lse_g(x):
        e = np.exp(x - x.max())
        return e / e.sum()

    return {
        "Σ sin·exp(x/3)": (sinexp, sinexp_g),
        "Rosenbrock": (rosen, rosen_g),
        "Σ tanh(x_i x_(i+1) + ½) + ½|x|²": (chain, chain_g),
        "log Σ exp": (lse, lse_g),
    }


def jittered(x):
    """x and POINTS − 1 points within 1e-3·max(1,|x_i|) of it (the same for every function)."""
    rng = np.random.default_rng(17)
    return [x] + [x + rng.uniform(-1e-3, 1e-3, len(x)) * np.maximum(1, np.abs(x)) for _ in range(POINTS - 1)]


def against_best_steps(f_dl, xs, g_true):
    """The default central difference against fixed steps, at the points xs (xs[0] = x): {expected: (its mean
    error ÷ the least mean error of a fixed step, that step, its mean error), lucky: (its error at x ÷ the least
    error of a fixed step at x, that step, that error)}. |x| ≤ 1 + 1e-3 here, so the default's relative step
    max(1,|x|)·eps^(1/3) is an absolute one up to 1e-3."""
    E = np.empty((len(STEPS), len(xs)))
    for i, h in enumerate(STEPS):
        p = dl.prepare(f_dl, xs[0], method=dl.Numeric(step=float(h)))
        E[i] = [rel(p.grad(z), g) for z, g in zip(xs, g_true)]
    p = dl.prepare(f_dl, xs[0], method=dl.Numeric())
    mine = np.array([rel(p.grad(z), g) for z, g in zip(xs, g_true)])
    mean = E.mean(axis=1)
    b, c = int(mean.argmin()), int(E[:, 0].argmin())
    ratio = lambda a, best: a / best if best > 0 else float("inf")  # noqa: E731
    return {
        "expected": (ratio(mine.mean(), mean[b]), float(STEPS[b]), float(mean[b]), float(mine.mean())),
        "lucky": (ratio(mine[0], E[c, 0]), float(STEPS[c]), float(E[c, 0])),
    }


def rel(g, g_true):
    return float(np.abs(np.asarray(g) - g_true).max() / np.abs(g_true).max())


def main():
    opts = C.args(__doc__.splitlines()[0])
    nd = C.peer("numdifftools")
    try:
        import scipy.differentiate as sd
    except ImportError:
        sd = None
    rounds, target = (3, 0.005) if opts.quick else (21, 0.03)
    rows, trows = [], []
    for n in [4] if opts.quick else [4, 16]:
        x = np.random.default_rng(3).uniform(-1.0, 1.0, n)
        for fname, (fx, fg) in functions().items():
            g_true = fg(x)
            f_dl = lambda z, fx=fx: fx(dnp, z)  # noqa: E731
            f_np = lambda z, fx=fx: fx(np, z)  # noqa: E731
            res_row = {}
            fns = {}
            xs = jittered(x)
            vs = against_best_steps(f_dl, xs, [fg(z) for z in xs])
            for label, m in [
                ("difflab central (default)", dl.Numeric()),
                ("difflab Richardson", dl.Numeric(scheme="richardson")),
            ]:
                p = dl.prepare(f_dl, x, method=m)
                p.grad(x)
                p.prepared.evals = 0
                g = p.grad(x)
                res_row[label] = {"rel_error": rel(g, g_true), "evals": p.prepared.evals}
                fns[label] = lambda p=p: p.grad(x)
            if nd is not None:
                calls = [0]

                def counted(z, f_np=f_np):
                    calls[0] += 1
                    return f_np(z)

                ndg = nd.Gradient(counted)
                g = ndg(x)
                res_row["numdifftools Gradient (default)"] = {"rel_error": rel(g, g_true), "evals": calls[0]}
                fns["numdifftools Gradient (default)"] = lambda ndg=ndg: ndg(x)
            if sd is not None:
                pts = [0]

                def counted_sd(z, f_np=f_np):
                    pts[0] += int(np.prod(z.shape[1:]))
                    return f_np(z)

                r = sd.jacobian(counted_sd, x)
                res_row["scipy.differentiate.jacobian"] = {"rel_error": rel(r.df, g_true), "evals": pts[0]}
                fns["scipy.differentiate.jacobian"] = lambda f_np=f_np: sd.jacobian(f_np, x).df
            res = C.measure(fns, rounds=rounds, target=target)
            rich = res["difflab Richardson"]
            for label, info in res_row.items():
                t = res[label]
                speed = t.ratio(rich) if label != "difflab Richardson" else 1.0
                row = {
                    "workload": "numeric",
                    "function": fname,
                    "n": n,
                    "contender": label,
                    "seconds": t.median,
                    "spread": t.spread,
                    "rel_error": info["rel_error"],
                    "evals_per_component": info["evals"] / n,
                    "time_vs_richardson": speed,
                }
                verdict = ""
                if label == "difflab central (default)":
                    # issue 17 §3: the default step against the best fixed step of the same stencil, by expected
                    # error (mean over POINTS points); the lucky best (one point, least of 97 errors) still measured
                    (ratio, h, best, mean), (lucky, lucky_h, lucky_err) = vs["expected"], vs["lucky"]
                    row.update(vs_expected_best=ratio, expected_best_step=h, expected_best_error=best)
                    row.update(expected_error=mean, vs_best=lucky, best_step=lucky_h, best_step_error=lucky_err)
                    row["target"] = BEST_STEP_TARGET
                    row["met"] = ratio <= BEST_STEP_TARGET and info["evals"] / n <= EVALS_BUDGET
                    row["met_1e-10"] = info["rel_error"] <= CENTRAL_TARGET  # the retired target, still measured
                    verdict = (
                        f"mean err ≤ {BEST_STEP_TARGET:.0f}× best fixed step's ({best:.1e} at h = {h:.1e}): "
                        f"{'met' if row['met'] else 'MISSED'} ({ratio:.2f}×, {info['evals']} evals ≤ "
                        f"{EVALS_BUDGET:g}n); lucky best {lucky_err:.1e}: {lucky:.2f}×"
                    )
                if label == "difflab Richardson":
                    row["target"], row["met"] = RICH_ERR_TARGET, info["rel_error"] <= RICH_ERR_TARGET
                    verdict = f"err ≤ 1e-13: {'met' if row['met'] else 'MISSED'}"
                if label.startswith("numdifftools"):
                    row["speed_target"], row["met"] = RICH_SPEED_TARGET, speed >= RICH_SPEED_TARGET
                    verdict = f"Richardson ≥ 10× faster: {'met' if row['met'] else 'MISSED'} ({speed:.1f}×)"
                rows.append(row)
                trows.append(
                    [
                        fname,
                        n,
                        label,
                        f"{info['rel_error']:.1e}",
                        f"{info['evals'] / n:.2f}",
                        C.fmt_time(t.median),
                        f"{speed:.2f}×",
                        verdict,
                    ]
                )
    md = "### numeric gradients: accuracy per cost (time ratio: this ÷ difflab Richardson)\n\n" + C.table(
        ["function", "n", "method", "rel. error", "evals / component", "time", "÷ Richardson", "target"], trows
    )
    C.emit(opts, "numeric", md, rows)


if __name__ == "__main__":
    main()
