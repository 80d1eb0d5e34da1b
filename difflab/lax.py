"""`dl.lax`: JAX's lax names a JAX user reaches for, where difflab has them: the collectives over a vmap's named
axis (psum, pmean, pmax, pmin, all_gather, axis_index: difflab/api/collectives.py) and stop_gradient. Loops and
branches are plain Python (the trace follows them), so there is no fori_loop, scan, while_loop or cond.

    >>> import difflab as dl, difflab.lax
    >>> dl.vmap(lambda x: x / dl.lax.psum(x, "i"), axis_name="i")(np.array([1.0, 3.0])).tolist()
    [0.25, 0.75]
"""

import numpy as np  # noqa: F401  (the doctests' np)

from .api.collectives import all_gather, axis_index, pmax, pmean, pmin, psum
from .transforms import stop_gradient

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "axis_index", "stop_gradient"]

_CONTROL = {"fori_loop", "scan", "while_loop", "cond", "switch", "map", "associative_scan"}


def __getattr__(name):
    if name in _CONTROL:
        raise AttributeError(
            f"module 'difflab.lax' has no attribute {name!r}: loops and branches are plain Python in difflab (for, "
            "while, if: the trace follows them) and np.where, so there is no fori_loop, scan or cond"
        )
    raise AttributeError(
        f"module 'difflab.lax' has no attribute {name!r}; it has {', '.join(__all__)} (JAX's lax.stop_gradient is "
        "also dl.stop_gradient)"
    )
