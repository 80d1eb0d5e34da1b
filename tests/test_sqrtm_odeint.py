"""difflab.scipy.linalg.sqrtm (with the sylvester entry its rules use) and difflab.scipy.integrate.odeint:
values against SciPy's, first and second derivatives against the perturbation formulas (X dX + dX X = dA;
the closed-form solution of y' = -k y) and against finite differences, the domain conditions and the
refusals. The registry-driven tests (tests/test_registry.py) cover the sqrtm and sylvester entries too."""

import numpy as np
import pytest

import difflab as dl
from difflab.scipy import linalg as dla
from central import central

pytest.importorskip("scipy")
import scipy.integrate  # noqa: E402
import scipy.linalg as sl  # noqa: E402

from difflab.scipy import integrate as dint  # noqa: E402

EXACT = ["forward", "reverse"]


def _jvp(f, x, dx, method):
    return dl.jvp(f, (x,), (dx,), method=method)[1]


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def _nonsymmetric(rng, n):
    """A non-symmetric matrix whose eigenvalues have real parts near 3 (well inside sqrtm's domain)."""
    return rng.normal(size=(n, n)) * 0.5 + 3.0 * np.eye(n)


# -- sqrtm -----------------------------------------------------------------------------------------


def test_sqrtm_values_equal_scipy_and_plain_scipy_names_difflabs(rng):
    b = rng.normal(size=(3, 3))
    for a in (b @ b.T + np.eye(3), _nonsymmetric(rng, 3), np.stack([_nonsymmetric(rng, 3) for _ in range(2)])):
        expected = np.stack([sl.sqrtm(m) for m in a.reshape(-1, 3, 3)]).reshape(a.shape)
        np.testing.assert_allclose(dla.sqrtm(a), expected, rtol=1e-13, atol=1e-14)
    with pytest.raises(dl.UnsupportedOperationError, match="use difflab.scipy.linalg.sqrtm$"):
        dl.grad(lambda a: sl.sqrtm(a).sum())(b @ b.T)


@pytest.mark.parametrize("method", ["forward", "reverse", "numeric"])
def test_sqrtm_first_derivative_solves_the_sylvester_equation(method, rng):
    """X dX + dX X = dA; for a diagonal A = diag(a), dX[i, j] = dA[i, j] / (√a_i + √a_j). (Symbolic's
    closed form for 2×2 equals reverse in tests/test_registry.py; at 3×3, below.)"""
    n = 3
    a, da = _nonsymmetric(rng, n), rng.normal(size=(n, n))
    x, dx = dla.sqrtm(a), _jvp(dla.sqrtm, a, da, method)
    tol = 1e-6 if method == "numeric" else 1e-11
    np.testing.assert_allclose(x @ dx + dx @ x, da, atol=tol)
    root = np.array([2.0, 3.0, 4.0])
    got = _jvp(dla.sqrtm, np.diag(root**2), da, method)
    np.testing.assert_allclose(got, da / (root[:, None] + root[None, :]), atol=tol)


@pytest.mark.parametrize("method", EXACT)
def test_sqrtm_gradient_and_second_derivative(method, rng):
    """The reverse/forward gradient of <W, sqrtm(A)> equals finite differences; the second directional
    derivative d²X solves X d²X + d²X X = -2 dX dX (X X = A differentiated twice)."""
    a, da, w = _nonsymmetric(rng, 3), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    f = lambda a: (dla.sqrtm(a) * w).sum()  # noqa: E731
    np.testing.assert_allclose(dl.grad(f, method=method)(a), dl.grad(f, method="numeric")(a), rtol=1e-6, atol=1e-8)
    x, dx = dla.sqrtm(a), _jvp(dla.sqrtm, a, da, method)
    d2x = _jvp(lambda a: _jvp(dla.sqrtm, a, da, method), a, da, method)
    np.testing.assert_allclose(x @ d2x + d2x @ x, -2.0 * dx @ dx, atol=1e-10)
    hess = dl.hessian(f, method=method)(a).reshape(9, 9)
    np.testing.assert_allclose(hess, hess.T, atol=1e-10)
    np.testing.assert_allclose(da.ravel() @ hess @ da.ravel(), (w * d2x).sum(), rtol=1e-9)


