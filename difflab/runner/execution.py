"""Executing a run: the executors (serial, a process pool, a Dask cluster), the task a worker
runs, progress lines, and `run` itself, which writes each finished cell before anything else so
that an interrupted run resumes (`resume=True`) without losing one."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from .loading import (
    ConfigError,
    Experiment,
    _module_from_source,
    cell_seed,
    config_hash,
    find_experiments,
    load_experiment,
    resolve_config,
)
from .rendering import render
from .rundir import RunError, _finished, _json_default, _locked, _run_dir, check_folder, write_json, write_text

__all__ = ["run", "run_many", "make_executor", "Progress", "EXECUTORS"]

EXECUTORS = ("serial", "process", "dask")


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
            raise ConfigError(
                "--executor dask needs Dask's distributed scheduler, which is not installed; "
                "install it with: pip install 'difflab[dask]'  (or: pip install 'dask[distributed]')"
            ) from None
        if scheduler:
            _probe_scheduler(scheduler)
        try:  # a scheduler that accepts the connection but does not answer: Dask's own timeout
            client = (
                Client(scheduler, timeout="5s")
                if scheduler
                else Client(n_workers=max(1, jobs), threads_per_worker=1, processes=True, dashboard_address=None)
            )
        except (OSError, TimeoutError, ValueError) as err:
            raise ConfigError(
                f"cannot reach the Dask scheduler at {scheduler}: {str(err).splitlines()[0] if str(err) else type(err).__name__}"
            ) from None
        return client.get_executor(), client.close
    raise ConfigError(f"unknown executor {kind!r}; valid executors: {', '.join(EXECUTORS)}")


def _probe_scheduler(address: str, timeout: float = 0.5, reply: float = 2.0) -> None:
    """Refuse fast a TCP scheduler address where nothing listens, or where something accepts the
    connection but sends nothing within `reply` seconds: Dask's client would wait for its whole
    timeout (5 s) before saying the same thing. A Dask scheduler speaks first (its handshake, as
    soon as it accepts), so silence means no scheduler. Other transports are left to Dask."""
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
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address}: the address needs a host and a port "
            "(e.g. tcp://127.0.0.1:8786)"
        )
    try:
        conn = socket.create_connection((host, port), timeout=timeout)
    except OSError as err:
        reason = err.strerror or str(err) or type(err).__name__
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address}: nothing answers on {host}:{port} ({reason})"
        ) from None
    with conn:
        conn.settimeout(reply)
        try:
            first = conn.recv(1)
        except OSError:  # socket.timeout included: accepted, then silence
            first = None
    if not first:
        what = "closed the connection" if first == b"" else f"sent nothing within {reply:g} s"
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address}: {host}:{port} accepts connections but "
            f"{what} (a Dask scheduler answers at once; is this its address?)"
        )


def _run_cell_task(name: str, source: str, path: str, cell: dict, seed: int) -> dict:
    """What a worker runs: load the shipped experiment source, reset counters, call run_cell."""
    module = _module_from_source(name, source, path)
    t0 = time.perf_counter()
    metrics = module.run_cell(cell, seed)
    # round-trip through JSON here, in the worker, so a bad value fails with the cell named
    return {"metrics": json.loads(json.dumps(metrics, default=_json_default)), "seconds": time.perf_counter() - t0}


# -- progress ----------------------------------------------------------------------------------


class Progress:
    """One line per experiment and per cell on a terminal; off a TTY or under CI only an experiment's
    `headline` (a piped `difflab run all` was silent for minutes, a line per cell would flood a CI log);
    silent when quiet."""

    def __init__(self, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.on = not quiet and not os.environ.get("CI") and getattr(self.stream, "isatty", lambda: False)()
        self.headlines = not quiet

    def say(self, text: str, headline: bool = False):
        if self.on or (headline and self.headlines):
            print(text, file=self.stream, flush=True)


def _cell_text(cell: dict, keys=None) -> str:
    return " ".join(
        f"{k}={v}" for k, v in cell.items() if not isinstance(v, (list, dict)) and (keys is None or k in keys)
    )


def _varying(cells) -> set:
    """The cell keys whose values differ between cells: what a progress line needs to show."""
    return {k for c in cells for k in c if any(d.get(k) != c[k] for d in cells)}


# -- a run -------------------------------------------------------------------------------------


def run(
    experiment,
    preset: str = "quick",
    overrides=None,
    seed: int = 0,
    out="runs",
    jobs: int = 1,
    executor: str | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    quiet: bool = False,
    config: dict | None = None,
    render_report: bool = True,
) -> Path:
    """Run every sweep cell of an experiment and render its report; returns the run directory.

    `experiment` is a name, a path or an `Experiment`. `executor` defaults to "serial" for
    jobs=1 and "process" otherwise. Finished cells are on disk before anything else happens, so
    an interrupted or failed run resumes with `resume=True` (same config and seed). With
    `render_report=False` only the cells are written (`render` can follow later).

    >>> import tempfile; from difflab.runner import _demo_experiment
    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True)
    >>> sorted(p.name for p in d.iterdir())
    ['cells', 'config.json', 'experiment.py', 'figures.json', 'metrics.csv', 'report.html', 'report.md', 'summary.json']
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    config = resolve_config(exp, preset, overrides) if config is None else _given_config(exp, preset, config)
    executor = _checked_settings(seed, jobs, executor, scheduler, out)
    cells = _cells_of(exp, config)  # (every refusal above and here comes before the run folder is made)
    digest = config_hash(exp.name, config, seed)
    run_dir = _run_dir(Path(out), exp.name, digest, resume)
    with _locked(run_dir):
        return _run_locked(
            exp, config, preset, seed, jobs, executor, scheduler, resume, quiet, render_report, digest, run_dir, cells
        )


