"""The oracle catches deliberately wrong hand-written gradients and passes the right ones.

Every case runs twice: with f written in difflab.numpy (exact reference) and with f as a black box
(its inputs go through np.asarray, which tracing refuses: numeric reference).
"""

import numpy as np
import pytest
from hypothesis import given, settings

import difflab.numpy as dnp
from difflab import tree
from difflab.testing import (
    GradientMismatch,
    check_grad,
    check_hessian,
    check_jacobian,
    check_jvp,
    check_vjp,
    get_scenario,
    taylor_test,
)
from difflab.testing.strategies import scenarios, symbolic_settings


def opaque(f):
    """f as a black box to difflab: np.asarray on its inputs stops the tracer."""
    return lambda *args: f(*[tree.tree_map(np.asarray, a) for a in args])


MODES = {"traceable": lambda f: f, "black box": opaque}
A = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [-0.7, 0.4, 1.1]])
X = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.2], [-1.0, 0.8, 0.4], [0.2, 0.1, -0.6]])
y = np.array([1.0, -0.5, 0.3, 2.0])
x3 = np.array([0.3, -1.1, 2.5])


def _tanh_layer(w):
    return dnp.sum(dnp.tanh(A @ w))


def _batch_mse(w):
    return dnp.mean((X @ w - y) ** 2.0)


def _rosenbrock_grad_at(shift):
    s = get_scenario("rosenbrock")
    return lambda x: s.formula(x + shift)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _neuron_sigmoid_slip(w, x):  # s instead of s(1 - s)
    s = _sigmoid(w @ x)
    return 2.0 * (s - 1.0) * s * x


def _off_in_one_entry(grad, index, factor=1.001):
    def wrong(*args):
        g = np.array(grad(*args), dtype=float)
        g[index] *= factor
        return g

    return wrong


