"""The symbolic method's SVD and Hermitian eigendecomposition of complex matrices: opaque matrix functions
(opaque.py, `split=True`) whose parts are real (U as Re U and Im U), their derivatives in Re a_kl and
Im a_kl written with the same functions, and the complex translations of the registry entries
(decompositions.py's `sympy_complex`), used at every size (the explicit small forms are for real values).

How it works. The rules are the JVPs of decompositions.py entry by entry, for the direction dA = e·E_kl
(e = 1 for Re a_kl, i for Im a_kl), including the gauge: each eigenvector (each row of Vh) has its
largest-magnitude entry real and positive, the turn −i·θ_j·v_j that keeps it so, θ_j = Im(dv_pj)/v_pj at
that entry p, whose one-hot is a part of its own with derivative 0 (piecewise constant). A rule is a
complex SymPy expression of the real parts, split by `as_real_imag` into the rules of the real parts.
The sums over p in a rule (V (F∘Q), θ's sum over the column) are factored so that each is one per matrix and
entry, not per direction dA (svd: Σ_p v_rp ū_cp σ_p F_pj, ...; eigh: H_ijc = Σ_p V_ip V̄_cp F_pj), and named by
the symbolic method: a rule is then O(1) products of names, where the n⁴ partials took O(n) terms each.
Each kind also has a directional rule (`_svd_tangent`, `_eigh_tangent`: the same rules summed over the
direction, in matrix form), which the symbolic method's forward tangents use: O(n³) per direction.
"""

from __future__ import annotations

import functools

import numpy as np

from .canonical import product, total
from .core import HELD_REAL, SYMPY_TRACED, _sp, sympy_function
from .decompositions import (
    SIGN_IMPLS,
    _eigh_impl,
    _largest_entries,
    _row,
    _swap_last,
    _from_entries,
    _svd_impl,
    eigh_values,
    eigh_vectors,
    svd_s,
    svd_u,
    svd_vt,
)
from .complexes import imag_part
from .elementwise import real
from .linalg import _per_matrix
from .opaque import active_namer, matrix_kind, named_sum, opaque_translation

__all__: list = []


def _anchors(v):
    """(..., n, k): per column of v, the one-hot of its largest-magnitude entries (the gauge's anchor)."""
    mag = np.abs(v)
    return (mag == mag.max(axis=-2, keepdims=True)) * 1.0


def _svd_parts(a):
    u, s, vt = _svd_impl(a)
    return u.real, u.imag, s[..., None, :], vt.real, vt.imag, np.swapaxes(_anchors(np.swapaxes(vt, -1, -2)), -1, -2)


def _eigh_parts(a):
    w, v = _eigh_impl(a)
    return w[..., None, :], v.real, v.imag, _anchors(v)


def _no_high_precision(*_):
    from ..errors import NotDifferentiableError

    raise NotDifferentiableError("high precision (evalf) of a complex matrix's SVD or eigh is not available")


def _traced_svd(a):
    u, s, vt = svd_u(a), svd_s(a), svd_vt(a)
    picks = _swap_last(_largest_entries(_swap_last(vt))[0])
    return real(u), imag_part(u), _row(s), real(vt), imag_part(vt), picks


def _traced_eigh(a):
    w, v = eigh_values(a), eigh_vectors(a)
    return _row(w), real(v), imag_part(v), _largest_entries(v)[0]


class _C:
    """A complex value as its real and imaginary parts (real SymPy expressions): the rules' arithmetic,
    without SymPy's expand and as_real_imag (slow on sums of products)."""

    __slots__ = ("re", "im")

    def __init__(self, re, im=0):
        self.re, self.im = re, im

    def __add__(self, o):
        o = o if isinstance(o, _C) else _C(o)
        return _C(self.re + o.re, self.im + o.im)

    def __sub__(self, o):
        return self + (-o if isinstance(o, _C) else _C(-o))

    def __neg__(self):
        return _C(-self.re, -self.im)

    def __mul__(self, o):
        # sums multiplied by their names (opaque.named_sum, in the symbolic method): SymPy's nested products of
        # sums were most of a complex SVD's Hessian, built and then taken apart again to name each sum
        a, b = named_sum(self.re), named_sum(self.im)
        if not isinstance(o, _C):  # a real factor
            o = named_sum(o)
            return _C(product(a, o), product(b, o))
        c, d = named_sum(o.re), named_sum(o.im)
        minus = _sp().S.NegativeOne
        return _C(total([product(a, c), product(minus, product(b, d))]), total([product(a, d), product(b, c)]))

    __rmul__ = __mul__

    def __truediv__(self, x):  # (by a real x)
        return _C(self.re / x, self.im / x)

    def conj(self):
        return _C(self.re, -self.im)


