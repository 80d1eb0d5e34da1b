"""astype68: `x.astype(<integer dtype>)` of a traced value is a recorded op (the registry's astype_int: NumPy's cast,
truncation toward zero, piecewise constant), as JAX's `jnp.floor(p).astype(int)` is a traced integer array. A
bilinear sampler gathering by `np.floor(p).astype(int)` is prepared, jitted and vmapped (main: refused by name, "its
trace is specialised to its input values (by astype(int64) of floor ...)"). Expected values are NumPy's, computed
here by hand: the interpolant's slopes in the cell floor(p) picks (at a grid line, floor's rule: the cell above)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ("symbolic", "numeric", "forward", "reverse")
IMG = (np.arange(20.0) ** 2 / 10).reshape(4, 5)  # (not linear: each cell has its own slopes)
P1, P2, EDGE = np.array([1.3, 2.6]), np.array([0.2, 3.4]), np.array([2.0, 1.5])  # (EDGE: on the line p0 = 2)


def bilinear(p):
    """The user's sampler, the gathers spelled dnp.take (IMG is a NumPy array: NumPy's own IMG[i] reads i's value)."""
    i = dnp.floor(p).astype(int)
    t = p - i
    row0, row1 = dnp.take(IMG, i[0], axis=0), dnp.take(IMG, i[0] + 1, axis=0)
    return (
        row0[i[1]] * (1 - t[0]) * (1 - t[1])
        + row1[i[1]] * t[0] * (1 - t[1])
        + row0[i[1] + 1] * (1 - t[0]) * t[1]
        + row1[i[1] + 1] * t[0] * t[1]
    )


def _by_hand(p):
    """Value and gradient of `bilinear` with NumPy: the cell's corners, its fractional weights, their slopes."""
    (i, j), (a, b) = np.floor(p).astype(int), p - np.floor(p)
    v00, v10, v01, v11 = IMG[i, j], IMG[i + 1, j], IMG[i, j + 1], IMG[i + 1, j + 1]
    value = v00 * (1 - a) * (1 - b) + v10 * a * (1 - b) + v01 * (1 - a) * b + v11 * a * b
    return value, np.array([(v10 - v00) * (1 - b) + (v11 - v01) * b, (v01 - v00) * (1 - a) + (v11 - v10) * a])


def _tol(method):
    return {"rtol": 1e-7, "atol": 1e-9} if method == "numeric" else {"rtol": 1e-12, "atol": 1e-12}


@pytest.mark.parametrize("method", METHODS)
def test_a_gather_by_floor_astype_int_is_prepared_and_answers_at_other_cells(method):
    """Main: dl.prepare refused ("specialised to its input values (by astype(int64) of floor")."""
    for p in (P1, P2, EDGE):
        value, grad = dl.value_and_grad(bilinear, method=method)(p)
        np.testing.assert_allclose((value, *grad), (*_by_hand(p)[:1], *_by_hand(p)[1]), **_tol(method))
    prepared = dl.prepare(bilinear, P1, method=method)
    for p in (P2, EDGE, P1):  # (other floors than the traced point's, then the traced one again)
        np.testing.assert_allclose(prepared.grad(p), _by_hand(p)[1], **_tol(method))


def test_jit_and_vmap_of_the_sampler_and_of_its_gradient():
    """Main: dl.jit and dl.vmap refused by name (the trace specialised by astype(int64))."""
    jitted, batch = dl.jit(bilinear), np.stack([P1, P2, EDGE])
    assert [jitted(p) for p in (P1, P2, EDGE)] == pytest.approx([_by_hand(p)[0] for p in batch], rel=1e-14)
    np.testing.assert_allclose(dl.vmap(bilinear)(batch), [_by_hand(p)[0] for p in batch], rtol=1e-14)
    np.testing.assert_allclose(dl.vmap(dl.grad(bilinear))(batch), [_by_hand(p)[1] for p in batch], rtol=1e-12)
    np.testing.assert_allclose(dl.jit(dl.grad(bilinear))(P2), _by_hand(P2)[1], rtol=1e-12)


