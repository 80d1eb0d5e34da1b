"""The pytest plugin: the gradient_oracle fixture, its seed option, the Hypothesis profiles, and the
README's ten-line example, run as a user's own test files would be."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import difflab

from difflab.testing.plugin import gradient_oracle  # noqa: F401  (the fixture, without the entry point)

README_EXAMPLE = """
import numpy as np
from difflab.testing import check_grad

X, y = np.random.default_rng(0).normal(size=(20, 3)), np.sign(np.arange(20) - 9.5)

def loss(w):  # plain NumPy: difflab traces what it supports, else treats it as a black box
    return np.mean(np.log1p(np.exp(-y * (X @ w))))

def test_logistic_gradient():  # raises GradientMismatch naming the worst entry when wrong
    check_grad(loss, lambda w: -X.T @ (y / (1 + np.exp(y * (X @ w)))) / len(y), np.array([0.1, -0.2, 0.3]))
"""

FIXTURE_EXAMPLE = """
import numpy as np

def test_with_the_fixture(gradient_oracle):
    assert gradient_oracle.seed == 5
    gradient_oracle.check_grad(lambda x: np.linalg.norm(x) ** 2, lambda x: 2 * x, np.array([1.0, 2.0]))
"""

# the fixture under Hypothesis: a function-scoped one fails Hypothesis's health check
# (FailedHealthCheck: uses a function-scoped fixture), so the stateless oracle is session-scoped
HYPOTHESIS_EXAMPLE = """
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

@settings(max_examples=5)
@given(x=hnp.arrays(np.float64, 3, elements=st.floats(-2, 2)))
def test_given_with_the_fixture(gradient_oracle, x):
    assert gradient_oracle.seed == 5
    gradient_oracle.check_grad(lambda x: np.sum(np.sin(x)), np.cos, x)
"""


def test_the_fixture(gradient_oracle):  # noqa: F811  (the fixture imported above)
    assert gradient_oracle.check_vjp(np.sin, lambda x: (np.sin(x), lambda u: (np.cos(x) * u,)), np.ones(2))
    assert "check_grad" in repr(gradient_oracle)


def test_a_users_test_files(tmp_path):
    (tmp_path / "test_readme.py").write_text(README_EXAMPLE)
    (tmp_path / "test_fixture.py").write_text(FIXTURE_EXAMPLE)
    (tmp_path / "test_given.py").write_text(HYPOTHESIS_EXAMPLE)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--difflab-seed=5",  # the pytest11 entry point loads the plugin
            "--hypothesis-profile=difflab-ci",
            "-q",
            "-p",
            "no:cacheprovider",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_this_difflab_first(),
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout


def _this_difflab_first() -> dict:
    """The environment with the difflab under test first on the path: a relative PYTHONPATH=. would
    name tmp_path in the child, which then loaded whichever difflab the interpreter has installed."""
    root = str(Path(difflab.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])}


def test_a_negative_seed_is_refused_by_name():
    # `--difflab-seed -3` parsed as an int and every check then failed deep in NumPy's SeedSequence
    # ("expected non-negative integer"), once per test; now the option itself is refused, and a
    # check called with seed=-3 names its argument
    import argparse

    import pytest

    from difflab.testing import check_grad, check_jvp
    from difflab.testing.plugin import _seed_option

    assert _seed_option("5") == 5
    for bad in ("-3", "abc", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError, match=f"non-negative whole number.*{bad}"):
            _seed_option(bad)
    for check, fn in ((check_jvp, lambda x, v: np.cos(x) * v), (check_grad, np.cos)):
        with pytest.raises(ValueError, match="seed must be a non-negative int, got -3"):
            check(lambda x: np.sum(np.sin(x)) if check is check_grad else np.sin(x), fn, np.ones(2), seed=-3)
