"""The traceable NumPy-like namespace: `import difflab.numpy as dnp`.

Primitives come straight from the registry (`difflab.ops`): each entry is published here under its
NumPy spellings (`Op.numpy`, calling `Op.front`), and the tables NumPy's dispatch on traced values
reads (`UFUNCS`, `FUNCTIONS`, `METHODS`) are generated from the registry too, regenerated whenever
an op is registered or removed. Everything else here (`square`, `softmax`, `logsumexp`, `dot`,
`min`, ...) is plain Python over primitives, so every method can differentiate it. On plain arrays
each function computes with NumPy; on traced values it records.
"""
from __future__ import annotations

import builtins
import math

import numpy as _np

from . import ops as _ops
from .graph import Traced as _Traced
from .ops import cos, exp, log, matmul, maximum, minimum, sin, sqrt, stop_gradient
from .ops.core import normalize_axes as _axes
# the front ends the derived functions below call (the same objects `_publish` binds)
from .ops.reductions import _log_softmax_front as log_softmax
from .ops.reductions import _mean_front as mean
from .ops.reductions import _sum_front as sum
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


def min(x, axis=None, keepdims=False):
    """Minimum over `axis`, as `-max(-x)`.

    >>> float(min(_np.array([1.0, 5.0, 2.0])))
    1.0
    """
    return -max(-x, axis=axis, keepdims=keepdims)


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


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(e^x)) over `axis`, stable: the max is subtracted first (with no derivative of its own).

    >>> round(float(logsumexp(_np.array([1000.0, 1000.0]))), 9)
    1000.693147181
    """
    m = stop_gradient(max(x, axis=axis, keepdims=True))
    s = log(sum(exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else squeeze(s, axis=axis) if axis is not None else reshape(s, ())


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


# -- the names generated from the registry ------------------------------------------------------

#: ndarray methods that change the array in place: traced values never offer them
_IN_PLACE = frozenset({"sort", "partition", "fill", "put", "resize", "itemset", "setfield", "setflags", "byteswap"})
#: the functions defined above (derived or conversion), public names only
_DERIVED = {name: fn for name, fn in list(globals().items())
            if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == __name__}
_STATIC = sorted(set(_DERIVED) | {"pi", "e", "newaxis", "float64"})

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


def _publish() -> None:
    """Bind every registry spelling in this module (and its submodules) and regenerate the dispatch
    tables: called at import and again whenever the registry changes."""
    names = _ops.spellings().numpy
    for name in list(_published):
        if name not in names:  # removed from the registry: a derived function of that name returns
            _unbind(name)
    for name, fn in names.items():
        _bind(name, fn)
    __all__[:] = sorted(set(_STATIC) | {n for n in _published if "." not in n} | {"linalg"})
    table = {**_DERIVED, **names}
    UFUNCS.clear()
    FUNCTIONS.clear()
    for name, fn in table.items():
        target = _numpy_object(name)
        if isinstance(target, _np.ufunc):
            UFUNCS[name] = fn
        elif target is not None:
            FUNCTIONS[name] = fn
    UFUNCS["positive"] = _positive
    FUNCTIONS.update({"size": prod_shape})
    METHODS.clear()
    METHODS.update({name: fn for name, fn in _DERIVED.items()
                    if name not in _IN_PLACE and callable(getattr(_np.ndarray, name, None))})
    METHODS.update(_ops.spellings().methods)


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
    globals_ = vars(linalg) if sub == ["linalg"] else globals()
    globals_[short] = fn
    _published[name] = fn


def _unbind(name):
    *sub, short = name.split(".")
    globals_ = vars(linalg) if sub == ["linalg"] else globals()
    if name in _DERIVED:
        globals_[short] = _DERIVED[name]
    else:
        globals_.pop(short, None)
    del _published[name]


_publish()
_ops.REGISTRY.listeners.append(_publish)
