"""gammainc, gammaincc and betainc differentiated in their shape parameters (issue 11, gammainc56): the entries
gammainc_da/daa and betainc_da/db/daa/dab/dbb (difflab.ops.incomplete's jets) against mpmath's diff of
gammainc(a, 0, x, regularized=True) and betainc(a, b, 0, x, regularized=True) (30 digits; 120 for betainc's, whose
complement mpmath forms as 1 - I), stored; all four methods; scipy.stats' CDFs with a traced shape."""

import numpy as np
import pytest

import difflab as dl
from difflab.ops.incomplete import beta_shape, gamma_shape
from difflab.scipy import special as dsp
from difflab.scipy import stats as dstats

# (a, x, ∂a P, ∂a² P); a comment where the first derivative is not within 1e-13 (measured error)
_GAMMA = [
    (0.001, 0.001, -6.2932038249004245, 38.22581477531994),
    (0.001, 0.5, -0.5603594001080031, -0.5848512398697082),
    (0.001, 30.0, -3.0458488566425612e-15, -2.4362455949660942e-14),
    (0.5, 0.0001, -0.10433633085164666, 0.9542378944036123),
    (0.5, 0.5, -0.6472003523777539, 0.1558530293675069),
    (0.5, 40.0, -2.1253415656995285e-18, -1.0217098153657406e-17),
    (30.0, 3.0, -9.933782875422915e-20, 2.293276474963466e-19),
    (30.0, 30.0, -0.07303937077258078, 6.798486673984272e-06),  # ∂a² near its zero: 2e-12 of it, 1e-17 absolute
    (30.0, 31.5, -0.0687316156262897, -0.0033563845758101288),
    (30.0, 90.0, -7.231872675096225e-14, -7.966127663862581e-14),
    (1000.0, 500.0, -2.2911095748452634e-86, 1.5882076360713901e-86),  # 3e-13: SciPy's P(1000, 500) itself
    (1000.0, 1000.0, -0.012616713994069625, 1.051567790325393e-09),  # ∂a² near its zero: 1e-18 absolute
    (1000.0, 1001.5, -0.012593099868304551, -1.887602028441523e-05),
    (1000.0, 1100.0, -0.00011048987784079389, -1.0531678471574556e-05),
]
# (a, b, x, ∂a I, ∂b I, ∂a² I, ∂a∂b I, ∂b² I)
_BETA = [
    (0.01, 0.01, 0.5, -25.0040094276327, 25.0040094276327, 2499.6091254134044, 0.0, -2499.6091254134044),
    (
        0.01,
        3.0,
        0.3,
        -0.26230270386387394,
        0.0015941930855495412,
        -0.3300258169392291,
        0.15958258519816057,
        -0.0011767117195878893,
    ),
    (
        0.5,
        0.5,
        1e-06,
        -0.009185925720194629,
        0.0008825423354943546,
        0.13299779001732048,
        -0.011687196522808094,
        -0.0008709322824946499,
    ),
    (
        0.5,
        40.0,
        0.999,
        -5.02815856731002e-121,
        6.156970625610132e-121,
        -2.4048018087106897e-120,
        3.477350544328119e-120,
        -4.260760021304934e-120,
    ),  # ∂a 2e-13
    (
        3.0,
        0.01,
        0.9,
        -0.0029931379515538217,
        0.9964175371525813,
        0.0014656587624060115,
        -0.29630421251865896,
        -0.13119765060974709,
    ),  # ∂b² 2e-11: ψ′(0.01) = 1e4 cancels
    (
        2.5,
        0.7,
        0.3,
        -0.03873934179636897,
        0.05881173657238452,
        0.051263759135301984,
        -0.06637360323324729,
        0.04262564610714555,
    ),
    (40.0, 40.0, 0.5, -0.04483631809918237, 0.04483631809918237, 0.0005663068538272342, 0.0, -0.0005663068538272342),
    (
        1000.0,
        1000.0,
        0.51,
        -0.005921424296404131,
        0.006041047012048269,
        -0.00011430269617710399,
        0.00011963369052947934,
        -0.00012507236984166483,
    ),
    (
        1000.0,
        10.0,
        0.99,
        -0.0012449464312110478,
        0.12593315655063345,
        1.3577345600276969e-06,
        -7.443835643726803e-05,
        0.0010313636287860232,
    ),
    (
        10.0,
        1000.0,
        0.0099,
        -0.12663140639062695,
        0.0012455082124606866,
        0.000246226258973593,
        6.195416046256585e-05,
        -1.232544586543102e-06,
    ),
    (
        1000.0,
        0.5,
        0.9995,
        -0.00024203121467029272,
        0.6470793326796624,
        2.4209171237419643e-07,
        -0.0003073464570615394,
        -0.15616032748136577,
    ),
    (
        0.2,
        1000.0,
        1e-05,
        -1.871295129870898,
        8.588269561421682e-05,
        7.547133713213766,
        5.86638535143413e-05,
        -6.95924687624057e-08,
    ),  # ∂b 3e-13, ∂a∂b, ∂b² 2e-12
]


