"""Session 46's bad-input holes (issue 11; DESIGN.md §6) on the surface session 45 added and no earlier battery
walked: difflab.scipy.ndimage's filters, scipy.signal.lfilter, scipy.linalg.polar, a traced covariance of
scipy.stats.multivariate_normal, numpy.putmask. Each case was a wrong number, a bare traceback or an unclear
message on main; SciPy (or NumPy) is the reference. Cheap: small arrays, no Hypothesis."""

import warnings

import numpy as np
import pytest

import difflab as dl

pytest.importorskip("scipy")
import scipy.linalg  # noqa: E402
import scipy.ndimage  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.stats  # noqa: E402

from difflab.scipy import linalg as dlinalg  # noqa: E402
from difflab.scipy import ndimage as dndi  # noqa: E402
from difflab.scipy import signal as dsignal  # noqa: E402
from difflab.scipy import stats as dstats  # noqa: E402

X = np.array([1.0, 2.0, 4.0, 7.0])
W = np.array([1.0, 2.0, 3.0])


# -- wrong numbers ---------------------------------------------------------------------------------------------


def test_complex_weights_are_conjugated_as_scipys():
    # on main correlate1d gave [9+18j, ...] where SciPy gives [9-18j, ...] (SciPy correlates with conj(weights));
    # convolve1d (SciPy's pre-conjugates them) stays SciPy's
    w = W * (1 + 2j)
    for fn in ("correlate1d", "convolve1d"):
        np.testing.assert_allclose(getattr(dndi, fn)(X, w), getattr(scipy.ndimage, fn)(X, w), rtol=1e-14)


def test_laplace_over_no_axes_is_the_inputs_copy_as_scipys():
    # on main zeros (the empty sum of second differences); SciPy copies the input
    x = np.arange(12.0).reshape(3, 4)
    got = dndi.laplace(x, axes=())
    np.testing.assert_array_equal(got, scipy.ndimage.laplace(x, axes=()))
    assert not np.shares_memory(got, x)
    assert float(dndi.laplace(np.float64(2.0))) == 2.0  # (a 0-d input: no axes either)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: dndi.correlate1d(X, W, mode="constant", cval=c),
        lambda c: dndi.uniform_filter(X, 3, mode="constant", cval=c),
        lambda c: dndi.gaussian_filter(X, 1.0, mode="constant", cval=c),
    ],
    ids=["correlate1d", "uniform_filter", "gaussian_filter"],
)
def test_a_cval_that_is_no_single_number_is_refused(call):
    # on main an array cval was broadcast against the windows: [9, 17, 31, 27] for cval = [1, 2, 3, 4] (SciPy refuses)
    with pytest.raises(ValueError, match=r"cval must be a single number, got shape \(4,\)"):
        call(np.array([1.0, 2.0, 3.0, 4.0]))
    assert dndi.correlate1d(X, W, mode="constant", cval=np.float64(1.0))[0] == pytest.approx(1 + 2 * 1 + 3 * 2)


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])  # (symbolic's lambdify: 2 s; it agrees)
def test_a_traced_covariance_that_is_not_positive_definite_is_nan(method):
    # on main the gradient at cov = -I was 0.5·I (slogdet's |det| 1, the quadratic form 0): SciPy refuses -I
    mvn = dstats.multivariate_normal
    f = lambda c: mvn.logpdf(np.ones(2), np.zeros(2), c)  # noqa: E731
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(dl.grad(f, method=method)(-np.eye(2))).all()
        assert np.isnan(dl.grad(f, method=method)(np.array([[1.0, 2.0], [2.0, 1.0]]))).all()  # indefinite
    # at I: d/dC of -½(log det C + 1ᵀC⁻¹1) through C's lower triangle, -½(C⁻¹ - C⁻¹11ᵀC⁻¹) with the upper
    # entry's part moved below the diagonal: [[0, 0], [1, 0]]
    np.testing.assert_allclose(dl.grad(f, method=method)(np.eye(2)), [[0.0, 0.0], [1.0, 0.0]], atol=1e-6)


def test_a_prepared_log_density_checks_the_covariance_at_every_call():
    mvn = dstats.multivariate_normal
    p = dl.prepare(lambda c: mvn.logpdf(np.ones(2), np.zeros(2), c), np.eye(2), method="reverse")
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(p(-np.eye(2))) and np.isnan(p.grad(-np.eye(2))).all()  # on main -1.838 and 0.5·I
    want = scipy.stats.multivariate_normal.logpdf(np.ones(2), np.zeros(2), 2 * np.eye(2))
    assert p(2 * np.eye(2)) == pytest.approx(want, rel=1e-13)


