"""Session 48's bad-input holes (issue 11; DESIGN.md §6) in the transformations, pytrees and difflab.testing, left by
the earlier batteries (tests/test_bad_input*.py): a numpy.matrix argument, an unbatched str given to vmap, hvp of a
non-scalar f, a custom_vjp bwd returning a bare array, taylor_test of a NaN gradient or a NaN min_slope. Each case was
a wrong number (or verdict), a bare traceback or an unclear message on main. Cheap: small arrays, no Hypothesis."""

import functools
import warnings

import numpy as np
import pytest

import difflab as dl
from difflab import testing

METHODS = ["symbolic", "numeric", "forward", "reverse"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", PendingDeprecationWarning)  # (NumPy's: "the matrix subclass is not recommended")
    M = np.matrix([[1.0, 2.0], [3.0, 4.0]])

# -- wrong numbers (and a wrong verdict) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda m: dl.value_and_grad(lambda t: (t * t).sum(), method=m)(M),
        lambda m: dl.jacobian(lambda t: t**2, method=m)(M),
        lambda m: dl.jvp(lambda t: (t * t).sum(), (M,), (np.ones((2, 2)),), method=m),
        lambda m: dl.vmap(lambda t: t * t)(M),
    ],
    ids=["value_and_grad", "jacobian", "jvp", "vmap"],
)
@pytest.mark.parametrize("method", METHODS)
def test_a_numpy_matrix_argument_is_refused_naming_its_products(call, method):
    # on main sum(M * M) at np.matrix([[1, 2], [3, 4]]) was 30 with gradient 2M, ndarray's elementwise square: NumPy's
    # own f(M) is 54, M @ M summed (numpy.matrix's * and ** are matrix products); vmap gave [[1, 4], [9, 16]]
    assert (M * M).sum() == 54.0
    with pytest.raises(TypeError, match=r"a numpy.matrix of shape \(2, 2\): .* pass numpy.asarray\(x\)"):
        call(method)
    # (its data as a plain array: the elementwise square, 2x)
    np.testing.assert_array_equal(dl.grad(lambda t: (t * t).sum(), method="reverse")(np.asarray(M)), 2 * np.asarray(M))


def test_taylor_test_fails_a_nan_gradient():
    # on main every remainder was NaN, read as "at round-off for every step: f is at most quadratic along v", a pass
    x = np.array([0.5, 1.0, 2.0])
    f = lambda a: np.sum(np.sin(a))  # noqa: E731
    with pytest.raises(testing.GradientMismatch, match=r"returned nan at entry 1 .*\(1 of 3 entries not finite\)"):
        testing.taylor_test(f, lambda a: np.cos(a) * np.array([1.0, np.nan, 1.0]), x)
    with pytest.raises(testing.GradientMismatch, match=r"returned inf at entry 0"):
        testing.taylor_test(f, lambda a: np.cos(a) + np.array([np.inf, 0.0, 0.0]), x)
    with np.errstate(invalid="ignore"), pytest.raises(testing.Inconclusive, match=r"f is not finite at x \+ h v"):
        testing.taylor_test(lambda a: np.sum(np.sqrt(a)), lambda a: 0.5 / np.sqrt(a), -x)
    assert testing.taylor_test(f, np.cos, x).slope == pytest.approx(3.0, abs=0.3)  # (the right one: slope 3)


@pytest.mark.parametrize("min_slope", [np.nan, -1.0, 1.0, True, "2", np.inf])
def test_taylor_test_refuses_a_min_slope_that_passes_every_gradient(min_slope):
    # on main min_slope=nan passed the wrong gradient -cos (its slope 1.0 < nan is False), as did -1 and 1
    with pytest.raises(ValueError, match=r"min_slope must be a finite number above 1 .* got"):
        testing.taylor_test(
            lambda a: np.sum(np.sin(a)), lambda a: -np.cos(a), np.array([0.5, 1.0]), min_slope=min_slope
        )


