"""The four differentiators, each an interpreter of the graph: symbolic, numeric, forward, reverse.

`get_method("reverse")` gives the default-configured object; a configured object such as
`Numeric(scheme="richardson")` passes through unchanged.
"""

from __future__ import annotations

import functools
import importlib

from .base import Differentiator

__all__ = ["METHODS", "get_method", "Differentiator", "Symbolic", "Numeric", "Forward", "Reverse"]

#: method name -> (module, class); modules load on first use (symbolic imports SymPy lazily too)
METHODS = {
    "symbolic": ("symbolic", "Symbolic"),
    "numeric": ("numeric", "Numeric"),
    "forward": ("forward", "Forward"),
    "reverse": ("reverse", "Reverse"),
}


@functools.lru_cache(maxsize=None)
def _class(name):
    module, cls = METHODS[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def get_method(method) -> Differentiator:
    """A differentiator from a name or a configured object; anything else is a ValueError."""
    if isinstance(method, Differentiator):
        return method
    if isinstance(method, str) and method in METHODS:
        return _class(method)()  # a fresh one: changing its settings changes no one else's
    raise ValueError(
        f"unknown method {method!r}; choose one of {', '.join(map(repr, METHODS))} "
        "or pass a configured differentiator such as difflab.Numeric(scheme='central')"
    )


def __getattr__(name):
    for key, (_, cls) in METHODS.items():
        if cls == name:
            return _class(key)
    raise AttributeError(name)
