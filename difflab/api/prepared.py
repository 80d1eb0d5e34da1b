"""`prepare` and `PreparedFunction`: trace and compile once, reuse for same-shaped inputs.

The explicit "trace once, trust me" opt-in: unlike the operators of api.operators, which check on
every call what their trace read, a prepared function keeps the graph of its one trace and checks
only its arguments.
"""

from __future__ import annotations

import _thread
import functools
import inspect
import time
from collections import OrderedDict


from .. import tree
from ..differentiators.base import flag
from ..errors import Collector, DifflabError, check_function, check_positions, collecting, warn_numeric_ignores
from .boundary import Signature, _nan_rows, _nonfinite, _public_call, check_sequences
from .operators import _Hot, _jacobian_tree, _Transform, _value_and_grad, hessian, jvp_at, vjp_at


class _OtherDtypes(DifflabError, ValueError):
    """A call whose float leaves' dtypes differ from the preparation's (float64 where float32 was prepared)."""


class _Elsewhere(DifflabError, ValueError):
    """A call at which the numeric derivatives recorded in the preparation decide otherwise, or a mask's count that f
    read as a Python int differs (Staged.holds)."""


def _retyped(method):
    """A PreparedFunction method that, for arguments of other float dtypes than the preparation's, answers by
    a preparation of f for them (as JAX's jit traces again for new dtypes): their results' dtypes are theirs,
    a float64 call never rounded to a float32 preparation's precision."""

    @functools.wraps(method)
    def call(self, *args):
        try:
            return method(self, *args)
        except _OtherDtypes as other:
            return getattr(self._for_dtypes(other.args[0]), method.__name__)(*args)
        except _Elsewhere as at:  # traced again at this point, not kept (as dl.grad & co. do: issue 11)
            fresh = type(self)(self._t.f, at.args[0], *self._given)
            # its decisions are this point's: not checked again (a decision that its own check reverses, a numeric
            # step at a tie of row sums, norm(A, inf), traced again without end: a RecursionError, review56)
            fresh._at_its_point = True
            return getattr(fresh, method.__name__)(*args)

    return call


