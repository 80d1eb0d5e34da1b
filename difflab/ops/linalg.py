"""Linear algebra primitives: matmul (NumPy's semantics for every rank), einsum (any subscripts),
inv, det and log|det|. The decompositions (eigh, svd, cholesky) live in `decompositions`. Symbolic:
SymPy's explicit entries up to SYMPY_MATRIX_LIMIT, opaque matrix functions above it (opaque.py)."""

from __future__ import annotations

import builtins
import functools
import itertools
import math
import string
from collections import Counter

import numpy as np

from .core import REGISTRY, _holds_traced, _sp, draw, fits
from ..errors import NotDifferentiableError, warn_domain
from ..graph import Traced, deriving_from
from .complexes import is_complex
from .elementwise import _abs_fn, _sign_fn, strong_mul
from .core import Op, _count, _ndim, _reshape, _samples, _shape, _transpose, broadcast_batch, defop, strong_contract
from .canonical import product, total
from .opaque import matrix_kind, named_sum, opaque_translation


def _swap_last(x):
    if type(x) is np.ndarray:  # concrete (the interpreter): a view, no op
        return x.swapaxes(-1, -2) if x.ndim > 1 else x
    nd = _ndim(x)
    return x if nd < 2 else _transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _matmul_vjp_a(ct, out, a, b):
    if type(ct) is np.ndarray and type(b) is np.ndarray and b.ndim > 1 and type(a) is np.ndarray and a.ndim > 1:
        return strong_contract(np.matmul, ct, b.swapaxes(-1, -2))  # concrete matrices: strong_matmul's impl
    if _ndim(b) == 1:
        return strong_mul(_reshape(ct, _shape(ct) + (1,)), b) if _ndim(a) > 1 else strong_mul(ct, b)
    if _ndim(a) == 1:
        return _reshape(strong_matmul(b, _reshape(ct, _shape(ct) + (1,))), _shape(b)[:-2] + _shape(b)[-2:-1])
    return strong_matmul(ct, _swap_last(b))


def _matmul_vjp_b(ct, out, a, b):
    if type(ct) is np.ndarray and type(a) is np.ndarray and a.ndim > 1 and type(b) is np.ndarray and b.ndim > 1:
        return strong_contract(np.matmul, a.swapaxes(-1, -2), ct)  # concrete matrices: strong_matmul's impl
    if _ndim(a) == 1:
        if _ndim(b) == 1:
            return strong_mul(ct, a)
        return strong_mul(_reshape(a, (-1, 1)), _reshape(ct, _shape(ct)[:-1] + (1, _shape(ct)[-1])))
    if _ndim(b) == 1:  # ct: a's stack shape; every stacked row contributes (unbroadcast sums them)
        m = _shape(ct)[-1]
        return _reshape(strong_matmul(_reshape(ct, _shape(ct)[:-1] + (1, m)), a), _shape(ct)[:-1] + _shape(b))
    return strong_matmul(_swap_last(a), ct)


def _matmul_array_vjp_a(ct, out, a, b):
    """`_matmul_vjp_a` on finite concrete matrices (stacks too): ū bᵀ, a view for bᵀ; None for vectors."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim > 1 and b.ndim > 1 and type(ct) is np.ndarray:
        return np.matmul(ct, b.swapaxes(-1, -2))
    return None


def _matmul_array_vjp_b(ct, out, a, b):
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim > 1 and b.ndim > 1 and type(ct) is np.ndarray:
        return np.matmul(a.swapaxes(-1, -2), ct)
    return None


def _matmul_index(shapes):
    """matmul as an einsum, for vectors and matrices (stacks: None)."""
    a, b = (len(s) for s in shapes)
    if a > 2 or b > 2:
        return None
    return {(2, 2): "ij,jk->ik", (1, 2): "j,jk->k", (2, 1): "ij,j->i", (1, 1): "j,j->"}[a, b], 1.0


def _matmul_batch(batched, a, b, op=None):
    """Vectors become matrices (a row, b a column; the unit axis is dropped again) and a batched
    operand gets unit stack axes after its batch axis, so the batch axis leads the product of `op`
    (matmul, or strong_matmul for its own rule)."""
    op = matmul if op is None else op
    nd_a, nd_b = _ndim(a) - batched[0], _ndim(b) - batched[1]
    a2 = a if nd_a > 1 else _reshape(a, _shape(a)[:-1] + (1,) + _shape(a)[-1:])
    b2 = b if nd_b > 1 else _reshape(b, _shape(b) + (1,))
    stack = builtins.max(nd_a, nd_b, 2) - 2
    if batched[0]:
        a2 = _reshape(a2, _shape(a2)[:1] + (1,) * (stack + 2 - _ndim(a2) + 1) + _shape(a2)[1:])
    if batched[1]:
        b2 = _reshape(b2, _shape(b2)[:1] + (1,) * (stack + 2 - _ndim(b2) + 1) + _shape(b2)[1:])
    out = op(a2, b2)
    shape = _shape(out)
    if nd_b == 1:  # b's column axis, then a's row axis
        shape = shape[:-1]
    if nd_a == 1:
        shape = shape[:-1] if nd_b == 1 else shape[:-2] + shape[-1:]
    return _reshape(out, shape)


def _matmul_strategy(b, name, x, picks, c):
    x = b.rank1(x)
    for p in picks:
        y = b.pick(p)
        if b.shape(y) and fits(np.matmul, b.shape(x), b.shape(y)):
            return b.emit(name, x, y)
    n = len(b.shape(x))  # x @ x for a vector, else x against x with its last two axes swapped
    return b.emit(name, x, x if n == 1 else b.emit("transpose", x, axes=(*range(n - 2), n - 1, n - 2)))


matmul = defop(
    "matmul",
    np.matmul,
    complex=True,
    jvp=(lambda t, out, a, b: strong_matmul(t, b), lambda t, out, a, b: strong_matmul(a, t)),
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    array_vjp=(_matmul_array_vjp_a, _matmul_array_vjp_b),
    batch=_matmul_batch,
    # a batched a (k, ..., m) against an unbatched b without more stack axes than a: NumPy's matmul stacks
    # over a's leading axes itself (b (s, m, c) against a (k, p, m) would pair s with k: the rule's unit axes)
    batch_as_is=lambda batched, ranks: batched == (True, False) and (ranks[1] <= 2 or ranks[0] >= ranks[1]),
    index=_matmul_index,
    domain=("real", "real"),
    samples=_samples(
        (((3, 4), (4, 2)), {}),
        (((4,), (4, 2)), {}),
        (((3, 4), (4,)), {}),
        (((4,), (4,)), {}),
        (((2, 3, 4), (4, 5)), {}),
    ),
    strict=(True, True),
    doc="matrix product (NumPy's matmul semantics)",
    numpy=("matmul",),
    strategy=_matmul_strategy,
    linear="each",
)


def _strong_matmul_impl(a, b):
    if isinstance(a, Traced) or isinstance(b, Traced):  # values of an enclosing trace: recorded there
        return strong_matmul(a, b)
    return strong_contract(np.matmul, a, b)


# The rules' contraction of a tangent or cotangent (DESIGN.md §3, strong zeros): a cotangent that is
# 0 in one entry meets the NaN column of the other operand as 0 (v @ M with a NaN column j whose
# output is unused). Its own rules are matmul's, so derivatives of derivatives stay strong.
strong_matmul = defop(
    "strong_matmul",
    _strong_matmul_impl,
    internal=True,
    complex=True,
    jvp=matmul.jvp,
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    batch=lambda batched, a, b: _matmul_batch(batched, a, b, strong_matmul),
    domain=("real", "real"),
    samples=matmul.samples,
    strategy=_matmul_strategy,
    plain=matmul,
    doc="matrix product with strong zeros (0 times NaN or inf is 0): the contraction in matmul's and other rules",
)


# -- inverse and determinants: rules written with inv, so they nest ---------------------------


def _square_samples(rng):
    """Well-conditioned square matrices (a random one plus 3·I), single and stacked."""
    return [
        ((draw("real", (3, 3), rng) + 3.0 * np.eye(3),), {}),
        ((draw("real", (2, 2, 2), rng) + 3.0 * np.eye(2),), {}),
    ]


#: the largest matrix side (n×n) whose inverse, determinant or Cholesky factor the symbolic method writes out:
#: SymPy's entries grow factorially with n (the Jacobian of a 4×4 inverse takes ~1 s, of a 5×5 over 100 s, of
#: autograd's 8×8 test matrices hours), so bigger ones are written as opaque matrix functions (opaque.py:
#: entries whose derivatives are written with the same functions, computed by LAPACK once per point)
SYMPY_MATRIX_LIMIT = 4


def _on_complex_linalg(name):
    """The entry's SymPy translation on complex matrices (complex_linalg.py), looked up at use."""

    def translate(*args, **params):
        from .complex_linalg import TRANSLATIONS

        return TRANSLATIONS[name](*args, **params)

    return translate


