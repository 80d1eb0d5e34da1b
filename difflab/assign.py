"""Item assignment on traced values (`y[i] = v`, `y[mask] += v`): the functional update it records, and
which traced values share elements the way NumPy's views do, where that update would answer otherwise.

The update. `y[idx] = v` records, with the registry's own entries, `setitem(y, v, idx)` for a basic
index (ints, slices: one equation, no mask, so a loop of n writes records n small equations) and
`where(written, scatter_add(v, idx), y)` for a mask or integer arrays, so every method, vmap, nested
derivatives and SymPy take it from their rules, and rebinds the tracer y to the result: the Python object `y`
stands for the updated value from then on, as a NumPy array would hold it. Integer arrays with a
position written twice keep the last write, as NumPy does (`y[[0, 0]] = [a, b]` holds b; `y[[0, 0]]
+= v` adds once: Python reads, adds and writes back). A traced boolean mask (`z[z < 0] = 0`, `z[m] = x[m]`)
records `where(mask, v, y)` when v does not depend on the mask's count (`assign_masked`), and `z[m] += c`,
`z[m] = np.log(x[m])` (an elementwise h of reads by the same mask) `where(mask, h(x), y)`: the positions are
computed from the values at every call, so dl.prepare reuses it; a mask along some axes among full slices too
(`X[rows] *= 2`, `X[:, cols] = 0`: where(mask broadcast along the others, ...)); other values of the mask's count
read the mask's value (the trace specialised to it, as indexing by it is). A traced integer index (np.argsort's,
np.argmax's: `y[i] = v`, `y[:, i] = v`, `x.at[i].set(v)`, np.put, np.put_along_axis) records the registry's
put_along (`assign_indexed`: the last write of a repeated position kept, as NumPy's, and only its derivative), also
recomputed at every call. An input's tracer rebound so is restored in the
graph's inputs (Trace.rebound): the caller's array is never written, unlike NumPy's.

The views. NumPy's basic slicing, reshape, transpose, ravel, diagonal... return views: writing into
the array changes them too, and writing into one changes the array. A rebound tracer changes no other
tracer, so assignment is refused, by name, when the tracer written shares elements with another one
still reachable: each tracer made by a view-producing function joins its argument's family (a list of
weak references), and `y[i] = v` refuses while any other member of y's family is alive. Temporaries
(`y[1:] += v` reads the view `y[1:]`, which is gone before the write) are freed by then; anything
still referenced is refused, never given a silently different value. Functions that return their
argument itself where NumPy returns a copy (`x.copy()`, `x + 0`, `x.astype(float)`) hand out a fresh
tracer of the same value instead (`handed`), so that no two names share one tracer NumPy would not share.

In place, as NumPy's. `x op= v` updates the object x (`in_place`): every name holding it sees the new value
(`a = x; a += 1` changes x), as NumPy's in-place operators do; a 0-d tracer stands for a NumPy scalar, which
is immutable (`s += 1` makes a new one), and difflab's own code keeps its names' values (its rules never
share an updated name). A ufunc's `out=` (with `where=`), `x.fill`, `x.put`, `numpy.put`, `putmask`, `place`
and `copyto` are assignments of the whole array or of the positions NumPy writes, with NumPy's rules for
repeating the values; each refuses where NumPy's views would see the write, or NumPy refuses the cast.

JAX's spelling. `x.at[idx].set(v)` (and .add, .subtract, .multiply, .divide, .power, .min, .max, .apply,
.get) returns the updated value and leaves x as it was, as jax.numpy's does: the same recorded update on
a fresh tracer, so views and families do not enter. As JAX's, every update of a position an integer index repeats
is applied (.set: the last). .add is scatter_add (scatter_along by a traced index); .multiply/.min/.max are one
equation of the registry's scatter_mul_along/scatter_min_along/scatter_max_along whatever the index (constant or
traced, of any length: not read, so prepare, vmap and jit reuse the trace), .divide and .power JAX's x / Π v and
x ** Π v; .set by a traced index is put_along, .get a gather. .apply(f) applies f once per repetition, in order: by
a traced index of up to 256 positions, c times at a position the index holds c times (`_applied_counted`: the counts
computed at every call, k rounds on the k gathered slots); numpy.power.at in rounds (`_applied_along`: a traced index
of at most 16 positions recorded, each position's occurrence rank computed from it at every call; up to 256 the same
by a stable argsort of it, `_powered_in_turn`). Both cost k rounds on k slots (k² element operations), so a longer
traced index is read and the trace specialised to it (one round per repetition its values hold). Every axis indexed by traced indices and ints
(`x.at[i, j]`, `y[i, j] = v`: flat_index) is the same on the flat elements at Σ i_d·stride_d, a component out of its
axis's range made the position y.size. An index out of range raises NumPy's IndexError unless JAX's mode= is given
("fill" and "clip" for .get, "drop" and "clip" for updates: `_AtIndex`'s docstring says why and how).
"""

from __future__ import annotations

import dis
import itertools
import math
import warnings
import weakref

import numpy as np

from . import ops
from .errors import UnsupportedOperationError
from .graph import Traced, Var
from .ops.shape import _broadcast_to_front, _reshape_front

__all__ = ["assign", "in_place", "handed", "view_of", "fresh", "At", "VIEWS"]

#: NumPy functions and ndarray methods whose result shares its argument's elements (a view, writable
#: or not): their results join the argument's family (conservative: a copy listed here only refuses more)
VIEWS = frozenset(
    {
        "reshape", "ravel", "transpose", "matrix_transpose", "permute_dims", "swapaxes", "moveaxis", "rollaxis",
        "squeeze", "expand_dims", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "broadcast_arrays",
        "diagonal", "diag", "linalg.diagonal", "real", "imag", "flip", "fliplr", "flipud", "rot90", "split",
        "array_split", "hsplit", "vsplit", "dsplit", "unstack", "trim_zeros", "real_if_close",
        "lib.stride_tricks.sliding_window_view", "sliding_window_view", "view", "asarray", "asanyarray",
        "ascontiguousarray", "asfortranarray", "require",
    }
)  # fmt: skip

#: id(tracer) -> (its weak reference, its family: the list of its members' weak references, whether a view)
_FAMILY: dict = {}

#: id(view) -> (its base's Var when it was taken, the basic index): the views `y[idx]` (Tracer.__getitem__), which
#: an assignment into y may read as its value (the shift register `buf[1:] = buf[:-1]`, see `assign`)
_INDEXED: dict = {}


def fresh(t):
    """Another tracer object of t's value (a copy: rebinding one by assignment leaves the other)."""
    c = object.__new__(type(t))
    c._trace, c.node, c.value = t._trace, t.node, t.value
    return c


def _enter(t, family: list, view: bool) -> None:
    key = id(t)
    # (the tables bound as defaults: a callback run at interpreter exit finds the module's globals already None)
    ref = weakref.ref(t, lambda _, key=key, fam=_FAMILY, ind=_INDEXED: (fam.pop(key, None), ind.pop(key, None)))
    if len(family) >= 64 and len(family) & (len(family) - 1) == 0:  # (a loop reading rows: drop the dead)
        family[:] = [r for r in family if r() is not None]
    family.append(ref)
    _FAMILY[key] = (ref, family, view)


def view_of(base, result, idx=None):
    """Note that `result` (a tracer, or a list or tuple of them) shares elements with `base`; returns it.
    `idx`: result is `base[idx]` by a basic index (an assignment into base may read it, `assign`)."""
    if type(result) in (list, tuple):
        for r in result:
            view_of(base, r)
        return result
    if not isinstance(result, Traced) or not isinstance(base, Traced) or result is base:
        return result
    entry = _FAMILY.get(id(base))
    if entry is None:
        family: list = []
        _enter(base, family, False)
    else:
        family = entry[1]
    old = _FAMILY.get(id(result))
    if old is None:
        _enter(result, family, True)
        if idx is not None:
            _INDEXED[id(result)] = (base.node, idx)
    elif old[1] is not family:  # (two families joined: broadcast_arrays of two bases)
        for ref in old[1]:
            member = ref()
            if member is not None:
                _FAMILY[id(member)] = (ref, family, _FAMILY[id(member)][2])
                family.append(ref)
    return result


def handed(name: str, args, result):
    """`result` of the NumPy function or method `name` on `args`, as the user is handed it: a fresh tracer
    where it is one of the arguments themselves and NumPy's result is a new array, a member of the
    first traced argument's family where NumPy's is a view (VIEWS)."""
    if type(result) in (list, tuple):
        if _is_view(name, args):
            for a in args:
                view_of(a, result)
        return result
    if not isinstance(result, Traced):
        return result
    for a in args:
        if a is result:
            if name in ("asarray", "asanyarray", "ascontiguousarray", "asfortranarray"):
                return result  # NumPy returns the array itself too
            result = fresh(result)
            break
    if _is_view(name, args):
        for a in args:
            view_of(a, result)
    return result


def _is_view(name: str, args) -> bool:
    """Whether NumPy's `name` on `args` returns a view: np.diag of a vector builds a new matrix (a Leslie matrix's
    `L = np.diag(s, -1); L[0] = f` writes into it), of a matrix it is the diagonal's view."""
    if name == "diag":
        return bool(args) and np.ndim(args[0]) != 1
    return name in VIEWS


def _sharing(y) -> tuple:
    """(whether y is a view, the other reachable tracers sharing its elements)."""
    entry = _FAMILY.get(id(y))
    if entry is None:
        return False, []
    others = [r() for r in entry[1]]
    return entry[2], [o for o in others if o is not None and o is not y]


def _said(where) -> str:
    """The assignment as the user's source says it (`where()` reads it: only on an error, it costs a file read);
    a call (`numpy.put(a, ...)`) as it is."""
    text = where()
    if not text:
        return "item assignment"
    return f"`{text}`" if text.endswith(")") else f"`{text} = ...`"


def _disjoint(y, idx: tuple, other) -> bool:
    """Whether `other` is the view y[j] of y as it is now (a basic index j) and y[idx] writes none of its elements
    (`x = traj[:, t]; traj[:, t + 1] = f(x)`: NumPy leaves x as it is, so the write is NumPy's)."""
    entry = _INDEXED.get(id(other))
    if entry is None or entry[0] is not y.node:
        return False
    at = np.arange(math.prod(y.shape)).reshape(y.shape)
    try:
        read, written = np.ravel(at[entry[1]]), np.ravel(at[idx])
    except (IndexError, TypeError, ValueError):  # (NumPy's own error is the write's to raise)
        return False
    seen = np.zeros(at.size, dtype=bool)
    seen[read] = True
    return not seen[written].any()


def _refuse_shared(y, where, others=None, idx=None) -> None:
    is_view, shared = _sharing(y)
    others = shared if others is None else others
    if others and idx is not None:
        others = [o for o in others if not _disjoint(y, idx, o)]
    if not others:
        return
    other = others[0]
    said = _said(where)
    if is_view and not _FAMILY[id(other)][2]:
        raise UnsupportedOperationError(
            f"{said} writes into a view ({y.node!r}: {y.node.aval}) of another traced value ({other.node!r}: "
            f"{other.node.aval}), still in use: NumPy would change that array too, which difflab's update of "
            "this one cannot; copy the view first (v = x[1:].copy(); v[0] = ...) or write into the array "
            "itself (x[1] = ... for v[0] = ... with v = x[1:])"
        )
    raise UnsupportedOperationError(
        f"{said} writes into a traced value ({y.node!r}: {y.node.aval}) that shares its elements with another "
        f"one still in use ({other.node!r}: {other.node.aval}: a view by slicing, reshape, ravel, transpose, "
        "diagonal...): NumPy would change both, difflab's update changes only the one written; take a copy "
        "of the view (v = y[1:].copy()), or drop it (del v) before the assignment"
    )