class PreparedFunction:
    """`f` traced and prepared by one method for one input signature (see `prepare`).

    Trace once, trust me: unlike `grad` & co., which re-trace when what f reads changes, a prepared
    function keeps the graph of its one trace. Closure cells, globals and closed-over arrays are
    baked in as they were when prepared (like the constants of a function under JAX's `jit`); only
    the arguments are checked (same structure and shapes; the same type and value for every
    argument that is not a float). Calls are serialised by a lock (the tape reuses its buffers).

    `prepared` is the method's Prepared; `expression_size()` measures the symbolic derivative.
    Called on traced values (inside another derivative) it works as `grad` does, for every method
    but "symbolic" (see api.operators).

    Attributes: `graph` (the tape), `prepare_seconds` (tracing + the method's preparation, kept
    apart from per-call cost), `method` and `cost`.
    """

    def __init__(self, f, args, argnums, method):
        t0 = time.perf_counter()
        self._t = _Transform(f, argnums, method)
        self._given = (argnums, method)  # (as given: hessian and hvp make their operators from them)
        self._at_its_point = False  # (a preparation made for one call at its own point: `_retyped`)
        self._hessian = self._hvp = None
        self._by_dtypes: dict = {}  # preparations for other float dtypes (_retyped), by the leaves' dtypes
        self._lock = self._t._lock
        self.staged, self.prepared = self._t.staged(args)
        # what every call is checked against: the arguments as given (the staged graph may have been
        # traced on one example of a batch)
        self.signature = Signature(args, argnums)
        self.prepare_seconds = time.perf_counter() - t0
        self.graph, self.method = self.staged.graph, self._t.method
        self.__name__ = self._t.__name__  # (errors name f: "the function" said nothing)
        self.staged.learn(args)
        self._call = None  # the common case's generated call (_Hot.fused), made by the first call it reads
        if not self.staged.reusable:
            self._refuse(self.staged.why)

    def _refuse(self, why):
        """A graph that cannot be reused (specialised to its input values, or closing over an enclosing trace's)."""
        raise ValueError(
            "this function's graph is specialised to its input values ("
            + (f"by {why}" if why else "value-dependent control flow, or values of an enclosing trace")
            + "), so it cannot be prepared for reuse; call dl.grad(f) instead"
        )

    def _check(self, args):
        xs, same = self.signature.check_dtyped(args)
        if not same:
            raise _OtherDtypes(args)
        if not self._at_its_point and not self.staged.holds(xs):  # a numeric derivative's length-scale decisions, a
            raise _Elsewhere(args)  # count: taken where prepared
        return xs

    def _for_dtypes(self, args) -> "PreparedFunction":
        """The preparation of f for arguments shaped as these, with their float dtypes (made once, kept)."""
        key = tuple(str(getattr(x, "dtype", type(x).__name__)) for a in args for x in tree.flatten(a)[0])
        with self._lock:
            other = self._by_dtypes.get(key)
            if other is None:
                other = type(self)(self._t.f, args, *self._given)
                if len(self._by_dtypes) >= 8:
                    self._by_dtypes.pop(next(iter(self._by_dtypes)))
                self._by_dtypes[key] = other
        return other

    @_public_call
    @_retyped
    def __call__(self, *args):
        """f itself, from the compiled tape."""
        with self._lock:
            xs = self._check(args)
            return self.staged.outputs(self.prepared.value(xs), xs)

    def value_and_grad(self, *args, **kwargs):
        """(f, its gradient) from the compiled tape: the common case (a call the generated reader
        reads, everything finite) by one generated function (the reader, the guarded code and the
        builder: api.operators._Hot.fused, which holds the lock while it runs the code), else in full."""
        call = self._call
        if call is not None and not kwargs:
            res = call(args)
            if res is not None:
                return res
        return self._value_and_grad(*args, **kwargs)

    @_public_call
    @_retyped
    def _value_and_grad(self, *args):
        if getattr(self.prepared, "ignored", None):  # numeric on stop_gradient or a custom rule: every call
            warn_numeric_ignores(self.prepared.ignored)
        with self._lock:
            xs = self.staged.fast(args) if self.staged.check is None else None
            if xs is None:
                return _value_and_grad(self.staged, self.prepared, self._check(args), False)
            res = _value_and_grad(self.staged, self.prepared, xs, True)
            if self.staged.hot is None:
                self.staged.hot = _Hot.arm(self.staged, self.prepared, xs, res[0])
            if self._call is None and self.staged.hot is not None:
                self._call = self.staged.hot.fused(self.staged, args, self._lock)
            return res

    def grad(self, *args, **kwargs):
        return self.value_and_grad(*args, **kwargs)[1]

    @_public_call
    @_retyped
    def jacobian(self, *args):
        if getattr(self.prepared, "ignored", None):
            warn_numeric_ignores(self.prepared.ignored)
        with self._lock:
            xs = self._check(args)
            outs, jac = self.prepared.jacobian(xs)
            cols = _nonfinite([xs[i] for i in self.staged.wrt])
            return _jacobian_tree(self.staged, outs, _nan_rows(jac, _nonfinite(outs), cols))

    @_public_call
    @_retyped
    def jvp(self, primals, tangents):
        """(f(*primals), J v) from the compiled tape: `dl.jvp`'s contract, `tangents` one per differentiated
        argument (every argument for a function of one, or prepared with argnums covering them all).

        >>> import difflab as dl, numpy as np
        >>> p = dl.prepare(lambda x: x * x, np.ones(2), method="forward")
        >>> p.jvp((np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
        (array([1., 4.]), array([2., 0.]))
        """
        check_sequences("jvp", primals, tangents)
        self._warn_ignored()
        with self._lock:
            return jvp_at(self.staged, self.prepared, self.method, self._check(tuple(primals)), tuple(tangents))

    def vjp(self, *primals):
        """(f(*primals), pullback) from the compiled tape: `dl.vjp`'s contract, `pullback(u)` a tuple with
        uᵀ J for each differentiated argument (every argument for a function of one, or prepared so).

        >>> import difflab as dl, numpy as np
        >>> p = dl.prepare(lambda x: x * x, np.ones(2))
        >>> out, pullback = p.vjp(np.array([1.0, 2.0]))
        >>> pullback(np.array([1.0, 1.0]))
        (array([2., 4.]),)
        """
        said = Collector()  # (the pullback does not repeat the warnings of the forward pass, as dl.vjp's)
        out, pullback = said.run(self._vjp, said, *primals)
        many = self.staged.many
        return out, lambda u: (lambda g: g if many else (g,))(pullback(u))

    @_retyped
    def _vjp(self, said, *primals):
        self._warn_ignored()
        with self._lock:
            return vjp_at(self.staged, self.prepared, self._check(primals), said)

    def hessian(self, *args):
        """`dl.hessian(f, argnums, method)` at `args`, checked against the prepared signature: one operator,
        made at the first call, which traces f once per signature (a method's Hessian is not a product of the
        one prepared tape: the reverse method's is forward over its reverse gradient, symbolic's native). As
        dl.hessian's, its trace checks what f reads on every call: not "trust me" as the prepared tape is.

        >>> import difflab as dl, numpy as np
        >>> p = dl.prepare(lambda x: (x ** 3.0).sum(), np.ones(2))
        >>> p.hessian(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
        """
        self.signature.check(args)  # (another float dtype: the operator's own signature for it)
        if self._hessian is None:
            self._hessian = hessian(self._t.f, *self._given)
        return self._hessian(*args)

    @_retyped
    def hvp(self, primals, tangents):
        """(∇f, H v) at `primals`: `dl.hvp`'s contract for the prepared argnums, by one `dl.prepare_hvp` of f
        made at the first call (its own trace of f's gradient, made once). `primals`: every argument;
        `tangents`: one per differentiated argument (in argnums' order), the others held at their values; the
        results are shaped as `grad`'s.

        >>> import difflab as dl, numpy as np
        >>> p = dl.prepare(lambda x: (x ** 3.0).sum(), np.ones(2))
        >>> p.hvp((np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))
        (array([ 3., 12.]), array([ 6., 12.]))
        >>> q = dl.prepare(lambda x, y: (x ** 2 * y).sum(), np.ones(2), np.ones(2), argnums=1)
        >>> q.hvp((np.array([1.0, 2.0]), np.array([3.0, 4.0])), (np.array([1.0, 1.0]),))  # y's: H = 0
        (array([1., 4.]), array([0., 0.]))
        """
        check_sequences("hvp", primals, tangents)
        self._check(tuple(primals))
        if self._hvp is None:
            from ..transforms import PreparedHvp  # (transforms builds on the api)

            self._hvp = PreparedHvp(self._t.f, len(self.staged.arg_trees), self._given[1], self._given[0])
        return self._hvp(primals, tangents)

    def _warn_ignored(self):
        if getattr(self.prepared, "ignored", None):  # numeric on stop_gradient or a custom rule: every call
            warn_numeric_ignores(self.prepared.ignored)

    @property
    def cost(self):
        """The `Cost` this function's calls have run up: evaluations of f, equations executed and
        the elements they produced (read a difference around the calls you want to measure).

        >>> import difflab as dl, numpy as np
        >>> p = dl.prepare(lambda x: (x * x).sum(), np.ones(3))
        >>> before = p.cost.copy()
        >>> _ = p.grad(np.ones(3)), p.grad(np.ones(3))
        >>> (p.cost - before).evals
        2
        """
        return self.prepared.cost

    def __difflab_reads__(self):
        return ()  # trace once: what f read is baked in

    def expression_size(self, kind: str = "jacobian") -> dict:
        """Operation counts of the symbolic derivative ("jacobian" or "hessian"): the tape's
        equations ("tape"), the derivative written out in full ("naive") and with its common
        subexpressions shared ("cse"). Only a method that writes its derivative out has them.

        >>> import difflab as dl, difflab.numpy as dnp
        >>> p = dl.prepare(lambda x: dnp.sin(x) * x, 1.0, method="symbolic")
        >>> p.expression_size()["tape"]
        2
        """
        size = getattr(self.prepared, "expression_size", None)
        if size is None:
            raise TypeError(
                f"{self.method.name} does not write its derivative out as an expression; "
                "expression_size needs method='symbolic'"
            )
        return size(kind)

    def __repr__(self):
        return (
            f"<PreparedFunction {getattr(self._t.f, '__name__', '?')} by {self.method!r}: "
            f"{len(self.graph.eqns)} equations, prepared in {self.prepare_seconds * 1e3:.1f} ms>"
        )


