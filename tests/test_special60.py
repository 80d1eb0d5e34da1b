"""special60: silent small errors of the shape partials in a tiny shape parameter, against mpmath (40 digits: diff of
betainc(a, b, 0, x, regularized=True) and gammainc(a, 0, x, regularized=True)).

- beta_shape's first fraction term d₁ = -(p + q)x/(p + 1) was a jet quotient by p(p + 1), its ∂p² summing ±6e6 to 0.2
  at p = 1e-3 (∂b² of betainc(3, 0.001, 0.9) 2.5e-9 off);
- ∂q² I_x(p, q) and ∂a² Q(a, x) for a shape below 1 are formed with the factor q (a) of 1/B(p, q) (1/Γ(a)) taken out:
  as ∂² log + (∂ log)², -ψ'(q) and (1/q + …)² cancelled from 1/q² to O(1/q) (∂a² Q 7e-11 off at a = 1e-6)."""

import numpy as np
import pytest

from difflab.ops import incomplete

#: (a, b, x), (∂a, ∂b, ∂a², ∂a∂b, ∂b²) of I_x(a, b); main's worst: 2.5e-9, 3.9e-9, 2.6e-8, 8.1e-11, 1.1e-13, 5e-10
#: relative (in the tiny shape's ∂²: d₁'s p/p, and -ψ'(q) against (1/q + r)²; in the other shape's, up to 1.6e-12,
#: where the side taken holds I or 1 - I near 1 and the slopes are O(the tiny shape): its log-derivatives cancel)
BETA = [
    (
        (3.0, 0.001, 0.9),
        [-0.0003020203529157542, 0.9974814668280345, 0.00014915947677886758, -0.30171987300071984, -0.105099674444693],
    ),
    (
        (0.001, 3.0, 0.1),
        [-0.9974814668280343, 0.00030202035291575414, 0.10509967444469263, 0.3017198730007198, -0.00014915947677886758],
    ),
    (
        (3.0, 0.0001, 0.9),
        [-3.022907605462402e-05, 0.997574863126022, 1.4942023252965133e-05, -0.30226071797263193, -0.10244632630059325],
    ),
    (
        (5.0, 0.002, 0.95),
        [-0.0003503237992002739, 1.1047508271332496, 9.495388131847117e-05, -0.17480303260094862, -0.16016340588216227],
    ),
    (
        (0.5, 0.001, 0.3),
        [-0.003742955916752214, 1.226543945757539, 0.01604493986780624, -3.7314713871886283, -3.689828650766243],
    ),
    (
        (18.0, 0.0015, 0.95),
        [-3.493128758218643e-05, 0.261854460166706, 3.783166475559705e-06, -0.023301956505670234, 0.46864669451458363],
    ),
]
#: (a, x), ∂a P and ∂a² P; main's ∂a²: 2.3e-14, 2.6e-14, 8.8e-13, 7.1e-11, 6.8e-15 relative off
GAMMA = [
    ((1e-3, 2.0), -0.04905334583936488, -0.15289776820824402),
    ((0.01, 1.5), -0.10269005300378604, -0.267351516020458),
    ((1e-4, 5.0), -0.001148832366538588, -0.0053684131960102365),
    ((1e-6, 1.01), -0.21574206850344396, -0.4447088057079889),
    ((0.3, 1.4), -0.20386848262544896, -0.2779755411927298),
]


def test_beta_shape_derivatives_with_a_tiny_shape_are_mpmaths():
    a, b, x = (np.array(c) for c in zip(*[p for p, _ in BETA]))
    incomplete._cache.clear()
    *got, done = incomplete.beta_shape(a, b, x)
    assert done.all()
    np.testing.assert_allclose(np.stack(got, axis=1), [w for _, w in BETA], rtol=5e-14)


