"""The experiment runner: run directories, atomic cell files, resume, seeds and executors."""

from __future__ import annotations

import csv
import json
import os
import sys

import pytest

from difflab import runner

# A tiny experiment: each cell appends a line to a log file (so calls can be counted across
# processes) and fails on purpose while a flag file exists.
TINY = '''
"""A tiny experiment for the runner's tests."""
import os
import numpy as np
from difflab.report.figures import FigureSpec, new_figure

QUESTION = "Does the runner work?"
PRESETS = {"quick": {"xs": [1, 2, 3, 4], "log": "", "fail_flag": ""}, "full": {"xs": [1, 2, 3, 4, 5, 6], "log": "", "fail_flag": ""}}

def cells(config):
    return [{"x": x, "log": config["log"], "fail_flag": config["fail_flag"]} for x in config["xs"]]

def run_cell(cell, seed):
    if cell["log"]:
        with open(cell["log"], "a") as fh:
            fh.write(f"{cell['x']}\\n")
    if cell["fail_flag"] and os.path.exists(cell["fail_flag"]) and cell["x"] == 3:
        raise RuntimeError("cell 3 fails while the flag exists")
    rng = np.random.default_rng(seed)
    return {"square": cell["x"] ** 2, "draws": rng.random(3).tolist(), "seed": seed}

def summarize(results):
    return {"total": sum(r["metrics"]["square"] for r in results)}

def figures(results, summary):
    fig, axes = new_figure()
    ax = axes[0, 0]
    ax.plot([r["cell"]["x"] for r in results], [r["metrics"]["square"] for r in results], label="x²")
    ax.set(title="Squares", xlabel="x", ylabel="x² (1)")
    ax.legend()
    return [FigureSpec("squares", fig, "Squares", "x² against x.", f"The squares add up to {summary['total']}.")]
'''


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.py"
    path.write_text(TINY)
    return path


def _metrics(run_dir):
    return {p.name: json.loads(p.read_text())["metrics"] for p in sorted((run_dir / "cells").glob("*.json"))}


def test_a_run_writes_config_cells_csv_summary_figures_and_report(tiny, tmp_path):
    d = runner.run(tiny, out=tmp_path / "runs", quiet=True)
    assert d.parent == tmp_path / "runs" / "tiny" and d.name.endswith(
        runner.config_hash("tiny", json.loads((d / "config.json").read_text())["config"], 0)
    )
    assert sorted(p.name for p in (d / "cells").iterdir()) == ["0000.json", "0001.json", "0002.json", "0003.json"]
    config = json.loads((d / "config.json").read_text())
    assert config["config"]["xs"] == [1, 2, 3, 4] and config["seed"] == 0 and config["cells"] == 4
    assert json.loads((d / "summary.json").read_text())["summary"] == {"total": 30}
    rows = list(csv.DictReader((d / "metrics.csv").read_text().splitlines()))
    assert {"cell", "x", "metric", "index", "value"} <= set(rows[0])
    assert [r["value"] for r in rows if r["metric"] == "square"] == ["1", "4", "9", "16"]
    assert len([r for r in rows if r["metric"] == "draws"]) == 12  # a list becomes indexed rows
    assert (d / "figures" / "squares.png").stat().st_size > 0 and (d / "figures" / "squares.svg").exists()
    report = (d / "report.md").read_text()
    assert "Does the runner work?" in report and "figures/squares.png" in report and "add up to 30" in report
    assert "data:image/png;base64," in (d / "report.html").read_text()
    assert not list(d.rglob("*.tmp"))


def test_resume_skips_finished_cells(tiny, tmp_path):
    log, flag = tmp_path / "calls.log", tmp_path / "fail"
    flag.touch()
    overrides = {"log": str(log), "fail_flag": str(flag)}
    with pytest.raises(runner.RunError, match="--resume"):
        runner.run(tiny, out=tmp_path / "runs", overrides=overrides, quiet=True)
    (first,) = (tmp_path / "runs" / "tiny").iterdir()
    assert sorted(p.name for p in (first / "cells").iterdir()) == ["0000.json", "0001.json", "0003.json"]
    assert (first / "errors.json").exists() and not (first / "report.md").exists()
    flag.unlink()
    log.write_text("")
    again = runner.run(tiny, out=tmp_path / "runs", overrides=overrides, quiet=True, resume=True)
    assert again == first
    assert log.read_text().split() == ["3"]  # only the unfinished cell ran
    assert (again / "report.md").exists() and not (again / "errors.json").exists()
    log.write_text("")
    runner.run(tiny, out=tmp_path / "runs", overrides=overrides, quiet=True, resume=True)
    assert log.read_text() == ""  # nothing left to do


