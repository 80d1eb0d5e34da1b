"""Masked writes by a traced mask along one axis of an array (row masks `X[m] *= 2`, `X[m, :] = 0`,
`z[z[:, 0] > 0] = h(z[z[:, 0] > 0])`, `X[m] -= lr * G[m]`, column masks `X[:, c] = np.exp(X[:, c])`) are recorded as
where(m broadcast along the other axes, h(X), z); `z[m] = np.log(x[m] - s)` with s traced too (log's argument filled
where the mask leaves); numpy.putmask, numpy.place and numpy.copyto(where=) by a traced mask likewise. dl.prepare at one
point, called where the masks differ (and select nothing), agrees with JAX x64 (jnp.where; values stored below) and
with a fresh gradient, all four methods, first and second derivatives, the compiled tier with the interpreters; the
positions the mask leaves never warn."""

import warnings

import numpy as np
import pytest

import difflab as dl

W = np.array([1.0, 2.0, 3.0])


def rows_log(X):
    z = X * 1.0
    m = X.min(axis=1) > 0  # (rows whose every entry is positive: log is never taken at the others)
    z[m] = np.log(z[m]) * W
    return (z**2).sum()


def rows_update(X):
    z = X * 1.0
    z[X[:, 1] > 0] *= 2.0
    z[X[:, 2] < 0, :] = 0.5
    z[z[:, 0] > 0] = np.sin(z[z[:, 0] > 0])
    return (z**2 * W).sum()


def columns(X):
    z = X * 1.0
    c = X[0] > 0
    z[:, c] = np.exp(z[:, c])
    z[:, X[1] < 0] -= X[:, :1]
    return (z**2).sum()


def sgd_rows(X):
    P = X * 1.0
    G = np.tanh(X * 2.0)
    lr = X[3, 2] ** 2  # (a traced step size)
    m = G[:, 0] > 0
    P[m] -= lr * G[m]
    return (P**2 * W).sum()


def log_shifted(x):
    s = x[-1]  # (traced: log's argument x - s varies at every position, selected or not)
    z = x * 1.0
    m = x > s
    z[m] = np.log(x[m] - s)
    return (z**2).sum()


X1 = np.array([[1.0, -2.0, 0.5], [1.5, 0.3, 2.0], [-0.7, 0.2, -0.4], [0.2, 1.1, 0.9]])
X2 = np.array([[-0.6, 0.8, 1.2], [0.4, -0.9, 0.3], [0.5, 1.5, 2.5], [-1.1, 0.7, -0.3]])
x1 = np.array([0.5, -1.0, 2.0, 0.3, 0.4])
x2 = np.array([1.5, 0.2, -2.0, 0.9, 0.7])
x0 = np.array([-0.5, -1.0, -2.0, 0.1, 0.2])  # (the mask selects none)


