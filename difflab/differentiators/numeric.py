"""The numeric method: derivatives from function values alone (finite-difference stencils).

How it works. A stencil samples f along a direction v at offsets o_j·h and combines the values
with weights w_j: J v ≈ Σ_j w_j f(x + o_j h v) / h. The weights make the formula exact for
polynomials of as high a degree as the points allow; they come from one generic routine (the
Vandermonde system, solved in closed form through the Lagrange basis), never from a table.
Central difference of x² at 3 with step h:

    ((3+h)² - (3-h)²) / 2h = 12h / 2h = 6        exact up to round-off (x² has no 3rd derivative)

For a general f the truncation error is O(h²) while the round-off error, eps·|f|/h, grows as h
shrinks; their sum is smallest near h ~ eps^(1/3) ≈ 6e-6 (times max(1, |x|)). A stencil of order
p is best near eps^(1/(p+1)). "richardson" extrapolates central differences at h, h/2, h/4, ...
to h → 0 in a Neville table and keeps, per element, the entry that its neighbours agree with best
(Ridders' method; ~1e-13 relative on smooth functions for 12 evaluations per component).
"complex" takes Im f(x + ih)/h: no subtraction, so no cancellation, h = 1e-20, accurate to machine
precision, but only through complex-analytic ops (checked on the graph when prepared).
A full Jacobian costs one stencil per input component; the value f(x) is computed once. The
Hessian has its own stencil and step (eps^(1/4)): differences of differences at the first
derivative's step would be mostly noise. Cost unit: `prepared.evals`, evaluations of f.
"""
from __future__ import annotations

import math

import numpy as np

from .. import numpy as dnp
from ..errors import NotDifferentiableError
from ..graph import Var
from . import base
from .base import flat, split

__all__ = ["Numeric", "numeric_jacobian", "numeric_gradient", "stencil_weights"]

EPS = np.finfo(float).eps
RATIO, RICHARDSON_STEP = 2.0, 0.1  # Richardson: steps h/2^j from 0.1·max(1, |x|) (bench/numeric.py)
FIXED_ORDER = {"central4": 4, "central6": 6}
SCHEMES = ("forward", "backward", "central", "central4", "central6", "richardson", "complex")


def stencil_weights(offsets, d: int = 1) -> np.ndarray:
    """Weights w (one per offset) with f^(d)(x) ≈ Σ w_j f(x + o_j h) / h^d, exact for polynomials
    of degree < len(offsets): the d-th derivative at 0 of each Lagrange basis polynomial.

    >>> stencil_weights([-1, 0, 1]).tolist(), stencil_weights([-1, 0, 1], d=2).tolist()
    ([-0.5, 0.0, 0.5], [1.0, -2.0, 1.0])
    """
    o = np.asarray(offsets, dtype=float)
    rest = [np.delete(o, j) for j in range(len(o))]
    return np.array([math.factorial(d) * np.poly(r)[::-1][d] / np.prod(o[j] - r) for j, r in enumerate(rest)])


def _step(x, v, base_step, relative, exact=True):
    """The step along v: base_step·max(1, |x_i| over v's support)/max|v| if relative, made exactly
    representable along v's largest component ((x + h) - x == h)."""
    x = np.asarray(getattr(x, "concrete", x))  # a traced x (nested use) takes the step of its value
    i, vmax = np.argmax(np.abs(v)), np.max(np.abs(v), initial=0.0)
    if vmax == 0:
        return base_step
    h = base_step * (max(1.0, np.max(np.abs(x[v != 0]))) if relative else 1.0) / vmax
    if not exact:
        return h
    representable = ((x[i] + h * v[i]) - x[i]) / v[i]
    if representable == 0:
        raise ValueError(f"step {h:.3g} vanishes at x = {x[i]:.17g}: it is below the spacing of floats "
                         f"there ({np.spacing(x[i]):.3g}); choose a larger step (or step=None for the "
                         "error model's default)")
    return representable


def _stencil(fun, x, v, h, o, w, ref):
    """Re Σ_j w_j (f(x + o_j h v) - ref) / h; ref = f(x) for real stencils (whose weights sum to 0)
    makes equal values cancel exactly, and f(x) itself (o_j = 0) is never re-evaluated."""
    total = sum(c * (fun(x + (oc * h) * v) - ref) for oc, c in zip(o, w) if oc != 0)
    return (total.real if total.dtype.kind == "c" else total) / h  # a Tracer has a dtype too


