"""The symbolic method's JVP and VJP as one derivative each (differentiators/directional.py): J v as
the directional derivative (m expressions), uᵀJ as the gradient of uᵀf (n expressions), never the
m·n Jacobian; equal to reverse's products, strong zeros and nesting included."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import Symbolic
from difflab.errors import DomainWarning

A = np.array([[0.7, -0.4, 0.2], [0.1, 0.5, -0.3]])


def f(x, w):  # two inputs, two outputs (a vector and a scalar)
    return dnp.tanh(A @ x) * w, dnp.sum(dnp.sin(x) * x**2) + dnp.exp(w)


X, W = np.array([0.3, -0.2, 0.8]), 0.4
V = (np.array([0.5, -1.0, 0.25]), -0.7)
U = (np.array([1.5, -0.5]), 2.0)


def test_jvp_and_vjp_equal_reverse_s():
    y, jv = dl.jvp(f, (X, W), V, method="symbolic")
    y_r, jv_r = dl.jvp(f, (X, W), V, method="reverse")
    for a, b in zip(y + jv, y_r + jv_r):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    y, pullback = dl.vjp(f, X, W, method="symbolic")
    _, pullback_r = dl.vjp(f, X, W, method="reverse")
    for a, b in zip(pullback(U), pullback_r(U)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_the_products_write_m_and_n_derivatives_not_the_jacobian():
    graph = dl.trace(lambda x: dnp.tanh(A @ x) * dnp.sum(x**2), X)  # m = 2 outputs, n = 3 inputs
    prepared = Symbolic().prepare(graph, (0,))
    _, jv = prepared.jvp([X], V[0])
    _, pullback = prepared.vjp([X])
    g = pullback(U[0])
    jac = dl.jacobian(lambda x: dnp.tanh(A @ x) * dnp.sum(x**2), method="reverse")(X)
    np.testing.assert_allclose(jv, jac @ V[0], rtol=1e-13)
    np.testing.assert_allclose(g, U[0] @ jac, rtol=1e-13)
    assert len(prepared.vector.exprs("value+jvp")) == 2 + 2  # values, then J v
    assert len(prepared.vector.exprs("vjp")) == 3
    assert "jacobian" not in prepared._exprs and "value+jacobian" not in prepared._exprs


def test_strong_zeros_a_zero_direction_never_meets_an_infinite_partial():
    x = np.array([0.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)  # nothing infinite is reached: no warning either
        _, jv = dl.jvp(dnp.sqrt, (x,), (np.array([0.0, 1.0]),), method="symbolic")
        _, pullback = dl.vjp(dnp.sqrt, x, method="symbolic")
        (g,) = pullback(np.array([0.0, 1.0]))
    np.testing.assert_array_equal(jv, [0.0, 0.25])
    np.testing.assert_array_equal(g, [0.0, 0.25])
    with pytest.warns(DomainWarning, match="sqrt"):  # along the infinite partial: inf, named
        _, jv = dl.jvp(dnp.sqrt, (x,), (np.array([1.0, 1.0]),), method="symbolic")
    assert jv[0] == np.inf


def _g(x):
    return f(x, W)[0]


#: the shim's second-order checks: the inner product runs on the outer trace's x and v (or u)
INNER = {
    "jvp": lambda method: lambda x, v: dl.jvp(_g, (x,), (v,), method=method)[1],
    "vjp": lambda method: lambda x, u: dl.vjp(_g, x, method=method)[1](u)[0],
}


@pytest.mark.parametrize("outer", ["symbolic", "reverse"])
@pytest.mark.parametrize("product", list(INNER))
def test_jvp_of_a_symbolic_jvp_or_vjp_equals_reverse_over_reverse(product, outer):
    args = (X, V[0]) if product == "jvp" else (X, U[0])
    tangents = (V[0], X[::-1]) if product == "jvp" else (V[0], U[0][::-1])
    got = dl.jvp(INNER[product]("symbolic"), args, tangents, method=outer)
    want = dl.jvp(INNER[product]("reverse"), args, tangents, method="reverse")
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("x", [np.array([0.3, 1.2, -0.5, 0.9]), np.array([1.2, 0.3, 1.2, -0.5])])  # one top; a tie
def test_a_max_reduction_s_symbolic_derivative_runs_on_traced_values(x):
    # its partial is SymPy's max_weight(i, x0, x1, ...) (1/k at one of k equal maxima), written with difflab's ops
    def inner(method):
        return lambda x, v: dl.jvp(lambda x: dnp.max(x) * dnp.sum(x), (x,), (v,), method=method)[1]

    v, t = np.array([0.5, -1.0, 0.25, 2.0]), (np.array([1.0, 0.5, -0.5, 0.25]), np.array([0.3, 0.1, -0.2, 1.0]))
    got = dl.jvp(inner("symbolic"), (x, v), t, method="reverse")
    want = dl.jvp(inner("reverse"), (x, v), t, method="reverse")
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_a_traced_tangent_at_plain_primals():
    seen = []

    def jv(v):
        y, t = dl.jvp(_g, (X,), (v,), method="symbolic")
        seen.append(y)
        return t

    jac = dl.jacobian(jv, method="reverse")(V[0])
    np.testing.assert_allclose(jac, dl.jacobian(_g, method="reverse")(X), rtol=1e-13)
    assert type(seen[-1]) is np.ndarray  # the outputs stay plain values


def test_one_example_code_shares_repeated_subtrees_without_rebuilding_them(monkeypatch):
    """The code for one example (compile.SymbolicCode on Python floats) is compiled for a few calls (each
    of autograd's combo_check shapes, to second order): `scalar_code` prints each assignment and each repeated
    subtree once, its parts by name, without SymPy's cse (whose common-factor search, opt_cse, was half its
    time) or tree_cse (which rebuilt every shared tree before lambdify printed it), and prints sums in SymPy's
    own term order (no sort). The numbers stay the exact derivative's."""
    import sympy as sp
    import importlib

    cse_main = importlib.import_module("sympy.simplify.cse_main")

    from difflab.compile.symbolic import scalar_code

    def refused(*args, **kwargs):
        raise AssertionError("SymPy's cse ran for the one-example code")

    monkeypatch.setattr(cse_main, "opt_cse", refused)
    monkeypatch.setattr(cse_main, "tree_cse", refused)
    x = np.array([0.3, -1.2, 2.0])
    v = np.array([1.0, 0.5, -2.0])
    f = lambda x: dnp.sin(x * x[::-1]) * dnp.exp(x)  # noqa: E731
    _, jv = dl.jvp(f, (x,), (v,), method="symbolic")
    y = x * x[::-1]
    want = np.cos(y) * (v * x[::-1] + x * v[::-1]) * np.exp(x) + np.sin(y) * np.exp(x) * v
    np.testing.assert_allclose(jv, want, rtol=1e-14)
    g = dl.grad(lambda x: dnp.sum(f(x) * v), method="symbolic")(x)
    np.testing.assert_allclose(g, dl.grad(lambda x: dnp.sum(f(x) * v), method="reverse")(x), rtol=1e-14)
    a, b, c = sp.symbols("a b c", real=True)
    fn = scalar_code([a, b], [(c, sp.exp(a))], [sp.sin(a * b) + a * b, sp.cos(a * b) * c])
    assert fn.source.count("_a0*_a1") == 1 and fn.source.count("math.exp") + fn.source.count("exp(") == 1
    assert fn(0.5, 2.0) == pytest.approx((np.sin(1.0) + 1.0, np.cos(1.0) * np.exp(0.5)), rel=1e-15)