def _too_big(name, shape, limit):
    raise NotDifferentiableError(
        f"the symbolic method has no closed form for {name} of a "
        f"{shape[0]}×{shape[1]} matrix (SymPy's is used up to {limit}); "
        "use 'forward' or 'reverse'"
    )


def _per_matrix(fn, name=None, limit=None, above=None):
    """A SymPy translation applied to each matrix of a stack of object arrays. With `limit`, a matrix
    with more than `limit` rows and columns is translated by `above` (opaque.py's functions), or
    without one raises NotDifferentiableError naming `name` (the op) first."""

    def translate(x):
        x = np.asarray(x, dtype=object)
        one = fn
        if limit is not None and min(x.shape[-2:]) > limit:
            if above is None:
                _too_big(name, x.shape[-2:], f"{limit}×{limit}")
            one = above
        flat = x.reshape((_count(x.shape[:-2]),) + x.shape[-2:])
        outs = [np.asarray(one(_sp().Matrix(m)), dtype=object) for m in flat]
        res = np.empty(len(outs), dtype=object) if outs[0].ndim == 0 else None
        if res is not None:
            res[:] = [o[()] for o in outs]
            return res.reshape(x.shape[:-2])
        return np.stack(outs).reshape(x.shape[:-2] + outs[0].shape)

    return translate


def _square_strategy(b, name, x, picks, c):
    """A symmetric positive definite matrix built from x: v vᵀ + 2·I with v = x flattened (x's sum
    when x has more than 2 entries: SymPy's symbolic inverse and determinant grow fast with size)."""
    n = int(np.prod(b.shape(x)))
    if n > 2:
        x, n = b.emit("sum", x, axis=None, keepdims=False), 1
    col = b.emit("reshape", x, shape=(n, 1))
    row = col if n == 1 else b.emit("reshape", x, shape=(1, n))
    return b.emit(name, b.emit("add", b.emit("mul", col, row), 2.0 * np.eye(n)))


def _trailing_scalar(v):
    """v with two unit axes appended, so a per-matrix scalar broadcasts against the matrices."""
    return _reshape(v, _shape(v) + (1, 1))


def _last_two(t):
    return (_ndim(t) - 2, _ndim(t) - 1)


# -- length scales of matrix arguments (`Op.scale`; the numeric method's guard, differentiators/scales.py) ------
# One number per matrix, shaped (..., 1, 1) so that it broadcasts over the matrix's entries: how far (in
# any entry) the matrix may move before the op stops looking like its Taylor polynomial. Infinite where the
# matrix is not finite (LAPACK refuses it) or the op has no such distance there.


def matrix_scale(fn):
    """The `Op.scale` of a matrix argument from `fn(finite matrices (k, m, n), **params) -> (k,)`."""

    def scale(x, *rest, **params):
        x = np.asarray(x, dtype=complex if np.iscomplexobj(x) else float)  # (a complex intermediate: eigh, svd, eig)
        out = np.full(x.shape[:-2] + (1, 1), np.inf)
        ok = np.isfinite(x).all(axis=(-2, -1)) if x.size else np.zeros(x.shape[:-2], bool)
        if ok.any():
            used = params.get("used")
            if used is not None:  # (Op.scale_used: a mask of the output's elements per matrix, the finite ones kept)
                params = dict(params, used=np.broadcast_to(used, x.shape[:-2] + np.shape(used)[-1:])[ok])
            out[ok] = np.reshape(fn(x[ok], **params), (-1, 1, 1))
        return out

    return scale


def least_singular(x):
    """The least singular value: the distance (2-norm) to the nearest singular matrix, inv's and log|det|'s pole."""
    return np.linalg.svd(x, compute_uv=False)[..., -1]


# -- above SYMPY_MATRIX_LIMIT: the symbolic method's opaque matrix functions (opaque.py) ---------------
# X = A⁻¹, D = det A, C = adj(A)ᵀ (det's gradient), each entry a SymPy function of A's entries whose
# derivative in a_kl is written with them: dX_ij = −X_ik X_lj; dD = C_kl; dC_ij = D2_(ij),(kl), the part
# `cofactor_d` (det's second derivative by the SVD, exact where A is singular: C_kl X_ji − C_il X_jk is
# d(D X_ji) only where A⁻¹ exists), whose own derivative is that A⁻¹ form's; d log|D| = X_lk; the sign of D: 0.


def _one_by_one(x):
    """A per-matrix scalar (...,) as a (..., 1, 1) part."""
    return _reshape(x, _shape(x) + (1, 1))


def _mp():
    import mpmath  # (high precision only: `import difflab` does not load it)

    return mpmath


def _mp_scalar(value):
    return (_mp().matrix([[value]]),)


def _mp_cofactor(a):
    return (_mp().det(a) * _mp().inverse(a).T,)


def _unit_directions(n):
    """The n² unit n×n matrices E_kl, stacked (n², n, n) in row-major order of (k, l)."""
    return np.eye(n * n).reshape(n * n, n, n)


def _cofactor_d(a):
    """D[..., n·i + j, n·k + l] = dC_ij / da_kl (C = adj(A)ᵀ, det's second derivative) by the SVD: exact where
    A is singular, where the A⁻¹ form C_kl X_ji − C_il X_jk does not exist (a 5×5 det's Hessian there was
    NumPy's LinAlgError under symbolic)."""
    n = a.shape[-1]
    d = _cofactor_jvp_svd(_unit_directions(n), a[..., None, :, :])  # (..., kl, i, j)
    return np.swapaxes(d.reshape(a.shape[:-2] + (n * n, n * n)), -1, -2)


def _cofactor_d_traced(a):
    n = _shape(a)[-1]
    d = cofactor_dk(_reshape(a, _shape(a)[:-2] + (1, n, n)), _unit_directions(n))
    return _swap_last(_reshape(d, _shape(a)[:-2] + (n * n, n * n)))


def _mp_cofactor_d(a):
    mp, n = _mp(), a.rows
    x = mp.inverse(a)
    c = mp.det(a) * x.T
    d = mp.matrix(n * n, n * n)
    for i, j, k, l in itertools.product(range(n), repeat=4):
        d[i * n + j, k * n + l] = c[k, l] * x[j, i] - c[i, l] * x[j, k]
    return (d,)


