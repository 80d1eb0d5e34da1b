"""The prepared reverse gradient's common case does no more work than hand-written NumPy (issue 17, mlp45).

What the generated program and the call around it do per call, counted structurally (no timing): the
result check (`rescaled.suspect`) reads O(1) entries of array parts and allocates nothing of their size.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from difflab.differentiators.rescaled import suspect


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_suspect_reads_array_parts_without_a_pass():
    """An MLP's gradient parts (a 784×256 weight's first): suspect took abs of each whole array (~0.5 ms and a
    1.6 MB buffer a call, an eighth of the prepared step); it reads their first entries."""
    rng = np.random.default_rng(0)
    parts = [rng.normal(size=(784, 256)), rng.normal(size=(256, 256)), rng.normal(size=256)]
    assert suspect(parts) is False
    assert _peak_bytes(lambda: suspect(parts)) < 4096
    # the answers stand: floats (the C path), arrays, a mix, nothing normal anywhere
    assert suspect([0.0, 0.0, 3.0]) is False and suspect([0.0, 1e-310]) is True
    assert suspect([0.0, np.zeros(3), np.array([0.0, 2.0])]) is False
    assert suspect([0.0, np.zeros((4, 4)), np.float64(0.0)]) is True
    assert suspect([1e-310, np.array([np.inf, np.nan])]) is True
    assert suspect([0.0, np.array([0.0, 2.0]), 0.0]) is False and suspect([0.0, np.zeros(3), 0.0]) is True
