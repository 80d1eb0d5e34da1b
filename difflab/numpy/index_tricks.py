"""`np.r_` and `np.c_` over traced values: slices become ranges, numbers and arrays are joined by
the registry's concatenate.

NumPy cannot dispatch an indexing object to a traced value, so the objects live here; they record
nothing of their own.
"""

from __future__ import annotations

import numpy as _np

from ..graph import Traced as _Traced
from ..ops import abs
from ..ops.shape import _concatenate_front as concatenate
from ..ops.shape import _reshape_front as reshape
from .arrays import ndim, shape
from .piecewise_constant import all


class _Concatenator:
    """`r_[...]` / `c_[...]`: slices become ranges (a complex step: linspace), numbers and arrays are
    joined; traced values are concatenated by the registry's concatenate. A leading string 'axis' or
    'axis,ndmin' sets the axis and the minimum rank, like NumPy's; the matrix directives ('r', 'c')
    are not supported."""

    def __init__(self, axis, ndmin, columns):
        self.axis, self.ndmin, self.columns = axis, ndmin, columns

    def __getitem__(self, key):
        items = list(key) if isinstance(key, tuple) else [key]
        axis, ndmin = self.axis, self.ndmin
        if items and isinstance(items[0], str):
            spec = items.pop(0).split(",")
            if not all(p.strip().lstrip("-").isdigit() for p in spec) or len(spec) > 2:
                raise ValueError(f"r_/c_: difflab supports an 'axis' or 'axis,ndmin' directive, not {','.join(spec)!r}")
            axis, ndmin = int(spec[0]), int(spec[1]) if len(spec) > 1 else ndmin
        parts = []
        for item in items:
            if isinstance(item, slice):
                item = _slice_range(item)
            elif not isinstance(item, (_Traced, _np.ndarray)):
                item = _np.asarray(item, dtype=float)
            if ndim(item) < ndmin:
                if self.columns and ndim(item) == 1:  # c_: a 1-D array becomes a column
                    item = reshape(item, shape(item) + (1,) * (ndmin - 1))
                else:
                    item = reshape(item, (1,) * (ndmin - ndim(item)) + shape(item))
            parts.append(item)
        if not parts:
            return _np.array([])
        return concatenate(parts, axis=axis)

    def __len__(self):
        return 0


def _slice_range(s):
    start = 0 if s.start is None else s.start
    step = 1 if s.step is None else s.step
    if isinstance(step, complex):  # NumPy's r_[0:1:5j]: 5 points from start to stop inclusive
        return _np.linspace(start, s.stop, int(abs(step)))
    return _np.arange(start, s.stop, step, dtype=float)


#: `r_[x, 0.0, y]` joins along the first axis; `c_[x, y]` makes 1-D arrays columns and joins them
r_ = _Concatenator(axis=0, ndmin=1, columns=False)


c_ = _Concatenator(axis=-1, ndmin=2, columns=True)
