"""The numeric method: derivatives from function values alone, by finite-difference stencils (weights, steps,
error model: `stencils.py`). f(x) once, every shifted point in ONE batched run of the graph (a Jacobian of one
output: f(x) as its row 0; traced values: point by point). Cost: `prepared.cost.evals` (B batched points count B)."""

from __future__ import annotations

import cmath
import math

import numpy as np

from .. import numpy as dnp
from ..errors import warn_numeric_ignores
from ..ops.core import ignored_rules
from . import base
from .base import _traced, check_size, flag, flat, split
from .offsets import dropping_offsets
from .program import say_unlifted
from .pieces import _number, no_value, no_value_guard, numbers_guard
from .scales import chunked, constant_terms, evaluated_graphs, on_numbers, roundoff_facts
from .stencils import (
    EPS,
    RATIO,
    RICHARDSON_STEP,
    SCHEMES,
    _check_analytic,
    check_points,
    _hessian_stencil,
    _products,
    check_settings,
    nesting,
    numeric_gradient,
    numeric_jacobian,
    plan,
    stencil_weights,
    step_exponent,
)

__all__ = [
    "Numeric",
    "numeric_jacobian",
    "numeric_gradient",
    "stencil_weights",
    "nesting",
    "EPS",
    "SCHEMES",
    "RATIO",
    "RICHARDSON_STEP",
]

BATCH_ELEMENTS = 2**20  # ~8 MB per intermediate of a batched run (large n, Richardson: 28n points)


