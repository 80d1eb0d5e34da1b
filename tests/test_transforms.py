"""The JAX/PyTorch-style transformations (difflab.transforms): stop_gradient, has_aux, hvp,
linearize and linear_transpose, against closed forms and HIPS autograd where installed."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]
rng = np.random.default_rng(0)


def rosen(x):
    return dnp.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1.0 - x[:-1]) ** 2.0)


def rosen_hess(x):  # closed form
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        H[i + 1, i + 1] += 200.0
        H[i, i + 1] += -400.0 * x[i]
        H[i + 1, i] += -400.0 * x[i]
    return H


def rosen_grad(x):
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


# -- stop_gradient ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_stop_gradient_is_a_constant(method):
    g = dl.grad(lambda x: x**2.0 * dl.stop_gradient(x**3.0), method=method)(2.0)
    assert g == pytest.approx(2 * 2.0 * 8.0)  # d/dx x² · c, c = 8


def test_stop_gradient_pytree():
    out = dl.grad(lambda p: (p["a"] * dl.stop_gradient(p)["b"]).sum())({"a": np.ones(2), "b": np.array([3.0, 4.0])})
    assert out["a"].tolist() == [3.0, 4.0] and out["b"].tolist() == [0.0, 0.0]


# -- has_aux ---------------------------------------------------------------------------------


def loss_aux(w, x):
    y = dnp.tanh(x @ w)
    return dnp.sum(y * y), {"pred": y, "n": 3.0}


@pytest.mark.parametrize("method", METHODS)
def test_grad_has_aux(method):
    w, x = rng.normal(size=3), rng.normal(size=(4, 3))
    g, aux = dl.grad(loss_aux, method=method, has_aux=True)(w, x)
    y = np.tanh(x @ w)
    assert np.allclose(aux["pred"], y) and aux["n"] == 3.0
    expected = x.T @ (2 * y * (1 - y**2))
    assert np.allclose(g, expected, atol=1e-6)
    (v, aux2), g2 = dl.value_and_grad(loss_aux, method=method, has_aux=True)(w, x)
    assert v == pytest.approx(np.sum(y * y)) and np.allclose(g2, g)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_jacobian_and_vjp_has_aux(method):
    x = rng.normal(size=3)
    J, aux = dl.jacobian(lambda x: (dnp.sin(x), dnp.sum(x)), method=method, has_aux=True)(x)
    assert np.allclose(J, np.diag(np.cos(x))) and aux == pytest.approx(x.sum())
    y, pb, aux = dl.vjp(lambda x: (dnp.sin(x), x * 2.0), x, method=method, has_aux=True)
    assert np.allclose(y, np.sin(x)) and np.allclose(aux, 2 * x)
    (c,) = pb(np.ones(3))
    assert np.allclose(c, np.cos(x))


@pytest.mark.parametrize("method", METHODS)
def test_jvp_has_aux_as_jax(method):
    """jvp(..., has_aux=True) gives (out, J v of out, aux), aux a pytree passed through; it nests under grad."""
    x = np.array([0.3, -1.2])
    f = lambda x, y: (dnp.sin(x) * y, {"s": dnp.sum(x), "k": 2.0})  # noqa: E731
    out, jv, aux = dl.jvp(f, (x, 2.5), (np.ones(2), 1.0), method=method, has_aux=True)
    tol = 1e-8 if method == "numeric" else 1e-15
    np.testing.assert_allclose(out, np.sin(x) * 2.5, rtol=1e-15)
    np.testing.assert_allclose(jv, np.cos(x) * 2.5 + np.sin(x), rtol=tol)
    assert aux["s"] == pytest.approx(x.sum(), rel=1e-15) and aux["k"] == 2.0
    g = dl.grad(lambda x: dl.jvp(lambda w: (dnp.sum(w**3), w[0]), (x,), (np.ones(2),), has_aux=True)[1])(x)
    np.testing.assert_allclose(g, 6 * x, rtol=1e-15)  # d/dx Σ 3 x_i² = 6x
    with pytest.raises(TypeError, match=r"must return a pair \(out, aux\)"):
        dl.jvp(lambda x: x * 2.0, (1.0,), (1.0,), method=method, has_aux=True)


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic"])
def test_linearize_has_aux_as_jax(method):
    """linearize(..., has_aux=True): (out, J v of out, aux); its transpose takes out's cotangent alone; nests."""
    x = np.array([0.3, -1.2])
    y, lin, aux = dl.linearize(lambda x: (dnp.sin(x) * x[0], {"s": dnp.sum(x)}), x, method=method, has_aux=True)
    J = np.diag(np.cos(x) * x[0])
    J[:, 0] += np.sin(x)
    np.testing.assert_allclose(y, np.sin(x) * x[0], rtol=1e-15)
    assert aux["s"] == pytest.approx(x.sum(), rel=1e-15)
    np.testing.assert_allclose(lin(np.array([1.0, 2.0])), J @ [1.0, 2.0], rtol=1e-14)
    np.testing.assert_allclose(dl.linear_transpose(lin)(np.ones(2))[0], np.ones(2) @ J, rtol=1e-14)
    with pytest.raises(ValueError, match="does not match the output's"):
        dl.linear_transpose(lin)((np.ones(2), 1.0))  # the pair's cotangent: aux has none
    g = dl.grad(lambda x: dl.linearize(lambda w: (dnp.sum(w**3), w[0]), x, method=method, has_aux=True)[1](np.ones(2)))
    np.testing.assert_allclose(g(x), 6 * x, rtol=1e-14)  # d/dx Σ 3 x_i² = 6x


