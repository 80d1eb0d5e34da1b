"""The algebraic Riccati equations (registry entries `care` and `dare`): SciPy's stabilizing solutions, and their
derivatives by the implicit function theorem — Lyapunov equations of the closed loop, so every order nests.

Continuous, X with Aᵀ X + X A − X G X + Q = 0, G = B R⁻¹ Bᵀ (SciPy's solve_continuous_are). Differentiated,
Aclᵀ dX + dX Acl = −(dAᵀ X + X dA − X dG X + dQ) with the closed loop Acl = A − G X, whose eigenvalues lie in the
open left half-plane at the stabilizing X, so the Sylvester solve (the registry's `sylvester`) always has one answer.

Discrete, X with Aᵀ X A − X − Aᵀ X B (R + Bᵀ X B)⁻¹ Bᵀ X A + Q = 0 (solve_discrete_are). With K = (R + Bᵀ X B)⁻¹ Bᵀ X A
and Acl = A − B K (eigenvalues inside the unit circle), dX − Aclᵀ dX Acl = dAᵀ X Acl + Aclᵀ X dA − Aclᵀ X dB K −
Kᵀ dBᵀ X Acl + Kᵀ dR K + dQ: a Stein equation, mapped as SciPy's 'bilinear' discrete Lyapunov solve to a Sylvester equation (O(n³)).

Q and R are read as symmetric (their symmetric parts: SciPy's solvers assume symmetric ones and return a symmetric
X), so their cotangents are symmetric. Real matrices, one system (no stacks); A (n, n), B (n, m), Q (n, n),
R (m, m) -> X (n, n). SciPy's `e` and `s` are refused by name in difflab.scipy.linalg. Symbolic: the scalar
equations' positive roots in closed form (n = m = 1); larger systems are refused by name (use forward or reverse).
"""

from __future__ import annotations

import numpy as np

from .core import _shape, _sp, defop, draw
from .linalg import _swap_last, _too_big, inv, matmul
from .matfuncs import _no_value, _one_by_one, sylvester


def _sym(x):
    return 0.5 * (x + _swap_last(x))


def _solve(kind, a, b, q, r):
    import scipy.linalg as sl

    a, b, q, r = (np.asarray(x, dtype=float) for x in (a, b, q, r))
    if not all(np.isfinite(x).all() for x in (a, b, q, r)):
        return np.full(a.shape, np.nan)  # (NaN passed on: reported where it arose)
    try:
        fn = sl.solve_continuous_are if kind == "care" else sl.solve_discrete_are
        return fn(a, b, 0.5 * (q + q.T), 0.5 * (r + r.T))
    except (np.linalg.LinAlgError, ValueError) as err:  # (no stabilizing solution: SciPy's reason, as NaN)
        return np.full(a.shape, _no_value(f"no stabilizing solution of the Riccati equation: {err}"))


def _care_impl(a, b, q, r):
    return _solve("care", a, b, q, r)


def _dare_impl(a, b, q, r):
    return _solve("dare", a, b, q, r)


# -- continuous ---------------------------------------------------------------------------------------------


def _care_parts(out, a, b, r):
    """(R⁻¹, G, Acl): R's symmetric part inverted, G = B R⁻¹ Bᵀ and the closed loop A − G X."""
    rinv = inv(_sym(r))
    g = matmul(matmul(b, rinv), _swap_last(b))
    return rinv, g, a - matmul(g, out)


def _care_tangent(rhs, out, a, b, r):
    """dX from the right side M of Aclᵀ dX + dX Acl = −M."""
    _, _, acl = _care_parts(out, a, b, r)
    return sylvester(_swap_last(acl), acl, -rhs)


def _care_adjoint(ct, out, a, b, r):
    """Z with Acl Z + Z Aclᵀ = X̄: ⟨X̄, dX⟩ = −⟨Z, M⟩."""
    _, _, acl = _care_parts(out, a, b, r)
    return sylvester(acl, _swap_last(acl), ct)


def _care_dg(out, b, r, db=None, dr=None):
    """X dG X along dB or dR: dG = dB R⁻¹ Bᵀ + B R⁻¹ dBᵀ, or −B R⁻¹ dR R⁻¹ Bᵀ."""
    rinv = inv(_sym(r))
    if db is not None:
        dg = matmul(matmul(db, rinv), _swap_last(b))
        dg = dg + _swap_last(dg)
    else:
        left = matmul(b, rinv)
        dg = -matmul(matmul(left, _sym(dr)), _swap_last(left))
    return matmul(matmul(out, dg), out)


