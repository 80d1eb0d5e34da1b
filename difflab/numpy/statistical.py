"""Statistics and sampled data: `quantile`, `percentile`, `median`, `cov`, `corrcoef`, `nansum`,
`nanmean`, `histogram` (its edges), `bincount`, `interp`, `gradient`, `trapezoid`, `convolve`,
`correlate`.

Built from sorts, gathers, sums and products (the modules below), so their derivatives are those of
the primitives; the piecewise-constant parts (bin indices, sort order) are computed on the values.
"""

from __future__ import annotations

import builtins
import functools

import numpy as _np

from .. import ops as _ops
from ..graph import Traced as _Traced
from ..graph import library_constants as _library_constants
from ..ops import isnan, matmul, real, sqrt, where
from ..ops.core import normalize_axes as _axes
from ..ops.reductions import _max_front as max
from ..ops.reductions import _mean_front as mean
from ..ops.reductions import _float_dtype, dtype_cast as _dtype_cast
from ..ops.reductions import plain_answer as _plain_answer
from ..ops.reductions import mask_of as _mask_of
from ..ops.reductions import _sum_front as sum
from ..ops.reductions import no_out as _no_out
from ..ops.shape import _concatenate_front as concatenate
from ..ops.shape import _reshape_front as reshape
from ..ops.shape import _transpose_front as transpose
from .arrays import (
    _contains_traced,
    _in_range,
    _take_along,
    _value,
    asarray,
    atleast_2d,
    expand_dims,
    min,
    moveaxis,
    ndim,
    ravel,
    shape,
    squeeze,
)
from .creation import linspace
from .linear_algebra import diagonal
from .reductions import _fraction_in_q, _nan_filled, _over_axes, _percent, _q_array, _q_dtype, _quantile_position
from .reductions import _weighted_quantile, clip, diff
from ..ops.sorting import _sort_front as sort
from ..ops.sorting import gather_along as _gather_along
from .shapes import flip, take

_where = where  # (nanmean's where= keyword is NumPy's mask)


