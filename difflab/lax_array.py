"""`dl.lax`'s array functions: JAX's lax names for slicing, padding, contraction, reduction, sorting and the
elementwise math, with JAX 0.10's signatures, as thin functions over difflab.numpy's traceable ops (no registry
entries of their own, so every method, vmap and nesting take them from those ops' rules). A name whose function
is difflab.numpy's (`lax.exp`, `lax.add`, `lax.atan2`) is that object. Binary elementwise functions broadcast as
NumPy's do, where JAX's lax asks for equal shapes and dtypes. difflab computes in float64, so
`reduce_precision` to a narrower format is refused by name; `reduce` takes add, mul, max and min only (the
reductions). `conv_general_dilated` is JAX's N-d convolution as pad, gathers and one einsum. The cumulative
reductions (cumsum … cumlogsumexp) are scans: difflab/lax.py, beside associative_scan.

    >>> import difflab as dl, difflab.lax
    >>> dl.lax.dynamic_slice(np.arange(5.0), (4,), (2,)).tolist()  # the start clamps to 3, as JAX's does
    [3.0, 4.0]
    >>> dl.lax.pad(np.array([1.0, 2.0, 3.0]), 0.0, [(-1, 1, 1)]).tolist()  # (low, high, interior)
    [0.0, 2.0, 0.0, 3.0, 0.0]
"""

import builtins
import enum
import operator
import string

import numpy as np

from . import numpy as dnp
from .errors import UnsupportedOperationError
from .graph import Traced
from .scipy import special as _special

__all__ = ["dynamic_slice", "dynamic_update_slice", "dynamic_index_in_dim", "dynamic_slice_in_dim"]
__all__ += ["dynamic_update_index_in_dim", "dynamic_update_slice_in_dim", "slice", "slice_in_dim", "index_in_dim"]
__all__ += ["select", "select_n", "clamp", "rev", "pad", "concatenate", "broadcast_in_dim", "broadcast"]
__all__ += ["expand_dims", "squeeze", "reshape", "transpose", "dot", "dot_general", "batch_matmul"]
__all__ += ["reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce", "argmax", "argmin", "sort", "top_k"]
__all__ += ["rsqrt", "integer_pow", "square", "erf", "erfc", "erf_inv", "logistic", "lgamma", "digamma"]
__all__ += ["max", "min", "abs", "sign", "exp", "exp2", "log", "log1p", "expm1", "sqrt", "cbrt"]
__all__ += ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"]
__all__ += ["atan2", "pow", "add", "sub", "mul", "div", "rem", "neg", "floor", "ceil", "round", "RoundingMethod"]
__all__ += ["nextafter", "convert_element_type", "reduce_precision", "conv_general_dilated"]

# -- elementwise: difflab.numpy's own functions under JAX's names ---------------------------------------------------
abs = dnp.abs  # noqa: A001  (JAX's name, in this namespace only)
sign = dnp.sign
exp = dnp.exp
exp2 = dnp.exp2
log = dnp.log
log1p = dnp.log1p
expm1 = dnp.expm1
sqrt = dnp.sqrt
cbrt = dnp.cbrt
sin = dnp.sin
cos = dnp.cos
tan = dnp.tan
asin = dnp.arcsin
acos = dnp.arccos
atan = dnp.arctan
sinh = dnp.sinh
cosh = dnp.cosh
tanh = dnp.tanh
asinh = dnp.arcsinh
acosh = dnp.arccosh
atanh = dnp.arctanh
atan2 = dnp.arctan2
pow = dnp.power  # noqa: A001  (JAX's name, in this namespace only)
add = dnp.add
sub = dnp.subtract
mul = dnp.multiply
neg = dnp.negative
max = dnp.maximum  # noqa: A001  (elementwise, as JAX's; ties share the derivative)
min = dnp.minimum  # noqa: A001  (JAX's name, in this namespace only)
floor = dnp.floor
ceil = dnp.ceil
nextafter = dnp.nextafter
square = dnp.square
rem = dnp.fmod  # (C's remainder, with the dividend's sign: JAX's rem)
erf = _special.erf
erfc = _special.erfc
erf_inv = _special.erfinv
lgamma = _special.gammaln
digamma = _special.digamma
logistic = _special.expit


def _int(value, what: str) -> int:
    try:
        return operator.index(value if not isinstance(value, np.ndarray) or value.ndim else value.item())
    except TypeError:
        raise TypeError(f"dl.lax.{what} must be an integer, got {value!r}") from None


def _ints(values, what: str) -> tuple:
    return tuple(_int(v, what) for v in values)


def _dtype(x) -> np.dtype:
    return np.dtype(x.dtype) if isinstance(x, Traced) else np.result_type(x)


def _fresh(x):
    """x, or a copy where NumPy's answer is a view of an argument (outputs never alias inputs)."""
    return x if isinstance(x, Traced) else np.array(x)


def _axis(axis, ndim: int, what: str) -> int:
    axis = _int(axis, what)
    if not -ndim <= axis < builtins.max(ndim, 1):
        raise ValueError(f"dl.lax.{what}: axis {axis} is out of bounds for an array of {ndim} dimensions")
    return axis % builtins.max(ndim, 1)


def _ranked(operand, what: str) -> tuple:
    """operand's shape, which must have an axis (the *_in_dim functions slice along one: a 0-d operand has none)."""
    shape = np.shape(operand)
    if not shape:
        raise ValueError(
            f"dl.lax.{what}: the operand must have at least one axis, got shape () ({type(operand).__name__})"
        )
    return shape


def rsqrt(x, *, accuracy=None):
    """1/√x elementwise (JAX's rsqrt). Shape contract: x's shape.

    >>> rsqrt(np.array([4.0, 0.25])).tolist()
    [0.5, 2.0]
    """
    return 1.0 / dnp.sqrt(x)


def integer_pow(x, y):
    """x**y for a Python integer y (JAX's integer_pow; y = 0 gives ones). Shape contract: x's shape.

    >>> integer_pow(np.array([2.0, -3.0]), 3).tolist()
    [8.0, -27.0]
    """
    if isinstance(y, (bool, np.bool_)) or not isinstance(y, (int, np.integer)):
        raise TypeError(f"dl.lax.integer_pow: the exponent must be a Python integer, got {y!r}")
    return dnp.power(x, int(y))


