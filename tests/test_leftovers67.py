"""What stop 66's bad-input and signature walks left (leftovers67): NumPy's keyword-only parameters walked (every one
taken by name or listed with its reason; nanvar/nanstd's where=/mean=/correction=, nanmean's where=, np.ma var/std's
mean=, the joins' casting=, *_like's device=, cov/corrcoef's dtype= and ddof=), where= masks read as NumPy reads them
(an int array refused, a list taken; difflab.nn's too), the symbolic method's −0.0 constants (SymPy has none: its
arctan2(x, −0.0) was π/2 at 0, NumPy's π), three-argument pow, a numeric step that overflows f, and dl.jvp's integer
outputs (np.frexp's exponent int32, as NumPy's and JAX x64's)."""

import inspect
import warnings

import numpy as onp
import pytest

import difflab as dl
import difflab.nn as nn
import difflab.numpy as np
import difflab.numpy.ma as dma
from difflab.errors import NumericAccuracyWarning

A = onp.array([[1.0, onp.nan, 3.0], [4.0, 5.0, 9.0]])
B = onp.array([[0.5, 1.5, -2.0], [3.0, 0.25, 1.0]])

#: NumPy's keyword-only parameters difflab's namesake does not take by name (a call giving one is refused by
#: Python's "got an unexpected keyword argument", naming the public function), with the reason
LEFT_KW = {  # (array's ndmax= and like=, asarray's and asanyarray's like=, full's like=, broadcast_arrays' subok=:
    # taken since edges68)
    "full": ("device",),
    "linspace": ("device",),
    "clip": ("min", "max"),  # (taken through **kw: NumPy 2's aliases of a_min/a_max, honoured)
    "einsum_path": ("optimize", "einsum_call"),  # (through **kw, NumPy's own on the values)
}