def gradient(f, *varargs, axis=None, edge_order=1):
    """Finite-difference gradient, like `numpy.gradient`: second-order central differences inside, first- or
    (`edge_order=2`) second-order one-sided ones at the edges; the spacing per axis a scalar (uniform) or the
    sample coordinates along it (a 1-D array of that axis's length, non-uniform), either of which may be
    traced. Same shape as f (a tuple of them for several axes, as NumPy 2 gives).

    >>> gradient(_np.array([1.0, 4.0, 9.0]))
    array([3., 4., 5.])
    >>> gradient(_np.array([1.0, 4.0, 9.0, 16.0]), _np.array([1.0, 2.0, 3.0, 4.0]) ** 2).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    axes = list(range(ndim(f))) if axis is None else list(_axes(f, axis))
    if isinstance(axis, (tuple, list)):  # the caller's order, NumPy's order of the outputs (axes is sorted)
        axes = [_in_range(int(a), ndim(f)) for a in axis]
        if len(set(axes)) != len(axes):
            raise ValueError(f"numpy.gradient: repeated axis in axis={axis}")
    if edge_order not in (1, 2):
        raise ValueError(f"numpy.gradient: edge_order must be 1 or 2, got {edge_order!r}")
    spacing = list(varargs) or [1.0]
    spacing = spacing * len(axes) if len(spacing) == 1 else spacing
    if len(spacing) != len(axes):
        raise TypeError(f"numpy.gradient: {len(spacing)} spacings given for {len(axes)} axes (one, or one per axis)")
    outs = []
    for ax, h in zip(axes, spacing):
        n = shape(f)[ax]
        if n < edge_order + 1:
            raise ValueError(
                f"numpy.gradient: axis {ax} has {n} samples; at least edge_order + 1 = {edge_order + 1} are needed"
            )
        outs.append(_gradient_along(f, ax, h, n, edge_order))
    return outs[0] if len(outs) == 1 else tuple(outs)  # NumPy 2 gives a tuple for several axes


def _gradient_along(f, ax, h, n, edge_order):
    """numpy.gradient's formulas along one axis: h a scalar step or the n coordinates (their differences
    weight the three-point stencils, NumPy's non-uniform ones)."""
    at = lambda lo, hi: _take_along(f, ax, slice(lo, hi))  # noqa: E731
    if ndim(h) == 0:
        d0 = d1 = dm2 = dm1 = h  # (the first two and last two steps)
        hs = hd = h
    else:
        if ndim(h) != 1 or shape(h)[0] != n:
            raise ValueError(
                f"numpy.gradient: the coordinates along axis {ax} must be 1-D of the axis's length {n}, got shape "
                f"{shape(h)}"
            )
        dx = diff(h)
        line = [1] * ndim(f)
        line[ax] = -1
        bcast = lambda v: reshape(v, tuple(line))  # noqa: E731  (a step per sample, along ax)
        d0, d1, dm2, dm1 = dx[0], dx[1] if n > 2 else dx[0], dx[-2] if n > 2 else dx[-1], dx[-1]
        hs, hd = bcast(dx[:-1]), bcast(dx[1:])
    parts = []
    if edge_order == 1 or n < 3:
        parts.append((at(1, 2) - at(0, 1)) / d0)
    else:
        parts.append(
            -(2.0 * d0 + d1) / (d0 * (d0 + d1)) * at(0, 1)
            + (d0 + d1) / (d0 * d1) * at(1, 2)
            - d0 / (d1 * (d0 + d1)) * at(2, 3)
        )
    if n > 2:
        parts.append(
            -hd / (hs * (hd + hs)) * at(None, -2)
            + (hd - hs) / (hd * hs) * at(1, -1)
            + hs / (hd * (hd + hs)) * at(2, None)
        )
    if edge_order == 1 or n < 3:
        parts.append((at(-1, None) - at(-2, -1)) / dm1)
    else:
        parts.append(
            dm1 / (dm2 * (dm2 + dm1)) * at(-3, -2)
            - (dm1 + dm2) / (dm2 * dm1) * at(-2, -1)
            + (2.0 * dm1 + dm2) / (dm1 * (dm2 + dm1)) * at(-1, None)
        )
    return concatenate(parts, axis=ax)


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
    a, v = (reshape(x, (1,)) if ndim(x) == 0 else x for x in (asarray(a), asarray(v)))  # (a number: a 1-sequence)
    if ndim(a) > 1 or ndim(v) > 1:  # (rows of a matrix were taken as a's entries, silently)
        raise ValueError(
            f"object too deep for desired array (numpy.convolve takes 1-D sequences, got shapes "
            f"{shape(a)} and {shape(v)})"
        )
    n, m = shape(a)[0], shape(v)[0]
    if n == 0 or m == 0:
        raise ValueError(f"{'a' if n == 0 else 'v'} cannot be empty")
    if m > n:
        a, v, n, m = v, a, m, n
    full = n + m - 1
    k = _np.arange(full)[:, None] - _np.arange(m)[None, :]  # output k takes a[k - j] v[j]
    valid = (k >= 0) & (k < n)
    rows = a[(_np.where(valid, k, 0),)] * valid
    # a matrix product, not sum(rows * v, axis=1): batched (chunked forward mode, forward-over-forward Hessians),
    # the product wrote a (k, n + m - 1, m) block per step and summed it; matmul's batch is one BLAS call (np.convolve
    # of two 64-vectors: forward Hessian 232 -> 19 ms)
    out = matmul(rows, v)
    if mode == "full":
        return out
    if mode == "same":
        lo = (m - 1) // 2
        return out[lo : lo + n]
    if mode == "valid":
        return out[m - 1 : n]
    raise ValueError(f"convolve mode must be 'full', 'same' or 'valid', not {mode!r}")


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


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    """Sum with NaN elements counted as 0 (their derivative is 0), like `numpy.nansum`.

    >>> float(nansum(_np.array([1.0, _np.nan, 2.0])))
    3.0
    """
    _no_out("nansum", out)
    where = _mask_of("nansum", where)  # (its own name in the refusal of a bad mask)
    if dtype is not None:
        if _float_dtype("nansum", dtype, a, initial, where):
            return _plain_answer("nansum", a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)
        a = _dtype_cast("nansum", a, dtype)
    return sum(_nan_filled(a, 0.0), axis=axis, keepdims=keepdims, initial=initial, where=where)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    """Mean of the elements that are not NaN, like `numpy.nanmean` (the count is traced too, as a sum of
    where(isnan(a), 0, 1) with no derivative: the graph is not specialised to where the NaNs are, so a
    prepared function takes other values; 0/0 is NaN where a slice is all NaN, as NumPy's). `where`: NumPy 2's
    constant mask of the entries counted (beside the NaNs).

    >>> float(nanmean(_np.array([1.0, _np.nan, 2.0])))
    1.5
    """
    _no_out("nanmean", out)
    if dtype is not None:
        if _float_dtype("nanmean", dtype, a, where):
            return _plain_answer("nanmean", a, axis=axis, dtype=dtype, keepdims=keepdims, where=where)
        a = _dtype_cast("nanmean", a, dtype)
    if where is not True:
        mask = _np.broadcast_to(_np.asarray(_value(_mask_of("nanmean", where)), dtype=bool), shape(a))
        counted = _where(isnan(a), 0.0, mask.astype(float))
        return sum(_where(counted > 0.5, _nan_filled(a, 0.0), 0.0), axis=axis, keepdims=keepdims) / sum(
            counted, axis=axis, keepdims=keepdims
        )
    count = sum(_where(isnan(a), 0.0, 1.0), axis=axis, keepdims=keepdims)
    return nansum(a, axis=axis, keepdims=keepdims) / count


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *, weights=None):
    """The q-th quantiles along `axis` by any of NumPy's methods ('linear', its default: the sorted values at
    q·(n − 1), interpolated between the two around it; 'lower', 'higher', 'nearest', 'midpoint', 'weibull',
    'hazen', 'median_unbiased', 'inverted_cdf', ...): each a weighted pair of sorted values, the derivative
    flowing through the sort's permutation; q's axes come first, as NumPy's.

    >>> quantile(_np.array([3.0, 1.0, 2.0, 4.0]), [0.5, 0.25])
    array([2.5 , 1.75])
    >>> quantile(_np.array([3.0, 1.0, 2.0, 4.0]), [0.5, 0.25], method="nearest")
    array([2., 2.])

    A traced q moves the fraction between the two values by the method's slope (`_fraction_in_q`). With
    `weights` (NumPy 2, method 'inverted_cdf' only): `_weighted_quantile`.
    """
    if weights is not None:
        return _weighted_quantile(a, q, axis, out, method, keepdims, weights)
    if isinstance(axis, (tuple, list)) and out is None:
        return _over_axes(quantile, a, q, axis, method, keepdims)
    traced_q, given = (q if isinstance(q, _Traced) else None), q
    q = _q_array(q)
    if out is not None:
        raise ValueError("quantile takes no out= (difflab's results are new arrays)")
    nd = ndim(a)
    if isinstance(axis, (tuple, list)):  # NumPy's: those axes moved last and merged (was a bare TypeError)
        axes = _axes(a, axis)
        merged = moveaxis(a, axes, tuple(range(nd - len(axes), nd)))
        res = median(reshape(merged, tuple(shape(merged)[: nd - len(axes)]) + (-1,)), axis=-1)
        return reshape(res, tuple(1 if i in axes else k for i, k in enumerate(shape(a)))) if keepdims else res
    if axis is None:
        a, axis = ravel(a), 0
    axis = _in_range(axis, ndim(a))
    n = shape(a)[axis]
    pos = _quantile_position(q, n, method)
    lo = _np.floor(pos).astype(int)
    hi, t = _np.minimum(lo + 1, n - 1), pos - lo
    s = moveaxis(sort(a, axis=axis), axis, 0)
    below, above = s[(lo,)], s[(hi,)]
    if traced_q is not None:
        t = _fraction_in_q(traced_q, q, pos, t, n, method)
    t = reshape(t, _np.shape(t) + (1,) * (ndim(s) - 1))
    with _library_constants():  # (NumPy's weights take a's dtype: a float32 a's quantile is float32)
        res = where(t >= 0.5, above - (above - below) * (1 - t), below + (above - below) * t)  # NumPy's _lerp
        if n:  # a slice holding a NaN: NaN, as NumPy's (NaN sorts last; the interpolation read finite values)
            res = where(isnan(s[(n - 1,)]), _np.nan, res)
    if keepdims:
        res = reshape(
            res,
            q.shape + (1,) * nd if nd != ndim(a) else q.shape + shape(s)[1 : axis + 1] + (1,) + shape(s)[axis + 1 :],
        )
    return _q_dtype(res, given, method, _np.quantile)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *, weights=None):
    """The q-th percentiles (q in [0, 100]), as `quantile` of q / 100, like `numpy.percentile`.

    >>> float(percentile(_np.array([1.0, 2.0, 3.0]), 50))
    2.0
    """
    if out is not None:  # (said here: quantile's own refusal named quantile)
        raise ValueError("percentile takes no out= (difflab's results are new arrays)")
    return quantile(a, _percent(q), axis, out, overwrite_input, method, keepdims, weights=weights)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median along `axis` (the mean of the two middle values for an even count), like
    `numpy.median`.

    >>> float(median(_np.array([3.0, 1.0, 2.0, 4.0])))
    2.5
    """
    if out is not None:
        raise ValueError("median takes no out=")
    if type(a) is _np.ndarray and a.dtype.kind in "biu":  # (NumPy's median of integers is float64, odd counts too)
        a = a.astype(float)
    nd = ndim(a)
    if isinstance(axis, (tuple, list)):  # NumPy's: those axes moved last and merged (was a bare TypeError)
        axes = _axes(a, axis)
        merged = moveaxis(a, axes, tuple(range(nd - len(axes), nd)))
        res = median(reshape(merged, tuple(shape(merged)[: nd - len(axes)]) + (-1,)), axis=-1)
        return reshape(res, tuple(1 if i in axes else k for i, k in enumerate(shape(a)))) if keepdims else res
    if axis is None:
        a, axis = ravel(a), 0
    axis = _in_range(axis, ndim(a))
    n = shape(a)[axis]
    s = moveaxis(sort(a, axis=axis), axis, 0)
    res = s[(n - 1) // 2] if n % 2 else mean(s[(n // 2 - 1) : (n // 2 + 1)], axis=0)
    if n:  # a slice holding a NaN: NaN, as NumPy's (NaN sorts last: the middle values read were finite, silently)
        with _library_constants():
            res = where(isnan(s[n - 1]), _np.nan, res)
    if keepdims:
        res = reshape(res, (1,) * nd) if nd != ndim(a) else expand_dims(res, axis)
    return res


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    """Covariance matrix of the variables in m's rows (columns with rowvar=False), like `numpy.cov`, weighted by
    integer frequencies `fweights` and reliability weights `aweights` (traced too) as NumPy weighs them; NumPy
    squeezes the result: one variable gives a 0-d array.

    >>> cov(_np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    >>> cov(_np.array([0.0, 1.0, 3.0]), aweights=_np.array([1.0, 1.0, 2.0]))
    array(2.)
    """
    _cov_dtype("cov", dtype)
    if ddof is not None and ddof != int(ddof):  # (NumPy's: cov(m, ddof=1.5) was read as 1.5)
        raise ValueError(f"numpy.cov: ddof must be integer, got {ddof!r}")
    X = atleast_2d(m)
    if not rowvar and shape(X)[0] != 1:
        X = transpose(X)
    if y is not None:
        Y = atleast_2d(y)
        X = concatenate([X, Y if rowvar or shape(Y)[0] == 1 else transpose(Y)], axis=0)
    ddof = (0 if bias else 1) if ddof is None else ddof
    w = _cov_weights(fweights, aweights, shape(X)[1])
    if w is None:
        Xc = X - mean(X, axis=1, keepdims=True)
        # (a NumPy float64, not a Python float: NumPy computes cov in float64 whatever m's dtype, so a float32 m's
        # cov is float64, boundary.out_dtypes reading this constant as NumPy's promotion does)
        # (and NumPy's max(N − ddof, 0): ddof above N is inf, not a negative covariance)
        return squeeze(matmul(Xc, transpose(_ops.conj(Xc))) / _np.float64(builtins.max(shape(X)[1] - ddof, 0)))
    w_sum = sum(w)
    Xc = X - sum(X * w, axis=1, keepdims=True) / w_sum
    if ddof == 0:  # (NumPy's normalisation: Σw, less ddof frequencies or ddof·Σw·a/Σw of reliability weights)
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * sum(w * aweights) / w_sum
    return squeeze(matmul(Xc * w, transpose(_ops.conj(Xc))) / fact)


def _cov_dtype(name, dtype):
    """cov's and corrcoef's dtype= (NumPy's computation's dtype; a plain result is cast to it by `_stacking`, a traced
    one stays float64): a float or complex one, NumPy's refusal of any other (its float subtraction cannot be cast
    to an integer) said by name; main ignored dtype= (int and 'xx' silently accepted, float32 gave float64)."""
    if dtype is not None and _np.dtype(dtype).kind not in "fc":
        raise TypeError(
            f"numpy.{name}(..., dtype={_np.dtype(dtype)}): the covariance is computed in dtype, whose float "
            f"subtraction cannot be cast to {_np.dtype(dtype)}; give a float or complex dtype (NumPy refuses it too)"
        )


def _cov_weights(fweights, aweights, n):
    """The product of cov's weights (None: none given), refused as NumPy refuses them: fweights not integers, either
    not 1-d of the observations' length, or negative (read where they are NumPy's values: a traced weight is not
    read, so the trace is not specialised to it)."""
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        if name == "fweights" and not isinstance(weights, _Traced):
            weights = _np.asarray(weights)
            if not _np.all(weights == _np.around(weights)):
                raise TypeError("fweights must be integer")
        if ndim(weights) != 1 or shape(weights)[0] != n:
            raise RuntimeError(f"incompatible numbers of samples and {name}")
        if not isinstance(weights, _Traced) and _np.any(_np.asarray(weights) < 0):
            raise ValueError(f"{name} cannot be negative")
        w = weights if w is None else w * weights
    return w


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients, cov / (σᵢσⱼ) clipped to [−1, 1], like `numpy.corrcoef`.

    >>> corrcoef(_np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    _cov_dtype("corrcoef", dtype)
    c = cov(x, y, rowvar)
    if ndim(c) == 0:
        return c / c
    sd = sqrt(real(diagonal(c)))
    c = c / sd[:, None] / sd[None, :]
    return clip(c, -1.0, 1.0)


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of (xp, fp) at x, like `numpy.interp` (fp[0] left of xp[0] and
    fp[-1] right of xp[-1], or `left`/`right`); x, xp and fp may be traced. The interval each x falls in is
    counted in the graph when x or xp is traced (so a prepared function is reused at other x: a time warp,
    a lookup table read at a computed point), from the values otherwise. `period`: x and xp taken modulo it,
    xp sorted and extended by one point each side, as NumPy's (left and right then unused). Same shape as x.

    >>> interp(_np.array([0.5, 3.0]), _np.array([0.0, 1.0, 2.0]), _np.array([0.0, 2.0, 6.0]))
    array([1., 6.])
    >>> interp(_np.array([3.5]), _np.array([0.0, 1.0, 2.0]), _np.array([0.0, 2.0, 6.0]), period=3.0)
    array([1.])
    """
    if period is not None:
        return _periodic_interp(x, xp, fp, period)
    x, xp, fp = (v if isinstance(v, _Traced) else _np.asarray(v, dtype=float) for v in (x, xp, fp))  # (lists)
    if ndim(xp) != 1 or shape(xp)[0] < 2 or shape(fp) != shape(xp):
        raise ValueError("interp takes 1-D xp and fp of one length (at least 2) and no period")
    j = _interval(x, xp)
    x0, f0, f1 = _pick(xp, j), _pick(fp, j), _pick(fp, j + 1)
    y = f0 + (x - x0) * ((f1 - f0) / (_pick(xp, j + 1) - x0))
    y = where(x < xp[0], fp[0] if left is None else left, y)
    return where(x > xp[-1], fp[-1] if right is None else right, y)