def div(x, y):
    """x / y; between integers rounded toward zero, as JAX's div (C's division, not Python's floor). Shape contract:
    broadcast(x, y).

    >>> div(np.array([7, -7]), 2).tolist(), div(1.0, 4.0)
    ([3, -3], 0.25)
    """
    if _dtype(x).kind in "fc" or _dtype(y).kind in "fc":
        return dnp.divide(x, y)
    quotient = dnp.floor_divide(dnp.abs(x), dnp.abs(y))
    return dnp.where((dnp.less(x, 0)) != (dnp.less(y, 0)), -quotient, quotient)


class RoundingMethod(enum.IntEnum):
    """JAX's lax.RoundingMethod: how `round` breaks ties at .5."""

    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):  # noqa: A001  (JAX's name, in this namespace only)
    """x rounded to an integer value, ties away from zero (JAX's default) or to even. Shape contract: x's shape.

    >>> round(np.array([0.5, 1.5, -2.5])).tolist(), round(np.array([0.5, 1.5]), RoundingMethod.TO_NEAREST_EVEN).tolist()
    ([1.0, 2.0, -3.0], [0.0, 2.0])
    """
    try:
        method = (
            RoundingMethod[rounding_method] if isinstance(rounding_method, str) else RoundingMethod(rounding_method)
        )
    except (KeyError, ValueError):
        raise ValueError(
            f"dl.lax.round: {rounding_method!r} is not a valid RoundingMethod (0, 1 or their names)"
        ) from None
    if method is RoundingMethod.TO_NEAREST_EVEN:
        return dnp.rint(x)
    whole = dnp.trunc(
        x
    )  # (|x - trunc x| ≥ ½ is exact in floating point; floor(|x| + ½) is not, at 0.49999999999999994)
    return dnp.where(dnp.abs(x - whole) >= 0.5, whole + dnp.sign(x), whole)


def convert_element_type(operand, new_dtype):
    """operand as new_dtype (JAX's convert_element_type; to an integer dtype the values are read, as astype's).

    >>> convert_element_type(np.array([1, 2]), np.float64).tolist()
    [1.0, 2.0]
    """
    return dnp.astype(dnp.asarray(operand), np.dtype(new_dtype))


def reduce_precision(operand, exponent_bits, mantissa_bits):
    """operand rounded to a float format of the given bits: float64's own (11, 52) is the identity (a copy); a
    narrower format is refused by name, since difflab computes in float64 throughout.

    >>> reduce_precision(np.array([0.1]), 11, 52).tolist()
    [0.1]
    """
    if (_int(exponent_bits, "reduce_precision's exponent_bits"), _int(mantissa_bits, "mantissa_bits")) != (11, 52):
        raise UnsupportedOperationError(
            f"dl.lax.reduce_precision to exponent_bits={exponent_bits}, mantissa_bits={mantissa_bits} is not "
            "supported: difflab computes in float64 (11, 52), which is the only format it keeps"
        )
    return dnp.asarray(operand) + 0.0 if isinstance(operand, Traced) else np.array(operand, dtype=np.float64)


# -- selection ---------------------------------------------------------------------------------------------------------


def select(pred, on_true, on_false):
    """on_true where the boolean pred holds, else on_false (JAX's select). Shape contract: pred's shape or ().

    >>> select(np.array([True, False]), np.array([1.0, 2.0]), np.array([3.0, 4.0])).tolist()
    [1.0, 4.0]
    """
    return _select(pred, (on_false, on_true), "select's pred")


def select_n(which, *cases):
    """cases[which] elementwise (JAX's select_n: a boolean which picks between two cases, False the first).
    Shape contract: the cases share one shape; which has it or is a scalar.

    >>> select_n(np.array([2, 0]), np.array([1.0, 1.0]), np.array([2.0, 2.0]), np.array([3.0, 3.0])).tolist()
    [3.0, 1.0]
    """
    return _select(which, cases, "select_n's `which`")


def _select(which, cases: tuple, what: str):
    if not cases:
        raise ValueError("dl.lax.select_n needs at least one case")
    kind = _dtype(which).kind
    if kind not in "biu":
        raise TypeError(f"dl.lax.{what} must be boolean or integer, got {_dtype(which)}")
    shapes = {np.shape(c) for c in cases}
    if len(shapes) != 1 or np.shape(which) not in ((), *shapes):
        raise TypeError(
            f"dl.lax.{what.split()[0]} the cases need one shape and {what.split()[1]} that shape or (), got "
            f"{np.shape(which)} and cases {[np.shape(c) for c in cases]}"
        )
    if kind == "b" and len(cases) > 2:
        raise TypeError(f"dl.lax.select_n: a boolean `which` selects between 2 cases, got {len(cases)}")
    out = cases[0]
    for i, case in enumerate(cases[1:], 1):
        out = dnp.where(which if kind == "b" else dnp.equal(which, i), case, out)
    return out if len(cases) > 1 else _fresh(dnp.asarray(out))


