"""JAX's pytree and has_aux behaviour (issue 11's last items): namedtuples are pytree nodes (arguments,
outputs, gradients, the generated argument reader), has_aux's aux comes back as f returned it (strings,
ints, None, dicts of arrays; this call's values when the graph is cached), and vmap over an empty batch
gives empty outputs of the right shapes. Known values, checked against JAX (x64) when written."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import difflab as dl

METHODS = ["forward", "reverse", "symbolic", "numeric"]
P = collections.namedtuple("P", "w b")
Q = collections.namedtuple("Q", "w b")  # the same fields, another class: another structure


def _loss(p):
    return np.sum(p[0] ** 2) * p[1]  # (by index: a plain tuple too)


# -- namedtuples are pytree nodes -----------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_the_gradient_of_a_namedtuple_is_the_same_namedtuple(method):
    # d/dw sum(w²) b = 2 w b, d/db = sum(w²): at w = (1, 2), b = 3, (6, 12) and 5 (JAX's P(w=[6, 12], b=5))
    g = dl.grad(_loss, method=method)
    for w, b in (([1.0, 2.0], 3.0), ([1.0, 2.0], 3.0), ([2.0, -1.0], 0.5), ([1.0, 2.0], 3.0)):  # reader from the 3rd
        got = g(P(np.array(w), b))
        assert type(got) is P and type(got.b) is float
        np.testing.assert_allclose(got.w, 2.0 * np.array(w) * b, rtol=1e-7)
        assert got.b == pytest.approx(sum(v * v for v in w), rel=1e-7)
    assert g._last.signature.reader() is not None  # the generated reader read these calls
    other = g(Q(np.array([1.0, 2.0]), 3.0))  # another class with the same fields: not the stale reader's P
    assert type(other) is Q
    np.testing.assert_allclose(other.w, [6.0, 12.0], rtol=1e-7)
    assert type(g((np.array([1.0, 2.0]), 3.0))) is tuple  # a plain tuple stays one


def test_a_fresh_transform_per_call_rebuilds_the_namedtuple():
    # a fresh transform per call takes the signature's generated reader and nests the graph inputs back
    # into arguments (compile.reader's `nest`): f reads fields by name, so they must be P's again
    for _ in range(4):
        got = dl.grad(lambda p: np.sum(p.w**2) * p.b)(P(np.array([1.0, 2.0]), 3.0))
        assert type(got) is P and got.b == 5.0
        np.testing.assert_array_equal(got.w, [6.0, 12.0])


def test_a_namedtuple_in_a_prepared_call_and_a_dict_of_them():
    prepared = dl.prepare(lambda d: _loss(d["p"]) + d["x"], {"p": P(np.ones(2), 2.0), "x": 1.0})
    for _ in range(3):  # the fused common case from the third call on
        value, grad = prepared.value_and_grad({"p": P(np.array([1.0, 3.0]), 2.0), "x": 1.0})
        assert value == pytest.approx(21.0)
        assert type(grad["p"]) is P and grad["x"] == 1.0
        np.testing.assert_allclose(grad["p"].w, [4.0, 12.0])
        assert grad["p"].b == pytest.approx(10.0)
    with pytest.raises(ValueError, match="prepared for arguments shaped"):
        prepared.value_and_grad({"p": Q(np.ones(2), 2.0), "x": 1.0})


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_namedtuple_outputs_cotangents_and_vmap_axes(method):
    x = np.array([1.0, 2.0])
    jac = dl.jacobian(lambda x: P(x * 2.0, np.sum(x**2)), method=method)(x)
    assert type(jac) is P
    np.testing.assert_allclose(jac.w, 2.0 * np.eye(2))
    np.testing.assert_allclose(jac.b, [2.0, 4.0])
    out, pullback = dl.vjp(lambda x: P(x * 2.0, np.sum(x**2)), x, method=method)
    assert type(out) is P
    np.testing.assert_allclose(pullback(P(np.ones(2), 1.0))[0], [4.0, 6.0])  # 2 + 2x
    with pytest.raises(ValueError, match="structure"):
        pullback(Q(np.ones(2), 1.0))
    batched = dl.vmap(lambda p: p.w * p.b, in_axes=(P(0, None),))(P(np.arange(6.0).reshape(3, 2), 2.0))
    np.testing.assert_allclose(batched, 2.0 * np.arange(6.0).reshape(3, 2))
    # np.linalg.eigh's EighResult is a namedtuple: its Jacobian is one too (d λ/d a for a = diag(1, 2): e_i e_iᵀ)
    jeig = dl.jacobian(lambda a: np.linalg.eigh(a), method=method)(np.diag([1.0, 2.0]))
    assert type(jeig).__name__ == "EighResult"
    np.testing.assert_allclose(jeig.eigenvalues[1], np.diag([0.0, 1.0]), atol=1e-12)


def test_a_namedtuple_aux():
    g, aux = dl.grad(lambda x: (x * x, P(x + 1.0, "tag")), has_aux=True)(2.0)
    assert g == 4.0 and type(aux) is P and aux == (3.0, "tag")


# -- has_aux: aux comes back as f returned it -----------------------------------------------------


def _with_aux(x):
    # JAX (x64) at x = (1, 3): aux {'a': [2, 6], 'c': [0, 1], 'i': 3, 'k': 1 (int64), 'n': None,
    # 'pos': [False, True], 's': 'hi'}; an int or bool computed from x keeps its dtype
    return np.sum(x**2), {"s": "hi", "i": 3, "n": None, "a": x * 2.0, "k": np.sum(x > 1.5), "pos": x > 1.5, "c": _C}


_C = np.arange(2)


def _check_aux(aux, x):
    assert (aux["s"], aux["i"], aux["n"]) == ("hi", 3, None) and type(aux["i"]) is int
    np.testing.assert_array_equal(aux["a"], 2.0 * x)
    assert aux["k"].dtype.kind == "i" and aux["k"] == np.sum(x > 1.5)
    assert aux["pos"].dtype == bool and (aux["pos"] == (x > 1.5)).all()
    assert aux["c"].dtype == _C.dtype and (aux["c"] == _C).all() and aux["c"] is not _C  # a copy of its own


def _every_operator(method):
    """(name, call(x) -> (the derivative's value, aux)) for each operator taking has_aux."""
    ops = {
        "grad": lambda x: dl.grad(_with_aux, method=method, has_aux=True)(x),
        "value_and_grad": lambda x: (lambda r: (r[1], r[0][1]))(
            dl.value_and_grad(_with_aux, method=method, has_aux=True)(x)
        ),
        "jvp": lambda x: (lambda r: (r[1], r[2]))(dl.jvp(_with_aux, (x,), (np.ones(2),), method=method, has_aux=True)),
        "vjp": lambda x: (lambda r: (r[1](1.0)[0], r[2]))(dl.vjp(_with_aux, x, method=method, has_aux=True)),
        "jacobian": lambda x: dl.jacobian(_with_aux, method=method, has_aux=True)(x),
    }
    if method != "numeric":
        ops["linearize"] = lambda x: (lambda r: (r[1](np.ones(2)), r[2]))(
            dl.linearize(_with_aux, x, method=method, has_aux=True)
        )
    return ops


@pytest.mark.parametrize("method", METHODS)
def test_aux_passes_through_untouched_fresh_and_cached(method):
    """aux was a graph output: a str was refused with a TypeError, an int came back as a float."""
    ops = _every_operator(method)
    grads = {}
    for x in (np.array([1.0, 3.0]), np.array([2.0, 1.0]), np.array([0.5, 4.0]), np.array([3.0, 3.0])):
        for name, call in ops.items():  # the 2nd call reuses the graph, the 3rd on run the generated reader
            value, aux = call(x)
            _check_aux(aux, x)  # this call's aux, never the first call's
            grads[name] = value
            want = np.sum(2.0 * x) if name in ("jvp", "linearize") else 2.0 * x  # J·1 of sum(x²), or ∇
            np.testing.assert_allclose(value, want, rtol=1e-6)


def test_a_cached_graph_gives_this_call_s_aux():
    """A stale cache would give the first call's aux: the held str follows what f read (a closure cell),
    the traced array this call's argument, a static int argument its own value."""
    label = "first"

    def f(x, n):
        return np.sum(x * x) * n, (label, x * 3.0, n)

    g = dl.grad(f, has_aux=True)
    for k, x in enumerate([np.array([1.0, 2.0]), np.array([2.0, 5.0]), np.array([-1.0, 0.0])]):
        grad, (tag, tripled, n) = g(x, 2)
        assert tag == "first" and n == 2 and type(n) is int
        np.testing.assert_array_equal(tripled, 3.0 * x)
        np.testing.assert_array_equal(grad, 4.0 * x)
    label = "second"
    grad, (tag, tripled, n) = g(np.array([7.0, 1.0]), 3)
    assert (tag, n) == ("second", 3)
    np.testing.assert_array_equal(tripled, [21.0, 3.0])
    grad, (tag, _, n) = g(np.array([7.0, 1.0]), 2)
    assert (tag, n) == ("second", 2)


def test_aux_never_aliases_an_input_and_nests():
    x = np.array([1.0, 2.0])
    _, aux = dl.grad(lambda x: (np.sum(x), x), has_aux=True)(x)
    assert aux is not x and not np.shares_memory(aux, x)
    aux[0] = 9.0
    assert x[0] == 1.0
    # aux depending on an outer traced value is that trace's value: inner aux 2y, outer d(2y²)/dy = 4y
    inner = lambda y: dl.grad(lambda x: (x * x * y, (y * 2.0, "s")), has_aux=True)(1.0)  # noqa: E731
    assert dl.grad(lambda y: (inner(y)[0] * y, inner(y)[1]), has_aux=True)(3.0) == (12.0, (6.0, "s"))


# -- vmap over an empty batch ---------------------------------------------------------------------


def test_vmap_over_an_empty_batch_gives_empty_outputs_of_an_element_s_shapes():
    """Refused by name before (f was traced at the first element). JAX (x64): vmap(lambda x: (log(x),
    x.sum()))(zeros((0, 3))) is ((0, 3), (0,)) float64; an int sum stays int64, a comparison bool."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DomainWarning, no NumPy warning for the made-up point (log(1 - 2))
        logs, sums = dl.vmap(lambda x: (np.log(x - 2.0), x.sum()))(np.zeros((0, 3)))
        assert (logs.shape, sums.shape, logs.dtype) == ((0, 3), (0,), np.float64)
        assert dl.vmap(lambda x: np.sum(x))(np.zeros((0, 2), dtype=int)).dtype == np.int64
        assert dl.vmap(lambda x: x > 1.0)(np.zeros((0, 2))).dtype == bool
        moved = dl.vmap(lambda x, y: {"a": x * y, "b": (x[0],)}, in_axes=(1, None), out_axes={"a": 1, "b": 0})(
            np.ones((3, 0)), 2.0
        )
        assert moved["a"].shape == (3, 0) and moved["b"][0].shape == (0,)
        # out_axes None: an output that depends on no batched argument comes back once, with its value
        rows, total = dl.vmap(lambda x, w: (x @ w, w.sum()), in_axes=(0, None), out_axes=(0, None))(
            np.zeros((0, 3)), np.array([1.0, 2.0, 3.0])
        )
        assert rows.shape == (0,) and total == 6.0
        # derivatives of it, and derivatives inside it: empty rows of an element's derivative's shape
        assert dl.vmap(dl.jacobian(lambda x: np.log(x)))(np.zeros((0, 3))).shape == (0, 3, 3)
        # (the inner grad runs at the made-up point: its DomainWarning for log(1 - 2) is not this call's)
        assert dl.vmap(dl.grad(lambda x: np.sum(np.log(x - 2.0))))(np.zeros((0, 3))).shape == (0, 3)
        assert dl.vmap(dl.vmap(lambda x: x * 2.0))(np.zeros((2, 0, 3))).shape == (2, 0, 3)


@pytest.mark.parametrize("method", METHODS)
def test_derivatives_through_an_empty_vmap(method):
    X = np.zeros((0, 3))  # JAX: d/dw [Σ log(X w) + Σ w²] = 2w; the Jacobian of X·w by w is (0, 3, 3)
    per_row = lambda x, w: np.log(x @ w)  # noqa: E731
    f = lambda w: np.sum(dl.vmap(per_row, in_axes=(0, None))(X, w)) + np.sum(w * w)  # noqa: E731
    np.testing.assert_allclose(dl.grad(f, method=method)(np.array([1.0, 2.0, 3.0])), [2.0, 4.0, 6.0], rtol=1e-7)
    jac = dl.jacobian(lambda w: dl.vmap(lambda x, w: x * w, in_axes=(0, None))(X, w), method=method)(np.ones(3))
    assert jac.shape == (0, 3, 3)
    # a batched argument that is an outer trace's value (X · w inside grad): traced at ones of its dtype
    g = dl.grad(lambda w: np.sum(dl.vmap(lambda r: r * r)(X * w)) + np.sum(w), method=method)(np.ones(3))
    np.testing.assert_allclose(g, np.ones(3))


@pytest.mark.parametrize("method", ["forward", "reverse", "numeric"])
def test_aux_beside_complex_leaves(method):
    """grad, value_and_grad and vjp with has_aux refused complex leaves (the plain operators and jacobian
    took them). JAX (x64): grad of (Σ|z|², 's') at z = (1+1j, 2) is ([2-2j, 4], 's')."""
    z = np.array([1 + 1j, 2.0])
    f = lambda z: (np.sum(np.abs(z) ** 2), ("s", 3, z))  # noqa: E731
    g, aux = dl.grad(f, method=method, has_aux=True)(z)
    np.testing.assert_allclose(g, [2 - 2j, 4], rtol=1e-7)
    assert aux[:2] == ("s", 3) and (aux[2] == z).all() and aux[2] is not z
    (value, aux), _ = dl.value_and_grad(f, method=method, has_aux=True)(z)
    assert value == pytest.approx(6.0) and aux[:2] == ("s", 3)
    out, pullback, aux = dl.vjp(lambda z: (z * z, "s"), z, method=method, has_aux=True)
    np.testing.assert_allclose(out, z * z)
    np.testing.assert_allclose(
        pullback(np.ones(2, complex))[0], dl.vjp(lambda z: z * z, z, method=method)[1](np.ones(2, complex))[0]
    )
    assert aux == "s"


# -- hessian(has_aux=True), argnums tuples (JAX's jacfwd(jacrev(f, has_aux=True), has_aux=True)) --------


@pytest.mark.parametrize("method", METHODS + [("reverse", "numeric")])
def test_hessian_has_aux_gives_the_hessian_of_out_and_aux_as_returned(method):
    # sum(x³): H = diag(6x); aux {'s': sum(x), 'tag': str, 'n': int} as f returned it (JAX: H, {'s': 3.0, ...})
    h = dl.hessian(lambda x: (np.sum(x**3), {"s": np.sum(x), "tag": "cube", "n": 3}), has_aux=True, method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in ([1.0, 2.0], [1.0, 2.0], [3.0, -1.0], [1.0, 2.0]):  # fresh, cached, new values, cached again
            H, aux = h(np.array(x))
            np.testing.assert_allclose(H, np.diag(6.0 * np.array(x)), rtol=1e-6, atol=1e-6)
            assert aux == {"s": sum(x), "tag": "cube", "n": 3} and type(aux["s"]) is float
    # argnums (0, 1): JAX's nested blocks ((H_aa, H_ab), (H_ba, H_bb)) of sum(a² b): (2b I, 2a), (2a, 0)
    (haa, hab), (hba, hbb) = dl.hessian(lambda a, b: (np.sum(a**2 * b), b), argnums=(0, 1), has_aux=True)(
        np.array([1.0, 2.0]), 3.0
    )[0]
    np.testing.assert_allclose(haa, 6.0 * np.eye(2))
    np.testing.assert_allclose(hab, [2.0, 4.0])
    np.testing.assert_allclose(hba, [2.0, 4.0])
    assert np.shape(hbb) == () and float(hbb) == 0.0


def test_hessian_has_aux_in_vmap_and_its_errors():
    batched = dl.vmap(dl.hessian(lambda x: (np.sum(x**3), {"s": np.sum(x)}), has_aux=True))
    H, aux = batched(np.array([[1.0, 2.0], [3.0, 4.0]]))  # JAX: [diag(6, 12), diag(18, 24)], {'s': [3, 7]}
    np.testing.assert_allclose(H, [np.diag([6.0, 12.0]), np.diag([18.0, 24.0])])
    np.testing.assert_allclose(aux["s"], [3.0, 7.0])
    H, aux = dl.hessian(lambda x: (x, x), has_aux=True)(np.ones(2))  # a vector out (it was refused): JAX's zeros
    assert np.shape(H) == (2, 2, 2) and not np.any(H)
    np.testing.assert_array_equal(aux, np.ones(2))
    with pytest.raises(TypeError, match=r"hessian\(..., has_aux=True\): <lambda> must return a pair"):
        dl.hessian(lambda x: np.sum(x), has_aux=True, method="symbolic")(np.ones(2))


# -- None is a pytree node without leaves (JAX's): no input, None again in the gradient -------------------


@pytest.mark.parametrize("method", METHODS)
def test_none_in_arguments_is_an_empty_node_and_none_in_the_gradient(method):
    # d/dw sum(w²) c0 = 2 w c0, d/dc0 = sum(w²): at w = (1, 2), c0 = 2, (4, 8) and 5 (JAX: {'b': None, ...})
    g = dl.grad(lambda p: np.sum(p["w"] ** 2) * p["c"][0], method=method)
    for w in ([1.0, 2.0], [1.0, 2.0], [3.0, 1.0], [1.0, 2.0]):  # fresh, cached, new values, the generated reader
        got = g({"w": np.array(w), "b": None, "c": (2.0, None)})
        assert got["b"] is None and got["c"][1] is None and type(got["c"]) is tuple
        np.testing.assert_allclose(got["w"], 4.0 * np.array(w), rtol=1e-7)
        assert got["c"][0] == pytest.approx(sum(v * v for v in w), rel=1e-7)
    assert g._last.signature.reader() is not None  # the generated reader read these calls
    assert g({"w": np.ones(2), "b": 1.0, "c": (2.0, None)})["b"] == 0.0  # a float there now: another signature
    got = dl.value_and_grad(lambda a, b: np.sum(a[0] ** 2), argnums=(0, 1), method=method)((np.ones(2), None), None)
    assert got[0] == 2.0 and got[1][0][1] is None and got[1][1] is None
    jac, none = dl.jacobian(lambda x: (x * 2.0, None), method=method)(np.ones(2))  # None output: None block
    np.testing.assert_allclose(jac, 2.0 * np.eye(2))
    assert none is None
    h = dl.hessian(lambda p: np.sum(p["w"] ** 3), method=method)({"w": np.array([1.0, 2.0]), "b": None})
    assert h["b"] is None and h["w"]["b"] is None  # JAX: {'b': None, 'w': {'b': None, 'w': diag(6, 12)}}
    np.testing.assert_allclose(h["w"]["w"], np.diag([6.0, 12.0]), rtol=1e-6)


def test_none_in_jvp_vjp_vmap_prepare_and_fresh_transforms():
    x, p = np.array([1.0, 2.0]), {"w": np.array([1.0, 2.0]), "b": None}
    out, tangent = dl.jvp(lambda p: p["w"] * 2.0, (p,), ({"w": np.ones(2), "b": None},))
    np.testing.assert_allclose(tangent, [2.0, 2.0])
    (ct,) = dl.vjp(lambda p: (p["w"] * 2.0, None), p)[1]((x, None))
    assert ct["b"] is None
    np.testing.assert_allclose(ct["w"], [2.0, 4.0])
    batched = dl.vmap(lambda q: (q["w"] * 2.0, None))({"w": np.ones((3, 2)), "b": None})
    assert batched[1] is None and batched[0].shape == (3, 2)
    prepared = dl.prepare(lambda q: np.sum(q["w"] ** 2), p)
    for _ in range(3):  # the fused common case from the third call on
        value, grad = prepared.value_and_grad(p)
        assert value == 5.0 and grad["b"] is None
        np.testing.assert_allclose(grad["w"], [2.0, 4.0])
    with pytest.raises(ValueError, match=r"prepared for arguments shaped \(\{'b': None, 'w': \*\}"):
        prepared.value_and_grad({"w": x, "b": 1.0})
    for _ in range(4):  # a fresh transform per call: the signature's generated reader and nest
        assert dl.grad(lambda q: np.sum(q["w"] ** 2) if q["b"] is None else 0.0)(p)["b"] is None
    # a function returning a bare None still names it (JAX's grad refuses it too): most likely a missing return
    with pytest.raises(TypeError, match="returned a NoneType.*return statement missing"):
        dl.grad(lambda x: None)(1.0)


# -- float32 arguments: computed in float64, returned as float32 (JAX's and autograd's dtypes) -------------

X32 = np.array([0.5, 2.0], dtype=np.float32)
Y64 = np.array([3.0, 4.0])


def _dtypes(t):
    from difflab import tree

    return [np.asarray(v).dtype.name for v in tree.flatten(t)[0]]


@pytest.mark.parametrize("method", METHODS)
def test_a_float32_leaf_gets_a_float32_gradient_and_value_rounded_once(method):
    # sum(sin x) at float32 x: JAX's value and gradient are float32; difflab's are float64's rounded once
    g = dl.value_and_grad(lambda x: np.sum(np.sin(x)), method=method)
    exact = np.cos(X32.astype(np.float64))
    for _ in range(3):  # fresh, cached, cached again (no generated reader: it reads float64 arrays)
        value, grad = g(X32)
        assert type(value) is np.float32 and value == np.float32(np.sum(np.sin(X32.astype(np.float64))))
        assert grad.dtype == np.float32
        np.testing.assert_allclose(grad, exact.astype(np.float32), rtol=2e-7 if method != "numeric" else 1e-6)
    # mixed: each leaf's gradient its own dtype (JAX's); the value by NumPy's promotion (x32 · y64: float64)
    value, (gx, gy) = dl.value_and_grad(lambda x, y: np.sum(x * y), argnums=(0, 1), method=method)(X32, Y64)
    assert (type(value), gx.dtype, gy.dtype) == (float, np.float32, np.float64)
    np.testing.assert_allclose(gx, Y64, rtol=1e-6)
    # Jacobian blocks by the differentiated leaf (JAX's jacrev), Hessian blocks float32 where either leaf is
    jac = dl.jacobian(lambda x, y: (x * 2.0, x * y), argnums=(0, 1), method=method)(X32, Y64)
    assert _dtypes(jac) == ["float32", "float64", "float32", "float64"]
    np.testing.assert_allclose(jac[1][0], np.diag(Y64), rtol=1e-6)
    hess = dl.hessian(lambda x, y: np.sum(x**2 * y), argnums=(0, 1), method=method)(X32, Y64)
    assert _dtypes(hess) == ["float32", "float32", "float32", "float64"]
    np.testing.assert_allclose(hess[0][0], np.diag(2.0 * Y64), rtol=1e-5)
    out, tangent = dl.jvp(lambda x: np.sin(x), (X32,), (np.ones(2, np.float32),), method=method)
    assert (out.dtype, tangent.dtype) == (np.float32, np.float32)
    np.testing.assert_allclose(tangent, exact, rtol=1e-6)


def test_float32_in_vjp_vmap_prepare_scalars_and_outputs_by_promotion():
    out, pullback = dl.vjp(lambda x, y: (np.sin(x), y * 2.0), X32, Y64)  # an output by the leaves it depends on
    assert _dtypes(out) == ["float32", "float64"]
    assert _dtypes(pullback((np.ones(2, np.float32), np.ones(2)))) == ["float32", "float64"]
    batched = dl.vmap(dl.grad(lambda x: np.sum(np.sin(x))))(np.ones((3, 2), np.float32))  # JAX: float32
    assert batched.dtype == np.float32
    np.testing.assert_allclose(batched, np.cos(np.ones((3, 2))), rtol=1e-6)
    prepared = dl.prepare(lambda x: np.sum(x**2), X32)
    for _ in range(3):
        value, grad = prepared.value_and_grad(X32)
        assert (type(value), grad.dtype, value) == (np.float32, np.float32, np.float32(4.25))
        np.testing.assert_array_equal(grad, [1.0, 4.0])
    value, grad = dl.value_and_grad(lambda a, x: a * np.sum(x))(np.float32(2.0), X32)  # a NumPy float32 scalar
    assert (type(value), type(grad)) == (np.float32, np.float32) and grad == np.float32(2.5)
    g, aux = dl.grad(lambda x: (np.sum(x**2), x * 2.0), has_aux=True)(X32)
    assert _dtypes((g, aux)) == ["float32", "float32"]


# -- JAX's static_argnums / nondiff_argnums on checkpoint and the custom rules ----------------------------


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic"])
def test_checkpoint_passes_non_float_leaves_and_static_argnums_as_they_are(method):
    # an int was traced as a float (a[:n] failed, a str raised NumPy's "could not convert string to float")
    x = np.array([1.0, 2.0, 3.0])
    sliced = dl.checkpoint(lambda a, n: a[:n] ** 2)
    np.testing.assert_allclose(dl.grad(lambda a: np.sum(sliced(a, 2)), method=method)(x), [2.0, 4.0, 0.0])
    tagged = dl.checkpoint(lambda a, s: a * 2.0 if s == "double" else a)
    np.testing.assert_allclose(dl.grad(lambda a: np.sum(tagged(a, "double")), method=method)(x), [2.0, 2.0, 2.0])
    # JAX: jax.checkpoint(f, static_argnums=(1,)): a float passed as it is, not differentiated (d/da a[:k] k)
    fixed = dl.checkpoint(lambda a, k: a[: int(k)] * k, static_argnums=(1,))
    np.testing.assert_allclose(dl.grad(lambda a: np.sum(fixed(a, 2.0)), method=method)(x), [2.0, 2.0, 0.0])


def test_custom_rules_take_nondiff_argnums_as_jax():
    import functools

    # JAX: bwd(k, res, g) gets the nondiff argument first and returns the others' cotangents; the rules below
    # are 10x the true derivative so that the result shows they were used (JAX: [30, 30] and [30, 120])
    @functools.partial(dl.custom_vjp, nondiff_argnums=(0,))
    def scale(k, a):
        return a * k

    scale.defvjp(lambda k, a: (a * k, None), lambda k, res, g: (g * k * 10.0,))
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(dl.grad(lambda a: np.sum(scale(3.0, a)))(x), [30.0, 30.0])
    np.testing.assert_allclose(scale(2.0, x), [2.0, 4.0])  # called plainly: the function itself

    @functools.partial(dl.custom_jvp, nondiff_argnums=(1,))
    def powk(a, n):
        return a**n

    @powk.defjvp
    def _powk_jvp(n, primals, tangents):
        (a,), (t,) = primals, tangents
        return powk(a, n), n * a ** (n - 1) * t * 10.0

    for method in ("forward", "reverse"):
        np.testing.assert_allclose(dl.grad(lambda a: np.sum(powk(a, 3)), method=method)(x), [30.0, 120.0])
    with pytest.raises(TypeError, match="nondiff_argnums must be non-negative ints"):
        dl.custom_vjp(lambda a: a, nondiff_argnums=("k",))


# -- hessian of a vector-valued f: JAX's jacfwd(jacrev(f)), shape out + in + in ----------------------------


def _vec(x):
    return np.stack([np.sin(x[0]) * x[1] ** 2, x[0] * x[1] * x[2], np.exp(x[2])])


X3 = np.array([0.3, 1.2, -0.5])
# jax.hessian(_vec)(X3) (x64): slice k is the Hessian of output k
S0, C0 = np.sin(0.3), np.cos(0.3)
H_VEC = np.array(
    [
        [[-S0 * 1.44, 2.4 * C0, 0.0], [2.4 * C0, 2.0 * S0, 0.0], [0.0, 0.0, 0.0]],
        [[0.0, -0.5, 1.2], [-0.5, 0.0, 0.3], [1.2, 0.3, 0.0]],
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, np.exp(-0.5)]],
    ]
)


@pytest.mark.parametrize("method", METHODS + [("reverse", "forward")])
def test_hessian_of_a_vector_function_is_jax_s_out_in_in_tensor(method):
    # it refused ("hessian needs a function with a scalar output"); JAX gives the (3, 3, 3) tensor
    h = dl.hessian(_vec, method=method)
    tol = 1e-6 if method == "numeric" else 1e-12
    for x in (X3, X3, X3 * 2.0, X3):  # fresh, cached, new values, cached again
        got = h(x)
        assert np.shape(got) == (3, 3, 3)
        want = H_VEC if x is X3 else dl.jacobian(dl.jacobian(_vec, method="forward"), method="forward")(x)
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    # has_aux: (H, aux), aux as returned
    ha = dl.hessian(lambda x: (_vec(x), {"x0": x[0], "tag": "v"}), method=method, has_aux=True)
    for _ in range(2):
        H, aux = ha(X3)
        np.testing.assert_allclose(H, H_VEC, rtol=tol, atol=tol)
        assert aux == {"x0": 0.3, "tag": "v"}
    # an output of shape (1,) is a vector, as JAX's: H (1, 1, 1); a scalar f keeps in + in
    np.testing.assert_allclose(dl.hessian(lambda x: x**3.0, method=method)(np.array([2.0])), [[[12.0]]], rtol=tol)
    assert np.shape(dl.hessian(lambda x: np.sum(x**3.0), method=method)(np.array([2.0]))) == (1, 1)


@pytest.mark.parametrize("method", METHODS)
def test_hessian_of_a_pytree_output_by_argnums_gives_jax_s_nested_blocks(method):
    # jax.hessian(g, argnums=(0, 1)) of {"u": a b², "v": sum(sin a) b} at a = (0.5, -1), b = 1.5:
    # u: ((0, diag 2b), (diag 2b, 2a)); v: ((-diag(sin a) b, cos a), (cos a, 0)), blocks out + in_i + in_j
    a, b = np.array([0.5, -1.0]), 1.5
    h = dl.hessian(lambda a, b: {"u": a * b**2, "v": np.sum(np.sin(a)) * b}, argnums=(0, 1), method=method)
    tol = 1e-6 if method == "numeric" else 1e-12
    for _ in range(2):
        H = h(a, b)
        (uaa, uab), (uba, ubb) = H["u"]
        np.testing.assert_allclose(uaa, np.zeros((2, 2, 2)), atol=tol)
        np.testing.assert_allclose(uab, 2 * b * np.eye(2), rtol=tol)
        np.testing.assert_allclose(uba, 2 * b * np.eye(2), rtol=tol)
        np.testing.assert_allclose(ubb, 2 * a, rtol=tol)
        (vaa, vab), (vba, vbb) = H["v"]
        np.testing.assert_allclose(vaa, -np.diag(np.sin(a)) * b, rtol=tol, atol=tol)
        np.testing.assert_allclose(vab, np.cos(a), rtol=tol)
        np.testing.assert_allclose(vba, np.cos(a), rtol=tol)
        assert np.shape(vbb) == () and abs(float(vbb)) <= tol


def test_hessian_of_a_vector_function_nests_and_keeps_float32():
    # d/dx sum(H(x)) by reverse, of every method's H: JAX x64's grad of sum of hessian, [1.11649144, 5.11209746,
    # 2.60653066]; float32 in, float32 H (as JAX's)
    for method in METHODS:
        got = dl.grad(lambda x, m=method: np.sum(dl.hessian(_vec, method=m)(x)))(X3)
        np.testing.assert_allclose(got, [1.11649144, 5.11209746, 2.60653066], rtol=1e-5, atol=1e-6)
        h32 = dl.hessian(_vec, method=method)(X3.astype(np.float32))
        assert h32.dtype == np.float32
        np.testing.assert_allclose(h32, H_VEC, rtol=1e-3, atol=1e-3)
        # a float32 a and float64 b: blocks float32 where either leaf is, as a scalar f's (README); it was
        # by the second leaf alone: H[1][0] float64
        a32, b64 = np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0])
        for aux in (False, True):
            f = lambda a, b: np.stack([np.sum(a * a * b), np.sum(a) * np.sum(b * b)])  # noqa: E731
            H = dl.hessian((lambda a, b: (f(a, b), 0)) if aux else f, argnums=(0, 1), method=method, has_aux=aux)(
                a32, b64
            )
            H = H[0] if aux else H
            assert [[H[i][j].dtype for j in range(2)] for i in range(2)] == [["f4", "f4"], ["f4", "f8"]]
            np.testing.assert_allclose(H[1][0][1], np.ones((2, 2)) * 2 * b64[:, None], rtol=1e-6)  # ∂²(Σa Σb²)/∂b∂a


def test_vmap_batches_keyword_arguments_along_axis_0_as_jax():
    f = lambda a, b=1.0, c=0.0: a * b + c  # noqa: E731
    rows = np.arange(3.0)[:, None]
    np.testing.assert_allclose(dl.vmap(f)(np.ones((3, 2)), b=rows), [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    # in_axes for the positional arguments only (JAX: [[2, 2], [3, 3], [4, 4]])
    np.testing.assert_allclose(dl.vmap(f, in_axes=(0, None))(np.ones((3, 2)), 2.0, c=rows), [[2, 2], [3, 3], [4, 4]])
    g = dl.grad(lambda w: np.sum(dl.vmap(lambda x, w=None: x * w)(np.ones((3, 2)), w=w)))(np.zeros((3, 2)))
    np.testing.assert_allclose(g, np.ones((3, 2)))
    with pytest.raises(ValueError, match="keyword arguments along their axis 0.*'b'"):
        dl.vmap(f)(np.ones((3, 2)), b=2.0)


# -- prepare(f, ..., static_argnums / static_argnames): JAX's jit spelling -----------------------------------


def _powered(w, k, mode):
    y = w**k
    return np.sum(y) if mode == "sum" else np.max(y)


@pytest.mark.parametrize("method", METHODS)
def test_prepare_static_argnums_bakes_them_in_and_prepares_again_for_another_value(method):
    # as jax.jit(jax.grad(_powered), static_argnums=(1, 2)): k w^(k-1), a new k or mode re-traced
    w = np.array([1.0, 2.0])
    p = dl.prepare(_powered, np.ones(2), 3.0, "sum", static_argnums=(1, 2), method=method)
    for _ in range(2):  # fresh, then the generated reader's path
        np.testing.assert_allclose(p.grad(w, 3.0, "sum"), [3.0, 12.0], rtol=1e-6)
        np.testing.assert_allclose(p.grad(w, 2.0, "sum"), [2.0, 4.0], rtol=1e-6)  # it refused another k
        np.testing.assert_allclose(p.grad(w, 2.0, mode="max"), [0.0, 4.0], rtol=1e-6, atol=1e-7)  # by keyword
        v, g = p.value_and_grad(w, k=3.0, mode="sum")
        assert v == pytest.approx(9.0) and np.allclose(g, [3.0, 12.0], rtol=1e-6)
        assert p(w, 2.0, "sum") == pytest.approx(5.0)
        np.testing.assert_allclose(p.jacobian(w, 2.0, "sum"), [2.0, 4.0], rtol=1e-6)
    assert len(p.preparations()) == 3  # one per static value: (3, sum), (2, sum), (2, max)
    assert p.method.name == method and p.graph is p.preparations()[-1].graph  # the last one's attributes
    # static_argnames (names from f's signature), argnums counting every argument
    q = dl.prepare(lambda a, k, b: np.sum(a * b) ** k, np.ones(2), 2, np.ones(2), static_argnames="k", argnums=(0, 2))
    ga, gb = q.grad(np.ones(2), 2, np.array([1.0, 2.0]))  # 2 s b and 2 s a, s = 3
    np.testing.assert_allclose(ga, [6.0, 12.0])
    np.testing.assert_allclose(gb, [6.0, 6.0])
    np.testing.assert_allclose(q.grad(np.ones(2), 3, np.array([1.0, 2.0]))[0], [27.0, 54.0])  # 3 s² b


def test_prepare_static_argnums_errors_name_the_problem():
    w = np.ones(2)
    with pytest.raises(ValueError, match="argnums 1 names a static argument"):
        dl.prepare(_powered, w, 3.0, "sum", static_argnums=1, argnums=1)
    with pytest.raises(ValueError, match="static argument 1 of prepared _powered is a list, which is not hashable"):
        dl.prepare(_powered, w, [3.0], "sum", static_argnums=(1,))
    with pytest.raises(ValueError, match="static_argnames 'kk' is not a positional parameter of _powered"):
        dl.prepare(_powered, w, 3.0, "sum", static_argnames="kk")
    with pytest.raises(ValueError, match="static_argnums 5 is not a position of the 3 example arguments"):
        dl.prepare(_powered, w, 3.0, "sum", static_argnums=5)
    p = dl.prepare(_powered, w, 3.0, "sum", static_argnums=(-2, -1))  # negative: counted from the end
    with pytest.raises(TypeError, match="keyword argument 'w' passed to prepared _powered: only static"):
        p.grad(w, 3.0, "sum", w=w)
    with pytest.raises(TypeError, match="prepared _powered takes 3 arguments"):
        p.grad(w, 3.0)
    # 1 and 1.0 are two preparations (by type and value): int k keeps an integer power's exactness
    np.testing.assert_allclose(p.grad(w * 2.0, 1, "sum"), [1.0, 1.0])
    np.testing.assert_allclose(p.grad(w * 2.0, 1.0, "sum"), [1.0, 1.0])
    assert len(p.preparations()) == 3


# -- float32 leaves take the generated argument reader (compile/reader.py), with the general path's answers ---


@pytest.mark.parametrize("method", METHODS)
def test_cached_and_prepared_float32_calls_take_the_reader_and_equal_fresh_ones(method):
    # jax23 sent float32 calls down the general path (correct, ~1.6x the instructions: bench/float32_counts.py);
    # the reader reads them in float64 and rounds the value and derivatives to float32, as the general path
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3)).astype(np.float32)

    def loss(p, X, s):
        return np.sum(np.tanh(X @ p["w"] + p["b"]) ** 2) * s + np.sum(p["c"] ** 2)

    for c, value_type in ((np.arange(2.0), float), (np.arange(2.0, dtype=np.float32), np.float32)):  # NumPy's promotion
        p = {"w": rng.normal(size=3).astype(np.float32), "b": np.ones((), np.float32), "c": c}
        v0, g0 = dl.value_and_grad(loss, method=method)(p, X, 2.0)  # fresh: the general path
        assert type(v0) is value_type and {k: g0[k].dtype for k in g0} == {"w": "f4", "b": "f4", "c": c.dtype}
        g = dl.value_and_grad(loss, method=method)
        pr = dl.prepare(loss, p, X, 2.0, method=method)
        for v, grad in [g(p, X, 2.0) for _ in range(4)] + [pr.value_and_grad(p, X, 2.0) for _ in range(4)]:
            assert type(v) is value_type and v == v0
            for k in g0:
                assert grad[k].dtype == g0[k].dtype and grad[k].shape == g0[k].shape
                np.testing.assert_array_equal(grad[k], g0[k])
        assert g._last.signature.reader() is not None  # (None before: float32 leaves were never read by it)
        if method == "reverse":  # the guarded code and the prepared function's fused call ran too (_Hot, fuse)
            assert g._last.hot is not None and pr._call is not None
    assert g(dict(p, w=p["w"].astype(np.float64)), X, 2.0)[1]["w"].dtype == np.float64  # another dtype: retraced
    assert g(p, X, 2.0)[1]["w"].dtype == np.float32
