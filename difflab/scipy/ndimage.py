"""`scipy.ndimage`'s linear filters on traced values: correlate1d, convolve1d, uniform_filter1d, uniform_filter,
gaussian_filter1d, gaussian_filter, sobel, prewitt and laplace, with SciPy's signatures and boundary modes ('reflect', 'constant',
'nearest', 'mirror', 'wrap' and the 'grid-' aliases). Compositions of difflab ops (a gather, a where, a
matmul), so all four methods differentiate them, in the input, in `weights` and in `cval`, to any order; the
transpose of each filter (reverse mode's rule) is the gather's scatter-add, the same filter's adjoint under
its boundary mode.

How it works. A 1-D filter of weights w (length L, centre L // 2 + origin) gives out[i] = Σ_j w[j] x̃[i + j − c],
where x̃ extends x past its ends by the mode. The extended index is mapped back into 0..n−1 in NumPy (a
constant index matrix, (n, L)): for x = [1, 2, 3], mode 'reflect' and L = 3, row 0 reads x[0], x[0], x[1]
(x̃ = 1 | 1 2 3 | 3); 'constant' reads any entry and `where` replaces the outside ones by cval. One `take`
along the axis gathers the windows, one matmul with w sums them.
"""

from __future__ import annotations

import math
import numbers

import numpy as _np

from .. import numpy as _dnp
from ..graph import Traced as _Traced

#: SciPy's filter modes, each with the one it behaves as (ndimage's filters treat the 'grid-' names so)
_MODES = {
    "reflect": "reflect",
    "grid-mirror": "reflect",
    "constant": "constant",
    "grid-constant": "constant",
    "nearest": "nearest",
    "mirror": "mirror",
    "wrap": "wrap",
    "grid-wrap": "wrap",
}


def _mode(mode, where):
    if not isinstance(mode, str) or mode not in _MODES:  # (a list was Python's "unhashable type: 'list'")
        raise ValueError(f"{where}: mode must be one of {', '.join(repr(m) for m in _MODES)}, not {mode!r}")
    return _MODES[mode]


def _extended(k, n, mode):
    """Index k (any integers) of the line extended by `mode`, mapped into 0..n−1 (clipped for 'constant',
    whose outside entries are replaced by cval)."""
    if mode == "nearest" or mode == "constant":
        return _np.clip(k, 0, n - 1)
    if mode == "wrap":
        return k % n
    if mode == "reflect":  # x̃ = … 3 2 1 | 1 2 3 | 3 2 1 …: period 2n
        m = k % (2 * n)
        return _np.where(m < n, m, 2 * n - 1 - m)
    if n == 1:  # 'mirror' of one entry: that entry everywhere
        return _np.zeros_like(k)
    m = k % (2 * n - 2)  # 'mirror': x̃ = … 3 2 | 1 2 3 | 2 1 …: period 2n − 2
    return _np.where(m < n, m, 2 * n - 2 - m)


def _axis(input, axis, where):
    nd = _np.ndim(input)
    if not isinstance(axis, numbers.Integral):  # (0.5 passed the range test, then indexed a shape: a bare TypeError)
        raise TypeError(f"{where}: axis must be an integer, not {type(axis).__name__} ({axis!r})")
    if not -nd <= axis < nd:
        raise ValueError(f"{where}: axis {axis} is out of range for an input of {nd} dimensions")
    return axis % nd


def _output(output, where):
    """SciPy's `output` may name float64 (what is computed); an array to write into is refused."""
    if output is None:
        return
    try:
        ok = not hasattr(output, "shape") and _np.dtype(output) == _np.float64
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(
            f"{where}: output={output!r} is not offered on traced values (an array is never written in place, "
            "and float64 results are computed); use the returned array"
        )


def _as_float(x):
    if isinstance(x, _Traced):
        return x
    x = _np.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype(float)
    return x


