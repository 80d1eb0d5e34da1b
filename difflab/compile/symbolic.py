"""Straight-line SymPy code made fast: repeated subexpressions shared, one example run on Python
floats (`scalar_code`: printed for `math`, each shared subtree once), a batch run as grouped NumPy lines (the symbolic method's back
end, `SymbolicCode`; it names no op).

How it works. `share` names the subexpressions that repeat inside the assignments (`sympy.cse`).
`vectorize` gives every value (input symbol, assignment, output) a row of one buffer `V` of shape
(rows, batch): per-example values fill the row, values computed from fixed inputs alone (weights)
only column 0. The assignments are grouped by depth (longest path from the inputs, so members never
depend on each other) and by template: the expression with its free symbols renamed p0, p1, ... in
definition order. A group becomes ONE line of NumPy code on (members, batch) blocks, its arguments
views wherever the members' rows are evenly spaced (slices; a (k1, k2, batch) grid for an outer
product of units). A sum of alike terms gets a terms axis; for the 16 hidden units of a 2-16-2 net,
`v6_j = x0_j*x4_0 + x0_{16+j}*x4_1`, that is a matmul of the fixed weights with the example block:

    p0 = V[0:32:1, :1].reshape(2, 16, -1).swapaxes(0, 1)   # W0ᵀ as (16, 2, 1)
    p1 = V[82:84:1][None]                                    # x as (1, 2, batch)
    V[86:102] = numpy.matmul(p0[..., 0], p1[0])

Groups that only outputs read are never stored: their batch means go straight to the result.
"""

from __future__ import annotations

import builtins  # this package is named `compile`; the generated source needs Python's
import importlib
import math

import numpy as np

from ..errors import NotDifferentiableError
from ..graph import evaluate
from ..ops import SYMPY_MATH, SYMPY_NUMPY

__all__ = ["share", "scalar_code", "vectorize", "SymbolicCode"]


def exact_floats(printer_class):
    """`printer_class` printing each double-precision Float with the digits that give it back
    exactly (Python's repr). SymPy's printers write 15 significant digits, so a constant such as
    1.764052345967664 came back 4e-15 off and `x == c` was False at x = c (autograd's test suite,
    run through difflab.peers.autograd_shim, found it)."""

    class ExactFloats(printer_class):
        def _print_Float(self, expr):
            if expr._prec > 53:
                return super()._print_Float(expr)
            value = float(expr)  # a SymPy Float beyond a double's range (1/1e-155² folded) is ±inf in float64
            return repr(value) if math.isfinite(value) else f"float('{value}')"

        def _print_ComplexInfinity(self, expr):  # x/0 folds to zoo·x: NumPy's printer knows no zoo (a KeyError)
            from sympy import S

            return self._print(S.NaN)  # an unsigned infinity has no real value: NaN, as the other methods'

        def _print_ITE(self, expr):
            # ITE(c, a, b) as (c & a) | (~c & b): SymPy's printers rewrite an ITE as a Piecewise, and one nested in
            # another's branch (a complex max's lexicographic condition, as SymPy folds it) then becomes a
            # Piecewise inside And, a TypeError. Printed so, each nested ITE comes back here. Parenthesised: the
            # enclosing And or Or ranks an ITE as a function call and writes it bare, and Python's `and` binds
            # before `or` (ITE(ITE(p, True, q), r, False) read as p or (q and r)).
            from sympy import And, Not, Or

            c, a, b = expr.args
            return f"({self._print(Or(And(c, a, evaluate=False), And(Not(c), b, evaluate=False), evaluate=False))})"

        def _print_And(self, expr):
            return self._connective(expr) if hasattr(self, "_module") else super()._print_And(expr)

        def _print_Or(self, expr):
            return self._connective(expr) if hasattr(self, "_module") else super()._print_Or(expr)

        def _connective(self, expr):
            # NumPy's reduce over the operands broadcast to one shape: NumPyPrinter's `logical_and.reduce((a, b))`
            # stacks them first, and in a group's line a condition on a value shared by its members (one row) beside
            # one on each member's own (k rows) is a ragged stack, a ValueError (a random graph's rgamma slope)
            terms = ",".join(self._print(a) for a in expr.args)
            ufunc = f"logical_{type(expr).__name__.lower()}"  # (And, Or)
            fold, spread = (self._module_format(f"{self._module}.{name}") for name in (ufunc, "broadcast_arrays"))
            return f"{fold}.reduce({spread}({terms}))"

        def _print_Piecewise(self, expr):
            if not hasattr(self, "_module"):  # Python's printer: conditional expressions, printed as they are
                return super()._print_Piecewise(expr)
            # NumPy's select with each condition as it is: NumPyPrinter runs simplify_logic on a condition holding an
            # ITE (which it could not print), and that proves relations equal by random evaluation of both sides:
            # 24 of the 25 CPU-s of one random graph's symbolic Hessian (rgraph60); `_print_ITE` prints ITE above
            from sympy import S

            exprs = ",".join(self._print(arg.expr) for arg in expr.args)
            conds = ",".join(self._print(arg.cond) for arg in expr.args)
            select = self._module_format(self._module + ".select")
            return f"{select}([{conds}], [{exprs}], default={self._print(S.NaN)})"

    ExactFloats.__name__ = f"Exact{printer_class.__name__}"
    return ExactFloats