def _richardson(fun, x, v, f0, base_step, relative, terms):
    """Central differences at h, h/RATIO, h/RATIO², ... extrapolated to h -> 0 in a Neville table (Ridders):
    per output element, the entry whose change from its neighbours (its error estimate) is least."""
    table, cands, errs = [], [], []
    for j in range(terms):
        hj = _step(x, v, base_step / RATIO ** j, relative)
        row = [_stencil(fun, x, v, hj, (1.0, -1.0), (0.5, -0.5), f0)]
        for k in range(1, j + 1):
            row.append(row[k - 1] + (row[k - 1] - table[j - 1][k - 1]) / (RATIO ** (2 * k) - 1))
            cands.append(row[k])
            errs.append(np.maximum(np.abs(row[k] - row[k - 1]), np.abs(row[k] - table[j - 1][k - 1])))
        table.append(row)
    best = np.argmin(errs, axis=0)[None]
    return np.take_along_axis(np.array(cands), best, 0)[0], np.take_along_axis(np.array(errs), best, 0)[0]


def _products(fun, x, V, f0, method, want_err=False):
    """J v by method's scheme for each row v of V (k, n): (JV (k, m), error estimate (k, m) or None).

    `fun` maps a flat (n,) vector to a flat (m,) vector and f0 = fun(x) is reused, never recomputed.
    The error estimate is a truncation part (the estimate at 2h against the one at h, or the
    Richardson table's) plus a round-off part eps·Σ|w_j|·|f(x)|/h.
    """
    o, w, p, base_step, relative, real = method._plan
    ref = f0 if real else 0.0
    rows, errs = [], []
    for v in np.asarray(V, dtype=float):
        h = _step(x, v, base_step, relative, exact=real)
        if method.scheme == "richardson":  # its table's error estimate (round-off at the largest step added)
            d, trunc = _richardson(fun, x, v, f0, base_step, relative, method.richardson_terms)
        else:
            d = _stencil(fun, x, v, h, o, w, ref)
            if want_err:  # the estimate at 2h against the one at h (its error is 2^p times larger)
                trunc = np.abs(d - _stencil(fun, x, v, 2 * h, o, w, ref)) / (2.0 ** p - 1)
        rows.append(d)
        if want_err:
            errs.append(trunc + EPS * (np.abs(d) + (sum(map(abs, w)) * np.abs(f0) / abs(h) if real else 0.0)))
    return (dnp.stack(rows) if rows else np.zeros((0, np.size(f0)))), (np.array(errs) if want_err else None)


def _check_analytic(graph, wrt):
    """Refuse a non-analytic op lying on a differentiable path from the `wrt` inputs to an output."""
    def links(e):  # (argument, does the op pass its derivative on)
        return [(a, e.op.differentiable and e.op.jvp_rule(i) is not None) for i, a in enumerate(e.args)
                if isinstance(a, Var)]
    active, live = {graph.inputs[i] for i in wrt}, {o for o in graph.outputs if isinstance(o, Var)}
    for e in graph.eqns:
        if any(a in active and ok for a, ok in links(e)):
            active.add(e.out)
    for e in reversed(graph.eqns):
        if e.out in live:
            live.update(a for a, ok in links(e) if ok)
        if not e.op.analytic and e.out in live and any(a in active for a, _ in links(e)):
            raise NotDifferentiableError(f"complex step cannot differentiate through {e.op.name} at "
                                         f"`{str(e).split(' :')[0]}`: not complex-analytic; use another scheme")


