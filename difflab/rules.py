"""User derivative rules with JAX's API shape: `custom_jvp` and `custom_vjp`.

A decorated function becomes ONE op of the user's (a `UserOp`, an `ops.Op` with a note for the
numeric method): its implementation is the function itself, its rules come from the user's, and
every interpreter reads them the way it reads a built-in entry; none of them knows the op is
custom. The user's ops are kept out of the global `REGISTRY`, whose every entry the registry-wide
tests and the Hypothesis strategies sample.

A function may return a pytree (several outputs): the op's one output is then its leaves raveled
and concatenated (`OutTree`), unpacked at the call; rules see and return the user's structure.

- custom_jvp: forward mode calls the rule; reverse mode traces the rule as a linear function of
  the tangent and transposes that graph with the reverse sweep (JAX's approach: the VJP is derived
  from the JVP, never written twice).
- custom_vjp: reverse mode calls fwd then bwd in the backward sweep (residuals are recomputed
  there, not stored); forward mode refuses with an error, as JAX does, except on a traced tangent
  (a custom_jvp rule calling forward jvp of it, which reverse mode transposes: JAX's custom_lin),
  where J t is read from bwd, one call per output element. Under an outer derivative
  of that sweep (a Hessian: forward over reverse) the op opens into the function's own ops
  (`Op.opened`): the outer level differentiates them and bwd's, as JAX's does.
- symbolic honours the rule too, as JAX does under every transformation (`Op.sympy_partials`): the rule is
  traced once as a function of the primals and of its tangents (cotangent), written in SymPy, and its
  coefficients are the op's partials; the value is the primal's expression unless `sympy=` gives one (both
  refused by name when they branch on values: they are traced at ones), and the op itself in symbolic's code on
  an outer trace's values (compile.traced), so an outer derivative takes the rule too. A rule that is no
  linear map of its tangents (a bwd that clips its cotangent) has no Jacobian: symbolic refuses it by name.
- numeric differentiates the primal (it only sees values) and warns (`Op.numeric_ignores`); it still
  traces the rule once to check it (`Op.check_rule`).
- A rule's tangent or cotangent of the wrong structure, shape or dtype (an integer one; a complex one for a
  real value) is an error naming the rule under every method, as is one that is not zero at zero tangents.
- A function that closes over a value an outer transformation traces, called on arguments an inner derivative
  traces (`grad(lambda a: grad(f_reading_a)(x))`), is closure-converted as JAX's custom rules are: the function is
  traced and the enclosing traces' values it reads become hidden last arguments of the op (`_Closure`), its value
  the traced function run on them, so the inner graph holds them as constants; the rules read them from the
  closure, running when the inner derivative is taken, so the outer trace records the rule's own ops and the outer
  derivative differentiates through the rule (JAX's answer); where the enclosing derivative meets the equation
  itself (recorded on its trace), a closed-over value's derivative is the function's own (its traced graph's: the
  rule gives none). Values the rules alone read are found in their closures (`_closed_tracers`). A closed-over value
  the same derivative traces (JAX: "differentiation of a custom_vjp function with respect to a closed-over value")
  is refused by name.
- A custom_jvp rule's primal out (a custom_vjp fwd's out) must be the function's: of another structure or shape it
  is refused under every method (as JAX does); of another value where the rule runs at values (forward, reverse;
  reverse alone for fwd). JAX would return the rule's out under a derivative and f's elsewhere; difflab's methods
  give f's value, and numeric never calls the rule.
"""

from __future__ import annotations

import abc
import functools
import inspect
import itertools
import re
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from . import tree
from .compile.reads import Opaque, fingerprint
from .errors import (
    DifflabError,
    NotDifferentiableError,
    TracerConversionError,
    UnsupportedOperationError,
    check_positions,
)
from .graph import Traced, Var, evaluate, lift_closure
from .ops import Op

__all__ = ["custom_jvp", "custom_vjp", "custom_gradient", "UserOp"]

# the custom_jvp functions whose rule is being traced as a linear map for reverse mode to transpose (innermost
# last): a custom_vjp function's forward jvp inside such a rule is J t read from its bwd, as JAX's custom_lin
_TRANSPOSED: list = []


@dataclass(frozen=True, eq=False)
class UserOp(Op):
    """An op made by a transformation (a user's rule, a checkpoint). `sparsity(deps, out, *args,
    **params)`: its output's dependency sets from its arguments' (None: from its JVP rule; see
    `difflab.sparse`). A user's rule sets `numeric_ignores` (the numeric method warns that it
    differentiates the primal)."""

    sparsity: Callable | None = None
    drops_nan: bool = True  # the user's function may do anything with a NaN (compile/graphs.py)


def _own(x):
    """A NumPy array copied (a user's rule may update it in place), anything else (traced values) as it is."""
    return x.copy() if type(x) is np.ndarray else x


def _name(f):
    return getattr(f, "__name__", type(f).__name__)


_CLOSURE_DEPTH = 3  # the levels `_closed_tracers` looks through (a function, an object: one each)
_NESTED = 32  # the lists, tuples and dicts nested in one another it looks through


def _closed_tracers(fns, depth=_CLOSURE_DEPTH) -> list:
    """The values of live traces (tracers whose trace is not done) that the functions `fns` hold in their
    closure cells or read as globals by name, and those of the functions they hold so (to `depth` levels): what a
    user's rule reads from its closure (`_Custom._bind_closed`). Also through what they hold: the entries of a list,
    tuple or dict (the first 64) and the attributes of an object (its __dict__ and __slots__: a rule reading self.a,
    a bound method's self), each object one level; a module, a class or a NumPy array is not looked into."""
    found: list = []
    seen: dict = {}  # id -> the most levels left it was visited with (met again with more, it is visited again:
    # a rule met first deep inside another's closure, its custom_vjp object's, then as one of `fns`)

    def visit(x, d, nest=0):
        if isinstance(x, Traced):
            if not getattr(getattr(x, "_trace", None), "done", True) and all(x is not y for y in found):
                found.append(x)
            return
        kind = type(x)
        if kind in (list, tuple, dict):  # (a rule reading params["w"]; a container met again, or nested deeper
            # than _NESTED, is not looked into again: a list holding itself was a RecursionError, review68)
            if seen.get(id(x), -1) < d and nest < _NESTED:
                seen[id(x)] = d
                for y in itertools.islice(x.values(), 64) if kind is dict else x[:64]:
                    visit(y, d, nest + 1)
            return
        if d <= 0 or seen.get(id(x), 0) >= d or kind in _OPAQUE_KINDS or isinstance(x, (type, np.ndarray, np.generic)):
            return
        seen[id(x)] = d
        if isinstance(x, functools.partial):
            for y in (x.func, *x.args, *x.keywords.values()):
                visit(y, d - 1)
            return
        if inspect.ismethod(x):  # a bound method: its function, and the object it reads as self
            visit(x.__func__, d)
            visit(x.__self__, d)
            return
        code = getattr(x, "__code__", None)
        if code is None or not inspect.isfunction(x):
            for y in _attributes(x):  # an object of the user's: what its attributes hold
                visit(y, d - 1)
            return
        for cell in x.__closure__ or ():
            try:
                visit(cell.cell_contents, d - 1)
            except ValueError:  # (an empty cell)
                pass
        g = x.__globals__
        for name in code.co_names:
            if name in g:
                y = g[name]
                if isinstance(y, Traced) or inspect.isfunction(y) and y.__module__ == x.__module__:
                    visit(y, d - 1)
                elif type(y) in (list, tuple, dict) or _attributes(y):  # (a global holder the code names)
                    visit(y, d - 1)

    for f in fns:
        visit(f, depth)
    return found


#: kinds `_closed_tracers` does not look into: no user's values there (a module's globals are not the rule's)
_OPAQUE_KINDS = (type(functools), type(None), bool, int, float, complex, str, bytes, range, slice)