# (f, points: the example first, [(value, gradient, Hessian's diagonal) per point]) from JAX x64: jax.grad and
# jax.hessian of the same functions written with jnp.where(m[:, None], h(jnp.where(m[:, None], X, 1)), z)
JAX = {
    "rows_log": (rows_log, (X1, X2)),
    "rows_update": (rows_update, (X1, X2)),
    "columns": (columns, (X1, X2)),  # (X1: the second column mask selects none)
    "sgd_rows": (sgd_rows, (X1, X2)),
    "log_shifted": (log_shifted, (x1, x2, x0)),
}
WANT = {
    "rows_log": [
        (
            18.953215193197522,
            [
                2.0,
                -4.0,
                1.0,
                0.5406201441442192,
                -32.10594144869163,
                6.238324625039507,
                -1.4,
                0.4,
                -0.8,
                -16.094379124341003,
                0.693164944031454,
                -2.107210313156526,
            ],
            [
                2.0,
                2.0,
                2.0,
                0.5284754594594094,
                195.908693717861,
                1.3808376874802466,
                2.0,
                2.0,
                2.0,
                130.47189562170502,
                5.98142029881438,
                24.56356701461836,
            ],
        ),
        (
            13.984359177357135,
            [
                -1.2,
                1.6,
                2.4,
                0.8,
                -1.8,
                0.6,
                -2.772588722239781,
                2.162480576576877,
                6.5972932694939175,
                -2.2,
                1.4,
                -0.6,
            ],
            [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 13.545177444479563, 2.1139018378376377, 0.2410826922024336, 2.0, 2.0, 2.0],
        ),
    ],
    "rows_update": [
        (
            11.110280955447674,
            [
                0.9092974268256818,
                1.5136049906158566,
                2.5244129544236897,
                -0.5588309963978517,
                3.7281563438689056,
                5.93614947974029,
                0.0,
                0.0,
                0.0,
                1.4347121817990456,
                -3.806408295558064,
                -2.655122659769115,
            ],
            [
                -0.8322936730942846,
                -2.6145744834544478,
                3.2418138352088386,
                7.681362293202928,
                5.797724071626777,
                -3.4920008114067205,
                0.0,
                0.0,
                0.0,
                5.573653674777324,
                -4.917325919654711,
                -21.522201992019525,
            ],
        ),
        (
            30.366448825288455,
            [
                -4.8,
                12.8,
                28.799999999999997,
                0.7173560908995228,
                -1.9476952617563903,
                1.6939274201851058,
                1.8185948536513636,
                -1.1176619927957034,
                -3.2641266653362186,
                0.0,
                0.0,
                0.0,
            ],
            [
                8.0,
                16.0,
                24.0,
                1.393413418694331,
                -0.9088083787723484,
                4.95201368945807,
                -3.3291746923771384,
                15.362724586405855,
                -20.137716697834858,
                0.0,
                0.0,
                0.0,
            ],
        ),
    ],
    "columns": [
        (
            98.36842297383465,
            [
                14.778112197861304,
                -4.0,
                5.436563656918091,
                40.17107384637533,
                0.6,
                109.19630006628849,
                0.493193927883213,
                0.4,
                0.8986579282344429,
                2.9836493952825407,
                2.2,
                12.099294928825895,
            ],
            [
                29.55622439572261,
                2.0,
                10.873127313836182,
                80.34214769275066,
                2.0,
                218.39260013257697,
                0.986387855766426,
                2.0,
                1.7973158564688858,
                5.967298790565081,
                2.0,
                24.19858985765179,
            ],
        ),
        (
            197.32029439484725,
            [
                -6.851081856984936,
                12.576713962981193,
                22.0463527612832,
                0.7868606805188019,
                0.005342048650693767,
                3.644237600781018,
                -6.963378140676129,
                35.689384776037265,
                296.8263182051532,
                -8.427505414940953,
                12.540655890124398,
                1.097623272188053,
            ],
            [
                4.0,
                22.482778811771425,
                44.0927055225664,
                4.0,
                0.33593982509386683,
                7.288475201562036,
                4.0,
                75.8604586224126,
                593.6526364103064,
                4.0,
                20.65105582381375,
                2.195246544376106,
            ],
        ),
    ],
    "sgd_rows": [
        (
            9.000590025184952,
            [
                0.38811280939478143,
                -4.7518280092938685,
                -0.22417984492796678,
                1.3658267419066417,
                0.08249442815688357,
                7.127742013940802,
                -1.4,
                0.8,
                -2.4000000000000004,
                0.083218744021398,
                1.1424291229843389,
                -25.902796838914213,
            ],
            [
                1.7618144210358309,
                4.023992639863797,
                -0.8406083018987758,
                2.0248783865667734,
                -1.243991110893653,
                6.035988959795696,
                2.0,
                4.0,
                6.0,
                -0.15581760910081544,
                3.778320908413201,
                48.03794019639576,
            ],
        ),
        (
            31.642808341152904,
            [
                -1.2,
                3.2,
                7.199999999999999,
                0.6119973924889761,
                -3.198397628989671,
                1.3165872645890986,
                0.7976808105743151,
                5.631761126151464,
                14.459576403262162,
                -2.2,
                2.8,
                13.247033502917887,
            ],
            [
                2.0,
                4.0,
                6.0,
                1.799615342875032,
                4.082348032637202,
                4.976899463068401,
                1.9077697726226321,
                4.0256839827550746,
                6.001498120725288,
                2.0,
                4.0,
                -37.922410928889356,
            ],
        ),
    ],
    "log_shifted": [
        (
            6.772801521982562,
            [-46.05170185988093, -2.0, 0.5875045365571695, 0.6, 46.26419732332376],
            [660.5170185988095, 2.0, 0.4140596646517691, 2.0, 662.9310782634612],
        ),
        (
            7.170083438473351,
            [-0.5578588782855243, 0.4, -4.0, -16.094379124340996, 18.05223800262652],
            [3.8223235978569052, 2.0, 2.0, 130.4718956217049, 136.2942192195618],
        ),
        (5.3, [-1.0, -2.0, -4.0, 0.2, 0.4], [2.0, 2.0, 2.0, 2.0, 2.0]),
    ],
}

