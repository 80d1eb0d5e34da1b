"""Shared pytest setup: the pytester fixture runs pytest inside a test (the oracle's traceback tests); under
pytest-xdist (`-n 2`, README) the workers share the tests by work stealing unless `--dist` says otherwise."""

import os

import pytest

# One BLAS thread per xdist worker (set before the workers start and import NumPy): two workers on two cores each
# running OpenBLAS's default thread pool oversubscribe them, and a small LAPACK call then waits on its pool's
# spin (scipy45 measured a 4×4 solve_triangular at 8 ms CPU with the default threads under load, 0.01 ms with one).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

pytest_plugins = ["pytester"]


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """`-n N` without `--dist`: xdist's `worksteal`, not its default `load`. Load scheduling hands out the last
    tests in fixed chunks, and the collection order ends with tests/testing's Hypothesis shrinks and the doctests:
    one worker ran its last 91 tests (49 s of CPU) while the other sat idle. An idle worker steals instead."""
    option = config.option
    if getattr(option, "numprocesses", None) and getattr(option, "dist", None) == "no":
        option.dist = "worksteal"


@pytest.fixture
def entry_rules(monkeypatch):
    """Counts the opaque kinds' entry rules taken (each builds an opaque.Slot: one per entry and matrix entry), for
    tests/test_symbolic_linalg_*.py (imported here, not at the top: NumPy must not load before the thread settings)."""
    from difflab.ops import opaque

    calls = []

    class Counted(opaque.Slot):
        def __init__(self, *args, **kwargs):
            calls.append(args[0][:3])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(opaque, "Slot", Counted)
    return calls
