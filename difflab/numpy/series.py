"""numpy.polynomial on traced values: `difflab.numpy.polynomial`, its six bases' functions (value, derivative,
integral, product, sum, difference, division, roots, fromroots, Vandermonde matrix, least-squares fit) and their
series classes (`Polynomial`, `Chebyshev`, `Legendre`, `Hermite`, `HermiteE`, `Laguerre`) with NumPy's constructor,
call, `deriv`, `integ`, `+ - * // %`, `**`, `roots`, `fromroots`, `convert`/`cast`, `fit` and domain/window mapping.

NumPy's own are Python code that converts its arguments with `numpy.array` (no dispatch reaches difflab), so
these are difflab's spellings of them. The value functions run NumPy's recurrences (polynomials.py); the rest
are linear in the coefficients (the product bilinear), so each is NumPy's own function applied to the unit
coefficient vectors once, a constant matrix, and then a matrix product on the traced coefficients: NumPy's
numbers to rounding, differentiable by every method. The knots of a fit, the domain, the window, the
derivative's scale and the integral's lower bound are constants; x of a fit may be traced given its domain.
Unlike NumPy, sums, products and remainders do not trim trailing zero coefficients (a shape decided by values).
Roots are the eigenvalues of NumPy's (rotated) companion matrix, which is affine in c[:-1]/c[-1] (a constant tensor
again), sorted as NumPy sorts them by argsort equations (so prepare re-sorts); complex (as the eig op's), each
differentiable where the roots are distinct (dr = −(dp)(r)/p'(r)); a repeated root is refused by name.
"""

from __future__ import annotations

import functools

import numpy as _np

from .. import ops as _ops
from ..errors import UnsupportedOperationError as _UnsupportedOperationError
from ..graph import Traced as _Traced
from ..ops import matmul, real, sqrt
from ..ops.complexes import imag_part
from ..ops.reductions import _sum_front as _sum
from ..ops.shape import _reshape_front as _reshape
from ..ops.shape import _stack_front as _stack
from .arrays import _in_range, _value, asarray, ndim, shape
from .linear_algebra import _lstsq
from .polynomials import _check_distinct, _peek, _repeated_nan, _series_value
from .shapes import moveaxis, take_along_axis

#: numpy.polynomial's submodules: (function prefix, series class)
_BASES = {
    "polynomial": ("poly", "Polynomial"),
    "chebyshev": ("cheb", "Chebyshev"),
    "legendre": ("leg", "Legendre"),
    "hermite": ("herm", "Hermite"),
    "hermite_e": ("herme", "HermiteE"),
    "laguerre": ("lag", "Laguerre"),
}


def _numpy(sub, suffix):
    return getattr(getattr(_np.polynomial, sub), _BASES[sub][0] + suffix)


def _traced(*values) -> bool:
    return any(isinstance(v, _Traced) for v in values)


def _coefficients(c, what="coefficients"):
    """c as numpy.polynomial's as_series reads one series: a list holding traced values stacked, at least 1-D,
    float (a constant c a fresh NumPy copy)."""
    if isinstance(c, (list, tuple)) and _traced(*c):
        c = _stack([asarray(v) for v in c])
    if not isinstance(c, _Traced):
        c = _np.array(c, ndmin=1, dtype=_np.result_type(_np.asarray(c), 1.0))
    if ndim(c) == 0:
        c = _reshape(c, (1,))
    if shape(c)[0] == 0:
        raise ValueError(f"numpy.polynomial: the {what} are empty")
    return c


def _along(matrix, c, axis=0):
    """The constant matrix (p, n) applied to c's `axis` (length n): that axis has length p."""
    if ndim(c) == 1:
        return matmul(matrix, c)
    moved = moveaxis(c, axis, 0)
    rest = shape(moved)[1:]
    out = matmul(matrix, _reshape(moved, (shape(moved)[0], -1)))
    return moveaxis(_reshape(out, (shape(matrix)[0],) + rest), 0, axis)


def _constant(value, what):
    if _traced(value) or isinstance(value, (list, tuple)) and _traced(*value):
        raise _UnsupportedOperationError(
            f"numpy.polynomial: {what} is traced; difflab's series take it as a constant (the coefficients, "
            "and x of a value function, may be traced)"
        )
    return value


