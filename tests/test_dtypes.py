"""dtypes at the API's edges, as NumPy and JAX (x64) give them: a value has the dtype NumPy's own evaluation of f
gives (a float32 argument times a float64 constant is float64), a gradient or cotangent its leaf's dtype, a
tangent its output's; NumPy float32 and float16 scalars keep their dtype through every operator and method."""

import numpy as np
import pytest

import difflab as dl

METHODS = ["reverse", "forward", "symbolic", "numeric"]
X32 = np.array([0.5, 1.5, 2.0], np.float32)


def _dt(v):
    return np.asarray(v).dtype


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.sum(x * np.ones(3)),  # a float64 array made inside f (jax23 rounded the value to float32)
        lambda x: np.sum(x * np.float64(2.0)),  # a NumPy float64 scalar is not weak
        lambda x: np.linspace(0.0, 1.0, 3) @ x,
        lambda x: np.sum(np.cov(np.stack([x, x**2]))),  # NumPy computes cov in float64 whatever m's dtype
        lambda x: np.sum(np.corrcoef(np.stack([x, x**2]))),
        lambda x: np.sum(np.interp(x, [0.0, 1.0, 3.0], [0.0, 2.0, 3.0])),  # (lists: they were refused)
    ],
)
def test_a_float64_constant_promotes_a_float32_arguments_value_as_numpy(f):
    assert f(X32).dtype == np.float64  # NumPy's own evaluation
    value, grad = dl.value_and_grad(f)(X32)
    assert (_dt(value), grad.dtype) == (np.float64, np.float32)  # JAX: value float64, gradient the leaf's
    np.testing.assert_allclose(value, f(X32.astype(np.float64)), rtol=1e-12)
    out, tangent = dl.jvp(f, (X32,), (np.ones(3, np.float32),))
    assert (_dt(out), _dt(tangent)) == (np.float64, np.float64)  # JAX: the tangent has the output's dtype
    out, pullback = dl.vjp(f, X32)
    (cot,) = pullback(1.0)
    assert (_dt(out), cot.dtype) == (np.float64, np.float32)  # JAX: the cotangent has the primal's dtype
    out, lin = dl.linearize(f, X32)
    assert (_dt(out), _dt(lin(np.ones(3, np.float32)))) == (np.float64, np.float64)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.sum(x * 2.0),  # a Python float is weak
        lambda x: np.sum(x * np.ones(3, np.float32)),
        lambda x: np.sum(np.pad(x, 1) ** 2),  # difflab.numpy's own constants (the padding) are weak, as NumPy's
        lambda x: np.quantile(x, 0.3),
        lambda x: np.mean(x) + np.std(x),
    ],
)
def test_weak_and_float32_constants_keep_a_float32_value(f):
    assert f(X32).dtype == np.float32
    value, grad = dl.value_and_grad(f)(X32)
    assert (_dt(value), grad.dtype) == (np.float32, np.float32)
    out, tangent = dl.jvp(f, (X32,), (np.ones(3, np.float32),))
    assert (_dt(out), _dt(tangent)) == (np.float32, np.float32)


