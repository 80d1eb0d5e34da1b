"""Reductions: sum, mean, max (ties split evenly), log-softmax, logsumexp; their NumPy front ends."""

from __future__ import annotations

import builtins
import functools
import itertools
import math
import operator

import numpy as np

from ..graph import Traced, specialise
from .elementwise import _above, _stop_gradient_sympy, equal, exp, strong_mul, where
from .shape import _inverse_perm, concatenate, getitem
from .core import (
    REGISTRY,
    SYMPY_TRACED,
    Op,
    reduction_index,
    draw,
    normalize_axes,
    normalize_axis,
    _batch_axis,
    _batch_reduce,
    _broadcast_batch,
    _broadcast_to,
    _ndim,
    _reshape,
    _samples,
    _shape,
    _sp,
    _transpose,
    defop,
    sympy_function,
)

# -- NumPy front ends and the strategies' builder -----------------------------------------------


def no_out(name, out):
    """A reduction's out= (NumPy's positional slot too: np.max(a, 1, None, True) is keepdims=True, not initial=True):
    an array written in place, which traced values do not support, refused by name as the ufuncs' out= is."""
    if out is not None:
        from ..errors import UnsupportedOperationError

        raise UnsupportedOperationError(
            f"numpy.{name} was given out=, an array written in place, which traced values do not support; use the "
            f"returned value (y = numpy.{name}(...) without out=)"
        )


_where = where  # (the fronts' `where=` keyword is NumPy's mask)


def _float_dtype(name, dtype, x=None, *others) -> bool:
    """NumPy's `dtype=` of a reduction: a float or complex one is the computation's own (float64), any
    other would make the result integer (its derivative lost), so it is refused by name; but int64 of a boolean or
    integer `x` (`m.sum(dtype=int)`, a mask's count) is NumPy's own integer result, with no derivative to lose.
    True when x (and `others`, the call's other arguments) is plain data, nothing traced, under a dtype that is not
    float: NumPy's own function answers (`np.prod(shape, dtype=int)`, a size from a shape, as autograd's convnet
    example computes it; `plain_answer`)."""
    if np.dtype(dtype).kind in "fc":
        return False
    if x is not None and not _holds_traced((x, *others)):
        return True
    if np.dtype(dtype) == np.int64 and getattr(x, "dtype", np.dtype(float)).kind in "biu":
        return False
    raise ValueError(f"numpy.{name}(..., dtype={np.dtype(dtype)}) would drop the derivative; give a float dtype")


def dtype_cast(name, x, dtype, statistic=False):
    """x as NumPy's reduction reads it under a float or complex `dtype=`: NumPy casts the input to that dtype (a
    complex x to a real one: its real part, with NumPy's ComplexWarning) and computes and returns in it. difflab
    computes every value in float64 (docs/api.md, "float32 and other dtypes"), so the cast (astype) sets only the
    dtype the outputs get: np.sum(x, dtype=np.float32) of a float64 x is float32, of a float32 x with
    dtype=np.float64 float64, as NumPy's (the result's dtype followed x before; its value is float64's sum rounded
    once, as every float32 reduction's). `statistic` (var, std and their nan forms): a complex x under a real dtype
    is refused by name (NumPy's mean is then of the real parts, the deviations of the complex values). x as it is
    where dtype is None or not float or complex (an int64 count of a mask), or x is not traced."""
    if dtype is None or not isinstance(x, Traced):
        return x
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        return x
    if statistic and dtype.kind == "f" and x.dtype.kind == "c":
        raise TypeError(
            f"numpy.{name}(..., dtype={dtype}) of complex values: NumPy's mean is then its real parts' and its "
            f"deviations the complex values'; give numpy.real(x) for the real parts' {name}"
        )
    if dtype.kind == "c" and x.dtype.kind != "c":  # (a real value's astype to complex is x + 0j: its dtype promoted)
        x = x + 0j
    return x.astype(dtype)


def _holds_traced(x) -> bool:
    if isinstance(x, (list, tuple)):
        return any(_holds_traced(v) for v in x)
    return isinstance(x, Traced)


_NUMPY_DEFAULTS = {"out": None, "initial": None, "where": True, "keepdims": False}


def plain_answer(name, x, **params):
    """numpy.<name>(x, **params) for plain data, the parameters left at NumPy's defaults omitted (NumPy's
    `initial` has no None)."""
    given = {k: v for k, v in params.items() if not (k in _NUMPY_DEFAULTS and v is _NUMPY_DEFAULTS[k])}
    return getattr(np, name)(x, **given)


def mask_of(name, where):
    """A reduction's `where=` read as NumPy reads it: a traced mask as it is, a bool array, or a list or number cast
    to bool; an array of another dtype refused as NumPy refuses it (it casts the mask by its 'safe' rule, which takes
    no int, float or str array to bool; difflab read np.array([2, 0, 1]) as a mask and where='a' as all True)."""
    if where is True or isinstance(where, Traced):
        return where
    if isinstance(where, str) or (isinstance(where, (np.ndarray, np.generic)) and where.dtype != np.bool_):
        kind = np.asarray(where).dtype
        raise TypeError(
            f"numpy.{name}: where= must be a boolean mask; NumPy cannot cast {kind} to bool by its 'safe' rule "
            f"(give where=m != 0, or a list)"
        )
    return np.asarray(where, dtype=bool)