def _attributes(x) -> list:
    """What an object of the user's holds in its attributes (its __dict__, then its __slots__; the first 64); none
    for a module, a class, a NumPy value, a number or a string (`_OPAQUE_KINDS`), a builtin without either, or a
    custom rule's function or op (a custom_vjp function its own fwd calls: its rules are scanned where it is called;
    walking its op and caches cost 19% of a fresh grad of two such calls)."""
    if type(x) in _OPAQUE_KINDS or isinstance(x, (type, np.ndarray, np.generic, _Custom, Op)) or inspect.isroutine(x):
        return []
    try:
        held = vars(x)
    except TypeError:  # (no __dict__)
        held = None
    values = [] if not isinstance(held, dict) else list(itertools.islice(held.values(), 64))
    for cls in type(x).__mro__:
        for slot in cls.__dict__.get("__slots__", ()) if len(values) < 64 else ():
            if isinstance(slot, str) and slot not in ("__dict__", "__weakref__"):
                try:
                    values.append(object.__getattribute__(x, slot))
                except AttributeError:  # (an unset slot)
                    pass
    return values[:64]


class _ClosedOver(DifflabError):
    """The function's value at plain numbers is traced: it closes over a value of an enclosing trace. Raised by
    the op's implementation while its equation is recorded, caught by `_Custom.__call__`, which converts the
    closure (`_Custom._bind_closed`); escaping elsewhere, it says so."""


class _Closure:
    """An op parameter: the function traced with the enclosing traces' values it reads lifted to its last `n`
    inputs (`graph.lift_closure`), its outputs the function's output leaves. Compared and printed by identity."""

    _ids = itertools.count()

    def __init__(self, graph, closed: list):
        self.graph, self.n, self.id = graph, len(closed), next(self._ids)
        self.closed = tuple(closed)  # (the values the function's closure holds: the equation's last arguments)
        self.ids = tuple(map(id, closed))

    def live(self) -> bool:
        """Whether the traces of the values the function closes over still record, so that a user's rule, which
        reads them from its closure, reads values of the trace the derivative is taken in: not where the equation
        was recorded on that enclosing trace itself and is differentiated after it closed."""
        return not any(getattr(getattr(v, "_trace", None), "done", False) for v in self.closed)

    def jvp(self, i, t, args, out_tree):
        """The function's own J t along its closed-over value i (its traced graph pushed forward)."""
        from .differentiators.forward import push

        duals = push(self.graph, args, {self.graph.inputs[len(args) - self.n + i]: t})
        ts = [d.tangent if d.tangent is not None else np.zeros(np.shape(d.primal)) for d in duals]
        return ts[0] if out_tree is None else out_tree.pack(ts)

    def vjp(self, i, ct, args, out_tree):
        """The function's own cotangent of its closed-over value i (its traced graph swept back)."""
        from .differentiators.reverse import backward

        env: dict = {}
        evaluate(self.graph, *args, env=env)
        cts = [ct] if out_tree is None else tree.flatten(out_tree.unpack(ct))[0]
        seeds: dict = {}
        for o, c in zip(self.graph.outputs, cts):
            if isinstance(o, Var):
                seeds[o] = seeds[o] + c if o in seeds else c
        return backward(self.graph, env, (len(args) - self.n + i,), seeds)[0]

    def __repr__(self):
        return f"<closure #{self.id}: {self.n} closed-over value(s)>"


_NAMES: set = set()


def _op_name(name):
    """A Python identifier (compiled code names each op), unique among the user's ops."""
    base = re.sub(r"\W", "_", name)
    name, k = base, 1
    while name in _NAMES:
        k += 1
        name = f"{base}_{k}"
    _NAMES.add(name)
    return name


def _shape(x):
    return tuple(x.shape) if isinstance(x, (np.ndarray, Traced)) else np.shape(x)


def _zeros(x):
    return np.zeros(_shape(x))


class OutTree(NamedTuple):
    """The structure of a custom function's pytree output: its TreeDef and the leaves' shapes.
    Such an output travels as ONE op output, the leaves raveled and concatenated (the IR's
    equations have one output each); the call unpacks it, and the rules pack and unpack the
    tangents and cotangents the same way."""

    treedef: tree.TreeDef
    shapes: tuple

    def pack(self, leaves):
        """The leaves raveled and concatenated: shape (size,)."""
        from . import numpy as dnp

        flat = [dnp.reshape(x, (-1,)) for x in leaves]
        return dnp.concatenate(flat) if len(flat) > 1 else flat[0]

    def unpack(self, flat):
        """The pytree whose leaves are the pieces of `flat` (shape (size,), or batch + (size,))."""
        from . import numpy as dnp

        lead, leaves, lo = _shape(flat)[:-1], [], 0
        for shape in self.shapes:
            size = int(np.prod(shape))
            leaves.append(dnp.reshape(flat[..., lo : lo + size], lead + tuple(shape)))
            lo += size
        return self.treedef.unflatten(leaves)


def _out_tree(out):
    """None for one array or number (the op's output is that array), else its `OutTree`."""
    if isinstance(out, (float, int, np.ndarray, np.number, Traced)):
        return None
    leaves, td = tree.flatten(out)
    if not leaves or not all(isinstance(x, (float, int, np.ndarray, np.number, Traced)) for x in leaves):
        raise TypeError
    return OutTree(td, tuple(_shape(x) for x in leaves))


