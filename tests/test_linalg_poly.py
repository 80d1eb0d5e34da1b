"""numpy.linalg.qr, cond, tensorinv/tensorsolve, NumPy 2's linalg names and the polynomial functions
(issue 11): NumPy's values, and first and second derivatives against known answers and JAX (x64)."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

RNG = np.random.default_rng(23)
A43 = RNG.normal(size=(4, 3))
A35 = RNG.normal(size=(3, 5))
B = RNG.normal(size=(3, 3)) + 3 * np.eye(3)


class _Differences:
    """JAX's `grad` where JAX is not installed (CI installs the test extra only): central differences of
    the same function written with NumPy (`.numpy` is NumPy), Richardson-extrapolated to sixth order, a
    reference independent of difflab; for a complex argument JAX's convention ∂f/∂x − i∂f/∂y."""

    numpy = np

    @staticmethod
    def _partial(f, args, i):
        x = np.asarray(args[i])
        out = np.zeros(x.shape, dtype=x.dtype)
        for unit in (1.0, 1j) if np.iscomplexobj(x) else (1.0,):
            for k in np.ndindex(x.shape):

                def at(t, k=k, unit=unit):
                    y = x.copy()
                    y[k] = y[k] + t * unit
                    return float(f(*args[:i], y, *args[i + 1 :]))

                # three levels (h, h/2, h/4), error O(h⁶): two left ~1e-4 relative where sin of vander's
                # fourth powers has large fifth derivatives (test_polynomial_arithmetic, one point in 40)
                h = 1e-3 * max(1.0, abs(x[k]))
                d = [(at(s) - at(-s)) / (2 * s) for s in (h, h / 2, h / 4)]
                d = [(4 * d[1] - d[0]) / 3, (4 * d[2] - d[1]) / 3]
                out[k] += (16 * d[1] - d[0]) / 15 * (1.0 if unit == 1.0 else -1j)
        return out

    def grad(self, f, argnums=0):
        def g(*args):
            if isinstance(argnums, int):
                return self._partial(f, args, argnums)
            return tuple(self._partial(f, args, i) for i in argnums)

        return g


class _Jitted:
    """JAX with its transformations (grad, jvp, vjp) compiled whole by `jax.jit`: eagerly, JAX compiles each primitive
    it meets as an XLA program of its own (~30 for the complex QR loss's gradient: 4.6 CPU-s), under jit one program
    (1.1 CPU-s); the same derivatives (suitetime57, a throwaway script: 18 of this file's 20 references bit for bit
    the eager ones, the other two within 1.2e-16 relative). Anything else is JAX's own (`numpy`)."""

    def __init__(self, jax):
        self._jax = jax

    def __getattr__(self, name):
        return getattr(self._jax, name)

    def grad(self, f, argnums=0):
        return self._jax.jit(self._jax.grad(f, argnums=argnums))

    def jvp(self, f, primals, tangents):
        return self._jax.jit(lambda p, t: self._jax.jvp(f, p, t))(primals, tangents)

    def vjp(self, f, *primals):
        jax = self._jax
        return jax.jit(f)(*primals), jax.jit(lambda *ct: jax.vjp(f, *primals)[1](*ct))


@pytest.fixture(scope="module")
def jax():
    """JAX (x64, its derivatives jitted: `_Jitted`) when installed, else `_Differences`: the comparison runs either way
    (never a skip)."""
    try:
        import jax
    except ImportError:
        return _Differences()
    jax.config.update("jax_enable_x64", True)
    return _Jitted(jax)


def _traced(f, *xs):
    """f's value computed on traced arguments (NumPy's dispatch to difflab): one array, or a tuple."""
    out = dl.evaluate(dl.trace(f, *xs), *xs)
    return out[0] if len(out) == 1 else out


