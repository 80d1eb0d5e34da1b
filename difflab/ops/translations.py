"""SymPy back to difflab: which op computes each SymPy node, read off the registry's own SymPy
translations (`sympy_ops`), so that the symbolic method's derivative expressions can be run as
difflab ops on traced values (compile/traced.py writes that code).

How it works. Each elementwise entry's translation is applied to fresh symbols p0, p1, ...: sin's
gives sin(p0), sqrt's Pow(p0, 1/2), strong_mul's strong_mul(p0, p1), greater's p0 > p1. A result
whose arguments are the symbols (in some order) and numbers is a template mapping that SymPy node
back to the op; where's Piecewise((p1, p0), (p2, True)) makes it the selecting op. SymPy's own
functions that its NumPy printer writes as a NumPy function (Abs, sign) map to the elementwise op
with that NumPy spelling. Add, Mul and other powers are left to the traced values' operators.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import REGISTRY, SYMPY_TRACED, spellings

__all__ = ["sympy_ops", "SympyOps"]

_SLOT = "slot"
_tables: list = [None, -1]


def sympy_ops() -> "SympyOps":
    """The registry's SymPy → op tables (regenerated whenever an op is added or removed).

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> op, args = sympy_ops().find(sp.sqrt(x))
    >>> op.name, args
    ('sqrt', [x])
    """
    if _tables[1] != REGISTRY.version:
        _tables[:] = [SympyOps(), REGISTRY.version]
    return _tables[0]


class SympyOps:
    """`templates`: {(SymPy class, argument pattern): (op, order)}: the op takes the node's
    arguments in the pattern's slots, the k-th slot as argument order[k]; `select`: (op, order) of the op whose translation of
    (c, a, b) is Piecewise((a, c), (b, True)), or None; `named`: {SymPy class name: op}."""

    def __init__(self):
        import sympy as sp

        self.templates: dict = {}
        self.select: Any = None
        self.named: dict = {}
        for op in list(REGISTRY.values()):
            if not (op.elementwise and op.sympy is not None and op.nargs):
                continue
            domain = tuple(op.domain) + ("real",) * op.nargs
            symbols = [sp.Symbol(f"p{i}", real=domain[i] != "bool") for i in range(op.nargs)]
            try:
                e = op.sympy(*[np.array(s, dtype=object) for s in symbols])[()]
            except Exception:  # a translation that only takes numbers: no template
                continue
            if isinstance(e, sp.Basic):  # (a plain number: the op is a constant, nothing to map)
                self._learn(sp, op, e, symbols)
        from sympy.printing.numpy import NumPyPrinter
        from sympy.printing.pycode import _known_functions

        known = {**_known_functions, **{k: v.split(".")[-1] for k, v in NumPyPrinter._kf.items()}}
        for cls, name in known.items():
            fn = spellings().numpy.get(name)
            if getattr(fn, "elementwise", False):  # SymPy's binary Max is not NumPy's reduction max
                self.named.setdefault(cls, fn)
        self.named.update(SYMPY_TRACED)  # named functions of non-elementwise entries (max_n)

    def _learn(self, sp, op, e, symbols):
        if isinstance(e, sp.Piecewise):
            if len(e.args) == 2 and e.args[1].cond == sp.true and self.select is None:
                parts = [e.args[0].cond, e.args[0].expr, e.args[1].expr]
                if sorted(map(str, parts)) == sorted(map(str, symbols)) and all(p in symbols for p in parts):
                    self.select = (op, [symbols.index(p) for p in parts])
            return
        if isinstance(e, (sp.Symbol, sp.Add, sp.Mul)) or not e.args:
            return
        order = [symbols.index(a) for a in e.args if a in symbols]
        if sorted(order) != list(range(len(symbols))) or not all(a in symbols or a.is_Number for a in e.args):
            return
        self.templates.setdefault((e.func, _pattern(e)), (op, order))

    def find(self, e):
        """(op, its arguments: SymPy expressions) computing SymPy node `e`, or None. A template
        with a number in it matches that number (Pow(x, 1/2): sqrt); one of symbols only matches
        numbers too (x > 0 is greater(x, 0))."""
        for pattern in (_pattern(e), (_SLOT,) * len(e.args)):
            hit = self.templates.get((e.func, pattern))
            if hit is not None:
                op, order = hit
                slots = [a for a, p in zip(e.args, pattern) if p is _SLOT]
                args = [None] * len(slots)
                for pos, k in enumerate(order):
                    args[k] = slots[pos]
                return op, args
        if type(e).__name__ in self.named:
            return self.named[type(e).__name__], list(e.args)
        if type(e).__name__ in SYMPY_TRACED:  # one named since these tables were made (core.held_value)
            return SYMPY_TRACED[type(e).__name__], list(e.args)
        return None


def _pattern(e) -> tuple:
    return tuple(a if a.is_Number else _SLOT for a in e.args)
