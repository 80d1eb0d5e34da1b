"""Oracle checks for the transformations: `check_hvp`, `check_rule` (a custom_jvp/custom_vjp rule)
and `check_sparsity` (a sparsity pattern against dense Jacobians).

They reuse the oracle's verdicts (`check_jvp`, `check_vjp`): exact references where f is traceable,
Richardson differences with error estimates for a black box, one-sided second opinions near kinks,
and tolerances from the dtypes involved (float32 values get float32's).
"""

from __future__ import annotations

import numpy as np

from .. import api, tree
from ..differentiators.numeric import numeric_gradient
from .references import _Target
from .oracle import CheckResult, GradientMismatch, _count, _functions, _jvp_check, _seed, _vjp_check

__all__ = ["check_hvp", "check_rule", "check_sparsity"]


def _name(f):
    return getattr(f, "__name__", type(f).__name__)


def _points(args, points, seed):
    """The given point, then `points - 1` random ones nearby (each float leaf moved by ~10%)."""
    rng = np.random.default_rng(_seed(seed))
    out = [tuple(args)]
    for _ in range(points - 1):

        def move(x):
            a = np.asarray(x)
            if a.dtype.kind != "f":
                return x
            y = a + 0.1 * np.maximum(1.0, np.abs(a)) * rng.standard_normal(a.shape)
            y = y.astype(a.dtype)
            return float(y) if isinstance(x, float) else y

        out.append(tuple(tree.tree_map(move, a) for a in args))
    return out


def check_hvp(f, hvp_f, *args, rtol=None, atol=None, reference="auto", seed=None) -> CheckResult:
    """Check a Hessian-vector product `hvp_f(primals, tangents)` of scalar `f` (JAX's signature; it
    may return H v alone or, as `difflab.hvp`, the pair (∇f, H v)).

    H v is the directional derivative of the gradient, so this is `check_jvp` of ∇f: the tangent
    is drawn from `seed`, the reference is forward-over-reverse AD of the traced f (exact) or, for
    a black box, Richardson differences of Richardson gradients. A complex argument z (f real): ∇f is
    df/dx - i df/dy (difflab.grad's and JAX's), the tangent complex, H v = d/ds ∇f(z + s v) (JAX's
    jvp of grad).

    Shape contract: H v shaped like the primals (one primal: like it; several: a tuple).

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> f = lambda x: dnp.sum(x ** 3.0)
    >>> bool(check_hvp(f, lambda p, t: 6.0 * p[0] * t[0], np.array([1.0, 2.0])))
    True
    """
    __tracebackhide__ = True
    _functions("check_hvp", f=f, hvp_f=hvp_f)
    nums = tuple(range(len(args)))
    many = len(args) > 1
    t = _Target(f, args, nums)  # (f's output checked first: None or a str was NumPy's error from the differences)
    gradient = api.grad(f, nums if many else 0)
    try:
        if any(t.cplx):  # (complex leaves are realified by difflab.grad, not staged as they are)
            gradient(*args)
        else:
            api.stage(f, args, nums)
    except (TypeError, AttributeError):  # a black box: its gradient by Richardson differences

        def gradient(*xs):  # (complex leaves: df/dx - i df/dy, difflab.grad's and JAX's convention)
            at = _Target(f, xs, nums)
            with at.quiet():
                g = at.gradient_tree(numeric_gradient(lambda z: at.call(z)[0], at.x, scheme="richardson"))
            return g if many else g[0]  # (a tuple per argument: nums is a tuple)

    gradient.__name__ = f"grad({_name(f)})"

    def jvp_f(primals, tangents):
        hv = hvp_f(primals, tangents)
        want = tree.flatten(primals if many else primals[0])[1]
        if isinstance(hv, tuple) and len(hv) == 2 and tree.flatten(hv)[1] != want:
            hv = hv[1]  # (∇f, H v), as difflab.hvp returns
        return gradient(*primals), hv

    jvp_f.__name__ = _name(hvp_f)
    jvp_f._returns = "H v, or (∇f(*primals), H v) as difflab.hvp"  # type: ignore[attr-defined]
    return _jvp_check("check_hvp", "hvp_f", gradient, jvp_f, args, rtol, atol, reference, seed)


