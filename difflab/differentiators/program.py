"""The symbolic method's interpreter: a graph translated into SymPy assignments (`to_sympy`), and
their derivative by reverse accumulation over them (`Program.gradient`); the Hessian by forward
accumulation over the gradient's assignments in n directions at once (`Program.hessian_rows`; an adjoint's
local partials from the chain-rule products its sweep summed, `Program._summed_partial`), and a JVP by
the same pass in one direction (`Program.tangents`).

How it works. Each input becomes a NumPy object array of real SymPy symbols and each equation is
applied element by element with its op's SymPy translation (structural ops such as reshape or
getitem run NumPy itself on the object arrays). Every non-trivial element gets a name, so the
function is a list of SymPy assignments, the tape in closed form. `diff` is taken of each small
assignment, and the chain rule joins them from the output back (the derivative's own common
subexpressions are shared, not copied). For `y = (x*w)**2`:

    v0 = x*w          dy/dv0 = 2*v0            (diff of v0**2)
    y  = v0**2        dy/dx  = 2*v0*w,  dy/dw = 2*v0*x
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from ..errors import NotDifferentiableError, trial_warnings
from ..graph import Traced, Var, evaluate
from ..ops.complexes import is_complex
from ..ops.core import held_value, lifting_partial, naming_values
from ..ops.opaque import cotangent_group, naming, opaque_cotangent, opaque_entry, opaque_tangent
from ..trace import outputs_of, trace_flat
from ..ops.canonical import derivative, product, total
from .base import _say_unlifted, lifting_underflowed
from .reverse import Reverse, backward

__all__ = ["Program", "to_sympy", "exact", "over_limit", "name_singular", "nonfinite_rows", "floats"]


_UNCHANGED = object()  # `Program._walked`'s answer for an expression `_sums_named` leaves as it is


class Program:
    """Named SymPy assignments in execution order, and the output expressions they feed."""

    def __init__(
        self, inputs: list, assignments: list, outputs: list, closed: list = (), rules: dict | None = None, held=None
    ):
        self.inputs, self.assignments, self.outputs = inputs, assignments, outputs
        self.defs = dict(assignments)
        #: named value -> (op, its argument elements, params): an elementwise equation whose derivative
        #: is the registry's partials (`registry_partials`), not SymPy's `diff` of its translation
        self.rules = dict(rules or {})
        #: (value of an enclosing trace, its symbols): constants the function closes over that an
        #: outer derivative differentiates; symbols here, their traced values at run time
        self.closed = list(closed)
        #: named value -> (op, its arguments' element arrays, params, k): element k of a user's rule op's output,
        #: which code on traced values computes by the op itself (compile.traced), so that an outer derivative
        #: takes the rule there too, not the derivative of the value's expression
        self.held: dict = dict(held or {})
        self._scanned: tuple = (set(), 0)  # (what _singular found, in how many assignments)
        self._shared: dict | None = None  # shared function values -> their names (`_by_name`)
        self._sympy_partials: dict = {}  # (named value, symbol) -> SymPy's partial, as `_local` wrote it
        self._free: dict = {}  # named value -> the symbols its expression reads (`symbols_of`)
        self._entries: dict = {}  # (kind, part, p, q, rows, matrix entries) -> that opaque entry's name
        self._walked: dict = {}  # (expression, top) -> `_sums_named`'s answer (its sums' names are assignments)
        self._grouped: tuple = ({}, 0)  # (matrix -> position of its parts' first entry, in how many assignments)
        #: adjoint's name -> [(term, a, d)]: the chain-rule products a·d its sweep summed (a, d None: another term)
        self._terms: dict = {}
        self._term_index: dict = {}  # adjoint's name -> {symbol: its terms that read it} (`_summed_partial`)

    def gradient(self, y, wrt: list, tag: str, u=None) -> list:
        """Reverse accumulation of dy/d(wrt); with `u`, `y` is a list of outputs and `u` their
        cotangents: d(uᵀy)/d(wrt), a VJP in one sweep. Each finished adjoint becomes a new assignment."""
        import sympy as sp

        active = set(wrt)
        for s, e in self.assignments:
            if not active.isdisjoint(self.symbols_of(s, e)):
                active.add(s)
        seeds = [(y, sp.Integer(1))] if u is None else list(zip(y, u))
        seeds = [(y, a) for y, a in seeds if getattr(y, "free_symbols", set()) & active]
        if not seeds:
            return [sp.Integer(0)] * len(wrt)
        singular = self._singular()
        adj: dict = {}  # symbol -> [(term, a, d)]: its adjoint's terms, a·d where the chain rule made them
        for y, a in seeds:
            if y.is_Symbol:
                adj.setdefault(y, []).append((a, None, None))
            else:  # an output that is an expression over named values
                self._push(y, a, adj, active, singular)
        firsts = self._groups()
        pending: dict = {}  # matrix (opaque.cotangent_group) -> {(part, i, j): adjoint of that entry}
        for at in range(len(self.assignments) - 1, -1, -1):  # later adjoint assignments append, unvisited
            s, e = self.assignments[at]
            terms = adj.pop(s, None)
            if terms is not None:
                a = total([t for t, _, _ in terms])  # (each adjoint summed once: term by term re-flattened the sum)
                if not a.is_Atom:
                    name = sp.Symbol(f"{tag}{s.name}", real=True)
                    self.assignments.append((name, a))
                    self.defs[name] = a
                    self._terms[name] = terms  # (its derivative, a Hessian's: by these, `_summed_partial`)
                    if _maybe_infinite(a, singular):
                        singular.add(name)
                    a = name
                group = cotangent_group(e)
                if group is None:
                    self._push(e, a, adj, active, singular, out=s)
                else:  # an opaque entry whose kind pulls a matrix back whole: after its parts' last entry
                    pending.setdefault(group, {})[type(e).difflab_kind[1], int(e.args[0]), int(e.args[1])] = a
            group = firsts.get(at)
            if group is not None and group in pending:  # (no entry of the matrix's parts comes earlier)
                self._pull(group, pending.pop(group), adj, active, singular)
        return [total([t for t, _, _ in adj.get(x, ())]) for x in wrt]

    def _groups(self) -> dict:
        """{position: matrix} for the first entry of each matrix's parts (`opaque.cotangent_group`) among the
        assignments, where a reverse sweep has every adjoint of them; scanned once per assignment, as `_singular`."""
        found, upto = self._grouped
        for at in range(upto, len(self.assignments)):
            group = cotangent_group(self.assignments[at][1])
            if group is not None and group not in found:
                found[group] = at
        self._grouped = (found, len(self.assignments))
        return {at: group for group, at in found.items()}

    def _pull(self, group, bars, adj, active, singular):
        """The adjoints of a matrix's entries from those of its parts' entries (`bars`), by its kind's rule in
        matrix form (opaque_cotangent), its entries and inner sums written by name (`naming`) as `_opaque_partial`'s."""
        entries = group[2]
        wanted = [x.is_Symbol and x in active for x in entries]
        before = len(self.assignments)
        self._shared_names()
        with naming(self._entry_name, self._sums_named):
            found = opaque_cotangent(group, bars, wanted)
        for s, d in self.assignments[before:]:  # the rule's own named values
            if _maybe_infinite(d, singular):
                singular.add(s)
        for x, d, want in zip(entries, found, wanted):
            if want and d != 0:
                adj.setdefault(x, []).append((d, None, None))

    def _singular(self) -> set:
        """Named values (and adjoints) that may be infinite at some point: a negative power or a
        log in their expression, or such a value in it. Assignments are only ever appended: each is scanned
        once, by the first call after it (a nested check asks for every JVP and VJP of a growing program);
        a copy is returned, which the caller extends with what it adds."""
        found, upto = self._scanned
        for s, e in self.assignments[upto:]:
            if _maybe_infinite(e, found):
                found.add(s)
        self._scanned = (found, len(self.assignments))
        return set(found)

    def tangents(self, ys, wrt: list, dirs: list, tag: str) -> list:
        """Forward accumulation of d/dt y(wrt + t·dirs) at t = 0 for each y of `ys` (`dirs`: one tangent
        per symbol of `wrt`): one pass over the assignments the outputs read, each tangent a new
        assignment. A JVP is len(ys) expressions this way, where J v from the Jacobian is len(ys)·len(wrt)."""
        seeds: dict = {}
        for w, d in zip(wrt, dirs):
            seeds.setdefault(w, {})[""] = d
        return [row[0] for row in self.forward(ys, seeds, [""], tag)]

    def hessian_rows(self, grads, wrt: list, tag: str) -> list:
        """[[∂g/∂w for w in wrt] for g in grads]: the Hessian from the gradient's expressions by ONE forward
        pass over the gradient program in len(wrt) directions at once (`forward`), where a reverse sweep per
        gradient entry walked every assignment, the earlier rows' too, once per entry (n sweeps)."""
        import sympy as sp

        keys, seeds = [f"{k}_" for k in range(len(wrt))], {}
        for key, w in zip(keys, wrt):
            seeds.setdefault(w, {})[key] = sp.Integer(1)
        return self.forward(grads, seeds, keys, tag)

    def forward(self, ys, seeds: dict, keys: list, tag: str) -> list:
        """Forward accumulation in several directions at once: `seeds` maps a symbol to {direction: its tangent},
        the directions named by `keys` (each one's tangents named `tag` + key + the value's name). One pass over
        the assignments the outputs read: each assignment's local partials built once for every direction, a
        direction skipped where its tangent is structurally 0 (no seeded symbol of it reaches the value).
        Returns [[the tangent of y in direction k for k in keys] for y in ys]."""
        import sympy as sp

        tan = {s: dict(t) for s, t in seeds.items()}
        singular = self._singular()
        for s, e in self.needed(ys):
            if tan.keys().isdisjoint(self.symbols_of(s, e)):
                continue
            found = {}
            for k, t in self._tangent(e, tan, keys, singular, out=s).items():
                if t == 0:
                    continue
                if not t.is_Atom:
                    name = sp.Symbol(f"{tag}{k}{s.name}", real=True)
                    self.add(name, t)
                    if _maybe_infinite(t, singular):
                        singular.add(name)
                    t = name
                found[k] = t
            if found:
                tan[s] = found
        rows = [self._tangent(y, tan, keys, singular) for y in ys]
        return [[row.get(k, sp.Integer(0)) for k in keys] for row in rows]

    def _tangent(self, e, tan, keys, singular, out=None) -> dict:
        """{direction: the tangent of e} (the value named `out`, or an output expression) from its arguments' `tan`
        ({symbol: {direction: tangent}}); a direction none of its arguments carries is absent (0)."""
        import sympy as sp

        if not isinstance(e, sp.Basic):
            return {}
        if e.is_Symbol:
            return tan.get(e, {})
        reads = tan.keys() & (self.symbols_of(out, e) if out is not None else e.free_symbols)
        dirs = [k for k in keys if any(k in tan[u] for u in reads)]
        if not dirs:
            return {}
        if getattr(type(e), "difflab_kind", None) is not None and all(a.is_Atom for a in e.args):
            with naming(self._entry_name, self._sums_named):  # (an opaque entry: its kind's rule in matrix form)
                found = {k: opaque_tangent(e, [tan.get(a, {}).get(k, 0) for a in e.args[3:]]) for k in dirs}
            if None not in found.values():
                return found
        # the local partials built once, and whether each may be infinite asked once, for every direction
        local = [
            (u, self._shared_partial(d, inf, singular) if len(tan[u]) > 1 else d, strong, inf)
            for u, d, strong in self._local(e, tan.keys(), singular, out)
            for inf in [_maybe_infinite(d, singular)]
        ]
        return {
            k: total([_times(tan[u][k], d, s, singular, inf) for u, d, s, inf in local if k in tan[u]]) for k in dirs
        }

    def _shared_partial(self, d, infinite, singular):
        """The partial d by a name when several directions multiply it (a gradient entry's partials, in every one of
        n directions: written out n times, they were most of a Hessian's code), else d itself."""
        if getattr(d, "is_Atom", True) or (d.is_Mul and len(d.args) == 2 and d.args[0].is_Number and d.args[1].is_Atom):
            return d
        name = self._fresh(d)
        if infinite:
            singular.add(name)
        return name

    def _push(self, e, a, adj, active, singular, out=None):
        for u, d, strong in self._local(e, active, singular, out):
            adj.setdefault(u, []).append((_times(a, d, strong, singular), a, d))

    def _local(self, e, active, singular, out=None) -> list:
        """[(u, ∂e/∂u, strong)]: the nonzero local partials of e (the value named `out`, or an output
        expression) in the `active` symbols it reads, and whether each is a strong product's factor."""
        if getattr(type(e), "difflab_held", False):  # (a function held constant: no partial, of its n² arguments)
            return []
        before = len(self.assignments)
        partials = self._partials(out)
        for s, d in self.assignments[before:]:  # the partials' own named values
            if _maybe_infinite(d, singular):
                singular.add(s)
        own = self.symbols_of(out, e) if out is not None else e.free_symbols
        symbols = set().union(own, *[x.free_symbols for _, x, _ in partials or ()])
        found = []
        for u in sorted(active & symbols, key=lambda s: s.name):
            if partials is not None:  # the registry's partials (chain rule through the argument elements)
                hit = [(p, x, flag) for p, x, flag in partials if x == u or (not x.is_Atom and x.has(u))]
                d = total([p if x == u else product(p, x.diff(u)) for p, x, _ in hit])
                strong = any(flag for _, _, flag in hit)
            else:
                strong = True  # SymPy's own derivative: strong wherever a factor may be infinite
                d = self._sympy_partials.get((out, u)) if out is not None else None
                if d is None:  # (the Hessian's pass and a JVP's ask again for the gradient sweep's partials)
                    summed = out in self._terms and not (e.is_Mul or e.is_Pow)  # (a product: `_scaled`'s form)
                    d = self._summed_partial(out, u) if summed else self._opaque_partial(e, u, out)
                    if out is not None:
                        self._sympy_partials[out, u] = d
            if d != 0:
                found.append((u, d, strong))
        return found

    def _summed_partial(self, out, u):
        """∂out/∂u of an adjoint from the terms its reverse sweep summed (`_terms`): of a product a·d of an adjoint a
        and a local partial d, [a = u]·d + a·∂d/∂u (strong_mul's chain rule where the product is strong), ∂d/∂u of
        the small partial alone; another term by `_sympy_partial`. SymPy's `diff` of the built sum, which took every
        product apart again in each symbol it reads, was most of a Hessian's forward pass (symhess56's cProfile)."""
        from ..ops.elementwise import strong_mul_chain, strong_mul_sympy

        index = self._term_index.get(out)
        if index is None:
            index = self._term_index[out] = _terms_by_symbol(self._terms[out])
        parts, strong, one, zero = [], strong_mul_sympy(), _sympify(1), _sympify(0)
        for t, a, d in index.get(u, ()):
            if a is None:
                parts.append(_sympy_partial(t, u, None))
            elif t.func is strong:
                parts.append(
                    strong_mul_chain(a, d, one, zero) if a == u else strong_mul_chain(a, d, zero, _through_sums(d, u))
                )
            else:  # a plain product (a number's, or where no factor may be infinite)
                parts.append(d if a == u else product(a, _through_sums(d, u)))
        return self._by_name(total(parts))

    def _opaque_partial(self, e, u, out):
        """∂e/∂u by `_sympy_partial`, with shared values written by name (`_by_name`); an opaque entry's rule
        names the entries it reads as it writes them (opaque.naming), so only its sums are left to name."""
        if not getattr(type(e), "difflab_shared", False):
            return self._by_name(_sympy_partial(e, u, out))
        with naming(self._entry_name, self._sums_named):
            return self._by_name(_sympy_partial(e, u, out), whole=True, functions=False)

    def _entry_name(self, kind, part, p, q, rows, entries):
        """The name of entry (p, q) of the opaque function's part over the matrix `entries` (named at first use)."""
        key = (kind, part, p, q, rows, entries)
        name = self._entries.get(key)
        if name is None:
            f = opaque_entry(kind, part)(p, q, rows, *entries)
            shared = self._shared_names()
            name = self._entries[key] = shared[f] if f in shared else shared.setdefault(f, self._fresh(f))
        return name

    def _shared_names(self) -> dict:
        if self._shared is None:
            self._shared = {e: s for s, e in self.assignments if getattr(type(e), "difflab_shared", False)}
        return self._shared

    def _by_name(self, d, whole=False, functions=True):
        """d with each shared function value (a class marked `difflab_shared`: an entry of an opaque
        matrix function, ops/opaque.py) written by its name, named here if the program has not named it
        yet, so a partial such as d inv(A)_ij / da_kl = −X_ik X_lj is a product of named values, which the
        next derivative (a Hessian's) takes by the chain rule through the names, each partial once.
        `whole`: the partial itself named too (a sum: its products with adjoints stay products of names)."""
        import sympy as sp

        if not isinstance(d, sp.Basic) or d.is_Atom:
            return d
        if functions and _product_symbols(d) is None:  # (else no function in it, or written with names already)
            shared = self._shared_names()
            new = [f for f in d.atoms(sp.Function) if getattr(type(f), "difflab_shared", False) and f not in shared]
            for f in sorted(new, key=sp.default_sort_key):  # (only these sorted: a Hessian's strong products are not)
                shared[f] = self._fresh(f)
            d = d.xreplace(shared)
        if whole:  # its inner sums named too: every term a product of names, which canonical.derivative takes
            d = self._sums_named(d, top=True)
        return self._fresh(d) if whole and not d.is_Atom and d.is_Add else d

    def _sums_named(self, e, top=False):
        """e (a sum of products, or a product) with each sum inside a product written by its name (named
        once per distinct sum): an opaque rule's v_im·(v_km·v_lj + v_lm·v_kj)·F_mj. SymPy's `diff` of such
        nested products, asked for once per entry of a Hessian's gradient, was most of its time (an
        eigh vectors' 5×5 Hessian: 7 of its 8 s); named, each term is a product of names."""
        import sympy as sp

        if e.is_Atom:
            return e
        key = (e, top)  # (a complex rule's parts share their inner products: each walked once, `_walked`)
        hit = self._walked.get(key)
        if hit is None:
            hit = self._sums_named_walk(e, top, sp)
            self._walked[key] = _UNCHANGED if hit is e else hit
        return e if hit is _UNCHANGED else hit  # (e itself where nothing is named: callers test `is`)

    def _sums_named_walk(self, e, top, sp):
        if e.is_Add:
            terms = [self._sums_named(t) for t in e.args]
            if all(t is u for t, u in zip(terms, e.args)):
                return e if top else self._named_sum(e)
            return sp.Add(*terms) if top else self._named_sum(sp.Add(*terms))
        if e.is_Mul:
            factors = [self._sums_named(f) for f in e.args]
            return e if all(f is g for f, g in zip(factors, e.args)) else sp.Mul(*factors)
        if e.is_Pow and e.base.is_Add and e.exp.is_Integer:
            return sp.Pow(self._sums_named(e.base), e.exp)
        return e

    def _named_sum(self, e):
        """The name of the sum e (the same name for an equal sum named before)."""
        if e not in self._shared:
            self._shared[e] = self._fresh(e)
        return self._shared[e]

    def _fresh(self, e):
        """A new named value for e (a name no translation or sweep uses)."""
        import sympy as sp

        self._named = getattr(self, "_named", 0) + 1
        name = sp.Symbol(f"o{len(self.assignments)}_{self._named}", real=True)
        self.add(name, e)
        return name

    def _partials(self, out) -> list | None:
        """[(∂out/∂arg, arg element, whether the partial is strong_zero)] of the equation that named `out`, from the registry (None: SymPy's `diff`)."""
        rule = self.rules.get(out)
        if rule is None or isinstance(rule, list):
            return rule
        op, args, params = rule  # written on first use, kept for the Hessian's second pass
        rule = self.rules[out] = registry_partials(self, op, out, args, params)
        return rule

    def extended(self, *sizes: int) -> "Program":
        """A copy with more inputs, one vector of symbols per size (a JVP's tangent, a VJP's cotangent),
        whose derivatives are then written into the copy, not into this program."""
        import sympy as sp

        k = len(self.inputs)
        vecs = [
            np.array([sp.Symbol(f"x{k + i}_{j}", real=True) for j in range(n)], dtype=object)
            for i, n in enumerate(sizes)
        ]
        copy = Program([*self.inputs, *vecs], list(self.assignments), list(self.outputs), self.closed, self.rules)
        copy.held = self.held
        copy._scanned = (set(self._scanned[0]), self._scanned[1])
        copy._sympy_partials = dict(self._sympy_partials)  # (the same assignments so far, the same partials)
        copy._free = dict(self._free)
        copy._entries = dict(self._entries)
        copy._walked = dict(self._walked)
        copy._grouped = (dict(self._grouped[0]), self._grouped[1])
        copy._terms, copy._term_index = dict(self._terms), dict(self._term_index)
        copy._shared = None if self._shared is None else dict(self._shared)  # (named sums too, `_by_name`)
        return copy

    def symbols_of(self, s, e) -> frozenset:
        """The free symbols of the named value s = e, found once (each sweep and forward pass scans
        every assignment it reads: SymPy walks the expression tree at every `free_symbols`)."""
        found = self._free.get(s)
        if found is None:
            found = self._free[s] = frozenset(e.free_symbols)
        return found

    def add(self, name, e):
        """Append the assignment name = e."""
        self.assignments.append((name, e))
        self.defs[name] = e

    def needed(self, exprs) -> list:
        """The assignments the expressions depend on, in order (dead code dropped)."""
        need = set().union(*[getattr(e, "free_symbols", set()) for e in exprs])
        keep = []
        for s, e in reversed(self.assignments):
            if s in need:
                keep.append((s, e))
                need |= self.symbols_of(s, e)
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
        return int(
            sum(
                sp.count_ops(e) + sum(e.count(u) * size[u] for u in getattr(e, "free_symbols", ()) if u in size)
                for e in exprs
            )
        )


