"""The suite's two tiers (a helper module, not a test file: pytest's `prepend` import mode puts tests/ on sys.path).

The **default tier** (README's test command, `.ci/run`) checks every registry op with every registry check, every
user-code function with every method, and every Hypothesis test: but where a check repeats over an op's several
samples, it takes one of them (each check a different one, by `offset`, so the samples together are still all
checked), and test_random_graphs draws half as many graphs per op not met in its mixed ones. The **full tier** runs every cell at every sample:
`DIFFLAB_TESTS=full python -m pytest -n 2` (or `--full`), as JAX's suite samples its parametrised cases by
default (`JAX_NUM_GENERATED_CASES`) and runs them all nightly.

>>> cases = [("sin", 0), ("sin", 1), ("add", 0), ("add", 1), ("neg", 0)]
>>> len(one_per(cases, lambda c: c[0], offset=0)) == (len(cases) if FULL else 3)
True
>>> FULL or [c for c in one_per(cases, lambda c: c[0], 0) if c[0] != "neg"] == [
...     c for c in cases if c[0] != "neg" and c not in one_per(cases, lambda c: c[0], 1)]
True
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")

#: the full tier: every cell (`--full` on pytest's command line sets it for the workers too, tests/conftest.py)
FULL = os.environ.get("DIFFLAB_TESTS", "").lower() == "full"


def one_per(cases: Iterable[T], key: Callable[[T], Hashable], offset: int = 0) -> list[T]:
    """`cases` in the full tier; in the default one, one case per `key` (order kept): the group's
    (crc32(key) + offset)-th modulo its size, so checks given offsets 0, 1, 2 ... take different samples of an op
    with several (a hash of the key, not its position, so adding an op moves no other op's choice)."""
    cases = list(cases)
    if FULL:
        return cases
    groups: dict[Hashable, list[int]] = {}
    for i, c in enumerate(cases):
        groups.setdefault(key(c), []).append(i)
    keep = {g[(zlib.crc32(repr(k).encode()) + offset) % len(g)] for k, g in groups.items()}
    return [c for i, c in enumerate(cases) if i in keep]


def examples(n: int) -> int:
    """A Hypothesis test's example count: n in the full tier, half of it (at least 1) in the default one.

    >>> examples(4) == (4 if FULL else 2)
    True
    """
    return n if FULL else max(1, n // 2)
