"""The public operators: grad, value_and_grad, jacobian, hessian, jvp, vjp, prepare, compare.

Each one flattens its pytree arguments once, traces the function (cached per input signature
unless value-dependent control flow specialised the graph), hands the graph to a differentiator
and rebuilds the result's structure. `method` is a name ("symbolic", "numeric", "forward",
"reverse") or a configured differentiator object such as `Numeric(scheme="richardson")`.

Bad input is answered at this boundary, alike by every operator (DESIGN.md §6): argnums, dtypes,
keyword arguments, empty arrays and what f returns are checked by name; a derivative row of an
output that is NaN or ±inf (a value outside an op's domain: log(-1), 1/0) and a derivative column
of an input that is NaN or ±inf are NaN, whatever the method (finite differences cannot answer
otherwise, and the rules' arithmetic there is no derivative); the DomainWarnings of one call are
issued once per op, pointing at the caller's line (errors.Collector); results never alias an
input, a constant or each other.
"""
from __future__ import annotations

import functools
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from . import tree
from .differentiators import METHODS, get_method
from .differentiators.base import split
from .differentiators.numeric import nesting
from .errors import Collector, collecting
from .graph import Const, EvalCounter, Graph, Traced, Var, evaluate_batched
from .trace import Opaque, _Ident, fingerprint, outputs_of, reads_of, trace_flat, traced_values

__all__ = ["grad", "value_and_grad", "jacobian", "hessian", "jvp", "vjp", "vmap", "prepare", "compare",
           "PreparedFunction", "Comparison"]


# -- validation at the boundary: every operator checks its call the same way ----------------------

def _public_call(call):
    """An operator's `__call__`: keyword arguments are refused by name, and the DomainWarnings of
    the call are issued once per equation, pointing at the caller's line (errors.collecting)."""
    @functools.wraps(call)
    def checked(self, *args, **kwargs):
        if kwargs:
            _refuse_kwargs(getattr(self, "__name__", "the function"), kwargs)
        return collecting(call, self, *args)
    return checked


def _refuse_kwargs(name, kwargs):
    keys = ", ".join(map(repr, kwargs))
    raise TypeError(f"keyword argument(s) {keys} passed to the differentiated function {name}: difflab passes "
                    "positional arguments only; bind the others first (functools.partial or a lambda)")


def _check_not_empty(x, i, j):
    shape = np.shape(x)
    if 0 in shape:
        raise ValueError(f"argument {i} (leaf {j}) has shape {shape}: an empty array has no entries to "
                         "differentiate")


def _nonfinite(outs):
    """Flat mask of the output entries that are NaN or ±inf; None when all are finite (checked
    cheaply: this runs on every call) or some are traced (then see `_poison`)."""
    if all([type(o) is float and math.isfinite(o) for o in outs]):
        return None
    if any([isinstance(o, Traced) for o in outs]):
        return None
    bad = np.concatenate([~np.isfinite(np.ravel(o)) for o in outs]) if outs else np.zeros(0, bool)
    return bad if bad.any() else None


def _poison_traced(d, out):
    """d, NaN where the traced scalar `out` is NaN or inf (a comparison: it raises no flag)."""
    from . import numpy as dnp
    return dnp.where(dnp.abs(out) < math.inf, d, math.nan) if isinstance(out, Traced) else d


def _nan_rows(jac, bad, cols=None):
    """The Jacobian (m, n) with NaN rows where the output is not finite and NaN columns where the
    input is not (DESIGN.md §6: a value outside an op's domain, or a NaN/inf input, has no
    derivative: every method answers NaN, as finite differences do, never a finite number)."""
    if (bad is None and cols is None) or isinstance(jac, Traced):
        return jac
    jac = np.array(jac, dtype=float)
    if bad is not None:
        jac[bad] = np.nan
    if cols is not None:
        jac[:, cols] = np.nan
    return jac


def _nan_inputs(st, xs, parts):
    """Gradient parts (one per differentiated leaf), NaN where that leaf's input is NaN or inf."""
    for k, i in enumerate(st.wrt):
        x = xs[i]
        if type(x) is float:
            if not math.isfinite(x):
                parts[k] = math.nan if type(parts[k]) is float else np.full(np.shape(parts[k]), np.nan)
        elif isinstance(x, np.ndarray) and not np.isfinite(x.sum()) and not np.isfinite(x).all():
            parts[k] = np.where(np.isfinite(x), parts[k], np.nan)
    return parts


def _own(values, graph: Graph, inputs=()):
    """Results of their own: never an input, a constant, a view of either or another result."""
    out, seen = [], {id(x) for x in inputs if isinstance(x, np.ndarray)}
    for o, v in zip(values, graph.outputs):
        if type(o) is np.ndarray and (o.base is not None or not o.flags.writeable or id(o) in seen
                                      or not isinstance(v, Var) or v in graph.inputs):
            o = o.copy()
        seen.add(id(o))
        out.append(o)
    return out


# -- staging: flatten the arguments, trace, remember how to rebuild ------------------------------

def _check_argnums(argnums, nargs):
    many = isinstance(argnums, (tuple, list))
    nums = tuple(argnums) if many else (argnums,)
    for a in nums:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -nargs <= a < nargs:
            raise ValueError(f"argnums {a} is out of range for a function called with {nargs} arguments")
    return tuple(int(a) % nargs for a in nums), many


