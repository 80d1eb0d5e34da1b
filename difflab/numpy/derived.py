"""Elementwise functions derived from primitives: `softplus`, `softmax`, `modf`, `divmod`, `frexp`,
`ldexp`, `nextafter`, `piecewise`, `unwrap`, `float_power`, `matvec`/`vecmat` and the
`cumulative_sum`/`cumulative_prod` of NumPy 2.

Plain Python over the registry's primitives, so every method differentiates them with no rule of
their own; a stable formula (softmax's through the fused log_softmax entry) is chosen here once.
"""

from __future__ import annotations

import builtins
import math

import numpy as _np

from .. import ops as _ops
from ..graph import Traced as _Traced
from ..graph import library_constants as _library_constants
from ..ops import abs, exp, matmul, where
from ..ops.reductions import _cumsum_front as _cumsum
from ..ops.reductions import dtype_cast as _dtype_cast
from ..ops.reductions import _log_softmax_front as log_softmax
from ..ops.shape import _concatenate_front as concatenate
from ..ops.shape import _reshape_front as reshape
from .arrays import _take_along, _value, asarray, expand_dims, ndim, ravel, shape
from .reductions import cumprod, diff
from .shapes import astype as _astype
from .shapes import take


def softplus(x):
    """log(1 + e^x) as the registry's logaddexp(x, 0) (jax.nn.softplus's definition): its rule σ(x) is smooth, so
    softplus'(0) = 1/2 and softplus''(0) = 1/4 (a max(x, 0) + log1p(e^-|x|) composition got 1/2 from its kinks'
    conventions but 0 for the second derivative).

    >>> builtins.round(float(softplus(0.0)), 12) == builtins.round(float(_np.log(2.0)), 12)
    True
    """
    return _ops.logaddexp(x, 0.0)


def softmax(x, axis=-1):
    """exp(x) normalised along `axis`, computed stably.

    >>> softmax(_np.array([0.0, 0.0]))
    array([0.5, 0.5])
    """
    return exp(log_softmax(x, axis=axis))


def modf(x):
    """The fractional and integral parts (x − trunc(x), trunc(x)), like `numpy.modf`: the fractional
    part has derivative 1, the integral part 0.

    >>> modf(_np.array([2.5, -1.25]))
    (array([ 0.5 , -0.25]), array([ 2., -1.]))
    """
    whole = _ops.trunc(x)
    return x - whole, whole


def divmod(x1, x2):
    """(floor_divide(x1, x2), mod(x1, x2)), like `numpy.divmod`: the quotient is piecewise constant
    (derivative 0), the remainder differentiates as mod.

    >>> divmod(_np.array([7.0]), 2.0)
    (array([3.]), array([1.]))
    """
    if type(x1) in (int, float) and type(x2) in (int, float):  # (Python numbers: the builtin this shadows here)
        return builtins.divmod(x1, x2)
    return _ops.floor_divide(x1, x2), _ops.mod(x1, x2)


def frexp(x):
    """Mantissa and exponent (x = m · 2**e, 0.5 <= |m| < 1), like `numpy.frexp`: m = x · 2**−e with
    the integer exponent read from the values, so dm/dx = 2**−e.

    >>> frexp(_np.array([8.0]))
    (array([0.5]), array([4], dtype=int32))
    """
    _, e = _np.frexp(_value(x))
    with _library_constants():  # (the scale is x's dtype in NumPy: a float32 x's mantissa is float32)
        return x * _np.ldexp(1.0, -e), e


def ldexp(x1, x2):
    """x1 · 2**x2 for integer exponents x2, like `numpy.ldexp` (differentiable in x1).

    >>> ldexp(_np.array([1.5]), 3)
    array([12.])
    """
    n = _np.asarray(_value(x2))
    if n.dtype.kind not in "iub":
        raise TypeError(f"ldexp takes integer exponents x2, not {n.dtype}")
    with _library_constants():  # (the scale is x1's dtype in NumPy)
        return x1 * _np.ldexp(1.0, n)


