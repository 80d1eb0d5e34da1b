"""Shared benchmark plumbing: single-threaded BLAS, interleaved timing, Markdown tables.

Import this module FIRST in every bench script: it pins every BLAS/OpenMP/XLA pool to one thread
and the process to one CPU (`_one_cpu`) before NumPy (or a peer) is imported. `measure` times several
callables side by side in one process: each is calibrated to a batch of calls lasting about `target`
seconds, then the batches run round-robin (order rotated each round) so that machine noise hits every
contender alike; the result per callable is the median over rounds, and ratios are medians of the
per-round paired ratios.
"""

from __future__ import annotations

import os
import sys

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _one_cpu():
    """Pin this process (and every thread it starts) to one CPU: the flags above do not hold XLA's CPU runtime
    to one thread (jax.jacfwd at n = 1024 ran at 1.65 CPU-seconds per second on 2 idle cores), so a JAX row
    measured 'one core' used the second core whenever the machine was idle and not when it was busy: its time
    wandered 4.3-9.9 ms between idle runs, and the forward ÷ jax.jacfwd ratio with it (issue 17 §3). The
    highest-numbered allowed CPU, or $DIFFLAB_BENCH_CPU; DIFFLAB_BENCH_CPU=all keeps the process unpinned. Not
    under pytest: tests/test_bench.py imports bench scripts, and a pinned test worker would stay pinned."""
    want = os.environ.get("DIFFLAB_BENCH_CPU", "")
    if want == "all" or "pytest" in sys.modules or not hasattr(os, "sched_setaffinity"):
        return
    cpu = int(want) if want else max(os.sched_getaffinity(0))
    for task in os.listdir("/proc/self/task"):  # every thread started so far (Linux: affinity is per thread)
        os.sched_setaffinity(int(task), {cpu})


_one_cpu()

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402

__all__ = [
    "measure",
    "Timing",
    "table",
    "peer",
    "args",
    "emit",
    "machine",
    "versions",
    "peak_memory",
    "fmt_time",
    "fit_slope",
    "fingerprint",
]

PEERS = ("numpy", "scipy", "sympy", "autograd", "numdifftools", "micrograd", "torch", "jax", "jaxlib")


# -- optional peers -------------------------------------------------------------------------------

_peer_errors: dict[str, str] = {}


def peer(name):
    """Import an optional peer configured for single-threaded float64 CPU work, or None."""
    try:
        mod = importlib.import_module(name)
    except Exception as err:  # not installed, or broken: a missing row, not a crash
        _peer_errors[name] = f"{type(err).__name__}: {err}"
        return None
    if name == "torch":
        mod.set_num_threads(1)
        try:
            mod.set_num_interop_threads(1)
        except RuntimeError:  # only settable once, before any parallel work
            pass
    if name == "jax":
        mod.config.update("jax_enable_x64", True)
        mod.config.update("jax_platforms", "cpu")
    return mod


# -- timing ---------------------------------------------------------------------------------------


@dataclass
class Timing:
    """Per-call seconds of one contender over the rounds (each round: one calibrated batch)."""

    name: str
    samples: list = field(default_factory=list)
    number: int = 1  # calls per batch

    @property
    def median(self) -> float:
        return float(np.median(self.samples))

    @property
    def spread(self) -> float:
        """Relative half-width of the inter-quartile range: 0.02 means ±2 %."""
        q1, q3 = np.percentile(self.samples, [25, 75])
        return float((q3 - q1) / 2 / np.median(self.samples))

    def ratio(self, base: "Timing") -> float:
        """Median over rounds of this/base, paired round by round (noise common to both cancels)."""
        n = min(len(self.samples), len(base.samples))
        return float(np.median(np.array(self.samples[:n]) / np.array(base.samples[:n])))

    def ratio_spread(self, base: "Timing") -> tuple:
        n = min(len(self.samples), len(base.samples))
        r = np.array(self.samples[:n]) / np.array(base.samples[:n])
        return tuple(float(v) for v in np.percentile(r, [25, 75]))


def _batch(fn, number):
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return time.perf_counter() - t0


def _calibrate(fn, target):
    number = 1
    while True:
        t = _batch(fn, number)
        if t >= target / 4 or number >= 1 << 20:
            return max(1, int(round(number * target / max(t, 1e-9))))
        number *= 4


