"""Sorting as a primitive: `sort` and `partition` along one axis, and the two linear ops their rules are made of;
the index ops (argsort, argpartition, argmax...) recomputed at each call, and the gathers and scatters by their
indices (gather_along, scatter_along, put_along: a set-style scatter, the last write of a position kept, and
scatter_mul_along / scatter_min_along / scatter_max_along: every update of a position combined at once, JAX's
scatter_mul/min/max).

Why a primitive. Sorting by gathering with `argsort`'s permutation read from the values specialises the trace
to that permutation: prepare and vmap could not reuse it at values in another order. The `sort` entry is one
equation whatever the order; its derivative moves the tangent as the values move (JAX's sort_p):

    sort(x)             the values in order (NumPy's stable order along the axis)
    permuted(t, x)      t gathered by x's sorting permutation: sort's JVP, linear in t
    unpermuted(u, x)    u scattered back by that permutation: sort's VJP, permuted's transpose

Complex values sort as NumPy's do (by real part, then imaginary part; NaN last), the derivative moved by
the same permutation; the symbolic method picks each output by `csort_weight(k, i, *Re row, *Im row)`, 1 where
z_i lands at k in that order (numpy.partition of complex values it still refuses by name).

`partition(x, kth)` is numpy.partition's arrangement, NumPy's own values; its permutation is NumPy's matched
to the stable sort (tied values keep their order), and permuted/unpermuted take it by their `kth` keyword;
on SymPy's object arrays each entry is picked by `partition_weight(k, Σ 2**kth, i, *row)`, 1 where x_i lands at k.

The permutation is piecewise constant in x, so neither linear op has a derivative in x (a Hessian through sort
is the permuted Hessian). Batching sorts along the same axis past the batch axis. The symbolic method's object
arrays sort with `sort_k(k, *row)`, the k-th of a row in NumPy's order, whose derivative in row[i] is
`sort_weight(k, i, *row)`: 1 where x_i is the k-th (stable), else 0.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..graph import Traced
from .core import (
    HELD_REAL,
    REGISTRY,
    SYMPY_TRACED,
    _batch_axis,
    _broadcast_batch,
    _reshape,
    _sp,
    defop,
    draw,
    normalize_axis,
    sympy_function,
)
from ..errors import AllNaNSliceError, IndexOutOfRangeError
from .reductions import _along_axis_strategy

__all__ = [
    "sort",
    "partition",
    "permuted",
    "unpermuted",
    "argpartition",
    "argsort",
    "argmax",
    "argmin",
    "searchsorted",
    "gather_along",
    "scatter_along",
    "put_along",
    "scatter_mul_along",
    "scatter_min_along",
    "scatter_max_along",
]


def _order(x, axis, kth=None):
    """The permutation along `axis` that sorts x (stably), or, given kth, that arranges x as numpy.partition
    does: NumPy's own partition matched to the stable sort (out[r[j]] = x[s[j]], r and s the stable orders
    of out and x), so the values are exactly NumPy's and tied values keep their order."""
    order = np.argsort(x, axis=axis, kind="stable")
    if kth is None:
        return order
    arranged = np.argsort(np.partition(x, list(kth), axis=axis), axis=axis, kind="stable")
    out = np.empty_like(order)
    np.put_along_axis(out, arranged, order, axis=axis)
    return out


def _rows(x, axis):
    """x's 1-D rows along `axis` (object arrays: SymPy's), and how to put rows of that length back."""
    moved = np.moveaxis(x, axis, -1)
    flat = moved.reshape(-1, moved.shape[-1])

    def back(rows):
        out = np.empty(moved.shape, dtype=object)
        out.reshape(-1, moved.shape[-1])[...] = rows
        return np.moveaxis(out, -1, axis)

    return flat, back


def _np_rank(i, *xs):
    """The stable rank of xs[i] among xs (broadcast): how many are below, and how many equal before it, in
    NumPy's order (NaN after every number)."""
    xs = np.broadcast_arrays(*xs)
    i = int(i)
    a, nan = xs[i], np.isnan(xs[i])

    def below(x, j):
        return (x < a) | (nan & ~np.isnan(x)) | (((x == a) | (nan & np.isnan(x))) & (j < i))

    return builtins.sum(below(x, j) * 1 for j, x in enumerate(xs))


def _py_rank(i, *xs):
    i = int(i)
    key = [(x != x, x if x == x else 0.0, j) for j, x in enumerate(xs)]  # (NaN after every number)
    return builtins.sum(1 for k in key if k < key[i])


def _py_sorted(xs):
    """xs in NumPy's order, NaN after every number (Python's sorted compares NaN False both ways and left it
    in place: the symbolic value of a sort with a NaN, nanquantile's, was another entry)."""
    return sorted(xs, key=lambda x: (x != x, x if x == x else 0.0))


def _np_sort_k(k, *xs):
    return np.sort(np.stack(np.broadcast_arrays(*xs)), axis=0, kind="stable")[int(k)]


def _weight_of_numbers(cls, k, i, *xs):
    """sort_weight of numbers: 0 or 1 at once (a Piecewise picking by it then reduces to the pick)."""
    if all(a.is_Number for a in (k, i, *xs)):
        return _sp().Integer(int(_py_rank(int(i), *[float(x) for x in xs]) == int(k)))
    return None


def _constant_fn(name: str, numpy_impl, py_impl, methods):
    """A SymPy function constant between its jumps (a rank's, a tie's weight): derivative 0 in every argument, its
    values by `numpy_impl` (lambdified code) and `py_impl` (mpmath's and Python's evaluation alike)."""
    sp = _sp()
    return sympy_function(name, numpy_impl, lambda args, i: sp.Integer(0), py_impl, py_impl, methods=methods)


def _sort_weight_fn():
    return _constant_fn(
        "sort_weight",
        lambda k, i, *xs: (_np_rank(i, *xs) == int(k)) * 1.0,
        lambda k, i, *xs: float(_py_rank(i, *xs) == int(k)),
        {"eval": classmethod(_weight_of_numbers)},
    )


def _sort_k_fn():
    sp = _sp()
    return sympy_function(
        "sort_k",
        _np_sort_k,
        lambda args, i: sp.Integer(0) if i == 0 else _sort_weight_fn()(args[0], sp.Integer(i - 1), *args[1:]),
        lambda k, *xs: _py_sorted(xs)[int(k)],
        lambda k, *xs: _py_sorted(xs)[int(k)],
    )


def _sort_k_of(k, *xs):
    """sort_k with difflab's ops (a derivative of a symbolic derivative runs it on traced values)."""
    stacked = REGISTRY["stack"](*xs, axis=0)
    return REGISTRY["getitem"](sort(stacked, axis=0), idx=(int(k),))


def _sort_weight_of(k, i, *xs):
    """sort_weight with difflab's ops: x_i's stable rank by comparisons, 1.0 where it is k."""
    i = int(i)
    rank = builtins.sum((x < xs[i]) * 1.0 + ((x == xs[i]) * 1.0 if j < i else 0.0) for j, x in enumerate(xs))
    return REGISTRY["equal"](rank, float(int(k))) * 1.0


SYMPY_TRACED["sort_k"] = _sort_k_of
SYMPY_TRACED["sort_weight"] = _sort_weight_of


def _kth_of(code):
    """partition_weight's kth, from its code Σ 2**k (one SymPy integer: lambdify prints it as a number)."""
    code = int(code)
    return tuple(k for k in range(code.bit_length()) if code >> k & 1)


def _np_partition_weight(k, code, i, *xs):
    stacked = np.stack(np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs]))
    return (_order(stacked, 0, _kth_of(code))[int(k)] == int(i)) * 1.0


def _py_partition_weight(k, code, i, *xs):
    return float(_order(np.array([float(x) for x in xs]), 0, _kth_of(code))[int(k)] == int(i))


def _partition_weight_of_numbers(cls, k, code, i, *xs):
    if all(a.is_Number for a in (k, code, i, *xs)):
        return _sp().Integer(int(_py_partition_weight(k, code, i, *xs)))
    return None


def _partition_weight_fn():
    return _constant_fn(
        "partition_weight",
        _np_partition_weight,
        _py_partition_weight,
        {"eval": classmethod(_partition_weight_of_numbers)},
    )


def _partition_weight_of(k, code, i, *xs):
    """partition_weight with difflab's ops: row i's one-hot vector moved by the partition's permutation, at k."""
    stacked = REGISTRY["stack"](*xs, axis=0)
    onehot = np.eye(len(xs))[int(i)].reshape((len(xs),) + (1,) * len(np.shape(stacked)[1:]))
    return REGISTRY["getitem"](permuted(onehot, stacked, axis=0, kth=_kth_of(code)), idx=(int(k),))


SYMPY_TRACED["partition_weight"] = _partition_weight_of


