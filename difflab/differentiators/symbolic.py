"""The symbolic method: graph → SymPy expressions → `diff` → `lambdify(cse=True)`.

How it works. Each input becomes a NumPy object array of real SymPy symbols; each equation is
applied element by element with its op's SymPy translation (structural ops such as matmul,
reshape or sum run NumPy itself on the object arrays). For `(x*y)**2` the output is the
expression `x**2*y**2`, `diff` gives `[2*x*y**2, 2*x**2*y]`, and `lambdify` with common-subexpression
elimination turns the Jacobian into one NumPy function, built once at prepare time. Its native
products are the Jacobian and the Hessian; it can also evaluate them in high precision (mpmath),
which makes it the exact reference of the lab.

A loss that is a mean over examples (difflab.nn's losses say so with `batch_argnums`) is
differentiated for ONE symbolic example; the lambdified derivative is then evaluated on the
batch's columns at once and averaged, so the expression does not grow with the batch.
"""
from __future__ import annotations

import numpy as np

from ..errors import NotDifferentiableError
from ..graph import Const, Var
from ..ops import SYMPY_NUMPY
from .base import Differentiator, Prepared, _traced

__all__ = ["Symbolic", "to_sympy"]


def to_sympy(graph, names=None) -> tuple[list, list]:
    """Translate a graph: (object arrays of input symbols, object arrays of output expressions)."""
    import sympy as sp

    if graph.closes_over_tracers:
        raise NotDifferentiableError("the symbolic method cannot differentiate a function that closes over "
                                     "values being differentiated by an enclosing transformation")
    env, symbols = {}, []
    for i, v in enumerate(graph.inputs):
        name = names[i] if names else f"x{i}"
        flat = [sp.Symbol(f"{name}_{j}" if v.shape else name, real=True) for j in range(int(np.prod(v.shape)))]
        env[v] = np.array(flat, dtype=object).reshape(v.shape)
        symbols.append(env[v])
    for eqn in graph.eqns:
        args = [env[a] if isinstance(a, Var) else _as_object(a.value) for a in eqn.args]
        fn = eqn.op.sympy or eqn.op.impl
        env[eqn.out] = np.asarray(fn(*args, **eqn.kw), dtype=object)
    outs = [env[o] if isinstance(o, Var) else _as_object(o.value) for o in graph.outputs]
    return symbols, outs


def _as_object(value):
    return np.asarray(value, dtype=float).astype(object) if not isinstance(value, bool) else np.asarray(value)


class Symbolic(Differentiator):
    """Symbolic differentiation with SymPy; native products: the Jacobian and the Hessian."""

    name = "symbolic"
    native = "jacobian"
    hessian_pair = None
    per_example = True  # differentiates a mean-over-examples loss for one example (see above)

    def __init__(self, cse: bool = True):
        self.cse = bool(cse)

    def prepare(self, graph, wrt, batch_inputs=()):
        prepared = super().prepare(graph, wrt)
        prepared.batch_inputs = tuple(batch_inputs)
        return prepared

    class Prepared(Prepared):
        batch_inputs: tuple = ()

        def __init__(self, method, graph, wrt):
            super().__init__(method, graph, wrt)
            symbols, outs = to_sympy(graph)
            self.symbols = [s for arr in symbols for s in arr.ravel()]
            self.x = [s for i in wrt for s in symbols[i].ravel()]
            self.y = [e for arr in outs for e in arr.ravel()]
            self._fns: dict = {}
            self._exprs: dict = {}

        def exprs(self, kind):
            """The flat list of expressions for "value", "jacobian" (m*n) or "hessian" (n*n)."""
            if kind not in self._exprs:
                if kind == "value":
                    self._exprs[kind] = list(self.y)
                elif kind == "jacobian":
                    self._exprs[kind] = [yi.diff(xj) for yi in self.y for xj in self.x]
                else:
                    (f,) = self.y
                    g = [f.diff(xj) for xj in self.x]
                    self._exprs[kind] = [gi.diff(xj) for gi in g for xj in self.x]
            return self._exprs[kind]

        def _run(self, kind, args, dtype=float):
            if _traced(args):
                raise NotDifferentiableError("the symbolic method's lambdified code cannot take traced values; "
                                             "use it as the outer method, or use 'forward'/'reverse' inside")
            if kind not in self._fns:
                import sympy as sp

                self._fns[kind] = sp.lambdify(self.symbols, self.exprs(kind), modules=[SYMPY_NUMPY, "numpy"],
                                              cse=self.method.cse)
            cols, batch = [], None
            for i, (v, a) in enumerate(zip(self.graph.inputs, args)):
                a = np.asarray(a, dtype=dtype)
                if i in self.batch_inputs:  # one symbol per feature: pass the batch's column
                    batch = a.shape[0]
                    cols += list(a.reshape(batch, -1).T)
                else:
                    cols += list(a.ravel())
            with np.errstate(invalid="ignore", divide="ignore"):
                res = self._fns[kind](*cols)
            if batch is None:
                return np.array(res, dtype=dtype)
            return np.array([np.mean(np.broadcast_to(r, (batch,))) for r in res])

        def value(self, args):
            self.evals += 1
            return self._split_outs(self._run("value", args))

        def _split_outs(self, flat):
            outs, start = [], 0
            for s in self.out_shapes:
                size = int(np.prod(s))
                outs.append(flat[start:start + size].reshape(s))
                start += size
            return outs

        def _jacobian(self, args):
            return self.value(args), self._run("jacobian", args).reshape(self.m, self.n)

        def hessian(self, args):
            return self.value(args), self._run("hessian", args).reshape(self.n, self.n)

        def expression_size(self, kind="jacobian") -> dict:
            """Operation counts: the tape, the derivative's expression tree, and after CSE."""
            import sympy as sp

            exprs = self.exprs(kind)
            replacements, reduced = sp.cse(exprs)
            after = sum(sp.count_ops(e) for _, e in replacements) + sum(sp.count_ops(e) for e in reduced)
            return {"tape": len(self.graph.eqns), "naive": int(sum(sp.count_ops(e) for e in exprs)),
                    "cse": int(after)}

        def exact(self, args, kind="jacobian", dps=40):
            """The derivative evaluated in `dps`-digit arithmetic (mpmath), rounded to float64."""
            import sympy as sp

            subs = dict(zip(self.symbols, [sp.Float(float(x), dps) for a in args for x in np.ravel(a)]))
            vals = [sp.N(e.xreplace(subs), dps) for e in self.exprs(kind)]
            return np.array([float(v) for v in vals])
