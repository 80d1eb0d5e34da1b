"""scatter65: writes by a traced integer index recorded as the registry's put_along (np.put_along_axis, np.put,
`y[i] = v`, `x.at[i].set/.add` with i from np.argsort / np.argmax), so dl.prepare, dl.vmap and dl.jit reuse the
trace at values in another order (main read the indices: the trace specialised, prepare and jit refusing it); and
the numeric method's svd_s scale reading only the singular values f uses (norm(A, 2) at a rank-deficient A: main's
NaN with a DomainWarning). Gradients: JAX 0.4's (x64) as literals; duplicates: NumPy's value, the last write's
derivative (JAX leaves them unspecified)."""

import warnings

import numpy as onp
import pytest

import difflab as dl
import difflab.numpy as np
from difflab.errors import DomainWarning

METHODS = ("symbolic", "numeric", "forward", "reverse")


def _close(method):
    return dict(rtol=1e-6, atol=1e-7) if method == "numeric" else dict(rtol=1e-12, atol=1e-12)


def topk(x):
    """Top-2 of each row by argsort, squashed and scattered back into zeros by np.put_along_axis."""
    X = x.reshape(3, 4)
    order = np.argsort(-X, axis=1)[:, :2]
    top = np.take_along_axis(X, order, axis=1)
    Z = np.zeros_like(X)
    np.put_along_axis(Z, order, np.tanh(top) * 2.0, axis=1)
    return np.sum(Z * X) + np.sum(Z**2 * onp.arange(12.0).reshape(3, 4))


def putflat(x):
    """np.put into zeros at the three smallest entries' positions."""
    z = np.zeros_like(x)
    np.put(z, np.argsort(x)[:3], np.sin(x[:3]))
    return np.sum(z * onp.arange(1.0, 6.0)) + np.sum(z * x)


def rows(x):
    """A row picked by np.argmax overwritten by item assignment (y[i] = v, i a traced 0-d integer)."""
    X = x.reshape(4, 3)
    Y = X * 1.0
    Y[np.argmax(X[:, 0])] = X[0] ** 2
    return np.sum(Y * np.cos(X))


def atadd(x):
    """JAX's spelling: x.at[argsort(x)[:2]].add(...) and x.at[argmax(x)].set(...)."""
    i = np.argsort(x)[:2]
    return np.sum(x.at[i].add(x[:2] ** 2) ** 2) + np.sum(x.at[np.argmax(x)].set(3.0 * x[0]) ** 3)


def cols(x):
    """A column picked by np.argmax written by `Y[:, i] = v`, then a row by np.argmin zeroed (`Y[i] = 0.0`)."""
    X = x.reshape(3, 4)
    Y = X.copy()
    Y[:, np.argmax(X[0])] = np.exp(X[:, 1])
    Y[np.argmin(x[:3])] = 0.0
    return np.sum(Y * np.sin(X))


X0 = onp.array([0.3, -1.2, 0.8, 0.5, 1.1, -0.4, 0.2, 0.9, -0.7, 0.6, 1.5, -0.1])
X1 = onp.array([-0.5, 0.7, 0.1, 1.3, 0.4, 0.9, -1.0, 0.2, 1.2, -0.3, 0.0, 0.8])
Y0 = onp.array([0.3, -1.0, 2.0, 0.1, 0.7])
Y1 = onp.array([1.3, 0.2, -2.0, 0.6, -0.4])
# fmt: off
#: name -> (f, ((x, value, gradient) at two points whose orders differ)): jax.value_and_grad's (x64)
CASES = {
    "topk": (topk, (
        (X0, 81.79912792699945, [0.0, 0.0, 8.162292816626804, 10.433025824088995, 11.592530609519647, 0.0, 0.0,
                                 21.840607640660288, 0.0, 29.442974557469455, 15.437720315562585, 0.0]),
        (X1, 72.32732854811033, [0.0, 5.166300220577435, 0.0, 7.716840171857399, 11.847579156155033,
                                 16.260161740604513, 0.0, 0.0, 18.67336200934684, 0.0, 0.0, 34.89108235136463]),
    )),
    "putflat": (putflat, (
        (Y0, -1.97242417617765, [1.8646339159512877, 2.510759660720712, -0.5409908875112851, -0.8414709848078965, 0.0]),
        (Y1, -0.12301723194202552, [0.26749882862458735, 3.5990088312440296, 0.04803514501347961, 0.0,
                                    0.19866933079506122]),
    )),
    "rows": (rows, (
        (X0, 2.0114768231895774, [1.361881796073011, -0.9258584326864847, 1.7148285010723883, 0.6378697925882713,
                                  -0.5267319746420018, 0.7652936570794249, 0.9403327116822294, -0.08338425039407071,
                                  0.3138898062181048, -0.05081782260555318, -1.4363927807098384, 0.06389338665397003]),
        (X1, 1.0818140963941927, [0.37037096396368385, 1.6033751978221438, 1.109342817267476, -0.24088954635429824,
                                  -0.19081498773123873, -0.007833269096274836, -0.30116867893975674,
                                  0.9403327116822294, -0.7560891486839978, 0.8666804271272042, 1.0,
                                  0.12282183662754709]),
    )),
    "cols": (cols, (
        (X0, 4.280154812074688, [0.5821211533990214, -1.1508048888803348, 0.20984402825576315, 0.9182168195493894,
                                 0.0, 0.0, 0.0, 0.0, -1.179607218336833, 2.877398210727369, 0.12889158504573633,
                                 -0.19933383317463074]),
        (X1, 3.929413672525544, [0.0, 0.0, 0.0, 0.0, 0.7578427399098047, 1.8314235851860832, -1.3817732906760363,
                                 2.4105748039992627, 1.3668683913392345, -0.05069069054364428, 0.0,
                                 0.5161330247555819]),
    )),
    "atadd": (atadd, (
        (Y0, 6.7181, [7.067999999999998, -3.2200000000000006, 4.0, 2.23, 2.8699999999999997]),
        (Y1, 53.79470000000002, [137.87800000000004, 0.23200000000000004, 11.38, 2.2800000000000002,
                                 -0.23999999999999988]),
    )),
}
# fmt: on


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(CASES))
def test_traced_index_writes_fresh_and_prepared(name, method):
    """Each method's value and gradient at both points equal JAX's, fresh and from one dl.prepare at the first point
    (main: prepare refused, 'specialised to its input values'); no warning."""
    f, points = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x, value, grad in points[: 1 if method == "symbolic" else 2]:  # (symbolic: its build once a point)
            v, g = dl.value_and_grad(f, method=method)(x)
            assert float(v) == pytest.approx(value, rel=1e-12)
            onp.testing.assert_allclose(g, grad, **_close(method))
        p = dl.prepare(f, points[0][0], method=method)
        for x, value, grad in points * 2:
            assert float(p(x)) == pytest.approx(value, rel=1e-12)
            onp.testing.assert_allclose(p.grad(x), grad, **_close(method))


