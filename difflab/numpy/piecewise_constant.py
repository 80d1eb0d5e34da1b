"""Functions whose result is piecewise constant (`argmax`, `argsort`, `nonzero`, `isclose`,
`histogram`'s counts, `searchsorted`, ...): computed by NumPy on the values, never differentiated.

Their derivative is zero wherever it exists, so they need no registry entry: `_on_values` calls NumPy
on the concrete values and marks the trace specialised to them (a new input value retraces). The
in-place NumPy functions (`fill_diagonal`, `put`, ...) live here too: they raise, naming the
functional spelling to use instead.
"""

from __future__ import annotations

import numpy as _np

from ..errors import UnsupportedOperationError as _UnsupportedOperationError
from .arrays import _contains_traced, _value


def _on_values(name):
    fn = getattr(_np, name)

    def constant(*args, **kwargs):
        return fn(
            *[_value(a) if not isinstance(a, (list, tuple)) else type(a)(_value(v) for v in a) for a in args],
            **{k: _value(v) for k, v in kwargs.items()},
        )

    constant.__name__ = constant.__qualname__ = name
    constant.__doc__ = (
        f"`numpy.{name}` of the values: a piecewise-constant result (zero derivative); the trace "
        "is specialised to the input values.\n\n    >>> " + name + " is not None\n    True\n    "
    )
    constant.__module__ = __name__
    return constant


(
    argmax,
    argmin,
    argsort,
    argpartition,
    searchsorted,
    count_nonzero,
    nonzero,
    argwhere,
    flatnonzero,
    digitize,
    allclose,
    array_equal,
    isclose,
    any,
    all,
    logical_and,
    logical_or,
    logical_xor,
    logical_not,
    nanargmax,
    nanargmin,
    spacing,
    signbit,
    isneginf,
    isposinf,
    invert,
    bitwise_not,
    bitwise_invert,
    bitwise_count,
    lexsort,
    diag_indices_from,
    ix_,
    einsum_path,
    result_type,
    common_type,
    min_scalar_type,
    packbits,
    is_busday,
) = [
    _on_values(n)
    for n in (
        "argmax",
        "argmin",
        "argsort",
        "argpartition",
        "searchsorted",
        "count_nonzero",
        "nonzero",
        "argwhere",
        "flatnonzero",
        "digitize",
        "allclose",
        "array_equal",
        "isclose",
        "any",
        "all",
        "logical_and",
        "logical_or",
        "logical_xor",
        "logical_not",
        "nanargmax",
        "nanargmin",
        "spacing",
        "signbit",
        "isneginf",
        "isposinf",
        "invert",
        "bitwise_not",
        "bitwise_invert",
        "bitwise_count",
        "lexsort",
        "diag_indices_from",
        "ix_",
        "einsum_path",
        "result_type",
        "common_type",
        "min_scalar_type",
        "packbits",  # (of a mask: uint8, as jnp.packbits; NumPy refuses float arrays, and so it does here)
        "is_busday",  # (of dates: NumPy refuses float arrays, and so it does here)
    )
]


def _in_place(name, alternative):
    fn = getattr(_np, name)

    def in_place(*args, **kwargs):
        if _contains_traced(args) or _contains_traced(tuple(kwargs.values())):
            raise _UnsupportedOperationError(
                f"numpy.{name} changes an array in place, which traced values do not support (as x[i] = v "
                f"is refused); build the new array instead: {alternative}"
            )
        return fn(*args, **kwargs)

    in_place.__name__ = in_place.__qualname__ = name
    in_place.__doc__ = (
        f"`numpy.{name}` on plain arrays; on traced values refused by name ({alternative}).\n\n"
        f"    >>> {name} is not None\n    True\n    "
    )
    in_place.__module__ = __name__
    return in_place


fill_diagonal = _in_place("fill_diagonal", "numpy.where(numpy.eye(n, dtype=bool), value, a)")


put = _in_place("put", "numpy.where(mask, values, a) or a + numpy.bincount(indices, weights=change, minlength=a.size)")


putmask = _in_place("putmask", "numpy.where(mask, values, a)")


place = _in_place("place", "numpy.where(mask, values, a)")


copyto = _in_place("copyto", "the source itself, or numpy.where(where, src, dst)")


put_along_axis = _in_place("put_along_axis", "numpy.where of a mask built from the indices, or a scatter of the change")
