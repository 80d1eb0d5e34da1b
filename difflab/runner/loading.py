"""Loading experiments: find them, load a module from its file or shipped source, resolve a
preset's config with --set overrides (checked against the preset), and the seeds and hash that
make a run reproducible."""

from __future__ import annotations

import difflib

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from ..errors import DifflabError

__all__ = [
    "Experiment",
    "ConfigError",
    "find_experiments",
    "load_experiment",
    "resolve_config",
    "config_hash",
    "cell_seed",
]

_REPO_EXPERIMENTS = Path(__file__).resolve().parent.parent.parent / "experiments"
#: where a wheel carries them (pyproject's force-include): an install that is not a source checkout
_WHEEL_EXPERIMENTS = Path(__file__).resolve().parent.parent / "_experiments"

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
    """Experiment name → path, from `dirs`, $DIFFLAB_EXPERIMENTS, ./experiments, the repo's folder and the
    copy an installed wheel carries (difflab/_experiments).

    Files starting with "_" are helpers, not experiments. Earlier folders win on a name clash.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "sweep.py").write_text(""); _ = (d / "_helper.py").write_text("")
    >>> list(find_experiments([d]))
    ['sweep']
    """
    if dirs is None:
        env = os.environ.get("DIFFLAB_EXPERIMENTS", "")
        dirs = [d for d in env.split(os.pathsep) if d] + [
            Path.cwd() / "experiments",
            _REPO_EXPERIMENTS,
            _WHEEL_EXPERIMENTS,
        ]
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
    difflab.runner.loading.ConfigError: unknown experiment 'no_such_experiment'; valid names: (none found)
    """
    text = str(name_or_path)
    if text.endswith(".py"):
        path = Path(text).resolve()
        if not path.is_file():
            raise ConfigError(f"no experiment file {text}")
    else:
        known = find_experiments(dirs)
        if text not in known:
            close = difflib.get_close_matches(text, known, n=1)
            raise ConfigError(
                f"unknown experiment {text!r}"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; valid names: {', '.join(sorted(known)) or '(none found)'}"
            )
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
        config[key] = _as_ints(value, config[key])
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
        return ConfigError(
            f"--set {key}={json.dumps(value)}: {why} (the {exp.name} preset has {key}={json.dumps(preset_value)})"
        )

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
        whole = presets and all(type(p) is int for p in presets)  # a count: 4.5 would fail in every cell
        if _kind(v) == "a number" and whole and not float(v).is_integer():
            raise bad(f"{key} must be a whole number, not {v!r}")
    choices = getattr(exp.module, "CHOICES", {}).get(key)
    if choices is not None:
        unknown = [v for v in values if v not in choices]
        if unknown:
            raise bad(f"unknown {key} {', '.join(map(repr, unknown))}; valid: {', '.join(map(str, choices))}")


def _as_ints(value, preset_value):
    """A whole float (JSON's 1e3) as an int where the preset's numbers are ints (counts, sizes)."""
    if isinstance(value, list) and isinstance(preset_value, list):
        ints = preset_value and all(type(p) is int for p in preset_value)
        return [int(v) if ints and type(v) is float else v for v in value]
    return int(value) if type(value) is float and type(preset_value) is int else value


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
