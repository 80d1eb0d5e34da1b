"""Shapes and indexing: moving, splitting, joining, repeating, sorting and selecting elements
(`flip`, `roll`, `tile`, `take`, `split`, `pad`, `block`, `unique`, `sort`, `fftshift`, ...).

Each is a composition of the registry's shape primitives (reshape, transpose, concatenate, gather
through `_take_along`) with the index arithmetic done by NumPy on shapes and on piecewise-constant
values (`sort` and `partition` are primitives of their own, ops/sorting.py), so every differentiator differentiates
them through those primitives.
"""

from __future__ import annotations

import builtins
import itertools
import math

import numpy as _np

from ..graph import Traced as _Traced
from ..errors import UnsupportedOperationError as _UnsupportedOperationError
from ..graph import library_constants as _library_constants
from ..ops import sorting as _sorting
from ..ops import where
from ..ops.core import normalize_axes as _axes
from ..ops.reductions import no_out as _no_out
from ..ops.reductions import _sum_front as sum  # noqa: F401 (its doctests)
from ..ops.shape import (
    _broadcast_to_front as broadcast_to,
)
from ..ops.shape import (
    _concatenate_front as concatenate,
)
from ..ops.shape import (
    _reshape_front as reshape,
)
from ..ops.shape import (
    _stack_front as stack,
)
from ..ops.shape import (
    _transpose_front as transpose,
)
from .arrays import (
    _contains_traced,
    _in_range,
    _take_along,
    _value,
    asarray,
    atleast_3d,
    expand_dims,
    moveaxis,
    ndim,
    ravel,
    shape,
    swapaxes,
    vstack,
)