METHODS = ["reverse", "forward", "symbolic", "numeric"]


def _tol(method, order=1):
    if method != "numeric":
        return {"rtol": 1e-12, "atol": 1e-12}
    return {"rtol": 1e-6, "atol": 1e-6} if order == 1 else {"rtol": 1e-4, "atol": 1e-4}


@pytest.mark.parametrize("method", METHODS)
def test_prepared_at_one_point_called_where_the_masks_differ(method):
    for case, (f, points) in JAX.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (log at the rows, entries the mask leaves is never taken)
            p = dl.prepare(f, points[0], method=method)  # (was refused: specialised by the read X[m])
            for k, (x, (value, grad, hess)) in enumerate(zip(points[1:] + points[:1], WANT[case][1:] + WANT[case][:1])):
                cell = f"{case} {method} at point {k + 1}"
                for _ in range(3):  # (reverse lowers its sweeps from the second call on: the compiled tier)
                    got = p.value_and_grad(x)
                np.testing.assert_allclose(got[0], value, rtol=1e-12, err_msg=cell)
                np.testing.assert_allclose(got[1].ravel(), grad, **_tol(method), err_msg=cell)
                np.testing.assert_allclose(dl.grad(f, method=method)(x).ravel(), grad, **_tol(method), err_msg=cell)
                if k == 0 and (method != "symbolic" or case in ("rows_log", "log_shifted")):
                    # (the first point whose masks differ: second derivatives once, symbolic's Hessians for two cases
                    # only, their cost kept down)
                    h = p.hessian(x).reshape(x.size, x.size)
                    np.testing.assert_allclose(np.diagonal(h), hess, **_tol(method, 2), err_msg=cell)


def test_compiled_tier_equals_the_interpreters():
    for case in ("rows_update", "columns", "log_shifted"):
        f, points = JAX[case]
        for name in ("reverse", "forward", "numeric"):
            spec = dl.get_method(name)
            spec.compiled = False
            slow, fast = dl.prepare(f, points[0], method=spec), dl.prepare(f, points[0], method=name)
            for _ in range(3):
                got = fast.jacobian(points[1])
            np.testing.assert_allclose(got, slow.jacobian(points[1]), rtol=1e-12, atol=1e-14, err_msg=f"{case} {name}")


def test_a_prepared_gradient_of_a_row_update():
    # dl.prepare(dl.grad(f)): the inner trace's row reads replayed too; its Jacobian the Hessian (JAX's diagonal)
    for case in ("sgd_rows", "log_shifted"):
        f, points = JAX[case]
        p = dl.prepare(dl.grad(f), points[0])
        q = dl.prepare(dl.grad(f, method="forward"), points[0], method="reverse")
        x, (_, grad, hess) = points[1], WANT[case][1]
        np.testing.assert_allclose(p(x).ravel(), grad, rtol=1e-12, atol=1e-12, err_msg=case)
        np.testing.assert_allclose(np.diagonal(q.jacobian(x).reshape(x.size, x.size)), hess, rtol=1e-12, err_msg=case)


