"""JAX's and autograd's names a user reaches for (issue 11, stop 64): dl.jit, make_jaxpr, eval_shape,
ShapeDtypeStruct, difflab.tree_util, difflab.flatten_util.ravel_pytree, and autograd's elementwise_grad, deriv,
holomorphic_grad, make_hvp, tensor_jacobian_product, each against closed forms, values JAX 0.10.2 x64 gave for the same calls (written in as literals: CI's test
environment has no JAX) or autograd on the same function. On main none of these names existed (`hasattr(difflab, n)` was False): every test here fails there.
"""

import functools

import numpy as np
import pytest
import scipy.optimize

from tier import FULL

import difflab as dl
import difflab.numpy as dnp
from difflab import tree_util
from difflab.flatten_util import ravel_pytree

METHODS = ("symbolic", "numeric", "forward", "reverse")
X = np.array([0.3, -1.2, 0.7])


def loss(np_, x, y):  # one function, written for difflab.numpy and NumPy alike (JAX's jit gives NumPy's values)
    return {"s": np_.sum(np_.sin(x) * y**2), "v": np_.tanh(x) * y}


def test_jit_is_f_from_one_trace_per_signature_and_bakes_in_what_f_reads():
    y = np.array([1.5, 0.5, -2.0])
    f = dl.jit(lambda x, y: loss(dnp, x, y))
    want = loss(np, X, y)
    got = f(X, y)
    for k in ("s", "v"):
        np.testing.assert_allclose(got[k], np.asarray(want[k]), rtol=1e-14, atol=1e-15)
    f(2 * X, y)  # the same signature: no new trace
    assert len(f.preparations()) == 1
    np.testing.assert_allclose(f(X[:2], y[:2])["v"], np.tanh(X[:2]) * y[:2], rtol=1e-14)
    assert len(f.preparations()) == 2  # a new shape: traced again
    # integer outputs come back as integers, as f's own and JAX's x64 (int64 each; the tape computes them as floats)
    counts = dl.jit(lambda x: ((x > 0).sum(), dnp.argmax(x), x.shape[0]))(X)
    want_counts = ((X > 0).sum(), np.argmax(X), X.shape[0])
    assert [(a, np.asarray(a).dtype) for a in counts] == [(int(b), np.asarray(b).dtype) for b in want_counts]
    # whatever f reads besides its arguments is baked in when traced (JAX's jit does the same)
    scale = [2.0]
    mine = dl.jit(lambda x: x * scale[0])
    mine(X)
    scale[0] = 5.0
    np.testing.assert_array_equal(mine(X), 2.0 * X)


@pytest.mark.parametrize("method", METHODS if FULL else ("numeric", "forward", "reverse"))
def test_jit_of_grad_and_grad_of_jit(method):
    y = np.array([1.5, 0.5, -2.0])
    want = np.cos(X) * y**2  # ∇ Σ sin(x)·y²
    scalar = lambda x: loss(dnp, x, y)["s"]  # noqa: E731
    tol = dict(rtol=1e-7, atol=1e-9) if method == "numeric" else dict(rtol=1e-13, atol=1e-15)
    g = dl.jit(dl.grad(scalar, method=method))  # the traced gradient, replayed
    np.testing.assert_allclose(g(X), want, **tol)
    np.testing.assert_allclose(g(X), want, **tol)
    assert len(g.preparations()) == 1
    np.testing.assert_allclose(dl.grad(dl.jit(scalar), method=method)(X), want, **tol)  # traced through


def test_grad_of_jit_symbolic():
    # (symbolic's cost is SymPy's: one small case here, the case above in the full tier)
    want = np.cos(X) * X + np.sin(X)  # ∇ Σ sin(x)·x
    got = dl.grad(dl.jit(lambda x: dnp.sum(dnp.sin(x) * x)), method="symbolic")(X)
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_jit_inside_vmap_and_closing_over_a_traced_value():
    A = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(dl.vmap(dl.jit(lambda r: dnp.sum(dnp.exp(r))))(A), np.sum(np.exp(A), axis=1))
    # the jitted function closes over the outer trace's x; its own argument is a plain number: d/dx 2·sin(x)
    assert dl.grad(lambda x: dl.jit(lambda c: dnp.sin(x) * c)(2.0))(0.4) == pytest.approx(2 * np.cos(0.4), rel=1e-14)