def _cofactor_d_rule(s):
    """d D_(ij),(kl) / da_pq = D_(kl),(pq) X_ji − C_kl X_jp X_qi − D_(il),(pq) X_jk + C_il X_jp X_qk (the A⁻¹ form:
    det's third derivative, which needs A⁻¹; its second is exact at a singular A)."""
    n = s.cols
    (i, j), (k, l), (p, q) = divmod(s.i, n), divmod(s.j, n), (s.k, s.l)
    d = lambda r, t: s.at("cofactor_d", 0, r, t)  # noqa: E731
    c = lambda r, t: s.at("cofactor", 0, r, t)  # noqa: E731
    x = lambda r, t: s.at("inv", 0, r, t)  # noqa: E731
    return (
        d(k * n + l, p * n + q) * x(j, i)
        - c(k, l) * x(j, p) * x(q, i)
        - d(i * n + l, p * n + q) * x(j, k)
        + c(i, l) * x(j, p) * x(q, k)
    )


def _square_parts(count):
    return lambda rows, cols: [(rows, cols)] * count


def _regular(a):
    """1 per matrix LAPACK inverts (0 for "logabsdet_pole"); at a singular one np.linalg.inv raises, and
    opaque.py's refused parts make the entry the kind's `refused` value, with the DomainWarning."""
    np.linalg.inv(a)
    return (np.ones(a.shape[:-2] + (1, 1)),)


def _traced_regular(a):
    first = inv(a)[..., :1, :1]
    return (first - first + 1.0,)  # NaN where inv is (a singular matrix), else 1; its derivative 0


def _regular_slope(s):
    """Both kinds' derivative: regular − 1, 0 where A is invertible and NaN where it is not, at every order."""
    return s.at("regular", 0, 0, 0) - 1


# The explicit (≤ 4×4) inverse and log|det| are rational in the entries, and at an exactly singular A
# their det rounds to ~1e-17 rather than 0: finite numbers where NumPy refuses A and every other method
# answers NaN (realcode26). inv carries the factor "regular" (1, NaN where LAPACK cannot invert A), and
# log|det| the term "logabsdet_pole" (0, -inf there, as NumPy's log|det|); each derivative is regular − 1,
# so every derivative order is NaN there, as the other methods'. (Opaque functions: SymPy cannot cancel them.)
matrix_kind(
    "regular",
    _regular,
    lambda a: _mp_scalar(1 if _mp().det(a) != 0 else _mp().nan),
    _traced_regular,
    {0: _regular_slope},
    lambda rows, cols: [(1, 1)],
)
matrix_kind(
    "logabsdet_pole",
    lambda a: (_regular(a)[0] - 1.0,),
    lambda a: _mp_scalar(0 if _mp().det(a) != 0 else _mp().ninf),
    lambda a: (_traced_regular(a)[0] - 1.0,),
    {0: _regular_slope},
    lambda rows, cols: [(1, 1)],
    refused=-np.inf,
)


def _regular_factor(m, kind="regular"):
    return opaque_translation(kind, 0, scalar=True)(m)


def _inverse_reader(c):
    """x(p, q): entry (p, q) of X = A⁻¹ for the matrix rules (`c`, an opaque.Cotangent or Tangent), 0 outside the
    triangle of a triangular A (solve_triangular's: its other entries the number 0): X is triangular the same way at
    every A nearby, its other entries 0 with derivative 0, left out of the products."""
    n, entries = c.rows, c.entries
    lower = all(entries[p * n + q] == 0 for p in range(n) for q in range(p + 1, n))
    upper = all(entries[q * n + p] == 0 for p in range(n) for q in range(p + 1, n))
    return lambda p, q: 0 if (lower and p < q) or (upper and p > q) else c.at("inv", 0, p, q)


def _inv_tangent(t, part, i, j):
    """Entry (i, j) of dX = −X dA X (X = A⁻¹) along dA (`t`, opaque.Tangent) in matrix form: X dA once per matrix
    and direction (`t.memo`, each entry a named sum), then −Σ_q (X dA)_iq X_qj: O(n³) products for all n² entries,
    where the entry rules take n² partials of each (a symbolic JVP through a 5×5 solve: 625 partials)."""
    n = t.rows
    if "xda" not in t.memo:
        x, da = _inverse_reader(t), lambda p, q: t.d[p * n + q]  # noqa: E731
        pairs = lambda p, q: [(x(p, k), da(k, q)) for k in range(n)]  # noqa: E731
        t.memo["x"] = x
        t.memo["xda"] = [
            [named_sum(total([product(u, v) for u, v in pairs(p, q) if u != 0 and v != 0])) for q in range(n)]
            for p in range(n)
        ]
    x, xda, minus = t.memo["x"], t.memo["xda"], _sp().S.NegativeOne
    return total([product(minus, product(xda[i][q], x(q, j))) for q in range(n) if xda[i][q] != 0 and x(q, j) != 0])


def _inv_cotangent(c):
    """Ā = −Xᵀ X̄ Xᵀ (X = A⁻¹) from X̄ (`c`, opaque.Cotangent), the transpose of dX = −X dA X in matrix form:
    M = Xᵀ X̄, each entry a named sum, then Ā_kl = −Σ_q M_kq X_lq. 2n³ products per matrix, where the entry rules
    take n² partials of each of X's n² entries, which a Hessian's second sweep then differentiates again (a 6×6
    solve, np.linalg.solve's inv: tests/test_symbolic_linalg_reverse.py); about half of them for a triangular A."""
    n, x = c.rows, _inverse_reader(c)
    bars = [[c.bar(0, p, q) for q in range(n)] for p in range(n)]
    m = [
        [
            named_sum(total([product(x(p, k), bars[p][q]) for p in range(n) if bars[p][q] != 0 and x(p, k) != 0]))
            for q in range(n)
        ]
        for k in range(n)
    ]
    minus = _sp().S.NegativeOne
    return [
        total([product(product(minus, m[k][q]), x(l, q)) for q in range(n) if m[k][q] != 0 and x(l, q) != 0])
        if c.wanted[k * n + l]
        else 0
        for k in range(n)
        for l in range(n)
    ]


matrix_kind(
    "inv",
    lambda a: (np.linalg.inv(a),),  # (a singular A: opaque.py's refused parts, NaN with the DomainWarning)
    lambda a: (_mp().inverse(a),),
    lambda a: (inv(a),),
    {0: lambda s: -s.at("inv", 0, s.i, s.k) * s.at("inv", 0, s.l, s.j)},
    _square_parts(1),
    tangent=_inv_tangent,
    cotangent=_inv_cotangent,
)
matrix_kind(
    "cofactor",
    lambda a: (_cofactor(a),),
    _mp_cofactor,
    lambda a: (cofactor(a),),
    {
        0: lambda s: s.at("cofactor_d", 0, s.i * s.cols + s.j, s.k * s.cols + s.l)  # det's 2nd derivative, by the SVD
    },
    _square_parts(1),
)
matrix_kind(
    "det",
    lambda a: (np.linalg.det(a)[..., None, None],),
    lambda a: _mp_scalar(_mp().det(a)),
    lambda a: (_one_by_one(det(a)),),
    {0: lambda s: s.at("cofactor", 0, s.k, s.l)},
    lambda rows, cols: [(1, 1)],
)
matrix_kind(
    "cofactor_d",
    lambda a: (_cofactor_d(a),),
    _mp_cofactor_d,
    lambda a: (_cofactor_d_traced(a),),
    {0: _cofactor_d_rule},
    lambda rows, cols: [(rows * cols, rows * cols)],
)
matrix_kind(
    "logabsdet",
    lambda a: (_logabsdet(a)[..., None, None],),
    lambda a: _mp_scalar(_mp().log(abs(_mp().det(a)))),
    lambda a: (_one_by_one(logabsdet(a)),),
    {0: lambda s: s.at("inv", 0, s.l, s.k)},
    lambda rows, cols: [(1, 1)],
)
matrix_kind(
    "detphase",
    lambda a: (_detphase(a)[..., None, None],),
    lambda a: _mp_scalar(_mp().sign(_mp().det(a))),
    lambda a: (_one_by_one(detphase(a)),),
    {0: lambda s: _sp().Integer(0)},
    lambda rows, cols: [(1, 1)],
)


