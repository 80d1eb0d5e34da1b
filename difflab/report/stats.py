"""Small numerical summaries the experiments compute from their results and the reports quote.

Log-log slopes (how a cost scales), their reading in words, and number formatting, so that every
conclusion sentence in a report is derived from measured numbers, never typed in by hand.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "loglog_slope",
    "tail_slope",
    "slope_text",
    "slope_words",
    "num",
    "ratio_words",
    "sentence",
    "mixed_error",
    "distribution",
    "distribution_text",
    "bands",
    "slope_range",
    "faster_half",
    "ratio_slope_range",
    "noisy_slope_words",
    "ordering",
    "finite_json",
    "MIXED_ATOL",
    "MIXED_RTOL",
    "MIXED_NAME",
]


def loglog_slope(x, y) -> float:
    """Least-squares slope of log(y) against log(x) over the positive finite pairs (NaN if < 2).

    >>> round(loglog_slope([1, 2, 4, 8], [3, 6, 12, 24]), 6)
    1.0
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2 or np.ptp(np.log(x[ok])) == 0:
        return float("nan")
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0])


def tail_slope(x, y) -> float:
    """The log-log slope over the larger half of x: the asymptotic growth, past constant overheads.

    >>> round(tail_slope([1, 2, 4, 8], [5, 5, 40, 80]), 6)
    1.0
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = x >= np.median(x)
    return loglog_slope(x[keep], y[keep])


def slope_text(slope: float) -> str:
    """A slope with two decimals, never "-0.00".

    >>> slope_text(-0.001), slope_text(1.234)
    ('0.00', '1.23')
    """
    return f"{(round(slope, 2) or 0.0):.2f}"


def slope_words(slope: float, var: str = "n") -> str:
    """Describe a log-log slope: flat, linear, quadratic, or the power itself.

    >>> slope_words(0.02), slope_words(1.03), slope_words(2.6), slope_words(-0.5)
    ('flat in n (slope 0.02)', 'linear in n (slope 1.03)', 'growing like n^2.60', 'falling like n^-0.50')
    """
    if not math.isfinite(slope):
        return "not measurable"
    for target, word in ((0.0, "flat"), (1.0, "linear"), (2.0, "quadratic")):
        if abs(slope - target) < 0.15:
            return f"{word} in {var} (slope {slope_text(slope)})"
    return f"{'falling' if slope < 0 else 'growing'} like {var}^{slope_text(slope)}"


def num(x, digits: int = 3) -> str:
    """A number for prose: `digits` significant digits, scientific notation when very large or small.

    >>> num(0.000123456), num(1234.5), num(2.0), num(-0.0)
    ('1.23e-04', '1.23e+03', '2', '0')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return str(x)
    x = float(x) + 0.0  # -0.0 is 0: "numeric returns -0" beside "0" read as a disagreement
    if x != 0 and not 1e-2 <= abs(x) < 1e3:
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def ratio_words(a: float, b: float) -> str:
    """How a compares with b, as 'N× larger/smaller' (for conclusions).

    >>> ratio_words(30.0, 3.0), ratio_words(1.0, 4.0)
    ('10× larger', '4× smaller')
    """
    if b == 0 or a == 0:
        return "not comparable"
    r = a / b
    return f"{num(r)}× larger" if r >= 1 else f"{num(1 / r)}× smaller"


def sentence(parts) -> str:
    """Clauses joined by semicolons into one sentence: first letter upper-cased, a final period.

    >>> sentence(["reverse is flat in n", "forward is linear (slope 1.00)"])
    'Reverse is flat in n; forward is linear (slope 1.00).'
    """
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# -- disagreement: one metric for every comparison of two derivatives -------------------------------

#: the mixed error's absolute and relative tolerances: |a − b| / (ATOL + RTOL·|ref|) reads as an
#: absolute error where |ref| < 1 and a relative one where |ref| > 1, and stays finite when ref = 0
MIXED_ATOL = 1.0
MIXED_RTOL = 1.0
MIXED_NAME = "|a − b| / (1 + |ref|)"


