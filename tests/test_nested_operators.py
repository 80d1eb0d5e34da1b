"""Issue 11, "every operator nests": jvp, vjp, jacobian, hessian, vmap and prepared functions called
on traced values inside another transformation, checked against analytic derivatives.

f(x) = Σ sin(x)·x² (scalar) and h(y) = sin(y)·y (elementwise) have closed-form derivatives of every
order, so each nested result is compared with numbers computed from those formulas, never with
another difflab result. Every method is an inner method too: symbolic's derivative expressions run
as difflab ops on traced values (tests/test_symbolic_nested.py compares those with reverse-over-reverse).
"""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

X = np.array([0.3, -0.5, 0.9])
V = np.array([1.0, 2.0, -1.0])
OUTER = ["forward", "reverse", "numeric", "symbolic"]
INNER = ["forward", "reverse", "numeric", "symbolic"]


def f(x):
    return dnp.sum(dnp.sin(x) * x**2.0)


def h(y):
    return dnp.sin(y) * y


# closed forms, elementwise: f's gradient, Hessian diagonal and third derivative; h' and h''
def f1(x):
    return np.cos(x) * x**2 + 2 * x * np.sin(x)


def f2(x):
    return -(x**2) * np.sin(x) + 4 * x * np.cos(x) + 2 * np.sin(x)


def f3(x):
    return -(x**2) * np.cos(x) - 6 * x * np.sin(x) + 6 * np.cos(x)


def h1(y):
    return np.cos(y) * y + np.sin(y)


def h2(y):
    return -np.sin(y) * y + 2 * np.cos(y)


# name -> (nested computation (outer, inner) -> value, the analytic value, derivative order)
CASES = {
    "grad of jvp (Hv)": (lambda o, i: dl.grad(lambda x: dl.jvp(f, (x,), (V,), method=i)[1], method=o)(X), f2(X) * V, 2),
    "jvp of grad (Hv)": (lambda o, i: dl.jvp(dl.grad(f, method=i), (X,), (V,), method=o)[1], f2(X) * V, 2),
    "grad of vjp": (
        lambda o, i: dl.grad(lambda x: dnp.sum(dl.vjp(h, x, method=i)[1](V)[0]), method=o)(X),
        h2(X) * V,
        2,
    ),
    "grad of jacobian": (lambda o, i: dl.grad(lambda x: dnp.sum(dl.jacobian(h, method=i)(x)), method=o)(X), h2(X), 2),
    "jacobian of jacobian": (
        lambda o, i: dl.jacobian(dl.jacobian(h, method=i), method=o)(X),
        np.einsum("i,ij,ik->ijk", h2(X), np.eye(3), np.eye(3)),
        2,
    ),
    "jacobian of jacobian of f (the Hessian)": (
        lambda o, i: dl.jacobian(dl.jacobian(f, method=i), method=o)(X),
        np.diag(f2(X)),
        2,
    ),
    "grad of hessian": (lambda o, i: dl.grad(lambda x: dnp.sum(dl.hessian(f, method=i)(x)), method=o)(X), f3(X), 3),
    "grad of jvp's tangent": (
        lambda o, i: dl.grad(lambda v: dl.jvp(f, (X,), (v,), method=i)[1], method=o)(V),
        f1(X),
        1,
    ),
    "grad of the pullback's cotangent": (
        lambda o, i: dl.grad(lambda u: dnp.sum(dl.vjp(h, X, method=i)[1](u)[0] * V), method=o)(np.ones(3)),
        h1(X) * V,
        1,
    ),
    "grad of a prepared gradient": (
        lambda o, i: dl.grad(lambda x: dnp.sum(dl.prepare(f, X, method=i).grad(x) * V), method=o)(X),
        f2(X) * V,
        2,
    ),
}


def _tolerance(o, i, order):
    if "numeric" not in (o, i):
        return dict(rtol=1e-12, atol=1e-12)
    return dict(rtol=1e-4, atol=1e-5 * order)  # finite differences of finite differences


def _params():
    for case in CASES:
        for outer in OUTER:
            for inner in INNER:
                yield pytest.param(case, outer, inner, id=f"{case}-{outer}-{inner}")


@pytest.mark.parametrize("case, outer, inner", list(_params()))
def test_nested_operator_matches_the_closed_form(case, outer, inner):
    run, exact, order = CASES[case]
    got = np.asarray(run(outer, inner), dtype=float)
    assert got.shape == exact.shape
    np.testing.assert_allclose(got, exact, **_tolerance(outer, inner, order))


@pytest.mark.parametrize("method", INNER)
def test_hessian_by_jacobian_of_jacobian_equals_hessian(method):
    exact = dl.hessian(f, method=method)(X)
    nested = dl.jacobian(dl.jacobian(f, method=method), method=method)(X)
    np.testing.assert_allclose(nested, exact, **_tolerance(method, method, 2))