def _maybe_infinite(e, singular) -> bool:
    import sympy as sp

    if getattr(e, "is_Symbol", False):  # (the common cases, answered without SymPy's tree walks)
        return e in singular
    if not isinstance(e, sp.Basic) or e.is_Number:  # (NaN's is_finite is None: a NaN datum is 0·NaN = 0 too)
        return isinstance(e, sp.Basic) and e.is_finite is not True
    if (plain := _product_symbols(e)) is not None:  # no log or power in it: only its symbols decide
        return any(u in singular for u in plain)
    if bool(e.free_symbols & singular) or e.has(sp.log, sp.nan) or any(p.exp.is_negative for p in e.atoms(sp.Pow)):
        return True
    # a value that overflows at a finite argument (exp(750)): times a zero adjoint it is 0, as reverse's
    # skipped zero cotangent and forward's strong products compute it (README, "overflow")
    if any(not p.exp.is_Number for p in e.atoms(sp.Pow)):  # b**x: exp2 and pow
        return True
    return bool(e.atoms(sp.exp, sp.cosh, sp.sinh))  # (expm1's partial is an exp: found so)


def _terms_by_symbol(terms) -> dict:
    """{symbol: [(term, a, d)]} of an adjoint's terms (`Program._terms`) that read it; a term (a, d None) whose a is
    not an atom, or reads a, differentiated whole (a None); a zero term left out."""
    index: dict = {}
    for t, a, d in terms:
        if t == 0:
            continue
        plain = getattr(a, "is_Atom", False) and (a.is_Number or a not in _free_symbols(d))
        reads = ({a} if a.is_Symbol else set()) | _free_symbols(d) if plain else _free_symbols(t)
        for v in reads:
            index.setdefault(v, []).append((t, a, d) if plain else (t, None, None))
    return index


def _product_symbols(e) -> list | None:
    """The symbols of e when e is a product, or a sum of products, of symbols and numbers alone; else None."""
    if not (e.is_Add or e.is_Mul):
        return None
    found = []
    for a in e.args:
        for b in a.args if a.is_Mul and e.is_Add else (a,):
            if b.is_Symbol:
                found.append(b)
            elif not b.is_Number:
                return None
    return found


def _sympy_partial(e, u, out):
    """∂e/∂u by SymPy's `diff` (a sum of products of symbols and numbers: canonical.derivative, equal to it),
    written as the registry's partials are (`_hypot_form`, `_scaled`)."""
    d = derivative(e, u, _strong_term)
    if d is not None:  # (no log, function or power of a sum in e: `_hypot_form` does not apply)
        return _scaled(e, u, out, d) if out is not None and (e.is_Mul or e.is_Pow) else d
    if getattr(type(e), "difflab_shared", False):  # an opaque matrix entry: its rule, without SymPy's Derivative
        return e._eval_derivative(u)
    if isinstance(e, _sympy_piecewise()):  # (a complex max's part: NumPy's order, outermost)
        return _piecewise_partial(e, u)
    if (e.is_Add or e.is_Mul) and e.has(_sympy_piecewise()):  # (a sort's partial inside an adjoint's sum)
        d = _sum_or_product_partial(e, u)  # (its terms' partials are this function's: `_hypot_form`, refusals)
    elif getattr(type(e), "difflab_named", False):  # a registry's named function: its chain rule, without
        d = _hypot_form(e._eval_derivative(u))  # SymPy's Derivative object built and evaluated around it
    else:
        d = _hypot_form(_sum_diff(e, u) if e.is_Add else _renamed_diff(e, u))
    if d.has(_sympy_derivative()):  # no closed form (besseli in its order): refuse, naming it
        raise NotDifferentiableError(
            f"the symbolic method has no derivative of {e} in {u} (SymPy leaves it unevaluated); "
            "hold that argument constant"
        )
    if out is not None and not e.is_Atom:
        d = _scaled(e, u, out, d.xreplace({e: out}))  # the forward value: exp' = exp, tanh' = 1 - tanh²
    return d


