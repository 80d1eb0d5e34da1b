"""`scipy.interpolate.CubicSpline` and `PPoly` on traced values: the data y (and the spline's coefficients) and
the evaluation points may be traced; the knots are constants.

A cubic spline is linear in its data: with the knots fixed, the banded system SciPy solves for the slopes has a
constant matrix, so the spline's coefficients are SciPy's own spline of each unit data vector (one constant tensor
(4, n − 1, n), computed once per spline by SciPy) contracted with the traced y, plus SciPy's spline of zero data
when a clamped/second-derivative boundary condition gives values. Any method differentiates a matrix product, to
any order. (The tensor is dense: n² numbers for n knots.) `bc_type='periodic'` reads y[0] and y[-1] half each, as
the periodic spline of data with y[0] = y[-1] (which SciPy checks, by value).

Evaluation is piecewise cubic in the point: the segment is chosen by the point's value (digitize, an equation of
the graph that is piecewise constant, as SciPy's interval search), and within it the point enters the segment's polynomial, so derivatives in the point are the
spline's derivative on that segment (the right one at a knot). Outside the knots: the end segments' polynomials
(extrapolate=True), NaN (False) or the periodic image ('periodic').

`antiderivative` and `integrate(a, b)` are linear in the coefficients (each interval's constant a cumulative sum of
the integrals before it) and take traced bounds; `solve(y)`/`roots()` are SciPy's roots of the values, moved by
the implicit function theorem (Newton steps on the traced coefficients), their count decided by the values.
"""

from __future__ import annotations

import math

import numpy as _np

from .. import numpy as _dnp
from ..errors import UnsupportedOperationError as _UnsupportedOperationError
from ..graph import Traced as _Traced


def _scipy_interpolate():
    import scipy.interpolate

    return scipy.interpolate


