"""Session 55's cuts of a fresh `dl.grad`'s per-leaf work on scalar nets (issue 17 §1): the helpers they added
answer what the code they replaced answered, and the gradient of a scalar net built from Python floats is still the
analytic one, its unreached leaves 0.0, a non-finite leaf's part NaN with its warning (DESIGN.md §6). No timing here:
speed lives in bench/scalar_ab.py (bench/RESULTS.md, "Measured outside run_all")."""

from __future__ import annotations

import math
import random
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import rescaled as rescaled_module
from difflab.errors import DomainWarning, lost_terms
from difflab.graph import picked, raising


@pytest.mark.parametrize("idx", [(), (2,), (0, 2), (3, 1, 0), tuple(range(4))])
def test_picked_is_the_entries_in_order(idx):
    seq = [10.5, 11.5, 12.5, 13.5]
    assert list(picked(seq, idx)) == [seq[i] for i in idx]
    assert list(picked(tuple(seq), idx)) == [seq[i] for i in idx]


def test_underflows_counts_and_restores_the_error_state_it_nests_in():
    with raising():
        with rescaled_module._underflows() as seen:
            _ = np.float64(1e-300) * np.float64(1e-300)  # an underflow: counted, not raised
            assert np.geterr()["divide"] == "raise"  # the sweep's state kept inside
        assert len(seen) == 1
        assert np.geterr()["under"] == "ignore" and np.geterr()["divide"] == "raise"
        with pytest.raises(FloatingPointError):  # left by an exception: the state restored all the same
            with rescaled_module._underflows():
                np.float64(1.0) / np.float64(0.0)
        assert np.geterr()["under"] == "ignore" and np.geterr()["divide"] == "raise"
    assert np.geterr()["divide"] == "warn"


def test_rescaled_takes_the_callers_float_answer():
    # a lost term since the mark, every part a float: swept again at 2^1000 and scaled back, with or without `floats`
    mark = lost_terms()
    parts = [0.0, 0.0]
    sweep = lambda s: [s * 1e-320, s * 3e-310]  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rescaled_module.say_lost_terms()
        a = rescaled_module.rescaled(list(parts), sweep, mark, True, True)
        b = rescaled_module.rescaled(list(parts), sweep, mark, True)
    assert a == b == [(2.0**1000 * 1e-320) * 2.0**-1000, (2.0**1000 * 3e-310) * 2.0**-1000]
    assert a[0] != 0.0


def _net(params, x):
    """A 2-4-1 relu net's squared output on Python floats (or tracers)."""
    (w1, b1), (w2, b2) = params
    h = [dnp.relu(sum((wi * xi for wi, xi in zip(w, x)), b)) for w, b in zip(w1, b1)]
    out = sum((wi * hi for wi, hi in zip(w2, h)), b2)
    return out * out


def _analytic(params, x):
    """The same net's gradient by hand: d(o²) = 2o·do, relu' = 1 above 0."""
    (w1, b1), (w2, b2) = params
    pre = [sum(wi * xi for wi, xi in zip(w, x)) + b for w, b in zip(w1, b1)]
    h = [max(p, 0.0) for p in pre]
    o = sum(wi * hi for wi, hi in zip(w2, h)) + b2
    g_w2 = [2 * o * hi for hi in h]
    g_pre = [2 * o * wi * (1.0 if p > 0 else 0.0) for wi, p in zip(w2, pre)]
    g_w1 = [[gp * xi for xi in x] for gp in g_pre]
    return ((g_w1, g_pre), (g_w2, 2 * o))


def _params(seed):
    rng = random.Random(seed)
    w1 = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(4)]
    return ((w1, [rng.uniform(-0.5, 0.5) for _ in range(4)]), ([rng.uniform(-1, 1) for _ in range(4)], 0.25))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fresh_scalar_net_gradient_is_the_analytic_one(seed):
    params, x = _params(seed), [0.7, -1.3]
    g = dl.grad(_net)(params, x)
    ref = _analytic(params, x)
    (gw1, gb1), (gw2, gb2) = g
    (rw1, rb1), (rw2, rb2) = ref
    flat = [*[v for row in gw1 for v in row], *gb1, *gw2, gb2]
    want = [*[v for row in rw1 for v in row], *rb1, *rw2, rb2]
    assert all(type(v) is float for v in flat)  # Python floats back, of their own
    np.testing.assert_allclose(flat, want, rtol=1e-14, atol=1e-300)
    assert g[1][1] is not params[1][1]
    assert params == _params(seed)  # inputs never mutated


def test_unreached_float_leaves_get_zero_and_an_infinite_leaf_nan():
    # a dead relu unit: its weights are unreached, 0.0 (Python floats)
    params = (([[1.0, 1.0], [-1.0, -1.0], [0.5, 0.0], [0.0, 0.5]], [0.0, 0.0, 0.0, 0.0]), ([1.0, 1.0, 1.0, 1.0], 0.0))
    g = dl.grad(_net)(params, [1.0, 2.0])
    assert g[0][0][1] == [0.0, 0.0] and type(g[0][0][1][0]) is float
    assert g[0][1][1] == 0.0
    # one infinite weight: NaN in its part, said by a DomainWarning naming the input (DESIGN.md §6)
    bad = (([[math.inf, 1.0], *params[0][0][1:]], params[0][1]), params[1])
    with pytest.warns(DomainWarning, match="infinite"):
        gb = dl.grad(_net)(bad, [1.0, 2.0])
    assert math.isnan(gb[0][0][0][0])
