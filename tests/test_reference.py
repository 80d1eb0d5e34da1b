"""The one reference-derivative policy (difflab.reference) that compare, the oracle and the
experiments share: the same function gets the same reference, by the same rule, everywhere."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab import reference as policy
from difflab.testing import check_jacobian


def _small(x):
    return dnp.sin(x) * x


def _large(x):  # 40 scalar operations on the tape: over EXACT_MAX_SCALARS
    return dnp.tanh(x) * x


def test_small_functions_get_the_40_digit_value_and_large_ones_reverse_mode():
    small, large = np.linspace(0.1, 1.0, 3), np.linspace(0.1, 1.0, 20)
    r = policy.reference(_small, small)
    assert r.how == policy.SYMBOLIC and r.exact
    np.testing.assert_allclose(r.value, np.diag(np.cos(small) * small + np.sin(small)), rtol=1e-15)
    r = policy.reference(_large, large)
    assert r.how == policy.REVERSE and not r.exact
    np.testing.assert_allclose(r.value, np.diag((1 - np.tanh(large) ** 2) * large + np.tanh(large)), rtol=1e-14)
    # insisting on the 40-digit value works whatever the size, and skipping it too
    assert policy.reference(_large, large, how="symbolic").how == policy.SYMBOLIC
    assert policy.reference(_small, small, how="reverse").how == policy.REVERSE
    with pytest.raises(ValueError, match="unknown reference 'exact'"):
        policy.reference(_small, small, how="exact")


def test_compare_and_the_oracle_follow_the_policy():
    for f, x in ((_small, np.linspace(0.1, 1.0, 3)), (_large, np.linspace(0.1, 1.0, 20))):
        want = policy.reference(f, x)
        assert dl.compare(f, x).reference == want.how
        result = check_jacobian(f, lambda x: want.value, x)
        assert ("symbolic" in result.reference) == want.exact


def test_argnums_pick_leaves_in_order():
    f = lambda x, y: dnp.sin(x) * y**2  # noqa: E731
    r = policy.reference(f, 0.5, 3.0, argnums=(1, 0))
    np.testing.assert_allclose(r.value, [[2 * 3.0 * np.sin(0.5), np.cos(0.5) * 9.0]], rtol=1e-15)
    with pytest.raises(ValueError, match="out of range"):
        policy.reference(f, 0.5, 3.0, argnums=2)


def test_outside_the_domain_the_reference_is_nan_as_every_method():
    # SymPy's d log(x)/dx = 1/x is -1 at x = -1, where log(-1) is NaN and every method's derivative NaN (DESIGN.md §6):
    # the reference was -1 there (the explorer showed "exact: -1" beside four NaNs), while sqrt's at -2 was NaN
    import warnings

    from difflab.explore import explore

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = policy.reference(lambda x, y: dnp.log(x) + y, -1.0, 2.0, argnums=(0, 1), how="symbolic")
        assert r.how == policy.SYMBOLIC and np.isnan(r.value).all()  # f is NaN: no derivative, in x or y
        r = policy.reference(lambda x: dnp.stack([dnp.log(x[0]), x[1] * 3.0]), np.array([-1.0, 2.0]))
        np.testing.assert_array_equal(r.value, [[np.nan, np.nan], [0.0, 3.0]])  # only the NaN output's row
        # a NaN intermediate f does not use keeps its exact derivative (where's branch not taken)
        r = policy.reference(lambda x: dnp.where(x > 0, dnp.log(x), x * 2.0), -1.0)
        assert r.value.tolist() == [[2.0]]
        # symbolic cannot order log(-1) = iπ: the reverse-mode reference, which was 0 (dl.grad: NaN)
        r = policy.reference(lambda x: dnp.maximum(dnp.log(x), x), -1.0)
        assert r.how == policy.REVERSE and np.isnan(r.value).all()
        record = explore("log(x)", "x=-1")
    assert record["reference"]["grad"] == {"x": "NaN"}
    assert {m: v["abs_error"]["x"] for m, v in record["methods"].items()} == dict.fromkeys(record["methods"], 0.0)