def test_jacfwd_and_jacrev_are_jax_names_for_jacobian():
    """JAX's jacfwd/jacrev: argnums tuples, has_aux and holomorphic as jacobian's, nesting under grad."""
    x, y = np.array([0.3, -1.2]), 2.5
    f = lambda x, y: (dnp.sin(x) * y, dnp.sum(x**2))  # noqa: E731
    for jac in (dl.jacfwd, dl.jacrev):
        (jx, jy), aux = jac(f, argnums=(0, 1), has_aux=True)(x, y)
        np.testing.assert_allclose(jx, np.diag(np.cos(x) * y), rtol=1e-15)
        np.testing.assert_allclose(jy, np.sin(x), rtol=1e-15)
        assert aux == pytest.approx(np.sum(x**2), rel=1e-15)
        assert jac(lambda z: z * z, holomorphic=True)(np.array([1 + 2j]))[0, 0] == 2 + 4j
        # d/dx Σ_i 2 x_i² = 4x: the inner Jacobian diag(2 w x) at w = x, traced by the outer grad
        g = dl.grad(lambda x: jac(lambda w: w * w * x)(x).sum())(x)
        np.testing.assert_allclose(g, 4 * x, rtol=1e-15)


def test_has_aux_bad_return_names_the_function():
    def lossy(x):
        return x * x

    # it said "but returned a Tracer", difflab's class for a traced value, not what the user returned
    with pytest.raises(TypeError, match=r"lossy must return a pair \(out, aux\), but returned an array of shape \(\)$"):
        dl.grad(lossy, has_aux=True)(2.0)
    with pytest.raises(TypeError, match=r"but returned an array of shape \(2,\)$"):
        dl.jacobian(lambda x: x * x, has_aux=True)(np.ones(2))
    with pytest.raises(TypeError, match="value_and_grad.*<lambda> must return a pair.*length 3"):
        dl.value_and_grad(lambda x: (x, x, x), has_aux=True)(2.0)


def test_has_aux_composes_with_autograd():
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    w = rng.normal(size=3)
    x = rng.normal(size=(4, 3))
    ref = ag.grad(lambda w: anp.sum(anp.tanh(anp.dot(x, w)) ** 2))(w)
    g, _ = dl.grad(loss_aux, has_aux=True)(w, x)
    assert np.allclose(g, ref, rtol=1e-12)


# -- hvp -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method",
    [
        "reverse",
        "reverse-over-reverse",
        "forward",
        "numeric",
        "symbolic",
        ("forward", "forward"),
        ("numeric", "reverse"),
    ],
)
def test_hvp_rosenbrock(method):
    x, v = rng.normal(size=5), rng.normal(size=5)
    g, hv = dl.hvp(rosen, (x,), (v,), method=method)
    tol = 1e-5 if "numeric" in method else 1e-10
    assert np.allclose(g, rosen_grad(x), rtol=1e-10)
    assert np.allclose(hv, rosen_hess(x) @ v, rtol=tol, atol=tol * 100)


def test_hvp_against_autograd():
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    x, v = rng.normal(size=6), rng.normal(size=6)

    def f_ag(x):
        return anp.sum(anp.tanh(x) * anp.sin(x[::-1]) ** 2)

    def f_dl(x):
        return dnp.sum(dnp.tanh(x) * dnp.sin(x[::-1]) ** 2.0)

    ref = ag.grad(lambda x: anp.dot(ag.grad(f_ag)(x), v))(x)
    for method in ["reverse", "reverse-over-reverse"]:
        _, hv = dl.hvp(f_dl, (x,), (v,), method=method)
        assert np.allclose(hv, ref, rtol=1e-12)


def test_hvp_pytrees_and_several_primals():
    p = {"a": rng.normal(size=2), "b": 1.5}
    y = rng.normal(size=2)
    tp = {"a": np.array([1.0, 0.0]), "b": 0.0}
    ty = np.array([0.0, 1.0])

    def f(p, y):
        return dnp.sum(p["a"] ** 2.0 * y) * p["b"]

    g, hv = dl.hvp(f, (p, y), (tp, ty))
    # H v column: d/da0 of grads, plus d/dy1
    a, b = p["a"], p["b"]
    assert np.allclose(g[0]["a"], 2 * a * y * b)
    assert np.allclose(g[1], a**2 * b)
    assert np.allclose(hv[0]["a"], [2 * y[0] * b, 2 * a[1] * b])
    assert hv[0]["b"] == pytest.approx(2 * a[0] * y[0] + a[1] ** 2)
    assert np.allclose(hv[1], [2 * a[0] * b, 0.0])


def test_hvp_tangent_shape_mismatch():
    def loss(x):
        return dnp.sum(x * x)

    with pytest.raises(ValueError, match=r"hvp of loss: a tangent of shape \(2,\) for a primal of shape \(3,\)"):
        dl.hvp(loss, (np.ones(3),), (np.ones(2),))


def test_prepare_hvp_reuses_the_trace():
    calls = []

    def f(x):
        calls.append(1)
        return dnp.sum(dnp.exp(x))

    p = dl.prepare_hvp(f, np.zeros(3))
    n = len(calls)
    for k in range(3):
        x, v = rng.normal(size=3), rng.normal(size=3)
        g, hv = p((x,), (v,))
        assert np.allclose(hv, np.exp(x) * v) and np.allclose(g, np.exp(x))
    assert len(calls) == n


def test_hvp_composes_with_grad():
    # d/dx of <v, H(x) v> for f = sum(x^4): H = diag(12x^2), so <v,Hv> = sum(12 x^2 v^2), grad = 24 x v^2
    v = np.array([1.0, 2.0])
    g = dl.grad(lambda x: dnp.sum(dl.hvp(lambda z: dnp.sum(z**4.0), (x,), (v,))[1] * v))(np.array([0.5, -1.0]))
    assert np.allclose(g, 24 * np.array([0.5, -1.0]) * v**2)


