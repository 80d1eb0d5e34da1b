"""numpy.linalg.qr as registry entries: `qr_q` and `qr_r` (the reduced factors, A = Q R, one entry per
output, as eigh's and svd's), `QR_COMPLEMENT` (`qr_complement`: the extra columns of mode='complete' on a
tall matrix), and the front end `qr` (`numpy.linalg.qr`: modes 'reduced', 'complete', 'r'). Also `rank_guard`
(internal): (..., 1, 1), 0 per matrix of full rank, NaN below (NumPy's matrix_rank tolerance), decided on values at run
time and added by a caller whose function has no unique value or derivative below full rank (scipy.linalg.polar's U),
so vmap's rows and a prepared graph's points are each judged by their own rank; its `of` (polar, lstsq) and `real_form` (a is a
complex matrix's real form, whose rank is twice its own) word the DomainWarning, which is the caller's, per call.

Rules (A = Q R, Q (m, k) orthonormal columns, R (k, n) upper triangular, k = min(m, n)). For m ≥ n,
with X = dA R⁻¹ and C = Qᵀ X: Qᵀ dQ = Ω is antisymmetric and dR R⁻¹ upper triangular, so Ω's strictly
lower triangle is C's: Ω = tril(C, -1) − tril(C, -1)ᵀ, and dR = (C − Ω) R, dQ = X − Q (C − Ω) (the rule
JAX's qr_jvp_rule and autograd's grad_qr state). The VJP is its transpose: with G = R̄ Rᵀ − Qᵀ Q̄,
Ā = (Q̄ + Q (triu(G) + tril(Gᵀ, -1))) R⁻ᵀ. A wide A = [X Y] (m < n) is Q [R_X  QᵀY] with Q R_X = X: the
square rule for X, and d(QᵀY) = dQᵀ Y + Qᵀ dY.

Complex A (every method; symbolic's opaque kind `cqr` in complex_linalg.py, at every size): Q has
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
values at every point and the derivative of the branch NumPy is on. Where the first k columns are dependent (some
R_jj within round-off of 0: `_nan_where_dependent`) there is no such branch: `qr_signs` (and `qr_complement`) give NaN
there with a DomainWarning naming the equation, decided on values at run time (never in a SymPy expression: symbolic
reads the signs by LAPACK), so a traced qr is NaN there under every method; a plain one is NumPy's. Symbolic: Gram–Schmidt in SymPy up
to 2 rows or columns, the signs a named function with derivative 0 evaluated by LAPACK (as eigh's);
beyond, the complex kind `cqr` (complex_linalg.py) at imaginary parts 0, its real parts (every size).

Complete mode's extra columns Q_mp (m > n, p = m − n). Any orthonormal basis of the complement would do for
the decomposition, but LAPACK's (NumPy's, JAX's) are one: Q = H_1⋯H_n, its Householder reflections'
product, which is I − Y T Yᴴ with Y unit lower trapezoidal, so that Q_mn determines it (Z = Q_pn (Q_nn − I)⁻¹
= Y_2 Y_1⁻¹, and Q_mp = [0; I] − Y T Y_2ᴴ). That is a smooth function of A wherever R⁻¹ exists and no
reflection vanishes (τ ≠ 0: a column with nothing below its diagonal is not reflected, a jump as the signs'),
and its derivative is JAX's qr_jvp_rule's (arXiv:2409.13374, eqs. 32–33): dQ_mp = dQ_mn Zᴴ − (Q_mn + Q_mp Z)
(dQ_pn − Z dQ_nn)ᴴ with dQ_mn LAPACK's (Gram–Schmidt's times the held signs). Its VJP is the transpose, and
symbolic writes the reflections in SymPy (up to 2 columns, the sign of β = R_jj LAPACK's, held); of a complex A, and
of a real one beyond 2 columns (its real parts), the same rule entry by entry (complex_linalg.py's opaque kind `cqrc`). Full svd's
extra columns are another matter (ops/decompositions.py, SVD_COMPLEMENT, NaN): LAPACK's are the columns of
its bidiagonalisation's reflections (U = Q_B diag(U_B, I)), smooth in A too but not determined by the SVD's
own factors as QR's are by Q_mn (U[:, :k] = Q_B[:, :k] U_B mixes Q_B's columns): their derivative would be
the bidiagonalisation's, which no rule of the SVD gives, and JAX refuses it (NotImplementedError).
"""

