"""`jax.nn`'s differentiable functions by JAX's names, signatures and conventions: activations (relu … mish),
softmax/log_softmax/logsumexp with `where=`, standardize, log1mexp, logmeanexp.

Each is its registry entry where difflab has one (relu, sigmoid, tanh, log_sigmoid = log_expit, softplus =
logaddexp(x, 0)), else plain Python over difflab.numpy, so every method differentiates it with no rule of its own. They live here, not in
difflab/numpy/derived.py, because they are not NumPy's names (dnp mirrors NumPy). Kinks follow JAX's choice:
relu'(0) = 0, relu6' is 0 at 0 and 6, leaky_relu'(0) = 1, elu'(0) = alpha, hard_tanh'(±1) = 1, and the
maximum/minimum ties (celu, sparse_sigmoid) split evenly, as JAX's do.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import numpy as dnp
from .. import ops as _ops
from ..graph import Traced
from ..ops.special import erfc, log_expit
from ..scipy import special as _special

__all__ = [
    "relu",
    "relu6",
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "sparse_plus",
    "sparse_sigmoid",
    "soft_sign",
    "silu",
    "swish",
    "gelu",
    "elu",
    "celu",
    "selu",
    "leaky_relu",
    "hard_tanh",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "glu",
    "mish",
    "squareplus",
    "tanh",
    "identity",
    "log1mexp",
    "softmax",
    "log_softmax",
    "logsumexp",
    "logmeanexp",
    "standardize",
]

#: selu's constants (Klambauer et al. 2017), as jax.nn.selu's
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def relu(x):
    """max(x, 0), the registry's relu (relu'(0) = 0, as JAX). Elementwise.

    >>> relu(np.array([-1.0, 2.0]))
    array([0., 2.])
    """
    return _ops.relu(x)


def sigmoid(x):
    """1/(1 + e^-x), the registry's sigmoid (stable at ±1e3). Elementwise.

    >>> float(sigmoid(0.0))
    0.5
    """
    return _ops.sigmoid(x)


def log_sigmoid(x):
    """log σ(x) = −softplus(−x), the registry's log_expit: log(sigmoid(x)) would be log 0 = −inf at x = −1e3,
    where the answer is −1e3. Elementwise.

    >>> float(log_sigmoid(-1000.0))
    -1000.0
    """
    return log_expit(x)


def tanh(x, /):
    """The registry's tanh (jax.nn.tanh is jax.numpy.tanh). Elementwise.

    >>> float(tanh(0.0))
    0.0
    """
    return _ops.tanh(x)


#: log(1 + e^x): difflab.numpy's, the registry's logaddexp(x, 0) (jax.nn.softplus's definition; softplus''(0) = 1/4)
softplus = dnp.softplus


def identity(x):
    """x itself (a new array: the result never aliases the input). Elementwise.

    >>> identity(np.array([1.0]))
    array([1.])
    """
    return dnp.copy(x)


def relu6(x):
    """min(max(x, 0), 6) with JAX's derivative: 1 on (0, 6) only, so 0 at both kinks (a min of relu and 6
    would split the tie at 6). Elementwise.

    >>> relu6(np.array([-1.0, 3.0, 9.0]))
    array([0., 3., 6.])
    """
    return dnp.where(x < 6.0, _ops.relu(x), 6.0)


def sparse_plus(x):
    """0 for x ≤ −1, x for x ≥ 1, (x + 1)²/4 between (a C¹ softplus). Elementwise.

    >>> sparse_plus(np.array([-2.0, 0.0, 2.0]))
    array([0.  , 0.25, 2.  ])
    """
    return dnp.where(x <= -1.0, 0.0, dnp.where(x >= 1.0, x, 0.25 * (x + 1.0) ** 2))


def sparse_sigmoid(x):
    """clip((x + 1)/2, 0, 1), as JAX's 0.5·clip(x + 1, 0, 2) (its ties at ±1 split evenly). Elementwise.

    >>> sparse_sigmoid(np.array([-2.0, 0.0, 2.0]))
    array([0. , 0.5, 1. ])
    """
    return 0.5 * dnp.minimum(dnp.maximum(x + 1.0, 0.0), 2.0)


def soft_sign(x):
    """x/(|x| + 1). Elementwise.

    >>> soft_sign(np.array([-1.0, 3.0]))
    array([-0.5 ,  0.75])
    """
    # |x| as where(x ≥ 0, x, −x), not the registry's abs: JAX's |x|' is +1 at 0, so its soft_sign''(0) is the right
    # side's −2 (abs's convention here, 0 at 0, would give 0)
    return x / (dnp.where(x >= 0.0, x, -x) + 1.0)


def silu(x):
    """x·σ(x) (swish). Elementwise.

    >>> round(float(silu(1.0)), 12)
    0.731058578630
    """
    return x * _ops.sigmoid(x)


swish = silu


def gelu(x, approximate: bool = True):
    """The Gaussian error linear unit x·Φ(x): with `approximate` (JAX's default) the tanh form
    x/2·(1 + tanh(√(2/π)(x + 0.044715x³))) = x·σ(2√(2/π)(x + 0.044715x³)), else exactly x·erfc(−x/√2)/2 (erfc, not 1 + erf: accurate where Φ is
    tiny, x ≪ 0). Elementwise.

    >>> round(float(gelu(1.0, approximate=False)), 12)
    0.841344746069
    """
    if not isinstance(approximate, (bool, np.bool_)):  # ("no" was truthy: the tanh form)
        raise TypeError(f"difflab.nn.gelu: approximate must be True or False, got {approximate!r}")
    if approximate:
        # (1 + tanh z)/2 = σ(2z) exactly, without the cancellation of 1 + tanh z at z ≪ 0 (JAX's form keeps 5 digits
        # at x = −6)
        inner = math.sqrt(8.0 / math.pi) * (x + 0.044715 * (x * x * x))
        return x * _ops.sigmoid(inner)
    return 0.5 * x * erfc(x * -math.sqrt(0.5))


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(e^x − 1) else (elu'(0) = alpha, as JAX's). The exponential sees min(x, 0) by a second
    where, so e^1000 never enters the derivative (inf·0 = NaN). Elementwise.

    >>> elu(np.array([-1.0, 2.0])).round(6)
    array([-0.632121,  2.      ])
    """
    _real(alpha, "alpha", "elu")
    positive = x > 0.0
    return dnp.where(positive, x, alpha * _ops.expm1(dnp.where(positive, 0.0, x)))


def celu(x, alpha=1.0):
    """max(x, 0) + alpha·expm1(min(x, 0)/alpha), as JAX's (the ties at 0 split: celu'(0) = 1). Elementwise.

    >>> celu(np.array([-1.0, 2.0])).round(6)
    array([-0.632121,  2.      ])
    """
    if np.any(np.asarray(_real(alpha, "alpha", "celu")) == 0):  # (was 0/0: NaN for x < 0)
        raise ValueError("difflab.nn.celu: alpha must be nonzero (it divides x), got 0")
    return dnp.maximum(x, 0.0) + alpha * _ops.expm1(dnp.minimum(x, 0.0) / alpha)


def selu(x):
    """scale·elu(x, alpha) with the self-normalising constants (selu'(0) = scale·alpha). Elementwise.

    >>> round(float(selu(1.0)), 12)
    1.050700987355
    """
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def leaky_relu(x, negative_slope=0.01):
    """x for x ≥ 0, negative_slope·x else (leaky_relu'(0) = 1, as JAX's). Elementwise.

    >>> leaky_relu(np.array([-2.0, 3.0]))
    array([-0.02,  3.  ])
    """
    _real(negative_slope, "negative_slope", "leaky_relu")
    return dnp.where(x >= 0.0, x, negative_slope * x)


def hard_tanh(x):
    """x clipped to [−1, 1] (derivative 1 at ±1, as JAX's). Elementwise.

    >>> hard_tanh(np.array([-3.0, 0.5, 3.0]))
    array([-1. ,  0.5,  1. ])
    """
    return dnp.where(x > 1.0, 1.0, dnp.where(x < -1.0, -1.0, x))


def hard_sigmoid(x):
    """relu6(x + 3)/6 (derivative 0 at ±3, as JAX's). Elementwise.

    >>> hard_sigmoid(np.array([-4.0, 0.0, 4.0]))
    array([0. , 0.5, 1. ])
    """
    return relu6(x + 3.0) / 6.0


def hard_silu(x):
    """x·hard_sigmoid(x) (hard_swish). Elementwise.

    >>> hard_silu(np.array([-4.0, 0.0, 4.0]))
    array([-0.,  0.,  4.])
    """
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def glu(x, axis: int = -1):
    """The gated linear unit a·σ(b) of x's two halves a, b along `axis`.

    Shape contract: x's shape with `axis` halved; that axis must have even length.

    >>> glu(np.array([2.0, 0.0]))
    array([1.])
    """
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):  # ("a": "tuple indices must be integers")
        raise TypeError(f"difflab.nn.glu: axis must be an int, got {axis!r}")
    n = dnp.shape(x)[axis]
    if n % 2:
        raise ValueError(f"glu: axis {axis} of x (shape {dnp.shape(x)}) has odd length {n}; it must split in two")
    a, b = dnp.split(x, 2, axis=axis)
    return a * _ops.sigmoid(b)