def _leaf_kind(x, name):
    """'input' for float values (traced), 'static' for everything else (baked into the graph)."""
    if isinstance(x, Traced):
        return "input"
    if isinstance(x, (bool, np.bool_)):
        return "static"
    if isinstance(x, (float, np.floating)) or (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        return "input"
    return "static"


def _signature_key(x):
    """What of an argument leaf a graph depends on: shape and dtype for the traced ones, the whole
    value (and type: 1, True and 1.0 differ) for the static ones, which are baked into the graph.
    Raises Opaque for a static leaf that cannot be compared (then nothing is cached)."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return (x.shape, x.dtype)
    if isinstance(x, Traced):
        return ("traced", x.shape, x.dtype)
    if isinstance(x, (float, np.floating)):
        return ("float",)
    return ("static", fingerprint(x))


@dataclass
class Staged:
    """A traced function at one input signature, with what it needs to rebuild structures."""

    graph: Graph
    arg_trees: list  # TreeDef per argument
    input_pos: list  # (arg index, leaf index) of each graph input
    wrt: tuple       # indices into graph.inputs of the differentiated leaves
    wrt_float: list  # was each differentiated leaf a Python float (then return floats)
    out_tree: tree.TreeDef
    argnums: tuple
    many: bool
    cacheable: bool = True
    reusable: bool = True  # not specialised to its input values, not closing over an outer trace
    reads: tuple = ()  # what the trace read outside its arguments (trace.Reads), checked on reuse
    prepared: dict = field(default_factory=dict)
    scalar: bool = False  # checked once: the output is a single number
    values: dict | None = None  # every value as traced: stands in for the first evaluation
    _fast: object = None   # generated readers: args -> graph inputs, gradient parts -> pytree
    _build: object = None

    def inputs(self, args) -> list:
        leaves = [tree.flatten(a)[0] for a in args]
        return [_as_float(leaves[i][j]) for i, j in self.input_pos]

    def take_values(self):
        """The traced values, once: they hold for the call that traced, and are let go after it."""
        values, self.values = self.values, None
        return values

    def unchanged(self) -> bool:
        """True while everything the trace read outside its arguments is as it was then."""
        for r in self.reads:
            if not r.unchanged():
                return False
        return True

    def learn(self, args):
        """Generate the fast reader from `args`, which must match this signature."""
        if self._fast is None:
            try:
                self._fast, self._build = _reader(self, args)
            except Opaque:  # a static leaf that cannot be compared: always the general path
                pass

    def fast(self, args):
        """The graph inputs when `args` match the learnt call exactly (same containers, float64
        arrays of the same shapes, the very same static leaves), else None: then the general
        path (flatten, convert, explain a mismatch) decides."""
        return self._fast(args) if self._fast is not None and self.scalar else None

    def outputs(self, outs, inputs=()):
        """The output pytree. A leaf never aliases an input, a constant, a view of either or another
        leaf (a function returning its argument, x[:2], or one value twice): such a leaf is a copy."""
        return self.out_tree.unflatten([_result(o) for o in _own(outs, self.graph, inputs)])

    def wrt_shapes(self):
        return [self.graph.inputs[i].shape for i in self.wrt]

    def unflatten_wrt(self, parts):
        """Per-wrt-leaf arrays → one pytree per argnum (a tuple when argnums was a tuple)."""
        if not self.many:
            return self.arg_trees[self.argnums[0]].unflatten(parts)
        grads, k = [], 0
        for a in self.argnums:
            n = self.arg_trees[a].num_leaves
            grads.append(self.arg_trees[a].unflatten(parts[k:k + n]))
            k += n
        return tuple(grads)

    def floats(self, parts):
        """Python floats back for the leaves that were Python floats."""
        if not any(self.wrt_float):
            return parts
        return [float(p) if was_float and not isinstance(p, Traced) else p for p, was_float in zip(parts, self.wrt_float)]

    def split_flat(self, vec, lead=()):
        """Cut a flat vector (with leading axes `lead`) into the differentiated leaves' shapes."""
        parts = split(vec, self.wrt_shapes(), batch=tuple(lead))
        return [float(p) if was_float and not lead and not isinstance(p, Traced) else p
                for p, was_float in zip(parts, self.wrt_float)]


def _reader(st: Staged, args):
    """Generate straight-line code that reads the graph inputs out of `args` shaped as at tracing
    (and the code that builds the gradient pytree back): per call, the general path's flatten,
    conversions and signature comparison cost more than a small network's whole gradient."""
    lines, env, leaves, k = [f"  if len(args) != {len(args)}: return None"], {}, [], [0]

    def visit(td, expr, ex):
        var = f"t{k[0]}"
        k[0] += 1
        lines.append(f"  {var} = {expr}")
        if td.kind == tree.LEAF:
            leaves.append((var, ex))
            return
        kind = {"dict": "dict", "tuple": "tuple", "list": "list"}[td.kind]
        lines.append(f"  if type({var}) is not {kind} or len({var}) != {len(td.children)}: return None")
        for i, child in enumerate(td.children):
            key = td.keys[i] if td.kind == "dict" else i
            visit(child, f"{var}[{key!r}]", ex[key])

    for i, (a, td) in enumerate(zip(args, st.arg_trees)):
        visit(td, f"args[{i}]", a)
    flat_pos = {}
    for i, td in enumerate(st.arg_trees):
        for j in range(td.num_leaves):
            flat_pos[(i, j)] = len(flat_pos)
    inputs = {flat_pos[p] for p in st.input_pos}
    for n, (var, ex) in enumerate(leaves):
        if n not in inputs:  # baked into the graph: the same type and value (an array's bytes)
            env[f"s{n}"] = fingerprint(ex)
            lines.append(f"  if _fp({var}) != s{n}: return None")
        elif type(ex) is float:
            lines.append(f"  if type({var}) is not float: return None")
        else:
            env[f"shape{n}"] = _shape(ex)
            lines.append(f"  if type({var}) is not ndarray or {var}.dtype is not f64 or {var}.shape != shape{n}: return None")
    lines.append(f"  return [{', '.join(leaves[flat_pos[p]][0] for p in st.input_pos)}]")
    # other dict keys or a shorter list: not this signature
    lines = ["def read(args):", "  try:", *("  " + ln for ln in lines), "  except (KeyError, IndexError, Opaque):",
             "    return None"]
    env.update(ndarray=np.ndarray, f64=np.dtype(np.float64), _fp=fingerprint, Opaque=Opaque)
    # the gradient pytree: one nested literal, Python floats where the argument had floats
    parts = iter([f"float(p[{m}])" if was else f"p[{m}]" for m, was in enumerate(st.wrt_float)])

    def literal(td):
        if td.kind == tree.LEAF:
            return next(parts)
        kids = [literal(c) for c in td.children]
        if td.kind == "dict":
            return "{" + ", ".join(f"{key!r}: {c}" for key, c in zip(td.keys, kids)) + "}"
        return ("(" + "".join(c + ", " for c in kids) + ")") if td.kind == "tuple" else "[" + ", ".join(kids) + "]"

    trees = [literal(st.arg_trees[a]) for a in st.argnums]
    lines.append(f"def build(p): return {'(' + ''.join(t + ', ' for t in trees) + ')' if st.many else trees[0]}")
    exec(compile("\n".join(lines), "<difflab argument reader>", "exec"), env)
    return env["read"], env["build"]


def _static_key(x):
    try:
        return _signature_key(x)
    except Opaque:  # prepare trusts the caller: the same object is enough
        return ("object", _Ident(x))


def _shape(x):
    return x.shape if isinstance(x, np.ndarray) else np.shape(x)


def _as_float(x):
    if type(x) is np.ndarray and x.dtype == np.float64:  # the common case, first
        return x
    if isinstance(x, Traced):
        return x
    if isinstance(x, (float, np.floating)):
        return float(x)
    return np.asarray(x, dtype=np.float64)


def _result(x):
    if isinstance(x, np.ndarray) and x.ndim:
        return x if x.dtype.kind in "fb" else x.astype(np.float64)
    if isinstance(x, Traced):
        return x
    a = np.asarray(x)
    if a.dtype.kind == "b":
        return a
    return float(a) if a.ndim == 0 else a.astype(np.float64)


def stage(f, args, argnums=0, flat_args=None) -> Staged:
    """Trace `f(*args)` with every float leaf as an input; `argnums` picks what is differentiated.
    `flat_args`: the arguments already flattened (tree.flatten of each), if the caller has them."""
    nums, many = _check_argnums(argnums, len(args))
    flat_args = flat_args or [tree.flatten(a) for a in args]
    input_pos, wrt, wrt_float = [], [], []
    for i, (leaves, _) in enumerate(flat_args):
        for j, x in enumerate(leaves):
            kind = _leaf_kind(x, i)
            if i in nums and kind == "input" and not isinstance(x, Traced):
                _check_not_empty(x, i, j)
            if i in nums and kind != "input":
                dtype = np.asarray(x).dtype if not isinstance(x, (list, tuple, dict, type(None))) else type(x).__name__
                raise TypeError(f"argument {i} (leaf {j}) has dtype {dtype}: only floating-point values can be "
                                "differentiated (use 2.0 rather than 2, or x.astype(float))")
            if kind == "input":
                input_pos.append((i, j))
    # the differentiated leaves come in argnums order
    for a in nums:
        for k, (i, j) in enumerate(input_pos):
            if i == a:
                wrt.append(k)
                wrt_float.append(isinstance(flat_args[i][0][j], (float, np.floating)) and not isinstance(flat_args[i][0][j], np.ndarray))
    out_holder = {}
    input_set = set(input_pos)

    # what the trace is about to read outside the arguments, recorded before it runs (a change
    # during the trace then shows at the next check): f's reads, and those of functions met in
    # static arguments; None when something cannot be compared, and then nothing is reused
    found: list = []
    try:
        for i, (leaves, _) in enumerate(flat_args):
            for j, x in enumerate(leaves):
                if (i, j) not in input_set:
                    fingerprint(x, found)
        reads = tuple([reads_of(g) for g in [f, *found]])
    except Opaque:
        reads = None
    if reads is not None and None in reads:
        reads = None
    # static arrays (masks, indices) become constants of the graph: a copy, so that changing the
    # caller's array in place can never change a graph built from its old contents
    frozen = [[x.copy() if isinstance(x, np.ndarray) and x.dtype.kind != "f" else x for x in lv] for lv, _ in flat_args]

    def flat_f(*xs):
        leaves = [list(lv) for lv in frozen]
        for (i, j), x in zip(input_pos, xs):
            leaves[i][j] = x
        rebuilt = [td.unflatten(lv) for lv, (_, td) in zip(leaves, flat_args)]
        out_leaves, out_holder["tree"] = tree.flatten(f(*rebuilt))
        return out_leaves

    call_leaves = [_as_float(flat_args[i][0][j]) for i, j in input_pos]
    t, tracers, out_leaves = trace_flat(flat_f, call_leaves)

    for o in out_leaves:
        if not isinstance(o, (Traced, float, int, np.ndarray, np.number)):
            raise TypeError(f"the function returned a {type(o).__name__}; difflab differentiates functions "
                            "returning numbers, arrays, or pytrees of them")
    graph = outputs_of(t, tracers, out_leaves)
    # values of an enclosing trace were traced as concrete numbers: they must be evaluated again
    closes = t.closes_over_tracers
    nested = closes or any([isinstance(x, Traced) for x in call_leaves])
    values = None if nested else traced_values(t, tracers)
    reusable = not graph.specialised and not closes
    return Staged(graph, [td for _, td in flat_args], input_pos, tuple(wrt), wrt_float, out_holder["tree"],
                  nums, many, cacheable=reusable and reads is not None, reusable=reusable, reads=reads or (),
                  values=values)


#: staged graphs kept per transform (least recently used first out): a loop over many static
#: values must not grow memory without bound
CACHE_SIZE = 32


class _Transform:
    """A transformed function with its cache of staged graphs and prepared differentiators.

    Caching: a graph is reused for a call with the same input signature (shapes and dtypes of the
    float leaves; type and value of every other leaf) only while everything its trace read outside
    the arguments is unchanged (closure cells, globals, attributes, array bytes: `trace.reads_of`);
    otherwise f is traced afresh, so a cached transform returns what a fresh trace would. Calls
    are serialised by a lock: the compiled tapes reuse their buffers, and the cache is shared.
    """

    def __init__(self, f, argnums, method):
        self.f, self.argnums, self.method = f, argnums, get_method(method)
        self.cache: OrderedDict = OrderedDict()
        self._last = None  # the Staged of the latest call, tried first by its generated reader
        self._lock = threading.RLock()
        self.__wrapped__, self.__name__ = f, getattr(f, "__name__", type(f).__name__)
        self.__doc__ = getattr(f, "__doc__", None)

    def __difflab_reads__(self):
        """What a trace through this transform reads: its function (see trace.reads_of)."""
        return (("f", self.f),)

    def staged(self, args, keep_values=False):
        """(Staged, prepared) for this call's signature; a fresh trace keeps its traced values only
        when the caller will use them for this very call (`keep_values`), else they are let go."""
        # a mean-over-examples loss is traced for one example when the method can exploit it
        batch = getattr(self.f, "batch_argnums", ()) if getattr(self.method, "per_example", False) else ()
        example = [tree.tree_map(lambda x: x[:1], a) if i in batch else a for i, a in enumerate(args)]
        flat = [tree.flatten(a) for a in example]
        try:
            key = tuple([(td, tuple([_signature_key(x) for x in lv])) for lv, td in flat])
        except Opaque:  # a static argument that cannot be compared: traced afresh
            key = None
        st = self.cache.get(key) if key is not None else None
        if st is not None and not st.unchanged():  # f read something that has changed since
            del self.cache[key]
            st = None
        if st is None:
            with nesting(self.method) as levels:  # finite differences of finite differences
                st = stage(self.f, example, self.argnums, flat)
            st.levels = levels[0]
            if batch or not keep_values:  # traced on one example, or nobody will read them
                st.values = None
            if st.cacheable and key is not None:
                self.cache[key] = st
                if len(self.cache) > CACHE_SIZE:
                    self.cache.popitem(last=False)
        else:
            self.cache.move_to_end(key)
        if st.cacheable and not batch:
            if self._last is st:  # reused: worth generating its reader
                st.learn(args)
            self._last = st
        else:
            self._last = None
        if self.method not in st.prepared:
            if batch:
                rows = tuple(k for k, (i, _) in enumerate(st.input_pos) if i in batch)
                st.prepared[self.method] = self.method.prepare(st.graph, st.wrt, batch_inputs=rows)
            else:
                st.prepared[self.method] = self.method.prepare(st.graph, st.wrt)
            st.prepared[self.method].levels = getattr(st, "levels", 1)
        return st, st.prepared[self.method]

    def __repr__(self):
        return f"<{type(self).__name__} of {getattr(self.f, '__name__', self.f)!r} with {self.method!r}>"


def _scalar_check(st: Staged, what: str):
    if st.scalar:
        return
    shapes = [o.shape if not isinstance(o, Const) else np.shape(o.value) for o in st.graph.outputs]
    if len(shapes) != 1 or int(np.prod(shapes[0])) != 1:
        shown = shapes[0] if len(shapes) == 1 else shapes
        raise TypeError(f"{what} needs a function with a scalar output, but it returned shape {shown}; "
                        "use difflab.jacobian for the full derivative or difflab.vjp for a "
                        "vector-Jacobian product")
    st.scalar = True


def _value_and_grad(st: Staged, prep, xs, fast: bool, values=None):
    _scalar_check(st, "grad")
    outs, parts = prep.grad_leaves(xs, values)
    if _nonfinite(outs) is not None:
        parts = [np.full(np.shape(p), np.nan) for p in parts]
    elif isinstance(outs[0], Traced):
        parts = [_poison_traced(p, outs[0]) for p in parts]
    else:
        parts = _nan_inputs(st, xs, list(parts))
    # a broadcast view (the cotangent of a sum) is read-only: the caller gets an array of its own
    parts = [p.copy() if type(p) is np.ndarray and (not p.flags.writeable or any([p is q for q in parts[:k]]))
             else p for k, p in enumerate(parts)]
    return st.outputs(outs), st._build(parts) if fast else st.unflatten_wrt(st.floats(parts))


class _ValueAndGrad(_Transform):
    @_public_call
    def __call__(self, *args):
        with self._lock:
            last = self._last
            if last is not None:
                xs = last.fast(args)
                if xs is not None and last.unchanged():
                    return _value_and_grad(last, last.prepared[self.method], xs, True)
            st, prep = self.staged(args, keep_values=True)
            values = st.take_values()  # just traced: its inputs are already flat and converted
            xs = [values[v] for v in st.graph.inputs] if values is not None else st.inputs(args)
            return _value_and_grad(st, prep, xs, False, values)


class _Grad(_ValueAndGrad):
    @_public_call
    def __call__(self, *args):
        return super().__call__(*args)[1]


def value_and_grad(f, argnums=0, method="reverse"):
    """Return a function computing `(f(*args), ∇f)`; f must return a scalar.

    The gradient has the structure of `args[argnums]` (a tuple of them for a tuple of argnums).

    >>> import difflab as dl
    >>> dl.value_and_grad(lambda x, y: x * y)(2.0, 3.0)
    (6.0, 3.0)
    """
    return _ValueAndGrad(f, argnums, method)


def grad(f, argnums=0, method="reverse"):
    """Return a function computing the gradient of scalar-valued `f` with respect to `args[argnums]`.

    Shape contract: the gradient has the structure and shapes of the differentiated argument(s).

    >>> import difflab as dl
    >>> dl.grad(lambda x: (x * x) * (x * x), method="forward")(3.0)
    108.0
    """
    return _Grad(f, argnums, method)


class _Jacobian(_Transform):
    @_public_call
    def __call__(self, *args):
        with self._lock:
            st, prep = self.staged(args)
            xs = st.inputs(args)
            outs, jac = prep.jacobian(xs)
            jac = _nan_rows(jac, _nonfinite(outs), _nonfinite([xs[i] for i in st.wrt]))
            return _jacobian_tree(st, outs, jac)


def _jacobian_tree(st: Staged, outs, jac):
    rows, start = [], 0
    jac = np.asarray(jac) if not isinstance(jac, Traced) else jac
    for o in outs:
        shape = np.shape(o)
        size = int(np.prod(shape))
        block = jac[start:start + size]
        rows.append(st.unflatten_wrt([b if not isinstance(b, np.float64) else b
                                      for b in st.split_flat(block, lead=(size,))]))
        start += size
    per_out = []
    for o, r in zip(outs, rows):
        shape = np.shape(o)
        per_out.append(_tree_map_arrays(lambda b, s=shape: b.reshape(s + b.shape[1:]), r))
    return st.out_tree.unflatten(per_out)


def _tree_map_arrays(fn, t):
    leaves, td = tree.flatten(t)
    return td.unflatten([fn(np.asarray(x)) for x in leaves])


def jacobian(f, argnums=0, method="reverse"):
    """Return a function computing the Jacobian of `f`; shape `out.shape + in.shape`.

    For pytrees, the result has the output's structure with the input's structure at each leaf.

    >>> import difflab as dl, numpy as np
    >>> dl.jacobian(lambda x: x * x, method="forward")(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return _Jacobian(f, argnums, method)


def hessian(f, argnums=0, method="reverse"):
    """Return a function computing the Hessian of scalar `f`; shape `in.shape + in.shape`.

    `method` may be a pair (outer, inner): the Jacobian (by outer) of the gradient (by inner).
    A single method uses its natural Hessian: forward-over-reverse for "reverse",
    forward-over-forward for "forward", and the native ones of "symbolic" and "numeric".

    >>> import difflab as dl
    >>> float(dl.hessian(lambda x: x ** 3.0)(2.0))
    12.0
    """
    if isinstance(method, (tuple, list)):
        if len(method) != 2:
            raise ValueError(f"a Hessian method pair is (outer, inner), got {method!r}")
        outer, inner = (get_method(m) for m in method)
        if inner.name == "symbolic" and outer.name in ("forward", "reverse"):
            raise ValueError("symbolic cannot be the inner method under forward or reverse: its "
                             "lambdified derivative is NumPy code, not traceable; use "
                             "method='symbolic' (its native Hessian) or ('numeric', 'symbolic')")
        return _Jacobian(_Grad(f, argnums, inner), argnums, outer)
    m = get_method(method)
    if m.hessian_pair is not None:
        return hessian(f, argnums, m.hessian_pair)
    return _Hessian(f, argnums, m)


class _Hessian(_Transform):
    @_public_call
    def __call__(self, *args):
        with self._lock:
            return self._call(args)

    def _call(self, args):
        st, prep = self.staged(args)
        _scalar_check(st, "hessian")
        xs = st.inputs(args)
        outs, h = prep.hessian(xs)
        if _nonfinite(outs) is not None:
            h = np.full(np.shape(h), np.nan)
        cols = _nonfinite([xs[i] for i in st.wrt])
        if cols is not None:
            h = _nan_rows(_nan_rows(h, cols), None, cols)
        per_row = st.split_flat(h, lead=(prep.n,))
        # rows split by input leaf, then columns: nested structure arg -> arg
        blocks, start = [], 0
        for s in st.wrt_shapes():
            size = int(np.prod(s))
            rows = [np.asarray(p)[start:start + size].reshape(tuple(s) + np.shape(p)[1:]) for p in per_row]
            blocks.append(st.unflatten_wrt(rows))
            start += size
        return st.unflatten_wrt(blocks)


def jvp(f, primals, tangents, method="forward"):
    """Evaluate `f(*primals)` and its directional derivative `J v` (JAX's signature).

    `primals` and `tangents` are tuples of the same structure; every primal is differentiated.

    >>> import difflab as dl
    >>> dl.jvp(lambda x: x * x, (3.0,), (1.0,))
    (9.0, 6.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
    return collecting(_jvp, f, primals, tangents, method)


def _jvp(f, primals, tangents, method):
    t = _Transform(f, tuple(range(len(primals))), method)
    st, prep = t.staged(primals)
    v = _flat_like(st, tangents, "tangents")
    xs = st.inputs(primals)
    outs, jv = prep.jvp(xs, v)
    bad, cols = _nonfinite(outs), _nonfinite([xs[i] for i in st.wrt])
    if bad is not None and not isinstance(jv, Traced):
        jv = np.where(bad, np.nan, jv)
    if cols is not None and (v[cols] != 0).any() and not isinstance(jv, Traced):  # along a NaN/inf input
        jv = np.full(np.shape(jv), np.nan)
    return st.outputs(outs, xs), st.outputs(_split_out(outs, jv))


def vjp(f, *primals, method="reverse"):
    """Evaluate `f(*primals)` and return `(out, pullback)`; `pullback(u)` gives `uᵀ J` per primal.

    `u` has the structure of f's output; the result is a tuple with one entry per primal.

    >>> import difflab as dl
    >>> y, pullback = dl.vjp(lambda x: x * x, 3.0)
    >>> pullback(1.0)
    (6.0,)
    """
    said = Collector()  # the pullback does not repeat the warnings of the forward pass
    return said.run(_vjp, f, primals, method, said)


def _vjp(f, primals, method, said):
    t = _Transform(f, tuple(range(len(primals))), method)
    st, prep = t.staged(primals)
    xs = st.inputs(primals)
    outs, pb = prep.vjp(xs)
    bad, cols = _nonfinite(outs), _nonfinite([xs[i] for i in st.wrt])

    def pullback(u):
        leaves, td = tree.flatten(u)
        if td != st.out_tree:
            raise ValueError(f"the cotangent's structure {td} does not match the output's {st.out_tree}")
        for leaf, o in zip(leaves, outs):
            if np.shape(leaf) != np.shape(o):
                raise ValueError(f"cotangent of shape {np.shape(leaf)} for an output of shape {np.shape(o)}")
        u = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in leaves])
        g = said.run(pb, u)
        if bad is not None and (u[bad] != 0).any():  # a cotangent on an output with no derivative
            g = np.full(np.shape(g), np.nan)
        if cols is not None:
            g = np.where(cols, np.nan, g)
        return st.unflatten_wrt(st.split_flat(g))

    return st.outputs(outs, xs), pullback


def _flat_like(st: Staged, tangents, what):
    leaves = []
    for a, tg in zip(st.argnums, tangents):
        lv, td = tree.flatten(tg)
        if td != st.arg_trees[a]:
            raise ValueError(f"{what}[{a}] has structure {td} but the primal has {st.arg_trees[a]}")
        leaves += lv
    for x, s in zip(leaves, st.wrt_shapes()):
        if np.shape(x) != tuple(s):
            raise ValueError(f"a tangent of shape {np.shape(x)} for a primal of shape {tuple(s)}")
    return np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in leaves]) if leaves else np.zeros(0)


