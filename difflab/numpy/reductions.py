"""Reductions and statistics over axes built from the registry's sum, max, cumsum and prod:
`var`, `std`, `average`, `ptp`, `clip`, `round`, `cumprod`, `diff` and the NaN-ignoring family
(`nanmax`, `nanvar`, `nanquantile`, ...).

Compositions rather than registry entries: their derivatives follow from the primitives' (a NaN is
replaced before the reduction, so its derivative is zero, as in JAX).
"""

from __future__ import annotations

import builtins
import math
import warnings as _warnings

import numpy as _np

from .. import ops as _ops
from ..graph import Traced as _Traced
from ..graph import library_constants as _library_constants
from ..ops import isnan, maximum, minimum, real, sqrt, where
from ..ops.core import normalize_axes as _axes
from ..ops.core import normalize_axis as _axis
from ..ops.reductions import _float_dtype, dtype_cast as _dtype_cast
from ..ops.reductions import plain_answer as _plain_answer
from ..ops.reductions import mask_of as _mask_of
from ..ops.reductions import _mean_front as _mean
from ..ops.reductions import no_out as _no_out
from ..ops.reductions import (
    _cumsum_front as _cumsum,
)
from ..ops.reductions import (
    _max_front as max,
)
from ..ops.reductions import (
    _mean_front as mean,
)
from ..ops.reductions import (
    _prod_front as _prod,
)
from ..ops.reductions import (
    _sum_front as sum,
)
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
from .arrays import _in_range, _take_along, _value, asarray, min, moveaxis, ndim, ravel, shape
from .piecewise_constant import count_nonzero
from .shapes import take_along_axis
from ..ops.sorting import _sort_front as sort

_where = where  # (nanvar's where= keyword is NumPy's mask)
_NO_VALUE = object()  # numpy.diff's prepend/append not given (None is a value NumPy would join)


def clip(a, a_min=None, a_max=None, out=None, **kw):
    """Limit values to [a_min, a_max] (derivative 1 inside, 0 outside, 1/2 at the bounds).

    >>> clip(_np.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
    array([0. , 0.5, 1. ])
    """
    _no_out("clip", out)
    a_min = kw.pop("min", a_min)
    a_max = kw.pop("max", a_max)
    if kw:
        raise TypeError(f"clip() got unexpected keyword arguments {sorted(kw)}")
    if a_min is not None:
        a = maximum(a, a_min)
    return a if a_max is None else minimum(a, a_max)


def round(a, decimals=0, out=None):
    """Round to `decimals` digits, halves to even, like `numpy.round` (zero derivative: rint's).

    >>> round(_np.array([0.5, 1.5, 2.345]), 2).tolist()
    [0.5, 1.5, 2.35]
    """
    _no_out("round", out)
    if isinstance(decimals, (bool, _np.bool_)) or not isinstance(decimals, (int, _np.integer)):
        # (int(decimals) rounded to 1 digit for decimals=1.5, where NumPy refuses)
        raise TypeError(f"numpy.round: decimals must be an int, got {decimals!r}")
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


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None, correction=None):
    """Variance over `axis` with `ddof` delta degrees of freedom, like `numpy.var` (`where`: a constant mask of
    the entries counted, as NumPy's: the others have no derivative; std and var took no where= before).

    >>> float(var(_np.array([1.0, 3.0])))
    1.0
    >>> float(var(_np.array([1.0, 3.0, 100.0]), where=_np.array([True, True, False])))
    1.0

    NumPy's positional order (a, axis, dtype, out, ddof, keepdims), its `mean` (given as keepdims=True would compute
    it) and `correction` (ddof's array-API name); out= refused by name.
    """
    _no_out("var", out)
    if dtype is not None:
        if _integer_statistic("var", dtype, a, where, mean):
            return _numpy_statistic("var", a, axis, dtype, ddof, keepdims, where, mean, correction)
        return _statistic_dtype(var(_dtype_cast("var", a, dtype, True), axis, None, None, ddof, keepdims, where=where,
                                    mean=mean, correction=correction), dtype)  # fmt: skip
    ddof = _correction("var", ddof, correction)
    count = float(_count(a, axis))
    if where is not True:  # (NumPy's count per slice: the mask's sum)
        where = _np.broadcast_to(_np.asarray(_value(_mask_of("var", where)), dtype=bool), shape(a))
        count = _np.sum(where, axis=axis, keepdims=keepdims).astype(float)
    d = a - (_mean(a, axis=axis, keepdims=True, where=where) if mean is None else mean)
    square = real(d * _ops.conj(d)) if _ops.is_complex(d) else d * d  # |d|²: NumPy's variance of complex values is real
    # (NumPy's max(count − ddof, 0): ddof above the count is a division by 0, inf, not a negative variance)
    dof = builtins.max(count - ddof, 0.0) if isinstance(count, float) else _np.maximum(count - ddof, 0.0)
    return sum(square, axis=axis, keepdims=keepdims, where=where) / dof


