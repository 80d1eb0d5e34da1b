"""Matrix decompositions as primitives: eigh (eigenvalues, eigenvectors), svd (singular values, U,
Vᵀ) and cholesky, one entry per output, and their NumPy front ends (`numpy.linalg.eigh`, `eigvalsh`,
`svd` (thin, and full: its extra columns by `SVD_COMPLEMENT`, with no derivative), `svdvals`, `cholesky`). Also
`principal_angle` (and its slope): a principal angle of scipy.linalg.subspace_angles, singular values' arcsin/arccos,
whose derivative is NaN, said, where the angle sits at its kinks 0 or π/2.

How it works. NumPy's eigh and cholesky read only the lower triangle of their input, so each entry
is the function of that triangle: its rules first map a tangent dA onto the symmetric matrix NumPy
sees, dS = tril(dA) + tril(dA, -1)ᵀ, and map a symmetric cotangent S̄ back with the adjoint of that
map, tril(S̄) + tril(S̄ᵀ, -1). Finite differences of A's upper triangle therefore give 0, as they do
for NumPy. Rules for stacks of matrices are the same formulas: they are written with matmul and
einsum over '...'.

Eigenvector and singular-vector signs are arbitrary. The entries `eigh_vectors`, `svd_u` and `svd_vt`
fix them so that each vector's largest-magnitude entry is positive, which makes the vectors a smooth
function of A wherever that entry is unique (finite differences can follow them, SymPy can write it).
The NumPy front ends multiply by `eigh_signs`/`svd_signs`, the ±1 per vector that turns those into
LAPACK's own vectors: a piecewise-constant entry (zero derivative; the numeric method holds it at its
value at x while the stencil moves, as it holds every non-differentiable equation), so traced
`np.linalg.eigh(A)[1]` and `svd` give NumPy's values at every point (to the last bit, but for
UPLO='U', whose vectors come from the transposed lower triangle: to rounding), and the derivative rules,
valid for any locally constant sign choice, are unchanged. The vector rules divide by gaps between
eigenvalues (1/(λj − λi)) or squared singular values (1/(σj² − σi²)): at a repeated eigenvalue or
singular value the vectors are not differentiable (any rotation within the eigenspace is as good)
and the rules give inf/NaN. Eigenvalues, singular values and cholesky have no such condition
(singular values need σ > 0 for U and V).

Symbolic: SymPy has closed forms for 1×1 and 2×2 eigh and for svd of matrices with at most 2 rows
or 2 columns; cholesky and pinv (through the inverse of AᵀA or AAᵀ) up to 4×4, as inv and det (linalg.py's
SYMPY_MATRIX_LIMIT: their entries grow factorially with the size). Bigger ones are opaque matrix functions
(opaque.py): each entry a SymPy function of A's entries whose derivative is written with the same functions
(eigh: w, V and the inverse gaps 1/(w_j − w_i); svd: U, s, Vᵀ, 1/(s_j² − s_i²) and 1/s; cholesky: L and L⁻¹;
pinv: A⁺ and A), evaluated by LAPACK once per point, with the sign conventions above and the lower triangle
read as NumPy reads it; pinv's with NumPy's default cutoff only. LAPACK's signs have no closed form: symbolic writes them as named
functions of the matrix entries with derivative 0, which its generated code evaluates with LAPACK
at each point (so symbolic's values agree with NumPy's too).
"""

from __future__ import annotations

import functools
import struct
from collections import namedtuple

import numpy as np

from ..errors import NotDifferentiableError, warn_domain_if_nonfinite
from ..graph import Traced, deriving_from
from .core import REGISTRY, SYMPY_TRACED, Op, _broadcast_to, _count, _reshape, _shape, _sp, defop, draw, sympy_function
from .canonical import product, total
from .opaque import matrix_kind, named_sum, opaque_kinds, opaque_translation
from .shape import concatenate, stack
from .core import elementwise_sympy
from .elementwise import _abs_fn, _sign_fn, abs, equal, logical_or, real, strong_mul, where
from .complexes import cabs, conj, imag_part, is_complex
from .linalg import (
    _einsum_front,
    _on_complex_linalg,
    SYMPY_MATRIX_LIMIT,
    _per_matrix,
    _too_big,
    _swap_last,
    inv,
    matmul,
    matrix_scale,
    nan_where_non_finite,
    strong_einsum_front,
    strong_matmul,
)

# -- helpers shared by the rules ---------------------------------------------------------------


def _size(x) -> int:
    return _shape(x)[-1]


def _lower_sym(t):
    """The symmetric matrix NumPy sees when it reads only the lower triangle of t; of a complex t, the
    Hermitian one (LAPACK's zheevd ignores the imaginary parts of the diagonal)."""
    n = _size(t)  # strong: an infinite tangent in the upper triangle NumPy never reads gives 0, not NaN
    if is_complex(t):
        low = strong_mul(t, np.tri(n, k=-1))
        return low + conj(_swap_last(low)) + strong_mul(real(t), np.eye(n))
    return strong_mul(t, np.tri(n)) + _swap_last(strong_mul(t, np.tri(n, k=-1)))


def _lower_sym_adjoint(s):
    """The adjoint of `_lower_sym` (under Re Σ ū·t, ops/complexes.py): a cotangent of the symmetric
    (Hermitian) matrix, as one of A."""
    n = _size(s)
    if is_complex(s):
        return strong_mul(s + conj(_swap_last(s)), np.tri(n, k=-1)) + strong_mul(real(s), np.eye(n))
    return strong_mul(s, np.tri(n)) + strong_mul(_swap_last(s), np.tri(n, k=-1))


def _conj(x):
    """conj(x) of a complex x; x itself otherwise (no equation on real graphs)."""
    return conj(x) if is_complex(x) else x


def _real(x):
    """Re x of a complex x (a real output's tangent); x itself otherwise."""
    return real(x) if is_complex(x) else x


def _largest_entries(v):
    """(P, v_p): per column of v, the one-hot P of its largest-magnitude entry (the gauge's anchor,
    piecewise constant) and that entry, (..., 1, n)."""
    from .reductions import max, sum

    mag = cabs(v) if is_complex(v) else abs(v)
    axis = (len(_shape(v)) - 2,)
    p = equal(mag, max(mag, axis=axis, keepdims=True)) * 1.0
    return p, sum(p * v, axis=axis, keepdims=True)


def gauge_fixed(w, v, unit):
    """The derivative of the gauge-fixed eigen- or singular vectors (each column's largest-magnitude
    entry real and positive, and of unit norm): w, a derivative of the columns of v in any gauge, with
    each column's multiple of itself chosen so: dv = w − v·(i Im(w_p / v_p) + [unit] Re(v^H w))."""
    from .reductions import sum

    p, top = _largest_entries(v)
    axis = (len(_shape(v)) - 2,)
    kappa = imag_part(sum(p * w, axis=axis, keepdims=True) / top) * 1j
    if unit:
        kappa = kappa + real(sum(conj(v) * w, axis=axis, keepdims=True))
    return w - v * kappa


def gauge_fixed_adjoint(ct, v, unit):
    """The adjoint of `gauge_fixed` in w (ops/complexes.py's pairing): with c = Σ_rows ct·v,
    ct − i P·Im(c)/v_p − [unit] conj(v)·Re(c)."""
    from .reductions import sum

    p, top = _largest_entries(v)
    c = sum(ct * v, axis=(len(_shape(v)) - 2,), keepdims=True)
    out = ct - p * (imag_part(c) / top) * 1j
    return out - conj(v) * real(c) if unit else out


def _row(v):
    """v (..., n) as (..., 1, n): it scales the columns of a matrix."""
    return _reshape(v, _shape(v)[:-1] + (1, _shape(v)[-1]))


def _col(v):
    """v (..., n) as (..., n, 1): it scales the rows of a matrix."""
    return _reshape(v, _shape(v) + (1,))


def _gap_inverse(w):
    """F with F[i, j] = 1 / (w[j] - w[i]) off the diagonal and 0 on it (inf where w repeats)."""
    eye = np.eye(_size(w))
    return (1.0 - eye) / (_row(w) - _col(w) + eye)


def _diag_part(m):
    return _einsum_front("...ii->...i", m)


# -- the sign convention and its symbolic form -----------------------------------------------------


def _fix_signs(v):
    """Signs of v's columns chosen so that each column's largest-magnitude entry is positive; of
    complex columns, the phases conj(v_p)/|v_p| that make it real and positive."""
    if v.shape[-2] == 0:  # (columns of no entries, a 0×0 matrix's: no argmax; was 'attempt to get argmax of an empty')
        return np.ones(v.shape[:-2] + (1, v.shape[-1]))
    idx = np.argmax(np.abs(v), axis=-2)[..., None, :]
    top = np.take_along_axis(v, idx, axis=-2)
    if np.iscomplexobj(v):
        mag = np.abs(top)
        return np.where(mag == 0, 1.0, np.conj(top) / np.where(mag == 0, 1.0, mag))
    s = np.sign(top)
    return np.where(s == 0, 1.0, s)


def _sign_of_largest(vec, mags=None):
    """SymPy: the sign of the largest-magnitude entry of vec (the first one on ties, like argmax).
    mags: entries equal to vec's up to one common sign, free of Piecewise, to compare magnitudes by: SymPy folds a
    Piecewise inside a condition into every branch (a 2×3 svd's V signs took 16 s of folding, 2 s unprofiled)."""
    sp = _sp()
    mags = vec if mags is None else mags
    pieces = []
    for j, (x, a) in enumerate(zip(vec, mags)):
        cond = sp.And(*[a**2 > b**2 for b in mags[:j]], *[a**2 >= b**2 for b in mags[j + 1 :]])
        pieces.append((sp.Piecewise((1, x >= 0), (-1, True)), cond))
    pieces[-1] = (pieces[-1][0], True)
    return sp.Piecewise(*pieces)


def _sym_eigh(m, signed=True):
    """(eigenvalues ascending, eigenvectors as columns) of the symmetric matrix NumPy reads from
    the lower triangle of the 1×1 or 2×2 SymPy matrix m, signs as `_fix_signs` (signed=False: before them)."""
    sp = _sp()
    if m.shape == (1, 1):
        return [m[0, 0]], sp.Matrix([[1]])
    if m.shape != (2, 2):
        _too_big("eigh", m.shape, "2×2")
    a, b, c = m[0, 0], m[1, 0], m[1, 1]
    r = sp.sqrt((a - c) ** 2 / 4 + b**2)
    w = [(a + c) / 2 - r, (a + c) / 2 + r]
    # the eigenvectors by the rotation angle θ (tan 2θ = 2b / (a − c)): unit length by construction, so
    # no sum of tiny squares underflows (b = 1e-256 made the normalised (b, λ − a) of the lower one 0/0)
    theta = sp.atan2(2 * b, a - c) / 2
    cols = []
    for p in ([-sp.sin(theta), sp.cos(theta)], [sp.cos(theta), sp.sin(theta)]):
        s = _sign_of_largest(p) if signed else 1
        cols.append([s * p[0], s * p[1]])
    return w, sp.Matrix([[cols[0][0], cols[1][0]], [cols[0][1], cols[1][1]]])


def _sym_svd(m):
    """(U, s, Vᵀ) of a SymPy matrix with at most 2 rows or columns, through the eigenvectors of
    its smaller Gram matrix (descending), signs as the svd entries fix them."""
    sp = _sp()
    rows, cols = m.shape
    if min(rows, cols) > 2:
        _too_big("svd", m.shape, "2 rows or 2 columns")
    k = min(rows, cols)
    gram = m.T * m if rows >= cols else m * m.T
    w, q = _sym_eigh(gram)
    order = list(reversed(range(k)))
    s = [sp.sqrt(w[i]) for i in order]
    q = q[:, order]
    if rows >= cols:  # q is V; U = A V / s
        v = q
        u = sp.Matrix.hstack(*[m * v[:, j] / s[j] for j in range(k)])
    else:  # q is U; V = Aᵀ U / s, then the signs are V's
        u = q
        v = sp.Matrix.hstack(*[m.T * u[:, j] / s[j] for j in range(k)])
        q0 = _sym_eigh(gram, signed=False)[1][:, order]  # V's columns up to U's signs: their magnitudes
        signs = [_sign_of_largest(list(v[:, j]), list(m.T * q0[:, j] / s[j])) for j in range(k)]
        u = sp.Matrix.hstack(*[u[:, j] * signs[j] for j in range(k)])
        v = sp.Matrix.hstack(*[v[:, j] * signs[j] for j in range(k)])
    return u, s, v.T


