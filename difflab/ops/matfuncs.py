"""Matrix functions from SciPy as primitives: `sqrtm` (the principal matrix square root, SciPy's
`scipy.linalg.sqrtm`), `sylvester` (X with A X + X B = Q, SciPy's `solve_sylvester`), the solve
that sqrtm's rules are written with, and `expm` (SciPy's matrix exponential), whose rules are `frechet`,
L(A, E) (SciPy's expm_frechet; the cotangent L(Aᵀ, Ē)), and `logm` (SciPy's principal logarithm, whose rules are
`logm_frechet`, the corner of logm of the block matrix [[A, E], [0, A]], its own rules written as frechet's). L(A, E) is the corner of expm([[A, E], [0, A]]),
so its own derivative in A is a corner of L([[A, E], [0, A]], diag(F, F)): frechet again, any order nests
(symbolic: expm's and logm's closed forms at 1×1, above them opaque kinds with X, dX and d²X as parts, so up to
second order, a complex matrix by its real embedding; frechet and logm_frechet at 1×1). SciPy is imported when a value is computed (the `scipy` extra).

How it works. X = sqrtm(A) satisfies X X = A, so a tangent dA moves X by the dX with
X dX + dX X = dA: a Sylvester equation with A = B = X (for A = diag(4, 9), X = diag(2, 3) and
dX[i, j] = dA[i, j] / (X[i, i] + X[j, j])). The cotangent is the adjoint solve Xᵀ Ā + Ā Xᵀ = X̄.
The Sylvester solve's own rules are Sylvester solves (A dX + dX B = dQ − dA X − X dB; Q̄ solves
Aᵀ Q̄ + Q̄ Bᵀ = X̄, Ā = −Q̄ Xᵀ, B̄ = −Xᵀ Q̄), so derivatives of any order nest.

Complex matrices (forward, reverse and numeric; ops/complexes.py): both entries are holomorphic, their
rules hold as written (transposes, not conjugate transposes: the convention's VJP is the JVP's transpose);
a complex A, B or Q is solved in complex arithmetic (SciPy's complex Schur forms and trsyl).

Values and dtype are SciPy's: a real A with an eigenvalue on the negative real axis has no real
principal root, and its root is complex (the principal square roots of its eigenvalues: √−4 = 2i), a
stack's roots all complex when one is. Its derivative is the same Sylvester solve, complex; a real A's
tangent is real, and its cotangent the real part of the adjoint solve (the convention, ops/complexes.py).

Condition. sqrtm is differentiable where the Sylvester operator dX ↦ X dX + dX X is invertible: no two
eigenvalues of X sum to 0. That holds where A has no eigenvalue on the closed negative real axis
(−∞, 0], and for a real A along real directions at simple negative eigenvalues (√λ stays i√|λ|); two
complex conjugate eigenvalues of a real A that meet on the negative axis are the branch cut (roots ±i√|λ|).
A singular A (an eigenvalue 0) may have a root, but no derivative there (X ⊕ X is singular: the
Sylvester solve, like 1/(2√x) at 0, gives NaN with a DomainWarning); near it the derivative is large.
`sylvester` needs A and −B to share no eigenvalue; a zero Q gives X = 0 whatever A and B (strong
zeros, DESIGN.md §3: a zero tangent or cotangent of sqrtm gives 0 even where A is singular or NaN).

Symbolic: sqrtm has SymPy's closed form for 1×1 and 2×2 real matrices, (A + √det A · I) / √(tr A + 2√det A);
bigger ones, complex ones and a real A's complex root are opaque functions (opaque.py) whose parts are X,
K = (X ⊗ I + I ⊗ Xᵀ)⁻¹ and L = d²X, each part's derivative written with the parts (the section below), so every
order nests (a real A's complex root: the registry entry's `value_dtype`, program._translate). sylvester's SymPy form is
the Kronecker system (A ⊗ I + I ⊗ Bᵀ) vec X = vec Q solved by LU up to a 1×2 system, above it an opaque kind of
[[A, Q], [0, B]] with X and the system's inverse as parts (every order).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from .core import _count, _reshape, _shape, _sp, defop, draw
from .decompositions import _mp, _too_big
from .linalg import _per_matrix, _swap_last, strong_matmul
from .opaque import opaque_translation
from .shape import concatenate, getitem


def scipy_linalg():
    """`scipy.linalg`, or a one-line ImportError naming the extra that installs it."""
    try:
        import scipy.linalg
    except ImportError:
        raise ImportError(
            "this function needs SciPy, an optional dependency of difflab: pip install 'difflab[scipy]'"
        ) from None
    return scipy.linalg


def _no_value(why: str):
    """NumPy's answer outside a domain: under errstate(invalid='raise') (the interpreters') a
    FloatingPointError, which they turn into NaN with a DomainWarning naming the equation; else NaN,
    flagged to NumPy's error handling as an invalid operation is (a trace notes it)."""
    if np.geterr()["invalid"] == "raise":
        raise FloatingPointError(why)
    return np.sqrt(np.float64(-1.0))


def _stacked(x, lead, core, dtype=float):
    """x broadcast to lead + core and flattened to (count,) + core."""
    return np.broadcast_to(np.asarray(x, dtype=dtype), lead + core).reshape((_count(lead),) + core)


def _dtype(*xs):
    """complex if any of xs is (a complex system has a complex solution), else float."""
    return complex if any(np.iscomplexobj(x) for x in xs) else float


# -- sylvester: X with A X + X B = Q -----------------------------------------------------------------


def _sylvester_shapes(a, b, q):
    sa, sb, sq = _shape(a), _shape(b), _shape(q)
    if len(sa) < 2 or len(sb) < 2 or len(sq) < 2 or sa[-1] != sa[-2] or sb[-1] != sb[-2] or sq[-2:] != (sa[-1], sb[-1]):
        raise ValueError(f"solve_sylvester needs A (..., n, n), B (..., m, m) and Q (..., n, m), got {sa}, {sb}, {sq}")
    return np.broadcast_shapes(sa[:-2], sb[:-2], sq[:-2]), sa[-1], sb[-1]


def _sylvester_one(sl, a, b, q):
    """SciPy's Bartels-Stewart solve (Schur forms, LAPACK's trsyl) for one system, real or complex (as
    `scipy.linalg.solve_sylvester`: B's Schur form of Bᴴ, trsyl's conjugate-transposed B); None where
    trsyl had to perturb it (A and −B share an eigenvalue, to working precision)."""
    output = "complex" if np.iscomplexobj(a) or np.iscomplexobj(b) else "real"
    r, u = sl.schur(a, output=output)
    s, v = sl.schur(b.conj().T, output=output)
    (trsyl,) = sl.get_lapack_funcs(("trsyl",), (r, s, q))
    y, scale, info = trsyl(r, s, u.conj().T @ q @ v, tranb="C")
    if info != 0:
        return None
    return u @ (scale * y) @ v.conj().T


