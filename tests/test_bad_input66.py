"""Session 66's bad-input holes (issue 11; DESIGN.md §6), found by a walk from a user's side over difflab.numpy's
less-used functions given wrong arguments, Python's protocols on traced values, difflab.sparse.colour, the explorer's
point, dl.evaluate / dl.to_dot and difflab.nn, which the earlier batteries (tests/test_bad_input*.py) did not walk.
Each case was a wrong number (or shape), a silent acceptance, a bare traceback or an unclear message on main; NumPy
is the reference. Cheap: small arrays, no Hypothesis."""

import copy
import pickle
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
import difflab.sparse
from difflab.errors import TracerConversionError, UnsupportedOperationError

X = np.array([[0.5, 1.5, 2.5], [3.5, 4.5, 5.25]])


def traced(fn, x=X):
    """fn's value at x, computed on a traced x (the aux of a value_and_grad)."""
    (_, out), _ = dl.value_and_grad(lambda x: (0.0 * dnp.sum(x), fn(x)), has_aux=True)(x)
    return out


# -- wrong numbers: an out-of-range axis wrapped, a dtype dropped, mismatched axes summed ------------------------


@pytest.mark.parametrize("axis", [3, 5, -4])
def test_stack_refuses_an_axis_out_of_range_where_it_wrapped(axis):
    """np.stack([a, b], axis=5) of two (2, 3) arrays wrapped to axis 2 (and axis -4 to axis 2): a (2, 3, 2) array
    where NumPy raises AxisError, on plain and traced arrays alike."""
    with pytest.raises(np.exceptions.AxisError, match=rf"numpy.stack: axis {axis} is out of bounds .* dimension 3"):
        dnp.stack([X, X], axis=axis)
    with pytest.raises(np.exceptions.AxisError, match="numpy.stack"):
        traced(lambda x: dnp.stack([x, x], axis=axis))
    with pytest.raises(TypeError, match="numpy.stack: axis must be an int, got 1.5"):
        dnp.stack([X, X], axis=1.5)
    assert dnp.stack([X, X], axis=-1).shape == np.stack([X, X], axis=-1).shape == (2, 3, 2)
    with pytest.raises(TypeError, match="numpy.stack was given out="):  # (named "_stack_front()")
        traced(lambda x: dnp.stack([x, x], out=np.zeros((2, 2, 3))))
    assert traced(lambda x: dnp.stack([x, x], dtype=np.float32)).dtype == np.float32
    with pytest.raises(
        TypeError, match="numpy.stack: cannot cast array data from dtype\\('float64'\\) to dtype\\('int64'\\)"
    ):
        traced(lambda x: dnp.stack([x, x], dtype=int))


def test_a_series_derivative_refuses_an_axis_out_of_range():
    """numpy.polynomial.polynomial.polyder(c, axis=5) of a traced matrix was the derivative along axis 1."""
    poly = dnp.polynomial.polynomial
    with pytest.raises(np.exceptions.AxisError):
        dl.grad(lambda c: dnp.sum(poly.polyder(c, axis=5)))(X)
    with pytest.raises(np.exceptions.AxisError):
        dl.grad(lambda c: dnp.sum(poly.polyint(c, axis=-3)))(X)
    np.testing.assert_array_equal(dl.grad(lambda c: dnp.sum(poly.polyder(c, axis=1)))(X), [[0, 1, 2], [0, 1, 2]])


