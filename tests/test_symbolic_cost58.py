"""The symbolic method's work outside its derivative (issue 17 §2, the suite's budget): a prepared function of arrays
called for its value (`p(x)`) answers from its matrix-level closed form (matrix.py), the value its gradient pairs
with, instead of translating the whole graph into SymPy for that value (on main: 40% of the user-code files'
symbolic gradient cells, a binomial tree's 820 maxima as SymPy Piecewise, 2.5 CPU-s of one cell)."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import symbolic


def _binomial_like(x):
    """A small max-tree over an array (the American option's shape): maxima of sums of neighbours."""
    v = x
    for _ in range(3):
        v = dnp.maximum(0.5 * (v[:-1] + v[1:]), dnp.tanh(v[1:]) - 0.1)
    return dnp.sum(v * v) + dnp.sum(dnp.exp(-x * x))


@pytest.fixture
def translations(monkeypatch):
    """A count of whole-graph SymPy translations (program.to_sympy) the symbolic method makes."""
    calls = [0]
    made = symbolic.to_sympy

    def counted(graph):
        calls[0] += 1
        return made(graph)

    monkeypatch.setattr(symbolic, "to_sympy", counted)
    return calls


def test_a_prepared_value_and_gradient_translate_no_graph_into_sympy(translations):
    x = np.array([0.3, -1.2, 0.8, 2.0, -0.4, 1.1])
    p = dl.prepare(_binomial_like, x, method="symbolic")
    value, g = p(x), p.grad(x)
    assert translations[0] == 0  # main: 1 (the scalar program, built for the value alone)
    want, want_g = dl.value_and_grad(_binomial_like, method="reverse")(x)
    # f's value to the bit (NumPy's, as value_and_grad's), the gradient as reverse's
    assert np.float64(value).tobytes() == np.float64(_binomial_like(x)).tobytes() == np.float64(want).tobytes()
    assert (
        np.float64(dl.value_and_grad(_binomial_like, method="symbolic")(x)[0]).tobytes() == np.float64(value).tobytes()
    )
    np.testing.assert_allclose(g, want_g, rtol=1e-13, atol=1e-15)


def test_a_scalar_function_and_an_edge_keep_the_scalar_program(translations):
    """Scalar inputs have no matrix form: the value is still the program's; a NaN input the graph's own."""
    p = dl.prepare(lambda a, b: dnp.maximum(a * b, dnp.sin(a)), 0.5, 2.0, method="symbolic")
    assert p(0.5, 2.0) == 1.0 and translations[0] == 1
    q = dl.prepare(_binomial_like, np.ones(6), method="symbolic")
    x = np.array([0.3, np.nan, 0.8, 2.0, -0.4, 1.1])
    assert np.isnan(q(x)) and np.isnan(_binomial_like(x))
