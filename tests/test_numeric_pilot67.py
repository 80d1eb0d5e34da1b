"""From 4 to 7 components the central difference's default step is sized by one probed axis (differentiators/pilot.py,
issue 17 §3): one evaluation beyond f(x) and the 2n stencil points (2.5 per component at n = 4, 2 + 2/n), on the axis
of largest |x_i|, whose 4 points give its f‴_ii and its own derivative to third order. Below 8 components main
probed nothing: its step at n = 4 erred 2.10× (Rosenbrock) and 1.77× (log Σ exp) the best fixed step's
(bench/numeric.py; 2.03× and 2.18× over 256 jittered points)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.pilot import probe_axes
from difflab.graph import counting
from test_numeric_pilot import black_box, lse, rosenbrock, rosenbrock_grad  # (the same helpers)

EPS = float(np.finfo(float).eps)
BASE = EPS ** (1 / 3)
X4 = np.random.default_rng(3).uniform(-1.0, 1.0, 4)  # bench/numeric.py's point at n = 4: |x_0| = 0.83 the largest


def probe(f, x=X4):
    return probe_axes(black_box(f), x, f(np, x), BASE)


def model(f, x, third):
    """The pilot's factor from a known f‴: the geometric mean of the default step and the error model's
    (3 eps |f| / f‴)^(1/3), within ½× … 1.5× (one probed axis)."""
    return min(max(np.sqrt((3 * EPS * abs(f(np, x)) / third) ** (1 / 3) / BASE), 0.5), 1.5)


def test_one_axis_is_probed_the_one_of_largest_x():
    assert probe(lse).axes.tolist() == [0]  # |x_0| = 0.83 (Rosenbrock's last axis, f‴ ≡ 0 along it, is x_3)
    x = np.array([0.3, -0.9, 0.9, 0.1, 0.2])
    assert probe(lse, x).axes.tolist() == [1]  # (the first of equal ones)
    assert probe(lse, x).rest.tolist() == [0, 2, 3, 4]


def test_a_known_third_derivative_gives_the_error_models_step():
    # Σ c_i x_i³ + 1: f‴_ii = 6 c_i, and 4 points on the probed axis are exact for a cubic: the factor is the model's
    # from the probed axis' f‴ (axis 0: 6 c_0 = 18, the largest), and its derivative 3 c_0 x_0² (third order)
    c = np.array([3.0, 1.0, 0.5, 2.0])
    cubic = lambda xp, x: xp.sum(c[:, None] * x**3, axis=0) + 1.0 if x.ndim == 2 else np.sum(c * x**3) + 1.0  # noqa: E731
    p = probe(cubic)
    assert p.factor == pytest.approx(model(cubic, X4, 18.0), rel=1e-3)
    np.testing.assert_allclose(p.derivatives[:, 0], [3 * c[0] * X4[0] ** 2], rtol=0, atol=1e-11)
    # the step lies between the default and the error model's best, (3 eps |f| / 18)^(1/3): moved toward it
    best = (3 * EPS * abs(cubic(np, X4)) / 18.0) ** (1 / 3)
    assert min(BASE, best) < p.factor * BASE < max(BASE, best)


def test_rosenbrock_and_log_sum_exp_at_4_components():
    # Rosenbrock: f‴_00 = 2400 x_0 (the largest |f‴_ii|: 2400 |x_i| for i < 3, 0 for x_3), so a smaller step; log Σ exp:
    # f‴ ≪ |f| (the model's step 2.2× the default), so the most one probed axis allows, 1.5×
    p = probe(rosenbrock)
    assert p.factor == pytest.approx(model(rosenbrock, X4, 2400 * abs(X4[0])), rel=1e-3) and p.factor < 0.9
    assert probe(lse).factor == 1.5


@pytest.mark.parametrize(
    "f, df",
    [(lse, lambda x: np.exp(x) / np.exp(x).sum()), (rosenbrock, rosenbrock_grad)],
    ids=["log-sum-exp", "rosenbrock"],
)
def test_the_default_steps_error_is_within_2x_of_the_best_fixed_steps(f, df):
    # expected error (x and 7 points jittered by 1e-3, bench/numeric_steps.py's measure) ÷ the least of 21 fixed
    # steps 1e-6 … 1e-4, at n = 4: main (no probe) 1.44× and 2.38×, now 1.38× and 1.14×
    rng = np.random.default_rng(5)
    xs = [X4] + [X4 + rng.uniform(-1e-3, 1e-3, 4) for _ in range(7)]

    def error(method):
        p = dl.prepare(lambda x: f(dnp, x), X4, method=method)
        return np.mean([np.abs(p.grad(z) - df(z)).max() / np.abs(df(z)).max() for z in xs])

    best = min(error(dl.Numeric(step=float(c))) for c in np.logspace(-6, -4, 21))
    assert error("numeric") <= 2.0 * best


@pytest.mark.parametrize("n, evals", [(3, 7), (4, 10), (5, 12), (7, 16), (8, 18), (16, 36)])
def test_a_gradient_costs_its_counted_evaluations(n, evals):
    # f(x), 2 per component, one per probed axis: none below 4, one from 4 to 7 (2.5 … 2.29 per component), then
    # floor(n/4) − 1 (2.25 per component); the tape's equations charged once per evaluation
    p = dl.prepare(lambda x: lse(dnp, x), np.linspace(-1.0, 1.0, n), method="numeric")
    for _ in range(2):
        with counting() as cost:
            p.grad(np.linspace(-1.0, 1.0, n))
        assert (cost.evals, cost.eqns) == (evals, evals * len(p.graph.eqns))
    assert evals / n <= 2.5


@pytest.mark.parametrize("n", [4, 8])
def test_a_change_absorbed_along_a_probed_axis_is_said(n):
    # 1e14·x_0 + sin(x_3): sin's change is lost below an ulp of 1e14 at every step, and x_3 (the largest |x_i| at n = 4,
    # a fixed random choice at n = 8) is probed: f did not move along it, so no probe, and the stencil's judge says
    # its 0 (main at n = 8: the probe's own derivative, 0 for cos 3 = −0.99, silently)
    x = np.full(n, 0.5)
    x[0], x[3] = 1.0, 3.0
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        g = dl.grad(lambda x: 1e14 * x[0] + dnp.sin(x[3]), method="numeric")(x)
    assert g[3] == 0 and any("d f[0]/d x[3] (flat) is 0" in str(w.message) for w in said)


def test_an_absorbed_probed_axis_goes_back_to_the_stencil_and_the_others_size_the_step():
    # n = 16 probes axes 7, 8 and 10; f's change along x_7 (1e-12·sin) is below an ulp of f, along 8 and 10 it is not: x_7 goes
    # back to the stencil (whose judge says its 0, finding the lost change by 2 evaluations of its own) and 8 and 10
    # keep their probes, 1 + 3·3 + 2·14 + 2 = 40 evaluations (dropping every probe, as numeric67 first did, ran the
    # stencil on all 16 axes: 44, at the unsized step, which
    # took gradient_flow's deep sigmoid net past the round-off share the method answers to)
    x = np.linspace(0.2, 0.9, 16)
    f = lambda x: 1e-12 * dnp.sin(x[7]) + dnp.sum(dnp.cosh(x[:7])) + dnp.sum(dnp.cosh(x[8:]))  # noqa: E731
    p = dl.prepare(f, x, method="numeric")
    with warnings.catch_warnings(record=True) as said, counting() as cost:
        warnings.simplefilter("always")
        g = p.grad(x)
    assert cost.evals == 40
    assert g[7] == 0 and any("d f[0]/d x[7] (flat) is 0" in str(w.message) for w in said)
    np.testing.assert_allclose(g[8:], np.sinh(x[8:]), rtol=1e-9)