def _sylvester_impl(a, b, q):
    sl = scipy_linalg()
    lead, n, m = _sylvester_shapes(a, b, q)
    dtype = _dtype(a, b, q)
    triples = zip(*[_stacked(x, lead, shape, dtype) for x, shape in ((a, (n, n)), (b, (m, m)), (q, (n, m)))])
    out = np.empty((int(np.prod(lead, dtype=int)), n, m), dtype=dtype)
    for k, (ak, bk, qk) in enumerate(triples):
        if not qk.any():  # X = 0 (strong zeros: the rules' zero tangent or cotangent gives 0, whatever A and B)
            out[k] = 0.0
            continue
        if not (np.isfinite(ak).all() and np.isfinite(bk).all() and np.isfinite(qk).all()):
            out[k] = np.nan  # passed on: reported where it arose
            continue
        x = _sylvester_one(sl, ak, bk, qk)
        out[k] = (
            x
            if x is not None
            else _no_value("a singular Sylvester equation A X + X B = Q: A and -B share an eigenvalue")
        )
    return out.reshape(lead + (n, m))


def _adjoint_solve(ct, a, b):
    """Q̄ with Aᵀ Q̄ + Q̄ Bᵀ = X̄: the cotangent of Q, from which those of A and B follow."""
    return sylvester(_swap_last(a), _swap_last(b), ct)


def _sylvester_sympy(a, b, q):
    sp = _sp()
    a, b, q = (np.asarray(x, dtype=object) for x in (a, b, q))
    lead, n, m = _sylvester_shapes(a, b, q)
    out = np.empty((int(np.prod(lead, dtype=int)), n, m), dtype=object)
    flat = [np.broadcast_to(x, lead + x.shape[-2:]).reshape((_count(lead),) + x.shape[-2:]) for x in (a, b, q)]
    for k, (ak, bk, qk) in enumerate(zip(*flat)):
        if n * m > _EXPLICIT_SYLVESTER:  # (the opaque kind of [[A, Q], [0, B]] below)
            block = sp.Matrix(np.block([[ak, qk], [np.full((m, n), sp.Integer(0), dtype=object), bk]]).tolist())
            out[k] = opaque_translation(_sylvester_kind(n), 0)(block)
            continue
        # row-major vec: (A X)[i, j] = Σ A[i, k] X[k, j], (X B)[i, j] = Σ X[i, l] B[l, j]
        system = sp.Matrix(
            n * m,
            n * m,
            lambda r, c: ak[r // m, c // m] * int(r % m == c % m) + bk[c % m, r % m] * int(r // m == c // m),
        )
        x = system.LUsolve(sp.Matrix(qk).reshape(n * m, 1))
        out[k] = np.array(x.reshape(n, m).tolist(), dtype=object)
    return out.reshape(lead + (n, m))


# -- sylvester above a 1×2 system under the symbolic method: an opaque kind (opaque.py) ----------------------
# SymPy's Kronecker solve of an nm×nm system grows factorially (a 3×3 one's JVP: minutes; autograd's
# test_solve_sylvester). Above `_EXPLICIT_SYLVESTER` unknowns X is an opaque function of M = [[A, Q], [0, B]]
# ((n + m)², one matrix, as opaque kinds take; kind `sylvester<n>` knows A's size n), its parts X and
# K = (A ⊗ I + I ⊗ Bᵀ)⁻¹ (nm × nm, row-major vec: the system's inverse). With S = A ⊗ I + I ⊗ Bᵀ:
# dX = K vec(dQ − dA X − X dB) and dK = −K dS K, each written with X's and K's entries (as inv's), so every order
# nests; M's lower-left block is not read (its partials 0).
_EXPLICIT_SYLVESTER = 2


def _sylvester_kind(n: int) -> str:
    """The opaque kind of X(M) for an n×n A, declared at first use."""
    from .opaque import matrix_kind, opaque_kinds

    kind = f"sylvester{n}"
    if kind not in opaque_kinds():
        rules = {0: lambda s: _sylvester_x_rule(s, n), 1: lambda s: _sylvester_k_rule(s, n)}
        shapes = lambda rows, cols: [(n, rows - n), (n * (rows - n),) * 2]  # noqa: E731
        matrix_kind(
            kind, lambda mm: _sylvester_parts(mm, n), _sylvester_mp(n), lambda mm: _LazySylvester(mm, n), rules, shapes
        )
    return kind


def _sylvester_system(a, b):
    """S = A ⊗ I + I ⊗ Bᵀ (..., nm, nm) of A (..., n, n) and B (..., m, m), on arrays or traced values."""
    n, m = _shape(a)[-1], _shape(b)[-1]
    lead = np.broadcast_shapes(_shape(a)[:-2], _shape(b)[:-2])
    left = _reshape(a, _shape(a)[:-2] + (n, 1, n, 1)) * np.eye(m).reshape(1, m, 1, m)
    right = np.eye(n).reshape(n, 1, n, 1) * _reshape(_swap_last(b), _shape(b)[:-2] + (1, m, 1, m))
    return _reshape(left + right, lead + (n * m, n * m))


def _sylvester_parts(mm, n):
    """X and K of M = [[A, Q], [0, B]] (a stack too): SciPy's Bartels-Stewart X, and the system's inverse."""
    a, q, b = mm[..., :n, :n], mm[..., :n, n:], mm[..., n:, n:]
    return _sylvester_impl(a, b, q), np.linalg.inv(_sylvester_system(a, b))


def _sylvester_mp(n):
    def parts(mm):
        """X and K in high precision (mpmath): K the inverse of the Kronecker system, X = K vec Q."""
        mp = _mp()
        m = mm.rows - n
        system = mp.matrix(n * m, n * m)
        for r in range(n * m):
            for c in range(n * m):
                (i, j), (k, l) = divmod(r, m), divmod(c, m)
                system[r, c] = mm[i, k] * (j == l) + mm[n + l, n + j] * (i == k)
        k = mp.inverse(system)
        x = k * mp.matrix([mm[i, n + j] for i in range(n) for j in range(m)])
        return mp.matrix([[x[i * m + j] for j in range(m)] for i in range(n)]), k

    return parts


class _LazySylvester:
    """The traced parts (symbolic as another method's inner one), each recorded when first read: X one sylvester,
    K the inverse of the Kronecker system."""

    def __init__(self, mm, n):
        lead = (slice(None),) * (len(_shape(mm)) - 2)
        self.a, self.q, self.b = (getitem(mm, idx=lead + block) for block in _sylvester_blocks(n))
        self.made: dict = {}

    def __getitem__(self, part):
        from .linalg import inv

        if part not in self.made:
            self.made[part] = sylvester(self.a, self.b, self.q) if part == 0 else inv(_sylvester_system(self.a, self.b))
        return self.made[part]


def _sylvester_blocks(n):
    head, tail = slice(None, n), slice(n, None)
    return (head, head), (head, tail), (tail, tail)


def _sylvester_where(s, n):
    """Which block of M the slot's entry (k, l) is in, and its index there: ('a', k, l), ('q', ...), ('b', ...),
    or None (the lower-left block, not read)."""
    if s.k < n:
        return ("a", s.k, s.l) if s.l < n else ("q", s.k, s.l - n)
    return ("b", s.k - n, s.l - n) if s.l >= n else None


def _sylvester_x_rule(s, n):
    """dX_ij: along dQ_kl K_(ij),(kl); along dA_kl −Σ_v K_(ij),(kv) X_lv; along dB_kl −Σ_u K_(ij),(ul) X_uk."""
    m, kind = s.rows - n, _sylvester_kind(n)
    where = _sylvester_where(s, n)
    if where is None:
        return 0
    block, k, l = where
    x = lambda p, q: s.at(kind, 0, p, q)  # noqa: E731
    kk = lambda c: s.at(kind, 1, s.i * m + s.j, c)  # noqa: E731
    if block == "q":
        return kk(k * m + l)
    if block == "a":
        return -_sp().Add(*[kk(k * m + v) * x(l, v) for v in range(m)])
    return -_sp().Add(*[kk(u * m + l) * x(u, k) for u in range(n)])


def _sylvester_k_rule(s, n):
    """dK_rc = −(K dS K)_rc: along dA_kl −Σ_v K_r,(kv) K_(lv),c; along dB_kl −Σ_u K_r,(ul) K_(uk),c; along dQ 0."""
    m, kind = s.rows - n, _sylvester_kind(n)
    where = _sylvester_where(s, n)
    if where is None or where[0] == "q":
        return 0
    block, k, l = where
    kk = lambda r, c: s.at(kind, 1, r, c)  # noqa: E731
    if block == "a":
        return -_sp().Add(*[kk(s.i, k * m + v) * kk(l * m + v, s.j) for v in range(m)])
    return -_sp().Add(*[kk(s.i, u * m + l) * kk(u * m + k, s.j) for u in range(n)])


def _sylvester_samples(rng):
    """Systems whose A and −B are far apart (A, B = random + 5·I): a 1×2 one and a stack (SymPy's
    Kronecker solve of a 2×2 A as well costs 1 s a registry test; tests/test_sqrtm_odeint.py solves 3×2)."""
    calls = [((1, 1), (2, 2), (1, 2)), ((2, 1, 1), (1, 1), (2, 1, 1))]
    out = []
    for sa, sb, sq in calls:
        a = draw("real", sa, rng) + 5.0 * np.eye(sa[-1])
        b = draw("real", sb, rng) + 5.0 * np.eye(sb[-1])
        out.append(((a, b, draw("real", sq, rng)), {}))
    return out


def _gram(b, x, c):
    """x xᵀ (1×1 or 2×2: SymPy's closed forms) of the values x, and x xᵀ + diag(2, 3.5): symmetric
    positive definite, its eigenvalues at least 2."""
    x = b.rank1(x)
    size = int(np.prod(b.shape(x)))
    n = 2 if size % 2 == 0 and c.take(2) else 1
    k = size // n
    # x xᵀ as a broadcast product summed over k (as the decompositions' builder, for the same reason)
    col = b.emit("reshape", x, shape=(n, 1, k))
    row = b.emit("reshape", x, shape=(1, n, k))
    gram = b.emit("sum", b.emit("mul", col, row), axis=(2,), keepdims=False)
    return gram, b.emit("add", gram, np.diag([2.0, 3.5])[:n, :n])


def _sqrtm_strategy(b, name, x, picks, c):
    """sqrtm of a symmetric positive definite matrix built from x (`_gram`)."""
    return b.emit(name, _gram(b, x, c)[1])


def _sylvester_strategy(b, name, x, picks, c):
    """A X + X A = x xᵀ with A = x xᵀ + diag(2, 3.5) (`_gram`): A and −A share no eigenvalue."""
    gram, a = _gram(b, x, c)
    return b.emit(name, a, a, gram)


sylvester = defop(
    "sylvester",
    _sylvester_impl,
    requires=("scipy",),
    jvp=(
        lambda t, out, a, b, q: -sylvester(a, b, strong_matmul(t, out)),
        lambda t, out, a, b, q: -sylvester(a, b, strong_matmul(out, t)),
        lambda t, out, a, b, q: sylvester(a, b, t),
    ),
    vjp=(
        lambda ct, out, a, b, q: -strong_matmul(_adjoint_solve(ct, a, b), _swap_last(out)),
        lambda ct, out, a, b, q: -strong_matmul(_swap_last(out), _adjoint_solve(ct, a, b)),
        lambda ct, out, a, b, q: _adjoint_solve(ct, a, b),
    ),
    sympy=_sylvester_sympy,
    domain=("real", "real", "real"),
    samples=_sylvester_samples,
    strategy=_sylvester_strategy,
    # holomorphic in (A, B, Q): the rules as written (with transposes, not conjugates: ops/complexes.py)
    complex=True,
    analytic=False,  # complex step cannot pass through it: its complex values are a complex system's
    drops_nan=True,  # per matrix of a stack: a NaN reaches only its own system
    doc="X with A X + X B = Q (Bartels-Stewart); needs A and -B to share no eigenvalue",
)


# -- sqrtm: the principal square root ------------------------------------------------------------------


def _sqrtm_one(sl, a):
    """SciPy's principal root of one matrix, as SciPy gives it: real for a real A without an eigenvalue
    on the negative real axis, else complex (its eigenvalues' roots in the right half-plane)."""
    if not np.isfinite(a).all():
        return np.nan  # passed on: reported where it arose
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.LinAlgWarning)  # singular: its derivative says so, as NaN
        return sl.sqrtm(a)