# -- linearize -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic"])
def test_linearize_matches_jvp_without_calling_f(method):
    calls = []

    def f(x, y):
        calls.append(1)
        return {"s": dnp.sin(x) * y, "t": dnp.sum(x * x)}

    x, y = rng.normal(size=4), 0.7
    out, f_jvp = dl.linearize(f, x, y, method=method)
    n = len(calls)
    from difflab.graph import counting

    for _ in range(3):
        vx, vy = rng.normal(size=4), rng.normal()
        jv = f_jvp(vx, vy)
        assert np.allclose(jv["s"], np.cos(x) * vx * y + np.sin(x) * vy)
        assert jv["t"] == pytest.approx(2 * x @ vx)
    assert len(calls) == n  # never traced again
    assert np.allclose(out["s"], np.sin(x) * y)
    if method == "forward":  # the stored part is only the tangent: every equation reads v
        with counting() as cost:
            f_jvp(np.ones(4), 1.0)
        assert 0 < cost.eqns <= len(f_jvp.graph.eqns)
        reads_v = set(f_jvp.graph.inputs[len(f_jvp.residuals) :])
        for e in f_jvp.graph.eqns:  # no equation of f's own: each one reads the tangent
            assert any(a in reads_v for a in e.args if isinstance(a, dl.Var)), str(e)
            reads_v.add(e.out)


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic"])
def test_linear_transpose_is_the_vjp(method):
    x = rng.normal(size=3)
    f = lambda x: dnp.tanh(x) * x[::-1]  # noqa: E731
    _, f_jvp = dl.linearize(f, x, method=method)
    f_vjp = dl.linear_transpose(f_jvp)
    u, v = rng.normal(size=3), rng.normal(size=3)
    (ju,) = f_vjp(u)
    assert np.dot(u, f_jvp(v)) == pytest.approx(np.dot(ju, v), rel=1e-12)
    _, pb = dl.vjp(f, x)
    assert np.allclose(ju, pb(u)[0])


def test_linearize_numeric_refuses():
    with pytest.raises(ValueError, match="numeric"):
        dl.linearize(lambda x: x * x, 1.0, method="numeric")


# -- custom_jvp / custom_vjp -----------------------------------------------------------------


def make_softplus():
    @dl.custom_jvp
    def softplus(x):
        return dnp.log1p(dnp.exp(x))

    @softplus.defjvp
    def softplus_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return softplus(x), t * dnp.sigmoid(x)

    return softplus


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_custom_jvp_matches_autograd(method):
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    sp = make_softplus()
    x = rng.normal(size=4)
    f = lambda x: dnp.sum(sp(x * 2.0) ** 2.0)  # noqa: E731
    ref = ag.grad(lambda x: anp.sum(anp.log1p(anp.exp(2 * x)) ** 2))(x)
    g = dl.grad(f, method=method)
    for _ in range(2):  # the first call interprets, the second runs compiled code
        assert np.allclose(g(x), ref, rtol=1e-12)
    # second order through the rule: forward-over-reverse Hessian vs autograd's
    H = dl.hessian(f)(x)
    Href = ag.hessian(lambda x: anp.sum(anp.log1p(anp.exp(2 * x)) ** 2))(x)
    assert np.allclose(H, Href, rtol=1e-10)


def test_custom_jvp_rule_is_what_forward_and_reverse_use():
    @dl.custom_jvp
    def ste_round(x):  # a straight-through estimator: derivative 1 where the true one is ~0
        return x - dnp.sin(x * 6.283185307179586) / 6.283185307179586

    ste_round.defjvp(lambda p, t: (ste_round(p[0]), t[0] * 1.0))
    x = np.array([0.3, 1.2])
    for method in ["forward", "reverse"]:
        assert np.allclose(dl.jacobian(ste_round, method=method)(x), np.eye(2))
    true = 1 - np.cos(2 * np.pi * x)
    # (it said "its derivative differs from the other methods' here", also for a rule equal to f's derivative)
    with pytest.warns(UserWarning, match="cannot honour custom_jvp_ste_round.*the function's own, which differs"):
        Jn = dl.jacobian(ste_round, method="numeric")(x)
    assert np.allclose(np.diag(Jn), true, rtol=1e-6)
    # symbolic honours the rule too, as JAX does under every transformation (it differentiated the function)
    assert np.allclose(dl.jacobian(ste_round, method="symbolic")(x), np.eye(2))


def test_custom_jvp_symbolic_uses_given_sympy_form():
    import sympy

    @dl.custom_jvp
    def cube(x):
        return x * x * x

    cube.defjvp(lambda p, t: (cube(p[0]), 3.0 * p[0] ** 2.0 * t[0]))
    assert dl.grad(cube, method="symbolic")(2.0) == pytest.approx(12.0)
    # a SymPy form that differs from the primal: symbolic's value follows it, its derivative is the rule's
    doubled = dl.custom_jvp(lambda x: x * x * x, sympy=lambda x, trees: np.frompyfunc(lambda e: 2 * e**3, 1, 1)(x))
    doubled.defjvp(lambda p, t: (p[0] ** 3.0, 5.0 * p[0] ** 2.0 * t[0]))
    value, slope = dl.value_and_grad(doubled, method="symbolic")(2.0)
    assert (value, slope) == (pytest.approx(16.0), pytest.approx(20.0))
    assert sympy  # imported: symbolic is available


def test_custom_jvp_several_pytree_arguments():
    @dl.custom_jvp
    def scaled(p, y):
        return p["w"] * y * p["b"]

    @scaled.defjvp
    def scaled_jvp(primals, tangents):
        (p, y), (tp, ty) = primals, tangents
        return scaled(p, y), tp["w"] * y * p["b"] + p["w"] * ty * p["b"] + p["w"] * y * tp["b"]

    p, y = {"w": np.array([1.0, 2.0]), "b": 3.0}, np.array([0.5, -1.0])
    for method in ["forward", "reverse"]:
        gp, gy = dl.grad(lambda p, y: dnp.sum(scaled(p, y)), argnums=(0, 1), method=method)(p, y)
        assert np.allclose(gp["w"], y * 3.0) and gp["b"] == pytest.approx(np.sum(p["w"] * y))
        assert np.allclose(gy, p["w"] * 3.0)


def make_polar():
    """(r, θ) in a dict → (x, {"y": y}): a pytree in, a pytree of two outputs out."""

    @dl.custom_jvp
    def polar(p):
        return p["r"] * dnp.cos(p["th"]), {"y": p["r"] * dnp.sin(p["th"])}

    @polar.defjvp
    def polar_jvp(primals, tangents):
        (p,), (t,) = primals, tangents
        r, th = p["r"], p["th"]
        return polar(p), (
            t["r"] * dnp.cos(th) - r * dnp.sin(th) * t["th"],
            {"y": t["r"] * dnp.sin(th) + r * dnp.cos(th) * t["th"]},
        )

    return polar


