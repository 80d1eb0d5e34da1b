"""The checks the user-code files (test_user_code.py … test_user_code5.py) share (a helper
module, not a test file: pytest's `prepend` import mode puts tests/ on sys.path)."""

from __future__ import annotations

import numpy as np
import pytest

import difflab as dl


def fresh_and_prepared(f, x, method, check, specialised=False):
    """`check(value, gradient)` on dl.value_and_grad(f) at x, then on its prepared twin twice (the general
    path, then the armed common case); a `specialised` f (its graph depends on x's values: a boolean mask,
    a `while` on a traced condition) must instead be refused by `dl.prepare`, by name.

    >>> import numpy as np
    >>> fresh_and_prepared(lambda x: (x**2).sum(), np.ones(2), "reverse", lambda v, g: print(v, g))
    2.0 [2. 2.]
    2.0 [2. 2.]
    2.0 [2. 2.]
    """
    value, g = dl.value_and_grad(f, method=method)(x)
    check(float(value), g)
    if specialised:
        with pytest.raises(ValueError, match="specialised to its input values"):
            dl.prepare(f, x, method=method)
        return
    p = dl.prepare(f, x, method=method)
    for _ in range(2):
        check(float(p(x)), p.grad(x))


def flat(tree) -> np.ndarray:
    """A pytree's leaves as one vector, dict keys sorted (jax.tree_util's order)."""
    if isinstance(tree, dict):
        return np.concatenate([flat(tree[k]) for k in sorted(tree)])
    if isinstance(tree, (tuple, list)):
        return np.concatenate([flat(t) for t in tree])
    return np.ravel(np.asarray(tree, dtype=float))


def check_hessian(f, x, method, stored, exact_tol=1e-9):
    """dl.hessian(f)(x) against a reference Hessian stored as (uᵀHv, Σ H²) with u = cos(k + 1), v = sin(k + 1)
    (JAX x64's, so the test needs no JAX): numeric to 1e-4, the exact methods to `exact_tol`."""
    H = np.asarray(dl.hessian(f, method=method)(x)).reshape(x.size, x.size)
    u, v = np.cos(np.arange(x.size) + 1.0), np.sin(np.arange(x.size) + 1.0)
    uhv, sq = stored
    tol = 1e-4 if method == "numeric" else exact_tol
    assert abs(u @ H @ v - uhv) <= tol * np.sqrt(sq) * x.size, method
    assert np.sum(H * H) == pytest.approx(sq, rel=2 * tol, abs=1e-12), method


def check_gradient(stored, value, g, tol, value_rel=1e-12):
    """A value and gradient against references stored as (f, cᵀg, gᵀg) with c = cos(k + 1) (JAX x64's, so the
    test needs no JAX): the value to `value_rel`, cᵀg to `tol` of the gradient's scale, gᵀg to 2·tol.

    >>> check_gradient((2.0, float(np.cos(1.0) + np.cos(2.0)), 2.0), 2.0, np.ones(2), 1e-9)
    """
    f_ref, proj_ref, sq_ref = stored
    v = flat(g)
    assert value == pytest.approx(f_ref, rel=value_rel, abs=1e-12)
    assert abs(v @ np.cos(np.arange(v.size) + 1.0) - proj_ref) <= tol * np.sqrt(sq_ref * v.size)
    assert v @ v == pytest.approx(sq_ref, rel=2 * tol)