def _sqrtm_impl(a):
    sl = scipy_linalg()
    a = np.asarray(a, dtype=_dtype(a))
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"sqrtm needs square matrices (..., n, n), got shape {a.shape}")
    if a.shape[-1] == 0:  # 0×0 matrices: SciPy's empty sqrtm (a stack's reshape to (-1, 0, 0) is ambiguous)
        return np.zeros(a.shape, dtype=_dtype(a))
    roots = [_sqrtm_one(sl, m) for m in a.reshape((_count(a.shape[:-2]),) + a.shape[-2:])]
    # SciPy's dtype rule for a stack: complex if any matrix's root is (the real ones' roots cast)
    out = np.empty((len(roots),) + a.shape[-2:], dtype=_dtype(a, *roots))
    for k, x in enumerate(roots):
        out[k] = x
    return out.reshape(a.shape)


def _sym_sqrtm(m):
    """The principal square root of a 1×1 or 2×2 SymPy matrix (Cayley-Hamilton: X² = A with
    tr X = √(tr A + 2√det A) and det X = √det A)."""
    sp = _sp()
    if m.shape == (1, 1):
        return np.array([[sp.sqrt(m[0, 0])]], dtype=object)
    if m.shape != (2, 2):
        _too_big("sqrtm", m.shape, "2×2")
    s = sp.sqrt(m.det())
    x = (m + s * sp.eye(2)) / sp.sqrt(m.trace() + 2 * s)
    return np.array(x.tolist(), dtype=object)


# -- sqrtm above 2×2 under the symbolic method: opaque kinds (opaque.py) --------------------------------
# Parts X = sqrtm(A), K = (X ⊗ I + I ⊗ Xᵀ)⁻¹ (n²×n², row-major vec: X dX + dX X = dA is that system) and
# L = d²X (n²×n⁴, L_(ij),(rs)(pq) = dK_(ij),(rs) / da_pq). dX_ij / da_kl = K_(ij),(kl); dK = −K dM K with
# dM = dX ⊗ I + I ⊗ dXᵀ, so with Y_c = K[:, c] as an n×n matrix, L_(ij),(rs)(pq) = −Σ_uv K_(ij),(uv) S_uv,
# S = Y_rs Y_pq + Y_pq Y_rs; L's own rule (third order) differentiates that product of parts, whose derivatives
# are K's and L's entries: every order nests. A Hessian's rules are single entries (L a part: n⁶ names for an n×n
# A, where K's rule written as the sum above cost n⁸ products, 11 s at 4×4).
# `sqrtm` (real A, real root): real parts. `rsqrtm` / `csqrtm` (a real A's complex root / a complex A): split kinds
# (real and imaginary parts, complex_matrices._C arithmetic; the rules holomorphic as written, times the
# direction's e); a real A's parts computed from the real matrix (SciPy's real routine: its root, not that of the
# complex Schur form, whose eigenvalue −4 − 0j would give −2i).


