"""The numeric method: finite-difference schemes, accuracy, evaluation counts, complex-step refusal,
error estimates and the black-box entry points. Costs are counted in function evaluations."""

import math

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import get_method, numeric
from difflab.differentiators.numeric import EPS, SCHEMES, Numeric, numeric_gradient, numeric_jacobian, stencil_weights
from difflab.differentiators.pilot import probe_count
from difflab.differentiators.stencils import _steps

RNG = np.random.default_rng(0)
W1, W2 = RNG.normal(size=(4, 5)) / 2, RNG.normal(size=(5, 1)) / 2


def rosen(x):
    return dnp.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1.0 - x[:-1]) ** 2.0)


def mlp(x):  # x: (3, 4) inputs through two tanh layers
    return dnp.mean(dnp.tanh(dnp.tanh(x @ W1) @ W2) ** 2.0)


FUNCTIONS = {
    "exp": (lambda x: dnp.sum(dnp.exp(x)), np.array([0.3, -1.2, 2.5])),
    "sin": (lambda x: dnp.sum(dnp.sin(x) * x), np.array([0.1, 1.3, -2.0])),
    "rosen": (rosen, np.array([1.2, 0.8, -0.5, 2.0])),
    "mlp": (mlp, RNG.normal(size=(3, 4))),
}


def rel_err(method, name):
    f, x = FUNCTIONS[name]
    exact = dl.grad(f, method="reverse")(x)
    return np.max(np.abs(dl.grad(f, method=method)(x) - exact)) / np.max(np.abs(exact))


def prepared(f, x, method, wrt=(0,)):
    return method.prepare(dl.trace(f, x), wrt=wrt)


# ------------------------------------------------------------------ the public API, seed examples


@pytest.mark.parametrize(
    "method",
    [
        "numeric",
        Numeric(scheme="richardson"),
        Numeric(scheme="complex"),
        Numeric(scheme="central4"),
        Numeric(scheme="forward"),
    ],
)
def test_seed_examples(method):
    tol = 1e-6 if getattr(method, "scheme", "central") == "forward" else 1e-9
    np.testing.assert_allclose(
        dl.grad(lambda a, b: 5 * (a * b), argnums=(0, 1), method=method)(2.0, 3.0), (15.0, 10.0), rtol=tol
    )
    g = dl.grad(lambda x, y, z: ((x * y) * (y * z)) ** 2.0, argnums=(0, 1, 2), method=method)(3.0, 2.0, 1.0)
    np.testing.assert_allclose(g, (96.0, 288.0, 288.0), rtol=tol)
    np.testing.assert_allclose(dl.grad(lambda x: (x * x) * (x * x), method=method)(3.0), 108.0, rtol=tol)


def test_get_method_and_settings():
    m = get_method("numeric")
    assert isinstance(m, Numeric) and m.name == "numeric" and m.native == "jvp" and m.hessian_pair is None
    assert Numeric(scheme="richardson") == Numeric(scheme="richardson") != Numeric()
    assert repr(Numeric(step=1e-4)) == (
        "Numeric(scheme='central', step=0.0001, order=None, richardson_terms=14, error_estimate=False)"
    )


def test_a_differentiator_hashes_by_its_class_without_reading_its_settings(monkeypatch):
    # a fresh transform of a method name makes a fresh object, hashed on every call: by its class (equal
    # objects share one), two configurations of a class are still two keys (their __eq__ tells them apart)
    keys = {Numeric(): 1, Numeric(scheme="richardson"): 2, dl.Reverse(): 3, dl.Reverse(compiled=False): 4}
    assert len(keys) == 4 and keys[Numeric(scheme="richardson")] == 2 and keys[dl.Reverse(compiled=False)] == 4
    assert hash(Numeric(step=1e-3)) == hash(Numeric(step=1e-4)) and Numeric(step=1e-3) != Numeric(step=1e-4)
    monkeypatch.setattr(dl.Reverse, "settings", lambda self: pytest.fail("hash read the settings"))
    assert hash(dl.Reverse()) == hash(dl.Reverse(compiled=False))