# -- bare tracebacks and unclear messages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f",
    [lambda a, s: a * len(s), lambda a, s: a if s == "id" else 2 * a],
    ids=["len", "branch"],
)
def test_vmap_names_an_unbatched_str_argument(f):
    # on main the str was traced as a 0-d array: "len() of a 0-d traced value", or "vmap cannot batch a function whose
    # control flow depends on its argument values" for a configuration string (JAX refuses a str argument too)
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError, match=r"argument 1 has a leaf str of dtype <U\d \(in_axes None\); bind it first"):
        dl.vmap(f, in_axes=(0, None))(x, "ab")
    np.testing.assert_array_equal(dl.vmap(functools.partial(lambda s, a: a * len(s), "ab"))(x), 2 * x)


@pytest.mark.parametrize("method", ["reverse", "forward", "numeric", "reverse-over-reverse", ("forward", "reverse")])
def test_hvp_of_a_non_scalar_function_names_hvp(method):
    # on main "grad needs a function with a scalar output" (hvp's inner gradient's words), "hvp" for symbolic only
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(
        dl.DifflabError, match=r"^hvp needs a function with a scalar output, but it returned shape \(3,\)"
    ):
        dl.hvp(lambda a: a**3, (x,), (x,), method=method)
    with pytest.raises(dl.DifflabError, match=r"^hvp needs a function with a scalar output"):
        dl.prepare_hvp(lambda a: a**3, x, method=method)((x,), (x,))
    _, hv = dl.hvp(lambda a: (a**3).sum(), (x,), (x,), method=method)
    np.testing.assert_allclose(hv, 6 * x * x, rtol=1e-6)  # H = diag(6x)


@pytest.mark.parametrize("method", ["reverse", "symbolic"])
def test_a_custom_vjp_bwd_returning_a_bare_array_names_its_shape(method):
    # on main "got a ndarray", or "got a Tracer" (difflab's internal type) when the sweep was traced (symbolic)
    @dl.custom_vjp
    def f(a):
        return np.sin(a)

    f.defvjp(lambda a: (np.sin(a), a), lambda a, g: np.cos(a) * g)
    with pytest.raises(TypeError, match=r"one cotangent per argument \(1\), got an array of shape \(3,\)$"):
        dl.grad(lambda a: f(a).sum(), method=method)(np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("method", METHODS)
def test_a_result_of_more_than_numpys_64_axes_is_refused_up_front(method):
    # on main NumPy's bare "maximum supported dimension for an ndarray is currently 64, found 66" after the whole
    # computation (symbolic's jacobian: "this function only supports up to 32 dimensions but the array has 33.")
    x = np.ones((1,) * 33)
    with pytest.raises(ValueError, match=r"^jacobian: a block of the result would have 66 axes .* limit of 64"):
        dl.jacobian(lambda t: t * 2.0, method=method)(x)
    with pytest.raises(ValueError, match=r"^hessian: a block of the result would have 66 axes"):
        dl.hessian(lambda t: (t**3).sum(), method=method)(x)
    if method != "symbolic":  # (its code at 32 or 33 axes: 1 s)
        assert dl.grad(lambda t: (t**3).sum(), method=method)(x).reshape(()) == pytest.approx(3.0)  # (33 axes: fine)
        assert dl.jacobian(lambda t: t * 2.0, method=method)(np.ones((1,) * 32)).shape == (1,) * 64  # (64: NumPy's)


def test_symbolic_names_numpys_32_axes_limit_for_its_elementwise_expansion():
    # on main NumPy's bare RuntimeError "this function only supports up to 32 dimensions but the array has 40."
    x = np.ones((1,) * 40)
    with pytest.raises(dl.NotDifferentiableError, match=r"at most 32 axes; this function has a value of 40; use"):
        dl.jvp(lambda t: t * 2.0, (x,), (x,), method="symbolic")
    with pytest.raises(dl.NotDifferentiableError, match=r"at most 32 axes"):
        dl.vjp(lambda t: t * 2.0, x, method="symbolic")
    np.testing.assert_array_equal(dl.jvp(lambda t: t * 2.0, (x,), (x,), method="reverse")[1], 2 * x)


# -- difflab.testing given bad arguments ------------------------------------------------------------------------


def _adjacent(x):
    return x[1:] * x[:-1]


def test_check_sparsity_at_no_points_is_refused_not_a_pass():
    # on main points=0 (or -1, or True) passed a pattern missing a nonzero: "dense reverse-mode Jacobians at 0 points"
    x = np.ones(4)
    missing = dl.sparsity(_adjacent, x).toarray()
    missing[0, 0] = False
    with pytest.raises(testing.GradientMismatch, match=r"output element 0 depends on input element 0"):
        testing.check_sparsity(_adjacent, x, pattern=missing, points=1)
    for points in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match=r"check_sparsity: points must be a whole number >= 1, got"):
            testing.check_sparsity(_adjacent, x, pattern=missing, points=points)


