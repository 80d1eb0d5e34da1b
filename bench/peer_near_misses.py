"""Triage of the numeric method's near misses in the peer suite (bench/peer_suite.py): for each
failing `check_jvp`/`check_vjp` of autograd's `check_grads` under `numeric`, who is off, numeric's
product or the check's reference?

The check compares the method's product N with a reference R, central differences of the checked
function at autograd's step 1e-6. At second order the checked function is itself a numeric
derivative (`jvp_f`, `vjp_f`), so R differentiates numeric's own result again. This script
re-draws the directions and computes, for the failing check:

- T, the truth: the same product with every level by `reverse` (exact to round-off);
- |N - T| / |T|, numeric's error, and |N - T| against numeric's own error estimate E of that
  product (`Numeric(error_estimate=True)`'s, elementwise, bounded through the directions);
- |R - T| / |T|, the reference's error, and the reference's error when the function it
  differentiates is exact (every level by reverse): the 1e-6 step on an exact function.

    python bench/peer_near_misses.py test_binary_ops.py::test_mul test_graphs.py::test_third_derivative
    python bench/peer_near_misses.py --from-report --output bench/PEER_NEAR_MISSES.md   # the last numeric run's

It runs pytest in this process on autograd's tests (the cache bench/peer_suite.py filled).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import peer_suite  # noqa: E402

from difflab.differentiators.numeric import Numeric  # noqa: E402
from difflab.peers import autograd_shim as shim  # noqa: E402

ROWS: list = []
_last_error: list = []  # numeric's error estimate of the last outermost product computed on concrete values
_depth = [0]  # numeric products under way: only the outermost one (depth 0) computes its error estimate


def _recording_run(run):
    """Numeric's product, with its error estimate when it is the outermost one. The estimate doubles the
    points a product evaluates (f at 2h as well); asked of every level of a nested check, it multiplied
    the cost by 2 per level (test_tensordot_6, three levels: 65 s in the suite, 800 s here)."""

    def wrapped(self, args, V, want_err):
        outer = _depth[0] == 0
        _depth[0] += 1
        try:
            outs, jv, err = run(self, args, V, want_err or outer)
        finally:
            _depth[0] -= 1
        if outer and isinstance(jv, np.ndarray):
            _last_error[:] = [err]
        return outs, jv, (err if want_err else None)

    return wrapped


def _rel(a, b) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def _with(method, fn, *args):
    before, shim._selected = shim._selected, method
    try:
        return fn(*args)
    finally:
        shim._selected = before


def _flat(t):
    return np.concatenate([np.ravel(a) for a in shim.tree.flatten(t)[0]] or [np.zeros(0)])


def _diagnose(kind, f, x):
    """The failing check again, with its own directions (NumPy's global random state as the check found
    it, drawn in the check's order), each product also with every level by reverse."""
    if kind == "jvp":
        v = shim._randn_like(x)
        product = lambda: _flat(shim._jvp(f, x)(v)[1])  # noqa: E731
        jv = shim._jvp(f, x)(v)[1]
        n_vec, err = _with("numeric", product), _last_error[0][0]
        r = shim._randn_like(jv)  # check_equivalent's direction
        t_vec = _with("reverse", product)
        weights = _flat(r)
        N, T, bound = weights @ n_vec, weights @ t_vec, np.abs(weights) @ np.ravel(err)
        reference = lambda: shim._inner(r, shim._numerical_jvp(f, x, v))  # noqa: E731
    else:
        pullback, y = _with("numeric", shim._vjp, f, x)
        v, u = shim._randn_like(x), shim._randn_like(y)
        N, err = shim._inner(pullback(u), v), _last_error[0]  # err (n, m): Jᵀ's
        T = _with("reverse", lambda: shim._inner(shim._vjp(f, x)[0](u), v))
        bound = np.abs(_flat(v)) @ err @ np.abs(_flat(u))
        reference = lambda: shim._inner(u, shim._numerical_jvp(f, x, v))  # noqa: E731
    R, R_exact = _with("numeric", reference), _with("reverse", reference)
    return {
        "numeric error": _rel(N, T),
        "numeric error / its estimate": abs(N - T) / max(bound, 1e-300),
        "reference error": _rel(R, T),
        "reference error on exact f": _rel(R_exact, T),
    }


def _checking(kind, check):
    def wrapped(f, x, method=None):
        state = np.random.get_state()
        try:
            return check(f, x, method)
        except AssertionError:
            np.random.set_state(state)  # the check's own directions
            row = {"check": f"{kind} of {getattr(f, '__name__', f)}", **_diagnose(kind, f, x)}
            ROWS.append(row)
            raise

    return wrapped


class Plugin:
    """Installs the shim (numeric) and wraps its checks; records the test each row belongs to."""

    def pytest_configure(self, config):
        shim.install("numeric")
        shim.check_jvp = _checking("jvp", shim.check_jvp)
        shim.check_vjp = _checking("vjp", shim.check_vjp)
        Numeric.Prepared._run = _recording_run(Numeric.Prepared._run)

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            for row in ROWS:
                row.setdefault("test", report.nodeid)


def near_misses_from_report(tests_dir, files=None) -> list:
    """The numeric near misses and wrong values of the last run (in `files`, default all), read from its
    per-file reports."""
    out, ids = peer_suite.CACHE / "reports", []
    for name in files or sorted(p.name for p in tests_dir.glob("test_*.py")):
        for t, (o, msg) in peer_suite._last_report(out, "numeric", name).items():
            if o == "failed" and peer_suite.cause_of(msg, t).startswith(("near miss", "wrong value")):
                ids.append(t)
    return ids


KEYS = ("numeric error", "numeric error / its estimate", "reference error", "reference error on exact f")


def table(rows, command: str) -> str:
    """The rows as markdown, with a summary of who is off."""
    n = len(rows)
    count = lambda pred: sum(1 for r in rows if pred(r))  # noqa: E731
    lines = [
        "# The numeric method's failing checks in the peer suite, triaged (generated by `bench/peer_near_misses.py`)",
        "",
        f"Command: `{command}`. Each row re-runs one failing check of autograd's `check_grads` under `numeric` with",
        "its own directions; T is the same product with every level by reverse. Relative errors against T.",
        "",
        f"- {count(lambda r: r['numeric error'] < 1e-6)} of {n} checks: numeric's error below autograd's 1e-6 "
        f"(largest {max((r['numeric error'] for r in rows), default=0):.1e})",
        f"- {count(lambda r: r['reference error'] > 1e-6)} of {n}: the check's reference off by more than 1e-6 "
        f"(largest {max((r['reference error'] for r in rows), default=0):.1e}); on an exact function the same "
        f"reference is off by at most {max((r['reference error on exact f'] for r in rows), default=0):.1e}",
        f"- {count(lambda r: r['numeric error / its estimate'] > 1)} of {n}: numeric's error above its own error "
        "estimate (the outer level's, which adds the error the numeric levels inside reported)",
        "",
        "| test | failing check | " + " | ".join(KEYS) + " |",
        "| --- | --- | " + " | ".join("---" for _ in KEYS) + " |",
    ]
    for row in rows:
        cells = " | ".join(f"{row[k]:.1e}" for k in KEYS)
        lines.append(f"| {row.get('test', '?').split('/')[-1]} | {row['check']} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    import pytest

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", nargs="*", help="file::test ids of autograd's tests")
    parser.add_argument(
        "--from-report", action="store_true", help="every near miss and wrong value of the last numeric run"
    )
    parser.add_argument("--files", nargs="+", help="with --from-report: only these test files")
    parser.add_argument("--output", type=Path, default=None, help="write the table there (markdown)")
    args = parser.parse_args(argv)
    output = args.output.resolve() if args.output else None  # before the chdir below
    tests_dir = peer_suite.fetch()
    os.environ["DIFFLAB_PEER_METHOD"] = "numeric"  # (the plugin installs the shim with numeric too)
    ids = args.tests + (near_misses_from_report(tests_dir, args.files) if args.from_report else [])
    os.chdir(tests_dir)
    pytest.main(
        [*ids, "-c", str(tests_dir.parent / "pytest.ini"), "--rootdir", str(tests_dir), "-q", "--tb=no"]
        + ["-p", "no:cacheprovider", "-p", "no:randomly", "-W", "ignore"],
        plugins=[Plugin()],
    )
    command = "python bench/peer_near_misses.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = table(ROWS, command.strip())
    print(text)
    if output:
        output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