# The rules contract the (co)tangent strongly (strong_matmul, strong_mul): in a stack of matrices,
# a cotangent that is 0 for a matrix holding a NaN gives that matrix 0, not 0·NaN
inv = defop(
    "inv",
    np.linalg.inv,
    jvp=(lambda t, out, x: -strong_matmul(out, strong_matmul(t, out)),),
    vjp=(lambda ct, out, x: -strong_matmul(_swap_last(out), strong_matmul(ct, _swap_last(out))),),
    sympy=_per_matrix(
        lambda m: np.array((m.inv() * _regular_factor(m)).tolist(), dtype=object),
        "inv",
        SYMPY_MATRIX_LIMIT,
        opaque_translation("inv", 0),
    ),
    sympy_complex=_on_complex_linalg("inv"),
    samples=_square_samples,
    numpy=("linalg.inv",),
    strategy=_square_strategy,
    complex=True,  # holomorphic as written: −X dA X, its VJP −Xᵀ ū Xᵀ
    doc="matrix inverse (stacks of matrices too)",
    scale=(matrix_scale(least_singular),),
)


def _cofactor(x):
    """adj(A)ᵀ, the gradient of det A, by the SVD: A = U diag(s) Vᵀ gives adj(A)ᵀ = det(U) det(V) ·
    U diag(∏_{j≠i} s_j) Vᵀ, the products taken without a division, so it is exact where A is singular
    (det · A⁻ᵀ is 0 · ∞ there: adj of a rank n − 1 matrix is not 0)."""
    x = np.asarray(x, dtype=complex if np.iscomplexobj(x) else float)
    if x.shape[-1] == 0:
        return np.zeros_like(x)
    if x.shape[-1] <= 2:  # its entries themselves: exact (by the SVD [[2.25, .25], [.25, 2.25]] gave 2.2500000000000004
        # and 2.25 on the diagonal, a tie that max then broke by rounding, unlike symbolic's exact value)
        return _cofactor_small(x)
    bad = ~np.isfinite(x).all(axis=(-2, -1))  # LAPACK refuses them: a NaN matrix, as NumPy's det gives NaN
    if bad.any():
        x = np.where(bad[..., None, None], 0.0, x)
    u, s, vt = np.linalg.svd(x)
    ones = np.ones(s.shape[:-1] + (1,))
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)  # ∏_{j<i} s_j
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]  # ∏_{j>i} s_j
    sign = np.linalg.det(u) * np.linalg.det(vt)
    # complex A = U S Vᴴ: adj(A)ᵀ = det U det Vᴴ · conj(U) cof(S) conj(Vᴴ) (U⁻ᵀ = conj(U) for a unitary U)
    cof = sign[..., None, None] * ((u.conj() * (before * after)[..., None, :]) @ vt.conj())
    return np.where(bad[..., None, None], np.nan, cof) if bad.any() else cof


def _cofactor_small(x):
    """adj(A)ᵀ of 1×1 and 2×2 matrices: [[1]] and [[d, −c], [−b, a]] (holomorphic: no conjugates)."""
    if x.shape[-1] == 1:
        return np.where(np.isfinite(x), np.ones_like(x), np.nan)
    a, b, c, d = x[..., 0, 0], x[..., 0, 1], x[..., 1, 0], x[..., 1, 1]
    cof = np.stack([np.stack([d, -c], axis=-1), np.stack([-b, a], axis=-1)], axis=-2)
    bad = ~np.isfinite(x).all(axis=(-2, -1))  # a NaN matrix, as NumPy's det gives NaN
    return np.where(bad[..., None, None], np.nan, cof) if bad.any() else cof


def _rule_inv(x, say=True):
    """A⁻¹ inside a derivative rule (log|det|'s, the cofactor's, QR's R⁻¹). Where a concrete A is singular the
    derivative is infinite (log|det|, whose value is -inf) or not computed by these rules (the
    cofactor's): NaN for that matrix of a stack, with a DomainWarning naming the user's equation (`say`; QR's
    rules pass False: its qr_signs equation has said it), rather than NumPy's LinAlgError (DESIGN.md §6). A traced
    A records `inv` (its trace gives NaN so)."""
    try:
        return inv(x)
    except np.linalg.LinAlgError:
        if not isinstance(x, np.ndarray):
            raise
    flat = x.reshape((_count(x.shape[:-2]),) + x.shape[-2:])
    out = np.full(flat.shape, np.nan, dtype=flat.dtype)
    for k, m in enumerate(flat):
        try:
            out[k] = np.linalg.inv(m)
        except np.linalg.LinAlgError:
            pass
    if not say:
        return out.reshape(x.shape)
    origin = deriving_from()
    where = str(origin).split(" :")[0] if origin is not None else "inv"
    warn_domain(where, f"{where}: its derivative needs A⁻¹ and A is singular here; the derivative holds NaN")
    return out.reshape(x.shape)


def nan_where_non_finite(a, fn):
    """fn(a) (an array or a tuple of them); where LAPACK refuses a matrix of the stack a holding a NaN ("did not
    converge") or a holds an inf (gesdd, under np.linalg.svd with U and Vᵀ and under pinv, can loop forever on
    one), NaN for each matrix holding a NaN or inf, computed at the identity in its place, as JAX's
    decompositions give: the rules evaluate these on concrete values, where no interpreter catches an error.
    (A NaN matrix LAPACK answers keeps its answer: finite entries a NaN does not reach stay finite.)"""
    if not np.isinf(a).any():
        try:
            return fn(a)
        except np.linalg.LinAlgError:
            if np.isfinite(a).all():
                raise  # (a finite matrix outside the domain: the interpreters' to answer, naming the equation)
    bad = ~np.isfinite(a).all(axis=(-2, -1))
    out = fn(np.where(bad[..., None, None], np.eye(*np.shape(a)[-2:], dtype=np.asarray(a).dtype), a))

    def mark(o):
        return np.where(bad.reshape(bad.shape + (1,) * (np.ndim(o) - bad.ndim)), np.nan, o)

    return tuple(mark(o) for o in out) if isinstance(out, tuple) else mark(out)


def _tr_inv_times(x, t):
    """tr(A⁻¹ T) per matrix, shaped (..., 1, 1)."""
    return _trailing_scalar(REGISTRY["sum"](strong_mul(_swap_last(_rule_inv(x)), t), axis=_last_two(t), keepdims=False))