@pytest.mark.parametrize(
    "pattern, error, said",
    [
        ((np.array([0]), np.array([0]), None), TypeError, r"\(rows, cols, values, shape\), got a tuple of 3"),
        ((np.array([0, 5]), np.array([0, 1]), None, (3, 4)), ValueError, r"row index 5 is outside 0..2"),
        ((np.array([0, 1, 2]), np.array([0, 1, -1]), None, (3, 4)), ValueError, r"column index -1 is outside 0..3"),
    ],
    ids=["3-tuple", "row 5", "column -1"],
)
def test_check_sparsity_names_a_bad_coo_pattern(pattern, error, said):
    # on main Python's "not enough values to unpack", NumPy's "index 5 is out of bounds", and -1 wrapped to column 3
    with pytest.raises(error, match=said):
        testing.check_sparsity(_adjacent, np.ones(4), pattern=pattern)
    rows, cols = np.nonzero(dl.sparsity(_adjacent, np.ones(4)).toarray())
    assert testing.check_sparsity(_adjacent, np.ones(4), pattern=(rows, cols, None, (3, 4)))


def test_check_sparsity_names_the_pair_sparsity_index_true_returns():
    # on main Python's "not enough values to unpack (expected 4, got 2)"
    pair = dl.sparsity(_adjacent, np.ones(4), index=True)
    with pytest.raises(TypeError, match=r"the pattern is a pair, as dl.sparsity\(..., index=True\) returns"):
        testing.check_sparsity(_adjacent, np.ones(4), pattern=pair)
    assert testing.check_sparsity(_adjacent, np.ones(4), pattern=pair[0])


@pytest.mark.parametrize("probes", [0, -1, True, 1.5])
def test_check_vjp_names_a_probe_count_that_is_no_whole_number_above_0(probes):
    # on main probes=0: UnboundLocalError "cannot access local variable 'ref'"; -1: NumPy's "negative dimensions"
    x = np.array([0.5, 1.0])
    vjp_f = lambda a: (np.sin(a), lambda ct: (np.cos(a) * ct,))  # noqa: E731
    with pytest.raises(ValueError, match=r"check_vjp: probes must be a whole number >= 1, got"):
        testing.check_vjp(np.sin, vjp_f, x, probes=probes)
    assert testing.check_vjp(np.sin, vjp_f, x, probes=1)


def test_the_strategies_take_one_name_as_a_name_and_refuse_a_string_switch():
    from difflab.testing import strategies

    pytest.importorskip("hypothesis")
    from hypothesis.errors import InvalidArgument

    # on main names="quartic" was its letters: "names='quartic' matches no scenario; known: [..., 'quartic', ...]";
    # ops="sin" the ops 's', 'i', 'n'; scalar="no" and moved="no" were True
    assert strategies.scenarios(names="quartic", moved=False).example().name == "quartic"
    strategies.functions(ops="sin", max_eqns=2)  # (refused as it was built, on main)
    for call in (lambda: strategies.functions(scalar="no"), lambda: strategies.scenarios(moved="no")):
        with pytest.raises(InvalidArgument, match=r"=(\'no\') must be True or False"):
            call()