def _split_out(outs, vec):
    parts, start = [], 0
    for o in outs:
        size = int(np.prod(np.shape(o)))
        parts.append(np.asarray(vec)[start:start + size].reshape(np.shape(o)))
        start += size
    return parts


# -- prepare: trace and compile once, reuse for same-shaped inputs ------------------------------

class PreparedFunction:
    """`f` traced and prepared by one method for one input signature (see `prepare`).

    Trace once, trust me: unlike `grad` & co., which re-trace when what f reads changes, a prepared
    function keeps the graph of its one trace. Closure cells, globals and closed-over arrays are
    baked in as they were when prepared (like the constants of a function under JAX's `jit`); only
    the arguments are checked (same structure and shapes; the same type and value for every
    argument that is not a float). Calls are serialised by a lock (the tape reuses its buffers).

    Attributes: `graph` (the tape), `prepare_seconds` (tracing + the method's preparation, kept
    apart from per-call cost) and `method`.
    """

    def __init__(self, f, args, argnums, method):
        t0 = time.perf_counter()
        self._t = _Transform(f, argnums, method)
        self._lock = self._t._lock
        self._key = self._signature(args)
        self.staged, self.prepared = self._t.staged(args)
        inputs = set(self.staged.input_pos)
        self._statics = [((i, j), _static_key(x)) for i, a in enumerate(args) for j, x in enumerate(tree.flatten(a)[0])
                         if (i, j) not in inputs]
        self.prepare_seconds = time.perf_counter() - t0
        self.graph, self.method = self.staged.graph, self._t.method
        self.staged.learn(args)
        if not self.staged.reusable:
            raise ValueError("this function's graph is specialised to its input values (value-dependent "
                             "control flow), so it cannot be prepared for reuse; call dl.grad(f) instead")

    @staticmethod
    def _signature(args):
        return [(td, [_shape(x) for x in lv]) for lv, td in map(tree.flatten, args)]  # as _check

    def _check(self, args):
        flat = [tree.flatten(a) for a in args]
        if [(td, [_shape(x) for x in lv]) for lv, td in flat] != self._key:
            def show(sig):
                return ", ".join(f"{td} {shapes}" if td.kind != tree.LEAF else str(shapes[0]) for td, shapes in sig)
            got = [(td, [np.shape(x) for x in lv]) for lv, td in flat]
            raise ValueError(f"prepared for arguments shaped ({show(self._key)}), called with ({show(got)}); "
                             "prepare again for new shapes")
        for (i, j), was in self._statics:  # baked into the graph: a new value needs a new graph
            if _static_key(flat[i][0][j]) != was:
                raise ValueError(f"argument {i} (leaf {j}) is {flat[i][0][j]!r} now, not the value it had when "
                                 "prepared; it is not a float, so it is baked into the graph: prepare again")
        return [_as_float(flat[i][0][j]) for i, j in self.staged.input_pos]

    @_public_call
    def __call__(self, *args):
        """f itself, from the compiled tape."""
        with self._lock:
            xs = self._check(args)
            return self.staged.outputs(self.prepared.value(xs), xs)

    @_public_call
    def value_and_grad(self, *args):
        with self._lock:
            xs = self.staged.fast(args)
            return _value_and_grad(self.staged, self.prepared, xs if xs is not None else self._check(args),
                                   xs is not None)

    @_public_call
    def grad(self, *args):
        return self.value_and_grad(*args)[1]

    @_public_call
    def jacobian(self, *args):
        with self._lock:
            xs = self._check(args)
            outs, jac = self.prepared.jacobian(xs)
            cols = _nonfinite([xs[i] for i in self.staged.wrt])
            return _jacobian_tree(self.staged, outs, _nan_rows(jac, _nonfinite(outs), cols))

    def __difflab_reads__(self):
        return ()  # trace once: what f read is baked in

    def __repr__(self):
        return (f"<PreparedFunction {getattr(self._t.f, '__name__', '?')} by {self.method!r}: "
                f"{len(self.graph.eqns)} equations, prepared in {self.prepare_seconds * 1e3:.1f} ms>")


