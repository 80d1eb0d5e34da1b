"""SciPy's IIR filter as ONE registry entry, `lfilter(b, a, x, zi)`: y along x's last axis with
A(z) Y = B(z) X + a₀ Zi(z) (SciPy's direct form II transposed, b and a normalised by a₀ and the initial state
zi not); b and a of one length L (the front end, difflab.scipy.signal.lfilter, pads the shorter with zeros,
as SciPy does), zi (..., L − 1), x (..., N). Leading axes broadcast: b (..., L) and a (..., L) are a filter per
line (a batch of filters: vmap's rule). Values are SciPy's (scipy.signal.lfilter, line by line for many filters).

Rules (all along the last axis; H_c v = lfilter(c, a, v, 0), 1/A(z) times C(z)). y is linear in (x, zi) and
y = (B X + a₀ Zi) / A, so dy = lfilter(db, a, x, zi·da₀/a₀) + lfilter(b, a, dx, dzi) − lfilter(da, a, y, 0):
each argument's JVP is one lfilter. The VJPs are their transposes: H_c is lower triangular Toeplitz, so
H_cᵀ u = flip(H_c flip(u)); x̄ = H_bᵀ ū, z̄i = the first L − 1 entries of H_(a₀e₀)ᵀ ū; b̄_k = Σ_n ū[n] w[n − k]
with w = H_e₀ x (b_k multiplies x delayed by k), ā_k = −Σ_n ū[n] v[n − k] with v = H_e₀ y, and ā₀ also
Σ ū·(Zi/A) from zi's a₀. Rules are lfilter itself and slices, so every order nests.

How it works, for b = [1], a = [1, −0.5], x = [1, 0, 0]: y[n] = x[n] + 0.5 y[n − 1] = [1, 0.5, 0.25]; its
derivative in a₁ along da₁ = 1 is −lfilter([0, 1], a, y) = −[0, 1, 1]: y[n − 1]'s own recurrence, as
differentiating y[1] = 0.5 gives −y[0] = −1 and y[2] = 0.25 gives −(y[1] + 0.5·y[0]) = −1.
"""

from __future__ import annotations

import numpy as np

from .core import REGISTRY, _shape, defop, draw, named_value
from .elementwise import strong_mul
from .shape import concatenate, getitem

__all__ = ["lfilter"]


def _lead(*vs):
    return np.broadcast_shapes(*[_shape(v)[:-1] for v in vs])


def _impl(b, a, x, zi):
    b, a, x, zi = (np.asarray(v) for v in (b, a, x, zi))
    size = _shape(a)[-1]
    if min(b.ndim, a.ndim, x.ndim, zi.ndim) < 1 or b.shape[-1] != size or zi.shape[-1] != size - 1:
        raise ValueError(
            f"lfilter's entry takes b (..., L), a (..., L), x (..., N) and zi (..., L - 1); got b {b.shape}, "
            f"a {a.shape}, x {x.shape}, zi {zi.shape} (difflab.scipy.signal.lfilter makes them so)"
        )
    if object in (b.dtype, a.dtype, x.dtype, zi.dtype):  # (sparsity's dependency sets: the recurrence itself)
        return _recurrence(b, a, x, zi)
    import scipy.signal as sg  # (the `scipy` extra: difflab.scipy's functions need it)

    if np.any(a[..., 0] == 0):
        raise ValueError("lfilter: a[0] is 0, so the filter cannot be normalised (SciPy's error too)")
    lead = _lead(b, a, x, zi)
    if x.size == 0 or not all(
        lead
    ):  # (no samples or no lines: SciPy's one-coefficient path refuses them, np.convolve's
        # 'v cannot be empty', apply_along_axis's 'Cannot apply_along_axis when any iteration dimensions are 0')
        return np.zeros(lead + x.shape[-1:], dtype=np.result_type(b, a, x, zi, 1.0))
    x, zi = np.broadcast_to(x, lead + x.shape[-1:]), np.broadcast_to(zi, lead + (size - 1,))
    if b.ndim == a.ndim == 1:  # one filter: SciPy's call over every line
        out = sg.lfilter(b, a, x, axis=-1) if size == 1 else sg.lfilter(b, a, x, axis=-1, zi=zi)[0]
    else:
        b, a = np.broadcast_to(b, lead + (size,)), np.broadcast_to(a, lead + (size,))
        out = np.empty(x.shape, dtype=np.result_type(b, a, x, zi, 1.0))
        for idx in np.ndindex(lead):  # a filter per line
            line = sg.lfilter(b[idx], a[idx], x[idx], zi=zi[idx]) if size > 1 else (sg.lfilter(b[idx], a[idx], x[idx]),)
            out[idx] = line[0]
    # a line with no input and no state is 0 whatever its filter (strong zeros, DESIGN.md §3: the rules filter
    # zero cotangents of lines another filter's NaN holds)
    silent = ~(x.any(axis=-1) | zi.any(axis=-1))
    if silent.any():
        out = np.where(silent[..., None], 0.0, out)
    return out


