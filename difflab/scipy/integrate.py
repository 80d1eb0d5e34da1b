"""`scipy.integrate.odeint`, `trapezoid`, `simpson` and `cumulative_trapezoid` on traced values (trapezoid is
NumPy's, difflab.numpy's composition). The two quadratures are linear
in y: their weights are SciPy's own, read by applying SciPy's rule to the unit vectors (constant sample points), so
the values are SciPy's and the derivative is exact. odeint: y(t) of dy/dt = func(y, t, *args), differentiable in
y0, t and args by reverse mode (the adjoint method) and forward mode (the sensitivity equations),
to any order, and by finite differences (numeric). Import it by name, `from difflab.scipy import
integrate`: it sits on the api layer (its rules differentiate the user's func with dl.vjp/dl.jvp).

How it works. The solution is one op, `odeint`, evaluated by SciPy's odeint (LSODA); its parameter
`dyn` is func with its arguments packed into one flat vector p. The op is not in `REGISTRY` (like a
user's custom rule: each func makes a different function; the registry-wide tests sample fixed
calls, and an ODE's solution has no SymPy form). Its VJP is the adjoint method as autograd does it
(after Froehlich et al. 2017, sec. 2.4.2): from the last time back to the first, the augmented
system [y, a, a_t, a_p] with a' = −aᵀ ∂f/∂y, a_t' = −aᵀ ∂f/∂t, a_p' = −aᵀ ∂f/∂p is integrated
backward between consecutive output times, each output's cotangent ḡ_i added to a as its time is
passed, and ḡ_i · f(y_i, t_i) giving t̄_i. Its JVP integrates the sensitivity equations [y, s] with
s' = ∂f/∂y s + ∂f/∂p dp forward from s(t0) = dy0 − f(y0, t0) dt0, plus f(y_i, t_i) dt_i at each
output. Both are this same op on an augmented right-hand side that differentiates func with difflab,
so the rules can be traced and differentiated again (each order doubles the system once more).
Each solve traces its right-hand side once and runs it lowered by the compiled tier at every step;
chunked forward mode's tangents are stacked into one system (the batching rule).

Accuracy: the derivatives are computed by integrating their own ODEs to the same tolerances as the
solution (SciPy's default rtol = atol = 1.49e-8): they agree with the true ones to about those.
Finite differences of the solution (numeric) see the integrator's step choices as noise: expect
about rtol / step (1e-3 at the defaults; tighten rtol and atol for more). Symbolic refuses (an ODE's
solution has no closed form).
"""

from __future__ import annotations

import numpy as np

from .. import numpy as dnp
from .. import tree
from ..api import jvp as _jvp
from ..api import vjp as _vjp
from ..errors import NotDifferentiableError
from ..compile import lower
from ..graph import Traced, evaluate_batched, numbers
from ..ops import Op
from ..ops.core import _loop_batch
from ..trace import trace

__all__ = ["odeint", "trapezoid", "simpson", "cumulative_trapezoid"]

#: SciPy's odeint options passed to the integrator as they are, for the solution and for the
#: augmented systems of its derivatives (tolerances, step limits, method orders)
OPTIONS = ("rtol", "atol", "tcrit", "h0", "hmax", "hmin", "mxstep", "mxhnil", "mxordn", "mxords")


def scipy_integrate():
    """`scipy.integrate`, or a one-line ImportError naming the extra that installs it."""
    try:
        import scipy.integrate
    except ImportError:
        raise ImportError(
            "this function needs SciPy, an optional dependency of difflab: pip install 'difflab[scipy]'"
        ) from None
    return scipy.integrate


def _shape(x) -> tuple:
    return tuple(x.shape) if isinstance(x, (np.ndarray, Traced)) else np.shape(x)


class _System:
    """A right-hand side (y, t, p) -> dy/dt of shape (n,) with p of shape (m,); its adjoint and
    sensitivity systems are made once (one object each: the same equation for the same values)."""

    n: int
    m: int

    @property
    def adjoint(self) -> "_Adjoint":
        if "_adjoint" not in self.__dict__:
            self._adjoint = _Adjoint(self)
        return self._adjoint

    @property
    def sensitivity(self) -> "_Sensitivity":
        if "_sensitivity" not in self.__dict__:
            self._sensitivity = _Sensitivity(self)
        return self._sensitivity

    def in_y_and_t(self, y, t):
        """The system of no parameters (m = 0) as a function of y and t alone (dl.vjp and dl.jvp
        refuse an empty argument)."""
        return self(y, t, np.zeros(0))

    def stacked(self, count: int) -> "_Stacked":
        stacks = self.__dict__.setdefault("_stacks", {})
        if count not in stacks:
            stacks[count] = _Stacked(self, count)
        return stacks[count]


