"""Interpreter sweeps lowered to straight-line NumPy, and the policy of when to lower them.

A differentiator's sweep (reverse's forward + backward sweep, forward's k-tangent push) is a
Python function of arrays written with the interpreter. `lower_traced` traces it once into a
graph and lowers that; `lower_split` cuts the traced graph where a late input (the cotangent)
enters, so that the part before it runs once and the part after it once per cotangent.
`Tier` holds a prepared object's lowered functions, keyed by what they were lowered for, and
decides per call whether to use them (see the package docstring, "How it works").
"""

from __future__ import annotations

import math

import numpy as np

from ..graph import Traced, raising_overflow, split, uncharged
from ..trace import outputs_of, trace_flat
from .graphs import _LIFTED, lower

__all__ = ["lower_traced", "lower_split", "Tier"]


def _example(args) -> list:
    return [np.asarray(a, dtype=float) if np.isscalar(a) else a for a in args]


def lower_traced(fn, args, reuse: bool = True, guard: tuple | None = None, values: int | None = None, counts=None):
    """`fn(*args)` (a list of arrays out) traced at `args` and lowered: a function of the same
    arguments returning the same list, as one straight-line NumPy function (speculative: run it
    by `Tier.run`; `guard`, `values`: with its `guarded` twin, see compile.graphs; `counts`: what a call
    charges, `lower`'s)."""
    t, tracers, outs = trace_flat(fn, _example(args))
    graph = outputs_of(t, tracers, outs)
    return lower(graph, reuse=reuse, speculate=True, guard=guard, values=values, counts=counts)


def lower_split(fn, args, n_early: int, counts=(None, None)) -> tuple:
    """`fn(*args)` traced and cut before its last argument: (early, late). `early(*args[:-1])`
    returns the first `n_early` outputs then the residuals; `late(*residuals, args[-1])` the rest.
    The first `n_early` outputs must not depend on the last argument. `early` is speculative (run
    it by `Tier.run`); `late` is exact, for callers outside np.errstate(raise). `counts`: what a call of
    each charges (`lower`'s)."""
    t, tracers, outs = trace_flat(fn, _example(args))
    joint = outputs_of(t, tracers, outs)
    early, late = split(joint, [joint.inputs[-1]], n_early)
    return _unlifted(lower(early, speculate=True, counts=counts[0])), lower(late, counts=counts[1])


def _unlifted(early):
    """`early`, declining (FloatingPointError: `Tier.run`'s None, the interpreter decides) on a call where a lifting
    op's partial underflowed within a large seed's reach (graphs `_LIFTED.needs`: exp's e^-800, whose rule lifts it with
    the cotangent, 3e200·e^-800 = 1.1e-147; not e^-4800, which no finite seed lifts): `late`'s plain product, on any
    cotangent, would keep its 0 (issue 11)."""

    def run(*args):
        outer = _LIFTED.__dict__.get("needs")
        _LIFTED.needs = needs = []
        try:
            res = early(*args)
        finally:
            _LIFTED.needs = outer
        if needs and min(needs) < math.inf:
            raise FloatingPointError("an underflowed partial a cotangent may lift: the interpreter decides")
        return res

    return run


#: a first call with at most this many tangent directions runs forward's interpreted sweep once per direction (no
#: sweep traced; `Tier.waiting`), with more its one traced sweep interpreted on the block (`after=2`); lowered from the
#: second call on. A forward-over-reverse Hessian of three chained elliprj in 2 inputs (a 26,060-equation sweep, the
#: slowest draw of tests/test_random_graphs.py): lowered for its one call 8.1 s, the traced block interpreted 0.93 s,
#: a sweep per direction 0.33 s (0.16 s each: a block of more than ~5 directions is cheaper traced once)
ROWS_ONCE = 4


class Tier:
    """A prepared object's lowered functions, keyed, and when to use them.

    `get(key, args, build)` returns the lowered function for `key` (built by `build()` the first
    time it is wanted), or None when this call should be interpreted: when lowering is off, the
    values are traced (an enclosing transformation records them), or fewer than `after` calls have
    been made (a one-off product is cheaper interpreted than traced and lowered).
    """

    def __init__(self, enabled: bool = True, after: int = 1):
        self.enabled, self.after = enabled, after
        self.calls = 0  # products asked of the prepared object so far (all keys)
        self.fns: dict = {}

    def get(self, key, args, build):
        self.calls += 1
        if not self.enabled or self.calls < self.after:
            return None
        for a in args:
            if isinstance(a, Traced):
                return None
        fn = self.fns.get(key)
        if fn is None:
            with uncharged():  # (building runs nothing of the product: a sweep traced is not a sweep run)
                fn = self.fns[key] = build()
        return fn

    def waiting(self, after: int) -> bool:
        """Whether the call about to be made is interpreted for its count alone (fewer than `after` calls with it,
        a product's own threshold: forward's sweeps of at most ROWS_ONCE tangents wait for their second call);
        it is counted then, and its caller skips `get` and what `build` would need (a sweep traced for lowering).
        A one-off `dl.jvp` of a loop of 16000 writes took 95 s traced and lowered, 1.7 s interpreted; of a small
        function 1.27 ms → 0.17 ms (`dl.jvp` of the same function again: compiled from its second call, as before)."""
        if self.enabled and self.calls + 1 < after:
            self.calls += 1
            return True
        return False

    @staticmethod
    def run(fn, args):
        """fn(*args), or None when a value left an op's domain (a NumPy function refusing its argument
        too: cholesky's LinAlgError) or overflowed: the interpreter then reruns the call and names the equation in its
        warning (an overflow: NumPy's for the user's own equations, a DerivativeRangeWarning for a rule's term)."""
        with raising_overflow():  # np.errstate(..., over="raise") without its Python layers (~12k instructions)
            try:
                return fn(*args)
            except (FloatingPointError, np.linalg.LinAlgError):
                return None