def _given_config(exp: Experiment, preset: str, config: dict) -> dict:
    """`run(..., config=...)` checked as `resolve_config` checks overrides: the preset's keys, each value like the
    preset's (a wrong key was a bare KeyError from cells(), in a run folder already made)."""
    if not isinstance(config, dict):
        raise ConfigError(f"config= must be a dict of {exp.name}'s parameters, not {type(config).__name__}")
    base = resolve_config(exp, preset)
    missing, unknown = sorted(set(base) - set(config)), sorted(set(config) - set(base))
    if missing or unknown:
        raise ConfigError(
            f"config= for {exp.name}: "
            + (f"unknown keys {unknown}; " if unknown else "")
            + (f"missing keys {missing}; " if missing else "")
            + f"its keys are {', '.join(base)}"
        )
    try:
        return resolve_config(exp, preset, config)
    except ConfigError as err:  # (its wording is the CLI's --set's)
        raise ConfigError(str(err).replace("--set ", "config= ", 1)) from None


def _checked_settings(seed, jobs, executor, scheduler, out) -> str:
    """The executor a run uses, after refusing what `run`'s settings cannot be, before any folder is made (a bad
    executor was refused with a run folder made; seed="x" and seed=-1 were NumPy's bare errors there too)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, not {seed!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, (int, np.integer)):
        raise ConfigError(f"jobs must be an integer, not {jobs!r}")
    executor = executor or ("serial" if jobs <= 1 else "process")
    if executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {executor!r}; valid executors: {', '.join(EXECUTORS)}")
    if scheduler and executor != "dask":  # (it was ignored, the run going serial: the CLI refuses it too)
        raise ConfigError(f"scheduler={scheduler!r} needs executor='dask'")
    check_folder("out=", out, ConfigError)
    return executor


def _cells_of(exp: Experiment, config: dict) -> list:
    """The experiment's sweep cells for `config`, or a ConfigError (none, or cells() refusing it)."""
    try:
        cells = exp.cells(config)
    except Exception as err:  # (the experiment's own code: whatever it raises, said with the config)
        raise ConfigError(f"{exp.name}: cells(config) refused this config ({type(err).__name__}: {err})") from None
    if not cells:
        raise ConfigError(f"{exp.name}: this config makes no cells to run")
    return cells