def prepare(f, *example_args, method="reverse", argnums=0, static_argnums=(), static_argnames=(), holomorphic=False):
    """Trace and compile `f` once for the example arguments' shapes; reuse it for same-shaped calls.

    The explicit "trace once, trust me" opt-in, like JAX's `jit`: f's Python code runs once, at
    preparation. Whatever it reads besides its arguments (closed-over arrays, globals, attributes
    of objects) is baked into the tape as it was then; change it and the prepared function still
    computes with the old value (prepare again). The arguments are checked on every call: the same
    structure and shapes, and the same type and value for each leaf that is not a float.
    `dl.grad` and the other transforms cache too, but check those reads on every call.

    `static_argnums` / `static_argnames` (JAX's jit spelling): those arguments, whole (floats too), are
    baked into the tape as constants and never differentiated; they must be hashable. A call with another
    static value prepares f again for it (as JAX's jit retraces), and keeps up to 32 such preparations
    (by type and value: 1 and 1.0 are two). Static arguments may be passed by keyword, the others not.
    `argnums` counts every argument, static ones too (it may not name a static one).
    `holomorphic=True` (complex leaves, JAX's keyword): grad/value_and_grad give f'(z) of a holomorphic complex
    scalar f, jacobian and hessian theirs (difflab.transforms.PreparedHolomorphic: operators made once).

    >>> import difflab as dl, numpy as np
    >>> p = dl.prepare(lambda w: (w * w).sum(), np.ones(3), method="reverse")
    >>> p.grad(np.array([1.0, 2.0, 3.0]))
    array([2., 4., 6.])
    >>> q = dl.prepare(lambda w, k: (w ** k).sum(), np.ones(2), 3.0, static_argnums=1)
    >>> q.grad(np.array([1.0, 2.0]), 3.0), q.grad(np.array([1.0, 2.0]), 2.0)  # k = 2.0: prepared again
    (array([ 3., 12.]), array([2., 4.]))
    """
    check_function(f, "prepare")
    if not example_args:  # (it read "argnums 0 is out of range for a function called with 0 arguments")
        raise TypeError("prepare traces f at example arguments: prepare(f, *example_args), got none")
    if holomorphic is not False and flag("prepare", "holomorphic", holomorphic):
        if static_argnums != () or static_argnames != ():
            raise ValueError("prepare(holomorphic=True) does not take static_argnums or static_argnames")
        from ..transforms import PreparedHolomorphic  # (transforms builds on the api)

        return PreparedHolomorphic(f, example_args, argnums, method)
    # (not `== ()`: np.int64(1) == () is an empty array, whose truth value raised NumPy's ValueError)
    if isinstance(static_argnums, tuple) and not static_argnums and static_argnames == ():
        return collecting(PreparedFunction, f, example_args, argnums, method)
    return _StaticPrepared(f, example_args, argnums, method, static_argnums, static_argnames)


