"""Polynomials as NumPy's `numpy.poly*` functions see them (coefficient arrays, highest power
first): `polyval`, `polyadd`, `polysub`, `polymul`, `polydiv`, `polyder`, `polyint`, `poly`, `roots`,
`polyfit`, `vander`.

Compositions of convolution, least squares and the eigenvalues of the companion matrix, so they
differentiate through those; none needs a registry entry.
"""

from __future__ import annotations

import builtins

import numpy as _np

from .. import ops as _ops
from ..errors import UnsupportedOperationError as _UnsupportedOperationError
from ..graph import Traced as _Traced
from ..ops import matmul, real, sqrt
from ..ops.complexes import imag_part
from ..ops.reductions import _sum_front as sum
from ..ops.shape import _concatenate_front as concatenate
from ..ops.shape import _reshape_front as reshape
from ..ops.shape import _stack_front as stack
from .arrays import _contains_traced, _value, asarray, ndim, ravel, shape
from .linear_algebra import _lstsq
from .statistical import convolve


def _coefficients_1d(p, name):
    """A polynomial's coefficients as a 1-D array (a number: one coefficient); more axes are refused, as NumPy's
    polymul refuses them ("Polynomial must be 1d only"): ravel flattened a matrix into one long polynomial, a
    result of another shape than NumPy's polyadd or polyder of it, silently."""
    p = asarray(p)
    if ndim(p) > 1:
        raise ValueError(f"numpy.{name}: a polynomial's coefficients are one 1-D array, got shape {shape(p)}")
    return ravel(p)


def _poly_pad(p, n):
    """p (1-D) with zeros in front, to length n."""
    return p if shape(p)[0] == n else concatenate([_np.zeros(n - shape(p)[0]), p])


def polyadd(a1, a2):
    """Sum of two polynomials, like `numpy.polyadd`.

    >>> polyadd(_np.array([1.0, 2.0]), _np.array([1.0, 0.0, 0.0])).tolist()
    [1.0, 1.0, 2.0]
    """
    a1, a2 = _coefficients_1d(a1, "polyadd"), _coefficients_1d(a2, "polyadd")
    n = builtins.max(shape(a1)[0], shape(a2)[0])
    return _poly_pad(a1, n) + _poly_pad(a2, n)


def polysub(a1, a2):
    """Difference of two polynomials, like `numpy.polysub`.

    >>> polysub(_np.array([1.0, 2.0]), _np.array([1.0, 0.0, 0.0])).tolist()
    [-1.0, 1.0, 2.0]
    """
    a1, a2 = _coefficients_1d(a1, "polysub"), _coefficients_1d(a2, "polysub")
    n = builtins.max(shape(a1)[0], shape(a2)[0])
    return _poly_pad(a1, n) - _poly_pad(a2, n)


def polymul(a1, a2):
    """Product of two polynomials (the convolution of their coefficients), like `numpy.polymul`.

    >>> polymul(_np.array([1.0, 1.0]), _np.array([1.0, -1.0])).tolist()
    [1.0, 0.0, -1.0]
    """
    return convolve(_coefficients_1d(a1, "polymul"), _coefficients_1d(a2, "polymul"))


