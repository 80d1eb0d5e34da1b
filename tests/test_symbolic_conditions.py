"""Conditions in the symbolic method: a selection between conditions (where(c, a, b) with boolean a and b)
is SymPy's boolean if-then-else (ITE), not a Piecewise of conditions, and the compiled code prints an ITE
nested in And/Or with its parentheses. A complex max (NumPy's lexicographic order, written as such
selections) under symbolic-over-symbolic was the autograd suite's test_max/test_min over its 60 s limit:
SymPy folded each Piecewise condition and simplified its logic (issue 11)."""

import threading

import numpy as np
import sympy as sp
import sympy.functions.elementary.piecewise as piecewise

import difflab as dl
from difflab.compile.symbolic import scalar_code
from difflab.ops.elementwise import where

#: a tie in the real parts (1.1 and 1.1 + 0.4j): the imaginary parts decide
E = np.array([[0.3 + 0.1j, -1.2 + 0.5j, 0.3 - 0.2j], [1.1 + 0.0j, 1.1 + 0.4j, -0.5 + 0.3j]])
V = np.arange(6.0).reshape(2, 3) * (0.5 - 0.25j)


def test_where_between_conditions_is_an_ite():
    a, b, c, d = sp.symbols("a b c d", real=True)
    e = where.sympy(np.array(a > b, dtype=object), np.array(c < d, dtype=object), np.array(sp.false, dtype=object))
    assert e[()] == sp.ITE(a > b, c < d, sp.false)
    number = where.sympy(np.array(a > b, dtype=object), np.array(c, dtype=object), np.array(d, dtype=object))
    assert number[()] == sp.Piecewise((c, a > b), (d, True))  # between numbers: a Piecewise, as before


def test_nested_ite_condition_compiles_with_its_parentheses():
    a, b, c, d, x, y, u, w = sp.symbols("a b c d x y u w", real=True)
    lex = lambda p, q, r, s: sp.ITE(p > q, True, sp.ITE(sp.Eq(p, q), r < s, False))  # (p, r) > (q, s)
    e = sp.Piecewise((1.0, sp.ITE(lex(a, b, c, d), lex(x, y, u, w), False)), (0.0, True))
    f = scalar_code([a, b, c, d, x, y, u, w], [], [e])
    # the first false, the second true: 0 (printed bare, `p or q and r` read it as p or (q and r): 1)
    assert f(0.0, 1.0, 0.0, 0.0, 3.0, 1.0, 0.0, 0.0) == (0.0,)
    assert f(2.0, 1.0, 0.0, 0.0, 3.0, 1.0, 0.0, 0.0) == (1.0,)
    assert f(1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0) == (0.0,)  # a tie, then the second's tie breaks it false
    assert f(1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0) == (1.0,)


def test_complex_max_nested_symbolic_folds_no_condition(monkeypatch):
    folds = []
    fold = piecewise.piecewise_fold
    monkeypatch.setattr(piecewise, "piecewise_fold", lambda *a, **k: folds.append(1) or fold(*a, **k))

    def jvp_of_max(xv, method):
        return dl.jvp(lambda x: np.max(x), (xv[0],), (xv[1],), method=method)[1]

    got = dl.jvp(lambda xv: jvp_of_max(xv, "symbolic"), ((E, V),), ((V, E),), method="symbolic")
    # the max is E[1, 1] (ties E[1, 0] in its real part): its tangents V[1, 1] = 2 - 1j and E[1, 1]
    assert got[0] == 2 - 1j and got[1] == 1.1 + 0.4j
    want = dl.jvp(lambda xv: jvp_of_max(xv, "reverse"), ((E, V),), ((V, E),), method="reverse")
    assert got == want
    assert len(folds) == 0  # main: 856 folds of a Piecewise in a condition (8.5 s of CPU; 0.26 s now)