def _sym_lower(m):
    """The symmetric SymPy matrix NumPy reads from m's lower triangle."""
    n = m.shape[0]
    return _sp().Matrix(n, n, lambda i, j: m[max(i, j), min(i, j)])


def _tidy(e):
    """SymPy writes sqrt(a**2) as Abs(a), whose second derivative is a DiracDelta: use the registry's
    abs and sign instead (derivatives by the convention table, printable by lambdify)."""
    sp = _sp()
    e = sp.sympify(e)
    return e.replace(sp.Abs, _abs_fn()).replace(sp.sign, _sign_fn())


def _to_object(m):
    return np.array([[_tidy(e) for e in row] for row in m.tolist()], dtype=object)


def _values(v):
    return np.array([_tidy(e) for e in v], dtype=object)


# -- eigh ------------------------------------------------------------------------------------------


def _eigh_impl(a):
    return nan_where_non_finite(a, _finite_eigh)


def _finite_eigh(a):
    w, v = np.linalg.eigh(a)
    return w, v * _fix_signs(v)


def _eigvals_jvp(t, out, a):
    v = eigh_vectors(a)  # dλi = vi^H dA vi (real for a Hermitian dA)
    return _real(strong_einsum_front("...ji,...jk,...ki->...i", _conj(v), _lower_sym(t), v))


def _eigvals_vjp(ct, out, a):
    v = eigh_vectors(a)
    return _lower_sym_adjoint(strong_einsum_front("...ij,...j,...kj->...ik", _conj(v), ct, v))


def _eigvecs_jvp(t, out, a):
    m = strong_matmul(_swap_last(_conj(out)), strong_matmul(_lower_sym(t), out))
    w = strong_matmul(out, strong_mul(_gap_inverse(eigh_values(a)), m))
    return gauge_fixed(w, out, unit=False) if is_complex(out) else w  # (V^H dV has a zero real diagonal)


def _eigvecs_vjp(ct, out, a):
    ct = gauge_fixed_adjoint(ct, out, unit=False) if is_complex(out) else ct
    inner = strong_mul(_gap_inverse(eigh_values(a)), strong_matmul(_swap_last(out), ct))
    return _lower_sym_adjoint(strong_matmul(_conj(out), strong_matmul(inner, _swap_last(out))))


def _symmetric_samples(rng):
    """Random 2×2 matrices (a single one and a stack; the upper triangle is ignored, like NumPy)."""
    return [((draw("real", (2, 2), rng),), {}), ((draw("real", (3, 2, 2), rng),), {})]


def _decomposition_strategy(b, name, x, picks, c):
    """A matrix with at most 2 rows or columns (SymPy's closed forms) built from x. eigh and cholesky
    get x xᵀ + diag(2, 3.5) (positive, distinct eigenvalues); svd gets tanh(x) + diag(2.5, 8)
    (padded), whose singular values stay apart and away from 0 since |tanh| < 1."""
    x = b.rank1(x)
    s = b.shape(x)
    size = int(np.prod(s))
    if name in ("eigh_values", "eigh_vectors", "eigh_signs", "cholesky"):
        n = 2 if size % 2 == 0 and c.take(2) else 1
        k = size // n
        # x xᵀ as a broadcast product summed over k (not matmul/transpose: the shrinker would then find
        # matmul's and transpose's smallest examples inside this builder instead of alone)
        col = b.emit("reshape", x, shape=(n, 1, k))
        row = b.emit("reshape", x, shape=(1, n, k))
        gram = b.emit("sum", b.emit("mul", col, row), axis=(2,), keepdims=False)
        return b.emit(name, b.emit("add", gram, np.diag([2.0, 3.5])[:n, :n]))
    if not (len(s) == 2 and min(s) <= 2):
        x = b.emit("reshape", x, shape=(1, size) if c.take(2) else (size, 1))
    rows, cols = b.shape(x)
    shift = np.zeros((rows, cols))
    shift[0, 0] = 2.5
    if min(rows, cols) > 1:
        shift[1, 1] = 8.0
    return b.emit(name, b.emit("add", b.emit("tanh", x), shift))


def _least_gap(values):
    """Half the least gap between neighbouring values (k, n) sorted along the last axis (inf for n = 1): where two
    eigen- or singular values cross, the ordered values have a kink and their vectors turn."""
    return np.min(np.abs(np.diff(values, axis=-1)), axis=-1, initial=np.inf) / 2.0


def _tied(out, zero=False):
    """The held branch of ordered values (..., n) at x: where a value equals a neighbour (`zero`: or is 0, |σ|'s
    cusp), a kink of it. There the numeric method differences the value's first-order piece instead (Op.piecewise):
    the slope the exact methods take, LAPACK's vectors' vᵢᴴ dS vᵢ (JAX's too), not the mean of the one-sided slopes
    (eigvalsh(I₃)[0]: 0.5 on each diagonal entry, a gradient no method gives, whose trace is 1.5 for 1)."""
    if out.shape[-1] < 2 and not zero:  # nothing to tie (a constant: the op is differenced as it is)
        return (np.zeros(out.shape, bool),)
    pad = np.zeros(out.shape[:-1] + (1,), bool)
    same = equal(out[..., 1:], out[..., :-1])  # (sorted: a repeated value has a neighbour equal to it)
    axis = len(out.shape) - 1
    tied = logical_or(concatenate(same, pad, axis=axis), concatenate(pad, same, axis=axis))
    return logical_or(tied, equal(out, 0.0)) if zero else tied


def _eigh_branch(out, a):
    """eigh_values' held branch: W with λᵢ's first-order piece vᵢᴴ S vᵢ = Re Σ_jk W_ijk a_jk (v held at x; S the
    lower triangle's Hermitian matrix: W_ijk = 2·conj(v_ji)·v_ki below the diagonal, |v_ji|² on it), and `_tied`."""
    n = _size(a)
    v = eigh_vectors(a)
    return strong_einsum_front("...ji,...ki->...ijk", _conj(v), v) * (2.0 * np.tri(n, k=-1) + np.eye(n)), _tied(out)


def _eigh_piece(held, a):
    """eigh_values on the piece `_eigh_branch` holds: vᵢᴴ S vᵢ where λᵢ is tied (one einsum, no lower triangle's)."""
    w, tied = held
    return where(tied, _real(strong_einsum_front("...ijk,...jk->...i", w, a)), eigh_values(a))


def _svd_branch(out, a):
    """svd_s' held branch: W with σᵢ's first-order piece Re(uᵢᴴ A vᵢ) = Re Σ_jk W_ijk a_jk (u, v held at x), and
    `_tied` (a 0 too: |σ|'s cusp)."""
    return strong_einsum_front("...ji,...ik->...ijk", _conj(svd_u(a)), _conj(svd_vt(a))), _tied(out, zero=True)


def _svd_piece(held, a):
    """svd_s on the piece `_svd_branch` holds: Re(uᵢᴴ A vᵢ) where σᵢ is tied or 0."""
    w, tied = held
    return where(tied, _real(strong_einsum_front("...ijk,...jk->...i", w, a)), svd_s(a))


def _eigen_scale(x):
    return _least_gap(np.linalg.eigvalsh(x))


def _singular_scale(x, used=None):
    """The singular values' gaps and the least of them: |σ| has a cusp where σ reaches 0. `used` (svd_s's, a mask
    of the values f reads: Op.scale_used): only those values' own gaps to their neighbours and their own distance
    to 0 (norm(A, 2) at a rank-deficient A reads σ₀ alone, smooth while it is simple and nonzero)."""
    s = np.linalg.svd(x, compute_uv=False)
    if used is None:
        return np.minimum(_least_gap(s[..., ::-1]), s[..., -1])
    gaps = np.abs(np.diff(s, axis=-1)) / 2.0  # (the gap between σ_i and σ_i+1: a kink of both)
    inf = np.full(s.shape[:-1] + (1,), np.inf)
    near = np.minimum(np.minimum(np.concatenate([inf, gaps], -1), np.concatenate([gaps, inf], -1)), s)
    return np.min(np.where(used, near, np.inf), axis=-1)


def _cholesky_scale(x):
    """The least eigenvalue: the distance to the edge of the positive definite cone, cholesky's domain."""
    return np.linalg.eigvalsh(x)[..., 0]


def _pinv_scale(x, rcond=None):
    """The distance to a change of the rank, where A⁺ jumps: the least singular value counted nonzero (to a drop),
    and for one counted zero its distance below the cutoff (to a rise: a rank-deficient A, whose A⁺ a step of any
    size that lifts that value over the cutoff changes by about 1/step)."""
    s = np.linalg.svd(x, compute_uv=False)
    cutoff = (max(x.shape[-2:]) * np.finfo(float).eps if rcond is None else rcond) * s[..., :1]
    tiny = np.finfo(float).tiny  # (A = 0: the cutoff is 0 too, and a step of any size lifts a value over it)
    return np.min(np.where(s > cutoff, s, np.maximum(cutoff - s, tiny)), axis=-1)


# -- above the explicit forms: opaque matrix functions (opaque.py) ------------------------------------
# Entries of the decompositions as SymPy functions of A's entries, their derivatives in a_kl written with
# the same functions (JAX's and the rules above, entry by entry). eigh and cholesky read the lower
# triangle: a_kl with k < l has derivative 0, and a_kl with k > l moves S_kl and S_lk.


def _mp():
    import mpmath  # (high precision only)

    return mpmath


def _lower_pair(s, g):
    """d(xᵀ S y) / da_kl of the symmetric S read from the lower triangle: g(k, l) + g(l, k) below the
    diagonal, g(k, k) on it, 0 above it (`g(p, q)`: x_p y_q)."""
    if s.k < s.l:
        return None
    return g(s.k, s.l) + g(s.l, s.k) if s.k > s.l else g(s.k, s.k)


def _eigh_dw(s, j):
    """dw_j / da_kl = v_jᵀ dS v_j."""
    v = lambda p, q: s.at("eigh", 1, p, q)  # noqa: E731
    d = _lower_pair(s, lambda p, q: v(p, j) * v(q, j))
    return 0 if d is None else d


def _eigh_rules():
    """w, V and F (F_mj = 1/(w_j − w_m), 0 on the diagonal: a part of its own, so that every derivative
    is a polynomial in named values): dV_ij = Σ_{m≠j} V_im (v_mᵀ dS v_j) F_mj; dF_mj = −F_mj² (dw_j − dw_m)."""
    v, f = (lambda s, p, q: s.at("eigh", 1, p, q)), (lambda s, p, q: s.at("eigh", 2, p, q))  # noqa: E731

    def vectors(s):  # written out as a sum of products of four entries (canonical: no SymPy flattening when
        if s.k < s.l:  # the entries are the symbolic method's names, opaque.naming), Σ_m V_im V_pm V_qj F_mj
            return 0
        pairs = [(s.k, s.l), (s.l, s.k)] if s.k > s.l else [(s.k, s.k)]
        return total(
            [
                product(product(product(v(s, s.i, m), v(s, p, m)), v(s, q, s.j)), f(s, m, s.j))
                for m in range(s.rows)
                if m != s.j
                for p, q in pairs
            ]
        )

    def gaps(s):
        if s.i == s.j or s.k < s.l:
            return 0
        return -(f(s, s.i, s.j) ** 2) * (_eigh_dw(s, s.j) - _eigh_dw(s, s.i))

    return {0: lambda s: _eigh_dw(s, s.j), 1: vectors, 2: gaps}


def _eigh_parts(a):
    w, v = _eigh_impl(a)
    with np.errstate(divide="ignore", invalid="ignore"):  # a repeated eigenvalue: inf, as the rules' gaps
        return w[..., None, :], v, _gaps(w)


def _mp_lower_symmetric(a):
    """The symmetric mpmath matrix A's lower triangle spells (NumPy's UPLO='L': the upper one is not read)."""
    n = a.rows
    sym = _mp().matrix(n, n)
    for i in range(n):
        for j in range(n):
            sym[i, j] = a[max(i, j), min(i, j)]
    return sym