def _sylvester_matrix(x):
    """X ⊗ I + I ⊗ Xᵀ (..., n², n²) of x (..., n, n), on arrays or traced values."""
    n, lead = _shape(x)[-1], _shape(x)[:-2]
    eye = np.eye(n)
    left = _reshape(x, lead + (n, 1, n, 1)) * eye.reshape(1, n, 1, n)
    right = eye.reshape(n, 1, n, 1) * _reshape(_swap_last(x), lead + (1, n, 1, n))
    return _reshape(left + right, lead + (n * n, n * n))


def _second(k, n):
    """L (..., n², n⁴) from K (..., n², n²): L[:, c n² + d] = −K vec(Y_c Y_d + Y_d Y_c), Y_c = K[:, c] as n×n."""
    from .core import REGISTRY, _transpose

    lead, size = _shape(k)[:-2], n * n
    nd = len(lead)
    front = tuple(range(nd))
    y = _transpose(_reshape(k, lead + (n, n, size)), front + (nd + 2, nd, nd + 1))  # (..., n², n, n)
    matmul = REGISTRY["matmul"]
    s1 = matmul(_reshape(y, lead + (size, 1, n, n)), _reshape(y, lead + (1, size, n, n)))
    s = s1 + _transpose(s1, front + (nd + 1, nd, nd + 2, nd + 3))
    return -matmul(k, _swap_last(_reshape(s, lead + (size * size, size))))


def _sqrtm_parts(a, kind):
    x = _sqrtm_impl(a.real if kind == "rsqrtm" else a)
    k = np.linalg.inv(_sylvester_matrix(x))
    second = _second(k, x.shape[-1])
    if kind == "sqrtm":
        if np.iscomplexobj(x) and np.any(x.imag != 0):  # (never reached: a real root's trace holds for its values)
            raise np.linalg.LinAlgError("sqrtm: the root of this real matrix is complex")
        return x.real, k.real, second.real
    return x.real, x.imag, k.real, k.imag, second.real, second.imag


class _LazyParts:
    """The traced parts, each recorded when first read: symbolic's first-order code on an outer trace's values reads
    X and K only, and L (n²×n⁴ products) recorded for nothing made the outer method translate and differentiate it."""

    def __init__(self, kind, a):
        self.kind, self.a, self.made = kind, a, {}

    def _x(self):
        from .elementwise import real

        if "x" not in self.made:
            self.made["x"] = sqrtm(real(self.a) if self.kind == "rsqrtm" else self.a)
        return self.made["x"]

    def _k(self):
        from .linalg import inv

        if "k" not in self.made:
            self.made["k"] = inv(_sylvester_matrix(self._x()))
        return self.made["k"]

    def _l(self):
        if "l" not in self.made:
            self.made["l"] = _second(self._k(), _shape(self.a)[-1])
        return self.made["l"]

    def __getitem__(self, part):
        from .complexes import imag_part
        from .elementwise import real

        if self.kind == "sqrtm":
            return (self._x, self._k, self._l)[part]()
        value = (self._x, self._k, self._l)[part // 2]()
        key = ("part", part)
        if key not in self.made:
            self.made[key] = imag_part(value) if part % 2 else real(value)
        return self.made[key]


def _traced_sqrtm_parts(kind):
    return lambda a: _LazyParts(kind, a)


def _sqrtm_no_high_precision(*_):
    from ..errors import NotDifferentiableError

    raise NotDifferentiableError("high precision (evalf) of sqrtm above 2×2 is not available")


def _sqrtm_tools(s, kind):
    """(part(index, r, c), e): an entry of K (index 1) or L (2), real or complex_matrices._C, and the direction's
    factor (e = 1 for Re a_kl, i for Im a_kl)."""
    from .complex_matrices import _C

    if kind == "sqrtm":
        return (lambda which, r, c: s.at(kind, which, r, c)), 1
    part = lambda which, r, c: _C(s.at(kind, 2 * which, r, c), s.at(kind, 2 * which + 1, r, c))  # noqa: E731
    return part, (_C(0, 1) if s.imag else _C(1, 0))


def _sqrtm_x_rule(s, kind):  # dX_ij = e K_(ij),(kl)
    part, e = _sqrtm_tools(s, kind)
    n = s.cols
    return e * part(1, s.i * n + s.j, s.k * n + s.l)


def _sqrtm_k_rule(s, kind):  # dK_(ij),(rs) = e L_(ij),(rs)(kl)
    part, e = _sqrtm_tools(s, kind)
    n = s.cols
    return e * part(2, s.i, s.j * n * n + s.k * n + s.l)


def _sqrtm_l_rule(s, kind):
    """dL_(ij),(rs)(pq) along e·E_ab: −e Σ_uv (L_(ij),(uv)(ab) S_uv + K_(ij),(uv) dS_uv), S = Y_rs Y_pq + Y_pq Y_rs and
    dS its derivative (dY_c = L[:, c (ab)] as n×n): det‴-like, reached by third derivatives only."""
    from .canonical import total
    from .complex_matrices import _C, _total

    part, e = _sqrtm_tools(s, kind)
    n, size, split = s.cols, s.cols * s.cols, kind != "sqrtm"
    rs, pq, ab = divmod(s.j, size) + (s.k * n + s.l,)
    k = lambda r, c: part(1, r, c)  # noqa: E731
    dk = lambda r, c: part(2, r, c * size + ab)  # noqa: E731
    add = _total if split else total
    terms = []
    for u in range(n):
        for v in range(n):
            uv = u * n + v
            for w in range(n):
                uw, wv = u * n + w, w * n + v
                for c, d in ((rs, pq), (pq, rs)):  # (Y_c Y_d)_uv and its derivative
                    terms.append(dk(s.i, uv) * k(uw, c) * k(wv, d))
                    terms.append(k(s.i, uv) * (dk(uw, c) * k(wv, d) + k(uw, c) * dk(wv, d)))
    value = add(terms)
    return (_C(0) - e * value) if split else -value


def _sqrtm_rules(kind):
    from .complex_matrices import _split_rule

    rules = [functools.partial(rule, kind=kind) for rule in (_sqrtm_x_rule, _sqrtm_k_rule, _sqrtm_l_rule)]
    if kind == "sqrtm":
        return dict(enumerate(rules))
    return {2 * p + imag: _split_rule(rule, bool(imag)) for p, rule in enumerate(rules) for imag in (0, 1)}


def _declare_sqrtm_kinds():
    from .complex_matrices import _no_high_precision
    from .opaque import matrix_kind

    def shapes(count):
        return lambda rows, cols: [
            shape
            for shape in [(rows, cols), (rows * cols,) * 2, (rows * cols, (rows * cols) ** 2)]
            for _ in range(count)
        ]

    matrix_kind(
        "sqrtm",
        functools.partial(_sqrtm_parts, kind="sqrtm"),
        _sqrtm_no_high_precision,
        _traced_sqrtm_parts("sqrtm"),
        _sqrtm_rules("sqrtm"),
        shapes(1),
    )
    for kind in ("rsqrtm", "csqrtm"):
        matrix_kind(
            kind,
            functools.partial(_sqrtm_parts, kind=kind),
            _no_high_precision,
            _traced_sqrtm_parts(kind),
            _sqrtm_rules(kind),
            shapes(2),
            split=True,
        )


_declare_sqrtm_kinds()


def _sym_sqrtm_real(m):
    """A real matrix's real root: SymPy's closed form up to 2×2, the opaque kind `sqrtm` above."""
    from .opaque import opaque_translation

    return _sym_sqrtm(m) if m.shape[0] <= 2 else opaque_translation("sqrtm", 0)(m)


def _sym_sqrtm_complex(m):
    """A complex root (of a complex A, or a real A's with an eigenvalue below 0): the 2×2 closed form for a real
    matrix up to 2×2 (as before), else the split kinds' real and imaginary parts."""
    from .complex_linalg import _complex_of, _is_real

    if _is_real(m) and m.shape[0] <= 2:
        return _sym_sqrtm(m)
    return _complex_of("rsqrtm" if _is_real(m) else "csqrtm", 0, 1)(m)


def _sqrtm_samples(rng):
    """A non-symmetric 2×2 (random + 5·I: every eigenvalue has real part above 1) and a stack of a
    symmetric positive definite one and such a one."""
    return [
        ((draw("real", (2, 2), rng) + 5.0 * np.eye(2),), {}),
        ((np.stack([draw("spd", (2, 2), rng), draw("real", (2, 2), rng) + 5.0 * np.eye(2)]),), {}),
    ]


sqrtm = defop(
    "sqrtm",
    _sqrtm_impl,
    requires=("scipy",),
    jvp=(lambda t, out, a: sylvester(out, out, t),),
    vjp=(lambda ct, out, a: sylvester(_swap_last(out), _swap_last(out), ct),),
    sympy=_per_matrix(_sym_sqrtm_real),
    sympy_complex=_per_matrix(_sym_sqrtm_complex),  # (also a real A's complex root: program._translate)
    domain=("spd",),
    samples=_sqrtm_samples,
    strategy=_sqrtm_strategy,
    complex=True,  # holomorphic off the branch cut (and a real A's complex root): X dX + dX X = dA as written
    analytic=False,  # complex step cannot pass through it: a real A's root may be complex already
    value_dtype=True,  # complex where a real A has an eigenvalue below 0: a trace holds for its values only
    drops_nan=True,  # per matrix of a stack: a NaN reaches only its own root
    doc="principal matrix square root (X X = A, SciPy's: complex where a real A has an eigenvalue below 0); "
    "X dX + dX X = dA",
)


# -- expm: the matrix exponential -------------------------------------------------------------------


def _expm_impl(a):
    a = np.asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"expm needs square matrices (..., n, n), got shape {a.shape}")
    if not np.isfinite(a).all():  # (SciPy's expm of a NaN matrix: NaN, matrix by matrix)
        out = np.empty(a.shape, dtype=_dtype(a))
        for k, m in enumerate(a.reshape((_count(a.shape[:-2]),) + a.shape[-2:])):
            out.reshape((_count(a.shape[:-2]),) + a.shape[-2:])[k] = (
                scipy_linalg().expm(m) if np.isfinite(m).all() else np.nan
            )
        return out
    return scipy_linalg().expm(a)