def _recurrence(b, a, x, zi):
    """The recurrence on scalars of any kind (SymPy's, sparsity's), line by line: direct form II transposed,
    SciPy's, b and a over a[0]. Each output and state is named as it is made (`named_value`, the symbolic
    method's translation): written out, y[n] holds y[n − 1] and the state, which holds y[n − 2], so its tree
    doubles at each step (a second-order filter of 16 samples: y[15] of 9,000 operations, iir_lfilter_fit's
    symbolic Hessian 72 s)."""
    b, a, x, zi = (np.asarray(v, dtype=object) for v in (b, a, x, zi))
    size, lead = a.shape[-1], _lead(b, a, x, zi)
    b, a = np.broadcast_to(b, lead + (size,)), np.broadcast_to(a, lead + (size,))
    x, zi = np.broadcast_to(x, lead + x.shape[-1:]), np.broadcast_to(zi, lead + (size - 1,))
    y = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(lead):
        bn, an = [c / a[idx][0] for c in b[idx]], [c / a[idx][0] for c in a[idx]]
        state = list(zi[idx]) + [0]
        for n in range(x.shape[-1]):
            yn = named_value(bn[0] * x[idx + (n,)] + state[0])
            state = [
                named_value(bn[i + 1] * x[idx + (n,)] + state[i + 1] - an[i + 1] * yn) for i in range(size - 1)
            ] + [0]
            y[idx + (n,)] = yn
    return y


def _last(x, part):
    """x[..., part]."""
    return getitem(x, idx=(slice(None),) * (len(_shape(x)) - 1) + (part,))


def _flip(x):
    return _last(x, slice(None, None, -1))


def _unit(size, k=0):
    return np.eye(size)[k]


def _zeros_state(like, size):
    return np.zeros(_shape(like)[:-1] + (size - 1,))


def _transposed(c, a, u):
    """H_cᵀ u: the transpose of v ↦ lfilter(c, a, v, 0) along the last axis."""
    return _flip(lfilter(c, a, _flip(u), _zeros_state(u, _shape(a)[-1])))


def _traced(v):
    from ..graph import Traced

    return isinstance(v, Traced)


def _state_response(a, zi, like):
    """Zi/A (the response to the initial state with a₀ = 1) shaped like `like`, or None where zi is a constant 0."""
    if not _traced(zi) and not np.any(zi):
        return None
    size = _shape(a)[-1]
    y = lfilter(np.zeros(size), a, np.zeros(_shape(like)), zi)  # a₀ Zi / A
    return y / _last(a, slice(0, 1))


def _lagged_sums(u, w, size):
    """[Σ_n u[..., n] w[..., n − k] for k < size] along the last axis: (..., size)."""
    total = REGISTRY["sum"]
    n = _shape(u)[-1]
    terms = []
    for k in range(min(size, n)):
        product = strong_mul(_last(u, slice(k, n)), _last(w, slice(0, n - k)))  # (0·NaN: 0, a line not used)
        terms.append(total(product, axis=(len(_shape(product)) - 1,), keepdims=True))
    if size > n:  # lags past the signal's length reach no output
        terms.append(np.zeros(_lead(u, w) + (size - n,)))
    return terms[0] if len(terms) == 1 else concatenate(*terms, axis=len(_lead(u, w)))


def _jvp_a(t, out, b, a, x, zi):
    size = _shape(a)[-1]
    dy = -lfilter(t, a, out, _zeros_state(out, size))
    state = _state_response(a, zi, out)
    if state is not None:  # zi enters as a₀ Zi: its share of a₀'s tangent
        dy = dy + strong_mul(_last(t, slice(0, 1)), state)
    return dy