def _care_vjp_b(ct, out, a, b, q, r):
    z = _care_adjoint(ct, out, a, b, r)
    p = matmul(matmul(out, z), out)  # (⟨Z, X dG X⟩ = ⟨dG, X Z X⟩, X symmetric)
    rinv, _, _ = _care_parts(out, a, b, r)
    return matmul(p + _swap_last(p), matmul(b, rinv))


def _care_vjp_r(ct, out, a, b, q, r):
    z = _care_adjoint(ct, out, a, b, r)
    rinv, _, _ = _care_parts(out, a, b, r)
    left = matmul(b, rinv)
    return -_sym(matmul(matmul(_swap_last(left), matmul(matmul(out, z), out)), left))


def _sym_riccati(kind):
    """The 1×1 equations' stabilizing (positive) roots: continuous X = r (a + √(a² + b² q / r)) / b², discrete
    X = (c + √(c² + 4 b² q r)) / (2 b²) with c = (a² − 1) r + b² q (the quadratic b² X² − c X − q r = 0)."""

    def translate(a, b, q, r):
        a, b, q, r = (np.asarray(x, dtype=object) for x in (a, b, q, r))
        if a.shape != (1, 1) or b.shape != (1, 1):
            _too_big(kind, a.shape if a.shape != (1, 1) else b.shape, "1×1")
        sp = _sp()
        a, b, q, r = a[0, 0], b[0, 0], q[0, 0], r[0, 0]
        if kind == "care":
            x = r * (a + sp.sqrt(a**2 + b**2 * q / r)) / b**2
        else:
            c = (a**2 - 1) * r + b**2 * q
            x = (c + sp.sqrt(c**2 + 4 * b**2 * q * r)) / (2 * b**2)
        return np.array([[x]], dtype=object)

    return translate


def _riccati_samples(rng):
    """Stabilizable, detectable systems: A random (unstable ones too), B random, Q and R symmetric positive
    definite (random ones: the rules read their symmetric parts)."""
    out = []
    for n, m in ((1, 1),):  # (the symbolic method's size; tests/test_riccati.py solves 3×3 with two inputs)
        a = draw("real", (n, n), rng)
        out.append(((a, draw("real", (n, m), rng), draw("spd", (n, n), rng), draw("spd", (m, m), rng)), {}))
    return out


def _riccati_strategy(b, name, x, picks, c):
    """The 1×1 equation with A = Σ tanh(x)² and B = Q = R = A + 1 (the symbolic method's size; B ≠ 0 and Q, R > 0:
    a stabilizing root)."""
    a = _one_by_one(b, x)
    one = b.emit("add", a, np.ones((1, 1)))
    return b.emit(name, a, one, one, one)


care = defop(
    "care",
    _care_impl,
    requires=("scipy",),
    jvp=(
        lambda t, out, a, b, q, r: _care_tangent(matmul(_swap_last(t), out) + matmul(out, t), out, a, b, r),
        lambda t, out, a, b, q, r: _care_tangent(-_care_dg(out, b, r, db=t), out, a, b, r),
        lambda t, out, a, b, q, r: _care_tangent(_sym(t), out, a, b, r),
        lambda t, out, a, b, q, r: _care_tangent(-_care_dg(out, b, r, dr=t), out, a, b, r),
    ),
    vjp=(
        lambda ct, out, a, b, q, r: -_care_vjp_a(ct, out, a, b, r),
        _care_vjp_b,
        lambda ct, out, a, b, q, r: -_sym(_care_adjoint(ct, out, a, b, r)),
        _care_vjp_r,
    ),
    sympy=_sym_riccati("care"),
    domain=("real", "real", "spd", "spd"),
    samples=_riccati_samples,
    strategy=_riccati_strategy,
    drops_nan=True,
    doc="the stabilizing X of Aᵀ X + X A − X B R⁻¹ Bᵀ X + Q = 0 (SciPy's solve_continuous_are); dX by a Lyapunov "
    "equation of the closed loop A − B R⁻¹ Bᵀ X",
    analytic=False,  # (not complex-analytic) Hermitian solution (conjugate transposes): complex step gave wrong slopes, silently
)


