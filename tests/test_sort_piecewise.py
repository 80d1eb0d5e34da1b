"""numpy.sort and numpy.piecewise record graphs that hold for every input value (issue 11): `sort` is a primitive
(ops/sorting.py) whose derivative follows the values' permutation, and piecewise with traced conditions selects
among all its branches, as jax.numpy's. So prepare reuses them at values in another order or on other branches,
and vmap batches them, each checked against NumPy's own values (a fresh call, a Python loop) and its complex step
(NumPy sorts complex values by their real parts first, so the step does not reorder them)."""

from __future__ import annotations

import numpy as np
import pytest

import difflab as dl
from tier import FULL

METHODS = ("reverse", "forward", "symbolic", "numeric")
X = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
W = np.arange(1.0, 6.0)


def _complex_step(f, x, h=1e-30):
    if f.__name__ == "_partitioned":  # (NumPy's complex partition arranges the entries off kth otherwise)
        return _central(f, x)
    return np.array([f(x + 1j * h * e).imag / h for e in np.eye(x.size)])


def _central(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


def _tol(f, method):
    return 1e-6 if method == "numeric" or f.__name__ == "_partitioned" else 1e-12


def _sorted_weighted(x):
    return (np.sort(x) ** 3 * W).sum() + np.sort(np.outer(x[:2], x), axis=0)[0].sum()


def _sorted_flat_and_median(x):
    m = np.outer(x, x[:3])
    return (np.sort(m, axis=None)[::4] * x[0]).sum() + np.median(x) * x[1]


def _in_place_sort(x):
    y = x * W
    y.sort()
    return (y * W).sum()


def _piecewise(x):
    pieces = [lambda v: np.sqrt(-v), lambda v: np.sin(v) * v, 0.5]
    return np.sum(np.piecewise(x, [x < 0, x > 1], pieces) ** 2 * x)


def _piecewise_otherwise(x):
    return np.sum(np.piecewise(x * 2.0, [x < -1, x > 0.5], [lambda v: v**2, lambda v: np.exp(v), np.cos]) * x)


def _partitioned(x):  # numpy.partition: kth an int, a sequence, negative; along an axis and flattened
    m = np.outer(x, x[:3])
    return (
        (np.partition(x, 2) ** 3 * W).sum()
        + (np.partition(x * W, [0, -1]) * W[::-1]).sum()
        + (np.partition(m, 1, axis=0)[1:3] ** 2).sum()
        + (np.partition(m, (4, 9), axis=None) * np.arange(15.0)).sum()
    )


FUNCTIONS = [_sorted_weighted, _sorted_flat_and_median, _in_place_sort, _piecewise, _piecewise_otherwise, _partitioned]
#: points in other orders and on other branches than X
OTHERS = [X[::-1].copy(), -X, np.array([1.5, 0.2, -0.6, -2.0, 1.1])]


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__.strip("_"))
def test_prepared_at_other_orders_and_branches_is_a_fresh_call(f):
    # (symbolic sorts by order statistics, sort_k: seconds for these sizes; its sort is checked on a smaller one)
    for method in METHODS if "sort" not in f.__name__ and "partition" not in f.__name__ else METHODS[:2] + METHODS[3:]:
        tol = _tol(f, method)
        p = dl.prepare(f, X, method=method)  # (it refused: the graph was specialised to X's order and branches)
        for at in [X, *OTHERS]:
            assert float(p(at)) == pytest.approx(f(at.copy()), rel=1e-13)
            np.testing.assert_allclose(p.grad(at), _complex_step(f, at), rtol=tol, atol=tol)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__.strip("_"))
def test_vmap_is_a_python_loop(f):
    batch = np.stack([X, *OTHERS])
    np.testing.assert_allclose(dl.vmap(f)(batch), [f(b.copy()) for b in batch], rtol=1e-13)
    grads = dl.vmap(dl.grad(f))(batch)
    tol = _tol(f, "reverse")
    np.testing.assert_allclose(grads, [_complex_step(f, b) for b in batch], rtol=tol, atol=tol)