def _through_sums(d, u):
    """∂d/∂u of a local partial d by the chain rule through its inner sums: each sum that is a factor of a product or
    an integer power's base stands for a placeholder t (d = c·t⁻² for c/(x·y − z·w)²), ∂d/∂t and ∂d/∂u of that smaller
    expression by `_sympy_partial` (often `canonical.derivative`'s product of symbols, else a template SymPy has met:
    the same quotient recurs over a matrix's entries) and ∂t/∂u of the sum by this function, then the sums written
    back. Why: SymPy's `diff` of the whole partial, a rational function of a 3×3 inverse's entries, took 5 ms each."""
    sums: dict = {}
    inner = _sums_replaced(d, sums, True)
    if not sums:
        return _sympy_partial(d, u, None)
    parts = [_sympy_partial(inner, u, None)] if u in _free_symbols(inner) else []
    for t, s in sums.items():
        if u in _free_symbols(s):
            parts.append(product(_sympy_partial(inner, t, None), _through_sums(s, u)))
    return total(parts).xreplace(sums)


def _sums_replaced(e, sums, top=False):
    """e with each sum that is a factor of a product or an integer power's base (not e itself) written as a real
    placeholder `_difflab_s<k>`, recorded in `sums` ({placeholder: sum}; equal sums one placeholder)."""
    import sympy as sp

    if e.is_Add:
        if top:
            terms = [_sums_replaced(t, sums) for t in e.args]
            return e if all(t is u for t, u in zip(terms, e.args)) else sp.Add(*terms)
        for t, s in sums.items():
            if s == e:
                return t
        while len(_SUMS) <= len(sums):
            _SUMS.append(sp.Symbol(f"_difflab_s{len(_SUMS)}", real=True))
        t = _SUMS[len(sums)]
        sums[t] = e
        return t
    if e.is_Mul:
        factors = [_sums_replaced(f, sums) for f in e.args]
        return e if all(f is g for f, g in zip(factors, e.args)) else sp.Mul(*factors)
    if e.is_Pow and e.base.is_Add and e.exp.is_Integer:
        return sp.Pow(_sums_replaced(e.base, sums), e.exp)
    return e


_SUMS: list = []  # real symbols _difflab_s0, _difflab_s1, ...: `_sums_replaced`'s placeholders


def _sum_diff(e, u):
    """e.diff(u) of a sum, term by term as SymPy's own `Add._eval_derivative` takes it, only the terms that read u,
    each by `derivative` or else `_renamed_diff`. Why: a Hessian's second sweep differentiates the first sweep's
    adjoints, sums with a few terms `derivative` does not take (an adjoint times exp(v)): SymPy's `diff` of the
    whole sum, in each active symbol, walked every term; and as one template a sum rarely repeats, its terms do."""
    import sympy as sp

    parts = []
    for t in e.args:
        if u in _free_symbols(t):
            d = derivative(t, u, _strong_term)
            parts.append(_renamed_diff(t, u) if d is None else d)
    return sp.Add(*parts)


def _renamed_diff(e, u):
    """e.diff(u), taken once per structure: e's symbols renamed by first appearance (`_renamed`) and SymPy's
    derivative of that template renamed back. Why: a graph's elementwise equations repeat one translation over
    every element (a complex quotient's real part, -a·d/(c² + d²) + b·c/(c² + d²), for each entry), and SymPy's
    `diff` (its assumptions queried anew on each tree) was most of a fresh symbolic gradient's partials: 1671 such
    sums, 1.2 of 1.9 CPU-s in one heston_price gradient. Renaming back rebuilds the same canonical expression."""
    key = _renamed(e, u)
    if key is None:
        return e.diff(u)
    template, names, v = key
    d = _TEMPLATE_DIFF.get((template, v))
    if d is None:
        if len(_TEMPLATE_DIFF) > 20000:  # (bounded: a long session's distinct structures)
            _TEMPLATE_DIFF.clear()
        d = _TEMPLATE_DIFF[template, v] = template.diff(v)
    return d.xreplace(names)


_TEMPLATE_DIFF: dict = {}  # (template, placeholder) -> its derivative (`_renamed_diff`), over every program
_PLACEHOLDERS: list = []  # real symbols _difflab_t0, _difflab_t1, ...: a template's symbols in order of appearance


def _renamed(e, u):
    """(e with its symbols renamed to placeholders by first appearance, {placeholder: symbol}, u's placeholder),
    or None when a symbol is not a plain real one (its assumptions would differ from the placeholder's)."""
    import sympy as sp

    order: dict = {}
    for node in sp.preorder_traversal(e):
        if node.is_Symbol and node not in order:
            if type(node) is not sp.Symbol or node._assumptions0 != _real_assumptions():
                return None
            order[node] = len(order)
    if u not in order:
        return None
    while len(_PLACEHOLDERS) < len(order):
        _PLACEHOLDERS.append(sp.Symbol(f"_difflab_t{len(_PLACEHOLDERS)}", real=True))
    forward = {s: _PLACEHOLDERS[k] for s, k in order.items()}
    return e.xreplace(forward), {t: s for s, t in forward.items()}, forward[u]


@functools.lru_cache(maxsize=1)
def _real_assumptions():
    """A Symbol(..., real=True)'s assumptions, as SymPy stores them (the placeholders': `_renamed`)."""
    import sympy as sp

    return sp.Symbol("x", real=True)._assumptions0


def _piecewise_partial(e, u):
    """∂e/∂u of a Piecewise e, piece by piece (its conditions held constant, as SymPy's `diff` holds them), the
    pieces left as they are. Why not `e.diff(u)`: SymPy re-evaluates the Piecewise it builds, merging the pieces
    whose derivatives agree (most are 0) by OR-ing their conditions into conjunctive normal form, which grows
    exponentially with the pieces: a complex max over 5 entries (its lexicographic conditions) took minutes."""
    Piecewise = _sympy_piecewise()
    pieces = [(_sympy_partial(x, u, None) if u in x.free_symbols else 0, c) for x, c in e.args]
    if all(x == 0 for x, _ in pieces):
        return _sympify(0)
    return Piecewise(*pieces, evaluate=False)


def _sum_or_product_partial(e, u):
    """∂e/∂u of a sum or product holding a Piecewise, by linearity and the product rule over its terms or factors
    (each by `_sympy_partial`: a Piecewise piece by piece), as SymPy's `diff` takes them, but without its Piecewise
    evaluation: the adjoint 0.5·Piecewise((1, c0), ..., (0, c11)) + g of a partition's input (12 pieces), asked for
    in each of 24 symbols per gradient entry by a Hessian's second sweep, cost SymPy seconds merging the pieces."""
    import sympy as sp

    if e.is_Add:
        return sp.Add(*[_within(t, u) for t in e.args if u in _free_symbols(t)])
    terms = []
    for k, f in enumerate(e.args):
        if u in _free_symbols(f):
            terms.append(sp.Mul(_within(f, u), *e.args[:k], *e.args[k + 1 :]))
    return sp.Add(*terms)


def _within(t, u):
    """∂t/∂u of a term or factor of such a sum or product (a product inside it by the product rule too: a sort's
    adjoint term 1.0·sort_weight(...), whose derivative SymPy's `diff` of the product built as Derivative objects)."""
    if t.is_Add or t.is_Mul:
        d = derivative(t, u, _strong_term)
        return _sum_or_product_partial(t, u) if d is None else d
    return _sympy_partial(t, u, None)


@functools.lru_cache(maxsize=4096)
def _free_symbols(t):
    """t.free_symbols, kept: a Hessian's second sweep asks for each term's in every symbol (SymPy walks the tree each
    time: a Piecewise over 12 entries and their 12 conditions of 15 arguments each)."""
    return t.free_symbols


def _strong_term(t, u):
    """∂t/∂u of a strong product strong_mul(a, b) of terms `derivative` takes, equal to SymPy's `diff` of it
    (strong_mul's own rule, `strong_mul_chain`), or None: a Hessian's second sweep differentiates the first
    sweep's adjoints, sums of such products, which SymPy's `diff` took term by term with its assumptions."""
    from ..ops.elementwise import strong_mul_chain, strong_mul_sympy

    if t.func is not strong_mul_sympy():
        return None
    parts = [_plain_derivative(x, u) for x in t.args]
    return None if None in parts else strong_mul_chain(*t.args, *parts)


def _plain_derivative(x, u):
    import sympy as sp

    if x.is_Symbol:
        return sp.S.One if x == u else sp.S.Zero
    if x.is_Number:
        return sp.S.Zero
    return derivative(x, u, _strong_term)


def _hypot_form(d):
    """d with every (a² + b²)^p, p not a positive integer, written hypot(a, b)^(2p) (b² may be a positive number):
    SymPy's own derivatives of asinh, atan and atan2, 1/sqrt(x² + 1), 1/(x² + 1), x/(x² + y²), overflowed in x²
    from |x| = 1.4e154 (0 for 1e-155); the registry's partials are written the same way. (A denominator
    hypot² still overflows where a large factor multiplies it: SymPy prints c·h⁻² as c/h**2.)"""
    import sympy as sp

    from ..ops.elementwise import _hypot_sympy

    def root(t):  # t = r² (r a square's base, or the root of a positive number), or None
        if t.is_Pow and t.exp == 2:
            return t.base
        return sp.sqrt(t) if t.is_Number and t.is_positive else None

    def fits(e):
        if not (e.is_Pow and e.base.is_Add and len(e.base.args) == 2) or (e.exp.is_Integer and e.exp > 0):
            return False
        roots = [root(t) for t in e.base.args]
        return all(r is not None for r in roots) and not all(t.is_Number for t in e.base.args)

    return d.replace(fits, lambda e: _hypot_sympy(*[root(t) for t in e.base.args]) ** (2 * e.exp))


def _scaled(e, u, out, d):
    """d(e)/du as k·out/u where e = c·u**k with k a negative number (a/b, x**-2): SymPy's own form, -c·k·u**(k-1),
    overflows in u**(1-k) (1e300/b at b = 1e155 gave 0 for -1e-10); the registry's partials scale the same way."""
    hit = [f for f in e.as_ordered_factors() if f.has(u)]
    if len(hit) == 1 and hit[0].is_Pow and hit[0].base == u and hit[0].exp.is_Number and hit[0].exp.is_negative:
        return hit[0].exp * out / u
    return d


def _strong(a, d):
    from ..ops.elementwise import strong_mul_of

    return strong_mul_of(a, d)


def _times(a, d, strong, singular, infinite=None):
    """The chain rule's product of an adjoint or tangent `a` and a local partial `d`. Strong zeros
    (DESIGN.md §3): where a factor may be infinite it is strong_mul's (0·∞ = 0), as forward and reverse
    compute it: a registry partial not marked strong_zero is 0·∞ = NaN where it is 0 and `a` infinite,
    as there (cbrt's Hessian at 0). `infinite`: whether d may be, when the caller knows (`Program._tangent`)."""
    maybe = (strong and _maybe_infinite(a, singular)) or (
        _maybe_infinite(d, singular) if infinite is None else infinite
    )
    return _strong(a, d) if maybe else product(a, d)


