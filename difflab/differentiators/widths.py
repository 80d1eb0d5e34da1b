"""The default stencils' step against f's own length scale: a NumericAccuracyWarning where f varies within it.

Why. The default relative step c·max(1, |x|) (c = eps^(1/3) for central differences, eps^(1/5) for central4,
eps^(1/4) for the Hessian's own stencil) assumes f's length scale is about max(1, |x|). Where f varies much faster
and no op's length scale says so (scales.py: exp(1e4·x), tanh(1e6·x), a Gaussian exp(-(x/1e-6)²) have none), the
stencil straddles f's features and answers wrong, silently: central differences of tanh(1e6·x) at 3e-7 gave
1.65e5 for 9.15e5, central4 of exp(1e4·x) -6.6e12 for 2.2e8, the Hessian of exp(-(x/1e-6)²) at 5e-7 -1.0e8 for
-7.8e11. With no error estimate asked, nothing compared the stencil with another step (`unconverged` judges the
estimate at 2h, which only `error_estimate=True` computes).

How it works. Along a direction the stencil samples f at x ± h (central: also ± 2h for central4; the Hessian's
diagonal: x ± h_i) and f(x). Its even part E = |f(x + h) + f(x - h) - 2 f(x)| against its odd part
O = |f(x + h) - f(x - h)| is h·f''/2f', ~1e-6 for an f whose length scale is max(1, |x|), about 1 where the step
straddles f's features: a direction whose E exceeds SUSPECT·O (and its round-off) is suspect, and so is one whose
O exceeds CHANGE of |f| there (an f odd about x, tanh(1e6·x) at 0, has E = 0 but O = 2: ~1e-5 of |f| for an
ordinary f; a root of f within h/CHANGE also gives it, then quiet); a stencil without points at ± 2h (central
differences, the Hessian) evaluates f there for suspect directions alone (2 evaluations each; none for an ordinary f
away from its extrema and roots: bench/numeric_steps.py's 228 gradients pay none). With the 5 values on the line,
two facts judge it:

- the central difference at h against the one at 2h: their change over 3 is the truncation error at h (the first
  derivative's; the Hessian's diagonal: its second differences' likewise), said where above ACCURATE of the
  derivative's scale, max(its largest entry, E/h: how much the derivative changes over the step), so that an
  extremum's (Rosenbrock's minimum: derivative 1.5e-8 ~ its truncation, 4.8e-3 its change over the step) is not,
  nor a zero derivative's own truncation (x³ at 0: 3.7e-11, extrapolated from h and 2h: 0); E/h only where the
  derivative is within TRUE times the truncation (one above it is resolved: near cosh(s·x)'s extremum the error is
  (s·h)²/6 of it, as anywhere); nested levels add their truncations (`levels` times the outer one); nested, also E/h
  against E at 2h over 2h (the inner differences' bump as wide as the step, whose top's derivative is ~0);
- f(x) against the cubic through the 4 others: a residual larger than every one of theirs is a feature narrower
  than the step that the stencil steps over (the Gaussian: f(x ± h) = f(x ± 2h) = 0, both differences 0).

Richardson's table (`judge_richardson_width`) gets the second at its two smallest steps, from its own points.
Each with a margin RESOLVED over its round-off. Not judged: traced values (nested use: the outermost level on
numbers is) and error estimates asked (`unconverged` judges them).

A step the user chose (`Numeric(step=h)`, absolute) is judged by the same facts and shares, its warning naming the
step and the estimated truncation error (`judge_user_step`, numtrunc68): no check looked before, and a step far too
large for f was answered silently (complex step of eˣ/√(sin³x + cos³x) at h = 0.1: 1.3 % off; sin(x)·e^(x/2) at
h = 0.3 by central differences 1.3 %, forward 10 %). Central and central4 as at the default step (suspects from
their own points, the shares SUSPECT and CHANGE as at eps^(1/3), not grown: a user's step is no reason to expect a
larger E/O). Complex step reads its even part off Re f(x + ih) - f(x) = -h²f″/2: f(x ± h) mapped to
Re f(x + ih) ± Im f(x + ih) give the same E, O and, at 2h, the same law (its truncation -h²f‴/6 for +h²f‴/6), so
its suspects cost nothing and each pays one complex evaluation at 2ih. Higher-order central stencils (central6)
take central differences' suspects and the stencil again at 2h (the points 2·o not among its own: 4 evaluations).
A one-sided stencil has no even part to read: where the user's step exceeds its default (eps^(1/(p+1))·max(1, |x|);
at or below it the truncation is at most the default's) it is evaluated at 2h (⌈p/2⌉ evaluations a direction). Those
two judge the truncation |D_h - D_2h|/(2^p - 1) as `_straddled` judges central differences': against ACCURATE of
the derivative's scale (its largest entry, or its change over the step, from the stencil's second difference; central6
against UNDERSHOOT of it, as central4). Where f is not finite at 2h (a domain's edge, an overflow) the stencil is
measured at h/2 instead: |D_h - D_h/2|/(1 - 2^-p). A direction whose step moved a watched op's argument beyond its
length scale (`scales._user_run`: a period, a pole's distance) is measured at h/2 too, against the derivative's
largest entry alone: at h and 2h a step of whole periods aliases (sin(100x) at h = 0.44: 0.0062 for 15.4).
"""