def polydiv(u, v):
    """Quotient and remainder of two polynomials (highest power first), like `numpy.polydiv`: NumPy's
    long division, one step per quotient coefficient (d = r[k] / v[0], r -= d·v shifted by k), so q and
    r are differentiable in both u and v. As NumPy, the remainder's leading coefficients that are zero
    (by value: `allclose(r[0], 0, rtol=1e-14)`, piecewise constant) are dropped, and q is [0.0] when v
    has the higher degree.

    >>> q, r = polydiv(_np.array([3.0, 5.0, 2.0]), _np.array([2.0, 1.0]))
    >>> q.tolist(), r.tolist()
    ([1.5, 1.75], [0.25])
    """
    if not isinstance(u, _Traced) and not isinstance(v, _Traced):
        return _np.polydiv(u, v)
    u, v = asarray(u), asarray(v)
    if ndim(u) > 1 or ndim(v) > 1 or 0 in (_np.size(_value(u)), _np.size(_value(v))):
        raise ValueError(f"numpy.polydiv: u and v must be non-empty 1-D coefficient arrays, got {shape(u)}, {shape(v)}")
    u, v = reshape(u, (-1,)), reshape(v, (-1,))
    m, n = shape(u)[0] - 1, shape(v)[0] - 1
    scale, r, q = 1.0 / v[0], u, []
    for k in range(m - n + 1):
        d = scale * r[k]
        q.append(d)
        r = r - d * concatenate([_np.zeros(k), v, _np.zeros(m - n - k)])
    values = _np.asarray(_value(r))
    drop = 0
    while drop < len(values) - 1 and _np.allclose(values[drop], 0, rtol=1e-14):
        drop += 1
    return (stack(q) if q else _np.zeros(1)), r[drop:]


def polyder(p, m=1):
    """The m-th derivative of a polynomial, like `numpy.polyder`.

    >>> polyder(_np.array([1.0, 2.0, 3.0])).tolist()
    [2.0, 2.0]
    """
    if m < 0:
        raise ValueError("numpy.polyder: the order of derivative must be positive (see polyint)")
    p = _coefficients_1d(p, "polyder")
    for _ in range(int(m)):
        n = shape(p)[0] - 1
        p = p[:-1] * _np.arange(n, 0, -1.0) if n > 0 else p * 0.0
    return p


def polyint(p, m=1, k=None):
    """The m-th antiderivative of a polynomial, integration constants k (a scalar or m of them; last
    coefficient of each step), like `numpy.polyint`.

    >>> polyint(_np.array([3.0, 2.0])).tolist()
    [1.5, 2.0, 0.0]
    """
    if m < 0:
        raise ValueError("numpy.polyint: the order of integral must be positive (see polyder)")
    ks = [0.0] * int(m) if k is None else [k] * int(m) if ndim(k) == 0 else list(k)
    if len(ks) < m:
        raise ValueError("numpy.polyint: k must be a scalar or a sequence of length m")
    p = _coefficients_1d(p, "polyint")
    for step in range(int(m)):
        top = p / _np.arange(shape(p)[0], 0, -1.0)
        p = concatenate([top, reshape(asarray(ks[step]) * 1.0, (1,))])
    return p


def vander(x, N=None, increasing=False):
    """Vandermonde matrix: columns x**(N-1), ..., x, 1 (increasing=True: 1, x, ...), like `numpy.vander`,
    built by products (no 0**0 in the derivative).

    >>> vander(_np.array([2.0, 3.0]), 3).tolist()
    [[4.0, 2.0, 1.0], [9.0, 3.0, 1.0]]
    """
    if ndim(x) != 1:
        raise ValueError(f"numpy.vander: x must be one-dimensional, got shape {shape(x)}")
    n = shape(x)[0] if N is None else int(N)
    # (a NumPy float64 1: NumPy's vander is float64 for a float32 x, its dtype promoted with int's)
    cols = [x * 0.0 + _np.float64(1.0)] if n else []
    while len(cols) < n:
        cols.append(cols[-1] * x)
    if not cols:
        return _np.zeros((shape(x)[0], 0))
    return stack(cols if increasing else cols[::-1], axis=1)


def poly(seq_of_zeros):
    """Coefficients of the monic polynomial with the given roots (a 2-D square array: of its
    characteristic polynomial, through its eigenvalues), like `numpy.poly`.

    >>> poly(_np.array([1.0, 2.0])).tolist()
    [1.0, -3.0, 2.0]
    """
    z = seq_of_zeros
    if ndim(z) == 2 and shape(z)[0] == shape(z)[1] and shape(z)[0] != 0:
        z = _ops.eigvals(z)  # complex: the real matrix's characteristic polynomial is real
        return real(_poly_from_roots(z))
    if ndim(z) != 1:
        raise ValueError("numpy.poly: input must be 1-D or a square 2-D array")
    return _poly_from_roots(z)