class _Custom(abc.ABC):
    """What custom_jvp and custom_vjp share: flattening, the op, the primal's SymPy form."""

    kind = ""

    def __init__(self, fun, nondiff_argnums=(), nondiff_argnames=(), *, sympy=None):
        if not callable(fun):
            raise TypeError(f"{self.kind} decorates a function, got {type(fun).__name__}")
        self.fun, self.sympy = fun, sympy
        try:  # (NumPy's ints too, as static_argnums: (np.int64(0),) was refused)
            nd = check_positions(nondiff_argnums, "nondiff_argnums") + self._named(nondiff_argnames)
        except TypeError:
            nd = (-1,)
        if any(i < 0 for i in nd):
            raise TypeError(f"{self.kind}'s nondiff_argnums must be non-negative ints, got {nondiff_argnums!r}")
        self.nondiff = tuple(sorted(set(nd)))
        self._bound: dict = {}  # nondiff arguments' fingerprints -> the function of the others they give
        self._op = None
        self._out_trees: dict = {}  # (trees, leaf shapes) -> the output's OutTree or None
        functools.update_wrapper(self, fun)

    def _named(self, names) -> tuple:
        """JAX's nondiff_argnames as positions of the function's parameters (then nondiff_argnums' meaning)."""
        names = (names,) if isinstance(names, str) else tuple(names)
        if not names:
            return ()
        params = list(inspect.signature(self.fun).parameters)
        missing = [n for n in names if n not in params]
        if missing:
            raise ValueError(
                f"{self.kind}'s nondiff_argnames {missing} are not parameters of {_name(self.fun)}: {params}"
            )
        return tuple(params.index(n) for n in names)

    def _unflatten(self, leaves, trees):
        # (a NumPy leaf is copied: it may be the caller's array or a sweep's stored value, and a user's rule that
        # updates its arguments or residuals in place, `res *= 0` in a bwd, changed the caller's input)
        it = iter(_own(x) for x in leaves)
        return [td.unflatten([next(it) for _ in range(td.num_leaves)]) for td in trees]

    def _flat_out(self, out, out_tree, what):
        """One array: `out` itself, or a pytree output's leaves packed (checked against `out_tree`)."""
        if out_tree is None:
            return out
        try:
            leaves, td = tree.flatten(out)
        except TypeError:
            leaves, td = None, None
        if td != out_tree.treedef:
            raise TypeError(
                f"{self.kind} {what} of {_name(self.fun)} returned {_describe(out)}, expected the "
                f"structure of the function's output {out_tree.treedef}"
            )
        for k, (x, shape) in enumerate(zip(leaves, out_tree.shapes)):
            if _shape(x) != shape:
                raise ValueError(
                    f"{self.kind} {what} of {_name(self.fun)}: output leaf {k} has shape {_shape(x)}, expected {shape}"
                )
        return out_tree.pack(leaves)

    def _impl(self, *leaves, trees, out_tree=None, closure=None):
        if closure is not None:  # (the function traced, the values it closes over its last arguments)
            return self._closed_value(leaves, out_tree, closure)
        out = self.fun(*self._unflatten(leaves, trees))
        self._no_closed_tracer(out, leaves)
        if out_tree is not None:
            return np.asarray(self._flat_out(out, out_tree, "function"), dtype=float)
        if not isinstance(out, (float, int, np.ndarray, np.number)):
            raise TypeError(
                f"{self.kind} function {_name(self.fun)} must return an array, a number or a pytree "
                f"of them, got {type(out).__name__}"
            )
        return out

    def _no_closed_tracer(self, out, leaves):
        """`_ClosedOver` for a function whose value at plain numbers is traced: it closes over a value of an
        enclosing trace (`grad(lambda a: grad(f_closing_over_a)(x))`), which `__call__` then converts
        (`_bind_closed`). (It was "must return an array ... got Tracer", blaming the function's return value.)"""
        if any(isinstance(x, Traced) for x in leaves):
            return
        try:
            out_leaves = tree.flatten(out)[0]
        except TypeError:
            return
        if any(isinstance(x, Traced) for x in out_leaves):
            raise _ClosedOver(
                f"{self.kind} function {_name(self.fun)} closes over a value traced by an enclosing transformation "
                "(its value here is traced though its arguments are not) where it cannot be converted: pass that "
                f"value to {_name(self.fun)} as an argument and give its derivative in the rule"
            )

    def _closed_value(self, args, out_tree, closure):
        """The function's value (its output leaves packed) from its traced graph at the argument leaves and the
        values it closes over (`args`: numbers while the equation is recorded, an enclosing trace's values when
        the inner derivative runs, which that trace then records)."""
        outs = evaluate(closure.graph, *args)
        if out_tree is None:
            return outs[0]
        y = out_tree.pack(outs)
        return y if isinstance(y, Traced) else np.asarray(y, dtype=float)

    def _bind_closed(self, leaves, trees, kw, read=(), plain=False):
        """The op bound on the argument leaves and, last, the enclosing traces' values the function closes over
        (JAX's closure conversion): the function traced at the leaves, those values lifted to inputs
        (`graph.lift_closure`), and those the rules read (`read`: they see them in their closures). One the leaves'
        own trace (or a deeper one) traces is refused by name: a derivative would need its cotangent, which the
        rule does not give. A function that cannot be traced (NumPy on its values) is refused by name where its
        value reads such values, else (`plain`: only its rules do) None: the op is bound as it is."""
        from .trace import outputs_of, specialise_enclosing, trace_flat

        def flat_fun(*xs):
            return tree.flatten(self.fun(*self._unflatten(xs, trees)))[0]

        try:
            t, tracers, outs = trace_flat(flat_fun, list(leaves))
        except (TracerConversionError, UnsupportedOperationError) as err:
            if plain:  # (only its rules read such values, seen in their closures: the op as before, rules read them)
                return None
            raise NotDifferentiableError(
                f"{self.kind} function {_name(self.fun)} closes over a value an enclosing transformation traces, and "
                f"it cannot be traced to be converted ({err}); pass that value to {_name(self.fun)} as an argument "
                "and give its derivative in the rule"
            ) from err
        graph = outputs_of(t, tracers, outs)
        if graph.specialised:  # (it branched on these values: so does every graph holding this equation)
            specialise_enclosing([*leaves, *t.consts], graph.specialised)
        sub, closed = lift_closure(graph)
        more = [v for v in read if all(v is not c for c in closed)]  # (read by the rules alone: unused inputs)
        if more:
            top = max([v.id for v in sub.inputs] + [e.out.id for e in sub.eqns], default=-1) + 1
            extra = tuple(Var(top + k, tuple(v.shape), v.dtype) for k, v in enumerate(more))
            sub, closed = sub._replace(inputs=tuple(sub.inputs) + extra), [*closed, *more]
        level = max(getattr(getattr(x, "_trace", None), "level", 0) for x in leaves)
        if any(getattr(getattr(c, "_trace", None), "level", level) >= level for c in closed):
            raise NotDifferentiableError(self._same_level())
        return self.op.bind(*leaves, *closed, trees=trees, closure=_Closure(sub, closed), **kw)

    def _same_level(self) -> str:
        name = _name(self.fun)
        return (
            f"{self.kind} function {name} closes over a value that the transformation of its arguments traces: its "
            f"derivative would need that value's, which the rule does not give (JAX refuses it too: differentiation "
            f"of a {self.kind} function with respect to a closed-over value); pass the value to {name} as an "
            "argument and give its derivative in the rule"
        )

    def _hiding(self, make, kind):
        """`make(i)` (argument leaf i's rule) taking the op's arguments with a closure's values last (`_Closure`):
        they are stripped (the rule reads them from the function's closure). A closed-over value's own derivative
        is the function's (its traced graph's: the rule gives none), which an enclosing derivative takes where
        this equation was recorded on its trace (the inner derivative run on its values). There the values are
        no longer the closure's, which the user's rule would read: a leaf's rule refuses by name."""

        def of(i):
            rule = make(i)

            def hiding(d, out, *args, closure=None, **params):
                if closure is None:
                    return self._found(rule(d, out, *args, **params), (d, out, *args), ())
                n = len(args) - closure.n
                if i >= n:
                    return getattr(closure, kind)(i - n, d, args, params.get("out_tree"))
                if not closure.live():
                    raise NotDifferentiableError(self._stale())
                return self._found(rule(d, out, *args[:n], **params), (d, out, *args), closure.closed)

            return hiding

        return of

    def _found(self, res, given, closed):
        """A rule's result `res` as it is, unless it is a value of a live trace that none of its arguments (`given`)
        is and that the closure scan (`_closed_tracers`) did not find (`closed`): the rule read an enclosing trace's
        value where the scan does not look, so the derivative through it would be lost (a bare TracerConversionError,
        or the rule's ops recorded on that trace unseen); refused by name, with the fix."""
        trace = getattr(res, "_trace", None) if isinstance(res, Traced) else None
        if trace is None or getattr(trace, "done", True) or any(isinstance(x, Traced) for x in given):
            return res
        if any(getattr(c, "_trace", None) is trace for c in closed):
            return res
        raise NotDifferentiableError(self._unfound("its rule"))

    def _unfound(self, who) -> str:
        name = _name(self.fun)
        return (
            f"{self.kind} function {name}: {who} reads a value an enclosing transformation traces that difflab did not "
            f"find where it looks (the rules' closure cells and the globals they name, and the lists, tuples, dicts "
            f"and object attributes those hold, {_CLOSURE_DEPTH} levels deep), so its derivative would be lost; pass "
            f"the value to {name} as an argument (as JAX's jax.closure_convert does) and give its derivative in the "
            "rule, or hold it nearer (a closure cell, or an attribute of an object the rule closes over)"
        )

    def _stale(self) -> str:
        name = _name(self.fun)
        return (
            f"{self.kind} function {name} closes over a value an enclosing transformation traces, and that "
            f"transformation differentiates {name} through its arguments too (they depend on the value): its rule, "
            f"reading the value from its closure, cannot be run at that transformation's values; pass the value to "
            f"{name} as an argument and give its derivative in the rule"
        )

    def _output_tree(self, leaves, trees):
        """The output's structure, found once per input structure and shapes by running the
        function on the traced values' numbers."""
        key = (trees, tuple(_shape(x) for x in leaves))
        if key not in self._out_trees:
            concrete = [x.concrete if isinstance(x, Traced) and hasattr(x, "concrete") else x for x in leaves]
            out = self.fun(*self._unflatten(concrete, trees))  # (traced where it closes over a traced value)
            try:
                self._out_trees[key] = _out_tree(out)
            except TypeError:
                raise TypeError(
                    f"{self.kind} function {_name(self.fun)} must return an array, a number or a "
                    f"pytree of them, got {type(out).__name__}"
                ) from None
        return self._out_trees[key]

    def __call__(self, *args, **kwargs):
        if kwargs:
            args = self._positional(args, kwargs)
        if self.nondiff:
            return self._with_nondiff(args)
        flat = [tree.flatten(a) for a in args]
        leaves = [x for lv, _ in flat for x in lv]
        if not any(isinstance(x, Traced) for x in leaves):
            # nothing to differentiate: the function itself, its result no view of an argument (f(x) = x)
            return tree.unaliased(self.fun(*args), leaves)
        trees = tuple(td for _, td in flat)
        out_tree = self._output_tree(leaves, trees)
        kw = {} if out_tree is None else {"out_tree": out_tree}
        # (values of live traces the rules read from their closures, but for the arguments themselves: nondiff_argnums'
        # rules hold the call's arguments)
        read = [v for v in _closed_tracers(self._rules()) if all(v is not x for x in leaves)]
        y = self._bind_closed(leaves, trees, kw, read, plain=True) if read else None
        if y is None:
            try:
                y = self.op.bind(*leaves, trees=trees, **kw)
            except _ClosedOver:  # (its value read an enclosing trace's value: converted)
                y = self._bind_closed(leaves, trees, kw, read)
        return y if out_tree is None else out_tree.unpack(y)

    def _positional(self, args, kwargs):
        """Keyword arguments as positional ones, by the function's signature (JAX's resolve_kwargs): the rules
        receive the primals in order. Was Python's "_Custom.__call__() got an unexpected keyword argument"."""
        try:
            bound = inspect.signature(self.fun).bind(*args, **kwargs)
        except TypeError as err:
            raise TypeError(f"{self.kind} function {_name(self.fun)}: {err}") from None
        except ValueError:  # (no signature: a builtin)
            bound = None
        if bound is not None:
            bound.apply_defaults()
        if bound is None or bound.kwargs:
            names = ", ".join(repr(k) for k in (kwargs if bound is None else bound.kwargs))
            raise TypeError(
                f"{self.kind} function {_name(self.fun)} takes its arguments positionally (its rules receive them "
                f"in order); {names} can be passed by keyword only: bind it first (functools.partial)"
            )
        return bound.args

    def _with_nondiff(self, args):
        """JAX's nondiff_argnums: the function of the other arguments, the nondiff ones fixed (never
        differentiated, passed as they are, first, to the rule: `_fix`); one per fingerprint of them."""
        if any(i >= len(args) for i in self.nondiff):
            raise TypeError(
                f"{self.kind} function {_name(self.fun)} has nondiff_argnums {self.nondiff}, called with {len(args)} "
                "argument(s)"
            )
        fixed = tuple(args[i] for i in self.nondiff)
        rest = [a for i, a in enumerate(args) if i not in self.nondiff]
        try:
            key = fingerprint(fixed)
        except Opaque:  # (not comparable: a function of its own, not kept)
            key = None
        g = self._bound.get(key) if key is not None else None
        if g is None:

            def merged(others):
                it = iter(others)
                return [fixed[self.nondiff.index(i)] if i in self.nondiff else next(it) for i in range(len(args))]

            @functools.wraps(self.fun)
            def of_others(*others):
                return self.fun(*merged(others))

            g = type(self)(of_others, sympy=self.sympy)
            self._fix(g, fixed, merged)
            if key is not None:
                if len(self._bound) >= 64:  # (bounded: a value that changes per call, a step size, would grow it)
                    self._bound.pop(next(iter(self._bound)))
                self._bound[key] = g
        return g(*rest)

    def _sympy_partials(self, *args, out_shape, named=None, trees, out_tree=None, closure=None):
        """The rule's Jacobian as SymPy expressions of the argument elements (`Op.sympy_partials`). With a closure's
        values last (`_Closure`): the rule's columns for the argument leaves (the values the rule reads from its
        closure written as those arguments' expressions), the function's own (its traced graph's, by SymPy's diff)
        for the closed-over values."""
        if closure is None:
            return self._rule_partials(*args, out_shape=out_shape, named=named, trees=trees, out_tree=out_tree)
        import sympy as sp

        n = len(args) - closure.n
        elements = [[sp.sympify(x) for x in np.ravel(np.asarray(a, dtype=object))] for a in args]
        outs = graph_sympy(closure.graph, args)
        flat = [sp.sympify(e) for o in outs for e in np.ravel(o)]
        if any(not x.is_Number for xs in elements[:n] for x in xs):
            closed = dict(zip(closure.ids, args[n:]))
            left = self._rule_partials(
                *args[:n], out_shape=out_shape, named=named, trees=trees, out_tree=out_tree, closed=closed
            )
        else:  # (no leaf is a variable here: the equation recorded on an enclosing trace, at a constant argument)
            left = np.full((len(flat), sum(map(len, elements[:n]))), sp.Integer(0), dtype=object)
        right = np.array(
            [[sp.Integer(0) if x.is_Number else sp.diff(e, x) for xs in elements[n:] for x in xs] for e in flat],
            dtype=object,
        ).reshape(len(flat), -1)
        return np.concatenate([left, right], axis=1)

    @abc.abstractmethod
    def _rule_partials(self, *leaves, out_shape, named=None, trees, out_tree=None, closed=None):
        """The rule's Jacobian as SymPy expressions of the argument leaves' elements; `closed`: {id of a value
        the function closes over: its expressions} (`_linear_part`)."""

    @abc.abstractmethod
    def _rule_graph(self, shapes, out_shape, trees, out_tree):
        """The rule traced at placeholder values of these shapes, as a function of the primals and of its
        tangents or cotangent (NotDifferentiableError where it cannot be)."""

    def _check_rule(self, *shapes, out_shape, trees, out_tree=None, closure=None):
        """`Op.check_rule`: the rule's tangents or cotangents checked (shape, dtype) by tracing it once at these
        shapes, for the numeric method, which never calls it; a rule that cannot be traced is not checked."""
        if closure is not None:  # (the closed-over values' shapes last: the rule reads them from its closure)
            shapes = shapes[: len(shapes) - closure.n]
        try:
            self._rule_graph(shapes, out_shape, trees, out_tree)
        except NotDifferentiableError:  # (no rule yet, NumPy on its values: numeric needs none of it)
            pass

    @abc.abstractmethod
    def _fix(self, g, fixed, merged):
        """Give `g` (the rule of the arguments left differentiable) this rule with the nondiff_argnums
        values `fixed` bound: custom_jvp binds them into its jvp, custom_vjp into its fwd and bwd."""

    @property
    def op(self) -> UserOp:
        if self._op is None:
            self._op = UserOp(
                _op_name(f"{self.kind}_{_name(self.fun)}"),
                self._impl,
                (self._hiding(self._jvp_of, "jvp"),),
                (self._hiding(self._vjp_of, "vjp"),),
                sympy=self._user_sympy if self.sympy else self._primal_sympy,
                nargs=None,
                doc=f"{_name(self.fun)} with a user's {self.kind.split('_')[1].upper()} rule",
                numeric_ignores=True,
                opened=getattr(self, "_opened", None),  # custom_vjp's
                sympy_partials=self._sympy_partials,  # the symbolic method honours the rule too
                check_rule=self._check_rule,  # numeric cannot: it checks it
            )
        return self._op

    def _user_sympy(self, *leaves, trees, out_tree=None, closure=None):
        if closure is not None:  # (your expression cannot see the traced values the function closes over)
            raise NotDifferentiableError(
                f"the symbolic method cannot use the sympy= expression of {self.kind} function {_name(self.fun)}: "
                "the function closes over a value an enclosing transformation traces; use method='reverse'"
            )
        out = self.sympy(*leaves, trees=trees)
        if out_tree is None:
            return out
        return np.concatenate([np.ravel(np.asarray(x, dtype=object)) for x in tree.flatten(out)[0]])

    def _primal_sympy(self, *leaves, trees, out_tree=None, closure=None):
        """The primal's expression: the function traced at these shapes, each op by its own
        SymPy translation (a pytree output's leaves raveled and concatenated); with a closure, its traced
        graph's at the leaves and the closed-over values' expressions."""
        from .trace import trace

        if closure is not None:
            outs = graph_sympy(closure.graph, leaves)
            return outs[0] if out_tree is None else np.concatenate([np.ravel(o) for o in outs])
        g = trace(lambda *xs: self.fun(*self._unflatten(xs, trees)), *[np.ones(np.shape(x)) for x in leaves])
        if g.specialised:  # its branch at these ones, not at the values differentiated (which no expression sees)
            raise NotDifferentiableError(
                f"the symbolic method cannot differentiate {self.kind} function {_name(self.fun)}: it branches on "
                "its argument values, so it has no one expression; give it sympy=..., or use another method"
            )
        outs = graph_sympy(g, leaves)
        return outs[0] if out_tree is None else np.concatenate([np.ravel(o) for o in outs])

    def _rules(self) -> tuple:
        """The user's rule functions (`_closed_tracers` reads what they close over)."""
        return ()

    def _check(self, what, got, want):
        if _shape(got) != tuple(want):
            raise ValueError(
                f"{self.kind} rule of {_name(self.fun)}: {what} has shape {_shape(got)}, expected {tuple(want)}"
            )

    def _checked(self, what, got, want, like, objects=False):
        """A rule's tangent or cotangent `got` as it may go on: an array of shape `want` with a float dtype (complex
        only where `like`, the value it goes with, is complex), widened to float64; else an error naming the rule,
        `what`, and its type, dtype or shape. (Unchecked, an integer or complex one came back as the gradient.)
        `objects`: the rule ran on object arrays (difflab.sparse's dependency sets), whose results are too."""
        if isinstance(got, Traced):
            dtype = got.dtype
        elif type(got) is int:  # a Python int (a literal 0) is weakly typed, as in JAX: a float
            got, dtype = float(got), np.dtype(float)
        elif isinstance(got, (np.ndarray, np.number, float, complex, bool)):
            dtype = np.asarray(got).dtype
        else:
            raise TypeError(
                f"{self.kind} rule of {_name(self.fun)}: {what} is a {type(got).__name__}, expected an array of "
                f"shape {tuple(want)}"
            )
        # (a traced value's own dtype: NumPy's result_type of it would read its number, specialising the trace)
        like_dtype = like.dtype if isinstance(like, (np.ndarray, Traced)) else np.result_type(like)
        kinds = "fc" if like_dtype.kind == "c" else "f"
        if dtype.kind not in kinds and not (objects and dtype.kind == "O"):
            wanted = "a real float" if kinds == "f" else "a float or complex"
            raise TypeError(
                f"{self.kind} rule of {_name(self.fun)}: {what} has dtype {dtype}, expected {wanted} dtype (the "
                f"value it goes with has dtype {like_dtype})"
            )
        self._check(what, got, want)
        if not isinstance(got, Traced) and dtype != np.float64 and dtype.kind == "f":
            got = np.asarray(got, dtype=float)  # (float32, float16: widened, as every result is float64)
        return got

    def _primal_out(self, got, out, out_tree, shape_only):
        """The rule's primal out checked against the function's value `out` (the op's output): JAX refuses one of
        another structure, shape or dtype, and uses the rule's where it differs in value, so that f's value and
        the derivative's primal differ; difflab's methods all give f's (numeric never calls the rule), and refuse
        a rule whose out is not it (at concrete values; a traced rule is checked for shape). Ignored, both were
        silent: an out of shape () for f's (2,), or sin(x) + 1 for sin(x). custom_vjp's fwd returns (out,
        residuals): its out is checked alike (ignored, a fwd returning None or a sum where f's is a vector passed)."""
        name = f"{self.kind} {'rule' if self.kind == 'custom_jvp' else 'fwd'} of {_name(self.fun)}"
        if out_tree is None and not isinstance(got, (float, int, complex, np.ndarray, np.number, Traced)):
            raise TypeError(
                f"{name}: its primal out is a {type(got).__name__}, expected an array of shape {_shape(out)}"
            )
        got = self._flat_out(got, out_tree, "rule's primal out")
        if _shape(got) != _shape(out):
            raise ValueError(
                f"{name}: its primal out has shape {_shape(got)}, expected the function's output shape {_shape(out)} "
                "(JAX refuses it too)"
            )
        a, b = (x.concrete if isinstance(x, Traced) and hasattr(x, "concrete") else x for x in (got, out))
        if shape_only or isinstance(a, Traced) or isinstance(b, Traced):
            return
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.kind not in "biufc" or b.dtype.kind not in "biufc":
            return
        with np.errstate(all="ignore"):
            scale = np.max(np.abs(np.where(np.isfinite(b), b, 0.0)), initial=1.0)
            ok = np.isclose(a, b, rtol=1e-6, atol=1e-12 * scale, equal_nan=True)
        if not ok.all():
            k = int(np.flatnonzero(~ok.ravel())[0])
            raise ValueError(
                f"{name}: its primal out is not the function's value (element {k}: {a.ravel()[k]!r}, the function's "
                f"{b.ravel()[k]!r}); JAX would return the rule's under a derivative and the function's elsewhere, "
                "and difflab's methods differ on it (numeric never calls the rule): return f(*primals)"
            )

    def _probe_linear(self, g, n, k=0):
        """Refuse a rule (`g`: of n primals, then its tangents or cotangent) that is not linear in them where the
        symbolic method can see it: at the placeholder primals, r(c·u) = c·r(u) for random u at two scales and
        c = -3. A bwd that clips its cotangent (JAX's docs' clip_gradient) is a function of the cotangent's values,
        which reverse mode honours at each call; no Jacobian can (symbolic gave 3 · 0.5 for min(3, 0.5))."""
        from .errors import dropping_domain_warnings

        rng = np.random.default_rng(0)
        xs = [np.ones(v.shape) for v in g.inputs[:n]]
        cs = [np.ones(v.shape) for v in g.inputs[len(g.inputs) - k :]]  # (values the rule closes over, lifted)
        with dropping_domain_warnings(), np.errstate(all="ignore"):
            for scale in (1.0, 1e4):
                us = [scale * rng.normal(size=v.shape) for v in g.inputs[n : len(g.inputs) - k]]
                one = evaluate(g, *xs, *us, *cs)
                three = evaluate(g, *xs, *[-3.0 * u for u in us], *cs)
                for a, b in zip(one, three):
                    a, b = -3.0 * np.asarray(a, dtype=float), np.asarray(b, dtype=float)
                    ok = ~np.isfinite(a) | ~np.isfinite(b) | np.isclose(a, b, rtol=1e-7, atol=1e-12 * scale)
                    if not ok.all():
                        raise NotDifferentiableError(
                            f"the symbolic method cannot honour the {self.kind} rule of {_name(self.fun)}: it is not "
                            f"linear in its {'tangents' if self.kind == 'custom_jvp' else 'cotangent'} (scaled by -3 "
                            "they gave another answer than -3 times theirs), so it has no Jacobian; use method='reverse'"
                        )

    def _linear_part(self, g, args, syms, what, named=None, closed=None):
        """The graph `g`'s outputs (a rule traced as a function of the primals and of its tangents or cotangents,
        `syms`) written in SymPy at `args`, as the matrix of their coefficients in `syms`: rows the outputs'
        elements, columns the symbols'. A rule that is not linear in them (a nonzero value at zero) is refused.
        `named`: {the function's value's expressions: their names}, written by name in the coefficients.
        `closed`: {id of a value of an enclosing trace the function closes over: its expressions}; the rule may
        read those (lifted to inputs, `graph.lift_closure`), no other."""
        import sympy as sp

        g, extras = lift_closure(g)
        if extras and (closed is None or any(id(v) not in closed for v in extras)):
            raise NotDifferentiableError(self._unfound("the symbolic method's expression of its rule"))
        args = [*args, *[closed[id(v)] for v in extras]] if extras and closed is not None else list(args)

        if g.specialised:  # (its branch at the placeholder values, not at the values differentiated)
            raise NotDifferentiableError(
                f"the symbolic method cannot write the {self.kind} rule of {_name(self.fun)} as an expression: it "
                "branches on its argument values; use method='forward' or 'reverse'"
            )
        self._probe_linear(g, len(args) - len(syms) - len(extras), len(extras))
        named = dict(named or {})  # (the function's own value in the rule, f(x), by the method's names for it)
        flat = [sp.sympify(e, strict=True).xreplace(named) for o in graph_sympy(g, args) for e in np.ravel(o)]
        names = [x for d in syms for x in np.ravel(d)]
        index = {x: j for j, x in enumerate(names)}
        zero = dict.fromkeys(names, sp.Integer(0))
        jac = np.full((len(flat), len(names)), sp.Integer(0), dtype=object)
        for k, e in enumerate(flat):
            at_zero = e.xreplace(zero)
            if not (at_zero == 0 or at_zero.is_zero):
                raise ValueError(
                    f"{self.kind} rule of {_name(self.fun)}: {what} is not linear in the "
                    f"{'tangents' if self.kind == 'custom_jvp' else 'cotangent'} (element {k} at zero is {at_zero}, "
                    "not 0); a rule must be linear in them (JAX's contract), or methods differ"
                )
            for x, c in _coefficients(e, index.keys(), sp).items():
                jac[k, index[x]] = c
        return jac