def _mp_eigh(a):
    mp = _mp()
    n = a.rows
    sym = _mp_lower_symmetric(a)
    w, q = mp.eigsy(sym)
    order = sorted(range(n), key=lambda k: w[k])
    vec = mp.matrix(n, n)
    for c, k in enumerate(order):
        col = [q[r, k] for r in range(n)]
        top = max(range(n), key=lambda r: (abs(col[r]), -r))  # the first largest, as argmax
        sign = -1 if col[top] < 0 else 1
        for r in range(n):
            vec[r, c] = sign * col[r]
    values = [w[k] for k in order]
    gaps = mp.matrix(n, n)
    for i in range(n):
        for j in range(n):
            gaps[i, j] = 0 if i == j else 1 / (values[j] - values[i])
    return mp.matrix([values]), vec, gaps


def _svd_rules():
    """U, s, Vᵀ, F (F_pj = 1/(s_j² − s_p²), 0 on the diagonal) and 1/s, each derivative a polynomial in them
    (JAX's svd JVP, entry by entry): ds_j = U_aj Vᵀ_jb; dF_pj = −F_pj² (2 s_j ds_j − 2 s_p ds_p); d(1/s_j) = −ds_j/s_j²."""

    def parts(s):
        at = s.at
        return (
            (lambda p, q: at("svd", 0, p, q)),
            (lambda q: at("svd", 1, 0, q)),
            (lambda p, q: at("svd", 2, p, q)),
            (lambda p, q: at("svd", 3, p, q)),
            (lambda q: at("svd", 4, 0, q)),
        )

    def ds(s, j):
        u, _, vt, _, _ = parts(s)
        return u(s.k, j) * vt(j, s.l)

    def left(s):  # dU = U (F ∘ (dP S + S dPᵀ)) + (I − UUᵀ) dA V S⁻¹, dP = Uᵀ dA V
        u, sv, vt, f, sinv = parts(s)
        k, (a, b), (i, j) = min(s.rows, s.cols), (s.k, s.l), (s.i, s.j)
        terms = [
            u(i, p) * (u(a, p) * vt(j, b) * sv(j) + sv(p) * u(a, j) * vt(p, b)) * f(p, j) for p in range(k) if p != j
        ]
        if s.rows > k:
            terms.append((int(i == a) - _sp().Add(*[u(i, p) * u(a, p) for p in range(k)])) * vt(j, b) * sinv(j))
        return _sp().Add(*terms)

    def right(s):  # dV = V (F ∘ (S dP + dPᵀ S)) + (I − VVᵀ) dAᵀ U S⁻¹, as rows of Vᵀ
        u, sv, vt, f, sinv = parts(s)
        k, (a, b), (j, i) = min(s.rows, s.cols), (s.k, s.l), (s.i, s.j)
        terms = [
            vt(p, i) * (sv(p) * u(a, p) * vt(j, b) + sv(j) * u(a, j) * vt(p, b)) * f(p, j) for p in range(k) if p != j
        ]
        if s.cols > k:
            terms.append((int(i == b) - _sp().Add(*[vt(p, i) * vt(p, b) for p in range(k)])) * u(a, j) * sinv(j))
        return _sp().Add(*terms)

    def gaps(s):
        _, sv, _, f, _ = parts(s)
        if s.i == s.j:
            return 0
        return -(f(s.i, s.j) ** 2) * 2 * (sv(s.j) * ds(s, s.j) - sv(s.i) * ds(s, s.i))

    def inverse(s):
        return -(parts(s)[4](s.j) ** 2) * ds(s, s.j)

    return {0: left, 1: lambda s: ds(s, s.j), 2: right, 3: gaps, 4: inverse}


def _svd_opaque_parts(a):
    u, sv, vt = _svd_impl(a)
    with np.errstate(divide="ignore", invalid="ignore"):  # repeated or zero singular values: inf
        return u, sv[..., None, :], vt, _gaps(sv * sv), 1 / sv[..., None, :]


def _gaps(w):
    """F[i, j] = 1 / (w[j] − w[i]) off the diagonal, 0 on it (on arrays: `_gap_inverse`'s values)."""
    eye = np.eye(w.shape[-1])
    return (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)


def _mp_svd(a):
    mp = _mp()
    u, sv, vt = mp.svd_r(a, full_matrices=False)
    k = len(sv)
    order = sorted(range(k), key=lambda c: -sv[c])
    uu, vv = mp.matrix(a.rows, k), mp.matrix(k, a.cols)
    for c, o in enumerate(order):
        row = [vt[o, r] for r in range(a.cols)]
        top = max(range(a.cols), key=lambda r: (abs(row[r]), -r))
        sign = -1 if row[top] < 0 else 1
        for r in range(a.cols):
            vv[c, r] = sign * row[r]
        for r in range(a.rows):
            uu[r, c] = sign * u[r, o]
    values = [sv[o] for o in order]
    gaps = mp.matrix(k, k)
    for i in range(k):
        for j in range(k):
            gaps[i, j] = 0 if i == j else 1 / (values[j] ** 2 - values[i] ** 2)
    return uu, mp.matrix([values]), vv, gaps, mp.matrix([[1 / x for x in values]])


def _cholesky_rules():
    """dL = L Φ(M) and d(L⁻¹) = −Φ(M) L⁻¹, M = L⁻¹ dS L⁻ᵀ: M_pq = L⁻¹_pk L⁻¹_ql + L⁻¹_pl L⁻¹_qk (k > l)."""

    def parts(s):
        low = lambda p, q: 0 if q > p else s.at("cholesky", 0, p, q)  # noqa: E731
        linv = lambda p, q: 0 if q > p else s.at("cholesky", 1, p, q)  # noqa: E731
        phi = lambda p, q: (
            0 if q > p else _lower_pair(s, lambda x, y: linv(p, x) * linv(q, y)) * (1 if p > q else _half())
        )  # noqa: E731
        return low, linv, phi

    def factor(s):
        low, _, phi = parts(s)
        if s.k < s.l or s.j > s.i:
            return 0
        return _sp().Add(*[low(s.i, p) * phi(p, s.j) for p in range(s.j, s.i + 1)])

    def inverse(s):
        _, linv, phi = parts(s)
        if s.k < s.l or s.j > s.i:
            return 0
        return -_sp().Add(*[phi(s.i, p) * linv(p, s.j) for p in range(s.j, s.i + 1)])

    return {0: factor, 1: inverse}


def _half():
    return _sp().Rational(1, 2)


def _cholesky_cotangent(c):
    """Ā from L̄ and Ȳ (Y = L⁻¹; `c`, opaque.Cotangent), the transpose of `_cholesky_rules`' dL = L Φ(M), dY = −Φ(M) Y
    with M = Y dS Yᵀ, in matrix form: P = Lᵀ L̄ − Ȳ Yᵀ (its lower triangle), S̄ = Yᵀ Φ(P) Y (Φ self-adjoint), then
    the lower triangle's map back (`_lower_pair`'s transpose): Ā_kl = S̄_kl + S̄_lk below the diagonal, S̄_kk on it,
    0 above. O(n³) products per matrix, every inner sum named, where the entry rules take n² partials of each of
    L's and Y's entries (a 6×6 GP likelihood's symbolic Hessian: tests/test_symbolic_linalg_reverse.py)."""
    n, zero = c.rows, _sp().S.Zero
    low = lambda p, q: zero if q > p else c.at("cholesky", 0, p, q)  # noqa: E731
    linv = lambda p, q: zero if q > p else c.at("cholesky", 1, p, q)  # noqa: E731
    minus = _sp().S.NegativeOne

    def lower_p(p, q):  # Φ(P)_pq, p ≥ q: Σ_i L_ip L̄_iq − Σ_j Ȳ_pj Y_qj (halved on the diagonal)
        terms = [product(low(i, p), c.bar(0, i, q)) for i in range(p, n) if c.bar(0, i, q) != 0]
        terms += [product(minus, product(c.bar(1, p, j), linv(q, j))) for j in range(q + 1) if c.bar(1, p, j) != 0]
        value = named_sum(total(terms))
        return value if p > q or value == 0 else product(_half(), value)

    phi = [[lower_p(p, q) if q <= p else zero for q in range(n)] for p in range(n)]
    w = [  # W = Φ(P) Y, lower triangular: W_pl = Σ_{l ≤ q ≤ p} Φ_pq Y_ql
        [
            named_sum(total([product(phi[p][q], linv(q, l)) for q in range(l, p + 1) if phi[p][q] != 0]))
            for l in range(n)
        ]
        for p in range(n)
    ]

    def s_bar(k, l):  # (Yᵀ W)_kl = Σ_{p ≥ max(k, l)} Y_pk W_pl
        return total([product(linv(p, k), w[p][l]) for p in range(max(k, l), n) if w[p][l] != 0])

    out = []
    for k in range(n):
        for l in range(n):
            wanted = c.wanted[k * n + l] and k >= l
            out.append(0 if not wanted else s_bar(k, k) if k == l else total([s_bar(k, l), s_bar(l, k)]))
    return out


def _cholesky_tangent(t, part, i, j):
    """Entry (i, j) of dL = L Φ(M) (part 0) or dY = −Φ(M) Y (part 1, Y = L⁻¹) along dA (`t`, opaque.Tangent), M =
    Y dS Yᵀ with dS the symmetric matrix read from dA's lower triangle, in matrix form: Φ(M) once per matrix and
    direction (`t.memo`, W = Y dS then Φ_pq = Σ_y W_py Y_qy, each a named sum), O(n³) products for all entries of
    both parts, where the entry rules take n(n+1)/2 partials of each (a symbolic JVP through a 5×5 cholesky: 375)."""
    n, zero = t.rows, _sp().S.Zero
    low = lambda p, q: zero if q > p else t.at("cholesky", 0, p, q)  # noqa: E731
    linv = lambda p, q: zero if q > p else t.at("cholesky", 1, p, q)  # noqa: E731
    if "phi" not in t.memo:
        ds = lambda p, q: t.d[max(p, q) * n + min(p, q)]  # noqa: E731
        w = [  # W = Y dS: W_py = Σ_{x ≤ p} Y_px dS_xy
            [named_sum(total([product(linv(p, x), ds(x, y)) for x in range(p + 1) if ds(x, y) != 0])) for y in range(n)]
            for p in range(n)
        ]

        def phi(p, q):  # Φ(M)_pq, q ≤ p: Σ_{y ≤ q} W_py Y_qy, halved on the diagonal
            value = named_sum(total([product(w[p][y], linv(q, y)) for y in range(q + 1) if w[p][y] != 0]))
            return value if p > q or value == 0 else product(_half(), value)

        t.memo["phi"] = [[phi(p, q) if q <= p else zero for q in range(n)] for p in range(n)]
    phi = t.memo["phi"]
    if j > i:
        return 0
    if part == 0:
        return total([product(low(i, p), phi[p][j]) for p in range(j, i + 1) if phi[p][j] != 0])
    minus = _sp().S.NegativeOne
    return total([product(minus, product(phi[i][p], linv(p, j))) for p in range(j, i + 1) if phi[i][p] != 0])


def _cholesky_parts(a):
    low = np.linalg.cholesky(a)
    return low, np.linalg.inv(low)


def _mp_cholesky(a):
    mp = _mp()
    low = mp.cholesky(_mp_lower_symmetric(a))
    return low, mp.inverse(low)


def _pinv_rule(kind):
    """d(A⁺)_ij / da_ab from Golub & Pereyra's rule: −P_ia P_bj + (PPᵀ)_ib (I − AP)_aj + (I − PA)_ib (PᵀP)_aj
    (P: the part of `kind`, NumPy's default cutoff or a given rcond's: the rule holds at constant rank). The four
    products' entries are one per matrix and entry, not per direction (`_pinv_products`): written in every rule
    they made the n⁴ partials O(n) terms each."""

    def rule(s):
        p = lambda x, y: s.at(kind, 0, x, y)  # noqa: E731
        ppt, q, ptp, r_ = _pinv_products(s, kind)
        a, b, i, j = s.k, s.l, s.i, s.j
        terms = [product(-p(i, a), p(b, j)), product(ppt(i, b), q(a, j)), product(r_(i, b), ptp(a, j))]
        if kind != "pinv":  # a given rcond: the cut pairs' term, part 1 (`_cut_parts`)
            terms.append(s.at(kind, 1, i * s.rows + j, a * s.cols + b))
        return total(terms)

    return rule