def prepare(f, *example_args, method="reverse", argnums=0) -> PreparedFunction:
    """Trace and compile `f` once for the example arguments' shapes; reuse it for same-shaped calls.

    The explicit "trace once, trust me" opt-in, like JAX's `jit`: f's Python code runs once, at
    preparation. Whatever it reads besides its arguments (closed-over arrays, globals, attributes
    of objects) is baked into the tape as it was then; change it and the prepared function still
    computes with the old value (prepare again). The arguments are checked on every call: the same
    structure and shapes, and the same type and value for each leaf that is not a float.
    `dl.grad` and the other transforms cache too, but check those reads on every call.

    >>> import difflab as dl, numpy as np
    >>> p = dl.prepare(lambda w: (w * w).sum(), np.ones(3), method="reverse")
    >>> p.grad(np.array([1.0, 2.0, 3.0]))
    array([2., 4., 6.])
    """
    return collecting(PreparedFunction, f, example_args, argnums, method)


# -- compare: every method side by side -------------------------------------------------------

@dataclass
class Comparison:
    """The side-by-side result of `compare`: one row per method, plus the reference used."""

    reference: str
    rows: list

    def __str__(self):
        head = f"{'method':<10} {'max abs err':>12} {'max rel err':>12} {'prepare ms':>11} {'call ms':>9} {'f evals':>8} {'eqns':>7}"
        lines, notes = [f"derivative reference: {self.reference}", head, "-" * len(head)], []
        for r in self.rows:
            if r["error"]:
                lines.append(f"{r['method']:<10} {'failed: ' + r['error']}")
                continue
            if r.get("note"):
                notes.append(f"note: {r['method']} {r['note']}")
            lines.append(f"{r['method']:<10} {r['max_abs_err']:>12.3e} {r['max_rel_err']:>12.3e} "
                         f"{r['prepare_seconds'] * 1e3:>11.2f} {r['seconds'] * 1e3:>9.3f} {r['evals']:>8d} {r['eqns']:>7d}")
        return "\n".join(lines + notes)

    def __getitem__(self, method):
        return next(r for r in self.rows if r["method"] == method)


