"""The Python-float path of the reverse sweep: scalar graphs (micrograd-style code) swept on floats.

An elementwise equation whose values are all Python floats applies its registry partials directly,
ū·∂ (and, for partials marked strong, 0 where ū or ∂ is 0, as strong_mul does) — what its generic
VJP rule computes through Op.bind, without building NumPy scalars or binding ops. The sweep runs for
every scalar output (an MLP's loss too): an elementwise equation over float64 arrays takes the same
partials with NumPy (`_array_step`) while every factor is finite. Every other equation (not
elementwise, another kind of value, a partial that raises or is not finite) goes through the
interpreter's own step, passed in as `pull`: the same numbers either way (tests/test_float_paths.py
compares them bit for bit).
"""

from __future__ import annotations

import gc as _gc
import itertools
import math
import operator

import numpy as np

from ..graph import Const, Var, charge, picked
from ..graph import active as active_values
from ..ops.core import _DOT_MAX, _finite_array, float_scaled, quotient_or_none, surely_finite, unbroadcast
from ..trace import gc_paused

__all__ = ["ONE", "backward_floats", "float_seeds", "is_zero", "lower_floats", "nonzero_at"]


def backward_floats(graph, env: dict, wrt: tuple, cts: dict, pull, known: dict | None = None) -> list:
    """`reverse.backward` on floats: cotangents `cts` of outputs → cotangents of inputs `wrt`.
    `pull(eqn, ct, env, active, cts)` is the interpreter's generic step for an equation this path
    does not take. Binary equations whose partials are constants or arguments (add, sub, mul: most of
    micrograd-style code, `Op.float_binary`) are written out here: no call, no list or tuple built;
    other equations on floats apply the registry's `Op.float_rules` (`_binary`, `_other`). No pass
    computes the active values first: every value a differentiable equation reaches gets its
    cotangent (the inputs held fixed too, unread), which changes no input's in `wrt`: an inactive
    value's cotangent only flows into inactive ones. `known` ({Var: whether its value is finite}, filled
    here) tells the caller which values the sweep found finite (the API's input check skips them)."""
    steps = _Generic(graph, env, wrt, cts, pull, {} if known is None else known)
    pop, get, own = cts.pop, cts.get, steps.own
    # the sweep allocates while the whole tape is alive: the collector off (trace.gc_paused written out: a fresh
    # gradient sweeps with it off already, and the context's object and two frames were a fixed cost per call)
    on = _gc.isenabled()
    if on:
        _gc.disable()
    try:
        for eqn in reversed(graph.eqns):
            # (its output alone first: unpacking an Eqn, a tuple subclass, takes CPython's generic iterator path, and
            # most equations of a relu net at one example are not reached)
            ct = pop(eqn[0], None)
            if ct is None:
                continue  # (not reached: nor in `own`, which holds the arrays of `cts` the sweep made)
            out, op, args, params, _source = eqn
            if type(ct) is not float:
                w = own.pop(out, None) if own else None  # (ct the sweep's own array: reverse.py `_pull`)
                if op.differentiable:  # (a piecewise-constant op passes no cotangent on)
                    _array_equation(eqn, ct, env, cts, steps, w)
                continue
            # (float_binary first: an op that has one is differentiable, so add, sub and mul read one attribute)
            form = op.float_binary
            if ct == 0.0 or form is None and not op.differentiable:
                continue  # a zero cotangent contributes zero (as in the interpreter)
            y = env[out]
            if form is not None and not params and type(y) is float:
                a, b = args
                x0 = env[a] if type(a) is Var else a.value
                x1 = env[b] if type(b) is Var else b.value
                if type(x0) is float and type(x1) is float:
                    # each partial a constant (add's 1.0) or an argument's index (mul's ∂/∂a = b); strong:
                    # 0 where the partial is 0, an infinite ū too. Written out for both arguments, not a
                    # helper called twice: a call per argument per equation is what this loop avoids
                    h0, s0, h1, s1 = form
                    if type(a) is Var:  # (a constant gets no cotangent)
                        d = h0 if type(h0) is float else x1 if h0 else x0
                        c = 0.0 if s0 and d == 0.0 else ct * d
                        prev = get(a)
                        cts[a] = c if prev is None else prev + c
                    if type(b) is Var:
                        d = h1 if type(h1) is float else x1 if h1 else x0
                        c = 0.0 if s1 and d == 0.0 else ct * d
                        prev = get(b)
                        cts[b] = c if prev is None else prev + c
                    continue
            if len(args) == 2 and op.float_rules and not params and type(y) is float:
                _binary(eqn, env, ct, y, cts, steps)
            else:
                _other(eqn, op.float_rules, env, ct, y, cts, steps)
    finally:
        if on:
            _gc.enable()
    return _gradient(graph, wrt, cts, env)


