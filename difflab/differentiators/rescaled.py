"""A sweep that lost a term to underflow, swept again at a scaled seed (issue 11).

Reverse's cotangent of u = x·x in 1/(x·x) at 1e100 is -1/u² ≈ -1e-400: it underflowed to 0, and the gradient 2x·ū
(-2e-300, in range) came out 0.0 — a value that looks right, so `warn_range`'s condition (the result holds a normal
number) said nothing. A VJP is linear in its seed, a JVP in its tangents: swept again with ū = 2^k the lost cotangent
is -2^k·1e-400, in range, and the result times 2^-k is the derivative rounded once. Taken wherever a quotient rule
reported a term lost, a normal result too (reverse's log(x·x)'' at 7e149 was +2/x² for -2/x², said; since session 46
compiled code declines where anything underflowed, graph.raising_overflow, so every call is swept again as the first),
on values, not traced ones (an outer derivative's sweep: its own seed decides); kept where the scaled sweep stays
finite and holds a normal number (said nothing: the warning unsaid). Where every scale overflowed the warning is said
whatever the result (`errors.say_lost_terms`): never a silent 0.0 for a nonzero derivative. Compiled code answers only
where its result holds a normal number (`suspect`): the interpreted sweep decides the rest, so that every call answers
as the first.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import _state, lost_terms, say_lost_terms, trial_warnings, unsay_lost_terms
from ..graph import ERRSTATE, Traced, charge_backward, raising

__all__ = ["rescaled", "rescaled_sweep", "rescaled_rows", "lost_terms", "suspect", "unsuspected", "zero_again"]

#: the seed scales tried, 2^k, in order: 2^1000 lifts a cotangent lost at 1e-400 (or 1e-600) to 1e-99 (1e-299),
#: below the largest normal by the margin a sweep's larger cotangents need; where that overflowed one, the next
#: scales down, the first finite one kept: a term lost near 1e-610 (t·e^x at x = -1400) needs 2^990 or so, where a
#: sweep whose larger tangents reach 1e8 (g·ġ of g = 1e4·...) overflows at 2^1000 (forward's g@g gradient said
#: its lost terms, whose 2^500 could not lift them; test_user_code20.py). A sweep more each, only where one overflowed
_SCALES = (1000, 990, 960, 900, 800, 500)
_TINY = float(np.finfo(np.float64).tiny)
_F64 = np.dtype(np.float64)


def rescaled(parts: list, sweep, mark: int, underflowed: bool = True, floats: bool = False) -> list:
    """`parts` (a sweep's result, leaves of floats or float arrays, seeded by ones), or where a term underflowed
    since `lost_terms()` was `mark`, `sweep(s)` (the same sweep seeded by s) times
    1/s for the first scale s at which it stays finite: said nothing, the lost terms are unsaid; lost terms again (1/x's
    second derivative at 1e300, 2e-900), the pending warnings stand (said where the result is in the normal range).
    Where every scale overflowed, `parts`, with the lost terms said whatever the result. Where no rule said a term
    lost but something `underflowed` (NumPy's flag) and nothing in `parts` is normal, one quiet trial (a product
    t·∂ no rule checks). `floats`: the caller found every part a Python float (plain: not asked again).
    Shape contract: as `parts`.

    >>> rescaled([0.0], lambda s: [s * 1e-320], lost_terms())  # nothing lost since the mark: as computed
    [0.0]
    """
    if lost_terms() == mark:
        # no rule said a term lost, but a plain product t·∂ of normal factors may have underflowed (forward's
        # 3x²·t of x**3·1e300 at 1e-100 along 1e-300: 3e-500, the JVP 0.0 for 3e-200): where nothing in the result
        # is normal (`suspect`: the common case reads one entry), one sweep at the first scale decides, kept only
        # where it holds a normal number and said nothing. Where nothing underflowed (the common case) no `_plain`
        # pass (issue 17: a fresh call's cost)
        return (
            _quietly_rescaled(parts, sweep) if underflowed and (floats or _plain(parts)) and suspect(parts) else parts
        )
    if not (floats or _plain(parts)):
        return parts
    for k in _SCALES:
        # (a trial that overflowed is not kept, so NumPy's overflow is not the user's: said nothing, as the quiet one)
        with trial_warnings() as trial, np.errstate(over="ignore"):
            try:
                again = sweep(2.0**k)
            except (ArithmeticError, ValueError, np.linalg.LinAlgError):  # (a scale SciPy refused: the next)
                continue
        # kept where it holds a normal number: a scale that overflowed a cotangent (ū = 1e10·2^1000 = inf in
        # 1e10/(x·x)'s sweep at 1e100) met the underflowed partial as a strong zero, a finite 0 said by nothing
        if _plain(again) and _finite(again) and _normal(again):
            if not trial.said:
                unsay_lost_terms(mark)
            down = 2.0**-k
            return [p * down if type(p) is float else np.multiply(p, down) for p in again]
    say_lost_terms()
    return parts


def _quietly_rescaled(parts: list, sweep) -> list:
    """`parts`, or sweep(2^k)·2^-k where that holds a normal number, is finite and said nothing (a term lost by a
    product no rule checks); a zero derivative costs this one sweep more."""
    k = _SCALES[0]
    with trial_warnings() as trial, np.errstate(over="ignore"):  # (an overflowed trial is not kept: nothing said)
        try:
            again = sweep(2.0**k)
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):  # (SciPy's logm refusing an inf: not kept)
            return parts
    if trial.said or not (_plain(again) and _finite(again) and _normal(again)):
        return parts
    down = 2.0**-k
    return [p * down if type(p) is float else np.multiply(p, down) for p in again]


def rescaled_sweep(backward, graph, env: dict, wrt: tuple, cts: dict, *rest) -> list:
    """`backward(graph, env, wrt, cts, *rest)` (reverse's tape sweep from the seeds `cts`), `rescaled`: swept again
    at the seeds times 2^k where its only terms were lost. Every sweep runs under the sweeps' NumPy error state
    (graph.raising: invalid and divide raise). Shape contract: as `backward`'s."""
    mark, seeds = _state.lost, dict(cts)  # (lost_terms() without its frame; the sweep pops its seeds)
    under: list = []
    charge_backward(graph)  # (`_charged(backward)` of this first sweep written out: no closure made per call)
    if ERRSTATE is None:  # pragma: no cover - another NumPy
        with raising(), _underflows() as under:
            parts = backward(graph, env, wrt, cts, *rest)
    else:  # (`raising` and `_underflows` written out as one state: a fresh gradient per call paid four frames for them)
        token = ERRSTATE[0].set(
            ERRSTATE[1](invalid="raise", divide="raise", under="call", call=lambda *_: under.append(1))
        )
        try:
            parts = backward(graph, env, wrt, cts, *rest)
        finally:
            ERRSTATE[0].reset(token)
    # (Python floats raise no flag: a scalar's parts are tried whenever none is normal, a sweep of a few floats;
    # asked once, `rescaled` takes the answer; an array first answers without the pass, an MLP's common case; the
    # pass is C's, no Python step per part: a scalar net has one per weight)
    floats = (not parts or type(parts[0]) is float) and _FLOAT_TYPE.issuperset(map(type, parts))
    if _state.lost == mark and (not (under or floats) or floats and not suspect(parts)):
        # (what `rescaled` answers here, before its `_plain` pass over the parts, and where every part is a float
        # and one is normal: issue 17's fresh call, without its frame and the seeds' closure)
        return parts
    backward = _charged(backward)
    again = lambda s: backward(graph, env, wrt, {o: c * s for o, c in seeds.items()}, *rest)  # noqa: E731
    with raising():
        return rescaled(parts, again, mark, bool(under) or floats, floats)


_FLOAT_TYPE = frozenset([float])


def _charged(backward):
    """`backward`, charging one backward sweep over the tape each time it runs (graph.Cost's rule: W, and each
    checkpoint's interior run again, as the lowered sweep charges; the checkpoint's rule charges none itself)."""

    def swept(graph, *rest):
        charge_backward(graph)
        return backward(graph, *rest)

    return swept


def rescaled_rows(rows, ins: list, V) -> tuple:
    """`rows(ins, V)` (forward's sweeps: outputs and J V for the tangents V, k × n), `rescaled`: swept again at V·2^k
    where its only terms were lost (cbrt(1/x)' at 1e200: the tangent of 1/x, -1e-400, was 0, the slope -0.0 for
    -7.2e-268). Several rows, one sweep each: a row that lost a term is swept again at its own scale, the others kept
    (3e200·Σe^-x's gradient at [800, 1]: e_0's row lost -e^-800 before 3e200 met it, -1.1e-147 at 2^1000, where
    e_1's row, -1.1e200, overflows at any scale that lifts it). Shape contract: as `rows`'."""
    k = np.shape(V)[0]
    if k > 1 and type(V) is np.ndarray and not any([isinstance(a, Traced) for a in ins]):
        mark, lost, parts, under = lost_terms(), [], [], []
        for j in range(k):  # (rows sweeps each row alone: one at a time costs no sweep more)
            before = lost_terms()
            with _underflows() as seen:
                outs, jv = rows(ins, V[j : j + 1])
            under += seen
            if lost_terms() != before:  # (its own lost terms, unsaid where its rescale keeps it)
                row = V[j : j + 1]
                jv = rescaled([jv], lambda s, row=row: [rows(ins, row * s)[1]], before)[0]
                lost.append(j)
            parts.append(jv)
        jv = np.concatenate(parts)
        if lost:
            return outs, jv
        return outs, rescaled([jv], lambda s: [rows(ins, V * s)[1]], mark, bool(under))[0]
    mark = lost_terms()
    with _underflows() as under:
        outs, jv = rows(ins, V)
    return outs, rescaled([jv], lambda s: [rows(ins, V * s)[1]], mark, bool(under))[0]


class _underflows:
    """`with _underflows() as seen:` a list that gains an entry each time a NumPy operation underflowed inside the
    block (its error state 'call'): a zero derivative (relu's dead units) is then not swept again (twice the cost of
    forward's rows). Set through NumPy's context variable as graph.raising sets its state, without np.errstate's and
    contextlib's Python layers: a fresh gradient enters it once per call.

    >>> with _underflows() as seen:
    ...     _ = np.float64(1e-300) * np.float64(1e-300)
    >>> len(seen), np.geterr()["under"]
    (1, 'ignore')
    """

    __slots__ = ("token",)

    def __enter__(self) -> list:
        seen: list = []
        if ERRSTATE is None:  # pragma: no cover - another NumPy
            self.token = np.errstate(under="call", call=lambda *_: seen.append(1))
            self.token.__enter__()
        else:
            self.token = ERRSTATE[0].set(ERRSTATE[1](under="call", call=lambda *_: seen.append(1)))
        return seen

    def __exit__(self, *exc):
        if ERRSTATE is None:  # pragma: no cover - another NumPy
            self.token.__exit__(*exc)
        else:
            ERRSTATE[0].reset(self.token)


def suspect(parts) -> bool:
    """Whether a sweep's result (its parts) holds no number in float64's normal range: where compiled code gave it
    (which loses a term as silently as the interpreter did before `rescaled`), the interpreted sweep decides, so
    that every call answers as the first. One entry read in the common case (a first entry in range).

    >>> suspect([0.0]), suspect([np.array([1.0, 0.0])])
    (True, False)
    """
    # floats: their largest magnitude in C (an exact 0.0 in a weight's slot is common, a scalar net's 37 parts), not
    # where an array is among them: abs of an array is a pass and a buffer of its size (an MLP's 784×256 weight
    # gradient: ~0.5 ms, an eighth of its prepared step). Gated on the first and last parts' types (a set of all
    # the types doubled this line's cost at 37 floats); an array between two floats costs one pass, then the loop
    if parts and type(parts[0]) is float and type(parts[-1]) is float:
        try:
            if _TINY <= max(map(abs, parts)) < math.inf:
                return False
        except (TypeError, ValueError):  # (an array among them: compared entry by entry below)
            pass
    for p in parts:  # (the first normal entry decides)
        t = type(p)
        if t is float or t is np.float64:
            if _TINY <= abs(p) < math.inf:
                return False
        elif t is np.ndarray and p.dtype is _F64:
            if p.size and (_TINY <= abs(p.item(0)) < math.inf or _normal([p])):
                return False
        else:
            return False  # (a traced, complex or other part: not a sweep `rescaled` redoes)
    return True


def zero_again(jv, sweep) -> bool:
    """Whether a batched sweep's J V (k × m, k > 1), `suspect`, is the derivative all the same: every entry exactly 0,
    and 0 again in `sweep(2^1000)` (the same batched sweep at V·2^1000: its result, J V last, or None where it
    raised), raising nothing. A term lost at 1e-400 is normal there (or overflows it, raising): rows' rescaling (`rescaled`) reaches
    no further. Then the k rows need not be swept one by one by the interpreter: a Hessian's columns that its
    gradient does not read (a filter's taps x[:11] of x's 64 entries: 48 interpreted sweeps, 130× reverse's time,
    issue 17). One direction (k = 1) is left to its one interpreted sweep, which costs as much as this test.

    >>> zero_again(np.zeros((2, 3)), lambda s: ([], np.zeros((2, 3)))), zero_again(np.zeros((2, 3)), lambda s: None)
    (True, False)
    """
    if type(jv) is not np.ndarray or jv.dtype is not _F64 or jv.ndim != 2 or jv.shape[0] < 2 or jv.any():
        return False
    again = sweep(2.0 ** _SCALES[0])
    again = None if again is None else again[-1]
    return type(again) is np.ndarray and again.shape == jv.shape and not again.any()


def _plain(parts) -> bool:
    """Whether every part is a float or a real float64 array (not traced, not complex)."""
    return all(
        type(p) is float
        or (isinstance(p, (np.ndarray, np.floating)) and p.dtype == np.float64 and not isinstance(p, Traced))
        for p in parts
    )


def _normal(parts) -> bool:
    """Whether some part holds a finite entry of magnitude in float64's normal range."""
    for p in parts:
        if type(p) is float:
            if _TINY <= abs(p) < math.inf:
                return True
        elif np.any((np.abs(p) >= _TINY) & (np.abs(p) < np.inf)):
            return True
    return False


def _finite(parts) -> bool:
    return all(math.isfinite(p) if type(p) is float else bool(np.isfinite(p).all()) for p in parts)


def unsuspected(guarded, k: int):
    """None for None, else `guarded` (a prepared gradient's common-case code: its outputs, then the gradient parts, or None) answering
    None where its parts are `suspect`, so the general path's sweep decides: cached on it, with the cost attributes
    the callers read (api.operators._Hot)."""
    fn = getattr(guarded, "unsuspected", None)
    if fn is None and guarded is not None:

        def fn(*xs):
            res = guarded(*xs)
            return None if res is None or suspect(res[k:]) else res

        fn.__dict__.update({a: v for a, v in guarded.__dict__.items() if a != "unsuspected"})
        guarded.unsuspected = fn
    return fn