def _no_symbolic_zeros(custom, what, symbolic_zeros):
    if symbolic_zeros is not False:  # (difflab's rules always get zeros as arrays, never JAX's SymbolicZero objects)
        raise NotImplementedError(
            f"{_name(custom.fun)}.{what}(symbolic_zeros={symbolic_zeros!r}): difflab's rules receive every tangent and "
            "cotangent as an array (zeros as zeros), never JAX's SymbolicZero/CustomVJPPrimal objects: leave it out"
        )


def _describe(x):
    try:
        return f"the structure {tree.flatten(x)[1]}"
    except TypeError:
        return f"a {type(x).__name__}"


class custom_jvp(_Custom):
    """Give a function your own JVP rule (JAX's API): `@custom_jvp def f(x)`, then
    `@f.defjvp def rule(primals, tangents): return out, t_out`.

    Forward mode calls the rule; reverse mode transposes it (the rule must be linear in the
    tangents, and written with difflab's ops so that it can be traced and nested); numeric sees
    only the primal (with a warning); symbolic takes the rule's partials (written in SymPy), and
    the primal's expression, or the `sympy=` translation you give (object arrays of SymPy
    expressions in, one out), for the value.

    Shape contract: f takes arrays or pytrees of them and returns an array or a pytree of arrays
    (several outputs, as in JAX); the rule gets the primals and tangents as tuples of the same
    structure and returns (out, t_out), t_out with out's structure and shapes.

    >>> import difflab as dl, difflab.numpy as dnp
    >>> @dl.custom_jvp
    ... def softclip(x):
    ...     return dnp.tanh(x)
    >>> @softclip.defjvp
    ... def softclip_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return softclip(x), t * 1.0        # a straight-through estimator
    >>> dl.grad(softclip, method="forward")(3.0), dl.grad(softclip, method="reverse")(3.0)
    (1.0, 1.0)
    """

    kind = "custom_jvp"

    def __init__(self, fun, nondiff_argnums=(), nondiff_argnames=(), *, sympy=None):
        super().__init__(fun, nondiff_argnums, nondiff_argnames, sympy=sympy)
        self.rule = None

    def defjvp(self, rule, symbolic_zeros=False):
        _no_symbolic_zeros(self, "defjvp", symbolic_zeros)
        if not callable(rule):  # (was Python's "'int' object is not callable" at the first derivative)
            raise TypeError(
                f"{_name(self.fun)}.defjvp takes the rule, a function (primals, tangents) -> (out, t_out), got "
                f"{type(rule).__name__}"
            )
        self.rule, self._op, self._bound = rule, None, {}
        return rule

    def defjvps(self, *jvps):
        """JAX's per-argument form of defjvp: `jvp_i(t_i, ans, *primals)` is argument i's contribution to t_out
        (None: the argument has no tangent); t_out is their sum. Built as one defjvp rule, so every method and
        every nesting reads it as it reads defjvp's.

        >>> import difflab as dl, difflab.numpy as dnp
        >>> @dl.custom_jvp
        ... def f(x, y):
        ...     return dnp.sin(x) * y
        >>> f.defjvps(lambda tx, ans, x, y: dnp.cos(x) * y * tx, lambda ty, ans, x, y: dnp.sin(x) * ty)
        >>> float(dl.grad(f, argnums=1, method="forward")(0.5, 2.0)) == float(dnp.sin(0.5))
        True
        """
        if self.nondiff:  # (JAX refuses it too: its rule has no place for the fixed arguments)
            raise TypeError(
                f"{_name(self.fun)}.defjvps cannot be used with nondiff_argnums {self.nondiff}: "
                "use defjvp(rule), whose rule gets the nondiff arguments first"
            )
        bad = [k for k, j in enumerate(jvps) if j is not None and not callable(j)]
        if bad:
            raise TypeError(
                f"{_name(self.fun)}.defjvps takes one function (t_i, ans, *primals) -> t_out or None per argument; "
                f"argument {bad[0]}'s is a {type(jvps[bad[0]]).__name__}"
            )

        def rule(primals, tangents):
            if len(primals) != len(jvps):
                raise TypeError(
                    f"{_name(self.fun)}.defjvps was given {len(jvps)} rule(s), one per argument, and the function "
                    f"was called with {len(primals)} argument(s)"
                )
            ans = self(*primals)
            parts = [j(t, ans, *primals) for j, t in zip(jvps, tangents) if j is not None]
            if not parts:  # (no argument has a tangent: t_out is zero, shaped like ans)
                return ans, tree.tree_map(lambda a: 0.0 * a, ans)
            return ans, functools.reduce(lambda a, b: tree.tree_map(lambda x, y: x + y, a, b), parts)

        self.defjvp(rule)

    def _rules(self) -> tuple:
        return () if self.rule is None else (self.rule,)

    def _fix(self, g, fixed, merged):
        """JAX's rule with nondiff_argnums: `rule(*nondiff, primals, tangents)`, both of the other arguments."""
        if self.rule is not None:
            g.defjvp(lambda primals, tangents: self.rule(*fixed, primals, tangents))

    def _call_rule(self, leaves, trees, tangents, out, out_tree, values=True):
        if self.rule is None:
            raise NotDifferentiableError(
                f"custom_jvp function {_name(self.fun)} has no rule yet: call {_name(self.fun)}.defjvp(rule)"
            )
        res = self.rule(tuple(self._unflatten(leaves, trees)), tuple(self._unflatten(tangents, trees)))
        objects = any(isinstance(t, np.ndarray) and t.dtype.kind == "O" for t in tangents)  # (sparsity's)
        if not (isinstance(res, tuple) and len(res) == 2):
            raise TypeError(f"custom_jvp rule of {_name(self.fun)} must return (out, t_out), got {type(res).__name__}")
        if out_tree is not None:  # (each leaf first, its own dtype named; `_flat_out` names a wrong structure)
            try:
                leaves_out, td = tree.flatten(res[1])
            except TypeError:
                leaves_out, td = [], None
            if td == out_tree.treedef:
                for k, (x, shape) in enumerate(zip(leaves_out, out_tree.shapes)):
                    self._checked(f"t_out leaf {k}", x, shape, out, objects)
        t_out = self._checked("t_out", self._flat_out(res[1], out_tree, "rule's t_out"), _shape(out), out, objects)
        self._primal_out(res[0], out, out_tree, objects or not values)
        return t_out

    def _rule_graph(self, shapes, out_shape, trees, out_tree):
        """The rule traced as a function of the primals and the tangents (its checks run as it is traced)."""
        n, like = len(shapes), np.zeros(out_shape)

        def jvp(*xt):  # (`like` is no value of the function's: the primal out's shape alone is checked)
            return self._call_rule(xt[:n], trees, xt[n:], like, out_tree, values=False)

        return _traced_rule(self, jvp, [np.ones(shape) for shape in [*shapes, *shapes]])

    def _rule_partials(self, *leaves, out_shape, named=None, trees, out_tree=None, closed=None):
        """The rule's Jacobian in SymPy (`Op.sympy_partials`): the rule traced as a function of the primals and
        the tangents, written at the argument elements `leaves` and tangent symbols, t_out's coefficients."""
        import sympy as sp

        shapes = [np.shape(x) for x in leaves]
        dirs = [_symbols(sp, f"t{k}_", shape) for k, shape in enumerate(shapes)]
        g = self._rule_graph(shapes, out_shape, trees, out_tree)
        return self._linear_part(g, [*leaves, *dirs], dirs, "t_out", named, closed)

    def _jvp_of(self, i):
        def rule(t, out, *leaves, trees, out_tree=None):
            self._check(f"the tangent of argument leaf {i}", t, _shape(leaves[i]))
            tangents = [t if j == i else _zeros(x) for j, x in enumerate(leaves)]
            return self._call_rule(leaves, trees, tangents, out, out_tree)

        return rule

    def _vjp_of(self, i):
        def rule(ct, out, *leaves, trees, out_tree=None):
            from .differentiators.reverse import backward
            from .trace import trace

            # the rule as a function of argument i's tangent alone: linear, so its reverse sweep
            # at any point is the transpose
            def linear(ti):
                tangents = [ti if j == i else _zeros(x) for j, x in enumerate(leaves)]
                return self._call_rule(leaves, trees, tangents, out, out_tree)

            _TRANSPOSED.append(self)  # (a custom_vjp's forward jvp in the rule: J t from its bwd, `_linear_jvp`)
            try:
                g = trace(linear, np.zeros(_shape(leaves[i])))
            finally:
                _TRANSPOSED.pop()
            (o,) = g.outputs
            if not isinstance(o, Var):
                self._zero_at_zero(o.value)
                return _zeros(leaves[i])
            env: dict = {}
            evaluate(g, np.zeros(_shape(leaves[i])), env=env)
            self._zero_at_zero(env[o])
            return backward(g, env, (0,), {o: ct})[0]

        return rule

    def _zero_at_zero(self, t_out):
        """Refuse a rule whose t_out at zero tangents is not zero: reverse mode transposes the rule, which is then
        no linear map (it gave 0 where forward mode gave the rule's constant, silently)."""
        v = t_out.concrete if isinstance(t_out, Traced) and hasattr(t_out, "concrete") else t_out
        if isinstance(v, Traced):
            return
        v = np.asarray(v)
        bad = np.isfinite(v) & (v != 0)  # (an infinite partial times the zero tangent is the rule's own business)
        if bad.any():
            raise ValueError(
                f"custom_jvp rule of {_name(self.fun)}: t_out is not linear in the tangents (at zero tangents it is "
                f"{float(v[bad].ravel()[0])!r}, not 0); reverse mode transposes the rule, which must be linear in them "
                "(JAX's contract)"
            )


