"""The shared base: every product (JVP, VJP, Jacobian, gradient) derived once from a native one.

A differentiator is a small settings object (`Reverse()`, `Numeric(scheme="central")`, ...). Its
`prepare(graph, wrt)` returns a `Prepared`: the graph made ready for one input signature, seen as
a function of the flat vector x (the `wrt` inputs raveled and concatenated) to the flat vector y
(all outputs raveled and concatenated). A subclass implements ONE native product:

    _jvp(args, V)   V: (k, n) tangents        -> (outs, (k, m))     forward, numeric
    _vjp(args)      -> (outs, pullback: (m,) -> (n,))               reverse
    _jacobian(args) -> (outs, (m, n))                               symbolic

and inherits the rest. `args` are all graph inputs (the ones not in `wrt` are held fixed).
Each prepared object owns a `Cost` (`prepared.cost`: evaluations of f, equations executed, their
elements) charged by every product it computes, pullbacks included; callers read it.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time

import numpy as np

from .. import numpy as dnp
from ..compile import Tier, lower
from ..errors import say_lost_terms, warn_range
from ..ops.core import lifting_partial, may_lift
from ..ops.linalg import strong_matmul
from ..trace import outputs_of, trace_flat
from ..graph import active as active_values
from ..graph import Cost, Graph, Traced, Var, _charging, charge, charging, charging_open, evaluate, evaluate_batched
from ..graph import backward_work, impl_or_nan, read, specialise, uncharged, work

__all__ = [
    "Differentiator",
    "Prepared",
    "flat",
    "split",
    "first_rows",
    "MAX_JACOBIAN_ENTRIES",
    "check_size",
    "add_partials",
]

#: a full Jacobian (or Hessian) beyond this many entries (800 MB of float64) is refused up front
MAX_JACOBIAN_ENTRIES = 10**8
#: Forward(chunk="auto"): directions per sweep such that the largest value's block of tangents has at most this
#: many entries (512 KiB of float64, within a core's L2). A block per op is one full pass over it; out of cache
#: that pass is memory-bound (bench/scaling.py, n = 1024: all 1024 directions at once ~3× slower than 64 while
#: each step wrote its block; ~1.7× since compile.linear makes its tangents three products with the seed block)
TANGENT_BLOCK = 2**16
#: ... but never fewer directions than this: below it each sweep's fixed cost (a NumPy call per equation) outweighs
#: the cache (a matmul MLP layer with 32k-entry values: 2 directions per sweep took 1.5-2× the time of 8 or 64)
AUTO_MIN_CHUNK = 8
#: entries of the unit directions a prepared function keeps for chunked forward mode (`Prepared._seeds`)
SEEDS_KEPT = 2**19


def flag(owner: str, name: str, value) -> bool:
    """A method's on/off setting: True or False (NumPy's bools too), else a TypeError naming it (a
    string such as "no" would otherwise be taken as True)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{owner}({name}=...) must be True or False, got {value!r}")


def whole(value):
    """A count setting as a Python int when it is a whole number of NumPy's too (np.int64(2), a shape's entry),
    else unchanged for the setting's own check to name (a bool stays a bool: True is no count)."""
    return int(value) if isinstance(value, np.integer) else value


def check_size(what: str, rows: int, cols: int, limit: int = MAX_JACOBIAN_ENTRIES, cost: str = ""):
    """Refuse, before any work, a product too large to finish: say its size and what it costs."""
    if rows * cols > limit:
        raise ValueError(
            f"the full {what} would have {rows} x {cols} = {rows * cols:.3g} entries "
            f"(~{rows * cols * 8 / 1e9:.3g} GB of float64){cost}, over the limit of {limit:.3g}; "
            "use jvp/vjp (or grad for a scalar output) for products with it, or a smaller input"
        )


def flat(values) -> object:
    """Ravel and concatenate arrays (or traced values) into one vector (empty for no values: a
    function of an empty pytree)."""
    if not values:
        return np.zeros(0)
    if len(values) == 1 and type(values[0]) is np.ndarray:  # (the common case: one array, a view)
        return values[0].reshape(-1)
    parts = [v.reshape(-1) if isinstance(v, (np.ndarray, np.generic)) else dnp.reshape(v, (-1,)) for v in values]
    return parts[0] if len(parts) == 1 else dnp.concatenate(parts)


