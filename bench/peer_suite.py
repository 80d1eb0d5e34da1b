"""HIPS autograd's own test suite run on difflab through the import shim, once per method.

The suite is not copied into this repository: the script downloads autograd's source
distribution from PyPI with pip (cached), extracts its tests/, and runs pytest on each test file
with `-p difflab.peers.autograd_shim` (which puts the shim's `autograd` modules in sys.modules
before the tests import it) and DIFFLAB_PEER_METHOD set to each method. It writes a table of
passed / failed / errors per file and method, and the failures grouped by cause.

    python bench/peer_suite.py                      # all four methods, every file -> bench/PEER_SUITE.md
    python bench/peer_suite.py --methods reverse --files test_numpy.py --show 20
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERSION = "1.9.1"
#: the columns: a method, and "symbolic-1st" = symbolic with check_grads capped at first order (the
#: symbolic method cannot yet be the inner method of the nested second-order checks)
METHODS = ("symbolic", "symbolic-1st", "numeric", "forward", "reverse")
ENVIRONMENTS = {"symbolic-1st": {"DIFFLAB_PEER_METHOD": "symbolic", "DIFFLAB_PEER_MAX_ORDER": "1"}}
CACHE = Path(os.environ.get("DIFFLAB_CACHE", Path.home() / ".cache" / "difflab")) / "peer_suite"
#: files that only exercise autograd's machinery (its tracer, VSpaces, graph printing, timing)
INTERNAL_FILES = ("test_vspaces.py", "test_performance.py")


def fetch(version: str = VERSION) -> Path:
    """The autograd sdist's tests/ directory, downloaded once with pip into the cache."""
    root = CACHE / f"autograd-{version}"
    tests = root / "tests"
    if tests.is_dir():
        return tests
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / f"autograd-{version}.tar.gz"
    if not sdist.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                f"autograd=={version}",
                "--no-binary",
                ":all:",
                "--no-deps",
                "-q",
                "-d",
                str(CACHE),
            ],
            check=True,
        )
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(f"autograd-{version}/tests/") and m.isfile()]
        if not members:
            raise SystemExit(f"{sdist} has no tests/ directory")
        tar.extractall(CACHE, members=members, filter="data")
    # an empty ini: the sdist's own pytest settings (coverage, -n auto) are not ours
    (root / "pytest.ini").write_text("[pytest]\n")
    return tests