@pytest.mark.parametrize("make", [dnp.asarray, dnp.array], ids=["asarray", "array"])
def test_asarray_of_a_traced_value_honours_its_dtype(make):
    """np.asarray(x, dtype=int) of a traced x was x itself: its floats, and the derivative 2x of sum(asarray(x, int)
    * x) where NumPy's int(x) * x has int(x)."""
    np.testing.assert_array_equal(dl.grad(lambda x: dnp.sum(make(x, dtype=int) * x))(X), [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(traced(lambda x: make(x, dtype=int)), [[0, 1, 2], [3, 4, 5]])
    assert traced(lambda x: make(x, dtype=np.float32)).dtype == np.float32
    pair = dl.grad(lambda x: dnp.sum(make([x[0, 0], x[0, 1]], dtype=int) * x[0, :2]))(X)
    np.testing.assert_array_equal(pair, [[0, 1, 0], [0, 0, 0]])


def test_tensordot_refuses_summed_axes_of_other_lengths():
    """a (2, 3) against b (3, 2) over both axes each was reshaped to 6 entries and summed pairwise: 55.0 where NumPy
    refuses ("shape-mismatch for sum"); a tensor_jacobian_product of a vector of the wrong length said only
    "cannot reshape an array of shape (2, 3) (size 6) into shape (3, 3)"."""
    a, b = np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match=r"tensordot: shape-mismatch for sum: a's axes \(0, 1\) have lengths \(2, 3\)"):
        dnp.tensordot(a, b, axes=([0, 1], [0, 1]))
    with pytest.raises(ValueError, match="tensordot: shape-mismatch for sum"):
        dl.grad(lambda a: dnp.tensordot(a, b, axes=([0, 1], [0, 1])))(a)
    with pytest.raises(ValueError, match="tensordot: shape-mismatch for sum"):
        dl.tensor_jacobian_product(lambda x: x * 2.0)(a, np.ones(3))
    with pytest.raises(ValueError, match="tensordot: duplicate axes"):
        dnp.tensordot(a, b, axes=([0, 0], [0, 1]))
    with pytest.raises(TypeError, match="tensordot: axes must be an int or a pair"):
        dnp.tensordot(a, b, axes=1.5)
    with pytest.raises(ValueError, match=r"tensordot: axes=2 sums over a's last 2 axes .* b \(4,\)"):
        traced(lambda x: dnp.tensordot(x, np.ones(4)))  # (was "axis 1 is out of bounds for array of dimension 1")
    assert (
        dnp.tensordot(a, b, axes=([1, 0], [0, 1])) == np.tensordot(a, b, axes=([1, 0], [0, 1])) == 50.0
    )  # (trace(a @ b); the mismatched pairing summed to 55)
    np.testing.assert_array_equal(dl.grad(lambda a: dnp.tensordot(a, b, axes=([1, 0], [0, 1])))(a), b.T)


@pytest.mark.parametrize("fn", ["polyadd", "polysub", "polymul", "polyder", "polyint"])
def test_a_polynomial_of_a_matrix_of_coefficients_is_refused(fn):
    """ravel made a (2, 3) matrix one polynomial of 6 coefficients: a (6,)-shaped sum where NumPy's polyadd of two
    is (2, 3) and its polyder (1, 3), and NumPy's polymul refuses."""
    args = (X, X[0]) if fn in ("polyadd", "polysub", "polymul") else (X,)
    with pytest.raises(ValueError, match=rf"numpy.{fn}: a polynomial's coefficients are one 1-D array, got shape"):
        getattr(dnp, fn)(*args)
    v = X[0]
    one = (v, v) if len(args) == 2 else (v,)
    np.testing.assert_allclose(getattr(dnp, fn)(*one), getattr(np, fn)(*one))


def test_vdot_and_vecdot_refuse_arguments_of_other_lengths():
    """vdot(x, 2.0) and vecdot(x, [2.0]) broadcast the scalar (the length-1 axis) over the summed axis: 2·Σx where
    NumPy refuses both (vdot needs equal sizes, vecdot one core length)."""
    with pytest.raises(ValueError, match=r"numpy.vdot: a of shape \(2, 3\) and b of shape \(\) differ in size"):
        traced(lambda x: dnp.vdot(x, 2.0))
    with pytest.raises(ValueError, match=r"numpy.vecdot: the summed axis -1 must be in both .* \(2, 3\) and \(1,\)"):
        traced(lambda x: dnp.vecdot(x, np.ones(1)))
    with pytest.raises(ValueError, match="numpy.vecdot"):
        traced(lambda x: dnp.vecdot(x, 2.0))
    np.testing.assert_allclose(traced(lambda x: dnp.vecdot(x, np.arange(3.0))), np.vecdot(X, np.arange(3.0)))
    np.testing.assert_allclose(traced(lambda x: dnp.vecdot(x, np.ones((2, 1)), axis=0)), [4.0, 6.0, 7.75])
    assert traced(lambda x: dnp.vdot(x, x.T)) == np.vdot(X, X.T)


def test_resize_and_pad_refuse_negative_and_float_sizes():
    """resize(x, -1) gave an empty array and pad(x, 1.5) padded by 1 (dtype=int truncated it), silently; pad(x, -1)
    said "negative dimensions are not allowed"."""
    with pytest.raises(ValueError, match=r"numpy.resize: new_shape must be ints >= 0, got \(-1,\)"):
        traced(lambda x: dnp.resize(x, -1))
    with pytest.raises(TypeError, match="numpy.pad: pad_width must be of integral type, got 1.5"):
        traced(lambda x: dnp.pad(x, 1.5))
    with pytest.raises(ValueError, match="numpy.pad: pad_width must be >= 0"):
        traced(lambda x: dnp.pad(x, ((1, -2), (0, 1))))
    np.testing.assert_array_equal(traced(lambda x: dnp.resize(x, np.int64(4))), np.resize(X, 4))
    assert traced(lambda x: dnp.pad(x, np.array([1, 2]))).shape == (5, 6)


# -- silent acceptances and bare tracebacks: split, roll, float axes -----------------------------------------------


def test_a_repeated_axis_is_refused():
    """np.flip(x, (0, 0)) flipped once, np.mean(x, axis=(1, 1)) and sum(x, axis=(0, -2)) said only NumPy's message
    from inside the equation; NumPy refuses a repeated axis."""
    for call in (lambda x: dnp.flip(x, (0, 0)), lambda x: dnp.mean(x, axis=(1, 1)), lambda x: dnp.sum(x, (0, -2))):
        with pytest.raises(ValueError, match=r"names an axis twice \(duplicate axes\)"):
            traced(call)
    np.testing.assert_array_equal(traced(lambda x: dnp.flip(x, (0, 1))), X[::-1, ::-1])


def test_split_refuses_no_sections_and_float_indices():
    """split(x, -1) gave no pieces, split(x, 0) "integer modulo by zero", float indices were truncated; a NumPy
    integer count was read as a list ("'numpy.int64' object is not iterable"); dsplit of a matrix said "tuple index
    out of range"."""
    for k in (-1, 0):
        with pytest.raises(ValueError, match=f"the number of sections must be larger than 0, got {k}"):
            dnp.split(X, k)
        with pytest.raises(ValueError, match="larger than 0"):
            traced(lambda x: dnp.array_split(x, k))
    with pytest.raises(TypeError, match="indices_or_sections must be an int .* or a 1-D sequence of int indices"):
        dnp.split(X, np.ones(2))
    assert [p.shape for p in dnp.split(X, np.int64(2))] == [(1, 3), (1, 3)]
    assert [p.shape for p in traced(lambda x: dnp.split(x, np.array([1]), axis=1))] == [(2, 1), (2, 2)]
    with pytest.raises(
        ValueError, match=r"numpy.dsplit only works on arrays of 3 or more dimensions, got shape \(2, 3\)"
    ):
        traced(lambda x: dnp.dsplit(x, 2))
    with pytest.raises(ValueError, match="numpy.vsplit only works on arrays of 2 or more dimensions"):
        dnp.vsplit(X[0], 1)


def test_roll_by_an_empty_or_a_float_shift():
    """roll(x, []) divided by zero (NumPy: no shift); roll(x, 1.5) said "'float' object is not iterable"."""
    np.testing.assert_array_equal(traced(lambda x: dnp.roll(x, [])), X)
    with pytest.raises(TypeError, match="numpy.roll: shift must be an int or a sequence of ints, got 1.5"):
        traced(lambda x: dnp.roll(x, 1.5))
    np.testing.assert_array_equal(
        traced(lambda x: dnp.roll(x, np.array([1, 2]), axis=(0, 1))), np.roll(X, (1, 2), (0, 1))
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda x: dnp.median(x, axis=1.5),
        lambda x: dnp.nanmedian(x, axis=1.5),
        lambda x: dnp.diff(x, axis=1.5),
        lambda x: dnp.expand_dims(x, 1.5),
        lambda x: dnp.round(x, 1.5),
    ],
    ids=["median", "nanmedian", "diff", "expand_dims", "round"],
)
def test_a_float_axis_or_digit_count_is_refused_not_truncated(call):
    """int(1.5) made axis 1 (round: 1 digit), silently, where NumPy raises TypeError."""
    with pytest.raises(TypeError, match="must be an int"):
        traced(call)