from __future__ import annotations

import numpy as np

from ..errors import NumericAccuracyWarning, holding_domain_warnings, warn_user
from .scales import OF_ITS_OUTPUT, RESOLVED, stencil_points

__all__ = [
    "judge_width",
    "judge_user_step",
    "judge_hessian_width",
    "judge_richardson_width",
    "richardson_straddles",
    "richardson_clear",
    "richardson_clear_plan",
    "LAW",
    "ACCURATE",
    "SUSPECT",
    "TRIGGER",
    "CHANGE",
    "TRUE",
    "NESTED",
    "NESTED_CHANGE",
]

EPS = np.finfo(float).eps
_MAX = np.maximum.reduce  # (bound once; ndarray.max's Python layer costs a microsecond a call)
#: the relative error a default stencil answers to: a truncation estimate above this share of the derivative's
#: scale is said (ordinary functions: ~1e-11 for central differences, ~1e-7 for central4's own 2h-difference)
ACCURATE = 1e-3
#: a direction whose even part exceeds this share of its odd part is suspect (2 evaluations more where the stencil
#: has no points at ± 2h): ~1e-6 for an f whose length scale is max(1, |x|) away from its extrema; a truncation error
#: of ACCURATE makes it ~4e-2 (h/L ~ 0.08) for a generic f
SUSPECT = 1e-3
#: central4's directions are suspect where its own central differences' estimate (D_1 - D_2)/3 exceeds this share of
#: the scale: its error is then ~(3e-3)²·scale for a generic f; ordinary functions' ~1e-7 (its step eps^(1/5))
TRIGGER = 3e-3
#: ... and a direction whose odd part |f(x + h) - f(x - h)| exceeds this share of |f| there (an f that may be
#: curved): ~h/L ~ 1e-5 for an f whose length scale is max(1, |x|), about 1 where an odd feature straddles the step
#: (tanh(1e6·x) at 0: E = 0, the odd part 2); a root of f within h/CHANGE also gives it (2 evaluations, then
#: quiet). 1e-2 sees an odd feature whose central difference is off by 1e-3 (h/w ~ 0.05) under a constant up to ~3
#: times its height; 1e-3 made one of bench/numeric_steps.py's 228 gradients pay 4 evaluations more, 1e-4 fourteen
CHANGE = 1e-2
#: nested levels' share of E/O (SUSPECT grown by their step's ratio to eps^(1/3) is 2e-2 at two levels): their summed
#: truncation reaches ACCURATE at E/O ~ 2.7e-2 for exp(s·x), at 7e-3 for arcsinh(653·x) at -1.3e-3 (its third
#: derivative large against its second: 0.3 % off at E/O = 1.3e-2, silently before); ordinary f's E/O at the nested
#: step ~ 6e-5·(1/L)
NESTED = 5e-3
#: ... and their share of |f| for the odd part (CHANGE grown by the step's ratio was 0.2): near a zero of f''' the
#: outer level's E vanishes while its truncation does not (numeric of numeric of arcsinh(340·x) at 1.95e-3: 0.18 % off,
#: E/O 2.6e-3, its odd part 3.8e-2 of |f'|, silently before); ordinary f's ~ 2.4e-4·(1/L)
NESTED_CHANGE = 2e-2
#: central4's own estimate 0.8·(C4 from h, 2h - C4 from h, 3h) is 4b + 56c for its error 4b + 20c (D_j = f' + a·j² +
#: b·j⁴ + c·j⁶): where c's sign is b's opposite (tanh, arcsinh near 0) it undershoots, 0.75-0.87 of a 0.11 % error
#: at s·h ~ 0.25 (bench/numeric_silent.py 6-11: said nothing); judged against this share of ACCURATE (c/b ≥ -0.043)
UNDERSHOOT = 0.5
#: a derivative whose largest entry exceeds TRUE times a direction's truncation estimate is resolved: that entry, not
#: the derivative's change over the step (an extremum's scale), is what the truncation is judged against
TRUE = 10.0
#: Richardson's three smallest steps straddle f where their central differences' changes miss the h² law by this
#: share (exp(300·x), whose table is right: 0.9 %; h/ℓ ~ 0.45 gives 0.2)
LAW = 0.2