def _stores_subscript(frame) -> bool:
    """Whether the code `frame` runs stores the value being computed into a subscript next (`y[1:] += v`: the
    view y[1:] read, added to, written back, which the write's own check covers)."""
    for ins in dis.get_instructions(frame.f_code):
        if ins.offset > frame.f_lasti and ins.opname not in ("SWAP", "COPY", "CACHE"):
            return ins.opname == "STORE_SUBSCR"
    return False


def _refuse_augmented(t, others, where) -> None:
    text = where()
    raise UnsupportedOperationError(
        f"{f'`{text}`' if text else 'an augmented assignment (+=)'} updates in place a traced value ({t.node!r}: "
        f"{t.node.aval}) that shares its elements with another one still in use ({others[0].node!r}: "
        f"{others[0].node.aval}: a view by slicing, reshape, ravel, transpose, diagonal...): NumPy would change "
        "both, difflab's update changes this one only; copy first (v = v.copy(), then update it), or drop the "
        "other (del it) before"
    )


def in_place(t, new, frame, where, name: str = "an augmented assignment"):
    """`t op= v` (or a ufunc's `out=t`) in the user's code `frame`, `new` being its value: NumPy's in-place
    update, which every name holding the object t sees (`a = x; a += 1` changes x): t rebound to `new` and
    returned. Refused by name where NumPy's update would also change a view of t (or t being a view, its base),
    or NumPy would refuse the cast; NumPy's ValueError where `new` does not fit t's shape. `where()` is the
    source text. Kept as a new value (`new` returned, t left): a 0-d t (it stands for a NumPy scalar, immutable:
    `s += 1` makes a new one), difflab's own code (its rules never share an updated name), and `y[i] op= v`,
    whose store writes the update back itself."""
    if new is t or not t.node.shape or frame.f_globals.get("__name__", "").startswith("difflab."):
        return new
    if id(t) in _FAMILY:  # (a view, or viewed)
        if _stores_subscript(frame):
            return new
        _, others = _sharing(t)
        if others:
            _refuse_augmented(t, others, where)
    if new.shape != t.shape:
        raise ValueError(
            f"non-broadcastable output operand with shape {t.shape} doesn't match the broadcast shape {new.shape}"
            + (f" (`{where()}`)" if where() else "")
        )
    if new.dtype != t.dtype:
        if not np.can_cast(new.dtype, t.dtype, "same_kind"):
            text = where()
            raise UnsupportedOperationError(
                f"{f'`{text}`' if text else name} updates a traced {t.dtype} array in place with {new.dtype} "
                f"values, which NumPy refuses too (casting='same_kind'); write a new array (a = a + ...), or "
                "make the array of that type first (a = a + 0j for complex values)"
            )
        new = new.astype(t.dtype)
    if new._trace is not t._trace:
        raise UnsupportedOperationError(
            f"{f'`{where()}`' if where() else name} updates in place a traced value of an enclosing derivative "
            f"({t.node!r}: {t.node.aval}) with a value traced by an inner one, which would outlive its trace; "
            "write a new array instead (a = a + ...)"
        )
    t._trace.rebind(t, new)
    return t


def _value_of(value):
    if type(value) in (list, tuple):
        from . import numpy as dnp  # (difflab.numpy imports this module)

        return dnp.asarray(value)
    return value


def _parsed(y, value, where):
    """Strings stored into a traced number array are parsed as NumPy's assignment parses them (y[0] = "1" stores
    1.0, a constant); a string that is no number gets NumPy's ValueError, naming the assignment."""
    if isinstance(value, (str, bytes)) or (type(value) in (list, tuple, np.ndarray) and not _holds_traced(value)):
        text = np.asarray(value)
        if text.dtype.kind in "USO" and any(isinstance(v, (str, bytes)) for v in text.ravel().tolist()):
            try:
                return text.astype(y.dtype)
            except (ValueError, TypeError):
                bad = next(v for v in text.ravel().tolist() if not _parses(v, y.dtype))
                kind = "float" if y.dtype.kind == "f" else str(y.dtype)
                raise ValueError(
                    f"could not convert string to {kind}: {bad!r} ({_said(where)} stores a string into a traced "
                    f"{y.dtype} array; NumPy parses only numbers written as strings)"
                ) from None
    return value


def _parses(v, dtype) -> bool:
    try:
        np.asarray(v).astype(dtype)
    except (ValueError, TypeError):
        return False
    return True


def _holds_traced(value) -> bool:
    if isinstance(value, Traced):
        return True
    return type(value) in (list, tuple) and any(_holds_traced(v) for v in value)


def _check_dtype(y, value, where) -> None:
    vdtype = value.dtype if hasattr(value, "dtype") else np.result_type(value)
    if np.result_type(y.dtype, vdtype) != y.dtype:
        raise UnsupportedOperationError(
            f"{_said(where)} stores {vdtype} values into a traced {y.dtype} "
            f"array, which NumPy would cast ({'dropping the imaginary part' if vdtype.kind == 'c' else 'rounding'}); "
            "make the array of the stored values' type first (y = y + 0j for complex values), or convert the values"
        )


def _fitted(value, target: tuple, where):
    """value broadcast to the shape `target` of the elements it is written into, as NumPy's assignment does
    (leading length-1 axes of the value dropped)."""
    vshape = tuple(np.shape(value))
    while len(vshape) > len(target) and vshape[0] == 1:
        vshape = vshape[1:]
    if not _broadcasts_to(vshape, target):
        raise ValueError(
            f"could not broadcast input array from shape {tuple(np.shape(value))} into shape {target}"
            + f" ({_said(where)})"
        )
    if vshape != tuple(np.shape(value)):
        value = _reshape_front(value, vshape)
    return value if vshape == target else _broadcast_to_front(value, target)


def _updated(y, idx: tuple, value, where):
    """The traced value y with `value` written at `idx` (NumPy's semantics), recorded with registry ops."""
    shape = y.shape
    size = math.prod(shape)
    if not any(isinstance(i, np.ndarray) for i in idx):  # basic indexing: each element written once, in place
        target = np.broadcast_to(np.int8(0), shape)[idx].shape  # (a view: NumPy's IndexError out of range)
        value = _fitted(value, target, where)
        if isinstance(value, Traced) and value.shape == shape and value.dtype == y.dtype and math.prod(target) == size:
            return value  # (y[...] = v, x.fill(v), numpy.copyto: v itself)
        # (one equation and no mask, written into y's buffer where the trace may: a loop of n writes records n
        # small equations and keeps one array, Trace.assigned)
        return y._trace.assigned(ops.setitem, (y, value), {"idx": idx})
    positions = np.arange(size).reshape(shape)[idx]  # (NumPy's IndexError for an index out of range)
    value = _fitted(value, positions.shape, where)
    flat = positions.ravel()
    value = _reshape_front(value, (flat.size,))
    unique, first_from_end = np.unique(flat[::-1], return_index=True)
    if unique.size < flat.size:  # a position written twice keeps its last write, as NumPy's
        value, flat = ops.getitem(value, idx=(flat.size - 1 - first_from_end,)), unique
    written = np.zeros(size, dtype=bool)
    written[flat] = True
    scattered = _reshape_front(ops.scatter_add(value, idx=(flat,), shape=(size,)), shape)
    return ops.where(written.reshape(shape), scattered, y)


def assign(y, idx: tuple, value, where) -> None:
    """`y[idx] = value` on the tracer y (`idx` a tuple of ints, slices, None, Ellipsis and NumPy integer or
    boolean arrays): the update recorded and y rebound to it, or refused by name (views, casts). `where()`
    is the assignment's source text, or None.

    The value may be a view `y[j]` of y itself, taken before the write (the shift register `buf[1:] = buf[:-1]`,
    `x[:, 1:] = x[:, :-1]`): NumPy copies an overlapping source first, so the written elements are y's before the
    write, which the recorded update reads; the view is then re-derived from the updated y (`y[j]` again), as
    NumPy's view would show it to a name that still holds it."""
    read = _read_view(y, value)
    if read is None:
        _refuse_shared(y, where, idx=idx)
    else:
        _refuse_shared(y, where, [o for o in _sharing(y)[1] if o is not value], idx)
    value = _parsed(y, value, where)
    value = _value_of(value)
    _check_dtype(y, value, where)
    new = _updated(y, idx, value, where)
    if new._trace is not y._trace:
        raise UnsupportedOperationError(
            f"{_said(where)} stores a value traced by an inner derivative "
            f"into a traced value of an enclosing one ({y.node!r}: {y.node.aval}), which would outlive its "
            "trace; build the new array inside the inner function (y2 = y.copy(); y2[i] = v) and return it"
        )
    y._trace.rebind(y, new)
    if read is not None:
        again = ops.getitem(y, idx=read)
        value.node, value.value = again.node, again.value  # (not Trace.rebind: a view is never an input)
        _INDEXED[id(value)] = (y.node, read)


def mask_axis(x, idx):
    """(mask, axis) when `idx` indexes x by one traced boolean mask among full slices, the mask's shape x's at the
    axes it spans from `axis` on: `x[m]`, `x[m, :]`, `x[:, m]`, `x[..., m]` (a 1-D m selecting rows, columns...).
    None for any other index (read as trace._index reads it).

    >>> import numpy as np, difflab as dl
    >>> def f(x):
    ...     z = x * 1.0
    ...     z[:, x[0] > 0] *= 2.0  # (a column mask: where(m[None, :], 2 z, z))
    ...     return (z * z).sum()
    >>> dl.prepare(f, np.array([[1.0, -1.0], [1.0, 1.0]])).grad(np.array([[-1.0, 1.0], [1.0, 1.0]]))
    array([[-2.,  8.],
           [ 2.,  8.]])
    """
    if type(idx) is not tuple:
        if not isinstance(idx, Traced):
            return None
        idx = (idx,)
    elif not any(isinstance(i, Traced) for i in idx):
        return None
    at, dots = -1, -1
    for p, i in enumerate(idx):
        if isinstance(i, Traced):
            if at >= 0:
                return None
            at = p
        elif i is Ellipsis and dots < 0:
            dots = p
        elif type(i) is not slice or i.start is not None or i.stop is not None or i.step is not None:
            return None  # (an int, a partial slice, None, another array: NumPy's other indexing)
    mask, ndim = idx[at], len(x.shape)
    if mask.dtype != bool:
        return None
    k = len(mask.shape)
    spanned = len(idx) - (dots >= 0) - 1 + k
    if spanned > ndim:
        return None
    axis = at - 1 + ndim - spanned if 0 <= dots < at else at
    if tuple(mask.shape) != tuple(x.shape[axis : axis + k]):
        return None
    return mask, axis


