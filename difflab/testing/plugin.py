"""A light pytest plugin for difflab's gradient oracle: the `gradient_oracle` fixture and options.

Installing difflab enables it (its pytest11 entry point, named as this module, so `-p difflab.testing.plugin`
or `pytest_plugins = ["difflab.testing.plugin"]` beside it name the same plugin; `-p no:difflab.testing.plugin`
disables it). Collection imports nothing but pytest: the oracle loads, and runs one check to load SymPy, when
a test first asks for the fixture, and the Hypothesis profiles (difflab-ci, difflab-slow) register only when
`--hypothesis-profile` names one.
"""

from __future__ import annotations

import functools

import pytest

CHECKS = ("check_grad", "check_jacobian", "check_hessian", "check_jvp", "check_vjp", "taylor_test")
MORE_CHECKS = ("check_hvp", "check_rule", "check_sparsity")  # (difflab.testing.checks: the transformations')


def _seed_option(text: str) -> int:
    """--difflab-seed's value: a non-negative whole number (NumPy's generators refuse a negative seed,
    which failed every test that took the fixture, deep in NumPy, rather than the command line)."""
    import argparse

    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"wants a non-negative whole number, got {text!r}")
    return int(text)


def pytest_addoption(parser):
    group = parser.getgroup("difflab")
    group.addoption(
        "--difflab-seed",
        type=_seed_option,
        default=0,
        help="seed for the random directions of the gradient_oracle fixture's checks (default 0)",
    )


@pytest.hookimpl(tryfirst=True)  # before Hypothesis's plugin loads the profile it was asked for
def pytest_configure(config):
    profile = config.getoption("hypothesis_profile", default=None)
    if profile and profile.startswith("difflab-"):
        import difflab.testing.strategies  # noqa: F401  (registers the profiles)


class GradientOracle:
    """The oracle's checks with the session's seed: `gradient_oracle.check_grad(f, grad_f, x)`."""

    def __init__(self, seed: int = 0):
        from . import checks, oracle

        self.seed = seed
        for name in CHECKS:
            setattr(self, name, functools.partial(getattr(oracle, name), seed=seed))
        for name in MORE_CHECKS:
            setattr(self, name, functools.partial(getattr(checks, name), seed=seed))

    def warm_up(self) -> GradientOracle:
        """One exact check on a tiny f: the first one loads SymPy and its code generation (~1 s), which
        Hypothesis counted against the first example's deadline (200 ms) of a @given test taking the fixture
        (DeadlineExceeded, or Flaky); the fixture pays it at setup instead."""
        import numpy as np

        self.check_grad(lambda x: np.sum(x * x), lambda x: 2 * x, np.array([0.5, 1.5]))
        return self

    def __repr__(self):
        return f"<GradientOracle seed={self.seed}: {', '.join(CHECKS + MORE_CHECKS)}>"


@pytest.fixture(scope="session")  # stateless, so a @given test may take it (Hypothesis refuses function scope)
def gradient_oracle(request) -> GradientOracle:
    """The gradient oracle (difflab.testing's checks), seeded by --difflab-seed.

    >>> GradientOracle(seed=3).check_grad(lambda x: x * x, lambda x: 2 * x, 1.5).seed
    3
    """
    return GradientOracle(request.config.getoption("difflab_seed", default=0)).warm_up()