def _total(terms) -> _C:
    add = _sp().Add
    return _C(add(*[t.re for t in terms]), add(*[t.im for t in terms]))


#: complex rules' values by (rule, slot): the real and imaginary parts' rules share one computation
_MEMO: dict = {}
_MISSING = object()


def _memo(key, compute):
    # keyed on the active namer too: under opaque.naming a rule's value holds one Program's names, which
    # another Program (a later derivative) must not be given (its traced code met an unknown symbol)
    key = (active_namer(), *key)
    hit = _MEMO.get(key, _MISSING)  # (one lookup: the key's hash walks the matrix's entries)
    if hit is _MISSING:
        if len(_MEMO) > 20000:
            _MEMO.clear()
        hit = _MEMO[key] = compute()
    return hit


class _Direction:
    """dA = e·E_ab (e = 1 for Re a_ab, i for Im a_ab) and the parts of one kind at a rule's slot."""

    def __init__(self, s, kind, names):
        self.s, self.kind, self.a, self.b = s, kind, s.k, s.l
        self.e = _C(0, 1) if s.imag else _C(1, 0)
        self.part = lambda n, p, q: s.at(kind, names.index(n), p, q)

    def cx(self, name, p, q, conj=False) -> _C:
        value = _C(self.part(name + "re", p, q), self.part(name + "im", p, q))
        return value.conj() if conj else value

    def key(self, *what):
        return (self.kind, *what, self.a, self.b, self.s.imag, self.s.rows, self.s.entries)


def _split_rule(rule, imaginary):
    """The rule of a real part: Re or Im of the complex rule (computed once for both)."""

    def part(s):
        value = _memo((rule, s.i, s.j, s.k, s.l, s.imag, s.rows, s.entries), lambda: rule(s))
        return value.im if imaginary else value.re

    return part


_SVD_NAMES = ("Ure", "Uim", "s", "Vhre", "Vhim", "anchor")


def _svd_tools(s, kind):
    d = _Direction(s, kind, _SVD_NAMES)
    sp, k = _sp(), min(s.rows, s.cols)
    sv = lambda q: d.part("s", 0, q)  # noqa: E731
    u = lambda p, q, c=False: d.cx("U", p, q, c)  # noqa: E731
    v = lambda p, q, c=False: d.cx("Vh", q, p, not c)  # noqa: E731  (V = Vhᴴ)
    dp = lambda p, q: d.e * u(d.a, p, True) * v(d.b, q)  # noqa: E731  (dP = Uᴴ dA V; gap below: 1/(σ_q² − σ_p²))

    def shared(name, *at, compute):  # (independent of the direction: one per matrix and entry)
        return _memo((kind, name, *at, s.rows, s.entries), compute)

    gap = lambda p, q: shared("gap", p, q, compute=lambda: named_sum(sv(q) ** 2 - sv(p) ** 2) ** -1)  # noqa: E731

    # dP = e ū_a· v_b·, dPᴴ = ē u_a· v̄_b·: each sum over p below is one per matrix (named), so a rule is O(1)
    # products per direction (the n⁴ partials of an n×n SVD took O(n) terms each)
    def v_a(r, j, c):  # Σ_p v_rp ū_cp σ_p F_pj (dV0's term in dP)
        terms = lambda: [v(r, p) * (u(c, p, True) * product(sv(p), gap(p, j))) for p in range(k) if p != j]  # noqa: E731
        return shared("Va", r, j, c, compute=lambda: _total(terms()))

    def v_b(r, j, c):  # σ_j Σ_p v_rp v̄_cp F_pj, and a wide A's (I − VVᴴ) dAᴴ U S⁻¹: ([r = c] − (VVᴴ)_rc)/σ_j
        def compute():
            out = _total([v(r, p) * (v(c, p, True) * product(sv(j), gap(p, j))) for p in range(k) if p != j])
            if s.cols > k:
                rest = _total([v(r, p) * v(c, p, True) for p in range(k)])
                out = out + (_C(int(r == c)) - rest) * sv(j) ** -1
            return out

        return shared("Vb", r, j, c, compute=compute)

    def dv0(r, j):  # dV in the gauge Vᴴ dV diagonal-free: V (F∘(S dP + dPᴴ S)) + (I − VVᴴ) dAᴴ U S⁻¹
        return d.e * v(d.b, j) * v_a(r, j, d.a) + d.e.conj() * u(d.a, j) * v_b(r, j, d.b)

    def theta(j):  # the turn that keeps row j of Vh's anchor entry real
        if kind in _GAUGE_FREE:
            return 0

        def compute():
            picks = [(d.part("anchor", j, r), r) for r in range(s.cols)]
            top = shared("top", j, compute=lambda: named_sum(sp.Add(*[w * d.part("Vhre", j, r) for w, r in picks])))
            ya = shared("Ya", j, d.a, compute=lambda: _total([v_a(r, j, d.a) * w for w, r in picks]))
            yb = shared("Yb", j, d.b, compute=lambda: _total([v_b(r, j, d.b) * w for w, r in picks]))
            turn = d.e * v(d.b, j) * ya + d.e.conj() * u(d.a, j) * yb
            return product(turn.im, top**-1)

        return _memo(d.key("theta", j), compute)

    def u_a(i, j, c):  # σ_j Σ_p u_ip ū_cp F_pj, and a tall A's (I − UUᴴ) dA V S⁻¹: ([i = c] − (UUᴴ)_ic)/σ_j
        def compute():
            out = _total([u(i, p) * (u(c, p, True) * product(sv(j), gap(p, j))) for p in range(k) if p != j])
            if s.rows > k:
                rest = _total([u(i, p) * u(c, p, True) for p in range(k)])
                out = out + (_C(int(i == c)) - rest) * sv(j) ** -1
            return out

        return shared("Ua", i, j, c, compute=compute)

    def u_b(i, j, c):  # Σ_p u_ip v̄_cp σ_p F_pj (dU's term in dPᴴ)
        terms = lambda: [u(i, p) * (v(c, p, True) * product(sv(p), gap(p, j))) for p in range(k) if p != j]  # noqa: E731
        return shared("Ub", i, j, c, compute=lambda: _total(terms()))

    return d, sv, u, v, dp, dv0, theta, u_a, u_b


