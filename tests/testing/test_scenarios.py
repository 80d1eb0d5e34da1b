"""Known-answer scenarios: the seeds' published numbers, and every formula agrees with difflab."""

import numpy as np
import pytest
from hypothesis import given, settings

import difflab as dl
from difflab.testing import SCENARIOS, check_grad, check_hessian, get_scenario
from difflab.testing.strategies import scenarios, symbolic_settings


def test_the_seed_articles_published_numbers():
    assert get_scenario("tape").gradient == (15.0, 10.0)
    assert get_scenario("diamond").gradient == (96.0, 288.0, 288.0)
    assert get_scenario("quartic").gradient == 108.0 and get_scenario("quartic").hessian == 108.0
    np.testing.assert_allclose(get_scenario("sigmoid-neuron").gradient, [-0.44569, -0.66854], atol=5e-6)


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_formulas_are_the_derivatives(s):
    assert check_grad(s.function, s.formula, *s.args, argnums=s.argnums)
    if s.hessian_formula is not None:
        assert check_hessian(s.function, s.hessian_formula, *s.args, argnums=s.argnums)


@settings(symbolic_settings, max_examples=30, derandomize=True)
@given(scenarios())
def test_formulas_hold_at_drawn_points(s):
    assert check_grad(s.function, s.formula, *s.args, argnums=s.argnums, reference="reverse")


def test_lookup():
    assert get_scenario("tape").at(1.0, 2.0).gradient == (10.0, 5.0)
    assert repr(get_scenario("quartic")) == "<Scenario quartic at (3.0,)>"
    with pytest.raises(KeyError, match="known: tape"):
        get_scenario("nope")
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)
    assert dl.grad(get_scenario("quartic").function)(3.0) == 108.0