def clamp(min, x, max):  # noqa: A002  (JAX's parameter names)
    """x clipped to [min, max] (JAX's clamp, bounds first; at a tie neither x nor the bound gets a derivative, as
    JAX's). Shape contract: x's shape; each bound x's shape or ().

    >>> clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    for name, bound in (("min", min), ("max", max)):
        if np.shape(bound) not in ((), np.shape(x)):
            raise TypeError(f"dl.lax.clamp: {name} needs shape () or x's {np.shape(x)}, got {np.shape(bound)}")
    inside = dnp.logical_and(dnp.greater(x, min), dnp.less(x, max))
    tie = dnp.where(dnp.less(x, min), min, dnp.where(dnp.greater(x, max), max, dnp.stop_gradient(x)))
    return dnp.where(inside, x, tie)


# -- slicing: static bounds, and starts that clamp into range (JAX's dynamic_*) ----------------------------------------


def slice(operand, start_indices, limit_indices, strides=None):  # noqa: A001  (JAX's name, in this namespace only)
    """operand[start:limit:stride] along every axis (JAX's slice: bounds within the shape, no wrapping).
    Shape contract: ceil((limit - start) / stride) along each axis.

    >>> slice(np.arange(10.0), (1,), (8,), (3,)).tolist()
    [1.0, 4.0, 7.0]
    """
    shape = np.shape(operand)
    starts, limits = _ints(start_indices, "slice's start_indices"), _ints(limit_indices, "slice's limit_indices")
    steps = (1,) * len(shape) if strides is None else _ints(strides, "slice's strides")
    if not len(starts) == len(limits) == len(steps) == len(shape):
        raise TypeError(
            f"dl.lax.slice: start_indices {starts}, limit_indices {limits} and strides {steps} need one entry per "
            f"axis of the operand's shape {shape}"
        )
    if any(not 0 <= s <= e <= n or t < 1 for s, e, t, n in zip(starts, limits, steps, shape)):
        raise TypeError(
            f"dl.lax.slice: needs 0 ≤ start ≤ limit ≤ size and stride ≥ 1 on every axis, got start_indices "
            f"{starts}, limit_indices {limits}, strides {steps} for shape {shape}"
        )
    return _fresh(dnp.asarray(operand)[tuple(builtins.slice(s, e, t) for s, e, t in zip(starts, limits, steps))])


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    """operand[start:limit:stride] along one axis (JAX's slice_in_dim: None is the end, a negative index counts from
    the end). Shape contract: operand's shape with that axis sliced.

    >>> slice_in_dim(np.arange(6.0).reshape(2, 3), -2, None, axis=1).tolist()
    [[1.0, 2.0], [4.0, 5.0]]
    """
    shape = np.shape(operand)
    axis = _axis(axis, len(shape), "slice_in_dim")
    n = shape[axis]
    start = 0 if start_index is None else _int(start_index, "slice_in_dim's start_index")
    limit = n if limit_index is None else _int(limit_index, "slice_in_dim's limit_index")
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis] = start + n if start < 0 else start, limit + n if limit < 0 else limit
    strides[axis] = stride
    return slice(operand, starts, limits, strides)


def index_in_dim(operand, index, axis=0, keepdims=True):
    """operand's entry `index` along `axis` (negative counts from the end), that axis kept as length 1 or dropped
    (JAX's index_in_dim).

    >>> index_in_dim(np.arange(6.0).reshape(2, 3), -1, axis=1, keepdims=False).tolist()
    [2.0, 5.0]
    """
    shape = np.shape(operand)
    axis = _axis(axis, len(shape), "index_in_dim")
    i = _int(index, "index_in_dim's index")
    if not -shape[axis] <= i < shape[axis]:
        raise IndexError(f"dl.lax.index_in_dim: index {i} is out of bounds for axis {axis} of size {shape[axis]}")
    out = slice_in_dim(operand, i % shape[axis], i % shape[axis] + 1, axis=axis)
    return out if keepdims else _fresh(dnp.squeeze(out, axis))


def _starts(operand_shape: tuple, start_indices, sizes: tuple, allow_negative, what: str) -> list:
    """The start indices JAX's dynamic_slice uses: a negative one counted from the end (allow_negative_indices), then
    each clamped into [0, size - slice size], so that the window always lies inside; traced ones stay traced."""
    starts = list(start_indices) if not isinstance(start_indices, np.ndarray) else list(start_indices.ravel())
    if isinstance(start_indices, Traced):
        starts = [start_indices[i] for i in range(start_indices.shape[0])]
    if len(starts) != len(operand_shape):
        raise ValueError(
            f"dl.lax.{what}: {len(starts)} start indices for an operand of {len(operand_shape)} dimensions "
            f"(shape {operand_shape}): one per axis"
        )
    negative = [allow_negative] * len(starts) if isinstance(allow_negative, bool) else list(allow_negative)
    out = []
    for s, n, k, wrap in zip(starts, operand_shape, sizes, negative):
        if not isinstance(s, Traced):
            s = _int(s, f"{what}'s start indices")
            out.append(builtins.min(builtins.max(s + n if wrap and s < 0 else s, 0), n - k))
            continue
        if np.dtype(s.dtype).kind not in "iu":
            raise TypeError(f"dl.lax.{what}: start indices must be integers, got a traced {s.dtype}")
        out.append(dnp.clip(dnp.where(dnp.less(s, 0), s + n, s) if wrap else s, 0, n - k))
    return out


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices=True):
    """The window of shape slice_sizes at start_indices (JAX's dynamic_slice). As JAX's, a start never reads past an
    edge: a negative start counts from the end, then each is clamped into [0, size - slice size], so
    dynamic_slice(x, (4,), (2,)) of a length-5 x is x[3:5]. Starts may be traced integers (vmap's batched ones).
    Shape contract: slice_sizes.

    >>> dynamic_slice(np.arange(12.0).reshape(3, 4), (5, -1), (2, 2)).tolist()
    [[6.0, 7.0], [10.0, 11.0]]
    """
    shape = np.shape(operand)
    sizes = _ints(slice_sizes, "dynamic_slice's slice_sizes")
    if len(sizes) != len(shape) or any(not 0 <= k <= n for k, n in zip(sizes, shape)):
        raise TypeError(
            f"dl.lax.dynamic_slice: slice_sizes {sizes} must have one entry per axis, each at most the operand's "
            f"shape {shape}"
        )
    out = dnp.asarray(operand)
    for axis, (s, k) in enumerate(
        zip(_starts(shape, start_indices, sizes, allow_negative_indices, "dynamic_slice"), sizes)
    ):
        if isinstance(s, Traced):
            out = dnp.take(out, s + np.arange(k), axis=axis)
        else:
            out = out[(builtins.slice(None),) * axis + (builtins.slice(s, s + k),)]
    return _fresh(out)


def dynamic_update_slice(operand, update, start_indices, *, allow_negative_indices=True):
    """operand with `update` written over the window at start_indices, clamped as dynamic_slice's (JAX's
    dynamic_update_slice; operand itself is not changed). Shape contract: operand's shape.

    >>> dynamic_update_slice(np.zeros(4), np.array([1.0, 2.0]), (3,)).tolist()
    [0.0, 0.0, 1.0, 2.0]
    """
    shape, ushape = np.shape(operand), np.shape(update)
    if len(ushape) != len(shape) or any(k > n for k, n in zip(ushape, shape)):
        raise TypeError(
            f"dl.lax.dynamic_update_slice: update shape {ushape} must have the operand's rank and fit in its shape {shape}"
        )
    if _dtype(operand) != _dtype(update):
        raise TypeError(
            f"dl.lax.dynamic_update_slice: operand and update need one dtype, got {_dtype(operand)} and {_dtype(update)}"
        )
    starts = _starts(shape, start_indices, ushape, allow_negative_indices, "dynamic_update_slice")
    if 0 in ushape:
        return _fresh(dnp.asarray(operand))  # (nothing written)
    spread, inside = dnp.asarray(update), np.bool_(True)
    for axis, (s, k, n) in enumerate(zip(starts, ushape, shape)):
        at = np.arange(n) - s  # (each position's index into update along this axis, in range inside the window)
        spread = dnp.take(spread, dnp.clip(at, 0, k - 1), axis=axis)
        window = dnp.logical_and(dnp.greater_equal(at, 0), dnp.less(at, k))
        inside = dnp.logical_and(inside, dnp.reshape(window, (n,) + (1,) * (len(shape) - axis - 1)))
    return dnp.where(inside, spread, operand)


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *, allow_negative_indices=True):
    """dynamic_slice along one axis (the others whole). Shape contract: operand's with that axis slice_size.

    >>> dynamic_slice_in_dim(np.arange(5.0), 4, 3).tolist()
    [2.0, 3.0, 4.0]
    """
    shape = _ranked(operand, "dynamic_slice_in_dim")
    axis = _axis(axis, len(shape), "dynamic_slice_in_dim")
    starts, sizes = [0] * len(shape), list(shape)
    starts[axis], sizes[axis] = start_index, slice_size
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True, *, allow_negative_indices=True):
    """dynamic_slice of length 1 along `axis`, kept or dropped (JAX's dynamic_index_in_dim: the index clamps).

    >>> dynamic_index_in_dim(np.arange(6.0).reshape(2, 3), 7, axis=1, keepdims=False).tolist()
    [2.0, 5.0]
    """
    axis = _axis(axis, len(_ranked(operand, "dynamic_index_in_dim")), "dynamic_index_in_dim")
    out = dynamic_slice_in_dim(operand, index, 1, axis, allow_negative_indices=allow_negative_indices)
    return out if keepdims else _fresh(dnp.squeeze(out, axis))


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *, allow_negative_indices=True):
    """dynamic_update_slice at start_index along `axis` (0 along the others).

    >>> dynamic_update_slice_in_dim(np.zeros(3), np.array([5.0]), -1, 0).tolist()
    [0.0, 0.0, 5.0]
    """
    axis = _axis(axis, len(_ranked(operand, "dynamic_update_slice_in_dim")), "dynamic_update_slice_in_dim")
    starts = [0] * np.ndim(operand)
    starts[axis] = start_index
    return dynamic_update_slice(operand, update, starts, allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand, update, index, axis, *, allow_negative_indices=True):
    """operand with entry `index` along `axis` replaced by update (which may lack that axis: JAX's
    dynamic_update_index_in_dim).

    >>> dynamic_update_index_in_dim(np.zeros((2, 2)), np.array([1.0, 2.0]), 1, 0).tolist()
    [[0.0, 0.0], [1.0, 2.0]]
    """
    axis = _axis(axis, np.ndim(operand), "dynamic_update_index_in_dim")
    if np.ndim(update) != np.ndim(operand):
        update = dnp.expand_dims(update, axis)
    return dynamic_update_slice_in_dim(operand, update, index, axis, allow_negative_indices=allow_negative_indices)


# -- shape: padding, reversing, joining, broadcasting, reshaping ------------------------------------------------------


def rev(operand, dimensions):
    """operand reversed along each axis in `dimensions` (JAX's rev). Shape contract: operand's shape.

    >>> rev(np.arange(4.0).reshape(2, 2), (0, 1)).tolist()
    [[3.0, 2.0], [1.0, 0.0]]
    """
    axes = _ints(dimensions, "rev's dimensions")
    if any(not 0 <= a < np.ndim(operand) for a in axes) or len(set(axes)) != len(axes):
        raise TypeError(
            f"dl.lax.rev: dimensions {axes} must be distinct axes of an operand of shape {np.shape(operand)}"
        )
    return _fresh(dnp.flip(operand, axes) if axes else dnp.asarray(operand))


def _filled(value, shape: tuple, like):
    """`value` (a scalar, traced or not) spread over `shape` in like's dtype."""
    return dnp.broadcast_to(
        dnp.astype(dnp.asarray(value), _dtype(like)) if not isinstance(value, Traced) else value, shape
    )


def pad(operand, padding_value, padding_config):
    """operand padded by padding_value along each axis by (low, high, interior) from padding_config (JAX's pad):
    `interior` values between neighbours, then `low` before and `high` after; a negative low or high removes that
    many entries from that end instead. The derivative reaches operand and padding_value. Shape contract: along
    each axis, low + n + (n - 1)·interior + high (which must be ≥ 0).

    >>> pad(np.array([[1.0, 2.0]]), -1.0, [(0, 0, 0), (1, -1, 2)]).tolist()
    [[-1.0, 1.0, -1.0, -1.0]]
    """
    if isinstance(padding_config, (str, bytes)) or not all(isinstance(c, (tuple, list)) for c in padding_config):
        raise ValueError(
            f"dl.lax.pad: padding_config needs one (low, high, interior) per axis of the operand's shape "
            f"{np.shape(operand)}, got {padding_config!r}"
        )
    shape, config = np.shape(operand), [_ints(c, "pad's padding_config") for c in padding_config]
    if np.ndim(padding_value) != 0:
        raise TypeError(f"dl.lax.pad: padding_value must be a scalar, got shape {np.shape(padding_value)}")
    if len(config) != len(shape) or any(len(c) != 3 for c in config):
        raise ValueError(
            f"dl.lax.pad: padding_config needs one (low, high, interior) per axis of the operand's shape {shape}, got {config}"
        )
    if any(c[2] < 0 for c in config):
        raise ValueError(f"dl.lax.pad: interior padding must be nonnegative, got padding_config {config}")
    sizes = [lo + n + builtins.max(n - 1, 0) * i + hi for (lo, hi, i), n in zip(config, shape)]
    if any(size < 0 for size in sizes):
        raise ValueError(
            f"dl.lax.pad: a dimension would be negative after padding, {sizes}, for padding_config {config} and "
            f"operand shape {shape}"
        )
    out = dnp.asarray(operand)
    for axis, (lo, hi, interior) in enumerate(config):
        out = _pad_axis(out, padding_value, axis, lo, hi, interior)
    return _fresh(out)


def _pad_axis(x, value, axis: int, lo: int, hi: int, interior: int):
    shape = dnp.shape(x)
    n = shape[axis]
    if interior and n > 1:  # each entry followed by `interior` fill values, the last one's dropped
        spread = dnp.concatenate(
            [dnp.expand_dims(x, axis + 1), _filled(value, (*shape[: axis + 1], interior, *shape[axis + 1 :]), x)],
            axis + 1,
        )
        x = dnp.reshape(spread, (*shape[:axis], n * (interior + 1), *shape[axis + 1 :]))
        x = x[(builtins.slice(None),) * axis + (builtins.slice(0, n + (n - 1) * interior),)]
    n = dnp.shape(x)[axis]
    x = x[(builtins.slice(None),) * axis + (builtins.slice(builtins.max(-lo, 0), n - builtins.max(-hi, 0)),)]
    shape = dnp.shape(x)
    blocks = [_filled(value, (*shape[:axis], lo, *shape[axis + 1 :]), x)] if lo > 0 else []
    blocks += [x] + ([_filled(value, (*shape[:axis], hi, *shape[axis + 1 :]), x)] if hi > 0 else [])
    return dnp.concatenate(blocks, axis) if len(blocks) > 1 else x


def concatenate(operands, dimension):
    """operands joined along axis `dimension` (JAX's concatenate). Shape contract: operands' shape, that axis summed.

    >>> concatenate([np.ones(1), np.zeros(2)], 0).tolist()
    [1.0, 0.0, 0.0]
    """
    operands = list(operands)
    if not operands:
        raise ValueError("dl.lax.concatenate needs at least one operand")
    dimension = _int(dimension, "concatenate's dimension")
    shapes = [np.shape(x) for x in operands]
    if (
        any(len(s) != len(shapes[0]) or not 0 <= dimension < len(s) for s in shapes)
        or len({s[:dimension] + s[dimension + 1 :] for s in shapes}) != 1
    ):
        raise TypeError(
            f"dl.lax.concatenate: shapes {shapes} must agree except along dimension {dimension}, an axis of each"
        )
    return dnp.concatenate(operands, axis=dimension)


def broadcast_in_dim(operand, shape, broadcast_dimensions, *, out_sharding=None):
    """operand broadcast to `shape`, its axis i becoming axis broadcast_dimensions[i] (JAX's broadcast_in_dim: each
    operand size 1 or equal to its target's). Shape contract: `shape`.

    >>> broadcast_in_dim(np.array([1.0, 2.0]), (2, 3), (0,)).tolist()
    [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    shape, dims, have = (
        _ints(shape, "broadcast_in_dim's shape"),
        _ints(broadcast_dimensions, "dimensions"),
        np.shape(operand),
    )
    if (
        len(dims) != len(have)
        or list(dims) != sorted(set(dims))
        or any(not 0 <= d < len(shape) or n not in (1, shape[d]) for d, n in zip(dims, have))
    ):
        raise TypeError(
            f"dl.lax.broadcast_in_dim: operand of shape {have} cannot go to shape {shape} along broadcast_dimensions "
            f"{dims} (strictly increasing target axes, one per operand axis, each operand size 1 or the target's)"
        )
    kept = dict(zip(dims, have))
    return _fresh(dnp.broadcast_to(dnp.reshape(operand, tuple(kept.get(a, 1) for a in range(len(shape)))), shape))


def broadcast(operand, sizes, *, out_sharding=None):
    """operand repeated over new leading axes of `sizes` (JAX's broadcast). Shape contract: sizes + operand's shape.

    >>> broadcast(np.array([1.0, 2.0]), (2,)).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """
    sizes = _ints(sizes, "broadcast's sizes")
    return _fresh(dnp.broadcast_to(operand, sizes + np.shape(operand)))


def expand_dims(array, dimensions):
    """array with new axes of length 1 at `dimensions` (positions in the result, JAX's expand_dims).

    >>> expand_dims(np.ones(2), (0, 2)).shape
    (1, 2, 1)
    """
    return _fresh(dnp.expand_dims(array, _ints(dimensions, "expand_dims's dimensions")))


def squeeze(array, dimensions):
    """array without the axes `dimensions`, each of length 1 (JAX's squeeze).

    >>> squeeze(np.ones((1, 2, 1)), (0, 2)).shape
    (2,)
    """
    axes = _ints(dimensions, "squeeze's dimensions")
    shape = np.shape(array)
    if any(not -len(shape) <= a < len(shape) or shape[a] != 1 for a in axes):
        raise ValueError(f"dl.lax.squeeze: dimensions {axes} must be axes of length 1 of shape {shape}")
    return _fresh(dnp.squeeze(array, axes) if axes else dnp.asarray(array))


def reshape(operand, new_sizes, dimensions=None, *, out_sharding=None):
    """operand's entries, read in row-major order after transposing by `dimensions` if given, in shape new_sizes
    (JAX's reshape). Shape contract: new_sizes (with operand's number of entries).

    >>> reshape(np.arange(4.0).reshape(2, 2), (4,), (1, 0)).tolist()
    [0.0, 2.0, 1.0, 3.0]
    """
    shape, sizes = np.shape(operand), _ints(new_sizes, "reshape's new_sizes")
    if dimensions is not None:
        perm = _ints(dimensions, "reshape's dimensions")
        if sorted(perm) != list(range(len(shape))):
            raise TypeError(f"dl.lax.reshape: dimensions {perm} must be a permutation of the axes of shape {shape}")
        operand = dnp.transpose(operand, perm)
    if int(np.prod(sizes)) != int(np.prod(shape)) or any(s < 0 for s in sizes):
        raise TypeError(f"dl.lax.reshape: cannot reshape {shape} ({int(np.prod(shape))} entries) to {sizes}")
    return _fresh(dnp.reshape(operand, sizes))


def transpose(operand, permutation):
    """operand's axes permuted: result axis i is operand axis permutation[i] (JAX's transpose).

    >>> transpose(np.ones((2, 3)), (1, 0)).shape
    (3, 2)
    """
    perm = _ints(np.asarray(permutation).tolist(), "transpose's permutation")
    if sorted(perm) != list(range(np.ndim(operand))):
        raise TypeError(f"dl.lax.transpose: {perm} is not a permutation of the axes of shape {np.shape(operand)}")
    return _fresh(dnp.transpose(operand, perm))


# -- contraction -----------------------------------------------------------------------------------------------------


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None, *, out_sharding=None):
    """lhs and rhs contracted over ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)) (JAX's dot_general,
    one einsum). Shape contract: batch axes, then lhs's free axes, then rhs's, each in order.

    >>> dot_general(np.ones((2, 3, 4)), np.ones((2, 4, 5)), (((2,), (1,)), ((0,), (0,)))).shape
    (2, 3, 5)
    """
    try:
        (lc, rc), (lb, rb) = dimension_numbers
        lc, rc, lb, rb = (_ints(d, "dot_general's dimension_numbers") for d in (lc, rc, lb, rb))
    except (TypeError, ValueError):
        raise TypeError(
            f"dl.lax.dot_general: dimension_numbers must be ((lhs_contracting, rhs_contracting), (lhs_batch, "
            f"rhs_batch)), got {dimension_numbers!r}"
        ) from None
    ls, rs = np.shape(lhs), np.shape(rhs)
    for side, shape, axes in (("lhs", ls, lc + lb), ("rhs", rs, rc + rb)):
        if len(set(axes)) != len(axes) or any(not 0 <= a < len(shape) for a in axes):
            raise TypeError(
                f"dl.lax.dot_general: {side}'s contracting and batch dimensions {axes} must be distinct axes of its "
                f"shape {shape}"
            )
    if len(lc) != len(rc) or len(lb) != len(rb) or any(ls[a] != rs[b] for a, b in zip(lc + lb, rc + rb)):
        raise TypeError(
            f"dl.lax.dot_general: the paired dimensions of lhs {ls} and rhs {rs} must match in number and size, got "
            f"contracting {lc}/{rc} and batch {lb}/{rb}"
        )
    letters = iter(string.ascii_letters)
    left = [next(letters) for _ in ls]
    right = [next(letters) for _ in rs]
    for a, b in zip(lc + lb, rc + rb):
        right[b] = left[a]
    out = [left[a] for a in lb]
    out += [left[a] for a in range(len(ls)) if a not in lc + lb] + [
        right[b] for b in range(len(rs)) if b not in rc + rb
    ]
    return dnp.einsum(f"{''.join(left)},{''.join(right)}->{''.join(out)}", lhs, rhs)


def dot(lhs, rhs, *, dimension_numbers=None, precision=None, preferred_element_type=None, out_sharding=None):
    """The vector-vector, matrix-vector or matrix-matrix product (JAX's dot; with dimension_numbers, dot_general).

    >>> dot(np.array([[1.0, 2.0]]), np.array([3.0, 4.0])).tolist()
    [11.0]
    """
    if dimension_numbers is not None:
        return dot_general(lhs, rhs, dimension_numbers)
    if np.ndim(lhs) not in (1, 2) or np.ndim(rhs) not in (1, 2) or np.shape(lhs)[-1] != np.shape(rhs)[0]:
        raise ValueError(
            f"dl.lax.dot: shapes {np.shape(lhs)} and {np.shape(rhs)} are not a vector or matrix product with one "
            "contracted axis of equal size; give dimension_numbers (dot_general) for others"
        )
    return dnp.dot(lhs, rhs)


def batch_matmul(lhs, rhs, precision=None):
    """Matrix products over matching leading batch axes (JAX's batch_matmul: equal ranks ≥ 2).

    >>> batch_matmul(np.ones((4, 2, 3)), np.ones((4, 3, 5))).shape
    (4, 2, 5)
    """
    ls, rs = np.shape(lhs), np.shape(rhs)
    if len(ls) != len(rs) or len(ls) < 2 or ls[:-2] != rs[:-2] or ls[-1] != rs[-2]:
        raise ValueError(
            f"dl.lax.batch_matmul: shapes {ls} and {rs} need equal ranks ≥ 2, equal batch axes, {ls[-1:]} = rows"
        )
    return dnp.matmul(lhs, rhs)


# -- reductions and sorting ----------------------------------------------------------------------------------------


def _reduction(name: str, fn, spelled: str):
    def reduce_(operand, axes):
        axes = _ints(axes, f"{name}'s axes")
        if len(set(axes)) != len(axes) or any(not 0 <= a < np.ndim(operand) for a in axes):
            raise ValueError(f"dl.lax.{name}: axes {axes} must be distinct axes of shape {np.shape(operand)}")
        return _fresh(fn(operand, axis=axes))

    reduce_.__name__ = reduce_.__qualname__ = name
    reduce_.__doc__ = f"""`{spelled}` of operand over `axes` (JAX's {name}; ties of max/min share the derivative
    evenly). Shape contract: operand's shape without `axes`.

    >>> {name}(np.array([[1.0, 4.0], [3.0, 2.0]]), (0,)).tolist()
    {fn(np.array([[1.0, 4.0], [3.0, 2.0]]), axis=0).tolist()}
    """
    return reduce_


reduce_sum = _reduction("reduce_sum", dnp.sum, "sum")
reduce_max = _reduction("reduce_max", dnp.max, "max")
reduce_min = _reduction("reduce_min", dnp.min, "min")
reduce_prod = _reduction("reduce_prod", dnp.prod, "prod")


def reduce(operands, init_values, computation, dimensions, out_sharding=None):  # noqa: A001
    """operands folded over `dimensions` by computation from init_values (JAX's reduce) where computation is add,
    mul, max or min (lax's, difflab.numpy's, NumPy's or the operator module's): their reductions combined with
    the initial value, folded in once (XLA asks for the computation's identity there: JAX on CPU may fold another
    value in more than once); any other Python computation is refused by name. Shape contract: operands' without
    `dimensions`.

    >>> reduce(np.array([1.0, 2.0, 3.0]), 10.0, add, (0,)).tolist()
    16.0
    """
    if isinstance(operands, (list, tuple)):
        if len(operands) != 1:
            raise UnsupportedOperationError("dl.lax.reduce of several operands at once is not supported: reduce each")
        init = init_values[0] if isinstance(init_values, (list, tuple)) else init_values
        return reduce(operands[0], init, computation, dimensions)  # (bare, as JAX's add/mul/max/min path answers)
    if not callable(computation):
        raise TypeError(
            f"dl.lax.reduce: computation must be a function (add, mul, max, min), got {type(computation).__name__}"
        )
    table = {dnp.add: (reduce_sum, dnp.add), dnp.multiply: (reduce_prod, dnp.multiply)}
    table |= {dnp.maximum: (reduce_max, dnp.maximum), dnp.minimum: (reduce_min, dnp.minimum)}
    spelled = {np.add: dnp.add, operator.add: dnp.add, np.multiply: dnp.multiply, operator.mul: dnp.multiply}
    spelled |= {np.maximum: dnp.maximum, builtins.max: dnp.maximum, np.minimum: dnp.minimum, builtins.min: dnp.minimum}
    fold = table.get(spelled.get(computation, computation))
    if fold is None:
        raise UnsupportedOperationError(
            f"dl.lax.reduce: computation {getattr(computation, '__name__', computation)!r} is not supported: "
            "difflab reduces with add, mul, max or min (reduce_sum, reduce_prod, reduce_max, reduce_min); write "
            "another fold as a Python loop or with dl.lax.associative_scan"
        )
    return fold[1](fold[0](operands, dimensions), init_values)


def _as_index(indices, dtype):
    """Indices in JAX's index dtype; traced ones (read from a traced operand's order) stay difflab's int64."""
    return indices if isinstance(indices, Traced) else np.asarray(indices).astype(dtype)


def argmax(operand, axis, index_dtype):
    """The index of the largest entry along `axis` (the first of ties; JAX's argmax). Shape contract: operand's
    shape without `axis`.

    >>> argmax(np.array([[1.0, 4.0], [3.0, 2.0]]), 1, np.int32).tolist()
    [1, 0]
    """
    axis = _axis(axis, np.ndim(operand), "argmax")
    return _as_index(dnp.argmax(operand, axis=axis), index_dtype)


def argmin(operand, axis, index_dtype):
    """The index of the smallest entry along `axis` (the first of ties; JAX's argmin).

    >>> argmin(np.array([[1.0, 4.0], [3.0, 2.0]]), 0, np.int32).tolist()
    [0, 1]
    """
    axis = _axis(axis, np.ndim(operand), "argmin")
    return _as_index(dnp.argmin(operand, axis=axis), index_dtype)


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    """operand sorted along `dimension`; a sequence of operands of one shape sorted together by its first num_keys
    (lexicographically, the first most significant), returned as a tuple (JAX's sort). Shape contract: operand's.

    >>> sort((np.array([2.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0])))[1].tolist()
    [1.0, 0.0, 2.0]
    """
    if not isinstance(operand, (list, tuple)):
        return _fresh(dnp.sort(operand, axis=_axis(dimension, np.ndim(operand), "sort")))
    operands = list(operand)
    num_keys = _int(num_keys, "sort's num_keys")
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"dl.lax.sort: num_keys={num_keys} must be between 1 and the {len(operands)} operands")
    if len({np.shape(x) for x in operands}) != 1:
        raise TypeError(f"dl.lax.sort: the operands need one shape, got {[np.shape(x) for x in operands]}")
    axis = _axis(dimension, np.ndim(operands[0]), "sort")
    keys = operands[:num_keys]
    order = dnp.lexsort(keys[::-1], axis=axis) if num_keys > 1 else dnp.argsort(keys[0], axis=axis, kind="stable")
    return tuple(_fresh(dnp.take_along_axis(x, order, axis=axis)) for x in operands)


def top_k(operand, k, *, axis=-1):
    """The k largest entries along `axis`, largest first, and their indices (int32, int64 while traced; the lower
    index first among ties), as JAX's top_k. Shape contract: operand's shape with that axis k, twice.

    >>> values, indices = top_k(np.array([1.0, 3.0, 2.0, 3.0]), 3)
    >>> values.tolist(), indices.tolist()
    ([3.0, 3.0, 2.0], [1, 3, 2])
    """
    axis, k = _axis(axis, np.ndim(operand), "top_k"), _int(k, "top_k's k")
    if not 0 <= k <= np.shape(operand)[axis]:
        raise ValueError(
            f"dl.lax.top_k: k={k} must be between 0 and the size {np.shape(operand)[axis]} along axis {axis}"
        )
    order = dnp.argsort(dnp.negative(operand), axis=axis, kind="stable")
    order = _as_index(dnp.take(order, np.arange(k), axis=axis), np.int32)
    return _fresh(dnp.take_along_axis(operand, order, axis=axis)), order


# -- convolution: pad (dilation and padding), one gather per spatial axis, one einsum -------------------------------


def _conv_specs(dimension_numbers, ndim: int) -> tuple:
    """(lhs, rhs, out) axis permutations to the canonical (N, C, spatial...), (O, I, spatial...), (N, C, spatial...)
    layouts, from None, three int tuples (ConvDimensionNumbers) or three strings such as ('NHWC', 'HWIO', 'NHWC')
    whose spatial letters pair up in the rhs spec's order, as JAX's conv_general_permutations."""
    if dimension_numbers is None:
        return (tuple(range(ndim)),) * 3
    specs = tuple(dimension_numbers)
    if len(specs) != 3:
        raise TypeError(f"dl.lax.conv_general_dilated: dimension_numbers needs (lhs, rhs, out) specs, got {specs!r}")
    if not all(isinstance(s, str) for s in specs):
        return tuple(_ints(s, "conv_general_dilated's dimension_numbers") for s in specs)
    lhs, rhs, out = specs
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    spatial = [set(s) - set(p) for s, p in zip(specs, pairs)]
    if any(len(s) != ndim or len(set(s)) != ndim or a not in s or b not in s for s, (a, b) in zip(specs, pairs)) or (
        spatial[0] != spatial[1] or spatial[1] != spatial[2]
    ):
        raise TypeError(
            f"dl.lax.conv_general_dilated: dimension_numbers {specs} need N and C (lhs, out), O and I (rhs), and the "
            f"same spatial letters, each once, {ndim} per spec"
        )
    order = [c for c in rhs if c not in "OI"]
    return tuple(tuple(s.index(c) for c in (*p, *order)) for s, p in zip(specs, pairs))


def _conv_padding(padding, sizes: tuple, kernel: tuple, strides: tuple, lhs_dilation: tuple) -> list:
    if not isinstance(padding, str):
        pads = [_ints(p, "conv_general_dilated's padding") for p in padding]
        if len(pads) != len(sizes) or any(len(p) != 2 for p in pads):
            raise ValueError(
                f"dl.lax.conv_general_dilated: padding needs one (low, high) per spatial axis, got {padding}"
            )
        return pads
    if padding not in ("VALID", "SAME", "SAME_LOWER"):
        raise ValueError(
            f"dl.lax.conv_general_dilated: padding {padding!r} is not 'VALID', 'SAME', 'SAME_LOWER' or pairs"
        )
    if any(d != 1 for d in lhs_dilation):
        raise ValueError(
            "dl.lax.conv_general_dilated: a padding string with lhs_dilation is refused, as JAX's: give pairs"
        )
    if padding == "VALID":
        return [(0, 0)] * len(sizes)
    totals = [builtins.max((-(-n // s) - 1) * s + k - n, 0) for n, k, s in zip(sizes, kernel, strides)]
    return [((t + 1) // 2, t // 2) if padding == "SAME_LOWER" else (t // 2, (t + 1) // 2) for t in totals]


def conv_general_dilated(
    lhs,
    rhs,
    window_strides,
    padding,
    lhs_dilation=None,
    rhs_dilation=None,
    dimension_numbers=None,
    feature_group_count=1,
    batch_group_count=1,
    precision=None,
    preferred_element_type=None,
    out_sharding=None,
):
    """JAX's N-d convolution (a cross-correlation, the kernel not flipped): lhs (N, C, spatial…) against rhs (O, I,
    kernel…) in the layouts dimension_numbers names, with strides, padding ('VALID', 'SAME', 'SAME_LOWER' or
    (low, high) pairs, negative ones cropping), lhs_dilation (zeros between inputs: a transposed convolution),
    rhs_dilation (atrous), and feature or batch groups. Built as lax.pad, one gather of the windows per spatial
    axis and one einsum. Shape contract: out (N, O, ⌊(padded − dilated kernel) / stride⌋ + 1 …) in out's layout.

    >>> conv_general_dilated(np.arange(5.0).reshape(1, 1, 5), np.ones((1, 1, 2)), (2,), "VALID").tolist()
    [[[1.0, 5.0]]]
    """
    nd = np.ndim(lhs)
    if nd < 2 or np.ndim(rhs) != nd:
        raise TypeError(
            f"dl.lax.conv_general_dilated: lhs and rhs need one rank ≥ 2, got {np.shape(lhs)} and {np.shape(rhs)}"
        )
    lp, rp, op = _conv_specs(dimension_numbers, nd)
    x, w = transpose(lhs, lp), transpose(rhs, rp)
    (n, c, *sizes), (o, i, *kernel) = np.shape(x), np.shape(w)
    fg, bg = _int(feature_group_count, "feature_group_count"), _int(batch_group_count, "batch_group_count")
    spatial = nd - 2
    strides = _ints(window_strides, "window_strides")
    ld = (1,) * spatial if lhs_dilation is None else _ints(lhs_dilation, "lhs_dilation")
    rd = (1,) * spatial if rhs_dilation is None else _ints(rhs_dilation, "rhs_dilation")
    if fg < 1 or bg < 1 or (fg > 1 and bg > 1) or c != i * fg or o % (fg * bg) or n % bg:
        raise ValueError(
            f"dl.lax.conv_general_dilated: lhs (N, C) = ({n}, {c}) and rhs (O, I) = ({o}, {i}) need C = I · "
            f"feature_group_count ({fg}), O divisible by the group count and N by batch_group_count ({bg}), one "
            "of the two counts 1"
        )
    if not len(strides) == len(ld) == len(rd) == spatial or builtins.min((*strides, *ld, *rd), default=1) < 1:
        raise ValueError(f"dl.lax.conv_general_dilated: strides and dilations need {spatial} positive entries each")
    dilated = [(k - 1) * d + 1 for k, d in zip(kernel, rd)]
    pads = _conv_padding(padding, tuple(sizes), tuple(dilated), strides, ld)
    x = pad(x, 0.0, [(0, 0, 0), (0, 0, 0)] + [(lo, hi, d - 1) for (lo, hi), d in zip(pads, ld)])
    for axis, (k, d, s) in enumerate(zip(kernel, rd, strides)):  # axis `at` becomes (outputs, kernel taps)
        at, size = 2 + 2 * axis, np.shape(x)[2 + 2 * axis]
        count = builtins.max((size - (k - 1) * d - 1) // s + 1, 0)
        x = dnp.take(x, np.arange(count)[:, None] * s + np.arange(k)[None, :] * d, axis=at)
    return transpose(_conv_contract(x, w, fg, bg), tuple(np.argsort(op)))


def _conv_contract(x, w, fg: int, bg: int):
    """x (N, C, O₁, K₁, …) windows against w (O, I, K₁, …), grouped: C split in fg groups, or N in bg groups."""
    (n, c, *windows), (o, i, *_) = np.shape(x), np.shape(w)
    taps = string.ascii_uppercase[: len(windows)]  # (alternating output and kernel letters; lower case: the rest)
    outs, ks = taps[0::2], taps[1::2]
    g = fg * bg
    if bg > 1:
        x = dnp.reshape(x, (g, n // g, c, *windows))
        sub = f"gnc{taps}"
    else:
        x = dnp.reshape(x, (n, g, c // g, *windows))
        sub = f"ngc{taps}"
    w = dnp.reshape(w, (g, o // g, i, *np.shape(w)[2:]))
    y = dnp.einsum(f"{sub},gpc{ks}->ngp{outs}", x, w)
    return dnp.reshape(y, (np.shape(y)[0], o, *np.shape(y)[3:]))