def _sum_front(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    """Sum over `axis` (int, tuple or None for all), like `numpy.sum` (`initial`: a number added, NumPy's start;
    `where`: a mask of the elements summed).

    >>> float(_sum_front(np.array([[1.0, 2.0], [3.0, 4.0]]), where=np.array([True, False])))
    4.0
    >>> _sum_front(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1, initial=10.0)
    array([13., 17.])
    """
    x = a  # (NumPy's parameter name)
    no_out("sum", out)
    # (no call in the common case: a fresh gradient traces every sum)
    if dtype is not None:
        if _float_dtype("sum", dtype, x, initial, where):
            return plain_answer("sum", x, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)
        x = dtype_cast("sum", x, dtype)
    if where is not True:
        where = mask_of("sum", where)
    if where is not True and not isinstance(initial, Traced):  # (NumPy's order: where_sum)
        if initial is not None:
            _started_check(initial)
            initial = np.asarray(initial).item()
        mask = where if isinstance(where, Traced) else np.asarray(where, dtype=bool)
        return where_sum(x, _broadcast_to(mask, _shape(x)), axis=normalize_axes(x, axis), keepdims=bool(keepdims),
                         initial=initial)  # fmt: skip
    if where is not True:
        x = _where(where, x, 0.0)
    if initial is not None:
        return _started(sum, x, normalize_axes(x, axis), keepdims, initial)
    return sum(x, axis=normalize_axes(x, axis), keepdims=bool(keepdims))


def _started_check(initial):
    if _shape(initial) if isinstance(initial, Traced) else np.shape(initial):  # (NumPy's: one number)
        raise ValueError(
            f"initial= must be one number (NumPy's: setting an array element with a sequence), got {initial!r}"
        )
    if not isinstance(initial, Traced) and np.asarray(initial).dtype.kind not in "biufc":
        float(initial)  # (NumPy's ValueError: could not convert string to float)


def _started(reduce, x, axes, keepdims, initial):
    """sum or prod of x over `axes` (None: all) from NumPy's start `initial`, in NumPy's own order, so its values to
    the bit (`numpy.add.reduce(x, axis, initial=c)`; measured on NumPy 2.4 for every axis set of C-ordered arrays up
    to 4-d; a sum's where= mask is where_sum's, NumPy's own): `initial` is a first row ahead of
    the reduced entries, merged in C order and reduced along that one axis (NumPy's accumulator starts at it), except
    that add sums a trailing block of reduced axes first (its contiguous inner loop's pairwise sum, c + Σ row)."""
    _started_check(initial)
    nd, shape = _ndim(x), _shape(x)
    axes = tuple(range(nd)) if axes is None else axes
    inner = ()
    while reduce is sum and len(inner) < len(axes) and nd - 1 - len(inner) in axes:
        inner = (nd - 1 - len(inner),) + inner
    y = sum(x, axis=inner) if inner else x
    lead = tuple(a for a in axes if a not in inner)
    if not lead and inner:
        out = y + initial
    else:
        kept = [k for k in range(_ndim(y)) if k not in lead]
        rows = _reshape(
            _transpose(y, lead + tuple(kept)), (math.prod(shape[a] for a in lead), *(_shape(y)[k] for k in kept))
        )
        start = (
            np.full((1, *_shape(rows)[1:]), initial)
            if not isinstance(initial, Traced)
            else _broadcast_to(_reshape(initial, (1,) * _ndim(rows)), (1, *_shape(rows)[1:]))
        )
        out = reduce(concatenate(start, rows, axis=0), axis=(0,))
    return _reshape(out, tuple(1 if k in axes else n for k, n in enumerate(shape))) if keepdims else out


def _mean_front(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    """Mean over `axis` (int, tuple or None for all), like `numpy.mean` (`where`: a mask of the
    elements averaged).

    >>> _mean_front(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([2., 3.])
    """
    x = a  # (NumPy's parameter name)
    no_out("mean", out)
    # (no call in the common case: a fresh gradient traces every sum)
    if dtype is not None:
        if _float_dtype("mean", dtype, x, where):
            return plain_answer("mean", x, axis=axis, dtype=dtype, keepdims=keepdims, where=where)
        x = dtype_cast("mean", x, dtype)
    if where is True:
        return mean(x, axis=normalize_axes(x, axis), keepdims=bool(keepdims))
    where = mask_of("mean", where)
    count = np.sum(np.broadcast_to(_value(where), np.shape(x)), axis=axis, keepdims=bool(keepdims))
    return _sum_front(x, axis, keepdims=keepdims, where=where) / count


def _max_front(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    """Maximum over `axis`, like `numpy.max`; at ties the derivative is split evenly (`initial`: a
    number the maximum is at least; `where`: a mask of the entries taken, which needs `initial`, as NumPy's).

    >>> float(_max_front(np.array([1.0, 5.0, 2.0]), initial=7.0))
    7.0
    >>> float(_max_front(np.array([1.0, 5.0, 2.0]), initial=0.0, where=np.array([True, False, True])))
    2.0
    """
    x = a  # (NumPy's parameter name)
    no_out("max", out)
    if where is not True:
        where = mask_of("max", where)
        if initial is None:  # (NumPy's ValueError: an entry-free slice would have no maximum)
            raise ValueError("max or min with a where= mask needs initial= (NumPy's: maximum has no identity)")
        x = _where(where, x, initial)
    if initial is not None:  # (a row of it ahead of x's: an empty axis gives it, as NumPy's)
        return _started(max, x, normalize_axes(x, axis), keepdims, initial)
    return max(x, axis=normalize_axes(x, axis), keepdims=bool(keepdims))


def _value(x):
    """x's value, as NumPy reads it (a traced mask: its value at this trace's inputs, which
    specialises that trace to them, as difflab.numpy's _value does)."""
    while isinstance(x, Traced):
        specialise(x, "a mask read from its values (where=, a reduction's)")
        x = x.value
    return x


def _log_softmax_front(x, axis=-1):
    """x - logsumexp(x) along `axis`, computed stably with a fused rule.

    >>> _log_softmax_front(np.array([0.0, 0.0])).round(6)
    array([-0.693147, -0.693147])
    """
    return log_softmax(x, axis=normalize_axes(x, axis)[0])


def _reduction_strategy(b, name, x, picks, c):
    n = len(b.shape(x))
    axes = [None] + [t for r in range(1, n + 1) for t in itertools.combinations(range(n), r)]
    return b.emit(name, x, axis=axes[c.take(len(axes))], keepdims=bool(c.take(2)))


def _along_axis_strategy(b, name, x, picks, c):
    x = b.rank1(x)
    return b.emit(name, x, axis=c.take(len(b.shape(x))))


def _expand_reduced(ct, x, axis, keepdims):
    """Reshape a reduction's cotangent so that it broadcasts against x."""
    if keepdims or axis is None and _ndim(ct) == 0:
        return ct
    axes = range(_ndim(x)) if axis is None else axis
    shape = list(_shape(x))
    for a in axes:
        shape[a] = 1
    return _reshape(ct, tuple(shape))


def _count(x, axis):
    shape = _shape(x)
    return float(math.prod([shape[a] for a in axis] if axis is not None else shape))


def _sum_impl(x, axis=None, keepdims=False):
    return np.add.reduce(x, axis=axis, keepdims=keepdims)  # np.sum minus its dispatch layers


def _sum_array_vjp(ct, out, x, axis=None, keepdims=False):
    """The sum's rule on concrete values: ū reshaped to keep the summed axes, broadcast to x's shape."""
    xs = x.shape if type(x) is np.ndarray else np.shape(x)
    if not keepdims and axis is not None:
        shape = list(xs)
        for a in axis:
            shape[a] = 1
        ct = np.reshape(ct, shape)
    elif (type(ct) is float or type(ct) is np.float64) and xs and math.prod(xs) <= _FILL_MAX:
        # a small array filled with ū: numpy.broadcast_to is a Python wrapper around an nditer, ~10 µs, several
        # times the whole rule (a loss's sum: every fresh gradient pays it); large ones stay a broadcast view
        full = np.empty(xs)
        full.fill(ct)
        return full
    return ct if np.shape(ct) == xs else np.broadcast_to(ct, xs)


_FILL_MAX = 4096  # (entries: 32 kB of float64)
_ADD_REDUCE = np.add.reduce  # (bound once: each attribute access makes a new method object)


sum = defop(
    "sum",
    _sum_impl,
    complex=True,
    jvp=(lambda t, out, x, axis=None, keepdims=False: sum(t, axis=axis, keepdims=keepdims),),
    vjp=(
        lambda ct, out, x, axis=None, keepdims=False: _broadcast_to(_expand_reduced(ct, x, axis, keepdims), _shape(x)),
    ),
    array_vjp=(_sum_array_vjp,),
    samples=_samples(
        (((3, 4),), {"axis": (1,), "keepdims": False}),
        (((3, 4),), {"axis": None, "keepdims": False}),
        (((2, 3, 4),), {"axis": (0, 2), "keepdims": True}),
    ),
    batch=_batch_reduce("sum"),
    strict=(True,),
    doc="sum over axes",
    index=reduction_index,
    numpy=("sum",),
    methods=("sum",),
    front=_sum_front,
    strategy=_reduction_strategy,
    direct=lambda ranks, axis=None, keepdims=False: (_ADD_REDUCE, {"axis": axis, "keepdims": keepdims}),
    linear=True,
)


def _mean_impl(x, axis=None, keepdims=False):
    if isinstance(x, np.ndarray) and x.dtype == object:
        if not x.size:  # (NaN where nothing is averaged, as in float64: an object array's mean divides 0 by 0)
            with np.errstate(invalid="ignore"):
                return np.mean(np.zeros(x.shape), axis=axis, keepdims=keepdims).astype(object)
        return np.mean(x, axis=axis, keepdims=keepdims)
    return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x, axis)


mean = defop(
    "mean",
    _mean_impl,
    complex=True,
    jvp=(lambda t, out, x, axis=None, keepdims=False: mean(t, axis=axis, keepdims=keepdims),),
    vjp=(
        lambda ct, out, x, axis=None, keepdims=False: (
            _broadcast_to(_expand_reduced(ct, x, axis, keepdims), _shape(x)) / _count(x, axis)
        ),
    ),
    samples=_samples((((3, 4),), {"axis": (0,), "keepdims": False}), (((3, 4),), {"axis": None, "keepdims": True})),
    batch=_batch_reduce("mean"),
    doc="mean over axes",
    index=lambda shapes, axis=None, keepdims=False: reduction_index(shapes, axis, keepdims, mean=True),
    numpy=("mean",),
    methods=("mean",),
    front=_mean_front,
    strategy=_reduction_strategy,
    linear=True,
)


def _reduced_axes(shape, axis=None, keepdims=False):
    """The axes a reduction over `axis` reduces (Op.shift)."""
    return tuple(range(len(shape))) if axis is None else tuple(axis)


def _max_impl(x, axis=None, keepdims=False):
    if isinstance(x, np.ndarray) and x.dtype == object:
        return _object_reduce(x, axis, keepdims, lambda xs: _max_fn()(*xs) if len(xs) > 1 else xs[0])
    return np.maximum.reduce(x, axis=axis, keepdims=keepdims)


def _weighted_rules(weights):
    """(JVP, VJP) of a reduction whose partial derivative is a weight array w(out, x) of x's shape
    (max: 1/ties at the maxima; prod: the product of the others; logsumexp: softmax):
    J t = Σ_axis t·w, Jᵀ u = u (expanded)·w. The products are strong (DESIGN.md §3): a group whose
    weights are NaN (a NaN in x) gives 0 where its tangent or cotangent is 0."""

    def jvp(t, out, x, axis=None, keepdims=False):
        return sum(strong_mul(t, weights(out, x, axis, keepdims)), axis=axis, keepdims=keepdims)

    def vjp(ct, out, x, axis=None, keepdims=False):
        return strong_mul(_expand_reduced(ct, x, axis, keepdims), weights(out, x, axis, keepdims))

    return (jvp,), (vjp,)


def _max_weights(out, x, axis, keepdims):
    """Where x attains its max, 1/(number of ties): ties split the derivative evenly."""
    hit = equal(x, _expand_reduced(out, x, axis, keepdims)) * 1.0
    return hit / sum(hit, axis=axis, keepdims=True)


_max_jvp, _max_vjp = _weighted_rules(_max_weights)


def _max_held(out, x, axis, keepdims):
    """max's piece (see Op.piecewise): where x attains the max, and 1/(ties) there (the even split)."""
    hit = equal(x, _expand_reduced(out, x, axis, keepdims))
    return hit, _max_weights(out, x, axis, keepdims)


max = defop(
    "max",
    _max_impl,
    jvp=_max_jvp,
    vjp=_max_vjp,
    kink=lambda x, axis=None, keepdims=False: _top2_gap(x, axis, keepdims),
    analytic=False,
    piecewise=(
        lambda out, x, axis=None, keepdims=False: _max_held(out, x, axis, keepdims),
        lambda held, x, axis=None, keepdims=False: sum(held[1] * where(held[0], x, 0.0), axis=axis, keepdims=keepdims),
    ),
    samples=_samples((((3, 4),), {"axis": (1,), "keepdims": False}), (((5,),), {"axis": None, "keepdims": False})),
    batch=_batch_reduce("max"),
    complex=True,  # NumPy's lexicographic order on complex values (JAX's and autograd's): the pick's derivative
    doc="max over axes; ties split evenly (of complex values: NumPy's lexicographic order)",
    shift=("equivariant", _reduced_axes),
    numpy=("max", "amax"),
    methods=("max",),
    front=_max_front,
    strategy=_reduction_strategy,
)


# -- prod: correct with zeros in the input -----------------------------------------------------


def _prod_impl(x, axis=None, keepdims=False):
    return np.multiply.reduce(x, axis=axis, keepdims=keepdims)


def _exclusive_scan(rows):
    """Per entry k along the last axis of `rows` (length n ≥ 2), the product of the entries before
    it (1 at k = 0). Why a scan and not a loop over k: log₂ n rounds of y·(y shifted by d, ones
    shifted in) over the inputs shifted by one (Hillis–Steele), a few ops per round on whole arrays."""
    *lead, n = _shape(rows)
    last = len(lead)

    def shifted(y, d):  # y moved d places along the last axis, ones in front
        head = getitem(y, idx=(slice(None),) * last + (slice(0, n - d),))
        return concatenate(np.ones(tuple(lead) + (d,)), head, axis=last)

    y, d = shifted(rows, 1), 1
    while d < n - 1:
        y, d = y * shifted(y, d), 2 * d
    return y


def _prod_partial(out, x, axis, keepdims):
    """d prod / d x_i = the product of the other entries of x_i's group (an exclusive product: the
    product of those before it times the product of those after it, each a scan of plain products).
    No division: right at any number of zeros and where the product underflows, and its own
    derivative is again exact, so prod's derivatives nest to any order."""
    shape = _shape(x)
    axes = tuple(range(len(shape))) if axis is None else tuple(axis)
    n = math.prod(shape[a] for a in axes)
    if n <= 1:  # the product of no other entries
        return np.ones(shape)
    perm = [a for a in range(len(shape)) if a not in axes] + list(axes)
    grouped = [shape[a] for a in perm]
    rows = _reshape(_transpose(x, perm), grouped[: len(grouped) - len(axes)] + [n])  # one group a row
    before = _exclusive_scan(rows)
    after = _reverse(_exclusive_scan(_reverse(rows, len(_shape(rows)) - 1)), len(_shape(rows)) - 1)
    return _transpose(_reshape(before * after, grouped), _inverse_perm(perm))


def _prod_front(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    """Product over `axis`, like `numpy.prod`; its derivative is right with zeros in the input (`initial`: a
    factor, NumPy's start; `where`: a mask of the elements multiplied).

    >>> float(_prod_front(np.array([2.0, 3.0, 4.0])))
    24.0
    >>> float(_prod_front(np.array([2.0, 3.0, 4.0]), initial=0.5, where=np.array([True, False, True])))
    4.0
    """
    no_out("prod", out)
    if dtype is not None:
        if _float_dtype("prod", dtype, a, initial, where):
            return plain_answer("prod", a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)
        a = dtype_cast("prod", a, dtype)
    if where is not True:
        a = _where(mask_of("prod", where), a, 1.0)
    if initial is not None:
        return _started(prod, a, normalize_axes(a, axis), keepdims, initial)
    return prod(a, axis=normalize_axes(a, axis), keepdims=bool(keepdims))


_prod_jvp, _prod_vjp = _weighted_rules(_prod_partial)
prod = defop(
    "prod",
    _prod_impl,
    jvp=_prod_jvp,
    vjp=_prod_vjp,
    samples=lambda rng: [
        ((draw("real", (3, 4), rng),), {"axis": (1,), "keepdims": False}),
        ((np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5]]),), {"axis": (1,), "keepdims": True}),
        ((np.array([1.5, 0.0, -2.0]),), {"axis": None, "keepdims": False}),
    ],
    batch=_batch_reduce("prod"),
    complex=True,  # holomorphic: the product of the others, as written
    doc="product over axes; right with zeros in the input",
    numpy=("prod", "product"),
    methods=("prod",),
    front=_prod_front,
    strategy=_reduction_strategy,
)