def _binary(eqn, env, ct, y, cts, steps):
    """The float sweep's step for a binary equation on floats whose partials are not all constants or
    arguments (div, pow): ū·∂ by the registry partials where they give floats, else the generic step."""
    a, b = eqn.args
    x0 = env[a] if type(a) is Var else a.value
    x1 = env[b] if type(b) is Var else b.value
    if type(x0) is float and type(x1) is float:
        (h0, s0), (h1, s1) = eqn.op.float_rules  # how: a constant, an argument's index or the partial
        try:  # (a constant gets no cotangent; no call but a partial that is a function)
            d0 = None if h0 is None or type(a) is not Var else _partial(h0, y, x0, x1)
            d1 = None if h1 is None or type(b) is not Var else _partial(h1, y, x0, x1)
        except ArithmeticError:  # the generic rules decide (and name the equation)
            d0 = d1 = _UNSET
        if (d0 is None or type(d0) is float) and (d1 is None or type(d1) is float):
            for arg, d, strong, how in ((a, d0, s0, h0), (b, d1, s1, h1)):
                if d is not None:  # strong: 0 where the partial is 0, an infinite ū too
                    c = _term(how, strong, ct, d, y, x0, x1, eqn=eqn)
                    prev = cts.get(arg)
                    cts[arg] = c if prev is None else prev + c
            return
    steps(eqn, ct)


def _term(how, strong, ct: float, d: float, y, *xs, eqn=None) -> float:
    """ū·∂ on floats as the rules compute it: 0 for a strong partial that is 0 (an infinite ū too), except where a
    quotient partial's 0 is an underflow its form (n·ū)/den has in range or says lost (pow's -0.5·x^-1.5 at
    x = 4.9e299, whose term the interpreter's array rule said and this sweep made 0 silently)."""
    if strong and d == 0.0 and (getattr(how, "quotient", None) is None or not math.isfinite(ct)):
        return 0.0
    return float_scaled(how, ct, d, y, *xs, eqn=eqn)


def _partial(how, y, x0, x1):
    """A binary partial's value by its `Op.float_rules` form: a constant, an argument's index or the function."""
    return how if type(how) is float else (x1 if how else x0) if type(how) is int else how(y, x0, x1)


def _gradient(graph, wrt, cts, env) -> list:
    """The cotangents of the inputs `wrt`; zeros where the sweep never reached one."""
    # (C loops over the inputs, no Python step per input: a scalar net has one per weight)
    vs = picked(graph.inputs, wrt)
    if len(cts) < len(vs):  # (what the sweep leaves in `cts` is the inputs it reached: surely not all of these)
        # every one a Python float (a relu net's weights, most unreached at one example): 0.0 where unreached, by two
        # passes, where asking the unreached ones' types took five (callgrind: ~70k instructions at 37 weights)
        if _FLOAT_TYPE.issuperset(map(type, map(env.get, vs))):
            return list(map(cts.get, vs, itertools.repeat(0.0)))
    grads = list(map(cts.get, vs))
    unreached = list(map(operator.is_, grads, itertools.repeat(None)))  # (`None in grads` would compare arrays)
    if any(unreached):
        # Python floats (a relu net's unreached weights): 0.0; only the unreached ones' types asked
        if set(map(type, map(env.get, itertools.compress(vs, unreached)))) == _FLOAT_TYPE:
            return list(map(cts.get, vs, itertools.repeat(0.0)))  # (no cotangent is None: 0.0 where unreached)
        get = env.get  # (`_zero` written out)
        grads = [g if g is not None else 0.0 if type(get(v)) is float else _zero(v, env) for g, v in zip(grads, vs)]
    return grads


