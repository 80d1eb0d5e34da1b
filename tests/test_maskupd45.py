"""Masked updates whose value is an elementwise function of reads by the same traced mask (`z[z < 0] += 2`, the
other augmented operators, `z[m] = np.sin(x[m])`, `z[m] = z[m] * 2 + 1`, `x[m] = np.log(x[m])` on a copy,
`y[m] -= lr * g[m]`) are recorded as where(m, h(x), z): dl.prepare at one point, called where the masks differ,
agrees with JAX x64 (jnp.where; values stored below), all four methods, first and second derivatives, the compiled
tier with the interpreters; the positions the mask leaves never warn (log of a negative there). The count of a
read, read in Python (len(x[m]), .shape, .size), specialises the trace: prepare refuses it by name."""

import warnings

import numpy as np
import pytest

import difflab as dl

W = np.arange(1.0, 5.0)


def augmented(x):
    z = x * 1.0
    z[z < 0] += 2.0
    z[z > 1] *= 0.5
    z[z < 0.5] -= 0.25
    z[z > 0.3] /= 3.0
    z[z < 0] **= 2
    return (z**2 * W).sum()


def sine(x):
    z = x * 1.0
    m = x > 0
    z[m] = np.sin(x[m])
    return (z**2 * W).sum()


def log_copy(x):
    x = x.copy()
    m = x > 0
    x[m] = np.log(x[m])  # (x <= 0 elsewhere: log is never taken there, by NumPy or by the prepared tape)
    return (x**2 * W).sum()


def affine(x):
    z = x**2
    m = x < 0.5
    z[m] = z[m] * 2 + 1
    return (z * W).sum()


def sgd(p):
    y = p[:4] * 1.0
    g = np.tanh(p[4:8])
    lr = p[8]  # (a traced step size: a size-1 value besides the reads)
    m = g > 0
    y[m] -= lr * g[m]
    return (y**2 * W).sum()


P1 = np.array([1.3, -2.0, 0.35, -0.7, 0.7, 2.5, -1.2, 0.4, 0.05])
P2 = np.array([-1.1, 2.5, -3.0, 0.6, -0.3, 0.8, 1.7, -2.2, 0.2])  # (every mask differs from P1's)

# (f, n inputs, [(value, gradient, Hessian's diagonal) at P1[:n], at P2[:n]]) from JAX x64: jax.grad and
# jax.hessian of the same functions written with jnp.where(m, h(x), z) (log_copy: log(where(m, x, 1)))
JAX = {
    "augmented": (
        augmented,
        4,
        [
            (
                0.2725347222222222,
                [0.07222222222222222, -0.125, 0.5999999999999999, 0.28888888888888886],
                [0.05555555555555555, 1.5, 6.0, 0.2222222222222222],
            ),
            (
                7.921440972222222,
                [0.19999999999999998, 0.2777777777777778, -23.4375, 0.5333333333333332],
                [0.2222222222222222, 0.1111111111111111, 56.25, 0.8888888888888888],
            ),
        ],
    ),
    "sine": (
        sine,
        4,
        [
            (
                11.24118109575774,
                [0.5155013718214642, -8.0, 1.932653061713073, -5.6],
                [-1.7137775067378946, 4.0, 4.58905312370693, 8.0],
            ),
            (
                30.201622305583424,
                [-2.2, -1.9178485493262771, -18.0, 3.7281563438689056],
                [2.0, 1.1346487418529045, 6.0, 2.8988620358133885],
            ),
        ],
    ),
    "log_copy": (
        log_copy,
        4,
        [
            (
                13.33521448653032,
                [0.40363732994998625, -8.0, -17.99695070569162, -5.6],
                [0.87294169885504, 4.0, 100.39945099585361, 8.0],
            ),
            (
                30.932948682220605,
                [-2.2, 1.466065170998648, -18.0, -6.811008316879876],
                [2.0, 0.0535739316005408, 6.0, 33.57390275035535],
            ),
        ],
    ),
    "affine": (
        affine,
        4,
        [
            (31.345, [2.6, -16.0, 4.199999999999999, -11.2], [2.0, 8.0, 12.0, 16.0]),
            (74.36, [-4.4, 10.0, -36.0, 4.8], [4.0, 4.0, 12.0, 8.0]),
        ],
    ),
    "sgd": (
        sgd,
        9,
        [
            (
                12.44718741969762,
                [
                    2.5395632222882836,
                    -8.197322859630287,
                    2.0999999999999996,
                    -5.75197958490209,
                    -0.08059806592248983,
                    0.010899253383917222,
                    0.0,
                    0.24608084147946702,
                    8.738224434568728,
                ],
                [
                    2.0,
                    4.0,
                    6.0,
                    8.0,
                    0.09943621961849106,
                    -0.02149964699029649,
                    0.0,
                    -0.17235396605710263,
                    5.7790416246530185,
                ],
            ),
            (
                44.329673515740865,
                [
                    -2.2,
                    9.468770583785721,
                    -19.122490884723717,
                    4.8,
                    0.0,
                    -1.0587130253872927,
                    0.47810002233771476,
                    0.0,
                    11.599739589231358,
                ],
                [2.0, 4.0, 6.0, 8.0, 0.0, 1.456055584928262, -0.8906876028390953, 0.0, 7.013720105270345],
            ),
        ],
    ),
}

