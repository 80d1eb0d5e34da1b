"""Central differences, the plain reference some tests compare gradients with (a helper module, not a
test file: pytest's default `prepend` import mode puts tests/ on sys.path, so `from central import central`)."""

from __future__ import annotations

import numpy as np


def central(f, a, h=1e-6):
    """The gradient of a real scalar f at a real array a by central differences, entry by entry.

    >>> central(lambda x: float(np.sum(x**2)), np.array([1.0, -2.0])).round(6).tolist()
    [2.0, -4.0]
    """
    g = np.zeros_like(a)
    for k in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[k] = h
        g[k] = (f(a + e) - f(a - e)) / (2 * h)
    return g