class Numeric(base.Differentiator):
    """Finite differences; native product: the JVP, one stencil per direction.

    Settings: `scheme` (one of SCHEMES), `step` (absolute; default from the error model, per
    component), `order` (accuracy order of forward/backward/central stencils), `richardson_terms`
    (central differences extrapolated), `error_estimate` (store one in `prepared.error`, shaped
    like the last JV product (k, m)). `Prepared.jacobian_with_error(args)` -> (outs, J, E), J and
    E of shape (m, n). `Prepared.hessian(args)` -> (outs, H (n, n)) for a scalar output.

    >>> import difflab as dl
    >>> round(dl.grad(lambda x: x ** 3.0, method=Numeric(scheme="richardson"))(2.0), 12)
    12.0
    """

    name = "numeric"
    native = "jvp"
    hessian_pair = None

    def __init__(self, scheme="central", step=None, order=None, richardson_terms=6, error_estimate=False):
        if scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {scheme!r}; choose one of {', '.join(map(repr, SCHEMES))}")
        if step is not None and (isinstance(step, bool) or not isinstance(step, (int, float, np.floating))
                                 or not (math.isfinite(step) and step > 0)):
            raise ValueError(f"step must be a finite number > 0 or None (from the error model), got {step!r}")
        if order is not None and (isinstance(order, bool) or not isinstance(order, int) or order < 1 or {
                "forward": False, "backward": False, "central": order % 2}.get(scheme, order != FIXED_ORDER.get(scheme))):
            raise ValueError(f"order {order!r} does not fit scheme {scheme!r}; choose a positive int for "
                             "'forward'/'backward', an even one for 'central', or None")
        if not isinstance(richardson_terms, int) or richardson_terms < 2:
            raise ValueError(f"richardson_terms must be an int >= 2, got {richardson_terms!r}")
        self.scheme, self.step, self.order = scheme, step, order
        self.richardson_terms, self.error_estimate = richardson_terms, bool(error_estimate)
        self._plan = self._make_plan()

    def _make_plan(self):
        """(offsets, weights, accuracy order, base step, step relative to |x|?, real stencil?)."""
        if self.scheme == "complex":
            return (1j,), (-1j,), 2, self.step or 1e-20, False, False
        if self.scheme == "richardson":
            return (1.0, -1.0), (0.5, -0.5), 2, self.step or RICHARDSON_STEP, self.step is None, True
        p = self.order or FIXED_ORDER.get(self.scheme, 2 if self.scheme == "central" else 1)
        o = {"forward": np.arange(p + 1.0), "backward": -np.arange(p + 1.0)}.get(
            self.scheme, np.arange(-(p // 2), p // 2 + 1.0))
        w = stencil_weights(o)
        keep = w != 0
        return tuple(map(float, o[keep])), tuple(map(float, w[keep])), p, self.step or EPS ** (1 / (p + 1)), self.step is None, True

    class Prepared(base.Prepared):
        def __init__(self, method, graph, wrt):
            super().__init__(method, graph, wrt)
            self.error = None
            if method.scheme == "complex":
                _check_analytic(graph, wrt)
                self.real = False

        def _fun(self, args):
            return lambda x: flat(self.value(self.with_x(args, split(x, self.in_shapes))))

        def _run(self, args, V, want_err):
            outs = list(self.value(args))
            x = flat([args[i] for i in self.wrt])
            jv, err = _products(self._fun(args), x, V, flat(outs), self.method, want_err)
            return outs, jv, err

        def _jvp(self, args, V):
            outs, jv, err = self._run(args, V, self.method.error_estimate)
            self.error = err if err is not None else self.error
            return outs, jv

        def jacobian_with_error(self, args):
            """(outs, J, E): J (m, n) and an elementwise error estimate E of the same shape."""
            outs, jv, err = self._run(args, np.eye(self.n), True)
            return outs, np.transpose(jv), err.T

        def hessian(self, args):
            """(outs, H) for a scalar output, H (n, n): a second-order central stencil per entry,
            step eps^(1/4)·max(1, |x_i|) (or `step`); 1 + n + n² evaluations."""
            outs, x, fun = list(self.value(args)), flat([args[i] for i in self.wrt]), self._fun(args)
            f0 = flat(outs)[0]
            f = lambda z: fun(z)[0] - f0  # differences from f(x): equal values cancel exactly
            e = np.eye(self.n)
            h = np.array([_step(x, v, self.method.step or EPS ** 0.25, self.method.step is None) for v in e])
            hv = h[:, None] * e
            fp, fm = [f(x + d) for d in hv], [f(x - d) for d in hv]
            w = stencil_weights([-1, 0, 1], d=2)  # w[1] multiplies f(x) - f(x) = 0
            H = np.diag([(w[0] * a + w[2] * b) / hi ** 2 for a, b, hi in zip(fm, fp, h)])
            for i in range(self.n):
                for j in range(i):
                    s = f(x + hv[i] + hv[j]) + f(x - hv[i] - hv[j]) - fp[i] - fm[i] - fp[j] - fm[j]
                    H[i, j] = H[j, i] = s / (2 * h[i] * h[j])
            return outs, H


def numeric_jacobian(fun, x, *, scheme="central", step=None, error_estimate=False, **settings):
    """Jacobian of any Python callable `fun` at `x` by finite differences (nothing is traced).

    Shape contract: x is a float array (any shape, usually (n,)); fun(x) an array of any shape;
    J has shape fun(x).shape + x.shape. With error_estimate=True returns (J, E), E like J.

    >>> numeric_jacobian(lambda x: x ** 2, [1.0, 2.0], scheme="richardson").round(10)
    array([[2., 0.],
           [0., 4.]])
    """
    method = Numeric(scheme=scheme, step=step, **settings)
    x = np.array(x, dtype=float)
    f0 = np.asarray(fun(x.copy()))
    jv, err = _products(lambda z: np.ravel(fun(z.reshape(x.shape))), x.ravel(), np.eye(x.size), f0.ravel(),
                        method, error_estimate)
    J = np.transpose(jv).reshape(f0.shape + x.shape)
    return (J, err.T.reshape(J.shape)) if error_estimate else J


def numeric_gradient(fun, x, **settings):
    """Gradient (shape of x) of a scalar-valued callable; see `numeric_jacobian` for the settings.

    >>> numeric_gradient(lambda x: (x ** 2).sum(), [1.0, -3.0]).round(6)
    array([ 2., -6.])
    """
    out = numeric_jacobian(fun, x, **settings)
    J = out[0] if settings.get("error_estimate") else out
    if J.ndim != np.ndim(x):
        raise TypeError(f"numeric_gradient needs a scalar-valued function; got output shape "
                        f"{J.shape[:J.ndim - np.ndim(x)]}; use numeric_jacobian")
    return out