def test_sqrtm_of_a_real_matrix_with_a_negative_eigenvalue_is_scipy_s_complex_root():
    """SciPy's value and dtype (complex; a stack's roots all complex when one is: its dtype rule), and
    the derivatives of its real and imaginary parts for forward, reverse and numeric equal central
    differences of SciPy's (it was NaN with a DomainWarning); symbolic (2×2) equals reverse."""
    assert dla.sqrtm(np.diag([-4.0, 9.0])).tolist() == [[2j, 0j], [0j, 3 + 0j]]
    b = np.random.default_rng(3).normal(size=(3, 3))
    a = b + b.T  # eigenvalues -3.28, -1.07, 5.80 (autograd's test_sqrtm: a symmetrized random matrix)
    stack = np.stack([4.0 * np.eye(3), a])
    assert sl.sqrtm(stack).dtype == dla.sqrtm(stack).dtype == complex
    np.testing.assert_allclose(dla.sqrtm(stack), sl.sqrtm(stack), rtol=1e-13, atol=1e-14)
    assert dla.sqrtm(4.0 * np.eye(3)).dtype == float  # real where SciPy's is
    w = np.random.default_rng(4).normal(size=(3, 3))
    for part in (np.real, np.imag):
        f = lambda m, root=dla.sqrtm, part=part: part(np.sum(root(m) * w))  # noqa: E731
        want = central(lambda m, f=f: f(m, sl.sqrtm), a)
        for method in ("forward", "reverse", "numeric"):
            np.testing.assert_allclose(dl.grad(f, method=method)(a), want, rtol=1e-7, atol=1e-8)
    # second order: X d²X + d²X X = −2 dX dX, and d²/da² Im √a = −(−a)^(−3/2)/4 at a = −1
    e = np.random.default_rng(5).normal(size=(3, 3))
    x, dx = sl.sqrtm(a), _jvp(dla.sqrtm, a, e, "reverse")
    for method in EXACT:
        d2x = _jvp(lambda m, method=method: _jvp(dla.sqrtm, m, e, method), a, e, method)
        np.testing.assert_allclose(x @ d2x + d2x @ x, -2.0 * dx @ dx, atol=1e-10)
    hess = dl.hessian(lambda m: np.imag(np.sum(dla.sqrtm(m))))(np.diag([-1.0, 4.0]))
    assert hess[0, 0, 0, 0] == pytest.approx(-0.25, rel=1e-12)
    # symbolic: the 2×2 closed form's complex root as real and imaginary parts (its shared parts named per part:
    # cse had named √det, imaginary here, by a real symbol, and the gradient came out NaN)
    a2 = np.array([[-1.0, 0.3], [0.2, 4.0]])
    for part in (np.real, np.imag):
        f = lambda m, part=part: part(np.sum(dla.sqrtm(m) * w[:2, :2]))  # noqa: E731
        want = dl.grad(f, method="reverse")(a2)
        np.testing.assert_allclose(dl.grad(f, method="symbolic")(a2), want, rtol=1e-12, atol=1e-14)


