"""`scipy.special` on traced values: the registry's entries spelled `scipy.special.<name>` (gammaln,
digamma, erf, iv, betainc, ...) and derived functions (logsumexp with `b`, multigammaln, softmax).

>>> import difflab as dl
>>> round(float(dl.grad(gammaln)(3.0)), 12)  # digamma(3) = 3/2 - γ
0.922784335098
"""

from __future__ import annotations

import builtins as _builtins
import math

import numpy as _np

from .. import numpy as _dnp
from ..graph import Traced as _Traced
from ..ops import REGISTRY as _REGISTRY
from ..ops import spellings as _spellings

_PREFIX = "scipy.special."


def _registry_names() -> dict:
    """{SciPy name: function} of every entry spelled scipy.special.<name>, read from the registry now (not SciPy's
    private ufuncs, `_zeta`: those spellings are for NumPy's dispatch when SciPy's Python functions call them)."""
    return {
        n[len(_PREFIX) :]: fn
        for n, fn in _spellings().numpy.items()
        if n.startswith(_PREFIX) and not n.startswith(_PREFIX + "_")
    }


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(Σ b·e^a) over `axis`, stable, as `scipy.special.logsumexp` (`b` scales the terms; with
    `return_sign` the sign of the sum is returned too and the log is of its magnitude).

    Shape contract: `a` reduced over `axis` (kept as size 1 with `keepdims`); `b` broadcasts with `a`.

    >>> round(float(logsumexp(_np.array([0.0, 0.0]), b=_np.array([1.0, 3.0]))), 12)  # log 4
    1.386294361120
    """
    if b is None:
        out, sgn = _dnp.logsumexp(a, axis=axis, keepdims=keepdims), 1.0
    elif not isinstance(b, _Traced) and _np.all(_np.asarray(b) >= 0):
        # b ≥ 0: log b joins the exponents (b = 0 gives -inf: that term drops out)
        with _np.errstate(divide="ignore"):
            logb = _np.log(_np.asarray(b, dtype=float))
        out, sgn = _dnp.logsumexp(a + logb, axis=axis, keepdims=keepdims), 1.0
    else:  # a traced or signed b: the shifted sum, its sign apart
        # (no stop_gradient on the shift: its derivative cancels, and numeric warns it cannot honour one)
        m = _dnp.max(a, axis=axis, keepdims=True)
        total = _dnp.sum(b * _dnp.exp(a - m), axis=axis, keepdims=True)
        sgn = _dnp.sign(total)
        out = _dnp.log(_dnp.abs(total)) + m
        if not keepdims:
            kept = _np.sum(_np.zeros(_np.shape(a)), axis=axis).shape
            out, sgn = _dnp.reshape(out, kept), _dnp.reshape(sgn, kept)
        if not return_sign:
            out = _dnp.where(_dnp.less(sgn, 0.0), _np.nan, out)
    return (out, sgn) if return_sign else out


def multigammaln(a, d):
    """log of the multivariate gamma function Γ_d(a) = π^(d(d-1)/4) Π_j Γ(a - j/2), as SciPy's.

    Shape contract: elementwise in `a`; `d` a positive integer.

    >>> round(float(multigammaln(3.0, 1)), 12) == round(math.lgamma(3.0), 12)
    True
    """
    d = int(d)
    out = d * (d - 1) / 4.0 * math.log(math.pi)
    for j in range(d):
        out = out + _REGISTRY["gammaln"](a - j / 2.0)
    return out


def softmax(x, axis=None):
    """e^x / Σ e^x over `axis` (all axes when None, as SciPy's).

    >>> softmax(_np.array([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    return _dnp.exp(log_softmax(x, axis=axis))


def log_softmax(x, axis=None):
    """x - logsumexp(x) over `axis` (all axes when None, as SciPy's).

    >>> round(float(log_softmax(_np.array([0.0, 0.0]))[0]), 12)
    -0.69314718056
    """
    return x - _dnp.logsumexp(x, axis=axis, keepdims=True)


def comb(N, k, *, exact=False, repetition=False):
    """N choose k as `scipy.special.comb` with exact=False: binom(N, k) where 0 ≤ k ≤ N and N ≥ 0, else 0 (with
    `repetition`, binom(N + k - 1, k), and 1 at k = 0, N ≥ 0), differentiable in N and k where binom is. exact=True
    counts whole numbers: refused on traced values (no derivative), SciPy's on plain ones.

    Shape contract: elementwise in N and k (broadcast).

    >>> import difflab as dl
    >>> round(float(dl.grad(lambda n: comb(n, 2.0))(5.0)), 12)  # d/dn n(n - 1)/2 = n - 1/2
    4.5
    """
    if exact:
        if isinstance(N, _Traced) or isinstance(k, _Traced):
            raise TypeError(
                "scipy.special.comb(exact=True) counts whole numbers exactly and has no derivative; "
                "use exact=False (SciPy's binom) to differentiate, or pass plain numbers"
            )
        import scipy.special

        return scipy.special.comb(N, k, exact=True, repetition=repetition)
    binom = _REGISTRY["binom"]
    # (SciPy's comb calls asarray on N and k: a Python number becomes a float64 or int64 array, which NumPy does not
    # demote to float32, so comb(float32, 2) is float64 where binom(float32, 2) is float32)
    N, k = (a if isinstance(a, _Traced) else _np.asarray(a)[()] for a in (N, k))
    if repetition:
        return _dnp.where((_dnp.equal(k, 0.0)) & (_dnp.greater_equal(N, 0.0)), 1.0, binom(N + k - 1.0, k))
    inside = _dnp.less_equal(k, N) & _dnp.greater_equal(N, 0.0) & _dnp.greater_equal(k, 0.0)
    return _dnp.where(inside, binom(N, k), 0.0)


expit = _REGISTRY["sigmoid"]


def __getattr__(name):
    found = _registry_names().get(name)
    if found is None:
        raise AttributeError(f"difflab.scipy.special has no function {name!r} (not a difflab op yet)")
    return found


def __dir__():
    return sorted(set(globals()) | set(_registry_names()))


# (a name that is also a builtin's, SciPy's `round`, is served by __getattr__ only: in this module's globals it would
# shadow the builtin for this module's own code and doctests)
globals().update({n: fn for n, fn in _registry_names().items() if not hasattr(_builtins, n)})