def _held(mask, shape: tuple, axis: int):
    """The mask with length-1 axes for the others of an array of `shape` it selects along from `axis` on (a row
    mask of a matrix: m[:, None]), as where broadcasts it."""
    k = len(mask.shape)
    full = (1,) * axis + tuple(mask.shape) + (1,) * (len(shape) - axis - k)
    return mask if full == tuple(mask.shape) else _reshape_front(mask, full)


def _selected_shape(vshape: tuple, shape: tuple, axis: int, k: int):
    """The shape a value of shape `vshape` takes for `y[..., mask, ...] = value` (y of `shape`, the k-D mask at
    `axis`) to broadcast against y as NumPy broadcasts it against each selected element: length-1 axes for the
    mask's; None where it has a length other than 1 along the axis of the mask's count (a value of the count:
    the caller reads the mask's values) or does not broadcast."""
    rest = tuple(shape[axis + k :])
    target = tuple(shape[:axis]) + (1,) + rest
    while len(vshape) > len(target) and vshape[0] == 1:
        vshape = vshape[1:]
    if len(vshape) > len(target):
        return None
    p = len(vshape) - len(rest) - 1  # (the count's axis in vshape, if it reaches it)
    if p >= 0 and vshape[p] != 1:
        return None
    try:
        if np.broadcast_shapes(vshape, target) != target:
            return None
    except ValueError:
        return None
    return vshape[:p] + (1,) * k + vshape[p + 1 :] if p >= 0 else vshape


def assign_masked(y, mask, value, where, axis: int = 0) -> bool:
    """`y[mask] = value` with a traced boolean mask (`z[z < 0] = 0`, `z[mask] = row`), and a mask along other axes
    among full slices (`X[rows] = 0`, `X[rows, :] *= 2`, `X[:, cols] = ...`: `axis` its first, mask_axis),
    recorded as `numpy.where(mask, value, y)`, the mask broadcast along y's other axes, when the value does not
    depend on the mask's count: a value broadcast to each selected element as NumPy broadcasts it (length 1 along
    the count's axis); or an elementwise function h of reads by the same mask at the same axis,
    `numpy.where(mask, h(x), y)` (`z[mask] += 1`, `z[mask] = np.log(x[mask])`, `X[rows] -= lr * G[rows]`:
    `_replayed`). The positions are then computed from the values at every call (a prepared function is reused
    where the mask changes). True when recorded so; False for another value of the mask's count
    (`z[mask] = v_of_len_count`, whose shape follows the values) or a mask not of y's shape at those axes, which the
    caller takes as a concrete mask (the trace specialised to its values, NumPy's errors).

    >>> import numpy as np, difflab as dl
    >>> def f(x):
    ...     z = x.copy()
    ...     z[z < 0] = 0.0
    ...     return (z * z).sum()
    >>> dl.prepare(f, np.array([1.0, -2.0])).grad(np.array([-1.0, 3.0]))
    array([0., 6.])
    """
    if (
        not isinstance(mask, Traced)
        or mask.dtype != bool
        or getattr(mask, "_trace", None) is not y._trace  # (a mask of another trace: read as NumPy's, as before)
        or tuple(mask.shape) != tuple(y.shape[axis : axis + len(mask.shape)])
    ):
        return False
    whole = _replayed(y, mask, value, axis) if isinstance(value, Traced) and getattr(y._trace, "masked", None) else None
    if whole is not None:
        value = whole  # (a function of reads x[mask] by this mask: that function of the whole x, Trace.masked)
    else:
        value = _value_of(_parsed(y, value, where))
        shape = _selected_shape(tuple(np.shape(value)), tuple(y.shape), axis, len(mask.shape))
        if shape is None:
            return False  # (of the mask's count, or NumPy's error: the concrete path)
        if shape != tuple(np.shape(value)):
            value = _reshape_front(value, shape)
    _check_dtype(y, value, where)
    new = ops.where(_held(mask, tuple(y.shape), axis), value, y)
    if new.dtype != y.dtype:  # (an integer y and an integer value of another width: NumPy's cast, the concrete path)
        return False
    assign(
        y, (Ellipsis,), _broadcast_to_front(new, tuple(y.shape)) if tuple(new.shape) != tuple(y.shape) else new, where
    )
    return True


def read_masked(x, mask, out, start: int, axis: int = 0) -> None:
    """Note that `out` is x[mask] (x[:, mask] for axis 1...: mask_axis) for the traced boolean mask `mask`
    (Tracer.__getitem__), read when the tape held `start` equations: Trace.masked, which assign_masked replays."""
    t = x._trace
    if not t.masked:
        t.masked = {}  # (this trace's own, not the class's empty default)
    reads = t.masked.get(mask.node)
    if reads is None:
        reads = t.masked[mask.node] = {}
    # (x's Var as it is now: a later update is not read; a Var, not a tracer: no cycle through the trace)
    reads.setdefault(out.node, (x.node, start, axis))


def _replayed(y, mask, value, axis: int = 0):
    """`value` for `y[mask] = value` (the mask at `axis`), when it is an elementwise function h of reads x[mask] by
    this same mask at the same axis of arrays of y's shape (`z[m] += c`, `z[m] = np.log(x[m])`, `z[m] = z[m] * 2 + 1`,
    `X[rows] -= lr * G[rows]`: traced values and constants besides, of length 1 along the count's axis), recorded as h
    of the whole arrays, which where(mask, ., y) then picks from: no value of the mask's count is used. Each x enters
    h as where(mask, x, c), c holding, at each position of the axes the mask leaves, x's element along the mask at a
    position the example's mask selects where every value of h was finite there (an element for a mask of x's
    shape, a row's elements for a row mask): the positions the mask leaves are computed at those points, so they
    never leave h's domain (no DomainWarning, log of a negative x there), and where's zero cotangent there meets a
    finite partial (no NaN in the gradient); where the example's mask selects none, at a position of the whole arrays
    where h is finite. An argument of h's with a domain that a traced value besides the reads enters (`np.log(x[m] -
    s)`: at another s, log of c - s may leave it) is itself where(mask, ., its example's value there): a constant
    inside the domain, whatever s. None when value is not such a function (a reduction, a reordering, an array of
    the mask's count, a read by another mask or at another axis) or h is finite at no position: the read's count is
    then used, and the trace specialised to it (Trace.tentative), as before."""
    t = y._trace
    k, shape = len(mask.shape), tuple(y.shape)
    selected = shape[:axis] + tuple(value.shape[axis : axis + 1]) + shape[axis + k :]  # (the reads' shape)
    if value._trace is not t or tuple(value.shape) != selected:
        return None
    reads = t.masked.get(mask.node)
    if not reads:
        return None
    found = ([], []) if value.node in reads else _chain(t, mask, reads, value, len(shape) - axis - k, k)
    if found is None:
        return None
    chain, filled = found
    used = list(dict.fromkeys(a for e in chain for a in e.args if type(a) is Var and a in reads)) or [value.node]
    for v in used:
        x, _, at = reads[v]
        if x in t.stale or at != axis or tuple(x.shape) != shape or tuple(v.shape) != selected:
            return None  # (x updated since, or a read at another axis, of another shape: not this mask's function)
    held = _held(mask, shape, axis)
    env: dict = {}
    at_args: dict = {}
    if chain:
        fills = _fills(t, chain, used, reads, axis, k, filled)
        if fills is None:
            return None
        at_reads, at_args = fills
        for v, c in zip(used, at_reads):
            env[v] = ops.where(held, _tracer_of(y, reads[v][0]), _filler(c, axis, k))
    else:
        env[value.node] = _tracer_of(y, reads[value.node][0])
    rest = len(shape) - axis - k
    for i, e in enumerate(chain):
        args = [(env[a] if a in env else _tracer_of(y, a)) if type(a) is Var else a.value for a in e.args]
        if k > 1:  # (an argument of h spanning axes on both sides of the count's: its length 1 there made k of them)
            args = [_spanned(v, rest, k) if not (type(a) is Var and a in env) else v for a, v in zip(e.args, args)]
        for j, a in enumerate(e.args):
            if (i, j) in at_args:  # (an argument with a domain that a traced value enters: kept inside it)
                args[j] = ops.where(held, args[j], _filler(at_args[i, j], axis, k))
        env[e.out] = e.op.bind(*args, **e.kw)
    whole = env[value.node]
    return whole if tuple(whole.shape) == shape else None


def _spanned(v, rest: int, k: int):
    """An argument v of h (not computed from the reads) as the whole arrays take it: where it reaches the count's axis
    (length 1 there, _chain), that axis made the k-D mask's k (X[:, m] * s[:, None], m 2-D: s as (n, 1, 1))."""
    shape = tuple(np.shape(v))
    count = len(shape) - rest - 1
    if count < 0:
        return v  # (it broadcasts along the mask's axes from the back as it is)
    full = shape[:count] + (1,) * k + shape[count + 1 :]
    return _reshape_front(v, full) if isinstance(v, Traced) else np.reshape(v, full)


def _filler(c, axis: int, k: int):
    """A fill `c` (of the shape of the axes a mask leaves, _fills) shaped to broadcast along the mask's k axes."""
    if c.ndim == 0:
        return c.item() if c.dtype in (np.float64, np.complex128) else c
    return c.reshape(c.shape[:axis] + (1,) * k + c.shape[axis:])


def _chain(t, mask, reads, value, rest: int, k: int):
    """(the equations from reads by `mask` to `value`, in tape order; the (equation, argument) positions in it of
    arguments with a domain that a traced value besides the reads enters) if h is what _replayed replays, else None.
    `rest`: the number of axes after the count's in the reads' shape; k: the mask's number of axes."""
    derived, made = _derived(t, mask.node, reads)
    if value.node not in derived:
        return None
    chain, need = [], {value.node}
    for e in reversed(made):  # (the equations value needs, back to the reads)
        if e.out in need:
            need.discard(e.out)
            chain.append(e)
            need.update(a for a in e.args if type(a) is Var and a in derived and a not in reads)
            if not need:
                break
    chain.reverse()
    varying: set = set()  # (values of h that a traced value besides the reads enters: they vary at the fill)
    filled = []
    ndim = len(value.shape)
    for i, e in enumerate(chain):
        if not e.op.elementwise or e.out.shape != value.shape or e.out in t.stale:
            return None
        for j, a in enumerate(e.args):
            mine = type(a) is Var and a in derived
            shape = tuple(a.shape if type(a) is Var else np.shape(a.value))
            count = len(shape) - rest - 1  # (the count's axis in the argument's shape, if it reaches it)
            if not mine and (len(shape) > ndim or (count >= 0 and shape[count] != 1)):
                return None  # (an array of the mask's count: its values follow the selection)
            if type(a) is Var and a in t.stale:
                return None
            domain = e.op.domain[min(j, len(e.op.domain) - 1)] if e.op.domain else "real"
            if mine and a in varying and domain not in ("real", "bool"):
                # (log(x[m] - s), s traced: at another s, log of the fill point may leave the domain where the mask
                # leaves; the argument is filled there itself, _replayed)
                filled.append((i, j))
            if type(a) is Var:
                if not mine or a in varying:
                    varying.add(e.out)
            elif isinstance(a.value, Traced):  # (an enclosing trace's value)
                varying.add(e.out)
    return chain, filled