def judge_width(fun, x, V, H, F, ref, d, f0, offsets, p, noise=0.0, levels=1, step=None):
    """Say where a default central stencil's step straddles f's features (module docstring). `x`, `V` (k, n) or
    None (the identity), `H` (k, T): `_products`' directions and steps; F its values (k, T, offsets, m), minus
    `ref` (f(x) or 0) where f did not move; d (k, m) the derivative; `offsets` the stencil's (±1: central, p = 2;
    ±1, ±2: central4, p = 4). Its suspect directions (`_suspect`) are evaluated at the offsets ±2 (central) or ±3
    (central4) too: the second estimate its truncation is judged by (`_straddled`). `noise`: the numeric levels inside
    f, on each of its values (the outermost of `levels` nested ones: f is their derivative; judged where the
    derivative is above OF_ITS_OUTPUT of f, as `say_roundoff`'s "resolved": relu's nested Hessian, truly 0, is noise
    ~1e-8 that differs between h and 2h; its step eps^(1/4): SUSPECT grows by the steps' ratio, 20). `step`: the
    user's (`judge_user_step`), named in the warning. False where f is not finite at the farther points (unjudged)."""
    if p not in (2, 4) or type(d) is not np.ndarray or type(F) is not np.ndarray or not getattr(fun, "roundoff", 0):
        return True
    f0 = np.ravel(f0)
    if d.dtype.kind != "f" or f0.dtype.kind != "f" or F.dtype.kind != "f":
        return True
    D = F[:, 0] - f0 if np.ndim(ref) else F[:, 0]  # (k, offsets, m): differences from f(x) (F: f itself where ref)
    at, h = {o: D[:, j] for j, o in enumerate(offsets.tolist())}, H[:, :1]
    # suspect: central4's own central differences at h and 2h differ by TRIGGER of the scale (no evaluation more)
    rows = (
        _suspect(at[1.0], at[-1.0], f0, noise, levels, getattr(fun, "curved", True))
        if p == 2
        else np.flatnonzero(_straddled(at, h, f0, abs(d), 2, noise, TRIGGER, bent=True)[0])
    )
    rows = rows[np.isfinite(d[rows]).all(axis=1)]  # (NaN: a direction no step resolves, its DomainWarning said)
    if not len(rows):
        return True
    h, more = h[rows], 1.0 + p // 2
    found = _farther(fun, x, V, h * more, f0, rows)
    if found is None:
        return False
    at = {o: v[rows] for o, v in at.items()} | {more: found[0], -more: found[1]}
    share = ACCURATE * (UNDERSHOOT if p == 4 else 1.0)
    _say(*_straddled(at, h, f0, np.abs(d), p, noise, share, levels), "entry", rows, step)
    return True


def judge_user_step(fun, x, V, H, F, ref, d, f0, plan, step, noise=0.0, levels=1):
    """Say where the user's `step` is too large for f (module docstring): a stencil of `plan` (`stencils.plan`'s
    (offsets ≠ 0, weights, Σ|w|, order p, ..., real)) at the user's steps H (k, 1) along the rows of V (k, n; None:
    the identity), f's values F (k, 1, offsets, m) there (minus `ref`, f(x) or 0, where f did not move; complex
    step's: f(x + ihv) itself), d (k, m) the derivative. Central and central4: `judge_width`. `noise`, `levels`: the
    numeric levels inside f, as `judge_width`'s. Where f is not finite at 2h (a domain's edge, an overflow: log at
    x = 1.3e-3, h = 7e-4, 37 % off), the stencil is measured at h/2 instead (`_refined`)."""
    o, w, wsum, p, _, _, real = plan
    if type(d) is not np.ndarray or type(F) is not np.ndarray or not getattr(fun, "roundoff", 0) or d.dtype.kind != "f":
        return
    f0, h, curved = np.ravel(f0), H[:, :1], getattr(fun, "curved", True)
    if f0.dtype.kind != "f" or F.dtype.kind != ("f" if real else "c"):
        return
    symmetric = not real or (1.0 in o and -1.0 in o and bool((o == -o[::-1]).all()))
    if real:
        D = F[:, 0] - f0 if np.ndim(ref) else F[:, 0]  # (k, offsets, m): differences from f(x)
        at = {v: D[:, j] for j, v in enumerate(o.tolist())}
    else:  # complex step: f(x ± h) read as Re f(x + ih) ± Im f(x + ih) (module docstring), a central stencil
        even, odd = F[:, 0, 0].real - f0, F[:, 0, 0].imag
        at, o, w = {1.0: even + odd, -1.0: even - odd}, np.array([1.0, -1.0]), np.array([0.5, -0.5])
    if symmetric:  # (central differences' suspects, from the stencil's own points at ± h)
        rows = _suspect(at[1.0], at[-1.0], f0, noise, levels, curved) if p != 4 else np.arange(len(h))
    else:  # one-sided: no even part to read; judged where the user's step exceeds the default one
        rows = np.flatnonzero(h[:, 0] > _default_steps(x, V, EPS ** (1.0 / (p + levels))))
    far = getattr(fun, "user_reach", None)  # (a watched op's argument moved beyond its length scale: `_user_run`)
    spans = np.flatnonzero(far > 1.0) if far is not None and len(far) == len(h) else np.zeros(0, np.intp)
    rows = rows[np.isfinite(d[rows]).all(axis=1)]
    spans = spans[np.isfinite(d[spans]).all(axis=1)]
    if len(spans):  # (measured at h/2 too: at h and 2h a step of whole periods aliases)
        said = _refined(fun, x, V, h, at, spans, (o, w, wsum, p, real), f0, d, noise, levels, symmetric, 0.5, False)
        if said is not None and np.any(said[0]):
            _say(*said, "entry", spans, step)
            return
    if not len(rows):
        return
    if real and symmetric and p in (2, 4):  # (as at the default step; its 2h (central4: 3h) points not finite: h/2)
        if judge_width(fun, x, V, H, F, ref, d, f0, o, p, noise, levels, step):
            return
    for r in (2.0, 0.5) if not (real and symmetric and p in (2, 4)) else (0.5,):
        said = _refined(fun, x, V, h, at, rows, (o, w, wsum, p, real), f0, d, noise, levels, symmetric, r)
        if said is not None:
            _say(*said, "entry", rows, step)
            return