# -- cumulative sums --------------------------------------------------------------------------


def _reverse(x, axis):
    """x reversed along one axis (a getitem with a reversed slice)."""
    return getitem(x, idx=(slice(None),) * axis + (slice(None, None, -1),))


def _cumsum_impl(x, axis):
    return np.cumsum(x, axis=axis)


def _cumsum_front(a, axis=None, dtype=None, out=None):
    """Cumulative sum along `axis` (of the flattened array when None), like `numpy.cumsum` (a float `dtype`).

    >>> _cumsum_front(np.array([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    """
    no_out("cumsum", out)
    if dtype is not None:
        if _float_dtype("cumsum", dtype, a):
            return plain_answer("cumsum", a, axis=axis, dtype=dtype)
        a = dtype_cast("cumsum", a, dtype)
    if axis is None:
        a = _reshape(a, (-1,))
        axis = 0
    return cumsum(a, axis=normalize_axis(a, axis, "cumsum"))


cumsum = defop(
    "cumsum",
    _cumsum_impl,
    complex=True,
    jvp=(lambda t, out, x, axis: cumsum(t, axis=axis),),
    vjp=(lambda ct, out, x, axis: _reverse(cumsum(_reverse(ct, axis), axis=axis), axis),),
    samples=_samples((((5,),), {"axis": 0}), (((3, 4),), {"axis": 1}), (((3, 4),), {"axis": 0})),
    batch=lambda batched, x, axis: cumsum(x, axis=_batch_axis(axis)),
    doc="cumulative sum along one axis",
    numpy=("cumsum",),  # (cumulative_sum, with include_initial: difflab.numpy)
    methods=("cumsum",),
    front=_cumsum_front,
    strategy=_along_axis_strategy,
)