def _poly_from_roots(z):
    a = _np.ones(1)
    for i in range(shape(z)[0]):  # a · (x − z_i)
        a = concatenate([a, _np.zeros(1)]) - z[i] * concatenate([_np.zeros(1), a])
    return a


def roots(p):
    """Roots of a polynomial (highest power first), like `numpy.roots`: the eigenvalues of its companion
    matrix, complex (as eig's; NumPy's dtype depends on the values), in LAPACK's order. Leading and
    trailing zero coefficients are dropped as NumPy does (by value: only where p starts or ends in an exact 0 is
    the graph specialised to it); a trailing one is a root 0. Their derivatives need distinct roots: a repeated
    root is a ValueError naming it, and a prepared function meeting one at a later point gives NaN with a
    DomainWarning naming it (the series' roots' rule). The dropped zeros still move the roots (dr = −(dp)(r)/p'(r)):
    each root is polished by two Newton steps on the whole p whose residual is 0 in value, so the values are
    NumPy's and the derivatives exact to third order.

    >>> sorted(roots(_np.array([1.0, -3.0, 2.0])).real.tolist())
    [1.0, 2.0]
    """
    if ndim(p) != 1:
        raise ValueError("numpy.roots: input must be a rank-1 array")
    peeked = _peek(p)
    if len(peeked) == 0 or peeked[0] == 0 or peeked[-1] == 0:
        peeked = _np.asarray(_value(p, "numpy.roots' trim of zero coefficients"))
    nonzero = _np.flatnonzero(peeked != 0)
    if len(nonzero) == 0:
        return _np.zeros(0, dtype=complex)
    lead, trailing = int(nonzero[0]), shape(p)[0] - int(nonzero[-1]) - 1
    core = p[lead : int(nonzero[-1]) + 1]
    n = shape(core)[0]
    found = _np.zeros(0, dtype=complex)
    if n >= 2:
        top = reshape(-core[1:] / core[0], (1, n - 1))
        found = _ops.eigvals(concatenate([top, _np.eye(n - 2, n - 1)], axis=0))
    if trailing:  # (p's own dtype: a Python 0 would make a float32 p's roots float64)
        found = concatenate([found, _np.zeros(trailing, dtype=complex)])
    _check_distinct(_peek(found), "numpy.roots")
    if lead or trailing:  # (p's residual at the core's roots, 0 as a function of p, and in value p(r) bit for bit)
        residual = polyval(concatenate([core, _np.zeros(trailing)]), found[: n - 1]) if n >= 2 else _np.zeros(0)
        found = _newton2(p, found, concatenate([residual, _np.zeros(trailing)]))
    re, im = real(found), imag_part(found)
    guard = _repeated_nan(re, im, of="np_roots")  # (in both parts: a NaN added to a complex leaves its imaginary part)
    return (re + guard) + 1j * (im + guard)


def _newton2(p, x, zero):
    """Two Newton steps on p (highest power first) from its roots x, whose residual p(x) − zero is 0 in value
    (`zero` is p(x) bit for bit, and 0 as a function of the coefficients): x's values unchanged, its derivatives
    those of p's roots to third order (each step squares the distance to the root)."""
    n = shape(p)[0]
    slope = p[: n - 1] * _np.arange(n - 1, 0, -1.0)
    for _ in range(2):
        x = x - (polyval(p, x) - zero) / polyval(slope, x)
    return x


def _peek(x):
    """x's number without marking a trace specialised (a check's, not a decision's: the caller reads it by
    `_value` when the number decides the graph)."""
    while isinstance(x, _Traced):
        x = x.value
    return _np.asarray(x)


