"""What was left of issue 11 after mask56. A masked read an output uses with no count read by Python
(`np.cumsum(x[m]).sum()`, `np.sort(x[m])[-1]`, `np.diff(x[m])`, `x[m] @ np.sin(x[m])`): the graph's shapes hold the
mask's count, so it specialised the trace (dl.prepare refused it, vmap refused it by name). Its count is now guarded
when the trace closes (trace._guard_used) and the read gathered, as mask56 did where Python read the count: prepared
at P1, called at P2 (every count differs: traced again) and P3 (P1's counts: reused), each method agrees with JAX x64
(jax.value_and_grad of the same code, eager, /tmp/m58/jaxref.py) and NumPy's value bit for bit; vmap answers each
row alone."""

import numpy as np
import pytest

import difflab as dl
from mask_cases import check_prepared_where_masks_differ

P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])
P3 = np.array([0.9, 0.3, -0.6, 1.7, -0.2])  # (P1's counts of x > 0 and x < 0.5; A > 0.2: 6, P1's 7)
METHODS = ("symbolic", "numeric", "forward", "reverse")


def shape_reads(x):
    m = x > 0
    s = np.cumsum(x[m]).sum() + np.sort(x[m])[-1] * 2 + (np.diff(x[m]) ** 2).sum()
    return s + np.cumprod(np.exp(x[x < 0.5] * 0.1))[-1] + x[m] @ np.sin(x[m])


def two_d_reads(x):
    A = np.outer(x, x[:3])
    return np.cumsum(A[A > 0.2])[-1] * 0.1 + np.sort(np.sin(A[A > 0.2]))[0]


JAX = {  # {f: [(value, gradient) at P1, P2, P3]}: jax.value_and_grad in x64 (/tmp/m58/jaxref.py)
    shape_reads: [
        (
            17.41629872763671,
            [0.2699306964910777, 0.08780954309205613, 10.077003753731397, -0.4203927816631672, 0.08780954309205613],
        ),
        (
            23.8797124868821,
            [7.703600789105609, -0.5063123702617736, 0.09900498337491681, 2.142775881071081, 5.11379394585783],
        ),
        (
            14.150709882933047,
            [5.542775881071082, -1.322755904150907, 0.09512294245007141, 6.572629170150076, 0.09512294245007141],
        ),
    ],
    two_d_reads: [
        (0.1161975046920719, [0.47000000000000003, -0.28, -2.084574483454448, 0.23, -0.12]),
        (0.6362543058567514, [-1.522455493799503, 0.52, 0.0, 0.15000000000000002, -1.3112196548632973]),
        (0.6417314366888311, [0.6991312689097672, 1.2173938067293015, -0.12, 0.12000000000000001, 0.0]),
    ],
}


@pytest.mark.parametrize("method", METHODS)
def test_a_read_whose_shape_an_output_uses_guards_its_count(method):
    """Prepared at P1: at P2 (other counts) traced again, at P3 shape_reads' trace reused (two_d_reads' traced
    again: its 2-d mask's count differs); JAX's gradients and NumPy's values everywhere."""
    check_prepared_where_masks_differ({f: want[:2] for f, want in JAX.items()}, P1, P2, method)
    check_prepared_where_masks_differ({f: want[::2] for f, want in JAX.items()}, P1, P3, method, fresh=False)
    staged = dl.prepare(shape_reads, P1, method=method).staged
    assert staged.holds([P3]) and not staged.holds([P2])


def test_vmap_of_such_reads_is_each_rows():
    """vmap traces f at the first row and checks no guard: f, its gradient, the prepared f and its gradient answer
    each row alone (JAX's rows; were refused 'vmap cannot batch')."""
    X = np.stack([P1, P2, P3])
    for f, want in JAX.items():
        p = dl.prepare(f, P1)
        every = f is shape_reads  # (two_d_reads: f and p.grad alone, for time)
        for g, k in ((f, 0), (p.grad, 1)) + (((dl.grad(f), 1), (p, 0)) if every else ()):
            np.testing.assert_allclose(dl.vmap(g)(X), [w[k] for w in want], rtol=1e-12, atol=1e-12)


