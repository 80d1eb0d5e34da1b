"""`dl.lax`: JAX's lax names a JAX user reaches for: the collectives over a vmap's named axis (psum, pmean, pmax, pmin,
all_gather, axis_index: difflab/api/collectives.py), stop_gradient, and the control flow (fori_loop, while_loop,
scan, associative_scan, map, cond, switch) with JAX's signatures and results. The control flow is plain Python here: difflab's trace
follows loops and branches as they run, so these are the Python loops they stand for, and a branch or a trip count
read from a traced value specialises the graph to it as a Python `if` would (`dl.prepare` refuses such an f by name).
The cumulative reductions (cumsum, cumprod, cummax, cummin, cumlogsumexp) are associative scans, as JAX's; the array
functions (dynamic_slice, pad, dot_general, sort, top_k, conv_general_dilated, the elementwise names...) live in
difflab/lax_array.py and are re-exported here.

    >>> import difflab as dl, difflab.lax
    >>> dl.vmap(lambda x: x / dl.lax.psum(x, "i"), axis_name="i")(np.array([1.0, 3.0])).tolist()
    [0.25, 0.75]
    >>> dl.grad(lambda x: dl.lax.fori_loop(0, 3, lambda i, v: v * x, 1.0))(2.0)  # d x³ = 3x²
    12.0
    >>> carry, ys = dl.lax.scan(lambda c, x: (c + x, c * x), 0.0, np.array([1.0, 2.0, 3.0]))
    >>> float(carry), ys.tolist()
    (6.0, [0.0, 2.0, 9.0])
"""

import builtins
import operator

import numpy as np

from . import numpy as dnp
from .graph import Traced as _Traced
from .graph import specialise as _specialise
from .tree import flatten as _flatten

from .api.collectives import all_gather, axis_index, pmax, pmean, pmin, psum, rows_traced
from .transforms import stop_gradient
from . import lax_array
from .lax_array import *  # noqa: F403  (JAX's lax array functions: difflab/lax_array.py)

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "axis_index", "stop_gradient"]
__all__ += ["fori_loop", "while_loop", "scan", "associative_scan", "map", "cond", "switch"]
__all__ += ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"]
__all__ += lax_array.__all__


def _trip(value, what: str) -> int:
    """A loop bound or count as a Python int (a traced one would make the trip count depend on the point)."""
    try:
        return operator.index(value if not isinstance(value, np.ndarray) or value.ndim else value.item())
    except TypeError:
        raise TypeError(
            f"dl.lax.{what} must be an integer known when f is called, got {type(value).__name__}: a trip count "
            "read from a traced value would depend on the point (write a Python loop with a `break` instead)"
        ) from None


def fori_loop(lower, upper, body_fun, init_val, *, unroll=None):
    """JAX's fori_loop: `val = body_fun(i, val)` for i in range(lower, upper), starting from init_val. Traced
    bounds (JAX's while_loop form) run as `while_loop` does: the graph specialised to their trip count, each row
    of a vmap alone.

    >>> fori_loop(0, 4, lambda i, v: v + i, 0.0)
    6.0
    """
    if _traced_ints(lower, upper):
        return while_loop(lambda iv: iv[0] < upper, lambda iv: (iv[0] + 1, body_fun(iv[0], iv[1])), (lower, init_val))[
            1
        ]
    val = init_val
    for i in range(_trip(lower, "fori_loop's lower"), _trip(upper, "fori_loop's upper")):
        val = body_fun(i, val)
    return val


def _traced_ints(*bounds) -> bool:
    """Whether some of fori_loop's bounds are traced and all are integer scalars (a float one: `_trip` refuses)."""
    return any(isinstance(b, _Traced) for b in bounds) and all(
        np.ndim(b) == 0 and np.dtype(getattr(b, "dtype", type(b))).kind in "iu" for b in bounds
    )