def _np_max_weight(i, *xs):
    xs = np.broadcast_arrays(*xs)
    top = functools.reduce(np.maximum, xs)
    hits = [x == top for x in xs]
    return hits[int(i)] / functools.reduce(operator.add, [h * 1.0 for h in hits])


def _mp_max_weight(i, *xs):
    top = builtins.max(xs)
    return (xs[int(i)] == top) / builtins.sum(1 for x in xs if x == top)


def _max_weight_fn():
    sp = _sp()
    return sympy_function("max_weight", _np_max_weight, lambda args, i: sp.Integer(0), _mp_max_weight, _mp_max_weight)


def _max_fn():
    sp = _sp()
    return sympy_function(
        "max_n",
        lambda *xs: functools.reduce(np.maximum, xs),
        lambda args, i: _max_weight_fn()(sp.Integer(i), *args),
        lambda *xs: builtins.max(xs),
        lambda *xs: builtins.max(xs),
        plain=_lexicographic_max,  # complex values: NumPy's order
    )


def _lexicographic_max(*xs):
    """max_n of complex values in NumPy's (lexicographic) order: x_i where it is above every other, one flat
    Piecewise (a nested one would compare a Piecewise, whose real part SymPy leaves as re(...)); exact ties
    (measure zero) share evenly, as max_n's weights."""
    sp = _sp()
    pieces = [(x, sp.And(*[_above(x, y) for j, y in enumerate(xs) if j != i])) for i, x in enumerate(xs)]
    return sp.Piecewise(*pieces, (sp.Add(*xs) / len(xs), True))


