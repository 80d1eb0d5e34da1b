"""Arrays made from others: `full` (of a traced fill value), `zeros_like`, `ones_like`, `full_like` and the grids `linspace`,
`logspace`, `geomspace` (differentiable in their end points).

Compositions of the registry's elementwise primitives and broadcasting, so no rule of their own.
"""

from __future__ import annotations

import builtins
import math

import warnings as _warnings

import numpy as _np

from ..assign import fresh as _fresh
from ..graph import Traced as _Traced
from ..ops import getitem as _getitem
from ..ops import log10
from ..ops import where as _where
from ..ops.shape import (
    _broadcast_to_front as broadcast_to,
)
from ..ops.shape import (
    _concatenate_front as concatenate,
)
from ..ops.shape import (
    _reshape_front as reshape,
)
from .arrays import _device, _like, _take_along, _value, asarray, moveaxis, ndim, shape


def _traced_constant(a, fill_value, dtype, shape_):
    """`fill_value` everywhere, shaped like a (or `shape_`), as a traced value of a's trace when a is traced and
    the dtype a float one (as jax.numpy's zeros_like of a tracer), so that item assignment can write traced
    values into it (`h = np.zeros_like(x); h[0] = x[1]`, where a NumPy array would be given Python numbers).
    It reads a through `where` with an all-false condition: no derivative flows from a. None where NumPy's serves."""
    if not isinstance(a, _Traced):
        return None
    kind = _np.dtype(dtype).kind if dtype is not None else a.dtype.kind
    target = _shape_of(a) if shape_ is None else _as_shape(shape_)
    if kind not in "fc":
        return None
    if target != _shape_of(a) or not math.prod(_shape_of(a)):
        flat = reshape(a, (-1,))
        if not math.prod(_shape_of(a)):  # (an empty a has no element to read: one constant appended, in a's trace;
            flat = concatenate([flat, _np.zeros(1, dtype=a.dtype)])  # main returned NumPy's zeros, so a traced
        a = _getitem(flat, idx=(0,))  # value assigned into them was refused as stored into the function's own array)
    if kind == "f" and _np.iscomplexobj(fill_value):  # (NumPy's: the real part, with its ComplexWarning; main a bare
        _warnings.warn(  # "float() argument must be ... not 'complex'")
            _np.exceptions.ComplexWarning("Casting complex values to real discards the imaginary part"), stacklevel=3
        )
        fill_value = _np.real(fill_value)
    return _where(_np.zeros(target, dtype=bool), a, _np.asarray(fill_value, dtype=complex if kind == "c" else float))


def full(shape, fill_value, dtype=None, order="C", *, like=None):
    """An array of `shape` filled with `fill_value`, like `numpy.full`; a traced fill value (a learned
    discount in np.full(n, g)) is broadcast, so its derivative is the sum over the entries (numpy.full
    itself converts it: no dispatch reaches difflab).

    >>> full(2, 3.0)
    array([3., 3.])
    """
    _like(like)  # (NumPy's array-function reference: its result as without it)
    if isinstance(fill_value, _Traced):
        # NumPy's own checks of shape and order (a float or negative size, order='X'), by an array of no bytes
        size = _np.empty(shape, dtype=_np.dtype([]), order=order).shape
        out = _fresh(broadcast_to(fill_value, size))  # (no view of the fill)
        return out if dtype is None else out.astype(dtype)  # (an integer dtype: NumPy's cast, recorded, as astype)
    return _np.full(shape, fill_value, dtype=dtype, order=order)


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """An array of `fill_value` with a's shape (or `shape`); no derivative flows from a. Traced when a is (see
    zeros_like); a traced fill_value broadcast.

    >>> full_like(_np.ones(2), 3.0)
    array([3., 3.])
    """
    _device(device)
    size = _shape_of(a) if shape is None else _as_shape(shape)
    if isinstance(fill_value, _Traced):
        return _fresh(broadcast_to(fill_value, size))  # (a new array, sharing no elements with fill_value)
    traced = _traced_constant(a, fill_value, dtype, shape)
    return traced if traced is not None else _np.full(size, fill_value, dtype=_like_dtype(a, dtype))


def zeros_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """An array of zeros with a's shape (or `shape`, as NumPy's keyword), no derivative flowing from a: a traced
    value when a is one (as jax.numpy's), so that `h = np.zeros_like(x); h[0] = x[1]` assigns traced values. NumPy's
    positional order (a, dtype, order, subok, shape); the memory order and subok change no value here.

    >>> zeros_like(_np.ones(2))
    array([0., 0.])
    """
    _device(device)
    traced = _traced_constant(a, 0.0, dtype, shape)
    return (
        traced
        if traced is not None
        else _np.zeros(_shape_of(a) if shape is None else shape, dtype=_like_dtype(a, dtype))
    )


