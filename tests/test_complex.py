"""Complex values (difflab/ops/complexes.py, api/complexes.py): autograd's and JAX's convention,
complex leaves and intermediates under forward and reverse, numpy.fft's entry, the refusals."""

import numpy as np
import pytest

import difflab as dl
from difflab.errors import NotDifferentiableError, UnsupportedOperationError
from difflab.ops import REGISTRY, examples

EXACT = ("forward", "reverse")


def _parts_gradient(f, z, h=1e-6):
    """∂f/∂x − i ∂f/∂y by central differences (the convention's gradient of a real f)."""
    z = np.asarray(z, dtype=complex)
    g = np.zeros_like(z)
    for k in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[k] = 1.0
        dx = (f(z + h * e) - f(z - h * e)) / (2 * h)
        dy = (f(z + 1j * h * e) - f(z - 1j * h * e)) / (2 * h)
        g[k] = dx - 1j * dy
    return g


@pytest.mark.parametrize("method", EXACT)
def test_the_gradient_of_abs_is_autograd_s_and_jax_s(method):
    # jax.grad(jnp.abs)(3+4j) and autograd.grad(np.abs)(3+4j) are both 0.6-0.8j
    assert dl.grad(lambda z: np.abs(z), method=method)(3.0 + 4.0j) == pytest.approx(0.6 - 0.8j)