def correlate1d(input, weights, axis=-1, output=None, mode="reflect", cval=0.0, origin=0):
    """The 1-D correlation of `input` with `weights` along `axis`, like `scipy.ndimage.correlate1d`:
    out[i] = Σ_j weights[j] · x̃[i + j − (L // 2 + origin)], x̃ the input extended by `mode` (cval outside
    for 'constant'). Differentiable in input, weights and cval. Shape contract: input (...) with weights (L,)
    -> like input.

    >>> correlate1d(_np.array([1.0, 2.0, 3.0]), _np.array([1.0, 1.0, 1.0])).tolist()
    [4.0, 6.0, 8.0]
    """
    where = "correlate1d"
    _output(output, where)
    mode = _mode(mode, where)
    weights = _as_float(weights)
    if _np.ndim(weights) != 1 or _np.shape(weights)[0] < 1:
        raise ValueError(f"{where}: weights must be a non-empty 1-D array, got shape {_np.shape(weights)}")
    size = _np.shape(weights)[0]
    if not isinstance(origin, numbers.Integral) or not 0 <= size // 2 + origin < size:
        raise ValueError(
            f"{where}: invalid origin {origin!r} for {size} weights (need 0 <= {size} // 2 + origin < {size})"
        )
    if _np.ndim(cval) != 0:  # (an array was broadcast against the windows: a number SciPy refuses)
        raise ValueError(f"{where}: cval must be a single number, got shape {_np.shape(cval)}")
    if _dnp.iscomplexobj(weights):  # SciPy correlates with the conjugated weights (convolve1d undoes it)
        weights = _dnp.conj(weights)
    input = _as_float(input)
    axis = _axis(input, axis, where)
    n = _np.shape(input)[axis]
    if n == 0:
        return input * 1.0
    k = _np.arange(n)[:, None] + _np.arange(size)[None, :] - (size // 2 + origin)
    windows = _dnp.take(input, _extended(k, n, mode), axis=axis)  # (..., n, L, ...)
    if mode == "constant":
        inside = ((k >= 0) & (k < n)).reshape(k.shape + (1,) * (_np.ndim(input) - axis - 1))
        windows = _dnp.where(inside, windows, cval)
    return _dnp.matmul(_dnp.moveaxis(windows, axis + 1, -1), weights)


def convolve1d(input, weights, axis=-1, output=None, mode="reflect", cval=0.0, origin=0):
    """The 1-D convolution of `input` with `weights` along `axis`, like `scipy.ndimage.convolve1d`: correlate1d
    with the weights reversed (and SciPy's origin for them: −origin, one less for an even length).
    Shape contract: input (...) with weights (L,) -> like input.

    >>> convolve1d(_np.array([1.0, 2.0, 3.0]), _np.array([0.0, 0.0, 1.0]), mode="constant").tolist()
    [0.0, 1.0, 2.0]
    """
    weights = _as_float(weights)
    if _np.ndim(weights) != 1 or _np.shape(weights)[0] < 1:
        raise ValueError(f"convolve1d: weights must be a non-empty 1-D array, got shape {_np.shape(weights)}")
    if _dnp.iscomplexobj(weights):  # SciPy's convolve1d: conjugated here, so correlate1d's conjugation cancels
        weights = _dnp.conj(weights)
    origin = -origin
    if _np.shape(weights)[0] % 2 == 0:
        origin -= 1
    return correlate1d(input, weights[::-1], axis, output, mode, cval, origin)


def uniform_filter1d(input, size, axis=-1, output=None, mode="reflect", cval=0.0, origin=0):
    """The mean over a window of `size` entries along `axis`, like `scipy.ndimage.uniform_filter1d` (correlate1d
    with weights 1/size). Shape contract: like input.

    >>> uniform_filter1d(_np.array([1.0, 2.0, 6.0]), 3).tolist()
    [1.3333333333333333, 3.0, 4.666666666666667]
    """
    if not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"uniform_filter1d: size must be an integer >= 1, got {size!r}")
    # (int: NumPy refuses a bool shape, size=True: "expected a sequence of integers or a single integer")
    return correlate1d(input, _np.full(int(size), 1.0 / size), axis, output, mode, cval, origin)


def _per_axis(value, axes, name):
    """SciPy's per-axis parameter: one value for every filtered axis, or a sequence of one per axis."""
    if isinstance(value, (str, numbers.Number)) or _np.ndim(value) == 0:
        return [value] * len(axes)
    value = list(value)
    if len(value) != len(axes):
        raise RuntimeError(f"sequence argument {name} must have length equal to the number of axes ({len(axes)})")
    return value


