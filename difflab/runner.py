"""Experiment runs: run directories, sweep cells through any executor, resume, seeds, progress.

How it works. An experiment module (see experiments/README.md) lists its sweep `cells(config)`;
each cell is a pure `run_cell(cell, seed) -> metrics` call submitted to a `concurrent.futures`-style
executor (serial, a process pool or a Dask cluster). The main process writes each finished cell to
`cells/NNNN.json` atomically (tmp file + os.replace), so an interrupted run keeps every finished cell
and `--resume` skips them. When all cells are in, `metrics.csv`, `summary.json`, the figures and the
report are rendered from those files alone:

    runs/cost_scaling/20250101T120000Z_3f2a9c1b7d4e/
        config.json  experiment.py  cells/0000.json ...  metrics.csv  summary.json
        figures/*.png *.svg  figures.json  report.md  report.html
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import csv
import datetime as _dt
import hashlib
import io
import json
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from .errors import DifflabError

__all__ = ["Experiment", "Results", "RunError", "ConfigError", "find_experiments", "load_experiment",
           "resolve_config", "config_hash", "cell_seed", "run", "render", "publish", "write_json",
           "make_executor", "add_run_arguments", "run_from_args", "main", "EXECUTORS"]

EXECUTORS = ("serial", "process", "dask")
_REPO_EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"

#: the smallest complete experiment; the doctests below run it in a temporary folder
_DEMO = """QUESTION = "What are the squares of 1 and 2?"
PRESETS = {"quick": {"n": [1, 2]}, "full": {"n": [1, 2, 3]}}
def cells(config): return [{"x": x} for x in config["n"]]
def run_cell(cell, seed): return {"y": cell["x"] ** 2}
def summarize(results): return {"total": sum(r["metrics"]["y"] for r in results)}
"""


def _demo_experiment() -> Path:
    folder = Path(tempfile.mkdtemp())
    (folder / "squares.py").write_text(_DEMO)
    return folder / "squares.py"


class ConfigError(DifflabError, ValueError):
    """Bad user input to a run (unknown experiment, preset or config key); the CLI exits with 2."""


class RunError(DifflabError, RuntimeError):
    """Some cells of a run failed; the finished ones are on disk and `--resume` retries the rest."""


# -- experiments -------------------------------------------------------------------------------

@dataclass
class Experiment:
    """A loaded experiment module: its name, source and the functions of the experiment contract."""

    name: str
    path: Path
    source: str
    module: ModuleType

    @property
    def question(self) -> str:
        return self.module.QUESTION

    @property
    def presets(self) -> dict:
        return self.module.PRESETS

    def cells(self, config) -> list:
        return list(self.module.cells(config))

    def summarize(self, results) -> dict:
        fn = getattr(self.module, "summarize", None)
        return fn(results) if fn else {}

    def figures(self, results, summary) -> list:
        fn = getattr(self.module, "figures", None)
        return fn(results, summary) if fn else []


def find_experiments(dirs=None) -> dict:
    """Experiment name → path, from `dirs`, $DIFFLAB_EXPERIMENTS, ./experiments and the repo's folder.

    Files starting with "_" are helpers, not experiments. Earlier folders win on a name clash.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "sweep.py").write_text(""); _ = (d / "_helper.py").write_text("")
    >>> list(find_experiments([d]))
    ['sweep']
    """
    if dirs is None:
        env = os.environ.get("DIFFLAB_EXPERIMENTS", "")
        dirs = [d for d in env.split(os.pathsep) if d] + [Path.cwd() / "experiments", _REPO_EXPERIMENTS]
    found: dict = {}
    for d in map(Path, dirs):
        if d.is_dir():
            for p in sorted(d.glob("*.py")):
                if not p.name.startswith("_"):
                    found.setdefault(p.stem, p.resolve())
    return found


_MODULES: dict = {}


def _module_from_source(name: str, source: str, path: str) -> ModuleType:
    # keyed by content: a worker (or a Dask node without the file) runs exactly the shipped code
    key = (name, hashlib.sha256(source.encode()).hexdigest())
    if key not in _MODULES:
        module = ModuleType(f"difflab_experiment_{name}")
        module.__file__ = path
        exec(compile(source, path, "exec"), module.__dict__)
        _MODULES[key] = module
    return _MODULES[key]


def load_experiment(name_or_path, dirs=None) -> Experiment:
    """Load an experiment by name (see `find_experiments`) or by the path of its .py file.

    Raises ConfigError naming the valid experiments when the name is unknown.

    >>> load_experiment("no_such_experiment", dirs=[])
    Traceback (most recent call last):
    ...
    difflab.runner.ConfigError: unknown experiment 'no_such_experiment'; valid names: (none found)
    """
    text = str(name_or_path)
    if text.endswith(".py"):
        path = Path(text).resolve()
        if not path.is_file():
            raise ConfigError(f"no experiment file {text}")
    else:
        known = find_experiments(dirs)
        if text not in known:
            raise ConfigError(f"unknown experiment {text!r}; valid names: {', '.join(sorted(known)) or '(none found)'}")
        path = known[text]
    source = path.read_text()
    module = _module_from_source(path.stem, source, str(path))
    for attr in ("QUESTION", "PRESETS", "cells", "run_cell"):
        if not hasattr(module, attr):
            raise ConfigError(f"{path} is not an experiment: it lacks {attr} (see experiments/README.md)")
    return Experiment(path.stem, path, source, module)


def resolve_config(exp: Experiment, preset: str = "quick", overrides=None) -> dict:
    """The preset's parameters with `overrides` applied; unknown presets or keys are ConfigErrors.

    Override values given as text are read as JSON when they parse (numbers, lists), else as strings.

    >>> import types
    >>> m = types.SimpleNamespace(PRESETS={"quick": {"n": [4, 8], "name": "a"}})
    >>> resolve_config(Experiment("x", Path("x.py"), "", m), "quick", {"n": "[2, 4]"})
    {'n': [2, 4], 'name': 'a'}
    """
    if preset not in exp.presets:
        raise ConfigError(f"unknown preset {preset!r} for {exp.name}; valid presets: {', '.join(exp.presets)}")
    config = json.loads(json.dumps(exp.presets[preset]))
    for key, value in (overrides or {}).items():
        if key not in config:
            raise ConfigError(f"unknown config key {key!r} for {exp.name}; valid keys: {', '.join(config)}")
        value = _parse_value(value) if isinstance(value, str) else value
        _check_like(exp, key, value, config[key])
        config[key] = value
    return config


def _kind(x) -> str:
    if isinstance(x, bool):
        return "a boolean"
    if isinstance(x, (int, float)):
        return "a number"
    return {str: "a string", list: "a list", dict: "a mapping"}.get(type(x), type(x).__name__)


def _check_like(exp: Experiment, key: str, value, preset_value):
    """An override must look like the preset's value: the same kind (a list stays a non-empty
    list of the same kind of items), a number that is positive in the preset stays positive,
    and a value the experiment lists in CHOICES[key] is one of those."""
    def bad(why):
        return ConfigError(f"--set {key}={json.dumps(value)}: {why} (the {exp.name} preset has "
                           f"{key}={json.dumps(preset_value)})")

    if _kind(value) != _kind(preset_value):
        raise bad(f"{key} must be {_kind(preset_value)}, not {_kind(value)}")
    values, presets = ([value], [preset_value]) if not isinstance(value, list) else (value, preset_value)
    if isinstance(value, list) and not value:
        raise bad(f"{key} must not be empty")
    kinds = {_kind(p) for p in presets}
    for v in values:
        if kinds and _kind(v) not in kinds:
            raise bad(f"each entry of {key} must be {' or '.join(sorted(kinds))}, not {_kind(v)} ({v!r})")
        if _kind(v) == "a number" and presets and all(_kind(p) == "a number" and p > 0 for p in presets) and not v > 0:
            raise bad(f"{key} must be positive")
    choices = getattr(exp.module, "CHOICES", {}).get(key)
    if choices is not None:
        unknown = [v for v in values if v not in choices]
        if unknown:
            raise bad(f"unknown {key} {', '.join(map(repr, unknown))}; valid: {', '.join(map(str, choices))}")


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def config_hash(name: str, config: dict, seed: int) -> str:
    """A 12-hex-digit hash of what determines a run's results: experiment, config and root seed.

    >>> config_hash("e", {"n": 1}, 0) == config_hash("e", {"n": 1}, 0) != config_hash("e", {"n": 1}, 1)
    True
    """
    blob = json.dumps({"experiment": name, "config": config, "seed": seed}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def cell_seed(root: int, index: int) -> int:
    """The seed of sweep cell `index`: numpy SeedSequence(root) spawned by index, as a 32-bit int.

    Deterministic and independent of how many cells there are or which run them first.

    >>> cell_seed(0, 3) == cell_seed(0, 3) != cell_seed(0, 4)
    True
    """
    return int(np.random.SeedSequence(root, spawn_key=(index,)).generate_state(1)[0])


# -- results -----------------------------------------------------------------------------------

class Results(list):
    """The finished cells of a run, in cell order: records {"index", "cell", "seed", "metrics"}.

    >>> r = Results([{"index": 0, "cell": {"m": "a", "n": 1}, "seed": 1, "metrics": {"t": 2}}])
    >>> [x["metrics"]["t"] for x in r.where(m="a")], r.unique("n")
    ([2], [1])
    """

    def where(self, **match) -> "Results":
        return Results(r for r in self if all(r["cell"].get(k) == v for k, v in match.items()))

    def unique(self, key) -> list:
        seen = []
        for r in self:
            v = r["cell"].get(key)
            if v not in seen:
                seen.append(v)
        return seen


def write_json(path, data) -> Path:
    """Write JSON atomically: a temporary file in the same folder, then os.replace (never half a file).

    >>> import tempfile, pathlib
    >>> p = write_json(pathlib.Path(tempfile.mkdtemp()) / "a.json", {"x": 1})
    >>> json.loads(p.read_text())
    {'x': 1}
    >>> "NaN" in write_json(p, {"x": float("nan")}).read_text(), json.loads(p.read_text())  # strict JSON
    (False, {'x': None})
    """
    # strict JSON (RFC 8259): NaN and infinities are written as null, never as bare NaN
    return write_text(path, json.dumps(_finite(data), indent=1, sort_keys=False, default=_json_default,
                                       allow_nan=False) + "\n")


def write_text(path, text: str) -> Path:
    """Write a file atomically and durably: a temporary file in the same folder, flushed to disk
    (fsync), then os.replace; a kill at any moment leaves the old file or the new one, never half.

    >>> import tempfile, pathlib
    >>> write_text(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "x").read_text()
    'x'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())  # the data is on disk before the name points at it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _finite(x):
    from .report.stats import finite_json

    return finite_json(x)


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"run_cell must return JSON-able metrics (numbers, strings, lists, dicts); got {type(x).__name__}")