def _close(a, b, tol=1e-9):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def _ref_close(jax, a, b, tol=1e-9):
    """_close against the reference: JAX's to `tol`; the differences' to their own accuracy (~1e-8)."""
    _close(a, b, tol if not isinstance(jax, _Differences) else max(tol, 2e-7))


# -- qr -----------------------------------------------------------------------------------------


def test_qr_values_are_numpys_in_every_mode():
    for a in (A43, A35, RNG.normal(size=(2, 3, 2))):
        for mode in ("reduced", "complete", "r"):
            got = _traced(lambda x: np.linalg.qr(x, mode=mode), a)
            want = np.linalg.qr(a, mode=mode)
            for g, w in zip(got if mode != "r" else [got], want if mode != "r" else [want], strict=True):
                assert np.shape(g) == np.shape(w)
                _close(g, w, 1e-13)


@pytest.mark.parametrize("a", [A43, A35], ids=["tall", "wide"])
def test_qr_first_order_keeps_the_structure(a):
    """Along any direction dA: Qᵀ dQ antisymmetric (Q stays orthonormal), dR upper triangular, and
    dQ R + Q dR = dA; forward and reverse give the same Jacobian."""
    da = RNG.normal(size=a.shape)
    (q, r), (dq, dr) = dl.jvp(lambda x: tuple(np.linalg.qr(x)), (a,), (da,), method="forward")
    omega = q.T @ dq
    _close(omega, -omega.T, 1e-12)
    _close(np.tril(dr, -1), 0.0, 0.0)
    _close(dq @ r + q @ dr, da, 1e-12)
    for part in (0, 1):
        jf = dl.jacobian(lambda x: np.linalg.qr(x)[part], method="forward")(a)
        jr = dl.jacobian(lambda x: np.linalg.qr(x)[part], method="reverse")(a)
        _close(jf, jr, 1e-12)


def test_qr_gradients_and_hessians_match_jax(jax):
    jnp = jax.numpy
    w1, w2 = RNG.normal(size=(4, 3)), RNG.normal(size=(3, 3))

    def loss(x, lib):
        q, r = lib.linalg.qr(x)
        return lib.sum(q * w1) + lib.sum(lib.sin(r) * w2)

    want = np.asarray(jax.grad(lambda x: loss(x, jnp))(A43))
    for method in ("forward", "reverse", "numeric"):
        _ref_close(
            jax, dl.grad(lambda x: loss(x, np), method=method)(A43), want, 1e-6 if method == "numeric" else 1e-10
        )
    hessians = [dl.hessian(lambda x: loss(x, np), method=m)(A43) for m in ("reverse", "forward", "numeric")]
    _close(hessians[0], hessians[1], 1e-10)
    _close(hessians[0], hessians[2], 1e-5)


def test_qr_symbolic_closed_form_at_small_sizes_and_the_opaque_kind_beyond():
    import sympy as sp

    from difflab.ops import REGISTRY

    def f(x):
        q, r = np.linalg.qr(x)
        return np.sum(q * q[::-1]) + np.sum(r**3)

    for a in (RNG.normal(size=(3, 2)), A43):  # SymPy's Gram–Schmidt; 4×3: matrix-level rules
        _close(dl.grad(f, method="symbolic")(a), dl.grad(f, method="reverse")(a), 1e-10)
    # beyond 2 columns, complex_linalg.py's opaque kind at imaginary parts 0 (refused by name until tails39)
    entries = np.array(sp.symbols("a:9", real=True), dtype=object).reshape(3, 3)
    q = REGISTRY["qr_q"].sympy(entries)
    assert q.shape == (3, 3) and all(str(e.func).startswith("difflab_cqr") for e in q.ravel())
    assert REGISTRY["qr_r"].sympy(entries)[2, 0] == 0  # (R's structural zeros)