def _scalar_printer():
    """The printer lambdify would choose for the `math` module (its own settings), with exact floats."""
    from sympy.printing.pycode import PythonCodePrinter

    return exact_floats(PythonCodePrinter)(
        {
            "fully_qualified_modules": False,
            "inline": True,
            "allow_unknown_functions": True,
            "user_functions": {k: k for k in SYMPY_MATH},
            # terms printed in SymPy's own order: sorting every sum's terms to print them (the str printer's
            # default) was a third of compiling a nested second-order check
            "order": "none",
        }
    )


class SymbolicCode:
    """A symbolic prepared object's expressions as code: `run(kind, args)` evaluates the flat list
    `prepared.exprs(kind)` at float arrays `args`, averaged over the examples of its batch inputs.

    Code is built at first use, keyed by (kind, path): one example runs on Python floats through
    `math` (far cheaper than 0-d ufunc calls), falling back to NumPy for NaN/inf or a domain error;
    a batch runs `vectorize`d code on a buffer kept between calls.
    """

    def __init__(self, prepared):
        self.prepared = prepared
        self.fns: dict = {}
        self._buffers: dict = {}
        self._too_deep: set = set()  # the kinds whose code nests too deep to compile

    def fn(self, kind, scalar):
        """`kind` compiled for one example on Python floats (`math`), or for a batch (`vectorize`)."""
        if (kind, scalar) not in self.fns:
            import sympy as sp

            exprs = self.prepared.exprs(kind)
            try:
                self.fns[kind, scalar] = self._compile(sp, exprs, scalar)
            except (RecursionError, SyntaxError, MemoryError) as err:
                # without CSE the printed tree nests as deep as the graph: SymPy's printer and
                # Python's compiler both have a nesting limit (about 200 parentheses)
                self._too_deep.add(kind)
                raise NotDifferentiableError(
                    f"the symbolic derivative is nested too deep to compile as Python "
                    f"({type(err).__name__}); use Symbolic(cse=True) or 'forward'/'reverse'"
                ) from None
        return self.fns[kind, scalar]

    def _compile(self, sp, exprs, scalar):
        p = self.prepared
        if scalar and p.method.cse:
            return scalar_code(p.symbols, p.program.needed(exprs), exprs)
        if scalar:
            return sp.lambdify(
                p.symbols, p.program.inline(exprs), modules=[SYMPY_MATH, "math"], printer=_scalar_printer()
            )
        lines, outs = self._shared(exprs) if p.method.cse else ([], p.program.inline(exprs))
        per_example = [s for i in p.batch_inputs for s in p.program.inputs[i].ravel()]
        return vectorize(p.symbols, lines, outs, SYMPY_NUMPY, per_example)

    def _shared(self, exprs):
        return share(self.prepared.program.needed(exprs), exprs)

    def run(self, kind, args):
        batch_inputs = self.prepared.batch_inputs
        batch = max([len(args[i]) for i in batch_inputs], default=1)
        if batch == 1:
            try:
                res = self.fn(kind, True)(*np.concatenate([a.ravel() for a in args]).tolist())
                out = np.fromiter(res, dtype=float, count=len(res))
                if np.isfinite(out).all():  # NaN/inf (inf - inf raises nothing in Python): NumPy decides
                    return out
            except NotDifferentiableError:
                if kind in self._too_deep and not self.prepared.method.cse:  # the batch code prints the same
                    raise  # written-out trees: as deep
            except (ArithmeticError, ValueError, TypeError, NameError):  # out of domain (or complex): NumPy decides
                pass
        fn, rows = self.fn(kind, False)
        # the buffer is kept between calls: a fresh one this large is returned to the OS on every
        # call and page-faulted back in (~800 faults at 16-16-4 b256); a concurrent call takes its own
        V, start = self._buffers.pop(kind, None), 0
        if V is None or V.shape != (rows, batch):
            V = np.zeros((rows, batch))
        for i, a in enumerate(args):  # one row per symbol: a batch input's column, else column 0
            block = a.reshape(batch, -1).T if i in batch_inputs else a.reshape(-1, 1)
            V[start : start + len(block), : block.shape[1]] = block
            start += len(block)
        with np.errstate(invalid="raise", divide="raise"):
            try:
                res = fn(V)
            except (TypeError, NameError) as err:  # a complex intermediate SymPy kept (a custom rule's, through 1j)
                if isinstance(err, TypeError) and "complex" not in str(err):
                    raise
                what = (  # (its real buffer V cannot hold it; SymPy's re/im of it print as names nothing defines)
                    f"SymPy's {err.name}, which no difflab op translates to"
                    if isinstance(err, NameError)
                    else "a complex intermediate that its real evaluation buffer cannot hold"
                )
                raise NotDifferentiableError(
                    f"the symbolic derivative (of a custom rule's partials) holds {what}; use method='forward' or "
                    "'reverse'"
                ) from None
            except FloatingPointError:  # let the tape name the equation that left its domain
                evaluate(self.prepared.graph, *[a[:1] if i in batch_inputs else a for i, a in enumerate(args)])
                with np.errstate(all="ignore"):
                    res = fn(V)
        self._buffers[kind] = V
        return res


