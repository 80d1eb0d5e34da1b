"""numpy.linalg.qr as registry entries: `qr_q` and `qr_r` (the reduced factors, A = Q R, one entry per
output, as eigh's and svd's), `QR_COMPLEMENT` (the extra columns of mode='complete' on a tall matrix:
no derivative), and the front end `qr` (`numpy.linalg.qr`: modes 'reduced', 'complete', 'r').

Rules (A = Q R, Q (m, k) orthonormal columns, R (k, n) upper triangular, k = min(m, n)). For m ≥ n,
with X = dA R⁻¹ and C = Qᵀ X: Qᵀ dQ = Ω is antisymmetric and dR R⁻¹ upper triangular, so Ω's strictly
lower triangle is C's: Ω = tril(C, -1) − tril(C, -1)ᵀ, and dR = (C − Ω) R, dQ = X − Q (C − Ω) (the rule
JAX's qr_jvp_rule and autograd's grad_qr state). The VJP is its transpose: with G = R̄ Rᵀ − Qᵀ Q̄,
Ā = (Q̄ + Q (triu(G) + tril(Gᵀ, -1))) R⁻ᵀ. A wide A = [X Y] (m < n) is Q [R_X  QᵀY] with Q R_X = X: the
square rule for X, and d(QᵀY) = dQᵀ Y + Qᵀ dY.

Complex A (forward, reverse and numeric; the symbolic method refuses complex graphs): Q has
orthonormal columns under Qᴴ Q = I and R's diagonal is real and positive (the phase convention: unique
where R⁻¹ exists, and LAPACK's own complex R diagonal is real, so its factors are these times ±1, as on
the reals). The rules take conjugate transposes: C = Qᴴ X, Ω = Qᴴ dQ anti-Hermitian with
Ω's strict lower triangle C's and its diagonal i Im(diag C), so dR R⁻¹ = C − Ω = triu(C, 1) +
tril(C, -1)ᴴ + Re(diag C) and d(QᴴY) = dQᴴ Y + Qᴴ dY. The VJP is their transpose under Re Σ ū·t
(ops/complexes.py, JAX's and autograd's convention): with G = R̄ Rᵀ − Qᵀ Q̄ and
S = triu(G, 1) + tril(Gᴴ, -1) + Re(diag G), Ā = (Q̄ + conj(Q) S) R⁻ᵀ (JAX's jax.vjp of
jnp.linalg.qr gives the same numbers).

Signs, as eigh's and svd's (decompositions.py). LAPACK's R diagonal may be negative, and its signs jump:
where a Householder pivot crosses 0, and at a column whose entries below the diagonal are exactly 0
(no reflection: R_jj keeps the pivot's sign, while any perturbation flips it). So `qr_q` and `qr_r`
are the QR with R's diagonal positive (Gram–Schmidt's), a smooth function of A wherever its first k
columns are linearly independent (R⁻¹ exists), which the rules above differentiate; the front end
multiplies by `qr_signs`, LAPACK's ±1 per column relative to them: a piecewise-constant entry
(derivative 0; the numeric method holds it at its value at A), so traced `np.linalg.qr` gives NumPy's
values at every point and the derivative of the branch NumPy is on. Symbolic: Gram–Schmidt in SymPy up
to 2 rows or columns, the signs a named function with derivative 0 evaluated by LAPACK (as eigh's);
beyond, the translation raises NotDifferentiableError naming the entry (symbolic's matrix-level
derivatives, which read the rules, still take the graphs they cover).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..errors import NotDifferentiableError
from .core import Op, _reshape, _shape, _sp, defop, draw, stacked_batch, sympy_function
from .complexes import conj, is_complex
from .decompositions import _conj, _decomposition_strategy, _from_entries, _to_object, _undefined
from .elementwise import real, strong_mul
from .linalg import _per_matrix, _swap_last, inv, strong_matmul
from .shape import concatenate

__all__ = ["qr_q", "qr_r", "qr_signs", "qr", "QRResult", "QR_COMPLEMENT"]

#: SymPy's Gram–Schmidt up to this many columns (k = min(m, n)): its nested square roots grow fast
_SYMPY_LIMIT = 2


def _parts(a):
    """(Q, R, R's leading square block, Y): Y is A's columns past the first m (None when m ≥ n)."""
    m, n = _shape(a)[-2:]
    q, r = qr_q(a), qr_r(a)
    if m >= n:
        return q, r, r, None
    return q, r, r[..., :, :m], a[..., :, m:]


def _square_jvp(t, q, r):
    """(dQ, dR) of A = Q R with R square and invertible."""
    x = strong_matmul(t, inv(r))
    upper = _dr_rinv(strong_matmul(_conj(_swap_last(q)), x))
    return x - strong_matmul(q, upper), strong_matmul(upper, r)


def _dr_rinv(c):
    """dR R⁻¹ = C − Ω from C = Qᴴ X: upper triangular with C's strict upper triangle, its strict lower
    one (Ω's) mirrored; of a complex C, conjugated, and the diagonal's real part (Ω = Qᴴ dQ is then
    anti-Hermitian, its diagonal imaginary, and R's diagonal stays real)."""
    k = _shape(c)[-1]
    low = strong_mul(c, np.tri(k, k=-1))
    if not is_complex(c):
        return c - (low - _swap_last(low))
    strict = strong_mul(c, np.triu(np.ones((k, k)), 1)) + conj(_swap_last(low))
    return strict + strong_mul(real(c), np.eye(k))


def _jvp(t, a):
    m, n = _shape(a)[-2:]
    q, _, rx, y = _parts(a)
    if y is None:
        dq, dr = _square_jvp(t, q, rx)
    else:
        dq, drx = _square_jvp(t[..., :, :m], q, rx)
        dry = strong_matmul(_conj(_swap_last(dq)), y) + strong_matmul(_conj(_swap_last(q)), t[..., :, m:])
        dr = concatenate(drx, dry, axis=_ndim(a) - 1)
    return dq, _upper(dr)


def _upper(r):
    """R's upper triangle (strong: R's structural zeros have derivative 0 even where the rule is NaN)."""
    return strong_mul(r, np.triu(np.ones(_shape(r)[-2:])))


def _ndim(x):
    return len(_shape(x))


def _square_vjp(qbar, rbar, q, r):
    """Ā of A = Q R (R square, invertible) from Q̄ and R̄ (either None: zero): the transpose of
    `_square_jvp` under Re Σ ū·t, (Q̄ + conj(Q) S) R⁻ᵀ with G = R̄ Rᵀ − Qᵀ Q̄ and S = `_dr_rinv`'s adjoint."""
    k = _shape(r)[-1]
    g = 0.0
    if rbar is not None:
        g = strong_matmul(rbar, _swap_last(r))
    if qbar is not None:
        g = g - strong_matmul(_swap_last(q), qbar)
    if is_complex(g):
        strict = strong_mul(g, np.triu(np.ones((k, k)), 1)) + strong_mul(conj(_swap_last(g)), np.tri(k, k=-1))
        sym = strict + strong_mul(real(g), np.eye(k))
    else:
        sym = strong_mul(g, np.triu(np.ones((k, k)))) + strong_mul(_swap_last(g), np.tri(k, k=-1))
    back = strong_matmul(_conj(q), sym)
    left = back if qbar is None else qbar + back
    return strong_matmul(left, _swap_last(inv(r)))


def _vjp(qbar, rbar, a):
    m, n = _shape(a)[-2:]
    rbar = None if rbar is None else _upper(rbar)
    q, _, rx, y = _parts(a)
    if y is None:
        return _square_vjp(qbar, rbar, q, rx)
    rbx = None if rbar is None else rbar[..., :, :m]
    if rbar is not None:
        rby = rbar[..., :, m:]
        qbar_y = _conj(strong_matmul(y, _swap_last(rby)))
        qbar = qbar_y if qbar is None else qbar + qbar_y
    ax = _square_vjp(qbar, rbx, q, rx)
    if rbar is None:
        return concatenate(ax, strong_mul(0.0, y), axis=_ndim(a) - 1)
    return concatenate(ax, strong_matmul(_conj(q), rby), axis=_ndim(a) - 1)


def _positive_impl(a, part):
    """Q or R of the QR whose R has a real positive diagonal (Gram–Schmidt's): LAPACK's, each column of Q
    times the phase d of R's diagonal entry and each row of R times conj(d) (exact: d = ±1, as LAPACK's
    complex R diagonal is real too)."""
    q, r = np.linalg.qr(a)
    d = _phases(np.diagonal(r, axis1=-2, axis2=-1))
    return q * d[..., None, :] if part == "q" else r * np.conj(d)[..., :, None]


def _phases(d):
    """d/|d| (1 where d is 0): of a real d, its signs (±1)."""
    if not np.iscomplexobj(d):
        return np.where(d < 0, -1.0, 1.0)
    mag = np.abs(d)
    return np.where(mag == 0, 1.0, d / np.where(mag == 0, 1.0, mag))


def _signs_impl(a):
    """(..., k): the phases of LAPACK's R diagonal (±1; +1 where it is 0): LAPACK's Q columns are
    Gram–Schmidt's (positive diagonal) times their conjugates, its R rows times these."""
    return _phases(np.diagonal(np.linalg.qr(a)[1], axis1=-2, axis2=-1))


def _sign_fn():
    """SymPy: the sign of R's diagonal entry j, a named function of (j, rows, *entries) with derivative 0
    that the generated code evaluates with LAPACK (on traced entries: the registry entry)."""

    def numeric(j, rows, *entries):
        return qr_signs(_from_entries(rows, entries))[(..., int(j))]

    def on_float(*args):
        return float(numeric(*[float(v) for v in args]))

    return sympy_function("difflab_qr_sign", numeric, lambda args, i: _sp().Integer(0), on_float, on_float)


def _gram_schmidt(m, part):
    """Q or R of the SymPy matrix m by Gram–Schmidt on its first k columns (R's diagonal positive)."""
    sp = _sp()
    rows, cols = m.shape
    k = min(rows, cols)
    q = []
    for j in range(k):
        v = m[:, j] - sum((qi.dot(m[:, j]) * qi for qi in q), sp.zeros(rows, 1))
        q.append(v / sp.sqrt(v.dot(v)))
    if part == "q":
        return _to_object(sp.Matrix.hstack(*q))
    r = [[q[i].dot(m[:, j]) if j >= i else sp.Integer(0) for j in range(cols)] for i in range(k)]
    return _to_object(sp.Matrix(r))


def _sympy(part):
    return _per_matrix(lambda m: _gram_schmidt(m, part), f"qr_{part}", _SYMPY_LIMIT)


def _samples(rng):
    return [
        ((draw("real", (2, 2), rng),), {}),
        ((draw("real", (3, 2), rng),), {}),
        ((draw("real", (2, 3), rng),), {}),
        ((draw("real", (2, 2, 2), rng),), {}),
    ]


qr_q = defop(
    "qr_q",
    lambda a: _positive_impl(a, "q"),
    internal=True,
    jvp=(lambda t, out, a: _jvp(t, a)[0],),
    vjp=(lambda ct, out, a: _vjp(ct, None, a),),
    sympy=_sympy("q"),
    samples=_samples,
    batch=stacked_batch("qr_q"),
    strategy=_decomposition_strategy,  # tanh(x) + diag(2.5, 8): full column rank, pivots away from 0
    analytic=False,
    drops_nan=True,  # LAPACK: a NaN need not reach every output
    complex=True,  # Qᴴ Q = I, R's diagonal real positive; symbolic refuses a complex A by name (real Gram–Schmidt)
    doc="Q of the reduced QR with R's diagonal positive (orthonormal columns); dQ = X − Q(C − Ω), X = dA R⁻¹, C = QᵀX",
)
qr_r = defop(
    "qr_r",
    lambda a: _positive_impl(a, "r"),
    internal=True,
    jvp=(lambda t, out, a: _jvp(t, a)[1],),
    vjp=(lambda ct, out, a: _vjp(None, ct, a),),
    sympy=_sympy("r"),
    samples=_samples,
    batch=stacked_batch("qr_r"),
    strategy=_decomposition_strategy,  # tanh(x) + diag(2.5, 8): full column rank, pivots away from 0
    analytic=False,
    drops_nan=True,  # LAPACK: a NaN need not reach every output
    complex=True,  # Qᴴ Q = I, R's diagonal real positive; symbolic refuses a complex A by name (real Gram–Schmidt)
    numpy=("linalg.qr",),
    front=lambda a, mode="reduced": qr(a, mode),
    doc="R of the reduced QR (upper triangular, positive diagonal); dR = (C − Ω) R, Ω = tril(C,-1) − tril(C,-1)ᵀ",
)

_UNDEFINED = (
    "the derivative of qr's extra columns (mode='complete' on a tall matrix) is not unique: they are any "
    "orthonormal basis of the complement; use mode='reduced' or only Q[..., :n]"
)


def _refuse_complement(a):
    raise NotDifferentiableError(f"the symbolic method cannot differentiate qr_complement: {_UNDEFINED}")


# kept out of REGISTRY (as svd_complement): its rules give NaN only, there is nothing to compare
QR_COMPLEMENT = Op(
    "qr_complement",
    lambda a: np.linalg.qr(a, mode="complete")[0][..., :, np.shape(a)[-1] :],
    (lambda t, out, a: _undefined(t, _shape(out), _UNDEFINED),),
    (lambda ct, out, a: _undefined(ct, _shape(a), _UNDEFINED),),
    sympy=_refuse_complement,
    analytic=False,
    drops_nan=True,
    nargs=1,
    complex=True,  # (no derivative of any matrix)
    doc="LAPACK's extra columns of the complete Q of a tall matrix; no derivative",
)

qr_signs = defop(
    "qr_signs",
    _signs_impl,
    internal=True,
    jvp=(None,),
    vjp=(None,),
    sympy=_per_matrix(
        lambda m: np.array([_sign_fn()(j, m.shape[0], *list(m)) for j in range(min(m.shape))], dtype=object)
    ),
    differentiable=False,
    analytic=False,
    samples=_samples,
    batch=stacked_batch("qr_signs"),
    strategy=_decomposition_strategy,  # tanh(x) + diag(2.5, 8): full column rank, pivots away from 0
    complex=True,  # of a complex matrix, phases: held, as the signs (derivative 0)
    doc="±1 per column: the signs of LAPACK's R diagonal, relative to Gram–Schmidt's (piecewise constant)",
)

QRResult = namedtuple("QRResult", ["Q", "R"])


def qr(a, mode="reduced"):
    """QR decomposition, like `numpy.linalg.qr` (LAPACK's factors: R's diagonal may be negative).

    Shapes: a (..., m, n), k = min(m, n) -> 'reduced': Q (..., m, k), R (..., k, n); 'complete':
    Q (..., m, m), R (..., m, n); 'r': R only. Differentiable where A's first k columns are linearly
    independent; the extra columns of 'complete' on a tall matrix have no derivative (NaN).

    >>> q, r = qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> bool(np.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0]])), bool(np.allclose(np.tril(r, -1), 0.0))
    (True, True)
    """
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(
            f"numpy.linalg.qr: mode {mode!r} is not differentiable here (use 'reduced', 'complete' or 'r')"
        )
    if len(_shape(a)) < 2:
        raise ValueError(f"numpy.linalg.qr needs a matrix (or a stack), got shape {_shape(a)}")
    m, n = _shape(a)[-2:]
    batch, k = _shape(a)[:-2], min(m, n)
    signs = qr_signs(a)  # LAPACK's: piecewise constant (the numeric method holds it at a)
    r = qr_r(a) * _reshape(signs, batch + (k, 1))
    q_signs = _reshape(_conj(signs), batch + (1, k))
    if mode == "complete" and m > n:  # R gains m − n zero rows; Q the complement's columns
        nd = len(_shape(a))
        r = concatenate(r, np.zeros(_shape(a)[:-2] + (m - n, n)), axis=nd - 2)
        q = concatenate(qr_q(a) * q_signs, QR_COMPLEMENT(a), axis=nd - 1)
        return r if mode == "r" else QRResult(q, r)
    if mode == "r":
        return r
    return QRResult(qr_q(a) * q_signs, r)