def test_sort_along_an_axis_batched_and_its_hessian():
    a = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]])
    for axis in (0, 1, -1, None):
        got = dl.vmap(lambda m: np.sort(m, axis=axis))(np.stack([a, -a]))
        np.testing.assert_array_equal(got, [np.sort(a, axis=axis), np.sort(-a, axis=axis)])

    def g(x):
        return (np.sort(x) ** 3 * W).sum()

    # Σ_k W_k s_k³ with s = x sorted: the Hessian is diagonal, 6 W_rank(i) x_i at each x_i
    want = np.diag(6 * W[np.argsort(np.argsort(X))] * X)
    for method in ("reverse", "forward", "symbolic", ("forward", "reverse")):
        np.testing.assert_allclose(dl.hessian(g, method=method)(X), want, rtol=1e-12)
    p = dl.prepare(lambda x: (np.sort(x) ** 2 * W[:3]).sum(), X[:3], method="symbolic")
    for at in (X[:3], X[2::-1], X[1:4]):
        np.testing.assert_allclose(
            p.grad(at), 2 * np.sort(at)[np.argsort(np.argsort(at))] * W[np.argsort(np.argsort(at))]
        )


@pytest.mark.slow  # importing JAX: seconds
def test_against_jax_sort_and_piecewise():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def theirs(x):
        pieces = [lambda v: jnp.sqrt(-v), lambda v: jnp.sin(v) * v, 0.5]
        return (jnp.sort(x) ** 3 * W).sum() + jnp.sum(jnp.piecewise(x, [x < 0, x > 1], pieces) ** 2 * x)

    def ours(x):
        return (np.sort(x) ** 3 * W).sum() + _piecewise(x)

    for at in [X, *OTHERS]:
        want = np.asarray(jax.grad(theirs)(jnp.asarray(at)))
        for method in ("reverse", "forward", "symbolic"):
            np.testing.assert_allclose(dl.grad(ours, method=method)(at), want, rtol=1e-12, atol=1e-12)


def test_piecewise_branches_empty_at_the_traced_point_see_no_value_outside_their_domain():
    """A branch whose condition holds nowhere at the traced point still sees only values where it is finite (as
    NumPy's, which calls it on no entry): no NaN and no DomainWarning at the points where it is picked or not."""
    import warnings

    def f(x):
        return np.sum(np.piecewise(x, [x < 0], [lambda v: np.sqrt(-v), lambda v: np.log(v)]) * x)

    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = dl.prepare(f, x)
        for at in (x, -x, np.array([-4.0, 0.5])):
            assert float(p(at)) == pytest.approx(f(at), rel=1e-14)
            np.testing.assert_allclose(p.grad(at), _complex_step(f, at.astype(complex)), rtol=1e-13)
        np.testing.assert_allclose(dl.vmap(f)(np.stack([x, -x])), [f(x), f(-x)], rtol=1e-14)


def test_partition_is_numpys_arrangement_and_its_derivative_moves_the_tangent_with_it():
    """partition's values are NumPy's own (not sort's: the entries off kth are in NumPy's order), ties included,
    and its Jacobian is the permutation matrix that arranges x so: J x = numpy.partition(x, kth), rows one-hot."""
    rng = np.random.default_rng(3)
    for trial in range(12):
        x = np.round(rng.normal(size=9), 0 if trial % 2 else 3)  # (odd trials: ties)
        kth = [int(rng.integers(9))] if trial % 3 else [1, -3, 6]
        want = np.partition(x, kth)
        # (symbolic builds a SymPy Jacobian for each trial's function, ~0.45 CPU-s: in the default tier (tests/tier.py)
        # on trials 0-3 only, which hold each of {no ties, ties} × {one kth, three}; reverse and forward on all 12)
        for method in ("reverse", "forward", "symbolic")[: 3 if FULL or trial < 4 else 2]:
            jac = dl.jacobian(lambda x: np.partition(x, kth), method=method)(x)
            np.testing.assert_array_equal(jac @ x, want)
            np.testing.assert_array_equal(np.sort(jac, axis=1)[:, -1], np.ones(9))
            np.testing.assert_array_equal(jac.sum(axis=0), np.ones(9))
    # the Hessian is the permuted one: Σ_k W_k p_k³, p = partition(x): 6 W_k x_i where x_i lands at k
    x = X.copy()
    place = np.argsort(np.argsort(np.partition(x, 2)))[np.argsort(np.argsort(x))]  # (distinct values)
    want = np.diag(6 * W[place] * x)
    for method in ("reverse", "forward", "symbolic", ("forward", "reverse")):
        np.testing.assert_allclose(dl.hessian(lambda x: (np.partition(x, 2) ** 3 * W).sum(), method=method)(x), want)


