"""scipy.special's hyp2f1, kv, k0, k1, k0e, k1e, ellipk, ellipe, gammaincinv, stdtr, exp10, inv_boxcox and
inv_boxcox1p (issue 11: each was "not a difflab primitive"), owens_t's partials at a = 1e200 (overflowed), and
np.histogram with traced weights (was refused). References: mpmath (ships with SymPy) at 30 digits, by its own
differentiation of the function, not of the rule; closed forms at the removable points. The registry-driven tests
(tests/test_registry.py) take every new entry too: evaluation, SymPy translation, methods agreeing, batching."""

import math
import warnings

import mpmath
import numpy as np
import pytest

import difflab as dl
from difflab.errors import DomainWarning, NotDifferentiableError

sc = pytest.importorskip("scipy.special")

mpmath.mp.dps = 30


def _gammaincinv(a, y):
    return mpmath.findroot(lambda x: mpmath.gammainc(a, 0, x, regularized=True) - y, sc.gammaincinv(float(a), float(y)))


def _stdtr(nu, t):  # the CDF as ½ + t·c·₂F₁(½, (ν+1)/2; 3/2; -t²/ν), mpmath's hypergeometric function
    c = mpmath.gamma((nu + 1) / 2) / (mpmath.sqrt(nu * mpmath.pi) * mpmath.gamma(nu / 2))
    return 0.5 + t * c * mpmath.hyp2f1(0.5, (nu + 1) / 2, 1.5, -(t**2) / nu)


def _inv_boxcox(y, lam):
    return (1 + lam * y) ** (1 / lam)


#: name -> (SciPy's function, mpmath's, the differentiated argument, a point)
CASES = {
    "hyp2f1": (sc.hyp2f1, mpmath.hyp2f1, 3, (0.5, 1.5, 2.5, -0.7)),
    "kv": (sc.kv, mpmath.besselk, 1, (1.5, 0.8)),
    "k0": (sc.k0, lambda x: mpmath.besselk(0, x), 0, (0.3,)),
    "k1": (sc.k1, lambda x: mpmath.besselk(1, x), 0, (2.5,)),
    "k0e": (sc.k0e, lambda x: mpmath.besselk(0, x) * mpmath.exp(x), 0, (1.7,)),
    "k1e": (sc.k1e, lambda x: mpmath.besselk(1, x) * mpmath.exp(x), 0, (0.6,)),
    "ellipk": (sc.ellipk, mpmath.ellipk, 0, (-2.0,)),
    "ellipe": (sc.ellipe, mpmath.ellipe, 0, (0.6,)),
    "gammaincinv": (sc.gammaincinv, _gammaincinv, 1, (2.5, 0.3)),
    "stdtr": (sc.stdtr, _stdtr, 1, (3.0, -1.7)),
    "exp10": (sc.exp10, lambda x: mpmath.power(10, x), 0, (0.3,)),
    "inv_boxcox-y": (sc.inv_boxcox, _inv_boxcox, 0, (1.3, -0.3)),
    "inv_boxcox-lam": (sc.inv_boxcox, _inv_boxcox, 1, (1.3, 0.5)),
    "inv_boxcox1p-lam": (sc.inv_boxcox1p, lambda y, lam: _inv_boxcox(y, lam) - 1, 1, (0.7, -0.4)),
}


def _mp_derivatives(mp_fn, point, i):
    """mpmath's first and second derivatives of mp_fn in argument i at point."""
    args = [mpmath.mpf(v) for v in point]

    def along(t):
        return mp_fn(*args[:i], t, *args[i + 1 :])

    return [float(mpmath.diff(along, args[i], n)) for n in (1, 2)]


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_match_mpmath(name):
    fn, mp_fn, i, point = CASES[name]

    def f(t):
        return fn(*point[:i], t, *point[i + 1 :])

    d1, d2 = _mp_derivatives(mp_fn, point, i)
    for method in ("reverse", "forward"):
        np.testing.assert_allclose(float(dl.grad(f, method=method)(point[i])), d1, rtol=1e-13, err_msg=method)
        got = float(dl.grad(dl.grad(f, method=method), method=method)(point[i]))
        np.testing.assert_allclose(got, d2, rtol=1e-11, err_msg=method)
    np.testing.assert_allclose(float(dl.grad(f, method="numeric")(point[i])), d1, rtol=1e-7)


