"""The central difference's default step from a pilot (differentiators/pilot.py, issue 17 §3): from 16
components, three spare evaluations along a fixed random direction size f‴, and the step follows."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.pilot import PILOT_DOWN, PILOT_FROM, PILOT_UP, pilot_factor
from difflab.differentiators.stencils import EPS

BASE = EPS ** (1 / 3)
X16 = np.random.default_rng(3).uniform(-1.0, 1.0, 16)  # bench/numeric.py's point at n = 16


def black_box(f):
    """`fun(x, D)` as `_products` calls it, for a NumPy f vectorised along axis 0."""
    return lambda x, D: f(np, (x + D).T)[:, None]


def lse(xp, x):
    return xp.log(xp.sum(xp.exp(x), axis=0))


def test_no_third_derivative_takes_the_largest_step():
    quadratic = lambda xp, x: 0.5 * xp.sum(x * x, axis=0) + 0.3 * xp.sum(x, axis=0) + 2.0  # noqa: E731
    assert pilot_factor(black_box(quadratic), X16, quadratic(np, X16), BASE) == PILOT_UP


def test_the_factor_follows_the_third_derivative_and_not_the_units():
    # log Σ exp at n = 16: |f| ≈ 2.8 against components' f‴ ~ 1/n: a larger step than the default
    big = pilot_factor(black_box(lse), X16, lse(np, X16), BASE)
    assert big == PILOT_UP  # (its own estimate: 4.0)
    scaled = lambda xp, x: 1000.0 * lse(xp, x)  # noqa: E731
    assert pilot_factor(black_box(scaled), X16, scaled(np, X16), BASE) == pytest.approx(big, rel=1e-3)  # (its rounding)
    # Σ exp(10x): f‴ = 1000 times each term, so a smaller step than the default
    steep = lambda xp, x: xp.sum(xp.exp(10.0 * x), axis=0)  # noqa: E731
    assert pilot_factor(black_box(steep), X16, steep(np, X16), BASE) == 1 / PILOT_DOWN  # (its own estimate: 0.48)


def test_nothing_usable_keeps_the_default():
    x = np.full(16, 1e-4)  # the pilot's points x − a·u, a = 7e-4, leave sqrt's domain: NaN
    with np.errstate(invalid="ignore"):
        assert pilot_factor(black_box(lambda xp, x: xp.sum(xp.sqrt(x), axis=0)), x, 0.16, BASE) == 1.0
    zero = lambda xp, x: xp.sum(x**3, axis=0) * 0.0  # noqa: E731  (f(x) = 0: no round-off scale)
    assert pilot_factor(black_box(zero), X16, 0.0, BASE) == 1.0


def test_the_gradient_is_the_stencil_at_the_pilots_step():
    f = lambda x: lse(dnp, x)  # noqa: E731
    factor = pilot_factor(black_box(lse), X16, lse(np, X16), BASE)
    # |x| ≤ 1: the default relative step max(1, |x_i|)·c is the absolute step c
    expected = dl.grad(f, method=dl.Numeric(step=factor * BASE))(X16)
    np.testing.assert_array_equal(dl.grad(f, method="numeric")(X16), expected)
    exact = np.exp(X16) / np.exp(X16).sum()
    assert np.abs(expected - exact).max() / exact.max() < 2e-10  # the fixed default step: 3.3e-10


def test_below_16_components_the_default_step_is_unchanged():
    x = X16[: PILOT_FROM - 1]
    f = lambda x: lse(dnp, x)  # noqa: E731
    p = dl.prepare(f, x, method="numeric")
    g = p.grad(x)
    np.testing.assert_array_equal(g, dl.grad(f, method=dl.Numeric(step=BASE))(x))
    assert p.prepared.evals == 2 * len(x) + 1


def test_a_jacobian_takes_no_pilot():
    f = lambda x: dnp.stack([dnp.sum(dnp.exp(x)), dnp.sum(x**3)])  # noqa: E731
    p = dl.prepare(f, X16, method="numeric")
    J = p.jacobian(X16)
    np.testing.assert_array_equal(J, dl.jacobian(f, method=dl.Numeric(step=BASE))(X16))
    assert p.prepared.evals == 2 * 16 + 1


def test_near_a_pole_the_pilot_stands_aside_and_says_nothing():
    # log's pole 1e-4 away from one component: the pilot's move (7e-4) would cross it; the watch keeps the
    # stencil's steps within reach, and the pilot's DomainWarning (a NaN it does not use) is never said
    x = np.abs(X16) + 0.1
    x[3] = 1e-4
    with warnings.catch_warnings():
        warnings.simplefilter("error", dl.DomainWarning)
        g = dl.grad(lambda x: dnp.sum(dnp.log(x)), method="numeric")(x)
    np.testing.assert_allclose(g, 1.0 / x, rtol=1e-7)


def test_a_complex_output_keeps_the_default_step():
    f = lambda x, D: np.sum(np.exp(1j * (x + D)), axis=1)[:, None]  # noqa: E731
    assert pilot_factor(f, X16, np.sum(np.exp(1j * X16)), BASE) == 1.0


def test_equal_third_derivatives_do_not_cancel():
    # Σ x³: every component's f‴ is 6, so a direction whose signs sum to 0 saw no f‴ at all (factor 4, the
    # gradient 7× the fixed step's error); the direction's signs never sum to 0
    cubes = lambda xp, x: xp.sum(x**3, axis=0) + 2.0  # noqa: E731
    assert 0.5 < pilot_factor(black_box(cubes), X16, cubes(np, X16), BASE) < 2.0


def test_the_pilot_leaves_the_watch_as_it_found_it():
    # a pole 1e-7 from every component: the pilot's moves (7e-4) are out of reach, so no pilot, and the stencil's
    # steps are shrunk exactly as without it (the pilot once widened the watch's rounding: 6.8e-9, was 1.5e-10)
    x = np.random.default_rng(0).uniform(0.2, 1.0, 16)
    g = dl.grad(lambda z: dnp.sum(1.0 / (z - x + 1e-7)), method="numeric")(x)
    exact = -1.0 / (x - x + 1e-7) ** 2
    assert np.abs(g - exact).max() / np.abs(exact).max() < 1e-9