def nextafter(x1, x2):
    """The next float after x1 towards x2, like `numpy.nextafter`: x1 plus a step read from the values,
    so the derivative is 1 in x1 and 0 in x2 (the step is exact, so the value is NumPy's).

    >>> bool(nextafter(1.0, 2.0) == 1.0 + _np.finfo(float).eps)
    True
    """
    v1 = _np.asarray(_value(x1), dtype=float)
    return x1 + (_np.nextafter(v1, _value(x2)) - v1)


def piecewise(x, condlist, funclist, *args, **kw):
    """Each function (or constant) of `funclist` where its condition holds, 0 elsewhere, like
    `numpy.piecewise` (one more function than conditions: the otherwise case). As NumPy does, a
    function sees only the entries its condition picks (so a branch's NaN never reaches another's
    derivative); the conditions are read from their values.

    >>> piecewise(_np.array([-1.0, 2.0]), [_np.array([True, False])], [lambda v: -v, lambda v: v * v])
    array([1., 4.])
    """
    given = list(condlist) if type(condlist) in (list, tuple) else [condlist]
    if builtins.any(isinstance(c, _Traced) for c in given):  # conditions of the traced values: no specialising
        with _library_constants():
            return _selected(x, given, funclist, args, kw)
    conds = [_np.asarray(_value(c), dtype=bool) for c in given]
    if len(conds) and conds[0].ndim == 0 and ndim(x) != 0 and len(conds) == 1:
        conds = [_np.broadcast_to(conds[0], shape(x))]
    if len(funclist) == len(conds) + 1:
        conds.append(~_np.any(conds, axis=0) if conds else _np.ones(shape(x), dtype=bool))
    if len(funclist) != len(conds):
        raise ValueError(f"piecewise takes {len(conds)} or {len(conds) + 1} functions, not {len(funclist)}")
    with _library_constants():  # (NumPy's result is x's dtype whatever the functions give: a float32 x's float32)
        return _pieces(x, conds, funclist, args, kw)


def _selected(x, conds, funclist, args, kw):
    """piecewise with traced conditions, as jax.numpy.piecewise: every function on the whole of x, each result
    where its condition holds (a later condition over an earlier, as NumPy's writes; the otherwise function where
    none does), a graph for every input value. A function sees x only where its condition holds, elsewhere the
    value of an entry it held at at the traced point (the double where: no NaN, no domain warning, no
    derivative from the entries it does not pick)."""
    xs = _np.asarray(_held(x))
    if len(funclist) not in (len(conds), len(conds) + 1):
        raise ValueError(f"piecewise takes {len(conds)} or {len(conds) + 1} functions, not {len(funclist)}")
    at = [_np.broadcast_to(_np.asarray(_held(c), dtype=bool), xs.shape) for c in conds]

    def branch(f, c, held):
        if not callable(f):
            return f
        fill = xs[held][0] if held.any() else _finite_at(f, args, kw)
        return f(x if c is None else where(c, x, fill), *args, **kw)

    res = _np.zeros(shape(x))
    if len(funclist) == len(conds) + 1:  # the otherwise function: the base the conditions' results replace
        none = ~_np.any(at, axis=0) if at else _np.ones(xs.shape, bool)
        res = res + branch(funclist[-1], _otherwise(conds) if conds else None, none)
    for c, held, f in zip(conds, at, funclist):
        res = where(c, branch(f, c, held), res)
    return res


#: a branch's fill where its condition holds nowhere at the traced point: the first where it is finite
_FILLS = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0)


def _finite_at(f, args, kw):
    """A number at which the piecewise function f is finite (so the entries it does not pick hold no NaN and
    raise no domain warning), for a branch whose condition holds nowhere at the traced point; else 0."""
    for v in _FILLS:
        try:
            with _np.errstate(all="ignore"):
                y = _held(f(_np.array([v]), *args, **kw))
            if _np.all(_np.isfinite(_np.asarray(y, dtype=complex))):
                return v
        except Exception:  # (a function that takes no such array: the next, or 0)
            continue
    return 0.0