def _derived(t, mask, reads) -> tuple:
    """(the Vars computed from reads by the mask Var `mask`, reads included; the equations computing them, in tape
    order): forward over the tape from where the last call stopped (Trace.masked_scan), so a loop of n updates by
    one mask scans its tape once, not n times."""
    scan = t.masked_scan.get(mask)  # [equations scanned, derived, made, reads taken]
    if scan is None:
        if not t.masked_scan:
            t.masked_scan = {}  # (this trace's own, not the class's empty default)
        scan = t.masked_scan[mask] = [next(iter(reads.values()))[1], set(), [], 0]
    derived, made = scan[1], scan[2]
    derived.update(itertools.islice(reads, scan[3], None))  # (reads since the last call: each after where it stopped)
    scan[3] = len(reads)
    eqns = t.eqns
    for k in range(scan[0], len(eqns)):  # (not islice: it would step over the scanned ones again)
        e = eqns[k]
        for a in e.args:
            if type(a) is Var and a in derived:
                derived.add(e.out)
                made.append(e)
                break
    scan[0] = len(t.eqns)
    return derived, made


def _fills(t, chain, used, reads, axis: int, k: int, filled):
    """(per read in `used`, its x's elements along the mask where the replayed h is computed for the positions the
    mask leaves; per (equation, argument) in `filled`, that argument's value there), each of the shape of the axes
    the mask leaves (_replayed): at each of their positions, the first element the example's mask selects where
    every value of h was finite; if none, the first of the whole arrays where h is; if none, the first of a few
    fixed points (_CANDIDATES: log(x[m]) where the example's x is negative everywhere takes 1.0) where h is (computed
    here, its warnings silenced); None where there is none."""
    names = [*used, *(e.out for e in chain)]
    env = {v: np.asarray(_number(t.values[v])) for v in names}
    finite = np.logical_and.reduce([np.isfinite(env[v]) for v in names])
    for source in (_whole_reads, _candidate_reads):
        if _everywhere(finite, axis):
            break
        more = _evaluated(t, chain, source(t, used, reads, axis, k, env))
        if more is None:
            return None
        env = {
            v: np.concatenate([env[v], np.broadcast_to(more[v], env[v].shape[:axis] + more[v].shape[axis:])], axis)
            for v in names
        }
        finite = np.logical_and.reduce([np.isfinite(env[v]) for v in names])
    if not _everywhere(finite, axis):
        return None
    pick = np.expand_dims(np.argmax(finite, axis=axis), axis)

    def at(v):
        return np.take_along_axis(env[v], pick, axis).squeeze(axis)

    return [at(v) for v in used], {(i, j): at(chain[i].args[j]) for i, j in filled}


#: fill points tried last for the reads (_fills): where neither the example's selection nor the whole arrays have
#: one at which h is finite, the first of these that is (inside log's, sqrt's, arcsin's, log1p's domains...)
_CANDIDATES = np.array([1.0, 0.5, 2.0, -0.5, -1.0, 0.1, 10.0, -10.0, 100.0])


def _whole_reads(t, used, reads, axis: int, k: int, env):
    """The whole arrays of the reads' x's, as the reads' shape (the mask's axes one)."""
    whole = {}
    for v in used:
        x = np.asarray(_number(t.values[reads[v][0]]))
        whole[v] = x.reshape(x.shape[:axis] + (math.prod(x.shape[axis : axis + k]),) + x.shape[axis + k :])
    return whole


def _candidate_reads(t, used, reads, axis: int, k: int, env):
    """Each read taking each of _CANDIDATES along the count's axis (floating reads only: None for others)."""
    if any(env[v].dtype.kind not in "fc" for v in used):
        return None
    out = {}
    for v in used:
        s = env[v].shape
        c = _CANDIDATES.astype(env[v].dtype).reshape((1,) * axis + (-1,) + (1,) * (len(s) - axis - 1))
        out[v] = np.broadcast_to(c, s[:axis] + (len(_CANDIDATES),) + s[axis + 1 :])
    return out


def _evaluated(t, chain, base):
    """The chain's values from `base` (the reads' values), the other arguments at the example's; None if it raises."""
    if base is None:
        return None
    base = dict(base)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in chain:
            args = [
                (base[a] if a in base else _number(t.values[a])) if type(a) is Var else _number(a.value) for a in e.args
            ]
            try:
                base[e.out] = np.asarray(e.op.impl(*args, **e.kw))
            except (ValueError, TypeError, ArithmeticError):
                return None
    return base


def _everywhere(finite, axis: int) -> bool:
    """Whether `finite` holds somewhere along `axis` at every position of its other axes."""
    return finite.shape[axis] > 0 and bool(finite.any(axis=axis).all())


def _tracer_of(y, var):
    """A tracer of y's trace standing for its Var `var` (an argument of an equation replayed, _replayed)."""
    c = object.__new__(type(y))
    c._trace, c.node, c.value = y._trace, var, y._trace.values[var]
    return c


def _number(v):
    return v.concrete if isinstance(v, Traced) else v


def _read_view(y, value):
    """The basic index j where `value` is the view y[j] of y as it is now, else None."""
    if (
        not isinstance(value, Traced)
        or id(value) not in _INDEXED
        or _FAMILY[id(value)][1] is not _FAMILY.get(id(y), (None, None))[1]
    ):
        return None
    node, idx = _INDEXED[id(value)]
    return idx if node is y.node else None


class At:
    """`x.at`: JAX's out-of-place indexed updates on a traced value (`x.at[idx].set(v)` and its siblings).

    >>> import numpy as np, difflab as dl
    >>> dl.grad(lambda x: (x.at[0].set(2 * x[1]).at[[2, 2]].add(x[0]) ** 2).sum())(np.array([1.0, 2.0, 3.0]))
    array([20., 20., 10.])
    """

    __slots__ = ("_x", "_index")

    def __init__(self, x, index):
        self._x, self._index = x, index  # (index: the tracer's own normalisation, trace._index)

    def __getitem__(self, idx):
        axis = index_axis(self._x, idx) if self._x.shape else None
        if axis is None and _flat_indexed(self._x, idx):  # (x.at[i, j] by two traced integer indices: x's flat i·n + j)
            return _AtFlat(self._x, idx, self._index)
        if axis is not None:  # (x.at[i], x.at[:, i] by argsort's i: kept traced, recorded, not specialised)
            return _AtIndex(self._x, idx if isinstance(idx, Traced) else idx[axis], self._index, axis, idx)
        return _AtIndex(self._x, self._index(idx))


_HINTS = ("indices_are_sorted", "unique_indices")

#: JAX's out-of-bounds modes (jax.numpy.ndarray.at, lax.GatherScatterMode)
_MODES = ("promise_in_bounds", "clip", "drop", "fill")


def _mode_of(method: str, mode):
    """JAX's mode= as what it does here: None (NumPy's IndexError for an index out of range: not given, or JAX's
    "promise_in_bounds", the promise checked), "clip" (an index clamped into range, after NumPy's negative positions),
    or "fill" (.get: fill_value where out of range) / "drop" (an update out of range dropped)."""
    if mode is None:
        return None
    if mode not in _MODES:
        raise ValueError(f"x.at[...].{method}(...): mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")
    if mode == "promise_in_bounds":
        return None
    if method == "get":
        return "clip" if mode == "clip" else "fill"
    return "clip" if mode == "clip" else "drop"


def _fill_default(dtype):
    """JAX's fill_value where none is given: NaN for inexact types, else the type's smallest (signed) or largest
    (unsigned) value, True for booleans."""
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind == "b":
        return True
    return np.iinfo(dtype).min if dtype.kind == "i" else np.iinfo(dtype).max


def _moded_index(shape: tuple, idx: tuple, mode: str):
    """A constant index with JAX's mode applied to its integer components (NumPy's negative positions first): clip
    clamps each into its axis; fill/drop makes each out of range the position n, one past its axis (padded there by
    the caller). Returns the index and the axes padded."""
    consumed = sum(np.ndim(i) if np.asarray(i).dtype == bool else 1 for i in idx if i is not None and i is not Ellipsis)
    out, pads, axis = [], [], 0
    for i in idx:
        if i is None or type(i) is slice:
            out.append(i)
            axis += i is not None
            continue
        if i is Ellipsis:
            out.append(i)
            axis += len(shape) - consumed
            continue
        at = np.asarray(i)
        if at.dtype == bool or at.dtype.kind not in "iu":
            out.append(i)
            axis += at.ndim if at.dtype == bool else 1
            continue
        n = shape[axis]
        at = np.where(at < 0, at + n, at)
        if mode == "clip":
            at = np.clip(at, 0, n - 1)
        elif ((at < 0) | (at >= n)).any():
            at = np.where((at >= 0) & (at < n), at, n)
            pads.append(axis)
        out.append(int(at) if at.ndim == 0 else at)
        axis += 1
    return tuple(out), tuple(pads)


def _padded(x, axis: int, value):
    """x with one more position along axis, holding value (the slot an index out of range is sent to)."""
    from . import numpy as dnp  # (difflab.numpy imports this module)

    shape = tuple(x.shape[:axis]) + (1,) + tuple(x.shape[axis + 1 :])
    return dnp.concatenate([x, np.full(shape, value, dtype=x.dtype)], axis=axis)


class _AtFlat:
    """`x.at[i, j]` (every axis indexed, at least two by traced integer indices): the method on x's flat elements
    at the traced flat position (flat_index; mode="clip" clamps each component first), reshaped back."""

    __slots__ = ("_x", "_given", "_concrete")

    def __init__(self, x, given, concrete):
        self._x, self._given, self._concrete = x, given, concrete

    def _at(self, method: str, kwargs: dict):
        flat = flat_index(self._x, self._given, clip=_mode_of(method, kwargs.get("mode")) == "clip")
        return _AtIndex(_reshape_front(self._x, (math.prod(self._x.shape),)), flat, self._concrete)

    def get(self, **kwargs):
        return self._at("get", kwargs).get(**kwargs)

    def __getattr__(self, method):
        def update(*args, **kwargs):
            return _reshape_front(getattr(self._at(method, kwargs), method)(*args, **kwargs), tuple(self._x.shape))

        return update


