"""dir() of the public packages lists the public API, not the modules' helpers (sys, TYPE_CHECKING, functools)
nor the inner modules loaded so far (graph, ops, errors)."""

import difflab
import difflab.graph  # noqa: F401 (inner modules loaded: they must not show)
import difflab.numpy as dnp
import difflab.ops  # noqa: F401
import difflab.testing


def _public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def test_dir_difflab_is_its_public_api():
    names = _public(difflab)
    assert not names & {"sys", "types", "TYPE_CHECKING", "graph", "ops", "errors", "api", "tree", "compile"}
    assert names == set(difflab.__all__) - {"__version__"} | {
        "numpy",
        "testing",
        "nn",
        "scipy",
        "peers",
        "explore",
        "lax",
        "tree_util",
        "flatten_util",
    }
    assert all(getattr(difflab, n) is not None for n in names)  # each one there (loaded on first use)
    assert "__version__" in dir(difflab) and "__name__" in dir(difflab)


def test_dir_of_difflab_numpy_and_testing_are_their_all():
    assert _public(dnp) == set(dnp.__all__)
    assert not _public(dnp) & {"functools", "itertools", "builtins", "math", "annotations", "arrays", "FUNCTIONS"}
    assert {"sum", "tanh", "linalg", "fft", "where"} <= _public(dnp)
    assert all(callable(getattr(dnp, n)) or n in ("linalg", "fft", "pi", "e", "newaxis") for n in ("sum", "linalg"))
    assert _public(difflab.testing) == set(difflab.testing.__all__)