def _der(sub):
    npder = _numpy(sub, "der")

    def der(c, m=1, scl=1, axis=0):
        if not _traced(c) and not (isinstance(c, (list, tuple)) and _traced(*c)):
            return npder(c, m, scl, axis)
        c, scl = _coefficients(c), _constant(scl, "the scale scl")
        axis = _in_range(axis, ndim(c))
        return _along(npder(_np.eye(shape(c)[axis]), m, scl, axis=0), c, axis)

    return der


def _int(sub):
    npint = _numpy(sub, "int")

    def integ(c, m=1, k=[], lbnd=0, scl=1, axis=0):  # noqa: B006  (NumPy's signature)
        if not _traced(c, k) and not any(isinstance(v, (list, tuple)) and _traced(*v) for v in (c, k)):
            return npint(c, m, k, lbnd, scl, axis)
        c, lbnd, scl = _coefficients(c), _constant(lbnd, "the lower bound lbnd"), _constant(scl, "the scale scl")
        axis = _in_range(axis, ndim(c))
        n = shape(c)[axis]
        out = _along(npint(_np.eye(n), m, [], lbnd, scl, axis=0), c, axis)
        traced_k = _traced(k) or isinstance(k, (list, tuple)) and _traced(*k)
        ks = _coefficients(k, "integration constants") if traced_k else k
        if traced_k:  # the constants enter linearly too: column j is the integral of 0 with k = e_j
            if shape(ks)[0] > m:
                raise ValueError(f"numpy.polynomial: too many integration constants ({shape(ks)[0]} for m={m})")
            basis = _np.stack([npint(_np.zeros(n), m, e, lbnd, scl) for e in _np.eye(shape(ks)[0])], axis=1)
            shift = matmul(basis, ks)
        else:
            shift = npint(_np.zeros(n), m, ks, lbnd, scl)
        return out + _reshape(shift, (-1,) + (1,) * (ndim(c) - axis - 1))

    return integ


def _trimmed(c):
    """c without its trailing zero coefficients, as numpy.polynomial's as_series trims them (by value: only
    where a traced series ends in an exact 0 is the graph specialised to it)."""
    values = _peek(c)
    if len(values) > 1 and values[-1] == 0:
        values = _np.asarray(_value(c, "numpy.polynomial's trim of trailing zero coefficients"))
        nonzero = _np.flatnonzero(values)
        c = c[: int(nonzero[-1]) + 1 if len(nonzero) else 1]
    return c


@functools.lru_cache(maxsize=256)
def _companion_parts(sub, n):
    """NumPy's companion matrix of a series of length n >= 3 is affine in c[:-1] / c[-1]: (M0, T) with
    companion(c) = M0 + Σ_j (c_j / c_{n−1}) T[j], rotated by [::-1, ::-1] as NumPy's roots rotate it."""
    npcompanion, e = _numpy(sub, "companion"), _np.eye(n)
    m0 = npcompanion(e[n - 1])[::-1, ::-1]
    parts = _np.stack([npcompanion(e[j] + e[n - 1])[::-1, ::-1] - m0 for j in range(n - 1)])
    return m0, parts


def _roots(sub):
    def roots(c):
        if not _traced(c) and not (isinstance(c, (list, tuple)) and _traced(*c)):
            return _numpy(sub, "roots")(c)
        c = _trimmed(_coefficients(c))
        if ndim(c) != 1:
            raise ValueError(f"numpy.polynomial: roots take 1-D coefficients, got shape {shape(c)}")
        n = shape(c)[0]
        if n == 1:
            return _np.zeros(0)
        if n == 2:  # NumPy's closed form, real: c0 + c1·P1(x) = 0 with P1(x) = u + v·x (P0 = 1 in every basis)
            npval = _numpy(sub, "val")
            u = float(npval(0.0, [0.0, 1.0]))
            v = float(npval(1.0, [0.0, 1.0])) - u
            return _reshape((-c[0] / c[1] - u) / v, (1,))
        m0, parts = _companion_parts(sub, n)
        ratio = c[: n - 1] / c[n - 1]
        companion = m0 + _reshape(matmul(ratio, _np.reshape(parts, (n - 1, -1))), m0.shape)
        found = _ops.eigvals(companion)
        _check_distinct(_peek(found), "numpy.polynomial roots")
        # NumPy's complex sort (by real part, then imaginary part): two stable sorts, the second one deciding;
        # the parts gathered apart (real gathers: every method's, the symbolic one's too)
        re, im = real(found), imag_part(found)
        order = _ops.argsort(im, axis=0, kind="stable")
        re, im = take_along_axis(re, order, 0), take_along_axis(im, order, 0)
        order = _ops.argsort(re, axis=0, kind="stable")
        re, im = take_along_axis(re, order, 0), take_along_axis(im, order, 0)
        guard = _repeated_nan(re, im)  # (in both parts: a NaN added to a complex number leaves its imaginary part)
        return (re + guard) + 1j * (im + guard)

    return roots


