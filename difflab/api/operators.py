"""The differential operators: grad, value_and_grad, jacobian, hessian, jvp, vjp and vmap.

Each one is a small class on `_Transform` (a function, its argnums and method, and a cache of
staged graphs per input signature) or a function that stages once: it flattens its pytree
arguments at the boundary (api.boundary), hands the graph to a differentiator and rebuilds the
result's structure. `method` is a name ("symbolic", "numeric", "forward", "reverse") or a
configured differentiator object such as `Numeric(scheme="richardson")`.

Nesting: every operator here may be called on traced values, i.e. inside grad, value_and_grad,
jacobian, hessian, jvp or vmap of an outer function, and inside each other: a Hessian-vector
product as jvp of grad, the gradient of a loss built from jvp/vjp/jacobian/hessian, jacobian of
jacobian, vmap of grad and grad of vmap. That works with every method as the inner method under
every outer method (numeric inside numeric is accurate to about 1e-5 relative for a second
derivative; symbolic's derivative expressions run as difflab ops on traced values,
compile/traced.py). Methods declare what they can do inside a trace as traits
(`traceable_output`, `traceable_tangent`, `traceable_hessian`); the API reads those, never a
method's name.
"""

from __future__ import annotations

import _thread
import functools
import gc as _gc
import math
import operator
from collections import OrderedDict

import numpy as np

from .. import numpy as dnp
from .. import tree
from ..compile.reader import LastCall, fuse
from ..compile.reads import Opaque
from ..differentiators import get_method
from ..differentiators.numeric import nesting
from ..differentiators.pieces import batch_rows, first_row, hessian_on_rows
from ..differentiators.stencils import numeric_depth
from ..errors import (
    Collector,
    _collect,
    check_function,
    collecting,
    dropping_domain_warnings,
    holding_domain_warnings,
    warn_domain,
    warn_numeric_ignores,
)
from ..graph import Const, Traced, Var, Why, charge_to, evaluate, evaluate_batched, numbers
from ..ops.core import _TINY, REGISTRY, surely_finite
from ..trace import check_returned, flatten_returned, outputs_of, trace_flat
from . import collectives
from .complexes import complex_jacobian, realify
from .boundary import (
    ComplexLeaf,
    autograd_argnum,
    NonScalarOutput,
    Staged,
    _kind,
    _concat_flat,
    _flat_like,
    _nan_inputs,
    _nan_rows,
    _nonfinite,
    _say_infinite_value,
    _own,
    _own_parts,
    _poison_traced,
    _poison_traced_flat,
    _poison_traced_pullback,
    _poison_traced_rows,
    _say_infinite_input,
    _public_call,
    narrow,
    out_dtypes,
    _refuse_kwargs,
    _refuse_masked,
    _numeric_leaf,
    _reshape,
    _rows,
    _scalar_check,
    _split_out,
    check_sequences,
    known_signature,
    signature_key,
    stage,
)


#: staged graphs kept per transform (least recently used first out): a loop over many static
#: values must not grow memory without bound
CACHE_SIZE = 32
#: the derivative in a result (value, derivative): what a DerivativeRangeWarning's condition reads (errors.warn_range)
_DERIVATIVE = operator.itemgetter(1)


class _Transform:
    """A transformed function with its cache of staged graphs and prepared differentiators.

    Caching: a graph is reused for a call with the same input signature (shapes and dtypes of the
    float leaves; type and value of every other leaf) only while everything its trace read outside
    the arguments is unchanged (closure cells, globals, attributes, array bytes: `compile.reads.reads_of`);
    otherwise f is traced afresh, so a cached transform returns what a fresh trace would. Calls
    are serialised by a lock: the compiled tapes reuse their buffers, and the cache is shared.
    """

    #: "grad"/"hessian": the output must be a real scalar, checked before the method prepares (symbolic's
    #: refusal of complex values would otherwise hide grad's TypeError for a complex output)
    scalar_output: str | None = None
    _uncached = None  # the Staged of the latest call that was not cached (`preparations`)

    def __init__(self, f, argnums, method):
        self.f, self.argnums, self.method = f, argnums, get_method(method)
        self.cache: OrderedDict = OrderedDict()
        self._calls = LastCall()  # the Staged of the latest call, tried first by its generated reader
        self._lock = _thread.RLock()  # (threading.RLock, without its Python wrapper)
        self.__wrapped__, self.__name__ = f, getattr(f, "__name__", type(f).__name__)
        self.__doc__ = getattr(f, "__doc__", None)

    def realified(self, r) -> "_Transform":
        """The transform (jvp's and vjp's) of f realified at complex leaves (`r`, api/complexes.py), one per layout
        of complex leaves, kept on this transform: a call repeated with complex primals (autograd's checks at
        x ± ε·v) reuses its staged graph and prepared method as a call with real ones does, where a fresh realified
        function was traced and differentiated afresh (symbolic: 2 of the 5 derivations of a nested check of a
        complex SVD). Its function is the first `r`'s, the same as any later one of that layout."""
        key = (r.argnums, *[(str(td), tuple(flags)) for td, flags, _ in (r.flags[a] for a in r.argnums)])
        kept = self.__dict__.setdefault("_realified", {})
        if key not in kept:
            kept[key] = _Transform(r.f, self.argnums, self.method)
        return kept[key]

    def __difflab_reads__(self):
        """What a trace through this transform reads: its function (see compile.reads.reads_of)."""
        return (("f", self.f),)

    def staged(self, args, keep_values=False):
        """(Staged, prepared) for this call's signature; a fresh trace keeps its traced values only
        when the caller will use them for this very call (`keep_values`), else they are let go."""
        # a mean-over-examples loss is traced for one example when the method can exploit it
        batch = getattr(self.f, "batch_argnums", ()) if self.method.batches_examples else ()
        example = (
            [tree.tree_map(lambda x: x[:1], a) if i in batch else a for i, a in enumerate(args)] if batch else args
        )
        # shaped as a call seen before (by any transform). A signature traced on one example is not
        # shared: its generated reader reads the whole batch's call, which another transform's
        # call at the example's shape must not find learnt for a different batch size
        known = None if batch else known_signature(example, self.argnums)
        if known is not None:
            flat, key = None, known[0].cache_key[0]
        else:
            flat = [tree.flatten(a) for a in example]
            try:
                key = signature_key(flat)
            except Opaque:  # a static argument that cannot be compared: traced afresh
                key = None
        # (an empty cache, a fresh transform's, not asked: the lookup would hash the whole structure key)
        st = self.cache.get(key) if key is not None and self.cache else None
        if st is not None and not st.unchanged():  # f read something that has changed since
            del self.cache[key]
            st = None
        # a numeric derivative's decisions that do not hold here: traced again at this point
        again = st is not None and st.check is not None and not st.holds(st.inputs(example))
        kept, st = (st, None) if again else (None, st)
        fresh = st is None
        if fresh:
            if self.method.nests:  # finite differences of finite differences
                with nesting(self.method) as levels:
                    st = stage(self.f, example, self.argnums, flat, None if batch else key, known)
                st.levels, st.inner_error = levels[0], levels[1] if len(levels) > 1 else (0.0, 0.0)
                if len(levels) > 2 and levels[2]:  # a numeric level inside: traced for this point only (not
                    st.cacheable = False  # kept, nor read again by the last call's reader: issue 11)
            else:  # (what `nesting` of any other method gives: one level, no inner error)
                st = stage(self.f, example, self.argnums, flat, None if batch else key, known)
                st.levels, st.inner_error = 1, (0.0, 0.0)
            if batch or not keep_values:  # traced on one example, or nobody will read them
                st.values = st.leaves = None
            self._keep(st, key, kept)
        else:
            self.cache.move_to_end(key)
        # (a trace with decisions to check is not read again by the last call's reader, which would skip `holds`)
        self._calls.saw(st, args, st.cacheable and not batch and st.check is None)
        method = self.method
        prep = None if fresh else st.prepared.get(method)  # (a graph just traced has no preparation yet)
        if prep is None and self.scalar_output and not st.scalar:
            _scalar_check(st, self.scalar_output)
        if prep is None:
            if batch:
                rows = tuple(k for k, (i, _) in enumerate(st.signature.input_pos) if i in batch)
                prep = method.prepare(st.graph, st.wrt, batch_inputs=rows)
            else:
                prep = method.prepare(st.graph, st.signature.wrt)
            prep.levels, prep.inner_error = getattr(st, "levels", 1), getattr(st, "inner_error", (0.0, 0.0))
            st.prepared[method] = prep
        elif getattr(prep, "ignored", None):  # numeric on stop_gradient or a custom rule: said at every call
            warn_numeric_ignores(prep.ignored)
        if batch:  # the declaration checked once per batch size (issue 11: a false one gave a wrong gradient)
            _declared_holds(self.f, batch, st, prep, args)
        return st, prep

    def _keep(self, st: Staged, key, kept):
        """Cache a fresh trace, in place of `kept` (a trace whose numeric decisions did not hold at this call), unless
        this one holds at its point alone (a step shrunk there: Staged.here_only) and that one is more general."""
        if st.cacheable and key is not None and not (kept is not None and st.here_only and not kept.here_only):
            self.cache[key] = st
            if len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
        else:  # (its preparation is this call's alone; `preparations` lists it till the next such call)
            self._uncached = st

    def preparations(self) -> list:
        """This method's prepared differentiators, one per cached input signature (least recently
        used first), then that of the latest call whose graph was not cached (specialised to its values:
        a Richardson gradient inside, whose table picks entries by their values); each holds its own cost
        counters (`evals`) and, for the numeric method, its `error` estimate.

        >>> import difflab as dl, numpy as np
        >>> g = dl.grad(lambda x: (x * x).sum(), method="forward")
        >>> _ = g(np.ones(2)), g(np.ones(3))
        >>> [p.n for p in g.preparations()]  # one per input shape
        [2, 3]
        """
        sts = [*self.cache.values(), *([self._uncached] if self._uncached is not None else [])]
        return [st.prepared[self.method] for st in sts if self.method in st.prepared]

    @property
    def _last(self):
        """The Staged of the latest call (read by bench/cache_checks.py)."""
        return self._calls.staged

    def __repr__(self):
        return f"<{type(self).__name__} of {getattr(self.f, '__name__', self.f)!r} with {self.method!r}>"