def test_out_arguments_are_refused_naming_the_function():
    """abs and conjugate of a traced value given out= (or a second positional array) named difflab's internal
    front ("_abs_front() got an unexpected keyword argument 'out'"); round's named Python's round; nanmedian's and
    nanpercentile's named nanquantile, percentile's quantile."""
    with pytest.raises(UnsupportedOperationError, match="abs was given out="):
        traced(lambda x: dnp.abs(x, out=x))
    with pytest.raises(UnsupportedOperationError, match="absolute was given out="):  # (out=None: NumPy's, taken)
        traced(lambda x: dnp.absolute(x, x))
    with pytest.raises(UnsupportedOperationError, match="conjugate was given out="):
        traced(lambda x: dnp.conjugate(x, out=x))
    with pytest.raises(TypeError, match="numpy.absolute of a traced value takes no 'where' argument"):
        traced(lambda x: dnp.absolute(x, where=x > 1))
    out = np.zeros(3)  # (plain arrays: NumPy's own call, out= written)
    assert dnp.abs(np.array([-1.0, 2.0, -3.0]), out=out) is out and out.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(TypeError, match="numpy.round was given out="):
        traced(lambda x: dnp.round(x, out=x))
    for fn, args in (("nanmedian", ()), ("nanpercentile", (50,)), ("percentile", (50,))):
        with pytest.raises(ValueError, match=f"^{fn} takes no out="):
            traced(lambda x: getattr(dnp, fn)(x, *args, out=x))


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_a_nan_constant_computed_in_f_is_said(method):
    """x + np.sqrt(-1.0): sqrt of a number, computed before the trace sees it, under the trace's watch of NumPy's
    flags, so NumPy's own warning was swallowed and no equation left a domain: (nan, nan) without a word."""
    with pytest.warns(dl.DomainWarning, match=r"NaN from a NaN constant in `v1 = add\(v0, nan\)`") as caught:
        value, g = dl.value_and_grad(lambda x: x + dnp.sqrt(-1.0), method=method)(2.0)
    assert np.isnan(value) and np.isnan(g) and len(caught) == 1
    with pytest.warns(dl.DomainWarning, match="NaN from a NaN constant"):
        assert np.isnan(dl.jvp(lambda x: x * dnp.log(-1.0), (2.0,), (1.0,), method=method)[1])
    with warnings.catch_warnings():  # (a NaN input's NaN value needs no word, as before)
        warnings.simplefilter("error")
        assert np.isnan(dl.value_and_grad(lambda x: x + dnp.sqrt(-1.0), method=method)(np.nan)[0])


