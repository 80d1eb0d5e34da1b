"""Functions whose result is piecewise constant (`nonzero`, `isclose`,
`histogram`'s counts, ...): computed by NumPy on the values, never differentiated.

Their derivative is zero wherever it exists, so they need no registry entry: `_on_values` calls NumPy
on the concrete values and marks the trace specialised to them (a new input value retraces). The
in-place NumPy functions live here too: `put`, `putmask`, `place` and `copyto` into a traced array are
item assignments (difflab.assign), NumPy's semantics, as are `fill_diagonal` and `put_along_axis`; each
raises, naming the functional spelling to use instead, for a traced value written into a NumPy array.
"""

from __future__ import annotations

import numpy as _np

from ..errors import UnsupportedOperationError as _UnsupportedOperationError
from .. import assign as _assign
from ..graph import Traced as _Traced
from .arrays import _contains_traced, _value


def _on_values(name):
    name = name.strip("_").split("_")[0] if name.endswith("_of_values") else name
    fn, said = getattr(_np, name), f"numpy.{name}"

    def constant(*args, **kwargs):
        return fn(
            *[
                _value(a, said) if not isinstance(a, (list, tuple)) else type(a)(_value(v, said) for v in a)
                for a in args
            ],
            **{k: _value(v, said) for k, v in kwargs.items()},
        )

    constant.__name__ = constant.__qualname__ = name
    constant.__doc__ = (
        f"`numpy.{name}` of the values: a piecewise-constant result (zero derivative); the trace "
        "is specialised to the input values.\n\n    >>> " + name + " is not None\n    True\n    "
    )
    constant.__module__ = __name__
    return constant


(
    count_nonzero,
    nonzero,
    argwhere,
    flatnonzero,
    digitize,
    allclose,
    array_equal,
    isclose,
    _any_of_values,
    _all_of_values,
    nanargmax,
    nanargmin,
    spacing,
    signbit,
    isneginf,
    isposinf,
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
        "count_nonzero",
        "nonzero",
        "argwhere",
        "flatnonzero",
        "digitize",
        "allclose",
        "array_equal",
        "isclose",
        "_any_of_values",
        "_all_of_values",
        "nanargmax",
        "nanargmin",
        "spacing",
        "signbit",
        "isneginf",
        "isposinf",
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


def _in_place(name, alternative, into_numpy=False):
    fn = getattr(_np, name)
    what = (
        "writes a traced value into a NumPy array in place, which would drop its derivative"
        if into_numpy
        else "changes an array in place, which traced values do not support"
    )

    def in_place(*args, **kwargs):
        if _contains_traced(args) or _contains_traced(tuple(kwargs.values())):
            raise _UnsupportedOperationError(f"numpy.{name} {what}; build the new array instead: {alternative}")
        return fn(*args, **kwargs)

    in_place.__name__ = in_place.__qualname__ = name
    in_place.__doc__ = (
        f"`numpy.{name}` on plain arrays; on traced values refused by name ({alternative}).\n\n"
        f"    >>> {name} is not None\n    True\n    "
    )
    in_place.__module__ = __name__
    return in_place


def _writing(name, write, alternative):
    """numpy.`name` (its target the first argument): on a traced target, `write` (difflab.assign: NumPy's
    semantics, recorded as an assignment); a traced value written into a NumPy array refused by name."""
    refuse = _in_place(name, alternative, into_numpy=True)

    def writing(target, *args, **kwargs):
        if isinstance(target, _Traced):
            said = {"said" if name == "copyto" else "where": lambda: f"numpy.{name}(...)"}  # (named in an error)
            return write(target, *args, **kwargs, **said)
        return refuse(target, *args, **kwargs)

    writing.__name__ = writing.__qualname__ = name
    writing.__doc__ = (
        f"`numpy.{name}` with NumPy's semantics: on a traced target, recorded as an item assignment "
        f"(difflab.assign.{write.__name__}).\n\n    >>> {name} is not None\n    True\n    "
    )
    writing.__module__ = __name__
    return writing


put = _writing("put", _assign.put, "numpy.where(mask, values, a), or put into a traced array (a = numpy.zeros_like(x))")


putmask = _writing("putmask", _assign.putmask, "numpy.where(mask, values, a), or putmask a traced array")


place = _writing("place", _assign.place, "numpy.where(mask, values, a), or place into a traced array")


copyto = _writing(
    "copyto", _assign.copyto, "the source itself, numpy.where(where, src, dst), or copy into a traced array"
)


fill_diagonal = _writing(
    "fill_diagonal", _assign.fill_diagonal, "numpy.where(numpy.eye(n, dtype=bool), val, a), or fill a traced array"
)


put_along_axis = _writing(
    "put_along_axis",
    _assign.put_along_axis,
    "a numpy.where of a mask built from the indices, or put into a traced array",
)


def _counted(name, on_values, test):
    """numpy.`name` (all/any) of a traced array: a traced mask, `test` of the count of its nonzero entries against
    the count of entries reduced (np.all(λ >= 0, axis=1) under np.where was read on the values, so dl.prepare refused
    the graph); `out` or `where` given, or a plain array, NumPy's on the values."""

    def reduced(a, axis=None, out=None, keepdims=False, *, where=True):
        if not isinstance(a, _Traced) or out is not None or where is not True:
            return on_values(a, axis=axis, out=out, keepdims=keepdims, where=where)
        from .. import numpy as dnp

        n = _np.sum(_np.ones(dnp.shape(a)), axis=axis, keepdims=keepdims)  # entries reduced, per result entry
        mask = a if a.dtype == bool else a != 0  # (NumPy's truth: NaN is True)
        return test(dnp.sum(mask, axis=axis, keepdims=keepdims), n)

    reduced.__name__ = reduced.__qualname__ = name
    reduced.__doc__ = (
        f"`numpy.{name}`: of a traced array a traced mask (no derivative; the trace is not specialised), of a plain "
        f"array NumPy's. Shape contract: a -> a reduced over `axis`.\n\n    >>> {name}(_np.array([[1.0, 0.0]]), axis=1)"
        f".tolist()\n    [{name == 'any'}]\n    "
    )
    reduced.__module__ = __name__
    return reduced


all = _counted("all", _all_of_values, lambda count, n: count == n)
any = _counted("any", _any_of_values, lambda count, n: count > 0)