def _value_and_grad(st: Staged, prep, xs, fast: bool, values=None):
    if not st.scalar:
        _scalar_check(st, "grad")
    finite: dict = {}  # {Var: whether its value is finite}, as the method found (reverse's fresh sweep)
    outs, parts = prep.grad_leaves(xs, values, finite)
    loss = outs[0] if len(outs) == 1 else None
    if (type(loss) is float or type(loss) is np.float64) and math.isfinite(loss):  # a finite loss: `_nonfinite`'s
        parts = _nan_inputs(st, xs, list(parts), finite)  # and the Traced test's answers, without their calls
    elif _nonfinite(outs) is not None:
        parts = [np.full(np.shape(p), np.nan) for p in parts]
        _say_infinite_value(st.graph, xs, loss)
    elif isinstance(outs[0], Traced):
        # NaN where the traced loss is not finite, and where a traced input is not: under vmap the trace's
        # values are the first row's, so `_nan_inputs` cannot see a later row's inf (its gradient was 0,
        # silently, where grad alone says NaN; issue 11)
        wrt = st.signature.wrt
        parts = [_poison_traced(_poison_traced(p, outs[0]), xs[i]) for p, i in zip(parts, wrt)]
    else:
        parts = _nan_inputs(st, xs, list(parts), finite)
    # a broadcast view (the cotangent of a sum) is read-only, one array may be the part of two
    # leaves, a part may be an input or a view of one (the gradient of x · reshape(y) is y's view):
    # the caller gets arrays of their own
    sig = st.signature
    if not sig.wrt_floats:  # (a Python float leaf gets float(part) back, which aliases nothing)
        parts = _own_parts(parts, xs)
    # the generated builder (once the signature was seen twice, by this transform or another) takes
    # concrete parts: a call reading traced values (values None) may have traced ones
    build = sig.builder() if fast or values is not None else None
    return st.outputs(outs), build(parts) if build is not None else sig.rebuild(sig.floats(parts))


class _Hot:
    """The common case of a prepared value and gradient, armed after the general path has run
    once on a call its generated reader read: the prepared object's guarded code (compile.graphs,
    "How guarded functions work") and the gradient pytree's generated builder, its cost charged
    once. What the general path checks per call (finite inputs and outputs, results that alias
    nothing, DomainWarnings) the guarded code decides by returning None; then `__call__` does too,
    and the caller takes the general path, which answers the uncommon case in full.

    Threads: callers hold their transform's lock around it. The guarded code alone would not need
    it (it keeps its values in locals and never writes its constants), but charging the shared
    `Cost` is a read-modify-write that two threads calling one prepared function must not
    interleave (tests/test_cost.py runs four); an uncontended RLock is one C call, no Python frame."""

    __slots__ = ("fn", "cost", "build", "scalar", "eqns", "elements", "evals", "out")

    def __init__(self, fn, st: Staged, prep, value):
        self.fn, self.cost, self.build = fn, prep.cost, st.signature.builder()
        self.eqns, self.elements = fn.eqns, fn.elements  # what one call charges
        self.evals = getattr(fn, "evals", 1)  # (evaluations of f: numeric's batched run counts its points)
        self.scalar = type(value) is float  # the value is a Python float (else the general path's conversion)
        self.out = st.narrowed[0] if st.narrowed is not None else None  # a float32 loss: rounded as outputs() does

    @staticmethod
    def arm(st: Staged, prep, xs, value):
        """A `_Hot` for the staged graph's calls shaped like `xs`, or None when the method has no
        guarded code (yet) for them or the signature no generated builder."""
        fn = prep.hot_grad(xs) if not getattr(prep, "ignored", None) else None  # (numeric's warning: every call)
        if fn is None or st.signature.builder() is None:
            return None
        if not (type(value) is float or isinstance(value, np.ndarray) or st.narrowed is not None):
            return None
        return _Hot(fn, st, prep, value)

    def __call__(self, xs):
        res = self.fn(*xs)
        if res is None:
            return None
        charge_to(self.cost, self.eqns, self.elements, self.evals)
        value = float(res[0]) if self.scalar else res[0] if self.out is None else narrow(res[0], self.out)
        return value, self.build(res[1:])

    def fused(self, st: Staged, args, lock):
        """`args -> (value, gradient) or None`: the generated reader, this call (holding `lock`) and the
        builder as one generated function (compile.reader.fuse) for calls shaped like `args` (a prepared
        function's)."""
        sig, n = st.signature, (self.eqns, self.elements)
        return fuse(sig, args, self.fn, self.cost, *n, self.scalar, self.evals, self.out, lock)


class _ValueAndGrad(_Transform):
    scalar_output = "grad"

    def __call__(self, *args, **kwargs):
        if kwargs:  # (what `_public_call` says, before the common case as before the general path)
            _refuse_kwargs(self.__name__, kwargs)
        if self._calls.staged is not None:  # the common case first (see `_Hot`): a call like the last
            with self._lock:
                hit = self._calls.fast(args)
                if hit is not None and hit[0].hot is not None:
                    res = hit[0].hot(hit[1])
                    if res is not None:
                        return res
        # The collector stays off for the whole call, not only while tracing and sweeping (trace.gc_paused):
        # between them the tape is alive and young, and any allocation would start a collection that walks
        # all of it; a fresh transform's tape is freed by reference counting as the call returns, unwalked.
        # gc_paused's and `_public_call`'s work written out (errors.collecting's `_collect` called itself):
        # a fresh transform per call pays their four Python frames and an object every time
        on = _gc.isenabled()
        if on:
            _gc.disable()
        try:
            return _collect(self._general, args, None, None, _DERIVATIVE)  # ((value, grad): the grad is the derivative)
        finally:
            if on:
                _gc.enable()

    def _general(self, *args):
        """The general path of a call (`__call__` refused keyword arguments and collects DomainWarnings)."""
        with self._lock:
            hit = self._calls.fast(args) if self._calls.staged is not None else None
            if hit is not None:
                last, xs = hit
                prep = last.prepared[self.method]
                if getattr(prep, "ignored", None):  # numeric on stop_gradient or a custom rule
                    warn_numeric_ignores(prep.ignored)
                res = _value_and_grad(last, prep, xs, True)
                if last.hot is None:
                    last.hot = _Hot.arm(last, prep, xs, res[0])
                return res
            try:
                st, prep = self.staged(args, keep_values=True)
            except ComplexLeaf:
                if not self.method.complex_leaves:
                    raise
                st = None
            if st is None:  # (past the handler, as _jvp_by's)
                return _complex_call(self, args, lambda r: _ValueAndGrad(r.f, self.argnums, self.method))
            leaves = st.leaves  # (the inputs' values as traced: no lookup per input in `values`)
            values = st.take_values()  # just traced: its inputs are already flat and converted
            xs = (
                (leaves if leaves is not None else list(map(values.__getitem__, st.graph.inputs)))
                if values is not None
                else st.signature.inputs(args)
            )
            return _value_and_grad(st, prep, xs, False, values)


def _complex_call(t: _Transform, args, transform):
    """value and gradient at complex leaves (api/complexes.py), by `transform(realified)` (a method that
    takes them)."""
    r = realify(t.f, args, t.argnums if isinstance(t.argnums, tuple) else (t.argnums,))
    value, g = transform(r)(*r.args)
    return value, r.gradients(g, isinstance(t.argnums, tuple))


class _Grad(_ValueAndGrad):
    def __call__(self, *args, **kwargs):
        # (`_ValueAndGrad.__call__(...)[1]` written out: a fresh dl.grad per call paid its frame every time)
        if kwargs:
            _refuse_kwargs(self.__name__, kwargs)
        if self._calls.staged is not None:
            with self._lock:
                hit = self._calls.fast(args)
                if hit is not None and hit[0].hot is not None:
                    res = hit[0].hot(hit[1])
                    if res is not None:
                        return res[1]
        on = _gc.isenabled()
        if on:
            _gc.disable()
        try:
            return _collect(self._general, args, None, None, _DERIVATIVE)[1]
        finally:
            if on:
                _gc.enable()


