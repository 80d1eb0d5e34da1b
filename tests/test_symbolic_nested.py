"""The symbolic method as the INNER method of a nested derivative (issue 11, "Symbolic"): on traced
values its derivative expressions run as difflab ops (compile/traced.py), so every outer method
differentiates through them. Each nesting below is compared with the same nesting done by
reverse-over-reverse, to 1e-12 (numeric outside: to its finite-difference accuracy)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import DomainWarning

OUTER = ["symbolic", "forward", "reverse", "numeric"]
A = np.array([[0.7, -0.4, 0.2], [0.1, 0.5, -0.3]])
B = np.array([[0.3, -0.2], [0.6, 0.1], [-0.5, 0.4]])
DATA = np.random.default_rng(3).normal(size=(6, 3))

#: name -> (f, x): scalar, vector and matrix inputs over the usual ops
GRAPHS = {
    "sin(x)·x": (lambda x: dnp.sin(x) * x, 1.3),
    "exp·log·pow": (lambda x: dnp.exp(0.3 * x) * dnp.log(x) + x**2.5, 1.7),
    "tanh³ / x": (lambda x: dnp.tanh(x) ** 3 / x, 0.8),
    "Σ sin(x)·x²": (lambda x: dnp.sum(dnp.sin(x) * x**2.0), np.array([0.3, -0.5, 0.9])),
    "max and abs": (
        lambda x: dnp.sum(dnp.maximum(x, 0.5 * x**2) * dnp.abs(x)),
        np.array([0.3, -1.5, 2.5]),
    ),
    "where": (lambda x: dnp.sum(dnp.where(x > 0.0, x**3, dnp.sin(x))), np.array([0.4, -0.7, 1.1])),
    "log-sum-exp": (lambda x: dnp.log(dnp.sum(dnp.exp(x))) - dnp.sum(x) / 3.0, np.array([0.2, -0.1, 0.5])),
    "softmax · c": (
        lambda x: dnp.sum(dnp.exp(x) / dnp.sum(dnp.exp(x)) * np.array([1.0, -2.0, 0.5])),
        np.array([0.2, -0.1, 0.5]),
    ),
    "tanh(A x) · x": (
        lambda x: dnp.sum(dnp.tanh(A @ x) ** 2) + dnp.tanh(A @ x) @ np.array([1.0, -1.0]),
        np.array([0.3, -0.2, 0.8]),
    ),
    "matrix: Σ sigmoid(W B)": (
        lambda W: dnp.sum(dnp.sigmoid(W @ B)) + dnp.sum(W * W),
        np.array([[0.2, -0.1, 0.4], [0.3, 0.5, -0.6]]),
    ),
    "per example: mean tanh(X w)²": (lambda w: dnp.mean(dnp.tanh(DATA @ w) ** 2), np.array([0.3, -0.2, 0.5])),
}


def _tol(outer):
    return dict(rtol=1e-5, atol=1e-6) if outer == "numeric" else dict(rtol=1e-12, atol=1e-12)


def _second(f, inner, outer):
    """The outer method's Jacobian of the inner method's gradient (a scalar input: its derivative)."""
    return dl.jacobian(dl.grad(f, method=inner), method=outer)


@pytest.mark.parametrize("outer", OUTER)
@pytest.mark.parametrize("graph", list(GRAPHS))
def test_jacobian_of_a_symbolic_gradient_is_reverse_over_reverse(graph, outer):
    f, x = GRAPHS[graph]
    want = _second(f, "reverse", "reverse")(x)
    got = _second(f, "symbolic", outer)(x)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, **_tol(outer))


#: the nestings of the issue, each as fn(f, x, inner, outer)
NESTINGS = {
    "grad of grad": lambda f, x, i, o: dl.grad(lambda y: dnp.sum(dl.grad(f, method=i)(y) ** 2), method=o)(x),
    "hessian of a gradient-based loss": lambda f, x, i, o: dl.hessian(
        lambda y: dnp.sum(dnp.sin(dl.grad(f, method=i)(y))), method=o
    )(x),
    "jvp of grad": lambda f, x, i, o: dl.jvp(dl.grad(f, method=i), (x,), (np.ones_like(x) * 0.7,), method=o)[1],
    "grad of the inner hessian": lambda f, x, i, o: dl.grad(lambda y: dnp.sum(dl.hessian(f, method=i)(y)), method=o)(x),
    "grad of the inner jacobian": lambda f, x, i, o: dl.grad(
        lambda y: dnp.sum(dnp.cos(dl.jacobian(f, method=i)(y))), method=o
    )(x),
    "hessian pair (outer, symbolic)": lambda f, x, i, o: dl.hessian(f, method=(o, i))(x),
    "hvp pair (outer, symbolic)": lambda f, x, i, o: dl.hvp(f, (x,), (np.ones_like(x),), method=(o, i))[1],
}
SOME = ["sin(x)·x", "max and abs", "where", "softmax · c", "matrix: Σ sigmoid(W B)", "per example: mean tanh(X w)²"]
#: the costliest cases (a symbolic method outside, third derivatives) on fewer graphs: the suite stays fast
FEWER = ["sin(x)·x", "where", "per example: mean tanh(X w)²"]
THIRD_ORDER = {"hessian of a gradient-based loss", "grad of the inner hessian"}


@pytest.mark.parametrize("outer", OUTER)
@pytest.mark.parametrize("nesting", list(NESTINGS))
def test_each_nesting_with_symbolic_inside_is_reverse_over_reverse(nesting, outer):
    run = NESTINGS[nesting]
    for graph in FEWER if outer == "symbolic" or nesting in THIRD_ORDER else SOME:
        f, x = GRAPHS[graph]
        if nesting == "hvp pair (outer, symbolic)" and outer not in ("forward", "reverse"):
            continue  # hvp pairs take forward or reverse outside
        want = run(f, x, "reverse", "reverse")
        got = run(f, x, "symbolic", outer)
        np.testing.assert_allclose(got, want, **_tol(outer), err_msg=graph)


@pytest.mark.parametrize("graph", ["Σ sin(x)·x²", "where", "max and abs", "per example: mean tanh(X w)²"])
def test_vmap_of_symbolic_operators_equals_a_loop(graph):
    f, x = GRAPHS[graph]
    xs = np.stack([x, 0.5 * x, -1.3 * x])
    for make in (dl.grad, dl.hessian, lambda f, method: lambda y: dl.jvp(f, (y,), (x,), method=method)[1]):
        loop = np.stack([make(f, method="reverse")(y) for y in xs])
        np.testing.assert_allclose(dl.vmap(make(f, method="symbolic"))(xs), loop, rtol=1e-12, atol=1e-12)


def test_the_traced_code_is_the_derivative_recorded_as_difflab_ops():
    """The inner symbolic gradient of sin(x)·x, traced, is cos·x + sin: equations of difflab ops."""
    g = dl.trace(dl.grad(lambda x: dnp.sin(x) * x, method="symbolic"), 1.3)
    ops = {e.op.name for e in g.eqns}
    assert {"sin", "cos", "mul", "add"} <= ops, ops
    assert float(dl.grad(dl.grad(lambda x: dnp.sin(x) * x, method="symbolic"))(1.3)) == pytest.approx(
        2 * np.cos(1.3) - 1.3 * np.sin(1.3), rel=1e-14
    )


@pytest.mark.parametrize("outer", OUTER)
def test_a_domain_point_inside_is_nan_with_one_warning_naming_the_users_equation(outer):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = dl.grad(dl.grad(lambda x: dnp.log(x) * x, method="symbolic"), method=outer)(-1.0)
    assert np.isnan(d)
    domain = [str(w.message) for w in caught if issubclass(w.category, DomainWarning)]
    assert len(domain) == 1 and domain[0].startswith("v1 = log(v0)"), domain
    assert all(issubclass(w.category, DomainWarning) for w in caught), [str(w.message) for w in caught]


@pytest.mark.parametrize("outer", OUTER)
def test_an_inner_symbolic_function_may_close_over_the_outer_traced_values(outer):
    """The inner function reads x, which the outer derivative differentiates: x is a symbol of the
    inner program too, read from the outer trace when the code runs (README's nesting example)."""
    assert float(dl.grad(lambda x: x * dl.grad(lambda y: x + y, method="symbolic")(1.0), method=outer)(2.0)) == (
        pytest.approx(1.0, rel=1e-6)
    )
    x = np.array([0.3, -0.2, 0.7])

    def loss(inner):
        return lambda x: dnp.sum(dl.grad(lambda y: dnp.sum(dnp.sin(x * y) * y), method=inner)(2.0 * x) ** 2)

    np.testing.assert_allclose(dl.grad(loss("symbolic"), method=outer)(x), dl.grad(loss("reverse"))(x), **_tol(outer))
