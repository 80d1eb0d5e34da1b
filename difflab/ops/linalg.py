"""Linear algebra primitives: matmul (NumPy's semantics for every rank)."""
from __future__ import annotations

import builtins

import numpy as np

from .core import REGISTRY, _sp, draw, fits
from .elementwise import _abs_fn
from .core import (Op, _nb, _ndim, _reshape, _samples, _shape, _transpose, defop)

def _swap_last(x):
    if type(x) is np.ndarray:  # concrete (the interpreter): a view, no op
        return x.swapaxes(-1, -2) if x.ndim > 1 else x
    nd = _ndim(x)
    return x if nd < 2 else _transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _matmul_vjp_a(ct, out, a, b):
    if _ndim(b) == 1:
        return _reshape(ct, _shape(ct) + (1,)) * b if _ndim(a) > 1 else ct * b
    if _ndim(a) == 1:
        return _reshape(matmul(b, _reshape(ct, _shape(ct) + (1,))), _shape(b)[:-2] + _shape(b)[-2:-1])
    return matmul(ct, _swap_last(b))


def _matmul_vjp_b(ct, out, a, b):
    if _ndim(a) == 1:
        if _ndim(b) == 1:
            return ct * a
        return _reshape(a, (-1, 1)) * _reshape(ct, _shape(ct)[:-1] + (1, _shape(ct)[-1]))
    if _ndim(b) == 1:  # ct: a's stack shape; every stacked row contributes (unbroadcast sums them)
        m = _shape(ct)[-1]
        return _reshape(matmul(_reshape(ct, _shape(ct)[:-1] + (1, m)), a), _shape(ct)[:-1] + _shape(b))
    return matmul(_swap_last(a), ct)


def _matmul_jvp_a(t, out, a, b):
    nb = _nb(t, a)
    if not nb:
        return matmul(t, b)
    batch = _shape(t)[:nb]  # pad the tangent so its batch axes lead, ahead of b's stack axes
    if _ndim(a) >= 2:
        t = _reshape(t, batch + (1,) * builtins.max(0, _ndim(b) - _ndim(a)) + _shape(a))
    elif _ndim(b) > 2:
        t = _reshape(t, batch + (1,) * (_ndim(b) - 1) + _shape(a))
    return _reshape(matmul(t, b), batch + _shape(out))


def _matmul_jvp_b(t, out, a, b):
    nb = _nb(t, b)
    if not nb:
        return matmul(a, t)
    batch = _shape(t)[:nb]
    if _ndim(b) == 1:  # a vector tangent becomes a column so matmul keeps the batch axes apart
        t = _reshape(t, batch + (1,) * builtins.max(0, _ndim(a) - 2) + _shape(b) + (1,))
    else:
        t = _reshape(t, batch + (1,) * builtins.max(0, _ndim(a) - _ndim(b)) + _shape(b))
    return _reshape(matmul(a, t), batch + _shape(out))


def _matmul_batch(batched, a, b):
    """Vectors become matrices (a row, b a column; the unit axis is dropped again) and a batched
    operand gets unit stack axes after its batch axis, so the batch axis leads the product."""
    nd_a, nd_b = np.ndim(a) - batched[0], np.ndim(b) - batched[1]
    a2 = a if nd_a > 1 else np.expand_dims(a, -2)
    b2 = b if nd_b > 1 else np.expand_dims(b, -1)
    stack = builtins.max(nd_a, nd_b, 2) - 2
    if batched[0]:
        a2 = a2.reshape(a2.shape[:1] + (1,) * (stack + 2 - a2.ndim + 1) + a2.shape[1:])
    if batched[1]:
        b2 = b2.reshape(b2.shape[:1] + (1,) * (stack + 2 - b2.ndim + 1) + b2.shape[1:])
    out = np.matmul(a2, b2)
    if nd_b == 1:
        out = out[..., 0]
    return out[..., 0, :] if nd_a == 1 and nd_b > 1 else out[..., 0] if nd_a == 1 else out


def _matmul_strategy(b, name, x, picks, c):
    x = b.rank1(x)
    for p in picks:
        y = b.pick(p)
        if b.shape(y) and fits(np.matmul, b.shape(x), b.shape(y)):
            return b.emit("matmul", x, y)
    n = len(b.shape(x))  # x @ x for a vector, else x against x with its last two axes swapped
    return b.emit("matmul", x, x if n == 1 else b.emit("transpose", x, axes=(*range(n - 2), n - 1, n - 2)))