def _other(eqn, rules, env, ct, y, cts, steps):
    """The float sweep's step for an equation that is not binary (unary: relu, tanh, ...), or not
    on floats: ū·∂ by the registry partials where they give floats, else the generic step."""
    args = eqn.args
    if len(args) == 1 and rules and not eqn.params and type(y) is float:  # unary: no list built
        a = args[0]
        x = env[a] if type(a) is Var else a.value
        ((how, strong),) = rules
        if type(x) is float:
            if how is None or type(a) is not Var:
                return  # a zero derivative, or a constant: no cotangent
            try:
                d = how if type(how) is float else x if type(how) is int else how(y, x)
            except ArithmeticError:
                d = None
            if type(d) is float:  # (`_term` written out where ∂ is no quotient: relu's, tanh's; two frames less)
                plain = getattr(how, "quotient", None) is None
                c = (0.0 if strong and d == 0.0 else ct * d) if plain else _term(how, strong, ct, d, y, x, eqn=eqn)
                prev = cts.get(a)
                cts[a] = c if prev is None else prev + c
                return
    found = None
    if rules and not eqn.params and (type(y) is float or type(y) is np.float64):
        found = _apply(rules, args, env, ct, y, eqn)
    if found is None:
        if not (eqn.op.array_vjp and _isfinite(ct) and _concrete_step(eqn, ct, env, cts, steps)):
            steps(eqn, ct)
        return
    for a, c in found:
        prev = cts.get(a)
        cts[a] = c if prev is None else prev + c


def _zero(v, env):
    """The cotangent of an input the sweep never reached: 0.0 for a Python float (what the API
    returns for it anyway), else zeros of its shape."""
    return 0.0 if type(env.get(v)) is float else np.zeros(v.shape)