def test_partition_refuses_what_numpy_refuses():
    with pytest.raises(ValueError, match=r"kth\(=5\) out of bounds \(5\)"):
        dl.grad(lambda x: np.partition(x, 5).sum())(X)
    with pytest.raises(TypeError, match="order="):
        dl.grad(lambda x: np.partition(x, 1, order="a").sum())(X)


def _complex_sorted(x):  # numpy.sort of complex values: by real part, then imaginary part
    z = x[:4] + 1j * x[1:]
    z = np.concatenate([z, np.conj(z[:2])])  # (two real-part ties: the imaginary parts order them)
    s = np.sort(z)
    return (
        (np.abs(s) ** 2 * np.arange(1.0, 7.0)).sum()
        + (s.imag**3 * W[0]).sum()
        + np.sort(np.outer(z, z[:2]), 0)[0].real.sum()
    )


def test_complex_sort_is_numpys_order_under_every_method_prepared_and_vmapped():
    for at in [X, *OTHERS]:
        want = _central(_complex_sorted, at)
        for method in ("reverse", "forward", "numeric"):
            value, g = dl.value_and_grad(_complex_sorted, method=method)(at)
            assert value == pytest.approx(_complex_sorted(at), rel=1e-14)
            np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-7)
        hess = dl.hessian(_complex_sorted, method="reverse")(at)
        np.testing.assert_allclose(hess, _central(dl.grad(_complex_sorted), at), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(dl.hessian(_complex_sorted, method="forward")(at), hess, rtol=1e-12, atol=1e-12)
    p = dl.prepare(_complex_sorted, X)
    for at in OTHERS:  # (the trace is not specialised to X's order)
        assert float(p(at)) == pytest.approx(_complex_sorted(at), rel=1e-14)
        np.testing.assert_allclose(p.grad(at), _central(_complex_sorted, at), rtol=1e-7, atol=1e-7)
    batch = np.stack([X, *OTHERS])
    np.testing.assert_allclose(dl.vmap(_complex_sorted)(batch), [_complex_sorted(b) for b in batch], rtol=1e-14)
    # NaN last, as NumPy puts them: real part NaN after imaginary NaN ones of a number real part
    z = np.array([1 + np.nan * 1j, np.nan + 0j, 0.5 - 1j, 0.5 + 0j, -2 + 3j])
    got = dl.vmap(lambda v: np.sort(v * (1 + 0j)))(np.stack([z.real * 0 + 1, z.real * 0 + 2]))
    assert got.shape == (2, 5)
    np.testing.assert_array_equal(np.sort(np.asarray(dl.numpy.sort(z))), np.sort(z))
    # the symbolic method too (NumPy's complex order by csort_weight's picks; refused by name until tails39)
    for at in [X, *OTHERS]:
        np.testing.assert_allclose(
            dl.grad(_complex_sorted, method="symbolic")(at), dl.grad(_complex_sorted)(at), rtol=1e-14, atol=1e-14
        )


@pytest.mark.parametrize("method", METHODS)
def test_argpartition_is_an_equation_so_prepare_and_vmap_follow_the_values(method):
    """numpy.argpartition on a traced value records an equation (its indices recomputed at each call, derivative 0)
    and the gathers by it (take_along_axis, x[i]) record gather_along: prepared at one order, the value and the
    gradient at another are the ones at that order (on main prepare refused the graph, naming argpartition)."""
    w = np.arange(1.0, 6.0)

    def f(x):
        return np.sum(np.take_along_axis(x, np.argpartition(x, 2), 0) ** 2 * w) + np.sum(
            x[np.argpartition(x, (1, 3))] ** 3 * w
        )

    def want(x):  # the closed form at x's own arrangement
        g = np.zeros_like(x)
        for kth, p in ((2, 2), ((1, 3), 3)):
            i = np.argpartition(x, kth)
            g[i] += p * x[i] ** (p - 1) * w
        return g

    xs = np.array([[3.0, 1.0, 2.0, 5.0, 4.0], [0.5, 4.0, -1.0, 2.0, 3.0], [-2.0, -1.0, 0.25, 1.0, 3.0]])
    prepared = dl.prepare(f, xs[0], method=method)
    tol = dict(rtol=1e-7) if method == "numeric" else dict(rtol=1e-15)
    for x in xs:
        assert prepared(x) == pytest.approx(f(x), rel=1e-15)
        np.testing.assert_allclose(prepared.grad(x), want(x), **tol)
    np.testing.assert_allclose(dl.vmap(dl.grad(f, method=method))(xs), [want(x) for x in xs], **tol)
    # along an axis of a matrix, the gradient's transpose (scatter_along) adding where an index repeats
    m = xs[:2]
    g = dl.grad(lambda m: np.sum(np.take_along_axis(m, np.argpartition(m, 1, axis=1)[:, :2], 1) * w[:2]), method=method)
    expect = np.zeros_like(m)
    for r in range(2):
        expect[r, np.argpartition(m[r], 1)[:2]] = w[:2]
    np.testing.assert_allclose(g(m), expect, **tol)
    np.testing.assert_array_equal(dl.vmap(lambda x: np.argpartition(x, 2))(xs), np.argpartition(xs, 2, axis=1))
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 5"):
        dl.grad(lambda x: np.sum(x[np.argpartition(x, 2) + 3]))(xs[0])


@pytest.mark.parametrize("method", METHODS)
def test_argsort_is_an_equation_so_prepare_and_vmap_follow_the_values(method):
    """numpy.argsort on a traced value records an equation, as argpartition does (its indices NumPy's own, by the
    call's sort kind, recomputed at each call, derivative 0): x[np.argsort(x)], take_along_axis by it along an axis
    and the rows of a matrix picked by it follow each call's order, prepared and vmapped, checked against complex
    step at each x (on main the graph was specialised to the first call's order: prepare refused it by name)."""
    w, m = np.arange(1.0, 6.0), np.arange(10.0).reshape(5, 2) / 3.0

    def f(x):
        rows = np.reshape(x, (1, 5)) * np.ones((2, 1))
        picked = np.take_along_axis(rows, np.argsort(rows * np.array([[1.0], [-1.0]]), axis=1, kind="stable"), 1)
        return (
            np.sum(x[np.argsort(x)] ** 2 * w)
            + np.sum(np.sin(picked) * np.arange(10.0).reshape(2, 5))
            + np.sum((x[:, None] * m)[np.argsort(-x)] * m)
        )

    def complex_step(x):
        return np.array([np.imag(f(x + 1e-30j * e)) / 1e-30 for e in np.eye(5)])

    xs = np.array([[3.0, 1.0, 2.0, 5.0, 4.0], [0.5, 4.0, -1.0, 2.0, 3.0], [-2.0, -1.0, 0.25, 1.0, 3.0]])
    prepared = dl.prepare(f, xs[0], method=method)
    tol = dict(rtol=1e-7) if method == "numeric" else dict(rtol=1e-14)
    for x in xs:
        assert prepared(x) == pytest.approx(f(x), rel=1e-15)
        np.testing.assert_allclose(prepared.grad(x), complex_step(x), **tol)
    np.testing.assert_allclose(dl.vmap(dl.grad(f, method=method))(xs), [complex_step(x) for x in xs], **tol)
    np.testing.assert_array_equal(dl.vmap(lambda x: np.argsort(-x))(xs), np.argsort(-xs, axis=1))
    if method in ("forward", "reverse"):  # a second derivative through the gather: diag(2w) permuted
        h = dl.hessian(lambda x: np.sum(x[np.argsort(x)] ** 2 * w), method=method)(xs[1])
        np.testing.assert_allclose(h, np.diag(2 * w[np.argsort(np.argsort(xs[1]))]), rtol=1e-15)
    ties = np.array([1.0, 0.0, 1.0, 0.0, 1.0])  # (NumPy's own order of ties, by the kind the call names)
    for kw in ({}, {"kind": "stable"}, {"stable": True}, {"kind": "heapsort"}):
        np.testing.assert_array_equal(dl.prepare(lambda x: np.argsort(x, **kw), ties)(ties), np.argsort(ties, **kw))
    assert dl.prepare(lambda x: np.argsort(x, axis=None), xs)(xs).tolist() == np.argsort(xs, axis=None).tolist()


@pytest.mark.parametrize("method", METHODS)
def test_argpartition_indices_still_serve_numpys_own_functions(method):
    """argpartition's traced indices carry no derivative: where NumPy's own code needs their numbers (np.take, a
    NumPy array indexed by them, list(), int()) it reads them, the trace specialised as bool() specialises it, and
    the gradient is the one at these values; an integer partial makes a float gradient (symbolic's was int64)."""
    x, w = np.array([3.0, 1.0, 2.0, 5.0, 4.0]), np.arange(5.0)
    i = np.argpartition(x, 2)
    cases = [
        (lambda x: np.sum(np.take(x, np.argpartition(x, 2)) * w), np.bincount(i, w, 5)),
        (lambda x: np.sum(w[np.argpartition(x, 2)] * x), w[i]),
        (lambda x: np.sum(x[list(np.argpartition(x, 2))] * w), np.bincount(i, w, 5)),
        (lambda x: x[int(np.argpartition(x, 2)[0])], np.eye(5)[i[0]]),
        (lambda x: np.sum(np.argpartition(x, 2) * x), i * 1.0),
    ]
    for f, want in cases:
        got = dl.grad(f, method=method)(x)
        assert got.dtype == np.float64
        np.testing.assert_allclose(
            got, want, rtol=1e-7 if method == "numeric" else 0, atol=1e-7 if method == "numeric" else 0
        )


@pytest.mark.parametrize("method", METHODS)
def test_sort_complex_is_one_sort_equation(method):
    """np.sort_complex on traced values is the sort entry (NumPy's complex order: real part, then imaginary), not a
    gather by argsort's values: prepared at one order it answers at another, vmap sorts each row; the symbolic
    method takes complex values too (picks by csort_weight, NumPy's complex order; refused by name until tails39),
    ties of the real part included, and its Hessian is reverse's."""
    w, c = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2j, 3.0, 1 + 1j])
    xs = np.array([[3.0, 1.0, 4.0, 2.0], [1.0, 2.0, 3.0, 4.0]])
    f = lambda x: np.sum(w * np.real(np.sort_complex(x)) ** 2)  # noqa: E731
    prepared = dl.prepare(f, xs[0], method=method)
    for x in xs:
        want = np.zeros(4)
        want[np.argsort(x)] = 2.0 * w * np.sort(x)
        np.testing.assert_allclose(prepared.grad(x), want, rtol=1e-7 if method == "numeric" else 1e-15)
    assert dl.vmap(np.sort_complex)(xs).tolist() == np.sort_complex(xs).tolist()
    zs = np.array([[2 + 1j, 1 + 3j, 0.5 - 1j, 3 + 0j], [0.5 - 1j, 3 + 0j, 2 + 1j, 1 + 3j], [1 + 1j, 1 - 1j, 0.5j, 1]])
    # (prepare takes real leaves: z = re + i·im, its gradient (∂re, ∂im) the conjugate-free pair of grad's)
    g = lambda re, im: np.sum(np.real(c * np.sort_complex(re + 1j * im) ** 2))  # noqa: E731
    prepared = dl.prepare(g, zs[0].real, zs[0].imag, method=method, argnums=(0, 1))
    for z in zs[:2] if method == "numeric" else zs:  # (zs[2] ties real parts: a jump numeric's stencils straddle)
        want = np.zeros(4, complex)
        want[np.argsort(z, kind="stable")] = np.conj(2.0 * c * np.sort_complex(z))  # ∂re + i ∂im of Re(c s²)
        got = prepared.grad(z.real, z.imag)
        np.testing.assert_allclose(got[0] + 1j * got[1], want, rtol=1e-7 if method == "numeric" else 1e-15)
    if method == "symbolic":  # (a second derivative: SymPy's picks differentiated again)
        f = lambda v: np.sum(np.real(c * np.sort_complex(v[:4] + 1j * v[4:]) ** 3))  # noqa: E731
        for z in zs:
            v = np.concatenate([z.real, z.imag])
            want = dl.hessian(f, method="reverse")(v)
            np.testing.assert_allclose(dl.hessian(f, method="symbolic")(v), want, rtol=1e-13, atol=1e-13)


