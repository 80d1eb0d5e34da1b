"""Linear algebra composed from matmul, transpose and the registry's decompositions: `dot`,
`inner`, `outer`, `tensordot`, `kron`, `diagonal`, `trace`, `tril`/`triu`, and the functions published
as `dnp.linalg.<name>` (solve, slogdet, lstsq, norm, cond, matrix_power, multi_dot, tensorinv,
tensorsolve, and NumPy 2's array-API spellings).

Named `linear_algebra` so the module is not mistaken for the `dnp.linalg` namespace, which the package
fills from the registry and from the private functions here. Compositions, not registry entries: det,
inv, cholesky, eigh, svd, qr ... are the primitives they differentiate through.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as _np

from .. import ops as _ops
from ..errors import DifflabError as _DifflabError
from ..graph import Traced as _Traced
from ..ops import abs, matmul, not_equal, sqrt
from ..ops.core import normalize_axes as _axes
from ..ops.reductions import _max_front as max
from ..ops.reductions import _float_dtype, dtype_cast as _dtype_cast
from ..ops.reductions import _sum_front as sum
from ..ops.reductions import no_out as _no_out
from ..ops.shape import _broadcast_to_front as broadcast_to
from ..ops.shape import _reshape_front as reshape
from ..ops.shape import _transpose_front as transpose
from .arrays import _in_range, _value, asarray, min, moveaxis, ndim, ravel, shape, squeeze, swapaxes
from .derived import _held, divmod
from .shapes import cross


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """Sum of a diagonal, like `numpy.trace` (a float `dtype`; out= refused by name).

    >>> float(trace(_np.eye(3)))
    3.0
    """
    _no_out("trace", out)
    if dtype is not None and _float_dtype("trace", dtype, a):  # (plain data under an integer dtype: NumPy's)
        return _np.trace(a, offset, axis1, axis2, dtype=dtype)
    if dtype is not None and _np.dtype(dtype).kind not in "fc":  # (an int64 trace of a traced integer value)
        raise ValueError(f"numpy.trace(..., dtype={_np.dtype(dtype)}) would drop the derivative; give a float dtype")
    if isinstance(a, (list, tuple)):  # (NumPy's conversion: np.trace([[1.0, 2.0], [3.0, 4.0]]), traced entries too)
        a = asarray(a)
    return sum(_dtype_cast("trace", diagonal(a, offset, axis1, axis2), dtype), axis=-1)


def dot(a, b, out=None):
    """`numpy.dot`: products with scalars, matmul for 1-D/2-D, and a sum over a's last and b's
    second-to-last axis for N-D.

    >>> float(dot(_np.array([1.0, 2.0]), _np.array([3.0, 4.0])))
    11.0
    """
    _no_out("dot", out)
    if ndim(a) == 0 or ndim(b) == 0:
        return a * b
    if ndim(b) <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([ndim(a) - 1], [ndim(b) - 2]))


def vdot(a, b):
    """Dot product of the flattened arrays, a conjugated first, like `numpy.vdot`.

    >>> float(vdot(_np.ones((2, 2)), _np.ones((2, 2))))
    4.0
    """
    if math.prod(shape(a)) != math.prod(shape(b)):  # (ravel's product broadcast a scalar or a 1-vector, silently)
        raise ValueError(f"numpy.vdot: a of shape {shape(a)} and b of shape {shape(b)} differ in size")
    a = _ops.conj(a) if _ops.is_complex(a) else a
    return sum(ravel(a) * ravel(b))


def inner(a, b):
    """Inner product over the last axes, like `numpy.inner`.

    >>> float(inner(_np.array([1.0, 2.0]), _np.array([3.0, 4.0])))
    11.0
    """
    if ndim(a) == 0 or ndim(b) == 0:
        return a * b
    return tensordot(a, b, axes=([ndim(a) - 1], [ndim(b) - 1]))


def outer(a, b, out=None):
    """Outer product of the flattened arrays.

    >>> outer(_np.ones(2), _np.ones(3)).shape
    (2, 3)
    """
    _no_out("outer", out)
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def tensordot(a, b, axes=2):
    """Sum products over the given axes (an int n: a's last n with b's first n; or two lists), as
    one matmul of the rearranged operands.

    >>> tensordot(_np.ones((2, 3)), _np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    if isinstance(axes, (int, _np.integer)):
        if axes > builtins.min(ndim(a), ndim(b)):  # (was "axis 1 is out of bounds for array of dimension 1", unnamed)
            raise ValueError(
                f"tensordot: axes={axes} sums over a's last {axes} axes and b's first {axes}, but a has shape "
                f"{shape(a)} and b {shape(b)}"
            )
        axes_a, axes_b = list(range(ndim(a) - axes, ndim(a))), list(range(axes))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, _np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, _np.integer)) else list(axes_b)
    else:  # (axes=1.5 was "cannot unpack non-iterable float object")
        raise TypeError(f"tensordot: axes must be an int or a pair of axis lists (a's, b's), got {axes!r}")
    axes_a = [_in_range(x, ndim(a)) for x in axes_a]
    axes_b = [_in_range(x, ndim(b)) for x in axes_b]
    sa, sb = shape(a), shape(b)
    # NumPy's checks: the summed axes pair up one to one, of equal lengths (a's (2, 3) against b's (3, 2) over both
    # axes passed the one reshape to (6,) each and summed mismatched pairs: a number where NumPy refuses)
    if len(set(axes_a)) != len(axes_a) or len(set(axes_b)) != len(axes_b):
        raise ValueError(f"tensordot: duplicate axes in {axes!r}")
    if len(axes_a) != len(axes_b) or any(sa[i] != sb[j] for i, j in zip(axes_a, axes_b)):
        raise ValueError(
            f"tensordot: shape-mismatch for sum: a's axes {tuple(axes_a)} have lengths {tuple(sa[i] for i in axes_a)}, "
            f"b's axes {tuple(axes_b)} lengths {tuple(sb[j] for j in axes_b)} (a of shape {sa}, b of shape {sb})"
        )
    free_a = [i for i in range(ndim(a)) if i not in axes_a]
    free_b = [i for i in range(ndim(b)) if i not in axes_b]
    k = math.prod(sa[i] for i in axes_a)
    a2 = reshape(transpose(a, free_a + axes_a), (math.prod(sa[i] for i in free_a), k))
    b2 = reshape(transpose(b, axes_b + free_b), (k, math.prod(sb[i] for i in free_b)))
    return reshape(matmul(a2, b2), tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b))


