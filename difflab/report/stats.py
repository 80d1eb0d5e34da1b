"""Small numerical summaries the experiments compute from their results and the reports quote.

Log-log slopes (how a cost scales), their reading in words, and number formatting, so that every
conclusion sentence in a report is derived from measured numbers, never typed in by hand.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["loglog_slope", "tail_slope", "slope_text", "slope_words", "num", "ratio_words", "sentence"]


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

    >>> slope_words(0.02), slope_words(1.03), slope_words(2.6)
    ('flat in n (slope 0.02)', 'linear in n (slope 1.03)', 'growing like n^2.60')
    """
    if not math.isfinite(slope):
        return "not measurable"
    for target, word in ((0.0, "flat"), (1.0, "linear"), (2.0, "quadratic")):
        if abs(slope - target) < 0.15:
            return f"{word} in {var} (slope {slope_text(slope)})"
    return f"growing like {var}^{slope_text(slope)}"


def num(x, digits: int = 3) -> str:
    """A number for prose: `digits` significant digits, scientific notation when very large or small.

    >>> num(0.000123456), num(1234.5), num(2.0)
    ('1.23e-04', '1.23e+03', '2')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return str(x)
    x = float(x)
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