def mish(x):
    """x·tanh(softplus(x)). Elementwise.

    >>> round(float(mish(1.0)), 12)
    0.865098388267
    """
    return x * _ops.tanh(softplus(x))


def squareplus(x, b=4):
    """(x + √(x² + b))/2, written as b/(2(√(x² + b) − x)) for x < 0 so that no cancellation loses digits there
    (JAX's direct form keeps 10 at x = −1e3). Elementwise; b > 0.

    >>> squareplus(np.array([0.0, -1000.0])).round(9)
    array([1.e+00, 1.e-03])
    """
    if not np.all(np.asarray(_real(b, "b", "squareplus")) > 0):  # (b = −1 was NaN with a warning)
        raise ValueError(f"difflab.nn.squareplus: b must be > 0, got {b!r}")
    right = x >= 0.0
    # each side sees only its own x (the other side's 0), so √(x² + b) − x never rounds to 0 in the unused branch
    # (at x = 1e9 it would, dividing by zero)
    pos, neg = dnp.where(right, x, 0.0), dnp.where(right, 0.0, x)
    return dnp.where(right, 0.5 * (pos + dnp.sqrt(pos * pos + b)), b / (2.0 * (dnp.sqrt(neg * neg + b) - neg)))


def log1mexp(x):
    """log(1 − e^−x) for x > 0, stably: log(−expm1(−x)) below log 2, log1p(−e^−x) above (Mächler's split, as
    JAX's). Elementwise.

    >>> round(float(log1mexp(1e-8)), 9)
    -18.420680749
    """
    small = x < math.log(2.0)
    big = dnp.where(small, 1.0, x)  # (the log1p side sees no tiny x: log1p(−1) = −inf at x = 1e-300, unused)
    return dnp.where(small, dnp.log(-_ops.expm1(-x)), _ops.log1p(-_ops.exp(-big)))