def value_and_grad(f, argnums=0, method="reverse", has_aux=False, holomorphic=False):
    """Return a function computing `(f(*args), ∇f)`; f must return a scalar.

    The gradient has the structure of `args[argnums]` (a tuple of them for a tuple of argnums).
    Nests inside other derivatives and vmap (see the module docstring for the methods). JAX's `has_aux` and
    `holomorphic` are `dl.value_and_grad`'s (difflab.transforms).

    >>> import difflab.api as api
    >>> api.value_and_grad(lambda x, y: x * y)(2.0, 3.0)
    (6.0, 3.0)
    >>> api.value_and_grad(lambda z: z * z, holomorphic=True)(1.0 + 2.0j)
    ((-3+4j), (2+4j))
    """
    if has_aux is not False or holomorphic is not False:  # (the defaults first: no import, per fresh transform)
        from ..transforms import value_and_grad as with_keywords  # (transforms builds on this module)

        return with_keywords(f, argnums, method, has_aux, holomorphic)
    if not callable(f):  # (check_function's test first: its frame per fresh transform only where it raises)
        check_function(f, "value_and_grad")
    return _ValueAndGrad(f, argnums, method)


def grad(f, argnums=0, method="reverse", has_aux=False, holomorphic=False):
    """Return a function computing the gradient of scalar-valued `f` with respect to `args[argnums]`.

    Shape contract: the gradient has the structure and shapes of the differentiated argument(s).
    Nests inside other derivatives and vmap (see the module docstring for the methods). JAX's `has_aux` and
    `holomorphic` are `dl.grad`'s (difflab.transforms).

    >>> import difflab.api as api
    >>> api.grad(lambda x: (x * x) * (x * x), method="forward")(3.0)
    108.0
    >>> api.grad(lambda z: z ** 3.0, holomorphic=True)(1.0j)  # 3 z²
    (-3+0j)
    """
    if has_aux is not False or holomorphic is not False:  # (the defaults first: no import, per fresh transform)
        from ..transforms import grad as with_keywords  # (transforms builds on this module)

        return with_keywords(f, argnums, method, has_aux, holomorphic)
    if not callable(f):  # (check_function's test first: its frame per fresh transform only where it raises)
        check_function(f, "grad")
    return _Grad(f, argnums, method)


_HESSIAN_COMPLEX = (
    ": hessian takes complex leaves with holomorphic=True (f''(z) of a holomorphic f, as JAX's hessian); "
    "for a real function of z = x + iy, differentiate it in its real and imaginary parts"
)


class _Jacobian(_Transform):
    holomorphic = False
    of_gradient = False  # hessian's (outer, inner) pair: its refusal of complex leaves names hessian

    @_public_call
    def __call__(self, *args):
        with self._lock:
            try:
                st, prep = self.staged(args)
            except ComplexLeaf as err:
                if self.of_gradient:
                    raise TypeError(str(err).split(";")[0] + _HESSIAN_COMPLEX) from None
                if not self.method.complex_leaves:
                    raise
                return complex_jacobian(
                    lambda g, xs: _Jacobian(g, self.argnums, self.method)(*xs),
                    self.f,
                    args,
                    self.argnums,
                    self.holomorphic,
                )
            if self.holomorphic:
                raise TypeError("holomorphic=True needs complex inputs (as JAX's), got real ones")
            _check_block_ndim(st, "hessian" if self.of_gradient else "jacobian")
            xs = st.signature.inputs(args)
            outs, jac = prep.jacobian(xs)
            cols = _nonfinite([xs[i] for i in st.wrt])
            if cols is not None:  # (an infinite input: said, as grad says it; a NaN one's value is NaN too)
                for k, i in enumerate(st.wrt):
                    _say_infinite_input(k, xs[i])
            if (bad := _nonfinite(outs)) is not None:  # (of a gradient: grad alone says why it is NaN, here traced)
                self.f(*args) if self.of_gradient else _say_infinite_value(st.graph, xs, outs)
            jac = _nan_rows(jac, bad, cols)
            rows = gradient_rows(st, len(outs)) if self.of_gradient else None  # (H's block i, j: by leaf i too)
            return _jacobian_tree(st, outs, _poison_traced_rows(jac, outs), rows)


def _check_block_ndim(st: Staged, what: str, rows=None):
    """Refuse up front a result block (an output leaf's axes, or for a native Hessian a differentiated leaf's,
    then a differentiated leaf's) of more axes than NumPy's 64: a (1,)*33 input's Jacobian was NumPy's bare
    "maximum supported dimension for an ndarray is currently 64, found 66", after the whole computation."""
    outs = (
        rows if rows is not None else [o.shape if isinstance(o, Var) else np.shape(o.value) for o in st.graph.outputs]
    )
    deepest = max([len(o) + len(i) for o in outs for i in st.wrt_shapes()], default=0)
    if deepest > 64:
        raise ValueError(
            f"{what}: a block of the result would have {deepest} axes (an output leaf's, then a differentiated "
            "leaf's), over NumPy's limit of 64; reshape the arguments to fewer axes, or use jvp/vjp for products"
        )