def test_vmap_of_reads_of_other_lengths_says_so():
    """Rows whose reads differ in length cannot be stacked: refused naming the shapes (was NumPy's bare 'all input
    arrays must have the same shape' from the stacking)."""
    X = np.stack([P1, P2])
    for f in (lambda x: x[x > 0] * 2, dl.jacobian(lambda x: np.sin(x[x > 0]))):
        with pytest.raises(ValueError, match=r"vmap cannot stack f.s rows: .*\(3,[ 5]*\) at one row, \(4,"):
            dl.vmap(f)(X)


# -- numpy.ma: difflab.numpy.ma, a traced (data, mask) pair -------------------------------------------------------


def ma_functions(ma):
    """The same code on numpy.ma (plain arrays: NumPy's values) and on difflab.numpy.ma (traced)."""

    def ma_reductions(x):
        a = ma.masked_array(x, mask=x < 0)
        return a.mean() + a.std() * 2 + a.sum() * 0.5 + a.var(ddof=1)

    def ma_filled(x):
        a = ma.masked_where(x > 1.0, np.sin(x))
        return a.filled(0.5).sum() * a.compressed().sum()

    def ma_invalid(x):
        b = ma.masked_invalid(np.log(x))
        return b.mean() + (b * 2).sum() + ma.masked_array(x, mask=[0, 1, 0, 0, 1]).std()

    def ma_axes(x):
        A = ma.masked_where(np.outer(x, x[:3]) < 0, np.outer(x, x[:3]))
        return A.mean(axis=0) @ np.array([1.0, 2.0, 3.0]) + A.sum(axis=1).sum()

    return ma_reductions, ma_filled, ma_invalid, ma_axes