def _cofactor_frame(x):
    """(det U det V, U, V, Q) of A = U S Vᵀ: Q_ik = ∏_{j ∉ {i, k}} s_j off the diagonal, 0 on it (no division)."""
    u, s, vt = np.linalg.svd(x)
    n = s.shape[-1]
    rows = np.where(np.eye(n, dtype=bool), 1.0, s[..., None, :])  # row i: s with s_i replaced by 1
    ones = np.ones(rows.shape[:-1] + (1,))
    before = np.cumprod(np.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, rows[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = (np.linalg.det(u) * np.linalg.det(vt))[..., None, None]
    # of a complex A: conj(U) and V = (Vᴴ)ᴴ in U's and V's places (see _cofactor), the rules unchanged
    return sign, u.conj(), np.swapaxes(vt, -1, -2).conj(), np.where(np.eye(n, dtype=bool), 0.0, before * after)


def _cofactor_jvp_svd(t, x):
    """d cof(A)[T] by the SVD, exact at a singular A: cof(U S Vᵀ) = det U det V · U cof(S) Vᵀ and, with
    E = Uᵀ T V, d cof(S)[E] = diag(Q diag E) − Q∘Eᵀ (a minor of a diagonal matrix moves only with E's
    diagonal, or with the one entry that fills the removed row and column)."""
    sign, u, v, q = _cofactor_frame(x)
    e = np.swapaxes(u, -1, -2) @ t @ v
    d = np.einsum("...ik,...kk->...i", q, e)
    return sign * (u @ (d[..., :, None] * np.eye(q.shape[-1]) - q * np.swapaxes(e, -1, -2)) @ np.swapaxes(v, -1, -2))


def _cofactor_vjp_svd(ct, x):
    """The adjoint of `_cofactor_jvp_svd`: with G = det U det V · Uᵀ C̄ V, Ā = U (diag(Q diag G) − (Q∘G)ᵀ) Vᵀ."""
    sign, u, v, q = _cofactor_frame(x)
    g = sign * (np.swapaxes(u, -1, -2) @ ct @ v)
    d = np.einsum("...ik,...kk->...i", q, g)
    return u @ (d[..., :, None] * np.eye(q.shape[-1]) - np.swapaxes(q * g, -1, -2)) @ np.swapaxes(v, -1, -2)


def _svd_form(x) -> bool:
    """Whether the cofactor's rules take the SVD's form at a concrete x: at every finite, non-empty one.
    The A⁻¹ form (det · A⁻ᵀ terms) loses cond(A)·eps of |cof|: every digit at a nearly singular A
    (cond 3e16: det″ −0.873 for 0.860), and A⁻¹ does not exist at a singular one. A non-finite A keeps
    the A⁻¹ form, whose NaN comes with the DomainWarning naming the equation."""
    return isinstance(x, np.ndarray) and x.size > 0 and bool(np.isfinite(x).all())


def _cofactor_jvp(t, out, x):
    if _svd_form(x) and not isinstance(t, Traced):
        return _cofactor_jvp_svd(t, x)
    if isinstance(x, Traced) or _svd_form(x):  # as an entry (the SVD's form, right at any A), differentiable
        return cofactor_dk(x, t)  # again: det‴ at a singular A, and a trace reused at one
    return strong_mul(out, _tr_inv_times(x, t)) - strong_matmul(
        out, strong_matmul(_swap_last(t), _swap_last(_rule_inv(x)))
    )


def _cofactor_vjp(ct, out, x):
    if _svd_form(x) and not isinstance(ct, Traced):
        return _cofactor_vjp_svd(ct, x)
    if isinstance(x, Traced) or _svd_form(x):  # d cof is self-adjoint (⟨C, d cof[T]⟩ = d²det[C, T]): the same entry
        return cofactor_dk(x, ct)
    total = _trailing_scalar(REGISTRY["sum"](strong_mul(ct, out), axis=_last_two(ct), keepdims=False))
    return strong_mul(total, _swap_last(_rule_inv(x))) - strong_matmul(
        _swap_last(_rule_inv(x)), strong_matmul(_swap_last(ct), out)
    )


# d cof by the SVD's exact form (_cofactor_jvp_svd) at every finite concrete A: right at a singular and a nearly
# singular one, where d cof = cof · tr(A⁻¹ dA) − cof dAᵀ A⁻ᵀ loses every digit or does not exist (that form stays
# for a non-finite A, its NaN with the DomainWarning). A traced A (a third derivative, or a rule traced by the
# compiled tier) records the `cofactor_dk` entry, the SVD's form at any A
cofactor = defop(
    "cofactor",
    _cofactor,
    jvp=(_cofactor_jvp,),
    vjp=(_cofactor_vjp,),
    sympy=_per_matrix(
        lambda m: np.array(m.adjugate().T.tolist(), dtype=object),
        "cofactor",
        SYMPY_MATRIX_LIMIT,
        opaque_translation("cofactor", 0),
    ),
    sympy_complex=True,
    samples=_square_samples,
    strategy=_square_strategy,
    complex=True,  # a polynomial in A, its rules holomorphic as written (the SVD's with conj(U), V: _cofactor_frame)
    doc="adj(A)ᵀ, the cofactor matrix: det's gradient (finite and exact where A is singular)",
)


def _triples(s):
    """P[..., i, j, c] = ∏_{l ∉ {i, j, c}} s_l for distinct i, j, c, else 0 (no division: exact where s has zeros)."""
    n = s.shape[-1]
    idx = np.arange(n)
    hit = (idx[:, None, None, None] == idx) | (idx[None, :, None, None] == idx) | (idx[None, None, :, None] == idx)
    p = np.prod(np.where(hit, 1.0, s[..., None, None, None, :]), axis=-1)
    distinct = (idx[:, None, None] != idx[None, :, None]) & (idx[:, None, None] != idx) & (idx[None, :, None] != idx)
    return np.where(distinct, p, 0.0)


def _cofactor_d2_svd(x, t, r):
    """d² cof(A)[T, R] by the SVD (A = U S Vᵀ, E = Uᵀ T V, F = Uᵀ R V), exact at a singular A: the third
    derivative of det at a diagonal S, d³det[e_ij, E, F] = Σ over the 3×3 principal minors through i and j
    of their mixed determinant times the other singular values' product (det(S + X) = Σ_R det X_RR ∏_{l∉R} s_l):
    diagonal Σ_ab P_iab (E_aa F_bb − E_ab F_ba), off it Σ_c P_ijc (E_jc F_ci + F_jc E_ci − E_ji F_cc − F_ji E_cc)."""
    x = np.asarray(x)
    sign, u, v, _ = _cofactor_frame(x)
    p = _triples(np.linalg.svd(x, compute_uv=False))
    e, f = (np.swapaxes(u, -1, -2) @ np.asarray(m) @ v for m in (t, r))
    de, df = (np.diagonal(m, axis1=-2, axis2=-1) for m in (e, f))
    diag = np.einsum("...iab,...a,...b->...i", p, de, df) - np.einsum("...iab,...ab,...ba->...i", p, e, f)
    off = np.einsum("...ijc,...jc,...ci->...ij", p, e, f) + np.einsum("...ijc,...jc,...ci->...ij", p, f, e)
    off = off - np.swapaxes(e, -1, -2) * np.einsum("...ijc,...c->...ij", p, df)
    off = off - np.swapaxes(f, -1, -2) * np.einsum("...ijc,...c->...ij", p, de)
    d2 = off + diag[..., :, None] * np.eye(x.shape[-1])
    return sign * (u @ d2 @ np.swapaxes(v, -1, -2))


def _cofactor_dk_svd(x, ts):
    """d^k cof(A)[T1, ..., Tk] by the SVD for any k (A = U S Vᵀ, Ei = Uᵀ Ti V), exact at a singular A. det is
    multilinear in rows: the coefficient of z·t1⋯tk in det(S + zZ + Σ ti Ei) takes Z's row a and Ei's row ρ(i)
    (distinct rows) and S's other rows, whose single entries leave ∏_{l∉R} s_l times the determinant of the
    taken rows on the columns R = {a} ∪ ρ (no division). Its gradient in Z's row a is that matrix's cofactor
    row, summed over the injections ρ of the directions into the rows other than a (0 where k ≥ n)."""
    x = np.asarray(x)
    sign, u, v, _ = _cofactor_frame(x)
    s = np.linalg.svd(x, compute_uv=False)
    es = [np.swapaxes(u, -1, -2) @ np.asarray(t) @ v for t in ts]
    n = x.shape[-1]
    lead = np.broadcast_shapes(x.shape[:-2], *(e.shape[:-2] for e in es))
    es = [np.broadcast_to(e, lead + (n, n)) for e in es]  # (stacked below: directions of one stack and of many)
    g = np.zeros(lead + (n, n), dtype=np.result_type(*es, s))
    for rows in itertools.permutations(range(n), len(es)):
        for a in sorted(set(range(n)) - set(rows)):
            cols = sorted(rows + (a,))
            weight = np.prod(s[..., [col for col in range(n) if col not in cols]], axis=-1)
            taken = np.stack([es[rows.index(r)][..., r, cols] for r in cols if r != a], axis=-2)  # (..., k, k+1)
            minors = np.stack([np.delete(taken, q, axis=-1) for q in range(len(cols))], axis=-3)
            at = cols.index(a)
            signs = np.array([(-1.0) ** (at + q) for q in range(len(cols))])
            g[..., a, cols] += (weight[..., None] * signs) * np.linalg.det(minors)
    return sign * (u @ g @ np.swapaxes(v, -1, -2))


def _cofactor_dk_impl(x, *ts):
    """d^k cof(A)[T1, ..., Tk] (k = len(ts)): the vectorised closed forms for k = 1, 2, the general sum beyond."""
    x, ts = np.asarray(x), [np.asarray(t) for t in ts]
    if len(ts) == 1:
        return _cofactor_jvp_svd(ts[0], x)
    if len(ts) == 2:
        return _cofactor_d2_svd(x, *ts)
    return _cofactor_dk_svd(x, ts)


def _sympy_cofactor_derivative(m, *ts):
    """SymPy's d^k cof(M)[T1, ..., Tk] (k = len(ts)), per matrix of a stack, up to SYMPY_MATRIX_LIMIT."""
    sp = _sp()
    order = len(ts)
    m, *ts = (np.asarray(a, dtype=object) for a in (m, *ts))
    if min(m.shape[-2:]) > SYMPY_MATRIX_LIMIT:
        _too_big(
            f"the derivative of cofactor (order {order})", m.shape[-2:], f"{SYMPY_MATRIX_LIMIT}×{SYMPY_MATRIX_LIMIT}"
        )
    eps = sp.symbols(f"eps0:{order}", real=True)
    lead = np.broadcast_shapes(*[a.shape[:-2] for a in (m, *ts)])
    flat = [np.broadcast_to(a, lead + a.shape[-2:]).reshape((_count(lead),) + a.shape[-2:]) for a in (m, *ts)]
    out = []
    for mats in zip(*flat):
        moved = sp.Matrix(mats[0]) + sum((e * sp.Matrix(t) for e, t in zip(eps, mats[1:])), sp.zeros(*m.shape[-2:]))
        cof = moved.adjugate().T
        for e in eps:
            cof = cof.diff(e)
        out.append(np.array(cof.subs({e: 0 for e in eps}).tolist(), dtype=object))
    return np.stack(out).reshape(lead + m.shape[-2:])


def _cofactor_dk_samples(rng):
    """Well-conditioned square matrices with 1, 2 and 3 directions (single and stacked)."""
    return [
        ((draw("real", (3, 3), rng) + 3.0 * np.eye(3), *[draw("real", (3, 3), rng) for _ in range(k)]), {})
        for k in (1, 2, 3)
    ] + [((draw("real", (2, 3, 3), rng) + 3.0 * np.eye(3), *[draw("real", (3, 3), rng) for _ in range(2)]), {})]


def _cofactor_dk_strategy(b, name, x, picks, c):
    """det's matrix v vᵀ + 2·I of x, repeated as one or two directions."""
    n = int(np.prod(b.shape(x)))
    if n > 2:
        x, n = b.emit("sum", x, axis=None, keepdims=False), 1
    col = b.emit("reshape", x, shape=(n, 1))
    m = b.emit("add", b.emit("mul", col, col if n == 1 else b.emit("reshape", x, shape=(1, n))), 2.0 * np.eye(n))
    return b.emit(name, m, *[m] * (1 + c.take(2)))


def _cofactor_dk_rule(i):
    """d cof_k in argument i (A: i = 0, else the direction Ti), as a JVP and as a VJP: cof_k[T1..Tk] is det's
    (k+1)-th derivative with one slot open, symmetric in all k + 2 slots, so a tangent of A is one more
    direction, a tangent of Ti takes Ti's place, and a cotangent (paired without conjugation) does the same."""

    def rule(t, out, x, *ts):
        return cofactor_dk(x, *ts, t) if i == 0 else cofactor_dk(x, *ts[: i - 1], t, *ts[i:])

    return rule


# The derivatives of cof, as one entry so every order differentiates again (det‴, det⁗, ... at a singular A):
# cofactor_dk(A, T1, ..., Tk) = d^k cof(A)[T1, ..., Tk], by the SVD's division-free forms at any A
cofactor_dk = defop(
    "cofactor_dk",
    _cofactor_dk_impl,
    internal=True,
    jvp=(_cofactor_dk_rule,),
    vjp=(_cofactor_dk_rule,),
    batch=broadcast_batch("cofactor_dk"),  # (the forms above broadcast the matrix's and directions' stacks)
    nargs=None,
    sympy=_sympy_cofactor_derivative,
    samples=_cofactor_dk_samples,
    strategy=_cofactor_dk_strategy,
    complex=True,
    doc="d^k cof(A)[T1, ..., Tk] by the SVD (det's (k+1)-th derivative with one slot open; exact where A is singular)",
)

det = defop(
    "det",
    np.linalg.det,
    jvp=(lambda t, out, x: REGISTRY["sum"](strong_mul(cofactor(x), t), axis=_last_two(t), keepdims=False),),
    vjp=(lambda ct, out, x: strong_mul(_trailing_scalar(ct), cofactor(x)),),
    sympy=_per_matrix(lambda m: m.det(), "det", SYMPY_MATRIX_LIMIT, opaque_translation("det", 0, scalar=True)),
    sympy_complex=_on_complex_linalg("det"),
    samples=_square_samples,
    numpy=("linalg.det",),
    strategy=_square_strategy,
    complex=True,  # holomorphic: d det = tr(adj(A) dA), its VJP ū · cof(A)
    doc="determinant; d det = tr(adj(A) dA) (= det · tr(A⁻¹ dA) where A is invertible)",
)


def _logabsdet(x):
    # + log|sign| (0 where A is invertible): at a singular A, log(0) says so as NumPy's log does (a
    # divide-by-zero the methods report as the DomainWarning naming the equation), not a silent -inf
    sign, logdet = np.linalg.slogdet(x)
    return logdet + np.log(np.abs(sign))


def _real(x):
    """Re x of a complex x (a real output's tangent); x itself otherwise."""
    return REGISTRY["real"](x) if is_complex(x) else x


def _tr_inv(t, x):
    """tr(A⁻¹ T) per matrix."""
    return REGISTRY["sum"](strong_mul(_swap_last(_rule_inv(x)), t), axis=_last_two(t), keepdims=False)


# of a complex A: d log|det A| = Re tr(A⁻¹ dA); its VJP ū · A⁻ᵀ unchanged (ū is real: Re(ū · tr(A⁻¹ T)))
logabsdet = defop(
    "logabsdet",
    _logabsdet,
    internal=True,
    jvp=(lambda t, out, x: _real(_tr_inv(t, x)),),
    vjp=(lambda ct, out, x: strong_mul(_trailing_scalar(ct), _swap_last(_rule_inv(x))),),
    sympy=_per_matrix(
        lambda m: _sp().log(_abs_fn()(m.det())) + _regular_factor(m, "logabsdet_pole"),
        "logabsdet",
        SYMPY_MATRIX_LIMIT,
        opaque_translation("logabsdet", 0, scalar=True),
    ),
    sympy_complex=_on_complex_linalg("logabsdet"),
    samples=_square_samples,
    strategy=_square_strategy,
    complex=True,
    doc="log |det A| (slogdet's second output), computed without overflow",
    scale=(matrix_scale(least_singular),),
    analytic=False,  # (not complex-analytic) log|det A|: complex step gave wrong slopes, silently
)


def _detphase(x):
    # NaN for a matrix holding a NaN or inf, as det's (LAPACK's slogdet answers a sign of 1 there)
    sign = np.linalg.slogdet(x)[0]
    finite = np.isfinite(x).all(axis=(-2, -1))
    return sign if finite.all() else np.where(finite, sign, np.nan)


def _phase_jvp(t, out, x):
    if not is_complex(out):  # ±1 of a real matrix: piecewise constant (0, also where a NaN matrix's sign is NaN)
        return np.zeros(_shape(out))
    return out * (1j * REGISTRY["imag_part"](_tr_inv(t, x)))


def _phase_vjp(ct, out, x):
    if not is_complex(out):
        return np.zeros(_shape(x))
    return strong_mul(_trailing_scalar(1j * REGISTRY["imag_part"](ct * out)), _swap_last(_rule_inv(x)))


# slogdet's first output, det/|det| without overflow: ±1 of a real A (derivative 0), of a complex A the
# phase s, ds = s · i Im tr(A⁻¹ dA) (not holomorphic); its VJP i Im(ū s) · A⁻ᵀ (the adjoint under Re Σ ū·t)
detphase = defop(
    "detphase",
    _detphase,
    internal=True,
    jvp=(_phase_jvp,),
    vjp=(_phase_vjp,),
    sympy=_per_matrix(
        lambda m: _sign_fn()(m.det()), "detphase", SYMPY_MATRIX_LIMIT, opaque_translation("detphase", 0, scalar=True)
    ),
    sympy_complex=_on_complex_linalg("detphase"),
    samples=_square_samples,
    strategy=_square_strategy,
    complex=True,
    doc="slogdet's sign: det A / |det A| (a phase of a complex A), computed without overflow",
    analytic=False,  # (not complex-analytic) det/|det|: complex step gave wrong slopes, silently
)


# -- einsum: one entry for every subscripts string ---------------------------------------------
#
# The front end normalises NumPy's subscripts to an explicit form over letters only ('...' expanded
# into unused letters, an implicit output written out), so the rules below see 'ij,jk->ik'. The
# derivative of an einsum in one operand is again an einsum: the JVP puts the tangent in that
# operand's place; the VJP contracts the cotangent with the other operands into that operand's
# subscripts. Two cases need constant operands in the VJP: a letter only that operand carries
# (summed away in the forward pass: the cotangent is broadcast back along it, a ones vector) and a
# letter repeated in it ('ii->i' reads a diagonal: the cotangent goes back onto the diagonal, an
# identity matrix joins the repeated axes).


def _fresh_letters(used, count):
    letters = [c for c in string.ascii_letters if c not in used]
    if len(letters) < count:
        raise ValueError(f"einsum: more than {len(string.ascii_letters)} distinct axes")
    return "".join(letters[:count])


def _split_subscripts(subscripts):
    ins, out = subscripts.split("->")
    return ins.split(","), out


def normalize_subscripts(subscripts, shapes) -> str:
    """NumPy's einsum subscripts as an explicit string over letters only.

    >>> normalize_subscripts("...j,j", [(2, 3), (3,)])
    'aj,j->a'
    >>> normalize_subscripts("ij,jk", [(2, 3), (3, 4)])
    'ij,jk->ik'
    """
    if not isinstance(subscripts, str):
        raise TypeError(
            "einsum: difflab takes the subscripts string form, einsum('ij,jk->ik', a, b); "
            "the interleaved (operand, sublist) form is not supported"
        )
    s = subscripts.replace(" ", "")
    ins, out = (s.split("->") + [None])[:2] if "->" in s else (s, None)
    ins = ins.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(ins)} operands but {len(shapes)} were given")
    ellipsis = 0
    for k, (sub, shape) in enumerate(zip(ins, shapes)):
        letters = sub.replace("...", "", 1)
        if not all(c in string.ascii_letters for c in letters):
            raise ValueError(f"einsum: invalid subscripts {sub!r} for operand {k} in {subscripts!r}")
        if "..." in sub:
            if len(letters) > len(shape):
                raise ValueError(f"einsum: operand {k} has {len(shape)} axes, fewer than its subscripts {sub!r} name")
            ellipsis = builtins.max(ellipsis, len(shape) - len(letters))
        elif len(letters) != len(shape):
            raise ValueError(f"einsum: operand {k} has {len(shape)} axes but its subscripts {sub!r} name {len(sub)}")
    ell = _fresh_letters(set(s), ellipsis)
    # each operand's '...' takes the last of the broadcast letters (broadcasting aligns axes from the right)
    ins = [
        sub.replace("...", ell[len(ell) - (len(shape) - len(sub) + 3) :]) if "..." in sub else sub
        for sub, shape in zip(ins, shapes)
    ]
    if out is None:  # implicit: the broadcast axes, then the letters used once, in alphabetical (ASCII) order
        counts = Counter("".join(ins))
        out = ell + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    else:
        if "..." in out:
            out = out.replace("...", ell)
        elif ellipsis:
            raise ValueError(f"einsum: subscripts {subscripts!r} broadcast over '...' but the output has no '...'")
        if not all(c in string.ascii_letters for c in out) or len(set(out)) != len(out):
            raise ValueError(f"einsum: invalid output subscripts {out!r} in {subscripts!r}")
        missing = set(out) - set("".join(ins))
        if missing:
            raise ValueError(f"einsum: output subscripts {sorted(missing)} of {subscripts!r} name no input axis")
    return ",".join(ins) + "->" + out


def _einsum_front(subscripts, *operands, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    """Einstein summation, like `numpy.einsum` (subscripts with '...', repeated letters and an
    implicit output; `optimize` is accepted and ignored: one contraction is one equation).

    >>> _einsum_front("ij,j->i", np.eye(2), np.array([1.0, 2.0]))
    array([1., 2.])
    """
    if out is not None:
        raise TypeError("einsum: out= is not supported by difflab (results are never written into arrays)")
    if dtype is not None:
        if not builtins.any(isinstance(x, Traced) or _holds_traced(x) for x in (subscripts, *operands)):
            # plain operands: NumPy's own (its values, dtype and casting rule's refusals)
            return np.einsum(subscripts, *operands, dtype=dtype, order=order, casting=casting, optimize=optimize)
        _einsum_cast_check(operands, np.dtype(dtype), casting)
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts,) + operands)
    res = einsum(*operands, subscripts=normalize_subscripts(subscripts, [_shape(x) for x in operands]))
    if dtype is not None and isinstance(res, Traced) and np.dtype(dtype).kind in "fc":
        res = res.astype(dtype)  # (NumPy's result dtype; the values are float64's, as every value: docs/api.md)
    return res