def test_multivariate_normal_entropy_refuses_and_nans_what_its_log_density_does():
    # on main entropy(cov=-I) was 2.838 (SciPy: "must be symmetric positive semidefinite"), a traced one too
    mvn = dstats.multivariate_normal
    with pytest.raises(ValueError, match="cov must be symmetric positive semidefinite"):
        mvn.entropy(cov=-np.eye(2))
    with np.errstate(invalid="ignore"):
        assert np.isnan(dl.grad(lambda c: mvn.entropy(cov=c))(-np.eye(2))).all()
    c = np.array([[2.0, 0.3], [0.3, 1.0]])
    assert mvn.entropy(cov=c) == pytest.approx(scipy.stats.multivariate_normal.entropy(cov=c), rel=1e-13)
    # d/dC ½ log det C through the lower triangle: ½C⁻¹, the upper entry's part moved below
    np.testing.assert_allclose(dl.grad(lambda c: mvn.entropy(cov=c))(np.eye(2)), 0.5 * np.eye(2), atol=1e-12)


@pytest.mark.parametrize(
    "a", [np.ones((2, 3)), np.zeros((2, 2)), np.array([[1.0, 1.0], [1.0, 1.0]])], ids=["ones23", "zeros", "rank1"]
)
def test_polar_of_a_matrix_of_lower_rank_is_scipys(a):
    # on main ones((2, 3)) gave a complex U (sqrtm of a singular Gram matrix, then a solve by it); zeros((2, 2))
    # a bare LinAlgError 'Singular matrix'
    for side in ("right", "left"):
        u, p = dlinalg.polar(a, side)
        want_u, want_p = scipy.linalg.polar(a, side)
        np.testing.assert_allclose(u, want_u, atol=1e-12)
        np.testing.assert_allclose(p, want_p, atol=1e-12)
        assert not np.shares_memory(u, a) and not np.shares_memory(p, a)


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_a_traced_polar_of_lower_rank_is_nan_naming_the_rank(method):
    # on main the gradient of sum(U) at [[1, 1], [1, 1]] was round-off, ±7.45e-9 (U is not unique there)
    f = lambda a: dlinalg.polar(a)[0].sum()  # noqa: E731
    with pytest.warns(dl.DomainWarning, match=r"polar: a has rank 1 < 2"):
        g = dl.grad(f, method=method)(np.array([[1.0, 1.0], [1.0, 1.0]]))
    assert np.isnan(g).all()
    a = np.array([[2.0, 1.0], [0.0, 1.0]])  # full rank: unchanged, the central difference of SciPy's
    h, e = 1e-6, np.eye(4).reshape(4, 2, 2)
    want = [(scipy.linalg.polar(a + h * d)[0].sum() - scipy.linalg.polar(a - h * d)[0].sum()) / (2 * h) for d in e]
    np.testing.assert_allclose(dl.grad(f, method=method)(a).ravel(), want, atol=1e-7)


# -- bare tracebacks and unclear messages ------------------------------------------------------------------------


def test_lfilter_of_an_empty_signal_with_an_initial_state_returns_it():
    # on main IndexError 'arrays used as indices must be of integer (or boolean) type' (SciPy: ([], zi))
    zi = np.array([0.5])
    y, zf = dsignal.lfilter(np.array([1.0, 0.5]), np.array([1.0, -0.3]), np.array([]), zi=zi)
    assert y.shape == (0,)
    np.testing.assert_array_equal(zf, zi)
    assert not np.shares_memory(zf, zi)


X2 = np.arange(12.0).reshape(3, 4)
NAMED = {  # on main: the bare message after '#'
    "mode list": (lambda: dndi.correlate1d(X, W, mode=["reflect"]), ValueError, r"correlate1d: mode must be one of"),
    # unhashable type: 'list'
    "axis 0.5": (lambda: dndi.correlate1d(X, W, axis=0.5), TypeError, r"correlate1d: axis must be an integer"),
    # tuple indices must be integers or slices, not float
    "axis '0'": (lambda: dndi.sobel(X2, axis="0"), TypeError, r"sobel: axis must be an integer, not str"),
    # '<=' not supported between instances of 'int' and 'str'
    "axes 0.5": (lambda: dndi.uniform_filter(X2, 3, axes=0.5), TypeError, r"uniform_filter: axis must be an integer"),
    # 'float' object is not iterable
    "size None": (lambda: dndi.uniform_filter(X, None), TypeError, r"uniform_filter: size must be an integer"),
    # '>' not supported between instances of 'NoneType' and 'int'
    "sigma None": (lambda: dndi.gaussian_filter(X, None), TypeError, r"gaussian_filter: sigma must be a number"),
    # '>' not supported between instances of 'NoneType' and 'float'
    "sigma nan": (lambda: dndi.gaussian_filter1d(X, np.nan), ValueError, r"sigma must be a positive finite number"),
    # cannot convert float NaN to integer
    "sigma inf": (lambda: dndi.gaussian_filter1d(X, np.inf), ValueError, r"sigma must be a positive finite number"),
    # OverflowError: cannot convert float infinity to integer
    "truncate nan": (lambda: dndi.gaussian_filter(X, 1.0, truncate=np.nan), ValueError, r"truncate must be a finite"),
    # cannot convert float NaN to integer
    "truncate list": (lambda: dndi.gaussian_filter1d(X, 1.0, truncate=[4.0]), ValueError, r"truncate must be a finite"),
    # can't multiply sequence by non-int of type 'float'
    "truncate -5": (lambda: dndi.gaussian_filter1d(X, 1.0, truncate=-5.0), ValueError, r"truncate=-5.0 with sigma=1.0"),
    # radius must be a non-negative integer, got None
    "lfilter axis 0.5": (
        lambda: dsignal.lfilter(np.ones(1), np.ones(1), X, axis=0.5),
        TypeError,
        r"lfilter: axis must be an integer",
    ),
    # 'float' object is not iterable
    "cov nan": (
        lambda: dstats.multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.array([[np.nan, 0.0], [0.0, 1.0]])),
        ValueError,
        r"cov contains NaN or inf",
    ),
    # cov is singular (smallest eigenvalue -0)
}