def _div(sub):
    npdiv, mul = _numpy(sub, "div"), _mul(sub)

    def div(c1, c2):
        if not _traced(c1, c2) and not any(isinstance(v, (list, tuple)) and _traced(*v) for v in (c1, c2)):
            return npdiv(c1, c2)
        c1, c2 = _trimmed(_coefficients(c1)), _trimmed(_coefficients(c2))
        if ndim(c1) != 1 or ndim(c2) != 1:
            raise ValueError(f"numpy.polynomial: division takes 1-D coefficients, got {shape(c1)} and {shape(c2)}")
        if _peek(c2)[-1] == 0:
            raise ZeroDivisionError("numpy.polynomial: division by the zero series")
        n1, n2 = shape(c1)[0], shape(c2)[0]
        if n1 < n2:
            return c1[:1] * 0.0, c1
        if n2 == 1:
            return c1 / c2[-1], c1[:1] * 0.0
        # NumPy's long division (polyutils._div): the top coefficient of what remains, over that of the divisor
        # times the i-th basis series (a product bilinear in e_i and c2), removed; the remainder keeps its
        # trailing zeros (NumPy trims them by value)
        rem, quo = c1, []
        for i in range(n1 - n2, -1, -1):
            p = mul(_np.eye(i + 1)[i], c2)
            q = rem[-1] / p[-1]
            rem = rem[:-1] - q * p[:-1]
            quo.append(q)
        return _stack(quo[::-1]), rem

    return div


def _fromroots(sub):
    npfromroots, npline, mul = _numpy(sub, "fromroots"), _numpy(sub, "line"), _mul(sub)
    # line(off, scl) is linear in (off, scl): line(−r, 1) = −r·a + b
    a, b = (_np.pad(npline(off, scl), (0, 2))[:2] for off, scl in ((1.0, 0.0), (0.0, 1.0)))

    def fromroots(roots):
        if not _traced(roots) and not (isinstance(roots, (list, tuple)) and _traced(*roots)):
            return npfromroots(roots)
        roots = _coefficients(roots, "roots")
        if ndim(roots) != 1:
            raise ValueError(f"numpy.polynomial: fromroots takes 1-D roots, got shape {shape(roots)}")
        # NumPy's product tree (polyutils._fromroots; NumPy sorts the roots first, which moves only the rounding)
        factors = [roots[i] * -a + b for i in range(shape(roots)[0])]
        while len(factors) > 1:
            m, odd = divmod(len(factors), 2)
            paired = [mul(factors[i], factors[i + m]) for i in range(m)]
            if odd:
                paired[0] = mul(paired[0], factors[-1])
            factors = paired
        return factors[0]

    return fromroots


@functools.lru_cache(maxsize=256)
def _product_tensor(sub, n1, n2):
    """T (n1 + n2 − 1, n1, n2): T[:, i, j] the product of the i-th and j-th basis series, NumPy's, padded."""
    npmul, size = _numpy(sub, "mul"), n1 + n2 - 1
    t = _np.zeros((size, n1, n2))
    for i in range(n1):
        for j in range(n2):
            p = npmul(_np.eye(n1)[i], _np.eye(n2)[j])
            t[: len(p), i, j] = p
    return t


