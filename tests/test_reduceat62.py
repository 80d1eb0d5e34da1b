"""np.add.reduceat and np.logaddexp.reduce on traced values to NumPy's bit: add.reduceat is the internal entry
add_reduceat (NumPy's own reduceat: a segment's first entry plus the rest's pairwise sum), logaddexp.reduce NumPy's
left fold (its reduce has no pairwise blocks); on main a gather and scatter-add, and logsumexp's rescaled sum, were an
ulp off in most random cases. Under jvp, prepare and vmap; add_reduceat's rules against the other methods."""

import numpy as np
import pytest

import difflab as dl

RNG = np.random.default_rng(62)
CASES = [
    (RNG.normal(size=n) * 10.0 ** RNG.integers(-3, 3), RNG.integers(0, n, 5))
    for n in (40, 97, 150)  # (unsorted indices: NumPy's single entries where lo >= hi)
]


def test_add_reduceat_values_are_numpys_to_the_bit():
    for x, idx in CASES:
        f = lambda v, idx=idx: np.add.reduceat(v, idx)  # noqa: E731
        assert np.array_equal(dl.jvp(f, (x,), (x,))[0], np.add.reduceat(x, idx))
        rows = np.stack([x, x[::-1], 2 * x])
        g = lambda v, idx=idx: np.add.reduceat(v, idx, axis=1)  # noqa: E731
        assert np.array_equal(dl.prepare(g, rows)(rows), np.add.reduceat(rows, idx, axis=1))
        assert np.array_equal(dl.vmap(f)(rows), np.add.reduceat(rows, idx, axis=1))
        cols = np.ascontiguousarray(rows.T)
        assert np.array_equal(
            dl.jvp(lambda v: np.add.reduceat(v, idx, axis=0), (cols,), (cols,))[0], np.add.reduceat(cols, idx, axis=0)
        )


@pytest.mark.parametrize("method", ["forward", "symbolic", "numeric"])
def test_add_reduceat_derivatives_agree_with_reverse(method):
    x, w = RNG.normal(size=(3, 9)), RNG.normal(size=(3, 4))
    f = lambda v: np.sum(np.add.reduceat(v, [0, 4, 2, 6], axis=1) ** 2 * w)  # noqa: E731
    tol = 1e-7 if method == "numeric" else 1e-14
    np.testing.assert_allclose(dl.grad(f, method=method)(x), dl.grad(f, method="reverse")(x), rtol=tol, atol=tol)
    if method == "symbolic":
        np.testing.assert_allclose(dl.hessian(f, method=method)(x), dl.hessian(f, method="reverse")(x), atol=1e-14)


def test_logaddexp_reduce_values_are_numpys_to_the_bit():
    for x, _ in CASES:
        x = x / np.abs(x).max() * 30
        m = np.stack([x, -x, x[::-1]])
        assert np.array_equal(dl.jvp(np.logaddexp.reduce, (x,), (x,))[0], np.logaddexp.reduce(x))
        for axis in (0, 1, None):
            g = lambda v, axis=axis: np.logaddexp.reduce(v, axis=axis)  # noqa: E731
            assert np.array_equal(dl.prepare(g, m)(m), np.logaddexp.reduce(m, axis=axis))
        assert np.array_equal(dl.vmap(np.logaddexp.reduce)(m), np.logaddexp.reduce(m, axis=1))
    x = CASES[0][0][:6]
    f = lambda v: np.logaddexp.reduce(v, initial=0.5) * np.sum(v)  # noqa: E731  (initial: NumPy's start)
    assert f(x) == np.logaddexp.reduce(x, initial=0.5) * np.sum(x)
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(x), dl.hessian(f, method="reverse")(x), atol=1e-14)