def kron(a, b):
    """Kronecker product, like `numpy.kron`.

    >>> kron(_np.eye(2), _np.ones((2, 2))).shape
    (4, 4)
    """
    n = builtins.max(ndim(a), ndim(b))
    a = reshape(a, (1,) * (n - ndim(a)) + shape(a))
    b = reshape(b, (1,) * (n - ndim(b)) + shape(b))
    sa, sb = shape(a), shape(b)
    inter = [d for pair in zip(sa, (1,) * n) for d in pair]
    ra = reshape(a, tuple(inter))
    rb = reshape(b, tuple(d for pair in zip((1,) * n, sb) for d in pair))
    return reshape(ra * rb, tuple(x * y for x, y in zip(sa, sb)))


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal over two axes (it becomes the last axis), like `numpy.diagonal`.

    >>> diagonal(_np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    n = ndim(a)
    axis1, axis2 = _in_range(axis1, n), _in_range(axis2, n)
    rest = [i for i in range(n) if i not in (axis1, axis2)]
    a = transpose(a, rest + [axis1, axis2])
    rows, cols = shape(a)[-2:]
    i = _np.arange(builtins.max(0, builtins.min(rows + builtins.min(offset, 0), cols - builtins.max(offset, 0))))
    return a[(slice(None),) * (n - 2) + (i - builtins.min(offset, 0), i + builtins.max(offset, 0))]


def diag(v, k=0):
    """A diagonal matrix from a vector, or the diagonal of a matrix, like `numpy.diag`.

    >>> diag(_np.array([1.0, 2.0]))
    array([[1., 0.],
           [0., 2.]])
    """
    if ndim(v) == 2:
        return diagonal(v, k)
    n = shape(v)[0] + builtins.abs(k)
    i = _np.arange(shape(v)[0])
    return _ops.scatter_add(v, idx=(i + builtins.max(-k, 0), i + builtins.max(k, 0)), shape=(n, n))


def tril(m, k=0):
    """Lower triangle (entries above the k-th diagonal zeroed).

    >>> tril(_np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    return m * _np.tri(*shape(m)[-2:], k=k)


def triu(m, k=0):
    """Upper triangle (entries below the k-th diagonal zeroed).

    >>> triu(_np.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    return m * (1.0 - _np.tri(*shape(m)[-2:], k=k - 1))


def _cast_as_numpy(a, b):
    """A constant matrix `a` solved against a traced `b`, in the dtype NumPy's solve and lstsq compute in (their
    LAPACK call casts both to the common dtype): a float32 `a` against a float64 `b` is cast to float64, or the
    inverse (pseudo-inverse) folded from it is float32's, 1e-9 off in the value and 6e-8 in the gradient. A float32
    trace (Trace.narrow: float32 inputs traced in float64, their dtypes found from the constants) keeps it.

    >>> _cast_as_numpy(_np.eye(2, dtype=_np.float32), _np.ones(2)).dtype
    dtype('float32')
    """
    if type(a) is _np.ndarray and a.dtype.kind == "f" and isinstance(b, _Traced) and not b._trace.narrow:
        common = _np.result_type(a.dtype, b.dtype)
        if common != a.dtype:
            return a.astype(common)
    return a


def _solve(a, b):
    """Solve a x = b (b a vector or a matrix, or stacks of them), through the inverse."""
    if ndim(a) < 2:  # (NumPy's errors, naming solve: main's named inv or matmul, ops the user did not call)
        raise _np.linalg.LinAlgError(
            f"numpy.linalg.solve: {ndim(a)}-dimensional array given. Array must be at least two-dimensional"
        )
    n = shape(a)[-1]  # (a non-square a: inv's equation names it, test_bad_input)
    if shape(a)[-2] == n and (ndim(b) == 0 or shape(b)[-1 if ndim(b) == 1 else -2] != n):
        raise ValueError(
            f"numpy.linalg.solve: b of shape {shape(b)} does not match a of shape {shape(a)}: b must be ({n},) or "
            f"({n}, k), or a stack of those"
        )
    return matmul(_ops.inv(_cast_as_numpy(a, b)), b)


#: NumPy's slogdet result: a pair that also reads as `.sign` and `.logabsdet` (NumPy ≥ 2's SlogdetResult)
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def _slogdet(a):
    """(sign, log|det a|): the sign (±1, piecewise constant; of a complex a, det/|det|, a phase) and the
    log-determinant are entries, a SlogdetResult as NumPy's (`.sign`, `.logabsdet`)."""
    logdet = _ops.logabsdet(a)  # first: symbolic's size refusal names it (log|det| is what slogdet is for)
    return SlogdetResult(_ops.detphase(a), logdet)


def _lstsq(a, b, rcond=None):
    """Least squares, like `numpy.linalg.lstsq`: (x, residuals, rank, s). The solution x = A⁺ b and
    the residuals and singular values are differentiable; the rank is an int (piecewise constant).

    Shapes: a (m, n), b (m,) or (m, k) -> x (n,) or (n, k); residuals (k,) or (1,) when the rank is n
    and m > n, else empty; s (min(m, n),).

    >>> x, res, rank, s = _lstsq(_np.array([[1.0], [1.0]]), _np.array([1.0, 3.0]))
    >>> x.tolist(), res.tolist(), int(rank)
    ([2.0], [2.0], 1)
    """
    for name, arr, dims in (("a", a, (2,)), ("b", b, (1, 2))):
        if ndim(arr) not in dims:  # (NumPy's LinAlgError, naming the argument; main unpacked a's shape: a bare error)
            raise _np.linalg.LinAlgError(
                f"numpy.linalg.lstsq: {name} is {ndim(arr)}-dimensional, shape {shape(arr)}; {name} must be "
                + ("two-dimensional (m, n)" if name == "a" else "(m,) or (m, k)")
            )
    m, n = shape(a)
    if shape(b)[0] != m:
        raise _np.linalg.LinAlgError(
            f"numpy.linalg.lstsq: Incompatible dimensions: a is {shape(a)} and b {shape(b)}; b's first axis must "
            f"match a's {m} rows"
        )
    a = _cast_as_numpy(a, b)
    x = matmul(_ops.pinv(a, rcond=None if rcond is None else float(rcond)), b)
    s = _ops.svd_s(a)
    # traced: counted on values at run time, so that vmap's rows and a prepared graph's points are each their own
    if isinstance(a, _Traced) and builtins.min(m, n) > 0:
        rank = sum(s > max(s) * (builtins.max(m, n) * _np.finfo(float).eps if rcond is None else float(rcond)))
        full = _np.asarray(_held(rank)) == n  # (the residuals' shape: the trace's point decides, see below)
        if not full and m > n:  # (no residuals here, (1,) or (k,) at a point of full rank: the shape is the values')
            return x, _empty_residuals(a, b, x, rank), rank, s
    else:
        tol = None if rcond is None or builtins.min(m, n) == 0 else float(rcond) * _np.max(_held(s))
        rank = _np.linalg.matrix_rank(_np.asarray(_held(a)), tol=tol)  # (an empty a's: 0)
        full = rank == n
    if full and m > n:
        r = b - matmul(a, x)
        r = _ops.cabs(r) if isinstance(r, _Traced) and r.dtype.kind == "c" or _np.iscomplexobj(r) else r
        residuals = sum(r * r, axis=0)  # Σ |r|² (NumPy's: real for a complex system)
        residuals = reshape(residuals, (1,)) if ndim(b) == 1 else residuals
        if isinstance(rank, _Traced):  # NaN at a point of lower rank (NumPy's residuals there are empty, a shape a
            # graph traced at full rank cannot give), said by the guard's DomainWarning naming lstsq and the rank
            guard = _ops.rank_guard(
                _real_form(a), of="lstsq", rcond=None if rcond is None else float(rcond), real_form=a.dtype.kind == "c"
            )
            residuals = residuals + reshape(guard, (1,))
    else:
        residuals = _np.empty((0,))
    return x, residuals, rank, s


def _real_form(a):
    """a, or of a complex a its real form [[Re a, -Im a], [Im a, Re a]] (singular values a's, each twice)."""
    if a.dtype.kind != "c":
        return a
    re, im = _ops.real(a), _ops.imag(a)
    return _ops.concatenate(_ops.concatenate(re, -im, axis=1), _ops.concatenate(im, re, axis=1), axis=0)  # (a 2-D a)


def _empty_residuals(a, b, x, rank):
    """lstsq's residuals, empty, traced at a point below full rank (m > n): their shape is the rank's, so the trace is
    specialised to it only where an output uses them (Trace.tentative, as a read by a traced mask: settled when the
    trace closes); unused, x alone is recomputed at every call (vmap's rows, prepare's points, each of its own rank)."""
    t = rank._trace
    empty = reshape(sum(b - matmul(a, x)), (1,))[:0]  # (a traced (0,) computed from a: its use is an equation's)
    if t.specialised or isinstance(rank.value, _Traced) or empty._trace is not t:  # (nested traces: read as before)
        _value(rank, _EMPTY_RESIDUALS)
        return empty
    _value(rank, _EMPTY_RESIDUALS)  # (the Why, with the user's line: kept for the settling, the mark undone)
    why, t.specialised = t.specialised, False
    t.tentative = [*t.tentative, (why, empty.node)]
    return empty


_EMPTY_RESIDUALS = "numpy.linalg.lstsq's residuals (empty below full rank: their shape is the rank's)"


def _norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (ord None/2, 1, inf, -inf, 0, p) and matrix norms ('fro', 'nuc', 1, -1, 2, -2,
    inf, -inf; 'nuc' and ±2 through the singular values), like `numpy.linalg.norm`."""
    if (x.dtype.kind if isinstance(x, _Traced) else _np.asarray(x).dtype.kind) == "c":  # (a plain one too: its
        # 2-norm and Frobenius norm were sqrt(sum(x·x)), a complex wrong number, before stop 62)
        if not (ord in (2, -2, "nuc") and (ndim(x) if axis is None else len(_axes(x, axis))) == 2):
            x = _ops.cabs(x) if isinstance(x, _Traced) else _np.abs(x)  # (NumPy's norms of complex values: of |x|)
    if axis is None:
        if ord is None or (ord == "fro" and ndim(x) == 2):
            out = sqrt(sum(x * x))
            return reshape(out, (1,) * ndim(x)) if keepdims else out
        axis = tuple(range(ndim(x)))
    axes = _axes(x, axis)
    if (ord == _np.inf or (len(axes) == 2 and ord in (1, 2, "nuc"))) and 0 in [shape(x)[a] for a in axes]:
        # an empty vector's or matrix's: NumPy's 0 (was difflab's max over nothing, 'zero-size array to reduction
        # operation maximum', or the singular values' s[..., 0], 'index 0 is out of bounds')
        return sum(abs(x), axis=axes, keepdims=keepdims)
    if len(axes) == 1:
        ax = axes[0]
        if ord is None or ord == 2:
            return sqrt(sum(x * x, axis=ax, keepdims=keepdims))
        if ord == _np.inf:
            return max(abs(x), axis=ax, keepdims=keepdims)
        if ord == -_np.inf:
            return min(abs(x), axis=ax, keepdims=keepdims)
        if ord == 1:
            return sum(abs(x), axis=ax, keepdims=keepdims)
        if ord == 0:
            return sum(not_equal(x, 0.0) * 1.0, axis=ax, keepdims=keepdims)
        if isinstance(ord, str):
            raise ValueError(f"invalid norm order {ord!r} for vectors")
        return sum(abs(x) ** float(ord), axis=ax, keepdims=keepdims) ** (1.0 / ord)
    if len(axes) != 2:
        raise ValueError(f"improper number of dimensions to norm: axis={axis}")
    r, c = (int(a) % ndim(x) for a in axis)  # the caller's order (axes is sorted): axis=(1, 0) swaps ord 1 and inf
    if r == c:  # (NumPy's error; ord 1 reduced one axis twice, a number where NumPy has none)
        raise ValueError(f"numpy.linalg.norm: duplicate axes given, axis={axis}")
    if ord is None or ord == "fro":
        return sqrt(sum(x * x, axis=axes, keepdims=keepdims))
    if ord in (1, -1):
        col = sum(abs(x), axis=r, keepdims=True)
        out = max(col, axis=c, keepdims=True) if ord == 1 else min(col, axis=c, keepdims=True)
    elif ord in (_np.inf, -_np.inf):
        row = sum(abs(x), axis=c, keepdims=True)
        out = max(row, axis=r, keepdims=True) if ord > 0 else min(row, axis=r, keepdims=True)
    elif ord in (2, -2, "nuc"):  # from the singular values of the matrices in axes (r, c)
        s = _ops.svd_s(moveaxis(x, (r, c), (-2, -1)))
        out = sum(s, axis=-1) if ord == "nuc" else s[..., 0] if ord == 2 else s[..., -1]
        if keepdims:
            kept = list(shape(x))
            kept[r] = kept[c] = 1
            out = reshape(out, tuple(kept))
        return out
    else:
        raise UnsupportedNorm(ord)
    return out if keepdims else squeeze(out, axis=axes)


class UnsupportedNorm(_DifflabError, ValueError):
    """A matrix norm order NumPy does not define either."""

    def __init__(self, ord):
        super().__init__(
            f"numpy.linalg.norm: invalid norm order {ord!r} for matrices "
            "(valid: None, 'fro', 'nuc', 1, -1, 2, -2, inf, -inf)"
        )


# NumPy 2's numpy.linalg spellings (array-API names): the same products on the last axes, with their
# own signatures and stricter shape rules


def _linalg_matmul(x1, x2, /):
    return matmul(x1, x2)


def _linalg_outer(x1, x2, /):
    """`numpy.linalg.outer`: 1-D arguments only (numpy.outer flattens)."""
    if ndim(x1) != 1 or ndim(x2) != 1:
        raise ValueError(f"numpy.linalg.outer needs 1-D arrays, got shapes {shape(x1)} and {shape(x2)}")
    return outer(x1, x2)


def _linalg_tensordot(x1, x2, /, *, axes=2):
    return tensordot(x1, x2, axes=axes)


def _linalg_trace(x, /, *, offset=0, dtype=None):
    """`numpy.linalg.trace`: the sum of each matrix's offset diagonal (the last two axes)."""
    return sum(_linalg_diagonal(x, offset=offset), axis=-1)


def _linalg_diagonal(x, /, *, offset=0):
    return diagonal(x, offset, axis1=-2, axis2=-1)


def _linalg_cross(x1, x2, /, *, axis=-1):
    """`numpy.linalg.cross`: 3-vectors only (numpy.cross also takes 2-vectors)."""
    if shape(x1)[axis] != 3 or shape(x2)[axis] != 3:
        raise ValueError(f"numpy.linalg.cross needs 3-vectors along axis {axis}, got {shape(x1)} and {shape(x2)}")
    return cross(x1, x2, axis=axis)


def vecdot(x1, x2, /, *, axis=-1, keepdims=False):
    """Σ conj(x1)·x2 over `axis` (broadcast), like `numpy.vecdot` and `numpy.linalg.vecdot` (`keepdims`: the generalized
    ufunc's, the summed axis kept with length 1).

    >>> vecdot(_np.ones((2, 3)), _np.arange(3.0)).tolist()
    [3.0, 3.0]
    """
    # NumPy's core dimension: both have the summed axis, of one length (the product broadcast a scalar or a
    # length-1 axis against it: a sum where NumPy refuses)
    if ndim(x1) == 0 or ndim(x2) == 0 or shape(x1)[_in_range(axis, ndim(x1))] != shape(x2)[_in_range(axis, ndim(x2))]:
        raise ValueError(
            f"numpy.vecdot: the summed axis {axis} must be in both arguments with one length, got shapes "
            f"{shape(x1)} and {shape(x2)}"
        )
    x1 = _ops.conj(x1) if _ops.is_complex(x1) else x1
    return sum(x1 * x2, axis=axis, keepdims=bool(keepdims))


def matrix_transpose(x, /):
    """Swap the last two axes, like `numpy.matrix_transpose` (`numpy.linalg.matrix_transpose`).

    >>> matrix_transpose(_np.ones((2, 3, 4))).shape
    (2, 4, 3)
    """
    if ndim(x) < 2:
        raise ValueError(f"matrix_transpose needs at least 2 dimensions, got shape {shape(x)}")
    return swapaxes(x, -1, -2)


def _matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """`numpy.linalg.matrix_norm`: the norm of each matrix (the last two axes)."""
    return _norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def _vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """`numpy.linalg.vector_norm`: the vector norm over `axis` (None: all entries; a tuple: those
    entries together), whatever x's rank."""
    if axis is None or not isinstance(axis, (int, _np.integer)) and len(axis) > 1:
        axes = tuple(range(ndim(x))) if axis is None else _axes(x, axis)
        rest = [i for i in range(ndim(x)) if i not in axes]
        flat = reshape(transpose(x, rest + list(axes)), tuple(shape(x)[i] for i in rest) + (-1,))
        out = _norm(flat, ord=ord, axis=-1)
        if keepdims:
            out = reshape(out, tuple(1 if i in axes else n for i, n in enumerate(shape(x))))
        return out
    return _norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _cond(x, p=None):
    """`numpy.linalg.cond`: σmax/σmin for p None or 2 (σmin/σmax for -2), else ‖x‖ₚ‖x⁻¹‖ₚ; of each matrix."""
    if ndim(x) < 2:
        raise ValueError(f"numpy.linalg.cond needs a matrix (or a stack), got shape {shape(x)}")
    if p is None or p in (2, -2):
        s = _ops.svd_s(x)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    return _norm(x, ord=p, axis=(-2, -1)) * _norm(_ops.inv(x), ord=p, axis=(-2, -1))


def _tensorinv(a, ind=2):
    """`numpy.linalg.tensorinv`: the inverse of a reshaped to a square matrix (its first `ind` axes
    against the rest), reshaped to a.shape[ind:] + a.shape[:ind]."""
    if ind <= 0:
        raise ValueError("numpy.linalg.tensorinv: ind must be a positive integer")
    old = shape(a)
    size = math.prod(old[ind:])
    return reshape(_ops.inv(reshape(a, (size, -1))), old[ind:] + old[:ind])


def _tensorsolve(a, b, axes=None):
    """`numpy.linalg.tensorsolve`: x with tensordot(a, x, x.ndim) = b (a's `axes` moved to the end)."""
    if axes is not None:
        order = [i for i in range(ndim(a)) if i not in [k % ndim(a) for k in axes]]
        a = transpose(a, order + [k % ndim(a) for k in axes])
    old = shape(a)[ndim(b) :]
    size = math.prod(old)
    if math.prod(shape(a)[: ndim(b)]) != size:
        raise ValueError(
            f"numpy.linalg.tensorsolve: a's shape {shape(a)} does not make a square system for b {shape(b)}"
        )
    return reshape(_solve(reshape(a, (-1, size)), ravel(b)), old)


def diagflat(v, k=0):
    """A 2-D array with the flattened input on its k-th diagonal, like `numpy.diagflat`.

    >>> diagflat(_np.array([[1.0, 2.0]]))
    array([[1., 0.],
           [0., 2.]])
    """
    return diag(ravel(v), k)


def triu_indices_from(arr, k=0):
    """The indices of arr's upper triangle (from its shape: constants), like `numpy.triu_indices_from`.

    >>> triu_indices_from(_np.ones((2, 2)))
    (array([0, 0, 1]), array([0, 1, 1]))
    """
    return _np.triu_indices(shape(arr)[-2], k, shape(arr)[-1])


def tril_indices_from(arr, k=0):
    """The indices of arr's lower triangle (from its shape: constants), like `numpy.tril_indices_from`.

    >>> tril_indices_from(_np.ones((2, 2)))
    (array([0, 1, 1]), array([0, 0, 1]))
    """
    return _np.tril_indices(shape(arr)[-2], k, shape(arr)[-1])


def _multi_dot(arrays, *, out=None):
    """`numpy.linalg.multi_dot`: the matrix product of the list, left to right (NumPy picks the
    cheapest order: the same value to rounding)."""
    res = arrays[0]
    for b in arrays[1:]:
        res = matmul(res, b)
    return res


def _matrix_power(a, n):
    """`numpy.linalg.matrix_power`: a to the integer power n by NumPy's own binary decomposition (so the
    values agree to the bit), inv(a) first for a negative n."""
    if not isinstance(n, (int, _np.integer)):
        raise TypeError("matrix_power's exponent must be an integer")
    if n == 0:
        return broadcast_to(_np.eye(shape(a)[-1]), shape(a)) + 0.0
    if n < 0:
        a, n = _ops.inv(a), -n
    if n <= 3:
        return a if n == 1 else matmul(a, a) if n == 2 else matmul(matmul(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else matmul(result, z)
    return result
