"""The symbolic method on scipy.linalg.solve_sylvester above a 1×2 system (ops/matfuncs.py's opaque kind of
M = [[A, Q], [0, B]]: parts X and K = (A ⊗ I + I ⊗ Bᵀ)⁻¹): its SymPy form is the opaque functions, not a Kronecker
LU solve (which took minutes for a 3×3 JVP, autograd's test_solve_sylvester); JVPs, gradients and Hessians in A, B
and Q against reverse's; each rule (X's and K's, per block of M) against central differences of the parts."""

import numpy as np
import pytest
import sympy as sp

import difflab as dl
import difflab.scipy as dsc
from difflab.ops.core import SYMPY_NUMPY
from difflab.ops.matfuncs import _sylvester_kind, _sylvester_parts, sylvester
from difflab.ops.opaque import opaque_entry
from tier import FULL

RNG = np.random.default_rng(39)


def _system(n, m):
    a = RNG.normal(size=(n, n)) + 2.0 * np.eye(n)
    b = RNG.normal(size=(m, m)) + 2.0 * np.eye(m)
    return a, b, RNG.normal(size=(n, m)), RNG.normal(size=(n, m))


SYSTEMS = {(3, 3): _system(3, 3), (2, 3): _system(2, 3), (3, 2): _system(3, 2)}


def _close(got, want, tol=1e-12):
    scale = np.abs(want).max()
    assert scale > 1e-3
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


def test_the_sympy_form_of_a_3x3_system_is_the_opaque_kind():
    names = [sp.Matrix(3, 3, sp.symbols(f"{c}0:9", real=True)) for c in "abq"]
    out = sylvester.sympy(*[np.array(x.tolist(), dtype=object) for x in names])
    assert out.shape == (3, 3)
    assert all(e.func.__name__ == "difflab_sylvester3_0" for e in out.ravel())
    # a 1×2 system keeps SymPy's explicit solve
    small = sylvester.sympy(np.array([[sp.Symbol("a")]]), np.eye(2, dtype=int).astype(object), np.ones((1, 2), object))
    assert not any(e.atoms(sp.Function) for e in small.ravel())


# The default tier (tests/tier.py) takes the two rectangular systems, n < m and n > m: the same opaque kind and
# rules as the square one, and an A/B or row/column mix-up that a square system hides shows in one of them; the
# 3×3 system (half this test's CPU, its 27-variable Hessian) runs in the full tier. Its SymPy form is checked by
# test_the_sympy_form_of_a_3x3_system_is_the_opaque_kind in both.
@pytest.mark.parametrize("shape", [s for s in SYSTEMS if FULL or s[0] != s[1]])
def test_jvp_gradient_and_hessian_equal_reverse(shape):
    a, b, q, w = SYSTEMS[shape]
    n, m = shape

    def f(v):  # (A, B and Q from one vector: the Hessian's mixed blocks too)
        aa = a + v[: n * n].reshape(n, n)
        bb = b + v[n * n : n * n + m * m].reshape(m, m)
        qq = q + v[n * n + m * m :].reshape(n, m)
        return np.sum(dsc.linalg.solve_sylvester(aa, bb, qq) * w)

    v0 = np.zeros(n * n + m * m + n * m)
    _close(dl.grad(f, method=dl.Symbolic(matrix=False))(v0), dl.grad(f, method="reverse")(v0))
    _close(dl.hessian(f, method="symbolic")(v0), dl.hessian(f, method="reverse")(v0))
    for arg, tangent in ((0, np.cos(np.arange(n * n)).reshape(n, n)), (1, np.sin(np.arange(m * m)).reshape(m, m))):
        g = lambda x, arg=arg: dsc.linalg.solve_sylvester(*[x if i == arg else y for i, y in enumerate((a, b, q))])  # noqa: E731
        _close(dl.jvp(g, ((a, b)[arg],), (tangent,), method="symbolic")[1], dl.jvp(g, ((a, b)[arg],), (tangent,))[1])


@pytest.mark.parametrize("part", [0, 1])
def test_each_rule_is_its_part_s_derivative(part):
    # X's rule (first order) and K's (second and higher), along an entry of A, of Q, of B and of the lower-left block
    # (not read: 0), against central differences of the parts
    n, m = 2, 3
    a, b, q, _ = SYSTEMS[(2, 3)]
    block = np.block([[a, q], [np.zeros((m, n)), b]])
    kind, size = _sylvester_kind(n), n + m
    names = sp.symbols(f"m0:{size * size}", real=True)
    values, largest = block.ravel(), 0.0
    entries = [(1, 2), (0, 1)] if part == 0 else [(3, 5), (5, 1), (0, 0)]
    for pos in (0 * size + 1, 1 * size + 3, 4 * size + 2, 3 * size + 0):  # (A_01, Q_11, B_20, lower-left)
        for entry in entries:
            expr = opaque_entry(kind, part)(*entry, size, *names)
            got = sp.lambdify(names, sp.diff(expr, names[pos]), modules=[SYMPY_NUMPY, "numpy"])(*values)
            step = np.zeros(values.size)
            step[pos] = 1e-5

            def at(v, entry=entry):
                return _sylvester_parts(v.reshape(size, size), n)[part][entry]

            want = (at(values + step) - at(values - step)) / 2e-5
            if pos == 3 * size:
                assert got == 0 and want == 0
            else:
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
                largest = max(largest, abs(want))
    assert largest > 0.01