class _Generic:
    """The interpreter's step for the equations the float path leaves to it, on the active values
    (computed the first time one is needed: the generic rules apply only where the interpreter's do),
    and what the sweep knows finite: values (`known`: one check each, most covered by a value they
    reach through strict arguments, see `cover`) and cotangents (`fine`: a checked ū·∂, by identity)."""

    def __init__(self, graph, env, wrt, cts, pull, known: dict):
        self.graph, self.env, self.wrt, self.cts, self.pull = graph, env, wrt, cts, pull
        self.active: set | None = None
        self.known = known  # Var -> whether its value is finite (values never change during a sweep)
        self.fine: dict = {}  # Var -> its cotangent in `cts`, when that array is known finite
        self.covered = False
        #: the cotangents the sweep made and alone holds (reverse.py `_pull` writes them in place) -> a flat index
        #: where each is known nonzero, or -1; a sum replacing one here (prev + c) is a new array, the sweep's too
        self.own: dict = {}

    def finite(self, a, v) -> bool:
        """Whether the value v of argument a (a Var or a Const) is a finite float64 value, checked
        once per Var (a matmul's operand is read by two rules, a weight by every call's sweep); the
        first array asked about runs `cover`, which settles most of them by a few checks."""
        var = type(a) is Var
        ok = self.known.get(a) if var else None
        if ok is None:
            if type(v) is np.ndarray:
                if var and not self.covered:
                    self.cover()
                    ok = self.known.get(a)
                    if ok is not None:
                        return ok
                ok = v.dtype is _F64 and _finite_array(v)  # (surely_finite's array case, one frame less)
            else:
                ok = (type(v) is float or type(v) is np.float64) and _isfinite(v)
            if var:
                self.known[a] = ok
        return ok

    def cover(self) -> None:
        """`known` for what a few checks cover, in one pass back over the tape: a strict argument
        (`Op.strict`) of a finite non-empty output is finite (a NaN or ±inf entry in it would leave one
        there), and the scalar outputs (the loss, a float: no array pass) are checked. An output not
        covered is checked (one BLAS pass for its arguments' checks) where an argument it covers is a
        differentiated input, which the API checks anyway, or the op's `array_vjp` step reads it
        (x @ W + b's output covers b, x @ W, x and W). An output's cover is final when its equation is
        reached: every value that reads it comes later in the tape."""
        self.covered = True
        known, env, inputs = self.known, self.env, set(map(self.graph.inputs.__getitem__, self.wrt))
        for o in self.graph.outputs:
            v = env.get(o) if type(o) is Var else None
            if (type(v) is float or type(v) is np.float64) and _isfinite(v):
                known[o] = True
        for eqn in reversed(self.graph.eqns):
            out, op, args = eqn.out, eqn.op, eqn.args
            strict = op.strict
            if not strict or out.dtype is not _F64 or 0 in out.shape:
                continue
            ok = known.get(out)
            if ok is None:
                v = env[out]
                if type(v) is not np.ndarray or v.size > _DOT_MAX:  # (one BLAS call, not a pass over much)
                    continue
                if op.array_vjp and all(strict):
                    ok = known[out] = _finite_array(v)
                else:
                    for a in args:  # (a differentiated input among them: a loop, not a comprehension's frame)
                        if type(a) is Var and a in inputs:
                            ok = known[out] = _finite_array(v)
                            break
            if ok:
                for a, s in zip(args, strict):
                    if s and type(a) is Var and a.dtype is _F64:
                        known[a] = True

    def live(self) -> set:
        """The active values (graph.active), computed once."""
        if self.active is None:
            self.active = active_values(self.graph, list(map(self.graph.inputs.__getitem__, self.wrt)))
        return self.active

    def __call__(self, eqn, ct, w=None):
        active = self.active if self.active is not None else self.live()
        if eqn.out in active:
            self.pull(eqn, ct, self.env, active, self.cts, self.own, w)


def _array_equation(eqn, ct, env, cts, steps, w=None):
    """The float sweep's step for a cotangent that is not a Python float: the array step where it
    applies (a zero ū gives zero contributions there: every factor is finite), else nothing for a
    zero ū (as the interpreter: not even through NaN values), the op's `array_vjp` where ū (by the
    same Σū² as the zero test) and the arguments are finite, or the generic step. A ū known finite
    (`fine`: a checked ū·∂) needs no test: with finite arguments a zero ū's contributions are zeros.
    `w` not None: ū is the sweep's own (`_Generic.own`), tested for zero in O(1) (`nonzero_at`) where the
    generic step is the only one."""
    op = eqn.op
    if w is not None and type(ct) is np.ndarray and ct.ndim and not op.float_partials and not op.array_vjp:
        w = nonzero_at(ct, w)
        if w >= 0:
            steps(eqn, ct, w)
        return
    if op.float_partials and _array_step(eqn, ct, env, cts, steps):
        return
    if steps.fine.get(eqn.out) is ct and op.array_vjp and _concrete_step(eqn, ct, env, cts, steps):
        return
    small = type(ct) is np.ndarray and ct.dtype is _F64 and ct.size <= _DOT_MAX
    norm = _vdot(ct, ct) if small else 0.0
    if norm > 0.0:  # (is_zero's first test, written out: some entry is nonzero)
        if norm < math.inf and op.array_vjp and _concrete_step(eqn, ct, env, cts, steps):
            return
        steps(eqn, ct)
    elif not is_zero(ct):
        if small or not (op.array_vjp and surely_finite(ct) and _concrete_step(eqn, ct, env, cts, steps)):
            steps(eqn, ct)


