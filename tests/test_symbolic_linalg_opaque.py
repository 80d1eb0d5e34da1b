"""The symbolic method's linear algebra above SymPy's explicit-entry limit (ops/opaque.py): inv, solve, det,
slogdet, cholesky, eigh, svd and pinv as opaque matrix functions whose derivatives are written with the
same functions. Each is checked against reverse mode: the Jacobian on the scalar path (5×5 and 8×8, single
and stacked), the Hessian, a `prepare`d function called twice, the 40-digit `exact` path and symbolic as the
inner method of a nested derivative. (Before: NotDifferentiableError beyond 4×4, eigh and svd beyond 2×2.)"""

import warnings

import numpy as np
import pytest

import difflab as dl
from difflab.ops import opaque

RNG = np.random.default_rng(11)


def _square(n, stack=()):
    return RNG.standard_normal(stack + (n, n)) + 3.0 * np.eye(n)


def _spd(n, stack=()):
    a = RNG.standard_normal(stack + (n, n))
    return a @ np.swapaxes(a, -1, -2) + np.eye(n)


# name -> (vector-valued f, its argument): every entry of the op's result reaches the output
CASES = {
    "inv": (lambda a: np.linalg.inv(a).ravel(), lambda n, s=(): _square(n, s)),
    "solve": (lambda a: np.linalg.solve(a, np.ones(a.shape[-1])).ravel(), lambda n, s=(): _square(n, s)),
    "det": (lambda a: np.atleast_1d(np.linalg.det(a)), lambda n, s=(): _square(n, s)),
    "slogdet": (lambda a: np.atleast_1d(np.linalg.slogdet(a)[1]), lambda n, s=(): _square(n, s)),
    "cholesky": (lambda a: np.linalg.cholesky(a).ravel(), lambda n, s=(): _spd(n, s)),
    "eigh": (lambda a: np.concatenate([x.ravel() for x in np.linalg.eigh(a)]), lambda n, s=(): _spd(n, s)),
    "svd": (
        lambda a: np.concatenate([x.ravel() for x in np.linalg.svd(a, full_matrices=False)]),
        lambda n, s=(): RNG.standard_normal(s + (n + 1, n)),
    ),
    "svd_wide": (
        lambda a: np.concatenate([x.ravel() for x in np.linalg.svd(a, full_matrices=False)]),
        lambda n, s=(): RNG.standard_normal(s + (n, n + 1)),
    ),
    "pinv": (lambda a: np.linalg.pinv(a).ravel(), lambda n, s=(): RNG.standard_normal(s + (n + 1, n))),
}


def _close(got, want, rtol=1e-12):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    assert np.max(np.abs(got - want)) <= rtol * max(1.0, np.max(np.abs(want)))


def _jvp(f, x, t, method):
    return dl.jvp(lambda a: np.sum(f(a) * np.cos(np.arange(f(x).size))), (x,), (t,), method=method)[1]


@pytest.mark.parametrize(
    "name", ["inv", "solve", "det", "slogdet", "eigh", "cholesky", pytest.param("svd", marks=pytest.mark.slow)]
)
def test_jvp_above_the_limit_matches_reverse(name):
    f, make = CASES[name]
    x = make(5)
    t = RNG.standard_normal(x.shape)
    _close(_jvp(f, x, t, "symbolic"), _jvp(f, x, t, "reverse"))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["svd_wide", "pinv"])
def test_jvp_above_the_limit_matches_reverse_slow(name):
    f, make = CASES[name]
    x = make(5)
    t = RNG.standard_normal(x.shape)
    _close(_jvp(f, x, t, "symbolic"), _jvp(f, x, t, "reverse"))


def test_svd_jacobian_4x3():
    """svd's smallest opaque size (SymPy's closed form covers 2 rows or columns): U, s and Vᵀ."""
    f = CASES["svd"][0]
    for x in (RNG.standard_normal((4, 3)), RNG.standard_normal((3, 4))):
        _close(dl.jacobian(f, method="symbolic")(x), dl.jacobian(f, method="reverse")(x))


