"""The central difference's default step from probed axes (differentiators/pilot.py, issue 17 §3): from 8
components, the evaluations 2.25 per component leave spare probe a few axes' f‴_ii, and the step follows (from 4 to
7 components one evaluation more probes one axis: tests/test_numeric_pilot67.py)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import pilot
from difflab.differentiators.pilot import (
    PILOT_FROM,
    PILOT_UP,
    PROBE_STEP,
    pilot_up,
    probe_axes,
    probe_count,
    probed_axes,
)
from difflab.differentiators.stencils import EPS

BASE = EPS ** (1 / 3)
X16 = np.random.default_rng(3).uniform(-1.0, 1.0, 16)  # bench/numeric.py's point at n = 16


def black_box(f):
    """`fun(x, D)` as `_products` calls it, for a NumPy f vectorised along axis 0."""
    return lambda x, D: f(np, (x + D).T)[:, None]


def lse(xp, x):
    return xp.log(xp.sum(xp.exp(x), axis=0))


def rosenbrock(xp, x):
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1.0 - x[:-1]) ** 2.0, axis=0)


def rosenbrock_grad(x):
    g, d = np.zeros_like(x), x[1:] - x[:-1] ** 2
    g[:-1] += -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return g


def probe(f, x=X16):
    return probe_axes(black_box(f), x, f(np, x), BASE)


def test_the_spare_evaluations_probe_axes():
    # 2.25 evaluations per component: f(x), 2n stencil points, and floor(n/4) − 1 spare, one per probed axis (from 4
    # to 7 components one evaluation more, one axis: 2.5 … 2.29 per component)
    assert [len(probed_axes(n)) for n in (8, 12, 16, 32)] == [probe_count(n) for n in (8, 12, 16, 32)] == [1, 2, 3, 7]
    assert probed_axes(16) == tuple(sorted(set(probed_axes(16))))  # distinct, sorted, the same at every call


def test_a_known_third_derivative_gives_the_error_models_step():
    # Σ c_i x_i³ + 1: f‴_ii = 6 c_i exactly, and the 4 points on a probed axis are exact for a cubic, so the factor
    # is the model's, sqrt((3 eps |f| / max f‴_ii)^(1/3) / base), and the axis' derivative 3 c_i x_i² (third order)
    c = np.linspace(0.5, 2.0, 16)
    cubic = lambda xp, x: xp.sum(c[:, None] * x**3, axis=0) + 1.0 if x.ndim == 2 else np.sum(c * x**3) + 1.0  # noqa: E731
    p = probe(cubic)
    largest = 6.0 * c[p.axes].max()
    assert p.factor == pytest.approx(np.sqrt((3 * EPS * abs(cubic(np, X16)) / largest) ** (1 / 3) / BASE), rel=1e-3)
    np.testing.assert_allclose(p.derivatives[:, 0], 3 * c[p.axes] * X16[p.axes] ** 2, rtol=0, atol=1e-11)
    np.testing.assert_array_equal(p.rest, np.setdiff1d(np.arange(16), p.axes))


def test_no_third_derivative_takes_the_largest_step():
    quadratic = lambda xp, x: 0.5 * xp.sum(x * x, axis=0) + 0.3 * xp.sum(x, axis=0) + 2.0  # noqa: E731
    assert probe(quadratic).factor == PILOT_UP


def test_the_factor_follows_the_third_derivative_and_not_the_units():
    # log Σ exp at n = 16: |f| ≈ 2.8 against components' f‴ ~ 1/n: a larger step than the default
    assert 2.0 < probe(lse).factor < PILOT_UP  # (2.23: the geometric mean of the default's and the model's ~5×)
    scaled = lambda xp, x: 1000.0 * lse(xp, x)  # noqa: E731
    assert probe(scaled).factor == pytest.approx(probe(lse).factor, rel=3e-3)  # (f‴ resolved to ~1e-3·|f|)
    # Σ exp(10x): f‴ = 1000 times each term, so a smaller step than the default
    steep = lambda xp, x: xp.sum(xp.exp(10.0 * x), axis=0)  # noqa: E731
    assert probe(steep).factor < 0.9
    steep_scaled = lambda xp, x: 1e-3 * xp.sum(xp.exp(10.0 * x), axis=0)  # noqa: E731
    assert probe(steep_scaled).factor == pytest.approx(probe(steep).factor, rel=1e-4)  # (their rounding)


def test_nothing_usable_is_no_probe():
    x = np.full(16, 1e-4)  # the probes' points x − a e_i, a = 1.2e-4, leave sqrt's domain: NaN
    with np.errstate(invalid="ignore"):
        assert probe_axes(black_box(lambda xp, x: xp.sum(xp.sqrt(x), axis=0)), x, 0.16, BASE) is None
    complex_out = lambda x, D: np.sum(np.exp(1j * (x + D)), axis=1)[:, None]  # noqa: E731
    assert probe_axes(complex_out, X16, np.sum(np.exp(1j * X16)), BASE) is None
    zero = lambda xp, x: xp.sum(x**3, axis=0) * 0.0  # noqa: E731  (f not moved along a probed axis: its 0 the stencil's)
    assert probe(zero) is None
    assert pilot._factor(6.0, 0.0, BASE, 3) == 1.0  # (f(x) = 0: no round-off scale, the default step)


def test_the_gradient_is_the_stencil_at_the_probes_step_with_the_probed_axes_own():
    f = lambda x: lse(dnp, x)  # noqa: E731
    p = probe(lse)
    g = dl.grad(f, method="numeric")(X16)
    # |x| ≤ 1: the default relative step max(1, |x_i|)·c is the absolute step c
    np.testing.assert_array_equal(g[p.rest], dl.grad(f, method=dl.Numeric(step=p.factor * BASE))(X16)[p.rest])
    np.testing.assert_allclose(g[p.axes], p.derivatives[:, 0], rtol=1e-9)  # (the batched graph's rounding)
    exact = np.exp(X16) / np.exp(X16).sum()
    assert np.abs(g - exact).max() / exact.max() < 2e-10  # the fixed default step: 3.3e-10
    assert np.abs(g[p.axes] - exact[p.axes]).max() / exact.max() < 1e-11  # third order at a = eps^(1/4)
    assert PROBE_STEP == EPS**0.25


@pytest.mark.parametrize(
    "f, df",
    [
        (lse, lambda x: np.exp(x) / np.exp(x).sum()),  # |f‴| ≪ |f|: the fixed step 2.97× (too small)
        (rosenbrock, rosenbrock_grad),  # one random direction's f‴ overstated it: 2.06× (step19's pilot)
    ],
)
def test_the_default_steps_error_is_within_2x_of_the_best_fixed_steps(f, df):
    # expected error (x and 7 points jittered by 1e-3, bench/numeric_steps.py's measure) ÷ the least of 21 fixed
    # steps 1e-6 … 1e-4: 1.75× and 1.19× (n = 16, bench/numeric.py's point)
    rng = np.random.default_rng(5)
    xs = [X16] + [X16 + rng.uniform(-1e-3, 1e-3, 16) for _ in range(7)]

    def error(method):
        p = dl.prepare(lambda x: f(dnp, x), X16, method=method)
        return np.mean([np.abs(p.grad(z) - df(z)).max() / np.abs(df(z)).max() for z in xs])

    best = min(error(dl.Numeric(step=float(c))) for c in np.logspace(-6, -4, 21))
    assert error("numeric") <= 2.0 * best


def test_the_more_axes_probed_the_larger_a_step_they_may_ask_for():
    # log Σ exp at n = 16 (bench/numeric.py's point): 3 probed axes, f‴ ≪ |f|, the error model's step ~5× the
    # default's, trusted halfway (2.23×): allowed up to 2.5× (was 1.5× at every size), its expected error (x and 7
    # points jittered by 1e-3) ÷ the least of 21 fixed steps 1e-6 … 1e-4: 1.22× (was 1.75×)
    assert pilot_up(3) == PILOT_UP == 2.5 and probe(lse).factor > 2.0
    rng = np.random.default_rng(5)
    xs = [X16] + [X16 + rng.uniform(-1e-3, 1e-3, 16) for _ in range(7)]
    exact = lambda x: np.exp(x) / np.exp(x).sum()  # noqa: E731

    def error(method):
        p = dl.prepare(lambda x: lse(dnp, x), X16, method=method)
        return np.mean([np.abs(p.grad(z) - exact(z)).max() / exact(z).max() for z in xs])

    assert error("numeric") <= 1.4 * min(error(dl.Numeric(step=float(c))) for c in np.logspace(-6, -4, 21))
    # one or two probed axes (n = 8 … 15) still allow 1.5× (the largest of 1 probed f‴_ii is the median axis' or
    # more 1 time in 2); no third derivative asks for the most allowed
    quadratic = lambda xp, x: 0.5 * xp.sum(x * x, axis=0) + 2.0  # noqa: E731
    assert probe(quadratic, X16[:8]).factor == pilot_up(1) == 1.5
    assert probe(quadratic, X16[:12]).factor == pilot_up(2) == 1.5
    assert probe(quadratic).factor == 2.5


def test_below_4_components_the_default_step_is_unchanged():
    x = X16[: PILOT_FROM - 1]
    f = lambda x: lse(dnp, x)  # noqa: E731
    p = dl.prepare(f, x, method="numeric")
    g = p.grad(x)
    np.testing.assert_array_equal(g, dl.grad(f, method=dl.Numeric(step=BASE))(x))
    assert p.prepared.evals == 2 * len(x) + 1


def test_a_jacobian_and_an_error_estimate_take_no_probe():
    f = lambda x: dnp.stack([dnp.sum(dnp.exp(x)), dnp.sum(x**3)])  # noqa: E731
    p = dl.prepare(f, X16, method="numeric")
    J = p.jacobian(X16)
    np.testing.assert_array_equal(J, dl.jacobian(f, method=dl.Numeric(step=BASE))(X16))
    assert p.prepared.evals == 2 * 16 + 1
    g = lambda x: lse(dnp, x)  # noqa: E731  (the estimate wants every component's stencil at h and 2h)
    np.testing.assert_array_equal(
        dl.grad(g, method=dl.Numeric(error_estimate=True))(X16), dl.grad(g, method=dl.Numeric(step=BASE))(X16)
    )


def test_near_a_pole_the_probes_stand_aside_and_say_nothing():
    # log's pole 1e-4 away from one component: a probe's move (1.2e-4) would cross it; the watch keeps the
    # stencil's steps within reach, and the probes' DomainWarning (a NaN they do not use) is never said
    x = np.abs(X16) + 0.1
    x[probed_axes(16)[0]] = 1e-4
    with warnings.catch_warnings():
        warnings.simplefilter("error", dl.DomainWarning)
        g = dl.grad(lambda x: dnp.sum(dnp.log(x)), method="numeric")(x)
    np.testing.assert_allclose(g, 1.0 / x, rtol=1e-7)


def test_the_probes_leave_the_watch_as_they_found_it():
    # a pole 1e-7 from every component: the probes' moves (1.2e-4) are out of reach, so no probe, and the
    # stencil's steps are shrunk exactly as without it (step19's pilot once widened the watch's rounding)
    x = np.random.default_rng(0).uniform(0.2, 1.0, 16)
    g = dl.grad(lambda z: dnp.sum(1.0 / (z - x + 1e-7)), method="numeric")(x)
    exact = -1.0 / (x - x + 1e-7) ** 2
    assert np.abs(g - exact).max() / np.abs(exact).max() < 1e-9
