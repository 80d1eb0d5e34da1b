"""difflab.numpy's signatures against NumPy's (and difflab.scipy's against SciPy's), walked systematically: every public
function's positional parameters must be NumPy's, in NumPy's order under NumPy's names, so that a call written for
NumPy (positionally or by keyword) reads each argument as NumPy reads it. Found by the walk (main): np.ma.array(x, int)
read int as the mask (every entry masked, a silent wrong value), np.ma.var(A, 0, None, None, 1) (out's slot) a bare
"'int' - 'NoneType'", np.fft.fft(x, None, -1, None, buf) ignored out silently (fft2's a bare traceback),
np.reshape(A, (3, 2), "F") a bare "int() argument must be ...", np.array(x) of a NumPy x was x itself (not a copy),
np.sum(a=A) (and 21 more of NumPy's names: a=, val=, array=, prototype=, tup=, object=) refused, np.choose's out slot,
np.take_along_axis's default axis, the nan-reductions' initial= and where=, concatenate/stack's dtype=, out=None of a
ufunc on traced values, scipy.linalg.solve_triangular's check_finite= refused; and np.sum(x, 0, None, c) / x.sum(out=c)
into a traced buffer refused since the reductions took out= themselves (test_edges60, test_mask58 failing on main);
np.sum(A, 0, np.float32) (and the other reductions' dtype=) of a NumPy A was float64, silently.
"""

import inspect

import numpy as onp
import pytest
import scipy.linalg
import scipy.special
import scipy.stats

import difflab as dl
import difflab.numpy as np
import difflab.numpy.ma as dma
import difflab.scipy.linalg as dsl
import difflab.scipy.special as dss
import difflab.scipy.stats as dst
from difflab.errors import UnsupportedOperationError

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)

#: NumPy's (SciPy's) positional parameters difflab's function does not take (a call giving them is refused, by
#: Python's "takes N positional arguments"), with the reason; a different name in NumPy's slot is never allowed
LEFT: dict = {}


def _walked():
    """(name, NumPy's positional names, difflab's, difflab takes *args) for every public difflab function with a
    namesake in NumPy (SciPy) that is no ufunc (ufuncs: test_ufuncs_take_out_none_positionally)."""
    pairs = [
        (np, onp, ""),
        (np.linalg, onp.linalg, "linalg."),
        (np.fft, onp.fft, "fft."),
        (dma, onp.ma, "ma."),
        (dss, scipy.special, "special."),
        (dsl, scipy.linalg, "scipy.linalg."),
        (dst, scipy.stats, "stats."),
    ]
    for ours, theirs, prefix in pairs:
        names = getattr(ours, "__all__", None) or [n for n in dir(ours) if not n.startswith("_")]
        for name in sorted(set(names)):
            fn, ref = getattr(ours, name, None), getattr(theirs, name, None)
            if fn is None or ref is None or fn is ref or not callable(fn) or isinstance(fn, type):
                continue
            if isinstance(ref, (type, onp.ufunc)) or type(ref).__name__ == "ufunc":
                continue
            try:
                sig_ref, sig = inspect.signature(ref), inspect.signature(fn)
            except (TypeError, ValueError):
                continue
            star = any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())
            yield (
                prefix + name,
                [n for n, p in sig_ref.parameters.items() if p.kind in _POSITIONAL],
                [n for n, p in sig.parameters.items() if p.kind in _POSITIONAL],
                star,
            )


def test_every_function_takes_numpys_positional_arguments_in_numpys_order():
    """The walk: in each of NumPy's positional slots difflab's function has NumPy's parameter (so np.max(A, 1, None,
    True) is keepdims, np.ma.array(x, int) a dtype) under NumPy's name (np.sum(a=A)); a function taking *args
    passes them on to NumPy's own reading (a pass-through) and is not read here."""
    compared, wrong = 0, []
    for name, theirs, ours, star in _walked():
        compared += 1
        if star:  # (a pass-through or a variadic front: np.reshape's x.reshape(2, 3), np.where's)
            continue
        slots = [(i, t, o) for i, (t, o) in enumerate(zip(theirs, ours)) if t != o]
        missing = tuple(t for t in theirs[len(ours) :] if t not in LEFT.get(name, ()))
        if slots or missing:
            wrong.append(f"{name}: NumPy's slots {slots} (slot, NumPy's, difflab's), not taken {missing}")
    assert compared > 450, compared  # (NumPy's, numpy.linalg's, fft's, ma's; SciPy's special, linalg and stats)
    assert not wrong, "\n".join(wrong)


