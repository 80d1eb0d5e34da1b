"""JAX's `jax.flatten_util.ravel_pytree`: a pytree of arrays as one flat vector, and the function back (and
HIPS autograd's `flatten_func` over it).

The idiom for handing a pytree of parameters to `scipy.optimize.minimize`: `x0, unravel =
ravel_pytree(params)`, then `fun(v) = loss(unravel(v))` and its gradient `dl.grad(fun)` (unravel
of a traced vector slices and reshapes it with difflab's own ops, so it differentiates).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import numpy as dnp
from . import tree
from .graph import Traced

__all__ = ["ravel_pytree", "flatten_func"]


def ravel_pytree(pytree) -> tuple:
    """(flat vector, unravel) of a pytree: JAX's `ravel_pytree`.

    Shape contract: the vector is 1-D, the leaves raveled in flatten order (dict keys sorted) and
    concatenated, float64 (complex128 if a leaf is complex); `unravel(v)` takes a vector of that
    shape and gives the pytree back, each leaf with its shape and dtype (a float leaf a 0-d array, as
    JAX's; from a traced vector, an integer or bool leaf's entries are cast as the plain path casts them, with zero
    derivative, as JAX's cast gives them: an integer leaf's whole values stay float64). A traced vector (inside dl.grad) gives traced leaves, so `dl.grad(lambda v: loss(unravel(v)))`
    works; a pytree holding traced leaves gives a traced vector.

    >>> v, unravel = ravel_pytree({"b": 1.0, "w": np.ones(2)})
    >>> v, unravel(2 * v)["w"]
    (array([1., 1., 1.]), array([2., 2.]))
    """
    leaves, td = tree.flatten(pytree)
    shapes = [np.shape(x) for x in leaves]
    dtypes = [x.dtype if isinstance(x, Traced) else _numeric_dtype(x, k) for k, x in enumerate(leaves)]
    flat_dtype = np.result_type(np.float64, *dtypes)
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
    if any(isinstance(x, Traced) for x in leaves):
        flat = dnp.concatenate([dnp.reshape(x, (-1,)) for x in leaves])
    else:
        flat = np.concatenate([np.ravel(x).astype(flat_dtype) for x in leaves] or [np.zeros(0, flat_dtype)])

    def unravel(vector):
        """The pytree back from a vector shaped as the flat one (leaves copied, never views of it)."""
        if np.shape(vector) != (sum(sizes),):
            raise ValueError(
                f"unravel takes a vector of shape ({sum(sizes)},), the raveled pytree's, got shape {np.shape(vector)}"
            )
        out, start = [], 0
        for shape, size, dtype in zip(shapes, sizes, dtypes):
            part = vector[start : start + size]
            if isinstance(part, Traced):
                leaf = dnp.reshape(part, shape)
                out.append(leaf if np.dtype(dtype).kind in "fc" else _as_integer(leaf, dtype))
            else:
                out.append(np.array(np.reshape(part, shape), dtype=dtype))
            start += size
        return td.unflatten(out)

    return flat, unravel


def _as_integer(leaf, dtype):
    """A traced integer or bool leaf's entries, as the plain unravel's cast gives them (toward 0; bool: nonzero) with
    zero derivative, as JAX's cast: trunc rather than astype(int), which would read the values and specialise the
    trace (jit, prepare and vmap refuse that), so an int leaf's entries stay float64 values."""
    held = dnp.stop_gradient(leaf)
    return held.astype(bool) if np.dtype(dtype).kind == "b" else dnp.trunc(held)


def _numeric_dtype(leaf, k):
    """A leaf's dtype, refused by name unless it is a number or a numeric array (np.result_type would read a str
    leaf as a dtype's name)."""
    dtype = getattr(leaf, "dtype", None)
    if dtype is None and isinstance(leaf, numbers.Number):
        dtype = np.asarray(leaf).dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biufc":
        raise TypeError(
            f"ravel_pytree: leaf {k} is a {type(leaf).__name__} ({leaf!r:.40}); the leaves must be numbers or numeric "
            "arrays"
        )
    return dtype


def flatten_func(func, example) -> tuple:
    """(flat_func, unflatten, flat_example): HIPS autograd's `autograd.misc.flatten.flatten_func` (its gmm example hands
    the flat function to scipy's Newton-CG), over `ravel_pytree`: `flat_func(v, *args, **kwargs)` is
    `func(unflatten(v), *args, **kwargs)` for a pytree argument shaped like `example`.

    >>> import difflab as dl, numpy as np
    >>> f, unflatten, x0 = flatten_func(lambda p: (p["a"] ** 2).sum() * p["b"], {"a": np.ones(2), "b": 3.0})
    >>> x0, dl.grad(f)(x0)
    (array([1., 1., 3.]), array([6., 6., 2.]))
    """
    flat_example, unflatten = ravel_pytree(example)

    def flat_func(v, *args, **kwargs):
        return func(unflatten(v), *args, **kwargs)

    return flat_func, unflatten, flat_example