def while_loop(cond_fun, body_fun, init_val):
    """JAX's while_loop: `val = body_fun(val)` while `cond_fun(val)`. A condition on traced values specialises the
    graph to its trip count, as a Python `while` does, marked as holding row by row: under vmap each row runs
    alone to its own trip count, which is JAX's answer (its batched loop runs until every row stops, a finished
    row's value frozen).

    >>> while_loop(lambda v: v < 10.0, lambda v: 2.0 * v, 1.0)
    16.0
    >>> import difflab as dl
    >>> dl.vmap(lambda x: while_loop(lambda v: v < 10.0, lambda v: 2.0 * v, x))(np.array([1.0, 3.0])).tolist()
    [16.0, 12.0]
    """
    val = init_val
    while _going(cond_fun(val)):
        val = body_fun(val)
    return val


def _going(c) -> bool:
    """while_loop's condition read as a bool; a traced one specialises its trace to it, as a row's own decision
    (`graph.Why.rows`: vmap answers each row alone)."""
    if isinstance(c, _Traced) and hasattr(c, "concrete"):
        if np.ndim(c) != 0:
            raise TypeError(f"dl.lax.while_loop: cond_fun must return a scalar (as in JAX), got shape {np.shape(c)}")
        _specialise(c, "dl.lax.while_loop's condition", rows=True)
        return bool(c.concrete)
    return bool(c)


def _stack(trees):
    """A list of pytrees of one structure as one pytree of stacked leaves (leading axis: the list's)."""
    leaves = [_flatten(t)[0] for t in trees]
    return _flatten(trees[0])[1].unflatten([dnp.stack(column) for column in zip(*leaves)])


def scan(f, init, xs=None, length=None, reverse=False, unroll=1, _split_transpose=False):
    """JAX's scan: `carry, y = f(carry, x)` over the leading axis of xs (a pytree, or None with `length`
    steps); returns the final carry and the ys stacked along a new leading axis (in xs's order, also when
    `reverse` runs the steps last to first).

    >>> scan(lambda c, x: (c + x, 2.0 * c), 1.0, np.array([1.0, 2.0]))[1].tolist()
    [2.0, 4.0]
    """
    leaves, td = _flatten(xs)
    sizes = {int(np.shape(leaf)[0]) for leaf in leaves if np.ndim(leaf) > 0}
    if leaves and (len(sizes) != 1 or any(np.ndim(leaf) == 0 for leaf in leaves)):
        raise ValueError(
            f"dl.lax.scan: xs's leaves need one leading axis length, got shapes {[np.shape(x) for x in leaves]}"
        )
    n = sizes.pop() if leaves else None
    if length is not None and n is not None and _trip(length, "scan's length") != n:
        raise ValueError(f"dl.lax.scan: length={length} but xs's leading axis is {n}")
    n = n if n is not None else _trip(length, "scan's length (xs is None)") if length is not None else None
    if n is None:
        raise ValueError("dl.lax.scan: xs is None (or has no leaves): give length= the number of steps")
    carry, ys = init, [None] * n
    for i in reversed(range(n)) if reverse else range(n):
        carry, ys[i] = f(carry, td.unflatten([leaf[i] for leaf in leaves]) if leaves else None)
    return carry, (_stack(ys) if n and _flatten(ys[0])[0] else ys[0] if n else None)