def test_jit_static_argument_retraces_per_value():
    @functools.partial(dl.jit, static_argnums=1)
    def power(x, k):
        return dnp.sum(x**k)

    for k in (2, 3, 2):
        assert power(X, k) == pytest.approx(float(np.sum(X**k)), rel=1e-14)
    assert len(power.preparations()) == 2  # k = 2 and k = 3, the second k = 2 found again
    by_name = dl.jit(lambda x, k: dnp.sum(x**k), static_argnames="k")
    assert by_name(X, k=3) == pytest.approx(float(np.sum(X**3)), rel=1e-14)
    assert by_name(X, 3) == by_name(X, k=3)
    assert len(by_name.preparations()) == 1
    # complex leaves are graph inputs as (Re, Im) pairs: one trace for every value of that shape
    cplx = dl.jit(lambda z: dnp.exp(z) * z)
    Z = np.array([0.5 + 0.25j, -1.0 + 2.0j])
    np.testing.assert_allclose(cplx(Z), np.exp(Z) * Z, rtol=1e-14)
    np.testing.assert_allclose(cplx(2 * Z), np.exp(2 * Z) * 2 * Z, rtol=1e-14)
    assert len(cplx.preparations()) == 1
    # an int argument that is not static is a constant of the graph too: a new value is traced again, not misread
    scaled = dl.jit(lambda x, n: x * n)
    np.testing.assert_array_equal(scaled(X, 3), 3 * X)
    np.testing.assert_array_equal(scaled(X, 4), 4 * X)


def test_jit_bad_input_is_named():
    with pytest.raises(TypeError, match="jit takes a function, got float 3.0"):
        dl.jit(3.0)
    with pytest.raises(ValueError, match=r"static_argnums=2 is out of range for <lambda>, which takes 2 positional"):
        dl.jit(lambda x, k: x * k, static_argnums=2)
    with pytest.raises(ValueError, match=r"static_argnums=1 is out of range for a call of .* with 1 argument"):
        dl.jit(lambda *a: a[0], static_argnums=1)(X)
    with pytest.raises(ValueError, match=r"static_argnames='m' is not a positional parameter of <lambda> \(x, k\)"):
        dl.jit(lambda x, k: x * k, static_argnames="m")
    with pytest.raises(TypeError, match=r"passes its arguments by position: 'k' is keyword-only"):
        dl.jit(lambda x, *, k=1.0: x * k)(X, k=2.0)
    with pytest.raises(TypeError, match=r"jit got keyword\(s\) donate_argnums"):
        dl.jit(lambda x: x, donate_argnums=0)
    with pytest.raises(ValueError, match=r"dl\.jit\(branchy\): its trace is specialised .* dnp\.where"):

        def branchy(x):
            return x if x > 0 else -x

        dl.jit(branchy)(1.0)
    with pytest.raises(ValueError, match="static argument 1 of jit-compiled .* is a list, which is not hashable"):
        dl.jit(lambda x, k: x * k[0], static_argnums=1)(X, [2.0])


def test_make_jaxpr_is_the_traced_graph():
    def f(p, k):
        return dnp.tanh(p["w"]) @ p["b"] * k

    params = {"w": np.eye(2) * 0.5, "b": np.array([1.0, -1.0])}
    graph = dl.make_jaxpr(f, static_argnums=1)(params, 3.0)
    assert str(graph) == str(dl.trace(lambda p: f(p, 3.0), params))
    assert len(graph.inputs) == 2 and "tanh" in str(graph)  # the static 3.0 is a constant, not an input
    want = np.tanh(params["w"]) @ params["b"] * 3.0
    np.testing.assert_allclose(dl.evaluate(graph, *tree_util.tree_leaves(params))[0], want, rtol=1e-15)


