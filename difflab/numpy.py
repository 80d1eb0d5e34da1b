"""The traceable NumPy-like namespace: `import difflab.numpy as dnp`.

Primitives come straight from the registry (`difflab.ops`); everything else here (`square`,
`softmax`, `logsumexp`, `dot`, `min`, ...) is plain Python over primitives, so every method can
differentiate it. On plain arrays each function computes with NumPy; on traced values it records.
"""
from __future__ import annotations

import builtins
import math

import numpy as _np

from . import ops as _ops
from .graph import Traced as _Traced
from .ops import (abs, add, cos, exp, log, log1p, matmul, maximum, minimum, relu, sigmoid, sign, sin,
                  sqrt, stop_gradient, tanh, where)

__all__ = [
    # elementwise primitives
    "add", "subtract", "multiply", "divide", "true_divide", "negative", "power", "exp", "log", "log1p",
    "sin", "cos", "tanh", "sqrt", "abs", "absolute", "sign", "maximum", "minimum", "relu", "sigmoid",
    "where", "greater", "less", "greater_equal", "less_equal", "equal", "not_equal", "stop_gradient",
    # reductions, linear algebra and shapes
    "sum", "mean", "max", "amax", "min", "amin", "matmul", "dot", "transpose", "reshape", "ravel",
    "expand_dims", "squeeze", "swapaxes", "broadcast_to", "concatenate", "stack", "hstack", "vstack",
    "outer", "inner",
    # derived functions
    "square", "tan", "sinh", "cosh", "exp2", "log2", "log10", "expm1", "clip", "softplus", "logaddexp",
    "logsumexp", "softmax", "log_softmax", "var", "std", "prod_shape", "zeros_like", "ones_like",
    "linalg_norm",
    # constants and conversion
    "pi", "e", "newaxis", "float64", "shape", "ndim", "asarray", "array",
]

pi, e, newaxis, float64 = _np.pi, _np.e, None, _np.float64

subtract = _ops.sub
multiply = _ops.mul
divide = true_divide = _ops.div
negative = _ops.neg
power = _ops.pow
absolute = abs
greater, less, greater_equal = _ops.greater, _ops.less, _ops.greater_equal
less_equal, equal, not_equal = _ops.less_equal, _ops.equal, _ops.not_equal


def shape(x) -> tuple:
    """The shape of an array, number or traced value."""
    return x.shape if isinstance(x, (_np.ndarray, _Traced)) else _np.shape(x)


def ndim(x) -> int:
    """The number of axes of an array, number or traced value."""
    return len(shape(x))