def _repeated(sp, roots: list, seen=None) -> set:
    """The expressions (not atoms, not conditions) met more than once in `roots`, each counted once per parent
    occurrence of a subtree met for the first time: SymPy's `tree_cse` choice, without rebuilding a tree. `seen`
    (a set, if given) is left holding every compound subtree met."""
    seen, repeated, stack = set() if seen is None else seen, set(), list(roots)
    while stack:
        e = stack.pop()
        if not isinstance(e, sp.Basic) or e.is_Atom:
            continue
        if e in seen:
            if isinstance(e, sp.Expr):  # conditions (and a Piecewise's pairs) stay inline in their Piecewise
                repeated.add(e)
            continue
        seen.add(e)
        stack.extend(e.args)
    return repeated


def scalar_code(symbols: list, assignments: list, exprs: list):
    """f(*values) -> the expressions' values on Python floats (`math`), for one example: each assignment and
    each repeated subtree a line of its own, printed once with its parts by name (the printer's `_print`
    answers a named subtree with its name), so no SymPy expression is rebuilt: `share(light=True)` and
    `lambdify` built the shared trees anew (tree_cse) and printed them: 2.5 times the CPU (bench/scalar_code_ab.py)."""
    import sympy as sp

    names = {s: f"_a{k}" for k, s in enumerate(symbols)}
    names.update({s: f"_v{k}" for k, (s, _) in enumerate(assignments)})
    shared = _repeated(sp, [e for _, e in assignments] + list(exprs), seen := set())
    printer = _named_printer(names)
    printer.real_parts = any(isinstance(e, sp.re) for e in seen)  # (`code`: doprint's rewrite is needed)
    lines, done = [], set()

    def define(e):  # the repeated subtrees e holds, each once, before e (depth first, as tree_cse places them)
        if not isinstance(e, sp.Basic) or e.is_Atom or e in done:
            return
        done.add(e)
        for a in e.args:
            define(a)
        if e in shared:
            lines.append(f"    {printer.define(e, f'_c{len(lines)}')}")

    for s, e in assignments:
        define(e)
        lines.append(f"    {names[s]} = {printer.code(e)}")
    for e in exprs:
        define(e)
    outs = ", ".join(printer.code(sp.sympify(e)) for e in exprs)
    source = f"def _scalar({', '.join(names[s] for s in symbols)}):\n" + "\n".join(lines) + f"\n    return ({outs},)\n"
    namespace = dict(_scalar_namespace())
    for module, keys in printer.module_imports.items():  # what the printed code names, as lambdify imports it
        for k in keys:
            namespace.setdefault(k, getattr(importlib.import_module(module), k))
    exec(builtins.compile(source, "<difflab scalar>", "exec"), namespace)
    namespace["_scalar"].source = source  # (for inspection)
    return namespace["_scalar"]