def test_eval_shape_of_shape_dtype_structs_matches_jax():
    def f(np_, x, n):
        return {"y": x @ x.T, "m": np_.mean(x, axis=0), "c": 2.0, "pos": x > 0, "first": x[:n]}

    S = dl.ShapeDtypeStruct((4, 3), np.float32)
    got = dl.eval_shape(lambda x: f(dnp, x, 2), S)
    # jax.eval_shape(lambda x: f(jnp, x, 2), jax.ShapeDtypeStruct((4, 3), np.float32)), x64
    want = {"c": ((), "float64"), "first": ((2, 3), "float32"), "m": ((3,), "float32"), "pos": ((4, 3), "bool"),
            "y": ((4, 4), "float32")}  # fmt: skip
    for k in want:
        assert (got[k].shape, got[k].dtype) == (want[k][0], np.dtype(want[k][1])), k
    assert got["y"] == dl.ShapeDtypeStruct((4, 4), "float32")
    assert repr(got["m"]) == "ShapeDtypeStruct(shape=(3,), dtype=float32)"
    # plain arrays and pytrees as arguments, as JAX's
    assert dl.eval_shape(lambda p: p["a"] * p["b"], {"a": np.ones(2), "b": 1.0}) == dl.ShapeDtypeStruct((2,), float)
    with pytest.raises(TypeError, match="ShapeDtypeStruct's shape must be a tuple of ints >= 0"):
        dl.ShapeDtypeStruct((2, -1), float)


def test_tree_util_matches_jax():
    value = {"w": [np.ones(2), 3.0], "b": (None, 2.0), "a": {"z": 1.0, "y": np.zeros(1)}}
    leaves, td = tree_util.tree_flatten(value)
    want_leaves = [[0.0], 1.0, 2.0, [1.0, 1.0], 3.0]  # jax.tree_util.tree_flatten(value): dict keys sorted, None none
    assert len(leaves) == len(want_leaves) == td.num_leaves
    assert [np.asarray(a).tolist() for a in leaves] == want_leaves
    assert [np.asarray(a).tolist() for a in tree_util.tree_leaves(value)] == want_leaves
    back = tree_util.tree_unflatten(tree_util.tree_structure(value), [2 * x for x in leaves])
    assert str(tree_util.tree_structure(back)) == str(td)
    assert tree_util.tree_reduce(lambda a, b: a + np.sum(b), value, 0.0) == 8.0  # (JAX's tree_reduce: 8.0)
    got = tree_util.tree_map(lambda a, b: a * b, value, back)  # each leaf times twice itself
    assert [np.asarray(a).tolist() for a in tree_util.tree_leaves(got)] == [[0.0], 2.0, 8.0, [2.0, 2.0], 18.0]
    with pytest.raises(ValueError, match=r"tree_map: the tree in position 1 has structure \{'b': \*\}"):
        tree_util.tree_map(lambda a, b: a + b, {"a": 1.0}, {"b": 2.0})
    with pytest.raises(ValueError, match="holds 2 leaves, got 3"):
        tree_util.tree_unflatten(tree_util.tree_structure([1.0, 2.0]), [1.0, 2.0, 3.0])


def test_ravel_pytree_with_scipy_minimize_on_a_dict_of_arrays():
    rng = np.random.default_rng(64)
    A, t = rng.standard_normal((8, 3)), rng.standard_normal(8)
    params = {"w": np.zeros(3), "b": np.array(0.0), "n": 2}
    flat, unravel = ravel_pytree(params)
    # jax.flatten_util.ravel_pytree(params): [0, 2, 0, 0, 0] (float64; leaves b, n, w), its unravel's "n" int64
    np.testing.assert_array_equal(flat, [0.0, 2.0, 0.0, 0.0, 0.0])
    assert flat.dtype == np.float64 and unravel(flat)["n"].dtype == np.int64

    def fun(v):
        p = unravel(v)
        return dnp.sum((A @ p["w"] + p["b"] - t) ** 2)

    res = scipy.optimize.minimize(fun, flat, jac=dl.grad(fun), method="BFGS", options={"gtol": 1e-10})
    best = unravel(res.x)
    lstsq = np.linalg.lstsq(np.column_stack([A, np.ones(8)]), t, rcond=None)[0]  # the closed form
    np.testing.assert_allclose(np.append(best["w"], best["b"]), lstsq, rtol=1e-8, atol=1e-10)
    assert best["n"] == 2  # an int leaf unravels as its int, with zero derivative (JAX's cast)
    np.testing.assert_array_equal(dl.grad(fun)(flat)[1], 0.0)  # (the leaves in sorted order: b, n, w)
    with pytest.raises(ValueError, match=r"unravel takes a vector of shape \(5,\)"):
        unravel(np.ones(4))


