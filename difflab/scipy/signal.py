"""`scipy.signal.convolve` (and `fftconvolve`/`oaconvolve`, the same numbers), `lfilter` and `hilbert` on traced values (hilbert: SciPy's FFT recipe in difflab's fft
ops) (lfilter: the registry entry ops/signal.py, with
SciPy's axis and zi). convolve: N-dimensional convolution as a composition of difflab
ops (pad, take, einsum), with autograd's generalisation `axes` (which axes are convolved) and
`dot_axes` (axes summed over, as in a tensordot).

How it works (autograd's algorithm, with a gather in place of its strided view): for every
convolved axis pair, B (padded for 'full'/'same') is gathered into windows `B[i + k]` with a
constant index matrix (A's length × the output's length); A is flipped along its convolved axes;
one einsum contracts the window axes and the dot axes.
"""

from __future__ import annotations

import string

import numbers

import numpy as _np

from .. import numpy as _dnp
from ..errors import UnsupportedOperationError as _UnsupportedOperationError
from ..graph import Traced as _Traced

_MODES = ("full", "valid", "same")


def _size(a_len, b_len, mode):
    return {"full": a_len + b_len - 1, "same": a_len, "valid": abs(a_len - b_len) + 1}[mode]


def convolve(in1, in2, mode="full", method="auto", *, axes=None, dot_axes=((), ())):
    """The convolution of `in1` and `in2` along `axes` ([A's axes], [B's axes]; every axis when None)
    summed over `dot_axes`, in mode 'full', 'valid' or 'same' (SciPy's signature; `method` is
    accepted for it and ignored). Shape contract (autograd's): A's other axes, then B's other axes,
    then the convolved axes (full: n + m - 1, same: A's length, valid: |n - m| + 1).

    >>> convolve(_np.array([1.0, 2.0]), _np.array([1.0, 1.0])).tolist()
    [1.0, 3.0, 2.0]
    """
    if mode not in _MODES:
        raise ValueError(f"convolve: mode must be one of {', '.join(_MODES)}, not {mode!r}")
    if method not in ("auto", "direct", "fft"):  # (accepted and ignored: the value is the same; a typo is refused)
        raise ValueError(f"convolve: method must be 'auto', 'direct' or 'fft' (SciPy's flags), not {method!r}")
    A, B = in1, in2
    if axes is None and _np.ndim(A) == 0 and _np.ndim(B) == 0:  # (SciPy's product; the windows need an axis)
        return A * B
    if _np.size(A) == 0 or _np.size(B) == 0:  # (NumPy's "negative dimensions are not allowed", else)
        raise ValueError(f"convolve: in1 and in2 must not be empty, got shapes {_np.shape(A)} and {_np.shape(B)}")
    if axes is None and not any(dot_axes) and _np.ndim(A) != _np.ndim(B):
        # SciPy refuses it; autograd's axes=None read A's axes only and gave a result of another shape silently
        raise ValueError(
            f"convolve: in1 and in2 must have the same number of dimensions (SciPy's convolve), got shapes "
            f"{_np.shape(A)} and {_np.shape(B)}; give axes=([...], [...]) to convolve some axes only"
        )
    if axes is None:
        axes = (list(range(_np.ndim(A))), list(range(_np.ndim(A))))
    axes = [list(axes[0]), list(axes[1])]
    dot_axes = [list(dot_axes[0]), list(dot_axes[1])]
    sa, sb = _np.shape(A), _np.shape(B)
    if any(sb[j] < sa[i] for i, j in zip(*axes)) and mode != "same":
        if mode == "valid" and not all(sb[j] <= sa[i] for i, j in zip(*axes)):
            raise ValueError(
                "convolve: in 'valid' mode one array must be at least as large as the other along every axis"
            )
        # the larger one slides (autograd's tie break); in 'full' mode of equal sizes, each larger along some axis
        # (shapes (2, 3) and (3, 2)), swapping would swap back forever (a RecursionError): the padded path takes both
        if mode == "valid" or _np.prod(sb) < _np.prod(sa) or all(sb[j] <= sa[i] for i, j in zip(*axes)):
            i1 = len(sb) - len(dot_axes[1]) - len(axes[1])
            i2 = i1 + len(sa) - len(dot_axes[0]) - len(axes[0])
            order = list(range(i1, i2)) + list(range(i1)) + list(range(i2, i2 + len(axes[0])))
            out = convolve(B, A, mode, axes=axes[::-1], dot_axes=dot_axes[::-1])
            return _dnp.transpose(out, order)
    same = mode == "same"
    if same:  # 'same' keeps in1's length: in1 is the one padded and slid over
        A, B, axes, dot_axes = B, A, axes[::-1], dot_axes[::-1]
        sa, sb = sb, sa
    if mode != "valid":
        widths = [(0, 0)] * len(sb)
        for i, j in zip(*axes):
            n = sa[i] - 1
            widths[j] = (n, n) if mode == "full" else (n - n // 2, n // 2)
        B = _dnp.pad(B, widths)
    view = _windows(B, sa, axes)
    flip = tuple(slice(None, None, -1) if k in axes[0] else slice(None) for k in range(len(sa)))
    A_view = A[flip]
    pairs = [axes[0] + dot_axes[0], axes[1] + dot_axes[1]]
    if same:
        nb = len(sb) - len(dot_axes[1]) - len(axes[1])
        out = _contract(view, A_view, pairs[::-1])
        i2 = nb + len(axes[0])
        order = list(range(nb)) + list(range(i2, _np.ndim(out))) + list(range(nb, i2))
        return _dnp.transpose(out, order)
    return _contract(A_view, view, pairs)


def _windows(B, sa, axes):
    """B with each convolved axis j (paired with A's axis i) of length A's, windows B[.., i + k, ..]
    for every output position k on a new last axis (autograd's strided view, as a gather)."""
    for i, j in zip(*axes):
        out_len = _np.shape(B)[j] - sa[i] + 1
        idx = _np.arange(sa[i])[:, None] + _np.arange(out_len)[None, :]
        B = _dnp.take(B, idx, axis=j)  # axis j becomes (A's length, out_len)
        B = _dnp.moveaxis(B, j + 1, -1)
    return B


def _contract(A, B, pairs):
    """The einsum of A and B summing A's axes pairs[0] against B's pairs[1]; the free axes of A,
    then of B, in order."""
    letters = iter(string.ascii_letters)
    a = [next(letters) for _ in range(_np.ndim(A))]
    b = [next(letters) for _ in range(_np.ndim(B))]
    for i, j in zip(*pairs):
        b[j] = a[i]
    free = [c for k, c in enumerate(a) if k not in pairs[0]] + [c for k, c in enumerate(b) if k not in pairs[1]]
    return _dnp.einsum(f"{''.join(a)},{''.join(b)}->{''.join(free)}", A, B)


def lfilter(b, a, x, axis=-1, zi=None):
    """The IIR filter y with Σ_k a[k] y[n − k] = Σ_k b[k] x[n − k] along `axis`, like `scipy.signal.lfilter`
    (the registry's `lfilter` entry: SciPy's values; differentiable in b, a, x and zi, every order, all four
    methods). With `zi` (the initial state, shaped like x with `axis` of length max(len(a), len(b)) − 1, or
    broadcastable to it) it returns (y, zf), zf the final state, as SciPy's. Shape contract: b (K,), a (J,),
    x (..., N, ...) -> y like x; zf like zi.

    >>> lfilter(_np.array([1.0]), _np.array([1.0, -0.5]), _np.array([1.0, 0.0, 0.0])).tolist()
    [1.0, 0.5, 0.25]
    """
    from ..ops.signal import lfilter as _entry

    # lists of coefficients, lfilter([1 - c], [1, -c], x), as SciPy takes them: stacked (np.ndim would convert a
    # traced entry, a refusal)
    b, a, x = (_dnp.asarray(v) if isinstance(v, (list, tuple)) else v for v in (b, a, x))
    zi = _dnp.asarray(zi) if isinstance(zi, (list, tuple)) else zi
    for name, v in (("b", b), ("a", a), ("x", x), ("zi", zi)):
        if v is not None and not isinstance(v, _Traced) and _np.asarray(v).dtype.kind not in "biufc":
            # (was NumPy's bare "ufunc 'multiply' did not contain a loop ..." or SciPy's "input type '<U32'")
            raise TypeError(f"lfilter: {name} must be numbers, got {type(v).__name__} {v!r:.40}")
    if _np.ndim(b) != 1 or _np.ndim(a) != 1:
        raise ValueError(f"lfilter: b and a must be 1-D, got shapes {_np.shape(b)} and {_np.shape(a)}")
    if _np.shape(a)[0] == 0 or _np.shape(b)[0] == 0:
        raise ValueError("lfilter: b and a must be non-empty")
    if not isinstance(a, _Traced) and _np.asarray(a)[0] == 0:
        raise ValueError("lfilter: a[0] is 0, so the filter cannot be normalised (SciPy's error too)")
    size = max(_np.shape(a)[0], _np.shape(b)[0])
    b, a = (_dnp.pad(_dnp.asarray(v) * 1.0, (0, size - _np.shape(v)[0])) for v in (b, a))  # (SciPy's own padding)
    nd = _np.ndim(x)
    if nd == 0:
        raise ValueError("lfilter: x must have at least one dimension")
    if not isinstance(axis, numbers.Integral):  # (0.5 passed the range test: NumPy's "'float' object is not iterable")
        raise TypeError(f"lfilter: axis must be an integer, not {type(axis).__name__} ({axis!r})")
    if not -nd <= axis < nd:
        raise ValueError(f"lfilter: axis {axis} is out of range for x of {nd} dimensions")
    axis = axis % nd
    x = _dnp.moveaxis(_dnp.asarray(x) * 1.0, axis, -1)
    state_shape = _np.shape(x)[:-1] + (size - 1,)
    if zi is None:
        return _dnp.moveaxis(_entry(b, a, x, _np.zeros(state_shape)), -1, axis)
    moved = _dnp.moveaxis(_dnp.asarray(zi) * 1.0, axis, -1) if _np.ndim(zi) == nd else zi
    try:
        state = _dnp.broadcast_to(moved, state_shape)
    except ValueError:
        raise ValueError(
            f"lfilter: zi must have shape {tuple(_np.moveaxis(_np.empty(state_shape), -1, axis).shape)} "
            f"(x's with axis {axis} of length max(len(a), len(b)) - 1), got {_np.shape(zi)}"
        ) from None
    y = _entry(b, a, x, state)
    return _dnp.moveaxis(y, -1, axis), _dnp.moveaxis(_final_state(b, a, x, y, state), -1, axis)


def _final_state(b, a, x, y, zi):
    """zf[i] = Σ_k (b'[i + 1 + k] x[N − 1 − k] − a'[i + 1 + k] y[N − 1 − k]) + zi[i + N] (the terms that exist),
    b' and a' normalised by a[0]: direct form II transposed's state after the last sample."""
    size, n = _np.shape(a)[0], _np.shape(x)[-1]
    m, last = size - 1, min(size - 1, n)
    if m == 0:
        return zi * 1.0
    i, k = _np.indices((m, last))
    j = i + 1 + k
    inside = j <= m
    coef = _np.where(inside, j, 0)
    lead = _np.shape(x)[:-1]
    recent = (_np.arange(last)[::-1] + n - last).tolist()  # x[N − 1 − k], k = 0..last − 1
    # (dtype: an empty x left float64 [], an IndexError; its zf is zi, as SciPy's)
    xs, ys = (_dnp.take(v, _np.array(recent, dtype=_np.intp), axis=-1) for v in (x, y))  # (..., k)
    bw = _dnp.where(inside, _dnp.take(b, coef), 0.0) / a[0]  # (m, k)
    aw = _dnp.where(inside, _dnp.take(a, coef), 0.0) / a[0]
    zf = _dnp.einsum("...k,ik->...i", xs, bw) - _dnp.einsum("...k,ik->...i", ys, aw)
    if n < m:  # the initial state not yet shifted out: zi[i + N]
        zf = zf + _dnp.concatenate([zi[..., n:], _np.zeros(lead + (n,))], axis=-1)
    return zf


def hilbert(x, N=None, axis=-1):
    """The analytic signal x + i·H(x) along `axis`, like `scipy.signal.hilbert`: the FFT (of length N), the negative
    frequencies zeroed and the positive ones doubled, the inverse FFT. Differentiable in x, all four methods.
    Shape contract: real x (..., n, ...) -> complex (..., N, ...).

    >>> z = hilbert(_np.cos(_np.arange(4) * _np.pi / 2))  # cos's analytic signal is exp(iθ)
    >>> (_np.round(z.real, 12) + 0.0).tolist(), (_np.round(z.imag, 12) + 0.0).tolist()
    ([1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0])
    """
    dtype = x.dtype if isinstance(x, _Traced) else _np.result_type(x)  # (result_type of a traced x specialises)
    if _np.iscomplexobj(_np.empty(0, dtype=dtype)):
        raise ValueError("hilbert: x must be real (SciPy's error too)")
    nd = _np.ndim(x)
    if not -nd <= axis < nd:
        raise ValueError(f"hilbert: axis {axis} is out of range for x of {nd} dimensions")
    N = _np.shape(x)[axis] if N is None else N
    if N <= 0:
        raise ValueError(f"hilbert: N must be positive, got {N}")
    h = _np.zeros(N)
    h[0] = 1.0
    h[1 : (N + 1) // 2] = 2.0
    if N % 2 == 0:
        h[N // 2] = 1.0
    h = h.reshape((N,) + (1,) * (nd - 1 - axis % nd))
    return _dnp.fft.ifft(_dnp.fft.fft(x, N, axis=axis) * h, axis=axis)


def fftconvolve(in1, in2, mode="full", axes=None):
    """The convolution of `in1` and `in2` over every axis, like `scipy.signal.fftconvolve` (and `oaconvolve`): the
    same numbers as `convolve` (SciPy's FFT and overlap-add give them up to rounding), so it is `convolve`, with its
    derivatives in both arguments under all four methods. Shape contract: full n + m - 1, same in1's, valid
    |n - m| + 1 per axis. SciPy's `axes` (convolve some axes, broadcast the others) is refused by name.

    >>> fftconvolve(_np.array([1.0, 2.0]), _np.array([1.0, 1.0])).tolist()
    [1.0, 3.0, 2.0]
    """
    if axes is not None:  # SciPy broadcasts the other axes elementwise; difflab's convolve pairs them (autograd's)
        raise _UnsupportedOperationError(
            "difflab.scipy.signal.fftconvolve (and oaconvolve): SciPy's axes= (convolve some axes, broadcast the others) is not "
            "traced; convolve every axis (axes=None), or use difflab.scipy.signal.convolve's axes/dot_axes"
        )
    return convolve(in1, in2, mode)


oaconvolve = fftconvolve


__all__ = ["convolve", "fftconvolve", "oaconvolve", "lfilter", "hilbert"]