from __future__ import annotations

import functools
from collections import namedtuple

import numpy as np

from ..graph import Traced
from .core import SYMPY_TRACED, _reshape, _shape, _sp, defop, draw, stacked_batch, sympy_function
from .complexes import conj, is_complex
from .decompositions import _conj, _decomposition_strategy, _from_entries, _to_object
from .elementwise import real, strong_mul
from .linalg import _on_complex_linalg, _per_matrix, _rule_inv, _swap_last, inv, strong_matmul
from .shape import concatenate

__all__ = ["qr_q", "qr_r", "qr_signs", "qr", "QRResult", "QR_COMPLEMENT", "rank_guard"]

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
    x = strong_matmul(t, _r_inv(r))
    upper = _dr_rinv(strong_matmul(_conj(_swap_last(q)), x))
    return x - strong_matmul(q, upper), strong_matmul(upper, r)


def _r_inv(r):
    """R⁻¹ for the rules: NaN, silently, for an exactly singular R of the stack (a dependent column, where LAPACK's
    R_jj is round-off of either sign or, by the CPU's BLAS kernels, exactly 0: np.linalg.inv then raises), as the
    qr_signs equation has already said with its DomainWarning and made Q NaN (`_nan_where_dependent`)."""
    return _rule_inv(r, say=False)


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
    return strong_matmul(left, _swap_last(_r_inv(r)))


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


def _nan_where_dependent(a, diag, out):
    """`out` with NaN for each matrix of the stack whose first k columns are linearly dependent: some |R_jj| within
    round-off (max(m, n)·eps) of its column's norm, a column in the span of those before it. There the positive-
    diagonal factors do not exist (Gram–Schmidt divides by 0, LAPACK's R_jj is round-off of either sign) and the rules'
    R⁻¹ presents that round-off as a derivative (9.7 for d Q[0,1]/dA at [[1, 1], [1, 1]]). As NumPy's invalid
    operations: a FloatingPointError under np.errstate(invalid="raise"), where the interpreters run an op, which
    then say so with a DomainWarning naming the user's qr equation and take the NaN (graph.guarded), every method
    alike; a plain `numpy.linalg.qr` keeps LAPACK's factors (the front end `qr` calls NumPy's)."""
    k = diag.shape[-1]
    norms = np.linalg.norm(np.asarray(a)[..., :, :k], axis=-2)
    dependent = (np.abs(diag) <= max(np.shape(a)[-2:]) * np.finfo(diag.dtype).eps * norms).any(axis=-1)
    if not dependent.any():
        return out
    mode = np.geterr()["invalid"]
    if mode == "raise":
        raise FloatingPointError(
            "qr: the matrix's first min(m, n) columns are linearly dependent (R has a zero on its diagonal), "
            "where Q and R are not unique and have no derivative"
        )
    with np.errstate(invalid="call" if mode == "call" else "ignore"):  # (a trace's watch notes it; no bare warning)
        nan = np.divide(0.0, 0.0)
    return np.where(dependent.reshape(dependent.shape + (1,) * (np.ndim(out) - dependent.ndim)), nan, out)


def _phases(d):
    """d/|d| (1 where d is 0): of a real d, its signs (±1)."""
    if not np.iscomplexobj(d):
        return np.where(d < 0, -1.0, 1.0)
    mag = np.abs(d)
    return np.where(mag == 0, 1.0, d / np.where(mag == 0, 1.0, mag))