def _einsum_cast_check(operands, dtype, casting):
    """NumPy's einsum casts each operand to `dtype` by the rule `casting` ('safe' by default): float64 operands under
    dtype=np.float32 are refused in its words (difflab took them, a float32 result). A traced operand's NumPy dtype is
    float64 (complex128) when its trace had no float32 argument and no astype (Trace.narrow, Trace.casts): otherwise
    only the boundary knows it (boundary.out_dtypes), and the operand is not checked. An integer dtype of a traced
    operand (casting='unsafe') is refused by name: the result would have no derivative."""
    for k, x in enumerate(operands):
        if isinstance(x, Traced):
            trace = getattr(x, "_trace", None)
            if trace is None or trace.narrow or trace.casts:
                continue
            given = np.dtype(x.dtype)
        elif _holds_traced(x):  # (a list of traced values: its dtype is the boundary's too)
            continue
        else:
            given = np.result_type(x) if not isinstance(x, (list, tuple)) else np.asarray(x).dtype
        if not np.can_cast(given, dtype, casting):
            raise TypeError(
                f"Iterator operand {k} dtype could not be cast from {given!r} to {dtype!r} according to the rule "
                f"{casting!r}"
            )
    if dtype.kind not in "fc":
        raise ValueError(f"numpy.einsum(..., dtype={dtype}) would drop the derivative; give a float dtype")


