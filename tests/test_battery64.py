"""Stop 64's bad-input and cross-feature battery: what it found wrong in jit, eval_shape, make_jaxpr, ravel_pytree,
tree_util, autograd's names, associative_scan, the collectives over several axis names and poch's slope, each
against a closed form, mpmath or NumPy's own value."""

import mpmath
import numpy as np
import pytest

import difflab as dl
import difflab.lax
import difflab.numpy as dnp
import difflab.scipy.linalg as dsl
import difflab.scipy.special as ds
from difflab.flatten_util import ravel_pytree
from difflab.tree_util import tree_structure, tree_unflatten

EXACT = ("symbolic", "forward", "reverse")


def test_jit_static_argument_left_to_its_default():
    # JAX's jit gives f's default to a static parameter the call leaves out (4.0 here); it was refused by name
    def f(x, k=2):
        return x * k

    assert dl.jit(f, static_argnames="k")(2.0) == 4.0
    assert dl.jit(f, static_argnums=1)(2.0) == 4.0
    assert dl.jit(f, static_argnums=1)(2.0, 3) == 6.0


@pytest.mark.filterwarnings("ignore:the numeric method differentiates the function itself")
def test_unravel_of_a_traced_vector_casts_integer_leaves():
    # the plain unravel casts an int leaf (as JAX's); the traced one kept 3.0, 4.5 (a sum of 7.5, not 7)
    def f(x):
        v, unravel = ravel_pytree([x, np.array([2, 3])])
        return dnp.sum(unravel(v * x)[1])

    expected = float(np.sum((1.5 * np.array([2.0, 3.0])).astype(np.int64)))  # 7
    for method in (*EXACT, "numeric"):
        value, slope = dl.value_and_grad(f, method=method)(1.5)
        assert (value, slope) == (expected, 0.0)
    assert dl.jit(f)(1.5) == expected  # (the cast reads no value: one graph for every x, as before)


@pytest.mark.parametrize("leaf", ["abc", "f8", object()])
def test_ravel_pytree_refuses_a_leaf_that_is_no_number(leaf):
    # a str leaf was read as a dtype's name by np.result_type ("f8": float64, then a cast error)
    with pytest.raises(TypeError, match="ravel_pytree: leaf 1 is a"):
        ravel_pytree([1.0, leaf])


def test_tree_unflatten_of_no_treedef():
    with pytest.raises(TypeError, match="tree_unflatten takes a treedef"):
        tree_unflatten([1, 2], [1.0])
    assert tree_unflatten(tree_structure((0.0, 0.0)), [1.0, 2.0]) == (1.0, 2.0)


@pytest.mark.parametrize("op", ["psum", "pmean", "pmax", "pmin"])
def test_collective_over_a_repeated_axis_name_is_refused(op):
    # psum(x, ("i", "i")) summed twice (9 for the rows 0, 1, 2), where JAX refuses the repeated axis
    reduce = getattr(dl.lax, op)
    with pytest.raises(ValueError, match="'i' is named twice"):
        dl.vmap(lambda x: reduce(x, ("i", "i")), axis_name="i")(np.arange(3.0))


def test_psum_of_a_python_int_over_several_axis_names():
    # JAX's idiom psum(1, names): the product of the axes' sizes (2·3), where a tuple was an "unbound axis name"
    inner = dl.vmap(lambda x: x * dl.lax.psum(1, ("i", "j")), axis_name="j")
    assert dl.vmap(inner, axis_name="i")(np.ones((2, 3))).tolist() == [[6.0] * 3] * 2


def test_associative_scan_axis_and_short_elems():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match="axis=2 is not an axis"):  # was a bare IndexError
        dl.lax.associative_scan(np.add, x, axis=2)
    one = np.array([1.5])
    out = dl.lax.associative_scan(np.add, one)
    assert out.tolist() == [1.5] and not np.shares_memory(out, one)  # was the input itself


@pytest.mark.parametrize("method", EXACT)
def test_holomorphic_grad_of_a_real_argument(method):
    # autograd's holomorphic_grad of a real x is f'(x) (with a warning); difflab gave a complex cotangent to a real
    # output and refused it
    x = np.array([0.3, -1.2])
    assert np.allclose(dl.holomorphic_grad(lambda z: dnp.sum(dnp.sin(z)), method=method)(x), np.cos(x), 0, 1e-15)


def test_autograd_names_argnum_and_vector():
    assert dl.elementwise_grad(lambda a, b: a * b, np.int64(1))(3.0, 2.0) == 3.0  # was "not iterable"
    with pytest.raises(TypeError, match="argnum must be an int or a tuple of ints, got 'b'"):
        dl.deriv(lambda a, b: a * b, "b")
    with pytest.raises(TypeError, match="takes fun's arguments and then the vector"):
        dl.tensor_jacobian_product(dnp.sin)(np.ones(2))  # was "missing 1 required positional argument: 'x'"


