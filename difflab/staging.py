"""JAX's staging names over difflab's one trace: `jit`, `make_jaxpr`, `eval_shape` and `ShapeDtypeStruct`.

Each is a thin layer over what exists: `jit` keeps one `dl.prepare` preparation (api/prepared.py: the
compiled tape, its signature checks and static arguments) per input signature, `make_jaxpr` is
`dl.trace` with JAX's calling convention, and `eval_shape` reads the shapes and dtypes of a trace.

How `jit` works. A call with plain values looks its signature up (shapes and dtypes of the float
leaves, type and value of every other leaf and of the static arguments: api.boundary.signature_key);
a new one traces f once into a PreparedFunction, whose compiled tape answers every later call of that
signature. A call holding traced values (inside dl.grad, dl.vmap, dl.jvp, ...) calls f itself, so
the enclosing trace records f's equations (JAX's jit inlined) and every method differentiates it.
"""

from __future__ import annotations

import _thread
import functools
import inspect
from collections import OrderedDict

import numpy as np

from . import tree
from .api.boundary import signature_key
from .api.complexes import Realified, is_complex_leaf
from .api.operators import CACHE_SIZE
from .api.prepared import PreparedFunction, _Bound, _hashable, _static_positions
from .compile.reads import Opaque
from .errors import DifflabError, check_function, check_positions, collecting
from .graph import Const, Graph, Traced
from .api.boundary import out_dtypes
from .trace import _as_input, check_returned, outputs_of, trace, trace_flat

__all__ = ["jit", "make_jaxpr", "eval_shape", "ShapeDtypeStruct"]


class ShapeDtypeStruct:
    """A shape and a dtype standing for an array (JAX's): what `eval_shape` returns, and takes in place of one.

    Shape contract: `shape` a tuple of ints ≥ 0, `dtype` a NumPy dtype; `ndim` and `size` as an array's.

    >>> ShapeDtypeStruct((2, 3), "float64")
    ShapeDtypeStruct(shape=(2, 3), dtype=float64)
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
        try:
            ok = all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 for d in dims)
        except TypeError:
            ok = False
        if not ok:
            raise TypeError(f"ShapeDtypeStruct's shape must be a tuple of ints >= 0, got {shape!r}")
        self.shape = tuple(int(d) for d in dims)
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"ShapeDtypeStruct's dtype must be a NumPy dtype, got {dtype!r}") from None

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

    def __eq__(self, other):
        return type(other) is ShapeDtypeStruct and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


class _Enclosed(DifflabError):
    """A jitted function's trace closed over values of an enclosing trace: it cannot be kept, it is inlined."""


class _JitPrepared(PreparedFunction):
    """A PreparedFunction whose refusal of a graph specialised to its values names jit."""

    ints: tuple = ()  # its integer outputs (`_integer_outputs`), set by jit when made

    def _refuse(self, why):
        if not why:  # (closing over an enclosing trace's values: the only reason without a `why`)
            raise _Enclosed()
        raise ValueError(
            f"dl.jit({self.__name__}): its trace is specialised to its input values (by {why}), so one compiled "
            "graph cannot answer other values (JAX's jit refuses value-dependent Python control flow too); write "
            "the branch with dnp.where, pass that argument in static_argnums, or call the function without jit"
        )


class _Valued:
    """f with its static arguments bound, after one unused float argument: the preparation differentiates that
    one (argnums=0), so that every argument of f, whatever its leaves, is only evaluated."""

    def __init__(self, bound, name):
        self.bound, self.__name__ = bound, name

    def __call__(self, _unused, *dyn):
        return self.bound(*dyn)


