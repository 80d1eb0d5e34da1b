"""difflab.scipy.spatial.distance: SciPy's values, derivatives by every method, and its refusals."""

import numpy as np
import pytest

import difflab as dl
from difflab.scipy.spatial import distance as dd

sd = pytest.importorskip("scipy.spatial.distance")

rng = np.random.default_rng(49)
A, B, W = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.uniform(0.5, 2.0, 3)
METRICS = [
    ("euclidean", {}),
    ("euclidean", {"w": W}),
    ("sqeuclidean", {}),
    ("cityblock", {"w": W}),
    ("minkowski", {"p": 3}),
    ("minkowski", {"p": 3, "w": W}),
    ("chebyshev", {}),
    ("cosine", {}),
    ("correlation", {}),
    ("seuclidean", {}),
    ("mahalanobis", {}),
    ("braycurtis", {}),
    ("canberra", {}),
]


@pytest.mark.parametrize("metric, kw", METRICS)
def test_values_are_scipys_and_exact_methods_agree(metric, kw):
    XA = np.vstack([A, A + 0.5]) if metric == "mahalanobis" else A  # (enough rows for an invertible covariance)
    np.testing.assert_allclose(dd.cdist(XA, B, metric, **kw), sd.cdist(XA, B, metric, **kw), rtol=1e-13)
    np.testing.assert_allclose(dd.pdist(XA, metric, **kw), sd.pdist(XA, metric, **kw), rtol=1e-13)
    grads = [
        dl.grad(lambda X: np.sum(dd.cdist(X, B, metric, **kw) ** 2), method=m)(XA)
        for m in ("reverse", "forward", "symbolic")
    ]
    for g in grads[1:]:
        np.testing.assert_allclose(g, grads[0], rtol=1e-11, atol=1e-12)


def test_gradients_against_closed_forms_and_zero_distances():
    """d/dx Σ_b |x - b| = Σ (x - b)/|x - b|; cdist(X, X)'s zero diagonal adds 0 (norm's convention), not NaN;
    cosine's gradient against its quotient rule; numeric within its tolerance."""
    want = np.sum((A[:, None] - B[None]) / np.linalg.norm(A[:, None] - B[None], axis=-1)[..., None], axis=1)
    for method in ("reverse", "forward", "symbolic", "numeric"):
        got = dl.grad(lambda X: np.sum(dd.cdist(X, B)), method=method)(A)
        np.testing.assert_allclose(got, want, rtol=1e-6 if method == "numeric" else 1e-13)
    self_pairs = dl.grad(lambda X: np.sum(dd.cdist(X, X)))(A)
    diff = A[:, None] - A[None]
    norms = np.linalg.norm(diff, axis=-1)
    np.fill_diagonal(norms, np.inf)
    np.testing.assert_allclose(self_pairs, 2 * np.sum(diff / norms[..., None], axis=1), rtol=1e-13)
    u, v = A[0], B[0]
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    cos_grad = -(v / (nu * nv) - (u @ v) * u / (nu**3 * nv))
    np.testing.assert_allclose(dl.grad(lambda u: dd.cosine(u, v))(u), cos_grad, rtol=1e-13)


def test_squareform_pairs_and_a_python_metric():
    d = dd.pdist(A)
    np.testing.assert_array_equal(dd.squareform(d), sd.squareform(sd.pdist(A)))
    np.testing.assert_array_equal(dd.squareform(dd.squareform(d)), d)
    # Σ of the square matrix counts each pair twice
    np.testing.assert_allclose(
        dl.grad(lambda X: np.sum(dd.squareform(dd.pdist(X))))(A),
        2 * dl.grad(lambda X: np.sum(dd.pdist(X)))(A),
        rtol=1e-14,
    )
    by_hand = dl.grad(lambda X: np.sum(dd.pdist(X, lambda u, v: np.sum(np.abs(u - v)))))(A)
    np.testing.assert_array_equal(by_hand, dl.grad(lambda X: np.sum(dd.pdist(X, "cityblock")))(A))
    assert dd.minkowski(A[0], A[1], 3) == pytest.approx(sd.minkowski(A[0], A[1], 3), rel=1e-14)


def test_refusals_name_the_problem():
    with pytest.raises(ValueError, match=r"metric 'hamming'.*piecewise constant"):
        dd.cdist(A, B, "hamming")
    with pytest.raises(TypeError, match=r"'chebyshev' takes no keyword arguments here, not w"):
        dd.cdist(A, B, "chebyshev", w=W)
    with pytest.raises(ValueError, match=r"same number of columns"):
        dd.cdist(A, B[:, :2])
    with pytest.raises(TypeError, match=r"mahalanobis\(u, v, VI\): VI is required"):
        dd.mahalanobis(A[0], A[1])
    with pytest.raises(ValueError, match=r"symmetric with a zero diagonal"):
        dd.squareform(np.arange(9.0).reshape(3, 3))
    with pytest.raises(
        dl.UnsupportedOperationError,
        match=r"scipy\.spatial\.distance\.cdist .* use difflab\.scipy\.spatial\.distance\.cdist",
    ):
        dl.grad(lambda X: np.sum(sd.cdist(X, B)))(A)