def _care_vjp_a(ct, out, a, b, r):
    """⟨Z, dAᵀ X + X dA⟩ = ⟨dA, X Zᵀ + X Z⟩ (X symmetric)."""
    z = _care_adjoint(ct, out, a, b, r)
    return matmul(out, z + _swap_last(z))


# -- discrete -----------------------------------------------------------------------------------------------


def _dare_parts(out, a, b, r):
    """(K, Acl): (R + Bᵀ X B)⁻¹ Bᵀ X A and A − B K."""
    bx = matmul(_swap_last(b), out)
    k = matmul(inv(_sym(r) + matmul(bx, b)), matmul(bx, a))
    return k, a - matmul(b, k)


def _stein(rhs, acl):
    """dX with dX − Aclᵀ dX Acl = M by SciPy's 'bilinear' map to a continuous equation: with S = Aclᵀ, P = (S + I)⁻¹
    and C = P (S − I), C dX + dX Cᵀ = −2 P M Pᵀ. Acl's eigenvalues lie inside the unit circle, so S + I is
    invertible and C's have negative real parts (C and −Cᵀ share none): O(n³), where the n²-unknown Kronecker solve
    held an n² × n² matrix (800 MB at n = 100)."""
    n = _shape(acl)[-1]
    s = _swap_last(acl)
    p = inv(s + np.eye(n))
    c = matmul(p, s - np.eye(n))
    return sylvester(c, _swap_last(c), -2.0 * matmul(matmul(p, rhs), _swap_last(p)))


def _stein_adjoint(ct, acl):
    """Z with Z − Acl Z Aclᵀ = X̄ (the transpose of the Stein map): ⟨X̄, dX⟩ = ⟨Z, M⟩."""
    return _stein(ct, _swap_last(acl))


def _dare_rhs(out, a, b, r, da=None, db=None, dq=None, dr=None):
    k, acl = _dare_parts(out, a, b, r)
    if da is not None:
        m = matmul(matmul(_swap_last(da), out), acl)
    elif db is not None:
        m = -matmul(matmul(matmul(_swap_last(acl), out), db), k)
    elif dq is not None:
        return _sym(dq)
    else:
        return matmul(matmul(_swap_last(k), _sym(dr)), k)
    return m + _swap_last(m)


def _dare_vjp(ct, out, a, b, r, which):
    k, acl = _dare_parts(out, a, b, r)
    z = _stein_adjoint(ct, acl)
    zs = z + _swap_last(z)
    if which == "a":  # ⟨Z, dAᵀ X Acl + (…)ᵀ⟩ = ⟨dA, X Acl (Z + Zᵀ)ᵀ⟩
        return matmul(matmul(out, acl), zs)
    if which == "b":  # −⟨Z + Zᵀ, Aclᵀ X dB K⟩ = −⟨dB, X Acl (Z + Zᵀ) Kᵀ⟩
        return -matmul(matmul(matmul(out, acl), zs), _swap_last(k))
    if which == "q":
        return _sym(z)
    return _sym(matmul(matmul(k, z), _swap_last(k)))


dare = defop(
    "dare",
    _dare_impl,
    requires=("scipy",),
    jvp=(
        lambda t, out, a, b, q, r: _stein(_dare_rhs(out, a, b, r, da=t), _dare_parts(out, a, b, r)[1]),
        lambda t, out, a, b, q, r: _stein(_dare_rhs(out, a, b, r, db=t), _dare_parts(out, a, b, r)[1]),
        lambda t, out, a, b, q, r: _stein(_dare_rhs(out, a, b, r, dq=t), _dare_parts(out, a, b, r)[1]),
        lambda t, out, a, b, q, r: _stein(_dare_rhs(out, a, b, r, dr=t), _dare_parts(out, a, b, r)[1]),
    ),
    vjp=tuple((lambda ct, out, a, b, q, r, w=w: _dare_vjp(ct, out, a, b, r, w)) for w in "abqr"),
    sympy=_sym_riccati("dare"),
    domain=("real", "real", "spd", "spd"),
    samples=_riccati_samples,
    strategy=_riccati_strategy,
    drops_nan=True,
    doc="the stabilizing X of Aᵀ X A − X − Aᵀ X B (R + Bᵀ X B)⁻¹ Bᵀ X A + Q = 0 (SciPy's solve_discrete_are); dX by "
    "a Stein equation of the closed loop A − B K",
    analytic=False,  # (not complex-analytic) Hermitian solution (conjugate transposes): complex step gave wrong slopes, silently
)

__all__ = ["care", "dare"]