def test_jacobian_jvp_vjp_through_the_api():
    f = lambda x: dnp.sin(x) * x[::-1]
    x, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, -2.0, 0.5])
    J = dl.jacobian(f, method="reverse")(x)
    np.testing.assert_allclose(dl.jacobian(f, method="numeric")(x), J, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(dl.jacobian(f, method=Numeric(scheme="richardson"))(x), J, rtol=1e-12, atol=1e-13)
    y, jv = dl.jvp(f, (x,), (v,), method="numeric")
    np.testing.assert_allclose(jv, J @ v, rtol=1e-8)
    _, pullback = dl.vjp(f, x, method="numeric")
    np.testing.assert_allclose(pullback(v)[0], v @ J, rtol=1e-8)


def test_hessian_native_stencil():
    assert Numeric.hessian_pair is None
    np.testing.assert_allclose(dl.hessian(lambda x: (x * x) * (x * x), method="numeric")(3.0), 108.0, rtol=1e-7)
    x = FUNCTIONS["rosen"][1]
    ref = dl.hessian(rosen, method="reverse")(x)
    H = dl.hessian(rosen, method="numeric")(x)
    assert np.max(np.abs(H - ref)) / np.max(np.abs(ref)) < 1e-7
    assert np.array_equal(H, H.T)
    p = prepared(rosen, x, Numeric())
    p.hessian([x])
    assert p.cost.evals == 1 + 4 + 4 * 4  # f(x), then n diagonal pairs and n(n-1)/2 mixed pairs


def test_nested_with_ad():
    f = lambda x: x**3.0
    for pair in [("forward", "numeric"), ("numeric", "reverse"), ("reverse", "numeric")]:
        np.testing.assert_allclose(dl.hessian(f, method=pair)(2.0), 12.0, rtol=1e-7, err_msg=str(pair))


# ------------------------------------------------------------------ accuracy per scheme


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_accuracy_per_scheme(name):
    errs = {s: rel_err(Numeric(scheme=s), name) for s in SCHEMES}
    assert errs["forward"] < 1e-6 and errs["backward"] < 1e-6
    assert errs["central"] < 1e-9
    assert errs["central4"] < errs["central"] and errs["central4"] < 1e-10
    assert errs["central6"] < 1e-9
    assert errs["richardson"] < 1e-12
    assert errs["complex"] < 1e-14


def test_order_setting_is_the_central_scheme():
    f, x = FUNCTIONS["exp"]
    a = dl.grad(f, method=Numeric(order=4))(x)
    b = dl.grad(f, method=Numeric(scheme="central4"))(x)
    assert np.array_equal(a, b)
    assert rel_err(Numeric(scheme="forward", order=2), "exp") < 1e-8  # 3-point one-sided stencil


def test_stencil_weights_are_generic():
    np.testing.assert_allclose(stencil_weights([-2, -1, 0, 1, 2]), [1 / 12, -2 / 3, 0, 2 / 3, -1 / 12], atol=1e-16)
    np.testing.assert_allclose(stencil_weights([0, 1, 2]), [-1.5, 2.0, -0.5])
    np.testing.assert_allclose(stencil_weights([-1, 0, 1], d=2), [1.0, -2.0, 1.0])
    # exact on polynomials of degree < number of points
    o = np.arange(-3.0, 4.0)
    assert abs(stencil_weights(o) @ (1.3 + o) ** 6 - 6 * 1.3**5) < 1e-10


def test_steps_per_component_and_exactly_representable():
    x = np.array([0.1, 3.0, -1e6])
    for i in range(3):
        v = np.eye(3)[i]
        h = _steps(x, v, EPS ** (1 / 3), True)[0, 0]
        assert (x[i] + h) - x[i] == h
        assert h == pytest.approx(EPS ** (1 / 3) * max(1.0, abs(x[i])), rel=1e-9)
    # badly scaled components: a shared step would ruin one of them
    x = np.array([0.5, 1e6])
    J = dl.jacobian(lambda x: x**3.0, method="numeric")(x)
    np.testing.assert_allclose(np.diag(J), 3 * x**2, rtol=1e-8)


# ------------------------------------------------------------------ evaluation counts


@pytest.mark.parametrize(
    "scheme, per_component",
    [
        ("forward", 1),
        ("backward", 1),
        ("central", 2),
        ("central4", 4),
        ("central6", 6),
        ("richardson", 28),
        ("complex", 1),
    ],
)
def test_evaluations_per_component(scheme, per_component):
    f, x = FUNCTIONS["rosen"]
    pf = dl.prepare(f, x, method=Numeric(scheme=scheme))
    pf.grad(x)
    # + f(x) itself, computed once; a central gradient's default step from 4 components probes axes first, one
    # evaluation each (pilot.py: one at n = 4, 2.5 per component)
    probes = probe_count(x.size) if scheme == "central" else 0
    assert pf.prepared.cost.evals == per_component * x.size + 1 + probes
    p = prepared(f, x, Numeric(scheme=scheme))
    p.jvp([x], np.ones(x.size))  # one direction: one stencil
    assert p.cost.evals == per_component + 1


def test_evaluation_counts_other_settings():
    f, x = FUNCTIONS["exp"]
    p = prepared(f, x, Numeric(scheme="richardson", richardson_terms=3))
    p.grad([x])
    assert p.cost.evals == 6 * 3 + 1
    p = prepared(f, x, Numeric(error_estimate=True))  # the estimate at 2h doubles the stencil
    p.grad([x])
    assert p.cost.evals == 4 * 3 + 1


# ------------------------------------------------------------------ batched stencils, n = 16


def chain(x):  # a sum over the components: |f| grows with n while each gradient component stays O(1)
    return dnp.sum(dnp.tanh(x[:-1] * x[1:] + 0.5)) + 0.5 * dnp.sum(x * x)


def chain_grad(x):
    t = 1.0 - np.tanh(x[:-1] * x[1:] + 0.5) ** 2
    return x + np.concatenate([t * x[1:], [0.0]]) + np.concatenate([[0.0], t * x[:-1]])


def logsumexp(x):  # |f| ~ log n while the components are ~1/n
    return dnp.log(dnp.sum(dnp.exp(x)))


def logsumexp_grad(x):
    return np.exp(x) / np.exp(x).sum()


@pytest.mark.parametrize("f, df", [(chain, chain_grad), (logsumexp, logsumexp_grad)])
@pytest.mark.parametrize(
    "scheme, per_component, bound",
    [
        # round-off eps·|f|/h against O(1) (or 1/n) components: at the fixed default step 1.3e-10 and 3.3e-10; at
        # the probes' step (pilot.py) 6.3e-11 and 8.5e-11 (9.3e-11 and 1.65e-10 when it was bounded by 1.5× at n = 16)
        ("central", 2, 2e-10),
        ("richardson", 28, 1.5e-13),  # target 1e-13 (here 8.9e-14, 4.5e-14); other libms round differently
    ],
)
def test_sum_type_functions_at_n16(f, df, scheme, per_component, bound):
    x = np.random.default_rng(3).uniform(-1.0, 1.0, 16)  # bench/numeric.py's point
    p = prepared(f, x, Numeric(scheme=scheme))
    _, g = p.grad([x])
    assert np.max(np.abs(g - df(x))) / np.max(np.abs(df(x))) <= bound
    assert p.cost.evals == per_component * 16 + 1 + (3 if scheme == "central" else 0)  # central: 3 axes probed


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", ["rosen", "mlp"])
def test_batched_stencils_equal_per_point_evaluation(scheme, name):
    """One batched call of the graph gives what evaluating f point by point gives, at the same count."""
    f, x = FUNCTIONS[name]
    # (central's default step from 4 components probes axes first, on numbers only, pilot.py: a fixed step here)
    method = Numeric(scheme=scheme, step=EPS ** (1 / 3) if scheme == "central" and probe_count(x.size) else None)
    batched, per_point = prepared(f, x, method), prepared(f, x, method)
    per_point._batchable = False  # the path nested (traced) calls take
    (_, a), (_, b) = batched.grad([x]), per_point.grad([x])
    per = {"forward": 1, "backward": 1, "central": 2, "central4": 4, "central6": 6, "richardson": 28, "complex": 1}
    assert batched.cost.evals == per_point.cost.evals == 1 + x.size * per[scheme]
    if name == "rosen":  # elementwise ops and short sums: the same floating-point operations
        np.testing.assert_array_equal(a, b)
    else:  # a batched matmul may round differently
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=0)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_jacobian_path_equals_the_jvp_along_each_basis_vector(scheme):
    """The Jacobian's stencils (directions: the identity, steps computed without a tangent matrix) are the
    JVP's along each basis vector, error estimates and step errors too (to rounding: Richardson's table is
    one matrix product over all columns, which BLAS may sum in another order)."""
    f, x = FUNCTIONS["rosen"]
    # (a scalar f's central Jacobian, its gradient, probes an axis for its default step from 4 components, pilot.py,
    # and a JVP along one direction does not: a fixed step here)
    p = prepared(f, x, Numeric(scheme=scheme, step=EPS ** (1 / 3) if scheme == "central" else None))
    _, J = p.jacobian([x])
    columns = [p.jvp([x], e)[1] for e in np.eye(x.size)]
    np.testing.assert_allclose(J, np.stack(columns, axis=1), rtol=4 * EPS, atol=0)
    if scheme in ("central", "richardson"):
        _, J2, E = p.jacobian_with_error([x])
        p.method.error_estimate = True
        errors = [p.jvp([x], e)[1] is not None and p.error for e in np.eye(x.size)]
        np.testing.assert_array_equal(J2, J)
        np.testing.assert_allclose(E, np.concatenate(errors).T, rtol=0.1, atol=0)  # changes of ~1e-12: rounding
    with pytest.raises(ValueError, match="below the spacing of floats"):
        prepared(f, x, Numeric(scheme="central", step=1e-300)).jacobian([x + 1.0])


