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

__all__ = ["realify", "complex_parts", "is_complex_leaf", "complex_jacobian"]


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


def _holomorphic_part(x):
    """The complex derivative ∂f/∂x of a Jacobian block's (∂f/∂x, ∂f/∂y) pair, where f is holomorphic
    there: ∂f/∂y = i ∂f/∂x (Cauchy–Riemann), checked on numbers (a traced block is taken as is)."""
    dx, dy = _part(x, 0), _part(x, 1)
    if not isinstance(x, Traced):
        scale = float(np.max(np.abs(dx), initial=0.0))
        if not np.allclose(dy, 1j * dx, rtol=1e-8, atol=1e-8 * (1.0 + scale)):
            raise ValueError(
                "holomorphic=True, but the function is not holomorphic here (∂f/∂y ≠ i ∂f/∂x, Cauchy–Riemann): "
                "it has no complex derivative; differentiate its real and imaginary parts instead"
            )
    return dx


def _jacobian_leaf(x, is_complex, holomorphic, out_complex):
    """One Jacobian block (one output leaf, one input leaf) of the realified function, back in the
    convention: a complex input's pair as g_re − i·g_im for a real output (each row a gradient, as
    grad and JAX's jacrev), as the complex derivative f'(z) under `holomorphic` (JAX's holomorphic=True).
    `out_complex` is the output leaf's dtype, not the block's: forward's block of abs(z) + 0j is real."""
    if holomorphic and not (is_complex and out_complex):
        what = "inputs" if not is_complex else "outputs"
        raise TypeError(f"holomorphic=True needs complex {what} (as JAX's), got a real one")
    if not is_complex:
        return x
    if holomorphic:
        return _complex(_holomorphic_part(x))
    if out_complex:
        raise TypeError(
            "jacobian of a complex output at a complex leaf: as JAX's jacfwd and jacrev, difflab does not pick a "
            "convention; pass holomorphic=True for a holomorphic function's complex derivative, or differentiate "
            "the real and imaginary parts (np.real(f), np.imag(f)) of the output"
        )
    return _array(complex_parts(x, -1.0))


def _array(x):
    """A 0-d block as an array, as the real Jacobian's (not a NumPy scalar)."""
    return x if isinstance(x, Traced) else np.asarray(x)


def _complex(x):
    """f'(z) as a complex array (or traced value), whatever the block's dtype (a constant f's real zeros)."""
    if isinstance(x, Traced):
        return x if x.dtype.kind == "c" else x + 0j
    return np.asarray(x, dtype=np.result_type(x, np.complex64))


def complex_jacobian(jacobian, f, args, argnums, holomorphic):
    """The Jacobian of f at complex leaves: `jacobian(g, args)` (the caller's operator and method) of the
    realified f with its outputs flattened, each block then as `_jacobian_leaf` says, in f's structure."""
    many = isinstance(argnums, tuple)
    r = Realified(f, args, argnums if many else (argnums,))
    out_tree, out_complex = [], []

    def flat(*xs):
        leaves, td = tree.flatten(r.f(*xs))
        out_tree.append(td)
        out_complex[:] = [is_complex_leaf(y) for y in leaves]
        return tuple(leaves)

    per_out = []
    jac = jacobian(flat, tuple(r.args))
    for block, oc in zip(jac, out_complex):
        blocks = block if many else (block,)
        converted = []
        for a, g in zip(r.argnums, blocks):
            td, flags, _ = r.flags[a]
            converted.append(
                td.unflatten([_jacobian_leaf(x, c, holomorphic, oc) for x, c in zip(tree.flatten(g)[0], flags)])
            )
        per_out.append(tuple(converted) if many else converted[0])
    return out_tree[-1].unflatten(per_out)


def realify(f, args, argnums) -> Realified:
    """`Realified(f, args, argnums)`: see the module docstring.

    >>> import difflab as dl
    >>> r = realify(lambda z: abs(z), (3.0 + 4.0j,), (0,))
    >>> r.gradient(0, dl.grad(r.f)(*r.args))
    (0.6-0.8j)
    """
    return Realified(f, args, argnums)
