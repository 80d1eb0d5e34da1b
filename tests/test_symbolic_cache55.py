"""A registry partials' template renamed per element (program._instantiated) builds its expressions unevaluated
without SymPy's `evaluate(False)` context, whose entry and exit each clear SymPy's whole cache (suitetime55)."""

from __future__ import annotations

import numpy as np

import difflab as dl


def test_renaming_a_template_per_element_keeps_sympy_s_cache(sympy_clears):
    cleared = sympy_clears()
    x = np.array([0.3, -1.2, 2.5, 0.7, -0.4])
    g = dl.grad(
        lambda x: np.arctan2(x, x[::-1] + 2.0).sum() + np.arctan(3 * x).sum(), method=dl.Symbolic(matrix=False)
    )(x)  # (per scalar: the program)
    r = x[::-1] + 2.0
    # ∂/∂x_i of Σ atan2(x_j, x_{n-1-j} + 2): y/(x²+y²) at j = i, -x_j/(x_j²+y_j²) at j = n-1-i; atan(3x)' = 3/(1+9x²)
    own = r / (x**2 + r**2)
    other = (-x / (x**2 + r**2))[::-1]
    np.testing.assert_allclose(g, own + other + 3 / (1 + 9 * x**2), rtol=1e-14)
    assert cleared[0] == 0, cleared  # (main: 2 clears per element after the first of each name order)
