"""JAX's spellings a JAX user met as Python's generic errors (round 22, tests/test_user_code22.py): custom_jvp.defjvps,
vmap(axis_name=, axis_size=), grad(allow_int=), linear_transpose(f, *primals), dl.remat, and every keyword of JAX's
transformations either taken or refused by name. Values against closed forms (JAX x64 agrees; CI needs no JAX)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import NumericIgnoresRuleWarning

METHODS = ["symbolic", "numeric", "forward", "reverse"]


# ---------------------------------------------------------------- custom_jvp.defjvps


def _sin_times():
    @dl.custom_jvp
    def f(x, y):
        return dnp.sin(x) * y

    f.defjvps(lambda tx, ans, x, y: dnp.cos(x) * y * tx, lambda ty, ans, x, y: dnp.sin(x) * ty)
    return f


@pytest.mark.parametrize("method", METHODS)
def test_defjvps_gradient_every_method(method):
    f, x, y = _sin_times(), np.array([0.3, -1.2]), np.array([2.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericIgnoresRuleWarning)
        gx, gy = dl.grad(lambda x, y: dnp.sum(f(x, y)), argnums=(0, 1), method=method)(x, y)
    tol = 1e-7 if method == "numeric" else 1e-14
    np.testing.assert_allclose(gx, np.cos(x) * y, rtol=tol, atol=tol)
    np.testing.assert_allclose(gy, np.sin(x), rtol=tol, atol=tol)


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_defjvps_rule_is_used_and_none_is_no_tangent(method):
    # a straight-through rule for x (its contribution 2·tx, not y·tx) and None for y: the exact methods take the rule
    @dl.custom_jvp
    def g(x, y):
        return x * y

    g.defjvps(lambda tx, ans, x, y: 2.0 * tx, None)
    gx, gy = dl.grad(g, argnums=(0, 1), method=method)(3.0, 5.0)
    assert (gx, gy) == (2.0, 0.0)


@pytest.mark.parametrize("method", ["reverse", ("forward", "reverse"), ("symbolic", "symbolic")])
def test_defjvps_nests_second_derivatives(method):
    f = _sin_times()
    h = dl.hessian(f, argnums=(0, 1), method=method)(0.7, 2.0)
    np.testing.assert_allclose(
        np.array(h, dtype=float), [[-np.sin(0.7) * 2.0, np.cos(0.7)], [np.cos(0.7), 0.0]], rtol=1e-13
    )


def test_defjvps_pytree_output_and_bad_use_named():
    @dl.custom_jvp
    def pair(x):
        return {"s": dnp.sin(x), "c": dnp.cos(x)}

    pair.defjvps(lambda t, ans, x: {"s": ans["c"] * t, "c": -ans["s"] * t})
    g = dl.grad(lambda x: pair(x)["s"] + 3.0 * pair(x)["c"], method="reverse")(0.4)
    assert g == pytest.approx(np.cos(0.4) - 3.0 * np.sin(0.4), rel=1e-14)
    with pytest.raises(TypeError, match=r"defjvps was given 1 rule\(s\), one per argument.*called with 2"):
        one = dl.custom_jvp(lambda x, y: x * y)
        one.defjvps(lambda t, ans, x, y: y * t)
        dl.grad(one, method="forward")(1.0, 2.0)
    with pytest.raises(TypeError, match="nondiff_argnums"):
        dl.custom_jvp(lambda n, x: x**n, nondiff_argnums=(0,)).defjvps(None)


# ---------------------------------------------------------------- vmap(axis_name=, axis_size=) and dl.lax


def _normalised(x):  # a JAX user's per-example normalisation: each row's share of the batch's total
    return dnp.sum(x**2) / dl.lax.psum(dnp.sum(x**2), "i")


_XS = np.arange(6.0).reshape(3, 2) + 1


@pytest.mark.parametrize("method", METHODS)
def test_vmap_axis_name_collectives_differentiated_outside_by_every_method(method):
    import difflab.lax  # noqa: F401

    def g(x):
        return x[0] * dl.lax.pmean(x[1], "i") + dl.lax.axis_index("i") * x[1]

    loss = lambda xs: dnp.sum(dl.vmap(_normalised, axis_name="i")(xs) ** 2)  # noqa: E731
    loss_g = lambda xs: dnp.sum(dl.vmap(g, axis_name="i")(xs) ** 2)  # noqa: E731
    tol = 1e-7 if method == "numeric" else 1e-13
    # jax.grad of the same (x64)
    want = [
        [-0.020786362532528455, -0.04157272506505691],
        [-0.033377080593600325, -0.044502774124800436],
        [0.03131755335595453, 0.03758106402714542],
    ]
    np.testing.assert_allclose(dl.grad(loss, method=method)(_XS), want, rtol=tol)
    want_g = [[32.0, 141.0 + 1 / 3], [128.0, 173.0 + 1 / 3], [256.0, 269.0 + 1 / 3]]
    np.testing.assert_allclose(dl.grad(loss_g, method=method)(_XS), want_g, rtol=tol)


def test_vmap_collectives_values_nesting_and_unbatched_operands():
    import difflab.lax  # noqa: F401

    v = dl.vmap(_normalised, axis_name="i")(_XS)
    np.testing.assert_allclose(v, np.array([5.0, 25.0, 61.0]) / 91.0, rtol=1e-15)
    xs = np.array([0.0, 2.0, 1.0])
    for fn, want in [
        (lambda x: dl.lax.pmax(x, "i"), [2.0, 2.0, 2.0]),
        (lambda x: dl.lax.pmin(x, "i"), [0.0, 0.0, 0.0]),
        (lambda x: dl.lax.all_gather(x, "i"), [xs] * 3),
        (lambda x: dl.lax.psum(1.0, "i") + 0 * x, [3.0, 3.0, 3.0]),  # an unbatched operand: size times it
        (lambda x: x * dl.lax.axis_index("i"), [0.0, 2.0, 2.0]),
    ]:
        np.testing.assert_array_equal(dl.vmap(fn, axis_name="i")(xs), want)
    # nested: the inner vmap's rows are 'j', the outer's 'i' (JAX: x - mean over the rows of each)
    centre = lambda name: dl.vmap(dl.vmap(lambda x: x - dl.lax.pmean(x, name), axis_name="j"), axis_name="i")  # noqa: E731
    np.testing.assert_array_equal(centre("i")(_XS), [[-2.0, -2.0], [0.0, 0.0], [2.0, 2.0]])
    np.testing.assert_array_equal(centre("j")(_XS), [[-0.5, 0.5]] * 3)
    gathered = dl.vmap(dl.vmap(lambda x: dl.lax.all_gather(x, "i"), axis_name="j"), axis_name="i")(_XS)
    np.testing.assert_array_equal(gathered, np.broadcast_to(_XS.T[None], (3, 2, 3)))
    # an unbatched (in_axes None) operand of a collective, differentiated from outside: psum(|w|²) is 3|w|²
    w = np.array([0.5, -1.0])
    h = lambda x, w: dnp.sum(x * w) + dl.lax.psum(dnp.sum(w**2), "i")  # noqa: E731
    for method in METHODS:
        g = dl.grad(lambda w: dnp.sum(dl.vmap(h, in_axes=(0, None), axis_name="i")(_XS, w)), method=method)(w)
        np.testing.assert_allclose(g, [18.0, -6.0], rtol=1e-7 if method == "numeric" else 1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_collective_derivative_inside_vmap_refused_by_name(method):
    # JAX's own jacfwd and grad disagree there ([1, 4, 7] and [3, 4, 5] for this g's second column): refused, never
    # one of them silently
    import difflab.lax  # noqa: F401

    def g(x):
        return x[0] * dl.lax.pmean(x[1], "i")

    with pytest.raises(dl.NotDifferentiableError, match=r"collective over 'i' inside vmap.*grad\(vmap\(f, axis_name"):
        dl.vmap(dl.grad(g, method=method), axis_name="i")(_XS)


def test_vmap_axis_size_and_bad_axis_keywords_named():
    import difflab.lax  # noqa: F401

    np.testing.assert_array_equal(dl.vmap(lambda x: 2.0 * x, in_axes=None, axis_size=3)(2.0), [4.0, 4.0, 4.0])
    idx = dl.vmap(lambda x: x * dl.lax.axis_index("i"), in_axes=None, axis_size=3, axis_name="i")(2.0)
    np.testing.assert_array_equal(idx, [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(dl.vmap(lambda x: x + 1.0, axis_size=2)(np.array([1.0, 2.0])), [2.0, 3.0])
    with pytest.raises(ValueError, match=r"axis_size=4 differs from the batched arguments' batch size 2"):
        dl.vmap(lambda x: x, axis_size=4)(np.array([1.0, 2.0]))
    with pytest.raises(NotImplementedError, match=r"spmd_axis_name='d'.*device-mesh"):
        dl.vmap(lambda x: x, spmd_axis_name="d")
    with pytest.raises(NameError, match=r"psum: unbound axis name 'j' \(the vmap axes bound here: 'i'\)"):
        dl.vmap(lambda x: dl.lax.psum(x, "j"), axis_name="i")(_XS)
    with pytest.raises(NameError, match=r"unbound axis name 'i'"):
        dl.lax.psum(1.0, "i")


# ---------------------------------------------------------------- allow_int


def test_allow_int_holds_integer_leaves_fixed_with_zero_derivative():
    # JAX's allow_int=True: integer leaves reach f as they are; JAX's derivative there is float0, difflab's float64 zeros
    got = dl.grad(lambda x, n: x**n, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert got == (12.0, 0.0)
    p = {"w": 2.0, "n": np.array(3)}
    (value, aux), g = dl.value_and_grad(lambda p: (p["w"] * p["n"], p["n"]), allow_int=True, has_aux=True)(p)
    assert (value, aux, g["w"]) == (6.0, 3, 3.0) and g["n"].shape == () and g["n"] == 0.0
    assert dl.grad(lambda n: 2.0 * n, allow_int=True)(3) == 0.0  # (no float leaf at all)
    x, idx = np.array([1.0, 2.0, 3.0]), np.array([0, 2])
    jx, jidx = dl.jacrev(lambda x, idx: x[idx] * 2.0, argnums=(0, 1), allow_int=True)(x, idx)
    np.testing.assert_array_equal(jx, [[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]])  # jax.jacrev's
    np.testing.assert_array_equal(jidx, np.zeros((2, 2)))
    assert dl.grad(lambda x, n: x**n, argnums=(0, 1), allow_int=True, method="symbolic")(2.0, 3) == (12.0, 0.0)
    # today's default is kept: an integer argument to differentiate is refused by name (DESIGN.md §6)
    with pytest.raises(TypeError, match=r"argument 1 \(leaf 0\) has dtype int64"):
        dl.grad(lambda x, n: x**n, argnums=(0, 1))(2.0, 3)


# ---------------------------------------------------------------- linear_transpose(f, *primals)


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_linear_transpose_jax_form(method):
    A = np.arange(6.0).reshape(2, 3)
    (got,) = dl.linear_transpose(lambda x: A @ x, np.zeros(3), method=method)(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(got, A.T @ [1.0, 2.0])
    # pytrees in and out (jax.linear_transpose's (5.0, (1.0,))); a constant term dropped, as JAX's
    assert dl.linear_transpose(lambda x, y: (2 * x + y[0], 3 * x), 1.0, (2.0,), method=method)((1.0, 1.0)) == (
        5.0,
        (1.0,),
    )
    assert dl.linear_transpose(lambda x: x + 1.0, 1.0, method=method)(1.0) == (1.0,)
    with pytest.raises(ValueError, match=r"linear_transpose: <lambda> is not linear"):
        dl.linear_transpose(lambda x: x**2, 1.0, method=method)(1.0)
    # difflab's own form stays: the transpose of a linearize result
    _, f_jvp = dl.linearize(lambda x: A @ x, np.ones(3))
    np.testing.assert_array_equal(dl.linear_transpose(f_jvp)(np.array([1.0, 2.0]))[0], A.T @ [1.0, 2.0])


# ---------------------------------------------------------------- dl.remat


def test_remat_is_jax_alias_of_checkpoint():
    # was "'module' object is not callable": difflab.remat was the module (now difflab/checkpointing.py)
    assert dl.remat is dl.checkpoint
    layer = dl.remat(lambda x: dnp.tanh(x) * 2.0, prevent_cse=False)
    g = dl.grad(lambda x: layer(layer(x)))(0.5)
    assert g == pytest.approx((1 - np.tanh(2 * np.tanh(0.5)) ** 2) * 2.0 * (1 - np.tanh(0.5) ** 2) * 2.0, rel=1e-14)
    # static_argnames (JAX's) as positions: n reaches f as the int it is
    power = dl.checkpoint(lambda x, n: x**n, static_argnames="n")
    assert dl.grad(power)(2.0, 3) == 12.0
    with pytest.raises(ValueError, match=r"static_argnames \['m'\] are not parameters"):
        dl.checkpoint(lambda x, n: x**n, static_argnames=("m",))
    with pytest.raises(NotImplementedError, match=r"concrete=True.*deprecated"):
        dl.remat(lambda x: x, concrete=True)


# ---------------------------------------------------------------- every keyword of JAX's transformations

#: inspect.signature of JAX 0.10.2's (x64) transformations: each keyword, and a non-default value a JAX user passes
_JAX_KEYWORDS = {
    "grad": ["argnums", "has_aux", "holomorphic", "allow_int", "reduce_axes"],
    "value_and_grad": ["argnums", "has_aux", "holomorphic", "allow_int", "reduce_axes"],
    "jacfwd": ["argnums", "has_aux", "holomorphic"],
    "jacrev": ["argnums", "has_aux", "holomorphic", "allow_int"],
    "hessian": ["argnums", "has_aux", "holomorphic"],
    "jvp": ["has_aux"],
    "vjp": ["has_aux", "reduce_axes"],
    "linearize": ["has_aux"],
    "linear_transpose": ["reduce_axes"],
    "vmap": ["in_axes", "out_axes", "axis_name", "axis_size", "spmd_axis_name", "sum_match"],
    "custom_jvp": ["nondiff_argnums", "nondiff_argnames"],
    "custom_vjp": ["nondiff_argnums", "nondiff_argnames"],
    "checkpoint": ["prevent_cse", "policy", "static_argnums", "static_argnames", "concrete"],
    "remat": ["prevent_cse", "policy", "static_argnums", "concrete"],
    "custom_jvp.defjvp": ["symbolic_zeros"],
    "custom_vjp.defvjp": ["symbolic_zeros", "optimize_remat"],
    "lax.psum": ["axis_index_groups"],
    "lax.pmean": ["axis_index_groups"],
    "lax.pmax": ["axis_index_groups"],
    "lax.pmin": ["axis_index_groups"],
    "lax.all_gather": ["axis_index_groups", "axis", "tiled", "to"],
}


def _resolve(name):
    import difflab.lax  # noqa: F401

    obj = dl
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", sorted(_JAX_KEYWORDS))
def test_every_jax_keyword_is_a_parameter(name):
    import inspect

    params = inspect.signature(_resolve(name)).parameters
    assert [k for k in _JAX_KEYWORDS[name] if k not in params] == []


def _square(x):
    return x * x


def _cube(x, n):
    return x**n


def _cube_by_name():
    f = dl.custom_jvp(_cube, nondiff_argnames=("n",))  # n fixed: the rule gets it first, as nondiff_argnums=(1,)
    f.defjvp(lambda n, primals, tangents: (_cube(primals[0], n), n * primals[0] ** (n - 1) * tangents[0]))
    return f


#: (the call with JAX's keyword at a value that is not its default, what it gives: a value, or an error and its words)
_CALLS = [
    (lambda: dl.grad(_square, reduce_axes=("i",)), NotImplementedError, "reduce_axes"),
    (lambda: dl.value_and_grad(_cube, argnums=(0, 1), allow_int=True)(2.0, 3), ((8.0, (12.0, 0.0))), None),
    (lambda: dl.jacrev(_square, allow_int=True)(np.array([2.0])), [[4.0]], None),
    (lambda: dl.vjp(_square, 1.0, reduce_axes=("i",)), NotImplementedError, "reduce_axes"),
    (lambda: dl.linear_transpose(_square, 1.0, reduce_axes=("i",)), NotImplementedError, "reduce_axes"),
    (lambda: dl.vmap(_square, axis_size=2)(np.ones(2)), [1.0, 1.0], None),
    (lambda: dl.vmap(_square, sum_match=True), NotImplementedError, "sum_match=True"),
    (lambda: dl.grad(_cube_by_name())(2.0, 3), 12.0, None),
    (lambda: dl.custom_vjp(_cube, nondiff_argnames="m"), ValueError, r"nondiff_argnames \['m'\]"),
    (lambda: dl.checkpoint(_square, policy=print), TypeError, "policy=print"),
    (lambda: dl.grad(dl.remat(_cube, static_argnums=1))(2.0, 3), 12.0, None),
    (lambda: dl.custom_jvp(_square).defjvp(print, symbolic_zeros=True), NotImplementedError, "SymbolicZero"),
    (lambda: dl.custom_vjp(_square).defvjp(print, print, symbolic_zeros=True), NotImplementedError, "SymbolicZero"),
    (lambda: dl.custom_vjp(_square).defvjp(print, print, optimize_remat=True), None, None),
    (
        lambda: dl.vmap(lambda x: dl.lax.psum(x, "i", axis_index_groups=[[0]]), axis_name="i")(np.ones(2)),
        NotImplementedError,
        "axis_index_groups",
    ),  # fmt: skip
    (
        lambda: dl.vmap(lambda x: dl.lax.all_gather(x, "i", tiled=True), axis_name="i")(np.ones((2, 1))),
        [[1.0, 1.0], [1.0, 1.0]],
        None,
    ),  # fmt: skip
    (
        lambda: dl.vmap(lambda x: dl.lax.all_gather(x, "i", to="invariant"), axis_name="i")(np.ones(2)),
        NotImplementedError,
        "to='invariant'",
    ),  # fmt: skip
]


@pytest.mark.parametrize("k", range(len(_CALLS)))
def test_jax_keywords_work_or_are_refused_by_name(k):
    import difflab.lax  # noqa: F401

    call, want, words = _CALLS[k]
    if isinstance(want, type) and issubclass(want, Exception):
        with pytest.raises(want, match=words):
            call()
        return
    got = call()
    if want is not None:
        assert np.array(got, dtype=object).tolist() == np.array(want, dtype=object).tolist() or got == want