class custom_vjp(_Custom):
    """Give a function your own VJP rule (JAX's API): `@custom_vjp def f(x)`, then
    `f.defvjp(fwd, bwd)` with `fwd(*args) -> (out, residuals)` and
    `bwd(residuals, ct) -> tuple of cotangents, one per argument`.

    Reverse mode calls fwd and bwd in its backward sweep (residuals are recomputed there);
    forward mode refuses, as JAX does (no JVP can be derived from a VJP without m sweeps);
    numeric sees only the primal (with a warning); symbolic takes bwd's partials (written in
    SymPy: fwd and bwd must be traceable), and the primal's expression, or `sympy=`'s, for the value.

    Shape contract: f returns an array or a pytree of arrays; bwd gets `ct` with f's output
    structure (a tuple of cotangents for a tuple of outputs) and returns one cotangent per
    argument, shaped like it (a pytree argument gets a pytree cotangent; None: zero).

    >>> import difflab as dl, difflab.numpy as dnp
    >>> @dl.custom_vjp
    ... def clip_grad(x):
    ...     return x * 1.0
    >>> clip_grad.defvjp(lambda x: (clip_grad(x), None), lambda res, ct: (dnp.minimum(ct, 0.5),))
    >>> dl.grad(lambda x: 3.0 * clip_grad(x))(2.0)
    0.5
    >>> @dl.custom_vjp
    ... def both(x):                                   # two outputs
    ...     return x * x, 2.0 * x
    >>> both.defvjp(lambda x: (both(x), x), lambda x, ct: (2.0 * x * ct[0] + 2.0 * ct[1],))
    >>> dl.grad(lambda x: both(x)[0] + both(x)[1])(3.0)
    8.0
    """

    kind = "custom_vjp"

    def __init__(self, fun, nondiff_argnums=(), nondiff_argnames=(), *, sympy=None):
        super().__init__(fun, nondiff_argnums, nondiff_argnames, sympy=sympy)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd, symbolic_zeros=False, optimize_remat=False):
        """JAX's defvjp: `fwd(*args) -> (out, residuals)`, `bwd(residuals, ct) -> cotangents`. JAX's `optimize_remat`
        is taken and changes nothing (residuals are recomputed in the backward sweep here, always); its
        `symbolic_zeros=True` is refused by name."""
        _no_symbolic_zeros(self, "defvjp", symbolic_zeros)
        for what, fn in (("fwd", fwd), ("bwd", bwd)):
            if not callable(fn):  # (was Python's "'int' object is not callable" at the first derivative)
                raise TypeError(
                    f"{_name(self.fun)}.defvjp takes two functions, fwd (*args) -> (out, residuals) and bwd "
                    f"(residuals, ct) -> cotangents; its {what} is a {type(fn).__name__}"
                )
        self.fwd, self.bwd, self._op, self._bound = fwd, bwd, None, {}

    def _rules(self) -> tuple:
        return () if self.fwd is None else (self.fwd, self.bwd)

    def _fix(self, g, fixed, merged):
        """JAX's rules with nondiff_argnums: `fwd(*all arguments)`, `bwd(*nondiff, residuals, ct)` returning the
        other arguments' cotangents."""
        if self.fwd is not None:
            g.defvjp(lambda *others: self.fwd(*merged(others)), lambda res, ct: self.bwd(*fixed, res, ct))

    def _leaves(self, c, td):
        if c is None:
            return [None] * td.num_leaves
        lv, got = tree.flatten(c)
        if got != td:
            raise ValueError(f"custom_vjp bwd of {_name(self.fun)}: a cotangent has structure {got}, its argument {td}")
        return lv

    def _opened(self, *leaves, **params):
        """The function's own ops on an enclosing trace's values (`Op.opened`): an outer derivative of a reverse
        sweep differentiates them, as JAX's does; a function that cannot be traced stays the op."""
        if not any(isinstance(x, Traced) for x in leaves):
            return self.op.bind(*leaves, **params)
        if params.get("closure") is not None:  # (its traced graph, on the leaves and the closed-over values)
            return self._closed_value(leaves, params.get("out_tree"), params["closure"])
        try:
            out = self.fun(*self._unflatten(leaves, params["trees"]))
        except (TracerConversionError, UnsupportedOperationError):
            return self.op.bind(*leaves, **params)
        out_tree = params.get("out_tree")
        return out if out_tree is None else self._flat_out(out, out_tree, "function")

    def _jvp_of(self, i):
        def rule(t, out, *leaves, trees, out_tree=None):
            if not (_TRANSPOSED and isinstance(t, Traced)):
                raise NotDifferentiableError(
                    f"forward mode cannot differentiate custom_vjp function {_name(self.fun)}: "
                    "it has only a VJP rule (as in JAX); use method='reverse', or give it a "
                    "custom_jvp rule instead"
                )
            return self._linear_jvp(i, t, out, leaves, trees, out_tree)

        return rule

    def _linear_jvp(self, i, t, out, leaves, trees, out_tree):
        """J t for a traced tangent t while a custom_jvp rule calling forward jvp of this function is traced as a
        linear map of its tangents, for reverse mode to transpose (`_TRANSPOSED`; JAX's custom_lin): bwd is linear in the output's
        cotangent, so row k of J is bwd at the unit cotangent e_k, one bwd call per output element; the
        transpose of t -> J t is then bwd itself."""
        import difflab.numpy as dnp

        shape = _shape(out)
        rows = []
        for k in range(int(np.prod(shape))):
            e = np.zeros(int(np.prod(shape)))
            e[k] = 1.0
            c = self._cotangents(leaves, trees, e.reshape(shape), out_tree, out)[i]
            rows.append(dnp.sum(t * 0.0) if c is None else dnp.sum(c * t))
        return dnp.reshape(dnp.stack(rows), shape)

    def _cotangents(self, leaves, trees, ct, out_tree, out, values=True):
        """bwd's cotangents of every argument leaf at the primal leaves and the output's cotangent `ct`, each
        checked (shape and dtype, `_checked`); None for a zero one. fwd's out is checked against the function's
        value `out` (`_primal_out`: its shape, and its value where `values`)."""
        if self.fwd is None:
            raise NotDifferentiableError(
                f"custom_vjp function {_name(self.fun)} has no rule yet: call {_name(self.fun)}.defvjp(fwd, bwd)"
            )
        primals = self._unflatten(leaves, trees)
        res = self.fwd(*primals)
        if not (isinstance(res, tuple) and len(res) == 2):
            got = (  # (an array by its shape: on a traced sweep its type was difflab's "Tracer")
                f"a {type(res).__name__} of {len(res)}"
                if isinstance(res, (tuple, list))
                else f"an array of shape {_shape(res)}"
                if isinstance(res, (np.ndarray, Traced))
                else f"a {type(res).__name__}"
            )
            raise TypeError(f"custom_vjp fwd of {_name(self.fun)} must return the pair (out, residuals), got {got}")
        self._primal_out(res[0], out, out_tree, not values)
        cts = self.bwd(res[1], _own(ct) if out_tree is None else out_tree.unpack(_own(ct)))
        if not isinstance(cts, tuple) or len(cts) != len(trees):
            # (an array is named by its shape: on a traced sweep its type was difflab's "Tracer")
            got = (
                f"a tuple of {len(cts)}"
                if isinstance(cts, tuple)
                else f"an array of shape {_shape(cts)}"
                if isinstance(cts, (np.ndarray, Traced))
                else f"a {type(cts).__name__}"
            )
            raise TypeError(
                f"custom_vjp bwd of {_name(self.fun)} must return a tuple with one cotangent per "
                f"argument ({len(trees)}), got {got}"
            )
        flat = [x for c, td in zip(cts, trees) for x in self._leaves(c, td)]
        return [  # (None: JAX's zero cotangent)
            None if c is None else self._checked(f"the cotangent of argument leaf {k}", c, _shape(x), x)
            for k, (c, x) in enumerate(zip(flat, leaves))
        ]

    def _vjp_of(self, i):
        def rule(ct, out, *leaves, trees, out_tree=None):
            c = self._cotangents(leaves, trees, ct, out_tree, out)[i]
            return _zeros(leaves[i]) if c is None else c

        return rule

    def _rule_partials(self, *leaves, out_shape, named=None, trees, out_tree=None, closed=None):
        """bwd's Jacobian in SymPy (`Op.sympy_partials`): fwd and bwd traced as a function of the primals and the
        output's cotangent, written at the argument elements `leaves` and cotangent symbols, the coefficients of
        the arguments' cotangents, transposed."""
        import sympy as sp

        us = _symbols(sp, "u_", tuple(out_shape))
        g = self._rule_graph([np.shape(x) for x in leaves], out_shape, trees, out_tree)
        return self._linear_part(g, [*leaves, us], [us], "a cotangent of bwd", named, closed).T

    def _rule_graph(self, shapes, out_shape, trees, out_tree):
        """fwd then bwd traced as a function of the primals and the output's cotangent (its checks run as it is
        traced): the arguments' cotangents."""
        n, like = len(shapes), np.zeros(out_shape)

        def pullback(*xu):  # (`like` is no value of the function's: fwd's out is checked for shape)
            cts = self._cotangents(xu[:n], trees, xu[n], out_tree, like, values=False)
            return [_zeros(x) if c is None else c for c, x in zip(cts, xu[:n])]

        return _traced_rule(self, pullback, [*[np.ones(shape) for shape in shapes], np.ones(out_shape)])


