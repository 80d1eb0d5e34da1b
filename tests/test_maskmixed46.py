"""A traced mask among ints and partial slices (`X[m, 0] = 1`, `X[m, 1:3] *= 2`, `X[0, m] = np.sin(x[m])`,
`X[:, m, 1] = np.exp(X[:, m, 1])`), and an argument of h spanning axes on both sides of a 2-D mask's count
(`Z[:, m] = X[:, m] * s[:, None]`: s's length-1 axis made the mask's two): read as X[basic][m] and written as where(m, h, X[basic]) set back into X, so
dl.prepare at one point, called where the masks differ, agrees with JAX x64 (jnp.where on X.at[basic]; values stored
below), all four methods, first and second derivatives, the compiled tier with the interpreters. NumPy's case that
moves the count to the front (`X[0, :, m]`: an int and the mask apart) still reads the mask's values, by name. An example at which h is finite nowhere the mask leaves (nor where it
selects) takes a fixed fill point inside h's domain (log of x > 0 prepared where every x <= 0)."""

import warnings

import numpy as np
import pytest

import difflab as dl


def row_int(x):
    X = np.outer(x, x[:3])
    X[x > 0, 0] = 1.0
    return (X**2).sum()


def row_slice(x):
    X = np.outer(x, x[:3])
    X[x > 0, 1:3] *= 2
    return (X**2).sum()


def col_int(x):
    X = np.outer(x[:3], x)
    m = x > 0
    X[0, m] = np.sin(x[m])
    return (X**2).sum()


def mid(x):
    X = np.outer(x, x[:4]).reshape(5, 2, 2)
    m = x[:2] < 0.5
    X[:, m, 1] = np.exp(X[:, m, 1])
    return (X**2).sum()


def spanning(x):
    X = np.outer(x[:2], x).reshape(2, 5, 1) * np.ones((1, 1, 2))
    X = X + np.arange(20.0).reshape(2, 5, 2) * 0.1
    m = X[0] > 0.5  # (a 2-D mask at X's axes 1 and 2)
    s = np.tanh(x[:2])
    Z = X * 1.0
    Z[:, m] = X[:, m] * s[:, None]  # (s[:, None] spans the axis before the count's and the count's own)
    return (Z**2).sum()


P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])  # (every mask differs from P1's)

# {name: (f, [(value, gradient, Hessian's diagonal) at P1, at P2])} from JAX x64 (X.at[:, 0].set(jnp.where(m, 1, X[:, 0]))...)
JAX = {
    "row_int": (
        row_int,
        [
            (
                36.763200000000005,
                [4.224, -28.104, 46.480000000000004, 7.616, -4.424],
                [14.079999999999998, 34.94, 55.239999999999995, 10.879999999999999, 11.06],
            ),
            (
                5.2464,
                [0.6599999999999999, 3.2640000000000007, -6.246, 0.234, 0.5720000000000001],
                [0.44, 16.640000000000004, 21.540000000000003, 0.26, 0.26],
            ),
        ],
    ),
    "row_slice": (
        row_slice,
        [
            (
                108.921,
                [16.817999999999998, -61.08, 167.08, 30.589999999999996, -4.424],
                [56.78, 62.42, 211.54, 43.7, 11.06],
            ),
            (
                22.208000000000002,
                [32.400000000000006, 13.848000000000003, -20.538, 4.986000000000001, 12.188],
                [39.6, 70.52000000000001, 69.18, 5.54, 5.54],
            ),
        ],
    ),
    "col_int": (
        col_int,
        [
            (
                35.092370431526845,
                [4.788642473395035, -28.104, 45.723197504692074, 8.60144972998846, -4.424],
                [15.730671229819354, 34.94, 53.93271275827277, 11.21993428580048, 11.06],
            ),
            (
                3.548133233634534,
                [0.8011200080598673, 3.653418342308651, -6.246, 1.2078476308781951, -0.37960207388951595],
                [-1.5399849932008909, 18.482121988005773, 21.540000000000003, -0.1944041893861742, -0.3546657399568389],
            ),
        ],
    ),
    "mid": (
        mid,
        [
            (
                67.77217324061704,
                [7.124540763562155, -96.56705096619461, 64.08275408661822, 78.52667915909353, -8.740378846827142],
                [27.04673764334196, 492.5869252707089, 84.81891101435257, 305.90201840685705, 24.34294145206083],
            ),
            (
                93.51762565747012,
                [58.013517104771104, 6.743992946208613, -5.197053145726819, 298.1502373046841, 104.89518670837833],
                [87.03033078858799, 25.783987303175504, 23.428104337691728, 1240.390949744521, 174.721736075081],
            ),
        ],
    ),
    "spanning": (
        spanning,
        [
            (
                25.63494262995446,
                [0.9106913376212236, -38.53931030979532, 3.2760362453926613, -2.6145035993506758, -7.698316340976464],
                [32.43911771732059, 58.162406710650814, 4.033635515587737, 4.033635515587737, 4.033635515587737],
            ),
            (
                50.294114678351555,
                [76.33958719217537, 12.28734906109223, 1.1120000000000005, 9.888553405853825, 20.471773946007232],
                [82.28027119227974, 80.96015462563153, 9.16, 7.379873372412585, 7.379873372412585],
            ),
        ],
    ),
}
METHODS = ("symbolic", "numeric", "forward", "reverse")