def _integer_statistic(name, dtype, a, *others) -> bool:
    """var's and std's (and trace's) `dtype=`: True for an integer (or other non-float) dtype of plain data, which
    NumPy's own function answers (np.var(x, dtype=np.int32): its sums in int32, each term cast, NumPy's values and
    dtype, and its errors: np.std's sqrt of an int32 array is refused by NumPy's casting rule); of a traced value such
    a dtype is refused by name (an integer result has no derivative: JAX's grad refuses an integer output), as sum's
    is; False for a float or complex dtype, computed here."""
    if _np.dtype(dtype).kind in "fc":
        return False
    if _float_dtype(name, dtype, a, *others):
        return True
    raise ValueError(f"numpy.{name}(..., dtype={_np.dtype(dtype)}) would drop the derivative; give a float dtype")


def _numpy_statistic(name, a, axis, dtype, ddof, keepdims, where, mean, correction):
    """numpy.<name> (var, std, nanvar, nanstd) of plain data, NumPy's own; mean= and correction= given only when set
    (NumPy's correction has no None)."""
    given = {"mean": mean} if mean is not None else {}
    given.update({"correction": correction} if correction is not None else {})
    return _plain_answer(name, a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where, **given)


def _statistic_dtype(res, dtype):
    """var's (nanvar's) result under a complex `dtype=`: NumPy's complex dtype (the variance of complex values is
    real), so a real result is cast to it; as it is otherwise (dtype_cast's input cast set its dtype)."""
    return res.astype(dtype) if _np.dtype(dtype).kind == "c" and isinstance(res, _Traced) else res


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None, correction=None):
    """Standard deviation over `axis` with `ddof`, like `numpy.std` (`where`, `mean`, `correction`: var's).

    >>> float(std(_np.array([1.0, 3.0])))
    1.0
    """
    _no_out("std", out)
    if dtype is not None:  # (its own name: "numpy.var(..., dtype=int64)" before)
        if _integer_statistic("std", dtype, a, where, mean):
            return _numpy_statistic("std", a, axis, dtype, ddof, keepdims, where, mean, correction)
        a = _dtype_cast("std", a, dtype, True)
    v = var(a, axis, None, None, ddof, keepdims, where=where, mean=mean, correction=correction)
    return sqrt(v if dtype is None else _statistic_dtype(v, dtype))


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """Weighted mean over `axis`, like `numpy.average` (weights may be traced too).

    >>> float(average(_np.array([1.0, 3.0]), weights=_np.array([3.0, 1.0])))
    1.5
    """
    if weights is None:
        avg, scale = mean(a, axis=axis, keepdims=keepdims), float(_count(a, axis))
    else:
        if isinstance(weights, (list, tuple)):  # (a list of numbers or traced values: an array, as NumPy's)
            plain = not any(isinstance(w, _Traced) for w in weights)
            weights = _np.asarray(weights, dtype=float) if plain else asarray(weights)
        if ndim(weights) != ndim(a):  # 1-D weights along one axis (NumPy's checks: they were bare IndexErrors)
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if ndim(weights) != 1:
                raise TypeError("1D weights expected when shapes of a and weights differ.")
            if shape(weights)[0] != shape(a)[_axis(a, axis, "average")]:
                raise ValueError("Length of weights not compatible with specified axis.")
            shape_ = [1] * ndim(a)
            shape_[_axes(a, axis)[0]] = shape(weights)[0]
            weights = reshape(weights, tuple(shape_))
        scale = sum(broadcast_to(weights, shape(a)), axis=axis, keepdims=keepdims)
        avg = sum(a * weights, axis=axis, keepdims=keepdims) / scale
    return (avg, scale) if returned else avg