def test_values_broadcast_along_the_selected_rows_and_those_of_the_count():
    # a row of values (w: one per column) is broadcast to every selected row, as NumPy does: no count used
    w = np.array([0.5, -1.0, 2.0])

    def f(X):
        z = X * 1.0
        z[X[:, 0] > 0] = w * X[3, 1]
        z[:, X[2] < 0] = X[:, 1:2]  # (a column of values: each selected column takes it)
        return (z**2 * W).sum()

    def by_hand(X):  # (the same update, by where: z = w·X[3, 1] on the rows where X[:, 0] > 0, ...)
        rows, cols = (X[:, 0] > 0)[:, None], (X[2] < 0)[None, :]
        z = np.where(rows, w * X[3, 1], X)
        return np.where(cols, X[:, 1:2], z)

    p = dl.prepare(f, X1)
    for x in (X2, X1):
        assert p(x) == pytest.approx((by_hand(x) ** 2 * W).sum(), rel=1e-14)
        np.testing.assert_allclose(p.grad(x), dl.grad(f)(x), rtol=1e-14)

    # values of the mask's count (a column of three for three selected rows): refused by name until mask58, now the
    # count guarded and the k-th selected row taking the k-th value row: reused where three rows are selected (others
    # here), NumPy's value and the analytic gradient; at X2 (two selected) traced again: NumPy's broadcast ValueError
    def g(X):
        z = X * 1.0
        z[X[:, 0] > 0] = z[X[:, 0] > 0] * np.array([[1.0], [2.0], [3.0]])
        return (z**2).sum()

    p = dl.prepare(g, X1)
    np.testing.assert_allclose(p.grad(X1), 2 * X1 * np.array([[1.0], [4.0], [1.0], [9.0]]), rtol=1e-14)
    X3 = X1[[1, 2, 0, 3]]  # (rows 0, 2, 3 selected)
    assert p.staged.holds([X3]) and p(X3) == g(X3)
    np.testing.assert_allclose(p.grad(X3), 2 * X3 * np.array([[1.0], [1.0], [4.0], [9.0]]), rtol=1e-14)
    with pytest.raises(ValueError, match="broadcast"):
        p(X2)


def _putmask(x):
    z = x * 1.0
    np.putmask(z, x > 0, np.sin(x))  # (the positions computed at every call: where(x > 0, sin x, z))
    return (z**2 * x).sum()


def _place(x):
    z = x * 1.0
    np.place(z, x > 0, np.log(z[x > 0]))  # (values of the count, from the reads by the same mask: replayed)
    np.place(z, z < -1.5, x[1])  # (one value, repeated)
    return (z**2).sum()


def _copyto(x):
    z = x * 1.0
    np.copyto(z, np.exp(x), where=x < 0)
    return (z**2).sum()


@pytest.mark.parametrize("method", METHODS)
def test_putmask_place_and_copyto_by_a_traced_mask(method):
    # by hand at x2 = [1.5, 0.2, -2, 0.9, 0.7]: putmask: z = sin x at x > 0, d(z²x) = z² + 2 z z' x there, 3x²
    # elsewhere; place: z = log x at x > 0, then x[1] where z < -1.5 (at 1: log 0.2 = -1.61, and at 2: -2; none at
    # the example x1), d log² x = 2 log(x)/x; copyto: exp x at x < 0, d exp(2x) = 2 exp(2x) there, 2x elsewhere
    x = x2
    s, c = np.sin(x), np.cos(x)
    want = {
        _putmask: np.where(x > 0, s**2 + 2 * s * c * x, 3 * x**2),
        _place: np.array([2 * np.log(1.5) / 1.5, 4 * x[1], 0.0, 2 * np.log(0.9) / 0.9, 2 * np.log(0.7) / 0.7]),
        _copyto: np.where(x < 0, 2 * np.exp(2 * x), 2 * x),
    }
    for f, grad in want.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            p = dl.prepare(f, x1, method=method)  # (putmask, place: refused, traced masks, even unprepared)
            np.testing.assert_allclose(p.grad(x), grad, **_tol(method), err_msg=f"{f.__name__} {method}")