def to_sympy(graph) -> Program:
    """Translate a graph into a `Program`: inputs as object arrays of symbols, named assignments."""
    import sympy as sp

    env, inputs, assignments, closed, rules, held = {}, [], [], {}, {}, {}
    for i, v in enumerate(graph.inputs):
        flat = [sp.Symbol(f"x{i}_{j}" if v.shape else f"x{i}", real=True) for j in range(int(np.prod(v.shape)))]
        env[v] = inputs.append(np.array(flat, dtype=object).reshape(v.shape)) or inputs[-1]

    def constant(value):  # a value of an enclosing trace is a symbol too: the code reads it at run time
        if not isinstance(value, Traced):
            return _as_object(value)
        if id(value) not in closed:
            k, shape = len(closed), np.shape(value.concrete)
            flat = [sp.Symbol(f"k{k}_{j}", real=True) for j in range(int(np.prod(shape)))]
            closed[id(value)] = (value, np.array(flat, dtype=object).reshape(shape))
        return closed[id(value)][1]

    for eqn in graph.eqns:
        args = [env[a] if isinstance(a, Var) else constant(a.value) for a in eqn.args]
        split = eqn.out.dtype.kind == "c" and eqn.op.elementwise and _SharedSplit(eqn)  # (translated lazily)
        with naming_values(functools.partial(_named_value, assignments, f"v{eqn.out.id}_s")):
            args, raw = _translate_masks(eqn, args, sp, split and split.translate)
        exprs = [sp.sympify(e) for e in raw.flat]
        jac = _rule_partials(eqn, args, exprs)  # (a user's rule: its partials, not SymPy's diff of the value)
        if eqn.out.dtype.kind == "f" and complex_args(eqn):  # (|z|, Re z: real; a translation for reals is not)
            for e in exprs:
                real_expression(e, eqn)
        if _closed_form(eqn, exprs):  # (svd, inv, pinv): its shared subexpressions named too
            exprs = _share(exprs, f"w{eqn.out.id}_", assignments)
        out = np.empty(raw.shape, dtype=object)
        ruled = _ruled(eqn) and np.broadcast_arrays(*[np.asarray(x, dtype=object) for x in args])
        for j, e in enumerate(exprs):
            if (
                ruled
                and (e.is_Number or e.has(sp.zoo))
                and not eqn.kw
                and not all(sp.sympify(x.flat[j]).is_Number for x in ruled)
            ):
                # SymPy folded x/x to 1 (x − x to 0, x/0.0 to zoo·x): NumPy's value instead, as the other methods'
                e = held_value(eqn.op)(*[x.flat[j] for x in ruled])
            if eqn.out.dtype.kind == "c":  # a complex value: its real and imaginary parts named, each real
                out.flat[j] = _complex_value(e, f"v{eqn.out.id}_{j}", eqn, assignments, split(j) if split else None)
            elif (e.is_Atom and jac is None) or eqn.out.dtype.kind == "b":  # conditions stay inline in their Piecewise
                out.flat[j] = e
            else:
                out.flat[j] = sp.Symbol(f"v{eqn.out.id}_{j}", real=True)
                assignments.append((out.flat[j], e))
                if ruled:
                    rules[out.flat[j]] = (eqn.op, [sp.sympify(x.flat[j]) for x in ruled], eqn.kw)
                elif jac is not None:
                    rules[out.flat[j]] = [(d, x, True) for d, x in jac[j] if d != 0]
                    held[out.flat[j]] = (eqn.op, args, eqn.kw, j)
        env[eqn.out] = out
    outs = [env[o] if isinstance(o, Var) else constant(o.value) for o in graph.outputs]
    outs = [sp.sympify(e) for arr in outs for e in arr.ravel()]
    return Program(inputs, assignments, outs, list(closed.values()), rules, held)


def _named_value(assignments, prefix, e):
    """A new assignment for e, an intermediate value of a translation (ops.core.named_value: lfilter's recurrence)."""
    import sympy as sp

    name = sp.Symbol(f"{prefix}{len(assignments)}", real=True)
    assignments.append((name, e))
    return name


def _rule_partials(eqn, args, exprs) -> list | None:
    """Per output element, [(∂out/∂x, x)] over the argument elements x, from the op's `sympy_partials` (a user's
    rule: JAX honours it under every transformation, and so do forward and reverse), or None (SymPy's diff)."""
    if eqn.op.sympy_partials is None:
        return None
    if eqn.out.dtype.kind != "f" or complex_args(eqn):
        raise NotDifferentiableError(
            f"the symbolic method cannot honour the rule of `{_named(eqn)}` on complex values; use method='forward' "
            "or 'reverse'"
        )
    import sympy as sp

    elements = [sp.sympify(x) for a in args for x in np.ravel(np.asarray(a, dtype=object))]
    named = {e: sp.Symbol(f"v{eqn.out.id}_{j}", real=True) for j, e in enumerate(exprs) if not e.is_Atom}
    jac = eqn.op.sympy_partials(*args, out_shape=eqn.out.shape, named=named, **eqn.kw)  # (f(x) in it: its names)
    return [[(d, x) for d, x in zip(row, elements) if not x.is_Number] for row in jac]


def _translate(eqn, args):
    """The equation applied to SymPy elements: its op's translation, else its NumPy implementation on the
    object arrays (structural ops); an implementation that takes numbers only (eig's LAPACK call) is
    refused by name."""
    op = eqn.op
    if 0 in eqn.out.shape:  # (an empty result holds no expression: logm of a 0×0 matrix, whose translation's stack
        return np.empty(eqn.out.shape, dtype=object)  # of matrices reshaped to (-1, 0, 0) is ambiguous)
    if complex_args(eqn) and callable(op.sympy_complex):  # (its own translation on complex values)
        return op.sympy_complex(*args, **eqn.kw)
    if op.value_dtype and eqn.out.dtype.kind == "c" and callable(op.sympy_complex):  # (sqrtm: a real A's complex
        return op.sympy_complex(*args, **eqn.kw)  # root, the values picked its dtype: the translation of complex ones)
    if complex_args(eqn) and not (op.sympy_complex if op.sympy_complex is not None else op.elementwise or not op.sympy):
        raise NotDifferentiableError(
            f"the symbolic method has no SymPy form of `{_named(eqn)}` on complex values (its translation is "
            "written for real ones); use method='forward' or 'reverse'"
        )
    if eqn.op.sympy is not None:
        try:
            return eqn.op.sympy(*args, **eqn.kw)
        except TypeError as err:  # SymPy's "Invalid comparison of non-real" (an order of complex values)
            if not complex_args(eqn):
                raise
            raise NotDifferentiableError(f"the symbolic method cannot translate `{_named(eqn)}`: {err}") from err
    try:
        return eqn.op.impl(*args, **eqn.kw)
    except (TypeError, AttributeError) as err:
        kind = "complex " if any(v.dtype.kind == "c" for v in (eqn.out, *eqn.args) if isinstance(v, Var)) else ""
        raise NotDifferentiableError(
            f"the symbolic method has no SymPy form of `{str(eqn).split(' :')[0]}` on {kind}values ({eqn.op.name} "
            f"computes on numbers only: {type(err).__name__}); use method='forward' or 'reverse'"
        ) from err


def _ruled(eqn) -> bool:
    """Whether the symbolic method differentiates the equation with its op's registry partials: an
    elementwise op given by partials on numbers (no condition, no complex value among its arguments)."""
    if not eqn.op.float_partials or eqn.out.dtype.kind != "f" or "bool" in eqn.op.domain:
        return False
    return not complex_args(eqn)


def complex_args(eqn) -> bool:
    """Whether an argument of the equation (a value or a constant) is complex."""
    return any(a.dtype.kind == "c" if isinstance(a, Var) else is_complex(a.value) for a in eqn.args)


def _named(eqn) -> str:
    return str(eqn).split(" :")[0]


def _complex_value(e, name: str, eqn, assignments: list, parts=None):
    """A complex element e (over real symbols) as re + I·im, each part a real expression named by an
    assignment (so every named value stays real: SymPy simplifies re, im, Abs and conjugate of them, and
    the generated code runs on floats). A part SymPy cannot write without re, im or I (a function it does
    not split on complex arguments) is refused, naming the equation: never a wrong number. `parts`: e's
    (Re, Im) as `_SharedSplit` gave them (e: None), each a real expression."""
    import sympy as sp

    if parts is None:
        parts = _real_imag(sp, e)
        for part in parts:
            real_expression(part, eqn)
    value = sp.Integer(0)
    for part, unit, tag in zip(parts, (sp.Integer(1), sp.I), ("r", "i")):
        if not part.is_Atom:
            symbol = sp.Symbol(f"{name}{tag}", real=True)
            assignments.append((symbol, part))
            part = symbol
        value += unit * part
    return value


def real_expression(part, eqn):
    """Refuse, naming the equation, a part of a complex value (or a real value of complex arguments) that
    SymPy leaves complex or writes with re, im or arg of a complex expression: never a wrong number."""
    import sympy as sp

    if _leaves_complex(sp, part):
        raise NotDifferentiableError(
            f"the symbolic method cannot write `{_named(eqn)}` on complex values with real expressions (SymPy "
            f"leaves {str(part)[:200]}); use method='forward' or 'reverse'"
        )


def _leaves_complex(sp, part) -> bool:
    """Whether SymPy left a part complex, or wrote it with re, im or arg of a complex expression."""
    return isinstance(part, sp.Basic) and bool(
        part.atoms(sp.re, sp.im, sp.arg, sp.conjugate, sp.Derivative, sp.core.numbers.ImaginaryUnit)
    )


class _SharedSplit:
    """The (Re, Im) parts of an elementwise equation's complex elements, split once per pattern of arguments
    and renamed per element. Why: SymPy's `as_real_imag` asks its assumptions over every node of every element
    (Heston's characteristic function: 80 % of its translation), and an elementwise equation applies one
    formula to each element. Each argument element is Re + I·Im of atoms (a complex value's named parts, a
    real value's symbol, a constant's numbers); the translation is split on placeholders, real symbols standing
    for its symbols (one per distinct symbol: z·z stays a square) and for its floats, and `xreplace` puts the
    element's atoms in, SymPy's evaluation folding the numbers as it rebuilds. A number that folds differently
    by its value (0, an integer: 0·x, x**2) is kept in the pattern instead; an element of numbers only, one
    whose arguments are not such atoms (a mask's Piecewise), or a pattern whose parts SymPy leaves complex
    gets its own split, of the equation's own translation, refused as before. That translation is made only
    then: most elements never need it (Heston's: a tenth of its translation)."""

    def __init__(self, eqn):
        import sympy as sp

        self.eqn, self.sp, self.templates, self.slots, self.raw = eqn, sp, {}, ([], []), None
        self.real = sp.Symbol("x", real=True)._hashable_content()[1:]

    def translate(self, eqn, args):
        """`_translate_masks`' translation: the arguments kept, None in each element's place (an error)."""
        self.given, self.args = args, np.broadcast_arrays(*[np.asarray(x, dtype=object) for x in args])
        self.shared = bool(self.args) and self.args[0].shape == eqn.out.shape  # (else each element its own split)
        return np.full(eqn.out.shape, None, dtype=object)

    def __call__(self, j) -> tuple:
        """(Re, Im) of element j: the shared split on its own atoms, else its own split (refusing as it did)."""
        found = self.shared and self._generic([self.sp.sympify(x.flat[j]) for x in self.args])
        if found:
            generic, values = found
            key = tuple((type(g), g, getattr(g, "_prec", None)) for g in generic)
            if key not in self.templates:
                self.templates[key] = self._template(generic)
            parts = self.templates[key] and tuple(p.xreplace(values) for p in self.templates[key])
            if parts and not any(_leaves_complex(self.sp, p) for p in parts):
                return parts
        if self.raw is None:
            self.raw = np.asarray(_translate(self.eqn, self.given), dtype=object)
        parts = _real_imag(self.sp, self.sp.sympify(self.raw.flat[j]))
        for part in parts:
            real_expression(part, self.eqn)
        return parts

    def _generic(self, xs):
        """(the arguments' parts, placeholders for symbols and floats; placeholder -> atom), or None."""
        sp, generic, values, names = self.sp, [], {}, {}
        for x in xs:
            if not isinstance(x, sp.Expr):  # (a condition: where's)
                return None
            parts: list = [[], []]
            for t in sp.Add.make_args(x):
                c, d = t.as_independent(sp.I, as_Add=False)
                if d not in (1, sp.I):
                    return None
                parts[d is sp.I].append(c)
            for p in parts:
                p = p[0] if len(p) == 1 else sp.Integer(0) if not p else None
                if type(p) is sp.Symbol and p._hashable_content()[1:] == self.real:
                    slot = names.setdefault(p, len(names)), 0
                elif isinstance(p, sp.Float) and p.is_finite and not float(p).is_integer():
                    slot = sum(isinstance(v, sp.Float) for v in values.values()), 1
                elif isinstance(p, sp.Number):
                    generic.append(p)
                    continue
                else:
                    return None
                free = self.slots[slot[1]]
                free.extend(sp.Dummy(real=True) for _ in range(slot[0] + 1 - len(free)))
                values[free[slot[0]]] = p
                generic.append(free[slot[0]])
        return (generic, values) if names else None

    def _template(self, generic) -> tuple | None:
        """(Re, Im) of the translation on the placeholders, or None where it is not one real pair."""
        sp, it = self.sp, iter(generic)
        xs = [np.array(next(it) + sp.I * next(it), dtype=object) for _ in self.args]
        try:  # (anything the generic split cannot do: each element's own split decides, and refuses, as before)
            raw = np.asarray(_translate(self.eqn, xs), dtype=object)
            parts = _real_imag(sp, raw.flat[0]) if raw.size == 1 else None
        except Exception:
            return None
        return parts if parts and not any(_leaves_complex(sp, p) for p in parts) else None