def _cut_parts(a, rcond):
    """The parts of pinv's opaque kind with a given rcond besides A⁺ (numbers or traced, (..., m, n) A): C, shaped
    (..., n·m, m·n), C[(i, j), (k, l)] = dΔ_ij/da_kl (`_cut_pairs`' term, 0 where no pair is cut), and Z, (..., 1,
    1): C's own derivative where it is 0 near A (no pair cut: 0), else NaN (not written: the symbolic method's
    second derivative of such a pinv is NaN there, said by the kind's `nan_says`; forward and reverse's rules
    differentiate Δ)."""
    u, vt, m, n, some = _cut_pairs(a, rcond)
    v = _swap_last(vt)
    c = _einsum_front("...ip,...jq,...pq,...kp,...lq->...ijkl", v, u, m, u, v)
    c = c + _einsum_front("...ip,...jq,...pq,...kq,...lp->...ijkl", v, u, n, u, v)
    rows, cols = _shape(a)[-2:]
    c = _reshape(c, _shape(c)[:-4] + (cols * rows, rows * cols))
    where = REGISTRY["where"]
    return where(some, c, 0.0), where(some, np.nan, 0.0)


def _pinv_cotangent(c, kind):
    """Ā from P̄ (P = A⁺, n×m of an m×n A; `c`, opaque.Cotangent), the transpose of `_pinv_rule`'s dP = −P dA P +
    PPᵀ dAᵀ (I − AP) + (I − PA) dAᵀ PᵀP in matrix form: with G = P̄ Pᵀ and U = P̄ᵀ (PPᵀ), Ā = Pᵀ (Gᵀ − G − GᵀP A) +
    U − A (P U), each product's entries named sums and every one of them n×n, n×m or m×n: O(mn²) products per
    matrix, where the entry rules take mn partials of each of P's mn entries (varpro_lstsq's 12×2 design: 576)."""
    m = c.rows
    n = len(c.entries) // m
    at = lambda x, y: c.at(kind, 0, x, y)  # noqa: E731
    a = lambda x, y: c.entries[x * n + y]  # noqa: E731
    g = _named_products(n, m, n, lambda i, j: c.bar(0, i, j), lambda j, k: at(k, j))  # P̄ Pᵀ
    ppt = _named_products(n, m, n, at, lambda j, k: at(k, j))
    u = _named_products(m, n, n, lambda x, i: c.bar(0, i, x), lambda i, b: ppt[i][b])  # P̄ᵀ PPᵀ
    pu = _named_products(n, m, n, at, lambda x, b: u[x][b])
    gtp = _named_products(n, n, m, lambda k, i: g[i][k], at)
    minus = _sp().S.NegativeOne
    gtpa = _named_products(n, m, n, lambda k, j: gtp[k][j], a)
    z = [[named_sum(total([g[b][k], product(minus, g[k][b]), product(minus, gtpa[k][b])])) for b in range(n)]
         for k in range(n)]  # fmt: skip
    out = []
    for x in range(m):
        for b in range(n):
            if not c.wanted[x * n + b]:
                out.append(0)
                continue
            terms = [product(at(k, x), z[k][b]) for k in range(n) if z[k][b] != 0]
            terms += [u[x][b]] + [product(minus, product(a(x, k), pu[k][b])) for k in range(n) if pu[k][b] != 0]
            if kind != "pinv":  # the cut pairs' term (C), and C's own adjoint: Z times its bars (`_cut_parts`)
                terms += [product(c.bar(0, i, j), c.at(kind, 1, i * m + j, x * n + b)) for i in range(n)
                          for j in range(m) if c.bar(0, i, j) != 0]  # fmt: skip
                if c.has(1):
                    bars = [v for (part, _, _), v in c.bars.items() if part == 1 and v != 0]
                    terms += [product(c.at(kind, 2, 0, 0), total(bars))] if bars else []
            out.append(total(terms))
    return out


def _pinv_tangent(t, part, i, j, kind):
    """Entry (i, j) of `_pinv_rule`'s dP = −P dA P + PPᵀ dAᵀ (I − AP) + (I − PA) dAᵀ PᵀP (P = A⁺, n×m of an m×n A)
    along dA (`t`, opaque.Tangent) in matrix form: P dA, dAᵀ (I − AP) and dAᵀ PᵀP once per matrix and direction
    (`t.memo`, each entry a named sum), PPᵀ, I − AP, PᵀP and I − PA once per matrix (`_pinv_products`): O(mn²)
    products for all mn entries, where the entry rules take mn partials of each (a 5×2 lstsq's JVP: 100)."""
    m = t.rows
    n = len(t.entries) // m
    at = lambda x, y: t.at(kind, 0, x, y)  # noqa: E731
    if "pda" not in t.memo:
        ppt, i_ap, ptp, i_pa = _pinv_products(t, kind)
        da = lambda x, y: t.d[x * n + y]  # noqa: E731
        t.memo["pda"] = _named_products(n, m, n, at, da)  # P dA
        t.memo["dt_iap"] = _named_products(n, m, m, lambda x, r: da(r, x), i_ap)  # dAᵀ (I − AP)
        t.memo["dt_ptp"] = _named_products(n, m, m, lambda x, r: da(r, x), ptp)  # dAᵀ PᵀP
        t.memo["mats"] = ppt, i_pa
    if part:  # (the parts of a given rcond's kind, `_cut_parts`: C's tangent is Z's multiple, Z's is 0)
        nonzero = [d for d in t.d if d != 0]
        return product(t.at(kind, 2, 0, 0), total(nonzero)) if part == 1 and nonzero else 0
    pda, z1, z2, (ppt, i_pa) = t.memo["pda"], t.memo["dt_iap"], t.memo["dt_ptp"], t.memo["mats"]
    minus = _sp().S.NegativeOne
    terms = [product(minus, product(pda[i][y], at(y, j))) for y in range(n) if pda[i][y] != 0]
    terms += [product(ppt(i, b), z1[b][j]) for b in range(n) if z1[b][j] != 0]
    terms += [product(i_pa(i, b), z2[b][j]) for b in range(n) if z2[b][j] != 0]
    if kind != "pinv":
        terms += [product(t.at(kind, 1, i * m + j, k), d) for k, d in enumerate(t.d[: m * n]) if d != 0]
    return total(terms)


def _named_products(rows, inner, cols, left, right):
    """The rows×cols matrix product Σ_r left(x, r)·right(r, y), each entry a named sum (opaque.named_sum), the
    structurally zero factors skipped."""
    out = []
    for x in range(rows):
        row = []
        for y in range(cols):
            pairs = [(left(x, r), right(r, y)) for r in range(inner)]
            row.append(named_sum(total([product(u, v) for u, v in pairs if u != 0 and v != 0])))
        out.append(row)
    return out


#: (namer, kind, product, row, column, rows, matrix entries) -> that entry of PPᵀ, I − AP, PᵀP or I − PA
_PINV_PRODUCTS: dict = {}


def _pinv_products(s, kind):
    """PPᵀ, I − AP, PᵀP and I − PA entry by entry, each computed once per matrix (and each sum named within the
    symbolic method, opaque.named_sum); keyed on the active namer (a name belongs to one program)."""
    from .opaque import active_namer, named_sum

    p = lambda x, y: s.at(kind, 0, x, y)  # noqa: E731
    m, n, add = s.rows, s.cols, _sp().Add
    sums = {
        "ppt": lambda x, y: add(*[product(p(x, r), p(y, r)) for r in range(m)]),
        "i_ap": lambda x, y: int(x == y) - add(*[product(s.a(x, r), p(r, y)) for r in range(n)]),
        "ptp": lambda x, y: add(*[product(p(r, x), p(r, y)) for r in range(n)]),
        "i_pa": lambda x, y: int(x == y) - add(*[product(p(x, r), s.a(r, y)) for r in range(m)]),
    }

    def entry(name):
        def at(x, y):
            key = (active_namer(), kind, name, x, y, s.rows, s.entries)
            if key not in _PINV_PRODUCTS:
                if len(_PINV_PRODUCTS) > 20000:
                    _PINV_PRODUCTS.clear()
                _PINV_PRODUCTS[key] = named_sum(sums[name](x, y))
            return _PINV_PRODUCTS[key]

        return at

    return tuple(entry(name) for name in ("ppt", "i_ap", "ptp", "i_pa"))


def _mp_pinv(a):
    return ((a.T * a) ** -1 * a.T if a.rows >= a.cols else a.T * (a * a.T) ** -1,)


def _mp_pinv_cut(rcond):
    """The pseudo-inverse in high precision with NumPy's rcond: singular values below rcond·σ_max dropped."""

    def pinv_mp(a):
        mp = _mp()
        u, sv, v = mp.svd_r(a)
        keep = [1 / x if x > rcond * sv[0] else mp.mpf(0) for x in sv]
        # C and Z (`_cut_parts`) in float64: C is 0 unless the cutoff drops a nonzero singular value
        c, z = _cut_parts(np.array(a.tolist(), dtype=float), rcond)
        return v.T * mp.diag(keep) * u.T, mp.matrix(c.tolist()), mp.matrix(z.tolist())

    return pinv_mp


def _pinv_kind(rcond) -> str:
    """The opaque kind of pinv with `rcond` (None: NumPy's default cutoff), declared at first use."""
    if rcond is None:
        return "pinv"
    kind = "pinv_" + struct.pack(">d", float(rcond)).hex()  # (a name SymPy and generated code can spell)
    if kind not in opaque_kinds():
        matrix_kind(
            kind,
            lambda a: (_pinv_impl(a, rcond),) + _cut_parts(a, rcond),
            _mp_pinv_cut(rcond),
            lambda a: (pinv(a, rcond=rcond),) + _cut_parts(a, rcond),
            {0: _pinv_rule(kind), 1: lambda s: s.at(kind, 2, 0, 0), 2: lambda s: 0},
            lambda rows, cols: [(cols, rows), (cols * rows, rows * cols), (1, 1)],
            tangent=functools.partial(_pinv_tangent, kind=kind),
            cotangent=functools.partial(_pinv_cotangent, kind=kind),
            nan_says={
                2: f"pinv with rcond={rcond} drops a nonzero singular value here: the symbolic method's second "
                "derivative through the dropped pairs has no closed form and holds NaN; use method='forward' or "
                "'reverse', whose rules differentiate that term"
            },
        )
    return kind


matrix_kind(
    "eigh",
    _eigh_parts,
    _mp_eigh,
    lambda a: (lambda w: (_row(w), eigh_vectors(a), _gap_inverse(w)))(eigh_values(a)),
    _eigh_rules(),
    lambda rows, cols: [(1, rows), (rows, rows), (rows, rows)],
)
matrix_kind(
    "svd",
    _svd_opaque_parts,
    _mp_svd,
    lambda a: (lambda sv: (svd_u(a), _row(sv), svd_vt(a), _gap_inverse(sv * sv), _row(1.0 / sv)))(svd_s(a)),
    _svd_rules(),
    lambda rows, cols: (
        [(rows, min(rows, cols)), (1, min(rows, cols)), (min(rows, cols), cols)]
        + [(min(rows, cols), min(rows, cols)), (1, min(rows, cols))]
    ),
)
matrix_kind(
    "cholesky",
    _cholesky_parts,
    _mp_cholesky,
    lambda a: (lambda low: (low, inv(low)))(cholesky(a)),
    _cholesky_rules(),
    lambda rows, cols: [(rows, rows), (rows, rows)],
    tangent=_cholesky_tangent,
    cotangent=_cholesky_cotangent,
)
matrix_kind(
    "pinv",
    lambda a: (_pinv_impl(a),),
    _mp_pinv,
    lambda a: (pinv(a, rcond=None),),
    {0: _pinv_rule("pinv")},
    lambda rows, cols: [(cols, rows)],
    tangent=functools.partial(_pinv_tangent, kind="pinv"),
    cotangent=functools.partial(_pinv_cotangent, kind="pinv"),
)


def _on_complex(name):
    """The entry's SymPy translation on a complex matrix (complex_matrices.py, at every size)."""

    def translate(*args, **params):
        from .complex_matrices import TRANSLATIONS

        return TRANSLATIONS[name](*args, **params)

    return translate


def _beyond(limit, kind, part, **how):
    """The explicit translation `fn` up to `limit` rows or columns, the opaque one above it."""
    return lambda fn: _per_matrix(fn, kind, limit, opaque_translation(kind, part, **how))