@pytest.mark.parametrize(
    "f, make",
    [
        (CASES["inv"][0], CASES["inv"][1]),
        (lambda a: np.linalg.eigh(a)[0], CASES["eigh"][1]),
        (lambda a: np.linalg.svd(a, compute_uv=False).ravel(), CASES["svd"][1]),
        (CASES["slogdet"][0], CASES["slogdet"][1]),
    ],
    ids=["inv", "eigvalsh", "svdvals", "slogdet"],
)
def test_jacobian_8x8_and_stacked(f, make):
    for x in (make(8), make(5, (2,))):
        _close(dl.jacobian(f, method="symbolic")(x), dl.jacobian(f, method="reverse")(x))


@pytest.mark.parametrize(
    "f, x",
    [
        (lambda a: np.linalg.slogdet(a)[1], _square(5)),
        (lambda a: np.sum(np.linalg.eigh(a)[1] * np.arange(9.0).reshape(3, 3)), _spd(3)),
        (lambda a: np.sum(np.linalg.svd(a, compute_uv=False) ** 3), RNG.standard_normal((4, 3))),
    ],
    ids=["slogdet 5x5", "eigh vectors 3x3", "singular values 4x3"],
)
def test_hessian_matches_reverse(f, x):
    _close(dl.hessian(f, method="symbolic")(x), dl.hessian(f, method="reverse")(x), rtol=1e-10)


def test_prepared_twice_gives_each_point_its_own_values():
    """The cache is keyed on the matrix's values: a second point never meets the first one's inverse."""
    f = CASES["inv"][0]
    x, y = _square(5), _square(5)
    p = dl.prepare(f, x, method="symbolic")
    for point in (x, y, x):
        _close(p.jacobian(point), dl.jacobian(f, method="reverse")(point))
    g = lambda a: np.sum(np.linalg.eigh(a)[0] ** 2)  # noqa: E731
    q = dl.prepare(g, _spd(3), method="symbolic")
    for point in (_spd(3), _spd(3)):
        _close(q.hessian(point), dl.hessian(g, method="reverse")(point), rtol=1e-10)


def test_values_are_numpys_with_its_signs():
    """eigh and svd under symbolic give NumPy's own vectors (the LAPACK signs held), cholesky its factor."""
    a, s = _spd(5), RNG.standard_normal((6, 5))
    for f, x in [
        (lambda m: np.linalg.eigh(m)[1].ravel(), a),
        (lambda m: np.linalg.svd(m, full_matrices=False)[0].ravel(), s),
        (lambda m: np.linalg.svd(m, full_matrices=False)[2].ravel(), s),
        (lambda m: np.linalg.cholesky(m).ravel(), a),
    ]:
        got = dl.Symbolic().prepare(dl.trace(f, x), (0,)).value([x])[0]
        np.testing.assert_allclose(got, f(x), rtol=0, atol=1e-13)


def test_exact_path_in_high_precision():
    from difflab.differentiators import Symbolic

    a = _square(5)
    p = Symbolic().prepare(dl.trace(lambda x: np.linalg.inv(x)[0] @ np.ones(5), a), (0,))
    _close(p.exact([a]), dl.jacobian(lambda x: np.linalg.inv(x)[0] @ np.ones(5), method="reverse")(a).ravel())
    p = Symbolic().prepare(dl.trace(lambda x: np.linalg.eigh(x)[0][:1], _spd(4)), (0,))
    x = _spd(4)
    _close(p.exact([x]), dl.jacobian(lambda x: np.linalg.eigh(x)[0][:1], method="reverse")(x).ravel())


def test_symbolic_as_the_inner_method():
    """reverse over symbolic: the opaque functions run as difflab ops on traced values."""
    a = _square(5)
    f = lambda x: np.linalg.slogdet(x)[1]  # noqa: E731
    inner = dl.grad(f, method="symbolic")
    got = dl.jacobian(lambda x: inner(x).ravel(), method="reverse")(a)
    _close(got.reshape(25, 25), dl.hessian(f, method="reverse")(a).reshape(25, 25), rtol=1e-10)