@pytest.mark.parametrize("name", list(CASES))
def test_traced_index_writes_vmapped_and_jitted(name):
    """dl.vmap of the gradient over both points in one batch (rows in different orders) and dl.jit's value at both
    points (main: refused by name, the trace specialised to the first row's indices)."""
    f, ((x0, v0, g0), (x1, v1, g1)) = CASES[name]
    G = dl.vmap(dl.grad(f))(onp.stack([x0, x1]))
    onp.testing.assert_allclose(G, [g0, g1], rtol=1e-12, atol=1e-12)
    j = dl.jit(f)
    assert [float(j(x0)), float(j(x1)), float(j(x0))] == pytest.approx([v0, v1, v0], rel=1e-12)


def dup(x):
    """y[idx] = values with a position written twice: NumPy keeps the last write (20·x1 at argsort(x)[0])."""
    z = x * 1.0
    i = np.argsort(x)
    idx = np.concatenate([i[:1], i[:1], i[1:2]])
    z[idx] = onp.array([10.0, 20.0, 30.0]) * x[:3]
    return np.sum(z * onp.arange(1.0, 5.0))


def dup_along(x):
    """np.put_along_axis writing each row's argmax position twice (axis 1): the second write kept."""
    X = x.reshape(2, 3)
    k = np.argmax(X, axis=1, keepdims=True)
    Z = X * 1.0
    np.put_along_axis(Z, np.concatenate([k, k], axis=1), np.stack([X[:, 0] * 5.0, X[:, 1] ** 2], axis=1), axis=1)
    return np.sum(Z * onp.arange(1.0, 7.0).reshape(2, 3))


@pytest.mark.parametrize("method", METHODS)
def test_repeated_positions_keep_numpys_last_write_and_its_derivative(method):
    """A position written twice: NumPy's value (the last write) and the derivative of that write only, by every
    method, prepared too, at a second point in another order."""
    xd = onp.array([0.5, -1.0, 2.0, 0.1])
    ref = xd.copy()
    i = onp.argsort(xd)
    ref[onp.concatenate([i[:1], i[:1], i[1:2]])] = onp.array([10.0, 20.0, 30.0]) * xd[:3]
    assert float(onp.sum(ref * onp.arange(1.0, 5.0))) == 206.5
    # z = (x0, 20·x1, x2, 30·x2): 1·x0 + 2·20·x1 + 3·x2 + 4·30·x2; the first write (10·x0 at 1) has no derivative
    v, g = dl.value_and_grad(dup, method=method)(xd)
    assert float(v) == pytest.approx(206.5, rel=1e-12)
    onp.testing.assert_allclose(g, [1.0, 40.0, 123.0, 0.0], **_close(method))
    x2 = onp.array([-1.0, 0.5, 2.0, 0.1])  # argsort (0, 3, 1, 2): z = (20·x1, x1, x2, 30·x2)
    v2, g2 = dl.value_and_grad(dup, method=method)(x2)
    assert float(v2) == pytest.approx(20 * 0.5 + 2 * 0.5 + 3 * 2.0 + 4 * 30 * 2.0, rel=1e-12)
    onp.testing.assert_allclose(g2, [0.0, 22.0, 123.0, 0.0], **_close(method))
    # rows of X = [[1, 3, 2], [4, 0, 5]]: argmax (1, 2); Z[0, 1] = X[0, 1]², Z[1, 2] = X[1, 1]²
    xa = onp.array([1.0, 3.0, 2.0, 4.0, 0.0, 5.0])
    v, g = dl.value_and_grad(dup_along, method=method)(xa)
    assert float(v) == pytest.approx(1 + 2 * 9 + 3 * 2 + 4 * 4 + 0 + 6 * 0, rel=1e-12)
    onp.testing.assert_allclose(g, [1.0, 12.0, 3.0, 4.0, 5.0, 0.0], **_close(method))
    p = dl.prepare(dup, xd, method=method)
    onp.testing.assert_allclose(p.grad(x2), [0.0, 22.0, 123.0, 0.0], **_close(method))