def _from_sublists(args):
    """NumPy's interleaved einsum form `einsum(a, [0, 1], b, [1, 2], [0, 2])` as (subscripts, operands).
    Axis labels 0-25 become 'A'-'Z' and 26-51 'a'-'z' (NumPy's own mapping, so the implicit
    output's alphabetical order is the order of the integers), Ellipsis becomes '...'.

    >>> _from_sublists((np.eye(2), [0, 1], np.ones(2), [1], [0]))[0]
    'AB,B->A'
    """
    labels = string.ascii_uppercase + string.ascii_lowercase

    def letters(sublist):
        out = ""
        for label in sublist:
            if label is Ellipsis:
                out += "..."
            elif isinstance(label, (int, np.integer)) and not isinstance(label, bool) and 0 <= label < len(labels):
                out += labels[label]
            else:
                raise ValueError(f"einsum: sublist label {label!r} is neither Ellipsis nor an integer in [0, 52)")
        return out

    operands, subs = list(args[0::2]), list(args[1::2])
    if len(operands) > len(subs):  # an odd count: the last item is the output sublist
        output = operands.pop()
        return ",".join(map(letters, subs)) + "->" + letters(output), tuple(operands)
    return ",".join(map(letters, subs)), tuple(operands)


def strong_einsum_front(subscripts, *operands):
    """`_einsum_front` binding strong_einsum: the rules' contractions of a (co)tangent.

    >>> strong_einsum_front("i,i", np.array([0.0, 1.0]), np.array([np.nan, 2.0])).tolist()
    2.0
    """
    return strong_einsum(*operands, subscripts=normalize_subscripts(subscripts, [_shape(x) for x in operands]))


