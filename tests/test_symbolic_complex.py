"""The symbolic method on complex values (issue 11): complex intermediates, leaves and outputs give
reverse's numbers (ops/complexes.py's convention), each complex value written as real and imaginary
parts over real symbols (program.py), complex outputs as their parts' graph (complex_outputs.py)."""

import numpy as np
import pytest
import sympy as sp

import difflab as dl
from difflab.ops.fourier import _sympy as fft_sympy

RNG = np.random.default_rng(11)
X = RNG.normal(size=4)
Z = RNG.normal(size=3) + 1j * RNG.normal(size=3)


def close(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype.kind == want.dtype.kind
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14 * (1.0 + np.max(np.abs(want))))


REAL_LOSSES = [  # complex intermediates, a real loss
    lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2),
    lambda x: np.sum(np.real(x * np.exp(1j * x))),
    lambda x: np.sum(np.angle(np.fft.rfft(np.sin(x)) + 0.5)) + np.imag(np.log(x[0] + 2j * x[1])),
    lambda x: np.sum(np.fft.irfft(np.fft.rfft(x) * (1.0 - 0.5j), n=6, norm="ortho") ** 2),
    lambda x: np.real(np.sum(np.conj(x + 1j) ** 2.5 * np.tanh(x * (0.3 + 0.2j)) / np.sqrt(x + 2j))),
    # expm1 and log1p are named functions (NumPy's accurate ones): on a complex argument, written exp(z) − 1, log(1 + z)
    lambda x: np.sum(np.abs(np.expm1(x * (0.3 + 0.4j))) ** 2 + np.imag(np.log1p(x * (0.2 - 0.1j) + 0.5j))),
]


@pytest.mark.parametrize("k", range(len(REAL_LOSSES)))
def test_a_real_loss_through_complex_values_is_reverse_s_gradient(k):
    f = REAL_LOSSES[k]
    close(dl.grad(f, method="symbolic")(X), dl.grad(f, method="reverse")(X))


def test_complex_leaves_follow_the_convention():
    f = lambda z: np.sum(np.abs(np.fft.fft(z)) ** 2 + np.real(z * np.exp(1j * z)))  # noqa: E731
    close(dl.grad(f, method="symbolic")(Z), dl.grad(f, method="reverse")(Z))
    assert dl.grad(np.abs, method="symbolic")(3.0 + 4.0j) == pytest.approx(0.6 - 0.8j, rel=1e-15)
    h = lambda z: z**3 + np.exp(z) * np.sin(z)  # noqa: E731
    close(
        dl.jacobian(h, method="symbolic", holomorphic=True)(Z),
        dl.jacobian(h, method="reverse", holomorphic=True)(Z),
    )


def test_complex_outputs_under_jacobian_jvp_and_vjp():
    f = lambda x: (np.sum(x**2), np.fft.fft(x * np.exp(0.5j * x)))  # noqa: E731
    v = RNG.normal(size=4)
    for got, want in zip(dl.jacobian(f, method="symbolic")(X), dl.jacobian(f, method="reverse")(X)):
        close(got, want)
    for got, want in zip(dl.jvp(f, (X,), (v,), method="symbolic")[1], dl.jvp(f, (X,), (v,), method="reverse")[1]):
        close(got, want)
    u = (0.7, RNG.normal(size=4) + 1j * RNG.normal(size=4))  # a complex cotangent: Re(ū·t)
    close(dl.vjp(f, X, method="symbolic")[1](u)[0], dl.vjp(f, X, method="reverse")[1](u)[0])


def test_fft_translation_is_numpy_s_transform():
    cases = [("fft", (1,), (4,), "backward"), ("ifft", (0, 1), (2, 5), "ortho"), ("irfft", (1,), (5,), "forward")]
    for kind, axes, s, norm in cases:  # (padded, truncated, both axes, each norm)
        x = RNG.normal(size=(2, 4)) + 1j * RNG.normal(size=(2, 4))
        objects = np.vectorize(lambda z: sp.Float(z.real) + sp.I * sp.Float(z.imag), otypes=[object])(x)
        got = fft_sympy(objects, kind, axes, s, norm)
        want = getattr(np.fft, kind + "n")(x, s=s, axes=axes, norm=norm)
        np.testing.assert_allclose(np.vectorize(lambda e: complex(sp.N(e)))(got), want, atol=1e-13)
    got = fft_sympy(np.array([1.0, 2.0, 0.5, -1.0, 3.0]).astype(object), "rfft", (0,), (5,), "backward")
    np.testing.assert_allclose(np.vectorize(lambda e: complex(sp.N(e)))(got), np.fft.rfft([1, 2, 0.5, -1, 3]))