def run_file(
    tests: Path, name: str, method: str, out: Path, timeout: float, reuse: bool = False, test_cpu: float = 0
) -> dict:
    """Run one test file under one method (or, with `reuse`, read its last report); returns
    {test id: (outcome, message)}. `test_cpu` > 0: a test that uses more CPU seconds fails (the shim's
    $DIFFLAB_PEER_TEST_CPU) and the file goes on."""
    xml = out / f"{method}-{name}.xml"
    if reuse and (xml.exists() or xml.with_suffix(".timeout").exists()):
        return _last_report(out, method, name)
    xml.with_suffix(".timeout").unlink(missing_ok=True)
    env = dict(os.environ, DIFFLAB_PEER_METHOD=method, PYTHONWARNINGS="ignore", DIFFLAB_PEER_TEST_CPU=str(test_cpu))
    # single-threaded BLAS, as every bench script (_common.py): the per-test limit is CPU time, and OpenBLAS's
    # threads (one per core, files run --jobs at a time) spin-wait on a busy machine, charged to the test:
    # forward's check of np.gradient took 33 s of CPU with them, 6.5 s without
    env.update(dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1"))
    env.update(ENVIRONMENTS.get(method, {}))
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(tests / name),
        "-c",
        str(tests.parent / "pytest.ini"),
        "--rootdir",
        str(tests),
        "-p",
        "difflab.peers.autograd_shim",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-q",
        "--tb=line",
        "-W",
        "ignore",
        f"--junitxml={xml}",
    ]
    start = time.perf_counter()
    try:
        subprocess.run(cmd, env=env, cwd=tests, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as stopped:  # how far it got: pytest's progress characters so far
        xml.with_suffix(".timeout").write_text(f"{timeout:.0f}\n{_progress(stopped.stdout)}\n")
        return _last_report(out, method, name)
    finally:
        xml.with_suffix(".seconds").write_text(f"{time.perf_counter() - start:.1f}\n")
    if not xml.exists():
        return {f"{name}::*": ("error", "pytest wrote no report")}
    return read_report(xml, name)


def _progress(stdout) -> str:
    """What a killed `pytest -q` had done: its progress characters (one per test, in order) counted."""
    text = stdout.decode(errors="replace") if isinstance(stdout, bytes) else (stdout or "")
    marks = "".join(m.group(1) for m in re.finditer(r"^([.FEsxX]+) *(\[ *\d+%\])?$", text, flags=re.MULTILINE))
    names = {".": "passed", "F": "failed", "E": "errors", "s": "skipped", "x": "xfailed", "X": "xpassed"}
    counts = ", ".join(f"{marks.count(k)} {v}" for k, v in names.items() if k in marks)
    return f"{len(marks)} tests finished before it" + (f": {counts}" if counts else "")


def _last_report(out: Path, method: str, name: str) -> dict:
    xml = out / f"{method}-{name}.xml"
    if xml.with_suffix(".timeout").exists():
        seconds, _, progress = xml.with_suffix(".timeout").read_text().strip().partition("\n")
        said = f" ({progress})" if progress else ""
        return {f"{name}::*": ("error", f"timeout: the file ran longer than {seconds} s{said}")}
    return read_report(xml, name) if xml.exists() else {f"{name}::*": ("not run", "")}


def read_report(xml: Path, name: str) -> dict:
    results = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        test = f"{name}::{case.get('name')}"
        outcome, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            node = case.find(kind)
            if node is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[kind]
                message = (node.get("message") or "") + "\n" + (node.text or "")
                break
        results[test] = (outcome, message)
    if not results:  # a collection error leaves one testcase-less report
        results[f"{name}::*"] = ("error", xml.read_text())
    return results


ROUNDOFF_EQUALITY = "an exact == of a finite-difference derivative, off by round-off (below 1e-9 relative)"
#: (cause, pattern on the failure text), first match wins
CAUSES = (
    # bench/peer_suite.py --test-cpu (first: a test's name may hold another cause's word, "complex")
    ("a test over the per-test CPU limit (--test-cpu)", r"used more than [\d.]+ s of CPU time"),
    # autograd.scipy is difflab.scipy: what it lacks (a matrix square root, an ODE solver) fails by name
    (
        "a SciPy function difflab.scipy does not have (linalg.sqrtm, integrate.odeint)",
        # (by the message: both exist now, and a failure of theirs has a cause of its own)
        r"^test_scipy\.py::test_(sqrtm|odeint)::.*(has no attribute '(sqrtm|odeint)'|is SciPy's Python code)",
    ),
    (
        "autograd internals (Box, VSpace, primitive/defvjp, tracer, misc)",
        r"No module named 'autograd\.|cannot import name .* from 'autograd|module 'autograd[\w.]*' has no attribute"
        # const_graph's tests count how often autograd's graph cache calls the function (not values)
        r"|^test_misc\.py::test_const_graph"
        r"|^test_(performance|vspaces)\.py::",  # autograd's own machinery (test_performance holds no test)
    ),
    (
        "autograd's own wrappers (its where's keywords and Python result types, deprecated defgrad/defvjp, "
        "wrapped names and docs)",
        r"^test_wrappers\.py::test_(custom_where|deprecated_|wrapped_name_and_docs)",
    ),
    # not "iscomplex": the conversion error lists the supported functions, iscomplex among them; in the message,
    # not the test's name (numeric's `test_norm_axis_complex` now fails as a near miss, not on complex numbers)
    ("complex numbers", r":: .*((?<!is)[Cc]omplex|holomorphic)"),
    (
        "a traced value converted by NumPy (a list of them given to np.mean, np.int64(x), ...)",
        r"a traced value \(v\d+: [^)]*\) was converted to (a NumPy array|u?int|bool)",
    ),
    # float32 in, float32 out, and empty arrays differentiate (stop 23): what still says float32 is a dtype
    # that is not autograd's, named as such
    ("a result's dtype is not autograd's (float64 where autograd keeps float32)", r"float32"),
    ("unsupported NumPy/SciPy function", r"UnsupportedOperationError|not a difflab primitive|not supported on traced"),
    (
        "a primitive's own rules (symbolic and numeric differentiate the function itself; forward cannot run "
        "a VJP-only rule)",
        r"MissingRuleError|is not defined \(def[jv]+p gives it\)"
        r"|^test_(tests|logic)\.py::test_(check_vjp_\w+_fail|no_[jv]+p_def):: .*DID NOT RAISE",
    ),
    # autograd's rfftn VJP needs an even last axis; difflab's passes the check there, so pytest.raises fails
    (
        "autograd's own limitation (rfftn of an odd last axis raises NotImplementedError; difflab's passes the check)",
        r"^test_fft\.py::test_rfftn_odd_not_implemented:: .*DID NOT RAISE NotImplementedError",
    ),
    # difflab.numpy's setitem (`A[1] = b` on a traced array, ops/ assign family) since stop 39, under every method
    (
        "item assignment on a traced array: supported by design (autograd raises TypeError)",
        r"^test_graphs\.py::test_assignment_raises_error:: .*DID NOT RAISE TypeError",
    ),
    (
        "a boolean output: 0 with zero derivative by design (autograd raises TypeError)",
        r"^test_logic\.py::test_nograd::",
    ),
    # linalg.py's SYMPY_MATRIX_LIMIT, decompositions' 2×2 eigh/svd: refused at translation, before SymPy works
    (
        "symbolic: a matrix too large for SymPy's closed form (inv/det/cholesky beyond 4×4, eigh/svd beyond 2×2)",
        r"the symbolic method has no closed form for \w+ of a",
    ),
    ("symbolic as an inner method / no closed form", r"NotDifferentiableError"),
    ("timeout", r":: timeout:"),
    # numeric's second derivative through sqrt at 0 (std of one element): NaN with a DomainWarning naming sqrt, where
    # the exact methods' strong zeros give 0 (docs/peer_suite.md, "symbolic and numeric re-run")
    ("NaN at a domain edge, named by a DomainWarning (numeric: sqrt at 0)", r"relative difference nan"),
    ("near miss: within 1e-3 relative, outside autograd's 1e-6", r"relative difference \d\.\de-0[4-7]"),
    # `assert 0.9999999999868848 == 1.0` (test_mean_list_of_boxes): exact equality asked of an approximation
    (ROUNDOFF_EQUALITY, r"^$"),  # (matched by `_equal_to_roundoff`, not by a pattern)
    ("wrong value (analytic vs central differences)", r"check of .* failed|[Vv]alue mismatch|assert .*(close|==)"),
    ("structure or shape differs from autograd's", r"structure|mismatch|shape"),
    ("refused input (TypeError)", r"TypeError"),
    ("other error", r"."),
)


def _equal_to_roundoff(message: str) -> bool:
    """An `assert a == b` of two numbers that differ by round-off only (1e-9 relative): a numeric derivative
    checked for exact equality."""
    number = r"(?:np\.float64\()?(-?[\d.]+(?:e-?\d+)?)\)?"  # 6.0 or np.float64(6.0)
    found = re.search(rf"assert {number} == {number}\s", message + "\n")
    if not found:
        return False
    a, b = float(found.group(1)), float(found.group(2))
    return a != b and abs(a - b) <= 1e-9 * max(1.0, abs(b))


def cause_of(message: str, test: str = "") -> str:
    """The first cause whose pattern matches "test_name:: message" (the test's name without its file)."""
    text = f"{test}:: {_last_exception(message)}"
    for cause, pattern in CAUSES:
        if re.search(pattern, text, flags=re.DOTALL) or (cause == ROUNDOFF_EQUALITY and _equal_to_roundoff(message)):
            return cause
    return "other error"


#: pytest's words between the exceptions of a chain; the last exception is the one that failed the test
CHAINED = (
    r"\n(?:During handling of the above exception, another exception occurred"
    r"|The above exception was the direct cause of the following exception):\n"
)


def _last_exception(message: str) -> str:
    """The failure's text from its last chained exception on: a test that times out (or is refused) while
    the shim handles a first exception (the ComplexLeaf that makes a complex argument realified) failed by
    the second, and the first's words must neither name its cause nor be its summary line."""
    return re.split(CHAINED, message)[-1]


def _first_line(message: str) -> str:
    """The failure's one-line summary: pytest's first `E   ` line of the last chained exception, else the
    message's first line."""
    lines = [ln.strip() for ln in _last_exception(message).splitlines() if ln.strip()]
    errors = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
    return ((errors or lines or [""])[0])[:200]


def tabulate(results: dict, methods, files) -> tuple:
    """(cells, failures) of fresh results: cells[m][file] = Counter of outcomes (None: not run), failures[m] =
    [(test, cause, first line)] sorted by test."""
    cells, failures = {m: {} for m in methods}, {m: [] for m in methods}
    for m in methods:
        for name in files:
            c = collections.Counter(o for t, (o, _) in results[m].items() if t.startswith(name + "::"))
            cells[m][name] = None if c["not run"] else c
        failures[m] = [
            (test, cause_of(msg, test), _first_line(msg))
            for test, (o, msg) in sorted(results[m].items())
            if o in ("failed", "error")
        ]
    return cells, failures


def render(cells: dict, failures: dict, seconds: dict, methods, files, notes=()) -> str:
    """The markdown report: the table of cells, the failures counted by cause (CAUSES' order, then any cause an
    older report named), each failing test. `seconds[m]`: a number or the text to show; `notes`: lines under
    the table's legend (the cells `--update` replaced)."""
    lines = [
        f"# autograd {VERSION}'s test suite on difflab (generated by `python bench/peer_suite.py`)",
        "",
        "Each cell: passed / failed / errors (skipped tests are not counted).",
        *[f"{note}" for note in notes],
        "",
        "| file | " + " | ".join(methods) + " |",
        "| --- | " + " | ".join("---" for _ in methods) + " |",
    ]
    totals = {m: collections.Counter() for m in methods}
    for name in files:
        row = []
        for m in methods:
            c = cells[m].get(name)
            totals[m].update(c or {})
            row.append(f"{c['passed']} / {c['failed']} / {c['error']}" if c is not None else "not run")
        mark = " (autograd internals)" if name in INTERNAL_FILES else ""
        lines.append(f"| {name}{mark} | " + " | ".join(row) + " |")
    lines.append(
        "| **total** | "
        + " | ".join(f"**{t['passed']} / {t['failed']} / {t['error']}**" for t in totals.values())
        + " |"
    )

    def shown(v):
        return v if isinstance(v, str) else f"{v:.0f}" if v else "–"

    lines.append("| seconds (sum over files) | " + " | ".join(shown(seconds[m]) for m in methods) + " |")
    lines += [
        "",
        "## Failures and errors by cause",
        "",
        "| cause | " + " | ".join(methods) + " |",
        "| --- | " + " | ".join("---" for _ in methods) + " |",
    ]
    by_cause = {m: collections.Counter(cause for _, cause, _ in failures[m]) for m in methods}
    named = [cause for cause, _ in CAUSES]
    older = [c for m in methods for _, c, _ in failures[m] if c not in named]
    for cause in named + list(dict.fromkeys(older)):
        if any(by_cause[m][cause] for m in methods):
            lines.append(f"| {cause} | " + " | ".join(str(by_cause[m][cause]) for m in methods) + " |")
    lines += ["", "## Each failing test (cause: first line of the failure)", ""]
    for m in methods:
        lines += [f"### {m}", ""]
        lines += [f"- `{test}` — {cause}: {line}" for test, cause, line in failures[m]]
        lines.append("")
    return "\n".join(lines)


def report(results: dict, methods, files, seconds: dict) -> str:
    cells, failures = tabulate(results, methods, files)
    return render(cells, failures, seconds, methods, files)


UPDATED = "Updated by `--update` (a fresh run of that file and method; the other cells from the runs before):"


def parse(text: str) -> tuple:
    """(methods, files, cells, failures, seconds, notes) of a report `render` wrote: the inverse of `render`
    (a failure's cause read as the label of the cause table its text begins with)."""
    lines = text.splitlines()
    head = next(k for k, ln in enumerate(lines) if ln.startswith("| file | "))
    methods = [c.strip() for c in lines[head].strip("|").split("|")[1:]]
    notes = [ln for ln in lines[:head] if ln.startswith(UPDATED) or ln.startswith("- updated: ")]
    cells, files, seconds = {m: {} for m in methods}, [], {}
    for ln in lines[head + 2 :]:
        first, *rest = [c.strip() for c in ln.strip().strip("|").split("|")]
        if first == "**total**":
            continue
        if first.startswith("seconds"):
            seconds = {m: v if v != "–" else 0 for m, v in zip(methods, rest)}
            break
        name = first.split(" ")[0]
        files.append(name)
        for m, v in zip(methods, rest):
            p, f, e = (int(x) for x in v.split(" / ")) if v != "not run" else (0, 0, 0)
            cells[m][name] = None if v == "not run" else collections.Counter(passed=p, failed=f, error=e)
    start = lines.index("## Failures and errors by cause")
    labels = [ln.strip("|").split("|")[0].strip() for ln in lines[start + 4 :] if ln.startswith("| ")]
    labels.sort(key=len, reverse=True)  # the longest label a line begins with
    failures, method = {m: [] for m in methods}, None
    for ln in lines[lines.index("## Each failing test (cause: first line of the failure)") :]:
        if ln.startswith("### "):
            method = ln[4:].strip()
        elif ln.startswith("- `") and method in failures:
            test, _, text = ln[3:].partition("` — ")
            cause = next((c for c in labels if text.startswith(c + ": ")), "other error")
            failures[method].append((test, cause, text[len(cause) + 2 :]))
    return methods, files, cells, failures, seconds, notes


def update(path: Path, fresh: dict, methods, files, seconds: dict, when: str) -> str:
    """The report at `path` with the cells of `methods` × `files` (and their failing tests) replaced by the
    fresh results; their seconds shown beside the column's old sum, and a note naming what was replaced."""
    all_methods, all_files, cells, failures, old_seconds, notes = parse(path.read_text())
    new_cells, new_failures = tabulate(fresh, methods, files)
    for m in methods:
        for name in files:
            cells[m][name] = new_cells[m][name]
            keep = [f for f in failures[m] if not f[0].startswith(name + "::")]
            failures[m] = sorted(keep + [f for f in new_failures[m] if f[0].startswith(name + "::")])
        notes = notes or [UPDATED]
        cell = f"- updated: {m} × {', '.join(files)} ("
        notes = [n for n in notes if not n.startswith(cell)]  # a cell updated again: its newest run only
        notes.append(f"{cell}{when}, {seconds[m]:.0f} s)")
        # the column's old sum, then the seconds of each of its updated cells (from the notes)
        secs = [n.rsplit(", ", 1)[1].removesuffix(" s)") for n in notes if n.startswith(f"- updated: {m} × ")]
        old_seconds[m] = f"{str(old_seconds[m]).split(' (updated')[0]} (updated: {' + '.join(secs)})"
    return render(cells, failures, old_seconds, all_methods, all_files, notes)


def output_path(args) -> Path:
    """Where the table goes: --output, else the committed bench/PEER_SUITE.md for a run of every file and method
    (or --update, which splices cells into it), else the cache. docs/peer_suite.md's one-file example
    (`--methods reverse --files test_numpy.py`) wrote its one cell over the committed table."""
    if args.output is not None:
        return args.output
    if args.update or (not args.files and sorted(args.methods) == sorted(METHODS)):
        return HERE / "PEER_SUITE.md"
    print(
        f"peer_suite: a run of some files or methods: its table goes to {CACHE / 'PEER_SUITE.partial.md'}",
        file=sys.stderr,
    )
    return CACHE / "PEER_SUITE.partial.md"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--files", nargs="+", help="test files (default: every tests/test_*.py)")
    parser.add_argument("--jobs", type=int, default=2, help="test files run at the same time")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per file and method")
    parser.add_argument(
        "--test-cpu",
        type=float,
        default=0,
        help="CPU seconds allowed per test (0: no limit); a test over it fails and the file goes on",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="the table (default: bench/PEER_SUITE.md for every file × method or --update; a run of some files or "
        "methods writes $DIFFLAB_CACHE/peer_suite/PEER_SUITE.partial.md and leaves the committed table as it is)",
    )
    parser.add_argument("--show", type=int, default=0, help="print this many failure messages per method")
    parser.add_argument(
        "--reference",
        choices=("numpy", "traced"),
        default="numpy",
        help="what check_grads' central differences evaluate: f on plain arrays (autograd's "
        "check) or f's traced value (separates a value that differs from NumPy's from a wrong derivative)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: tabulate the last reports (a file without one shows as not run)",
    )
    parser.add_argument(
        "--rerun", nargs="+", default=None, help="run only these files again; every other file's last report is reused"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="run --methods × --files afresh and replace only those cells (and their failing tests) in the "
        "report at --output, every other cell kept as it is there (when the other runs' reports are gone)",
    )
    args = parser.parse_args(argv)
    out = CACHE / ("reports" if args.reference == "numpy" else "reports-traced")
    args.output = output_path(args)
    if args.report_only and not any(out.glob("*.xml")) and not any(out.glob("*.timeout")):
        # (it wrote a table of "not run" over the committed one: docs/peer_suite.md's command on a fresh clone)
        print(f"peer_suite: no reports in {out} to tabulate: run the suite first ($DIFFLAB_CACHE moves it)")
        return 2
    tests = fetch()
    os.environ["DIFFLAB_PEER_REFERENCE"] = args.reference
    files = args.files or sorted(p.name for p in tests.glob("test_*.py"))
    if args.update and (not args.files or not args.output.exists()):
        parser.error("--update replaces the cells of --files in an existing --output report: name the files")
    out.mkdir(exist_ok=True)
    results, seconds = {m: {} for m in args.methods}, {}
    for m in args.methods:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            reuse = lambda f: args.rerun is not None and f not in args.rerun
            if args.report_only:
                reports = [_last_report(out, m, f) for f in files]
            else:
                reports = pool.map(lambda f: run_file(tests, f, m, out, args.timeout, reuse(f), args.test_cpu), files)
            for res in reports:
                results[m].update(res)
        # test-file seconds summed (a file's own time, whether run now or reused)
        seconds[m] = sum(float(p.read_text()) for f in files if (p := out / f"{m}-{f}.seconds").exists())
        print(f"{m}: done in {seconds[m]:.0f} s", file=sys.stderr)
        for test, (o, msg) in list((t, r) for t, r in results[m].items() if r[0] in ("failed", "error"))[: args.show]:
            print(f"  {test}: {cause_of(msg, test)}\n    {msg.strip()[:600]}", file=sys.stderr)
    if args.update:
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        if args.test_cpu:  # the cells' limit, which decides some of their failures
            when += f", --test-cpu {args.test_cpu:g}"
        text = update(args.output, results, args.methods, files, seconds, when)
    else:
        text = report(results, args.methods, files, seconds)
    args.output.write_text(text.rstrip("\n") + "\n")
    (out / "results.json").write_text(json.dumps(results, indent=1))
    print(text.split("\n## Each failing")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