def _max_of(*xs):
    """max_n(x0, x1, ...) with difflab's ops: the max over a stacked axis (ties split evenly, as max_n's)."""
    return REGISTRY["max"](REGISTRY["stack"](*xs, axis=0), axis=(0,), keepdims=False)


def _max_weight_of(i, *xs):
    """max_weight(i, x0, x1, ...) with difflab's ops: 1/k where x_i is one of k equal maxima, else 0 (max_n's
    partial in x_i, as the symbolic method's derivative of a max reduction holds it; a derivative of a
    derivative runs it on traced values)."""
    top = _max_of(*xs)
    hits = [REGISTRY["where"](REGISTRY["equal"](x, top), 1.0, 0.0) for x in xs]
    return hits[int(i)] / functools.reduce(operator.add, hits)


SYMPY_TRACED["max_n"] = _max_of
SYMPY_TRACED["max_weight"] = _max_weight_of


def _reduced_last(x, axis, keepdims):
    """x with the reduced axes moved last and merged, and the shape a reduction result takes."""
    axes = tuple(range(x.ndim)) if axis is None else tuple(axis)
    kept = [a for a in range(x.ndim) if a not in axes]
    rows = np.transpose(x, kept + list(axes)).reshape([x.shape[a] for a in kept] + [-1])
    shape = [1 if a in axes else x.shape[a] for a in range(x.ndim)] if keepdims else [x.shape[a] for a in kept]
    return rows, tuple(shape)


def _top2_gap(x, axis, keepdims):
    rows, shape = _reduced_last(np.asarray(x), axis, keepdims)
    s = np.sort(rows, axis=-1)
    # complex values: NumPy sorts them lexicographically and the pick changes where real parts cross
    gap = np.real(s[..., -1] - s[..., -2]) if s.shape[-1] > 1 else np.full(s.shape[:-1], np.inf)
    return gap.reshape(shape)