class Numeric(base.Differentiator):
    """Finite differences; native product: the JVP, one stencil per direction.

    Settings: `scheme` (one of SCHEMES), `step` (absolute; default from the error model, per component),
    `order` (accuracy order of forward/backward/central stencils), `richardson_terms` (central differences
    extrapolated), `error_estimate` (store one in `prepared.error`, shaped like the last JV product (k, m)).
    `Prepared.jacobian_with_error(args)` -> (outs, J, E), J and E (m, n); `Prepared.hessian(args)` -> (outs, H).

    >>> import difflab as dl
    >>> round(dl.grad(lambda x: x ** 3.0, method=Numeric(scheme="richardson"))(2.0), 12)
    12.0
    """

    name, native, hessian_pair = "numeric", "jvp", None
    traceable_hessian = False  # its second-order stencil fills an array in place
    traceable_tangent = False  # a stencil's step along v needs v's numbers
    nests, scales_seeds = True, False  # its levels counted while tracing; its stencils scale no seed exactly
    complex_leaves = True  # given as (Re, Im) pairs (api/complexes.py); a complex output's differences stay whole

    def __init__(self, scheme="central", step=None, order=None, richardson_terms=14, error_estimate=False):
        order, richardson_terms = check_settings(scheme, step, order, richardson_terms)
        self.scheme, self.step, self.order = scheme, step, order
        self.richardson_terms, self.error_estimate = richardson_terms, flag("Numeric", "error_estimate", error_estimate)
        self._plan = plan(scheme, step, order, richardson_terms)

    @dropping_offsets  # f = g(x) + C differenced as g, round-off judged (offsets.py)
    class Prepared(base.Prepared):
        levels = 1  # numeric levels of the composition this one is part of (set by `nesting`)
        inner_error = (0.0, 0.0)  # the error estimate the numeric levels inside f reported (set by `nesting`)

        def __init__(self, method, graph, wrt):
            super().__init__(method, graph, wrt)
            self.error, self._batchable = None, not graph.closes_over_tracers  # an outer trace's: not batchable
            width = max((math.prod(a.shape) for a in (*graph.inputs, *(e.out for e in graph.eqns))), default=0)
            self._chunk = max(1, BATCH_ELEMENTS // max(1, width))  # points per run: largest value ~BATCH_ELEMENTS
            if method.scheme == "complex":
                _check_analytic(graph, wrt)
                self.real = False
            self._width = width + sum(math.prod(e.out.shape) for e in graph.eqns)  # elements one evaluation computes
            self._derived = int(any(e.op is not e.origin.op for e in graph.eqns))  # f is a derivative: rules' eqns
            self.ignored = ignored_rules(graph)  # (each checked: a rule's tangents of the wrong shape are named)
            warn_numeric_ignores(self.ignored)  # (and again at every call that uses it: api.operators)
            # piecewise equations held on their piece at x (pieces.py): `_probe` gives f(x) and the held values,
            # `_held` is f with them as extra (unbatched) inputs, so no stencil spans a kink or jump; both also
            # give the arguments of ops with a length scale (scales.py), so that no stencil spans a pole or period
            graphs, self._nheld, self._watch = evaluated_graphs(graph, wrt, kinks=self.real)
            self._probe, self._held = [base.Prepared(method, g, wrt, 2, self) for g in graphs] if graphs else [None] * 2
            if graphs:
                self._probe.real = self._held.real = self.real
            one = self._batchable and self.real and not self._nheld and len(graph.outputs) == 1  # f(x): row 0 of runs
            self._fold = (step_exponent(method),) if one else None  # (`_run`; q of its watch's centre, `chunked`)
            self._flags = tuple(i in wrt for i in range(len(graph.inputs)))  # a batched run's: the wrt inputs batched
            self._constant = None if self._derived else constant_terms(graph, wrt)  # (`scales.say_roundoff`)

        def _at(self, args, order=1):
            """(f(x)'s outputs, the held piecewise-constant values, the watched arguments at x or None: `Watch.centre`)."""
            if self._probe is None:
                return list(self.value(args)), [], None
            res = self._probe.value(args)  # its evaluations are charged to this object's cost too
            k, h = len(self.graph.outputs), len(self.graph.outputs) + self._nheld
            q = step_exponent(self.method, self.levels, order)  # its default step: eps^(1/q)
            return list(res[:k]), list(res[k:h]), (self._watch.centre(res[h:], q) if self._watch else None)

        def _shifted(self, args, held, batched=None):
            """f at shifted `args` with the piecewise-constant values held (see __init__)."""
            if self._held is None:
                return self.value(args, batched)
            batched = None if batched is None else tuple(batched) + (False,) * len(held)
            return self._held.value(list(args) + list(held), batched)

        def _fun(self, args, held=(), centre=None, fold=None, traced=None):
            """(x, D) -> f at x + each row of D, (len(D), m): one batched run of the graph (in chunks of `_chunk`
            points), or one evaluation per point when values are traced (nested use: a list of rows). `held`: the
            piecewise-constant values at x. With watched ops (`fun.watch`, scales.py): (F, the watched values there)."""
            k, traced = len(self.graph.outputs), (_traced(args) if traced is None else traced) or not self._batchable

            def run(x, D):  # (f at the points (len(D), m), the watched values there, each with a leading axis)
                if traced:
                    fun.points = res = [self._shifted(self.with_x(args, split(x + d, self.in_shapes)), held) for d in D]
                    return [flat(r[:k]) for r in res], [[_number(r[p]) for r in res] for p in range(k, len(res[0]))]
                X = x + D
                outs = self._shifted(self.with_x(args, split(X, self.in_shapes, batch=X.shape[:1])), held, self._flags)
                ys = [y.reshape(len(X), -1) if type(y) is np.ndarray else np.reshape(y, (len(X), -1)) for y in outs[:k]]
                return (ys[0] if len(ys) == 1 else np.concatenate(ys, axis=1)), outs[k:]

            fun = chunked(run, None if traced else self._chunk, self._watch, centre, fold, not traced and self.m == 1)
            fun.constant, fun.terms = roundoff_facts(self, args)  # (nested: its error estimate's business)
            if traced and self._watch:  # the stencil's decisions on numbers, so only its final points are recorded
                fun.numbers = on_numbers(self._held, args, held, k, self._watch, centre)
            return fun

        def _run(self, args, V, want_err):
            """(outs, J v for each row v of V (k, n), error estimate or None); V None: the identity (Jᵀ)."""
            k, traced = (self.n if V is None else len(V)), _traced(args)
            points = k * len(self.method._plan[0]) * len(self.method._plan[4]) * (2 if want_err else 1)
            check_points(points, self._width)  # one run of f per stencil point and direction
            fold = (order := self.levels + self._derived) == 1 and V is None and not traced and self._fold
            outs, held, centre = (None, [], None) if fold else self._at(args)  # fold: f(x) is row 0 of the run
            if no_value(self.graph, args, self.wrt, order, self.levels):  # of numeric: order ≥ 2
                return outs, (nan := np.full((k, self.m), np.nan)), (nan if want_err else None)
            fun, x = self._fun(args, held, centre, fold, traced), flat([args[i] for i in self.wrt])
            d, err = _products(fun, x, V, outs and flat(outs), self.method, want_err, self.levels, self.inner_error)
            d = no_value_guard(self, args, d, fun, V, order) if traced else numbers_guard(self, args, d, fun, V, outs)
            self.error = err if err is not None else self.error
            at_x = fold and all(map(cmath.isfinite, fun.f0.tolist()))  # (else f(x) alone, for its warnings)
            return ([fun.f0.reshape(self.out_shapes[0])[()]] if at_x else self._at(args)[0] if fold else outs), d, err

        def _jvp(self, args, V):
            return self._run(args, V, self.method.error_estimate)[:2]

        def jacobian(self, args):
            """(outs, J (m, n)): one stencil per component, all in one batched run (no tangent blocks)."""
            check_size("Jacobian", self.m, self.n)
            check_size("block of tangent directions", self.n, self.n)  # the stencils' directions: the identity
            if not self.n:  # nothing to differentiate (a gradient with respect to [] or ())
                return self.value(args), np.zeros((self.m, 0))
            outs, jv, _ = self._run(args, None, self.method.error_estimate)  # not _jvp: one charging layer less
            return outs, say_unlifted(self, args, np.transpose(jv) if isinstance(jv, np.ndarray) else dnp.transpose(jv))

        def grad_leaves(self, args, values=None, finite=None):  # one charged layer, not three (with grad, jacobian)
            outs, J = type(self).jacobian.__wrapped__(self, args)  # (1, n), uncharged: this call charges
            return outs, split(J[0], self.in_shapes)  # (J[0]: the gradient, a view (n,); split copies nothing either)

        def jacobian_with_error(self, args):
            """(outs, J, E): J (m, n) and an elementwise error estimate E of the same shape."""
            outs, jv, err = self._run(args, None, True)
            return outs, np.transpose(jv), err.T

        def hessian(self, args):
            """(outs, H (n, n)) of a scalar f: `stencils._hessian_stencil`, 1 + n + n² evaluations (+ n + n²: `error`)."""
            check_points(self.n * (self.n + 1), self._width)  # 2n + n(n - 1) points (a 1e4 input: 3.6 TiB)
            (outs, held, centre), x = self._at(args, order=2), flat([args[i] for i in self.wrt])
            if no_value(self.graph, args, self.wrt, 2, 1 + self.levels):
                return outs, np.full((self.n, self.n), np.nan)
            fun = self._fun(args, held, centre)
            H, self.error = _hessian_stencil(fun, x, flat(outs)[0], self.method, self.error)
            guarded = _traced(args) or not self._batchable  # (say_unlifted passes traced H through)
            return outs, say_unlifted(self, args, no_value_guard(self, args, H, fun) if guarded else H, True)