def test_cache_keys_are_values():
    """Two matrices with equal values share one decomposition; a changed entry computes anew."""
    opaque._CACHE.clear()
    m = _square(3)
    first = opaque._parts("inv", m)
    assert opaque._parts("inv", m.copy()) is first
    m2 = m.copy()
    m2[0, 0] += 1.0
    assert opaque._parts("inv", m2) is not first
    _close(opaque._parts("inv", m2)[0], np.linalg.inv(m2))


def test_one_decomposition_per_point(monkeypatch):
    """The generated code asks for every entry of eigh's w, V and gaps and their derivatives: LAPACK runs once
    per point (per example of the code's batch), not once per entry."""
    calls = []
    impl, *rest = opaque._KINDS["eigh"]
    monkeypatch.setitem(opaque._KINDS, "eigh", (lambda a: calls.append(a.shape) or impl(a), *rest))
    f = lambda a: np.linalg.eigh(a)[1].ravel()  # noqa: E731
    p = dl.prepare(f, _spd(4), method="symbolic")
    for x in (_spd(4), _spd(4)):
        calls.clear()
        _close(p.jacobian(x), dl.jacobian(f, method="reverse")(x), rtol=1e-10)
        assert len(calls) == 1


def test_svd_with_lapack_signs_as_the_inner_method():
    """NumPy's U (LAPACK's signs: a piecewise-constant named function) under reverse over symbolic."""
    a = RNG.standard_normal((4, 3))
    f = lambda x: np.sum(np.linalg.svd(x, full_matrices=False)[0] * np.arange(12.0).reshape(4, 3))  # noqa: E731
    inner = dl.grad(f, method="symbolic")
    got = dl.jacobian(lambda x: inner(x).ravel(), method="reverse")(a)
    _close(got.reshape(12, 12), dl.hessian(f, method="reverse")(a).reshape(12, 12), rtol=1e-9)


def _singular(n, rank):
    """An n×n matrix of the given rank exactly (its last columns zero, then mixed by a permutation of rows)."""
    a = RNG.standard_normal((n, n))
    a[:, rank:] = 0.0
    return a[::-1].copy()


@pytest.mark.parametrize("rank", [4, 3])
def test_det_hessian_at_a_singular_matrix_above_4x4(rank):
    """det's second derivative above 4×4 is the SVD's cofactor derivative (the opaque `cofactor_d`), exact at a
    singular A as forward's and reverse's are (before: NumPy's LinAlgError from the opaque A⁻¹)."""
    a = _singular(5, rank)
    want = dl.hessian(np.linalg.det, method="reverse")(a)
    assert np.abs(want).max() > 0.1  # (rank 3: the Hessian is the adjugate's derivative, not 0)
    _close(dl.hessian(np.linalg.det, method="symbolic")(a), want, rtol=1e-10)
    _close(dl.hessian(np.linalg.det, method="forward")(a), want, rtol=1e-10)


def test_det_third_derivative_above_4x4():
    """The cofactor derivative's own rule (det's third derivative, the A⁻¹ form) at an invertible 5×5."""
    a = _square(5)
    inner = dl.hessian(np.linalg.det, method="symbolic")
    t = RNG.standard_normal(a.shape)
    got = dl.jvp(inner, (a,), (t,), method="reverse")[1]
    want = dl.jvp(dl.hessian(np.linalg.det, method="reverse"), (a,), (t,), method="forward")[1]
    _close(got, want, rtol=1e-9)


def test_log_det_at_a_singular_matrix_is_nan_with_the_warning():
    """log|det A| at a singular 5×5: its derivative needs A⁻¹, NaN with a DomainWarning as reverse's (before:
    NumPy's LinAlgError from the opaque A⁻¹)."""
    a = _singular(5, 4)
    f = lambda x: np.linalg.slogdet(x)[1]  # noqa: E731
    for method in ("symbolic", "reverse"):
        with pytest.warns(dl.DomainWarning), np.errstate(divide="ignore"):
            assert np.isnan(dl.grad(f, method=method)(a)).all()


