"""edges60 (issue 11's user-edge leftovers): holomorphic=True on a non-holomorphic f says the same ValueError under
every method and operator; ...; each test failed on main before its fix.

References: Cauchy–Riemann by hand (Re z, |z|, conj z have no complex derivative); NumPy's own functions (values).
"""

from __future__ import annotations

import numpy as np
import pytest

import difflab as dl

METHODS = ["symbolic", "numeric", "forward", "reverse"]
EXACT = ["symbolic", "forward", "reverse"]
CAUCHY_RIEMANN = r"holomorphic=True, but the function is not holomorphic here \(.*Cauchy–Riemann"


@pytest.mark.parametrize("method", METHODS)
def test_holomorphic_on_a_non_holomorphic_f_is_one_value_error(method):
    """|z| + 0j and Re z + 0j (complex outputs, no complex derivative): forward mode said a TypeError "needs complex
    outputs, got a real one" (it read its real Jacobian block, not f's output), the others the Cauchy–Riemann
    ValueError; and `hessian` of Re z + 0j (its f' = 1 holomorphic) was a silent 0 under every method."""
    z, zv = 1.0 + 2.0j, np.array([1.0 + 2.0j, 0.5 - 1.0j])
    for f in (lambda z: np.abs(z) + 0j, lambda z: np.real(z) + 0j):
        for call in (
            lambda: dl.grad(f, method=method, holomorphic=True)(z),
            lambda: dl.value_and_grad(f, method=method, holomorphic=True)(z),
            lambda: dl.jacobian(f, method=method, holomorphic=True)(zv),
            lambda: dl.jacfwd(f, holomorphic=True)(zv),
            lambda: dl.hessian(f, method=method, holomorphic=True)(z),
            lambda: dl.hessian(lambda z: (f(z), 1), method=method, holomorphic=True, has_aux=True)(z),
            lambda: dl.prepare(f, zv, method=method, holomorphic=True),
        ):
            with pytest.raises(ValueError, match=CAUCHY_RIEMANN):
                call()


@pytest.mark.parametrize("method", EXACT)
def test_holomorphic_constant_and_polynomial_still_differentiate(method):
    """A constant complex f (forward's block real zeros: was the TypeError above) has f' = f'' = 0 (complex); z³ has
    3z² and 6z; a real output or input stays JAX's TypeError."""
    z = 1.0 + 2.0j
    for op in (dl.grad, dl.hessian):
        d = op(lambda z: 1j + 0.0 * z, method=method, holomorphic=True)(z)
        assert d == 0 and np.iscomplexobj(d)
    assert dl.grad(lambda z: z**3.0, method=method, holomorphic=True)(z) == pytest.approx(3 * z**2, rel=1e-14)
    assert dl.hessian(lambda z: z**3.0, method=method, holomorphic=True)(z) == pytest.approx(6 * z, rel=1e-14)
    with pytest.raises(TypeError, match="needs complex outputs"):
        dl.grad(np.abs, method=method, holomorphic=True)(z)
    with pytest.raises(TypeError, match="needs complex inputs"):
        dl.hessian(lambda z: z**2, method=method, holomorphic=True)(2.0)