#: preparations kept per prepared function with static arguments, one per static value (least recently used
#: first out), as api.operators.CACHE_SIZE
STATIC_CACHE_SIZE = 32


class _StaticPrepared:
    """`prepare(f, ..., static_argnums=...)`: one PreparedFunction per value of the static arguments, of f with
    them bound (constants of its tape), made when a call first brings that value (JAX's jit retracing). It
    answers as a PreparedFunction: calls, value_and_grad, grad, jacobian, vjp and hessian take every argument, jvp
    and hvp every argument as primals and the differentiated ones' tangents; the other
    attributes (graph, prepared, cost, ...) are those of the preparation called last."""

    def __init__(self, f, args, argnums, method, static_argnums, static_argnames):
        self.f, self.method_arg, self.__name__ = f, method, getattr(f, "__name__", type(f).__name__)
        self.n = len(args)
        self.static, self.names = _static_positions(f, self.n, static_argnums, static_argnames)
        self.argnums = _dynamic_argnums(argnums, self.static, self.n)
        self._by_static: OrderedDict = OrderedDict()
        self._lock = _thread.RLock()
        self._last = None
        self._prepared(*self._split(args, {}))

    def _split(self, args, kwargs):
        """(static key, static values, the other arguments) of a call; static ones may come by keyword."""
        if kwargs:
            args = list(args)
            for name, v in kwargs.items():
                i = self.names.get(name)
                if i is None:
                    raise TypeError(
                        f"keyword argument {name!r} passed to prepared {self.__name__}: only static arguments "
                        f"({', '.join(self.names) or 'none by name'}) may be passed by keyword"
                    )
                if i < len(args):
                    raise TypeError(f"prepared {self.__name__} got argument {name!r} twice (by position and keyword)")
                args.extend([_MISSING] * (i + 1 - len(args)))
                args[i] = v
        if len(args) != self.n or any(a is _MISSING for a in args):
            raise TypeError(f"prepared {self.__name__} takes {self.n} arguments (as its example), got {len(args)}")
        values = tuple(args[i] for i in self.static)
        key = tuple((type(v), v) for v in values)
        try:
            hash(key)
        except TypeError:
            bad = next(i for i, v in zip(self.static, values) if not _hashable(v))
            raise ValueError(
                f"static argument {bad} of prepared {self.__name__} is a {type(args[bad]).__name__}, which is not "
                "hashable: a static argument keys the preparation (as JAX's jit); pass a tuple, or make it "
                "a non-static argument"
            ) from None
        return key, values, tuple(a for i, a in enumerate(args) if i not in self.static)

    def _prepared(self, key, values, dyn) -> PreparedFunction:
        with self._lock:
            p = self._by_static.get(key)
            if p is None:
                p = collecting(
                    PreparedFunction, _Bound(self.f, self.static, values, self.n), dyn, self.argnums, self.method_arg
                )
                self._by_static[key] = p
                if len(self._by_static) > STATIC_CACHE_SIZE:
                    self._by_static.popitem(last=False)
            else:
                self._by_static.move_to_end(key)
            self._last = p
            return p

    def _call(self, what, args, kwargs):
        key, values, dyn = self._split(args, kwargs)
        return getattr(self._prepared(key, values, dyn), what)(*dyn)

    def __call__(self, *args, **kwargs):
        return self._call("__call__", args, kwargs)

    def value_and_grad(self, *args, **kwargs):
        return self._call("value_and_grad", args, kwargs)

    def grad(self, *args, **kwargs):
        return self._call("grad", args, kwargs)

    def jacobian(self, *args, **kwargs):
        return self._call("jacobian", args, kwargs)

    def vjp(self, *args, **kwargs):
        return self._call("vjp", args, kwargs)

    def hessian(self, *args, **kwargs):
        return self._call("hessian", args, kwargs)

    def jvp(self, primals, tangents, **kwargs):
        """As PreparedFunction.jvp, `primals` every argument (static ones too), `tangents` the differentiated."""
        key, values, dyn = self._split(tuple(primals), kwargs)
        return self._prepared(key, values, dyn).jvp(dyn, tangents)

    def hvp(self, primals, tangents, **kwargs):
        """As PreparedFunction.hvp, `primals` every argument (static ones too), `tangents` the differentiated."""
        key, values, dyn = self._split(tuple(primals), kwargs)
        return self._prepared(key, values, dyn).hvp(dyn, tangents)

    def preparations(self) -> list:
        """The PreparedFunctions made so far, one per static value (least recently used first)."""
        return list(self._by_static.values())

    def __difflab_reads__(self):
        return ()  # trace once: what f read is baked in

    def __getattr__(self, name):  # graph, prepared, cost, method, expression_size, ...: the last preparation's
        if name.startswith("__") or name in ("_last", "_by_static"):
            raise AttributeError(name)
        return getattr(self._last, name)

    def __repr__(self):
        return f"<prepared {self.__name__} with static arguments {self.static}: {len(self._by_static)} preparation(s)>"