def _signs_impl(a):
    """(..., k): the phases of LAPACK's R diagonal (±1; +1 where it is 0): LAPACK's Q columns are
    Gram–Schmidt's (positive diagonal) times their conjugates, its R rows times these."""
    diag = np.diagonal(np.linalg.qr(a)[1], axis1=-2, axis2=-1)
    return _nan_where_dependent(a, diag, _phases(diag))


def _sign_fn():
    """SymPy: the sign of R's diagonal entry j, a named function of (j, rows, *entries) with derivative 0
    that the generated code evaluates with LAPACK (on traced entries: the registry entry)."""

    def numeric(j, rows, *entries):
        return qr_signs(_from_entries(rows, entries))[(..., int(j))]

    def on_float(*args, invalid="ignore"):
        with np.errstate(invalid=invalid):
            return float(numeric(*[float(v) for v in args]))

    # (Python floats' code: a dependent column's NaN as its FloatingPointError, the cue to run the array code, whose
    # tape names the equation, not NumPy's bare RuntimeWarning)
    on_math = functools.partial(on_float, invalid="raise")
    SYMPY_TRACED["difflab_qr_sign"] = numeric  # on traced entries (symbolic as an inner method): the entry records it
    return sympy_function("difflab_qr_sign", numeric, lambda args, i: _sp().Integer(0), on_float, on_math)


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


def _of_real(kind, part, upper=False):
    """Above SymPy's limit, a real matrix's factor (part `part`) by complex_linalg.py's opaque kind `kind`: the
    real part of the complex one's at imaginary parts 0 (its imaginary part is 0; `upper`: R's structural zeros)."""

    def one(m):
        from .complex_linalg import TRANSLATIONS  # noqa: F401 (declares the kinds cqr and cqrc)
        from .opaque import opaque_translation

        out = opaque_translation(kind, part)(m)
        if upper:
            out[np.tril_indices(out.shape[0], -1, out.shape[1])] = _sp().Integer(0)
        return out

    return one


def _sympy(part):
    return _per_matrix(
        lambda m: _gram_schmidt(m, part),
        f"qr_{part}",
        _SYMPY_LIMIT,
        _of_real("cqr", 0 if part == "q" else 2, part == "r"),
    )


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
    sympy_complex=_on_complex_linalg("qr_q"),
    samples=_samples,
    batch=stacked_batch("qr_q"),
    strategy=_decomposition_strategy,  # tanh(x) + diag(2.5, 8): full column rank, pivots away from 0
    analytic=False,
    drops_nan=True,  # LAPACK: a NaN need not reach every output
    complex=True,  # Qᴴ Q = I, R's diagonal real positive (symbolic: complex_linalg.py's opaque kind)
    doc="Q of the reduced QR with R's diagonal positive (orthonormal columns); dQ = X − Q(C − Ω), X = dA R⁻¹, C = QᵀX",
)
qr_r = defop(
    "qr_r",
    lambda a: _positive_impl(a, "r"),
    internal=True,
    jvp=(lambda t, out, a: _jvp(t, a)[1],),
    vjp=(lambda ct, out, a: _vjp(None, ct, a),),
    sympy=_sympy("r"),
    sympy_complex=_on_complex_linalg("qr_r"),
    samples=_samples,
    batch=stacked_batch("qr_r"),
    strategy=_decomposition_strategy,  # tanh(x) + diag(2.5, 8): full column rank, pivots away from 0
    analytic=False,
    drops_nan=True,  # LAPACK: a NaN need not reach every output
    complex=True,  # Qᴴ Q = I, R's diagonal real positive (symbolic: complex_linalg.py's opaque kind)
    numpy=("linalg.qr",),
    front=lambda a, mode="reduced": qr(a, mode),
    doc="R of the reduced QR (upper triangular, positive diagonal); dR = (C − Ω) R, Ω = tril(C,-1) − tril(C,-1)ᵀ",
)