def test_vector_outputs_aux_and_vmap_follow_numpy():
    vec = lambda x: (x * np.ones(3), x * 2.0)  # noqa: E731
    assert [_dt(o) for o in dl.jvp(vec, (X32,), (X32,))[1]] == [np.float64, np.float32]
    grad, aux = dl.grad(lambda x: (np.sum(x**2), x * np.ones(3)), has_aux=True)(X32)
    assert (grad.dtype, aux.dtype) == (np.float32, np.float64)
    jac, aux = dl.jacobian(lambda x: (x * 2.0, np.sum(x * np.ones(3))), has_aux=True)(X32)
    assert (jac.dtype, _dt(aux)) == (np.float32, np.float64)
    batch = np.ones((2, 3), np.float32)
    assert dl.vmap(lambda x: x * np.ones(3))(batch).dtype == np.float64
    assert dl.vmap(lambda x: x * 2.0)(batch).dtype == np.float32
    assert dl.vmap(dl.grad(lambda x: np.sum(np.sin(x) * np.ones(3))))(batch).dtype == np.float32  # a gradient


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", [np.float32, np.float16])
def test_numpy_float_scalars_keep_their_dtype_in_every_operator(method, kind):
    f = lambda x: x * x * 2.0 + np.sin(x)  # noqa: E731
    s, one = kind(0.75), kind(1.0)
    want_grad, want_hess = 4 * 0.75 + np.cos(0.75), 4 - np.sin(0.75)
    tol = 1e-6 if kind is np.float32 else 2e-3
    if method == "numeric":
        tol = max(tol, 1e-5)
    grad = dl.grad(f, method=method)(s)
    assert type(grad) is kind and np.isclose(grad, want_grad, rtol=tol)
    value, grad = dl.value_and_grad(f, method=method)(s)
    assert (type(value), type(grad)) == (kind, kind)
    out, tangent = dl.jvp(f, (s,), (one,), method=method)
    assert (_dt(out), _dt(tangent)) == (kind, kind) and np.isclose(tangent, want_grad, rtol=tol)
    out, pullback = dl.vjp(f, s, method=method)
    assert _dt(pullback(one)[0]) == kind
    assert _dt(dl.jacobian(f, method=method)(s)) == kind
    hess = dl.hessian(f, method=method)(s)
    assert _dt(hess) == kind and np.isclose(hess, want_hess, rtol=max(tol, 1e-4))
    grad2 = dl.grad(dl.grad(f, method=method), method=method)(s)
    assert _dt(grad2) == kind and np.isclose(grad2, want_hess, rtol=max(tol, 1e-4))
    prepared = dl.prepare(f, s, method=method)
    assert type(prepared.grad(kind(0.5))) is kind and type(prepared.value_and_grad(s)[0]) is kind


def test_a_float32_scalar_call_does_not_change_a_python_float_calls_dtype():
    # the signature cache keyed NumPy float scalars as Python floats: after a float32 call, a Python float's
    # gradient came back float32 (and a float16's float32)
    g = dl.grad(lambda x: x * x * 2.0 + np.sin(x))
    assert type(g(np.float32(0.75))) is np.float32
    assert type(g(0.75)) is float and g(0.75) == 3.0 + np.cos(0.75)
    assert type(g(np.float16(0.75))) is np.float16


def test_prepared_answers_other_float_dtypes_by_a_preparation_for_them():
    # as JAX's jit traces again for new dtypes: a float64 call of a float32 preparation was rounded to float32
    f = lambda x: np.sum(np.sin(x) * x)  # noqa: E731
    x64 = X32.astype(np.float64)
    prepared = dl.prepare(f, X32)
    for _ in range(2):  # (the second time by the preparation kept for float64)
        value, grad = prepared.value_and_grad(x64)
        assert (type(value), grad.dtype) == (float, np.float64)
        np.testing.assert_allclose(grad, np.cos(x64) * x64 + np.sin(x64), rtol=1e-15)
    assert type(prepared.value_and_grad(X32)[0]) is np.float32  # its own dtype still
    assert type(prepared(x64)) is float and prepared.jacobian(x64).dtype == np.float64
    assert dl.prepare(f, x64).grad(X32).dtype == np.float32
    scalar = dl.prepare(lambda x: x * x, np.float32(2.0))
    assert type(scalar.grad(2.0)) is float and type(scalar.grad(np.float16(2.0))) is np.float16
    assert type(scalar.jvp((3.0,), (1.0,))[1]) is float and scalar.vjp(3.0)[1](1.0) == (6.0,)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.sum(np.unwrap(x * 4.0)),  # difflab.numpy's own constants: x's dtype, as NumPy's
        lambda x: np.nanmedian(x),
        lambda x: np.sum(np.piecewise(x, [x < 1.0], [lambda v: v * v, 1.0])),
        lambda x: np.sum(np.frexp(x)[0]) + np.sum(np.ldexp(x, 2)),
        lambda x: np.sum(np.polyval(x, x)),
        lambda x: np.sum(np.polyval([1.0, 2.0], x)),  # a list of coefficients is a float64 array in NumPy
        lambda x: np.sum(np.vander(x)),  # float64 in NumPy whatever x's dtype, as are the next two
        lambda x: np.sum(np.float_power(x, 2.0)),
        lambda x: np.sum(np.cov(x)),
        lambda x: np.average(x, weights=[1, 2, 3]),  # (a list of weights: refused by NumPy's structured dtypes)
    ],
)
def test_values_have_the_dtype_numpys_own_evaluation_gives(f):
    want = f(X32).dtype
    out, tangent = dl.jvp(f, (X32,), (np.ones(3, np.float32),))
    assert (_dt(out), _dt(tangent)) == (want, want)
    np.testing.assert_allclose(out, f(X32.astype(np.float64)), rtol=1e-12 if want == np.float64 else 1e-6)