def ptp(a, axis=None, out=None, keepdims=False):
    """Peak to peak: max - min over `axis`.

    >>> float(ptp(_np.array([1.0, 4.0, 2.0])))
    3.0
    """
    _no_out("ptp", out)
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


def cumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product along `axis`, as a chain of products (right with zeros in the input); a float `dtype`.

    >>> cumprod(_np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    _no_out("cumprod", out)
    if isinstance(a, (list, tuple)):  # (NumPy's conversion: np.cumprod([1.5, 2.0]), traced entries too)
        a = asarray(a)
    if dtype is not None:
        if _float_dtype("cumprod", dtype, a):
            return _plain_answer("cumprod", a, axis=axis, dtype=dtype)
        a = _dtype_cast("cumprod", a, dtype)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(a, axis, "cumprod")
    if shape(a)[axis] == 0:  # NumPy's empty product of an empty axis (its first entry was an IndexError)
        return a * 1.0
    parts = [_take_along(a, axis, 0)]
    for k in range(1, shape(a)[axis]):
        parts.append(parts[-1] * _take_along(a, axis, k))
    return stack(parts, axis=axis)


def diff(a, n=1, axis=-1, prepend=_NO_VALUE, append=_NO_VALUE):
    """n-th differences along `axis`, like `numpy.diff`, of `a` with `prepend` and `append` joined to it
    along `axis` first (a number or an array broadcast to a's other axes, traced or not).

    >>> diff(_np.array([1.0, 4.0, 9.0]))
    array([3., 5.])
    >>> diff(_np.array([1.0, 4.0]), prepend=0.0, append=_np.array([5.0, 7.0]))
    array([1., 3., 1., 2.])
    """
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if ndim(a) == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    if prepend is not _NO_VALUE or append is not _NO_VALUE:
        ax = _in_range(axis, len(shape(a)))
        parts = [p for p in (prepend, a, append) if p is not _NO_VALUE]
        edge = tuple(shape(a)[:ax]) + (1,) + tuple(shape(a)[ax + 1 :])
        a = concatenate([broadcast_to(p, edge) if ndim(p) == 0 else p for p in parts], axis=ax)
    for _ in range(n):
        a = _take_along(a, axis, slice(1, None)) - _take_along(a, axis, slice(None, -1))
    return a


def _nan_filled(a, fill):
    """a with its NaN entries replaced by `fill` (their derivative 0, as JAX's nan-reductions give)."""
    return where(isnan(a), fill, a)


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    """Maximum ignoring NaN, like `numpy.nanmax` (the derivative is 0 at NaN entries).

    >>> float(nanmax(_np.array([1.0, _np.nan, 2.0])))
    2.0
    """
    _no_out("nanmax", out)
    where = _mask_of("nanmax", where)  # (its own name in the refusal of a bad mask)
    return max(_nan_filled(a, -_np.inf), axis=axis, keepdims=keepdims, initial=initial, where=where)


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    """Minimum ignoring NaN, like `numpy.nanmin`.

    >>> float(nanmin(_np.array([1.0, _np.nan, 2.0])))
    1.0
    """
    _no_out("nanmin", out)
    where = _mask_of("nanmin", where)  # (its own name in the refusal of a bad mask)
    initial = None if initial is None else -initial
    return -nanmax(-asarray(a), axis=axis, keepdims=keepdims, initial=initial, where=where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    """Product with NaN entries counted as 1, like `numpy.nanprod`.

    >>> float(nanprod(_np.array([2.0, _np.nan, 3.0])))
    6.0
    """
    _no_out("nanprod", out)
    where = _mask_of("nanprod", where)  # (its own name in the refusal of a bad mask)
    if dtype is not None:
        if _float_dtype("nanprod", dtype, a, initial, where):
            return _plain_answer("nanprod", a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)
        a = _dtype_cast("nanprod", a, dtype)
    return _prod(_nan_filled(a, 1.0), axis=axis, keepdims=keepdims, initial=initial, where=where)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None, correction=None):
    """Variance of the entries that are not NaN (divided by count − ddof), like `numpy.nanvar`; the
    deviations of NaN entries are zeroed before squaring, so no NaN reaches the derivative. The count is traced
    (a sum of where(isnan(a), 0, 1), as nanmean's), so the graph is not specialised to where the NaNs are.

    >>> float(nanvar(_np.array([1.0, _np.nan, 3.0])))
    1.0

    NumPy 2's keywords as var's: `where` (a constant mask of the entries counted, beside the NaNs), `mean` (given as
    keepdims=True would compute it) and `correction` (ddof's array-API name; both given is NumPy's error).
    """
    _no_out("nanvar", out)
    if dtype is not None:
        if _integer_statistic("nanvar", dtype, a, where, mean):
            return _numpy_statistic("nanvar", a, axis, dtype, ddof, keepdims, where, mean, correction)
        return _statistic_dtype(nanvar(_dtype_cast("nanvar", a, dtype, True), axis, None, None, ddof, keepdims,
                                       where=where, mean=mean, correction=correction), dtype)  # fmt: skip
    ddof = _correction("nanvar", ddof, correction)
    nan = isnan(a)
    if where is True:
        counted = _where(nan, 0.0, 1.0)
    else:  # (NumPy's: the entries where is False count as NaNs do)
        mask = _np.broadcast_to(_np.asarray(_value(_mask_of("nanvar", where)), dtype=bool), shape(a))
        counted = _where(nan, 0.0, mask.astype(float))
    kept = counted > 0.5
    filled = _where(kept, _nan_filled(a, 0.0), 0.0)
    if mean is None:
        mean = sum(filled, axis=axis, keepdims=True) / sum(counted, axis=axis, keepdims=True)
    dev = _where(kept, filled - mean, 0.0)
    dof = sum(counted, axis=axis, keepdims=keepdims) - ddof
    # (NumPy's NaN where count − ddof ≤ 0: it was a negative variance, nanvar([1, nan, 4], ddof=3) = −4.5)
    return _where(dof <= 0, _np.nan, sum(dev * dev, axis=axis, keepdims=keepdims) / dof)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None, correction=None):
    """Standard deviation ignoring NaN, as sqrt(nanvar), like `numpy.nanstd` (`where`, `mean`, `correction`:
    nanvar's).

    >>> float(nanstd(_np.array([1.0, _np.nan, 3.0])))
    1.0
    """
    where = _mask_of("nanstd", where)  # (its own name in the refusal of a bad mask)
    if dtype is not None:
        if _integer_statistic("nanstd", dtype, a, where, mean):
            return _numpy_statistic("nanstd", a, axis, dtype, ddof, keepdims, where, mean, correction)
        a = _dtype_cast("nanstd", a, dtype, True)
    v = nanvar(a, axis, None, out, ddof, keepdims, where=where, mean=mean, correction=correction)
    return sqrt(v if dtype is None else _statistic_dtype(v, dtype))