#: the most comparisons (entries of x times interior knots) interp counts in the graph; past it the intervals
#: are read from the values (the trace specialised to them), as NumPy's searchsorted, to bound the memory
_INTERP_COUNTED = 1 << 22


def _interval(x, xp):
    """The interval of xp each x falls in, NumPy's searchsorted(xp, x, 'right') - 1 clipped to 0..n-2: for
    sorted xp, the number of interior knots xp[1:-1] at or below x. Counted by a comparison and a sum (a
    piecewise-constant integer, no derivative) when x or xp is traced; NumPy's on the values otherwise."""
    n = shape(xp)[0]
    traced = isinstance(x, _Traced) or isinstance(xp, _Traced)
    if traced and int(_np.prod(shape(x))) * (n - 2) <= _INTERP_COUNTED:
        return sum(_ops.less_equal(xp[1:-1], expand_dims(x, -1)), axis=-1)
    xv, xpv = _np.asarray(_value(x), dtype=float), _np.asarray(_value(xp), dtype=float)
    return _np.clip(_np.searchsorted(xpv, xv, side="right") - 1, 0, n - 2)


def _pick(a, j):
    """a[j] for a 1-D a and an integer index j of any shape, traced (one gather_along equation) or not."""
    if not isinstance(j, _Traced):
        return take(a, j)
    return reshape(_gather_along(a, ravel(j), axis=0), shape(j))