def _close(got, want, rtol, atol=0.0):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    err = np.abs(got - want)
    assert np.all(err <= rtol * np.abs(want) + atol), (got, want, err / np.abs(want))


def test_gammainc_shape_derivatives_match_mpmath():
    a, x, d1, d2 = (np.array(c) for c in zip(*_GAMMA))
    da, daa, done = gamma_shape(a, x)
    assert done.all()
    _close(da, d1, 4e-13)
    _close(daa, d2, 3e-12, atol=1e-13 * np.abs(d1))  # (near ∂a²'s zero at x ≈ a: absolute)


def test_betainc_shape_derivatives_match_mpmath():
    a, b, x, *want = (np.array(c) for c in zip(*_BETA))
    *got, done = beta_shape(a, b, x)
    assert done.all()
    first = np.abs(want[0]) + np.abs(want[1])
    for k in range(2):
        _close(got[k], want[k], 4e-13)
    for k in range(2, 5):
        _close(got[k], want[k], 3e-11, atol=1e-13 * first)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_gammainc_and_gammaincc_hessians_in_a_and_x(method):
    # at (a, x) = (30, 31.5): ∂a, ∂a² from _GAMMA; ∂a∂x = density·(log x - ψ(a)) by mpmath: -0.0034265...
    tol = 1e-5 if method == "numeric" else 1e-13
    p = np.array([30.0, 31.5])
    g = dl.grad(lambda v: dsp.gammainc(v[0], v[1]), method=method)(p)
    h = dl.hessian(lambda v: dsp.gammaincc(v[0], v[1]), method=method)(p)
    _close(g[0], -0.0687316156262897, tol)
    _close(h[0, 0], 0.0033563845758101288, 1e2 * tol)
    _close(h[0, 1], h[1, 0], tol)


@pytest.mark.parametrize("method", ["reverse"])
def test_betainc_hessian_in_a_b_x(method):
    tol = 1e-5 if method == "numeric" else 1e-13
    p = np.array([2.5, 0.7, 0.3])
    h = dl.hessian(lambda v: dsp.betainc(v[0], v[1], v[2]), method=method)(p)
    row = _BETA[5]
    _close([h[0, 0], h[0, 1], h[1, 1]], [row[5], row[6], row[7]], 1e2 * tol)
    _close(h, h.T, 1e2 * tol, atol=1e-12)
    g = dl.grad(lambda v: dsp.betainc(v[0], v[1], v[2]), method=method)(p)
    _close(g[:2], row[3:5], tol)


@pytest.mark.parametrize("method", ["reverse"])
def test_third_order_in_the_shape_is_refused_by_name(method):
    d3 = dl.grad(dl.grad(dl.grad(lambda a: dsp.gammainc(a, 2.0), method=method), method=method), method=method)
    with pytest.raises(dl.NotDifferentiableError, match="gammainc_daa .*argument a"):
        d3(1.5)
    d3 = dl.grad(dl.grad(dl.grad(lambda b: dsp.betainc(2.0, b, 0.4), method=method), method=method), method=method)
    with pytest.raises(dl.NotDifferentiableError, match="betainc_dbb .*argument b"):
        d3(1.5)