def test_eval_shape_follows_numpy_scalars_and_takes_keywords():
    x32 = dl.ShapeDtypeStruct((2,), np.float32)
    for k in (2, 2.0, True):  # a Python number is weak: float32 · 2 is float32 (NumPy's and JAX's), not float64
        assert dl.eval_shape(lambda a, k: a * k, x32, k).dtype == (np.ones(2, np.float32) * k).dtype
    assert dl.eval_shape(lambda a, k: a * k, x32, np.float64(2)).dtype == np.float64
    out = dl.eval_shape(lambda a, k=1: a * k, x32, k=dl.ShapeDtypeStruct((3, 1), np.float64))
    assert out == dl.ShapeDtypeStruct((3, 2), np.float64)


def test_make_jaxpr_takes_keywords_and_shape_dtype_structs():
    graph = dl.make_jaxpr(lambda x, n, k=1.0: x**n * k, static_argnums=1)(1.0, 3, k=np.ones(2))
    assert [(v.shape, v.dtype) for v in graph.inputs] == [((), np.float64), ((2,), np.float64)]
    assert dl.make_jaxpr(lambda x: x * 2)(dl.ShapeDtypeStruct((2,), np.float32)).inputs[0].dtype == np.float32


@pytest.mark.parametrize("z, m", [(-2.0, 2.0), (-1.0, -2.0), (-3.0, 1.0), (0.0, -1.0)])
def test_poch_slope_where_both_gammas_have_poles(z, m):
    # z and z + m both poles of Γ: poch is a polynomial's value there (poch(-3, 1) = -3, slope 1); ∂z was NaN
    slope = float(mpmath.diff(lambda t: mpmath.rf(t, m), z))
    curvature = float(mpmath.diff(lambda t: mpmath.rf(t, m), z, 2))
    for method in EXACT:
        assert dl.grad(lambda a: ds.poch(a, m), method=method)(z) == pytest.approx(slope, rel=1e-14, abs=1e-15)
        hess = dl.hessian(lambda a: ds.poch(a, m), method=method)(z)
        assert float(hess) == pytest.approx(curvature, rel=1e-14, abs=1e-14)


def test_all_gather_axis_outside_the_value_is_named():
    # were NumPy's bare AxisError ("axis 0 is out of bounds for array of dimension 0"), all_gather unnamed
    with pytest.raises(ValueError, match=r"all_gather\(axis=0, tiled=True\) of a value of shape \(\) \(one row's\)"):
        dl.vmap(lambda x: dl.lax.all_gather(x, "i", tiled=True), axis_name="i")(np.arange(3.0))
    with pytest.raises(
        ValueError, match=r"shape \(2,\) \(one row's\): axis 3 is out of bounds for array of dimension 2"
    ):
        dl.vmap(lambda x: dl.lax.all_gather(x, "i", axis=3), axis_name="i")(np.ones((3, 2)))
    gathered = dl.vmap(lambda x: dl.lax.all_gather(x, "i", axis=-2), axis_name="i")(np.arange(6.0).reshape(3, 2))
    assert gathered.shape == (3, 3, 2) and gathered[1].tolist() == np.arange(6.0).reshape(3, 2).tolist()


def test_scipy_solves_check_b_rows_by_scipy_layout():
    a = np.array([[4.0, 1.0], [0.5, 3.0]])
    b = np.arange(6.0).reshape(1, 2, 3)  # a stack of one (2, 3) right-hand side: SciPy's (1, 2, 3) answer
    x = dsl.solve(a, b)  # was refused: "needs b with 2 rows, got shape (1, 2, 3)"
    # (a residual of rounding, b up to 5: 1e-13, not 1e-15, whatever the BLAS)
    assert x.shape == (1, 2, 3) and np.allclose(a @ x[0], b[0], rtol=0, atol=1e-13)
    stack = np.stack([np.triu(a), np.triu(a) + 1.0])
    for call, name in [
        (lambda: dsl.solve_triangular(stack, np.ones((3, 2))), "solve_triangular: a of shape \\(2, 2, 2\\)"),
        (lambda: dsl.lu_solve(dsl.lu_factor(stack), np.ones(3)), "lu_solve: lu of shape \\(2, 2\\)"),
        (lambda: dsl.cho_solve(dsl.cho_factor(a @ a.T), np.ones(())), "cho_solve: c of shape \\(2, 2\\)"),
    ]:  # (were NumPy's matmul gufunc messages, naming no function)
        with pytest.raises(ValueError, match=name + " needs b with 2 rows"):
            call()
