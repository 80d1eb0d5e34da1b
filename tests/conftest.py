"""Shared pytest setup: the pytester fixture runs pytest inside a test (the oracle's traceback tests)."""

pytest_plugins = ["pytester"]
