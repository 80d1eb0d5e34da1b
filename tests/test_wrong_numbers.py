"""Issue 18: wrong numbers from exact methods. The aliasing matrix (operators × methods × ways a
function can return or take one value twice), strong zeros (DESIGN.md §3) and the numeric method
across a comparison. Expected values come from closed-form derivatives computed here."""

import itertools
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]
TOL = {"numeric": 1e-7}
X = np.array([0.3, -1.2])


def g(u):
    return dnp.sin(u) * u


def dg(u):
    return np.cos(u) * u + np.sin(u)


# each pattern: f(u) returning a tuple, and per output its Jacobian block (2, 2) at u
PATTERNS = {
    "value twice": (lambda u: (g(u), g(u)), lambda u: [np.diag(dg(u))] * 2),
    "value thrice": (lambda u: (g(u), g(u), g(u)), lambda u: [np.diag(dg(u))] * 3),
    "input returned": (lambda u: (u, g(u)), lambda u: [np.eye(2), np.diag(dg(u))]),
    "input twice": (lambda u: (u, u), lambda u: [np.eye(2)] * 2),
    "input and its use": (lambda u: (g(u), u, g(u)), lambda u: [np.diag(dg(u)), np.eye(2), np.diag(dg(u))]),
    "constant output": (
        lambda u: (g(u), np.ones(2), 2.0 * np.ones(2)),
        lambda u: [np.diag(dg(u)), np.zeros((2, 2)), np.zeros((2, 2))],
    ),
    "constant twice": (
        lambda u: (np.ones(2), g(u), np.ones(2)),
        lambda u: [np.zeros((2, 2)), np.diag(dg(u)), np.zeros((2, 2))],
    ),
}