def test_stats_cdfs_in_their_shape_parameters():
    # mpmath.diff of the CDFs (30 digits)
    _close(dl.grad(lambda a: dstats.gamma.cdf(2.5, a))(1.7), -0.22794960287421082, 1e-13)
    _close(dl.grad(lambda a: dstats.gamma.logsf(2.5, a))(1.7), 1.0575801509213718, 1e-13)
    _close(dl.grad(lambda k: dstats.chi2.cdf(3.0, k))(4.2), -0.151426128656257, 1e-13)
    _close(
        dl.grad(lambda v: dstats.beta.cdf(0.3, v[0], v[1]))(np.array([2.0, 3.5])),
        [-0.2571573213147395, 0.12373866026590587],
        1e-13,
    )
    _close(dl.grad(lambda k: dstats.t.cdf(1.3, k))(3.7), 0.009336487277302307, 1e-12)
    _close(dl.grad(lambda k: dstats.t.cdf(-0.4, k))(3.7), -0.0028066543406012143, 1e-12)
    _close(dl.grad(dl.grad(lambda k: dstats.t.logcdf(1.3, k)))(3.7), -0.005446474575550226, 1e-11)


@pytest.mark.parametrize("method", ["reverse"])
def test_second_shape_derivatives_slopes_in_x(method):
    # ∂x of ∂a²I, ∂a∂bI, ∂b²I at (1.7, 0.6, 0.46) and of ∂a²P at (1.7, 0.46): mpmath's diff (30 digits); ∂x∂b²I
    # read La·La for Lb·Lb (and ∂x∂a²I the same): -1.005 for -0.493
    def h(x):
        return dl.hessian(lambda w: dsp.betainc(w[0], w[1], x), method=method)(np.array([1.7, 0.6]))

    got = dl.jacobian(h, method=method)(0.46)
    _close(got.ravel(), [-0.06562553253501922, -0.02846921790352055, -0.02846921790352055, -0.4930493198044315], 1e-12)
    g = dl.grad(
        lambda x: dl.grad(dl.grad(lambda a: dsp.gammainc(a, x), method=method), method=method)(1.7), method=method
    )
    _close(g(0.46), 0.07146415643064444, 1e-12)


def test_chi2_and_gamma_distribution_entries_in_their_shape_parameters():
    # chdtr/chdtrc in v at (4.2, 3.0), chdtri in v at (4.2, 0.3), gdtr/gdtrc in b at (1.3, 2.4, 2.0), gdtrix in b at
    # (1.3, 2.4, 0.4), gdtria in b at (0.4, 2.4, 2.0): mpmath's diff of gammainc (and of its findroot), 30 digits
    cases = [
        (lambda v: dsp.chdtr(v, 3.0), 4.2, -0.151426128656257),
        (lambda v: dsp.chdtrc(v, 3.0), 4.2, 0.151426128656257),
        (lambda v: dsp.chdtri(v, 0.3), 4.2, 1.192780874899642),
        (lambda b: dsp.gdtr(1.3, b, 2.0), 2.4, -0.2540719655747945),
        (lambda b: dsp.gdtrc(1.3, b, 2.0), 2.4, 0.2540719655747945),
        (lambda b: dsp.gdtrix(1.3, b, 0.4), 2.4, 0.697684971058258),
        (lambda b: dsp.gdtria(0.4, b, 2.0), 2.4, 0.4534952311878677),
    ]
    for f, at, want in cases:
        _close(dl.grad(f)(at), want, 1e-13)


