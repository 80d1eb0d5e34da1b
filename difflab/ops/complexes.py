"""Complex values: the convention, the non-holomorphic parts (conj, real and imaginary parts, |z|,
angle) and NumPy's FFT family as registry entries.

The convention is HIPS autograd's, which JAX shares (autograd's docs/tutorial.md "Complex numbers",
JAX's FAQ on complex differentiation): a complex value z = x + iy is the pair (x, y) of reals, and

- the gradient of a real-valued f of z is ∂f/∂x − i ∂f/∂y (grad(abs)(3+4j) = 0.6 − 0.8j); for a
  holomorphic f, the cotangent 1 pulls back to f'(z) (holomorphic_grad);
- a cotangent ū pairs with a tangent t by Re(ū·t), bilinear, with no conjugate, so a VJP rule is the
  transpose of the JVP rule: ū·f'(z) for holomorphic f, the same rule as on the reals. That is why
  every entry marked `complex=True` whose rules are holomorphic as written (add, mul, exp, matmul,
  sum, reshape...) needs no change, and a non-holomorphic op, dy = a·t + b·conj(t), has the rule
  ū ↦ a·ū + conj(b·ū) (conj: conj(ū); |z|: ū·conj(z)/|z|);
- a real value's tangent and cotangent are real: the interpreters take the real part where a
  complex one reaches a real value (a real x times a complex c: the cotangent of x is Re(ū·c)).
- order: NumPy orders complex values lexicographically (real part, then imaginary part), and so do
  JAX's max/maximum (lax.max on complex) and autograd's; max, min, maximum and minimum pick by it and
  the derivative follows the picked element (ties split evenly), as both of theirs do;
- Jacobians (api/complexes.py, as JAX's jacfwd/jacrev): at a complex leaf a real output's rows are
  gradients; a complex output needs `holomorphic=True` (f'(z) = ∂f/∂x, checked against ∂f/∂y = i·f'(z)).

Complex leaves are realified at the API boundary (api/complexes.py): the differentiators see real
inputs and real outputs only, complex values live inside the graph. The IR types them by dtype:
`c128[3]` beside `f64[3]`. An op without `complex=True` refuses complex values by name when traced.
"""

from __future__ import annotations


import numpy as np

from ..graph import Traced
from .core import SYMPY_TRACED, _sp, defop, draw, elementwise_sympy

__all__ = ["conj", "imag_part", "cabs", "angle", "real_tangent", "real_part", "is_complex"]


def _angle_sympy(z):
    from .elementwise import _atan2_sympy  # (NumPy's angle(0) is 0, SymPy's atan2(0, 0) nan)

    return _atan2_sympy(_sp().im(z), _sp().re(z))


def is_complex(x) -> bool:
    """Whether x (an array, a number or a traced value) holds complex values.

    >>> is_complex(np.array([1j])), is_complex(1.0)
    (True, False)
    """
    return np.iscomplexobj(x) if not isinstance(x, Traced) else x.dtype.kind == "c"


def real_tangent(t):
    """The real part of a complex tangent or cotangent that reached a real value (the convention);
    same shape as t.

    >>> real_tangent(np.array([1.0 + 2.0j])).tolist()
    [1.0]
    """
    from .elementwise import real

    return real(t)


real_part = real_tangent


def _complex_samples(rng):
    return [((draw("complex", (3, 4), rng),), {}), ((draw("complex", (), rng),), {})]


def _unary_batch(name):
    def rule(batched, x):
        from .core import REGISTRY

        return REGISTRY[name](x)

    return rule


def _safe_unit(x, out):
    """conj(z)/|z|, 0 where z = 0 (abs'(0) = 0, as on the reals)."""
    from .elementwise import div, equal, where

    zero = equal(out, 0.0)
    return where(zero, 0.0, div(conj(x), where(zero, 1.0, out)))


def _more_arguments(op, numpy_fn, x, args, kwargs):
    """A front of one array given more (np.abs(x, out=y), np.conj(x, where=m)): NumPy's own call where nothing is
    traced; for a traced x the op's refusal naming out= (Python's named the front: "_abs_front() got an unexpected
    keyword argument 'out'")."""
    if not isinstance(x, Traced):
        return numpy_fn(x, *args, **kwargs)
    if args or "out" in kwargs:
        op.too_many((x,) + args, keyword=not args)
    raise TypeError(f"numpy.{numpy_fn.__name__} of a traced value takes no {', '.join(map(repr, kwargs))} argument")


def _conj_front(x, *args, **kwargs):
    from .elementwise import real

    if args or kwargs:
        return _more_arguments(conj, np.conjugate, x, args, kwargs)
    return conj(x) if is_complex(x) else real(x)  # (conj of a real value: the identity, as before)


conj = defop(
    "conj",
    np.conj,
    jvp=(lambda t, out, x: conj(t),),
    vjp=(lambda ct, out, x: conj(ct),),
    domain=("complex",),
    analytic=False,
    complex=True,
    samples=_complex_samples,
    batch=_unary_batch("conj"),
    numpy=("conj", "conjugate"),
    methods=("conj", "conjugate"),
    front=_conj_front,
    doc="complex conjugate: dy = conj(t); its VJP conj(ū) (on real values the identity)",
)


def _imag_front(val):
    x = val  # (NumPy's parameter name)
    from .elementwise import imag

    return imag_part(x) if is_complex(x) else imag(x)