def mixed_error(a, b, ref=None, atol: float = MIXED_ATOL, rtol: float = MIXED_RTOL) -> np.ndarray:
    """Per-entry disagreement |a − b| / (atol + rtol·|ref|) (ref defaults to b); NaN where either is NaN.

    Shape: a, b and ref broadcast together; the result has their broadcast shape (float64).

    >>> mixed_error([1.0, 0.0, 100.0], [1.0, 1e-9, 101.0]).round(12).tolist()
    [0.0, 1e-09, 0.009803921569]
    >>> float(mixed_error(1e-300, 0.0))  # an exactly zero reference no longer blows it up
    1e-300
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ref = b if ref is None else np.asarray(ref, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.abs(a - b) / (atol + rtol * np.abs(ref))


def distribution(values) -> dict:
    """{"n", "median", "p90", "max"} of the finite values (None for an empty set), plus "nonfinite".

    >>> distribution([1.0, 2.0, 3.0, float("nan")])
    {'n': 3, 'median': 2.0, 'p90': 2.8, 'max': 3.0, 'nonfinite': 1}
    """
    v = np.ravel(np.asarray(values, dtype=float))
    ok = v[np.isfinite(v)]
    if not ok.size:
        return {"n": 0, "median": None, "p90": None, "max": None, "nonfinite": int(v.size)}
    return {
        "n": int(ok.size),
        "median": float(np.median(ok)),
        "p90": float(np.percentile(ok, 90)),
        "max": float(ok.max()),
        "nonfinite": int(v.size - ok.size),
    }


def distribution_text(d: dict) -> str:
    """'median M, 90th percentile P, max X' for a `distribution` record.

    >>> distribution_text({"n": 3, "median": 2.0, "p90": 2.8, "max": 3.0, "nonfinite": 0})
    'median 2, 90th percentile 2.8, max 3'
    """
    if not d or d.get("n", 0) == 0:
        return "no finite values"
    return f"median {num(d['median'])}, 90th percentile {num(d['p90'])}, max {num(d['max'])}"


# -- claims about noisy measurements ---------------------------------------------------------------


def bands(samples, lo: float = 10.0, hi: float = 90.0) -> dict:
    """Median and the lo–hi percentile band over axis 0 of `samples` (seeds × points), NaN ignored.

    >>> b = bands([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    >>> b["median"], b["lo"], b["hi"]
    ([2.0, 20.0], [1.2, 12.0], [2.8, 28.0])
    """
    s = np.asarray(samples, dtype=float)
    with np.errstate(invalid="ignore"):
        return {
            "median": np.nanmedian(s, axis=0).tolist(),
            "lo": np.nanpercentile(s, lo, axis=0).tolist(),
            "hi": np.nanpercentile(s, hi, axis=0).tolist(),
            "seeds": int(s.shape[0]),
        }


def slope_range(x, repeats, one_sided: bool = True) -> tuple:
    """(slope, lowest, highest slope the repeats allow): `repeats` is (points, r) timings.

    Timings are one-sided (`one_sided=True`, the default): a process preempted by another only ever takes longer,
    never shorter, so a point's fastest repeat is the estimate of its cost and its slowest ones say nothing about it.
    The slope is that of each point's fastest repeat; the range is that of every curve drawn through each point's
    faster half of repeats (`faster_half`: fastest to median): a disagreement among them is real spread, said as "within noise",
    while one repeat in two (or fewer) slowed by a burst of other work moves neither. A median or a per-repeat curve
    did: one cell's repeats run back to back, and a burst of 50 ms that lands on them slows a whole point.

    >>> [round(s, 3) for s in slope_range([1, 10], [[1.0, 1.0, 1.0], [10.0, 12.0, 500.0]])]
    [1.0, 1.0, 1.079]

    With `one_sided=False` (ratios of two timings, which a burst can move either way): the slope of the medians and
    the range of the slopes of each repeat index's curve.

    >>> [round(s, 3) for s in slope_range([1, 10], [[1.0, 1.0], [10.0, 12.0]], one_sided=False)]
    [1.041, 1.0, 1.079]
    """
    t = np.asarray(repeats, dtype=float)
    if not one_sided:
        slopes = [loglog_slope(x, t[:, k]) for k in range(t.shape[1])]
        return loglog_slope(x, np.median(t, axis=1)), float(np.nanmin(slopes)), float(np.nanmax(slopes))
    fast, mid = np.array([faster_half(row) for row in t]).T
    return (loglog_slope(x, fast), *_slope_extremes(x, fast, mid))


def ratio_slope_range(x, num_repeats, den_repeats) -> tuple:
    """`slope_range` of a ratio of two timings (a gradient's over f's): the slope of fastest over fastest, and the
    range over curves through [fastest num / slowest of den's faster half, slowest of num's faster half / fastest den]
    at each point (`faster_half`). A ratio of two one-sided timings is not one-sided (a burst on the denominator
    lowers it), so neither a median ratio nor each round's ratio is a safe reading of it.

    >>> [round(v, 3) for v in ratio_slope_range([1, 10], [[2.0, 2.2, 9.0], [20.0, 21.0, 20.0]], [[1.0] * 3, [1.0] * 3])]
    [1.0, 0.959, 1.0]
    """
    g = np.array([faster_half(row) for row in np.asarray(num_repeats, dtype=float)]).T
    f = np.array([faster_half(row) for row in np.asarray(den_repeats, dtype=float)]).T
    return (loglog_slope(x, g[0] / f[0]), *_slope_extremes(x, g[0] / f[1], g[1] / f[0]))


def _slope_extremes(x, low, high) -> tuple:
    """(lowest, highest) log-log slope of curves through [low_i, high_i] at each x_i (NaN if < 2 usable points).

    A least-squares slope is linear in the log values, sum_i w_i log y_i: its extremes take one end or the other of
    each interval by the sign of w_i.
    """
    lx = np.log(np.asarray(x, dtype=float))
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    ok = np.isfinite(lx) & (low > 0) & np.isfinite(low) & np.isfinite(high)
    if ok.sum() < 2 or np.ptp(lx[ok]) == 0:
        return float("nan"), float("nan")
    w = (lx[ok] - lx[ok].mean()) / np.sum((lx[ok] - lx[ok].mean()) ** 2)
    lo_t, hi_t = np.log(low[ok]), np.log(high[ok])
    return float(np.sum(np.where(w > 0, w * lo_t, w * hi_t))), float(np.sum(np.where(w > 0, w * hi_t, w * lo_t)))


def faster_half(values) -> tuple:
    """(fastest, slowest of the fastest majority) of repeated timings, NaN ignored: the ⌊r/2⌋ + 1 fastest of r
    repeats (the median of an odd count; both of two). Other work preempting this process only adds time, so the
    interval stays where it is unless a majority of the repeats were slowed (`slope_range`, `ordering`).

    >>> faster_half([3.0, 1.0, 2.0, 90.0]), faster_half([1.0, 9.0, 2.0]), faster_half([1.0, 9.0])
    ((1.0, 3.0), (1.0, 2.0), (1.0, 9.0))
    """
    v = np.sort(np.asarray(values, dtype=float).ravel())
    v = v[np.isfinite(v)]
    if not v.size:
        return float("nan"), float("nan")
    return float(v[0]), float(v[v.size // 2])


def noisy_slope_words(slope: float, lo: float, hi: float, var: str = "n") -> str:
    """`slope_words` when the slope and its range (`slope_range`) read the same way, else the range, said to be noisy.

    >>> noisy_slope_words(1.0, 0.97, 1.04)
    'linear in n (slope 1.00, repeats 0.97–1.04)'
    >>> noisy_slope_words(0.1, -0.05, 0.4)
    'within noise of flat (slope 0.10, repeats -0.05–0.40)'

    "Within noise of" is said only when the repeats' slopes span the class's exponent; a spread that
    excludes every class is reported as the power it is, with its spread:

    >>> noisy_slope_words(1.52, 1.34, 1.81)
    'growing like n^1.52, between linear and quadratic (repeats 1.34–1.81)'

    A median that reads as a class every repeat misses on one side (a fixed cost shrinking against noise) says so,
    rather than "falling like n^-0.06":

    >>> noisy_slope_words(-0.06, -0.42, -0.04)
    'about flat in n (slope -0.06) but below it in every repeat (repeats -0.42–-0.04)'
    """
    if not all(math.isfinite(s) for s in (slope, lo, hi)):
        return "not measurable"
    span = f"repeats {slope_text(lo)}–{slope_text(hi)}"
    if len({_slope_class(s) for s in (lo, hi, slope)}) == 1 and hi - lo < 0.3:
        return f"{slope_words(slope, var)} ({span})".replace(") (", ", ")
    classes = ((0.0, "flat"), (1.0, "linear"), (2.0, "quadratic"))
    spanned = [c for c in classes if lo <= c[0] <= hi]
    if spanned:
        nearest = min(spanned, key=lambda t: abs(slope - t[0]))[1]
        return f"within noise of {nearest} (slope {slope_text(slope)}, {span})"
    near = [(e, w) for e, w in classes if abs(slope - e) < 0.15]
    if near:  # the median reads as a class its repeats all miss on one side: say both, not "falling"
        e, w = near[0]
        side = "below" if hi < e else "above"
        return f"about {w} in {var} (slope {slope_text(slope)}) but {side} it in every repeat ({span})"
    below = [w for e, w in classes if e < lo]
    above = [w for e, w in classes if e > hi]
    where = (
        f"between {below[-1]} and {above[0]}"
        if below and above
        else f"steeper than {below[-1]}"
        if below
        else f"below {above[0]}"
    )
    return f"{'falling' if slope < 0 else 'growing'} like {var}^{slope_text(slope)}, {where} ({span})"


def _slope_class(slope: float) -> str:
    return slope_words(slope).split(" (")[0].split(" like ")[0]


def ordering(samples: dict, unit: str = "") -> dict:
    """Which of several timed things is fastest, only if the faster halves of their timings do not overlap.

    `samples` maps a name to its repeated measurements. Returns {"fastest", "separated", "text"}: separated is True
    when the fastest one's faster half (its median repeat of an odd count) beats every other's fastest repeat (`faster_half`: a timing is one-sided, a
    preempted repeat only takes longer, so the slower half of the repeats is not evidence of the cost). The text
    gives every repeat's range, the slow ones included.

    >>> ordering({"a": [1.0, 1.1], "b": [2.0, 2.2]})["text"]
    'a is fastest (1–1.1 vs next b 2–2.2)'
    >>> ordering({"a": [1.0, 2.1], "b": [2.0, 2.2]})["text"]
    'a and b are within noise of each other (1–2.1 vs 2–2.2)'

    One repeat slowed by other work does not undo an ordering that the others make (it did when the slowest repeat
    had to beat the runner-up's fastest):

    >>> ordering({"a": [1.0, 1.1, 9.0], "b": [2.0, 2.1, 2.2]})["text"]
    'a is fastest (1–9 vs next b 2–2.2)'

    The runner-up by median is not the only one that can overlap: c's fastest repeat beats a's median here.

    >>> ordering({"a": [1.0, 1.1, 1.2], "b": [2.0, 2.1, 2.2], "c": [1.05, 5.0, 5.0]})["text"]
    'a and c are within noise of each other (1–1.2 vs 1.05–5)'
    """
    items = {k: np.asarray(v, dtype=float) for k, v in samples.items() if len(v)}
    order = sorted(items, key=lambda k: np.median(items[k]))
    if len(order) < 2:
        return {
            "fastest": order[0] if order else None,
            "separated": False,
            "text": f"only {order[0]} was measured" if order else "nothing was measured",
        }
    a = order[0]
    # every other's fastest repeat, not only the runner-up's: a third with a wide spread can reach under a's median
    top = faster_half(items[a])[1]
    overlapping = [k for k in order[1:] if not top < items[k].min()]
    b = overlapping[0] if overlapping else order[1]
    rng = lambda k: f"{num(items[k].min())}–{num(items[k].max())}{unit}"  # noqa: E731
    separated = not overlapping
    text = (
        f"{a} is fastest ({rng(a)} vs next {b} {rng(b)})"
        if separated
        else f"{a} and {b} are within noise of each other ({rng(a)} vs {rng(b)})"
    )
    return {"fastest": a, "separated": separated, "text": text}


def finite_json(x):
    """`x` with every non-finite float replaced by None, so that it is strict JSON (RFC 8259).

    >>> finite_json({"a": [1.0, float("nan")], "b": float("inf")})
    {'a': [1.0, None], 'b': None}
    """
    if isinstance(x, dict):
        return {k: finite_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite_json(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.ndarray):
        return finite_json(x.tolist())
    if isinstance(x, np.integer):
        return int(x)
    return x
