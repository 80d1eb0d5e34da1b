"""NumPy's FFT family as ONE registry entry, `fft(x, kind, axes, s, norm)`: kind "fft", "ifft",
"rfft" or "irfft" over `axes`, with the transform sizes `s` resolved (NumPy's `n`/`s`: pad or
truncate) and `norm` ("backward", "ortho", "forward"); numpy.fft's fft, ifft, fft2, ifft2, fftn,
ifftn, rfft, irfft, rfft2, irfft2, rfftn, irfftn are front ends binding it.

Rules (the convention: difflab/ops/complexes.py; a VJP is the transpose, not the adjoint). Each
transform is linear, so its JVP is the transform of the tangent. fft's matrix is symmetric, so
its VJP is the fft of ū (not the ifft), sized back to x (the transpose of padding is truncating).
rfft = the first n//2+1 rows of fft on real x: its VJP is Re(fft(ū padded to n)). irfft(c) =
Re(ifft(w·c padded to n)) with w = 1 at the zero and (even n) Nyquist frequencies, 2 elsewhere
(the imaginary parts there are ignored): its VJP is w·ifft(ū) truncated to n//2+1.
"""

from __future__ import annotations

import numpy as np

from .core import _shape, defop, draw, normalize_axes
from .reductions import no_out
from .complexes import is_complex

__all__ = ["fft", "fft_front"]

_NORMS = ("backward", "ortho", "forward")


def _impl(x, kind, axes, s, norm):
    return getattr(np.fft, kind + "n")(x, s=s, axes=axes, norm=norm)


def _resize(x, axes, sizes):
    """x zero-padded or truncated at the end of each axis in `axes` to `sizes` (difflab ops)."""
    from .shape import getitem, scatter_add

    for a, n in zip(axes, sizes):
        have = _shape(x)[a]
        if have == n:
            continue
        idx = (slice(None),) * a + (slice(0, min(have, n)),)
        if have > n:
            x = getitem(x, idx=idx)
        else:
            shape = _shape(x)[:a] + (n,) + _shape(x)[a + 1 :]
            x = scatter_add(x, idx=idx, shape=shape)
    return x


def _half_weights(shape, axis, n):
    """w of irfft along `axis` (length n//2+1): 1 at frequency 0 and (n even) n/2, 2 elsewhere."""
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w.reshape((-1,) + (1,) * (len(shape) - axis - 1))