class _AtIndex:
    """`x.at[idx]`: its methods return x updated at idx, by NumPy's indexing.

    Out of range. Without mode=, an index out of range raises NumPy's IndexError, as `x[idx]` and `y[idx] = v` do
    here: an index past the end is far likelier a bug than an intent, and JAX's default (.get clamped, updates
    dropped) answers it with a plausible wrong number, where DESIGN §6 asks for a clear error. mode= given does what
    JAX's does (`_mode_of`), for constant and traced indices alike: NumPy's negative positions first (-1 the last,
    -n-1 out of range), then "clip" clamps into range; "fill" (.get) reads `fill_value` (NaN for floats) and "drop"
    (updates) leaves x: both send an index out of range to one extra position padded along its axis, so the gradient
    of what was dropped (or filled) is 0, as JAX's. "promise_in_bounds" is checked: an index out of range raises
    IndexError. JAX leaves that case undefined, and its own answer disagrees with its derivative (0.10, x64: .get's
    value clamped, its gradient dropped; an update's value dropped, its gradient clamped), so no number here could
    be both JAX's and the derivative of the value returned."""

    __slots__ = ("_x", "_idx", "_concrete", "_axis", "_given")

    def __init__(self, x, idx, concrete=None, axis=0, given=None):
        # (idx: a tuple, or a traced integer index at `axis` among full slices (`given`: the index as written), kept
        # for every method; `concrete` makes it a tuple where one is needed, the trace specialised to its values)
        self._x, self._idx, self._concrete, self._axis = x, idx, concrete, axis
        self._given = idx if given is None else given

    def _index(self) -> tuple:
        if isinstance(self._idx, Traced):
            self._idx = self._concrete(self._given)
        return self._idx

    def _where(self, method):
        return lambda: f"x.at[...].{method}(...)"

    def _check(self, method: str, kwargs: dict):
        """JAX's mode (`_mode_of`) and .get's fill_value; the hints JAX takes for speed ignored; anything else
        refused by name."""
        mode = _mode_of(method, kwargs.pop("mode", None))
        fill = kwargs.pop("fill_value", None) if method == "get" else None
        for k in _HINTS:
            kwargs.pop(k, None)
        if kwargs:
            raise UnsupportedOperationError(
                f"x.at[...].{method}(...): {', '.join(kwargs)} is not supported by difflab (JAX's mode=, "
                "indices_are_sorted=, unique_indices= and .get's fill_value= are)"
            )
        return mode, fill

    def _moded(self, mode: str, fill, call):
        """call(at) where `at` is x.at[idx] with JAX's mode applied to idx (clamped, or sent out of range to a
        padded extra position), the padding removed from an update's result."""
        x = self._x
        if isinstance(self._idx, Traced):
            from . import numpy as dnp  # (difflab.numpy imports this module)

            axis, n, i = self._axis, x.shape[self._axis], self._idx
            at = dnp.where(i < 0, i + n, i)
            if mode == "clip":
                at, pads = dnp.clip(at, 0, n - 1), ()
            else:
                at, pads = dnp.where(dnp.logical_and(at >= 0, at < n), at, n), (axis,)
            given = at if axis == 0 else (slice(None),) * axis + (at,)

            def make(y):
                return _AtIndex(y, at, self._concrete, axis, given)

        else:
            idx, pads = _moded_index(tuple(x.shape), self._index(), mode)

            def make(y):
                return _AtIndex(y, idx)

        if not pads:
            return call(make(x))
        y = x
        value = (_fill_default(x.dtype) if fill is None else fill) if mode == "fill" else 1
        for axis in pads:
            y = _padded(y, axis, value)
        out = call(make(y))
        if mode == "fill":
            return out
        return ops.getitem(out, idx=tuple(slice(0, n) for n in x.shape))

    def get(self, **kwargs):
        """x[idx]."""
        mode, fill = self._check("get", kwargs)
        if mode is not None:
            return self._moded(mode, fill, lambda at: at.get())
        if isinstance(self._idx, Traced):  # (a traced integer index: a gather, numpy.take along its axis)
            from . import numpy as dnp  # (difflab.numpy imports this module)

            return dnp.take(self._x, self._idx, axis=self._axis) if self._axis else self._x[self._idx]
        return self._x[self._idx]

    def set(self, values, **kwargs):
        """x with `values` written at idx (a position repeated: its last write)."""
        mode, _ = self._check("set", kwargs)
        if mode is not None:
            return self._moded(mode, None, lambda at: at.set(values))
        y = fresh(self._x)
        if isinstance(self._idx, Traced):  # (a traced integer index: put_along, not specialised)
            assign_indexed(y, self._idx, values, self._where("set"), self._axis)
            return y
        assign(y, self._idx, values, self._where("set"))
        return y

    def add(self, values, **kwargs):
        """x + values at idx, accumulated where an integer index repeats a position (np.add.at)."""
        mode, _ = self._check("add", kwargs)
        if mode is not None:
            return self._moded(mode, None, lambda at: at.add(values))
        x = self._x
        values = _value_of(values)
        _check_dtype(x, values, self._where("add"))
        if isinstance(self._idx, Traced):  # (a traced integer index: scatter_along, accumulating, not specialised)
            return x + _added_along(x, self._idx, values, self._where("add"), self._axis)
        shape, size = x.shape, math.prod(x.shape)
        positions = np.arange(size).reshape(shape)[self._idx]
        flat = positions.ravel()
        values = _reshape_front(_fitted(values, positions.shape, self._where("add")), (flat.size,))
        return x + _reshape_front(ops.scatter_add(values, idx=(flat,), shape=(size,)), shape)

    def subtract(self, values, **kwargs):
        """x − values at idx (accumulated as .add)."""
        return self.add(-_value_of(values), **kwargs)

    def _combined(self, method: str, values, kwargs):
        """x.at[idx].multiply/divide/power/min/max: one equation of the registry's scatter_mul_along (min, max)
        whatever the index's length and repetitions, traced or not (every update of a repeated position applied,
        as JAX's and NumPy's ufunc.at): x · Π v, x / Π v and x ** Π v (JAX's own forms), min(x, v…), max(x, v…)."""
        mode, _ = self._check(method, kwargs)
        if mode is not None:
            return self._moded(mode, None, lambda at: at._combined(method, values, {}))
        x, where = self._x, self._where(method)
        values = _value_of(values)
        _check_dtype(x, np.true_divide(np.ones((), x.dtype), 1) if method == "divide" else values, where)
        if isinstance(self._idx, Traced):
            axis, found = self._axis, _along(x, self._idx, values, self._axis, where)
            if found is None:
                return fresh(x)
            idx, v, y, back = found[0], found[1], x, None
        else:
            shape, size = tuple(x.shape), math.prod(x.shape)
            positions = np.arange(size).reshape(shape)[self._index()]
            idx, axis, back = positions.ravel(), 0, shape
            if idx.size == 0:
                return fresh(x)
            v = _reshape_front(_fitted(values, positions.shape, where), (idx.size,))
            y = _reshape_front(x, (size,))
        if method in ("min", "max"):
            out = (ops.scatter_min_along if method == "min" else ops.scatter_max_along)(y, idx, v, axis=axis)
        elif method == "multiply":
            out = ops.scatter_mul_along(y, idx, v, axis=axis)
        else:
            kind = np.result_type(x.dtype, v.dtype if hasattr(v, "dtype") else np.result_type(v))
            product = ops.scatter_mul_along(np.ones(tuple(y.shape), kind), idx, v, axis=axis)
            if method == "divide":
                out = y / product
            else:  # (x ** 1 where nothing lands, its base made 1 there: no log of an untouched x ≤ 0 in the rules)
                from . import numpy as dnp  # (difflab.numpy imports this module)

                ones = np.ones(np.shape(v)) if isinstance(idx, np.ndarray) else dnp.ones_like(v, dtype=float)
                touched = ops.scatter_along(ones, idx, axis=axis, size=y.shape[axis]) > 0.5
                out = dnp.where(touched, dnp.where(touched, y, np.ones((), y.dtype)) ** product, y)
        return out if back is None else _reshape_front(out, back)

    def _elementwise(self, method, fn, values, kwargs):
        mode, _ = self._check(method, kwargs)
        if mode is not None:
            return self._moded(mode, None, lambda at: at._elementwise(method, fn, values, {}))
        counted = isinstance(self._idx, Traced) and math.prod(self._idx.shape) <= _COUNTED
        if counted and values is None:  # (.apply(f): by counts)
            return _applied_counted(self._x, self._idx, fn, self._axis, self._where(method))
        if isinstance(self._idx, Traced) and math.prod(self._idx.shape) <= _ROUNDS:
            return _applied_along(self._x, self._idx, fn, values, self._axis, self._where(method))
        if counted and method == "power":  # (numpy.power.at: in turn)
            return _powered_in_turn(self._x, self._idx, values, self._axis, self._where(method))
        self._index()  # (a traced integer index read: the trace specialised to its values)
        shape, size = self._x.shape, math.prod(self._x.shape)
        positions = np.arange(size).reshape(shape)[self._idx]
        flat = positions.ravel()
        if np.unique(flat).size == flat.size:
            return self.set(fn(self._x[self._idx]) if values is None else fn(self._x[self._idx], values))
        # A position repeated: NumPy's unbuffered ufunc.at and JAX's x.at apply the update once per repetition, in
        # order. Positions are independent, so the k-th occurrences of every position are one update of distinct
        # positions, applied round after round (x.at[[0, 0]].apply(f): f(f(x[0]))).
        order = np.argsort(flat, kind="stable")
        ranks = np.arange(flat.size)
        first = np.r_[True, flat[order][1:] != flat[order][:-1]]
        occurrence = np.empty(flat.size, dtype=np.intp)
        occurrence[order] = ranks - np.maximum.accumulate(np.where(first, ranks, 0))
        if values is not None:
            values = _value_of(values)
            values = _reshape_front(_fitted(values, positions.shape, self._where(method)), (flat.size,))
        y = _reshape_front(self._x, (size,))
        for k in range(int(occurrence.max()) + 1):
            pick = np.flatnonzero(occurrence == k)
            y = _AtIndex(y, (flat[pick],))._elementwise(method, fn, None if values is None else values[pick], {})
        return _reshape_front(y, shape)

    def multiply(self, values, **kwargs):
        """x with x[idx] * values at idx (a repeated position: times each of its values)."""
        return self._combined("multiply", values, kwargs)

    def divide(self, values, **kwargs):
        """x with x[idx] / values at idx (a repeated position: over the product of its values, as JAX's)."""
        return self._combined("divide", values, kwargs)

    def power(self, values, **kwargs):
        """x with x[idx] ** values at idx (a repeated position: to the product of its values, as JAX's)."""
        return self._combined("power", values, kwargs)

    def power_in_turn(self, values):
        """x ** values at idx, a repeated position raised to each of its values in turn, (x ** b1) ** b2 (NumPy's
        np.power.at: not JAX's x ** (b1·b2) where x < 0); by rounds as .apply."""
        return self._elementwise("power", lambda a, b: a**b, values, {})

    def min(self, values, **kwargs):
        """x with minimum(x[idx], values) at idx (a tie: the derivative split evenly, x's share too, as JAX's)."""
        return self._combined("min", values, kwargs)

    def max(self, values, **kwargs):
        """x with maximum(x[idx], values) at idx (a tie: the derivative split evenly, x's share too, as JAX's)."""
        return self._combined("max", values, kwargs)

    def apply(self, func, **kwargs):
        """x with func(x[idx]) at idx (func elementwise, as JAX's; a repeated position: func applied once per
        repetition, in order)."""
        return self._elementwise("apply", func, None, kwargs)


# -- NumPy's in-place functions on a traced target: each one assignment, as NumPy defines it ------------------


def _cyclic(values, n: int, where):
    """The first n of `values`' elements repeated in order (numpy.put's, place's and putmask's rule)."""
    values = _value_of(values)
    if not isinstance(values, Traced):
        flat = np.ravel(values)
        if flat.size == 0 and n:
            raise ValueError(f"cannot take {n} values from an empty array ({_said(where)})")
        return np.resize(flat, n) if n else flat[:0]
    flat = _reshape_front(values, (values.size,))
    if values.size == 0 and n:
        raise ValueError(f"cannot take {n} values from an empty array ({_said(where)})")
    return flat if flat.size == n else ops.getitem(flat, idx=(np.arange(n) % max(values.size, 1),))


