"""numeric48: numeric differentiation's last silent answers (issue 11).

A function constant to its last bit over the step (expm1 at -111: -1 + 2.6e-49) gives 0 by every scheme: what
differences of its floats give, whatever the step, while its derivative is not 0. The probe of zeros where f did
not move (`offsets.absorbed`) now also finds an elementwise op whose argument moved, whose value did not, and whose
slope (its rule's, of one sign at both ends) times that change is below two ulps of its value, and says it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators.numeric import Numeric
from difflab.errors import NumericAccuracyWarning


def _said(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = call()
    return np.asarray(got), [str(w.message) for w in caught if issubclass(w.category, NumericAccuracyWarning)]


METHODS = {
    "central": lambda f: dl.grad(f, method="numeric"),
    "central4": lambda f: dl.grad(f, method=Numeric(scheme="central4")),
    "richardson": lambda f: dl.grad(f, method=Numeric(scheme="richardson")),
    "hessian": lambda f: dl.hessian(f, method="numeric"),
    "nested": lambda f: dl.hessian(f, method=("numeric", "numeric")),
}


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_function_constant_to_its_last_bit_is_said(method):
    # bench/numeric_silent.py 5's expm1(5.96·x)·1.34 at x = -18.7 (s·x = -111.5): every scheme's 0, silently before
    s, a, x = 5.956845996470281, 1.3351791816522625, np.array([-18.719807883484037])
    got, said = _said(lambda: METHODS[method](lambda x: dnp.sum(dnp.expm1(s * x) * a))(x))
    exact = a * s ** (1 + (method in ("hessian", "nested"))) * np.exp(s * x[0])  # by hand: 3.0e-48 (1.8e-47)
    assert exact > 0 and np.all(got == 0.0)  # off by all of it ...
    assert any("expm1" in m and "constant to its last bit" in m for m in said), said  # ... and said, naming the op


@pytest.mark.parametrize("method", sorted(METHODS))
def test_flat_in_doubles_where_the_exact_methods_agree_stays_quiet(method):
    # tanh at 25: its rule's 1 - tanh² is 0 there too (forward and reverse give 0); cos(1e-6·x) at 0: an extremum
    # between the probe's ends (its slopes' signs differ), truly 0; 0·sin(x): a factor 0
    for f, x in (
        (lambda x: dnp.sum(dnp.tanh(5.0 * x)), np.array([5.0])),
        (lambda x: dnp.sum(dnp.cos(1e-6 * x)), np.array([0.0])),
        (lambda x: dnp.sum(dnp.sin(x) * 0.0) + x[1], np.array([0.3, 2.0])),
    ):
        got, said = _said(lambda: METHODS[method](f)(x))
        ref = (dl.hessian(f, method="forward") if method in ("hessian", "nested") else dl.grad(f, method="reverse"))(x)
        assert not said, said
        np.testing.assert_allclose(got, ref, atol=1e-9)


# central4's own estimate (widths.py: 0.8·its change from the ±3h stencil, 4b + 56c for its error 4b + 20c) undershoots
# where the next term's sign is the leading one's opposite: (op, its derivative by hand, s, a, x), 0.11 % off silently
CENTRAL4 = {
    "arcsinh": (dnp.arcsinh, lambda u: 1.0 / np.sqrt(1.0 + u * u), 351.740379674753, -0.6921901488097996,
                1.1175635605501825e-05),  # bench/numeric_silent.py 7: estimate 0.86e-3 for 1.14e-3
    "tanh": (dnp.tanh, lambda u: 1.0 - np.tanh(u) ** 2, 311.5787536824343, -0.6772479701462782,
             -0.0005850389623496892),  # 9: 0.92e-3 for 1.06e-3
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CENTRAL4))
def test_central4_says_an_error_its_own_estimate_undershoots(name):
    op, dop, s, a, x = CENTRAL4[name]
    got, said = _said(lambda: dl.grad(lambda x: a * op(s * x), method=Numeric(scheme="central4"))(x))
    exact = a * s * dop(s * x)  # by hand
    assert abs(got - exact) > 1e-3 * abs(exact)  # off beyond the stated accuracy ...
    assert any("f varies within the default step" in m for m in said), said  # ... and said


def test_central4_stays_quiet_where_its_error_is_a_quarter_of_the_accuracy():
    # the same at 0.7 of the scale (its error ~(0.7)⁴ = 0.24 of it, ~2.7e-4): right, and quiet
    for name, (op, dop, s, a, x) in CENTRAL4.items():
        got, said = _said(lambda: dl.grad(lambda x: a * op(0.7 * s * x), method=Numeric(scheme="central4"))(x))
        assert not said, (name, said)
        np.testing.assert_allclose(got, a * 0.7 * s * dop(0.7 * s * x), rtol=1e-3)


# round-off: an entry above its bound is said where the bound exceeds FIRM_SHARE (5e-3) of it, not SHARE (1e-2): its
# error is up to ~0.56 of the bound where f is a sum of terms larger than f (bench/numeric_silent.py 4 and 8)
TANH3 = (64.61743237635018, [-0.4535367107292573, -0.902162768692738, 0.9184895570800916],
         [-0.42190236405385884, 0.24665825188798052, 0.19385691186808374])  # fmt: skip


def _tanh_sum(s, a):
    return lambda x: dnp.sum(dnp.tanh(s * x) * np.asarray(a))


def test_central_says_an_entry_whose_round_off_bound_is_half_a_percent_of_it():
    s, a, x = TANH3
    x = np.array(x)
    got, said = _said(lambda: dl.grad(_tanh_sum(s, a), method="numeric")(x))
    exact = s * np.asarray(a) * (1.0 - np.tanh(s * x) ** 2)  # by hand: 3.13e-9 for x[2]
    assert abs(got[2] - exact[2]) > 1e-3 * abs(exact[2])  # 0.31 % off ...
    assert any("round-off bound" in m for m in said), said  # ... and said (its bound 5.5e-3 of it)


def test_nested_numeric_says_an_entry_whose_round_off_bound_is_under_a_percent_of_it():
    s, a, x = (
        1.2194219452379083,
        [-0.6769083768932984, -0.46685364579218674],
        np.array([52.81515605656392, -8.26156083221884]),
    )
    H, said = _said(lambda: dl.hessian(_tanh_sum(s, a), method=("numeric", "numeric"))(x))
    t = np.tanh(s * x[1])
    exact = -2.0 * a[1] * s * s * t * (1.0 - t * t)  # by hand: -9.866e-9
    assert abs(H[1, 1] - exact) > 1e-3 * abs(exact)  # 0.14 % off ...
    assert any("round-off bound" in m for m in said), said  # ... and said (its bound 9.3e-3 of it)


def test_round_off_well_under_the_share_stays_quiet():
    # the same sum where no tanh saturates (s·x 6.5, 7.8, -3.2: its bounds ~1e-7 of its entries): right and quiet
    s, a, _ = TANH3
    x = np.array([0.1, 0.12, -0.05])
    for method in ("numeric", Numeric(scheme="richardson")):
        got, said = _said(lambda: dl.grad(_tanh_sum(s, a), method=method)(x))
        assert not said, said
        np.testing.assert_allclose(got, dl.grad(_tanh_sum(s, a), method="reverse")(x), rtol=1e-6)