MA_JAX = [  # jax.value_and_grad at P1, P2 of the same sums written with jnp.where over the unmasked count (x64,
    # /tmp/m58/ma_jax.py): JAX has no numpy.ma
    [
        (4.741436070471816, [-0.5097079637111421, 0.0, 2.751963757682584, 0.257744206028558, 0.0]),
        (5.803148972690007, [1.1531856384435788, -0.5939521281452629, 0.0, 0.3468143615564211, 2.093952128145263]),
    ],
    [
        (
            -0.04514996426354683,
            [-0.2516729550416716, -0.09545918939501401, 0.0, -0.20148931356176283, -0.2426434505254703],
        ),
        (1.1577253786897201, [0.0, 2.325651012197987, 2.266967697050207, 1.4750506594004127, 0.0]),
    ],
    [
        (-1.298449956075113, [7.45625712925554, 0.0, 1.625981878841292, 3.1955387696809465, 0.0]),
        (-0.4236394317890686, [1.8563483225498991, 11.25, -0.445435403187374, 2.5890870806374746, 1.0227272727272727]),
    ],
    [(17.04, [8.4, -5.6, 10.4, 4.4, -2.4]), (10.8, [8.175, 9.375, -2.4, 2.175, 2.175])],
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.filterwarnings("ignore:invalid value encountered in log")  # (NumPy's own, and difflab's DomainWarning)
@pytest.mark.filterwarnings("ignore::difflab.DomainWarning")
def test_numpy_ma_basics_by_difflab_numpy_ma(method):
    """masked_array(x, mask=x < 0) and a constant mask, masked_where, masked_invalid, .mean/.sum/.std/.var (axis=
    too), .filled, .compressed and arithmetic, on difflab.numpy.ma: prepared at P1 (masks recomputed) and called at
    P2 (every mask differs), and fresh (the first): JAX's gradients, NumPy's np.ma values (numpy.ma refuses a traced value)."""
    import difflab.numpy as dnp

    for f, g, want in zip(ma_functions(dnp.ma), ma_functions(np.ma), MA_JAX):
        with np.errstate(invalid="ignore"):
            assert [f(P1), f(P2)] == [g(P1), g(P2)], f.__name__  # (NumPy's np.ma, bit for bit)
        # (symbolic's log an ulp from NumPy's: its value within 1e-12 only)
        exact = method != "symbolic" or f.__name__ != "ma_invalid"
        check_prepared_where_masks_differ({f: want}, P1, P2, method, fresh=f.__name__ == "ma_reductions", exact=exact)


@pytest.mark.filterwarnings("ignore::difflab.DomainWarning")
def test_numpy_ma_ufuncs_operators_and_an_empty_reduction():
    """np.sin / np.log of a masked array (log's domain masked, as np.ma's), tracer + masked array, a division by a
    zero (np.ma's safe-divide domain): NumPy's np.ma values, central-difference gradients; every element masked:
    a masked result where NumPy gives np.ma.masked, returned as its data 0 (NaN before reduce61)."""
    import difflab.numpy as dnp

    def code(ma, x):
        a = ma.masked_less(x, 0.0)
        return (np.log(a) + np.sin(a) * x + a / np.array([1.0, 2.0, 0.0, 4.0, 5.0])).sum() + (x[0] * a - 1.0).mean()

    x = P1.copy()
    with np.errstate(all="ignore"):
        assert code(dnp.ma, x) == code(np.ma, x)
    h = 1e-6
    with np.errstate(all="ignore"):
        central = [(code(np.ma, x + h * e) - code(np.ma, x - h * e)) / (2 * h) for e in np.eye(5)]
    for method in ("forward", "reverse"):
        np.testing.assert_allclose(dl.grad(lambda x: code(dnp.ma, x), method=method)(x), central, atol=1e-6)
    empty = dl.value_and_grad(lambda x: dnp.ma.masked_greater(x, -10.0).mean())(x)
    assert np.ma.masked_greater(x, -10.0).mean() is np.ma.masked and empty[0] == 0.0  # (its data: reduce61)


def test_numpy_ma_given_a_traced_value_names_difflab_numpy_ma():
    """numpy.ma's code converts its data with numpy.array (no dispatch reaches difflab): refused naming
    difflab.numpy.ma's function, or, for one it has not, the list it has (was a generic conversion message, and
    for np.ma.mean 'numpy.ma.wrapper')."""
    for code, name in (
        (lambda x: np.ma.masked_array(x, mask=x < 0).mean(), "use difflab.numpy.ma.masked_array"),
        (lambda x: np.ma.masked_where(x < 0, x).sum(), "use difflab.numpy.ma.masked_where"),
        (lambda x: np.ma.masked_invalid(np.log(x)).sum(), "use difflab.numpy.ma.masked_invalid"),
        (lambda x: np.ma.mean(x), "use difflab.numpy.ma.mean"),
        (lambda x: np.ma.median(x), "difflab.numpy.ma has no median; it has MaskedArray, array, compressed"),
    ):
        with pytest.raises(dl.UnsupportedOperationError, match=f"numpy.ma.* to a NumPy array itself .*; {name}"):
            with np.errstate(invalid="ignore"):
                dl.grad(code)(np.abs(P1))


# -- a 2-d mask's np.argwhere as a write index: rows of Z ----------------------------------------------------------


def argwhere_row_writes(x):
    Z = np.outer(x, x[:3])
    M = Z[:3, :] > 0.2
    W = np.argwhere(M)  # (count, 2): NumPy's Z[W] is the rows numbered by each coordinate, the last write winning
    Z[W] = Z[W] * np.array([1.0, 2.0])[:, None]  # (a row named as a column coordinate last: scaled by 2)
    Y = np.outer(x, x[:3])
    Y[np.argwhere(M).T] = x[:3] * 2
    return (Z**2).sum() + (np.sin(Y) * Z).sum()


ROWS_JAX = [  # JAX x64: the writes as sequential Z.at[r].set per entry of a concrete W, in order (/tmp/m58/jax_w.py)
    (
        127.60286661332212,
        [28.583575761071195, -107.6646260639912, 172.44192897723593, 11.879335650092115, -8.110141776002571],
    ),
    (
        38.345460992838184,
        [58.64571941282689, 11.917385729401126, -18.04961059093475, 6.420382739341222, 5.852516154541312],
    ),
]


@pytest.mark.parametrize("method", METHODS)
def test_argwhere_of_a_2d_mask_writes_rows(method):
    """Z[np.argwhere(M)] = v of a 2-d M (and by its .T): NumPy writes the rows numbered by each coordinate, the last
    write of a row kept; recorded as a gather recomputed from M (was specialised: prepare refused it). Prepared at
    P1, called at P2 (M differs): JAX's sequential writes, NumPy's value."""
    check_prepared_where_masks_differ({argwhere_row_writes: ROWS_JAX}, P1, P2, method)


def placed(x):
    z = np.outer(x, x[:2])
    np.place(z, z > 0.1, np.sin(x[:3]) * 2)  # (3 values cycled over the selected positions: 7 at P1, 6 at P2)
    y = x.copy()
    np.place(y, x < 1.0, [0.5, -0.25])
    return (z**2).sum() + (y * x).sum()


PLACED_JAX = [  # JAX x64: z.at[j].set(vals[k % L]) at the k-th selected position j, in order (/tmp/m58/jax_place.py)
    (19.128032213171, [6.9491397871602825, -14.159852722204603, 6.732790018768286, 2.516, -0.322]),
    (20.87706854395242, [4.963440096718406, 3.683346738469204, -6.141139787160282, 0.5, 4.4]),
]


@pytest.mark.parametrize("method", METHODS)
def test_place_of_values_of_another_length_by_a_traced_mask(method):
    """np.place(z, m, vals) by a traced mask with len(vals) neither 1 nor m's count: vals cycled over the selected
    positions, the k-th taking vals[k % L], recorded as a gather by m's running count (was specialised: prepare
    refused it). Prepared at P1, called at P2: JAX's values and gradients, NumPy's value (symbolic: within 1e-12,
    its sum of squares rounded otherwise)."""
    check_prepared_where_masks_differ({placed: PLACED_JAX}, P1, P2, method, exact=method != "symbolic")


# -- out= of the functions that are no ufunc ------------------------------------------------------------------------


def test_out_of_functions_into_a_traced_buffer_and_a_numpy_one():
    """np.dot/np.cumsum/np.take/np.clip/np.concatenate(..., out=c): into a traced c (np.zeros_like) the result is
    written in place and c returned, as NumPy's (was refused: 'difflab's version does not take these arguments');
    into a NumPy buffer, NumPy's result lives in c, which cannot hold a traced value: refused naming the fix
    (drop out=, c = numpy.<name>(...), or c traced), np.matmul's (a ufunc) too (was 'use the returned value')."""
    A = np.arange(8.0).reshape(2, 4)
    x = P1[:4]

    def into(x):
        c, d, e = np.zeros_like(x[:2]), np.zeros_like(x), np.zeros_like(np.concatenate([x, x]))
        y = np.dot(A, x, out=c)
        np.cumsum(np.sin(x), out=d)
        np.concatenate([x, x**2], out=e)
        t = np.take(x, [0, 2], out=np.zeros_like(x[:2]))
        return (y * c).sum() + (d**2).sum() + e.sum() + np.clip(x, 0, 1, out=np.zeros_like(x)).sum() + t @ t

    def plain(x):
        y = A @ x
        return (
            (y * y).sum()
            + (np.cumsum(np.sin(x)) ** 2).sum()
            + (x + x**2).sum()
            + np.clip(x, 0, 1).sum()
            + x[0] ** 2
            + x[2] ** 2
        )

    s, c = np.sin(x), np.cos(x)
    cs = np.cumsum(s)
    want = 2 * A.T @ (A @ x) + c * np.cumsum(2 * cs[::-1])[::-1] + 1 + 2 * x + ((x > 0) & (x < 1))
    want[[0, 2]] += 2 * x[[0, 2]]
    for method in METHODS:
        tol = 1e-6 if method == "numeric" else 1e-12
        got = dl.value_and_grad(into, method=method)(x)
        assert got[0] == pytest.approx(plain(x), rel=1e-14)
        np.testing.assert_allclose(got[1], want, rtol=tol, atol=tol, err_msg=method)
    for code, name in (
        (lambda x: np.dot(A, x, out=np.empty(2)).sum(), "dot"),
        (lambda x: np.cumsum(x, out=np.empty(4)).sum(), "cumsum"),
        (lambda x: np.concatenate([x, x], out=np.empty(8)).sum(), "concatenate"),
        (lambda x: np.matmul(A, x, out=np.empty(2)).sum(), "matmul"),
    ):
        fix = rf"numpy\.{name}\(\.\.\., out=c\) writes its result into c, a NumPy array.*c = numpy\.{name}\(\.\.\.\)"
        with pytest.raises(dl.UnsupportedOperationError, match=fix):
            dl.grad(code)(x)


def count_writes(x):
    z = x.copy()
    m = x > 0
    z[m] = np.cumsum(x[m])  # (a value of the count's length: no elementwise function of the reads)
    Z = np.outer(x, x[:2])
    Z[m] = np.sort(Z[m], axis=0)[::-1]
    return (z**2).sum() + (Z**2).sum() * 0.5


COUNT_WRITES_JAX = [  # JAX x64: x.at[m].set(...) with m concrete at each point (/tmp/m58/jax_cw.py), at P1, P2, P3
    (20.7077, [13.513, -11.652000000000001, 13.66, 7.071, -1.412]),
    (44.22435000000001, [36.68000000000001, 20.264000000000003, -1.287, 16.861, 14.638000000000002]),
    (12.9455, [14.581, 9.727, -1.74, 7.33, -0.5800000000000001]),
]


@pytest.mark.parametrize("method", METHODS)
def test_a_write_of_a_value_of_the_count(method):
    """y[m] = v with v of m's count (np.cumsum(x[m]), rows of np.sort(Z[m], axis=0)): the count guarded, the k-th
    selected position taking v[k], a gather by m's running count (was specialised: prepare refused it). Prepared at
    P1: at P2 traced again, at P3 (P1's count) reused; JAX's gradients, NumPy's values (symbolic within 1e-12)."""
    check_prepared_where_masks_differ({count_writes: COUNT_WRITES_JAX[:2]}, P1, P2, method, exact=method != "symbolic")
    want = COUNT_WRITES_JAX[::2]
    check_prepared_where_masks_differ({count_writes: want}, P1, P3, method, fresh=False, exact=method != "symbolic")
    staged = dl.prepare(count_writes, P1, method=method).staged
    assert staged.holds([P3]) and not staged.holds([P2])


def test_vmap_of_the_writes_is_each_rows():
    """vmap of the writes above (no guard checked per row: each row answered alone, as f on it): JAX's values and
    gradients per row (count_writes was refused by name: 'vmap cannot batch')."""
    X = np.stack([P1, P2])
    for f, want in ((count_writes, COUNT_WRITES_JAX), (argwhere_row_writes, ROWS_JAX), (placed, PLACED_JAX)):
        np.testing.assert_allclose(dl.vmap(f)(X), [w[0] for w in want[:2]], rtol=1e-12, err_msg=f.__name__)
        np.testing.assert_allclose(dl.vmap(dl.grad(f))(X), [w[1] for w in want[:2]], rtol=1e-12, atol=1e-12)