def make_two_outputs():
    @dl.custom_vjp
    def two(x, y):
        return x * y, dnp.sin(x)

    def bwd(res, ct):
        (x, y), (c_prod, c_sin) = res, ct
        return c_prod * y + c_sin * dnp.cos(x), c_prod * x

    two.defvjp(lambda x, y: (two(x, y), (x, y)), bwd)
    return two


def test_custom_jvp_pytree_outputs_match_autograd_in_every_method():
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    polar = make_polar()
    p = {"r": np.array([1.0, 2.0]), "th": np.array([0.3, 0.7])}

    def loss(p):
        a, b = polar(p)
        return dnp.sum(a * a * 3.0 + b["y"])

    ref = ag.grad(lambda p: anp.sum(3.0 * (p["r"] * anp.cos(p["th"])) ** 2 + p["r"] * anp.sin(p["th"])))(p)
    for method in METHODS:
        g = dl.grad(loss, method=method)
        for _ in range(2):
            got = g(p)
            for k in ("r", "th"):
                np.testing.assert_allclose(got[k], ref[k], rtol=1e-6 if method == "numeric" else 1e-12)
    # the Jacobian is nested like jacobian's of any pytree function: output structure, then input
    for method in ["forward", "reverse"]:
        jx, jy = dl.jacobian(polar, method=method)(p)
        np.testing.assert_allclose(jx["th"], np.diag(-p["r"] * np.sin(p["th"])), rtol=1e-12)
        np.testing.assert_allclose(jy["y"]["r"], np.diag(np.sin(p["th"])), rtol=1e-12)
    # outside a trace the function itself runs
    a, b = polar(p)
    assert np.allclose(b["y"], p["r"] * np.sin(p["th"]))


def test_custom_vjp_several_outputs_reverse_uses_bwd_with_a_tuple_cotangent():
    two = make_two_outputs()
    x, y = np.array([0.5, 1.5]), np.array([2.0, -1.0])
    f = lambda x, y: dnp.sum(two(x, y)[0] + two(x, y)[1] ** 2.0)  # noqa: E731
    ref = dl.grad(lambda x, y: dnp.sum(x * y + dnp.sin(x) ** 2.0), argnums=(0, 1), method="forward")(x, y)
    for _ in range(2):
        gx, gy = dl.grad(f, argnums=(0, 1))(x, y)
        np.testing.assert_allclose(gx, ref[0], rtol=1e-12)
        np.testing.assert_allclose(gy, ref[1], rtol=1e-12)
    with pytest.raises(dl.NotDifferentiableError, match="custom_vjp function two"):
        dl.grad(f, method="forward")(x, y)


def test_check_rule_on_pytree_outputs_passes_right_rules_and_catches_wrong_ones():
    from difflab.testing import GradientMismatch, check_rule

    p = {"r": np.array([1.0, 2.0]), "th": np.array([0.3, 0.7])}
    assert check_rule(make_polar(), p)
    two = make_two_outputs()
    assert check_rule(two, np.array([0.5, 1.5]), np.array([2.0, -1.0]))

    wrong = make_polar()
    wrong.defjvp(lambda pr, t: (wrong(pr[0]), (t[0]["r"], {"y": t[0]["th"]})))
    with pytest.raises(GradientMismatch, match=r"^check_rule: rule \(the custom_jvp rule of polar"):
        check_rule(wrong, p)
    two.defvjp(lambda x, y: (two(x, y), None), lambda res, ct: (ct[0], ct[0]))
    with pytest.raises(GradientMismatch, match=r"^check_rule: .*custom_vjp rule"):
        check_rule(two, np.array([0.5, 1.5]), np.array([2.0, -1.0]))


def test_custom_rules_with_the_wrong_output_structure_name_it():
    polar = make_polar()
    p = {"r": np.array([1.0, 2.0]), "th": np.array([0.3, 0.7])}
    loss = lambda p: dnp.sum(polar(p)[0])  # noqa: E731
    polar.defjvp(lambda pr, t: (polar(pr[0]), (t[0]["r"], t[0]["th"])))
    with pytest.raises(TypeError, match=r"t_out of polar returned the structure \(\*, \*\), expected .*\{'y': \*\}"):
        dl.grad(loss, method="forward")(p)
    polar.defjvp(lambda pr, t: (polar(pr[0]), (t[0]["r"], {"y": dnp.sum(t[0]["th"])})))
    with pytest.raises(ValueError, match=r"rule of polar: t_out leaf 1 has shape \(\), expected \(2,\)"):
        dl.grad(loss, method="reverse")(p)

    @dl.custom_jvp
    def nothing(x):
        return None, x

    # None is a pytree node without leaves (as in JAX): the rule's t_out must have the output's structure
    nothing.defjvp(lambda p, t: (1.0, 2.0))
    with pytest.raises(TypeError, match=r"t_out of nothing returned the structure \*, expected .*\(None, \*\)"):
        dl.grad(lambda x: nothing(x)[1])(1.0)
    nothing.defjvp(lambda p, t: ((None, p[0]), (None, 3.0 * t[0])))
    assert dl.grad(lambda x: nothing(x)[1], method="forward")(1.0) == 3.0


def test_custom_jvp_wrong_shape_names_function_and_shapes():
    @dl.custom_jvp
    def bad(x):
        return x * 2.0

    bad.defjvp(lambda p, t: (bad(p[0]), dnp.sum(t[0])))
    for method in ["forward", "reverse"]:
        with pytest.raises(ValueError, match=r"custom_jvp rule of bad: t_out has shape \(\), expected \(3,\)"):
            dl.jacobian(bad, method=method)(np.ones(3))


def make_clipped():
    @dl.custom_vjp
    def f(x, y):
        return dnp.sin(x) * y

    def fwd(x, y):
        return f(x, y), (dnp.cos(x), dnp.sin(x), y)

    def bwd(res, ct):
        cos_x, sin_x, y = res
        return ct * cos_x * y, ct * sin_x

    f.defvjp(fwd, bwd)
    return f


