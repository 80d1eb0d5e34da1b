"""`prepare` and `PreparedFunction`: trace and compile once, reuse for same-shaped inputs.

The explicit "trace once, trust me" opt-in: unlike the operators of api.operators, which check on
every call what their trace read, a prepared function keeps the graph of its one trace and checks
only its arguments.
"""

from __future__ import annotations

import time


from ..errors import check_function, collecting, warn_numeric_ignores
from .boundary import Signature, _nan_rows, _nonfinite, _public_call
from .operators import _Hot, _jacobian_tree, _Transform, _value_and_grad


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
            raise ValueError(
                "this function's graph is specialised to its input values (value-dependent "
                "control flow, or an op whose result's dtype the values pick: sqrtm is complex where "
                "an eigenvalue is negative), so it cannot be prepared for reuse; call dl.grad(f) instead"
            )

    def _check(self, args):
        return self.signature.check(args)

    @_public_call
    def __call__(self, *args):
        """f itself, from the compiled tape."""
        with self._lock:
            xs = self._check(args)
            return self.staged.outputs(self.prepared.value(xs), xs)

    def value_and_grad(self, *args, **kwargs):
        """(f, its gradient) from the compiled tape: the common case (a call the generated reader
        reads, everything finite) by one generated function (the reader, the guarded code and the
        builder: api.operators._Hot.fused), else in full."""
        call = self._call
        if call is not None and not kwargs:
            with self._lock:
                res = call(args)
            if res is not None:
                return res
        return self._value_and_grad(*args, **kwargs)

    @_public_call
    def _value_and_grad(self, *args):
        if getattr(self.prepared, "ignored", None):  # numeric on stop_gradient or a custom rule: every call
            warn_numeric_ignores(self.prepared.ignored)
        with self._lock:
            xs = self.staged.fast(args)
            if xs is None:
                return _value_and_grad(self.staged, self.prepared, self._check(args), False)
            res = _value_and_grad(self.staged, self.prepared, xs, True)
            if self.staged.hot is None:
                self.staged.hot = _Hot.arm(self.staged, self.prepared, xs, res[0])
            if self._call is None and self.staged.hot is not None:
                self._call = self.staged.hot.fused(self.staged, args)
            return res

    def grad(self, *args, **kwargs):
        return self.value_and_grad(*args, **kwargs)[1]

    @_public_call
    def jacobian(self, *args):
        if getattr(self.prepared, "ignored", None):
            warn_numeric_ignores(self.prepared.ignored)
        with self._lock:
            xs = self._check(args)
            outs, jac = self.prepared.jacobian(xs)
            cols = _nonfinite([xs[i] for i in self.staged.wrt])
            return _jacobian_tree(self.staged, outs, _nan_rows(jac, _nonfinite(outs), cols))

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
    check_function(f, "prepare")
    if not example_args:  # (it read "argnums 0 is out of range for a function called with 0 arguments")
        raise TypeError("prepare traces f at example arguments: prepare(f, *example_args), got none")
    return collecting(PreparedFunction, f, example_args, argnums, method)