# -- complex values under the symbolic method ----------------------------------------------------------------
# NumPy orders complex values by real part, then imaginary part (NaN last). On SymPy's complex entries, output k of
# a row is the pick Piecewise((z_i, csort_weight(k, i, *Re row, *Im row) = 1), ...): csort_weight is 1 where z_i
# lands at k in NumPy's stable complex order (evaluated by NumPy: a named function of the real and imaginary parts,
# derivative 0, held), so the derivative is the permuted one, as forward's and reverse's.


def _np_complex_rank(i, *parts):
    """z_i's place in NumPy's stable order of the row z = parts[:n] + i·parts[n:] (broadcast)."""
    half = len(parts) // 2
    re = np.stack(np.broadcast_arrays(*[np.asarray(p, dtype=float) for p in parts]))
    z = re[:half] + 1j * re[half:]
    return np.argsort(np.argsort(z, axis=0, kind="stable"), axis=0, kind="stable")[int(i)]


def _py_complex_weight(k, i, *parts):
    return float(_np_complex_rank(i, *[float(p) for p in parts]) == int(k))


def _complex_weight_fn():
    return _constant_fn(
        "csort_weight",
        lambda k, i, *parts: (_np_complex_rank(i, *parts) == int(k)) * 1.0,
        _py_complex_weight,
        HELD_REAL,
    )


def _complex_weight_of(k, i, *parts):
    """csort_weight with difflab's ops (a derivative of a symbolic derivative runs it on traced values)."""
    half = len(parts) // 2
    z = REGISTRY["stack"](*parts[:half], axis=0) + 1j * REGISTRY["stack"](*parts[half:], axis=0)
    onehot = np.eye(half)[int(i)].reshape((half,) + (1,) * (len(np.shape(z)) - 1))
    return REGISTRY["getitem"](permuted(onehot, z, axis=0), idx=(int(k),))


SYMPY_TRACED["csort_weight"] = _complex_weight_of


def _complex_sorted(x, axis):
    """sort's translation on SymPy's complex entries: each output the pick of NumPy's complex order."""
    x = np.asarray(x, dtype=object)
    return _weighted_rows(x, x, axis, False, complex_order=True)


def _complex_permuted(transpose):
    def translate(t, x, axis, kth=None):
        if kth is not None:  # (partition of complex values: no weight written for its arrangement)
            from ..errors import NotDifferentiableError

            raise NotDifferentiableError(
                "the symbolic method has no closed form for the derivative of numpy.partition of complex values; "
                "use 'forward' or 'reverse'"
            )
        return _weighted_rows(t, np.asarray(x, dtype=object), axis, transpose, complex_order=True)

    return translate


def _sort_impl(x, axis):
    if isinstance(x, np.ndarray) and x.dtype == object:  # SymPy's: each entry the k-th of its row
        sp, rows, (flat, back) = _sp(), [], _rows(x, axis)
        for row in flat:
            rows.append([_sort_k_fn()(sp.Integer(k), *row) for k in range(len(row))] if len(row) > 1 else list(row))
        return back(rows)
    return np.sort(x, axis=axis, kind="stable")


def _weighted_rows(v, x, axis, transpose, kth=None, complex_order=False):
    """permuted (transpose: unpermuted) on object arrays: Σ_i sort_weight(k, i, row)·v_i per output k (i);
    partition's (kth given): partition_weight(k, Σ 2**kth, i, row); complex values' (`complex_order`):
    csort_weight(k, i, *Re row, *Im row)."""
    sp = _sp()
    vs, _ = _rows(np.broadcast_to(v, np.shape(x)).astype(object), axis)
    flat, back = _rows(x, axis)
    n, out = flat.shape[-1], []

    def weight(k, i, row):
        if complex_order:
            pairs = [sp.Add(z).as_real_imag() for z in row]  # (Add: a SymPy value, never a parse)
            return _complex_weight_fn()(sp.Integer(k), sp.Integer(i), *[a for a, _ in pairs], *[b for _, b in pairs])
        if kth is None:
            return _sort_weight_fn()(sp.Integer(k), sp.Integer(i), *row)
        code = sp.Integer(builtins.sum(2**j for j in kth))
        return _partition_weight_fn()(sp.Integer(k), code, sp.Integer(i), *row)

    for row, vrow in zip(flat, vs):
        w = [[sp.Eq(weight(k, i, row), 1) for i in range(n)] for k in range(n)]
        # (a pick, not Σ w·v: a NaN entry the permutation does not pick must not reach the output as 0·NaN)
        if transpose:
            out.append([_pick(sp, [(vrow[k], w[k][i]) for k in range(n - 1)], vrow[n - 1]) for i in range(n)])
        else:
            out.append([_pick(sp, [(vrow[i], w[k][i]) for i in range(n - 1)], vrow[n - 1]) for k in range(n)])
    return back(out)


def _pick(sp, pairs, last):
    """Piecewise((value, condition), ..., (last, True)) unevaluated: SymPy's evaluation collapses each new Piecewise
    against the Piecewise its values hold (a nested derivative's tangents through the permutation are Piecewise
    themselves), and spent 64 of 101 s of autograd's second-order test_partition (n = 14) there; the conditions
    (a weight's pick) are disjoint and exhaustive as written, so there is nothing to collapse."""
    return sp.Piecewise(*pairs, (last, True), evaluate=False)


def _permuted_impl(t, x, axis, kth=None):
    if np.asarray(x).dtype == object or np.asarray(t).dtype == object:
        return _weighted_rows(t, np.asarray(x, dtype=object), axis, False, kth)
    return np.take_along_axis(np.broadcast_to(t, np.shape(x)), _order(x, axis, kth), axis=axis)


def _unpermuted_impl(u, x, axis, kth=None):
    if np.asarray(x).dtype == object or np.asarray(u).dtype == object:
        return _weighted_rows(u, np.asarray(x, dtype=object), axis, True, kth)
    out = np.empty(np.shape(x), dtype=np.result_type(u))
    np.put_along_axis(out, _order(x, axis, kth), np.broadcast_to(u, np.shape(x)), axis=axis)
    return out


def _linear_batch(op_name):
    def rule(batched, v, x, axis, kth=None):
        v, x = _broadcast_batch(batched, [v, x])
        return REGISTRY[op_name](v, x, axis=_batch_axis(axis), **({} if kth is None else {"kth": kth}))

    return rule


def _permutation_strategy(b, name, x, picks, c):
    x = b.rank1(x)
    return b.emit(name, x, b.same_shape(x, picks[1:], 2)[1], axis=c.take(len(b.shape(x))))


def _tie_gap(*args, axis, kth=None):
    """Each entry's distance to a tie in the sorted values of its row (args[-1]: the values sorted), where the
    permutation, so the derivative, jumps: the row's smallest gap, for every entry of the row (partition's,
    kth given, too: its arrangement changes only where the order does)."""
    x = np.asarray(args[-1])
    x = x if x.dtype.kind == "c" else x.astype(float)
    if x.shape[axis] < 2:
        return np.full(x.shape, np.inf)
    gaps = np.diff(np.sort(x, axis=axis), axis=axis)
    if x.dtype.kind == "c":  # (lexicographic: the order turns where real parts cross, or imaginary ones of a tie)
        gaps = np.where(gaps.real == 0, gaps.imag, gaps.real)
    return np.broadcast_to(np.min(np.abs(gaps), axis=axis, keepdims=True), x.shape)


def _below(calls):
    """Samples whose sorted values lie in (-3, -1): NumPy sorts NaN last, so an entry the bad-input battery makes
    NaN, 0.4 or -0.7 (tests/test_bad_input.py) takes the same place in the order each time (last)."""

    def make(rng):
        return [
            (
                tuple(
                    rng.uniform(-3.0, -1.0, s) if k == len(shapes) - 1 else draw("real", s, rng)
                    for k, s in enumerate(shapes)
                ),
                params,
            )
            for shapes, params in calls
        ]

    return make


def _kth(kth):
    """permuted's keyword for partition's permutation (none for sort's)."""
    return {} if kth is None else {"kth": kth}


_AXES = _below([(((5,),), {"axis": 0}), (((3, 4),), {"axis": 1}), (((3, 4),), {"axis": 0})])
_PAIRS = _below([(((5,), (5,)), {"axis": 0}), (((3, 4), (3, 4)), {"axis": 1})])