def _refined(fun, x, V, h, at, rows, stencil, f0, d, noise, levels, symmetric, r, resolved=True):
    """`_doubled`'s judgement of the stencil (o, w, Σ|w|, p, real) at the `rows`' steps h against itself at r·h, from
    f's differences from f(x) at its own points (`at`: offset -> (k, m)) and f evaluated at the points r·o not among
    them (complex step: Im and Re f(x + i·r·h)); None where one of those is not finite. `resolved` False: the step
    spans an op's length scale, so the derivative's change over it is no scale to judge by (its largest entry is)."""
    o, w, wsum, p, real = stencil
    if real:
        new = np.array([r * v for v in o.tolist() if r * v not in at])
        found = _farther(fun, x, V, h[rows], f0, rows, new)
        if found is None:
            return None
        got = {v: found[j] for j, v in enumerate(new.tolist())}
    else:
        found = _farther(fun, x, V, h[rows], f0, rows, np.array([r * 1j]))
        if found is None:
            return None
        got = {r: found[0].real + found[0].imag, -r: found[0].real - found[0].imag}
    at = {v: a[rows] for v, a in at.items()} | got
    return _doubled(at, h[rows], o, w, wsum, p, f0, np.abs(d), noise, levels, symmetric, r, resolved)


def _default_steps(x, V, base):
    """The default relative step `base`·max(1, |x_i| over v's support)/max|v| along each row v of V (None: the
    identity), as `stencils._steps` takes it (unrounded)."""
    x = np.ravel(x)
    if V is None:
        return base * np.maximum(1.0, np.abs(x))
    moved = np.where(V != 0, np.abs(x), 0.0)
    top = np.abs(V).max(axis=1)
    with np.errstate(all="ignore"):
        return base * np.maximum(1.0, moved.max(axis=1, initial=0.0)) / np.where(top > 0, top, 1.0)


def _doubled(at, h, o, w, wsum, p, f0, d, inner, levels, symmetric, r=2.0, resolved=True):
    """`_straddled` for a stencil of any offsets o (weights w, order p) from f's differences from f(x) at x + o·h and
    x + r·o·h (`at`: offset -> (k, m); r = 2, or ½ where f is not finite at 2h): (said, the truncation at h
    |D_h - D_rh|/|r^p - 1|, the scale), judged against ACCURATE of the derivative's scale (max(d's largest entry per
    output, its change over the step where d is within TRUE times the truncation: f″·h from the second difference,
    central's f(x + δ) + f(x - δ) - 2f(x), a one-sided one's f(x + 2δ) - 2f(x + δ) + f(x), δ the smaller step) and
    RESOLVED times its round-off. A central stencil's zero derivative's own truncation is not said (x³ at 0: its
    extrapolation (r^p D_h - D_rh)/(r^p - 1) is 0), as `_straddled`'s; a one-sided one's is (at an extremum it is
    half the derivative's change over the step: forward differences of x² at 0 give h for 0). Central: f(x) off the
    cubic through the four points nearest (`_spike`). `resolved` False: the scale is d's largest entry alone."""
    with np.errstate(all="ignore"):
        D1 = sum(wj * at[oj] for oj, wj in zip(o.tolist(), w)) / h
        D2 = sum(wj * at[r * oj] for oj, wj in zip(o.tolist(), w)) / (r * h)
        q = abs(r**p - 1.0)
        trunc = np.abs(D1 - D2) / q
        small, s = min(1.0, r), 1.0 if o[0] > 0 else -1.0  # (the nearer points' offset: δ = small·h)
        second = at[small] + at[-small] if symmetric else at[2.0 * small * s] - 2.0 * at[small * s]
        change = np.abs(second) / (small * small * h)
        big = np.max(np.where(np.isfinite(d), d, 0.0), axis=0, initial=0.0)
        scale = np.maximum(big, np.where((big > TRUE * trunc) | (not resolved), 0.0, change))
        noise = (2.0 * EPS * _largest(*at.values(), f0) + inner) * wsum / (small * h)
        # (a central stencil of order 4 and up: its estimate may undershoot, as central4's, `UNDERSHOOT`)
        share = ACCURATE * (UNDERSHOOT if symmetric and p >= 4 else 1.0)
        said = (levels * trunc > share * scale) & (trunc > RESOLVED * noise)
        if symmetric:
            said &= np.abs(r**p * D1 - D2) > q * ACCURATE * trunc
            said |= _spike(at[small], at[-small], at[2.0 * small], at[-2.0 * small], f0, inner)
    return said, trunc, scale