@pytest.mark.parametrize("a", [A43, RNG.normal(size=(5, 2)), RNG.normal(size=(5, 2)) + 1j * RNG.normal(size=(5, 2))])
def test_qr_complete_extra_columns_are_lapacks_householder_columns_differentiated_as_jax(jax, a):
    # they were NaN ("not unique"); LAPACK's Householder construction is a smooth function of A (where no
    # reflection vanishes), and JAX differentiates it: dQ_mp = dQ_mn Zᴴ − (Q_mn + Q_mp Z)(dQ_pn − Z dQ_nn)ᴴ
    f = lambda x: np.linalg.qr(x, mode="complete")[0]  # noqa: E731
    fj = lambda x: jax.numpy.linalg.qr(x, mode="complete")[0]  # noqa: E731
    t, u = RNG.normal(size=a.shape).astype(a.dtype), RNG.normal(size=(len(a),) * 2).astype(a.dtype)
    if np.iscomplexobj(a):
        t, u = t + 1j * RNG.normal(size=a.shape), u - 1j * RNG.normal(size=u.shape)
    if hasattr(jax, "jvp"):
        want_t = np.asarray(jax.jvp(fj, (a,), (t,))[1])
        want_u, ref_tol = np.asarray(jax.vjp(fj, a)[1](u)[0]), 1e-12
    else:  # (CI, no JAX: LAPACK's own Q differenced along t, Richardson to sixth order; the VJPs against reverse's)
        d = [(f(a + s * t) - f(a - s * t)) / (2 * s) for s in (1e-3, 5e-4, 2.5e-4)]
        d = [(4 * d[1] - d[0]) / 3, (4 * d[2] - d[1]) / 3]
        want_t, ref_tol = (16 * d[1] - d[0]) / 15, 1e-8
        want_u = dl.vjp(f, a, method="reverse")[1](u)[0]
    for method in ("forward", "reverse", "numeric"):
        tol = 1e-8 if method == "numeric" else ref_tol
        _close(dl.jvp(f, (a,), (t,), method=method)[1], want_t, tol)
        _close(dl.vjp(f, a, method=method)[1](u)[0], want_u, tol)
    if not np.iscomplexobj(a):  # symbolic: SymPy's Householder reflections (up to 2 columns)
        w = RNG.normal(size=(len(a), len(a) - a.shape[1]))
        g = lambda x: np.sum(f(x)[:, a.shape[1] :] * w)  # noqa: E731
        if a.shape[1] <= 2:
            _close(dl.grad(g, method="symbolic")(a), dl.grad(g)(a), 1e-12)
    with pytest.raises(ValueError, match="mode 'raw'"):
        dnp.linalg.qr(A43, mode="raw")


# -- qr of complex matrices ---------------------------------------------------------------------

C33 = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
C42 = RNG.normal(size=(4, 2)) + 1j * RNG.normal(size=(4, 2))
C24 = RNG.normal(size=(2, 4)) + 1j * RNG.normal(size=(2, 4))


@pytest.mark.parametrize("method", ["forward", "reverse", "numeric"])
def test_complex_qr_log_abs_diagonal_is_half_log_det_of_the_gram_matrix(method):
    """Σ log|R_jj| = ½ log det(AᴴA) at any phases: its gradient (∂/∂x − i ∂/∂y) is pinv(A)ᵀ, A⁻ᵀ when square."""
    tol = 1e-6 if method == "numeric" else 1e-11
    for a in (C33, C42, np.stack([C33, C33.T])):
        got = dl.grad(lambda x: np.sum(np.log(np.abs(np.diagonal(np.linalg.qr(x)[1], 0, -2, -1)))), method=method)(a)
        _close(got, np.swapaxes(np.linalg.pinv(a), -1, -2), tol)