def test_custom_vjp_reverse_matches_autograd_and_forward_refuses():
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    f = make_clipped()
    x, y = rng.normal(size=3), rng.normal(size=3)
    loss = lambda x, y: dnp.sum(f(x, y) ** 2.0)  # noqa: E731
    ref = ag.grad(lambda x, y: anp.sum((anp.sin(x) * y) ** 2), argnum=(0, 1))(x, y)
    g = dl.grad(loss, argnums=(0, 1))
    for _ in range(2):
        gx, gy = g(x, y)
        assert np.allclose(gx, ref[0], rtol=1e-12) and np.allclose(gy, ref[1], rtol=1e-12)
    with pytest.raises(dl.NotDifferentiableError, match="forward mode cannot differentiate custom_vjp function f"):
        dl.grad(loss, method="forward")(x, y)


def test_custom_vjp_rule_is_used_and_checked():
    @dl.custom_vjp
    def halve_grad(x):
        return x * 1.0

    halve_grad.defvjp(lambda x: (halve_grad(x), None), lambda res, ct: (ct * 0.5,))
    assert np.allclose(dl.grad(lambda x: dnp.sum(halve_grad(x)))(np.ones(2)), [0.5, 0.5])

    @dl.custom_vjp
    def wrong(x):
        return x * 1.0

    wrong.defvjp(lambda x: (wrong(x), None), lambda res, ct: (dnp.sum(ct),))
    with pytest.raises(ValueError, match=r"custom_vjp rule of wrong: .* has shape \(\), expected \(2,\)"):
        dl.grad(lambda x: dnp.sum(wrong(x)))(np.ones(2))
    wrong.defvjp(lambda x: (wrong(x), None), lambda res, ct: ct)
    with pytest.raises(TypeError, match="bwd of wrong must return a tuple"):
        dl.grad(lambda x: dnp.sum(wrong(x)))(np.ones(2))


def test_custom_ops_stay_out_of_the_registry():
    sp = make_softplus()
    dl.grad(lambda x: sp(x))(1.0)
    assert sp.op.name not in dl.REGISTRY and isinstance(sp.op, dl.ops.Op)


# -- checkpoint --------------------------------------------------------------------------------


def mlp_layer(W):
    return lambda x: dnp.tanh(W @ x)


@pytest.mark.parametrize("method", METHODS)
def test_checkpoint_same_gradient_every_method(method):
    Ws = [rng.normal(size=(3, 3)) * 0.5 for _ in range(4)]

    def plain(x):
        for W in Ws:
            x = mlp_layer(W)(x)
        return dnp.sum(x**2.0)

    chained = dl.checkpoint_sequential([mlp_layer(W) for W in Ws], segments=2)
    x = rng.normal(size=3)
    g = dl.grad(lambda x: dnp.sum(chained(x) ** 2.0), method=method)
    for _ in range(2):
        assert np.allclose(g(x), dl.grad(plain)(x), rtol=1e-6 if method == "numeric" else 1e-12)


def test_checkpoint_gradient_wrt_closed_over_weights():
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    x = rng.normal(size=3)

    def loss(W):
        layer = dl.checkpoint(lambda h: dnp.tanh(W @ h))
        return dnp.sum(layer(layer(x)))

    W = rng.normal(size=(3, 3))
    ref = ag.grad(lambda W: anp.sum(anp.tanh(anp.dot(W, anp.tanh(anp.dot(W, x))))))(W)
    for method in ["reverse", "forward"]:
        assert np.allclose(dl.grad(loss, method=method)(W), ref, rtol=1e-12)
    assert np.allclose(
        dl.hessian(lambda W: loss(W))(W).reshape(9, 9),
        ag.hessian(lambda W: anp.sum(anp.tanh(anp.dot(W, anp.tanh(anp.dot(W, x))))))(W).reshape(9, 9),
    )


def test_checkpoint_pytree_output_and_tape():
    f = dl.checkpoint(lambda p: {"s": dnp.sin(p["a"]) * p["b"], "c": dnp.cos(p["a"])})
    p = {"a": np.array([0.1, 0.2]), "b": 2.0}
    g = dl.grad(lambda p: dnp.sum(f(p)["s"]) + dnp.sum(f(p)["c"]))(p)
    assert np.allclose(g["a"], 2.0 * np.cos(p["a"]) - np.sin(p["a"]))
    assert g["b"] == pytest.approx(np.sum(np.sin(p["a"])))
    tape = dl.trace(lambda a: f({"a": a, "b": 2.0})["s"], p["a"])
    assert [e.op.name for e in tape.eqns].count("checkpoint") == 1
    assert "sin" not in [e.op.name for e in tape.eqns]  # the interior is not on the outer tape


def test_checkpoint_recomputes_at_most_one_forward():
    from difflab.graph import counting

    layers = [lambda x: dnp.tanh(x) * 0.9 + 0.1] * 16
    plain = lambda x: dnp.sum(functools_reduce(layers, x))  # noqa: E731
    ck = dl.checkpoint_sequential(layers, segments=4)
    x = rng.normal(size=5)
    fwd_eqns = len(dl.trace(plain, x).eqns)
    counts = []
    for f in (plain, lambda x: dnp.sum(ck(x))):
        g = dl.grad(f, method=dl.Reverse(compiled=False))
        g(x)
        with counting() as cost:
            g(x)
        counts.append(cost.eqns)
    assert counts[0] < counts[1] <= counts[0] + fwd_eqns + 8  # one extra forward (+ the few checkpoint steps)


def functools_reduce(layers, x):
    for layer in layers:
        x = layer(x)
    return x


def test_checkpoint_sequential_bad_segments():
    with pytest.raises(ValueError, match="segments must be a positive int"):
        dl.checkpoint_sequential([dnp.sin], 0)


# -- sparsity and sparse Jacobians -------------------------------------------------------------


def tridiagonal(x):
    left = dnp.concatenate([np.zeros(1), x[:-1]])
    right = dnp.concatenate([x[1:], np.zeros(1)])
    return dnp.sin(x) * 2.0 + left * x - right**2.0