def test_put_modes_and_errors_by_a_traced_index():
    """np.put's mode='wrap' and 'clip' on a traced index, and an index out of range at a reused trace: NumPy's
    IndexError, never a wrapped position."""

    def wrapped(x, mode):
        z = np.zeros_like(x)
        np.put(z, np.argsort(x)[:2] + 3, x[:2] * 2.0, mode=mode)
        return np.sum(z * onp.arange(1.0, 5.0))

    x = onp.array([0.3, -1.0, 2.0, 0.1])  # argsort + 3 = (4, 6): wrap (0, 2), clip (3, 3)
    onp.testing.assert_array_equal(dl.grad(lambda x: wrapped(x, "wrap"))(x), [2.0, 6.0, 0.0, 0.0])
    onp.testing.assert_array_equal(dl.grad(lambda x: wrapped(x, "clip"))(x), [0.0, 8.0, 0.0, 0.0])

    def shifted(x):
        z = np.zeros_like(x)
        np.put(z, np.argmax(x) + 2, x[0])
        return np.sum(z)

    p = dl.prepare(shifted, onp.array([3.0, 0.0, 0.0, 0.0]))
    assert float(p(onp.array([3.0, 0.0, 0.0, 0.0]))) == 3.0
    with pytest.raises(IndexError, match="out of bounds"):
        p(onp.array([0.0, 0.0, 3.0, 0.0]))


# -- numeric's norm(A, 2) at a rank-deficient A --------------------------------------------------------------

A = onp.array([[1.0, 2.0], [2.0, 4.0]])  # σ = (5, 0)


def test_numeric_spectral_norm_at_a_rank_deficient_matrix():
    """norm(A, 2) = σ₀ is smooth where σ₀ is simple, whatever the zero σ₁ does: numeric's gradient u₀v₀ᵀ =
    [[.2, .4], [.4, .8]] with no warning (main: NaN and a DomainWarning from svd_s's scale, the least σ), as the
    exact methods give; prepared, vmapped beside a full-rank matrix, batched, and svdvals(B)[0] of a 3x3 of rank 2."""
    f = lambda A: np.linalg.norm(A, 2)  # noqa: E731
    want = [[0.2, 0.4], [0.4, 0.8]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in METHODS:
            onp.testing.assert_allclose(dl.grad(f, method=method)(A), want, **_close(method))
        onp.testing.assert_allclose(dl.prepare(f, A, method="numeric").grad(A), want, rtol=1e-6, atol=1e-7)
        S = onp.stack([A, onp.diag([1.0, 0.5])])
        G = dl.vmap(dl.grad(f, method="numeric"))(S)
        onp.testing.assert_allclose(G, [want, [[1.0, 0.0], [0.0, 0.0]]], rtol=1e-6, atol=1e-7)
        g = dl.grad(lambda S: np.sum(np.linalg.norm(S, 2, axis=(1, 2))), method="numeric")(S)
        onp.testing.assert_allclose(g, [want, [[1.0, 0.0], [0.0, 0.0]]], rtol=1e-6, atol=1e-7)
        B = onp.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])
        top = lambda B: np.linalg.svdvals(B)[0]  # noqa: E731
        onp.testing.assert_allclose(
            dl.grad(top, method="numeric")(B), dl.grad(top, method="reverse")(B), rtol=1e-6, atol=1e-7
        )
        H = dl.hessian(f, method="numeric")(A).reshape(4, 4)
    onp.testing.assert_allclose(H, dl.hessian(f, method="reverse")(A).reshape(4, 4), atol=1e-5)


@pytest.mark.parametrize("ord", [-2, "nuc"])
def test_numeric_still_says_the_zero_singular_values_cusp_where_f_reads_it(ord):
    """norm(A, -2) = σ₁ and the nuclear norm σ₀ + σ₁ read the zero σ₁, whose |σ| is a cusp there: numeric still
    answers NaN with a DomainWarning naming svd_s (no one-sided difference taken for a derivative)."""
    with pytest.warns(DomainWarning, match="svd_s"):
        g = dl.grad(lambda A: np.linalg.norm(A, ord), method="numeric")(A)
    assert onp.isnan(g).all()