def test_numeric_holds_the_permutation_at_a_complex_tie():
    """Complex values sort by real part, then imaginary part: where two real parts tie, a step in one of them
    reorders the pair and sort's value jumps. The numeric method holds x's permutation (sort's `piecewise`
    entry, pieces.py), as the exact methods' derivative follows it; a stencil across the jump gave -4.1e4 and
    4.1e4 for 2 and 3, silently."""
    w = np.array([1.0, 2.0, 3.0])

    def f(x):
        s = np.sort(x[:3] + 1j * x[3:])
        return np.sum(w * np.real(s)) + np.sum(w * np.imag(s))

    x = np.array([1.0, 1.0, 0.5, 0.2, 0.7, 0.3])  # real parts 1.0 and 1.0 tie; 0.2 < 0.7 orders them
    want = dl.grad(f, method="reverse")(x)
    np.testing.assert_array_equal(want, [2.0, 3.0, 1.0, 2.0, 3.0, 1.0])
    np.testing.assert_allclose(dl.grad(f, method="numeric")(x), want, rtol=1e-8)
    np.testing.assert_allclose(dl.hessian(f, method="numeric")(x), np.zeros((6, 6)), atol=1e-4)


def test_symbolic_hessian_through_a_partition_and_a_sort_takes_no_piecewise_derivative_of_sympy(monkeypatch):
    """Least trimmed squares (tests/test_user_code11's trimmed_lts, 6 residuals): a Hessian's second sweep
    differentiates the adjoint 0.5·Piecewise((1, c0), ..., (0, c5)) + g of the partition's input in every symbol;
    SymPy's `diff` of that sum re-evaluated the Piecewise, merging its pieces (28 s at 12 residuals), where the
    symbolic method takes it piece by piece (program._sum_or_product_partial): SymPy's own is never called now.
    The value is the analytic Hessian: Σ 2·x_i x_iᵀ over the 4 smallest squared residuals (ties none), plus
    Σ ε/(r² + ε)^{3/2}·x_i x_iᵀ of the trimmed mean of sqrt(r² + ε) over the middle 4 of 6."""
    import sympy as sp

    def never(self, s):
        raise AssertionError("SymPy's Piecewise derivative")

    monkeypatch.setattr(sp.Piecewise, "_eval_derivative", never)
    X = np.column_stack([np.ones(6), np.linspace(-1.0, 1.0, 6)])
    y = np.array([0.4, -0.3, 1.9, 0.2, -2.5, 0.8])
    eps = 1e-2

    def f(w):
        r2 = (y - X @ w) ** 2
        return np.sum(np.partition(r2, 3)[:4]) + 0.5 * np.sum(np.sort(np.sqrt(r2 + eps))[1:-1])

    w = np.array([0.1, 0.3])
    r = y - X @ w
    kept, middle = np.argsort(r**2)[:4], np.argsort(r**2)[1:-1]
    want = 2 * X[kept].T @ X[kept] + 0.5 * (X[middle].T * (eps / (r[middle] ** 2 + eps) ** 1.5)) @ X[middle]
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(w), want, rtol=1e-12)
