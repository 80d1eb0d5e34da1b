"""The ufunc methods on traced values (`np.add.reduce`, `np.multiply.accumulate`,
`np.add.outer`, `np.add.reduceat`, ...): what NumPy's `__array_ufunc__` calls with a method name other
than `__call__`.

Each maps to a reduction, cumulative operation or broadcast of the registry's primitives, so it is a
lookup table over compositions, not a registry entry.
"""

from __future__ import annotations

import functools
import inspect

import numpy as _np
from numpy.lib.array_utils import normalize_axis_tuple

from .. import ops as _ops
from ..ops.reductions import (
    _cumsum_front as _cumsum,
)
from ..ops.reductions import _float_dtype, dtype_cast as _dtype_cast
from ..ops.reductions import (
    _max_front as max,
)
from ..ops.reductions import (
    _prod_front as _prod,
)
from ..ops.reductions import (
    _sum_front as sum,
)
from ..ops.shape import _reshape_front as reshape
from ..ops.shape import _stack_front as stack
from .arrays import _in_range, _value, min, moveaxis, ndim, shape
from .reductions import cumprod
from .shapes import _running


def _add_reduceat(a, indices, axis=0):
    """`numpy.add.reduceat`: the sums of a[indices[i]:indices[i+1]] along `axis` (a[indices[i]] where
    indices[i] >= indices[i+1]; the last to the end): the internal entry add_reduceat, NumPy's own sum."""
    indices = _np.asarray(_value(indices))
    axis = _in_range(axis, ndim(a))
    n = shape(a)[axis]
    if (
        indices.ndim != 1
        or indices.dtype.kind not in "iu"
        or (indices.size and not (0 <= indices.min() <= indices.max() < n))
    ):
        raise IndexError(f"add.reduceat's indices must be 1-D integers in [0, {n}), not {indices!r}")
    return _ops.add_reduceat(a, indices=tuple(indices.tolist()), axis=axis)  # (NumPy's own order: its values)


def _started(front, name):
    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=True):
        """`ufunc.reduce` of add, multiply, maximum, minimum with NumPy's arguments: the start `initial` (its
        values to the bit: difflab.ops.reductions' `_started`), the mask `where` (maximum's and minimum's need
        `initial`, as NumPy's), a float `dtype` (an integer one refused by name: it drops the derivative)."""
        if dtype is not None:
            _float_dtype(f"{name}.reduce", dtype, a)
            a = _dtype_cast(f"{name}.reduce", a, dtype)
        return front(a, axis=axis, keepdims=keepdims, initial=initial, where=where)

    return reduce


def _reduceat(fn, name, reduce=None):
    def reduceat(a, indices, axis=0):
        """`ufunc.reduceat` of a binary ufunc other than add on traced values (maximum, multiply, subtract, divide,
        logaddexp, ...): along `axis`, per i the segment a[indices[i]:indices[i+1]] folded left to right from its
        first entry by fn (its `reduce` where that is a primitive in NumPy's order: multiply, maximum, minimum), the
        single a[indices[i]] where indices[i] >= indices[i+1], the last segment to the end: NumPy's rules and
        order, so its values to the bit; the segments stacked where they were.

        >>> _reduceat(_np.subtract, "subtract")(_np.array([1.0, 3.0, 2.0, 5.0]), [0, 2, 1])
        array([-2.,  3., -4.])
        """
        indices = _np.asarray(_value(indices))
        n = shape(a)[axis]
        if indices.ndim != 1 or indices.dtype.kind not in "iu":
            raise TypeError(f"numpy.{name}.reduceat's indices must be a 1-D array of integers, not {indices!r}")
        for i in indices.tolist():
            if not 0 <= i < n:
                raise IndexError(f"index {i} out-of-bounds in {name}.reduceat [0, {n})")  # (NumPy's words)
        a0, parts = moveaxis(a, axis, 0), []
        for lo, hi in zip(indices.tolist(), indices[1:].tolist() + [n]):
            if reduce is not None and lo + 1 < hi:
                parts.append(reduce(a0[lo:hi], axis=0))
                continue
            out = a0[lo]
            for k in range(lo + 1, hi):
                out = fn(out, a0[k])
            parts.append(out)
        return moveaxis(stack(parts), 0, axis) if parts else moveaxis(a0[:0], 0, axis)

    return reduceat


def _outer(fn):
    def outer(a, b):
        return fn(reshape(a, shape(a) + (1,) * ndim(b)), b)

    return outer