def _periodic_interp(x, xp, fp, period):
    """numpy.interp(x, xp, fp, period=period): x and xp modulo |period| (traced: mod, derivative 1), xp sorted by its
    values (NumPy's argsort), one point wrapped onto each end, then the plain interpolation."""
    if _np.ndim(_value(period)) or _value(period) == 0:
        raise ValueError("interp's period must be a non-zero number")
    period = builtins.abs(float(_value(period)))

    def wrapped(v):
        return _ops.mod(v, period) if isinstance(v, _Traced) else _np.mod(_np.asarray(v, dtype=float), period)

    xp = wrapped(xp)
    fp = fp if isinstance(fp, _Traced) else _np.asarray(fp, dtype=float)
    if ndim(xp) != 1 or shape(fp) != shape(xp):
        raise ValueError("interp takes 1-D xp and fp of one length")
    order = _np.argsort(_np.asarray(_value(xp)))
    xp, fp = take(xp, order), take(fp, order)
    xp = concatenate([xp[-1:] - period, xp, xp[:1] + period])
    return interp(wrapped(x), xp, concatenate([fp[-1:], fp, fp[:1]]))


def correlate(a, v, mode="valid"):
    """Cross-correlation of two 1-D sequences, sum_n a[n + k] conj(v[n]), like `numpy.correlate`:
    a convolution with v reversed (and a swap, reversed, when v is the longer one, as NumPy does).

    >>> correlate(_np.array([1.0, 2.0, 3.0]), _np.array([0.0, 1.0]))
    array([2., 3.])
    """
    a, v = asarray(a), asarray(v)
    if ndim(a) == 0 or ndim(v) == 0:  # (NumPy's correlate, unlike its convolve, takes no number: was a 1-sequence)
        raise ValueError(
            f"object of too small depth for desired array (numpy.correlate takes 1-D sequences, got shapes "
            f"{shape(a)} and {shape(v)})"
        )
    if ndim(a) > 1 or ndim(v) > 1:
        raise ValueError(
            f"object too deep for desired array (numpy.correlate takes 1-D sequences, got shapes "
            f"{shape(a)} and {shape(v)})"
        )
    if shape(v)[0] > shape(a)[0]:
        return flip(_ops.conj(correlate(v, a, mode)))
    return convolve(a, flip(_ops.conj(v)), mode)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of y by the trapezoidal rule along `axis` (samples at x, or dx apart), like
    `numpy.trapezoid`.

    >>> float(trapezoid(_np.array([0.0, 1.0, 4.0])))
    3.0
    """
    axis = _in_range(axis, ndim(y))
    d = dx if x is None else diff(x, axis=axis if ndim(x) > 1 else -1)
    if x is not None and ndim(x) == 1 and ndim(y) > 1:
        d = reshape(d, (-1,) + (1,) * (ndim(y) - 1 - axis))
    upper = tuple(slice(1, None) if k == axis else slice(None) for k in range(ndim(y)))
    lower = tuple(slice(None, -1) if k == axis else slice(None) for k in range(ndim(y)))
    return sum(d * (y[upper] + y[lower]) / 2.0, axis=axis)


def histogram(a, bins=10, range=None, density=None, weights=None):
    """Counts of a's entries in each bin and the bin edges, like `numpy.histogram`. The counts are
    constants (read from the values: piecewise constant in a, zero derivative); with `weights` they are
    the sums of the weights in each bin, linear in the weights (traced weights: a segment sum); edges
    NumPy computes from the data (`bins` a number or an estimator's name, no `range`) are
    min(a) + (max(a) − min(a))·k/n, so they differentiate through min and max; edges given (traced or
    not) are returned as they are; with `density` the counts are divided by their sum and the bin widths.

    Shape contract: a and weights (of a's shape) are flattened; counts (n,), edges (n + 1,).

    >>> histogram(_np.array([0.0, 1.0, 1.0]), bins=2)
    (array([1, 2]), array([0. , 0.5, 1. ]))
    >>> histogram(_np.array([0.0, 1.0, 1.0]), bins=2, weights=_np.array([0.5, 1.0, 2.0]))[0]
    array([0.5, 3. ])
    """
    values = _np.asarray(_value(a))
    counts, edges = _np.histogram(values, _value(bins), range, weights=_value_of_weights(weights, values))
    if _contains_traced(weights):
        counts = _weighted_counts(values, edges, weights, counts)
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


def _numbers(x):
    """x's numbers without reading them as the trace's (no specialisation: the counts are linear in the weights)."""
    if isinstance(x, (list, tuple)):
        return _np.asarray([_numbers(v) for v in x])
    while isinstance(x, _Traced):
        x = x.value
    return _np.asarray(x)


def _value_of_weights(weights, values):
    """The weights' numbers for NumPy's histogram (traced weights: their values), of a's shape as NumPy wants."""
    if not _contains_traced(weights):
        return weights
    w = _numbers(weights)
    if w.shape != values.shape:
        raise ValueError(f"numpy.histogram: weights should have the same shape as a, {w.shape} != {values.shape}")
    return w


def _bins_of(x, edges):
    """Each entry's bin as NumPy's histograms bin it: k where edges[k] ≤ x < edges[k + 1], the last bin closed on the
    right; n (one past the last) for an entry outside the edges, or NaN."""
    e = _np.asarray(edges, dtype=float)
    n = e.size - 1
    k = _np.searchsorted(e, x, side="right") - 1
    k = _np.where(x == e[-1], n - 1, k)
    return _np.where((x >= e[0]) & (x <= e[-1]), k, n)


def _weighted_counts(values, edges, weights, counts):
    """Σ of the traced weights of the entries in each bin (`edges`: one array, or one per dimension of `values`' rows):
    a scatter-add of the flattened weights (linear in them) into one slot per bin and one more, the discard of the
    entries outside, then the bins. NumPy's weighted counts check that the bins are NumPy's."""
    if isinstance(edges, list):  # (histogramdd: the flat index of each row's bin, C order)
        per = [_bins_of(values[:, d], e) for d, e in enumerate(edges)]
        sizes = tuple(_np.size(e) - 1 for e in edges)
        outside = _np.any([k == n for k, n in zip(per, sizes)], axis=0)
        flat = _np.ravel_multi_index([_np.minimum(k, n - 1) for k, n in zip(per, sizes)], sizes) if per else 0
        k, slots = _np.where(outside, int(_np.prod(sizes)), flat), int(_np.prod(sizes))
    else:
        sizes = (_np.size(edges) - 1,)
        k, slots = _bins_of(values.ravel(), edges), sizes[0]
    w = _numbers(weights).ravel().astype(float)
    ours, size = (_np.bincount(k, v, minlength=slots + 1)[:slots] for v in (w, _np.abs(w)))
    with _np.errstate(invalid="ignore"):  # (NumPy sums in another order: round-off of the bin's Σ|w|)
        same = _np.isclose(ours, _np.ravel(counts), rtol=0, atol=0, equal_nan=True) | (
            _np.abs(ours - _np.ravel(counts)) <= 1e-12 * size
        )
    if not same.all():
        raise AssertionError("numpy.histogram with traced weights: difflab's bins are not NumPy's")  # (a bug)
    return reshape(_ops.scatter_add(ravel(asarray(weights)), idx=(k,), shape=(slots + 1,))[:slots], sizes)


def histogramdd(sample, bins=10, range=None, density=None, weights=None):
    """Counts of the rows of an (N, D) sample in D-dimensional bins and each dimension's edges, like
    `numpy.histogramdd`: the counts constants (with `weights`, the sums of the weights in each bin, linear
    in traced weights: a segment sum), the edges computed from the data differentiable through each
    column's min and max (as `histogram`'s), given edges returned as they are.

    >>> histogramdd(_np.array([[0.0, 1.0], [1.0, 0.0]]), bins=2)[0]
    array([[0., 1.],
           [1., 0.]])
    """
    cols = sample if type(sample) in (list, tuple) else [sample[:, d] for d in builtins.range(shape(sample)[1])]
    values = _np.stack([_np.asarray(_value(c), dtype=float) for c in cols], axis=1)
    dims = values.shape[1]
    per = list(bins) if type(bins) in (list, tuple) else [bins] * dims
    counts, edges = _np.histogramdd(
        values, [_value(b) for b in per], range, weights=_value_of_weights(weights, values[:, 0])
    )
    if _contains_traced(weights):
        counts = _weighted_counts(values, list(edges), weights, counts)
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
    try:  # NumPy's rule: a number is for both, a pair is per axis, any other length one array of edges for both
        n = len(bins)  # (x and y edges of different lengths: not one array, np.ndim of them was a ValueError)
    except TypeError:
        n = 1
    if n not in (1, 2):
        bins = [bins, bins]
    counts, edges = histogramdd([x, y], bins, range, density, weights)
    return counts, edges[0], edges[1]
