"""The symbolic method's inverse, determinant, log|det|, det's phase, Cholesky factor, pseudo-inverse and QR of
complex matrices, and the general eigendecomposition (numpy.linalg.eig) of real and complex matrices: opaque
matrix functions (opaque.py) whose parts are real, as complex_matrices.py's svd and eigh, used at every size
(det above SymPy's explicit 4×4 cofactor expansion, which is exact on complex entries too). The registry
entries (linalg.py, decompositions.py, eig.py, qr.py) name these translations (`sympy_complex`; eig's
`sympy` too); LAPACK's phases of eig's and QR's vectors are named functions with derivative 0 (held).

How it works. Each rule is the reverse method's JVP (linalg.py, eig.py) written entry by entry for the
direction dA = e·E_kl (e = 1 for Re a_kl, i for Im a_kl) with complex_matrices.py's `_C` arithmetic, then split
into the rules of the real and imaginary parts:

- inv: dX = −X dA X; log|det|: Re tr(X dA); det's phase s: s · i Im tr(X dA) (X = A⁻¹); det: d det = e cof_kl,
  the cofactor matrix a part and d cof_ij = e D_(ij),(kl) with D (n²×n², det's second derivative) a part, both by
  the SVD, exact at a singular A as reverse's; D's own rule (det‴) reads X: NaN with inv's DomainWarning at a
  singular A (the real kind's, linalg.py, is the same).
- cholesky, pinv, qr (and complete mode's extra columns of a tall A): their sections below.
- eig (A V = V Λ; U = V⁻¹ and the gaps' inverses F a part too, F_pj = 1/(λ_j − λ_p), dF_pj = −F_pj² (dλ_j − dλ_p):
  smaller rules than dividing by the gaps in real parts): Q = U dA V, dλ_j = Q_jj, dV0 = V (F∘Q), and
  NumPy's gauge (decompositions.gauge_fixed: unit columns, the largest-magnitude entry real and positive):
  dV = dV0 − V·κ, κ_j = i Im(dV0_pj)/v_pj + Re(v_jᴴ dV0_j) at column j's anchor p (a one-hot part of
  derivative 0, piecewise constant); dU = −U dV U = −(F∘Q − diag κ) U. Every sum over p is one per matrix, not
  per direction: dV0_ij = e V_bj W_ija, W_ija = Σ_p V_ip F_pj U_pa, ((F∘Q) U)_ij = e U_ia T_ibj, T_ibj = Σ_p F_ip
  V_bp U_pj, and κ's sums over the column likewise (Y, Z), so a rule is O(1) products of named values (the n⁴
  partials of an n×n eig took O(n) terms each: an 8×8 eig-vector gradient 242 s of CPU, now ~8 s). The values-only kinds (`*eig0`) leave κ out: λ is
  gauge-invariant, and V, U differentiated in one common gauge give its derivatives of every order.
  A real matrix has its own kind (`reig`: its imaginary parts 0, LAPACK's real routine, so its order of
  eigenvalues is NumPy's for that matrix); a complex one `ceig`.

Matrix form: eig's directional rule (`_eig_tangent`) and its transpose (`_eig_cotangent`: Ā = Uᴴ Q̄ Vᴴ, Q̄ gathering
λ̄, Ḡ, Ū and V̄ with κ's adjoint), and the complex inverse's (dX = −X dA X; Ā = −Xᴴ X̄ Xᴴ), are what the symbolic
method's forward tangents and reverse sweeps use (opaque.py): O(n³) per direction or per matrix. autograd's
test_eig_real under the symbolic method (second order, 8×8): 79 s of CPU before, 18 s after.
"""

from __future__ import annotations

import functools

import numpy as np

from .canonical import product, total
from .complex_matrices import _C, _Direction, _anchors, _memo, _no_high_precision, _split_rule, _total
from .core import HELD_REAL, SYMPY_TRACED, _sp, sympy_function
from .complexes import imag_part
from .elementwise import real
from .linalg import _per_matrix
from .opaque import matrix_kind, named_sum, opaque_translation

__all__: list = []


# -- inv, det, log|det|, det's phase ------------------------------------------------------------


def _inv_parts(a):
    x = np.linalg.inv(a)
    return x.real, x.imag


def _traced_inv(a):
    from .linalg import inv

    x = inv(a)
    return real(x), imag_part(x)


def _x(s, p, q) -> _C:
    return _C(s.at("cinv", 0, p, q), s.at("cinv", 1, p, q))


def _e(s) -> _C:
    return _C(0, 1) if s.imag else _C(1, 0)


def _inv_rule(s):  # dX_ij = −X_ik e X_lj
    return _C(0) - _x(s, s.i, s.k) * _e(s) * _x(s, s.l, s.j)


def _tr_x_da(s) -> _C:  # tr(X dA) = e X_lk
    return _e(s) * _x(s, s.l, s.k)


def _cof(s, p, q) -> _C:
    return _C(s.at("cdet", 2, p, q), s.at("cdet", 3, p, q))


def _det_rule(s):  # d det = e cof_kl: finite where A is singular too (the cofactor by the SVD, linalg._cofactor)
    return _e(s) * _cof(s, s.k, s.l)


def _d2(s, r, t) -> _C:  # D_(r),(t) = d cof_r / da_t (r, t row-major pairs): det's second derivative by the SVD
    return _C(s.at("cdet", 4, r, t), s.at("cdet", 5, r, t))


def _cofactor_rule(s):  # d cof_ij = e D_(ij),(kl): finite where A is singular (reverse's, linalg._cofactor_d)
    n = s.cols
    return _e(s) * _d2(s, s.i * n + s.j, s.k * n + s.l)