#: entries of a contraction's one loop (the product of every letter's size) above which it goes pairwise by NumPy's
#: contraction path (BLAS products): forward-over-forward's 'ai,ij,bj->ba' (16 × 64 × 64 × 64) took 7 ms in NumPy's
#: one loop over all four letters, 0.04 ms by the path; below this the path's search (10-30 µs) costs more than the loop
_PATH_LOOP = 2**15


def _contract(subscripts, *xs):
    """np.einsum(subscripts, *xs), pairwise along NumPy's greedy path where its one loop over every letter is long
    (numbers only: SymPy's and sparsity's object arrays keep the loop)."""
    if len(xs) > 1 and builtins.all(getattr(x, "dtype", np.dtype(float)).kind in "fc" for x in xs):
        ins, _ = _split_subscripts(subscripts)
        sizes: dict = {}
        for sub, x in zip(ins, xs):
            for c, d in zip(sub, _shape(x)):
                sizes[c] = builtins.max(d, sizes.get(c, 1))  # (a letter of size 1 in one operand broadcasts)
        if math.prod(sizes.values()) > _PATH_LOOP:
            return np.einsum(subscripts, *xs, optimize="greedy")
    return np.einsum(subscripts, *xs)


def _einsum_impl(*xs, subscripts):
    return _contract(subscripts, *xs)


def _einsum_jvp(i):
    def rule(t, out, *xs, subscripts):  # linear in each operand: the tangent takes its place
        return strong_einsum(*(xs[:i] + (t,) + xs[i + 1 :]), subscripts=subscripts)

    return rule


def _einsum_vjp(i):
    def rule(ct, out, *xs, subscripts):
        ins, o = _split_subscripts(subscripts)
        target, shape = ins[i], _shape(xs[i])
        operands = [ct] + [x for j, x in enumerate(xs) if j != i]
        subs = [o] + [sub for j, sub in enumerate(ins) if j != i]
        present = set("".join(subs))
        fresh = iter(_fresh_letters(set(subscripts), len(target)))
        result = ""
        for pos, c in enumerate(target):
            if c in target[:pos]:  # a repeated letter: back onto the diagonal
                d = next(fresh)
                operands.append(np.eye(shape[pos]))
                subs.append(c + d)
                result += d
                continue
            if c not in present:  # summed away in this operand alone: broadcast back along it
                operands.append(np.ones(shape[pos]))
                subs.append(c)
            result += c
        return strong_einsum(*operands, subscripts=",".join(subs) + "->" + result)

    return rule


def _einsum_batch(batched, *xs, subscripts, op=None):
    """The same contraction (by `op`: einsum, or strong_einsum for its own rule) with a batch
    letter leading the batched operands and the output."""
    ins, o = _split_subscripts(subscripts)
    b = _fresh_letters(set(subscripts), 1)
    ins = [b + sub if flag else sub for sub, flag in zip(ins, batched)]
    return (einsum if op is None else op)(*xs, subscripts=",".join(ins) + "->" + b + o)


def _einsum_strategy(b, name, x, picks, c):
    """x contracted with itself or another value of its shape: a transposed copy, a row-wise inner
    product, a trace-like diagonal sum or a full contraction."""
    x = b.rank1(x)
    s = b.shape(x)
    letters = string.ascii_lowercase[: len(s)]
    y = b.same_shape(x, picks[1:], 2)[1]
    kinds = [
        (letters + "->" + letters[::-1], (x,)),
        (f"{letters},{letters}->{letters[:-1]}", (x, y)),
        (f"{letters},{letters}->", (x, y)),
    ]
    if len(s) >= 2 and s[0] == s[1]:
        kinds.append(("aa" + letters[2:] + "->a", (x,)))
    subscripts, args = kinds[c.take(len(kinds))]
    return b.emit(name, *args, subscripts=subscripts)


def _einsum_samples(rng):
    calls = [
        ("ij,jk->ik", [(3, 4), (4, 2)]),
        ("ii->i", [(3, 3)]),
        ("ij->", [(2, 3)]),
        ("aij,ajk->aik", [(2, 3, 4), (2, 4, 2)]),
        ("i,j->ij", [(3,), (2,)]),
        ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
        ("ij,ij,j->i", [(2, 3), (2, 3), (3,)]),
        ("ba,a->ab", [(1, 3), (3,)]),
    ]
    return [(tuple(draw("real", s, rng) for s in shapes), {"subscripts": sub}) for sub, shapes in calls]


einsum = defop(
    "einsum",
    _einsum_impl,
    complex=True,
    jvp=(_einsum_jvp,),
    vjp=(_einsum_vjp,),
    nargs=None,
    batch=_einsum_batch,
    samples=_einsum_samples,
    numpy=("einsum",),
    front=_einsum_front,
    strategy=_einsum_strategy,
    index=lambda shapes, subscripts: None if "." in subscripts else (subscripts, 1.0),
    doc="Einstein summation over explicit subscripts ('ij,jk->ik'; the front end normalises '...' "
    "and implicit outputs)",
)


def _strong_einsum_impl(*xs, subscripts):
    if builtins.any(isinstance(x, Traced) for x in xs):  # values of an enclosing trace: recorded there
        return strong_einsum(*xs, subscripts=subscripts)
    return strong_contract(functools.partial(_contract, subscripts), *xs)


strong_einsum = defop(
    "strong_einsum",
    _strong_einsum_impl,
    complex=True,
    jvp=(_einsum_jvp,),
    vjp=(_einsum_vjp,),
    nargs=None,
    batch=lambda batched, *xs, subscripts: _einsum_batch(batched, *xs, subscripts=subscripts, op=strong_einsum),
    samples=_einsum_samples,
    strategy=_einsum_strategy,
    plain=einsum,
    doc="einsum with strong zeros (0 times NaN or inf is 0): the contraction in einsum's rules",
)

__all__ = [name for name, value in list(globals().items()) if isinstance(value, Op)]