def test_copyto_of_none_is_refused_as_numpys():
    """np.copyto(x, None) wrote NaN into a traced x (np.result_type(None) is float64) where NumPy refuses."""
    with pytest.raises(TypeError, match="Cannot cast array data from dtype\\('O'\\)"):
        dl.grad(lambda x: (dnp.copyto(x, None), dnp.sum(x))[1])(X.copy())


# -- Python's protocols on traced values --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_python_protocols_on_traced_values(method):
    """f"{loss:.3f}" said "unsupported format string passed to Tracer.__format__"; copy.deepcopy of a params dict
    "cannot pickle 'PyCapsule' object"; divmod "unsupported operand type(s) for divmod()"."""
    x = np.array([1.0, 2.0])
    shown = []
    g = dl.grad(lambda x: (shown.append(f"{dnp.sum(x):.3f}|{x[1]:>6.1f}"), dnp.sum(x**2))[1], method=method)(x)
    assert shown == ["3.000|   2.0"] and np.allclose(g, [2.0, 4.0])
    g = dl.grad(lambda p: dnp.sum(copy.deepcopy(p)["w"] ** 2), method=method)({"w": x})
    np.testing.assert_allclose(g["w"], [2.0, 4.0], rtol=1e-6)
    written = dl.grad(lambda x: (lambda c: (c.__setitem__(0, 0.0), dnp.sum(c * x))[1])(copy.deepcopy(x)), method=method)
    np.testing.assert_allclose(written(x), [0.0, 4.0], rtol=1e-6, atol=1e-9)  # (the copy written, x not)
    np.testing.assert_allclose(dl.grad(lambda x: dnp.sum(divmod(x, 0.75)[1]), method=method)(x), [1.0, 1.0])
    np.testing.assert_allclose(dl.grad(lambda x: dnp.sum(divmod(3.0, x)[1]), method=method)(x), [-3.0, -1.0])


def test_reshaping_or_deleting_in_place_is_named():
    """x.shape = (2, 1) said "property 'shape' of 'Tracer' object has no setter", del x[0] "'Tracer' object has no
    attribute '__delitem__'"."""
    with pytest.raises(AttributeError, match=r"x.shape = \(2, 1\): a traced value is not reshaped in place"):
        dl.grad(lambda x: (setattr(x, "shape", (2, 1)), dnp.sum(x))[1])(np.ones(2))
    with pytest.raises(ValueError, match="cannot delete array elements; numpy.delete"):
        dl.grad(lambda x: (x.__delitem__(0), dnp.sum(x))[1])(np.ones(2))