def _object_reduce(x, axis, keepdims, fn):
    rows, shape = _reduced_last(x, axis, keepdims)
    flat = rows.reshape(-1, rows.shape[-1])
    res = np.empty(len(flat), dtype=object)
    res[:] = [fn(list(row)) for row in flat]
    return res.reshape(shape)


# -- log-softmax: earns an entry, its rule ct - softmax·Σct is one fused step ------------------


def _log_softmax_impl(x, axis):
    z = x - np.maximum.reduce(x, axis=axis, keepdims=True)  # shift-invariant: no overflow
    return z - np.log(np.add.reduce(np.exp(z), axis=axis, keepdims=True))


def _log_softmax_sympy(x, axis):
    sp = _sp()
    shift = _stop_gradient_sympy(_max_impl(x, axis=(axis,), keepdims=True))
    z = x - shift
    total = np.sum(np.frompyfunc(sp.exp, 1, 1)(z), axis=axis, keepdims=True)
    return z - np.frompyfunc(sp.log, 1, 1)(total)


def _log_softmax_array_vjp(ct, out, x, axis):
    # (exp(out) ≤ 1: finite; Σū may overflow, and 0·∞ then raises: the rule decides)
    return ct - np.exp(out) * np.add.reduce(ct, axis=(axis,), keepdims=True)


log_softmax = defop(
    "log_softmax",
    _log_softmax_impl,
    jvp=(lambda t, out, x, axis: t - sum(strong_mul(exp(out), t), axis=(axis,), keepdims=True),),
    vjp=(lambda ct, out, x, axis: ct - strong_mul(exp(out), sum(ct, axis=(axis,), keepdims=True)),),
    array_vjp=(_log_softmax_array_vjp,),
    sympy=_log_softmax_sympy,
    batch=lambda batched, x, axis: log_softmax(x, axis=_batch_axis(axis)),
    samples=_samples((((3, 4),), {"axis": 1}), (((5,),), {"axis": 0}), (((2, 3),), {"axis": 0})),
    strict=(True,),
    doc="x - logsumexp(x) along one axis, computed stably; earns an entry: one fused "
    "forward step and the rule ct - softmax·Σct",
    shift=("invariant", lambda shape, axis: (axis,)),
    underflow_exact=True,  # e^(x - max) = 0 in the sum: its softmax weight is the same 0
    numpy=("log_softmax",),
    front=_log_softmax_front,
    strategy=_along_axis_strategy,
)


# -- logsumexp: earns an entry, so that its max-shift is no stop_gradient ------------------------
# As plain Python, the stable form log(Σ e^(x - m)) + m needs m held constant (stop_gradient), which
# the numeric method cannot honour and warns about; as an entry the shift lives inside `impl` and
# the rule is the softmax: d logsumexp = Σ softmax(x)·dx.


def _logsumexp_impl(x, axis=None, keepdims=False):
    # (initial -inf: an empty set's log Σ is log 0 = -inf, SciPy's and JAX's; was "zero-size array to reduction")
    m = np.maximum.reduce(x, axis=axis, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0.0)  # all -inf (or an inf): no shift, NumPy's answer stands
    with np.errstate(divide="ignore"):
        s = np.log(np.add.reduce(np.exp(x - m), axis=axis, keepdims=True)) + m
    if keepdims:
        return s
    return s.reshape([n for a, n in enumerate(np.shape(x)) if axis is not None and a not in axis])


def _shifted_float(x, m):
    if m == -math.inf:
        return 0.0
    return x - m if math.isfinite(m) else x


def _shifted_fn():
    """SymPy: x − m, the impl's shift of a set whose max is m, with ∂/∂x = 1 and ∂/∂m = 0 (m held). 0 where m is -inf
    (the set is all -inf: a log-domain recursion's unreachable state), so that e^(x − m) is 1 there, Σ e^(x − m) is n
    and the softmax weights e^(x − m)/Σ are the rules' 1/n, finite (the plain form's 0/0 was NaN in the derivative's
    code, and a derivative of that code, reverse's, met it); x where m is +inf or NaN (no shift: NumPy's answer)."""
    return sympy_function(
        "logsumexp_shifted",
        lambda x, m: np.where(np.equal(m, -np.inf), 0.0, x - np.where(np.isfinite(m), m, 0.0)),
        lambda args, i: _sp().Integer(1 - i),
        _shifted_float,
        _shifted_float,
    )


def _shifted_of(x, m):
    """logsumexp_shifted(x, m) with difflab's ops, for a derivative of the symbolic method's derivative (nested
    methods): on an all -inf set, constant (the rules' weights 1/n are constant there too)."""
    m = REGISTRY["stop_gradient"](m)
    return where(equal(m, -np.inf), 0.0, x - where(REGISTRY["isfinite"](m), m, 0.0))


SYMPY_TRACED["logsumexp_shifted"] = _shifted_of


def _logsumexp_sympy(x, axis=None, keepdims=False):
    sp = _sp()
    if np.size(x) == 0:  # an empty set: -inf, as the impl's (a constant: no expression to differentiate)
        return np.full(
            _logsumexp_impl(np.zeros(np.shape(x)), axis, keepdims).shape, sp.S.NegativeInfinity, dtype=object
        )
    # exact: the shift cancels (log Σ e^(x − m) + m); an all -inf set gives log(n) + (-inf) = -inf with finite weights
    m = np.asarray(_max_impl(x, axis=axis, keepdims=True), dtype=object)
    shifted = np.frompyfunc(_shifted_fn(), 2, 1)(x, m)
    total = np.sum(np.frompyfunc(sp.exp, 1, 1)(shifted), axis=axis, keepdims=True)
    out = np.asarray(np.frompyfunc(sp.log, 1, 1)(total) + _stop_gradient_sympy(m), dtype=object)  # 0-d stays an array
    return out if keepdims else out.reshape(_logsumexp_impl(np.zeros(np.shape(x)), axis).shape)


