"""Rendering a run: metrics.csv, summary.json, the figures and the report, rebuilt from the run
directory's files alone (plots never recompute), and publishing reports with an index."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .loading import ConfigError, Experiment, load_experiment
from .rundir import Results, RunError, _read_cells, write_json, write_text

__all__ = ["render", "publish", "write_metrics_csv"]


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
    >>> import tempfile
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
            w.writerow(
                [r["index"], *(r["cell"].get(k, "") for k in keys), metric, index, "" if value is None else value]
            )
    return write_text(path, fh.getvalue())


def _runs_inside(folder: Path) -> str:
    """`runs/fd_accuracy/` (an experiment's folder) or `runs/` given for a run: name the runs it holds.

    >>> _runs_inside(Path("no_such_folder"))
    ''
    """
    found = sorted({p.parent for p in (*folder.glob("*/config.json"), *folder.glob("*/*/config.json"))})
    if not found:
        return ""
    newest = max(found, key=lambda p: p.name)  # <time>_<hash>: the time sorts
    return f"; {folder} holds {len(found)} run{'s' * (len(found) > 1)}, the newest {newest}/"


def render(run_dir, exp: Experiment | None = None) -> Path:
    """Rebuild metrics.csv, summary.json, figures and the report from a run directory's files.

    The experiment's current module is used when it can be found by name, else the copy saved in
    the run directory. Returns the path of report.md.

    >>> import tempfile; from difflab.runner import _demo_experiment, run
    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True, render_report=False)
    >>> render(d).name, json.loads((d / "summary.json").read_text())["summary"]
    ('report.md', {'total': 5})
    """
    from ..report.document import write_run_report
    from ..report.figures import save_figure

    run_dir = Path(run_dir)
    if not (run_dir / "config.json").is_file():
        raise ConfigError(
            f"{run_dir} is not a run directory (no {'config.json in it' if run_dir.is_dir() else 'such folder'}); "
            "run directories are runs/<experiment>/<time>_<hash>/" + _runs_inside(run_dir)
        )
    meta = json.loads((run_dir / "config.json").read_text())
    if exp is None:
        try:
            exp = load_experiment(meta["experiment"])
        except ConfigError:
            exp = load_experiment(run_dir / "experiment.py")
    results = _read_cells(run_dir)
    missing = meta["cells"] - len(results)
    if missing:
        raise RunError(
            f"{run_dir} holds {len(results)} of {meta['cells']} cells; finish it with "
            f"`difflab run {meta['experiment']} --resume` (same preset, --set and --seed)"
        )
    write_metrics_csv(results, run_dir / "metrics.csv")
    summary = exp.summarize(results)
    write_json(
        run_dir / "summary.json",
        {
            "experiment": meta["experiment"],
            "question": meta["question"],
            "cells": len(results),
            "cell_seconds": round(sum(r["seconds"] for r in results), 3),
            "summary": summary,
        },
    )
    specs = exp.figures(results, summary)
    entries = []
    for spec in specs:
        save_figure(spec.figure, run_dir / "figures" / spec.name)
        entries.append({"name": spec.name, "title": spec.title, "what": spec.what, "conclusion": spec.conclusion})
    write_json(run_dir / "figures.json", entries)
    return write_run_report(run_dir)


def publish(run_dirs, dest) -> Path:
    """Copy each run's report and PNG figures to `dest`/<experiment>/ and write the index pages.

    >>> import tempfile; from difflab.runner import _demo_experiment, run
    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True)
    >>> index = publish([d], Path(tempfile.mkdtemp()) / "reports")
    >>> sorted(p.name for p in index.parent.iterdir())
    ['index.html', 'index.md', 'squares']
    """
    from ..report.document import publish as _publish

    return _publish([Path(d) for d in run_dirs], Path(dest))