def split(vec, shapes, batch=()) -> list:
    """Inverse of `flat`: cut a vector (with optional leading batch axes) into arrays of `shapes`."""
    out, start = [], 0
    lead = (slice(None),) * len(batch)
    batch, plain = tuple(batch), isinstance(vec, np.ndarray)
    for s in shapes:
        size = math.prod(s)
        part = vec[lead + (slice(start, start + size),)] if (start, size) != (0, vec.shape[-1]) else vec
        out.append(part.reshape(batch + tuple(s)) if plain else dnp.reshape(part, batch + tuple(s)))
        start += size
    return out


def first_rows(ys) -> list:
    """Outputs of a batched run that do not depend on the batched input (a batched sweep's primal
    values): the first row of each, as values of their own."""
    return [y[0].copy() if type(y) is np.ndarray and y.ndim > 1 else y[0] for y in ys]


def _lifted(prepared, args, jac, w, r, left: bool = False):
    """r = J w (`left`: wᵀJ, a VJP of a method whose native product is the JVP), or where J was swept at unit seeds
    (`scales_seeds`) and a term may be lost there, r's entries below the normal range taken from J swept at seeds 2^k
    and contracted with w·2^-k (exact scalings: equal wherever nothing under- or overflowed), kept where normal and
    finite. A term lost: an entry of r below the normal range, of J too, and of w 2^25 or more meeting it (exp's rule
    lifts t·e^-800 with t = 3e200 to 1.1e-147, which J's rounded 0 lost; below 2^25 no term of 26 bits is). 2^k: w's
    largest entry, rounded up (then 2^k·e^x ≥ |w_i|·e^x, in range where the term is), 2^1000 at most. Only r's small
    entries are swept again (J's rows or columns there: one sweep each), and only for a graph with an op whose rule
    lifts (`_may_lift`): x² at x = 0 along 1e8 formed J and swept it twice for r's exact 0 (symbolic's JVP, n = 200: 0.1 -> 5.6 ms).
    Shape contract: as r. The symbolic method's evaluates its product's closed form in 40 and 80 digits there
    (`exact_product`), or where it cannot says `_say_unlifted`. `jac` None: J not formed (symbolic's directional
    products, reverse's transposed JVP of m > `TRANSPOSE_ROWS` outputs)."""
    method = prepared.method
    if method.native not in ("jvp", "vjp", "jacobian"):
        return r
    if _traced([w, jac, r]):
        _rows_alone(prepared, args, jac, w)
        return r
    if np.iscomplexobj(jac) or np.iscomplexobj(w) or np.iscomplexobj(r):
        return r
    w = np.asarray(w, dtype=float)
    if not w.size or not 2.0**25 <= float(np.max(np.abs(w))) < math.inf:  # (first, one pass: the common case)
        if not method.scales_seeds and jac is None and not left:  # (numeric's J v: a large factor inside f)
            from .program import say_unlifted_jvp  # (program imports this module)

            say_unlifted_jvp(prepared, args, w, r)
        return r
    r = np.asarray(r)
    small, large = np.abs(r) < _TINY, np.abs(w) >= 2.0**25
    if not small.any() or not _may_lift(prepared):
        return r
    if jac is not None or method.native == "jacobian":  # (r's small entries where no tiny entry of J meets a large
        jac = np.asarray(prepared.jacobian(args)[1] if jac is None else jac)  # one of w lost nothing; symbolic's J)
        lost = np.abs(jac) < _TINY
        if method.native == "jacobian":  # (in closed form: an entry identically 0 lost nothing)
            nonzero = [not (d == 0) for d in prepared.exprs("jacobian")]
            lost &= np.reshape(nonzero, jac.shape) if len(nonzero) == jac.size else True  # (per example: one's J)
        small &= lost[large].any(axis=0) if left else lost[:, large].any(axis=1)  # (w has a large entry)
    if not small.any():
        return r
    if method.native == "jacobian" or not method.scales_seeds:  # its closed form in 40 and 80 digits where it can,
        exact = getattr(prepared, "exact_product", None)  # else said (numeric's differences: said)
        fixed = None if exact is None else exact(args, w, r, small, left)
        if fixed is None:
            who = (
                "the closed-form derivative rounds" if method.scales_seeds else "the numeric method's differences round"
            )
            _say_unlifted(prepared.graph, args, float(np.max(np.abs(w))), who=who)
            return r
        return fixed
    s = 2.0 ** min(1000, math.frexp(float(np.max(np.abs(w))))[1])
    rows = np.flatnonzero(small)
    seeds = np.zeros((len(rows), prepared.n if left else prepared.m))  # (s·e_i for those i alone: no n × n eye)
    seeds[np.arange(len(rows)), rows] = s
    with np.errstate(all="ignore"):
        if left:  # J's columns at seeds s·e_j, j where wᵀJ is small (a jvp-native method's VJP)
            scaled = np.asarray(prepared._jvp(args, seeds)[1]).reshape(len(seeds), -1)
        else:  # J's rows at seeds s·e_i, i where J w is small (a vjp-native method's JVP)
            _, pullback = prepared._vjp(args)
            scaled = np.stack([np.ravel(np.asarray(pullback(e))) for e in seeds])
        again = strong_matmul(scaled, w / s)  # (strong: J's entry 1e10 at seed 2^997 is inf, and w's 0 there meets it)
    out = np.array(r, dtype=float)
    keep = np.isfinite(again) & (np.abs(again) >= _TINY)
    out[rows[keep]] = again[keep]
    return out if keep.any() else r