def test_large_batches_run_in_chunks(monkeypatch):
    """A batch whose intermediates would pass BATCH_ELEMENTS numbers runs in pieces: same values, same count."""
    f, x = FUNCTIONS["mlp"]
    whole = prepared(f, x, Numeric(scheme="richardson"))
    monkeypatch.setattr(numeric, "BATCH_ELEMENTS", 100)  # the widest intermediate has 15 numbers: 6 points a run
    pieces = prepared(f, x, Numeric(scheme="richardson"))
    assert pieces._chunk == 6
    np.testing.assert_allclose(whole.grad([x])[1], pieces.grad([x])[1], rtol=1e-12, atol=0)
    assert whole.cost.evals == pieces.cost.evals == 28 * x.size + 1


# ------------------------------------------------------------------ complex step


@pytest.mark.parametrize(
    "f, op",
    [
        (lambda x: dnp.sum(dnp.abs(x) * x), "abs"),
        (lambda x: dnp.sum(dnp.relu(x) * 2.0), "relu"),
        (lambda x: dnp.sum(dnp.maximum(x, 0.2) ** 2.0), "maximum"),
        (lambda x: dnp.sum(dnp.where(x > 0, x, 0.0)), "where"),
        (lambda x: dnp.max(dnp.exp(x)), "max"),
    ],
)
def test_complex_step_refused_through_non_analytic_ops(f, op):
    x = np.array([0.5, -1.5])
    with pytest.raises(dl.NotDifferentiableError, match=rf"through {op} at `v\d+ = {op}\(.*`: not complex-analytic"):
        prepared(f, x, Numeric(scheme="complex"))  # refused when prepared, before any evaluation
    with pytest.raises(dl.NotDifferentiableError):
        dl.grad(f, method=Numeric(scheme="complex"))(x)
    dl.grad(f, method="numeric")(x)  # the real stencils are fine