def measure(fns: dict, rounds: int = 31, target: float = 0.02, warmup: int = 3, gc_off: bool = True) -> dict:
    """Time each callable in `fns` ({name: zero-argument callable}) interleaved; {name: Timing}.

    Every callable is called `warmup` times, then calibrated to about `target` seconds per batch;
    then `rounds` rounds each time one batch of every callable, rotating the order every round.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    numbers = {k: _calibrate(fn, target) for k, fn in fns.items()}
    out = {k: Timing(k, number=numbers[k]) for k in fns}
    names = list(fns)
    was_enabled = gc.isenabled()
    try:
        for r in range(rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            if gc_off:
                gc.collect()
                gc.disable()
            for k in order:
                out[k].samples.append(_batch(fns[k], numbers[k]) / numbers[k])
            if gc_off and was_enabled:
                gc.enable()
    finally:
        if was_enabled:
            gc.enable()
    return out


def once(fn, repeat=5):
    """Median seconds of `repeat` single calls (for things too slow to batch, e.g. preparation)."""
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), ts


def peak_memory(fn, warm: int = 3) -> int:
    """Peak bytes allocated (NumPy buffers included: NumPy reports to tracemalloc) during one call,
    after `warm` calls (lazy, tiered compilation and caches are not per-call memory). The buffers a
    lowered function keeps from call to call (difflab.compile.graphs._Pool) are per-call memory held
    between calls: emptied first, so that the measured call allocates them and they count."""
    for _ in range(warm):
        fn()
    _empty_pools()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base


def _empty_pools():
    """Drop the buffers of every lowered function's pool in this process (their next call allocates them)."""
    graphs = sys.modules.get("difflab.compile.graphs")
    if graphs is None:
        return
    for obj in gc.get_objects():
        if type(obj) is graphs._Pool:
            obj.buffers = [None] * len(obj.buffers)


def fit_slope(ns, ts) -> float:
    """Least-squares slope of log t against log n."""
    return float(np.polyfit(np.log(np.asarray(ns, float)), np.log(np.asarray(ts, float)), 1)[0])


# -- output ---------------------------------------------------------------------------------------


def fmt_time(s: float) -> str:
    if s != s:
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def table(headers, rows) -> str:
    """A Markdown table (cells converted with str)."""
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join(
        [line([str(h) for h in headers]), "| " + " | ".join("-" * w for w in widths) + " |", *map(line, rows)]
    )


def args(description: str):
    """Common command line: --quick (a few repetitions: a smoke run) and --json PATH (for run_all)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="few repetitions and small sizes: a smoke run")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON (used by run_all.py)")
    return p.parse_args()


def emit(opts, name: str, markdown: str, rows: list, notes: list = ()):
    """Print the Markdown and (with --json) write {'name', 'markdown', 'rows', 'notes', 'command'}."""
    print(markdown)
    for n in notes:
        print(f"\n- {n}")
    if opts.json:
        cmd = "python " + " ".join(
            [os.path.relpath(sys.argv[0], _root())]
            + [a for a in sys.argv[1:] if not a.startswith("--json") and not a.endswith(".json")]
        )
        with open(opts.json, "w") as fh:
            json.dump(
                {
                    "name": name,
                    "markdown": markdown,
                    "rows": rows,
                    "notes": list(notes),
                    "command": cmd,
                    "peer_errors": _peer_errors,
                    "difflab_sources": _FP_START,
                    "date": datetime.datetime.now().isoformat(timespec="seconds"),
                },
                fh,
                indent=1,
                default=float,
            )


def fingerprint() -> str:
    """Short hash of difflab's sources now: tells whether the core changed between two runs."""
    import hashlib

    import importlib.util

    h = hashlib.sha1()
    spec = importlib.util.find_spec("difflab")  # the copy this process imports (maybe a snapshot)
    pkg = os.path.dirname(spec.origin) if spec and spec.origin else os.path.join(_root(), "difflab")
    for dirpath, dirs, files in sorted(os.walk(pkg)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                with open(os.path.join(dirpath, name), "rb") as fh:
                    h.update(name.encode() + fh.read())
    return h.hexdigest()[:10]


def _root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


_FP_START = fingerprint()  # the sources this process imports (difflab is imported right after _common)


def machine() -> dict:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "platform": platform.platform()}


def versions() -> dict:
    out = {}
    for name in ("difflab",) + PEERS:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    try:
        out["difflab git"] = subprocess.run(
            ["git", "-C", _root(), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip() + (
            " (+ uncommitted changes)"
            if subprocess.run(
                ["git", "-C", _root(), "status", "--porcelain", "difflab"], capture_output=True, text=True
            ).stdout.strip()
            else ""
        )
    except OSError:
        pass
    return out