def _scalar_namespace() -> dict:
    """lambdify's namespace for the modules [SYMPY_MATH, "math"] (math's names, its translations, ours)."""
    import sympy as sp

    return sp.lambdify([], sp.Integer(0), modules=[SYMPY_MATH, "math"]).__globals__


def _named_printer(names: dict):
    """`_scalar_printer` answering the subtrees in `names` with their names: `define(e, name)` adds e's line
    (printed with its parts by name) and names it; `code(e)` prints e so."""
    base = type(_scalar_printer())
    # a symbol by its name too: one named value may be met with other assumptions (as lambdify's code named it)
    by_name = {getattr(s, "name", None): name for s, name in names.items()}

    class Named(base):
        def _print(self, expr, **kwargs):
            if expr is not self._root and not isinstance(expr, (list, tuple, dict, str)):
                name = names.get(expr) or (by_name.get(expr.name) if getattr(expr, "is_Symbol", False) else None)
                if name is not None:
                    return name
            plain = None if kwargs else _plain_code(self, expr)
            return plain if plain is not None else super()._print(expr, **kwargs)

        def code(self, e, root=None):
            self._root = root  # (the subtree being defined is printed, not answered with its name)
            plain = _plain_code(self, e)  # (doprint adds nothing to a sum or a product of symbols)
            if plain is not None or self.real_parts:
                return plain if plain is not None else self.doprint(e)
            # doprint's own steps, less its `_handle_UnevaluatedExpr`: a `replace` walk rebuilding every re(...)
            # of the tree, of which there is none (`real_parts`), a quarter of printing a random graph's Hessian
            self._not_supported, self._number_symbols = set(), set()
            text = self._print(e)
            if self._not_supported or self._number_symbols or "\n" in text:  # (declarations: doprint writes them)
                return self.doprint(e)
            return text

        def parenthesize(self, item, level, strict=False):
            # the StrPrinter's, with the item's precedence asked once, a double's by its sign as a Python float
            # (SymPy's `item < 0` builds and decides a relation: half the precedence time of a Hessian's code)
            prec = _precedence(item)
            return f"({self._print(item)})" if prec < level or (not strict and prec <= level) else self._print(item)

        def define(self, e, name):
            line = f"{name} = {self.code(e, root=e)}"
            names[e] = name
            return line

    printer = Named(_scalar_printer()._settings)
    printer._root, printer.real_parts = None, True
    return printer


def _precedence(item):
    """SymPy's `precedence(item)`; a Float of double precision by the sign of its Python float, as SymPy's
    `precedence_Float` (`item < 0`: the precedence of a sum) decides it, where that float is finite and not 0 (else
    SymPy's: a Float beyond a double's exponent range comes back 0 or ±inf, NaN compares as nothing)."""
    from sympy import Float
    from sympy.printing.precedence import PRECEDENCE, precedence

    if type(item) is Float and item._prec == 53 and (value := float(item)) != 0.0 and math.isfinite(value):
        return PRECEDENCE["Add"] if value < 0 else PRECEDENCE["Atom"]
    return precedence(item)