@pytest.mark.parametrize("op", ["logaddexp", "logaddexp2", "deg2rad", "rad2deg"])
def test_complex_step_refuses_by_name_a_ufunc_numpy_has_no_complex_loop_for(op):
    """Analytic, but NumPy's ufunc takes no complex values: a bare TypeError from inside the stencil on main."""
    f = {
        "logaddexp": lambda x: np.sum(np.logaddexp(0.0, x)),
        "logaddexp2": lambda x: np.sum(np.logaddexp2(x, 2.0 * x)),
        "deg2rad": lambda x: np.sum(np.deg2rad(x) ** 2),
        "rad2deg": lambda x: np.sum(np.rad2deg(x) ** 2),
    }[op]
    x = np.array([0.5, -1.5])
    with pytest.raises(dl.NotDifferentiableError, match=rf"through {op} at `v\d+ = {op}\(.*`: NumPy's {op} takes no"):
        dl.grad(f, method=Numeric(scheme="complex"))(x)
    np.testing.assert_allclose(dl.grad(f, method="numeric")(x), dl.grad(f, method="reverse")(x), rtol=1e-7)


@pytest.mark.parametrize("op", ["jv", "yv"])
def test_complex_step_refuses_scipys_bessel_j_and_y(op):
    """SciPy's complex J_v, Y_v leave Im f(x + 1e-20j) at round-off noise: complex step gave jv′(1, 0.3) = -0.011 for
    (J_0 − J_2)/2 = 0.483 on main, silently (and values of 1e4 elsewhere)."""
    sc = pytest.importorskip("scipy.special")
    fn = getattr(sc, op)
    x = np.array([0.3, 2.0])
    want = 0.5 * (fn(0.0, x) - fn(2.0, x))  # d/dx Z_1 = (Z_0 − Z_2)/2, the recurrence (DLMF 10.6.1)
    np.testing.assert_allclose(dl.grad(lambda x: np.sum(fn(1.0, x)), method="reverse")(x), want, rtol=1e-12)
    with pytest.raises(dl.NotDifferentiableError, match=rf"through {op} at"):
        dl.grad(lambda x: np.sum(fn(1.0, x)), method=Numeric(scheme="complex"))(x)


