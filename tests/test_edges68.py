"""Four limits README's "What does not work yet" stated, each made to work (edges68): the symbolic method's x**0.5 at
−0.0 (its shared code wrote x**-0.5 as 1/x**0.5, −inf through NumPy's −0.0 square root) and the neighbours at ±0
by every method against JAX x64's values (literals); a reduction's float `dtype=` as NumPy's result dtype (values
float64's rounded once, docs/api.md), quantile's dtype by q's; a custom rule's closure read through an attribute,
a dict entry or a list item; NumPy's like=, subok=, ndmax= and vecdot's keepdims=."""

import math
import warnings

import numpy as onp
import pytest

import difflab as dl
import difflab.numpy as np
from difflab.errors import DomainWarning

EXACT = ("symbolic", "forward", "reverse")

# -- 1. signed zeros ------------------------------------------------------------------------------------------------

#: (f, x0, JAX x64's jax.grad(f)(x0)) at ±0 and the arcs' ±1 edges (jax 0.10, jax_enable_x64)
SIGNED = [
    ("x**0.5", lambda x: x**0.5, 0.0, math.inf),
    ("x**0.5", lambda x: x**0.5, -0.0, math.inf),
    ("sqrt", np.sqrt, 0.0, math.inf),
    ("sqrt", np.sqrt, -0.0, -math.inf),
    ("x**1.5", lambda x: x**1.5, -0.0, 0.0),
    ("cbrt", np.cbrt, -0.0, math.inf),
    ("power(x, [0.5, 1.5])", lambda x: np.sum(np.power(x, onp.array([0.5, 1.5]))), -0.0, math.inf),
    ("arcsin", np.arcsin, -0.0, 1.0),
    ("arcsin", np.arcsin, 1.0, math.inf),
    ("arcsin", np.arcsin, -1.0, math.inf),
    ("arccos", np.arccos, -0.0, -1.0),
    ("arccos", np.arccos, 1.0, -math.inf),
    ("arccos", np.arccos, -1.0, -math.inf),
    ("arctanh", np.arctanh, -0.0, 1.0),
    ("hypot(x, 1)", lambda x: np.hypot(x, 1.0), -0.0, 0.0),
]


@pytest.mark.parametrize("method", EXACT)
@pytest.mark.parametrize("name, f, x0, want", SIGNED, ids=[f"{c[0]}@{c[2]!r}" for c in SIGNED])
def test_signed_zero_slopes_are_jaxs(name, f, x0, want, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DomainWarning)  # (an infinite slope is said; the value is the point here)
        got = dl.grad(f, method=method)(x0)
    assert got == want


@pytest.mark.parametrize("method", EXACT)
def test_symbolic_root_at_negative_zero_is_plus_inf_with_its_warning(method):
    # main's symbolic: -inf (CSE shared x**0.5 and wrote x**-0.5 as its reciprocal; NumPy's x**0.5 at -0.0 is -0.0)
    with pytest.warns(DomainWarning, match="pow"):
        v, g = dl.value_and_grad(lambda x: x**0.5, method=method)(-0.0)
    assert (v, g) == (0.0, math.inf)
    with pytest.warns(DomainWarning):
        g = dl.grad(lambda x: np.sum(x**0.5), method=method)(onp.array([-0.0, 0.0, 4.0]))
    assert g.tolist() == [math.inf, math.inf, 0.25]
    with pytest.warns(DomainWarning):
        J = dl.jacobian(lambda x: x**0.5, method=method)(-0.0)
    assert J == math.inf


def test_shared_code_keeps_a_fractional_power_as_written():
    import sympy as sp

    from difflab.compile.symbolic import share

    x = sp.Symbol("x0", real=True)
    lines, outs = share([], [x**0.5, 0.5 * x**-0.5, x**-3, x**3])
    assert sp.Float(-0.5) in [p.exp for e in outs + [e for _, e in lines] for p in e.atoms(sp.Pow)]
    # an integer power is still shared through its reciprocal, exact at ±0 (x**3 keeps the sign, so 1/x**3 does)
    assert len([p for _, e in lines for p in e.atoms(sp.Pow) if p.exp == 3]) == 1


# -- 2. float32 reductions with dtype= -------------------------------------------------------------------------------

X64 = onp.array([0.1, 0.2, 0.7, 1.3])
X32 = X64.astype(onp.float32)