imag_part = defop(
    "imag_part",
    np.imag,
    internal=True,
    jvp=(lambda t, out, x: imag_part(t),),
    vjp=(lambda ct, out, x: ct * -1j,),
    domain=("complex",),
    analytic=False,
    complex=True,
    samples=_complex_samples,
    batch=_unary_batch("imag_part"),
    numpy=("imag",),
    front=_imag_front,
    sympy=elementwise_sympy(lambda z: _sp().im(z)),  # (NumPy's imag of an object array is 0)
    sympy_complex=True,
    doc="imaginary part of a complex value: dy = Im(t); its VJP −iū (of a real value: imag, zero)",
)


def _abs_front(x, *args, **kwargs):
    from .elementwise import abs

    if args or kwargs:
        return _more_arguments(abs, np.absolute, x, args, kwargs)
    return cabs(x) if is_complex(x) else abs(x)


def _cabs_jvp(t, out, x):
    from .elementwise import real

    return real(_safe_unit(x, out) * t)


def _cabs_sympy(z):
    """|z| in SymPy, as a named function of z's real and imaginary parts (`_cabs_fn`), and a named |x| where z is
    real (an FFT's DC and Nyquist terms of real data): SymPy's Abs of a real expression has sign for its derivative
    and DiracDelta for its second, which lambdify cannot print (the named one's derivative is the registry's sign,
    whose own is 0); on traced values (vmap of a symbolic gradient) it runs as the registry's abs."""
    import builtins
    import math

    from .core import sympy_function
    from .elementwise import _sign_fn

    sp = _sp()
    z = sp.sympify(z, strict=True)  # (numbers and expressions only: a str is refused, never parsed)
    if not z.is_extended_real:
        return _cabs_fn()(*z.as_real_imag())
    fn = sympy_function("difflab_real_cabs", np.abs, lambda args, i: _sign_fn()(*args), builtins.abs, math.fabs)
    return fn(z)


def _cabs_fn():
    """|a + ib| of real a, b (NumPy's hypot), whose partials are a/|z| and b/|z|, 0 at z = 0 as cabs's rule
    (`_safe_unit`) and abs'(0) = 0 (`_cabs_partial`). SymPy's Abs(a + ib) is sqrt(a² + b²), whose partial
    a/sqrt(a² + b²) is 0/0 there: the symbolic gradient of |fft(x)| at x = (1, 1, 1, 1) was NaN, silently, where
    reverse and forward give the convention's 1, and vmap of rfft_lowpass's symbolic gradient (tests/test_user_code11),
    whose FFT on traced values had a bin exactly 0 at its second point, NaN there."""
    import math

    from .core import sympy_function

    return sympy_function(
        "difflab_cabs",
        np.hypot,
        _cabs_partial,
        lambda a, b: __import__("mpmath").hypot(a, b),
        math.hypot,
        exact_mp=True,
    )


def _cabs_partial(args, i):
    """∂|z|/∂(args[i]) = args[i]/|z|, 0 where z = 0: cabs's rule selects 0 there (`_safe_unit`'s where), so its own
    derivative there is 0 too, as reverse's and forward's second derivative of |z| at 0."""
    sp = _sp()
    h = _cabs_fn()(*args)
    return sp.Piecewise((sp.Integer(0), sp.Eq(h, 0)), (args[i] / h, True), evaluate=False)


def _cabs_of_parts(a, b):
    """difflab_cabs on traced values: the registry's cabs of a + ib (its rule: 0 at z = 0)."""
    return cabs(a + 1j * b)


cabs = defop(
    "cabs",
    np.abs,
    internal=True,
    jvp=(_cabs_jvp,),
    vjp=(lambda ct, out, x: ct * _safe_unit(x, out),),
    domain=("complex",),
    analytic=False,
    complex=True,
    samples=_complex_samples,
    batch=_unary_batch("cabs"),
    numpy=("abs", "absolute"),
    front=_abs_front,
    sympy=elementwise_sympy(_cabs_sympy),
    sympy_complex=True,
    # its cusp at z = 0: a stencil that straddles it (|x - 1e-15| of a complex x at 0) differenced the two sides,
    # -1.65e-10 for reverse's -1, silently; a bin 0 but for round-off moves by its rounding, not the step, and keeps
    # its step (scales._unmoved)
    scale=(lambda x: np.abs(x),),
    doc="|z| of a complex z: dy = Re(conj(z)·t)/|z|, its VJP ū·conj(z)/|z|; 0 at z = 0 (as abs'(0))",
)
SYMPY_TRACED["difflab_cabs"] = _cabs_of_parts
SYMPY_TRACED["difflab_real_cabs"] = _abs_front  # (on a real value: the registry's abs)


def _angle_partial(x, out):
    """−i·conj(z)/|z|²: dy = Re(this · t); 0 at z = 0."""
    from .elementwise import div, equal, mul, where

    m = mul(cabs(x), cabs(x))
    zero = equal(m, 0.0)
    return where(zero, 0.0, div(mul(conj(x), -1j), where(zero, 1.0, m)))


angle = defop(
    "angle",
    np.angle,
    jvp=(lambda t, out, x: real_part(_angle_partial(x, out) * t),),
    vjp=(lambda ct, out, x: ct * _angle_partial(x, out),),
    domain=("complex",),
    analytic=False,
    complex=True,
    samples=_complex_samples,
    batch=_unary_batch("angle"),
    sympy=elementwise_sympy(_angle_sympy),  # NumPy's branch: (−π, π]
    sympy_complex=True,
    doc="argument of a complex z: dy = Im(t/z), its VJP ū·(−i·conj(z))/|z|² (difflab.numpy.angle binds it for complex z)",
)