def rollaxis(a, axis, start=0):
    """Roll `axis` back until it lies at `start`, like `numpy.rollaxis`.

    >>> rollaxis(_np.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    n = ndim(a)
    axis, start = _in_range(axis, n), start % (n + 1)
    if axis < start:
        start -= 1
    return moveaxis(a, axis, start)


def flip(m, axis=None):
    """Reverse the order of elements along `axis` (all axes when None).

    >>> flip(_np.array([1.0, 2.0]))
    array([2., 1.])
    """
    axes = range(ndim(m)) if axis is None else _axes(m, axis)
    idx = [slice(None)] * ndim(m)
    for a in axes:
        idx[a] = slice(None, None, -1)
    return m[tuple(idx)]


def fliplr(m):
    """Reverse the columns.

    >>> fliplr(_np.eye(2))[0]
    array([0., 1.])
    """
    return flip(m, 1)


def flipud(m):
    """Reverse the rows.

    >>> flipud(_np.eye(2))[0]
    array([0., 1.])
    """
    return flip(m, 0)


def rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90 degrees k times in the plane of `axes`, like `numpy.rot90`.

    >>> rot90(_np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    k %= 4
    a0, a1 = axes
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(ndim(m)))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return transpose(flip(m, a1), perm) if k == 1 else flip(transpose(m, perm), a1)


def roll(a, shift, axis=None):
    """Shift elements cyclically along `axis` (of the flattened array when None).

    >>> roll(_np.array([1.0, 2.0, 3.0]), 1)
    array([3., 1., 2.])
    """
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape(a))
    shifts = (shift,) if _np.ndim(shift) == 0 else tuple(_np.ravel(shift))
    axes = (axis,) if isinstance(axis, (int, _np.integer)) else tuple(axis)
    if not all(_whole(v) for v in shifts):  # (1.5 was "'float' object is not iterable", a float array's a getitem's)
        raise TypeError(f"numpy.roll: shift must be an int or a sequence of ints, got {shift!r}")
    shifts = shifts or (0,)  # (NumPy's roll by an empty sequence: no shift; it divided by zero)
    if len(shifts) != len(axes) and 1 not in (len(shifts), len(axes)):
        raise ValueError(f"shape mismatch: numpy.roll's shift {shift!r} and axis {axis!r} cannot be broadcast together")
    k = builtins.max(len(shifts), len(axes))  # (NumPy broadcasts them: roll(x, (1, 2), axis=0) shifts by 3)
    for s_, ax in zip(shifts * (k // len(shifts)), axes * (k // len(axes))):
        n = shape(a)[_in_range(ax, ndim(a))]
        idx = (_np.arange(n) - s_) % n
        a = _take_along(a, ax, idx)
    return a


def tile(A, reps):
    """Repeat the whole array `reps` times along each axis, like `numpy.tile`.

    >>> tile(_np.array([1.0, 2.0]), 2)
    array([1., 2., 1., 2.])
    """
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    n = builtins.max(ndim(A), len(reps))
    A = reshape(A, (1,) * (n - ndim(A)) + shape(A))
    reps = (1,) * (n - len(reps)) + reps
    for ax, r in enumerate(reps):
        if r != 1:
            A = concatenate([A] * r, axis=ax)
    return A


def repeat(a, repeats, axis=None):
    """Repeat each element `repeats` times along `axis` (of the flattened array when None).

    >>> repeat(_np.array([1.0, 2.0]), 2)
    array([1., 1., 2., 2.])
    """
    if axis is None:
        a, axis = ravel(a), 0
    n = shape(a)[axis]
    idx = _np.repeat(_np.arange(n), repeats)
    return _take_along(a, axis, idx)


def take(a, indices, axis=None, out=None, mode="raise"):
    """Elements at `indices` along `axis` (of the flattened array when None), like `numpy.take`: `mode` 'raise'
    (NumPy's IndexError for an index outside [-n, n)), 'wrap' (modulo n) or 'clip' (into [0, n - 1]: a negative
    index is 0, as NumPy's).

    >>> take(_np.array([1.0, 2.0, 3.0]), [2, 0])
    array([3., 1.])
    >>> take(_np.array([1.0, 2.0, 3.0]), [4, -1], mode="clip")
    array([3., 1.])
    """
    _no_out("take", out)
    if axis is None:
        a, axis = ravel(a), 0
    if isinstance(indices, _Traced):  # (np.take(w, np.searchsorted(edges, x)): an equation, recomputed at each call)
        return _take_traced(a, indices, _in_range(axis, ndim(a)), mode)
    empty = isinstance(indices, (list, tuple)) and not indices  # (np.take(x, []): NumPy's empty result, an int index)
    indices = _np.asarray(indices, dtype=_np.intp) if empty else _np.asarray(indices)
    n = shape(a)[_in_range(axis, ndim(a))]
    if mode == "clip":
        indices = _np.clip(indices, 0, n - 1)
    elif mode == "raise":
        bad = indices[(indices < -n) | (indices >= n)]  # (else `% n` below would wrap it: a value NumPy refuses)
        if bad.size:
            raise IndexError(f"index {int(bad.flat[0])} is out of bounds for axis {axis} with size {n}")
    elif mode != "wrap":
        raise ValueError(f"take's mode must be one of 'raise', 'wrap' or 'clip' (got {mode!r})")
    return _take_along(a, axis, indices % n if indices.ndim else int(indices) % n)


def _take_traced(a, indices, axis, mode):
    """take by a traced integer index (argmax's, searchsorted's; a constant `a` too): one gather_along of the index
    flattened along `axis` moved first, not the index's values read (the trace would be specialised to them).
    Shape: a.shape[:axis] + indices.shape + a.shape[axis + 1:], as NumPy's."""
    if indices.dtype.kind not in "iu":
        raise IndexError(f"take: the indices must be integers, got {indices.dtype}")
    n = shape(a)[axis]
    if mode == "clip":
        indices = _np.clip(indices, 0, n - 1)
    elif mode == "wrap":
        indices = _np.mod(indices, n)
    elif mode != "raise":
        raise ValueError(f"take's mode must be one of 'raise', 'wrap' or 'clip' (got {mode!r})")
    moved, at = moveaxis(asarray(a), axis, 0), shape(indices)
    rows = reshape(indices, (-1,) + (1,) * (ndim(moved) - 1))
    out = reshape(take_along_axis(moved, rows, 0), at + shape(moved)[1:])
    return out if axis == 0 or not at else moveaxis(out, tuple(range(len(at))), tuple(range(axis, axis + len(at))))


def take_along_axis(arr, indices, axis=-1):
    """Pick values by an index array that matches `arr` except along `axis`, like
    `numpy.take_along_axis`.

    >>> take_along_axis(_np.array([[1.0, 2.0]]), _np.array([[1, 0]]), 1)
    array([[2., 1.]])
    """
    if axis is None:  # NumPy's: arr's elements flattened, the indices 1-D (was "axis must be an int, got None")
        if ndim(indices) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        arr, axis = ravel(arr), 0
    if isinstance(indices, _Traced):  # (argpartition's: an equation, not values read, so the trace is reused)
        return _gather_by_traced(arr, indices, axis)
    indices = _np.asarray(indices)
    if axis is not None and indices.ndim != ndim(
        arr
    ):  # (NumPy's refusal, as the traced indices' below; main broadcast)
        raise ValueError("take_along_axis: `indices` and `arr` must have the same number of dimensions")
    axis = _in_range(axis, ndim(arr))
    if indices.ndim != ndim(arr):  # (a 1-D index into rows of a matrix picked the diagonal's pattern, silently)
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    if indices.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    # arr's own positions along the other axes, broadcast with the indices as NumPy's: an index of one row picks
    # that column in every row of arr (the indices' shape was the result's: one row, silently)
    nd = ndim(arr)
    idx = tuple(
        indices if k == axis else _np.arange(n).reshape((1,) * k + (n,) + (1,) * (nd - k - 1))
        for k, n in enumerate(shape(arr))
    )
    return arr[idx]


def _gather_by_traced(arr, indices, axis):
    """take_along_axis by a traced integer index: one gather_along equation (ops/sorting.py), derivative in arr."""
    if indices.dtype.kind not in "iu":
        raise IndexError(f"take_along_axis: the indices must be integers, got {indices.dtype}")
    if ndim(indices) != ndim(arr):
        raise ValueError("take_along_axis: `indices` and `arr` must have the same number of dimensions")
    axis = _in_range(axis, ndim(arr))
    n, at = shape(arr)[axis], _np.asarray(indices.concrete)  # (its value here, unread: NumPy's range check)
    if ((at < -n) | (at >= n)).any():
        raise IndexError(f"index {int(at[(at < -n) | (at >= n)][0])} is out of bounds for axis {axis} with size {n}")
    big = _np.broadcast_shapes(_np.shape(arr), shape(indices)[:axis] + (shape(arr)[axis],) + shape(indices)[axis + 1 :])
    if big != _np.shape(arr):
        arr = broadcast_to(arr, big)
    return _sorting.gather_along(arr, indices, axis=axis)


def _whole(v) -> bool:
    return isinstance(v, (int, _np.integer)) and not isinstance(v, (bool, _np.bool_))


def _split_points(n, indices_or_sections, exact, name="split"):
    if _whole(indices_or_sections):  # (a NumPy integer too: it was read as a list of indices)
        k = int(indices_or_sections)
        if k <= 0:  # (-1 gave no pieces, 0 "integer modulo by zero")
            raise ValueError(f"numpy.{name}: the number of sections must be larger than 0, got {k}")
        if exact and n % k:
            raise ValueError("array split does not result in an equal division")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        return list(itertools.accumulate([0] + sizes))
    points = list(indices_or_sections) if _np.ndim(indices_or_sections) == 1 else None
    if points is None or not all(_whole(i) for i in points):  # (int() truncated 1.5 and a float array's entries)
        raise TypeError(
            f"numpy.{name}: indices_or_sections must be an int (the number of sections) or a 1-D sequence of int "
            f"indices, got {indices_or_sections!r}"
        )
    return [0] + [int(i) for i in points] + [n]


def _split_axis(ary, axis, least, name):
    """The axis a split cuts, NumPy's refusal (not "tuple index out of range") where `ary` has too few axes."""
    if ndim(ary) < least:
        raise ValueError(f"numpy.{name} only works on arrays of {least} or more dimensions, got shape {shape(ary)}")
    return _in_range(axis, ndim(ary))


def array_split(ary, indices_or_sections, axis=0):
    """Split into pieces along `axis` (possibly unequal), like `numpy.array_split`.

    >>> [p.shape for p in array_split(_np.ones(5), 2)]
    [(3,), (2,)]
    """
    axis = _split_axis(ary, axis, 1, "array_split")
    pts = _split_points(shape(ary)[axis], indices_or_sections, exact=False, name="array_split")
    return [_take_along(ary, axis, slice(lo, hi)) for lo, hi in zip(pts[:-1], pts[1:])]


def split(ary, indices_or_sections, axis=0):
    """Split into equal pieces (or at the given indices) along `axis`.

    >>> [p.shape for p in split(_np.ones(4), 2)]
    [(2,), (2,)]
    """
    return _split(ary, indices_or_sections, _split_axis(ary, axis, 1, "split"), "split")


def _split(ary, indices_or_sections, axis, name):
    """split's pieces, its refusals naming the function called (hsplit's, vsplit's: "numpy.split" before)."""
    pts = _split_points(shape(ary)[axis], indices_or_sections, exact=True, name=name)
    return [_take_along(ary, axis, slice(lo, hi)) for lo, hi in zip(pts[:-1], pts[1:])]


def hsplit(ary, indices_or_sections):
    """Split along the second axis (the first for 1-D).

    >>> len(hsplit(_np.ones((2, 4)), 2))
    2
    """
    _split_axis(ary, 0, 1, "hsplit")
    return _split(ary, indices_or_sections, 1 if ndim(ary) > 1 else 0, "hsplit")


def vsplit(ary, indices_or_sections):
    """Split along the first axis.

    >>> len(vsplit(_np.ones((4, 2)), 2))
    2
    """
    _split_axis(ary, 0, 2, "vsplit")
    return _split(ary, indices_or_sections, 0, "vsplit")


def dsplit(ary, indices_or_sections):
    """Split along the third axis.

    >>> len(dsplit(_np.ones((1, 2, 4)), 2))
    2
    """
    _split_axis(ary, 2, 3, "dsplit")
    return _split(ary, indices_or_sections, 2, "dsplit")


def dstack(tup):
    """Stack along the third axis.

    >>> dstack([_np.ones((2, 2)), _np.ones((2, 2))]).shape
    (2, 2, 2)
    """
    return concatenate(atleast_3d(*tup) if len(tup) > 1 else [atleast_3d(tup[0])], axis=2)


def column_stack(tup):
    """Stack 1-D arrays as columns (2-D arrays as they are).

    >>> column_stack([_np.ones(2), _np.zeros(2)]).shape
    (2, 2)
    """
    tup = list(tup)
    if tup and all(ndim(a) == 1 for a in tup):  # (NumPy's same array: np.column_stack(np.nonzero(m)) then records
        return stack(tup, axis=1)  # np.argwhere(m)'s equation, its columns the reads of the mask: difflab.trace)
    return concatenate([reshape(a, (-1, 1)) if ndim(a) < 2 else a for a in tup], axis=1)


row_stack = vstack


def append(arr, values, axis=None):
    """Values appended at the end of `arr` (both flattened when axis is None).

    >>> append(_np.ones(2), _np.zeros(1))
    array([1., 1., 0.])
    """
    if axis is None:
        return concatenate([ravel(arr), ravel(values)])
    return concatenate([arr, values], axis=axis)


def delete(arr, obj, axis=None):
    """arr without the entries `obj` (an index, a slice or indices) along `axis` (of the flattened
    array when None), like `numpy.delete`: a gather of the rest.

    >>> delete(_np.array([1.0, 2.0, 3.0]), 1)
    array([1., 3.])
    """
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = _in_range(axis, ndim(arr))
    keep = _np.delete(_np.arange(shape(arr)[axis]), obj)
    return arr[(slice(None),) * axis + (keep,)]


def insert(arr, obj, values, axis=None):
    """arr with `values` inserted before the index `obj` (one int) along `axis` (of the flattened
    array when None), like `numpy.insert`: a concatenation.

    >>> insert(_np.array([1.0, 2.0]), 1, 5.0)
    array([1., 5., 2.])
    """
    if not isinstance(obj, (int, _np.integer)):
        raise ValueError("difflab's insert takes one integer index obj (use concatenate for several)")
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = _in_range(axis, ndim(arr))
    n = shape(arr)[axis]
    k = int(obj) + n if obj < 0 else int(obj)
    if ndim(values) == 0 or ndim(values) < ndim(arr):
        values = broadcast_to(
            expand_dims(values, axis) if ndim(values) else values, shape(arr)[:axis] + (1,) + shape(arr)[axis + 1 :]
        )
    cut = [(slice(None),) * axis + (slice(None, k),), (slice(None),) * axis + (slice(k, None),)]
    return concatenate([arr[cut[0]], values + 0.0, arr[cut[1]]], axis=axis)


def meshgrid(*xi, indexing="xy", sparse=False, copy=True):
    """Coordinate arrays from 1-D coordinate vectors, like `numpy.meshgrid` ('xy' or 'ij' indexing;
    sparse gives the broadcastable views' shapes).

    >>> [m.shape for m in meshgrid(_np.ones(2), _np.ones(3))]
    [(3, 2), (3, 2)]
    """
    nd = len(xi)
    outs = [reshape(x, (1,) * k + (-1,) + (1,) * (nd - k - 1)) for k, x in enumerate(xi)]
    if indexing == "xy" and nd > 1:
        outs = [swapaxes(o, 0, 1) for o in outs]
    if sparse:
        return tuple(outs)
    full = tuple(builtins.max(shape(o)[k] for o in outs) for k in range(nd))
    return tuple(broadcast_to(o, full) for o in outs)


def _running(reduce):
    def accumulate(a, axis=0):
        """The running maximum (minimum) along `axis`, `numpy.maximum.accumulate`: a gather of the values where
        it was first attained. Ties: the derivative goes to the FIRST position attaining the running max (a
        one-hot subgradient; NumPy's value is the earlier element's). JAX's lax.cummax differs there: its fold of
        balanced max splits a tie's derivative in halves (x = [3, 1, 3]: out[2]'s gradient is [0.5, 0, 0.5],
        here [1, 0, 0]); away from ties the two agree. For a traced float `a` the position is computed in the
        graph (`_first_running_argmax`), so a prepared function recomputes it at each call (drawdowns);
        otherwise it is read from the values (the trace specialised to them). Same shape as a.

        >>> _running(_np.maximum)(_np.array([1.0, 3.0, 2.0, 5.0]))
        array([1., 3., 3., 5.])
        """
        a0 = moveaxis(a, axis, 0)
        if isinstance(a, _Traced) and a.dtype.kind == "f" and shape(a0)[0]:
            at = _first_running_argmax(a0 if reduce is _np.maximum else -a0)
            return moveaxis(_sorting.gather_along(a0, at, axis=0), 0, axis)
        v = _np.moveaxis(_np.asarray(_value(a)), axis, 0)
        grid = _np.arange(v.shape[0]).reshape((-1,) + (1,) * (v.ndim - 1)) * _np.ones(v.shape, dtype=int)
        # (the first position attaining the running max: where the running max changes, then carried on)
        cm = reduce.accumulate(v, axis=0)
        new = _np.ones(v.shape, dtype=bool)
        new[1:] = ~((cm[1:] == cm[:-1]) | (_np.isnan(cm[1:]) & _np.isnan(cm[:-1])))
        at = _np.maximum.accumulate(_np.where(new, grid, 0), axis=0)
        rest = _np.indices(v.shape[1:]) if v.ndim > 1 else ()
        picked = moveaxis(a, axis, 0)[(at,) + tuple(_np.broadcast_to(r, v.shape) for r in rest)]
        return moveaxis(picked, 0, axis)

    return accumulate


def _first_running_argmax(v):
    """Per k along the first axis of the traced float v (n, ...), the first j ≤ k where max(v[:k + 1]) is attained,
    NumPy's maximum.accumulate's (a NaN propagates: the first NaN's position from it on), recorded as a prefix
    scan (Hillis–Steele: ⌈log₂ n⌉ rounds, each combining every prefix with the one d = 1, 2, 4... before it, the
    later one's (value, position) taken only where its value is greater, or NaN and the earlier's not). Integer
    positions, no derivative: same shape as v.

    >>> _first_running_argmax(_np.array([1.0, 3.0, 2.0, 3.0, 5.0]))
    array([0, 1, 1, 1, 4])
    """
    from .. import ops as _ops

    n, rest = shape(v)[0], tuple(shape(v)[1:])
    at = _np.arange(n).reshape((n,) + (1,) * len(rest)) * _np.ones((1,) + rest, dtype=int)
    d = 1
    while d < n:
        # (the first d prefixes are complete: their earlier one is -inf at 0, taken only by a prefix of -infs)
        ev = concatenate([_np.full((d,) + rest, -_np.inf), v[:-d]], axis=0)
        ei = concatenate([_np.zeros((d,) + rest, dtype=int), at[:-d]], axis=0)
        later = where(_ops.isnan(ev), False, where(_ops.isnan(v), True, _ops.greater(v, ev)))
        v, at = where(later, v, ev), where(later, at, ei)
        d *= 2
    return at


def pad(array, pad_width, mode="constant", constant_values=0.0, end_values=0.0, **options):
    """Pad with a constant, the edge values, the reflection (without or with the edge: 'reflect',
    'symmetric'), the other end ('wrap'), a statistic of the whole axis ('mean', 'maximum', 'minimum',
    'median') or a linear ramp from `end_values` to the edge ('linear_ramp'), like `numpy.pad`; the
    result has the array's shape grown by pad_width on each side.

    >>> pad(_np.array([1.0, 2.0]), 1, mode="edge")
    array([1., 1., 2., 2.])
    >>> pad(_np.array([1.0, 2.0]), (2, 1), mode="linear_ramp", end_values=4.0)
    array([4. , 2.5, 1. , 2. , 4. ])
    """
    odd = options.get("reflect_type") == "odd" and mode in ("reflect", "symmetric")
    given = {k: v for k, v in options.items() if v is not None and k != "reflect_type"}
    if given:  # (NumPy's stat_length: not difflab's, said by name)
        raise _UnsupportedOperationError(
            f"numpy.pad's {', '.join(f'{k}={v!r}' for k, v in given.items())} is not supported by difflab (it pads "
            "with the whole axis's statistic); build the padding with numpy.concatenate instead"
        )
    if "reflect_type" in options:  # (NumPy's checks: 'even' or 'odd', and only for the reflecting modes)
        _np.pad(_np.zeros(1), 1, mode=mode, reflect_type=options["reflect_type"])
    # NumPy's rule: pad_width broadcasts to one (before, after) pair per axis, so 3, (3,), (3, 2),
    # ((3, 2),) and ((1, 2), (3, 4)) are all accepted ((3,) is 3 on both sides of every axis); constant_values and
    # end_values the same way
    given_widths = _np.asarray(pad_width)
    if given_widths.dtype.kind not in "iu":  # (dtype=int truncated 1.5 and True; NumPy: "must be of integral type")
        raise TypeError(f"numpy.pad: pad_width must be of integral type, got {pad_width!r}")
    if given_widths.size and given_widths.min() < 0:  # (was "negative dimensions are not allowed")
        raise ValueError(f"numpy.pad: pad_width must be >= 0 (a width added on each side), got {pad_width!r}")
    widths = _np.broadcast_to(given_widths.astype(int), (ndim(array), 2))
    if not _contains_traced([array, constant_values, end_values]):
        # NumPy's own: the padding cast to the array's dtype (an int array padded with 2.5 holds 2, its 'mean' rounded)
        kw = {"constant_values": constant_values} if mode == "constant" else {}
        kw.update({"end_values": end_values} if mode == "linear_ramp" else {})
        kw.update({"reflect_type": "odd"} if odd else {})
        return _np.pad(array, widths, mode=mode, **kw)
    values = _pad_pairs(constant_values if mode == "constant" else end_values, ndim(array))
    with _library_constants():  # (the padding takes the array's dtype in NumPy: a float32 array's is float32)
        return _pad(array, widths, mode, values, odd)


def _pad_pairs(values, nd):
    """np.pad's constant_values or end_values as one (before, after) pair per axis, NumPy's broadcast: a number,
    (v,), (before, after) or ((before, after),) per axis. Traced values stay traced (a learned padding value)."""
    if isinstance(values, _Traced) or (type(values) in (list, tuple) and _contains_traced(values)):
        return broadcast_to(asarray(values), (nd, 2))
    return _np.broadcast_to(_np.asarray(values, dtype=float), (nd, 2))


def _pad_value(values, ax, side, like):
    """The fill of one side of axis `ax`: a Python float as before (NumPy's cast to the array's dtype), or the
    traced entry in the array's dtype."""
    v = values[ax, side]
    if isinstance(v, _Traced):
        return v if v.dtype == like.dtype else v.astype(like.dtype)
    return float(v)


#: pad modes that fill with a statistic of the (already padded in earlier axes) array along the axis, as NumPy's
_PAD_STATS = {"mean": _np.mean, "maximum": _np.max, "minimum": _np.min, "median": _np.median}


def _pad(array, widths, mode, values, odd=False):
    for ax, (lo, hi) in enumerate(widths):
        n = shape(array)[ax]
        if odd and (lo or hi) and n > 1:
            array = _pad_odd(array, ax, lo, hi, mode)
            continue
        if mode in _PAD_STATS or mode == "linear_ramp":
            array = _pad_fill(array, ax, lo, hi, mode, values)
            continue
        if mode == "constant":
            parts = []
            for w, side in ((lo, 0), (hi, 1)):
                if w:
                    fill = _pad_value(values, ax, side, asarray(array))
                    side_shape = shape(array)[:ax] + (w,) + shape(array)[ax + 1 :]
                    part = broadcast_to(fill, side_shape) if isinstance(fill, _Traced) else _np.full(side_shape, fill)
                    parts.insert(len(parts) if side else 0, part)
                if not side:
                    parts.append(array)
            array = concatenate(parts, axis=ax) if len(parts) > 1 else array
            continue
        if mode == "edge":
            idx = _np.clip(_np.arange(-lo, n + hi), 0, n - 1)
        elif mode == "reflect":
            period = 2 * (n - 1)
            k = _np.arange(-lo, n + hi) % period
            idx = _np.where(k < n, k, period - k)
        elif mode == "symmetric":  # the edge repeated: ... x1 x0 | x0 x1 ...
            k = _np.arange(-lo, n + hi) % (2 * n)
            idx = _np.where(k < n, k, 2 * n - 1 - k)
        elif mode == "wrap":
            idx = _np.arange(-lo, n + hi) % n
        else:
            raise ValueError(
                f"pad mode {mode!r} is not supported by difflab (supported: constant, edge, reflect, symmetric, wrap, "
                "mean, maximum, minimum, median, linear_ramp)"
            )
        array = _take_along(array, ax, idx)
    return array


def _pad_odd(array, ax, lo, hi, mode):
    """One axis of a reflect_type='odd' pad (NumPy's): the reflection turned about the edge value, 2·edge - x, and each
    further period shifted by 2·(last - first), so the extension is x's point-symmetric continuation at both ends:
    s·x[idx] + a·x[-1] + b·x[0] along the axis (s = ±1; a, b integers), for 'reflect' (period 2(n - 1)) and
    'symmetric' (period 2n, the edge repeated)."""
    n, nd = shape(array)[ax], ndim(array)
    t = _np.arange(-lo, n + hi)
    period = 2 * (n - 1) if mode == "reflect" else 2 * n
    q = _np.floor_divide(t, period)
    k = t - q * period
    up = k < n
    idx = _np.where(up, k, period - k if mode == "reflect" else 2 * n - 1 - k)

    def along(w):  # a profile shaped to broadcast along ax
        return _np.reshape(w.astype(float), (1,) * ax + (-1,) + (1,) * (nd - ax - 1))

    first = _take_along(array, ax, slice(0, 1))
    last = _take_along(array, ax, slice(n - 1, n))
    s, a, b = _np.where(up, 1.0, -1.0), _np.where(up, 0.0, 2.0) + 2 * q, -2.0 * q
    return _take_along(array, ax, idx) * along(s) + last * along(a) + first * along(b)


def _pad_fill(array, ax, lo, hi, mode, values):
    """One axis of a 'mean'/'maximum'/'minimum'/'median' pad (the statistic over the whole axis, both sides)
    or a 'linear_ramp' (each side from end_values, outermost, towards its edge value, endpoint excluded)."""
    nd = ndim(array)

    def along(w):  # a (w,) profile shaped to broadcast along ax
        return _np.reshape(w, (1,) * ax + (-1,) + (1,) * (nd - ax - 1))

    parts = []
    if mode in _PAD_STATS:
        stat = _PAD_STATS[mode](array, axis=ax, keepdims=True)
        grown = lambda w: broadcast_to(stat, shape(array)[:ax] + (w,) + shape(array)[ax + 1 :])  # noqa: E731
        lo_part, hi_part = (grown(lo) if lo else None), (grown(hi) if hi else None)
    else:
        n = shape(array)[ax]
        first, last = _take_along(array, ax, _np.array([0])), _take_along(array, ax, _np.array([n - 1]))
        e_lo, e_hi = _pad_value(values, ax, 0, first), _pad_value(values, ax, 1, last)
        lo_part = e_lo + (first - e_lo) * along(_np.arange(lo) / lo) if lo else None
        hi_part = e_hi + (last - e_hi) * along(_np.arange(hi)[::-1] / hi) if hi else None
    if lo_part is not None:
        parts.append(lo_part)
    parts.append(array)
    if hi_part is not None:
        parts.append(hi_part)
    return concatenate(parts, axis=ax) if len(parts) > 1 else array


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """func1d applied to each 1-D slice of arr along `axis` (one call per slice, traced), its results
    stacked where the axis was, like `numpy.apply_along_axis`.

    >>> apply_along_axis(lambda v: v[::-1], 1, _np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 1.],
           [4., 3.]])
    """
    axis = _in_range(axis, ndim(arr))
    m = moveaxis(arr, axis, -1)
    outer = shape(m)[:-1]
    results = [func1d(m[i], *args, **kwargs) for i in _np.ndindex(outer)]
    inner = shape(results[0])
    out = reshape(stack(results), outer + inner)
    k = len(inner)
    return moveaxis(out, list(range(len(outer), len(outer) + k)), list(range(axis, axis + k))) if k else out


def _sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    """`numpy.lib.stride_tricks.sliding_window_view`: every window of `window_shape` along `axis` (all
    axes when None; distinct axes), the window's axes last, as a gather (a copy, not a view)."""
    shape_ = (window_shape,) if isinstance(window_shape, (int, _np.integer)) else tuple(window_shape)
    axes = tuple(range(ndim(x))) if axis is None else ((axis,) if isinstance(axis, (int, _np.integer)) else tuple(axis))
    axes = tuple(_in_range(a, ndim(x)) for a in axes)
    if len(axes) != len(shape_) or len(set(axes)) != len(axes) or writeable:
        raise ValueError(
            f"sliding_window_view takes one window size per axis, distinct axes and writeable=False; got window_shape "
            f"{window_shape!r} for axis {axis!r}"
        )
    nd = ndim(x)
    for k, (ax, w) in enumerate(zip(axes, shape_)):
        n = shape(x)[ax]
        if not 0 <= w <= n:
            raise ValueError(f"sliding_window_view's window {w} does not fit axis {ax} of length {n}")
        idx = _np.arange(n - w + 1)[:, None] + _np.arange(w)[None, :]
        x = moveaxis(x[(slice(None),) * ax + (idx,)], ax + 1, nd + k)
    return x


def select(condlist, choicelist, default=0.0):
    """choicelist[k] where condlist[k] is the first true condition, else `default`, like
    `numpy.select` (a chain of `where`: the derivative flows to the choice taken).

    >>> select([_np.array([True, False]), _np.array([True, True])], [_np.ones(2), 2.0 * _np.ones(2)], -1.0)
    array([1., 2.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: {len(condlist)} conditions but {len(choicelist)} choices (one choice per condition)")
    for i, cond in enumerate(condlist):  # (NumPy's refusal: an int condition was read by truthiness, silently)
        kind = cond.dtype if isinstance(cond, _Traced) else _np.asarray(_value(cond)).dtype
        if kind != _np.bool_:
            raise TypeError(f"numpy.select: invalid entry {i} in condlist: should be boolean ndarray (got {kind})")
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):  # the first true condition wins
        out = where(cond, choice, out)  # (where broadcasts the conditions, choices and default together)
    return out


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (or 2-vectors, as NumPy: a 2-vector has a zero third
    component, and two 2-vectors give the scalar z component) along the given axes, like `numpy.cross`.

    >>> cross(_np.array([1.0, 0.0, 0.0]), _np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    if ndim(a) < 1 or ndim(b) < 1:  # (NumPy's error; moveaxis of a 0-d array divided by zero)
        raise ValueError("At least one array has zero dimension")
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    na, nb = shape(a)[-1], shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(
            f"cross: incompatible dimensions for cross product (dimension must be 2 or 3), got {na} and {nb}"
        )
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    a2 = a[..., 2] if na == 3 else 0.0
    b2 = b[..., 2] if nb == 3 else 0.0
    x, y = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2
    return moveaxis(stack(broadcast_arrays(x, y, z), axis=-1), -1, axisc)


def unstack(x, /, *, axis=0):
    """The slices of x along `axis`, as a tuple, like `numpy.unstack`.

    >>> unstack(_np.array([[1.0, 2.0], [3.0, 4.0]]))[1]
    array([3., 4.])
    """
    return tuple(_take_along(x, axis, i) for i in range(shape(x)[axis]))


def _block_depth(arrays):
    return 1 + _block_depth(arrays[0]) if type(arrays) is list else 0


def _block(arrays, depth, rank):
    if type(arrays) is not list:
        return reshape(arrays, (1,) * (rank - ndim(arrays)) + shape(arrays))
    return concatenate([_block(a, depth - 1, rank) for a in arrays], axis=-depth)


def block(arrays):
    """An array assembled from nested lists of blocks, like `numpy.block`: the innermost lists join
    along the last axis, the next ones along the one before.

    >>> block([[_np.eye(1), _np.zeros((1, 1))]]).shape
    (1, 2)
    """
    depth = _block_depth(arrays)

    def rank(a):
        return builtins.max(rank(b) for b in a) if type(a) is list else ndim(a)

    return _block(arrays, depth, builtins.max(depth, rank(arrays)))


def resize(a, new_shape):
    """An array of `new_shape` filled with a's flattened entries, repeated as needed, like
    `numpy.resize`.

    >>> resize(_np.array([1.0, 2.0]), (3,))
    array([1., 2., 1.])
    """
    new_shape = (new_shape,) if _np.ndim(new_shape) == 0 else tuple(new_shape)
    if not all(_whole(d) and d >= 0 for d in new_shape):  # (-1 gave an empty array, True one entry, silently)
        raise ValueError(f"numpy.resize: new_shape must be ints >= 0, got {new_shape!r}")
    n, size = math.prod(new_shape), math.prod(shape(a))
    if size == 0 or n == 0:
        return _np.zeros(new_shape) if size == 0 else reshape(ravel(a)[:0], new_shape)
    return reshape(take(ravel(a), _np.arange(n) % size), new_shape)


def trim_zeros(filt, trim="fb", axis=None):
    """filt without its leading ('f') and trailing ('b') zeros, like `numpy.trim_zeros` of a 1-D
    array (which entries are zero is read from the values: the trace is specialised to them).

    >>> trim_zeros(_np.array([0.0, 1.0, 0.0, 2.0, 0.0]))
    array([1., 0., 2.])
    """
    if ndim(filt) != 1 or axis is not None:
        raise ValueError(f"trim_zeros takes a 1-D array and no axis, not shape {shape(filt)}")
    nz = _np.flatnonzero(_np.asarray(_value(filt)))
    if nz.size == 0:
        return filt[:0]
    lo = int(nz[0]) if "f" in trim.lower() else 0
    hi = int(nz[-1]) + 1 if "b" in trim.lower() else shape(filt)[0]
    return filt[lo:hi]


def compress(condition, a, axis=None, out=None):
    """The slices of a along `axis` where `condition` is true, like `numpy.compress` (the condition is
    read from its values).

    >>> compress([False, True], _np.array([1.0, 2.0]))
    array([2.])
    """
    _no_out("compress", out)
    condition = _np.asarray(_value(condition))
    if condition.ndim != 1:  # (NumPy's refusal; main flattened a 2-d condition, silently)
        raise ValueError(f"numpy.compress: condition must be a 1-d array, got shape {condition.shape}")
    return take(a, _np.flatnonzero(condition), axis=axis)


def extract(condition, arr):
    """The entries of the flattened arr where the flattened condition is true, like `numpy.extract`.

    >>> extract(_np.array([True, False]), _np.array([1.0, 2.0]))
    array([1.])
    """
    picked, size = _np.flatnonzero(_np.ravel(_value(condition))), math.prod(shape(arr))
    if picked.size and picked[-1] >= size:  # (NumPy's IndexError; main kept the first `size`, silently)
        raise IndexError(
            f"numpy.extract: condition holds a true entry at flat index {picked[-1]}, out of bounds for arr of size "
            f"{size} (NumPy reads condition and arr flattened, entry by entry)"
        )
    return take(ravel(arr), picked)


def choose(a, choices, out=None, mode="raise"):
    """Each entry taken from the choice its index in `a` names, like `numpy.choose` (mode 'raise',
    'wrap' or 'clip'; the indices are read from their values).

    >>> choose(_np.array([1, 0]), [_np.array([1.0, 2.0]), _np.array([3.0, 4.0])])
    array([3., 2.])
    """
    _no_out("choose", out)
    idx = _np.asarray(_value(a))
    n = len(choices)
    if mode == "wrap":
        idx = idx % n
    elif mode == "clip":
        idx = _np.clip(idx, 0, n - 1)
    elif idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"choose: an index in a is outside [0, {n}) (mode='raise')")
    res = choices[0] + 0.0 * _np.zeros(idx.shape)
    for i in range(1, n):
        res = where(idx == i, choices[i], res)
    return res


def unique(
    ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *, equal_nan=True, sorted=True
):
    """The sorted distinct entries of the flattened array, like `numpy.unique`: gathered from the
    entries NumPy picks, so the derivative flows through them (as sort's does); the indices, inverse
    and counts are constants (read from the values: the trace is specialised to them).

    >>> unique(_np.array([2.0, 1.0, 2.0]))
    array([1., 2.])
    """
    if axis is not None:
        raise ValueError("unique: difflab takes axis=None only (the distinct entries of the flattened array)")
    values = _np.asarray(_value(ar))
    _, index, inverse, counts = _np.unique(values, True, True, True, equal_nan=equal_nan)
    out = take(ravel(ar), index)
    extra = [
        e
        for e, want in ((index, return_index), (inverse.reshape(values.shape), return_inverse), (counts, return_counts))
        if want
    ]
    return (out, *extra) if extra else out


def _unique_result(name, x):
    """NumPy's `name` (unique_all, unique_counts, ...) of x's values, with its `values` gathered from
    the entries NumPy picks (so differentiable, as unique's are); the other fields constants."""
    values = _np.asarray(_value(x))
    picked = take(ravel(x), _np.unique_all(values).indices)
    if name == "unique_values":
        return picked
    res = getattr(_np, name)(values)
    return type(res)(picked, *res[1:])


def unique_values(x):
    """The distinct entries, like `numpy.unique_values` (differentiable through the entries picked).

    >>> unique_values(_np.array([2.0, 1.0, 2.0]))
    array([1., 2.])
    """
    return _unique_result("unique_values", x)


def unique_counts(x):
    """(values, counts), like `numpy.unique_counts` (the counts constants).

    >>> unique_counts(_np.array([2.0, 1.0, 2.0])).counts
    array([1, 2])
    """
    return _unique_result("unique_counts", x)


def unique_inverse(x):
    """(values, inverse_indices), like `numpy.unique_inverse`.

    >>> unique_inverse(_np.array([2.0, 1.0, 2.0])).inverse_indices
    array([1, 0, 1])
    """
    return _unique_result("unique_inverse", x)


def unique_all(x):
    """(values, indices, inverse_indices, counts), like `numpy.unique_all`.

    >>> unique_all(_np.array([2.0, 1.0, 2.0])).indices
    array([1, 0])
    """
    return _unique_result("unique_all", x)


def _set_operation(name):
    fn = getattr(_np, name)

    def set_operation(ar1, ar2, *args, **kwargs):
        both = concatenate([ravel(asarray(ar1)), ravel(asarray(ar2))])
        values = _np.asarray(_value(both))
        res = fn(_value(ar1), _value(ar2), *args, **kwargs)
        if type(res) is tuple or not _contains_traced((ar1, ar2)):  # (intersect1d's return_indices: as NumPy's)
            return res
        distinct, first = _np.unique(values, return_index=True)
        return take(both, first[_np.searchsorted(distinct, res)])

    set_operation.__name__ = set_operation.__qualname__ = name
    set_operation.__doc__ = (
        f"`numpy.{name}` (sorted distinct values) gathered from the entries of ar1 and ar2 that hold them, so "
        f"differentiable through those (the first of equal entries); which they are is read from the values.\n\n"
        f"    >>> {name}(_np.array([1.0, 2.0]), _np.array([2.0, 3.0])).size > 0\n    True\n    "
    )
    set_operation.__module__ = __name__
    return set_operation


intersect1d = _set_operation("intersect1d")


union1d = _set_operation("union1d")


setdiff1d = _set_operation("setdiff1d")


setxor1d = _set_operation("setxor1d")


def apply_over_axes(func, a, axes):
    """func(a, axis) applied for each axis in turn, the axis kept (length 1) when func drops it, like
    `numpy.apply_over_axes`.

    >>> apply_over_axes(sum, _np.ones((2, 3)), [0, 1])
    array([[6.]])
    """
    for axis in [axes] if _np.ndim(axes) == 0 else axes:
        res = func(a, axis)
        a = res if ndim(res) == ndim(a) else expand_dims(res, axis)
    return a


def astype(x, dtype, /, *, copy=True, device=None):
    """x as `dtype`, like `numpy.astype`: a float dtype keeps a traced x (difflab computes in float64);
    an integer one is NumPy's cast recorded (astype_int: piecewise constant, zero derivative, recomputed at each
    call as argmax's index is), a boolean one `x != 0`, as x.astype gives.

    >>> astype(_np.array([1.5]), _np.float64)
    array([1.5])
    """
    return x.astype(dtype) if isinstance(x, _Traced) else _np.astype(x, dtype, copy=copy)


def _fftshift(x, axes=None, sign=1):
    axes = tuple(range(ndim(x))) if axes is None else _axes(x, axes)
    if not axes:
        return x
    return roll(x, tuple(sign * (shape(x)[ax] // 2) for ax in axes), axes)


def _fft_fftshift(x, axes=None):
    """The zero-frequency term moved to the centre, like `numpy.fft.fftshift`: a roll by n // 2 along
    each axis in `axes` (all by default); same shape as x. (An FFT itself is complex: not differentiated.)

    >>> _fft_fftshift(_np.arange(5.0)).tolist()
    [3.0, 4.0, 0.0, 1.0, 2.0]
    """
    return _fftshift(x, axes, 1)


def _fft_ifftshift(x, axes=None):
    """The inverse of `fft.fftshift`, like `numpy.fft.ifftshift`: a roll by -(n // 2) along each axis.

    >>> _fft_ifftshift(_np.arange(5.0)).tolist()
    [2.0, 3.0, 4.0, 0.0, 1.0]
    """
    return _fftshift(x, axes, -1)


def broadcast_arrays(*args, subok=False):
    """The arguments broadcast against each other (`subok`: no traced value has a subclass; either is harmless).

    >>> [a.shape for a in broadcast_arrays(_np.ones(2), _np.ones((3, 1)))]
    [(3, 2), (3, 2)]
    """
    target = _np.broadcast_shapes(*[shape(a) for a in args])
    return [broadcast_to(a, target) for a in args]