def judge_hessian_width(fun, x, h, fp, fm, H, f0, step=None):
    """`judge_width` for the Hessian stencil's diagonal (steps h (n,), f's differences from f(x) at x ± h_i e_i:
    fp, fm (n,)); H (n, n) the Hessian. `step`: the user's, named in the warning (the odd part's share then CHANGE as
    at eps^(1/3), not grown by the default step's ratio)."""
    if type(H) is not np.ndarray or type(x) is not np.ndarray or not getattr(fun, "roundoff", False):
        return
    f0 = np.ravel(f0)
    rows = _suspect(fp[:, None], fm[:, None], f0, curved=getattr(fun, "curved", True), q=None if step else 4)
    if not len(rows):
        return
    r = 2.0
    found = _farther(fun, x, None, r * h[rows, None], f0, rows)
    if found is None and step is not None:  # (the user's step: f not finite at 2h, measured at h/2 instead)
        r = 0.5
        found = _farther(fun, x, None, r * h[rows, None], f0, rows)
    if found is None:
        return
    p1, m1, hh = fp[rows, None], fm[rows, None], h[rows, None]
    with np.errstate(all="ignore"):
        at_h, at_r = (p1 + m1) / hh**2, (found[0] + found[1]) / (r * r * hh**2)
        trunc = np.abs(at_h - at_r) / abs(r * r - 1.0)  # (the truncation at h: 1/3 of the change to 2h, 4/3 to h/2)
        noise = 8.0 * EPS * _largest(p1, m1, *found, f0) / (min(1.0, r) * hh) ** 2
        scale = np.max(np.abs(H[np.isfinite(H)]), initial=0.0)
    said = (trunc > ACCURATE * scale) & (trunc > RESOLVED * noise)
    said |= _spike(p1, m1, *found, f0) if r > 1.0 else _spike(*found, p1, m1, f0)
    _say(said, trunc, scale, "diagonal entry", rows, step)


def judge_richardson_width(fun, F, ref, H, f0, d):
    """Say where Richardson's smallest steps straddle a feature of f (`richardson_straddles`). F: f's values
    (k, T, 2, m) at the steps H (k, T) (minus `ref`: f(x) or 0 where F holds differences), f0 f(x), d (k, m) the
    table's answer. No evaluation: the table's own points."""
    if type(F) is not np.ndarray or F.dtype.kind != "f" or not getattr(fun, "roundoff", 0) or H.shape[1] < 3:
        return
    if type(d) is not np.ndarray or d.dtype.kind != "f":
        return
    f0 = np.ravel(f0)
    D = F[:, -3:] - f0 if np.ndim(ref) else F[:, -3:]  # (k, 3, 2, m): the three smallest steps' differences from f(x)
    said, change, scale = richardson_straddles(D, H, f0, d)
    _say(said, change, scale, "richardson", np.arange(len(H)))


def richardson_straddles(D, H, f0, d):
    """(said (k, m), the change, its scale) where Richardson's smallest steps straddle a feature of f, from f's
    differences from f(x) D (k, 3, 2, m) at the three smallest steps (H[:, -3:]), ±; f0 (m,), d (k, m) the table's
    answer. Two facts, each above RESOLVED times its round-off:

    - f(x) against the cubic through f at x ± h and x ± 1.7h, the two smallest steps (`_spike`): a Gaussian of width
      1e-5 under steps 0.5 … 5e-4 gives f(x ± h) = 0 at each, the table converges to 0, silently;
    - the central differences S_j at the three smallest steps, where they change by more than ACCURATE of the scale
      (max(d's largest entry, E/h): f varies within them), against the h² law the table extrapolates by,
      S_3 - S_2 = 1.7²·(S_2 - S_1): off by more than LAW of it (arctan(2468·x) at 5.1e-4: S ends -1712, -2283.1,
      -2283.6, the table -2284 for -1865; exp(300·x), where the table is right, 0.9 %), or where their even parts'
      second differences C_j = E_j/h_j², changing by ACCURATE of the scale too, miss it by LAW (the odd ones can
      hold it by coincidence: tanh(x/w), w = 1.26 h₃, at 2.25·w, 8.7 % off silently before).

    (The prepared gradient's common case declines where it finds one: numeric_call.)"""
    with np.errstate(all="ignore"):
        r = (H[:, -2] / H[:, -1])[:, None]
        odd, even = D[:, :, 0] - D[:, :, 1], D[:, :, 0] + D[:, :, 1]  # (k, 3, m), largest step first
        S = odd / (2.0 * H[:, -3:, None])  # the central differences
        change = np.abs(S[:, 0] - S[:, 1])
        cubic = (r * r * even[:, 2] - even[:, 1]) / (2.0 * (r * r - 1.0))  # f(x)'s residual (`_spike`)
        big = np.fmax.reduce(np.abs(d), axis=0)  # (its largest entry per output, NaN aside)
        # (ordinary f: neither can hold, f(x)'s residual below half the odd part, the change below ACCURATE of d)
        if not ((np.abs(cubic) > 0.5 * np.abs(odd[:, 2])).any() or (change > ACCURATE * big).any()):
            return np.zeros(change.shape, bool), change, big
        said = _spike(D[:, 2, 0], D[:, 2, 1], D[:, 1, 0], D[:, 1, 1], f0, 0.0, r)
        law = np.abs((S[:, 0] - S[:, 1]) - r * r * (S[:, 1] - S[:, 2]))
        scale = np.maximum(np.nan_to_num(big), np.abs(even[:, 2]) / H[:, -1:])  # (or the derivative's change)
        noise = 4.0 * EPS * _largest(*D.reshape(len(D), 6, -1).transpose(1, 0, 2), f0) / H[:, -1:]
        # the even parts' second differences C_j = E_j/h_j² follow the same law where the steps resolve f; the odd
        # parts' can hold it by coincidence (tanh(x/w), w = 1.26 h₃, at 2.25 w: S 358, 164.5, 97.7, 0.35 % off the
        # law, the table 62.4 for 68.4; its C_j -4.7e5, -3.3e5, -2.5e5: 36 % off)
        C = even / H[:, -3:, None] ** 2
        bent = np.abs((C[:, 0] - C[:, 1]) - r * r * (C[:, 1] - C[:, 2])) * H[:, -1:]
        turn = np.abs(C[:, 0] - C[:, 1]) * H[:, -1:]  # (their change, as the odd parts': ~0 where f'''' is)
        off = (law > LAW * change) | ((bent > LAW * turn) & (turn > ACCURATE * scale) & (bent > 8.0 * RESOLVED * noise))
        said |= (change > ACCURATE * scale) & off & (change > RESOLVED * noise)
    return said & np.isfinite(D).all(axis=(1, 2)), change, scale


