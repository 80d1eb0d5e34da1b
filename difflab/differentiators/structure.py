"""The symbolic method's preparations kept by their graph's structure: `structure_key(graph)` is equal for two
graphs that compute the same thing the same way, and `prepared_cache()` (per thread, least recently used dropped)
holds the prepared objects under it, so a graph traced again is translated, differentiated and compiled once.
"""

from __future__ import annotations

import collections
import threading
import time

import numpy as np

from ..graph import Traced, Var

__all__ = ["CACHE_SIZE", "prepared_cache", "prepared_once", "structure_key"]

#: prepared objects kept by their graph's structure (`structure_key`), per thread, the least recently used dropped
CACHE_SIZE = 32
_local = threading.local()


def prepared_cache() -> collections.OrderedDict:
    """This thread's {structure key: prepared object}, oldest first.

    >>> prepared_cache() is prepared_cache()
    True
    """
    cache = getattr(_local, "prepared", None)
    if cache is None:
        cache = _local.prepared = collections.OrderedDict()
    return cache


def prepared_once(make, graph, extra=()):
    """`make()`'s prepared object for `graph`, made once per structure (`structure_key(graph, extra)`) in this
    thread: the one kept when this structure was seen before (a graph with no key: made every time).

    >>> import difflab as dl, numpy as np
    >>> g = lambda: dl.trace(lambda x: np.sin(x) * 2.0, np.ones(3))
    >>> made = lambda: type("Made", (), {})()
    >>> a, b = prepared_once(made, g(), ("doctest",)), prepared_once(made, g(), ("doctest",))
    >>> a is b, a is prepared_once(made, g(), ("another",))
    (True, False)
    """
    t0 = time.perf_counter()
    key = structure_key(graph, extra)
    found = None if key is None else prepared_cache().get(key)
    if found is not None:  # (the object itself: what it builds when first asked, its code and sweeps, is shared)
        prepared_cache().move_to_end(key)
        return found
    found = make()
    found.prepare_seconds = time.perf_counter() - t0  # (the preparation's own time, a report's column)
    if key is not None:
        cache = prepared_cache()
        cache[key] = found
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return found


def structure_key(graph, extra=()) -> tuple | None:
    """A hashable key equal for two graphs that compute the same thing the same way: their equations' ops,
    parameters, shapes and dtypes, operands (a Var by its number, a constant by its bytes), the user's
    equation each derives from (as printed: what a DomainWarning names), each one's type (graph.Quiet: the user's
    np.errstate silences it), and `extra`; None when the graph closes
    over an outer trace's values or holds a constant or parameter that cannot be compared.

    Why: the symbolic method's preparation (translation, derivative, compiled code) is most of its cost, and a
    function is traced afresh whenever it is a new Python object, e.g. a closure built per call (autograd's
    check_grads evaluates its nested checks' functions so, twice per central difference) or a complex
    argument's realified function: a graph seen before is prepared once. Per thread: a prepared object keeps
    its derivative expressions as it builds them, and its callers' locks are per transform.

    Shape contract: any graph; the key's size is linear in its equations.

    >>> import difflab as dl, numpy as np
    >>> g = lambda: dl.trace(lambda x: np.sin(x) * 2.0, np.ones(3))
    >>> structure_key(g()) == structure_key(g()), structure_key(g()) == structure_key(g(), extra=(1,))
    (True, False)
    """
    consts: dict = {}
    origins: dict = {}

    def operand(a):
        if isinstance(a, Var):
            return a.id
        value = a.value
        if isinstance(value, Traced):
            raise TypeError("not compared")
        k = id(value)
        if k not in consts:
            arr = np.asarray(value)
            if arr.dtype.kind not in "biufc":
                raise TypeError("not compared")
            consts[k] = (type(value).__name__, arr.dtype.str, arr.shape, arr.tobytes())
        return consts[k]

    def origin(e):
        if e.source is None:
            return None
        k = id(e.source)
        if k not in origins:
            if getattr(e.source.op, "name", None) is None:  # (a stand-in equation, not the user's: not compared)
                raise TypeError("not compared")
            origins[k] = (str(e.source), type(e.source))  # (a Quiet one is silent where an Eqn warns)
        return origins[k]

    try:
        key = (
            tuple((v.id, v.shape, v.dtype.str) for v in graph.inputs),
            tuple(
                (
                    e.out.id,
                    e.out.shape,
                    e.out.dtype.str,
                    e.op,
                    tuple(map(operand, e.args)),
                    _plain(e.params),
                    origin(e),
                    type(e),
                )
                for e in graph.eqns
            ),
            tuple(operand(o) for o in graph.outputs),
            extra,
        )
        hash(key)
    except TypeError:  # an outer trace's value, an object array, an unhashable parameter
        return None
    return key


def _plain(p):
    """A parameter as a hashable value: slices (unhashable before Python 3.12) and index arrays spelled out."""
    if isinstance(p, tuple | list):
        return (type(p).__name__, *map(_plain, p))
    if isinstance(p, slice):
        return ("slice", _plain(p.start), _plain(p.stop), _plain(p.step))
    if isinstance(p, np.ndarray):
        if p.dtype.kind not in "biufc":
            raise TypeError("not compared")
        return ("array", p.dtype.str, p.shape, p.tobytes())
    return p