#: (f, x, NumPy's result dtype, the value: float64's, rounded once to that dtype)
DTYPED = [
    (lambda x: np.sum(x, dtype=onp.float32), X64, onp.float32, 2.3),
    (lambda x: x.sum(dtype=onp.float32), X64, onp.float32, 2.3),
    (lambda x: np.mean(x, dtype=onp.float32), X64, onp.float32, 0.575),
    (lambda x: np.cumsum(x, dtype=onp.float32)[-1], X64, onp.float32, 2.3),
    (lambda x: np.nansum(x, dtype=onp.float32), X64, onp.float32, 2.3),
    (lambda x: np.add.reduce(x, dtype=onp.float32), X64, onp.float32, 2.3),
    (lambda x: np.cumulative_sum(x, dtype=onp.float32)[-1], X64, onp.float32, 2.3),
    # (float64 to float32 is not 'safe': NumPy's einsum refuses it under its default casting, as difflab now: dtype68)
    (lambda x: np.einsum("i->", x, dtype=onp.float32, casting="same_kind"), X64, onp.float32, 2.3),
    (lambda x: np.prod(x, dtype=onp.float32), X64, onp.float32, 0.0182),
    (lambda x: np.sum(x, dtype=onp.float64), X32, onp.float64, 2.2999999448657036),
    (lambda x: np.mean(x, dtype=onp.float64), X32, onp.float64, 0.5749999862164259),
    (lambda x: np.var(x, dtype=onp.float64), X32, onp.float64, 0.22687498105689924),
    (lambda x: np.std(x, dtype=onp.float64), X32, onp.float64, math.sqrt(0.22687498105689924)),
    (lambda x: np.trace(np.diag(x), dtype=onp.float64), X32, onp.float64, 2.2999999448657036),
    (lambda x: np.sum(x, dtype=onp.complex64), X64, onp.complex64, 2.3),
]


@pytest.mark.parametrize("k", range(len(DTYPED)))
def test_a_reductions_dtype_is_numpys(k):
    f, x, dtype, value = DTYPED[k]
    for got in (
        dl.value_and_grad(lambda x: np.real(f(x)))(x)[0] if dtype is onp.complex64 else dl.value_and_grad(f)(x)[0],
        dl.jit(f)(x),
        dl.jvp(f, (x,), (onp.ones_like(x),))[0],
        dl.vmap(f)(x[None])[0],
    ):
        if dtype is not onp.complex64:
            assert onp.asarray(got).dtype == dtype
        assert got == dtype(value)
    assert dl.eval_shape(f, x).dtype == dtype
    assert onp.asarray(dl.jit(f)(x)).dtype == dtype
    # the derivative has the argument's dtype, as every float32 leaf's
    g = dl.grad(lambda x: np.real(f(x)))(x)
    assert g.dtype == x.dtype


def test_a_complex_statistic_under_a_real_dtype_is_refused_by_name():
    z = onp.array([1.0 + 1.0j, 2.0])
    with pytest.raises(TypeError, match=r"numpy\.var\(\.\.\., dtype=float64\) of complex values.*numpy\.real"):
        dl.grad(lambda x: np.var(x * z, dtype=onp.float64))(1.0)


Q = onp.array([[0.5, 1.5, -2.0], [3.0, 0.25, 1.0]], onp.float32)

#: (f, NumPy's dtype for a float32 a, value)
QUANTILES = [
    (lambda a: np.quantile(a, 0.25), onp.float32, 0.3125),  # a Python q is weak
    (lambda a: np.quantile(a, [0.25, 0.75])[1], onp.float64, 1.375),  # a q array's weights are float64
    (lambda a: np.quantile(a, onp.float64(0.25)), onp.float64, 0.3125),
    (lambda a: np.quantile(a, onp.float32(0.25)), onp.float32, 0.3125),
    (lambda a: np.quantile(a, [0.25], method="lower")[0], onp.float32, 0.25),  # a pick: a's own
    (lambda a: np.percentile(a, 30), onp.float32, 0.375),
    (lambda a: np.percentile(a, [30])[0], onp.float64, 0.375),  # NumPy's int q / 100: float64
    (lambda a: np.nanquantile(a, 0.25), onp.float32, 0.3125),
    (lambda a: np.nanpercentile(a, [30])[0], onp.float64, 0.375),
    (lambda a: np.nanmedian(a), onp.float32, 0.75),
]


@pytest.mark.parametrize("k", range(len(QUANTILES)))
def test_a_quantiles_dtype_is_numpys(k):
    f, dtype, value = QUANTILES[k]
    v = dl.value_and_grad(f)(Q)[0]
    assert onp.asarray(v).dtype == dtype and v == dtype(value)
    assert dl.eval_shape(f, Q).dtype == dtype
    assert onp.asarray(dl.jvp(f, (Q,), (onp.ones_like(Q),))[0]).dtype == dtype


# -- 3. a custom rule's closure read through an attribute, a dict entry or a list item ------------------------------

X0 = 0.7
COS = 0.7648421872844885  # d/da of the rule's a·cos(x) at x = 0.7: cos(0.7), JAX's closure_convert's answer


class _Box:
    def __init__(self, a):
        self.a = a