def compare(f, *args, methods="all", argnums="all", repeat=3) -> Comparison:
    """Differentiate `f` at `args` with each method; print-ready table of errors, time and cost.

    By default every argument is differentiated (`argnums="all"`); pass an int or tuple to choose.
    Errors are measured against the symbolic derivative evaluated in 40-digit arithmetic when the
    function is small enough, else against reverse mode. Each row holds the method's Jacobian
    (`row["derivative"]`, shape (m, n) over the flat input and output), its max abs/rel error,
    preparation and per-call seconds, function evaluations and equations executed per call.

    >>> import difflab as dl
    >>> c = dl.compare(lambda x, y: x * y ** 2.0, 3.0, 2.0)
    >>> c["reverse"]["max_abs_err"]
    0.0
    """
    return collecting(_compare, f, args, methods, argnums, repeat)


def _compare(f, args, methods, argnums, repeat):
    names = list(METHODS) if methods == "all" else [methods] if isinstance(methods, str) else list(methods)
    for name in names:  # a misspelt method is the caller's error, not a row of the table
        get_method(name)
    argnums = tuple(range(len(args))) if argnums == "all" else argnums
    _check_argnums(argnums, len(args))
    rows = []
    for name in names:
        row = {"method": name if isinstance(name, str) else get_method(name).name, "error": ""}
        try:
            t = _Transform(f, argnums, name)
            t0 = time.perf_counter()
            st, prep = t.staged(args)
            row["prepare_seconds"] = time.perf_counter() - t0
            if getattr(prep, "ignored", None):  # numeric cannot honour stop_gradient or a custom rule
                row["note"] = (f"differentiates through {', '.join(prep.ignored)} (finite differences see the "
                               "function, not the rule): its errors here are not its accuracy")
            x = st.inputs(args)
            prep.jacobian(x)  # warm-up: lazy compilation belongs to preparation
            row["prepare_seconds"] = time.perf_counter() - t0
            prep.evals, EvalCounter.eqns = 0, 0
            t0 = time.perf_counter()
            for _ in range(repeat):
                outs, jac = prep.jacobian(x)
            row["seconds"] = (time.perf_counter() - t0) / repeat
            jac = _nan_rows(jac, _nonfinite(outs), _nonfinite([x[i] for i in st.wrt]))
            row.update(evals=prep.evals // repeat, eqns=EvalCounter.eqns // repeat, derivative=np.asarray(jac),
                       value=[np.asarray(o) for o in outs])
        except Exception as err:  # a method that cannot do this function is a result, not a crash
            row["error"] = f"{type(err).__name__}: {err}"
        rows.append(row)
    ref_name, ref = _reference(f, args, argnums, rows)
    for r in rows:
        if not r["error"]:
            err = np.abs(r["derivative"] - ref)
            r["max_abs_err"] = float(err.max()) if err.size else 0.0
            r["max_rel_err"] = float((err / np.maximum(np.abs(ref), 1e-300)).max()) if err.size else 0.0
    return Comparison(ref_name, rows)