class Dynamics(_System):
    """The user's func(y, t, *args) as (y, t, p) -> dy/dt of shape (n,): p is the leaves of `args`
    raveled and concatenated (m entries), unpacked here into args' structure."""

    def __init__(self, func, treedef, shapes, n, tfirst):
        self.func, self.treedef, self.shapes, self.n, self.tfirst = func, treedef, shapes, n, tfirst
        self.m = int(sum(int(np.prod(s, dtype=int)) for s in shapes))

    def args(self, p):
        leaves, lo = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape, dtype=int))
            leaves.append(dnp.reshape(p[lo : lo + size], shape))
            lo += size
        return self.treedef.unflatten(leaves)

    def __call__(self, y, t, p):
        args = self.args(p)
        out = self.func(t, y, *args) if self.tfirst else self.func(y, t, *args)
        if isinstance(out, (list, tuple)):  # SciPy accepts a list of rates ([y[1], -y[0]])
            out = dnp.array(out)
        if int(np.prod(_shape(out), dtype=int)) != self.n:
            raise ValueError(f"odeint: func returned shape {_shape(out)} for a state of shape ({self.n},)")
        return dnp.reshape(out, (self.n,))

    def __repr__(self):
        return getattr(self.func, "__name__", type(self.func).__name__)


class _Adjoint(_System):
    """The backward system of `dyn`: state [y, a, a_t, a_p] (n + n + 1 + m entries) with y' = f,
    a' = −aᵀ ∂f/∂y, a_t' = −aᵀ ∂f/∂t, a_p' = −aᵀ ∂f/∂p (one dl.vjp of f per evaluation)."""

    def __init__(self, dyn):
        self.dyn, self.n, self.m = dyn, 2 * dyn.n + 1 + dyn.m, dyn.m

    def __call__(self, state, t, p):
        n = self.dyn.n
        if self.dyn.m:
            dy, pullback = _vjp(self.dyn, state[:n], t, p)
            gy, gt, gp = pullback(-state[n : 2 * n])
        else:
            dy, pullback = _vjp(self.dyn.in_y_and_t, state[:n], t)
            (gy, gt), gp = pullback(-state[n : 2 * n]), np.zeros(0)
        return dnp.concatenate([dy, gy, dnp.reshape(gt, (1,)), gp])

    def __repr__(self):
        return f"adjoint({self.dyn!r})"


class _Sensitivity(_System):
    """The forward sensitivity system of `dyn`: state [y, s] (2n entries), parameters [p, dp] (2m),
    y' = f, s' = ∂f/∂y s + ∂f/∂p dp (one dl.jvp of f per evaluation)."""

    def __init__(self, dyn):
        self.dyn, self.n, self.m = dyn, 2 * dyn.n, 2 * dyn.m

    def __call__(self, state, t, q):
        n, m = self.dyn.n, self.dyn.m
        if m:
            dy, ds = _jvp(self.dyn, (state[:n], t, q[:m]), (state[n:], 0.0, q[m:]))
        else:
            dy, ds = _jvp(self.dyn.in_y_and_t, (state[:n], t), (state[n:], 0.0))
        return dnp.concatenate([dy, ds])

    def __repr__(self):
        return f"sensitivity({self.dyn!r})"


class _Stacked(_System):
    """`count` independent copies of `dyn` as one system (state count·n, parameters count·m; copy i
    reads rows i of both): a batch of solves integrated together, one SciPy call for chunked forward
    mode's tangents instead of one per direction."""

    def __init__(self, dyn, count):
        self.dyn, self.count, self.n, self.m = dyn, count, count * dyn.n, count * dyn.m
        self._row = None  # dyn's graph for one copy (traced once), or False: the copies run one by one

    def __call__(self, state, t, p):
        n, m, k = self.dyn.n, self.dyn.m, self.count
        graph = self._row_graph(state, t, p)
        if not graph:  # value-dependent control flow (or a closed-over tracer): copy by copy
            rows = [self.dyn(state[i * n : (i + 1) * n], t, p[i * m : (i + 1) * m]) for i in range(k)]
            return dnp.concatenate(rows)
        # all copies at once, each equation batched (k rows), not k copies of every equation
        ps, flags = (dnp.reshape(p, (k, m)), (True, False, True)) if m else (p, (True, False, False))
        out = evaluate_batched(graph, dnp.reshape(state, (k, n)), t, ps, batched=flags)[0]
        return dnp.reshape(out, (k * n,))

    def _row_graph(self, state, t, p):
        if self._row is None:
            n, m = self.dyn.n, self.dyn.m
            y0, t0, p0 = (np.asarray(x, dtype=float) for x in numbers([state, t, p]))
            graph = trace(self.dyn, y0[:n], t0, p0[:m])
            self._row = False if graph.specialised or graph.closes_over_tracers else graph
        return self._row

    def __repr__(self):
        return f"stacked({self.dyn!r}, {self.count})"