# (name, f, args, right gradient, wrong gradient, argnums)
CASES = [
    (
        "wrong sign",
        lambda x: dnp.sum(dnp.sin(x) * x),
        (x3,),
        lambda x: np.sin(x) + x * np.cos(x),
        lambda x: -(np.sin(x) + x * np.cos(x)),
        0,
    ),
    ("missing factor 2", lambda x: dnp.sum(x * x * 3.0), (x3,), lambda x: 6.0 * x, lambda x: 3.0 * x, 0),
    (
        "one entry off by 0.1%",
        get_scenario("rosenbrock").function,
        get_scenario("rosenbrock").args,
        get_scenario("rosenbrock").formula,
        _off_in_one_entry(get_scenario("rosenbrock").formula, 2),
        0,
    ),
    (
        "transposed matrix gradient",
        get_scenario("least-squares").function,
        get_scenario("least-squares").args,
        get_scenario("least-squares").formula,
        lambda W, X, Y: ((W @ X - Y) @ X.T).T,
        0,
    ),
    (
        "unaveraged batch loss",
        _batch_mse,
        (np.array([0.2, -0.4, 0.7]),),
        lambda w: 2.0 * X.T @ (X @ w - y) / len(y),
        lambda w: 2.0 * X.T @ (X @ w - y),
        0,
    ),
    (
        "sigmoid derivative s instead of s(1-s)",
        get_scenario("sigmoid-neuron").function,
        get_scenario("sigmoid-neuron").args,
        get_scenario("sigmoid-neuron").formula,
        _neuron_sigmoid_slip,
        0,
    ),
    (
        "tanh derivative 1-t instead of 1-t²",
        _tanh_layer,
        (np.array([0.2, -0.4, 0.7]),),
        lambda w: A.T @ (1.0 - np.tanh(A @ w) ** 2),
        lambda w: A.T @ (1.0 - np.tanh(A @ w)),
        0,
    ),
    (
        "gradient of a neighbouring point",
        get_scenario("rosenbrock").function,
        get_scenario("rosenbrock").args,
        get_scenario("rosenbrock").formula,
        _rosenbrock_grad_at(1e-6),
        0,
    ),
    (
        "tiny-gradient region (1e-6)",
        lambda x: 1e-6 * dnp.sum(dnp.sin(x)),
        (x3,),
        lambda x: 1e-6 * np.cos(x),
        _off_in_one_entry(lambda x: 1e-6 * np.cos(x), 0),
        0,
    ),
    (
        "huge values (1e6)",
        lambda x: dnp.sum(x**4.0),
        (np.array([60.0, -75.0, 90.0]),),
        lambda x: 4.0 * x**3,
        _off_in_one_entry(lambda x: 4.0 * x**3, 1),
        0,
    ),
    (
        "a pytree argument, one leaf wrong",
        get_scenario("tanh-mlp").function,
        get_scenario("tanh-mlp").args,
        get_scenario("tanh-mlp").formula,
        lambda p, X, Y: {
            **get_scenario("tanh-mlp").formula(p, X, Y),
            "b1": -get_scenario("tanh-mlp").formula(p, X, Y)["b1"],
        },
        0,
    ),
    (
        "two arguments",
        get_scenario("diamond").function,
        get_scenario("diamond").args,
        get_scenario("diamond").formula,
        lambda x, y, z: (96.0, 288.0, 287.0),
        (0, 1, 2),
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name, f, args, right, wrong, argnums", CASES, ids=IDS)
def test_right_gradients_pass(name, f, args, right, wrong, argnums, mode):
    result = check_grad(MODES[mode](f), right, *args, argnums=argnums)
    assert result and 0 < result.margin <= 1
    assert ("Richardson" in result.reference) == (mode == "black box")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name, f, args, right, wrong, argnums", CASES, ids=IDS)
def test_wrong_gradients_are_caught(name, f, args, right, wrong, argnums, mode):
    with pytest.raises(GradientMismatch) as caught:
        check_grad(MODES[mode](f), wrong, *args, argnums=argnums)
    err = caught.value
    message = str(err)
    for part in ("worst entry", "user", "reference", "allowed", "out of tolerance", "seed", err.worst[0]):
        assert part in message
    assert ("Richardson" if mode == "black box" else "traced f") in message
    assert abs(err.user - err.reference) > err.allowed


@settings(symbolic_settings, max_examples=15, derandomize=True)
@given(scenarios(names=["rosenbrock", "exp-sin", "logsumexp", "softmax-cross-entropy", "sigmoid-neuron"]))
def test_slips_are_caught_at_every_drawn_point(s):
    """At points drawn near the scenarios: the right gradient passes, a 0.1% slip never does."""
    for mode in MODES.values():
        f = mode(s.function)
        assert check_grad(f, s.formula, *s.args, argnums=s.argnums, reference="reverse" if f is s.function else "auto")
        worst = int(np.argmax(np.abs(s.gradient)))
        with pytest.raises(GradientMismatch):
            check_grad(f, _off_in_one_entry(s.formula, worst), *s.args, argnums=s.argnums)


# -- black boxes difflab cannot trace, and points just beside a kink ------------------------------


def test_black_boxes_with_numpy_features_difflab_cannot_trace():
    # NumPy's Polynomial class is not traced (hfft and QR were this example: primitives now): the oracle falls back
    # to Richardson. Polynomial(x)(1.0) is the sum of the coefficients x0 + x1 + x2
    w = np.ones(3)
    square = lambda x: np.polynomial.Polynomial(x)(1.0) ** 2  # noqa: E731
    assert "Richardson" in check_grad(square, lambda x: 2 * (w @ x) * w, x3).reference
    with pytest.raises(GradientMismatch, match="Richardson"):
        check_grad(square, lambda x: 3 * (w @ x) * w, x3)
    # multi_dot and polyval were black boxes too; now they trace, and the reference is symbolic's
    quad = lambda x: np.linalg.multi_dot([x, A, x])  # noqa: E731
    assert check_grad(quad, lambda x: (A + A.T) @ x, x3)
    assert check_jacobian(
        lambda x: np.polyval(x, A[0]) ** 2,
        lambda x: 2 * np.polyval(x, A[0])[:, None] * A[0][:, None] ** np.arange(2, -1, -1),
        x3,
    )
    with pytest.raises(GradientMismatch, match="symbolic derivative of the traced f"):
        check_grad(quad, lambda x: A @ x, x3)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "f, grad_f, x",
    [
        (lambda x: dnp.sum(dnp.abs(x)), np.sign, np.array([3e-8, -1.0, 2.0])),
        (lambda x: dnp.sum(dnp.relu(x)), lambda x: (x > 0) * 1.0, np.array([1e-9, -1.0, 2.0])),
        (lambda x: dnp.sum(dnp.abs(x) * 3.0 + 1.0), lambda x: 3.0 * np.sign(x), np.array([-2e-8, 0.5])),
    ],
    ids=["abs at 3e-8", "relu at 1e-9", "abs + 1 at -2e-8"],
)
def test_no_false_alarm_beside_a_kink(f, grad_f, x, mode):
    assert check_grad(MODES[mode](f), grad_f, x)


@pytest.mark.parametrize("value_at_0, note", [(1.0, True), (0.0, True), (0.5, False)], ids=["right", "left", "mean"])
def test_black_box_at_a_kink_accepts_either_side(value_at_0, note):
    grad_f = lambda x: np.where(x == 0, value_at_0, (x > 0) * 1.0)
    result = check_grad(opaque(lambda x: dnp.sum(dnp.relu(x))), grad_f, np.array([0.0, -1.0, 2.0]))
    assert any("left 0, right 1" in n for n in result.notes) == note  # central differences give the mean


def test_failure_beside_a_kink_says_where_the_kink_is():
    with pytest.raises(GradientMismatch) as caught:
        check_grad(lambda x: dnp.sum(dnp.abs(x)), lambda x: -np.sign(x), np.array([3e-8, -1.0]))
    assert "v0 is 3e-08 from the kink of abs at equation `v1 = abs(v0)`" in str(caught.value)
    assert "worst entry       args[0][" in str(caught.value)


def test_float32_hint():
    x = np.array([0.5, 1.5], dtype=np.float32)
    assert check_grad(lambda x: dnp.sum(dnp.exp(x)), lambda x: np.exp(x), x)  # rtol follows float32
    with pytest.raises(GradientMismatch, match="float32 values are involved"):
        check_grad(lambda x: dnp.sum(dnp.exp(x)), lambda x: np.exp(x) * np.float32(1.01), x)


def test_shape_and_structure_mistakes_are_named():
    f = lambda W: dnp.sum(dnp.tanh(W @ X[:2]))
    with pytest.raises(GradientMismatch, match=r"shape \(2, 3\).*needs shape \(3, 2\) \(transposed\?\)"):
        check_grad(f, lambda W: np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(GradientMismatch, match="should have the structure"):
        check_grad(get_scenario("tanh-mlp").function, lambda p, X, Y: [1.0], *get_scenario("tanh-mlp").args)
    # in words too: `difflab check f --grad g` with g returning one array for f(x, w) read "(*, *)" alone
    with pytest.raises(GradientMismatch, match=r"structure \(\*, \*\) \(a tuple of 2: one entry per leaf"):
        check_grad(lambda x, w: x * dnp.sum(w), lambda x, w: w, 2.0, np.ones(2), argnums=(0, 1))


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown reference"):
        check_grad(dnp.sin, np.cos, 1.0, reference="exact-ish")
    with pytest.raises(ValueError, match="black box"):
        check_grad(opaque(dnp.sin), np.cos, 1.0, reference="symbolic")
    with pytest.raises(ValueError, match="rtol"):
        check_grad(dnp.sin, np.cos, 1.0, rtol=-1.0)
    with pytest.raises(TypeError, match=r"scalar output, but f returned shape \(3,\); use check_jacobian"):
        check_grad(dnp.sin, np.cos, x3)  # (it said "shape ((3,),)", a tuple of the leaves' shapes)
    with pytest.raises(TypeError, match=r"returned leaves of shapes \(3,\), \(\); use"):
        check_grad(lambda x: (dnp.sin(x), x[0]), np.cos, x3)
    with pytest.raises(TypeError, match="dtype int"):
        check_grad(lambda n: n * 2.0, lambda n: 2.0, np.arange(3))


def test_the_result_reports_errors_margins_and_reference():
    s = get_scenario("tanh-mlp")
    result = check_grad(s.function, s.formula, *s.args)
    assert set(result.margins) == {"args[0]['W1']", "args[0]['W2']", "args[0]['b1']", "args[0]['b2']"}
    assert result.max_abs_error < 1e-12 and result.reference == "reverse-mode AD of the traced f"
    assert result.worst[0] in result.margins and result.margin == min(result.margins.values())


# -- the siblings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_check_jacobian_and_hessian(mode):
    f = MODES[mode](lambda x: dnp.tanh(A @ x))
    jac = lambda x: (1.0 - np.tanh(A @ x) ** 2)[:, None] * A
    assert check_jacobian(f, jac, x3)
    with pytest.raises(GradientMismatch, match=r"f\(\*args\) / args\[0\]"):
        check_jacobian(f, lambda x: jac(x).T, x3)
    s = get_scenario("rosenbrock")
    g = MODES[mode](s.function)
    assert check_hessian(g, s.hessian_formula, *s.args)
    with pytest.raises(GradientMismatch):
        check_hessian(g, lambda x: s.hessian_formula(x) * (1 + 1e-4), *s.args)


@pytest.mark.parametrize("mode", MODES)
def test_check_jvp(mode):
    f = MODES[mode](lambda x: dnp.tanh(A @ x) ** 2.0)
    jac = lambda x: 2 * np.tanh(A @ x)[:, None] * (1.0 - np.tanh(A @ x) ** 2)[:, None] * A
    assert check_jvp(f, lambda p, t: (f(*p), jac(p[0]) @ t[0]), x3)
    with pytest.raises(GradientMismatch, match="the tangent drawn from seed 7|seed              7"):
        check_jvp(f, lambda p, t: (f(*p), jac(p[0]).T @ t[0]), x3, seed=7)
    with pytest.raises(GradientMismatch, match="primal output"):
        check_jvp(f, lambda p, t: (f(*p) + 1.0, jac(p[0]) @ t[0]), x3)


@pytest.mark.parametrize("mode", MODES)
def test_check_vjp_adjoint_identity(mode):
    f = MODES[mode](lambda x, b: dnp.tanh(A @ x) * b)
    jac_x = lambda x, b: ((1.0 - np.tanh(A @ x) ** 2) * b)[:, None] * A
    b = np.array([0.5, -1.0, 2.0])
    right = lambda x, b: (f(x, b), lambda u: (jac_x(x, b).T @ u, np.tanh(A @ x) * u))
    transposed = lambda x, b: (f(x, b), lambda u: (jac_x(x, b) @ u, np.tanh(A @ x) * u))
    assert check_vjp(f, right, x3, b)
    with pytest.raises(GradientMismatch, match="probe"):
        check_vjp(f, transposed, x3, b)


def test_taylor_test_slopes():
    s = get_scenario("exp-sin")
    assert 2.7 < taylor_test(s.function, s.formula, *s.args).slope < 3.3  # the odd remainder: h³
    assert 2.7 < taylor_test(opaque(s.function), s.formula, *s.args, seed=3).slope < 3.3
    with pytest.raises(GradientMismatch) as caught:
        taylor_test(s.function, _off_in_one_entry(s.formula, 0), *s.args)
    assert 0.9 < caught.value.slope < 1.2
    affine = taylor_test(lambda x: dnp.sum(x * 2.0), lambda x: np.full(3, 2.0), x3)
    assert np.isnan(affine.slope) and "at most quadratic" in affine.note


def test_a_black_box_reference_silences_warnings_once_not_per_call(monkeypatch):
    """A black box's Hessian reference calls f ~10⁴ times, and each call entered warnings.catch_warnings (and
    np.errstate) anew: a third of check_hessian's time (issue 17). The reference enters them once; f stays quiet."""
    import warnings

    real, entered, calls = warnings.catch_warnings, [], []

    class Counting(real):
        def __enter__(self):
            entered.append(self)
            return super().__enter__()

    def f(x):
        calls.append(x)
        warnings.warn("noisy f")  # silenced while difflab calls f, as before
        return np.sum(np.asarray(x) ** 3)

    with real(record=True) as shown:
        warnings.simplefilter("always")
        monkeypatch.setattr(warnings, "catch_warnings", Counting)
        assert check_hessian(f, lambda x: np.diag(6 * x), np.array([0.5]))
    assert len(calls) > 100 and len(entered) < 10, (len(calls), len(entered))
    assert not [w for w in shown if "noisy f" in str(w.message)]


def test_a_black_box_that_returns_its_own_buffer_is_read_by_value():
    """f writes into one array and returns it each call: the reference keeps each call's values, not the array."""
    buf = np.zeros(3)

    def f(x):
        buf[:] = np.sin(np.asarray(x))
        return buf

    assert check_jacobian(f, lambda x: np.diag(np.cos(x)), x3)
    with pytest.raises(GradientMismatch):
        check_jacobian(f, lambda x: np.diag(np.cos(x)) * 1.001, x3)


def test_black_box_computed_in_float32_inside():
    """Its values resolve 1e-7, not 1e-16: no false alarm, and a 1% slip is caught with the reason."""
    f = lambda x: float(np.sum(np.sin(np.asarray(x, dtype=np.float32))))
    assert check_grad(f, np.cos, np.array([0.3, 1.2]))
    with pytest.raises(GradientMismatch, match="round-off floor"):
        check_grad(f, lambda x: np.cos(x) * 1.01, np.array([0.3, 1.2]))


def test_kink_conventions_where_f_is_smooth():
    """relu(x) + log1p(exp(-|x|)) (softplus written with kinks) is smooth at 0 (slope 1/2), but
    relu'(0) = abs'(0) = 0 make its exact value 0 there: the oracle trusts the one-sided evidence."""
    kinked_softplus = lambda x: dnp.relu(x) + dnp.log1p(dnp.exp(-dnp.abs(x)))
    assert any("kink conventions" in n for n in check_grad(kinked_softplus, lambda x: 0.5, 0.0).notes)
    with pytest.raises(GradientMismatch, match="one-sided differences of f"):
        check_grad(kinked_softplus, lambda x: 0.0, 0.0)


# -- issue 15: the oracle's misses --------------------------------------------------------------


def test_a_small_entry_of_a_badly_scaled_gradient_is_judged_on_its_own_size():
    f = lambda x: 500.0 * x[0] ** 2 + 0.05 * x[1] ** 2  # noqa: E731  gradient (1e3, 1e-1) at (1, 1)
    right = lambda x: np.array([1000.0 * x[0], 0.1 * x[1]])  # noqa: E731
    off = lambda x: np.array([1000.0 * x[0], 0.11 * x[1]])  # noqa: E731  10 % off in the small entry
    for reference in ("auto", "reverse", "numeric"):
        assert check_grad(f, right, np.ones(2), reference=reference)
        with pytest.raises(GradientMismatch, match=r"worst entry +args\[0\]\[1\]") as caught:
            check_grad(f, off, np.ones(2), reference=reference)
        assert "1 of 2 entries" in str(caught.value) and caught.value.worst == ("args[0]", (1,))
        assert "failing entries   args[0][1]" in str(caught.value)


@pytest.mark.parametrize("seed", range(5))
def test_taylor_test_fails_a_gradient_one_millionth_off(seed):
    s = get_scenario("exp-sin")
    assert taylor_test(s.function, s.formula, *s.args, seed=seed)
    with pytest.raises(GradientMismatch, match="slope"):
        taylor_test(s.function, lambda *a: np.asarray(s.formula(*a)) * (1 + 1e-6), *s.args, seed=seed)


def test_a_failing_check_inside_pytest_shows_its_diagnosis_first(pytester):
    pytester.makepyfile("""
        import numpy as np
        from difflab.testing import check_grad

        def test_wrong():
            check_grad(lambda x: float(np.sum(x ** 3)), lambda x: 3.1 * x ** 2, np.array([1.0, 2.0]))
    """)
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if "test_wrong" in line and "_" in line)
    diagnosis = next(i for i, line in enumerate(lines) if "does not match the reference" in line)
    assert diagnosis - start < 15, "\n".join(lines[start : diagnosis + 1])
    assert not any("difflab/testing/oracle.py" in line for line in lines[start:diagnosis])


def test_a_reference_whose_steps_are_below_the_float_spacing_of_x_refuses():
    # at x0 = 1e13 floats are 0.002 apart; the directional differences of a black box step by
    # as little as ~1e-4 there, so x0 + step rounds: the reference cannot see x0 (issue 14)
    from difflab.testing.oracle import Inconclusive

    x = np.array([1e13, 1.0])
    square = lambda x: x * x  # noqa: E731
    right = lambda p, t: (square(p[0]), 2 * p[0] * t[0])  # noqa: E731
    wrong = lambda p, t: (square(p[0]), 2 * p[0] * t[0] * np.array([1.01, 1.0]))  # noqa: E731
    for jvp_f in (right, wrong):  # the wrong one passed before (its error hid in the reference's)
        with pytest.raises(Inconclusive, match=r"args\[0\]\[0\] = 1e\+13 .* below the spacing of floats there"):
            check_jvp(square, jvp_f, x, reference="numeric")
    with pytest.raises(Inconclusive, match="below the spacing"):
        check_vjp(square, lambda x: (square(x), lambda u: (2 * x * u,)), x, reference="numeric")
    # the exact reference (traceable f) has no steps: right passes, wrong fails
    assert check_jvp(square, right, x)
    with pytest.raises(GradientMismatch) as info:
        check_jvp(square, wrong, x)
    assert not isinstance(info.value, Inconclusive)
    # at an ordinary magnitude the numeric reference still judges
    assert check_jvp(square, right, np.array([1e3, 1.0]), reference="numeric")


def _doubling_cos(w):
    w *= 2.0  # a user's gradient that writes into its argument (its values are right: cos of the original w)
    return np.cos(w / 2.0)


def test_a_user_function_that_changes_its_argument_in_place_is_named():
    """The reference was taken at the point the user's grad_f had moved the array to, so a right
    formula failed as a 'mismatch' at every entry; now it is named, and the caller's array is kept."""
    w = np.array([0.1, 0.2])
    with pytest.raises(GradientMismatch, match=r"grad_f \(_doubling_cos\) changed its argument args\[0\] in place"):
        check_grad(lambda w: np.sum(np.sin(w)), _doubling_cos, w)
    np.testing.assert_array_equal(w, [0.1, 0.2])
    with pytest.raises(GradientMismatch, match=r"grad_f \(_doubling_cos\) changed its argument args\[0\] in place"):
        taylor_test(lambda w: np.sum(np.sin(w)), _doubling_cos, w)

    def vjp_f(w):
        w[0] = 5.0
        return np.sin(w), lambda u: (np.cos(w) * u,)

    with pytest.raises(GradientMismatch, match=r"vjp_f \(vjp_f\) changed its argument args\[0\] in place"):
        check_vjp(np.sin, vjp_f, w)
    np.testing.assert_array_equal(w, [0.1, 0.2])


def _doubles_then_squares(x):
    x *= 2.0  # a function under test that writes into its argument: x -> Σ(2x)², gradient 8x
    return np.sum(x**2)


def _doubles_then_squares_each(x):
    x *= 2.0
    return x**2


@pytest.mark.parametrize("reference", ["auto", "numeric", "reverse"])
def test_f_that_changes_its_argument_in_place_gets_copies(reference):
    """f itself was called on the caller's array (and on the numeric reference's points): `x *= 2` in f
    doubled the caller's x, and the derivative was judged at the moved point; f now gets copies."""
    x = np.array([1.0, 2.0])
    assert check_grad(_doubles_then_squares, lambda v: 8.0 * v, x, reference=reference)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    assert check_jacobian(_doubles_then_squares_each, lambda v: np.diag(8.0 * v), x, reference=reference)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_a_jax_style_function_that_does_not_return_a_pair_is_named():
    """check_jvp unpacked jvp_f's result itself: a user who returned J v alone got Python's 'not
    enough values to unpack (expected 2, got 3)' from difflab's frame."""
    x = np.array([0.5, 1.0, 2.0])
    with pytest.raises(
        GradientMismatch, match=r"jvp_f \(<lambda>\) must return the pair \(f\(\*primals\), J v\) .* got ndarray"
    ):
        check_jvp(np.sin, lambda p, t: np.cos(p[0]) * t[0], x)
    with pytest.raises(
        GradientMismatch, match=r"must return the pair \(f\(\*primals\), pullback\) .* got a tuple of 3"
    ):
        check_vjp(np.sin, lambda x: (np.sin(x), None, None), x)
    # a 1-tuple where one array is due reads as shape (1, n): the message says what it is
    with pytest.raises(GradientMismatch, match=r"returned shape \(1, 3\) .* \(a tuple of 1 where one array is due"):
        check_grad(lambda w: np.sum(np.sin(w)), lambda w: (np.cos(w),), x)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix's own
@pytest.mark.parametrize("check", ["check_grad", "check_jvp", "taylor_test", "masked"])
def test_array_subclasses_are_refused_not_checked_as_plain_arrays(check):
    """A numpy.matrix's * is a matrix product: sum(M * M) at [[1, 2], [3, 4]] is 54, its gradient
    [[7, 11], [9, 13]] (M's column sums + row sums); the oracle's stencil points were plain arrays, so
    check_grad passed the plain arrays' 2M (newuser47). Refused by name, as difflab.grad refuses it."""
    M = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    f, two_m = (lambda a: np.sum(a * a)), (lambda a: 2 * np.asarray(a))
    assert f(M) == 54.0 and f(np.asarray(M)) == 30.0  # the function the user wrote is not the plain arrays'
    if check == "check_grad":
        call = lambda: check_grad(f, two_m, M)  # noqa: E731
    elif check == "check_jvp":
        call = lambda: check_jvp(f, lambda p, t: (f(*p), np.sum(two_m(*p) * t[0])), M)  # noqa: E731
    elif check == "taylor_test":
        call = lambda: taylor_test(f, two_m, M)  # noqa: E731
    else:
        M = np.ma.masked_array([1.0, 2.0], mask=[False, True])
        call = lambda: check_grad(lambda a: np.sum(a * a), lambda a: 2 * a, M)  # noqa: E731
    kind = "MaskedArray" if check == "masked" else "numpy.matrix"
    with pytest.raises(TypeError, match=kind + r" of shape \(2,.*plain arrays"):
        call()


def test_check_hvp_names_an_hvp_s_results_when_the_users_hvp_f_raises():
    """The note said "-> (f(*primals), J v)": check_jvp's pair, wrapped around hvp_f (newuser47)."""
    from difflab.testing import check_hvp

    x = np.array([0.3, 0.7])
    with pytest.raises(IndexError) as err:  # hvp_f written as hvp_f(x, v): x is the tuple (primals,)
        check_hvp(lambda x: dnp.sum(dnp.sin(x)), lambda x, v: -np.sin(x[0])[5] * v[0], x)
    if hasattr(BaseException, "add_note"):  # (Python 3.11+)
        note = "difflab.testing called hvp_f (<lambda>) as (primals, tangents) -> H v, or (∇f(*primals), H v)"
        assert err.value.__notes__[-1].startswith(note)
    good = check_hvp(lambda x: dnp.sum(dnp.sin(x)), lambda p, t: -np.sin(p[0]) * t[0], x)  # H = -diag(sin x)
    assert good.margin > 0.5


def test_a_black_box_s_points_are_sliced_not_split(monkeypatch):
    # the Richardson-of-Richardson Hessian reference of a black box calls f ~10⁴ times: np.split and np.prod per call
    # were three times the cost of f (issue 17); the points still reach f as the right leaves, scalars as floats
    from difflab.testing.references import _Target

    seen = []
    t = _Target(lambda p, s: seen.append((p, s)) or dnp.sum(p["w"] ** 2) * s, ({"w": np.ones((2, 2))}, 3.0), (0, 1))
    monkeypatch.setattr(np, "split", None)  # (main split each point with it, and had no `leaves`)
    assert t.in_axis.leaves(np.arange(5.0))[1] == 4.0
    np.testing.assert_array_equal(t.call(np.arange(5.0)), [(0 + 1 + 4 + 9) * 4.0])
    p, s = seen[-1]
    np.testing.assert_array_equal(p["w"], [[0.0, 1.0], [2.0, 3.0]])
    assert type(s) is float and s == 4.0
    assert check_hessian(opaque(lambda w: dnp.sum(w**3)), lambda w: np.diag(6.0 * w), np.array([0.5, -1.0]))
