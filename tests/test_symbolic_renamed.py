"""The symbolic method takes SymPy's `diff` once per structure of an elementwise translation, not once per element
(program._renamed_diff): a fresh symbolic gradient of users' complex code paid SymPy's diff for every entry."""

from __future__ import annotations

import numpy as np
import sympy

import difflab as dl


def _f(x):
    z = (x + 2j) / (x[::-1] + 1j)  # (each entry's real and imaginary parts: one structure, over new symbols)
    return np.real(z * np.conj(z)).sum()


def _expected(x):
    """∑ (x_i² + 4)/(x_r(i)² + 1), r(i) = n − 1 − i: its gradient by hand."""
    r = x[::-1]
    return 2 * x / (r**2 + 1) - (r**2 + 4) * 2 * x / (x**2 + 1) ** 2


def test_sympy_diff_calls_do_not_grow_with_the_elements(monkeypatch):
    calls = [0]
    diff = sympy.Expr.diff

    def counting(self, *args, **kwargs):
        calls[0] += 1
        return diff(self, *args, **kwargs)

    monkeypatch.setattr(sympy.Expr, "diff", counting)
    counts = []
    for n in (3, 9):
        calls[0] = 0
        x = np.linspace(0.3, 1.7, n)
        g = dl.grad(_f, method="symbolic")(x)
        np.testing.assert_allclose(g, _expected(x), rtol=1e-14, atol=1e-15)
        counts.append(calls[0])
    assert counts[1] <= counts[0], counts  # (before: 179 then 565 calls, a diff per entry's part)


def test_maximum_of_two_real_values_asks_sympy_no_order(monkeypatch):
    """max(a, b) of two named real values: a > b is undecided, built so without asking SymPy's assumptions."""
    import sympy.core.relational as relational

    asked = [0]
    is_gt = relational.is_gt

    def counting(*args, **kwargs):
        asked[0] += 1
        return is_gt(*args, **kwargs)

    monkeypatch.setattr(relational, "is_gt", counting)
    x = np.array([0.5, 2.0, -1.0, 3.0])
    f = dl.prepare(lambda x: np.maximum(np.sin(x), np.cos(x[::-1])).sum(), x, method="symbolic")
    assert f(x) == np.maximum(np.sin(x), np.cos(x[::-1])).sum()  # (the prepared value: its SymPy translation)
    assert asked[0] <= 2 * x.size, asked  # (Piecewise's own canonical forms; before: 16, 2 more per maximum)
    r = x[::-1]
    expected = np.where(np.sin(x) > np.cos(r), np.cos(x), 0.0) - np.where(np.cos(x) > np.sin(r), np.sin(x), 0.0)
    np.testing.assert_allclose(f.grad(x), expected, rtol=1e-15)


def test_registry_partials_template_renamed_as_xreplace_builds_it():
    """A registry partials' template is instantiated per element by renaming an earlier instance of the same
    order of names and assumptions, unevaluated (program._instantiated): the same expressions, argument order
    included, as SymPy's evaluating xreplace; names in another order are built afresh. End to end: arctan2(y, x)'s
    gradient by hand, -y/(x² + y²) in x and x/(x² + y²) in y."""
    from difflab.differentiators import program as P

    op = dl.ops.REGISTRY["arctan2"]
    template, _, built = P._template(op, {}, (None, None))
    assert template.assignments

    def names(out, a, b, prefix):
        s = dict(zip([arr[()] for arr in template.inputs], sympy.symbols(f"{out} {a} {b}", real=True)))
        s.update((t, sympy.Symbol(f"{prefix}_{k}", real=True)) for k, (t, _) in enumerate(template.assignments))
        return s

    cases = [names("v2", "v0", "v1", "dv2"), names("v5", "v3", "v4", "dv5"), names("a", "z", "b", "da")]
    for k, m in enumerate(cases):
        reused = P._signature(m) in built
        assert reused == (k == 1), k  # the second keeps the first's order; the third does not
        got = P._instantiated(template, m, built)
        want = ([(m[s], e.xreplace(m)) for s, e in template.assignments], [p.xreplace(m) for p in template.outputs])
        assert got[0] == want[0] and got[2] == want[1]
        assert [sympy.srepr(e) for _, e in got[0]] == [sympy.srepr(e) for _, e in want[0]]

    x, y = np.array([0.3, -2.0, 1e-3]), np.array([1.5, 0.25, -4.0])
    gx, gy = dl.grad(lambda x, y: np.arctan2(y, x).sum(), argnums=(0, 1), method="symbolic")(x, y)
    np.testing.assert_allclose(gx, -y / (x**2 + y**2), rtol=1e-14)
    np.testing.assert_allclose(gy, x / (x**2 + y**2), rtol=1e-14)