# (5×4, not 6×5: a given rcond takes the opaque kind at every size (decompositions._pinv_sympy), and 5 rows are
# already above main's 4×4 limit; 6×5's 30×30 Jacobians cost 2.7 CPU-s more, issue 17)
@pytest.mark.parametrize("shape, rcond", [((5, 4), 1e-3), ((5, 4), 0.3), ((3, 2), 0.5)])
def test_pinv_with_rcond(shape, rcond):
    """pinv with a given rcond, at constant rank (0.3 and 0.5 drop a singular value): the opaque kind of that
    cutoff. Before: refused above 4×4, and at 3×2 the explicit form inverted the dropped singular value."""
    u, _, vt = np.linalg.svd(RNG.standard_normal(shape), full_matrices=False)
    s = np.linspace(1.0, 0.1, min(shape))
    s[-1] = 0.05
    x = (u * s) @ vt
    f = lambda a: np.linalg.pinv(a, rcond=rcond).ravel()  # noqa: E731
    value = dl.Symbolic().prepare(dl.trace(f, x), (0,)).value([x])[0]
    np.testing.assert_allclose(value, f(x), rtol=0, atol=1e-13)
    _close(dl.jacobian(f, method="symbolic")(x), dl.jacobian(f, method="reverse")(x))


def test_pinv_with_rcond_in_high_precision():
    x = RNG.standard_normal((5, 4))
    f = lambda a: np.linalg.pinv(a, rcond=1e-3)[0]  # noqa: E731
    p = dl.Symbolic().prepare(dl.trace(f, x), (0,))
    _close(p.exact([x]), dl.jacobian(f, method="reverse")(x).ravel())


def test_hessian_partials_are_products_of_names():
    """An opaque rule's inner sums are named (program._sums_named): every partial the Hessian's sweeps take is
    a sum of products of names, which canonical.derivative differentiates, not SymPy's diff (most of a 5×5
    eigh vectors' Hessian's time)."""
    from difflab.ops.canonical import derivative

    f = lambda a: np.sum(np.linalg.eigh(a)[1] * np.arange(9.0).reshape(3, 3))  # noqa: E731
    x = _spd(3)
    p = dl.Symbolic().prepare(dl.trace(f, x), (0,))
    _close(p.hessian([x])[1], dl.hessian(f, method="reverse")(x).reshape(9, 9), rtol=1e-10)
    named = [(s, e) for s, e in p.program.assignments if s.name.startswith("o") and e.is_Add]
    assert named
    for s, e in named:
        assert derivative(e, p.x[0]) is not None, e


def test_inner_symbolic_eigh_vectors():
    """Symbolic's gradient of eigh's vectors on traced values (each kind's parts recorded once per matrix,
    opaque._traced): its reverse-mode Jacobian is reverse's Hessian."""
    w = np.arange(16.0).reshape(4, 4)
    f = lambda a: np.sum(np.linalg.eigh(a)[1] * w)  # noqa: E731
    x = _spd(4)
    inner = dl.grad(f, method="symbolic")
    got = dl.jacobian(lambda a: inner(a).ravel(), method="reverse")(x)
    _close(got.reshape(16, 16), dl.hessian(f, method="reverse")(x).reshape(16, 16), rtol=1e-9)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_pinv_second_derivatives_match_reverse(shape):
    """pinv's rule reads entries of PPᵀ, I − AP, PᵀP and I − PA, one per matrix (decompositions._pinv_products):
    a 5×3 and a 3×5 matrix whose row 1 moves, so each of those sums has three or five terms."""
    base, w = np.random.default_rng(38).standard_normal(shape), np.random.default_rng(39).standard_normal(shape[::-1])
    f = lambda x: np.sum(np.linalg.pinv(base + np.eye(shape[0])[:, 1:2] * x) * w)  # noqa: E731
    x = np.random.default_rng(40).standard_normal(shape[1])
    want = dl.hessian(f, method="reverse")(x)
    assert np.abs(want).max() > 0.1
    _close(dl.hessian(f, method="symbolic")(x), want, rtol=1e-11)