#: a batch of solves whose joint state is at most this long is integrated as one system (LSODA's
#: stiff steps form the Jacobian of the whole state, quadratic in its length)
STACK_LIMIT = 256


# -- the op --------------------------------------------------------------------------------------------


def _replayed(dyn, y0, s0, p):
    """dyn(·, ·, p) for SciPy's steps: traced once per system and shapes, p an input, and its graph
    lowered to straight-line NumPy (the compiled tier) for every step of every solve (the augmented
    systems' dl.vjp and dl.jvp are then staged once, not once per step, nor once per solve: chunked
    forward mode's looped batch solves the same system for each direction), or dyn itself where the
    graph holds only for the traced values (value-dependent control flow)."""
    key = (np.shape(y0), np.shape(p))
    kept = dyn.__dict__.setdefault("_replays", {})
    fn = kept.get(key)
    if fn is None:
        graph = trace(lambda y, s, q: dyn(y, s, q), y0, s0, p)
        if graph.specialised or graph.closes_over_tracers:
            return lambda y, s: dyn(y, s, p)
        fn = kept[key] = lower(graph, reuse=False, charged=False)
    return lambda y, s: fn(y, s, p)[0]


def _impl(y0, t, p, *, dyn, options):
    y0, t, p = (np.asarray(x, dtype=float) for x in (y0, t, p))
    step = _replayed(dyn, y0, float(t[0]), p)

    def rhs(y, s):
        out = step(y, s)
        if isinstance(out, Traced):
            raise TypeError(
                f"odeint: {dyn!r} uses a traced value it closes over; pass it in args=(...) so that odeint "
                "can differentiate with respect to it"
            )
        return out

    return scipy_integrate().odeint(rhs, y0, t, **dict(options))


def _batch(batched, y0, t, p, *, dyn, options):
    """The batching rule: solves sharing their times are one stacked system (`_Stacked`); others loop."""
    count = next(_shape(x)[0] for x, b in zip((y0, t, p), batched) if b)
    if batched[1] or count * dyn.n > STACK_LIMIT:
        return _loop_batch(ODEINT, batched, y0, t, p, dyn=dyn, options=options)
    ys = y0 if batched[0] else dnp.broadcast_to(y0, (count, dyn.n))
    ps = p if batched[2] else dnp.broadcast_to(p, (count, dyn.m))
    flat = dnp.reshape(ys, (count * dyn.n,)), dnp.reshape(ps, (count * dyn.m,))
    out = ODEINT(*flat[:1], t, *flat[1:], dyn=dyn.stacked(count), options=options)
    return dnp.transpose(dnp.reshape(out, (_shape(t)[0], count, dyn.n)), (1, 0, 2))


_LAST: list = [(), None]  # the last adjoint sweep: (its arguments, its result)


def _sweep(g, yt, t, p, dyn, options):
    """(ȳ0, t̄, p̄) by the adjoint method; the three VJP rules share one sweep (same argument objects)."""
    key = (g, yt, t, p, dyn, options)
    if len(_LAST[0]) == len(key) and all(a is b for a, b in zip(_LAST[0], key)):
        return _LAST[1]
    count, n = _shape(yt)
    a, at0, ap, t_bar = g[count - 1], 0.0, np.zeros(dyn.m), []
    for i in range(count - 1, 0, -1):
        here = dnp.sum(dyn(yt[i], t[i], p) * g[i])  # moving t_i moves y(t_i) by f(y_i, t_i) dt_i
        t_bar.append(here)
        at0 = at0 - here
        state = dnp.concatenate([yt[i], a, dnp.reshape(at0, (1,)), ap])
        end = ODEINT(state, dnp.stack([t[i], t[i - 1]]), p, dyn=dyn.adjoint, options=options)[1]
        a, at0, ap = end[n : 2 * n] + g[i - 1], end[2 * n], end[2 * n + 1 :]
    t_bar.append(at0)
    _LAST[:] = [key, (a, dnp.stack(t_bar[::-1]), ap)]
    return _LAST[1]