def _tol(method, order=1):
    if method != "numeric":
        return {"rtol": 1e-12, "atol": 1e-12}
    return {"rtol": 1e-6, "atol": 1e-6} if order == 1 else {"rtol": 1e-4, "atol": 2e-4}


@pytest.mark.parametrize("method", METHODS)
def test_prepared_at_one_point_called_where_the_masks_differ(method):
    for case, (f, want) in JAX.items():
        p = dl.prepare(f, P1, method=method)  # (was refused: specialised by indexing by the traced mask)
        for x, (value, grad, hess) in ((P2, want[1]), (P1, want[0])):
            cell = f"{case} {method}"
            for _ in range(3 if method == "reverse" else 1):  # (reverse lowers its sweeps from the second call on)
                got = p.value_and_grad(x)
            np.testing.assert_allclose(got[0], value, rtol=1e-12, err_msg=cell)
            np.testing.assert_allclose(got[1], grad, **_tol(method), err_msg=cell)
            if method != "symbolic" or case == "row_int":  # (SymPy's Hessians: one, kept cheap)
                np.testing.assert_allclose(np.diagonal(p.hessian(x)), hess, **_tol(method, 2), err_msg=cell)


def test_compiled_tier_equals_the_interpreters_and_fresh_values_are_numpys():
    for case, (f, _) in JAX.items():
        for name in ("reverse", "forward"):
            spec = dl.get_method(name)
            spec.compiled = False
            slow, fast = dl.prepare(f, P1, method=spec), dl.prepare(f, P1, method=name)
            for _ in range(3):
                got = fast.jacobian(P2)
            np.testing.assert_allclose(got, slow.jacobian(P2), rtol=1e-12, atol=1e-14, err_msg=f"{case} {name}")
        assert dl.value_and_grad(f)(P2)[0] == f(P2.copy()), case  # (NumPy's own value, bit for bit)


def test_the_count_moved_to_the_front_is_prepared():
    """X[0, :, m] = v (NumPy's target with the count's axis first) is prepared since mask49 (tests/test_mask49.py)."""

    def apart(x):
        X = np.outer(x, x[:4]).reshape(5, 2, 2)
        X[0, :, x[:2] > 0] = 0.0  # (NumPy: the count's axis first, then the slice's)
        return (X**2).sum()

    np.testing.assert_allclose(dl.prepare(apart, P1).grad(P2), dl.grad(apart, method="numeric")(P2), rtol=1e-6)


def log_nowhere(x):
    z = x * 1.0
    m = x > 0
    z[m] = np.log(x[m])
    return (z**2).sum()


def sqrt_log(x):
    z = x * 1.0
    m = x > 3
    z[m] = np.sqrt(x[m] - 3) * np.log(x[m] - 3)
    return (z**2).sum()


N1 = np.array([-0.3, -1.2, -2.0, -0.7, -0.4])  # (h finite nowhere: the mask selects none, log of every x is NaN)
# (value, gradient, Hessian's diagonal) from JAX x64 at P2 (log_nowhere) and at Q2 (sqrt_log), jnp.where(m, h, x)
FILLED = {
    "log_nowhere": (
        log_nowhere,
        P2,
        (
            3.477458195245676,
            [0.5406201441442192, -16.094379124341003, -0.6, -0.23413447923961395, 0.7167794185129729],
            [0.5284754594594094, 130.47189562170502, 2.0, 2.729285223846485, 0.08741431389906185],
        ),
    ),
    "sqrt_log": (
        sqrt_log,
        np.array([3.5, 4.0, -0.3, 0.9, 5.2]),
        (
            2.507889527006805,
            [-0.9058413472016894, 0.0, -0.6, 1.8, 2.198579729841133],
            [1.2274112777602202, 2.0, 2.0, 2.0, 1.625870327603882],
        ),
    ),
}


@pytest.mark.parametrize("method", METHODS)
def test_an_example_where_h_is_finite_nowhere_takes_a_fixed_fill(method):
    for case, (f, x, (value, grad, hess)) in FILLED.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (log and sqrt never taken outside their domains)
            p = dl.prepare(f, N1, method=method)  # (was refused: no fill point where h is finite)
            got = p.value_and_grad(x)
            np.testing.assert_allclose(got[0], value, rtol=1e-12, err_msg=case)
            np.testing.assert_allclose(got[1], grad, **_tol(method), err_msg=case)
            if method != "symbolic":
                np.testing.assert_allclose(np.diagonal(p.hessian(x)), hess, **_tol(method, 2), err_msg=case)
