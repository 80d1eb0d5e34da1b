"""The symbolic method: graph → SymPy expressions → `diff` → generated code with shared subexpressions.

The translation and the derivative over named assignments (the tape in closed form) are in
`program.py` (its "How it works"). At the first call the assignments (their repeated
subexpressions shared, compile.share) become code in the compiled tier (compile.SymbolicCode):
for one example, `lambdify` with the `math` module on Python floats; for a batch, grouped
NumPy lines on (units, batch) blocks (compile.vectorize). Written out in full (no shared
subexpressions) the derivative's size can grow exponentially with depth: that swell is what
`expression_size()` reports next to the shared form and the tape length. Native products: the
Jacobian and the Hessian; `exact()` evaluates them in 40-digit arithmetic, the lab's reference.
A loss that is a mean over examples (difflab.nn's losses carry `batch_argnums`; any other graph is
searched for that structure, examples.py) is differentiated for ONE symbolic example and evaluated
on the batch's columns at once, then averaged.
"""
from __future__ import annotations

import math

import numpy as np

from ..compile import SymbolicCode
from ..errors import NotDifferentiableError
from ..graph import charge
from .base import Differentiator, Prepared, _traced, split
from .examples import per_example
from .program import Program, _as_object, to_sympy  # noqa: F401 — _as_object: rules.py imports it from here

MAX_ELEMENTS = 200_000  # array elements a graph may expand into SymPy expressions

__all__ = ["Symbolic", "to_sympy", "Program"]


class Symbolic(Differentiator):
    """Symbolic differentiation with SymPy; native products: the Jacobian and the Hessian.

    `cse=False` lambdifies the derivative written out in full (the naive, swollen form).
    """

    name = "symbolic"
    native = "jacobian"
    hessian_pair = None
    traceable_output = False  # lambdified NumPy code: it cannot take an outer trace's values
    batches_examples = True  # differentiates a mean-over-examples loss for one example (see above)

    def __init__(self, cse: bool = True):
        self.cse = bool(cse)

    def prepare(self, graph, wrt, batch_inputs=()):
        found = None if batch_inputs else per_example(graph, tuple(wrt))  # undeclared: the graph may say
        if found is not None:  # differentiate the graph of one example, evaluated over the rows
            graph, batch_inputs = found.graph, found.rows
        prepared = super().prepare(graph, wrt)
        prepared.batch_inputs, prepared.per_example = tuple(batch_inputs), found
        return prepared

    class Prepared(Prepared):
        batch_inputs: tuple = ()

        def __init__(self, method, graph, wrt):
            super().__init__(method, graph, wrt)
            # every element of every value becomes a SymPy expression: refuse a graph too large
            # to expand (~20 µs an element) rather than run for hours
            elements = sum(math.prod(v.shape) for v in graph.inputs) + sum(math.prod(e.out.shape) for e in graph.eqns)
            if elements > MAX_ELEMENTS:
                raise ValueError(f"the symbolic method would expand {elements:.3g} array elements into SymPy "
                                 f"expressions (~{elements * 2e-5:.3g} s before differentiating), over its limit "
                                 f"of {MAX_ELEMENTS:.3g}; use 'reverse' or 'forward' for inputs this large")
            self.program = to_sympy(graph)
            self.symbols = [s for arr in self.program.inputs for s in arr.ravel()]
            self.x = [s for i in wrt for s in self.program.inputs[i].ravel()]
            self._exprs: dict = {}
            self.code = SymbolicCode(self)  # the compiled tier: lambdified and vectorised code

        def exprs(self, kind):
            """Flat list of expressions for "value" (m), "jacobian" (m*n) or "hessian" (n*n)."""
            if kind not in self._exprs:
                p, ys = self.program, self.program.outputs
                if kind == "value":
                    self._exprs[kind] = list(ys)
                elif kind == "jacobian":
                    self._exprs[kind] = [d for i, y in enumerate(ys) for d in p.gradient(y, self.x, f"d{i}_")]
                elif kind == "value+jacobian":
                    self._exprs[kind] = self.exprs("value") + self.exprs("jacobian")
                else:
                    (y,) = ys
                    grads = p.gradient(y, self.x, "g_")
                    self._exprs[kind] = [d for j, g in enumerate(grads) for d in p.gradient(g, self.x, f"h{j}_")]
            return self._exprs[kind]

        def _run(self, kind, args):
            if _traced(args):
                raise NotDifferentiableError("the symbolic method's lambdified code cannot take traced values; "
                                             "use it as the outer method, or use 'forward'/'reverse' inside")
            return self.code.run(kind, [np.asarray(a, dtype=float) for a in args])

        def value(self, args):
            charge(evals=1)
            return split(self._run("value", args), self.out_shapes)

        def _jacobian(self, args):
            charge(evals=1)
            both = self._run("value+jacobian", args)  # one lambdified call shares the forward values
            return split(both[:self.m], self.out_shapes), both[self.m:].reshape(self.m, self.n)

        def hessian(self, args):
            return self.value(args), self._run("hessian", args).reshape(self.n, self.n)

        def expression_size(self, kind="jacobian") -> dict:
            """Operation counts: the tape's equations, the derivative written out in full
            ("naive"), and with its common subexpressions shared ("cse")."""
            import sympy as sp

            exprs = self.exprs(kind)
            shared = self.program.needed(exprs)
            return {"tape": len(self.graph.eqns), "naive": self.program.tree_size(exprs),
                    "cse": int(sum(sp.count_ops(e) for _, e in shared) + sum(sp.count_ops(e) for e in exprs))}

        def exact(self, args, kind="jacobian", dps=40):
            """The derivative evaluated in `dps`-digit arithmetic (mpmath), rounded to float64
            (over a batch: the mean of the examples', summed in `dps` digits too)."""
            import sympy as sp

            rows = self.batch_inputs
            size = max([len(args[i]) for i in rows], default=1)
            exprs, total = self.exprs(kind), [sp.Integer(0)] * len(self.exprs(kind))
            for k in range(size):
                one = [a[k:k + 1] if i in rows else a for i, a in enumerate(args)]
                vals = dict(zip(self.symbols, [sp.Float(float(x), dps) for a in one for x in np.ravel(a)]))
                for s, e in self.program.needed(exprs):
                    vals[s] = sp.N(e.xreplace(vals), dps)
                total = [t + sp.N(sp.sympify(e).xreplace(vals), dps) for t, e in zip(total, exprs)]
            return np.array([float(sp.N(t / size, dps)) for t in total])