def _run_locked(
    exp, config, preset, seed, jobs, executor, scheduler, resume, quiet, render_report, digest, run_dir, cells
):
    for stale in (run_dir / "cells").glob(".*.tmp"):  # a write a kill cut short: its cell reruns
        stale.unlink(missing_ok=True)
    # cells that must share randomness (one network trained by each method) share a seed_group
    seeds = [cell_seed(seed, int(c.get("seed_group", i))) for i, c in enumerate(cells)]
    write_json(
        run_dir / "config.json",
        {
            "experiment": exp.name,
            "question": exp.question,
            "preset": preset,
            "config": config,
            "seed": seed,
            "config_hash": digest,
            "cells": len(cells),
            "run": run_dir.name,
            "overrides": {k: v for k, v in config.items() if exp.presets.get(preset, {}).get(k, None) != v},
        },
    )
    write_text(run_dir / "experiment.py", exp.source)
    done = _finished(run_dir, cells) if resume else set()
    todo = [i for i in range(len(cells)) if i not in done]
    progress = Progress(quiet)
    progress.say(
        f"{exp.name}: {len(cells)} cells ({len(done)} already done), {executor}"
        f"{f' x{jobs}' if executor != 'serial' else ''} → {run_dir}"
        + ("" if progress.on else " (a line per cell on a terminal only)"),
        headline=True,
    )
    try:
        failures = _run_cells(exp, cells, seeds, todo, run_dir, executor, jobs, scheduler, progress)
        if not failures:
            (run_dir / "errors.json").unlink(missing_ok=True)
            if render_report:  # (a Ctrl-C while it draws the figures said only "difflab: interrupted")
                render(run_dir, exp)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the finished cells are kept in {run_dir}; rerun with --resume to continue", file=sys.stderr
        )
        raise
    if failures:
        write_json(run_dir / "errors.json", failures)
        first = failures[0]
        raise RunError(
            f"{len(failures)} of {len(cells)} cells of {exp.name} failed (first: cell {first['index']} "
            f"{_cell_text(first['cell'])}: {first['error']}); finished cells are kept in {run_dir}, "
            "rerun with --resume to retry the others"
        )
    progress.say(f"{exp.name}: done → {run_dir / 'report.md'}")
    return run_dir


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
                failures.append(
                    {
                        "index": i,
                        "cell": cells[i],
                        "error": f"{type(err).__name__}: {err}",
                        "traceback": "".join(traceback.format_exception(err)),
                    }
                )
                progress.say(f"  [{finished}/{len(cells)}] FAILED {_cell_text(cells[i], shown)}: {err}")
                continue
            write_json(
                run_dir / "cells" / f"{i:04d}.json",
                {"index": i, "cell": cells[i], "seed": seeds[i], "seconds": res["seconds"], "metrics": res["metrics"]},
            )
            finished += 1
            progress.say(f"  [{finished}/{len(cells)}] {_cell_text(cells[i], shown)}  {res['seconds']:.2f} s")
    finally:
        close()
    return sorted(failures, key=lambda f: f["index"])


def run_many(names, preset: str = "quick", overrides=None, *, on_done=None, **settings) -> list:
    """Run several experiments (names or paths; ["all"] for every one found) with one preset;
    returns their run directories. Every name is loaded before anything runs. With several
    experiments an override applies to those whose preset has its key (a key none has is a
    ConfigError). `settings` are `run`'s (seed, out, jobs, executor, scheduler, resume, quiet);
    `on_done(run_dir)` is called as each run finishes.

    >>> import tempfile; from difflab.runner import _demo_experiment
    >>> [len(list((d / "cells").iterdir())) for d in run_many([str(_demo_experiment())], overrides={"n": "[3]"},
    ...                                                       out=tempfile.mkdtemp(), quiet=True)]
    [1]
    """
    names = sorted(find_experiments()) if list(names) == ["all"] else list(names)
    exps = [load_experiment(n) for n in names]  # every name checked before anything runs
    overrides = dict(overrides or {})
    if len(exps) == 1:
        configs = [resolve_config(exps[0], preset, overrides)]
    else:  # with several experiments a key applies to those that have it
        for key in overrides:
            if not any(key in e.presets.get(preset, {}) for e in exps):
                raise ConfigError(
                    f"unknown config key {key!r}; valid keys: "
                    f"{', '.join(sorted({k for e in exps for k in e.presets.get(preset, {})}))}"
                )
        configs = [
            resolve_config(e, preset, {k: v for k, v in overrides.items() if k in e.presets.get(preset, {})})
            for e in exps
        ]
    for exp, config in zip(exps, configs):  # a config that makes no cells (or that cells() refuses): before any runs
        if not exp.cells(config):
            raise ConfigError(f"{exp.name}: this config makes no cells to run")
    run_dirs = []
    for exp, config in zip(exps, configs):
        run_dirs.append(run(exp, preset, config=config, **settings))
        if on_done is not None:
            on_done(run_dirs[-1])
    return run_dirs