@pytest.mark.parametrize("method", METHODS if FULL else ("forward", "reverse"))
def test_autograd_names_match_autograd(method):
    import autograd
    import autograd.numpy as anp

    tol = dict(rtol=1e-6, atol=1e-8) if method == "numeric" else dict(rtol=1e-12, atol=1e-14)
    ew = lambda np_: lambda x: np_.tanh(x) * x  # noqa: E731
    np.testing.assert_allclose(
        dl.elementwise_grad(ew(dnp), method=method)(X), autograd.elementwise_grad(ew(anp))(X), **tol
    )
    curve = lambda np_: lambda t, s: np_.array([np_.sin(t) * s, t**3])  # noqa: E731
    np.testing.assert_allclose(
        dl.deriv(curve(dnp), method=method)(0.5, 2.0), autograd.deriv(curve(anp))(0.5, 2.0), **tol
    )
    cube = lambda np_: lambda x: np_.sum(np_.sin(x) * x**2)  # noqa: E731
    hvp, g = dl.make_hvp(cube(dnp), method=method)(X)
    hvp_a, g_a = autograd.make_hvp(cube(anp))(X)
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(g, g_a, **tol)
    np.testing.assert_allclose(hvp(v), hvp_a(v), **(tol if method != "numeric" else dict(rtol=1e-4, atol=1e-5)))
    outer = lambda np_: lambda x, s: s * np_.outer(np_.sin(x), x)  # noqa: E731
    V = np.arange(9.0).reshape(3, 3)
    for argnum in (0, 1):
        got = dl.tensor_jacobian_product(outer(dnp), argnum, method=method)(X, 2.0, V)
        np.testing.assert_allclose(got, autograd.tensor_jacobian_product(outer(anp), argnum)(X, 2.0, V), **tol)
    if method != "numeric":  # (numeric differentiates real inputs only: complex step needs an analytic graph)
        z = 0.5 + 0.25j
        hg = dl.holomorphic_grad(lambda z: dnp.exp(z) * z, method=method)(z)
        assert complex(hg) == pytest.approx(complex(autograd.holomorphic_grad(lambda z: anp.exp(z) * z)(z)), rel=1e-13)
    with pytest.raises(IndexError, match="argnum 2 is out of range for 2 positional argument"):
        dl.deriv(curve(dnp), 2)(0.5, 2.0)


def test_the_autograd_shim_presents_difflabs_own_operators():
    from difflab.peers import autograd_shim as ag

    got = ag.elementwise_grad(np.sin, method="forward")(X)
    np.testing.assert_allclose(got, np.cos(X), rtol=1e-15)
    assert ag.flatten({"a": 1.0})[0].tolist() == ravel_pytree({"a": 1.0})[0].tolist()


def test_tree_util_is_leaf_keeps_subtrees_whole_as_jaxs():
    # (refused by name before): JAX 0.10.2's answers for the same calls, written in
    t = {"a": (1.0, 2.0), "b": [3.0, (4.0, 5.0)]}
    pairs = lambda n: isinstance(n, tuple)  # noqa: E731
    assert tree_util.tree_leaves(t, is_leaf=pairs) == [(1.0, 2.0), 3.0, (4.0, 5.0)]
    assert tree_util.tree_map(lambda n: sum(n) if pairs(n) else n, t, is_leaf=pairs) == {"a": 3.0, "b": [3.0, 9.0]}
    leaves, td = tree_util.tree_flatten(t, is_leaf=pairs)
    assert str(td) == str(tree_util.tree_structure(t, is_leaf=pairs)) and td.num_leaves == 3
    assert tree_util.tree_unflatten(td, [10, 20, 30]) == {"a": 10, "b": [20, 30]}
    assert tree_util.tree_reduce(lambda a, b: a + (sum(b) if pairs(b) else b), t, 0.0, is_leaf=pairs) == 15.0
    assert tree_util.tree_leaves([None, 1.0], is_leaf=lambda n: n is None) == [None, 1.0]
    assert tree_util.tree_map(lambda x, y: (x, y), {"a": (1, 2)}, {"a": (3, 4)}, is_leaf=pairs) == {
        "a": ((1, 2), (3, 4))
    }
    # a leaf kept whole is differentiated as f reads it
    g = dl.grad(lambda w: tree_util.tree_reduce(lambda a, p: a + p[0] * p[1], {"p": (w, w)}, 0.0, is_leaf=pairs))(3.0)
    assert g == 6.0
    with pytest.raises(TypeError, match="tree_leaves: is_leaf must be a function of a node, got int"):
        tree_util.tree_leaves(t, is_leaf=1)