def _real_imag(sp, e) -> tuple:
    """(Re e, Im e) of a SymPy expression over real symbols, arg(z) written atan2(Im z, Re z) (NumPy's
    branch, as np.angle and np.log's imaginary part); a Piecewise part by part. SymPy splits sums,
    products, integer and rational powers, exp, log and the trigonometric and hyperbolic functions;
    z**p for a float p is written exp(p·log z) (an integral p: an integer power), the inverse
    trigonometric and hyperbolic functions of a complex argument by their logarithms."""
    if isinstance(e, sp.Piecewise):
        pieces = [(_real_imag(sp, x), c) for x, c in e.args]
        return tuple(sp.Piecewise(*[(p[k], c) for p, c in pieces]) for k in (0, 1))
    arg = lambda z: sp.atan2(sp.im(z), sp.re(z))  # noqa: E731
    e = sp.sympify(e)
    if any(_integral_float(p.exp) for p in e.atoms(sp.Pow)):
        # (x**2.0 of a complex value whose imaginary part is 0, a real symbol: SymPy's re(x**2.0) stays, x < 0 unknown)
        e = e.replace(lambda p: p.is_Pow and _integral_float(p.exp), lambda p: p.base ** int(p.exp))
    if all(p.exp.is_Integer for p in e.atoms(sp.Pow)):
        functions = e.atoms(sp.Function)
        if not functions:
            # sums, products and integer powers of symbols and numbers (a complex dot's entries): none of the
            # rewrites below applies, and their four walks over every entry were most of a complex matmul's translation
            return tuple(sp.sympify(p).replace(sp.arg, arg) for p in e.as_real_imag())
        if all(getattr(type(f), "difflab_real", False) for f in functions):
            # the same of real functions (an opaque eig's parts, LAPACK's phases): each held as a real symbol, where
            # SymPy's re and im of each asked its assumptions (n² + 3 arguments): most of an 8×8 eig's translation
            symbols = {f: sp.Dummy(real=True) for f in functions}
            back = {d: f for f, d in symbols.items()}
            return tuple(sp.sympify(p).xreplace(back) for p in e.xreplace(symbols).as_real_imag())
    # a named function (NumPy's accurate expm1, log1p; x**y of two variables) in SymPy's own terms, which SymPy splits
    e = sp.sympify(e).replace(
        lambda f: getattr(f, "difflab_plain", None) is not None and f.has(sp.I), lambda f: f.difflab_plain(*f.args)
    )
    if isinstance(e, sp.Piecewise):  # (a complex max's plain form: NumPy's order, a Piecewise of the values)
        return _real_imag(sp, e)
    e = e.replace(lambda p: p.is_Pow and p.has(sp.I) and not p.exp.is_Rational, _power)
    explicit = {sp.asinh: _asinh_parts, sp.acosh: _acosh_parts}  # (SymPy's own split of their logs never ends)
    parts: dict = {}  # their parts, real by construction, held as real symbols while SymPy splits e

    def held(r, i):
        named = sp.Dummy(real=True), sp.Dummy(real=True)
        parts.update(zip(named, (r, i)))
        return named[0] + sp.I * named[1]

    e = e.replace(
        lambda f: type(f) in explicit and f.has(sp.I),
        lambda f: held(*explicit[type(f)](sp, *_real_imag(sp, f.args[0]))),
    )
    from ..ops.elementwise import strong_mul_sympy

    strong = strong_mul_sympy()  # (a reverse gradient's chain-rule products, of complex values: each part's strong)
    e = e.replace(
        lambda f: isinstance(f, strong) and f.has(sp.I),
        lambda f: held(*_strong_parts(strong, *_real_imag(sp, f.args[0]), *_real_imag(sp, f.args[1]))),
    )
    inverse = (sp.atan, sp.asin, sp.acos, sp.atanh)
    e = e.replace(lambda f: isinstance(f, inverse) and f.has(sp.I), lambda f: f.rewrite(sp.log))
    if not isinstance(e, sp.Piecewise) and e.has(sp.Piecewise) and e.has(sp.I):  # (a complex max inside: outermost)
        e = sp.piecewise_fold(e)
        if isinstance(e, sp.Piecewise):
            return tuple(p.xreplace(parts) for p in _real_imag(sp, e))
    return tuple(sp.sympify(p).replace(sp.arg, arg).xreplace(parts) for p in e.as_real_imag())


def _strong_parts(m, ar, ai, br, bi):
    """(Re, Im) of the strong product (ar + i·ai)(br + i·bi), each real product strong (m: strong_mul's function)."""
    return m(ar, br) - m(ai, bi), m(ar, bi) + m(ai, br)


@functools.cache
def _atan2(sp):
    """SymPy's atan2 declared real (of real arguments it is, but SymPy cannot tell: atan2(0, 0)), so that SymPy
    splits an expression holding it into real and imaginary parts; printed and differentiated as atan2."""
    return type("atan2", (sp.atan2,), {"is_extended_real": True})


def _csqrt(sp, a, b):
    """(Re, Im) of the principal √(a + ib), a and b real: |z|^½ (cos θ/2, sin θ/2), θ = atan2(b, a) (NumPy's)."""
    r, t = sp.sqrt(sp.sqrt(a**2 + b**2)), _atan2(sp)(b, a) / 2
    return r * sp.cos(t), r * sp.sin(t)


def _clog(sp, a, b):
    return sp.log(a**2 + b**2) / 2, _atan2(sp)(b, a)


def _asinh_parts(sp, p, q):
    """arcsinh(p + iq) = log(z + √(z² + 1)), every part real (NumPy's principal branch)."""
    w = _csqrt(sp, p**2 - q**2 + 1, 2 * p * q)
    return _clog(sp, p + w[0], q + w[1])


def _acosh_parts(sp, p, q):
    """arccosh(p + iq) = log(z + √(z + 1)·√(z − 1)) (Kahan's form: NumPy's branch, also where Re z < 0)."""
    (a, b), (c, d) = _csqrt(sp, p + 1, q), _csqrt(sp, p - 1, q)
    return _clog(sp, p + a * c - b * d, q + a * d + b * c)


def _integral_float(w) -> bool:
    """Whether a SymPy exponent is a whole number written as a float (2.0: NumPy's z**2 is the integer power).
    (Not `w == int(w)`: SymPy ≥ 1.13 compares Float(2.0) and Integer(2) unequal.)"""
    return bool(w.is_Float and float(w).is_integer())


def _power(p):
    """z**w of complex values, as NumPy computes it: an integer power, else exp(w·(log|z| + i·arg z))."""
    import sympy as sp

    if _integral_float(p.exp):
        return p.base ** int(p.exp)
    z = p.base
    return sp.exp(p.exp * (sp.log(sp.Abs(z)) + sp.I * sp.atan2(sp.im(z), sp.re(z))))


_TEMPLATES: dict = {}  # (op, params, the arguments that are numbers) -> its partials' translated graph


def registry_partials(program, op, out, args, params) -> list | None:
    """[(∂out/∂args[i], args[i], strong)] for an elementwise equation out = op(*args) (SymPy elements), the
    registry's partials written in SymPy, or None where one cannot be (SymPy's `diff` then).

    Why not SymPy's own derivative of the op's translation: SymPy writes atan' as 1/(x² + 1),
    overflowing in x² (1e300·arctan(x) had slope 0 for 1e-10 at 1e155), sinc' as
    cos(πx)/x - sin(πx)/(πx²), which cancels near 0, and mod's in b as -floor(a/b), 0 where a/b
    underflows; the registry's partials were made right there, and forward, reverse and the
    matrix-level form already use them. A partial (written with difflab ops) is traced once per op,
    parameters and numeric arguments (those fold into it: x**2's partial is 2·x, not 2·x**1.0), and
    its graph translated like any other. Its equations become named assignments of `program`, each
    differentiated by its own registry partials in turn (a Hessian's second pass): one SymPy
    expression would let SymPy recombine them (x/h/h into x·h⁻², which overflows in h² where the
    registry's order did not). Its `out` is the equation's named value (exp' = out)."""
    numbers = tuple(float(x) if x.is_Number else None for x in args)
    key = (id(op), repr(sorted(params.items())), numbers)  # (the entry itself: a test's throwaway op reuses names)
    if key not in _TEMPLATES or _TEMPLATES[key][0] is not op:
        try:
            with np.errstate(all="ignore"):  # (translating a NaN constant is no domain error)
                _TEMPLATES[key] = (op, _template(op, params, numbers))
        except Exception:  # a partial that does not trace on scalars: SymPy's diff stands in
            _TEMPLATES[key] = (op, None)
    if _TEMPLATES[key][1] is None:
        return None
    template, zero, built = _TEMPLATES[key][1]
    import sympy as sp

    names = dict(zip([arr[()] for arr in template.inputs], [out, *[x for x, n in zip(args, numbers) if n is None]]))
    names.update((s, sp.Symbol(f"d{out.name}_{k}", real=True)) for k, (s, _) in enumerate(template.assignments))
    assignments, rules, partials = _instantiated(template, names, built)  # fresh names: one copy per equation
    for s, e in assignments:
        program.add(s, e)
    program.rules.update(rules)
    flags = [strong for _, strong in op.float_partials]
    return [(p, x, f) for p, x, z, f in zip(partials, args, zero, flags) if not z and p != 0 and not x.is_Number]


def _template(op, params, numbers):
    """(the partials' graph as a Program over placeholders out, then the non-number arguments; per
    argument, whether its partial is zero: None in the registry)."""

    def partials(out, *xs):
        it = iter(xs)
        vals = [next(it) if n is None else n for n in numbers]
        # (a number's partial is never needed: an order's, which refuses, would leave the op to SymPy's diff)
        return [
            0.0 if p is None or n is not None else p(out, *vals, **params)
            for (p, _), n in zip(op.float_partials, numbers)
        ]

    t, xs, outs = trace_flat(partials, [0.5] * (1 + numbers.count(None)))
    graph = outputs_of(t, xs, outs)
    if graph.specialised or any(np.shape(o.concrete if isinstance(o, Traced) else o) for o in outs):
        return None
    return to_sympy(_merged(graph)), [p is None for p, _ in op.float_partials], {}


def _merged(graph):
    """`graph` with each elementwise equation that repeats an earlier one (the same op, operands and params; a
    float constant by its bits) dropped for the earlier's value. The trace shares a repeat only where its constants
    are the same Python object: voigt_profile's three partials each build the same continued fraction (`0.5 * k`
    a fresh float each time), 1,769 equations for 594 distinct, and every element of an array's program, its
    printed code and its 40-digit `exact` paid the copies (elliprd_dz: 1,117 for 651). Values unchanged: the
    dropped equations computed the kept ones' numbers."""
    alias: dict = {}  # a dropped equation's value -> the earlier one's
    seen: dict = {}  # (op, operand keys, params) -> its first value
    eqns = []
    for e in graph.eqns:
        args = tuple(alias.get(a, a) if type(a) is Var else a for a in e.args)
        key = (e.op, tuple(map(_operand_key, args)), e.params) if e.op.elementwise else None
        if key is not None and None not in key[1]:
            try:
                first = seen.setdefault(key, e.out)
            except TypeError:  # (params holding an unhashable value: kept as it is)
                first = e.out
            if first is not e.out:
                alias[e.out] = first
                continue
        eqns.append(e._replace(args=args) if any(a is not b for a, b in zip(args, e.args)) else e)
    outs = tuple(alias.get(o, o) if type(o) is Var else o for o in graph.outputs)
    return graph._replace(eqns=tuple(eqns), outputs=outs)


def _operand_key(a):
    """An operand as `_merged` compares it: a value by identity, a Python number by its type and bits; None for
    anything else (an array constant: its equation is never merged)."""
    if type(a) is Var:
        return a
    v = a.value
    if type(v) is float or type(v) is np.float64:
        return float, float(v).hex()  # (-0.0 is not 0.0; every NaN alike)
    return (type(v), v) if type(v) in (int, bool) else None