def test_sqrtm_outside_its_domain_and_symbolic_beyond_2x2():
    """Singular A: a root, but no derivative (NaN with a DomainWarning)."""
    singular = np.array([[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(dla.sqrtm(singular), singular / np.sqrt(2.0))
    with pytest.warns(dl.DomainWarning, match="singular Sylvester equation"):
        g = dl.grad(lambda a: dla.sqrtm(a).sum())(singular)
    assert np.isnan(g).all()
    # per scalar above 2×2: the opaque kind (ops/matfuncs.py; tests/test_symbolic_sqrtm.py), no longer refused
    per_scalar = dl.grad(lambda a: dla.sqrtm(a).sum(), method=dl.Symbolic(matrix=False))(np.eye(3) * 4.0)
    np.testing.assert_allclose(per_scalar, np.full((3, 3), 0.25), rtol=1e-14)  # (X dX + dX X = 4 dX = dA)
    # at matrix level the closed form holds sqrtm's registry adjoint (as for eigh)
    a = _nonsymmetric(np.random.default_rng(0), 3)
    sym = dl.grad(lambda a: dla.sqrtm(a).sum(), method="symbolic")(a)
    np.testing.assert_allclose(sym, dl.grad(lambda a: dla.sqrtm(a).sum())(a), rtol=1e-12)


def test_solve_sylvester_gradients_in_every_argument(rng):
    a, b, q = _nonsymmetric(rng, 3), _nonsymmetric(rng, 2), rng.normal(size=(3, 2))
    np.testing.assert_allclose(dla.solve_sylvester(a, b, q), sl.solve_sylvester(a, b, q), rtol=1e-12)
    w = rng.normal(size=(3, 2))
    for k in range(3):

        def f(x, k=k):
            args = [a, b, q]
            args[k] = x
            return (dla.solve_sylvester(*args) * w).sum()

        x = (a, b, q)[k]
        np.testing.assert_allclose(dl.grad(f)(x), dl.grad(f, method="numeric")(x), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(dl.grad(f, method="forward")(x), dl.grad(f)(x), rtol=1e-12, atol=1e-14)


def _parts_gradient(f, z, h=1e-6):
    """∂f/∂x − i ∂f/∂y of a real f by central differences (the convention's gradient, ops/complexes.py)."""
    g = np.zeros_like(z)
    for k in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[k] = 1.0
        g[k] = (f(z + h * e) - f(z - h * e)) / (2 * h) - 1j * (f(z + 1j * h * e) - f(z - 1j * h * e)) / (2 * h)
    return g


def _complex_system(rng):
    a = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3)) + 4.0 * np.eye(3)
    b = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)) + 3.0 * np.eye(2)
    return a, b, rng.normal(size=(3, 2)) + 1j * rng.normal(size=(3, 2)), rng.normal(size=(3, 3))


@pytest.mark.parametrize("method", EXACT)
def test_sqrtm_and_solve_sylvester_of_complex_matrices(method, rng):
    """Complex A (B, Q): SciPy's values, gradients of real functions equal to central differences of the
    parts (SciPy on plain arrays), J v along a complex direction and its derivative (X dX + dX X = dA)."""
    a, b, q, w = _complex_system(rng)
    np.testing.assert_allclose(dla.sqrtm(a), sl.sqrtm(a), rtol=1e-12)
    np.testing.assert_allclose(dla.solve_sylvester(a, b, q), sl.solve_sylvester(a, b, q), rtol=1e-12)
    root = lambda m, f=dla.sqrtm: np.sum(np.abs(f(m)) ** 2 * w)  # noqa: E731
    solve = lambda m, f=dla.solve_sylvester: np.real(np.sum(f(m, b, q) * w[:, :2]))  # noqa: E731
    for f, plain in ((root, sl.sqrtm), (solve, sl.solve_sylvester)):
        want = _parts_gradient(lambda m, f=f, plain=plain: f(m, plain), a)
        np.testing.assert_allclose(dl.grad(f, method=method)(a), want, rtol=1e-6, atol=1e-7)
    # in B and Q too: the gradient of Re Σ w∘X in Q is the adjoint solve Aᵀ Q̄ + Q̄ Bᵀ = w (no conjugate)
    g = dl.grad(lambda m: np.real(np.sum(dla.solve_sylvester(a, b, m) * w[:, :2])), method=method)(q)
    np.testing.assert_allclose(g, sl.solve_sylvester(a.T, b.T, w[:, :2] + 0j), rtol=1e-10)
    gb = dl.grad(lambda m: np.real(np.sum(dla.solve_sylvester(a, m, q) * w[:, :2])), method=method)(b)
    np.testing.assert_allclose(
        gb, _parts_gradient(lambda m: solve(a, lambda x, _, y: sl.solve_sylvester(x, m, y)), b), rtol=1e-6, atol=1e-7
    )
    e = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    x = sl.sqrtm(a)
    _, dx = dl.jvp(dla.sqrtm, (a,), (e,), method=method)
    np.testing.assert_allclose(x @ dx + dx @ x, e, rtol=1e-10, atol=1e-12)
    _, d2x = dl.jvp(lambda m: dl.jvp(dla.sqrtm, (m,), (e,), method=method)[1], (a,), (e,), method=method)
    np.testing.assert_allclose(x @ d2x + d2x @ x, -2.0 * dx @ dx, rtol=1e-9, atol=1e-11)  # X X = A, twice


