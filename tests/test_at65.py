"""atops65: JAX's x.at[i].multiply/.divide/.power/.min/.max/.apply and x.at[:, i] (.set, .add, .get, ...) with a
traced integer index (np.argsort's, np.argmax's) recorded, not specialised, so dl.prepare and dl.vmap reuse the
trace at values in another order (main: multiply/min/max/... read the index, and x.at[:, i] read it for every
method: prepare refused the trace). A position the index repeats gets every update, in order, as JAX's scatter_mul /
scatter_min / scatter_max and NumPy's ufunc.at. Values and gradients: JAX 0.10's (x64) as literals (JAX refuses
scatter_mul's gradient at repeated indices: its value is JAX's, the gradient JAX's of the same product written out)."""

import numpy as onp
import pytest

import difflab as dl
import difflab.numpy as np

METHODS = ("symbolic", "numeric", "forward", "reverse")
W = onp.arange(1.0, 6.0)
X0 = onp.array([0.3, -1.2, 0.8, 0.5, 1.1])
X1 = onp.array([1.3, 0.2, -0.6, 0.9, -0.4])


def _close(method):
    return dict(rtol=1e-6, atol=1e-7) if method == "numeric" else dict(rtol=1e-12, atol=1e-12)


def _rep(x):
    """argsort(x)[:2] with its first position repeated: three positions, two distinct."""
    i = np.argsort(x)[:2]
    return np.concatenate([i, i[:1]])


def mul(x):
    v = np.stack([x[0] + 2, x[1] * 0.5, x[2] - 1])
    return np.sum(x.at[np.argsort(x)[:3]].multiply(v) * W)


def mulrep(x):
    v = np.stack([x[0] + 2, x[1] * 0.5, x[2] - 1])
    return np.sum(x.at[_rep(x)].multiply(v) * W)


def mins(x):
    v = np.stack([x[0] * 0.5, x[1] - 1, x[2] * 2])
    return np.sum(x.at[_rep(x)].min(v) * W) + np.sum(x.at[np.argmax(x)].max(x[3] * 3) * W)


def maxs(x):
    v = np.stack([x[0] * 0.5, x[1] + 1, x[2] * 2])
    return np.sum(x.at[_rep(x)].max(v) * W)


def divpow(x):
    return np.sum(x.at[np.argmax(x)].divide(x[1] + 3) * W) + np.sum(x.at[np.argmin(x)].power(2.0) * W)


def cols(x):
    X = x[:4].reshape(2, 2) * onp.array([[1.0], [2.0]])
    i = np.argmax(x[:2])
    return (
        np.sum(X.at[:, i].set(x[4] * onp.array([1.0, 3.0])) ** 2)
        + np.sum(X.at[:, i].multiply(x[4]) ** 3)
        + np.sum(X.at[:, np.argmin(x[:2])].get() * x[2])
    )


def two(x):
    """x.at[i, j] by two traced integer indices (.set, .add)."""
    X = x[:4].reshape(2, 2)
    i, j = np.argmax(x[:2]), np.argmin(x[2:4])
    return np.sum(X.at[i, j].set(x[4] ** 2) * onp.array([[1.0, 2.0], [3.0, 4.0]])) + np.sum(X.at[i, j].add(x[4]) ** 2)


def twoset(x):
    """`X[i, j] = v` by two traced integer indices, then x.at[j, 1].multiply and x.at[i, j].get."""
    X = x[:4].reshape(2, 2) * 1.0
    i, j = np.argmax(x[:2]), np.argmin(x[2:4])
    X[i, j] = np.sin(x[4])
    X = X.at[j, 1].multiply(x[0])
    return np.sum(X * onp.array([[1.0, 2.0], [3.0, 4.0]])) + X.at[i, j].get() * x[1]


