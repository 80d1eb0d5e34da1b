"""The symbolic Hessian's forward pass differentiates an adjoint by the terms its reverse sweep summed (symhess58):
a·d's tangent from ȧ·d and a·ḋ, ∂d/∂u of the small local partial d alone, through its inner sums
(program.Program._summed_partial, program._through_sums), not SymPy's `diff` of the built sum of products."""

from __future__ import annotations

import numpy as np
import pytest

import difflab as dl
from difflab.differentiators import program
from difflab.differentiators.program import Program


def _inverse_hessian(a):
    """The Hessian of Σ (A⁻¹)²_ij in A's entries (row-major): with B = A⁻¹ and unit directions E, F,
    d²f[E, F] = 2 Σ (BEB)∘(BFB) + 2 Σ B∘(BEBFB + BFBEB)."""
    b, n = np.linalg.inv(a), a.size
    units = [np.eye(n)[k].reshape(a.shape) for k in range(n)]
    return np.array(
        [
            [
                2 * np.sum((b @ e @ b) * (b @ f @ b)) + 2 * np.sum(b * (b @ e @ b @ f @ b + b @ f @ b @ e @ b))
                for f in units
            ]
            for e in units
        ]
    )


def test_hessian_of_an_inverse_differentiates_half_the_templates_main_did(monkeypatch):
    monkeypatch.setattr(program, "_TEMPLATE_DIFF", {})  # (SymPy's derivatives of expression templates, kept)
    made = []
    rows = Program.hessian_rows

    def counted(self, *args, **kw):
        before = len(program._TEMPLATE_DIFF)
        try:
            return rows(self, *args, **kw)
        finally:
            made.append(len(program._TEMPLATE_DIFF) - before)

    monkeypatch.setattr(Program, "hessian_rows", counted)
    x = np.array([0.2, 0.45, 0.7, 0.9])
    H = np.asarray(
        dl.hessian(lambda x: np.sum(np.linalg.inv(np.reshape(x, (2, 2)) + 3.0 * np.eye(2)) ** 2), method="symbolic")(x)
    )
    np.testing.assert_allclose(H, _inverse_hessian(x.reshape(2, 2) + 3.0 * np.eye(2)), rtol=1e-13, atol=1e-15)
    # the templates SymPy differentiated in the forward pass: main 60 (each adjoint's products a·d whole, their
    # partials' quotients 1/(a·d − b·c)² whole); here the partials d alone, their sums by placeholder: 30
    assert len(made) == 1 and 0 < made[0] <= 40, made


def test_strong_products_of_an_adjoint_keep_their_zero_times_infinity():
    """cbrt's second derivative at 0 is ∞ in 0·∞ form: the recorded terms' strong_mul chain rule keeps what SymPy's
    `diff` of the sum gave (NaN where a strong factor meets 0·∞, as forward and reverse over the rules)."""
    f = lambda x: np.sum(np.cbrt(x) * x[::-1])  # noqa: E731
    x = np.array([0.0, 1.0, 8.0])
    with pytest.warns(dl.DomainWarning, match="cbrt"):  # (the equation named, as reverse names it)
        sym = np.asarray(dl.hessian(f, method="symbolic")(x))
    with pytest.warns(dl.DomainWarning, match="cbrt"):
        rev = np.asarray(dl.hessian(f, method="reverse")(x))
    nan = np.isnan(rev)
    assert nan[0].all() and np.isinf(rev[2, 0]), rev  # (d/dx₀ of cbrt's ∞ slope at 0: row 0 NaN, H[2, 0] = ∞)
    np.testing.assert_array_equal(np.isnan(sym), nan)
    np.testing.assert_allclose(sym[~nan], rev[~nan], rtol=1e-13)


def test_sums_and_strong_products_are_sympy_s_own_built_directly(monkeypatch):
    """canonical.total of strong products and elementwise.strong_mul_of equal SymPy's Add and strong_mul (args and
    order included), built without Add.flatten and SymPy's Function constructor where nothing folds."""
    import sympy as sp

    from difflab.ops import canonical
    from difflab.ops.elementwise import strong_mul_of, strong_mul_sympy

    g, h, x, y = sp.symbols("g h x y", real=True)
    sm = strong_mul_sympy()
    terms = [sm(g, x * y), sm(h, x + y), -2.5 * sm(g, y), x, sp.exp(x)]
    want = [sp.Add(*terms), sm(g, x * y), sm(h, x + y), sm(g, 0), sm(g, 2.5), sm(g * h, sp.Float(1.5))]
    built = []
    monkeypatch.setattr(
        sp.Add, "flatten", classmethod(lambda cls, seq: built.append(cls) or (_ for _ in ()).throw(AssertionError))
    )
    got = [canonical.total(terms), strong_mul_of(g, x * y), strong_mul_of(h, x + y), strong_mul_of(g, sp.Integer(0))]
    got += [strong_mul_of(g, sp.Float(2.5)), strong_mul_of(g * h, sp.Float(1.5))]
    assert not built
    for a, b in zip(got, want):
        assert a == b and type(a) is type(b) and a.args == b.args and sp.srepr(a) == sp.srepr(b), (a, b)
    assert got[1].nargs == want[1].nargs