def _mul(sub):
    npmul = _numpy(sub, "mul")

    def mul(c1, c2):
        if not _traced(c1, c2) and not any(isinstance(v, (list, tuple)) and _traced(*v) for v in (c1, c2)):
            return npmul(c1, c2)
        c1, c2 = _coefficients(c1), _coefficients(c2)
        n1, n2 = shape(c1)[0], shape(c2)[0]
        t = _product_tensor(sub, n1, n2)
        partial = _reshape(matmul(_np.reshape(t, (-1, n2)), c2), (n1 + n2 - 1, n1))
        return matmul(partial, c1)

    return mul


def _pad(c, n):
    # (zeros below: a constant matrix, as the other linear maps here)
    return c if shape(c)[0] == n else matmul(_np.eye(n, shape(c)[0]), c)


def _add(sub, sign):
    npadd = _numpy(sub, "add" if sign > 0 else "sub")

    def add(c1, c2):
        if not _traced(c1, c2) and not any(isinstance(v, (list, tuple)) and _traced(*v) for v in (c1, c2)):
            return npadd(c1, c2)
        c1, c2 = _coefficients(c1), _coefficients(c2)
        n = max(shape(c1)[0], shape(c2)[0])
        return _pad(c1, n) + _pad(c2, n) if sign > 0 else _pad(c1, n) - _pad(c2, n)

    return add


def _vander(sub):
    npvander, val = _numpy(sub, "vander"), _series_value(_BASES[sub][0] + "val")

    def vander(x, deg):
        if not _traced(x):
            return npvander(x, deg)
        if int(deg) != deg or deg < 0:
            raise ValueError("numpy.polynomial: deg must be a non-negative integer")
        # column j the j-th basis series at x: the value function of the unit coefficients (tensor: x's axes last)
        return moveaxis(val(x, _np.eye(int(deg) + 1)), 0, -1)

    return vander


def _fit(sub):
    npfit, vander = _numpy(sub, "fit"), _vander(sub)

    def fit(x, y, deg, rcond=None, full=False, w=None):
        if not _traced(x, y, w):
            return npfit(x, y, deg, rcond, full, w)
        x, y = x if _traced(x) else _np.asarray(x) + 0.0, y if _traced(y) else _np.asarray(y) + 0.0
        degs = _np.asarray(deg)
        if degs.dtype.kind not in "iu" or degs.size == 0 or degs.min() < 0:
            raise (TypeError if degs.dtype.kind not in "iu" or degs.size == 0 else ValueError)(
                "numpy.polynomial: deg must be a non-negative int or a non-empty 1-D array of them"
            )
        if ndim(x) != 1 or shape(x)[0] == 0 or ndim(y) not in (1, 2) or shape(x)[0] != shape(y)[0]:
            raise TypeError(
                f"numpy.polynomial: x must be non-empty 1-D, y 1-D or 2-D of x's length: {shape(x)}, {shape(y)}"
            )
        lmax = int(degs.max())
        lhs = vander(x, lmax)
        if degs.ndim:
            degs = _np.sort(degs)
            lhs = lhs[:, degs]
        rhs = y
        if w is not None:
            lhs = lhs * _reshape(w, (-1, 1))
            rhs = rhs * (w if ndim(y) == 1 else _reshape(w, (-1, 1)))
        rcond = shape(x)[0] * _np.finfo(float).eps if rcond is None else rcond
        scl = sqrt(_sum(lhs * lhs, axis=0)) if _traced(lhs) else _np.sqrt((lhs * lhs).sum(0))
        scl = scl + (_np.asarray(_value(scl)) == 0).astype(
            float
        )  # (NumPy's scl[scl == 0] = 1: a zero column stays zero)
        if full:
            c, resids, rank, s = _lstsq(lhs / scl, rhs, rcond)
        else:
            c = matmul(_ops.pinv(lhs / scl, rcond=float(rcond)), rhs)
        c = c / (scl if ndim(y) == 1 else _reshape(scl, (-1, 1)))
        if degs.ndim:  # the chosen degrees' coefficients, zeros elsewhere
            rows = {int(d): i for i, d in enumerate(degs)}
            zero = c[0] * 0.0
            c = _stack([c[rows[i]] if i in rows else zero for i in range(lmax + 1)])
        return (c, [resids, rank, s, rcond]) if full else c

    return fit