def _rows_alone(prepared, args, jac, w) -> None:
    """A traced w (vmap's batched cotangents) meeting a J formed on values with an entry below the normal range, where
    an op whose rule lifts underflowed (`lifting_underflowed`: exp's e^-800): w's trace specialised by rows, so that
    vmap answers each row alone, where `_lifted` reads w (vmap of forward's pullback along [3e200, 1] was 0 for
    -1.1e-147). Gates: a formed J of floats, `_may_lift`, one pass over J, then the graph evaluated once."""
    if not isinstance(w, Traced) or jac is None or _traced([jac, *args]) or np.iscomplexobj(jac):
        return
    if not prepared.method.scales_seeds or not _may_lift(prepared) or not np.min(np.abs(jac), initial=1.0) < _TINY:
        return
    if lifting_underflowed(prepared.graph, args) is not None:
        specialise(w, "a Jacobian formed where exp's partial underflowed, which a large cotangent may lift", rows=True)


def _may_lift(prepared) -> bool:
    """Whether `prepared`'s graph has an op whose rule may lift an underflowed partial (`ops.core.may_lift`: exp, a
    checkpoint, a user's rule): once per prepared function."""
    may = getattr(prepared, "_lifts", None)
    if may is None:
        may = prepared._lifts = any(may_lift(e.op) for e in prepared.graph.eqns)
    return may


def _say_unlifted(
    graph: Graph, args, top: float | None = None, eqn=None, who="the closed-form derivative rounds"
) -> None:
    """A `DerivativeRangeWarning` naming `eqn`, or the first equation of `graph` that `lifting_underflowed` at `args`: a
    derivative in closed form held that partial's 0 (or subnormal) before a tangent or cotangent as large as `top`
    (None: a factor of its own) multiplied it, and the result may lack the term (symbolic's -e^-x·v at x = 800, v =
    3e200: 0 for -1.1e-147). Said whatever the result."""
    e = eqn if eqn is not None else lifting_underflowed(graph, args)
    if e is None:
        return
    where = str(e.origin).split(" :")[0]
    factor = "a large factor" if top is None else f"a tangent or cotangent of {top:.3g}"
    warn_range(
        where,
        f"{where}: the partial of {e.op.name} underflowed below float64's normal range here, and {who} it "
        f"before {factor} multiplies it: the result may lack a term (forward and "
        "reverse mode keep it)",
    )
    say_lost_terms()


def lifting_underflowed(graph: Graph, args):
    """The first equation of `graph` whose op's partial lifts (`lifting_partial`: exp's) and underflowed at `args`
    where its rule lifts it (e^x below the normal range at x > -1416), or None: one evaluation of the graph (its ops'
    values, NaN where one leaves its domain)."""
    if not any([lifting_partial(e.op) is not None for e in graph.eqns]):
        return None
    env = dict(zip(graph.inputs, args))
    with np.errstate(all="ignore"):
        for e in graph.eqns:
            vals = [np.asarray(read(env, a)) for a in e.args]
            env[e.out] = out = impl_or_nan(e, vals, e.kw)
            partial = lifting_partial(e.op)
            if partial is not None and partial.quotient_when(np.asarray(out), *vals):
                return e
    return None


def _traced(args) -> bool:
    for a in args:  # (an array first, without the isinstance check against the protocol)
        if type(a) is not np.ndarray and isinstance(a, Traced):
            return True
    return False


def complex_eqn(graph: Graph):
    """The first equation of `graph` whose value is complex, or None."""
    return next((eqn for eqn in graph.eqns if eqn.out.dtype.kind == "c"), None)


