"""`scipy.linalg` functions on traced values, as compositions of difflab's linear algebra:
solve_triangular (a solve with the triangle), solve_sylvester (a Kronecker-product solve), and
SciPy's names that NumPy shares (inv, det, solve, cholesky, eigh, svd, pinv, norm).
"""

from __future__ import annotations

import numpy as _np

from .. import numpy as _dnp

inv, det, solve, cholesky, eigh, svd, pinv, norm = (
    _dnp.linalg.inv,
    _dnp.linalg.det,
    _dnp.linalg.solve,
    _dnp.linalg.cholesky,
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
    """X with A X + X B = Q, through the Kronecker form (A ⊗ I + I ⊗ Bᵀ) vec(X) = vec(Q) (row-major
    vec): exact, and cheap for the small matrices of a model. Shape contract: a (n, n), b (m, m),
    q (n, m) -> (n, m).

    >>> solve_sylvester(_np.eye(2), _np.eye(2), 2.0 * _np.eye(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    n, m = _np.shape(a)[0], _np.shape(b)[0]
    system = _dnp.kron(a, _np.eye(m)) + _dnp.kron(_np.eye(n), _dnp.transpose(b))
    return _dnp.reshape(_dnp.linalg.solve(system, _dnp.reshape(q, (n * m,))), (n, m))


__all__ = [
    "solve_triangular",
    "solve_banded",
    "solve_sylvester",
    "inv",
    "det",
    "solve",
    "cholesky",
    "eigh",
    "svd",
    "pinv",
    "norm",
]