def _axes(x, axis):
    if axis is None:
        return None
    n = ndim(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -n <= a < n:
            raise ValueError(f"axis {a} is out of bounds for an array of dimension {n}")
    return tuple(sorted(a % n for a in axes))


def sum(x, axis=None, keepdims=False):
    """Sum over `axis` (int, tuple or None for all), like `numpy.sum`.

    >>> float(sum(_np.array([[1.0, 2.0], [3.0, 4.0]])))
    10.0
    """
    return _ops.sum(x, axis=_axes(x, axis), keepdims=bool(keepdims))


def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (int, tuple or None for all), like `numpy.mean`.

    >>> mean(_np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([2., 3.])
    """
    return _ops.mean(x, axis=_axes(x, axis), keepdims=bool(keepdims))


def max(x, axis=None, keepdims=False):
    """Maximum over `axis`; at ties the derivative is split evenly between the tied entries.

    >>> float(max(_np.array([1.0, 5.0, 2.0])))
    5.0
    """
    return _ops.max(x, axis=_axes(x, axis), keepdims=bool(keepdims))


def min(x, axis=None, keepdims=False):
    """Minimum over `axis`, as `-max(-x)`.

    >>> float(min(_np.array([1.0, 5.0, 2.0])))
    1.0
    """
    return -max(-x, axis=axis, keepdims=keepdims)


amax, amin = max, min


def transpose(x, axes=None):
    """Permute axes (reverse them by default), like `numpy.transpose`.

    >>> transpose(_np.ones((2, 3))).shape
    (3, 2)
    """
    n = ndim(x)
    axes = tuple(reversed(range(n))) if axes is None else tuple(a % n for a in axes)
    return x if axes == tuple(range(n)) else _ops.transpose(x, axes=axes)


def swapaxes(x, axis1, axis2):
    """Swap two axes.

    >>> swapaxes(_np.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    axes = list(range(ndim(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def reshape(x, newshape, *more):
    """Reshape (one entry may be -1), like `numpy.reshape`.

    >>> reshape(_np.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    if more or isinstance(newshape, int):
        newshape = (newshape, *more)
    size = math.prod(shape(x))
    newshape = tuple(int(n) for n in newshape)
    if -1 in newshape:
        known = math.prod(n for n in newshape if n != -1)
        newshape = tuple(size // known if n == -1 else n for n in newshape)
    if math.prod(newshape) != size:
        raise ValueError(f"cannot reshape an array of shape {shape(x)} (size {size}) into shape {newshape}")
    return x if newshape == shape(x) else _ops.reshape(x, shape=newshape)


def ravel(x):
    """Flatten to one axis.

    >>> ravel(_np.ones((2, 3))).shape
    (6,)
    """
    return reshape(x, (-1,))


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


def broadcast_to(x, newshape):
    """Broadcast to `newshape`.

    >>> broadcast_to(_np.ones(3), (2, 3)).shape
    (2, 3)
    """
    newshape = tuple(newshape)
    return x if shape(x) == newshape else _ops.broadcast_to(x, shape=newshape)


def concatenate(arrays, axis=0):
    """Join arrays along an existing axis.

    >>> concatenate([_np.ones(2), _np.zeros(3)]).shape
    (5,)
    """
    arrays = tuple(arrays)
    return _ops.concatenate(*arrays, axis=axis % ndim(arrays[0]))


def stack(arrays, axis=0):
    """Join arrays along a new axis.

    >>> stack([_np.ones(2), _np.zeros(2)], axis=1).shape
    (2, 2)
    """
    arrays = tuple(arrays)
    return _ops.stack(*arrays, axis=axis % (ndim(arrays[0]) + 1))


def hstack(arrays):
    """Stack along the second axis (the first for 1-D arrays).

    >>> hstack([_np.ones(2), _np.ones(2)]).shape
    (4,)
    """
    arrays = tuple(arrays)
    return concatenate(arrays, axis=0 if ndim(arrays[0]) == 1 else 1)


def vstack(arrays):
    """Stack rows (1-D arrays become rows).

    >>> vstack([_np.ones(2), _np.ones(2)]).shape
    (2, 2)
    """
    return concatenate([reshape(a, (1, -1)) if ndim(a) == 1 else a for a in arrays], axis=0)


def dot(a, b):
    """`numpy.dot` for 0-, 1- and 2-D arrays (matmul, or a product with a scalar).

    >>> float(dot(_np.array([1.0, 2.0]), _np.array([3.0, 4.0])))
    11.0
    """
    if ndim(a) == 0 or ndim(b) == 0:
        return a * b
    return matmul(a, b)


def inner(a, b):
    """Inner product over the last axis of 1-D arrays.

    >>> float(inner(_np.array([1.0, 2.0]), _np.array([3.0, 4.0])))
    11.0
    """
    return sum(a * b, axis=-1)


def outer(a, b):
    """Outer product of two vectors.

    >>> outer(_np.ones(2), _np.ones(3)).shape
    (2, 3)
    """
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


# -- derived functions: plain Python over primitives ------------------------------------------

def square(x):
    """x * x.

    >>> float(square(3.0))
    9.0
    """
    return x * x


def tan(x):
    """sin(x) / cos(x).

    >>> round(float(tan(0.5)), 12) == round(float(_np.tan(0.5)), 12)
    True
    """
    return sin(x) / cos(x)


def sinh(x):
    """(e^x - e^-x) / 2.

    >>> round(float(sinh(1.0)), 12) == round(float(_np.sinh(1.0)), 12)
    True
    """
    return (exp(x) - exp(-x)) * 0.5


def cosh(x):
    """(e^x + e^-x) / 2.

    >>> round(float(cosh(1.0)), 12) == round(float(_np.cosh(1.0)), 12)
    True
    """
    return (exp(x) + exp(-x)) * 0.5


def exp2(x):
    """2 ** x.

    >>> float(exp2(3.0))
    8.0
    """
    return exp(x * _np.log(2.0))


def expm1(x):
    """e^x - 1.

    >>> float(expm1(0.0))
    0.0
    """
    return exp(x) - 1.0


def log2(x):
    """Base-2 logarithm.

    >>> float(log2(8.0))
    3.0
    """
    return log(x) / _np.log(2.0)


def log10(x):
    """Base-10 logarithm.

    >>> float(log10(100.0))
    2.0
    """
    return log(x) / _np.log(10.0)


def clip(x, a_min, a_max):
    """Limit values to [a_min, a_max] (derivative 1 inside, 0 outside, 1/2 at the bounds).

    >>> clip(_np.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
    array([0. , 0.5, 1. ])
    """
    return minimum(maximum(x, a_min), a_max)


def softplus(x):
    """log(1 + e^x), computed stably as m + log(e^-m + e^(x-m)) with m = max(x, 0) held constant.

    >>> round(float(softplus(0.0)), 12) == round(float(_np.log(2.0)), 12)
    True
    """
    m = stop_gradient(maximum(x, 0.0))  # smooth everywhere: softplus'(0) = 1/2, not a kink
    return m + log(exp(-m) + exp(x - m))


def logaddexp(a, b):
    """log(e^a + e^b), computed stably.

    >>> round(float(logaddexp(0.0, 0.0)), 12) == round(float(_np.log(2.0)), 12)
    True
    """
    m = stop_gradient(maximum(a, b))
    return m + log(exp(a - m) + exp(b - m))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(e^x)) over `axis`, stable: the max is subtracted first (with no derivative of its own).

    >>> round(float(logsumexp(_np.array([1000.0, 1000.0]))), 9)
    1000.693147181
    """
    m = stop_gradient(max(x, axis=axis, keepdims=True))
    s = log(sum(exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else squeeze(s, axis=axis) if axis is not None else reshape(s, ())


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis` (a registry primitive: stable, with a fused rule).

    >>> log_softmax(_np.array([0.0, 0.0])).round(6)
    array([-0.693147, -0.693147])
    """
    return _ops.log_softmax(x, axis=_axes(x, axis)[0])


def softmax(x, axis=-1):
    """exp(x) normalised along `axis`, computed stably.

    >>> softmax(_np.array([0.0, 0.0]))
    array([0.5, 0.5])
    """
    return exp(log_softmax(x, axis=axis))


def var(x, axis=None, keepdims=False):
    """Variance (population, ddof=0) over `axis`.

    >>> float(var(_np.array([1.0, 3.0])))
    1.0
    """
    d = x - mean(x, axis=axis, keepdims=True)
    return mean(d * d, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation (ddof=0) over `axis`.

    >>> float(std(_np.array([1.0, 3.0])))
    1.0
    """
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def linalg_norm(x):
    """Euclidean (Frobenius) norm of all entries.

    >>> float(linalg_norm(_np.array([3.0, 4.0])))
    5.0
    """
    return sqrt(sum(x * x))


def prod_shape(x) -> int:
    """Number of entries of x (a static int, not traced).

    >>> prod_shape(_np.ones((2, 3)))
    6
    """
    return math.prod(shape(x))


def zeros_like(x):
    """A constant array of zeros with x's shape (no derivative flows through it).

    >>> zeros_like(_np.ones(2))
    array([0., 0.])
    """
    return _np.zeros(shape(x))


def ones_like(x):
    """A constant array of ones with x's shape.

    >>> ones_like(_np.ones(2))
    array([1., 1.])
    """
    return _np.ones(shape(x))


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


# Names NumPy gives its ufuncs and functions, mapped to ours (used by the tracer's dispatch).
UFUNCS = {
    "add": add, "subtract": subtract, "multiply": multiply, "divide": divide, "true_divide": divide,
    "negative": negative, "power": power, "exp": exp, "log": log, "log1p": log1p, "sin": sin,
    "cos": cos, "tanh": tanh, "sqrt": sqrt, "absolute": abs, "sign": sign, "maximum": maximum,
    "minimum": minimum, "greater": greater, "less": less, "greater_equal": greater_equal,
    "less_equal": less_equal, "equal": equal, "not_equal": not_equal, "matmul": matmul,
    "square": square, "tan": tan, "sinh": sinh, "cosh": cosh, "exp2": exp2, "expm1": expm1,
    "log2": log2, "log10": log10, "logaddexp": logaddexp, "positive": lambda x: x,
}
FUNCTIONS = {name: globals()[name] for name in __all__ if callable(globals()[name])}
FUNCTIONS.update({"shape": shape, "ndim": ndim, "size": prod_shape, "clip": clip})