def _mask(where, x):
    """`where` checked: None, or a boolean mask that broadcasts with x's shape (a str, or 0.5's truthiness, was taken
    as a mask without a word; a wrong shape was NumPy's broadcasting error naming no argument)."""
    if where is None:
        return None
    # (NumPy's reading, as its where= of a reduction: a list or number of 0/1 is cast to bool, an int or float array
    # refused; main refused where=[1, 0, 1], which NumPy takes)
    plain = not isinstance(where, (np.ndarray, np.generic, str, bytes)) and not isinstance(where, Traced)
    mask = np.asarray(where, dtype=bool) if plain and np.asarray(where).dtype.kind in "biuf" else np.asarray(where)
    if mask.dtype != np.bool_:
        raise TypeError(f"where must be a boolean mask (True: the entry counts), got {mask.dtype} {where!r:.60}")
    try:
        np.broadcast_shapes(mask.shape, dnp.shape(x))
    except ValueError:
        raise ValueError(f"where of shape {mask.shape} does not broadcast with x of shape {dnp.shape(x)}") from None
    return mask


def _real(value, name, fn):
    """A parameter that must be a real number (or a real array): a str was NumPy's UFuncTypeError. A traced value
    (differentiating by the parameter) passes, and so do the callers' range checks, which read only concrete ones."""
    if isinstance(value, Traced):
        return np.ones(())
    kind = np.asarray(value).dtype.kind if not isinstance(value, (str, bytes, dict, set)) and value is not None else "?"
    if kind not in "iuf" or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"difflab.nn.{fn}: {name} must be a real number, got {type(value).__name__} {value!r:.60}")
    return value


def _masked(x, where, fill):
    """x where the mask holds, `fill` elsewhere (the masked entries carry no derivative)."""
    return x if where is None else dnp.where(_mask(where, x), x, fill)


def log_softmax(x, axis=-1, where=None):
    """x − logsumexp(x) over `axis` (an int, a tuple or None); with `where`, only the entries it holds count and
    the others are −inf, as JAX's.

    Shape contract: x's shape.

    >>> log_softmax(np.array([0.0, 0.0])).round(6)
    array([-0.693147, -0.693147])
    """
    if where is None and isinstance(axis, (int, np.integer)):
        return dnp.log_softmax(x, axis=int(axis))  # the registry's fused entry
    xs = _masked(x, where, -np.inf)
    return _masked(xs - dnp.logsumexp(xs, axis=axis, keepdims=True), where, -np.inf)