matmul = defop("matmul", np.matmul,
               jvp=(_matmul_jvp_a, _matmul_jvp_b),
               vjp=(_matmul_vjp_a, _matmul_vjp_b), batch=_matmul_batch,
               domain=("real", "real"), samples=_samples((((3, 4), (4, 2)), {}), (((4,), (4, 2)), {}), (((3, 4), (4,)), {}), (((4,), (4,)), {}), (((2, 3, 4), (4, 5)), {})),
                doc="matrix product (NumPy's matmul semantics)", numpy=("matmul",), strategy=_matmul_strategy)





# -- inverse and determinants: rules written with inv, so they nest ---------------------------

def _square_samples(rng):
    """Well-conditioned square matrices (a random one plus 3·I), single and stacked."""
    return [((draw("real", (3, 3), rng) + 3.0 * np.eye(3),), {}),
            ((draw("real", (2, 2, 2), rng) + 3.0 * np.eye(2),), {})]


def _per_matrix(fn):
    """A SymPy translation applied to each matrix of a stack of object arrays."""
    def translate(x):
        x = np.asarray(x, dtype=object)
        flat = x.reshape((-1,) + x.shape[-2:])
        outs = [np.asarray(fn(_sp().Matrix(m)), dtype=object) for m in flat]
        res = np.empty(len(outs), dtype=object) if outs[0].ndim == 0 else None
        if res is not None:
            res[:] = [o[()] for o in outs]
            return res.reshape(x.shape[:-2])
        return np.stack(outs).reshape(x.shape[:-2] + outs[0].shape)

    return translate


def _square_strategy(b, name, x, picks, c):
    """A symmetric positive definite matrix built from x: v vᵀ + 2·I with v = x flattened (x's sum
    when x has more than 2 entries: SymPy's symbolic inverse and determinant grow fast with size)."""
    n = int(np.prod(b.shape(x)))
    if n > 2:
        x, n = b.emit("sum", x, axis=None, keepdims=False), 1
    col = b.emit("reshape", x, shape=(n, 1))
    row = col if n == 1 else b.emit("reshape", x, shape=(1, n))
    return b.emit(name, b.emit("add", b.emit("mul", col, row), 2.0 * np.eye(n)))


def _trailing_scalar(v):
    """v with two unit axes appended, so a per-matrix scalar broadcasts against the matrices."""
    return _reshape(v, _shape(v) + (1, 1))


def _last_two(t):
    return (_ndim(t) - 2, _ndim(t) - 1)


inv = defop("inv", np.linalg.inv,
            jvp=(lambda t, out, x: -matmul(out, matmul(t, out)),),
            vjp=(lambda ct, out, x: -matmul(_swap_last(out), matmul(ct, _swap_last(out))),),
            sympy=_per_matrix(lambda m: np.array(m.inv().tolist(), dtype=object)),
            samples=_square_samples, numpy=("linalg.inv",), strategy=_square_strategy, doc="matrix inverse (stacks of matrices too)")
det = defop("det", np.linalg.det,
            jvp=(lambda t, out, x: out * REGISTRY["sum"](_swap_last(inv(x)) * t, axis=_last_two(t), keepdims=False),),
            vjp=(lambda ct, out, x: _trailing_scalar(ct * out) * _swap_last(inv(x)),),
            sympy=_per_matrix(lambda m: m.det()), samples=_square_samples, numpy=("linalg.det",),
            strategy=_square_strategy,
            doc="determinant; d det = det · tr(A⁻¹ dA)")


def _logabsdet(x):
    return np.linalg.slogdet(x)[1]


logabsdet = defop("logabsdet", _logabsdet,
                  jvp=(lambda t, out, x: REGISTRY["sum"](_swap_last(inv(x)) * t, axis=_last_two(t), keepdims=False),),
                  vjp=(lambda ct, out, x: _trailing_scalar(ct) * _swap_last(inv(x)),),
                  sympy=_per_matrix(lambda m: _sp().log(_abs_fn()(m.det()))), samples=_square_samples,
                  strategy=_square_strategy, doc="log |det A| (slogdet's second output), computed without overflow")

__all__ = [name for name, value in list(globals().items()) if isinstance(value, Op)]