def _read_cells(run_dir: Path) -> Results:
    return Results(sorted((json.loads(p.read_text()) for p in (run_dir / "cells").glob("*.json")),
                          key=lambda r: r["index"]))


# -- executors ---------------------------------------------------------------------------------

class SerialExecutor(cf.Executor):
    """Runs each task at submit time in this process (the default for jobs=1; easy to debug)."""

    def submit(self, fn, /, *args, **kwargs):
        future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # KeyboardInterrupt must still stop the run
            if not isinstance(err, Exception):
                raise
            future.set_exception(err)
        return future


def make_executor(kind: str = "serial", jobs: int = 1, scheduler: str | None = None):
    """A `concurrent.futures` executor: "serial", "process" (jobs workers) or "dask" (needs dask).

    Returns (executor, close) where close() releases it. `scheduler` is a Dask scheduler address;
    without one a local Dask cluster with `jobs` worker processes is started.

    >>> ex, close = make_executor("serial")
    >>> ex.submit(pow, 2, 10).result(); close()
    1024
    """
    if kind == "serial":
        ex = SerialExecutor()
        return ex, ex.shutdown
    if kind == "process":
        ex = cf.ProcessPoolExecutor(max_workers=max(1, jobs))
        return ex, lambda: ex.shutdown(wait=True, cancel_futures=True)
    if kind == "dask":
        try:
            from dask.distributed import Client
        except ImportError:
            raise ConfigError("--executor dask needs Dask's distributed scheduler, which is not installed; "
                              "install it with: pip install 'difflab[dask]'  (or: pip install 'dask[distributed]')") from None
        if scheduler:
            _probe_scheduler(scheduler)
        try:  # a scheduler that accepts the connection but does not answer: Dask's own timeout
            client = Client(scheduler, timeout="5s") if scheduler else Client(
                n_workers=max(1, jobs), threads_per_worker=1, processes=True, dashboard_address=None)
        except (OSError, TimeoutError, ValueError) as err:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
        return client.get_executor(), client.close
    raise ConfigError(f"unknown executor {kind!r}; valid executors: {', '.join(EXECUTORS)}")