def test_list_arguments_of_average_and_interp_are_arrays_as_numpys():
    x = np.array([0.2, 0.5, 0.7])
    np.testing.assert_allclose(dl.grad(lambda x: np.average(x, weights=[1, 2, 3]))(x), [1 / 6, 2 / 6, 3 / 6])
    weighted = lambda x: np.average(x, weights=[x[0], 1.0, 2.0])  # noqa: E731  (a traced weight in the list)
    np.testing.assert_allclose(dl.grad(weighted)(x), dl.grad(weighted, method="numeric")(x), rtol=1e-7)
    np.testing.assert_allclose(dl.grad(lambda x: np.sum(np.interp(x, [0.0, 1.0], [0.0, 2.0])))(x), [2.0] * 3)


@pytest.mark.parametrize("method", METHODS)
def test_astype_sets_the_values_dtype_and_the_gradient_keeps_the_leafs(method):
    # x.astype(np.float32) of a traced value was the value itself: float64 where NumPy's is float32
    x64 = np.array([0.25, 1.5, 2.0])
    f = lambda x: np.sum(x.astype(np.float32) ** 2)  # noqa: E731
    assert f(x64).dtype == np.float32
    value, grad = dl.value_and_grad(f, method=method)(x64)
    assert (_dt(value), grad.dtype) == (np.float32, np.float64)
    np.testing.assert_allclose(grad, 2 * x64, rtol=1e-6 if method == "numeric" else 1e-15)
    value, grad = dl.value_and_grad(lambda x: np.sum(x.astype(np.float64) * 2.0), method=method)(X32)
    assert (_dt(value), grad.dtype) == (np.float64, np.float32)  # and float64 of a float32 leaf: float64
    mixed = lambda x: x.astype(np.float32) * x  # noqa: E731  (float32 times the float64 leaf: float64)
    assert _dt(dl.jvp(mixed, (x64,), (x64,), method=method)[0]) == np.float64 == mixed(x64).dtype


def _gather_floor(x):
    """A lookup table read at floor(x) and floor(x) + 1, interpolated: a bilinear sampler's 1-D core."""
    table = np.array([0.0, 1.0, 4.0, 9.0, 16.0])
    i = np.floor(x).astype(int)
    frac = x - i
    return np.sum(table[i] * (1 - frac) + table[i + 1] * frac) + np.sum((x > 2).astype(np.int8))