def test_an_interrupted_run_keeps_finished_cells(tiny, tmp_path, monkeypatch):
    module = runner.load_experiment(tiny).module
    real = module.run_cell

    def interrupted(cell, seed):
        if cell["x"] == 3:
            raise KeyboardInterrupt
        return real(cell, seed)

    monkeypatch.setattr(module, "run_cell", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run(tiny, out=tmp_path / "runs", quiet=True)
    (d,) = (tmp_path / "runs" / "tiny").iterdir()
    assert sorted(p.name for p in (d / "cells").iterdir()) == ["0000.json", "0001.json"]
    monkeypatch.setattr(module, "run_cell", real)
    assert runner.run(tiny, out=tmp_path / "runs", quiet=True, resume=True) == d
    assert len(list((d / "cells").iterdir())) == 4


def test_process_pool_gives_the_same_results_as_serial(tiny, tmp_path):
    serial = runner.run(tiny, out=tmp_path / "a", quiet=True)
    pooled = runner.run(tiny, out=tmp_path / "b", quiet=True, jobs=2, executor="process")
    assert _metrics(serial) == _metrics(pooled)


def test_seeds_are_deterministic_per_cell_index_and_root(tiny, tmp_path):
    assert runner.cell_seed(7, 2) == runner.cell_seed(7, 2)
    assert len({runner.cell_seed(7, i) for i in range(100)}) == 100
    assert runner.cell_seed(7, 2) != runner.cell_seed(8, 2)
    one = _metrics(runner.run(tiny, out=tmp_path / "a", quiet=True, seed=5))
    two = _metrics(runner.run(tiny, out=tmp_path / "b", quiet=True, seed=5, overrides={"xs": "[1, 2, 3, 4, 5, 6]"}))
    assert all(one[k] == two[k] for k in one)  # a cell's seed does not depend on how many cells there are
    other = _metrics(runner.run(tiny, out=tmp_path / "c", quiet=True, seed=6))
    assert one["0000.json"]["draws"] != other["0000.json"]["draws"]


def test_seed_groups_share_a_seed(tmp_path):
    path = tmp_path / "grouped.py"
    path.write_text(
        "QUESTION = 'q'\nPRESETS = {'quick': {}}\n"
        "def cells(config): return [{'m': m, 'seed_group': g} for g in (0, 1) for m in 'ab']\n"
        "def run_cell(cell, seed): return {'seed': seed}\n"
    )
    seeds = [m["seed"] for m in _metrics(runner.run(path, out=tmp_path, quiet=True)).values()]
    assert seeds[0] == seeds[1] != seeds[2] == seeds[3]


def test_json_writes_are_atomic(tmp_path):
    target = tmp_path / "cell.json"
    runner.write_json(target, {"ok": 1})
    with pytest.raises(TypeError, match="JSON-able"):
        runner.write_json(target, {"bad": object()})
    assert json.loads(target.read_text()) == {"ok": 1}  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["cell.json"]  # no temporary file left behind


def test_bad_config_names_the_valid_keys_and_presets(tiny):
    exp = runner.load_experiment(tiny)
    with pytest.raises(runner.ConfigError, match="valid keys: xs, log, fail_flag"):
        runner.resolve_config(exp, "quick", {"nope": "1"})
    with pytest.raises(runner.ConfigError, match="valid presets: quick, full"):
        runner.resolve_config(exp, "huge")
    assert runner.resolve_config(exp, "quick", {"xs": "[2]", "log": "a.log"})["xs"] == [2]


def test_render_rebuilds_the_report_from_files_only(tiny, tmp_path):
    d = runner.run(tiny, out=tmp_path, quiet=True)
    for name in ("report.md", "report.html", "metrics.csv", "summary.json"):
        (d / name).unlink()
    tiny.unlink()  # the saved copy of the experiment is enough
    runner.render(d)
    assert "add up to 30" in (d / "report.md").read_text() and (d / "metrics.csv").exists()


def test_progress_is_silent_off_a_tty_and_under_ci(monkeypatch, capsys):
    class Tty:
        def __init__(self):
            self.lines = []

        def isatty(self):
            return True

        def write(self, text):
            self.lines.append(text)

        def flush(self):
            pass

    monkeypatch.delenv("CI", raising=False)
    tty = Tty()
    runner.Progress(stream=tty).say("hello")
    assert "hello" in "".join(tty.lines)
    assert not runner.Progress(quiet=True, stream=Tty()).on
    monkeypatch.setenv("CI", "true")
    assert not runner.Progress(stream=Tty()).on
    monkeypatch.delenv("CI")
    assert not runner.Progress(stream=sys.stdout).on or sys.stdout.isatty()


def test_dask_without_dask_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if the extra were not installed
    with pytest.raises(runner.ConfigError, match=r"pip install 'difflab\[dask\]'"):
        runner.make_executor("dask")


def test_a_dask_cluster_gives_the_same_results(tiny, tmp_path):
    """Dask comes with the test extra (`pip install -e '.[test]'`), so this always runs."""
    from dask.distributed import LocalCluster

    serial = runner.run(tiny, out=tmp_path / "a", quiet=True)
    # an in-process cluster reached by its address: the --scheduler path, without slow worker startup
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        dask = runner.run(tiny, out=tmp_path / "b", quiet=True, executor="dask", scheduler=cluster.scheduler_address)
    assert _metrics(serial) == _metrics(dask)


def test_publish_writes_the_index_pages(tiny, tmp_path):
    d = runner.run(tiny, out=tmp_path / "runs", quiet=True)
    index = runner.publish([d], tmp_path / "reports")
    assert index.read_text().count("[tiny](tiny/report.md)") == 1
    assert (tmp_path / "reports" / "tiny" / "figures" / "squares.png").exists()
    html = (tmp_path / "reports" / "index.html").read_text()
    assert "data:image/png;base64," in html and "Does the runner work?" in html
    assert os.path.getsize(tmp_path / "reports" / "tiny" / "report.md") > 0
    other = tmp_path / "other.py"
    other.write_text(TINY.replace("Does the runner work?", "Another question?"))
    runner.publish([runner.run(other, out=tmp_path / "runs", quiet=True)], tmp_path / "reports")
    text = index.read_text()  # publishing one more run keeps the earlier one in the index
    assert "[tiny](tiny/report.md)" in text and "[other](other/report.md)" in text


def test_an_installed_wheel_finds_the_experiments_it_carries(tmp_path, monkeypatch):
    # newuser25: `pip install .` (not -e) gave a `difflab` whose list and run found no experiments: they
    # live beside the package, and the wheel held only difflab/. The wheel now carries them as
    # difflab/_experiments (pyproject's force-include), where the loader looks last.
    import re
    import shutil
    from pathlib import Path

    from difflab.runner import loading

    pyproject = (Path(loading.__file__).resolve().parents[2] / "pyproject.toml").read_text()
    table = pyproject.split("[tool.hatch.build.targets.wheel.force-include]", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^"experiments" = "difflab/_experiments"$', table, flags=re.M)
    assert loading._WHEEL_EXPERIMENTS == Path(loading.__file__).resolve().parents[1] / "_experiments"
    wheel = tmp_path / "site-packages" / "difflab" / "_experiments"  # what the wheel installs
    shutil.copytree(loading._REPO_EXPERIMENTS, wheel)
    monkeypatch.setattr(loading, "_REPO_EXPERIMENTS", tmp_path / "no_source_tree")
    monkeypatch.setattr(loading, "_WHEEL_EXPERIMENTS", wheel)
    monkeypatch.chdir(tmp_path)  # no ./experiments either
    monkeypatch.delenv("DIFFLAB_EXPERIMENTS", raising=False)
    found = loading.find_experiments()
    assert "method_agreement" in found and found["method_agreement"].parent == wheel
    assert loading.load_experiment("method_agreement").question.startswith("How closely")
