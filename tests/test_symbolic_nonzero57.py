"""The symbolic method's numeric probe (difflab/ops/nonzero.py): SymPy's is_zero is asked only where the probe
cannot show an expression not identically zero, and the probe never claims a cancellation is nonzero."""

import numpy as np
import pytest
import sympy as sp

import difflab as dl
import difflab.numpy as dnp


def test_the_probe_proves_nonzero_and_makes_no_claim_on_a_cancellation():
    from difflab.ops.nonzero import surely_nonzero

    x, y = sp.symbols("x y", real=True)
    assert surely_nonzero(x * sp.exp(y) - sp.log(y + 2) * sp.cos(x))
    assert surely_nonzero(sp.Abs(x - y) + sp.atan2(y, x))
    # zero identically, though SymPy keeps the form: rounding alone must not count as a value
    assert not surely_nonzero((x + y) ** 2 - x**2 - 2 * x * y - y**2)
    assert not surely_nonzero(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1)
    assert not surely_nonzero(sp.exp(x) * sp.exp(-x) * y - y)
    # no claim on what it cannot evaluate soundly: an unknown function, a Piecewise, an integer symbol
    assert not surely_nonzero(sp.Function("f")(x) + 1)
    assert not surely_nonzero(sp.Piecewise((x, x > 0), (1, True)))
    assert not surely_nonzero(sp.Symbol("n", integer=True) + sp.Rational(1, 3))
    assert not surely_nonzero(sp.log(-x - 1))  # outside log's domain at the point


@pytest.fixture
def is_zero_queries(monkeypatch):
    """A count of SymPy's is_zero asked of expressions (not of a symbol or a number)."""
    calls = [0]
    asked = sp.Basic.is_zero

    def counted(self):
        if not (self.is_Symbol or self.is_Number):
            calls[0] += 1
        return asked.fget(self)

    monkeypatch.setattr(sp.Basic, "is_zero", property(counted))
    return calls


def test_a_symbolic_hessian_asks_sympy_few_is_zero_queries(is_zero_queries):
    """Σ log(x_i)·exp(x_rev(i)): its chain-rule products are strong (log may be infinite), and deciding strong
    or plain asked SymPy's is_zero 32 times (its assumption walk over each adjoint); the probe answers them."""
    x = np.array([0.3, 0.7, 1.1, 1.9])
    H = np.asarray(dl.hessian(lambda v: dnp.sum(dnp.log(v) * dnp.exp(v[::-1])), method="symbolic")(x))
    r = x[::-1]
    expected = np.diag(-np.exp(r) / x**2 + np.log(r) * np.exp(x))
    expected[np.arange(4), np.arange(4)[::-1]] = np.exp(r) / x + np.exp(x) / r
    np.testing.assert_allclose(H, expected, rtol=1e-13)
    assert is_zero_queries[0] <= 4