_ORDERS_KEPT = 8  # instances kept per template, one per order of names met (a few: out's name before or after args')


def _instantiated(template, names: dict, built: dict) -> tuple:
    """(assignments, rules, outputs) of a partials' template with its symbols renamed by `names`, as
    `xreplace(names)` builds them. Why not always that: its evaluation (Mul's and Add's flattening, the
    assumptions it asks) was 58 % of voigt_profile's symbolic build, repeated per element. SymPy's
    evaluation sees a symbol only through its assumptions and its name's order among the others, so
    where `names` gives symbols of the same assumptions in the same order as an earlier instantiation
    (`built`, by that signature), the result is the earlier one renamed without evaluating: each
    expression is already canonical and keeps its arguments' order."""
    signature = _signature(names)
    if signature not in built:
        out = (
            [(names[s], e.xreplace(names)) for s, e in template.assignments],
            {
                names[s]: (o, [a.xreplace(names) for a in xs], p)
                for s, (o, xs, p) in template.rules.items()
                if s in names
            },
            [p.xreplace(names) for p in template.outputs],
        )
        if signature is not None and len(built) < _ORDERS_KEPT:
            built[signature] = (names, out)
        return out
    before, (assignments, rules, outputs) = built[signature]
    renaming = {before[k]: v for k, v in names.items()}
    flat = [e for _, e in assignments] + [a for _, xs, _ in rules.values() for a in xs] + list(outputs)
    done = iter(_xreplaced_all(renaming, flat))  # (in the order `flat` lists them)
    return (
        [(renaming[s], next(done)) for s, _ in assignments],
        {renaming[s]: (o, [next(done) for _ in xs], p) for s, (o, xs, p) in rules.items()},
        [next(done) for _ in outputs],
    )


def _xreplaced_all(renaming: dict, exprs: list) -> list:
    """[e.xreplace(renaming) for e in exprs], each built without evaluating, as under SymPy's `evaluate(False)`. Why
    not that context manager: entering and leaving it each clear SymPy's whole cache (its flag is not in the cache's
    key), and every later `diff`, `Mul` and assumption asks again (butler_volmer's Hessian: 2,260 clears). Add, Mul,
    Pow, functions and relations take `evaluate=False` themselves, the path their constructors take under the flag
    (`_unevaluated`); the expressions with any other compound node (an ITE) are renamed together under ONE flag
    context: an instantiation of voigt_profile's partials holds 10 of them, 20 clears when each had its own."""
    sp = _sympy()
    out = [_unevaluated(e, renaming, {}) if isinstance(e, sp.Basic) else e for e in exprs]
    if any(r is None for r in out):
        from sympy.core.parameters import evaluate

        with evaluate(False):
            out = [e.xreplace(renaming) if r is None else r for e, r in zip(exprs, out)]
    return out


def _unevaluated(e, renaming: dict, seen: dict):
    """`e` renamed, each changed node built by its constructor with evaluate=False; None at a node whose
    constructor is not known to take that flag as it takes the global one."""
    if e in renaming:
        return renaming[e]
    if e.is_Atom:
        return e
    if e in seen:
        return seen[e]
    cls = type(e)
    if not (cls in _UNEVALUATED or getattr(cls, "__new__", None) in _FUNCTION_NEW or cls is _PAIR[0]):
        return None
    args = []
    for a in e.args:
        r = _unevaluated(a, renaming, seen)
        if r is None:
            return None
        args.append(r)
    if all(a is b for a, b in zip(args, e.args)):
        out = e
    elif cls is _PAIR[0]:  # (its constructor reads the flag only to fold a Piecewise inside its condition)
        if args[1].has(_PAIR[1]):
            return None
        out = e.func(*args)
    elif cls is _PAIR[2] or cls is _PAIR[3]:  # Add, Mul: what their constructor does under evaluate=False, less
        out = cls._exec_constructor_postprocessors(cls._from_args(args))  # its cache's hashing of every argument
    else:
        out = e.func(*args, evaluate=False)
    seen[e] = out
    return out


@functools.cache
def _sympy():
    import sympy

    from sympy.functions.elementary.piecewise import ExprCondPair

    _UNEVALUATED.update((sympy.Add, sympy.Mul, sympy.Pow, sympy.Piecewise, sympy.Gt, sympy.Lt, sympy.Ge, sympy.Le))
    _UNEVALUATED.update((sympy.Eq, sympy.Ne))  # (their constructors read the flag as Gt's: `evaluate` or the global)
    _PAIR.extend((ExprCondPair, sympy.Piecewise, sympy.Add, sympy.Mul))
    # a function's constructor: Function's, and (SymPy ≥ 1.14) DefinedFunction's, sin's and exp's, both only
    # `cls._new_(*args, **options)`, which reads `evaluate` as the global flag. Without the second, every renamed
    # trigonometric partial went the flag's way, whose enter and exit each cleared SymPy's whole cache (909 of the
    # 1,188 renames under the flag in 29 of the suite's costliest symbolic cells, tests/test_symbolic_cache63.py)
    defined = getattr(sympy.core.function, "DefinedFunction", sympy.Function)
    _FUNCTION_NEW.update((sympy.Function.__new__, defined.__new__))
    return sympy


#: the constructors that take `evaluate=False` as they take SymPy's flag, filled at first use (SymPy is imported
#: lazily), and Piecewise's (expression, condition) pair, which takes no flag (then Piecewise, Add, Mul)
_UNEVALUATED: set = set()
_PAIR: list = []
_FUNCTION_NEW: set = set()


def _signature(names: dict) -> tuple | None:
    """The order of `names`' symbols' names and their assumptions (None: not distinct plain symbols)."""
    import sympy as sp

    symbols = list(names.values())
    if not all(type(x) is sp.Symbol for x in symbols) or len({x.name for x in symbols}) < len(symbols):
        return None
    order = sorted(range(len(symbols)), key=lambda i: symbols[i].name)
    return tuple(order), tuple(x._hashable_content()[1:] for x in symbols)


SHARED_OPS = 16  # operations in an output entry of a closed form (an inverse, a decomposition) worth naming its parts


def _closed_form(eqn, exprs) -> bool:
    """Whether an equation's translation is a large closed form (a decomposition, an inverse: no
    elementwise or multilinear op) whose entries share subexpressions: named, each assignment
    stays small, and `diff` of the assignments (twice, for a Hessian) costs in proportion to the
    tape instead of to the entries written out (the Hessian through svd of a 3×2 matrix: over
    400 s otherwise; through inv of a 3×3, whose entries share the determinant: 50 s, now 10 s)."""
    if eqn.op.elementwise or eqn.op.index is not None or eqn.op.sympy is None or eqn.out.dtype.kind in "bc":
        return False  # (a complex value's shared parts would be named by real symbols: its parts are named instead)
    return bool(exprs) and exprs[0].count_ops() > SHARED_OPS


def _share(exprs, prefix, assignments) -> list:
    """`exprs` with their common subexpressions (SymPy's cse) named by new assignments (real symbols,
    as every named value); a condition stays inline in its Piecewise."""
    import itertools

    import sympy as sp

    names = (sp.Symbol(f"{prefix}{k}", real=True) for k in itertools.count())
    pairs, reduced = sp.cse(exprs, symbols=names, order="none")
    inline = {}
    for s, e in pairs:
        e = e.xreplace(inline)
        if isinstance(e, sp.logic.boolalg.Boolean) or e.is_Atom:
            inline[s] = e
        else:
            assignments.append((s, e))
    return [e.xreplace(inline) for e in reduced]


def _is_bool(a, x) -> bool:
    """Whether an argument is a condition: a boolean equation, or a boolean constant (a mask)."""
    return a.dtype.kind == "b" if isinstance(a, Var) else np.asarray(x).dtype.kind == "b"


def _translate_masks(eqn, args, sp, translate=None):
    """(the arguments as translated, the equation's elements): a condition in a number's place (sum(x <= y),
    mask * x, mask == 1) is NumPy's 1 or 0. Into a number: Piecewise((1, c), (0, True)). Into a condition
    (mask != 0, mask < mask, mask + mask): logic, case by case on the conditions, Or over the cases of
    And(the case, the translation at its 1s and 0s); a number there is true when nonzero. Why not the
    Piecewise there too: SymPy decides Ne(c, 0) True as it builds it (a Relational is not the number 0),
    refuses c < 0.5, and folds a Piecewise inside a condition into slow logic (where's translation).
    `translate(eqn, args)`: the equation on SymPy elements (by default the symbolic method's, `_translate`)."""
    translate = translate or _translate
    domain = eqn.op.domain
    truth = np.frompyfunc(functools.partial(_truth, sp), 1, 1)
    args, masks = list(args), []
    for i, (a, x) in enumerate(zip(eqn.args, args)):
        condition = (domain[i] if i < len(domain) else "real") == "bool"
        if _is_bool(a, x) and isinstance(a, Var) or condition and not _is_bool(a, x) and not complex_args(eqn):
            # (a mask's entry that is a number, sort_k of masks; a number as a condition, logical_and(m, 1.0))
            args[i] = truth(np.asarray(x, dtype=object))
        if _is_bool(a, x) and not condition:
            masks.append(i)
    if eqn.out.dtype.kind != "b" or not eqn.op.elementwise or eqn.op.selects or not masks:
        # (a mask moved, reshape's, or picked, where's between masks: SymPy's ITE, stays one)
        args = [_as_number(x, sp) if i in masks and eqn.out.dtype.kind != "b" else x for i, x in enumerate(args)]
        return args, np.asarray(translate(eqn, args), dtype=object)
    both = np.frompyfunc(lambda *xs: sp.And(*xs), len(masks) + 1, 1)
    either = np.frompyfunc(lambda a, b: sp.Or(a, b), 2, 1)
    out = sp.false
    for bits in itertools.product((1, 0), repeat=len(masks)):
        case = list(args)
        for i, bit in zip(masks, bits):
            case[i] = np.full(np.shape(args[i]), sp.Integer(bit), dtype=object)
        value = truth(np.asarray(translate(eqn, case), dtype=object))  # (mask + mask: 2, true)
        held = [np.asarray(args[i], dtype=object) if bit else _negated(args[i], sp) for i, bit in zip(masks, bits)]
        out = either(out, both(*held, value))
    return args, np.asarray(out, dtype=object)


def _truth(sp, e):
    """e as a condition: NumPy's truth of a number, nonzero (NaN too); a condition as it is."""
    if isinstance(e, (bool, np.bool_, sp.logic.boolalg.BooleanAtom)) or not isinstance(
        e, (sp.Expr, int, float, np.number)
    ):
        return e
    return sp.Ne(e, 0) if isinstance(e, sp.Expr) else sp.true if e != 0 else sp.false


def _negated(conditions, sp):
    return np.frompyfunc(lambda c: sp.Not(c), 1, 1)(np.asarray(conditions, dtype=object))


def _as_number(conditions, sp):
    out = np.empty(np.shape(conditions), dtype=object)
    for j, c in enumerate(np.ravel(conditions)):
        out.flat[j] = sp.Piecewise((sp.Integer(1), c), (sp.Integer(0), True))
    return out


def _as_object(value):
    kind = np.asarray(value).dtype.kind
    if kind == "c":  # a complex constant: SymPy numbers a + b·I
        import sympy as sp

        parts = np.asarray(value, dtype=complex)
        out = np.empty(parts.shape, dtype=object)
        for j, z in enumerate(parts.flat):
            out.flat[j] = sp.Float(z.real) + sp.I * sp.Float(z.imag) if z.imag else sp.Float(z.real)
        return out
    if kind == "b":
        return np.asarray(value)
    out = np.asarray(value, dtype=float).astype(object)
    zeros = np.signbit(np.asarray(value, dtype=float)) & (np.asarray(value, dtype=float) == 0.0)
    if zeros.any():  # (SymPy has no −0.0: Float(−0.0) is 0.0, so arctan2(x, −0.0)'s value was π/2 at x = 0, not π)
        out[zeros] = _negative_zero()()
    return out


def _negative_zero():
    """A SymPy constant function valued −0.0 (as NumPy's constant), which SymPy keeps unevaluated: its sign reaches
    arctan2, copysign and 1/x as the other methods' constant does."""
    from ..ops.core import SYMPY_TRACED, sympy_function

    SYMPY_TRACED["difflab_negative_zero"] = lambda: -0.0
    return sympy_function(
        "difflab_negative_zero", lambda: -0.0, lambda args, i: 0, lambda: __import__("mpmath").mpf(0), lambda: -0.0
    )