def richardson_clear_plan(steps):
    """`richardson_clear`'s constants for Richardson's base steps (T,) (relative, T > 2; made once, at preparation):
    (W (6, 2), the error bounds' factors (A, B)). W maps f's values at the three smallest steps, a row
    [f(x + h₁), f(x - h₁), f(x + h₂), f(x - h₂), f(x + h₃), f(x - h₃)] (largest first), to f(x)'s cubic residual plus
    f(x), and half the odd part at h₃ (`richardson_straddles`' two early-exit terms, linear in f's values once the
    steps' ratio r is fixed: r = steps[-2]/steps[-1], which the representable steps miss by at most eps/h₃ each)."""
    r2 = float(steps[-2] / steps[-1]) ** 2
    q = 2.0 * (r2 - 1.0)
    W = np.array([[0.0, 0.0], [0.0, 0.0], [-1.0 / q, 0.0], [-1.0 / q, 0.0], [r2 / q, 0.5], [r2 / q, -0.5]])
    least = float(min(steps[0], steps[-1]))
    # A: the residual's error (either way of computing it: tens of eps of the values' size, and the ratio's r² off by
    # ≤ 8·r²·eps/h₃ times its slope, below 2 (|E₁| + |E₂|)/(2(r² - 1)²) ≤ 8/7 of the values' size); B: the central
    # differences' error (the difference from f(x) first or not: ≤ 12 eps of the values' size over h₃ ≥ least·(1 - δ))
    return W, (64.0 * EPS + 16.0 * r2 * EPS / least, 128.0 * EPS / least)


def richardson_clear(plan, P, f0, S, big) -> bool:
    """A cheap sufficient condition that `richardson_straddles` finds nothing: its early exit holds with room for
    every rounding difference between this and its own arithmetic (a feature, or a root within the steps: False, and
    the caller asks `richardson_straddles` itself). P (k, 3, 2): f's values at the three smallest (relative) steps,
    ±; f0 f(x) (a number); S (k, 2): the central differences at the two larger of them (from f's values, not their
    differences from f(x)); big: the table's largest |entry| (NaN: False). One product and a few comparisons: the
    prepared common case's (numeric_call). Call it under np.errstate(all='ignore').

    >>> steps = 0.5 / 1.7 ** np.arange(14)
    >>> h, x = steps[-3:], 0.3
    >>> P = np.array([[[(x + s) ** 3, (x - s) ** 3] for s in h]])  # f = x³ along one direction
    >>> S = (P[:, :2, 0] - P[:, :2, 1]) / (2.0 * h[:2])
    >>> richardson_clear(richardson_clear_plan(steps), P, x**3, S, 3 * x * x)
    True
    >>> P[0, 2, 0] += 1e-3  # f(x + h₃) off the cubic: not clear (the check itself decides)
    >>> richardson_clear(richardson_clear_plan(steps), P, x**3, S, 3 * x * x)
    False
    """
    W, (A, B) = plan
    size = max(abs(f0), _MAX(np.abs(P), None))  # (the values' size: every rounding is within eps of it)
    Y = P.reshape(len(P), 6) @ W
    Y[:, 0] -= f0
    Y = np.abs(Y, out=Y)  # (k, 2): |f(x)'s residual|, half |the odd part at h₃|
    if not _MAX(Y[:, 0] - Y[:, 1], None) < -2.0 * A * size:  # (NaN: not clear)
        return False
    return bool(_MAX(np.abs(S[:, 0] - S[:, 1]), None) * (1.0 + 1e-12) + B * size < ACCURATE * big)