def _plain_code(printer, e) -> str | None:
    """e as `printer` prints it (SymPy's code printer's `_print_Mul` and `_print_Add`, with terms in SymPy's
    order), for the bulk of a derivative's lines: a product of symbols and at most a finite integer or
    float, and a sum of symbols, numbers and products (each printed by `printer`); None for anything else.
    The general printer asks each factor's precedence and rebuilds the product to take its sign out:
    most of the time of compiling a nested check's code (tests/test_symbolic_canonical.py compares the two)."""
    if getattr(e, "is_Mul", False):
        return _plain_product(printer, e)
    if getattr(e, "is_Add", False) and all(t.is_Symbol or t.is_Mul or t.is_Number for t in e.args):
        parts = []
        for term in e.args:
            t = printer._print(term)
            parts.extend(("-", t[1:]) if t.startswith("-") else ("+", t))  # (no term of these binds looser than +)
        return ("" if parts[0] == "+" else "-") + " ".join(parts[1:])
    return None


def _plain_product(printer, e) -> str | None:
    coeff, factors = (e.args[0], e.args[1:]) if e.args[0].is_Number else (None, e.args)
    if not all(f.is_Symbol for f in factors):
        return None
    names = "*".join(printer._print(f) for f in factors)
    if coeff is None:
        return names
    if not ((coeff.is_Integer or coeff.is_Float) and coeff.is_finite):
        return None
    if coeff == -1 and coeff.is_Integer:
        return f"-{names}"
    sign, coeff = ("-", -coeff) if coeff < 0 else ("", coeff)
    return f"{sign}{printer._print(coeff)}*{names}"


def share(assignments: list, exprs: list, light: bool = False) -> tuple:
    """(assignments, outputs) with the subexpressions repeated inside them named too (`sympy.cse`),
    each placed just before its first use; conditions stay inline in their Piecewise. `light`: only
    repeated subtrees (SymPy's tree_cse), without `cse`'s search for common factors and terms among
    sums and products (`opt_cse`, half its time), as the one-example code was compiled before `scalar_code`
    (bench/scalar_code_ab.py's other contender)."""
    import sympy as sp

    # the values a comparison reads keep their translation as it is: CSE's rewriting (x/y as x·(1/y), products
    # regrouped) moves a value by an ulp, which turns a tie (1.0 < 1.0) into another integer than NumPy's
    kept = _compared(sp, assignments, exprs)
    rewritten = [(s, e) for s, e in assignments if s not in kept]
    everything, names = [e for _, e in rewritten] + list(exprs), sp.numbered_symbols("c_", real=True)
    if light:
        from sympy.simplify.cse_main import tree_cse

        reps, reduced = tree_cse(everything, names, {}, "none")
    else:  # `sympy.cse`'s two steps, less opt_cse's x**-a as 1/x**a for a fractional a: NumPy's x**0.5 at -0.0 is
        # -0.0 (its sqrt), x**-0.5 there +inf, and 1/x**0.5 -inf (symbolic's derivative of x**0.5 at -0.0 was -inf)
        from sympy.simplify.cse_main import opt_cse, tree_cse

        subs = {k: v for k, v in opt_cse(everything, "none").items() if not (k.is_Pow and not k.exp.is_integer)}
        reps, reduced = tree_cse(everything, names, subs, "none")
    inline = {r: e for r, e in reps if isinstance(e, sp.logic.boolalg.Boolean)}
    while any(e.free_symbols & inline.keys() for e in inline.values()):
        inline = {r: e.xreplace(inline) for r, e in inline.items()}
    reps = [(r, e.xreplace(inline)) for r, e in reps if r not in inline]
    reduced = [e.xreplace(inline) for e in reduced]
    pending, order, out = dict(reps), {r: k for k, (r, _) in enumerate(reps)}, []

    def define(e):  # reps come in dependency order; emit the ones e uses, depth first
        for r in sorted(getattr(e, "free_symbols", set()) & pending.keys(), key=order.get):
            if r in pending:
                sub = pending.pop(r)
                define(sub)
                out.append((r, sub))

    reduced_of = dict(zip([s for s, _ in rewritten], reduced))
    for s, e in assignments:
        e = reduced_of.get(s, e)
        define(e)
        out.append((s, e))
    for e in reduced[len(rewritten) :]:
        define(e)
    return out, reduced[len(rewritten) :]


def _compared(sp, assignments: list, exprs: list) -> set:
    """The named values that a comparison (a condition) reads, directly or through other named values."""
    defs, cone = dict(assignments), set()
    stack = [
        u
        for e in [e for _, e in assignments] + list(exprs)
        if isinstance(e, sp.Basic)
        for r in e.atoms(sp.core.relational.Relational)
        for u in r.free_symbols
    ]
    while stack:
        u = stack.pop()
        if u in defs and u not in cone:
            cone.add(u)
            stack.extend(defs[u].free_symbols)
    return cone