@pytest.mark.parametrize("method", METHODS)
def test_astype_to_an_integer_or_boolean_dtype_is_a_piecewise_constant(method):
    """np.floor(x).astype(int) (a gather's index) and (x > 2).astype(np.int8) of traced values were refused as a
    conversion to a Python number; JAX gives the cast values with zero derivative. Here: the cast is recorded
    (tests/test_astype68.py), the gradient the interpolant's slopes; `table[i]`, a NumPy array's own indexing by
    it, still reads its values (the graph specialised, prepare refusing by name)."""
    x = np.array([0.5, 1.25, 3.75])
    assert _gather_floor(x) == pytest.approx(0.5 + 1.75 + 14.25 + 1)
    g = dl.grad(_gather_floor, method=method)(x)
    np.testing.assert_allclose(g, [1.0, 3.0, 7.0], rtol=1e-7 if method == "numeric" else 1e-14)
    with pytest.raises(
        ValueError,
        match=r"specialised to its input values \(by an integer traced value used as a Python index \(NumPy's own",
    ):
        dl.prepare(_gather_floor, x, method=method)
    seen = []
    dl.grad(lambda x: seen.append(x.astype(bool)) or np.sum(x**2), method=method)(np.array([0.0, 2.0]))
    assert seen[0].dtype == bool and np.asarray(seen[0].value).tolist() == [False, True]  # (traced: x != 0)
    with pytest.raises(dl.UnsupportedOperationError, match=r"converted to int64 .* write x\.astype\(int\)"):
        dl.grad(lambda x: np.sum(x[np.asarray(x, dtype=int)]), method=method)(x)  # (NumPy's conversion: refused)


def _ry_energy(x):
    """A rotation gate built from real entries, cast to complex (tests/test_user_code8.py's VQE, spelled with
    .astype(complex)), applied to a complex state: |ψ|² weighted."""
    c, s = np.cos(x / 2), np.sin(x / 2)
    gate = np.stack([np.stack([c, -s]), np.stack([s, c])]).astype(complex)
    psi = np.exp(0.3j) * (gate @ np.array([1.0, 0.0]))
    return np.real(np.vdot(psi, np.diag([1.0, -1.0]) @ psi))


@pytest.mark.parametrize("method", METHODS)
def test_astype_between_real_and_complex_is_numpys(method):
    """x.astype(complex) of a real traced value was refused as "a conversion to a Python number ... (JAX refuses it
    too)": JAX and NumPy give x + 0j; and z.astype(np.float64) of a complex one kept the complex value (complex128
    where NumPy's is the real part, float64, with NumPy's ComplexWarning, as JAX's)."""
    x = np.float64(0.7)
    value, g = dl.value_and_grad(_ry_energy, method=method)(x)  # = cos² − sin² = cos x
    assert float(value) == pytest.approx(_ry_energy(x), rel=1e-14) and value == pytest.approx(np.cos(x), rel=1e-14)
    assert float(g) == pytest.approx(-np.sin(x), rel=1e-7 if method == "numeric" else 1e-14)
    seen = []

    def real_by_cast(x):
        z = x * np.array([1 + 2j, 3 - 1j])
        r = z.astype(np.float64)
        seen.append(r.dtype)
        return np.sum(r**2)  # NumPy's: Σ (Re z)² = 10x²; the complex value's squares would be complex

    with pytest.warns(np.exceptions.ComplexWarning, match="discards the imaginary part"):
        value, g = dl.value_and_grad(real_by_cast, method=method)(np.float64(1.5))
    assert seen[0] == np.float64 and float(value) == pytest.approx(22.5, rel=1e-14)
    assert float(g) == pytest.approx(30.0, rel=1e-7 if method == "numeric" else 1e-14)
    with pytest.warns(np.exceptions.ComplexWarning):  # (main: Σ|z| = 8.1, silently, for NumPy's Σ|Re z| = 6)
        value, g = dl.value_and_grad(
            lambda x: np.sum(np.abs((x * np.array([1 + 2j, 3 - 1j])).astype(np.float64))), method=method
        )(np.float64(1.5))
    assert float(value) == pytest.approx(6.0, rel=1e-14)
    assert float(g) == pytest.approx(4.0, rel=1e-7 if method == "numeric" else 1e-14)
    # complex128 → complex64 (symbolic refused it: "no SymPy form of astype on complex values")
    g = dl.grad(lambda x: np.sum(np.abs((x * (1 + 1j)).astype(np.complex64)) ** 2), method=method)(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [4.0, 8.0], rtol=1e-7 if method == "numeric" else 1e-14)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x * np.arange(3),  # an int64 array promotes a float32 array to float64 (NEP 50)
        lambda x: x + np.int64(2),  # so does a NumPy integer scalar (not weak, unlike a Python int)
        lambda x: np.arange(3) @ x,
        lambda x: x * 2,  # a Python int is weak: float32
        lambda x: x * np.arange(3, dtype=np.int16),  # float32 · int16 is float32
        lambda x: x[np.arange(2)] * np.take(x, np.array([0, 2])),  # an index promotes nothing
        lambda x: np.sort_complex(x),  # complex128 whatever the real dtype (NumPy's sort_complex)
        lambda x: np.real(x * (1 + 1j)),  # complex64's real part is float32
    ],
)
def test_integer_constants_and_complex_results_follow_numpys_promotion(f):
    want = np.asarray(f(X32)).dtype
    out, tangent = dl.jvp(f, (X32,), (np.ones(3, np.float32),))
    assert (_dt(out), _dt(tangent)) == (want, want)
    assert dl.value_and_grad(lambda x: np.sum(np.real(f(x))))(X32)[1].dtype == np.float32