def test_what_has_no_sympy_form_on_complex_values_is_refused_by_name():
    # (eig of a real matrix with complex eigenvalues and QR of a complex one were refused here; they are opaque
    # functions now, ops/complex_linalg.py, tests/test_symbolic_eig_complex.py): their numbers are reverse's
    a = np.array([[1.0, 2.0], [-1.0, 0.5]])
    f = lambda a: np.sum(np.abs(np.linalg.eigvals(a)) ** 2)  # noqa: E731
    np.testing.assert_allclose(dl.grad(f, method="symbolic")(a), dl.grad(f, method="reverse")(a), rtol=1e-12)
    c = np.array([0.3 + 0.1j, -0.2 + 0.5j, 0.1 - 0.4j, 0.6 + 0.2j])
    g = lambda x: np.sum(np.abs(np.linalg.qr(np.reshape(x * c, (2, 2)))[1]))  # noqa: E731
    np.testing.assert_allclose(dl.grad(g, method="symbolic")(X), dl.grad(g, method="reverse")(X), rtol=1e-12)
    # complete mode's extra columns (LAPACK's Householder ones) of a complex tall matrix (were refused here: the opaque
    # kind cqrc now, reverse's rule)
    tall = lambda x: np.sum(np.abs(np.linalg.qr(np.reshape(x * c, (4, 1)), mode="complete")[0]))  # noqa: E731
    np.testing.assert_allclose(dl.grad(tall, method="symbolic")(X), dl.grad(tall, method="reverse")(X), rtol=1e-12)


Z = np.array([0.3 + 0.4j, -0.7 + 1.1j, 1.5 - 0.2j, -2.0 + 0.1j])
W = np.array([0.5 - 0.3j, -0.7 + 0.6j, -0.4 + 0.6j, 1.2 + 0.1j])  # (a real part equal to Z's: the order's tie)


@pytest.mark.parametrize(
    "f",
    [
        lambda z, w: np.arcsinh(z),  # log(z + √(z² + 1)), every part real (NumPy's principal branch)
        lambda z, w: np.maximum(z, w),  # NumPy's lexicographic order: real parts, then imaginary parts
        lambda z, w: np.minimum(z, w) * np.fmax(w, z),
        lambda z, w: z**w,  # both variable: exp(w log z)
    ],
)
def test_complex_arcsinh_maximum_minimum_and_power_of_two_variables_equal_reverse(f):
    # each was refused on complex values (SymPy left re/im of arcsinh's logarithm, compared complex values, or
    # could not split difflab's x**y)
    loss = lambda z, w: np.sum(np.abs(f(z, w)) ** 2)  # noqa: E731
    got = dl.grad(loss, argnums=(0, 1), method="symbolic")(Z, W)
    want = dl.grad(loss, argnums=(0, 1), method="reverse")(Z, W)
    for g, r in zip(got, want):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "f",
    [
        np.arccosh,  # Kahan's log(z + √(z + 1)·√(z − 1)): its parts held real while SymPy splits the logarithm
        lambda z: np.max(z[1:]),  # NumPy's lexicographic order: real parts, then imaginary parts (a flat Piecewise)
        lambda z: np.min(np.reshape(z, (2, 2)), axis=1) * np.amax(z[:2]),
        # erf, erfc: parts of (x, y), SymPy's erf(z) does not split
        lambda z: dl.scipy.special.erf(z) + 1j * dl.scipy.special.erfc(z[::-1]),
    ],
    ids=["arccosh", "max", "min_amax", "erf_erfc"],
)
def test_complex_arccosh_max_and_min_reductions_equal_reverse_and_differences(f):
    # each was refused on complex values (SymPy left the atan2 of arccosh's split, re(Piecewise) of the max)
    from test_complex import _parts_gradient

    loss = lambda z: np.sum(np.abs(f(z)) ** 2)  # noqa: E731
    got = dl.grad(loss, method="symbolic")(Z)
    np.testing.assert_allclose(got, dl.grad(loss, method="reverse")(Z), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, _parts_gradient(loss, Z), rtol=1e-7, atol=1e-8)


def test_complex_erf_second_derivatives_equal_reverse():
    c = 0.5 + 0.8j
    loss = lambda x: np.sum(np.abs(dl.scipy.special.erf(x * c)) ** 2 + np.imag(dl.scipy.special.erfc(x * c)))  # noqa: E731
    x = np.array([0.3, -0.7, 1.5])
    want = dl.hessian(loss, method="reverse")(x)
    np.testing.assert_allclose(dl.hessian(loss, method="symbolic")(x), want, rtol=1e-12, atol=1e-13)