def _held(v):
    """v's number at the traced point, read without specialising (it picks only a fill no result depends on)."""
    while isinstance(v, _Traced):
        v = v.value
    return v


def _otherwise(conds):
    """Where none of the (traced) conditions holds, as a traced mask."""
    hit = conds[0] * 1.0
    for c in conds[1:]:
        hit = hit + c * 1.0
    return hit == 0.0


def _pieces(x, conds, funclist, args, kw):
    flat, size = ravel(x), math.prod(shape(x))
    res = _np.zeros(shape(x))
    for c, f in zip(conds, funclist):
        if not callable(f):
            res = where(c, f, res)
            continue
        idx = _np.flatnonzero(_np.broadcast_to(c, shape(x)))
        val = asarray(f(take(flat, idx), *args, **kw))
        val = val + _np.zeros(len(idx)) if ndim(val) == 0 else val
        res = where(c, reshape(_ops.scatter_add(val, idx=(idx,), shape=(size,)), shape(x)), res)
    return res


def unwrap(p, discont=None, axis=-1, *, period=2 * _np.pi):
    """p with the jumps larger than `discont` (default period/2) corrected by multiples of `period`,
    like `numpy.unwrap`: p plus a correction (derivative 1). For a traced p the correction is traced too, -period
    times floor((Δ + period/2)/period) (NumPy's mod(Δ + period/2, period) - period/2 - Δ; floor's derivative 0), so
    the graph is not specialised to where the jumps are: a prepared function or vmap corrects other values' jumps,
    as JAX's unwrap (a Bode fit's phase, tests/test_user_code10.py).

    >>> unwrap(_np.array([0.0, 6.0]))
    array([ 0.        , -0.28318531])
    """
    discont = period / 2 if discont is None else discont
    if isinstance(p, _Traced):
        dd = diff(p, axis=axis)
        steps = -period * _ops.floor((dd + period / 2) / period)
        tie = where(_ops.greater(dd, 0.0), _ops.equal(_ops.mod(dd + period / 2, period), 0.0), False)
        correct = where(_ops.less(abs(dd), discont), 0.0, where(tie, steps + period, steps))  # (a tie: +period/2)
        first = 0.0 * _ops.floor(_take_along(p, axis, slice(0, 1)))
        return p + concatenate([first, _cumsum(correct, axis=axis)], axis=axis)
    v = _np.asarray(p, dtype=float)
    dd = _np.diff(v, axis=axis)
    ddmod = _np.mod(dd + period / 2, period) - period / 2  # NumPy's steps, on the values
    ddmod = _np.where((ddmod == -period / 2) & (dd > 0), period / 2, ddmod)
    correct = _np.where(_np.abs(dd) < discont, 0.0, ddmod - dd)
    first = _np.zeros_like(_np.take(v, [0], axis=axis))
    with _library_constants():  # (the correction is p's dtype in NumPy)
        return p + _np.concatenate([first, _np.cumsum(correct, axis=axis)], axis=axis)


_NOT_GIVEN = object()  # (matvec's and vecmat's keepdims: NumPy refuses it given at all)


def _conj_if_complex(x):
    return _ops.conj(x) if _np.iscomplexobj(_value(x)) else x


def matvec(x1, x2, /, *, keepdims=_NOT_GIVEN):
    """Matrix-vector products over the leading axes, like `numpy.matvec`.

    >>> matvec(_np.eye(2), _np.array([1.0, 2.0]))
    array([1., 2.])
    """
    if keepdims is not _NOT_GIVEN:  # (NumPy's gufunc refuses keepdims=, False too, in these words)
        raise TypeError(_ops.core.keepdims_refused(_np.matvec))
    return matmul(x1, expand_dims(x2, -1))[..., 0]


def vecmat(x1, x2, /, *, keepdims=_NOT_GIVEN):
    """Vector-matrix products conj(x1) · x2 over the leading axes, like `numpy.vecmat`.

    >>> vecmat(_np.array([1.0, 2.0]), _np.eye(2))
    array([1., 2.])
    """
    if keepdims is not _NOT_GIVEN:  # (NumPy's gufunc refuses keepdims=, False too, in these words)
        raise TypeError(_ops.core.keepdims_refused(_np.vecmat))
    return matmul(expand_dims(_conj_if_complex(x1), -2), x2)[..., 0, :]


