"""Review of session 45's merged changes: silent wrong numbers found by trying adversarial inputs."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import DerivativeRangeWarning

pytest.importorskip("scipy")
from difflab.scipy import linalg as dsl  # noqa: E402

# A real matrix with an eigenvalue below 0: logm(A) is complex (SciPy's principal logarithm)
_A = np.array([[-2.0, 1.0], [0.5, 3.0]])
_W = np.array([[0.3, -1.2], [0.7, 2.0]])


def _central(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("chunk", ["auto", 1])
def test_forward_gradient_through_complex_logm_is_real(chunk):
    """Forward's batched sweep was traced at a zero tangent, where logm_frechet's L(A, 0) is a real 0 (its dtype
    picked by the values), so the sweep's real(L(A, E)) was recorded as a no-op and the gradient of a real f came
    back complex (imaginary parts up to 0.8) silently; reverse and numeric were right."""
    import scipy.linalg as sl

    f = lambda a: (dnp.real(dsl.logm(a)) * _W).sum()  # noqa: E731
    ref = _central(lambda a: (sl.logm(a).real * _W).sum(), _A)
    g = dl.grad(f, method=dl.Forward(chunk=chunk))(_A)
    assert not np.iscomplexobj(g)
    np.testing.assert_allclose(g, ref, atol=1e-6)
    np.testing.assert_allclose(g, dl.grad(f, method="reverse")(_A), atol=1e-12)


def test_reverse_over_forward_hessian_through_complex_logm():
    """logm_frechet's VJP in A is L(Xᵀ, C) with X = [[A, E], [0, A]]; SciPy's logm of that block lower triangular
    form is inaccurate where A has an eigenvalue below 0 (its warning swallowed), so reverse over forward's
    Hessian of Σ real(logm(A))·W had a row 3e7 off silently (on main: SciPy's bare 'array must not contain infs
    or NaNs'). Now taken as L(X, Cᵀ)ᵀ. Reference: central differences of central differences of SciPy's logm."""
    import scipy.linalg as sl

    f = lambda a: (dnp.real(dsl.logm(a)) * _W).sum()  # noqa: E731
    fr = lambda a: (sl.logm(a).real * _W).sum()  # noqa: E731
    ref = np.array([_central(lambda a: _central(fr, a, 1e-4).ravel()[j], _A, 1e-4).ravel() for j in range(4)])
    H = dl.jacobian(dl.grad(f, method="forward"), method="reverse")(_A).reshape(4, 4)
    np.testing.assert_allclose(H, ref, atol=1e-5)


def test_rescaled_sweep_whose_seed_scale_overflowed_is_not_kept():
    """A reverse sweep that lost its only term is swept again at ū·2^1000; where a cotangent then overflowed
    (1e10·2^1000 = inf) and met the underflowed partial as a strong zero, the finite 0 was kept and the warning
    unsaid: (1e10/(x·x))' at a 0-d 1e100 was 0.0 silently (-2e-290; a Python float input was right), as was
    dl.vjp's pullback at ū = 1e10. Now swept again at 2^500. Reference: -2c/x³."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = dl.grad(lambda x: 1e10 * (1.0 / (x * x)), method="reverse")(np.array(1e100))
        _, pullback = dl.vjp(lambda x: 1.0 / (x * x), np.array(1e100), method="reverse")
        v = pullback(np.array(1e10))[0]
    assert float(g) == pytest.approx(-2e-290, rel=1e-12, abs=0.0)
    assert float(v) == pytest.approx(-2e-290, rel=1e-12, abs=0.0)
    # where no scale helps (ū = 3e200 overflows at 2^1000 and 2^500), said, not a silent 0
    _, pullback = dl.vjp(lambda x: 1.0 / (x * x), np.array(7e149), method="reverse")
    with pytest.warns(DerivativeRangeWarning):
        pullback(np.array(3e200))


def test_symbolic_fmax_fmin_with_a_constant_nan():
    """fmax/fmin's SymPy form compared the arguments as a fallback piece even where one is a constant NaN: SymPy's
    'Invalid NaN comparison', a bare TypeError, for the symbolic method only (the others gave the other argument's
    derivative, as NumPy's fmax does). Reference: fmax(x², nan) = x², fmin(nan, x³) = x³."""
    c = np.array([np.nan, 0.0, np.nan])
    x = np.array([1.5, -0.5, 2.0])
    g = dl.grad(lambda v: dnp.fmax(v**2, c).sum(), method="symbolic")(x)
    np.testing.assert_allclose(g, [3.0, -1.0, 4.0], rtol=1e-14)
    value, g = dl.value_and_grad(lambda v: dnp.fmin(c, v**3).sum(), method="symbolic")(x)
    assert value == pytest.approx(11.25, rel=1e-14)
    np.testing.assert_allclose(g, [6.75, 0.75, 12.0], rtol=1e-14)
