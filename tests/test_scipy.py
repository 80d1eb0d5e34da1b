"""difflab.scipy and SciPy's special functions on traced values: known answers for the rules (d gammaln =
digamma, d erf = 2/√π e^(-x²), d iv = (iv(v-1) + iv(v+1))/2), tails (norm.logcdf at x = -40), the
distributions and convolve against SciPy's values, refusals, and SciPy as an optional dependency.
The registry-driven tests (tests/test_registry.py) cover every entry of difflab.ops.special as well."""

import math
import subprocess
import sys

import numpy as np
import pytest

import difflab as dl
from difflab.scipy import linalg as dla
from difflab.scipy import signal as dsignal
from difflab.scipy import special as dsp
from difflab.scipy import stats as dstats

pytest.importorskip("scipy")
import scipy.signal  # noqa: E402
import scipy.special as sc  # noqa: E402
import scipy.stats  # noqa: E402

METHODS = ["symbolic", "numeric", "forward", "reverse"]
X = np.array([0.4, 1.3, 2.7])


def _tol(method):
    return dict(rtol=1e-6, atol=1e-7) if method == "numeric" else dict(rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_scipy_ufuncs_on_traced_values_known_derivatives(method):
    """scipy.special's own ufuncs reach the registry: first and second derivatives by each method."""
    grad = dl.grad(lambda x: sc.gammaln(x).sum(), method=method)(X)
    np.testing.assert_allclose(grad, sc.digamma(X), **_tol(method))
    hess = dl.hessian(lambda x: sc.gammaln(x).sum(), method=method)(X)
    np.testing.assert_allclose(np.diag(hess), sc.polygamma(1, X), rtol=1e-5 if method == "numeric" else 1e-10)
    d_erf = dl.grad(lambda x: sc.erf(x).sum(), method=method)(X)
    np.testing.assert_allclose(d_erf, 2 / math.sqrt(math.pi) * np.exp(-X * X), **_tol(method))
    d_iv = dl.grad(lambda x: sc.iv(2.5, x).sum(), method=method)(X)
    np.testing.assert_allclose(d_iv, (sc.iv(1.5, X) + sc.iv(3.5, X)) / 2, **_tol(method))


@pytest.mark.parametrize(
    "fn,deriv",
    [
        (lambda x: sc.gamma(x), lambda x: sc.gamma(x) * sc.digamma(x)),
        (lambda x: sc.rgamma(x), lambda x: -sc.rgamma(x) * sc.digamma(x)),
        (lambda x: dsp.polygamma(2, x), lambda x: sc.polygamma(3, x)),
        (lambda x: sc.erfinv(x / 3), lambda x: math.sqrt(math.pi) / 6 * np.exp(sc.erfinv(x / 3) ** 2)),
        (lambda x: sc.erfcinv(x / 3), lambda x: -math.sqrt(math.pi) / 6 * np.exp(sc.erfcinv(x / 3) ** 2)),
        (lambda x: sc.logit(x / 3), lambda x: 1 / x + 1 / (3 - x)),
        (lambda x: sc.expit(x), lambda x: sc.expit(x) * (1 - sc.expit(x))),
        (lambda x: sc.j0(x), lambda x: -sc.j1(x)),
        (lambda x: sc.jn(2, x), lambda x: (sc.jv(1, x) - sc.jv(3, x)) / 2),
        (lambda x: sc.yn(1, x), lambda x: (sc.yn(0, x) - sc.yn(2, x)) / 2),
        (lambda x: sc.y1(x), lambda x: (sc.y0(x) - sc.yv(2, x)) / 2),
        (lambda x: sc.i1(x), lambda x: (sc.i0(x) + sc.iv(2, x)) / 2),
        (lambda x: sc.ive(1.0, x), lambda x: (sc.ive(0, x) + sc.ive(2, x)) / 2 - sc.ive(1, x)),
        (lambda x: sc.gammainc(2.0, x), lambda x: x * np.exp(-x)),
        (lambda x: sc.gammaincc(2.0, x), lambda x: -x * np.exp(-x)),
        (lambda x: sc.betainc(2.0, 3.0, x / 3), lambda x: (x / 3) * (1 - x / 3) ** 2 / sc.beta(2, 3) / 3),
        (lambda x: sc.betaln(x, 2.0), lambda x: sc.digamma(x) - sc.digamma(x + 2)),
        (lambda x: sc.gammasgn(x - 1.0), lambda x: 0 * x),
    ],
)
def test_rules_against_known_closed_forms(fn, deriv):
    for method in ("reverse", "forward", "symbolic"):
        got = dl.grad(lambda x: fn(x).sum(), method=method)(X)
        np.testing.assert_allclose(got, deriv(X), rtol=1e-10, atol=1e-12, err_msg=method)


_Y = np.array([0.9, 0.5, 1.7])
_R = np.array([1.1, -0.2, -3.0])  # huber(X, _R): beyond, inside, beyond the thresholds X


@pytest.mark.parametrize(
    "fn,deriv",
    [
        (lambda x: sc.entr(x), lambda x: -(np.log(x) + 1)),
        (lambda x: sc.rel_entr(x, _Y), lambda x: np.log(x / _Y) + 1),
        (lambda x: sc.rel_entr(_Y, x), lambda x: -_Y / x),
        (lambda x: sc.kl_div(x, _Y), lambda x: np.log(x / _Y)),
        (lambda x: sc.kl_div(_Y, x), lambda x: 1 - _Y / x),
        (lambda x: sc.i0e(x), lambda x: sc.i1e(x) - sc.i0e(x)),
        (lambda x: sc.i1e(x), lambda x: (sc.i0e(x) + sc.ive(2, x)) / 2 - sc.i1e(x)),
        (lambda x: sc.kve(1.5, x), lambda x: sc.kve(1.5, x) - (sc.kve(0.5, x) + sc.kve(2.5, x)) / 2),
        (lambda x: dsp.kve(0, x), lambda x: sc.kve(0, x) - sc.kve(1, x)),
        (lambda x: sc.huber(_Y, 1.5 - x), lambda x: -np.where(abs(1.5 - x) <= _Y, 1.5 - x, _Y * np.sign(1.5 - x))),
        (lambda x: sc.huber(x, _R), lambda x: np.where(abs(_R) <= x, 0.0, abs(_R) - x)),
        (lambda x: sc.pseudo_huber(_Y, 1.5 - x), lambda x: -(1.5 - x) / np.sqrt(1 + ((1.5 - x) / _Y) ** 2)),
        (
            lambda x: sc.pseudo_huber(x, _R),
            lambda x: 2 * x * (np.sqrt(1 + (_R / x) ** 2) - 1) - _R**2 / (x * np.sqrt(1 + (_R / x) ** 2)),
        ),
    ],
    ids=[
        "entr",
        "rel_entr-x",
        "rel_entr-y",
        "kl_div-x",
        "kl_div-y",
        "i0e",
        "i1e",
        "kve",
        "kve0",
        "huber-r",
        "huber-delta",
        "pseudo_huber-r",
        "pseudo_huber-delta",
    ],
)
def test_entropies_and_scaled_bessels_every_method_first_and_second_derivatives(fn, deriv):
    """scipy.special.entr, rel_entr, kl_div, i0e, i1e, kve, huber, pseudo_huber on traced values (SciPy's own
    ufuncs, dispatched; huber and pseudo_huber were 'not a difflab primitive', in either argument):
    SciPy's values, the closed-form derivative, and the second derivative against central differences of it."""
    with np.errstate(all="ignore"):
        want_hess = np.diag((deriv(X + 1e-5) - deriv(X - 1e-5)) / 2e-5)
    for method in METHODS:
        value, grad = dl.value_and_grad(lambda x: fn(x).sum(), method=method)(X)
        assert value == pytest.approx(float(np.asarray(fn(X)).sum()), rel=1e-14)
        np.testing.assert_allclose(grad, deriv(X), **_tol(method))
        hess = dl.hessian(lambda x: fn(x).sum(), method=method)(X)
        np.testing.assert_allclose(hess, want_hess, rtol=1e-4 if method == "numeric" else 1e-7, atol=1e-7)


def test_entropies_at_zero_are_scipys():
    """entr(0) = rel_entr(0, y) = 0, kl_div(0, y) = y: SciPy's values at the boundary, traced; the derivative
    in x there is infinite (log 0), said by a DomainWarning naming the op."""
    x = np.array([0.0, 0.5])
    for name, fn, inf in (
        ("entr", sc.entr, np.inf),
        ("rel_entr", lambda v: sc.rel_entr(v, _Y[:2]), -np.inf),
        ("kl_div", lambda v: sc.kl_div(v, _Y[:2]), -np.inf),
    ):
        with pytest.warns(dl.DomainWarning, match=f"{name}.*divide by zero"):
            value, grad = dl.value_and_grad(lambda v: fn(v).sum())(x)
        assert value == fn(x).sum() and grad[0] == inf


def test_i1_at_the_least_floats_is_its_series():
    """i1' = (I_0 + I_2)/2 and i1'' = (I_1 + (I_1 + I_3)/2)/2, for |x| from the least normal float to 1e-155: 1/2 and
    3x/8 (the series). SciPy's iv(2, 2.2e-308) is NaN and its iv(1, x) is 0 from 1e-300 to 1e-151, so i1'' was NaN
    there (symbolic) and then x/4 (every exact method: I_1's part of I_2' lost); iv below 1e-20 is its series'
    leading term (special._iv), and i1's rule needs no guard of its own."""
    x = np.array([2.2250738585072014e-308, 1e-300, -1e-300, 1e-155, -1e-200])
    for method in ("symbolic", "forward", "reverse"):
        g = dl.grad(lambda x: dsp.i1(x).sum(), method=method)
        h = dl.jacobian(g, method=method)(x)
        np.testing.assert_array_equal(g(x), 0.5, err_msg=method)
        np.testing.assert_allclose(np.diag(h), 3 * x / 8, rtol=1e-14, atol=0, err_msg=method)


def test_iv_of_a_negative_whole_order_at_the_least_floats_is_its_series():
    """I_{-n} = I_n, and SciPy's iv(-1, x) has iv(1, x)'s zeros (0 from 1e-300 to 1e-151), so iv's own rule,
    (I_{v-1} + I_{v+1})/2, made d²/dx² iv(1, x) there x/4 for forward and reverse (symbolic: 3x/8); found by a
    new user trying README's claim on iv itself rather than i1."""
    from difflab.ops.special import _iv

    x = np.array([1e-300, 1e-200, -1e-155, 1e-30])
    np.testing.assert_allclose(_iv(-1.0, x), x / 2, rtol=1e-14, atol=0)
    np.testing.assert_allclose(_iv(-2.0, x[1:]), x[1:] ** 2 / 8, rtol=1e-14, atol=1e-320)  # (a subnormal)
    np.testing.assert_allclose(_iv(-0.5, 1e-200), sc.iv(-0.5, 1e-200), rtol=1e-14)  # SciPy's, right there
    for method in ("symbolic", "forward", "reverse"):
        h = dl.hessian(lambda x: sc.iv(1.0, x), method=method)
        np.testing.assert_allclose([h(t) for t in x], 3 * x / 8, rtol=1e-14, atol=0, err_msg=method)


@pytest.mark.parametrize("method", METHODS)
def test_norm_logcdf_deep_in_the_tail(method):
    """log Φ(-40) = -804.608...; its slope φ/Φ ≈ 40.02: finite and right, not -inf and NaN."""
    import mpmath

    value = dstats.norm.logcdf(-40.0)
    assert value == pytest.approx(float(mpmath.log(mpmath.ncdf(-40))), rel=1e-14)
    slope = dl.grad(dstats.norm.logcdf, method=method)(-40.0)
    exact = float(mpmath.npdf(-40) / mpmath.ncdf(-40))
    assert slope == pytest.approx(exact, rel=1e-5 if method == "numeric" else 1e-12)


def _stats_cases():
    r = np.random.default_rng(0)
    x, pos, p = r.normal(size=4), r.uniform(1.1, 3.0, 4), r.uniform(0.1, 0.9, 4)
    return [
        ("norm.logpdf", (x, x[::-1], pos), {}),
        ("norm.pdf", (x, 0.3, pos), {}),
        ("norm.cdf", (x, 0.3, pos), {}),
        ("norm.sf", (x, 0.3, pos), {}),
        ("norm.logsf", (x, 0.3, pos), {}),
        ("t.logpdf", (x, pos + 1, 0.2, pos), {}),
        ("t.cdf", (x, pos + 1, 0.2, pos), {}),
        ("t.sf", (x, pos + 1, 0.2, pos), {}),
        ("gamma.logpdf", (pos, pos), {}),
        ("gamma.cdf", (pos, pos), {}),
        ("chi2.logpdf", (pos, np.array([1.0, 2.0, 3.0, 4.0])), {}),
        ("chi2.cdf", (pos, np.array([1.0, 2.0, 3.0, 4.0])), {}),
        ("beta.logpdf", (p, pos, pos[::-1]), {}),
        ("beta.cdf", (p, pos, pos[::-1]), {}),
        ("expon.logpdf", (x, -3.0, pos), {}),
        ("expon.pdf", (pos, 0.2, pos), {}),
        ("expon.cdf", (pos, 0.0, pos), {}),
        ("expon.logcdf", (pos, 0.0, pos), {}),
        ("expon.sf", (pos, 0.0, pos), {}),
        ("laplace.logpdf", (x, 0.3, pos), {}),
        ("laplace.cdf", (x, 0.3, pos), {}),
        ("laplace.logcdf", (x, 0.3, pos), {}),
        ("laplace.sf", (x, 0.3, pos), {}),
        ("laplace.logsf", (x, 0.3, pos), {}),
        ("cauchy.logpdf", (x, 0.3, pos), {}),
        ("cauchy.cdf", (x, 0.3, pos), {}),
        ("cauchy.sf", (x, 0.3, pos), {}),
        ("cauchy.logcdf", (x, 0.3, pos), {}),
        ("lognorm.logpdf", (pos, pos[::-1], 0.0, pos), {}),
        ("lognorm.pdf", (pos, 0.7, 0.0, 1.5), {}),
        ("lognorm.cdf", (pos, 0.7, 0.0, 1.5), {}),
        ("lognorm.logcdf", (pos, 0.7, 0.0, 1.5), {}),
        ("lognorm.sf", (pos, 0.7, 0.0, 1.5), {}),
        ("lognorm.logsf", (pos, 0.7, 0.0, 1.5), {}),
        ("binom.logpmf", (np.array([0.0, 1.0, 3.0, 5.0]), 5.0, p), {}),
        ("binom.pmf", (np.array([0.0, 1.0, 3.0, 5.0]), 5.0, p), {}),
        ("binom.cdf", (np.array([0.0, 1.0, 3.0, 2.5]), 5.0, p), {}),
        ("poisson.logpmf", (np.array([0.0, 1.0, 3.0, 2.5]), pos), {}),
        ("poisson.cdf", (np.array([0.0, 1.0, 3.0, -1.0]), pos), {}),
        ("dirichlet.logpdf", (p / p.sum(), pos), {}),
        ("multivariate_normal.logpdf", (r.normal(size=(5, 3)), r.normal(size=3), np.eye(3) + 0.3), {}),
        ("multivariate_normal.entropy", (r.normal(size=3), np.eye(3) + 0.3), {}),
    ]


@pytest.mark.parametrize("name,args,kw", _stats_cases(), ids=[c[0] for c in _stats_cases()])
def test_distributions_equal_scipy_and_differentiate(name, args, kw):
    dist, fn = name.split(".")
    ours, theirs = getattr(getattr(dstats, dist), fn), getattr(getattr(scipy.stats, dist), fn)
    np.testing.assert_allclose(ours(*args, **kw), theirs(*args, **kw), rtol=1e-12, atol=1e-300)
    wrt = 1 if dist in ("poisson", "multivariate_normal") and fn != "logpdf" else 2 if dist == "binom" else 0
    if dist in ("gamma", "chi2", "beta", "poisson") and fn in ("cdf", "sf"):
        wrt = 1 if dist == "poisson" else 0  # the shape parameters are not differentiated
    f = lambda a: ours(*args[:wrt], a, *args[wrt + 1 :], **kw).sum()  # noqa: E731
    grads = [dl.grad(f, method=m)(args[wrt]) for m in METHODS]
    for m, g in zip(METHODS, grads):
        np.testing.assert_allclose(g, grads[-1], rtol=1e-5 if m == "numeric" else 1e-9, atol=1e-8, err_msg=m)


def _central(f, x, h=1e-6):
    """Central differences of f (scalar or array valued) in each entry of x: shape f's + x's... (x's last)."""
    x = np.asarray(x, dtype=float)
    cols = []
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    out = np.stack(cols, axis=-1)
    return out.reshape(out.shape[:-1] + x.shape)


@pytest.mark.parametrize(
    "name,call",
    [
        ("expon.logpdf scale", lambda m, a: m.expon.logpdf(np.array([0.5, 2.0, 1.0]), 0.1, a).sum()),
        ("laplace.logcdf loc", lambda m, a: m.laplace.logcdf(np.array([0.5, 2.0, -1.0]), a, 1.3).sum()),
        ("cauchy.logpdf scale", lambda m, a: m.cauchy.logpdf(np.array([0.5, 2.0, -1.0]), 0.2, a).sum()),
        ("lognorm.logpdf s", lambda m, a: m.lognorm.logpdf(np.array([0.5, 2.0, 1.0]), a, 0.0, 1.4).sum()),
        ("lognorm.cdf scale", lambda m, a: m.lognorm.cdf(np.array([0.5, 2.0, 1.0]), 0.6, 0.0, a).sum()),
        ("binom.logpmf p", lambda m, a: m.binom.logpmf(np.array([0.0, 2.0, 4.0]), 4, a / 3).sum()),
        ("binom.cdf p", lambda m, a: m.binom.cdf(np.array([0.0, 2.0, 4.0]), 4, a / 3).sum()),
        ("t.logpdf df", lambda m, a: m.t.logpdf(np.array([0.5, 2.0, -1.0]), a + 2, 0.1, 1.5).sum()),
        ("gamma.logpdf a", lambda m, a: m.gamma.logpdf(np.array([0.5, 2.0, 1.0]), a + 1, 0.0, 1.5).sum()),
        ("beta.logpdf b", lambda m, a: m.beta.logpdf(np.array([0.5, 0.2, 0.7]), 2.0, a + 1).sum()),
        ("norm.logcdf scale", lambda m, a: m.norm.logcdf(np.array([0.5, 2.0, -1.0]), 0.1, a).sum()),
        (
            "dirichlet.logpdf alpha",
            lambda m, a: m.dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), np.array([1.0, 0.0, 2.0]) + a * np.eye(3)[1]),
        ),
        (
            "multivariate_normal.logpdf cov",
            lambda m, a: m.multivariate_normal.logpdf(
                np.array([0.3, -0.2]), np.zeros(2), np.array([[0.0, 0.3], [0.4, 2.0]]) + a * np.diag([1.0, 0.0])
            ),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_distribution_parameters_differentiate_as_scipys(name, call):
    """The parameters (loc, scale, s, p, df, a, b, alpha, cov) differentiate by every method to SciPy's own
    function's central differences, first and second derivatives (cov's off-diagonal: SciPy reads the lower
    triangle, so the upper one's 0.3 has no effect)."""
    a = 0.9
    want = _central(lambda v: call(scipy.stats, float(v)), a)
    want2 = (call(scipy.stats, a + 1e-4) - 2 * call(scipy.stats, a) + call(scipy.stats, a - 1e-4)) / 1e-8
    assert float(call(dstats, a)) == pytest.approx(call(scipy.stats, a), rel=1e-12)
    for method in METHODS:
        np.testing.assert_allclose(
            dl.grad(lambda v: call(dstats, v), method=method)(a), want, rtol=1e-6, err_msg=method
        )
    for method in ("reverse", "forward", "symbolic"):
        got = dl.hessian(lambda v: call(dstats, v), method=method)(a)
        np.testing.assert_allclose(got, want2, rtol=1e-4, atol=1e-5, err_msg=method)


def test_multivariate_normal_reads_covs_lower_triangle_as_scipy():
    cov = np.array([[1.5, 0.3, 0.1], [0.4, 2.0, 0.2], [0.0, 0.5, 1.2]])  # not symmetric: SciPy reads the lower
    x = np.array([0.3, -0.2, 0.5])
    want = _central(lambda c: scipy.stats.multivariate_normal.logpdf(x, np.zeros(3), c), cov)
    assert want[0, 1] == 0.0 and want[1, 0] != 0.0
    for method in ("reverse", "forward"):
        got = dl.grad(lambda c: dstats.multivariate_normal.logpdf(x, np.zeros(3), c), method=method)(cov)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_shape_parameters_are_refused_by_name():
    for method in ("forward", "reverse", "symbolic"):
        with pytest.raises(dl.NotDifferentiableError, match="argument v|no derivative of besseli"):
            dl.grad(lambda v: sc.iv(v, 2.0), method=method)(1.5)


@pytest.mark.parametrize("b", [None, "positive", "signed"])
def test_logsumexp_axis_keepdims_b(b):
    r = np.random.default_rng(1)
    x = r.normal(size=(3, 4))
    weights = {None: None, "positive": np.exp(r.normal(size=(3, 4))), "signed": r.normal(size=(3, 4)) + 2.0}[b]
    for axis in (None, 0, 1):
        for keepdims in (True, False):
            got = dsp.logsumexp(x, axis=axis, b=weights, keepdims=keepdims)
            np.testing.assert_allclose(got, sc.logsumexp(x, axis=axis, b=weights, keepdims=keepdims), rtol=1e-13)
    f = lambda x: dsp.logsumexp(x, axis=1, b=weights).sum()  # noqa: E731
    grads = [dl.grad(f, method=m)(x) for m in ("reverse", "forward", "symbolic")]
    w = np.ones_like(x) if weights is None else weights
    soft = w * np.exp(x) / (w * np.exp(x)).sum(axis=1, keepdims=True)
    for g in grads:
        np.testing.assert_allclose(g, soft, rtol=1e-10)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
def test_convolve_equals_scipy_and_its_gradient_is_the_correlation(mode):
    r = np.random.default_rng(2)
    a, v = r.normal(size=(5, 4)), r.normal(size=(3, 2))
    np.testing.assert_allclose(dsignal.convolve(a, v, mode=mode), scipy.signal.convolve(a, v, mode=mode), atol=1e-12)
    u = r.normal(size=scipy.signal.convolve(a, v, mode=mode).shape)
    for method in ("reverse", "forward"):
        g = dl.grad(lambda a: (dsignal.convolve(a, v, mode=mode) * u).sum(), method=method)(a)
        numeric = dl.grad(lambda a: (dsignal.convolve(a, v, mode=mode) * u).sum(), method="numeric")(a)
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_linalg_compositions_equal_scipy():
    import scipy.linalg as sl

    r = np.random.default_rng(3)
    a, b, q = r.normal(size=(3, 3)) + 3 * np.eye(3), r.normal(size=(3, 3)) + 3 * np.eye(3), r.normal(size=(3, 3))
    np.testing.assert_allclose(dla.solve_sylvester(a, b, q), sl.solve_sylvester(a, b, q), rtol=1e-10)
    for lower in (True, False):
        for trans in (0, 1):
            got = dla.solve_triangular(a, q, lower=lower, trans=trans)
            np.testing.assert_allclose(got, sl.solve_triangular(a, q, lower=lower, trans=trans), rtol=1e-10)
    ab = r.normal(size=(3, 5)) + np.array([[0.0], [4.0], [0.0]])
    np.testing.assert_allclose(
        dla.solve_banded((1, 1), ab, q[0].repeat(2)[:5]), sl.solve_banded((1, 1), ab, q[0].repeat(2)[:5])
    )
    g = dl.grad(lambda a: dla.solve_sylvester(a, b, q).sum(), method="reverse")(a)
    np.testing.assert_allclose(g, dl.grad(lambda a: dla.solve_sylvester(a, b, q).sum(), method="numeric")(a), rtol=1e-6)


_R3 = np.random.default_rng(11)
_A = _R3.uniform(0.1, 0.5, (3, 3))
_SPD = _A @ _A.T + 2 * np.eye(3)
_M = _SPD + 0.3 * _A
_W = _R3.normal(size=(3, 3))
_B = np.eye(3) * 2 + 0.1 * (_A + _A.T)
_SMALL = np.array([[2.0, 0.3], [0.1, 1.5]])

#: (name, point, f(module, x) -> scalar, the methods that differentiate it (symbolic: the sizes it takes))
_LINALG = [
    ("expm", _M * 0.4, lambda m, x: (m.expm(x) * _W).sum(), METHODS),
    ("expm 1x1", np.array([[0.7]]), lambda m, x: m.expm(x)[0, 0] ** 2, METHODS),
    (
        "eigh(a, b)",
        _SPD,
        lambda m, x: (m.eigh(x, _B)[0] * np.arange(1.0, 4.0)).sum() + m.eigh(x, _B)[1][1:].sum(),
        METHODS[1:],
    ),
    ("eigh(a, b) upper", _SPD, lambda m, x: (m.eigh(x, _B, lower=False)[1] ** 2 * _W).sum(), METHODS),
    ("eigh(a, b) in b", _B, lambda m, x: (m.eigh(_SPD, x, eigvals_only=True) * np.arange(1.0, 4.0)).sum(), METHODS),
    ("eigvalsh", _SPD, lambda m, x: (m.eigvalsh(x) * np.arange(1.0, 4.0)).sum(), METHODS),
    ("svdvals", _M, lambda m, x: (m.svdvals(x) * np.arange(1.0, 4.0)).sum(), METHODS),
    (
        "block_diag",
        _M,
        lambda m, x: (m.block_diag(x, x[:2, :2], x[0]) ** 2 * np.arange(48.0).reshape(6, 8)).sum(),
        METHODS,
    ),
    ("toeplitz", _M[0], lambda m, x: (m.toeplitz(x, x[::-1] * 2) ** 2 * _W).sum() + m.toeplitz(x).sum(), METHODS),
    ("circulant", _M[0], lambda m, x: (m.circulant(x) ** 3 * _W).sum(), METHODS),
    ("lu", _M, lambda m, x: sum((t * _W).sum() for t in m.lu(x)) + (m.lu(x, permute_l=True)[0] ** 2).sum(), METHODS),
    ("lu_factor/lu_solve", _M, lambda m, x: (m.lu_solve(m.lu_factor(x), _W) ** 2).sum(), METHODS),
    ("lu_solve trans", _M, lambda m, x: (m.lu_solve(m.lu_factor(x), _W[0], trans=1) ** 2).sum(), METHODS),
    ("cho_factor/cho_solve", _SPD + 0.2 * _A, lambda m, x: (m.cho_solve(m.cho_factor(x), _W[0]) ** 2).sum(), METHODS),
    ("cholesky upper", _SPD + 0.2 * _A, lambda m, x: (m.cholesky(x) * _W).sum(), METHODS),
    ("cholesky lower", _SPD + 0.2 * _A, lambda m, x: (m.cholesky(x, lower=True) * _W).sum(), METHODS),
]


@pytest.mark.parametrize("name,x,f,methods", _LINALG, ids=[c[0] for c in _LINALG])
def test_scipy_linalg_names_equal_scipy_and_differentiate(name, x, f, methods):
    """Each scipy.linalg name: SciPy's value; the gradient (every method it takes) against central differences of
    SciPy's own function in every entry (a triangle SciPy does not read has derivative 0: cholesky, eigh); the
    Hessian by forward-over-reverse against central differences of the gradient."""
    import scipy.linalg as sl

    assert float(f(dla, x)) == pytest.approx(float(f(sl, x)), rel=1e-12)
    want = _central(lambda v: float(f(sl, v)), x)
    for method in methods:
        got = dl.grad(lambda v: f(dla, v), method=method)(x)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=method)
    grad = dl.grad(lambda v: f(dla, v))
    hess = dl.hessian(lambda v: f(dla, v), method=("forward", "reverse"))(x)
    np.testing.assert_allclose(hess, _central(grad, x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_lu_prepared_and_vmapped_follow_each_calls_pivoting(method):
    """scipy.linalg.lu's and lu_factor's pivots are equations (ops lu_pivots, pivot_rows), not values read at trace
    time: lu, lu_factor and lu_solve prepared at a matrix getrf does not pivot answer SciPy's value and the fresh
    gradient at one it pivots (and back), and vmap over both matrices gives SciPy's factors of each (on main
    prepare refused the graph)."""
    import scipy.linalg as sl

    still = np.array([[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]])  # getrf keeps the rows in order
    pivots = np.array([[1.0, 2.0, 0.3], [5.0, 1.0, 2.0], [0.2, 6.0, 1.0]])  # getrf swaps rows 0 and 1, then 1, 2
    assert (sl.lu(still)[0] == np.eye(3)).all() and not (sl.lu(pivots)[0] == np.eye(3)).all()

    def f(m, a):
        solved = (m.lu_solve(m.lu_factor(a), _W) ** 2).sum() + (m.lu_solve(m.lu_factor(a), _W[0], trans=1) ** 2).sum()
        return sum((t * _W).sum() for t in m.lu(a)) + (m.lu(a, permute_l=True)[0] ** 3 * _W).sum() + solved

    prepared = dl.prepare(lambda a: f(dla, a), still, method=method)
    for a in (pivots, still, pivots):
        assert prepared(a) == pytest.approx(float(f(sl, a)), rel=1e-13)
        assert (dla.lu_factor(a)[1] == sl.lu_factor(a)[1]).all()
        want = dl.grad(lambda a: f(dla, a), method=method)(a)  # a fresh trace at a (its pivots read there)
        np.testing.assert_allclose(prepared.grad(a), want, rtol=1e-9 if method == "numeric" else 1e-13, atol=1e-12)
    np.testing.assert_allclose(_central(lambda v: float(f(sl, v)), pivots), prepared.grad(pivots), rtol=1e-6, atol=1e-7)
    both = np.stack([still, pivots])
    for got, want in zip(dl.vmap(dla.lu)(both), zip(*[sl.lu(still), sl.lu(pivots)])):
        np.testing.assert_allclose(got, np.stack(want), rtol=1e-14, atol=1e-15)
    lu, piv = dl.vmap(dla.lu_factor)(both)
    np.testing.assert_allclose(lu, [sl.lu_factor(still)[0], sl.lu_factor(pivots)[0]], rtol=1e-14, atol=1e-15)
    assert piv.tolist() == [sl.lu_factor(still)[1].tolist(), sl.lu_factor(pivots)[1].tolist()]
    # a piv no lu_factor made is refused (SciPy's LAPACK call reads past the matrix: "corrupted size vs. prev_size")
    for bad in (np.array([5, 0, 0]), np.array([-1, 1, 2]), np.array([0.0, 1.0, 2.0]), np.array([0, 1])):
        with pytest.raises(ValueError, match="lu_solve: piv must"):
            dl.grad(lambda a: dla.lu_solve((a, bad), _W[0]).sum(), method=method)(still)


def test_expm_derivative_is_scipys_frechet_batched_too():
    import scipy.linalg as sl

    a, e = _M * 0.4, _W
    for method in ("forward", "reverse"):
        got = dl.jvp(dla.expm, (a,), (e,), method=method)[1]
        np.testing.assert_allclose(got, sl.expm_frechet(a, e, compute_expm=False), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dl.vmap(dla.expm)(np.stack([a, -a])), [sl.expm(a), sl.expm(-a)], rtol=1e-14)


def test_linalg_names_without_a_derivative_are_refused_by_name():
    for fn, said in ((dla.null_space, "scipy.linalg.null_space: .*pinv"),):
        with pytest.raises(dl.UnsupportedOperationError, match=said):
            dl.grad(lambda x: fn(x).sum())(_SPD)
    import scipy.linalg as sl

    for fn, said in ((sl.null_space, "null_space.*pinv"),):  # (logm has a rule now: tests/test_scipy45.py)
        with pytest.raises(dl.UnsupportedOperationError, match=said):
            dl.grad(lambda x: fn(x).sum())(_SPD)
    with pytest.raises(dl.UnsupportedOperationError, match="type=2"):
        dl.grad(lambda x: dla.eigh(x, _B, type=2)[0].sum())(_SPD)


def test_symbolic_inside_an_outer_derivative():
    """The symbolic method's code for special functions nests (traced: loggamma is the gammaln op)."""
    hess = dl.hessian(lambda x: sc.gammaln(x).sum() + sc.erf(x).sum(), method=("forward", "symbolic"))(X)
    np.testing.assert_allclose(np.diag(hess), sc.polygamma(1, X) - 4 / math.sqrt(math.pi) * X * np.exp(-X * X))


def test_without_scipy_a_one_line_error_names_the_extra():
    code = (
        "import sys; sys.modules['scipy'] = None; sys.modules['scipy.special'] = None\n"
        "import difflab.scipy.special as s, numpy as np\n"
        "try:\n    s.gammaln(np.ones(2))\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'difflab[scipy]'" in out and out.count("\n") == 1


@pytest.mark.parametrize(
    "fn,name",
    [
        (lambda x: sc.polygamma(1, x), "difflab.scipy.special.polygamma"),
        (lambda x: sc.logsumexp(x), "difflab.scipy.special.logsumexp"),
        (lambda x: scipy.stats.norm.logpdf(x), "difflab.scipy.stats.norm.logpdf"),
        (
            lambda x: scipy.stats.multivariate_normal.logpdf(x, np.zeros(2)),
            "difflab.scipy.stats.multivariate_normal.logpdf",
        ),
        (lambda x: scipy.signal.convolve(x, np.ones(2)).sum(), "difflab.scipy.signal.convolve"),
        (lambda x: scipy.stats.laplace.logpdf(x), "difflab.scipy.stats.laplace.logpdf"),
        (lambda x: scipy.stats.binom.logpmf(1, 3, x), "difflab.scipy.stats.binom.logpmf"),
        (lambda x: __import__("scipy.linalg").linalg.expm(np.diag(x)), "difflab.scipy.linalg.expm"),
        (lambda x: __import__("scipy.linalg").linalg.toeplitz(x), "difflab.scipy.linalg.toeplitz"),
        (lambda x: __import__("scipy.linalg").linalg.circulant(x), "difflab.scipy.linalg.circulant"),
    ],
)
def test_scipy_python_functions_on_traced_values_name_difflabs(fn, name):
    """SciPy's Python code (no dispatch reaches it) converts the traced value: the error names it and
    the difflab.scipy function that does the same."""
    with pytest.raises(dl.UnsupportedOperationError, match=f"SciPy's Python code.*use {name}$"):
        dl.grad(lambda x: fn(x).sum())(np.ones(2))


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: sc.iv(2.0, x),
        lambda x: sc.ive(1.0, x),
        lambda x: sc.gammainc(2.0, x),
        lambda x: sc.betainc(2.0, 3.0, x),
        lambda x: sc.log_ndtr(x),
        lambda x: sc.erfcinv(x),
        lambda x: sc.yn(2, x),
        lambda x: dsp.polygamma(1, x),
        lambda x: dsp.logsumexp(x[None, :] * x[:, None], axis=1),
    ],
    ids=["iv", "ive", "gammainc", "betainc", "log_ndtr", "erfcinv", "yn", "polygamma", "logsumexp"],
)
def test_every_method_nests_through_special_functions(fn):
    """Second derivatives with symbolic inside or outside equal reverse-over-reverse: the symbolic
    method's code for these ops runs as the registry's ops on traced values."""
    x = np.array([0.4, 0.7, 0.9])
    ref = dl.hessian(lambda x: fn(x).sum(), method="reverse")(x)
    for method in (("reverse", "symbolic"), ("symbolic", "reverse"), ("forward", "symbolic")):
        got = dl.hessian(lambda x: fn(x).sum(), method=method)(x)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12, err_msg=str(method))


#: jax.grad and jax.hessian's diagonal of Σ jax.scipy.special.erfcx(x) at _ERFCX_X (x64)
_ERFCX_X = np.array([-3.0, -0.5, 0.0, 0.7, 5.0])
_ERFCX_GRAD = [
    -97237.06150316463,
    -3.0807396562780696,
    -1.1283791670955126,
    -0.39207669480629526,
    -0.021332789764825888,
]
_ERFCX_HESS = [615834.3467269869, 6.985460634643184, 2.0, 0.5029533019700686, 0.00808137781787846]


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic", "numeric"])
def test_erfcx_and_log_expit(method):
    """scipy.special.erfcx (a Mills ratio's, a Voigt profile's) and log_expit (the log-sigmoid of a logistic
    likelihood) were "not a difflab primitive": their gradients and Hessians equal JAX's erfcx and σ(-x)
    (log_expit's derivative, at -800 and 50 where log(expit(x)) is -inf or rounds to 0)."""
    tol = 1e-5 if method == "numeric" else 1e-13
    np.testing.assert_allclose(dl.grad(lambda x: np.sum(sc.erfcx(x)), method=method)(_ERFCX_X), _ERFCX_GRAD, rtol=tol)
    H = dl.hessian(lambda x: np.sum(sc.erfcx(x)), method=method)(_ERFCX_X)
    np.testing.assert_allclose(np.diag(H), _ERFCX_HESS, rtol=1e-4 if method == "numeric" else 1e-12)
    z = np.array([-800.0, -40.0, -1.0, 0.0, 2.0, 50.0])
    value, g = dl.value_and_grad(lambda z: np.sum(sc.log_expit(z) * np.arange(1.0, 7.0)), method=method)(z)
    assert value == pytest.approx(np.sum(sc.log_expit(z) * np.arange(1.0, 7.0)), rel=1e-15)
    want = sc.expit(-z) * np.arange(1.0, 7.0)
    np.testing.assert_allclose(
        g, want, rtol=1e-7 if method == "numeric" else 1e-15, atol=1e-12 if method == "numeric" else 0
    )
    assert dsp.erfcx is not None and dsp.log_expit is not None


#: jax.grad of Σ k·exp1(x_k) + Σ k·expi(y_k) (x64); exp1's Hessian is e^(-x)(1/x + 1/x²) (jax.hessian of
#: jax.scipy.special.exp1 raises: its expn has no constant handler for a tracer)
_EXP1_X, _EXPI_Y = np.array([0.05, 0.5, 1.0, 3.0, 20.0]), np.array([-3.0, -0.2, 0.4, 2.0, 30.0])
_EXP1_GRAD = [
    -19.024588490014278,
    -2.4261226388505337,
    -1.1036383235143268,
    -0.06638275782381858,
    -5.152884056096395e-10,
]
_EXPI_GRAD = [-0.01659568945595465, -8.187307530779817, 11.188685232309528, 14.7781121978613, 1781079096920.7437]


@pytest.mark.parametrize("method", METHODS)
def test_exp1_and_expi(method):
    """scipy.special.exp1 (Theis's well function) and expi were "not a difflab primitive": their gradients equal
    JAX's, exp1's Hessian its closed form. (Each its own sum: numeric's gradient of the two in one, where expi(30)
    makes |f| 5e13, is round-off in exp1's entries, unflagged: recorded in tests/test_user_code6.py.)"""
    gx = dl.grad(lambda x: np.sum(sc.exp1(x) * np.arange(1.0, 6.0)), method=method)(_EXP1_X)
    gy = dl.grad(lambda y: np.sum(sc.expi(y) * np.arange(1.0, 6.0)), method=method)(_EXPI_Y)
    if method == "numeric":  # (5·Ei(30) = 5e13 in |f|: round-off in the other entries, numeric's mixed scales)
        gy = np.append(dl.grad(lambda y: np.sum(sc.expi(y) * np.arange(1.0, 5.0)), method=method)(_EXPI_Y[:4]), gy[4])
    rtol, atol = (1e-6, 1e-8) if method == "numeric" else (1e-14, 0)
    np.testing.assert_allclose(gx, _EXP1_GRAD, rtol=rtol, atol=atol)
    np.testing.assert_allclose(gy, _EXPI_GRAD, rtol=rtol)
    H = dl.hessian(lambda x: np.sum(sc.exp1(x)), method=method)(_EXP1_X)
    want = np.exp(-_EXP1_X) * (1 / _EXP1_X + 1 / _EXP1_X**2)
    np.testing.assert_allclose(
        np.diag(H), want, rtol=1e-4 if method == "numeric" else 1e-13, atol=1e-6 if method == "numeric" else 0
    )


#: Σ k·boxcox(x_k, λ_k) and Σ k·boxcox1p(x_k, λ_k): the gradient in (x, λ) and the Hessian's λλ diagonal by mpmath at
#: 40 digits (mpmath.diff of expm1(λL)/λ, L = log x or log1p x; at λ = 0 the limits L²/2 and L³/3)
_BOXCOX_X, _BOXCOX_LAM = np.array([0.3, 1.7, 5.0, 40.0, 2.2]), np.array([0.0, 1e-9, -0.04, 0.5, -2.0])
_BOXCOX = {
    "boxcox": (
        [3.3333333333333335, 1.1764705888595626, 0.5625905724012094, 0.6324555320336759, 0.469571750563486]
        + [0.7247752567782293, 0.2815663409249024, 3.722636696157433, 101.45129229538989, 0.5844745039440754],
        [-0.5817397989395567, 0.09960470336637493, 3.9727153785348523, 282.7027021359448, 0.2633665446917032],
    ),
    "boxcox1p": (
        [0.7692307692307693, 0.7407407414764828, 0.46541883455358546, 0.6246950475544243, 0.15258789062499997]
        + [0.03441750363478379, 0.9865490852413326, 4.591579828783589, 103.77771866321801, 0.843957321824785],
        [0.0060199486839648325, 0.6532610854391556, 5.4517581552868455, 291.3134223781709, 0.5136546347272236],
    ),
}


@pytest.mark.parametrize("name", sorted(_BOXCOX))
@pytest.mark.parametrize("method", METHODS)
def test_boxcox_in_both_arguments(name, method):
    """scipy.special.boxcox and boxcox1p (a Box-Cox likelihood's λ, tests/test_user_code10.py) were "not a difflab
    primitive": SciPy's values, the gradient in x and λ and the second λ-derivative equal mpmath's, at λ = 0 (SciPy's
    log x, the slope its limit L²/2), at 1e-9 and -0.04 (where (L·x^λ - bc)/λ cancels) and away from 0."""
    fn = getattr(sc, name)
    k = np.arange(1.0, 6.0)

    def f(p):
        return np.sum(k * fn(p[:5], p[5:]))

    p = np.concatenate([_BOXCOX_X, _BOXCOX_LAM])
    value, g = dl.value_and_grad(f, method=method)(p)
    assert value == pytest.approx(np.sum(k * fn(_BOXCOX_X, _BOXCOX_LAM)), rel=1e-15)
    grad, hess = _BOXCOX[name]
    np.testing.assert_allclose(g, grad, rtol=1e-6 if method == "numeric" else 1e-13)
    H = dl.hessian(lambda lam: np.sum(k * fn(_BOXCOX_X, lam)), method=method)(_BOXCOX_LAM)
    np.testing.assert_allclose(np.diag(H), hess, rtol=1e-4 if method == "numeric" else 1e-12)


#: first and second derivatives of dawsn, loggamma, expn(0, x) and expn(2, x) by mpmath at 40 digits (mpmath.diff of
#: √π/2·e^(-x²)·erfi(x), loggamma, expint(n, x)); dawsn's at 40 where 1 - 2xF cancels to -1/(2x²)
_MORE = {
    "dawsn": (
        [-2.0, 0.3, 1.3, 5.0, 40.0],
        [-0.20536155569516787, 0.8304210009872128, -0.25683354520054275, -0.021340744242768356, -0.0003127934275178559],
        [-0.21876544493308753, -1.0635159306349515, -0.299027817248237, 0.009139293579129872, 1.5654365740529387e-05],
    ),
    "loggamma": (
        [0.05, 0.4, 1.3, 3.0, 30.0],
        [-20.497844991299868, -2.561384544585116, -0.16919088886679962, 0.9227843350984671, 3.384438132685525],
        [401.53235734211506, 7.275356590529597, 1.1342534349966193, 0.39493406684822646, 0.033895060357739946],
    ),
    "expn0": (
        [0.05, 0.4, 1.3, 3.0, 30.0],
        [-399.5163582902998, -5.865300402811843, -0.37090125679185143, -0.022127585941272863, -3.223181244822727e-15],
        [15999.678920102007, 31.002302129148312, 0.7802571589367042, 0.03134741341680322, 3.3340864059349066e-15],
    ),
    "expn2": (
        [0.05, 0.4, 1.3, 3.0, 30.0],
        [-2.467898488509974, -0.7023801188656624, -0.13545095784912914, -0.013048381094197037, -3.0215520106888124e-15],
        [19.024588490014278, 1.6758001150890982, 0.2096398407953943, 0.01659568945595465, 3.1192076562800582e-15],
    ),
}
_MORE_FN = {
    "dawsn": sc.dawsn,
    "loggamma": sc.loggamma,
    "expn0": lambda x: sc.expn(0, x),
    "expn2": lambda x: sc.expn(2, x),
}


@pytest.mark.parametrize("name", sorted(_MORE))
@pytest.mark.parametrize("method", METHODS)
def test_dawsn_loggamma_expn(name, method):
    """scipy.special.dawsn, loggamma and expn (which jax.scipy.special has) were "not a difflab primitive": SciPy's
    values, and first and second derivatives equal mpmath's; expn and yn refuse their order n by name, numeric too."""
    x, grad, hess = (np.array(v) for v in _MORE[name])
    fn, w = _MORE_FN[name], 1 / np.abs(grad)  # (each term's slope ±1: numeric's steps resolve every entry)
    value, g = dl.value_and_grad(lambda x: np.sum(w * fn(x)), method=method)(x)
    assert value == pytest.approx(np.sum(w * fn(x)), rel=1e-15)
    np.testing.assert_allclose(g / w, grad, rtol=1e-6 if method == "numeric" else 1e-13)
    H = np.diag(dl.hessian(lambda x: np.sum(w * fn(x)), method=method)(x))
    np.testing.assert_allclose(H / w, hess, rtol=1e-3 if method == "numeric" else 1e-12)
    # every method, numeric too: SciPy truncates expn's and yn's n, so its differences were a jump's (numeric gave
    # -1111 and -21463 at n = 2, x = 1.5, with only SciPy's RuntimeWarning), where jv's real v is differenced
    with pytest.raises(dl.NotDifferentiableError, match="expn is not differentiable in its argument n"):
        dl.grad(lambda n: sc.expn(n, 1.5), method=method)(2.0)
    with pytest.raises(dl.NotDifferentiableError, match="yn is not differentiable in its argument n"):
        dl.grad(lambda n: sc.yn(n, 1.5), method=method)(2.0)


#: d/dx and d²/dx² of Σ k·(S + 2C + Si - Ci) at x = 0.3, 1.1, 2.4, 5 (S, C = fresnel(x); Si, Ci = sici(x)) by mpmath at
#: 30 digits (mpmath.diff of fresnels, fresnelc, si, ci)
_FRESNEL_X = np.array([0.3, 1.1, 2.4, 5.0])
_FRESNEL_GRAD = [-0.07843906084352383, 1.3921578423822336, -2.7082141371599757, 3.005930831898908]
_FRESNEL_HESS = [12.16829709657717, -13.594728778383175, -38.49788719440236, -126.00510198133144]


@pytest.mark.parametrize("method", METHODS)
def test_fresnel_and_sici_pairs(method):
    """scipy.special.fresnel and sici (pairs of outputs; jax.scipy.special has both) were "not a difflab primitive":
    each part an entry (S' = sin(πx²/2), C' = cos(πx²/2), Si' = sin(x)/x, Ci' = cos(x)/x), the pair SciPy's; the
    gradient and the Hessian's diagonal equal mpmath's."""
    k = np.arange(1.0, 5.0)

    def f(x):
        S, C = sc.fresnel(x)
        si, ci = sc.sici(x)
        return np.sum(k * (S + 2 * C + si - ci))

    value, g = dl.value_and_grad(f, method=method)(_FRESNEL_X)
    assert value == pytest.approx(f(_FRESNEL_X), rel=1e-15)
    np.testing.assert_allclose(g, _FRESNEL_GRAD, rtol=1e-6 if method == "numeric" else 1e-13)
    H = np.diag(dl.hessian(f, method=method)(_FRESNEL_X))
    np.testing.assert_allclose(H, _FRESNEL_HESS, rtol=1e-4 if method == "numeric" else 1e-13)


#: the gradient and Hessian's diagonal of Σ k·(|w(x + i/2)|² + Re w(x) − Im w(x/2)), w the Faddeeva function, by
#: mpmath at 40 digits (mpmath.diff of e^(−z²)·erfc(−iz)): jax.scipy.special.wofz's (x64) are 7e-13 off in the
#: gradient and 7e-12 in the Hessian at x = 4, SciPy's wofz (difflab's values and rules) 1e-13
_WOFZ_X = np.array([-2.0, -0.3, 0.0, 0.8, 4.0])
_WOFZ_GRAD = [0.20782613176357595, 0.22253146407371496, -1.692568750643269, -5.768633169689669, 0.5244293133254591]
_WOFZ_HESS = [0.10387918584372272, -3.9330357006225922, -7.077850877392845, 2.380892415769483, -0.2645877399707851]


def _wofz_loss(x):
    k = np.arange(1.0, 6.0)
    return np.sum(k * (np.abs(sc.wofz(x + 0.5j)) ** 2 + np.real(sc.wofz(x)) - np.imag(sc.wofz(0.5 * x))))


@pytest.mark.parametrize("method", METHODS)
def test_wofz_of_complex_and_real_arguments(method):
    """scipy.special.wofz (the Faddeeva function of a Voigt profile, tests/test_user_code8.py's voigt_fit) was "not
    a difflab primitive": on complex arguments and on real ones (whose value is complex, as SciPy's), its gradient
    and Hessian equal mpmath's (JAX's wofz's to 1e-11), and the gradient at a complex leaf is the convention's
    (jax.grad's)."""
    value, g = dl.value_and_grad(_wofz_loss, method=method)(_WOFZ_X)
    assert value == pytest.approx(7.765458730682381, rel=1e-14)
    np.testing.assert_allclose(g, _WOFZ_GRAD, **_tol(method))
    H = dl.hessian(_wofz_loss, method=method)(_WOFZ_X)
    np.testing.assert_allclose(
        np.diag(H), _WOFZ_HESS, **(dict(rtol=1e-4, atol=1e-6) if method == "numeric" else dict(rtol=1e-12))
    )
    gz = dl.grad(lambda z: np.abs(sc.wofz(z)) ** 2, method=method)(np.complex128(0.4 + 0.7j))
    assert gz == pytest.approx(-0.08142794970021303 + 0.3733946529594518j, rel=1e-6 if method == "numeric" else 1e-13)
    assert dsp.wofz is not None