def refuse_complex(graph: Graph, who: str = "complex step", instead: str = "method='forward' or 'reverse'"):
    """`who`'s refusal of complex values (complex step's), naming the first equation that holds one."""
    from ..errors import NotDifferentiableError

    if (eqn := complex_eqn(graph)) is not None:
        raise NotDifferentiableError(
            f"{who} does not differentiate complex values (`{str(eqn).split(' :')[0]}` is "
            f"complex: {eqn.out.aval}); use {instead}"
        )


def tangent_picks_dtype(graph) -> bool:
    """Whether an op whose result's dtype its values pick (`Op.value_dtype`) reads the tangent, the sweep graph's last
    input: traced at a zero tangent, its dtype there may not be the one at the tangents it runs on (logm_frechet's
    L(A, 0) is a real 0, L(A, E) complex: real(L) was recorded as no op, and a real f's forward gradient came out
    complex). sqrtm's own tangent rule (a Sylvester solve) reads it with no such op: its sweep stays compiled."""
    moved = {graph.inputs[-1]}
    for eqn in graph.eqns:
        if any([type(a) is Var and a in moved for a in eqn.args]):
            if eqn.op.value_dtype:
                return True
            moved.add(eqn.out)
    return False


def nonfinite_concrete(args, skip=False) -> bool:
    """Concrete arguments holding NaN or inf (the symbolic method then evaluates the graph itself:
    SymPy simplifies NaN·0 to 0); False for traced values or when `skip` (batch columns, a closure
    over an enclosing trace's values)."""
    return not (skip or _traced(args) or all(np.isfinite(a).all() for a in args))


_SHAPE = Var.shape.fget  # (a Var's shape by one C call: the itemgetter behind the property, graph.Var)


