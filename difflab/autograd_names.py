"""HIPS autograd's operators that JAX lacks, with autograd's signatures: elementwise_grad, deriv,
holomorphic_grad, make_hvp, hessian_vector_product (= hessian_tensor_product), tensor_jacobian_product (each over
dl.vjp, dl.jvp and dl.grad, taking `method=`).

autograd's calling convention (`unary_to_nary`, here `nary`): an operator differentiates one positional
argument (`argnum`, or a tuple of them packed into a tuple); the other positional and the keyword
arguments are bound, so `deriv(f, 1)(x, y, axis=0)` is the derivative of `lambda y_: f(x, y_, axis=0)` at y.
The autograd import shim (difflab.peers.autograd_shim) presents these very functions.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from . import numpy as dnp
from . import tree
from .transforms import grad, jacobian, jvp, vjp

__all__ = [
    "elementwise_grad",
    "deriv",
    "holomorphic_grad",
    "make_hvp",
    "hessian_tensor_product",
    "hessian_vector_product",
    "tensor_jacobian_product",
    "nary",
]


def nary(unary):
    """autograd's `unary_to_nary`: `op(fun, argnum=0, *op_args, **op_kwargs)(*args, **kwargs)` is
    `unary(g, x, *op_args, **op_kwargs)`, x = args[argnum] (a tuple of them for a tuple argnum) and g the
    function of x alone.

    >>> nary(lambda g, x: g(x))(lambda a, b: a - b, 1)(5.0, 2.0)
    3.0
    """

    @functools.wraps(unary)
    def op(fun, argnum=0, *op_args, **op_kwargs):
        argnum = _checked_argnum(argnum, unary.__name__)

        @functools.wraps(fun)
        def at(*args, **kwargs):
            picks = (argnum,) if isinstance(argnum, int) else argnum
            for i in picks:
                if not -len(args) <= i < len(args):
                    raise IndexError(f"argnum {i} is out of range for {len(args)} positional argument(s)")

            def one(x):
                sub = list(args)
                for i, xi in zip(picks, (x,) if isinstance(argnum, int) else x):
                    sub[i] = xi
                return fun(*sub, **kwargs)

            one.__name__ = getattr(fun, "__name__", "f")
            x = args[argnum] if isinstance(argnum, int) else tuple(args[i] for i in picks)
            return unary(one, x, *op_args, **op_kwargs)

        return at

    return op


def _checked_argnum(argnum, name):
    """argnum as an int or a tuple of ints (NumPy integers taken), else a TypeError naming it."""
    many = isinstance(argnum, (tuple, list))
    picks = tuple(argnum) if many else (argnum,)
    if not all(isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in picks):
        raise TypeError(f"{name}: argnum must be an int or a tuple of ints, got {argnum!r}")
    return tuple(map(int, picks)) if many else int(argnum)


def _ones_like(y):
    """Ones shaped like each leaf of y (the cotangent or tangent of ones)."""
    return tree.tree_map(lambda a: np.ones(np.shape(a)), y)


def _as_number(y):
    """y of one entry (shape (1,), (1, 1)) as a 0-d value: autograd's grad takes such an output (its check is
    vspace(ans).size == 1), difflab's refuses it as JAX's does."""
    shape = getattr(y, "shape", ())
    return dnp.reshape(y, ()) if shape and math.prod(shape) == 1 else y


def _scalar(fun):
    """fun with an output of one entry made 0-d (`as_number`)."""

    @functools.wraps(fun)
    def number(x):
        return _as_number(fun(x))

    return number


def _pullback_of(fun, x, method):
    """(u -> uᵀJ shaped like x, fun(x)): autograd's make_vjp order."""
    y, pullback = vjp(fun, x, method=method)
    return (lambda u: pullback(u)[0]), y


@nary
def elementwise_grad(fun, x, method="reverse"):
    """The vector-Jacobian product with a cotangent of ones: the derivative of an elementwise function.

    Shape contract: shaped like x (a pytree as x); for an elementwise f, f'(x) entry by entry.

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> dl.elementwise_grad(dnp.sin)(np.array([0.0, np.pi]))
    array([ 1., -1.])
    """
    pullback, y = _pullback_of(fun, x, method)
    return pullback(_ones_like(y))