permuted = defop(
    "permuted",
    _permuted_impl,
    jvp=(lambda dt, out, t, x, axis, kth=None: permuted(dt, x, axis=axis, **_kth(kth)), None),
    vjp=(lambda ct, out, t, x, axis, kth=None: unpermuted(ct, x, axis=axis, **_kth(kth)), None),
    samples=_PAIRS,
    batch=_linear_batch("permuted"),
    kink=_tie_gap,
    strategy=_permutation_strategy,
    internal=True,
    complex=True,
    sympy_complex=_complex_permuted(False),  # (complex values: csort_weight's picks)
    doc="t gathered by x's stable sorting permutation along axis, or partition's given kth (sort's and "
    "partition's JVP; no derivative in x)",
)
unpermuted = defop(
    "unpermuted",
    _unpermuted_impl,
    jvp=(lambda du, out, u, x, axis, kth=None: unpermuted(du, x, axis=axis, **_kth(kth)), None),
    vjp=(lambda ct, out, u, x, axis, kth=None: permuted(ct, x, axis=axis, **_kth(kth)), None),
    samples=_PAIRS,
    batch=_linear_batch("unpermuted"),
    kink=_tie_gap,
    strategy=_permutation_strategy,
    internal=True,
    complex=True,
    sympy_complex=_complex_permuted(True),  # (complex values: csort_weight's picks)
    doc="u scattered back by x's stable sorting permutation along axis, or partition's given kth (sort's and "
    "partition's VJP; no derivative in x)",
)


def _sort_front(a, axis=-1, kind=None, order=None, *, stable=None):
    """A sorted copy along `axis` (of the flattened array when None), like `numpy.sort`: one equation whatever the
    values' order (prepare and vmap reuse it); the derivative follows the values (NumPy's stable order).

    >>> _sort_front(np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    """
    if order is not None:
        raise TypeError("numpy.sort's order= sorts structured arrays, which traced values are not")
    if axis is None:
        a, axis = _reshape(a, (-1,)), 0
    return sort(a, axis=normalize_axis(a, axis, "sort"))


sort = defop(
    "sort",
    _sort_impl,
    jvp=(lambda t, out, x, axis: permuted(t, x, axis=axis),),
    vjp=(lambda ct, out, x, axis: unpermuted(ct, x, axis=axis),),
    samples=_AXES,
    batch=lambda batched, x, axis: sort(x, axis=_batch_axis(axis)),
    kink=_tie_gap,
    # the numeric method holds x's permutation at x (pieces.py): complex values jump where real parts tie and a
    # step reorders them (a stencil across it gave 4e4 for 2), and at a real tie each side's piece is the same
    piecewise=(
        lambda out, x, axis: (argsort(x, axis=axis, kind="stable"),),
        lambda s, x, axis: gather_along(x, s[0], axis=axis),
    ),
    analytic=False,
    complex=True,  # (NumPy's lexicographic order, NaN last; the permutation is linear in complex values too)
    sympy_complex=_complex_sorted,  # (picks by csort_weight: NumPy's complex order)
    doc="sorted along one axis (NumPy's stable order); the derivative follows the permutation",
    numpy=("sort",),
    front=_sort_front,
    strategy=_along_axis_strategy,
)


def _partition_impl(x, axis, kth):
    if isinstance(x, np.ndarray) and x.dtype == object:  # SymPy's: each entry the pick partition_weight makes
        return _weighted_rows(x, x, axis, False, kth)
    return np.partition(x, list(kth), axis=axis)


def _partition_front(a, kth, axis=-1, kind="introselect", order=None):
    """A partitioned copy along `axis` (of the flattened array when None), like `numpy.partition`: NumPy's own
    arrangement (the kth entries in their sorted places, smaller before, larger after), one equation whatever
    the values' order (prepare and vmap reuse it); the derivative follows the values. kth an int or a sequence.

    >>> _partition_front(np.array([3.0, 1.0, 2.0]), 1)
    array([1., 2., 3.])
    """
    a, axis, ks = _partition_args("partition", a, kth, axis, kind, order)
    return partition(a, axis=axis, kth=tuple(sorted(set(ks))))


def _partition_args(name, a, kth, axis, kind, order):
    """(a, axis, kth as non-negative ints) of numpy.partition's or argpartition's call, NumPy's errors for bad ones
    (a None axis: a flattened)."""
    if order is not None:
        raise TypeError(f"numpy.{name}'s order= partitions structured arrays, which traced values are not")
    if kind != "introselect":
        raise ValueError(f"numpy.{name}: kind must be 'introselect', got {kind!r}")
    if axis is None:
        a, axis = _reshape(a, (-1,)), 0
    axis = normalize_axis(a, axis, name)
    n = np.shape(a)[axis]
    ks = np.ravel(np.asarray(kth))
    if ks.dtype.kind not in "iu":
        raise TypeError(f"numpy.{name}: kth must be integers, got {ks.dtype}")
    bad = ks[(ks < -n) | (ks >= n)]
    if bad.size:
        raise ValueError(f"kth(={int(bad[0])}) out of bounds ({n})")
    return a, axis, [int(k) % n for k in ks]


def _partition_strategy(b, name, x, picks, c):
    x = b.rank1(x)
    axis = c.take(len(b.shape(x)))
    return b.emit(name, x, axis=axis, kth=(b.shape(x)[axis] // 2,))


partition = defop(
    "partition",
    _partition_impl,
    jvp=(lambda t, out, x, axis, kth: permuted(t, x, axis=axis, kth=kth),),
    vjp=(lambda ct, out, x, axis, kth: unpermuted(ct, x, axis=axis, kth=kth),),
    samples=_below(
        [
            (((5,),), {"axis": 0, "kth": (2,)}),
            (((3, 4),), {"axis": 1, "kth": (0, 3)}),
            (((4, 3),), {"axis": 0, "kth": (1,)}),
        ]
    ),
    batch=lambda batched, x, axis, kth: partition(x, axis=_batch_axis(axis), kth=kth),
    kink=_tie_gap,
    analytic=False,
    complex=True,
    sympy_complex=False,
    doc="numpy.partition's arrangement along one axis (kth a tuple of positions); the derivative follows it",
    numpy=("partition",),
    front=_partition_front,
    strategy=_partition_strategy,
)


# -- argpartition, and gathers by a traced index ----------------------------------------------------
# numpy.argpartition's indices read from the values would specialise the trace (prepare refused it). Here they
# are an equation, recomputed at each call, with derivative 0 (piecewise constant); gather_along picks x's
# values by such an index (take_along_axis, x[i]) and scatter_along is its transpose, so a partition-then-gather
# follows the values at each call, as sort does. The symbolic method's object arrays: argpartition's entries
# are a named function of the row (difflab_argpartition(k, Σ 2**kth, *row), evaluated by NumPy), and a gather
# by them a Piecewise picking x_i where the index equals i.


def _argpartition_impl(x, axis, kth):
    if isinstance(x, np.ndarray) and x.dtype == object:
        fn = _argpartition_fn()
        sp, rows, (flat, back) = _sp(), [], _rows(x, axis)
        code = sp.Integer(builtins.sum(2**k for k in kth))
        for row in flat:
            rows.append([fn(sp.Integer(k), code, *row) for k in range(len(row))])
        return back(rows)
    return np.argpartition(x, list(kth), axis=axis)


def _index_function(name, order, traced):
    """The symbolic method's named function `name`(k, code, *row) of an index op (argpartition, argsort): the k-th
    index of the row, `order(values stacked on axis 0, code)` on numbers (as a float: SymPy's expressions are
    computed in floats, and a gradient holding it must be one), derivative 0, and `traced(stacked, code)` with
    difflab's ops on traced values (a derivative of a symbolic derivative runs it so). Returns its maker."""

    def on_arrays(k, code, *xs):
        stacked = np.stack(np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs]))
        return order(stacked, code)[int(k)] * 1.0

    def on_floats(k, code, *xs):
        return float(order(np.array([float(x) for x in xs]), code)[int(k)])

    def on_traced(k, code, *xs):
        return REGISTRY["getitem"](traced(REGISTRY["stack"](*xs, axis=0), code), idx=(int(k),))

    SYMPY_TRACED[name] = on_traced
    return lambda: sympy_function(name, on_arrays, lambda args, i: _sp().Integer(0), on_floats, on_floats)


_argpartition_fn = _index_function(
    "difflab_argpartition",
    lambda a, code: np.argpartition(a, list(_kth_of(code)), axis=0),
    lambda s, code: argpartition(s, axis=0, kth=_kth_of(code)),
)


def _argpartition_front(a, kth, axis=-1, kind="introselect", order=None):
    """Indices that partition `a` along `axis` (of the flattened array when None), like `numpy.argpartition`:
    NumPy's own indices, recomputed at each call (prepare and vmap reuse the equation); derivative 0.

    >>> _argpartition_front(np.array([3.0, 1.0, 2.0]), 1)
    array([1, 2, 0])
    """
    a, axis, ks = _partition_args("argpartition", a, kth, axis, kind, order)
    return argpartition(a, axis=axis, kth=tuple(ks))


