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

from difflab.scipy import linalg as dlinalg  # noqa: E402
from difflab.scipy import ndimage as dnd  # noqa: E402

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
    for method in ("forward", "reverse"):
        tangent = dl.jvp(dlinalg.logm, (a,), (e,), method=method)[1]
        np.testing.assert_allclose(sl.expm_frechet(sl.logm(a), tangent, compute_expm=False), e, atol=1e-14)


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_logm_first_and_second_derivatives_match_mpmath(method):
    tol = 1e-6 if method == "numeric" else 1e-12
    np.testing.assert_allclose(dl.grad(_logm_loss, method=method)(X4), LOGM_GRAD, rtol=tol, atol=tol)
    if method == "reverse":
        np.testing.assert_allclose(dl.hessian(_logm_loss, method=method)(X4), LOGM_HESS, rtol=1e-11, atol=1e-12)
    else:  # (one second directional derivative: logm of an 8×8 per evaluation is SciPy's slow Python)
        u = np.array([0.5, -1.0, 0.25, 2.0])
        second = dl.jvp(lambda x: dl.jvp(_logm_loss, (x,), (u,), method=method)[1], (X4,), (u,), method=method)[1]
        assert second == pytest.approx(u @ np.array(LOGM_HESS) @ u, rel=1e-5 if method == "numeric" else 1e-11)


def test_logm_symbolic_gradient_and_hessian_refused_above_one_by_one_by_name():
    """Symbolic: SymPy's log at 1×1 (any order); above it the gradient by the matrix-level form (the entry's VJP
    rule), the Hessian refused by name with the methods that give it."""
    hess = dl.hessian(lambda x: dlinalg.logm(x.reshape(1, 1))[0, 0] ** 2, method="symbolic")(np.array([2.0]))
    np.testing.assert_allclose(hess, [[2 * (1 - np.log(2.0)) / 4]], rtol=1e-14)
    np.testing.assert_allclose(dl.grad(_logm_loss, method="symbolic")(X4), LOGM_GRAD, rtol=1e-12, atol=1e-12)
    with pytest.raises(dl.NotDifferentiableError, match="logm of a 2×2.*'forward' or 'reverse'"):
        dl.hessian(_logm_loss, method="symbolic")(X4)
    with pytest.raises(UnsupportedOperationError, match="use difflab.scipy.linalg.logm"):
        dl.grad(lambda v: sl.logm(v.reshape(2, 2)).sum())(X4)