def _complement_parts(a):
    """(D's map, Q_mn, Z) for the extra columns of LAPACK's complete Q: Q_mn is LAPACK's reduced Q (Gram–Schmidt's
    times the conjugated signs), Z = Q_pn (Q_nn − I)⁻¹ (p = m − n: Q_mn's rows past n) and `lapack(dq)` maps a
    derivative of Gram–Schmidt's Q to LAPACK's (the signs are piecewise constant)."""
    n = _shape(a)[-1]
    signs = _reshape(_conj(qr_signs(a)), _shape(a)[:-2] + (1, n))
    q = qr_q(a) * signs
    z = strong_matmul(q[..., n:, :], inv(q[..., :n, :] - np.eye(n)))
    return (lambda dq: dq * signs), q, z


def _complement_jvp(t, out, a):
    """dQ_mp = dQ_mn Zᴴ − (Q_mn + Q_mp Z)(dQ_pn − Z dQ_nn)ᴴ (JAX's qr_jvp_rule, arXiv:2409.13374 eqs. 32–33)."""
    n = _shape(a)[-1]
    lapack, q, z = _complement_parts(a)
    dq = lapack(_jvp(t, a)[0])
    e = dq[..., n:, :] - strong_matmul(z, dq[..., :n, :])
    p = q + strong_matmul(out, z)
    return strong_matmul(dq, _conj(_swap_last(z))) - strong_matmul(p, _conj(_swap_last(e)))


def _complement_vjp(ct, out, a):
    """The transpose of `_complement_jvp` under Re Σ ū·t: D̄ = Ū conj(Z) and Ē = −Ūᴴ conj(P) (P = Q_mn + Q_mp Z),
    Ē reaching D's last p rows as it is and its first n as −Zᵀ Ē; then qr_q's own VJP."""
    lapack, q, z = _complement_parts(a)
    p = q + strong_matmul(out, z)
    e = -strong_matmul(_conj(_swap_last(ct)), _conj(p))
    top = -strong_matmul(_swap_last(z), e)
    dbar = strong_matmul(ct, _conj(z)) + concatenate(top, e, axis=_ndim(a) - 2)
    return _vjp(lapack(dbar), None, a)


def _householder_complement(m):
    """SymPy: LAPACK's extra columns Q[:, n:] of a tall m (dgeqrf's reflections H_j = I − τ v vᵀ, v = (1,
    x₂/(α − β), ...), τ = (β − α)/β, β = R_jj = its sign (LAPACK's, a named function) times ‖x‖; Q = H_1⋯H_n)."""
    sp = _sp()
    rows, cols = m.shape
    work, q = sp.Matrix(m), sp.eye(rows)
    for j in range(cols):
        x = work[j:, j]
        beta = _sign_fn()(j, rows, *list(m)) * sp.sqrt(x.dot(x))
        v = sp.Matrix([1] + [x[i] / (x[0] - beta) for i in range(1, rows - j)])
        h = sp.eye(rows)
        h[j:, j:] = sp.eye(rows - j) - (beta - x[0]) / beta * v * v.T
        work, q = h * work, q * h
    return _to_object(q[:, cols:])


def _complement_samples(rng):
    return [
        ((draw("real", (3, 2), rng),), {}),
        ((draw("real", (4, 1), rng),), {}),
        ((draw("real", (2, 3, 2), rng),), {}),
    ]


def _complement_strategy(b, name, x, picks, c):
    """A tall matrix (size, 1) built from x, at least 2 rows: tanh(x) + 2.5 on the pivot, + 1.5 below it (no
    entry below the diagonal is 0, where LAPACK's reflection jumps, nor the pivot)."""
    size = int(np.prod(b.shape(x)))
    col = b.emit("reshape", b.rank1(x), shape=(size, 1))
    shift = np.full((max(size, 2), 1), 1.5)
    shift[0, 0] = 2.5
    return b.emit(name, b.emit("add", b.emit("tanh", col), shift))


def _complement_impl(a):
    """LAPACK's extra columns; NaN where the first n columns are dependent (its rule's R⁻¹, `_nan_where_dependent`)."""
    q, r = np.linalg.qr(a, mode="complete")
    n = np.shape(a)[-1]
    return _nan_where_dependent(a, np.diagonal(r, axis1=-2, axis2=-1), q[..., :, n:])


