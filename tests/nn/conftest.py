"""Shared data for the difflab.nn tests (the `slow` marker is registered in pyproject.toml)."""

import pytest

from difflab import nn


@pytest.fixture(scope="session")
def moons():
    return nn.load_dataset("moons", noise=0.1, seed=0)