def _svd_value_rule(s, kind):
    d, _, u, v, *_ = _svd_tools(s, kind)
    return (d.e * u(d.a, s.j, True) * v(d.b, s.j)).re  # dσ_j = Re(dP_jj)


def _svd_u_rule(s, kind):  # dU = U (F∘(dP S + S dPᴴ) + i Im(dP_jj)/s_j) + (I − UUᴴ) dA V S⁻¹, then the gauge's turn
    d, sv, u, v, dp, _, theta, u_a, u_b = _svd_tools(s, kind)
    i, j = s.i, s.j
    out = d.e * v(d.b, j) * u_a(i, j, d.a) + d.e.conj() * u(d.a, j) * u_b(i, j, d.b)
    turn = product(dp(j, j).im, sv(j) ** -1) - theta(j)  # (i Im(dP_jj)/s_j, and the gauge's −i θ_j)
    return out + u(i, j) * _C(0, turn)


def _svd_vh_rule(s, kind):  # row j of dVh = conj(column j of dV), dV = dV0 − i θ_j V
    _, _, _, v, _, dv0, theta, _, _ = _svd_tools(s, kind)
    j, i = s.i, s.j
    return dv0(i, j).conj() + v(i, j, True) * _C(0, theta(j))


#: kinds whose vectors only reach the values' rules (svd_s, eigh_values): those are gauge-invariant, so
#: the vectors' rules may leave the gauge's turn out (their derivatives, in any one gauge, are the same)
_GAUGE_FREE = ("csvd0", "ceigh0")


def _svd_rules(kind):
    u, vh = functools.partial(_svd_u_rule, kind=kind), functools.partial(_svd_vh_rule, kind=kind)
    return {
        0: _split_rule(u, False),
        1: _split_rule(u, True),
        2: functools.partial(_svd_value_rule, kind=kind),
        3: _split_rule(vh, False),
        4: _split_rule(vh, True),
        5: lambda s: 0,
    }


def _tangent_tools(t, kind, names):
    """A directional rule's helpers: `memo(key, compute)` (one value per matrix and direction, `t.memo`), `cx(name,
    p, q)` (a complex part's entry from its real and imaginary parts) and `da(p, q)` (the complex tangent)."""

    def memo(key, compute):
        if key not in t.memo:
            t.memo[key] = compute()
        return t.memo[key]

    def cx(name, p, q):
        k = names.index(name + "re")
        return _C(t.at(kind, k, p, q), t.at(kind, k + 1, p, q))

    return memo, cx, lambda p, q: _C(*t.da(p, q))