@pytest.mark.parametrize("shape", [(), (5,)])
def test_gamma_shape_second_derivative_for_a_below_one_in_the_fraction_is_mpmaths(shape):
    points = GAMMA if shape else GAMMA[3:4]
    a, x = (np.array(c).reshape(shape or ()) for c in zip(*[p for p, *_ in points])) if shape else GAMMA[3][0]
    incomplete._cache.clear()
    da, daa, done = incomplete.gamma_shape(a, x)
    assert np.all(done)
    want = np.array([r for _, *r in points]).reshape(*shape, 2) if shape else np.array(GAMMA[3][1:])
    np.testing.assert_allclose(np.stack([da, daa], axis=-1), want, rtol=1e-14)


#: nctdtridf, ncfdtridfn, ncfdtridfd (new): (args, SciPy's value, mpmath's implicit gradient at that value: -F_y/F_v,
#: 1/F_v by mpmath.diff of difflab.ops.special._mp_nctdtr/_mp_ncfdtr at 30 digits); p = nctdtr(3.2, -0.8, 0.6),
#: ncfdtr(3.5, 3, 0.5, 0.5), ncfdtr(2.5, 3.3, 0.7, 0.8). SciPy's root is 2.6e-9 resp. 2.1e-7 and 5.6e-6 off the true one
INVERSES = {
    "nctdtridf": (
        (0.907027226019839, -0.8, 0.6),
        [280.85587574786365, 45.66545675994573, -37.38753764903803],
    ),
    "ncfdtridfn": (
        (0.23569036773263852, 3.0, 0.5, 0.5),
        [-37.828243053911365, 0.11974882114858633, -2.5681026677455288, 19.09001927266757],
    ),
    "ncfdtridfd": (
        (2.5, 0.37624435819175733, 0.7, 0.8),
        [1.9895270746689062, 83.99492723388144, 8.500783189506008, -30.14219544061737],
    ),
}


@pytest.mark.parametrize("name", sorted(INVERSES))
def test_noncentral_df_inverses_are_scipys_with_the_implicit_gradient_at_scipys_value(name):
    sc = pytest.importorskip("scipy.special")
    import difflab as dl
    import difflab.scipy.special as dsp

    args, grad = INVERSES[name]
    z = np.array(args)
    value, got = dl.value_and_grad(lambda z: getattr(dsp, name)(*[z[i] for i in range(len(args))]))(z)
    assert value == getattr(sc, name)(*args)
    np.testing.assert_allclose(got, grad, rtol=1e-12)
    # a central difference of SciPy's own function agrees within its search's noise (1e-4 of the slope here)
    h = 1e-4 * np.maximum(np.abs(z), 0.1)
    fd = [
        (getattr(sc, name)(*(z + h[i] * e)) - getattr(sc, name)(*(z - h[i] * e))) / (2 * h[i])
        for i, e in enumerate(np.eye(len(z)))
    ]
    np.testing.assert_allclose(fd, grad, rtol=1e-3)


def test_noncentral_df_inverses_refuse_a_third_derivative_by_name_and_are_constant_where_scipy_finds_no_root():
    import difflab as dl
    import difflab.scipy.special as dsp
    from difflab.errors import NotDifferentiableError

    # (their second derivatives: tests/test_noncentral64.py)
    with pytest.raises(NotDifferentiableError, match="nctdtr_ddf2"):
        dl.jacobian(dl.hessian(lambda z: dsp.nctdtridf(z[0], z[1], z[2])))(np.array(INVERSES["nctdtridf"][0]))
    # ncfdtr(dfn, 5, 1, 1.2) is 0.488 or more for every dfn: SciPy answers 1e100 for p = 0.4
    assert np.all(dl.grad(lambda z: dsp.ncfdtridfn(z[0], z[1], z[2], z[3]))(np.array([0.4, 5.0, 1.0, 1.2])) == 0)


