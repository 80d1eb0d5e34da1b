"""Measurements the experiments share: the time of calls interleaved round-robin, and the bytes a prepared
function uses during one call.

Times. A report's timing claims (a slope in n, "fastest") compare the repeats of several calls. On a machine
shared with other work they were fragile in two ways: timed one after another, all repeats of one size landed in the
same few milliseconds, and a burst of other work slowed that size alone (a quick run beside a busy loop read H v
"falling like n^-0.22"); and a call longer than the scheduler's slice (a few ms) was preempted in every repeat, a
busy loop on the same core doubling its wall time and no other (forward mode's gradient at n = 256 read "growing like
n^2.33" against n = 64, 1.01 in CPU time). `interleaved_times` calls every contender once a round, in an order rotated
each round, and reads the process's CPU time (`time.process_time`, which preemption does not advance; on an idle
core it is the wall time of a single-threaded call, and it counts every thread of the process: a multi-threaded
BLAS call is summed over its threads). `stats.slope_range` and `stats.ordering` read each one's fastest repeats.

Memory.
A per-call tracemalloc peak sees what the call allocates, not the buffers the function keeps from
call to call: the compiled tier writes values of 64 KiB–4 MiB into buffers it keeps (compile.graphs
`_Pool`), so a plain reverse gradient of 256 layers of 20000 elements allocated one layer's bytes a
call and read as "flat in depth". `call_peak_bytes` adds the arrays the function holds to the peak.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
import types

import numpy as np

__all__ = ["round_robin", "interleaved_times", "kept_bytes", "call_peak_bytes"]


def round_robin(keys, repeat: int) -> list:
    """The order `interleaved_times` calls `keys` in: `repeat` rounds, each key once a round, each round's order
    rotated by one from the last (no key always follows the same one, none is always first after a pause).

    >>> round_robin(["a", "b", "c"], 4)
    ['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b', 'a', 'b', 'c']
    """
    keys = list(keys)
    k = len(keys)
    return [keys[(r + i) % k] for r in range(repeat) for i in range(k)] if k else []


def interleaved_times(calls: dict, repeat: int, warm: int = 1, clock=time.process_time, rewarm: bool = True) -> dict:
    """{key: [seconds of each of `repeat` calls]} for `calls` ({key: fn()}), called round-robin (`round_robin`)
    after `warm` untimed calls each (lazy compilation and first-call caches are not a call's cost). Seconds are
    `clock`'s: the process's CPU time by default (see the module docstring), `time.perf_counter` for wall time.

    With `rewarm` each timed call follows an untimed call of the same function, as it did when a size's repeats ran
    back to back: the caches hold its own working set, not the last contender's or another process's (a busy loop
    on the same core made H v's 70 µs calls read 160 µs of CPU time in about half the rounds: the caches refilled).

    >>> seen = []
    >>> t = interleaved_times({n: (lambda n=n: seen.append(n)) for n in (4, 16)}, 2, warm=0, rewarm=False)
    >>> seen, [len(v) for v in t.values()]
    ([4, 16, 16, 4], [2, 2])
    """
    for fn in calls.values():
        for _ in range(warm):
            fn()
    times: dict = {key: [] for key in calls}
    for key in round_robin(calls, repeat):
        fn = calls[key]
        if rewarm:
            fn()
        t0 = clock()
        fn()
        times[key].append(clock() - t0)
    return times


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
