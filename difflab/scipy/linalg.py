"""`scipy.linalg` functions on traced values: sqrtm, expm and solve_sylvester (registry entries,
difflab.ops.matfuncs), solve_continuous_lyapunov and solve_discrete_lyapunov (compositions of
solve_sylvester, or of a Kronecker solve), solve_triangular and solve_banded (compositions: a solve with the triangle or
the band gathered dense), cholesky, cho_factor and cho_solve with SciPy's conventions (the upper factor
by default, each reading the triangle SciPy's reads), eigh and eigvalsh (the generalized a v = w b v too),
block_diag, toeplitz and circulant (gathers), lu, lu_factor and lu_solve (SciPy's pivots, read from the
values by an equation each call, then difflab's elimination), and SciPy's names that NumPy shares (inv, det, solve, svd, svdvals,
pinv, norm). qr and polar (ops/qr.py's factors; sqrtm), logm (a registry entry); expm_frechet, cosm, sinm, tanm, coshm, sinhm and tanhm
(SciPy's own formulas in expm and frechet), signm and fractional_matrix_power (sqrtm; expm of logm); hankel, companion,
khatri_rao, convolution_matrix, diagsvd, solve_toeplitz, matmul_toeplitz, solve_circulant, lstsq, eig, eigvals, pinvh
orthogonal_procrustes, solveh_banded, eigh_tridiagonal, eigvalsh_tridiagonal, leslie and fiedler (compositions with
SciPy's signatures and conventions; solve_lyapunov SciPy's older name of solve_continuous_lyapunov); solve_continuous_are and
solve_discrete_are (registry entries, difflab.ops.riccati). Since stop 62: cholesky_banded, cho_solve_banded, eig_banded and
eigvals_banded (the band gathered dense), rq, qr_multiply, qr_update, qr_insert and qr_delete (SciPy's Givens sweeps
recorded for a full Q, else the QR of the updated matrix with SciPy's signs held), orth, subspace_angles,
cdf2rdf, fiedler_companion, clarkson_woodruff_transform, matrix_balance, hessenberg (gehrd's reflections recorded), ldl
(SciPy's pivots, the block elimination recorded) and expm_cond (compositions); the constant makers (dft, hadamard,
helmert, hilbert, invhilbert, pascal, invpascal), the predicates (issymmetric, ishermitian, bandwidth) and the
BLAS/LAPACK lookups pass to SciPy. null_space, schur, qz, ordqz, rsf2csf, cossin and funm are refused by name, saying
what to write instead. SciPy's own `scipy.linalg.sqrtm(x)` converts a traced value (no dispatch reaches difflab): its
error names the function here. Since stop 64 every function SciPy 1.17 batches takes stacks (..., M, N) by SciPy's rules:
NumPy's batched ops where they serve, else `_over_batch`, a loop over the leading axes (docs/scipy.md).
"""

from __future__ import annotations

import numpy as _np

from .. import numpy as _dnp
from ..graph import Traced as _Traced
from ..ops import decompositions as _decompositions
from ..ops import matfuncs as _matfuncs
from ..ops import riccati as _riccati_ops
from ..ops.qr import rank_guard as _rank_guard


def _over_batch(*argdefs, name=None):
    """SciPy 1.17's batching of scipy.linalg (its `_apply_over_batch`), for the functions here written for one matrix:
    `argdefs` are (name, core) of the leading array arguments (positional or by keyword), core their number of core
    axes (0, 1, 2, or "1|2": 2 where the argument has two axes or more, as SciPy's b). Where any array has axes before
    its core ones, their shapes broadcast to one batch shape, the function runs once per batch index on the slices
    (traced slices are getitem equations, so every method differentiates it as the loop of 2-D calls) and each output
    is stacked to batch + its core shape; a tuple result gives a tuple. Unbatched calls run the function as it is.
    `name`: the public function's, for errors (default the function's own). Shape contract: each array (*batch_i, *core) -> each output (*broadcast(batch_i), *its core).

    How it works: `expm_cond` of A (3, 4, 4) calls expm_cond(A[0]), expm_cond(A[1]), expm_cond(A[2]) and stacks the
    three numbers to shape (3,); A (4, 4) skips the loop.

    >>> _over_batch(("a", 1))(lambda a: a[::-1])(_np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[2.0, 1.0], [4.0, 3.0]]
    """
    import functools

    names = [arg for arg, _ in argdefs]

    def decorator(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            arrays = list(args[: len(names)]) + [kwargs.pop(n, None) for n in names[len(args) :]]
            batches, cores = [], []
            for x, (_, core) in zip(arrays, argdefs):
                ndim = _np.ndim(x) if x is not None else 0
                k = (2 if ndim >= 2 else 1) if core == "1|2" else core
                batches.append(_np.shape(x)[: ndim - k] if x is not None and ndim > k else ())
                cores.append(_np.shape(x)[ndim - k :] if x is not None else ())
            if not any(batches):
                return f(*arrays, *args[len(names) :], **kwargs)
            batch = _batch_shape(name or f.__name__, names, arrays, batches)
            arrays = [_broadcast(x, batch + c) for x, c in zip(arrays, cores)]
            results = [f(*(x if x is None else x[i] for x in arrays), *args[len(names) :], **kwargs)
                       for i in _np.ndindex(batch)]  # fmt: skip
            if not isinstance(results[0], tuple):
                return _stacked(results, batch)
            return tuple(_stacked(list(out), batch) for out in zip(*results))

        return wrapper

    return decorator


def _batch_shape(name, names, arrays, batches):
    """The broadcast of the batch shapes (SciPy's errors: shapes that do not broadcast, a zero-size batch), named."""
    try:
        batch = _np.broadcast_shapes(*batches)
    except ValueError:
        shapes = ", ".join(f"{n} {_np.shape(x)}" for n, x in zip(names, arrays) if x is not None)
        raise ValueError(f"scipy.linalg.{name}: the batch shapes of {shapes} do not broadcast") from None
    if _np.prod(batch) == 0:
        raise ValueError(f"scipy.linalg.{name} does not support zero-size batches (batch shape {batch})")
    return batch


def _broadcast(x, shape):
    """x (traced, an array or an array-like: a list) broadcast to shape; None stays None."""
    if x is None:
        return None
    return _dnp.broadcast_to(x, shape) if isinstance(x, _Traced) else _np.broadcast_to(_np.asarray(x), shape)


def _stacked(outs, batch):
    """One output of every batch index stacked to batch + its shape (NumPy's stack for plain ones: ints, flags)."""
    if any(isinstance(y, _Traced) for y in outs):
        y = _dnp.stack(outs)
    else:
        y = _np.stack([_np.asarray(y) for y in outs])
    return _dnp.reshape(y, batch + _np.shape(y)[1:]) if isinstance(y, _Traced) else y.reshape(batch + y.shape[1:])


# SciPy's signatures over NumPy's functions: `overwrite_a`, `check_finite` and `lapack_driver` are accepted and change
# nothing (a traced value is never written), as cholesky's; NumPy's own took none of them (a bare TypeError) and read
# svd's fourth positional argument, SciPy's overwrite_a, as hermitian=
def inv(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    """The inverse, like `scipy.linalg.inv` (`assume_a` None or 'general' only: SciPy's structured kinds read one
    triangle, refused by name). Shapes: a (..., n, n) -> (..., n, n).

    >>> inv(_np.array([[2.0]])).tolist()
    [[0.5]]
    """
    _unsupported(
        "inv",
        assume_a not in (None, "general", "gen"),
        f"assume_a={assume_a!r} (SciPy reads one triangle) is not supported; symmetrise a yourself and give "
        "assume_a=None",
    )
    return _dnp.linalg.inv(a)


def det(a, overwrite_a=False, check_finite=True):
    """The determinant, like `scipy.linalg.det`. Shapes: a (..., n, n) -> (...).

    >>> float(det(_np.array([[2.0, 0.0], [0.0, 3.0]])))
    6.0
    """
    return _dnp.linalg.det(a)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True, lapack_driver="gesdd"):
    """The singular value decomposition, like `scipy.linalg.svd`: (U, s, Vh), or s alone without compute_uv.

    >>> svd(_np.array([[3.0, 0.0], [0.0, -2.0]]), compute_uv=False).tolist()
    [3.0, 2.0]
    """
    return _dnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


def norm(a, ord=None, axis=None, keepdims=False, check_finite=True):
    """A vector or matrix norm, like `scipy.linalg.norm` (NumPy's, which it is).

    >>> float(norm(_np.array([3.0, 4.0])))
    5.0
    """
    return _dnp.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims)


def svdvals(a, overwrite_a=False, check_finite=True):
    """The singular values, descending, like `scipy.linalg.svdvals`.

    >>> svdvals(_np.array([[3.0, 0.0], [0.0, -2.0]])).tolist()
    [3.0, 2.0]
    """
    return _dnp.linalg.svdvals(a)


def pinv(a, *, atol=None, rtol=None, return_rank=False, check_finite=True):
    """The pseudo-inverse, like `scipy.linalg.pinv` (SciPy's keywords: singular values at most rtol·σmax dropped,
    rtol None: max(m, n)·eps, NumPy's default). Shapes: a (m, n) -> (n, m). An absolute cutoff `atol` > 0 and
    `return_rank` are refused by name (NumPy's pinv, which this is, has neither; they were a bare TypeError).

    >>> pinv(_np.array([[2.0], [0.0]]), rtol=0.1).tolist()
    [[0.5, 0.0]]
    """
    _unsupported("pinv", atol not in (None, 0), f"atol={atol!r} (an absolute cutoff) is not supported; use rtol=")
    _unsupported("pinv", return_rank, "return_rank=True is not supported; use numpy.linalg.matrix_rank(a)")
    if rtol is not None and rtol < 0:
        raise ValueError("scipy.linalg.pinv: atol and rtol values must be positive.")
    return _dnp.linalg.pinv(a, rtol=rtol)


_STRUCTURES = {  # SciPy's assume_a names -> the part of a that is read
    None: "general", "gen": "general", "general": "general", "banded": "general",
    "sym": "symmetric", "symmetric": "symmetric", "her": "hermitian", "hermitian": "hermitian",
    "pos": "positive definite", "positive definite": "positive definite",
    "diagonal": "diagonal", "tridiagonal": "tridiagonal",
    "upper triangular": "upper triangular", "lower triangular": "lower triangular",
}  # fmt: skip


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None,
          transposed=False):  # fmt: skip
    """x with a x = b, like `scipy.linalg.solve`: `assume_a` says which part of `a` is read, as SciPy's (sym/her/pos:
    the upper triangle, the lower with `lower=True`; diagonal, tridiagonal, upper/lower triangular: those entries),
    the others ignored with zero derivative; `transposed` solves aᵀ x = b. `overwrite_*`/`check_finite` change
    nothing. Shape contract: a (n, n) (or a stack); b (n,) or (n, k); x like b.

    >>> solve(_np.array([[2.0, 1.0], [9.0, 1.0]]), _np.array([3.0, 2.0]), assume_a="sym").tolist()  # 9: not read
    [1.0, 1.0]
    """
    if assume_a not in _STRUCTURES:  # (was Python's "_solve() got an unexpected keyword argument 'assume_a'")
        names = ", ".join(repr(k) for k in _STRUCTURES if k is not None)
        raise ValueError(f"solve: {assume_a!r} is not a recognized matrix structure (assume_a: {names})")
    _check_rows("solve", a, b)
    kind = _STRUCTURES[assume_a]
    if kind in ("symmetric", "hermitian", "positive definite"):
        strict = _dnp.tril(a, -1) if lower else _dnp.triu(a, 1)
        mirror = _dnp.swapaxes(strict, -1, -2)
        diagonal = a * _np.eye(_np.shape(a)[-1])
        if kind == "symmetric":
            a = strict + mirror + diagonal
        else:  # (LAPACK's hesv/posv read the diagonal's real part only)
            a = strict + _dnp.conjugate(mirror) + (_dnp.real(diagonal) if _np.iscomplexobj(a) else diagonal)
        if kind == "positive definite" and not isinstance(a, _Traced):
            _np.linalg.cholesky(_np.asarray(a))  # (LinAlgError for one that is not, as SciPy's)
    elif kind == "diagonal":
        a = a * _np.eye(_np.shape(a)[-1])
    elif kind == "tridiagonal":
        n = _np.shape(a)[-1]
        a = a * (_np.abs(_np.subtract.outer(_np.arange(n), _np.arange(n))) <= 1)
    elif kind.endswith("triangular"):
        return solve_triangular(a, b, trans=1 if transposed else 0, lower=kind.startswith("lower"))
    if transposed:
        a = _dnp.swapaxes(a, -1, -2)
    return _dnp.linalg.solve(a, b)


def _check_rows(name, a, b, a_name="a"):
    """b's rows (its one axis, else its second last: SciPy's b of (n,) or (..., n, k)) against a's n, refused naming
    the function (NumPy's matmul and solve gufunc messages name neither; a stacked b of (1, n, k) was refused as
    having 1 row)."""
    n, shape = _np.shape(a)[-1], _np.shape(b)
    if not shape or (shape[-1] if len(shape) == 1 else shape[-2]) != n:
        raise ValueError(
            f"{name}: {a_name} of shape {_np.shape(a)} needs b with {n} rows, got shape {shape} (b of shape ({n},) "
            f"or (..., {n}, k))"
        )


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    """x with T x = b for the triangle T of `a` (lower or upper; transposed for trans 1/'T'/2/'C';
    a unit diagonal assumed with `unit_diagonal`): entries of `a` outside the triangle are ignored,
    and have zero derivative. Shape contract: a (n, n); b (n,) or (n, k); x like b. `overwrite_b` and
    `check_finite` are accepted and change nothing, as cholesky's.

    >>> solve_triangular(_np.array([[2.0, 0.0], [1.0, 1.0]]), _np.array([2.0, 2.0]), lower=True).tolist()
    [1.0, 1.0]
    """
    if trans not in (0, 1, 2, "N", "T", "C"):  # (it was read as 0: a solve with T, not the Tᵀ meant)
        raise ValueError(f"solve_triangular: trans must be 0/'N', 1/'T' or 2/'C', got {trans!r}")
    _check_rows("solve_triangular", a, b)
    n = _np.shape(a)[-1]
    tri = _dnp.tril(a) if lower else _dnp.triu(a)
    if unit_diagonal:
        tri = tri * (1.0 - _np.eye(n)) + _np.eye(n)
    if trans in (1, "T"):  # (the last two axes: a stack's matrices, each transposed; 'C' conjugated too, as LAPACK's)
        tri = _dnp.swapaxes(tri, -1, -2)
    elif trans in (2, "C"):
        tri = _ct(tri)
    return _dnp.linalg.solve(tri, b)


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor of a symmetric positive-definite `a`, like `scipy.linalg.cholesky`: the upper
    U with Uᵀ U = a by default (SciPy's convention; NumPy's is the lower), the lower L with `lower=True`.
    As SciPy's, only the triangle factored is read (the upper by default, the lower with `lower=True`), so its
    derivative in the other triangle's entries is 0, as SciPy's function's is.
    `overwrite_a` and `check_finite` are accepted and change nothing (a traced value is never written).

    >>> cholesky(_np.array([[4.0, 2.0], [2.0, 3.0]])).round(4).tolist()
    [[2.0, 1.0], [0.0, 1.4142]]
    """
    if lower:
        return _dnp.linalg.cholesky(a)  # (NumPy's reads the lower triangle)
    return _dnp.swapaxes(_dnp.linalg.cholesky(_dnp.swapaxes(a, -1, -2)), -1, -2)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower) for `cho_solve`, like `scipy.linalg.cho_factor`: c holds the factor in its lower or
    upper triangle (zeros in the other, where SciPy leaves arbitrary entries that cho_solve ignores).

    >>> c, low = cho_factor(_np.array([[4.0, 2.0], [2.0, 3.0]]), lower=True)
    >>> c.round(4).tolist(), low
    ([[2.0, 0.0], [1.0, 1.4142]], True)
    """
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """x with A x = b from cho_factor's (c, lower), like `scipy.linalg.cho_solve`: two triangular
    solves, with c's triangle only (its other entries are ignored, and have zero derivative).
    Shape contract: c (n, n); b (n,) or (n, k); x like b.

    >>> cho_solve(cho_factor(_np.array([[4.0, 2.0], [2.0, 3.0]])), _np.array([6.0, 5.0])).tolist()
    [1.0, 1.0]
    """
    if not (isinstance(c_and_lower, (tuple, list)) and len(c_and_lower) == 2):
        raise TypeError(
            "cho_solve takes the pair (c, lower) that cho_factor returns, not "
            + (
                f"an array of shape {_np.shape(c_and_lower)}"
                if hasattr(c_and_lower, "shape")
                else repr(type(c_and_lower))
            )
            + ": cho_solve(cho_factor(A), b)"
        )
    c, lower = c_and_lower
    if _np.ndim(lower) > 0:  # (SciPy's cho_factor of a stack gives one flag per matrix, all alike)
        flags = _np.unique(_np.asarray(lower, dtype=bool))
        if flags.size != 1:
            raise ValueError(f"cho_solve: the stack's lower flags must all be alike, got {_np.asarray(lower).tolist()}")
        lower = bool(flags[0])
    return _cho_solve(c, b, lower)