def _accumulate(fn):
    def accumulate(a, axis=0):
        """`ufunc.accumulate` of a binary ufunc without a cumulative primitive (np.logaddexp.accumulate, a running
        log-sum-exp; np.subtract.accumulate): out[0] = a[0], out[k] = fn(out[k - 1], a[k]) along `axis`, NumPy's
        own order, so its values to the bit (n - 1 equations: no rescaling that would underflow early terms)."""
        a0 = moveaxis(a, axis, 0)
        if shape(a0)[0] == 0:
            return moveaxis(a0[:0], 0, axis)
        outs = [a0[0]]
        for k in range(1, shape(a0)[0]):
            outs.append(fn(outs[-1], a0[k]))
        return moveaxis(stack(outs), 0, axis)

    return accumulate


def _one_axis(fn, name):
    """`accumulate` (and `reduceat`) given NumPy's axis rules: one axis, an int or a 1-tuple, None only for a 1-d
    `a` (NumPy's ValueError otherwise: `_cumsum(a, axis=None)` flattened a 2-d one), never a 0-d `a`."""

    def call(a, *args, axis=0, **kwargs):
        if ndim(a) == 0 and axis in (0, None, ()):
            raise TypeError(f"numpy.{name} of a traced value: cannot {name.split('.')[1]} on a scalar (NumPy's)")
        axes = (0,) if axis is None else axis if isinstance(axis, tuple) else (axis,)
        if len(axes) != 1 or (axis is None and ndim(a) != 1):
            raise ValueError(f"numpy.{name} of a traced value: {name.split('.')[1]} does not allow multiple axes")
        return fn(a, *args, axis=normalize_axis_tuple(axes[0], ndim(a))[0], **kwargs)

    call.__signature__ = inspect.signature(fn)  # (the keywords trace.py's `_accepts` reads)
    return call


def _fold(fn, name, reorderable, identity=None):
    def reduce(a, axis=0, keepdims=False, initial=None):
        """`ufunc.reduce` of a binary ufunc without a reduction primitive, with NumPy's arguments: fn folded left to
        right over the reduced axis, from `initial` (by default the ufunc's identity, if it has one: hypot's 0)
        where given (np.subtract.reduce([a, b, c]) = (a − b) − c, as NumPy computes it, so its values to the bit;
        scipy.special.xlogy's, np.arctan2's, np.divide's alike). A ufunc NumPy calls reorderable (fmax,
        NaN-ignoring; hypot) takes several axes (None: all), the others one, or None for a 0-d or 1-d `a` (NumPy's
        ValueError otherwise); `axis=()` reduces each element alone.

        >>> _fold(_np.subtract, "subtract", False)(_np.array([[3.0, 1.5, 0.25], [2.0, 1.0, 4.0]]), axis=1)
        array([ 1.25, -3.  ])
        """
        nd, start = ndim(a), identity if initial is None else initial
        scalar = nd == 0 and (axis is None or axis == () or (isinstance(axis, (int, _np.integer)) and axis in (0, -1)))
        axes = () if scalar else normalize_axis_tuple(range(nd) if axis is None else axis, nd)
        if len(axes) > 1 and not reorderable:
            raise ValueError(f"reduction operation '{name}' is not reorderable, so at most one axis may be specified")
        kept = [k for k in range(nd) if k not in axes]
        count = int(_np.prod([shape(a)[k] for k in axes]))
        rows = reshape(moveaxis(a, axes, tuple(range(len(axes)))), (count,) + tuple(shape(a)[k] for k in kept))
        out_shape = tuple(1 if k in axes else shape(a)[k] for k in range(nd)) if keepdims else shape(rows)[1:]
        if count == 0:
            if start is None:
                raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
            return _np.full(out_shape, start, dtype=_np.result_type(_value(a), start))
        out = rows[0] if start is None else fn(start, rows[0])
        for k in range(1, count):
            out = fn(out, rows[k])
        return reshape(out, out_shape)

    return reduce


def _zero_d(fn):
    """A reduction primitive's `reduce` given NumPy's 0-d rule: axis 0 or −1 of a 0-d `a` reduces nothing (NumPy
    returns a itself, where sum's axis check refused it)."""

    @functools.wraps(fn)  # (its signature, the keywords trace.py's `_accepts` reads)
    def reduce(a, axis=0, **kwargs):
        zero_d = ndim(a) == 0 and isinstance(axis, (int, _np.integer)) and axis in (0, -1)
        return fn(a, axis=() if zero_d else axis, **kwargs)

    return reduce


@functools.cache
def _reorderable(ufunc) -> bool:
    """NumPy's own word: whether its `reduce` takes several axes (maximum, fmax, hypot and SciPy's with an identity
    do; subtract, divide, arctan2, power, xlogy do not: those NumPy folds left to right over one axis)."""
    try:
        ufunc.reduce(_np.ones((1, 1)), axis=(0, 1))
    except ValueError:
        return False
    return True