def custom_gradient(fun):
    """JAX's custom_gradient (TensorFlow's tf.custom_gradient): `fun(*args) -> (out, vjp)`, where `vjp(ct)` gives one
    cotangent per argument (a tuple; a single one for a single argument may come bare) and may close over what fun
    computed. It is a custom_vjp whose fwd is fun itself (the vjp function its residual) and whose bwd calls it, so
    it has custom_vjp's reach: reverse and symbolic take the rule, forward refuses, numeric sees the value only.

    Shape contract: custom_vjp's.

    >>> import difflab as dl, difflab.numpy as dnp
    >>> @dl.custom_gradient
    ... def f(x):
    ...     return dnp.sin(x), lambda g: (2.0 * g * dnp.cos(x),)  # twice sin's slope
    >>> float(dl.grad(f)(0.0))
    2.0
    """
    if not callable(fun):
        raise TypeError(f"custom_gradient takes a function returning (value, vjp), got {type(fun).__name__}")

    def pair(*args):
        out = fun(*args)
        if not (isinstance(out, tuple) and len(out) == 2 and callable(out[1])):
            raise TypeError(
                f"custom_gradient: {_name(fun)} must return (value, vjp), vjp a function of the cotangent; got "
                f"{_describe(out)}"
            )
        value, vjp = out
        return value, (vjp, len(args))

    def bwd(res, ct):
        vjp, nargs = res
        cts = vjp(ct)
        return (cts,) if nargs == 1 and not isinstance(cts, tuple) else cts

    f = custom_vjp(functools.wraps(fun)(lambda *args: pair(*args)[0]))
    f.defvjp(pair, bwd)
    return f