def _suspect(p1, m1, f0, noise=0.0, levels=1, curved=True, q=None):
    """The directions (rows of p1, m1 (k, m): f's differences from f(x) at x ± h) whose even part exceeds SUSPECT of
    their odd part and RESOLVED times its round-off, or, for an f that may be curved (`offsets.curved`), whose odd
    part exceeds CHANGE of f's magnitude there and RESOLVED times its round-off (an odd feature: E = 0); both shares
    grown by the step's ratio to eps^(1/3) (the step eps^(1/q), q = 2 + levels unless given: the Hessian's 4), nested
    levels' up to NESTED and NESTED_CHANGE."""
    with np.errstate(all="ignore"):
        even, odd = np.abs(p1 + m1), np.abs(p1 - m1)
        size = np.abs(f0) + np.maximum(np.abs(p1), np.abs(m1))  # |f| on the stencil (a bound)
        noise = 4.0 * (EPS * size + noise)
        # (the step eps^(1/(2 + levels)): E/O grows with it, up to NESTED)
        share = min(SUSPECT * EPS ** (1.0 / (2 + levels) - 1.0 / 3.0), NESTED)
        said = (even > share * odd) & (even > RESOLVED * noise)
        if curved:
            grown = CHANGE * EPS ** (1.0 / (q or 2 + levels) - 1.0 / 3.0)
            grown = grown if q else min(grown, NESTED_CHANGE)
            said |= (odd > grown * size) & (odd > RESOLVED * noise)
        return np.flatnonzero(said.any(axis=1))


def _farther(fun, x, V, h, f0, rows, offsets=None):
    """f's differences from f(x) at x + h·v and x - h·v (each (len(h), m)) for the suspect directions v: `rows` of V
    (None: the identity), or None where a value is not finite (left a domain: its warnings are not said). `offsets`:
    at x + o·h·v for each o instead (one (len(h), m) each; complex step's imaginary ones: f's complex values minus
    f(x))."""
    V = np.eye(np.size(x))[rows] if V is None else V[rows]
    o = np.array([1.0, -1.0]) if offsets is None else offsets
    with holding_domain_warnings(), np.errstate(all="ignore"):
        out = fun(x, stencil_points(o, h, V))
    F = np.asarray(out[0] if getattr(fun, "watch", None) else out)
    if F.dtype.kind != ("c" if o.dtype.kind == "c" else "f") or not np.isfinite(F).all():
        return None
    F = F.reshape(len(h), len(o), -1) - f0
    return tuple(F[:, j] for j in range(len(o)))


def _straddled(at, h, f0, d, p, inner=0.0, share=ACCURATE, levels=1, bent=False):
    """(said (k, m), the truncation estimate (k, m), the scale it is judged against (k, m)) from f's differences from
    f(x) at x + o·h (`at`: offset o -> (k, m); ±1, ±2, and ±3 for p = 4), for a central stencil of order p, and the
    derivative's magnitude d (k', m): said where the estimate exceeds `share` of the scale, max(d's largest entry
    per output, how much the derivative changes over the step). The central differences D_j at j·h are
    f' + a·j² + b·j⁴ + ...: (D_1 - D_2)/3 = a + 5b estimates central differences' error a + b; central4's,
    (4 D_1 - D_2)/3 = f' - 4b, is 0.8 times its change from (9 D_1 - D_3)/8 = f' - 9b (0 for a quartic). `levels`
    nested numeric levels with the same step each add as much: the inner differences' error a(x)·h² is differentiated
    by the outer ones into the outer's own, so the error is `levels` times the estimate (cosh(531·x)'s nested Hessian:
    0.14 % off, the outer estimate 0.07 %). `bent` (central4's trigger): the derivative's change over the step from h
    and from 2h is judged on one level too: its odd part's changes can cancel where its even part's do not (arcsinh(653·x)
    at -1.3e-3: D_1, D_2 both 1.5 off, the even part's 2.6 of 306), and it is the extremum's scale that must be resolved
    (cosh(3261·x) at 5.9e-7: a change 1.6e4 over the step known to 1.2e4)."""
    with np.errstate(all="ignore"):
        D = {j: (at[j] - at[-j]) / (2.0 * j * h) for j in (1.0, 2.0, 3.0) if j in at}
        if p == 2:
            trunc = np.abs(D[1.0] - D[2.0]) / 3.0
            noise = (2.0 * EPS * _largest(*at.values(), f0) + inner) / h  # (|1/2h| + |1/4h|)·2 values', over 3
        else:
            trunc = 0.8 * np.abs((4.0 * D[1.0] - D[2.0]) / 3.0 - (9.0 * D[1.0] - D[3.0]) / 8.0)
            noise = (4.0 * EPS * _largest(*at.values(), f0) + inner) / h
        change = np.abs(at[1.0] + at[-1.0]) / h  # how much the derivative changes over the step (an extremum's ~ f''·h)
        # the change over the step is the scale only where the derivative is no more than TRUE times its truncation
        # (an extremum's ~0, Rosenbrock's minimum: 1.5e-8 for its truncation 1.5e-8, x³ at 0); one it resolves is
        # the scale itself (cosh(3.8e4·x) at 2.4e-8: 13 off by 0.9 %, its change over the step 3300)
        big = np.max(np.where(np.isfinite(d), d, 0.0), axis=0, initial=0.0)
        scale = np.maximum(big, np.where(big > TRUE * trunc, 0.0, change))
        said = (levels * trunc > share * scale) & (trunc > RESOLVED * noise)
        if p == 2:
            # a zero derivative's own truncation (x³ at 0: D_j = j²h², extrapolated (4 D_1 - D_2)/3 = 0) is not said;
            # nested, the derivative's change over the step from h and from 2h (E_1/h against E_2/4h: equal to O(h²)
            # where f is a parabola over the stencil) is too: the inner central differences of a feature narrower than
            # their step make a bump as wide as it, whose derivative is near 0 at its top (tanh(1.6e4·x) at -1.4e-7:
            # the outer level saw 0.02, 0.5, 0.96, 0.5, 0.02 times 1/h). Not on one level: a cusp's E_j grow as j
            # too (std at an apex), and its 0 is what every method's convention gives
            said &= np.abs(4.0 * D[1.0] - D[2.0]) > 3.0 * ACCURATE * trunc
            if inner or bent:
                bend = np.abs(at[1.0] + at[-1.0] - (at[2.0] + at[-2.0]) / 4.0) / (3.0 * h)
                # (bent: against the derivative's largest size over the step, its change there included: near
                # cosh(33·x)'s extremum the derivative 8e-4 is resolved, its change 1.0 known to 5e-5)
                said |= (bend > share * (np.maximum(big, change) if bent else scale)) & (bend > 2.0 * RESOLVED * noise)
        if inner:  # (numeric levels inside f: where resolved above their noise)
            said &= scale > OF_ITS_OUTPUT * np.abs(f0)
    return said | _spike(at[1.0], at[-1.0], at[2.0], at[-2.0], f0, inner), trunc, scale