def test_complex_solve_sylvester_gradient_is_autograd_s_and_sqrtm_s_keeps_its_imaginary_part(rng):
    """autograd's solve_sylvester VJP agrees; its sqrtm VJP takes the real part of the Sylvester solve
    (autograd/scipy/linalg.py), so its gradient at a complex A is the real part of the central differences'
    (JAX's sqrtm and solve_sylvester have no derivative: no rule for `schur`)."""
    autograd = pytest.importorskip("autograd")
    from autograd.scipy import linalg as asl

    a, b, q, w = _complex_system(rng)
    theirs = autograd.grad(lambda m: autograd.numpy.real(autograd.numpy.sum(asl.solve_sylvester(m, b, q) * w[:, :2])))(
        a
    )
    ours = dl.grad(lambda m: np.real(np.sum(dla.solve_sylvester(m, b, q) * w[:, :2])), method="reverse")(a)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    f = lambda m: np.sum(np.abs(dla.sqrtm(m)) ** 2 * w)  # noqa: E731
    want = _parts_gradient(lambda m: np.sum(np.abs(sl.sqrtm(m)) ** 2 * w), a)
    theirs = autograd.grad(lambda m: autograd.numpy.sum(autograd.numpy.abs(asl.sqrtm(m)) ** 2 * w))(a)
    np.testing.assert_allclose(theirs, want.real, rtol=1e-6, atol=1e-7)  # the imaginary part dropped
    assert np.abs(want.imag).max() > 0.05
    np.testing.assert_allclose(dl.grad(f, method="reverse")(a), want, rtol=1e-6, atol=1e-7)


# -- odeint ----------------------------------------------------------------------------------------

TIGHT = dict(rtol=1e-11, atol=1e-11)


def _decay(y, t, k):
    return -k * y


def test_odeint_values_equal_scipy():
    def func(y, t, a, b):
        return -np.sqrt(t) - y + a - np.mean((y + b) ** 2)

    y0, t, a, b = np.array([0.3, -0.2, 0.5]), np.linspace(0.1, 0.2, 4), np.array([0.1, 0.2, 0.3]), np.ones(3)
    np.testing.assert_array_equal(dint.odeint(func, y0, t, (a, b)), scipy.integrate.odeint(func, y0, t, (a, b)))


