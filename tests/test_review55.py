"""Review of session 55's merged work (review55): wrong numbers and bare tracebacks found by probing the new
features outside their tests (against SciPy, NumPy and JAX x64).

- `difflab.scipy.signal.fftconvolve` (and `convolve`) of two arrays of one size, each larger along some axis
  ((2, 3) and (3, 2), mode 'full'): a RecursionError (convolve swapped its arguments back and forth); SciPy's value.
- `dnp.vectorize(f, otypes=[int])` where f returns a constant: the constant came back uncast (2.7, NumPy: 2).
- numpy.fft's transforms (hfft/ihfft new, fft/rfft/irfft/fft2/fftn before) took an out-of-range axis (axis=5 or -2
  of a 1-d array) as axis 0 and returned numbers; NumPy refuses it: now refused, naming the axis.
- `fftconvolve(2.0, 3.0)` (0-d arrays, SciPy: 6.0) was NumPy's broadcasting error from the windows; now the product.
- The symbolic method's value of a sort with a NaN among traced values (np.sort, np.nanquantile of
  np.where(a > 2, np.nan, a)): SymPy's sort_k evaluated by Python's sorted, which leaves NaN in place, so it picked
  other entries (nanquantile 0.98, NumPy 0.15; its q-derivative 4, not 5). Now NaN sorts last, as NumPy's.
- ddof above the count: np.var/np.std (where= too, new) gave a negative variance (var([1, 2, 4], ddof=5) = −2.33,
  NumPy inf), np.nanvar −4.5 (NumPy NaN), np.cov's sum −9.33 (NumPy inf): now NumPy's max(count − ddof, 0).
- np.quantile/percentile/nanquantile/nanpercentile over a tuple of axes (NumPy's axis=(0, 2)): a bare TypeError
  ("unsupported operand type(s) for %: 'tuple' and 'int'"); now those axes merged, NumPy's values and shapes.
- `solve_discrete_lyapunov(0.5, 1.0)`: a bare IndexError (SciPy's too); now the ValueError naming the shapes.
"""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.scipy import signal as dss

P = np.arange(6.0).reshape(2, 3) / 4
Q = np.array([[1.0, -1.0], [0.5, 2.0], [0.3, 0.1]])