def check_rule(f, *args, points=3, rtol=None, atol=None, reference="auto", seed=None) -> CheckResult:
    """Check a `custom_jvp` or `custom_vjp` function's rule at `points` points (the given one and
    random ones nearby, drawn from `seed`).

    custom_jvp: the rule's J v (forward mode through the rule) against the primal's own derivative
    (`check_jvp`: exact when the primal is traceable, else Richardson; `reference="numeric"` to
    insist on differences), then the VJP reverse mode derives from it against the rule's J v by
    the adjoint identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩ (`check_vjp`: the rule must be linear in the tangents).
    custom_vjp: bwd's Jᵀu against the primal's J v by the same identity.

    Returns the last point's CheckResult; raises GradientMismatch at the first disagreement.

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> @dl.custom_jvp
    ... def square(x):
    ...     return x * x
    >>> _ = square.defjvp(lambda p, t: (square(p[0]), 2.0 * p[0] * t[0]))
    >>> bool(check_rule(square, np.array([0.5, -1.0])))
    True
    """
    __tracebackhide__ = True
    from ..rules import custom_jvp, custom_vjp
    import difflab as dl

    if not isinstance(f, (custom_jvp, custom_vjp)):
        raise TypeError(
            f"check_rule takes a dl.custom_jvp or dl.custom_vjp function, got {_name(f)} ({type(f).__name__})"
        )
    primal = f.fun
    result = None
    for k, p in enumerate(_points(args, points, seed)):
        point_seed = (0 if seed is None else seed) + k
        if isinstance(f, custom_jvp):

            def rule_jvp(primals, tangents):
                return dl.jvp(f, primals, tangents, method="forward")

            rule_jvp.__name__ = f"the custom_jvp rule of {_name(f)} (point {k})"
            _jvp_check("check_rule", "rule", primal, rule_jvp, p, rtol, atol, reference, point_seed)

            def transposed(*primals):
                return dl.vjp(f, *primals, method="reverse")

            transposed.__name__ = f"reverse mode's transpose of the custom_jvp rule of {_name(f)} (point {k})"
            # reference "reverse": J v from the traced f, i.e. forward mode through the rule itself
            result = _vjp_check("check_rule", "rule", f, transposed, p, rtol, atol, "reverse", point_seed, 3)
        else:

            def rule_vjp(*primals):
                return dl.vjp(f, *primals, method="reverse")

            rule_vjp.__name__ = f"the custom_vjp rule (bwd) of {_name(f)} (point {k})"
            result = _vjp_check("check_rule", "rule", primal, rule_vjp, p, rtol, atol, reference, point_seed, 3)
    return result


def _coo_index(idx, what) -> np.ndarray:
    """A COO pattern's row or column indices as ints: integers, or floats of integer value (1.0); a fractional, NaN,
    boolean or non-numeric one is refused by name (a cast to int truncated 0.5 to 0, a silently different pattern)."""
    a = np.asarray(idx)
    if a.dtype.kind in "iu":
        return a.astype(int)
    if a.dtype.kind == "f":
        bad = a[~np.isfinite(a) | (a != np.round(a))] if a.size else a
        if not bad.size:
            return a.astype(int)
        raise ValueError(f"check_sparsity: the COO pattern's {what} index {float(bad.flat[0])!r} is not an integer")
    raise TypeError(f"check_sparsity: the COO pattern's {what} indices must be integers, got dtype {a.dtype}")


