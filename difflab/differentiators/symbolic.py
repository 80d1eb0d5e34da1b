"""The symbolic method: graph → SymPy expressions → `diff` → generated code with shared subexpressions.

The translation and the derivative over named assignments (the tape in closed form) are in `program.py` (its "How
it works"). At the first call the assignments (their repeated subexpressions shared, compile.share) become code in
the compiled tier (compile.SymbolicCode): for one example, `lambdify` with the `math` module on Python floats; for
a batch, grouped NumPy lines on (units, batch) blocks (compile.vectorize). A complex value is named as its real and
imaginary parts (program.py), complex outputs as the outputs of their parts' graph (complex_outputs.py). Written out
in full the derivative's size can grow exponentially with depth: `expression_size()` reports that swell. Native products: the Jacobian and the Hessian (an infinite entry is named in a DomainWarning,
program.name_singular; `exact()` gives them in 40 digits), JVP and VJP as one derivative each (directional.py).
A loss that is a mean over examples (difflab.nn's losses carry `batch_argnums`; any other graph is searched for that
structure, examples.py) is differentiated for ONE symbolic example and evaluated on the batch's columns at once, then
averaged. Gradients of functions of arrays are written at matrix level instead (matrix.py: the closed form over the
graph's arrays, lowered to NumPy), and Hessians of functions of an array (tensor.py: einsum terms), also for graphs
too large to expand. On an outer trace's values (symbolic as the inner method of a nested derivative) the scalar
expressions run as difflab ops (compile.traced), recording the derivative for the outer method.
"""

from __future__ import annotations

import numpy as np

from ..compile import SymbolicCode
from ..compile.traced import TracedCode
from ..errors import NotDifferentiableError
from ..graph import charge, evaluate
from .base import Differentiator, Prepared, _traced, flag, nonfinite_concrete, complex_eqn, split
from .complex_outputs import ComplexOutputs, complex_outputs
from .directional import exact_product as _exact_product, jvp as _jvp_along, vjp as _vjp_along
from .examples import per_example
from .structure import prepared_once
from .matrix import MatrixGradient
from .tensor import tensor_form
from .program import Program, _as_object, exact, floats, in_range, name_singular, nonfinite_rows, over_limit, to_sympy  # noqa: F401 — _as_object: rules.py imports it from here

MAX_ELEMENTS = 200_000  # array elements a graph may expand into SymPy expressions


__all__ = ["Symbolic", "to_sympy", "Program"]


