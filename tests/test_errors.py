"""One test per row of DESIGN.md §6: bad input gets a clear error that names the problem."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.api.boundary import NonScalarOutput


def test_unsupported_numpy_function_is_named():
    with pytest.raises(
        dl.UnsupportedOperationError,
        match=r"numpy\.lib\.scimath\.arccos is not a difflab primitive.*difflab\.numpy\.__all__",
    ):
        dl.grad(lambda x: np.lib.scimath.arccos(x).sum())(np.ones(3) / 2)  # (np.fft.hfft was this: traced now)
    with pytest.raises(dl.UnsupportedOperationError, match=r"numpy\.lib\.scimath\.sqrt"):  # (packbits: traced now)
        dl.grad(lambda x: np.lib.scimath.sqrt(x).sum())(np.ones(2))
    with pytest.raises(TypeError, match="integer or boolean"):  # NumPy's own refusal of a float array, as NumPy's
        dl.grad(lambda x: np.packbits(x).sum() * x.sum())(np.ones(2))
    # NumPy's full name, not numpy.matrix_rank (numpy.linalg.eig, then cond were this example: primitives now)
    with pytest.raises(dl.UnsupportedOperationError, match=r"numpy\.linalg\.matrix_rank is not a difflab primitive"):
        dl.grad(lambda x: np.linalg.matrix_rank(x) * x.sum())(np.eye(2))


def test_unsupported_scipy_ufunc_is_named_as_scipys():
    """SciPy's special functions are ufuncs that reach difflab's NumPy dispatch; the error names them
    scipy.special.<name> (autograd's test_scipy.py saw "numpy.erf is not a difflab primitive")."""
    special = pytest.importorskip("scipy.special")
    with pytest.raises(dl.UnsupportedOperationError, match=r"^scipy\.special\.obl_rad2 is not a difflab primitive"):
        dl.grad(lambda x: special.obl_rad2(1.0, 1.0, 1.5, x))(
            0.5
        )  # (erf, ellipk, zetac, ber, chndtr are ones now: ops.special, chdtriv until shapeinv57, nctdtrinc special60, obl_rad1 spheroid61)
    with pytest.raises(dl.UnsupportedOperationError, match=r"^numpy\.left_shift is not"):
        dl.grad(lambda x: np.left_shift(x, x))(1.0)
    # (bitwise_and is traced on comparisons' masks since realcode46; of floats refused as NumPy refuses them)
    with pytest.raises(TypeError, match=r"^numpy\.bitwise_and of a float64 value: .* booleans and integers only"):
        dl.grad(lambda x: np.bitwise_and(x, x))(1.0)


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_numpy_index_tricks_on_traced_values_point_to_difflabs(method):
    """NumPy's r_/c_ convert each item with numpy.array (no dispatch protocol reaches them): the
    error names numpy.r_ / numpy.c_ and the difflab.numpy spelling, which does work."""
    x = np.array([1.0, 2.0])
    for trick, f in [
        ("r_", lambda x: np.r_[x, 1.0, x]),
        ("r_", lambda x: np.r_[0.5, x]),
        ("c_", lambda x: np.c_[x, x]),
    ]:
        with pytest.raises(
            dl.UnsupportedOperationError,
            match=rf"numpy\.{trick}\[\.\.\.\] cannot take traced "
            rf"values.*use difflab\.numpy\.{trick}\[\.\.\.\]",
        ):
            dl.grad(lambda x: dnp.sum(f(x) ** 2.0), method=method)(x)
    tol = dict(rtol=1e-6) if method == "numeric" else dict(rtol=1e-14)
    np.testing.assert_allclose(dl.grad(lambda x: dnp.sum(dnp.r_[x, 1.0, x] ** 2.0), method=method)(x), 4.0 * x, **tol)
    np.testing.assert_allclose(dl.grad(lambda x: dnp.sum(dnp.c_[x, 3.0 * x] ** 2.0), method=method)(x), 20.0 * x, **tol)
    # any other conversion keeps the general message
    with pytest.raises(dl.UnsupportedOperationError, match="was converted to a NumPy array"):
        dl.grad(lambda x: dnp.sum(np.array(x)), method=method)(x)


def test_non_scalar_grad_points_to_jacobian():
    with pytest.raises(TypeError, match=r"scalar output.*shape \(3,\).*jacobian.*vjp"):
        dl.grad(lambda x: x * 2.0)(np.ones(3))
    # a tuple of outputs: how many, and their shapes (it read "returned shape [(), ()]")
    with pytest.raises(TypeError, match=r"but it returned 2 outputs, shapes \(\), \(3,\);"):
        dl.grad(lambda x: (dnp.sum(x), x))(np.ones(3))


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_one_element_array_output_is_not_a_scalar(method):
    """Shape (1,) or (1, 1) is refused by grad, value_and_grad, hvp and a prepared gradient, as JAX's grad refuses it
    ("Gradient only defined for scalar-output functions. Output had shape: (1,)"), the message saying what to
    write; hessian of it is JAX's Jacobian of the Jacobian, shaped (1, n, n)."""
    x = np.array([1.0, 2.0, 3.0])
    f = lambda x: dnp.sum(x**2.0, keepdims=True)  # noqa: E731
    for door in (dl.grad(f, method=method), dl.value_and_grad(f, method=method), dl.prepare(f, x, method=method).grad):
        with pytest.raises(
            NonScalarOutput, match=r"scalar output, but it returned shape \(1,\); a scalar has shape \(\).*f\(x\)\[0\]"
        ):
            door(x)
    with pytest.raises(NonScalarOutput, match=r"shape \(1, 1\); .*f\(x\)\[0\]\[0\], or np\.sum"):
        dl.grad(lambda x: dnp.sum(x**2.0).reshape(1, 1), method=method)(x)
    with pytest.raises(NonScalarOutput, match=r"shape \(1,\)"):
        dl.hvp(f, (x,), (x,), method=method if method != "symbolic" else "reverse")
    with pytest.raises(NonScalarOutput, match=r"shape \(1,\)"):
        dl.transforms.grad(lambda x: (f(x), 0.0), method=method, has_aux=True)(x)
    h = dl.hessian(f, method=method)(x)
    assert h.shape == (1, 3, 3)
    np.testing.assert_allclose(h[0], 2.0 * np.eye(3), atol=1e-6 if method == "numeric" else 0.0)
    # f(x)[0], as the message says, is the scalar function
    np.testing.assert_allclose(dl.grad(lambda x: f(x)[0], method=method)(x), 2.0 * x, rtol=1e-6)


@pytest.mark.parametrize("bad", [2, np.array([1, 2]), np.array([True, False])])
def test_integer_or_boolean_argument(bad):
    with pytest.raises(TypeError, match=r"argument 0 .*dtype (int|bool)"):
        dl.grad(lambda x: dnp.sum(x * 1.0))(bad)


def test_shape_mismatch_names_op_equation_and_shapes():
    with pytest.raises(ValueError, match=r"add: .*\(3,\), \(4,\).*v\d+ = add\(v0, v1\)"):
        dl.grad(lambda x, y: dnp.sum(x + y))(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\), \(2, 3\)"):
        dl.trace(lambda a: a @ a, np.ones((2, 3)))


@pytest.mark.parametrize("bad", ["backprop", "Reverse", 3, None])
def test_unknown_method_lists_choices(bad):
    with pytest.raises(ValueError, match=r"unknown method.*'symbolic', 'numeric', 'forward', 'reverse'"):
        dl.grad(lambda x: x, method=bad)


@pytest.mark.parametrize("kwargs", [{"step": 0.0}, {"step": -1e-3}, {"scheme": "centre"}])
def test_bad_numeric_settings(kwargs):
    with pytest.raises(ValueError):
        dl.Numeric(**kwargs)


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_domain_warning_names_the_equation(method):
    with pytest.warns(dl.DomainWarning, match=r"v\d+ = log\(v0\)"):
        value, g = dl.value_and_grad(lambda x: dnp.log(x) * 2.0, method=method)(-1.0)
    assert np.isnan(value)


@pytest.mark.parametrize(
    "f,x",
    [
        (lambda x: dnp.abs(x**1.5), -1.0),  # complex on floats, NaN in NumPy
        (lambda x: dnp.exp(x * 800.0) + 1.0, 1.0),  # OverflowError on floats, inf
        (lambda x: 1.0 / x, 0.0),
    ],
)  # ZeroDivisionError on floats
def test_symbolic_code_on_floats_leaves_domain_edges_to_numpy(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, ref = (dl.value_and_grad(f, method=m)(x) for m in ("symbolic", "reverse"))
    np.testing.assert_equal(got, ref)
    assert not np.isfinite(ref[0])


def test_float_conversion_of_traced_value_is_refused():
    with pytest.raises(TypeError, match="drop its derivative"):
        dl.grad(lambda x: float(x) * 2.0)(1.0)


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argnums 3 is out of range"):
        dl.grad(lambda x: x, argnums=3)(1.0)


# -- found in review: fast paths must keep the guarantees -------------------------------------


@pytest.mark.filterwarnings("ignore:overflow encountered")
@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_nan_from_float_arithmetic_still_warns_on_every_call(method):
    """inf - inf on Python floats raises nothing in Python: NumPy still decides and names the equation."""

    def f(x):
        y = x * 1e308
        return y - y * 2.0

    vg = dl.value_and_grad(f, method=method)
    for _ in range(3):  # fresh, then cached and compiled
        with pytest.warns(dl.DomainWarning, match=r"v\d+ = sub\("):
            value, _ = vg(10.0)
        assert np.isnan(value)


@pytest.mark.parametrize("method", ["forward", "reverse"])
@pytest.mark.parametrize("f", [dnp.sqrt, dnp.log, lambda x: x**0.5], ids=["sqrt", "log", "pow"])
def test_derivative_at_a_domain_edge_is_inf_or_nan_with_a_warning_not_an_exception(method, f):
    """A finite value at the edge (sqrt(0) = 0) has the infinite slope as derivative; an infinite
    value (log(0) = -inf) has none: NaN, as every method answers for a non-finite output."""
    with np.errstate(divide="ignore"):
        finite_value = np.isfinite(f(np.float64(0.0)))
    expected = np.isinf if finite_value else np.isnan
    for x in (0.0, np.float64(0.0)):
        with pytest.warns(dl.DomainWarning):
            g = dl.grad(f, method=method)(x)
        assert expected(g)
    with pytest.warns(dl.DomainWarning):
        assert expected(dl.prepare(f, 1.0, method=method).grad(0.0))


def test_a_static_array_changed_in_place_is_seen():
    x, mask = np.arange(1.0, 5.0), np.array([True, False, True, False])
    f = lambda x, m: dnp.sum(dnp.where(m, x, 0.0) ** 2)  # noqa: E731
    g = dl.grad(f)
    g(x, mask), g(x, mask)
    mask[:] = ~mask
    np.testing.assert_array_equal(g(x, mask), [0.0, 4.0, 0.0, 8.0])
    p = dl.prepare(f, x, mask)
    mask[:] = ~mask
    with pytest.raises(ValueError, match="baked into the graph"):
        p.grad(x, mask)


def test_other_dict_keys_take_the_general_path():
    f = lambda p: dnp.sum(list(p.values())[0] ** 2) + dnp.sum(list(p.values())[1])  # noqa: E731
    g = dl.grad(f)
    g({"a": np.ones(2), "b": np.ones(2)}), g({"a": np.ones(2), "b": np.ones(2)})
    got = g({"a": np.ones(2), "c": np.ones(2)})
    assert set(got) == {"a", "c"} and np.array_equal(got["a"], [2.0, 2.0])
    with pytest.raises(ValueError, match="prepared for arguments shaped"):
        dl.prepare(f, {"a": np.ones(2), "b": np.ones(2)}).grad({"a": np.ones(2), "c": np.ones(2)})


def test_results_are_the_callers_own():
    w = np.array([1.0, 2.0])
    g = dl.grad(lambda x: dnp.sum(x * w) + 0.5 * dnp.sum(x))  # the gradient is a constant of the graph
    for _ in range(3):  # interpreted, then compiled
        r = g(np.ones(2))
        np.testing.assert_array_equal(r, [1.5, 2.5])
        r *= 0.0
    assert dl.grad(lambda x: dnp.sum(x))(np.ones(3)).flags.writeable
    xs = np.ones((3, 2))
    assert dl.vmap(lambda x: x)(xs) is not xs
    np.testing.assert_array_equal(w, [1.0, 2.0])


def test_symbolic_sign_of_nan_is_nan():
    assert np.isnan(dl.grad(dnp.abs, method="symbolic")(float("nan")))
    np.testing.assert_array_equal(
        dl.grad(lambda x: dnp.sum(dnp.abs(x)), method="symbolic")(np.array([-3.0, 0.0, 2.0])), [-1.0, 0.0, 1.0]
    )


def test_symbolic_without_cse_too_deep_to_compile_is_a_clear_error(monkeypatch):
    """Without CSE the printed derivative nests as deep as the graph; Python cannot compile 205 levels
    (its parser's limit is 200 nested parentheses; the cost grows with the square of the depth)."""
    import difflab.compile.symbolic as code

    def f(x):
        for _ in range(205):
            x = dnp.sin(x)
        return x

    batch = []  # the NumPy code prints the same written-out tree: on main it was tried too (~2 CPU-s, issue 17)
    vectorize = code.vectorize
    monkeypatch.setattr(code, "vectorize", lambda *args, **kw: batch.append(1) or vectorize(*args, **kw))
    with pytest.raises(dl.NotDifferentiableError, match="nested too deep.*cse=True"):
        dl.grad(f, method=dl.Symbolic(cse=False))(0.3)
    assert batch == []
    assert abs(dl.grad(f, method="symbolic")(0.3) - dl.grad(f)(0.3)) < 1e-14


def test_an_unsupported_array_method_names_the_supported_ones():
    """Tracer's methods are installed on the class (no __getattr__, for speed): the trace says what it lacks."""
    with pytest.raises(
        AttributeError, match=r"traced values have no attribute 'tobytes'; the array methods .*difflab\.numpy\.METHODS"
    ):
        dl.grad(lambda x: len(x.tobytes()) * x.sum())(np.ones(3))
    with pytest.raises(AttributeError, match="no attribute 'tobytes'"):  # nested: said once, as it is
        dl.grad(lambda y: dl.grad(lambda x: len(x.tobytes()) * y * x.sum())(np.ones(3)).sum())(2.0)


def test_jaxs_names_difflab_spells_otherwise_say_which():
    # JAX's old top-level tree_map and ravel_pytree said only "module 'difflab' has no attribute"
    # (stop 64: dl.jit, dl.make_jaxpr, dl.tree_util are difflab's own now: tests/test_jaxnames64.py)
    with pytest.raises(AttributeError, match=r"no attribute 'tree_map'.*difflab\.tree_util\.tree_map"):
        dl.tree_map  # noqa: B018
    with pytest.raises(AttributeError, match=r"no attribute 'ravel_pytree'.*difflab\.flatten_util\.ravel_pytree"):
        dl.ravel_pytree  # noqa: B018
    assert dl.lax.stop_gradient is dl.stop_gradient  # (stop 63: dl.lax holds the collectives and stop_gradient)
    with pytest.raises(AttributeError, match=r"no attribute 'ppermute'; it has psum, .*associative_scan"):
        dl.lax.ppermute  # noqa: B018  (stop 64: associative_scan is dl.lax's)
    assert not hasattr(dl, "no_such_name")  # hasattr still answers False