def _vjp_rule(k):
    def rule(ct, out, y0, t, p, *, dyn, options):
        return _sweep(ct, out, t, p, dyn, options)[k]

    return rule


def _sensitivities(y0, s0, t, p, dp, dyn, options):
    """s(t_i) of the sensitivity equations from s(t0) = s0 with parameter tangent dp: shape (T, n)."""
    state = dnp.concatenate([y0, s0])
    return ODEINT(state, t, dnp.concatenate([p, dp]), dyn=dyn.sensitivity, options=options)[:, dyn.n :]


def _jvp_y0(v, out, y0, t, p, *, dyn, options):
    return _sensitivities(y0, v, t, p, np.zeros(dyn.m), dyn, options)


def _jvp_t(v, out, y0, t, p, *, dyn, options):
    count = _shape(t)[0]
    s = _sensitivities(y0, -dyn(y0, t[0], p) * v[0], t, p, np.zeros(dyn.m), dyn, options)
    rates = dnp.stack([dyn(out[i], t[i], p) for i in range(count)])
    return s + rates * dnp.reshape(v, (count, 1))


def _jvp_p(v, out, y0, t, p, *, dyn, options):
    return _sensitivities(y0, np.zeros(dyn.n), t, p, v, dyn, options)


def _no_sympy(*args, **params):
    raise NotDifferentiableError(
        "the symbolic method cannot differentiate odeint: the solution of an ODE has no closed form; "
        "use 'reverse', 'forward' or 'numeric'"
    )


ODEINT = Op(
    "odeint",
    _impl,
    (_jvp_y0, _jvp_t, _jvp_p),
    (_vjp_rule(0), _vjp_rule(1), _vjp_rule(2)),
    sympy=_no_sympy,
    domain=("real", "real", "real"),
    analytic=False,  # SciPy integrates in real arithmetic: complex step cannot pass through it
    drops_nan=True,  # the integrator may stop early on a NaN
    nargs=3,
    batch=lambda batched, *args, **params: _batch(batched, *args, **params),
    doc="y(t) of dy/dt = dyn(y, t, p) from y(t0) = y0 by SciPy's odeint; VJP: adjoint method; JVP: sensitivities",
)

_DYNAMICS: dict = {}


def _dynamics(func, treedef, shapes, n, tfirst) -> Dynamics:
    """One Dynamics per func and argument structure (so that equal calls are one equation)."""
    key = (func, treedef, shapes, n, tfirst)
    if key not in _DYNAMICS:
        if len(_DYNAMICS) > 256:  # lambdas made afresh in a loop: forget the oldest
            _DYNAMICS.pop(next(iter(_DYNAMICS)))
        _DYNAMICS[key] = Dynamics(func, treedef, shapes, n, tfirst)
    return _DYNAMICS[key]


def _flat_args(args):
    """args' leaves raveled and concatenated into one vector p, with args' structure and shapes."""
    leaves, treedef = tree.flatten(args if isinstance(args, tuple) else (args,))
    shapes = tuple(_shape(x) for x in leaves)
    flat = [dnp.reshape(x, (-1,)) if isinstance(x, Traced) else np.ravel(np.asarray(x, dtype=float)) for x in leaves]
    p = np.zeros(0) if not flat else flat[0] if len(flat) == 1 else dnp.concatenate(flat)
    return p, treedef, shapes


