"""Shape primitives: transpose, reshape, broadcast_to, indexing (getitem and its transpose
scatter_add), concatenate and stack; their NumPy front ends and strategy builders."""

from __future__ import annotations

import itertools
import math
import operator

import numpy as np

from .core import (
    Op,
    _batch_axis,
    _broadcast_batch,
    _broadcast_to,
    _advanced_apart,
    _loop_batch,
    _ndim,
    _reshape,
    _samples,
    _shape,
    _transpose,
    defop,
    unbroadcast,
)
from .core import normalize_axis
from ..graph import DEFERS_TO, Traced

# -- NumPy front ends ------------------------------------------------------------------------


def _transpose_front(a, axes=None):
    """Permute axes (reverse them by default), like `numpy.transpose`.

    >>> _transpose_front(np.ones((2, 3))).shape
    (3, 2)
    """
    x = a  # (NumPy's parameter name)
    if isinstance(x, tuple) and hasattr(type(x), "transpose"):  # (NumPy's np.transpose calls an object's own:
        return x.transpose(axes)  # np.nonzero(m) of a traced m, np.argwhere(m) by the trace's reads)
    n = _ndim(x)
    axes = tuple(reversed(range(n))) if axes is None else tuple(int(a) % n for a in axes)
    return x if axes == tuple(range(n)) else transpose(x, axes=axes)


def memory_order(order: str, name: str) -> str:
    """NumPy's `order=` of reshape and ravel, "C" or "F"; "A" and "K" follow the memory layout, which a
    traced value does not have, so they are refused by name rather than guessed."""
    if order in ("C", "F"):
        return order
    raise ValueError(
        f"numpy.{name}(..., order={order!r}): difflab reads an array's elements in row-major ('C') or "
        "column-major ('F') order; 'A' and 'K' follow the memory layout, which a traced value has not"
    )