@pytest.mark.parametrize("name", ["convolve", "fftconvolve"])
def test_full_convolution_of_crossed_shapes(name):
    signal = pytest.importorskip("scipy.signal")
    want = signal.fftconvolve(P, Q)
    np.testing.assert_allclose(getattr(dss, name)(P, Q), want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(getattr(dss, name)(Q, P), want, rtol=1e-12, atol=1e-15)
    # linear in P: the gradient of Σ w ⊙ (P * Q) is the correlation of w with Q, read from the unit vectors
    w = np.arange(1.0, 17.0).reshape(4, 4)
    basis = np.eye(6).reshape(6, 2, 3)
    grad_want = np.array([np.sum(w * signal.fftconvolve(e, Q)) for e in basis]).reshape(2, 3)
    got = dl.grad(lambda p: np.sum(w * dss.fftconvolve(p, Q)))(P)
    np.testing.assert_allclose(got, grad_want, rtol=1e-12)


def test_vectorize_otypes_casts_a_constant_output():
    plain = np.vectorize(lambda t: 2.7, otypes=[int])(np.array([1.0, 2.0]))  # NumPy: [2, 2]
    f = dnp.vectorize(lambda t: 2.7, otypes=[int])
    np.testing.assert_array_equal(dl.grad(lambda x: np.sum(f(x) * x))(np.array([1.0, 2.0])), plain)
    g = dnp.vectorize(lambda t: (2.7, t * t), otypes=[int, float])
    got = dl.grad(lambda x: np.sum(g(x)[0] * x + g(x)[1]))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(got, [2.0 + 2.0, 2.0 + 4.0])


@pytest.mark.parametrize("kind", ["hfft", "ihfft", "fft", "rfft", "irfft"])
@pytest.mark.parametrize("axis", [1, -2, 5])
def test_fft_axis_out_of_range_is_refused(kind, axis):
    with pytest.raises(ValueError, match=f"axis {axis} is out of bounds"):
        dl.grad(lambda x: np.sum(np.abs(getattr(np.fft, kind)(x, axis=axis))))(np.array([0.3, 1.7, -0.4]))
    with pytest.raises(ValueError, match="out of bounds"):
        dl.grad(lambda x: np.sum(np.abs(np.fft.fftn(x, axes=(axis,)))))(np.array([0.3, 1.7, -0.4]))


def test_zero_dimensional_convolution_and_scalar_lyapunov():
    assert float(dss.fftconvolve(2.0, 3.0)) == 6.0  # scipy.signal.fftconvolve(2.0, 3.0): 6.0
    assert dl.grad(lambda x: dss.fftconvolve(x, 3.0))(2.0) == 3.0
    from difflab.scipy import linalg as dsl

    with pytest.raises(ValueError, match="square a and q"):
        dsl.solve_discrete_lyapunov(0.5, 1.0)


A6 = np.array([1.1, 0.3, 2.5, 1.9, -0.7, 0.62])


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.sum(np.sort(np.where(x[1:] > 2, np.nan, x[1:]))[:4] * np.arange(1.0, 5.0)),
        lambda x: np.nanquantile(np.where(x[1:] > 2, np.nan, x[1:]), x[0], method="interpolated_inverted_cdf"),
        lambda x: np.nanpercentile(np.where(x[1:] > 2, np.nan, x[1:]), 54 * x[0]),  # (q ≈ 0.2: entries 0 and 1)
    ],
)
def test_symbolic_sort_puts_nan_last(f):
    x = np.concatenate([[0.37], A6])
    value, grad = dl.value_and_grad(f, method="symbolic")(x)
    assert value == pytest.approx(f(x), abs=1e-12)  # NumPy's value
    np.testing.assert_allclose(grad, dl.grad(f, method="forward")(x), atol=1e-12)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.var(x, ddof=5),
        lambda x: np.std(x, ddof=4),
        lambda x: np.var(x, ddof=4, where=np.array([True, False, True])),
        lambda x: np.nanvar(np.where(x > 3, np.nan, x), ddof=3),
        lambda x: np.nanstd(np.where(x > 3, np.nan, x), ddof=2),
        lambda x: np.sum(np.cov(np.stack([x, x**2]), ddof=5)),
    ],
)
def test_ddof_above_the_count_is_numpys(f):
    x = np.array([1.0, 2.0, 4.0])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (NumPy's 'Degrees of freedom <= 0', difflab's DomainWarning)
        want = f(x)
        got = dl.value_and_grad(f)(x)[0]
    assert not np.isfinite(want) and np.array_equal(got, want, equal_nan=True)


A3 = np.array([[[1.0, 5.0, 2.5], [0.3, 4.0, np.nan]], [[2.0, -1.0, 0.5], [7.0, 0.1, 3.0]]])


@pytest.mark.parametrize("name", ["quantile", "nanquantile", "percentile", "nanpercentile"])
@pytest.mark.parametrize(("axis", "keepdims"), [((0, 2), False), ((2, 0), True), ((0, 1, 2), True)])
def test_quantiles_over_a_tuple_of_axes(name, axis, keepdims):
    fn = getattr(np, name)
    a = A3 if name.startswith("nan") else np.nan_to_num(A3)
    q = np.array([0.23, 0.87]) * (100 if "percentile" in name else 1)  # (off the data points: no kink)
    want = fn(a, q, axis=axis, keepdims=keepdims)
    w = np.arange(1.0, want.size + 1).reshape(want.shape)

    def f(x, t):
        return np.sum(fn(x, q * t, axis=axis, keepdims=keepdims) * w)

    value, (ga, gq) = dl.value_and_grad(f, argnums=(0, 1))(a, 1.0)
    assert value == pytest.approx(np.sum(want * w), rel=1e-12)
    from central import central

    fin = np.isfinite(a)
    np.testing.assert_allclose(ga[fin], central(lambda x: f(x, 1.0), a)[fin], atol=1e-6)
    assert gq == pytest.approx(central(lambda t: f(a, t[0]), np.array([1.0]))[0], abs=1e-5)