def _svd_tangent_products(t, kind):
    """`_tangent_tools`, the singular values σ_q, V = Vhᴴ, the gaps' inverses 1/(σ_q² − σ_p²) (named once per
    matrix, the entry rules' names), Uᴴ dA and dP = Uᴴ dA V (one per direction) of the SVD's directional rule."""
    memo, cx, da = _tangent_tools(t, kind, _SVD_NAMES)
    sv = lambda q: t.at(kind, 2, 0, q)  # noqa: E731
    v = lambda p, q: cx("Vh", q, p).conj()  # noqa: E731

    def gap(p, q):
        return _memo((kind, "gap", p, q, t.rows, t.entries), lambda: named_sum(sv(q) ** 2 - sv(p) ** 2) ** -1)

    def uda(p, c):
        return memo(("UdA", p, c), lambda: _total([cx("U", a, p).conj() * da(a, c) for a in range(t.rows)]))

    def dp(p, q):
        return memo(("dP", p, q), lambda: _total([uda(p, c) * v(c, q) for c in range(t.cols)]))

    return memo, cx, da, sv, v, gap, uda, dp


def _svd_tangent(t, part, i, j, kind):
    """Entry (i, j) of part `part`'s directional derivative along dA (`t`, opaque.Tangent) in matrix form, the
    entry rules above summed over the direction, each matrix one per direction (t.memo): dP = Uᴴ dA V, dσ_j =
    Re dP_jj, dU = U (F∘(dP S + S dPᴴ) + i diag(Im dP_jj/σ_j − θ_j)) + (I − UUᴴ) dA V S⁻¹, dV0 = V (F∘(S dP +
    dPᴴ S)) + (I − VVᴴ) dAᴴ U S⁻¹, dVh = (dV0 − i V diag θ)ᴴ: O(n³) products per direction, where the entry rules
    take n² partials per entry (the JVPs of a nested check of a 4×4 complex SVD: most of its time)."""
    memo, cx, da, sv, v, gap, uda, dp = _svd_tangent_products(t, kind)
    rows, cols = t.rows, t.cols
    k = min(rows, cols)

    def du(r, c):
        def compute():
            out = _total(
                [cx("U", r, p) * (dp(p, c) * product(sv(c), gap(p, c)) + dp(c, p).conj() * product(sv(p), gap(p, c)))
                 for p in range(k) if p != c]
            )  # fmt: skip
            if rows > k:  # ((dA V)_rc − (U dP)_rc)/σ_c
                dav = _total([da(r, b) * v(b, c) for b in range(cols)])
                out = out + (dav - _total([cx("U", r, p) * dp(p, c) for p in range(k)])) * sv(c) ** -1
            return out + cx("U", r, c) * _C(0, product(dp(c, c).im, sv(c) ** -1) - theta(c))

        return memo(("dU", r, c), compute)

    def dv0(r, c):
        def compute():
            out = _total(
                [v(r, p) * (dp(p, c) * product(sv(p), gap(p, c)) + dp(c, p).conj() * product(sv(c), gap(p, c)))
                 for p in range(k) if p != c]
            )  # fmt: skip
            if cols > k:  # (conj((Uᴴ dA)_cr) − (V dPᴴ)_rc)/σ_c
                rest = _total([v(r, p) * dp(c, p).conj() for p in range(k)])
                out = out + (uda(c, r).conj() - rest) * sv(c) ** -1
            return out

        return memo(("dV0", r, c), compute)

    def theta(c):  # the turn that keeps row c of Vh's anchor entry real
        if kind in _GAUGE_FREE:
            return 0

        def compute():
            picks = [(t.at(kind, 5, c, r), r) for r in range(cols)]
            top = _memo(
                (kind, "top", c, t.rows, t.entries),
                lambda: named_sum(_sp().Add(*[w * t.at(kind, 3, c, r) for w, r in picks])),
            )
            return product(_total([dv0(r, c) * w for w, r in picks]).im, top**-1)

        return memo(("theta", c), compute)

    if part in (0, 1):
        value = du(i, j)
    elif part == 2:
        return dp(j, j).re
    elif part in (3, 4):
        value = dv0(j, i).conj() + cx("Vh", i, j) * _C(0, theta(i))
    else:
        return 0
    return value.re if part in (0, 3) else value.im