def _cofactor_d_rule(s):
    """d D_(ij),(kl) = e (D_(kl),(pq) X_ji − C_kl X_jp X_qi − D_(il),(pq) X_jk + C_il X_jp X_qk) along e·E_pq: det's
    third derivative in the A⁻¹ form (linalg._cofactor_d_rule's, holomorphic), which needs A⁻¹: its second is exact
    at a singular A, as reverse's."""
    n = s.cols
    (i, j), (k, l), (p, q) = divmod(s.i, n), divmod(s.j, n), (s.k, s.l)
    return _e(s) * (
        _d2(s, k * n + l, p * n + q) * _x(s, j, i)
        - _cof(s, k, l) * _x(s, j, p) * _x(s, q, i)
        - _d2(s, i * n + l, p * n + q) * _x(s, j, k)
        + _cof(s, i, l) * _x(s, j, p) * _x(s, q, k)
    )


def _phase_rule(s):
    return _C(s.at("cdetphase", 0, 0, 0), s.at("cdetphase", 1, 0, 0)) * _C(0, _tr_x_da(s).im)


def _scalar_parts(fn):
    def parts(a):
        value = np.asarray(fn(a))[..., None, None]
        return value.real, value.imag

    return parts


def _traced_scalar(name):
    def parts(a):
        from .core import REGISTRY
        from .linalg import _one_by_one

        value = _one_by_one(REGISTRY[name](a))
        return real(value), imag_part(value)

    return parts


def _slogdet_phase(a):
    return np.linalg.slogdet(a)[0]


def _logabsdet_parts(a):
    from .linalg import _logabsdet

    return (np.asarray(_logabsdet(a))[..., None, None],)


def _traced_logabsdet(a):
    from .linalg import _one_by_one, logabsdet

    return (_one_by_one(logabsdet(a)),)


_square = lambda count: lambda rows, cols: [(rows, cols)] * count  # noqa: E731
_scalar = lambda count: lambda rows, cols: [(1, 1)] * count  # noqa: E731


def _inv_tangent(t, part, i, j):
    """Entry (i, j) of dX = −X dA X along dA (`t`, opaque.Tangent), X dA one per direction (t.memo): O(n³)."""
    n = t.rows
    x = lambda p, q: _C(t.at("cinv", 0, p, q), t.at("cinv", 1, p, q))  # noqa: E731

    def xda(p, q):  # (X dA)_pq
        if ("XdA", p, q) not in t.memo:
            t.memo["XdA", p, q] = _total([x(p, k) * _C(*t.da(k, q)) for k in range(n) if t.da(k, q) != (0, 0)])
        return t.memo["XdA", p, q]

    value = _C(0) - _total([xda(i, q) * x(q, j) for q in range(n) if not _is_zero(xda(i, q))])
    return value.im if part else value.re


def _inv_cotangent(c):
    """The adjoint Ā = −Xᴴ X̄ Xᴴ of the matrix from X̄ (`c`, opaque.Cotangent), the transpose of dX = −X dA X:
    O(n³) products, where the entry rules take 2n² partials per entry of X."""
    n = c.rows
    x = lambda p, q: _C(c.at("cinv", 0, p, q), c.at("cinv", 1, p, q))  # noqa: E731
    xbar = [[_C(c.bar(0, p, q), c.bar(1, p, q)) for q in range(n)] for p in range(n)]
    # M = −Xᴴ X̄, then Ā = M Xᴴ
    m = [
        [_C(0) - _total([x(p, k).conj() * xbar[p][q] for p in range(n) if not _is_zero(xbar[p][q])]) for q in range(n)]
        for k in range(n)
    ]
    return _times_adjoint(c, m, x)


matrix_kind(
    "cinv",
    _inv_parts,
    _no_high_precision,
    _traced_inv,
    {0: _split_rule(_inv_rule, False), 1: _split_rule(_inv_rule, True)},
    _square(2),
    split=True,
    tangent=_inv_tangent,
    cotangent=_inv_cotangent,
)


def _det_parts(a):
    from .linalg import _cofactor, _cofactor_d

    value, cof, d2 = np.linalg.det(a)[..., None, None], _cofactor(a), _cofactor_d(a)
    return value.real, value.imag, cof.real, cof.imag, d2.real, d2.imag


def _traced_det(a):
    from .linalg import _cofactor_d_traced, _one_by_one, cofactor, det

    value, cof, d2 = _one_by_one(det(a)), cofactor(a), _cofactor_d_traced(a)
    return real(value), imag_part(value), real(cof), imag_part(cof), real(d2), imag_part(d2)


matrix_kind(
    "cdet",
    _det_parts,
    _no_high_precision,
    _traced_det,
    {
        0: _split_rule(_det_rule, False),
        1: _split_rule(_det_rule, True),
        2: _split_rule(_cofactor_rule, False),
        3: _split_rule(_cofactor_rule, True),
        4: _split_rule(_cofactor_d_rule, False),
        5: _split_rule(_cofactor_d_rule, True),
    },
    lambda rows, cols: [(1, 1)] * 2 + [(rows, cols)] * 2 + [(rows * cols, rows * cols)] * 2,
    split=True,
)
matrix_kind(
    "clogabsdet",
    _logabsdet_parts,
    _no_high_precision,
    _traced_logabsdet,
    {0: lambda s: _tr_x_da(s).re},
    _scalar(1),
    split=True,
)
matrix_kind(
    "cdetphase",
    _scalar_parts(_slogdet_phase),
    _no_high_precision,
    _traced_scalar("detphase"),
    {0: _split_rule(_phase_rule, False), 1: _split_rule(_phase_rule, True)},
    _scalar(2),
    split=True,
)


# -- eig ------------------------------------------------------------------------------------------

_EIG_NAMES = ("wre", "wim", "Vre", "Vim", "Ure", "Uim", "anchor", "Gre", "Gim")


def _eig_parts(a):
    from .eig import _eig_impl

    from .decompositions import _gap_inverse

    w, v = _eig_impl(a)
    with np.errstate(divide="ignore", invalid="ignore"):  # (inf where w repeats, by design: NumPy's warning is noise)
        u, g = np.linalg.inv(v), _gap_inverse(w)
    return w.real[..., None, :], w.imag[..., None, :], v.real, v.imag, u.real, u.imag, _anchors(v), g.real, g.imag