@pytest.mark.parametrize("a", [C42, C24, C33], ids=["tall", "wide", "square"])
def test_complex_qr_first_order_keeps_the_structure(a):
    """Along a complex dA: Qᴴ dQ anti-Hermitian (Q stays unitary), dR upper triangular with a real
    diagonal (R's stays real positive), dQ R + Q dR = dA; reverse's transposed J·v the same."""
    da = RNG.normal(size=a.shape) + 1j * RNG.normal(size=a.shape)
    for method in ("forward", "reverse"):
        (q, r), (dq, dr) = dl.jvp(lambda x: tuple(np.linalg.qr(x)), (a,), (da,), method=method)
        omega = q.conj().T @ dq
        _close(omega, -omega.conj().T, 1e-12)
        _close(np.tril(dr, -1), 0.0, 0.0)
        _close(np.diagonal(dr).imag, 0.0, 1e-12)
        _close(dq @ r + q @ dr, da, 1e-12)


def test_complex_qr_gradients_match_jax(jax):
    """A phase-invariant loss (each Q column times R's diagonal entry, each R row times its conjugate:
    LAPACK's phases cancel), reduced and 'r' modes, tall, and a stack of wide ones."""
    jnp = jax.numpy

    def loss(x, lib):
        q, r = lib.linalg.qr(x)
        d = lib.diagonal(r, 0, -2, -1)
        rows = lib.conj(d)[..., :, None] * lib.linalg.qr(x, mode="r")
        return lib.sum(lib.real(q * d[..., None, :] * x[..., :, :1])) + lib.sum(lib.imag(rows * rows[..., ::-1, :]))

    a, b = C42, np.stack([C24, 2 * C24[::-1]])
    want = jax.grad(lambda x, y: loss(x, jnp) + loss(y, jnp), argnums=(0, 1))(a, b)  # one JAX trace
    for method in ("forward", "reverse", "numeric"):
        got = dl.grad(lambda x, y: loss(x, np) + loss(y, np), argnums=(0, 1), method=method)(a, b)
        for g, w in zip(got, want, strict=True):
            _ref_close(jax, g, np.asarray(w), 1e-6 if method == "numeric" else 1e-10)


def test_complex_qr_second_derivatives_of_a_real_input_agree():
    """Real x through complex QR (A = x(1 + i/2) + iC): the rules nest (forward over reverse, reverse over
    reverse, forward over forward), equal to each other and to numeric's Hessian."""
    c = RNG.normal(size=(3, 2))

    def f(x):
        q, r = np.linalg.qr(x * (1 + 0.5j) + 1j * c)
        return np.sum(np.abs(q * np.diagonal(r)) ** 3) + np.sum(np.real(r) ** 2 * np.imag(r))

    x = RNG.normal(size=(3, 2))
    h = [dl.hessian(f, method=m)(x) for m in (("forward", "reverse"), ("reverse", "reverse"), ("forward", "forward"))]
    _close(h[1], h[0], 1e-12)
    _close(h[2], h[0], 1e-12)
    _close(dl.hessian(f, method="numeric")(x), h[0], 1e-5)


def test_complex_svd_extra_columns_refuse_by_name():
    g = dl.grad(lambda x: np.sum(np.abs(np.linalg.svd(x)[0][:, :2])), method="reverse")(C42)
    _close(g, dl.grad(lambda x: np.sum(np.abs(np.linalg.svd(x, full_matrices=False)[0])), method="reverse")(C42), 1e-12)
    t = np.zeros((4, 2), complex)
    t[0] = (1.0, 1.0j)  # Σ t² = 0: the extra columns' tangent is NaN still (Σ |t|² is not 0)
    f = lambda x: np.linalg.svd(x)[0]  # noqa: E731  (qr's extra columns have a derivative: the test above)
    for method in ("forward", "reverse"):  # (reverse: J v as the pullback's transpose, which was 0 there)
        for a, da in ((C42, t), (C42.real, np.ones((4, 2)))):
            tangent = dl.jvp(f, (a,), (da,), method=method)[1]
            assert np.isnan(tangent[:, 2:]).all() and np.isfinite(tangent[:, :2]).all()