# fmt: off
#: name -> (f, ((value, gradient) at X0, at X1)): jax.value_and_grad's (x64)
CASES = {
    "mul": (mul, ((1.8000000000000012, [-3.0, 4.75, 5.0, -0.7999999999999998, 5.0]),
                  (-1.8799999999999992, [-0.7999999999999998, -4.2, 10.299999999999999, 4.0, 0.5]))),
    "mulrep": (mulrep, ((10.824, [-0.1200000000000001, -0.7699999999999997, -2.5199999999999996, 4.0, 5.0]),
                        (14.604000000000001, [3.88, 1.0, -21.78, 4.0, 0.5]))),
    "min": (mins, ((15.100000000000001, [1.0, 5.0, 6.0, 23.0, 5.0]),
                   (0.600000000000001, [1.0, 9.0, 9.0, 11.0, 5.0]))),
    "max": (maxs, ((13.4, [1.0, 0.0, 7.0, 4.0, 5.0]), (13.25, [2.5, 7.0, 0.0, 4.0, 0.0]))),
    "divpow": (divpow, ((18.435555555555556, [2.0, -4.497530864197531, 6.0, 8.0, 7.777777777777778]),
                        (4.986250000000001, [1.3125, 3.873046875, -0.5999999999999996, 8.0, 10.0]))),
    "cols": (cols, ((19.139713000000004, [0.3593700000000001, 2.72, 20.244160000000008, 11.6, 36.96649000000001]),
                    (9.489984, [-0.3244800000000001, -0.07999999999999996, 1.4470399999999999, 25.44,
                                -7.774880000000001]))),
    "two": (two, ((8.110000000000001, [1.6, -0.19999999999999973, 4.6, 5.0, 4.200000000000001]),
                  (4.380000000000001, [1.8, 2.4, 1.8, 5.8, 1.0]))),
    "twoset": (twoset, ((4.012965888049149, [3.0, 0.8912073600614354, 3.0, 1.2, 0.3628768971404619]),
                        (1.8526979892296196, [0.4, 2.2105816576913497, 3.0, 4.0, 1.105273192803462]))),
}
# fmt: on


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(CASES))
def test_at_methods_by_a_traced_index_fresh_and_prepared(name, method):
    """Each method's value and gradient equal JAX's at both points, fresh and from one dl.prepare at X0 reused at X1
    (another order; main: prepare refused, 'specialised to its input values')."""
    f, points = CASES[name]
    for x, (value, grad) in zip((X0, X1)[: 1 if method == "symbolic" else 2], points):
        v, g = dl.value_and_grad(f, method=method)(x)
        assert float(v) == pytest.approx(value, rel=1e-12)
        onp.testing.assert_allclose(g, grad, **_close(method))
    if method in ("reverse", "forward"):
        p = dl.prepare(f, X0, method=method)
        for x, (value, grad) in zip((X1, X0), points[::-1]):
            assert float(p(x)) == pytest.approx(value, rel=1e-12)
            onp.testing.assert_allclose(p.grad(x), grad, **_close(method))


@pytest.mark.parametrize("name", list(CASES))
def test_at_methods_by_a_traced_index_vmapped(name):
    """dl.vmap of the gradient over both points in one batch (rows in different orders)."""
    f, ((_, g0), (_, g1)) = CASES[name]
    onp.testing.assert_allclose(dl.vmap(dl.grad(f))(onp.stack([X0, X1])), [g0, g1], rtol=1e-12, atol=1e-12)


def test_apply_and_negative_and_out_of_range():
    """.apply by a traced index; -1 and n-1 one position (both updates applied, as NumPy's ufunc.at); an index out of
    range raises IndexError, as NumPy's (JAX drops it: x.at[5].multiply(2) leaves x), never a wrong number."""
    g = dl.grad(lambda x: np.sum(x.at[np.argmax(x)].apply(np.sin)))(onp.array([0.1, 0.7, 0.2]))
    onp.testing.assert_allclose(g, [1.0, onp.cos(0.7), 1.0], rtol=1e-12)

    def both(x):
        i = np.argmax(x)  # 2
        return x.at[np.stack([i, i - 3])].multiply(np.stack([x[0], x[1]]))

    x = onp.array([2.0, 3.0, 5.0])
    onp.testing.assert_allclose(dl.prepare(both, x)(x), [2.0, 3.0, 30.0], rtol=1e-12)
    p = dl.prepare(lambda x: np.sum(x.at[np.argmax(x) + 1].multiply(2.0)), onp.array([3.0, 1.0, 0.0]))
    assert float(p(onp.array([3.0, 1.0, 0.0]))) == 5.0
    with pytest.raises(IndexError):
        p(onp.array([0.0, 1.0, 3.0]))


def test_two_traced_indices_out_of_range_raise():
    """X[i, j] with j past its axis but i·n + j inside X: NumPy's IndexError at a reused trace, never X's next row."""

    def f(x):
        X = x.reshape(2, 2) * 1.0
        X[np.argmin(x[:2]) - 1, np.argmax(x[2:]) + 1] = 7.0
        return np.sum(X * onp.array([[1.0, 2.0], [3.0, 4.0]]))

    p = dl.prepare(f, onp.array([0.0, 1.0, 1.0, 0.0]))  # X[-1, 1] = 7
    assert float(p(onp.array([0.0, 1.0, 1.0, 0.0]))) == 0 + 2 + 3 + 28
    assert float(p(onp.array([1.0, 0.0, 1.0, 0.0]))) == 1 + 14 + 3 + 0  # X[0, 1] = 7
    with pytest.raises(IndexError):  # X[0, 2]: out of range, though its flat position 2 is X[1, 0]
        p(onp.array([1.0, 0.0, 0.0, 1.0]))
    with pytest.raises(IndexError):  # the same by x.at[i, j]
        dl.grad(lambda x: np.sum(x.reshape(2, 2).at[np.argmin(x[:2]) - 1, np.argmax(x[2:]) + 1].add(1.0)))(
            onp.array([1.0, 0.0, 0.0, 1.0])
        )