METHODS = ["reverse", "forward", "symbolic", "numeric"]


def _tol(method, order=1):
    if method != "numeric":
        return {"rtol": 1e-12, "atol": 1e-12}
    return {"rtol": 1e-6, "atol": 1e-6} if order == 1 else {"rtol": 1e-4, "atol": 1e-4}


@pytest.mark.parametrize("method", METHODS)
def test_prepared_at_one_point_called_where_the_masks_differ(method):
    for case, (f, n, want) in JAX.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (log_copy at P2: log of the negative elements the mask leaves never taken)
            p = dl.prepare(f, P1[:n], method=method)  # (was refused: specialised by the read z[m])
            for k, (x, (value, grad, hess)) in enumerate(zip((P2[:n], P1[:n]), want[::-1])):
                cell = f"{case} {method} at {'P2' if k == 0 else 'P1'}"
                for _ in range(3):  # (reverse lowers its sweeps from the second call on: the compiled tier)
                    got = p.value_and_grad(x)
                np.testing.assert_allclose(got[0], value, rtol=1e-12, err_msg=cell)
                np.testing.assert_allclose(got[1], grad, **_tol(method), err_msg=cell)
                np.testing.assert_allclose(dl.grad(f, method=method)(x), grad, **_tol(method), err_msg=cell)
                if k == 0:  # (P2, the point whose masks differ: second derivatives once, their cost kept down)
                    np.testing.assert_allclose(np.diagonal(p.hessian(x)), hess, **_tol(method, 2), err_msg=cell)


def test_a_prepared_gradient_and_its_jacobian():
    # the spelling: dl.prepare(dl.grad(f), x) (the inner trace's read was refused), and a Hessian from it
    for case, (f, n, want) in JAX.items():
        p = dl.prepare(dl.grad(f), P1[:n])
        q = dl.prepare(dl.grad(f, method="forward"), P1[:n], method="reverse")
        for x, (_, grad, hess) in zip((P2[:n], P1[:n]), want[::-1]):
            np.testing.assert_allclose(p(x), grad, rtol=1e-12, atol=1e-12, err_msg=case)
            np.testing.assert_allclose(np.diagonal(q.jacobian(x)), hess, rtol=1e-12, atol=1e-12, err_msg=case)


def test_compiled_tier_equals_the_interpreters():
    for case in ("augmented", "log_copy", "sgd"):
        f, n, _ = JAX[case]
        for name in ("reverse", "forward", "numeric"):
            spec = dl.get_method(name)
            spec.compiled = False
            slow, fast = dl.prepare(f, P1[:n], method=spec), dl.prepare(f, P1[:n], method=name)
            for _ in range(3):
                got = fast.jacobian(P2[:n])
            np.testing.assert_allclose(got, slow.jacobian(P2[:n]), rtol=1e-12, atol=1e-14, err_msg=f"{case} {name}")