class Jitted:
    """`jit(f)`: f's value from a graph traced and compiled once per input signature (see `jit`)."""

    def __init__(self, f, static_argnums, static_argnames):
        check_function(f, "jit")
        self.f = f
        self.static_argnums = check_positions(static_argnums, "static_argnums")
        names = (static_argnames,) if isinstance(static_argnames, str) else static_argnames
        if not isinstance(names, (tuple, list)) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"static_argnames must be a str or a tuple of str, got {static_argnames!r}")
        self.static_argnames = tuple(names)
        self._signature = _signature_of(f)
        self._static_reach = -1  # the last positional parameter that is static (a call leaving it out gets its default)
        self._check_against_signature()
        self._cache: OrderedDict = OrderedDict()
        self._positions: dict = {}  # the static positions for each number of arguments a call brought
        self._lock = _thread.RLock()
        # (__name__, __doc__, __wrapped__: the decorated function's; not its __dict__, whose `f` of a dl.grad would
        # replace this one's)
        functools.update_wrapper(self, f, updated=())

    def _check_against_signature(self):
        """Static positions and names that f's signature cannot have, refused at jit (as JAX's jit does)."""
        sig, name = self._signature, getattr(self.f, "__name__", type(self.f).__name__)
        if sig is None:
            return
        kinds = [p.kind for p in sig.parameters.values()]
        positional = [p.name for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if inspect.Parameter.VAR_POSITIONAL not in kinds:
            for i in self.static_argnums:
                if not -len(positional) <= i < len(positional):
                    raise ValueError(
                        f"jit: static_argnums={i} is out of range for {name}, which takes {len(positional)} "
                        "positional argument(s)"
                    )
        for n in self.static_argnames:
            if n not in positional:
                raise ValueError(
                    f"jit: static_argnames={n!r} is not a positional parameter of {name} "
                    f"({', '.join(positional) or 'it has none'})"
                )
        reach = [i for i in self.static_argnums if 0 <= i < len(positional)]
        self._static_reach = max([*reach, *(positional.index(n) for n in self.static_argnames)], default=-1)

    def __difflab_reads__(self):
        return (("f", self.f),)  # inlined into an enclosing trace: what f reads is that trace's to check

    def __call__(self, *args, **kwargs):
        if kwargs or len(args) <= self._static_reach:  # (a static parameter left out: its default, as JAX's jit)
            args = self._by_position(args, kwargs)
        flat = [tree.flatten(a) for a in args]
        if any(isinstance(x, Traced) for lv, _ in flat for x in lv):
            return self.f(*args)  # inside another transform's trace: inlined
        try:
            prepared, dyn = self._prepared(args, flat)
        except _Enclosed:  # (f closes over an enclosing trace's values: that trace records it)
            return self.f(*args)
        return _with_int_dtypes(prepared(0.0, *dyn), prepared.ints)

    def _by_position(self, args, kwargs) -> tuple:
        """The call's arguments, keyword ones put at their positions (f's defaults filling any gap)."""
        name = getattr(self.f, "__name__", "f")
        if self._signature is None:
            raise TypeError(
                f"jit-compiled {name} has no signature to place keyword arguments by: pass them by position"
            )
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        by_keyword = [k for k in bound.kwargs if k in kwargs]
        if by_keyword:
            raise TypeError(
                f"jit-compiled {name} passes its arguments by position: {', '.join(map(repr, by_keyword))} is "
                "keyword-only (bind it with functools.partial)"
            )
        return bound.args

    def _split(self, args) -> tuple:
        """(static positions, their values, the other arguments) of a call."""
        n, name = len(args), getattr(self.f, "__name__", "f")
        for i in self.static_argnums:
            if not -n <= i < n:
                raise ValueError(f"jit: static_argnums={i} is out of range for a call of {name} with {n} argument(s)")
        static = self._positions.get(n)
        if static is None:  # (inspect.signature costs more than the rest of a call: once per argument count)
            static = self._positions[n] = _static_positions(self.f, n, self.static_argnums, self.static_argnames)[0]
        values = tuple(args[i] for i in static)
        for i, v in zip(static, values):
            if not _hashable(v):
                raise ValueError(
                    f"static argument {i} of jit-compiled {name} is a {type(v).__name__}, which is not hashable: a "
                    "static argument keys the compiled graph (as in JAX's jit); pass a tuple, or make it non-static"
                )
        return static, values, tuple(a for i, a in enumerate(args) if i not in static)

    def _prepared(self, args, flat):
        """(the preparation for this call's signature, the call's non-static arguments as it takes them);
        `flat`: each argument flattened."""
        static, values, dyn = self._split(args)
        flat = [fl for i, fl in enumerate(flat) if i not in static]
        # complex leaves enter as (Re, Im) pairs of floats, rebuilt inside the trace (api/complexes.py, as grad's):
        # a graph input each, where the signature would bake a complex leaf's value in as a constant
        flags = tuple(tuple(is_complex_leaf(x) for x in lv) for lv, _ in flat)
        given, complex_ = dyn, any(map(any, flags))
        if complex_:
            dyn = tuple(Realified(None, given, range(len(given))).args)  # (the pairs only: no function needed)
            flat = [tree.flatten(a) for a in dyn]
        try:
            key = (len(args), static, tuple((type(v), v) for v in values), flags, signature_key(flat))
        except Opaque:  # a leaf that cannot be compared: traced afresh, never kept
            key = None
        with self._lock:
            p = self._cache.get(key) if key is not None else None
            if p is None:
                fn = _Bound(self.f, static, values, len(args))
                if complex_:
                    fn = Realified(fn, given, range(len(given))).f
                p = collecting(_JitPrepared, _Valued(fn, getattr(self.f, "__name__", "f")), (0.0, *dyn), 0, "reverse")
                p.ints = _integer_outputs(p.graph)
                if key is not None:
                    self._cache[key] = p
                    if len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
        return p, dyn

    def preparations(self) -> list:
        """The PreparedFunctions made so far, one per input signature (least recently used first)."""
        return list(self._cache.values())

    def __repr__(self):
        return f"<jit {getattr(self.f, '__name__', '?')}: {len(self._cache)} compiled signature(s)>"


def _integer_outputs(graph) -> tuple:
    """(output leaf, its dtype, whether a Python int) of each integer output f returned: the prepared tape gives
    every non-boolean output as a float, where f's own value, and JAX's jit, give an integer."""
    out = []
    for k, v in enumerate(graph.outputs):
        s = _struct(v)
        if s.dtype.kind in "iu":
            out.append((k, s.dtype, isinstance(v, Const) and type(v.value) is int))
    return tuple(out)


def _with_int_dtypes(out, ints):
    if not ints:
        return out
    leaves, td = tree.flatten(out)
    for k, dtype, python_int in ints:
        x = np.asarray(leaves[k]).astype(dtype)
        leaves[k] = int(x) if python_int else x if x.ndim else x[()]
    return td.unflatten(leaves)


def _signature_of(f):
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):  # (a builtin without one)
        return None


