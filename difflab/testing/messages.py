"""What the oracle says: `GradientMismatch` (and `Inconclusive`, a refusal) with its diagnosis —
the worst entry by name, user and reference values, the allowed error term by term, the failing
entries and hints — and the truthy results of a passed check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DifflabError
from .evidence import SAFETY

if TYPE_CHECKING:
    from .verdict import _Case

__all__ = ["GradientMismatch", "Inconclusive", "CheckResult", "TaylorResult"]


class GradientMismatch(DifflabError, AssertionError):
    """A derivative disagrees with its reference. `str(err)` explains; the numbers are attributes
    (`worst`, `user`, `reference`, `allowed`, `n_out`, `hints`, `seed`)."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.__dict__.update(details)


@dataclass(frozen=True)
class CheckResult:
    """A passed check (always truthy): errors, the worst entry and how far under tolerance it was.

    `worst` is (argument label, index); `margin` is 1 - error/allowed at the tightest entry (1:
    exact agreement, 0: at the edge), `margins` the same per argument; `reference` says how the
    reference was computed; `notes` what the second opinion found (kinks).
    """

    check: str
    reference: str
    max_abs_error: float
    max_rel_error: float
    worst: tuple
    margin: float
    margins: dict
    seed: int
    notes: tuple = ()

    def __bool__(self):
        return True

    def __str__(self):
        notes = "".join(f"\n  note: {n}" for n in self.notes)
        error = (  # an exact match read "margin 1.000 of the tolerance left"
            "error 0 (exact)"
            if self.max_abs_error == 0
            else f"max error {self.max_abs_error:.3g} (relative {self.max_rel_error:.3g}) at "
            f"{_where(*self.worst)}, margin {self.margin:.3f} of the tolerance left"
        )
        return f"{self.check} passed: {error}\n  reference: {self.reference}{notes}"


@dataclass(frozen=True)
class TaylorResult:
    """A passed Taylor test: the fitted slope of log remainder against log h, and the data."""

    slope: float
    steps: tuple
    remainders: tuple
    seed: int
    note: str = ""

    def __bool__(self):
        return True

    def __str__(self):
        return f"taylor_test passed: slope {self.slope:.3f}" + (f" ({self.note})" if self.note else "")


class Inconclusive(GradientMismatch):
    """The reference cannot tell whether the derivative is right (a silent pass refused)."""


def _short(value):
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def _where(label, index):
    return f"{label}[{', '.join(map(str, index))}]" if index else label


def _failing(case: _Case, out, shown=6) -> str:
    """The entries that decided the verdict, by name (the first few)."""
    rows, cols = np.nonzero(out)
    names = [_where(*case.entry(r, c)) for r, c in zip(rows[:shown], cols[:shown])]
    return ", ".join(names) + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


def _mismatch(case: _Case, user, value, err, w, out, how, hints, parts):
    label, index = case.entry(*w)
    atol, rtol, scale, from_estimate, floor = parts
    allowed = atol + rtol * scale + from_estimate + floor
    seg = case.cols.segment()
    per_arg = "; ".join(
        f"{lab}: {int(out[:, seg == i].sum())} of {int(out[:, seg == i].size)}"
        for i, lab in enumerate(case.cols.labels)
    )
    low = sorted({np.finfo(d).bits for d in case.dtypes if np.dtype(d).kind == "f"} - {64})
    if low:
        hints = hints + [
            f"float{low[0]} values are involved: their round-off (eps {np.finfo(f'float{low[0]}').eps:.1e}) "
            "limits the user's derivative; compute it in float64 or loosen rtol"
        ]
    terms = [f"atol {atol:g}", f"rtol {rtol:.3g} × scale {scale:.3g} ({case.scale_name})"]
    terms += [f"{SAFETY:g} × the reference's error estimate {from_estimate / SAFETY:.3g}"] if from_estimate else []
    difference = (
        f"{err:.3g} > allowed {allowed:.3g} = " + " + ".join(terms) + f" + round-off floor {floor:.2g}"
        if np.isfinite(allowed)
        else f"{err:.3g}, but nothing can be allowed: f has no derivative here"
    )
    lines = [
        f"{case.check}: {case.user_name} does not match the reference at {int(out.sum())} of {out.size} entries.",
        f"  worst entry       {_where(label, index)}",
        f"  {'user':<17} {user:.15g}   from {case.user_name}",
        f"  reference         {value:.15g}   from {how}",
        f"  |difference|      {difference}",
        f"  out of tolerance  {per_arg}",
        f"  failing entries   {_failing(case, out)}",
        f"  seed              {case.seed}",
    ]
    lines += ["  hints:"] + [f"    - {h}" for h in hints] if hints else []
    return GradientMismatch(
        "\n".join(lines),
        worst=(label, index),
        user=float(user),
        reference=float(value),
        allowed=float(allowed),
        n_out=int(out.sum()),
        hints=tuple(hints),
        seed=case.seed,
    )