@nary
def deriv(fun, x, method="reverse"):
    """The Jacobian-vector product with a tangent of ones: the derivative of a function of one number.

    Shape contract: shaped like fun(x); for a scalar x, df/dx of every output entry.

    >>> import difflab as dl
    >>> dl.deriv(lambda t: t ** 3.0, method="forward")(2.0)
    12.0
    """
    return jvp(fun, (x,), (_ones_like(x),), method=method)[1]


@nary
def holomorphic_grad(fun, x, method="reverse"):
    """f'(z) of a holomorphic f: the VJP of the cotangent 1 (difflab/ops/complexes.py's convention).

    Shape contract: shaped like z (a complex number or array); for an f applied entry by entry, f'(z)
    entry by entry.

    >>> import difflab as dl, difflab.numpy as dnp
    >>> complex(dl.holomorphic_grad(lambda z: z * z)(1.0 + 2.0j))
    (2+4j)
    """
    out, pullback = vjp(fun, x, method=method)
    # (a real output, as of a real x, takes a real cotangent: autograd's grad of the real part)
    one = 1.0 + 0j if np.iscomplexobj(out) else 1.0
    return pullback(np.full(np.shape(out), one) if np.ndim(out) else one)[0]


@nary
def make_hvp(fun, x, method="reverse"):
    """(v -> H v, gradient at x) of a scalar function (an output of one entry too, as autograd's).

    Shape contract: v and H v shaped like x; the gradient too.

    >>> import difflab as dl, numpy as np
    >>> hvp, g = dl.make_hvp(lambda x: (x ** 3.0).sum())(np.array([1.0, 2.0]))
    >>> hvp(np.array([1.0, 1.0])), g
    (array([ 6., 12.]), array([ 3., 12.]))
    """
    return _pullback_of(lambda z: grad(_scalar(fun), method=method)(z), x, method)


def tensor_jacobian_product(fun, argnum=0, method="reverse"):
    """(*args, v) -> v contracted with fun's Jacobian over fun's leading v.ndim axes (the vector comes last).

    Shape contract: for v shaped like fun(*args), vᵀJ shaped like the argument; a v of fewer axes leaves
    fun's other axes in front. autograd's definition: the Jacobian of tensordot(v, fun(*args), v.ndim).

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> dl.tensor_jacobian_product(dnp.sin)(np.array([0.0, np.pi]), np.array([2.0, 3.0]))
    array([ 2., -3.])
    """

    def vector_dot_fun(*args, **kwargs):
        if len(args) < 2:
            raise TypeError(
                "tensor_jacobian_product(fun)(*args, vector) takes fun's arguments and then the vector (autograd's "
                f"order), got {len(args)} argument(s)"
            )
        args, vector = args[:-1], args[-1]
        return dnp.tensordot(vector, fun(*args, **kwargs), axes=np.ndim(vector))

    argnum = _checked_argnum(argnum, "tensor_jacobian_product")
    return nary(lambda g, x: jacobian(g, method=method)(x))(vector_dot_fun, argnum)


def hessian_tensor_product(fun, argnum=0, method="reverse"):
    """(*args, v) -> H v, fun's Hessian by argument `argnum` times v (the vector comes last), without forming H:
    autograd's `hessian_vector_product` (its gmm example's `hessp=` for Newton-CG), make_hvp's product.

    Shape contract: v shaped like the argument (a pytree as it), H v shaped like it.

    >>> import difflab as dl, numpy as np
    >>> dl.hessian_vector_product(lambda x: (x ** 3.0).sum())(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    array([ 6., 12.])
    """
    argnum = _checked_argnum(argnum, "hessian_vector_product")

    def hvp_at(*args, **kwargs):
        if len(args) < 2:
            raise TypeError(
                "hessian_vector_product(fun)(*args, vector) takes fun's arguments and then the vector (autograd's "
                f"order), got {len(args)} argument(s)"
            )
        return make_hvp(fun, argnum, method=method)(*args[:-1], **kwargs)[0](args[-1])

    return hvp_at


hessian_vector_product = hessian_tensor_product