def jit(f, static_argnums=(), static_argnames=(), **options):
    """JAX's `jit`: f computed from a graph traced once per input signature and replayed compiled.

    Shape contract: `jit(f)(*args)` is `f(*args)`, any pytree of arrays and floats, with the same
    structure, shapes and dtypes. Each new signature (shapes and dtypes of the float leaves; the type and
    value of every other leaf, which the graph holds as a constant; the static arguments' values) is
    traced once by `dl.prepare`'s machinery; later calls of it run the compiled tape. As in JAX, whatever
    f reads besides its arguments (closed-over arrays, globals) is baked in when it is traced.
    `static_argnums` / `static_argnames`: those arguments (any hashable value) are constants of the graph,
    a new value traced again. Called with traced values (inside `dl.grad`, `dl.vmap`, `dl.jvp`, ...), f is
    traced through, so `dl.grad(dl.jit(f))` works for every method, and `dl.jit(dl.grad(f))` replays the
    traced gradient. Value-dependent Python control flow (`if x > 0:`) is refused by name, as `dl.prepare`
    refuses it: one graph could not answer other values. Use as `@dl.jit` or
    `functools.partial(dl.jit, static_argnums=1)`.

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> f = dl.jit(lambda x, k: dnp.sin(x) ** k, static_argnums=1)
    >>> f(np.array([0.5, 1.0]), 2)
    array([0.22984885, 0.70807342])
    >>> dl.grad(lambda x: f(x, 2).sum())(np.array([0.5, 1.0]))  # traced through: sin(2x)
    array([0.84147098, 0.90929743])
    """
    if options:
        raise TypeError(
            f"jit got keyword(s) {', '.join(sorted(options))}: difflab's jit takes static_argnums and static_argnames "
            "(devices, shardings and buffer donation have no meaning here)"
        )
    return Jitted(f, static_argnums, static_argnames)


def make_jaxpr(f, static_argnums=()):
    """JAX's `make_jaxpr`: `make_jaxpr(f)(*args)` is the Graph `dl.trace(f, *args)` gives, one equation a line.

    Shape contract: args are numbers, arrays or pytrees of them (each leaf one input of the graph); the
    arguments in `static_argnums` are passed to f as they are (constants of the graph, no inputs).

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> print(dl.make_jaxpr(lambda x: dnp.tanh(x).sum())(np.ones(2)))
    { lambda v0:f64[2] .
        v1 = tanh(v0) : f64[2]
        v2 = sum(v1, axis=None, keepdims=False) : f64[]
      in (v2) }
    """
    check_function(f, "make_jaxpr")
    nums = check_positions(static_argnums, "static_argnums")

    @functools.wraps(f)
    def traced(*args, **kwargs) -> Graph:
        n = len(args)
        for i in nums:
            if not -n <= i < n:
                raise ValueError(f"make_jaxpr: static_argnums={i} is out of range for a call with {n} argument(s)")
        static = {i % n for i in nums}
        args = tuple(a if i in static else tree.tree_map(_standing_in, a) for i, a in enumerate(args))
        bound = _Bound(f, tuple(sorted(static)), tuple(args[i] for i in sorted(static)), n)
        dyn = _dynamic(args, static)
        g, keyword_values = _keywords_last(bound, len(dyn), kwargs)
        return trace(g, *dyn, *keyword_values)

    return traced


