"""Data-dependent reads left after mask55 (issue 11). Iterating over a function of a masked read, `for v in
np.exp(x[m])`, `[g(v) for v in (x[m] - x[m].mean())]`, rows of `A[m] @ B`, columns of `(A[:, m] * 2).T`, and a
function of the read used beside its `len()` or its mask's count read as an int (`np.cumsum(x[m])`, `np.sort(x[m])`
with `int(m.sum())`, `range(np.count_nonzero(m))`), specialised the trace (dl.prepare refused it): a
read whose mask's count the trace guards is now a gather by the mask's selected positions, recomputed from the mask
at each call (trace._gathered), so any function of it follows the mask wherever the count holds (traced again where
it differs). Prepared at P1 and called at P2 (every mask and count differs) and at P3 (the masks differ, the counts
are P1's: the trace reused), each method agrees with JAX x64 (jax.value_and_grad of the same code on jnp arrays,
eager, /tmp/m56/jaxref.py) and with NumPy's own value bit for bit."""

import numpy as np
import pytest

import difflab as dl
from mask_cases import check_prepared_where_masks_differ

P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])
P3 = np.array([0.9, 0.3, -0.6, 1.7, -0.2])  # (P1's counts of x > 0, x < 0.5, x > 0.5 and A's rows; 2-d: 6, not 7)
METHODS = ("symbolic", "numeric", "forward", "reverse")
B = np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.2]])


def iterated_functions(x):
    s = 0.0
    for v in np.exp(x[x > 0]):  # (a function of the read)
        s = s + v * v
    m = x < 0.5
    s = s + sum([np.sin(v) * 2 for v in (x[m] - x[m].mean())])
    s = s + sum(a * b for a, b in zip(x[x > 0.5], np.cos(x)[x > 0.5]))
    A = np.outer(x, x[:3])
    s = s + sum(np.tanh(r).sum() * r[0] for r in A[A[:, 0] > 0] @ B)  # (rows of A[m] @ B)
    return s + np.cumsum(x[x > 0] ** 2).sum() / len(x[x > 0])  # (a function of the read beside its len())


def two_d(x):
    A = np.outer(x, x[:3])
    M = A > 0.2
    s = A[M].sum() / len(A[M]) + np.sin(A[M]).sum() * int(M.sum())
    return s + sum(np.cos(v) for v in np.exp(A[M] * 0.1)) + sum(np.dot(c, c) for c in (A[:, x[:3] > 0] * 2).T)


def counts_then_reads(x):
    m, n = x > 0, x < 0.5
    k = int(m.sum())  # (a mask's whole count read as an int: its reads gathered too)
    s = np.sort(x[m])[::-1][: max(k - 1, 1)].sum() * k
    s = s + sum(np.cumsum(x[n])[i] * (i + 1) for i in range(np.count_nonzero(n)))
    return s + np.cumsum(np.exp(x[m])).sum() / x[m].shape[0]


# {f: [(value, gradient) at P1, at P2, at P3]} by jax.value_and_grad in x64 (/tmp/m56/jaxref.py)
JAX = {
    iterated_functions: [
        (
            64.33363001844768,
            [9.612831908057398, 2.2946514625803527, 111.75040946896014, 9.364616685557912, 0.35714299748091327],
        ),
        (
            126.22899215188538,
            [54.767798133412526, 10.29224224585356, 2.9316783515589977, 16.309964206329166, 164.67686452285614],
        ),
        (
            44.13185016676109,
            [22.225981222729224, 7.53357565654373, 1.7279912905924344, 61.20017280583004, 0.1321632703104152],
        ),
    ],
    counts_then_reads: [
        (9.647147109353265, [7.349858807576004, 5.0, 7.9260373992871, 3.6712509024901587, 3.0]),
        (27.2837960693952, [8.481689070338064, 3.9160520686201274, 2.0, 5.229801555578475, 6.256253374858531]),
        (11.18415811345002, [5.45960311115695, 6.899905871717335, 5.0, 4.824649130575733, 3.0]),
    ],
    two_d: [
        (
            126.37565450670584,
            [52.78931790044841, -44.04877567892279, 150.35036093080075, 27.429839618680525, -20.60102891486848],
        ),
        (
            92.99253897861358,
            [103.26989885351568, 46.0535100672896, -5.4959999999999996, 18.552741866396538, 32.56236027009937],
        ),
        (
            37.193941187356074,
            [48.25614763599272, 31.796383154370076, -11.151386355725565, 14.107383200966371, -1.4400000000000002],
        ),
    ],
}