def _concrete(what: str, x, where, name: str = ""):
    """x as a NumPy array. A traced integer index array (np.argsort's, np.argmax's) is read at this trace's inputs,
    the trace specialised to them, as `y[i] = v` by a traced integer index is (trace._concrete_index; JAX's scatter
    follows the indices' values too); `name` is the reader the specialisation's error names. Any other traced value
    (a mask) is refused by name."""
    if isinstance(x, Traced) and name and x.dtype.kind in "iu":
        from .numpy.arrays import _value  # (difflab.numpy imports this module)

        return np.asarray(_value(x, f"{name}'s traced {what}"))
    if isinstance(x, Traced):
        raise UnsupportedOperationError(
            f"{_said(where)}: traced {what} ({x.node!r}: {x.node.aval}); give them as a NumPy array or list "
            "(computed outside the differentiated function), or use numpy.where(mask, values, a)"
        )
    return np.asarray(x)


def fill(a, value, where) -> None:
    """`a.fill(value)` (ndarray.fill): every element of a set to the scalar value."""
    if np.ndim(value) != 0:
        raise ValueError(f"a.fill takes a scalar, got shape {np.shape(value)}")
    assign(a, (Ellipsis,), value, where)


def put(a, ind, v, mode: str = "raise", where=lambda: "numpy.put(a, ind, v)") -> None:
    """`numpy.put(a, ind, v, mode)`: a.flat[ind] = v, v repeated as needed; a repeated position keeps its last."""
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"numpy.put: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    if _traced_index(a, ind):
        _put_traced(a, ind, v, mode, where)
        return
    ind = _concrete("indices", ind, where, "numpy.put").ravel()
    if ind.dtype.kind not in "iu" and ind.size:
        raise TypeError(f"numpy.put's indices must be integers, got {ind.dtype}")
    size = math.prod(a.shape)
    if mode == "wrap":
        ind = ind % size if size else ind
    elif mode == "clip":
        ind = np.clip(ind, 0, size - 1)
    elif mode != "raise":
        raise ValueError(f"numpy.put: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    bad = ind[(ind < -size) | (ind >= size)]
    if bad.size:
        raise IndexError(f"index {bad[0]} is out of bounds for axis 0 with size {size}")
    if ind.size:
        assign(a, np.unravel_index(ind % size, a.shape), _cyclic(v, ind.size, where), where)


def _traced_index(a, ind) -> bool:
    """Whether `ind` is a traced integer index of a's own trace (np.argsort's, np.argmax's): written by put_along,
    recomputed at every call, not read (no specialisation)."""
    return isinstance(ind, Traced) and getattr(ind, "_trace", None) is a._trace and ind.dtype.kind in "iu"


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Whether a value of `shape` broadcasts to exactly `target` (NumPy's rule for a value written there)."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _put_values(arr, idx, values, axis: int, where):
    """put_along(arr, idx, values, axis) with NumPy's checks of the values (dtype, broadcast to idx's shape)."""
    values = _value_of(_parsed(arr, values, where))
    _check_dtype(arr, values, where)
    vshape, target = tuple(np.shape(values)), tuple(idx.shape)
    if not _broadcasts_to(vshape, target):
        raise ValueError(
            f"shape mismatch: value array of shape {vshape} could not be broadcast to indexing result of shape "
            f"{target} ({_said(where)})"
        )
    return ops.put_along(arr, idx, values, axis=axis)


def _put_traced(a, ind, v, mode: str, where) -> None:
    """numpy.put(a, ind, v, mode) by a traced integer index: a.flat[ind] = v (v cycled to ind's size) as put_along
    into a's flat elements, recomputed at every call; mode 'wrap' and 'clip' applied to the traced index."""
    from . import numpy as dnp  # (difflab.numpy imports this module)

    n, size = math.prod(ind.shape), math.prod(a.shape)
    if n == 0:
        return
    flat = ind if len(ind.shape) == 1 else _reshape_front(ind, (n,))
    if mode == "wrap":
        flat = dnp.mod(flat, size)
    elif mode == "clip":
        flat = dnp.clip(flat, 0, size - 1)
    new = _put_values(_reshape_front(a, (size,)), flat, _cyclic(v, n, where), 0, where)
    assign(a, (Ellipsis,), _reshape_front(new, tuple(a.shape)), where)


def index_axis(y, idx):
    """The axis of y that `idx` indexes by one traced integer index of y's trace among full slices (`y[i]`,
    `y[:, i]`: assign_indexed), else None."""
    if _traced_index(y, idx):
        return 0 if y.shape else None
    if type(idx) is not tuple or len(idx) > len(y.shape):
        return None
    found = None
    for p, i in enumerate(idx):
        if _traced_index(y, i):
            if found is not None:
                return None
            found = p
        elif type(i) is not slice or i != slice(None):
            return None
    return found


def _flat_indexed(y, idx) -> bool:
    """Whether every axis of y is indexed by an int or a traced integer index of y's trace, at least one traced."""
    if type(idx) is not tuple or len(idx) != len(y.shape) or len(idx) < 2:
        return False
    traced = [_traced_index(y, i) for i in idx]
    return any(traced) and all(
        t or isinstance(i, (int, np.integer)) and not isinstance(i, bool) for t, i in zip(traced, idx)
    )


def flat_index(y, idx, clip: bool = False):
    """The flat position of `y[i, j, ...]` where every axis of y is indexed by an int or a traced integer index of
    y's trace, at least one traced (argmax's, argmin's): Σ i_d·stride_d with NumPy's negative positions, recomputed at
    every call; a component out of its axis's range made the position y.size, so that the write or read by it raises
    NumPy's IndexError (never another element's position); `clip`: each component clamped into its axis instead
    (JAX's mode="clip"). None for any other index."""
    if not _flat_indexed(y, idx):
        return None
    from . import numpy as dnp  # (difflab.numpy imports this module)

    size, stride, flat, ok = math.prod(y.shape), math.prod(y.shape), 0, True
    for n, i in zip(y.shape, idx):
        stride //= n
        at = dnp.where(i < 0, i + n, i)
        if clip:
            at = dnp.clip(at, 0, n - 1)
        else:
            ok = dnp.logical_and(ok, dnp.logical_and(at >= 0, at < n))
        flat = flat + at * stride
    return flat if clip else dnp.where(ok, flat, size)


def assign_flat(y, flat, value, where) -> None:
    """`y[i, j] = value` by flat_index's position: put_along into y's flat elements (assign_indexed), written back."""
    yf = fresh(_reshape_front(y, (math.prod(y.shape),)))
    assign_indexed(yf, flat, value, where)
    assign(y, (Ellipsis,), _reshape_front(yf, tuple(y.shape)), where)


def assign_indexed(y, i, value, where, axis: int = 0) -> None:
    """`y[i] = value` by a traced integer index i of any shape (np.argsort's, np.argmax's), along y's first axis as
    NumPy's (`axis`: along that axis among full slices, `y[:, i] = value`): put_along into y, recomputed at every call
    (prepare, vmap and jit reuse the trace; no specialisation); a position i repeats keeps its last write, as
    NumPy's, and only that write has a derivative.

    >>> import numpy as np, difflab as dl
    >>> def f(x):
    ...     y = np.zeros_like(x)
    ...     y[np.argmax(x)] = x[0] ** 2
    ...     return np.sum(y * np.arange(3.0))
    >>> dl.prepare(f, np.array([1.0, 3.0, 2.0])).grad(np.array([2.0, 0.0, 5.0]))
    array([8., 0., 0.])
    """
    found = _along(y, i, _value_of(_parsed(y, value, where)), axis, where)
    if found is not None:
        assign(y, (Ellipsis,), _put_values(y, found[0], found[1], axis, where), where)


def _along(x, i, value, axis: int, where):
    """(i, value) for x[..., i, ...] (i a traced integer index at `axis`, full slices elsewhere) as put_along and
    scatter_along take them: i flattened to k positions and broadcast along x's other axes, value broadcast to the
    positions it writes (NumPy's rule) with i's axes made one; None where i is empty."""
    before, after, k = tuple(x.shape[:axis]), tuple(x.shape[axis + 1 :]), math.prod(i.shape)
    value = _fitted(value, before + tuple(i.shape) + after, where)
    if k == 0:
        return None
    shape = before + (k,) + after
    if tuple(np.shape(value)) != shape:
        value = _reshape_front(value, shape) if isinstance(value, Traced) else np.reshape(value, shape)
    if shape != (k,):
        i = _broadcast_to_front(_reshape_front(i, (1,) * axis + (k,) + (1,) * len(after)), shape)
    elif tuple(i.shape) != (k,):
        i = _reshape_front(i, (k,))
    return i, value


def _added_along(x, i, values, where, axis: int = 0):
    """Zeros of x's shape with `values` added at x[..., i, ...] (i a traced integer index along `axis`, full slices
    elsewhere; repeats accumulated: np.add.at's, JAX's .at[i].add), as scatter_along, recomputed at every call."""
    found = _along(x, i, values, axis, where)
    if found is None:
        return np.zeros(x.shape)
    return ops.scatter_along(found[1], found[0], axis=axis, size=x.shape[axis])


#: numpy.power.at by a traced index of at most this many positions is recorded in rounds by pairwise comparisons (one
#: round per possible repetition); a longer one by a stable argsort of the index (`_powered_in_turn`)
_ROUNDS = 16

#: .apply(f) and numpy.power.at by a traced index of at most this many positions k are recorded without reading it
#: (k rounds on k slots: k² element operations); a longer one is read, the trace specialised to one round per
#: repetition its values hold (at k = 1000 the unread rounds' fresh call was 2.5× the read one's, and grows as k²)
_COUNTED = 256


def _powered_in_turn(x, i, values, axis: int, where):
    """numpy.power.at(x, i, b) by a traced integer index i along `axis` of any length k, recorded with no
    specialisation: a repeated position raised to each of its values in turn, ((x ** b1) ** b2) ..., NumPy's (not
    x ** (b1·b2): they differ at x < 0 and where a step over- or underflows). Each slot's previous occurrence of its
    position and its occurrence rank come from a stable argsort of i (recomputed at every call); round r raises the
    slots of rank r, their bases gathered from their previous occurrences' (final after round r - 1), the others a
    neutral 1; put_along keeps each position's last occurrence, its whole chain. Six equations a round on k slots."""
    from . import numpy as dnp  # (difflab.numpy imports this module)

    found = _along(x, i, _value_of(values), axis, where)
    if found is None:
        return fresh(x)
    idx, b = found
    n, k = x.shape[axis], math.prod(i.shape)
    idx = dnp.where(idx < 0, idx + n, idx)  # (NumPy's negative positions, so that -1 and n-1 are one)
    shape = tuple(idx.shape)
    along = (1,) * axis + (k,) + (1,) * (len(shape) - axis - 1)
    slot = np.broadcast_to(np.arange(k).reshape(along), shape)
    order = dnp.argsort(idx, axis=axis, kind="stable")
    ranked = ops.gather_along(idx, order, axis=axis)  # (positions in order, each's occurrences in index order)

    def shifted(a, fill):  # a moved one step along the axis, `fill` first
        head = (slice(None),) * axis + (slice(0, 1),)
        body = (slice(None),) * axis + (slice(0, k - 1),)
        return dnp.concatenate([dnp.full_like(a[head], fill), a[body]], axis=axis)

    repeat = ranked == shifted(ranked, -1)  # (sorted slot s holds its position's occurrence after s - 1's)
    before = dnp.where(repeat, shifted(order, 0), -1)  # (the previous occurrence's slot, -1 for a first)
    prev = ops.put_along(np.zeros(shape, dtype=np.intp), order, before, axis=axis)
    start = ops.scatter_min_along(np.full(x.shape, float(k)), ranked, slot * 1.0, axis=axis)  # (first sorted slot)
    rank = ops.put_along(np.zeros(shape), order, slot - ops.gather_along(start, ranked, axis=axis), axis=axis)
    first = rank < 0.5
    y = dnp.where(first, ops.gather_along(x, idx, axis=axis), np.ones((), x.dtype)) ** b  # (a neutral 1 elsewhere)
    for r in range(1, k):
        now = rank == r
        got = ops.gather_along(y, dnp.where(now, prev, 0), axis=axis)
        y = dnp.where(now, dnp.where(now, got, np.ones((), y.dtype)) ** b, y)
    return ops.put_along(x, idx, y, axis=axis)


def _applied_counted(x, i, fn, axis: int, where):
    """x.at[i].apply(fn) (fn elementwise) by a traced integer index i along `axis` (full slices elsewhere) of any
    length k, recorded with no specialisation: a position i holds c times gets fn c times (JAX's and NumPy's
    unbuffered update, once per repetition). Each of the k slots x[..., i, ...] is gathered with its position's
    count (scatter_along of ones, recomputed at every call), and round r ≥ 1 of k feeds fn the slot's last result
    where the count exceeds r, else its last input again, whose result fn gave before (no branch not taken leaves
    fn's domain); put_along writes the slots back (a repeated position's slots hold one value). k rounds on k slots
    (fn's equations, a comparison and a where each: k² element operations); the index is never read, so prepare, vmap
    and jit reuse the trace."""
    from . import numpy as dnp  # (difflab.numpy imports this module)

    found = _along(x, i, 0.0, axis, where)
    if found is None:
        return fresh(x)
    idx, n, k = found[0], x.shape[axis], math.prod(i.shape)
    idx = dnp.where(idx < 0, idx + n, idx)  # (NumPy's negative positions, so that -1 and n-1 are one)
    count = ops.scatter_along(np.ones(tuple(idx.shape)), idx, axis=axis, size=n)
    times = ops.gather_along(count, idx, axis=axis)
    given = ops.gather_along(x, idx, axis=axis)
    got = fn(given)
    for r in range(1, k):
        given = dnp.where(times > r + 0.5, got, given)
        got = fn(given)
    return ops.put_along(x, idx, got, axis=axis)


def _applied_along(x, i, fn, values, axis: int, where):
    """x with fn(x[..., i, ...], values) written at i (i a traced integer index along `axis` among full slices), as
    NumPy's unbuffered ufunc.at and JAX's x.at[i].multiply/min/max/apply: a position i repeats gets fn once per
    repetition, in order. Recorded with no specialisation: the j-th position's occurrence rank (how many earlier
    positions equal it) computed from i at every call, and one round per possible rank r < k: the values of rank r
    added into their (then distinct) positions by scatter_along, and fn applied where a count says one landed (a
    neutral 1 elsewhere, so no branch not taken sees a division by zero)."""
    from . import numpy as dnp  # (difflab.numpy imports this module)

    k = math.prod(i.shape)
    if k == 0:
        return fresh(x)
    flat = _reshape_front(i, (k,)) if tuple(i.shape) != (k,) else i
    if k > 1:
        n = x.shape[axis]
        flat = dnp.where(flat < 0, flat + n, flat)  # (NumPy's negative positions, so that -1 and n-1 are one)
        earlier = np.tril(np.ones((k, k), dtype=bool), -1)
        rank = dnp.sum(dnp.logical_and(flat[:, None] == flat[None, :], earlier), axis=1)
    target = tuple(x.shape[:axis]) + tuple(i.shape) + tuple(x.shape[axis + 1 :])
    written = _fitted(0.0 if values is None else _value_of(values), target, where)
    if not isinstance(written, Traced) or tuple(written.shape) != target:
        written = written * np.ones(target)
    shape = (1,) * axis + tuple(i.shape) + (1,) * (len(x.shape) - axis - 1)
    y = x
    for r in range(k):
        if k > 1:
            pick = _reshape_front(rank == r, shape) if shape != (k,) else rank == r
            part = dnp.where(pick, written, 0.0)
            count = _added_along(x, i, dnp.where(pick, 1.0, 0.0) * np.ones(np.shape(written)), where, axis)
        else:
            part, count = written, _added_along(x, i, np.ones(np.shape(written)), where, axis)
        got = _added_along(x, i, part, where, axis) + (1.0 - count)
        y = dnp.where(count > 0.5, fn(y) if values is None else fn(y, got), y)
    return y


def _mask_of(a, mask, where):
    mask = _concrete("mask", mask, where).astype(bool)
    if mask.size != math.prod(a.shape):
        raise ValueError(f"{_said(where)}: mask and data must be the same size ({mask.size} and {math.prod(a.shape)})")
    return mask.reshape(a.shape)


def _traced_mask(a, mask, where):
    """A traced boolean mask of this trace of a's size, as a's shape (NumPy's place and putmask read masks flat),
    else None."""
    if not isinstance(mask, Traced) or getattr(mask, "_trace", None) is not a._trace or mask.dtype != bool:
        return None
    if mask.size != math.prod(a.shape):
        raise ValueError(f"{_said(where)}: mask and data must be the same size ({mask.size} and {math.prod(a.shape)})")
    return mask if tuple(mask.shape) == tuple(a.shape) else _reshape_front(mask, tuple(a.shape))


def place(arr, mask, vals, where=lambda: "numpy.place(arr, mask, vals)") -> None:
    """`numpy.place(arr, mask, vals)`: the positions where mask holds, in order, take vals' elements in turn. A
    traced mask: arr[mask] = vals (assign_masked: one value, or an elementwise function of reads arr[mask], recorded
    as numpy.where) where that is NumPy's place, else the mask's values read (the trace specialised to them)."""
    traced = _traced_mask(arr, mask, where)
    if traced is not None:
        flat = _value_of(vals)
        if isinstance(flat, Traced) and len(flat.shape) != 1:
            flat = _reshape_front(flat, (flat.size,))
        elif not isinstance(flat, Traced):
            flat = np.ravel(flat)
        if (flat.size == 1 or flat.size == int(np.sum(_number(traced)))) and assign_masked(arr, traced, flat, where):
            return
        if flat.size:  # (vals of another length: cycled over the selected positions, recomputed at each call)
            _place_cycled(arr, traced, flat, where)
            return
        from .numpy.arrays import _value  # (difflab.numpy imports this module)

        mask = np.asarray(_value(traced, "numpy.place by a traced mask of another count of values"))
    mask = _mask_of(arr, mask, where)
    n = int(mask.sum())
    if n:
        assign(arr, (mask,), _cyclic(vals, n, where), where)


def _place_cycled(arr, mask, flat, where) -> None:
    """numpy.place by a traced mask of vals `flat` (1-d, not empty) of any length L: the k-th selected position (in
    C order) takes flat[k % L], k its running count of the mask less one, a gather recomputed from the mask at each
    call (no count read: the trace holds wherever the mask changes)."""
    from . import numpy as dnp  # (difflab.numpy imports this module)

    rank = dnp.cumsum(_reshape_front(mask, (mask.size,)))  # (0 .. size: no arithmetic on it, batched as ints)
    cycled = dnp.take(flat, (np.arange(mask.size + 1) - 1) % flat.size)  # (cycled[k] = flat[(k - 1) % L])
    taken = _reshape_front(dnp.take(cycled, rank), tuple(arr.shape))
    _check_dtype(arr, taken, where)
    assign(arr, (Ellipsis,), ops.where(mask, taken, arr), where)


def putmask(a, mask, values, where=lambda: "numpy.putmask(a, mask, values)") -> None:
    """`numpy.putmask(a, mask, values)`: a.flat[n] = values.flat[n % values.size] where mask.flat[n]; a traced mask:
    numpy.where(mask, values repeated to a's shape, a), the positions computed at every call."""
    traced = _traced_mask(a, mask, where)
    if np.size(values) == 0 and (traced is not None or _mask_of(a, mask, where) is not None):
        return  # NumPy's putmask of no values changes nothing (the mask checked first, as NumPy does)
    if traced is not None:
        tiled = _cyclic(values, math.prod(a.shape), where)
        tiled = tiled.reshape(a.shape) if isinstance(tiled, np.ndarray) else _reshape_front(tiled, tuple(a.shape))
        _check_dtype(a, tiled, where)
        assign(a, (Ellipsis,), ops.where(traced, tiled, a), where)
        return
    mask = _mask_of(a, mask, where)
    if mask.any():
        picked = np.flatnonzero(mask)
        tiled = _cyclic(values, int(picked[-1]) + 1, where)
        assign(a, (mask,), tiled[picked] if isinstance(tiled, np.ndarray) else ops.getitem(tiled, idx=(picked,)), where)


def copyto(dst, src, casting: str = "same_kind", where=True, said=lambda: "numpy.copyto(dst, src)") -> None:
    """`numpy.copyto(dst, src, casting, where)`: src (broadcast) written into dst where `where` holds (a traced
    mask too: recorded as numpy.where, no specialisation)."""
    from . import numpy as dnp  # (difflab.numpy imports this module)

    src = _value_of(src)
    # (None: NumPy's object scalar, refused below as NumPy refuses it; np.result_type(None) is float64, and None
    # was written as NaN)
    sdtype = src.dtype if hasattr(src, "dtype") else np.dtype(object) if src is None else np.result_type(src)
    if not np.can_cast(sdtype, dst.dtype, casting):
        raise TypeError(f"Cannot cast array data from {sdtype!r} to {dst.dtype!r} according to the rule {casting!r}")
    if isinstance(where, Traced) or where is not True:
        src = dnp.where(where, src, dst)
        if src.shape != dst.shape:
            raise ValueError(f"could not broadcast where mask and source to shape {dst.shape} ({_said(said)})")
    assign(dst, (Ellipsis,), src, said)


def fill_diagonal(a, val, wrap: bool = False, where=lambda: "numpy.fill_diagonal(a, val)") -> None:
    """`numpy.fill_diagonal(a, val, wrap)`: a.flat[::step] = val (val's elements repeated in turn), the main
    diagonal of a matrix (restarting below it every n + 1 rows of a tall one when wrap) or of an array whose
    axes all have one length."""
    shape = a.shape
    if len(shape) < 2:
        raise ValueError("array must be at least 2-d")
    size = math.prod(shape)
    if len(shape) == 2:
        step, end = shape[1] + 1, (size if wrap else min(size, shape[1] * shape[1]))
    else:
        if len(set(shape)) != 1:
            raise ValueError("All dimensions of input must be of equal length")
        step, end = 1 + int(np.cumprod(shape[:-1]).sum()), size
    positions = np.arange(0, end, step)
    if positions.size:
        assign(a, np.unravel_index(positions, shape), _cyclic(val, positions.size, where), where)


def put_along_axis(
    arr, indices, values, axis, where=lambda: "numpy.put_along_axis(arr, indices, values, axis)"
) -> None:
    """`numpy.put_along_axis(arr, indices, values, axis)`: arr[i..., indices[i..., k], j...] = values (values
    broadcast to the indices' shape; a position written twice keeps its last write, as NumPy's fancy
    assignment does); axis None: into arr's flattened elements, indices 1-d."""
    if _traced_index(arr, indices):
        _put_along_traced(arr, indices, values, axis, where)
        return
    indices = _concrete("indices", indices, where, "numpy.put_along_axis")
    if indices.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    shape = arr.shape
    if axis is None:
        if indices.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        size = math.prod(shape)
        bad = indices[(indices < -size) | (indices >= size)]
        if bad.size:
            raise IndexError(f"index {bad[0]} is out of bounds for axis 0 with size {size}")
        if indices.size:
            assign(arr, np.unravel_index(indices % size, shape), values, where)
        return
    if not -len(shape) <= axis < len(shape):
        raise np.exceptions.AxisError(axis, len(shape))
    axis %= len(shape)
    if indices.ndim != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    idx = tuple(
        indices if d == axis else np.arange(n).reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1))
        for d, n in enumerate(shape)
    )
    assign(arr, idx, values, where)