def test_a_graph_traced_again_is_prepared_once(monkeypatch):
    """A new function object (a closure built per call, a complex argument's realified function) is traced
    afresh; the same graph is prepared once (symbolic.structure_key), a different constant or index anew."""
    from difflab.differentiators import structure, symbolic

    built = []
    to_sympy = symbolic.to_sympy
    monkeypatch.setattr(symbolic, "to_sympy", lambda g: built.append(1) or to_sympy(g))
    monkeypatch.setattr(structure, "_local", threading.local())  # (an empty cache, this test's own)
    z = np.array([0.5 + 0.25j, -1.0 + 2.0j, 0.75 - 0.5j])
    v = np.array([1.0 - 1.0j, 0.5 + 0.0j, -2.0 + 1.0j])
    for _ in range(4):
        out, jv = dl.jvp(lambda x: x[1:] * np.sin(x[:2]) * 3.0, (z,), (v,), method="symbolic")
        assert np.allclose(jv, dl.jvp(lambda x: x[1:] * np.sin(x[:2]) * 3.0, (z,), (v,), method="reverse")[1])
    assert len(built) == 1  # main: 4
    for c, k in [(2.0, 1), (5.0, 1), (5.0, 0)]:  # another constant, another slice: prepared anew, right values
        got = dl.jvp(lambda x: x[k:] * np.sin(x[: 3 - k]) * c, (z,), (v,), method="symbolic")[1]
        want = (v[k:] * np.sin(z[: 3 - k]) + z[k:] * np.cos(z[: 3 - k]) * v[: 3 - k]) * c
        assert np.allclose(got, want, rtol=1e-13, atol=0)
    assert len(built) == 4


def test_a_vectorized_ite_condition_is_printed_without_simplifying_logic(monkeypatch):
    """The batch code's Piecewise prints each condition as it is, an ITE in it by `_print_ITE`: NumPyPrinter ran
    simplify_logic on such a condition, whose relations SymPy compares by evaluating both sides at random points
    (24 of 25 CPU-s of a random graph's symbolic Hessian, rgraph60). Values as the one-example code's, ties too."""
    import sympy.logic.boolalg as boolalg

    from difflab.compile.symbolic import vectorize
    from difflab.ops import SYMPY_NUMPY

    simplified = []
    monkeypatch.setattr(boolalg, "simplify_logic", lambda *a, **k: simplified.append(1) or a[0])
    x, y = sp.symbols("x y", real=True)
    pole = sp.ITE(x <= 0, sp.Eq(x, sp.floor(x)), sp.false)  # symbolic rgamma's pole condition
    e = sp.Piecewise((y, pole), (x * y, sp.ITE(x > y, y < 1, x < -1)), (x - y, True))
    points = np.array([[-3.0, 2.0], [-2.5, 2.0], [2.0, 0.5], [2.0, 3.0], [-1.5, -0.5], [0.0, 0.0], [1.0, 1.0]])
    fn, rows = vectorize([x, y], [], [e], SYMPY_NUMPY)
    one = scalar_code([x, y], [], [e])
    for p in points:
        V = np.zeros((rows, 1))
        V[:2, 0] = p
        assert fn(V)[0] == one(*p)[0]
    assert [one(*p)[0] for p in points] == [2.0, -5.0, 1.0, -1.0, 0.75, 0.0, 0.0]
    assert not simplified  # main: 2 (each condition holding an ITE)


def test_a_grouped_condition_on_a_shared_and_an_own_value_broadcasts():
    """Alike assignments make one NumPy line on (members, batch) blocks: a condition joining a test of a value the
    members share (one row) with tests of each member's own (k rows) is their logical_and over the operands broadcast,
    not NumPyPrinter's `logical_and.reduce((a, b))`, which stacks a ragged pair (a ValueError on main: a random
    graph's symbolic Hessian through rgamma's pole condition). Values as the one-example code's."""
    from difflab.compile.symbolic import vectorize
    from difflab.ops import SYMPY_NUMPY

    x, *ys = sp.symbols("x y0 y1 y2", real=True)
    named = [sp.Symbol(f"c{k}", real=True) for k in range(3)]
    pole = [sp.Piecewise((x, sp.And(sp.Eq(x, y), x <= 0)), (x * y, sp.Or(y > 1, x > 1)), (0.0, True)) for y in ys]
    assignments = list(zip(named, pole))
    fn, rows = vectorize([x, *ys], assignments, named, SYMPY_NUMPY)
    one = scalar_code([x, *ys], assignments, named)
    for p in ([-2.0, -2.0, 3.0, -1.0], [1.5, 1.5, 0.5, 2.0], [0.0, 0.0, 0.0, 1.0]):
        V = np.zeros((rows, 1))
        V[:4, 0] = p
        assert list(fn(V)) == list(one(*p))
    assert list(one(-2.0, -2.0, 3.0, -1.0)) == [-2.0, -6.0, 0.0]
