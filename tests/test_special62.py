"""scipy.special's remaining names (issue 11, special62): itairy's four integrals (difflab's values where SciPy's are
wrong), mathieu_a/mathieu_b differentiable in q, the Gauss rules with continuous parameters differentiable in them,
and the plain-only fronts (zeros, degree-only rules, combinatorics, orthopoly1d constructors) refusing traced values.
"""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy.special as dsp
from difflab.errors import NotDifferentiableError

sc = pytest.importorskip("scipy.special")

# ∫₀ˣ Ai, ∫₀ˣ Bi, ∫₀ˣ Ai(-t), ∫₀ˣ Bi(-t): mpmath's ₁F₂ forms (Ai(0)·x·₁F₂(1/3; 2/3, 4/3; x³/9) + Ai′(0)·x²/2·
# ₁F₂(2/3; 4/3, 5/3; x³/9), Bi alike) at 40 + 1.3|x|^1.5 digits, written out
_ITAIRY = {
    2.0: (0.31253275578067969, 2.873408259982545, 0.90177282603860638, 0.19354740799810315),
    9.0: (0.33333333253066365, 7377921.1705220007, 0.55881974894471877, -0.010330373551680197),
    -4.0: (-0.47800749642926168, 0.050760058495287539, -0.33289264538612213, -48.21947526380343),
    15.0: (0.33333333333333333, 4967308973718507.3, 0.68358062836193585, 0.072026214312908523),
    25.0: (0.33333333333333333, 7.8920820362130993e34, 0.70489539076334898, 0.032931895321349091),
}


def test_itairy_values_are_right_where_scipys_are_not():
    """Within 3e-14 relative of mpmath's at 2, 9, -4, 15 (difflab's quadrature) and 25 (SciPy's); SciPy's own ∫₀⁹ Ai
    is 2.6, not 1/3."""
    xs = np.array(list(_ITAIRY))
    want = np.array(list(_ITAIRY.values())).T
    got = np.array(dsp.itairy(xs))
    assert np.all(np.abs(got / want - 1) <= 3e-14)  # (2.2e-14: ∫₀⁹ Bi(-t), -0.0103, near a zero)
    assert abs(sc.itairy(9.0)[0] - 1 / 3) > 2  # (what difflab replaces)
    assert dsp.itairy(np.float32(1.0))[0].dtype == np.float32


def test_itairy_slopes_are_the_airy_functions():
    """d/dx (∫Ai, ∫Bi, ∫Ai(-t), ∫Bi(-t)) = Ai(x), Bi(x), Ai(-x), Bi(-x) (reverse; forward on one part);
    the second derivatives (forward over reverse) Ai′(x), Bi′(x), -Ai′(-x), -Bi′(-x)."""
    x = 1.3
    ai, aip, bi, bip = sc.airy(x)
    ai_, aip_, bi_, bip_ = sc.airy(-x)
    parts = lambda t: dl.numpy.stack(dsp.itairy(t))  # noqa: E731
    assert np.allclose(dl.jacobian(parts)(x), [ai, bi, ai_, bi_], rtol=1e-15, atol=0)
    for method in ("forward",):
        assert dl.grad(lambda t: dsp.itairy(t)[2], method=method)(x) == pytest.approx(ai_, rel=1e-15)
    curves = dl.jacobian(dl.jacobian(parts))(x)
    assert np.allclose(curves, [aip, bip, -aip_, -bip_], rtol=1e-14, atol=0)


def _richardson(f, x, h):
    return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h)


_RULES = [
    ("roots_jacobi", (4, 0.3, -0.6), 1),
    ("roots_genlaguerre", (4, -0.5), 1),
    ("roots_gegenbauer", (4, 0.2), 1),
    ("roots_sh_jacobi", (3, 2.5, 0.7), 2),
]


@pytest.mark.parametrize(("name", "args", "i"), _RULES)
def test_gauss_rules_are_differentiable_in_their_parameters(name, args, i):
    """Nodes, weights and μ₀ of a traced parameter within 1e-14 of SciPy's; their slopes, forward and reverse, those
    of Richardson differences of SciPy's own rule (to 1e-9)."""

    def ours(t):
        x, w, mu = getattr(dsp, name)(*_with(args, i, t), True)
        return dl.numpy.concatenate([x, w, dl.numpy.reshape(mu, (1,))])

    def theirs(t):
        x, w, mu = getattr(sc, name)(*_with(args, i, t), True)
        return np.concatenate([x, w, [mu]])

    value, slope = dl.jvp(ours, (args[i],), (1.0,))
    assert np.allclose(value, theirs(args[i]), rtol=1e-14, atol=1e-15)
    want = _richardson(theirs, args[i], 1e-3)
    assert np.allclose(slope, want, rtol=1e-9, atol=1e-9)
    assert np.allclose(dl.jacobian(ours, method="reverse")(args[i]), slope, rtol=1e-12, atol=1e-14)


def _with(args, i, t):
    a = list(args)
    a[i] = t
    return a