def _reshape_front(a, shape=None, *more, order="C", newshape=None, copy=None):
    """Reshape (one entry may be -1), like `numpy.reshape(a, shape, order)` (and `x.reshape(2, 3)`), reading and
    writing the elements in row-major order, or in column-major order with order="F" (NumPy's third positional:
    np.reshape(a, (3, 2), "F"); `newshape=`: NumPy 1's keyword).

    >>> _reshape_front(np.arange(6.0), (2, -1)).shape
    (2, 3)
    >>> _reshape_front(np.arange(6.0), (2, 3), order="F")[1]
    array([1., 3., 5.])
    """
    x = a
    if len(more) == 1 and isinstance(more[0], str) and not isinstance(shape, (int, np.integer)):
        order, more = more[0], ()  # numpy.reshape(a, shape, order): the function's third positional
    newshape = shape if newshape is None else newshape
    if newshape is None:
        raise TypeError("reshape() missing the shape")
    if more or isinstance(newshape, (int, np.integer)):
        newshape = (newshape, *more)
    if memory_order(order, "reshape") == "F":  # the transposes' reshape in the reversed shape
        return _transpose_front(_reshape_front(_transpose_front(x), tuple(reversed(tuple(newshape)))))
    size = math.prod(_shape(x))
    newshape = tuple(int(n) for n in newshape)
    if -1 in newshape:
        known = math.prod(n for n in newshape if n != -1)
        newshape = tuple(size // known if n == -1 else n for n in newshape)
    if math.prod(newshape) != size:
        raise ValueError(f"cannot reshape an array of shape {_shape(x)} (size {size}) into shape {newshape}")
    y = x if newshape == _shape(x) else reshape(x, shape=newshape)
    # (NumPy 2's copy=True: a new array, never a view of a; main: "_reshape_front() got an unexpected keyword")
    if copy:
        return y.copy() if isinstance(y, Traced) else np.array(y, copy=True)
    return y


def _broadcast_to_front(array, shape, subok=False):
    """Broadcast to `shape`, like `numpy.broadcast_to`.

    >>> _broadcast_to_front(np.ones(3), (2, 3)).shape
    (2, 3)
    """
    x = array  # (NumPy's parameter name)
    return _broadcast_to(x, tuple(shape))


_CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")


def _joined(name, joined, out, dtype, casting):
    """A join's result under NumPy's out= (refused by name), dtype= and casting=: cast as NumPy casts it (its
    casting rule first), a traced one by a traced astype."""
    from .reductions import no_out

    no_out(name, out)
    if casting not in _CASTINGS:  # (main: any string accepted silently, NumPy's ValueError)
        raise ValueError(f"numpy.{name}: casting must be one of {', '.join(map(repr, _CASTINGS))}, not {casting!r}")
    if dtype is None:
        return joined
    if not np.can_cast(joined.dtype, dtype, casting):  # (NumPy's rule, traced or not)
        raise TypeError(
            f"numpy.{name}: cannot cast array data from {joined.dtype!r} to {np.dtype(dtype)!r} according to the "
            f"rule {casting!r}"
        )
    if isinstance(joined, Traced):  # (a traced astype: a float32 result as NumPy's, an int one without derivative)
        return joined if np.dtype(dtype) == joined.dtype else joined.astype(dtype)
    return np.asarray(joined).astype(dtype, casting=casting)


def _concatenate_front(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Join arrays along an existing axis, like `numpy.concatenate`.

    >>> _concatenate_front([np.ones(2), np.zeros(3)]).shape
    (5,)
    """
    arrays = _lists_stacked(arrays)
    if axis is None:  # (NumPy's: the arrays flattened, then joined; main: "'NoneType' object is not subscriptable")
        arrays, axis = [_reshape_front(a, (-1,)) for a in arrays], 0
    joined = concatenate(*arrays, axis=normalize_axis(arrays[0], axis, "concatenate"))
    return _joined("concatenate", joined, out, dtype, casting)


def _holds_traced(a) -> bool:
    return isinstance(a, Traced) or (isinstance(a, (list, tuple)) and any(_holds_traced(v) for v in a))


def _lists_stacked(arrays) -> tuple:
    """A join's arrays, each (nested) list holding a traced value stacked into one traced array: NumPy's own
    conversion of np.concatenate([[x[0] ** 2], x])'s list would drop x[0]'s derivative (a refusal before).

    >>> [np.shape(a) for a in _lists_stacked([[1.0], np.ones(2)])]
    [(1,), (2,)]
    """

    def one(a):
        if isinstance(a, (list, tuple)) and _holds_traced(a):
            return stack(*[one(v) for v in a], axis=0)
        if type(a) in DEFERS_TO:  # (a difflab.numpy.ma.MaskedArray: its data, as np.stack reads a masked array's)
            a = a.data
        return a if isinstance(a, Traced) else np.asarray(a)

    return tuple(one(a) for a in arrays)


def _stack_front(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Join arrays along a new axis, like `numpy.stack`.

    >>> _stack_front([np.ones(2), np.zeros(2)], axis=1).shape
    (2, 2)
    """
    arrays = _lists_stacked(arrays)
    n = _ndim(arrays[0]) + 1 if arrays else 1  # (the stacked array's dimension: axis counts in it)
    if type(axis) is not int or not -n <= axis < n:  # (the common int axis in range: two tests, as int(axis) was)
        axis = _stack_axis(axis, n)
    return _joined("stack", stack(*arrays, axis=axis % n), out, dtype, casting)


def _stack_axis(axis, n: int) -> int:
    """np.stack's axis other than an int in range: a NumPy integer in range, else NumPy's refusal (`axis % n`
    wrapped np.stack([a, b], axis=5) to another axis, silently, and int() truncated 1.5)."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"numpy.stack: axis must be an int, got {axis!r}")
    if not -n <= axis < n:
        raise np.exceptions.AxisError(
            f"numpy.stack: axis {axis} is out of bounds for the stacked array of dimension {n}"
        )
    return int(axis)


# -- the strategies' builders: parameters drawn so that the call is valid ----------------------


def _transpose_strategy(b, name, x, picks, c):
    perms = list(itertools.permutations(range(len(b.shape(x)))))
    return b.emit("transpose", x, axes=perms[c.take(len(perms))])


def _reshape_strategy(b, name, x, picks, c):
    size = int(np.prod(b.shape(x)))
    shapes = [(size,), (1, size), (size, 1)] + [(d, size // d) for d in range(2, size) if size % d == 0]
    shapes += [()] if size == 1 else []
    return b.emit("reshape", x, shape=shapes[c.take(len(shapes))])


def _broadcast_to_strategy(b, name, x, picks, c):
    s = b.shape(x)
    targets = [(2,) + s, (3,) + s] + [s[:i] + (2,) + s[i + 1 :] for i, n in enumerate(s) if n == 1]
    return b.emit("broadcast_to", x, shape=targets[c.take(len(targets))])


def _index(c, n):
    """An index into an axis of length n: an int, a slice or an integer array with repeats."""
    kind = c.take(3)
    if kind == 0:
        return c.take(2 * n) - n
    if kind == 1:
        lo = c.take(n)
        return slice(lo, lo + 1 + c.take(n - lo))
    return np.array([c.take(n) for _ in range(1 + c.take(3))])


def _getitem_strategy(b, name, x, picks, c):
    x = b.rank1(x)
    s = b.shape(x)
    idx = (_index(c, s[0]),) if len(s) == 1 or c.take(2) == 0 else (slice(None), _index(c, s[1]))
    return b.emit("getitem", x, idx=idx)


def _scatter_add_strategy(b, name, x, picks, c):
    s = b.shape(x)
    kind = c.take(3) if s else 0
    if kind == 0:  # x becomes one row of a stack of rows
        k = 2 + c.take(2)
        return b.emit("scatter_add", x, idx=(c.take(k),), shape=(k,) + s)
    m = s[0] + 1 + c.take(2)
    if kind == 1:  # x lands in a window of a longer axis
        lo = c.take(m - s[0] + 1)
        return b.emit("scatter_add", x, idx=(slice(lo, lo + s[0]),), shape=(m,) + s[1:])
    rows = np.array([c.take(m) for _ in range(s[0])])  # repeated rows accumulate
    return b.emit("scatter_add", x, idx=(rows,), shape=(m,) + s[1:])


def _join_strategy(b, name, x, picks, c):
    x = b.rank1(x) if name == "concatenate" else x
    xs = b.same_shape(x, picks[1:], 2 + c.take(2))
    return b.emit(name, *xs, axis=c.take(len(b.shape(x)) + (name == "stack")))


# -- the entries -------------------------------------------------------------------------------


def _inverse_perm(axes):
    return tuple(int(i) for i in np.argsort(axes))


transpose = defop(
    "transpose",
    lambda x, axes: x.transpose(axes) if isinstance(x, np.ndarray) else np.transpose(x, axes),
    complex=True,
    jvp=(lambda t, out, x, axes: _transpose(t, axes),),
    vjp=(lambda ct, out, x, axes: _transpose(ct, _inverse_perm(axes)),),
    samples=_samples((((3, 4),), {"axes": (1, 0)}), (((2, 3, 4),), {"axes": (2, 0, 1)})),
    batch=lambda batched, x, axes: _transpose(x, (0,) + _batch_axis(tuple(axes))),
    index=lambda shapes, axes: (f"{_LETTERS[: len(axes)]}->{''.join(_LETTERS[a] for a in axes)}", 1.0),
    strict=(True,),
    doc="permute axes",
    numpy=("transpose",),
    front=_transpose_front,
    strategy=_transpose_strategy,
    # a matrix's transpose by `.T`: the same view (an ndarray's; a traced value's `.T` binds this op)
    direct=lambda ranks, axes: (_MATRIX_T, {}) if ranks == (2,) and tuple(axes) == (1, 0) else None,
    linear=True,
    writable_view=True,
    copies=True,
)
_MATRIX_T = operator.attrgetter("T")
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _reshape_index(shapes, shape):
    """A reshape that only adds or drops unit axes is the identity on the others (else None)."""
    (x,) = shapes
    if [d for d in x if d != 1] != [d for d in shape if d != 1]:
        return None
    kept, unit = iter(_LETTERS), iter(_LETTERS[::-1])
    ins = "".join(next(unit) if d == 1 else next(kept) for d in x)
    kept = iter(_LETTERS)
    return ins + "->" + "".join(next(unit) if d == 1 else next(kept) for d in shape), 1.0


reshape = defop(
    "reshape",
    lambda x, shape: x.reshape(shape) if isinstance(x, np.ndarray) else np.reshape(x, shape),
    complex=True,
    jvp=(lambda t, out, x, shape: _reshape(t, _shape(out)),),
    vjp=(lambda ct, out, x, shape: _reshape(ct, _shape(x)),),
    samples=_samples((((3, 4),), {"shape": (2, 6)}), (((6,),), {"shape": (3, 2)})),
    batch=lambda batched, x, shape: _reshape(x, _shape(x)[:1] + tuple(shape)),
    index=_reshape_index,
    strict=(True,),
    doc="reshape",
    numpy=("reshape",),
    methods=("reshape",),
    front=_reshape_front,
    strategy=_reshape_strategy,
    # an array's reshape by its method, bound to the shape (a C call: the impl's view, without its frame)
    direct=lambda ranks, shape: (operator.methodcaller("reshape", tuple(shape)), {}) if ranks[0] else None,
    linear=True,
    writable_view=True,
    copies=True,
)


broadcast_to = defop(
    "broadcast_to",
    lambda x, shape: np.broadcast_to(x, shape),
    complex=True,
    jvp=(lambda t, out, x, shape: _broadcast_to(t, shape),),
    vjp=(lambda ct, out, x, shape: unbroadcast(ct, _shape(x)),),
    samples=_samples((((4,),), {"shape": (3, 4)}), (((3, 1),), {"shape": (3, 4)})),
    batch=lambda batched, x, shape: _broadcast_to(
        _reshape(x, _shape(x)[:1] + (1,) * (len(shape) + 1 - _ndim(x)) + _shape(x)[1:]), _shape(x)[:1] + tuple(shape)
    ),
    strict=(True,),
    doc="broadcast to a shape",
    numpy=("broadcast_to",),
    front=_broadcast_to_front,
    strategy=_broadcast_to_strategy,
    linear=True,
    copies=True,
)


def _getitem_impl(x, idx):
    return x[idx] if isinstance(x, np.ndarray) else np.asarray(x)[idx]


def _scatter_add_impl(ct, idx, shape):
    dtype = ct.dtype if isinstance(ct, np.ndarray) else np.result_type(float, type(ct))
    if isinstance(ct, np.ndarray) and ct.ndim == 0:
        ct = ct[()]  # an object array would otherwise store the 0-d array itself as the element
    z = np.zeros(shape, dtype=dtype)
    if any(isinstance(i, np.ndarray) for i in idx):
        np.add.at(z, idx, ct)  # repeated integer indices accumulate
    else:
        z[idx] = ct
    return z


def _getitem_add_into(acc, ct, out, x, idx):
    """getitem's cotangent added at idx of acc (Op.vjp_add_into); acc None: scattered into zeros. Integer-array
    indices are left to the rule (scatter_add's np.add.at sums repeats before they meet acc: other roundings)."""
    if acc is None:
        return _scatter_add_impl(ct, idx, _shape(x))
    if any(isinstance(i, (np.ndarray, list)) for i in idx):
        return None
    acc[idx] += ct
    return acc


def _getitem_fresh(ranks, idx):
    """Whether x[idx] is a number or a copy (Op.fresh): an integer for each of x's axes, or advanced indexing."""
    ints = all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in idx)
    return ints and len(idx) == ranks[0] or any(isinstance(i, np.ndarray) for i in idx)


def _getitem_batch(batched, x, idx):
    if _advanced_apart(idx):
        return _loop_batch(getitem, batched, x, idx=idx)
    return getitem(x, idx=(slice(None),) + tuple(idx))


def _scatter_add_into(acc, ct, idx, shape):
    """acc with ct added at idx in place (Op.add_into), for basic indices; integer arrays (np.add.at sums repeats
    before they meet acc: other roundings) give None."""
    if any(isinstance(i, (np.ndarray, list)) for i in idx):
        return None
    if isinstance(ct, np.ndarray) and ct.ndim == 0:
        ct = ct[()]
    acc[idx] += ct
    return acc


def _scatter_add_batch(batched, ct, idx, shape):
    if _advanced_apart(idx):
        return _loop_batch(scatter_add, batched, ct, idx=idx, shape=shape)
    return scatter_add(ct, idx=(slice(None),) + tuple(idx), shape=_shape(ct)[:1] + tuple(shape))


getitem = defop(
    "getitem",
    _getitem_impl,
    complex=True,
    jvp=(lambda t, out, x, idx: getitem(t, idx=idx),),
    vjp=(lambda ct, out, x, idx: scatter_add(ct, idx=idx, shape=_shape(x)),),
    samples=_samples(
        (((5,),), {"idx": (slice(1, None),)}),
        (((3, 4),), {"idx": (1,)}),
        (((3, 4),), {"idx": (slice(None), slice(None, None, 2))}),
        (((5,),), {"idx": (np.array([0, 2, 2]),)}),
        (((2, 3, 4),), {"idx": (np.array([0, 1]), slice(None), np.array([1, 2]))}),
    ),
    batch=_getitem_batch,
    vjp_add_into=(_getitem_add_into,),
    fresh=_getitem_fresh,
    unread=(0,),  # (its rules read x's shape only: an assignment may overwrite x's buffer after it)
    doc="basic slicing and integer-array indexing",
    strategy=_getitem_strategy,
    linear=True,
    writable_view=True,
    copies=True,
)
scatter_add = defop(
    "scatter_add",
    _scatter_add_impl,
    complex=True,
    jvp=(lambda t, out, ct, idx, shape: scatter_add(t, idx=idx, shape=shape),),
    vjp=(lambda u, out, ct, idx, shape: getitem(u, idx=idx),),
    samples=_samples(
        (((2,),), {"idx": (slice(1, 3),), "shape": (4,)}),
        (((3,),), {"idx": (np.array([0, 2, 2]),), "shape": (4,)}),
        (((2, 3),), {"idx": (np.array([0, 1]), slice(None), np.array([1, 2])), "shape": (2, 3, 4)}),
    ),
    batch=_scatter_add_batch,
    add_into=_scatter_add_into,
    fresh=lambda ranks, idx, shape: True,  # (zeros of its own, ct added)
    doc="zeros(shape) with ct added at idx: the transpose of getitem",
    strategy=_scatter_add_strategy,
)


def _setitem_impl(y, v, idx):
    return _setitem_in_place(np.array(y, copy=True), v, idx)  # (object arrays too: the symbolic method's)


def _setitem_in_place(y, v, idx):
    """setitem's value written into y's own buffer (Op.in_place: y[idx] = v in a loop, O(1) a write). A traced y
    (forward's sweep traced, differentiators/owned.py): its trace records the write, into y's value where nothing
    else can see it (Trace.assigned), else as a copy; the result is a new traced value."""
    assigned = getattr(getattr(y, "_trace", None), "assigned", None)
    if assigned is not None:
        return assigned(setitem, (y, v), {"idx": idx})
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v[()]  # an object array would otherwise store the 0-d array itself as the element
    y[idx] = v
    return y


def _zeros_for(y, t):
    """Zeros shaped as y, of the tangent t's kind (a complex tangent written into them stays complex)."""
    return np.zeros(_shape(y), dtype=np.result_type(float, getattr(t, "dtype", float)))


def _widened(ty, tv, out):
    """y's tangent made complex where the output is and v's tangent is but y's is not (a complex y of a real
    tangent, y = C + x): written into as it is, setitem's copy would drop the written tangent's imaginary part."""
    if ty is None or tv is None or not np.iscomplexobj(out) or _is_complex(ty) or not _is_complex(tv):
        return ty
    return ty + 0j


def _is_complex(t):
    return (t.dtype if isinstance(t, Traced) else np.result_type(t)).kind == "c"


def _setitem_joint_jvp(ts, out, y, v, idx):
    """The tangent of y with v's written at idx: one output-sized array (a zero tangent's entries zero)."""
    ty, tv = ts
    ty = _widened(ty, tv, out)
    return setitem(_zeros_for(y, tv) if ty is None else ty, 0.0 if tv is None else tv, idx=idx)


def _setitem_ct_in_place(ct, out, y, v, idx):
    """The target's cotangent, ct with idx zeroed, written into ct's own buffer (Op.vjp_in_place)."""
    return _setitem_in_place(ct, 0.0, idx)


def _setitem_jvp_in_place(ts, out, y, v, idx):
    """The tangent of y with v's written at idx, into y's tangent's own buffer (Op.jvp_in_place); a real one that a
    complex tangent is written into is widened first (the joint rule's, a new buffer)."""
    if _widened(ts[0], ts[1], out) is not ts[0]:
        return _setitem_joint_jvp(ts, out, y, v, idx)
    return _setitem_in_place(ts[0], 0.0 if ts[1] is None else ts[1], idx)


def _setitem_batch(batched, y, v, idx):
    y, v, idx = _setitem_batched_args(batched, y, v, idx)
    return setitem(y, v, idx=idx)


def _setitem_batch_in_place(batched, y, v, idx):
    """The batched y (batched[0]) with v written at idx of each row, into y's own buffer (Op.batch_in_place)."""
    y, v, idx = _setitem_batched_args(batched, y, v, idx)
    return _setitem_in_place(y, v, idx)


def _setitem_batched_args(batched, y, v, idx):
    """(y, v, idx) of the batched write: both arguments batched, idx behind the batch axis."""
    y, v = _broadcast_batch(batched, [y, v])
    idx = (slice(None),) + tuple(idx)
    rank = np.broadcast_to(np.int8(0), _shape(y))[idx].ndim
    if _ndim(v) < rank:  # (a rule's scalar 0.0: its batch axis leads, the target's axes follow)
        v = _reshape(v, _shape(v)[:1] + (1,) * (rank - _ndim(v)) + _shape(v)[1:])
    return y, v, idx


def _setitem_strategy(b, name, y, picks, c):
    y = b.rank1(y)
    n = b.shape(y)[0]
    idx = (c.take(n),) if c.take(2) == 0 else (slice(c.take(n), None),)
    return b.emit(name, y, b.emit("getitem", b.same_shape(y, picks[1:], 2)[1], idx=idx), idx=idx)


setitem = defop(
    "setitem",
    _setitem_impl,
    complex=True,
    jvp=(
        lambda t, out, y, v, idx: setitem(t, 0.0, idx=idx),
        lambda t, out, y, v, idx: setitem(_zeros_for(y, t), t, idx=idx),
    ),
    vjp=(lambda ct, out, y, v, idx: setitem(ct, 0.0, idx=idx), lambda ct, out, y, v, idx: getitem(ct, idx=idx)),
    joint_jvp=_setitem_joint_jvp,
    samples=_samples(
        (((5,), ()), {"idx": (2,)}),
        (((3, 4), (4,)), {"idx": (1,)}),
        (((3, 4), (3, 2)), {"idx": (slice(None), slice(1, 3))}),
    ),
    batch=_setitem_batch,
    in_place=_setitem_in_place,
    batch_in_place=_setitem_batch_in_place,
    vjp_in_place=(_setitem_ct_in_place,),
    jvp_in_place=_setitem_jvp_in_place,
    unread=(0, -1),  # (its rules read y's shape only, never the output)
    strategy=_setitem_strategy,
    internal=True,
    doc="y with v written at the basic index idx (ints, slices), v of y[idx]'s shape: item assignment's update",
)


def _segments(xs, axis):
    offsets = np.cumsum([0] + [_shape(x)[axis] for x in xs])
    return [(int(lo), int(hi)) for lo, hi in zip(offsets[:-1], offsets[1:])]


def _concat_idx(xs, i, axis, nd):
    lo, hi = _segments(xs, axis)[i]
    return (slice(None),) * axis + (slice(lo, hi),) + (slice(None),) * (nd - axis - 1)


def _concat_jvp(i):
    def rule(t, out, *xs, axis):
        return scatter_add(t, idx=_concat_idx(xs, i, axis, _ndim(out)), shape=_shape(out))

    return rule


def _concat_joint_jvp(ts, out, *xs, axis):
    """The tangents joined as the values are (a zero tangent's block zeros): one output-sized array, not k."""
    return concatenate(*[np.zeros(_shape(x)) if t is None else t for t, x in zip(ts, xs)], axis=axis)


def _stack_joint_jvp(ts, out, *xs, axis):
    return stack(*[np.zeros(_shape(x)) if t is None else t for t, x in zip(ts, xs)], axis=axis)


def _concat_vjp(i):
    def rule(ct, out, *xs, axis):
        return getitem(ct, idx=_concat_idx(xs, i, axis, _ndim(out)))

    return rule


def _stack_jvp(i):
    def rule(t, out, *xs, axis):
        expanded = _reshape(t, _shape(t)[:axis] + (1,) + _shape(t)[axis:])
        return scatter_add(expanded, idx=(slice(None),) * axis + (slice(i, i + 1),), shape=_shape(out))

    return rule


def _stack_vjp(i):
    def rule(ct, out, *xs, axis):
        return getitem(ct, idx=(slice(None),) * axis + (i,))

    return rule


concatenate = defop(
    "concatenate",
    lambda *xs, axis: np.concatenate(xs, axis=axis),
    complex=True,
    jvp=(_concat_jvp,),
    vjp=(_concat_vjp,),
    joint_jvp=_concat_joint_jvp,
    nargs=None,
    batch=lambda batched, *xs, axis: concatenate(*_broadcast_batch(batched, xs), axis=_batch_axis(axis)),
    samples=_samples((((2, 3), (1, 3)), {"axis": 0}), (((2,), (3,), (1,)), {"axis": 0})),
    doc="join arrays along an existing axis",
    numpy=("concatenate",),
    front=_concatenate_front,
    strategy=_join_strategy,
    linear=True,
    copies=True,
)
stack = defop(
    "stack",
    lambda *xs, axis: np.stack(xs, axis=axis),
    complex=True,
    jvp=(_stack_jvp,),
    vjp=(_stack_vjp,),
    joint_jvp=_stack_joint_jvp,
    nargs=None,
    batch=lambda batched, *xs, axis: stack(*_broadcast_batch(batched, xs), axis=_batch_axis(axis)),
    samples=_samples((((3,), (3,)), {"axis": 0}), (((2, 3), (2, 3)), {"axis": 1})),
    doc="join arrays along a new axis",
    numpy=("stack",),
    front=_stack_front,
    strategy=_join_strategy,
    linear=True,
    copies=True,
)


__all__ = [name for name, value in list(globals().items()) if isinstance(value, Op)]