def test_symbolic_and_numeric_hessians_on_a_vector():
    """All four methods' Hessians of Σ w·f(x) for a few entries at once (vectors: the lambdified code and the
    stencils elementwise), against mpmath's second derivatives."""
    x = np.array([0.3, 0.55, 0.8])
    w = np.array([1.0, -2.0, 0.5])

    def f(x):
        return np.sum(w * (sc.ellipk(x - 0.3) + sc.kv(2.5, x) + sc.stdtr(2.0, x) + sc.hyp2f1(1.0, 0.5, 2.0, x)))

    def mp(t):
        return mpmath.ellipk(t - 0.3) + mpmath.besselk(2.5, t) + _stdtr(2, t) + mpmath.hyp2f1(1, 0.5, 2, t)

    want = np.diag(w * [float(mpmath.diff(mp, mpmath.mpf(v), 2)) for v in x])
    for method, rtol in (("symbolic", 1e-10), ("numeric", 1e-4)):
        np.testing.assert_allclose(dl.hessian(f, method=method)(x), want, rtol=rtol, atol=rtol * 10, err_msg=method)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_removable_points(method):
    """K′(m) = (E - (1 - m)K)/(2m(1 - m)) and E′(m) = (E - K)/(2m) are 0/0 at m = 0, where K′ = π/8, K″ = 9π/64,
    E′ = -π/8, E″ = -3π/64 (their series there); inv_boxcox's λ-slope at λ = 0 is -e^y·y²/2 (boxcox's h(0) = ½)."""
    for fn, d1, d2 in ((sc.ellipk, math.pi / 8, 9 * math.pi / 64), (sc.ellipe, -math.pi / 8, -3 * math.pi / 64)):
        g = dl.grad(fn, method=method)
        np.testing.assert_allclose(float(g(0.0)), d1, rtol=1e-15)
        np.testing.assert_allclose(float(dl.grad(g, method=method)(0.0)), d2, rtol=1e-14)
        # just off it, where the closed form loses 2ε/|m| relative: mpmath's
        for m in (1e-9, -0.099):
            np.testing.assert_allclose(
                float(g(m)), _mp_derivatives(getattr(mpmath, fn.__name__), (m,), 0)[0], rtol=1e-14
            )
    y = 0.7
    got = float(dl.grad(lambda lam: sc.inv_boxcox(y, lam), method=method)(0.0))
    np.testing.assert_allclose(got, -math.exp(y) * y * y / 2, rtol=1e-15)
    got = float(dl.grad(lambda lam: sc.inv_boxcox1p(y, lam), method=method)(0.0))
    np.testing.assert_allclose(got, -math.exp(y) * y * y / 2, rtol=1e-15)