#: each function's shape contract (c's coefficients along `axis`, lowest degree first)
_CONTRACTS = {
    "der": "(c, m=1, scl=1, axis=0): c's axis of length n becomes max(n − m, 1)",
    "int": "(c, m=1, k=[], lbnd=0, scl=1, axis=0): c's axis of length n becomes n + m; k (≤ m constants) may be traced",
    "mul": "(c1, c2): 1-D (n1,), (n2,) -> (n1 + n2 − 1,) (NumPy trims trailing zeros by value; this keeps them)",
    "add": "(c1, c2): 1-D -> the longer length (NumPy trims trailing zeros by value; this keeps them)",
    "sub": "(c1, c2): 1-D -> the longer length (NumPy trims trailing zeros by value; this keeps them)",
    "vander": "(x, deg): x's shape + (deg + 1,), column j the j-th basis series at x (x may be traced)",
    "div": "(c1, c2): 1-D (n1,), (n2,) -> (quotient (n1 − n2 + 1,), remainder (n2 − 1,)); c2's last coefficient "
    "nonzero (NumPy trims the remainder's trailing zeros by value; this keeps them)",
    "roots": "(c): 1-D (n,) -> (n − 1,) roots, sorted as NumPy's (complex for n >= 3: the rotated companion "
    "matrix's eigenvalues; real for n = 2); distinct roots (a repeated one is refused: not differentiable there)",
    "fromroots": "(roots): 1-D (n,) -> (n + 1,) coefficients of the series whose roots they are (roots may be traced)",
    "fit": "(x, y, deg, rcond=None, full=False, w=None): x (m,), y (m,) or (m, k) -> (deg + 1,) or (deg + 1, k); "
    "full=True also [residuals, rank, singular values, rcond]; deg an int or a list of degrees",
}


def _function_doc(sub, fn, what):
    prefix = _BASES[sub][0]
    fn.__name__ = fn.__qualname__ = prefix + what
    fn.__doc__ = (
        f"numpy.polynomial.{sub}.{prefix}{what}{_CONTRACTS[what]}, on traced values: NumPy's own function on "
        "constants; on traced coefficients a constant matrix (NumPy's function of the unit vectors) times them. "
        "See difflab.numpy.series; e.g. dnp.polynomial.chebyshev.chebder(c) is np.polynomial.chebyshev.chebder(c)."
    )
    return fn


