"""JAX's collectives over a vmap's named axis: psum, pmean, pmax, pmin, all_gather, axis_index (`dl.lax`).

How it works: `vmap(f, axis_name="i")` traces f at its first row, so a collective there cannot see the other rows.
It records one equation of its own op (kept out of the registry, as a user's custom rule is), whose params name
the axis, its size and the vmap call (`Axis.token`); vmap's batched run of that graph then applies the op's batching
rule, which reduces over the batch axis with difflab's own ops (psum: sum over axis 0, broadcast back). On an
enclosing trace's values (grad(vmap(f))) those ops are what is recorded, so every method differentiates them.
Unbatched (a value no batched input reaches, or another vmap's axis), each op is its value on identical rows
(psum(y) = size·y), which is also what `impl` computes. Inside the vmap a derivative (vmap(grad(f))) takes JAX's
rules: psum's and pmean's tangent and cotangent are psum's and pmean's (the rows are seeded together); symbolic
and numeric cannot see the other rows there and refuse by name, as do pmax, pmin and all_gather's derivatives.
Outside any vmap binding the name, a collective is an error naming the axis (JAX's "unbound axis name").
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
from dataclasses import dataclass

import numpy as np

from .. import numpy as dnp
from .. import tree
from ..errors import NotDifferentiableError
from ..graph import Traced
from ..ops.core import Op

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "axis_index"]


@dataclass
class Axis:
    """One vmap call's named axis: its size, its call's token, its batch index (a traced input of the row), and
    whether its first row is being traced now (`live`: collectives may be recorded; f called row by row may not)."""

    name: object
    size: int
    token: int
    index: object = None
    live: bool = False


class _State(threading.local):
    """Per thread (as difflab's traces are), so one vmapped f run in two threads at once keeps its axes apart:
    `bound` the axes of the vmaps whose f is running, `batching` the tokens of the vmaps whose graph is being run
    batched, innermost last."""

    def __init__(self):
        self.bound: list[Axis] = []
        self.batching: list[int] = []
        self.rows = 0  # how many vmaps are tracing f's first row now (`rows_traced`)


_STATE = _State()
_TOKENS = itertools.count()


def new_token() -> int:
    return next(_TOKENS)


def _bound(name, what) -> Axis:
    for axis in reversed(_STATE.bound):
        if axis.name == name:
            if not axis.live:
                raise NotImplementedError(
                    f"{what} over axis {name!r}: this vmap answers its rows one by one here (a branch on values, or a "
                    "row whose derivative is answered alone), where no row sees the others: a collective cannot be "
                    "computed; write f without value-dependent control flow"
                )
            return axis
    names = ", ".join(repr(a.name) for a in _STATE.bound) or "none"
    raise NameError(
        f"{what}: unbound axis name {name!r} (the vmap axes bound here: {names}); give vmap axis_name={name!r}"
    )


def _live(axis) -> bool:
    return any(a.token == axis[2] and a.live for a in _STATE.bound)


def _refuse_inside(what, axis):
    raise NotDifferentiableError(
        f"{what} of a collective over {axis[0]!r} inside vmap(axis_name={axis[0]!r}): no method can take it row by "
        "row (the rows share it; JAX's own jacfwd and grad disagree there); take the derivative outside the vmap, "
        f"grad(vmap(f, axis_name={axis[0]!r})), which every method differentiates"
    )


def _make(name, whole, unbatched, tangent, cotangent, new_axis=False):
    """The op `name`: `whole(x)` its batched value (x with its leading batch axis), `unbatched(x, size)` its value on
    identical rows, and there its derivative, linear: `tangent(t, size)`, `cotangent(ct, size)` (difflab's ops)."""

    def batch(batched, x, *, axis):
        if _STATE.batching and _STATE.batching[-1] == axis[2]:
            return whole(x)
        out = op.bind(x, axis=axis)  # another vmap's axis: per row of it, the op itself
        return dnp.moveaxis(out, 1, 0) if new_axis else out

    def sympy(x, *, axis):
        if _live(axis):
            _refuse_inside("the symbolic method's derivative", axis)
        return unbatched(x, axis[1])

    def check_rule(*shapes, out_shape, axis):
        if _live(axis):
            _refuse_inside("the numeric method's derivative", axis)

    def rule(linear, what):
        def apply(t, out, x, *, axis):
            if _live(axis):
                _refuse_inside(what, axis)
            return linear(t, axis[1])

        return apply

    op = Op(
        name,
        lambda x, *, axis: unbatched(np.asarray(x, dtype=float), axis[1]),
        (rule(tangent, "a forward derivative"),),
        (rule(cotangent, "a reverse derivative"),),
        sympy=sympy,
        nargs=1,
        batch=batch,
        check_rule=check_rule,
        internal=True,
        doc=f"JAX's lax.{name} over a vmap's named axis (difflab/api/collectives.py)",
    )
    return op


def _broadcast_sum(x):
    return dnp.broadcast_to(dnp.sum(x, axis=0, keepdims=True), dnp.shape(x))


def _rowwise(reduce):
    return lambda x: dnp.broadcast_to(reduce(x, axis=0, keepdims=True), dnp.shape(x))


def _gathered(x, n):
    return dnp.stack([x] * n) if isinstance(x, Traced) else np.broadcast_to(x, (n, *np.shape(x))).copy()


def _same(x, n):
    return 1.0 * x  # (a value of its own, never the argument)


def _times_size(x, n):
    return n * x


_PSUM = _make("psum", _broadcast_sum, _times_size, _times_size, _times_size)
_PMEAN = _make("pmean", lambda x: _broadcast_sum(x) / dnp.shape(x)[0], _same, _same, _same)
_PMAX = _make("pmax", _rowwise(dnp.max), _same, _same, _same)
_PMIN = _make("pmin", _rowwise(dnp.min), _same, _same, _same)
_GATHER = _make(
    "all_gather",
    lambda x: dnp.broadcast_to(x[None], (dnp.shape(x)[0], *dnp.shape(x))),
    _gathered,
    _gathered,
    lambda ct, n: dnp.sum(ct, axis=0),
    new_axis=True,
)


def _apply(op, x, axis_name, what, groups=None):
    if groups is not None:
        raise NotImplementedError(
            f"{what}(axis_index_groups={groups!r}): JAX's collective over groups of devices; difflab's reduces over "
            "every row of the vmap axis: leave it out (mask the rows, numpy.where, to reduce over a subset)"
        )
    if isinstance(axis_name, (tuple, list)):  # (JAX's reduction over several named axes: over each in turn)
        _distinct(axis_name, what)
        if op is _GATHER:  # (over their product, row-major in the order given, as axis_index's: row k of the
            # result is the row whose axis_index(names) is k; JAX 0.10.2's own fails here, 'axis size doesn't match')
            for name in reversed(axis_name):
                x = _apply(op, x, name, what)
            return tree.tree_map(lambda leaf: dnp.reshape(leaf, (-1, *dnp.shape(leaf)[len(axis_name) :])), x)
        for name in axis_name:
            x = _apply(op, x, name, what)
        return x
    axis = _bound(axis_name, what)
    params = (axis.name, axis.size, axis.token)
    return tree.tree_map(lambda leaf: op.bind(leaf if isinstance(leaf, Traced) else np.asarray(leaf), axis=params), x)


def _distinct(names, what):
    """names (a tuple of axis names), refused if one repeats: a reduction over it twice is no reduction JAX has."""
    repeated = sorted({repr(n) for n in names if list(names).count(n) > 1})
    if repeated:
        raise ValueError(
            f"{what} over axis names {tuple(names)!r}: {', '.join(repeated)} is named twice (JAX refuses a repeated "
            "axis too: a reduction over each named axis once)"
        )
    return names


def psum(x, axis_name, *, axis_index_groups=None):
    """JAX's lax.psum: the sum of x over the rows of vmap's axis `axis_name`, the same for every row.

    Shape contract: x a pytree of arrays; the result has its structure and shapes (float64); a Python int (JAX's
    idiom `psum(1, name)`: the axis size) gives an int, as in JAX.

    >>> import difflab as dl, difflab.lax
    >>> dl.vmap(lambda x: x / dl.lax.psum(x, "i"), axis_name="i")(np.array([1.0, 3.0])).tolist()
    [0.25, 0.75]
    >>> dl.vmap(lambda x: x * dl.lax.psum(1, "i"), axis_name="i")(np.array([1.0, 3.0])).tolist()
    [2.0, 6.0]
    """
    if type(x) is int:  # (a constant on every row: size·x, no batched run needed)
        names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
        return math.prod(_bound(name, "psum").size for name in _distinct(names, "psum")) * x
    return _apply(_PSUM, x, axis_name, "psum", axis_index_groups)


def pmean(x, axis_name, *, axis_index_groups=None):
    """JAX's lax.pmean: the mean of x over the rows of vmap's axis `axis_name` (psum's shape contract).

    >>> import difflab as dl, difflab.lax
    >>> dl.vmap(lambda x: x - dl.lax.pmean(x, "i"), axis_name="i")(np.array([1.0, 3.0])).tolist()
    [-1.0, 1.0]
    """
    return _apply(_PMEAN, x, axis_name, "pmean", axis_index_groups)


def pmax(x, axis_name, *, axis_index_groups=None):
    """JAX's lax.pmax: the elementwise max of x over the rows of vmap's axis `axis_name` (psum's shape contract;
    differentiable from outside the vmap, by max's rule: ties split evenly).

    >>> import difflab as dl, difflab.lax
    >>> dl.vmap(lambda x: dl.lax.pmax(x, "i"), axis_name="i")(np.array([1.0, 3.0])).tolist()
    [3.0, 3.0]
    """
    return _apply(_PMAX, x, axis_name, "pmax", axis_index_groups)


def pmin(x, axis_name, *, axis_index_groups=None):
    """JAX's lax.pmin: the elementwise min of x over the rows of vmap's axis `axis_name` (as pmax).

    >>> import difflab as dl, difflab.lax
    >>> dl.vmap(lambda x: dl.lax.pmin(x, "i"), axis_name="i")(np.array([1.0, 3.0])).tolist()
    [1.0, 1.0]
    """
    return _apply(_PMIN, x, axis_name, "pmin", axis_index_groups)


def all_gather(x, axis_name, *, axis_index_groups=None, axis=0, tiled=False, to="varying"):
    """JAX's lax.all_gather: every row's x stacked along a new axis `axis`, the same for every row; `tiled=True`
    concatenates them along x's own axis `axis` instead.

    Shape contract: x of shape s (n rows) gives s with n inserted at `axis` (of len(s) + 1 axes), or with
    `tiled=True` s with s[axis] made n·s[axis] (x at least 1-d); an axis out of range is NumPy's AxisError, as JAX's.
    Over a tuple of axis names, n is their sizes' product and the rows come row-major in the order given (row k is
    the one whose axis_index of the tuple is k). `to` other than its default and axis_index_groups are refused by
    name (JAX's vmap refuses the groups too).

    >>> import difflab as dl, difflab.lax
    >>> dl.vmap(lambda x: dl.lax.all_gather(x, "i"), axis_name="i")(np.array([1.0, 3.0])).tolist()
    [[1.0, 3.0], [1.0, 3.0]]
    >>> dl.vmap(lambda x: dl.lax.all_gather(x, "i", axis=1), axis_name="i")(np.eye(2)).tolist()[0]
    [[1.0, 0.0], [0.0, 1.0]]
    >>> dl.vmap(lambda x: dl.lax.all_gather(x, "i", tiled=True), axis_name="i")(np.eye(2)).tolist()[0]
    [1.0, 0.0, 0.0, 1.0]
    """
    if to != "varying":
        raise NotImplementedError(
            f"all_gather(to={to!r}): JAX's varying/invariant typing of shard_map values has no meaning in a vmap; "
            "leave it out"
        )

    def placed(gathered, leaf):  # (gathered: (n, *s), one row's)
        ndim = len(np.shape(leaf))
        axes = ndim if tiled else ndim + 1  # (tiled joins along an axis x has; untiled adds one)
        if not -axes <= axis < axes:  # (NumPy's AxisError, a ValueError, with all_gather and the row's shape named)
            raise np.exceptions.AxisError(
                f"all_gather(axis={axis}, tiled={tiled}) of a value of shape {np.shape(leaf)} (one row's): axis {axis} "
                f"is out of bounds for array of dimension {axes}"
            )
        at = np.lib.array_utils.normalize_axis_index(axis, ndim if tiled else ndim + 1)
        moved = dnp.moveaxis(gathered, 0, at)
        if not tiled:
            return moved
        shape = dnp.shape(moved)
        return dnp.reshape(moved, (*shape[:at], shape[at] * shape[at + 1], *shape[at + 2 :]))

    gathered = _apply(_GATHER, x, axis_name, "all_gather", axis_index_groups)
    return tree.tree_map(placed, gathered, x) if (axis, tiled) != (0, False) else gathered


def axis_index(axis_name):
    """JAX's lax.axis_index: this row's position along vmap's axis `axis_name` (an int array of shape ()); over a
    tuple of names, the position in their product, row-major in the order given (JAX's).

    >>> import difflab as dl, difflab.lax
    >>> dl.vmap(lambda x: x * dl.lax.axis_index("i"), axis_name="i")(np.array([5.0, 5.0, 5.0])).tolist()
    [0.0, 5.0, 10.0]
    """
    if isinstance(axis_name, (tuple, list)):
        index = 0
        for name in axis_name:
            index = index * _bound(name, "axis_index").size + axis_index(name)
        return index
    for a in reversed(_STATE.bound):
        if a.name == axis_name:
            return a.index
    _bound(axis_name, "axis_index")  # (raises: the name is unbound)


@contextlib.contextmanager
def binding(name, size, token, index, live):
    """f of a vmap running: its axis bound to `name` (no name: nothing to bind; axis_index and the collectives
    find it), recorded by the collectives where `live`."""
    if name is None:
        yield
        return
    _STATE.bound.append(Axis(name, size, token, index, live))
    try:
        yield
    finally:
        _STATE.bound.pop()


def rows_traced() -> bool:
    """Whether a vmap is tracing f's first row now (in this thread): a traced value there may stand for a row of a
    batch, so `dl.lax.cond` and `switch` select between their branches rather than take one (difflab/lax.py)."""
    return _STATE.rows > 0


@contextlib.contextmanager
def tracing(live, token=None):
    """`live[0]` True while a vmap traces f's first row; `token`'s vmap running its graph batched."""
    if live is not None:
        live[0] = True
        _STATE.rows += 1
    if token is not None:
        _STATE.batching.append(token)
    try:
        yield
    finally:
        if live is not None:
            live[0] = False
            _STATE.rows -= 1
        if token is not None:
            _STATE.batching.pop()