def vectorize(inputs: list, assignments: list, outputs: list, functions: dict, per_example=None):
    """(f, rows): f(V) fills V[len(inputs):rows] and returns the outputs' means over the batch axis.

    `inputs` are the symbols of V's first rows, which the caller fills: the `per_example` ones (all,
    if None) a column per example, the others only column 0, on a V that starts as zeros. A value
    that depends on no per-example input lives in column 0 too: (k, 1) blocks, and a sum of its
    products with per-example values is a matmul. `functions` maps the named SymPy functions the
    printer leaves as calls to their NumPy implementations.
    """
    import sympy as sp

    assignments, outs = _named_outputs(sp, assignments, outputs)
    groups, varies = _groups(sp, inputs, assignments, per_example)
    code = _Blocks(sp, inputs, assignments, groups, functions)
    for key, members in sorted(groups.items(), key=lambda kv: (code.final[kv[0]], kv[0][0])):  # stable
        code.group(key, members)
    source = code.finish(outs, varies)
    exec(builtins.compile(source, "<difflab vectorized>", "exec"), code.namespace)
    return code.namespace["_vectorized"], code.stored


def _named_outputs(sp, assignments: list, outputs: list) -> tuple:
    """(assignments, output symbols): an output that is not a named value gets a row of its own."""
    assignments, outs = list(assignments), []
    for k, e in enumerate(outputs):
        if not isinstance(e, sp.Symbol):
            assignments.append((sp.Symbol(f"out_{k}", real=True), sp.sympify(e)))
            e = assignments[-1][0]
        outs.append(e)
    return assignments, outs


def _groups(sp, inputs: list, assignments: list, per_example) -> tuple:
    """(groups, varies): the assignments grouped by (depth, template, which placeholders vary), each
    group a list of (symbol, its free symbols in definition order); `varies`: every symbol that
    depends on a per-example input."""
    order = {s: k for k, s in enumerate(list(inputs) + [s for s, _ in assignments])}
    depth = dict.fromkeys(inputs, 0)
    varies = set(inputs if per_example is None else per_example)
    groups: dict = {}
    for s, e in assignments:
        free = sorted(e.free_symbols, key=order.__getitem__)
        depth[s] = 1 + max((depth[u] for u in free), default=0)
        template = e.xreplace({u: sp.Symbol(f"p{i}", real=True) for i, u in enumerate(free)})
        flags = tuple(u in varies for u in free)
        varies |= {s} if any(flags) else set()
        groups.setdefault((depth[s], template, flags), []).append((s, free))
    return groups, varies