def _softmax_weights(out, x, axis, keepdims):
    """e^(x − out), and 1/n over a reduced set that is all -inf (out = -inf, where x − out is NaN: a log-domain
    recursion's unreachable states), the tie split evenly, as logaddexp's partials on its diagonal."""
    o = _expand_reduced(out, x, axis, keepdims)
    empty = equal(o, -np.inf)
    n = _count(x, axis) or 1.0  # (an empty set: no weights, no 1/0)
    return where(empty, 1.0 / n, exp(x - where(empty, 0.0, o)))


def _logsumexp_front(x, axis=None, keepdims=False):
    """log(sum(e^x)) over `axis`, stable (the max is subtracted inside the entry).

    >>> round(float(_logsumexp_front(np.array([1000.0, 1000.0]))), 9)
    1000.693147181
    """
    return logsumexp(x, axis=normalize_axes(x, axis), keepdims=bool(keepdims))


_logsumexp_jvp, _logsumexp_vjp = _weighted_rules(_softmax_weights)
logsumexp = defop(
    "logsumexp",
    _logsumexp_impl,
    jvp=_logsumexp_jvp,
    vjp=_logsumexp_vjp,
    sympy=_logsumexp_sympy,
    samples=_samples(
        (((3, 4),), {"axis": (1,), "keepdims": False}),
        (((3, 4),), {"axis": None, "keepdims": False}),
        (((2, 3, 4),), {"axis": (0, 2), "keepdims": True}),
    ),
    batch=_batch_reduce("logsumexp"),
    doc="log(sum(exp(x))) over axes, stable; earns an entry: the max-shift stays inside it",
    shift=("equivariant", _reduced_axes),
    numpy=("logsumexp",),
    underflow_exact=True,  # e^(x - max) = 0 in the sum: its softmax weight is the same 0
    front=_logsumexp_front,
    strategy=_reduction_strategy,
)


# -- masked_sum: a read x[mask] by a traced mask summed over its count, NumPy's own sum of the selected elements --
def _masked_held(m, shape, axis):
    """The mask m (at x's axes from `axis` on) with length-1 axes for x's others, as where broadcasts it."""
    k = _ndim(m)
    full = (1,) * axis + _shape(m) + (1,) * (len(shape) - axis - k)
    return m if full == _shape(m) else _reshape(m, full)


def _masked_spread(axes, axis, k):
    """x's axes for the summed axes `axes` of the read x[..., mask, ...] (its count at `axis`: the mask's k axes)."""
    return tuple(
        sorted({b for a in axes for b in ((a + k - 1,) if a > axis else range(axis, axis + k) if a == axis else (a,))})
    )


def _masked_sum_impl(x, m, axis, axes):
    if (isinstance(x, np.ndarray) and x.dtype == object) or (isinstance(m, np.ndarray) and m.dtype == object):
        return _masked_sum_sympy(x, m, axis, axes)
    # (the user's x[m].sum(axes), bit for bit: NumPy's sum of the selected elements, not of zeros between them)
    return np.sum(np.asarray(x)[(slice(None),) * axis + (np.asarray(m, dtype=bool),)], axis=axes)


def _masked_sum_sympy(x, m, axis, axes):
    picked = REGISTRY["where"].sympy(_masked_held(m, _shape(x), axis), x, 0)
    return np.sum(np.asarray(picked, dtype=object), axis=_masked_spread(axes, axis, _ndim(m)))


def _masked_sum_vjp(ct, out, x, m, axis, axes):
    """ct spread back over x: each selected element gets its sum's cotangent, the others 0."""
    xs, k = _shape(x), _ndim(m)
    spread = _masked_spread(axes, axis, k)
    ct = _reshape(ct, tuple(1 if a in spread else n for a, n in enumerate(xs)))
    return where(_masked_held(m, xs, axis), _broadcast_to(ct, xs), 0.0)


def _masked_sum_batch(batched, x, m, axis, axes):
    if not batched[1]:  # (one mask for every batch index: the batch axis in front of x's)
        return masked_sum(x, m, axis=axis + 1, axes=tuple(a + 1 for a in axes))
    x, m = _broadcast_batch(batched, [x, m])  # (a mask per batch index: the selected elements summed with zeros)
    k, ms = _ndim(m) - 1, _shape(m)
    held = _reshape(m, ms[:1] + (1,) * axis + ms[1:] + (1,) * (_ndim(x) - 1 - axis - k))
    return sum(where(held, x, 0.0), axis=tuple(a + 1 for a in _masked_spread(axes, axis, k)), keepdims=False)


def _masked_sum_samples(rng):
    return [
        ((draw("real", (4, 3), rng), np.array([True, False, True, True])), {"axis": 0, "axes": (0,)}),
        ((draw("real", (3, 4), rng), np.array([False, True, True, False])), {"axis": 1, "axes": (0, 1)}),
        ((draw("real", (2, 3), rng), np.array([[True, False, True], [False, True, True]])), {"axis": 0, "axes": (0,)}),
    ]


masked_sum = defop(
    "masked_sum",
    _masked_sum_impl,
    jvp=(lambda t, out, x, m, axis, axes: masked_sum(t, m, axis=axis, axes=axes), None),
    vjp=(_masked_sum_vjp, None),
    samples=_masked_sum_samples,
    batch=_masked_sum_batch,
    sympy=_masked_sum_sympy,
    domain=("real", "bool"),
    internal=True,
    complex=True,
    sympy_complex=False,
    doc="x[..., m, ...] (the mask m at x's axes from `axis` on) summed over the read's axes `axes`, its count's among "
    "them: NumPy's own sum of the selected elements (x[m].sum() under prepare, difflab.assign.reduce_masked)",
)