def test_complex_qr_under_symbolic_is_reverses():
    # (refused by name until the symbolic method wrote complex qr as an opaque kind, ops/complex_linalg.py)
    f = lambda x: np.sum(np.abs(np.linalg.qr(x)[1]))  # noqa: E731
    _close(dl.grad(f, method="symbolic")(C33), dl.grad(f, method="reverse")(C33), 1e-10)


# -- cond, norms, tensorinv, tensorsolve, NumPy 2 names -------------------------------------------


def test_cond_2_is_the_singular_value_ratio_and_other_orders_match_jax(jax):
    s = np.linalg.svd(B)
    u, v = s.U, s.Vh.T
    # d(σ1/σn) = (u1ᵀ dA v1)/σn − σ1 (unᵀ dA vn)/σn²
    want = np.outer(u[:, 0], v[:, 0]) / s.S[-1] - s.S[0] * np.outer(u[:, -1], v[:, -1]) / s.S[-1] ** 2
    for method in ("forward", "reverse", "numeric"):
        _close(dl.grad(lambda x: np.linalg.cond(x), method=method)(B), want, 1e-6 if method == "numeric" else 1e-10)
    orders = (None, -2, "fro", 1, np.inf, "nuc")
    for p in orders:
        assert np.isclose(float(_traced(lambda x: np.linalg.cond(x, p), B)), np.linalg.cond(B, p))

    def every(x, lib):  # one function of every order: one JAX trace
        return sum((k + 1.0) * lib.linalg.cond(x, p) for k, p in enumerate(orders))

    _ref_close(jax, dl.grad(lambda x: every(x, np))(B), jax.grad(lambda x: every(x, jax.numpy))(B), 1e-9)
    h = [dl.hessian(lambda x: np.linalg.cond(x), method=m)(B) for m in ("forward", "numeric")]
    _close(h[0], h[1], 1e-4)


def test_matrix_and_vector_norms_take_numpy2_keywords(jax):
    x = RNG.normal(size=(2, 3, 4))
    cases = [
        lambda m, v: m.linalg.vector_norm(v, axis=(0, 2), keepdims=True, ord=3),
        lambda m, v: m.linalg.vector_norm(v),
        lambda m, v: m.linalg.vector_norm(v, axis=1, ord=1),
        lambda m, v: m.linalg.matrix_norm(v, ord="nuc", keepdims=True),
        lambda m, v: m.linalg.matrix_norm(v),
    ]
    for f in cases:
        want = f(np, x)
        got = _traced(lambda v: f(np, v), x)
        assert np.shape(got) == np.shape(want)
        _close(got, want, 1e-12)

    def every(v, lib):  # one function of them all: one JAX trace
        return sum((k + 1.0) * lib.sum(f(lib, v) ** 2) for k, f in enumerate(cases))

    _ref_close(jax, dl.grad(lambda v: every(v, np))(x), jax.grad(lambda v: every(v, jax.numpy))(x))


def test_tensorinv_and_tensorsolve_match_numpy_and_jax(jax):
    a = (RNG.normal(size=(4, 4)) + 4 * np.eye(4)).reshape(2, 2, 4)  # ind=2: (2, 2) against 4
    ainv = _traced(lambda x: np.linalg.tensorinv(x, ind=2), a)
    _close(ainv, np.linalg.tensorinv(a, ind=2), 1e-12)
    _ref_close(
        jax,
        dl.grad(lambda x: np.sum(np.linalg.tensorinv(x, ind=2) ** 2))(a),
        jax.grad(lambda x: (jax.numpy.linalg.tensorinv(x, ind=2) ** 2).sum())(a),
    )
    b = RNG.normal(size=(2, 2))
    _close(_traced(np.linalg.tensorsolve, a, b), np.linalg.tensorsolve(a, b), 1e-12)
    want = jax.grad(lambda x, y: (jax.numpy.linalg.tensorsolve(x, y) ** 3).sum(), argnums=(0, 1))(a, b)
    got = dl.grad(lambda x, y: np.sum(np.linalg.tensorsolve(x, y) ** 3), argnums=(0, 1))(a, b)
    for g, w in zip(got, want):
        _ref_close(jax, g, w)


