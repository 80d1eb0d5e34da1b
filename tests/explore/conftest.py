"""Shared fixtures for the explorer's tests: one live server on a free port of 127.0.0.1, shared by the API's and
the browser's tests (a test that changes its budget restores it)."""

from __future__ import annotations

import threading

import pytest

from difflab.explore.server import ExplorerServer


@pytest.fixture(scope="session")  # one per pytest process (xdist worker): each start imports SymPy in a new process
def server():
    srv = ExplorerServer(port=0, budget=60.0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(10)