def test_genlaguerre_two_nodes_closed_form():
    """n = 2: nodes α + 2 ∓ √(α + 2), second derivatives ±(α + 2)^(-3/2)/4 (forward over reverse); symbolic's slope."""
    a = 0.5
    node = lambda t: dsp.roots_genlaguerre(2, t)[0][0]  # noqa: E731
    assert np.isclose(dl.grad(node)(a), 1 - 0.5 / np.sqrt(a + 2), rtol=1e-14)
    assert np.isclose(dl.hessian(node)(a), 0.25 * (a + 2) ** -1.5, rtol=1e-12)


def test_mathieu_characteristic_values_in_q():
    """mathieu_a/b on a traced q: SciPy's values where right (3e-15), slopes of its Richardson differences (1e-9); at q = 0 the
    second derivatives of DLMF 28.6's series: a₀ = -q²/2, a₁ = 1 + q - q²/8, b₁ = 1 - q - q²/8, a₂ = 4 + 5q²/12,
    b₂ = 4 - q²/12."""
    for fn, m, q in ((dsp.mathieu_a, 3, 2.0), (dsp.mathieu_b, 2, -5.0), (dsp.mathieu_a, 0, 40.0)):
        value, slope = dl.value_and_grad(lambda t: fn(m, t))(q)
        scipy_fn = getattr(sc, fn.__name__)
        assert abs(value / scipy_fn(m, q) - 1) <= 3e-15
        assert abs(slope - _richardson(lambda t: scipy_fn(m, t), q, 1e-3 * max(1, abs(q)))) <= 1e-9
        assert dl.grad(lambda t: fn(m, t), method="forward")(q) == pytest.approx(slope, rel=1e-12)
    curves = [dl.hessian(lambda t, f=f, m=m: f(m, t))(0.0) for f, m in
              ((dsp.mathieu_a, 0), (dsp.mathieu_a, 1), (dsp.mathieu_b, 1), (dsp.mathieu_a, 2), (dsp.mathieu_b, 2))]  # fmt: skip
    assert np.allclose(curves, [-1.0, -0.25, -0.25, 5 / 6, -1 / 6], rtol=1e-12, atol=1e-14)
    plain = dsp.mathieu_a(np.array([0, 1, 2, -1]), np.array([1.0, 2.0, 3.0, 1.0]))
    assert np.allclose(plain[:3], sc.mathieu_a(np.array([0, 1, 2]), np.array([1.0, 2.0, 3.0])), rtol=3e-15, atol=0)
    assert np.isnan(plain[3])  # (m = -1: NaN, as SciPy's)
    # SciPy's is O(1) wrong at many |q| > 100: the asymptotic a ~ -2q + 2s√q - (s² + 1)/8, s = 2m + 1 = 9, is -4110.25
    assert dsp.mathieu_a(4, 2500.0) == pytest.approx(-4110.371742596678, rel=1e-14) and sc.mathieu_a(4, 2500.0) < -4500


def test_whole_arguments_are_refused_traced_by_name():
    """Traced whole numbers (m, n) and the plain-only fronts' arguments: NotDifferentiableError naming them; their
    plain calls SciPy's own values."""
    cases = [
        (lambda t: dsp.mathieu_a(t, 1.0), "argument m"),
        (lambda t: dsp.roots_jacobi(t, 0.5, 0.5)[0][0], "in n"),
        (lambda t: dsp.jn_zeros(t, 3)[0], "argument n"),
        (lambda t: dsp.jacobi(3, t, 0.5)(0.2), "argument alpha"),
        (lambda t: dsp.roots_legendre(t)[0][0], "argument n"),
        (lambda t: dsp.stirling2(t, 2), "argument N"),
    ]
    for f, said in cases:
        with pytest.raises(NotDifferentiableError, match=said):
            dl.grad(f)(3.0)
    assert np.array_equal(dsp.jn_zeros(2, 3), sc.jn_zeros(2, 3))
    assert np.array_equal(dsp.p_roots(5)[1], sc.roots_legendre(5)[1])
    assert dsp.bernoulli(4).tolist() == sc.bernoulli(4).tolist()
    with pytest.raises(ValueError, match="positive integer"):
        dl.grad(lambda a: dsp.roots_genlaguerre(0, a)[0][0])(0.5)


def test_spheroidal_sequences_in_c():
    """pro_cv_seq/obl_cv_seq on a traced c: SciPy's sequence (6e-15), slopes of its Richardson differences (1e-10),
    forward equal to reverse; the third derivative refused by name (pro_cv's)."""
    for name in ("pro_cv_seq", "obl_cv_seq"):
        ours = lambda t, name=name: getattr(dsp, name)(1, 4, t)  # noqa: E731
        theirs = lambda t, name=name: getattr(sc, name)(1, 4, t)  # noqa: E731
        value, slope = dl.jvp(ours, (2.5,), (1.0,))
        assert np.allclose(value, theirs(2.5), rtol=1e-14, atol=0)
        assert np.allclose(slope, _richardson(theirs, 2.5, 1e-3), rtol=0, atol=1e-10)
        assert np.allclose(dl.jacobian(ours)(2.5), slope, rtol=1e-13, atol=0)
        with pytest.raises(NotDifferentiableError, match="third time"):
            dl.grad(dl.hessian(lambda t, ours=ours: ours(t)[0]))(2.5)