def exact(prepared, args, kind="jacobian", dps=40):
    """A symbolic prepared object's `kind` expressions evaluated in `dps`-digit arithmetic (mpmath),
    rounded to float64; over a batch (its `batch_inputs`), the mean of the examples' values."""
    import sympy as sp

    exprs = prepared.exprs(kind)  # first: expanding may find the per-example structure (the rows)
    rows = prepared.batch_inputs
    size = max([len(args[i]) for i in rows], default=1)
    total = [sp.Integer(0)] * len(exprs)
    for k in range(size):
        one = [a[k : k + 1] if i in rows else a for i, a in enumerate(args)]
        vals = dict(zip(prepared.symbols, [sp.Float(float(x), dps) for a in one for x in np.ravel(a)]))
        for s, e in prepared.program.needed(exprs):
            vals[s] = _evaluated(e, vals, dps)
        total = [t + _as_float(_evaluated(sp.sympify(e), vals, dps), dps) for t, e in zip(total, exprs)]
    return np.array([float(sp.N(t / size, dps)) for t in total])


def _evaluated(e, vals: dict, dps: int):
    """e at `vals` (symbol -> an mpmath number or a SymPy value) in `dps` digits: by mpmath where every node is plain
    arithmetic on finite reals (`_mp_value`), else as SymPy evaluates it, `sp.N(e.xreplace(vals), dps)`. Why: SymPy's
    construction of each node (Mul's flattening, the assumptions it asks of each new Float) was most of `exact`'s
    time (elliprd_dz's 7,632 assignments over 12 elements), for the same digits. Either way, rounded to dps digits."""
    import mpmath

    try:
        with mpmath.workdps(dps):
            v = _mp_value(e, vals, {})
    except (ArithmeticError, TypeError, ValueError):  # (mpmath's 1/0)
        v = None
    if v is None:
        return _sympy().N(e.xreplace({u: _as_float(vals[u], dps) for u in e.free_symbols if u in vals}), dps)
    return v


def _as_float(v, dps: int):
    """A value of `_evaluated` as SymPy's (an mpmath number as a dps-digit Float)."""
    return _sympy().Float(v, dps) if type(v).__name__ == "mpf" else v


def _mp_value(e, vals: dict, memo: dict):
    """e as an mpmath real at mpmath's working precision, each node rounded there as SymPy's evaluation of it at
    Floats of that precision rounds it: numbers, Add, Mul, Pow, a registry function by its `mp_impl` (as its
    `_eval_evalf`), SymPy's exp, log, sin, cos, tan by mpmath's, a Piecewise by `_mp_piece`; None at any other
    node and at a complex or non-finite value, whose SymPy forms (zoo, I) mpmath's do not follow."""
    import mpmath

    if e.is_Symbol:
        v = vals.get(e)
        if v is None or type(v).__name__ == "mpf":
            return v if v is not None and mpmath.isfinite(v) else None
        return mpmath.mpf(v) if (v.is_Float or v.is_Integer) and v.is_finite else None
    if e.is_Number:
        if e.is_Float or e.is_Integer:
            return mpmath.mpf(e) if e.is_finite else None  # (nan, oo, zoo: SymPy's rules)
        return mpmath.mpf(e.p) / e.q if e.is_Rational else None
    if e in memo:
        return memo[e]
    if e.is_Piecewise:  # (only the piece taken: its value is the Piecewise's, as SymPy's evaluation picks it)
        memo[e] = v = _mp_piece(e, vals, memo)
        return v
    args = [_mp_value(a, vals, memo) for a in e.args]
    if any(a is None for a in args):
        v = None
    else:
        if e.is_Add:
            v = mpmath.fsum(args)
        elif e.is_Mul:
            v = mpmath.fprod(args)
        elif e.is_Pow:
            v = args[0] ** (int(e.exp) if e.exp.is_Integer else args[1])
        elif getattr(type(e), "difflab_mp", None) is not None:
            v = _mp_call(type(e), tuple(args), mpmath.mp.prec)
        elif (f := _mp_functions().get(type(e))) is not None and len(args) == 1:
            v = f(args[0])
        else:
            v = None
    # (rounded to the working precision: a function's value may carry more)
    memo[e] = v = +v if type(v).__name__ == "mpf" and mpmath.isfinite(v) else None
    return v


def _mp_piece(e, vals: dict, memo: dict):
    """A Piecewise's value by `_mp_value`: its first piece whose condition holds (True, or an order or (in)equality of
    two plain values, compared exactly as SymPy compares two Floats); None where a condition is anything else."""
    for value, cond in e.args:
        if cond is not _sympy().true:
            if not cond.is_Relational or cond.rel_op not in ("<", "<=", ">", ">=", "==", "!="):
                return None
            a, b = _mp_value(cond.lhs, vals, memo), _mp_value(cond.rhs, vals, memo)
            if a is None or b is None:
                return None
            if not {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[cond.rel_op]:
                continue
        return _mp_value(value, vals, memo)
    return None


@functools.lru_cache(maxsize=1024)
def _mp_call(fn, args: tuple, prec: int):
    """A registry function's `mp_impl` at mpf args (once per arguments and precision, as its `_eval_evalf`'s: one
    element's assignments call RD at the same arguments several times)."""
    return fn.difflab_mp(*args)


@functools.cache
def _mp_functions() -> dict:
    """SymPy's elementary functions and mpmath's (`_mp_value`)."""
    import mpmath
    import sympy as sp

    return {sp.exp: mpmath.exp, sp.log: mpmath.log, sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.tan: mpmath.tan}


#: named assignments a derivative at inputs of extreme magnitude is evaluated in 40 and 80 digits for
EXACT_MAX = 200
_TINY = float(np.finfo(np.float64).tiny)
#: inputs beyond these magnitudes make a derivative's products (u² of u = x², 1/u² of it) leave float64's range
_LARGE, _SMALL = 1e75, 1e-75
#: the digits a derivative at such inputs is evaluated in, two at a time; the second pair only where the first
#: disagreed: terms of 1/(4x) = 2.5e299 whose difference is -0.25 (hypot(sqrt(x), 1)'' at 1e-300 over nested symbolic
#: grads, 0.0 in 80 digits) cancel 300 digits, which 640 keep
_DIGITS = ((40, 80), (320, 640))


def in_range(prepared, args, kind, found):
    """`found` (a symbolic prepared object's generated `kind`), or at inputs of extreme magnitude its entries
    evaluated in 80 digits (`exact`) where 40 digits agree to 1e-15: the code's chain-rule products leave float64's
    range there while the derivative may not (log(x·x)'s second derivative at 7e149 was +2/x², -2/x² exactly;
    1/(x·x)'s slope at 1e100 was 0 for -2e-300), which reverse accumulation over named values cannot avoid. Where
    the two disagree, a cancellation beyond 40 digits decides (betaln's ψ(a) - ψ(a + b) at a = 1e155, which the
    registry's partial writes without it): evaluated again in 320 and 640 (`_DIGITS`), else the code's entry stands. Scalar programs of one example only, of
    functions whose mpmath values are theirs (SymPy's evaluation costs ~0.1 ms an assignment)."""
    assignments = prepared.program.assignments
    if _traced(args) or prepared.batch_inputs or not _extreme(args) or len(assignments) > EXACT_MAX:
        return found
    if not _exact_functions(assignments):
        return found
    for digits in _DIGITS:
        try:
            with np.errstate(all="ignore"):
                coarse, fine = (np.reshape(exact(prepared, args, kind, dps), np.shape(found)) for dps in digits)
        except (ArithmeticError, TypeError, ValueError):  # (an entry SymPy cannot make a number: the code's)
            return found
        with np.errstate(all="ignore"):
            agree = np.isfinite(fine) & np.isfinite(found) & (np.abs(coarse - fine) <= 1e-15 * np.abs(fine))
        if agree.all():
            break
    return np.where(agree, fine, found)


def exact_entries(prepared, args, kind, found, where):
    """`found` (generated code's `kind` at float `args`, shaped as it) with its entries at `where` (a mask) evaluated
    in 40 and 80 digits (`exact`) where the two agree to 1e-15 and are finite and in float64's normal range; None where
    `exact` cannot evaluate it (a program of more than `EXACT_MAX` assignments, a function whose mpmath form is not
    ours, SymPy failing to make a number). `prepared`: a symbolic prepared object, or its `Vector` (JVP, VJP)."""
    if len(prepared.program.assignments) > EXACT_MAX or not _exact_functions(prepared.program.assignments):
        return None
    try:
        with np.errstate(all="ignore"):
            coarse, fine = (np.reshape(exact(prepared, args, kind, dps), np.shape(found)) for dps in _DIGITS[0])
    except (ArithmeticError, TypeError, ValueError):
        return None
    with np.errstate(all="ignore"):
        good = np.isfinite(fine) & (np.abs(fine) >= _TINY) & (np.abs(coarse - fine) <= 1e-15 * np.abs(fine))
    return np.where(where & good, fine, found)


def lifted_exactly(prepared, args, kind, found):
    """`found` (generated code's `kind` at float `args`), or where it has an entry below float64's normal range and an
    op whose rule lifts its underflowed partial underflowed at `args` (`base.lifting_underflowed`: exp's e^-800, which
    the closed form rounds to 0 before a constant 3e200 multiplies it: -0.0 for -1.1e-147, where forward and reverse
    mode keep it), those entries evaluated in 40 and 80 digits (`exact_entries`) where the tape's rules lift one
    (`_lifted_by_rules`); where that cannot be done, found, with a DerivativeRangeWarning naming the equation. Only for
    one example's scalar program of concrete inputs. Gates per call: the graph's ops (once), one pass over found; then
    (an entry below the range) the graph evaluated; then (exp underflowed: a harmless e^-800 stops here) a reverse
    sweep per row with such an entry. Shape contract: as found."""
    found, eqn = _lift_gates(prepared, args, found)
    if eqn is None or not _lifted_by_rules(prepared, args, np.abs(found) < _TINY):
        return found
    fixed = exact_entries(prepared, args, kind, found, np.abs(found) < _TINY)
    if fixed is None:
        _say_unlifted(prepared.graph, args, eqn=eqn)
        return found
    return fixed


def say_unlifted(prepared, args, jac, hessian: bool = False):
    """The numeric method's `lifted_exactly`, said only: its stencils difference f's values, where e^-800 is 0 at
    every point, so grad(3e200·Σe^-x) at [800, 1] is 0 for -1.1e-147 (its error bound, ~1e189 there, covers it). Where
    `jac` ((m, n), concrete) has an entry below the normal range, an op whose rule lifts underflowed at `args` and the
    tape's own rules give a normal number there: a DerivativeRangeWarning naming the equation. Gates as lifted_exactly's
    (a harmless e^-800 costs an evaluation of the graph and a reverse sweep). `hessian`: jac is H (n, n), checked
    against forward mode over the tape's gradient sweep (`_hessian_by_rules`). Returns jac (as given)."""
    eqn = _lift_gates(prepared, args, jac)[1]
    if eqn is None:
        return jac
    small = np.abs(jac) < _TINY
    if np.any(_hessian_lifted(prepared, args, small)) if hessian else _lifted_by_rules(prepared, args, small):
        _say_unlifted(prepared.graph, args, eqn=eqn, who="the numeric method's differences of f's values round")
    return jac


def _lift_gates(prepared, args, found):
    """The gates lifted_exactly, say_unlifted and lifted_hessian share, cheapest first: concrete `args` and `found`,
    no batch, an op whose rule lifts in the graph, a float64 entry of found below float64's normal range, then (the
    graph evaluated) the equation whose lifting rule underflowed at args. Returns (found, as an array once concrete;
    that equation, or None where a gate stops)."""
    if _traced(args) or isinstance(found, Traced) or getattr(prepared, "batch_inputs", None) or not _lifts(prepared):
        return found, None
    found = np.asarray(found)
    if found.dtype != np.float64 or not found.size or not np.min(np.abs(found)) < _TINY:
        return found, None
    return found, lifting_underflowed(prepared.graph, args)


def say_unlifted_jvp(prepared, args, v, jv):
    """The numeric method's J v along a tangent without a large entry (`base._lifted` says the others), said where
    it may lack a term: a large factor inside f (3e200·e^-x at 800 along 1; numeric hvp's differences of the traced
    gradient of 3e200·Σe^-x at [800, 1], H v 0 for 1.1e-147), which the differences of f's values round to 0 at every
    point. Where jv (m,) has an entry below the normal range, an op whose rule lifts underflowed at `args` and forward
    mode's JVP of the same graph (prepared once, kept on `prepared`) gives a normal number there: a
    DerivativeRangeWarning naming the equation. Gates as `say_unlifted`'s (`_lift_gates`); a harmless e^-800 costs an
    evaluation of the graph and a forward JVP. Returns jv (as given)."""
    got, eqn = (jv, None) if isinstance(v, Traced) else _lift_gates(prepared, args, jv)
    if eqn is None:
        return jv
    fwd = prepared.__dict__.get("_lift_forward")
    if fwd is None:
        from .forward import Forward

        fwd = prepared._lift_forward = Forward().prepare(prepared.graph, prepared.wrt)
    try:
        with trial_warnings(), np.errstate(all="ignore"):
            rules = np.ravel(fwd.jvp(list(args), np.asarray(v, dtype=float))[1])
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return jv
    if np.any((np.abs(np.ravel(got)) < _TINY) & np.isfinite(rules) & (np.abs(rules) >= _TINY)):
        _say_unlifted(prepared.graph, args, eqn=eqn, who="the numeric method's differences of f's values round")
    return jv


def _hessian_lifted(prepared, args, small):
    """`small` (H's shape, bool) where forward mode over the tape's gradient sweep gives a normal number there;
    all False where that sweep cannot be evaluated."""
    try:
        with trial_warnings(), np.errstate(all="ignore"):
            rules = np.reshape(_hessian_by_rules(prepared, args).jacobian(list(args))[1], np.shape(small))
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return np.zeros_like(small)
    return small & np.isfinite(rules) & (np.abs(rules) >= _TINY)


def lifted_hessian(prepared, args, H):
    """A symbolic Hessian (n, n) with its entries below float64's normal range evaluated in 40 and 80 digits
    (`exact_entries`) where an op whose rule lifts underflowed at `args` and the tape's rules (forward mode over the
    tape's gradient sweep, prepared once) give a normal number there: H[0, 0] of 3e200·Σe^-x at [800, 1] was 0 for
    1.1e-147 (the closed form rounds e^-800 first); where exact cannot, said. Gates as `lifted_exactly`'s: one pass
    over H, then the graph evaluated, then the rules' Hessian. Shape contract: as H."""
    H, eqn = _lift_gates(prepared, args, H)
    if eqn is None:
        return H
    where = _hessian_lifted(prepared, args, np.abs(H) < _TINY)
    if not where.any():
        return H
    small = over_limit(prepared.graph, EXACT_MAX) is None and prepared._expand(strict=False)  # (the tensor form's)
    fixed = exact_entries(prepared, args, "hessian", H, where) if small else None
    if fixed is None:
        _say_unlifted(prepared.graph, args, eqn=eqn)
        return H
    return fixed


def _hessian_by_rules(prepared, args):
    """Forward mode prepared over the tape's gradient sweep traced at `args` (kept on `prepared` unless the trace
    took a branch on their values)."""
    fwd = prepared.__dict__.get("_lift_hessian")
    if fwd is None:
        from .forward import Forward

        graph, wrt = prepared.graph, prepared.wrt
        t, xs, grads = trace_flat(lambda *xs: _sweep(graph, xs, wrt), list(args))
        fwd = Forward().prepare(sweep := outputs_of(t, xs, grads), wrt)
        if not sweep.specialised:
            prepared._lift_hessian = fwd
    return fwd


def _lifted_by_rules(prepared, args, small) -> bool:
    """Whether the tape's own VJP rules (reverse mode's, whose exp rule keeps 3e200·e^-800) give a finite number in
    the normal range at an entry of J that `small` marks ((m, n) flat: the closed form's entries below the range),
    one sweep per row with such an entry, its warnings dropped; True where a sweep raised (exact decides)."""
    graph, m, n = prepared.graph, prepared.m, prepared.n
    if m == 1:  # a loss: reverse mode's prepared gradient (compiled, its own lift checks), not an interpreted sweep
        return _lifted_by_reverse(prepared, args, np.ravel(small))
    small = np.reshape(small, (m, n))
    env: dict = {}
    try:
        with trial_warnings(), np.errstate(all="ignore"):
            evaluate(graph, *args, env=env)
            starts = np.cumsum([0] + [int(np.prod(s)) for s in prepared.out_shapes])
            for i in np.flatnonzero(small.any(axis=1)):
                k = int(np.searchsorted(starts, i, side="right")) - 1
                o = graph.outputs[k]
                if not isinstance(o, Var):  # (a constant output: a row of zeros)
                    continue
                seed = np.zeros(o.shape)
                seed.flat[i - starts[k]] = 1.0
                row = np.concatenate([np.ravel(r) for r in backward(graph, dict(env), prepared.wrt, {o: seed})])
                got = row[small[i]]
                if np.any(np.isfinite(got) & (np.abs(got) >= _TINY)):
                    return True
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return True
    return False


def _lifted_by_reverse(prepared, args, small) -> bool:
    """`_lifted_by_rules` for one output: reverse mode's gradient of the same graph, prepared once (kept on
    `prepared`), read where `small` marks. A harmless underflow (Σ exp(-x²) at x = 30) paid an interpreted evaluation
    and sweep, ~0.25 ms a call against ~9 µs."""
    rev = getattr(prepared, "_lift_reverse", None)
    if rev is None:
        rev = prepared._lift_reverse = Reverse().prepare(prepared.graph, prepared.wrt)
    try:
        with trial_warnings(), np.errstate(all="ignore"):
            got = np.ravel(rev.grad(list(args))[1])[small]
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return True
    return bool(np.any(np.isfinite(got) & (np.abs(got) >= _TINY)))


def lifted_result(prepared, args, result):
    """A symbolic Jacobian (m, n), or the matrix form's gradient leaves (a list), `lifted_exactly` (the leaves by the
    scalar program, where the graph's elements are within `EXACT_MAX`: its expansion is cheap). Shape: as result."""
    if not isinstance(result, list):
        return lifted_exactly(prepared, args, "jacobian", result)
    if _traced(args) or not _lifts(prepared) or not any([np.min(np.abs(g), initial=1.0) < _TINY for g in result]):
        return result
    small = getattr(prepared, "_lift_small", None)  # (the graph's size, once: ~11 µs a call otherwise)
    if small is None:
        small = prepared._lift_small = over_limit(prepared.graph, EXACT_MAX) is None
    if not small or not prepared._expand(strict=False):
        return result
    flat = np.concatenate([np.ravel(g) for g in result])
    fixed = lifted_exactly(prepared, args, "jacobian", flat)
    return result if fixed is flat else [np.reshape(p, np.shape(g)) for p, g in zip(_cut(fixed, result), result)]


def _cut(flat, like) -> list:
    """`flat` cut into pieces of the sizes of the arrays in `like`."""
    return np.split(flat, np.cumsum([np.size(g) for g in like])[:-1])


def _lifts(prepared) -> bool:
    """Whether a prepared object's graph has an op whose rule lifts an underflowed partial (kept on it)."""
    lifts = prepared.__dict__.get("_lifting")
    if lifts is None:
        lifts = prepared._lifting = any([lifting_partial(e.op) is not None for e in prepared.graph.eqns])
    return lifts


def _exact_functions(assignments) -> bool:
    """Whether named SymPy assignments use only SymPy's elementary functions and registry functions marked
    `exact_mp` (their mpmath form is the function: strong_mul's product, NumPy's log1p): those `exact` evaluates in
    its digits. A registry special function's mpmath form gave beta's a-partial at a = 1e155 as -9.1e-156 in 40
    and 80 digits alike, for -2.9e-264 (the registry's float partial was right)."""
    import sympy as sp

    allowed = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.asin, sp.acos, sp.atan)
    allowed += (sp.asinh, sp.acosh, sp.atanh, sp.Piecewise)  # (a Piecewise: strong_div's 0 where t is 0)
    return all(
        f.func in allowed or getattr(f.func, "difflab_exact_mp", False)
        for _, e in assignments
        for f in e.atoms(sp.Function)
    )


