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

Where things live: `loading` (find and load experiments, configs, seeds), `rundir` (the run
directory: its lock, atomic writes, the cells read back), `execution` (executors, progress,
`run`), `rendering` (csv, summary, figures, report, publish), `measure` (calls timed round-robin in CPU time; the memory a prepared function uses during
a call, the buffers it keeps included). The command line (`difflab run`,
`python experiments/NAME.py`) is in `difflab.cli`.
"""

from __future__ import annotations

from .execution import EXECUTORS, Progress, SerialExecutor, _probe_scheduler, make_executor, run, run_many
from .loading import (
    ConfigError,
    Experiment,
    _demo_experiment,
    cell_seed,
    config_hash,
    find_experiments,
    load_experiment,
    resolve_config,
)
from .rendering import publish, render, write_metrics_csv
from .rundir import LOCK, Results, RunError, _locked, _read_cells, write_json, write_text

# the private names are re-exported for the tests and the report's doctests
_PRIVATE = (_probe_scheduler, _demo_experiment, _locked, _read_cells)

__all__ = [
    "Experiment",
    "Results",
    "RunError",
    "ConfigError",
    "find_experiments",
    "load_experiment",
    "resolve_config",
    "config_hash",
    "cell_seed",
    "run",
    "run_many",
    "render",
    "publish",
    "write_json",
    "write_text",
    "write_metrics_csv",
    "make_executor",
    "Progress",
    "SerialExecutor",
    "EXECUTORS",
    "LOCK",
]