def test_a_wide_one_row_svd_has_a_symbolic_hessian_without_expanding_its_sign():
    """A 1×9 matrix's Vᵀ: the closed form fixes its sign by the largest entry, a Piecewise over 9 entries whose
    derivatives SymPy expanded exponentially (1×6: 8 s; a 1×27 drawn by tests/test_random_graphs.py never ended).
    Above 4 columns the opaque kind serves: the Hessian equals reverse's."""
    from difflab.ops import REGISTRY

    f = lambda x: np.sum(REGISTRY["svd_vt"](np.reshape(np.tanh(x), (1, 9)) + 0.3))  # noqa: E731
    x = np.linspace(0.2, 1.0, 9)
    np.testing.assert_allclose(
        dl.hessian(f, method="symbolic")(x), dl.hessian(f, method="reverse")(x), rtol=1e-10, atol=1e-13
    )


def test_a_tall_two_column_pinv_is_opaque_and_its_hessian_exact():
    """pinv of a 6×2 design (variable projection, as tests/test_user_code11's varpro_lstsq with 12 rows): SymPy's
    closed form (AᵀA)⁻¹Aᵀ divides every entry by det(AᵀA), a polynomial of 15 products here, which each partial of
    a Hessian's two sweeps wrote out again (the 12×2's symbolic Hessian: 20 s); above 3 rows or columns the opaque
    kind serves (0.3 s here, 1.5 s at 12×2). The Hessian is JAX x64's (jax.hessian of the same code, stored)."""
    import sympy as sp

    from difflab.differentiators.program import to_sympy

    t, p = np.linspace(0.0, 3.0, 6), np.log(np.array([0.6, 2.2]))
    y = 1.5 * np.exp(-0.7 * t) + 0.6 * np.exp(-2.5 * t)

    def f(p):
        phi = np.exp(-np.outer(t, np.exp(p)))
        c = np.linalg.pinv(phi) @ y
        return np.sum((y - phi @ c) ** 2) * 1e3 + np.sum(c**2)

    program = to_sympy(dl.trace(lambda a: np.sum(np.linalg.pinv(a)), np.ones((6, 2)) + np.eye(6, 2)))
    assert max(sp.count_ops(e) for _, e in program.assignments) <= 30  # (the closed form's: 91)
    want = [[192.75711998023883, -120.97840864656897], [-120.97840864656894, 47.22123455752024]]
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(p), want, rtol=1e-9)


def test_a_cutting_pinv_s_symbolic_hessian_says_why_it_is_nan():
    """pinv(A, rcond) dropping a nonzero singular value: the symbolic method's second derivative through the
    dropped pairs has no closed form (decompositions._cut_parts' Z, NaN); it says so by a DomainWarning naming
    pinv and the methods whose rules hold the term (before: 81 NaN entries, silently). Where nothing is cut, and
    in the first derivative, no warning."""
    rng = np.random.default_rng(0)
    u, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    v, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    a = (u @ np.diag([2.0, 1.0, 0.05]) @ v.T).ravel()
    f = lambda x: np.sum(np.linalg.pinv(x.reshape(3, 3), rcond=0.1) ** 2)  # noqa: E731
    with pytest.warns(dl.DomainWarning, match=r"rcond=0\.1 drops a nonzero singular value.*'forward' or 'reverse'"):
        h = dl.hessian(f, method="symbolic")(a)
    assert np.isnan(h).all()
    assert np.isfinite(dl.hessian(f, method="reverse")(a)).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _close(dl.grad(f, method="symbolic")(a), dl.grad(f, method="reverse")(a))
        g = lambda x: np.sum(np.linalg.pinv(x.reshape(3, 3), rcond=0.01) ** 2)  # noqa: E731
        _close(dl.hessian(g, method="symbolic")(a), dl.hessian(g, method="reverse")(a), rtol=1e-9)
