"""The traceable NumPy-like namespace: `import difflab.numpy as dnp`.

Primitives come straight from the registry (`difflab.ops`): each entry is published here under its
NumPy spellings (`Op.numpy`, calling `Op.front`), and the tables NumPy's dispatch on traced values
reads (`UFUNCS`, `FUNCTIONS`, `METHODS`) are generated from the registry too, regenerated whenever
an op is registered or removed. Everything else here (`softplus`, `softmax`, `dot`,
`min`, ...) is plain Python over primitives, so every method can differentiate it. On plain arrays
each function computes with NumPy; on traced values it records.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import math

import numpy as _np

from . import ops as _ops
from .errors import DifflabError as _DifflabError
from .errors import UnsupportedOperationError as _UnsupportedOperationError
from .graph import Traced as _Traced
from .ops import decompositions as _decompositions
from .ops.eig import eig as _eig_front
from .ops import fourier as _fourier
from .ops import abs, copysign, exp, isnan, less, log1p, log10, matmul, maximum, minimum, not_equal, real, sqrt, where
from .ops.core import normalize_axes as _axes

# the front ends the derived functions below call (the same objects `_publish` binds)
from .ops.reductions import _log_softmax_front as log_softmax
from .ops.reductions import _mean_front as mean
from .ops.reductions import _sum_front as sum
from .ops.reductions import _max_front as max
from .ops.reductions import _cumsum_front as _cumsum, _prod_front as _prod
from .ops.reductions import _logsumexp_front as logsumexp  # noqa: F401 (also bound from the registry)
from .ops.shape import _broadcast_to_front as broadcast_to
from .ops.shape import _concatenate_front as concatenate
from .ops.shape import _reshape_front as reshape
from .ops.shape import _stack_front as stack
from .ops.shape import _transpose_front as transpose

pi, e, newaxis, float64 = _np.pi, _np.e, None, _np.float64


def shape(x) -> tuple:
    """The shape of an array, number or traced value."""
    return x.shape if isinstance(x, (_np.ndarray, _Traced)) else _np.shape(x)


def ndim(x) -> int:
    """The number of axes of an array, number or traced value."""
    return len(shape(x))


def min(x, axis=None, keepdims=False, initial=None):
    """Minimum over `axis`, as `-max(-x)` (`initial`: a number the minimum is at most).

    >>> float(min(_np.array([1.0, 5.0, 2.0])))
    1.0
    """
    return -max(-x, axis=axis, keepdims=keepdims, initial=None if initial is None else -initial)


amin = min


def swapaxes(x, axis1, axis2):
    """Swap two axes.

    >>> swapaxes(_np.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    axes = list(range(ndim(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def ravel(x):
    """Flatten to one axis.

    >>> ravel(_np.ones((2, 3))).shape
    (6,)
    """
    return reshape(x, (-1,))


def copy(x):
    """A copy of x, like `numpy.copy` and `x.copy()`: a traced value is immutable, so it is its own copy
    (the API copies a result that is an input); a NumPy value is copied by NumPy.

    >>> copy(_np.ones(2))
    array([1., 1.])
    """
    return x if isinstance(x, _Traced) else _np.copy(x)


def expand_dims(x, axis):
    """Insert a length-1 axis at `axis`.

    >>> expand_dims(_np.ones(3), 0).shape
    (1, 3)
    """
    s = list(shape(x))
    s.insert(axis % (len(s) + 1), 1)
    return reshape(x, tuple(s))


def squeeze(x, axis=None):
    """Remove length-1 axes.

    >>> squeeze(_np.ones((1, 3, 1))).shape
    (3,)
    """
    s = shape(x)
    drop = [i for i, n in enumerate(s) if n == 1] if axis is None else list(_axes(x, axis))
    return reshape(x, tuple(n for i, n in enumerate(s) if i not in drop))


def _float_dtype(fn, dtype):
    if dtype is not None and not _np.issubdtype(dtype, _np.floating):
        raise TypeError(f"{fn}(dtype={dtype}): difflab computes in float64 only")


def hstack(arrays, *, dtype=None, casting="same_kind"):
    """Stack along the second axis (the first for 1-D arrays), like `numpy.hstack` (an array given
    alone is the sequence of its rows; numbers become 1-D).

    >>> hstack([_np.ones(2), _np.ones(2)]).shape
    (4,)
    """
    _float_dtype("hstack", dtype)
    arrays = [atleast_1d(a) for a in arrays]
    return concatenate(arrays, axis=0 if ndim(arrays[0]) == 1 else 1)


def vstack(arrays, *, dtype=None, casting="same_kind"):
    """Stack rows, like `numpy.vstack` (1-D arrays and numbers become rows; an array given alone is the
    sequence of its rows).

    >>> vstack([_np.ones(2), _np.ones(2)]).shape
    (2, 2)
    """
    _float_dtype("vstack", dtype)
    return concatenate([atleast_2d(a) for a in arrays], axis=0)


# -- derived functions: plain Python over primitives ------------------------------------------


def softplus(x):
    """log(1 + e^x), stably as max(x, 0) + log1p(e^-|x|) (no stop_gradient for numeric to warn about;
    every piece has a closed form, so symbolic's generated code does not overflow at x = 800).

    At 0 the two kinks cancel by the convention table (max' = 1/2 at a tie, |x|' = 0): softplus'(0) = 1/2.

    >>> builtins.round(float(softplus(0.0)), 12) == builtins.round(float(_np.log(2.0)), 12)
    True
    """
    return maximum(x, 0.0) + log1p(exp(-abs(x)))


def softmax(x, axis=-1):
    """exp(x) normalised along `axis`, computed stably.

    >>> softmax(_np.array([0.0, 0.0]))
    array([0.5, 0.5])
    """
    return exp(log_softmax(x, axis=axis))


def modf(x):
    """The fractional and integral parts (x − trunc(x), trunc(x)), like `numpy.modf`: the fractional
    part has derivative 1, the integral part 0.

    >>> modf(_np.array([2.5, -1.25]))
    (array([ 0.5 , -0.25]), array([ 2., -1.]))
    """
    whole = _ops.trunc(x)
    return x - whole, whole


def divmod(x1, x2):
    """(floor_divide(x1, x2), mod(x1, x2)), like `numpy.divmod`: the quotient is piecewise constant
    (derivative 0), the remainder differentiates as mod.

    >>> divmod(_np.array([7.0]), 2.0)
    (array([3.]), array([1.]))
    """
    if type(x1) in (int, float) and type(x2) in (int, float):  # (Python numbers: the builtin this shadows here)
        return builtins.divmod(x1, x2)
    return _ops.floor_divide(x1, x2), _ops.mod(x1, x2)


def frexp(x):
    """Mantissa and exponent (x = m · 2**e, 0.5 <= |m| < 1), like `numpy.frexp`: m = x · 2**−e with
    the integer exponent read from the values, so dm/dx = 2**−e.

    >>> frexp(_np.array([8.0]))
    (array([0.5]), array([4], dtype=int32))
    """
    _, e = _np.frexp(_value(x))
    return x * _np.ldexp(1.0, -e), e


def ldexp(x1, x2):
    """x1 · 2**x2 for integer exponents x2, like `numpy.ldexp` (differentiable in x1).

    >>> ldexp(_np.array([1.5]), 3)
    array([12.])
    """
    n = _np.asarray(_value(x2))
    if n.dtype.kind not in "iub":
        raise TypeError(f"ldexp takes integer exponents x2, not {n.dtype}")
    return x1 * _np.ldexp(1.0, n)


def nextafter(x1, x2):
    """The next float after x1 towards x2, like `numpy.nextafter`: x1 plus a step read from the values,
    so the derivative is 1 in x1 and 0 in x2 (the step is exact, so the value is NumPy's).

    >>> bool(nextafter(1.0, 2.0) == 1.0 + _np.finfo(float).eps)
    True
    """
    v1 = _np.asarray(_value(x1), dtype=float)
    return x1 + (_np.nextafter(v1, _value(x2)) - v1)


def piecewise(x, condlist, funclist, *args, **kw):
    """Each function (or constant) of `funclist` where its condition holds, 0 elsewhere, like
    `numpy.piecewise` (one more function than conditions: the otherwise case). As NumPy does, a
    function sees only the entries its condition picks (so a branch's NaN never reaches another's
    derivative); the conditions are read from their values.

    >>> piecewise(_np.array([-1.0, 2.0]), [_np.array([True, False])], [lambda v: -v, lambda v: v * v])
    array([1., 4.])
    """
    conds = [_np.asarray(_value(c), dtype=bool) for c in (condlist if type(condlist) in (list, tuple) else [condlist])]
    if len(conds) and conds[0].ndim == 0 and ndim(x) != 0 and len(conds) == 1:
        conds = [_np.broadcast_to(conds[0], shape(x))]
    if len(funclist) == len(conds) + 1:
        conds.append(~_np.any(conds, axis=0) if conds else _np.ones(shape(x), dtype=bool))
    if len(funclist) != len(conds):
        raise ValueError(f"piecewise takes {len(conds)} or {len(conds) + 1} functions, not {len(funclist)}")
    flat, size = ravel(x), math.prod(shape(x))
    res = _np.zeros(shape(x))
    for c, f in zip(conds, funclist):
        if not callable(f):
            res = where(c, f, res)
            continue
        idx = _np.flatnonzero(_np.broadcast_to(c, shape(x)))
        val = asarray(f(take(flat, idx), *args, **kw))
        val = val + _np.zeros(len(idx)) if ndim(val) == 0 else val
        res = where(c, reshape(_ops.scatter_add(val, idx=(idx,), shape=(size,)), shape(x)), res)
    return res


def unwrap(p, discont=None, axis=-1, *, period=2 * _np.pi):
    """p with the jumps larger than `discont` (default period/2) corrected by multiples of `period`,
    like `numpy.unwrap`: p plus a correction read from the values (derivative 1).

    >>> unwrap(_np.array([0.0, 6.0]))
    array([ 0.        , -0.28318531])
    """
    v = _np.asarray(_value(p), dtype=float)
    dd = _np.diff(v, axis=axis)
    discont = period / 2 if discont is None else discont
    ddmod = _np.mod(dd + period / 2, period) - period / 2  # NumPy's steps, on the values
    ddmod = _np.where((ddmod == -period / 2) & (dd > 0), period / 2, ddmod)
    correct = _np.where(_np.abs(dd) < discont, 0.0, ddmod - dd)
    first = _np.zeros_like(_np.take(v, [0], axis=axis))
    return p + _np.concatenate([first, _np.cumsum(correct, axis=axis)], axis=axis)


def _conj_if_complex(x):
    return _ops.conj(x) if _np.iscomplexobj(_value(x)) else x


def matvec(x1, x2, /):
    """Matrix-vector products over the leading axes, like `numpy.matvec`.

    >>> matvec(_np.eye(2), _np.array([1.0, 2.0]))
    array([1., 2.])
    """
    return matmul(x1, expand_dims(x2, -1))[..., 0]


def vecmat(x1, x2, /):
    """Vector-matrix products conj(x1) · x2 over the leading axes, like `numpy.vecmat`.

    >>> vecmat(_np.array([1.0, 2.0]), _np.eye(2))
    array([1., 2.])
    """
    return matmul(expand_dims(_conj_if_complex(x1), -2), x2)[..., 0, :]


def _cumulative(name, fn, identity):
    def cumulative(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        if out is not None or (dtype is not None and not _np.issubdtype(dtype, _np.floating)):
            raise ValueError(f"{name} takes no out= and float dtypes only")
        if axis is None:
            if ndim(x) > 1:
                raise ValueError(f"{name}: an array of more than one dimension needs axis=")
            axis = 0
        res = fn(x, axis=axis)
        if include_initial:
            res = concatenate([identity + 0.0 * _take_along(x, axis, slice(0, 1)), res], axis=axis)
        return res

    cumulative.__name__ = cumulative.__qualname__ = name
    cumulative.__doc__ = (
        f"The cumulative {name.split('_')[1]} along `axis`, like `numpy.{name}` (include_initial: the "
        f"identity {identity} first).\n\n    >>> {name}(_np.array([2.0, 3.0]), include_initial=True).shape\n    (3,)\n    "
    )
    return cumulative


cumulative_sum = _cumulative("cumulative_sum", lambda x, axis: _cumsum(x, axis=axis), 0.0)
cumulative_prod = _cumulative("cumulative_prod", lambda x, axis: cumprod(x, axis=axis), 1.0)


def prod_shape(x) -> int:
    """Number of entries of x (a static int, not traced).

    >>> prod_shape(_np.ones((2, 3)))
    6
    """
    return math.prod(shape(x))


def asarray(x, dtype=None):
    """An array from a number, array, traced value or (nested) list that may hold traced values.

    >>> asarray([1.0, 2.0])
    array([1., 2.])
    """
    if isinstance(x, _Traced):
        return x
    if isinstance(x, (list, tuple)) and _contains_traced(x):
        return stack([asarray(v) for v in x])
    return _np.asarray(x, dtype=dtype if dtype is not None else None)


array = asarray


def _contains_traced(x) -> bool:
    if isinstance(x, (list, tuple)):
        return builtins.any(_contains_traced(v) for v in x)
    return isinstance(x, _Traced)


#: functions whose arguments are sequences of arrays taken as they are (a list is not one array)
_SEQUENCE_TAKING = frozenset(
    {
        "concatenate",
        "stack",
        "hstack",
        "vstack",
        "row_stack",
        "dstack",
        "column_stack",
        "asarray",
        "array",
        "select",
        "block",
        "choose",
        "piecewise",
        "histogramdd",
    }
)


def _stacking(fn, name=""):
    """fn (published as `name`), with each list or tuple argument that holds traced values stacked into one array first
    (`mean([a, b])` is `mean(stack([a, b]))`, as autograd.numpy does); other arguments as they are."""
    if not isinstance(fn, type(_stacking)) or name.split(".")[-1] in _SEQUENCE_TAKING:
        return fn  # registry ops (Op instances) and the sequence-taking functions stay themselves

    @functools.wraps(fn)
    def call(*args, **kwargs):
        for a in args:
            if type(a) in (list, tuple) and _contains_traced(a):
                args = tuple(asarray(v) if type(v) in (list, tuple) and _contains_traced(v) else v for v in args)
                break
        for k, v in kwargs.items():
            if type(v) in (list, tuple) and _contains_traced(v):
                kwargs[k] = asarray(v)
        return fn(*args, **kwargs)

    call.stacks_lists = True
    return call


# -- reductions and statistics --------------------------------------------------------------------


def clip(a, a_min=None, a_max=None, **kw):
    """Limit values to [a_min, a_max] (derivative 1 inside, 0 outside, 1/2 at the bounds).

    >>> clip(_np.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
    array([0. , 0.5, 1. ])
    """
    a_min = kw.pop("min", a_min)
    a_max = kw.pop("max", a_max)
    if kw:
        raise TypeError(f"clip() got unexpected keyword arguments {sorted(kw)}")
    if a_min is not None:
        a = maximum(a, a_min)
    return a if a_max is None else minimum(a, a_max)


def round(a, decimals=0):
    """Round to `decimals` digits, halves to even, like `numpy.round` (zero derivative: rint's).

    >>> round(_np.array([0.5, 1.5, 2.345]), 2).tolist()
    [0.5, 1.5, 2.35]
    """
    decimals = int(decimals)
    if decimals == 0:
        return _ops.rint(a)
    if decimals > 0:  # NumPy's own order of operations, so the values agree to the last bit
        scale = 10.0**decimals
        return _ops.rint(a * scale) / scale
    scale = 10.0**-decimals
    return _ops.rint(a / scale) * scale


around = round


def _count(x, axis):
    axes = range(ndim(x)) if axis is None else _axes(x, axis)
    return math.prod(shape(x)[a] for a in axes)


def var(a, axis=None, ddof=0, keepdims=False):
    """Variance over `axis` with `ddof` delta degrees of freedom, like `numpy.var`.

    >>> float(var(_np.array([1.0, 3.0])))
    1.0
    """
    d = a - mean(a, axis=axis, keepdims=True)
    square = real(d * _ops.conj(d)) if _ops.is_complex(d) else d * d  # |d|²: NumPy's variance of complex values is real
    return sum(square, axis=axis, keepdims=keepdims) / float(_count(a, axis) - ddof)


def std(a, axis=None, ddof=0, keepdims=False):
    """Standard deviation over `axis` with `ddof`, like `numpy.std`.

    >>> float(std(_np.array([1.0, 3.0])))
    1.0
    """
    return sqrt(var(a, axis=axis, ddof=ddof, keepdims=keepdims))


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """Weighted mean over `axis`, like `numpy.average` (weights may be traced too).

    >>> float(average(_np.array([1.0, 3.0]), weights=_np.array([3.0, 1.0])))
    1.5
    """
    if weights is None:
        avg, scale = mean(a, axis=axis, keepdims=keepdims), float(_count(a, axis))
    else:
        if ndim(weights) != ndim(a):  # 1-D weights along one axis
            shape_ = [1] * ndim(a)
            shape_[_axes(a, axis)[0]] = shape(weights)[0]
            weights = reshape(weights, tuple(shape_))
        scale = sum(broadcast_to(weights, shape(a)), axis=axis, keepdims=keepdims)
        avg = sum(a * weights, axis=axis, keepdims=keepdims) / scale
    return (avg, scale) if returned else avg


def ptp(a, axis=None, keepdims=False):
    """Peak to peak: max - min over `axis`.

    >>> float(ptp(_np.array([1.0, 4.0, 2.0])))
    3.0
    """
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


def _take_along(a, axis, idx):
    """a indexed along one axis by an int, slice or integer array."""
    return a[(slice(None),) * (axis % ndim(a)) + (idx,)]


def cumprod(a, axis=None):
    """Cumulative product along `axis`, as a chain of products (right with zeros in the input).

    >>> cumprod(_np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axes(a, axis)[0]
    parts = [_take_along(a, axis, 0)]
    for k in range(1, shape(a)[axis]):
        parts.append(parts[-1] * _take_along(a, axis, k))
    return stack(parts, axis=axis)


def diff(a, n=1, axis=-1):
    """n-th differences along `axis`, like `numpy.diff`.

    >>> diff(_np.array([1.0, 4.0, 9.0]))
    array([3., 5.])
    """
    for _ in range(n):
        a = _take_along(a, axis, slice(1, None)) - _take_along(a, axis, slice(None, -1))
    return a


def trace(a, offset=0, axis1=0, axis2=1):
    """Sum of a diagonal, like `numpy.trace`.

    >>> float(trace(_np.eye(3)))
    3.0
    """
    return sum(diagonal(a, offset, axis1, axis2), axis=-1)


def _nan_filled(a, fill):
    """a with its NaN entries replaced by `fill` (their derivative 0, as JAX's nan-reductions give)."""
    return where(isnan(a), fill, a)


def nanmax(a, axis=None, keepdims=False):
    """Maximum ignoring NaN, like `numpy.nanmax` (the derivative is 0 at NaN entries).

    >>> float(nanmax(_np.array([1.0, _np.nan, 2.0])))
    2.0
    """
    return max(_nan_filled(a, -_np.inf), axis=axis, keepdims=keepdims)


def nanmin(a, axis=None, keepdims=False):
    """Minimum ignoring NaN, like `numpy.nanmin`.

    >>> float(nanmin(_np.array([1.0, _np.nan, 2.0])))
    1.0
    """
    return -nanmax(-asarray(a), axis=axis, keepdims=keepdims)


def nanprod(a, axis=None, keepdims=False):
    """Product with NaN entries counted as 1, like `numpy.nanprod`.

    >>> float(nanprod(_np.array([2.0, _np.nan, 3.0])))
    6.0
    """
    return _prod(_nan_filled(a, 1.0), axis=axis, keepdims=keepdims)


def nanvar(a, axis=None, ddof=0, keepdims=False):
    """Variance of the entries that are not NaN (divided by count − ddof), like `numpy.nanvar`; the
    deviations of NaN entries are zeroed before squaring, so no NaN reaches the derivative.

    >>> float(nanvar(_np.array([1.0, _np.nan, 3.0])))
    1.0
    """
    nan, values = isnan(a), _np.asarray(_value(a))
    count = _np.sum(~_np.isnan(values), axis=axis, keepdims=keepdims)
    filled = _nan_filled(a, 0.0)
    dev = where(
        nan, 0.0, filled - sum(filled, axis=axis, keepdims=True) / _np.sum(~_np.isnan(values), axis=axis, keepdims=True)
    )
    return sum(dev * dev, axis=axis, keepdims=keepdims) / (count - ddof)


def nanstd(a, axis=None, ddof=0, keepdims=False):
    """Standard deviation ignoring NaN, as sqrt(nanvar), like `numpy.nanstd`.

    >>> float(nanstd(_np.array([1.0, _np.nan, 3.0])))
    1.0
    """
    return sqrt(nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims))


def nancumsum(a, axis=None):
    """Cumulative sum with NaN entries counted as 0, like `numpy.nancumsum`.

    >>> nancumsum(_np.array([1.0, _np.nan, 2.0]))
    array([1., 1., 3.])
    """
    return _cumsum(_nan_filled(a, 0.0), axis=axis)


def nancumprod(a, axis=None):
    """Cumulative product with NaN entries counted as 1, like `numpy.nancumprod`.

    >>> nancumprod(_np.array([2.0, _np.nan, 3.0]))
    array([2., 2., 6.])
    """
    return cumprod(_nan_filled(a, 1.0), axis=axis)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """`quantile` of the entries that are not NaN in each slice along `axis`, like `numpy.nanquantile`
    (NaN sorts last, so each slice's count says where its quantile lies; the derivative flows to
    the entries picked; an all-NaN slice gives NaN).

    >>> float(nanquantile(_np.array([3.0, _np.nan, 1.0, 2.0]), 0.5))
    2.0
    """
    q = _np.asarray(_value(q), dtype=float)
    if out is not None or method != "linear" or not _np.all((q >= 0) & (q <= 1)):
        raise ValueError(f"nanquantile takes q in [0, 1], method 'linear' and no out=, not q={q}, method={method!r}")
    nd, axes = ndim(a), axis
    if axis is None:
        a, axis = ravel(a), 0
    axis = axis % ndim(a)
    s = moveaxis(sort(a, axis=axis), axis, -1)  # (NaN last)
    count = _np.sum(~_np.isnan(_np.moveaxis(_np.asarray(_value(a)), axis, -1)), axis=-1)
    pos = q.reshape(q.shape + (1,) * count.ndim) * _np.maximum(count - 1, 0)
    lo = _np.floor(pos).astype(int)
    hi, t = _np.minimum(lo + 1, _np.maximum(count - 1, 0)), pos - lo
    lead = q.shape + count.shape
    grid = tuple(_np.broadcast_to(g, lead) for g in _np.indices(count.shape))
    pick = lambda i: s[grid + (_np.broadcast_to(i, lead),)]  # noqa: E731
    below, above = pick(lo), pick(hi)
    res = where(t >= 0.5, above - (above - below) * (1 - t), below + (above - below) * t)
    res = where(_np.broadcast_to(count == 0, lead), _np.nan, res)
    if keepdims:
        res = reshape(
            res, q.shape + ((1,) * nd if axes is None else _np.expand_dims(_np.empty(count.shape), axis).shape)
        )
    return res


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """`nanquantile` of q / 100, like `numpy.nanpercentile`.

    >>> float(nanpercentile(_np.array([1.0, _np.nan, 3.0]), 50))
    2.0
    """
    return nanquantile(a, _np.asarray(_value(q), dtype=float) / 100, axis, out, overwrite_input, method, keepdims)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median of the entries that are not NaN, like `numpy.nanmedian`.

    >>> float(nanmedian(_np.array([3.0, _np.nan, 1.0, 2.0, 4.0])))
    2.5
    """
    return nanquantile(a, 0.5, axis=axis, out=out, keepdims=keepdims)


# -- linear algebra ------------------------------------------------------------------------------------


def dot(a, b):
    """`numpy.dot`: products with scalars, matmul for 1-D/2-D, and a sum over a's last and b's
    second-to-last axis for N-D.

    >>> float(dot(_np.array([1.0, 2.0]), _np.array([3.0, 4.0])))
    11.0
    """
    if ndim(a) == 0 or ndim(b) == 0:
        return a * b
    if ndim(b) <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([ndim(a) - 1], [ndim(b) - 2]))


def vdot(a, b):
    """Dot product of the flattened arrays, a conjugated first, like `numpy.vdot`.

    >>> float(vdot(_np.ones((2, 2)), _np.ones((2, 2))))
    4.0
    """
    a = _ops.conj(a) if _ops.is_complex(a) else a
    return sum(ravel(a) * ravel(b))


def inner(a, b):
    """Inner product over the last axes, like `numpy.inner`.

    >>> float(inner(_np.array([1.0, 2.0]), _np.array([3.0, 4.0])))
    11.0
    """
    if ndim(a) == 0 or ndim(b) == 0:
        return a * b
    return tensordot(a, b, axes=([ndim(a) - 1], [ndim(b) - 1]))


def outer(a, b):
    """Outer product of the flattened arrays.

    >>> outer(_np.ones(2), _np.ones(3)).shape
    (2, 3)
    """
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def tensordot(a, b, axes=2):
    """Sum products over the given axes (an int n: a's last n with b's first n; or two lists), as
    one matmul of the rearranged operands.

    >>> tensordot(_np.ones((2, 3)), _np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    if isinstance(axes, (int, _np.integer)):
        axes_a, axes_b = list(range(ndim(a) - axes, ndim(a))), list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, _np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, _np.integer)) else list(axes_b)
    axes_a = [x % ndim(a) for x in axes_a]
    axes_b = [x % ndim(b) for x in axes_b]
    free_a = [i for i in range(ndim(a)) if i not in axes_a]
    free_b = [i for i in range(ndim(b)) if i not in axes_b]
    sa, sb = shape(a), shape(b)
    k = math.prod(sa[i] for i in axes_a)
    a2 = reshape(transpose(a, free_a + axes_a), (math.prod(sa[i] for i in free_a), k))
    b2 = reshape(transpose(b, axes_b + free_b), (k, math.prod(sb[i] for i in free_b)))
    return reshape(matmul(a2, b2), tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b))


def kron(a, b):
    """Kronecker product, like `numpy.kron`.

    >>> kron(_np.eye(2), _np.ones((2, 2))).shape
    (4, 4)
    """
    n = builtins.max(ndim(a), ndim(b))
    a = reshape(a, (1,) * (n - ndim(a)) + shape(a))
    b = reshape(b, (1,) * (n - ndim(b)) + shape(b))
    sa, sb = shape(a), shape(b)
    inter = [d for pair in zip(sa, (1,) * n) for d in pair]
    ra = reshape(a, tuple(inter))
    rb = reshape(b, tuple(d for pair in zip((1,) * n, sb) for d in pair))
    return reshape(ra * rb, tuple(x * y for x, y in zip(sa, sb)))


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal over two axes (it becomes the last axis), like `numpy.diagonal`.

    >>> diagonal(_np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    n = ndim(a)
    axis1, axis2 = axis1 % n, axis2 % n
    rest = [i for i in range(n) if i not in (axis1, axis2)]
    a = transpose(a, rest + [axis1, axis2])
    rows, cols = shape(a)[-2:]
    i = _np.arange(builtins.max(0, builtins.min(rows + builtins.min(offset, 0), cols - builtins.max(offset, 0))))
    return a[(slice(None),) * (n - 2) + (i - builtins.min(offset, 0), i + builtins.max(offset, 0))]


def diag(v, k=0):
    """A diagonal matrix from a vector, or the diagonal of a matrix, like `numpy.diag`.

    >>> diag(_np.array([1.0, 2.0]))
    array([[1., 0.],
           [0., 2.]])
    """
    if ndim(v) == 2:
        return diagonal(v, k)
    n = shape(v)[0] + builtins.abs(k)
    i = _np.arange(shape(v)[0])
    return _ops.scatter_add(v, idx=(i + builtins.max(-k, 0), i + builtins.max(k, 0)), shape=(n, n))


def tril(m, k=0):
    """Lower triangle (entries above the k-th diagonal zeroed).

    >>> tril(_np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    return m * _np.tri(*shape(m)[-2:], k=k)


def triu(m, k=0):
    """Upper triangle (entries below the k-th diagonal zeroed).

    >>> triu(_np.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    return m * (1.0 - _np.tri(*shape(m)[-2:], k=k - 1))


def _solve(a, b):
    """Solve a x = b (b a vector or a matrix, or stacks of them), through the inverse."""
    inv_a = _ops.inv(a)
    if ndim(b) == 1:
        return matmul(inv_a, b)
    return matmul(inv_a, b)


def _slogdet(a):
    """(sign, log|det a|): the sign (±1, piecewise constant; of a complex a, det/|det|, a phase) and the
    log-determinant are entries."""
    logdet = _ops.logabsdet(a)  # first: symbolic's size refusal names it (log|det| is what slogdet is for)
    return _ops.detphase(a), logdet


def _lstsq(a, b, rcond=None):
    """Least squares, like `numpy.linalg.lstsq`: (x, residuals, rank, s). The solution x = A⁺ b and
    the residuals and singular values are differentiable; the rank is an int (piecewise constant).

    Shapes: a (m, n), b (m,) or (m, k) -> x (n,) or (n, k); residuals (k,) or (1,) when the rank is n
    and m > n, else empty; s (min(m, n),).

    >>> x, res, rank, s = _lstsq(_np.array([[1.0], [1.0]]), _np.array([1.0, 3.0]))
    >>> x.tolist(), res.tolist(), int(rank)
    ([2.0], [2.0], 1)
    """
    m, n = shape(a)
    x = matmul(_ops.pinv(a, rcond=None if rcond is None else float(rcond)), b)
    s = _ops.svd_s(a)
    value = a.concrete if isinstance(a, _Traced) else a
    rank = _np.linalg.matrix_rank(_np.asarray(value), tol=None if rcond is None else float(rcond) * _np.max(_value(s)))
    if rank == n and m > n:
        r = b - matmul(a, x)
        r = _ops.cabs(r) if isinstance(r, _Traced) and r.dtype.kind == "c" or _np.iscomplexobj(r) else r
        residuals = sum(r * r, axis=0)  # Σ |r|² (NumPy's: real for a complex system)
        residuals = reshape(residuals, (1,)) if ndim(b) == 1 else residuals
    else:
        residuals = _np.empty((0,))
    return x, residuals, rank, s


def _norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (ord None/2, 1, inf, -inf, 0, p) and matrix norms ('fro', 'nuc', 1, -1, 2, -2,
    inf, -inf; 'nuc' and ±2 through the singular values), like `numpy.linalg.norm`."""
    if isinstance(x, _Traced) and x.dtype.kind == "c":  # every norm but the singular values' is the moduli's
        if not (ord in (2, -2, "nuc") and (ndim(x) if axis is None else len(_axes(x, axis))) == 2):
            x = _ops.cabs(x)  # (x·x would be complex: NumPy's norms of complex values are of |x|)
    if axis is None:
        if ord is None or (ord == "fro" and ndim(x) == 2):
            out = sqrt(sum(x * x))
            return reshape(out, (1,) * ndim(x)) if keepdims else out
        axis = tuple(range(ndim(x)))
    axes = _axes(x, axis)
    if len(axes) == 1:
        ax = axes[0]
        if ord is None or ord == 2:
            return sqrt(sum(x * x, axis=ax, keepdims=keepdims))
        if ord == _np.inf:
            return max(abs(x), axis=ax, keepdims=keepdims)
        if ord == -_np.inf:
            return min(abs(x), axis=ax, keepdims=keepdims)
        if ord == 1:
            return sum(abs(x), axis=ax, keepdims=keepdims)
        if ord == 0:
            return sum(not_equal(x, 0.0) * 1.0, axis=ax, keepdims=keepdims)
        if isinstance(ord, str):
            raise ValueError(f"invalid norm order {ord!r} for vectors")
        return sum(abs(x) ** float(ord), axis=ax, keepdims=keepdims) ** (1.0 / ord)
    if len(axes) != 2:
        raise ValueError(f"improper number of dimensions to norm: axis={axis}")
    r, c = axes
    if ord is None or ord == "fro":
        return sqrt(sum(x * x, axis=axes, keepdims=keepdims))
    if ord in (1, -1):
        col = sum(abs(x), axis=r, keepdims=True)
        out = max(col, axis=c, keepdims=True) if ord == 1 else min(col, axis=c, keepdims=True)
    elif ord in (_np.inf, -_np.inf):
        row = sum(abs(x), axis=c, keepdims=True)
        out = max(row, axis=r, keepdims=True) if ord > 0 else min(row, axis=r, keepdims=True)
    elif ord in (2, -2, "nuc"):  # from the singular values of the matrices in axes (r, c)
        s = _ops.svd_s(moveaxis(x, (r, c), (-2, -1)))
        out = sum(s, axis=-1) if ord == "nuc" else s[..., 0] if ord == 2 else s[..., -1]
        if keepdims:
            kept = list(shape(x))
            kept[r] = kept[c] = 1
            out = reshape(out, tuple(kept))
        return out
    else:
        raise UnsupportedNorm(ord)
    return out if keepdims else squeeze(out, axis=axes)


class UnsupportedNorm(_DifflabError, ValueError):
    """A matrix norm order NumPy does not define either."""

    def __init__(self, ord):
        super().__init__(
            f"numpy.linalg.norm: invalid norm order {ord!r} for matrices "
            "(valid: None, 'fro', 'nuc', 1, -1, 2, -2, inf, -inf)"
        )


# NumPy 2's numpy.linalg spellings (array-API names): the same products on the last axes, with their
# own signatures and stricter shape rules


def _linalg_matmul(x1, x2, /):
    return matmul(x1, x2)


def _linalg_outer(x1, x2, /):
    """`numpy.linalg.outer`: 1-D arguments only (numpy.outer flattens)."""
    if ndim(x1) != 1 or ndim(x2) != 1:
        raise ValueError(f"numpy.linalg.outer needs 1-D arrays, got shapes {shape(x1)} and {shape(x2)}")
    return outer(x1, x2)


def _linalg_tensordot(x1, x2, /, *, axes=2):
    return tensordot(x1, x2, axes=axes)


def _linalg_trace(x, /, *, offset=0, dtype=None):
    """`numpy.linalg.trace`: the sum of each matrix's offset diagonal (the last two axes)."""
    return sum(_linalg_diagonal(x, offset=offset), axis=-1)


def _linalg_diagonal(x, /, *, offset=0):
    return diagonal(x, offset, axis1=-2, axis2=-1)


def _linalg_cross(x1, x2, /, *, axis=-1):
    """`numpy.linalg.cross`: 3-vectors only (numpy.cross also takes 2-vectors)."""
    if shape(x1)[axis] != 3 or shape(x2)[axis] != 3:
        raise ValueError(f"numpy.linalg.cross needs 3-vectors along axis {axis}, got {shape(x1)} and {shape(x2)}")
    return cross(x1, x2, axis=axis)


def vecdot(x1, x2, /, *, axis=-1):
    """Σ conj(x1)·x2 over `axis` (broadcast), like `numpy.vecdot` and `numpy.linalg.vecdot`.

    >>> vecdot(_np.ones((2, 3)), _np.arange(3.0)).tolist()
    [3.0, 3.0]
    """
    x1 = _ops.conj(x1) if _ops.is_complex(x1) else x1
    return sum(x1 * x2, axis=axis)


def matrix_transpose(x, /):
    """Swap the last two axes, like `numpy.matrix_transpose` (`numpy.linalg.matrix_transpose`).

    >>> matrix_transpose(_np.ones((2, 3, 4))).shape
    (2, 4, 3)
    """
    if ndim(x) < 2:
        raise ValueError(f"matrix_transpose needs at least 2 dimensions, got shape {shape(x)}")
    return swapaxes(x, -1, -2)


def _matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """`numpy.linalg.matrix_norm`: the norm of each matrix (the last two axes)."""
    return _norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def _vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """`numpy.linalg.vector_norm`: the vector norm over `axis` (None: all entries; a tuple: those
    entries together), whatever x's rank."""
    if axis is None or not isinstance(axis, (int, _np.integer)) and len(axis) > 1:
        axes = tuple(range(ndim(x))) if axis is None else _axes(x, axis)
        rest = [i for i in range(ndim(x)) if i not in axes]
        flat = reshape(transpose(x, rest + list(axes)), tuple(shape(x)[i] for i in rest) + (-1,))
        out = _norm(flat, ord=ord, axis=-1)
        if keepdims:
            out = reshape(out, tuple(1 if i in axes else n for i, n in enumerate(shape(x))))
        return out
    return _norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _cond(x, p=None):
    """`numpy.linalg.cond`: σmax/σmin for p None or 2 (σmin/σmax for -2), else ‖x‖ₚ‖x⁻¹‖ₚ; of each matrix."""
    if ndim(x) < 2:
        raise ValueError(f"numpy.linalg.cond needs a matrix (or a stack), got shape {shape(x)}")
    if p is None or p in (2, -2):
        s = _ops.svd_s(x)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    return _norm(x, ord=p, axis=(-2, -1)) * _norm(_ops.inv(x), ord=p, axis=(-2, -1))


def _tensorinv(a, ind=2):
    """`numpy.linalg.tensorinv`: the inverse of a reshaped to a square matrix (its first `ind` axes
    against the rest), reshaped to a.shape[ind:] + a.shape[:ind]."""
    if ind <= 0:
        raise ValueError("numpy.linalg.tensorinv: ind must be a positive integer")
    old = shape(a)
    size = math.prod(old[ind:])
    return reshape(_ops.inv(reshape(a, (size, -1))), old[ind:] + old[:ind])


def _tensorsolve(a, b, axes=None):
    """`numpy.linalg.tensorsolve`: x with tensordot(a, x, x.ndim) = b (a's `axes` moved to the end)."""
    if axes is not None:
        order = [i for i in range(ndim(a)) if i not in [k % ndim(a) for k in axes]]
        a = transpose(a, order + [k % ndim(a) for k in axes])
    old = shape(a)[ndim(b) :]
    size = math.prod(old)
    if math.prod(shape(a)[: ndim(b)]) != size:
        raise ValueError(
            f"numpy.linalg.tensorsolve: a's shape {shape(a)} does not make a square system for b {shape(b)}"
        )
    return reshape(_solve(reshape(a, (-1, size)), ravel(b)), old)


# -- polynomials (numpy.poly*: coefficient arrays, highest power first) -------------------------------


def _poly_pad(p, n):
    """p (1-D) with zeros in front, to length n."""
    return p if shape(p)[0] == n else concatenate([_np.zeros(n - shape(p)[0]), p])


def polyadd(a1, a2):
    """Sum of two polynomials, like `numpy.polyadd`.

    >>> polyadd(_np.array([1.0, 2.0]), _np.array([1.0, 0.0, 0.0])).tolist()
    [1.0, 1.0, 2.0]
    """
    a1, a2 = ravel(asarray(a1)), ravel(asarray(a2))
    n = builtins.max(shape(a1)[0], shape(a2)[0])
    return _poly_pad(a1, n) + _poly_pad(a2, n)


def polysub(a1, a2):
    """Difference of two polynomials, like `numpy.polysub`.

    >>> polysub(_np.array([1.0, 2.0]), _np.array([1.0, 0.0, 0.0])).tolist()
    [-1.0, 1.0, 2.0]
    """
    a1, a2 = ravel(asarray(a1)), ravel(asarray(a2))
    n = builtins.max(shape(a1)[0], shape(a2)[0])
    return _poly_pad(a1, n) - _poly_pad(a2, n)


def polymul(a1, a2):
    """Product of two polynomials (the convolution of their coefficients), like `numpy.polymul`.

    >>> polymul(_np.array([1.0, 1.0]), _np.array([1.0, -1.0])).tolist()
    [1.0, 0.0, -1.0]
    """
    return convolve(ravel(asarray(a1)), ravel(asarray(a2)))


def polyder(p, m=1):
    """The m-th derivative of a polynomial, like `numpy.polyder`.

    >>> polyder(_np.array([1.0, 2.0, 3.0])).tolist()
    [2.0, 2.0]
    """
    if m < 0:
        raise ValueError("numpy.polyder: the order of derivative must be positive (see polyint)")
    p = ravel(asarray(p))
    for _ in range(int(m)):
        n = shape(p)[0] - 1
        p = p[:-1] * _np.arange(n, 0, -1.0) if n > 0 else p * 0.0
    return p


def polyint(p, m=1, k=None):
    """The m-th antiderivative of a polynomial, integration constants k (a scalar or m of them; last
    coefficient of each step), like `numpy.polyint`.

    >>> polyint(_np.array([3.0, 2.0])).tolist()
    [1.5, 2.0, 0.0]
    """
    if m < 0:
        raise ValueError("numpy.polyint: the order of integral must be positive (see polyder)")
    ks = [0.0] * int(m) if k is None else [k] * int(m) if ndim(k) == 0 else list(k)
    if len(ks) < m:
        raise ValueError("numpy.polyint: k must be a scalar or a sequence of length m")
    p = ravel(asarray(p))
    for step in range(int(m)):
        top = p / _np.arange(shape(p)[0], 0, -1.0)
        p = concatenate([top, reshape(asarray(ks[step]) * 1.0, (1,))])
    return p


def vander(x, N=None, increasing=False):
    """Vandermonde matrix: columns x**(N-1), ..., x, 1 (increasing=True: 1, x, ...), like `numpy.vander`,
    built by products (no 0**0 in the derivative).

    >>> vander(_np.array([2.0, 3.0]), 3).tolist()
    [[4.0, 2.0, 1.0], [9.0, 3.0, 1.0]]
    """
    if ndim(x) != 1:
        raise ValueError(f"numpy.vander: x must be one-dimensional, got shape {shape(x)}")
    n = shape(x)[0] if N is None else int(N)
    cols = [x * 0.0 + 1.0] if n else []
    while len(cols) < n:
        cols.append(cols[-1] * x)
    if not cols:
        return _np.zeros((shape(x)[0], 0))
    return stack(cols if increasing else cols[::-1], axis=1)


def poly(seq_of_zeros):
    """Coefficients of the monic polynomial with the given roots (a 2-D square array: of its
    characteristic polynomial, through its eigenvalues), like `numpy.poly`.

    >>> poly(_np.array([1.0, 2.0])).tolist()
    [1.0, -3.0, 2.0]
    """
    z = seq_of_zeros
    if ndim(z) == 2 and shape(z)[0] == shape(z)[1] and shape(z)[0] != 0:
        z = _ops.eigvals(z)  # complex: the real matrix's characteristic polynomial is real
        return real(_poly_from_roots(z))
    if ndim(z) != 1:
        raise ValueError("numpy.poly: input must be 1-D or a square 2-D array")
    return _poly_from_roots(z)


def _poly_from_roots(z):
    a = _np.ones(1)
    for i in range(shape(z)[0]):  # a · (x − z_i)
        a = concatenate([a, _np.zeros(1)]) - z[i] * concatenate([_np.zeros(1), a])
    return a


def roots(p):
    """Roots of a polynomial (highest power first), like `numpy.roots`: the eigenvalues of its companion
    matrix, complex (as eig's; NumPy's dtype depends on the values), in LAPACK's order. Leading and
    trailing zero coefficients are dropped as NumPy does (by value: piecewise constant); a trailing one
    is a root 0. Their derivatives need distinct roots.

    >>> sorted(roots(_np.array([1.0, -3.0, 2.0])).real.tolist())
    [1.0, 2.0]
    """
    if ndim(p) != 1:
        raise ValueError("numpy.roots: input must be a rank-1 array")
    nonzero = _np.flatnonzero(_np.asarray(_value(p)) != 0)
    if len(nonzero) == 0:
        return _np.zeros(0, dtype=complex)
    trailing = shape(p)[0] - int(nonzero[-1]) - 1
    p = p[int(nonzero[0]) : int(nonzero[-1]) + 1]
    n = shape(p)[0]
    if n < 2:
        return _np.zeros(trailing, dtype=complex)
    top = reshape(-p[1:] / p[0], (1, n - 1))
    found = _ops.eigvals(concatenate([top, _np.eye(n - 2, n - 1)], axis=0))
    return concatenate([found, _np.zeros(trailing, dtype=complex)]) if trailing else found


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit of degree `deg` (weights `w` on the residuals), like `numpy.polyfit`:
    the lstsq solution on the (column-scaled) Vandermonde matrix; full=True also gives (residuals,
    rank, singular values, rcond). y may be 2-D (one fit per column). cov is not supported.

    >>> polyfit(_np.array([0.0, 1.0, 2.0]), _np.array([1.0, 3.0, 5.0]), 1).round(12).tolist()
    [2.0, 1.0]
    """
    if cov:
        raise _UnsupportedOperationError(
            "numpy.polyfit(..., cov=True) is not supported on traced values; fit with full=True and form the covariance"
        )
    order = int(deg) + 1
    if ndim(x) != 1 or shape(x)[0] == 0 or ndim(y) not in (1, 2) or shape(x)[0] != shape(y)[0]:
        raise ValueError(
            f"numpy.polyfit: x must be non-empty 1-D and y 1-D or 2-D of the same length, got {shape(x)}, {shape(y)}"
        )
    rcond = shape(x)[0] * _np.finfo(float).eps if rcond is None else rcond
    lhs, rhs = vander(x, order), y
    if w is not None:
        lhs = lhs * reshape(w, (-1, 1))
        rhs = rhs * (w if ndim(y) == 1 else reshape(w, (-1, 1)))
    scale = sqrt(sum(lhs * lhs, axis=0))  # NumPy's column scaling: the same solution, better conditioned
    if not full:  # the solution alone: no singular values in the graph (symbolic has pinv's closed form)
        c = matmul(_ops.pinv(lhs / scale, rcond=float(rcond)), rhs)
        return c / (scale if ndim(y) == 1 else reshape(scale, (-1, 1)))
    c, resids, rank, s = _lstsq(lhs / scale, rhs, rcond)
    return c / (scale if ndim(y) == 1 else reshape(scale, (-1, 1))), resids, rank, s, rcond


# -- shapes and indexing -----------------------------------------------------------------------------


def moveaxis(a, source, destination):
    """Move axes to new positions, like `numpy.moveaxis`.

    >>> moveaxis(_np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    n = ndim(a)
    src = [s % n for s in ((source,) if isinstance(source, int) else source)]
    dst = [d % n for d in ((destination,) if isinstance(destination, int) else destination)]
    order = [i for i in range(n) if i not in src]
    for d, s_ in sorted(zip(dst, src)):
        order.insert(d, s_)
    return transpose(a, order)


def rollaxis(a, axis, start=0):
    """Roll `axis` back until it lies at `start`, like `numpy.rollaxis`.

    >>> rollaxis(_np.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    n = ndim(a)
    axis, start = axis % n, start % (n + 1)
    if axis < start:
        start -= 1
    return moveaxis(a, axis, start)


def atleast_1d(*arys):
    """Views with at least one axis.

    >>> atleast_1d(1.0).shape
    (1,)
    """
    res = [reshape(a, (1,)) if ndim(a) == 0 else a for a in arys]
    return res[0] if len(res) == 1 else res


def atleast_2d(*arys):
    """Views with at least two axes (a vector becomes a row).

    >>> atleast_2d(_np.ones(3)).shape
    (1, 3)
    """
    res = [reshape(a, (1,) * (2 - ndim(a)) + shape(a)) if ndim(a) < 2 else a for a in arys]
    return res[0] if len(res) == 1 else res


def atleast_3d(*arys):
    """Views with at least three axes (a vector v becomes (1, n, 1), a matrix (m, n, 1)).

    >>> atleast_3d(_np.ones(3)).shape
    (1, 3, 1)
    """

    def one(a):
        if ndim(a) == 0:
            return reshape(a, (1, 1, 1))
        if ndim(a) == 1:
            return reshape(a, (1, shape(a)[0], 1))
        return reshape(a, shape(a) + (1,)) if ndim(a) == 2 else a

    res = [one(a) for a in arys]
    return res[0] if len(res) == 1 else res


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
    shifts = (shift,) if isinstance(shift, int) else tuple(shift)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for s_, ax in zip(shifts * (len(axes) if len(shifts) == 1 else 1), axes):
        n = shape(a)[ax]
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


def take(a, indices, axis=None):
    """Elements at `indices` along `axis` (of the flattened array when None).

    >>> take(_np.array([1.0, 2.0, 3.0]), [2, 0])
    array([3., 1.])
    """
    if axis is None:
        a, axis = ravel(a), 0
    indices = _np.asarray(indices)
    n = shape(a)[axis % ndim(a)]
    return _take_along(a, axis, indices % n if indices.ndim else int(indices) % n)


def take_along_axis(arr, indices, axis):
    """Pick values by an index array that matches `arr` except along `axis`, like
    `numpy.take_along_axis`.

    >>> take_along_axis(_np.array([[1.0, 2.0]]), _np.array([[1, 0]]), 1)
    array([[2., 1.]])
    """
    indices = _np.asarray(indices)
    axis = axis % ndim(arr)
    grids = _np.ix_(*[_np.arange(n) for n in indices.shape])
    idx = tuple(indices if k == axis else _np.broadcast_to(grids[k], indices.shape) for k in range(ndim(arr)))
    return arr[idx]


def sort(a, axis=-1):
    """Sorted copy along `axis`: values gathered by the permutation (which depends on the values, so
    the trace is specialised to them); the derivative flows through the permutation.

    >>> sort(_np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    """
    if axis is None:
        a, axis = ravel(a), 0
    return take_along_axis(a, argsort(a, axis=axis), axis)


def partition(a, kth, axis=-1):
    """Partitioned copy, like `numpy.partition` (the same arrangement: values gathered by NumPy's
    argpartition of the values; the derivative flows through that permutation).

    >>> float(partition(_np.array([3.0, 1.0, 2.0]), 1)[1])
    2.0
    """
    if axis is None:
        a, axis = ravel(a), 0
    return take_along_axis(a, argpartition(a, kth, axis=axis), axis)


def _split_points(n, indices_or_sections, exact):
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if exact and n % k:
            raise ValueError("array split does not result in an equal division")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        return list(itertools.accumulate([0] + sizes))
    return [0] + [int(i) for i in indices_or_sections] + [n]


def array_split(ary, indices_or_sections, axis=0):
    """Split into pieces along `axis` (possibly unequal), like `numpy.array_split`.

    >>> [p.shape for p in array_split(_np.ones(5), 2)]
    [(3,), (2,)]
    """
    pts = _split_points(shape(ary)[axis], indices_or_sections, exact=False)
    return [_take_along(ary, axis, slice(lo, hi)) for lo, hi in zip(pts[:-1], pts[1:])]


def split(ary, indices_or_sections, axis=0):
    """Split into equal pieces (or at the given indices) along `axis`.

    >>> [p.shape for p in split(_np.ones(4), 2)]
    [(2,), (2,)]
    """
    pts = _split_points(shape(ary)[axis], indices_or_sections, exact=True)
    return [_take_along(ary, axis, slice(lo, hi)) for lo, hi in zip(pts[:-1], pts[1:])]


def hsplit(ary, indices_or_sections):
    """Split along the second axis (the first for 1-D).

    >>> len(hsplit(_np.ones((2, 4)), 2))
    2
    """
    return split(ary, indices_or_sections, axis=1 if ndim(ary) > 1 else 0)


def vsplit(ary, indices_or_sections):
    """Split along the first axis.

    >>> len(vsplit(_np.ones((4, 2)), 2))
    2
    """
    return split(ary, indices_or_sections, axis=0)


def dsplit(ary, indices_or_sections):
    """Split along the third axis.

    >>> len(dsplit(_np.ones((1, 2, 4)), 2))
    2
    """
    return split(ary, indices_or_sections, axis=2)


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
    axis = axis % ndim(arr)
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
    axis = axis % ndim(arr)
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
        """The running maximum (minimum) along `axis` as a gather of the values where it was attained
        (read from the values: the trace is specialised to them)."""
        v = _np.moveaxis(_np.asarray(_value(a)), axis, 0)
        grid = _np.arange(v.shape[0]).reshape((-1,) + (1,) * (v.ndim - 1)) * _np.ones(v.shape, dtype=int)
        at = _np.maximum.accumulate(_np.where(v == reduce.accumulate(v, axis=0), grid, 0), axis=0)
        rest = _np.indices(v.shape[1:]) if v.ndim > 1 else ()
        picked = moveaxis(a, axis, 0)[(at,) + tuple(_np.broadcast_to(r, v.shape) for r in rest)]
        return moveaxis(picked, 0, axis)

    return accumulate


def pad(array, pad_width, mode="constant", constant_values=0.0):
    """Pad with a constant, the edge values, the reflection (without or with the edge: 'reflect',
    'symmetric') or the other end ('wrap'), like `numpy.pad`.

    >>> pad(_np.array([1.0, 2.0]), 1, mode="edge")
    array([1., 1., 2., 2.])
    """
    # NumPy's rule: pad_width broadcasts to one (before, after) pair per axis, so 3, (3,), (3, 2),
    # ((3, 2),) and ((1, 2), (3, 4)) are all accepted ((3,) is 3 on both sides of every axis)
    widths = _np.broadcast_to(_np.asarray(pad_width, dtype=int), (ndim(array), 2))
    for ax, (lo, hi) in enumerate(widths):
        n = shape(array)[ax]
        if mode == "constant":
            parts = []
            if lo:
                parts.append(_np.full(shape(array)[:ax] + (lo,) + shape(array)[ax + 1 :], float(constant_values)))
            parts.append(array)
            if hi:
                parts.append(_np.full(shape(array)[:ax] + (hi,) + shape(array)[ax + 1 :], float(constant_values)))
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
                f"pad mode {mode!r} is not supported by difflab (supported: constant, edge, reflect, symmetric, wrap)"
            )
        array = _take_along(array, ax, idx)
    return array


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """func1d applied to each 1-D slice of arr along `axis` (one call per slice, traced), its results
    stacked where the axis was, like `numpy.apply_along_axis`.

    >>> apply_along_axis(lambda v: v[::-1], 1, _np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 1.],
           [4., 3.]])
    """
    axis = axis % ndim(arr)
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
    axes = tuple(a % ndim(x) for a in axes)
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


def diagflat(v, k=0):
    """A 2-D array with the flattened input on its k-th diagonal, like `numpy.diagflat`.

    >>> diagflat(_np.array([[1.0, 2.0]]))
    array([[1., 0.],
           [0., 2.]])
    """
    return diag(ravel(v), k)


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
    new_shape = (new_shape,) if isinstance(new_shape, int) else tuple(new_shape)
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


def compress(condition, a, axis=None):
    """The slices of a along `axis` where `condition` is true, like `numpy.compress` (the condition is
    read from its values).

    >>> compress([False, True], _np.array([1.0, 2.0]))
    array([2.])
    """
    return take(a, _np.flatnonzero(_np.asarray(_value(condition))), axis=axis)


def extract(condition, arr):
    """The entries of the flattened arr where the flattened condition is true, like `numpy.extract`.

    >>> extract(_np.array([True, False]), _np.array([1.0, 2.0]))
    array([1.])
    """
    return take(ravel(arr), _np.flatnonzero(_np.ravel(_value(condition)))[: math.prod(shape(arr))])


def choose(a, choices, mode="raise"):
    """Each entry taken from the choice its index in `a` names, like `numpy.choose` (mode 'raise',
    'wrap' or 'clip'; the indices are read from their values).

    >>> choose(_np.array([1, 0]), [_np.array([1.0, 2.0]), _np.array([3.0, 4.0])])
    array([3., 2.])
    """
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


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive entries of the flattened array, with `to_begin` and `to_end`
    joined at the ends, like `numpy.ediff1d`.

    >>> ediff1d(_np.array([1.0, 4.0, 9.0]), to_begin=0.0)
    array([0., 3., 5.])
    """
    parts = [diff(ravel(ary))]
    if to_begin is not None:
        parts.insert(0, ravel(asarray(to_begin)))
    if to_end is not None:
        parts.append(ravel(asarray(to_end)))
    return concatenate(parts) if len(parts) > 1 else parts[0]


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
    an integer or boolean one would fix the result at the traced values, and is refused as x.astype is.

    >>> astype(_np.array([1.5]), _np.float64)
    array([1.5])
    """
    return x.astype(dtype) if isinstance(x, _Traced) else _np.astype(x, dtype, copy=copy)


# -- complex-number functions on the real values difflab differentiates ----------------------------


def angle(z, deg=False):
    """The argument of z, like `numpy.angle`: on real input 0 where z >= +0.0 and pi (180 with `deg`)
    where z < 0 or z is -0.0, NaN where z is NaN; piecewise constant, so its derivative is 0 (also
    at 0, where NumPy's value jumps). Same shape as z. A complex z (never traced) goes to NumPy.

    >>> angle(_np.array([2.0, -0.5, 0.0])).tolist(), float(angle(-1.0, deg=True))
    ([0.0, 3.141592653589793, 0.0], 180.0)
    """
    if not isinstance(z, _Traced):
        return _np.angle(z, deg=deg)
    if z.dtype.kind == "c":  # a complex z: the registry's angle (differentiable)
        return _ops.angle(z) * (180.0 / pi) if deg else _ops.angle(z)
    half_turn = 180.0 if deg else pi
    # arctan2(0, z) is NumPy's value; written with comparisons (no derivative), the numeric method holds
    # them at z's value and so never differences across the jump at 0
    turned = where(less(copysign(1.0, z), 0.0), half_turn, 0.0)
    return where(isnan(z), z, turned)


def real_if_close(a, tol=100):
    """a with a negligible imaginary part dropped, like `numpy.real_if_close`: traced values are
    real, so it is `real(a)`, the identity (same shape as a).

    >>> real_if_close(_np.array([1.0, 2.0 + 1e-20j])).tolist()
    [1.0, 2.0]
    """
    if not isinstance(a, _Traced):
        return _np.real_if_close(a, tol=tol)
    if a.dtype.kind != "c":
        return a
    # NumPy's test, on the traced value (the graph is specialised to it: `bool` of a traced value)
    small = bool(less(max(abs(_ops.imag_part(a))), tol * _np.finfo(float).eps))
    return real(a) if small else a


def _complex_predicate(name, x):
    imaginary = _ops.imag_part(x)
    return not_equal(imaginary, 0.0) if name == "iscomplex" else _ops.equal(imaginary, 0.0)


def _real_valued(name, traced_answer):
    fn = getattr(_np, name)

    def predicate(x):
        # a real traced value: NumPy's answer for a real array of its shape (no derivative); a complex
        # one: NumPy's answer on its value (iscomplex, isreal: a boolean, piecewise constant)
        if not isinstance(x, _Traced):
            return fn(x)
        if x.dtype.kind == "c":
            return fn(x.concrete) if name.endswith("obj") else _complex_predicate(name, x)
        return traced_answer(shape(x))

    predicate.__name__ = predicate.__qualname__ = name
    predicate.__doc__ = (
        f"`numpy.{name}`; a traced value is real, so it gives NumPy's answer for a real array of its "
        f"shape (a boolean: no derivative).\n\n    >>> bool({name}(1.0))\n    {bool(fn(1.0))}\n    "
    )
    predicate.__module__ = __name__
    return predicate


iscomplex = _real_valued("iscomplex", lambda s: _np.iscomplex(_np.zeros(s)))
isreal = _real_valued("isreal", lambda s: _np.isreal(_np.zeros(s)))
iscomplexobj = _real_valued("iscomplexobj", lambda s: False)
isrealobj = _real_valued("isrealobj", lambda s: True)


def _fftshift(x, axes=None, sign=1):
    axes = tuple(range(ndim(x))) if axes is None else _axes(x, axes)
    if not axes:
        return x
    return roll(x, tuple(sign * (shape(x)[ax] // 2) for ax in axes), axes)


def _fft_fftshift(x, axes=None):
    """The zero-frequency term moved to the centre, like `numpy.fft.fftshift`: a roll by n // 2 along
    each axis in `axes` (all by default); same shape as x. (An FFT itself is complex: not differentiated.)

    >>> fft.fftshift(_np.arange(5.0)).tolist()
    [3.0, 4.0, 0.0, 1.0, 2.0]
    """
    return _fftshift(x, axes, 1)


def _fft_ifftshift(x, axes=None):
    """The inverse of `fft.fftshift`, like `numpy.fft.ifftshift`: a roll by -(n // 2) along each axis.

    >>> fft.ifftshift(_np.arange(5.0)).tolist()
    [2.0, 3.0, 4.0, 0.0, 1.0]
    """
    return _fftshift(x, axes, -1)


def broadcast_arrays(*args):
    """The arguments broadcast against each other.

    >>> [a.shape for a in broadcast_arrays(_np.ones(2), _np.ones((3, 1)))]
    [(3, 2), (3, 2)]
    """
    target = _np.broadcast_shapes(*[shape(a) for a in args])
    return [broadcast_to(a, target) for a in args]


def full_like(a, fill_value, dtype=None):
    """A constant array of `fill_value` with a's shape (no derivative flows through it).

    >>> full_like(_np.ones(2), 3.0)
    array([3., 3.])
    """
    if isinstance(fill_value, _Traced):
        return broadcast_to(fill_value, shape(a))
    return _np.full(shape(a), fill_value, dtype=dtype or float)


def zeros_like(a, dtype=None):
    """A constant array of zeros with a's shape.

    >>> zeros_like(_np.ones(2))
    array([0., 0.])
    """
    return _np.zeros(shape(a), dtype=dtype or float)


def ones_like(a, dtype=None):
    """A constant array of ones with a's shape.

    >>> ones_like(_np.ones(2))
    array([1., 1.])
    """
    return _np.ones(shape(a), dtype=dtype or float)


def gradient(f, *varargs, axis=None):
    """Finite-difference gradient (second order inside, first order at the edges), like
    `numpy.gradient` with unit or scalar spacing.

    >>> gradient(_np.array([1.0, 4.0, 9.0]))
    array([3., 4., 5.])
    """
    axes = list(range(ndim(f))) if axis is None else list(_axes(f, axis))
    spacing = [float(v) for v in varargs] or [1.0]
    spacing = spacing * len(axes) if len(spacing) == 1 else spacing
    outs = []
    for ax, h in zip(axes, spacing):
        inner_ = (_take_along(f, ax, slice(2, None)) - _take_along(f, ax, slice(None, -2))) / (2.0 * h)
        first = (_take_along(f, ax, slice(1, 2)) - _take_along(f, ax, slice(0, 1))) / h
        last = (_take_along(f, ax, slice(-1, None)) - _take_along(f, ax, slice(-2, -1))) / h
        outs.append(concatenate([first, inner_, last], axis=ax))
    return outs[0] if len(outs) == 1 else tuple(outs)  # NumPy 2 gives a tuple for several axes


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
    sign = _np.sign(_np.asarray(_value(start), dtype=float))
    if _np.any(sign == 0) or _np.any(sign != _np.sign(_value(stop))):
        raise ValueError("geomspace takes a start and stop of the same sign, neither 0")
    out = sign * logspace(log10(sign * start), log10(sign * stop), num, endpoint, dtype=dtype)
    if num > 0:
        ends = [reshape(asarray(start) + 0.0 * out[0], (1,) + shape(out)[1:])]
        middle = out[1:-1] if endpoint and num > 1 else out[1:]
        tail = [reshape(asarray(stop) + 0.0 * out[-1], (1,) + shape(out)[1:])] if endpoint and num > 1 else []
        out = concatenate(ends + [middle] + tail)
    return moveaxis(out, 0, axis) if ndim(out) > 1 else out


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """The bin edges `histogram` would use, like `numpy.histogram_bin_edges`.

    >>> histogram_bin_edges(_np.array([0.0, 1.0]), bins=2)
    array([0. , 0.5, 1. ])
    """
    return histogram(a, bins, range, weights=weights)[1]


def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-D arrays ('full', 'same', 'valid'), as a matrix product
    with a constant Toeplitz index pattern.

    >>> convolve(_np.array([1.0, 2.0]), _np.array([1.0, 1.0]))
    array([1., 3., 2.])
    """
    n, m = shape(a)[0], shape(v)[0]
    if m > n:
        a, v, n, m = v, a, m, n
    full = n + m - 1
    k = _np.arange(full)[:, None] - _np.arange(m)[None, :]  # output k takes a[k - j] v[j]
    valid = (k >= 0) & (k < n)
    rows = a[(_np.where(valid, k, 0),)] * valid
    out = sum(rows * v, axis=1)
    if mode == "full":
        return out
    if mode == "same":
        lo = (m - 1) // 2
        return out[lo : lo + n]
    if mode == "valid":
        return out[m - 1 : n]
    raise ValueError(f"convolve mode must be 'full', 'same' or 'valid', not {mode!r}")


def polyval(p, x):
    """The polynomial with coefficients `p` (highest power first) at `x`, by Horner's rule as
    `numpy.polyval` computes it (p, x or both may be traced).

    >>> polyval(_np.array([1.0, 0.0, -2.0]), _np.array([0.0, 2.0]))
    array([-2.,  2.])
    """
    y = zeros_like(x)
    for k in range(len(p) if isinstance(p, (list, tuple)) else shape(p)[0]):
        y = y * x + p[k]
    return y


def bincount(x, weights=None, minlength=0):
    """Occurrences of each non-negative integer in `x`, or with `weights` the sum of the weights at
    each (a segment sum), like `numpy.bincount`; the weights may be traced, `x` is read as values.

    >>> bincount(_np.array([0, 2, 2]), weights=_np.array([1.0, 2.0, 3.0]))
    array([1., 0., 5.])
    """
    x = _np.asarray(_value(x))
    if weights is None:
        return _np.bincount(x, minlength=minlength)
    if x.ndim != 1 or shape(weights) != x.shape or (x.size and (x.dtype.kind not in "iu" or x.min() < 0)):
        raise ValueError(
            f"bincount takes 1-D non-negative integers x and weights of x's shape, not x {x.dtype}{list(x.shape)} "
            f"and weights of shape {shape(weights)}"
        )
    n = builtins.max(int(x.max()) + 1 if x.size else 0, minlength)
    return _ops.scatter_add(weights, idx=(x,), shape=(n,))


def nansum(a, axis=None, keepdims=False):
    """Sum with NaN elements counted as 0 (their derivative is 0), like `numpy.nansum`.

    >>> float(nansum(_np.array([1.0, _np.nan, 2.0])))
    3.0
    """
    return sum(where(isnan(a), 0.0, a), axis=axis, keepdims=keepdims)


def nanmean(a, axis=None, keepdims=False):
    """Mean of the elements that are not NaN, like `numpy.nanmean` (which elements are NaN is read
    from the values: the trace is specialised to them).

    >>> float(nanmean(_np.array([1.0, _np.nan, 2.0])))
    1.5
    """
    count = _np.sum(~_np.isnan(_value(a)), axis=axis, keepdims=keepdims)
    return nansum(a, axis=axis, keepdims=keepdims) / count


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """The q-th quantiles along `axis` by NumPy's default 'linear' method: the sorted values at
    q·(n − 1), interpolated between the two around it (the derivative flows through the sort's
    permutation, so the trace is specialised to the values); q's axes come first, as NumPy's.

    >>> quantile(_np.array([3.0, 1.0, 2.0, 4.0]), [0.5, 0.25])
    array([2.5 , 1.75])
    """
    q = _np.asarray(_value(q), dtype=float)
    if out is not None or method != "linear" or not _np.all((q >= 0) & (q <= 1)):
        raise ValueError(f"quantile takes q in [0, 1], method 'linear' and no out=, not q={q}, method={method!r}")
    nd = ndim(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = axis % ndim(a)
    n = shape(a)[axis]
    pos = q * (n - 1)
    lo = _np.floor(pos).astype(int)
    hi, t = _np.minimum(lo + 1, n - 1), pos - lo
    s = moveaxis(sort(a, axis=axis), axis, 0)
    below, above = s[(lo,)], s[(hi,)]
    t = t.reshape(t.shape + (1,) * (ndim(s) - 1))
    res = where(t >= 0.5, above - (above - below) * (1 - t), below + (above - below) * t)  # NumPy's _lerp
    if keepdims:
        res = reshape(
            res,
            q.shape + (1,) * nd if nd != ndim(a) else q.shape + shape(s)[1 : axis + 1] + (1,) + shape(s)[axis + 1 :],
        )
    return res


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """The q-th percentiles (q in [0, 100]), as `quantile` of q / 100, like `numpy.percentile`.

    >>> float(percentile(_np.array([1.0, 2.0, 3.0]), 50))
    2.0
    """
    return quantile(a, _np.asarray(_value(q), dtype=float) / 100, axis, out, overwrite_input, method, keepdims)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median along `axis` (the mean of the two middle values for an even count), like
    `numpy.median`.

    >>> float(median(_np.array([3.0, 1.0, 2.0, 4.0])))
    2.5
    """
    if out is not None:
        raise ValueError("median takes no out=")
    nd = ndim(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = axis % ndim(a)
    n = shape(a)[axis]
    s = moveaxis(sort(a, axis=axis), axis, 0)
    res = s[(n - 1) // 2] if n % 2 else mean(s[(n // 2 - 1) : (n // 2 + 1)], axis=0)
    if keepdims:
        res = reshape(res, (1,) * nd) if nd != ndim(a) else expand_dims(res, axis)
    return res


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    """Covariance matrix of the variables in m's rows (columns with rowvar=False), like `numpy.cov`
    (unweighted; NumPy squeezes the result: one variable gives a 0-d array).

    >>> cov(_np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    if fweights is not None or aweights is not None:
        raise ValueError("cov's fweights and aweights are not supported by difflab")
    X = atleast_2d(m)
    if not rowvar and shape(X)[0] != 1:
        X = transpose(X)
    if y is not None:
        Y = atleast_2d(y)
        X = concatenate([X, Y if rowvar or shape(Y)[0] == 1 else transpose(Y)], axis=0)
    ddof = (0 if bias else 1) if ddof is None else ddof
    Xc = X - mean(X, axis=1, keepdims=True)
    c = matmul(Xc, transpose(_ops.conj(Xc))) / float(shape(X)[1] - ddof)
    return squeeze(c)


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients, cov / (σᵢσⱼ) clipped to [−1, 1], like `numpy.corrcoef`.

    >>> corrcoef(_np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    c = cov(x, y, rowvar)
    if ndim(c) == 0:
        return c / c
    sd = sqrt(real(diagonal(c)))
    c = c / sd[:, None] / sd[None, :]
    return clip(c, -1.0, 1.0)


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of (xp, fp) at x, like `numpy.interp` (fp[0] left of xp[0] and
    fp[-1] right of xp[-1], or `left`/`right`); x and fp may be traced, the interval each x falls in
    is read from the values (the trace is specialised to them).

    >>> interp(_np.array([0.5, 3.0]), _np.array([0.0, 1.0, 2.0]), _np.array([0.0, 2.0, 6.0]))
    array([1., 6.])
    """
    xv, xpv = _np.asarray(_value(x), dtype=float), _np.asarray(_value(xp), dtype=float)
    if period is not None or xpv.ndim != 1 or xpv.size < 2 or shape(fp) != xpv.shape:
        raise ValueError("interp takes 1-D xp and fp of one length (at least 2) and no period")
    j = _np.clip(_np.searchsorted(xpv, xv, side="right") - 1, 0, xpv.size - 2)
    x0, f0, f1 = take(xp, j), take(fp, j), take(fp, j + 1)
    y = f0 + (x - x0) * ((f1 - f0) / (take(xp, j + 1) - x0))
    y = where(xv < xpv[0], fp[0] if left is None else left, y)
    return where(xv > xpv[-1], fp[-1] if right is None else right, y)


def correlate(a, v, mode="valid"):
    """Cross-correlation of two 1-D sequences, sum_n a[n + k] conj(v[n]), like `numpy.correlate`:
    a convolution with v reversed (and a swap, reversed, when v is the longer one, as NumPy does).

    >>> correlate(_np.array([1.0, 2.0, 3.0]), _np.array([0.0, 1.0]))
    array([2., 3.])
    """
    if shape(v)[0] > shape(a)[0]:
        return flip(_ops.conj(correlate(v, a, mode)))
    return convolve(a, flip(_ops.conj(v)), mode)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of y by the trapezoidal rule along `axis` (samples at x, or dx apart), like
    `numpy.trapezoid`.

    >>> float(trapezoid(_np.array([0.0, 1.0, 4.0])))
    3.0
    """
    axis = axis % ndim(y)
    d = dx if x is None else diff(x, axis=axis if ndim(x) > 1 else -1)
    if x is not None and ndim(x) == 1 and ndim(y) > 1:
        d = reshape(d, (-1,) + (1,) * (ndim(y) - 1 - axis))
    upper = tuple(slice(1, None) if k == axis else slice(None) for k in range(ndim(y)))
    lower = tuple(slice(None, -1) if k == axis else slice(None) for k in range(ndim(y)))
    return sum(d * (y[upper] + y[lower]) / 2.0, axis=axis)


def triu_indices_from(arr, k=0):
    """The indices of arr's upper triangle (from its shape: constants), like `numpy.triu_indices_from`.

    >>> triu_indices_from(_np.ones((2, 2)))
    (array([0, 0, 1]), array([0, 1, 1]))
    """
    return _np.triu_indices(shape(arr)[-2], k, shape(arr)[-1])


def tril_indices_from(arr, k=0):
    """The indices of arr's lower triangle (from its shape: constants), like `numpy.tril_indices_from`.

    >>> tril_indices_from(_np.ones((2, 2)))
    (array([0, 1, 1]), array([0, 0, 1]))
    """
    return _np.tril_indices(shape(arr)[-2], k, shape(arr)[-1])


def float_power(x1, x2):
    """x1 ** x2 in float64 (difflab's values are float64 already), like `numpy.float_power`.

    >>> float(float_power(2.0, 3.0))
    8.0
    """
    return _ops.pow(x1, x2)


def _multi_dot(arrays, *, out=None):
    """`numpy.linalg.multi_dot`: the matrix product of the list, left to right (NumPy picks the
    cheapest order: the same value to rounding)."""
    res = arrays[0]
    for b in arrays[1:]:
        res = matmul(res, b)
    return res


def _matrix_power(a, n):
    """`numpy.linalg.matrix_power`: a to the integer power n by NumPy's own binary decomposition (so the
    values agree to the bit), inv(a) first for a negative n."""
    if not isinstance(n, (int, _np.integer)):
        raise TypeError("matrix_power's exponent must be an integer")
    if n == 0:
        return broadcast_to(_np.eye(shape(a)[-1]), shape(a)) + 0.0
    if n < 0:
        a, n = _ops.inv(a), -n
    if n <= 3:
        return a if n == 1 else matmul(a, a) if n == 2 else matmul(matmul(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


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


#: NumPy's ufunc methods on traced values (np.add.reduce(x, axis=1), np.subtract.outer(x, y)), by
#: (ufunc, method); `outer` of any binary ufunc by broadcasting (`ufunc_method`)
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


def ufunc_method(ufunc: str, method: str):
    """The function computing NumPy's `ufunc.method` on traced values, or None."""
    fn = _UFUNC_METHODS.get((ufunc, method))
    if fn is None and method == "outer" and ufunc in UFUNCS and getattr(_np, ufunc).nin == 2:
        return _outer(UFUNCS[ufunc])
    return fn


# -- index tricks: np.r_ and np.c_ over traced values ------------------------------------------------


class _Concatenator:
    """`r_[...]` / `c_[...]`: slices become ranges (a complex step: linspace), numbers and arrays are
    joined; traced values are concatenated by the registry's concatenate. A leading string 'axis' or
    'axis,ndmin' sets the axis and the minimum rank, like NumPy's; the matrix directives ('r', 'c')
    are not supported."""

    def __init__(self, axis, ndmin, columns):
        self.axis, self.ndmin, self.columns = axis, ndmin, columns

    def __getitem__(self, key):
        items = list(key) if isinstance(key, tuple) else [key]
        axis, ndmin = self.axis, self.ndmin
        if items and isinstance(items[0], str):
            spec = items.pop(0).split(",")
            if not all(p.strip().lstrip("-").isdigit() for p in spec) or len(spec) > 2:
                raise ValueError(f"r_/c_: difflab supports an 'axis' or 'axis,ndmin' directive, not {','.join(spec)!r}")
            axis, ndmin = int(spec[0]), int(spec[1]) if len(spec) > 1 else ndmin
        parts = []
        for item in items:
            if isinstance(item, slice):
                item = _slice_range(item)
            elif not isinstance(item, (_Traced, _np.ndarray)):
                item = _np.asarray(item, dtype=float)
            if ndim(item) < ndmin:
                if self.columns and ndim(item) == 1:  # c_: a 1-D array becomes a column
                    item = reshape(item, shape(item) + (1,) * (ndmin - 1))
                else:
                    item = reshape(item, (1,) * (ndmin - ndim(item)) + shape(item))
            parts.append(item)
        if not parts:
            return _np.array([])
        return concatenate(parts, axis=axis)

    def __len__(self):
        return 0


def _slice_range(s):
    start = 0 if s.start is None else s.start
    step = 1 if s.step is None else s.step
    if isinstance(step, complex):  # NumPy's r_[0:1:5j]: 5 points from start to stop inclusive
        return _np.linspace(start, s.stop, int(abs(step)))
    return _np.arange(start, s.stop, step, dtype=float)


#: `r_[x, 0.0, y]` joins along the first axis; `c_[x, y]` makes 1-D arrays columns and joins them
r_ = _Concatenator(axis=0, ndmin=1, columns=False)
c_ = _Concatenator(axis=-1, ndmin=2, columns=True)


# -- functions whose result is piecewise constant: computed on the values, never differentiated ----


def _value(x):
    """The concrete value of x; a traced x marks its trace specialised to the input values."""
    while isinstance(x, _Traced):
        x._trace.specialised = True
        x = x.value
    return x


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
    )
]


def histogram(a, bins=10, range=None, density=None, weights=None):
    """Counts of a's entries in each bin and the bin edges, like `numpy.histogram`. The counts are
    constants (read from the values); edges NumPy computes from the data (`bins` a number or an
    estimator's name, no `range`) are min(a) + (max(a) − min(a))·k/n, so they differentiate through
    min and max; edges given (traced or not) are returned as they are; with
    `density` the counts are divided by their sum and the bin widths.

    >>> histogram(_np.array([0.0, 1.0, 1.0]), bins=2)
    (array([1, 2]), array([0. , 0.5, 1. ]))
    """
    if _contains_traced(weights):
        raise _UnsupportedOperationError(
            "numpy.histogram with traced weights: the weighted counts are a segment sum, which difflab "
            "spells difflab.numpy.bincount(numpy.digitize(a, edges) - 1, weights=w)"
        )
    values = _np.asarray(_value(a))
    counts, edges = _np.histogram(values, _value(bins), range, weights=weights)
    if _contains_traced(bins):  # the edges given, traced: returned as they are
        edges = asarray(bins)
    elif isinstance(a, _Traced) and _np.ndim(bins) == 0 and range is None and values.size:
        lo, hi = min(a), max(a)  # (a number of bins or an estimator's name: NumPy's linspace of them)
        if values.min() == values.max():
            lo, hi = lo - 0.5, hi + 0.5
        edges = linspace(lo, hi, len(edges))
    if density:
        return counts / counts.sum() / diff(edges), edges
    return counts, edges


def histogramdd(sample, bins=10, range=None, density=None, weights=None):
    """Counts of the rows of an (N, D) sample in D-dimensional bins and each dimension's edges, like
    `numpy.histogramdd`: the counts constants, the edges computed from the data differentiable
    through each column's min and max (as `histogram`'s), given edges returned as they are.

    >>> histogramdd(_np.array([[0.0, 1.0], [1.0, 0.0]]), bins=2)[0]
    array([[0., 1.],
           [1., 0.]])
    """
    if _contains_traced(weights):
        raise _UnsupportedOperationError("numpy.histogramdd with traced weights: difflab counts constant weights only")
    cols = sample if type(sample) in (list, tuple) else [sample[:, d] for d in builtins.range(shape(sample)[1])]
    values = _np.stack([_np.asarray(_value(c), dtype=float) for c in cols], axis=1)
    dims = values.shape[1]
    per = list(bins) if type(bins) in (list, tuple) else [bins] * dims
    counts, edges = _np.histogramdd(values, [_value(b) for b in per], range, weights=weights)
    edges = [
        histogram(c, b, None if range is None else range[d])[1] if _contains_traced((c, b)) else e
        for d, (c, b, e) in enumerate(zip(cols, per, edges))
    ]
    if density:
        widths = functools.reduce(lambda t, e: expand_dims(t, -1) * diff(e), edges[1:], diff(edges[0]))
        return counts / counts.sum() / widths, edges
    return counts, edges


def histogram2d(x, y, bins=10, range=None, density=None, weights=None):
    """`histogramdd` of the points (x, y): (counts, x edges, y edges), like `numpy.histogram2d`.

    >>> histogram2d(_np.array([0.0, 1.0]), _np.array([1.0, 0.0]), bins=2)[0]
    array([[0., 1.],
           [1., 0.]])
    """
    if _np.ndim(bins) == 1 and len(bins) != 2:
        bins = [bins, bins]  # (one array of edges, for both)
    counts, edges = histogramdd([x, y], bins, range, density, weights)
    return counts, edges[0], edges[1]


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


# -- the names generated from the registry ------------------------------------------------------

#: ndarray methods that change the array in place: traced values never offer them
_IN_PLACE = frozenset({"sort", "partition", "fill", "put", "resize", "itemset", "setfield", "setflags", "byteswap"})
#: the functions defined above (derived or conversion), public names only
_DERIVED = {
    name: fn
    for name, fn in list(globals().items())
    if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == __name__
}
_DERIVED = {name: _stacking(fn, name) for name, fn in _DERIVED.items()}
globals().update(_DERIVED)  # the public names stack lists of traced values (`_stacking`)
_STATIC = sorted(set(_DERIVED) | {"pi", "e", "newaxis", "float64", "r_", "c_"})
#: derived functions of numpy.linalg (published as dnp.linalg.<name>)
_DERIVED.update(
    {
        "linalg.solve": _stacking(_solve),
        "linalg.slogdet": _stacking(_slogdet),
        "linalg.norm": _stacking(_norm),
        "linalg.lstsq": _stacking(_lstsq),
        "linalg.multi_dot": _multi_dot,
        "linalg.matrix_power": _stacking(_matrix_power),
        "linalg.eigh": _stacking(_decompositions.eigh),
        "linalg.svd": _stacking(_decompositions.svd),
        "linalg.eig": _stacking(_eig_front),
        "linalg.matmul": _stacking(_linalg_matmul),
        "linalg.outer": _stacking(_linalg_outer),
        "linalg.tensordot": _stacking(_linalg_tensordot),
        "linalg.trace": _stacking(_linalg_trace),
        "linalg.diagonal": _stacking(_linalg_diagonal),
        "linalg.cross": _stacking(_linalg_cross),
        "linalg.vecdot": _DERIVED["vecdot"],
        "linalg.matrix_transpose": _DERIVED["matrix_transpose"],
        "linalg.matrix_norm": _stacking(_matrix_norm),
        "linalg.vector_norm": _stacking(_vector_norm),
        "linalg.cond": _stacking(_cond),
        "linalg.tensorinv": _stacking(_tensorinv),
        "linalg.tensorsolve": _stacking(_tensorsolve),
        **{
            f"fft.{kind}{suffix}": _stacking(_fourier.fft_front(kind, suffix))
            for kind in ("fft", "ifft", "rfft", "irfft")
            for suffix in ("", "2", "n")
        },
        "fft.fftshift": _stacking(_fft_fftshift),
        "fft.ifftshift": _stacking(_fft_ifftshift),
    }
)
linalg_norm = _DERIVED["linalg.norm"]

__all__: list = []
#: NumPy ufunc name -> the function to call on traced values (NumPy's __array_ufunc__ dispatch)
UFUNCS: dict = {}
#: NumPy function name ("linalg.det" for numpy.linalg.det) -> the function (__array_function__)
FUNCTIONS: dict = {}
#: ndarray method name -> the function to call with the traced value first
METHODS: dict = {}
_published: dict = {}


class _Namespace:
    """A NumPy submodule's traceable counterpart (`dnp.linalg.det`), filled from the registry."""

    def __init__(self, name):
        self.__name__ = name

    def __repr__(self):
        return f"<difflab.numpy.{self.__name__}: {', '.join(sorted(k for k in vars(self) if not k.startswith('_')))}>"


linalg = _Namespace("linalg")
fft = _Namespace("fft")
#: NumPy's submodules with traceable counterparts here
_NAMESPACES = {"linalg": linalg, "fft": fft}


def _publish() -> None:
    """Bind every registry spelling in this module (and its submodules) and regenerate the dispatch
    tables: called at import and again whenever the registry changes."""
    names = _ops.spellings().numpy
    for name in list(_published):
        if name not in names:  # removed from the registry: a derived function of that name returns
            _unbind(name)
    for name, fn in _DERIVED.items():
        if "." in name and name not in names:
            sub, short = name.split(".")
            vars(_NAMESPACES[sub])[short] = fn
    for name, fn in names.items():
        if not name.startswith("scipy."):  # SciPy's names are published by difflab.scipy
            _bind(name, fn)
    __all__[:] = sorted(set(_STATIC) | {n for n in _published if "." not in n} | set(_NAMESPACES))
    table = {**_DERIVED, **{name: _published[name] for name in names if name in _published}}
    UFUNCS.clear()
    FUNCTIONS.clear()
    for name, fn in table.items():
        target = _numpy_object(name)
        if isinstance(target, _np.ufunc):
            UFUNCS[name] = fn
        elif target is not None:
            FUNCTIONS[name] = fn
    UFUNCS["positive"] = _positive
    for name, fn in names.items():  # scipy.special's ufuncs reach __array_ufunc__ by their short name
        if name.startswith("scipy.special."):
            UFUNCS.setdefault(name[len("scipy.special.") :], _stacking(fn, name))
    FUNCTIONS.update({"size": prod_shape, "lib.stride_tricks.sliding_window_view": _stacking(_sliding_window_view)})
    METHODS.clear()
    METHODS.update(
        {
            name: fn
            for name, fn in _DERIVED.items()
            if name not in _IN_PLACE and "." not in name and callable(getattr(_np.ndarray, name, None))
        }
    )
    METHODS.update({name: _stacking(fn, name) for name, fn in _ops.spellings().methods.items()})
    METHODS["compress"] = _compress_method  # (x.compress(condition): the array is not the first argument)
    METHODS.setdefault("flatten", ravel)  # x.flatten() is a copy in NumPy; traced values are immutable anyway


def _compress_method(a, condition, axis=None):
    return compress(condition, a, axis)


def _positive(x):
    return x


def _numpy_object(name):
    """NumPy's object of that name ("linalg.det" -> numpy.linalg.det), or None."""
    obj = _np
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj


def _bind(name, fn):
    *sub, short = name.split(".")
    globals_ = vars(_NAMESPACES[sub[0]]) if sub else globals()
    fn = _stacking(fn, name)
    globals_[short] = fn
    _published[name] = fn


def _unbind(name):
    *sub, short = name.split(".")
    globals_ = vars(_NAMESPACES[sub[0]]) if sub else globals()
    if name in _DERIVED:
        globals_[short] = _DERIVED[name]
    else:
        globals_.pop(short, None)
    del _published[name]


_publish()
_ops.REGISTRY.listeners.append(_publish)