def _correction(name, ddof, correction):
    """ddof, or NumPy 2's `correction` (the array API's name for it) when given; both given is NumPy's error."""
    if correction is None:
        return ddof
    if ddof != 0:
        raise ValueError(f"numpy.{name}: ddof and correction can't be provided simultaneously.")
    return correction


def nancumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum with NaN entries counted as 0, like `numpy.nancumsum`.

    >>> nancumsum(_np.array([1.0, _np.nan, 2.0]))
    array([1., 1., 3.])
    """
    _no_out("nancumsum", out)
    if dtype is not None:
        if _float_dtype("nancumsum", dtype, a):
            return _plain_answer("nancumsum", a, axis=axis, dtype=dtype)
        a = _dtype_cast("nancumsum", a, dtype)
    return _cumsum(_nan_filled(a, 0.0), axis=axis)


def nancumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product with NaN entries counted as 1, like `numpy.nancumprod`.

    >>> nancumprod(_np.array([2.0, _np.nan, 3.0]))
    array([2., 2., 6.])
    """
    _no_out("nancumprod", out)
    if dtype is not None:
        if _float_dtype("nancumprod", dtype, a):
            return _plain_answer("nancumprod", a, axis=axis, dtype=dtype)
        a = _dtype_cast("nancumprod", a, dtype)
    return cumprod(_nan_filled(a, 1.0), axis=axis)


def _quantile_position(q, n: int, method: str):
    """Where the q-th quantile of n sorted values lies by NumPy's `method`: a float position, the values at its
    floor and the next one weighted by its fraction (NumPy's 'linear' q·(n − 1); any other method NumPy's own
    quantile of the indices 0..n-1, so every one of its methods, and its errors, are NumPy's)."""
    if method == "linear":
        if not _np.all((q >= 0) & (q <= 1)):
            raise ValueError("Quantiles must be in the range [0, 1]")
        return q * (builtins.max(n, 1) - 1)  # (no values: position 0, the caller's NaN)
    return _np.asarray(_np.quantile(_np.arange(builtins.max(n, 1), dtype=float), q, method=method), dtype=float)