# -- where_sum: numpy.sum's where= mask, NumPy's own order ------------------------------------------------------------


def _where_sum_impl(x, m, axis, keepdims, initial):
    if (isinstance(x, np.ndarray) and x.dtype == object) or (isinstance(m, np.ndarray) and m.dtype == object):
        return _where_sum_sympy(x, m, axis, keepdims, initial)
    # (NumPy's own: its inner loop sums each run of unmasked entries pairwise, not the row with zeros between them)
    start = {} if initial is None else {"initial": initial}
    return np.add.reduce(x, axis=axis, keepdims=keepdims, where=np.asarray(m, dtype=bool), **start)


def _where_sum_sympy(x, m, axis, keepdims, initial):
    picked = np.asarray(REGISTRY["where"].sympy(m, x, 0), dtype=object)
    total = np.sum(picked, axis=axis, keepdims=keepdims)
    return total if initial is None else total + initial


def _where_sum_batch(batched, x, m, axis, keepdims, initial):
    x, m = _broadcast_batch(batched, [x, m])
    axes = tuple(range(1, _ndim(x))) if axis is None else _batch_axis(axis)
    return where_sum(x, m, axis=axes, keepdims=keepdims, initial=initial)


where_sum = defop(
    "where_sum",
    _where_sum_impl,
    jvp=(
        lambda t, out, x, m, axis, keepdims, initial: where_sum(t, m, axis=axis, keepdims=keepdims, initial=None),
        None,
    ),
    vjp=(
        lambda ct, out, x, m, axis, keepdims, initial: where(
            m, _broadcast_to(_expand_reduced(ct, x, axis, keepdims), _shape(x)), 0.0
        ),
        None,
    ),
    samples=lambda rng: [
        ((draw("real", (3, 9), rng), rng.random((3, 9)) < 0.6), {"axis": (1,), "keepdims": False, "initial": None}),
        ((draw("real", (4, 3), rng), rng.random((4, 3)) < 0.6), {"axis": None, "keepdims": True, "initial": 0.5}),
        (
            (draw("real", (2, 3, 4), rng), rng.random((2, 3, 4)) < 0.6),
            {"axis": (0, 2), "keepdims": False, "initial": -1.5},
        ),
    ],
    batch=_where_sum_batch,
    sympy=_where_sum_sympy,
    domain=("real", "bool"),
    internal=True,
    complex=True,
    sympy_complex=False,
    doc="x summed over `axis` where the mask m (x's shape) holds, from `initial` (a number; None: 0): numpy.sum's "
    "where=, NumPy's own sum (each run of unmasked entries summed pairwise), so its values to the bit",
)


# -- add_reduceat: numpy.add.reduceat, NumPy's own order ----------------------------------------------------------------
# NumPy's reduceat copies a segment's first entry a[lo] and adds the rest's pairwise sum (its reduce inner loop over
# a[lo + 1:hi], strided along the axis, one output element at a time): a[lo] + sum(a[lo + 1:hi]), whatever the layout.
# A gather and a scatter-add (as the rules below) sum each segment in another order: the last bit differed in 286 of
# 300 random segmentations.


def _reduceat_rows(indices, n):
    """(rows, segments): the entries each segment reads (a[lo:hi], or a[lo] alone where lo >= hi; the last to n)."""
    ends = list(indices[1:]) + [n]
    rows = [np.arange(lo, hi) if lo < hi else np.array([lo]) for lo, hi in zip(indices, ends)]
    return np.concatenate(rows), np.concatenate([np.full(len(r), i) for i, r in enumerate(rows)])


def _add_reduceat_impl(x, indices, axis):
    x = np.asarray(x)  # (object arrays too: the symbolic method's, NumPy's object loop in the same order)
    return np.add.reduceat(x, np.asarray(indices, dtype=np.intp), axis=axis)


def _add_reduceat_vjp(ct, out, x, indices, axis):
    """Each entry gets the cotangents of the segments that read it (0 if none does)."""
    rows, segments = _reduceat_rows(indices, _shape(x)[axis])
    front = (slice(None),) * axis
    return REGISTRY["scatter_add"](getitem(ct, idx=front + (segments,)), idx=front + (rows,), shape=_shape(x))


add_reduceat = defop(
    "add_reduceat",
    _add_reduceat_impl,
    jvp=(lambda t, out, x, indices, axis: add_reduceat(t, indices=indices, axis=axis),),
    vjp=(_add_reduceat_vjp,),
    samples=lambda rng: [
        ((draw("real", (9,), rng),), {"indices": (0, 4, 2, 6), "axis": 0}),
        ((draw("real", (3, 7), rng),), {"indices": (1, 5), "axis": 1}),
        ((draw("real", (6, 2), rng),), {"indices": (0, 3, 3), "axis": 0}),
    ],
    batch=lambda batched, x, indices, axis: add_reduceat(x, indices=indices, axis=axis + 1),
    sympy=_add_reduceat_impl,
    domain=("real",),
    internal=True,
    complex=True,
    linear=True,
    sympy_complex=False,
    doc="numpy.add.reduceat(x, indices, axis): each segment x[lo:hi] along `axis` summed (x[lo] alone where lo >= hi, "
    "the last to the end), NumPy's own sum (x[lo] plus the rest's pairwise sum), so its values to the bit",
)

__all__ = [name for name, value in list(globals().items()) if isinstance(value, Op)]