def _frechet_impl(a, e):
    """SciPy's expm_frechet L(A, E) matrix by matrix; 0 where E is (strong zeros, DESIGN.md §3: even where A
    holds NaN, another matrix of a stack's)."""
    sl = scipy_linalg()
    a, e = np.asarray(a), np.asarray(e)
    shape = np.broadcast_shapes(a.shape, e.shape)
    dtype = _dtype(a, e)
    out = np.zeros(shape, dtype=dtype).reshape((_count(shape[:-2]),) + shape[-2:])
    pairs = zip(*[_stacked(x, shape[:-2], shape[-2:], dtype) for x in (a, e)])
    for k, (ak, ek) in enumerate(pairs):
        if ek.any():
            finite = np.isfinite(ak).all() and np.isfinite(ek).all()  # (else NaN, passed on: reported where it arose)
            try:
                out[k] = sl.expm_frechet(ak, ek, compute_expm=False) if finite else np.nan
            except (ValueError, np.linalg.LinAlgError):  # SciPy's own steps overflowed (finite A, E): no number
                out[k] = np.nan
    return out.reshape(shape)


def _doubled(a, e):
    """X = [[A, E], [0, A]] (expm(X) holds L(A, E) in its corner), and how to read an n×n block of a 2n×2n
    result."""
    n = _shape(a)[-1]
    zero = np.zeros(np.broadcast_shapes(_shape(a), _shape(e)))
    a, e = a + zero, e + zero
    nd = len(zero.shape)  # (the ops take non-negative axes, as their fronts make them)
    x = concatenate(concatenate(a, e, axis=nd - 1), concatenate(zero, a, axis=nd - 1), axis=nd - 2)
    lead = (slice(None),) * (nd - 2)

    def block(y, i, j):
        return getitem(y, idx=lead + (slice(i * n, (i + 1) * n), slice(j * n, (j + 1) * n)))

    return x, zero, block


def _frechet_jvp_a(f, a, e, fre=None):
    """d L(A, E) along F: the corner of L(X, diag(F, F)), X = [[A, E], [0, A]] (L: `fre`, expm's `frechet` by
    default; true of every primary matrix function's)."""
    fre = frechet if fre is None else fre
    x, zero, block = _doubled(a, e)
    nd = len(zero.shape)
    f = f + zero
    diag = concatenate(concatenate(f, zero, axis=nd - 1), concatenate(zero, f, axis=nd - 1), axis=nd - 2)
    return block(fre(x, diag), 0, 1)


def _frechet_vjp_a(ct, a, e, fre=None):
    """The transpose of F ↦ d L(A, E)[F]: L(Xᵀ, [[0, C], [0, 0]])'s two diagonal blocks summed."""
    fre = frechet if fre is None else fre
    x, zero, block = _doubled(a, e)
    nd = len(zero.shape)
    ct = ct + zero
    corner = concatenate(concatenate(zero, ct, axis=nd - 1), concatenate(zero, zero, axis=nd - 1), axis=nd - 2)
    g = fre(_swap_last(x), corner)
    return block(g, 0, 0) + block(g, 1, 1)


def _sym_frechet(a, e):
    """L(a, e) = e·exp(a) for 1×1 SymPy matrices (bigger: NotDifferentiableError)."""
    a, e = np.asarray(a, dtype=object), np.asarray(e, dtype=object)
    if a.shape[-2:] != (1, 1):
        _too_big("frechet", a.shape[-2:], "1×1")
    return e * np.vectorize(lambda v: _sp().exp(v), otypes=[object])(a)


def _one_by_one(b, x):
    """The 1×1 matrix Σ tanh(x)² (the symbolic method's size for expm and frechet; tanh bounds it, so a chain
    of them stays finite: exp of exp of a drawn x² overflowed)."""
    x = b.emit("tanh", b.rank1(x))
    k = int(np.prod(b.shape(x)))
    sq = b.emit("reshape", b.emit("mul", x, x), shape=(1, 1, k))
    return b.emit("sum", sq, axis=(2,), keepdims=False)


def _expm_strategy(b, name, x, picks, c):
    """expm of the 1×1 matrix Σ tanh(x)²."""
    return b.emit(name, _one_by_one(b, x))


def _frechet_strategy(b, name, x, picks, c):
    """L(A, A) of the 1×1 matrix A = Σ tanh(x)²."""
    m = _one_by_one(b, x)
    return b.emit(name, m, m)