def _probe_scheduler(address: str, timeout: float = 0.5) -> None:
    """Refuse at once a TCP scheduler address where nothing listens: Dask's client would retry
    for its whole timeout (5 s) before saying the same thing. Other transports are left to Dask."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else "tcp://" + address)
    if parts.scheme not in ("tcp", "tls"):
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError as err:  # a port that is not a number
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {err}") from None
    if not host or port is None:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: the address needs a host and a port "
                          "(e.g. tcp://127.0.0.1:8786)")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as err:
        reason = err.strerror or str(err) or type(err).__name__
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: nothing answers on {host}:{port} "
                          f"({reason})") from None


def _run_cell_task(name: str, source: str, path: str, cell: dict, seed: int) -> dict:
    """What a worker runs: load the shipped experiment source, reset counters, call run_cell."""
    module = _module_from_source(name, source, path)
    t0 = time.perf_counter()
    metrics = module.run_cell(cell, seed)
    # round-trip through JSON here, in the worker, so a bad value fails with the cell named
    return {"metrics": json.loads(json.dumps(metrics, default=_json_default)),
            "seconds": time.perf_counter() - t0}


# -- progress ----------------------------------------------------------------------------------

class Progress:
    """One line per experiment and per cell on a terminal; silent off a TTY, under CI, or quiet."""

    def __init__(self, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.on = not quiet and not os.environ.get("CI") and getattr(self.stream, "isatty", lambda: False)()

    def say(self, text: str):
        if self.on:
            print(text, file=self.stream, flush=True)


def _cell_text(cell: dict, keys=None) -> str:
    return " ".join(f"{k}={v}" for k, v in cell.items()
                    if not isinstance(v, (list, dict)) and (keys is None or k in keys))


def _varying(cells) -> set:
    """The cell keys whose values differ between cells: what a progress line needs to show."""
    return {k for c in cells for k in c if any(d.get(k) != c[k] for d in cells)}


# -- a run -------------------------------------------------------------------------------------

def _utc_stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _stamp_order(path: Path) -> tuple:
    # "20250101T120000Z" or, for a second run within that second, "20250101T120000Z-1"
    stamp, _, k = path.name.rpartition("_")[0].partition("-")
    return stamp, int(k or 0)


def _run_dir(out: Path, name: str, digest: str, resume: bool) -> Path:
    base = out / name
    if resume:
        previous = sorted(base.glob(f"*_{digest}"), key=_stamp_order) if base.is_dir() else []
        if previous:
            return previous[-1]  # the newest run with this config
    base.mkdir(parents=True, exist_ok=True)
    stamp, k = _utc_stamp(), 0
    while True:  # mkdir claims the folder atomically: two runs started at once never share one
        run_dir = base / (f"{stamp}_{digest}" if k == 0 else f"{stamp}-{k}_{digest}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            k += 1


LOCK = ".lock"


@contextlib.contextmanager
def _locked(run_dir: Path):
    """Hold `run_dir/.lock` (holding this process's pid) while running into it. Another live
    run holding it is refused with a clear message; a lock left by a killed run is taken over."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK
    for _ in range(100):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(path.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0  # being written this instant, or garbage: look again
            if pid and _alive(pid) and pid != os.getpid():
                raise RunError(f"{run_dir} is in use by another difflab run (pid {pid}); wait for it to finish "
                               f"or stop it (if no such run exists, delete {path})") from None
            if pid or _age(path) > 2.0:  # stale: its run was killed (if before writing its pid, empty)
                path.unlink(missing_ok=True)
            time.sleep(0.01)
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{os.getpid()}\n")
        break
    else:
        raise RunError(f"cannot take the lock {path}")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def run(experiment, preset: str = "quick", overrides=None, seed: int = 0, out="runs", jobs: int = 1,
        executor: str | None = None, scheduler: str | None = None, resume: bool = False,
        quiet: bool = False, config: dict | None = None, render_report: bool = True) -> Path:
    """Run every sweep cell of an experiment and render its report; returns the run directory.

    `experiment` is a name, a path or an `Experiment`. `executor` defaults to "serial" for
    jobs=1 and "process" otherwise. Finished cells are on disk before anything else happens, so
    an interrupted or failed run resumes with `resume=True` (same config and seed). With
    `render_report=False` only the cells are written (`render` can follow later).

    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True)
    >>> sorted(p.name for p in d.iterdir())
    ['cells', 'config.json', 'experiment.py', 'figures.json', 'metrics.csv', 'report.html', 'report.md', 'summary.json']
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    config = config if config is not None else resolve_config(exp, preset, overrides)
    executor = executor or ("serial" if jobs <= 1 else "process")
    digest = config_hash(exp.name, config, seed)
    run_dir = _run_dir(Path(out), exp.name, digest, resume)
    with _locked(run_dir):
        return _run_locked(exp, config, preset, seed, jobs, executor, scheduler, resume, quiet, render_report,
                           digest, run_dir)


def _run_locked(exp, config, preset, seed, jobs, executor, scheduler, resume, quiet, render_report, digest, run_dir):
    for stale in (run_dir / "cells").glob(".*.tmp"):  # a write a kill cut short: its cell reruns
        stale.unlink(missing_ok=True)
    cells = exp.cells(config)
    # cells that must share randomness (one network trained by each method) share a seed_group
    seeds = [cell_seed(seed, int(c.get("seed_group", i))) for i, c in enumerate(cells)]
    write_json(run_dir / "config.json", {"experiment": exp.name, "question": exp.question, "preset": preset,
                                         "config": config, "seed": seed, "config_hash": digest,
                                         "cells": len(cells), "run": run_dir.name, "overrides": {
                                             k: v for k, v in config.items()
                                             if exp.presets.get(preset, {}).get(k, None) != v}})
    write_text(run_dir / "experiment.py", exp.source)
    done = _finished(run_dir, cells) if resume else set()
    todo = [i for i in range(len(cells)) if i not in done]
    progress = Progress(quiet)
    progress.say(f"{exp.name}: {len(cells)} cells ({len(done)} already done), {executor}"
                 f"{f' x{jobs}' if executor != 'serial' else ''} → {run_dir}")
    try:
        failures = _run_cells(exp, cells, seeds, todo, run_dir, executor, jobs, scheduler, progress)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the finished cells are kept in {run_dir}; rerun with --resume to continue",
              file=sys.stderr)
        raise
    if failures:
        write_json(run_dir / "errors.json", failures)
        first = failures[0]
        raise RunError(f"{len(failures)} of {len(cells)} cells of {exp.name} failed (first: cell {first['index']} "
                       f"{_cell_text(first['cell'])}: {first['error']}); finished cells are kept in {run_dir}, "
                       "rerun with --resume to retry the others")
    (run_dir / "errors.json").unlink(missing_ok=True)
    if render_report:
        render(run_dir, exp)
    progress.say(f"{exp.name}: done → {run_dir / 'report.md'}")
    return run_dir


def _finished(run_dir: Path, cells) -> set:
    """Indices of cells already on disk for exactly these cell parameters (resume skips them)."""
    done = set()
    for p in (run_dir / "cells").glob("*.json"):
        i = int(p.stem)
        if i < len(cells) and json.loads(p.read_text())["cell"] == cells[i]:
            done.add(i)
    return done


def _run_cells(exp, cells, seeds, todo, run_dir, executor, jobs, scheduler, progress) -> list:
    ex, close = make_executor(executor, jobs, scheduler)
    failures, finished = [], len(cells) - len(todo)
    shown = _varying(cells)
    # the serial executor computes at submit time: submit one cell at a time so each is written
    # before the next starts; pools get everything at once and queue it themselves
    window = 1 if isinstance(ex, SerialExecutor) else max(len(todo), 1)
    queue, futures = list(todo), {}
    try:
        while queue or futures:
            while queue and len(futures) < window:
                i = queue.pop(0)
                futures[ex.submit(_run_cell_task, exp.name, exp.source, str(exp.path), cells[i], seeds[i])] = i
            done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
            fut = next(f for f in futures if f in done)  # in submission order among the finished
            i = futures.pop(fut)
            try:
                res = fut.result()
            except Exception as err:
                failures.append({"index": i, "cell": cells[i], "error": f"{type(err).__name__}: {err}",
                                 "traceback": "".join(traceback.format_exception(err))})
                progress.say(f"  [{finished}/{len(cells)}] FAILED {_cell_text(cells[i], shown)}: {err}")
                continue
            write_json(run_dir / "cells" / f"{i:04d}.json",
                       {"index": i, "cell": cells[i], "seed": seeds[i], "seconds": res["seconds"],
                        "metrics": res["metrics"]})
            finished += 1
            progress.say(f"  [{finished}/{len(cells)}] {_cell_text(cells[i], shown)}  {res['seconds']:.2f} s")
    finally:
        close()
    return sorted(failures, key=lambda f: f["index"])


# -- rendering: everything below reads the run directory's files only -----------------------------

def _tidy_rows(record: dict):
    """Flatten one cell's metrics to (metric, index, value) rows: lists become indexed rows."""
    def walk(prefix, value, index):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(f"{prefix}.{k}" if prefix else k, v, index)
        elif isinstance(value, list):
            for j, v in enumerate(value):
                yield from walk(prefix, v, f"{index},{j}" if index != "" else str(j))
        else:
            yield prefix, index, value

    yield from walk("", record["metrics"], "")


def write_metrics_csv(results: Results, path: Path) -> Path:
    """The tidy table: one row per (cell, metric, index) with the cell's parameters as columns.

    >>> r = Results([{"index": 0, "cell": {"n": 4}, "metrics": {"t": 1.5, "curve": [3, 2]}}])
    >>> print(write_metrics_csv(r, Path(tempfile.mkdtemp()) / "m.csv").read_text().strip())
    cell,n,metric,index,value
    0,4,t,,1.5
    0,4,curve,0,3
    0,4,curve,1,2
    """
    keys = []
    for r in results:
        keys += [k for k, v in r["cell"].items() if k not in keys and not isinstance(v, (list, dict))]
    fh = io.StringIO(newline="")
    w = csv.writer(fh)
    w.writerow(["cell", *keys, "metric", "index", "value"])
    for r in results:
        for metric, index, value in _tidy_rows(r):
            w.writerow([r["index"], *(r["cell"].get(k, "") for k in keys), metric, index,
                        "" if value is None else value])
    return write_text(path, fh.getvalue())


def render(run_dir, exp: Experiment | None = None) -> Path:
    """Rebuild metrics.csv, summary.json, figures and the report from a run directory's files.

    The experiment's current module is used when it can be found by name, else the copy saved in
    the run directory. Returns the path of report.md.

    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True, render_report=False)
    >>> render(d).name, json.loads((d / "summary.json").read_text())["summary"]
    ('report.md', {'total': 5})
    """
    from .report.document import write_run_report
    from .report.figures import save_figure

    run_dir = Path(run_dir)
    if not (run_dir / "config.json").is_file():
        raise ConfigError(f"{run_dir} is not a run directory (no {'config.json in it' if run_dir.is_dir() else 'such folder'}); "
                          "run directories are runs/<experiment>/<time>_<hash>/")
    meta = json.loads((run_dir / "config.json").read_text())
    if exp is None:
        try:
            exp = load_experiment(meta["experiment"])
        except ConfigError:
            exp = load_experiment(run_dir / "experiment.py")
    results = _read_cells(run_dir)
    missing = meta["cells"] - len(results)
    if missing:
        raise RunError(f"{run_dir} holds {len(results)} of {meta['cells']} cells; finish it with "
                       f"`difflab run {meta['experiment']} --resume` (same preset, --set and --seed)")
    write_metrics_csv(results, run_dir / "metrics.csv")
    summary = exp.summarize(results)
    write_json(run_dir / "summary.json", {"experiment": meta["experiment"], "question": meta["question"],
                                          "cells": len(results),
                                          "cell_seconds": round(sum(r["seconds"] for r in results), 3),
                                          "summary": summary})
    specs = exp.figures(results, summary)
    entries = []
    for spec in specs:
        save_figure(spec.figure, run_dir / "figures" / spec.name)
        entries.append({"name": spec.name, "title": spec.title, "what": spec.what, "conclusion": spec.conclusion})
    write_json(run_dir / "figures.json", entries)
    return write_run_report(run_dir)


def publish(run_dirs, dest) -> Path:
    """Copy each run's report and PNG figures to `dest`/<experiment>/ and write the index pages.

    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True)
    >>> index = publish([d], Path(tempfile.mkdtemp()) / "reports")
    >>> sorted(p.name for p in index.parent.iterdir())
    ['index.html', 'index.md', 'squares']
    """
    from .report.document import publish as _publish

    return _publish([Path(d) for d in run_dirs], Path(dest))


# -- command line (shared by `difflab run` and `python experiments/NAME.py`) -----------------------

def add_run_arguments(parser: argparse.ArgumentParser, names: bool = True):
    """Add the options of a run (preset, --set, seed, jobs, executor, out, resume, quiet, report).

    >>> p = argparse.ArgumentParser()
    >>> add_run_arguments(p)
    >>> a = p.parse_args(["cost_scaling", "--jobs", "2", "--set", "n=[4]"])
    >>> a.experiments, a.jobs, a.set, a.executor, a.out
    (['cost_scaling'], 2, ['n=[4]'], None, 'runs')
    """
    if names:
        parser.add_argument("experiments", nargs="+", metavar="NAME|all",
                            help="experiment names (see `difflab list`), paths to experiment files, or all")
    parser.add_argument("--preset", default="quick", help="parameter preset: quick (default) or full")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config key (JSON values: --set n=[4,8]); repeatable")
    parser.add_argument("--seed", type=int, default=0, help="root seed of the run (default 0)")
    parser.add_argument("--jobs", "-j", type=_positive_int, default=1, help="worker processes (default 1: serial)")
    parser.add_argument("--executor", choices=EXECUTORS, default=None,
                        help="serial, process (default when --jobs > 1) or dask")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address (with --executor dask)")
    parser.add_argument("--out", default="runs", help="where run directories go (default runs/)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the newest run with the same config and seed, skipping finished cells")
    parser.add_argument("--report", default=None, metavar="DIR",
                        help="also publish the reports and an index to DIR (e.g. reports/)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _overrides(pairs) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set wants KEY=VALUE, got {pair!r}")
        out[key.strip()] = value
    return out


def run_from_args(args) -> list:
    """Run what parsed `add_run_arguments` options ask for; returns the run directories.

    With several experiments (or "all"), a --set key applies to those that have it.

    >>> p = argparse.ArgumentParser(); add_run_arguments(p)
    >>> args = p.parse_args([str(_demo_experiment()), "--set", "n=[3]", "--out", tempfile.mkdtemp(), "-q"])
    >>> [len(list((d / "cells").iterdir())) for d in run_from_args(args)]
    [1]
    """
    names = list(args.experiments)
    if names == ["all"]:
        names = sorted(find_experiments())
    exps = [load_experiment(n) for n in names]  # every name checked before anything runs
    overrides = _overrides(args.set)
    configs = [resolve_config(e, args.preset, overrides) for e in exps] if len(exps) == 1 else None
    if configs is None:  # with several experiments a key applies to those that have it
        for key in overrides:
            if not any(key in e.presets.get(args.preset, {}) for e in exps):
                raise ConfigError(f"unknown config key {key!r}; valid keys: "
                                  f"{', '.join(sorted({k for e in exps for k in e.presets.get(args.preset, {})}))}")
        configs = [resolve_config(e, args.preset, {k: v for k, v in overrides.items()
                                                   if k in e.presets.get(args.preset, {})}) for e in exps]
    run_dirs = []
    for exp, config in zip(exps, configs):
        run_dirs.append(run(exp, args.preset, seed=args.seed, out=args.out, jobs=args.jobs,
                            executor=args.executor, scheduler=args.scheduler, resume=args.resume,
                            quiet=args.quiet, config=config))
        if not args.quiet and not Progress(args.quiet).on:
            print(run_dirs[-1])
    if args.report:
        index = publish(run_dirs, args.report)
        if not args.quiet:
            print(f"report: {index}")
    return run_dirs


def main(path, argv=None) -> int:
    """Entry point of `python experiments/NAME.py [options]`: run that file; returns the exit status.

    >>> main(_demo_experiment(), ["--out", tempfile.mkdtemp(), "--quiet", "--preset", "full"])
    0
    """
    parser = argparse.ArgumentParser(prog=Path(path).name, description=load_experiment(path).question)
    add_run_arguments(parser, names=False)
    args = parser.parse_args(argv)
    args.experiments = [str(path)]
    try:
        run_from_args(args)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0
