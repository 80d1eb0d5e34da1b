"""difflab.scipy's ndimage filters, signal.lfilter and linalg's qr, polar and logm (issue 11): SciPy's values,
and first and second derivatives under all four methods against independent references (the filters are linear:
SciPy's own filter of unit vectors is their Jacobian; JAX x64 numbers stored where JAX has the function)."""

import numpy as np
import pytest

import difflab as dl
from difflab.errors import UnsupportedOperationError

pytest.importorskip("scipy")
import scipy.linalg as sl  # noqa: E402
import scipy.ndimage as nd  # noqa: E402
import scipy.signal as sg  # noqa: E402

from difflab.scipy import linalg as dlinalg  # noqa: E402
from difflab.scipy import ndimage as dnd  # noqa: E402
from difflab.scipy import signal as dsignal  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::difflab.errors.NumericAccuracyWarning")
METHODS = ["symbolic", "numeric", "forward", "reverse"]
TOL = {"numeric": 1e-6}
MODES = ["reflect", "constant", "nearest", "mirror", "wrap"]


def _tol(method, rel=1e-10):
    return TOL.get(method, rel)


def _columns(fn, n):
    """The Jacobian of a linear fn of an n-vector: fn of each unit vector, as a column."""
    return np.stack([fn(np.eye(n)[j]) for j in range(n)], axis=-1)


# -- scipy.ndimage ------------------------------------------------------------------------------------------