def _kw_only_walked():
    for name in sorted(np.__all__):
        fn, ref = getattr(np, name, None), getattr(onp, name, None)
        if ref is None or not callable(fn) or isinstance(fn, type) or isinstance(ref, (type, onp.ufunc)):
            continue
        try:
            sig_ref, sig = inspect.signature(ref), inspect.signature(fn)
        except (TypeError, ValueError):
            continue
        ours = {n for n, p in sig.parameters.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
        for n, p in sig_ref.parameters.items():
            if p.kind == p.KEYWORD_ONLY:
                yield name, n, n in ours


def test_every_keyword_only_parameter_of_numpy_is_taken_by_name_or_listed():
    """The walk of NumPy's keyword-only parameters (test_signatures66 walks the positional ones): each one taken by
    difflab's function under NumPy's name (main lacked nanvar/nanstd's where=/mean=/correction=, nanmean's where=,
    *_like's device=), or listed in LEFT_KW with its reason."""
    walked, missing = 0, []
    for name, param, taken in _kw_only_walked():
        walked += 1
        if not taken and param not in LEFT_KW.get(name, ()):
            missing.append(f"{name}({param}=)")
    assert walked > 60, walked
    assert not missing, missing


#: keyword calls on plain values, written once for NumPy (m = numpy) and difflab.numpy
CALLS = {
    "nanvar(A, 1, mean=m)": lambda m: m.nanvar(A, 1, mean=onp.array([[1.0], [2.0]])),
    "nanvar(A, 1, where=A > 2, correction=1)": lambda m: m.nanvar(A, 1, where=A > 2, correction=1),
    "nanvar(A, mean=1.0)": lambda m: m.nanvar(A, mean=1.0),
    "nanstd(A, where=A < 5, correction=1)": lambda m: m.nanstd(A, where=A < 5, correction=1),
    "nanmean(A, 1, where=A > 2)": lambda m: m.nanmean(A, 1, where=A > 2),
    "var(B, 0, correction=1.5)": lambda m: m.var(B, 0, correction=1.5),
    "std(B, 1, mean=m, keepdims=True)": lambda m: m.std(B, 1, mean=onp.array([[0.1], [0.2]]), keepdims=True),
    "ma.var(a, 1, mean=m)": lambda m: m.ma.var(m.ma.array(B, mask=B < 0), 1, mean=onp.array([[1.0], [2.0]])),
    "ma.std(a) as sqrt(ma.var(a, mean=3.0))": lambda m: m.sqrt(m.ma.var(m.ma.array(B, mask=B < 0), mean=3.0)),
    "cov(B, dtype=float32)": lambda m: m.cov(B, dtype=onp.float32),
    "corrcoef(B, dtype=float32)": lambda m: m.corrcoef(B, dtype=onp.float32),
    "cov(B, dtype=complex)": lambda m: m.cov(B, dtype=complex),
    "sum(B, where=[1, 0, 1])": lambda m: m.sum(B, where=[1, 0, 1]),
    "concatenate([B, B], casting='unsafe')": lambda m: m.concatenate([B, B], casting="unsafe"),
    "zeros_like(B, device='cpu')": lambda m: m.zeros_like(B, device="cpu"),
    "reshape(B, (3, 2), copy=True)": lambda m: m.reshape(B, (3, 2), copy=True),
}


@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
def test_numpys_keywords_give_numpys_values(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NumPy's "Degrees of freedom <= 0": a NaN row, as ours)
        got, want = CALLS[call](np), CALLS[call](onp)
    got = got.filled() if isinstance(got, dma.MaskedArray) else got
    want = onp.ma.filled(want) if isinstance(want, onp.ma.MaskedArray) else want
    assert onp.shape(got) == onp.shape(want) and onp.asarray(got).dtype == onp.asarray(want).dtype
    tol = 1e-6 if onp.asarray(want).dtype == onp.float32 else 1e-14
    onp.testing.assert_allclose(onp.asarray(got), onp.asarray(want), rtol=tol, atol=tol)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_nan_reductions_keywords_differentiate_as_numeric_says(method):
    x = onp.array([[1.0, 2.5, 3.0], [4.0, 5.0, 9.0]])
    mask = x > 2.0
    calls = [
        lambda t: np.nanvar(t, 1, where=mask, correction=1),
        lambda t: np.nanstd(t, mean=2.0),
        lambda t: np.nanmean(t, 0, where=x < 5),
        lambda t: np.ma.var(np.ma.array(t, mask=~mask), 1, mean=onp.array([[1.0], [2.0]])),
    ]
    for f in calls:
        loss = lambda t: np.sum(f(t) * onp.arange(1.0, 1.0 + onp.size(f(x))).reshape(onp.shape(f(x))))  # noqa: E731
        value, g = dl.value_and_grad(loss, method=method)(x)
        assert float(value) == pytest.approx(float(loss(x)), rel=1e-14)
        onp.testing.assert_allclose(g, dl.grad(loss, method="numeric")(x), rtol=1e-6, atol=1e-7)


def test_ma_std_takes_its_mean():
    """np.ma.std(a, mean=c) is sqrt(np.ma.var(a, mean=c)) (NumPy 2.4's own ma.std drops its mean= silently: 0.9747 here,
    the std about the masked mean, not 2.0031)."""
    a = np.ma.array(B, mask=B < 0)
    assert float(np.ma.std(a, mean=3.0)) == pytest.approx(onp.sqrt(4.0125), rel=1e-15)
    assert float(np.ma.var(a, mean=3.0)) == pytest.approx(4.0125, rel=1e-15)  # (Σ(x − 3)² / 5 over the 5 unmasked)


def test_bad_keywords_are_refused_by_name():
    """Main accepted each silently: casting='bogus', cov's int dtype and ddof=1.5 (NumPy refuses them),
    asarray(x, device='gpu') of a traced x; an int array as where= (NumPy cannot cast it to bool)."""
    for call, match in [
        (lambda t: np.concatenate([t, t], casting="bogus"), "casting must be one of"),
        (lambda t: np.vstack([t, t], casting="bogus"), "casting must be one of"),
        (lambda t: np.stack([t, t], casting="bogus"), "casting must be one of"),
        (lambda t: np.cov(t, dtype=int), "numpy.cov.*dtype=int64"),
        (lambda t: np.corrcoef(t, dtype=int), "numpy.corrcoef.*dtype=int64"),
        (lambda t: np.cov(t, ddof=1.5), "ddof must be integer"),
        (lambda t: np.asarray(t, device="gpu"), "Device not understood"),
        (lambda t: np.zeros_like(t, device="gpu"), "Device not understood"),
        (lambda t: np.sum(t, where=onp.array([1, 0, 1])), "numpy.sum: where= must be a boolean mask"),
        (lambda t: np.mean(t, where=onp.array([1, 0, 1])), "numpy.mean: where= must be a boolean mask"),
        (lambda t: np.var(t, where="a"), "numpy.var: where= must be a boolean mask"),
        (lambda t: np.max(t, where=onp.array([1.0, 0, 1]), initial=0.0), "numpy.max: where="),
        (lambda t: np.nanvar(t, where=onp.array([1, 0, 1])), "numpy.nanvar: where="),
        (lambda t: np.nanvar(t, ddof=1, correction=1), "ddof and correction"),
    ]:
        with pytest.raises((TypeError, ValueError), match=match):
            dl.grad(lambda t: np.sum(call(t)).real)(B)


def test_nn_where_reads_lists_as_numpy_and_refuses_int_arrays():
    """difflab.nn's where= refused [1, 0, 1], which NumPy's where= takes (cast to bool); an int array is refused by
    NumPy (and JAX) and here."""
    x = onp.array([1.0, 2.0, 3.0])
    onp.testing.assert_allclose(nn.softmax(x, where=[1, 0, 1]), [0.11920292202211755, 0.0, 0.8807970779778823])
    assert float(nn.logsumexp(x, where=[1, 0, 1])) == pytest.approx(3.1269280110429727, rel=1e-14)
    with pytest.raises(TypeError, match="boolean mask"):
        nn.softmax(x, where=onp.array([1, 0, 1]))


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic"])
def test_negative_zero_constants_keep_their_sign_in_every_method(method):
    """arctan2(x, −0.0) is π at x = 0 (NumPy's, JAX's): the symbolic method's SymPy read −0.0 as 0.0, π/2 (a wrong
    value, and arctan2(−0.0, x) flipped sign); forward and reverse were right. Gradients as JAX x64's."""
    x = onp.array([-0.0, 0.0, -1.0, 1.0])
    w = onp.array([1.0, 2.0, 3.0, 4.0])
    v, g = dl.value_and_grad(lambda t: np.sum(np.arctan2(t, -0.0) * w), method=method)(x)
    assert v == pytest.approx(3 * onp.pi / 2, rel=1e-15)  # (−π·1 + π·2 − π/2·3 + π/2·4)
    onp.testing.assert_array_equal(g[2:], [0.0, 0.0])  # (JAX: −0.0·w; a zero either way)
    v = dl.value_and_grad(lambda t: np.sum(np.arctan2(-0.0, t - 0.0) * w), method=method)(x)[0]
    assert v == pytest.approx(-4 * onp.pi, rel=1e-15)
    for x0, want in [(-0.0, -onp.pi), (0.0, onp.pi), (1.0, onp.pi / 2)]:
        assert dl.value_and_grad(lambda t: np.arctan2(t, -0.0), method=method)(x0)[0] == want
    # JAX x64's jax.grad at ±0.0 (literals): copysign(x + 1, x) −1 / 1, arctan2(x, −1) −1, arctan2(1, x) −1
    for f, want in [
        (lambda t: np.copysign(t + 1.0, t), (-1.0, 1.0)),
        (lambda t: np.arctan2(t, -1.0), (-1.0, -1.0)),
        (lambda t: np.arctan2(1.0, t), (-1.0, -1.0)),
        (lambda t: np.copysign(2.0, t) * t, (-2.0, 2.0)),
    ]:
        assert (dl.grad(f, method=method)(-0.0), dl.grad(f, method=method)(0.0)) == want


def test_three_argument_pow_of_a_traced_value_is_refused_by_name():
    """Main: "_plain_float_operator.<locals>.operator() takes 2 positional arguments but 3 were given" (an internal
    function's name); now Python's own error names the tracer's __pow__ (a third parameter on every operator cost the
    scalar net's fresh gradient 0.35 % of its instructions)."""
    for x in (2.0, onp.array([2.0, 3.0])):
        with pytest.raises(TypeError, match=r"Tracer.__pow__\(\) takes 2 positional arguments but 3 were given"):
            dl.grad(lambda t: np.sum(pow(t, 2, 3)))(x)


def test_a_numeric_step_that_overflows_f_is_said():
    """Numeric(step=1e300): f = Σx² overflowed at x ± h, a NaN gradient without a word on main."""
    f = lambda t: np.sum(t**2)  # noqa: E731
    with pytest.warns(NumericAccuracyWarning, match="step=1e"):
        g = dl.grad(f, method=dl.Numeric(step=1e300))(onp.array([1.0, 2.0]))
    assert onp.isnan(g).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        onp.testing.assert_allclose(dl.grad(f, method=dl.Numeric(step=1e-3))(onp.array([1.0, 2.0])), [2.0, 4.0])


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic", "numeric"])
def test_jvp_keeps_an_integer_outputs_dtype(method):
    """dl.jvp of np.frexp: its exponent was float64; NumPy's and JAX x64's primal is int32 ([1, 3] here), its tangent
    a zero (JAX's float0; here float64 zeros, as a boolean output's)."""
    (m, e), (dm, de) = dl.jvp(lambda t: np.frexp(t), (onp.array([1.5, 4.0]),), (onp.ones(2),), method=method)
    assert e.dtype == onp.int32 and e.tolist() == [1, 3]
    onp.testing.assert_allclose(m, [0.75, 0.5])
    onp.testing.assert_allclose(dm, [0.5, 0.125], rtol=1e-8)
    assert not de.any()
    i, di = dl.jvp(lambda t: np.argmax(t), (onp.array([1.5, 4.0]),), (onp.ones(2),), method=method)
    assert int(i) == 1 and onp.asarray(i).dtype.kind == "i" and di == 0.0


def test_the_walks_silent_acceptances_are_refused_as_numpy_refuses_them():
    """bench/bad_input_numpy_walk.py's SILENT cases a user meets: each a value on main where NumPy refuses."""
    for call, error, match in [
        (lambda t: np.select([onp.array([5, -7, 0])], [t]), TypeError, "numpy.select: invalid entry 0"),
        (lambda t: np.extract(t, onp.ones(4)), IndexError, "numpy.extract: .* flat index 5"),
        (lambda t: np.compress(onp.ones((3, 3), bool), t), ValueError, "numpy.compress: condition must be a 1-d"),
        (lambda t: np.take_along_axis(t, onp.array([0, 1])), ValueError, "same number of dimensions"),
        (lambda t: np.nan_to_num(t, onp.ones(4)), ValueError, "numpy.nan_to_num: copy must be"),
        (lambda t: np.nan_to_num(t, "a"), ValueError, "numpy.nan_to_num: copy must be"),
    ]:
        with pytest.raises(error, match=match):
            dl.grad(lambda t: np.sum(call(t)))(B)


def test_the_walks_unclear_refusals_name_the_function_or_compute_as_numpy():
    """concatenate(x, None) (NumPy's flattened join) and take(x, []) (an empty result) computed as NumPy's (main: bare
    TypeError/ValueError); hsplit/vsplit/array_split's and std's refusals name them (main: "numpy.split", "numpy.var")."""
    v, g = dl.value_and_grad(lambda t: np.sum(np.concatenate([t, t[:1]], None) * onp.arange(9.0)))(B)
    assert v == pytest.approx(float(onp.concatenate([B, B[:1]], None) @ onp.arange(9.0)), rel=1e-15)
    onp.testing.assert_array_equal(g, onp.arange(6.0).reshape(2, 3) + onp.array([[6.0, 7.0, 8.0], [0, 0, 0]]))
    assert np.take(B, []).shape == (0,) and dl.grad(lambda t: np.sum(np.take(t, [])) + t[0, 0])(B)[0, 0] == 1.0
    for call, match in [
        (lambda t: np.hsplit(t, 1.5), "numpy.hsplit"),
        (lambda t: np.vsplit(t, True), "numpy.vsplit"),
        (lambda t: np.array_split(t, 1.5), "numpy.array_split"),
        (lambda t: np.std(t, dtype=int), r"numpy.std\(\.\.\., dtype=int64\)"),
    ]:
        with pytest.raises((TypeError, ValueError), match=match):
            dl.grad(lambda t: np.sum(call(t)[0]))(B)


def test_piecewise_constant_ufuncs_take_dtype_on_the_values():
    """np.spacing(x, dtype=float32) of a traced x: float32's spacing (1.19e-7 at 1), as NumPy's; main computed float64's
    (2.2e-16) and cast it (a traced float32 is float64 inside the trace)."""
    x = onp.array([1.0, 2.0])
    (_, got), _ = dl.value_and_grad(lambda t: (np.sum(t), np.spacing(t, dtype=onp.float32)), has_aux=True)(x)
    assert got.dtype == onp.float32 and got.tolist() == [2.0**-23, 2.0**-22]


def test_full_like_of_a_complex_fill_and_geomspace_to_a_bool_compute_as_numpy():
    """Main: full_like(x, 2 + 1j) of a traced float x a bare "float() argument must be ... not 'complex'" (NumPy: the
    real part, with a ComplexWarning), geomspace(x, True) a bare UFuncTypeError of np.sign (NumPy: stop 1)."""
    x = onp.array([[0.5, 1.5], [2.0, 3.0]])
    with pytest.warns(onp.exceptions.ComplexWarning):
        (_, filled), _ = dl.value_and_grad(lambda t: (np.sum(t), np.full_like(t, 2 + 1j)), has_aux=True)(x)
    assert filled.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    (_, mid), g = dl.value_and_grad(
        lambda t: (np.sum(np.geomspace(t, True, 3)[1]), np.geomspace(t, True, 3)[1]), has_aux=True
    )(x)
    onp.testing.assert_allclose(mid, onp.sqrt(x), rtol=1e-15)
    onp.testing.assert_allclose(g, 0.5 / onp.sqrt(x), rtol=1e-12)