@pytest.mark.parametrize("method", EXACT)
def test_odeint_first_derivatives_against_the_closed_form(method):
    """y(t) = y0 exp(-k (t - t0)): derivatives in k, y0, every output time and t0."""
    y0, t, k = np.array([1.5, -0.5]), np.array([0.0, 0.4, 1.0]), 0.7
    sol = lambda y0, t, k: dint.odeint(_decay, y0, t, (k,), **TIGHT)  # noqa: E731
    grads = dl.grad(lambda y0, t, k: sol(y0, t, k).sum(), argnums=(0, 1, 2), method=method)(y0, t, k)
    e = np.exp(-k * (t - t[0]))
    np.testing.assert_allclose(grads[0], [e.sum()] * 2, rtol=1e-8)
    d_times = -k * y0.sum() * e
    np.testing.assert_allclose(grads[1], np.r_[-d_times[1:].sum(), d_times[1:]], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(grads[2], -y0.sum() * ((t - t[0]) * e).sum(), rtol=1e-8)


def test_odeint_nonlinear_against_finite_differences():
    """autograd's test function, derivatives in y0, t and both arguments: exact to the integrator's
    tolerance (1e-11 here), so central differences (numeric) agree to about 1e-6; forward (one
    sensitivity solve per input direction: only a's three here) equals reverse."""

    def func(y, t, a, b):
        return -np.sqrt(t) - y + a - np.mean((y + b) ** 2)

    r = np.random.default_rng(5)
    y0, t, a, b = r.normal(size=3) * 0.3, np.linspace(0.1, 0.2, 4), r.normal(size=3), r.normal(size=3)
    w = r.normal(size=(4, 3))
    f = lambda y0, t, a, b: (dint.odeint(func, y0, t, (a, b), **TIGHT) * w).sum()  # noqa: E731
    got = dl.grad(f, argnums=(0, 1, 2, 3))(y0, t, a, b)
    ref = dl.grad(f, argnums=(0, 1, 2, 3), method="numeric")(y0, t, a, b)
    for g, n in zip(got, ref):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-7)
    forward = dl.grad(lambda a: f(y0, t, a, b), method="forward")(a)
    np.testing.assert_allclose(forward, got[2], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    "method",
    [("forward", "reverse"), ("reverse", "reverse"), pytest.param(("forward", "forward"), marks=pytest.mark.slow)],
)
def test_odeint_second_derivatives(method):
    """d²y(T)/dk² = y0 T² e^(-kT) and d²y(T)/dk dy0 = -T e^(-kT): the rules' augmented solves, nested."""
    t, k, y0 = np.array([0.0, 0.8]), 0.6, 1.3

    def final(x):  # x = (k, y0)
        return dint.odeint(_decay, x[1:], t, (x[0],), **TIGHT)[-1, 0]

    hess = dl.hessian(final, method=method)(np.array([k, y0]))
    e = np.exp(-k * t[-1])
    np.testing.assert_allclose(hess, [[y0 * t[-1] ** 2 * e, -t[-1] * e], [-t[-1] * e, 0.0]], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("method", EXACT)
def test_odeint_without_args_and_with_scipys_other_forms(method):
    """No args (an empty parameter vector), rates returned as a list, a scalar y0, tfirst=True."""
    t = np.array([0.0, 1.0])
    rotate = lambda y, t: [y[1], -y[0]]  # noqa: E731  y0(t) = y0 cos t + y1 sin t
    g = dl.grad(lambda y0: dint.odeint(rotate, y0, t, **TIGHT)[-1, 0], method=method)(np.array([1.0, 0.0]))
    np.testing.assert_allclose(g, [np.cos(1.0), np.sin(1.0)], rtol=1e-8)
    g = dl.grad(lambda y0: dint.odeint(lambda y, t: -y, y0, t, **TIGHT)[-1, 0], method=method)(2.0)
    assert g == pytest.approx(np.exp(-1.0), rel=1e-8)
    first = lambda t, y, k: -k * y  # noqa: E731
    g = dl.grad(lambda k: dint.odeint(first, np.ones(1), t, (k,), tfirst=True, **TIGHT)[-1, 0], method=method)
    assert g(1.0) == pytest.approx(-np.exp(-1.0), rel=1e-8)


def test_odeint_reuses_its_lowered_right_hand_side_for_new_arguments():
    """One func, one lowered right-hand side (traced with the arguments as an input, not constants):
    a second solve at another k gives that k's solution, not the first one's."""
    t = np.array([0.0, 1.0])
    for k in (0.5, 2.0):
        y = dint.odeint(_decay, np.array([1.5]), t, (k,), **TIGHT)
        assert y[-1, 0] == pytest.approx(1.5 * np.exp(-k), rel=1e-8)


def test_stacked_copies_of_a_system_run_as_one_batch_and_equal_each_copy():
    """Chunked forward mode's k tangents are one stacked system: its right-hand side runs each equation
    once on k rows (the batching rules), equal to the copies one by one; value-dependent control flow
    falls back to the copies one by one."""

    def smooth(y, t, a, b):
        return -np.sqrt(t) - y + a - np.mean((y + b) ** 2)

    def branchy(y, t, a, b):
        return -y * a if y[0] > 0 else y * b  # (the trace records the branch taken: specialised)

    r = np.random.default_rng(2)
    ys, ps = r.normal(size=(4, 3)), r.normal(size=(4, 6))
    for func, batched in ((smooth, True), (branchy, False)):
        _, treedef, shapes = dint._flat_args((np.zeros(3), np.zeros(3)))
        dyn = dint._dynamics(func, treedef, shapes, 3, False)
        stacked = dyn.stacked(4)
        got = stacked(ys.ravel(), 0.3, ps.ravel())
        want = np.concatenate([dyn(y, 0.3, p) for y, p in zip(ys, ps)])
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
        assert bool(stacked._row) is batched


def test_odeint_refusals_name_the_problem():
    t = np.array([0.0, 1.0])
    with pytest.raises(dl.NotDifferentiableError, match="symbolic method cannot differentiate odeint"):
        dl.grad(lambda k: dint.odeint(_decay, np.ones(1), t, (k,))[-1, 0], method="symbolic")(0.5)
    with pytest.raises(TypeError, match="pass it in args"):
        dl.grad(lambda k: dint.odeint(lambda y, t: -k * y, np.ones(1), t)[-1, 0])(0.5)
    with pytest.raises(dl.UnsupportedOperationError, match="use difflab.scipy.integrate.odeint$"):
        dl.grad(lambda y0: scipy.integrate.odeint(_decay, y0, t, (0.5,)).sum())(np.ones(1))
    with pytest.raises(ValueError, match="does not take Dfun"):
        dint.odeint(_decay, np.ones(1), t, (0.5,), Dfun=None)


@pytest.mark.parametrize("method", ["forward", "reverse", "numeric"])
def test_a_reused_sqrtm_trace_does_not_keep_the_first_points_dtype(method):
    """sqrtm's dtype depends on the values (complex where a real A has an eigenvalue below 0). A jvp of
    the same function first at a positive definite A, then at one with negative eigenvalues, answered the
    second with the first trace's real dtype under reverse (the imaginary part dropped: a wrong number,
    found as an order-dependent failure of the test above). `Op.value_dtype` specialises the trace."""
    b = np.random.default_rng(3).normal(size=(3, 3))
    a, e = b + b.T, np.random.default_rng(5).normal(size=(3, 3))
    f = lambda m: dla.sqrtm(m)  # noqa: E731  (one function object: one cache)
    dl.jvp(f, (4.0 * np.eye(3),), (e,), method=method)
    fresh = _jvp(lambda m: dla.sqrtm(m), a, e, method)
    assert fresh.dtype == complex
    np.testing.assert_array_equal(_jvp(f, a, e, method), fresh)


@pytest.mark.parametrize("method", ["forward", "reverse", "numeric"])
def test_a_reused_trace_of_imag_sqrtm_is_not_the_real_points_zero(method):
    """imag of sqrtm's root is 0 at a positive definite A (the root is real, so imag traces as a constant
    0); the same function's gradient at an A with negative eigenvalues then answered 0 from the reused
    trace (for every method: a wrong number). Such a graph is not reused, nor prepared."""
    b = np.random.default_rng(3).normal(size=(3, 3))
    a, w = b + b.T, np.random.default_rng(5).normal(size=(3, 3))
    f = lambda m: np.imag(np.sum(dla.sqrtm(m) * w))  # noqa: E731
    assert not dl.grad(f, method=method)(4.0 * np.eye(3)).any()
    want = central(lambda m: np.imag(np.sum(sl.sqrtm(m) * w)), a)
    np.testing.assert_allclose(dl.grad(f, method=method)(a), want, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="dtype the values pick: sqrtm"):
        dl.prepare(f, 4.0 * np.eye(3), method=method)
