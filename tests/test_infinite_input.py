"""A gradient at an infinite input is NaN with a DomainWarning (DESIGN.md §6, issue 11): it was NaN said by nothing.

There is no derivative at an infinite point: exp(-x·x)'s at inf is NaN for every method (JAX: nan, silently), though
its limit is 0; the warning names the differentiated input and the entry."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import DomainWarning


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_a_gradient_at_an_infinite_input_is_nan_and_said(method):
    g = dl.grad(lambda x: dnp.sum(dnp.exp(-x * x)), method=method)
    with pytest.warns(DomainWarning, match="input 0 is infinite"):
        assert np.isnan(g(np.inf))
    with pytest.warns(DomainWarning, match=r"input 0 is infinite \(entry 1\)"):
        got = g(np.array([1.0, np.inf]))
    assert got[0] == pytest.approx(-2 * np.exp(-1.0), rel=1e-15) and np.isnan(got[1])


def test_finite_and_nan_inputs_say_nothing_new():
    g = dl.grad(lambda x: dnp.exp(-x * x), method="reverse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g(1.0) == pytest.approx(-2 * np.exp(-1.0), rel=1e-15)
        assert np.isnan(g(np.nan))