def _spike(p1, m1, p2, m2, f0, inner=0.0, r=2.0):
    """Where f(x)'s residual from the cubic through f at x ± h, x ± r·h (differences from f(x), (k, m); r (k, 1) or
    a number) exceeds each of theirs and RESOLVED times its round-off: a feature narrower than the step, which the
    differences step over."""
    with np.errstate(all="ignore"):
        cubic = (r * r * (p1 + m1) - (p2 + m2)) / (2.0 * (r * r - 1.0))  # at x, minus f(x) (r = 2: (4 E_1 - E_2)/6)
        others = np.maximum.reduce([np.abs(v - cubic) for v in (p1, m1, p2, m2)])
        noise = 4.0 * EPS * _largest(p1, m1, p2, m2, f0) + 3.0 * inner
        return (np.abs(cubic) > others) & (np.abs(cubic) > RESOLVED * noise)


def _largest(*values):
    """|f| at the stencil's points, per output: from the differences (..., m) and f(x) (m,) (a bound, not exact)."""
    f0 = np.abs(values[-1])
    return f0 + np.maximum.reduce([np.abs(v) for v in values[:-1]])


def _say(said, trunc, scale, entry, rows, step=None):
    if not np.any(said):
        return
    i, j = np.argwhere(said)[0]
    t, s = float(np.broadcast_to(trunc, said.shape)[i, j]), float(np.broadcast_to(scale, said.shape)[i, j])
    if step is not None:  # (the user's step: `judge_user_step`)
        warn_user(
            NumericAccuracyWarning(
                f"the numeric method's step={step!r} is too large for f here: along direction {int(rows[i])} its "
                f"{entry}'s truncation error is estimated at {t:.3g} (its change between the step and twice it), "
                f"against a scale of {s:.3g} (or f(x) stands off the values around it): f varies within the step, so "
                "the answer is unreliable; use a smaller step, step=None (the error model's), or an exact method "
                "(method='forward' or 'reverse')"
            ),
            NumericAccuracyWarning,
        )
        return
    if entry == "richardson":
        why = (
            f"f varies within Richardson's smallest steps along direction {int(rows[i])} (f(x) stands off the values "
            f"around it, or their central differences change by {t:.3g} against a scale of {s:.3g}, not as h²)"
        )
    else:
        why = (
            f"f varies within the default step along direction {int(rows[i])} (its {entry} changes by {t:.3g} between "
            f"the step and twice it, against a scale of {s:.3g}, or f(x) stands off the values around it)"
        )
    warn_user(
        NumericAccuracyWarning(
            f"the numeric method cannot resolve this derivative: {why}: a length scale much shorter than max(1, |x|), "
            "so the answer is unreliable; use an exact method (method='forward' or 'reverse'), rescale x, or give "
            "Numeric(step=...)"
        ),
        NumericAccuracyWarning,
    )