def _cumulative(name, fn, identity):
    def cumulative(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        if out is not None or (dtype is not None and not _np.issubdtype(dtype, _np.floating)):
            raise ValueError(f"{name} takes no out= and float dtypes only")
        if axis is None:
            if ndim(x) > 1:
                raise ValueError(f"{name}: an array of more than one dimension needs axis=")
            axis = 0
        res = fn(_dtype_cast(name, x, dtype), axis=axis)  # (a float dtype= sets the result's dtype, as NumPy's)
        if include_initial:
            res = concatenate([identity + 0.0 * _take_along(x, axis, slice(0, 1)), res], axis=axis)
        return res

    cumulative.__name__ = cumulative.__qualname__ = name
    cumulative.__doc__ = (
        f"The cumulative {name.split('_')[1]} along `axis`, like `numpy.{name}` (include_initial: the "
        f"identity {identity} first).\n\n    >>> {name}(_np.array([2.0, 3.0]), include_initial=True).shape\n    (3,)\n    "
    )
    return cumulative


cumulative_sum = _cumulative("cumulative_sum", lambda x, axis: _cumsum(x, axis=axis), 0.0)


cumulative_prod = _cumulative("cumulative_prod", lambda x, axis: cumprod(x, axis=axis), 1.0)


def float_power(x1, x2):
    """x1 ** x2 in float64 (difflab's values are float64 already), like `numpy.float_power`.

    >>> float(float_power(2.0, 3.0))
    8.0
    """
    # (a NumPy float64 1: float_power's result is float64 whatever the arguments' dtypes, in NumPy and, through
    # boundary.out_dtypes, here; folded away when no argument is float32)
    return _ops.pow(x1, x2) * _np.float64(1.0)


def vectorize(pyfunc=None, *, otypes=None, doc=None, excluded=None, cache=False, signature=None):
    """`numpy.vectorize` that traces: pyfunc called once per element (or per core block of `signature`)
    on traced scalars, the results stacked — so a Python `if` inside pyfunc works, as it does in NumPy.

    Shape contract: as NumPy's — the arguments (but those named in `excluded`) broadcast against each
    other over their loop dimensions (all of them, or all but the core dimensions `signature` names,
    e.g. "(n),(n)->()"); the result has the loop shape followed by pyfunc's output shape, one array
    per output when pyfunc returns a tuple. Without a traced argument it is NumPy's own vectorize.
    Cost: one trace of pyfunc per element, so a long array records many equations (write pyfunc with
    array operations, `np.where` for an if, when speed matters).

    >>> import difflab as dl
    >>> relu2 = vectorize(lambda t: t * t if t > 0 else 0.0)
    >>> dl.grad(lambda x: relu2(x).sum())(_np.array([3.0, -1.0]))
    array([6., 0.])
    >>> dist = vectorize(lambda a, b: ((a - b) ** 2).sum() ** 0.5, signature="(n),(n)->()")
    >>> dist(_np.ones((2, 3)), _np.zeros(3))
    array([1.73205081, 1.73205081])
    """
    if pyfunc is None:  # @dnp.vectorize(signature=...) as a decorator
        return lambda f: vectorize(f, otypes=otypes, doc=doc, excluded=excluded, cache=cache, signature=signature)
    plain = _np.vectorize(pyfunc, otypes=otypes, doc=doc, excluded=excluded, cache=cache, signature=signature)
    skip = frozenset(excluded or ())
    cores = _core_dims(signature) if signature is not None else None

    def call(*args, **kwargs):
        if not builtins.any(isinstance(a, _Traced) for a in (*args, *kwargs.values())):
            return plain(*args, **kwargs)
        out = _per_element(pyfunc, plain, cores, skip, args, kwargs)
        if otypes is None:
            return out
        # NumPy casts each output to its otype: an int or bool otype rounds the values and cuts the derivative; an
        # output that is a constant (pyfunc ignoring its argument) is cast too (it came back uncast: 2.7, not 2)
        casts = [_np.dtype(t) for t in otypes]
        outs = out if isinstance(out, tuple) else (out,)
        if len(casts) != len(outs):
            raise ValueError(f"vectorize: otypes names {len(casts)} outputs, pyfunc returned {len(outs)}")
        cast = tuple(_astype(o if isinstance(o, _Traced) else _np.asarray(o), t) for o, t in zip(outs, casts))
        return cast if isinstance(out, tuple) else cast[0]

    call.__name__, call.__doc__ = getattr(pyfunc, "__name__", "vectorized"), doc or pyfunc.__doc__
    return call


def _core_dims(signature: str):
    """'(m,n),(n)->(m)' -> ([('m','n'), ('n',)], [('m',)]): each argument's and output's core dimension names."""
    import re

    match = re.fullmatch(r"\s*((?:\([\w, ]*\)\s*,?\s*)*)->\s*((?:\([\w, ]*\)\s*,?\s*)*)", signature)
    if match is None:
        raise ValueError(f"vectorize: signature {signature!r} is not of NumPy's form '(m,n),(n)->(m)'")

    def groups(s):
        return [tuple(d.strip() for d in g.split(",") if d.strip()) for g in re.findall(r"\(([^)]*)\)", s)]

    return groups(match.group(1)), groups(match.group(2))


def _per_element(pyfunc, plain, cores, skip, args, kwargs):
    """pyfunc over the broadcast loop dimensions of the vectorized arguments, results stacked;
    `plain` is NumPy's vectorize of the same arguments, for a call with no element to trace."""
    keys = [i for i in range(len(args)) if i not in skip] + [k for k in kwargs if k not in skip]
    values = {k: (args[k] if isinstance(k, int) else kwargs[k]) for k in keys}
    ins = cores[0] if cores is not None else [()] * len(keys)
    if len(ins) != len(keys):
        raise TypeError(f"vectorize: the signature names {len(ins)} arguments, the call passes {len(keys)}")
    values = {k: v if isinstance(v, _Traced) else _np.asarray(v) for k, v in values.items()}
    _check_cores([shape(v) for v in values.values()], ins)
    loops = [shape(v)[: ndim(v) - len(core)] for (k, v), core in zip(values.items(), ins)]
    loop = _np.broadcast_shapes(*loops)
    outs = []
    for idx in _np.ndindex(*loop):
        call_args, call_kwargs = list(args), dict(kwargs)
        for (k, v), lead in zip(values.items(), loops):
            here = tuple(i if n > 1 else 0 for i, n in zip(idx[len(idx) - len(lead) :], lead))
            item = v[here] if here else v
            if isinstance(k, int):
                call_args[k] = item
            else:
                call_kwargs[k] = item
        outs.append(pyfunc(*call_args, **call_kwargs))
    if not outs:  # nothing to call pyfunc on: NumPy's answer (its otypes, excluded) on the values, no derivative
        return plain(*[_value(a) for a in args], **{k: _value(v) for k, v in kwargs.items()})
    if isinstance(outs[0], tuple):
        return tuple(reshape(asarray(list(col)), loop + shape(col[0])) for col in zip(*outs))
    return reshape(asarray(outs), loop + shape(outs[0]))


def _check_cores(shapes, ins) -> None:
    """NumPy's refusals of a signature's core dimensions: too few dimensions for them, or one name given two
    sizes (pyfunc would otherwise see rows of different lengths, and broadcasting could hide it)."""
    sizes: dict = {}
    for s, core in zip(shapes, ins):
        if len(s) < len(core):
            raise ValueError(f"vectorize: a {len(s)}-dimensional argument has too few dimensions for core {core}")
        for name, n in zip(core, s[len(s) - len(core) :]):
            if sizes.setdefault(name, n) != n:
                raise ValueError(f"vectorize: inconsistent size for core dimension {name!r}: {n} vs {sizes[name]}")