def test_ndimage_values_equal_scipys_every_mode_origin_and_short_lines():
    """Kernels longer than the line (x̃ extended past one period), every origin, each mode, both axes."""
    rng = np.random.default_rng(0)
    for n in (1, 2, 5):
        x = rng.normal(size=(n, 3))
        for mode in MODES + ["grid-wrap", "grid-mirror", "grid-constant"]:
            for size in (1, 2, 4, 7):
                w = rng.normal(size=size)
                for origin in range(-(size // 2), size - size // 2):
                    kw = dict(axis=0, mode=mode, cval=0.7, origin=origin)
                    np.testing.assert_allclose(dnd.correlate1d(x, w, **kw), nd.correlate1d(x, w, **kw), atol=1e-14)
                    np.testing.assert_allclose(dnd.convolve1d(x, w, **kw), nd.convolve1d(x, w, **kw), atol=1e-14)
                    kw["axis"] = -1
                    np.testing.assert_allclose(
                        dnd.uniform_filter1d(x, size, **kw), nd.uniform_filter1d(x, size, **kw), atol=1e-14
                    )
    x = rng.normal(size=(5, 6, 3))
    for kw in (
        dict(sigma=(1.0, 0.0, 2.0)),
        dict(sigma=1.5, axes=(0, 2)),
        dict(sigma=1.2, radius=2),
        dict(sigma=[1, 2, 0.5], order=[0, 1, 3], mode=["wrap", "mirror", "constant"], cval=0.4),
    ):
        np.testing.assert_allclose(dnd.gaussian_filter(x, **kw), nd.gaussian_filter(x, **kw), atol=1e-13)
    for kw in (
        dict(size=(3, 1, 2)),
        dict(size=4, axes=(0, 2)),
        dict(size=[2, 3, 4], mode=["wrap", "mirror", "constant"]),
    ):
        np.testing.assert_allclose(dnd.uniform_filter(x, **kw), nd.uniform_filter(x, **kw), atol=1e-14)
    np.testing.assert_allclose(
        dnd.gaussian_filter1d(x, 0.8, axis=1, order=2, mode="nearest"),
        nd.gaussian_filter1d(x, 0.8, axis=1, order=2, mode="nearest"),
        atol=1e-14,
    )


@pytest.mark.parametrize("method", METHODS)
def test_ndimage_first_and_second_derivatives_every_mode(method):
    """d/dx of each filter is SciPy's filter of the unit vectors (linear in x); in weights, SciPy's filter of x
    with unit weights; f = Σ c·y³ has Hessian Jᵀ diag(6 c y) J."""
    x = np.array([0.9, -0.4, 1.3, 0.2, -1.1])
    w = np.array([0.3, -0.8, 0.5, 0.1])
    c = np.array([1.0, -2.0, 0.5, 1.5, 0.7])
    for mode in MODES:
        kw = dict(mode=mode, cval=0.6, origin=1)
        jac_x = _columns(lambda e: nd.correlate1d(e, w, mode=mode, cval=0.0, origin=1), 5)
        jac_w = _columns(lambda e: nd.correlate1d(x, e, **kw), 4)
        got_x, got_w = dl.jacobian(lambda x, w: dnd.correlate1d(x, w, **kw), argnums=(0, 1), method=method)(x, w)
        np.testing.assert_allclose(got_x, jac_x, rtol=_tol(method), atol=_tol(method))
        np.testing.assert_allclose(got_w, jac_w, rtol=_tol(method), atol=_tol(method))
        if method == "symbolic" and mode not in ("reflect", "constant"):
            continue  # (symbolic's Hessians: two modes, for time; its Jacobians above cover every mode)
        y = nd.correlate1d(x, w, **kw)
        hess = dl.hessian(lambda x: (c * dnd.correlate1d(x, w, **kw) ** 3).sum(), method=method)(x)
        np.testing.assert_allclose(hess, jac_x.T @ np.diag(6 * c * y) @ jac_x, rtol=_tol(method, 1e-9), atol=1e-5)
        if mode == "constant":  # d/dcval: the filter of 0 with cval 1
            d_cval = dl.grad(lambda v: dnd.correlate1d(x, w, mode=mode, cval=v, origin=1)[0], method=method)(0.6)
            ref = nd.correlate1d(np.zeros(5), w, mode=mode, cval=1.0, origin=1)[0]
            assert d_cval == pytest.approx(ref, rel=_tol(method), abs=1e-8)
    for name, kw in (
        ("convolve1d", dict(weights=w, mode="mirror", origin=-1)),
        ("uniform_filter1d", dict(size=3, mode="wrap")),
        ("gaussian_filter1d", dict(sigma=0.9, order=1, mode="nearest")),
        ("gaussian_filter", dict(sigma=1.1, mode="reflect")),
        ("uniform_filter", dict(size=2, mode="constant", cval=2.0)),
    ):
        ours, theirs = getattr(dnd, name), getattr(nd, name)
        zero_cval = {k: (0.0 if k == "cval" else v) for k, v in kw.items()}
        jac = _columns(lambda e: theirs(e, **zero_cval), 5)
        got = dl.jacobian(lambda x: ours(x, **kw), method=method)(x)
        np.testing.assert_allclose(got, jac, rtol=_tol(method), atol=_tol(method), err_msg=name)


def test_ndimage_on_an_image_and_scipys_spelling_names_ours():
    img = np.arange(12.0).reshape(3, 4) / 7.0
    ref = _columns(lambda e: nd.gaussian_filter(e.reshape(3, 4), 0.8, mode="wrap").ravel(), 12).reshape(3, 4, 3, 4)
    got = dl.jacobian(lambda a: dnd.gaussian_filter(a, 0.8, mode="wrap"), method="reverse")(img)
    np.testing.assert_allclose(got, ref, atol=1e-14)
    for name in ("gaussian_filter", "gaussian_filter1d", "uniform_filter", "uniform_filter1d"):
        with pytest.raises(UnsupportedOperationError, match=f"use difflab.scipy.ndimage.{name}"):
            dl.grad(lambda a: getattr(nd, name)(a, 1.0 if "gauss" in name else 2).sum())(img[0])
    for name in ("convolve1d", "correlate1d"):
        with pytest.raises(UnsupportedOperationError, match=f"use difflab.scipy.ndimage.{name}"):
            dl.grad(lambda a: getattr(nd, name)(a, [1.0, 2.0]).sum())(img[0])


def test_ndimage_bad_arguments_are_named():
    x = np.ones(4)
    with pytest.raises(ValueError, match="mode must be one of"):
        dnd.correlate1d(x, [1.0, 2.0], mode="edge")
    with pytest.raises(ValueError, match="invalid origin"):
        dnd.correlate1d(x, [1.0, 2.0, 3.0], origin=2)
    with pytest.raises(ValueError, match="output="):
        dnd.gaussian_filter(x, 1.0, output=np.empty(4))
    with pytest.raises(TypeError, match="sigma must be a number"):
        dl.grad(lambda s: dnd.gaussian_filter1d(x, s).sum())(1.0)


# -- scipy.linalg.qr and polar ------------------------------------------------------------------------------

X4 = np.array([1.0, 0.3, 0.2, 0.8])
C22 = np.array([[0.4, -1.0], [0.7, 0.2]])


def _qr_polar(qr, polar):
    def f(v):
        q, r = qr(v.reshape(2, 2))
        u, p = polar(v.reshape(2, 2))
        return (q * C22).sum() * r[0, 1] + (u * C22).sum() ** 2 + p[0, 1] ** 3

    return f


# JAX x64: jax.grad / jax.hessian of _qr_polar(jax.scipy.linalg.qr, partial(jax.scipy.linalg.polar, method="svd"))
QR_POLAR_GRAD = [0.06842388, -0.72625238, 1.00707354, 0.07474906]
QR_POLAR_HESS = [
    [-0.10012182, 0.57983037, -0.31566686, -0.06831599],
    [0.57983037, 2.17672763, -1.68704313, 0.35733055],
    [-0.31566686, -1.68704313, 1.50007701, -0.33686924],
    [-0.06831599, 0.35733055, -0.33686924, -0.04642169],
]


def test_qr_and_polar_values_equal_scipys():
    rng = np.random.default_rng(1)
    for shape in ((3, 3), (4, 2), (2, 4)):
        a = rng.normal(size=shape)
        for mode in ("full", "economic", "r"):
            for pivoting in (False, True):
                ours, theirs = dlinalg.qr(a, mode=mode, pivoting=pivoting), sl.qr(a, mode=mode, pivoting=pivoting)
                assert isinstance(ours, tuple) and len(ours) == len(theirs)
                for got, ref in zip(ours, theirs):
                    np.testing.assert_allclose(got, ref, atol=1e-14)
        for side in ("right", "left"):
            for got, ref in zip(dlinalg.polar(a, side), sl.polar(a, side)):
                np.testing.assert_allclose(got, ref, atol=1e-13)
    stack = rng.normal(size=(2, 3, 3))
    np.testing.assert_allclose(dlinalg.qr(stack, mode="r"), sl.qr(stack, mode="r"), atol=1e-14)
    ac = rng.normal(size=(3, 2)) + 1j * rng.normal(size=(3, 2))
    for got, ref in zip(dlinalg.polar(ac), sl.polar(ac)):
        np.testing.assert_allclose(got, ref, atol=1e-14)


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_qr_and_polar_first_and_second_derivatives_match_jax(method):
    f = _qr_polar(dlinalg.qr, dlinalg.polar)
    np.testing.assert_allclose(dl.grad(f, method=method)(X4), QR_POLAR_GRAD, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(dl.hessian(f, method=method)(X4), QR_POLAR_HESS, rtol=1e-7, atol=1e-6)


def test_qr_and_polar_symbolic():
    f = _qr_polar(dlinalg.qr, dlinalg.polar)
    np.testing.assert_allclose(dl.grad(f, method="symbolic")(X4), QR_POLAR_GRAD, rtol=1e-7, atol=1e-8)
    # (symbolic's Hessian of qr is ops/qr.py's, tested there: the polar factor's alone here)
    hess = dl.hessian(lambda v: dlinalg.polar(v.reshape(2, 2))[1][0, 1], method="symbolic")(X4)
    ref = dl.hessian(lambda v: dlinalg.polar(v.reshape(2, 2))[1][0, 1], method="forward")(X4)
    np.testing.assert_allclose(hess, ref, rtol=1e-10, atol=1e-12)


def test_polar_derivative_at_repeated_singular_values():
    """At an orthogonal a (every singular value 1, where the SVD's rule divides by 0): a = U P with P = I, and
    dU = U skew(Uᵀ dA), dP = sym(Uᵀ dA)."""
    t = 0.3
    a = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    for method in ("forward", "reverse"):
        du, dp = dl.jacobian(lambda v: dlinalg.polar(v), method=method)(a)
        for k in range(4):
            e = np.eye(4)[k].reshape(2, 2)
            s = a.T @ e
            np.testing.assert_allclose(du[..., k // 2, k % 2], a @ (s - s.T) / 2, atol=1e-13)
            np.testing.assert_allclose(dp[..., k // 2, k % 2], (s + s.T) / 2, atol=1e-13)


def test_scipys_qr_and_polar_name_ours():
    for name in ("qr", "polar"):
        with pytest.raises(UnsupportedOperationError, match=f"use difflab.scipy.linalg.{name}"):
            dl.grad(lambda v: getattr(sl, name)(v.reshape(2, 2))[0].sum())(X4)
    with pytest.raises(UnsupportedOperationError, match="mode='raw' is not offered"):
        dlinalg.qr(np.eye(2), mode="raw")


# -- scipy.linalg.logm --------------------------------------------------------------------------------------


def _logm_loss(v):
    log = dlinalg.logm(v.reshape(2, 2))
    return (C22 * log).sum() + log[0, 1] ** 2


# mpmath (dps 50): central differences (h = 1e-15) of _logm_loss written with mp.logm, at X4
LOGM_GRAD = [0.39753127197789306, -0.4327746169159918, 0.68989998474064574, 0.24290139518596916]
LOGM_HESS = [
    [-0.3457035369415092, -0.15815821968884954, -0.32420039853656448, 0.075574763221979866],
    [-0.15815821968884954, 2.6798563917008734, -0.27007470970696453, -0.19876142370503471],
    [-0.32420039853656448, -0.27007470970696453, 0.17377222144671214, -0.39928952197666792],
    [0.075574763221979866, -0.19876142370503471, -0.39928952197666792, -0.22373728362638129],
]


def test_logm_values_and_frechet_derivative():
    """SciPy's values (a stack, and a real A with a negative eigenvalue: complex); the JVP L(A, E) satisfies
    the inverse relation expm's Fréchet derivative L_exp(log A, L(A, E)) = E (SciPy's expm_frechet)."""
    a = np.array([[1.0, 0.3, 0.1], [0.2, 0.8, -0.2], [0.1, 0.4, 1.5]])
    e = np.array([[0.1, -0.4, 0.3], [0.7, 0.2, -0.5], [0.0, 0.9, -0.1]])
    np.testing.assert_allclose(dlinalg.logm(a), sl.logm(a), atol=1e-15)
    neg = np.array([[-1.0, 0.3], [0.2, 0.8]])
    assert dlinalg.logm(neg).dtype == np.complex128
    np.testing.assert_allclose(dlinalg.logm(np.stack([a[:2, :2], neg])), [sl.logm(a[:2, :2]), sl.logm(neg)], atol=1e-15)
    tangent = dl.jvp(dlinalg.logm, (a,), (e,), method="forward")[1]  # (reverse's VJP: the mpmath test below)
    np.testing.assert_allclose(sl.expm_frechet(sl.logm(a), tangent, compute_expm=False), e, atol=1e-14)


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_logm_first_and_second_derivatives_match_mpmath(method):
    tol = 1e-6 if method == "numeric" else 1e-12
    np.testing.assert_allclose(dl.grad(_logm_loss, method=method)(X4), LOGM_GRAD, rtol=tol, atol=tol)
    u = np.array([0.5, -1.0, 0.25, 2.0])  # (one direction: each logm of an 8×8 is SciPy's slow Python)
    if method == "reverse":  # H u, forward over reverse: every row of the Hessian along u
        np.testing.assert_allclose(dl.hvp(_logm_loss, (X4,), (u,))[1], np.array(LOGM_HESS) @ u, rtol=1e-11)
    elif method == "forward":
        second = dl.jvp(lambda x: dl.jvp(_logm_loss, (x,), (u,), method=method)[1], (X4,), (u,), method=method)[1]
        assert second == pytest.approx(u @ np.array(LOGM_HESS) @ u, rel=1e-11)


def test_logm_symbolic_gradient_and_hessian_above_one_by_one_the_third_order_refused_by_name():
    """Symbolic: SymPy's log at 1×1 (any order); above it the opaque kind `logm` (X, dX, d²X as parts): the
    gradient and Hessian match mpmath's, the third order is refused by name with the methods that give it."""
    hess = dl.hessian(lambda x: dlinalg.logm(x.reshape(1, 1))[0, 0] ** 2, method="symbolic")(np.array([2.0]))
    np.testing.assert_allclose(hess, [[2 * (1 - np.log(2.0)) / 4]], rtol=1e-14)
    np.testing.assert_allclose(dl.grad(_logm_loss, method="symbolic")(X4), LOGM_GRAD, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dl.hessian(_logm_loss, method="symbolic")(X4), LOGM_HESS, rtol=1e-12, atol=1e-12)
    with pytest.raises(dl.NotDifferentiableError, match="logm.*'forward' or 'reverse'"):
        dl.jacobian(dl.hessian(_logm_loss, method="symbolic"), method="symbolic")(X4)
    with pytest.raises(UnsupportedOperationError, match="use difflab.scipy.linalg.logm"):
        dl.grad(lambda v: sl.logm(v.reshape(2, 2)).sum())(X4)


# -- scipy.signal.lfilter -----------------------------------------------------------------------------------

LF_B, LF_A = np.array([0.5, -0.2, 0.3]), np.array([1.2, -0.4])
LF_X, LF_ZI = np.array([0.7, -1.1, 0.4, 0.9, -0.3]), np.array([0.2, -0.5])
LF_C = np.array([1.0, -0.5, 2.0, 0.3, 0.8])


def _lfilter_loss(v):
    """v = (b, a, x, zi) concatenated: Σ c·y² + Σ zf³ + y[2]·a[0]."""
    y, zf = dsignal.lfilter(v[:3], v[3:5], v[5:10], zi=v[10:])
    return (LF_C * y**2).sum() + (zf**3).sum() + y[2] * v[3]


# mpmath (dps 50): SciPy's difference equation (direct form II transposed, b and a over a[0]) written out, central
# differences with h = 1e-15 (an independent recurrence, not SciPy's)
LFILTER_GRAD = [
    0.15708134202070428,
    -1.140962764061344,
    1.2674759762625125,
    -0.031615347237760088,
    0.95870511115126758,
    0.88699482258716446,
    0.32348446776149338,
    0.82596266254373939,
    0.070696629606526825,
    -0.093001745882107954,
    1.5189976104248451,
    1.6069928312745354,
]
LFILTER_HESS = [
    [
        0.55927898627478115,
        0.21009004524409652,
        -0.11712852893603673,
        -0.030699130370464222,
        0.52903549968199088,
        1.8591233730018019,
        1.7440367856720724,
        1.8853510977569581,
        0.20204094759186187,
        -0.13547026210341317,
        1.4661347835297374,
        0.89840435058921213,
    ],
    [
        0.21009004524409652,
        2.7270293949915488,
        -1.5986078090303324,
        0.0757345647634133,
        -2.7583945469098564,
        0.69789481036343047,
        1.6909066533125136,
        -0.89718744746986652,
        -0.15035863870589586,
        0.65079085978029546,
        -0.49789194570708417,
        -1.4936758371212525,
    ],
    [
        -0.11712852893603673,
        -1.5986078090303324,
        2.495875627931103,
        -0.84527990138065626,
        1.4076502008077601,
        2.2801701251748652,
        -0.12245258743836726,
        0.96366075620341675,
        0.20373947025634078,
        0.074169325122638261,
        0.24944576527675592,
        0.74833729583026777,
    ],
    [
        -0.030699130370464222,
        0.0757345647634133,
        -0.84527990138065626,
        0.26424329545119095,
        -0.25808367719518056,
        -0.95971001652822368,
        -0.64312447459824137,
        -0.43339373587247214,
        -0.12629821380950828,
        0.10898157420958091,
        -1.1462426816459299,
        -0.64123401887567697,
    ],
    [
        0.52903549968199088,
        -2.7583945469098564,
        1.4076502008077601,
        -0.25808367719518056,
        2.8506854894003086,
        0.08373213314479284,
        -0.60328687560633248,
        0.97784695546627698,
        0.10164046510650602,
        -0.11216154104869277,
        -1.5033626020478424,
        -0.49260572795718866,
    ],
    [
        1.8591233730018019,
        0.69789481036343047,
        2.2801701251748652,
        -0.95971001652822368,
        0.08373213314479284,
        0.58339261388418721,
        0.00017784165256164343,
        0.41118167310583308,
        0.02181662425577084,
        0.017492985267100832,
        0.95195043717731718,
        0.35585131153195153,
    ],
    [
        1.7440367856720724,
        1.6909066533125136,
        -0.12245258743836726,
        -0.64312447459824137,
        -0.60328687560633248,
        0.00017784165256164343,
        -0.12446647504231507,
        -0.016454980682500765,
        0.065449872767312521,
        0.052478955801302496,
        -0.14414868846804847,
        -0.43244606540414542,
    ],
    [
        1.8853510977569581,
        -0.89718744746986652,
        0.96366075620341675,
        -0.43339373587247214,
        0.97784695546627698,
        0.41118167310583308,
        -0.016454980682500765,
        0.79646839128583104,
        0.0088496183019375622,
        0.15743686740390749,
        0.18977615681807681,
        0.56932847045423042,
    ],
    [
        0.20204094759186187,
        -0.15035863870589586,
        0.20373947025634078,
        -0.12629821380950828,
        0.10164046510650602,
        0.02181662425577084,
        0.065449872767312521,
        0.0088496183019375622,
        0.18488218823914602,
        -0.027689397788277532,
        0.010069211194971157,
        0.030207633584913471,
    ],
    [
        -0.13547026210341317,
        0.65079085978029546,
        0.074169325122638261,
        0.10898157420958091,
        -0.11216154104869277,
        0.017492985267100832,
        0.052478955801302496,
        0.15743686740390749,
        -0.027689397788277532,
        0.25071095615505766,
        0.0080736855078926918,
        0.024221056523678075,
    ],
    [
        1.4661347835297374,
        -0.49789194570708417,
        0.24944576527675592,
        -1.1462426816459299,
        -1.5033626020478424,
        0.95195043717731718,
        -0.14414868846804847,
        0.18977615681807681,
        0.010069211194971157,
        0.0080736855078926918,
        1.9393617402356849,
        -0.18191477929294545,
    ],
    [
        0.89840435058921213,
        -1.4936758371212525,
        0.74833729583026777,
        -0.64123401887567697,
        -0.49260572795718866,
        0.35585131153195153,
        -0.43244606540414542,
        0.56932847045423042,
        0.030207633584913471,
        0.024221056523678075,
        -0.18191477929294545,
        -0.54574433787883635,
    ],
]
LF_V = np.concatenate([LF_B, LF_A, LF_X, LF_ZI])


def test_lfilter_values_and_final_state_equal_scipys():
    rng = np.random.default_rng(0)
    for nb, na in ((1, 1), (3, 1), (1, 3), (4, 2), (3, 3)):
        b, a = rng.normal(size=nb), rng.normal(size=na) * 0.3
        a[0] = 1.5
        for n in (1, 2, 5):
            x = rng.normal(size=(3, n))
            np.testing.assert_allclose(dsignal.lfilter(b, a, x), sg.lfilter(b, a, x), atol=1e-15)
            m = max(na, nb) - 1
            if m:
                zi = rng.normal(size=(m, 3))  # (along axis 0: x's transpose)
                for got, ref in zip(dsignal.lfilter(b, a, x.T, axis=0, zi=zi), sg.lfilter(b, a, x.T, axis=0, zi=zi)):
                    np.testing.assert_allclose(got, ref, atol=1e-15)
    with pytest.raises(ValueError, match="a\\[0\\] is 0"):
        dsignal.lfilter([1.0], [0.0, 1.0], np.ones(3))
    with pytest.raises(ValueError, match="zi must have shape"):
        dsignal.lfilter([1.0, 2.0], [1.0], np.ones((2, 3)), zi=np.ones((3, 1)))


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_lfilter_first_and_second_derivatives_in_b_a_x_and_zi_match_mpmath(method):
    tol = 1e-6 if method == "numeric" else 1e-12
    np.testing.assert_allclose(dl.grad(_lfilter_loss, method=method)(LF_V), LFILTER_GRAD, rtol=tol, atol=tol)
    hess = dl.hessian(_lfilter_loss, method=method)(LF_V)
    np.testing.assert_allclose(hess, LFILTER_HESS, rtol=1e-5 if method == "numeric" else 1e-11, atol=1e-6)


def test_lfilter_symbolic_batched_and_scipys_spelling_names_ours():
    np.testing.assert_allclose(dl.grad(_lfilter_loss, method="symbolic")(LF_V), LFILTER_GRAD, rtol=1e-12)
    short = lambda v: (dsignal.lfilter(v[:2], v[2:4], v[4:7]) ** 2).sum()  # noqa: E731
    v = np.array([0.5, -0.2, 1.2, -0.4, 0.7, -1.1, 0.4])
    np.testing.assert_allclose(
        dl.hessian(short, method="symbolic")(v), dl.hessian(short, method="reverse")(v), rtol=1e-12
    )
    xs = np.array([[0.7, -1.1, 0.4], [0.2, 0.3, -0.6]])  # vmap over signals (the batch rule: more leading axes)
    got = dl.vmap(dl.grad(lambda x: (dsignal.lfilter(LF_B, LF_A, x) ** 2).sum()))(xs)
    want = [dl.grad(lambda x: (dsignal.lfilter(LF_B, LF_A, x) ** 2).sum(), method="forward")(x) for x in xs]
    np.testing.assert_allclose(got, want, rtol=1e-13)
    with pytest.raises(UnsupportedOperationError, match="use difflab.scipy.signal.lfilter"):
        dl.grad(lambda x: sg.lfilter([1.0, 0.5], [1.0, -0.3], x).sum())(LF_X)


def test_lfilter_vmap_over_filters_and_schur_refused_by_name():
    """vmap over a batch of b's is the entry's batch rule (leading axes broadcast), equal to one call per filter."""
    bs = np.array([[0.5, -0.2], [1.0, 0.4], [0.1, 0.9]])

    def loss(b):
        return (dsignal.lfilter(b, LF_A, LF_X) ** 2).sum()

    np.testing.assert_allclose(dl.vmap(dl.grad(loss))(bs), [dl.grad(loss, method="forward")(b) for b in bs], rtol=1e-13)
    graph = dl.trace(dl.vmap(loss), bs)
    assert sum(e.op.name == "lfilter" for e in graph.eqns) == 1  # (one batched equation, not a loop of three)
    with pytest.raises(UnsupportedOperationError, match="scipy.linalg.schur on a traced value: the Schur vectors"):
        dl.grad(lambda v: sl.schur(v.reshape(2, 2))[0].sum())(X4)