@pytest.mark.parametrize("case", NAMED)
def test_a_bad_argument_is_named(case):
    call, error, said = NAMED[case]
    with pytest.raises(error, match=said):
        call()


def test_a_0d_array_sigma_is_taken_as_scipy_takes_it():
    # on main "sigma must be a number, not ndarray"
    np.testing.assert_allclose(
        dndi.gaussian_filter1d(X, np.array(1.0)), scipy.ndimage.gaussian_filter1d(X, np.array(1.0)), rtol=1e-14
    )


@pytest.mark.parametrize("traced_mask", [False, True])
def test_putmask_of_no_values_changes_nothing_as_numpys(traced_mask):
    # on main "cannot take 4 values from an empty array" (NumPy's putmask returns with the array unchanged)
    def f(x):
        z = x * 1.0
        np.putmask(z, x > 0 if traced_mask else np.array([True, False, True, True]), np.array([]))
        return (z * z).sum()

    x = np.array([-1.0, 0.5, 2.0, -3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(dl.grad(f)(x), 2 * x)
    with pytest.raises(ValueError, match="mask and data must be the same size"):  # (the mask is checked first)
        dl.grad(lambda x: np.putmask(x * 1.0, np.array([True]), np.array([])) or x.sum())(x)


# -- scipy.special's orthogonal polynomials at a degree below 1 --------------------------------------------------

SPECIAL_AT = [  # (family, its degree and parameters): on main d/dx was 0 for every n < 1 but 0
    ("eval_chebyt", (-2.0,)),  # T₋₂ = T₂: 4x
    ("eval_legendre", (0.5,)),  # a hypergeometric form
    ("eval_legendre", (-3.0,)),  # P₋₃ = P₂ (the slope's C^(3/2) at a whole negative degree is 0: reflected)
    ("eval_chebyu", (-3.0,)),  # U₋₃ = -U₁
    ("eval_sh_chebyu", (-1.5,)),
    ("eval_laguerre", (-1.5,)),
    ("eval_gegenbauer", (0.7, 0.7)),
]


@pytest.mark.parametrize("family, pre", SPECIAL_AT, ids=[f"{f}{p}" for f, p in SPECIAL_AT])
def test_an_orthogonal_polynomials_slope_below_degree_1_is_scipys(family, pre):
    import scipy.special

    from difflab.scipy import special as dspecial

    f, x, h = getattr(scipy.special, family), 0.3, 1e-5
    whole = tuple(int(v) if float(v).is_integer() else v for v in pre)  # (difflab passes whole degrees as SciPy's ints)
    want = (f(*whole, x + h) - f(*whole, x - h)) / (2 * h)  # the central difference of SciPy's values
    assert abs(want) > 0.1
    for method in ("forward", "reverse"):
        got = dl.grad(lambda t: getattr(dspecial, family)(*pre, t), method=method)(x)
        assert got == pytest.approx(want, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("shape", [(0, 0), (0, 2), (2, 0)])
def test_polar_of_an_empty_matrix_is_scipys(shape):
    # on main "cannot reshape array of size 0 into shape (0,0)"
    for got, want in zip(dlinalg.polar(np.zeros(shape)), scipy.linalg.polar(np.zeros(shape))):
        np.testing.assert_array_equal(got, want)


def test_uniform_filter1d_of_size_true_is_scipys_size_1():
    # on main NumPy's "expected a sequence of integers or a single integer, got 'True'" (bool is an integer to SciPy)
    np.testing.assert_array_equal(dndi.uniform_filter1d(X, True), scipy.ndimage.uniform_filter1d(X, True))