@pytest.mark.parametrize("method", METHODS)
def test_functions_of_a_guarded_read(method):
    """Prepared at P1: at P2 (other counts: traced again) and P3 JAX's values and gradients, NumPy's value; at P3
    the iterated function's trace is reused (its counts are P1's), the reads gathered from P3's masks."""
    for exact in (True, False):
        # (two_d's `np.dot(c, c)` of a gathered read's column: the gather is C-ordered where NumPy's `A[:, m]` is
        # laid out mask axis first, and OpenBLAS's AVX2 ddot rounds a strided vector and a contiguous one
        # differently: an ulp from NumPy's value on an AMD EPYC, equal bits on an Intel Xeon; JAX's within 1e-12)
        table = {f: want for f, want in JAX.items() if (f is two_d) is not exact}
        check_prepared_where_masks_differ({f: w[:2] for f, w in table.items()}, P1, P2, method, exact=exact)
        check_prepared_where_masks_differ(
            {f: w[::2] for f, w in table.items()}, P1, P3, method, fresh=False, exact=exact
        )
    for f in (iterated_functions, counts_then_reads):
        staged = dl.prepare(f, P1, method=method).staged
        assert staged.holds([P3]) and not staged.holds([P2]), f.__name__


def hessian_case(x):
    """sum over x > 0 of exp(sin x)·sin x, plus x0² times the count of x < 0: its Hessian is analytic."""
    return sum(np.exp(v) * v for v in np.sin(x[x > 0])) + len(x[x < 0]) * x[0] ** 2


def analytic_hessian(x):
    s, c = np.sin(x), np.cos(x)
    H = np.diag(np.where(x > 0, np.exp(s) * ((2 + s) * c**2 - (1 + s) * s), 0.0))
    H[0, 0] += 2 * np.count_nonzero(x < 0)
    return H


def test_vmap_of_a_guarded_count_is_each_rows():
    """vmap traces f once, at the first row, and cannot check a count guard per row: f, its gradient, the prepared
    f and its gradient and Jacobian, and the Hessian, under vmap, answer each row alone (each row's JAX gradient, the
    analytic Hessian; they were refused by name); vmap inside a derivative and prepared, prepare(sum of vmap(f)),
    each row's gradient, reused where every row's counts hold."""
    X = np.stack([P1, P2, P3])
    for f, want in JAX.items():
        p = dl.prepare(f, P1)
        every = f is iterated_functions  # (the other functions: f and p.grad alone, for time)
        for g, k in ((f, 0), (p.grad, 1)) + (((dl.grad(f), 1), (p, 0), (dl.jacobian(p), 1)) if every else ()):
            np.testing.assert_allclose(dl.vmap(g)(X), [w[k] for w in want], rtol=1e-12, atol=1e-12)
    want = [analytic_hessian(x) for x in X]
    np.testing.assert_allclose(dl.vmap(dl.hessian(hessian_case))(X), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dl.vmap(dl.hessian(dl.prepare(hessian_case, P1)))(X), want, rtol=1e-12, atol=1e-12)
    p = dl.prepare(lambda X: dl.vmap(iterated_functions)(X).sum(), X[:2])
    for rows in ([0, 1], [2, 0], [1, 2]):
        np.testing.assert_allclose(p.grad(X[rows]), [JAX[iterated_functions][i][1] for i in rows], rtol=1e-12)


T1 = np.array([2.0, 1.0, 2.0, -0.5, 0.3])  # (a tie at the max)
T2 = np.array([2.0, 1.0, 1.5, -0.5, 0.3])  # (none)
N1 = np.array([0.5, -1.0, 2.0, 0.7, 1.3])  # (log's NaN at one entry)
N2 = np.array([0.5, 1.0, 2.0, -0.7, -1.3])  # (at two others)