def _concrete_step(eqn, ct, env, cts, steps) -> bool:
    """The contributions of an equation by its op's `array_vjp` (ū finite, known by the caller),
    added into `cts`; False, with nothing added, when an argument is not a finite float64 value or
    the plain form declines or raises (the generic rules then decide, and name the equation)."""
    out, op, args, params, _source = eqn
    live = steps.active if steps.active is not None else steps.live()
    if out not in live:
        return True  # (the generic step would pass nothing on either)
    vals = []
    for a in args:
        v = env[a] if type(a) is Var else a.value
        if not steps.finite(a, v):
            return False
        vals.append(v)
    kw = dict(params) if params else _NO_PARAMS
    found = []
    try:
        for a, rule, generic in zip(args, op.array_vjp, op.vjp):
            if generic is None or type(a) is not Var or a not in live:
                continue
            c = None if rule is None else rule(ct, env[out], *vals, **kw)
            if c is None:
                return False
            found.append((a, c))
    except FloatingPointError:
        return False
    _add_arrays(found, cts)
    return True


def _array_step(eqn, ct, env, cts, steps) -> bool:
    """ū·∂ of an elementwise equation over float64 arrays by its registry partials, added into
    `cts`: what the generic VJP rules (ops.core `_scaled`, `_strong_scaled`) compute when every
    factor is finite, without binding ops or the interpreter's per-rule bookkeeping. False, with
    nothing added, when the generic step must decide: another kind of equation or value, a partial
    that raises, a strong partial with singular points, or a non-finite factor or product (where
    the strong-zero convention and the DomainWarnings apply)."""
    out, op, args, params, _source = eqn
    partials = op.float_partials
    if not partials or params or type(ct) is not np.ndarray or ct.dtype is not _F64:
        return False
    live = steps.active if steps.active is not None else steps.live()
    if out not in live:
        return True  # (the generic step would pass nothing on either)
    y, vals = env[out], []
    for a in args:  # (a loop, not a comprehension: no call per equation)
        v = env[a] if type(a) is Var else a.value
        if not (type(v) is np.ndarray and v.dtype is _F64 or type(v) is float or type(v) is np.float64):
            return False
        vals.append(v)
    found, checked = [], []  # checked: the contributions known finite (see `_Generic.fine`)
    for a, (partial, strong), (how, _) in zip(args, partials, op.float_rules):
        if partial is None or type(a) is not Var or a not in live:
            continue
        if type(how) is float:  # a constant partial (add's 1, sub's -1): ct · c needs no check
            if how == 0.0 or not math.isfinite(how):
                return False
            if how == 1.0:
                c = ct
                if steps.fine.get(out) is ct:
                    checked.append((a, c))
            else:
                c = ct * how
        else:
            if strong and getattr(partial, "singular", None) is not None:
                return False
            try:
                # a quotient partial's (n·ū)/den, as the interpreter's rule computes it (log, sqrt, arctan)
                c = None if type(how) is int else quotient_or_none(how, ct, y, *vals)
                if c is None:
                    d = vals[how] if type(how) is int else how(y, *vals)
                    c = ct * d  # (0·∞ raises under the sweep's error state)
            except ArithmeticError:
                return False
            # ū·∂ stands when it is finite: every factor is finite then (∞·x is ∞ or NaN), so a
            # strong partial's strong_mul(ū, ∂) is this plain product too; surely_finite's common
            # case written out: one BLAS dot, no call
            small = type(c) is np.ndarray and c.dtype is _F64 and c.size <= _DOT_MAX
            if not (_isfinite(_vdot(c, c)) if small else surely_finite(c)):
                return False
            checked.append((a, c))
        found.append((a, c))
    _add_arrays(found, cts)
    for a, c in checked:  # (an argument's first contribution, unchanged: its ū is this finite array)
        if cts.get(a) is c:
            steps.fine[a] = c
    return True