def test_complex_step_through_iv_near_zero_keeps_the_imaginary_part():
    """iv's small-|x| branch cast x to float: complex step's Im part was dropped, iv′(1, 1e-25) = 0 for ½ on main."""
    sc = pytest.importorskip("scipy.special")
    x = np.array([1e-25, 3e-30, 0.7])
    want = 0.5 * (sc.iv(0.0, x) + sc.iv(2.0, x))  # d/dx I_1 = (I_0 + I_2)/2 (DLMF 10.29.1)
    got = dl.grad(lambda x: np.sum(sc.iv(1.0, x)), method=Numeric(scheme="complex"))(x)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_complex_step_through_piecewise_constant_ops():
    """sign and comparisons are held at their values at x (issue 18), so complex step is exact
    through them: d/dx sign(x)·x = sign(x)."""
    x = np.array([0.5, -1.5])
    g = dl.grad(lambda x: dnp.sum(dnp.sign(x) * x + (x > 0) * x**2.0), method=Numeric(scheme="complex"))(x)
    np.testing.assert_allclose(g, np.sign(x) + (x > 0) * 2 * x, rtol=1e-15)


@pytest.mark.parametrize(
    "f",
    [
        lambda x, y: dnp.sum(dnp.sigmoid(x) * dnp.tanh(x) + dnp.log(dnp.exp(x) + 1.0) / dnp.sqrt(x * x + 1.0)),
        lambda x, y: dnp.logsumexp(x * 2.0),  # max feeds only stop_gradient
        lambda x, y: dnp.sum(dnp.stop_gradient(dnp.abs(x)) * x),
        lambda x, y: dnp.sum(dnp.abs(y) * x),  # y is not differentiated: abs is not on an active path
        lambda x, y: dnp.sum(x * dnp.where(x > 0, 1.0, 3.0)),  # the comparison only picks constants
    ],
)
def test_complex_step_accepted_on_analytic_paths(f):
    x, y = np.array([0.5, -1.5, 2.0]), np.array([-1.0, 2.0, 0.5])
    g = dl.grad(f, method=Numeric(scheme="complex"))(x, y)
    np.testing.assert_allclose(g, dl.grad(f, method="reverse")(x, y), rtol=1e-14, atol=1e-15)


# ------------------------------------------------------------------ error estimates


@pytest.mark.parametrize("scheme", ["forward", "central", "central4", "richardson"])
@pytest.mark.parametrize(
    "f, df, x",
    [
        (lambda x: dnp.exp(x), np.exp, np.array([0.3, -1.2, 2.5])),
        (lambda x: dnp.sin(x) * x, lambda x: np.cos(x) * x + np.sin(x), np.array([0.1, 1.3, -2.0])),
        (lambda x: 1.0 / (1.0 + x * x), lambda x: -2 * x / (1 + x * x) ** 2, np.array([0.5, 3.0, -7.0])),
    ],
)
def test_error_estimate_bounds_the_true_error(scheme, f, df, x):
    p = prepared(f, x, Numeric(scheme=scheme))
    outs, J, E = p.jacobian_with_error([x])
    assert J.shape == E.shape == (3, 3)
    true = np.abs(np.diag(J) - df(x))
    est = np.diag(E)
    assert np.all(true <= 10 * est)
    assert np.all(est <= 1e3 * true + 1e-8 * np.abs(df(x)).max())  # and not absurdly large
    off = ~np.eye(3, dtype=bool)  # f is elementwise: off-diagonal J is exactly 0, E is round-off only
    assert np.all(J[off] == 0) and np.all(E[off] < 1e-6)


def test_error_estimate_setting_stores_the_last_product():
    f, x = FUNCTIONS["sin"]
    p = prepared(f, x, Numeric(error_estimate=True))
    _, g = p.grad([x])
    assert p.error.shape == (3, 1)  # like the JV product: (k directions, m outputs)
    assert np.all(p.error > 0) and np.all(p.error < 1e-8)


# ------------------------------------------------------------------ black-box callables


