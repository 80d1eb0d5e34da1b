"""Boolean-mask assignment by a traced mask (`z[z < 0] = 0`, `z[mask] = other[mask]`) and np.maximum/minimum
.accumulate are traced: dl.prepare at one point, called where the mask / the running argmax differ, agrees with
a fresh gradient and with JAX x64 (jnp.where, lax.cummax / cummin; values stored below, no ties), all four methods."""

import numpy as np
import pytest

import difflab as dl

W = np.arange(1.0, 5.0)


def mask_scalar(x):
    z = x.copy()
    z[z < 0] = 0.0
    return (z**2 * W).sum()


def mask_other(x):
    o = np.sin(x) * 3
    z = x.copy()
    m = z < 0.5
    z[m] = o[m]
    return (z**2 * W).sum()


def mask_rows(x):
    z = x.reshape(2, 2) * 1.0
    z[z[:, 0] > 0] = x[2:] * 3  # (a row broadcast to each selected row)
    return (z**3).sum()


def drawdown(x):
    y = x.reshape(2, 4)
    peak = np.maximum.accumulate(y, axis=1)
    return ((peak - y) ** 2).sum() + np.minimum.accumulate(y, axis=0).sum() * 0.5


P1 = np.array([1.0, -2.0, 0.3, -0.5, 0.7, 2.5, -1.2, 0.4])
P2 = np.array([-1.0, 2.0, -3.0, 5.0, 0.1, -0.6, 3.2, 1.5])

# (f, n inputs, [(value, gradient) at P1[:n], at P2[:n]]) from JAX x64: jax.grad of the same functions written
# with jnp.where(mask, v, z) and lax.cummax(y, axis=1) / lax.cummin(y, axis=0)
JAX = {
    "mask_scalar": (mask_scalar, 4, [(1.27, [2.0, 0.0, 1.7999999999999998, 0.0]), (108.0, [0.0, 8.0, 0.0, 40.0])]),
    "mask_other": (
        mask_other,
        4,
        [
            (26.515320280865332, [2.0, 13.622444915542708, 15.245346781665953, -30.292955453084275]),
            (114.9103618946822, [-8.183676841431135, 8.0, 7.544218451370997, 40.0]),
        ],
    ),
    "mask_rows": (
        mask_rows,
        4,
        [(-5.292000000000001, [0.0, 0.0, 14.579999999999998, 40.5]), (105.0, [3.0, 12.0, 27.0, 75.0])],
    ),
    "drawdown": (
        drawdown,
        8,
        [
            (27.740000000000002, [10.9, -5.0, -0.8999999999999999, -2.0, 0.5, 11.600000000000001, -6.9, -4.2]),
            (28.33, [1.0, 10.5, -9.0, 0.5, 1.4, -0.8999999999999999, 3.4000000000000004, -2.9000000000000004]),
        ],
    ),
}


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic", "numeric"])
@pytest.mark.parametrize("case", sorted(JAX))
def test_prepared_at_one_point_called_where_the_mask_changes(case, method):
    f, n, want = JAX[case]
    tol = {"rtol": 1e-6, "atol": 1e-6} if method == "numeric" else {"rtol": 1e-12, "atol": 1e-12}
    p = dl.prepare(f, P1[:n], method=method)  # (was refused: the mask's / running argmax's positions baked in)
    for x, (value, grad) in zip((P2[:n], P1[:n]), want[::-1]):
        np.testing.assert_allclose(p(x), value, rtol=1e-12)
        np.testing.assert_allclose(p.grad(x), grad, **tol)
        np.testing.assert_allclose(dl.grad(f, method=method)(x), grad, **tol)


def test_running_max_tie_goes_to_the_first_position():
    # np.maximum.accumulate([3, 1, 3])[2] is 3, the first element's: its derivative is e_0 (JAX's lax.cummax
    # splits a tie in halves, [0.5, 0, 0.5]: the convention stated in difflab.numpy.shapes._running)
    x = np.array([3.0, 1.0, 3.0])
    for method in ("reverse", "forward"):
        jac = dl.jacobian(np.maximum.accumulate, method=method)(x)
        np.testing.assert_array_equal(jac, [[1, 0, 0], [1, 0, 0], [1, 0, 0]])
        jac = dl.prepare(np.minimum.accumulate, -x, method=method).jacobian(-x)
        np.testing.assert_array_equal(jac, [[1, 0, 0], [1, 0, 0], [1, 0, 0]])


def _cumsum(x, m):
    return np.cumsum(x[m])  # (not elementwise: each element sums the ones the mask selects before it)


def _other_mask(x, m):
    return x[x > 0] * 2  # (read by another mask: its count is not m's)


def _count_constant(x, m):
    return x[m] * np.array([1.0, 3.0])  # (a constant of the mask's count)


@pytest.mark.parametrize(
    "value, grad",
    [
        (_cumsum, [2.0, -10.0, 6.0, -6.0]),
        (_other_mask, [10.0, 0.0, 30.0, 0.0]),
        (_count_constant, [2.0, -4.0, 6.0, -18.0]),
    ],
)
def test_values_of_the_masks_count_prepared_guarding_the_count(value, grad):
    # (an elementwise function of reads by the same mask, z[m] = x[m] * 2, is prepared: tests/test_maskupd45.py;
    # np.log(x[0] - x[m]) too, its argument filled where the mask leaves: tests/test_maskrow45.py)
    def f(x):
        z = x.copy()
        m = z < 0
        z[m] = value(x, m)  # (an array of the mask's count: its shape follows the values)
        return (z**2).sum()

    x = np.array([1.0, -2.0, 3.0, -1.0])
    # (fresh, by hand: z = [1, -2, 3, -3], [1, 2, 3, 6], [1, -2, 3, -3])
    np.testing.assert_allclose(dl.grad(f)(x), grad)
    # (refused by name until mask58; now the counts are guarded, the value of the count written by the mask's running
    # count: reused at other positions of the same counts, NumPy's value and central differences; traced again at
    # other counts, where NumPy's _count_constant raises its shape ValueError, as the new trace does; _other_mask's one
    # value is broadcast there, NumPy's rule)
    p = dl.prepare(f, x)
    np.testing.assert_allclose(p.grad(x), grad)
    y = np.array([-1.0, 2.0, -3.0, 1.5])
    assert p.staged.holds([y]) and p(y) == f(y.copy())
    central = [(f(y + 1e-6 * e) - f(y - 1e-6 * e)) / 2e-6 for e in np.eye(4)]
    np.testing.assert_allclose(p.grad(y), central, rtol=1e-6)
    z = np.array([1.0, -2.0, -3.0, -1.0])
    if value is not _count_constant:
        assert not p.staged.holds([z]) and p(z) == f(z.copy())
    else:
        with pytest.raises(ValueError):
            p(z)
