"""Shared pytest setup: the pytester fixture runs pytest inside a test (the oracle's traceback tests); under
pytest-xdist (`-n 2`, README) the workers share the tests by work stealing unless `--dist` says otherwise."""

import gc
import os

import pytest

# The cyclic collector's full passes walk every tracked object: a worker holds ~470k after collecting the suite and
# more as SymPy's caches fill, and a pass cost 0.2-0.9 s; with the default threshold2 (10) test_random_graphs made 38
# of them (11 of its ~70 CPU-s), test_user_code10 18 (6 of 28). One full pass per 100 middle ones (not 10) and the
# collected suite frozen out of the walk (suitetime58, measured with the same settings from a plugin): those two
# files' GC 12 -> 6 and 6 -> 3 CPU-s. Only when the cycles are freed changes, never a value.
gc.set_threshold(700, 10, 100)

# One BLAS thread per xdist worker (set before the workers start and import NumPy): two workers on two cores each
# running OpenBLAS's default thread pool oversubscribe them, and a small LAPACK call then waits on its pool's
# spin (scipy45 measured a 4×4 solve_triangular at 8 ms CPU with the default threads under load, 0.01 ms with one).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

pytest_plugins = ["pytester"]


def pytest_addoption(parser):
    parser.addoption(
        "--full", action="store_true", help="difflab's full tier: every cell at every sample (tests/tier.py)"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """`--full` as DIFFLAB_TESTS=full, set before the test modules (and xdist's workers, which inherit it) read it."""
    if config.getoption("full", False):
        os.environ["DIFFLAB_TESTS"] = "full"


def pytest_report_header(config):
    full = os.environ.get("DIFFLAB_TESTS", "").lower() == "full"
    return "difflab tier: " + ("full (every cell)" if full else "default (tests/tier.py; --full runs every cell)")


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


@pytest.fixture
def sympy_clears(monkeypatch):
    """`start()` counts SymPy's whole-cache clears from then on (its evaluate(False) context clears on entry and exit,
    tests/test_symbolic_cache*.py): a one-element list, the count."""
    import sympy.core.parameters as parameters

    def start():
        cleared, clear = [0], parameters.clear_cache

        def counting():
            cleared[0] += 1
            clear()

        monkeypatch.setattr(parameters, "clear_cache", counting)
        return cleared

    return start


@pytest.fixture(scope="session")  # one per pytest process (xdist worker): each start imports SymPy in a new process
def server():
    """One live explorer server on a free port of 127.0.0.1, shared by tests/explore's API and browser tests (a test
    that changes its budget restores it). Here, not in tests/explore/conftest.py: under --doctest-modules a second
    conftest module beside tests/nn's clashed by name when both folders were given (`pytest tests/nn tests/explore`)."""
    import threading

    from difflab.explore.server import ExplorerServer

    srv = ExplorerServer(port=0, budget=60.0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(10)


_FROZEN = []


def pytest_collection_finish(session):
    """The objects collection made (modules, items, their parameters) live to the end: frozen out of the collector's
    full passes, once per process (pytester's inner sessions do not freeze again)."""
    if not _FROZEN:
        gc.collect()
        gc.freeze()
        _FROZEN.append(True)
