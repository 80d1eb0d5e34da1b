"""review49: edge cases of this session's dnp.vectorize and difflab.scipy.spatial.distance against NumPy/SciPy.

Each test failed before its fix: vectorize over an empty loop dropped otypes/excluded (NumPy's ValueError
instead of NumPy's empty answer), a signature's core dimensions were not checked (a silent number where NumPy
refuses), SciPy's aliases 'sqeuclid', 'cb', 'c', 'cheby', 'ch', 'm', 's', 'mah', 'co' and upper case were
refused, a negative or wrongly sized weight gave a number (NaN, or a negative "distance"), and minkowski with
0 < p < 1 was refused although SciPy gives its value.
"""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.scipy.spatial import distance as D

S = pytest.importorskip("scipy.spatial.distance")

X = np.array([[0.0, 1.0], [2.0, 3.0], [1.0, 5.0]])


def _relu2(t):
    return t * t if t > 0 else 0.0


def test_vectorize_over_an_empty_loop_keeps_otypes_and_excluded():
    v = dnp.vectorize(_relu2, otypes=[float])
    jac = dl.jacobian(lambda x: v(x[:0]))(np.array([1.0]))
    assert jac.shape == (0, 1)
    scaled = dnp.vectorize(lambda a, n: a * n, excluded={1}, otypes=[float])
    assert dl.jacobian(lambda x: scaled(x[:0], 3.0))(np.array([1.0])).shape == (0, 1)
    # the same call with a nonempty loop still differentiates
    np.testing.assert_array_equal(dl.grad(lambda x: scaled(x, 3.0).sum())(np.array([1.0, 2.0])), [3.0, 3.0])


@pytest.mark.parametrize(
    "sig, shapes, match",
    [("(n),(n)->()", [(3,), (1,)], "inconsistent size for core dimension 'n'"), ("(m,n)->()", [(3,)], "too few")],
)
def test_vectorize_refuses_core_dimensions_numpy_refuses(sig, shapes, match):
    args = [np.ones(s) for s in shapes]
    with pytest.raises(ValueError):
        np.vectorize(lambda *a: sum(b.sum() for b in a), signature=sig)(*args)
    f = dnp.vectorize(lambda *a: sum(b.sum() for b in a), signature=sig)
    with pytest.raises(ValueError, match=match):
        dl.grad(lambda x: f(x, *args[1:]))(args[0])


@pytest.mark.parametrize("alias", ["sqeuclid", "cb", "c", "cheby", "ch", "m", "s", "mah", "co", "Euclidean", "COS"])
def test_scipys_metric_aliases(alias):
    np.testing.assert_allclose(D.pdist(X, alias), S.pdist(X, alias), rtol=1e-13, atol=1e-15)
    got = dl.grad(lambda x: D.cdist(x, X[:2], alias).sum(), method="reverse")(X + 0.25)
    canonical = {"m": "minkowski", "s": "seuclidean", "mah": "mahalanobis", "co": "correlation", "COS": "cosine"}
    name = canonical.get(alias, S._METRIC_ALIAS[alias.lower()].canonical_name)
    np.testing.assert_allclose(got, dl.grad(lambda x: D.cdist(x, X[:2], name).sum(), method="reverse")(X + 0.25))


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "cityblock", "minkowski"])
@pytest.mark.parametrize("w, match", [(np.array([1.0, -1.0]), "non-negative"), (np.array([2.0]), "one entry")])
def test_bad_weights_refused_as_scipy_does(metric, w, match):
    with pytest.raises(ValueError):
        S.pdist(X, metric, w=w)
    with pytest.raises(ValueError, match=match):
        D.pdist(X, metric, w=w)
    with pytest.raises(ValueError, match=match):
        dl.grad(lambda x: D.cdist(x, X, metric, w=w).sum())(X)


def test_minkowski_below_one_is_scipys_value_and_differentiates():
    np.testing.assert_allclose(D.pdist(X, "minkowski", p=0.5), S.pdist(X, "minkowski", p=0.5), rtol=1e-13)
    u, v, p = np.array([0.3, 2.0]), np.array([1.0, 0.5]), 0.5
    d = u - v
    want = np.sum(np.abs(d) ** p) ** (1 / p - 1) * np.abs(d) ** (p - 1) * np.sign(d)  # d/du (Σ|d|^p)^(1/p)
    for method in ("forward", "reverse", "numeric"):
        got = dl.grad(lambda x: D.minkowski(x, v, p), method=method)(u)
        np.testing.assert_allclose(got, want, rtol=1e-6 if method == "numeric" else 1e-13)
    with pytest.raises(ValueError, match="greater than 0"):
        D.pdist(X, "minkowski", p=0.0)