eigh_values = defop(
    "eigh_values",
    lambda a: _eigh_impl(a)[0],
    internal=True,
    jvp=(_eigvals_jvp,),
    vjp=(_eigvals_vjp,),
    sympy=_beyond(2, "eigh", 0, vector=True)(lambda m: _values(_sym_eigh(_sym_lower(m))[0])),
    sympy_complex=_on_complex("eigh_values"),
    samples=_symmetric_samples,
    strategy=_decomposition_strategy,
    numpy=("linalg.eigvalsh",),
    front=lambda a, UPLO="L": eigvalsh(a, UPLO),
    drops_nan=True,  # iterative (LAPACK): a NaN need not reach every output
    complex=True,  # Hermitian: the matrix of the lower triangle, its diagonal's real part (LAPACK's)
    doc="eigenvalues (ascending) of the symmetric (Hermitian) matrix in the lower triangle; dλi = vi^H dA vi",
    scale=(matrix_scale(_eigen_scale),),
    piecewise=(_eigh_branch, _eigh_piece),
    unsmooth=lambda out, a: _tied(out),
    analytic=False,  # (not complex-analytic) Hermitian: LAPACK reads S + ihE as Hermitian (the diagonal's Im dropped): complex step gave 0 for 1
)
eigh_vectors = defop(
    "eigh_vectors",
    lambda a: _eigh_impl(a)[1],
    internal=True,
    jvp=(_eigvecs_jvp,),
    vjp=(_eigvecs_vjp,),
    sympy=_beyond(2, "eigh", 1)(lambda m: _to_object(_sym_eigh(_sym_lower(m))[1])),
    sympy_complex=_on_complex("eigh_vectors"),
    samples=_symmetric_samples,
    strategy=_decomposition_strategy,
    drops_nan=True,  # iterative (LAPACK): a NaN need not reach every output
    complex=True,  # Hermitian: each column's largest entry real and positive (the gauge), LAPACK's phase held
    doc="eigenvectors (columns) of the symmetric (Hermitian) matrix in the lower triangle; needs distinct eigenvalues",
    scale=(matrix_scale(_eigen_scale),),
    analytic=False,  # (not complex-analytic) Hermitian (eigh_values'): complex step gave wrong vectors' slopes, silently
)


# -- LAPACK's signs: ±1 per vector, piecewise constant ----------------------------------------------


def _eigh_signs_impl(a, UPLO="L"):
    """(..., 1, n): LAPACK's eigenvectors (of the triangle UPLO names) are eigh_vectors' times these
    (±1; of a complex matrix, phases)."""
    return nan_where_non_finite(a, lambda a: np.conj(_fix_signs(np.linalg.eigh(a, UPLO=UPLO)[1])))


def _svd_signs_impl(a, full=False):
    """(..., 1, k): LAPACK's U columns and Vᵀ rows are svd_u's and svd_vt's times these (`full`: the
    first k of those of the full SVD, which LAPACK computes by another path); of a complex matrix,
    phases c: LAPACK's U is svd_u's times c, its Vh svd_vt's times conj(c)."""
    k = min(np.shape(a)[-2:])
    return nan_where_non_finite(
        a, lambda a: _fix_signs(np.swapaxes(np.linalg.svd(a, full_matrices=full)[2][..., :k, :], -1, -2))
    )


def _from_entries(rows, entries):
    """The matrix (a stack, for array entries) of `rows` rows whose entries, row-major, are `entries`."""
    shape = np.broadcast_shapes(*[_shape(e) for e in entries])
    parts = [e if _shape(e) == shape else _broadcast_to(e, shape) for e in entries]
    rows = int(rows)
    return _reshape(stack(*parts, axis=len(shape)), shape + (rows, len(entries) // rows))


#: kind -> the registry entry giving LAPACK's signs (phases) of a decomposition's vectors
SIGN_IMPLS = {
    "eigh_L": lambda a: eigh_signs(a, UPLO="L"),
    "eigh_U": lambda a: eigh_signs(a, UPLO="U"),
    "svd": lambda a: svd_signs(a),
    "svd_full": lambda a: svd_signs(a, full=True),
}


def _lapack_sign_fn(kind):
    """SymPy: the sign of vector j as LAPACK returns it, a named function of (j, rows, *entries) with
    derivative 0 that the generated code evaluates with LAPACK (on traced entries: the registry entry)."""
    impl = SIGN_IMPLS[kind]

    def numeric(j, rows, *entries):
        return impl(_from_entries(rows, entries))[(..., 0, int(j))]

    def on_float(*args):  # Python floats (math back end) or mpmath numbers (evalf)
        return float(numeric(*[float(a) for a in args]))

    SYMPY_TRACED[f"difflab_{kind}_sign"] = numeric  # on traced entries: the registry entry records them
    return sympy_function(f"difflab_{kind}_sign", numeric, lambda args, i: _sp().Integer(0), on_float, on_float)


def _signs_sympy(kind):
    def translate(x, UPLO=None, full=False):
        # eigh's default triangle: L
        fn = _lapack_sign_fn(("svd_full" if full else "svd") if kind == "svd" else f"{kind}_{UPLO or 'L'}")

        def one(m):
            return np.array([[fn(j, m.shape[0], *list(m)) for j in range(min(m.shape))]], dtype=object)

        return _per_matrix(one)(x)

    return translate


eigh_signs = defop(
    "eigh_signs",
    _eigh_signs_impl,
    internal=True,
    jvp=(None,),
    vjp=(None,),
    sympy=_signs_sympy("eigh"),
    sympy_complex=_on_complex("eigh_signs"),
    differentiable=False,
    analytic=False,
    samples=lambda rng: [(args, {"UPLO": uplo}) for args, _ in _symmetric_samples(rng) for uplo in "LU"],
    strategy=_decomposition_strategy,
    complex=True,  # of a complex matrix, phases: held, as the signs (derivative 0)
    doc="±1 per eigenvector: LAPACK's signs (of the UPLO triangle) relative to eigh_vectors' (piecewise constant)",
)

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])


def _uplo(a, UPLO):
    if UPLO not in ("L", "U"):
        raise ValueError(f"UPLO must be 'L' or 'U', not {UPLO!r}")
    return a if UPLO == "L" else _upper_as_lower(a)


