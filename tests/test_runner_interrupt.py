"""Interrupting a run (SIGKILL, SIGINT) at several points and resuming loses no finished cell and
leaves no half-written file; two runs into one folder at once are refused, never interleaved."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from difflab import runner

EXPERIMENT = textwrap.dedent("""
    import os, time
    QUESTION = "Do interrupted runs resume without loss?"
    PRESETS = {"quick": {"n": list(range(24))}}
    def cells(config): return [{"x": x} for x in config["n"]]
    def run_cell(cell, seed):
        time.sleep(float(os.environ.get("CELL_SECONDS", "0.03")))  # slow enough to stop between cells
        return {"y": cell["x"] ** 2, "seed": seed}
    def summarize(results): return {"total": sum(r["metrics"]["y"] for r in results)}
""")

RUN = "import sys; from difflab import runner; runner.run(sys.argv[1], out=sys.argv[2], resume=True, quiet=True)"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _start(exp, out, cell_seconds="0.03"):
    env = {**os.environ, "CELL_SECONDS": cell_seconds}
    return subprocess.Popen([sys.executable, "-c", RUN, str(exp), str(out)], stderr=subprocess.PIPE, env=env)


def _cells_written(out):
    return sorted(Path(out).glob("resumable/*/cells/*.json"))


def _wait_for_cells(out, k, proc, timeout=20.0):
    t0 = time.monotonic()
    while len(_cells_written(out)) < k and proc.poll() is None and time.monotonic() - t0 < timeout:
        time.sleep(0.005)


def test_killed_runs_resume_without_losing_a_cell(tmp_path):
    exp = tmp_path / "resumable.py"
    exp.write_text(EXPERIMENT)
    out = tmp_path / "runs"
    seen = {}
    # interrupt at several points, by SIGKILL (no cleanup at all) and SIGINT, resuming each time
    for stop_after, sig in ((3, signal.SIGKILL), (9, signal.SIGINT), (16, signal.SIGKILL)):
        proc = _start(exp, out)
        _wait_for_cells(out, stop_after, proc)
        proc.send_signal(sig)
        proc.wait(timeout=20)
        for p in _cells_written(out):  # every cell on disk is whole, and a finished cell never changes
            record = json.loads(p.read_text())
            assert seen.setdefault(p.name, record) == record
    proc = _start(exp, out, cell_seconds="0")  # the run that finishes is not interrupted: no need to wait in it
    assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
    (run_dir,) = (out / "resumable").iterdir()
    cells = [json.loads(p.read_text()) for p in sorted((run_dir / "cells").glob("*.json"))]
    assert [c["metrics"]["y"] for c in cells] == [x**2 for x in range(24)]
    assert all(seen[p] == json.loads((run_dir / "cells" / p).read_text()) for p in seen)
    assert not list(run_dir.rglob("*.tmp")) and not (run_dir / runner.LOCK).exists()
    assert json.loads((run_dir / "summary.json").read_text())["summary"]["total"] == sum(x**2 for x in range(24))


def test_a_second_run_into_a_busy_folder_is_refused(tmp_path, monkeypatch):
    exp = tmp_path / "resumable.py"
    exp.write_text(EXPERIMENT)
    out = tmp_path / "runs"
    first = _start(exp, out)
    try:
        _wait_for_cells(out, 1, first)
        with pytest.raises(runner.RunError, match=rf"in use by another difflab run \(pid {first.pid}\)"):
            runner.run(exp, out=out, resume=True, quiet=True)
    finally:
        first.kill()
        first.wait()
    # the killed run's lock is stale: a new run takes it over and finishes (its cells need not be slow)
    monkeypatch.setenv("CELL_SECONDS", "0")
    run_dir = runner.run(exp, out=out, resume=True, quiet=True)
    assert len(list((run_dir / "cells").glob("*.json"))) == 24


def test_two_fresh_runs_started_at_once_get_folders_of_their_own(tmp_path):
    import threading

    exp = tmp_path / "resumable.py"
    exp.write_text(EXPERIMENT.replace("list(range(24))", "[1, 2]"))
    dirs = []
    threads = [
        threading.Thread(target=lambda: dirs.append(runner.run(exp, out=tmp_path / "runs", quiet=True)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(dirs)) == 2 and all(len(list((d / "cells").glob("*.json"))) == 2 for d in dirs)


def test_a_lock_left_empty_by_a_kill_is_taken_over(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    (d / runner.LOCK).write_text("")
    old = time.time() - 60
    os.utime(d / runner.LOCK, (old, old))
    with runner._locked(d):
        assert (d / runner.LOCK).read_text().strip() == str(os.getpid())
    assert not (d / runner.LOCK).exists()


@pytest.mark.skipif(runner.rundir.fcntl is None, reason="no advisory file locks on this system (Windows)")
def test_the_lock_is_the_kernels_not_the_pid_in_the_file(tmp_path):
    """A lock file naming a live process that does not hold it (a reused pid) is taken over; a held
    lock is refused while its holder lives, however its file reads (the pid in the file raced: two
    runs that both read a dead run's pid could both take over)."""
    d = tmp_path / "run"
    d.mkdir()
    (d / runner.LOCK).write_text(f"{os.getppid()}\n")  # alive, but holds nothing
    with runner._locked(d):
        holder = subprocess.run(
            [
                sys.executable,
                "-c",
                f"from difflab import runner; from pathlib import Path; runner._locked(Path({str(d)!r})).__enter__()",
            ],
            capture_output=True,
            text=True,
        )
        assert holder.returncode != 0 and "in use by another difflab run" in holder.stderr
        assert f"pid {os.getpid()}" in holder.stderr
    assert not (d / runner.LOCK).exists()