def _add_arrays(found, cts):
    """Each (argument, ū·∂) of `_array_step` summed back to the argument's shape and added into `cts`."""
    for a, c in found:
        shape = c.shape if type(c) is np.ndarray else np.shape(c)  # (a concrete rule may give a number)
        if shape != a.shape:
            try:
                extra = len(shape) - len(a.shape)
                if extra > 0 and shape[extra:] == a.shape:  # leading axes only: unbroadcast's one sum
                    c = _add_reduce(c, axis=tuple(range(extra)))
                else:
                    c = unbroadcast(c, a.shape)
            except FloatingPointError:  # (as the interpreter: inf - inf of an overflowed sum)
                with np.errstate(invalid="ignore"):
                    c = unbroadcast(c, a.shape)
        prev = cts.get(a)
        if prev is None:
            cts[a] = c
        else:
            try:
                cts[a] = prev + c
            except FloatingPointError:  # inf - inf: NaN, reported where the infinities arose
                with np.errstate(all="ignore"):
                    cts[a] = prev + c


_NO_PARAMS: dict = {}
_add_reduce = np.add.reduce
_UNSET = object()  # a partial that raised: not a float, so the equation goes to the generic rules
_vdot = getattr(np.vdot, "_implementation", np.vdot)  # (NumPy's C function, without the dispatch)
_isfinite = math.isfinite


def float_seeds(outputs, env: dict, u, cts: dict):
    """The seeds `cts` as Python floats when every output is a scalar float (of a graph of Python
    floats, maybe) and `u` is computed, not traced; else None (the float path does not apply)."""
    if not isinstance(u, np.ndarray):
        return None
    if len(outputs) == 1:  # a loss (no list, no comprehension: a fresh gradient seeds one every call)
        o = outputs[0]  # (cts None: ū = 1.0, the caller made no seeds: reverse's grad_leaves)
        return {o: 1.0 if cts is None else float(cts[o])} if type(o) is Var and type(env.get(o)) in _SCALARS else None
    if all([type(o) is Var and type(env.get(o)) in _SCALARS for o in outputs]):
        return {o: float(s) for o, s in cts.items()}
    return None


_SCALARS = (float, np.float64)
ONE = np.ones(1)  # a scalar loss's ū (float_seeds reads only that it is an array, not traced)
ONE.flags.writeable = False


def _apply(rules, args, env, ct, y, eqn=None):
    """[(argument, ū·∂)] for one equation on floats, or None when this path cannot take it. NumPy
    floats (a sum's value) are taken as Python floats where the partials are constants or
    arguments: no function is then evaluated in another arithmetic than the generic rule's."""
    vals, numpy_floats = [], type(y) is np.float64
    for a in args:
        v = env[a] if type(a) is Var else a.value
        if type(v) is np.float64:
            v, numpy_floats = float(v), True
        elif type(v) is not float:
            return None
        vals.append(v)
    if numpy_floats:
        if not all([type(how) is float or type(how) is int or how is None for how, _ in rules]):
            return None
        y = float(y)
    found = []
    try:
        for a, v, (how, strong) in zip(args, vals, rules):
            if how is None or type(a) is not Var:  # (a constant gets no cotangent)
                continue
            if strong and ct == 0.0:  # a strong zero: 0 whatever the partial (∞ included)
                found.append((a, 0.0))
                continue
            d = how if type(how) is float else vals[how] if type(how) is int else how(y, *vals)
            if type(d) is not float:
                return None
            found.append((a, _term(how, strong, ct, d, y, *vals, eqn=eqn)))
    except ArithmeticError:
        return None
    return found


def is_zero(ct) -> bool:
    """Whether a computed (untraced) cotangent is exactly zero everywhere: it contributes zero, even
    through an equation whose values are NaN (every VJP rule is linear in its cotangent)."""
    if type(ct) is float or type(ct) is np.float64:  # (a NumPy scalar: an overflowed value's partials)
        return ct == 0.0
    if type(ct) is np.ndarray and ct.dtype is _F64 and ct.size <= _DOT_MAX and _vdot(ct, ct) > 0.0:
        return False  # some entry is nonzero: Σ ū² by one BLAS dot, cheaper than `any`'s cast to bool
    return isinstance(ct, np.ndarray) and not ct.any()  # (0: all zero or tiny, NaN: not all zero)