def _upper_as_lower(a):
    """Aᴴ (Aᵀ of a real A): its lower triangle is A's upper one, so the Hermitian matrix NumPy reads
    from it is the one UPLO='U' (and cholesky's upper=True) reads from A's (Aᵀ's would be its conjugate:
    the same eigenvalues, conjugated eigenvectors)."""
    return _conj(_swap_last(a))


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix (or a stack), like
    `numpy.linalg.eigh`, with LAPACK's eigenvector signs (NumPy's values at every point).

    Shapes: a (..., n, n) -> eigenvalues (..., n), eigenvectors (..., n, n). The eigenvector
    derivative needs distinct eigenvalues (it divides by λj − λi).

    >>> w, v = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w.round(12).tolist(), bool(np.all(v == np.linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))[1]))
    ([1.0, 3.0], True)
    """
    original, a = a, _uplo(a, UPLO)
    return EighResult(eigh_values(a), eigh_vectors(a) * eigh_signs(original, UPLO=UPLO))


def eigvalsh(a, UPLO="L"):
    """Eigenvalues (ascending) of a symmetric matrix, like `numpy.linalg.eigvalsh`.

    >>> eigvalsh(np.diag([3.0, 1.0])).tolist()
    [1.0, 3.0]
    """
    return eigh_values(_uplo(a, UPLO))


# -- svd (the thin one: full_matrices=False) --------------------------------------------------------


def _svd_impl(a):
    return nan_where_non_finite(a, _finite_svd)


def _finite_svd(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    signs = _fix_signs(np.swapaxes(vt, -1, -2))  # (..., 1, k): the sign (phase) of each row of vt
    return u * np.conj(signs), s, vt * np.swapaxes(signs, -1, -2)


def _svd_parts(a):
    return svd_u(a), svd_s(a), svd_vt(a)


def _p(t, u, vt):
    """Uᵀ dA V (U^H dA V), the tangent in the singular bases."""
    return strong_matmul(_swap_last(_conj(u)), strong_matmul(t, _swap_last(_conj(vt))))


def _svd_s_jvp(t, out, a):
    u, vt = svd_u(a), svd_vt(a)  # dσi = Re(ui^H dA vi), vi = conj(row i of Vh)
    return _real(strong_einsum_front("...ji,...jk,...ik->...i", _conj(u), t, _conj(vt)))


def _svd_s_vjp(ct, out, a):
    return _conj(strong_einsum_front("...ij,...j,...jk->...ik", svd_u(a), ct, svd_vt(a)))


def _svd_u_jvp(t, out, a):
    u, s, vt = _svd_parts(a)
    p = _p(t, u, vt)
    f = _gap_inverse(s * s)
    return strong_matmul(u, strong_mul(f, p * _row(s) + _col(s) * _swap_last(p))) + (
        strong_matmul(t, _swap_last(vt)) - strong_matmul(u, p)
    ) / _row(s)


def _svd_u_vjp(ct, out, a):
    u, s, vt = _svd_parts(a)
    j = strong_mul(_gap_inverse(s * s), strong_matmul(_swap_last(u), ct))
    rest = strong_mul(ct - strong_matmul(u, strong_matmul(_swap_last(u), ct)), 1.0 / _row(s))  # (I - U Uᵀ) Ū S⁻¹
    return strong_matmul(strong_matmul(u, strong_mul(j + _swap_last(j), _row(s))) + rest, vt)


def _svd_vt_jvp(t, out, a):
    u, s, vt = _svd_parts(a)
    v = _swap_last(vt)
    p = _p(t, u, vt)
    f = _gap_inverse(s * s)
    dv = strong_matmul(v, strong_mul(f, _col(s) * p + _swap_last(p) * _row(s))) + (
        strong_matmul(_swap_last(t), u) - strong_matmul(v, _swap_last(p))
    ) / _row(s)
    return _swap_last(dv)


def _svd_vt_vjp(ct, out, a):
    u, s, vt = _svd_parts(a)
    v = _swap_last(vt)
    k = strong_mul(_gap_inverse(s * s), strong_matmul(vt, _swap_last(ct)))  # F ∘ (Vᵀ V̄), V̄ = ctᵀ
    first = strong_matmul(u, strong_matmul(strong_mul(_col(s), k + _swap_last(k)), vt))  # (strong: a NaN matrix's
    # zero cotangent, in a stack whose other matrices are used, gives it 0)
    return first + strong_matmul(u / _row(s), ct - strong_matmul(strong_matmul(ct, v), vt))  # U S⁻¹ V̄ᵀ (I - V Vᵀ)


# -- svd's vectors of a complex matrix ---------------------------------------------------------------
# A = U S V^H, dP = U^H dA V. JAX's derivative (its svd JVP) keeps V^H dV's diagonal zero and puts
# i·Im(dP_ii)/s_i on U^H dU's; difflab's vectors are gauge-fixed (each row of Vh has its largest entry
# real and positive, U's column turned with it), so both get −i·θ_j more, θ_j = Im(dV0[p, j] / V[p, j]).
# The VJPs are these maps' adjoints under Re Σ ū·t (ops/complexes.py), built step by step.


def _dv0(t, u, s, vt, p):
    """dV in the gauge V^H dV diagonal-free: V (F∘(S dP + dP^H S)) + (dA^H U − V dP^H) S⁻¹."""
    v, ph = conj(_swap_last(vt)), conj(_swap_last(p))
    inner = strong_mul(_gap_inverse(s * s), _col(s) * p + ph * _row(s))
    return strong_matmul(v, inner) + (strong_matmul(conj(_swap_last(t)), u) - strong_matmul(v, ph)) / _row(s)


def _dv0_adjoint(g, u, s, vt):
    """(dP̄, Ā's direct part) from the cotangent g of `_dv0`."""
    v = conj(_swap_last(vt))
    x = strong_mul(_gap_inverse(s * s), strong_matmul(_swap_last(v), g))
    gh = conj(_swap_last(g))
    dp = _col(s) * (x + conj(_swap_last(x))) - strong_matmul(gh / _col(s), conj(v))
    return dp, strong_matmul(conj(u), gh / _col(s))


def _phase_turn(dv0, v):
    """θ (..., 1, k): the turn of each pair that keeps V's anchor entry real."""
    from .reductions import sum

    p, top = _largest_entries(v)
    return imag_part(sum(p * dv0, axis=(len(_shape(v)) - 2,), keepdims=True) / top)


def _svd_u_jvp_complex(t, u, s, vt):
    p = _p(t, u, vt)
    d = strong_mul(_gap_inverse(s * s), p * _row(s) + _col(s) * conj(_swap_last(p)))
    d = d + strong_mul(imag_part(p), np.eye(_size(s))) * 1j / _row(s)
    du = strong_matmul(u, d) + (strong_matmul(t, conj(_swap_last(vt))) - strong_matmul(u, p)) / _row(s)
    return du - u * (_phase_turn(_dv0(t, u, s, vt, p), conj(_swap_last(vt))) * 1j)


def _svd_u_vjp_complex(ct, u, s, vt):
    from .reductions import sum

    v = conj(_swap_last(vt))
    ut_ct = strong_matmul(_swap_last(u), ct)
    x = strong_mul(_gap_inverse(s * s), ut_ct)
    dp = (x + conj(_swap_last(x))) * _row(s) + strong_mul(imag_part(ut_ct), np.eye(_size(s))) * 1j / _row(s)
    dp = dp - ut_ct / _row(s)
    direct = strong_matmul(ct / _row(s), _swap_last(v))
    c = sum(ct * u, axis=(len(_shape(u)) - 2,), keepdims=True)
    pick, top = _largest_entries(v)
    more_dp, more = _dv0_adjoint(-pick * (imag_part(c) / top) * 1j, u, s, vt)
    return strong_matmul(conj(u), strong_matmul(dp + more_dp, _swap_last(v))) + direct + more


def _svd_vt_jvp_complex(t, u, s, vt):
    v = conj(_swap_last(vt))
    return conj(_swap_last(gauge_fixed(_dv0(t, u, s, vt, _p(t, u, vt)), v, unit=False)))


def _svd_vt_vjp_complex(ct, u, s, vt):
    v = conj(_swap_last(vt))
    dp, direct = _dv0_adjoint(gauge_fixed_adjoint(conj(_swap_last(ct)), v, unit=False), u, s, vt)
    return strong_matmul(conj(u), strong_matmul(dp, _swap_last(v))) + direct


def _complex_or_real(complex_rule, real_rule):
    """A rule of svd's vectors: complex_rule(tangent, U, S, Vh) for a complex matrix, the real one else."""

    def rule(t, out, a):
        return complex_rule(t, *_svd_parts(a)) if is_complex(a) else real_rule(t, out, a)

    return rule


def _svd_samples(rng):
    # wide matrices as (1, 3): a (2, 3) sample costs SymPy 20–40 s per registry test (the sign
    # convention's Piecewise); tests/test_linalg.py checks (2, 3) under `pytest -m slow`
    return [
        ((draw("real", (3, 2), rng),), {}),
        ((draw("real", (2, 2, 2), rng),), {}),
        ((draw("real", (1, 3), rng),), {}),
    ]


#: a wide matrix's closed-form SVD fixes V's signs by its largest entry: a Piecewise over that many entries, whose
#: derivatives SymPy's Piecewise handling expands exponentially (a 1×6's Hessian took 8 s, a 1×27's did not end);
#: above it the opaque kind (ops/opaque.py) serves, as above 2×2
_SIGN_ENTRIES = 4


def _svd_sympy(part):
    def translate(m):
        if m.shape[0] < m.shape[1] > _SIGN_ENTRIES:
            return opaque_translation("svd", part, vector=part == 1)(m)
        u, s, vt = _sym_svd(m)
        return _values(s) if part == 1 else _to_object((u, s, vt)[part])

    return _beyond(2, "svd", part, vector=part == 1)(translate)


svd_u = defop(
    "svd_u",
    lambda a: _svd_impl(a)[0],
    internal=True,
    jvp=(_complex_or_real(_svd_u_jvp_complex, _svd_u_jvp),),
    vjp=(_complex_or_real(_svd_u_vjp_complex, _svd_u_vjp),),
    sympy=_svd_sympy(0),
    sympy_complex=_on_complex("svd_u"),
    samples=_svd_samples,
    strategy=_decomposition_strategy,
    drops_nan=True,  # iterative (LAPACK): a NaN need not reach every output
    complex=True,  # each row of Vh's largest entry real and positive (the gauge), LAPACK's phase held
    doc="U of the thin SVD (m×k, k = min(m, n)); needs distinct, nonzero singular values",
    scale=(matrix_scale(_singular_scale),),
    analytic=False,  # (not complex-analytic) |·|-like in A (A^H A): complex step gave wrong slopes, silently
)
svd_s = defop(
    "svd_s",
    lambda a: _svd_impl(a)[1],
    internal=True,
    jvp=(_svd_s_jvp,),
    vjp=(_svd_s_vjp,),
    sympy=_svd_sympy(1),
    sympy_complex=_on_complex("svd_s"),
    samples=_svd_samples,
    strategy=_decomposition_strategy,
    numpy=("linalg.svdvals",),
    front=lambda x: svdvals(x),
    drops_nan=True,  # iterative (LAPACK): a NaN need not reach every output
    complex=True,
    doc="singular values (descending); dσi = Re(ui^H dA vi)",
    scale=(matrix_scale(_singular_scale),),
    scale_used=True,
    piecewise=(_svd_branch, _svd_piece),
    unsmooth=lambda out, a: _tied(out, zero=True),
    analytic=False,  # (not complex-analytic) σ = |·|-like in A (A^H A): complex step gave 0 for 1, silently
)
svd_vt = defop(
    "svd_vt",
    lambda a: _svd_impl(a)[2],
    internal=True,
    jvp=(_complex_or_real(_svd_vt_jvp_complex, _svd_vt_jvp),),
    vjp=(_complex_or_real(_svd_vt_vjp_complex, _svd_vt_vjp),),
    sympy=_svd_sympy(2),
    sympy_complex=_on_complex("svd_vt"),
    samples=_svd_samples,
    strategy=_decomposition_strategy,
    drops_nan=True,  # iterative (LAPACK): a NaN need not reach every output
    complex=True,
    doc="Vᵀ (V^H) of the thin SVD (k×n); needs distinct, nonzero singular values",
    scale=(matrix_scale(_singular_scale),),
    analytic=False,  # (not complex-analytic) |·|-like in A (A^H A): complex step gave wrong slopes, silently
)

svd_signs = defop(
    "svd_signs",
    _svd_signs_impl,
    internal=True,
    jvp=(None,),
    vjp=(None,),
    sympy=_signs_sympy("svd"),
    sympy_complex=_on_complex("svd_signs"),
    differentiable=False,
    analytic=False,
    samples=_svd_samples,
    strategy=_decomposition_strategy,
    complex=True,  # of a complex matrix, phases: held, as the signs (derivative 0)
    doc="±1 per singular pair: LAPACK's signs relative to svd_u's and svd_vt's (piecewise constant)",
)

# -- LU's row interchanges, recomputed at each call -------------------------------------------------
# scipy.linalg.lu/lu_factor pivot by the values (getrf's partial pivoting); read at trace time, the pivots
# would specialise the graph (prepare refused it). Two entries make the pivoting equations, derivative 0
# (piecewise constant, as eigh_signs): lu_pivots(a), LAPACK's interchanges (lu_factor's piv, int32), and
# pivot_rows(piv), the permutation P they make, P a = a's rows in getrf's order; difflab.scipy.linalg
# eliminates P a without pivoting, so a prepared or vmapped lu follows the pivots of each call's a.


def _lu_pivots_impl(a):
    """(..., n, n) -> (..., n) int32: LAPACK getrf's interchanges, as SciPy's lu_factor returns them (row k
    swapped with row piv[k], in turn); of a matrix holding NaN or inf, none (0, 1, ..., n - 1)."""
    import scipy.linalg as sl  # (difflab.scipy's lu is this op's one caller, and needs SciPy anyway)

    a = np.asarray(a)
    n = a.shape[-1]
    flat = a.reshape((_count(a.shape[:-2]), n, n))
    out = np.tile(np.arange(n, dtype=np.int32), (len(flat), 1))
    for k, m in enumerate(flat):
        if np.isfinite(m).all():  # (SciPy's check_finite refuses those; the elimination then gives NaN)
            out[k] = sl.lu_factor(m.astype(float), check_finite=False)[1]
    return out.reshape(a.shape[:-1])


def _pivot_rows_impl(piv):
    """(..., n) integers -> (..., n, n) of 0.0 and 1.0: P with P @ a = a's rows interchanged as piv says (an
    entry past the last row taken modulo n: the batching tests' integers; lu_solve checks a user's piv)."""
    piv = np.asarray(piv).astype(np.int64) % max(np.shape(piv)[-1], 1)  # (a 0×0 matrix's: no pivots)
    n = piv.shape[-1]
    flat = piv.reshape((_count(piv.shape[:-1]), n))
    out = np.zeros((len(flat), n, n))
    for k, p in enumerate(flat):
        order = np.arange(n)
        for i, j in enumerate(p):
            order[[i, j]] = order[[j, i]]
        out[k, np.arange(n), order] = 1.0
    return out.reshape(piv.shape[:-1] + (n, n))


def _named_zero_slope(name, numeric):
    """SymPy: a named function of integer positions and entries with derivative 0, evaluated by `numeric` (the
    registry entry, on traced entries too)."""

    def on_float(*args):
        return float(numeric(*[float(a) for a in args]))

    SYMPY_TRACED[name] = numeric
    return sympy_function(name, numeric, lambda args, i: _sp().Integer(0), on_float, on_float)


def _lu_pivots_sympy(x):
    fn = _named_zero_slope(
        "difflab_lu_pivot", lambda k, rows, *entries: lu_pivots(_from_entries(rows, entries))[(..., int(k))]
    )
    x = np.asarray(x, dtype=object)
    n = x.shape[-1]
    out = np.empty(x.shape[:-1], dtype=object)
    for idx in np.ndindex(x.shape[:-2]):
        out[idx] = [fn(k, n, *x[idx].ravel()) for k in range(n)]
    return out


def _pivot_rows_sympy(piv):
    fn = _named_zero_slope(
        "difflab_pivot_row",
        lambda i, j, *p: pivot_rows(stack(*p, axis=-1))[..., int(i), int(j)],
    )
    piv = np.asarray(piv, dtype=object)
    n = piv.shape[-1]
    out = np.empty(piv.shape + (n,), dtype=object)
    for idx in np.ndindex(piv.shape[:-1]):
        out[idx] = [[fn(i, j, *piv[idx]) for j in range(n)] for i in range(n)]
    return out


def _pivoted_strategy(b, name, x, picks, c):
    """P a for a = tanh(v vᵀ) + 3 I, P = pivot_rows(lu_pivots(a)) (a float result, as lu's): the diagonal dominates,
    so the pivots never jump where numeric differences look (test_scipy moves them)."""
    n = int(np.prod(b.shape(x)))
    if n > 2:
        x, n = b.emit("sum", x, axis=None, keepdims=False), 1
    col = b.emit("reshape", x, shape=(n, 1))
    # (a 1×1 matrix has one pivot whatever its value)
    a = (
        col
        if n == 1
        else b.emit("add", b.emit("tanh", b.emit("mul", col, b.emit("reshape", x, shape=(1, n)))), 3 * np.eye(n))
    )
    # (1×1: P·a elementwise, so the shortest graph holding a matmul stays matmul's own)
    return b.emit("matmul" if n > 1 else "mul", b.emit("pivot_rows", b.emit("lu_pivots", a)), a)


lu_pivots = defop(
    "lu_pivots",
    _lu_pivots_impl,
    requires=("scipy",),
    internal=True,
    jvp=(None,),
    vjp=(None,),
    sympy=_lu_pivots_sympy,
    sympy_complex=False,
    differentiable=False,
    analytic=False,
    result_dtype=lambda: np.dtype(np.int32),
    samples=lambda rng: [((rng.standard_normal(s),), {}) for s in ((1, 1), (3, 3), (2, 4, 4))],
    batch=lambda batched, a: lu_pivots(a),
    strategy=_pivoted_strategy,
    doc="LAPACK getrf's row interchanges of a (scipy.linalg.lu_factor's piv, int32; piecewise constant)",
)
pivot_rows = defop(
    "pivot_rows",
    _pivot_rows_impl,
    internal=True,
    jvp=(None,),
    vjp=(None,),
    sympy=_pivot_rows_sympy,
    sympy_complex=False,
    differentiable=False,
    analytic=False,
    domain=("integer",),
    samples=lambda rng: [((p,), {}) for p in (np.array([0]), np.array([2, 2, 2]), np.array([[1, 1, 2], [0, 2, 2]]))],
    batch=lambda batched, piv: pivot_rows(piv),
    strategy=_pivoted_strategy,
    doc="P with P @ a = a's rows interchanged as LAPACK's piv says (row k with row piv[k], in turn)",
)

# -- svd(full_matrices=True) of a non-square matrix: the extra columns -------------------------------
# The full U of a tall A (m > n) adds m − n columns, an orthonormal basis of the complement of A's
# column space (the full Vh of a wide A adds rows for its row space's). Any rotation of that basis is
# as good: LAPACK's is one choice, and no formula in A gives its derivative. JAX refuses the JVP of
# such an svd (NotImplementedError: "not implemented for full matrices"); PyTorch ignores those
# columns' gradient. difflab gives NumPy's values and differentiates everything else: a tangent or
# cotangent that reaches the extra columns is NaN, with a DomainWarning naming the equation when it
# reaches the result; a structurally zero one gives 0, so U[:, :k] of the full svd differentiates as
# the thin one. Symbolic refuses them. The entry is kept out of REGISTRY, whose tests compare every
# entry's rules with each other: this one has none to compare.


def _complement_impl(a):
    m, n = np.shape(a)[-2:]
    u, _, vt = nan_where_non_finite(a, lambda a: np.linalg.svd(a, full_matrices=True))
    return u[..., :, n:] if m > n else vt[..., m:, :]


_UNDEFINED = (
    "the derivative of svd's extra columns (full_matrices=True on a non-square matrix) is not unique: "
    "they are any orthonormal basis of the complement; use full_matrices=False or only U[..., :k]"
)


def _undefined(t, shape, why=_UNDEFINED):
    """What reaches svd's (or qr's) extra columns (a tangent) or comes from them (a cotangent): NaN where t is
    nonzero, 0 where it is 0 (strong zeros). Linear in t (Σ t·NaN, each 0·NaN a strong 0), so that a map built
    from it transposes too: reverse's J v is its pullback's transpose (a test Σ t² has derivative 0 at t = 0,
    and a complex t = (1, i) has Σ t² = 0)."""
    size = REGISTRY["sum"](strong_mul(t, np.full(_shape(t), np.nan)), axis=None, keepdims=False)
    origin = deriving_from()
    if not isinstance(size, Traced) and size != 0 and origin is not None:
        where = str(origin).split(" :")[0]
        warn_domain_if_nonfinite(where, f"{where}: {why}; the result holds NaN")
    return strong_mul(size, np.ones(shape))


def _complement_sympy(x):
    def refuse(args, i):
        raise NotDifferentiableError(f"the symbolic method cannot differentiate svd_complement: {_UNDEFINED}")

    def numeric(i, j, rows, *entries):
        return SVD_COMPLEMENT(_from_entries(rows, entries))[(..., int(i), int(j))]

    def on_float(*args):
        return float(numeric(*[float(a) for a in args]))

    fn = sympy_function("difflab_svd_complement", numeric, refuse, on_float, on_float)

    def one(m):
        rows, cols = m.shape
        shape = (rows, rows - cols) if rows > cols else (cols - rows, cols)
        return np.array([[fn(i, j, rows, *list(m)) for j in range(shape[1])] for i in range(shape[0])], dtype=object)

    return _per_matrix(one)(x)


SVD_COMPLEMENT = Op(
    "svd_complement",
    _complement_impl,
    (lambda t, out, a: _undefined(t, _shape(out)),),
    (lambda ct, out, a: _undefined(ct, _shape(a)),),
    sympy=_complement_sympy,
    analytic=False,
    drops_nan=True,  # iterative (LAPACK): a NaN need not reach every output
    nargs=1,
    complex=True,  # (no derivative of any matrix)
    doc="LAPACK's extra columns of the full U (tall) or rows of the full Vh (wide); no derivative",
)

SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition, like `numpy.linalg.svd`.

    Shapes: a (..., m, n), k = min(m, n) -> U (..., m, k), S (..., k), Vh (..., k, n), or with
    full_matrices=True U (..., m, m) and Vh (..., n, n). The signs of the singular vectors are
    LAPACK's (NumPy's values at every point). U and Vh need distinct nonzero singular values to be
    differentiable; S is differentiable wherever its values are distinct. The full SVD's extra
    columns of U (m > n) or rows of Vh (m < n) are any orthonormal basis of a complement: their
    derivative is not unique, and a derivative that depends on them is NaN with a DomainWarning
    (JAX refuses any derivative of such an svd); the first k columns differentiate as the thin ones.

    >>> u, s, vh = svd(np.array([[3.0, 0.0], [0.0, 4.0]]), full_matrices=False)
    >>> s.tolist(), np.abs(vh).tolist()
    ([4.0, 3.0], [[0.0, 1.0], [1.0, 0.0]])
    """
    if not compute_uv:
        return svd_s(a)
    nd, (m, n) = len(_shape(a)), _shape(a)[-2:]
    full = bool(full_matrices) and m != n
    signs = svd_signs(a, full=True) if full else svd_signs(a)  # (..., 1, k): LAPACK's sign of each pair
    u, vt = svd_u(a) * signs, svd_vt(a) * _swap_last(_conj(signs))
    if full and m > n:
        u = concatenate(u, SVD_COMPLEMENT(a), axis=nd - 1)
    elif full:
        vt = concatenate(vt, SVD_COMPLEMENT(a), axis=nd - 2)
    return SVDResult(u, svd_s(a), vt)


def svdvals(x):
    """Singular values (descending), like `numpy.linalg.svdvals`.

    >>> svdvals(np.diag([1.0, 2.0])).tolist()
    [2.0, 1.0]
    """
    return svd_s(x)


# -- cholesky --------------------------------------------------------------------------------------


def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    n = _size(x)
    return strong_mul(x, np.tri(n, k=-1) + 0.5 * np.eye(n))  # strong: an upper entry's inf is dropped, not NaN


def _cholesky_jvp(t, out, a):
    linv = inv(out)  # of a complex A = L Lᴴ: dL = L Φ(L⁻¹ dA L⁻ᴴ), dA Hermitian (JAX's cholesky_jvp_rule)
    return strong_matmul(out, _phi(strong_matmul(linv, strong_matmul(_lower_sym(t), _conj(_swap_last(linv))))))


def _cholesky_vjp(ct, out, a):
    linv = inv(out)  # the JVP's transpose (no conjugate, ops/complexes.py): S̄ = L⁻ᵀ Φ(Lᵀ L̄) conj(L⁻¹)
    inner = _phi(strong_matmul(_swap_last(out), ct))
    sbar = strong_matmul(_swap_last(linv), strong_matmul(inner, _conj(linv)))
    return _lower_sym_adjoint(sbar)


def _spd_samples(rng):
    """Symmetric positive definite matrices (B Bᵀ + I), a single one and a stack."""
    return [((draw("spd", (3, 3), rng),), {}), ((draw("spd", (2, 2, 2), rng),), {})]


def _cholesky_front(a, upper=False):
    """The lower Cholesky factor L (A = L Lᴴ) of a symmetric (Hermitian) positive definite matrix, like
    `numpy.linalg.cholesky`: reads the lower triangle only; upper=True, as NumPy, reads the upper one and
    gives U with A = Uᴴ U (the lower factor of Aᴴ, conjugate-transposed).

    >>> _cholesky_front(np.array([[4.0, 2.0], [2.0, 5.0]])).tolist()
    [[2.0, 0.0], [1.0, 2.0]]
    """
    if upper:
        return _upper_as_lower(cholesky(_upper_as_lower(a)))
    return cholesky(a)


cholesky = defop(
    "cholesky",
    np.linalg.cholesky,
    jvp=(_cholesky_jvp,),
    vjp=(_cholesky_vjp,),
    sympy=_beyond(SYMPY_MATRIX_LIMIT, "cholesky", 0, lower=True)(
        lambda m: _to_object(_sym_lower(m).cholesky(hermitian=False))
    ),
    sympy_complex=_on_complex_linalg("cholesky"),
    samples=_spd_samples,
    domain=("spd",),
    strategy=_decomposition_strategy,
    numpy=("linalg.cholesky",),
    complex=True,  # Hermitian positive definite: A = L Lᴴ (the lower triangle read, the diagonal's real part)
    front=_cholesky_front,
    doc="lower Cholesky factor; dL = L Φ(L⁻¹ dA L⁻ᵀ), Φ: lower triangle, halved diagonal",
    scale=(matrix_scale(_cholesky_scale),),
    analytic=False,  # (not complex-analytic) Hermitian: LAPACK reads S + ihE as Hermitian: complex step gave wrong slopes, silently
)


# -- pinv: differentiable where the rank does not change ------------------------------------------
# d(A⁺) = −A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I − A A⁺) + (I − A⁺A) dAᵀ A⁺ᵀA⁺ (Golub & Pereyra 1973), valid
# wherever A's rank is locally constant (always for full rank); across a rank change A⁺ jumps. The
# singular values need not be distinct, unlike a route through svd's vectors.


def _eye_like(m, axis):
    return np.eye(_shape(m)[axis])


def _h(m):
    """mᴴ: the conjugate transpose (the transpose of a real m)."""
    return _conj(_swap_last(m))


# of a complex A, Golub & Pereyra's rule with conjugate transposes (dAᴴ: not holomorphic); the VJP is
# its adjoint under Re Σ ū·t, the dAᴴ terms conjugated: tr(ūᵀ X Tᴴ Y) = Re Σ conj(Y ūᵀ X) ∘ T
def _pinv_jvp(t, out, a, rcond):
    p, th = out, _h(t)
    first = -strong_matmul(p, strong_matmul(t, p))
    second = strong_matmul(matmul(p, _h(p)), strong_matmul(th, _eye_like(a, -2) - matmul(a, p)))
    third = strong_matmul(_eye_like(a, -1) - matmul(p, a), strong_matmul(th, matmul(_h(p), p)))
    cut = _cut_pairs(a, rcond)
    if cut is None:
        return first + second + third
    u, vt, m, n, some = cut  # Δ = V (M ∘ E + N ∘ Eᴴ) Uᴴ, E = Uᴴ dA V
    e = _p(t, u, vt)
    delta = strong_matmul(_h(vt), strong_matmul(strong_mul(m, e) + strong_mul(n, _h(e)), _h(u)))
    return first + second + third + REGISTRY["where"](some, delta, 0.0)


def _pinv_vjp(ct, out, a, rcond):
    p, pt, ctt = out, _swap_last(out), _swap_last(ct)
    first = -strong_matmul(pt, strong_matmul(ct, pt))
    second = strong_matmul(_eye_like(a, -2) - matmul(a, p), strong_matmul(ctt, matmul(p, _h(p))))
    third = strong_matmul(matmul(_h(p), p), strong_matmul(ctt, _eye_like(a, -1) - matmul(p, a)))
    rule, cut = first + _conj(second + third), _cut_pairs(a, rcond)
    if cut is None:
        return rule
    u, vt, m, n, some = cut  # Ā = Ū (M ∘ B + (N ∘ B)ᴴ) Vᵀ, B = Vᵀ P̄ Ū: Δ's adjoint under Re Σ ū·t
    b = strong_matmul(_conj(vt), strong_matmul(ct, _conj(u)))
    delta = strong_matmul(_conj(u), strong_matmul(strong_mul(m, b) + _h(strong_mul(n, b)), _conj(vt)))
    return rule + REGISTRY["where"](some, delta, 0.0)


def _cut_pairs(a, rcond):
    """Golub & Pereyra's rule holds where A's rank is locally constant: a given rcond that drops a singular value
    that is not zero (σ_d ≤ rcond·σ_max, σ_d > 0: A of full rank, truncated) makes A⁺ the pseudo-inverse of the
    truncation, whose derivative has one more term from each pair of a kept σ_k and a dropped σ_d (A = U S Vᵀ, the
    pinv a spectral function of A: Vᵀ dA⁺ U at (k, d) and (d, k) is (σ_d/σ_k · E_kd + E_dk)/(σ_k² − σ_d²) where
    the rule gives E_dk/σ_k²): Δ = V (M ∘ E + N ∘ Eᵀ) Uᵀ with M = σ_d/(σ_k(σ_k² − σ_d²)), N = σ_d²/(σ_k²(σ_k² −
    σ_d²)) at those pairs, 0 elsewhere (review56: pinv(A, rcond=0.3) of a 4×5 A, every method but numeric was off by
    0.7). Of a complex A, with conjugate transposes (Eᴴ, Uᴴ, V = (Vᴴ)ᴴ). None where the rule is exact already:
    NumPy's default cutoff (it drops rounding only). Returns U, Vᵀ, M, N and, per matrix, whether any pair is cut (Δ is taken there
    only, so a rank-deficient A, whose dropped σ are 0 and may repeat, keeps the rule's values)."""
    if rcond is None:
        return None
    where, greater, maximum, minimum = REGISTRY["where"], REGISTRY["greater"], REGISTRY["maximum"], REGISTRY["minimum"]
    u, s, vt = _svd_parts(a)
    tiny = max(_shape(a)[-2:]) * np.finfo(float).eps * s[..., :1]  # (NumPy's default cutoff: rounding of a zero σ)
    kept = where(greater(s, rcond * s[..., :1]), 1.0, 0.0)
    dropped = where(greater(s, tiny), 1.0, 0.0) - kept  # (0 ≤: kept implies above tiny)
    pair = _col(kept) * _row(dropped) + _col(dropped) * _row(kept)  # 1 at (k, d) and (d, k)
    big, small = maximum(_col(s), _row(s)), minimum(_col(s), _row(s))
    gap = where(pair > 0, big * (big * big - small * small), 1.0)
    m = where(pair > 0, small / gap, 0.0)
    n = where(pair > 0, small * small / (big * gap), 0.0)
    some = greater(REGISTRY["sum"](pair, axis=(-2, -1), keepdims=True), 0.0)
    return u, vt, m, n, some