class Symbolic(Differentiator):
    """Symbolic differentiation with SymPy; native products: the Jacobian and the Hessian.
    `cse=False` lambdifies the derivative written out in full (the naive, swollen form);
    `matrix=False` keeps gradients of array functions on the per-scalar path too (matrix.py)."""

    name, native, hessian_pair = "symbolic", "jacobian", None
    batches_examples = complex_leaves = True  # a mean-over-examples loss for one example (above); complex leaves

    def __init__(self, cse: bool = True, matrix: bool = True):
        self.cse, self.matrix = flag("Symbolic", "cse", cse), flag("Symbolic", "matrix", matrix)

    def prepare(self, graph, wrt, batch_inputs=()):  # (a graph traced again: its preparation kept, structure.py)
        made = ComplexOutputs if complex_outputs(graph) else self.Prepared  # (complex: their parts' graph)
        extra = (tuple(wrt), tuple(batch_inputs), self.cse, self.matrix, self.compiled)
        return prepared_once(lambda: made(self, graph, tuple(wrt), tuple(batch_inputs)), graph, extra)

    class Prepared(Prepared):
        def __init__(self, method, graph, wrt, batch_inputs=()):
            super().__init__(method, graph, wrt)
            arrays = any(graph.inputs[i].shape for i in wrt) and complex_eqn(graph) is None  # (complex: per scalar)
            self.tensor = tensor_form(graph, wrt) if arrays else None  # matrix-level Hessian terms
            shared = arrays and method.cse and method.matrix  # the matrix form is a shared form
            self.matrix = self.grad_code = MatrixGradient(graph, wrt, batch_inputs) if shared else None  # gradients
            self.batch_inputs, self.per_example, self.program, self._exprs = batch_inputs, None, None, {}
            self._searched = bool(batch_inputs)  # declared: no need to look for the per-example structure
            self.code, self.traced = SymbolicCode(self), TracedCode(self)  # compiled tier; as difflab ops, on traced
            if self.matrix is self.tensor is None:  # else the scalar program is built when first needed
                self._expand()

        def _expand(self, strict=True) -> bool:
            """Build the scalar program (of one example, when the graph has that structure); False
            when it is over the expansion limit and (not `strict`) the matrix-level form stands in."""
            if self.program is None:
                if not self._searched:  # undeclared: the graph may show a mean over examples
                    self._searched, self.per_example = True, per_example(self.graph, self.wrt)
                    if self.per_example is not None:  # one example's graph, evaluated over the rows
                        self.graph, self.batch_inputs = self.per_example.graph, self.per_example.rows
                try:  # over the expansion limit, or an op with no SymPy form at this size (an 8×8 inv)
                    if too_large := over_limit(self.graph, MAX_ELEMENTS):
                        raise NotDifferentiableError(too_large)
                    self.program = to_sympy(self.graph)
                except NotDifferentiableError:
                    if strict or (self.tensor or self.matrix) is None:  # else the matrix-level form stands in
                        raise
                    return False
                closed = [arr for _, arr in self.program.closed]  # an enclosing trace's values: last
                self.symbols = [s for arr in self.program.inputs + closed for s in arr.ravel()]
                self.x = [s for i in self.wrt for s in self.program.inputs[i].ravel()]
            return True

        def exprs(self, kind):
            """Flat list of expressions for "value" (m), "jacobian" (m*n) or "hessian" (n*n)."""
            self._expand()
            if kind not in self._exprs:
                p, ys = self.program, self.program.outputs
                if kind == "value":
                    self._exprs[kind] = list(ys)
                elif kind == "jacobian":
                    self._exprs[kind] = [d for i, y in enumerate(ys) for d in p.gradient(y, self.x, f"d{i}_")]
                elif kind == "value+jacobian":
                    self._exprs[kind] = self.exprs("value") + self.exprs("jacobian")
                else:  # "hessian", and after it the gradient its rows differentiate ("hessian+gradient")
                    grads = p.gradient(ys[0], self.x, "g_")  # then one forward pass over it in n directions
                    self._exprs["hessian"] = [d for row in p.hessian_rows(grads, self.x, "h") for d in row]
                    self._exprs["hessian+gradient"] = self._exprs["hessian"] + grads
            return self._exprs[kind]

        def _run(self, kind, args):
            self._expand()  # first: it may find the per-example structure, which the code reads
            if _traced(args) or self.program.closed:  # inside an outer derivative: they record difflab ops
                return self.traced.run(kind, args)
            return self.code.run(kind, floats(args))

        def value(self, args, program=False):  # (`program`: the scalar program's, built for the Hessian)
            charge(evals=1)
            if not program and (outs := self.matrix and self.matrix.value(args, self.out_shapes)) is not None:
                return outs  # p(x): the value the matrix form's gradient pairs with; no scalar program built for it
            if not self._expand(strict=False) or nonfinite_concrete(args, self.batch_inputs or self.program.closed):
                return list(evaluate(self.graph, *args))
            return split(self._run("value", args), self.out_shapes)

        def _jacobian(self, args):
            charge(evals=1)
            both = self._run("value+jacobian", args)  # one lambdified call shares the forward values
            jac = self._in_range(args, "jacobian", split(both[self.m :], [(self.m, self.n)])[0])
            return name_singular(self, args, split(both[: self.m], self.out_shapes), jac)

        _in_range = in_range  # (generated code's entries, or in 80 digits at inputs of extreme magnitude)

        jvp, vjp, exact_product = _jvp_along, _vjp_along, _exact_product  # (directional.py: one derivative each)

        def grad_leaves(self, args, values=None, finite=None):
            found = self.matrix.run(floats(args)) if self.matrix is not None and not _traced(args) else None
            if found is None:  # the scalar path (also on traced values)
                outs, jac = self.jacobian(args)
                return outs, split(split(jac, [(self.n,)])[0], self.in_shapes)
            charge(evals=1)
            return name_singular(self, args, *found)

        def hessian(self, args):
            if self.tensor is not None and not _traced(args):  # matrix level: products stay matmuls
                charge(evals=1)
                outs, H = self.tensor.hessian(floats(args))
                if np.isfinite(H).all() or not self._expand(strict=False):  # else ∞ met 0: the scalar path
                    return name_singular(self, args, outs, H, order=2)
            both, k = self._run("hessian+gradient", args), self.n * self.n  # rows of a gradient entry not finite: NaN
            H = nonfinite_rows(self._in_range(args, "hessian", split(both[:k], [(self.n, self.n)])[0]), both[k:])
            return name_singular(self, args, self.value(args, program=True), H, order=2)

        def expression_size(self, kind="jacobian") -> dict:
            """Operation counts: the tape's equations, the derivative written out in full
            ("naive"), and with its common subexpressions shared ("cse")."""
            import sympy as sp

            shared = (exprs := self.exprs(kind)) and self.program.needed(exprs)  # (exprs first: builds the program)
            return {
                "tape": len(self.graph.eqns),
                "naive": self.program.tree_size(exprs),
                "cse": int(sum(sp.count_ops(e) for _, e in shared) + sum(sp.count_ops(e) for e in exprs)),
            }

        def exact(self, args, kind="jacobian", dps=40):
            """The derivative evaluated in `dps`-digit arithmetic (mpmath), rounded to float64
            (over a batch: the mean of the examples', summed in `dps` digits too)."""
            return exact(self, args, kind, dps)