def _vjp(ct, out, x, kind, axes, s, norm):
    sizes = [_shape(x)[a] for a in axes]
    if kind in ("fft", "ifft"):
        return _resize(fft(ct, kind=kind, axes=axes, s=s, norm=norm), axes, sizes)
    from .elementwise import mul, real

    last = axes[-1]
    if kind == "rfft":  # x real: the full transform of ū padded to n, its real part
        padded = _resize(ct, (last,), (s[-1],))
        return real(_resize(fft(padded, kind="fft", axes=axes, s=s, norm=norm), axes, sizes))
    full = fft(ct, kind="ifft", axes=axes, s=s, norm=norm)  # irfft: ū is real, of the output's shape s
    half = mul(_resize(full, (last,), (s[-1] // 2 + 1,)), _half_weights(_shape(out), last, s[-1]))
    return _resize(half, axes, sizes)


def _dft_matrix(n_in, n, inverse, scale):
    """(n_in, n) object array: entry (j, k) = scale·exp(∓2πi·jk/n), the input's index j < n_in (zero-padded
    rows dropped), as SymPy floats (exact radicals, cos(2π/5) = (√5 − 1)/4, made the 5×5 fft2's Jacobian 6×
    slower to write), the quarter turns exact 0 and ±1."""
    import sympy as sp

    sign = 1 if inverse else -1
    w = np.empty((n_in, n), dtype=object)
    for j in range(n_in):
        for k in range(n):
            m = (j * k) % n
            if (4 * m) % n == 0:  # a quarter turn: 1, ∓i, −1, ±i exactly
                unit = [1, sign * sp.I, -1, -sign * sp.I][4 * m // n]
            else:
                angle = 2.0 * np.pi * m / n
                unit = sp.Float(np.cos(angle)) + sign * sp.I * sp.Float(np.sin(angle))
            w[j, k] = scale * unit
    return w


def _dft(x, axis, n, inverse, norm):
    """The DFT (or inverse) of object array x along `axis`, the input truncated or zero-padded to n."""
    import sympy as sp

    have = x.shape[axis]
    x = np.take(x, range(min(have, n)), axis=axis)
    scale = {"ortho": 1 / sp.sqrt(n), "backward": sp.Rational(1, n) if inverse else 1}
    w = _dft_matrix(x.shape[axis], n, inverse, scale.get(norm, 1 if inverse else sp.Rational(1, n)))
    return np.moveaxis(np.tensordot(x, w, axes=([axis], [0])), -1, axis)


def _sympy(x, kind, axes, s, norm):
    """The transforms on object arrays of SymPy expressions (the symbolic method): DFT matrices along
    each axis. rfft: fft's first n//2+1 outputs along the last axis; irfft: the inverse transform over
    the other axes, then along the last Re(Σ w_k c_k e^{2πijk/n})/n with irfft's weights (1 at the zero
    and Nyquist frequencies, 2 elsewhere; c padded or truncated to n//2+1)."""
    import sympy as sp

    x = np.asarray(x, dtype=object)
    inverse, last = kind in ("ifft", "irfft"), len(axes) - 1
    for i, (a, n) in enumerate(zip(axes, s)):
        if kind == "irfft" and i == last:
            half = n // 2 + 1
            x = np.take(x, range(min(x.shape[a], half)), axis=a)
            w = _half_weights(x.shape, a, n)[: x.shape[a]].astype(object)
            x = _dft(x * w, a, n, True, norm)
            x = np.frompyfunc(lambda e: sp.re(e), 1, 1)(x)
        else:
            x = _dft(x, a, n, inverse, norm)
        if kind == "rfft" and i == last:
            x = np.take(x, range(n // 2 + 1), axis=a)
    return np.asarray(x, dtype=object)


def _batch(batched, x, kind, axes, s, norm):
    return fft(x, kind=kind, axes=tuple(a + 1 for a in axes), s=s, norm=norm)


def _samples(rng):
    z = draw("complex", (3, 4), rng)
    return [
        ((z,), {"kind": "fft", "axes": (1,), "s": (4,), "norm": "backward"}),
        ((z,), {"kind": "ifft", "axes": (0, 1), "s": (2, 5), "norm": "ortho"}),
        ((z,), {"kind": "irfft", "axes": (1,), "s": (6,), "norm": "backward"}),
    ]


fft = defop(
    "fft",
    _impl,
    jvp=(lambda t, out, x, kind, axes, s, norm: fft(t, kind=kind, axes=axes, s=s, norm=norm),),
    vjp=(_vjp,),
    domain=("complex",),
    analytic=False,
    complex=True,
    samples=_samples,
    batch=_batch,
    sympy=_sympy,
    sympy_complex=True,  # (sums of the entries times roots of unity)
    doc="numpy.fft's transforms: kind fft/ifft/rfft/irfft over axes, sizes s, norm; linear, VJP its transpose",
)


def fft_front(kind, suffix=""):
    """NumPy's signature for one transform, resolved to the entry's parameters (every axis
    non-negative, every size given): fft(a, n, axis, norm) for suffix "", fft2(a, s, axes=(-2, -1),
    norm) for "2", fftn(a, s, axes=None, norm) for "n".

    >>> float(fft_front("rfft")(np.ones(4)).real[0])
    4.0
    """

    def transform(a, axes, s, norm, out):
        no_out(f"fft.{kind}{suffix}", out)
        if axes is None:
            axes = (-2, -1) if suffix == "2" else tuple(range(-len(s), 0)) if s is not None else range(np.ndim(a))
        normalize_axes(a, tuple(axes))  # (out-of-range axes refused before they are wrapped: axis=5 of a 1-d a was 0)
        axes = tuple(int(ax) % max(np.ndim(a), 1) for ax in axes)
        norm = "backward" if norm is None else norm
        if norm not in _NORMS:
            raise ValueError(f"numpy.fft.{kind}{suffix}: norm must be one of {_NORMS}, got {norm!r}")
        shape = _shape(a)
        if s is None:
            s = [shape[ax] for ax in axes]
            if kind == "irfft":
                s[-1] = 2 * (shape[axes[-1]] - 1)
        s = tuple(int(k) for k in s)
        if kind == "rfft" and is_complex(a):
            raise TypeError(f"numpy.fft.{kind}{suffix} takes real input; got complex values")
        return fft(a, kind=kind, axes=axes, s=s, norm=norm)

    # NumPy's positional order, each: fft(a, n, axis, norm, out), fft2(a, s, axes, norm, out), fftn(a, s, axes, ...)
    def front(a, n=None, axis=-1, norm=None, out=None):
        return transform(a, (axis,), None if n is None else (n,), norm, out)

    def front2(a, s=None, axes=(-2, -1), norm=None, out=None):
        return transform(a, axes, s, norm, out)

    def frontn(a, s=None, axes=None, norm=None, out=None):
        return transform(a, axes, s, norm, out)

    front = {"": front, "2": front2, "n": frontn}[suffix]
    front.__name__ = kind + suffix
    return front


#: hfft/ihfft call the real transforms with the opposite normalisation, as NumPy's own code does
_SWAPPED = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def hermitian_front(kind):
    """numpy.fft.hfft / ihfft, written as NumPy writes them over the real transforms: hfft(a, n) is
    irfft(conj(a), n) with the norm's direction swapped (a Hermitian-symmetric signal's real spectrum:
    n = 2(m - 1) by default), ihfft(a, n) is conj(rfft(a, n)) swapped likewise. Shape contract: hfft
    (..., m) -> (..., n) real; ihfft (..., n) real -> (..., n//2 + 1) complex, along `axis`.

    >>> hermitian_front("hfft")(np.array([1.0, 2.0, 3.0])).tolist()
    [8.0, -2.0, 0.0, -2.0]
    >>> np.round(hermitian_front("ihfft")(np.array([8.0, -2.0, 0.0, -2.0])).real, 12).tolist()
    [1.0, 2.0, 3.0]
    """

    def front(a, n=None, axis=-1, norm=None, out=None):
        no_out(f"fft.{kind}", out)
        norm = "backward" if norm is None else norm
        if norm not in _NORMS:
            raise ValueError(f"numpy.fft.{kind}: norm must be one of {_NORMS}, got {norm!r}")
        if kind == "hfft":
            return fft_front("irfft")(np.conjugate(a), n, axis, _SWAPPED[norm])
        if is_complex(a):
            raise TypeError("numpy.fft.ihfft takes real input; got complex values")
        return np.conjugate(fft_front("rfft")(a, n, axis, _SWAPPED[norm]))

    front.__name__ = kind
    return front
