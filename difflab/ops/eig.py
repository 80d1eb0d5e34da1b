"""numpy.linalg.eig of general square matrices, real or complex, as registry entries: `eig_values`,
`eig_vectors` (gauge-fixed) and `eig_signs` (LAPACK's ±1 relative to them), with the front ends
`eig` and `eigvals` (`numpy.linalg.eig`, `numpy.linalg.eigvals`).

Values are complex, as JAX's `jnp.linalg.eig`: NumPy returns real arrays when every eigenvalue of a
real matrix is real, a dtype that would depend on the values (a traced graph's dtypes must not).

Rules (A V = V Λ; the convention: ops/complexes.py; JAX's eig JVP). Eigenvalues: dλ = diag(V⁻¹ dA V),
holomorphic in A; the VJP is V⁻ᵀ diag(λ̄) Vᵀ (the transpose, no conjugate). Eigenvectors: any
differentiable family has dV = V (F∘(V⁻¹ dA V)) + V·diag(κ), F_ij = 1/(λj − λi) off the diagonal; LAPACK
(geev) normalises each column to unit norm with its largest entry real, so `eig_vectors` fixes
that entry real and positive (decompositions.gauge_fixed: κ keeps the norm and the anchor's phase),
and `eig_signs` is the ±1 that gives LAPACK's columns back: piecewise constant, derivative 0. So the
derivative is that of NumPy's own vectors, wherever the eigenvalues are distinct (F divides by their
gaps: a repeated eigenvalue's vectors are not differentiable, inf/NaN) and each column's largest entry
is unique. Not analytic (complex step refused); symbolic: complex_linalg.py's opaque kinds (real and
complex matrices, at every size).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .core import _reshape, _shape, defop, draw, stacked_batch
from .decompositions import _fix_signs, _gap_inverse, gauge_fixed, gauge_fixed_adjoint
from .linalg import _on_complex_linalg, _swap_last, inv, matrix_scale, nan_where_non_finite, strong_matmul
from .reductions import sum as sum_
from .elementwise import strong_mul

__all__ = ["eig_values", "eig_vectors", "eig_signs", "eig", "eigvals", "EigResult"]


def _eig_impl(a):
    # (a matrix holding NaN or inf: NaN values and vectors, as eigh's; LAPACK refuses it, and the rules meet one on
    # concrete values, a prepared roots call whose leading coefficient became 0, where no interpreter catches it)
    return nan_where_non_finite(a, _finite_eig)


def _finite_eig(a):
    w, v = np.linalg.eig(a)
    v = v.astype(complex)
    return w.astype(complex), v * _fix_signs(v)


def _eigvals_jvp(t, out, a):
    # diag(V⁻¹ t V) as Σ_k (V⁻¹ t)_ik V_ki: one matrix product and a row sum, not a three-operand einsum
    # (NumPy's einsum loops over i, j, k itself; forward-over-forward runs this on stacks of tangents)
    v = eig_vectors(a)
    return sum_(strong_mul(strong_matmul(inv(v), t), _swap_last(v)), axis=(_ndim(t) - 1,), keepdims=False)


def _eigvals_vjp(ct, out, a):
    # V⁻ᵀ diag(λ̄) Vᵀ: V⁻ᵀ's columns scaled, then one matrix product
    v = eig_vectors(a)
    return strong_matmul(
        strong_mul(_swap_last(inv(v)), _reshape(ct, _shape(ct)[:-1] + (1, _shape(ct)[-1]))), _swap_last(v)
    )


def _ndim(x):
    return len(_shape(x))


def _eigvecs_jvp(t, out, a):
    # (V⁻¹ t) V: V⁻¹ t is eig_values' rule's too, recorded once where both run in one traced sweep
    inner = strong_mul(_gap_inverse(eig_values(a)), strong_matmul(strong_matmul(inv(out), t), out))
    return gauge_fixed(strong_matmul(out, inner), out, unit=True)


def _eigvecs_vjp(ct, out, a):
    g = strong_mul(_gap_inverse(eig_values(a)), strong_matmul(_swap_last(out), gauge_fixed_adjoint(ct, out, unit=True)))
    return strong_matmul(_swap_last(inv(out)), strong_matmul(g, _swap_last(out)))


def _eig_scale(x):
    """Half the least distance between two eigenvalues (inf for 1×1): where two cross, the vectors turn
    and LAPACK's order may swap (the numeric method's steps stay within it)."""
    w = np.linalg.eigvals(x)
    gaps = np.abs(w[..., :, None] - w[..., None, :]) + np.where(np.eye(w.shape[-1], dtype=bool), np.inf, 0.0)
    return np.min(gaps, axis=(-2, -1), initial=np.inf) / 2.0


def _samples(rng):
    return [((draw("complex", (3, 3), rng),), {}), ((draw("complex", (2, 2, 2), rng),), {})]


eig_values = defop(
    "eig_values",
    lambda a: _eig_impl(a)[0],
    sympy=_on_complex_linalg("eig_values"),
    sympy_complex=_on_complex_linalg("eig_values"),
    internal=True,
    jvp=(_eigvals_jvp,),
    vjp=(_eigvals_vjp,),
    domain=("complex",),
    analytic=False,
    complex=True,
    samples=_samples,
    batch=stacked_batch("eig_values"),
    scale=(matrix_scale(_eig_scale),),
    drops_nan=True,  # iterative (LAPACK): a NaN need not reach every output
    numpy=("linalg.eigvals",),
    front=lambda a: eigvals(a),
    doc="eigenvalues of a general square matrix (LAPACK's order, complex); dλ = diag(V⁻¹ dA V)",
)
eig_vectors = defop(
    "eig_vectors",
    lambda a: _eig_impl(a)[1],
    sympy=_on_complex_linalg("eig_vectors"),
    sympy_complex=_on_complex_linalg("eig_vectors"),
    internal=True,
    jvp=(_eigvecs_jvp,),
    vjp=(_eigvecs_vjp,),
    domain=("complex",),
    analytic=False,
    complex=True,
    samples=_samples,
    batch=stacked_batch("eig_vectors"),
    scale=(matrix_scale(_eig_scale),),
    drops_nan=True,  # iterative (LAPACK): a NaN need not reach every output
    doc="unit eigenvectors (columns), each one's largest entry real and positive; needs distinct eigenvalues",
)
eig_signs = defop(
    "eig_signs",
    lambda a: np.conj(_fix_signs(np.linalg.eig(a)[1].astype(complex))),
    sympy=_on_complex_linalg("eig_signs"),
    sympy_complex=_on_complex_linalg("eig_signs"),
    internal=True,
    jvp=(None,),
    vjp=(None,),
    differentiable=False,
    analytic=False,
    complex=True,
    domain=("complex",),
    samples=_samples,
    batch=stacked_batch("eig_signs"),
    doc="±1 per eigenvector: LAPACK's (geev's) columns relative to eig_vectors' (piecewise constant)",
)

EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])


def eig(a):
    """Eigenvalues and right eigenvectors of a square matrix (or a stack), like `numpy.linalg.eig`,
    always complex (as JAX's). Shapes: a (..., n, n) -> (..., n), (..., n, n). The vectors' derivative
    needs distinct eigenvalues.

    >>> w, v = eig(np.array([[2.0, 1.0], [0.0, 3.0]]))
    >>> w.real.tolist(), bool(np.allclose(v, np.linalg.eig(np.array([[2.0, 1.0], [0.0, 3.0]]))[1]))
    ([2.0, 3.0], True)
    """
    if _shape(a)[-1:] != _shape(a)[-2:-1]:
        raise ValueError(f"numpy.linalg.eig needs square matrices, got shape {_shape(a)}")
    return EigResult(eig_values(a), eig_vectors(a) * eig_signs(a))


def eigvals(a):
    """Eigenvalues of a square matrix, like `numpy.linalg.eigvals` (complex, as JAX's).

    >>> eigvals(np.diag([1.0, 2.0])).real.tolist()
    [1.0, 2.0]
    """
    if _shape(a)[-1:] != _shape(a)[-2:-1]:
        raise ValueError(f"numpy.linalg.eigvals needs square matrices, got shape {_shape(a)}")
    return eig_values(a)
