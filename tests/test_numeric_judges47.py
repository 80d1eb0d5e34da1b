"""numeric47: numeric differentiation's last silent answers (issue 11).

central4's trigger (its own central differences at h and 2h, no evaluation) now judges the derivative's change over
the step from h and from 2h too: where the odd part's changes cancel (arcsinh(653·x): D_1 and D_2 both 1.5 off) or
the extremum's scale itself is unresolved (cosh(3261·x) near 0: the step straddles 2.4 of f's length scales), the
even part's do not.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.numeric import Numeric
from difflab.errors import NumericAccuracyWarning

# (op, its derivative by hand, s, a, x): bench/numeric_silent.py 0 1 2's silent central4 answers
CENTRAL4 = {
    "cosh": (dnp.cosh, np.sinh, 3260.5404089542003, 1.27231174703939, 5.871574389750665e-07),  # 220 % off
    "arcsinh": (dnp.arcsinh, lambda u: 1.0 / np.sqrt(1.0 + u * u), 652.8081046654462, -0.6195790312810469,
                -0.0013370277822660208),  # 0.5 % off
}  # fmt: skip


def _said(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = call()
    return got, any(issubclass(w.category, NumericAccuracyWarning) for w in caught)


@pytest.mark.parametrize("name", sorted(CENTRAL4))
def test_central4_says_a_step_its_own_central_differences_do_not_flag(name):
    op, dop, s, a, x = CENTRAL4[name]
    got, said = _said(lambda: dl.grad(lambda x: a * op(s * x), method=Numeric(scheme="central4"))(x))
    exact = a * s * dop(s * x)  # by hand
    assert abs(got - exact) > 1e-3 * abs(exact)  # off beyond the stated accuracy ...
    assert said  # ... and said


def test_central4_stays_quiet_and_costs_what_it_did_where_resolved():
    # the same ops at a hundredth of the scale (s·h ~ 0.005–0.024: central4 right to 1e-6): no trigger, no warning
    for name, (op, dop, s, a, x) in CENTRAL4.items():
        f = lambda x, op=op, s=s, a=a: a * op(s / 100.0 * x)  # noqa: E731
        p = dl.prepare(f, x, method=Numeric(scheme="central4"))
        got, said = _said(lambda: p.grad(x))
        assert not said and p.prepared.cost.evals == 4 + 1, name  # f(x) and its 4 points
        np.testing.assert_allclose(got, a * s / 100.0 * dop(s / 100.0 * x), rtol=1e-6)


def test_nested_numeric_says_a_step_whose_even_part_is_small_against_its_truncation():
    # arcsinh(653·x) at -1.3e-3 by numeric of numeric: 0.3 % off, its outer level's E/O 1.3e-2 under the grown
    # share 2e-2 (its third derivative large against its second); NESTED caps that share at 5e-3
    _, _, s, a, x = CENTRAL4["arcsinh"]
    H, said = _said(lambda: dl.hessian(lambda x: a * dnp.arcsinh(s * x), method=("numeric", "numeric"))(x))
    u = s * x
    exact = -a * s * s * u / (1.0 + u * u) ** 1.5  # by hand
    assert abs(H - exact) > 1e-3 * abs(exact)  # off beyond the stated accuracy ...
    assert said  # ... and said


# Richardson on a feature about as wide as its smallest step: the three smallest steps' central differences can
# follow the h² law the table extrapolates by while their even parts' second differences do not
H3 = 0.5 / 1.7**13  # Richardson's smallest default step at |x| ≤ 1
RICHARDSON = {  # (f, f' by hand, w, x / w)
    "tanh": (dnp.tanh, lambda u: 1.0 - np.tanh(u) ** 2, 1.2589 * H3, 2.25),  # 8.7 % off, silently before
    "arctan": (dnp.arctan, lambda u: 1.0 / (1.0 + u * u), 2.0 * H3, 0.5),  # 0.77 %
}


@pytest.mark.parametrize("name", sorted(RICHARDSON))
def test_richardson_says_a_feature_as_wide_as_its_smallest_step(name):
    op, dop, w, t = RICHARDSON[name]
    got, said = _said(lambda: dl.grad(lambda x: op(x / w), method=Numeric(scheme="richardson"))(t * w))
    exact = dop(t) / w
    assert abs(got - exact) > 1e-3 * abs(exact)  # off beyond the stated accuracy ...
    assert said  # ... and said


def test_richardson_stays_quiet_on_a_feature_30_steps_wide():
    for name, (op, dop, w, t) in RICHARDSON.items():
        for u in (t, 1.0, -1.7):
            got, said = _said(
                lambda: dl.grad(lambda x: op(x / (30.0 * H3)), method=Numeric(scheme="richardson"))(u * 30.0 * H3)
            )
            assert not said, (name, u)
            np.testing.assert_allclose(got, dop(u) / (30.0 * H3), rtol=1e-6)


def test_nested_numeric_says_a_step_near_a_zero_of_the_third_derivative():
    # arcsinh(340·x) at 1.95e-3 (bench/numeric_silent.py 3 4 5): numeric of numeric 0.18 % off; f''' ~ 0 there makes
    # the outer level's even part small (E/O 2.6e-3) but not its odd part (3.8e-2 of |f'|, under the grown 0.2)
    s, a, x = 340.39645297633757, -0.6860493141785481, 0.0019510053282930377
    H, said = _said(lambda: dl.hessian(lambda x: a * dnp.arcsinh(s * x), method=("numeric", "numeric"))(x))
    u = s * x
    exact = -a * s * s * u / (1.0 + u * u) ** 1.5  # by hand
    assert abs(H - exact) > 1e-3 * abs(exact)  # off beyond the stated accuracy ...
    assert said  # ... and said