for _kind in ("csvd", "csvd0"):
    matrix_kind(
        _kind,
        _svd_parts,
        _no_high_precision,
        _traced_svd,
        _svd_rules(_kind),
        lambda rows, cols: [(rows, min(rows, cols))] * 2 + [(1, min(rows, cols))] + [(min(rows, cols), cols)] * 3,
        split=True,
        tangent=functools.partial(_svd_tangent, kind=_kind),
    )


_EIGH_NAMES = ("w", "Vre", "Vim", "anchor")


def _eigh_tools(s, kind):
    """dH (Hermitian, from the lower triangle: a_ab below the diagonal moves H_ab and H_ba = conj(a_ab), the
    diagonal's real part alone counts) as Q = Vᴴ dH V, and dV0 = V (F∘Q), F_pj = 1/(w_j − w_p): dV0_ij =
    e V_bj H_ija + ē V_aj H_ijb (a = b: Re e V_aj H_ija), H_ijc = Σ_p V_ip V̄_cp F_pj one per matrix (named), so
    a rule is O(1) products per direction (the n⁴ partials of an n×n eigh took O(n) terms each)."""
    d = _Direction(s, kind, _EIGH_NAMES)
    sp, n, (a, b) = _sp(), s.rows, (s.k, s.l)
    w = lambda q: d.part("w", 0, q)  # noqa: E731
    v = lambda p, q, c=False: d.cx("V", p, q, c)  # noqa: E731

    def shared(name, *at, compute):  # (independent of the direction: one per matrix and entry)
        return _memo((kind, name, *at, s.rows, s.entries), compute)

    def q(p, r):
        if a == b:
            return v(a, p, True) * v(a, r) * d.e.re
        return d.e * v(a, p, True) * v(b, r) + d.e.conj() * v(b, p, True) * v(a, r)

    def gap(p, j):  # 1/(w_j − w_p), its sum named
        return shared("gap", p, j, compute=lambda: named_sum(w(j) - w(p)) ** -1)

    def h(i, j, c):
        return shared(
            "H", i, j, c, compute=lambda: _total([v(i, p) * (v(c, p, True) * gap(p, j)) for p in range(n) if p != j])
        )

    def dv0(i, j, h=h):
        if a == b:
            return v(a, j) * d.e.re * h(i, j, a)
        return d.e * v(b, j) * h(i, j, a) + d.e.conj() * v(a, j) * h(i, j, b)

    def theta(j):
        if kind in _GAUGE_FREE:
            return 0

        def compute():
            picks = [(d.part("anchor", r, j), r) for r in range(n)]
            top = shared("top", j, compute=lambda: named_sum(sp.Add(*[x * d.part("Vre", r, j) for x, r in picks])))

            def y(i, j, c):  # Σ_r anchor_rj H_rjc
                return shared("Y", j, c, compute=lambda: _total([h(r, j, c) * x for x, r in picks]))

            return product(dv0(None, j, h=y).im, top**-1)

        return _memo(d.key("theta", j), compute)

    return q, v, dv0, theta


def _eigh_value_rule(s, kind):
    if s.k < s.l:
        return 0
    return _eigh_tools(s, kind)[0](s.j, s.j).re


def _eigh_vector_rule(s, kind):  # dV = dV0 − i θ_j V
    if s.k < s.l:
        return _C(0)
    _, v, dv0, theta = _eigh_tools(s, kind)
    return dv0(s.i, s.j) - v(s.i, s.j) * _C(0, theta(s.j))