X = np.array([-2.7, -0.5, 0.5, 1.9, 3.2])
SPELLINGS = {  # (the traced spelling, NumPy's)
    "x.astype(int)": (lambda x: x.astype(int), lambda x: x.astype(int)),
    "x.astype(np.int32)": (lambda x: x.astype(np.int32), lambda x: x.astype(np.int32)),
    "dnp.asarray(x, dtype=int)": (lambda x: dnp.asarray(x, dtype=int), lambda x: np.asarray(x, dtype=int)),
    "np.trunc(x).astype(int)": (lambda x: np.trunc(x).astype(int), lambda x: np.trunc(x).astype(int)),
    "(x * 3).astype(int)": (lambda x: (x * 3).astype(int), lambda x: (x * 3).astype(int)),
    "np.rint(x).astype(np.int64)": (lambda x: np.rint(x).astype(np.int64), lambda x: np.rint(x).astype(np.int64)),
    "(x * x).astype(np.uint8)": (lambda x: (x * x).astype(np.uint8), lambda x: (x * x).astype(np.uint8)),
    "np.argmax(x).astype(np.int32)": (lambda x: np.argmax(x).astype(np.int32), lambda x: np.argmax(x).astype(np.int32)),
}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_each_integer_cast_is_numpys_with_zero_derivative_and_reused_at_other_values(spelling):
    """NumPy's cast values and dtype (truncation toward zero), derivative 0: d/dx Σ x²·c(x) = 2x·c(x); the prepared
    graph answers at -x, whose casts differ. Main: the value read (prepare refused), argmax's int32 cast refused as
    a conversion to a Python number."""
    traced, plain = SPELLINGS[spelling]
    seen = []

    def f(x):
        c = traced(x)
        seen.append(c)
        return np.sum(x**2 * c)

    for method in ("forward", "reverse") if spelling != "x.astype(int)" else METHODS:
        np.testing.assert_allclose(dl.grad(f, method=method)(X), 2 * X * plain(X), **_tol(method))
    assert seen[0].dtype == plain(X).dtype and hasattr(seen[0], "node")  # (traced)
    assert np.asarray(seen[0].value).tolist() == np.asarray(plain(X)).tolist()
    np.testing.assert_allclose(dl.prepare(f, X).grad(-X), -2 * X * plain(-X), rtol=1e-14)


def test_a_nan_or_inf_cast_is_numpys_value_with_its_runtime_warning():
    """NumPy: int64's minimum for NaN and ±inf, with "invalid value encountered in cast"."""
    x = np.array([np.nan, 1.5, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = x.astype(int)
    seen = []

    def f(x):
        i = x.astype(int)
        seen.append(i)
        return x[1] * np.sum((i == i[1]) * 1.0 + (i < 0) * 10.0)

    with pytest.warns(RuntimeWarning, match="invalid value encountered in cast"), warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.DomainWarning)  # (x's inf: no gradient there, said apart)
        value = dl.value_and_grad(f)(x)[0]
    assert np.asarray(seen[0].value).tolist() == want.tolist() and value == 1.5 * 21


def test_a_python_int_of_the_cast_still_reads_its_value():
    """`range(n)` of a traced cast is Python's own int: the trace is specialised, prepare refuses by name."""

    def f(x):
        return sum(x[1] for _ in range(dnp.floor(x[0]).astype(int)))

    np.testing.assert_allclose(dl.grad(f)(np.array([3.5, 1.0])), [0.0, 3.0])
    with pytest.raises(ValueError, match=r"specialised to its input values .*range\(i\)"):
        dl.prepare(f, np.array([3.5, 1.0]))


def test_a_numpy_array_indexed_by_the_cast_names_dnp_take_not_astype():
    """The brief's spelling, IMG[i[0], i[1]] with IMG a NumPy array: NumPy's own indexing reads the cast's value
    (nothing can record it), so jit refuses naming that and difflab.numpy.take; the cast is no longer the reason."""

    def f(p):
        i = dnp.floor(p).astype(int)
        t = p - i
        return IMG[i[0], i[1]] * (1 - t[0]) + IMG[i[0] + 1, i[1] + 1] * t[0]

    i = np.floor(P1).astype(int)
    np.testing.assert_allclose(dl.grad(f)(P1), [IMG[i[0] + 1, i[1] + 1] - IMG[i[0], i[1]], 0.0], rtol=1e-14)
    with pytest.raises(ValueError, match=r"NumPy's own indexing.*difflab\.numpy\.take") as err:
        dl.jit(f)(P1)
    assert "by astype" not in str(err.value)
