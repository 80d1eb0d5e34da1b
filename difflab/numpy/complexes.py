"""Complex-number functions: `angle`, `real_if_close`, the predicates `iscomplex`, `isreal`,
`iscomplexobj`, `isrealobj`, and `sort_complex`.

On real (traced) input the first ones' results are known from the shape alone or piecewise constant;
`sort_complex` is sort's gather (NumPy orders complex values by real, then imaginary part) made
complex. So they are compositions, not primitives; a complex NumPy value goes to NumPy.
"""

from __future__ import annotations

import numpy as _np

from .. import ops as _ops
from ..graph import Traced as _Traced
from ..ops import abs, copysign, isnan, less, not_equal, real, where
from ..ops.complexes import is_complex as _is_complex
from ..ops.reductions import _max_front as max
from .arrays import ndim, pi, shape


def angle(z, deg=False):
    """The argument of z, like `numpy.angle`: on real input 0 where z >= +0.0 and pi (180 with `deg`)
    where z < 0 or z is -0.0, NaN where z is NaN; piecewise constant, so its derivative is 0 (also
    at 0, where NumPy's value jumps). Same shape as z. A complex z (never traced) goes to NumPy.

    >>> angle(_np.array([2.0, -0.5, 0.0])).tolist(), float(angle(-1.0, deg=True))
    ([0.0, 3.141592653589793, 0.0], 180.0)
    """
    if not isinstance(z, _Traced):
        return _np.angle(z, deg=deg)
    if z.dtype.kind == "c":  # a complex z: the registry's angle (differentiable)
        return _ops.angle(z) * (180.0 / pi) if deg else _ops.angle(z)
    half_turn = 180.0 if deg else pi
    # arctan2(0, z) is NumPy's value; written with comparisons (no derivative), the numeric method holds
    # them at z's value and so never differences across the jump at 0
    turned = where(less(copysign(1.0, z), 0.0), half_turn, 0.0)
    return where(isnan(z), z, turned)


def real_if_close(a, tol=100):
    """a with a negligible imaginary part dropped, like `numpy.real_if_close`: traced values are
    real, so it is `real(a)`, the identity (same shape as a).

    >>> real_if_close(_np.array([1.0, 2.0 + 1e-20j])).tolist()
    [1.0, 2.0]
    """
    if not isinstance(a, _Traced):
        return _np.real_if_close(a, tol=tol)
    if a.dtype.kind != "c":
        return a
    # NumPy's test, on the traced value (the graph is specialised to it: `bool` of a traced value)
    small = bool(less(max(abs(_ops.imag_part(a))), tol * _np.finfo(float).eps))
    return real(a) if small else a


def _complex_predicate(name, x):
    imaginary = _ops.imag_part(x)
    return not_equal(imaginary, 0.0) if name == "iscomplex" else _ops.equal(imaginary, 0.0)


def _real_valued(name, traced_answer):
    fn = getattr(_np, name)

    def predicate(x):
        # a real traced value: NumPy's answer for a real array of its shape (no derivative); a complex
        # one: NumPy's answer on its value (iscomplex, isreal: a boolean, piecewise constant)
        if not isinstance(x, _Traced):
            return fn(x)
        if x.dtype.kind == "c":
            return fn(x.concrete) if name.endswith("obj") else _complex_predicate(name, x)
        return traced_answer(shape(x))

    predicate.__name__ = predicate.__qualname__ = name
    predicate.__doc__ = (
        f"`numpy.{name}`; a traced value is real, so it gives NumPy's answer for a real array of its "
        f"shape (a boolean: no derivative).\n\n    >>> bool({name}(1.0))\n    {bool(fn(1.0))}\n    "
    )
    predicate.__module__ = __name__
    return predicate


iscomplex = _real_valued("iscomplex", lambda s: _np.iscomplex(_np.zeros(s)))


isreal = _real_valued("isreal", lambda s: _np.isreal(_np.zeros(s)))


iscomplexobj = _real_valued("iscomplexobj", lambda s: False)


isrealobj = _real_valued("isrealobj", lambda s: True)


def sort_complex(a):
    """Sorted along the last axis by real part, then imaginary part, like `numpy.sort_complex`; always
    complex (a real input is sorted, then made complex). One `sort` equation (NumPy's complex order), so
    prepare and vmap reuse it at values in another order; the derivative follows the permutation (the
    symbolic method's too: ops/sorting.py's csort_weight).

    >>> sort_complex(_np.array([3.0, 1.0, 2.0]))
    array([1.+0.j, 2.+0.j, 3.+0.j])
    """
    if not isinstance(a, _Traced):
        return _np.sort_complex(a)
    if ndim(a) == 0:
        raise _np.exceptions.AxisError(-1, 0, "numpy.sort_complex")
    out = _ops.sort(a, axis=ndim(a) - 1)
    return out if _is_complex(out) else out + _np.complex128(0)  # (complex128 whatever the real dtype, as NumPy's)