def _q_dtype(res, q, method, numpy_fn):
    """A traced quantile `res` with the dtype NumPy's `numpy_fn` (quantile, nanquantile) gives it by q's: a Python
    number is weak (a float32 a's quantile is float32), but an interpolating method's weights take the dtype of a q
    array or NumPy scalar, so np.quantile(x32, [0.2, 0.7]) is float64, as np.quantile(x32, np.float64(0.3)) and
    np.percentile(x32, [30]) (its int q / 100); difflab's was float32. NumPy itself answers which, on one float16
    entry: the weights' dtype where it is not float16, which res then meets as NumPy's result does (a product by
    its 1, a strong constant: float32 weights make a float16 a's quantile float32, a float32 or float64 a's its own).
    A traced q's dtype is the graph's own (boundary.out_dtypes)."""
    if not isinstance(res, _Traced) or isinstance(q, _Traced) or type(q) in (int, float):
        return res
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", RuntimeWarning)
        weights = _np.result_type(numpy_fn(_np.zeros(1, _np.float16), _value(q), method=method))
    return res if weights == _np.float16 else res * weights.type(1)


def _q_array(q):
    """q's values as an array for the positions: float64, but a float32 (float16) q in its own dtype, in which NumPy
    computes where its quantile lies (0.3f·20 is 6.0 in float32, 6.0000002 in float64: nanquantile's 'higher' picked
    the next value, 0.09 from NumPy's at a float64 a)."""
    q = _np.asarray(_value(q))
    return q if q.dtype.kind == "f" and q.dtype.itemsize < 8 else q.astype(float)


def _percent(q):
    """percentile's q / 100 as NumPy's true_divide makes it (a Python number stays one, weak; an int array's is
    float64, a float32 array's float32), so that quantile's `_q_dtype` gives NumPy's percentile dtype."""
    if isinstance(q, _Traced) or type(q) in (int, float):
        return q / 100
    return _np.true_divide(_np.asarray(_value(q)), 100)


#: NumPy's continuous methods place the q-th quantile at the virtual index n·q + α + q(1 − α − β) − 1 (α, β its
#: table's), so d(position)/dq = n + 1 − α − β: n plus this offset; the other methods pick or average sorted values
#: (piecewise constant in q: derivative 0, as NumPy's value)
_POSITION_SLOPE = {
    "linear": -1.0,
    "weibull": 1.0,
    "hazen": 0.0,
    "interpolated_inverted_cdf": 0.0,
    "median_unbiased": 1.0 / 3.0,
    "normal_unbiased": 0.25,
}


def _fraction_in_q(traced_q, q, pos, t, n, method):
    """The fraction t between the sorted values around each position, as a traced function of q (its values t):
    the position moves with q by the method's slope, inside (0, n − 1) (clipped at the ends, it is constant).
    A traced q's derivative was dropped silently (0; newuser55's find)."""
    offset = _POSITION_SLOPE.get(method)
    if offset is None:
        return t
    slope = _np.where((pos > 0) & (pos < n - 1), n + offset, 0.0)  # (n: a count per slice, broadcast, for nanquantile)
    return t + slope * reshape(traced_q - q, q.shape + (1,) * (_np.ndim(pos) - q.ndim))