def _same(got, want):
    got = got.filled() if hasattr(got, "filled") and not isinstance(got, onp.ndarray) else got
    want = onp.ma.filled(want) if isinstance(want, onp.ma.MaskedArray) else want
    assert onp.shape(got) == onp.shape(want)
    assert onp.asarray(got).dtype == onp.asarray(want).dtype
    tol = 1e-6 if onp.asarray(want).dtype == onp.float32 else 1e-14
    onp.testing.assert_allclose(onp.asarray(got), onp.asarray(want), rtol=tol, atol=tol)


A = onp.array([[0.5, 1.5, -2.0], [3.0, 0.25, 1.0]])
x = onp.array([0.3, -1.2, 2.0, 0.7])

#: calls NumPy takes, written once for NumPy (m = numpy) and difflab.numpy (m = difflab.numpy), on plain values
CALLS = {
    "ma.array(x, int)": lambda m: m.ma.array(x, int),  # (main: int read as the mask, every entry masked)
    "ma.array(x, None, False, None, mask)": lambda m: m.ma.array(x, None, False, None, [0, 1, 0, 0]).filled(0.0),
    "ma.var(A, 0, None, None, 1)": lambda m: m.ma.var(A, 0, None, None, 1),
    "ma.std(A, 1, None, None, 1, True)": lambda m: m.ma.std(A, 1, None, None, 1, True),
    "ma.mean(A, 0, None, None, True)": lambda m: m.ma.mean(A, 0, None, None, True),
    "ma.sum(A, 1, None, None, True)": lambda m: m.ma.sum(A, 1, None, None, True),
    "fft.fft2(A, (2, 2), (0, 1), 'ortho', None)": lambda m: m.fft.fft2(A, (2, 2), (0, 1), "ortho", None),
    "fft.rfft(x, 6, -1, None, None)": lambda m: m.fft.rfft(x, 6, -1, None, None),
    "choose(i, c, None, 'clip')": lambda m: m.choose(onp.array([0, 3]), [x[:2], x[2:]], None, "clip"),
    "reshape(A, (3, 2), 'F')": lambda m: m.reshape(A, (3, 2), "F"),
    "reshape(A, shape=(3, 2), order='F')": lambda m: m.reshape(A, shape=(3, 2), order="F"),
    "take_along_axis(x, i)": lambda m: m.take_along_axis(x, onp.array([2, 0])),
    "sum(a=A, axis=0)": lambda m: m.sum(a=A, axis=0),
    "mean(a=A)": lambda m: m.mean(a=A),
    "max(a=A, axis=1)": lambda m: m.max(a=A, axis=1),
    "amin(a=A)": lambda m: m.amin(a=A),
    "transpose(a=A)": lambda m: m.transpose(a=A),
    "swapaxes(a=A, axis1=0, axis2=1)": lambda m: m.swapaxes(a=A, axis1=0, axis2=1),
    "expand_dims(a=x, axis=0)": lambda m: m.expand_dims(a=x, axis=0),
    "squeeze(a=A[None])": lambda m: m.squeeze(a=A[None]),
    "ravel(a=A, order='F')": lambda m: m.ravel(a=A, order="F"),
    "imag(val=x)": lambda m: m.imag(val=x),
    "broadcast_to(array=x, shape=(2, 4))": lambda m: m.broadcast_to(array=x, shape=(2, 4)),
    "broadcast_to(x, (2, 4), False)": lambda m: m.broadcast_to(x, (2, 4), False),
    "hstack(tup=[x, x])": lambda m: m.hstack(tup=[x, x]),
    "vstack(tup=[x, x])": lambda m: m.vstack(tup=[x, x]),
    "array(object=x, ndmin=3)": lambda m: m.array(object=x, ndmin=3),
    "array(x, copy=True, order='C')": lambda m: m.array(x, copy=True, order="C"),
    "asarray(a=A, dtype=None, order='F')": lambda m: m.asarray(a=A, dtype=None, order="F"),
    "copy(A, 'F')": lambda m: m.copy(A, "F"),
    "shape(a=A)": lambda m: onp.array(m.shape(a=A)),
    "ndim(a=A)": lambda m: onp.array(m.ndim(a=A)),
    "empty_like(prototype=A).shape": lambda m: onp.array(m.empty_like(prototype=A).shape),
    "nansum(A, 0, None, None, False, 10.0)": lambda m: m.nansum(A, 0, None, None, False, 10.0),
    "nanmax(A, 1, None, False, 0.9, A < 2)": lambda m: m.nanmax(A, 1, None, False, 0.9, A < 2),
    "nanmin(A, where=A > 0, initial=5.0)": lambda m: m.nanmin(A, where=A > 0, initial=5.0),
    "nanprod(A, 0, None, None, True, 2.0)": lambda m: m.nanprod(A, 0, None, None, True, 2.0),
    "concatenate([x, x], 0, None, dtype=float32)": lambda m: m.concatenate([x, x], 0, None, dtype=onp.float32),
    "stack([x, x], 1, dtype=float32)": lambda m: m.stack([x, x], 1, dtype=onp.float32),
    "dot(x, x, None)": lambda m: onp.array(m.dot(x, x, None)),
    "outer(x, x, None)": lambda m: m.outer(x, x, None),
    "compress([1, 0, 1, 1], x, 0, None)": lambda m: m.compress([True, False, True, True], x, 0, None),
    # dtype= of a plain value: NumPy's result dtype (main: float64, silently)
    "sum(A, 0, float32)": lambda m: m.sum(A, 0, onp.float32),
    "mean(A, dtype=float32)": lambda m: m.mean(A, dtype=onp.float32),
    "var(A, 1, float32)": lambda m: m.var(A, 1, onp.float32),
    "cumsum(A, 1, float32)": lambda m: m.cumsum(A, 1, onp.float32),
    "nanmean(A, 0, float32)": lambda m: m.nanmean(A, 0, onp.float32),
    "trace(A, 0, 0, 1, float32)": lambda m: m.trace(A, 0, 0, 1, onp.float32),
    "hstack([x, x], dtype=float32)": lambda m: m.hstack([x, x], dtype=onp.float32),
    "vstack([A, A], dtype=float32)": lambda m: m.vstack([A, A], dtype=onp.float32),
}