_MISSING = object()


def _hashable(v) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


class _Bound:
    """f with its static arguments bound: called with the others, in their order."""

    def __init__(self, f, static, values, n):
        self.f, self.__name__ = f, getattr(f, "__name__", type(f).__name__)
        self.fixed = dict(zip(static, values))
        self.n = n

    def __call__(self, *dyn, **kwargs):
        it = iter(dyn)
        return self.f(*[self.fixed[i] if i in self.fixed else next(it) for i in range(self.n)], **kwargs)


def _static_positions(f, n, static_argnums, static_argnames):
    """(sorted static positions, {name: position} of those f's signature names), as JAX's jit: names and
    positions each give the other where f's signature says which is which."""
    nums = check_positions(static_argnums, "static_argnums")
    names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
    for i in nums:
        if not isinstance(i, int) or isinstance(i, bool) or not -n <= i < n:
            raise ValueError(f"static_argnums {i!r} is not a position of the {n} example arguments")
    try:
        params = [
            p.name
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):  # (a builtin without a signature)
        params = []
    positions = {i % n for i in nums}
    for name in names:
        if name not in params[:n]:
            raise ValueError(
                f"static_argnames {name!r} is not a positional parameter of {getattr(f, '__name__', f)} "
                f"among its {n} example arguments ({', '.join(params[:n]) or 'no signature'})"
            )
        positions.add(params.index(name))
    by_name = {params[i]: i for i in sorted(positions) if i < len(params)}
    return tuple(sorted(positions)), by_name


def _dynamic_argnums(argnums, static, n):
    """argnums (of all the arguments) as positions among the non-static ones."""
    many = isinstance(argnums, (tuple, list))
    out = []
    for a in argnums if many else (argnums,):
        if isinstance(a, int) and not isinstance(a, bool) and -n <= a < n and a % n in static:
            raise ValueError(
                f"argnums {a} names a static argument (static_argnums/static_argnames): a static argument is a "
                "constant of the prepared tape, never differentiated"
            )
        # (an out-of-range or malformed argnums is the prepared function's own error)
        out.append(a % n - sum(1 for s in static if s < a % n) if isinstance(a, int) and -n <= a < n else a)
    return tuple(out) if many else out[0]
