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
from ..ops import sorting as _sorting
from .arrays import _contains_traced, _value


def _on_values(name):
    name = name[1 : -len("_of_values")] if name.endswith("_of_values") else name
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
    constant.on_values = True  # (arrays._ufunc_like: NumPy's own ufunc on the values, its dtype= too)
    constant.__doc__ = (
        f"`numpy.{name}` of the values: a piecewise-constant result (zero derivative); the trace "
        "is specialised to the input values.\n\n    >>> " + name + " is not None\n    True\n    "
    )
    constant.__module__ = __name__
    return constant


(
    _count_nonzero_of_values,
    _nonzero_of_values,
    _argwhere_of_values,
    _flatnonzero_of_values,
    _digitize_of_values,
    allclose,
    array_equal,
    _isclose_of_values,
    _any_of_values,
    _all_of_values,
    _nanargmax_of_values,
    _nanargmin_of_values,
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
        "_count_nonzero_of_values",
        "_nonzero_of_values",
        "_argwhere_of_values",
        "_flatnonzero_of_values",
        "_digitize_of_values",
        "allclose",
        "array_equal",
        "_isclose_of_values",
        "_any_of_values",
        "_all_of_values",
        "_nanargmax_of_values",
        "_nanargmin_of_values",
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


def _truth(a):
    """a's truth, a traced mask: a itself if boolean, else a != 0 (NumPy's: NaN is True)."""
    return a if a.dtype == bool else a != 0


def count_nonzero(a, axis=None, *, keepdims=False):
    """`numpy.count_nonzero`: of a traced array a traced integer, the sum of its truth (recomputed at each call, so
    `x[m].sum() / np.count_nonzero(m)` is prepared); of a plain array NumPy's. Shape: a reduced over `axis`.

    >>> int(count_nonzero(_np.array([[1.0, 0.0], [2.0, 3.0]])))
    3
    """
    if not isinstance(a, _Traced):
        return _count_nonzero_of_values(a, axis=axis, keepdims=keepdims)
    from .. import numpy as dnp

    return dnp.sum(_truth(a), axis=axis, keepdims=keepdims)


def flatnonzero(a):
    """`numpy.flatnonzero`: of a traced array the positions of its nonzero entries as `np.nonzero(np.ravel(a))[0]`,
    a read of the coordinates by the mask, so `x[np.flatnonzero(x > 0)].sum()` is prepared where the mask changes
    (a use of their count specialises the trace, by name); of a plain array NumPy's. Shape: (count,).

    >>> flatnonzero(_np.array([0.0, 2.0, 3.0])).tolist()
    [1, 2]
    """
    if not isinstance(a, _Traced):
        return _flatnonzero_of_values(a)
    from .. import numpy as dnp

    return nonzero(dnp.ravel(a))[0]  # (the reads of nonzero: `_recorded`)


def _recorded(name, a):
    """The trace's own np.`name` (nonzero, argwhere) of a traced array a, asked of a's trace (Trace.nonzero_of: reads of
    the coordinates by the mask a != 0, recomputed at each call), the one path NumPy's dispatch (np.nonzero(m),
    np.where(m), m.nonzero()) reaches too; None where it is not recorded (a 0-d array, a nested value, a specialised
    trace)."""
    t = a._trace  # (difflab.trace sits above this namespace: its Trace is reached through the value, as assign does)
    return t.nonzero_of(a) if name == "nonzero" else t.argwhere_of(a)


def nonzero(a):
    """`numpy.nonzero`: of a traced array the tuple of index arrays of its nonzero entries, each a read of the mask's
    coordinates by the mask (`_recorded`), so `x[np.nonzero(m)]` is x[m] and `x[np.nonzero(m)[0]]` is prepared where
    the mask changes (a use of their count specialises the trace, by name); of a plain array, or where not recorded,
    NumPy's on the values. Shape: a.ndim arrays of shape (count,).

    >>> nonzero(_np.array([[0.0, 2.0], [3.0, 0.0]]))
    (array([0, 1]), array([1, 0]))
    """
    found = _recorded("nonzero", a) if isinstance(a, _Traced) else None
    return _nonzero_of_values(a) if found is None else found


def argwhere(a):
    """`numpy.argwhere`: of a traced array of at least one axis the stack of np.nonzero(a)'s reads along axis 1
    (`_recorded`: recomputed at each call, `x[tuple(np.argwhere(m).T)]` x[m], `x[np.argwhere(m)[:, 0]]` prepared);
    where it is not recorded (a 0-d array, a trace already specialised), its (count, ndim) array specialises the trace,
    dl.prepare's refusal naming `np.nonzero(a)` and `np.flatnonzero(a)`. Shape: (count, a.ndim).

    >>> argwhere(_np.array([0.0, 2.0])).tolist()
    [[1]]
    """
    if not isinstance(a, _Traced):
        return _argwhere_of_values(a)
    found = _recorded("argwhere", a)
    if found is not None:
        return found
    said = "numpy.argwhere (write x[np.nonzero(m)] or np.flatnonzero(m): recomputed at each call)"
    return _np.argwhere(_value(a, said))


def digitize(x, bins, right=False):
    """`numpy.digitize` of a traced x in constant monotonic bins: NumPy's own definition by the registry's
    searchsorted (recomputed at each call, so `w[np.digitize(x, bins)]` is prepared; zero derivative). Bins NumPy
    refuses are refused with NumPy's error. Shape: x's.

    >>> digitize(_np.array([0.5, 2.0]), _np.array([0.0, 1.0])).tolist()
    [1, 2]
    """
    if not isinstance(x, _Traced) or isinstance(bins, _Traced) or x.dtype.kind == "c":
        return _digitize_of_values(x, bins, right)
    from .. import numpy as dnp

    bins = _np.asarray(bins)
    _np.digitize(_np.zeros(0), bins)  # (NumPy's errors for bins neither increasing nor decreasing, or not 1-D)
    side = "left" if right else "right"
    if bins.size > 1 and bins[0] > bins[-1]:  # decreasing, as NumPy's _monotonicity finds
        return len(bins) - dnp.searchsorted(bins[::-1], x, side=side)
    return dnp.searchsorted(bins, x, side=side)


def _nanarg(name, on_values):
    def nanarg(a, axis=None, out=None, *, keepdims=False):
        if not isinstance(a, _Traced) or out is not None or a.dtype.kind == "c":
            return on_values(a, axis=axis, out=out, keepdims=keepdims)
        from .. import numpy as dnp

        if a.dtype.kind != "f":
            return getattr(dnp, name[3:])(a, axis=axis, keepdims=keepdims)
        with _np.errstate(all="ignore"):  # (NumPy's ValueError for an all-NaN slice at the example point)
            getattr(_np, name)(_np.asarray(a.value if not isinstance(a.value, _Traced) else 0.0), axis=axis)
        return _sorting.nan_arg(name, a, axis=axis, keepdims=keepdims)

    nanarg.__name__ = nanarg.__qualname__ = name
    nanarg.__doc__ = (
        f"`numpy.{name}`: of a traced array the registry's {name[3:]} of it with NaN replaced by "
        f"{'-' if name == 'nanargmax' else ''}inf, NumPy's own definition (recomputed at each call, so "
        f"`x[np.{name}(x)]` is prepared); an all-NaN slice at the traced point is NumPy's ValueError. Shape: a "
        f"reduced over `axis`.\n\n    >>> int({name}(_np.array([_np.nan, 1.0, 2.0])))\n"
        f"    {2 if name == 'nanargmax' else 1}\n    "
    )
    nanarg.__module__ = __name__
    return nanarg


nanargmax = _nanarg("nanargmax", _nanargmax_of_values)
nanargmin = _nanarg("nanargmin", _nanargmin_of_values)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """`numpy.isclose` of traced values: NumPy's own formula, |a - b| <= atol + rtol |b| where b is finite, or
    a == b (NaN equal to NaN with equal_nan), as traced masks (recomputed at each call, so dl.prepare reuses
    np.where(np.isclose(x, c), ...)); masks compared as NumPy's 1.0 and 0.0. Shape: a and b broadcast.

    >>> isclose(_np.array([1.0, 1.1]), 1.0).tolist()
    [True, False]
    """
    if (
        not isinstance(a, _Traced)
        and not isinstance(b, _Traced)
        or isinstance(rtol, _Traced)
        or isinstance(atol, _Traced)
    ):
        return _isclose_of_values(a, b, rtol, atol, equal_nan)
    from .. import numpy as dnp

    x, y = (v.astype(float) if isinstance(v, _Traced) and v.dtype.kind in "biu" else v for v in (a, b))
    if not isinstance(y, _Traced):
        y = _np.asarray(y, dtype=_np.result_type(_np.asarray(y), 1.0))  # (NumPy's: y inexact)
    with _np.errstate(invalid="ignore"):
        out = (dnp.abs(x - y) <= atol + rtol * dnp.abs(y)) & dnp.isfinite(y) | (x == y)
        if equal_nan:
            out = out | dnp.isnan(x) & dnp.isnan(y)
    return out