def _coefficients(e, names, sp) -> dict:
    """{symbol of `names`: its coefficient} of e, an expression linear in them (a rule's t_out or cotangent), in
    one walk: a sum's terms add, a product with one factor holding them scales that factor's; anything else
    (a function of them: strong_mul(t, x)) is taken at each unit vector, which for a linear e is the coefficient."""
    if e in names:
        return {e: sp.Integer(1)}
    free = e.free_symbols & names
    if not free:
        return {}
    if e.is_Add:
        out: dict = {}
        for a in e.args:
            for x, c in _coefficients(a, names, sp).items():
                out[x] = out[x] + c if x in out else c
        return out
    if e.is_Mul:
        inner = [a for a in e.args if a.free_symbols & names]
        if len(inner) == 1:
            rest = sp.Mul(*[a for a in e.args if a is not inner[0]])
            return {x: rest * c for x, c in _coefficients(inner[0], names, sp).items()}
    return {x: e.xreplace({y: sp.Integer(1 if y is x else 0) for y in free}) for x in free}


def _symbols(sp, prefix, shape):
    """An object array of real SymPy symbols named prefix0, prefix1, ... (a rule's tangent or cotangent)."""
    flat = [sp.Symbol(f"_{prefix}{j}", real=True) for j in range(int(np.prod(shape)))]
    return np.array(flat, dtype=object).reshape(shape)