def _pinv_sympy(a, rcond):
    def full_rank(m):  # the full-rank pseudo-inverse: SymPy's general one decides the rank symbolically
        return (m.T * m).inv() * m.T if m.shape[0] >= m.shape[1] else m.T * (m * m.T).inv()

    # a given rcond: the opaque form at every size (the explicit one has no cutoff: with rcond=0.5 it inverted a
    # singular value NumPy drops, its value and derivative wrong); NumPy's default: explicit up to 2 rows or
    # columns (SymPy's inverse of a 3×3 or 4×4 Gram matrix swells: autograd's second-order check of a 5×4 pinv
    # took minutes of CPU that way, seconds opaque)
    kind = _pinv_kind(rcond)

    def translate(m):
        if max(m.shape) > _PINV_EXPLICIT_LONG:
            return opaque_translation(kind, 0)(m)
        return _to_object(full_rank(m))

    return _beyond(_PINV_EXPLICIT if rcond is None else 0, kind, 0)(translate)(a)


_PINV_EXPLICIT = 2  # rows or columns up to which pinv (NumPy's default cutoff) has SymPy's closed form
#: ... and its longer side: the closed form's entries divide by det(AᵀA), a polynomial of (rows choose 2) products
#: that every partial writes out again, so its Hessian's cost grows with the long side (an n×2 varpro design: 0.45,
#: 1.6, 4.4 and 20 s at n = 4, 6, 8, 12), where the opaque kind's grows slowly (0.15, 0.27, 0.53 and 1.4 s)
_PINV_EXPLICIT_LONG = 3


