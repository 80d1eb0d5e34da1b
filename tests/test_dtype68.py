"""NumPy 2.4's dtype= and keepdims= where difflab refused or ignored them (dtype68): an integer dtype= of var, std,
nanvar, nanstd and trace on plain data (NumPy's own values and dtypes; a traced value's refused by name), trace and
cumprod of lists, matvec/vecmat/matmul's keepdims= refused in NumPy's words, einsum's dtype= under NumPy's casting rule.
NumPy's values are computed by NumPy in the test on plain arrays."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

A = np.arange(12.0).reshape(3, 4) / 7 * 5
X = np.array([1.2, 2.5, 3.9])


def _same(got, want):
    assert np.asarray(got).dtype == np.asarray(want).dtype
    assert type(got) is type(want)
    np.testing.assert_array_equal(got, want)


def _outcome(f):
    try:
        return f(), None
    except Exception as e:  # noqa: BLE001 (the refusal itself is compared)
        return None, (type(e), str(e))


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("x", [A, [[1.5, 2.5], [7.0, 9.0]], np.arange(6).reshape(2, 3)], ids=["f64", "list", "int"])
@pytest.mark.parametrize("kw", [{}, {"axis": 0}, {"ddof": 1}], ids=["all", "axis0", "ddof1"])
def test_statistic_integer_dtype_of_plain_data_is_numpys(name, dtype, x, kw):
    # (NumPy's own errors too: np.std's sqrt of an integer array, nanvar's "dtype must be inexact")
    want, want_err = _outcome(lambda: getattr(np, name)(x, dtype=dtype, **kw))
    got, got_err = _outcome(lambda: getattr(dnp, name)(x, dtype=dtype, **kw))
    assert got_err == want_err
    if want_err is None:
        _same(got, want)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8])
@pytest.mark.parametrize("x", [A * 3, [[1.5, 2.0], [3.0, 4.7]], np.arange(9).reshape(3, 3)], ids=["f64", "list", "int"])
def test_trace_integer_dtype_and_lists_are_numpys(dtype, x):
    _same(dnp.trace(x, dtype=dtype), np.trace(x, dtype=dtype))
    _same(dnp.trace(x), np.trace(x))  # (a list was a TypeError: list indices must be integers)
    _same(dnp.trace(x, 1, dtype=np.float64), np.trace(x, 1, dtype=np.float64))


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd", "trace"])
def test_integer_dtype_of_a_traced_value_is_refused_by_name(name):
    # an integer result has no derivative (JAX's grad refuses an integer output): refused naming the function
    def f(v):
        x = dnp.outer(v, v) if name == "trace" else v
        return getattr(dnp, name)(x, dtype=np.int32) * 1.0

    with pytest.raises(ValueError, match=rf"numpy\.{name}\(\.\.\., dtype=int32\) would drop the derivative"):
        dl.grad(f)(X)
    # a plain array inside the traced function: NumPy's own answer (60, 7, 60, 7, 36), a constant
    b = np.arange(9).reshape(3, 3) * 3
    want = getattr(np, name)(b, dtype=np.int64)
    value, grad = dl.value_and_grad(lambda v: dnp.sum(v) + getattr(dnp, name)(b, dtype=np.int64))(X)
    assert value == np.sum(X) + want and grad.tolist() == [1.0, 1.0, 1.0]


def test_trace_and_cumprod_of_lists_of_traced_values():
    got = dl.grad(lambda v: dnp.trace([[v[0], v[1]], [v[2], v[0] * v[1]]]))(X)
    np.testing.assert_allclose(got, [1.0 + X[1], X[0], 0.0], rtol=1e-15)
    got = dl.grad(lambda v: dnp.sum(dnp.cumprod([v[0], v[1], v[2]])))(X)
    a, b, c = X
    np.testing.assert_allclose(got, [1 + b + b * c, a + a * c, a * b], rtol=1e-15)
    for x in ([1.5, 2.25, 3.1], (1.1, 2.2), [[1.0, 2.0], [3.0, 4.5]]):
        _same(dnp.cumprod(x), np.cumprod(x))
        _same(dnp.cumprod(x, dtype=np.float64), np.cumprod(x, dtype=np.float64))
        _same(dnp.cumprod(x, dtype=np.int64), np.cumprod(x, dtype=np.int64))


_M, _V, _W = np.arange(6.0).reshape(2, 3), np.array([1.0, -2.0, 0.5]), np.array([0.5, 3.0])


@pytest.mark.parametrize("name", ["matvec", "vecmat", "matmul"])
@pytest.mark.parametrize("keepdims", [True, False])
def test_gufunc_keepdims_refused_in_numpys_words(name, keepdims):
    def args(m):
        return (_W, m) if name == "vecmat" else (m, _V)

    _, want = _outcome(lambda: getattr(np, name)(*args(_M), keepdims=keepdims))
    assert want is not None and want[0] is TypeError and "does not support keepdims" in want[1]
    calls = [
        lambda: getattr(dnp, name)(*args(_M), keepdims=keepdims),
        lambda: dl.grad(lambda m: dnp.sum(getattr(dnp, name)(*args(m), keepdims=keepdims)))(_M),
        lambda: dl.grad(lambda m: dnp.sum(getattr(np, name)(*args(m), keepdims=keepdims)))(_M),
    ]
    for call in calls:
        assert _outcome(call)[1] == want
    # vecdot takes it (its signature (n),(n)->()), as NumPy's
    np.testing.assert_array_equal(dl.grad(lambda v: dnp.sum(np.vecdot(v, v, keepdims=True)))(X), 2 * X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128, np.int64, np.float16])
@pytest.mark.parametrize("casting", ["safe", "same_kind", "unsafe", "no"])
def test_einsum_dtype_under_numpys_casting_rule(dtype, casting):
    want, want_err = _outcome(lambda: np.einsum("ij->i", A, dtype=dtype, casting=casting))
    got, got_err = _outcome(lambda: dnp.einsum("ij->i", A, dtype=dtype, casting=casting))
    assert got_err == want_err
    if want_err is None:
        _same(got, want)
    # traced float64 operands: NumPy's refusal in its words, else NumPy's dtype (an integer one refused by name)
    want, want_err = _outcome(lambda: np.einsum("i,i->", X, X, dtype=dtype, casting=casting))
    got, got_err = _outcome(lambda: dl.jit(lambda v: dnp.einsum("i,i->", v, v, dtype=dtype, casting=casting))(X))
    if want_err is None and np.dtype(dtype).kind in "iu":
        assert got_err is not None and "would drop the derivative" in got_err[1]
    else:
        assert got_err == want_err
    if want_err is None and got_err is None:
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_allclose(got, want, rtol=1e-3 if dtype == np.float16 else 1e-6)


def test_einsum_float32_of_float64_refused_through_numpys_dispatch():
    msg = "Iterator operand 0 dtype could not be cast from dtype('float64') to dtype('float32') according to the rule 'safe'"
    with pytest.raises(TypeError) as err:
        dl.grad(lambda v: np.einsum("i,i->", v, v, dtype=np.float32))(X)
    assert str(err.value) == msg
    np.testing.assert_array_equal(dl.grad(lambda v: np.einsum("i,i->", v, v, dtype=np.float64))(X), 2 * X)


def test_complex128_of_a_float32_trace_is_complex128():
    # NumPy's x.astype(np.complex128) and einsum(..., dtype=np.complex128) of float32 x are complex128 (were complex64:
    # the trace's x + 0j is already complex128 inside, so no cast was recorded for the boundary to read)
    x32 = X.astype(np.float32)
    for f in (
        lambda v: v.astype(np.complex128),
        lambda v: dnp.einsum("i,i->", v, v, dtype=np.complex128),
        lambda v: dnp.sum(v).astype(np.complex128),
    ):
        got = dl.jit(f)(x32)
        assert np.asarray(got).dtype == np.complex128
        np.testing.assert_allclose(got, f(x32), rtol=1e-6)
    assert dl.jit(lambda v: v.astype(np.complex64))(x32).dtype == np.complex64
    np.testing.assert_allclose(dl.grad(lambda v: dnp.real(dnp.sum(v.astype(np.complex128) ** 2)))(x32), 2 * x32)