@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
def test_numpys_calls_give_numpys_values_shapes_and_dtypes(call):
    _same(CALLS[call](np), CALLS[call](onp))


def test_array_of_a_numpy_array_is_a_copy():
    """np.array(x) of a plain x was x itself: the user's write into the copy changed x."""
    y = np.array(x)
    y[0] = 99.0
    assert x[0] == 0.3


def test_ma_array_reads_its_second_argument_as_the_dtype_on_traced_values():
    """np.ma.array(x, float) of a traced x: main read float as the mask (every entry masked: a sum of 0, gradient 0)."""
    f = lambda t: np.ma.array(t, float).sum() + np.ma.array(t, None, False, None, t > 0.5).sum()  # noqa: E731
    v, g = dl.value_and_grad(f)(x)
    assert float(v) == pytest.approx(x.sum() + x[x <= 0.5].sum(), rel=1e-15)
    onp.testing.assert_array_equal(g, 1.0 + (x <= 0.5))


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_fixed_calls_differentiate_as_numeric_says(method):
    """The calls fixed here on traced values: values as NumPy's, gradients as central differences."""
    calls = [
        lambda t: np.ma.var(t.reshape(2, 2), 0, None, None, 1).sum(),
        lambda t: np.ma.std(t.reshape(2, 2), 1, None, None, 0, True).sum(),
        lambda t: np.ma.mean(t.reshape(2, 2), 0, None, None, True).sum() * 3.0,
        lambda t: np.sum(np.abs(np.fft.fft2(t.reshape(2, 2), None, (0, 1), "ortho", None)) ** 2 * A[:, :2]),
        lambda t: np.sum(np.reshape(t, (2, 2), "F") * A[:, :2]),
        lambda t: np.sum(np.take_along_axis(t, onp.array([2, 0, 0])) ** 2),
        lambda t: np.sum(np.choose(onp.array([0, 5]), [t[:2], t[2:] ** 2], None, "clip")),
        lambda t: np.nansum(t, 0, None, None, False, 10.0) ** 2,
        lambda t: np.nanmax(t, 0, None, False, 0.5, t < 1.0) ** 2,
        lambda t: np.nanprod(t, 0, None, None, False, 2.0, t > 0.0),
        lambda t: np.sum(a=t**2, axis=0) + np.max(a=t) + np.mean(a=np.transpose(a=t)),
        lambda t: np.sum(np.exp(t, None)) + np.sum(np.multiply(t, t, out=None)),
    ]
    for f in calls:
        value, g = dl.value_and_grad(f, method=method)(x)
        assert float(value) == pytest.approx(float(f(x)), rel=1e-14)
        numeric = dl.grad(f, method="numeric")(x)
        onp.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-7)