def test_symbolic_and_numeric_gradients_in_the_shapes():
    # the named SymPy functions' derivatives (gammainc's and betainc's first, chdtri's) and the numeric method's
    # differences of SciPy's values, against _GAMMA's and _BETA's rows
    _close(dl.grad(lambda a: dsp.gammaincc(a, 31.5), method="symbolic")(30.0), 0.0687316156262897, 1e-13)
    _close(dl.grad(lambda a: dsp.chdtri(a, 0.3), method="symbolic")(4.2), 1.192780874899642, 1e-13)
    _close(dl.grad(lambda b: dsp.betainc(2.5, b, 0.3), method="symbolic")(0.7), _BETA[5][4], 1e-13)
    g = dl.grad(lambda v: dsp.betainc(v[0], v[1], 0.3), method="numeric")(np.array([2.5, 0.7]))
    _close(g, _BETA[5][3:5], 1e-7)


def test_inverses_and_complement_in_their_shape_parameters():
    # by the implicit function theorem: mpmath's diff of its findroot of gammainc/betainc (30 digits)
    cases = [
        (lambda a: dsp.gammaincinv(a, 0.3), 2.2, 0.8029422057663672),
        (lambda a: dsp.gammainccinv(a, 0.3), 2.2, 1.1879549529291435),
        (lambda a: dsp.betaincc(a, 1.5, 0.4), 2.2, 0.17018816225084135),
        (lambda a: dsp.betaincinv(a, 1.5, 0.3), 2.2, 0.14938817896966725),
        (lambda b: dsp.betaincinv(2.2, b, 0.3), 1.5, -0.17779331216401195),
        (lambda b: dsp.betainccinv(2.2, b, 0.3), 1.5, -0.19054454991683065),
    ]
    for f, at, want in cases:
        _close(dl.grad(f)(at), want, 1e-13)


def test_student_t_cdf_and_quantile_in_df():
    # mpmath's diff of ½ + t·Γ((ν+1)/2)/(√(νπ)Γ(ν/2))·₂F₁(½, (ν+1)/2; 3/2; -t²/ν) (40 digits), and of its findroot;
    # t = 1e-4 by I_w(½, ν/2), w = t²/(ν + t²) (1 - z lost 1e-8 of it); 0 at t = 0
    cases = [(1.3, 3.7, 0.009336487277302307), (-0.4, 3.7, -0.0028066543406012143), (1e-4, 3.7, 6.594225136904771e-07)]
    cases += [(-30.0, 0.5, -0.2152960612372696), (-1.0, 200.0, -3.01706303493757e-06), (0.0, 3.7, 0.0)]
    for t, nu, want in cases:
        _close(dl.grad(lambda v, t=t: dsp.stdtr(v, t))(nu), want, 1e-13)
    _close(dl.grad(lambda v: dsp.stdtr(v, 1.3), method="symbolic")(3.7), 0.009336487277302307, 1e-13)
    _close(dl.grad(lambda v: dsp.stdtrit(v, 0.3))(3.7), 0.013694226961725658, 1e-13)


def test_f_distribution_in_its_degrees_of_freedom():
    # mpmath's diff of betainc(d1/2, d2/2, 0, d1 x/(d1 x + d2)) (40 digits) and of its findroot; x = 20 by
    # v = d2/(d1 x + d2), not 1 - u; 0 at x = 0
    cases = [((3.0, 5.5, 0.7), (-0.040656036300883415, 0.005681044305335957))]
    cases += [((3.0, 5.5, 20.0), (0.0004894105696674421, 0.0016137764301995408))]
    cases += [((0.5, 40.0, 1e-3), (-0.48872715072312434, 1.6313120532049945e-05))]
    cases += [((30.0, 2.0, 3.0), (-8.62177055377451e-05, 0.10580181917021843)), ((3.0, 5.5, 0.0), (0.0, 0.0))]
    for (d1, d2, x), want in cases:
        _close(dl.grad(lambda v, x=x: dsp.fdtr(v[0], v[1], x))(np.array([d1, d2])), want, 3e-13)
        _close(dl.grad(lambda v, x=x: dsp.fdtrc(v, d2, x))(d1), -want[0], 3e-13)
    _close(dl.grad(lambda v: dsp.fdtr(v, 5.5, 0.7), method="symbolic")(3.0), -0.040656036300883415, 1e-13)
    _close(dl.grad(lambda v: dsp.fdtri(v, 5.5, 0.3))(3.0), 0.08540056260046366, 1e-13)