class _Blocks:
    """The lines of `vectorize`'s function, one group of alike assignments at a time, with the rows
    of V they fill (`row`), the globals they name (`namespace`) and where stored values end (`stored`)."""

    def __init__(self, sp, inputs: list, assignments: list, groups: dict, functions: dict):
        from sympy.printing.numpy import NumPyPrinter

        self.sp, self.printer = (
            sp,
            exact_floats(NumPyPrinter)(
                # the registry's SymPy functions by their own names (SciPy's special functions: loggamma is
                # SciPy's gammaln on arrays, where NumPyPrinter would write math.lgamma)
                {"allow_unknown_functions": True, "user_functions": {k: k for k in functions}}
            ),
        )
        self.namespace, self.lines = {"numpy": np, **functions}, []
        # a group that only outputs read is never stored: its batch mean goes straight to M (last)
        used = set().union(*[e.free_symbols for _, e in assignments])
        self.final = {key: not any(s in used for s, _ in members) for key, members in groups.items()}
        self.row, self.rows, self.stored = {s: r for r, s in enumerate(inputs)}, len(inputs), None
        self.means = [
            f"    M = numpy.empty({len(inputs) + sum(map(len, groups.values()))})",  # the outputs stored in V:
            "    M[_each] = numpy.add.reduce(V[_each], 1) / V.shape[1]",  # per example: the mean,
            "    M[_fixed] = V[_fixed, 0]",
        ]  # fixed: column 0

    def group(self, key: tuple, members: list):
        """One line of NumPy for a group: its arguments as views of V (p0, p1, ...), then its rows."""
        template, flags, final = key[1], key[2], self.final[key]
        cols, per = ("", " / V.shape[1]") if any(flags) else (", :1", "")  # fixed values: column 0
        if final and self.stored is None:
            self.stored = self.rows
            self.lines += self.means
        for k, (s, _) in enumerate(members):
            self.row[s] = self.rows + k
        target = f"{'M' if final else 'V'}[{self.rows}:{self.rows + len(members)}{'' if final else cols}]"
        mean = final and template.free_symbols
        found = self._sum(template, flags, members)
        if found is not None:
            views, code = found
        else:
            views, code, grid = self._elementwise(template, flags, members)
            target += f".reshape({grid[0]}, {grid[1]}{'' if final else ', -1'})[...]" if grid else ""
            if mean and _is_pair(template, self.sp):
                code, mean = f"numpy.einsum('...b,...b->...', p0, p1){per}", False
        self.lines += [f"    p{i} = {v}" for i, v in enumerate(views)]
        self.lines.append(f"    {target} = " + (f"numpy.add.reduce({code}, -1){per}" if mean else code))
        self.rows += len(members)

    def _sum(self, template, flags: tuple, members: list) -> tuple | None:
        """(views, code) for Σ_t term(p_t...): the terms become an axis of the blocks, summed; a
        term's j-th placeholder must be per example in every term or in none (a block is
        (k, t, batch) or (k, t, 1)). None when the template is no such sum or a block is no view."""
        sp, alike = self.sp, _sum_of_alike(template, self.sp)
        if not (alike and all(flags[p[j]] == flags[alike[1][0][j]] for p in alike[1] for j in range(len(p)))):
            return None
        term, picks = alike
        grid, fixed = (len(members), len(picks)), [not flags[j] for j in picks[0]]
        blocks = [[self.row[free[pick[j]]] for _, free in members for pick in picks] for j in range(len(picks[0]))]
        views = [_view(b, grid, ", :1" if f else "") for b, f in zip(blocks, fixed)]
        code = (
            "numpy.einsum('ktb,ktb->kb', p0, p1)"
            if _is_pair(term, sp)  # no (k, t, batch) temporary
            else f"numpy.add.reduce({self.printer.doprint(term)}, 1)"
        )
        if None in views:
            return None
        if _is_pair(term, sp) and fixed in ([True, False], [False, True]):
            c, v = fixed.index(True), fixed.index(False)
            if 0 not in _steps(blocks[c], *grid) and _steps(blocks[v], *grid)[0] == 0:
                code = f"numpy.matmul(p{c}[..., 0], p{v}[0])"  # (units, terms) @ (terms, batch)
        return views, code

    def _elementwise(self, template, flags: tuple, members: list) -> tuple:
        """(views, code, grid): the template printed once over blocks of the members' arguments,
        views where their rows are evenly spaced (on a grid if need be), else gathered."""
        args = [[self.row[free[i]] for _, free in members] for i in range(len(members[0][1]))]
        grid, code = _grid(args, len(members)), self.printer.doprint(template)
        cs = [", :1" if not f else "" for f in flags]
        views = [_view(a, grid, c) or _gather(a, grid, c, self.namespace) for a, c in zip(args, cs)]
        return views, code, grid

    def finish(self, outs: list, varies: set) -> str:
        """The function's source; the output rows and the modules the printed code names go into
        the namespace."""
        namespace, row = self.namespace, self.row
        if self.stored is None:
            self.stored = self.rows
            self.lines += self.means
        for module in self.printer.module_imports:  # what the printed code names: numpy, functools (for Max), ...
            namespace.setdefault(module.split(".")[0], importlib.import_module(module.split(".")[0]))
        namespace["_out"] = np.array([row[s] for s in outs], dtype=np.intp)
        stored_outs = sorted({s for s in outs if row[s] < self.stored}, key=row.get)
        namespace["_each"] = np.array([row[s] for s in stored_outs if s in varies], dtype=np.intp)
        namespace["_fixed"] = np.array([row[s] for s in stored_outs if s not in varies], dtype=np.intp)
        return "def _vectorized(V):\n" + "\n".join(self.lines) + "\n    return M[_out]\n"