def _extreme(args) -> bool:
    """Whether an input holds a finite nonzero entry of magnitude above 1e75 or below 1e-75."""
    for a in args:
        v = np.abs(np.asarray(a))  # (complex entries: their modulus)
        if v.size and (np.any((v > _LARGE) & (v < np.inf)) or np.any((v < _SMALL) & (v > 0.0))):
            return True
    return False


def over_limit(graph, limit: int) -> str | None:
    """Why `graph` is too large to expand into SymPy scalars (every element of every value becomes
    an expression, ~20 µs each: refused rather than run for hours), or None."""
    deepest = max([len(v.shape) for v in graph.inputs] + [len(e.out.shape) for e in graph.eqns], default=0)
    if deepest > 32:  # (was NumPy's bare RuntimeError "this function only supports up to 32 dimensions")
        return (
            f"the symbolic method expands arrays element by element, which NumPy iterates over at most 32 axes; "
            f"this function has a value of {deepest}; use 'reverse' or 'forward', or reshape it to fewer axes"
        )
    elements = sum(int(np.prod(v.shape)) for v in graph.inputs) + sum(int(np.prod(e.out.shape)) for e in graph.eqns)
    if elements <= limit:
        return None
    return (
        f"the symbolic method would expand {elements:.3g} array elements into SymPy expressions "
        f"(~{elements * 2e-5:.3g} s before differentiating), over its limit of {limit:.3g}; "
        f"use 'reverse' or 'forward' for inputs this large"
    )


def name_singular(prepared, args, outs, result, order=1, lift=True):
    """Name the equation behind an infinite derivative as forward and reverse mode do (sqrt's at 0,
    DESIGN.md §6): generated code computes inf there silently, so the tape's VJP rules are swept
    once more (every output seeded with ones; for `order` 2 over the gradient's own traced sweep)
    to issue the same DomainWarning. Only for concrete, finite inputs whose values are finite and
    whose derivative (`result`) is not: a NaN or inf in the inputs or the values is reported where
    it arises. Returns (outs, result), a first derivative (J, or the matrix form's gradient leaves)
    with `lifted_result`'s entries unless not `lift` (the directional products: base._lifted's)."""
    if order == 1 and lift:
        result = lifted_result(prepared, args, result)
    elif lift:
        result = lifted_hessian(prepared, args, result)
    if _traced(args) or prepared.batch_inputs or _finite(result) or not (_finite(outs) and _finite(args)):
        return outs, result
    graph, wrt = prepared.graph, prepared.wrt
    if order == 2:  # the gradient as a graph: its derived equations name the user's (Eqn.source)
        t, xs, grads = trace_flat(lambda *xs: _sweep(prepared.graph, xs, wrt), list(args))
        graph = outputs_of(t, xs, grads)
    with np.errstate(invalid="raise", divide="raise"):  # as reverse's sweep: the rules name the equation
        _sweep(graph, args, wrt)
    return outs, result


def nonfinite_rows(H, g):
    """The Hessian H (n, n) with NaN rows where the gradient entry g[i] they differentiate is not finite: a
    derivative of a value that is not finite is NaN, the guard every operator applies to a derivative it
    differentiates (finite_or_nan), so the native Hessian gives what forward or reverse over any method gives.
    d²/db² 0.5/b at 1e-300: the gradient -5e599 overflows; NaN, not the +inf that 1/b³ would round to (which a
    method differentiating the overflowed gradient cannot tell from inf - inf). Traced values: H unchanged."""
    if _traced([H, g]) or np.isfinite(g).all():
        return H
    H = np.array(H, dtype=float)
    H[~np.isfinite(np.asarray(g, dtype=float))] = np.nan
    return H


def _sweep(graph, args, wrt) -> list:
    """The tape's VJP rules at `args`, every output seeded with ones."""
    env: dict = {}
    evaluate(graph, *args, env=env)
    return backward(graph, env, wrt, {o: np.ones(o.shape) for o in graph.outputs if isinstance(o, Var)})


def floats(args) -> list:
    """Concrete arguments as float64 arrays, as generated code takes them."""
    return [np.asarray(a, dtype=float) for a in args]


def _finite(values) -> bool:
    """Whether every number in `values` (an array, a float, a list of them) is finite; True for a
    value of an enclosing trace (a closure over it: its derivative runs on traced values)."""
    if isinstance(values, (list, tuple)):
        return all(_finite(v) for v in values)
    if isinstance(values, Traced):
        return True
    return bool(np.isfinite(np.asarray(values, dtype=float)).all())


def _traced(args) -> bool:
    return any(isinstance(a, Traced) for a in args)


def _sympify(x):
    from sympy import sympify

    return sympify(x)


def _sympy_piecewise():
    from sympy import Piecewise

    return Piecewise


def _sympy_derivative():
    from sympy import Derivative  # (SymPy is imported lazily: `import difflab` does not load it)

    return Derivative
