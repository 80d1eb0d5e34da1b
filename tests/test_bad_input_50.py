"""Session 50's bad-input holes (issue 11; DESIGN.md §6), left by tests/test_bad_input_48.py and _49.py: a long double
beyond float64's range, a custom_vjp fwd's primal out, checkpoint's static_argnums, difflab.testing given a function
returning None, a str or complex values, and difflab.nn's empty sets, labels and bools. Each case was a wrong number,
a silent acceptance, a bare traceback or an unclear message on main. Cheap: small arrays, no Hypothesis."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]
X = np.array([1.0, 2.0, 3.0])


# -- a long double beyond float64's range ----------------------------------------------------------------------------


@pytest.mark.skipif(np.finfo(np.longdouble).maxexp <= 1024, reason="long double is float64 on this platform")
@pytest.mark.parametrize("method", METHODS)
def test_a_long_double_beyond_float64s_range_is_refused_not_zeroed(method):
    # on main d(x²)/dx at x = 1e-4000 (float128) was 0 where 2e-4000 is due; at 1e4000 d(1.0 x)/dx was nan with "an
    # infinite input" (the input was finite) and the value inf: difflab casts to float64, where they are 0 and inf
    tiny, huge = np.longdouble("1e-4000"), np.longdouble("1e4000")
    with pytest.raises(ValueError, match=r"a float128 value 1.e-4000 is beyond float64's range .* would be 0"):
        dl.grad(lambda a: a * a, method=method)(tiny)
    with warnings.catch_warnings(), pytest.raises(ValueError, match=r"value 1.e\+4000 is beyond .* would be inf"):
        warnings.simplefilter("error", RuntimeWarning)  # (no stray "overflow encountered in cast" from NumPy)
        dl.value_and_grad(lambda a: a * 1.0, method=method)(np.array([1.0, huge]))
    with pytest.raises(ValueError, match=r"beyond float64's range"):
        dl.prepare(lambda a: a * 2.0, huge)(huge)  # (on main inf, without a word)
    # (inside float64's range a long double is differentiated at float64's precision, as before)
    third = np.longdouble(1) / 3
    assert abs(float(dl.grad(lambda a: a * a, method=method)(third)) - 2.0 / 3.0) < 1e-9


@pytest.mark.skipif(np.finfo(np.longdouble).maxexp <= 1024, reason="long double is float64 on this platform")
def test_a_long_double_tangent_or_cotangent_beyond_float64s_range_is_refused():
    # on main J v = inf (NumPy's stray "overflow encountered in cast"), where 2e4000 is due
    big = np.full(3, np.longdouble("1e4000"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"^a tangent: a float128 value 1.e\+4000 is beyond float64's range"):
            dl.jvp(lambda a: a * 2.0, (X,), (big,))
        with pytest.raises(ValueError, match=r"^a cotangent: a float128 value 1.e\+4000 is beyond"):
            dl.vjp(lambda a: a * 2.0, X)[1](big)
    np.testing.assert_array_equal(dl.jvp(lambda a: a * 2.0, (X,), (np.ones(3, dtype=np.longdouble),))[1], 2.0)


# -- a custom_vjp fwd's primal out -----------------------------------------------------------------------------------


def _sin_with_fwd(fwd):
    @dl.custom_vjp
    def f(a):
        return dnp.sin(a)

    f.defvjp(fwd, lambda a, g: (dnp.cos(a) * g,))
    return f


@pytest.mark.parametrize("method", ["symbolic", "numeric", "reverse"])
def test_a_custom_vjp_fwds_out_of_another_shape_or_type_is_refused_naming_fwd(method):
    # on main ignored: a fwd returning sum(sin(a)) (shape ()) or None for f's (3,) gave cos(x) silently; JAX: "Custom
    # VJP fwd rule must produce an output with the same container (pytree) structure, shape and dtype"
    with pytest.raises(ValueError, match=r"^custom_vjp fwd of f: its primal out has shape \(\), expected the functi"):
        dl.grad(lambda a: _sin_with_fwd(lambda a: (dnp.sum(dnp.sin(a)), a))(a).sum(), method=method)(X)
    with pytest.raises(TypeError, match=r"^custom_vjp fwd of f: its primal out is a NoneType, expected an array of"):
        dl.grad(lambda a: _sin_with_fwd(lambda a: (None, a))(a).sum(), method=method)(X)
    # on main "got Tracer" (difflab's internal type; symbolic, numeric) or "got ndarray" for a fwd returning out alone
    with pytest.raises(TypeError, match=r"fwd of f must return the pair \(out, residuals\), got an array of shape"):
        dl.grad(lambda a: _sin_with_fwd(lambda a: dnp.sin(a))(a).sum(), method=method)(X)
    ok = _sin_with_fwd(lambda a: (dnp.sin(a), a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.errors.NumericIgnoresRuleWarning)  # (numeric's: it differentiates sin)
        np.testing.assert_allclose(dl.grad(lambda a: ok(a).sum(), method=method)(X), np.cos(X), rtol=1e-6)


def test_a_custom_vjp_fwds_out_of_another_value_is_refused_where_fwd_runs():
    # on main ignored: vjp's pullback gave cos(x) after the value sin(x); JAX's vjp returns fwd's sin(x) + 1
    f = _sin_with_fwd(lambda a: (dnp.sin(a) + 1.0, a))
    with pytest.raises(ValueError, match=r"fwd of f: its primal out is not the function's value \(element 0: .*1\.84"):
        dl.vjp(f, X)[1](np.ones(3))  # (fwd runs in the backward sweep)
    with pytest.raises(ValueError, match=r"fwd of f: its primal out is not the function's value"):
        dl.grad(lambda a: f(a).sum())(X)
    g = _sin_with_fwd(lambda a: (2.0 * dnp.sin(a / 2.0) * dnp.cos(a / 2.0), a))  # (sin by another formula: passes)
    y, pullback = dl.vjp(g, X)
    np.testing.assert_allclose(y, np.sin(X), rtol=1e-15)
    np.testing.assert_allclose(pullback(np.ones(3))[0], np.cos(X), rtol=1e-15)


# -- static_argnums and nondiff_argnums ------------------------------------------------------------------------------


def _scaled(a, b):
    return dnp.sin(a) * b


@pytest.mark.parametrize("static", [2, (5,), -3])
def test_checkpoints_static_argnums_out_of_range_is_named_not_wrapped(static):
    # on main position i was i % len(args): static_argnums=2 of 2 arguments made argument 0 static, silently
    with pytest.raises(
        ValueError, match=r"^checkpoint's static_argnums -?\d is out of range for _scaled called with 2"
    ):
        dl.grad(lambda a: dl.checkpoint(_scaled, static_argnums=static)(a, 2.0).sum())(X)
    got = dl.grad(lambda a: dl.checkpoint(_scaled, static_argnums=-1)(a, 2.0).sum())(X)  # (-1: the last, b)
    np.testing.assert_allclose(got, 2.0 * np.cos(X), rtol=1e-15)


@pytest.mark.parametrize("static", ["1", 1.0, None, True])
def test_static_argnums_that_are_no_ints_are_named(static):
    # on main checkpoint's: "not all arguments converted during string formatting" ('1'), "'float' object is not
    # iterable" (1.0, None; prepare's too), True taken as 1; prepare's '1' "is not a position"
    with pytest.raises(TypeError, match=r"^checkpoint's static_argnums must be an int or a tuple of ints, got"):
        dl.checkpoint(_scaled, static_argnums=static)
    with pytest.raises(TypeError, match=r"^static_argnums must be an int or a tuple of ints, got"):
        dl.prepare(_scaled, X, 2.0, static_argnums=static)
    for kind in (dl.custom_jvp, dl.custom_vjp):
        with pytest.raises(TypeError, match=r"nondiff_argnums must be non-negative ints, got"):
            kind(_scaled, nondiff_argnums=static)
    # on main NumPy's "The truth value of an empty array is ambiguous" (np.int64(1) == () is an empty array)
    np.testing.assert_allclose(dl.prepare(_scaled, X, 2.0, static_argnums=np.int64(1))(X, 2.0), 2.0 * np.sin(X))


# -- difflab.testing given a function returning None, a str, complex values ------------------------------------------

_RETURNS = {
    "None": (lambda a: None, TypeError, r"^f\(\*args\) returned NoneType \(is its return statement missing\?\)"),
    "str": (lambda a: "s", TypeError, r"^f\(\*args\) returned a str of dtype <U1, not a number"),
    "complex": (
        lambda a: np.sum(np.exp(1j * a)),
        TypeError,
        r"^f\(\*args\) returned complex values \(dtype complex128\): the checks compare a real function's",
    ),
}


@pytest.mark.parametrize("returned", list(_RETURNS))
@pytest.mark.parametrize("check", ["check_grad", "check_hvp"])
def test_the_checks_name_a_function_returning_none_a_str_or_complex_values(check, returned):
    # on main NumPy's "need at least one array to concatenate" (None), "could not convert string to float: 's'", and
    # for complex values a GradientMismatch blaming "difflab.jacobian returned complex values"; check_hvp: Python's
    # "unsupported operand type(s) for -: 'NoneType' and 'NoneType'" from its differences
    from difflab import testing

    f, error, said = _RETURNS[returned]
    calls = {
        "check_grad": lambda g, d: testing.check_grad(g, lambda a: d * np.ones(3), X),
        "check_hvp": lambda g, d: testing.check_hvp(g, lambda p, t: 0.0 * d * t[0], X),
    }
    with pytest.raises(error, match=said):
        calls[check](f, 1.0)
    assert calls[check](lambda a: 2.0 * np.sum(a), 2.0)  # (gradient 2, Hessian 0)
    with pytest.raises(testing.GradientMismatch):
        calls[check](lambda a: 2.0 * np.sum(a * a), 2.0)  # (gradient 4a, Hessian 4)


def test_check_grad_names_an_object_array_gradient_by_its_dtype():
    # on main "grad_f (<lambda>) returned a ndarray for args[0], which needs a float array" (an ndarray was due)
    from difflab import testing

    with pytest.raises(testing.GradientMismatch, match=r"returned a ndarray of dtype object for args\[0\], which"):
        testing.check_grad(lambda a: np.sum(a), lambda a: np.ones(3, dtype=object), X)
    assert testing.check_grad(lambda a: np.sum(a), lambda a: np.ones(3), X)


# -- difflab.nn: empty sets, labels, bools ---------------------------------------------------------------------------


def test_an_empty_test_set_reports_nan_test_metrics_and_a_loss_of_no_examples_is_refused():
    from difflab import nn

    d = nn.load_dataset("xor", n=40, seed=0)
    empty = nn.Dataset("xor", d.X_train, d.y_train, np.zeros((0, 2)), np.zeros(0, dtype=int))
    # on main Python's "float division by zero" from the test loss after the first epoch
    h = nn.train(nn.MLP([2, 4, 2]), empty, epochs=2, batch_size=10)
    assert np.isnan(h.test_loss).all() and np.isnan(h.test_accuracy).all() and len(h.test_loss) == 2
    assert np.isfinite(h.train_loss).all() and 0.0 <= h.train_accuracy[-1] <= 1.0
    for loss in (nn.mse, nn.softmax_cross_entropy):  # (on main "float division by zero" too)
        with pytest.raises(ValueError, match=r"a loss is a mean over the examples, and predictions of shape \(0, 2\)"):
            loss(np.zeros((0, 2)), np.zeros((0, 2)))
    assert nn.mse(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]])) == 2.0  # (½ · 2²)


@pytest.mark.parametrize("labels, said", [([0, 1, 5], "5"), ([0.5, 1.0, 0.0], "0.5"), ([0, -1, 1], "-1")])
def test_accuracy_refuses_labels_no_logit_column_has(labels, said):
    from difflab import nn

    logits = np.array([[2.0, 1.0], [0.0, 3.0], [5.0, 4.0]])
    # on main 1/3 (label 5 never matched an argmax, nor did 0.5 or -1): an accuracy of the other rows, silently
    with pytest.raises(ValueError, match=rf"accuracy needs integer labels in 0..1 .*, got {said}$"):
        nn.accuracy(logits, np.array(labels))
    assert nn.accuracy(logits, np.array([0, 1, 1])) == pytest.approx(2.0 / 3.0)
    assert nn.accuracy(logits, np.array([0.0, 1.0, 0.0])) == 1.0  # (whole floats are labels, as Dataset's)


def test_nn_refuses_true_as_a_rate_or_noise_and_complex_or_str_features():
    from difflab import nn

    # on main lr=True was a learning rate of 1.0, noise=True a noise of 1.0
    for make in (lambda: nn.SGD(lr=True), lambda: nn.Adam(lr=np.True_), lambda: nn.Adam(lr=0.1, b1=False)):
        with pytest.raises(ValueError, match=r"(lr must be a finite number > 0|b1 must be in \[0, 1\)), got"):
            make()
    with pytest.raises(TypeError, match=r"noise must be a finite number >= 0, got True"):
        nn.load_dataset("moons", n=20, noise=True)
    # on main complex features lost their imaginary part (NumPy's ComplexWarning) and strings were parsed as numbers
    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    for bad, dtype in ((X + 1j, "complex128"), (X.astype(str), "<U32")):
        with pytest.raises(ValueError, match=rf"X_train must hold real numbers, got dtype {dtype}"):
            nn.Dataset("d", bad, y, X, y)
    assert nn.Dataset("d", X.astype(np.float32), y, X, y).X_train.dtype == np.float64


# -- axis, and numbers that are no floats ----------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [np.nan, 1.0, True, "0", (0, 1.0)])
@pytest.mark.parametrize("name", ["sum", "cumsum"])
def test_an_axis_that_is_no_int_is_refused_as_numpy_does(name, axis):
    # on main "'float' object is not iterable" (nan, inf), "'<=' not supported between 'int' and 'str'" ('0'), and
    # True and 1.0 summed over axis 1 where NumPy refuses both ("an integer is required")
    x = np.arange(6.0).reshape(2, 3) + 1.0
    with pytest.raises(TypeError):
        getattr(np, name)(x, axis=axis)  # (NumPy's own refusal)
    one_axis = name == "cumsum" and isinstance(axis, tuple)  # (review56: a one-axis function names itself)
    want = r"^numpy.cumsum: axis must be an int, got \(0, 1.0\)" if one_axis else r"^axis must be an int, a tuple"
    with pytest.raises(TypeError, match=want):
        dl.grad(lambda a: dnp.sum(getattr(dnp, name)(a, axis=axis)))(x)
    np.testing.assert_allclose(
        dl.grad(lambda a: dnp.sum(dnp.sum(a, axis=np.int64(1)) ** 2))(x), [[12.0] * 3, [30.0] * 3]
    )


@pytest.mark.parametrize(
    "x, said",
    [
        (10**400, r"\(an int of 401 digits, beyond float64's range \(1.8e308\): rescale it\)"),
        (10**20, r"\(an int of 21 digits, more than int64 holds: pass float\(x\)\)"),
        (__import__("fractions").Fraction(1, 3), r"\(a Fraction: pass float\(x\)\)"),
        (np.array([0.5], dtype=object), r"\(an object array: pass x.astype\(float\) if it holds numbers\)"),
    ],
    ids=["10**400", "10**20", "Fraction", "object array"],
)
def test_a_number_that_is_no_float_is_named_with_what_to_pass(x, said):
    # on main "(a int is not a number)", "(a Fraction is not a number)", "(a ndarray is not a number)"
    with pytest.raises(TypeError, match=r"has dtype object: only floating-point values can be differentiated " + said):
        dl.grad(lambda a: a * a)(x)
    assert dl.grad(lambda a: a * a)(float(__import__("fractions").Fraction(1, 4))) == 0.5


def test_nn_names_bad_params_seeds_and_training_switches():
    from difflab import nn

    model, X = nn.MLP([2, 4, 3]), np.ones((5, 2))
    params = model.init(0)
    # on main matmul's "mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?)", Python's
    # KeyError 'W0', and "argument 0 (leaf 0) has dtype int64" for a list
    with pytest.raises(ValueError, match=r"params\['W0'\] has shape \(7, 7\), expected \(2, 4\)$"):
        model({**params, "W0": np.ones((7, 7))}, X)
    with pytest.raises(ValueError, match=r"params has no 'b1' \(of shape \(3,\)\); model.init\(seed\) makes them"):
        model({k: v for k, v in params.items() if k != "b1"}, X)
    d = nn.load_dataset("xor", n=40, seed=0)
    with pytest.raises(TypeError, match=r"takes params as the dict model.init\(seed\) returns, got list"):
        nn.train(nn.MLP([2, 4, 2]), d, epochs=1, params=[1, 2])
    # on main NumPy's "expected non-negative integer" and "SeedSequence expects int or sequence of ints"
    for seed in (-1, 1.5, "a", True):
        with pytest.raises(ValueError, match=r"^seed must be an int >= 0 or None, got"):
            model.init(seed)
    # on main time_budget="1": Python's "'>' not supported"; drop_last="no" was True (the partial batch dropped)
    with pytest.raises(ValueError, match=r"time_budget must be a number of seconds > 0 or None, got '1'"):
        nn.train(nn.MLP([2, 4, 2]), d, epochs=1, time_budget="1")
    with pytest.raises(TypeError, match=r"drop_last must be True or False, got 'no'"):
        nn.train(nn.MLP([2, 4, 2]), d, epochs=1, batch_size=7, drop_last="no")
    assert nn.train(nn.MLP([2, 4, 2]), d, epochs=1, batch_size=7, drop_last=True).steps == 4  # (30 // 7)
    np.testing.assert_allclose(model(params, np.zeros((1, 2))), np.zeros((1, 3)))  # (zero biases, tanh(0) = 0)
