"""Memory measurements the experiments share: the bytes a prepared function uses during one call.

A per-call tracemalloc peak sees what the call allocates, not the buffers the function keeps from
call to call: the compiled tier writes values of 64 KiB–4 MiB into buffers it keeps (compile.graphs
`_Pool`), so a plain reverse gradient of 256 layers of 20000 elements allocated one layer's bytes a
call and read as "flat in depth". `call_peak_bytes` adds the arrays the function holds to the peak.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
import types

import numpy as np

__all__ = ["kept_bytes", "call_peak_bytes"]


def _owner(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _arrays(roots, skip: set) -> dict:
    """id -> the array owning its memory, for every array reachable from `roots`, not through `skip`'s ids,
    a module, a class or a module's namespace."""
    seen: set = set()
    owners: dict = {}
    stack = list(roots)
    while stack:
        o = stack.pop()
        if id(o) in seen or id(o) in skip or isinstance(o, (types.ModuleType, type)):
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            base = _owner(o)
            owners[id(base)] = base
            continue
        stack.extend(gc.get_referents(o))
    return owners


def kept_bytes(root, exclude=()) -> int:
    """Bytes of the NumPy arrays reachable from `root` (each array's memory once), less those reachable from
    `exclude` (the caller's arguments and function: its closed-over weights are not the prepared object's).

    >>> a = np.zeros(10)
    >>> kept_bytes({"a": a, "b": [np.zeros(10)[2:]]}), kept_bytes({"a": a, "b": [a[2:]]}, exclude=[a])
    (160, 0)
    """
    skip = {id(m.__dict__) for m in list(sys.modules.values()) if m is not None and hasattr(m, "__dict__")}
    theirs = _arrays(exclude, skip)
    return int(sum(a.nbytes for k, a in _arrays([root], skip).items() if k not in theirs))


def call_peak_bytes(fn, *args, keeper=None, exclude=()) -> int:
    """Bytes in use at the peak of one call `fn(*args)`: the call's tracemalloc peak plus the arrays that
    `keeper` (default `fn`: a prepared function) held before it (kept between calls and written into), less
    those reachable from `args` and `exclude`.

    >>> call_peak_bytes(lambda x: x * 2.0, np.ones(1000)) >= 8000
    True
    """
    kept = kept_bytes(fn if keeper is None else keeper, exclude=(*args, *exclude))
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return int(peak) + kept