E6 = np.array([[0.3 + 0.1j, -1.2 + 0.05j, 0.8 - 0.2j], [0.8 + 0.02j, 0.1 - 0.3j, -0.4 + 0.2j]])  # a tie of real parts


@pytest.mark.parametrize("reduce", [np.max, np.min], ids=["max", "min"])
def test_complex_max_over_six_entries_first_and_second_order_equal_reverse(reduce):
    # a complex max's part is a Piecewise over lexicographic conditions: SymPy's diff of it re-evaluated the
    # Piecewise, OR-ing the conditions into normal form (exponential in the entries: minutes for 5 entries,
    # program._piecewise_partial); its second derivative's code printed a nested ITE, a TypeError (compile.symbolic)
    f = lambda z: reduce(z) * (1.0 - 0.5j)  # noqa: E731
    v = np.array([[0.5 - 1.0j, 0.2 + 0.3j, -0.7 + 0.1j], [1.1 + 0.4j, -0.3 - 0.6j, 0.9 + 0.8j]])

    def products(m):  # J v, uᵀJ and the second derivative along v[::-1] of J v
        y, pullback = dl.vjp(f, E6, method=m)
        jjv = dl.jvp(lambda z: dl.jvp(f, (z,), (v,), method=m)[1], (E6,), (v[::-1],), method=m)[1]
        return dl.jvp(f, (E6,), (v,), method=m)[1], pullback(0.4 + 0.9j), jjv

    (jv, uj, jjv), want = products("symbolic"), products("reverse")
    for g, r in zip((jv, uj, jjv), want):
        close(g, r)
    assert abs(jv) > 0.1 and np.count_nonzero(uj) == 1  # the pick's derivative, at the one picked entry


def test_nested_ite_conditions_print_as_numpy_code():
    # SymPy's printers rewrite ITE as a Piecewise: one nested in another's branch became a Piecewise inside And
    # (a TypeError); difflab's printers write ITE(c, a, b) as (c & a) | (~c & b)
    from sympy.printing.numpy import NumPyPrinter

    from difflab.compile.symbolic import exact_floats

    p, q, r, s, t = sp.symbols("p q r s t", real=True)
    above = sp.ITE(p < q, True, sp.ITE(sp.Eq(p, q), s > r, False))  # (q, s) above (p, r), as SymPy folds it
    c = sp.ITE((t < q) & (sp.Eq(r, q) | (r < q)) & above, True, sp.ITE(sp.Eq(t, q) & above, s > t, False))
    e = sp.Piecewise((1.0, c), (0.5, True), evaluate=False)  # (as SymPy's cse leaves it: not re-evaluated)
    code = exact_floats(NumPyPrinter)().doprint(e)
    f = eval(f"lambda p, q, r, s, t: {code}", {"numpy": np})
    points = [
        (0.0, 1.0, 0.5, 0.2, 0.1),
        (1.0, 1.0, 0.5, 0.7, 0.3),
        (1.0, 1.0, 0.5, 0.2, 2.0),
        (2.0, 1.0, 0.5, 0.2, 1.0),
    ]
    for point in points:
        assert float(f(*point)) == float(e.subs(dict(zip((p, q, r, s, t), point))))


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.real(np.sum(np.exp(1j * x) * x**2)),
        lambda x: np.abs(np.sum(np.exp(1j * x[0] * x) / (2.0 + x))) ** 2,
    ],
    ids=["exp_ix_x2", "abs_sum"],
)
def test_symbolic_over_a_reverse_gradient_of_complex_intermediates(f):
    """dl.hessian(f, method=('symbolic', 'reverse')): the symbolic method differentiates reverse's gradient graph,
    whose chain-rule products (strong_mul) of complex values it refused by name; each is split into the strong
    products of its parts (program._strong_parts)."""
    x = np.array([0.3, 0.8, -0.5])
    want = dl.hessian(f, method="reverse")(x)
    np.testing.assert_allclose(dl.hessian(f, method=("symbolic", "reverse"))(x), want, rtol=1e-12, atol=1e-13)