def test_scipy_functions_with_only_a_float64_loop_are_float64():
    special = pytest.importorskip("scipy.special")
    for f in (lambda x: special.yn(2, x), lambda x: special.jv(np.arange(3), x)):
        want = f(X32).dtype
        assert want == np.float64 and _dt(dl.jvp(f, (X32,), (np.ones(3, np.float32),))[0]) == want


def _gammaincs(special):
    """SciPy's own resolution: its special ufuncs search their loops in order ('dd->d' first for gammainc: a Python
    or integer order makes the result float64; 'fff->f' first for betainc), not NumPy's weak promotion."""
    y = X32 / 4
    return [
        lambda x: special.gammainc(2, x),
        lambda x: special.gammaincc(2.5, x),
        lambda x: special.gammainc(np.float32(2), x),
        lambda x: special.gammaincc(np.array([1, 2, 3]), x),
        lambda x: special.betainc(2.0, np.float32(3), y * x),
        lambda x: special.betainc(2, np.arange(1.0, 4.0), y * x),
        lambda x: special.xlogy(2, x),
        lambda x: special.xlog1py(x, 2.0),
        lambda x: special.erf(x),
    ]


def test_scipy_special_values_have_scipys_own_dtype():
    special = pytest.importorskip("scipy.special")
    for k, f in enumerate(_gammaincs(special)):
        want = f(X32).dtype
        out, tangent = dl.jvp(f, (X32,), (np.ones(3, np.float32),))
        assert (_dt(out), _dt(tangent)) == (want, want), k
        assert dl.prepare(f, X32)(X32).dtype == want, k
        assert dl.value_and_grad(lambda x: f(x).sum())(X32)[1].dtype == np.float32  # (the argument's, as JAX's)
    assert {f(X32).dtype for f in _gammaincs(special)} == {np.dtype(np.float32), np.dtype(np.float64)}


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic", "numeric"])
def test_a_comparisons_value_is_a_bool_array_as_numpys(method):
    x = np.array([1.0, -2.0, 0.5])
    (above, doubled), (t_above, t_doubled) = dl.jvp(lambda x: (x > 0, 2 * x), (x,), (np.ones(3),), method=method)
    assert above.dtype == np.bool_ and doubled.dtype == np.float64
    np.testing.assert_array_equal(above, x > 0)
    np.testing.assert_array_equal(t_above, 0.0)  # (its tangent: zeros, as float; JAX's float0)
    assert t_above.dtype.kind == "f"
    np.testing.assert_allclose(t_doubled, 2.0, rtol=1e-8)
    out, pullback = dl.vjp(lambda x: x <= 0.5, x, method=method)
    assert out.dtype == np.bool_ and out.tolist() == [False, True, True]
    np.testing.assert_array_equal(pullback(np.ones(3))[0], 0.0)
    assert dl.prepare(lambda x: x == 1.0, x, method=method)(x).tolist() == [True, False, False]
    assert type(dl.prepare(lambda x: x[0] > 0, x, method=method)(x)) is np.bool_  # (NumPy's bool scalar)
