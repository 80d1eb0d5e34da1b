"""Issue 11 §3, the rest of the checklist: lists of traced values given to difflab.numpy functions are
stacked (plain NumPy's conversion names the difflab spelling), symbolic's hstack/vstack of 1-d values
and nan_to_num of NaN, eigh/svd vectors with NumPy's own signs for every method, partition's
arrangement, and a slice of bench/coverage_checklist.py run as a test."""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.peers import autograd_shim
from central import central

METHODS = ["symbolic", "numeric", "forward", "reverse"]
RTOL = {"symbolic": 1e-10, "numeric": 1e-6, "forward": 1e-10, "reverse": 1e-10}


def _close(got, want, method):
    np.testing.assert_allclose(got, want, rtol=RTOL[method], atol=RTOL[method], err_msg=method)


# -- lists and tuples of traced values -----------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_mean_and_sum_of_a_list_of_traced_values(method):
    """dnp.mean([a, b]) and dnp.sum((a, b)) stack their list first, as autograd.numpy does."""
    a, b = 0.7, -1.3
    g = dl.grad(lambda a, b: dnp.mean([a, b * b]) + dnp.sum((a * b, 2.0 * a)), argnums=(0, 1), method=method)(a, b)
    _close(g[0], 0.5 + b + 2.0, method)
    _close(g[1], b + a, method)


@pytest.mark.parametrize("method", METHODS)
def test_array_and_asarray_of_nested_lists(method):
    """dnp.asarray([[a, 1.0], [b, 2.0]]): numbers and traced values in one nested list."""
    x = np.array([0.4, -0.9])

    def f(x):
        m = dnp.asarray([[x[0], 1.0], [x[1], 2.0]])
        return dnp.sum(dnp.array([x[0] * x[1], x[1]]) ** 2) + dnp.linalg.det(m)

    want = np.array([2 * x[0] * x[1] ** 2 + 2.0, 2 * x[0] ** 2 * x[1] + 2 * x[1] - 1.0])
    _close(dl.grad(f, method=method)(x), want, method)


def test_lists_reach_keyword_arguments_and_linalg():
    """A traced list as a keyword argument (average's weights) and in dnp.linalg (norm of [x, y])."""
    x = np.array([3.0, 4.0])
    g = dl.grad(lambda x: dnp.linalg.norm([x[0], x[1]]) + dnp.average(x, weights=[x[0], 1.0]))(x)
    # d/dx0 of (x0^2 + x1) / (x0 + 1) at (3, 4) is (x0^2 + 2 x0 - x1) / (x0 + 1)^2 = 11/16
    np.testing.assert_allclose(g, [0.6 + 11 / 16, 0.8 + 1 / 4], rtol=1e-12)


def test_sequence_functions_keep_their_lists():
    """concatenate/stack/hstack take a list of arrays as it is: a list is not stacked into one array."""
    x = np.array([1.0, 2.0])
    f = lambda x: dnp.sum(dnp.concatenate([x, x * 3.0]) * np.arange(4.0))
    np.testing.assert_allclose(dl.grad(f)(x), [0.0 + 6.0, 1.0 + 9.0])


def test_plain_numpy_with_a_list_names_the_difflab_spelling():
    """np.mean([a, b]) cannot be intercepted (NumPy converts the list itself): the error says to use
    difflab.numpy.mean; a NumPy function difflab.numpy lacks gets the stacking advice."""
    with pytest.raises(dl.UnsupportedOperationError, match=r"numpy\.mean .*use difflab\.numpy\.mean"):
        dl.grad(lambda x: np.mean([x, x * 2.0]))(1.0)
    with pytest.raises(dl.UnsupportedOperationError, match=r"numpy\.linalg\.norm .*difflab\.numpy\.linalg\.norm"):
        dl.grad(lambda x: np.linalg.norm([x, x * 2.0]))(1.0)
    with pytest.raises(
        dl.UnsupportedOperationError, match=r"numpy\.stack\(\[a, b\]\) or difflab\.numpy\.array\(\[a, b\]\)"
    ):
        dl.grad(lambda x: np.sum(np.array([x, x])))(1.0)


def test_the_shim_sends_traced_lists_to_difflab_numpy():
    """autograd.numpy.mean([a, b]) (autograd's own tests write it) stacks; on plain values it is NumPy's."""
    with autograd_shim.installed("reverse"):
        import autograd.numpy as anp
        from autograd import grad

        assert grad(lambda x: anp.mean([x, x * 3.0]))(1.5) == 2.0
        assert grad(lambda x: anp.linalg.norm([x, 4.0]))(3.0) == pytest.approx(0.6, rel=1e-15)
        assert anp.mean([1.0, 2.0]) == np.mean([1.0, 2.0])