def test_black_box_norm_and_einsum():
    x = np.array([3.0, -4.0, 12.0])
    keep = x.copy()
    np.testing.assert_allclose(numeric_gradient(np.linalg.norm, x), x / 13.0, rtol=1e-9)
    np.testing.assert_allclose(numeric_gradient(np.linalg.norm, x, scheme="richardson"), x / 13.0, rtol=1e-11)
    A = RNG.normal(size=(3, 3))
    quad = lambda x: np.einsum("i,ij,j->", x, A, x)
    np.testing.assert_allclose(numeric_gradient(quad, x, scheme="central4"), (A + A.T) @ x, rtol=1e-9)
    vec = lambda x: np.einsum("ij,j->i", A, x**2)
    J, E = numeric_jacobian(vec, x, scheme="richardson", error_estimate=True)
    exact = A * (2 * x)
    assert J.shape == E.shape == (3, 3)
    np.testing.assert_allclose(J, exact, rtol=1e-12, atol=1e-12)
    assert np.all(np.abs(J - exact) <= 10 * E)
    np.testing.assert_allclose(numeric_jacobian(vec, x, scheme="complex"), exact, rtol=1e-15)
    assert np.array_equal(x, keep)


def test_black_box_shapes_and_scalar_check():
    M = np.array([[1.0, 2.0], [3.0, 4.0]])
    J = numeric_jacobian(lambda m: np.outer(m[0], m[1]), M)
    assert J.shape == (2, 2, 2, 2)
    assert numeric_gradient(lambda m: np.sum(m**2), M).shape == (2, 2)
    with pytest.raises(TypeError, match="scalar"):
        numeric_gradient(lambda x: x * 2.0, np.ones(3))


def test_inputs_are_never_mutated():
    f, x = FUNCTIONS["mlp"]
    keep = x.copy()
    for scheme in SCHEMES:
        dl.grad(f, method=Numeric(scheme=scheme))(x)
    dl.hessian(f, method="numeric")(x)
    assert np.array_equal(x, keep)


# ------------------------------------------------------------------ bad settings


def test_unknown_scheme_lists_the_valid_ones():
    with pytest.raises(
        ValueError, match="'forward', 'backward', 'central', 'central4', 'central6', 'richardson', 'complex'"
    ):
        Numeric(scheme="centre")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"step": 0},
        {"step": -1},
        {"step": 0.0},
        {"step": float("inf")},
        {"step": float("nan")},
        {"step": "1e-3"},
        {"order": 3},
        {"scheme": "central4", "order": 6},
        {"scheme": "complex", "order": 2},
        {"order": 0},
        {"richardson_terms": 1},
    ],
)
def test_bad_settings(kwargs):
    with pytest.raises(ValueError):
        Numeric(**kwargs)


def test_step_below_float_spacing_is_a_clear_error():
    with pytest.raises(ValueError, match=r"step 1e-17 vanishes at x = 1.5.*spacing"):
        dl.grad(lambda x: dnp.sin(x), method=dl.Numeric(scheme="central", step=1e-17))(1.5)


@pytest.mark.parametrize("n", [4, 16])
def test_batched_stencils_count_the_work_of_every_point(n):
    """One batched call of 2n points counts 2n evaluations' equations, as 2n separate calls would."""
    f = lambda x: dnp.sum(dnp.tanh(x) * x)  # noqa: E731
    x = np.linspace(-1.0, 1.0, n)
    p = dl.prepare(f, x, method="numeric")
    p.grad(x)
    before = p.prepared.cost.copy()
    p.grad(x)
    cost = p.prepared.cost - before
    evals = 2 * n + 1 + probe_count(n)  # from 4 components, axes probed for the step (pilot.py): 1 at n = 4, 3 at 16
    assert cost.evals == evals
    assert cost.eqns == evals * len(p.graph.eqns)
    assert cost.elements == evals * sum(math.prod(e.out.shape) for e in p.graph.eqns)