frechet = defop(
    "frechet",
    _frechet_impl,
    requires=("scipy",),
    jvp=(lambda t, out, a, e: _frechet_jvp_a(t, a, e), lambda t, out, a, e: frechet(a, t)),
    vjp=(lambda ct, out, a, e: _frechet_vjp_a(ct, a, e), lambda ct, out, a, e: frechet(_swap_last(a), ct)),
    sympy=_sym_frechet,
    domain=("real", "real"),
    samples=lambda rng: [((draw("real", (1, 1), rng), draw("real", (1, 1), rng)), {})],
    strategy=_frechet_strategy,
    complex=True,
    analytic=False,
    internal=True,
    drops_nan=True,
    doc="L(A, E), expm's Fréchet derivative at A along E (SciPy's expm_frechet; expm's JVP and VJP)",
)


def _sym_expm(m):
    """exp of a 1×1 SymPy matrix (bigger ones: the opaque kind `expm` below, _per_matrix's `above`)."""
    return np.array([[_sp().exp(m[0, 0])]], dtype=object)


# -- expm above 1×1 under the symbolic method: an opaque kind (opaque.py) ---------------------------------
# Parts X = expm(A), K = dX (n²×n², K_(ij),(kl) = L(A, E_kl)_ij, row-major vec) and H = d²X (n²×n⁴,
# H_(ij),(rs)(pq) = d²X_ij / da_rs da_pq, the corner of L([[A, E_rs], [0, A]], diag(E_pq, E_pq)): frechet's own
# JVP). dX's rule is K's entry, dK's is H's; unlike sqrtm's (whose third derivative is written with its first two,
# X X = A being an equation), expm's third derivative is a new tensor, so H's own rule refuses by name: the
# symbolic method gives expm's gradients, Jacobians, Hessians and second-order nestings at every size, third
# derivatives at 1×1 (SymPy's exp). The kind's parts are real: a complex A + iB goes through the real embedding
# [[A, −B], [B, A]] (an algebra homomorphism, so expm commutes with it), as logm's does.


def _unit_directions(n):
    """E_kl (n², n, n), row-major: E_kl[k n + l] has a 1 at (k, l)."""
    return np.eye(n * n).reshape(n * n, n, n)


def _expm_parts(a):
    """X, K and H of a real matrix (stack) a (..., n, n): SciPy's expm, expm_frechet along each E_kl, and H from
    SciPy's expm of the n⁴ block matrices [[A, E_rs, 0], [0, A, E_pq], [0, 0, A]], whose corner C(rs, pq) gives
    d²X = C(rs, pq) + C(pq, rs) (one call on the stack: expm_frechet per pair cost 0.6 s at 5×5, this 0.1 s)."""
    sl = scipy_linalg()
    a = np.asarray(a, dtype=float)
    n, lead = a.shape[-1], a.shape[:-2]
    size = n * n
    x = _expm_impl(a)
    flat = a.reshape((-1, n, n))
    k = np.empty((len(flat), size, size))
    h = np.full((len(flat), size, size * size), np.nan)
    units = _unit_directions(n)
    for m, am in enumerate(flat):
        # (one call on the stack of directions: frechet's own loop, NaN where A is)
        k[m] = _frechet_impl(am, units).reshape(size, size).T
        if not np.isfinite(am).all():
            continue  # (NaN passed on: reported where it arose)
        big = np.zeros((size, size, 3 * n, 3 * n))
        for b in range(3):
            big[:, :, b * n : (b + 1) * n, b * n : (b + 1) * n] = am
        big[:, :, :n, n : 2 * n] = units[:, None]
        big[:, :, n : 2 * n, 2 * n :] = units[None, :]
        corner = sl.expm(big.reshape(-1, 3 * n, 3 * n)).reshape(size, size, 3 * n, 3 * n)[:, :, :n, 2 * n :]
        h[m] = (corner + corner.transpose(1, 0, 2, 3)).reshape(size * size, size).T
    return x, k.reshape(lead + (size, size)), h.reshape(lead + (size, size * size))


class _LazyExpmParts:
    """The traced parts, each recorded when first read (as _LazyParts for sqrtm: symbolic's first-order code reads
    X and K only): K is one frechet of the stack of directions E_kl, H one JVP of frechet (`_frechet_jvp_a`).
    `fn`, `fre`: the function and its Fréchet derivative (logm's kind: logm and logm_frechet)."""

    def __init__(self, a):
        self.a, self.made = a, {}
        self.fn, self.fre = expm, frechet

    def __getitem__(self, part):
        if part not in self.made:
            self.made[part] = (self._x, self._k, self._h)[part]()
        return self.made[part]

    def _x(self):
        return self.fn(self.a)

    def _k(self):
        from .core import _transpose

        lead, n = _shape(self.a)[:-2], _shape(self.a)[-1]
        nd, size = len(lead), n * n
        a = _reshape(self.a, lead + (1, n, n))
        cols = _reshape(self.fre(a, _unit_directions(n)), lead + (size, size))  # (..., kl, ij)
        return _transpose(cols, tuple(range(nd)) + (nd + 1, nd))

    def _h(self):
        from .core import _transpose

        lead, n = _shape(self.a)[:-2], _shape(self.a)[-1]
        nd, size = len(lead), n * n
        units = _unit_directions(n)
        a = _reshape(self.a, lead + (1, 1, n, n))
        grid = (size, size, n, n)  # (E and F on the full grid: _doubled broadcasts A and E only)
        e, f = np.broadcast_to(units.reshape(size, 1, n, n), grid), np.broadcast_to(units.reshape(1, size, n, n), grid)
        d = _frechet_jvp_a(f, a, e, self.fre)  # (..., rs, pq, i, j)
        d = _reshape(d, lead + (size * size, size))
        return _transpose(d, tuple(range(nd)) + (nd + 1, nd))


def _expm_no_high_precision(*_, name="expm"):
    from ..errors import NotDifferentiableError

    raise NotDifferentiableError(f"high precision (evalf) of {name} above 1×1 is not available")


def _expm_x_rule(s, kind="expm"):  # dX_ij / da_kl = K_(ij),(kl)
    n = s.cols
    return s.at(kind, 1, s.i * n + s.j, s.k * n + s.l)


def _expm_k_rule(s, kind="expm"):  # dK_(ij),(rs) / da_kl = H_(ij),(rs)(kl)
    n = s.cols
    return s.at(kind, 2, s.i, s.j * n * n + s.k * n + s.l)


def _expm_h_rule(s, kind="expm"):
    from ..errors import NotDifferentiableError

    raise NotDifferentiableError(
        f"the symbolic method has no third derivative of {kind} above 1×1 (here {s.rows}×{s.cols}: its parts are "
        "X, dX and d²X); use 'forward' or 'reverse' for the third order"
    )


def _declare_expm_kind(kind="expm", parts=None, lazy=None):
    """The real kind `kind` (expm's, or logm's: `parts` and `lazy` its value and traced parts): X, dX and d²X."""
    from .opaque import matrix_kind

    rules = (_expm_x_rule, _expm_k_rule, _expm_h_rule)
    matrix_kind(
        kind,
        parts or _expm_parts,
        functools.partial(_expm_no_high_precision, name=kind),
        lazy or _LazyExpmParts,
        {k: functools.partial(rule, kind=kind) for k, rule in enumerate(rules)},
        lambda rows, cols: [(rows, cols), (rows * cols,) * 2, (rows * cols, (rows * cols) ** 2)],
        real=True,  # (a complex A's translation splits these: _sym_expm_complex, _sym_logm_complex)
    )