def test_sparsity_exact_pattern():
    P = dl.sparsity(tridiagonal, np.ones(5)).toarray()
    expected = (np.abs(np.eye(5)) + np.eye(5, k=1) + np.eye(5, k=-1)) > 0
    assert (P == expected).all()
    # a zero partial at this point is still a dependency (the pattern holds at every point)
    P = dl.sparsity(lambda x: dnp.relu(x) * x[::-1], np.array([-1.0, 2.0, -3.0])).toarray()
    assert (P == (np.eye(3) + np.eye(3)[::-1] > 0)).all()
    # no dependency through stop_gradient or comparisons; matmul is dense along its contraction
    P = dl.sparsity(lambda x, W: dnp.stop_gradient(x) * (W @ x) + (x > 0.0) * 1.0, np.ones(2), np.ones((2, 2)))
    assert P.toarray().astype(int).tolist() == [[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 1, 1]]


def _registry_cases():
    from difflab.ops import REGISTRY, examples

    r = np.random.default_rng(1)
    for name, op in REGISTRY.items():
        if not op.differentiable:
            continue
        for args, params in examples(op, r):
            floats = [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]
            if floats:
                yield name, op, args, params, floats


REGISTRY_CASES = {}  # op name -> its samples' cases: one test per op (per-test overhead was most of the time)
for _case in _registry_cases():
    REGISTRY_CASES.setdefault(_case[0], []).append(_case)


@pytest.mark.parametrize("name", REGISTRY_CASES)
def test_sparsity_covers_every_registry_op(name):
    """Registry-driven: the pattern holds every nonzero of the dense Jacobian at each sample point."""
    for k, (_, op, args, params, floats) in enumerate(REGISTRY_CASES[name]):

        def f(*xs, args=args, params=params, floats=floats):
            full = list(args)
            for i, x in zip(floats, xs):
                full[i] = x
            return op(*full, **params)

        xs = [args[i] for i in floats]
        P = dl.sparsity(f, *xs).toarray()
        jac = dl.jacobian(f, argnums=tuple(range(len(xs))))(*xs)
        J = np.concatenate(
            [np.reshape(j, (P.shape[0], -1)) for j in (jac if isinstance(jac, tuple) else (jac,))], axis=1
        )
        assert P.shape == J.shape, f"{name}, sample {k}"
        assert not ((J != 0) & ~P).any(), f"{name}, sample {k}: a nonzero derivative outside the pattern"


@pytest.mark.parametrize("method", ["forward", "reverse", "numeric"])
def test_sparse_jacobian_tridiagonal_three_sweeps_at_10k(method):
    n = 10_000
    x = np.linspace(-1.0, 1.0, n)
    jac = dl.jacobian(tridiagonal, method=method, sparse=True)
    J = jac(x)
    assert jac.sweeps == 3
    diag = 2 * np.cos(x) + np.concatenate([[0.0], x[:-1]])
    tol = 1e-6 if method == "numeric" else 1e-13
    assert np.allclose(J.diagonal(), diag, rtol=tol, atol=tol)
    assert np.allclose(J.diagonal(1), -2 * x[1:], rtol=tol, atol=tol)
    assert np.allclose(J.diagonal(-1), x[1:], rtol=tol, atol=tol)
    assert J.nnz == 3 * n - 2


def test_sparse_jacobian_matches_dense_small_and_symbolic():
    x = rng.normal(size=6)
    dense = dl.jacobian(tridiagonal)(x)
    for method in ["forward", "reverse", "symbolic"]:
        assert np.allclose(dl.jacobian(tridiagonal, method=method, sparse=True)(x).toarray(), dense, rtol=1e-12)


def test_colouring_is_proper():
    from difflab.sparse import colour

    r = np.random.default_rng(3)
    rows, cols = r.integers(0, 30, 120), r.integers(0, 40, 120)
    c = colour(rows, cols, (30, 40))
    for i in range(30):  # columns sharing a row differ
        used = c[cols[rows == i]]
        assert len(set(used.tolist())) == len(set(cols[rows == i].tolist()))


# -- composition -------------------------------------------------------------------------------


def test_transformations_compose():
    sp = make_softplus()
    layer = dl.checkpoint(lambda h: sp(h) * 0.5)

    def f(x):
        return dnp.sum(layer(layer(x)) ** 2.0)

    def f_plain(x):
        s = lambda h: dnp.log1p(dnp.exp(h)) * 0.5  # noqa: E731
        return dnp.sum(s(s(x)) ** 2.0)

    x, v = rng.normal(size=4), rng.normal(size=4)
    H = dl.hessian(f_plain)(x)
    for method in ["reverse", "reverse-over-reverse", "forward"]:
        g, hv = dl.hvp(f, (x,), (v,), method=method)
        assert np.allclose(hv, H @ v, rtol=1e-10) and np.allclose(g, dl.grad(f_plain)(x))
    # linearize and sparsity see through the checkpoint and the custom rule
    _, f_jvp = dl.linearize(lambda x: layer(x), x)
    assert np.allclose(f_jvp(v), dl.jacobian(lambda x: layer(x))(x) @ v)
    assert (dl.sparsity(lambda x: layer(x), x).toarray() == np.eye(4, dtype=bool)).all()
    assert np.allclose(dl.jacobian(lambda x: layer(x), sparse=True)(x).toarray(), dl.jacobian(lambda x: layer(x))(x))
    # has_aux of a checkpointed, custom-rule function; prepare of it
    g, aux = dl.grad(lambda x: (f(x), layer(x)), has_aux=True)(x)
    assert np.allclose(g, dl.grad(f_plain)(x)) and np.allclose(aux, layer(x))
    p = dl.prepare(f, x)
    for _ in range(2):
        assert np.allclose(p.grad(x), dl.grad(f_plain)(x))
    # stop_gradient inside hvp: the stopped factor is a constant
    _, hv = dl.hvp(lambda x: dnp.sum(x**2.0 * dl.stop_gradient(x)), (x,), (v,))
    assert np.allclose(hv, 2 * x * v)


# -- the oracle's checks of the transformations ------------------------------------------------