def _repeated_nan(re, im, of="roots"):
    """0 where the roots (re + i·im, traced, (k,)) are distinct, NaN with a DomainWarning naming the root where two
    coincide, judged as `_check_distinct` judges them (to about 1e-6 of their size) but at run time: each pair's rows
    [1, Re r, Im r] have rank 1 there (the rank_guard op, rcond 1e-6; `of` names the function: "roots" the
    series', "np_roots" numpy.roots), so a prepared function that meets a repeated root at a later point says so,
    rather than return the eigenvalue rule's 1/gap numbers (huge or inf). Its derivative is 0."""
    k = shape(re)[0]
    if k < 2:
        return 0.0
    i, j = _np.triu_indices(k, 1)
    rows = [stack([re[idx] * 0.0 + 1.0, re[idx], im[idx]], axis=-1) for idx in (i, j)]  # (pairs, 3) each
    return sum(_ops.rank_guard(stack(rows, axis=-2), of=of, rcond=1e-6))


def _check_distinct(found, name):
    """Refuses roots two of which coincide (to about √eps of their size): there the roots are not differentiable
    in the coefficients (the implicit function theorem's p'(r) is 0; the eigenvalues' rule divides by their gap)."""
    if len(found) < 2:
        return
    # (each pair to its own size, as rank_guard judges the pair's rows: a far root 2e6 leaves 1 and 2 distinct)
    size = _np.maximum(1.0, _np.maximum(_np.abs(found)[:, None], _np.abs(found)[None, :]))
    gaps = _np.abs(found[:, None] - found[None, :]) / size + _np.diag(_np.full(len(found), _np.inf))
    if _np.min(gaps) <= 1e-6:
        i, j = _np.unravel_index(_np.argmin(gaps), gaps.shape)
        raise ValueError(
            f"{name}: a repeated root (about {complex(found[i]):.6g}, twice: {found[i]} and "
            f"{found[j]}) of traced coefficients: the roots are not differentiable there (p'(r) = 0)"
        )


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit of degree `deg` (weights `w` on the residuals), like `numpy.polyfit`:
    the lstsq solution on the (column-scaled) Vandermonde matrix; full=True also gives (residuals,
    rank, singular values, rcond). y may be 2-D (one fit per column). cov is not supported.

    >>> polyfit(_np.array([0.0, 1.0, 2.0]), _np.array([1.0, 3.0, 5.0]), 1).round(12).tolist()
    [2.0, 1.0]
    """
    if cov:
        raise _UnsupportedOperationError(
            "numpy.polyfit(..., cov=True) is not supported on traced values; fit with full=True and form the covariance"
        )
    order = int(deg) + 1
    if ndim(x) != 1 or shape(x)[0] == 0 or ndim(y) not in (1, 2) or shape(x)[0] != shape(y)[0]:
        raise ValueError(
            f"numpy.polyfit: x must be non-empty 1-D and y 1-D or 2-D of the same length, got {shape(x)}, {shape(y)}"
        )
    rcond = shape(x)[0] * _np.finfo(float).eps if rcond is None else rcond
    lhs, rhs = vander(x, order), y
    if w is not None:
        lhs = lhs * reshape(w, (-1, 1))
        rhs = rhs * (w if ndim(y) == 1 else reshape(w, (-1, 1)))
    scale = sqrt(sum(lhs * lhs, axis=0))  # NumPy's column scaling: the same solution, better conditioned
    if not full:  # the solution alone: no singular values in the graph (symbolic has pinv's closed form)
        c = matmul(_ops.pinv(lhs / scale, rcond=float(rcond)), rhs)
        return c / (scale if ndim(y) == 1 else reshape(scale, (-1, 1)))
    c, resids, rank, s = _lstsq(lhs / scale, rhs, rcond)
    return c / (scale if ndim(y) == 1 else reshape(scale, (-1, 1))), resids, rank, s, rcond


def polyval(p, x):
    """The polynomial with coefficients `p` (highest power first) at `x`, by Horner's rule as
    `numpy.polyval` computes it (p, x or both may be traced).

    >>> polyval(_np.array([1.0, 0.0, -2.0]), _np.array([0.0, 2.0]))
    array([-2.,  2.])
    """
    if isinstance(p, (list, tuple)) and not any(isinstance(c, _Traced) for c in p):
        p = _np.asarray(p, dtype=float)  # (as NumPy's: float64 coefficients promote a float32 x)
    if not isinstance(p, (list, tuple)) and ndim(p) == 0:  # (NumPy's `for pv in p`: "iteration over a 0-d array")
        raise TypeError(
            "numpy.polyval: p must hold the coefficients (a 1-D sequence, highest power first), got a 0-d value; "
            "write [c] for a constant polynomial"
        )
    if isinstance(x, (list, tuple)):  # (NumPy's asanyarray(x): a list of points, traced ones stacked)
        x = asarray(x) if _contains_traced(x) else _np.asarray(x)
    y = x * 0.0  # (NumPy's zeros_like(x) · x: x's dtype, where a float64 array of zeros would promote a float32 x)
    for k in range(len(p) if isinstance(p, (list, tuple)) else shape(p)[0]):
        y = y * x + p[k]
    return y


# -- numpy.polynomial's series (coefficients lowest degree first, the value function's x first) ------------
# Clenshaw's recurrences, step by step as NumPy's own code runs them (the same values): for each basis the
# step (c_k, c0, c1, nd, x) -> (c0, c1), nd counting down from len(c) - 1 as NumPy's, and the closing c0 + c1·p1(x).
_CLENSHAW = {
    "chebval": (lambda ck, c0, c1, nd, x: (ck - c1, c0 + c1 * (x * 2)), lambda c0, c1, x: c0 + c1 * x),
    "legval": (
        lambda ck, c0, c1, nd, x: (ck - c1 * ((nd - 1) / nd), c0 + c1 * x * ((2 * nd - 1) / nd)),
        lambda c0, c1, x: c0 + c1 * x,
    ),
    "hermval": (
        lambda ck, c0, c1, nd, x: (ck - c1 * (2 * (nd - 1)), c0 + c1 * (x * 2)),
        lambda c0, c1, x: c0 + c1 * (x * 2),
    ),
    "hermeval": (lambda ck, c0, c1, nd, x: (ck - c1 * (nd - 1), c0 + c1 * x), lambda c0, c1, x: c0 + c1 * x),
    "lagval": (
        lambda ck, c0, c1, nd, x: (ck - (c1 * (nd - 1)) / nd, c0 + (c1 * ((2 * nd - 1) - x)) / nd),
        lambda c0, c1, x: c0 + c1 * (1 - x),
    ),
}


def _series(x, c, tensor):
    """x and c as numpy.polynomial's value functions read them: a list x an array, c at least 1-D (a list
    of traced values stacked), and with `tensor` c's shape extended by x's axes (each coefficient array
    evaluated at every x)."""
    if isinstance(x, (list, tuple)):
        x = asarray(x)
    if isinstance(c, (list, tuple)):
        c = stack(c) if any(isinstance(v, _Traced) for v in c) else _np.asarray(c, dtype=float)
    elif not isinstance(c, _Traced):
        c = _np.array(c, ndmin=1, dtype=_np.result_type(c, 1.0))
    if ndim(c) == 0:
        c = reshape(c, (1,))
    if tensor and ndim(c) > 1:
        c = reshape(c, shape(c) + (1,) * ndim(x))
    return x, c


def _series_value(kind):
    step, close = _CLENSHAW.get(kind, (None, None))

    def value(x, c, tensor=True):
        x, c = _series(x, c, tensor)
        n = shape(c)[0]
        if kind == "polyval":  # Horner's rule, from the highest coefficient
            y = c[n - 1] + x * 0
            for k in range(n - 2, -1, -1):
                y = c[k] + y * x
            return y
        c0, c1 = (c[0], 0) if n == 1 else (c[n - 2], c[n - 1])
        for i in range(3, n + 1):
            c0, c1 = step(c[n - i], c0, c1, n - i + 2, x)
        return close(c0, c1, x)

    value.__name__ = value.__qualname__ = kind
    value.__doc__ = (
        f"numpy.polynomial's `{kind}(x, c, tensor=True)` on traced x or c (coefficients lowest degree first), "
        "by NumPy's own recurrence; difflab.numpy.polynomial's classes (Polynomial, Chebyshev, ...) call it "
        "(NumPy's convert their coefficients)."
    )
    return value
