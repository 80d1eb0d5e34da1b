"""SciPy's names on traced values: `difflab.scipy.special`, `.stats`, `.signal`, `.linalg`.

Mirrors SciPy's modules for the functions autograd and JAX users write in models (gammaln,
norm.logpdf, logsumexp, convolve, ...): `special`'s functions are registry entries (difflab.ops.special,
also reached by SciPy's own ufuncs on traced values), the rest are compositions of difflab ops, so
all four methods differentiate them to any order. SciPy is optional: it is imported when a value
is computed (`pip install 'difflab[scipy]'`).
"""

from . import linalg, signal, special, stats

__all__ = ["special", "stats", "signal", "linalg"]