class _Series:
    """A series of one of numpy.polynomial's bases (a subclass per basis: Polynomial, Chebyshev, ...), as
    NumPy's class of that name, on traced coefficients and at traced points: `coef` 1-D (n,), lowest degree
    first; `domain` and `window` constant pairs; p(x) maps x by off + scl·x (the domain onto the window) and
    has x's shape. `deriv`, `integ`, `+ - *` and `// % divmod` (with series of the same class, domain and window,
    or coefficient arrays; a traced value or array on the left too, as NumPy's), `**`, `/` by a number, `convert`,
    the classmethods `fit`, `fromroots` and `cast` give new series; `roots()` the roots, (n − 1,) complex.

    >>> import difflab as dl
    >>> p = polynomial.Polynomial([1.0, 2.0, 3.0])
    >>> p(_np.array([0.0, 1.0])).tolist(), p.deriv().coef.tolist()
    ([1.0, 6.0], [2.0, 6.0])
    >>> dl.grad(lambda c: polynomial.Chebyshev(c)(0.5))(_np.array([1.0, 1.0, 1.0])).tolist()
    [1.0, 0.5, -0.5]
    >>> polynomial.Polynomial([2.0, -3.0, 1.0]).roots().real.tolist()  # complex, sorted as NumPy's
    [1.0, 2.0]
    >>> q, r = divmod(polynomial.Polynomial([2.0, -3.0, 1.0]), polynomial.Polynomial([-1.0, 1.0]))
    >>> q.coef.tolist(), r.coef.tolist()
    ([-2.0, 1.0], [0.0])
    """

    _sub = "polynomial"
    maxpower = 100
    __array_ufunc__ = (
        None  # (a NumPy array's and a tracer's operators defer to the series' reflected ones, as for NumPy's)
    )

    def __array__(self, dtype=None, copy=None):
        raise _UnsupportedOperationError(
            f"a {type(self).__name__} series converted to an array (numpy.asarray(p), or a NumPy function given the "
            "series): a series is not an array; use p.coef (its coefficients) or p(x) (its values)"
        )

    def __init__(self, coef, domain=None, window=None, symbol="x"):
        nps = self._numpy_class()
        self.coef = _coefficients(coef)
        if ndim(self.coef) != 1:
            raise ValueError(f"numpy.polynomial: the coefficient array is not 1-d (shape {shape(self.coef)})")
        self.domain = nps.domain.copy() if domain is None else self._pair(domain, "domain")
        self.window = nps.window.copy() if window is None else self._pair(window, "window")
        if not isinstance(symbol, str) or not symbol.isidentifier():
            raise (ValueError if isinstance(symbol, str) else TypeError)("Symbol must be a Python identifier")
        self.symbol = symbol

    @classmethod
    def _numpy_class(cls):
        return getattr(_np.polynomial, _BASES[cls._sub][1])

    @staticmethod
    def _pair(value, what):
        value = _np.array(_constant(value, f"the {what}"), ndmin=1, dtype=float)
        if value.shape != (2,):
            raise ValueError(f"{what.capitalize()} has wrong number of elements.")
        return value

    def __repr__(self):
        coef = _value(self.coef).tolist() if not _traced(self.coef) else repr(self.coef)
        return f"{type(self).__name__}({coef}, domain={self.domain.tolist()}, window={self.window.tolist()}, symbol={self.symbol!r})"

    def _new(self, coef):
        return type(self)(coef, self.domain, self.window, self.symbol)

    def mapparms(self):
        """(off, scl): the map off + scl·x of the domain onto the window, as NumPy's."""
        return _np.polynomial.polyutils.mapparms(self.domain, self.window)

    def __call__(self, arg):
        off, scl = self.mapparms()
        x = asarray(arg) if isinstance(arg, (list, tuple)) else arg
        return _series_value(_BASES[self._sub][0] + "val")(off + scl * x, self.coef)

    def __len__(self):
        return shape(self.coef)[0]

    def degree(self):
        """The degree: len(coef) − 1."""
        return len(self) - 1

    def copy(self):
        return self._new(self.coef)

    def truncate(self, size):
        """The series of the first `size` coefficients."""
        if int(size) != size or size < 1:
            raise ValueError("size must be a positive integer")
        return self._new(self.coef[: int(size)])

    def cutdeg(self, deg):
        """The series of the coefficients up to degree `deg`."""
        return self.truncate(deg + 1)

    def linspace(self, n=100, domain=None):
        """(x, p(x)) at n points spread evenly over the domain (or `domain`)."""
        x = _np.linspace(*(self.domain if domain is None else self._pair(domain, "domain")), n)
        return x, self(x)

    def deriv(self, m=1):
        """The m-th derivative, a series of the same class, domain and window."""
        return self._new(_der(self._sub)(self.coef, m, self.mapparms()[1]))

    def integ(self, m=1, k=[], lbnd=None):  # noqa: B006  (NumPy's signature)
        """The m-th integral with integration constants k, 0 at lbnd (default: the window's 0), as NumPy's."""
        off, scl = self.mapparms()
        lbnd = 0 if lbnd is None else off + scl * _constant(lbnd, "the lower bound lbnd")
        return self._new(_int(self._sub)(self.coef, m, k, lbnd, 1.0 / scl))

    def _other(self, other):
        if isinstance(other, (_Series, _np.polynomial._polybase.ABCPolyBase)):
            if type(other).__name__ != type(self).__name__:
                raise TypeError("Polynomial types differ")
            if not (_np.all(self.domain == other.domain)):
                raise TypeError("Domains differ")
            if not (_np.all(self.window == other.window)):
                raise TypeError("Windows differ")
            if self.symbol != other.symbol:
                raise ValueError("Polynomial symbols differ")
            return other.coef
        return other

    def __add__(self, other):
        return self._new(_add(self._sub, 1)(self.coef, self._other(other)))

    def __radd__(self, other):
        return self._new(_add(self._sub, 1)(self._other(other), self.coef))

    def __sub__(self, other):
        return self._new(_add(self._sub, -1)(self.coef, self._other(other)))

    def __rsub__(self, other):
        return self._new(_add(self._sub, -1)(self._other(other), self.coef))

    def __mul__(self, other):
        return self._new(_mul(self._sub)(self.coef, self._other(other)))

    def __rmul__(self, other):
        return self._new(_mul(self._sub)(self._other(other), self.coef))

    def __divmod__(self, other):
        quo, rem = _div(self._sub)(self.coef, self._other(other))
        return self._new(quo), self._new(rem)

    def __rdivmod__(self, other):
        quo, rem = _div(self._sub)(self._other(other), self.coef)
        return self._new(quo), self._new(rem)

    def __floordiv__(self, other):
        return divmod(self, other)[0]

    def __rfloordiv__(self, other):
        return self.__rdivmod__(other)[0]

    def __mod__(self, other):
        return divmod(self, other)[1]

    def __rmod__(self, other):
        return self.__rdivmod__(other)[1]

    def roots(self):
        """The roots (n − 1,), as NumPy's: of the coefficients (`*roots`), mapped from the window to the domain."""
        off, scl = _np.polynomial.polyutils.mapparms(self.window, self.domain)
        return off + scl * _roots(self._sub)(self.coef)

    @classmethod
    def _mapping(cls, domain, window, data, refused, traced):
        """A classmethod's domain and window as NumPy's resolve them (domain None: the data's range, refused
        naming `refused` where the data are traced, as that range would move with them; []: the class's; window
        None: the class's), and the map's offset and scale."""
        if domain is None:
            if traced:
                raise _UnsupportedOperationError(refused)
            domain = _np.polynomial.polyutils.getdomain(data)
        elif isinstance(domain, list) and len(domain) == 0:
            domain = cls._numpy_class().domain
        window = cls._numpy_class().window if window is None else window
        domain, window = cls._pair(domain, "domain"), cls._pair(window, "window")
        return (domain, window) + tuple(_np.polynomial.polyutils.mapparms(domain, window))

    @classmethod
    def fromroots(cls, roots, domain=[], window=None, symbol="x"):  # noqa: B006  (NumPy's signature)
        """The series (x − r0)(x − r1)... with the given (possibly traced) roots, as NumPy's classmethod: the
        roots mapped from the domain (by default the class's) onto the window."""
        traced = _traced(roots) or isinstance(roots, (list, tuple)) and _traced(*roots)
        refused = (
            f"{cls.__name__}.fromroots of traced roots with domain=None (their range, which would move with them): "
        )
        domain, window, off, scl = cls._mapping(domain, window, roots, refused + "give the domain (constants)", traced)
        roots = _coefficients(roots, "roots")
        coef = _fromroots(cls._sub)(off + scl * roots) / scl ** shape(roots)[0]
        return cls(coef, domain, window, symbol)

    def convert(self, domain=None, kind=None, window=None):
        """The same function as a series of class `kind` (default: this one; NumPy's or difflab's class) on
        `domain` and `window` (default: kind's), as NumPy's: linear in the coefficients, NumPy's conversion of
        the unit series (a constant matrix) times them; the degree kept."""
        kind = type(self) if kind is None else kind
        target = getattr(polynomial, kind.__name__, None)
        if target is None or not isinstance(target, type) or not issubclass(target, _Series):
            raise TypeError(f"convert: kind must be a numpy.polynomial series class, not {kind!r}")
        nps = target._numpy_class()
        domain = nps.domain if domain is None else target._pair(domain, "domain")
        window = nps.window if window is None else target._pair(window, "window")
        n = len(self)
        matrix = _np.zeros((n, n))
        for j, unit in enumerate(_np.eye(n)):
            coef = self._numpy_class()(unit, self.domain, self.window).convert(domain, nps, window).coef
            matrix[: len(coef), j] = coef
        return target(matmul(matrix, self.coef), domain, window, self.symbol)

    @classmethod
    def cast(cls, series, domain=None, window=None):
        """`series` converted to this class (`convert` with kind=cls), as NumPy's classmethod."""
        return series.convert(domain, cls, window)

    def __neg__(self):
        return self._new(-self.coef)

    def __pos__(self):
        return self

    def __truediv__(self, other):
        if isinstance(other, bool) or not (isinstance(other, (int, float, complex)) or ndim(other) == 0):
            raise TypeError(f"unsupported types for true division: '{type(self)}', '{type(other)}'")
        return self._new(self.coef / other)

    def __pow__(self, power):
        if int(power) != power or power < 0:
            raise ValueError("Power must be a non-negative integer.")
        if power > self.maxpower:
            raise ValueError("Power is too large")
        result = _np.ones(1) if power == 0 else self.coef
        for _ in range(int(power) - 1):
            result = _mul(self._sub)(result, self.coef)
        return self._new(result)

    @classmethod
    def fit(cls, x, y, deg, domain=None, rcond=None, full=False, w=None, window=None, symbol="x"):
        """The least-squares fit of degree deg (or of the listed degrees) to (x, y), as NumPy's classmethod:
        x mapped from the domain (by default x's range) onto the window; y (and w, and x given a domain) may be
        traced. full=True also gives [residuals, rank, singular values, rcond]."""
        refused = f"{cls.__name__}.fit of a traced x needs its domain (domain=[lo, hi], constants): "
        domain, window, off, scl = cls._mapping(
            domain, window, x, refused + "NumPy's default, x's range, would move with x", _traced(x)
        )
        x = off + scl * (x if _traced(x) else _np.asarray(x, dtype=float))
        res = _fit(cls._sub)(x, y, deg, rcond=rcond, full=full, w=w)
        if full:
            return cls(res[0], domain, window, symbol), res[1]
        return cls(res, domain, window, symbol)

    def __getattr__(self, name):
        if not name.startswith("_") and hasattr(self._numpy_class(), name):
            raise _UnsupportedOperationError(
                f"{type(self).__name__}.{name} is not one of difflab's traced series methods (call, deriv, integ, "
                "+ - * / // % divmod **, roots, fromroots, convert, cast, fit, degree, truncate, cutdeg, linspace, "
                "mapparms, copy)"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _series_class(sub):
    name = _BASES[sub][1]
    doc = (
        f"numpy.polynomial.{name} on traced coefficients and at traced points (see `_Series`): "
        f"{name}(coef, domain=None, window=None, symbol='x'), coef 1-D lowest degree first."
    )
    return type(name, (_Series,), {"_sub": sub, "__doc__": doc, "__module__": __name__})


class _Namespace:
    """numpy.polynomial (`name` ""), or one of its submodules, holding the functions and classes that trace."""

    def __init__(self, name, **fns):
        self.__name__ = name
        vars(self).update(fns)

    def __repr__(self):
        return f"<difflab.numpy.polynomial{'.' if self.__name__ else ''}{self.__name__}>"


def _submodule(sub):
    prefix, cls = _BASES[sub]
    fns = {
        "val": _series_value(prefix + "val"),
        "der": _function_doc(sub, _der(sub), "der"),
        "int": _function_doc(sub, _int(sub), "int"),
        "mul": _function_doc(sub, _mul(sub), "mul"),
        "add": _function_doc(sub, _add(sub, 1), "add"),
        "sub": _function_doc(sub, _add(sub, -1), "sub"),
        "vander": _function_doc(sub, _vander(sub), "vander"),
        "fit": _function_doc(sub, _fit(sub), "fit"),
        "div": _function_doc(sub, _div(sub), "div"),
        "roots": _function_doc(sub, _roots(sub), "roots"),
        "fromroots": _function_doc(sub, _fromroots(sub), "fromroots"),
    }
    return _Namespace(sub, **{prefix + k: fn for k, fn in fns.items()}, **{cls: _series_class(sub)})


#: numpy.polynomial: dnp.polynomial.chebyshev.chebval(x, c) as np.polynomial.chebyshev.chebval, and the classes
#: dnp.polynomial.Chebyshev (also dnp.polynomial.chebyshev.Chebyshev) as np.polynomial's
_SUBMODULES = {sub: _submodule(sub) for sub in _BASES}
polynomial = _Namespace("", **_SUBMODULES, **{cls: getattr(_SUBMODULES[sub], cls) for sub, (_, cls) in _BASES.items()})