class Differentiator:
    """Base of the four methods. Subclasses set `name`, `native` and a `Prepared` subclass."""

    name = "base"
    native = ""
    #: False: every product runs the interpreters only (the specification; difflab.compile is
    #: tested equal to it). Reverse and Forward take it as a setting; others may set the attribute.
    compiled = True
    #: (outer, inner) methods composed by `hessian`, or None when `Prepared.hessian` is native
    hessian_pair: tuple | None = None
    # traits: what the API reads to combine methods (with `native` and `hessian_pair`), never `name`
    #: its derivative code runs on traced values, so it can be the inner method of a nested derivative
    traceable_output = True
    #: its JVP accepts a traced tangent (else a traced tangent multiplies the Jacobian, J v being linear in v)
    traceable_tangent = True
    #: its native `Prepared.hessian` runs on traced values (else a nested hessian composes the method with itself)
    traceable_hessian = True
    #: takes complex leaves, as their real and imaginary parts (api/complexes.py)
    complex_leaves = False
    #: differentiates a mean-over-examples loss (`batch_argnums`) for ONE example, evaluated over the batch
    batches_examples = False
    #: its levels are counted while f is traced (stencils.nesting: numeric inside numeric); else one level
    nests = False
    #: its JVP pushes tangents through the equations (forward mode), so J's columns are taken one input at a time
    #: (a zero tangent costs a sweep as much as any; a stencil's shifted point costs the same either way)
    per_input_columns = False
    #: its native JVP or VJP is linear in its seed to the last bit (2^k·e_i: 2^k times J's column or row wherever
    #: nothing under- or overflowed), so a contraction with J may take J at scaled seeds (`_lifted`); not numeric's
    scales_seeds = True
    Prepared: type

    def prepare(self, graph: Graph, wrt: tuple) -> "Prepared":
        t0 = time.perf_counter()
        prepared = self.Prepared(self, graph, tuple(wrt))
        prepared.prepare_seconds = time.perf_counter() - t0
        return prepared

    def settings(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self.settings() == other.settings()

    def __hash__(self):  # a dict key on every call (the per-signature caches): its class, no settings read
        # (equal objects are of one class; two configurations of a class in one dict meet __eq__). A fresh
        # transform of a method name makes a fresh object: its hash must cost no pass over its settings
        return hash(type(self))


#: the products a prepared object computes; each runs charging the object's `cost`
PRODUCTS = (
    "value",
    "jvp",
    "vjp",
    "jacobian",
    "grad",
    "grad_leaves",
    "hessian",
    "jacobian_with_error",
    "_jvp",
    "_vjp",
    "_jacobian",
)


def _charged(fn):
    """`fn` (a product) run charging its object's cost; a returned pullback, which runs later,
    charges the same cost."""
    returns_pullback = fn.__name__ in ("vjp", "_vjp")

    @functools.wraps(fn)
    def product(self, *args, **kw):
        # `with charging(self.cost):` written out (graph.charging's enter and exit: its object and two
        # frames cost about a tenth of a fresh one-float gradient): the cost added to this thread's
        # costs being charged unless it is one of them already, and the outer ones back after
        outer, cost, charged = _charging.costs, self.cost, False
        for c in outer:  # (by identity: two objects' equal costs are two costs, and `in` would use Cost.__eq__)
            if c is cost:
                charged = True
                break
        if charged:
            out = fn(self, *args, **kw)
        else:
            charging_open.append(None)  # (graph.charging_open: popped once the thread's costs are back)
            _charging.costs = outer + (cost,)
            try:
                out = fn(self, *args, **kw)
            finally:
                _charging.costs = outer
                charging_open.pop()
        if returns_pullback:
            outs, pullback = out
            return outs, self._charging(pullback)
        return out

    product.charged = True
    return product


_TINY = float(np.finfo(np.float64).tiny)
#: a vjp-native method's J v is the pullback's transpose beyond this many output numbers (J's rows below)
TRANSPOSE_ROWS = 8


def add_partials(a, b):
    """a + b, where inf - inf (two infinite partials of an equation outside its domain) is NaN,
    already reported by the equation's DomainWarning, not an error (both modes' sums of partials)."""
    try:
        return a + b
    except FloatingPointError:
        with np.errstate(all="ignore"):
            return a + b


class Prepared:
    """One graph made ready by one method; see the module docstring for the shape contract."""

    prepare_seconds = 0.0
    real = True  # f is only evaluated at real (float64) points: compiled code may reuse buffers

    @functools.cached_property
    def tape(self) -> tuple:
        """(eqns, elements) one sweep over the tape charges per tangent (graph.Cost's rule), compiled or not."""
        return work(self.graph)

    def charge_sweeps(self, k: int) -> None:
        """Charge k sweeps over the tape (k tangents, or k cotangents pulled: graph.Cost's rule)."""
        charge(k * self.tape[0], k * self.tape[1])

    @contextlib.contextmanager
    def sweeps_charged(self, k: int):
        """`with self.sweeps_charged(k):` the work inside is charged as k sweeps over the tape (graph.Cost's rule),
        whatever code ran them (an interpreter's, a lowered sweep's own lines, a checkpoint's primal)."""
        self.charge_sweeps(k)
        with uncharged():
            yield

    @property
    def vjp_work(self) -> tuple:
        """What reverse's split sweep charges: (its forward part, each pullback) by graph.Cost's rule."""
        return self.tape, backward_work(self.graph)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        for name in PRODUCTS:
            fn = vars(cls).get(name)
            if fn is not None and not getattr(fn, "charged", False):
                setattr(cls, name, _charged(fn))

    def __init__(self, method: Differentiator, graph: Graph, wrt: tuple, lower_after: int = 1, stands_for=None):
        self.method, self.graph, self.wrt = method, graph, wrt
        if stands_for is not None:  # (numeric's f with its pieces held: each point charges f's tape)
            self.stands_for = stands_for
        self._lower_after = lower_after  # (`lowered`: the call from which f's value is lowered)
        outputs = graph.outputs
        if len(outputs) == 1 and type(outputs[0]) is Var:  # a loss (no list comprehension's frame)
            self.out_shapes = [outputs[0].shape]
        else:
            self.out_shapes = [o.shape if isinstance(o, Var) else np.shape(o.value) for o in outputs]
        self.m = sum(map(math.prod, self.out_shapes))
        self.cost = Cost()
        self._compiled = method.compiled  # (as it is now: `lowered` is made later)

    @functools.cached_property
    def in_shapes(self) -> list:
        """The differentiated inputs' shapes; made when first read (a fresh gradient's sweep reads
        none: a step per input, and a scalar net has one input per weight)."""
        # (map over C functions: no Python step per input)
        return list(map(_SHAPE, map(self.graph.inputs.__getitem__, self.wrt)))

    @functools.cached_property
    def n(self) -> int:
        """How many numbers the differentiated inputs hold (made when first read, as `in_shapes`)."""
        return sum(map(math.prod, self.in_shapes))

    @functools.cached_property
    def lowered(self) -> Tier:
        """f itself, lowered per batching flags (None: unbatched); made when first wanted (a fresh
        gradient never lowers f). Not for a graph closing over an enclosing trace's values: the interpreter records
        what they meet (lowered code's NumPy converted them: a numeric Hessian of such an f refused). From the
        `lower_after`-th call (numeric's f at x and at its stencils' points: 2, as forward's and reverse's sweeps)."""
        return Tier(self._compiled and not self.graph.closes_over_tracers, after=self._lower_after)

    @property
    def evals(self) -> int:
        """Evaluations of the function itself so far (`cost.evals`; the numeric method's cost unit)."""
        return self.cost.evals

    @evals.setter
    def evals(self, value: int):  # bench/numeric.py still resets it by hand; read `cost` differences instead
        self.cost.evals = value

    #: what lowered this object's value-and-gradient code, if not `hot_grad` itself: an object with
    #: the same `hot_grad(args)` (the symbolic method's matrix-level gradient)
    grad_code = None

    def hot_grad(self, args):
        """The guarded twin (compile.graphs, "How guarded functions work") of the lowered code that
        computes value and gradient leaves at inputs shaped like `args`, once there is one, else
        None. The API's common-case path calls it: outputs, then gradient leaves, or None."""
        return None if self.grad_code is None else self.grad_code.hot_grad(args)

    def hot_jvp(self, args):
        """The guarded twin (as `hot_grad`'s) of the lowered code computing (outs..., J v) from
        (args..., v) for one tangent v of shape (n,), once there is one, else None."""
        return None

    def _charging(self, fn):
        def charged(*args, **kw):
            with charging(self.cost):
                return fn(*args, **kw)

        return charged

    # -- evaluation of f ------------------------------------------------------------------------

    #: the Prepared whose graph this one evaluates in its stead (numeric's f with its pieces held, `evaluated_graphs`):
    #: its evaluations charge that tape's W per point (graph.Cost's rule: f at a point), not this graph's equations
    stands_for: "Prepared | None" = None

    def value(self, args, batched=None) -> tuple:
        """f at `args`: compiled NumPy code for arrays, the interpreter for traced values.

        With `batched` (a flag per arg; arrays only), the flagged args carry a leading batch axis
        of size B: f runs once on all B points (`graph.evaluate_batched`) and counts B evaluations.
        """
        key = None if batched is None else tuple(batched)
        k = 1 if key is None else len(args[key.index(True)])
        charge(evals=k)
        if self.stands_for is not None:  # f's own tape charged, whatever this graph runs (graph.Cost's rule)
            with self.stands_for.sweeps_charged(k):
                return self._evaluated(args, key)
        return self._evaluated(args, key)

    def _evaluated(self, args, key) -> tuple:
        fn = self.lowered.get(key, args, lambda: lower(self.graph, batched=key, reuse=self.real, speculate=True))
        res = None if fn is None else Tier.run(fn, args)
        if res is not None:
            return res
        # the interpreter (which also finds the equation that left its domain and names it)
        return evaluate(self.graph, *args) if key is None else evaluate_batched(self.graph, *args, batched=key)

    def with_x(self, args, x_parts) -> list:
        args = list(args)
        for i, part in zip(self.wrt, x_parts):
            args[i] = part
        return args

    # -- derived products ---------------------------------------------------------------------

    def jvp(self, args, v):
        """(outs, J v) for one tangent vector v of shape (n,)."""
        if self.method.native == "jvp":
            outs, jv = self._jvp(args, dnp.reshape(v, (1, self.n)))
            jv = dnp.reshape(jv, (self.m,))  # (forward's lifts its own rows; numeric's differences: said by _lifted)
            return outs, jv if self.method.scales_seeds else _lifted(self, args, None, v, jv)
        if self.method.native == "vjp" and self.m > TRANSPOSE_ROWS:
            outs, jv = self._transposed_jvp(args, v)
            # (a non-finite entry: J's rows, whose strong zeros decide which entries are NaN or ±inf; traced, at the
            # numbers it was traced at: J's rows are right at any point, the transpose where J v is finite)
            if np.isfinite(getattr(jv, "concrete", jv)).all():  # (lifted as J v's below: its sweep rounds e^-800 too)
                return outs, _lifted(self, args, None, v, jv)
        outs, jac = self.jacobian(args)
        return outs, _lifted(self, args, jac, v, strong_matmul(jac, v))  # strong: a zero entry of v meets no NaN

    def _complex_entries(self):
        """(m,) whether each entry of the flat outputs belongs to a complex output; None when none does."""
        kinds = [getattr(o, "dtype", np.dtype(float)).kind == "c" for o in self.graph.outputs]
        if not any(kinds):
            return None
        return np.concatenate([np.full(math.prod(s), c) for s, c in zip(self.out_shapes, kinds)])

    def _transposed_jvp(self, args, v):
        """(outs, J v) as the transpose of the pullback u -> uᵀJ, which is linear in u: its VJP at the
        cotangent v, two sweeps in place of J's m rows (m sweeps; inside an outer derivative, m sweeps
        recorded, each differentiated again: autograd's check of np.kron at complex 5×5 and 3×3 took
        25 s). A complex output's J is Re J + i Im J, Re J's rows pulled by u and -Im J's by i·u (only a complex
        output's entries of u: a real output's J has no imaginary part, and i·u is no cotangent of it)."""
        outs, pullback = self._vjp(args)
        cplx = self._complex_entries()
        mask = None if cplx is None else np.where(cplx, 1j, 0.0)

        def rows(u):
            return [pullback(u), pullback(mask * u)] if mask is not None else [pullback(u)]

        u0 = np.zeros(self.m)
        with uncharged():  # (the pullback traced, not run: its graph's sweeps below are charged, graph.Cost)
            tr, tracers, out_leaves = trace_flat(rows, [u0])  # (nested in an outer derivative's trace, if any)
        _, back = self.method.prepare(outputs_of(tr, tracers, out_leaves), (0,)).vjp([u0])
        if mask is None:
            return outs, back(v)
        zero = np.zeros(self.n)
        return outs, back(dnp.concatenate([v, zero])) - 1j * back(dnp.concatenate([zero, v]))

    def vjp(self, args):
        """(outs, pullback) where pullback(u) = uᵀ J for u of shape (m,)."""
        if self.method.native == "vjp":
            return self._vjp(args)
        outs, jac = self.jacobian(args)
        if np.iscomplexobj(jac):  # complex outputs of real inputs: uᵀJ's real part (ops/complexes.py)
            return outs, lambda u: dnp.real(strong_matmul(u, jac))
        return outs, lambda u: _lifted(self, args, jac, u, strong_matmul(u, jac), left=True)  # (strong: as J v's)

    def jacobian(self, args):
        """(outs, J) with J of shape (m, n)."""
        check_size("Jacobian", self.m, self.n)
        if self.method.native == "jacobian":
            outs, jac = self._jacobian(args)
            # values from rewritten expressions (SymPy's NaN·0 → 0, relu(NaN) → 0) at a NaN/inf input: `value`'s
            # instead; on traced values (a later call may bring NaN) the graph's own, recorded with the registry's ops
            if _traced(args):
                return list(evaluate(self.graph, *args)), jac
            return (self.value(args) if nonfinite_concrete(args) else outs), jac
        if self.method.native == "jvp":
            outs, cols = self._jvp_columns(args)
            return outs, dnp.transpose(cols)
        return self._rows(args)

    #: `_vjp(args, pulled=[0])` interprets, counting in pulled[0] the equations its pullbacks pulled
    counts_pulls = False
    #: whether the first Jacobian's rows skipped most equations (None: not known yet)
    sparse_rows = None

    def _rows(self, args):
        """J by one pullback per row (the unit cotangents). An interpreted pullback skips what a
        row's zero cotangent reaches (every other block of a concatenated output, the chunks of a
        forward gradient); a lowered one, straight-line code, runs every equation for every row.
        So the rows stay interpreted while the first call's pulled at most half of the equations
        the outputs reach: a repeated call does no more work than the first (issue 17 §3)."""
        pulled = [0] if self.counts_pulls and self.sparse_rows is not False else None
        outs, pullback = self._vjp(args) if pulled is None else self._vjp(args, pulled=pulled)
        eye = np.eye(self.m)
        rows = [pullback(eye[i]) for i in range(self.m)]
        cplx = self._complex_entries()
        if cplx is not None:
            # a complex output's row: ū = e_i pulls back Re(J_i), ū = i·e_i gives -Im(J_i) (ops/complexes.py); a real
            # output's row is real (i·e_i is no cotangent of it: pulled back, it gave a made-up imaginary part)
            rows = [r - 1j * pullback(1j * eye[i]) if cplx[i] else r for i, r in enumerate(rows)]
        if pulled is not None and self.sparse_rows is None:
            live = active_values(self.graph, [self.graph.inputs[i] for i in self.wrt])
            reached = sum([e.out in live for e in self.graph.eqns])
            self.sparse_rows = 0 < 2 * pulled[0] <= self.m * reached  # (0: none counted, the float sweep's)
        return outs, dnp.stack(rows) if rows else np.zeros((0, self.n))

    def _jvp_columns(self, args):
        """J applied to the identity, in chunks of `method.chunk` tangents (chunked forward mode; "auto":
        `TANGENT_BLOCK` // the largest value's size, at least `AUTO_MIN_CHUNK`: each value's block of tangents
        stays in cache); of several differentiated inputs each a chunk at least, one input's columns at a time
        (`_columns_by_input`: no sweep more than before but the last partial chunk of each input)."""
        sizes = [math.prod(v.shape) for v in (*self.graph.inputs, *(e.out for e in self.graph.eqns))]
        chunk = getattr(self.method, "chunk", None)
        if isinstance(chunk, str):  # "auto"
            chunk = max(AUTO_MIN_CHUNK, TANGENT_BLOCK // max([1, *sizes]))
        chunk = chunk or max(self.n, 1)  # (None: all at once; no inputs: no blocks)
        own = [math.prod(s) for s in self.in_shapes]
        if len(own) > 1 and self.method.per_input_columns and min(own) >= chunk:
            return self._columns_by_input(args)
        # n sweeps through the graph's elements, however they are chunked: refuse what could not finish
        width = sum(sizes)
        cost = f" ({self.n} tangent directions, each through {width} elements)"
        check_size("set of tangent sweeps", self.n, width, limit=10**10, cost=cost)
        outs, blocks = None, []
        # (traced values: an enclosing trace would record the kept seeds as its constants: fresh ones)
        seeds = self._seeds(chunk) if chunk < self.n and not any([isinstance(a, Traced) for a in args]) else None
        for lo in range(0, self.n, chunk):
            k = min(chunk, self.n - lo)
            check_size("block of tangent directions", k, self.n)
            if seeds is None:
                V = np.zeros((k, self.n))
                V[np.arange(k), lo + np.arange(k)] = 1.0
            else:  # rows lo..lo+k of the identity: a window of the kept seeds
                V = seeds[:k, self.n - lo : 2 * self.n - lo]
            outs, jv = self._jvp(args, V)
            blocks.append(jv.copy() if seeds is not None and np.may_share_memory(jv, seeds) else jv)
        if not blocks:
            return self.value(args), np.zeros((0, self.m))
        return outs, blocks[0] if len(blocks) == 1 else dnp.concatenate(blocks)

    def _columns_by_input(self, args):
        """J's columns input by input, each by a prepared sweep of that input alone (kept): a block of one
        input's unit directions does not carry the other inputs' zero tangents through the graph (the
        Jacobian of a VJP in (x, u): u's directions left the sweeps that x moves at 0, each still computed)."""
        subs = self.__dict__.setdefault("_by_input", {})
        outs, blocks = None, []
        for i in self.wrt:
            if i not in subs:
                subs[i] = self.method.prepare(self.graph, (i,))
            outs, cols = subs[i]._jvp_columns(args)
            blocks.append(cols)
        return outs, dnp.concatenate(blocks)

    def _seeds(self, chunk: int):
        """The blocks of unit directions for chunks of `chunk` (k × 2n, read-only: rows j of the identity
        from column lo are the window [:, n - lo : 2n - lo]), kept from call to call while at most
        `SEEDS_KEPT` entries: a fresh (k × n) array of zeros a block is fresh memory to map, every call."""
        if chunk * 2 * self.n > SEEDS_KEPT:
            return None
        seeds = getattr(self, "_kept_seeds", None)
        if seeds is None or seeds.shape[0] != chunk:
            seeds = np.zeros((chunk, 2 * self.n))
            seeds[np.arange(chunk), self.n + np.arange(chunk)] = 1.0
            seeds.flags.writeable = False
            self._kept_seeds = seeds
        return seeds

    def grad_leaves(self, args, values=None, finite=None):
        """(outs, [∂f/∂x_i]) for a scalar-output function: one array per differentiated input.
        `values` ({Var: value} of this very call, from tracing) may spare a method its forward pass;
        `finite` (a dict) may receive {Var: whether its value is finite} for values it checked."""
        outs, g = self.grad(args)
        return outs, split(g, self.in_shapes)

    def grad(self, args):
        """(outs, ∇f) for a scalar-output function; ∇f has shape (n,)."""
        if type(self).grad_leaves is not Prepared.grad_leaves:  # a method's own one-sweep gradient
            outs, parts = self.grad_leaves(args)
            return outs, flat(parts)
        if self.method.native == "vjp":
            outs, pullback = self._vjp(args)
            return outs, pullback(np.ones(1))
        outs, jac = self.jacobian(args)
        return outs, jac.reshape(self.n) if isinstance(jac, np.ndarray) else dnp.reshape(jac, (self.n,))


for _name in PRODUCTS:
    if _name in vars(Prepared):
        setattr(Prepared, _name, _charged(vars(Prepared)[_name]))