# -- jacobian(sparse=True) outside the domain ------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_sparse_jacobian_is_nan_in_an_undefined_outputs_stored_entries_as_the_dense_one(method):
    # on main d log(x)/dx at x = -1 was the rule's 1/x = -1 (forward, reverse, symbolic) where log(-1) is NaN and the
    # dense jacobian NaN; numeric's NaN. A structural zero of that row stays 0 (a sparse matrix stores no others)
    x = np.array([1.0, -1.0, 2.0])
    f = lambda a: np.log(a[:2]) * a[2]  # noqa: E731
    with pytest.warns(dl.DomainWarning):
        got = dl.jacobian(f, sparse=True, method=method)(x).toarray()
    np.testing.assert_allclose(got[0], [2.0, 0.0, 0.0], rtol=1e-9)  # (2/x₀, and log(x₀) = 0)
    assert np.isnan(got[1, 1:]).all() and got[1, 0] == 0.0
    with pytest.warns(dl.DomainWarning):
        assert np.isnan(np.asarray(dl.jacobian(f, method=method)(x))[1]).all()  # (the dense one)


def test_trace_and_compare_refuse_a_numpy_matrix_as_the_operators_do():
    # on main dl.trace(f, M) recorded ndarray's elementwise square for f(t) = sum(t * t): a graph of value 30 where
    # f(M) is 54; compare's reference was that graph
    f = lambda t: (t * t).sum()  # noqa: E731
    with pytest.raises(TypeError, match=r"a numpy.matrix of shape \(2, 2\): difflab traces plain arrays"):
        dl.trace(f, M)
    with pytest.raises(TypeError, match=r"a numpy.matrix of shape \(2, 2\)"):
        dl.compare(f, M, methods=["reverse"], repeat=1)
    assert dl.evaluate(dl.trace(f, np.asarray(M)), np.asarray(M))[0] == 30.0


@pytest.mark.parametrize("method", METHODS)
def test_a_function_returning_an_object_array_names_its_dtype(method):
    # on main NumPy's "ufunc 'isfinite' not supported for the input types" (forward, reverse), numeric's
    # "unsupported operand type(s) for -: 'NoneType' and 'NoneType'", and a NaN gradient from symbolic
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"the function returned an array of dtype object; difflab differentiates"):
        dl.grad(lambda a: np.array(None, dtype=object), method=method)(x)
    with pytest.raises(TypeError, match=r"returned an array of dtype <U1; difflab differentiates"):
        dl.jacobian(lambda a: np.array(["a"]), method=method)(x)
    np.testing.assert_array_equal(dl.grad(lambda a: np.array(3), method=method)(x), np.zeros(3))  # (int: a constant)


@pytest.mark.parametrize("method", ["reverse", "forward", "numeric", "reverse-over-reverse", "symbolic"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hvp_at_a_0d_array_answers_0d_arrays_as_grad_does(method, dtype):
    # on main Python floats (np.float32 scalars) by the forward outer methods, a float and a 0-d array by
    # reverse-over-reverse, 0-d arrays by symbolic; dl.grad answers a 0-d array
    x = np.array(2.0, dtype=dtype)
    g, hv = dl.hvp(lambda a: a**3, (x,), (x,), method=method)
    for got, want in ((g, 12.0), (hv, 24.0)):  # 3x², 6x·v
        assert type(got) is np.ndarray and got.shape == () and got.dtype == dtype
        assert float(got) == pytest.approx(want, rel=1e-6)
    assert type(dl.grad(lambda a: a**3, method="reverse")(x)) is np.ndarray
    p = dl.prepare_hvp(lambda a: a**3, x)
    assert all(type(r) is np.ndarray for _ in range(2) for r in p((x,), (x,)))  # (its hot path, armed after one call)