def _put_along_traced(arr, indices, values, axis, where) -> None:
    """numpy.put_along_axis by a traced integer index (np.argsort's): put_along, recomputed at every call."""
    shape = tuple(arr.shape)
    if axis is None:
        if len(indices.shape) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        if math.prod(indices.shape):
            flat = _put_values(_reshape_front(arr, (math.prod(shape),)), indices, values, 0, where)
            assign(arr, (Ellipsis,), _reshape_front(flat, shape), where)
        return
    if not -len(shape) <= axis < len(shape):
        raise np.exceptions.AxisError(axis, len(shape))
    axis %= len(shape)
    if len(indices.shape) != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    others = shape[:axis] + (1,) + shape[axis + 1 :]
    try:
        full = np.broadcast_shapes(tuple(indices.shape), others)
    except ValueError:
        full = None
    if full is None or full[:axis] + full[axis + 1 :] != shape[:axis] + shape[axis + 1 :]:
        raise IndexError(
            f"shape mismatch: indexing arrays could not be broadcast together with shapes {tuple(indices.shape)} "
            f"and {others} ({_said(where)})"
        )
    if not math.prod(full):
        return
    idx = indices if tuple(indices.shape) == full else _broadcast_to_front(indices, full)
    assign(arr, (Ellipsis,), _put_values(arr, idx, values, axis, where), where)