def test_check_hvp_passes_right_and_fails_wrong():
    from difflab.testing import GradientMismatch, check_hvp

    x = rng.normal(size=4)
    assert check_hvp(rosen, lambda p, t: rosen_hess(p[0]) @ t[0], x)
    assert check_hvp(rosen, lambda p, t: dl.hvp(rosen, p, t), x)  # the (∇f, H v) pair is accepted
    # the message names the check called and the function given (it read "check_jvp: jvp_f (<lambda>)")
    with pytest.raises(GradientMismatch, match=r"^check_hvp: hvp_f \(<lambda>\) does not match the reference"):
        check_hvp(rosen, lambda p, t: (rosen_hess(p[0]) * 1.001) @ t[0], x)
    assert str(check_hvp(rosen, lambda p, t: rosen_hess(p[0]) @ t[0], x)).startswith("check_hvp passed")
    # a black box (plain NumPy): Richardson differences of Richardson gradients
    box = lambda x: float(np.sum(np.sin(x) * x))  # noqa: E731
    hess = lambda x: np.diag(2 * np.cos(x) - x * np.sin(x))  # noqa: E731
    assert check_hvp(box, lambda p, t: hess(p[0]) @ t[0], x)
    with pytest.raises(GradientMismatch):
        check_hvp(box, lambda p, t: (hess(p[0]) + 0.01) @ t[0], x)


def test_check_rule_jvp_and_vjp():
    from difflab.testing import GradientMismatch, check_rule

    sp = make_softplus()
    assert check_rule(sp, rng.normal(size=3))
    wrong = dl.custom_jvp(lambda x: dnp.log1p(dnp.exp(x)))
    wrong.defjvp(lambda p, t: (wrong(p[0]), t[0] * dnp.sigmoid(p[0]) * 1.01))
    with pytest.raises(GradientMismatch, match="custom_jvp rule of <lambda>"):
        check_rule(wrong, rng.normal(size=3))
    assert check_rule(make_clipped(), rng.normal(size=3), rng.normal(size=3))
    bad_vjp = dl.custom_vjp(lambda x: dnp.sin(x))
    bad_vjp.defvjp(lambda x: (dnp.sin(x), x), lambda x, ct: (ct * dnp.cos(x) + 0.01,))
    with pytest.raises(GradientMismatch, match="custom_vjp rule"):
        check_rule(bad_vjp, rng.normal(size=3))
    with pytest.raises(TypeError, match="check_rule takes a dl.custom_jvp or dl.custom_vjp"):
        check_rule(np.sin, 1.0)


def test_check_sparsity():
    from difflab.testing import GradientMismatch, check_sparsity

    res = check_sparsity(lambda x: dnp.relu(x) * 2.0, np.array([-1.0, -2.0, 3.0]), points=1)
    assert res and "zero at every point" in res.notes[0]
    too_small = np.eye(5, dtype=bool)
    with pytest.raises(GradientMismatch, match="outside the pattern"):
        check_sparsity(tridiagonal, rng.normal(size=5), pattern=too_small)


def test_sparse_without_scipy_gives_coo_triples(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "scipy.sparse", None)  # import scipy.sparse now raises ImportError
    rows, cols, values, shape = dl.sparsity(lambda x: x[1:] * x[:-1], np.ones(3))
    assert shape == (2, 3) and values is None
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(0, 0), (0, 1), (1, 1), (1, 2)]
    rows, cols, values, shape = dl.jacobian(lambda x: x[1:] * x[:-1], sparse=True)(np.array([1.0, 2.0, 3.0]))
    J = np.zeros(shape)
    J[rows, cols] = values
    assert J.tolist() == [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]]


# -- the oracle: float32's error model, and no silent pass on a flat reference -------------------


def test_float32_gradient_checked_by_float32_error_model():
    from difflab.testing import GradientMismatch, check_grad

    x = np.array([0.3, 1.1, 2.5], dtype=np.float32)
    f = lambda x: dnp.sum(dnp.sin(x) ** 2.0)  # noqa: E731
    right = lambda x: (2 * np.sin(x) * np.cos(x)).astype(np.float32)  # computed in float32  # noqa: E731
    assert check_grad(f, right, x)
    with pytest.raises(GradientMismatch, match="float32 values are involved"):  # 1e-4 off: ~800 float32 roundings
        check_grad(f, lambda x: right(x) * np.float32(1 + 1e-4), x)


def test_flat_numeric_reference_refuses_a_nonzero_claim():
    import math

    from difflab.testing.oracle import GradientMismatch, Inconclusive, check_grad

    box = lambda x: sum(math.tanh(v) for v in np.asarray(x))  # noqa: E731  (a black box: not traceable)
    x = np.array([40.0, 0.5])  # tanh is 1.0 exactly at 40 ± every Richardson step (up to ±20)
    exact = lambda x: 1 - np.tanh(x) ** 2  # noqa: E731
    with pytest.raises(Inconclusive, match=r"cannot tell along args\[0\]\[0\].*exactly 0"):
        check_grad(box, lambda x: exact(x) + np.array([5e-15, 0.0]), x)  # would pass by the round-off floor
    with pytest.raises(GradientMismatch):  # beyond every tolerance: a plain mismatch
        check_grad(box, lambda x: exact(x) + np.array([1e-12, 0.0]), x)
    assert check_grad(box, lambda x: np.where(x > 10, 0.0, exact(x)), x)  # 0 agrees with a flat f
    # traceable: the exact reference decides, no refusal needed
    assert check_grad(lambda x: dnp.sum(dnp.tanh(x)), exact, x)


def test_linearize_tangent_shape_mismatch_names_both():
    def spread(x):
        return x * 2.0

    _, f_jvp = dl.linearize(spread, np.ones(3))
    with pytest.raises(
        ValueError, match=r"linearisation of spread: a tangent of shape \(2,\) for a primal of shape \(3,\)"
    ):
        f_jvp(np.ones(2))