def _axes(input, axes, where):
    nd = _np.ndim(input)
    if axes is None:
        return list(range(nd))
    axes = [axes] if _np.ndim(axes) == 0 else list(axes)  # (each then checked an integer by _axis)
    axes = [_axis(input, a, where) for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{where}: axes must be unique, got {axes}")
    return axes


def uniform_filter(input, size=3, output=None, mode="reflect", cval=0.0, origin=0, *, axes=None):
    """The mean over a box of `size` (a number or one per axis) entries, like `scipy.ndimage.uniform_filter`:
    uniform_filter1d along each of `axes` (all by default) whose size exceeds 1; mode and origin per axis too.
    Shape contract: like input.

    >>> uniform_filter(_np.array([[1.0, 2.0], [3.0, 4.0]]), 2, mode="nearest").tolist()
    [[1.0, 1.5], [2.0, 2.5]]
    """
    _output(output, "uniform_filter")
    input = _as_float(input)
    axes = _axes(input, axes, "uniform_filter")
    sizes = _per_axis(size, axes, "size")
    modes = _per_axis(mode, axes, "mode")
    origins = _per_axis(origin, axes, "origin")
    out = input
    for ax, s, m, o in zip(axes, sizes, modes, origins):
        if not isinstance(s, numbers.Real):  # (None or '3': Python's "'>' not supported between ...")
            raise TypeError(f"uniform_filter: size must be an integer or one per axis, got {s!r}")
        if s > 1:
            out = uniform_filter1d(out, s, ax, None, m, cval, o)
    return out * 1.0 if out is input else out


def _gaussian_kernel(sigma, order, radius):
    """The order-th derivative of the Gaussian of standard deviation sigma sampled at −radius..radius, the
    Gaussian normalised to sum 1 (SciPy's kernel): d^k/dx^k e^(−x²/2σ²) = (−1/σ)^k He_k(x/σ) e^(−x²/2σ²)."""
    x = _np.arange(-radius, radius + 1, dtype=float)
    phi = _np.exp(-0.5 * (x / sigma) ** 2)
    phi /= phi.sum()
    if order == 0:
        return phi
    hermite = _np.polynomial.hermite_e.hermeval(x / sigma, [0.0] * order + [1.0])
    return (-1.0 / sigma) ** order * hermite * phi


def gaussian_filter1d(input, sigma, axis=-1, order=0, output=None, mode="reflect", cval=0.0, truncate=4.0, *,
                      radius=None):  # fmt: skip
    """The 1-D Gaussian filter (order > 0: with that derivative of the Gaussian) along `axis`, like
    `scipy.ndimage.gaussian_filter1d`: the kernel's radius is int(truncate·sigma + 0.5) unless `radius` is given.
    sigma is a number (the kernel is a constant). Shape contract: like input.

    >>> gaussian_filter1d(_np.array([0.0, 1.0, 0.0]), 1.0, mode="constant").round(4).tolist()
    [0.242, 0.3989, 0.242]
    """
    where = "gaussian_filter1d"
    if isinstance(sigma, _np.ndarray) and sigma.ndim == 0:  # (a 0-d array, as SciPy takes it)
        sigma = sigma.item()
    if isinstance(sigma, _Traced) or not isinstance(sigma, numbers.Real):
        raise TypeError(
            f"{where}: sigma must be a number, not {type(sigma).__name__} (the kernel's width is read from it; "
            "to differentiate in the width, build the kernel with difflab.numpy and call correlate1d)"
        )
    if not isinstance(order, numbers.Integral) or order < 0:
        raise ValueError(f"{where}: order must be a non-negative integer, got {order!r}")
    if not sigma > 0 or math.isinf(sigma):  # (NaN and inf were int()'s bare "cannot convert float NaN to integer")
        raise ValueError(f"{where}: sigma must be a positive finite number, got {sigma!r}")
    if radius is None and (not isinstance(truncate, numbers.Real) or not math.isfinite(truncate)):
        raise ValueError(f"{where}: truncate must be a finite number (the kernel's radius in sigmas), got {truncate!r}")
    lw = int(truncate * float(sigma) + 0.5) if radius is None else radius
    if radius is None and lw < 0:  # (was "radius ... got None": the radius SciPy computes from truncate)
        raise ValueError(
            f"{where}: truncate={truncate!r} with sigma={sigma!r} gives a negative radius int(truncate * sigma + 0.5) = "
            f"{lw}; truncate must make it >= 0"
        )
    if not isinstance(lw, numbers.Integral) or lw < 0:
        raise ValueError(f"{where}: radius must be a non-negative integer, got {radius!r}")
    weights = _gaussian_kernel(float(sigma), order, int(lw))[::-1]
    return correlate1d(input, weights, axis, output, mode, cval, 0)


def gaussian_filter(input, sigma, order=0, output=None, mode="reflect", cval=0.0, truncate=4.0, *, radius=None,
                    axes=None):  # fmt: skip
    """The N-D Gaussian filter, like `scipy.ndimage.gaussian_filter`: gaussian_filter1d along each of `axes` (all
    by default) whose sigma exceeds 1e-15; sigma, order, mode and radius a value or one per axis.
    Shape contract: like input.

    >>> gaussian_filter(_np.eye(3), 1.0).round(4).tolist()[0]
    [0.5024, 0.3292, 0.1684]
    """
    _output(output, "gaussian_filter")
    input = _as_float(input)
    axes = _axes(input, axes, "gaussian_filter")
    per_axis = zip(
        axes,
        _per_axis(sigma, axes, "sigma"),
        _per_axis(order, axes, "order"),
        _per_axis(mode, axes, "mode"),
        _per_axis(radius, axes, "radius"),
    )
    out = input
    for ax, s, o, m, r in per_axis:
        if not isinstance(s, (numbers.Real, _Traced, _np.ndarray)):  # (None: Python's bare "'>' not supported")
            raise TypeError(f"gaussian_filter: sigma must be a number or one per axis, got {s!r}")
        if s > 1e-15:
            out = gaussian_filter1d(out, s, ax, o, None, m, cval, truncate, radius=r)
    return out * 1.0 if out is input else out


def _difference(input, axis, mode, cval, smooth, where):
    """SciPy's sobel/prewitt: the central difference [-1, 0, 1] along `axis`, then `smooth` along each other axis;
    mode is one value or one per axis of the input (SciPy's)."""
    x = _as_float(input)
    axis = _axis(x, axis, where)
    modes = _per_axis(mode, list(range(_np.ndim(x))), "mode")
    out = correlate1d(x, _np.array([-1.0, 0.0, 1.0]), axis, None, modes[axis], cval, 0)
    for ax in range(_np.ndim(x)):
        if ax != axis:
            out = correlate1d(out, smooth, ax, None, modes[ax], cval, 0)
    return out


def sobel(input, axis=-1, output=None, mode="reflect", cval=0.0):
    """The Sobel derivative along `axis`, like `scipy.ndimage.sobel`: correlate1d with [-1, 0, 1] along it and
    with [1, 2, 1] along every other axis (a float result, also for an integer input). Shape contract: like input.

    >>> sobel(_np.array([[0.0, 1.0, 3.0], [0.0, 1.0, 3.0]]), axis=1).tolist()
    [[4.0, 12.0, 8.0], [4.0, 12.0, 8.0]]
    """
    _output(output, "sobel")
    return _difference(input, axis, mode, cval, _np.array([1.0, 2.0, 1.0]), "sobel")


def prewitt(input, axis=-1, output=None, mode="reflect", cval=0.0):
    """The Prewitt derivative along `axis`, like `scipy.ndimage.prewitt`: correlate1d with [-1, 0, 1] along it
    and with [1, 1, 1] along every other axis. Shape contract: like input.

    >>> prewitt(_np.array([[0.0, 1.0, 3.0], [0.0, 1.0, 3.0]]), axis=1).tolist()
    [[3.0, 9.0, 6.0], [3.0, 9.0, 6.0]]
    """
    _output(output, "prewitt")
    return _difference(input, axis, mode, cval, _np.array([1.0, 1.0, 1.0]), "prewitt")


def laplace(input, output=None, mode="reflect", cval=0.0, *, axes=None):
    """The discrete Laplacian, like `scipy.ndimage.laplace`: the sum over `axes` (all by default) of correlate1d
    with [1, -2, 1] along each; mode one value or one per axis. Shape contract: like input.

    >>> laplace(_np.array([0.0, 1.0, 4.0, 9.0]), mode="nearest").tolist()
    [1.0, 2.0, 2.0, -5.0]
    """
    _output(output, "laplace")
    input = _as_float(input)
    axes = _axes(input, axes, "laplace")
    modes = _per_axis(mode, axes, "mode")
    out = None
    for ax, m in zip(axes, modes):
        term = correlate1d(input, _np.array([1.0, -2.0, 1.0]), ax, None, m, cval, 0)
        out = term if out is None else out + term
    return input * 1.0 if out is None else out  # (no axes: SciPy's copy of the input, not zeros)


__all__ = [
    "correlate1d",
    "convolve1d",
    "uniform_filter1d",
    "uniform_filter",
    "gaussian_filter1d",
    "gaussian_filter",
    "sobel",
    "prewitt",
    "laplace",
]