def nonzero_at(ct, w: int) -> int:
    """A flat index where the cotangent ct (an array the sweep owns) is nonzero (NaN counts), or -1 where it is
    zero everywhere: `is_zero`'s answer, in O(1) while the index found last is still nonzero (a loop's writes
    zero ct one index at a time, from the last).

    >>> nonzero_at(np.array([0.0, 2.0, 0.0]), -1), nonzero_at(np.zeros(3), 1)
    (1, -1)
    """
    if w >= 0 and ct.item(w) != 0:
        return w
    return -1 if is_zero(ct) else int(np.argmax(ct.reshape(-1) != 0))


# -- scalar graphs lowered to a float program (the compiled tier's replay of a float gradient) --

_SCALAR_CONSTS = (float, int, bool)
_FLOAT_TYPE = {float}
_F64 = np.dtype(np.float64)


def lower_floats(graph, wrt: tuple, args):
    """A scalar graph's value and gradient at arguments like `args` as a flat program over Python
    floats, or None when it is not one (an argument that is not a Python float, a value that is not
    0-d, an op without `py`, parameters, an active equation without float partials).

    The compiled twin of reverse's sweep over floats: `fn(*inputs)` returns the outputs then the
    cotangent of each input in `wrt` (1 seeded per output), each a Python float. Every value gets
    a register; the forward program is one `(py, out, a, b)` per equation, the backward one
    `(partial, ū's register, argument's register, out, a, b)` per active argument, in the order
    the interpreter's sweep adds them; `partial` is the registry's `Op.float_rules` form (a
    constant, or the register of the argument it equals, applied without a call) or the partial
    itself. Why a program and not generated source: Python compiles source at ~50 µs a line, ten
    times a fresh trace and sweep of the equation; the program is built in one pass, cheaper than a
    fresh trace, and runs about as fast as straight-line code. Where Python's arithmetic raises, or
    a result is not a finite float (a domain edge, 0·∞ at a strong zero), or an argument is not a
    Python float, it raises FloatingPointError and the caller reruns the interpreter, which decides
    and names the equation (the compile package's contract).

    >>> import difflab as dl
    >>> g = dl.trace(lambda x, y: x * y + x, 2.0, 3.0)
    >>> lower_floats(g, (0, 1), (2.0, 3.0))(2.0, 3.0)
    (8.0, 4.0, 2.0)
    """
    if not all(type(x) is float for x in args) or not all(v.shape == () and v.dtype == _F64 for v in graph.inputs):
        return None
    if not all(type(o) is Var and o.shape == () or type(o) is Const and type(o.value) is float for o in graph.outputs):
        return None
    regs: dict = {v: k for k, v in enumerate(graph.inputs)}  # Var -> register
    template: list = [None] * len(graph.inputs)  # the registers before a call: the constants filled in

    def reg(a):  # a Var's register, or a new one holding a constant (None: not a scalar constant)
        if type(a) is Var:
            return regs[a]
        if type(a.value) not in _SCALAR_CONSTS:
            return None
        template.append(a.value)
        return len(template) - 1

    with gc_paused():  # the build allocates a few tuples per equation while the whole tape is alive
        forward, operands = _forward_program(graph, regs, reg, template)
        backward = None if forward is None else _backward_program(graph, wrt, regs, operands)
    if backward is None:
        return None
    outs = [reg(o) for o in graph.outputs]
    return _replay(
        forward,
        backward,
        template,
        outs,
        [regs[graph.inputs[i]] for i in wrt],
        [regs[o] for o in graph.outputs if type(o) is Var],
        2 * len(graph.eqns),  # (graph.Cost's rule: the forward sweep and the backward one over the tape, of floats)
    )