def test_positions_the_mask_leaves_neither_warn_nor_poison_the_gradient():
    x = np.array([-4.0, 2.0, 0.0, -0.5])  # (log at x <= 0 would warn and be NaN; NumPy never takes it)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert log_copy(x.copy()) == pytest.approx(16 + 2 * np.log(2.0) ** 2 + 1)
        for method in ("reverse", "forward", "symbolic"):
            g = dl.prepare(log_copy, P1[:4], method=method).grad(x)
            np.testing.assert_allclose(g, [-8.0, 2 * np.log(2.0), 0.0, -4.0], rtol=1e-14, atol=0)

    # inside the mask, the domain is the user's: NaN with a DomainWarning naming the log, as unprepared
    def log_wide(x):
        x = x.copy()
        m = x > -1
        x[m] = np.log(x[m])
        return (x**2).sum()

    p = dl.prepare(log_wide, np.array([0.5, 2.0]))
    with pytest.warns(dl.DomainWarning, match="log"):
        assert np.isnan(p(np.array([-0.5, 2.0])))


def test_an_example_whose_mask_selects_nothing():
    # no selected element to compute the positions left at: the first element where h is finite is taken
    p = dl.prepare(augmented, np.array([0.1, 0.2, 0.25, 0.15]))
    for x, (value, grad, _) in zip((P1[:4], P2[:4]), JAX["augmented"][2]):
        np.testing.assert_allclose(p.value_and_grad(x)[0], value, rtol=1e-12)
        np.testing.assert_allclose(p.grad(x), grad, rtol=1e-12, atol=1e-12)


def test_a_read_before_an_update_keeps_the_elements_it_read():
    def f(x):
        z = x * 1.0
        m = z < 0
        v = z[m]  # (z's elements before the next line writes 0 there, as NumPy's copy holds them)
        z[m] = 0.0
        w = x * 3.0
        w[m] = v * v
        return (w * W).sum() + (z * W).sum()

    p = dl.prepare(f, np.array([1.0, -2.0, 3.0, -4.0]))
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    # w = x²  where x < 0, 3x elsewhere; z = 0 there, x elsewhere
    assert p(x) == pytest.approx(1 + 12 + 27 + 48 + 4 + 16)
    np.testing.assert_allclose(p.grad(x), [-2.0, 8.0, -18.0, 16.0], rtol=1e-12)


@pytest.mark.parametrize(
    "count",
    [
        lambda v: len(v),
        lambda v: v.shape[0],
        lambda v: v.size,
        lambda v: sum(1 for _ in v),
        lambda v: len(np.sin(v) * 2),  # (a value of the count, computed from the read)
        lambda v: np.shape(v)[0],  # (NumPy's functions: through __array_function__, prepared silently before)
        lambda v: np.size(v),
        lambda v: np.size(np.sin(v), 0),  # (np.size's axis was a TypeError)
    ],
    ids=["len", "shape", "size", "iteration", "computed", "np.shape", "np.size", "np.size-axis"],
)
def test_the_count_read_by_python_code_is_guarded(count):
    # the number of elements a mask selects, read in Python, is the example's: the trace holds where the count is
    # the same (a guard on it, mask50: prepared, traced again where it differs); iterating over the read too (mask55:
    # its items recomputed from the mask, their number guarded). Main prepared `plain` and answered with the example's count (28 for 42 here): the read, used by no
    # equation, looked unused
    def plain(x):
        return (x**2).sum() * count(x[x > 0])

    def replayed(x):
        z = x * 1.0
        m = x > 0
        n = count(x[m])
        z[m] = np.sin(x[m])
        return (z**2).sum() * n

    x, x2 = np.array([1.0, -2.0, 3.0]), np.array([1.0, 2.0, 3.0])
    for f, grad in ((plain, 6 * x2), (replayed, 3 * np.sin(2 * x2))):  # (d sin² = sin 2x)
        p = dl.prepare(f, x)  # (x2's count 3, x's 2: traced again at x2; at x the prepared trace)
        np.testing.assert_allclose(p.grad(x2), grad, rtol=1e-12, err_msg=f.__name__)
        np.testing.assert_allclose(p.grad(x), dl.grad(f)(x), rtol=1e-15, err_msg=f.__name__)
        fresh = dl.grad(f)
        fresh(x)
        np.testing.assert_allclose(fresh(x2), grad, rtol=1e-12, err_msg=f.__name__)