def reduce_masked(value, axis=None, keepdims: bool = False, mean: bool = False):
    """`value.sum(axis)` where value is an elementwise function h of reads x[mask] by one traced boolean mask
        (`x[x > 0].sum()`, `(np.log(x[m]) * w[m]).sum()`, `X[rows].sum(axis=0)`: Trace.masked) and the sum runs over the
        mask's count axis: recorded as masked_sum(h(x), mask) (the registry's: NumPy's sum of the elements the mask selects,
    bit for bit the user's, its cotangent where(mask, ct, 0)), h replayed on the whole arrays as
        _replayed replays it (the positions the mask leaves computed at fill points inside h's domain), so the
        positions are computed from the values at every call and no value of the count is used. None otherwise (the read's
        count then used, the trace specialised to it, as before). `mean`: NumPy's mean (float64), that sum over the
        number of elements summed, the mask's count traced (`np.mean(x[m])`: recomputed at each call).

        >>> import numpy as np, difflab as dl
        >>> p = dl.prepare(lambda x: (x[x > 0] ** 2).sum(), np.array([1.0, -2.0]))
        >>> p.grad(np.array([-1.0, 3.0]))
        array([0., 6.])
    """
    t = value._trace
    if not t.masked or value._trace is not t:
        return None
    for mask_var, reads in list(t.masked.items()):
        derived, _ = _derived(t, mask_var, reads)
        if value.node not in derived:
            continue
        mask = _tracer_of(value, mask_var)
        k, n = len(mask.shape), len(value.shape)
        axes = tuple(range(n)) if axis is None else tuple(a % n for a in (axis if type(axis) is tuple else (axis,)))
        whole = None
        # (the reads' shapes and axes, each tried: np.argwhere(m)'s reads of m's coordinates and x[np.argwhere(m)]'s
        # read of an array of another shape share the mask)
        for shape, at, x in {
            (tuple(r[0].shape), r[2]): (tuple(r[0].shape), r[2], r[0]) for r in reads.values()
        }.values():
            if at in axes and n == len(shape) - k + 1:  # (else a sum leaving the count's axis: a value of the count)
                whole = _replayed(_tracer_of(value, x), mask, value, at)
                if whole is not None:
                    break
        if whole is None:
            return None
        out = ops.masked_sum(whole, mask, axis=at, axes=tuple(sorted(axes)))  # (NumPy's sum of the selected ones)
        if mean:  # (NumPy's: its sum / the number of elements summed, an int; the count summed from the mask)
            count = ops.REGISTRY["sum"](mask, axis=None, keepdims=False)
            out = out / (count * math.prod(value.shape[a] for a in axes if a != at))
        if keepdims:
            out = _reshape_front(out, tuple(1 if a in axes else s for a, s in enumerate(value.shape)))
        return out
    return None


def mixed_mask(x, idx):
    """(basic, rest, mask) when `idx` indexes x by one traced boolean mask among ints and slices, some of them partial
    (`X[m, 0]`, `X[m, 1:3]`, `X[0, m]`, `X[:, m, 0]`): x[idx] is x[basic][rest], basic the index with the mask's axes
    full slices (a basic index: ints drop their axes), rest full slices and the mask (mask_axis's form). None for any
    other index, and where NumPy would move the mask's count to the front instead (an int and the mask apart, a slice
    between: `X[0, :, m]`), which reading in two steps would not.

    >>> import numpy as np, difflab as dl
    >>> def f(x):
    ...     X = np.outer(x, x)
    ...     X[x > 0, 0] = 0.0  # (where(m & column 0, 0, X): the trace not specialised to the mask)
    ...     return X.sum()
    >>> dl.prepare(f, np.array([1.0, -1.0])).grad(np.array([-1.0, 2.0]))
    array([0., 3.])
    """
    if type(idx) is not tuple or len(idx) < 2:
        return None
    at, ints, rest, basic = -1, [], [], []
    for p, i in enumerate(idx):
        if isinstance(i, Traced):
            if at >= 0 or i.dtype != bool or not i.shape:
                return None
            at = p
            basic.extend([slice(None)] * len(i.shape))
            rest.append(i)
        elif type(i) is slice:
            basic.append(i)
            rest.append(slice(None))
        elif isinstance(i, (int, np.integer)) and not isinstance(i, bool):
            ints.append(p)
            basic.append(int(i))
        else:
            return None  # (Ellipsis, None, an array: NumPy's other indexing)
    if at < 0 or not ints and all(i == slice(None) for i in basic):
        return None
    span = sorted([at, *ints])
    if any(type(idx[p]) is slice for p in range(span[0], span[-1] + 1)):
        return None  # (a slice between the mask and an int: NumPy puts the count first)
    if len(basic) > len(x.shape):
        return None
    return tuple(basic), tuple(rest), idx[at]


def count_first(x, idx):
    """(basic, pos, mask) when `idx` indexes x by one traced boolean mask among ints and slices where NumPy moves the
    mask's count to the front (an int and the mask apart, a slice between: `X[0, :, m]`): x[idx] is x[basic] (the
    mask's axes full slices, ints dropping theirs) with the mask's axes, from `pos` on in it, moved first, indexed by
    the mask. None for any other index (mixed_mask's, where NumPy keeps the count in place).

    >>> import numpy as np, difflab as dl
    >>> def f(x):
    ...     X = np.ones((2, 3, 2)) * x
    ...     X[0, :, x > 0] = 0.0  # (NumPy's target (count, 3): the part X[0] moved (2, 3), where(m[:, None], 0, .))
    ...     return X.sum()
    >>> dl.prepare(f, np.array([1.0, -1.0])).grad(np.array([-1.0, 2.0]))
    array([6., 3.])
    """
    if type(idx) is not tuple:
        return None
    at = [p for p, i in enumerate(idx) if isinstance(i, Traced)]
    if len(at) != 1 or idx[at[0]].dtype != bool or not idx[at[0]].shape:
        return None
    m, basic, ints, pos = idx[at[0]], [], [], 0
    for p, i in enumerate(idx):
        if p == at[0]:
            pos = sum(type(b) is slice for b in basic)  # (the mask's first axis in the part)
            basic.extend([slice(None)] * len(m.shape))
        elif type(i) is slice or isinstance(i, (int, np.integer)) and not isinstance(i, bool):
            basic.append(i if type(i) is slice else int(i))
            ints.extend([] if type(i) is slice else [p])
        else:
            return None  # (Ellipsis, None, an array: NumPy's other indexing)
    span = sorted([at[0], *ints])
    if not ints or len(basic) > len(x.shape) or all(type(idx[p]) is not slice for p in range(span[0], span[-1])):
        return None  # (no int, or none apart from the mask: NumPy keeps the count in place, mixed_mask's case)
    return tuple(basic), pos, m


def moved_first(part, pos: int, k: int, back: bool = False):
    """`part` with its k axes from `pos` on moved first (count_first's order), or, `back`, those first k moved back."""
    axes = (*range(pos, pos + k), *range(pos), *range(pos + k, len(part.shape)))
    if back:
        axes = tuple(np.argsort(axes).tolist())
    return part if axes == tuple(range(len(axes))) else ops.REGISTRY["transpose"](part, axes=axes)


def assign_mixed(y, idx, value, where) -> bool:
    """`y[idx] = value` for a mask among ints and partial slices (mixed_mask: `X[m, 0] = v`, `X[m, 1:3] *= 2`,
    `X[0, m] = np.sin(x[m])`): the part y[basic] updated as assign_masked updates it (where(m, value, part), h replayed
    on the whole part), then written back with one setitem. True when recorded so; False otherwise (the caller then
    reads the mask's values, the trace specialised to them, as before)."""
    found = mixed_mask(y, idx)
    if found is None:
        return _assign_count_first(y, idx, value, where)
    basic, rest, mask = found
    part = ops.getitem(y, idx=basic)
    found = mask_axis(part, rest)
    if found is None or not assign_masked(part, found[0], value, where, found[1]):
        return False
    assign(y, basic, part, where)
    return True


def _assign_count_first(y, idx, value, where) -> bool:
    """`y[idx] = value` where NumPy moves the mask's count first (count_first: `X[0, :, m] = v`, v broadcast to
    NumPy's (count, ...) target): the part y[basic] with the mask's axes moved first updated as assign_masked updates
    it, moved back and written with one setitem. False for other indices or values (the concrete path)."""
    found = count_first(y, idx)
    if found is None:
        return False
    basic, pos, mask = found
    part = moved_first(ops.getitem(y, idx=basic), pos, len(mask.shape))
    if not assign_masked(part, mask, value, where, 0):
        return False
    assign(y, basic, moved_first(part, pos, len(mask.shape), back=True), where)
    return True