_declare_expm_kind()


def _opaque_expm(m):
    from .opaque import opaque_translation

    return opaque_translation("expm", 0)(m)


def _sym_expm_complex(m):
    """exp of a complex SymPy matrix A + iB by the real embedding: A + iB ↦ [[A, −B], [B, A]] is an algebra
    homomorphism, so it commutes with exp's power series and exp([[A, −B], [B, A]]) = [[Re X, −Im X], [Im X, Re X]]
    for X = exp(A + iB). The 2n×2n real matrix goes through the real kind `expm` (X, dX and d²X: gradients,
    Hessians and second-order nestings, as for a real A); 1×1 is SymPy's exp (a complex exp splits as any)."""
    if m.shape[0] == 1:
        return _sym_expm(m)
    return _through_embedding(_opaque_expm, *_real_imag(m))


def _real_imag(m):
    """The real and imaginary parts (SymPy matrices) of a complex SymPy matrix."""
    sp = _sp()
    pairs = [sp.Add(e).as_real_imag() for e in m]  # (Add: a SymPy value, never a parse)
    return sp.Matrix(*m.shape, [x for x, _ in pairs]), sp.Matrix(*m.shape, [y for _, y in pairs])


def _through_embedding(real_fn, re, im):
    """F(A + iB) for a matrix function F of real matrices that commutes with the real embedding
    A + iB ↦ [[A, −B], [B, A]] (an algebra homomorphism: exp, and the principal log off the negative real axis):
    real_fn of the 2n×2n embedding is [[Re X, −Im X], [Im X, Re X]] for X = F(A + iB)."""
    sp, n = _sp(), re.shape[0]
    x = real_fn(sp.BlockMatrix([[re, -im], [im, re]]).as_explicit())
    return x[:n, :n] + sp.I * x[n:, :n]


def _expm_samples(rng):
    """1×1 matrices (the symbolic method's size) and a stack of them; tests/test_scipy.py checks 3×3 ones
    against SciPy's expm_frechet."""
    return [((draw("real", (1, 1), rng),), {}), ((draw("real", (2, 1, 1), rng),), {})]


expm = defop(
    "expm",
    _expm_impl,
    requires=("scipy",),
    jvp=(lambda t, out, a: frechet(a, t),),
    vjp=(lambda ct, out, a: frechet(_swap_last(a), ct),),
    sympy=_per_matrix(_sym_expm, "expm", limit=1, above=lambda m: _opaque_expm(m)),
    sympy_complex=_per_matrix(_sym_expm_complex),  # (the real embedding: one real kind for both)
    domain=("real",),
    samples=_expm_samples,
    strategy=_expm_strategy,
    batch=lambda batched, a: expm(a),  # (matrix by matrix: a batch axis is one more stack axis)
    complex=True,  # entire: L(A, E) as written, its adjoint L(Aᵀ, ·) with transposes (ops/complexes.py)
    analytic=False,  # (complex step through SciPy's Padé: not relied on)
    drops_nan=True,  # per matrix of a stack: a NaN reaches only its own exponential
    doc="matrix exponential (SciPy's expm); d expm = L(A, dA), the block [[A, dA], [0, A]]'s expm's corner",
)

# -- logm: the principal matrix logarithm --------------------------------------------------------------
# Its derivative is its Fréchet derivative L(A, E) (`logm_frechet`), the corner of logm([[A, E], [0, A]]) (true of
# every primary matrix function: f of a block upper triangular matrix), whose own derivative in A is the corner of
# L([[A, E], [0, A]], diag(F, F)), as expm's frechet's: every order nests (the second a corner of a 4n×4n logm). The cotangent is L(Aᵀ, Ē): f's power series has real coefficients,
# so L(A, ·)'s transpose is L(Aᵀ, ·). SciPy's inverse scaling and squaring (Schur-based) takes the block
# matrix's repeated eigenvalues in its stride; its corner agreed with central differences and with the inverse
# relation expm_frechet(logm A, L(A, E)) = E to 1e-15 (tests/test_scipy45.py).


def _logm_one(sl, a):
    """SciPy's principal logarithm of one matrix: real for a real A without an eigenvalue on the closed negative
    real axis, else complex."""
    if not np.isfinite(a).all():
        return np.nan  # passed on: reported where it arose
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # singular A: log 0 = −inf, its derivative NaN
        return sl.logm(a)


def _logm_impl(a):
    sl = scipy_linalg()
    a = np.asarray(a, dtype=_dtype(a))
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"logm needs square matrices (..., n, n), got shape {a.shape}")
    if a.shape[-1] == 0:  # 0×0 matrices: SciPy's empty logm (a stack's reshape to (-1, 0, 0) is ambiguous)
        return np.zeros(a.shape, dtype=_dtype(a))
    logs = [_logm_one(sl, m) for m in a.reshape((_count(a.shape[:-2]),) + a.shape[-2:])]
    out = np.empty((len(logs),) + a.shape[-2:], dtype=_dtype(a, *logs))  # (complex if any is, as sqrtm's)
    for k, x in enumerate(logs):
        out[k] = x
    return out.reshape(a.shape)


def _logm_frechet_impl(a, e):
    """L(A, E), the corner of SciPy's logm of [[A, s E], [0, A]] over s (s = ‖A‖ / ‖E‖: L is linear in E, and
    the corner is most accurate with the blocks of one size), matrix by matrix; 0 where E is (strong zeros,
    DESIGN.md §3: even where A holds NaN, another matrix of a stack's)."""
    sl = scipy_linalg()
    a, e = np.asarray(a), np.asarray(e)
    shape = np.broadcast_shapes(a.shape, e.shape)
    n = shape[-1]
    corners = []
    for ak, ek in zip(*[_stacked(x, shape[:-2], shape[-2:], _dtype(a, e)) for x in (a, e)]):
        if not ek.any():
            corners.append(np.zeros((n, n)))
        elif not (np.isfinite(ak).all() and np.isfinite(ek).all()):
            corners.append(np.full((n, n), np.nan))  # passed on: reported where it arose
        else:
            # E normalised first, then scaled: ‖A‖/‖E‖ overflows for a subnormal E (a rescaled sweep's 2^-1000)
            size = np.abs(ek).max()
            scale = max(np.abs(ak).max(), 1e-300)
            x = np.block([[ak, scale * (ek / size)], [np.zeros_like(ak), ak]])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # singular A: no derivative, NaN or inf
                corners.append(sl.logm(x)[:n, n:] / scale * size)
    out = np.empty((len(corners), n, n), dtype=_dtype(a, e, *corners))  # (complex if any is, as logm's)
    for k, c in enumerate(corners):
        out[k] = c
    return out.reshape(shape)


def _logm_frechet_upper(xt, c):
    """L(Xᵀ, C) as L(X, Cᵀ)ᵀ (logm's power series has real coefficients): X = [[A, E], [0, A]] stays block upper
    triangular. SciPy's logm of the lower form [[Aᵀ, 0], [Eᵀ, Aᵀ]] loses its accuracy where A has an eigenvalue
    below 0 (45 of 300 random 2×2 A with a unit E: expm(logm) off by up to 6e5; the upper form: all to 1e-14), and
    its warning is not ours to pass on: d²/dA² of real(logm(A)) by reverse over forward was 3e7 off, silently."""
    return _swap_last(logm_frechet(_swap_last(xt), _swap_last(c)))