def _gather_strategy(b, name, x, picks, c):
    """x's values gathered by its own argpartition (a float result: the index alone would end the graph in
    integers), or, for scatter_along, scattered back by it."""
    x = b.rank1(x)
    axis = c.take(len(b.shape(x)))
    idx = b.emit("argpartition", x, axis=axis, kth=(b.shape(x)[axis] // 2,))
    if name == "scatter_along":
        return b.emit(name, x, idx, axis=axis, size=b.shape(x)[axis])
    return b.emit("gather_along", x, idx, axis=axis)


argpartition = defop(
    "argpartition",
    _argpartition_impl,
    jvp=(None,),
    vjp=(None,),
    samples=_below(
        [
            (((5,),), {"axis": 0, "kth": (2,)}),
            (((3, 4),), {"axis": 1, "kth": (0, 3)}),
            (((4, 3),), {"axis": 0, "kth": (1,)}),
        ]
    ),
    batch=lambda batched, x, axis, kth: argpartition(x, axis=_batch_axis(axis), kth=kth),
    kink=_tie_gap,  # (the indices jump where two values of a row cross)
    differentiable=False,
    analytic=False,
    sympy_complex=False,
    result_dtype=lambda **params: np.dtype(np.intp),  # (out_dtypes passes the params: axis, kth, side)
    doc="numpy.argpartition's indices along one axis (kth a tuple of positions): piecewise constant",
    numpy=("argpartition",),
    front=_argpartition_front,
    strategy=_gather_strategy,
)


# -- argsort: as argpartition, every position's index (NumPy's own, by the sort kind the call names) ----------------
#: numpy.argsort's sort kinds, numbered for the symbolic method's named function (its arguments are numbers)
_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def _argsort_impl(x, axis, kind):
    if isinstance(x, np.ndarray) and x.dtype == object:
        fn = _argsort_fn()
        sp, rows, (flat, back) = _sp(), [], _rows(x, axis)
        code = sp.Integer(_KINDS.index(kind))
        for row in flat:
            rows.append([fn(sp.Integer(k), code, *row) for k in range(len(row))])
        return back(rows)
    return np.argsort(x, axis=axis, kind=kind)


_argsort_fn = _index_function(
    "difflab_argsort",
    lambda a, code: np.argsort(a, axis=0, kind=_KINDS[int(code)]),
    lambda s, code: argsort(s, axis=0, kind=_KINDS[int(code)]),
)


def _argsort_front(a, axis=-1, kind=None, order=None, *, stable=None):
    """Indices that sort `a` along `axis` (of the flattened array when None), like `numpy.argsort`: NumPy's own
    indices, recomputed at each call (prepare and vmap reuse the equation); derivative 0.

    >>> _argsort_front(np.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    """
    if order is not None:
        raise TypeError("numpy.argsort's order= sorts structured arrays, which traced values are not")
    if stable:
        kind = "stable"
    if kind not in _KINDS:
        raise ValueError(f"numpy.argsort: sort kind must be one of {list(_KINDS[1:])}, got {kind!r}")
    if axis is None:
        a, axis = _reshape(a, (-1,)), 0
    if not np.shape(a):
        return np.zeros(1, dtype=np.intp)  # (NumPy's for a 0-d array, whatever its value)
    return argsort(a, axis=normalize_axis(a, axis, "argsort"), kind=kind)


def _argsort_strategy(b, name, x, picks, c):
    x = b.rank1(x)
    return b.emit(name, x, axis=c.take(len(b.shape(x))), kind="stable")


argsort = defop(
    "argsort",
    _argsort_impl,
    jvp=(None,),
    vjp=(None,),
    samples=_below(
        [
            (((5,),), {"axis": 0, "kind": None}),
            (((3, 4),), {"axis": 1, "kind": "stable"}),
            (((4, 3),), {"axis": 0, "kind": None}),
        ]
    ),
    batch=lambda batched, x, axis, kind: argsort(x, axis=_batch_axis(axis), kind=kind),
    kink=lambda x, axis, kind: _tie_gap(x, axis=axis),  # (the indices jump where two values of a row cross)
    differentiable=False,
    analytic=False,
    sympy_complex=False,
    result_dtype=lambda **params: np.dtype(np.intp),  # (out_dtypes passes the params: axis, kth, side)
    doc="numpy.argsort's indices along one axis (by its sort kind): piecewise constant",
    numpy=("argsort",),
    front=_argsort_front,
    strategy=_argsort_strategy,
)


def _wrapped(idx, n, axis, name="gather_along"):
    """Integer positions in 0..n-1, NumPy's negative ones counted from the end. One outside -n..n-1 raises
    NumPy's IndexError: a prepared call (its index recomputed from new values) answers as a fresh call would,
    where the front checked the index's concrete value (a wrapped one would be a wrong number, DESIGN §6)."""
    idx = np.asarray(idx).astype(np.intp)
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexOutOfRangeError(
            f"index {int(idx[bad].flat[0])} is out of bounds for axis {axis} with size {n} ({name})"
        )
    return idx % n


def _index_shape(x_shape, idx, axis):
    """The index broadcast to x's shape except along axis (where it has its own length)."""
    return x_shape[:axis] + (np.shape(idx)[axis],) + x_shape[axis + 1 :]


def _is_number(k) -> bool:
    return isinstance(k, (int, np.integer)) or bool(getattr(k, "is_Integer", False))


def _out_of_range_fn():
    """The symbolic method's named function `index_out_of_range(k, n, axis)`: the branch of a gather's Piecewise
    that no position matches, NumPy's IndexError for k outside -n..n-1 when evaluated (NaN, never picked, for k in
    range: NumPy's select computes every branch); derivative 0."""

    def on_arrays(k, n, axis):
        _wrapped(np.asarray(k), int(n), int(axis))
        return np.full(np.shape(k), np.nan)

    def on_floats(k, n, axis):
        return float(on_arrays(float(k), n, axis))

    def on_traced(k, n, axis):  # (a gather from a row of NaN: its IndexError, where it is out of range)
        nan_row, at = np.full(int(n), np.nan), REGISTRY["reshape"](k, shape=(1,))
        return REGISTRY["reshape"](gather_along(nan_row, at, axis=0), shape=())

    SYMPY_TRACED["index_out_of_range"] = on_traced
    return sympy_function("index_out_of_range", on_arrays, lambda args, i: _sp().Integer(0), on_floats, on_floats)


def _picked(x, idx, axis):
    """gather_along on object arrays: x_i where the index is a number i, else a Piecewise picking by Eq(index, i)
    or Eq(index, i - n) (NumPy's negative positions), and raising NumPy's IndexError where none matches."""
    sp = _sp()
    x = np.asarray(x, dtype=object)
    ib = np.broadcast_to(np.asarray(idx, dtype=object), _index_shape(x.shape, idx, axis))
    n, out = x.shape[axis], np.empty(ib.shape, dtype=object)
    for pos in np.ndindex(ib.shape):
        row, k = [x[pos[:axis] + (i,) + pos[axis + 1 :]] for i in range(n)], ib[pos]
        if _is_number(k):
            out[pos] = row[int(_wrapped(int(k), n, axis))]
            continue
        # (unevaluated: k is symbolic here, so SymPy could decide none of the n conditions, and its attempt, and the
        # Piecewise's collapse of them, were O(n²) per entry: half of the symbolic weighted quantile's cost)
        picks = [(row[i], sp.Or(sp.Eq(k, i, evaluate=False), sp.Eq(k, i - n, evaluate=False))) for i in range(n)]
        out[pos] = sp.Piecewise(*picks, (_out_of_range_fn()(k, n, axis), True), evaluate=False)
    return out


def _spread(u, idx, axis, size):
    """scatter_along on object arrays: each u entry added at its index's position (a Piecewise where symbolic)."""
    sp = _sp()
    u = np.asarray(u, dtype=object)
    ib = np.broadcast_to(np.asarray(idx, dtype=object), u.shape)
    out = np.full(u.shape[:axis] + (size,) + u.shape[axis + 1 :], sp.Integer(0), dtype=object)
    for pos in np.ndindex(u.shape):
        k = ib[pos]
        for i in range(size):
            at = pos[:axis] + (i,) + pos[axis + 1 :]
            if _is_number(k):
                out[at] = out[at] + (u[pos] if int(_wrapped(int(k), size, axis, "scatter_along")) == i else 0)
            else:  # (NumPy's negative positions too; gather_along, evaluated first, raises for one out of range)
                out[at] = out[at] + sp.Piecewise((u[pos], sp.Or(sp.Eq(k, i), sp.Eq(k, i - size))), (0, True))
    return out


def _gather_impl(x, idx, axis):
    if np.asarray(x).dtype == object or np.asarray(idx).dtype == object:
        return _picked(x, idx, axis)
    x = np.asarray(x)
    n = x.shape[axis]
    return np.take_along_axis(x, np.broadcast_to(_wrapped(idx, n, axis), _index_shape(x.shape, idx, axis)), axis=axis)


def _scatter_impl(u, idx, axis, size):
    if np.asarray(u).dtype == object or np.asarray(idx).dtype == object:
        return _spread(u, idx, axis, size)
    u = np.asarray(u)
    out = np.zeros(u.shape[:axis] + (size,) + u.shape[axis + 1 :], dtype=np.result_type(u, np.float64))
    grids = list(np.indices(u.shape, sparse=True))
    grids[axis] = np.broadcast_to(_wrapped(idx, size, axis, "scatter_along"), u.shape)
    np.add.at(out, tuple(grids), u)
    return out


def _check_range(idx, n, axis):
    """NumPy's IndexError for an index outside -n..n-1, at run time: the front's check, at the trace's point, holds
    for no other (vmap's rows, a reused graph's points), where the index wrapped silently (issue 11)."""
    at = np.asarray(idx)
    if at.dtype.kind in "iu" and at.size and ((at < -n) | (at >= n)).any():
        bad = int(at[(at < -n) | (at >= n)].flat[0])
        raise IndexOutOfRangeError(f"index {bad} is out of bounds for axis {axis} with size {n} (gather_along)")


def _gather_batch(batched, x, idx, axis):
    if not isinstance(idx, Traced):  # (the user's axis in the message, not the batched one)
        _check_range(idx, np.shape(x)[axis + 1 if batched[0] and axis >= 0 else axis], axis)
    x, idx = _broadcast_batch(batched, [x, idx])
    return gather_along(x, idx, axis=_batch_axis(axis))


def _scatter_batch(batched, u, idx, axis, size):
    u, idx = _broadcast_batch(batched, [u, idx])
    return scatter_along(u, idx, axis=_batch_axis(axis), size=size)


def _gather_samples(rng):
    return [
        ((draw("real", (5,), rng), np.array([3, 0, 0, 4, -1])), {"axis": 0}),
        ((draw("real", (3, 4), rng), np.array([[1, 3], [0, 0], [2, 1]])), {"axis": 1}),
        ((draw("real", (3, 2), rng), np.array([[2, 0]])), {"axis": 0}),
    ]


def _scatter_samples(rng):
    return [
        ((draw("real", (5,), rng), np.array([3, 0, 0, 4, 1])), {"axis": 0, "size": 5}),
        ((draw("real", (3, 2), rng), np.array([[1, 3], [0, 0], [2, 1]])), {"axis": 1, "size": 4}),
    ]


gather_along = defop(
    "gather_along",
    _gather_impl,
    jvp=(lambda t, out, x, idx, axis: gather_along(t, idx, axis=axis), None),
    vjp=(lambda ct, out, x, idx, axis: scatter_along(ct, idx, axis=axis, size=np.shape(x)[axis]), None),
    samples=_gather_samples,
    batch=_gather_batch,
    strategy=_gather_strategy,
    domain=("real", "integer"),
    internal=True,
    complex=True,
    sympy_complex=False,
    doc="x picked by an integer index along axis (numpy.take_along_axis; the index a traced one, argpartition's); "
    "no derivative in the index",
)
scatter_along = defop(
    "scatter_along",
    _scatter_impl,
    jvp=(lambda du, out, u, idx, axis, size: scatter_along(du, idx, axis=axis, size=size), None),
    vjp=(lambda ct, out, u, idx, axis, size: gather_along(ct, idx, axis=axis), None),
    samples=_scatter_samples,
    batch=_scatter_batch,
    strategy=_gather_strategy,
    domain=("real", "integer"),
    internal=True,
    complex=True,
    sympy_complex=False,
    doc="u added into zeros of length `size` along axis at an integer index's positions (gather_along's VJP)",
)


# -- put_along: a set-style scatter by a traced index (numpy.put_along_axis, numpy.put, y[i] = v, x.at[i].set) --------
# a with v written along `axis` at idx's positions: out[..., idx[..., k, ...], ...] = v[..., k, ...], idx of a's shape
# but along axis (K positions), v broadcast to it. A position written twice keeps its LAST write (the largest k in
# the row, NumPy's fancy assignment's order), and only that write has a derivative: v's cotangent is ū gathered at
# idx where k is its position's last write, 0 for a write overwritten (JAX leaves duplicates unspecified; difflab's
# follows NumPy's value); a's cotangent is ū zeroed at the written positions. Linear in (a, v) for fixed idx, which
# is piecewise constant: no derivative in idx. The symbolic method's object arrays: each written entry a Piecewise
# over the writes that may land there (Eq(idx, i)), the later one first.


def _last_writes(idx, axis, n):
    """Per entry of idx (already wrapped to 0..n-1), whether it is the last write of its position in its row."""
    moved = np.moveaxis(idx, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    k = np.broadcast_to(np.arange(rows.shape[1]), rows.shape)
    last = np.full((rows.shape[0], n), -1)
    r = np.broadcast_to(np.arange(rows.shape[0])[:, None], rows.shape)
    np.maximum.at(last, (r, rows), k)  # (ufunc.at: defined for repeated positions, unlike fancy assignment)
    return np.moveaxis((last[r, rows] == k).reshape(moved.shape), -1, axis)


def _put_numbers(a, idx, v, axis):
    a = np.asarray(a)
    n = a.shape[axis]
    shape = _index_shape(a.shape, idx, axis)
    at = np.broadcast_to(_wrapped(idx, n, axis, "put_along"), shape)
    last = _last_writes(at, axis, n)
    out = np.array(a, dtype=np.result_type(a, v), copy=True)
    grids = list(np.indices(shape, sparse=True))
    grids[axis] = at
    grids = [np.broadcast_to(g, shape)[last] for g in grids]
    out[tuple(grids)] = np.broadcast_to(v, shape)[last]  # (distinct positions: each its last write)
    return out


def _put_objects(a, idx, v, axis):
    """put_along on object arrays: a number index writes its entry; a symbolic one a Piecewise at each position it
    may name, over the value there before (so a later write wraps an earlier one: the last write wins)."""
    sp = _sp()
    a = np.array(a, dtype=object)
    n = a.shape[axis]
    shape = _index_shape(a.shape, idx, axis)
    ib = np.broadcast_to(np.asarray(idx, dtype=object), shape)
    vb = np.broadcast_to(np.asarray(v, dtype=object), shape)
    for pos in np.ndindex(shape):
        k = ib[pos]
        if _is_number(k):
            a[pos[:axis] + (int(_wrapped(int(k), n, axis, "put_along")),) + pos[axis + 1 :]] = vb[pos]
            continue
        for i in range(n):
            at = pos[:axis] + (i,) + pos[axis + 1 :]
            hit = sp.Or(sp.Eq(k, i, evaluate=False), sp.Eq(k, i - n, evaluate=False))
            a[at] = sp.Piecewise((vb[pos], hit), (a[at], True), evaluate=False)
    return a


def _put_impl(a, idx, v, axis):
    if any(np.asarray(z).dtype == object for z in (a, idx, v)):
        return _put_objects(a, idx, v, axis)
    return _put_numbers(a, idx, v, axis)


def _zeros_of(a, t):
    """Zeros shaped as a, of the tangent t's kind (a complex tangent written into them stays complex)."""
    return np.zeros(np.shape(a), dtype=np.result_type(float, getattr(t, "dtype", float)))


def _put_v_vjp(ct, out, a, idx, v, axis):
    """ū gathered at idx where each entry is its position's last write (recomputed from idx with difflab's ops: a
    traced idx, the compiled sweep's, stays traced), 0 where a later write overwrote it."""
    shape = _index_shape(np.shape(a), idx, axis)
    k = np.arange(shape[axis]).reshape((1,) * axis + (-1,) + (1,) * (len(shape) - axis - 1))
    k = np.broadcast_to(k, shape)
    last = gather_along(put_along(np.full(np.shape(a), -1), idx, k, axis=axis), idx, axis=axis)
    return REGISTRY["where"](REGISTRY["equal"](last, k), gather_along(ct, idx, axis=axis), 0.0)


def _put_joint_jvp(ts, out, a, idx, v, axis):
    """a's tangent with v's written at idx: one output-sized array (a zero tangent's entries zero)."""
    ta, _, tv = ts
    return put_along(_zeros_of(a, tv) if ta is None else ta, idx, 0.0 if tv is None else tv, axis=axis)


def _put_batch(batched, a, idx, v, axis):
    a, idx, v = _broadcast_batch(batched, [a, idx, v])
    if len(np.shape(v)) < len(np.shape(idx)):  # (a rule's 0.0, batched: its batch axis leads)
        v = _reshape(v, np.shape(v)[:1] + (1,) * (len(np.shape(idx)) - len(np.shape(v))) + np.shape(v)[1:])
    return put_along(a, idx, v, axis=_batch_axis(axis))


def _put_samples(rng):
    return [
        ((draw("real", (5,), rng), np.array([3, 0, 0, 4, -1]), draw("real", (5,), rng)), {"axis": 0}),
        ((draw("real", (3, 4), rng), np.array([[1, 3], [0, 0], [2, 1]]), draw("real", (3, 2), rng)), {"axis": 1}),
        ((draw("real", (3, 2), rng), np.array([[2, 0]]), draw("real", (), rng)), {"axis": 0}),
    ]


def _put_strategy(b, name, x, picks, c):
    """Another value of x's shape written into x by x's own argpartition, the index's first position repeated (a
    position written twice: its last write's)."""
    x = b.rank1(x)
    axis = c.take(len(b.shape(x)))
    n = b.shape(x)[axis]
    idx = b.emit("argpartition", x, axis=axis, kth=(n // 2,))
    at = (slice(None),) * axis + (np.array([0] + list(range(n))),)  # (n + 1 writes into n positions)
    v = b.same_shape(x, picks[1:], 2)[1]
    return b.emit(name, x, b.emit("getitem", idx, idx=at), b.emit("getitem", v, idx=at), axis=axis)


put_along = defop(
    "put_along",
    _put_impl,
    jvp=(
        lambda t, out, a, idx, v, axis: put_along(t, idx, 0.0, axis=axis),
        None,
        lambda t, out, a, idx, v, axis: put_along(_zeros_of(a, t), idx, t, axis=axis),
    ),
    vjp=(lambda ct, out, a, idx, v, axis: put_along(ct, idx, 0.0, axis=axis), None, _put_v_vjp),
    joint_jvp=_put_joint_jvp,
    samples=_put_samples,
    batch=_put_batch,
    strategy=_put_strategy,
    domain=("real", "integer", "real"),
    internal=True,
    complex=True,
    sympy_complex=False,
    doc="a with v written along axis at an integer index's positions, the last write of a repeated position kept "
    "(numpy.put_along_axis, numpy.put and y[i] = v by a traced index); no derivative in the index",
)


# -- argmax, argmin: a row's first largest (smallest) entry's index, NumPy's own (NaN first), recomputed at each call --
def _arg_front(name, pick, op):
    """numpy.`name`'s front (argmax, argmin) over the registry entry `op` along one axis."""

    def front(a, axis=None, out=None, *, keepdims=False):
        if out is not None:
            raise TypeError(f"numpy.{name}'s out= writes into an array in place; use its result instead")
        return _arg_index(op, a, axis, keepdims, name=name)

    front.__name__ = front.__qualname__ = f"_{name}_front"
    front.__doc__ = (
        f"The index of `a`'s first {name[3:]}imum along `axis` (of the flattened array when None), like "
        f"`numpy.{name}`: NumPy's own index, recomputed at each call (prepare and vmap reuse the equation); "
        f"derivative 0. Shape: a's without the axis (keepdims: 1 there).\n\n"
        f"    >>> int(_{name}_front(np.array([1.0, 3.0, 2.0])))\n    {int(pick(np.array([1.0, 3.0, 2.0])))}\n    "
    )
    return front


def _arg_index(op, a, axis, keepdims, name="argmax", **params):
    """op (argmax, argmin) of `a` along `axis` (of the flattened array when None), with NumPy's keepdims."""
    shape = tuple(np.shape(a))
    if not shape:
        return np.zeros((), dtype=np.intp)  # (NumPy's for a 0-d array, whatever its value)
    if axis is None:
        idx = op(_reshape(a, (-1,)), axis=0, **params)
        return _reshape(idx, (1,) * len(shape)) if keepdims else idx
    axis = normalize_axis(a, axis, name)
    idx = op(a, axis=axis, **params)
    return _reshape(idx, shape[:axis] + (1,) + shape[axis + 1 :]) if keepdims else idx


def nan_arg(name, a, axis=None, keepdims=False):
    """numpy.`name` (nanargmax, nanargmin) of a float array: the registry's argmax (argmin) with `nan=True`, NaN
    skipped, NumPy's own index recomputed at each call; an all-NaN slice raises NumPy's ValueError at every call
    (AllNaNSliceError). Shape: a's without the axis (keepdims: 1 there).

    >>> int(nan_arg("nanargmax", np.array([np.nan, 3.0, 2.0])))
    1
    """
    return _arg_index(REGISTRY[name[3:]], a, axis, keepdims, name=name, nan=True)


def _arg_strategy(b, name, x, picks, c):
    """x's value at its own argmax (argmin) along a drawn axis (a float result: the index alone ends in integers)."""
    x = b.rank1(x)
    axis = c.take(len(b.shape(x)))
    idx = b.emit(name, x, axis=axis)
    shape = b.shape(x)
    idx = b.emit("reshape", idx, shape=shape[:axis] + (1,) + shape[axis + 1 :])
    return b.emit("gather_along", x, idx, axis=axis)


def _arg_extreme(name):
    """The entry `name` ("argmax" or "argmin") along one axis: NumPy's index, so prepare and vmap reuse the equation
    at values whose extreme is elsewhere (`x[np.argmax(x)]` a gather by it); derivative 0 (piecewise constant)."""
    plain = getattr(np, name)

    def pick(x, axis, nan=False):
        if not nan:
            return plain(x, axis=axis)
        try:  # (numpy.nanargmax: an all-NaN slice is its ValueError at every call, not position 0)
            return getattr(np, f"nan{name}")(x, axis=axis)
        except ValueError as err:
            raise AllNaNSliceError(f"{err} (nan{name})") from None

    def impl(x, axis, nan=False):
        if isinstance(x, np.ndarray) and x.dtype == object:
            fn, sp = fns[0](), _sp()
            moved = np.moveaxis(x, axis, -1)
            out = np.empty(moved.shape[:-1], dtype=object)
            for i in np.ndindex(out.shape):
                out[i] = fn(sp.Integer(0), sp.Integer(int(nan)), *moved[i])
            return out
        return pick(x, axis, nan)

    def traced(s, code):
        return REGISTRY["reshape"](op(s, axis=0, **({"nan": True} if code else {})), shape=(1,) + np.shape(s)[1:])

    fns = [_index_function(f"difflab_{name}", lambda a, code: pick(a, 0, bool(code))[None], traced)]

    front = _arg_front(name, plain, lambda *a, **kw: op(*a, **kw))

    op = defop(
        name,
        impl,
        jvp=(None,),
        vjp=(None,),
        samples=_below(
            [
                (((5,),), {"axis": 0}),
                (((3, 4),), {"axis": 1}),
                (((4, 3),), {"axis": 0}),
            ]
        ),
        batch=lambda batched, x, axis, **nan: op(x, axis=_batch_axis(axis), **nan),
        kink=lambda x, axis, **nan: np.take(_tie_gap(x, axis=axis), 0, axis=axis),  # (the index jumps at a tie)
        differentiable=False,
        analytic=False,
        sympy_complex=False,
        result_dtype=lambda **params: np.dtype(np.intp),  # (out_dtypes passes the params: axis, kth, side)
        doc=f"numpy.{name}'s index along one axis (the first on ties, NaN first; nan=True: numpy.nan{name}'s, NaN "
        "skipped, an all-NaN slice its ValueError): piecewise constant",
        numpy=(name,),
        methods=(name,),
        front=front,
        strategy=_arg_strategy,
    )
    return op


argmax = _arg_extreme("argmax")
argmin = _arg_extreme("argmin")
_argmax_front, _argmin_front = argmax.front, argmin.front  # (their doctests found, and run, as module functions)


# -- searchsorted: where v's entries would go in the sorted 1-D a, NumPy's own indices, recomputed at each call ------
_SIDES = ("left", "right")


def _below_count(s, code):
    """searchsorted on stacked values s = (v, *a) (axis 0; a sorted, NaN last): how many of a go before v."""
    v, a = s[0], s[1:]
    nan_v, nan_a = np.isnan(v), np.isnan(a)
    before = (a < v) | (nan_v & ~nan_a)
    if int(code):
        before |= (a == v) | (nan_v & nan_a)
    return before.sum(axis=0)[None]


_searchsorted_fn = _index_function(
    "difflab_searchsorted",
    _below_count,
    lambda s, code: REGISTRY["reshape"](
        searchsorted(
            REGISTRY["getitem"](s, idx=(slice(1, None),)), REGISTRY["getitem"](s, idx=(0,)), side=_SIDES[int(code)]
        ),
        shape=(1,),
    ),
)


def _searchsorted_impl(a, v, side):
    """np.searchsorted of v in a; an a of more axes (a batch, _searchsorted_batch) holds one sorted row per leading
    index, v's leading axes the same: each row searched for the v at its index."""
    lead = np.shape(a)[:-1]
    if lead:
        v = np.asarray(v)
        rows = [_searchsorted_impl(a[i], v[i], side) for i in np.ndindex(lead)]
        return np.array(rows, dtype=rows[0].dtype).reshape(v.shape)
    if any(isinstance(x, np.ndarray) and x.dtype == object for x in (a, v)):
        fn, sp = _searchsorted_fn(), _sp()
        code, row = sp.Integer(_SIDES.index(side)), list(np.asarray(a, dtype=object))
        vs = np.asarray(v, dtype=object)
        out = np.empty(vs.shape, dtype=object)
        for i in np.ndindex(vs.shape):
            out[i] = fn(sp.Integer(0), code, vs[i], *row)
        return out
    return np.searchsorted(a, v, side=side)


def _searchsorted_front(a, v, side="left", sorter=None):
    """Indices where `v`'s entries would be inserted into the sorted 1-D `a` to keep it sorted, like
    `numpy.searchsorted` (histogram-like binning: `w[np.searchsorted(edges, x)]`): NumPy's own indices, recomputed at
    each call (prepare and vmap reuse the equation); derivative 0. Shape: v's.

    >>> _searchsorted_front(np.array([0.0, 1.0, 2.0]), np.array([0.5, 2.0]))
    array([1, 2])
    """
    if side not in _SIDES:
        raise ValueError(f"numpy.searchsorted: side must be 'left' or 'right', got {side!r}")
    if len(np.shape(a)) != 1:
        raise ValueError(f"numpy.searchsorted: a must be 1-D, got shape {np.shape(a)}")
    if sorter is not None:  # (NumPy's: a taken in sorter's order)
        a = gather_along(a, sorter, axis=0)
    return searchsorted(a, v, side=side)


def _searchsorted_batch(batched, a, v, side):
    if batched[0]:  # (one sorted row per batch index: the impl searches each)
        a, v = _broadcast_batch(batched, [a, v])
    return searchsorted(a, v, side=side)


def _searchsorted_samples(rng):
    edges = np.array([-1.5, -0.5, 0.0, 0.5, 1.5])
    return [
        ((edges, draw("real", (4,), rng)), {"side": "left"}),
        ((edges, draw("real", (2, 3), rng)), {"side": "right"}),
    ]


def _searchsorted_strategy(b, name, a, picks, c):
    """x's values gathered at its own bins among fixed edges (a float result: the index alone ends in integers)."""
    x = b.rank1(a)
    n = b.shape(x)[0]
    idx = b.emit(name, np.linspace(-1.0, 1.0, n - 1), x, side=_SIDES[c.take(2)])
    return b.emit("gather_along", x, idx, axis=0)


searchsorted = defop(
    "searchsorted",
    _searchsorted_impl,
    jvp=(None, None),
    vjp=(None, None),
    samples=_searchsorted_samples,
    batch=_searchsorted_batch,
    kink=lambda a, v, side: np.min(
        np.abs(np.asarray(v, float)[..., None] - np.asarray(a, float)), axis=-1, initial=np.inf
    ),
    differentiable=False,
    analytic=False,
    sympy_complex=False,
    result_dtype=lambda **params: np.dtype(np.intp),  # (out_dtypes passes the params: axis, kth, side)
    doc="numpy.searchsorted's insertion indices of v in the sorted 1-D a (by side): piecewise constant",
    numpy=("searchsorted",),
    front=_searchsorted_front,
    strategy=_searchsorted_strategy,
)


# -- scatter_mul_along, scatter_min_along, scatter_max_along: every update of a position at once (JAX's scatter_mul,
# scatter_min, scatter_max; x.at[i].multiply/.divide/.power/.min/.max) -----------------------------------------------
# a combined along `axis` with each v entry at its idx position: out = a · Π v (the product of the entries landing
# there, in index order, as NumPy's multiply.at and JAX's scatter_mul apply them), or min(a, v…), max(a, v…), an
# idx of a's shape but along axis (K positions, repeats allowed), v broadcast to it. One equation whatever K and
# however often a position repeats: prepare, vmap and jit reuse it at another index. Rules (difflab's own ops, so
# they nest): the product's partial in v_j is a times the product of the OTHER entries at v_j's position (from the
# product of the nonzero ones and their count of zeros: exact where v_j is 0); min and max split a tie evenly among
# everything achieving the result, a included (JAX's scatter_min/max JVP: x.at[[0, 0]].min([1, 1]) at x[0] = 1 gives
# each of the three 1/3). No derivative in idx (piecewise constant).


def _combine_grids(a, idx, v, axis, name):
    """The positions of idx's entries in a (idx wrapped to 0..n-1, NumPy's IndexError for one out of range), and v
    broadcast to idx's shape."""
    shape = _index_shape(np.shape(a), idx, axis)
    grids = list(np.indices(shape, sparse=True))
    grids[axis] = _wrapped(idx, np.shape(a)[axis], axis, name)
    return tuple(np.broadcast_to(g, shape) for g in grids), np.broadcast_to(v, shape)


def _combine_objects(a, idx, v, axis, name, kind):
    """The combine on object arrays: each output entry with the entries that may land there (a number index: those
    that do; a symbolic one: each under Eq(idx, i)): a product, or the even-split min/max `_tied`."""
    sp = _sp()
    a = np.array(a, dtype=object)
    n = a.shape[axis]
    shape = _index_shape(a.shape, idx, axis)
    ib = np.broadcast_to(np.asarray(idx, dtype=object), shape)
    vb = np.broadcast_to(np.asarray(v, dtype=object), shape)
    landing: dict = {}
    for pos in np.ndindex(shape):
        k = ib[pos]
        if _is_number(k):
            at = pos[:axis] + (int(_wrapped(int(k), n, axis, name)),) + pos[axis + 1 :]
            landing.setdefault(at, []).append((vb[pos], sp.true))
            continue
        for i in range(n):
            hit = sp.Or(sp.Eq(k, i, evaluate=False), sp.Eq(k, i - n, evaluate=False))
            landing.setdefault(pos[:axis] + (i,) + pos[axis + 1 :], []).append((vb[pos], hit))
    for at, entries in landing.items():
        if kind == "mul":
            for w, hit in entries:
                a[at] = a[at] * (w if hit is sp.true else sp.Piecewise((w, hit), (1, True), evaluate=False))
        else:
            a[at] = _tied([(a[at], sp.true)] + entries, kind)
    return a


def _tied(entries, kind):
    """min (max) of the entries (value, present) present, as `tied_extreme(code, a, w_1, ...)`: an entry not
    present is +oo (-oo), so it never wins, and the derivative in each argument is `tie_share`, 1/count where it
    achieves the result (count: how many do), else 0. One name per position keeps the expression linear in the
    entries (a sum over winners under conditions was cubic, and a symbolic Hessian of 20 entries never ended)."""
    sp = _sp()
    far = sp.oo if kind == "min" else -sp.oo
    args = [w if hit is sp.true else sp.Piecewise((w, hit), (far, True), evaluate=False) for w, hit in entries]
    return _tied_fn()(sp.Integer(int(kind == "max")), *args)


def _np_extreme(code, *xs):
    xs = np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs])
    return (np.maximum if int(code) else np.minimum).reduce(np.stack(xs), axis=0)


def _py_extreme(code, *xs):
    xs = [float(x) for x in xs]
    return float("nan") if any(x != x for x in xs) else (builtins.max if int(code) else builtins.min)(xs)


def _np_share(code, i, *xs):
    xs = np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs])
    best = (np.maximum if int(code) else np.minimum).reduce(np.stack(xs), axis=0)
    count = builtins.sum((x == best) * 1.0 for x in xs)
    return np.where(xs[int(i)] == best, 1.0 / np.maximum(count, 1.0), 0.0)


def _py_share(code, i, *xs):
    xs = [float(x) for x in xs]
    best = _py_extreme(code, *xs)
    return 1.0 / builtins.sum(1 for x in xs if x == best) if xs[int(i)] == best else 0.0


def _share_of_numbers(cls, code, i, *xs):
    if all(a.is_Number for a in (code, i, *xs)):
        return _sp().Rational(1, 1) * _sp().nsimplify(_py_share(code, i, *xs))
    return None


def _share_fn():
    return _constant_fn("tie_share", _np_share, _py_share, {"eval": classmethod(_share_of_numbers)})


def _tied_of_numbers(cls, code, *xs):
    """tied_extreme's `eval`: an entry known absent (the far infinity) dropped, one left itself, numbers their
    min (max); else None (unevaluated)."""
    sp = _sp()
    kept = [x for x in xs if x != (-sp.oo if int(code) else sp.oo)]
    if len(kept) == 1:
        return kept[0]
    if all(x.is_Number for x in kept):
        return sp.nan if any(x is sp.nan for x in kept) else (sp.Max if int(code) else sp.Min)(*kept)
    return cls(code, *kept) if len(kept) < len(xs) else None


def _tied_fn():
    sp = _sp()
    return sympy_function(
        "tied_extreme",
        _np_extreme,
        lambda args, i: sp.Integer(0) if i == 0 else _share_fn()(args[0], sp.Integer(i - 1), *args[1:]),
        _py_extreme,
        _py_extreme,
        methods={"eval": classmethod(_tied_of_numbers)},
    )


def _tied_of(code, *xs):
    """tied_extreme with difflab's ops (a derivative of a symbolic derivative runs it on traced values): the
    registry's scatter_min_along (max) of the first into one position, the others all landing there."""
    op = scatter_max_along if int(code) else scatter_min_along
    rest = REGISTRY["stack"](*xs[1:], axis=0)
    first = REGISTRY["reshape"](xs[0], shape=(1,))
    return REGISTRY["reshape"](op(first, np.zeros(len(xs) - 1, dtype=np.intp), rest, axis=0), shape=())


def _share_of(code, i, *xs):
    """tie_share with difflab's ops: 1/count where xs[i] achieves the extreme."""
    best = _tied_of(code, *xs)
    count = builtins.sum(REGISTRY["equal"](x, best) * 1.0 for x in xs)
    return REGISTRY["equal"](xs[int(i)], best) * 1.0 / REGISTRY["maximum"](count, 1.0)


SYMPY_TRACED["tied_extreme"] = _tied_of
SYMPY_TRACED["tie_share"] = _share_of


def _combine_impl(kind):
    ufunc = {"mul": np.multiply, "min": np.minimum, "max": np.maximum}[kind]
    name = f"scatter_{kind}_along"

    def impl(a, idx, v, axis):
        if any(np.asarray(z).dtype == object for z in (a, idx, v)):
            return _combine_objects(a, idx, v, axis, name, kind)
        grids, vb = _combine_grids(a, idx, v, axis, name)
        out = np.array(a, dtype=np.result_type(a, v), copy=True)
        ufunc.at(out, grids, vb)  # (unbuffered: every entry of a repeated position, in index order)
        return out

    return impl


def _full_index(v, idx):
    """v broadcast to idx's shape (a rule's scatter_along takes a value of its index's shape)."""
    return v if np.shape(v) == np.shape(idx) else v * np.ones(np.shape(idx))


def _others_product(a, idx, v, axis):
    """Per entry of idx: the product of the OTHER v entries landing at its position, exact where some are 0: the
    product of the nonzero ones, over v_j where v_j is not 0, and 0 unless v_j is its position's only zero."""
    where, equal = REGISTRY["where"], REGISTRY["equal"]
    ones, n = np.ones(np.shape(a)), np.shape(a)[axis]
    zero = equal(v, 0.0)
    nonzero = _full_index(where(zero, 1.0, v), idx)
    product = gather_along(scatter_mul_along(ones, idx, nonzero, axis=axis), idx, axis=axis)
    zeros = gather_along(scatter_along(_full_index(where(zero, 1.0, 0.0), idx), idx, axis=axis, size=n), idx, axis=axis)
    return where(zero, where(equal(zeros, 1.0), product, 0.0), where(equal(zeros, 0.0), product / nonzero, 0.0))


def _mul_a(t, out, a, idx, v, axis):
    """t times the product of each position's entries (a's partial: out / a, computed without dividing by a); strong
    products: a zero tangent (cotangent) where an entry is NaN gives 0, as DESIGN's strong zeros."""
    return REGISTRY["strong_mul"](t, scatter_mul_along(np.ones(np.shape(a)), idx, v, axis=axis))


def _mul_v_jvp(t, out, a, idx, v, axis):
    others = _others_product(a, idx, v, axis)
    return REGISTRY["strong_mul"](
        scatter_along(_full_index(t, idx) * others, idx, axis=axis, size=np.shape(a)[axis]), a
    )


def _mul_v_vjp(ct, out, a, idx, v, axis):
    strong = REGISTRY["strong_mul"]
    return strong(gather_along(strong(ct, a), idx, axis=axis), _others_product(a, idx, v, axis))


def _tie_shares(out, a, idx, v, axis):
    """(a's share, each v entry's hit, the count achieving each position's result): a tie split evenly."""
    where, equal = REGISTRY["where"], REGISTRY["equal"]
    hit = _full_index(where(equal(v, gather_along(out, idx, axis=axis)), 1.0, 0.0), idx)
    kept = where(equal(a, out), 1.0, 0.0)
    count = REGISTRY["maximum"](kept + scatter_along(hit, idx, axis=axis, size=np.shape(a)[axis]), 1.0)
    return kept, hit, count


def _extreme_a(t, out, a, idx, v, axis):
    kept, _, count = _tie_shares(out, a, idx, v, axis)
    return t * kept / count


def _extreme_v_jvp(t, out, a, idx, v, axis):
    _, hit, count = _tie_shares(out, a, idx, v, axis)
    return scatter_along(_full_index(t, idx) * hit, idx, axis=axis, size=np.shape(a)[axis]) / count


def _extreme_v_vjp(ct, out, a, idx, v, axis):
    _, hit, count = _tie_shares(out, a, idx, v, axis)
    return gather_along(ct / count, idx, axis=axis) * hit


def _combine_batch(name):
    def batch(batched, a, idx, v, axis):
        a, idx, v = _broadcast_batch(batched, [a, idx, v])
        if len(np.shape(v)) < len(np.shape(idx)):  # (a rule's scalar, batched: its batch axis leads)
            v = _reshape(v, np.shape(v)[:1] + (1,) * (len(np.shape(idx)) - len(np.shape(v))) + np.shape(v)[1:])
        return REGISTRY[name](a, idx, v, axis=_batch_axis(axis))

    return batch


def _combine_samples(rng):
    return [
        ((draw("real", (5,), rng), np.array([3, 0, 0, 4, -1, 0]), draw("real", (6,), rng)), {"axis": 0}),
        ((draw("real", (3, 4), rng), np.array([[1, 3], [0, 0], [2, 1]]), draw("real", (3, 2), rng)), {"axis": 1}),
        ((draw("real", (3, 2), rng), np.array([[2, 0], [2, 2]]), draw("real", (2, 2), rng)), {"axis": 0}),
    ]


def _tie_gaps(a, idx, v, axis):
    """How far each output entry is from a tie (out's shape): the least gap between a there and an entry landing
    there, or between two entries landing there (inf where none lands)."""
    grids, vb = _combine_grids(a, idx, v, axis, "scatter_min_along")
    gap = np.abs(np.real(vb - np.asarray(a)[grids]))  # (complex values: the pick changes where real parts cross)
    flat, vals = np.ravel_multi_index(grids, np.shape(a)).ravel(), vb.ravel()
    same = (flat[:, None] == flat[None, :]) & ~np.eye(flat.size, dtype=bool)
    pairs = np.where(same, np.abs(np.real(vals[:, None] - vals[None, :])), np.inf).min(axis=1, initial=np.inf)
    out = np.full(np.shape(a), np.inf)
    np.minimum.at(out, grids, np.minimum(gap, pairs.reshape(gap.shape)))
    return out


scatter_mul_along = defop(
    "scatter_mul_along",
    _combine_impl("mul"),
    jvp=(_mul_a, None, _mul_v_jvp),
    vjp=(_mul_a, None, _mul_v_vjp),
    samples=_combine_samples,
    batch=_combine_batch("scatter_mul_along"),
    strategy=_put_strategy,
    domain=("real", "integer", "real"),
    internal=True,
    complex=True,
    sympy_complex=False,
    doc="a times every v entry written at its integer index's position along axis (a repeated position: the product "
    "of its entries; JAX's scatter_mul, x.at[i].multiply/.divide/.power); no derivative in the index",
)


def _extreme_entry(kind):
    name = f"scatter_{kind}_along"
    return defop(
        name,
        _combine_impl(kind),
        jvp=(_extreme_a, None, _extreme_v_jvp),
        vjp=(_extreme_a, None, _extreme_v_vjp),
        samples=_combine_samples,
        batch=_combine_batch(name),
        strategy=_put_strategy,
        kink=_tie_gaps,
        analytic=False,
        domain=("real", "integer", "real"),
        internal=True,
        complex=True,  # (NumPy's lexicographic order, as maximum's and minimum's; the derivative follows the pick)
        sympy_complex=False,
        doc=f"the {kind}imum of a and every v entry written at its integer index's position along axis (JAX's "
        f"scatter_{kind}, x.at[i].{kind}); a tie split evenly among all achieving it; no derivative in the index",
    )


scatter_min_along = _extreme_entry("min")
scatter_max_along = _extreme_entry("max")