def _traced_eig(a):
    from .decompositions import _gap_inverse, _largest_entries, _row
    from .eig import eig_values, eig_vectors
    from .linalg import inv

    w, v = eig_values(a), eig_vectors(a)
    u, g = inv(v), _gap_inverse(w)
    parts = _row(real(w)), _row(imag_part(w)), real(v), imag_part(v), real(u), imag_part(u)
    return (*parts, _largest_entries(v)[0], real(g), imag_part(g))


#: eig kinds whose vectors only reach the eigenvalues' rules (gauge-invariant): κ left out
_EIG_GAUGE_FREE = ("reig0", "ceig0")


def _eig_tools(s, kind):
    d = _Direction(s, kind, _EIG_NAMES)
    n, (a, b) = s.rows, (s.k, s.l)
    v = lambda p, q: d.cx("V", p, q)  # noqa: E731
    g = lambda p, q: d.cx("G", p, q)  # noqa: E731  (1/(λ_q − λ_p), 0 on the diagonal)
    u = lambda p, q: d.cx("U", p, q)  # noqa: E731

    def shared(name, *at, compute):  # (independent of the direction: one per matrix and entry, `_eig_sums`)
        return _memo((kind, name, *at, s.rows, s.entries), compute)

    def q(p, r):  # (U dA V)_pr
        return u(p, a) * d.e * v(b, r)

    def w(i, j, c):  # Σ_p V_ip G_pj U_pc: dV0_ij = e V_bj W_ija
        return shared("W", i, j, c, compute=lambda: _total([v(i, p) * (g(p, j) * u(p, c)) for p in range(n) if p != j]))

    def t(i, r, j):  # Σ_p G_ip V_rp U_pj: (F∘Q) U's row i = e U_ia T_ibj
        return shared("T", i, r, j, compute=lambda: _total([g(i, p) * (v(r, p) * u(p, j)) for p in range(n) if p != i]))

    def lead(j):  # e V_bj, the factor every dV0_rj of this direction shares
        return _memo(d.key("lead", j), lambda: d.e * v(b, j))

    def dv0(i, j):
        return lead(j) * w(i, j, a)

    def kappa(j):
        if kind in _EIG_GAUGE_FREE:
            return _C(0)

        def compute():
            sp = _sp()
            picks = [(d.part("anchor", r, j), r) for r in range(n)]
            top = shared("top", j, compute=lambda: named_sum(sp.Add(*[x * d.part("Vre", r, j) for x, r in picks])))
            # Σ_r anchor_rj W_rja and Σ_r conj(V_rj) W_rja: the gauge's turn and norm per column, O(1) per direction
            y = shared("Y", j, a, compute=lambda: _total([w(r, j, a) * x for x, r in picks]))
            z = shared("Z", j, a, compute=lambda: _total([v(r, j).conj() * w(r, j, a) for r in range(n)]))
            return _C((lead(j) * z).re, product((lead(j) * y).im, top**-1))

        return _memo(d.key("kappa", j), compute)

    def dv(i, j):
        return dv0(i, j) - v(i, j) * kappa(j)

    def du(i, j):  # −U dV U = −(F∘Q − diag κ) U (U V = I)
        return u(i, j) * kappa(i) - (u(i, a) * d.e) * t(i, b, j)

    def dg(p, j):  # d(1/(λ_j − λ_p)) = −G_pj² (dλ_j − dλ_p)
        if p == j:
            return _C(0)
        return _C(0) - g(p, j) * g(p, j) * (q(j, j) - q(p, p))

    return q, du, dv, dg


def _eig_value_rule(s, kind):
    return _eig_tools(s, kind)[0](s.j, s.j)


def _eig_vector_rule(s, kind):
    return _eig_tools(s, kind)[2](s.i, s.j)


def _eig_inverse_rule(s, kind):
    return _eig_tools(s, kind)[1](s.i, s.j)


def _eig_gap_rule(s, kind):
    return _eig_tools(s, kind)[3](s.i, s.j)


def _eig_rules(kind):
    rules = {}
    for part, rule in ((0, _eig_value_rule), (2, _eig_vector_rule), (4, _eig_inverse_rule)):
        one = functools.partial(rule, kind=kind)
        rules[part], rules[part + 1] = _split_rule(one, False), _split_rule(one, True)
    rules[6] = lambda s: 0
    gaps = functools.partial(_eig_gap_rule, kind=kind)
    rules[7], rules[8] = _split_rule(gaps, False), _split_rule(gaps, True)
    return rules