def _sym_logm_frechet(a, e):
    """L(a, e) = e / a for 1×1 SymPy matrices (bigger: NotDifferentiableError)."""
    a, e = np.asarray(a, dtype=object), np.asarray(e, dtype=object)
    if a.shape[-2:] != (1, 1):
        _too_big("logm_frechet", a.shape[-2:], "1×1")
    return e / a


def _logm_frechet_strategy(b, name, x, picks, c):
    """L(A, A) of the 1×1 matrix A = 1 + Σ tanh(x)²."""
    m = b.emit("add", _one_by_one(b, x), np.ones((1, 1)))
    return b.emit(name, m, m)


logm_frechet = defop(
    "logm_frechet",
    _logm_frechet_impl,
    requires=("scipy",),
    jvp=(
        lambda t, out, a, e: _frechet_jvp_a(t, a, e, logm_frechet),
        lambda t, out, a, e: logm_frechet(a, t),
    ),
    vjp=(
        lambda ct, out, a, e: _frechet_vjp_a(ct, a, e, _logm_frechet_upper),
        lambda ct, out, a, e: logm_frechet(_swap_last(a), ct),
    ),
    sympy=_sym_logm_frechet,
    domain=("spd", "real"),
    samples=lambda rng: [((draw("real", (1, 1), rng) ** 2 + 0.5, draw("real", (1, 1), rng)), {})],
    strategy=_logm_frechet_strategy,
    complex=True,
    analytic=False,
    internal=True,
    value_dtype=True,
    drops_nan=True,
    doc="L(A, E), logm's Fréchet derivative at A along E (the corner of logm([[A, E], [0, A]]); logm's JVP and VJP)",
)


def _sym_logm(m):
    """log of a 1×1 SymPy matrix (bigger ones: the opaque kind `logm` below, _per_matrix's `above`)."""
    return np.array([[_sp().log(m[0, 0])]], dtype=object)


# -- logm above 1×1 under the symbolic method: a real opaque kind as expm's (X, K = dX, H = d²X) -------------------
# Its value parts by the inverse relation exp(X) = A: expm's parts (X_e, K_e, H_e) at X = logm(A) (SciPy's logm once,
# expm's stacked blocks), K = K_e⁻¹ and H = −K·H_e[K, K] (A = exp(X(A)) differentiated twice). K_e is invertible where
# no two eigenvalues of X differ by 2πik, k ≠ 0: the principal logarithm's lie in |Im| < π. (logm_frechet per E_kl and
# SciPy's logm of the n⁴ 3n×3n block matrices for H, as expm's, cost 9 s at 4×4: SciPy's logm is Python per matrix.)
# The traced parts (nestings) are logm's and logm_frechet's, as expm's are expm's and frechet's.
# Real where the logarithm is: a real A without an eigenvalue on the closed negative real axis. A complex A + iB goes
# through the real embedding [[A, −B], [B, A]] (an algebra homomorphism; its eigenvalues are A + iB's λ and their
# conjugates, so with none on that axis the principal logarithms' imaginary parts stay in (−π, π) and log commutes
# with it).


def _logm_parts(a):
    """X = logm(A), K = dX and H = d²X of a real matrix (stack) whose logarithm is real; LinAlgError (the parts NaN,
    with a DomainWarning) where it is complex: an eigenvalue on the closed negative real axis."""
    a = np.asarray(a, dtype=float)
    x = _logm_impl(a)
    if np.iscomplexobj(x) and np.any(x.imag != 0):
        raise np.linalg.LinAlgError(
            "this real matrix (or a complex one's real embedding) has an eigenvalue on the closed negative real axis: "
            "its logarithm is complex, which the symbolic method's real kind does not hold; use 'forward' or 'reverse'"
        )
    x = x.real
    _, k_e, h_e = _expm_parts(x)
    size = k_e.shape[-1]
    k = np.linalg.inv(k_e)
    t = np.einsum("...irp,...ru,...pv->...iuv", h_e.reshape(h_e.shape[:-1] + (size, size)), k, k)
    h = -np.matmul(k, t.reshape(t.shape[:-2] + (size * size,)))
    return x, k, h


class _LazyLogmParts(_LazyExpmParts):
    """logm's traced parts: expm's with logm and logm_frechet."""

    def __init__(self, a):
        super().__init__(a)
        self.fn, self.fre = logm, logm_frechet


_declare_expm_kind("logm", _logm_parts, _LazyLogmParts)


def _sym_logm_complex(m):
    """log of a complex SymPy matrix A + iB by the real embedding (above): logm([[A, −B], [B, A]]) =
    [[Re X, −Im X], [Im X, Re X]] for X = logm(A + iB), the 2n×2n matrix through the real kind `logm`; 1×1 is SymPy's
    log. A matrix whose entries are all real goes through the kind itself: a complex-typed real one, or a real A
    whose logarithm is complex (its values picked the dtype), whose eigenvalue below 0 makes the kind's parts NaN
    with a DomainWarning saying so and naming the methods that give it."""
    if m.shape[0] == 1:
        return _sym_logm(m)
    re, im = _real_imag(m)
    if all(y == 0 for y in im):
        return opaque_translation("logm", 0)(re)
    return _through_embedding(opaque_translation("logm", 0), re, im)


def _logm_strategy(b, name, x, picks, c):
    """logm of the 1×1 matrix 1 + Σ tanh(x)² (positive: a real logarithm)."""
    return b.emit(name, b.emit("add", _one_by_one(b, x), np.ones((1, 1))))


def _logm_samples(rng):
    """1×1 positive matrices (the symbolic method's size) and a stack of them; tests/test_scipy45.py checks 3×3
    ones against SciPy's and mpmath's."""
    return [
        ((draw("real", (1, 1), rng) ** 2 + 0.5,), {}),
        ((draw("real", (2, 1, 1), rng) ** 2 + 0.5,), {}),
    ]


logm = defop(
    "logm",
    _logm_impl,
    requires=("scipy",),
    jvp=(lambda t, out, a: logm_frechet(a, t),),
    vjp=(lambda ct, out, a: logm_frechet(_swap_last(a), ct),),
    sympy=_per_matrix(_sym_logm, "logm", limit=1, above=opaque_translation("logm", 0)),
    sympy_complex=_per_matrix(_sym_logm_complex),  # (the real embedding: one real kind for both)
    domain=("spd",),
    samples=_logm_samples,
    strategy=_logm_strategy,
    batch=lambda batched, a: logm(a),  # (matrix by matrix: a batch axis is one more stack axis)
    complex=True,  # holomorphic off the branch cut: L(A, E) as written, its adjoint L(Aᵀ, ·)
    analytic=False,  # complex step cannot pass through it: a real A's logarithm may be complex already
    value_dtype=True,  # complex where a real A has an eigenvalue below 0: a trace holds for its values only
    drops_nan=True,  # per matrix of a stack: a NaN reaches only its own logarithm
    doc="principal matrix logarithm (SciPy's logm: complex where a real A has an eigenvalue below 0); "
    "d logm = L(A, dA), the corner of logm([[A, dA], [0, A]])",
)

__all__ = ["sqrtm", "sylvester", "expm", "frechet", "logm", "logm_frechet"]