def test_pickling_a_traced_value_is_named():
    with pytest.raises(TracerConversionError, match=r"pickling a traced value \(v0: f64\[2\]"):
        dl.grad(lambda x: dnp.sum(pickle.loads(pickle.dumps(x))))(np.array([1.0, 2.0]))


# -- difflab.sparse.colour, the explorer's point, evaluate, to_dot, difflab.nn -------------------------------------


@pytest.mark.parametrize(
    "args, error, message",
    [
        (([0], [0], (1, 1), "diag"), ValueError, "by must be 'columns' or 'rows', got 'diag'"),  # (was columns)
        (([5], [0], (1, 1)), ValueError, r"rows must lie in \[0, 1\) for shape \(1, 1\), got 5..5"),
        (([-1], [0], (1, 1)), ValueError, r"rows must lie in \[0, 1\)"),  # (was accepted, wrapping)
        (([0], [0, 0], (1, 1)), ValueError, "so they need one length, got 1 and 2"),
        (([0.5], [0], (1, 1)), TypeError, "rows must be a 1-D array of integer indices, got float64"),
        (([0], [0], (1,)), ValueError, r"shape must be a pair \(m, n\) of ints >= 0, got \(1,\)"),
    ],
)
def test_sparse_colour_checks_its_pattern(args, error, message):
    rows, cols, shape, *by = args
    with pytest.raises(error, match=f"colour: .*{message}"):
        difflab.sparse.colour(np.asarray(rows), np.asarray(cols), shape, *by)


def test_sparse_colour_still_colours():
    rows, cols = np.array([0, 1, 1]), np.array([0, 0, 1])
    assert difflab.sparse.colour(rows, cols, (2, 2)).tolist() == [0, 1]
    assert difflab.sparse.colour(rows, cols, (2, 2), by="rows").tolist() == [0, 1]
    assert difflab.sparse.colour([], [], (2, 3)).tolist() == [0, 0, 0]


def test_explore_point_of_a_huge_integer():
    """A JSON integer past float64's range was Python's bare "int too large to convert to float"."""
    from difflab.explore.model import ExploreError, explore

    with pytest.raises(ExploreError, match="is not a finite number"):
        explore("x^2", at={"x": 10**400})


def test_evaluate_env_and_to_dot_name():
    """evaluate(g, x, env="a") said "'str' object does not support item assignment"; to_dot(g, name='a"b;}') wrote
    the name into the DOT text as it was, ending the graph early."""
    g = dl.trace(lambda x: x * 2.0, np.ones(2))
    with pytest.raises(TypeError, match="evaluate's env must be a dict"):
        dl.evaluate(g, np.ones(2), env="a")
    assert dl.to_dot(g, name='a"b;} x').splitlines()[0] == 'digraph "a\\"b;} x" {'
    assert dl.to_dot(g, name="my_graph").splitlines()[0] == "digraph my_graph {"
    with pytest.raises(TypeError, match="to_dot's name must be a str"):
        dl.to_dot(g, name=3)


def test_nn_optimizer_class_and_dataset_seed():
    """train(optimizer=nn.SGD), the class, said "SGD.init() missing 1 required positional argument: 'params'";
    load_dataset(seed='a') NumPy's "SeedSequence expects int or sequence of ints for entropy not a"."""
    from difflab import nn

    data = nn.Dataset("tiny", X, np.array([0, 1]), X, np.array([0, 1]))
    with pytest.raises(TypeError, match=r"got the class SGD: make one, such as SGD\(lr=0.01\)"):
        nn.train(nn.MLP([3, 2]), data, optimizer=nn.SGD, epochs=1)
    with pytest.raises(ValueError, match="seed must be a non-negative int or None, got 'a'"):
        nn.load_dataset("moons", seed="a")


@pytest.mark.parametrize("argv", [["check", "mod:f", "--at", "x=1", "--rtol", "-1"], ["run", "cost_scaling", "-z"]])
def test_cli_tells_of_expressions_only_where_a_command_takes_one(argv, capsys):
    """`difflab check mod:f --at x=1 --rtol -1` (check has no --rtol, nor any expression) and `difflab run ... -z`
    were told "an expression that starts with '-' needs a space or parentheses before it"."""
    from difflab.cli import main

    with pytest.raises(SystemExit) as raised:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert raised.value.code == 2 and "unrecognized arguments" in err and "expression" not in err, err