def _dense_pattern(P) -> np.ndarray:
    """check_sparsity's pattern as a dense boolean array; a COO triple's indices checked (a 3-tuple, an index
    out of range and dl.sparsity(index=True)'s pair were Python's unpacking or NumPy's IndexError; a negative
    index silently wrapped to the last row or column)."""
    if not isinstance(P, tuple):
        return np.asarray(P.toarray() if hasattr(P, "toarray") else P, dtype=bool)
    if len(P) == 2:
        raise TypeError(
            "check_sparsity: the pattern is a pair, as dl.sparsity(..., index=True) returns (pattern, IndexMap); "
            "pass its pattern, the first item"
        )
    if len(P) != 4:
        raise TypeError(f"check_sparsity: a COO pattern is (rows, cols, values, shape), got a tuple of {len(P)}")
    rows, cols, _, shape = P
    rows, cols = _coo_index(rows, "row"), _coo_index(cols, "column")
    for what, idx, size in (("row", rows, shape[0]), ("column", cols, shape[1])):
        if idx.size and not (0 <= idx.min() and idx.max() < size):
            bad = idx[(idx < 0) | (idx >= size)][0]
            raise ValueError(f"check_sparsity: the COO pattern's {what} index {bad} is outside 0..{size - 1}")
    dense = np.zeros(shape, dtype=bool)
    dense[rows, cols] = True
    return dense


def check_sparsity(f, *args, pattern=None, points=3, seed=None) -> CheckResult:
    """Check a sparsity pattern (default: `difflab.sparsity(f, *args)`) against f's dense Jacobian
    (reverse mode) at `points` points: every nonzero derivative must lie inside the pattern.
    Entries of the pattern that were zero at every point are reported as a note (a structural
    dependency whose derivative vanished there, such as relu's on its flat side), not a failure.

    Shape contract: `pattern` (m, n) over the flat output and flat input (SciPy sparse, a dense
    boolean array or a COO triple (rows, cols, values, shape)).

    >>> import difflab as dl, numpy as np
    >>> bool(check_sparsity(lambda x: x[1:] * x[:-1], np.ones(4)))
    True
    """
    __tracebackhide__ = True
    import difflab as dl
    from ..differentiators.reverse import Reverse

    points = _count("check_sparsity", "points", points)
    dense = _dense_pattern(dl.sparsity(f, *args) if pattern is None else pattern)
    seen = np.zeros_like(dense)
    nums = tuple(range(len(args)))
    for k, p in enumerate(_points(args, points, seed)):
        st = api.stage(f, p, nums)
        _, flat = Reverse().prepare(st.graph, st.wrt).jacobian(st.inputs(p))  # (m, n), flat
        flat = np.asarray(flat)
        if flat.shape != dense.shape:
            raise ValueError(
                f"check_sparsity: the pattern has shape {dense.shape}, the Jacobian of {_name(f)} {flat.shape}"
            )
        outside = (flat != 0) & ~dense
        if outside.any():
            i, j = np.argwhere(outside)[0]
            raise GradientMismatch(
                f"check_sparsity: {int(outside.sum())} nonzero derivative(s) of {_name(f)} lie outside the pattern "
                f"at point {k}; first: output element {i} depends on input element {j} "
                f"(∂ = {flat[i, j]:.6g}) but the pattern says it does not",
                worst=(int(i), int(j)),
                user=0.0,
                reference=float(flat[i, j]),
                allowed=0.0,
                n_out=int(outside.sum()),
                hints=(),
                seed=seed,
            )
        seen |= flat != 0
    never = int((dense & ~seen).sum())
    notes = (
        (
            f"{never} pattern entries were zero at every point checked (structural dependencies "
            "whose derivative vanished there)",
        )
        if never
        else ()
    )
    return CheckResult(
        "check_sparsity",
        f"dense reverse-mode Jacobians at {points} points",
        0.0,
        0.0,
        ("pattern", ()),
        1.0,
        {},
        0 if seed is None else seed,
        notes,
    )