def _pinv_samples(rng):
    return [
        ((draw("real", (3, 2), rng),), {"rcond": None}),
        ((draw("real", (2, 3), rng),), {"rcond": None}),
        ((draw("real", (2, 2, 2), rng) + 2 * np.eye(2),), {"rcond": None}),
    ]


def _pinv_strategy(b, name, x, picks, c):
    """A matrix with at most 2 rows or columns, pushed away from rank deficiency by 2.5·I (padded)."""
    x = b.rank1(x)
    s = b.shape(x)
    size = int(np.prod(s))
    if not (len(s) == 2 and min(s) <= 2):
        x = b.emit("reshape", x, shape=(1, size) if c.take(2) else (size, 1))
    rows, cols = b.shape(x)
    return b.emit("pinv", b.emit("add", x, 2.5 * np.eye(rows, cols)), rcond=None)


def _pinv_impl(a, rcond=None):
    return nan_where_non_finite(a, lambda a: np.linalg.pinv(a) if rcond is None else np.linalg.pinv(a, rcond=rcond))


def _hermitian_from_lower(a):
    """The Hermitian matrix LAPACK's eigh reads from a's lower triangle (NumPy's UPLO='L': the upper triangle and
    the diagonal's imaginary parts are not read). Shapes: (..., n, n) -> (..., n, n).

    >>> _hermitian_from_lower(np.array([[1.0, 9.0], [2.0, 3.0]])).tolist()
    [[1.0, 2.0], [2.0, 3.0]]
    """
    where, transpose = REGISTRY["where"], REGISTRY["transpose"]
    shape = _shape(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"pinv(hermitian=True) takes square matrices (..., n, n), got shape {shape}")
    n, nd = shape[-1], len(shape)
    lower = where(np.tril(np.ones((n, n), dtype=bool), -1), a, 0.0)
    diagonal = where(np.eye(n, dtype=bool), real(a) if is_complex(a) else a, 0.0)
    return lower + conj(transpose(lower, axes=tuple(range(nd - 2)) + (nd - 1, nd - 2))) + diagonal


def _pinv_front(a, rcond=None, hermitian=False, *, rtol=None):
    """Moore-Penrose pseudo-inverse, like `numpy.linalg.pinv` (singular values below the cutoff
    count as zero). Shapes: a (..., m, n) -> (..., n, m). Differentiable where the rank is locally
    constant. hermitian=True is NumPy's: its eigh reads a's lower triangle only, so the pseudo-inverse is
    that of the Hermitian matrix the lower triangle spells, and the upper triangle's derivative is 0 (it was
    the general pinv's: a wrong gradient, newuser55's find).

    >>> _pinv_front(np.array([[2.0], [0.0]])).tolist()
    [[0.5, 0.0]]
    >>> _pinv_front(np.array([[2.0, 7.0], [0.0, 4.0]]), hermitian=True).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    cutoff = rtol if rcond is None else rcond
    if hermitian:
        a = _hermitian_from_lower(a)
    return pinv(a, rcond=None if cutoff is None else float(cutoff))


pinv = defop(
    "pinv",
    _pinv_impl,
    jvp=(_pinv_jvp,),
    vjp=(_pinv_vjp,),
    sympy=_pinv_sympy,
    sympy_complex=_on_complex_linalg("pinv"),
    samples=_pinv_samples,
    strategy=_pinv_strategy,
    numpy=("linalg.pinv",),
    front=_pinv_front,
    drops_nan=True,  # iterative (LAPACK): a NaN need not reach every output
    complex=True,  # with conjugate transposes (the rules above)
    doc="Moore-Penrose pseudo-inverse; d(A⁺) by Golub & Pereyra (constant rank)",
    scale=(matrix_scale(_pinv_scale),),
    analytic=False,  # (not complex-analytic) A^H in A⁺ = (A^H A)⁻¹ A^H: complex step gave wrong slopes, silently
)


def _kink_slope_impl(theta, kinked):
    """1 where the principal angle θ is smooth, NaN where `kinked` (1.0) flags it: at 0 (the subspaces meet beyond the
    intersection their dimensions force) or π/2 (a direction of one is orthogonal to the other) θ is a cone's apex (θ =
    ‖P⊥b‖ near 0: only one-sided derivatives). The NaN is NumPy's 'invalid' under its error state, raised with the
    message naming scipy.linalg.subspace_angles and the angle, as rank_guard's."""
    theta, kinked = np.broadcast_arrays(np.asarray(theta, dtype=float), np.asarray(kinked, dtype=float))
    at = kinked != 0
    if not at.any():
        return np.ones(theta.shape)
    mode = np.geterr()["invalid"]
    if mode == "raise":
        angle = float(theta[at][0])
        where = (
            "0 (the spans meet beyond what their dimensions force)" if angle < 0.75 else "π/2 (orthogonal directions)"
        )
        raise FloatingPointError(
            f"scipy.linalg.subspace_angles: the principal angle {angle:.3g} lies at {where}, within √eps: a kink of "
            "the angles (a cone's apex: only one-sided derivatives): NaN"
        )
    with np.errstate(invalid="call" if mode == "call" else "ignore"):  # (a trace's watch notes it)
        nan = np.divide(0.0, 0.0)
    return np.where(at, nan, 1.0)


def _kink_slope_fn():
    def on_float(theta, kinked, invalid="ignore"):
        with np.errstate(invalid=invalid):
            return float(_kink_slope_impl(float(theta), float(kinked)))

    return sympy_function(
        "difflab_principal_angle_slope",
        _kink_slope_impl,
        lambda args, i: _sp().Integer(0),
        on_float,
        functools.partial(on_float, invalid="raise"),
    )


def _principal_angle_fn():
    def derivative(args, i):
        slope = _kink_slope_fn()(*args[:2])
        return slope if i == 0 else slope - 1 if i == 2 else _sp().Integer(0)

    ident = lambda theta, kinked, w: theta  # noqa: E731
    return sympy_function("difflab_principal_angle", lambda theta, kinked, w: np.array(theta), derivative, ident, ident)


def _angle_strategy(b, name, x, picks, c):
    """An angle off the kinks for the random graphs: `kinked` 0 (the "integer" domain would draw 1 to 3, every one a
    kink: NaN by design, which a graph's comparisons downstream then met; a flagged angle's NaN is
    tests/test_edges64.py's)."""
    return b.emit(name, x, 0.0) if name == "principal_angle_slope" else b.emit(name, x, 0.0, x)


principal_angle_slope = defop(
    "principal_angle_slope",
    _kink_slope_impl,
    internal=True,
    partials=(None, None),
    sympy=elementwise_sympy(lambda theta, kinked: _kink_slope_fn()(theta, kinked)),
    differentiable=False,
    analytic=False,
    domain=("positive", "integer"),
    samples=lambda rng: [((rng.uniform(0.1, 1.4, (3,)), np.zeros(3)), {})],
    strategy=_angle_strategy,
    doc="1 where a principal angle is smooth, NaN (an 'invalid' naming scipy.linalg.subspace_angles) where `kinked`",
)
# a principal angle θ of scipy.linalg.subspace_angles (its value), whose slope is 1, or NaN with the DomainWarning naming
# subspace_angles where `kinked` flags θ at 0 or π/2 (decided on the trace's values, as SciPy's arcsin/arccos choice).
# `w`, a sum of the inputs' entries (the witness), has slope 0, NaN at a kink: svd's rule gives a zero singular value a
# tangent 0 in directions that move it (its one-sided slope is |·|) and strong zeros took 0·NaN for 0 there (reverse's
# gradient of a zero angle was 0, silently); every input entry moves w, so each meets the NaN (a zero cotangent, an
# angle the caller drops, still gives 0)
principal_angle = defop(
    "principal_angle",
    lambda theta, kinked, w: np.array(np.broadcast_arrays(theta, kinked, w)[0], dtype=float),
    internal=True,
    partials=(
        lambda out, theta, kinked, w: principal_angle_slope(theta, kinked),
        None,
        lambda out, theta, kinked, w: principal_angle_slope(theta, kinked) - 1.0,
    ),
    sympy=elementwise_sympy(lambda theta, kinked, w: _principal_angle_fn()(theta, kinked, w)),
    analytic=False,
    domain=("positive", "integer", "real"),
    # (angles off the kinks: a flagged one's NaN is tests/test_edges64.py's)
    samples=lambda rng: [
        ((rng.uniform(0.1, 1.4, (3,)), np.zeros(3), rng.normal()), {}),
        ((rng.uniform(0.1, 1.4), 0.0, rng.normal()), {}),
    ],
    strategy=_angle_strategy,
    doc="a principal angle of scipy.linalg.subspace_angles: its value; no derivative where `kinked` (at 0 or π/2)",
)

__all__ = [name for name, value in list(globals().items()) if isinstance(value, Op) and value.name in REGISTRY]