def _keywords_last(f, n, kwargs) -> tuple:
    """(g, kwargs' values) with g(*n positional, *those values) = f(*n positional, **kwargs): keyword arguments
    made graph inputs after the positional ones, as JAX's make_jaxpr and eval_shape take them."""
    if not kwargs:
        return f, ()
    keys = tuple(kwargs)

    def g(*a):
        return f(*a[:n], **dict(zip(keys, a[n:])))

    g.__name__ = getattr(f, "__name__", "f")
    return g, tuple(tree.tree_map(_standing_in, kwargs[k]) for k in keys)


def _dynamic(args, static) -> list:
    return [a for i, a in enumerate(args) if i not in static]


def eval_shape(f, *args, **kwargs):
    """JAX's `eval_shape`: the shapes and dtypes of f's outputs, as a pytree of `ShapeDtypeStruct`, from a trace.

    Shape contract: args and kwargs as f's (pytrees of numbers and arrays), any leaf may be a `ShapeDtypeStruct`
    (f is traced at zeros of that shape and dtype); the result has the structure of f's output. The trace
    runs f's Python once at those values; its branches are those values' (JAX would refuse a branch on them).

    >>> import difflab as dl, numpy as np
    >>> dl.eval_shape(lambda x: {"y": x @ x.T}, dl.ShapeDtypeStruct((2, 3), np.float64))
    {'y': ShapeDtypeStruct(shape=(2, 2), dtype=float64)}
    """
    check_function(f, "eval_shape")
    leaves, arg_td = tree.flatten((list(args), kwargs))
    # a Python number stays a Python number (NumPy's weak scalar, as JAX's weak type: float32 · 2 is float32), where
    # a graph input would be a float64 or int64 array and promote the output
    inputs = [k for k, x in enumerate(leaves) if type(x) not in (bool, int, float, complex)]
    found: list = []

    def recorded(*xs):
        filled = list(leaves)
        for k, x in zip(inputs, xs):
            filled[k] = x
        a, kw = arg_td.unflatten(filled)
        out_leaves, td = tree.flatten(f(*a, **kw))
        found.append(td)
        return out_leaves

    recorded.__name__ = getattr(f, "__name__", "f")
    xs = [_standing_in(leaves[k]) for k in inputs]
    # traced in float64 with the outputs' dtypes by NumPy's promotion, as every operator computes and returns them
    # (boundary.out_dtypes): traced in float32, a float32 x's np.sum(x, dtype=np.float64) said float32 (its astype
    # sets only the dtype) and its np.quantile(x, 0.3) float64 (the weights' dtype, which NumPy gives x's)
    in_dtypes = [None if isinstance(x, Traced) else np.result_type(x) for x in xs]
    narrow = any([d in _NARROW for d in in_dtypes])
    if narrow:
        xs = [x.astype(np.complex128 if x.dtype.kind == "c" else np.float64) if _narrow(x) else x for x in xs]
    check_function(recorded, "eval_shape")
    t, ins, outs = trace_flat(recorded, [_as_input(x, k) for k, x in enumerate(xs)], narrow=narrow)
    check_returned(outs, "traces")
    graph = outputs_of(t, ins, outs)
    dts = out_dtypes(graph, in_dtypes, t.weak) if narrow or t.casts else [None] * len(graph.outputs)
    return found[-1].unflatten([_struct(v, d) for v, d in zip(graph.outputs, dts)])


_NARROW = (np.dtype(np.float32), np.dtype(np.float16), np.dtype(np.complex64))


def _narrow(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic)) and x.dtype in _NARROW


def _struct(v, dtype=None) -> ShapeDtypeStruct:
    if isinstance(v, Const):  # (an output f computed from no argument)
        return ShapeDtypeStruct(np.shape(v.value), np.result_type(v.value))
    return ShapeDtypeStruct(v.shape, dtype if dtype is not None and v.dtype.kind in "fc" else v.dtype)


def _standing_in(x):
    return np.zeros(x.shape, x.dtype) if isinstance(x, ShapeDtypeStruct) else x