def ones_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """An array of ones with a's shape (or `shape`): traced when a is (see zeros_like).

    >>> ones_like(_np.ones(2))
    array([1., 1.])
    """
    _device(device)
    traced = _traced_constant(a, 1.0, dtype, shape)
    return (
        traced
        if traced is not None
        else _np.ones(_shape_of(a) if shape is None else shape, dtype=_like_dtype(a, dtype))
    )


def empty_like(prototype, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """numpy.empty_like: zeros_like (NumPy's elements are arbitrary, zeros are some).

    >>> empty_like(_np.ones(2))
    array([0., 0.])
    """
    a = prototype  # (NumPy's parameter name)
    return zeros_like(a, dtype, shape=shape, device=device)


def _like_dtype(a, dtype):
    """NumPy's dtype for a *_like array `_traced_constant` leaves to NumPy: `dtype`, else a's own (an int array's
    zeros are ints, as NumPy's; they were float64); a list holding traced values is float64, as its stack."""
    if dtype is not None:
        return dtype
    if isinstance(a, _Traced):
        return a.dtype
    try:
        return _np.asarray(a).dtype
    except Exception:  # (a list holding traced values: NumPy cannot convert it, its stack is float64)
        return float


def _shape_of(a) -> tuple:
    return shape(a)


def _as_shape(s) -> tuple:
    return (int(s),) if isinstance(s, (int, _np.integer)) else tuple(s)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from start to stop (arrays give one column per element, along `axis`),
    as start + (stop - start) * t for constant fractions t, so both ends are differentiable.

    >>> linspace(1.0, 2.0, 3)
    array([1. , 1.5, 2. ])
    """
    if dtype is not None and not _np.issubdtype(dtype, _np.floating):
        raise TypeError(f"linspace(dtype={dtype}): difflab computes in float64 only")
    num = int(num)
    if num < 0:
        raise ValueError(f"linspace: number of samples {num} must be non-negative")
    div = (num - 1) if endpoint else num
    fractions = _np.arange(num, dtype=float) / div if div > 0 else _np.zeros(num)
    start, stop = asarray(start), asarray(stop)
    span = stop - start
    rank = builtins.max(ndim(start), ndim(span))
    t = fractions.reshape((num,) + (1,) * rank)
    out = start + span * t
    if endpoint and num > 1:  # the last value is stop itself, as NumPy's is
        out = concatenate([_take_along(out, 0, slice(0, -1)), reshape(stop + 0.0 * span, (1,) + shape(out)[1:])])
    out = moveaxis(out, 0, axis) if rank else out
    step = span / div if div > 0 else _np.nan * span
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """base ** linspace(start, stop), like `numpy.logspace` (both ends differentiable).

    >>> logspace(0.0, 2.0, 3)
    array([  1.,  10., 100.])
    """
    return asarray(base) ** linspace(start, stop, num, endpoint, dtype=dtype, axis=axis)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale from start to stop (of one sign), like `numpy.geomspace`:
    the ends are start and stop themselves, as NumPy's are.

    >>> geomspace(1.0, 100.0, 3)
    array([  1.,  10., 100.])
    """
    start, stop = (_np.asarray(v, dtype=float) if _np.asarray(_value(v)).dtype == bool else v for v in (start, stop))
    sign = _np.sign(_np.asarray(_value(start), dtype=float))  # (a bool end is NumPy's 0 or 1: np.sign refused bools)
    if _np.any(sign == 0) or _np.any(sign != _np.sign(_np.asarray(_value(stop), dtype=float))):
        raise ValueError("geomspace takes a start and stop of the same sign, neither 0")
    out = sign * logspace(log10(sign * start), log10(sign * stop), num, endpoint, dtype=dtype)
    if num > 0:
        ends = [reshape(asarray(start) + 0.0 * out[0], (1,) + shape(out)[1:])]
        middle = out[1:-1] if endpoint and num > 1 else out[1:]
        tail = [reshape(asarray(stop) + 0.0 * out[-1], (1,) + shape(out)[1:])] if endpoint and num > 1 else []
        out = concatenate(ends + [middle] + tail)
    return moveaxis(out, 0, axis) if ndim(out) > 1 else out