def test_out_given_in_numpys_slot_is_refused_by_name_or_written_into_a_traced_buffer():
    """An array in out's slot: refused naming out= (main: fft ignored it silently, fft2 and choose bare
    tracebacks); np.sum(x, 0, None, c) and x.sum(0, None, c) into a traced c write c, as NumPy's (main: refused)."""
    for call in [
        lambda t: np.fft.fft(t, None, -1, None, onp.zeros(4, complex)),
        lambda t: np.fft.fft2(t.reshape(2, 2), None, (0, 1), None, onp.zeros((2, 2), complex)),
        lambda t: np.choose(onp.array([0, 1]), [t[:2], t[2:]], onp.zeros(2)),
        lambda t: np.dot(t, t, onp.zeros(())),
        lambda t: np.ma.var(t, 0, None, 1),  # (NumPy's out=1: main read it as ddof=1)
        lambda t: np.exp(t, onp.zeros(4)),
    ]:
        with pytest.raises((UnsupportedOperationError, TypeError), match="out="):
            dl.grad(lambda t: np.sum(call(t)).real)(x)

    def into(t):
        c = np.zeros_like(t.reshape(2, 2)[0])
        r = onp.sum(t.reshape(2, 2), 0, None, c)
        d = np.zeros_like(c)
        t.reshape(2, 2).sum(1, None, d)
        return np.sum(c**2) + np.sum(r) + np.sum(d**3)

    M = x.reshape(2, 2)
    want = (2 * M.sum(0) + 1)[None, :] + 3 * M.sum(1)[:, None] ** 2
    onp.testing.assert_allclose(dl.grad(into)(x), want.ravel(), rtol=1e-14)


def test_scipys_keywords_are_taken():
    """solve_triangular's overwrite_b/check_finite, solve_banded's, special.zeta's out=None: SciPy's signatures."""
    L = onp.array([[2.0, 0.0], [1.0, 3.0]])
    b = onp.array([1.0, 2.0])
    want = scipy.linalg.solve_triangular(L, b, 0, True, False, False, True)
    onp.testing.assert_allclose(dsl.solve_triangular(L, b, 0, True, False, False, True), want, rtol=1e-15)
    ab = onp.array([[2.0, 3.0], [1.0, 0.0]])
    want = scipy.linalg.solve_banded((1, 0), ab, b, False, False, True)
    onp.testing.assert_allclose(dsl.solve_banded((1, 0), ab, b, False, False, True), want, rtol=1e-15)
    onp.testing.assert_allclose(dss.zeta(3.0, None, None), scipy.special.zeta(3.0), rtol=1e-15)


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like", "full_like"])
def test_like_arrays_of_plain_values_keep_numpys_dtype(name):
    """difflab.numpy's *_like of a plain int array was float64 (NumPy's is int64: `full_like(ints, 2.5)` holds 2), of
    a float32 array float64 (NumPy's float32), found by users66."""
    extra = (2.5,) if name == "full_like" else ()
    for a in (onp.arange(3), onp.ones(2, onp.float32), [1, 2], 3, onp.ones((2, 2))):
        got, want = getattr(np, name)(a, *extra), getattr(onp, name)(a, *extra)
        assert got.dtype == want.dtype and got.shape == want.shape, (name, a)
        if name != "empty_like":
            onp.testing.assert_array_equal(got, want)
    assert getattr(np, name)(onp.arange(3), *extra, dtype=float).dtype == onp.float64