def test_numpy2_linalg_names_follow_their_own_signatures():
    x = RNG.normal(size=(2, 3, 3))
    v, w = RNG.normal(size=3), RNG.normal(size=(2, 3))
    checks = [
        (lambda m, x: m.linalg.trace(x, offset=1), x),
        (lambda m, x: m.linalg.diagonal(x, offset=-1), x),
        (lambda m, x: m.linalg.matrix_transpose(x), x),
        (lambda m, x: m.linalg.matmul(x, x), x),
        (lambda m, x: m.linalg.tensordot(x, x[0], axes=1), x),
        (lambda m, x: m.linalg.vecdot(x, v), x),
        (lambda m, x: m.vecdot(x, v, axis=-1), x),
        (lambda m, x: m.linalg.cross(w, x[0, :2]), x),
        (lambda m, x: m.linalg.outer(v, x[0, 0]), x),
    ]
    for f, arg in checks:
        _close(_traced(lambda y: f(np, y), arg), f(np, arg), 1e-13)
        g = dl.grad(lambda y: np.sum(f(np, y) ** 2), method="reverse")(arg)
        _close(g, dl.grad(lambda y: np.sum(f(np, y) ** 2), method="numeric")(arg), 1e-6)
    with pytest.raises(ValueError, match="1-D"):
        dnp.linalg.outer(x, x)
    with pytest.raises(ValueError, match="3-vectors"):
        dnp.linalg.cross(np.ones(2), np.ones(2))


# -- polynomials --------------------------------------------------------------------------------


def test_polyfit_equals_lstsq_on_the_vandermonde_matrix_with_weights():
    x, y, w = np.linspace(0.0, 1.0, 7), RNG.normal(size=7), RNG.uniform(0.5, 2.0, 7)
    _close(_traced(lambda y: np.polyfit(x, y, 2, w=w), y), np.polyfit(x, y, 2, w=w), 1e-12)
    via_lstsq = np.linalg.lstsq(np.vander(x, 3) * w[:, None], y * w, rcond=None)[0]
    _close(np.polyfit(x, y, 2, w=w), via_lstsq, 1e-10)
    # polyfit is linear in y: its Jacobian is the weighted pseudo-inverse
    jac = np.linalg.pinv(np.vander(x, 3) * w[:, None]) * w
    for method in ("forward", "reverse", "numeric", "symbolic"):
        _close(dl.jacobian(lambda y: np.polyfit(x, y, 2, w=w), method=method)(y), jac, 1e-7)
    c, res, rank, s, rcond = np.polyfit(x, y, 2, full=True)
    got = _traced(lambda y: np.polyfit(x, y, 2, full=True)[1], y)
    _close(got, res, 1e-12)


def test_polyfit_in_x_and_y_matches_jax(jax):
    x, y = np.linspace(0.1, 1.3, 6), RNG.normal(size=(6, 2))
    got = dl.grad(lambda x, y: np.sum(np.polyfit(x, y, 2) ** 2), argnums=(0, 1))(x, y)
    want = jax.grad(lambda x, y: (jax.numpy.polyfit(x, y, 2) ** 2).sum(), argnums=(0, 1))(x, y)
    for g, wv in zip(got, want):
        _ref_close(jax, g, wv, 1e-8)