def _over_axes(fn, a, q, axes, method, keepdims):
    """fn (quantile, nanquantile) over a tuple of axes, as NumPy's: those axes moved last and merged into one, the
    quantile taken along it (keepdims: length 1 at each). A tuple was a bare TypeError (`tuple % int`)."""
    axes = _axes(a, axes)
    merged = moveaxis(a, axes, tuple(range(ndim(a) - len(axes), ndim(a))))
    merged = reshape(merged, tuple(shape(merged)[: ndim(a) - len(axes)]) + (-1,))
    res = fn(merged, q, axis=-1, method=method)
    if not keepdims:
        return res
    return reshape(res, _np.shape(_value(q)) + tuple(1 if i in axes else k for i, k in enumerate(shape(a))))


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *, weights=None):
    """`quantile` of the entries that are not NaN in each slice along `axis`, like `numpy.nanquantile`
    (NaN sorts last, so each slice's count says where its quantile lies; the derivative flows to
    the entries picked, and from a traced q by the method's slope, `_fraction_in_q`; an all-NaN slice gives NaN).
    `weights` (NumPy 2, method 'inverted_cdf'): the weighted quantile with the NaN entries' weights 0.

    >>> float(nanquantile(_np.array([3.0, _np.nan, 1.0, 2.0]), 0.5))
    2.0
    >>> float(nanquantile(_np.array([3.0, _np.nan, 1.0]), 0.5, weights=_np.array([3.0, 9.0, 1.0]), method="inverted_cdf"))
    3.0
    """
    if weights is not None:
        return _weighted_quantile(a, q, axis, out, method, keepdims, weights, nan=True)
    if isinstance(axis, (tuple, list)) and out is None:
        return _over_axes(nanquantile, a, q, axis, method, keepdims)
    traced_q, given = (q if isinstance(q, _Traced) else None), q
    q = _q_array(q)
    if out is not None:
        raise ValueError("nanquantile takes no out= (difflab's results are new arrays)")
    nd, axes = ndim(a), axis
    if axis is None:
        a, axis = ravel(a), 0
    axis = _in_range(axis, ndim(a))
    s = moveaxis(sort(a, axis=axis), axis, -1)  # (NaN last)
    count = _np.sum(~_np.isnan(_np.moveaxis(_np.asarray(_value(a)), axis, -1)), axis=-1)
    pos = _np.zeros(q.shape + count.shape)
    for c in _np.unique(count) if count.size else ():  # (each slice's position among its own non-NaN values)
        pos[(Ellipsis, count == c)] = _quantile_position(q, int(c), method).reshape(q.shape + (1,))
    lo = _np.floor(pos).astype(int)
    hi, t = _np.minimum(lo + 1, _np.maximum(count - 1, 0)), pos - lo
    if traced_q is not None:
        t = _fraction_in_q(traced_q, q, pos, t, _np.broadcast_to(count, pos.shape), method)
    lead = q.shape + count.shape
    grid = tuple(_np.broadcast_to(g, lead) for g in _np.indices(count.shape))
    pick = lambda i: s[grid + (_np.broadcast_to(i, lead),)]  # noqa: E731
    below, above = pick(lo), pick(hi)
    with _library_constants():  # (NumPy's weights take a's dtype: a float32 a's nanquantile is float32)
        res = where(t >= 0.5, above - (above - below) * (1 - t), below + (above - below) * t)
        res = where(_np.broadcast_to(count == 0, lead), _np.nan, res)
    if keepdims:
        res = reshape(
            res, q.shape + ((1,) * nd if axes is None else _np.expand_dims(_np.empty(count.shape), axis).shape)
        )
    return _q_dtype(res, given, method, _np.nanquantile)


