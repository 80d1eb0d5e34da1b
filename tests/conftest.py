"""Shared pytest setup: the pytester fixture runs pytest inside a test (the oracle's traceback tests); under
pytest-xdist (`-n 2`, README) the workers share the tests by work stealing unless `--dist` says otherwise."""

import pytest

pytest_plugins = ["pytester"]


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """`-n N` without `--dist`: xdist's `worksteal`, not its default `load`. Load scheduling hands out the last
    tests in fixed chunks, and the collection order ends with tests/testing's Hypothesis shrinks and the doctests:
    one worker ran its last 91 tests (49 s of CPU) while the other sat idle. An idle worker steals instead."""
    option = config.option
    if getattr(option, "numprocesses", None) and getattr(option, "dist", None) == "no":
        option.dist = "worksteal"