# the extra columns of 'complete' on a tall matrix: LAPACK's Householder construction, a smooth function of A
# where R⁻¹ exists and every reflection reflects (τ ≠ 0: Q_nn − I invertible), as JAX differentiates it
QR_COMPLEMENT = defop(
    "qr_complement",
    _complement_impl,
    internal=True,
    jvp=(_complement_jvp,),
    vjp=(_complement_vjp,),
    sympy=_per_matrix(_householder_complement, "qr_complement", _SYMPY_LIMIT, _of_real("cqrc", 0)),
    sympy_complex=_on_complex_linalg("qr_complement"),  # (complex_linalg.py's opaque kind, every size)
    samples=_complement_samples,
    batch=stacked_batch("qr_complement"),
    strategy=_complement_strategy,
    analytic=False,
    drops_nan=True,
    complex=True,
    doc="LAPACK's extra columns of the complete Q of a tall matrix (Householder's); dQ_mp from dQ_mn, JAX's rule",
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
    sympy_complex=_on_complex_linalg("qr_signs"),
    differentiable=False,
    analytic=False,
    samples=_samples,
    batch=stacked_batch("qr_signs"),
    strategy=_decomposition_strategy,  # tanh(x) + diag(2.5, 8): full column rank, pivots away from 0
    complex=True,  # of a complex matrix, phases: held, as the signs (derivative 0)
    doc="±1 per column: the signs of LAPACK's R diagonal, relative to Gram–Schmidt's (piecewise constant)",
)


#: what a matrix of lower rank means to the function guarded (rank_guard's `of`); {rank} is "r < k", k = min(m, n)
_RANK_SAYS = {
    "polar": "scipy.linalg.polar: a has rank {rank}, where U is not unique and has no derivative: NaN",
    "lstsq": "numpy.linalg.lstsq: a has rank {rank} here, and was traced at full rank: NumPy's residuals at this "
    "rank are empty (a shape the traced graph cannot give): NaN",
    # (series roots' pairs: rows [1, Re r, Im r] of two roots, rank 1 where they coincide)
    "roots": "numpy.polynomial roots: a repeated root (about {root:.6g}, twice: the pair's rows have rank {rank}), "
    "where the roots are not differentiable in the coefficients (p'(r) = 0): NaN",
    "np_roots": "numpy.roots: a repeated root (about {root:.6g}, twice: the pair's rows have rank {rank}), "
    "where the roots are not differentiable in the coefficients (p'(r) = 0): NaN",
}


def _rank_guard_impl(a, of="polar", rcond=None, real_form=False):
    """(..., 1, 1): 0 for each matrix of the stack of full rank min(m, n), NaN for one of lower rank by NumPy's
    matrix_rank tolerance (σ_max·max(m, n)·eps; σ_max·rcond with one), a FloatingPointError under
    np.errstate(invalid="raise") naming `of` (`_RANK_SAYS`) as `_nan_where_dependent`'s. `real_form`: a is a complex
    matrix's real form [[Re, -Im], [Im, Re]], whose rank is twice its own (said as the complex matrix's). A matrix
    holding NaN or inf is 0 here (its own values carry them on)."""
    a = np.asarray(a)
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    out = np.zeros(batch + (1, 1))
    if min(m, n) == 0:
        return out
    finite = np.isfinite(a).all(axis=(-2, -1))
    s = np.linalg.svd(np.where(finite[..., None, None], a, 0.0), compute_uv=False)  # (LAPACK refuses NaN)
    tol = max(m, n) * np.finfo(s.dtype).eps if rcond is None else rcond
    ranks = (s > s.max(axis=-1, keepdims=True) * tol).sum(axis=-1)
    low = finite & (ranks < min(m, n))
    if not low.any():
        return out
    mode = np.geterr()["invalid"]
    if mode == "raise":
        r, k = int(ranks[low].flat[0]), min(m, n)
        rank = f"{r // 2} < {k // 2} (its real form's {r} < {k})" if real_form else f"{r} < {k}"
        first = a[low][0]  # ("roots": the first such pair's first root, its row [1, Re r, Im r])
        root = complex(first[0, 1], first[0, 2]) if of in ("roots", "np_roots") else 0j
        raise FloatingPointError(_RANK_SAYS[of].format(rank=rank, root=root))
    with np.errstate(invalid="call" if mode == "call" else "ignore"):  # (a trace's watch notes it)
        nan = np.divide(0.0, 0.0)
    return np.where(low[..., None, None], nan, out)


