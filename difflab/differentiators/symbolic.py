"""The symbolic method: graph → SymPy expressions → `diff` → generated code with shared subexpressions.

How it works. Each input becomes a NumPy object array of real SymPy symbols and each equation is
applied element by element with its op's SymPy translation (structural ops such as reshape or
getitem run NumPy itself on the object arrays). Every non-trivial element gets a name, so the
function is a list of SymPy assignments, the tape in closed form. `diff` is taken of each small
assignment, and the chain rule joins them from the output back (the derivative's own common
subexpressions are shared, not copied). For `y = (x*w)**2`:

    v0 = x*w          dy/dv0 = 2*v0            (diff of v0**2)
    y  = v0**2        dy/dx  = 2*v0*w,  dy/dw = 2*v0*x

At the first call the assignments (their repeated subexpressions shared, codegen.share) become
code: for one example, `lambdify` with the `math` module on Python floats; for a batch, grouped
NumPy lines on (units, batch) blocks (codegen.vectorize). Written out in full (no shared
subexpressions) the derivative's size can grow exponentially with depth: that swell is what
`expression_size()` reports next to the shared form and the tape length. Native products: the
Jacobian and the Hessian; `exact()` evaluates them in 40-digit arithmetic, the lab's reference.
A loss that is a mean over examples (difflab.nn's losses carry `batch_argnums`) is differentiated
for ONE symbolic example and evaluated on the batch's columns at once, then averaged.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import NotDifferentiableError
from ..graph import Var, evaluate
from ..ops import SYMPY_MATH, SYMPY_NUMPY
from .base import Differentiator, Prepared, _traced, split
from .codegen import share, vectorize

MAX_ELEMENTS = 200_000  # array elements a graph may expand into SymPy expressions

__all__ = ["Symbolic", "to_sympy", "Program"]


class Program:
    """Named SymPy assignments in execution order, and the output expressions they feed."""

    def __init__(self, inputs: list, assignments: list, outputs: list):
        self.inputs, self.assignments, self.outputs = inputs, assignments, outputs
        self.defs = dict(assignments)

    def gradient(self, y, wrt: list, tag: str) -> list:
        """Reverse accumulation of dy/d(wrt); each finished adjoint becomes a new assignment."""
        import sympy as sp

        active = set(wrt)
        for s, e in self.assignments:
            if e.free_symbols & active:
                active.add(s)
        if not (getattr(y, "free_symbols", set()) & active):
            return [sp.Integer(0)] * len(wrt)
        singular = self._singular()
        adj = {y: sp.Integer(1)} if y.is_Symbol else {}
        if not y.is_Symbol:  # an output that is an expression over named values
            self._push(y, sp.Integer(1), adj, active, singular)
        for s, e in reversed(list(self.assignments)):  # later adjoint assignments append, unvisited
            a = adj.pop(s, None)
            if a is None:
                continue
            if not a.is_Atom:
                name = sp.Symbol(f"{tag}{s.name}", real=True)
                self.assignments.append((name, a))
                self.defs[name] = a
                if _maybe_infinite(a, singular):
                    singular.add(name)
                a = name
            self._push(e, a, adj, active, singular, out=s)
        return [sp.sympify(adj.get(x, 0)) for x in wrt]

    def _singular(self) -> set:
        """Named values (and adjoints) that may be infinite at some point: a negative power or a
        log in their expression, or such a value in it."""
        singular = set()
        for s, e in self.assignments:
            if _maybe_infinite(e, singular):
                singular.add(s)
        return singular

    @staticmethod
    def _push(e, a, adj, active, singular, out=None):
        for u in sorted(e.free_symbols & active, key=lambda s: s.name):
            d = e.diff(u)
            if out is not None and not e.is_Atom:
                d = d.xreplace({e: out})  # reuse the forward value: exp' = exp, tanh' = 1 - tanh²
            if d != 0:
                # strong zeros (DESIGN.md §3): where a factor may be infinite the chain rule's product
                # is strong_mul's (0·∞ = 0), as forward and reverse compute it
                term = _strong(a, d) if _maybe_infinite(a, singular) or _maybe_infinite(d, singular) else a * d
                adj[u] = adj.get(u, 0) + term


    def needed(self, exprs) -> list:
        """The assignments the expressions depend on, in order (dead code dropped)."""
        need = set().union(*[getattr(e, "free_symbols", set()) for e in exprs])
        keep = []
        for s, e in reversed(self.assignments):
            if s in need:
                keep.append((s, e))
                need |= e.free_symbols
        return keep[::-1]

    def inline(self, exprs) -> list:
        """The expressions written out in full, every named value substituted (the naive form)."""
        full = {}
        for s, e in self.needed(exprs):
            full[s] = e.xreplace(full)
        return [e.xreplace(full) for e in exprs]

    def tree_size(self, exprs) -> int:
        """Operations in the fully written-out expressions, counted without building them."""
        import sympy as sp

        size = {}
        for s, e in self.needed(exprs):
            size[s] = sp.count_ops(e) + sum(e.count(u) * size[u] for u in e.free_symbols if u in size)
        return int(sum(sp.count_ops(e) + sum(e.count(u) * size[u] for u in getattr(e, "free_symbols", ()) if u in size)
                       for e in exprs))


def _maybe_infinite(e, singular) -> bool:
    import sympy as sp

    if not isinstance(e, sp.Basic) or e.is_Number:
        return isinstance(e, sp.Basic) and e.is_finite is False
    return bool(e.free_symbols & singular) or e.has(sp.log) or any(
        p.exp.is_negative for p in e.atoms(sp.Pow))


def _strong(a, d):
    from ..ops.elementwise import strong_mul_sympy

    return strong_mul_sympy()(a, d)


def to_sympy(graph) -> Program:
    """Translate a graph into a `Program`: inputs as object arrays of symbols, named assignments."""
    import sympy as sp

    if graph.closes_over_tracers:
        raise NotDifferentiableError("the symbolic method cannot differentiate a function that closes over "
                                     "values being differentiated by an enclosing transformation")
    env, inputs, assignments = {}, [], []
    for i, v in enumerate(graph.inputs):
        flat = [sp.Symbol(f"x{i}_{j}" if v.shape else f"x{i}", real=True) for j in range(int(np.prod(v.shape)))]
        env[v] = inputs.append(np.array(flat, dtype=object).reshape(v.shape)) or inputs[-1]
    for eqn in graph.eqns:
        args = [env[a] if isinstance(a, Var) else _as_object(a.value) for a in eqn.args]
        if eqn.out.dtype.kind != "b":  # a condition used as a number (sum(x <= y)) is 1 or 0
            domain = eqn.op.domain
            args = [_as_number(x, sp) if isinstance(a, Var) and a.dtype.kind == "b" and
                    (domain[i] if i < len(domain) else "real") != "bool" else x
                    for i, (a, x) in enumerate(zip(eqn.args, args))]
        raw = np.asarray((eqn.op.sympy or eqn.op.impl)(*args, **eqn.kw), dtype=object)
        out = np.empty(raw.shape, dtype=object)
        for j, e in enumerate(raw.flat):
            e = sp.sympify(e)
            if e.is_Atom or eqn.out.dtype.kind == "b":  # conditions stay inline in their Piecewise
                out.flat[j] = e
            else:
                out.flat[j] = sp.Symbol(f"v{eqn.out.id}_{j}", real=True)
                assignments.append((out.flat[j], e))
        env[eqn.out] = out
    outs = [env[o] if isinstance(o, Var) else _as_object(o.value) for o in graph.outputs]
    return Program(inputs, assignments, [sp.sympify(e) for arr in outs for e in arr.ravel()])


def _as_number(conditions, sp):
    out = np.empty(np.shape(conditions), dtype=object)
    for j, c in enumerate(np.ravel(conditions)):
        out.flat[j] = sp.Piecewise((sp.Integer(1), c), (sp.Integer(0), True))
    return out


def _as_object(value):
    return np.asarray(value, dtype=float).astype(object) if np.asarray(value).dtype.kind != "b" else np.asarray(value)


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
        prepared = super().prepare(graph, wrt)
        prepared.batch_inputs = tuple(batch_inputs)
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
            self._fns: dict = {}
            self._buffers: dict = {}
            self._exprs: dict = {}

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

        def _fn(self, kind, scalar):
            """`kind` compiled for one example on Python floats (`math`), or for a batch (`vectorize`)."""
            if (kind, scalar) not in self._fns:
                import sympy as sp

                exprs = self.exprs(kind)
                try:
                    self._fns[kind, scalar] = self._compile(sp, exprs, scalar)
                except (RecursionError, SyntaxError, MemoryError) as err:
                    # without CSE the printed tree nests as deep as the graph: SymPy's printer and
                    # Python's compiler both have a nesting limit (about 200 parentheses)
                    raise NotDifferentiableError(
                        f"the symbolic derivative is nested too deep to compile as Python "
                        f"({type(err).__name__}); use Symbolic(cse=True) or 'forward'/'reverse'") from None
            return self._fns[kind, scalar]

        def _compile(self, sp, exprs, scalar):
            if scalar:
                body = exprs if self.method.cse else self.program.inline(exprs)
                return sp.lambdify(self.symbols, body, modules=[SYMPY_MATH, "math"],
                                   cse=self.method.cse and self._shared)
            lines, outs = self._shared(exprs) if self.method.cse else ([], self.program.inline(exprs))
            per_example = [s for i in self.batch_inputs for s in self.program.inputs[i].ravel()]
            return vectorize(self.symbols, lines, outs, SYMPY_NUMPY, per_example)

        def _shared(self, exprs):
            return share(self.program.needed(exprs), exprs)

        def _run(self, kind, args):
            if _traced(args):
                raise NotDifferentiableError("the symbolic method's lambdified code cannot take traced values; "
                                             "use it as the outer method, or use 'forward'/'reverse' inside")
            args = [np.asarray(a, dtype=float) for a in args]
            batch = max([len(args[i]) for i in self.batch_inputs], default=1)
            if batch == 1:  # one example: Python floats through `math` cost far less than 0-d ufunc calls
                try:
                    res = self._fn(kind, True)(*np.concatenate([a.ravel() for a in args]).tolist())
                    out = np.fromiter(res, dtype=float, count=len(res))
                    if np.isfinite(out).all():  # NaN/inf (inf - inf raises nothing in Python): NumPy decides
                        return out
                except (ArithmeticError, ValueError, TypeError):  # out of domain (or complex): NumPy decides
                    pass
            fn, rows = self._fn(kind, False)
            # the buffer is kept between calls: a fresh one this large is returned to the OS on every
            # call and page-faulted back in (~800 faults at 16-16-4 b256); a concurrent call takes its own
            V, start = self._buffers.pop(kind, None), 0
            if V is None or V.shape != (rows, batch):
                V = np.zeros((rows, batch))
            for i, a in enumerate(args):  # one row per symbol: a batch input's column, else column 0
                block = a.reshape(batch, -1).T if i in self.batch_inputs else a.reshape(-1, 1)
                V[start:start + len(block), :block.shape[1]] = block
                start += len(block)
            with np.errstate(invalid="raise", divide="raise"):
                try:
                    res = fn(V)
                except FloatingPointError:  # let the tape name the equation that left its domain
                    evaluate(self.graph, *[a[:1] if i in self.batch_inputs else a for i, a in enumerate(args)])
                    with np.errstate(all="ignore"):
                        res = fn(V)
            self._buffers[kind] = V
            return res

        def value(self, args):
            self.evals += 1
            return split(self._run("value", args), self.out_shapes)

        def _jacobian(self, args):
            self.evals += 1
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
            """The derivative evaluated in `dps`-digit arithmetic (mpmath), rounded to float64."""
            import sympy as sp

            vals = dict(zip(self.symbols, [sp.Float(float(x), dps) for a in args for x in np.ravel(a)]))
            exprs = self.exprs(kind)
            for s, e in self.program.needed(exprs):
                vals[s] = sp.N(e.xreplace(vals), dps)
            return np.array([float(sp.N(sp.sympify(e).xreplace(vals), dps)) for e in exprs])
