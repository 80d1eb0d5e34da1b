"""Complex leaves at the API boundary: a differentiated complex leaf z is given to the graph as the
pair (Re z, Im z) of reals, stacked on a last axis, and rebuilt as Re + i·Im inside the traced
function, so the differentiators see real inputs only (complex values live inside the graph).

Results follow autograd's and JAX's convention (difflab/ops/complexes.py): a gradient or a VJP
(g_re, g_im) becomes g_re − i·g_im (grad(abs)(3+4j) = 0.6−0.8j), a complex tangent v enters as
(Re v, Im v). The methods whose `complex_leaves` trait is set (forward, reverse, numeric) take them.
"""

from __future__ import annotations

import numpy as np

from .. import numpy as dnp
from .. import tree
from ..graph import Traced
from ..ops import imag_part, real

__all__ = ["realify", "complex_parts", "is_complex_leaf"]


def is_complex_leaf(x) -> bool:
    """Whether a pytree leaf is complex (a Python complex, a complex array or traced value).

    >>> is_complex_leaf(1j), is_complex_leaf(np.ones(2))
    (True, False)
    """
    return isinstance(x, complex) or getattr(getattr(x, "dtype", None), "kind", "") == "c"


def _pair(z):
    """z as its (Re z, Im z) pair on a new last axis, float64."""
    if isinstance(z, Traced):
        return dnp.stack([real(z), imag_part(z)], axis=-1)
    z = np.asarray(z)
    return np.stack([z.real, z.imag], axis=-1).astype(np.float64)


def _part(p, k):
    return p[(slice(None),) * (np.ndim(p) - 1) + (k,)]


def complex_parts(p, sign=1.0, scalar=False):
    """p[..., 0] + sign·i·p[..., 1] (sign −1: a gradient's convention); a Python complex if `scalar`.

    >>> complex_parts(np.array([0.6, 0.8]), -1.0, scalar=True)
    (0.6-0.8j)
    """
    z = _part(p, 0) + (sign * 1j) * _part(p, 1)
    return complex(z) if scalar and not isinstance(z, Traced) else z


class Realified:
    """f with the complex leaves of args[argnums] taken as real pairs, and the way back.

    `args` are the caller's arguments; `self.args` the realified ones, `self.f` the function of them.
    """

    def __init__(self, f, args, argnums):
        self.argnums = tuple(argnums)
        self.args = list(args)
        self.flags = {}  # argnum -> (treedef, [complex?], [Python complex?]) of its leaves
        for a in self.argnums:
            leaves, td = tree.flatten(args[a])
            flags = [is_complex_leaf(x) for x in leaves]
            scalars = [isinstance(x, complex) for x in leaves]
            self.flags[a] = (td, flags, scalars)
            self.args[a] = td.unflatten([_pair(x) if c else x for x, c in zip(leaves, flags)])

        def realified(*xs):
            xs = list(xs)
            for a in self.argnums:
                leaves, td = tree.flatten(xs[a])
                flags = self.flags[a][1]
                xs[a] = td.unflatten([complex_parts(x) if c else x for x, c in zip(leaves, flags)])
            return f(*xs)

        self.f = realified

    def tangents(self, tangents):
        """Tangents of the caller's primals (every argument differentiated), realified like them."""
        out = []
        for a, tg in enumerate(tangents):
            leaves, td = tree.flatten(tg)
            flags = self.flags[a][1]
            out.append(td.unflatten([_pair(v) if c else v for v, c in zip(leaves, flags)]))
        return tuple(out)

    def gradient(self, a, g):
        """The derivative (gradient or VJP) of argument a as the caller's structure: pairs back to g_re − i·g_im."""
        td, flags, scalars = self.flags[a]
        leaves = tree.flatten(g)[0]
        return td.unflatten([complex_parts(x, -1.0, s) if c else x for x, c, s in zip(leaves, flags, scalars)])

    def gradients(self, gs, many: bool):
        if not many:
            return self.gradient(self.argnums[0], gs)
        return tuple(self.gradient(a, g) for a, g in zip(self.argnums, gs))


def realify(f, args, argnums) -> Realified:
    """`Realified(f, args, argnums)`: see the module docstring.

    >>> import difflab as dl
    >>> r = realify(lambda z: abs(z), (3.0 + 4.0j,), (0,))
    >>> r.gradient(0, dl.grad(r.f)(*r.args))
    (0.6-0.8j)
    """
    return Realified(f, args, argnums)