def _eig_tangent(t, part, i, j, kind):
    """Entry (i, j) of part `part`'s directional derivative along dA (`t`, opaque.Tangent) in matrix form, each
    matrix below one per direction (t.memo): Q = U dA V, dλ_j = Q_jj, dV0 = V (G∘Q), κ_j = Re(V_·jᴴ dV0_·j) +
    i Im(anchor_·jᵀ dV0_·j)/Re(anchor_·jᵀ V_·j), dV = dV0 − V diag κ, dU = diag κ U − (G∘Q) U, dG_pj = −G_pj² (Q_jj −
    Q_pp): O(n³) products per direction, where the entry rules take n² partials per entry (n⁴ per part)."""
    n = t.rows

    def cx(name, p, q):
        k = _EIG_NAMES.index(name + "re")
        return _C(t.at(kind, k, p, q), t.at(kind, k + 1, p, q))

    def memo(key, compute):
        if key not in t.memo:
            t.memo[key] = compute()
        return t.memo[key]

    def da(p, q):
        return _C(*t.da(p, q))

    def ua(p, c):  # (U dA)_pc
        return memo(("UA", p, c), lambda: _total([cx("U", p, k) * da(k, c) for k in range(n)]))

    def q(p, r):  # (U dA V)_pr
        return memo(("Q", p, r), lambda: _total([ua(p, c) * cx("V", c, r) for c in range(n)]))

    def dv0(r, c):  # (V (G∘Q))_rc
        return memo(
            ("dV0", r, c), lambda: _total([cx("V", r, p) * (cx("G", p, c) * q(p, c)) for p in range(n) if p != c])
        )

    def kappa(c):
        if kind in _EIG_GAUGE_FREE:
            return _C(0)

        def compute():
            sp = _sp()
            picks = [(t.at(kind, 6, r, c), r) for r in range(n)]
            top = named_sum(sp.Add(*[x * t.at(kind, 2, r, c) for x, r in picks]))
            norm = _total([cx("V", r, c).conj() * dv0(r, c) for r in range(n)])
            turn = _total([dv0(r, c) * x for x, r in picks])
            return _C(norm.re, product(turn.im, top**-1))

        return memo(("kappa", c), compute)

    def gq(p, c):  # (G∘Q)_pc U's row p: Σ_r G_pr Q_pr U_rc
        return memo(
            ("GQU", p, c), lambda: _total([cx("G", p, r) * q(p, r) * cx("U", r, c) for r in range(n) if r != p])
        )

    if part in (0, 1):
        value = q(j, j)
    elif part in (2, 3):
        value = dv0(i, j) - cx("V", i, j) * kappa(j)
    elif part in (4, 5):
        value = cx("U", i, j) * kappa(i) - gq(i, j)
    elif part == 6:
        return 0
    else:
        value = _C(0) if i == j else _C(0) - cx("G", i, j) * cx("G", i, j) * (q(j, j) - q(i, i))
    return value.im if part % 2 == (0 if part >= 7 else 1) else value.re


def _eig_cotangent(c, kind):
    """The adjoint Ā of the matrix (its entries' real parts, then imaginary ones) from the adjoints of the parts'
    entries (`c`, opaque.Cotangent; a complex part's adjoint X̄ = X̄re + i X̄im pairs as Re Σ conj(X̄) dX), the
    transpose of `_eig_tangent` in matrix form: Ā = Uᴴ Q̄ Vᴴ with Q̄ = diag(λ̄ + conj(c)) + conj(G)∘(Vᴴ D̄0 − Ū Uᴴ),
    D̄0 = V̄ + V diag(Re m) − i anchor diag(Im m / top) (κ's adjoint, m_j = Σ conj(Ū_j·) U_j· − Σ conj(V̄_·j) V_·j)
    and c_j = Σ_p H_pj − Σ_q H_jq, H_pj = −conj(Ḡ_pj) G_pj² (p ≠ j): O(n³) products per matrix, where the entry
    rules take n² partials per entry (a reverse sweep through an 8×8 eig: 8192 partials per part)."""
    n = c.rows
    cx, bar, has = _eig_adjoint_parts(c, kind)
    zero = _is_zero
    qbar = _eig_qbar_diagonal(n, cx, bar, has)
    inner = [[[] for _ in range(n)] for _ in range(n)]  # Vᴴ D̄0 − Ū Uᴴ, whose off-diagonal conj(G)∘ takes
    if has("V") or (has("U") and kind not in _EIG_GAUGE_FREE):
        d0 = _eig_d0(c, kind, cx, bar)
        for p in range(n):
            for j in range(n):
                if p != j:
                    inner[p][j] += [cx("V", r, p).conj() * d0[r][j] for r in range(n) if not zero(d0[r][j])]
    if has("U"):
        for p in range(n):
            for j in range(n):
                if p != j:
                    inner[p][j] += [
                        _C(0) - bar("U", p, q) * cx("U", j, q).conj() for q in range(n) if not zero(bar("U", p, q))
                    ]
    for p in range(n):
        for j in range(n):
            if p != j and inner[p][j]:
                qbar[p][j].append(cx("G", p, j).conj() * _total(inner[p][j]))
    q = [[_total(t) if t else None for t in row] for row in qbar]
    # M = Uᴴ Q̄, then Ā = M Vᴴ
    mrows = [
        [_total([cx("U", p, k).conj() * q[p][r] for p in range(n) if q[p][r] is not None]) for r in range(n)]
        for k in range(n)
    ]
    return _times_adjoint(c, mrows, lambda l, r: cx("V", l, r))


def _eig_adjoint_parts(c, kind):
    """Readers for `_eig_cotangent`: cx(name, p, q) a part's entry, bar(name, p, q) its adjoint (complex, from
    the real and imaginary parts' entries), has(name) whether any of its entries has an adjoint."""
    k_of = {name: _EIG_NAMES.index(name + "re") for name in ("w", "V", "U", "G")}

    def cx(name, p, q):
        k = k_of[name]
        return _C(c.at(kind, k, p, q), c.at(kind, k + 1, p, q))

    def bar(name, p, q):
        k = k_of[name]
        return _C(c.bar(k, p, q), c.bar(k + 1, p, q))

    def has(name):
        return c.has(k_of[name]) or c.has(k_of[name] + 1)

    return cx, bar, has


def _eig_qbar_diagonal(n, cx, bar, has):
    """Q̄'s terms (n × n lists) from the eigenvalues' adjoints λ̄ and, through dG_pj = −G_pj² (dλ_j − dλ_p),
    the gaps' Ḡ: Q̄_jj += λ̄_j + conj(c_j)."""
    qbar = [[[] for _ in range(n)] for _ in range(n)]
    if has("w"):
        for j in range(n):
            qbar[j][j].append(bar("w", 0, j))
    if has("G"):
        for p in range(n):
            for j in range(n):
                gb = bar("G", p, j)
                if p == j or _is_zero(gb):
                    continue
                h = _C(0) - gb * (cx("G", p, j).conj() * cx("G", p, j).conj())  # conj(H_pj)
                qbar[j][j].append(h)
                qbar[p][p].append(_C(0) - h)
    return qbar