def ties(x):
    m = x == x.max()
    c = np.isclose(x, x[0], rtol=0.0, atol=0.25)
    return (x[m] ** 2).sum() + sum(np.sin(v) for v in x[m] * 3) + np.mean(x[m]) + np.exp(x[c]).sum() * len(x[c])


def nans(x):
    y = np.log(x)
    m = ~np.isnan(y)
    return (y[m] ** 2).sum() + np.mean(x[m]) + sum(v * 2 for v in np.exp(y[m])) + len(y[np.isnan(y)]) * x[0]


JAX_TIES = {  # (at T1 / N1, at T2 / N2: /tmp/m56/jaxref.py)
    ties: [
        (38.99739339932475, [22.1586230578124, 0.0, 22.1586230578124, 0.0, 0.0]),
        (13.109640600731725, [15.269566958881748, 0.0, 0.0, 0.0, 0.0]),
    ],
    nans: [
        (11.781958050739668, [0.47741127776021886, 0.0, 2.9431471805599454, 1.2309287316036215, 2.653637329949986]),
        (10.127572694503069, [1.5607446110935523, 2.3333333333333335, 3.026480513893279, 0.0, 0.0]),
    ],
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.filterwarnings("ignore:invalid value encountered in log")  # (NumPy's own, and difflab's DomainWarning)
@pytest.mark.filterwarnings("ignore::difflab.DomainWarning")
def test_masks_of_ties_and_nans(method):
    """Masks from comparisons of traced values: x == x.max() with a tie at one point and not the other, np.isclose,
    ~np.isnan(np.log(x)) with NaNs at other entries: prepared at either point, called at the other, JAX's values
    (the gradient of a tie: each tied element's own, a mask being constant where it holds) and NumPy's."""
    for f, (a, b) in ((ties, (T1, T2)), (nans, (N1, N2))):
        check_prepared_where_masks_differ({f: JAX_TIES[f]}, a, b, method)
        check_prepared_where_masks_differ({f: JAX_TIES[f][::-1]}, b, a, method, fresh=False)


def argwhere_rows(x):
    A = np.outer(x, x[:3])
    W = np.argwhere(A > 0.2)
    s = A[W[0][0], W[0][1]] * 3.0 + A[W[1, 0], W[1, 1]]  # (W[i]: NumPy's i-th row, (row, column) of a position)
    for r, c in W:
        s = s + A[r, c] * (r + 2 * c)
    return s + A[np.argmax(x), 1] * 0.5 + A[-1, np.argmin(x[:3])]  # (traced 0-d ints: gathers)


def analytic_argwhere_rows(x):
    """argwhere_rows' gradient: each term w·A[r, c] = w·x_r·x_c gives w·x_c at r and w·x_r at c."""
    W = np.argwhere(np.outer(x, x[:3]) > 0.2)
    terms = [(3.0, W[0]), (1.0, W[1]), (0.5, (np.argmax(x), 1)), (1.0, (4, np.argmin(x[:3])))]
    want = np.zeros(5)
    for w, (r, c) in terms + [(float(r + 2 * c), (r, c)) for r, c in W]:
        want[r] += w * x[c]
        want[c] += w * x[r]
    return want


@pytest.mark.parametrize("method", METHODS)
def test_rows_of_argwhere_are_its_rows(method):
    """np.argwhere(M)[i] of a 2-d mask is NumPy's i-th row, the coordinates of M's i-th selected position: it was
    taken as the i-th column (np.nonzero(M)[i], a wrong number with no warning: 1.08 for NumPy's 2.04 at P1), and
    `for r, c in np.argwhere(M)` raised 'too many values to unpack'. A[i, j] by traced 0-d integers (those rows'
    items, np.argmax's) is a gather, as A[i] is (it specialised). Prepared at P2 (6 positions selected), called at
    P3 (6: the trace reused) and P1 (7: traced again): NumPy's values, the analytic gradients."""
    tol = 1e-6 if method == "numeric" else 1e-13
    p = dl.prepare(argwhere_rows, P2, method=method)
    for x in (P3, P1, P2):
        value, grad = p.value_and_grad(x)
        assert value == argwhere_rows(x.copy())
        np.testing.assert_allclose(grad, analytic_argwhere_rows(x), rtol=tol, atol=tol)
    assert p.staged.holds([P3]) and not p.staged.holds([P1])
