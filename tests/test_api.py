"""The public contract of DESIGN.md §5: shapes, structures, argnums, prepare and caching."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

EXACT = ["symbolic", "forward", "reverse"]


def mlp_loss(params, X, Y):
    h = dnp.tanh(X @ params["W1"] + params["b1"])
    return -dnp.mean(dnp.sum(Y * dnp.log_softmax(h @ params["W2"] + params["b2"]), axis=1))


@pytest.fixture
def mlp():
    rng = np.random.default_rng(1)
    params = {
        "W1": rng.normal(size=(3, 4)),
        "b1": rng.normal(size=4) * 0.1,
        "W2": rng.normal(size=(4, 2)),
        "b2": np.zeros(2),
    }
    X = rng.normal(size=(6, 3))
    Y = np.eye(2)[rng.integers(0, 2, 6)]
    return params, X, Y


@pytest.mark.parametrize("method", EXACT)
def test_pytree_gradient_has_the_structure_of_params(method, mlp):
    params, X, Y = mlp
    g = dl.grad(mlp_loss, method=method)(params, X, Y)
    assert set(g) == set(params)
    for k in params:
        assert g[k].shape == params[k].shape and g[k].dtype == np.float64


def test_pytree_gradient_values_agree(mlp):
    params, X, Y = mlp
    ref = dl.grad(mlp_loss, method="reverse")(params, X, Y)
    for method in ("symbolic", "forward"):
        g = dl.grad(mlp_loss, method=method)(params, X, Y)
        for k in params:
            np.testing.assert_allclose(g[k], ref[k], rtol=1e-12, atol=1e-15)


def test_argnums_tuple_gives_tuple():
    f = lambda a, b, c: a * b**2.0 * dnp.sum(c)
    ga, gc = dl.grad(f, argnums=(0, 2))(2.0, 3.0, np.array([1.0, 2.0]))
    assert ga == 27.0 and isinstance(ga, float)
    np.testing.assert_array_equal(gc, [18.0, 18.0])


def test_value_and_grad_and_float_in_float_out():
    v, g = dl.value_and_grad(lambda x: x**3.0)(2.0)
    assert (v, g) == (8.0, 12.0) and type(v) is float and type(g) is float


@pytest.mark.parametrize("method", EXACT)
def test_jacobian_shape_is_out_plus_in(method):
    f = lambda x: dnp.tanh(x @ np.ones((3, 2)))  # (4, 3) -> (4, 2)
    J = dl.jacobian(f, method=method)(np.arange(12.0).reshape(4, 3) / 10)
    assert J.shape == (4, 2, 4, 3)
    ref = dl.jacobian(f, method="reverse")(np.arange(12.0).reshape(4, 3) / 10)
    np.testing.assert_allclose(J, ref, rtol=1e-13)


def test_jvp_and_vjp_are_consistent():
    f = lambda x, y: dnp.sin(x) * y
    x, y = np.array([0.1, 0.2]), np.array([1.0, -2.0])
    out, jv = dl.jvp(f, (x, y), (np.ones(2), np.zeros(2)))
    np.testing.assert_allclose(jv, np.cos(x) * y)
    out2, pullback = dl.vjp(f, x, y)
    gx, gy = pullback(np.ones(2))
    np.testing.assert_allclose(out, out2)
    np.testing.assert_allclose(gx, np.cos(x) * y)
    np.testing.assert_allclose(gy, np.sin(x))


def test_hessian_shape():
    H = dl.hessian(lambda x: dnp.sum(x**3.0))(np.ones((2, 2)))
    assert H.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(H.reshape(4, 4), np.diag([6.0] * 4))


def test_prepare_reuses_the_tape_and_counts(mlp):
    params, X, Y = mlp
    p = dl.prepare(mlp_loss, params, X, Y, method="reverse")
    g1 = p.grad(params, X, Y)
    X2 = X + 1.0
    before = p.prepared.cost.copy()
    g2 = p.grad(params, X2, Y)
    ref = dl.grad(mlp_loss)(params, X2, Y)
    for k in params:
        np.testing.assert_allclose(g2[k], ref[k], rtol=1e-14)
        assert not np.allclose(g1[k], g2[k])
    assert (p.prepared.cost - before).eqns > 0  # the compiled tape ran; nothing was traced again
    assert p.prepare_seconds > 0
    with pytest.raises(ValueError, match="prepared for arguments shaped"):
        p.grad(params, X[:3], Y[:3])


@pytest.mark.parametrize("make", [lambda f, a: dl.prepare(f, *a).value_and_grad, lambda f, a: dl.value_and_grad(f)])
def test_fast_argument_path_agrees_and_falls_back(make, mlp):
    """The generated reader takes exact matches; everything else goes the general way, same answers."""
    params, X, Y = mlp
    vg = make(mlp_loss, (params, X, Y))
    ref_v, ref_g = dl.value_and_grad(mlp_loss, method="forward")(params, X, Y)
    variants = [
        (params, X, Y),  # the exact match, twice
        (params, X, Y),
        ({k: v.astype(np.float32) for k, v in params.items()}, X, Y),  # float32: converted
        ({**params, "W1": params["W1"].T.copy().T}, X, Y),
    ]  # F-ordered: same
    for a in variants:
        v, g = vg(*a)
        assert isinstance(v, float) and set(g) == set(params)
        tol = 1e-6 if isinstance(a[0]["W1"], np.ndarray) and a[0]["W1"].dtype == np.float32 else 1e-13
        assert abs(v - ref_v) <= tol * abs(ref_v)
        for k in params:
            np.testing.assert_allclose(np.asarray(g[k]), ref_g[k], rtol=tol, atol=tol)
    with pytest.raises((ValueError, KeyError, TypeError)):  # a missing key is not silently ignored
        vg({k: v for k, v in params.items() if k != "b2"}, X, Y)
    assert params["W1"].dtype == np.float64  # inputs are never mutated


def test_prepared_refuses_a_changed_static_argument():
    p = dl.prepare(lambda x, n: dnp.sum(x**n), np.ones(3), 2)
    np.testing.assert_allclose(p.grad(np.array([1.0, 2.0, 3.0]), 2), [2.0, 4.0, 6.0])
    with pytest.raises(ValueError, match="baked into the graph"):
        p.grad(np.array([1.0, 2.0, 3.0]), 3)


def test_a_changed_static_argument_names_static_argnums_and_that_remedy_works():
    """x[:j] with an int j under dl.prepare: the refusal said only "prepare again" (newuser47); its remedy
    static_argnums keeps one preparation per j, each with the slice's gradient 2x on x[:j] and 0 beyond."""
    f, x = (lambda x, j: np.sum(x[:j] ** 2)), np.array([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=r"baked into the graph: prepare again, or prepare with static_argnums=1"):
        dl.prepare(f, x, 3).grad(x, 1)
    p = dl.prepare(f, x, 3, static_argnums=1)
    np.testing.assert_array_equal(p.grad(x, 1), [2.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(p.grad(x, 3), [2.0, 4.0, 6.0, 0.0])


def test_prepared_per_example_loss_checks_the_whole_batch_it_was_prepared_for():
    # symbolic traces a mean-over-examples loss on one example; the prepared function still checks
    # calls against the arguments it was given (the whole batch), not against that one example
    import difflab.nn  # noqa: F401  (dl.nn is loaded on import, not as an attribute: run alone, this test needs it)

    model = dl.nn.MLP([2, 3, 1], activation="tanh")
    loss, params = model.loss("mse"), model.init(0)
    X, Y = np.linspace(-1.0, 1.0, 8).reshape(4, 2), np.linspace(0.0, 1.0, 4).reshape(4, 1)
    p = dl.prepare(loss, params, X, Y, method="symbolic")
    assert len(p.staged.signature.inputs((params, X[:1], Y[:1]))) == len(params) + 2
    g, ref = p.grad(params, X, Y), dl.grad(loss, method="reverse")(params, X, Y)
    for k in params:
        np.testing.assert_allclose(g[k], ref[k], rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"prepared for arguments shaped .*\(4, 2\).*called with .*\(5, 2\)"):
        p.grad(params, np.zeros((5, 2)), np.zeros((5, 1)))


def test_signature_flattens_once_and_rebuilds_per_argnum():
    from difflab.api import Signature

    args = ({"w": np.ones(2), "b": 0.5}, 3, [np.zeros((2, 2)), 1.0])
    sig = Signature(args, argnums=(2, 0))
    # graph inputs in argument order; the int is static; wrt follows argnums' order (arg 2 first)
    assert sig.input_pos == [(0, 0), (0, 1), (2, 0), (2, 1)] and sig.wrt == (2, 3, 0, 1)
    assert sig.wrt_float == [False, True, True, False]
    parts = sig.floats([np.full((2, 2), 7.0), np.float64(8.0), np.float64(5.0), np.array([6.0, 6.0])])
    rebuilt = sig.rebuild(parts)
    assert type(rebuilt) is tuple and type(rebuilt[0][1]) is float and type(rebuilt[1]["b"]) is float
    assert rebuilt[0][1] == 8.0 and rebuilt[1]["b"] == 5.0 and rebuilt[0][0].shape == (2, 2)
    xs = sig.check(({"w": np.arange(2.0), "b": np.float32(1.0)}, 3, [np.ones((2, 2)), 2.0]))  # a float32 scalar too
    assert xs[0] == 1.0 and type(xs[0]) is float and xs[1].tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match=r"argument 1 \(leaf 0\) is 4 now"):
        sig.check(({"w": np.ones(2), "b": 0.5}, 4, [np.zeros((2, 2)), 1.0]))
    with pytest.raises(TypeError, match=r"argument 1 \(leaf 0\) has dtype int64"):
        Signature(args, argnums=1)


def test_unprepared_grad_caches_per_signature(monkeypatch):
    import difflab.api.operators as operators  # where the transforms look `stage` up

    calls = []
    real_stage = operators.stage
    monkeypatch.setattr(operators, "stage", lambda *a, **k: calls.append(1) or real_stage(*a, **k))

    def f(x):
        return dnp.sum(x * x)

    g = dl.grad(f)
    g(np.ones(3)), g(np.zeros(3)), g(np.ones(3) * 2)
    assert len(calls) == 1  # traced once for the signature f64[3]
    g(np.ones(4))
    assert len(calls) == 2


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_jvp_and_vjp_reuse_the_trace_of_the_same_function(monkeypatch, method):
    import difflab.api.operators as operators

    calls = []
    real_stage = operators.stage
    monkeypatch.setattr(operators, "stage", lambda *a, **k: calls.append(1) or real_stage(*a, **k))
    W = np.random.default_rng(0).normal(size=(4, 4))

    def f(x):
        return dnp.tanh(W @ x) * x

    x1, x2, u = np.linspace(-1.0, 1.0, 4), np.linspace(0.5, 2.0, 4), np.arange(1.0, 5.0)
    J = lambda x: np.diag(np.tanh(W @ x)) + (1 - np.tanh(W @ x) ** 2)[:, None] * W * x[:, None]  # noqa: E731
    y1, pullback1 = dl.vjp(f, x1, method=method)
    y2, pullback2 = dl.vjp(f, x2, method=method)
    _, jv = dl.jvp(f, (x1,), (u,), method=method)
    _, jv2 = dl.jvp(f, (x2,), (u,), method=method)
    assert len(calls) == 1  # one trace for the four calls (was one per call)
    # a pullback keeps its own point after later calls with the same function
    tol = 1e-6 if method == "numeric" else 1e-12
    np.testing.assert_allclose(pullback1(u)[0], u @ J(x1), rtol=tol, atol=tol)
    np.testing.assert_allclose(pullback2(u)[0], u @ J(x2), rtol=tol, atol=tol)
    np.testing.assert_allclose(y1, f(x1), rtol=1e-15)
    np.testing.assert_allclose(jv, J(x1) @ u, rtol=tol, atol=tol)
    np.testing.assert_allclose(jv2, J(x2) @ u, rtol=tol, atol=tol)
    W[0, 0] += 1.0  # f reads W: the next call traces afresh and sees the change
    np.testing.assert_allclose(dl.jvp(f, (x1,), (u,), method=method)[1], J(x1) @ u, rtol=tol, atol=tol)


def test_a_reused_transform_does_not_carry_an_outer_derivative_s_context():
    """A jvp inside an outer derivative gets its own transform: its graph depends on that context
    (numeric's levels). Reusing the one traced under an outer numeric turned reverse's 0 into NaN."""
    import warnings

    def make_inner():
        return lambda x: dl.jvp(np.std, (x,), (0.7,), method="numeric")[1]

    inner = make_inner()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numeric over numeric: sqrt at 0, a DomainWarning and NaN
        dl.jvp(inner, (3.5,), (1.3,), method="numeric")
        reused = dl.jvp(inner, (3.5,), (1.3,), method="reverse")
        fresh = dl.jvp(make_inner(), (3.5,), (1.3,), method="reverse")  # a new function: nothing to reuse
    # ((0, 0): numeric's own value, and the exact methods' derivative: std of a scalar is constant)
    np.testing.assert_array_equal(reused, fresh)


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_a_warm_pullback_takes_a_traced_cotangent(method):
    """vjp's pullback of a function vjp has seen before (its sweeps compiled for floats) still takes
    a traced cotangent: the gradient with respect to the cotangent is the Jacobian's action."""

    def h(x):
        return dnp.sin(x) * x

    X, V = np.array([0.3, 1.2, -0.7]), np.array([1.0, -2.0, 0.5])
    for _ in range(4):  # warm: the same function and signature, concrete cotangents
        dl.vjp(h, X, method=method)[1](np.ones(3))
    g = dl.grad(lambda u: dnp.sum(dl.vjp(h, X, method=method)[1](u)[0] * V))(np.ones(3))
    tol = 1e-6 if method == "numeric" else 1e-12
    np.testing.assert_allclose(g, (np.cos(X) * X + np.sin(X)) * V, rtol=tol, atol=tol)


def test_a_function_that_changes_what_it_reads_is_traced_every_call():
    calls = []  # read (and changed) by f: its trace cannot be trusted for the next call

    def f(x):
        calls.append(1)
        return dnp.sum(x * x) * len(calls)

    g = dl.grad(f)
    assert [float(g(1.0)) for _ in range(3)] == [2.0, 4.0, 6.0]  # what fresh traces give


def test_value_dependent_control_flow_is_never_reused():
    def f(x):
        return x * x if x > 0 else -x * x * x

    g = dl.grad(f)
    assert g(2.0) == 4.0
    assert g(-2.0) == -12.0  # a fresh trace took the other branch
    assert dl.trace(f, 2.0).specialised


def test_inputs_are_never_mutated(mlp):
    params, X, Y = mlp
    copies = ({k: v.copy() for k, v in params.items()}, X.copy(), Y.copy())
    for method in ("symbolic", "numeric", "forward", "reverse"):
        dl.grad(mlp_loss, method=method)(params, X, Y)
        dl.hessian(lambda W: mlp_loss({**params, "b2": W}, X, Y), method=method)(params["b2"])
    for k in params:
        np.testing.assert_array_equal(params[k], copies[0][k])
    np.testing.assert_array_equal(X, copies[1])
    np.testing.assert_array_equal(Y, copies[2])


def test_numpy_functions_dispatch_to_the_registry():
    f = lambda x: np.sum(np.tanh(x) * np.exp(x))
    g = dl.grad(f)(np.array([0.1, 0.2]))
    x = np.array([0.1, 0.2])
    np.testing.assert_allclose(g, (1 - np.tanh(x) ** 2) * np.exp(x) + np.tanh(x) * np.exp(x), rtol=1e-14)


def test_graph_exports_dot():
    dot = dl.to_dot(dl.trace(lambda x, y: x * y + dnp.sin(x), 1.0, 2.0))
    assert dot.startswith("digraph") and "mul" in dot and "sin" in dot


def test_compare_reports_every_method():
    c = dl.compare(lambda x, y: dnp.exp(x) * y, 0.5, 2.0)
    assert [r["method"] for r in c.rows] == ["symbolic", "numeric", "forward", "reverse"]
    assert c["reverse"]["max_rel_err"] < 1e-15 and c["numeric"]["max_rel_err"] < 1e-8
    assert c["numeric"]["evals"] >= 2 and c["reverse"]["evals"] == 1
    assert "numeric" in str(c)


def test_compare_an_infinite_derivative_equal_to_the_reference_is_no_error():
    """sqrt at 0: symbolic, forward and reverse give +inf, the reference's; their error was inf - inf, NaN,
    with NumPy's stray "invalid value encountered in subtract" (in `difflab compare 'sqrt(x)' --at x=0` too)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", dl.DifflabWarning)  # (numeric's sqrt(-h): its own DomainWarning)
        c = dl.compare(lambda x: dnp.sqrt(x), np.array([0.0, 4.0]))
    for method in ("forward", "reverse"):
        assert c[method]["max_abs_err"] == 0.0 and c[method]["max_rel_err"] == 0.0


def test_import_is_light():
    """`import difflab` and `difflab.numpy` load neither SymPy, matplotlib nor Hypothesis."""
    import subprocess
    import sys

    code = (
        "import sys, difflab, difflab.numpy, difflab.testing; "
        "heavy = [m for m in ('sympy', 'matplotlib', 'hypothesis') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_facade_loads_each_name_on_first_use_and_names_what_static_checkers_see():
    """`import difflab` alone loads no NumPy; every public name (and `dl.trace`, also a submodule's name) works."""
    import ast
    import subprocess
    import sys

    code = (
        "import sys, difflab as dl; light = 'numpy' not in sys.modules; "
        "import difflab.trace, difflab.sparse; "
        "print(light, dl.trace.__module__, sorted(n for n in dl.__all__ if getattr(dl, n) is None))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "difflab.trace", "[]"]
    # the lazy table and the imports under TYPE_CHECKING (what mypy and IDEs read) name the same things
    tree = ast.parse(open(dl.__file__).read())
    guarded = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    imported = {alias.name: node.module for node in guarded.body for alias in node.names}
    assert imported == dl._HOME
    assert set(dl.__all__) == set(dl._HOME) | {"__version__"}


def test_compiled_code_reuses_dead_buffers_but_never_inputs_or_outputs():
    """Elementwise ops write into dead intermediates; inputs, views and kept values stay intact."""
    from difflab.compile import lower

    def f(x, y):
        a = dnp.tanh(x * y)  # fresh buffers: a may be overwritten once dead
        b = dnp.reshape(a, (-1,))  # ... but a is viewed by reshape, so not a
        c = dnp.exp(x) + 1.0  # exp(x)'s buffer is dead after the add: reused
        return dnp.sum(b) + dnp.sum(c * c), c

    x, y = np.linspace(-1.0, 1.0, 6).reshape(2, 3), np.full((2, 3), 0.5)
    x0, y0 = x.copy(), y.copy()
    fn = lower(dl.trace(f, x, y))
    assert "out=" in fn.source
    total, c = fn(x, y)
    np.testing.assert_allclose(c, np.exp(x0) + 1.0, rtol=1e-15)
    np.testing.assert_allclose(total, np.tanh(x0 * y0).sum() + ((np.exp(x0) + 1.0) ** 2).sum(), rtol=1e-14)
    np.testing.assert_array_equal(x, x0), np.testing.assert_array_equal(y, y0)
    # the vjp's residuals feed several pullbacks: each gives the same answer
    out, pull = dl.vjp(lambda x: dnp.tanh(dnp.exp(x) * 2.0), x)
    p = dl.prepare(lambda x: dnp.sum(dnp.tanh(dnp.exp(x) * 2.0) ** 2.0), x)
    g1, g2 = p.grad(x), p.grad(x)
    np.testing.assert_array_equal(g1, g2)
    u = np.ones_like(out)
    np.testing.assert_array_equal(pull(u)[0], pull(u)[0])


def test_vmap_equals_a_loop_and_composes_with_grad():
    rng = np.random.default_rng(0)
    W, X = rng.normal(size=(2, 3)), rng.normal(size=(5, 3))
    f = lambda p, x: {"h": dnp.tanh(p["w"] @ x), "s": dnp.sum(x * x)}  # noqa: E731
    out = dl.vmap(f, in_axes=(None, 0))({"w": W}, X)
    assert out["h"].shape == (5, 2) and out["s"].shape == (5,)
    np.testing.assert_allclose(out["h"], np.tanh(X @ W.T), rtol=1e-15)
    np.testing.assert_allclose(out["s"], (X * X).sum(axis=1), rtol=1e-15)
    # inside grad the arguments are traced: vmap loops and the outer trace records it
    g = dl.grad(lambda w: dnp.sum(dl.vmap(lambda x: dnp.sum(dnp.sin(x * w)))(X)))(1.5)
    np.testing.assert_allclose(g, np.sum(np.cos(X * 1.5) * X), rtol=1e-14)


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_vmap_in_axes_and_out_axes_as_jax(method):
    """JAX's in_axes (any axis, negative too, a prefix of each argument's pytree) and out_axes (an
    int or a prefix of the output's pytree): they raised (in_axes) or did not exist (out_axes)."""
    A = np.arange(12.0).reshape(3, 4) / 10
    g = lambda a, b, c: dnp.tanh(a * b) + c  # noqa: E731
    out = dl.vmap(g, in_axes=(1, None, 0), out_axes=1)(A, 0.3, np.ones((4, 3)))
    np.testing.assert_allclose(out, np.tanh(A * 0.3) + 1.0, rtol=1e-15)  # (3, 4): the batch axis 1 again
    out = dl.vmap(g, in_axes=(-1, 0, None), out_axes=-1)(A, np.ones(4), 2.0)
    np.testing.assert_allclose(out, np.tanh(A) + 2.0, rtol=1e-15)
    per = lambda p, x: dnp.sum(dnp.sin(p["w"] * x) + p["b"])  # noqa: E731
    X = np.arange(6.0).reshape(3, 2)
    out = dl.vmap(per, in_axes=({"w": 0, "b": None}, 0))({"w": X / 7, "b": 0.1}, X)
    np.testing.assert_allclose(out, np.sin(X / 7 * X).sum(axis=1) + 0.2, rtol=1e-15)
    both = dl.vmap(lambda a: (dnp.sum(a), {"q": a * 2.0}), out_axes=(0, {"q": 1}))(A)
    assert both[0].shape == (3,) and both[1]["q"].shape == (4, 3)
    np.testing.assert_allclose(both[1]["q"], 2 * A.T, rtol=0)
    # differentiated through: d/dA Σ vmap(tanh(a·0.3), in_axes=1, out_axes=1)² = 2 t (1 - t²) 0.3
    loss = lambda a: dnp.sum(dl.vmap(lambda r: dnp.tanh(r * 0.3), in_axes=1, out_axes=1)(a) ** 2.0)  # noqa: E731
    t = np.tanh(A * 0.3)
    tol = dict(rtol=1e-7) if method == "numeric" else dict(rtol=1e-13)
    np.testing.assert_allclose(dl.grad(loss, method=method)(A), 2 * t * (1 - t**2) * 0.3, **tol)


def test_vmap_axes_refusals_name_the_problem():
    with pytest.raises(ValueError, match=r"in_axes 1 is out of range for argument 0's leaf of shape \(3,\)"):
        dl.vmap(lambda x: x, in_axes=1)(np.ones(3))
    with pytest.raises(ValueError, match="in_axes has 1 entries for 2 arguments"):
        dl.vmap(lambda x, y: x * y, in_axes=(0,))(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"the axes \{'v': 0\} do not match the structure \{'w': \*\} of argument 0"):
        dl.vmap(lambda p: p["w"], in_axes=({"v": 0},))({"w": np.ones(3)})
    with pytest.raises(ValueError, match="in_axes entries must be ints or None; got 0.5"):
        dl.vmap(lambda x: x, in_axes=0.5)(np.ones(3))
    with pytest.raises(ValueError, match=r"out_axes 2 is out of range for an output of shape \(4,\)"):
        dl.vmap(lambda x: x, out_axes=2)(np.ones((3, 4)))
    with pytest.raises(ValueError, match="out_axes None for output leaf 0, which depends on the batched arguments"):
        dl.vmap(lambda x: x, out_axes=None)(np.ones((3, 4)))
    with pytest.raises(ValueError, match="out_axes entries must be ints or None; got 'a'"):
        dl.vmap(lambda x: x, out_axes="a")(np.ones((3, 4)))


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_vmap_out_axes_none_takes_an_unbatched_output_once(method):
    """JAX's out_axes=None: an output that depends on no batched argument comes back once, unbatched, a copy
    of its own; differentiated through under every method."""
    X, w = np.arange(6.0).reshape(3, 2), np.array([1.0, 2.0])
    f = lambda x, w: (x * w, w * 2.0, w)  # noqa: E731
    y, z, same = dl.vmap(f, in_axes=(0, None), out_axes=(1, None, None))(X, w)
    np.testing.assert_array_equal(y, (X * w).T)
    np.testing.assert_array_equal(z, [2.0, 4.0])
    assert same.shape == (2,) and not np.shares_memory(same, w)
    g = dl.grad(
        lambda w: dnp.sum(dl.vmap(lambda x, w: (x * w, w * w), in_axes=(0, None), out_axes=(0, None))(X, w)[1]),
        method=method,
    )
    np.testing.assert_allclose(g(w), 2 * w, rtol=1e-8)


def test_vmap_refusals():
    with pytest.raises(ValueError, match="one batch axis of one size; got size 3, size 4$"):
        dl.vmap(lambda x, y: x + y)(np.ones(3), np.ones(4))
    # found by a new user's first hour: a scalar read "got sizes ['None']" (an empty batch, a bare IndexError
    # then, is JAX's empty output now: tests/test_jax_semantics.py)
    with pytest.raises(ValueError, match="one size; got size 0, size 2$"):
        dl.vmap(lambda x, y: x + y)(np.ones((0, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"got a scalar \(no axis 0\)$"):
        dl.vmap(lambda x: x * 2.0)(1.5)
    with pytest.raises(ValueError, match="control flow depends on its argument values"):
        dl.vmap(lambda x: x if x > 0 else -x)(np.array([1.0, -2.0]))


def test_traced_values_are_only_kept_for_the_call_that_uses_them(mlp):
    """A fresh value_and_grad reuses the values recorded while tracing; nobody else holds on to them."""
    params, X, Y = mlp
    vg, jac = dl.value_and_grad(mlp_loss), dl.jacobian(mlp_loss)
    v, g = vg(params, X, Y)
    jac(params, X, Y)
    p = dl.prepare(mlp_loss, params, X, Y)
    assert p.staged.values is None
    assert all(st.values is None for t in (vg, jac) for st in t.cache.values())
    ref_v, ref_g = dl.value_and_grad(mlp_loss, method="forward")(params, X, Y)
    assert v == pytest.approx(ref_v, rel=1e-14)
    for k in params:
        np.testing.assert_allclose(g[k], ref_g[k], rtol=1e-12, atol=1e-14)


def test_transform_preparations_and_prepared_expression_size_are_public():
    g = dl.grad(lambda x: dnp.sum(dnp.sin(x) * x), method="numeric")
    g(np.ones(2)), g(np.ones(3)), g(np.ones(3))
    preps = g.preparations()
    assert [p.n for p in preps] == [2, 3]
    assert all(p.evals > 0 for p in preps)  # each signature's own counter
    sym = dl.prepare(lambda x: dnp.sum(dnp.sin(x) * x), np.ones(3), method="symbolic")
    size = sym.expression_size()
    assert size["tape"] == len(sym.graph.eqns) and size["naive"] >= size["cse"] > 0
    with pytest.raises(TypeError, match="expression_size needs method='symbolic'"):
        dl.prepare(lambda x: x * x, 1.0, method="reverse").expression_size()


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_gradient_with_respect_to_an_empty_pytree(method):
    """An empty list or tuple has an empty gradient (autograd's test_isinstance differentiates
    a function of []): numeric raised "max() arg is an empty sequence", then a zero chunk step."""
    assert dl.grad(lambda x: 1.0, method=method)([]) == []
    g = dl.grad(lambda x, y: 2.0 * y * y, argnums=(0, 1), method=method)((), 1.5)
    assert g[0] == () and abs(g[1] - 6.0) < 1e-6


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_jacobian_with_respect_to_an_empty_pytree(method):
    """One empty row per output (reverse raised a bare IndexError concatenating no cotangents)."""
    assert dl.jacobian(lambda x: [1.0, 2.0], method=method)({}) == [{}, {}]


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_a_zero_d_array_leaf_gets_a_zero_d_array_gradient(method):
    """As its argument was, for every method (reverse's sweep ended in np.float64 or a Python float), fresh,
    cached and prepared, beside a Python float leaf (which gets a float), and never the input itself."""
    x = np.array(2.0)
    f = dl.value_and_grad(lambda x, y: x * y * x, argnums=(0, 1), method=method)
    for _ in range(2):  # the general path, then the generated builder
        _, (gx, gy) = f(x, 3.0)
        assert type(gx) is np.ndarray and gx.shape == () and type(gy) is float
        assert gx == pytest.approx(12.0, rel=1e-8) and gy == pytest.approx(4.0, rel=1e-8)
    g = dl.grad(lambda d: d["a"] ** 2 + dnp.sum(d["b"]), method=method)({"a": x, "b": np.ones(2)})
    assert type(g["a"]) is np.ndarray and g["a"].shape == () and g["a"] == pytest.approx(4.0, rel=1e-8)
    p = dl.prepare(lambda x: x * x, x, method=method)
    for _ in range(3):
        gp = p.grad(x)
        assert type(gp) is np.ndarray and gp.shape == () and not np.shares_memory(gp, x)


def test_prepare_names_what_specialised_the_graph():
    """prepare's refusal of a graph specialised to its input values names the op or construct that read a value,
    the equation of the value it read and the user's line (issue 11: it said only "value-dependent control flow")."""
    import inspect

    def branch(x):
        if x[0] > 0:
            return (x**2).sum()
        return x.sum()

    def sorted_by_lexsort(x):  # (np.argsort's, np.argmax's, np.digitize's indices are equations: prepare reuses them)
        return x[np.lexsort((x,))[:2]].sum() * x.sum()

    def inner_branch(x):
        return dl.grad(lambda y: y[0] ** 2 if y[0] > 0 else y[0])(x).sum()

    line = inspect.getsourcelines(branch)[1] + 1
    x = np.array([0.5, -1.0, 2.0])
    here = r"test_api\.py"
    for f, said in (
        (branch, rf"by bool\(\) .* of `v\d+ = greater\(v\d+, 0\)` at .*{here}:{line}\)"),
        (sorted_by_lexsort, rf"by numpy\.lexsort of `v1 = stack\(v0, axis=0\)` at .*{here}:{line + 5}\)"),
        (inner_branch, rf"by an inner trace's bool\(\) .* of `v\d+ = greater\(v\d+, 0\)` at .*{here}:{line + 8}\)"),
    ):
        with pytest.raises(ValueError, match=r"specialised to its input values \(" + said):
            dl.prepare(f, x)
