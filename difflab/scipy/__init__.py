"""SciPy's names on traced values: `difflab.scipy.special`, `.stats`, `.signal`, `.linalg`, `.ndimage`, `.spatial`
(`.spatial.distance`), `.integrate`, `.interpolate` (CubicSpline and PPoly: traced data and points).

Mirrors SciPy's modules for the functions autograd and JAX users write in models (gammaln,
norm.logpdf, logsumexp, convolve, ...): `special`'s functions are registry entries (difflab.ops.special,
also reached by SciPy's own ufuncs on traced values), as are linalg's sqrtm and solve_sylvester
(difflab.ops.matfuncs), linalg's logm (matfuncs too) and signal's lfilter (difflab.ops.signal); the rest
(ndimage's filters and spatial.distance's metrics among them) are compositions of difflab ops, so all four methods differentiate them to any order. `integrate` (imported at first use: it sits on the api layer) has simpson and cumulative_trapezoid (weights, all four methods); its odeint is differentiated by forward, reverse
and numeric. SciPy is optional: it is imported when a value is computed (`pip install 'difflab[scipy]'`).
"""

from . import interpolate, linalg, ndimage, signal, spatial, special, stats

__all__ = ["special", "stats", "signal", "linalg", "ndimage", "spatial", "interpolate"]

#: submodules that sit on the api layer (their rules differentiate the user's function) and are
#: imported by name, `from difflab.scipy import integrate`, with the SciPy names they cover (the
#: error for SciPy's own function on a traced value names them without importing them)
BY_NAME = {"integrate": ("odeint", "trapezoid", "simpson", "cumulative_trapezoid")}


def __getattr__(name: str):
    """`difflab.scipy.integrate` as an attribute too (imported at first use, after the api layer exists).

    >>> import numpy as np
    >>> import difflab.scipy as dsc
    >>> float(dsc.integrate.simpson(np.array([0.0, 1.0, 4.0]), dx=1.0))
    2.6666666666666665
    """
    if name in BY_NAME:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