def _vjp_rule_reading(read):
    """A custom_vjp sin whose bwd alone scales by a value of the outer trace, read by `read()`."""

    @dl.custom_vjp
    def f(x):
        return np.sin(x)

    def fwd(x):
        return f(x), np.cos(x)

    def bwd(res, g):
        return (g * res * read(),)

    f.defvjp(fwd, bwd)
    return f


class _Layer:
    """Rules as bound methods reading self.a."""

    def __init__(self, a):
        self.a = a
        self.f = dl.custom_vjp(self.call)
        self.f.defvjp(self.fwd, self.bwd)

    def call(self, x):
        return np.sin(x)

    def fwd(self, x):
        return self.call(x), np.cos(x)

    def bwd(self, res, g):
        return (g * res * self.a,)


def _attr(a):
    m = _Box(a)
    return _vjp_rule_reading(lambda: m.a)


def _entry(a):
    d = {"a": a}
    return _vjp_rule_reading(lambda: d["a"])


def _item(a):
    items = [a]
    return _vjp_rule_reading(lambda: items[0])


def _method(a):
    return _Layer(a).f


def _jvp_attr(a):
    m = _Box(a)

    @dl.custom_jvp
    def f(x):
        return np.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), np.cos(x) * m.a * t

    return f


CLOSURES = {
    "attribute": _attr,
    "dict entry": _entry,
    "list item": _item,
    "bound method": _method,
    "jvp attr": _jvp_attr,
}


@pytest.mark.filterwarnings("ignore::difflab.errors.NumericIgnoresRuleWarning")  # (numeric outer: the inner rule's)
@pytest.mark.parametrize("outer", ["symbolic", "numeric", "forward", "reverse"])
@pytest.mark.parametrize("inner", ["symbolic", "forward", "reverse"])
@pytest.mark.parametrize("case", list(CLOSURES))
def test_a_rule_reading_through_an_attribute_is_closure_converted(case, inner, outer):
    make = CLOSURES[case]
    if inner == "forward" and case != "jvp attr":  # custom_vjp under forward mode: refused, as JAX's
        with pytest.raises(dl.NotDifferentiableError, match="only a VJP rule"):
            dl.grad(lambda a: dl.grad(make(a), method=inner)(X0))(1.3)
        return
    got = dl.grad(lambda a: dl.grad(make(a), method=inner)(X0), method=outer)(1.3)
    assert got == pytest.approx(COS, rel=1e-12 if outer != "numeric" else 1e-8)


class _Deep:
    def __init__(self, a, k):
        self.inner, self.a = (_Deep(a, k - 1), None) if k else (None, a)

    def get(self):
        return self.a if self.inner is None else self.inner.get()


@pytest.mark.parametrize("inner", ["symbolic", "reverse"])
def test_a_value_read_beyond_the_scan_is_refused_by_name(inner):
    # main: reverse's bare TracerConversionError, symbolic's "use method='reverse'" (which failed too)
    def make(a):
        m = _Deep(a, 6)
        return _vjp_rule_reading(m.get)

    with pytest.raises(dl.NotDifferentiableError, match=r"did not find.*pass the value to f as an argument"):
        dl.grad(lambda a: dl.grad(make(a), method=inner)(X0))(1.3)


# -- 4. like=, ndmax=, subok= and vecdot's keepdims= ----------------------------------------------------------------

T0 = onp.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]])
Y0 = onp.array([0.5, -1.0, 2.0])
ONES = onp.ones_like(T0)

#: (a function of a traced t, its value at T0; its gradient is ONES·k for the k given)
KEYWORDS = {
    "dnp.array(t, ndmin=3, ndmax=3)": (lambda t: np.sum(np.array(t, ndmin=3, ndmax=3)), 21.5, 1.0),
    "dnp.array(t, subok=True)": (lambda t: np.sum(np.array(t, subok=True)), 21.5, 1.0),
    "dnp.array([t, t], ndmax=3)": (lambda t: np.sum(np.array([t, t], ndmax=3)), 43.0, 2.0),
    "dnp.asarray(t, like=ndarray)": (lambda t: np.sum(np.asarray(t, like=onp.empty(0))), 21.5, 1.0),
    "dnp.asanyarray(t, like=t)": (lambda t: np.sum(np.asanyarray(t, like=t)), 21.5, 1.0),
    "dnp.array(t, like=ndarray)": (lambda t: np.sum(np.array(t, like=onp.empty(0))), 21.5, 1.0),
    "dnp.ascontiguousarray(t, like=ndarray)": (lambda t: np.sum(np.ascontiguousarray(t, like=onp.empty(0))), 21.5, 1.0),
    "dnp.full(3, 2.0, like=ndarray) * t": (lambda t: np.sum(np.full(3, 2.0, like=onp.empty(0)) * t), 43.0, 2.0),
    "numpy.ones(3, like=t) * t": (lambda t: onp.sum(onp.ones(3, like=t) * t), 21.5, 1.0),
    "numpy.sin(t, subok=False)": (lambda t: onp.sum(onp.sin(t, subok=False) - onp.sin(t) + t), 21.5, 1.0),
    "dnp.sin(t, subok=False)": (lambda t: np.sum(np.sin(t, subok=False) - np.sin(t) + t), 21.5, 1.0),
    "dnp.add(t, 1.0, subok=True)": (lambda t: np.sum(np.add(t, 1.0, subok=True)), 27.5, 1.0),
    "dnp.multiply(t, 2.0, dtype=float)": (lambda t: np.sum(np.multiply(t, 2.0, dtype=float)), 43.0, 2.0),
    "numpy.add(t, t, subok=False)": (lambda t: onp.sum(onp.add(t, t, subok=False)), 43.0, 2.0),
    "numpy.broadcast_arrays(t, Y0, subok=True)": (
        lambda t: sum(onp.sum(a) for a in onp.broadcast_arrays(t, Y0, subok=True)),
        24.5,
        1.0,
    ),
    "dnp.broadcast_arrays(t, Y0, subok=False)": (
        lambda t: np.sum(np.broadcast_arrays(t, Y0, subok=False)[0]),
        21.5,
        1.0,
    ),
}


