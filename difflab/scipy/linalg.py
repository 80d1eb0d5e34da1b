"""`scipy.linalg` functions on traced values: sqrtm and solve_sylvester (registry entries,
difflab.ops.matfuncs), solve_triangular and solve_banded (compositions: a solve with the triangle or
the band gathered dense), cholesky, cho_factor and cho_solve with SciPy's conventions (the upper factor
by default; compositions of NumPy's lower one), and SciPy's names that NumPy shares (inv, det, solve,
eigh, svd, pinv, norm). SciPy's own `scipy.linalg.sqrtm(x)` converts a traced value (no dispatch reaches
difflab): its error names the function here.
"""

from __future__ import annotations

import numpy as _np

from .. import numpy as _dnp
from ..ops import matfuncs as _matfuncs

inv, det, solve, eigh, svd, pinv, norm = (
    _dnp.linalg.inv,
    _dnp.linalg.det,
    _dnp.linalg.solve,
    _dnp.linalg.eigh,
    _dnp.linalg.svd,
    _dnp.linalg.pinv,
    _dnp.linalg.norm,
)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False):
    """x with T x = b for the triangle T of `a` (lower or upper; transposed for trans 1/'T'/2/'C';
    a unit diagonal assumed with `unit_diagonal`): entries of `a` outside the triangle are ignored,
    and have zero derivative. Shape contract: a (n, n); b (n,) or (n, k); x like b.

    >>> solve_triangular(_np.array([[2.0, 0.0], [1.0, 1.0]]), _np.array([2.0, 2.0]), lower=True).tolist()
    [1.0, 1.0]
    """
    n = _np.shape(a)[-1]
    tri = _dnp.tril(a) if lower else _dnp.triu(a)
    if unit_diagonal:
        tri = tri * (1.0 - _np.eye(n)) + _np.eye(n)
    if trans in (1, 2, "T", "C"):
        tri = _dnp.transpose(tri)
    return _dnp.linalg.solve(tri, b)


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor of a symmetric positive-definite `a`, like `scipy.linalg.cholesky`: the upper
    U with Uᵀ U = a by default (SciPy's convention; NumPy's is the lower), the lower L with `lower=True`.
    Only a's lower triangle is read (NumPy's factorisation), so a symmetric `a` gives SciPy's values.
    `overwrite_a` and `check_finite` are accepted and change nothing (a traced value is never written).

    >>> cholesky(_np.array([[4.0, 2.0], [2.0, 3.0]])).round(4).tolist()
    [[2.0, 1.0], [0.0, 1.4142]]
    """
    L = _dnp.linalg.cholesky(a)
    return L if lower else _dnp.swapaxes(L, -1, -2)


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
    if not (isinstance(c_and_lower, tuple) and len(c_and_lower) == 2):
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
    y = solve_triangular(c, b, trans=0 if lower else 1, lower=lower)
    return solve_triangular(c, y, trans=1 if lower else 0, lower=lower)


def solve_banded(l_and_u, ab, b):
    """x with A x = b for the banded matrix A stored as SciPy's `ab` (A[i, j] = ab[u + i - j, j] for
    the l sub- and u super-diagonals): A gathered dense from `ab` with a constant index pattern, then
    solved. Shape contract: ab (l + u + 1, n); b (n,) or (n, k); x like b.

    >>> solve_banded((1, 0), _np.array([[2.0, 1.0], [1.0, 0.0]]), _np.array([2.0, 2.0])).tolist()
    [1.0, 1.0]
    """
    lower, upper = (int(k) for k in l_and_u)
    n = _np.shape(ab)[1]
    i, j = _np.indices((n, n))
    row = upper + i - j
    inside = (row >= 0) & (row <= lower + upper)
    flat = _np.where(inside, row, 0) * n + j  # where A is outside the band: any entry, masked to 0
    dense = _dnp.where(inside, _dnp.take(_dnp.ravel(ab), flat), 0.0)
    return _dnp.linalg.solve(dense, b)


def solve_sylvester(a, b, q):
    """X with A X + X B = Q, by SciPy's Bartels-Stewart solve (the registry's `sylvester` entry,
    whose rules are Sylvester solves too). Needs A and −B to share no eigenvalue. Shape contract:
    a (..., n, n), b (..., m, m), q (..., n, m) -> (..., n, m).

    >>> solve_sylvester(_np.eye(2), _np.eye(2), 2.0 * _np.eye(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return _matfuncs.sylvester(a, b, q)


def sqrtm(A, disp=True, blocksize=None):
    """The principal square root X of A (X X = A), like `scipy.linalg.sqrtm`, for all four methods
    (symbolic: 1×1 and 2×2 real roots). Its derivative solves X dX + dX X = dA. Values and dtype are
    SciPy's: a real A with an eigenvalue below 0 has a complex root (a stack's roots are all complex when
    one is), differentiable by forward, reverse and numeric as any complex intermediate; a singular A
    has an infinite derivative (NaN, with a DomainWarning).
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


__all__ = [
    "solve_triangular",
    "solve_banded",
    "cho_factor",
    "cho_solve",
    "solve_sylvester",
    "sqrtm",
    "inv",
    "det",
    "solve",
    "cholesky",
    "eigh",
    "svd",
    "pinv",
    "norm",
]