def _is_pair(e, sp) -> bool:
    return isinstance(e, sp.Mul) and len(e.args) == 2 and all(a.is_Symbol for a in e.args)


def _sum_of_alike(template, sp) -> tuple | None:
    """(term, picks) when `template` is a sum of terms alike up to their placeholders: `term` over
    p0, p1, ... and picks[t][j] = the placeholder that term t has in place of p_j."""
    if not isinstance(template, sp.Add):
        return None
    terms, picks = set(), []
    for t in template.args:
        ps = sorted(t.free_symbols, key=lambda p: int(p.name[1:]))
        terms.add(t.xreplace({p: sp.Symbol(f"p{j}", real=True) for j, p in enumerate(ps)}))
        picks.append([int(p.name[1:]) for p in ps])
    picks.sort()  # sympy orders terms by printed name (p10 before p2); definition order keeps rows evenly spaced
    return (terms.pop(), picks) if len(terms) == 1 and picks[0] else None


def _affine(rows: list) -> int | None:
    """The step of evenly spaced rows (0: all the same; negative: descending), or None."""
    step = rows[1] - rows[0] if len(rows) > 1 else 0
    return step if all(r == rows[0] + k * step for k, r in enumerate(rows)) else None


def _rows(first: int, step: int, n: int, cols: str) -> str:
    stop = first + step * (n - 1) + (1 if step >= 0 else -1)
    return f"V[{first}:{first + 1}{cols}]" if not step else f"V[{first}:{stop if stop >= 0 else ''}:{step}{cols}]"


def _steps(rows: list, k1: int, k2: int) -> tuple | None:
    """(s1, s2) when rows[i*k2 + j] = rows[0] + i*s1 + j*s2 for the whole k1 × k2 grid, else None."""
    s1, s2 = _affine(rows[::k2]), _affine(rows[:k2])
    if s1 is None or s2 is None:
        return None
    return (s1, s2) if all(r == rows[0] + (n // k2) * s1 + (n % k2) * s2 for n, r in enumerate(rows)) else None


def _grid(args: list, k: int) -> tuple | None:
    """(k1, k2) such that every argument's rows, read as a k1 × k2 grid, are evenly spaced along
    both axes (an outer product of units, say), or None when plain evenly spaced rows do."""
    if all(_affine(a) is not None for a in args):
        return None
    for k2 in (d for d in range(2, k) if k % d == 0):
        if all(_steps(a, k // k2, k2) is not None for a in args):
            return k // k2, k2
    return None


def _view(rows: list, grid: tuple | None, cols: str = "") -> str | None:
    """Code reading `rows` of V as a (len(rows), batch) view, or a (k1, k2, batch) one on a grid,
    where the rows are evenly spaced (a slice, a broadcast axis, a reshape); else None."""
    if not grid:
        step = _affine(rows)
        return None if step is None else _rows(rows[0], step, len(rows), cols)
    steps = _steps(rows, *grid)
    if steps is None:
        return None
    (k1, k2), (s1, s2), first = grid, steps, rows[0]
    if not s2:
        return f"{_rows(first, s1, k1, cols)}[:, None]"
    if not s1:
        return f"{_rows(first, s2, k2, cols)}[None]"
    for outer, inner, n1, n2, turn in ((s1, s2, k1, k2, ""), (s2, s1, k2, k1, ".swapaxes(0, 1)")):
        if abs(outer) == n2 * abs(inner):  # one run of rows, cut into n1 pieces (in reverse if outer < 0)
            start = first + (n1 - 1) * outer if outer * inner < 0 else first
            flip = "[::-1]" if outer * inner < 0 else ""
            return f"{_rows(start, inner, n1 * n2, cols)}.reshape({n1}, {n2}, -1){flip}{turn}"
    return None


def _gather(rows: list, grid: tuple | None, cols: str, namespace: dict) -> str:
    name = f"_i{len(namespace)}"
    namespace[name] = np.array(rows, dtype=np.intp)
    return f"V[{name}{cols}]" + (f".reshape({grid[0]}, {grid[1]}, -1)" if grid else "")