def _reference(f, args, argnums, rows, max_entries=400):
    try:
        t = _Transform(f, argnums, "symbolic")
        st, prep = t.staged(args)
        if prep.m * prep.n <= max_entries and len(st.graph.eqns) <= 200:
            return "symbolic, 40 digits", prep.exact(st.inputs(args)).reshape(prep.m, prep.n)
    except Exception:  # symbolic may not apply (e.g. nested tracers); fall back to reverse mode
        pass
    ok = [r for r in rows if r["method"] == "reverse" and not r["error"]]
    if ok:
        return "reverse mode", ok[0]["derivative"]
    t = _Transform(f, argnums, "reverse")
    st, prep = t.staged(args)
    return "reverse mode", np.asarray(prep.jacobian(st.inputs(args))[1])


def vmap(f, in_axes=0):
    """Vectorise `f` over a leading batch axis, like `jax.vmap`: vmap(f)(xs) stacks f(x) over x in xs.

    `in_axes` is 0 (the argument is batched along its first axis) or None (shared by every batch
    element), one for all arguments or a tuple with one per argument (applying to a pytree
    argument's every leaf). Every output leaf gets the leading batch axis. f is traced once, at
    the first batch element, and its graph runs once on the whole batch, each op by its registry
    batching rule; a function whose control flow depends on values cannot be batched so.
    Called on traced values (inside grad), it loops over the batch instead.

    >>> import difflab as dl, difflab.numpy as dnp
    >>> dl.vmap(lambda x, w: dnp.sum(x * w), in_axes=(0, None))(np.arange(6.0).reshape(3, 2), np.array([1.0, 10.0]))
    array([10., 32., 54.])
    """
    @functools.wraps(f)
    def batched(*args, **kwargs):
        if kwargs:
            _refuse_kwargs(getattr(f, "__name__", "the function"), kwargs)
        return collecting(run, *args)

    def run(*args):
        axes = (in_axes,) * len(args) if in_axes is None or isinstance(in_axes, int) else tuple(in_axes)
        if len(axes) != len(args) or any(a not in (0, None) for a in axes):
            raise ValueError(f"in_axes must be 0, None or a tuple of them with one per argument ({len(args)}); "
                             f"got {in_axes!r}")
        flat = [tree.flatten(a) for a in args]
        leaves = [x if isinstance(x, Traced) else np.asarray(x) for lv, _ in flat for x in lv]
        flags = [ax == 0 for (lv, _), ax in zip(flat, axes) for _ in lv]
        sizes = {np.shape(x)[0] if np.ndim(x) else None for x, b in zip(leaves, flags) if b}
        if not sizes or None in sizes or len(sizes) > 1:
            raise ValueError(f"vmap needs batched arguments (in_axes 0) with one leading axis size; got sizes "
                             f"{sorted(map(str, sizes))}")
        out_def, (size,) = {}, sizes

        def call(values):
            it = iter(values)
            out_leaves, out_def["tree"] = tree.flatten(f(*[td.unflatten([next(it) for _ in lv]) for lv, td in flat]))
            return out_leaves

        def loop():  # f per batch element, outputs stacked (traced values: the outer trace records it)
            from . import numpy as dnp
            per = [call([x[k] if b else x for x, b in zip(leaves, flags)]) for k in range(size)]
            return out_def["tree"].unflatten([dnp.stack(list(outs)) for outs in zip(*per)])

        if any(isinstance(x, Traced) for x in leaves):
            return loop()
        t, inputs, out_leaves = trace_flat(lambda *xs: call(xs), [x[0] if b else x for x, b in zip(leaves, flags)])
        graph = outputs_of(t, inputs, out_leaves)
        if graph.specialised:
            raise ValueError("vmap cannot batch a function whose control flow depends on its argument values "
                             "(the traced branch holds for one batch element only)")
        if graph.closes_over_tracers:
            return loop()
        outs = evaluate_batched(graph, *leaves, batched=flags)
        # results of their own: not the caller's input, not a read-only broadcast of an unbatched value
        # (and not another output: a function returning one value twice)
        return out_def["tree"].unflatten(_own(outs, graph, leaves))

    return batched