@pytest.mark.parametrize("method", ["forward", "reverse"])
@pytest.mark.parametrize("call", list(KEYWORDS))
def test_numpys_keywords_are_taken(call, method):
    f, value, k = KEYWORDS[call]
    v, g = dl.value_and_grad(f, method=method)(T0)
    assert v == value
    onp.testing.assert_array_equal(g, k * ONES)


@pytest.mark.parametrize("vecdot", [onp.vecdot, np.vecdot], ids=["numpy", "difflab.numpy"])
def test_vecdot_keeps_its_summed_axis(vecdot):
    w = onp.array([[1.0], [2.0]])
    f = lambda t: np.sum(vecdot(t, Y0, keepdims=True) * w)  # noqa: E731
    assert dl.eval_shape(lambda t: vecdot(t, Y0, keepdims=True), T0).shape == (2, 1)
    v, g = dl.value_and_grad(f)(T0)
    assert v == 24.5  # (4.5 + 2·10, NumPy's)
    onp.testing.assert_array_equal(g, w * Y0)
    assert dl.value_and_grad(lambda t: np.sum(vecdot(t, Y0, axis=-1, keepdims=False)))(T0)[0] == 14.5


def test_keywords_refused_in_numpys_words():
    with pytest.raises(TypeError, match="`like` argument must be an array-like"):
        dl.grad(lambda t: np.sum(np.asarray(t, like=5)))(T0)
    with pytest.raises(ValueError, match=r"ndmin must be <= ndmax \(2\)"):
        dl.grad(lambda t: np.sum(np.array(t, ndmin=3, ndmax=2)))(T0)
    with pytest.raises(ValueError, match=r"ndmax must be in the range \[0, NPY_MAXDIMS \(64\)\]"):
        dl.grad(lambda t: np.sum(np.array(t, ndmax=65)))(T0)
    with pytest.raises(ValueError, match="would exceed the maximum number of dimension of 2"):
        dl.grad(lambda t: np.sum(np.array([t, t], ndmax=2)))(T0)
    with pytest.raises(TypeError, match=r"numpy\.sin of a traced value takes no casting='unsafe'"):
        dl.grad(lambda t: np.sum(np.sin(t, casting="unsafe")))(T0)


def test_a_float16_quantile_meets_float32_weights_as_numpys():
    a = Q.astype(onp.float16)
    f = lambda a: np.quantile(a, onp.float32(0.25))  # noqa: E731
    assert onp.asarray(dl.jit(f)(a)).dtype == onp.float32 and dl.eval_shape(f, a).dtype == onp.float32
    assert onp.asarray(dl.jit(lambda a: np.quantile(a, 0.25))(a)).dtype == onp.float16


@pytest.mark.parametrize(
    "f, want",
    [
        (lambda a: np.nanquantile(a, onp.float32(0.3), method="higher"), 6.0),  # main: 7.0 (0.3f·20 in float64)
        (lambda a: np.quantile(a, onp.float32(0.3), method="higher"), 6.0),
        (lambda a: np.percentile(a, onp.float32(30.0), method="higher"), 6.0),
        (lambda a: np.nanquantile(a[:8] ** 2, onp.float32(0.3)), 4.500000715255737),  # main: 4.500000417232513
    ],
)
def test_a_float32_q_places_its_quantile_as_numpys(f, want):
    # NumPy computes where a float32 q's quantile lies in float32 (a float64 a's values, NumPy 2.4's literals)
    assert dl.value_and_grad(f)(onp.arange(21.0))[0] == want