def _weighted_quantile(a, q, axis, out, method, keepdims, weights, nan=False):
    """quantile(a, q, axis, weights=w) as NumPy 2's ('inverted_cdf', its only weighted method; NumPy's checks on
    the values): a sorted by argsort, the weights' normalised cumulative sum, and the first sorted value where it
    reaches q (a count of comparisons, NumPy's searchsorted), all equations of the graph, so a prepared function
    picks afresh at new values. The derivative flows to the value picked; w and q move the pick by jumps only
    (derivative 0). Shapes as quantile's: q's axes, then a's without `axis` (an int, None or a tuple: those axes
    moved last and merged, a's and the weights' alike). `nan` (nanquantile's): the NaN entries' weights are 0.

    >>> float(_weighted_quantile(_np.array([3.0, 1.0, 2.0]), 0.5, None, None, "inverted_cdf", False, _np.array([1.0, 1.0, 5.0])))
    2.0
    """
    q_val = _np.asarray(_value(q), dtype=float)
    if out is not None:
        raise ValueError("quantile takes no out= (difflab's results are new arrays)")
    npquantile = _np.nanquantile if nan else _np.quantile
    if not isinstance(a, _Traced) and not isinstance(weights, _Traced):
        return npquantile(a, q_val, axis=axis, method=method, keepdims=keepdims, weights=weights)
    # NumPy's checks (method, shapes, the weights' signs and finiteness) and the result's shape, without reading a
    # traced a (which would specialise the graph to it); traced weights are read for the checks (derivative 0 in
    # them anyway: such a graph is specialised, refused by prepare with the reason)
    # (nanquantile with a zero weight: a's NaN entries in place in the probe, so that NumPy refuses a slice whose
    # other weights are all zero, as it would at the values — reading a's NaNs specialises the graph, so only where
    # a weight is 0; an all-NaN slice's own RuntimeWarning is the probe's, not the user's)
    zero_weight = nan and bool(_np.any(_np.asarray(_value(weights)) == 0))
    probe = (
        _np.where(_np.isnan(_np.asarray(_value(a), dtype=float)), _np.nan, 0.0) if zero_weight else _np.zeros(shape(a))
    )
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", RuntimeWarning)
        res = npquantile(probe, q_val, axis=axis, method=method, keepdims=keepdims, weights=_value(weights))
    if isinstance(axis, (tuple, list)):  # NumPy's: those axes moved last and merged (weights of a's shape)
        axes = _axes(a, axis)
        last = tuple(range(ndim(a) - len(axes), ndim(a)))
        a, weights = (moveaxis(v, axes, last) for v in (a, weights))
        a, weights = (reshape(v, tuple(shape(v)[: ndim(v) - len(axes)]) + (-1,)) for v in (a, weights))
        axis = -1
    if axis is None:
        a, weights, axis = ravel(a), ravel(weights), 0
    axis = _in_range(axis, ndim(a))
    a0 = reshape(moveaxis(a, axis, 0), (shape(a)[axis], -1))  # (n, R)
    n = shape(a0)[0]
    w0 = reshape(moveaxis(weights, axis, 0), (n, -1)) if ndim(weights) == ndim(a) else reshape(weights, (n, 1))
    if nan:  # (the NaN entries weigh nothing: never picked while a value is left, as NumPy removes them)
        w0 = where(isnan(a0), 0.0, _ops.broadcast_to(w0, shape=shape(a0)))
    order = _ops.argsort(a0, axis=0, kind="quicksort")  # (NumPy's default, as its weighted quantile sorts)
    cdf = _ops.cumsum(take_along_axis(_ops.broadcast_to(w0, shape=shape(a0)), order, 0), axis=0)
    cdf = cdf / where(cdf[-1] == 0, 1.0, cdf[-1])  # (an all-NaN slice of nanquantile weighs 0: picks its NaN)
    cdf = where(cdf == 0, -1.0, cdf)  # (NumPy's: leading zero weights never picked, even for q = 0)
    below = reshape(cdf, (1,) + shape(cdf)) < _np.reshape(q_val, (-1, 1, 1))  # (Q, n, R)
    rank = _ops.minimum(count_nonzero(below, axis=1), n - 1)  # (Q, R): NumPy's searchsorted(cdf, q, 'left')
    # the entry picked: its position in a (the sort's order at the rank), then one gather of a, which carries the
    # derivative (the symbolic method writes a gather by a traced index as a choice among the n entries: one of n
    # branches per pick, where a gather of the sorted values would nest a choice inside each branch)
    picked = take_along_axis(a0, take_along_axis(order, rank, 0), 0)
    if not nan:  # (a slice holding NaN: NaN, as NumPy's; nanquantile's all-NaN slice picks a NaN itself)
        picked = where(count_nonzero(isnan(a0), axis=0) > 0, _np.nan, picked)
    return reshape(picked, res.shape)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *, weights=None):
    """`nanquantile` of q / 100, like `numpy.nanpercentile`.

    >>> float(nanpercentile(_np.array([1.0, _np.nan, 3.0]), 50))
    2.0
    """
    if out is not None:  # (said here: nanquantile's own refusal named nanquantile)
        raise ValueError("nanpercentile takes no out= (difflab's results are new arrays)")
    return nanquantile(a, _percent(q), axis, out, overwrite_input, method, keepdims, weights=weights)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median of the entries that are not NaN, like `numpy.nanmedian`.

    >>> float(nanmedian(_np.array([3.0, _np.nan, 1.0, 2.0, 4.0])))
    2.5
    """
    if out is not None:  # (said here: nanquantile's own refusal named nanquantile)
        raise ValueError("nanmedian takes no out= (difflab's results are new arrays)")
    with _library_constants():  # (NumPy's median of a float32 a is float32)
        return nanquantile(a, 0.5, axis=axis, out=out, keepdims=keepdims)


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