def _eig_d0(c, kind, cx, bar):
    """D̄0 = V̄ + V diag(Re m) − i anchor diag(Im m / top), κ's adjoint (NumPy's gauge: m_j = Σ conj(Ū_j·) U_j·
    − Σ conj(V̄_·j) V_·j; 0 for the gauge-free kinds), as an n × n list."""
    n, zero = c.rows, _is_zero
    m = [_C(0)] * n
    if kind not in _EIG_GAUGE_FREE:
        m = [
            _total([bar("U", j, q).conj() * cx("U", j, q) for q in range(n) if not zero(bar("U", j, q))])
            - _total([bar("V", r, j).conj() * cx("V", r, j) for r in range(n) if not zero(bar("V", r, j))])
            for j in range(n)
        ]
    sp = _sp()
    d0 = [[None] * n for _ in range(n)]
    for j in range(n):
        turn = 0
        if not _is_zero(_C(0, m[j].im)):
            picks = [(c.at(kind, 6, r, j), r) for r in range(n)]
            top = named_sum(sp.Add(*[x * c.at(kind, 2, r, j) for x, r in picks]))
            turn = product(m[j].im, top**-1)
        for r in range(n):
            terms = [bar("V", r, j)]
            if m[j].re != 0:
                terms.append(cx("V", r, j) * m[j].re)
            if turn != 0:
                terms.append(_C(0, -product(c.at(kind, 6, r, j), turn)))
            d0[r][j] = _total([t for t in terms if not zero(t)])
    return d0