@_over_batch(("c", 2), ("b", "1|2"), name="cho_solve")
def _cho_solve(c, b, lower):
    _check_rows("cho_solve", c, b, "c")
    y = solve_triangular(c, b, trans=0 if lower else 1, lower=lower)
    return solve_triangular(c, y, trans=1 if lower else 0, lower=lower)


def solve_banded(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    """x with A x = b for the banded matrix A stored as SciPy's `ab` (A[i, j] = ab[u + i - j, j] for
    the l sub- and u super-diagonals): A gathered dense from `ab` with a constant index pattern, then
    solved. Shape contract: ab (l + u + 1, n); b (n,) or (n, k); x like b. `overwrite_ab`, `overwrite_b` and
    `check_finite` are accepted and change nothing, as cholesky's.

    >>> solve_banded((1, 0), _np.array([[2.0, 1.0], [1.0, 0.0]]), _np.array([2.0, 2.0])).tolist()
    [1.0, 1.0]
    """
    lower, upper = _band_widths(l_and_u, ab)
    return _banded_solve(ab, b, lower, upper)


@_over_batch(("ab", 2), ("b", "1|2"), name="solve_banded")
def _banded_solve(ab, b, lower, upper):
    n = _np.shape(ab)[1]
    i, j = _np.indices((n, n))
    row = upper + i - j
    inside = (row >= 0) & (row <= lower + upper)
    flat = _np.where(inside, row, 0) * n + j  # where A is outside the band: any entry, masked to 0
    dense = _dnp.where(inside, _dnp.take(_dnp.ravel(ab), flat), 0.0)
    return _dnp.linalg.solve(dense, b)


@_over_batch(("ab", 2), ("b", "1|2"))
def solveh_banded(ab, b, overwrite_ab=False, overwrite_b=False, lower=False, check_finite=True):
    """x with A x = b for the symmetric (Hermitian) banded A stored as SciPy's `ab` (upper form: A[i, j] =
    ab[u + i − j, j] for i ≤ j; `lower=True`: A[i, j] = ab[i − j, j] for i ≥ j), gathered dense and solved (SciPy's
    banded Cholesky: the same x to rounding where A is positive definite, which SciPy requires and this does not
    check). Shape contract: ab (u + 1, n); b (n,) or (n, k); x like b.

    >>> solveh_banded(_np.array([[0.0, 1.0], [2.0, 2.0]]), _np.array([3.0, 3.0])).tolist()
    [1.0, 1.0]
    """
    if _np.ndim(ab) != 2:
        raise ValueError(f"solveh_banded: ab must be 2-D (u + 1, n), got shape {_np.shape(ab)}")
    return _dnp.linalg.solve(_symmetric_band(ab, lower), b)


def _tridiagonal(d, e):
    n = _np.shape(d)[0]
    if _np.ndim(d) != 1 or _np.ndim(e) != 1 or _np.shape(e)[0] != n - 1:
        raise ValueError(f"d (n,) and e (n - 1,) expected, got shapes {_np.shape(d)} and {_np.shape(e)}")
    i, j = _np.indices((n, n))
    values = _dnp.concatenate([d, e])
    index = _np.where(i == j, i, n + _np.minimum(i, j))
    return _dnp.where(_np.abs(i - j) <= 1, _dnp.take(values, index), 0.0)


@_over_batch(("d", 1), ("e", 1))
def eigh_tridiagonal(d, e, eigvals_only=False, select="a", select_range=None, check_finite=True, tol=0.0,
                     lapack_driver="auto"):  # fmt: skip
    """Eigenvalues (ascending) and eigenvectors of the real symmetric tridiagonal matrix with diagonal d and off-
    diagonal e, like `scipy.linalg.eigh_tridiagonal` (eigh of the matrix gathered dense: the eigenvalues to rounding,
    the vectors up to sign; the vector derivative needs distinct eigenvalues). select='v'/'i' refused by name.
    Shape contract: d (n,), e (n − 1,) -> w (n,), v (n, n).

    >>> eigh_tridiagonal(_np.array([2.0, 2.0]), _np.array([1.0]), eigvals_only=True).tolist()
    [1.0, 3.0]
    """
    _unsupported("eigh_tridiagonal", select not in ("a", "all", 0), f"select={select!r} is not offered; 'a' only")
    t = _tridiagonal(d, e)
    return _dnp.linalg.eigvalsh(t) if eigvals_only else _dnp.linalg.eigh(t)


@_over_batch(("d", 1), ("e", 1))
def eigvalsh_tridiagonal(d, e, select="a", select_range=None, check_finite=True, tol=0.0, lapack_driver="auto"):
    """The eigenvalues (ascending) of the symmetric tridiagonal matrix (d, e), like
    `scipy.linalg.eigvalsh_tridiagonal` (see eigh_tridiagonal). Shape contract: d (n,), e (n − 1,) -> (n,).

    >>> eigvalsh_tridiagonal(_np.array([0.0, 0.0]), _np.array([2.0])).tolist()
    [-2.0, 2.0]
    """
    return eigh_tridiagonal(d, e, eigvals_only=True, select=select)


@_over_batch(("f", 1), ("s", 1))
def leslie(f, s):
    """The Leslie matrix: fecundities f in the first row, survival rates s below the diagonal, like
    `scipy.linalg.leslie`. Shape contract: f (n,), s (n − 1,) -> (n, n).

    >>> leslie(_np.array([0.1, 2.0]), _np.array([0.5])).tolist()
    [[0.1, 2.0], [0.5, 0.0]]
    """
    if _np.ndim(f) != 1 or _np.ndim(s) != 1 or _np.shape(s)[0] != _np.shape(f)[0] - 1 or _np.shape(f)[0] < 2:
        raise ValueError(f"leslie: f (n,) with n >= 2 and s (n - 1,) expected, got {_np.shape(f)} and {_np.shape(s)}")
    n = _np.shape(f)[0]
    below = _dnp.concatenate([_dnp.diag(s), _np.zeros((n - 1, 1))], axis=1)
    return _dnp.concatenate([_dnp.reshape(f, (1, n)), below], axis=0)


@_over_batch(("a", 1))
def fiedler(a):
    """The symmetric Fiedler matrix |a_i − a_j|, like `scipy.linalg.fiedler` (|·|'s convention at equal entries:
    derivative 0). Shape contract: a (n,) -> (n, n).

    >>> fiedler(_np.array([1.0, 4.0])).tolist()
    [[0.0, 3.0], [3.0, 0.0]]
    """
    if _np.ndim(a) != 1:
        raise ValueError(f"scipy.linalg.fiedler takes a 1-D a (or a stack of them), got shape {_np.shape(a)}")
    return _dnp.abs(_dnp.expand_dims(a, 1) - _dnp.expand_dims(a, 0))


def _band_widths(l_and_u, ab):
    """(l, u) checked as SciPy checks them: whole numbers >= 0 with l + u + 1 rows in ab. On main (1.5, 0) was read
    as (1, 0), (5, 5) an IndexError and (-1, 0) a 'Singular matrix' from the band gathered wrongly."""
    try:
        lower, upper = l_and_u
    except (TypeError, ValueError):
        raise TypeError(f"solve_banded: l_and_u must be the pair (l, u) of band widths, got {l_and_u!r}") from None
    if not all(isinstance(k, (int, _np.integer)) and not isinstance(k, bool) and k >= 0 for k in (lower, upper)):
        raise ValueError(f"solve_banded: l_and_u must be two whole numbers >= 0, got {l_and_u!r}")
    if _np.ndim(ab) < 2 or _np.shape(ab)[-2] != lower + upper + 1:
        raise ValueError(
            f"solve_banded: ab must have l + u + 1 = {lower + upper + 1} rows for l_and_u = ({lower}, {upper}), "
            f"got shape {_np.shape(ab)}"
        )
    return int(lower), int(upper)


def solve_sylvester(a, b, q):
    """X with A X + X B = Q, by SciPy's Bartels-Stewart solve (the registry's `sylvester` entry,
    whose rules are Sylvester solves too). Needs A and −B to share no eigenvalue. Shape contract:
    a (..., n, n), b (..., m, m), q (..., n, m) -> (..., n, m).

    >>> solve_sylvester(_np.eye(2), _np.eye(2), 2.0 * _np.eye(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return _matfuncs.sylvester(a, b, q)


def solve_continuous_lyapunov(a, q):
    """X with A X + X Aᴴ = Q, like `scipy.linalg.solve_continuous_lyapunov`: solve_sylvester(A, Aᴴ, Q), so
    differentiable by every method in A and Q where no two eigenvalues of A sum to 0. Shape contract:
    a (n, n), q (n, n) -> (n, n).

    >>> solve_continuous_lyapunov(-_np.eye(2), -2.0 * _np.eye(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return solve_sylvester(a, _ct(a), q)


def _riccati(name, op, a, b, q, r, e, s):
    _unsupported(name, e is not None or s is not None, "the generalized equation (e, s) is not offered")
    n, m = _np.shape(a)[0] if _np.ndim(a) == 2 else -1, _np.shape(b)[-1] if _np.ndim(b) == 2 else -1
    shapes = [_np.shape(x) for x in (a, b, q, r)]
    if shapes != [(n, n), (n, m), (n, n), (m, m)]:
        raise ValueError(f"scipy.linalg.{name} needs a (n, n), b (n, m), q (n, n), r (m, m), got {shapes}")
    return op(a, b, q, r)


@_over_batch(("a", 2), ("b", 2), ("q", 2), ("r", 2), ("e", 2), ("s", 2))
def solve_continuous_are(a, b, q, r, e=None, s=None, balanced=True):
    """The stabilizing X of Aᵀ X + X A − X B R⁻¹ Bᵀ X + Q = 0, like `scipy.linalg.solve_continuous_are` (the registry's
    `care` entry: SciPy's X; its derivative a Lyapunov equation of the closed loop A − B R⁻¹ Bᵀ X, so every order
    nests under forward, reverse and numeric; symbolic refuses it by name). Q and R are read as symmetric (their
    symmetric parts), as SciPy assumes them. The generalized e, s are refused by name; `balanced` changes nothing.
    Shape contract: a (n, n), b (n, m), q (n, n), r (m, m) -> (n, n).

    >>> solve_continuous_are(_np.zeros((1, 1)), _np.ones((1, 1)), _np.ones((1, 1)), _np.ones((1, 1))).tolist()
    [[1.0]]
    """
    return _riccati("solve_continuous_are", _riccati_ops.care, a, b, q, r, e, s)


@_over_batch(("a", 2), ("b", 2), ("q", 2), ("r", 2), ("e", 2), ("s", 2))
def solve_discrete_are(a, b, q, r, e=None, s=None, balanced=True):
    """The stabilizing X of Aᵀ X A − X − Aᵀ X B (R + Bᵀ X B)⁻¹ Bᵀ X A + Q = 0, like `scipy.linalg.solve_discrete_are`
    (the registry's `dare` entry: SciPy's X; its derivative a Stein equation of the closed loop A − B K; every
    order nests under forward, reverse and numeric; symbolic refuses it by name). Q and R are read as symmetric.
    The generalized e, s are refused by name. Shape contract: a (n, n), b (n, m), q (n, n), r (m, m) -> (n, n).

    >>> solve_discrete_are(_np.zeros((1, 1)), _np.ones((1, 1)), _np.ones((1, 1)), _np.ones((1, 1))).tolist()
    [[1.0]]
    """
    return _riccati("solve_discrete_are", _riccati_ops.dare, a, b, q, r, e, s)


#: SciPy's older name of solve_continuous_lyapunov
solve_lyapunov = solve_continuous_lyapunov


@_over_batch(("a", 2), ("q", 2))
def solve_discrete_lyapunov(a, q, method=None):
    """X with A X Aᴴ − X + Q = 0, like `scipy.linalg.solve_discrete_lyapunov` (a stable A's Σₖ Aᵏ Q (Aᴴ)ᵏ), by
    SciPy's two methods as compositions of differentiable ops: 'direct' solves (I − A ⊗ Ā) vec X = vec Q (n² × n²,
    row-major vec), 'bilinear' maps it to the continuous B X + X Bᴴ = −2 (A + I)⁻¹ Q (A + I)⁻ᴴ with
    B = (A + I)⁻¹ (A − I) (both sides of the discrete equation multiplied by I − B = 2 (A + I)⁻¹); method=None is
    SciPy's choice, 'direct' below n = 10. Needs no two eigenvalues of A with λᵢ λ̄ⱼ = 1 (and 'bilinear' no
    eigenvalue −1). Shape contract: a (n, n), q (n, n) -> (n, n).

    >>> solve_discrete_lyapunov(0.5 * _np.eye(2), 0.75 * _np.eye(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    n = _np.shape(a)[-1] if _np.ndim(a) else 0  # (a scalar a: refused below, not SciPy's bare IndexError)
    if _np.ndim(a) != 2 or _np.shape(a) != (n, n) or _np.shape(q) != (n, n):
        raise ValueError(
            f"solve_discrete_lyapunov needs square a and q of one size, got {_np.shape(a)} and {_np.shape(q)}"
        )
    method = method or ("direct" if n < 10 else "bilinear")
    if method == "direct":
        lhs = _np.eye(n * n) - _dnp.kron(a, _dnp.conj(a))
        return _dnp.reshape(_dnp.linalg.solve(lhs, _dnp.reshape(q, (n * n,))), (n, n))
    if method != "bilinear":
        raise ValueError(f"solve_discrete_lyapunov's method is 'direct' or 'bilinear', got {method!r}")
    shifted_inv = _dnp.linalg.inv(a + _np.eye(n))
    b = shifted_inv @ (a - _np.eye(n))
    return solve_continuous_lyapunov(b, -2.0 * (shifted_inv @ q @ _ct(shifted_inv)))


def sqrtm(A, disp=True, blocksize=None):
    """The principal square root X of A (X X = A), like `scipy.linalg.sqrtm`, for all four methods
    (symbolic: SymPy's closed form up to 2×2, an opaque function above it and for complex roots). Its
    derivative solves X dX + dX X = dA. Values and dtype are SciPy's: a real A with an eigenvalue below 0
    has a complex root (a stack's roots are all complex when one is), differentiable by every method as any
    complex intermediate; a singular A has an infinite derivative (NaN, with a DomainWarning).
    `blocksize` is ignored (as SciPy now does); `disp=False`, SciPy's deprecated error estimate, is
    not offered. Shape contract: A (..., n, n) -> (..., n, n).

    >>> sqrtm(_np.array([[4.0, 0.0], [0.0, 9.0]])).tolist()
    [[2.0, 0.0], [0.0, 3.0]]
    >>> sqrtm(_np.array([[-4.0, 0.0], [0.0, 9.0]])).tolist()
    [[2j, 0j], [0j, (3+0j)]]
    """
    if disp is not True:
        raise ValueError(
            "difflab.scipy.linalg.sqrtm has no disp=False (SciPy's deprecated error estimate); "
            "compute norm(X @ X - A, 'fro') / norm(A, 'fro') from its result instead"
        )
    return _matfuncs.sqrtm(A)


def expm(A):
    """The matrix exponential, like `scipy.linalg.expm` (the registry's `expm` entry: SciPy's values; its
    derivative the Fréchet derivative L(A, dA), an expm of a block matrix, so every order nests).
    Shape contract: A (..., n, n) -> (..., n, n).

    >>> expm(_np.zeros((2, 2))).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return _matfuncs.expm(A)


@_over_batch(("A", 2), ("E", 2))
def expm_frechet(A, E, method=None, compute_expm=True, check_finite=True):
    """expm(A) and its Fréchet derivative L(A, E) along E, like `scipy.linalg.expm_frechet` (the registry's `expm`
    and `frechet` entries: SciPy's expm and expm_frechet; `method` 'SPS' or 'blockEnlarge' name two algorithms for
    the same L, both computed as SciPy's 'SPS'). Shape contract: A, E (n, n) -> (expm A, L) or L alone with
    `compute_expm=False`.

    >>> expm_frechet(_np.zeros((2, 2)), _np.eye(2), compute_expm=False).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"Unknown implementation {method}")
    A, E = (x if isinstance(x, _Traced) else _np.asarray(x, dtype=float if not _np.iscomplexobj(x) else complex)
            for x in (A, E))  # fmt: skip
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError("expected A to be a square matrix")
    if E.shape != A.shape:
        raise ValueError("expected A and E to be the same shape")
    frechet = _matfuncs.frechet(A, E)
    return (_matfuncs.expm(A), frechet) if compute_expm else frechet


def _one_square(name, A):
    """A as SciPy's matrix functions take it: one square matrix (SciPy's `_asarray_square`)."""
    if not isinstance(A, _Traced):
        A = _np.asarray(A)
        A = A.astype(float) if A.dtype.kind in "biu" else A
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"scipy.linalg.{name}: expected square array_like input, got shape {A.shape}")
    return A


@_over_batch(("A", 2))
def cosm(A):
    """The matrix cosine, like `scipy.linalg.cosm`: SciPy's own formula, (expm(iA) + expm(−iA))/2, Re expm(iA) for a
    real A, so its values are SciPy's and its derivatives expm's (every order, every method; symbolic by expm's real
    embedding). Shape contract: A (n, n) -> (n, n).

    >>> cosm(_np.zeros((2, 2))).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    A = _one_square("cosm", A)
    if _np.iscomplexobj(A):
        return 0.5 * (_matfuncs.expm(1j * A) + _matfuncs.expm(-1j * A))
    return _dnp.real(_matfuncs.expm(1j * A))


@_over_batch(("A", 2))
def sinm(A):
    """The matrix sine, like `scipy.linalg.sinm`: −i(expm(iA) − expm(−iA))/2, Im expm(iA) for a real A (SciPy's
    formula; derivatives as cosm's). Shape contract: A (n, n) -> (n, n).

    >>> sinm(_np.zeros((2, 2))).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    A = _one_square("sinm", A)
    if _np.iscomplexobj(A):
        return -0.5j * (_matfuncs.expm(1j * A) - _matfuncs.expm(-1j * A))
    return _dnp.imag(_matfuncs.expm(1j * A))


@_over_batch(("A", 2))
def tanm(A):
    """The matrix tangent, like `scipy.linalg.tanm`: cosm(A)⁻¹ sinm(A) by a solve. Shape contract: A (n, n) -> (n, n).

    >>> tanm(_np.zeros((2, 2))).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    A = _one_square("tanm", A)
    return _dnp.linalg.solve(cosm(A), sinm(A))


@_over_batch(("A", 2))
def coshm(A):
    """The hyperbolic matrix cosine, like `scipy.linalg.coshm`: (expm(A) + expm(−A))/2. Shape contract: A (n, n) ->
    (n, n).

    >>> coshm(_np.zeros((2, 2))).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    A = _one_square("coshm", A)
    return 0.5 * (_matfuncs.expm(A) + _matfuncs.expm(-A))


@_over_batch(("A", 2))
def sinhm(A):
    """The hyperbolic matrix sine, like `scipy.linalg.sinhm`: (expm(A) − expm(−A))/2. Shape contract: A (n, n) ->
    (n, n).

    >>> sinhm(_np.zeros((2, 2))).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    A = _one_square("sinhm", A)
    return 0.5 * (_matfuncs.expm(A) - _matfuncs.expm(-A))


@_over_batch(("A", 2))
def tanhm(A):
    """The hyperbolic matrix tangent, like `scipy.linalg.tanhm`: coshm(A)⁻¹ sinhm(A) by a solve. Shape contract:
    A (n, n) -> (n, n).

    >>> tanhm(_np.zeros((2, 2))).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    A = _one_square("tanhm", A)
    return _dnp.linalg.solve(coshm(A), sinhm(A))


@_over_batch(("A", 2))
def signm(A, disp=True):
    """The matrix sign function, like `scipy.linalg.signm`: A (A²)^(−1/2), by a solve with sqrtm(A²) (A and its
    root commute; SciPy iterates Newton's method: the same values to rounding). Defined where no eigenvalue of A is
    on the imaginary axis; its derivative (sqrtm's Sylvester solve) holds there. `disp=False` is not offered.
    Shape contract: A (n, n) -> (n, n).

    >>> signm(_np.diag([2.0, -3.0])).round(12).tolist()
    [[1.0, 0.0], [0.0, -1.0]]
    """
    _unsupported("signm", disp is not True, "disp=False (SciPy's error estimate) is not offered")
    A = _one_square("signm", A)
    return _dnp.linalg.solve(_matfuncs.sqrtm(_dnp.matmul(A, A)), A)


@_over_batch(("A", 2))
def fractional_matrix_power(A, t):
    """A^t, like `scipy.linalg.fractional_matrix_power`: matrix_power for an integer t (SciPy's), else
    expm(t logm(A)) — the principal power SciPy's Schur–Padé algorithm computes, the same to rounding; every order
    nests in A (t a number). A singular A with a fractional t (SciPy's fallback to funm) gives NaN with a
    DomainWarning (logm of a zero eigenvalue). Shape contract: A (n, n), t a number -> (n, n).

    >>> fractional_matrix_power(_np.diag([4.0, 9.0]), 0.5).round(12).tolist()
    [[2.0, 0.0], [0.0, 3.0]]
    """
    A = _one_square("fractional_matrix_power", A)
    if isinstance(t, _Traced) or _np.ndim(t) != 0:
        raise TypeError(
            "scipy.linalg.fractional_matrix_power takes a number t (its power), not an array or traced value"
        )
    if float(t) == int(t):
        return _dnp.linalg.matrix_power(A, int(t))
    return _matfuncs.expm(float(t) * _matfuncs.logm(A))


def _unsupported(name, check, instead):
    from ..errors import UnsupportedOperationError

    if check:
        raise UnsupportedOperationError(f"scipy.linalg.{name}: {instead}")


def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False, type=1,
         check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):  # fmt: skip
    """Eigenvalues (ascending) and eigenvectors of the symmetric `a`, like `scipy.linalg.eigh`, reading its
    lower triangle (`lower=False`: the upper); with `b` (symmetric positive definite) the generalized problem
    a v = w b v, reduced as LAPACK's sygv does (b = L Lᵀ, C = L⁻¹ a L⁻ᵀ, v = L⁻ᵀ u), the vectors b-orthonormal.
    The eigenvector derivative needs distinct eigenvalues. Shape contract: a, b (n, n) -> w (n,), v (n, n).

    >>> eigh(_np.diag([2.0, 1.0]), eigvals_only=True).tolist()
    [1.0, 2.0]
    """
    _unsupported("eigh", type != 1, f"type={type} (a b v = w v, b a v = w v) is not offered; type=1 only")
    _unsupported(
        "eigh",
        subset_by_index is not None or subset_by_value is not None,
        "subset_by_index/subset_by_value are not offered: take the slice of eigh(a, b)'s results",
    )
    uplo = "L" if lower else "U"
    if b is None:
        if eigvals_only:
            return _dnp.linalg.eigvalsh(a, UPLO=uplo)
        return _dnp.linalg.eigh(a, UPLO=uplo)
    chol = cholesky(b, lower=True) if lower else _dnp.swapaxes(cholesky(b, lower=False), -1, -2)
    tri = _dnp.tril(a) if lower else _dnp.swapaxes(_dnp.triu(a), -1, -2)  # (the triangle SciPy reads)
    a = tri + _dnp.swapaxes(_dnp.tril(tri, -1), -1, -2)
    half = solve_triangular(chol, a, lower=True)  # L⁻¹ a
    c = solve_triangular(chol, _dnp.swapaxes(half, -1, -2), lower=True)  # L⁻¹ (L⁻¹ a)ᵀ = L⁻¹ a L⁻ᵀ (a symmetric)
    c = _dnp.tril(c) + _dnp.swapaxes(_dnp.tril(c, -1), -1, -2)  # (the triangle read, as sygst writes it)
    if eigvals_only:
        return _dnp.linalg.eigvalsh(c)
    w, u = _dnp.linalg.eigh(c, UPLO=uplo)  # (LAPACK's eigenvector signs for that triangle, as sygv's)
    return w, solve_triangular(chol, u, lower=True, trans=1)


def eigvalsh(a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1, check_finite=True,
             subset_by_index=None, subset_by_value=None, driver=None):  # fmt: skip
    """The eigenvalues of `eigh` (ascending), like `scipy.linalg.eigvalsh`. Shape contract: (n, n) -> (n,).

    >>> eigvalsh(_np.diag([2.0, 1.0])).tolist()
    [1.0, 2.0]
    """
    return eigh(a, b, lower=lower, eigvals_only=True, type=type, subset_by_index=subset_by_index,
                subset_by_value=subset_by_value)  # fmt: skip


def block_diag(*arrs):
    """The block diagonal matrix of the arguments (each a matrix; a vector is a row, a number 1×1), like
    `scipy.linalg.block_diag`: joined with zero blocks; arguments with more axes are stacks of blocks, their batch
    shapes broadcast (SciPy 1.17's). Shape contract: (..., r_i, c_i)... -> (..., Σ r_i, Σ c_i).

    >>> block_diag(_np.array([1.0, 2.0]), 3.0).tolist()
    [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]]
    """
    if not arrs:
        return _np.empty((1, 0))
    blocks = [_dnp.atleast_2d(a) for a in arrs]
    batch = _batch_shape("block_diag", [f"arrs[{i}]" for i in range(len(blocks))], blocks,
                         [_np.shape(x)[:-2] for x in blocks])  # fmt: skip
    blocks = [_dnp.broadcast_to(x, batch + _np.shape(x)[-2:]) if batch else x for x in blocks]
    cols = [_np.shape(x)[-1] for x in blocks]
    dtype = _np.result_type(*[x.dtype if hasattr(x, "dtype") else _np.asarray(x).dtype for x in blocks])
    rows = []
    for i, x in enumerate(blocks):
        r = _np.shape(x)[-2]
        left, right = _np.zeros(batch + (r, sum(cols[:i])), dtype), _np.zeros(batch + (r, sum(cols[i + 1 :])), dtype)
        rows.append(_dnp.concatenate([left, x, right], axis=-1))
    return _dnp.concatenate(rows, axis=-2)


@_over_batch(("c", 1), ("r", 1))
def toeplitz(c, r=None):
    """The Toeplitz matrix with first column c and first row r (r[0] ignored; r = conj(c) when omitted), like
    `scipy.linalg.toeplitz`: T[i, j] = c[i - j] below the diagonal, r[j - i] above, gathered with a constant
    index. Shape contract: c (m,), r (n,) -> (m, n).

    >>> toeplitz(_np.array([1.0, 2.0]), _np.array([9.0, 5.0, 6.0])).tolist()
    [[1.0, 5.0, 6.0], [2.0, 1.0, 5.0]]
    """
    c = _dnp.atleast_1d(c)
    r = _dnp.conjugate(c) if r is None else _dnp.atleast_1d(r)
    m, n = _np.shape(c)[0], _np.shape(r)[0]
    values = _dnp.concatenate([c[::-1], r[1:]])
    i, j = _np.indices((m, n))
    return _dnp.take(values, m - 1 + j - i)


@_over_batch(("c", 1))
def circulant(c):
    """The circulant matrix with first column c, like `scipy.linalg.circulant`: C[i, j] = c[(i - j) mod n].
    Shape contract: (n,) -> (n, n).

    >>> circulant(_np.array([1.0, 2.0, 3.0])).tolist()
    [[1.0, 3.0, 2.0], [2.0, 1.0, 3.0], [3.0, 2.0, 1.0]]
    """
    if _np.ndim(c) != 1:
        raise ValueError(f"scipy.linalg.circulant takes a 1-D c (or a stack of them), got shape {_np.shape(c)}")
    n = _np.shape(c)[0]
    i, j = _np.indices((n, n))
    return _dnp.take(c, (i - j) % n)


def hankel(c, r=None):
    """The Hankel matrix with first column c and last row r (r[0] ignored; zeros when omitted), like
    `scipy.linalg.hankel`: H[i, j] = c[i + j] while i + j < m, r[i + j − m + 1] after, gathered with a constant
    index. Shape contract: c (m,), r (n,) -> (m, n).

    >>> hankel(_np.array([1.0, 2.0, 3.0]), _np.array([9.0, 4.0])).tolist()
    [[1.0, 2.0], [2.0, 3.0], [3.0, 4.0]]
    """
    if _np.ndim(c) > 1 or (r is not None and _np.ndim(r) > 1):
        raise ValueError(
            f"scipy.linalg.hankel takes 1-D c and r (SciPy 1.17 ravels N-D ones, with a FutureWarning: from 1.19 it "
            f"batches them), got shapes {_np.shape(c)} and {_np.shape(r)}"
        )
    c = _dnp.atleast_1d(c)
    r = _np.zeros(_np.shape(c)) if r is None else _dnp.atleast_1d(r)
    i, j = _np.indices((_np.shape(c)[0], _np.shape(r)[0]))
    return _dnp.take(_dnp.concatenate([c, r[1:]]), i + j)


@_over_batch(("a", 1))
def companion(a):
    """The companion matrix of the polynomial with coefficients a (highest first), like `scipy.linalg.companion`:
    first row −a[1:] / a[0], ones below the diagonal; its eigenvalues are the polynomial's roots. Shape contract:
    a (n,) -> (n − 1, n − 1), n ≥ 2, a[0] ≠ 0.

    >>> companion(_np.array([1.0, -10.0, 31.0, -30.0])).tolist()
    [[10.0, -31.0, 30.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    if _np.ndim(a) != 1:
        raise ValueError(f"scipy.linalg.companion takes a 1-D a (or a stack of them), got shape {_np.shape(a)}")
    n = _np.shape(a)[0]
    if n < 2:
        raise ValueError("The length of `a` along the last axis must be at least 2.")
    if not isinstance(a, _Traced) and _np.asarray(a)[0] == 0:  # (a traced a[0] = 0: division's DomainWarning)
        raise ValueError("The first coefficient(s) of `a` (i.e. elements of `a[..., 0]`) must not be zero.")
    first = -a[1:] / (1.0 * a[0])
    below = _np.eye(n - 1, k=-1)  # (the subdiagonal's ones: constants)
    return _dnp.concatenate([_dnp.reshape(first, (1, n - 1)), below[1:]], axis=0)


@_over_batch(("a", 2), ("b", 2))
def khatri_rao(a, b):
    """The column-wise Kronecker product, like `scipy.linalg.khatri_rao`: column j is kron(a[:, j], b[:, j]).
    Shape contract: a (n, k), b (m, k) -> (n m, k).

    >>> khatri_rao(_np.array([[1.0, 2.0]]), _np.array([[3.0, 4.0], [5.0, 6.0]])).tolist()
    [[3.0, 8.0], [5.0, 12.0]]
    """
    if _np.ndim(a) != 2 or _np.ndim(b) != 2:
        raise ValueError("The both arrays should be 2-dimensional.")
    if _np.shape(a)[1] != _np.shape(b)[1]:
        raise ValueError("The number of columns for both arrays should be equal.")
    c = _dnp.expand_dims(a, 1) * _dnp.expand_dims(b, 0)
    return _dnp.reshape(c, (-1, _np.shape(a)[1]))


def _c_and_r(c_or_cr):
    if isinstance(c_or_cr, tuple):
        c, r = c_or_cr
        return c, r
    return c_or_cr, _dnp.conjugate(c_or_cr)


def solve_toeplitz(c_or_cr, b, check_finite=True):
    """x with T x = b for the Toeplitz T of (c, r) (c alone: r = conj(c)), like `scipy.linalg.solve_toeplitz`: a
    solve with `toeplitz(c, r)` (SciPy runs Levinson recursion: the same x to rounding, and no Levinson breakdown
    where a leading minor is singular). Shape contract: c (n,), r (n,), b (n,) or (n, k) -> like b.

    >>> solve_toeplitz((_np.array([2.0, 1.0]), _np.array([2.0, 0.5])), _np.array([2.5, 3.0])).tolist()
    [1.0, 1.0]
    """
    c, r = _c_and_r(c_or_cr)
    return _toeplitz_solve(c, r, b)


@_over_batch(("c", 1), ("r", 1), ("b", "1|2"), name="solve_toeplitz")
def _toeplitz_solve(c, r, b):
    return _dnp.linalg.solve(toeplitz(c, r), b)


def matmul_toeplitz(c_or_cr, x, check_finite=False, workers=None):
    """T x for the Toeplitz T of (c, r) (c alone: r = conj(c)), like `scipy.linalg.matmul_toeplitz` (SciPy's FFT
    product: the same to rounding). Shape contract: c (m,), r (n,), x (n,) or (n, k) -> (m,) or (m, k).

    >>> matmul_toeplitz((_np.array([1.0, 2.0]), _np.array([1.0, 3.0])), _np.array([1.0, 1.0])).tolist()
    [4.0, 3.0]
    """
    c, r = _c_and_r(c_or_cr)
    return _toeplitz_product(c, r, x)


@_over_batch(("c", 1), ("r", 1), ("x", "1|2"), name="matmul_toeplitz")
def _toeplitz_product(c, r, x):
    return _dnp.matmul(toeplitz(c, r), x)


def solve_circulant(c, b, singular="raise", tol=None, caxis=-1, baxis=0, outaxis=0):
    """x with C x = b for the circulant C of c, like `scipy.linalg.solve_circulant` (SciPy's FFT division: the same
    x to rounding). SciPy's `singular='lstsq'` and its axis arguments are refused by name. Shape contract: c (n,),
    b (n,) or (n, k) -> like b.

    >>> solve_circulant(_np.array([2.0, 1.0, 0.0]), _np.array([2.0, 3.0, 1.0])).round(12).tolist()
    [1.0, 1.0, 0.0]
    """
    _unsupported("solve_circulant", singular != "raise", f"singular={singular!r} is not offered; 'raise' only")
    _unsupported("solve_circulant", (caxis, baxis, outaxis) != (-1, 0, 0), "caxis/baxis/outaxis are not offered")
    if _np.ndim(c) != 1:  # (SciPy's N-D c reads its axes by caxis/baxis/outaxis, not as a batch)
        raise ValueError(
            f"scipy.linalg.solve_circulant: difflab takes a 1-D c, got shapes c {_np.shape(c)} and b {_np.shape(b)}"
        )
    return _dnp.linalg.solve(circulant(c), b)


@_over_batch(("a", 1))
def convolution_matrix(a, n, mode="full"):
    """The matrix A with A @ v = numpy.convolve(a, v, mode) for v of length n, like `scipy.linalg.convolution_matrix`
    (a Toeplitz matrix of a zero-padded). Shape contract: a (m,) -> full (m + n − 1, n), same (max(m, n), n), valid
    (max(m, n) − min(m, n) + 1, n).

    >>> convolution_matrix(_np.array([1.0, 2.0]), 2).tolist()
    [[1.0, 0.0], [2.0, 1.0], [0.0, 2.0]]
    """
    if _np.ndim(a) != 1 or _np.shape(a)[0] == 0:
        raise ValueError("difflab.scipy.linalg.convolution_matrix takes a non-empty 1-D a")
    if n <= 0:
        raise ValueError("n must be a positive integer.")
    if mode not in ("full", "valid", "same"):
        raise ValueError("'mode' argument must be one of ('full', 'valid', 'same')")
    m = _np.shape(a)[0]
    az = _dnp.concatenate([a, _np.zeros(n - 1)])
    raz = _dnp.concatenate([a[::-1], _np.zeros(n - 1)])
    size = m + n - 1
    trim = 0 if mode == "full" else min(n, m) - 1
    tb = trim // 2 if mode == "same" else trim  # (SciPy's trims: 'same' splits them, 'valid' takes both whole)
    te = trim - tb if mode == "same" else trim
    col0, row0 = az[tb : size - te], raz[size - n - tb : size - tb]
    return toeplitz(col0, row0)


@_over_batch(("s", 1))
def diagsvd(s, M, N):
    """The M×N matrix with s on its diagonal, like `scipy.linalg.diagsvd` (Σ of an SVD). Shape contract:
    s (k,), k = M or N -> (M, N).

    >>> diagsvd(_np.array([3.0, 2.0]), 3, 2).tolist()
    [[3.0, 0.0], [0.0, 2.0], [0.0, 0.0]]
    """
    k = _np.shape(s)[0]
    if k not in (M, N):
        raise ValueError("Length of s must be M or N.")
    sigma = _dnp.diag(s)
    if k == M:
        return _dnp.concatenate([sigma, _np.zeros((M, N - M))], axis=1)
    return _dnp.concatenate([sigma, _np.zeros((M - N, N))], axis=0)


@_over_batch(("a", 2), ("b", "1|2"))
def lstsq(a, b, cond=None, overwrite_a=False, overwrite_b=False, check_finite=True, lapack_driver=None):
    """The least-squares solution of a x ≈ b, like `scipy.linalg.lstsq`: (x, residues, rank, s) with SciPy's
    conventions — singular values at most cond·σmax dropped (None: machine precision, LAPACK's default), residues
    the squared residual norm per column when m > n and a has full rank (a float for a 1-D b), else empty. x is
    difflab's minimum-norm solve (numpy.linalg.lstsq's, differentiable where the rank is locally constant);
    `lapack_driver` names a LAPACK routine for the same x. Shape contract: a (m, n), b (m,) or (m, k) -> x (n,) or
    (n, k).

    >>> lstsq(_np.array([[1.0], [1.0]]), _np.array([1.0, 3.0]))[:3]
    (array([2.]), np.float64(2.0), 1)
    """
    if lapack_driver not in (None, "gelsd", "gelsy", "gelss"):
        raise ValueError(f"LAPACK driver {lapack_driver!r} is not found")
    rcond = _np.finfo(float).eps if cond is None or cond < 0 else cond
    x, residues, rank, s = _dnp.linalg.lstsq(a, b, rcond=rcond)
    if _np.ndim(b) == 1 and _np.shape(residues) == (1,):
        residues = residues[0]
    return x, residues, int(rank), s


def eigvals(a, b=None, overwrite_a=False, check_finite=True, homogeneous_eigvals=False):
    """The eigenvalues of a general square a, like `scipy.linalg.eigvals` (numpy.linalg.eigvals: LAPACK's geev, as
    SciPy's; their derivative needs distinct eigenvalues). The generalized problem (b) and homogeneous eigenvalues are
    refused by name. Shape contract: a (n, n) -> (n,) complex.

    >>> eigvals(_np.diag([1.0, 2.0])).tolist()
    [(1+0j), (2+0j)]
    """
    _unsupported("eigvals", b is not None, "the generalized problem (b) is not offered; solve(b, a)'s eigvals is")
    _unsupported("eigvals", homogeneous_eigvals, "homogeneous_eigvals=True is not offered")
    return _dnp.linalg.eigvals(a)


def eig(a, b=None, left=False, right=True, overwrite_a=False, overwrite_b=False, check_finite=True,
        homogeneous_eigvals=False):  # fmt: skip
    """Eigenvalues and right eigenvectors of a general square a, like `scipy.linalg.eig` (numpy.linalg.eig: LAPACK's
    geev, as SciPy's, its unit vectors; their derivatives need distinct eigenvalues). `right=False` gives the
    eigenvalues alone; left vectors, the generalized problem (b) and homogeneous eigenvalues are refused by name.
    Shape contract: a (n, n) -> w (n,), v (n, n), complex.

    >>> eig(_np.diag([1.0, 2.0]))[0].tolist()
    [(1+0j), (2+0j)]
    """
    _unsupported("eig", left, "left eigenvectors are not offered; eig(a.conj().T)'s right ones are")
    _unsupported("eig", b is not None, "the generalized problem (b) is not offered; eig(solve(b, a)) is")
    _unsupported("eig", homogeneous_eigvals, "homogeneous_eigvals=True is not offered")
    return _dnp.linalg.eig(a) if right else _dnp.linalg.eigvals(a)


@_over_batch(("a", 2))
def pinvh(a, atol=None, rtol=None, lower=True, return_rank=False, check_finite=True):
    """The pseudo-inverse of a Hermitian a, like `scipy.linalg.pinvh`, reading its lower triangle (`lower=False`: the
    upper) and dropping eigenvalues at most rtol·|λ|max (rtol None: max(m, n)·eps): numpy.linalg.pinv(hermitian=True)
    of that Hermitian matrix. `atol` > 0 and `return_rank` are refused by name, as for pinv. Shape contract:
    a (n, n) -> (n, n).

    >>> pinvh(_np.array([[2.0, 9.0], [0.0, 0.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    _unsupported("pinvh", atol not in (None, 0), f"atol={atol!r} (an absolute cutoff) is not supported; use rtol=")
    _unsupported("pinvh", return_rank, "return_rank=True is not supported; use numpy.linalg.matrix_rank(a)")
    if _np.ndim(a) != 2 or _np.shape(a)[0] != _np.shape(a)[1]:
        raise ValueError(f"scipy.linalg.pinvh: expected a square matrix, got shape {_np.shape(a)}")
    tri = _dnp.tril(a) if lower else _dnp.triu(a)
    strict = _dnp.tril(a, -1) if lower else _dnp.triu(a, 1)
    herm = tri + _ct(
        strict
    )  # (the read triangle, its mirror by conjugation; the diagonal as given: Hermitian's is real)
    if _dnp.iscomplexobj(a):
        herm = herm - 1j * _dnp.diag(_dnp.imag(_dnp.diagonal(a)))
    return _dnp.linalg.pinv(herm, rtol=rtol, hermitian=True)


@_over_batch(("A", 2), ("B", 2))
def orthogonal_procrustes(A, B, check_finite=True):
    """The unitary R minimising ‖A R − B‖_F and the sum of singular values of Aᴴ B, like
    `scipy.linalg.orthogonal_procrustes`: R the unitary polar factor of Aᴴ B (polar's sqrtm rule: its derivative holds
    at repeated singular values; needs Aᴴ B of full rank), scale the trace of its positive factor. Shape contract:
    A (m, n), B (m, n) -> R (n, n), scale ().

    >>> R, scale = orthogonal_procrustes(_np.eye(2), _np.array([[0.0, 1.0], [-1.0, 0.0]]))
    >>> R.round(12).tolist(), round(float(scale), 12)
    ([[0.0, 1.0], [-1.0, 0.0]], 2.0)
    """
    if _np.ndim(A) != 2:
        raise ValueError(f"expected ndim to be 2, but observed {_np.ndim(A)}")
    if _np.shape(A) != _np.shape(B):
        raise ValueError(f"the shapes of A and B differ ({_np.shape(A)} vs {_np.shape(B)})")
    u, p = polar(_dnp.matmul(_ct(A), B))
    return u, _dnp.real(_dnp.trace(p))


def _square(a):
    shape = _np.shape(a)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"difflab.scipy.linalg's lu takes a square matrix, got shape {shape}")
    return shape[0]


def _eliminated(m):
    """LU combined as LAPACK's getrf stores it, of m already in pivot order: Gaussian elimination without
    pivoting (getrf's own steps), recorded, so L and U are differentiable."""
    m = m * 1.0
    for k in range(_np.shape(m)[0] - 1):
        col = m[k + 1 :, k] / m[k, k]
        m[k + 1 :, k] = col
        m[k + 1 :, k + 1 :] = m[k + 1 :, k + 1 :] - _dnp.outer(col, m[k, k + 1 :])
    return m


def _pivoted(a):
    """(P as row order, LAPACK's piv, LU combined) of the square matrix a: the pivots are SciPy's, read from
    a's values (a trace is specialised to them, as argmax's is: prepare refuses), the elimination difflab's."""
    from ..numpy.arrays import _value

    n = _square(a)
    import scipy.linalg as _sl  # (SciPy: this module's functions need it)

    piv = _sl.lu_factor(_np.asarray(_value(a, "scipy.linalg.lu_factor"), dtype=float), check_finite=False)[1]
    order = _np.arange(n)
    for k, p in enumerate(piv):  # LAPACK's interchanges, in turn
        order[[k, p]] = order[[p, k]]
    return order, piv, _eliminated(_dnp.take(a, order, axis=0))


@_over_batch(("a", 2))
def lu_factor(a, overwrite_a=False, check_finite=True):
    """(lu, piv) like `scipy.linalg.lu_factor`: L's entries below the diagonal and U's on and above it in one
    matrix, piv LAPACK's row interchanges (int32). The pivots are an equation (ops lu_pivots), recomputed at
    each call (prepare and vmap follow a's pivoting); L and U are differentiable (the elimination is recorded).
    Shape contract: (n, n) -> (n, n), (n,).

    >>> lu_factor(_np.array([[1.0, 2.0], [3.0, 4.0]]))[0].round(4).tolist()
    [[3.0, 4.0], [0.3333, 0.6667]]
    """
    _square(a)
    piv = _decompositions.lu_pivots(a)
    return _eliminated(_dnp.matmul(_decompositions.pivot_rows(piv), a)), piv


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """x with A x = b (trans 1/'T', 2/'C': Aᵀ x = b) from lu_factor's (lu, piv), like `scipy.linalg.lu_solve`:
    the interchanges (piv traced or not), then two triangular solves. Shape contract: lu (n, n); b (n,) or
    (n, k); x like b.

    >>> lu_solve(lu_factor(_np.array([[1.0, 2.0], [3.0, 4.0]])), _np.array([5.0, 11.0])).round(12).tolist()
    [1.0, 2.0]
    """
    if not (isinstance(lu_and_piv, (tuple, list)) and len(lu_and_piv) == 2):  # (was "too many values to unpack")
        got = f"an array of shape {_np.shape(lu_and_piv)}" if hasattr(lu_and_piv, "shape") else repr(type(lu_and_piv))
        raise TypeError(
            f"lu_solve takes the pair (lu, piv) that lu_factor returns, not {got}: lu_solve(lu_factor(A), b)"
        )
    lu, piv = lu_and_piv
    return _lu_solve(lu, piv, b, trans)


@_over_batch(("lu", 2), ("piv", 1), ("b", "1|2"), name="lu_solve")
def _lu_solve(lu, piv, b, trans):
    _check_rows("lu_solve", lu, b, "lu")
    n = _np.shape(lu)[0]
    if _np.shape(piv) != (n,):
        raise ValueError(f"lu_solve: piv must have shape ({n},) for a {n}×{n} lu, got {_np.shape(piv)}")
    if not isinstance(piv, _Traced):  # (a traced piv is lu_pivots', in range by construction)
        piv = _np.asarray(piv)
        if piv.dtype.kind not in "iu" or ((piv < 0) | (piv >= n)).any():
            # (SciPy's LAPACK call reads past the matrix for such a piv)
            raise ValueError(f"lu_solve: piv must hold row indices 0..{n - 1} (lu_factor's), got {piv.tolist()}")
    rows = _decompositions.pivot_rows(piv)
    unit_lower = dict(lower=True, unit_diagonal=True)
    if trans in (0, "N"):
        y = solve_triangular(lu, _dnp.matmul(rows, b), **unit_lower)
        return solve_triangular(lu, y, lower=False)
    if trans not in (1, 2, "T", "C"):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    y = solve_triangular(lu, b, lower=False, trans=trans)  # Uᵀ y = b (Uᴴ for 'C', as getrs)
    z = solve_triangular(lu, y, trans=trans, **unit_lower)  # Lᵀ z = y
    return _dnp.matmul(_dnp.transpose(rows), z)


@_over_batch(("a", 2))
def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """(P, L, U) with a = P L U, like `scipy.linalg.lu` (square a): L unit lower, U upper; `permute_l`: (P L, U);
    `p_indices`: P as the row indices. The pivots are an equation (recomputed at each call: prepare and vmap
    follow a's pivoting), except for `p_indices`, whose integers are read from a's values (the trace is
    specialised to them). Shape contract: (n, n) -> (n, n) each.

    >>> [m.round(4).tolist() for m in lu(_np.array([[1.0, 2.0], [3.0, 4.0]]))[1:]]
    [[[1.0, 0.0], [0.3333, 1.0]], [[3.0, 4.0], [0.0, 0.6667]]]
    """
    if p_indices:  # (integer indices: read from the values, the trace specialised to them)
        order, _, m = _pivoted(a)
        n = _np.shape(m)[0]
        return _np.argsort(order), _dnp.tril(m, -1) + _np.eye(n), _dnp.triu(m)  # (a = L[p] @ U)
    n = _square(a)
    rows = _decompositions.pivot_rows(_decompositions.lu_pivots(a))  # equations: recomputed at each call
    m = _eliminated(_dnp.matmul(rows, a))
    low, up = _dnp.tril(m, -1) + _np.eye(n), _dnp.triu(m)
    if permute_l:
        return _dnp.matmul(_dnp.transpose(rows), low), up
    return _dnp.transpose(rows), low, up


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """The QR decomposition, like `scipy.linalg.qr`: mode 'full' gives (Q, R) with Q (m, m) (NumPy's 'complete'),
    'economic' Q (m, k), R (k, n) (k = min(m, n)), 'r' the tuple (R,) with R (m, n) (as SciPy, R itself for a stack);
    with `pivoting`, (Q, R, P) where a[:, P] = Q R: the column order P is SciPy's (LAPACK's geqp3), read from a's
    values (the trace is specialised to them, as lu's p_indices), then the factors of a[:, P] are difflab's
    (ops/qr.py: LAPACK's signs, differentiable where the first k columns are independent). 'raw' (Householder
    reflectors) is not offered. `overwrite_a`, `lwork` and `check_finite` change nothing. Shape contract:
    (..., m, n) -> as above.

    >>> q, r = qr(_np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> r.round(4).tolist()
    [[-5.0, -2.2], [0.0, 0.4]]
    """
    if mode not in ("full", "economic", "r"):
        _unsupported(
            "qr", True, f"mode={mode!r} is not offered (the Householder reflectors of 'raw' have no derivative "
            "here); use 'full', 'economic' or 'r'"
        )  # fmt: skip
    if _np.ndim(a) < 2:
        raise ValueError(f"scipy.linalg.qr needs a matrix (or a stack of them), got shape {_np.shape(a)}")
    order = None
    if pivoting:
        from ..numpy.arrays import _value

        if _np.ndim(a) > 2:  # (geqp3's pivots are per matrix: SciPy's loop over the stack)
            return _over_batch(("a", 2))(qr)(a, mode=mode, pivoting=True)
        import scipy.linalg as _sl  # (SciPy: this module's functions need it)

        value = _np.asarray(_value(a, "scipy.linalg.qr(pivoting=True)"))
        order = _sl.qr(value, mode="r", pivoting=True, check_finite=False)[1]
        a = _dnp.take(a, order, axis=1)
    m, n = _np.shape(a)[-2:]
    if mode == "economic":
        out = tuple(_dnp.linalg.qr(a, mode="reduced"))
    elif mode == "full":
        out = tuple(_dnp.linalg.qr(a, mode="complete"))
    else:
        r = _dnp.linalg.qr(a, mode="r")
        if m > n:  # SciPy's R is (m, n): zero rows below NumPy's (n, n)
            r = _dnp.concatenate([r, _np.zeros(_np.shape(a)[:-2] + (m - n, n))], axis=-2)
        out = (r,) if _np.ndim(a) == 2 else r  # (SciPy's batched 'r' returns R itself, not a 1-tuple)
    return out + (order,) if pivoting else out


def _ct(x):
    """xᴴ (xᵀ of a real x)."""
    x_t = _dnp.swapaxes(x, -1, -2)
    return _dnp.conj(x_t) if _dnp.iscomplexobj(x) else x_t


def _hermitian_part(x):
    return 0.5 * (x + _ct(x))


@_over_batch(("a", 2))
def polar(a, side="right"):
    """The polar decomposition a = U P (side 'right') or P U ('left'), like `scipy.linalg.polar`: U with
    orthonormal columns (m ≥ n) or rows (m < n), P Hermitian positive semidefinite. Computed as
    U = a (aᴴa)^(-1/2) (m ≥ n; (a aᴴ)^(-1/2) a for m < n) with sqrtm, whose derivative (a Sylvester solve) holds
    at repeated singular values, where the SVD's rule divides by their differences; the other P is the Hermitian
    part of Uᴴ a (a Uᴴ). Differentiable where a has full rank min(m, n); a plain a of lower rank gets SciPy's
    answer (U is not unique there), a traced one NaN (the rule above has no value there). Shape contract:
    a (m, n) -> U (m, n), P (n, n) (right) or (m, m) (left).

    >>> u, p = polar(_np.array([[0.0, 2.0], [-3.0, 0.0]]))
    >>> u.round(12).tolist(), p.round(12).tolist()
    ([[0.0, 1.0], [-1.0, 0.0]], [[3.0, 0.0], [0.0, 2.0]])
    """
    if side not in ("right", "left"):
        raise ValueError(f"`side` must be either 'right' or 'left', got {side!r}")
    if _np.ndim(a) != 2:
        raise ValueError(f"`a` must be a 2-D array, got shape {_np.shape(a)}")
    m, n = _np.shape(a)
    if not isinstance(a, _Traced) and (_np.size(a) == 0 or _rank_deficient(_np.asarray(a))):
        import scipy.linalg as _sl  # (a plain a of lower rank: SciPy's SVD answer, U one of the many; an empty one's)

        return _sl.polar(_np.array(a), side)
    if isinstance(a, _Traced):  # (lower rank: NaN, not root⁻¹'s round-off as a derivative)
        guard = _rank_guard(  # (decided per matrix at run time: vmap's rows, a prepared graph's points)
            _real_form(a), of="polar", real_form=bool(_dnp.iscomplexobj(a))
        )
        a = a + (guard * (1 + 1j) if _dnp.iscomplexobj(a) else guard)  # (NaN: both parts of a complex a)
    if m >= n:
        root = _matfuncs.sqrtm(_hermitian_part(_dnp.matmul(_ct(a), a)))  # P of side 'right'
        u = _ct(_dnp.linalg.solve(root, _ct(a)))  # a root⁻¹ (root Hermitian)
        if side == "right":
            return u, _hermitian_part(root)
        return u, _hermitian_part(_dnp.matmul(a, _ct(u)))
    root = _matfuncs.sqrtm(_hermitian_part(_dnp.matmul(a, _ct(a))))  # P of side 'left'
    u = _dnp.linalg.solve(root, a)
    if side == "left":
        return u, _hermitian_part(root)
    return u, _hermitian_part(_dnp.matmul(_ct(u), a))


def _real_form(a):
    """a, or of a complex a its real form [[Re a, -Im a], [Im a, Re a]], whose rank is twice a's."""
    if not _dnp.iscomplexobj(a):
        return a
    re, im = _dnp.real(a), _dnp.imag(a)
    return _dnp.concatenate([_dnp.concatenate([re, -im], axis=-1), _dnp.concatenate([im, re], axis=-1)], axis=-2)


def _rank_deficient(a) -> bool:
    """Whether a's rank is below min(m, n), by NumPy's matrix_rank tolerance (σ_max·max(m, n)·eps)."""
    return bool(_np.isfinite(a).all() and _np.linalg.matrix_rank(a) < min(_np.shape(a)))  # (NaN: the formula's)


_NULL_SPACE_INSTEAD = (
    "its basis is arbitrary (any rotation of it is one), so it has no derivative; compute it outside the "
    "differentiated function, or differentiate a projector I - pinv(A) @ A"
)


def logm(A, disp=True):
    """The principal matrix logarithm, like `scipy.linalg.logm` (the registry's `logm` entry: SciPy's values, complex
    where a real A has an eigenvalue on the negative real axis; its derivative the Fréchet derivative L(A, dA), the
    corner of logm([[A, dA], [0, A]]), so every order nests under forward, reverse and numeric; symbolic has SymPy's
    log at 1×1 and refuses larger matrices by name). `disp=False`, SciPy's deprecated error estimate, is not
    offered. Shape contract: A (..., n, n) -> (..., n, n).

    >>> logm(_np.diag([1.0, _np.e])).round(12).tolist()
    [[0.0, 0.0], [0.0, 1.0]]
    """
    if disp is not True:
        raise ValueError(
            "difflab.scipy.linalg.logm has no disp=False (SciPy's deprecated error estimate); "
            "compute norm(expm(L) - A, 1) / norm(A, 1) from its result L instead"
        )
    return _matfuncs.logm(A)


def null_space(A, rcond=None):
    """`scipy.linalg.null_space` is not differentiable (its basis is chosen, not a function of A): refused."""
    _unsupported("null_space", True, _NULL_SPACE_INSTEAD)


_SCHUR_INSTEAD = (
    "the Schur vectors are LAPACK's choice (signs, the order its QR iteration deflates the eigenvalues in, and 2×2 "
    "blocks for complex pairs), which jumps as A moves, so no derivative of them is offered; for the eigenvalues use "
    "numpy.linalg.eigvals/eig (or eigh), for a function of A use expm, logm or sqrtm"
)


def schur(a, output="real", lwork=None, overwrite_a=False, sort=None, check_finite=True):
    """`scipy.linalg.schur` is not differentiable here (its vectors are LAPACK's choice): refused by name."""
    _unsupported("schur", True, _SCHUR_INSTEAD)


def _sl():
    import scipy.linalg  # (SciPy: imported when a value is computed; difflab's own import does not need it)

    return scipy.linalg


def _symmetric_band(ab, lower):
    """The dense symmetric (Hermitian) matrix of SciPy's band storage ab (u + 1, n): upper form A[i, j] =
    ab[u + i − j, j] for i ≤ j, lower form A[i, j] = ab[i − j, j] for i ≥ j; the other triangle the stored one's
    mirror (conjugated), entries outside the band 0."""
    width, n = _np.shape(ab)
    i, j = _np.indices((n, n))
    lo, hi = _np.minimum(i, j), _np.maximum(i, j)  # (the stored triangle's entry of each (i, j))
    row = (hi - lo) if lower else (width - 1 + lo - hi)
    inside = _np.abs(i - j) < width
    stored = _dnp.take(_dnp.ravel(ab), _np.where(inside, row, 0) * n + (lo if lower else hi))
    if _dnp.iscomplexobj(ab):  # (the other triangle is the conjugate of the stored one)
        stored = _dnp.where((i < j) if lower else (i > j), _dnp.conjugate(stored), stored)
    return _dnp.where(inside, stored, 0.0)


def _band_2d(name, ab, lower):
    if not isinstance(lower, (bool, _np.bool_)) and lower not in (0, 1):  # ('yes' read as True: the other triangle)
        raise TypeError(f"{name}: lower must be True or False, got {lower!r}")
    if _np.ndim(ab) != 2:  # (SciPy reads a 1-D ab of n entries as one column, (n, 1): n − 1 bands of a 1 × 1 matrix)
        raise ValueError(f"{name}: ab must be 2-D (u + 1, n), got shape {_np.shape(ab)}")


@_over_batch(("ab", 2))
def cholesky_banded(ab, overwrite_ab=False, lower=False, check_finite=True):
    """The Cholesky factor of the Hermitian positive-definite banded A stored as SciPy's `ab`, in that storage, like
    `scipy.linalg.cholesky_banded`: upper form (default) U with Uᴴ U = A, `lower=True` L with L Lᴴ = A; A gathered dense,
    factored by cholesky, the band gathered back (the corner entries LAPACK does not reference are ab's, as SciPy's).
    Shape contract: ab (u + 1, n) -> (u + 1, n).

    >>> cholesky_banded(_np.array([[0.0, 2.0], [4.0, 5.0]])).tolist()
    [[0.0, 1.0], [2.0, 2.0]]
    """
    _band_2d("cholesky_banded", ab, lower)
    dense = _symmetric_band(ab, lower)
    if not isinstance(dense, _Traced):
        _np.linalg.cholesky(_np.asarray(dense))  # (LinAlgError for one that is not positive definite, as SciPy's)
    factor = cholesky(dense, lower=lower)
    width, n = _np.shape(ab)
    r, j = _np.indices((width, n))
    i = (j + r) if lower else (j - (width - 1) + r)  # (the factor's row of band entry (r, j))
    inside = (i < n) if lower else (i >= 0)
    return _dnp.where(inside, _dnp.take(_dnp.ravel(factor), _np.clip(i, 0, n - 1) * n + j), ab)


def cho_solve_banded(cb_and_lower, b, overwrite_b=False, check_finite=True):
    """x with A x = b from cholesky_banded's (cb, lower), like `scipy.linalg.cho_solve_banded`: the factor gathered
    dense from cb's band, then two triangular solves. Shape contract: cb (u + 1, n); b (n,) or (n, k); x like b.

    >>> cho_solve_banded((_np.array([[0.0, 1.0], [2.0, 2.0]]), False), _np.array([6.0, 7.0])).tolist()
    [1.0, 1.0]
    """
    if not (isinstance(cb_and_lower, (tuple, list)) and len(cb_and_lower) == 2):
        raise TypeError(
            "cho_solve_banded takes the pair (cb, lower): cho_solve_banded((cholesky_banded(ab), False), b)"
        )
    cb, lower = cb_and_lower
    return _cho_banded_solve(cb, b, lower)


@_over_batch(("cb", 2), ("b", "1|2"), name="cho_solve_banded")
def _cho_banded_solve(cb, b, lower):
    _band_2d("cho_solve_banded", cb, lower)
    width, n = _np.shape(cb)
    if _np.shape(b)[0] != n:
        raise ValueError(f"shapes of cb {_np.shape(cb)} and b {_np.shape(b)} are not compatible.")
    i, j = _np.indices((n, n))
    band = (i - j) if lower else (width - 1 + i - j)
    inside = ((i >= j) if lower else (i <= j)) & (band >= 0) & (band < width)
    factor = _dnp.where(inside, _dnp.take(_dnp.ravel(cb), _np.where(inside, band, 0) * n + j), 0.0)
    first, second = (factor, _ct(factor)) if lower else (_ct(factor), factor)  # (A = L Lᴴ, or Uᴴ U)
    return _dnp.linalg.solve(second, _dnp.linalg.solve(first, b))


def _held_phases(v, want):
    """v's columns times the unit phases (signs, for real v) that make them SciPy's `want` at the values: constants
    read from the values (the trace is specialised to them, as lu's p_indices)."""
    from ..numpy.arrays import _value

    overlap = _np.sum(_np.conj(_np.asarray(_value(v, "scipy.linalg.eig_banded"))) * want, axis=0)
    return v * (overlap / _np.where(overlap == 0, 1.0, _np.abs(overlap)))


@_over_batch(("a_band", 2))
def eig_banded(a_band, lower=False, eigvals_only=False, overwrite_a_band=False, select="a", select_range=None,
               max_ev=0, check_finite=True):  # fmt: skip
    """Eigenvalues (ascending) and eigenvectors of the Hermitian banded A stored as SciPy's `a_band`, like
    `scipy.linalg.eig_banded`: eigh of A gathered dense, each vector multiplied by the sign (phase) that makes it
    SciPy's at the values (held: the trace is specialised to them; the vector derivative needs distinct eigenvalues).
    select='i' (indices lo..hi) and 'v' (eigenvalues in (lo, hi], which ones read from the values) take that slice.
    1-D a_band is refused (SciPy's error). Shape contract: a_band (u + 1, n) -> w (k,), v (n, k); k = n for 'a'.

    >>> eig_banded(_np.array([[0.0, 1.0], [2.0, 2.0]]), eigvals_only=True).tolist()
    [1.0, 3.0]
    """
    from ..numpy.arrays import _value

    _band_2d("eig_banded", a_band, lower)
    if eigvals_only and select in ("a", "all", 0):  # (nothing read from the values: prepare and vmap follow a_band)
        return _dnp.linalg.eigvalsh(_symmetric_band(a_band, lower))
    value = _np.asarray(_value(a_band, "scipy.linalg.eig_banded"))
    if select in ("v", "value", 1) and max_ev > 0 and _np.all(_np.isfinite(value)):
        found = _np.linalg.eigvalsh(_symmetric_band(value, lower))
        count = int(_np.sum((found > select_range[0]) & (found <= select_range[1])))
        if count > max_ev:  # (SciPy's own call writes past its arrays there: a crash, 'free(): invalid next size')
            raise ValueError(f"eig_banded: max_ev={max_ev} is fewer than the {count} eigenvalues in {select_range}")
    want_w, want_v = _sl().eig_banded(value, lower=lower, select=select, select_range=select_range, max_ev=max_ev)
    dense = _symmetric_band(a_band, lower)
    w, v = _dnp.linalg.eigh(dense) if not eigvals_only else (_dnp.linalg.eigvalsh(dense), None)
    start = 0  # (the first eigenvalue selected: SciPy's checks on select and select_range ran above)
    if select in ("i", "index", 2):
        start = int(select_range[0])
    elif select in ("v", "value", 1):
        start = int(_np.sum(_np.linalg.eigvalsh(_symmetric_band(value, lower)) <= select_range[0]))
    stop = start + len(want_w)
    if eigvals_only:
        return w[start:stop]
    return w[start:stop], _held_phases(v[:, start:stop], want_v)


@_over_batch(("a_band", 2))
def eigvals_banded(a_band, lower=False, overwrite_a_band=False, select="a", select_range=None, check_finite=True):
    """The eigenvalues (ascending) of the Hermitian banded A stored as `a_band`, like `scipy.linalg.eigvals_banded`
    (see eig_banded). Shape contract: a_band (u + 1, n) -> (k,).

    >>> eigvals_banded(_np.array([[0.0, 2.0], [0.0, 0.0]])).tolist()
    [-2.0, 2.0]
    """
    return eig_banded(a_band, lower=lower, eigvals_only=True, select=select, select_range=select_range)


@_over_batch(("a", 2), ("c", "1|2"))
def qr_multiply(a, c, mode="right", pivoting=False, conjugate=False, overwrite_a=False, overwrite_c=False):
    """(c Q, R) (`mode='right'`) or (Q c, R) ('left') with Q, R a's economic QR, like `scipy.linalg.qr_multiply` (Q
    conjugated with `conjugate`; with `pivoting`, (…, R, P) as qr's). Shape contract: a (m, n), k = min(m, n);
    right: c (p, m) or (m,) -> (p, k) or (k,); left: c (k, p) or (k,) -> (m, p) or (m,); R (k, n).

    >>> cq, r = qr_multiply(_np.array([[3.0, 1.0], [4.0, 2.0]]), _np.array([3.0, 4.0]))
    >>> cq.round(12).tolist()
    [-5.0, 0.0]
    """
    if mode not in ("left", "right"):
        raise ValueError(f"Mode argument can only be 'left' or 'right' but not '{mode}'")
    if _np.ndim(a) != 2:
        raise ValueError(f"qr_multiply: a must be 2-D, got shape {_np.shape(a)}")
    m, n = _np.shape(a)
    if _np.ndim(c) not in (1, 2):
        raise ValueError(f"qr_multiply: c must be 1-D or 2-D, got shape {_np.shape(c)}")
    if mode == "left" and _np.shape(c)[0] != min(m, n):
        raise ValueError(f"Array shapes are not compatible for Q @ c operation: {_np.shape(a)} vs {_np.shape(c)}")
    if mode == "right" and _np.shape(c)[-1] != m:
        raise ValueError(f"Array shapes are not compatible for c @ Q operation: {_np.shape(c)} vs {_np.shape(a)}")
    q, *rest = qr(a, mode="economic", pivoting=pivoting)
    q = _dnp.conjugate(q) if conjugate and _dnp.iscomplexobj(q) else q
    return (_dnp.matmul(q, c) if mode == "left" else _dnp.matmul(c, q), *rest)


@_over_batch(("a", 2))
def rq(a, overwrite_a=False, lwork=None, mode="full", check_finite=True):
    """The RQ decomposition a = R Q, like `scipy.linalg.rq` (LAPACK's gerqf): the QR of a reversed and transposed,
    (J a J)ᵀ = Q₁ R₁, gives R = J R₁ᵀ J and Q = J Q₁ᵀ J with the same Householder signs (difflab's qr: LAPACK's signs,
    differentiable where the last k rows are independent). mode 'full': R (m, n), Q (n, n); 'economic': R (m, k),
    Q (k, n), k = min(m, n); 'r': R alone (m, n). 'raw' is refused by name. Shape contract: a (m, n) -> as above.

    >>> r, q = rq(_np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> r.round(12).tolist()
    [[-0.4, -2.2], [0.0, -5.0]]
    """
    _unsupported("rq", mode == "raw", "mode='raw' (Householder reflectors) is not offered; 'full', 'economic', 'r'")
    if mode not in ("full", "economic", "r"):
        raise ValueError("Mode argument should be one of ['full', 'r', 'economic']")
    if _np.ndim(a) != 2:
        raise ValueError("expected matrix")
    q1, r1 = _dnp.linalg.qr(_dnp.transpose(_dnp.flip(a, (0, 1))), mode="reduced" if mode == "economic" else "complete")
    r = _dnp.flip(_dnp.transpose(r1), (0, 1))
    return r if mode == "r" else (r, _dnp.flip(_dnp.transpose(q1), (0, 1)))


@_over_batch(("A", 2))
def orth(A, rcond=None):
    """An orthonormal basis of A's range, like `scipy.linalg.orth`: the first r left singular vectors (SciPy's
    svd's), r the number of singular values above rcond·σmax (rcond None: max(m, n)·eps), read from the values (a
    piecewise constant: the trace is specialised to it). Differentiable where those r singular values are distinct
    (the basis itself, not only its span). Shape contract: A (m, n) -> (m, r).

    >>> orth(_np.array([[2.0, 0.0], [0.0, 0.0]])).tolist()
    [[1.0], [0.0]]
    """
    from ..numpy.arrays import _value

    if _np.ndim(A) != 2:
        raise ValueError(f"orth: A must be 2-D, got shape {_np.shape(A)}")
    u, s, _ = svd(A, full_matrices=False)
    values = _np.asarray(_value(s, "scipy.linalg.orth"))
    if not _np.all(_np.isfinite(values)):  # (SciPy's check_finite error; no rank, so no basis, of NaN or inf)
        raise ValueError("scipy.linalg.orth: A must not contain infs or NaNs (its rank is undefined)")
    rcond = _np.finfo(values.dtype).eps * max(_np.shape(A)) if rcond is None else rcond
    return u[:, : int(_np.sum(values > _np.amax(values, initial=0.0) * rcond))]


def _span_basis(M, name):
    """An orthonormal basis of M's column space: QR's Q where M has full column rank by orth's rule (smooth in M there,
    where orth's U is not at repeated singular values: an orthonormal M's derivative was NaN), else orth's. Its rank."""
    from ..numpy.arrays import _value

    values = _np.asarray(_value(M, "scipy.linalg.subspace_angles"))
    if not _np.all(_np.isfinite(values)):  # (SciPy's check_finite error)
        raise ValueError(f"scipy.linalg.subspace_angles: {name} must not contain infs or NaNs (its span is undefined)")
    s = _np.linalg.svd(values, compute_uv=False)
    rank = int(_np.sum(s > _np.amax(s, initial=0.0) * _np.finfo(s.dtype).eps * max(_np.shape(M))))
    if rank == _np.shape(M)[1] and rank > 0:
        return _dnp.linalg.qr(M)[0], rank
    return orth(M), rank


def _witness(M):
    """The sum of M's entries (real and imaginary parts): a value every entry moves (principal_angle's `w`)."""
    if not isinstance(M, _Traced):
        return 0.0
    if _dnp.iscomplexobj(M):
        return _dnp.sum(_dnp.real(M)) + _dnp.sum(_dnp.imag(M))
    return _dnp.sum(M)


def _angle_edges(cosines, sines, ra, rb, m):
    """(kinked, forced) masks over the descending angles: at 0 or π/2 within √eps (sines resp. cosines, read in the
    angles' order), and the zero angles the dimensions force (ra + rb - m of them: two planes in R³ share a line,
    an angle 0 under every perturbation, its derivative 0) where no other angle is 0."""
    tol = _np.sqrt(_np.finfo(float).eps)  # (a zero angle's round-off: 3e-10 seen at condition numbers 1e6)
    at_zero, at_right = sines <= tol, cosines[::-1] <= tol
    forced = max(0, ra + rb - m)
    if int(at_zero.sum()) <= forced:
        return at_right, at_zero
    return at_zero | at_right, _np.zeros_like(at_zero)


@_over_batch(("A", 2), ("B", 2))
def subspace_angles(A, B):
    """The principal angles (descending, radians) between the column spaces of A and B, like
    `scipy.linalg.subspace_angles`: SciPy's algorithm (arccos of the singular values of Q_Aᴴ Q_B, arcsin of those of
    the residual where the cosine² is ≥ ½, a choice read from the values), on QR's bases where A, B have full column
    rank (orth's elsewhere): values within rounding of SciPy's. Their derivative needs distinct angles; at 0 or π/2
    (a kink: within √eps) it is NaN with a DomainWarning naming subspace_angles, but where the dimensions force a zero
    angle (0 under every perturbation). Shape contract: A (m, p), B (m, q) -> (min(rank A, rank B),).

    >>> subspace_angles(_np.array([[1.0], [0.0]]), _np.array([[1.0], [1.0]])).round(12).tolist()
    [0.785398163397]
    """
    from ..numpy.arrays import _value
    from ..ops.decompositions import principal_angle

    if _np.ndim(A) != 2 or _np.ndim(B) != 2:
        raise ValueError(f"expected 2D arrays, got shapes {_np.shape(A)} and {_np.shape(B)}")
    if _np.shape(A)[0] != _np.shape(B)[0]:
        raise ValueError(f"A and B must have the same number of rows, got {_np.shape(A)[0]} and {_np.shape(B)[0]}")
    (qa, ra), (qb, rb) = _span_basis(A, "A"), _span_basis(B, "B")
    cross = _dnp.matmul(_ct(qa), qb)
    sigma = svdvals(cross)
    if _np.shape(qa)[1] >= _np.shape(qb)[1]:
        residual = qb - _dnp.matmul(qa, cross)
    else:
        residual = qa - _dnp.matmul(qb, _ct(cross))
    sines = svdvals(residual)[: _np.shape(sigma)[0]]
    cosine_values = _np.asarray(_value(sigma, "scipy.linalg.subspace_angles"))
    mask = cosine_values**2 >= 0.5
    kinked, forced = _angle_edges(
        cosine_values, _np.asarray(_value(sines, "scipy.linalg.subspace_angles")), ra, rb, _np.shape(A)[0]
    )
    # each branch at a held point where unused (arccos at 1 is infinitely steep: its 0 cotangent times that was NaN)
    cosines = _dnp.arccos(_dnp.clip(_dnp.where(mask, 0.0, sigma[::-1]), -1.0, 1.0))
    theta = _dnp.where(mask, _dnp.arcsin(_dnp.clip(_dnp.where(mask, sines, 0.0), -1.0, 1.0)), cosines)
    if forced.any():
        theta = _dnp.where(forced, _dnp.stop_gradient(theta), theta)
    if not kinked.any():
        return theta
    return principal_angle(theta, kinked.astype(float), _witness(A) + _witness(B))


@_over_batch(("w", 1), ("v", 2))
def cdf2rdf(w, v):
    """The real block-diagonal form of a real matrix's complex eigendecomposition, like `scipy.linalg.cdf2rdf`: each
    conjugate pair (a ± bi) becomes the block [[a, b], [−b, a]] of wr and the columns Re, Im of its vector in vr
    (which pairs are complex is read from the values: SciPy's own check and error). Shape contract: w (n,),
    v (n, n) -> wr (n, n), vr (n, n).

    >>> wr, vr = cdf2rdf(_np.array([1j, -1j]), _np.array([[1.0, 1.0], [1j, -1j]]))
    >>> wr.tolist()
    [[0.0, 1.0], [-1.0, 0.0]]
    """
    from ..numpy.arrays import _value

    if _np.ndim(w) != 1 or _np.ndim(v) != 2:
        raise ValueError(f"difflab.scipy.linalg.cdf2rdf takes w (n,) and v (n, n), got {_np.shape(w)}, {_np.shape(v)}")
    values = _np.asarray(_value(w, "scipy.linalg.cdf2rdf"))
    _sl().cdf2rdf(values, _np.asarray(_value(v, "scipy.linalg.cdf2rdf")))  # (SciPy's checks and errors)
    n = values.shape[0]
    pairs = _np.nonzero(_np.iscomplex(values))[0]
    j, k = pairs[0::2], pairs[1::2]
    index = _np.full((n, n), 2 * n)  # (into [Re w, Im w, 0])
    index[_np.arange(n), _np.arange(n)] = _np.arange(n)
    index[j, k], index[k, j] = n + j, n + k
    wr = _dnp.take(_dnp.concatenate([_dnp.real(w), _dnp.imag(w), _np.zeros(1)]), index)
    u = _np.eye(n, dtype=complex)
    u[j, j], u[j, k], u[k, j], u[k, k] = 0.5j, 0.5, -0.5j, 0.5
    return wr, _dnp.real(_dnp.matmul(v, u))


@_over_batch(("a", 1))
def fiedler_companion(a):
    """The Fiedler companion matrix of the polynomial with coefficients a (highest first), like
    `scipy.linalg.fiedler_companion`: −a[1:]/a[0] and ones gathered into SciPy's pentadiagonal pattern (bit for bit);
    its eigenvalues are the roots. Shape contract: a (n,) -> (n − 1, n − 1).

    >>> fiedler_companion(_np.array([1.0, -3.0, 2.0])).tolist()
    [[3.0, -2.0], [1.0, 0.0]]
    """
    a = a if isinstance(a, _Traced) else _np.asarray(a)
    if _np.ndim(a) != 1:
        raise ValueError(f"scipy.linalg.fiedler_companion takes a 1-D a (or a stack of them), got {_np.shape(a)}")
    size = _np.shape(a)[0]
    if size < 2:
        return _np.array([], dtype=_np.asarray(a).dtype if not isinstance(a, _Traced) else float)
    if not isinstance(a, _Traced) and _np.asarray(a)[0] == 0:
        raise ValueError("Leading coefficient is zero.")
    values = _dnp.concatenate([-(a / (1.0 * a[0])), _np.array([1.0, 0.0])])  # (SciPy's -(a/a[0]), 1, 0)
    n, one, zero = size - 1, size, size + 1
    if n == 1:
        return _dnp.reshape(values[-3], (1, 1))
    index = _np.full((n, n), zero)
    index[range(3, n, 2), range(1, n - 2, 2)] = one
    index[range(2, n, 2), range(1, n - 1, 2)] = _np.arange(3, size, 2)
    index[range(0, n - 2, 2), range(2, n, 2)] = one
    index[range(0, n - 1, 2), range(1, n, 2)] = _np.arange(2, size, 2)
    index[0, 0], index[1, 0] = 1, one
    return _dnp.take(values, index)


def clarkson_woodruff_transform(input_matrix, sketch_size, rng=None, *, seed=None):
    """S A for SciPy's own sparse sketch S (sketch_size, m) drawn from `rng` (or `seed`), like
    `scipy.linalg.clarkson_woodruff_transform`: S is SciPy's for the same generator (drawn by SciPy's function
    applied to the identity), so the result is linear in A. Shape contract: A (m, n) -> (sketch_size, n).

    >>> clarkson_woodruff_transform(_np.ones((3, 2)), 1, rng=0).tolist()
    [[-3.0, -3.0]]
    """
    if _np.ndim(input_matrix) < 2:
        raise ValueError(
            "scipy.linalg.clarkson_woodruff_transform takes a 2-D input_matrix (or a stack of them), "
            f"got shape {_np.shape(input_matrix)}"
        )
    draw = {"rng": rng} if seed is None else {"seed": seed}  # (one sketch for a whole stack, as SciPy's)
    sketch = _sl().clarkson_woodruff_transform(_np.eye(_np.shape(input_matrix)[-2]), sketch_size, **draw)
    return _dnp.matmul(_np.asarray(sketch), input_matrix)


@_over_batch(("A", 2))
def matrix_balance(A, permute=True, scale=True, separate=False, overwrite_a=False):
    """(B, T) with B = T⁻¹ A T balanced, like `scipy.linalg.matrix_balance` (`separate`: (B, (scale, perm))). T
    (permutation times powers of 2) is SciPy's at the values, a piecewise constant (the trace is specialised to it);
    B = A gathered and scaled by powers of 2, linear in A (bit for bit SciPy's). Shape contract: A (n, n) -> B (n, n),
    T (n, n).

    >>> matrix_balance(_np.array([[1.0, 100.0], [0.01, 1.0]]), permute=False)[0].tolist()
    [[1.0, 1.5625], [0.64, 1.0]]
    """
    from ..numpy.arrays import _value

    if _np.ndim(A) != 2 or _np.shape(A)[0] != _np.shape(A)[1]:
        raise ValueError(f"The data matrix for balancing should be square, got shape {_np.shape(A)}")
    value = _np.asarray(_value(A, "scipy.linalg.matrix_balance"))
    if value.size == 0:  # (SciPy's empty B and T)
        return _sl().matrix_balance(value, permute=permute, scale=scale, separate=separate)
    _, t = _sl().matrix_balance(value, permute=permute, scale=scale)
    n = value.shape[0]
    row = _np.argmax(t != 0, axis=0)  # (T's one entry per column: T[:, j] = t_j e_{row_j})
    tj = t[row, _np.arange(n)]
    b = _dnp.take(_dnp.take(A, row, axis=0), row, axis=1) * (tj[None, :] / tj[:, None])
    if separate:
        return b, _sl().matrix_balance(value, permute=permute, scale=scale, separate=True)[1]
    return b, t


@_over_batch(("a", 2))
def hessenberg(a, calc_q=False, overwrite_a=False, check_finite=True):
    """The Hessenberg form H = Qᴴ a Q of a square a (and Q with `calc_q`), like `scipy.linalg.hessenberg`: LAPACK's
    gehrd reflections H = I − τ v vᴴ recorded as traced ops with its larfg's conventions (β = −sign(Re α)‖(α, x)‖,
    none where the column below the subdiagonal is already 0 and α real), so H and Q are SciPy's to rounding and
    differentiable where each reflected column is nonzero. Shape contract: a (n, n) -> H (n, n), Q (n, n).

    >>> hessenberg(_np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 2.0], [3.0, 4.0, 1.0]])).round(12).tolist()
    [[1.0, 0.0, 0.0], [-3.0, 1.0, 4.0], [0.0, 2.0, 1.0]]
    """
    if _np.ndim(a) != 2 or _np.shape(a)[0] != _np.shape(a)[1]:
        raise ValueError("expected square matrix")
    n, cplx = _np.shape(a)[0], bool(_dnp.iscomplexobj(a))
    cj = _dnp.conjugate if cplx else (lambda x: x)
    h, q = a * 1.0, _np.eye(n)  # (copies: the input is never written)
    for i in range(n - 1 if cplx else n - 2):  # (zlarfg makes the last subdiagonal entry real too)
        alpha, rest = h[i + 1, i].copy(), h[i + 2 :, i].copy()  # (copies: h is written below)
        size = _dnp.sum(_dnp.real(rest * cj(rest)) if cplx else rest * rest)  # ‖x‖²
        zero = _dnp.logical_and(size == 0, _dnp.imag(alpha) == 0) if cplx else size == 0  # (larfg: H = I)
        sign = _dnp.where((_dnp.real(alpha) if cplx else alpha) >= 0, -1.0, 1.0)
        beta = sign * _dnp.sqrt((_dnp.real(alpha * cj(alpha)) if cplx else alpha * alpha) + size)
        tau = _dnp.where(zero, 0.0, (beta - alpha) / _dnp.where(zero, 1.0, beta))
        v = _dnp.concatenate([_np.ones(1), rest / _dnp.where(zero, 1.0, alpha - beta)])
        h[:, i + 1 :] = h[:, i + 1 :] - tau * _dnp.outer(_dnp.matmul(h[:, i + 1 :], v), cj(v))  # (right: H, as gehd2)
        h[i + 1 :, i + 1 :] = h[i + 1 :, i + 1 :] - cj(tau) * _dnp.outer(v, _dnp.matmul(cj(v), h[i + 1 :, i + 1 :]))
        h[i + 1, i] = _dnp.where(zero, alpha, beta)  # (left: Hᴴ; the column below the subdiagonal reflected to 0)
        if i + 2 < n:
            h[i + 2 :, i] = 0.0
        reflected = q[:, i + 1 :] - tau * _dnp.outer(_dnp.matmul(q[:, i + 1 :], v), cj(v))
        q = _dnp.concatenate([q[:, : i + 1], reflected], axis=1)  # (q may be plain while tau is traced)
    return (h, q) if calc_q else h


def _ldl_blocks(d):
    """The sizes (1 or 2) of the diagonal blocks of SciPy's d, in order."""
    sizes, k = [], 0
    while k < d.shape[0]:
        sizes.append(2 if k + 1 < d.shape[0] and d[k + 1, k] != 0 else 1)
        k += sizes[-1]
    return sizes


def _block_ldl(m, sizes, tr):
    """(L, D) with m = L D tr(L), L unit lower with identity diagonal blocks, D block diagonal of the given sizes:
    block elimination without pivoting (the pivots already applied to m), recorded."""
    k, cols, blocks = 0, [], []
    m = m * 1.0
    for size in sizes:
        e, below = m[k : k + size, k : k + size].copy(), m[k + size :, k : k + size].copy()  # (m is written below)
        # (a zero 1×1 pivot has a zero column below it, which LAPACK's sytf2 leaves as it is: no 0/0)
        low = below / _dnp.where(e == 0, 1.0, e) if size == 1 else _dnp.matmul(below, _dnp.linalg.inv(e))
        m[k + size :, k + size :] = m[k + size :, k + size :] - _dnp.matmul(low, tr(below))
        cols.append(_dnp.concatenate([_np.zeros((k, size)), _np.eye(size), low], axis=0))
        blocks.append(e)
        k += size
    return _dnp.concatenate(cols, axis=1), block_diag(*blocks)


@_over_batch(("A", 2))
def ldl(A, lower=True, hermitian=True, overwrite_a=False, check_finite=True):
    """(lu, d, perm) with A = lu d luᵀ (luᴴ for a complex Hermitian A), lu[perm] triangular, like `scipy.linalg.ldl`:
    the Bunch–Kaufman pivots and block sizes are SciPy's at the values (piecewise constants: the trace is specialised
    to them), then the block elimination of A[perm][:, perm] is recorded, reading A's lower (upper) triangle as SciPy's.
    Shape contract: A (n, n) -> lu (n, n), d (n, n), perm (n,).

    >>> lu, d, perm = ldl(_np.array([[4.0, 2.0], [2.0, 5.0]]))
    >>> lu.tolist(), d.tolist()
    ([[1.0, 0.0], [0.5, 1.0]], [[4.0, 0.0], [0.0, 4.0]])
    """
    from ..numpy.arrays import _value

    if _np.ndim(A) != 2 or _np.shape(A)[0] != _np.shape(A)[1]:
        raise ValueError("The input array 'a' should be square.")
    value = _np.asarray(_value(A, "scipy.linalg.ldl"))
    _, d, perm = _sl().ldl(value, lower=lower, hermitian=hermitian)
    if value.size == 0:  # (SciPy's empty factors: nothing to eliminate)
        return _sl().ldl(value, lower=lower, hermitian=hermitian)
    herm = hermitian and _np.iscomplexobj(value)
    tr = _ct if herm else (lambda x: _dnp.swapaxes(x, -1, -2))
    strict = _dnp.tril(A, -1) if lower else _dnp.triu(A, 1)
    diagonal = A * _np.eye(_np.shape(A)[0])
    full = strict + tr(strict) + (_dnp.real(diagonal) if herm else diagonal)  # (the triangle SciPy reads)
    permuted = _dnp.take(_dnp.take(full, perm, axis=0), perm, axis=1)
    sizes = _ldl_blocks(d)
    if lower:
        factor, blocks = _block_ldl(permuted, sizes, tr)
    else:  # (U D Uᵀ of m is J L D' Lᵀ J of the reversed J m J)
        factor, blocks = (_dnp.flip(x, (0, 1)) for x in _block_ldl(_dnp.flip(permuted, (0, 1)), sizes[::-1], tr))
    return _dnp.take(factor, _np.argsort(perm), axis=0), blocks, perm


def _qr_as(updated, want_q, want_r):
    """The QR of the updated matrix (difflab's qr: LAPACK's signs, differentiable where its first k columns are
    independent), shaped as SciPy's result (want_q, want_r), each column times the sign (phase, complex) that makes it
    SciPy's at the values (held)."""
    m, n = _np.shape(updated)
    q, r = _dnp.linalg.qr(updated, mode="complete" if want_q.shape[1] == m else "reduced")
    got = _np.diagonal(_np.asarray(r.value if isinstance(r, _Traced) else r))[: min(m, n)]
    ratio = _np.diagonal(want_r)[: min(m, n)] * _np.conj(got)  # (its phase: ±1 for real factors)
    phases = _np.where(ratio == 0, 1.0, ratio / _np.where(ratio == 0, 1.0, _np.abs(ratio)))
    phases = _np.concatenate([phases, _np.ones(_np.shape(q)[1] - len(phases))])  # (a full Q's other columns)
    return q * _np.conj(phases), r * phases[:, None]  # (want_r = phases · R, so Q its conjugate)


def _qr_inputs(name, call, Q, R, *rest, refuse=True):
    """SciPy's own update at the values (its checks and errors, and the result to match), and A = Q triu(R). A traced
    input with a full Q of a tall result is refused by name: SciPy's last m − k columns are its rotations' choice of
    a basis of the complement (they depend on the input Q's), not a function of the updated matrix."""
    from ..numpy.arrays import _value

    values = [_np.asarray(_value(x, f"scipy.linalg.{name}")) for x in (Q, R, *rest)]
    want_q, want_r = call(*values)
    if not any(isinstance(x, _Traced) for x in (Q, R, *rest)):  # (plain values: SciPy's own factors, bit for bit,
        return want_q, want_r, None  # the trailing columns of a full Q of a tall result among them)
    tall_full = want_q.shape[1] > min(want_r.shape)
    _unsupported(
        name, refuse and tall_full and any(isinstance(x, _Traced) for x in (Q, R, *rest)),
        "the last m − n columns of a full Q (m, m) of a tall matrix are SciPy's Givens rotations' choice of a basis "
        "(they follow the input Q's), not a function of the updated matrix, so no derivative of them is offered "
        "here (a rank-1 update, one inserted row or column and deleted rows or one column are: SciPy's own "
        "rotations, recorded); pass the economic factors qr(a, mode='economic')",
    )  # fmt: skip
    return want_q, want_r, _dnp.matmul(Q, _dnp.triu(R))


def _rotate(x, y, a, b, q=False):
    """(c x + s y, c y − s̄ x) for the Givens rotation taking (a, b) to (r, 0) (none at a = b = 0): of real ones
    r = √(a² + b²); of complex ones LAPACK's zlartg, as SciPy's (c = |a|/‖(a, b)‖ real, s = sign(a) b̄/‖(a, b)‖, r with
    a's phase), and s̄ for Q's columns (`q`), as SciPy's zrot of them."""
    if not (_dnp.iscomplexobj(a) or _dnp.iscomplexobj(b)):
        zero = (a == 0) & (b == 0)
        r = _dnp.sqrt(_dnp.where(zero, 1.0, a * a + b * b))
        c, s = _dnp.where(zero, 1.0, a / r), _dnp.where(zero, 0.0, b / r)
        return c * x + s * y, c * y - s * x
    f2, g2 = _dnp.real(a * _dnp.conjugate(a)), _dnp.real(b * _dnp.conjugate(b))
    none, flat = f2 + g2 == 0, f2 == 0  # (flat: a = 0, c = 0 and s = b̄/|b|)
    h = _dnp.sqrt(_dnp.where(none, 1.0, f2 + g2))
    phase = _dnp.where(flat, 1.0, a / _dnp.sqrt(_dnp.where(flat, 1.0, f2)))
    c = _dnp.where(none, 1.0, _dnp.sqrt(f2) / h)
    s = _dnp.where(none, 0.0, _dnp.conjugate(b) * phase / h)
    s = _dnp.conjugate(s) if q else s
    return c * x + s * y, c * y - _dnp.conjugate(s) * x


def _givens_update(Q, R, u, v, want_q):
    """SciPy's rank-1 update of a full QR (Golub & Van Loan 12.5.1, SciPy's _decomp_update): rotations from the
    bottom take w = Qᴴ u to ‖w‖ e₁, R[0] += w₀ vᴴ, rotations from the top restore R's triangle; recorded, so Q₁'s
    every column is SciPy's function of (Q, R, u, v), each signed as SciPy's at the values (held)."""
    m, n = _np.shape(R)
    w = _dnp.matmul(_ct(Q), u)
    rows, cols, w = [R[i] for i in range(m)], [Q[:, i] for i in range(m)], [w[i] for i in range(m)]
    for k in range(m - 1, 0, -1):
        a, b = w[k - 1], w[k]
        rows[k - 1], rows[k] = _rotate(rows[k - 1], rows[k], a, b)
        cols[k - 1], cols[k] = _rotate(cols[k - 1], cols[k], a, b, q=True)
        w[k - 1], w[k] = _rotate(a, b, a, b)
    rows[0] = rows[0] + w[0] * (_dnp.conjugate(v) if _dnp.iscomplexobj(v) else v)  # (A + u vᴴ)
    for k in range(min(n, m - 1)):
        a, b = rows[k][k], rows[k + 1][k]
        rows[k], rows[k + 1] = _rotate(rows[k], rows[k + 1], a, b)
        cols[k], cols[k + 1] = _rotate(cols[k], cols[k + 1], a, b, q=True)
    return _held_signs(_dnp.stack(cols, axis=1), rows, want_q)


def _held_signs(q, rows, want_q):
    """(Q, R) from a Givens sweep's Q and R rows, each column (row of R) times the sign (phase) that makes it SciPy's
    at the values (held: SciPy's lartg and these real rotations may differ by a sign per step, which leaves the
    factors a sign apart each; complex ones are LAPACK's own, their phases 1)."""
    got = _np.asarray(q.value if isinstance(q, _Traced) else q)
    overlap = _np.sum(_np.conj(got) * want_q, axis=0)
    phases = overlap / _np.where(overlap == 0, 1.0, _np.abs(overlap))
    return q * phases, _dnp.triu(_dnp.stack(rows)) * _np.conj(phases)[:, None]


def _givens_insert(Q, R, u, k, which, want_q):
    """SciPy's insertion of one row or column into a full QR (_decomp_update's qr_row_insert, qr_col_insert):
    a row u appended to R and e_m to Q, rotations (R_jj, u_j) zero it, and Q's last row moves to k; a column Qᵀ u
    inserted in R at k, rotations from the bottom zero it below row k."""
    m, n = _np.shape(R)
    rows, cols = [R[i] for i in range(m)], [Q[:, i] for i in range(m)]
    if which == "row":
        rows.append(_dnp.reshape(u, (n,)))
        cols = [_dnp.concatenate([c, _np.zeros(1)]) for c in cols] + [_np.eye(m + 1)[m]]
        for j in range(min(m, n)):
            a, b = rows[j][j], rows[m][j]
            rows[j], rows[m] = _rotate(rows[j], rows[m], a, b)
            cols[j], cols[m] = _rotate(cols[j], cols[m], a, b, q=True)
        order = _np.r_[0:k, m, k:m]  # (the new row, last in Q, to row k)
        return _held_signs(_dnp.take(_dnp.stack(cols, axis=1), order, axis=0), rows, want_q)
    w = _dnp.matmul(_ct(Q), _dnp.reshape(u, (m,)))
    rows = [_dnp.concatenate([r[:k], w[i : i + 1], r[k:]]) for i, r in enumerate(rows)]
    for j in range(m - 2, k - 1, -1):
        a, b = rows[j][k], rows[j + 1][k]
        rows[j], rows[j + 1] = _rotate(rows[j], rows[j + 1], a, b)
        cols[j], cols[j + 1] = _rotate(cols[j], cols[j + 1], a, b, q=True)
    return _held_signs(_dnp.stack(cols, axis=1), rows, want_q)


def _givens_delete(Q, R, k, p, which, want_q):
    """SciPy's deletion from a full QR (_decomp_update's qr_block_row_delete, qr_col_delete): rows k..k+p−1 of
    Q moved to the top (SciPy's swaps), rotations take them to [I 0] (applied to R's rows and Q's other rows), and the
    first p rows and columns dropped; a column removed from R, rotations from row k restore its triangle."""
    m, n = _np.shape(R)
    rows = [R[i] for i in range(m)]
    if which == "col":
        rows = [_dnp.concatenate([r[:k], r[k + 1 :]]) for r in rows]
        cols = [Q[:, i] for i in range(m)]
        for j in range(k, min(m - 1, n - 1)):
            a, b = rows[j][j], rows[j + 1][j]
            rows[j], rows[j + 1] = _rotate(rows[j], rows[j + 1], a, b)
            cols[j], cols[j + 1] = _rotate(cols[j], cols[j + 1], a, b, q=True)
        return _held_signs(_dnp.stack(cols, axis=1), rows, want_q)
    order = list(range(m))
    for j in range(k, 0, -1):
        order[j + p - 1], order[j - 1] = order[j - 1], order[j + p - 1]
    q = _dnp.take(Q, order, axis=0)
    block, cols = (
        [_dnp.conjugate(q[:p, j]) for j in range(m)],
        [q[p:, j] for j in range(m)],
    )  # (W: conj of Q's moved rows)
    for i in range(p):
        for j in range(m - 2, i - 1, -1):
            a, b = block[j][i], block[j + 1][i]
            block[j], block[j + 1] = _rotate(block[j], block[j + 1], a, b)
            rows[j], rows[j + 1] = _rotate(rows[j], rows[j + 1], a, b)
            cols[j], cols[j + 1] = _rotate(cols[j], cols[j + 1], a, b, q=True)
    return _held_signs(_dnp.stack(cols[p:], axis=1), rows[p:], want_q)


def _whole(name, **numbers):
    """SciPy's qr_insert and qr_delete take positions and counts as integers (a float k is truncated there)."""
    for key, x in numbers.items():
        if isinstance(x, (bool, _np.bool_)) or not isinstance(x, (int, _np.integer)):
            raise TypeError(f"scipy.linalg.{name}: {key} must be an integer, got {x!r}")


def _full(Q):
    """Whether Q is a full (square) Q: SciPy's Givens sweeps are then recorded."""
    return _np.ndim(Q) == 2 and _np.shape(Q)[0] == _np.shape(Q)[1]


@_over_batch(("Q", 2), ("R", 2), ("u", "1|2"), ("v", "1|2"))
def qr_update(Q, R, u, v, overwrite_qruv=False, check_finite=True):
    """The QR of Q R + u vᵀ (u vᴴ of complex ones; a rank-p update for u (m, p), v (n, p)), like
    `scipy.linalg.qr_update`, R's upper triangle read. A rank-1 update of a full Q is SciPy's own Givens
    rotations, recorded: its derivative is SciPy's function's in Q, R, u and v. Otherwise difflab's QR of that matrix
    with SciPy's signs at the values (held): its derivative is SciPy's along changes of Q that keep it orthonormal,
    and a traced full Q (m, m) of a tall matrix is refused by name there (its last m − n columns are SciPy's
    rotations' choice). Shape contract: Q (m, m) or (m, n), R (m, n) or (n, n), u (m,) or (m, p), v (n,) or (n, p)
    -> Q₁, R₁ shaped as Q, R.

    >>> q1, r1 = qr_update(_np.eye(2), _np.eye(2), _np.array([1.0, 0.0]), _np.array([1.0, 0.0]))
    >>> r1.round(12).tolist()
    [[2.0, 0.0], [0.0, 1.0]]
    """
    givens = _np.ndim(u) == 1 and _full(Q)
    want_q, want_r, a = _qr_inputs("qr_update", _sl().qr_update, Q, R, u, v, refuse=not givens)
    if a is None:
        return want_q, want_r
    if givens:
        return _givens_update(Q, _dnp.triu(R), u, v, want_q)
    u2, v2 = (_dnp.reshape(x, (-1, 1)) if _np.ndim(x) == 1 else x for x in (u, v))
    return _qr_as(a + _dnp.matmul(u2, _ct(v2)), want_q, want_r)


@_over_batch(("Q", 2), ("R", 2), ("u", "1|2"))
def qr_insert(Q, R, u, k, which="row", rcond=None, overwrite_qru=False, check_finite=True):
    """The QR of Q R with u's rows (which='row') or columns ('col') inserted before row (column) k, like
    `scipy.linalg.qr_insert` (R's upper triangle read; SciPy's own checks and errors, `rcond`'s among them): one row
    or column into a full Q is SciPy's own Givens rotations, recorded (its derivative SciPy's in Q, R and u);
    otherwise as qr_update's second path (a traced full Q of a tall result refused by name). Shape contract:
    Q (m, m) or (m, n), R, u (n,) / (p, n) rows or (m,) / (m, p) columns -> Q₁, R₁ of the larger matrix.

    >>> q1, r1 = qr_insert(_np.eye(2), _np.eye(2), _np.array([0.0, 3.0]), 2)
    >>> r1.round(12).tolist()
    [[1.0, 0.0], [0.0, 3.162277660168], [0.0, 0.0]]
    """
    _whole("qr_insert", k=k)
    call = lambda q, r, u: _sl().qr_insert(q, r, u, k, which, rcond=rcond)  # noqa: E731
    one = _np.size(u) == (_np.shape(R)[1] if which == "row" else _np.shape(Q)[0])  # (one row or column)
    givens = one and _full(Q)
    want_q, want_r, a = _qr_inputs("qr_insert", call, Q, R, u, refuse=not givens)
    if a is None:
        return want_q, want_r
    m, n = _np.shape(a)
    at = k + (m if which == "row" else n) if k < 0 else k
    if givens:
        return _givens_insert(Q, _dnp.triu(R), u, at, which, want_q)
    if which == "row":
        a = _dnp.concatenate([a[:at], _dnp.reshape(u, (-1, n)), a[at:]], axis=0)
    else:
        a = _dnp.concatenate([a[:, :at], _dnp.reshape(u, (m, -1)), a[:, at:]], axis=1)
    return _qr_as(a, want_q, want_r)


@_over_batch(("Q", 2), ("R", 2))
def qr_delete(Q, R, k, p=1, which="row", overwrite_qr=False, check_finite=True):
    """The QR of Q R with p rows (which='row') or columns ('col') deleted from k, like `scipy.linalg.qr_delete` (R's
    upper triangle read): rows, or one column, of a full Q are SciPy's own Givens rotations, recorded (its
    derivative SciPy's in Q and R); otherwise as qr_update's second path. Shape contract: Q (m, m) or (m, n), R ->
    Q₁, R₁ of the smaller matrix.

    >>> q1, r1 = qr_delete(_np.eye(3), _np.triu(_np.ones((3, 3))), 0, which="col")
    >>> r1.round(12).tolist()
    [[1.414213562373, 1.414213562373], [0.0, 1.0], [0.0, 0.0]]
    """
    _whole("qr_delete", k=k, p=p)
    call = lambda q, r: _sl().qr_delete(q, r, k, p, which)  # noqa: E731
    givens = (which == "row" or p == 1) and _full(Q)
    want_q, want_r, a = _qr_inputs("qr_delete", call, Q, R, refuse=not givens)
    if a is None or want_q.size == 0 or want_r.size == 0:  # (plain, or all deleted: SciPy's, nothing to differentiate)
        return want_q, want_r
    size = _np.shape(a)[0 if which == "row" else 1]
    at = k + size if k < 0 else k
    if givens:
        return _givens_delete(Q, _dnp.triu(R), at, p, which, want_q)
    keep = _np.r_[0:at, at + p : size]
    return _qr_as(_dnp.take(a, keep, axis=0 if which == "row" else 1), want_q, want_r)


@_over_batch(("A", 2))
def expm_cond(A, check_finite=True):
    """The relative condition number of expm at A in the Frobenius norm, like `scipy.linalg.expm_cond`:
    ‖K‖₂ ‖A‖_F / ‖expm A‖_F with K the n² × n² Kronecker form of the Fréchet derivative, each column one
    expm_frechet (the registry's `frechet`), so differentiable where K's largest singular value is simple.
    Shape contract: A (n, n) -> ().

    >>> round(float(expm_cond(_np.zeros((1, 1)))), 12)
    0.0
    """
    A = _one_square("expm_cond", A)
    n = _np.shape(A)[0]
    if n == 0:
        raise ValueError("scipy.linalg.expm_cond: A is empty (0, 0); its condition number is undefined (0/0)")
    units = _np.eye(n * n).reshape(n * n, n, n)
    kron = _dnp.stack([_dnp.ravel(_dnp.transpose(_matfuncs.frechet(A, e))) for e in units], axis=1)
    return _dnp.linalg.norm(kron, 2) * _dnp.linalg.norm(A, "fro") / _dnp.linalg.norm(_matfuncs.expm(A), "fro")


def _sizes(name, *sizes):
    """SciPy's constant makers take sizes, not differentiable values: a traced one is refused by name."""
    if any(isinstance(s, _Traced) for s in sizes):
        raise TypeError(f"scipy.linalg.{name} takes a size (an integer), not a traced value: its result is a constant")


def dft(n, scale=None):
    """SciPy's n × n DFT matrix (`scipy.linalg.dft`, a constant: n a size). Shape contract: n -> (n, n) complex.

    >>> dft(2).real.tolist()
    [[1.0, 1.0], [1.0, -1.0]]
    """
    _sizes("dft", n)
    return _sl().dft(n, scale=scale)


def hadamard(n, dtype=int):
    """SciPy's n × n Hadamard matrix (`scipy.linalg.hadamard`, a constant). Shape contract: n (a power of 2) -> (n, n).

    >>> hadamard(2).tolist()
    [[1, 1], [1, -1]]
    """
    _sizes("hadamard", n)
    return _sl().hadamard(n, dtype=dtype)


def helmert(n, full=False):
    """SciPy's Helmert matrix (`scipy.linalg.helmert`, a constant). Shape contract: n -> (n − 1, n), full: (n, n).

    >>> helmert(2).round(6).tolist()
    [[0.707107, -0.707107]]
    """
    _sizes("helmert", n)
    return _sl().helmert(n, full=full)


def hilbert(n):
    """SciPy's n × n Hilbert matrix 1/(i + j + 1) (`scipy.linalg.hilbert`, a constant). Shape contract: n -> (n, n).

    >>> hilbert(2).tolist()
    [[1.0, 0.5], [0.5, 0.3333333333333333]]
    """
    _sizes("hilbert", n)
    return _sl().hilbert(n)


def invhilbert(n, exact=False):
    """The inverse of the n × n Hilbert matrix (`scipy.linalg.invhilbert`, a constant). Shape contract: n -> (n, n).

    >>> invhilbert(2).tolist()
    [[4.0, -6.0], [-6.0, 12.0]]
    """
    _sizes("invhilbert", n)
    return _sl().invhilbert(n, exact=exact)


def pascal(n, kind="symmetric", exact=True):
    """SciPy's n × n Pascal matrix (`scipy.linalg.pascal`, a constant). Shape contract: n -> (n, n).

    >>> pascal(2).tolist()
    [[1, 1], [1, 2]]
    """
    _sizes("pascal", n)
    return _sl().pascal(n, kind=kind, exact=exact)


def invpascal(n, kind="symmetric", exact=True):
    """The inverse of SciPy's n × n Pascal matrix (`scipy.linalg.invpascal`, a constant). Shape contract: n -> (n, n).

    >>> invpascal(2).tolist()
    [[2, -1], [-1, 1]]
    """
    _sizes("invpascal", n)
    return _sl().invpascal(n, kind=kind, exact=exact)


def bandwidth(a):
    """(lower, upper) bandwidth of a, like `scipy.linalg.bandwidth`: read from a's values (integers, no derivative;
    the trace is specialised to them, as argmax's). Shape contract: a (n, m) -> (int, int).

    >>> bandwidth(_np.array([[1.0, 2.0], [0.0, 3.0]]))
    (0, 1)
    """
    from ..numpy.arrays import _value

    return _sl().bandwidth(_np.asarray(_value(a, "scipy.linalg.bandwidth")))


def issymmetric(a, atol=None, rtol=None):
    """Whether a is symmetric, like `scipy.linalg.issymmetric`: read from a's values (a bool, no derivative).
    Shape contract: a (n, n) -> bool.

    >>> issymmetric(_np.array([[1.0, 2.0], [2.0, 3.0]]))
    True
    """
    from ..numpy.arrays import _value

    return _sl().issymmetric(_np.asarray(_value(a, "scipy.linalg.issymmetric")), atol=atol, rtol=rtol)


def ishermitian(a, atol=None, rtol=None):
    """Whether a is Hermitian, like `scipy.linalg.ishermitian`: read from a's values (a bool, no derivative).
    Shape contract: a (n, n) -> bool.

    >>> ishermitian(_np.array([[1.0, 2j], [-2j, 3.0]]))
    True
    """
    from ..numpy.arrays import _value

    return _sl().ishermitian(_np.asarray(_value(a, "scipy.linalg.ishermitian")), atol=atol, rtol=rtol)


def _stand_ins(arrays):
    """arrays with each traced value replaced by an empty-valued array of its dtype and layout (BLAS/LAPACK choice
    reads only those): its values are not read, so the trace is not specialised."""
    return [_np.zeros(tuple(min(s, 2) for s in _np.shape(x)), x.dtype) if isinstance(x, _Traced) else x for x in arrays]


def find_best_blas_type(arrays=(), dtype=None):
    """(prefix, dtype, prefer_fortran) for arrays, like `scipy.linalg.find_best_blas_type`: traced values by their
    dtype. Shape contract: a sequence of arrays -> a 3-tuple.

    >>> find_best_blas_type((_np.ones(2),))[0]
    'd'
    """
    return _sl().find_best_blas_type(_stand_ins(arrays), dtype)


def get_blas_funcs(names, arrays=(), dtype=None, ilp64=False):
    """SciPy's BLAS functions for arrays' dtype, like `scipy.linalg.get_blas_funcs` (traced values by their dtype;
    the functions themselves take plain arrays). Shape contract: names, arrays -> function(s).

    >>> get_blas_funcs("dot", (_np.ones(2),)).typecode
    'd'
    """
    return _sl().get_blas_funcs(names, _stand_ins(arrays), dtype, ilp64)


def get_lapack_funcs(names, arrays=(), dtype=None, ilp64=False):
    """SciPy's LAPACK functions for arrays' dtype, like `scipy.linalg.get_lapack_funcs` (see get_blas_funcs).
    Shape contract: names, arrays -> function(s).

    >>> get_lapack_funcs("getrf", (_np.ones((2, 2)),)).typecode
    'd'
    """
    return _sl().get_lapack_funcs(names, _stand_ins(arrays), dtype, ilp64)


_QZ_INSTEAD = (
    "its unitary factors are LAPACK's choice (the order its QZ iteration deflates the generalized eigenvalues in, "
    "signs, 2×2 blocks), which jumps as A and B move, so no derivative of them is offered; for the generalized "
    "eigenvalues use eigvals(solve(B, A))"
)
_RSF2CSF_INSTEAD = (
    "it converts a real Schur form, which is LAPACK's choice (schur is refused for the same reason), so it has no "
    "derivative; for the eigenvalues use numpy.linalg.eigvals/eig"
)
_COSSIN_INSTEAD = (
    "the CS decomposition's factors are LAPACK's choice (its blocks' bases are not unique), so it has no derivative; "
    "for the cosines use svdvals of the block X[:p, :q] (the cosines of the principal angles)"
)
_FUNM_INSTEAD = (
    "it evaluates an arbitrary Python callable on LAPACK's Schur form (Parlett's recurrence), which difflab cannot "
    "differentiate; write the function with expm, logm, sqrtm (cosm, sinm, ...) or an eigendecomposition: "
    "w, v = numpy.linalg.eig(A); v @ numpy.diag(f(w)) @ numpy.linalg.inv(v)"
)


def qz(A, B, output="real", lwork=None, sort=None, overwrite_a=False, overwrite_b=False, check_finite=True):
    """`scipy.linalg.qz` is not differentiable here (its factors are LAPACK's choice): refused by name."""
    _unsupported("qz", True, _QZ_INSTEAD)


def ordqz(A, B, sort="lhp", output="real", overwrite_a=False, overwrite_b=False, check_finite=True):
    """`scipy.linalg.ordqz` is not differentiable here (qz's factors, reordered): refused by name."""
    _unsupported("ordqz", True, _QZ_INSTEAD)


def rsf2csf(T, Z, check_finite=True):
    """`scipy.linalg.rsf2csf` is not differentiable here (it converts schur's forms): refused by name."""
    _unsupported("rsf2csf", True, _RSF2CSF_INSTEAD)


def cossin(X, p=None, q=None, separate=False, swap_sign=False, compute_u=True, compute_vh=True):
    """`scipy.linalg.cossin` is not differentiable here (its factors are LAPACK's choice): refused by name."""
    _unsupported("cossin", True, _COSSIN_INSTEAD)


def funm(A, func, disp=True):
    """`scipy.linalg.funm` is not differentiable here (an arbitrary callable on the Schur form): refused by name."""
    _unsupported("funm", True, _FUNM_INSTEAD)


#: the names refused by name: SciPy's own function on a traced value says the same (trace._scipy_caller)
REFUSED = {
    "null_space": _NULL_SPACE_INSTEAD,
    "schur": _SCHUR_INSTEAD,
    "qz": _QZ_INSTEAD,
    "ordqz": _QZ_INSTEAD,
    "rsf2csf": _RSF2CSF_INSTEAD,
    "cossin": _COSSIN_INSTEAD,
    "funm": _FUNM_INSTEAD,
}


__all__ = [
    "qr",
    "polar",
    "solve_triangular",
    "solve_banded",
    "cho_factor",
    "cho_solve",
    "solve_sylvester",
    "solve_continuous_lyapunov",
    "solve_discrete_lyapunov",
    "solve_lyapunov",
    "solveh_banded",
    "eigh_tridiagonal",
    "eigvalsh_tridiagonal",
    "leslie",
    "fiedler",
    "solve_continuous_are",
    "solve_discrete_are",
    "sqrtm",
    "expm",
    "expm_frechet",
    "cosm",
    "sinm",
    "tanm",
    "coshm",
    "sinhm",
    "tanhm",
    "signm",
    "fractional_matrix_power",
    "eigvalsh",
    "svdvals",
    "block_diag",
    "toeplitz",
    "circulant",
    "hankel",
    "companion",
    "khatri_rao",
    "solve_toeplitz",
    "matmul_toeplitz",
    "solve_circulant",
    "convolution_matrix",
    "diagsvd",
    "lstsq",
    "eigvals",
    "eig",
    "pinvh",
    "orthogonal_procrustes",
    "lu",
    "lu_factor",
    "lu_solve",
    "logm",
    "null_space",
    "schur",
    "inv",
    "det",
    "solve",
    "cholesky",
    "eigh",
    "svd",
    "pinv",
    "norm",
    "cholesky_banded",
    "cho_solve_banded",
    "eig_banded",
    "eigvals_banded",
    "qr_multiply",
    "rq",
    "orth",
    "subspace_angles",
    "cdf2rdf",
    "fiedler_companion",
    "clarkson_woodruff_transform",
    "matrix_balance",
    "hessenberg",
    "ldl",
    "qr_update",
    "qr_insert",
    "qr_delete",
    "expm_cond",
    "dft",
    "hadamard",
    "helmert",
    "hilbert",
    "invhilbert",
    "pascal",
    "invpascal",
    "bandwidth",
    "issymmetric",
    "ishermitian",
    "find_best_blas_type",
    "get_blas_funcs",
    "get_lapack_funcs",
    "qz",
    "ordqz",
    "rsf2csf",
    "cossin",
    "funm",
]
