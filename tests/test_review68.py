"""review68: the stop's merged changes reviewed as a user. A user's numeric step that moves no watched op beyond
its scale builds no reach table (`scales._user_run` asks `Watch.near` first: the table cost 3x f's own run); the
custom rules' closure scan looks at a list, tuple or dict once (a list holding itself was a RecursionError)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab import rules
from difflab.differentiators import scales
from difflab.errors import NumericAccuracyWarning


def f(x):
    return dnp.sum(dnp.sin(x) * dnp.exp(x / 2))


@pytest.mark.parametrize("scheme, step", [("richardson", 1e-4), ("central", 1e-5), ("forward", 1e-8)])
def test_a_good_user_step_builds_no_reach_table(monkeypatch, scheme, step):
    calls = []
    reach = scales.Watch.reach
    monkeypatch.setattr(scales.Watch, "reach", staticmethod(lambda *a: calls.append(1) or reach(*a)))
    x = np.linspace(0.1, 1.0, 7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericAccuracyWarning)
        got = dl.grad(f, method=dl.Numeric(scheme=scheme, step=step))(x)
    np.testing.assert_allclose(got, np.cos(x) * np.exp(x / 2) + np.sin(x) * np.exp(x / 2) / 2, rtol=1e-6)
    assert calls == []  # (main: one table of every point, 3x f's run at richardson's 8400 points)


def test_a_step_spanning_periods_is_still_said():
    method = dl.Numeric(scheme="central", step=0.44)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dl.grad(lambda x: dnp.sum(dnp.sin(100 * x)), method=method)(np.array([0.3]))
    assert any("step=0.44 is too large" in str(w.message) for w in caught)


def _rule_holding(holder):
    @dl.custom_vjp
    def g(x):
        return dnp.sin(x)

    def fwd(x):
        return dnp.sin(x), x

    def bwd(res, ct):
        assert holder is not None
        return (ct * dnp.cos(res),)

    g.defvjp(fwd, bwd)
    return g


class _Holder:
    pass


def test_closure_scan_looks_at_a_self_referencing_list_once():
    holder = _Holder()
    holder.history = []
    holder.history.append(holder.history)  # (a list holding itself: main recursed without end)
    holder.table = {"me": holder.history}
    g = _rule_holding(holder)
    got = dl.grad(lambda x: dnp.sum(g(x)))(np.array([0.3, 0.5]))
    np.testing.assert_allclose(got, np.cos([0.3, 0.5]))


def test_closure_scan_of_deeply_nested_tuples_stops():
    chain: tuple = ()
    for _ in range(3000):
        chain = (chain,)
    assert rules._closed_tracers([lambda: chain]) == []
