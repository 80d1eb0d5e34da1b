"""The cost of the shape partials of the incomplete gamma and beta functions (issue 17, incjet58): one point's series or
continued fraction is evaluated once, however many of its derivatives an evaluation asks for (betainc_da and
betainc_db, gammainc_da and gammainc_daa, bdtrin's rule and its Newton step), counted by the fractions evaluated
(`_fraction`'s calls), never by a time; the answers keep their values (mpmath's, from tests/test_shapeinv57.py), and
the two ways of running a fraction's steps (Python floats for a few elements, arrays for many) round alike."""

import numpy as np
import pytest

import difflab as dl
from difflab.ops import incomplete

pytest.importorskip("scipy.special")
from difflab.scipy import special as ds  # noqa: E402


@pytest.fixture
def fractions(monkeypatch):
    """The number of elements of each continued fraction evaluated from now on (nothing kept from before)."""
    seen = []
    run = incomplete._fraction

    def counted(*args):
        out = run(*args)
        seen.append(np.size(out[1]))
        return out

    monkeypatch.setattr(incomplete, "_fraction", counted)
    getattr(incomplete, "_cache", {}).clear()
    return seen


def test_one_bdtrin_gradient_evaluates_each_points_fraction_once(fractions):
    # reverse: SciPy's root polished by one Newton step (beta_shape at SciPy's n), then the rule at the polished n:
    # betainc_da and betainc_db at one point. a75773d evaluated 19 fractions (the rule's _binomial_partials three
    # times, each partial its own beta_shape), here 2
    g = dl.grad(ds.bdtrin, argnums=(0, 1, 2), method="reverse")(1.5, 0.4, 0.3)
    np.testing.assert_allclose(g, [3.5664353458033777, -11.750235579020854, -28.60525823936063], rtol=1e-13)
    assert len(fractions) <= 2, fractions


def test_a_forward_hessian_of_bdtrin_evaluates_two_fractions(fractions):
    # (a75773d: 22; betainc_daa/dab/dbb at the point are the same beta_shape as betainc_da/db's)
    h = dl.hessian(ds.bdtrin, argnums=(0, 1, 2), method="forward")(1.5, 0.4, 0.3)
    ref = [
        [-0.048213648621850874, -2.4689216003908387, -12.034210050927285],
        [-2.4689216003908387, 20.704234898617614, 47.45354519725983],
        [-12.034210050927285, 47.45354519725983, 189.9297572876633],
    ]
    np.testing.assert_allclose(np.array(h, dtype=float), ref, rtol=1e-12, atol=1e-12 * 190)
    assert len(fractions) <= 2, fractions


def test_kept_answers_are_copies():
    a, b, x = np.array([2.0, 30.0]), np.array([3.0, 0.5]), np.array([0.4, 0.99])
    first = incomplete.beta_shape(a, b, x)
    first[0][:] = 7.0
    again = incomplete.beta_shape(a, b, x)
    assert again[0][0] == pytest.approx(-0.2408693761, abs=1e-10) and not np.shares_memory(first[0], again[0])


def test_floats_and_arrays_give_the_same_bits(monkeypatch):
    rng = np.random.default_rng(58)
    a, b, x = rng.uniform(0.05, 40.0, 8), rng.uniform(0.05, 40.0, 8), rng.uniform(0.01, 0.99, 8)
    got = []
    for scalar in (0, 10**6):  # (every fraction on arrays, then every one on floats)
        monkeypatch.setattr(incomplete, "_SCALAR", scalar)
        incomplete._cache.clear()
        got.append(incomplete.beta_shape(a, b, x) + incomplete.gamma_shape(a, 2 * a * x + 1))
    for p, q in zip(*got):
        np.testing.assert_array_equal(p, q)