def _close(got, want, method):
    np.testing.assert_allclose(
        np.asarray(got, dtype=float),
        np.asarray(want, dtype=float),
        rtol=TOL.get(method, 1e-12),
        atol=TOL.get(method, 1e-12),
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("operator", ["jvp", "vjp", "jacobian", "prepare.jacobian", "prepare.call", "vjp twice"])
def test_aliasing_matrix(operator, method):
    for pattern in sorted(PATTERNS):  # one test per operator and method, over the patterns
        try:
            _aliasing_cell(operator, pattern, method)
        except AssertionError as err:
            raise AssertionError(f"{operator}, {pattern!r}, {method}: {err}") from err


def _aliasing_cell(operator, pattern, method):
    f, blocks = PATTERNS[pattern]
    want = blocks(X)
    x = X.copy()
    if operator == "jvp":
        v = np.array([0.7, -2.0])
        y, jv = dl.jvp(f, (x,), (v,), method=method)
        for got, J in zip(jv, want):
            _close(got, J @ v, method)
    elif operator in ("vjp", "vjp twice"):
        y, pullback = dl.vjp(f, x, method=method)
        us = [np.array([1.0 + k, -0.5 * k]) for k in range(len(want))]
        for _ in range(2 if operator == "vjp twice" else 1):  # reverse compiles from the second call
            (got,) = pullback(tuple(us))
            _close(got, sum(u @ J for u, J in zip(us, want)), method)
    elif operator == "jacobian":
        y = None
        for got, J in zip(dl.jacobian(f, method=method)(x), want):
            _close(got, J, method)
    elif operator == "prepare.jacobian":
        p = dl.prepare(f, x, method=method)
        for _ in range(3):  # the first call interprets, later ones run compiled code
            for got, J in zip(p.jacobian(x), want):
                _close(got, J, method)
        y = p(x)
    else:
        p = dl.prepare(f, x, method=method)
        y = p(x)
    if operator != "jacobian":
        _assert_fresh(y, x)
    np.testing.assert_array_equal(x, X)  # never mutated


def _assert_fresh(outs, *inputs):
    """No output is an input or another output (changing one must change nothing else)."""
    arrays = [o for o in outs if isinstance(o, np.ndarray)]
    for k, o in enumerate(arrays):
        assert not any(o is a or np.shares_memory(o, a) for a in inputs), "an output aliases an input"
        assert not any(o is p or np.shares_memory(o, p) for p in arrays[:k]), "two outputs alias each other"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("operator", ["grad", "value_and_grad", "prepare.grad", "hessian", "jacobian"])
def test_same_array_as_two_arguments(operator, method):
    """f(a, b) called with one array for both: each argument is its own input."""

    def f(a, b):
        return dnp.sum(g(a) * b)

    x = X.copy()
    da, db = dg(x) * x, np.sin(x) * x  # ∂/∂a and ∂/∂b at a = b = x
    nums = (0, 1)
    if operator == "hessian":
        h = dl.hessian(f, argnums=nums, method=method)(x, x)
        d2g = -np.sin(x) * x + 2 * np.cos(x)
        _close(h[0][0], np.diag(d2g * x), method if method != "numeric" else "numeric-h")
        _close(h[0][1], np.diag(dg(x)), method if method != "numeric" else "numeric-h")
        _close(h[1][1], np.zeros((2, 2)), method if method != "numeric" else "numeric-h")
        return
    if operator == "jacobian":
        ja, jb = dl.jacobian(lambda a, b: g(a) * b, argnums=nums, method=method)(x, x)
        _close(ja, np.diag(da), method)
        _close(jb, np.diag(db), method)
        return
    if operator == "prepare.grad":
        p = dl.prepare(f, x, x, method=method, argnums=nums)
        for _ in range(3):
            ga, gb = p.grad(x, x)
            _close(ga, da, method)
            _close(gb, db, method)
    else:
        fn = (
            dl.grad(f, argnums=nums, method=method)
            if operator == "grad"
            else dl.value_and_grad(f, argnums=nums, method=method)
        )
        for _ in range(3):  # traced, then cached, then the generated reader
            out = fn(x, x)
            ga, gb = out if operator == "grad" else out[1]
            _close(ga, da, method)
            _close(gb, db, method)
            assert ga is not gb and not np.shares_memory(ga, gb)
    np.testing.assert_array_equal(x, X)


TOL["numeric-h"] = 1e-5


@pytest.mark.parametrize("method", METHODS)
def test_scalar_returned_twice(method):
    """The issue's own repro: `lambda u: (u, u)` at 1.5."""
    assert dl.jvp(lambda u: (u, u), (1.5,), (1.0,), method=method)[1] == pytest.approx((1.0, 1.0), rel=1e-7)
    assert dl.vjp(lambda u: (u, u), 1.5, method=method)[1]((1.0, 1.0))[0] == pytest.approx(2.0, rel=1e-7)
    assert dl.vjp(lambda u: (u * u, u * u), 1.5, method=method)[1]((1.0, 2.0))[0] == pytest.approx(9.0, rel=1e-7)


def test_vmap_outputs_are_fresh():
    xs = np.arange(6.0).reshape(3, 2)
    outs = dl.vmap(lambda u: (dnp.sin(u), dnp.sin(u), u, 2.0 * u))(xs)
    _assert_fresh(outs, xs)
    np.testing.assert_array_equal(outs[0], np.sin(xs))


# -- the numeric method across a comparison ------------------------------------------------------

SCHEMES = ["forward", "backward", "central", "central4", "richardson", "complex"]


@pytest.mark.parametrize("method", METHODS + [dl.Numeric(scheme=s) for s in SCHEMES])
@pytest.mark.parametrize("at", [(1.0, 1.0), (np.array([1.0, 2.0, -0.5]), np.array([1.0, 2.0, 3.0]))])
def test_comparison_is_piecewise_constant(method, at):
    """d/dx sum(x <= y) at x == y is 0 (was -41285 by numeric central differences)."""
    g = dl.grad(lambda x, y: dnp.sum(x <= y) * 1.0, argnums=(0, 1), method=method)(*at)
    for part in g:
        np.testing.assert_array_equal(part, np.zeros_like(at[0]))


@pytest.mark.parametrize("method", METHODS)
def test_numeric_holds_the_branch_at_a_jump(method):
    """A where on a comparison at its jump: every method follows the branch taken at x (the
    stencil no longer spans the jump), in the gradient and the Hessian."""
    x, y = np.array([1.0, 2.0, 1e-9]), np.array([1.0, 1.0, 0.0])

    def f(x, y):
        return dnp.sum(dnp.sum(x <= y) * x + dnp.where(x <= y, x * x, 3.0 * x) + dnp.sign(x - y) * y)

    gx, gy = dl.grad(f, argnums=(0, 1), method=method)(x, y)
    c = np.sum(x <= y)
    _close(gx, c + np.where(x <= y, 2 * x, 3.0), method)
    _close(gy, np.sign(x - y), method)
    h = dl.hessian(f, method=method)(x, y)
    _close(h, np.diag(np.where(x <= y, 2.0, 0.0)), "numeric-h" if method == "numeric" else method)


def test_numeric_counts_held_evaluations():
    """Holding the comparisons costs no extra evaluation of f: 1 + 2n for central differences."""
    p = dl.prepare(lambda x, y: dnp.sum(dnp.where(x <= y, x * x, x)), np.ones(3), np.ones(3), method="numeric")
    before = p.prepared.cost.evals
    p.grad(np.ones(3), np.zeros(3))
    assert p.prepared.cost.evals - before == 1 + 2 * 3


# -- strong zeros (DESIGN.md §3) -------------------------------------------------------------------

EXACT = ["symbolic", "forward", "reverse"]
# name: (f, x, methods whose gradient must be exactly 0 with no DomainWarning, methods checked for 0)
STRONG = {
    "x**0 at 0": (lambda x: x**0.0, 0.0, EXACT + ["numeric"]),
    "0**y, y > 0": (lambda y: 0.0**y, 2.0, EXACT + ["numeric"]),
    "0**y, small y": (lambda y: dnp.sum(np.zeros(3) ** y), np.array([0.5, 1e-3, 4.0]), EXACT),
    "std of one number": (lambda x: dnp.std(x), np.array([1.5]), EXACT + ["numeric"]),
    "x**2 at 0": (lambda x: x**2.0, 0.0, EXACT + ["numeric"]),
    "sqrt at 0 under a zero cotangent": (lambda x: dnp.sqrt(x) * 0.0, 0.0, EXACT),
    "x**0.5 at 0 under a zero cotangent": (
        lambda x: dnp.sum(x**0.5 * np.array([0.0, 1.0])),
        np.array([0.0, 1.0]),
        None,
    ),
    "sqrt(x*x) at 0 (abs'(0) = 0)": (lambda x: dnp.sqrt(x * x), 0.0, ["forward", "reverse"]),
    "where on an infinite branch": (lambda x: dnp.where(x > 0.5, dnp.sqrt(x), x), 0.0, ["forward", "reverse"]),
}


# numeric appears only where its stencil stays inside the domain (at sqrt's edge it cannot)
@pytest.mark.parametrize(
    "case, method", [(case, m) for case in sorted(STRONG) for m in METHODS if m in (STRONG[case][2] or EXACT)]
)
def test_strong_zeros(case, method):
    f, x, _ = STRONG[case]  # the methods it runs with are chosen by the parametrisation
    if case.startswith("x**0.5"):  # the zero-weighted element is 0, the other 0.5/sqrt(1)
        want = np.array([0.0, 0.5])
    elif case.startswith("where"):  # the branch taken is x itself
        want = 1.0
    else:
        want = np.zeros_like(np.asarray(x))
    # an infinite intermediate derivative (forward mode's tangent of sqrt at 0; the cotangent
    # reaching x*x under sqrt) that a strong zero turns into the convention's 0 left no domain:
    # no DomainWarning (issue 15; it is issued when the result holds the inf, see below)
    with warnings.catch_warnings():
        warnings.simplefilter("error" if method != "numeric" else "ignore")
        g = dl.grad(f, method=method)(x)
        p = dl.prepare(f, x, method=method)
        compiled = [p.grad(x) for _ in range(3)][-1]  # the compiled tier applies the same rules
    _close(g, want, method)
    _close(compiled, want, method)


# numeric is left out at sqrt's edge (sqrt, std of one number): its stencil steps out of the domain
@pytest.mark.parametrize(
    "case, want, method",
    [
        (case, want, m)
        for case, want in [
            ("x**0 at 0", 0.0),
            ("0**y, y > 0", 0.0),
            ("x**2 at 0", 2.0),
            ("sqrt at 0 under a zero cotangent", 0.0),
            ("std of one number", 0.0),
        ]
        for m in METHODS
        if not (m == "numeric" and case.startswith(("sqrt", "std")))
    ],
)
def test_strong_zeros_second_derivatives(case, want, method):
    f, x, methods = STRONG[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # forward-over-reverse meets sqrt's infinite tangent at 0 on the way
        h = dl.hessian(f, method=method)(x)
    _close(np.ravel(h), np.ravel(want), "numeric-h" if method == "numeric" else method)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_infinite_derivative_still_warns(method):
    """Strong zeros change nothing where the derivative is genuinely infinite."""
    with pytest.warns(dl.DomainWarning):
        assert np.isinf(dl.grad(dnp.sqrt, method=method)(0.0))


def test_strong_mul_on_arrays_takes_the_plain_product_only_where_it_is_safe():
    """strong_mul's NumPy implementation skips the 0·∞ masking when both factors are surely finite
    (one BLAS pass each); it must give the masked answer wherever an infinity or NaN is present,
    and for finite values too large for the check (their squares overflow)."""
    impl = dl.ops.REGISTRY["strong_mul"].impl
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    assert np.array_equal(impl(a, b), a * b)
    a[0, 1], a[2, 2], b[1] = np.inf, 0.0, 0.0
    b[2] = np.inf  # 0·∞ at (2, 2) and (0, 1): both 0; inf·x elsewhere stays inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0·∞ must not warn
        got = impl(a, b)
    with np.errstate(invalid="ignore"):
        want = np.where((a == 0) | (b == 0), 0.0, a * b)
    assert np.array_equal(got, want)
    huge = np.array([1e200, 0.0, -1e200])  # Σx² overflows: not "surely finite", the exact path decides
    assert np.array_equal(impl(huge, np.array([1e-200, np.inf, 2.0])), [1.0, 0.0, -2e200])
    assert impl(0.0, np.inf) == 0.0 and impl(np.array(0.0), np.array(np.inf)) == 0.0


@pytest.mark.parametrize("method", METHODS)
def test_constants_keep_every_digit(method):
    # found by autograd's test suite (bench/peer_suite.py): SymPy printed a closed-over double with
    # 15 digits, so symbolic gave x - c = 4e-15 and (x == c) = False at x = c
    c = np.random.default_rng(0).standard_normal(5) + np.array([1.764052345967664, 0.1234567890123456789, 0, 0, 0])
    value, grad = dl.value_and_grad(lambda x: dnp.sum((x == c) * 1.0) + dnp.sum((x - c) ** 2), method=method)(c)
    assert value == 5.0
    np.testing.assert_array_equal(dl.vjp(lambda x: x - c, c, method=method)[0], np.zeros(5))
    for k in range(5):  # the scalar path (Python floats) too
        assert dl.value_and_grad(lambda x: (x <= c[k]) + (x - c[k]), method=method)(float(c[k]))[0] == 1.0


@pytest.mark.parametrize("method", METHODS)
def test_condition_returned_as_the_output(method):
    # autograd's test_core (through the peer shim): symbolic raised AttributeError on the relational,
    # numeric subtracted booleans; a returned condition is its 0/1 value with zero derivative
    value, grads = dl.value_and_grad(lambda x, y: x <= y, argnums=(0, 1), method=method)(0.7, 1.8)
    assert value == 1.0 and grads == (0.0, 0.0)
    np.testing.assert_array_equal(dl.jacobian(lambda x: x > 0.5, method=method)(X), np.zeros((2, 2)))
    # a condition computed on the values (np.allclose gives a plain bool; autograd's test_nograd): numeric
    # subtracted those booleans ("numpy boolean subtract ... is not supported")
    value, g = dl.value_and_grad(lambda x: np.allclose(x, (x * 3.0) / 3.0), method=method)(X)
    assert value == 1.0
    np.testing.assert_array_equal(g, np.zeros(2))
    np.testing.assert_array_equal(dl.jacobian(lambda x: np.isclose(x, 0.5), method=method)(X), np.zeros((2, 2)))


# -- prod's derivatives at zeros and where products underflow ---------------------------------------
# f(x) = Σ_g c_g Π_{i∈g} x_i over the groups g that prod reduces together; its exact derivatives of
# order 1-3 are products of the other entries of a group, computed here in exact rational arithmetic
# (every double is a fraction) and rounded once.

PROD_CASES = {  # name: (shape, axis, keepdims)
    "all": ((4,), None, False),
    "axis 1": ((2, 4), 1, False),
    "axis 0, keepdims": ((3, 2), 0, True),
    "axes (0, 2)": ((2, 2, 2), (0, 2), False),
}
PROD_POINTS = {  # each group's entries (the first ones of the group's length), rotated per group
    "two zeros": [1.0, 0.0, 0.0, -2.0],
    "one zero": [1.5, 0.0, -2.0, 0.5],
    "all zeros": [0.0, 0.0, 0.0, 0.0],
    # the product underflows to 0 (prod/x_i was 0 for every partial); the products of the other
    # entries are doubles or underflow exactly too, in whatever order they are multiplied
    "underflow": [1e-200, 1e-200, 2.0, 0.5],
    "tiny factors": [7.7e-190, 2e-150, 3.0, -0.5],  # the CI profile's draw
    "no zero": [1.5, -2.0, 0.5, 3.0],
}


def _prod_problem(case, point):
    """(f, x, groups): x at the point, f(x) = Σ c·prod(x, axis), the flat indices of each group."""
    shape, axis, keepdims = PROD_CASES[case]
    axes = tuple(range(len(shape))) if axis is None else np.atleast_1d(axis)
    kept = [a for a in range(len(shape)) if a not in axes]
    flat = np.arange(int(np.prod(shape))).reshape(shape)
    groups = np.transpose(flat, kept + list(axes)).reshape(int(np.prod([shape[a] for a in kept])), -1)
    x = np.zeros(flat.size)
    for g, members in enumerate(groups):
        x[members] = np.roll(PROD_POINTS[point][: len(members)], g)
    c = np.array([1.5, -0.75, 2.0, 0.5])[: len(groups)]
    reduced = np.prod(np.zeros(shape), axis=axis, keepdims=keepdims).shape
    weights = c.reshape(reduced) if reduced else float(c[0])
    return (lambda u: dnp.sum(weights * dnp.prod(u, axis=axis, keepdims=keepdims))), x.reshape(shape), groups, c


def _prod_derivative(x, groups, c, order):
    """The exact derivative of the given order (1-3) of Σ c_g Π_g x, rounded to doubles."""
    flat = [Fraction(float(v)) for v in np.ravel(x)]
    out = np.zeros((len(flat),) * order)
    for weight, members in zip(c, groups):
        for idx in itertools.permutations(members.tolist(), order):
            rest = [flat[k] for k in members if k not in idx]
            out[idx] += float(Fraction(float(weight)) * math.prod(rest, start=Fraction(1)))
    return out.reshape(np.shape(x) * order)


def _prod_close(got, want, method):
    """Each entry to 1e-12 of itself (exact methods: products of doubles, a few roundings each);
    numeric to 1e-5 of the largest entry."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if method == "numeric":
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * max(np.max(np.abs(want)), 1.0))
    else:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("point", sorted(PROD_POINTS))
@pytest.mark.parametrize("case", sorted(PROD_CASES))
def test_prod_derivatives_at_zeros_and_underflow(case, point):
    """grad, hessian, jvp of grad and hvp of Σ c·prod(x, axis) (was: the Hessian 0 where two entries
    of a group are 0, e.g. ∂²(x0 x1 x2)/∂x1∂x2 = x0 at (1, 0, 0), and 0 for products that underflow).
    One test per case and point, over the methods, the exact derivatives computed once."""
    f, x, groups, c = _prod_problem(case, point)
    g1, g2 = (_prod_derivative(x, groups, c, k) for k in (1, 2))
    v = np.linspace(-1.0, 1.5, x.size).reshape(x.shape)
    hv = np.tensordot(g2, v, axes=x.ndim)
    for method in METHODS:
        calls = {
            "grad": (lambda: dl.grad(f, method=method)(x), g1),
            "hessian": (lambda: dl.hessian(f, method=method)(x), g2),
            "jvp of grad": (lambda: dl.jvp(dl.grad(f, method=method), (x,), (v,), method=method)[1], hv),
            "hvp": (lambda: dl.hvp(f, (x,), (v,), method=method)[1], hv),
        }
        for what, (call, want) in calls.items():
            try:
                _prod_close(call(), want, method)
            except AssertionError as err:
                raise AssertionError(f"{case}, {point}, {method} {what}: {err}") from err
        np.testing.assert_array_equal(x, _prod_problem(case, point)[1], err_msg=method)  # never mutated


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
@pytest.mark.parametrize("point", ["two zeros", "all zeros", "underflow"])
def test_prod_third_derivative(point, method):
    """prod's rule is itself a product of the other entries, so its derivatives nest exactly:
    ∂³(x0 x1 x2 x3)/∂x1∂x2∂x3 = x0, also at zeros."""
    f, x, groups, c = _prod_problem("axis 1", point)
    third = dl.jacobian(dl.hessian(f, method=method), method=method)(x)
    _prod_close(third, _prod_derivative(x, groups, c, 3), method)


@pytest.mark.parametrize("method", METHODS)
def test_prod_hessian_at_two_zeros(method):
    # the reported case: d²(x0 x1 x2)/dx1 dx2 = x0 = 1 at (1, 0, 0) (forward and reverse gave 0)
    H = dl.hessian(lambda x: dnp.prod(x), method=method)(np.array([1.0, 0.0, 0.0]))
    np.testing.assert_allclose(H, [[0, 0, 0], [0, 0, 1], [0, 1, 0]], atol=1e-7 if method == "numeric" else 0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("point", ["two zeros", "one zero", "underflow"])
def test_cumprod_derivatives_at_zeros(point, method):
    """cumprod (a chain of products in difflab.numpy): its gradient and Hessian at zeros and where
    products underflow; Σ_k cumprod_k is Σ_k c_k Π_{i≤k} x_i with prefixes as the groups."""
    x = np.array(PROD_POINTS[point])
    groups = [np.arange(k + 1) for k in range(len(x))]
    c = np.ones(len(x))

    def f(u):
        return dnp.sum(dnp.cumprod(u))

    _prod_close(dl.grad(f, method=method)(x), _prod_derivative(x, groups, c, 1), method)
    _prod_close(dl.hessian(f, method=method)(x), _prod_derivative(x, groups, c, 2), method)


# -- partials that overflow at large arguments -------------------------------------------------------
# each: f, the points, its derivative in closed form (written so that it cannot overflow there)
LN2 = math.log(2.0)


def _sig(z):
    e = math.exp(-abs(z))  # the logistic with no overflow, accurate in both tails
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


LARGE = {
    "logaddexp(x, 0.5)": (lambda x: dnp.logaddexp(x, 0.5), lambda x: _sig(x - 0.5)),
    "logaddexp(0.5, x)": (lambda x: dnp.logaddexp(0.5, x), lambda x: _sig(x - 0.5)),
    "logaddexp(x, 2x)": (lambda x: dnp.logaddexp(x, 2.0 * x), lambda x: _sig(-x) + 2.0 * _sig(x)),
    "logaddexp2(x, 0.5)": (lambda x: dnp.logaddexp2(x, 0.5), lambda x: _sig((x - 0.5) * LN2)),
    "logaddexp2(0.5, x)": (lambda x: dnp.logaddexp2(0.5, x), lambda x: _sig((x - 0.5) * LN2)),
    "hypot(x, 0.5)": (lambda x: dnp.hypot(x, 0.5), lambda x: x / math.hypot(x, 0.5)),
    "sigmoid": (lambda x: dnp.sigmoid(x), lambda x: _sig(x) * _sig(-x)),
    "softplus": (lambda x: dnp.softplus(x), _sig),
    "logsumexp": (lambda x: dnp.logsumexp(dnp.stack([x, 0.5 * x, 0.0 * x])), None),
    "log_softmax": (lambda x: dnp.log_softmax(dnp.stack([x, 0.5 * x, 0.0 * x]))[1], None),
    "tanh": (lambda x: dnp.tanh(x), lambda x: 1.0 - math.tanh(x) ** 2),
}
LARGE_AT = [-1e155, -1444.0, -750.0, 750.0, 1444.0, 1e155]


def _softmax3(x):
    """softmax of (x, x/2, 0) by mpmath-free closed form: weights relative to the largest."""
    z = np.array([x, 0.5 * x, 0.0])
    w = np.exp(z - z.max())
    return w / w.sum()


def _large_want(case, x):
    f, d = LARGE[case]
    if d is not None:
        return d(x)
    s = _softmax3(x)  # d logsumexp = Σ s_k dz_k/dx; d log_softmax_1 = 1/2 - that
    dlse = s[0] + 0.5 * s[1]
    return dlse if case == "logsumexp" else 0.5 - dlse


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", sorted(LARGE))
def test_partials_at_large_arguments(case, method):
    """Derivatives of ops whose value is finite at large arguments are finite and right there, for
    every method, the compiled tier and the 40-digit reference (was: symbolic's float code for
    logaddexp's partial exp(a)/(exp(a) + exp(b)) NaN from 710 on, hypot's NaN from 1e154 on).
    One test per case and method, over the points (each a fresh transform, as a test of its own was)."""
    f, _ = LARGE[case]
    for x in LARGE_AT:
        want = _large_want(case, x)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow warning, no DomainWarning: nothing left a domain
            got = dl.grad(f, method=method)(x)
            p = dl.prepare(f, x, method=method)
            compiled = [p.grad(x) for _ in range(3)][-1]
        for what, value in (("grad", got), ("prepared grad", compiled)):
            assert np.isfinite(value), f"{case} at {x:g}, {method} {what}: {value}"
            # numeric: relative to the derivative's scale 1 (a tail of 1e-164 is 0 to finite differences)
            tol = {"rtol": 1e-5, "atol": 1e-8} if method == "numeric" else {"rtol": 1e-12, "atol": 1e-300}
            np.testing.assert_allclose(value, want, **tol, err_msg=f"{case} at {x:g}, {method} {what}")


def test_symbolic_logaddexp_partial_at_large_arguments():
    # the reported case (was NaN); the 40-digit reference agrees
    assert dl.grad(lambda x: dnp.logaddexp(x, 0.5), method="symbolic")(1444.0) == 1.0
    p = dl.Symbolic().prepare(dl.trace(lambda x: dnp.logaddexp(x, 0.5), 1444.0), (0,))
    assert float(np.ravel(p.exact([1444.0], "jacobian"))[0]) == 1.0


# -- the second derivative of std at a constant vector ------------------------------------------------
# std(x) = |x − mean(x)|/√n is a cone at a constant vector: along u with Σu = 0, std(x + s·u) = |s|·std(u),
# whose derivative jumps, so the Hessian has no value there (the convention table's first derivative
# is 0, a strong zero; the second meets sqrt's infinite partial at 0 with a moving tangent): non-finite,
# with the DomainWarning naming sqrt. Along the ones direction std is constant: H·1 = 0 (a strong zero).
# (Forward-over-forward gave the finite 2/9 on the diagonal, from sqrt's partial taken at 1 in place of 0.)

HESSIAN_METHODS = [
    "symbolic",
    "forward",
    "reverse",
    ("forward", "reverse"),
    ("reverse", "forward"),
    ("forward", "forward"),
]


@pytest.mark.parametrize("method", HESSIAN_METHODS, ids=str)
def test_std_hessian_at_a_constant_vector_has_no_value(method):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        H = dl.hessian(lambda x: dnp.std(x), method=method)(np.ones(3))
    assert not np.isfinite(H).any(), H
    assert "v6 = sqrt(v5)" in [str(w.message).split(":")[0] for w in caught]


USER_STD = {str(e).split(" :")[0] for e in dl.trace(lambda x: dnp.std(x), np.ones(3)).eqns}


@pytest.mark.parametrize(
    "method",
    [
        "numeric",
        "forward",
        "reverse",
        ("numeric", "reverse"),
        ("numeric", "numeric"),
        ("forward", "reverse"),
        ("reverse", "numeric"),
        ("forward", "numeric"),
    ],
    ids=str,
)
def test_std_hessian_at_a_constant_vector_names_only_the_users_sqrt(method):
    """Issue 15: numeric gave a finite Hessian (7.7e3 on the diagonal, ~1/step) with no warning, numeric over
    reverse 7.8e4; reverse warned about `v17 = sum`, an equation of its own sweep the user never wrote; reverse
    or forward over numeric's gradient 7.8e4 with no warning (numeric did not know it was differentiated).
    Now: no finite entry, and DomainWarnings that name the user's sqrt and only the user's equations."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        H = dl.hessian(lambda x: dnp.std(x), method=method)(np.ones(3))
    assert not np.isfinite(H).any(), H
    named = {str(w.message).split(":")[0] for w in caught if issubclass(w.category, dl.DomainWarning)}
    assert "v6 = sqrt(v5)" in named and named <= USER_STD, named


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_std_hvp_at_a_constant_vector(method):
    f, x = (lambda x: dnp.std(x)), np.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        along_ones = dl.hvp(f, (x,), (np.ones(3),), method=method)[1]
        across = dl.hvp(f, (x,), (np.array([1.0, -1.0, 0.0]),), method=method)[1]
    np.testing.assert_array_equal(along_ones, np.zeros(3))  # std is constant along ones
    assert not np.isfinite(across[:2]).any(), across


# -- quotients whose partials overflowed at large arguments (issue 15) ---------------------------------
# d(a/b)/db = -a/b² overflowed in b² from |b| = 1.4e154 (symbolic's generated code: 0 for -1e-10 at a = 1e300,
# b = 1e155); the registry's partials are -(a/b)/b and arctan's/arctan2's are written without x². Expected
# values in exact rational arithmetic, rounded once.


def _exact(q):
    """q rounded to a double, ±inf beyond the largest one."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


QUOTIENTS = {  # name: (f, its exact derivative as a Fraction, the methods it holds for)
    "1e300 / b": (lambda b: 1e300 / b, lambda b: -Fraction(1e300) / Fraction(b) ** 2),
    "true_divide(1e300, b)": (lambda b: dnp.true_divide(1e300, b), lambda b: -Fraction(1e300) / Fraction(b) ** 2),
    "1e300 * reciprocal(b)": (lambda b: 1e300 * dnp.reciprocal(b), lambda b: -Fraction(1e300) / Fraction(b) ** 2),
    "1e300 * b ** -1": (lambda b: 1e300 * b**-1.0, lambda b: -Fraction(1e300) / Fraction(b) ** 2),
    "1e-300 / b": (lambda b: 1e-300 / b, lambda b: -Fraction(1e-300) / Fraction(b) ** 2),
    "1e300 * arctan(b)": (lambda b: 1e300 * dnp.arctan(b), lambda b: Fraction(1e300) / (1 + Fraction(b) ** 2)),
    "1e300 * arctan2(b, 0.5)": (
        lambda b: 1e300 * dnp.arctan2(b, 0.5),
        lambda b: Fraction(1e300) * Fraction(0.5) / (Fraction(0.5) ** 2 + Fraction(b) ** 2),
    ),
    "1e300 * arctan2(0.5, b)": (
        lambda b: 1e300 * dnp.arctan2(0.5, b),
        lambda b: -Fraction(1e300) * Fraction(0.5) / (Fraction(0.5) ** 2 + Fraction(b) ** 2),
    ),
}
QUOTIENT_AT = [1e155, -1e155, 1e300, -1e300, 1e-155, 1e-300]
# the cells that fail today (strict: a fix shows up as an unexpected pass); the other cells of these
# rows pass, or f or its derivative is not finite there. (Symbolic's cells of arctan and arctan2 at ±1e155
# were here: SymPy's own derivative 1/(x**2 + 1) gave 0; it now differentiates with the registry's partials.
# So were numeric's 1e-300 / b at 1e-155 and 1e-300: its stencil spanned b = 0; it now shrinks its step.)
OPEN: set = set()


def _quotient_cases():
    """(case, x, method), the open ones marked as strict expected failures (README, Not yet): they fail
    today, and a fix shows up as an unexpected pass."""
    for case in sorted(QUOTIENTS):
        for x in QUOTIENT_AT:
            for method in METHODS:
                reason = None
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason and (case, x, method) in OPEN else []
                yield pytest.param(case, x, method, marks=marks, id=f"{case}-{x:g}-{method}")


@pytest.mark.parametrize("case, x, method", list(_quotient_cases()))
def test_quotient_partials_at_large_arguments(case, x, method):
    f, d = QUOTIENTS[case]
    want = _exact(d(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # only the numeric method's shifted points overflow
        value = f(x)
    if not (np.isfinite(value) and np.isfinite(want)):
        return  # f or its derivative is infinite there: not this test's question
    got = dl.grad(f, method=method)(x)
    compiled = dl.prepare(f, x, method=method)
    again = [compiled.grad(x) for _ in range(3)][-1]
    for value in (got, again):
        if method == "numeric":  # differences of f resolve its derivative to ~1e-8·|f|/|x|, no finer
            with np.errstate(over="ignore"):  # inf where f/x overflows: no absolute slack there
                resolution = 1e-7 * abs(np.float64(f(x)) / x)
            np.testing.assert_allclose(value, want, rtol=1e-5, atol=resolution if np.isfinite(resolution) else 0.0)
        else:
            np.testing.assert_allclose(value, want, rtol=1e-11, atol=1e-300)


# -- the numeric method's JVP at mixed scales (issue 15) --------------------------------------------------

MIXED = np.array([7.7e-190, 2e-150, 4e150, -0.5])


@pytest.mark.parametrize("method", METHODS)
def test_jvp_of_grad_at_mixed_scales(method):
    """jvp of grad, hvp and jvp at x spanning 1e-190 to 1e150, each entry to its own tolerance (was, numeric:
    NaN for prod's and 0 for the quadratic's: its step along v came from max|x|, 6e145, for every component)."""
    v = np.linspace(-1.0, 1.5, 4)
    hess = _prod_derivative(MIXED, [np.arange(4)], [1.0], 2)
    c = np.array([1.5, -0.75, 2e-300, 0.5])
    quad = lambda x: dnp.sum(c * x * x) + x[0] * x[3]  # noqa: E731
    quad_h = np.diag(2 * c) + np.array([[0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0.0]])
    quad_g = 2 * c * MIXED + np.array([MIXED[3], 0.0, 0.0, MIXED[0]])
    tol = {"rtol": 1e-6, "atol": 0} if method == "numeric" else {"rtol": 1e-12, "atol": 1e-300}
    np.testing.assert_allclose(
        dl.jvp(dl.grad(dnp.prod, method=method), (MIXED,), (v,), method=method)[1], hess @ v, **tol
    )
    np.testing.assert_allclose(
        dl.jvp(dl.grad(quad, method=method), (MIXED,), (v,), method=method)[1], quad_h @ v, **tol
    )
    np.testing.assert_allclose(dl.jvp(quad, (MIXED,), (v,), method=method)[1], quad_g @ v, **tol)
    if method != "symbolic":  # symbolic's hvp is its Hessian times v (tested above through jvp of grad)
        np.testing.assert_allclose(dl.hvp(quad, (MIXED,), (v,), method=method)[1], quad_h @ v, **tol)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("x", [1e155, 1e200, 1e300])
@pytest.mark.parametrize("name", ["arcsinh", "arccosh"])
def test_inverse_hyperbolic_partials_at_large_arguments(name, x, method):
    # the battery's find: 1/sqrt(x² ± 1) overflowed in x² (0 where 1/x is right; 1/x is exact to 1e-310 relative)
    got = dl.grad(getattr(dnp, name), method=method)(x)
    np.testing.assert_allclose(got, 1.0 / x, rtol=1e-6 if method == "numeric" else 1e-13)


def _sinc_slope(x):
    """sinc'(x) in 50 digits: its Taylor series near 0 (no cancellation), the closed form elsewhere."""
    import mpmath

    with mpmath.workdps(50):
        t = mpmath.mpf(x)
        if abs(t) < 0.5:
            return float(
                sum(
                    (-1) ** k * 2 * k * mpmath.pi ** (2 * k) * t ** (2 * k - 1) / mpmath.factorial(2 * k + 1)
                    for k in range(1, 30)
                )
            )
        return float((mpmath.cos(mpmath.pi * t) - mpmath.sin(mpmath.pi * t) / (mpmath.pi * t)) / t)


@pytest.mark.parametrize("method", METHODS)  # symbolic's was SymPy's own, cancelling: -1.5e-8 for -3.3e-8 at 1e-8
@pytest.mark.parametrize("x", [1e-300, 1e-155, 1e-8, -1e-8, 1e-3, 0.0199, 0.0201, 0.3, 2.5])
def test_sinc_slope_near_zero(x, method):
    # the battery's find: (cos(πx) - sinc x)/x kept eps/x² of the slope (-2.2e-8 for -3.3e-8 at 1e-8, 0 below)
    got = dl.grad(dnp.sinc, method=method)(x)
    np.testing.assert_allclose(
        got, _sinc_slope(x), **({"rtol": 1e-5, "atol": 1e-8} if method == "numeric" else {"rtol": 1e-13, "atol": 0})
    )


@pytest.mark.parametrize("method", METHODS)
def test_mod_slope_in_b_where_the_quotient_underflows(method):
    # the battery's find: mod(1e-155, -1e300) = 1e-155 - 1e300 (k = -1), but a/b = -1e-455 is -0.0 and floor(-0.0)
    # is 0: the partial in b, -k, was 0 for 1 (symbolic's too, -floor(a/b), and its value a - b·floor(a/b) was
    # 1e-155 for -1e300)
    value, slope = dl.value_and_grad(lambda b: dnp.mod(1e-155, b), method=method)(-1e300)
    assert value == np.mod(1e-155, -1e300) and slope == pytest.approx(1.0)
    assert dl.grad(lambda b: dnp.fmod(1e-155, b), method=method)(-1e300) == pytest.approx(0.0, abs=1e-12)


def test_symbolic_code_with_a_constant_beyond_a_double():
    # the battery's find: SymPy folded 1/1e-155² into a Float of 1e310, printed as `inf`: a bare NameError from
    # symbolic's generated Hessian code. Now it runs; no finite wrong number (the exact value is -2.5e-156)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        H = dl.hessian(lambda x: dnp.arctan2(x, 1e-155), method="symbolic")(2.0)
    assert np.shape(H) == () and (not np.isfinite(H) or abs(H + 2.5e-156) <= 1e-168)


# -- the same answer from every method where the derivative has none (issue 15, this round) ----------------
EXACT_MIXES = [
    "symbolic",
    "forward",
    "reverse",
    *((a, b) for a in ("symbolic", "forward", "reverse") for b in ("symbolic", "forward", "reverse") if a != b),
]


def _domain_warnings(fn):
    """(fn(), the equations its DomainWarnings name, the categories of any other warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn()
    named = [str(w.message).split(":")[0] for w in caught if issubclass(w.category, dl.DomainWarning)]
    return value, named, [w.category.__name__ for w in caught if not issubclass(w.category, dl.DomainWarning)]


@pytest.mark.parametrize("method", EXACT_MIXES, ids=str)
def test_std_second_derivatives_at_a_constant_vector_are_nan_for_every_exact_method(method):
    """The cone's apex: the Hessian, grad of grad and jvp of grad are NaN for every exact method and every
    nesting of them, with one DomainWarning naming the user's sqrt. (Was: forward's Hessian ±inf where
    reverse's was NaN, and symbolic also warned about `v1 = sqrt(v0)` and `v6 = div(0.5, v4)`, equations of
    its own second-partial graph.) Along the ones direction std is constant: forward's JVP of the gradient
    there stays 0."""
    f, x, across = (lambda x: dnp.std(x)), np.ones(3), np.array([1.0, -1.0, 0.0])
    outer, inner = method if isinstance(method, tuple) else (method, method)
    calls = {
        "hessian": lambda: dl.hessian(f, method=method)(x),
        "grad of grad": lambda: dl.grad(lambda y: dl.grad(f, method=inner)(y)[0], method=outer)(x),
        "jvp of grad": lambda: dl.jvp(dl.grad(f, method=inner), (x,), (across,), method=outer)[1][:2],
    }
    for name, call in calls.items():
        value, named, others = _domain_warnings(call)
        assert np.isnan(value).all(), (name, value)
        assert named == ["v6 = sqrt(v5)"] and not others, (name, named, others)
    if outer == "forward":  # (symbolic's and reverse's JVP here is their Jacobian times the direction: NaN)
        along_ones = _domain_warnings(lambda: dl.jvp(dl.grad(f, method=inner), (x,), (np.ones(3),), method=outer))[0]
        np.testing.assert_array_equal(along_ones[1], np.zeros(3))


@pytest.mark.parametrize("inner", ["forward", "reverse", "symbolic"])
def test_a_jvp_at_a_cone_apex_is_directional_for_forward_and_symbolic_and_the_jacobian_times_v_for_reverse(inner):
    """The convention where a directional derivative exists but the Jacobian does not (README): forward's and
    symbolic's JVP is the derivative along v (forward's tangents, with strong zeros; symbolic's one directional
    derivative d/dt f(x + t v), differentiators/directional.py), reverse's is J·v from the Jacobian's rows (its
    native product). At a constant vector grad std is constant along the ones (off the apex too), so the
    directional JVP there is 0; J, std's Hessian, is NaN, so J·v is NaN, with one DomainWarning naming sqrt.
    The finite directional JVPs say nothing: the infinite partial of sqrt at 0 that a strong zero absorbed
    left no domain (as for the gradient, 0 there for every method, and the Matérn kernel's Hessian at its
    diagonal's distance 0). Where J is finite they agree (the last line)."""
    x, ones = np.ones(3), np.ones(3)
    grad = dl.grad(dnp.std, method=inner)
    for outer in ("forward", "reverse", "symbolic"):
        (value, tangent), named, others = _domain_warnings(lambda: dl.jvp(grad, (x,), (ones,), method=outer))
        np.testing.assert_array_equal(value, np.zeros(3))  # the gradient at the apex: strong zeros' 0
        if outer != "reverse":
            np.testing.assert_array_equal(tangent, np.zeros(3))
            assert named == [] and not others, (outer, named, others)
        else:
            assert np.isnan(tangent).all(), (outer, tangent)
            assert named == ["v6 = sqrt(v5)"] and not others, (outer, named, others)
    y, v = np.array([1.0, 2.0, 4.0]), np.array([0.5, -1.0, 2.0])
    tangents = [dl.jvp(grad, (y,), (v,), method=outer)[1] for outer in ("forward", "reverse", "symbolic")]
    np.testing.assert_allclose(tangents[1:], [tangents[0]] * 2, rtol=1e-12)


def _kernel_sum(x, r_of):
    """Σ_ij (1 + r) e^(−r) with r = √3 |x_i − x_j| (a Matérn-3/2 kernel's entries), r spelled by r_of(d²)."""
    d2 = (x[:, None] - x[None, :]) ** 2  # 0 on the diagonal, whatever x is
    r = r_of(3 * d2)
    return dnp.sum((1 + r) * dnp.exp(-r))


@pytest.mark.parametrize("method", EXACT_MIXES, ids=str)
def test_a_second_derivative_a_strong_zero_makes_finite_says_nothing(method):
    """sqrt(d²) at the diagonal's d² = 0, which never moves with x: sqrt's infinite partial there meets a
    zero tangent, so the Hessian is finite, and equal to the double-where spelling's, for every exact method
    and nesting, with no DomainWarning (was, forward and reverse: "v… = sqrt(v…): divide by zero … the result
    holds NaN or inf" on a finite, right result; symbolic inside another method too)."""
    x = np.array([0.3, -0.4, 1.1])
    naive = lambda x: _kernel_sum(x, dnp.sqrt)  # noqa: E731
    safe = lambda x: _kernel_sum(  # noqa: E731
        x, lambda s: dnp.where(s > 0, dnp.sqrt(dnp.where(s > 0, s, 1.0)), 0.0)
    )
    value, named, others = _domain_warnings(lambda: dl.hessian(naive, method=method)(x))
    assert named == [] and not others, (named, others)
    np.testing.assert_allclose(value, dl.hessian(safe, method="reverse")(x), rtol=1e-12, atol=1e-12)
    assert np.abs(value).max() > 1.0  # (a real Hessian, not zeros)


@pytest.mark.parametrize("method", EXACT_MIXES, ids=str)
def test_sqrt_of_a_square_has_no_second_derivative_at_0(method):
    """|x| as sqrt(x*x): its slope jumps at 0, so the second derivative is NaN with one DomainWarning naming the
    sqrt, for every exact method and nesting. (Was, symbolic: +inf. Its own strong products, the adjoints of the
    Hessian's first pass, were differentiated by the product rule; they now carry strong_mul's partial, NaN where
    its factor is 0 and the other infinite, as forward and reverse do.)"""
    f = lambda x: dnp.sqrt(x * x)  # noqa: E731
    value, named, others = _domain_warnings(lambda: dl.hessian(f, method=method)(0.0))
    assert np.isnan(value) and named == ["v2 = sqrt(v1)"] and not others, (value, named, others)
    assert _domain_warnings(lambda: dl.hessian(f, method=method)(-0.5))[0] == 0.0


@pytest.mark.parametrize("method", EXACT_MIXES, ids=str)
def test_a_second_derivative_whose_gradient_overflows_is_nan(method):
    """d²/db² 0.5/b at ±1e-300: the gradient -0.5/b² = -5e599 overflows, and a derivative of a value that is not
    finite is NaN (the operators' guard): NaN for every exact method and nesting, each with NumPy's overflow
    warning. (Was, symbolic's native Hessian: ±inf, 1/b³ rounded, where the others gave NaN; README states the
    convention.) The row of a finite gradient entry keeps its value."""
    f = lambda b: dnp.sum(0.5 / b)  # noqa: E731
    for b in (1e-300, -1e-300):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = dl.hessian(f, method=method)(np.array([b, 2.0]))
        assert np.isnan(value[0]).all() and value[1].tolist() == [0.0, 0.125], value
        assert any("overflow" in str(w.message) for w in caught), [str(w.message) for w in caught]
    assert dl.hessian(f, method=method)(1e-100) == pytest.approx(1e300, rel=1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_a_negative_base_to_a_variable_power_has_no_derivative(method):
    """d/dx (−1.3)**x = (−1.3)**x · log(−1.3): NaN with the DomainWarning naming the pow equation, also where
    the value is real (x = 2). (Was, symbolic: SymPy's log(−1.3) = log 1.3 + iπ, its real part kept: 0.443,
    with a ComplexWarning; its Hessian raised a TypeError.)"""
    f = lambda x: (-1.3) ** x  # noqa: E731
    for call in (
        lambda: dl.grad(f, method=method)(2.0),
        lambda: dl.jvp(f, (2.0,), (1.0,), method=method)[1],
        lambda: dl.hessian(f, method=method)(2.0),
        lambda: dl.grad(f, method=method)(0.5),
    ):
        value, named, others = _domain_warnings(call)
        assert np.isnan(value), value
        assert named == ["v1 = pow(-1.3, v0)"] and not others, (named, others)
    assert _domain_warnings(lambda: dl.value_and_grad(f, method=method)(3.0))[0][0] == pytest.approx((-1.3) ** 3)


# -- symbolic against reverse at the edges of every elementwise entry (issue 15: the hostile battery) -------
# Each differentiable elementwise op of the registry, one argument moving over zeros, domain edges and
# magnitudes 1e±8…1e±300 (the others at 0.7), in one vector: the symbolic method's per-scalar path (its
# translation and the registry's partials in SymPy) must give reverse's values and slopes, NaN where reverse's
# is NaN. It found: the values of mod(1e-155, -1e300) (1e-155 for -1e300), copysign(0.7, 0.0) (0 for 0.7),
# fmod(0.5, 1e-8) (0 for 1e-8) and fmod(1e300, 1e-300) (-inf), sinc(0) (NaN for 1) and log1p(1e-155) (0), all
# from translations written as formulas; now named SymPy functions computed by NumPy's and C's own.
EDGE = np.array(sorted({s * m for m in (0.0, 1e-300, 1e-155, 1e-8, 0.5, 1.0, 1.5, 1e8, 1e155, 1e300) for s in (1, -1)}))
BATTERY_OPS = [
    (op.name, k)
    for op in dl.ops.REGISTRY.values()
    if op.elementwise and op.differentiable and op.nargs in (1, 2) and op.float_partials and "bool" not in op.domain
    for k in range(op.nargs)
    if op.domain[min(k, len(op.domain) - 1)] != "integer"  # orders and shape parameters: refused by design
]
# SciPy's special functions (difflab.ops.special) were a known gap here: their SymPy forms (betaln as loggamma
# sums, beta as Γ·Γ/Γ, besseli(1, x), ive as besseli·e^-|x|) are not SciPy's values at these edges (beta's overflow
# gave NaN at 1e155, betaln at 1e300 was -12.6 for -249.6, i1(1e-155) was 0, j0/y0/i0 were SciPy's jv/yv/iv at
# order 0). Each such entry is now a named SymPy function computed by its SciPy function (special._scipy_named).
BATTERY_CASES = [pytest.param(n, k, id=f"{n}-{k}") for n, k in BATTERY_OPS]


def _same(a, b):
    """Equal to 1e-10 relative, or both NaN, or the same infinity (complex values compared whole: wofz's)."""
    kind = complex if np.iscomplexobj(a) or np.iscomplexobj(b) else float
    a, b = np.asarray(a, dtype=kind), np.asarray(b, dtype=kind)
    with np.errstate(invalid="ignore"):  # (inf - inf: judged by a == b)
        close = np.abs(a - b) <= 1e-10 * np.maximum(np.abs(a), np.abs(b)) + 1e-300
    return (np.isnan(a) & np.isnan(b)) | (a == b) | (np.isfinite(a) & np.isfinite(b) & close)


def _held(op, i):
    """The value an argument that does not move holds: 0.7, or the whole order 2 for an order (polygamma(0.7, x)
    is nowhere finite; yn truncates 0.7)."""
    if op.name == "zeta" and i == 1:  # (ζ(x, 0.7) overflows from x ≈ 2000 (0.7^-x): one finite edge left, 1.5)
        return 1.5
    return 2.0 if op.domain[min(i, len(op.domain) - 1)] in ("integer", "above_one") else 0.7


@pytest.mark.parametrize("name, k", BATTERY_CASES)
def test_symbolic_agrees_with_reverse_at_the_edges(name, k):
    op = dl.ops.REGISTRY[name]
    with np.errstate(all="ignore"):
        args = [EDGE if i == k else np.full(EDGE.shape, _held(op, i)) for i in range(op.nargs)]
        xs = EDGE[np.isfinite(op.impl(*args))]  # where the op itself is finite
    assert xs.size > 1, xs

    def f(x):
        return 1.0 * op(*[x if i == k else np.full(np.shape(x), _held(op, i)) for i in range(op.nargs)])

    # symbolic at one edge a call: its scalar code is built once and run at each (a vector of the edges built one
    # SymPy expression per entry, ~20 times the CPU: 39 CPU-s for the battery, issue 17); each edge then takes
    # the path a call there takes (Python's math, NumPy's where that fails), as reverse's vector does
    method = dl.Symbolic(matrix=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = dl.jvp(f, (xs,), (np.ones_like(xs),), method="reverse")
        got = np.array([dl.jvp(f, (x,), (1.0,), method=method) for x in xs]).T
    for what, g, w in zip(("value", "slope"), got, want):
        same = _same(g, w)
        assert same.all(), (what, xs[~same], np.asarray(g)[~same], np.asarray(w)[~same])


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_special_function_partials_at_the_special_battery_finds(method):
    """Symbolic against reverse over SciPy's special functions at zeros, poles and 1e±8…1e±300 found two wrong
    partials, wrong for every method: betaln's and beta's ψ(a) - ψ(a + b) cancelled (0 for -7e-156 at a = 1e155,
    b = 0.7; 0 for -3.9e-301 at b = 1e-300; 3e-8 relative at a = 1e7), and the densities of gammainc, gammaincc
    and betainc at a = b = 1 were NaN at x = 0 (and 1) where they are ±1: (a - 1)·log(x) was 0·(-inf)."""
    import mpmath
    import scipy.special as sc

    import difflab.scipy.special as dsp

    method = dl.Symbolic(matrix=False) if method == "symbolic" else method  # (its translation, per entry)
    mpmath.mp.dps = 400
    a, b = np.array([1e155, 3.0, 1e7, 0.5, 2e8]), np.array([0.7, 1e-300, 0.7, 30.0, 1e9])
    psi = np.vectorize(lambda u, w=0.0: float(mpmath.digamma(u) - mpmath.digamma(mpmath.mpf(u) + mpmath.mpf(w))))
    want_a, want_b = psi(a, b), psi(b, a)  # ψ(a) - ψ(a + b) in 400 digits, rounded once
    tol = {"rtol": 1e-10, "atol": 0}
    np.testing.assert_allclose(dl.grad(lambda a: dnp.sum(dsp.betaln(a, b)), method=method)(a), want_a, **tol)
    np.testing.assert_allclose(dl.grad(lambda b: dnp.sum(dsp.betaln(a, b)), method=method)(b), want_b, **tol)
    np.testing.assert_allclose(
        dl.grad(lambda a: dnp.sum(dsp.beta(a, b)), method=method)(a), sc.beta(a, b) * want_a, **tol
    )
    x = np.array([0.0, 0.5])
    np.testing.assert_allclose(dl.grad(lambda x: dnp.sum(dsp.gammainc(1.0, x)), method=method)(x), np.exp(-x))
    np.testing.assert_allclose(dl.grad(lambda x: dnp.sum(dsp.gammaincc(1.0, x)), method=method)(x), -np.exp(-x))
    x = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(dl.grad(lambda x: dnp.sum(dsp.betainc(1.0, 1.0, x)), method=method)(x), np.ones(3))


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_second_derivatives_at_the_battery_finds(method):
    """sinc'' at 1e155 (symbolic: NaN, the unused Taylor branch's x² overflowing under where's zero derivative)
    and cbrt'' at 0 (symbolic: a finite 0, mul's strong zero in cbrt's partial 1/(3·out·out) under reverse over
    reverse; it has no value there: NaN, as forward and reverse give)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sinc = dl.hessian(lambda x: 1.0 * dnp.sinc(x), method=method)(1e155)
        cbrt = dl.hessian(lambda x: 1.0 * dnp.cbrt(x), method=method)(0.0)
        # the slope's derivative at 1e155: -π²·sinc(x) - 2·sinc'(x)/x, in floats (sin(π·1e155) is NumPy's)
        x = 1e155
        want = -(np.pi**2) * np.sinc(x) - 2 * (np.cos(np.pi * x) - np.sinc(x)) / x / x
    assert np.isfinite(sinc) and sinc == pytest.approx(want, rel=1e-9)
    assert np.isnan(cbrt)


def test_floor_division_of_a_traced_value_is_numpys():
    """`x // 0.1` on a traced value was a TypeError (no __floordiv__); its value is NumPy's floor division
    (1.0 // 0.1 is 9, where floor(1.0 / 0.1) is 10), its derivative 0, for every method."""
    x = np.array([1.0, -0.7, 2.5])
    for method in ("symbolic", "numeric", "forward", "reverse"):
        g = dl.grad(lambda w: dnp.sum((w // 0.1) * w + 3.0 // w), method=method)(x)
        np.testing.assert_allclose(g, x // 0.1, rtol=1e-9, atol=1e-9)
    assert dl.trace(lambda w: w // 0.1, 1.0).eqns[0].op.name == "floor_divide"
    assert dl.value_and_grad(lambda w: w // 0.1 * w, method="symbolic")(1.0) == (9.0, 9.0)


def test_a_max_tie_through_a_2x2_cofactor_splits_for_every_method():
    """The random-graph test's draw: max over cofactor(A) + … with a tie on the diagonal. The cofactor by
    the SVD gave 2.2500000000000004 and 2.25 there, so forward, reverse and numeric took one branch at
    second order (Hessian diag [2, 0]) where symbolic's exact entries tie and split it ([1, 1])."""
    A = np.array([[2.25, 0.25], [0.25, 2.25]])
    np.testing.assert_array_equal(dl.REGISTRY["cofactor"](A), [[2.25, -0.25], [-0.25, 2.25]])
    np.testing.assert_array_equal(dl.REGISTRY["cofactor"](np.array([[-3.0]])), [[1.0]])

    def f(x):
        v = dnp.reshape(x + 0.5, (2, 1))
        return dnp.max(dl.REGISTRY["cofactor"](v * dnp.reshape(x + 0.5, (1, 2)) + 2.0 * np.eye(2)) + 1.0 + v)

    for method in ("symbolic", "numeric", "forward", "reverse", ("forward", "reverse")):
        tol = 1e-6 if method == "numeric" else 1e-12
        np.testing.assert_allclose(dl.hessian(f, method=method)(np.zeros(2)), np.eye(2), atol=tol)


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_sigmoid_slope_where_the_output_rounds_to_one(method):
    """sigmoid'(40) is e^-40 / (1 + e^-40)^2 = 4.25e-18; the rule s(1 - s) gave 0 there (1 - s rounds to 0
    beyond x ~ 37) for every exact method: a relative error of 1. s(x) s(-x) keeps it, and its second
    derivative -4.25e-18 too."""
    import difflab.scipy.special as dsp

    x = np.array([40.0, -40.0, 3.0])
    s = 1.0 / (1.0 + np.exp(-np.abs(x)))
    want = np.exp(-np.abs(x)) * s * s  # e^-|x| / (1 + e^-|x|)^2, no cancellation
    np.testing.assert_allclose(dl.grad(lambda v: dnp.sum(dsp.expit(v)), method=method)(x), want, rtol=1e-13)
    h = dl.hessian(lambda v: dnp.sum(dnp.sigmoid(v)), method=method)(np.array([40.0]))
    np.testing.assert_allclose(h, [[-np.exp(-40.0) * (1 - np.exp(-40.0)) / (1 + np.exp(-40.0)) ** 3]], rtol=1e-13)


def _logaddexp_of_unreachable(x, op=np.logaddexp):
    """CTC's log-domain recursion in miniature: states not yet reachable hold -inf (np.full_like), shifted by a
    traced x1 (their tangent dx1), then logaddexp(-inf, -inf) of two of them; f = x0 + 2·x1."""
    alpha = np.full_like(x, -np.inf, shape=3)
    alpha[:1] = x[:1]
    alpha = alpha + x[1]
    y = op(alpha, np.concatenate([[-np.inf], alpha[:-1]])) + x[1]
    return op(y[1], y[2])


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse", "numeric"])
def test_logaddexp_of_two_minus_infinities_splits_the_tie(method):
    """logaddexp's partials σ(a − b) at a = b = -inf were NaN (-inf − -inf): the forward gradient was NaN (with a
    DomainWarning blaming the value, which is NumPy's -inf) and the symbolic one NaN silently, where reverse's was
    [1, 2]. The partials are ½ on the whole diagonal (as max splits a tie): every method [1, 2], no warning;
    logaddexp2 likewise; a NaN argument still gives NaN."""
    x = np.array([0.3, -0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = dl.value_and_grad(_logaddexp_of_unreachable, method=method)(x)
        g2 = dl.grad(lambda x: _logaddexp_of_unreachable(x, np.logaddexp2), method=method)(x)
    assert float(value) == pytest.approx(0.3 - 1.0, rel=1e-15)
    for got in (g, g2):
        np.testing.assert_allclose(got, [1.0, 2.0], rtol=1e-9 if method == "numeric" else 1e-15)
    if method != "numeric":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert np.isnan(dl.grad(lambda x: dnp.logaddexp(x, np.nan), method=method)(1.0))


@pytest.mark.parametrize(
    "method", ["symbolic", "forward", "reverse", ("symbolic", "symbolic"), ("reverse", "symbolic")]
)
def test_logaddexp_at_a_finite_tie_keeps_its_second_derivative(method):
    """The tie rule above held the partials' argument a − b at a constant 0 on the whole diagonal, so its derivative
    was lost: the Hessian of logaddexp(a, a) was 0 under every exact method for σ(0)(1 − σ(0)) = ¼ (autograd's
    test_systematic::test_logaddexp under symbolic, at 0.4, 0.4: 4 % off). A finite tie keeps a − b."""
    x = np.array([0.4, 0.4])
    for fn, c in ((np.logaddexp, 0.25), (np.logaddexp2, 0.25 * np.log(2))):
        h = dl.hessian(lambda x: fn(x[0], x[1]), method=method)(x)
        np.testing.assert_allclose(h, [[c, -c], [-c, c]], rtol=1e-14)


def _reduce_unreachable(red):
    def f(x):
        a = np.full_like(x, -np.inf, shape=(2, 3))
        a[0, :1] = x[:1]
        a = a + x[1]  # row 1 all -inf, its tangent dx1
        r = red(a) + x[1]  # [x0 + 2·x1, -inf]
        return np.logaddexp(r[0], r[1])

    return f


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse", "numeric"])
@pytest.mark.parametrize(
    "red",
    [lambda a: np.logaddexp.reduce(a, axis=1), lambda a: dl.scipy.special.logsumexp(a, axis=1)],
    ids=["logaddexp.reduce", "logsumexp"],
)
def test_logsumexp_of_an_all_minus_infinity_row_splits_the_tie(red, method):
    """logsumexp's weights e^(x − out) over a row all -inf (out = -inf) were NaN: the symbolic gradient was NaN
    silently and forward's NaN with a DomainWarning, where reverse's was [1, 2]. They are 1/n there (the tie split
    evenly, as logaddexp's partials on its diagonal): every method [1, 2], no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = dl.value_and_grad(_reduce_unreachable(red), method=method)(np.array([0.3, -0.5]))
    assert float(value) == pytest.approx(-0.7, rel=1e-15)
    np.testing.assert_allclose(g, [1.0, 2.0], rtol=1e-9 if method == "numeric" else 1e-15)
