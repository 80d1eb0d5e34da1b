"""Run directories: where a run goes, its lock, and the files in it. Every file is written
atomically (a temporary file, fsync, then os.replace), so a kill at any moment leaves each file
whole or absent; `Results` is what the finished cells read back as."""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from ..errors import DifflabError

try:  # advisory file locks (Linux, macOS)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["Results", "RunError", "write_json", "write_text", "LOCK"]


class RunError(DifflabError, RuntimeError):
    """Some cells of a run failed; the finished ones are on disk and `--resume` retries the rest."""


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
    return write_text(
        path, json.dumps(_finite(data), indent=1, sort_keys=False, default=_json_default, allow_nan=False) + "\n"
    )


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
    from ..report.stats import finite_json

    return finite_json(x)


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"run_cell must return JSON-able metrics (numbers, strings, lists, dicts); got {type(x).__name__}")


def _read_cells(run_dir: Path) -> Results:
    return Results(
        sorted((json.loads(p.read_text()) for p in (run_dir / "cells").glob("*.json")), key=lambda r: r["index"])
    )


# -- a run -------------------------------------------------------------------------------------


def _utc_stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _stamp_order(path: Path) -> tuple:
    # "20250101T120000Z" or, for a second run within that second, "20250101T120000Z-1"
    stamp, _, k = path.name.rpartition("_")[0].partition("-")
    return stamp, int(k or 0)


def blocking_file(folder):
    """The existing file that stops `folder` from being made (it, or its nearest existing ancestor), or None.

    >>> blocking_file(tempfile.gettempdir()) is None
    True
    """
    if folder is None:
        return None
    p = Path(folder)
    while not p.exists() and p != p.parent:
        p = p.parent
    return None if p.is_dir() else p


def check_folder(what: str, folder, error=ValueError) -> None:
    """Refuse, as `error` naming `what` (`--out`, `out=`), a folder a run could not write into: an empty name (it
    wrote into the current folder), a file in the way, a place this process cannot write (a probe written into
    the folder or its nearest existing ancestor: nothing is made before a run has checked its config)."""
    if folder is None:
        return
    if not str(folder).strip():
        raise error(f"{what} is empty: give a folder (or leave {what} out)")
    blocked = blocking_file(folder)
    if blocked is not None:
        raise error(f"{what} {folder}: cannot make a folder there, {blocked} is a file")
    place = Path(folder)
    while not place.exists() and place != place.parent:
        place = place.parent
    try:  # a probe of its own (mkstemp): by the pid alone, two runs in one process unlinked each other's probe
        fd, probe = tempfile.mkstemp(dir=place, prefix=".difflab-write-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise error(f"{what} {folder}: cannot write there ({err.strerror or err})") from None


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
    run holding it is refused with a clear message; a lock left by a killed run is taken over.
    Where the system has advisory file locks (fcntl: Linux, macOS) the kernel holds the lock and
    drops it with its process, so no two runs can both take over a dead run's lock; elsewhere the
    pid in the file decides (a stale one is removed, which two runs stalled together could race)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK
    if fcntl is None:  # pragma: no cover - Windows
        with _locked_by_pid(run_dir, path):
            yield
        return
    fd = _flocked(run_dir, path)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            path.unlink(missing_ok=True)  # (while locked: a run waiting on this file then finds it gone)
    finally:
        os.close(fd)


def _flocked(run_dir: Path, path: Path) -> int:
    """An open descriptor of `path` holding its exclusive lock. A lock taken on a file that the run
    holding it had already unlinked is not the lock of `path`: open it again."""
    for _ in range(100):
        fd = os.open(path, os.O_CREAT | os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise RunError(
                f"{run_dir} is in use by another difflab run (pid {pid}); wait for it to finish or stop it"
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
    raise RunError(f"cannot take the lock {path}")


@contextlib.contextmanager
def _locked_by_pid(run_dir: Path, path: Path):
    for _ in range(100):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(path.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0  # being written this instant, or garbage: look again
            if pid and _alive(pid) and pid != os.getpid():
                raise RunError(
                    f"{run_dir} is in use by another difflab run (pid {pid}); wait for it to finish "
                    f"or stop it (if no such run exists, delete {path})"
                ) from None
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


def _finished(run_dir: Path, cells) -> set:
    """Indices of cells already on disk for exactly these cell parameters (resume skips them)."""
    done = set()
    for p in (run_dir / "cells").glob("*.json"):
        i = int(p.stem)
        if i < len(cells) and json.loads(p.read_text())["cell"] == cells[i]:
            done.add(i)
    return done