class PPoly:
    """A piecewise polynomial, as `scipy.interpolate.PPoly(c, x, extrapolate=True, axis=0)`: c (k, m, ...) the
    coefficients of each of the m intervals, highest power first, in powers of (t − x[i]); x (m + 1,) constant
    increasing breakpoints. p(t, nu=0) has t's shape followed by c's trailing axes (placed at `axis`, as SciPy's);
    `derivative(nu)` is the PPoly of the nu-th derivative. c may be traced, t may be traced.

    >>> p = PPoly(_np.array([[1.0, 2.0], [0.0, 1.0]]), _np.array([0.0, 1.0, 2.0]))
    >>> p(_np.array([0.5, 1.5])).tolist(), p.derivative()(0.5).tolist()
    ([0.5, 2.0], 1.0)
    """

    def __init__(self, c, x, extrapolate=None, axis=0):
        if isinstance(x, _Traced):
            raise _UnsupportedOperationError(
                "scipy.interpolate.PPoly: traced breakpoints x are not supported (each interval's polynomial is "
                "in powers of t − x[i]; difflab takes x as constants)"
            )
        self.x = _np.array(x, dtype=float)
        self.c = c if isinstance(c, _Traced) else _np.array(c, dtype=float)
        shape = _dnp.shape(self.c)
        if self.x.ndim != 1 or len(self.x) < 2 or len(shape) < 2 or shape[1] != len(self.x) - 1:
            raise ValueError(
                f"PPoly: x must be 1-D of length m + 1 >= 2 and c (k, m, ...): got {self.x.shape}, {shape}"
            )
        if not (_np.all(_np.diff(self.x) >= 0) or _np.all(_np.diff(self.x) <= 0)):
            raise ValueError("x must be strictly increasing or decreasing.")
        if not 0 <= axis < len(shape) - 1:
            raise ValueError(f"axis={axis} must be between 0 and {len(shape) - 2}")
        self.extrapolate = True if extrapolate is None else extrapolate
        self.axis = int(axis)

    def __call__(self, x, nu=0, extrapolate=None):
        extrapolate = self.extrapolate if extrapolate is None else extrapolate
        c = self._derivative_coefficients(int(nu))
        t = _dnp.asarray(x) if isinstance(x, (list, tuple)) else x
        t_shape, trail = _dnp.shape(t), _dnp.shape(c)[2:]
        t = _dnp.reshape(t, (-1,)) * 1.0
        lo, hi = min(self.x[0], self.x[-1]), max(self.x[0], self.x[-1])
        if extrapolate == "periodic":  # (the image in [x[0], x[-1]): a shift by whole periods, derivative 1)
            t = t - _dnp.floor((t - lo) / (hi - lo)) * (hi - lo)
        # the segment: SciPy's interval search, as equations (digitize: piecewise constant), so that a prepared
        # function picks afresh at new points; outside, the end segments
        increasing = self.x[-1] >= self.x[0]
        seg = _dnp.digitize(t, self.x[1:-1] if increasing else self.x[-2:0:-1])
        seg = seg if increasing else len(self.x) - 2 - seg
        dt = _dnp.reshape(t - _dnp.take(self.x, seg), (-1,) + (1,) * len(trail))
        coef = _dnp.take(c, seg, axis=1)  # (k, len(t), ...)
        out = coef[0] + dt * 0.0
        for j in range(1, _dnp.shape(c)[0]):
            out = out * dt + coef[j]
        if not extrapolate:
            outside = (t < lo) | (t > hi) | _dnp.isnan(t)
            out = _dnp.where(_dnp.reshape(outside, (-1,) + (1,) * len(trail)), _np.nan, out)
        out = _dnp.reshape(out, t_shape + trail)
        if self.axis:  # (SciPy's: t's axes placed at `axis` among the trailing ones)
            n = len(t_shape)
            order = list(range(n, n + self.axis)) + list(range(n)) + list(range(n + self.axis, n + len(trail)))
            out = _dnp.transpose(out, order)
        return out

    def _derivative_coefficients(self, nu):
        if nu < 0:
            raise ValueError("PPoly: the order of derivative nu must be non-negative (antiderivative() integrates)")
        k = _dnp.shape(self.c)[0]
        if nu == 0:
            return self.c
        if nu >= k:
            return self.c[:1] * 0.0
        # d^nu/dt^nu of c[j] (t − x_i)^(k−1−j): c[j] · (k−1−j)! / (k−1−j−nu)!, for j < k − nu
        factor = _np.array([math.perm(k - 1 - j, nu) for j in range(k - nu)], dtype=float)
        return self.c[: k - nu] * _np.reshape(factor, (-1,) + (1,) * (len(_dnp.shape(self.c)) - 1))

    def derivative(self, nu=1):
        """The PPoly of the nu-th derivative (same breakpoints and extrapolation; nu < 0: the antiderivative)."""
        if nu < 0:
            return self.antiderivative(-nu)
        return PPoly(self._derivative_coefficients(int(nu)), self.x, self.extrapolate, self.axis)

    def antiderivative(self, nu=1):
        """The PPoly (k + nu, m, ...) of the nu-th antiderivative, 0 at x[0] and continuous with its derivatives
        up to order nu − 1, as SciPy's (a 'periodic' one's is not periodic: it does not extrapolate, as SciPy's):
        linear in c, so c may be traced.

        >>> p = PPoly(_np.array([[1.0, 2.0], [0.0, 1.0]]), _np.array([0.0, 1.0, 2.0]))
        >>> p.antiderivative().c.tolist()
        [[0.5, 1.0], [0.0, 1.0], [0.0, 0.5]]
        """
        if nu < 0:
            return self.derivative(-nu)
        c = self.c
        for _ in range(int(nu)):
            c = _antiderivative_once(c, self.x)
        extrapolate = False if self.extrapolate == "periodic" else self.extrapolate
        return PPoly(c, self.x, extrapolate, self.axis)

    def integrate(self, a, b, extrapolate=None):
        """The definite integral over [a, b] (c's trailing shape), as SciPy's: a and b may be traced (the
        derivative in b is the integrand at b); outside the breakpoints the end polynomials (extrapolate=True),
        NaN (False) or whole periods plus the rest ('periodic').

        >>> import difflab as dl
        >>> x = _np.linspace(0.0, 2.0, 5)
        >>> round(float(CubicSpline(x, x**2).integrate(0.0, 1.5)), 12)
        1.125
        >>> round(float(dl.grad(lambda b: CubicSpline(x, x**2).integrate(0.0, b))(1.5)), 12)
        2.25
        """
        extrapolate = self.extrapolate if extrapolate is None else extrapolate
        indefinite = self.antiderivative()
        lo, hi = min(self.x[0], self.x[-1]), max(self.x[0], self.x[-1])
        if extrapolate == "periodic":  # whole periods' integrals plus the antiderivative at the image in [lo, hi]
            # (one period's integral from lo to hi, whichever way the breakpoints run: x[-1] − x[0] is −period on
            # decreasing ones; the image evaluated with extrapolate=True, as a rounded image may sit an ulp outside)
            total = indefinite(hi, extrapolate=True) - indefinite(lo, extrapolate=True)
            period = hi - lo

            def at(t):
                turns = _dnp.floor((t - lo) / period)
                return turns * total + indefinite(t - turns * period, extrapolate=True)

            return at(b) - at(a)
        out = indefinite(b, extrapolate=True) - indefinite(a, extrapolate=True)
        if not extrapolate:
            outside = (a < lo) | (a > hi) | (b < lo) | (b > hi)
            out = _dnp.where(outside, _np.nan, out)
        return out

    def solve(self, y=0.0, discontinuity=True, extrapolate=None):
        """The real t with p(t) = y, as SciPy's (its roots of the values, sorted; c with trailing axes: SciPy's object
        array of each column's roots, `_solve_columns`), each moved by the
        implicit function theorem, dt = −(dp(t) − dy)/p'(t): two Newton steps from SciPy's roots on the traced
        coefficients (exact first and second derivatives). The count of roots is decided by the values (the graph
        is specialised: prepare refuses it, saying why). A root where p'(t) = 0 (a repeated one, or an interval
        where p is identically y) or a sign change across a jump is refused: no derivative there.

        >>> x = _np.linspace(0.0, 2.0, 5)
        >>> CubicSpline(x, x**2 - 1.0).solve(0.0).round(12).tolist()
        [-1.0, 1.0]
        """
        if _dnp.ndim(self.c) != 2:
            return self._solve_columns(y, discontinuity, extrapolate)
        extrapolate = self.extrapolate if extrapolate is None else extrapolate
        c = _np.asarray(_dnp._value(self.c, "scipy.interpolate.PPoly.solve"), dtype=float)
        found = (
            _scipy_interpolate()
            .PPoly(c, self.x, extrapolate=extrapolate)
            .solve(float(_dnp._value(y, "scipy.interpolate.PPoly.solve")), discontinuity, extrapolate)
        )
        if not isinstance(self.c, _Traced) and not isinstance(y, _Traced):
            return found
        # judged on the polynomials SciPy solved: each root's own interval's, the end ones' outside the breakpoints
        # (SciPy's roots with extrapolate='periodic' are the end polynomials' too, not the periodic image's)
        numbers = _scipy_interpolate().PPoly(c, self.x, extrapolate=True)
        slope = numbers(found, 1)
        residual = _np.abs(numbers(found) - float(_dnp._value(y, "scipy.interpolate.PPoly.solve")))
        # (a double root comes back from SciPy as two, √eps apart, each with a slope of about √eps times the
        # coefficients' size: refused below 1e-6 of that size, as series roots closer than 1e-6 are)
        scale = _np.abs(c).max()
        bad = ~(_np.abs(slope) > 1e-6 * scale) | (residual > 1e-8 * (1.0 + scale))
        if _np.any(bad):
            raise ValueError(
                f"PPoly.solve of traced values: the root(s) {found[bad].tolist()} are not differentiable (a repeated "
                "root, p'(t) = 0; an interval where p is identically y; or a sign change across a jump)"
            )
        # Newton from the values, each root on its own interval's polynomial (known from the values, as the count
        # is: no interval search on a traced point): the k-th step's derivatives are exact to order 2^k − 1
        seg = (
            _np.digitize(found, self.x[1:-1])
            if self.x[-1] >= self.x[0]
            else len(self.x) - 2 - _np.digitize(found, self.x[-2:0:-1])
        )
        slope_c = self._derivative_coefficients(1)
        t = found
        for _ in range(2):
            t = t - (_piece(self.c, self.x, seg, t) - y) / _piece(slope_c, self.x, seg, t)
        return t

    def _solve_columns(self, y, discontinuity, extrapolate):
        """`solve` of c with trailing axes (k, m, ...), as SciPy's: an object array of c's trailing shape holding
        each column's roots (its own 2-D spline's, solved as one; a traced y is shared by all, as SciPy's float).

        >>> x = _np.linspace(0.0, 2.0, 5)
        >>> found = CubicSpline(x, _np.stack([x**2 - 1.0, x - 0.5], axis=1)).solve(0.0)
        >>> found.shape, found[0].round(12).tolist(), found[1].round(12).tolist()
        ((2,), [-1.0, 1.0], [0.5])
        """
        trailing = _dnp.shape(self.c)[2:]
        columns = _dnp.reshape(self.c, _dnp.shape(self.c)[:2] + (-1,))
        out = _np.empty(int(_np.prod(trailing)), dtype=object)
        for j in range(len(out)):  # (each one assigned alone: NumPy would take a list of arrays as one array)
            out[j] = PPoly(columns[:, :, j], self.x, self.extrapolate).solve(y, discontinuity, extrapolate)
        return out.reshape(trailing)

    def roots(self, discontinuity=True, extrapolate=None):
        """`solve(0)`: the real roots, as SciPy's."""
        return self.solve(0.0, discontinuity, extrapolate)

    def __getattr__(self, name):
        # SciPy's PPoly methods difflab does not trace: named, where Python's AttributeError said only that the
        # object has no such attribute (an AttributeError still, so hasattr and getattr's default keep working)
        if name in _NOT_TRACED:
            raise _NotTraced(
                f"scipy.interpolate.{type(self).__name__}.{name} is not supported by difflab (its PPoly and "
                "CubicSpline trace the call p(t, nu), derivative, antiderivative, integrate, solve, roots, .c and .x)"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _piece(c, x, seg, t):
    """Σ_j c[j, seg] (t − x[seg])^(k−1−j): each t on its constant interval seg's polynomial (1-D c's), Horner's."""
    coef, dt = c[:, seg], t - x[seg]
    out = coef[0] + dt * 0.0
    for j in range(1, _dnp.shape(c)[0]):
        out = out * dt + coef[j]
    return out


def _antiderivative_once(c, x):
    """SciPy's antiderivative's coefficients (k + 1, m, ...) of c (k, m, ...): c[j] (of (t − x_i)^(k−1−j)) over
    k − j, and each interval's constant the integral up to its breakpoint (a cumulative sum over the intervals:
    0 at x[0], continuous)."""
    k, m = _dnp.shape(c)[:2]
    rest = (1,) * (_dnp.ndim(c) - 2)
    top = c / _np.reshape(_np.arange(k, 0, -1.0), (k, 1) + rest)
    powers = _np.diff(x)[None, :] ** _np.arange(k, 0, -1.0)[:, None]  # (k, m): h_i^(k−j)
    ends = _dnp.sum(top * _np.reshape(powers, (k, m) + rest), axis=0)  # each interval's integral
    constants = _dnp.concatenate([ends[:1] * 0.0, _dnp.cumsum(ends, axis=0)[: m - 1]], axis=0)
    return _dnp.concatenate([top, _dnp.reshape(constants, (1,) + _dnp.shape(constants))], axis=0)


_NOT_TRACED = frozenset(("extend", "construct_fast", "from_spline", "from_bernstein_basis"))


class _NotTraced(_UnsupportedOperationError, AttributeError):
    """A SciPy PPoly method difflab does not trace (an AttributeError too: hasattr says False)."""


def _zeroed(bc_type, n):
    """bc_type with each end's value set to 0 for n data columns (the linear part of the spline in y)."""
    if isinstance(bc_type, str):
        return bc_type
    return tuple(end if isinstance(end, str) else (end[0], _np.zeros(n)) for end in bc_type)


def _has_values(bc_type):
    return not isinstance(bc_type, str) and any(
        not isinstance(end, str) and _np.any(_np.asarray(end[1]) != 0) for end in bc_type
    )


class CubicSpline(PPoly):
    """`scipy.interpolate.CubicSpline(x, y, axis=0, bc_type='not-a-knot', extrapolate=None)` with traced y and at
    traced points: x (n,) constant increasing knots, y (..., n, ...) with n along `axis`; s(t, nu=0) has t's shape
    followed by y's other axes (SciPy's order); `c` (4, n − 1, ...) SciPy's coefficients (linear in y), traced when
    y is; `derivative(nu)` a PPoly. bc_type 'not-a-knot', 'natural', 'clamped', 'periodic' or SciPy's pairs.

    >>> import difflab as dl
    >>> x = _np.linspace(0.0, 2.0, 5)
    >>> round(float(CubicSpline(x, x**3)(1.3)), 12)
    2.197
    >>> round(float(dl.grad(lambda t: CubicSpline(x, x**3)(t))(1.3)), 12)
    5.07
    """

    def __init__(self, x, y, axis=0, bc_type="not-a-knot", extrapolate=None):
        if isinstance(x, _Traced):
            raise _UnsupportedOperationError(
                "scipy.interpolate.CubicSpline: traced knots x are not supported (the spline is linear in y, "
                "with a matrix that depends on x: difflab takes x as constants)"
            )
        si = _scipy_interpolate()
        y_traced = isinstance(y, _Traced) or isinstance(y, (list, tuple)) and _dnp._contains_traced(y)
        y = _dnp.asarray(y) if isinstance(y, (list, tuple)) and y_traced else y
        # SciPy's own spline: its checks (knots, shapes, bc_type) and, when y is constant, its coefficients; of
        # zeros for a traced y (reading its values would specialise the graph to them), except that periodic data
        # is checked by value, as SciPy checks it (such a graph cannot be prepared)
        periodic = isinstance(bc_type, str) and bc_type == "periodic"
        data = _dnp._value(y) if not y_traced or periodic else _np.zeros(_dnp.shape(y))
        spline = si.CubicSpline(x, _np.asarray(data), axis, bc_type, extrapolate)
        c = spline.c
        if y_traced:
            c = self._coefficients(si, spline.x, y, int(axis) % _dnp.ndim(y), bc_type)
        super().__init__(c, spline.x, spline.extrapolate, spline.axis)

    @staticmethod
    def _coefficients(si, x, y, axis, bc_type):
        """SciPy's coefficients (4, n − 1, ...) for traced y: the spline of each unit vector, times y."""
        n = len(x)
        moved = _dnp.moveaxis(y, axis, 0)
        rest = _dnp.shape(moved)[1:]
        flat = _dnp.reshape(moved, (n, -1))
        if (
            isinstance(bc_type, str) and bc_type == "periodic"
        ):  # (the data with y[0] = y[-1]: the spline of e_0 + e_{n-1}, read half from each)
            tensor = si.CubicSpline(x, _np.eye(n)[:, 1:-1], 0, "periodic").c
            ends = si.CubicSpline(x, _np.eye(n)[:, [0]] + _np.eye(n)[:, [-1]], 0, "periodic").c / 2
            tensor = _np.concatenate([ends, tensor, ends], axis=2)
        else:
            tensor = si.CubicSpline(x, _np.eye(n), 0, _zeroed(bc_type, n)).c
        c = _dnp.reshape(_dnp.matmul(_np.reshape(tensor, (-1, n)), flat), (4, n - 1) + rest)
        if _has_values(bc_type):  # (the boundary values' part: SciPy's spline of zero data)
            c = c + si.CubicSpline(x, _np.zeros((n,) + rest), 0, bc_type).c
        return c


#: SciPy's interpolate names here
__all__ = ["CubicSpline", "PPoly"]