def test_check_rule_numeric_reference_and_custom_vjp_other_methods():
    from difflab.testing import check_rule

    sp = make_softplus()
    assert check_rule(sp, np.array([0.3, -1.2]), reference="numeric", points=2)
    f = make_clipped()
    x, y = np.array([0.4, 1.0]), np.array([2.0, -0.5])
    loss = lambda x, y: dnp.sum(f(x, y))  # noqa: E731
    with pytest.warns(UserWarning, match="cannot honour custom_vjp_f"):
        g = dl.grad(loss, method="numeric")(x, y)
    assert np.allclose(g, np.cos(x) * y, rtol=1e-6)
    assert np.allclose(dl.grad(loss, method="symbolic")(x, y), np.cos(x) * y, rtol=1e-12)  # the primal's expression


def test_transformations_refuse_non_functions():
    for make, name in [(dl.checkpoint, "checkpoint"), (dl.custom_jvp, "custom_jvp"), (dl.custom_vjp, "custom_vjp")]:
        with pytest.raises(TypeError, match=f"{name} .*function, got int"):
            make(3)
    with pytest.raises(TypeError, match="sequence of functions"):
        dl.checkpoint_sequential([dnp.sin, 2], 1)


# -- sparse Jacobians over pytrees: one flat matrix and its IndexMap ----------------------------


def _pytree_f(p, s):
    return {"pairs": p["w"][1:] * p["w"][:-1] * s, "m": dnp.reshape(p["m"], (2, 2)) * s}, dnp.sum(p["m"])


@pytest.mark.parametrize("method", METHODS)
def test_sparse_jacobian_of_a_pytree_function_matches_the_dense_one_block_by_block(method):
    p, s = {"w": np.array([1.0, 2.0, 3.0, 4.0]), "m": np.arange(1.0, 5.0)}, 1.5
    dense = dl.jacobian(_pytree_f, argnums=(0, 1), method="reverse")(p, s)
    jac = dl.jacobian(_pytree_f, argnums=(0, 1), sparse=True, method=method)
    J = jac(p, s)
    assert J.shape == (3 + 4 + 1, 4 + 4 + 1)
    index = jac.index
    # the index map: rows per output leaf (shaped like it), columns per input leaf
    assert index.rows[0]["m"].shape == (2, 2) and index.rows[1].shape == ()
    assert index.cols[0]["w"].tolist() == [4, 5, 6, 7] and index.cols[1].shape == ()
    assert sorted(
        np.concatenate([np.ravel(r) for r in [index.rows[0]["m"], index.rows[0]["pairs"], index.rows[1]]])
    ) == list(range(8))
    # blocks: jacobian's nesting; each equals the dense block reshaped to (out size, in size)
    blocks = index.blocks(J)
    for out_path in [(0, "pairs"), (0, "m"), (1,)]:
        got_out, want_out = blocks, dense
        for k in out_path:
            got_out, want_out = got_out[k], want_out[k]
        for in_path in [(0, "w"), (0, "m"), (1,)]:
            got, want = got_out, want_out
            for k in in_path:
                got, want = got[k], want[k]
            want = np.asarray(want)
            rows = np.asarray(index.rows[0][out_path[1]] if out_path[0] == 0 else index.rows[1]).size
            np.testing.assert_allclose(
                got.toarray(), want.reshape(rows, -1), rtol=1e-6 if method == "numeric" else 1e-12, atol=1e-9
            )
    # and a row of the flat matrix is the output element the index map names
    r = int(index.rows[0]["m"][1, 0])
    c = int(index.cols[0]["m"][2])
    assert J[r, c] == pytest.approx(s) and J[r, int(index.cols[0]["m"][1])] == 0.0


def test_sparsity_of_a_pytree_function_with_its_index_map():
    p, s = {"w": np.ones(4), "m": np.ones(4)}, 2.0
    P, index = dl.sparsity(_pytree_f, p, s, index=True)
    assert P.shape == (8, 9) and dl.sparsity(_pytree_f, p, s).shape == (8, 9)
    blocks = index.blocks(P)
    assert blocks[0]["pairs"][0]["w"].toarray().astype(int).tolist() == [[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]
    assert blocks[0]["pairs"][0]["m"].nnz == 0 and blocks[1][0]["m"].toarray().all()
    assert blocks[0]["m"][1].toarray().ravel().all()  # every element of m * s depends on s
    # one argument: its columns are not wrapped in a tuple (as jacobian's argnums=0)
    _, index1 = dl.sparsity(lambda p: p["w"] * 2.0, p, index=True)
    assert index1.cols["w"].tolist() == [4, 5, 6, 7] and index1.cols["m"].tolist() == [0, 1, 2, 3]  # sorted keys


def test_index_map_blocks_of_a_coo_triple(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_scipy(name, *args, **kw):
        if name.startswith("scipy"):
            raise ImportError(name)
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_scipy)
    P, index = dl.sparsity(_pytree_f, {"w": np.ones(4), "m": np.ones(4)}, 2.0, index=True)
    assert isinstance(P, tuple)
    rows, cols, values, shape = index.blocks(P)[0]["pairs"][0]["w"]
    assert shape == (3, 4) and values is None
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (2, 3)]


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_a_sparse_jacobian_on_traced_values_says_so(method):
    """It converted the traced values to arrays: 'a traced value (v0: f64[4]) was converted to a NumPy
    array' and the list of NumPy functions, with no word of sparse=True."""
    tri = lambda x: x[1:] * x[:-1]  # noqa: E731
    with pytest.raises(TypeError, match=r"jacobian\(sparse=True\) cannot run inside another derivative or vmap"):
        dl.grad(lambda z: np.sum(dl.jacobian(tri, sparse=True, method=method)(z).data))(np.ones(4))
    with pytest.raises(TypeError, match=r"jacobian\(sparse=True\) cannot run inside another derivative or vmap"):
        dl.vmap(dl.jacobian(tri, sparse=True, method=method))(np.ones((2, 4)))


def test_sparsity_of_a_three_argument_op_on_scalars_keeps_every_argument():
    # three 0-d dependency sets: the sum of the first two is a Dep, which dropped the third's (radian(d, m, s) read
    # [True, True, False] while its derivative in s is π/648000)
    from difflab.ops import REGISTRY

    radian = REGISTRY["radian"]
    P = dl.sparsity(lambda d, m, s: radian(d, m, s), np.array(1.0), np.array(2.0), np.array(3.0)).toarray()
    assert P.tolist() == [[True, True, True]]
