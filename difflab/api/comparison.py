"""`compare`: every method side by side on one function, against one reference derivative."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..differentiators import METHODS, Differentiator, get_method
from ..errors import check_function, collecting
from ..reference import reference
from .boundary import _check_argnums, _nan_rows, _nonfinite
from .operators import _Transform


@dataclass
class Comparison:
    """The side-by-side result of `compare`: one row per method, plus the reference used."""

    reference: str
    rows: list

    def __str__(self):
        head = f"{'method':<10} {'max abs err':>12} {'max rel err':>12} {'prepare ms':>11} {'call ms':>9} {'f evals':>8} {'eqns':>7}"
        lines, notes = [f"derivative reference: {self.reference}", head, "-" * len(head)], []
        for r in self.rows:
            if r["error"]:
                lines.append(f"{r['method']:<10} {'failed: ' + r['error']}")
                continue
            if r.get("note"):
                notes.append(f"note: {r['method']} {r['note']}")
            lines.append(
                f"{r['method']:<10} {r['max_abs_err']:>12.3e} {r['max_rel_err']:>12.3e} "
                f"{r['prepare_seconds'] * 1e3:>11.2f} {r['seconds'] * 1e3:>9.3f} {r['evals']:>8d} {r['eqns']:>7d}"
            )
        legend = (
            "call ms: the median of the timed calls; f evals: evaluations of f per derivative; eqns: IR equations "
            "run per derivative (symbolic's generated code is not counted in them)"
        )
        return "\n".join(lines + notes + [legend])

    def __getitem__(self, method):
        return next(r for r in self.rows if r["method"] == method)


def compare(f, *args, methods="all", argnums="all", repeat=3) -> Comparison:
    """Differentiate `f` at `args` with each method; print-ready table of errors, time and cost.

    By default every argument is differentiated (`argnums="all"`); pass an int or tuple to choose.
    Errors are measured against the symbolic derivative evaluated in 40-digit arithmetic when the
    function is small enough, else against reverse mode. Each row holds the method's Jacobian
    (`row["derivative"]`, shape (m, n) over the flat input and output), its max abs/rel error,
    preparation and per-call seconds (the median of `repeat` timed calls after two untimed), function evaluations
    and equations executed per call.

    >>> import difflab as dl
    >>> c = dl.compare(lambda x, y: x * y ** 2.0, 3.0, 2.0)
    >>> c["reverse"]["max_abs_err"]
    0.0
    """
    check_function(f, "compare")
    return collecting(_compare, f, args, methods, argnums, repeat)


def _compare(f, args, methods, argnums, repeat):
    if not isinstance(methods, (str, list, tuple, Differentiator)) or not methods:  # (3: "'int' is not iterable")
        raise TypeError(f"methods must be 'all', a method or a list of them, got {type(methods).__name__} {methods!r}")
    one = isinstance(methods, (str, Differentiator))
    names = list(METHODS) if methods == "all" else [methods] if one else list(methods)
    for name in names:  # a misspelt method is the caller's error, not a row of the table
        get_method(name)
    argnums = tuple(range(len(args))) if isinstance(argnums, str) and argnums == "all" else argnums
    _check_argnums(argnums, len(args))
    if isinstance(repeat, bool) or not isinstance(repeat, (int, np.integer)) or repeat < 1:
        raise ValueError(f"repeat must be a whole number >= 1 (timed calls per method), got {repeat!r}")
    rows = []
    for name in names:
        row = {"method": name if isinstance(name, str) else get_method(name).name, "error": ""}
        try:
            t = _Transform(f, argnums, name)
            t0 = time.perf_counter()
            st, prep = t.staged(args)
            row["prepare_seconds"] = time.perf_counter() - t0
            if getattr(prep, "ignored", None):  # numeric cannot honour stop_gradient or a custom rule
                row["note"] = (
                    f"differentiates through {', '.join(prep.ignored)} (finite differences see the "
                    "function, not the rule): its errors here are not its accuracy"
                )
            x = st.signature.inputs(args)
            for _ in range(2):  # warm-up: lazy compilation (the compiled tier's, at a second call) is preparation
                prep.jacobian(x)
            row["prepare_seconds"] = time.perf_counter() - t0
            before, times = prep.cost.copy(), []
            for _ in range(repeat):
                t0 = time.perf_counter()
                outs, jac = prep.jacobian(x)
                times.append(time.perf_counter() - t0)
            # the median call: a call another process delayed (a shared machine's) moves it least; the mean of
            # 3 read one disturbed call, or the compiled tier's compilation at the second call, as a 10× slower method
            # (forward 0.55 ms, reverse 5.75 ms, then 0.27; their medians 0.05 and 0.15)
            row["seconds"] = float(np.median(times))
            jac = _nan_rows(jac, _nonfinite(outs), _nonfinite([x[i] for i in st.wrt]))
            cost = (prep.cost - before) // repeat
            row.update(
                evals=cost.evals, eqns=cost.eqns, derivative=np.asarray(jac), value=[np.asarray(o) for o in outs]
            )
        except Exception as err:  # a method that cannot do this function is a result, not a crash
            row["error"] = f"{type(err).__name__}: {err}"
        rows.append(row)
    ref = reference(f, *args, argnums=argnums)  # the one policy: compare, the oracle and the experiments
    ref_name, ref = ref.how, ref.value
    for r in rows:
        if not r["error"]:
            d = r["derivative"]
            with np.errstate(invalid="ignore"):  # an infinity equal to the reference's is no error (was inf - inf:
                err = np.where(d == ref, 0.0, np.abs(d - ref))  # NaN, with NumPy's warning, at sqrt's x = 0)
                rel = err / np.maximum(np.abs(ref), 1e-300)
            r["max_abs_err"] = float(err.max()) if err.size else 0.0
            r["max_rel_err"] = float(np.where(err == 0, 0.0, rel).max()) if err.size else 0.0
    return Comparison(ref_name, rows)