def test_polynomial_arithmetic_vander_and_poly_match_numpy_and_jax(jax):
    jnp = jax.numpy
    p, q = RNG.normal(size=4), RNG.normal(size=2)
    fns = [
        lambda m, p: m.polyadd(p, q),
        lambda m, p: m.polysub(q, p),
        lambda m, p: m.polymul(p, q),
        lambda m, p: m.polyder(p, 2),
        lambda m, p: m.polyint(p, 2, k=np.array([1.0, 2.0])),
        lambda m, p: m.vander(p, 5),
        lambda m, p: m.vander(p, increasing=True),
        lambda m, p: m.poly(p),
    ]
    square = RNG.normal(size=(3, 3))  # its characteristic polynomial (through eig: against numeric, JAX's is slow)
    _close(_traced(np.poly, square), np.poly(square), 1e-12)
    g = [dl.grad(lambda a: np.sum(np.sin(np.poly(a))), method=m)(square) for m in ("reverse", "numeric")]
    _close(g[0], g[1], 1e-7)
    for f in fns:
        _close(_traced(lambda v: f(np, v), p), f(np, p), 1e-12)

    def every(v, lib):  # one function of them all: one JAX trace
        return sum((k + 1.0) * lib.sum(lib.sin(lib.real(f(lib, v)))) for k, f in enumerate(fns))

    _ref_close(jax, dl.grad(lambda v: every(v, np))(p), jax.grad(lambda v: every(v, jnp))(p), 1e-9)
    h = [dl.hessian(lambda v: np.sum(np.poly(v) ** 3), method=m)(p) for m in ("forward", "reverse", "numeric")]
    _close(h[0], h[1], 1e-10)
    _close(h[0], h[2], 1e-5)


def test_polydiv_matches_numpy_and_its_gradients_in_both_arguments_match_jax(jax):
    u, v = RNG.normal(size=5), np.array([1.5, -0.4, 0.7])
    cases = [(u, v), (u[:2], v), (np.polymul(v, [2.0, -1.0]), v)]  # generic; v of higher degree; exact
    for a, b in cases:
        for got, want in zip(_traced(np.polydiv, a, b), np.polydiv(a, b)):
            _close(got, want, 1e-12)  # also the lengths: q is [0.0], an exact remainder is [0.0]
    q, r = _traced(np.polydiv, u, v)
    _close(np.polyadd(np.polymul(q, v), r), u, 1e-12)  # u = q·v + r

    def loss(u, v, lib):  # JAX keeps the remainder's leading zeros: compare its last two coefficients
        q, r = lib.polydiv(u, v)
        return lib.sum(lib.sin(q)) + lib.sum(lib.cos(3.0 * r[-2:]))

    want = jax.grad(lambda u, v: loss(u, v, jax.numpy), argnums=(0, 1))(u, v)
    for method in ("forward", "reverse"):
        got = dl.grad(lambda u, v: loss(u, v, np), argnums=(0, 1), method=method)(u, v)
        for g, w in zip(got, want):
            _ref_close(jax, g, w, 1e-10)
    # dividing by (x - c) is synthetic division, q_k = u_k + c·q_(k-1): dq/dc = [0, q_0, q_1 + c·dq_1/dc]
    u3 = np.polymul([1.0, 2.0, 3.0], [1.0, -0.5])  # q = [1, 2, 3] at c = 0.5: dq/dc = [0, 1, 2.5]
    for method in ("forward", "reverse", "numeric"):
        jac = dl.jacobian(lambda c: np.polydiv(u3, np.stack([1.0, -c]))[0], method=method)(0.5)
        _close(jac, [0.0, 1.0, 2.5], 1e-8)
    with pytest.raises(ValueError, match="1-D coefficient arrays"):
        dl.grad(lambda a: np.sum(dnp.polydiv(np.stack([a, a]), v)[0]))(u)