def test_scaled_k_where_e_to_the_x_overflows_and_beyond():
    """k0e′ = k0e - k1e and k1e′ in the scaled functions' own terms: finite at x = 800, where K·eˣ's factor eˣ
    overflows; from x = 50 their asymptotic series (the difference cancels to 1/(2x) of its terms: at 1e5 it kept
    5 fewer digits, at 1e300 it was 2.7e-166 for -6e-451, and k1e′ NaN, SciPy's kve(2, 1e300) being NaN). mpmath's
    derivative; at 1e300 the slope underflows to 0. ellipk′ at m = -1e300 (2m(1 - m) overflowed) likewise."""
    for fn, n in ((sc.k0e, 0), (sc.k1e, 1)):
        for x in (800.0, 1e5):
            want = float(mpmath.diff(lambda t: mpmath.besselk(n, t) * mpmath.exp(t), mpmath.mpf(x)))
            for method in ("reverse", "forward", "symbolic"):
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    got = float(dl.grad(fn, method=method)(x))
                np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=f"{method} at {x}")
        assert float(dl.grad(fn)(1e300)) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(dl.grad(sc.ellipk)(-1e300)) == 0.0


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_owens_t_partials_do_not_overflow(method):
    """∂T/∂a = e^(-h²/2 - (ha)²/2)/(2π(1 + a²)) and ∂T/∂h = -φ(h)·erf(ah/√2)/2 formed a² and (ha)² at a = 1e200
    (RuntimeWarning: overflow, found last session): now held arguments, so no warning, and the values are the
    closed forms' (1e-200/(2π) at h = 0, a = 1e100; 0 where they underflow)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for h, a in ((0.0, 1e200), (1.0, 1e200), (1e200, 1e200), (-50.0, 0.5), (0.0, 1e100), (1e-160, -1e200)):
            dh, da = dl.grad(sc.owens_t, argnums=(0, 1), method=method)(h, a)
            want_h = -math.exp(-h * h / 2) / math.sqrt(2 * math.pi) * math.erf(a * h / math.sqrt(2)) / 2
            want_a = float(
                mpmath.exp(-(mpmath.mpf(h) ** 2) / 2 - (mpmath.mpf(h) * a) ** 2 / 2)
                / (2 * mpmath.pi * (1 + mpmath.mpf(a) ** 2))
            )
            np.testing.assert_allclose(
                [float(dh), float(da)], [want_h, want_a], rtol=1e-14, atol=0, err_msg=f"{h}, {a}"
            )


@pytest.mark.parametrize(
    "f, arg",
    [
        (lambda t: sc.hyp2f1(t, 1.0, 2.0, 0.5), "a"),
        (lambda t: sc.hyp2f1(1.0, 1.0, t, 0.5), "c"),
        (lambda t: sc.kv(t, 1.0), "v"),
    ],
    ids=["hyp2f1-a", "hyp2f1-c", "kv-v"],
)
def test_parameters_without_an_exact_rule_are_refused_by_name(f, arg):
    with pytest.raises(NotDifferentiableError, match=rf"is not differentiable in its argument {arg} "):
        dl.grad(f)(1.5)
    # (symbolic: kv's translation is SymPy's besselk, whose order SymPy leaves underived: refused, as jv's and iv's)
    with pytest.raises(NotDifferentiableError, match=rf"argument {arg} |hold that argument constant"):
        dl.grad(f, method="symbolic")(1.5)


@pytest.mark.parametrize(
    "name, f, x",
    [
        ("ellipk", lambda m: sc.ellipk(m), 1.5),
        ("gammaincinv", lambda y: sc.gammaincinv(2.0, y), 1.5),
        ("inv_boxcox", lambda y: sc.inv_boxcox(y, 0.5), -3.0),
        ("kv", lambda x: sc.kv(1.0, x), -1.0),
    ],
)
def test_outside_the_domain_a_domain_warning_names_the_op(name, f, x):
    with pytest.warns(DomainWarning, match=rf"= {name}\(.*outside the domain of {name}"):
        g = dl.grad(f)(x)
    assert np.isnan(g)


A = np.array([0.1, 0.5, 0.5, 2.0, 3.0, -1.0, 0.7, np.nan])
BINS = [0.0, 0.5, 1.0, 3.0]  # 0.5 and 1.0 open the next bin, 3.0 is in the last; -1 and NaN in none


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic", "numeric"])
def test_histogram_with_traced_weights(method):
    """np.histogram(a, bins, weights=w) with w traced was 'traced weights: ... a segment sum' (refused): the weighted
    counts are linear in w (∂count_k/∂w_i = 1 where a_i is in bin k), piecewise constant in a (zero derivative)."""
    w0 = np.arange(1.0, 9.0)

    def f(w):
        return np.sum(np.histogram(A, bins=BINS, weights=w)[0] ** 2)

    counts = np.histogram(A, bins=BINS, weights=w0)[0]  # NumPy's: [1, 12, 9]
    into = np.array([0, 1, 1, 2, 2, -1, 1, -1])  # each entry's bin, -1: none
    member = np.array([[float(k == b) for k in into] for b in range(3)])  # (bins, entries)
    tol = dict(rtol=1e-7, atol=1e-7) if method == "numeric" else dict(rtol=1e-15, atol=0)
    np.testing.assert_allclose(dl.grad(f, method=method)(w0), 2 * member.T @ counts, **tol)
    np.testing.assert_allclose(
        dl.hessian(f, method=method)(w0), 2 * member.T @ member, atol=1e-5 if method == "numeric" else 0
    )
    assert np.array_equal(np.histogram(A, bins=BINS, weights=w0)[0], counts)
    # the data's derivative through the edges (bins=3: min + (max - min)·k/3) and none through the counts, density
    finite = A[np.isfinite(A)]

    def g(a, w):
        return np.sum(np.arange(1.0, 4.0) * np.histogram(a, bins=3, weights=w, density=True)[0])

    da, dw = dl.grad(g, argnums=(0, 1), method=method)(finite, w0[:7])

    def by_hand(a, w):
        c, e = np.histogram(a, bins=3, weights=w)
        return np.sum(np.arange(1.0, 4.0) * c / c.sum() / np.diff(e))

    lo, hi = np.argmin(finite), np.argmax(finite)
    step = 1e-6  # (NumPy's own histogram, differenced: the counts do not move at this step)
    want_a = np.zeros(7)
    for k in (lo, hi):
        e = np.zeros(7)
        e[k] = step
        want_a[k] = (by_hand(finite + e, w0[:7]) - by_hand(finite - e, w0[:7])) / (2 * step)
    np.testing.assert_allclose(da, want_a, rtol=1e-6, atol=1e-9)
    c, e = np.histogram(finite, bins=3, weights=w0[:7])
    bin_of = np.minimum(((finite - finite.min()) / (e[1] - e[0])).astype(int), 2)
    want_w = (np.arange(1.0, 4.0)[bin_of] - np.sum(np.arange(1.0, 4.0) * c) / c.sum()) / c.sum() / (e[1] - e[0])
    np.testing.assert_allclose(dw, want_w, rtol=1e-6 if method == "numeric" else 1e-13)


def test_histogram_weights_keep_the_trace_reusable():
    """The weights' numbers are not read into the graph (the counts are linear in them): a prepared gradient takes
    other weights; a weights array of another shape than a's is NumPy's ValueError."""
    prepared = dl.prepare(lambda w: np.sum(np.histogram(A, bins=BINS, weights=w)[0] ** 2), np.ones(8))
    w = np.linspace(-1.0, 2.0, 8)
    counts = np.histogram(A, bins=BINS, weights=w)[0]
    np.testing.assert_allclose(prepared.grad(w), 2 * counts[[0, 1, 1, 2, 2, 0, 1, 0]] * [1, 1, 1, 1, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="weights should have the same shape as a"):
        dl.grad(lambda w: np.sum(np.histogram(A, bins=BINS, weights=w)[0]))(np.ones(3))


@pytest.mark.parametrize("method", ["reverse", "symbolic"])
def test_histogram2d_and_histogramdd_with_traced_weights(method):
    """histogram2d and histogramdd with traced weights (refused as histogram's were): the weighted counts' gradient is
    each row's bin's 2·count (of Σ count²), rows outside the given range in no bin (zero); the counts NumPy's."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=40), rng.normal(size=40)
    w0 = rng.uniform(size=40)
    edges = ([-1.0, 0.0, 0.5, 1.0], [-1.0, 0.0, 1.0])  # rows beyond ±1: outside
    counts = np.histogram2d(x, y, bins=edges, weights=w0)[0]
    ix, iy = np.searchsorted(edges[0], x, "right") - 1, np.searchsorted(edges[1], y, "right") - 1
    inside = (np.abs(x) <= 1) & (np.abs(y) <= 1)
    want = np.where(inside, 2 * counts[np.clip(ix, 0, 2), np.clip(iy, 0, 1)], 0.0)
    for hist in (
        lambda w: np.histogram2d(x, y, bins=edges, weights=w)[0],
        lambda w: np.histogramdd(np.stack([x, y], axis=1), bins=edges, weights=w)[0],
    ):
        np.testing.assert_allclose(dl.grad(lambda w: np.sum(hist(w) ** 2), method=method)(w0), want, rtol=1e-14)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (the specialised-trace note of reading x, y)
            np.testing.assert_allclose(dl.vmap(hist)(np.stack([w0, 2 * w0])), [counts, 2 * counts], rtol=1e-14)