def gradient_rows(st: Staged, n_out: int):
    """The dtypes a Hessian's outer Jacobian rounds its blocks to, per output leaf: the differentiated leaf's
    that output is the derivative by (its inner gradient's leaves; for a vector f, its inner Jacobian's, per
    output leaf of f the differentiated leaves), so that a block is float32 where either leaf is."""
    dts = st.signature.wrt_dtype
    return None if dts is None or not dts else dts * (n_out // len(dts))


def _jacobian_tree(st: Staged, outs, jac, rows_dtype=None):
    """The Jacobian's pytree: per output leaf, the input's structure of blocks (each a float32 leaf's block
    float32: Signature.rebuild); `rows_dtype`, per output leaf, a dtype its blocks are rounded to as well
    (a Hessian's outer Jacobian of a gradient: the gradient's leaf's)."""
    rows, start = [], 0
    jac = np.asarray(jac) if not isinstance(jac, Traced) else jac
    for o in outs:
        shape = np.shape(o)
        size = int(np.prod(shape))
        block = _rows(jac, start, size)
        if _kind(block) == "c" and _kind(o) != "c":  # a real output's rows (of real inputs) are real
            block = dnp.real(block)
        rows.append(st.signature.rebuild(st.split_flat(block, lead=(size,))))
        start += size
    per_out = []
    for o, r in zip(outs, rows):
        shape = np.shape(o)
        per_out.append(_tree_map_arrays(lambda b, s=shape: _writable(_reshape(b, s + np.shape(b)[1:])), r))
    if rows_dtype is not None:
        per_out = [narrow(b, d) for b, d in zip(per_out, rows_dtype)]
    return st.out_tree.unflatten(per_out)


def _writable(b):
    """A block the caller may write into: forward's constant rows are broadcast views (read-only, stride 0)."""
    return b.copy() if type(b) is np.ndarray and not b.flags.writeable else b


def _tree_map_arrays(fn, t):
    leaves, td = tree.flatten(t)
    return td.unflatten([fn(x if isinstance(x, Traced) else np.asarray(x)) for x in leaves])


def jacobian(f, argnums=0, method="reverse", holomorphic=False):
    """Return a function computing the Jacobian of `f`; shape `out.shape + in.shape`.

    For pytrees, the result has the output's structure with the input's structure at each leaf.
    Complex leaves (forward, reverse; difflab/ops/complexes.py's convention, as JAX's): a real output's
    rows are gradients, ∂f/∂x − i ∂f/∂y; a complex output at a complex leaf needs `holomorphic=True`,
    which gives the complex derivative f'(z) (refused where f is not holomorphic: Cauchy–Riemann).
    Nests inside other derivatives and vmap (see the module docstring for the methods).

    >>> import difflab as dl, numpy as np
    >>> dl.jacobian(lambda x: x * x, method="forward")(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    check_function(f, "jacobian")
    t = _Jacobian(f, argnums, method)
    t.holomorphic = bool(holomorphic)
    return t


def hessian(f, argnums=0, method="reverse", holomorphic=False, has_aux=False, *, argnum=None):
    """Return a function computing the Hessian of `f`; shape `in.shape + in.shape` for a scalar f
    (`argnum=`, HIPS autograd's spelling of argnums, is taken).

    `has_aux=True` (JAX's): f returns (out, aux) and the result is (H, aux), H of out alone, aux passed
    through as `dl.grad(..., has_aux=True)` passes it (difflab.transforms.hessian_aux). A tuple of argnums
    gives JAX's nested blocks: H[i][j] the second derivative by argument i, then argument j.

    Complex leaves need `holomorphic=True` (as JAX's hessian, its jacfwd of jacrev): f''(z) of a
    holomorphic f, the Jacobian of its Jacobian, both holomorphic (forward, reverse).

    `method` may be a pair (outer, inner): the Jacobian (by outer) of the gradient (by inner).
    A single method uses its natural Hessian: forward-over-reverse for "reverse",
    forward-over-forward for "forward", and the native ones of "symbolic" and "numeric" (inside
    an outer derivative "numeric" composes its Jacobian of its gradient: its stencil needs numbers).
    Any method may be the inner one of a pair (it runs on the outer method's traced values).
    Nests inside other derivatives and vmap (see the module docstring for the methods).

    A function with a vector (or pytree) output gets JAX's `jacfwd(jacrev(f))`: H shaped
    `out.shape + in.shape + in.shape` (nested out, then argument i, then argument j), the Jacobian
    (by the outer method) of the Jacobian (by the inner); a single method composes its own Jacobian
    twice ("reverse": forward over reverse). An output of shape (1,) is a vector, as JAX's.

    >>> import difflab as dl
    >>> float(dl.hessian(lambda x: x ** 3.0)(2.0))
    12.0
    >>> dl.hessian(lambda x: x ** 3.0)(np.array([2.0])).tolist()  # f: (1,) -> (1,), H: (1, 1, 1)
    [[[12.0]]]
    """
    check_function(f, "hessian")
    if argnum is not None:
        argnums = autograd_argnum("hessian", argnums, argnum)
    if holomorphic:  # (a Jacobian of a Jacobian already, whatever f's output)
        return _scalar_hessian(f, argnums, method, holomorphic, has_aux)
    return _AnyHessian(f, argnums, method, has_aux)


class _AnyHessian:
    """`dl.hessian(f)` whatever f returns: the Hessian of a scalar output (`_scalar_hessian`) until f
    returns something else (NonScalarOutput); from then on JAX's Jacobian of the Jacobian, which for a
    scalar output is the same H (the numeric one's second differences being nested first ones)."""

    def __init__(self, f, argnums, method, has_aux):
        self.f, self.argnums, self.method, self.has_aux = f, argnums, method, has_aux
        self.scalar = _scalar_hessian(f, argnums, method, False, has_aux)
        self.vector = None
        self.__wrapped__, self.__name__ = f, getattr(f, "__name__", type(f).__name__)
        self.__doc__ = getattr(f, "__doc__", None)

    def __difflab_reads__(self):
        """What a trace through this hessian reads: its function (see compile.reads.reads_of)."""
        return (("f", self.f),)

    def __call__(self, *args, **kwargs):
        if self.vector is None:
            try:
                return self.scalar(*args, **kwargs)
            except NonScalarOutput:
                self.vector = self._vector()
        return self.vector(*args, **kwargs)

    def _vector(self):
        method = self.method
        if isinstance(method, (tuple, list)):
            outer, inner = method
        else:
            outer, inner = get_method(method).hessian_pair or (method, method)
        if self.has_aux:
            from ..transforms import jacobian as jacobian_aux  # (transforms builds on this module)

            t = jacobian_aux(jacobian_aux(self.f, self.argnums, inner, True), self.argnums, outer, True)
        else:
            t = jacobian(jacobian(self.f, self.argnums, inner), self.argnums, outer)
        t.of_gradient = True  # (its blocks float32 where either leaf is, as a scalar f's: gradient_rows)
        return t

    def __getattr__(self, name):  # preparations(), cache, ...: the operator answering the calls
        if name in ("scalar", "vector"):
            raise AttributeError(name)
        return getattr(self.vector if self.vector is not None else self.scalar, name)

    def __repr__(self):
        return f"<hessian of {self.__name__!r} with {self.method!r}>"


class _HolomorphicHessian:
    """`dl.hessian(f, holomorphic=True)`: the Jacobian of f's holomorphic Jacobian, f's own Cauchy–Riemann check
    made first at the call's numbers. The outer Jacobian checks f'(z) only, and the f'(z) of a non-holomorphic f
    may be holomorphic (∂f/∂x of Re z or conj z is 1): its f''(z) was a silent 0. Under an outer trace no number
    is there to check (as the inner Jacobian's check: `_holomorphic_part`)."""

    def __init__(self, first, second):
        self.first, self.second, self.f = first, second, first.f
        self.__wrapped__, self.__name__ = self.f, first.__name__

    def __difflab_reads__(self):
        return (("f", self.f),)

    def __call__(self, *args):
        if not _holds_traced(args):
            self.first(*args)  # (a ValueError naming Cauchy–Riemann where f is not holomorphic here)
        return self.second(*args)

    def __getattr__(self, name):  # preparations(), cache, ...: the operator answering the calls
        if name in ("first", "second"):
            raise AttributeError(name)
        return getattr(self.second, name)


def _scalar_hessian(f, argnums, method, holomorphic, has_aux):
    """The Hessian of a scalar f: as `hessian` describes, before its Jacobian of a Jacobian."""
    if has_aux:
        from ..transforms import hessian_aux  # (transforms builds on this module)

        return hessian_aux(f, argnums, method, holomorphic)
    if holomorphic:
        outer, inner = method if isinstance(method, (tuple, list)) else (method, method)
        first = jacobian(f, argnums, inner, holomorphic=True)
        return _HolomorphicHessian(first, jacobian(first, argnums, outer, holomorphic=True))
    if isinstance(method, (tuple, list)):
        if len(method) != 2:
            raise ValueError(f"a Hessian method pair is (outer, inner), got {method!r}")
        outer, inner = (get_method(m) for m in method)
        if not inner.traceable_output:  # every outer method traces the gradient it differentiates
            raise ValueError(
                f"{inner.name} cannot be the inner method of a Hessian pair: its derivative code "
                f"does not run on traced values; use method={inner.name!r} (its native Hessian) "
                "or a traceable inner method ('forward', 'reverse', 'numeric')"
            )
        g = _Grad(f, argnums, inner)
        g.scalar_output = "hessian"  # (its refusal of a non-scalar output names the operator called)
        t = _Jacobian(g, argnums, outer)
        t.of_gradient = True
        return t
    m = get_method(method)
    if m.hessian_pair is not None:
        return _scalar_hessian(f, argnums, m.hessian_pair, False, False)
    return _Hessian(f, argnums, m)


class _Hessian(_Transform):
    scalar_output = "hessian"

    @_public_call
    def __call__(self, *args):
        with self._lock:
            return self._call(args)

    def _call(self, args):
        try:
            st, prep = self.staged(args)
        except ComplexLeaf as err:
            raise TypeError(str(err).split(";")[0] + _HESSIAN_COMPLEX) from None
        _scalar_check(st, "hessian")
        _check_block_ndim(st, "hessian", st.wrt_shapes())
        xs = st.signature.inputs(args)
        closes = st.graph.closes_over_tracers
        if (
            not self.method.traceable_hessian
            and (closes or any(isinstance(x, Traced) for x in xs))
            and not hessian_on_rows(xs, st.graph if closes else None)
        ):
            # inside an outer derivative (its x traced, or f closing over its values: the stencil's decisions would
            # be taken on numbers the outer graph does not check again): the Jacobian of the gradient, both by this
            # method; on vmap's first row the stencil itself (`pieces.hessian_on_rows`)
            return _Jacobian(_Grad(self.f, self.argnums, self.method), self.argnums, self.method)(*args)
        outs, h = prep.hessian(xs)
        if _nonfinite(outs) is not None:
            h = np.full(np.shape(h), np.nan)
            _say_infinite_value(st.graph, xs, outs)
        elif isinstance(outs[0], Traced):  # NaN where the traced value is not finite, as grad's
            h = _poison_traced(h, outs[0])
        cols = _nonfinite([xs[i] for i in st.wrt])
        if cols is not None:
            h = _nan_rows(_nan_rows(h, cols), None, cols)
        per_row = st.split_flat(h, lead=(prep.n,))
        # rows split by input leaf, then columns: nested structure arg -> arg
        blocks, start = [], 0
        for s in st.wrt_shapes():
            size = int(np.prod(s))
            rows = [_reshape(_rows(p, start, size), tuple(s) + np.shape(p)[1:]) for p in per_row]
            blocks.append(st.signature.rebuild(rows))
            start += size
        return st.signature.rebuild(blocks)


#: the transforms of the last functions given to jvp and vjp at top level (least recently used first
#: out): calling jvp or vjp again with the same function on plain values reuses its traced graph and
#: prepared differentiator, as a `grad(f)` object does (a nested check calls jvp(f, ...) at many
#: points, and the symbolic method prepares a graph in seconds). Keyed by id, with f kept in the entry
#: (so the id cannot be reused meanwhile); bounded, since each entry keeps its function alive.
_CALLED: OrderedDict = OrderedDict()
_CALLED_SIZE = 16
_called_lock = _thread.allocate_lock()


def _transform_of(f, method, primals, tangents=()) -> _Transform:
    """f's _Transform for these primals and `method` (a name): the one of the last call with this very
    function object when there is one. A fresh one inside an outer derivative (a traced primal or
    tangent, or a numeric differentiation tracing: the graph depends on that context, e.g. numeric's
    levels) and for a configured method object."""
    n = len(primals)
    if not isinstance(method, str) or numeric_depth() or _holds_traced((primals, tangents)):
        return _Transform(f, tuple(range(n)), method)
    key = (id(f), n, method)
    with _called_lock:
        t = _CALLED.get(key)
        if t is None or t.f is not f:
            t = _CALLED[key] = _Transform(f, tuple(range(n)), method)
            if len(_CALLED) > _CALLED_SIZE:
                _CALLED.popitem(last=False)
        else:
            _CALLED.move_to_end(key)
    return t


def _holds_traced(values) -> bool:
    return any(isinstance(leaf, Traced) for leaf in tree.flatten(values)[0])


def jvp(f, primals, tangents, method="forward"):
    """Evaluate `f(*primals)` and its directional derivative `J v` (JAX's signature).

    `primals` and `tangents` are tuples of the same structure; every primal is differentiated.
    Either may be traced (inside an outer derivative); a traced tangent with "numeric" is
    applied to its Jacobian, J v being linear in v.
    Nests inside other derivatives and vmap (see the module docstring for the methods).

    >>> import difflab as dl
    >>> dl.jvp(lambda x: x * x, (3.0,), (1.0,))
    (9.0, 6.0)
    """
    check_function(f, "jvp")
    check_sequences("jvp", primals, tangents)
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
    return _collect(_jvp, (f, primals, tangents, method), None, None, _DERIVATIVE)  # ((f(x), J v): J v is)


def _jvp(f, primals, tangents, method):
    t = _transform_of(f, method, primals, tangents)
    with t._lock:  # the transform may be shared by the calls with this function (_CALLED)
        return _jvp_by(t, primals, tangents)


def _jvp_by(t, primals, tangents):
    try:
        st, prep = t.staged(primals)
    except ComplexLeaf:
        if not t.method.complex_leaves:
            raise
        st = None
    if st is None:  # (past the handler: the realified call's own error is not "during handling of" ComplexLeaf)
        r = realify(t.f, primals, range(len(primals)))
        return _jvp_by(t.realified(r), tuple(r.args), r.tangents(tangents))
    return jvp_at(st, prep, t.method, st.signature.inputs(primals), tangents)


def jvp_at(st: Staged, prep, method, xs, tangents):
    """(f's outputs, J v) at the graph inputs `xs` of a staged f, its tangents one per differentiated argument
    (jvp's, and a PreparedFunction's)."""
    if len(tangents) != len(st.argnums):  # (zip below would drop the extra ones, or the missing ones' columns)
        raise ValueError(f"{len(tangents)} tangent(s) for {len(st.argnums)} differentiated argument(s)")
    v = _flat_like(st, tangents, "tangents")
    if isinstance(v, Traced) and not method.traceable_tangent:  # J v is linear in v: the outer trace records J @ v
        outs, jac = prep.jacobian(xs)
        jv = _times_traced(jac, v)
    elif not method.traceable_tangent and type(v) is np.ndarray and not np.isfinite(v).all():
        outs, jv = _along_nonfinite(prep, xs, v)  # (a stencil steps along v: x + h·inf is no point)
    else:
        outs, jv = prep.jvp(xs, v)
    bad, cols = _nonfinite(outs), _nonfinite([xs[i] for i in st.wrt])
    if bad is not None and not isinstance(jv, Traced):
        jv = np.where(bad, np.nan, jv)
        _say_infinite_value(st.graph, xs, outs)
    jv = _poison_traced_flat(jv, outs)
    if cols is not None and not isinstance(jv, Traced) and (v[cols] != 0).any():  # along a NaN/inf input
        jv = np.full(np.shape(jv), np.nan)
    return st.outputs(outs, xs), st.outputs(_split_out(outs, jv), tangents=True)


def _times_traced(jac, v):
    """J v for a traced v (vmap over the tangents of numeric's JVP) with strong zeros, as forward's tangents give it:
    J's zero entries times an inf or NaN entry of v are 0 (J v along (1, inf) of [3·x0, x0·x1] at x1 = 0 is
    (3, inf), not matmul's (NaN, NaN)). The finite part of v through matmul, so a finite v's J v is matmul's to the
    bit; the rest a strong product summed (0 where v is finite). Shape contract: J (m, n), v (n,) -> (m,).

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> f = lambda x: dnp.stack([3.0 * x[0], x[0] * x[1]])
    >>> along = lambda t: dl.jvp(f, (np.array([2.0, 0.0]),), (t,), method="numeric")[1]
    >>> dl.vmap(along)(np.array([[np.inf, 0.0], [1.0, 2.0]])).round(6).tolist()
    [[inf, 0.0], [3.0, 4.0]]
    """
    finite = dnp.isfinite(v)
    rest = dnp.sum(REGISTRY["strong_mul"](jac, dnp.where(finite, 0.0, v)), axis=-1)  # (0·inf never formed)
    return dnp.matmul(jac, dnp.where(finite, v, 0.0)) + rest


def _along_nonfinite(prep, xs, v):
    """(outs, J v) for a method whose JVP steps along v (numeric: the stencil's points x + h·v) where v has NaN
    or ±inf entries: the JVP along v's finite part plus, for each non-finite entry v_j, J's column j times v_j
    with strong zeros, as forward's tangents and reverse's rows give it (an output that does not move with
    input j stays as it is; inf·(-inf) entries sum to NaN). A column that rounding leaves slightly off 0
    gives ±inf there. Shape contract: v (n,), J v (m,) (one flat vector, as `Prepared.jvp`'s).

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> f = lambda x: dnp.stack([3.0 * x[0], x[0] * x[1]])
    >>> dl.jvp(f, (np.array([2.0, 0.0]),), (np.array([1.0, np.inf]),), method="numeric")[1].round(6).tolist()
    [3.0, inf]
    """
    finite = np.isfinite(v)
    outs, jv = prep.jvp(xs, np.where(finite, v, 0.0))
    for j in np.flatnonzero(~finite):
        e = np.zeros(v.shape, v.dtype)
        e[j] = 1.0
        column = prep.jvp(xs, e)[1]
        where = dnp.where if isinstance(column, Traced) else np.where  # (inside an outer derivative: recorded)
        with np.errstate(invalid="ignore"):  # (inf + -inf: NaN, as forward's; said by the caller's checks)
            jv = jv + column * where(column == 0, 0.0, v[j])  # a strong zero: inf·0 is never formed
    return outs, jv


def vjp(f, *primals, method="reverse"):
    """Evaluate `f(*primals)` and return `(out, pullback)`; `pullback(u)` gives `uᵀ J` per primal.

    `u` has the structure of f's output; the result is a tuple with one entry per primal. The
    primals and the cotangent u may be traced (inside an outer derivative).
    Nests inside other derivatives and vmap (see the module docstring for the methods).

    >>> import difflab as dl
    >>> y, pullback = dl.vjp(lambda x: x * x, 3.0)
    >>> pullback(1.0)
    (6.0,)
    """
    check_function(f, "vjp")
    said = Collector()  # the pullback does not repeat the warnings of the forward pass
    return said.run(_vjp, f, primals, method, said)


def _vjp(f, primals, method, said):
    return _vjp_by(_transform_of(f, method, primals), primals, said)


def _vjp_by(t, primals, said):
    try:
        with t._lock:  # the transform may be shared by the calls with this function (_CALLED)
            st, prep = t.staged(primals)
    except ComplexLeaf:
        if not t.method.complex_leaves:
            raise
        st = None
    if st is None:  # (past the handler, as _jvp_by's)
        r = realify(t.f, primals, range(len(primals)))
        value, real_pullback = _vjp_by(t.realified(r), tuple(r.args), said)
        return value, lambda u: tuple(r.gradient(a, g) for a, g in enumerate(real_pullback(u)))
    with t._lock:
        return vjp_at(st, prep, st.signature.inputs(primals), said)


def vjp_at(st: Staged, prep, xs, said):
    """(f's outputs, pullback) at the graph inputs `xs` of a staged f, the pullback's result one pytree per
    differentiated argument as `Signature.rebuild` gives them (vjp's, and a PreparedFunction's)."""
    xs = [x.copy() if type(x) is np.ndarray else x for x in xs]  # (the caller may write into x before pulling)
    outs, pb = prep.vjp(xs)
    bad, cols = _nonfinite(outs), _nonfinite([xs[i] for i in st.wrt])

    def pullback(*us):
        if len(us) != 1:  # (Python's own error named `vjp_at.<locals>.pullback`)
            raise TypeError(
                f"the pullback takes one cotangent, shaped like the function's output (a tuple for a tuple of "
                f"outputs), got {len(us)} arguments"
            )
        leaves, td = tree.flatten(us[0])
        if td != st.out_tree:
            raise ValueError(f"the cotangent's structure {td} does not match the output's {st.out_tree}")
        for leaf, o in zip(leaves, outs):
            _numeric_leaf(leaf, "a cotangent")
            if np.shape(leaf) != np.shape(o):
                raise ValueError(f"cotangent of shape {np.shape(leaf)} for an output of shape {np.shape(o)}")
            if np.iscomplexobj(leaf) and not np.iscomplexobj(o):  # (a Traced one: its dtype)
                raise TypeError(
                    "a complex cotangent for a real output: a real output's cotangent is real (take its real part)"
                )
        u = _concat_flat(leaves)
        g = said.run(pb, u)
        if bad is not None and (
            isinstance(u, Traced) or (u[bad] != 0).any()
        ):  # a cotangent on an output with no derivative
            g = np.full(np.shape(g), np.nan)
            said.run(_say_infinite_value, st.graph, xs, outs)
        g = _poison_traced_pullback(g, outs, u)
        if cols is not None and not isinstance(g, Traced):
            g = np.where(cols, np.nan, g)
        return st.signature.rebuild(st.split_flat(g))

    return st.outputs(outs, xs), pullback


def vmap(f, in_axes=0, out_axes=0, axis_name=None, axis_size=None, spmd_axis_name=None, sum_match=False):
    """Vectorise `f` over a batch axis, like `jax.vmap`: vmap(f)(xs) stacks f(x) over x in xs.

    `in_axes` gives each argument's batch axis: an int (any axis of it, negative counting from the
    end) or None (shared by every batch element), one for all arguments or a tuple with one per
    argument, each a prefix of its pytree (`({"w": 0, "b": None}, 0)`), as JAX's. `out_axes` (0 by
    default) places the batch axis in each output leaf the same way (an int or a prefix of the
    output's pytree; None for an output that depends on no batched argument: one copy, unbatched). f is traced once, at the
    first batch element (an empty batch at ones of an element's shape: outputs with a batch axis of length 0), and its graph runs once on the
    whole batch, each op by its registry batching rule; a function whose control flow depends on
    values cannot be batched so. On traced values (inside grad) each equation is recorded once,
    batched. f may itself call grad, jacobian, hessian, jvp or linearize. Keyword arguments are batched
    along their axis 0, as JAX's. `axis_size` (JAX's) gives the batch size where no argument is batched (and
    must equal the batched arguments' size otherwise); `axis_name` names the batch axis for the collectives
    `dl.lax.psum`, `pmean`, `pmax`, `pmin`, `all_gather` and `axis_index` inside f (difflab/api/collectives.py).
    `spmd_axis_name` and `sum_match` (device meshes) are refused by name unless None and False.

    >>> import difflab as dl, difflab.numpy as dnp
    >>> dl.vmap(lambda x, w: dnp.sum(x * w), in_axes=(0, None))(np.arange(6.0).reshape(3, 2), np.array([1.0, 10.0]))
    array([10., 32., 54.])
    """
    check_function(f, "vmap")
    _check_axis_keywords(axis_name, axis_size, spmd_axis_name, sum_match)
    token, live = collectives.new_token(), [False]  # (live: f's first row is being traced, collectives recorded)

    @functools.wraps(f)
    def batched(*args, **kwargs):
        if kwargs:  # JAX's: keyword arguments batched along their axis 0, whatever in_axes says
            return _vmap_kwargs(f, in_axes, out_axes, args, kwargs, axis_name, axis_size)
        return collecting(run, *args)

    def run(*args):
        flat = [tree.flatten(a) for a in args]
        leaves, flags = _batch_axis_first(flat, in_axes)
        size = _batch_size(leaves, flags, in_axes, len(args), axis_size)
        named = axis_name is not None or not any(flags)
        if named:  # the rows' positions: axis_index's values, and the batch axis where no argument has one
            leaves, flags = [*leaves, np.arange(size)], [*flags, True]
        out_def: dict = {}

        def call(values):
            it = iter(values)
            with collectives.binding(axis_name, size, token, values[-1] if named else None, live[0]):
                out_leaves, out_def["tree"] = flatten_returned(
                    f(*[td.unflatten([next(it) for _ in lv]) for lv, td in flat]), "batches"
                )
            return out_leaves

        def loop(ks=None):  # f per batch element (those of ks), outputs stacked (traced: the outer trace records it)
            per = [call([x[k] if b else x for x, b in zip(leaves, flags)]) for k in (range(size) if ks is None else ks)]
            return [_stack_rows(list(outs)) for outs in zip(*per)]

        # traced at the first element's numbers; on traced values (inside a derivative) the graph's
        # equations are then recorded once each, batched by their ops' rules, as on arrays
        if size == 0:
            with collectives.tracing(live, token):
                return _empty_batch(lambda *xs: call(xs), leaves, flags, out_def, out_axes)
        first = [numbers([x])[0][0] if b else x for x, b in zip(leaves, flags)]
        narrow = any([np.dtype(getattr(x, "dtype", float)) in _NARROW for x in leaves])
        with collectives.tracing(live):
            t, inputs, out_leaves = _trace_first_row(lambda *xs: call(xs), first, leaves, narrow)
        check_returned(out_leaves, "batches")
        graph = outputs_of(t, inputs, out_leaves)
        if graph.specialised:  # (by a derivative's decision on the first row's numbers: each row alone, as f is)
            if not any(isinstance(x, Traced) for x in leaves) and not graph.specialised.rows:
                raise ValueError(
                    "vmap cannot batch a function whose control flow depends on its argument values (the traced "
                    f"branch holds for one batch element only{_by(graph.specialised)})"
                )
            outs = loop()  # each element's own branch (the enclosing trace is specialised by it)
        else:
            # results of their own: not the caller's input, not a read-only broadcast of an unbatched value
            # (and not another output: a function returning one value twice)
            with collectives.tracing(None, token):  # (the collectives' batching rules reduce over this vmap's rows)
                outs = _batched_or_rows(graph, _widened(leaves), flags, loop, t.value_dtypes)
        outs = _narrow_batched(graph, leaves, outs, t.weak, t.casts)
        free = _unbatched_outputs(graph, flags)
        return out_def["tree"].unflatten(_batch_axis_to(outs, out_def["tree"], out_axes, free))

    return batched


def _check_axis_keywords(axis_name, axis_size, spmd_axis_name, sum_match):
    """vmap's JAX keywords for named axes and device meshes: taken where they mean something here, else refused."""
    if spmd_axis_name is not None or sum_match:
        raise NotImplementedError(
            f"vmap(spmd_axis_name={spmd_axis_name!r}, sum_match={sum_match!r}): JAX's device-mesh sharding of the "
            "batch axis; difflab runs on one CPU, so there is no mesh: leave them out (axis_name names the axis)"
        )
    if axis_size is not None and (isinstance(axis_size, bool) or not isinstance(axis_size, (int, np.integer))):
        raise TypeError(f"vmap's axis_size must be an int (the batch size), got {axis_size!r}")
    if axis_size is not None and axis_size < 0:
        raise ValueError(f"vmap's axis_size must be >= 0, got {axis_size}")
    if axis_name is not None and not isinstance(axis_name, (str, int, tuple)):
        raise TypeError(f"vmap's axis_name must be a name (a str, as JAX's), got {type(axis_name).__name__}")


def _batch_size(leaves, flags, in_axes, n_args, axis_size) -> int:
    """The batch size: the batched leaves' one axis-0 length, checked against `axis_size` where it is given; or
    axis_size where no argument is batched."""
    sizes = {np.shape(x)[0] if np.ndim(x) else None for x, b in zip(leaves, flags) if b}
    if not sizes and axis_size is not None:
        return int(axis_size)
    if not sizes or None in sizes or len(sizes) > 1:
        raise ValueError(
            "vmap needs batched arguments (in_axes not None) with one batch axis of one size; got "
            + (
                ", ".join(sorted("a scalar (no axis 0)" if s is None else f"size {s}" for s in sizes))
                or f"no batched argument: in_axes={in_axes!r} maps none of the {n_args} argument(s); "
                "give one an int (in_axes=0 batches every argument along its axis 0), or give axis_size"
            )
        )
    size = next(s for s in sizes if s is not None)
    if axis_size is not None and axis_size != size:
        raise ValueError(
            f"vmap's axis_size={axis_size} differs from the batched arguments' batch size {size}: give one "
            "or make them agree"
        )
    return size


def _stack_rows(outs: list):
    """vmap's rows answered alone (f on each), stacked: refused by name where their shapes differ (a read by a traced
    mask whose count differs between rows, `x[x > 0]`: no array holds them; JAX refuses such a read under vmap)."""
    shapes = sorted({tuple(o.shape) if hasattr(o, "shape") else () for o in outs})
    if len(shapes) > 1:
        raise ValueError(
            f"vmap cannot stack f's rows: one output has shape {' at one row, '.join(map(str, shapes))} at "
            "another (as a read x[m] by a traced mask gives where its count differs between rows); return a fixed-shape "
            "value, such as numpy.where(m, x, 0) or a sum over the read, or call f on each row"
        )
    return dnp.stack(outs)


def _trace_first_row(flat_f, first, leaves, narrow):
    """vmap's trace of f at the batch's first row `first`; on numbers (no leaf traced), a numeric derivative's
    length-scale decisions taken there are checked at each row by the batched graph (`pieces.batch_rows`)."""
    if any(isinstance(x, Traced) for x in leaves):
        return trace_flat(flat_f, first, narrow=narrow)
    with batch_rows():
        return trace_flat(lambda *xs: (first_row(xs), flat_f(*xs))[1], first, narrow=narrow)


def _by(why) -> str:
    """What specialised a trace, for vmap's refusal."""
    return f", here {why}" if isinstance(why, Why) else ""


def _batched_or_rows(graph, leaves, flags, loop, value_dtypes=False) -> list:
    """vmap's outputs: the graph run once on the whole batch, or, where it holds a derivative's equations (recorded
    by rules: `Eqn.source`) and something underflowed on values, f on each row alone (`loop`), so that each row is
    answered as f answers it: a traced sweep has no rescaling (rescaled.py decides on values), and
    vmap(grad(sum(1/(x*x)))) at [1e100, 1] gave -0.0 silently for grad's -2e-300 (issue 11)."""
    plain = any(isinstance(x, Traced) for x in leaves) or not any([e.source is not None for e in graph.eqns])
    if plain:  # (a user's own graph, or traced leaves: the batched run, whose outer derivative decides)
        return _own(evaluate_batched(graph, *leaves, batched=flags), graph, leaves)
    if not all(_finite_leaf(x) for x, b in zip(leaves, flags) if b):
        # a NaN or inf row: f on each row alone, which says its infinite input (grad's and jacobian's DomainWarning
        # and NaN, which the batched graph, traced at the first row, has no equation for: vmap(jacobian) gave 0)
        return loop()
    under: list = []  # (NumPy's flag, by a call: a raise would meet `guarded`'s handling of a domain error)
    # (the batch's DomainWarnings held: where rows are answered alone, theirs say it as the row alone does)
    with np.errstate(under="call", call=lambda kind, flag: under.append(kind)), holding_domain_warnings() as held:
        outs = _own(evaluate_batched(graph, *leaves, batched=flags), graph, leaves)
    # `value_dtypes`: an op whose result's dtype the values pick (sqrtm: complex at a real A's negative eigenvalue)
    # went complex on a later row than the traced one, whose graph holds the real branch (its derivative's real parts
    # not taken: vmap(grad) was complex garbage): each row alone too
    if under or (value_dtypes and _dtype_moved(graph, outs)):
        return loop()
    if _holds_nonfinite(outs):
        outs, ks = _nonfinite_rows_alone(graph, flags, outs, loop)
        if held and ks is not None:  # the rows alone said theirs (a stencil that left a domain in the batch, not
            held = _said_by_rows(graph, leaves, flags, ks)  # alone, says nothing): the batch's of the other rows
    for equation, message in held.items():
        warn_domain(equation, message)
    return _lifted_rows_alone(graph, leaves, flags, outs, loop)


def _lifted_rows_alone(graph, leaves, flags, outs, loop) -> list:
    """A derivative's batched outputs with each row that may have lost a lifted term answered by f on that row alone
    (`loop(rows)`): a row with an output entry below float64's normal range and an input entry of 2^25 or more
    (`base._lifted`'s bar). Why: a pullback traced with its cotangent (vmap over cotangents) contracts it with the
    Jacobian formed on values (forward's, symbolic's VJP), whose entry -e^-800 is 0: the row [3e200, 1] pulled back
    0 for -1.1e-147, where the pullback alone lifts it. Gates: one pass over each batched output (the common case's
    only work), then one over each batched input."""
    if not any([type(o) is np.ndarray and o.dtype.kind == "f" and o.size and np.abs(o).min() < _TINY for o in outs]):
        return outs  # (the common case: one pass over each output)
    batched = [not free for free in _unbatched_outputs(graph, flags)]
    real = [np.reshape(o, (len(o), -1)) for o, b in zip(outs, batched) if b and np.asarray(o).dtype.kind == "f"]
    small = [np.min(np.abs(o), axis=1, initial=np.inf) < _TINY for o in real if o.size and o.ndim]
    if not small or not np.any(small):
        return outs
    xs = [np.reshape(x, (len(x), -1)) for x, b in zip(leaves, flags) if b and np.asarray(x).dtype.kind in "fc"]
    big = [np.max(np.abs(x), axis=1, initial=0.0) >= 2.0**25 for x in xs if x.size]
    ks = np.flatnonzero(np.any(small, axis=0) & np.any(big, axis=0)) if big else []
    if not len(ks):
        return outs
    alone = loop(ks)
    outs = [np.array(o) for o in outs]  # (arrays of their own, writable)
    for o, a, b in zip(outs, alone, batched):
        if b and np.result_type(o, a) == o.dtype:
            o[ks] = a
    return outs


def _said_by_rows(graph, leaves, flags, ks) -> dict:
    """The DomainWarnings (equation -> message) a batched run of `graph` says on the rows not in `ks` (none: {})."""
    rest = np.setdiff1d(np.arange(len(next(x for x, b in zip(leaves, flags) if b))), ks)
    if not len(rest):
        return {}
    with holding_domain_warnings() as held, np.errstate(all="ignore"):
        evaluate_batched(graph, *[x[rest] if b else x for x, b in zip(leaves, flags)], batched=flags)
    return held


def _holds_nonfinite(outs) -> bool:
    """Whether a batched run's concrete outputs hold a NaN or inf (one C pass each: the common case's only extra
    work)."""
    return any(np.asarray(o).dtype.kind in "fc" and not np.isfinite(o).all() for o in outs if not isinstance(o, Traced))


def _nonfinite_rows_alone(graph, flags, outs, loop) -> tuple:
    """(outputs, the rows answered alone or None): a derivative's batched outputs with each row that holds a NaN or inf (its inputs finite) answered by f on that row
    alone (`loop(rows)`), which says why: the batched graph, traced at the first row, poisons a later row's gradient at an
    infinite value (sum(x + -inf), logsumexp over an all -inf set) with no word, where grad alone warns (issue 11).
    An equation that left its domain on the batch said so already; the row's call says it once more, which the
    enclosing call's collector merges. An output that depends on no batched input and holds a NaN or inf is the
    first row's alone, the same on every row: a numeric derivative's per-row check of its decisions (`rows_guard`,
    `scales.rows_roundoff`) is NaN where it cannot vouch for the batch, and vmap(grad(f, 'numeric'), in_axes=(None,
    0)) of exp(a - max(a))[0] gave NaN for [0.61, 0, -0.61] where f does not read the batched argument."""
    batched = [not free for free in _unbatched_outputs(graph, flags)]
    bad = [~np.isfinite(np.reshape(o, (len(o), -1))).all(axis=1) for o, b in zip(outs, batched) if b]
    ks = np.flatnonzero(np.any(bad, axis=0)) if bad else []
    free_bad = [not b and np.asarray(o).dtype.kind in "fc" and not np.isfinite(o).all() for o, b in zip(outs, batched)]
    if not len(ks) and not any(free_bad):
        return outs, None
    alone = loop(ks if len(ks) else [0])
    outs = [np.array(o) for o in outs]  # (arrays of their own, writable)
    for o, a, b, fb in zip(outs, alone, batched, free_bad):
        if b or fb:
            if np.result_type(o, a) != o.dtype:
                return loop(), np.arange(len(o))  # (a row's kind is not the batch's: every row alone)
            o[ks if b else slice(None)] = a if b else a[0]
    return outs, ks if len(ks) else None


def _dtype_moved(graph, outs) -> bool:
    """Whether a batched output's kind (real, complex) is not the traced graph's."""
    return any(
        isinstance(v, Var) and not isinstance(o, Traced) and np.asarray(o).dtype.kind != v.dtype.kind
        for o, v in zip(outs, graph.outputs)
    )


def _finite_leaf(x) -> bool:
    """Whether the array x holds no NaN or infinity (an integer or boolean one: none)."""
    if surely_finite(x):
        return True
    x = np.asarray(x)
    return x.dtype.kind not in "fc" or bool(np.isfinite(x).all())


def _empty_batch(flat_f, leaves, flags, out_def, out_axes):
    """vmap over a batch of size 0, as JAX's: outputs with the batch axis of length 0 and an element's shapes
    and dtypes. There is no element to trace at, so f is traced at ones of an element's shape and dtype, a
    made-up point: its values are never returned (a batched output is evaluated on the empty batch, an
    unbatched one, by out_axes None, depends on no batched argument), and what it says is dropped (its
    DomainWarnings, NumPy's floating-point warnings: log(x - 2) at 1 is no domain error of this call)."""
    point = [np.ones(tuple(x.shape)[1:], dtype=x.dtype) if b else x for x, b in zip(leaves, flags)]
    with dropping_domain_warnings(), np.errstate(all="ignore"):
        t, inputs, out_leaves = trace_flat(flat_f, point)
        check_returned(out_leaves, "batches")
        graph = outputs_of(t, inputs, out_leaves)  # (specialised or not: no element has a branch of its own)
        outs = _own(evaluate_batched(graph, *leaves, batched=flags), graph, leaves)
        free = _unbatched_outputs(graph, flags)
        if tree.prefix_leaves(out_axes, out_def["tree"], "the output").count(None):
            at_point = evaluate(graph, *point)  # (one row of an unbatched output: any element's, this one's)
            outs = [
                dnp.stack([a]) if f and isinstance(a, Traced) else np.array([a]) if f else o
                for o, a, f in zip(outs, at_point, free)
            ]
    return out_def["tree"].unflatten(_batch_axis_to(outs, out_def["tree"], out_axes, free))


def _vmap_kwargs(f, in_axes, out_axes, args, kwargs, axis_name=None, axis_size=None):
    """vmap(f, in_axes, out_axes)(*args, **kwargs) with the keyword arguments batched along their axis 0, as
    JAX's: one more positional argument (a tuple of them, by name) at in_axes 0."""
    for k, v in kwargs.items():
        if any(np.ndim(x) == 0 for x in tree.flatten(v)[0]):
            raise ValueError(
                f"vmap batches keyword arguments along their axis 0 (as JAX's), but {k!r} has a leaf "
                "without one; to share it by every batch element, bind it first (functools.partial)"
            )
    axes = in_axes if not isinstance(in_axes, (tuple, list)) else (*in_axes, 0)
    names = sorted(kwargs)
    return vmap(functools.partial(_with_kwargs, f, names), axes, out_axes, axis_name, axis_size)(
        *args, tuple(kwargs[k] for k in names)
    )


def _with_kwargs(f, names, *args):
    """f called with its keyword arguments `names` from the last positional one (vmap's keyword arguments)."""
    return f(*args[:-1], **dict(zip(names, args[-1])))


_NARROW = (np.dtype(np.float32), np.dtype(np.float16), np.dtype(np.complex64))


def _widened(leaves) -> list:
    """NumPy float32/float16/complex64 leaves in float64 (complex128): the batched graph computes in float64, as every
    other operator does and as vmap's rows alone do (`_narrow_batched` rounds the outputs back); it ran in float32,
    and vmap(grad(f)) of a float32 batch was off by 0.9 where grad of each row was within 8e-5 (review56)."""
    return [x.astype(np.complex128 if x.dtype.kind == "c" else np.float64) if type(x) is np.ndarray and x.dtype in
            _NARROW else x for x in leaves]  # fmt: skip


def _narrow_batched(graph, leaves, outs, weak=(), casts=False) -> list:
    """vmap's outputs, float32 where NumPy's promotion of the float leaves they depend on gives float32 (as
    the other operators' values: boundary.out_dtypes); as they are when no leaf is float32 and f cast no value
    (`casts`: a float64 batch's np.sum(x, dtype=np.float32) is float32, as NumPy's; it was float64)."""
    dts = [np.dtype(x.dtype) if np.dtype(getattr(x, "dtype", object)).kind in "fc" else None for x in leaves]
    if not casts and all([d is None or d == np.float64 for d in dts]):
        return outs
    return [narrow(o, d) for o, d in zip(outs, out_dtypes(graph, dts, weak))]


def _unbatched_outputs(graph, flags) -> list:
    """Per output of the traced graph: whether it depends on no batched input (out_axes None may take it)."""
    batched = {v for v, b in zip(graph.inputs, flags) if b}
    for e in graph.eqns:
        if any(a in batched for a in e.args if isinstance(a, Var)):
            batched.add(e.out)
    return [not (isinstance(o, Var) and o in batched) for o in graph.outputs]


def _batch_axis_first(flat, in_axes):
    """The arguments' leaves, each batched one's batch axis moved first, and which are batched."""
    if isinstance(in_axes, (tuple, list)) and len(in_axes) != len(flat):
        raise ValueError(f"in_axes has {len(in_axes)} entries for {len(flat)} arguments: {in_axes!r}")
    per_arg = tuple(in_axes) if isinstance(in_axes, (tuple, list)) else (in_axes,) * len(flat)
    leaves, flags = [], []
    for k, ((lv, td), spec) in enumerate(zip(flat, per_arg)):
        for x, ax in zip(lv, tree.prefix_leaves(spec, td, f"argument {k}")):
            _refuse_masked(x, "batches")  # (np.asarray keeps the data under the mask: batched silently)
            given, x = type(x).__name__, x if isinstance(x, Traced) else np.asarray(x)
            if ax is not None and (not isinstance(ax, (int, np.integer)) or isinstance(ax, bool)):
                raise ValueError(f"in_axes entries must be ints or None; got {ax!r} for argument {k}")
            if ax is not None and not -np.ndim(x) <= ax < max(np.ndim(x), 1):
                raise ValueError(f"in_axes {ax} is out of range for argument {k}'s leaf of shape {np.shape(x)}")
            if ax is not None and x.dtype.kind not in "biufc":  # (an object array's None met f's ops: Python's error)
                raise TypeError(f"vmap batches numeric arrays; argument {k} has a leaf of dtype {x.dtype}")
            if x.dtype.kind not in "biufc":  # an unbatched str was traced as a 0-d array: `s == "id"` read as control
                # flow on values, len(s) as "len() of a 0-d traced value" (JAX refuses a str argument too)
                raise TypeError(
                    f"vmap takes numbers and arrays; argument {k} has a leaf {given} of dtype {x.dtype} (in_axes None); bind it first: vmap(functools.partial(f, ...))"
                )
            leaves.append(dnp.moveaxis(x, int(ax), 0) if ax not in (None, 0, -np.ndim(x)) else x)
            flags.append(ax is not None)
    return leaves, flags


def _batch_axis_to(outs, out_tree, out_axes, free):
    """The outputs' leaves with the batch axis (first) moved to out_axes' place for each; None (JAX's) takes
    one copy of an output that depends on no batched argument (`free`), and refuses one that does."""
    axes = tree.prefix_leaves(out_axes, out_tree, "the output")
    moved = []
    for k, (o, ax) in enumerate(zip(outs, axes)):
        if ax is None:
            if not free[k]:
                raise ValueError(
                    f"out_axes None for output leaf {k}, which depends on the batched arguments: "
                    "give it an int (where its batch axis goes)"
                )
            moved.append(o[0] if isinstance(o, Traced) else np.array(o[0]))  # every row is this one
            continue
        if isinstance(ax, bool) or not isinstance(ax, (int, np.integer)):
            raise ValueError(f"out_axes entries must be ints or None; got {ax!r}")
        if not -np.ndim(o) <= ax < np.ndim(o):
            raise ValueError(
                f"out_axes {ax} is out of range for an output of shape {np.shape(o)[1:]} (batched: {np.shape(o)})"
            )
        moved.append(o if ax in (0, -np.ndim(o)) else dnp.moveaxis(o, 0, int(ax)))
    return moved


def _declared_holds(f, batch, st, prep, args):
    """Check, at the first call of each batch size, that f at the batch is the mean over its rows of the one-example
    graph the method differentiates (`batch_argnums`); a ValueError naming the declaration otherwise. A closed-over
    array with one row per example breaks it: one example's trace then reads every row. On traced arguments (an
    outer derivative) not checked. Cost: one call of f and one batched evaluation of the graph per batch size."""
    first = args[batch[0]]  # (a size seen is answered first: no cost per call after the first at a size)
    leaf = first if isinstance(first, np.ndarray) else next(iter(tree.flatten(first)[0]), None)
    size = np.shape(leaf)[0] if np.ndim(leaf) else None  # (a 0-d leaf: refused elsewhere as before)
    sizes = prep.__dict__.setdefault("declared_sizes", set())
    if size is None or size in sizes or any(isinstance(x, Traced) for a in args for x in tree.flatten(a)[0]):
        return
    said = (
        f"{getattr(f, '__name__', 'f')} declares batch_argnums={tuple(batch)} (a mean over the rows of those arguments)"
    )
    try:
        out = np.asarray(f(*args))
    except Exception as e:  # noqa: BLE001 — f itself fails at this batch: the declaration cannot hold
        raise ValueError(f"{said}, but f raised at batch size {size}: {type(e).__name__}: {e}") from e
    rows = [i in batch for i, _ in st.signature.input_pos]  # one example's graph on each row at once
    xs = [x[:, None] if b else x for x, b in zip(st.inputs(args), rows)]
    with np.errstate(all="ignore"), dropping_domain_warnings():  # (f's own call said them)
        mean = np.mean(np.asarray(evaluate_batched(st.graph, *xs, batched=rows)[0]), axis=0)
    # (to a float32 loss's rounding: f and the vectorised value sum the rows in different orders)
    tol = 1e-5 if out.dtype in (np.float32, np.complex64) else 1e-9
    if out.shape == mean.shape and np.allclose(mean, out, rtol=tol, atol=tol * 1e-3, equal_nan=True):
        sizes.add(size)
        return
    # (the likely culprit named: a closed-over array of `size` rows, which one example's trace reads whole)
    held = sorted(
        {
            np.shape(a.value)
            for e in st.graph.eqns
            for a in e.args
            if isinstance(a, Const) and np.ndim(a.value) > 1 and len(a.value) == size
        }
    )
    culprit = (
        f"does it close over an array of shape {', '.join(map(str, held))}, one row per example?"
        if held
        else ("e.g. it closes over an array with one row per example")
    )
    raise ValueError(
        f"{said}, but at batch size {size} f gives {out.tolist()} where the mean over rows of its one-example trace "
        f"gives {mean.tolist()}: f does not treat its examples independently ({culprit}); remove batch_argnums or "
        "make f row-wise"
    )