@pytest.mark.parametrize(
    "f, df, x",
    [
        (lambda x: dnp.sum(dnp.sin(100.0 * x)), lambda x: 100.0 * np.cos(100.0 * x), [0.3, 1.1]),  # fast oscillation
        (lambda x: dnp.sum(dnp.sqrt(x)), lambda x: 0.5 / np.sqrt(x), [0.01, 0.3]),  # near a domain edge
        (lambda x: dnp.sum(dnp.where(x > 0.0, x * x, -x)), lambda x: 2.0 * x, [0.05]),  # near a kink
        (lambda x: dnp.sum(dnp.abs(x) ** 1.5), lambda x: 1.5 * np.sqrt(x), [0.05]),
    ],
    ids=["sin100x", "sqrt-edge", "kink", "abs^1.5"],
)
@pytest.mark.filterwarnings("ignore::difflab.DomainWarning")  # the largest steps do leave sqrt's domain
def test_richardson_is_robust_where_large_steps_fail(f, df, x):
    """Steps that cross a kink or leave the domain spoil only their own table entries."""
    x = np.array(x)
    g = dl.grad(f, method=Numeric(scheme="richardson"))(x)
    assert np.max(np.abs(g - df(x))) / np.max(np.abs(df(x))) <= 1e-9


# ------------------------------------------------------------------ the Richardson table (issue 17: its one product)


def ridders_by_hand(S, H, f0):
    """Ridders' Neville table written out, per direction and output: every entry with its error estimate (the larger
    change from its two parents plus eps·|f(x)|/h of each difference, times |its weight in the entry|), the least
    one kept."""
    k, T, m = S.shape
    d, e = np.empty((k, m)), np.empty((k, m))
    for r in range(k):
        for c in range(m):
            noise = EPS * abs(f0[c]) / H[r]  # each difference's round-off
            col = [(S[r, j, c], np.eye(T)[j]) for j in range(T)]  # entries, as combinations of the differences
            best = (np.inf, np.nan)
            for order in range(1, T):
                q = numeric.RATIO ** (2 * order) - 1.0
                nxt = []
                for j in range(1, len(col)):
                    (a, ca), (b, cb) = col[j], col[j - 1]
                    nxt.append((a + (a - b) / q, ca + (ca - cb) / q))
                    v = nxt[-1][0]
                    best = min(best, (max(abs(v - a), abs(v - b)) + np.abs(nxt[-1][1]) @ noise, v))
                col = nxt
            e[r, c], d[r, c] = best
    return d, e


@pytest.mark.parametrize("m", [1, 3])
def test_richardson_table_equals_ridders_written_out(m):
    from difflab.differentiators.stencils import _richardson

    rng = np.random.default_rng(7)
    k, T = 3, 8
    H = np.array([[0.5], [2.0], [0.01]]) / numeric.RATIO ** np.arange(T)
    # central differences of sin(a·x)·b at steps H: a smooth sequence in h² with a little noise
    a, b = rng.uniform(0.5, 2.0, (k, 1, 1)), rng.uniform(-2.0, 2.0, (1, 1, m))
    S = b * np.sin(a * H[:, :, None]) / H[:, :, None] * (1 + 1e-15 * rng.normal(size=(k, T, m)))
    # the estimates' round-off part, eps·|f(x)|/h, large against the rounding of their changes
    f0 = rng.uniform(100.0, 1000.0, m)
    d, e = _richardson(S, H, f0)
    d0, e0 = ridders_by_hand(S, H, f0)
    np.testing.assert_allclose(d, d0, rtol=1e-15, atol=0)
    np.testing.assert_allclose(e, e0, rtol=1e-3, atol=1e-15)  # (changes: a product here, differences there)
    np.testing.assert_allclose(d, a[:, :, 0] * b[0], rtol=1e-12)  # and it is the derivative at 0: a·b
    # a difference that left f's domain (NaN) spoils only the entries built from it: the others still answer
    S[1, -1, 0] = np.nan
    d1, e1 = _richardson(S, H, f0)
    assert np.isfinite(d1).all() and abs(d1[1, 0] - a[1, 0, 0] * b[0, 0, 0]) < 1e-10
    S[1, :, 0] = np.nan  # every step: no derivative
    assert np.isnan(_richardson(S, H, f0)[0][1, 0]) and np.isfinite(_richardson(S, H, f0)[0][0]).all()
    # without its estimates wanted (a gradient's table), the same derivative; spoilt rows still give theirs
    np.testing.assert_array_equal(_richardson(S, H, f0, want_err=False)[0], _richardson(S, H, f0)[0])
    S[1] = 1.0  # all finite: the estimates are not picked at all
    assert _richardson(S, H, f0, want_err=False)[1] is None
    np.testing.assert_array_equal(_richardson(S, H, f0, want_err=False)[0], _richardson(S, H, f0)[0])