def _replay(forward, backward, template, outs, grads, seeds, n_eqns):
    """The function running the two programs: registers V (values) and G (cotangents)."""
    n = len(template)

    def replay(*xs):
        for x in xs:
            if type(x) is not float:  # (0-d arrays: the interpreter, which answers in NumPy's types)
                raise FloatingPointError("float code takes Python floats")
        V = template[:]
        V[: len(xs)] = xs
        G = [0.0] * n
        try:
            for fn, o, a, b in forward:
                V[o] = fn(V[a]) if b is None else fn(V[a], V[b]) if type(b) is int else fn(*[V[i] for i in b])
            for s in seeds:
                G[s] += 1.0
            for d, go, gi, o, a, b in backward:  # d: a constant, the register holding the partial, or it
                if type(d) is _Quotient:  # (n·ū)/den as the interpreter's rule (its error: the interpreter decides)
                    xs = (V[a],) if b is None else (V[a], V[b]) if type(b) is int else [V[i] for i in b]
                    G[gi] += quotient_or_none(d.partial, G[go], V[o], *xs)
                    continue
                G[gi] += G[go] * (
                    d
                    if type(d) is float
                    else V[d]
                    if type(d) is int
                    else d(V[o], V[a])
                    if b is None
                    else d(V[o], V[a], V[b])
                    if type(b) is int
                    else d(V[o], *[V[i] for i in b])
                )
        except (ArithmeticError, ValueError, TypeError):
            raise FloatingPointError("a value left the domain of Python float arithmetic") from None
        charge(n_eqns, n_eqns)
        return _checked([V[i] for i in outs] + [G[i] for i in grads])

    replay.program, replay.eqns, replay.elements = (forward, backward), n_eqns, n_eqns
    return replay


def _forward_program(graph, regs, reg, template) -> tuple:
    """(program, operands): one `(py, out, a, b)` per equation, and each equation's (a, b) — one
    register and None, two registers, or (unused, all of them); (None, None) when not a float graph."""
    program, operands = [], []
    for e in graph.eqns:
        args = e.args
        if e.params or e.op.py is None or e.out.shape != () or not args:
            return None, None
        x = args[0]
        a = regs[x] if type(x) is Var else reg(x)
        if len(args) == 1:
            b = None
        elif len(args) == 2:
            y = args[1]
            b = regs[y] if type(y) is Var else reg(y)
        else:
            b = tuple([regs[y] if type(y) is Var else reg(y) for y in args])
            b = None if None in b else b
        if a is None or b is None and len(args) > 1:
            return None, None
        regs[e.out] = len(template)
        template.append(None)
        program.append((e.op.py, regs[e.out], a, b))
        operands.append((a, b))
    return program, operands


def _backward_program(graph, wrt, regs, operands) -> list | None:
    """One line per (active equation, active argument), in the interpreter's sweep order."""
    live = active_values(graph, [graph.inputs[i] for i in wrt])
    reached = {o for o in graph.outputs if type(o) is Var}
    program = []
    eqns = graph.eqns
    for k in range(len(eqns) - 1, -1, -1):
        e = eqns[k]
        if e.out not in reached or e.out not in live:
            continue
        rules = e.op.float_rules
        if not rules:
            return None
        a, b = operands[k]
        o = regs[e.out]
        for x, (how, _) in zip(e.args, rules):
            if how is not None and type(x) is Var and x in live:
                if type(how) is int:  # the partial is that argument's value: its register
                    how = b if how else a
                elif getattr(how, "quotient", None) is not None and not how.quotient_lifts:  # (n·ū)/den (`_Quotient`)
                    how = _Quotient(how)  # (not exp's, whose form is the rules': a `suspect` result)
                program.append((how, o, regs[x], o, a, b))
                reached.add(x)
    return program


class _Quotient:
    """A backward-program line's quotient partial (ops.core.quotient_partial): the replay computes (n·ū)/den, as
    the interpreter's rule does, not ū·∂ (they differ in the last bit, and out of range in more)."""

    __slots__ = ("partial",)

    def __init__(self, partial):
        self.partial = partial


def _checked(values: list) -> tuple:
    """The values when each is a finite Python float (np.float64 made one), else FloatingPointError."""
    for x in values:
        if type(x) is not float and type(x) is not np.float64 or x - x != 0.0:
            raise FloatingPointError("a non-finite or non-float value in float code")
    return tuple([float(x) for x in values])
