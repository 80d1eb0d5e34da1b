"""The symbolic method's chain-rule products and sums, built straight in SymPy's canonical form.

Why: the chain rule multiplies a named tangent or adjoint (a symbol) by a local partial (often a
symbol or a number) and sums such products, tens of thousands of times for one of autograd's
third-order checks run through difflab.peers.autograd_shim. SymPy's `a * b` and `Add(*terms)`
flatten every one in general (collecting powers and like terms, asking assumptions): 15–20 µs for
two symbols, 70 µs for a symbol times a Float. Where nothing can combine — two different symbols;
a symbol and a finite number other than 0 and 1; a sum of symbols and products whose non-numeric
parts all differ — SymPy's result is its arguments in SymPy's own order (`Basic.compare`, a number
first), and that object is built directly (`_from_args`). Anything else goes to SymPy. The results
are equal to SymPy's, arguments and their order included (tests/test_symbolic_canonical.py), so
the printed code, and every value it computes, is the same. `mul` and `add` translate with them
(a contraction's entries, Σ x·y, are most of what a nested check translates), and the symbolic
method's chain rule (differentiators/program.py) multiplies, sums and differentiates with them.
"""

from __future__ import annotations

from functools import cmp_to_key

__all__ = ["product", "plus", "total", "derivative"]


def _sympy():
    import sympy as sp  # (SymPy is imported lazily: `import difflab` does not load it)

    return sp


_ORDER = None


def _order():
    global _ORDER
    if _ORDER is None:
        _ORDER = cmp_to_key(_sympy().Basic.compare)
    return _ORDER


def _plain(c) -> bool:
    """A number that multiplies a symbol without folding: finite, not 0 and not 1."""
    return bool(c.is_finite) and not c.is_zero and c != 1


def product(a, b):
    """a·b, equal to SymPy's `a * b`."""
    if not (isinstance(a, _sympy().Basic) and isinstance(b, _sympy().Basic)):
        return a * b
    if a.is_Symbol:
        if b.is_Symbol and a != b:
            return _sympy().Mul._from_args(sorted((a, b), key=_order()))
        if b.is_Number and _plain(b):
            return _sympy().Mul._from_args((b, a))
        if b.is_Mul:
            return _symbol_times(a, b)
    elif b.is_Symbol:
        if a.is_Number and _plain(a):
            return _sympy().Mul._from_args((a, b))
        if a.is_Mul:
            return _symbol_times(b, a)
    elif a.is_Number and b.is_Mul:
        return _number_times(a, b)
    elif b.is_Number and a.is_Mul:
        return _number_times(b, a)
    return a * b


def _number_times(c, m):
    """c·m for a number c and a product m of a number and distinct symbols (−v_p·v_q, a complex rule's
    Re(a·b) = Re a·Re b − Im a·Im b): the coefficients multiplied, the symbols kept in their order; else SymPy's."""
    args = m.args
    first = 1 if args[0].is_Number else 0
    if (
        not (c.is_Rational and c != 0)
        or (first and not args[0].is_Rational)
        or not all(f.is_Symbol for f in args[first:])
    ):
        return c * m
    coefficient = c * args[0] if first else c
    rest = args[first:]
    if coefficient == 1:
        return rest[0] if len(rest) == 1 else _sympy().Mul._from_args(rest)
    return _sympy().Mul._from_args((coefficient,) + rest)


def _symbol_times(s, m):
    """s·m for a symbol s and a product m: m's arguments with s among them in SymPy's order, where m is a
    number and symbols other than s (a chain-rule partial times an adjoint: 2·v_p·v_q); else SymPy's."""
    args = m.args
    first = 1 if args[0].is_Number else 0
    if (first and not _plain(args[0])) or not all(f.is_Symbol and f != s for f in args[first:]):
        return s * m
    return _sympy().Mul._from_args(args[:first] + tuple(sorted(args[first:] + (s,), key=_order())))


def plus(a, b):
    """a + b, equal to `a + b` (Python numbers are added as Python adds them)."""
    if isinstance(a, _sympy().Basic) and isinstance(b, _sympy().Basic):
        return total([a, b])
    return a + b


def _key(t):
    """A term's non-numeric factors (what SymPy's Add collects like terms by), or None: not a simple term. A
    function's value is its own (a chain-rule product strong_mul(a, d): a Hessian's sums are mostly these)."""
    if t.is_Symbol or (t.is_Function and t.is_commutative):
        return (t,)
    if t.is_Mul and t.is_commutative:
        args = t.args
        if args[0].is_Number:
            return args[1:] if args[0].is_finite and len(args) > 1 else None
        return args
    return None