# -- symbolic: hstack/vstack of 1-d values, nan_to_num of NaN ----------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("stack", ["hstack", "vstack"])
def test_hstack_vstack_of_1d_traced_values(method, stack):
    x = np.array([0.5, -1.5, 2.0])
    f = lambda x: dnp.sum(getattr(np, stack)([x, x * x]) * np.arange(6.0).reshape(getattr(np, stack)([x, x]).shape))
    w = np.arange(6.0)
    _close(dl.grad(f, method=method)(x), w[:3] + 2 * x * w[3:], method)


@pytest.mark.parametrize("method", METHODS)
def test_stacks_of_one_array_and_numbers_like_numpy(method):
    """np.vstack(x) of a 1-d x is the column of its entries, np.hstack((a, 1.0)) takes a number: NumPy's
    shapes (autograd's test_vstack_1d/test_hstack_1d), for every method."""
    x = np.array([0.5, -1.5])
    for fn in (lambda x: np.vstack(x), lambda x: np.hstack((x, 1.0)), lambda x: np.hstack((x[0], x))):
        want = fn(x)
        value = fn(dnp.asarray(x))
        assert value.shape == want.shape and np.array_equal(value, want)
        w = np.cos(np.arange(want.size)).reshape(want.shape)
        g = dl.grad(lambda x: dnp.sum(fn(x) ** 2 * w), method=method)(x)
        h = 1e-6
        num = [(np.sum(fn(x + h * e) ** 2 * w) - np.sum(fn(x - h * e) ** 2 * w)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(g, num, rtol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_boolean_constant_masks(method):
    """x * (a boolean NumPy array): symbolic read the mask as NumPy bools, which SymPy cannot multiply
    (np.convolve builds one)."""
    x = np.array([1.0, 2.0, 3.0])
    _close(dl.grad(lambda x: dnp.sum(x * x * (np.arange(3) > 0)), method=method)(x), [0.0, 4.0, 6.0], method)
    g = dl.grad(lambda x: dnp.sum(np.convolve(x, x[:2]) * np.arange(4.0)), method=method)(x)
    plain = lambda x: np.sum(np.convolve(x, x[:2]) * np.arange(4.0))
    num = [(plain(x + 1e-6 * e) - plain(x - 1e-6 * e)) / 2e-6 for e in np.eye(3)]
    np.testing.assert_allclose(g, num, rtol=1e-6)


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])  # numeric cannot step through NaN
def test_nan_to_num_of_nan_agrees_with_reverse(method):
    """NaN -> 0 in symbolic's generated code too (it printed x itself: NaN), derivative 1 where the
    argument is finite and 0 where it is NaN; a NaN input has no derivative (NaN, DESIGN.md §6)."""
    x = np.array([np.nan, 0.5, -2.0])
    f = lambda x: dnp.sum(np.nan_to_num(x) * np.array([1.0, 2.0, 3.0]) + np.nan_to_num(x) ** 2)
    value, g = dl.value_and_grad(f, method=method)(x)
    assert value == 2 * 0.5 + 3 * -2.0 + 0.25 + 4.0
    np.testing.assert_array_equal(g, [np.nan, 2.0 + 1.0, 3.0 - 4.0])


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_nan_to_num_of_a_nan_made_inside_has_derivative_zero_there(method):
    y = np.array([0.7, 0.5, -2.0])  # a NaN made inside: a finite input, derivative 0 through the NaN
    inside = lambda y: dnp.sum(np.nan_to_num(y * np.array([np.nan, 1.0, 1.0])) * y)
    value, g = dl.value_and_grad(inside, method=method)(y)
    assert value == 0.25 + 4.0
    np.testing.assert_array_equal(g, [0.0, 1.0, -4.0])


@pytest.mark.parametrize("predicate", ["isfinite", "isnan", "isinf"])
@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_predicates_of_a_value_made_nonfinite_inside(method, predicate):
    # log(-1) is NaN and log(0) is -inf only when the code runs: symbolic's translation must not fold
    # isfinite to True (its named values are real, hence finite, SymPy symbols)
    x = np.array([-1.0, 0.0, 2.0])
    with np.errstate(all="ignore"):
        hit = getattr(np, predicate)(np.log(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.DomainWarning)
        value, g = dl.value_and_grad(
            lambda x: dnp.sum(dnp.where(getattr(dnp, predicate)(dnp.log(x)), 0.0, x)), method=method
        )(x)
    assert value == np.sum(np.where(hit, 0.0, x))
    np.testing.assert_array_equal(g, np.where(hit, 0.0, 1.0))


# -- eigh/svd: NumPy's own signs, for every method ----------------------------------------------------------


def _random_spd(rng, n):
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return q @ np.diag(1.0 + 2.0 * np.arange(n)) @ q.T


def _sign_flipping_matrices(rng, n, count):
    """Symmetric matrices on which LAPACK's eigenvector signs differ from 'largest entry positive'."""
    out = []
    while len(out) < count:
        a = _random_spd(rng, n)
        v = np.linalg.eigh(a)[1]
        if np.any(v[np.abs(v).argmax(0), range(n)] < 0):
            out.append(a)
    return out


@pytest.mark.parametrize("method", METHODS)
def test_eigh_vectors_are_numpys_for_every_method(method):
    """Traced np.linalg.eigh(A)[1] equals NumPy's untraced result exactly (value) and its derivative
    is right (numeric holds LAPACK's signs at x while it steps)."""
    rng = np.random.default_rng(3)
    n = 2 if method == "symbolic" else 3
    for a in _sign_flipping_matrices(rng, n, 2):
        w = np.cos(np.arange(n * n)).reshape(n, n)
        f = lambda a: dnp.sum(np.linalg.eigh(a)[1] * w)
        value, g = dl.value_and_grad(f, method=method)(a)
        np.testing.assert_allclose(value, np.sum(np.linalg.eigh(a)[1] * w), rtol=1e-12)
        reference = dl.grad(f, method="reverse")(a)
        np.testing.assert_allclose(g, reference, rtol=1e-6 if method == "numeric" else 1e-9, atol=1e-8)
        # reverse against central differences of the plain function
        h, num = 1e-6, np.zeros_like(a)
        for i in np.ndindex(a.shape):
            e = np.zeros_like(a)
            e[i] = h
            num[i] = (np.sum(np.linalg.eigh(a + e)[1] * w) - np.sum(np.linalg.eigh(a - e)[1] * w)) / (2 * h)
        np.testing.assert_allclose(reference, num, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_svd_vectors_are_numpys_for_every_method(method):
    rng = np.random.default_rng(5)
    shape = (2, 2) if method == "symbolic" else (3, 2)  # SymPy's 3×2 svd takes seconds per matrix
    for _ in range(1 if method == "symbolic" else 6):
        a = rng.normal(size=shape)
        w = np.cos(np.arange(6.0))[: shape[0] * 2].reshape(shape)
        f = lambda a: (
            dnp.sum(np.linalg.svd(a, full_matrices=False)[0] * w)
            + dnp.sum(np.linalg.svd(a, full_matrices=False)[2] * w[:2])
        )
        plain = lambda a: (
            np.sum(np.linalg.svd(a, full_matrices=False)[0] * w)
            + np.sum(np.linalg.svd(a, full_matrices=False)[2] * w[:2])
        )
        value, g = dl.value_and_grad(f, method=method)(a)
        np.testing.assert_allclose(value, plain(a), rtol=1e-12)
        h, num = 1e-6, np.zeros_like(a)
        for i in np.ndindex(a.shape):
            e = np.zeros_like(a)
            e[i] = h
            num[i] = (plain(a + e) - plain(a - e)) / (2 * h)
        np.testing.assert_allclose(g, num, atol=1e-6 if method == "numeric" else 1e-7)


def test_prepared_and_vmapped_eigh_keep_numpys_signs():
    """A prepared function reused at another point, and vmap over a stack: LAPACK's signs at each point."""
    rng = np.random.default_rng(8)
    mats = _sign_flipping_matrices(rng, 3, 3) + [_random_spd(rng, 3) for _ in range(3)]
    f = lambda a: np.linalg.eigh(a)[1]
    prepared = dl.prepare(lambda a: dnp.sum(f(a) * np.arange(9.0).reshape(3, 3)), mats[0])
    for a in mats:
        np.testing.assert_allclose(prepared(a), np.sum(np.linalg.eigh(a)[1] * np.arange(9.0).reshape(3, 3)), rtol=1e-12)
    np.testing.assert_allclose(dl.vmap(f)(np.stack(mats)), np.linalg.eigh(np.stack(mats))[1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_pad_takes_every_pad_width_form(method):
    """pad_width broadcasts to a (before, after) pair per axis as in NumPy: (3,) pads every side by 3
    (autograd's test_pad saw "cannot reshape array of size 1 into shape (2)")."""
    x = np.arange(6.0).reshape(2, 3) / 7.0
    for mode in ("constant", "edge", "reflect"):
        for width in (0, 2, (2,), (2, 1), ((2, 1),), ((1, 2), (0, 1)), [[1], [2]]):
            padded = np.pad(x, width, mode)
            np.testing.assert_array_equal(dnp.pad(x, width, mode), padded)
            w = np.cos(np.arange(padded.size)).reshape(padded.shape)
            # the gradient of sum(pad(x) * w): each input entry collects the weights of its copies
            plain = lambda x: np.sum(np.pad(x, width, mode) * w)
            want = np.array([plain(x + e) - plain(x) for e in np.eye(6).reshape(6, 2, 3)]).reshape(2, 3)
            _close(dl.grad(lambda x: dnp.sum(np.pad(x, width, mode) * w), method=method)(x), want, method)


@pytest.mark.parametrize("method", METHODS)
def test_pad_with_a_statistic_or_a_linear_ramp(method):
    """np.pad's 'mean', 'maximum', 'minimum', 'median' and 'linear_ramp' modes (JAX's too; refused as "not
    supported by difflab" before): NumPy's values, axis by axis (a later axis's statistic sees the earlier padding),
    and the gradient of sum(pad(x) * w) against central differences; NumPy's options difflab lacks are refused
    by name (per-side end_values are taken since round 66: tests/test_user_code66.py)."""
    x = np.arange(6.0).reshape(2, 3) ** 1.5 / 7.0 - 0.3
    for mode, kw in [
        ("mean", {}),
        ("maximum", {}),
        ("minimum", {}),
        ("median", {}),
        ("linear_ramp", {"end_values": 1.5}),
        ("reflect", {"reflect_type": "odd"}),  # (refused before stop 68)
        ("symmetric", {"reflect_type": "odd"}),
    ]:
        for width in (2, (2, 1), ((1, 2), (0, 1)), ((0, 3), (2, 0))):
            padded = np.pad(x, width, mode, **kw)
            np.testing.assert_allclose(dnp.pad(x, width, mode, **kw), padded, rtol=1e-14, atol=1e-15)
            w = np.cos(np.arange(padded.size)).reshape(padded.shape)
            g = dl.grad(lambda x: np.sum(np.pad(x, width, mode, **kw) * w), method=method)(x)
            np.testing.assert_allclose(g, central(lambda x: np.sum(np.pad(x, width, mode, **kw) * w), x), atol=1e-7)
    for mode, kw in [
        ("mean", {"stat_length": 2}),
    ]:
        with pytest.raises(dl.UnsupportedOperationError, match=f"numpy.pad's {next(iter(kw))}="):
            dl.grad(lambda x: np.sum(np.pad(x, 2, mode, **kw)), method=method)(x)


@pytest.mark.parametrize("method", METHODS)
def test_accumulate_of_any_binary_ufunc(method):
    """np.logaddexp.accumulate (a running log-sum-exp, JAX's too; "not a difflab primitive" before), and any other
    binary ufunc's accumulate, along any axis: NumPy's sequential order, so its values to the bit (-1000 beside 0
    keeps its term: no rescaling underflows), and the gradient against central differences."""
    x = np.random.default_rng(1).normal(size=(3, 4))
    for uf, a, axis in [
        (np.logaddexp, x, 1),
        (np.logaddexp, x, 0),
        (np.logaddexp, np.array([-1000.0, 0.0, -2.0, 3.0]), 0),
        (np.logaddexp2, x, -1),
        (np.subtract, x, 1),
        (np.hypot, x, 0),
        (np.power, np.abs(x) * 0.3 + 0.8, 1),
    ]:
        w = np.cos(np.arange(a.size)).reshape(a.shape)
        f = lambda a: np.sum(uf.accumulate(a, axis=axis) * w)
        assert np.array_equal(dl.vmap(lambda a: uf.accumulate(a, axis=axis))(a[None])[0], uf.accumulate(a, axis=axis))
        value, g = dl.value_and_grad(f, method=method)(a)
        assert value == f(a)
        np.testing.assert_allclose(g, central(f, a), atol=1e-7)
    xe = np.array([-1000.0, 0.0, -2.0, 3.0])  # d/dx of the last running value is softmax(x)
    g = dl.grad(lambda a: np.logaddexp.accumulate(a)[-1], method=method)(xe)
    np.testing.assert_allclose(g, np.exp(xe - np.logaddexp.reduce(xe)), rtol=1e-6 if method == "numeric" else 1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_cross_like_numpy(method):
    """np.cross with axisa/axisb/axisc/axis and 2-vectors (autograd's test_cross): NumPy's value, and
    the gradient in each argument against central differences."""
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    for kw in ({}, {"axisa": 0}, {"axisb": 1, "axisc": 0}, {"axis": 0}, {"axisa": 0, "axisb": -1, "axisc": 1}):
        want = np.cross(a, b, **kw)
        np.testing.assert_allclose(dnp.cross(a, b, **kw), want, rtol=1e-14)
        w = np.cos(np.arange(want.size)).reshape(want.shape)
        ga, gb = dl.grad(lambda a, b: dnp.sum(np.cross(a, b, **kw) * w), argnums=(0, 1), method=method)(a, b)
        np.testing.assert_allclose(ga, central(lambda a: np.sum(np.cross(a, b, **kw) * w), a), atol=1e-7)
        np.testing.assert_allclose(gb, central(lambda b: np.sum(np.cross(a, b, **kw) * w), b), atol=1e-7)
    v2, v3 = rng.normal(size=2), rng.normal(size=3)
    np.testing.assert_allclose(dnp.cross(v2, v3), np.cross(np.append(v2, 0.0), v3), rtol=1e-14)
    g = dl.grad(lambda u: dnp.cross(u, v2[::-1]), method=method)(v2)  # the z component u0 w1 - u1 w0
    _close(g, [v2[0], -v2[1]], method)
    with pytest.raises(ValueError, match=r"cross: incompatible dimensions"):
        dl.grad(lambda u: dnp.sum(dnp.cross(u, u)))(np.ones(4))


@pytest.mark.parametrize("method", METHODS)
def test_select_like_numpy(method):
    """np.select (autograd's test_select): the first true condition's choice, else the default; the
    derivative goes to the choice taken."""
    rng = np.random.default_rng(12)
    conds = [rng.normal(size=(3, 4)) > 0, rng.normal(size=(3, 4)) > 0]
    x = rng.normal(size=(3, 4))
    f = lambda x: [x, x * x]
    np.testing.assert_allclose(dnp.select(conds, f(x), 1.1), np.select(conds, f(x), 1.1), rtol=1e-14)
    g = dl.grad(lambda x: dnp.sum(np.select(conds, f(x), 1.1)), method=method)(x)
    _close(g, np.select(conds, [np.ones_like(x), 2.0 * x], 0.0), method)
    with pytest.raises(ValueError, match=r"select: 2 conditions but 1 choices"):
        dnp.select(conds, [x])


@pytest.mark.parametrize("method", METHODS)
def test_angle_and_the_complex_predicates_on_real_values(method):
    """np.angle, np.real_if_close, np.iscomplex/isreal/iscomplexobj/isrealobj on traced (real) values
    (autograd's test_angle_real, test_real_ic, test_falseyness were "not a difflab primitive"):
    NumPy's values, angle's derivative 0 (also at 0, its jump), real_if_close the identity."""
    x = np.array([1.3, -0.7, 0.0, -0.0, 2.0])
    w = np.arange(1.0, 6.0)
    for deg in (False, True):
        np.testing.assert_array_equal(dnp.angle(x, deg=deg), np.angle(x, deg=deg))
        value, g = dl.value_and_grad(lambda x: dnp.sum(np.angle(x, deg=deg) * w + x), method=method)(x)
        _close(value, np.sum(np.angle(x, deg=deg) * w + x), method)
        _close(g, np.ones(5), method)  # angle is piecewise constant on the reals
    np.testing.assert_array_equal(dnp.angle(np.array([1j, -1.0 + 0j])), [np.pi / 2, np.pi])  # complex: NumPy's
    _close(dl.grad(lambda x: dnp.sum(np.real_if_close(x) ** 2), method=method)(x), 2 * x, method)

    def f(x):
        assert np.iscomplex(x).tolist() == [False] * 5 and np.isreal(x).tolist() == [True] * 5
        assert not np.iscomplexobj(x) and np.isrealobj(x)
        return x[0] ** 2 if np.iscomplexobj(x) else dnp.sum(x * w)

    _close(dl.grad(f, method=method)(x), w, method)


@pytest.mark.parametrize("method", METHODS)
def test_fftshift_and_ifftshift(method):
    """np.fft.fftshift/ifftshift (autograd's test_fftshift*, test_ifftshift*): NumPy's values for every
    `axes` form, and the gradient of sum(w * shift(x)) is the inverse shift of w (a permutation's adjoint)."""
    rng = np.random.default_rng(13)
    for shape, axes in (((5,), None), ((4, 4), None), ((5, 5), 1), ((3, 4, 5), (0, 2)), ((3, 4), -1), ((2, 3), ())):
        x = rng.normal(size=shape)
        w = rng.normal(size=shape)
        for shift, inverse in ((np.fft.fftshift, np.fft.ifftshift), (np.fft.ifftshift, np.fft.fftshift)):
            ours = getattr(dnp.fft, shift.__name__)
            np.testing.assert_array_equal(ours(x, axes=axes), shift(x, axes=axes))
            g = dl.grad(lambda x: dnp.sum(shift(x, axes=axes) * w), method=method)(x)
            _close(g, inverse(w, axes=axes), method)


# -- partition, and the checklist as a test ------------------------------------------------------------------


def test_partition_arranges_like_numpy():
    x = np.array([0.3, -1.2, 2.5, 0.9, -0.4, 1.7])
    for kth in (1, 3, (1, 4)):
        np.testing.assert_array_equal(dnp.partition(x, kth), np.partition(x, kth))
        g = dl.grad(lambda x: dnp.sum(np.partition(x, kth) * np.arange(6.0)))(x)
        np.testing.assert_array_equal(g[np.argpartition(x, kth)], np.arange(6.0))


def _checklist():
    path = Path(__file__).resolve().parents[1] / "bench" / "coverage_checklist.py"
    spec = importlib.util.spec_from_file_location("coverage_checklist", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_checklist_slice(method):
    """A slice of bench/coverage_checklist.py (one case per family, both spellings): every cell passes."""
    checklist = _checklist()
    only = [
        "arcsin",
        "var axis=0 ddof=1",
        "linalg.norm matrix ord=nuc",
        "einsum ii->i",
        "linalg.eigh 3×3",
        "pad reflect",
    ]
    rows, failures, total = checklist.run([method], only, 120, ["np", "dnp"])
    assert total >= 2 * 3 * len(only)
    assert failures == []


@pytest.mark.parametrize("method", METHODS)
def test_copy_of_a_traced_value_as_numpy_and_methods_spell_it(method):
    """`x = x.copy()` and `np.copy(x)`, a common first line of NumPy code, trace (found by a new
    user's first hour: both raised, "traced values have no attribute 'copy'" and "numpy.copy is not a
    difflab primitive"); the result never aliases the input."""
    x = np.array([1.0, 2.0, 3.0])

    def f(x):
        x = x.copy()
        return dnp.sum(x * np.copy(x) * dnp.copy(x))

    _close(dl.grad(f, method=method)(x), 3 * x**2, method)
    y, pullback = dl.vjp(lambda x: x.copy(), x, method=method)
    assert not np.shares_memory(y, x) and np.array_equal(y, x)
    _close(pullback(np.ones(3))[0], np.ones(3), method)
    z = dnp.copy(x)
    assert not np.shares_memory(z, x) and np.array_equal(z, x)


def test_coverage_probe_classifies_known_names():
    """bench/numpy_coverage.py's bins: a differentiable name, constants (argmax, isnan, floor: zero
    derivative), a refusal by name, what NumPy refuses on floats too, and io that is no array function."""
    spec = importlib.util.spec_from_file_location(
        "numpy_coverage", Path(__file__).parents[1] / "bench/numpy_coverage.py"
    )
    probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe)
    x = np.array([[3.2, 0.4, 0.5], [0.4, 3.5, 0.3], [0.5, 0.3, 3.9]])
    want = {
        "einsum": "differentiate",
        "take_along_axis": "differentiate",
        "arcsin": "differentiate",
        "argmax": "constant",
        "isnan": "constant",
        "floor": "constant",
        "bitwise_and": "not for float arrays",
        "packbits": "constant",  # (of a mask: uint8, a zero derivative, as jnp.packbits)
        "is_busday": "not for float arrays",  # (NumPy casts a Python list of floats to dates, not a float array)
        "fill_diagonal": "differentiate",  # (an in-place writer: the array it wrote)
        "polyfit": "refuse",
        "save": "not array functions",
    }
    assert {name: probe.classify(name, getattr(np, name), x) for name in want} == want


def test_out_as_a_positional_argument_is_refused_and_never_written():
    """np.fix(x, y) (fix is dispatched, not a ufunc) reads y as out=: refused by name, the user's array
    unchanged (it once wrote the truncated values into x)."""
    x = np.array([1.5, -2.5])
    with pytest.raises(dl.UnsupportedOperationError, match="out="):
        dl.grad(lambda x: np.sum(np.fix(x, x)))(x)
    np.testing.assert_array_equal(x, [1.5, -2.5])


_F_GRAD = np.random.default_rng(5).normal(size=(6, 4))


def _np_gradient_user(x):
    """np.gradient as a PDE residual writes it: the sample coordinates (non-uniform, traced), edge_order=2."""
    along = np.gradient(_F_GRAD * x[:6, None], x[6:] ** 2 + np.arange(4.0), edge_order=2, axis=1)
    return np.sum(np.sin(along) ** 2) + np.sum(np.gradient(x[:6], np.cumsum(np.exp(x[6:]))[2] + np.arange(6.0)) ** 3)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic", "numeric"])
def test_gradient_takes_coordinates_and_edge_order_like_numpy(method):
    """np.gradient(u, x) with the coordinates (NumPy's non-uniform stencils) was a bare "TypeError: only
    0-dimensional arrays can be converted to Python scalars", and edge_order an unexpected keyword: both are
    NumPy's formulas now, traced in f and in the coordinates, against NumPy's own values and complex step."""
    rng = np.random.default_rng(0)
    x, F, y = np.cumsum(rng.uniform(0.1, 1, 7)), rng.normal(size=(7, 5)), np.sort(rng.uniform(0, 3, 5))
    for args, kw in [
        ((F[:, 0], x), {}),
        ((F[:, 0], x), {"edge_order": 2}),
        ((F[:, 0], 0.3), {"edge_order": 2}),
        ((F, x, y), {"edge_order": 2}),
        ((F, 0.2, y), {"axis": (0, 1)}),
        ((F, y), {"axis": -1, "edge_order": 2}),
        ((F[:3, 0], x[:3]), {"edge_order": 2}),
    ]:
        want = np.gradient(*args, **kw)
        got = dl.vjp(lambda f: np.gradient(f, *args[1:], **kw), args[0], method=method)[0]
        for w, g in zip(want if isinstance(want, tuple) else [want], got if isinstance(got, tuple) else [got]):
            np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-13)
    at = rng.normal(size=10)
    cs = np.array([_np_gradient_user(at + 1e-30j * e).imag / 1e-30 for e in np.eye(10)])
    g = dl.grad(_np_gradient_user, method=method)(at)
    np.testing.assert_allclose(g, cs, rtol=1e-7 if method == "numeric" else 1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="edge_order must be 1 or 2"):
        dl.grad(lambda u: np.sum(np.gradient(u, edge_order=3)), method=method)(at)
    with pytest.raises(ValueError, match=r"coordinates along axis 0 must be 1-D of the axis's length 10"):
        dl.grad(lambda u: np.sum(np.gradient(u, np.arange(4.0))), method=method)(at)


@pytest.mark.parametrize("method", METHODS)
def test_take_modes_like_numpy(method):
    """np.take and x.take with NumPy's modes: 'raise' (default) raises NumPy's IndexError for an index outside
    [-n, n) (difflab wrapped it modulo n: np.take(x, [0, 3]) was x[0] twice, a number where NumPy has none),
    'wrap' and 'clip' (a negative index clipped to 0) take NumPy's elements; the gradient is the count of each
    element's picks times 2x (Σ picked²), by NumPy's own take of the indices."""
    x = np.array([1.0, -2.0, 3.0])
    for mode, idx in (("wrap", [[0, 4], [-5, 7]]), ("clip", [[0, 4], [-5, 1]])):
        picked = np.take(np.arange(3), idx, mode=mode)
        value, g = dl.value_and_grad(lambda x: np.sum(np.take(x, idx, mode=mode) ** 2), method=method)(x)
        assert value == pytest.approx(np.sum(np.take(x, idx, mode=mode) ** 2), rel=1e-15)
        _close(g, 2 * x * np.bincount(picked.ravel(), minlength=3), method)
        _close(dl.grad(lambda x: np.sum(x.take(idx, mode=mode) ** 2), method=method)(x), g, method)
    for f in (lambda x: np.sum(np.take(x, [0, 3])), lambda x: np.sum(x.take([-4])), lambda x: np.take(x, 3)):
        with pytest.raises(IndexError, match="out of bounds for axis 0 with size 3"):
            dl.grad(f, method=method)(x)


_COV_X = np.random.default_rng(12).normal(size=(3, 6))
_COV_F, _COV_A = np.array([1, 2, 1, 3, 1, 2]), np.array([0.5, 1.5, 0.8, 1.2, 2.0, 0.3])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "kw",
    [
        {"aweights": _COV_A},
        {"fweights": _COV_F, "ddof": 2},
        {"fweights": _COV_F, "aweights": _COV_A},
        {"aweights": _COV_A, "bias": True},
    ],
    ids=["aweights", "fweights-ddof2", "both", "aweights-bias"],
)
def test_cov_with_weights_like_numpy(kw, method):
    """np.cov's fweights and aweights (a weighted covariance; jax.numpy has both) were refused: NumPy's values and
    central differences of NumPy's own cov, in the data and in traced aweights; bad weights NumPy's errors."""

    def f(x):
        return np.sum(np.cov(x, **kw) ** 2)

    value, g = dl.value_and_grad(f, method=method)(_COV_X)
    assert value == pytest.approx(f(_COV_X), rel=1e-13)
    np.testing.assert_allclose(g, central(f, _COV_X), rtol=1e-7, atol=1e-8)  # (central's own error: ~1e-9)
    if "aweights" in kw:

        def fa(a):
            return np.sum(np.cov(_COV_X, **{**kw, "aweights": a}) ** 2)

        np.testing.assert_allclose(dl.grad(fa, method=method)(_COV_A), central(fa, _COV_A), rtol=1e-6, atol=1e-8)
    for bad, err in (({"fweights": _COV_F + 0.5}, TypeError), ({"aweights": -_COV_A}, ValueError)):
        with pytest.raises(err, match="must be integer|cannot be negative"):
            dl.grad(lambda x: np.sum(np.cov(x, **bad)), method=method)(_COV_X)


_IP_XP, _IP_FP = np.array([0.2, 1.0, 2.5, 3.1]), np.array([1.0, -0.5, 2.0, 0.3])
_IP_X = np.array([0.65, 3.45, -0.27, 7.3, 4.05])  # (none on a knot modulo 2 or 4: central differences span no kink)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("period", [4.0, -4.0, 2.0])
def test_interp_with_a_period_like_numpy(period, method):
    """np.interp(x, xp, fp, period=p) was refused by name (jax.numpy has it): NumPy's values, and in x, fp and xp
    (xp unsorted modulo 2) the gradient equals central differences of NumPy's own interp."""
    for k in range(3):

        def f(v, k=k):
            a = [_IP_X, _IP_XP, _IP_FP]
            a[k] = v
            return np.sum(np.interp(a[0], a[1], a[2], period=period) ** 2)

        at = [_IP_X, _IP_XP, _IP_FP][k]
        value, g = dl.value_and_grad(f, method=method)(at)
        assert value == pytest.approx(f(at), rel=1e-13)
        np.testing.assert_allclose(g, central(f, at), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="period must be a non-zero"):
        dl.grad(lambda x: np.sum(np.interp(x, _IP_XP, _IP_FP, period=0.0)), method=method)(_IP_X)


_MX = np.array([[0.3, -1.2, 2.0], [1.5, 0.1, -0.4]])
_MX_MASK = np.array([[True, False, True], [False, True, True]])


@pytest.mark.parametrize("method", METHODS)
def test_max_and_min_with_where_like_numpy(method):
    """np.max, np.min, np.amin and the methods with where= (and initial=, which NumPy requires with it) were refused
    by name (jax.numpy has them): NumPy's values and central differences of NumPy's own, a traced mask too; without
    initial= NumPy's ValueError."""
    fs = [
        lambda x: np.sum(np.max(x, axis=1, where=_MX_MASK, initial=-5.0) ** 2),
        lambda x: np.sum(np.min(x, axis=0, where=_MX_MASK, initial=9.0) ** 2),
        lambda x: np.max(x * 2, where=x > 0.2, initial=0.0) + np.amin(x, where=_MX_MASK, initial=1.0),
        lambda x: (
            np.sum(x.max(axis=0, where=_MX_MASK, initial=-1.0)) + np.sum(x.min(axis=1, where=_MX_MASK, initial=0.5))
        ),
    ]
    for f in fs:
        value, g = dl.value_and_grad(f, method=method)(_MX)
        assert value == pytest.approx(f(_MX), rel=1e-14)
        np.testing.assert_allclose(g, central(f, _MX), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="needs initial="):
        dl.grad(lambda x: np.max(x, where=_MX_MASK), method=method)(_MX)