@pytest.mark.parametrize("method", INNER)
def test_vmap_of_each_operator_equals_a_loop(method):
    """vmap traces its function once: grad, jacobian, jvp and hessian then run on traced values."""
    xs = np.stack([X, 2 * X, -X])
    tol = _tolerance(method, method, 2)
    operators = {
        "grad": dl.grad(f, method=method),
        "jacobian": dl.jacobian(h, method=method),
        "jvp": lambda x: dl.jvp(f, (x,), (V,), method=method)[1],
        "hessian": dl.hessian(f, method=method),
    }
    for name, op in operators.items():
        loop = np.stack([np.asarray(op(x)) for x in xs])
        np.testing.assert_allclose(dl.vmap(op)(xs), loop, **tol, err_msg=name)


@pytest.mark.parametrize("outer", OUTER)
def test_grad_of_vmap_equals_the_closed_form(outer):
    rows = lambda x: dnp.sum(dl.vmap(lambda r: dnp.sum(dnp.sin(r) * r))(dnp.reshape(x, (3, 1))))
    np.testing.assert_allclose(dl.grad(rows, method=outer)(X), h1(X), **_tolerance(outer, outer, 1))


@pytest.mark.parametrize("outer, inner", [(o, i) for o in OUTER for i in INNER])
def test_a_hessian_pair_is_the_closed_form(outer, inner):
    np.testing.assert_allclose(dl.hessian(f, method=(outer, inner))(X), np.diag(f2(X)), **_tolerance(outer, inner, 2))


@pytest.mark.parametrize("outer, method", [(o, m) for o in OUTER for m in INNER])
def test_hvp_nests_inside_grad(outer, method):
    """d/dx Σ (H(x) v) = f'''(x) v for f = Σ sin(x)·x² (H is diagonal)."""
    got = dl.grad(lambda x: dnp.sum(dl.hvp(f, (x,), (V,), method=method)[1]), method=outer)(X)
    np.testing.assert_allclose(got, f3(X) * V, **_tolerance(outer, method, 3))


@pytest.mark.parametrize("outer", OUTER)
@pytest.mark.parametrize("inner", ["forward", "reverse", "symbolic"])
def test_linearize_and_its_transpose_nest(outer, inner):
    """d/dx of Σ J(x) v and of Σ J(x)ᵀ v for J = f's Hessian: f‴(x) v. Forward's linearize refused traced
    primals (a JAX user's hessian of a function calling linearize), and its transpose, or a concrete
    linearisation applied to a traced tangent, converted the traced values to arrays (an error)."""
    lin = lambda x: dl.linearize(dl.grad(f), x, method=inner)[1]
    tol = _tolerance(outer, inner, 3)
    np.testing.assert_allclose(dl.grad(lambda x: dnp.sum(lin(x)(V)), method=outer)(X), f3(X) * V, **tol)
    back = lambda x: dnp.sum(dl.linear_transpose(lin(x))(V)[0])
    np.testing.assert_allclose(dl.grad(back, method=outer)(X), f3(X) * V, **tol)
    concrete = lin(X)  # a linearisation at X, differentiated in its tangent: J(X) = diag f''(X)
    np.testing.assert_allclose(dl.grad(lambda v: dnp.sum(concrete(v) * V), method=outer)(V), f2(X) * V, **tol)
    u = dl.grad(lambda v: dnp.sum(dl.linear_transpose(concrete)(v)[0] * V), method=outer)(V)
    np.testing.assert_allclose(u, f2(X) * V, **tol)


@pytest.mark.parametrize("outer", ["forward", "reverse"])
def test_an_hvp_pair_with_symbolic_inside_is_the_closed_form(outer):
    np.testing.assert_allclose(dl.hvp(f, (X,), (V,), method=(outer, "symbolic"))[1], f2(X) * V, rtol=1e-12)


def test_a_nested_jvp_of_many_outputs_at_a_domain_edge_agrees_across_methods():
    """Reverse computes J·v of more than 8 outputs as its pullback's transpose (peers23); traced inside an
    outer derivative, its fallback to J's rows where J·v is not finite cannot be decided. At sqrt's edge
    (J·v = inf at x = 0) the nested Jacobian equals forward's and symbolic's: the inf output's row NaN, the rest exact."""
    import warnings

    v = np.linspace(0.5, 1.5, 10)
    x = np.r_[0.0, np.linspace(0.1, 1.0, 9)]
    want = np.r_[np.nan, -v[1:] / (2.0 * x[1:] ** 1.5)]  # d/dx (v / sqrt(x)) on the diagonal
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in ("forward", "reverse", "symbolic"):
            jv = lambda y, m=method: dl.jvp(lambda z: 2.0 * np.sqrt(z), (y,), (v,), method=m)[1]  # noqa: E731
            assert np.isinf(jv(x)[0])
            jac = dl.jacobian(jv, method="reverse" if method == "symbolic" else method)(x)
            assert np.isnan(jac[0]).all()  # a non-finite output's row is NaN (DESIGN.md §6), for every method
            np.testing.assert_allclose(np.diag(jac)[1:], want[1:], rtol=1e-12)
            np.testing.assert_array_equal(jac[1:] - np.diag(np.diag(jac))[1:], np.zeros((9, 10)))
