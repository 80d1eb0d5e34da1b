"""The ufunc methods on traced values (`np.add.reduce`, `np.multiply.accumulate`,
`np.add.outer`, `np.add.reduceat`, ...): what NumPy's `__array_ufunc__` calls with a method name other
than `__call__`.

Each maps to a reduction, cumulative operation or broadcast of the registry's primitives, so it is a
lookup table over compositions, not a registry entry.
"""

from __future__ import annotations

import numpy as _np

from .. import ops as _ops
from ..ops.reductions import (
    _cumsum_front as _cumsum,
)
from ..ops.reductions import (
    _logsumexp_front as logsumexp,
)
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
from .arrays import _value, min, moveaxis, ndim, shape
from .reductions import cumprod
from .shapes import _running


def _add_reduceat(a, indices, axis=0):
    """`numpy.add.reduceat`: the sums of a[indices[i]:indices[i+1]] along `axis` (a[indices[i]] where
    indices[i] >= indices[i+1]; the last to the end), as a gather and a scatter-add."""
    indices = _np.asarray(_value(indices))
    axis = axis % ndim(a)
    n = shape(a)[axis]
    if (
        indices.ndim != 1
        or indices.dtype.kind not in "iu"
        or (indices.size and not (0 <= indices.min() <= indices.max() < n))
    ):
        raise IndexError(f"add.reduceat's indices must be 1-D integers in [0, {n}), not {indices!r}")
    ends = _np.append(indices[1:], n)
    rows = [_np.arange(lo, hi) if lo < hi else _np.array([lo]) for lo, hi in zip(indices, ends)]
    segments = _np.concatenate([_np.full(len(r), i) for i, r in enumerate(rows)])
    a0 = moveaxis(a, axis, 0)
    out = _ops.scatter_add(a0[(_np.concatenate(rows),)], idx=(segments,), shape=(len(indices),) + shape(a0)[1:])
    return moveaxis(out, 0, axis)


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


def _reduce(fn, name):
    def reduce(a, axis=0, keepdims=False):
        """`ufunc.reduce` of a binary ufunc without a reduction primitive (np.fmax.reduce, NaN-ignoring;
        np.hypot.reduce): fn folded along `axis` (an int, or None for all of a), NumPy's order, as `_accumulate`'s.

        >>> _reduce(_np.fmax, "fmax")(_np.array([[1.0, _np.nan], [0.5, 2.0]]), axis=1)
        array([1., 2.])
        """
        if axis is None:
            a, axis = reshape(a, (-1,)), 0
        elif not isinstance(axis, (int, _np.integer)):
            raise TypeError(f"numpy.{name}.reduce on a traced value takes an int axis or None, not {axis!r}")
        n, axis = shape(a)[axis % ndim(a)], axis % ndim(a)
        if n == 0:
            raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
        a0 = moveaxis(a, axis, 0)
        out = a0[0]
        for k in range(1, n):
            out = fn(out, a0[k])
        return reshape(out, shape(a)[:axis] + (1,) + shape(a)[axis + 1 :]) if keepdims else out

    return reduce


#: the binary ufuncs whose `reduce` is `_reduce`'s fold: commutative and associative, so NumPy's values whatever
#: its order (NumPy's arctan2.reduce and power.reduce are not the left fold: not taken, refused by name)
_FOLDED = frozenset({"fmax", "fmin", "hypot", "logaddexp2"})

#: NumPy's ufunc methods on traced values (np.add.reduce(x, axis=1), np.subtract.outer(x, y)), by
#: (ufunc, method); `outer` and `accumulate` of any other binary ufunc by broadcasting and by a sequential
#: fold, `reduce` of those in _FOLDED by a fold (`ufunc_method`)
_UFUNC_METHODS = {
    ("add", "reduce"): lambda a, axis=0, keepdims=False: sum(a, axis=axis, keepdims=keepdims),
    ("multiply", "reduce"): lambda a, axis=0, keepdims=False: _prod(a, axis=axis, keepdims=keepdims),
    ("maximum", "reduce"): lambda a, axis=0, keepdims=False: max(a, axis=axis, keepdims=keepdims),
    ("minimum", "reduce"): lambda a, axis=0, keepdims=False: min(a, axis=axis, keepdims=keepdims),
    ("add", "accumulate"): lambda a, axis=0: _cumsum(a, axis=axis),
    ("multiply", "accumulate"): lambda a, axis=0: cumprod(a, axis=axis),
    ("add", "reduceat"): _add_reduceat,
    ("maximum", "accumulate"): _running(_np.maximum),
    ("minimum", "accumulate"): _running(_np.minimum),
    ("logaddexp", "reduce"): lambda a, axis=0, keepdims=False: logsumexp(a, axis=axis, keepdims=keepdims),
}


#: NumPy ufunc name -> the function to call on traced values (NumPy's __array_ufunc__ dispatch):
#: generated from the registry by difflab.numpy (`_publish`), which re-exports it
UFUNCS: dict = {}


def ufunc_method(ufunc: str, method: str, nin: int = 2):
    """The function computing NumPy's `ufunc.method` on traced values, or None; `nin` is the ufunc's count of
    inputs (scipy.special's binary ufuncs, xlogy, reach here by their short name, not NumPy's)."""
    fn = _UFUNC_METHODS.get((ufunc, method))
    if fn is None and method == "reduce" and ufunc in _FOLDED and ufunc in UFUNCS:
        return _reduce(UFUNCS[ufunc], ufunc)
    if fn is None and method in ("outer", "accumulate") and ufunc in UFUNCS and nin == 2:
        return (_outer if method == "outer" else _accumulate)(UFUNCS[ufunc])
    return fn
