"""A registry partials' template renamed per element (program._instantiated) builds SymPy's functions (sin, cos:
DefinedFunction in SymPy 1.14) and Eq unevaluated by their constructors, not under SymPy's `evaluate(False)`,
whose entry and exit each clear SymPy's whole cache (symbolic63: 1,188 clears in 29 symbolic cells, now 279)."""

from __future__ import annotations

import numpy as np
import sympy

import difflab as dl


def test_a_template_with_trigonometric_partials_keeps_sympy_s_cache(sympy_clears):
    cleared = sympy_clears()
    x = np.array([0.3, -1.2, 2.5])
    g = dl.grad(lambda x: (np.sin(x) * x[::-1]).sum(), method=dl.Symbolic(matrix=False))(x)
    # ∂/∂x_i Σ sin(x_j)·x_{n-1-j} = cos(x_i)·x_{n-1-i} + sin(x_{n-1-i})
    np.testing.assert_allclose(g, np.cos(x) * x[::-1] + np.sin(x[::-1]), rtol=1e-14)
    assert cleared[0] == 0, cleared  # (main: 2 clears per element after the first of each name order)


def test_renamed_function_and_equality_as_xreplace_builds_them():
    """The unevaluated rename gives the expressions SymPy's evaluating xreplace gives, argument order included."""
    from difflab.differentiators import program as P

    a, b, c, d = sympy.symbols("a b c d", real=True)
    for e in (sympy.cos(a) * b + sympy.sin(a + b), sympy.exp(-a) / b, sympy.Eq(a, b), sympy.Ne(a * b, 1)):
        got, want = P._xreplaced_all({a: c, b: d}, [e])[0], e.xreplace({a: c, b: d})
        assert sympy.srepr(got) == sympy.srepr(want), (got, want)


def test_expressions_renamed_under_sympy_s_flag_share_one_context(sympy_clears):
    """Two assignments holding an ITE (no constructor flag reaches it) renamed in one instantiation: one
    `evaluate(False)` context, 2 cache clears (main: one context per expression, 4)."""
    from difflab.differentiators import program as P

    a, b, t1, t2 = sympy.symbols("a b t1 t2", real=True)
    cond = sympy.ITE(a > 0, b > 0, b < 0)
    template = P.Program(
        [np.array(a, dtype=object), np.array(b, dtype=object)],
        [(t1, sympy.Piecewise((a * b, cond), (b, True))), (t2, sympy.Piecewise((t1 + a, cond), (a, True)))],
        [t2],
    )
    built: dict = {}
    first = dict(zip((a, b, t1, t2), sympy.symbols("x1 x2 y1 y2", real=True)))
    P._instantiated(template, first, built)
    cleared = sympy_clears()
    second = dict(zip((a, b, t1, t2), sympy.symbols("p1 p2 q1 q2", real=True)))
    assert P._signature(second) in built
    got = P._instantiated(template, second, built)
    assert got[0] == [(second[s], e.xreplace(second)) for s, e in template.assignments]
    assert got[2] == [second[t2]]
    assert cleared[0] == 2, cleared
