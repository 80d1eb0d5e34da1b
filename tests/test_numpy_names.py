"""Issue 11's remaining NumPy names (nan-reductions, NumPy 2's matrix/vector names, elementwise and
shape helpers) through plain `np.<name>` on traced values: NumPy's values and shapes, and first and
second derivatives under every method against JAX's (x64, recorded below: each function below run
with `jax.numpy` for `np`; g·cos(k + 1) and |g|² of the flattened gradient, uᵀHv with u = cos(k + 1),
v = sin(k + 1)). Each name was missing before (numpy.<name> is not a difflab primitive)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]
X = np.array([[0.3, 1.7, -2.2, 0.6], [2.0, np.nan, 0.9, -0.4], [1.1, 0.5, np.nan, 1.4]])
Y = np.array([[0.3, 1.7, -2.2, 0.6], [2.0, -0.5, 0.9, -0.4], [1.1, 0.5, 0.0, 1.4]])
W = np.cos(np.arange(12.0)).reshape(3, 4) + 1.5

#: name -> (f(x, np), x): a scalar function of one traced array, NumPy-generic (JAX runs it too)
CASES = {
    "nanmax": (lambda x, np=np: np.sum(W[:, 0] * np.nanmax(x, axis=1) ** 2), X),
    "nanmin": (lambda x, np=np: np.sum(W[0, :] * np.nanmin(x, axis=0, keepdims=True) ** 2), X),
    "nanprod": (lambda x, np=np: np.sum(np.nanprod(x, axis=1) ** 2), X),
    "nanvar": (lambda x, np=np: np.sum(W[:, 0] * np.nanvar(x, axis=1, ddof=1)), X),
    "nanstd": (lambda x, np=np: np.nanstd(x) + np.sum(np.nanstd(x, axis=0, keepdims=True) ** 3), X),
    "nancumsum": (lambda x, np=np: np.sum(W * np.sin(np.nancumsum(x, axis=1))), X),
    "nancumprod": (lambda x, np=np: np.sum(W * np.nancumprod(x, axis=0)), X),
    "nanmedian": (lambda x, np=np: np.sum(W[:, 0] * np.nanmedian(x, axis=1) ** 2) + np.nanmedian(x) ** 2, X),
    "nanquantile": (lambda x, np=np: np.sum(np.nanquantile(x, np.array([0.3, 0.8]), axis=0) ** 2), X),
    "nanpercentile": (lambda x, np=np: np.sum(np.sin(np.nanpercentile(x, 40.0, axis=1))), X),
    "matrix_transpose": (lambda x, np=np: np.sum(W.T * np.matrix_transpose(x) ** 2), Y),
    "vecdot": (lambda x, np=np: np.sum(np.vecdot(x, x[0]) ** 2), Y),
    "matvec": (lambda x, np=np: np.sum(np.sin(np.matvec(x[:, :3], x[0, :3]))), Y),
    "vecmat": (lambda x, np=np: np.sum(np.sin(np.vecmat(x[:, 0], x))), Y),
    "unstack": (lambda x, np=np: np.sum(np.unstack(x, axis=1)[2] ** 3), Y),
    "cumulative_prod": (lambda x, np=np: np.sum(np.cumulative_prod(x, axis=1, include_initial=True)), Y),
    "cumulative_sum": (lambda x, np=np: np.sum(np.sin(np.cumulative_sum(x, axis=0, include_initial=True))), Y),
    "ediff1d": (lambda x, np=np: np.sum(np.ediff1d(x, to_begin=x[0, :2], to_end=5.0) ** 2), Y),
    "diagflat": (lambda x, np=np: np.sum(W[0, 0] * np.diagflat(x[0], 1) @ np.diagflat(x[1], 1)), Y),
    "block": (lambda x, np=np: np.sum(np.sin(np.block([[x, x], [x[:, :1] * 2, x[:, 1:], x]]))), Y),
    "choose": (lambda x, np=np: np.sum(np.choose(np.array([[0, 1, 1, 0]] * 3), [x**2, np.sin(x)])), Y),
    "compress": (lambda x, np=np: np.sum(np.compress(np.array([True, False, True, True]), x, axis=1) ** 3), Y),
    "extract": (lambda x, np=np: np.sum(np.sin(np.extract(np.arange(12).reshape(3, 4) % 3 == 0, x))), Y),
    "modf": (lambda x, np=np: np.sum(np.modf(x)[0] ** 2 + np.modf(x)[1]), Y),
    "divmod": (lambda x, np=np: np.sum(np.divmod(x, 0.7)[1] ** 2 + np.divmod(x, 0.7)[0]), Y),
    "frexp": (lambda x, np=np: np.sum(np.frexp(x)[0] ** 2), Y),
    "ldexp": (lambda x, np=np: np.sum(np.ldexp(x, np.array([1, 2, -3, 0])) ** 2), Y),
    "piecewise": (
        lambda x, np=np: np.sum(np.piecewise(x, [x < 0, x > 1], [lambda v: v**2, lambda v: np.sin(v), 0.5])),
        Y,
    ),
    "resize": (lambda x, np=np: np.sum(W[:2, :3].ravel() * np.resize(x[0], (2, 3)).ravel() ** 2), Y),
    "unwrap": (lambda x, np=np: np.sum(np.sin(np.unwrap(4.0 * x, axis=1))), Y),
    "unique": (lambda x, np=np: np.sum(W[0, :3] * np.unique(np.concatenate([x[0, :3], x[0, :3]])) ** 2), Y),
}

#: (g·cos(k + 1), |g|², uᵀHv) of each case, by JAX in x64 (gradient NaN entries counted as 0; the Hessian
#: at x with NaN entries replaced by 0.25; unique's by jax.numpy.sort, JAX's unique having no derivative)
JAX = {
    "block": (4.28995902042145, 104.53483482215871, -0.7424061308343757),
    "choose": (2.364725247023435, 34.40963572724265, -1.0629930877614435),
    "compress": (-8.114197424496288, 409.95630000000006, -2.082335043558231),
    "cumulative_prod": (-1.1168481887637702, 29.192632, 4.289124131011902),
    "cumulative_sum": (-0.5262879338534677, 8.563580886353446, -0.466022310193842),
    "diagflat": (4.1027467139283935, 56.5, 0.17278719352460617),
    "divmod": (-2.5271221792802923, 7.359999999999999, -0.2679239772588666),
    "ediff1d": (2.717126342976378, 610.4000000000001, 0.6115670323117433),
    "extract": (-0.2910262374973815, 2.7503967902807025, -1.0205040590381547),
    "frexp": (0.6147503382679244, 24.333124999999995, 4.178256252307932),
    # (uᵀHv by its closed form Σ 2·4ⁿ cos k sin k: JAX's ldexp gives -7.8316 for it)
    "ldexp": (-51.82479851137743, 3820.485517578125, -7.822875685615824),
    "matrix_transpose": (5.438849196112431, 137.9643524266005, -0.5463030762379086),
    "matvec": (-0.672710295514172, 5.5512750693199955, -6.758192115691723),
    "modf": (-0.4797601502941924, 10.480000000000002, -0.2679239772588666),
    "nancumprod": (-8.129310491816787, 141.36034498063353, -1.1244866367968862),
    "nancumsum": (-3.9942475160434023, 66.67018277044804, 0.23041282648326444),
    "nanmax": (0.6234695341017319, 98.09491997003146, -3.579047836577526),
    "nanmedian": (-1.6188660359056064, 18.82958974082033, 1.389105631826386),
    "nanmin": (3.879087367062979, 29.322223880968323, 0.7287943818080573),
    "nanpercentile": (0.24311318873246204, 1.244083519154796, -0.1989725754474161),
    "nanprod": (-0.033724479279460075, 27.68278400570113, -2.9399639507027686),
    "nanquantile": (-2.078601321537503, 26.444936, -0.3368575154883214),
    "nanstd": (7.279010395299009, 30.688108111295108, -0.6729591096994311),
    "nanvar": (3.6972019453914218, 25.449447105501708, 0.5446732994700791),
    "piecewise": (3.177912126503973, 21.424417364316465, 0.2995376237796017),
    "resize": (-0.9216616773547274, 264.51950634328784, 1.023658406189471),
    "unstack": (-12.542708572584239, 216.73530000000008, 4.518782148489061),
    "unwrap": (5.177509366677753, 79.31659745371667, -25.76635895724408),
    "vecdot": (30.47436763086803, 10550.880128, 19.885452478619676),
    "vecmat": (0.6290171657018221, 20.342467747459747, 2.0468285389919063),
    "unique": (10.017802465063516, 136.07858763971254, 0.3364401125265755),  # jax.numpy.sort of the 3 distinct
}


def _summary(g, h=None):
    g = np.nan_to_num(np.ravel(g))
    k = np.arange(g.size) + 1.0
    out = [float(g @ np.cos(k)), float(g @ g)]
    if h is not None:
        h = np.nan_to_num(np.reshape(h, (g.size, g.size)))
        out.append(float(np.cos(k) @ h @ np.sin(k)))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_are_numpys(name):
    """The difflab.numpy function gives NumPy's value (plain arrays in, so the same code path as a
    traced call's values)."""
    f, x = CASES[name]
    with np.errstate(all="ignore"):
        want = f(x)
        got = dl.value_and_grad(f, method="reverse")(x)[0]
    np.testing.assert_allclose(got, want, rtol=1e-13)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_and_hessian_match_jax(name, method):
    f, x = CASES[name]
    rtol = 1e-5 if method == "numeric" else 1e-9
    with np.errstate(all="ignore"):
        g = dl.grad(f, method=method)(x)
    assert np.array_equal(np.isnan(g), np.isnan(x)), "NaN exactly at NaN inputs (DESIGN.md §6)"
    np.testing.assert_allclose(_summary(g), JAX[name][:2], rtol=rtol, atol=rtol)
    if method in ("forward", "reverse"):
        h = dl.hessian(f, method=method)(np.nan_to_num(x, nan=0.25))
        np.testing.assert_allclose(_summary(g, h)[2], JAX[name][2], rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("method", METHODS)
def test_trim_zeros_histogram_and_nextafter(method):
    """trim_zeros keeps the entries between the first and last nonzero; histogram's data-derived edges
    are min + (max − min)·k/bins (d/dmin = 1 − k/bins, d/dmax = k/bins), its counts constants;
    nextafter is x plus a constant step (derivative 1)."""
    x = np.array([0.0, 0.0, 1.5, 0.0, -2.0, 0.0])
    g = dl.grad(lambda x: np.sum(np.trim_zeros(x) ** 2), method=method)(x)
    np.testing.assert_allclose(g, [0, 0, 3.0, 0, -4.0, 0], atol=1e-6)
    assert np.array_equal(dnp.trim_zeros(x, "b"), np.trim_zeros(x, "b"))
    y = np.array([0.5, 2.0, -1.0, 0.25])
    counts, edges = dnp.histogram(y, bins=4)
    np.testing.assert_array_equal(counts, np.histogram(y, bins=4)[0])
    np.testing.assert_allclose(edges, np.histogram(y, bins=4)[1], rtol=1e-15)
    g = dl.grad(lambda y: np.sum(np.arange(5.0) * np.histogram(y, bins=4)[1]), method=method)(y)
    k = np.arange(5.0)
    np.testing.assert_allclose(g, [0, np.sum(k * k / 4), np.sum(k * (1 - k / 4)), 0], atol=1e-6)
    np.testing.assert_allclose(dnp.histogram(y, "auto")[1], np.histogram(y, "auto")[1], rtol=1e-15)
    g = dl.grad(lambda e: np.sum(np.histogram(y, e)[1] ** 2), method=method)(np.array([-1.0, 0.0, 3.0]))
    np.testing.assert_allclose(g, [-2.0, 0.0, 6.0], atol=1e-6)  # edges given: returned as they are
    g = dl.grad(lambda y: np.sum(np.nextafter(y, 5.0) ** 2), method=method)(y)
    np.testing.assert_allclose(g, 2 * y, rtol=1e-6)


def test_constants_and_unique_extras():
    """nanargmax/nanargmin/spacing/signbit trace as constants with NumPy's values; unique's index,
    inverse and counts are NumPy's; an all-NaN slice's nanquantile is NaN, as NumPy's."""
    x = np.array([[0.3, np.nan, -2.0], [1.0, 4.0, np.nan]])

    def f(x):
        assert np.array_equal(np.nanargmax(x, axis=1), [0, 1]) and np.array_equal(np.nanargmin(x), 2)
        return np.nansum(x * np.spacing(1.0) / np.finfo(float).eps)

    g = dl.grad(f)(x)
    np.testing.assert_array_equal(g[~np.isnan(x)], 1.0)
    np.testing.assert_array_equal(dnp.signbit(x), np.signbit(x))
    np.testing.assert_array_equal(dnp.spacing(x), np.spacing(x))
    v = np.array([2.0, 1.0, 2.0, 3.0, 1.0])
    for got, want in zip(dnp.unique(v, True, True, True), np.unique(v, True, True, True)):
        np.testing.assert_array_equal(got, want)
    z = np.array([[np.nan, np.nan], [1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NumPy's "All-NaN slice encountered")
        np.testing.assert_array_equal(dnp.nanquantile(z, 0.5, axis=1), np.nanquantile(z, 0.5, axis=1))


@pytest.mark.parametrize("name", ["fill_diagonal", "put", "putmask", "place", "copyto", "put_along_axis"])
def test_in_place_functions_are_refused_by_name(name):
    """NumPy's in-place writers refuse writing a traced value into a NumPy array of the function's own, naming
    the functional alternative; on plain arrays they are NumPy's. (Into a traced array they are item
    assignments: tests/test_setitem.py.)"""
    args = {
        "fill_diagonal": (1.0,),
        "put": ([0], 1.0),
        "putmask": (np.eye(2, dtype=bool), 1.0),
        "place": (np.eye(2, dtype=bool), [1.0]),
        "copyto": (1.0,),
        "put_along_axis": (np.zeros((2, 1), int), 1.0, 1),
    }[name]
    x = np.array([[0.5, 1.5], [2.5, 3.5]])
    into = {
        "put": lambda h, x: np.put(h, [0], x[0]),
        "copyto": lambda h, x: np.copyto(h, x),
        "fill_diagonal": lambda h, x: np.fill_diagonal(h, x[0]),
        "put_along_axis": lambda h, x: np.put_along_axis(h, np.zeros((2, 1), int), x[:, :1], 1),
    }.get(name, lambda h, x: getattr(np, name)(h, np.eye(2, dtype=bool), x[0]))
    with pytest.raises(dl.UnsupportedOperationError, match=f"numpy.{name} writes a traced value .*into a NumPy"):
        dl.grad(lambda x: np.sum(into(np.zeros((2, 2)), x) or x))(x)
    y, z = x.copy(), x.copy()
    getattr(dnp, name)(y, *args)
    getattr(np, name)(z, *args)
    np.testing.assert_array_equal(y, z)


def test_piecewise_branches_see_only_their_entries():
    """As NumPy's, each function of piecewise sees its own entries: sqrt(-v) on the negative ones
    leaves no NaN in the derivative of the positive ones (JAX's where-of-everything would)."""
    x = np.array([-4.0, 1.0, 9.0])
    branches = [lambda v: np.sqrt(-v), lambda v: v**2]
    g = dl.grad(lambda x: np.sum(np.piecewise(x, [x < 0], branches)), method="reverse")(x)
    np.testing.assert_allclose(g, [-0.25, 2.0, 18.0])


@pytest.mark.parametrize("method", METHODS)
def test_spaces_set_operations_and_unique_results(method):
    """geomspace/logspace differentiate in both ends (closed forms); union1d, setdiff1d and unique_all's
    values through the entries holding them (the first of equal ones); apply_over_axes keeps axes."""
    s, t = 0.5, 2.0
    g = dl.grad(lambda s, t: np.sum(np.geomspace(s, t, 3)), argnums=(0, 1), method=method)(s, t)
    np.testing.assert_allclose(g, [1 + 0.5 * np.sqrt(t / s), 1 + 0.5 * np.sqrt(s / t)], rtol=1e-6)
    g = dl.grad(lambda s: np.sum(np.logspace(s, 1.0, 2)), method=method)(s)
    np.testing.assert_allclose(g, np.log(10) * 10**s, rtol=1e-6)
    np.testing.assert_allclose(dnp.geomspace(-0.5, -8.0, 5), np.geomspace(-0.5, -8.0, 5), rtol=1e-15)
    a, b = np.array([0.3, 1.7, 2.2, 1.7]), np.array([1.7, 0.4])
    g = dl.grad(lambda a, b: np.sum(np.union1d(a, b) ** 2), argnums=(0, 1), method=method)(a, b)
    np.testing.assert_allclose(np.concatenate(g), [0.6, 3.4, 4.4, 0, 0, 0.8], atol=1e-6)
    g = dl.grad(lambda a: np.sum(np.setdiff1d(a, b) ** 2) + np.sum(np.unique_all(a).values), method=method)(a)
    np.testing.assert_allclose(g, [0.6 + 1, 1, 4.4 + 1, 0], atol=1e-6)
    x = np.arange(6.0).reshape(2, 3)
    g = dl.grad(lambda x: np.sum(np.apply_over_axes(np.sum, x**2, [0]) ** 2), method=method)(x)
    np.testing.assert_allclose(g, 4 * x * np.sum(x**2, axis=0), rtol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_arccosh_on_its_domain(method):
    """np.arccosh (and its NumPy 2 spelling acosh) above 1: d = 1/sqrt(x² − 1), d² = −x/(x² − 1)^(3/2)."""
    x = np.array([1.5, 2.0, 7.0])
    g = dl.grad(lambda x: np.sum(np.arccosh(x) + np.acosh(x)), method=method)(x)
    np.testing.assert_allclose(g, 2 / np.sqrt(x * x - 1), rtol=1e-6)
    if method != "numeric":
        h = dl.hessian(lambda x: np.sum(np.acosh(x)), method=method)(x)
        np.testing.assert_allclose(np.diag(h), -x / (x * x - 1) ** 1.5, rtol=1e-9)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_histogram2d_and_histogramdd(method):
    """NumPy's counts and edges; the data-derived edges differentiate through each column's min and
    max: the x edges of 2 bins sum to 1.5·(min + max)."""
    s = np.array([[0.3, 1.2], [2.0, 0.5], [1.1, -0.4], [0.7, 0.9]])
    for got, want in zip(dnp.histogramdd(s, bins=(2, 3))[1], np.histogramdd(s, bins=(2, 3))[1]):
        np.testing.assert_allclose(got, want, rtol=1e-15)
    got, want = dnp.histogram2d(s[:, 0], s[:, 1], 3, density=True), np.histogram2d(s[:, 0], s[:, 1], 3, density=True)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    g = dl.grad(lambda s: np.sum(np.histogram2d(s[:, 0], s[:, 1], 2)[1]), method=method)(s)
    np.testing.assert_allclose(g, [[1.5, 0], [1.5, 0], [0, 0], [0, 0]], atol=1e-12)