def test_sort_complex_sorts_by_real_then_imaginary_part_and_differentiates_through_the_order(jax):
    x = np.array([3.0, -1.0, 2.0, 0.5])
    got = _traced(np.sort_complex, x)
    assert got.dtype == np.complex128 and np.array_equal(got, np.sort_complex(x))
    w = np.array([1.0, 2.0, 3.0, 4.0])
    g = dl.grad(lambda x: np.sum(w * np.real(np.sort_complex(x))))(x)
    _close(g, w[np.argsort(np.argsort(x))], 0.0)  # each weight lands on the element sorted to its place
    z = np.array([1 + 2j, 3 - 3j, 1 - 1j, 3 + 5j, 2 - 1j])  # ties in the real part: the imaginary part decides
    _close(_traced(np.sort_complex, z), np.sort_complex(z), 0.0)
    c = np.array([0.5 + 1j, -1.0, 2.0 - 0.5j, 1j, 0.3])
    z = z + np.array([0.0, 0.0, 0.01, 0.02, 0.0])  # the gradient away from ties in the real part (a kink there)
    want = jax.grad(lambda z: jax.numpy.sum(jax.numpy.real(c * jax.numpy.sort_complex(z) ** 2)))(z)
    _ref_close(jax, dl.grad(lambda z: np.sum(np.real(c * np.sort_complex(z) ** 2)))(z), want, 1e-12)
    with pytest.raises(ValueError, match="axis -1"):
        dl.grad(lambda s: np.real(dnp.sort_complex(s)))(1.0)


def test_roots_move_by_minus_the_coefficient_change_over_the_derivative():
    """p(r) = 0 ⇒ dr = −(Σ dp_k r^(n−k)) / p'(r): for (x − 1)(x − 2)(x − 4), per root and coefficient."""
    p = np.poly([1.0, 2.0, 4.0])
    got = _traced(np.roots, p)
    _close(np.sort(got.real), [1.0, 2.0, 4.0], 1e-12)
    for method in ("forward", "reverse", "numeric"):
        jac = dl.jacobian(lambda c: np.real(np.roots(c)), method=method)(p)
        for i, root in enumerate(got.real):
            want = -(root ** np.arange(3, -1, -1)) / np.polyval(np.polyder(p), root)
            _close(jac[i], want, 1e-6 if method == "numeric" else 1e-10)
    # leading and trailing zeros are stripped; a trailing one is a root 0
    got = _traced(np.roots, np.array([0.0, 1.0, -3.0, 2.0, 0.0]))
    _close(np.sort(got.real), [0.0, 1.0, 2.0], 1e-12)


def test_qr_of_a_triangular_matrix_where_lapacks_signs_jump():
    """An exactly-zero column below the diagonal: LAPACK reflects nothing (R₀₀ > 0) while any nearby
    matrix gets R₀₀ < 0. Traced values stay NumPy's, and every method differentiates the same branch."""
    a = np.triu(RNG.normal(size=(3, 3))) + np.diag([2.0, 2.0, 2.0])
    q, r = _traced(np.linalg.qr, a)
    _close(q, np.linalg.qr(a)[0], 0.0)
    _close(r, np.linalg.qr(a)[1], 0.0)
    w = RNG.normal(size=(3, 3))
    grads = [dl.grad(lambda x: np.sum(np.linalg.qr(x)[0] * w), method=m)(a) for m in ("reverse", "forward", "numeric")]
    _close(grads[0], grads[1], 1e-12)
    _close(grads[0], grads[2], 1e-6)


@pytest.mark.parametrize("module,name", [("chebyshev", "chebval"), ("polynomial", "polyval"), ("legendre", "legval")])
def test_an_empty_coefficient_list_is_numpys_answer(module, name):
    """np.polynomial's <kind>val(x, []) on a traced x: NumPy's own answer, its IndexError, for plain NumPy and
    difflab.numpy alike (NumPy reads c[-2] (c[-1]) before any arithmetic)."""
    x = np.array([0.3, 0.5])
    ours = getattr(getattr(dnp.polynomial, module), name)
    theirs = getattr(getattr(np.polynomial, module), name)
    with pytest.raises(IndexError) as numpys:
        theirs(x, [])
    for fn in (ours, theirs):
        with pytest.raises(IndexError, match=str(numpys.value)):
            dl.grad(lambda x: np.sum(fn(x, [])))(x)