@pytest.mark.parametrize("scheme", ["central", "richardson"])
def test_prepared_gradient_equals_the_jacobian_and_keeps_its_estimate(scheme):
    f, x = FUNCTIONS["sin"]
    p = prepared(f, x, Numeric(scheme=scheme, error_estimate=True))
    outs, g = p.grad([x])
    err = p.error.copy()
    outs_j, J = p.jacobian([x])
    np.testing.assert_array_equal(g, J[0])
    np.testing.assert_array_equal(err, p.error)  # the same estimate, (k directions, m outputs)
    assert err.shape == (3, 1) and float(outs[0]) == float(outs_j[0])
    exact = np.sin(x) + x * np.cos(x)
    assert np.all(np.abs(g - exact) <= err[:, 0])
    assert np.max(np.abs(g - exact)) < (1e-13 if scheme == "richardson" else 1e-9)


def test_a_gradient_takes_f_x_from_its_own_batched_run(monkeypatch):
    # f(x) is row 0 of the gradient's one batched run (rich2): the value is f's at x, the derivative the same as
    # when f(x) ran on its own (the Jacobian of the two-output f, which keeps that run), the cost unchanged
    from difflab.differentiators import base

    runs = []
    value = base.Prepared.value
    monkeypatch.setattr(
        base.Prepared, "value", lambda self, args, batched=None: runs.append(batched) or value(self, args, batched)
    )
    f = lambda x: dnp.log(dnp.sum(dnp.exp(x), axis=0))  # noqa: E731 (log: a watched op, its centre from row 0)
    x = np.array([0.3, -0.7, 1.1])
    p = dl.prepare(f, x, method=Numeric(scheme="richardson"))
    v, g = p.value_and_grad(x)
    assert len(runs) == 1 and runs[0] is not None  # batched, and no run of f at x alone
    assert v == np.log(np.sum(np.exp(x))) and np.ndim(v) == 0
    assert p.prepared.cost.evals == 28 * x.size + 1
    two = dl.prepare(lambda x: (f(x), x[0] * 1.0), x, method=Numeric(scheme="richardson"))
    runs.clear()
    J = two.jacobian(x)  # (one row per output)
    assert len(runs) == 2 and runs[0] is None  # f(x) on its own first (two outputs: not folded)
    # (the same to rounding: the batched run's sums read the stencil's rows in another order than a run of f(x) on
    # its own where OpenBLAS/NumPy's AVX2 kernels unroll differently; equal bits on an Intel Xeon, 1.8e-16 on an AMD EPYC)
    np.testing.assert_allclose(g, J[0], rtol=4e-16, atol=0)
    np.testing.assert_allclose(g, np.exp(x) / np.exp(x).sum(), rtol=1e-13)


@pytest.mark.parametrize("offsets", [np.array([1.0, -1.0]), np.array([1.0, 2.0, -1.0]), np.array([1j])])
def test_stencil_points_along_the_identity_equal_the_general_product(offsets):
    # a gradient's points put each move o_j·h into a zero row (rich3), and f(x)'s row leads the batch when it is
    # folded in: the same numbers as the product along V = I, with that zero row in front
    from difflab.differentiators.scales import stencil_points

    H = np.array([[0.5, 0.25, 0.125], [1e-3, 5e-4, 2.5e-4]])
    general = stencil_points(offsets, H, np.eye(2))
    assert general.shape == (2 * 3 * len(offsets), 2) and general[len(offsets), 0] == offsets[0] * 0.25
    np.testing.assert_array_equal(stencil_points(offsets, H, None), general)
    lead = stencil_points(offsets, H, None, lead=1)
    assert lead.dtype == general.dtype and not lead[0].any()
    np.testing.assert_array_equal(lead[1:], general)
    np.testing.assert_array_equal(stencil_points(offsets, H, np.eye(2), lead=1), lead)


def test_a_jvp_direction_that_does_not_move_a_nan_entry_keeps_its_step():
    """numstep26: a direction's step scale was max |x_i|·(v_i ≠ 0), and NaN·0 is NaN, so one NaN anywhere in x
    made every direction's step NaN: numeric's JVP of nansum(z²) along e_0 was NaN where reverse gives 2·z_0."""
    x, t = np.array([0.3, np.nan, 0.9, -0.4]), np.array([1.0, 0.0, 0.0, 0.0])
    tangent = dl.jvp(lambda z: dnp.nansum(z**2), (x,), (t,), method="numeric")[1]
    assert tangent == pytest.approx(0.6, rel=1e-8)