def _times_adjoint(c, m, b):
    """The entries' adjoints Ā = M Bᴴ (Ā_kl = Σ_r M_kr conj(B_lr), `b(l, r)` B's entry), each part written only
    where `c.wanted` asks for it (a real matrix's imaginary parts are numbers): real parts, then imaginary ones."""
    n, half = c.rows, len(c.entries) // 2
    re, im = [0] * half, [0] * half
    for k in range(n):
        terms = [(r, named_sum(m[k][r].re), named_sum(m[k][r].im)) for r in range(n) if not _is_zero(m[k][r])]
        for l in range(half // n):
            at = k * (half // n) + l
            pairs = [(x, y, b(l, r)) for r, x, y in terms]
            if c.wanted[at]:  # Re(M conj B) = Mre Bre + Mim Bim
                re[at] = total([t for x, y, z in pairs for t in (product(x, z.re), product(y, z.im))])
            if c.wanted[half + at]:  # Im(M conj B) = Mim Bre − Mre Bim
                im[at] = total([t for x, y, z in pairs for t in (product(y, z.re), -product(x, z.im))])
    return re + im


def _is_zero(z: _C) -> bool:
    """Whether the complex rule value z is structurally 0 (both parts the number 0)."""
    return z.re == 0 and z.im == 0


def _of_real(parts):
    """`parts` of the real part of a (a real matrix, given as complex with imaginary parts 0: LAPACK's real
    routine, whose order of eigenvalues and phases of vectors are NumPy's for the real matrix)."""
    return lambda a: parts(real(a) if not isinstance(a, np.ndarray) else a.real)


for _kind in ("reig", "reig0", "ceig", "ceig0"):
    _real_kind = _kind.startswith("r")
    matrix_kind(
        _kind,
        _of_real(_eig_parts) if _real_kind else _eig_parts,
        _no_high_precision,
        _of_real(_traced_eig) if _real_kind else _traced_eig,
        _eig_rules(_kind),
        lambda rows, cols: [(1, rows)] * 2 + [(rows, rows)] * 7,
        split=True,  # (every kind's parts real; a real matrix's imaginary parts are 0)
        tangent=functools.partial(_eig_tangent, kind=_kind),
        cotangent=functools.partial(_eig_cotangent, kind=_kind),
    )


# -- the translations ---------------------------------------------------------------------------


def _complex_of(kind, re_part, im_part, **how):
    re, im = opaque_translation(kind, re_part, **how), opaque_translation(kind, im_part, **how)
    return lambda m: re(m) + _sp().I * im(m)


def _is_real(m) -> bool:
    return all(_sp().Add(e).is_extended_real for e in m)  # (Add: a SymPy value, never a parse)


def _eig_translation(parts, values=False):
    def one(m):
        kind = ("reig" if _is_real(m) else "ceig") + ("0" if values else "")
        return _complex_of(kind, *parts, vector=values)(m)

    return _per_matrix(one)


def _held_phase_fns(tag, signs, split):
    """SymPy: the phases LAPACK's vectors carry relative to the gauge-fixed ones (`signs(matrix)` -> (..., n),
    a registry entry: eig_signs, qr_signs), entry j's real and imaginary parts as functions of
    (j, rows, *entries) (a complex matrix's: real parts, then imaginary ones) with derivative 0 (held)."""
    fns = []
    for part, take in (("re", real), ("im", imag_part)):

        def numeric(j, rows, *entries, take=take):
            from .decompositions import _from_entries

            if split:
                half = len(entries) // 2
                matrix = _from_entries(rows, entries[:half]) + _from_entries(rows, entries[half:]) * 1j
            else:
                matrix = _from_entries(rows, entries)
            return take(signs(matrix))[(..., int(j))]

        def on_float(*args, numeric=numeric):
            return float(numeric(*[float(a) for a in args]))

        name = f"difflab_{tag}{'_split' if split else ''}_phase_{part}"
        SYMPY_TRACED[name] = numeric
        zero = lambda args, i: _sp().Integer(0)  # noqa: E731
        fns.append(sympy_function(name, numeric, zero, on_float, on_float, methods=HELD_REAL))
    return fns


def _held_phases(tag, signs):
    """The translation of a phases entry on one SymPy matrix m: min(m.shape) held phases, (n,)."""

    def one(m):
        split = not _is_real(m)
        re_fn, im_fn = _held_phase_fns(tag, signs, split)
        entries = list(m)
        if split:
            pairs = [_sp().Add(e).as_real_imag() for e in entries]
            entries = [x for x, _ in pairs] + [y for _, y in pairs]
        rows = m.shape[0]
        return np.array(
            [re_fn(j, rows, *entries) + _sp().I * im_fn(j, rows, *entries) for j in range(min(m.shape))], dtype=object
        )

    return one


def _eig_signs_vector(matrix):
    from .eig import eig_signs

    return eig_signs(matrix)[..., 0, :]


def _eig_signs(m):
    return _held_phases("eig", _eig_signs_vector)(m)[None, :]


TRANSLATIONS = {
    "inv": _per_matrix(_complex_of("cinv", 0, 1)),
    "det": _per_matrix(lambda m: m.det(), "det", 4, _complex_of("cdet", 0, 1, scalar=True)),
    "logabsdet": _per_matrix(opaque_translation("clogabsdet", 0, scalar=True)),
    "detphase": _per_matrix(_complex_of("cdetphase", 0, 1, scalar=True)),
    "eig_values": _eig_translation((0, 1), values=True),
    "eig_vectors": _eig_translation((2, 3)),
    "eig_signs": _per_matrix(_eig_signs),
}


def translation(name):
    """The entry's SymPy translation (on complex matrices; eig's on real ones too), looked up at use."""

    def translate(*args, **params):
        return TRANSLATIONS[name](*args, **params)

    return translate


# -- cholesky -------------------------------------------------------------------------------------
# A = L Lᴴ from A's lower triangle (the diagonal's real part); Y = L⁻¹ a part too. dL = L Φ(M), M = Y dH Yᴴ
# with dH the Hermitian matrix NumPy reads (dA = e·E_kl below the diagonal moves H_kl and H_lk = conj(H_kl),
# on it Re(e)), Φ: the lower triangle with the diagonal halved (decompositions._cholesky_jvp); dY = −Φ(M) Y.

_CHOL_NAMES = ("Lre", "Lim", "Yre", "Yim")


def _chol_parts(a):
    low = np.linalg.cholesky(a)
    y = np.linalg.inv(low)
    return low.real, low.imag, y.real, y.imag


def _traced_chol(a):
    from .decompositions import cholesky
    from .linalg import inv

    low = cholesky(a)
    y = inv(low)
    return real(low), imag_part(low), real(y), imag_part(y)


def _chol_tools(s, kind):
    d = _Direction(s, kind, _CHOL_NAMES)
    k, l = s.k, s.l
    low = lambda p, q: d.cx("L", p, q) if p >= q else _C(0)  # noqa: E731
    y = lambda p, q, c=False: d.cx("Y", p, q, c) if p >= q else _C(0)  # noqa: E731

    def phi(p, j):  # Φ(M)_pj
        if p < j:
            return _C(0)

        def compute():
            if k == l:
                m = y(p, k) * y(j, k, True) * d.e.re
            else:
                m = y(p, k) * d.e * y(j, l, True) + y(p, l) * d.e.conj() * y(j, k, True)
            return m if p > j else _C(m.re / 2)  # (M is Hermitian: its diagonal real)

        return _memo(d.key("phi", p, j), compute)

    return d, low, y, phi


def _chol_rule(s, kind, part):
    if s.k < s.l or s.i < s.j:  # (NumPy reads the lower triangle; L and L⁻¹ are lower triangular)
        return _C(0)
    _, low, y, phi = _chol_tools(s, kind)
    i, j = s.i, s.j
    if part == "L":
        return _total([low(i, p) * phi(p, j) for p in range(j, i + 1)])
    return _C(0) - _total([phi(i, p) * y(p, j) for p in range(j, i + 1)])


def _chol_rules(kind):
    rules = {}
    for part, name in ((0, "L"), (2, "Y")):
        one = functools.partial(_chol_rule, kind=kind, part=name)
        rules[part], rules[part + 1] = _split_rule(one, False), _split_rule(one, True)
    return rules


matrix_kind("cchol", _chol_parts, _no_high_precision, _traced_chol, _chol_rules("cchol"), _square(4), split=True)


# -- pinv -----------------------------------------------------------------------------------------
# Golub & Pereyra with conjugate transposes (decompositions._pinv_jvp), for dA = e·E_kl:
# dP_ij = −P_ik e P_lj + (P Pᴴ)_il conj(e) (I − A P)_kj + (I − P A)_il conj(e) (Pᴴ P)_kj.


def _pinv_tools(s, kind):
    d = _Direction(s, kind, ("Pre", "Pim"))
    rows, cols = s.rows, s.cols
    p = lambda i, j, c=False: d.cx("P", i, j, c)  # noqa: E731
    a = lambda i, j: _C(s.entries[i * cols + j], s.entries[s.half + i * cols + j])  # noqa: E731

    def product(name, i, j, compute):  # (independent of the direction: one per entry)
        return _memo((kind, name, i, j, s.rows, s.entries), compute)

    def pph(i, j):
        return product("pph", i, j, lambda: _total([p(i, r) * p(j, r, True) for r in range(rows)]))

    def php(i, j):
        return product("php", i, j, lambda: _total([p(c, i, True) * p(c, j) for c in range(cols)]))

    def i_ap(i, j):
        return product("i_ap", i, j, lambda: _C(int(i == j)) - _total([a(i, c) * p(c, j) for c in range(cols)]))

    def i_pa(i, j):
        return product("i_pa", i, j, lambda: _C(int(i == j)) - _total([p(i, r) * a(r, j) for r in range(rows)]))

    return d, p, pph, php, i_ap, i_pa


def _pinv_rule(s, kind):
    d, p, pph, php, i_ap, i_pa = _pinv_tools(s, kind)
    i, j, k, l, ec = s.i, s.j, s.k, s.l, d.e.conj()
    return _C(0) - p(i, k) * d.e * p(l, j) + pph(i, l) * ec * i_ap(k, j) + i_pa(i, l) * ec * php(k, j)


def _cpinv_kind(rcond) -> str:
    """The complex pinv's kind with `rcond` (None: NumPy's default cutoff), declared at first use."""
    import struct

    from .decompositions import _pinv_impl, pinv
    from .opaque import opaque_kinds

    kind = "cpinv" if rcond is None else "cpinv_" + struct.pack(">d", float(rcond)).hex()
    if kind not in opaque_kinds():

        def parts(a):
            _refuse_a_cut(a, rcond)
            x = _pinv_impl(a, rcond)
            return x.real, x.imag

        def traced(a):
            x = pinv(a, rcond=rcond)
            return real(x), imag_part(x)

        one = functools.partial(_pinv_rule, kind=kind)
        rules = {0: _split_rule(one, False), 1: _split_rule(one, True)}
        matrix_kind(kind, parts, _no_high_precision, traced, rules, lambda rows, cols: [(cols, rows)] * 2, split=True)
    return kind


def _refuse_a_cut(a, rcond) -> None:
    """The complex kind's rule is the constant-rank one (Golub-Pereyra's): where `rcond` drops a singular value
    above NumPy's default cutoff (not round-off's zero), the derivative also moves through the dropped pairs
    (review56: forward/reverse add that term; off by 0.39 here without it), so symbolic refuses by name."""
    if rcond is None or not np.all(np.isfinite(a)):
        return
    s = np.linalg.svd(a, compute_uv=False)
    top, noise = s.max(axis=-1, keepdims=True), max(a.shape[-2:]) * np.finfo(float).eps
    if np.any((s <= rcond * top) & (s > noise * top)):
        from ..errors import NotDifferentiableError

        raise NotDifferentiableError(
            f"symbolic pinv of a complex matrix with rcond={rcond} dropping a nonzero singular value "
            f"(σ/σ_max = {float((s / top)[(s <= rcond * top)].max()):.3g}): its symbolic rule is the constant-rank one; "
            "use method='forward' or 'reverse', whose rules add the dropped pairs' term"
        )


def _pinv_translation(a, rcond=None):
    return _per_matrix(_complex_of(_cpinv_kind(rcond), 0, 1))(a)


TRANSLATIONS["cholesky"] = _per_matrix(_complex_of("cchol", 0, 1, lower=True))
TRANSLATIONS["pinv"] = _pinv_translation


# -- qr -------------------------------------------------------------------------------------------
# A = Q R with R's diagonal real and positive (qr.py's qr_q, qr_r; LAPACK's phases held by qr_signs); S = R_X⁻¹
# (R_X: R's leading k×k block) a part too. For dA = e·E_ab with b < k (qr._square_jvp): X = dA S, C = Qᴴ X,
# B = dR_X S = triu(C, 1) + tril(C, -1)ᴴ + Re(diag C), dR_X = B R_X, dQ = X − Q B, dS = −S B; a wide A's
# columns past k: d(Qᴴ Y) = dQᴴ Y + Qᴴ dY (with b ≥ k only the last term moves).

_QR_NAMES = ("Qre", "Qim", "Rre", "Rim", "Sre", "Sim")


def _qr_parts(a):
    from .qr import _positive_impl

    q, r = _positive_impl(a, "q"), _positive_impl(a, "r")
    k = min(a.shape[-2:])
    x = np.linalg.inv(r[..., :, :k])
    return q.real, q.imag, r.real, r.imag, x.real, x.imag


def _traced_qr(a):
    from .linalg import inv
    from .qr import qr_q, qr_r

    q, r = qr_q(a), qr_r(a)
    x = inv(r[..., :, : min(_shape_of(a)[-2:])])
    return real(q), imag_part(q), real(r), imag_part(r), real(x), imag_part(x)


def _shape_of(x):
    from .core import _shape

    return _shape(x)


def _qr_tools(s, kind):
    d = _Direction(s, kind, _QR_NAMES)
    m, n = s.rows, s.cols
    k, (a, b) = min(m, n), (s.k, s.l)
    q = lambda i, j, c=False: d.cx("Q", i, j, c)  # noqa: E731
    r = lambda i, j: d.cx("R", i, j) if i <= j else _C(0)  # noqa: E731
    x = lambda i, j: d.cx("S", i, j) if i <= j else _C(0)  # noqa: E731

    def c(p, j):  # (Qᴴ dA S)_pj
        return q(a, p, True) * d.e * x(b, j)

    def upper(p, j):  # B_pj
        if b >= k or p > j:
            return _C(0)
        return _memo(d.key("B", p, j), lambda: c(p, j) + c(j, p).conj() if p < j else _C(c(j, j).re))

    def dq(i, j):
        if b >= k:
            return _C(0)

        def compute():
            lead = d.e * x(b, j) if i == a else _C(0)
            return lead - _total([q(i, p) * upper(p, j) for p in range(j + 1)])

        return _memo(d.key("dQ", i, j), compute)

    def dr(i, j):
        if i > j:
            return _C(0)
        if j < k:
            return _total([upper(i, p) * r(p, j) for p in range(i, j + 1)])
        y = lambda row: _C(s.entries[row * n + j], s.entries[s.half + row * n + j])  # noqa: E731
        moved = q(a, i, True) * d.e if b == j else _C(0)
        return moved + _total([dq(row, i).conj() * y(row) for row in range(m)]) if b < k else moved

    def ds(i, j):
        return _C(0) - _total([x(i, p) * upper(p, j) for p in range(i, j + 1)])

    return dq, dr, ds


def _entry_rule(s, kind, tools, k):
    return tools(s, kind)[k](s.i, s.j)


def _entry_rules(kind, tools, count):
    """The rules of an opaque kind whose part k (real part 2k, imaginary part 2k + 1) has the entry rule that is
    the k-th function `tools(s, kind)` returns, at (s.i, s.j)."""
    rules = {}
    for k in range(count):
        one = functools.partial(_entry_rule, kind=kind, tools=tools, k=k)
        rules[2 * k], rules[2 * k + 1] = _split_rule(one, False), _split_rule(one, True)
    return rules


def _qr_rules(kind):
    return _entry_rules(kind, _qr_tools, 3)  # Q, R, S


matrix_kind(
    "cqr",
    _qr_parts,
    _no_high_precision,
    _traced_qr,
    _qr_rules("cqr"),
    lambda rows, cols: [(rows, min(rows, cols))] * 2 + [(min(rows, cols), cols)] * 2 + [(min(rows, cols),) * 2] * 2,
    split=True,
)


def _qr_r_translation(m):
    out = _complex_of("cqr", 2, 3)(m)
    for i, j in zip(*np.tril_indices(out.shape[0], -1, out.shape[1])):
        out[i, j] = _sp().Integer(0)  # (R's structural zeros)
    return out


def _qr_signs_vector(matrix):
    from .qr import qr_signs

    return qr_signs(matrix)


TRANSLATIONS["qr_q"] = _per_matrix(_complex_of("cqr", 0, 1))
TRANSLATIONS["qr_r"] = _per_matrix(_qr_r_translation)
TRANSLATIONS["qr_signs"] = _per_matrix(_held_phases("qr", _qr_signs_vector))


# -- qr's complete mode: the extra columns of a tall complex matrix -----------------------------------
# P = Q_mp (LAPACK's, qr.QR_COMPLEMENT) from its reduced Q, L = Q_mn = Q_gs conj(d) (Gram–Schmidt's Q, the `cqr`
# kind's, times the conjugated phases d of LAPACK's R diagonal, held): with M = (L_nn − I)⁻¹ and Z = L_pn M (p = m − n
# rows past n), along dA = e·E_ab (reverse's rule, JAX's qr_jvp_rule): dL = dQ_gs conj(d), E = dL_pn − Z dL_nn,
# dP = dL Zᴴ − (L + P Z) Eᴴ, dZ = E M, dM = −M dL_nn M; d's derivative 0. Parts P, Z, M, d (each real and imaginary).

_QRC_NAMES = ("Pre", "Pim", "Zre", "Zim", "Mre", "Mim", "dre", "dim")


def _qrc_parts(a):
    from .qr import _signs_impl

    n = a.shape[-1]
    full = np.linalg.qr(a, mode="complete")[0]
    low = full[..., :, :n]
    m = np.linalg.inv(low[..., :n, :] - np.eye(n))
    z = low[..., n:, :] @ m
    d = _signs_impl(a)[..., None, :]
    p = full[..., :, n:]
    return p.real, p.imag, z.real, z.imag, m.real, m.imag, d.real, d.imag


def _traced_qrc(a):
    from .complexes import conj
    from .core import _reshape
    from .linalg import inv
    from .qr import QR_COMPLEMENT, qr_q, qr_signs

    shape = _shape_of(a)
    n = shape[-1]
    d = _reshape(qr_signs(a), shape[:-2] + (1, n))
    low = qr_q(a) * conj(d)
    m = inv(low[..., :n, :] - np.eye(n))
    z = low[..., n:, :] @ m
    p = QR_COMPLEMENT(a)
    return tuple(f(x) for x in (p, z, m, d) for f in (real, imag_part))


def _qrc_tools(s, kind):
    d = _Direction(s, kind, _QRC_NAMES)
    m, n = s.rows, s.cols
    dq = _qr_tools(s, "cqr")[0]  # (Gram–Schmidt's dQ along this direction: the cqr kind's rule)
    pk = lambda i, j: d.cx("P", i, j)  # noqa: E731
    z = lambda i, j, c=False: d.cx("Z", i, j, c)  # noqa: E731
    mm = lambda i, j: d.cx("M", i, j)  # noqa: E731
    ph = lambda j: d.cx("d", 0, j)  # noqa: E731
    q = lambda i, j: _C(s.at("cqr", 0, i, j), s.at("cqr", 1, i, j))  # noqa: E731

    def dl(i, j):  # d(Q_gs conj(d))
        return _memo(d.key("dL", i, j), lambda: dq(i, j) * ph(j).conj())

    def e(r, j):  # (dL_pn − Z dL_nn)_rj
        return _memo(d.key("E", r, j), lambda: dl(n + r, j) - _total([z(r, t) * dl(t, j) for t in range(n)]))

    def lpz(i, t):  # (L + P Z)_it, independent of the direction
        def compute():
            return q(i, t) * ph(t).conj() + _total([pk(i, r) * z(r, t) for r in range(m - n)])

        return _memo((kind, "LPZ", i, t, s.rows, s.entries), compute)

    def dp(i, j):
        terms = [dl(i, t) * z(j, t, True) for t in range(n)] + [_C(0) - lpz(i, t) * e(j, t).conj() for t in range(n)]
        return _total(terms)

    def dz(r, j):
        return _total([e(r, t) * mm(t, j) for t in range(n)])

    def dm(i, j):
        return _C(0) - _total([mm(i, t) * dl(t, u) * mm(u, j) for t in range(n) for u in range(n)])

    return dp, dz, dm


def _qrc_rules(kind):
    rules = _entry_rules(kind, _qrc_tools, 3)  # P, Z, M
    rules[6] = rules[7] = lambda s: 0  # (LAPACK's phases: piecewise constant, held)
    return rules


matrix_kind(
    "cqrc",
    _qrc_parts,
    _no_high_precision,
    _traced_qrc,
    _qrc_rules("cqrc"),
    lambda rows, cols: [(rows, rows - cols)] * 2 + [(rows - cols, cols)] * 2 + [(cols, cols)] * 2 + [(1, cols)] * 2,
    split=True,
)

TRANSLATIONS["qr_complement"] = _per_matrix(_complex_of("cqrc", 0, 1))