def _vjp_b(ct, out, b, a, x, zi):
    size = _shape(a)[-1]
    w = lfilter(_unit(size), a, x, _zeros_state(x, size))
    return _lagged_sums(ct, w, size)


def _vjp_a(ct, out, b, a, x, zi):
    size = _shape(a)[-1]
    v = lfilter(_unit(size), a, out, _zeros_state(out, size))
    grad = -_lagged_sums(ct, v, size)
    state = _state_response(a, zi, out)
    if state is not None:
        share = REGISTRY["sum"](strong_mul(ct, state), axis=(len(_shape(state)) - 1,), keepdims=True)
        grad = grad + share * _unit(size)
    return grad


def _vjp_zi(ct, out, b, a, x, zi):
    size, n = _shape(a)[-1], _shape(ct)[-1]
    r = _last(_transposed(a * _unit(size), a, ct), slice(0, min(size - 1, n)))  # (a₀ e₀: the state's numerator)
    if size - 1 > n:  # states past the signal's end reach no output
        r = concatenate(r, np.zeros(_shape(r)[:-1] + (size - 1 - n,)), axis=len(_shape(r)) - 1)
    return r


def _batch(batched, b, a, x, zi):
    """A batch is one more leading axis of every argument (the entry broadcasts their leading axes): each
    batched argument gets unit axes after its batch axis, up to the other arguments' leading axes."""
    rank = max(len(_shape(v)) - 1 - f for v, f in zip((b, a, x, zi), batched))
    args = []
    for v, f in zip((b, a, x, zi), batched):
        shape = _shape(v)
        if f and len(shape) - 2 < rank:
            v = REGISTRY["reshape"](v, shape=shape[:1] + (1,) * (rank - len(shape) + 2) + shape[1:])
        args.append(v)
    return lfilter(*args)


def _samples(rng):
    """Stable filters (poles inside the unit circle) on a signal with its state, on two signals, and two filters."""
    a = np.array([1.3, -0.4, 0.2])
    two = np.array([[0.9, 0.3], [1.1, -0.5]])
    return [
        ((draw("real", (3,), rng), a, draw("real", (5,), rng), draw("real", (2,), rng)), {}),
        ((draw("real", (2,), rng), np.array([0.9, 0.3]), draw("real", (2, 4), rng), draw("real", (2, 1), rng)), {}),
        ((draw("real", (2, 2), rng), two, draw("real", (4,), rng), draw("real", (1,), rng)), {}),
    ]


def _strategy(b, name, x, picks, c):
    """lfilter of x along its last axis (a number: a 1-vector) by a first-order filter whose coefficients and state
    move with s = tanh(Σ x): b = [1, 0.5] + s·[0.3, −0.2], a = [1, −0.2] + s·[0, 0.3] (its pole in (−0.5, 0.1):
    stable), zi = 0.4·s, so the random graphs differentiate every argument."""
    x = b.rank1(x)
    s = b.emit("tanh", b.emit("sum", x, axis=None, keepdims=False))
    num = b.emit("add", b.emit("mul", s, np.array([0.3, -0.2])), np.array([1.0, 0.5]))
    den = b.emit("add", b.emit("mul", s, np.array([0.0, 0.3])), np.array([1.0, -0.2]))
    return b.emit(name, num, den, x, b.emit("mul", s, np.array([0.4])))


lfilter = defop(
    "lfilter",
    _impl,
    requires=("scipy",),
    jvp=(
        lambda t, out, b, a, x, zi: lfilter(t, a, x, _zeros_state(x, _shape(a)[0])),
        _jvp_a,
        lambda t, out, b, a, x, zi: lfilter(b, a, t, _zeros_state(t, _shape(a)[0])),
        lambda t, out, b, a, x, zi: lfilter(np.zeros(_shape(a)[0]), a, np.zeros(_shape(out)), t),
    ),
    vjp=(
        _vjp_b,
        _vjp_a,
        lambda ct, out, b, a, x, zi: _transposed(b, a, ct),
        _vjp_zi,
    ),
    sympy=_recurrence,
    domain=("real", "real", "real", "real"),
    samples=_samples,
    strategy=_strategy,
    batch=_batch,
    analytic=False,
    doc="SciPy's IIR filter along the last axis (b, a of one length, zi the initial state); "
    "dy = lfilter(db, a, x) + lfilter(b, a, dx, dzi) − lfilter(da, a, y)",
)