def _rank_guard_fn(of, real_form=False):
    """SymPy: the guard of a matrix, a named function of (rows, rcond (-1: None), *entries) with derivative 0 that
    the generated code evaluates on values at run time (as `_sign_fn`'s), so the decision never enters an
    expression; one function per (`of`, `real_form`), whose message it keeps."""

    def numeric(rows, rcond, *entries):
        rcond = None if float(rcond) < 0 else float(rcond)
        return rank_guard(_from_entries(rows, entries), of=of, rcond=rcond, real_form=real_form)[..., 0, 0]

    def on_float(*args, invalid="ignore"):
        with np.errstate(invalid=invalid):
            return float(numeric(*[float(v) for v in args]))

    on_math = functools.partial(on_float, invalid="raise")  # (as _sign_fn's: the cue to run the array code)
    name = "difflab_rank_guard" + ("" if of == "polar" else f"_{of}") + ("_real_form" if real_form else "")
    SYMPY_TRACED[name] = numeric  # on traced entries (symbolic as an inner method): the entry records it
    return sympy_function(name, numeric, lambda args, i: _sp().Integer(0), on_float, on_math)


def _rank_guard_sympy(x, of="polar", rcond=None, real_form=False):
    guard = _rank_guard_fn(of, bool(real_form))
    rcond = -1 if rcond is None else rcond
    return _per_matrix(lambda m: np.array([[guard(m.shape[0], rcond, *list(m))]], dtype=object))(x)


# 0 of full rank, NaN below: added to a matrix whose function has no value or derivative at lower rank (polar,
# lstsq's residuals), decided per matrix on values at run time, so vmap's batch and a prepared graph's later
# points are each judged by their own rank (the trace's value is only the first point's)
rank_guard = defop(
    "rank_guard",
    _rank_guard_impl,
    internal=True,
    jvp=(None,),
    vjp=(None,),
    sympy=_rank_guard_sympy,
    differentiable=False,
    analytic=False,
    samples=_samples,
    batch=lambda batched, a, **params: rank_guard(a, **params),  # (a stack: the batch axis is one more)
    strategy=_decomposition_strategy,  # tanh(x) + diag(2.5, 8): full rank
    doc="(..., 1, 1): 0 where the matrix has full rank min(m, n), NaN (a domain error) where lower; `of` names the "
    "function guarded (polar, lstsq, series roots, numpy.roots, np.ma's reductions) in the message, `rcond` NumPy's tolerance σ_max·rcond (None: max(m, n)·eps), "
    "`real_form` says a complex matrix's real form's rank as the matrix's own",
)

QRResult = namedtuple("QRResult", ["Q", "R"])


def qr(a, mode="reduced"):
    """QR decomposition, like `numpy.linalg.qr` (LAPACK's factors: R's diagonal may be negative).

    Shapes: a (..., m, n), k = min(m, n) -> 'reduced': Q (..., m, k), R (..., k, n); 'complete':
    Q (..., m, m), R (..., m, n); 'r': R only. Differentiable where A's first k columns are linearly
    independent (traced elsewhere: NaN with a DomainWarning; a plain A: NumPy's factors); the extra columns of 'complete' on a tall matrix, LAPACK's Householder ones, also where no
    reflection vanishes (JAX's rule: the module's docstring).

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
    if not isinstance(a, Traced):  # NumPy's factors, also where the columns are dependent (the signs' NaN: traced)
        return np.linalg.qr(a, mode)
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