def total(terms):
    """The sum of `terms` (SymPy expressions or ints), equal to SymPy's `Add(*terms)`."""
    sp = _sympy()
    terms = [t for t in terms if not (t == 0 and (isinstance(t, int) or t is sp.S.Zero))]
    if len(terms) < 2:
        return sp.Add(*terms)  # (one term: itself, as SymPy makes it; none: 0)
    keys = set()
    for t in terms:
        k = _key(t) if isinstance(t, sp.Basic) else None
        if k is None or k in keys:
            return sp.Add(*terms)
        keys.add(k)
    return sp.Add._from_args(sorted(terms, key=_order()))


def _term_derivative(t, u):
    """∂t/∂u for a symbol, a number or a product of a number and distinct symbols or their integer powers
    (None: another term)."""
    sp = _sympy()
    if t.is_Symbol:
        return sp.S.One if t == u else sp.S.Zero
    if t.is_Number:
        return sp.S.Zero
    if _integer_power(t):  # u**k: k·u**(k−1) (a term of a sum of squares, Σ v_p²; 1/u)
        return sp.Mul(t.exp, t.base ** (t.exp - 1)) if t.base == u else sp.S.Zero
    if not t.is_Mul:
        return None
    factors = t.args[1 if t.args[0].is_Number else 0 :]
    if not all(a.is_Symbol or _integer_power(a) for a in factors):
        return None
    if u in t.args:
        rest = tuple(a for a in t.args if a != u)  # (still in SymPy's order; u appears once: else a power)
        return rest[0] if len(rest) == 1 else sp.Mul._from_args(rest)
    hit = [a for a in factors if not a.is_Symbol and a.base == u]
    if not hit:
        return sp.S.Zero
    k = hit[0].exp  # c·u^k·rest: k·c·u^(k−1)·rest (a product of named values with itself: X_ik X_ik)
    return sp.Mul(k, *[a for a in t.args if a is not hit[0]], u ** (k - 1))


def _integer_power(a) -> bool:
    """Whether a is s**k, s a symbol and k an integer other than 0 and 1: a negative k too, an opaque rule's
    division by a named value (1/σ_j, a named gap 1/(σ_q² − σ_p²)), whose derivative SymPy's `diff` took
    with its assumptions (most of a complex SVD's symbolic Hessian)."""
    return a.is_Pow and a.base.is_Symbol and a.exp.is_Integer and a.exp != 1


def derivative(e, u, other=None):
    """∂e/∂u, equal to SymPy's `e.diff(u)`, for e a product of symbols (or their integer powers, negative
    ones too) and a number or a sum of such terms (a contraction's entry, Σ x·y); None for any other e.
    `other(t, u)`: ∂t/∂u of a term (or e itself) of another kind, equal to SymPy's too (None: not taken)."""
    if e.is_Add:
        parts = []
        for t in e.args:
            reads, taken = _reach(t, other)
            if u in reads:
                d = _term(t, u, other)
                if d is None:
                    return None
                parts.append(d)
            elif not taken:  # (a term not taken is None in any symbol: its form decides, not u)
                return None
        return total(parts)  # (a term without u is 0, which `total` drops: not built)
    if e.is_Mul or _integer_power(e):
        return _term(e, u, other)
    return None if other is None or e.is_Atom else other(e, u)


_REACH: dict = {}  # (term, other) -> `_reach`'s answer, over every program (a term's symbols are its own)


def _reach(t, other):
    """(t's free symbols, whether its derivative is taken here): each term of a sum once. Why: a Hessian's second
    sweep differentiates the first sweep's adjoints, sums of tens of strong products, in each active symbol; asked
    term by term, 96% of the terms did not read the symbol (butler_volmer's Hessian: 61,135 of 63,379), each still
    built as strong_mul's chain rule of zeros. A term without u has derivative 0 when taken at all."""
    key = (t, other)
    found = _REACH.get(key)
    if found is None:
        if len(_REACH) > 100_000:  # (bounded: a long session's distinct terms)
            _REACH.clear()
        found = _REACH[key] = (t.free_symbols, _term(t, _absent(), other) is not None)
    return found


def _absent():
    """A symbol no expression reads: `_reach` asks with it whether a term's derivative is taken (0 when it is)."""
    global _ABSENT
    if _ABSENT is None:
        _ABSENT = _sympy().Dummy("absent", real=True)
    return _ABSENT


_ABSENT = None


def _term(t, u, other):
    d = _term_derivative(t, u)
    return other(t, u) if d is None and other is not None else d