def test_a_whole_float_power_of_a_complex_value_with_no_imaginary_part():
    """z**2 of a complex value whose imaginary part is 0 (b - ρσ·iu at u = -i in a Heston characteristic function,
    tests/test_user_code10.py): SymPy wrote its real part re(x**2.0) (x < 0 unknown) and the symbolic method
    refused it; now x**2, as NumPy's integer power. Against the closed form: d/da Re((a - b)²) + Im √(a² - 3) =
    2(a - b) - a/√(3 - a²), d/db = -2(a - b) (a² < 3: √ of a negative real, +0j, is i√(3 - a²))."""

    def f(p):
        return np.real((p[0] - p[1] * (1 - 0j)) ** 2) + np.imag(np.sqrt((p[0] + 0j) ** 2 - 3.0))

    a, b = 0.7, 1.3
    want = [2 * (a - b) - a / np.sqrt(3 - a * a), -2 * (a - b)]
    for method in ("symbolic", "reverse"):
        np.testing.assert_allclose(dl.grad(f, method=method)(np.array([a, b])), want, rtol=1e-14)


@pytest.mark.parametrize("method", ["symbolic", "reverse", "forward"])
def test_the_modulus_of_a_complex_zero_has_the_convention_s_zero_derivative(method):
    """|z| at z = 0: abs'(0) = 0 (DESIGN.md §3), as cabs's rule gives it. The symbolic method wrote SymPy's
    Abs(a + ib) = sqrt(a² + b²), whose partial a/sqrt(a² + b²) is 0/0 there: Σ|fft(x)| at x = (1, 1, 1, 1) (three
    zero bins) and |x0 + i·x1| at 0 had NaN gradients, silently, and vmap of a symbolic gradient through an FFT
    (tests/test_user_code11's rfft_lowpass) NaN where a bin computed on traced values was exactly 0. Analytic: the
    only nonzero bin is Σx, so the gradient is 1 everywhere; |z| + x0 at 0 has gradient (1, 0)."""
    spectrum = lambda x: np.sum(np.abs(np.fft.fft(x)))  # noqa: E731
    modulus = lambda x: np.abs(x[0] + 1j * x[1]) + x[0]  # noqa: E731
    np.testing.assert_array_equal(dl.grad(spectrum, method=method)(np.ones(4)), np.ones(4))
    np.testing.assert_array_equal(dl.grad(modulus, method=method)(np.zeros(2)), [1.0, 0.0])
    # and the rule's 0 there is constant: its derivative, the second of |z| at 0, is 0 (symbolic's diagonal was NaN)
    np.testing.assert_array_equal(dl.hessian(modulus, method=method)(np.zeros(2)), np.zeros((2, 2)))
    # away from 0, the same partials: Re(conj(z)·dz)/|z| of each bin
    x = np.array([0.3, -1.1, 0.4, 2.0])
    z, e = np.fft.fft(x), np.fft.fft(np.eye(4))
    close(dl.grad(spectrum, method=method)(x), np.real(np.conj(z) * e / np.abs(z)).sum(axis=1))
    # batched, the derivative runs on traced values (symbolic: its expressions as difflab ops)
    got = dl.vmap(dl.grad(modulus, method=method))(np.array([[0.0, 0.0], [0.3, -0.4]]))
    close(got, np.array([[1.0, 0.0], [1.6, -0.8]]))


def test_an_elementwise_complex_equation_is_split_once_per_pattern(monkeypatch):
    """Each complex element's (Re, Im) was SymPy's as_real_imag of that element (its assumption queries: 80 % of
    Heston's translation, tests/test_user_code10.py); now one split per equation and pattern of its arguments' atoms
    (program.py's _SharedSplit), renamed per element: 7 here (the 0 a pattern of its own) where there were 30. The program is the one each
    element's own split wrote: c's 0 still folds its product to 0 (no assignment); the gradient is the closed form's."""
    from difflab.differentiators import program

    calls = []
    split = program._real_imag
    monkeypatch.setattr(program, "_real_imag", lambda sp, e: calls.append(e) or split(sp, e))
    c = np.array([0.5 + 0.25j, 1.5 - 0.75j, 0.0, -2.5 + 1.25j, 0.25 - 0.5j, 0.75 + 0.5j])
    f = lambda x: np.sum(np.real(np.exp(1j * x) * c / (x + 2j)))  # noqa: E731
    x = np.linspace(-1.0, 1.5, 6)
    p = program.to_sympy(dl.trace(f, x))
    assert len(calls) <= 7
    names = [s.name for s, _ in p.assignments]
    assert len(names) == 39 and not {"v3_2r", "v3_2i", "v5_2r", "v5_2i"} & set(names) and "v5_3i" in names
    want = np.real(np.exp(1j * x) * c * (1j / (x + 2j) - 1 / (x + 2j) ** 2))
    close(dl.grad(f, method="symbolic")(x), want)