def associative_scan(fn, elems, reverse=False, axis=0):
    """JAX's associative_scan: the prefix combinations of elems (a pytree of arrays of one length n along `axis`)
    under an associative `fn(a, b)` of two such pytrees (it must take slices of any length along `axis`, as jnp.add
    does); result i is fn(…fn(elems[0], elems[1])…, elems[i]), or with `reverse` the same from the end,
    fn(result[i + 1], elems[i]). In log₂ n rounds of whole-array calls of fn (JAX's algorithm: the pairs' prefixes
    by recursion, then the even positions from them), so a trace holds ~2 log₂ n calls of fn, not n.

    Shape contract: the result has elems's structure and shapes.

    >>> associative_scan(np.add, np.arange(1.0, 6.0)).tolist()
    [1.0, 3.0, 6.0, 10.0, 15.0]
    >>> associative_scan(np.maximum, np.array([1.0, 3.0, 2.0, 5.0]), reverse=True).tolist()
    [5.0, 5.0, 5.0, 5.0]
    """
    leaves, td = _flatten(elems)
    if not leaves:
        return elems
    if not isinstance(axis, (int, np.integer)) or any(
        not -np.ndim(x) <= axis < np.ndim(x) for x in leaves if np.ndim(x)
    ):
        raise ValueError(
            f"dl.lax.associative_scan: axis={axis!r} is not an axis of elems's leaves (shapes "
            f"{[np.shape(x) for x in leaves]})"
        )
    lengths = {np.shape(leaf)[axis] if np.ndim(leaf) else None for leaf in leaves}
    if None in lengths or len(lengths) != 1:
        raise ValueError(
            f"dl.lax.associative_scan: elems's leaves need one length along axis {axis}, got shapes "
            f"{[np.shape(x) for x in leaves]}"
        )
    ndim = np.ndim(leaves[0])
    axis = np.lib.array_utils.normalize_axis_index(axis, ndim)
    at = (builtins.slice(None),) * axis

    def combine(a, b):
        out, out_td = _flatten(fn(td.unflatten(a), td.unflatten(b)))
        if out_td != td or [np.shape(o) for o in out] != [np.shape(x) for x in a]:
            raise ValueError(
                "dl.lax.associative_scan: fn must return a pytree of elems's structure with its arguments' shapes, "
                f"got {[np.shape(o) for o in out]} from {[np.shape(x) for x in a]}"
            )
        return out

    def prefixes(xs):
        n = np.shape(xs[0])[axis]
        if n < 2:  # (a copy of elems of length 0 or 1, never elems itself: outputs do not alias inputs)
            return [x if isinstance(x, _Traced) else np.array(x) for x in xs]
        odd = prefixes(
            combine(
                [x[(*at, builtins.slice(0, n - 1, 2))] for x in xs], [x[(*at, builtins.slice(1, n, 2))] for x in xs]
            )
        )
        even = combine(
            [o[(*at, builtins.slice(0, (n - 1) // 2))] for o in odd], [x[(*at, builtins.slice(2, n, 2))] for x in xs]
        )
        return [
            _interleave(dnp.concatenate([x[(*at, builtins.slice(0, 1))], e], axis), o, axis)
            for x, e, o in zip(xs, even, odd)
        ]

    flip = (lambda xs: [dnp.flip(x, axis) for x in xs]) if reverse else (lambda xs: xs)
    return td.unflatten(flip(prefixes(flip(leaves))))


def _interleave(even, odd, axis):
    """even[0], odd[0], even[1], odd[1], … along `axis` (even as long as odd or one longer)."""
    m = np.shape(odd)[axis]
    pairs = dnp.stack([even[(builtins.slice(None),) * axis + (builtins.slice(0, m),)], odd], axis=axis + 1)
    shape = dnp.shape(pairs)
    out = dnp.reshape(pairs, (*shape[:axis], 2 * m, *shape[axis + 2 :]))
    if np.shape(even)[axis] == m:
        return out
    return dnp.concatenate([out, even[(builtins.slice(None),) * axis + (builtins.slice(m, m + 1),)]], axis)


def _cumulative(name: str, combine, spelled: str):
    def cumulative(operand, axis=0, reverse=False):
        if not isinstance(axis, (int, np.integer)) or not -np.ndim(operand) <= axis < np.ndim(operand):
            raise ValueError(
                f"dl.lax.{name}: axis {axis!r} is out of bounds for an operand of shape {np.shape(operand)}"
            )
        return associative_scan(combine, operand, reverse=bool(reverse), axis=int(axis))

    cumulative.__name__ = cumulative.__qualname__ = name
    cumulative.__doc__ = f"""JAX's {name}: the running {spelled} along `axis`, from the end with `reverse`;
    by associative_scan, as JAX's, so ties of max/min share the derivative as JAX's do. Shape contract: operand's.

    >>> {name}(np.array([1.0, 3.0, 2.0]), reverse=True).round(3).tolist()
    {np.round(np.flip(getattr(np, spelled).accumulate(np.array([2.0, 3.0, 1.0]))), 3).tolist()}
    """
    return cumulative


cumsum = _cumulative("cumsum", dnp.add, "add")
cumprod = _cumulative("cumprod", dnp.multiply, "multiply")
cummax = _cumulative("cummax", dnp.maximum, "maximum")
cummin = _cumulative("cummin", dnp.minimum, "minimum")
cumlogsumexp = _cumulative("cumlogsumexp", dnp.logaddexp, "logaddexp")


def map(f, xs, *, batch_size=None):  # noqa: A001  (JAX's name, in this module's namespace only)
    """JAX's lax.map: f over the leading axis of xs (a pytree), the results stacked.

    >>> map(lambda x: x * x, np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 4.0, 9.0]
    """
    return scan(lambda _, x: (None, f(x)), None, xs)[1]


def cond(pred, true_fun, false_fun, *operands):
    """JAX's cond: `true_fun(*operands)` if pred else `false_fun(*operands)`. A traced pred specialises the graph to
    its branch, as a Python `if` does, except while a vmap traces f's row: there pred may differ between rows, so
    both branches are traced and each output leaf is `where(pred, true's, false's)`, as JAX's vmap batches it
    (both branches evaluated, derivatives through the select).

    >>> cond(2.0 > 1.0, lambda x: x + 1.0, lambda x: x - 1.0, 1.0)
    2.0
    >>> import difflab as dl
    >>> dl.vmap(lambda x: cond(x > 0.0, lambda z: 2.0 * z, lambda z: -z, x))(np.array([-1.0, 3.0])).tolist()
    [1.0, 6.0]
    """
    if np.ndim(pred) != 0:
        raise TypeError(f"dl.lax.cond: pred must be a scalar (as in JAX), got shape {np.shape(pred)}")
    if isinstance(pred, _Traced) and rows_traced():
        return _select("cond", lambda k, out: dnp.where(pred, out[0], out[1]), (true_fun, false_fun), operands)
    return true_fun(*operands) if pred else false_fun(*operands)


def switch(index, branches, *operands):
    """JAX's switch: `branches[index](*operands)`, index clamped into range as JAX clamps it. A traced index while a
    vmap traces f's row (it may differ between rows) selects among all branches' outputs, as cond does.

    >>> switch(5, [lambda x: -x, lambda x: 2.0 * x], 3.0)
    6.0
    """
    branches = list(branches)
    if not branches:
        raise ValueError("dl.lax.switch: branches is empty")
    if isinstance(index, _Traced) and rows_traced():
        if np.ndim(index) != 0:
            raise TypeError(f"dl.lax.switch: index must be a scalar (as in JAX), got shape {np.shape(index)}")
        at = dnp.clip(index, 0, len(branches) - 1)

        def pick(k, out):
            y = out[0]
            for j in range(1, len(out)):
                y = dnp.where(at == j, out[j], y)
            return y

        return _select("switch", pick, branches, operands)
    return branches[builtins.min(builtins.max(_trip(index, "switch's index"), 0), len(branches) - 1)](*operands)


def _select(what, pick, branches, operands):
    """Every branch traced on the operands, their outputs' leaves joined by `pick(k, [branch j's leaf k])` (a where on
    the traced predicate or index); the branches must return one structure, shapes and dtypes (JAX's rule)."""
    outs = [_flatten(branch(*operands)) for branch in branches]
    leaves0, tree0 = outs[0]
    for j, (leaves, td) in enumerate(outs[1:], 1):
        shapes = [np.shape(x) for x in leaves]
        if td != tree0 or shapes != [np.shape(x) for x in leaves0]:
            raise TypeError(
                f"dl.lax.{what}: branch {j} returns {td} of shapes {shapes}, branch 0 {tree0} of shapes "
                f"{[np.shape(x) for x in leaves0]}; under vmap a traced {'pred' if what == 'cond' else 'index'} "
                "selects between them, so they must agree (JAX's rule for every cond)"
            )
    joined = [pick(k, [leaves[k] for leaves, _ in outs]) for k in range(len(leaves0))]
    return tree0.unflatten(joined)


def __getattr__(name):
    raise AttributeError(
        f"module 'difflab.lax' has no attribute {name!r}; it has {', '.join(__all__)} (JAX's lax.stop_gradient is "
        "also dl.stop_gradient; a JAX lax function not listed has no difflab spelling yet: write it with difflab.numpy)"
    )