def _traced_rule(custom, fn, placeholders):
    """`fn` (a user's rule as a function of the primals and of its tangents or cotangents) traced at
    `placeholders`, or NotDifferentiableError naming the rule where it cannot be traced (NumPy on its values)."""
    from .errors import dropping_domain_warnings
    from .trace import trace

    try:
        with dropping_domain_warnings(), np.errstate(all="ignore"):  # (the placeholders are no point of the call)
            return trace(fn, *placeholders)
    except (TracerConversionError, UnsupportedOperationError) as err:
        raise NotDifferentiableError(
            f"the symbolic method cannot write the {custom.kind} rule of {_name(custom.fun)} as an expression "
            f"({err}); use method='reverse'{'' if custom.kind == 'custom_vjp' else ' or forward'}"
        ) from err


def graph_sympy(g, args) -> list:
    """A graph's outputs as object arrays of SymPy expressions of `args` (object arrays), each
    equation by its op's own translation (what the symbolic method does, without naming values)."""
    import sympy as sp

    from .differentiators.program import _translate_masks
    from .differentiators.symbolic import _as_object

    def translate(e, vals):
        return (e.op.sympy or e.op.impl)(*vals, **e.kw)

    env = dict(zip(g.inputs, args))
    for e in g.eqns:
        vals = [env[a] if isinstance(a, Var) else _as_object(a.value) for a in e.args]
        env[e.out] = _translate_masks(e, vals, sp, translate)[1]  # (a mask as a number: 1 or 0, as the method's)
    return [env[o] if isinstance(o, Var) else _as_object(o.value) for o in g.outputs]