def _scipys(ufunc) -> bool:
    """Whether `ufunc` is one of scipy.special's reorderable binary ufuncs (agm, poch, boxcox, the eval_* and
    the distributions' ...): SciPy declares their identity 0 (NumPy's PyUFunc_Zero), so NumPy's reduce is a left
    fold from 0, f(f(f(0, a0), a1), a2) (agm.reduce and poch.reduce of positive values are 0), over any axes, C order
    (measured on SciPy 1.x: 42 ufuncs, each value to the bit on 1-d, 2-d axis 0/1/None; a transposed view's None
    NumPy folds in memory order, as logaddexp's)."""
    return ufunc is not None and ufunc.identity == 0 and ufunc.__name__ not in _NUMPYS


#: NumPy's own ufuncs' names (add's identity 0 too: a primitive, NumPy's pairwise sum; the bit ones take no float)
_NUMPYS = frozenset(u.__name__ for u in vars(_np).values() if isinstance(u, _np.ufunc))


#: the reorderable binary ufuncs whose `reduce` is `_fold`'s: commutative, and NumPy's reduce folds them left to
#: right (no pairwise blocks), so a contiguous input's values to the bit (logaddexp's: logsumexp's rescaled sum was an
#: ulp off in 207 of 300 random vectors; a transposed view's axis=None NumPy folds in memory order). Every binary
#: ufunc NumPy does not reorder is NumPy's left fold, and so is every SciPy one it does (`_scipys`; `ufunc_method`).
_FOLDED = frozenset({"fmax", "fmin", "hypot", "logaddexp", "logaddexp2"})

#: NumPy's ufunc methods on traced values (np.add.reduce(x, axis=1), np.subtract.outer(x, y)), by
#: (ufunc, method); `outer` and `accumulate` of any other binary ufunc by broadcasting and by a sequential
#: fold, `reduce` of those in _FOLDED and of those NumPy does not reorder by a fold, `reduceat` of any by a fold per
#: segment (`ufunc_method`)
_UFUNC_METHODS = {
    ("add", "reduce"): _started(sum, "add"),
    ("multiply", "reduce"): _started(_prod, "multiply"),
    ("maximum", "reduce"): _started(max, "maximum"),
    ("minimum", "reduce"): _started(min, "minimum"),
    ("add", "accumulate"): lambda a, axis=0, dtype=None: _cumsum(a, axis=axis, dtype=dtype),
    ("multiply", "accumulate"): lambda a, axis=0, dtype=None: cumprod(a, axis=axis, dtype=dtype),
    ("add", "reduceat"): _add_reduceat,
    ("maximum", "accumulate"): _running(_np.maximum),
    ("minimum", "accumulate"): _running(_np.minimum),
}


#: the ufuncs whose `reduce` primitive computes in NumPy's own order, a segment's value to the bit (reduceat's)
_IN_ORDER = frozenset({"multiply", "maximum", "minimum"})


#: NumPy ufunc name -> the function to call on traced values (NumPy's __array_ufunc__ dispatch):
#: generated from the registry by difflab.numpy (`_publish`), which re-exports it
UFUNCS: dict = {}


def ufunc_method(ufunc: str, method: str, nin: int = 2, numpy_ufunc=None):
    """The function computing NumPy's `ufunc.method` on traced values, or None; `nin` is the ufunc's count of
    inputs (scipy.special's binary ufuncs, xlogy, reach here by their short name, not NumPy's), `numpy_ufunc` the
    ufunc itself (NumPy's word on whether it reorders: `_reorderable`)."""
    fn = _UFUNC_METHODS.get((ufunc, method))
    binary = ufunc in UFUNCS and nin == 2
    if fn is None and method == "reduce" and binary:
        reorderable = ufunc in _FOLDED or numpy_ufunc is None or _reorderable(numpy_ufunc)
        if ufunc in _FOLDED or not reorderable or _scipys(numpy_ufunc):
            return _fold(UFUNCS[ufunc], ufunc, reorderable, getattr(numpy_ufunc, "identity", None))
    if fn is None and method == "reduceat" and binary:
        fn = _reduceat(UFUNCS[ufunc], ufunc, _UFUNC_METHODS.get((ufunc, "reduce")) if ufunc in _IN_ORDER else None)
    if fn is None and method in ("outer", "accumulate") and binary:
        fn = (_outer if method == "outer" else _accumulate)(UFUNCS[ufunc])
    if fn is not None and method == "reduce":
        return _zero_d(fn)
    return _one_axis(fn, f"{ufunc}.{method}") if fn is not None and method in ("accumulate", "reduceat") else fn