def odeint(func, y0, t, args=(), *, tfirst=False, **options):
    """Integrate dy/dt = func(y, t, *args) from y(t[0]) = y0 and return y at every time in t, like
    `scipy.integrate.odeint` (and autograd's `odeint(func, y0, t, args=())`), differentiable in y0,
    t and args: reverse mode by the adjoint method, forward mode by the sensitivity equations, any
    order (each nests the augmented systems once more), numeric by finite differences; symbolic
    refuses. The derivatives are those of the exact solution to the integrator's tolerance (SciPy's
    rtol = atol = 1.49e-8 unless given; compare them with finite differences at that accuracy).

    func must take the differentiable values through `args` (a traced value it closes over is an
    error naming it) and compute with difflab.numpy or NumPy functions (it is traced). Options
    SciPy's odeint takes for the integrator (rtol, atol, tcrit, h0, hmax, hmin, mxstep, mxhnil,
    mxordn, mxords) pass through; Dfun, full_output and the banded-Jacobian ones are refused.

    Shape contract: y0 (n,) (a number: (1,)), t (T,) monotonic, args a tuple of arrays or pytrees
    -> (T, n).

    >>> import difflab as dl
    >>> y = odeint(lambda y, t, k: -k * y, np.array([1.0]), np.array([0.0, 1.0]), (2.0,))
    >>> round(float(y[1, 0]), 6), round(float(np.exp(-2.0)), 6)
    (0.135335, 0.135335)
    >>> g = dl.grad(lambda k: odeint(lambda y, t, k: -k * y, np.array([1.0]), np.array([0.0, 1.0]), (k,))[1, 0])(2.0)
    >>> round(g, 6), round(float(-np.exp(-2.0)), 6)
    (-0.135335, -0.135335)
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"difflab's odeint does not take {', '.join(unknown)}; options it passes to SciPy: {OPTIONS}")
    if not callable(func):
        raise TypeError(f"odeint: func must be callable, got {type(func).__name__}")
    if len(_shape(y0)) > 1:
        raise ValueError(f"odeint: y0 must be one-dimensional (n,), got shape {_shape(y0)}")
    y0 = dnp.reshape(y0, (1,)) if not _shape(y0) else y0
    t = t if isinstance(t, (Traced, np.ndarray)) else np.asarray(t, dtype=float)
    if len(_shape(t)) != 1:
        raise ValueError(f"odeint: t must be one-dimensional (T,), got shape {_shape(t)}")
    p, treedef, shapes = _flat_args(args)
    dyn = _dynamics(func, treedef, shapes, _shape(y0)[0], bool(tfirst))
    return ODEINT(y0, t, p, dyn=dyn, options=tuple(sorted(options.items())))


def _quadrature_weights(name, y, x, dx, axis, **kw):
    """(W, axis): SciPy's `name` applied to the rows of the identity — its weights, by linearity in y — for y's
    length along `axis`; x must be constant sample points (1-D, that length) or None."""
    if isinstance(x, Traced):
        raise TypeError(
            f"{name}: the sample points x are traced; difflab differentiates in y only (pass x as constants)"
        )
    shape = _shape(y)
    if not shape:
        raise ValueError(f"{name}: y must have at least one dimension, got a scalar")
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"{name}: axis {axis} is out of range for y of {len(shape)} dimensions")
    n = shape[axis]
    if x is not None and np.shape(x) != (n,):
        raise ValueError(f"{name}: x must be 1-D with y's length {n} along axis {axis}, got shape {np.shape(x)}")
    rule = getattr(scipy_integrate(), name)
    return rule(np.eye(n), x=None if x is None else np.asarray(x, dtype=float), dx=dx, axis=-1, **kw), axis % len(shape)


def simpson(y, *, x=None, dx=1.0, axis=-1):
    """The integral of y by Simpson's rule along `axis` (samples at x, or dx apart), like `scipy.integrate.simpson`
    (SciPy's weights, its correction of the last interval for an even count included). Differentiable in y, all four
    methods; x constant. Shape contract: y (..., n, ...) -> y's shape without `axis`.

    >>> float(simpson(np.array([0.0, 1.0, 4.0, 9.0, 16.0]), dx=1.0))
    21.333333333333332
    """
    w, axis = _quadrature_weights("simpson", y, x, dx, axis)
    return dnp.tensordot(dnp.moveaxis(y, axis, -1), w, axes=1)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of y by the trapezoidal rule along `axis`, like `scipy.integrate.trapezoid` (which is NumPy's
    `trapezoid`): `difflab.numpy.trapezoid`, differentiable in y and in the sample points x, all four methods.
    Shape contract: y (..., n, ...) -> y's shape without `axis`.

    >>> float(trapezoid(np.array([0.0, 1.0, 4.0]), x=np.array([0.0, 1.0, 3.0])))
    5.5
    """
    return dnp.trapezoid(y, x=x, dx=dx, axis=axis)


def cumulative_trapezoid(y, x=None, dx=1.0, axis=-1, initial=None):
    """The running integral of y by the trapezoidal rule along `axis`, like `scipy.integrate.cumulative_trapezoid`
    (initial=0 prepends the 0 SciPy prepends). Differentiable in y, all four methods; x constant. Shape contract:
    y (..., n, ...) -> (..., n − 1, ...), or (..., n, ...) with `initial`.

    >>> cumulative_trapezoid(np.array([0.0, 1.0, 2.0]), initial=0).tolist()
    [0.0, 0.5, 2.0]
    """
    w, axis = _quadrature_weights("cumulative_trapezoid", y, x, dx, axis, initial=initial)
    return dnp.moveaxis(dnp.moveaxis(y, axis, -1) @ w, -1, axis)
