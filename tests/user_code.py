"""The checks the user-code files (test_user_code.py … test_user_code7.py) share (a helper
module, not a test file: pytest's `prepend` import mode puts tests/ on sys.path)."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

import difflab as dl
from tier import FULL, one_per  # noqa: F401  (FULL: the doctest's)


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


def check_hessian(f, x, method, stored, exact_tol=1e-9, numeric_tol=1e-4):
    """dl.hessian(f)(x) against a reference Hessian stored as (uᵀHv, Σ H²) with u = cos(k + 1), v = sin(k + 1)
    (JAX x64's, so the test needs no JAX): numeric to `numeric_tol`, the exact methods to `exact_tol`."""
    H = np.asarray(dl.hessian(f, method=method)(x)).reshape(x.size, x.size)
    u, v = np.cos(np.arange(x.size) + 1.0), np.sin(np.arange(x.size) + 1.0)
    uhv, sq = stored
    tol = numeric_tol if method == "numeric" else exact_tol
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


def perturbed(x):
    """The second point of the two-point rounds (test_user_code11 … 13): x + 0.05·sin(k + 1), x's dtype kept, a dict
    leaf by leaf.

    >>> perturbed(np.zeros(2)).round(3).tolist()
    [0.042, 0.045]
    """
    if isinstance(x, dict):
        return {k: perturbed(v) for k, v in x.items()}
    return (x + 0.05 * np.sin(np.arange(x.size) + 1.0).reshape(x.shape)).astype(x.dtype)


def at_two_points(f, x0, stored, stored_there, method, check, specialised=False):
    """The two-point rounds' check: `check(stored, value, g)` on dl.value_and_grad(f) at x0, then at `perturbed(x0)`
    against `stored_there` — by f prepared at x0 and called twice (the general path, then the armed common case), or,
    for a `specialised` f, fresh after dl.prepare refused it by name. Warnings are errors throughout.

    >>> at_two_points(lambda x: (x**2).sum(), np.ones(2), None, None, "reverse", lambda s, v, g: print(round(v, 3), g.round(3)))
    2.0 [2. 2.]
    2.179 [2.084 2.091]
    2.179 [2.084 2.091]
    """
    x1 = perturbed(x0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = dl.value_and_grad(f, method=method)(x0)
        check(stored, float(value), g)
        if specialised:
            with pytest.raises(ValueError, match="specialised to its input values"):
                dl.prepare(f, x0, method=method)
            got = [dl.value_and_grad(f, method=method)(x1)]
        else:
            p = dl.prepare(f, x0, method=method)
            got = [(p(x1), p.grad(x1)) for _ in range(2)]
        for value, g in got:
            check(stored_there, float(value), g)


#: the four differentiators every user-code test runs
METHODS = ["symbolic", "numeric", "forward", "reverse"]


def gradient_tol(method: str) -> float:
    """The tolerance a stored gradient is held to: numeric's stencils to 1e-6, the exact methods to 1e-9."""
    return 1e-6 if method == "numeric" else 1e-9


def gradient_test(points, funcs, grad, specialised=frozenset(), check=None, said=None):
    """The test each round's file defines as `test_gradient_of_user_code = gradient_test(...)`: dl.value_and_grad
    of each function in `funcs` (ids: `points`' keys, in order) at points[name], and its prepared twin, under
    every method, against grad[name] stored as check_gradient's (f, cᵀg, gᵀg); warnings are errors but those
    `said` expects ({(name, method): (warning class, regex)}: a true statement the method must make there).
    `check(name, value, g, method)` replaces the default check (a file with float32 functions).

    >>> t = gradient_test({"sq": np.ones(2)}, [lambda x: (x**2).sum()], {"sq": (2.0, 2 * (np.cos(1) + np.cos(2)), 8.0)})
    >>> t.__name__, [m.args[0] for m in t.pytestmark]
    ('test_gradient_of_user_code', ['f', 'method'])
    """
    names = list(points)
    if check is None:

        def check(name, value, g, method):
            check_gradient(grad[name], value, g, gradient_tol(method))

    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("f", funcs, ids=names)
    def test_gradient_of_user_code(f, method):
        """dl.value_and_grad of each function, and its prepared twin, equal jax.grad's."""
        name = names[funcs.index(f)]
        expected = (said or {}).get((name, method))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.warns(*expected[:1], match=expected[1]) if expected else contextlib.nullcontext():
                fresh_and_prepared(
                    f, points[name], method, lambda v, g: check(name, v, g, method), specialised=name in specialised
                )

    return test_gradient_of_user_code


def two_points_test(points, funcs, grad, grad_there, specialised=frozenset(), float32=frozenset(), refused=None):
    """The test a round's file defines as `test_gradient_of_user_code_at_two_points = two_points_test(...)`:
    dl.value_and_grad of funcs[i] (ids: `points`' keys, in order) at points[name] equals grad[name]; prepared there
    and called twice at `perturbed(points[name])` (the general path, then the armed common case), grad_there[name];
    the `specialised` ones are refused by dl.prepare by name and differentiated fresh there. The `float32` ones'
    gradients come back float32 and are held to float32's tolerance. `refused` {(name, method): (error class, regex)}:
    what the method must raise there instead of a gradient (a refusal by name).

    >>> t = two_points_test({"sq": np.ones(2)}, [lambda x: (x**2).sum()], {}, {})
    >>> t.__name__, [m.args[0] for m in t.pytestmark]
    ('test_gradient_of_user_code_at_two_points', ['name', 'method'])
    """
    names = list(points)

    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("name", names)
    def test_gradient_of_user_code_at_two_points(name, method):
        """dl.value_and_grad at the point equals JAX's; prepared there, JAX's at the second point."""

        def check(stored, value, g):
            if name in float32:  # float32 numbers: NumPy's own evaluation rounds to float32
                assert np.asarray(g).dtype == np.float32
                check_gradient(stored, value, flat(g), 1e-3 if method == "numeric" else 1e-5, value_rel=1e-6)
            else:
                check_gradient(stored, value, g, gradient_tol(method))

        f = funcs[names.index(name)]
        if (name, method) in (refused or {}):
            with pytest.raises(refused[name, method][0], match=refused[name, method][1]):
                dl.value_and_grad(f, method=method)(points[name])
            return
        at_two_points(f, points[name], grad[name], grad_there[name], method, check, specialised=name in specialised)

    return test_gradient_of_user_code_at_two_points


def hessian_test(points, hess, functions, no_symbolic=frozenset(), doc=None, numeric_tol=None):
    """The test each round's file defines as `test_hessian_of_user_code = hessian_test(...)`: dl.hessian of
    functions[name] at points[name] for every name in `hess` (sorted) and every method but symbolic for the
    names in `no_symbolic`, against hess[name] stored as check_hessian's (uᵀHv, ΣH²); `doc` its docstring;
    `numeric_tol[name]` numeric's tolerance where not check_hessian's 1e-4. The default tier runs one of symbolic and
    numeric per name (tests/tier.py).

    >>> t = hessian_test({"sq": np.ones(2)}, {"sq": (0.0, 8.0)}, {"sq": None}, no_symbolic={"sq"})
    >>> t.pytestmark[0].args[1]
    [('sq', 'numeric'), ('sq', 'forward'), ('sq', 'reverse')]
    >>> t = hessian_test({"sq": np.ones(2)}, {"sq": (0.0, 8.0)}, {"sq": None})
    >>> len(t.pytestmark[0].args[1]) == (4 if FULL else 3)
    True
    """
    cases = [(n, m) for n in sorted(hess) for m in METHODS if not (m == "symbolic" and n in no_symbolic)]
    # the default tier (tests/tier.py): forward and reverse for every name, and one of symbolic and numeric (the
    # Hessians' second-order SymPy build is most of this test's time: 81 of its 110 s); --full runs all four
    either = one_per([c for c in cases if c[1] in ("symbolic", "numeric")], lambda c: c[0])
    cases = [c for c in cases if c[1] in ("forward", "reverse") or c in either]

    @pytest.mark.parametrize("name, method", cases)
    def test_hessian_of_user_code(name, method):
        check_hessian(
            functions[name], points[name], method, hess[name], numeric_tol=(numeric_tol or {}).get(name, 1e-4)
        )

    test_hessian_of_user_code.__doc__ = doc or "dl.hessian of the small functions equals jax.hessian's."
    return test_hessian_of_user_code


def check_hvp(f, x, method, stored, exact_rel=1e-11):
    """dl.hvp(f) at x along v = sin(k + 1): cᵀ(Hv) against the stored Hessian's uᵀHv (check_hessian's `stored`),
    numeric to 1e-5, the exact methods to `exact_rel`; returns hvp's gradient for the caller to check."""
    n = np.size(x)
    g, hv = dl.hvp(f, (x,), (np.sin(np.arange(n) + 1.0),), method=method)
    assert np.cos(np.arange(n) + 1.0) @ hv == pytest.approx(stored[0], rel=1e-5 if method == "numeric" else exact_rel)
    return g


def check_hvp_vmap_jit(f, x, stored):
    """dl.hvp (forward and reverse) along sin(k + 1) against the stored Hessian's uᵀHv; dl.vmap of f and of dl.grad(f)
    over three points near x, and dl.jit of f and of its gradient, equal to the unbatched calls."""
    for method in ("forward", "reverse"):
        check_hvp(f, x, method, stored)
    X = np.stack([x, x + 0.01 * np.cos(np.arange(x.size)), x - 0.02])
    np.testing.assert_allclose(dl.vmap(f)(X), [f(r) for r in X], rtol=1e-13)
    want = np.stack([dl.grad(f)(r) for r in X])
    np.testing.assert_allclose(dl.vmap(dl.grad(f))(X), want, rtol=1e-12, atol=1e-14)
    assert dl.jit(f)(X[1]) == pytest.approx(float(f(X[1])), rel=1e-13)
    np.testing.assert_allclose(dl.jit(dl.grad(f))(X[2]), want[2], rtol=1e-12, atol=1e-14)


def check_bad_inputs(f, x, stored, float32=True):
    """An int array: a TypeError naming the dtype; a read-only array: the stored gradient (check_gradient's `stored`),
    the input untouched, the gradient not aliasing it; a NaN entry: a NaN gradient, no error; `float32`: the stored
    gradient to float32's precision, float32."""
    with pytest.raises(TypeError, match="dtype int64: only floating-point values can be differentiated"):
        dl.grad(f)(np.round(x).astype(int))
    ro = x.copy()
    ro.flags.writeable = False
    g = dl.grad(f)(ro)
    check_gradient(stored, float(f(ro)), g, 1e-9)
    assert np.array_equal(ro, x) and not np.shares_memory(g, ro)
    g[...] = 0.0  # (writable, not a view of the input)
    nan = x.copy()
    nan[0] = np.nan
    assert np.isnan(dl.grad(f)(nan)).any()
    if float32:
        g32 = dl.grad(f)(x.astype(np.float32))
        assert g32.dtype == np.float32
        check_gradient(stored, stored[0], g32, 1e-5)


def check_vmap(f, X, method, tol, grad_too=True):
    """dl.vmap(f) over the rows of X equals the unbatched calls, and dl.vmap(dl.grad(f, method)) equals reverse's
    unbatched gradients to `tol`."""
    np.testing.assert_allclose(dl.vmap(f)(X), [f(x) for x in X], rtol=1e-13)
    if grad_too:
        want = np.stack([dl.grad(f, method="reverse")(x) for x in X])
        np.testing.assert_allclose(dl.vmap(dl.grad(f, method=method))(X), want, rtol=tol, atol=tol)


def complex_step(f, x, h=1e-30):
    """∂f/∂x_k = Im f(x + ih e_k) / h: exact to rounding for NumPy code analytic in x (no difflab involved).

    >>> complex_step(lambda x: np.sum(x**3), np.array([1.0, 2.0]))
    array([ 3., 12.])
    """
    return np.array([f(x + 1j * h * e).imag / h for e in np.eye(x.size)])