def _eigh_tangent(t, part, i, j, kind):
    """Entry (i, j) of part `part`'s directional derivative along dA (`t`, opaque.Tangent) in matrix form, the
    entry rules above summed over the direction, each matrix one per direction (t.memo): dH from dA's lower
    triangle (below the diagonal dH_ab = da_ab = conj(dH_ba), on it Re da_aa), Q = Vᴴ dH V, dw_j = Re Q_jj, dV0 =
    V (F∘Q), dV = dV0 − i V diag θ: O(n³) products per direction, where the entry rules take n² partials per entry."""
    memo, cx, da = _tangent_tools(t, kind, _EIGH_NAMES)
    n = t.rows
    w = lambda q: t.at(kind, 0, 0, q)  # noqa: E731

    def gap(p, q):  # 1/(w_q − w_p), named once per matrix (the entry rules' name for it)
        return _memo((kind, "gap", p, q, t.rows, t.entries), lambda: named_sum(w(q) - w(p)) ** -1)

    def dh(a, b):
        return da(a, b) if a > b else da(b, a).conj() if a < b else _C(da(a, a).re)

    def dhv(c, r):  # (dH V)_cr
        return memo(("dHV", c, r), lambda: _total([dh(c, b) * cx("V", b, r) for b in range(n)]))

    def q(p, r):  # (Vᴴ dH V)_pr
        return memo(("Q", p, r), lambda: _total([cx("V", c, p).conj() * dhv(c, r) for c in range(n)]))

    def dv0(r, c):
        return memo(("dV0", r, c), lambda: _total([cx("V", r, p) * (q(p, c) * gap(p, c)) for p in range(n) if p != c]))

    def theta(c):
        if kind in _GAUGE_FREE:
            return 0

        def compute():
            picks = [(t.at(kind, 3, r, c), r) for r in range(n)]
            top = _memo(
                (kind, "top", c, t.rows, t.entries),
                lambda: named_sum(_sp().Add(*[x * t.at(kind, 1, r, c) for x, r in picks])),
            )
            return product(_total([dv0(r, c) * x for x, r in picks]).im, top**-1)

        return memo(("theta", c), compute)

    if part == 0:
        return q(j, j).re
    if part == 3:
        return 0
    value = dv0(i, j) - cx("V", i, j) * _C(0, theta(j))
    return value.re if part == 1 else value.im


for _kind in ("ceigh", "ceigh0"):
    _vectors = functools.partial(_eigh_vector_rule, kind=_kind)
    matrix_kind(
        _kind,
        _eigh_parts,
        _no_high_precision,
        _traced_eigh,
        {
            0: functools.partial(_eigh_value_rule, kind=_kind),
            1: _split_rule(_vectors, False),
            2: _split_rule(_vectors, True),
            3: lambda s: 0,
        },
        lambda rows, cols: [(1, rows)] + [(rows, rows)] * 3,
        split=True,
        tangent=functools.partial(_eigh_tangent, kind=_kind),
    )


# -- the translations on complex matrices (decompositions.py's entries, `sympy_complex`) -------------


def _complex_part(kind, re_part, im_part):
    re, im = opaque_translation(kind, re_part), opaque_translation(kind, im_part)
    return _per_matrix(lambda m: re(m) + _sp().I * im(m))


def _phase_fns(kind):
    """SymPy: LAPACK's phase of vector j of a complex matrix, as its real and imaginary parts: functions of
    (j, rows, *Re entries, *Im entries) with derivative 0 (the phases are held, as decompositions.py's
    signs), evaluated with the registry entry (on traced entries too)."""
    impl = SIGN_IMPLS[kind]
    fns = []
    for part, take in (("re", real), ("im", imag_part)):

        def numeric(j, rows, *entries, take=take):
            half = len(entries) // 2
            matrix = _from_entries(rows, entries[:half]) + _from_entries(rows, entries[half:]) * 1j
            return take(impl(matrix))[(..., 0, int(j))]

        def on_float(*args, numeric=numeric):
            return float(numeric(*[float(a) for a in args]))

        name = f"difflab_{kind}_phase_{part}"
        SYMPY_TRACED[name] = numeric
        zero = lambda args, i: _sp().Integer(0)  # noqa: E731
        fn = sympy_function(name, numeric, zero, on_float, on_float, methods=HELD_REAL)
        fns.append(fn)
    return fns


def _phases(kind):
    def one(m):
        re_fn, im_fn = _phase_fns(kind)
        pairs = [_sp().Add(e).as_real_imag() for e in m]
        entries = [x for x, _ in pairs] + [y for _, y in pairs]
        row = [re_fn(j, m.shape[0], *entries) + _sp().I * im_fn(j, m.shape[0], *entries) for j in range(min(m.shape))]
        return np.array([row], dtype=object)

    return _per_matrix(one)


def _svd_phases(x, full=False):
    return _phases("svd_full" if full else "svd")(x)


def _eigh_phases(x, UPLO=None):
    return _phases(f"eigh_{UPLO or 'L'}")(x)


TRANSLATIONS = {
    "svd_u": _complex_part("csvd", 0, 1),
    "svd_s": _per_matrix(opaque_translation("csvd0", 2, vector=True)),
    "svd_vt": _complex_part("csvd", 3, 4),
    "svd_signs": _svd_phases,
    "eigh_values": _per_matrix(opaque_translation("ceigh0", 0, vector=True)),
    "eigh_vectors": _complex_part("ceigh", 1, 2),
    "eigh_signs": _eigh_phases,
}