def softmax(x, axis=-1, where=None):
    """e^x normalised over `axis` (an int, a tuple or None); with `where`, over the entries it holds, 0 elsewhere.

    Shape contract: x's shape.

    >>> softmax(np.array([0.0, 0.0]))
    array([0.5, 0.5])
    """
    return _masked(dnp.exp(log_softmax(x, axis=axis, where=where)), where, 0.0)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """log Σ b·e^a over `axis`, stable, as jax.nn.logsumexp (`b` scales the terms; `return_sign` also returns the
    sum's sign, the log being of its magnitude, else a negative sum is NaN; `where` picks the terms that count).

    Shape contract: `a` reduced over `axis` (kept as size 1 with `keepdims`); `b` and `where` broadcast with `a`.

    >>> round(float(logsumexp(np.array([0.0, 5.0]), where=np.array([True, False]))), 12)
    0.0
    """
    return _special.logsumexp(_masked(a, where, -np.inf), axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)


def logmeanexp(x, axis=None, where=None, keepdims=False):
    """log of the mean of e^x over `axis` (of the entries `where` holds): logsumexp − log(count).

    Shape contract: x reduced over `axis` (kept as size 1 with `keepdims`).

    >>> round(float(logmeanexp(np.array([0.0, math.log(3.0)]))), 12) == round(math.log(2.0), 12)
    True
    """
    mask = _np_mask(where, x)
    count = dnp.sum(dnp.where(mask, 1.0, 0.0) + np.zeros(dnp.shape(x)), axis=axis, keepdims=keepdims)
    return logsumexp(x, axis=axis, keepdims=keepdims, where=where) - dnp.log(count)


def _np_mask(where, x):
    """`where` as dnp's reductions take it (True: every entry), checked by `_mask`."""
    return True if where is None else _mask(where, x)


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None, *, algorithm="fast"):
    """(x − mean)/√(variance + epsilon) over `axis`, as jax.nn.standardize: the mean and variance of the entries
    `where` holds unless given; algorithm "fast" takes mean(x²) − mean² clipped at 0 (JAX's default), "stable"
    mean((x − mean)²).

    Shape contract: x's shape (`mean`, `variance` broadcast with x reduced over `axis`, kept).

    >>> standardize(np.array([1.0, 3.0]), epsilon=0.0)
    array([-1.,  1.])
    """
    if algorithm not in ("fast", "stable"):
        raise ValueError(f"standardize: unknown algorithm {algorithm!r}; expected 'fast' or 'stable'")
    if not np.all(np.asarray(_real(epsilon, "epsilon", "standardize")) >= 0):  # (−1 gave another number silently)
        raise ValueError(f"difflab.nn.standardize: epsilon must be >= 0, got {epsilon!r}")
    mask = _np_mask(where, x)
    if mean is None:
        mean = dnp.mean(x, axis=axis, keepdims=True, where=mask)
    if variance is None:
        if algorithm == "stable":
            variance = dnp.mean((x - mean) ** 2, axis=axis, keepdims=True, where=mask)
        else:
            variance = dnp.maximum(dnp.mean(x * x, axis=axis, keepdims=True, where=mask) - mean * mean, 0.0)
    return (x - mean) / dnp.sqrt(variance + epsilon)


def _numbers_only(f):
    """f with its first argument checked as difflab's ops check theirs: a str, None, bytes, a dict or a set is named.
    (Python over difflab.numpy met it first in an operator: nn.hard_tanh("a") said "'>' not supported between
    instances of 'str' and 'float'", nn.softmax(None) "axis -1 is out of bounds for an array of dimension 0".)"""

    @functools.wraps(f)
    def checked(x, *args, **kwargs):
        if x is None or isinstance(x, (str, bytes, dict, set)):
            raise TypeError(f"difflab.nn.{f.__name__}: x is a {type(x).__name__}, not a number or an array")
        return f(x, *args, **kwargs)

    return checked


# the functions written here (softplus is difflab.numpy's own, which checks its argument), one wrapper each: the
# aliases swish and hard_swish stay the same object as silu and hard_silu
_checked: dict = {}
for _name in __all__:
    if globals()[_name].__module__ == __name__:
        globals()[_name] = _checked.setdefault(id(globals()[_name]), _numbers_only(globals()[_name]))
del _name
