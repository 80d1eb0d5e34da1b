"""NumPy's ufunc keywords on difflab.numpy's functions that NumPy has as ufuncs and difflab writes in Python (abs,
conjugate, float_power, nextafter, modf, frexp, divmod, vecdot, ...): main refused out=None, where=True, dtype=,
casting=, order=, subok= (by keyword, or out's positional slot) on traced values, naming an internal front
("_abs_front() got an unexpected keyword argument 'out'"), and float_power's even on plain values. They take them
in one place (difflab/numpy/arrays.py `_ufunc_like`), as NumPy's: values, dtypes, and gradients as numeric's."""

import numpy as onp
import pytest

import difflab as dl
import difflab.numpy as np
from difflab.errors import UnsupportedOperationError

x = onp.array([0.3, -1.2, 2.0, 0.7])
y = onp.array([1.5, 0.4, -0.8, 2.2])

#: calls written once for NumPy (m = numpy) and difflab.numpy, each with a ufunc keyword NumPy takes
CALLS = {
    "abs(x, out=None)": lambda m, t: m.abs(t, out=None),
    "absolute(x, None)": lambda m, t: m.absolute(t, None),
    "conjugate(x, dtype=float)": lambda m, t: m.conjugate(t, dtype=float),
    "conj(x, where=True, order='K', subok=True)": lambda m, t: m.conj(t, where=True, order="K", subok=True),
    "float_power(x, 2.0, where=True)": lambda m, t: m.float_power(t, 2.0, where=True),
    "float_power(x, 3, casting='safe')": lambda m, t: m.float_power(t, 3, casting="safe"),
    "abs(x, dtype=float32)": lambda m, t: m.abs(t, dtype=onp.float32),
    "nextafter(x, y, out=None)": lambda m, t: m.nextafter(t, y, out=None) * 1.0,
    "modf(x, None, None)[0]": lambda m, t: m.modf(t, None, None)[0],
    "modf(x, out=(None, None))[0]": lambda m, t: m.modf(t, out=(None, None))[0],
    "frexp(x, None, None)[0]": lambda m, t: m.frexp(t, None, None)[0],
    "divmod(x, y, None, None)[1]": lambda m, t: m.divmod(t, y, None, None)[1],
    "vecdot(x, y, out=None)": lambda m, t: m.vecdot(t, y, out=None),
    "ldexp(x, 3, out=None)": lambda m, t: m.ldexp(t, 3, out=None),
}


@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
def test_ufunc_keywords_give_numpys_values_and_dtypes(call):
    want = CALLS[call](onp, x)
    for got in (CALLS[call](np, x), dl.jvp(lambda t: CALLS[call](np, t), (x,), (onp.ones(4),))[0]):
        assert onp.asarray(got).dtype == onp.asarray(want).dtype
        tol = 1e-6 if onp.asarray(want).dtype == onp.float32 else 1e-15
        onp.testing.assert_allclose(onp.asarray(got), want, rtol=tol, atol=0)


@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
def test_ufunc_keywords_differentiate_as_numeric_says(call):
    f = lambda t: np.sum(np.abs(CALLS[call](np, t)) ** 2)  # noqa: E731
    value, g = dl.value_and_grad(f, method="reverse")(x)
    assert float(value) == pytest.approx(float(onp.sum(onp.abs(CALLS[call](onp, x)) ** 2)), rel=1e-6)
    onp.testing.assert_allclose(g, dl.grad(f, method="numeric")(x), rtol=1e-5, atol=1e-7)


def test_an_array_out_or_a_where_mask_of_a_traced_value_is_refused_by_name():
    for call in [
        lambda t: np.abs(t, out=onp.zeros(4)),
        lambda t: np.conjugate(t, onp.zeros(4)),
        lambda t: np.float_power(t, 2.0, out=onp.zeros(4)),
        lambda t: np.modf(t, out=(None, onp.zeros(4)))[0],
    ]:
        with pytest.raises(UnsupportedOperationError, match=r"numpy\.\w+ was given out="):
            dl.grad(lambda t: np.sum(call(t)))(x)
    with pytest.raises(TypeError, match="numpy.float_power of a traced value takes no 'where' argument"):
        dl.grad(lambda t: np.sum(np.float_power(t, 2.0, where=t > 0)))(x)
    with pytest.raises(TypeError, match="would drop the derivative|Cannot cast|casting"):
        dl.grad(lambda t: np.sum(np.abs(t, dtype=int)))(x)
    out = onp.zeros(4)  # (plain values: NumPy's own, out= written, a where= mask honoured)
    assert np.float_power(x, 2.0, out=out, where=x > 0) is out
    onp.testing.assert_array_equal(out, onp.where(x > 0, x**2.0, 0.0))


def _ufunc_like_names():
    """difflab.numpy's Python functions whose NumPy namesake is a ufunc with a float64 loop (the probe)."""
    for name in sorted(dir(onp)):
        ufunc, fn = getattr(onp, name), getattr(np, name, None)
        if isinstance(ufunc, onp.ufunc) and callable(fn) and type(fn).__name__ == "function":
            if any(t.startswith("d" * ufunc.nin + "->") for t in ufunc.types):
                yield name


def test_every_ufunc_like_function_takes_numpys_default_keywords_on_traced_values():
    """The probe: each such function (abs, conj, float_power, nextafter, modf, frexp, divmod, ldexp, vecdot, spacing,
    ...) given out=None in out's positional slots, where=True, casting=, order= and subok= on a traced value: NumPy's
    value and dtype (main: refused, naming an internal front or Python's positional count)."""
    names = list(_ufunc_like_names())
    assert {"abs", "conjugate", "float_power", "nextafter", "modf", "frexp", "divmod", "vecdot"} <= set(names), names
    for name in names:
        ufunc, fn = getattr(onp, name), getattr(np, name)
        rest = (onp.array([2.0, 3.0, -1.0, 0.5]),)[: ufunc.nin - 1]
        keywords = {
            "casting": "same_kind",
            "order": "K",
            "subok": True,
            **({"where": True} if not ufunc.signature else {}),
        }
        rest = (onp.ones((4, 4)) if name == "vecmat" else rest[0],) if ufunc.signature else rest
        t0 = onp.ones((3, 4)) + x if name == "matvec" else x  # (matvec's first argument a matrix)
        want = ufunc(t0, *rest, *(None,) * ufunc.nout, **keywords)
        dtypes = []

        def f(t):
            out = fn(t, *rest, *(None,) * ufunc.nout, **keywords)  # noqa: B023
            dtypes.extend(o.dtype for o in (out if ufunc.nout > 1 else (out,)))
            return out

        got = dl.jvp(f, (t0,), (onp.ones(t0.shape),))[0]
        wants = want if ufunc.nout > 1 else (want,)
        assert dtypes == [w.dtype for w in wants], name
        for g, w in zip(got if ufunc.nout > 1 else (got,), wants):
            onp.testing.assert_allclose(onp.asarray(g), w, rtol=1e-15, atol=0, err_msg=name)
