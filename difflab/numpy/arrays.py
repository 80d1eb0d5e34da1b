"""Shape queries, conversion and the stacking wrapper: what every other module of difflab.numpy
builds on.

`shape`, `ndim`, `asarray`, `ravel`, `hstack`, `min` ... are a line or two over the registry's
primitives (reshape, transpose, concatenate, max); `_value` reads a traced value's concrete value (for
the piecewise-constant functions and shape arguments), and `_stacking` wraps every public function so a
list holding traced values is stacked first, as NumPy would convert it. Compositions, not registry
entries: their derivatives are the primitives' own, so no rule is written twice.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import math
import sys as _sys

import numpy as _np

from ..assign import VIEWS as _VIEWS
from ..assign import fresh as _fresh
from ..assign import handed as _handed
from ..graph import Traced as _Traced
from ..graph import specialise as _specialise
from ..ops.core import normalize_axes as _axes
from ..ops.reductions import _max_front as max
from ..ops.reductions import no_out as _no_out
from ..ops.shape import (
    _concatenate_front as concatenate,
)
from ..ops.shape import (
    _reshape_front as reshape,
)
from ..ops.shape import memory_order as _memory_order
from ..ops.shape import (
    _stack_front as stack,
)
from ..ops.shape import (
    _transpose_front as transpose,
)

pi, e, newaxis, float64 = _np.pi, _np.e, None, _np.float64


def shape(a) -> tuple:
    """The shape of an array, number or traced value."""
    x = a  # (NumPy's parameter name)
    return x.shape if isinstance(x, (_np.ndarray, _Traced)) else _np.shape(x)


def ndim(a) -> int:
    """The number of axes of an array, number or traced value."""
    x = a  # (NumPy's parameter name)
    return len(shape(x))


def min(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    """Minimum over `axis`, as `-max(-x)` (`initial`: a number the minimum is at most; `where`: a mask of the
    entries taken, with `initial`, as NumPy's).

    >>> float(min(_np.array([1.0, 5.0, 2.0])))
    1.0
    """
    x = a  # (NumPy's parameter name)
    _no_out("min", out)
    if isinstance(x, _Traced) and x.dtype.kind == "b":  # (a mask has no negative: NumPy's min is all, not any of ~)
        return ~max(~x, axis=axis, keepdims=keepdims, initial=None if initial is None else not initial, where=where)
    return -max(-x, axis=axis, keepdims=keepdims, initial=None if initial is None else -initial, where=where)


amin = min


def swapaxes(a, axis1, axis2):
    """Swap two axes.

    >>> swapaxes(_np.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    x = a  # (NumPy's parameter name)
    axes = list(range(ndim(x)))
    axis1, axis2 = _in_range(axis1, len(axes)), _in_range(axis2, len(axes))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def ravel(a, order="C"):
    """Flatten to one axis, in row-major order (column-major with order="F").

    >>> ravel(_np.ones((2, 3))).shape
    (6,)
    >>> ravel(_np.arange(6.0).reshape(2, 3), order="F")
    array([0., 3., 1., 4., 2., 5.])
    """
    x = a  # (NumPy's parameter name)
    return reshape(x, (-1,), order=_memory_order(order, "ravel"))


def copy(a, order="K", subok=False):
    """A copy of x, like `numpy.copy` and `x.copy()`: a traced value's is another tracer of the same value
    (assigning into one, `y[0] = v`, leaves the other); a NumPy value is copied by NumPy.

    >>> copy(_np.ones(2))
    array([1., 1.])
    """
    x = a  # (NumPy's parameter name)
    return _fresh(x) if isinstance(x, _Traced) else _np.copy(x, order=order, subok=subok)


def expand_dims(a, axis):
    """Insert a length-1 axis at `axis`.

    >>> expand_dims(_np.ones(3), 0).shape
    (1, 3)
    """
    x = a  # (NumPy's parameter name)
    s = list(shape(x))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)  # NumPy's tuple (was a bare TypeError)
    for a in axes:  # (int(1.5) was axis 1, silently, where NumPy refuses)
        if isinstance(a, (bool, _np.bool_)) or not isinstance(a, (int, _np.integer)):
            raise TypeError(f"expand_dims: axis must be an int or a tuple of ints, got {axis!r}")
    n = len(s) + len(axes)
    at = sorted(int(a) % n for a in axes if -n <= a < n)
    if len(at) != len(axes) or len(set(at)) != len(at):
        raise ValueError(f"expand_dims: axis {axis} is out of bounds or repeated for a result of dimension {n}")
    for a in at:
        s.insert(a, 1)
    return reshape(x, tuple(s))


def squeeze(a, axis=None):
    """Remove length-1 axes.

    >>> squeeze(_np.ones((1, 3, 1))).shape
    (3,)
    """
    x = a  # (NumPy's parameter name)
    s = shape(x)
    drop = [i for i, n in enumerate(s) if n == 1] if axis is None else list(_axes(x, axis))
    return reshape(x, tuple(n for i, n in enumerate(s) if i not in drop))


def _float_dtype(fn, dtype):
    if dtype is not None and not _np.issubdtype(dtype, _np.floating):
        raise TypeError(f"{fn}(dtype={dtype}): difflab computes in float64 only")


def hstack(tup, *, dtype=None, casting="same_kind"):
    """Stack along the second axis (the first for 1-D arrays), like `numpy.hstack` (an array given
    alone is the sequence of its rows; numbers become 1-D).

    >>> hstack([_np.ones(2), _np.ones(2)]).shape
    (4,)
    """
    arrays = tup  # (NumPy's parameter name)
    _float_dtype("hstack", dtype)
    arrays = [atleast_1d(a) for a in arrays]
    return concatenate(arrays, axis=0 if ndim(arrays[0]) == 1 else 1, dtype=dtype, casting=casting)


def vstack(tup, *, dtype=None, casting="same_kind"):
    """Stack rows, like `numpy.vstack` (1-D arrays and numbers become rows; an array given alone is the
    sequence of its rows).

    >>> vstack([_np.ones(2), _np.ones(2)]).shape
    (2, 2)
    """
    arrays = tup  # (NumPy's parameter name)
    _float_dtype("vstack", dtype)
    arrays = list(arrays)
    if arrays and all(ndim(a) == 1 for a in arrays):  # (NumPy's same array: np.vstack(np.nonzero(m)) then records
        return stack(arrays, axis=0, dtype=dtype, casting=casting)  # the stack difflab.trace knows as np.argwhere(m).T)
    return concatenate([atleast_2d(a) for a in arrays], axis=0, dtype=dtype, casting=casting)


def prod_shape(x, axis=None) -> int:
    """Number of entries of x, or along `axis` (an int or tuple of ints, as NumPy's `size`): a static int, not
    traced.

    >>> prod_shape(_np.ones((2, 3))), prod_shape(_np.ones((2, 3)), axis=-1)
    (6, 3)
    """
    s = shape(x)
    if axis is None:
        return math.prod(s)
    return int(_np.size(_np.broadcast_to(0.0, s), axis))  # (NumPy's own axis checks and errors; no copy)


def _device(device):
    """NumPy 2's `device=` (the array API's): None or "cpu", NumPy's only device; any other refused in NumPy's words
    (a traced asarray(x, device='gpu') was accepted silently)."""
    if device not in (None, "cpu"):
        raise ValueError(f'Device not understood. Only "cpu" is allowed, but received: {device}')


def _like(like):
    """NumPy's `like=` (the array-function protocol's reference): None, a NumPy array (NumPy's own result, as
    without it) or a traced value (difflab's, as without it: a traced result stays traced, a plain one NumPy's);
    anything without `__array_function__` refused in NumPy's words. It was Python's "unexpected keyword"."""
    if like is not None and not hasattr(like, "__array_function__"):
        raise TypeError("The `like` argument must be an array-like that implements the `__array_function__` protocol.")


def asarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    """An array from a number, array, traced value or (nested) list that may hold traced values (`like`: NumPy's
    array-function reference, `_like`).

    >>> asarray([1.0, 2.0])
    array([1., 2.])
    """
    x = a  # (NumPy's parameter name)
    _device(device)
    _like(like)
    if isinstance(x, _Traced):
        # (a dtype is honoured as NumPy's: asarray(x, dtype=int) of a traced x was x itself, its floats and their
        # derivative kept where NumPy's int(x) has none)
        y = x if dtype is None or _np.dtype(dtype) == x.dtype else x.astype(dtype)
        return _fresh(y) if copy and y is x else y
    if isinstance(x, (list, tuple)) and _contains_traced(x):
        x = stack([asarray(v) for v in x])
        return x if dtype is None or _np.dtype(dtype) == x.dtype else x.astype(dtype)
    return _np.asarray(x, dtype=dtype, order=order, device=device, copy=copy)


def asanyarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    """`asarray` (difflab's arrays have no subclasses): a traced value itself, where NumPy's own conversion refused it
    as dropping its derivative.

    >>> asanyarray([1.0, 2.0])
    array([1., 2.])
    """
    return asarray(a, dtype, order, device=device, copy=copy, like=like)


def ascontiguousarray(a, dtype=None, *, like=None):
    """`asarray` with at least one axis, as NumPy's (a 0-d value becomes shape (1,)); a traced value's memory order is
    not a value (its derivative is kept, where NumPy's own conversion refused it).

    >>> ascontiguousarray(2.0)
    array([2.])
    """
    return _contiguous(_np.ascontiguousarray, a, dtype, like)


def asfortranarray(a, dtype=None, *, like=None):
    """`ascontiguousarray` in Fortran order: the same values (a traced value itself, at least 1-D).

    >>> asfortranarray(_np.ones((2, 2))).flags.f_contiguous
    True
    """
    return _contiguous(_np.asfortranarray, a, dtype, like)


def _contiguous(numpy_fn, a, dtype, like):
    _like(like)  # (NumPy's result as without it; a traced a with like=ndarray was converted, so refused)
    if not (isinstance(a, _Traced) or (isinstance(a, (list, tuple)) and _contains_traced(a))):
        return numpy_fn(a, dtype=dtype)
    x = asarray(a, dtype)
    return reshape(x, (1,)) if ndim(x) == 0 else x


def array(object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, ndmax=None, like=None):
    """`asarray`, copied: numpy.array(x) of a traced x is a new array (item assignment into it leaves x); a plain
    one is NumPy's own np.array (a copy: it was x itself); ndmin prepends length-1 axes, as NumPy's. `subok`: no
    traced value has a subclass (either is harmless); `like`: `_like`'s; `ndmax` (NumPy 2.4): the most dimensions
    a nested list may make (its ValueError beyond it), an array's own kept, as NumPy's.

    >>> array([1.0, 2.0])
    array([1., 2.])
    """
    x = object  # (NumPy's parameter name)
    _like(like)
    if not isinstance(x, _Traced) and not (isinstance(x, (list, tuple)) and _contains_traced(x)):
        extra = {} if ndmax is None else {"ndmax": ndmax}  # (NumPy 2.4's; older NumPy has none)
        return _np.array(x, dtype=dtype, copy=copy, order=order, subok=subok, ndmin=ndmin, **extra)
    if ndmax is not None and not 0 <= ndmax <= 64:
        raise ValueError("ndmax must be in the range [0, NPY_MAXDIMS (64)] ")
    if ndmax is not None and ndmin > ndmax:
        raise ValueError(f"ndmin must be <= ndmax ({ndmax})")
    if isinstance(x, _Traced) and copy:
        out = _fresh(x) if dtype is None or _np.dtype(dtype) == x.dtype else x.astype(dtype)
    else:
        out = asarray(x, dtype)
        if ndmax is not None and ndim(out) > ndmax:  # (a list's nesting found, as NumPy's discovery: its error)
            raise ValueError(
                "setting an array element with a sequence. The requested array would exceed the maximum number of "
                f"dimension of {ndmax}."
            )
    return reshape(out, (1,) * (ndmin - ndim(out)) + shape(out)) if ndmin > ndim(out) else out


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


#: the reductions NumPy hands to an argument's own method when it is not an ndarray (np.sum(a) is a.sum(...)):
#: difflab.numpy's do the same for such an argument (difflab.numpy.ma's MaskedArray, whose values are its unmasked
#: elements'), where the registry's op would read it as an array
_METHOD_REDUCTIONS = frozenset({"sum", "mean", "var", "std", "max", "min"})


def _own_method(a, name) -> bool:
    """Whether `a` is neither an array nor traced and has a method `name` (a masked array's `sum`)."""
    return not isinstance(a, (_np.ndarray, _Traced)) and isinstance(getattr(type(a), name, None), type(_own_method))


#: functions whose dtype= is their result's dtype, as NumPy's: on plain values the result is cast to it (a traced
#: value computes in float64; np.sum(x, dtype=np.float32) of a NumPy x was float64)
_RESULT_DTYPE = frozenset(
    {"sum", "mean", "prod", "cumsum", "cumprod", "var", "std", "trace", "nansum", "nanprod", "nanmean", "nanvar"}
    | {"nanstd", "nancumsum", "nancumprod", "cov", "corrcoef"}
)


def _dtype_slot(fn, name: str) -> int | None:
    """The position of fn's `dtype` parameter when its result takes that dtype (`_RESULT_DTYPE`), else None."""
    if name.split(".")[-1] not in _RESULT_DTYPE:
        return None
    names = list(inspect.signature(fn).parameters)
    return names.index("dtype") if "dtype" in names else None


def _stacking(fn, name=""):
    """fn (published as `name`), with each list or tuple argument that holds traced values stacked into one array first
    (`mean([a, b])` is `mean(stack([a, b]))`, as autograd.numpy does); other arguments as they are."""
    ufunc = getattr(_np, name, None) if name and "." not in name else None
    if isinstance(fn, type(_stacking)) and isinstance(ufunc, _np.ufunc) and not hasattr(fn, "ufunc_keywords"):
        fn = _ufunc_like(fn, ufunc, name)  # (np.abs, np.float_power: NumPy's ufunc keywords, in this one place)
    if not isinstance(fn, type(_stacking)) or name.split(".")[-1] in _SEQUENCE_TAKING:
        return fn  # registry ops (Op instances) and the sequence-taking functions stay themselves

    views = name.split(".")[-1] in _VIEWS or name in _VIEWS
    method = name if name in _METHOD_REDUCTIONS else None
    dtyped = _dtype_slot(fn, name)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if method and args and _own_method(args[0], method):
            return getattr(args[0], method)(*args[1:], **kwargs)  # (a masked array's: `_METHOD_REDUCTIONS`)
        for a in args:
            if type(a) in (list, tuple) and _contains_traced(a):
                args = tuple(asarray(v) if type(v) in (list, tuple) and _contains_traced(v) else v for v in args)
                break
        for k, v in kwargs.items():
            if type(v) in (list, tuple) and _contains_traced(v):
                kwargs[k] = asarray(v)
        out = fn(*args, **kwargs)
        if dtyped is not None and isinstance(out, (_np.ndarray, _np.generic)):
            dtype = kwargs.get("dtype", args[dtyped] if len(args) > dtyped else None)
            out = out if dtype is None else out.astype(dtype, copy=False)
        # (a traced result that is a view of an argument, or the argument itself: difflab.assign's bookkeeping,
        # without a call where neither: an MLP's loss calls these on every fresh trace)
        if views:
            return _handed(name, args, out)
        for a in args:
            if a is out and isinstance(out, _Traced):
                return _handed(name, args, out)
        return out

    call.stacks_lists = True
    return call


#: NumPy's keywords of every ufunc call (beside a generalized ufunc's axes=/axis=/keepdims=, which fn takes or refuses)
_UFUNC_KEYWORDS = frozenset({"out", "where", "dtype", "casting", "order", "subok", "signature"})
_GUFUNC_KEYWORDS = _UFUNC_KEYWORDS - {"where"}  # (a generalized ufunc has no where=)


def _ufunc_like(fn, ufunc, name: str):
    """fn, difflab's Python function for NumPy's ufunc `ufunc` (np.abs, np.conjugate, np.float_power, np.modf,
    np.divmod, np.vecdot, ...), taking that ufunc's keywords as NumPy does: out=None (by keyword or in out's
    positional slots, a tuple of Nones for two outputs) and where=True are NumPy's defaults and dropped; an array out=
    is refused by name (`no_out`, as the reductions'); dtype=/casting=/signature= pick NumPy's loop
    (`ufunc.resolve_dtypes`: NumPy's own refusal where none matches), whose input dtypes the arguments are cast to and
    whose output dtypes the result is; order=/subok= change no traced value. With no traced argument, NumPy's own
    ufunc answers every keyword (out= written, a where= mask). Main refused them all, naming an internal front
    ("_abs_front() got an unexpected keyword argument 'out'"), or Python's "takes 1 positional argument"."""
    nin, nout = ufunc.nin, ufunc.nout
    # (no set in the closure: a compiled graph's read checks fingerprint a closure's sets on every call, 1.4 us)
    gufunc = ufunc.signature is not None

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if len(args) <= nin and (not kwargs or not kwargs.keys() & (_GUFUNC_KEYWORDS if gufunc else _UFUNC_KEYWORDS)):
            return fn(*args, **kwargs)  # (the common call: nothing to read)
        inputs, outs = args[:nin], args[nin:]
        if outs and "out" in kwargs:
            raise TypeError("cannot specify 'out' as both a positional and keyword argument")  # (NumPy's words)
        if not any(isinstance(a, _Traced) or (type(a) in (list, tuple) and _contains_traced(a)) for a in inputs):
            return ufunc(*args, **kwargs)  # (plain values: NumPy's own, every keyword as NumPy reads it)
        out = kwargs.pop("out", outs or None)
        for o in out if isinstance(out, tuple) else (out,):
            _no_out(name, o)
        where = True if gufunc else kwargs.pop("where", True)
        if not (type(where) in (bool, _np.bool_) and where):
            raise TypeError(
                f"numpy.{ufunc.__name__} of a traced value takes no 'where' argument other than True: without out= "
                "NumPy leaves the entries where is False uninitialized; use numpy.where(mask, result, other)"
            )
        if getattr(fn, "on_values", False):  # (piecewise constant: NumPy's ufunc on the values, in its dtype= too; a
            return ufunc(*[_value(a) for a in inputs], **kwargs)  # traced float32 is float64: spacing's was 2e-16)
        kwargs.pop("order", None), kwargs.pop("subok", None)
        dtype, casting, signature = (
            kwargs.pop(k, d) for k, d in (("dtype", None), ("casting", "same_kind"), ("signature", None))
        )
        if dtype is None and signature is None and casting == "same_kind":
            return fn(*inputs, **kwargs)
        given = tuple(a if type(a) in (int, float, complex) else _np.result_type(a) for a in inputs)
        given = tuple(type(a) if type(a) in (int, float, complex) else a for a in given)
        if signature is None and dtype is not None:  # (NumPy's dtype=: the outputs' part of the signature)
            signature = (None,) * nin + (_np.dtype(dtype),) * nout
        picked = {} if signature is None else {"signature": signature}
        loop = ufunc.resolve_dtypes(given + (None,) * nout, casting=casting, **picked)
        cast = []
        for a, want in zip(inputs, loop[:nin]):
            if isinstance(a, _Traced) and want.kind not in "fc":
                raise TypeError(
                    f"numpy.{ufunc.__name__}(..., dtype={want}) of a traced value would drop the derivative"
                )
            cast.append(a.astype(want) if isinstance(a, _Traced) and a.dtype != want else a)
        result = fn(*cast, **kwargs)
        if nout == 1:
            return result if result.dtype == loop[-1] else result.astype(loop[-1])
        return tuple(r if r.dtype == d else r.astype(d) for r, d in zip(result, loop[nin:]))

    call.ufunc_keywords = True
    return call


def _in_range(axis, n: int) -> int:
    """NumPy's one axis of an n-dimensional array as a non-negative int; NumPy's AxisError (a ValueError and an
    IndexError) where it is out of range (`axis % n` wrapped np.diff(A, axis=2) to axis 0 of a matrix, silently,
    and divided by zero for a 0-d array); a float is NumPy's TypeError (1.5 passed the range test and was axis 1)."""
    if type(axis) is not int and not isinstance(axis, (int, _np.integer)):
        raise TypeError(f"axis must be an int, got {axis!r}")
    if not -n <= axis < n:
        raise _np.exceptions.AxisError(int(axis), n)
    return int(axis) % n


def _take_along(a, axis, idx):
    """a indexed along one axis by an int, slice or integer array."""
    return a[(slice(None),) * _in_range(axis, ndim(a)) + (idx,)]


def moveaxis(a, source, destination):
    """Move axes to new positions, like `numpy.moveaxis`.

    >>> moveaxis(_np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    n = ndim(a)
    src = [_in_range(s, n) for s in ((source,) if isinstance(source, (int, _np.integer)) else source)]
    dst = [_in_range(d, n) for d in ((destination,) if isinstance(destination, (int, _np.integer)) else destination)]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"repeated axis in `{'source' if len(set(src)) != len(src) else 'destination'}` argument")
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number of elements")
    order = [i for i in range(n) if i not in src]
    for d, s_ in sorted(zip(dst, src)):
        order.insert(d, s_)
    return transpose(a, order)


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


# -- functions whose result is piecewise constant: computed on the values, never differentiated ----


def _value(x, what=None):
    """The concrete value of x; a traced x marks its trace specialised to the input values (`what` read it:
    prepare's error names it, else the NumPy function being run)."""
    while isinstance(x, _Traced):
        if not x._trace.specialised:
            _specialise(x, what or _reader())
        x = x.value
    return x


def _reader() -> str:
    """The difflab.numpy function reading a traced value's number (the outermost of its frames), as NumPy's name."""
    from .. import numpy as dnp  # (this module is part of it)

    frame, name = _sys._getframe(2), "reading a traced value's number"
    while frame is not None and frame.f_globals.get("__name__", "").startswith("difflab."):
        if frame.f_globals["__name__"].startswith("difflab.numpy") and frame.f_code.co_name in dnp.FUNCTIONS:
            name = f"numpy.{frame.f_code.co_name}"
        frame = frame.f_back
    return name