#: ncfdtrinc, nctdtrinc (new): (args, index of p, of f resp. t), then mpmath's (∂p, ∂y, ∂p², ∂p∂y, ∂y²) of the implicit
#: function through SciPy's answer (findroot of the mixtures _mp_ncfdtr/_mp_nctdtr differentiated at 30 digits);
#: p = ncfdtr(3, 5, 1.5, 1.2), nctdtr(3, 0.8, 1.5); SciPy's roots are 1.3e-5 resp. 1.7e-10 off the true ones
NONCENTRALITY = {
    "ncfdtrinc": (
        (3, 5, 0.4438149353410358, 1.2),
        (2, 3),
        [-10.943627524509877, 3.2981159813085243, 21.64710288250768, -5.575464020124014, -0.6978840169929802],
    ),
    "nctdtrinc": (
        (3, 0.6896957331703315, 1.5),
        (1, 2),
        [-3.244020536091886, 0.8091793664358482, -4.354368618272885, -0.4944500813545436, -0.06140838784677722],
    ),
}


@pytest.mark.parametrize("name", sorted(NONCENTRALITY))
def test_noncentrality_inverses_to_second_order_at_scipys_value(name):
    sc = pytest.importorskip("scipy.special")
    import difflab as dl
    import difflab.scipy.special as dsp

    args, (i, j), want = NONCENTRALITY[name]

    def f(u):
        a = list(args)
        a[i], a[j] = u[0], u[1]
        return getattr(dsp, name)(*a)

    u = np.array([args[i], args[j]])
    value, grad = dl.value_and_grad(f)(u)
    assert value == getattr(sc, name)(*args)
    h = dl.hessian(f)(u)
    np.testing.assert_allclose([*grad, h[0, 0], h[0, 1], h[1, 1]], want, rtol=1e-12)


#: the Mathieu pairs (new): (name, (m, q, x in degrees), value, d/dx, d²/dx²) by mpmath (40 digits: ce/se as their
#: Fourier series, the coefficients an eigenvector of the recurrence's matrix, normalized as SciPy's, mp.diff in x)
MATHIEU = [
    ("mathieu_cem", (3, 3.0, 70.0), -0.7911746520951143, 0.011620467525383317, 0.003497418272722249),
    ("mathieu_cem", (1, 3.0, 15.0), 0.568439769889576, 0.0077406761109458195, 0.00046355999287711055),
    ("mathieu_sem", (2, 2.0, 40.0), 0.908019496040481, 0.01603097411950484, -0.0008236109231339164),
    ("mathieu_sem", (1, 1.0, 25.0), 0.3177884460558979, 0.014029676150567515, 0.00013512120551441387),
]


@pytest.mark.parametrize("name, args, value, d1, d2", MATHIEU)
def test_mathieu_angular_functions_in_x_are_mpmaths(name, args, value, d1, d2):
    sc = pytest.importorskip("scipy.special")
    import difflab as dl
    import difflab.scipy.special as dsp

    m, q, x = args
    f = lambda t: getattr(dsp, name)(m, q, t)[0]  # noqa: E731
    got = dl.value_and_grad(f)(x)
    assert got[0] == pytest.approx(getattr(sc, name)(m, q, x)[0], rel=1e-14)  # (difflab's Fourier sum: mathieu63)
    np.testing.assert_allclose([*got, dl.hessian(f, method="forward")(x)], [value, d1, d2], rtol=1e-13)


def test_mathieu_radial_slopes_are_scipys_and_mathieus_equation_and_q_is_refused():
    sc = pytest.importorskip("scipy.special")
    import difflab as dl
    import difflab.scipy.special as dsp
    from difflab.errors import NotDifferentiableError

    m, q, x = 2, 1.5, 0.6
    y, yp = sc.mathieu_modsem2(m, q, x)
    assert dl.grad(lambda t: dsp.mathieu_modsem2(m, q, t)[0])(x) == yp
    want = (sc.mathieu_b(m, q) - 2 * q * np.cosh(2 * x)) * y  # y″ = (b - 2q cosh 2x)·y
    np.testing.assert_allclose(
        dl.grad(lambda t: dsp.mathieu_modsem2(m, q, t)[1], method="forward")(x), want, rtol=1e-15
    )
    # (q: difflab.scipy.special's own front since mathieurad64; SciPy's ufunc on a traced q is refused, naming it)
    with pytest.raises(NotDifferentiableError, match="mathieu_modcem2.*q.*difflab.scipy.special"):
        dl.grad(lambda v: sc.mathieu_modcem2(m, v, 0.6)[0])(q)