FUNCTIONS = {
    "abs2_of_exp": lambda z: np.sum(np.abs(np.exp(z) * z) ** 2),
    "real_of_conj_product": lambda z: np.real(np.sum(np.sin(z) * np.conj(z))),
    "imag_and_angle": lambda z: np.sum(np.imag(z * z) + np.angle(z)),
    "matmul_abs": lambda z: np.sum(np.abs(np.array([[1.0, 2.0], [0.5, -1.0]]) @ z)),
    "fft_power": lambda z: np.sum(np.abs(np.fft.fft(z)) ** 2 * np.arange(2.0)),
    # NumPy's norms, var and vdot of complex values use |z|² and conj (x·x would be a wrong, complex number)
    "norm_2": lambda z: np.linalg.norm(z),
    "norm_3": lambda z: np.linalg.norm(z, ord=3),
    "var": lambda z: np.var(z * np.array([1.0, 2.0])),
    "vdot": lambda z: np.real(np.vdot(z, np.array([0.5j, 2.0]))),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("method", EXACT + ("numeric",))
def test_gradients_at_complex_leaves_match_differences_of_the_parts(name, method):
    f = FUNCTIONS[name]
    z = np.array([0.7 - 0.4j, -1.1 + 0.9j])
    got = dl.grad(f, method=method)(z)
    assert got.dtype == complex and got.shape == z.shape
    np.testing.assert_allclose(got, _parts_gradient(f, z), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("method", EXACT + ("numeric",))
def test_real_inputs_through_complex_intermediates(method):
    x = np.array([0.3, -1.2, 0.8, 2.0, -0.1])
    # Parseval: Σ|fft(x)|² = n Σx², so the gradient is 2 n x
    got = dl.grad(lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2), method=method)(x)
    np.testing.assert_allclose(got, 2 * len(x) * x, rtol=1e-7, atol=1e-8)


FFTS = {
    "fft_n_smaller": lambda x: np.fft.fft(x, n=3),
    "ifft_ortho_axis0": lambda x: np.fft.ifft(x, axis=0, norm="ortho"),
    "fft2_s": lambda x: np.fft.fft2(x, s=(3, 6)),
    "rfft_n_bigger": lambda x: np.fft.rfft(x, n=6),
    "rfftn": lambda x: np.fft.rfftn(x),
    "irfft_of_rfft": lambda x: np.fft.irfft(np.fft.rfft(x) * (1.0 + 0.5j), n=5),
    "irfftn_odd": lambda x: np.fft.irfftn(np.fft.fftn(x)[:, :3], s=(4, 5), axes=(0, 1)),
}


@pytest.mark.parametrize("method", ["reverse", "numeric"])
@pytest.mark.parametrize("name", sorted(FFTS))
def test_fft_vjps_and_jvps_match_central_differences(name, method):
    """numeric too: its stencils kept only the real part of a complex output's differences (autograd's test_fft
    under numeric: relative errors 0.1 to 1.7, silently)."""
    f = FFTS[name]
    rng = np.random.default_rng(len(name))
    x = rng.normal(size=(4, 5))
    y = f(x)
    u = rng.normal(size=y.shape) + (1j * rng.normal(size=y.shape) if np.iscomplexobj(y) else 0)
    v = rng.normal(size=x.shape)
    numeric = (f(x + 1e-6 * v) - f(x - 1e-6 * v)) / 2e-6
    _, pullback = dl.vjp(f, x, method=method)
    # the bilinear pairing Re Σ ū·dy (ops/complexes.py): <vjp(ū), v> = Re Σ ū·(J v)
    assert np.sum(pullback(u)[0] * v) == pytest.approx(np.real(np.sum(u * numeric)), rel=1e-6)
    _, jv = dl.jvp(f, (x,), (v,), method=method)
    np.testing.assert_allclose(jv, numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("method", ["reverse", "numeric"])
def test_jvp_and_vjp_at_complex_leaves_follow_the_convention(method):
    z = np.array([0.5 + 1.0j, -0.3 - 0.2j])
    tol = {"rtol": 1e-7 if method == "numeric" else 1e-12}
    out, jv = dl.jvp(np.exp, (z,), (np.array([1.0j, 2.0]),), method=method)
    np.testing.assert_allclose(jv, np.exp(z) * [1.0j, 2.0], **tol)
    _, pullback = dl.vjp(np.exp, z, method=method)  # holomorphic: ū ↦ ū·f'(z), no conjugate (autograd, JAX)
    np.testing.assert_allclose(pullback(np.array([1.0, 1.0j]))[0], np.exp(z) * [1.0, 1.0j], **tol)


def test_a_complex_jacobian_of_real_inputs():
    x = np.array([0.2, -0.7, 1.5])
    want = np.fft.fft(np.eye(3), axis=0)
    for method in EXACT:
        np.testing.assert_allclose(dl.jacobian(np.fft.fft, method=method)(x), want, atol=1e-12)
    for method in ("numeric", dl.Numeric(scheme="richardson")):  # its imaginary part too
        np.testing.assert_allclose(dl.jacobian(np.fft.fft, method=method)(x), want, atol=1e-8)
    g = lambda x: np.exp(1j * x) * x  # noqa: E731
    np.testing.assert_allclose(dl.jacobian(g, method="numeric")(x), dl.jacobian(g)(x), atol=1e-8)


def test_second_derivatives_through_complex_intermediates():
    f = lambda x: np.sum(np.abs(np.exp(1j * x) + 2.0 * x) ** 2)  # noqa: E731
    x = np.array([0.4, -0.9])
    h = dl.hessian(f)(x)
    eps = 1e-5
    num = np.array([(dl.grad(f)(x + eps * e) - dl.grad(f)(x - eps * e)) / (2 * eps) for e in np.eye(2)])
    np.testing.assert_allclose(h, num, rtol=1e-6, atol=1e-7)


def test_numeric_second_derivatives_through_complex_intermediates():
    # its check for an infinite partial (sqrt at 0) read every value as a float: fft's raised TypeError
    f = lambda x: np.real(np.sum(np.fft.fft(x) ** 2 * np.arange(3.0)))  # noqa: E731
    x = np.array([0.3, -1.0, 2.0])
    np.testing.assert_allclose(dl.hessian(f, method="numeric")(x), dl.hessian(f)(x), rtol=1e-5, atol=1e-5)


def test_ops_without_complex_rules_refuse_complex_values_by_name():
    with pytest.raises(UnsupportedOperationError, match="sinc does not support complex"):
        dl.grad(lambda x: np.sum(np.abs(np.sinc(np.fft.fft(x)))))(np.ones(3))


def test_refusals_name_complex():
    for method in ("reverse", "symbolic", "numeric"):  # a complex output: grad picks no part (autograd's TypeError)
        with pytest.raises(TypeError, match="grad needs a real scalar output, but it is complex"):
            dl.grad(lambda x: np.sum(np.fft.fft(x)), method=method)(np.ones(3))  # symbolic: before its refusal
    # symbolic: eig's values (refused by name before ops/complex_linalg.py's opaque kinds) are reverse's
    a, f = np.eye(2) + [[0, 1], [-1, 0]], lambda a: np.sum(np.abs(np.linalg.eigvals(a)))
    np.testing.assert_allclose(dl.grad(f, method="symbolic")(a), dl.grad(f, method="reverse")(a), rtol=1e-14)
    # complex step reads J v off Im f(x + ihv), which a complex value fills (exp(1j·x)·x gave 5e19)
    with pytest.raises(NotDifferentiableError, match=r"complex step does not differentiate complex values .*mul"):
        dl.jvp(lambda x: np.exp(1j * x) * x, (np.ones(2),), (np.ones(2),), method=dl.Numeric(scheme="complex"))
    assert dl.grad(lambda z: np.abs(z), method="symbolic")(3.0 + 4.0j) == pytest.approx(0.6 - 0.8j, rel=1e-15)
    with pytest.raises(TypeError, match="complex cotangent for a real output"):  # was float()'s TypeError
        dl.vjp(np.abs, np.array(1.0 + 1.0j))[1](np.array(1.0 + 0.5j))


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_a_complex_tangent_for_a_real_primal_is_refused_by_every_method(method):
    """As a complex cotangent for a real output: forward and reverse gave J v = [0.4+2j, ...],
    symbolic and numeric its real part [0.4, ...] with NumPy's ComplexWarning, nested ones NumPy's
    casting error (JAX refuses the pair)."""
    x = np.array([0.2, -0.7, 1.1])
    cube = lambda w: np.sum(w**3)  # noqa: E731
    calls = [
        lambda: dl.jvp(lambda w: w * 2, (x,), (x + 1j,), method=method),
        lambda: dl.hvp(cube, (x,), (x + 1j,), method=method),
        lambda: dl.jvp(dl.grad(cube, method=method), (x,), (x + 1j,)),
    ]
    if method != "numeric":
        calls.append(lambda: dl.linearize(lambda w: w * 2, x, method=method)[1](x + 1j))
    for call in calls:
        with pytest.raises(TypeError, match="a complex tangent for a real primal: a real primal's tangent is real"):
            call()
    assert dl.jvp(lambda z: z * z, (1.0,), (2.0,), method=method)[1] == pytest.approx(4.0)


PAIRS = [  # (difflab's function, the same written for the peer's numpy module `xp`)
    (lambda z: np.sum(np.abs(np.sin(z)) ** 2), lambda xp, z: xp.sum(xp.abs(xp.sin(z)) ** 2)),
    (lambda z: np.real(np.sum(np.fft.fft(z) * z)), lambda xp, z: xp.real(xp.sum(xp.fft.fft(z) * z))),
    (lambda z: np.sum(np.angle(z) * np.imag(z)), lambda xp, z: xp.sum(xp.angle(z) * xp.imag(z))),
    # NumPy's lexicographic order picks; the derivative follows the pick (autograd's and JAX's alike)
    (lambda z: np.abs(np.max(z)) + np.abs(np.min(z * 1j)), lambda xp, z: xp.abs(xp.max(z)) + xp.abs(xp.min(z * 1j))),
    (
        lambda z: np.sum(np.abs(np.maximum(z, z[::-1] * 0.5))),
        lambda xp, z: xp.sum(xp.abs(xp.maximum(z, z[::-1] * 0.5))),
    ),
    (lambda z: np.real(np.prod(z) * (1.0 + 1.0j)), lambda xp, z: xp.real(xp.prod(z) * (1.0 + 1.0j))),
]
POINT = np.array([0.7 - 0.4j, -1.1 + 0.9j])


def test_known_answers_against_autograd():
    autograd = pytest.importorskip("autograd")
    for ours, theirs in PAIRS:
        want = autograd.grad(lambda z, t=theirs: t(autograd.numpy, z))(POINT)
        for method in EXACT:
            np.testing.assert_allclose(dl.grad(ours, method=method)(POINT), want, rtol=1e-10)


@pytest.mark.slow  # importing and compiling JAX: 3 s idle, 20 s under load
def test_known_answers_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    for ours, theirs in PAIRS:
        want = np.asarray(jax.grad(lambda z, t=theirs: t(jax.numpy, z))(jax.numpy.asarray(POINT)))
        for method in EXACT:
            np.testing.assert_allclose(dl.grad(ours, method=method)(POINT), want, rtol=1e-10)


def test_complex_predicates_and_real_if_close_on_traced_values():
    def f(x):
        z = x * (1.0 + 1e-20j)
        assert np.iscomplexobj(z) and not np.iscomplexobj(x)
        assert list(np.iscomplex(x * np.array([1.0, 1j]))) == [False, True]
        return np.sum(np.real_if_close(z) ** 2)  # the imaginary part is negligible: real, as NumPy's

    np.testing.assert_allclose(dl.grad(f)(np.array([1.0, 2.0])), [2.0, 4.0])


def _complexified(args, rng):
    """An entry's sample with each real floating argument moved off the real line (±0.2..0.6 i):
    the complex values every `complex=True` entry declares it takes (complex-domain samples stay)."""
    off = [rng.uniform(0.2, 0.6, np.shape(a)) * rng.choice([-1.0, 1.0], np.shape(a)) for a in args]
    return [np.asarray(a) + 1j * o if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a, o in zip(args, off)]


COMPLEX_ENTRIES = [n for n, op in REGISTRY.items() if op.complex and op.differentiable and n != "stop_gradient"]


@pytest.mark.parametrize("name", COMPLEX_ENTRIES)
def test_every_complex_entry_s_rules_match_differences_at_complex_values(name):
    """Registry-driven: each entry that declares `complex=True`, at its samples made complex, has a
    JVP (forward and reverse) equal to central differences of its NumPy implementation along a complex
    direction, and a VJP that is its transpose under the pairing Re Σ ū·t (ops/complexes.py)."""
    op = REGISTRY[name]
    rng = np.random.default_rng(len(name))
    for k, (args, params) in enumerate(examples(op, rng)):
        args = _complexified(args, rng)
        wrt = [i for i, a in enumerate(args) if a.dtype.kind in "fc"]
        dirs = [
            rng.normal(size=args[i].shape) + 1j * rng.normal(size=args[i].shape) * (args[i].dtype.kind == "c")
            for i in wrt
        ]

        def at(*xs, impl=op):
            full = list(args)
            for i, x in zip(wrt, xs):
                full[i] = x
            return impl(*full, **params)

        moved = [at(*[args[i] + h * d for i, d in zip(wrt, dirs)], impl=op.impl) for h in (1e-6, -1e-6)]
        want = (moved[0] - moved[1]) / 2e-6
        for method in EXACT:
            _, got = dl.jvp(at, tuple(args[i] for i in wrt), tuple(dirs), method=method)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"{name}-{k} {method}")
        u = rng.normal(size=np.shape(want))
        u = u + 1j * rng.normal(size=u.shape) if np.iscomplexobj(want) else u
        cts = dl.vjp(at, *[args[i] for i in wrt])[1](u)
        pulled = np.sum([np.real(np.sum(c * d)) for c, d in zip(cts, dirs)])
        assert pulled == pytest.approx(np.real(np.sum(u * want)), rel=1e-5, abs=1e-6), f"{name}-{k}"


Z = np.array([0.7 - 0.4j, -1.1 + 0.9j])


@pytest.mark.parametrize("method", EXACT)
def test_jacobian_at_complex_leaves_has_gradient_rows(method):
    # a real output's rows are gradients in the convention (JAX's jacrev, dl.grad): each row matches
    f = lambda z: np.abs(z * np.array([1.0, 2.0j])) ** 2  # noqa: E731
    want = np.array([_parts_gradient(lambda z, i=i: f(z)[i], Z) for i in range(2)])
    np.testing.assert_allclose(dl.jacobian(f, method=method)(Z), want, rtol=1e-6, atol=1e-8)
    # pytrees, two arguments, one of them real; a Python complex leaf gives 0-d blocks
    got = dl.jacobian(lambda a, b: {"q": np.real(a) * b}, argnums=(0, 1), method=method)(1.0 + 2.0j, 3.0)
    assert got["q"][0] == pytest.approx(3.0) and got["q"][1] == pytest.approx(1.0)


@pytest.mark.parametrize("method", EXACT)
def test_holomorphic_jacobian_and_hessian_give_complex_derivatives(method):
    cube = lambda z: z * z * z  # noqa: E731
    np.testing.assert_allclose(dl.jacobian(cube, method=method, holomorphic=True)(Z), np.diag(3 * Z * Z))
    h = dl.hessian(lambda z: np.sum(np.exp(z) * z), method=method, holomorphic=True)(Z)
    np.testing.assert_allclose(h, np.diag(np.exp(Z) * (Z + 2.0)), rtol=1e-12)
    assert dl.jacobian(np.sin, method=method, holomorphic=True)(1.0 + 2.0j) == pytest.approx(np.cos(1.0 + 2.0j))


def test_holomorphic_derivatives_against_jax_s_and_autograd_s():
    autograd = pytest.importorskip("autograd")
    z0 = 0.3 + 0.8j  # autograd's holomorphic_grad; JAX's jacfwd/jacrev(holomorphic=True) give the same f'(z)
    want = autograd.holomorphic_grad(lambda z: autograd.numpy.tan(z) * z)(z0)
    for method in EXACT:
        assert dl.jacobian(lambda z: np.tan(z) * z, method=method, holomorphic=True)(z0) == pytest.approx(want)


@pytest.mark.parametrize("method", EXACT)
def test_complex_jacobian_refusals_name_the_problem(method):
    with pytest.raises(TypeError, match="complex output at a complex leaf.*holomorphic=True"):
        dl.jacobian(lambda z: z * z, method=method)(Z)  # JAX's jacfwd and jacrev refuse it too
    with pytest.raises(ValueError, match="not holomorphic here"):
        dl.jacobian(lambda z: np.conj(z) * z + 0j, method=method, holomorphic=True)(Z)
    with pytest.raises(TypeError, match="holomorphic=True needs complex outputs"):
        dl.jacobian(np.abs, method=method, holomorphic=True)(Z)
    with pytest.raises(TypeError, match="holomorphic=True needs complex inputs"):
        dl.jacobian(lambda x: x * x, method=method, holomorphic=True)(np.ones(2))
    with pytest.raises(TypeError, match="hessian takes complex leaves with holomorphic=True"):
        dl.hessian(lambda z: np.sum(np.abs(z)), method=method)(Z)


def test_a_jvp_of_a_jvp_at_complex_leaves_under_forward():
    # forward's lowered tangent code once asked its finiteness guard to cover a complex operand, which
    # no float64 term covers (ValueError: min() arg is an empty sequence; autograd's test_falseyness, test_std)
    def f(x):
        return np.real(x**2)

    def jf(x, v):  # Re(2 x v)
        return dl.jvp(f, (x,), (v,), method="forward")[1]

    for _ in range(3):  # (the lowered code is made on a repeated call)
        assert dl.jvp(jf, (2.0 + 1j, 0.5 + 0.25j), (1.0 + 0j, 0j), method="forward") == pytest.approx((1.5, 1.0))


def test_reverse_jvp_of_many_outputs_is_the_pullback_s_transpose():
    # beyond TRANSPOSE_ROWS output numbers reverse's J v is the VJP of u -> uᵀJ (two sweeps, not J's rows):
    # the same numbers, for a complex output (Re J and Im J pulled apart) and inside an outer derivative
    rng = np.random.default_rng(0)
    a, b, ta, tb = [rng.normal(size=s) + 1j * rng.normal(size=s) for s in [(3, 3), (2, 2), (3, 3), (2, 2)]]
    _, jv = dl.jvp(np.kron, (a, b), (ta, tb), method="reverse")
    np.testing.assert_allclose(jv, np.kron(ta, b) + np.kron(a, tb), rtol=1e-13, atol=1e-14)
    x0 = np.linspace(0.1, 1.2, 12)

    def g(x):  # J v of sin(x)·x along ones: its Jacobian is diag(2 cos x - x sin x)
        return dl.jvp(lambda z: np.sin(z) * z, (x,), (np.ones(12),), method="reverse")[1]

    np.testing.assert_allclose(
        dl.jacobian(g, method="reverse")(x0), np.diag(2 * np.cos(x0) - x0 * np.sin(x0)), rtol=1e-13, atol=1e-15
    )


@pytest.mark.parametrize("method", ("symbolic", "reverse"))
def test_an_error_at_complex_leaves_is_not_raised_during_handling_of_complex_leaf(method):
    # complex leaves are realified after the boundary's ComplexLeaf (an internal signal, not a refusal, for a method
    # that takes them): the realified call's own error stood chained to it, and read as "complex leaves ..." first
    # (autograd's test_eig_complex under symbolic was tabulated as a ComplexLeaf for an expansion-limit refusal)
    z = np.array([1.0 + 2.0j, 0.5 - 1.0j])

    def f(x):
        raise ValueError("the function's own error")

    calls = {
        "jvp": lambda: dl.jvp(f, (z,), (z,), method=method),
        "vjp": lambda: dl.vjp(f, z, method=method),
        "grad": lambda: dl.grad(f, method=method)(z),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match="own error") as err:
            call()
        assert err.value.__context__ is None, name
    # and the realified path still gives the convention's numbers: ∂/∂x − i ∂/∂y of x² + y² is 2 conj(z)
    want = 2 * np.conj(z)
    np.testing.assert_allclose(dl.grad(lambda x: np.sum(np.abs(x) ** 2), method=method)(z), want, rtol=1e-12)
    _, pullback = dl.vjp(lambda x: np.abs(x) ** 2, z, method=method)
    np.testing.assert_allclose(pullback(np.ones(2))[0], want, rtol=1e-12)
    assert dl.jvp(lambda x: np.sum(np.abs(x) ** 2), (z,), (z,), method=method)[1] == pytest.approx(
        2 * np.sum(np.abs(z) ** 2)
    )
