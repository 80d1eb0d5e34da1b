"""The gradient oracle: `check_grad` and its siblings judge a hand-written derivative.

A traceable f (difflab.numpy) gets an exact reference (SymPy in 40 digits when small, else AD); a
black box gets Richardson extrapolation, whose error estimate sets the tolerance. Entries that
disagree get a second opinion from one-sided differences: a point beside a kink is no false alarm.
The parts: `references` (the target and its reference), `verdict` (the acceptance rule, written
out in its "How it works"), `messages` (what a failure or a pass says).
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np

from .. import tree
from ..errors import check_function
from .evidence import SAFETY, one_sided
from .messages import CheckResult, GradientMismatch, Inconclusive, TaylorResult, _short, _where
from .references import DIRECTION, REFERENCES, SCALAR, _Axis, _leaves_like, _matrix, _Reference, _reference, _Target
from .verdict import _Case, _entry_scale, _judge, _refuse_tolerances, _tolerances

__all__ = [
    "check_grad",
    "check_jacobian",
    "check_hessian",
    "check_jvp",
    "check_vjp",
    "taylor_test",
    "GradientMismatch",
    "Inconclusive",
    "CheckResult",
    "TaylorResult",
    "REFERENCES",
]


# -- the checks ------------------------------------------------------------------------------------


def _seed(seed):
    """The seed of a check's random directions, refused by name where NumPy's generators would refuse
    it deep inside a check (a negative one: "expected non-negative integer")."""
    if seed is None:
        return 0
    # (int() read 'a' as NumPy's "invalid literal for int() with base 10", 2.7 as 2 and True as 1, silently)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def _count(check, name, value) -> int:
    """A check's count of points or probes: a whole number >= 1. Zero (or a negative count, or True) passed any
    derivative "at 0 points" (check_sparsity), or met an UnboundLocalError or NumPy's error (check_vjp)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{check}: {name} must be a whole number >= 1, got {value!r}")
    return int(value)


def _functions(check, **functions):
    __tracebackhide__ = True
    for role, fn in functions.items():  # refused by name, not as "'float' object is not callable"
        check_function(fn, check, f"{role} as a function")


def _who(role, fn):
    return f"{role} ({getattr(fn, '__name__', type(fn).__name__)})"


def _user_call(name, fn, args, *rest, pair=None):
    """fn(*args, *rest) (fn(tuple(args), *rest) for a jvp_f) on copies of the arguments: one that
    changes them in place is named, not judged at the moved point its caller would see. `pair` names
    the two results a JAX-style jvp_f or vjp_f returns, which are checked to be a pair."""
    __tracebackhide__ = True
    try:
        copies = copy.deepcopy(list(args))
    except Exception:  # an argument that cannot be copied (a lock, a generator): called as it is
        copies = list(args)
    jvp = pair == "(f(*primals), J v)"
    try:
        out = fn(tuple(copies), *rest) if jvp else fn(*copies, *rest)
    except Exception as err:  # the user's own error, kept, with how the oracle called it (a wrong signature)
        if hasattr(err, "add_note"):  # (Python 3.11+)
            called = "(primals, tangents)" if jvp else "(*args)" if not rest else "(*args, v)"
            shown = getattr(fn, "_returns", pair)  # check_hvp's hvp_f, wrapped as a jvp_f, returns its own pair
            err.add_note(f"difflab.testing called {name} as {called}" + (f" -> {shown}" if shown else ""))
        raise
    for i, (a, b) in enumerate(zip(args, copies)):
        (la, ta), (lb, tb) = tree.flatten(a), tree.flatten(b)
        if ta != tb or any(
            isinstance(x, np.ndarray) and not (np.shape(x) == np.shape(y) and np.array_equal(x, y, equal_nan=True))
            for x, y in zip(la, lb)
        ):
            raise GradientMismatch(
                f"{name} changed its argument args[{i}] in place (a caller's values would move under it); "
                "compute into a new array (e.g. p = p.copy() before writing into it)",
                hints=(),
            )
    if pair is not None and not (isinstance(out, (tuple, list)) and len(out) == 2):
        got = f"a {type(out).__name__} of {len(out)}" if isinstance(out, (tuple, list)) else type(out).__name__
        raise GradientMismatch(f"{name} must return the pair {pair} (JAX's signature); got {got}", hints=())
    return out


def _matrix_check(check, kind, f, fn, args, argnums, rtol, atol, reference, seed, holomorphic=False):
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    _refuse_tolerances(check, rtol, atol)
    role = {"gradient": "grad_f", "jacobian": "jac_f", "hessian": "hess_f"}[kind]
    _functions(check, f=f, **{role: fn})
    if not isinstance(holomorphic, (bool, np.bool_)):
        raise TypeError(f"{check}: holomorphic must be True or False, got {holomorphic!r}")
    t = _Target(f, args, argnums, complex_out=kind == "jacobian" or bool(holomorphic))
    if kind != "jacobian" and sum(math.prod(s) for s in _out_shapes(t)) != 1:
        shapes = _out_shapes(t)  # one per output leaf: "shape ((2,),)" read as a typo
        got = f"shape {shapes[0]}" if len(shapes) == 1 else f"leaves of shapes {', '.join(map(str, shapes))}"
        raise TypeError(f"{check} needs f with a scalar output, but f returned {got}; use check_jacobian")
    _complex_conventions(check, kind, t, holomorphic)
    rows = {"gradient": SCALAR, "jacobian": t.out_axis, "hessian": t.in_axis}[kind]
    who = _who(role, fn)
    mode = "hessian" if kind == "hessian" else "jacobian"
    row_kind = {"gradient": "scalar", "jacobian": "out", "hessian": "in"}[kind]
    user, dtypes = _matrix(t.realify(_user_call(who, fn, args), row_kind, who, mode), rows, t.in_axis, who)
    ref = _reference(t, "hessian" if kind == "hessian" else "jacobian", reference)
    if any(t.cplx) and not holomorphic:
        _conjugate_hint(t, user, ref)
    if holomorphic:
        _cauchy_riemann_hint(t, kind, ref)
    eye = np.eye(t.in_axis.size)
    second = (lambda c: one_sided(t, eye[c])) if kind != "hessian" else None
    case = _Case(
        check,
        who,
        rows,
        t.in_axis,
        _seed(seed),
        dtypes | t.dtypes | t.out_dtypes,
        second=second,
        direction=lambda c: _where(*t.in_axis.locate(c)),
        magnitude=t.magnitude,
        scale_name="this entry's |reference|",
        reads_float32=_reads_float32(who, list(args), [f"args[{i}]" for i in range(len(args))], lambda a: fn(*a)),
    )
    return _judge(case, user, ref, _entry_scale, rtol, atol)


def _out_shapes(t):
    """f's output leaves' shapes, as f returns them (a complex leaf once)."""
    return [s for s, lab in zip(t.out_axis.shapes, t.out_axis.labels) if not lab.endswith(".imag")]


def _complex_conventions(check, kind, t, holomorphic):
    """Refuse, as difflab.jacobian / difflab.hessian and JAX do, a complex derivative without a convention: a complex
    output of a complex argument unless holomorphic=True (f'(z)); a Hessian at a complex argument unless
    holomorphic=True (f''(z)); holomorphic=True with a real argument or a real output."""
    __tracebackhide__ = True
    if holomorphic and not (all(t.cplx) and all(t.out_cplx)):
        what = "arguments" if not all(t.cplx) else "outputs"
        raise TypeError(f"{check}: holomorphic=True needs complex {what} (as JAX's and difflab's), got a real one")
    if holomorphic:
        return
    if kind == "hessian" and any(t.cplx):
        raise TypeError(
            f"{check} takes complex arguments with holomorphic=True (f''(z) of a holomorphic f, as difflab.hessian and "
            "JAX's hessian); for a real function of z, check_hvp checks H v in JAX's convention (the JVP of "
            "df/dx - i df/dy), or pass the real and imaginary parts as separate real arguments"
        )
    if kind == "jacobian" and any(t.cplx) and any(t.out_cplx):
        raise TypeError(
            f"{check}: a complex output of a complex argument has no Jacobian convention (as JAX's jacfwd and jacrev, "
            "difflab.jacobian); pass holomorphic=True for a holomorphic function's complex derivative f'(z), or check "
            "the real and imaginary parts (np.real(f), np.imag(f)) of the output"
        )


def _cauchy_riemann_hint(t, kind, ref):
    """holomorphic=True at an f that is not holomorphic at the point: its reference breaks Cauchy–Riemann
    (d Re f/dx = d Im f/dy, d Re f/dy = -d Im f/dx), so no f'(z) exists: said in the hints."""
    if kind != "jacobian":
        return
    rows, cols = (
        [lab.endswith(".imag") for lab in t.out_axis.labels],
        [lab.endswith(".imag") for lab in t.in_axis.labels],
    )
    r_im, c_im = np.array(rows)[t.out_axis.segment()], np.array(cols)[t.in_axis.segment()]
    J = ref.value
    ux, uy, vx, vy = J[~r_im][:, ~c_im], J[~r_im][:, c_im], J[r_im][:, ~c_im], J[r_im][:, c_im]
    tol = 1e-6 * np.max(np.abs(J), initial=0.0) + SAFETY * np.max(ref.error, initial=0.0)
    if np.max(np.abs(ux - vy), initial=0.0) > tol or np.max(np.abs(uy + vx), initial=0.0) > tol:
        ref.hints.append(
            "f is not holomorphic at the point (its derivatives break Cauchy–Riemann: d Re f/dx ≠ d Im f/dy or "
            "d Re f/dy ≠ -d Im f/dx), so it has no complex derivative f'(z); check its real and imaginary parts "
            "as two real functions"
        )


_TINY, _STEP = 1e-11, 2.0**-21  # relative moves below float32's resolution and of 4 to 8 float32 spacings


def _reads_float32(who, inputs, labels, call):
    """() -> a note when `call(inputs)` (the user's function) reads one of its float64 inputs in float32, else "".

    The test, per input: its result must stay bit-identical when the input is rounded to float32 and when it moves
    by _TINY of itself (float64 sees both, a float32 copy rounds them away), and change when it moves by _STEP
    (4 to 8 float32 spacings: a float32 copy sees that). Then the result comes from a float32 copy of the input,
    whatever dtype it is cast back to (np.eye + A32 @ A32.T is float64 holding float32's round-off). A float64
    reader moves under the first two; one that does not depend on the input moves under none: no claim. (A float64
    result whose relative sensitivity to the input lies between ~2e-10 and ~4e-9 would look the same; asked only
    when every failing entry is off by float32's round-off.)"""

    def outputs(xs):
        return [np.array(leaf, copy=True) for leaf in tree.flatten(call(copy.deepcopy(xs)))[0]]

    def same(a, b):
        return len(a) == len(b) and all(
            x.shape == y.shape and np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b)
        )

    def wide(x) -> bool:  # a float64 (or complex128) leaf: one a float32 copy could round
        return isinstance(x, (float, complex)) or (isinstance(x, np.ndarray) and x.dtype in (np.float64, np.complex128))

    def rounded(x):
        narrow = np.complex64 if np.iscomplexobj(x) else np.float32
        y = np.asarray(x).astype(narrow).astype(np.asarray(x).dtype)
        return y if isinstance(x, np.ndarray) else y.item()

    def probe() -> str:
        rng = np.random.default_rng(0)
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                base = outputs(inputs)
                for i, (arg, label) in enumerate(zip(inputs, labels)):
                    leaves, td = tree.flatten(arg)
                    mask = [wide(x) for x in leaves]
                    if not any(mask):
                        continue
                    signs = [rng.choice([-1.0, 1.0], np.shape(x)) for x in leaves]

                    def at(change, i=i, leaves=leaves, td=td, mask=mask):
                        new = [change(x, k) if m else x for k, (x, m) in enumerate(zip(leaves, mask))]
                        return [*inputs[:i], td.unflatten(new), *inputs[i + 1 :]]

                    def moved(rel, signs=signs):
                        def change(x, k):
                            y = np.asarray(x) * (1 + rel * signs[k])
                            return y if isinstance(x, np.ndarray) else y.item()

                        return at(change)

                    rounds = any(not np.array_equal(rounded(x), x) for x, m in zip(leaves, mask) if m)
                    if (
                        (not rounds or same(outputs(at(lambda x, k: rounded(x))), base))
                        and same(outputs(moved(_TINY)), base)
                        and not same(outputs(moved(_STEP)), base)
                    ):
                        return (
                            f"{who} reads {label} in float32 (its result stayed bit-identical when {label} was rounded "
                            f"to float32 and when it moved by {_TINY:g} of itself, and changed when it moved by "
                            f"{_STEP:.2g}): judged at float32's tolerance, as a float32 result is"
                        )
        except Exception:  # a function that refuses the moved inputs: no claim
            return ""
        return ""

    return probe


def _conjugate_hint(t, user, ref):
    """A gradient w.r.t. complex leaves that is right but for the sign of its imaginary parts: PyTorch's convention
    (df/dx + i df/dy), not difflab.grad's and JAX's (df/dx - i df/dy) that check_grad reads; said in the hints."""
    imag = np.array([lab.endswith(".imag") for lab in t.in_axis.labels])[t.in_axis.segment()]
    if not np.any(user[:, imag]):
        return
    conj = np.where(imag, -user, user)
    tol = 1e-6 * np.abs(ref.value) + SAFETY * ref.error + 1e-12 * np.max(np.abs(ref.value), initial=0.0)
    if np.all(np.abs(conj - ref.value) <= tol):
        ref.hints.append(
            "the gradient is the conjugate of the reference: check_grad reads a complex argument's gradient in "
            "difflab.grad's and JAX's convention, df/dRe z - i df/dIm z (PyTorch's is its conjugate); "
            "return np.conj(g)"
        )


def check_grad(f, grad_f, *args, argnums=0, rtol=None, atol=None, reference="auto", seed=None) -> CheckResult:
    """Check that `grad_f(*args)` is the gradient of scalar `f` with respect to `args[argnums]`.

    Shape contract: grad_f returns the structure of `args[argnums]` (a tuple of them when argnums is
    a tuple), as `difflab.grad` does. Entry (a, i) passes when |user − reference| ≤ atol + rtol ×
    |that entry of the reference| + SAFETY × its error estimate + a round-off floor (verdict.py).
    rtol defaults to sqrt(eps) of the least precise dtype involved (1.5e-8 in float64). reference:
    "auto" (exact if f is traceable, else numeric), "symbolic", "reverse" or "numeric".
    A complex argument z (f real) takes its gradient as difflab.grad gives it, df/dRe z - i df/dIm z
    (JAX's convention), checked as the pair args[i].real / args[i].imag against Richardson differences.
    Raises GradientMismatch with an explanation; returns a truthy CheckResult.

    >>> import numpy as np
    >>> check_grad(lambda x: np.sin(x).sum(), np.cos, np.array([0.5, 1.0])).margin > 0.99
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    return _matrix_check("check_grad", "gradient", f, grad_f, args, argnums, rtol, atol, reference, seed)


def check_jacobian(
    f, jac_f, *args, argnums=0, rtol=None, atol=None, reference="auto", seed=None, holomorphic=False
) -> CheckResult:
    """Check that `jac_f(*args)` is the Jacobian of `f`; tolerances as in `check_grad`, per block.

    Shape contract: as `difflab.jacobian`, out.shape + in.shape (for pytrees: f's output structure
    with the argument's structure at each leaf). Complex values as difflab.jacobian and JAX take them: a real
    output's row w.r.t. z is df/dx - i df/dy (jacrev's); a complex output of a real argument d Re f/dx + i d Im f/dx
    (jacfwd's); with `holomorphic=True` (complex arguments and outputs) the complex derivative f'(z), checked as
    the real Jacobian [[Re f', -Im f'], [Im f', Re f']] of (Re f, Im f) in (x, y) against Richardson differences.

    >>> import numpy as np
    >>> bool(check_jacobian(lambda x: x ** 2, lambda x: np.diag(2 * x), np.array([1.0, 2.0])))
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    return _matrix_check(
        "check_jacobian", "jacobian", f, jac_f, args, argnums, rtol, atol, reference, seed, holomorphic
    )


def check_hessian(
    f, hess_f, *args, argnums=0, rtol=None, atol=None, reference="auto", seed=None, holomorphic=False
) -> CheckResult:
    """Check that `hess_f(*args)` is the Hessian of scalar `f`; tolerances as in `check_grad`.

    Shape contract: as `difflab.hessian`, in.shape + in.shape. A black box's reference is a
    Richardson difference of Richardson gradients, so expect its tolerance to be looser. Complex arguments
    need `holomorphic=True` (as difflab.hessian and JAX's): f''(z) of a holomorphic scalar f, checked as the
    Hessian of Re f in (x, y), [[Re f'', -Im f''], [-Im f'', -Re f'']]; for a real f of z, use check_hvp.

    >>> import numpy as np
    >>> bool(check_hessian(lambda x: (x ** 3).sum(), lambda x: np.diag(6 * x), np.array([1.0, 2.0])))
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    return _matrix_check("check_hessian", "hessian", f, hess_f, args, argnums, rtol, atol, reference, seed, holomorphic)


def _primals_target(f, args, check):
    __tracebackhide__ = True
    if not args:
        raise TypeError(f"{check} needs at least one primal argument")
    return _Target(f, args, tuple(range(len(args))), complex_out=True)


def _check_primal(check, name, out, t: _Target, rtol):
    __tracebackhide__ = True  # pytest shows the user's frames and the message, not difflab's
    leaves = _leaves_like(out, t.out_td, name)
    try:
        y = t.flat_out(leaves)
        dtypes = {np.finfo(np.asarray(o).dtype).dtype for o in leaves if np.asarray(o).dtype.kind in "fc"}
    except (TypeError, ValueError):  # a str, or a tuple NumPy cannot make one array of: said below, not NumPy's error
        y, dtypes = None, set()
    # (a float32 primal, or f computing in float32, is judged at float32's tolerance, as the derivative is)
    rtol = _tolerances(rtol, None, dtypes | t.out_dtypes | t.dtypes)[0]
    tol = rtol * max(np.max(np.abs(t.y), initial=0.0), 1.0)
    if y is None or y.shape != t.y.shape or not np.all(np.abs(y - t.y) <= tol):
        raise GradientMismatch(
            f"{check}: {name} returned the primal output {_short(out)}, but f(*primals) is "
            f"{_short(t.out_axis.split(t.y))}"
        )


def check_jvp(f, jvp_f, *args, rtol=None, atol=None, reference="auto", seed=None) -> CheckResult:
    """Check a Jacobian-vector product: `jvp_f(primals, tangents) -> (f(*primals), J v)` (JAX's
    signature; every argument is a primal, tangents have the primals' structure).

    The tangent v is drawn from `seed`; J v is compared with the reference's entry by entry. A complex primal's
    tangent is complex (Re v and Im v drawn, as JAX's check_jvp), J v the derivative of f(z + s v) in real s,
    complex where f is: no holomorphy needed.

    >>> import numpy as np
    >>> bool(check_jvp(np.sin, lambda p, t: (np.sin(p[0]), np.cos(p[0]) * t[0]), np.array([0.5, 1.0])))
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    _functions("check_jvp", f=f, jvp_f=jvp_f)
    return _jvp_check("check_jvp", "jvp_f", f, jvp_f, args, rtol, atol, reference, seed)


def _jvp_check(check, role, f, jvp_f, args, rtol, atol, reference, seed) -> CheckResult:
    """check_jvp, its messages naming the check and the function the user gave (check_hvp's hvp_f:
    H v is the JVP of the gradient; check_rule's rule)."""
    __tracebackhide__ = True
    _refuse_tolerances(check, rtol, atol)
    t = _primals_target(f, args, check)
    v = np.random.default_rng(_seed(seed)).standard_normal(t.in_axis.size)
    name = _who(role, jvp_f)
    tangents = t.tangents(v)
    out, tangent = _user_call(name, jvp_f, args, tangents, pair="(f(*primals), J v)")
    _check_primal(check, name, out, t, rtol)
    user, dtypes = _matrix(t.realify(tangent, "v", name), t.out_axis, DIRECTION, name)
    ref = _reference(t, "jvp", reference, v)
    case = _Case(
        check,
        name,
        t.out_axis,
        DIRECTION,
        _seed(seed),
        dtypes | t.dtypes | t.out_dtypes,
        second=lambda c: one_sided(t, v),
        direction=lambda c: f"the tangent drawn from seed {_seed(seed)}",
        magnitude=t.magnitude,
        scale_name="this entry's |reference|",
        reads_float32=_reads_float32(
            name,
            [*args, tangents],
            [*(f"primals[{i}]" for i in range(len(args))), "the tangents"],
            lambda xs: jvp_f(tuple(xs[:-1]), xs[-1])[1],
        ),
    )
    return _judge(case, user, ref, _entry_scale, rtol, atol)


def check_vjp(f, vjp_f, *args, rtol=None, atol=None, reference="auto", seed=None, probes=3) -> CheckResult:
    """Check a vector-Jacobian product: `vjp_f(*primals) -> (f(*primals), pullback)`, where
    `pullback(u)` returns one cotangent per primal (a tuple, as JAX and difflab.vjp do).

    The adjoint identity ⟨J v, u⟩ = ⟨v, pullback(u)⟩ is tested for `probes` random pairs (v, u)
    drawn from `seed`, with J v from the reference (a directional derivative): J is never built.
    Each probe's scale is Σ|u|·|J v|. Complex primals and outputs pair as JAX's check_vjp and difflab.vjp do,
    Re⟨u, J v⟩ = Re⟨pullback(u), v⟩ without conjugation (a real f's gradient is then df/dx - i df/dy).

    >>> import numpy as np
    >>> bool(check_vjp(np.sin, lambda x: (np.sin(x), lambda u: (np.cos(x) * u,)), np.array([0.5, 1.0])))
    True
    """
    __tracebackhide__ = True  # pytest shows the diagnosis, not difflab's frames
    _functions("check_vjp", f=f, vjp_f=vjp_f)
    return _vjp_check("check_vjp", "vjp_f", f, vjp_f, args, rtol, atol, reference, seed, probes)


def _vjp_check(check, role, f, vjp_f, args, rtol, atol, reference, seed, probes) -> CheckResult:
    """check_vjp, its messages naming the check and the function the user gave (check_rule's rule)."""
    __tracebackhide__ = True
    _refuse_tolerances(check, rtol, atol)
    probes = _count(check, "probes", probes)
    t = _primals_target(f, args, check)
    name = _who(role, vjp_f)
    out, pullback = _user_call(name, vjp_f, args, pair="(f(*primals), pullback)")
    _check_primal(check, name, out, t, rtol)
    rng = np.random.default_rng(_seed(seed))
    vs = rng.standard_normal((probes, t.in_axis.size))
    us = rng.standard_normal((probes, t.out_axis.size))
    user, refs, errs, scales, dtypes = [], [], [], [], set()

    def pulled(pullback, u):
        cot = pullback(u)
        if len(args) == 1 and not (isinstance(cot, (tuple, list)) and len(cot) == 1):
            cot = (cot,)  # a bare cotangent for a single primal
        return cot

    for v, u in zip(vs, us):
        cot = pulled(pullback, t.cotangent(u))
        g, dt = _matrix(t.realify(cot, "scalar", f"{name}'s pullback"), SCALAR, t.in_axis, f"{name}'s pullback")
        dtypes |= dt
        ref = _reference(t, "jvp", reference, v)
        user.append(float(g[0] @ v))
        refs.append(float(u @ ref.value[:, 0]))
        errs.append(float(np.abs(u) @ ref.error[:, 0]))
        scales.append(float(np.abs(u) @ np.abs(ref.value[:, 0])))
    probe_axis = _Axis(tree.TreeDef(tree.LEAF), ("probe",), ((probes,),))
    ref = _Reference(
        np.array([refs]), np.array([errs]), "⟨J v, u⟩ with J v from " + ref.how, ref.exact, ref.hints, blind=ref.blind
    )
    case = _Case(
        check,
        f"⟨v, pullback(u)⟩ with the pullback of {name}",
        SCALAR,
        probe_axis,
        _seed(seed),
        dtypes | t.dtypes | t.out_dtypes,
        second=lambda c: one_sided(t, vs[c], us[c][None]),
        direction=lambda c: f"probe {c} (v, u drawn from seed {_seed(seed)})",
        magnitude=t.magnitude * float(np.abs(us).sum(axis=1).max()),
        scale_name="Σ|u|·|J v| of this probe",
        reads_float32=_reads_float32(
            f"{name}'s pullback",
            [*args, t.cotangent(us[0])],
            [*(f"primals[{i}]" for i in range(len(args))), "the cotangent u"],
            lambda xs: pulled(vjp_f(*xs[:-1])[1], xs[-1]),
        ),
    )
    scale = np.maximum(np.array([scales]), np.finfo(float).tiny)
    return _judge(case, np.array([user]), ref, lambda value: np.maximum(scale, np.abs(value)), rtol, atol)


def taylor_test(f, grad_f, *args, argnums=0, seed=None, min_slope=1.8) -> TaylorResult:
    """Tolerance-free check: the odd Taylor remainder r(h) = |f(x + h v) − f(x − h v) − 2h ⟨g, v⟩|
    shrinks as h³ when g = grad_f(*args) is the gradient of scalar f (the h² terms cancel), and
    only as h when it is not.

    Why the odd part: the one-sided remainder f(x + hv) − f(x) − h⟨g, v⟩ carries an h² term that
    hides a small gradient error δ until h < |δ·v|/|vᵀHv|, where round-off has long taken over (a
    1e-6 relative error passed). Without it, h|δ·v| outlives h³ at steps far above round-off.
    v is drawn from `seed`; h runs over 10^(-k/2) × max(1, |x|∞), k = 2..18. The slope of log r
    against log h is fitted over the three smallest steps whose remainder stands above round-off;
    a slope below `min_slope` raises GradientMismatch. Shape contract as in `check_grad`.

    >>> import numpy as np
    >>> round(taylor_test(lambda x: np.exp(x).sum(), np.exp, np.array([0.1, 0.2])).slope)
    3
    """
    __tracebackhide__ = True
    _functions("taylor_test", f=f, grad_f=grad_f)
    _check_min_slope(min_slope)
    t = _Target(f, args, argnums)
    if t.out_axis.size != 1:
        raise TypeError(f"taylor_test needs f with a scalar output, got shape {t.out_axis.shapes}")
    name = _who("grad_f", grad_f)
    g, _ = _matrix(t.realify(_user_call(name, grad_f, args), "scalar", name), SCALAR, t.in_axis, name)
    v = np.random.default_rng(_seed(seed)).standard_normal(t.in_axis.size)
    steps = 10.0 ** (-np.arange(2, 19) / 2) * max(1.0, float(np.max(np.abs(t.x), initial=0.0)))
    slope_g = float(g[0] @ v)
    fp = np.array([t.call(t.x + h * v)[0] for h in steps])
    fm = np.array([t.call(t.x - h * v)[0] for h in steps])
    _refuse_nonfinite(name, g[0], fp, fm, _seed(seed))
    r = np.abs(fp - fm - 2 * steps * slope_g)
    noise = 1e3 * np.finfo(float).eps * (np.abs(fp) + np.abs(fm))
    ok = np.isfinite(r) & (r > noise)
    if ok.sum() < 2:
        return TaylorResult(
            float("nan"),
            tuple(steps),
            tuple(r),
            _seed(seed),
            "the remainder is at round-off for every step: f is at most quadratic along v",
        )
    use = np.flatnonzero(ok)[-3:]
    slope = float(np.polyfit(np.log(steps[use]), np.log(r[use]), 1)[0])
    if slope < min_slope:
        table = "\n".join(f"    h = {h:9.2e}   r = {x:10.3e}" for h, x in zip(steps[use], r[use]))
        raise GradientMismatch(
            f"taylor_test: the remainder |f(x+hv) - f(x-hv) - 2h<{name}, v>| shrinks with slope {slope:.2f} "
            f"in log-log (3 for a right gradient, 1 for a wrong one):\n{table}\n  seed {_seed(seed)}",
            slope=slope,
            seed=_seed(seed),
            hints=(),
        )
    return TaylorResult(slope, tuple(steps), tuple(r), _seed(seed))


def _check_min_slope(min_slope):
    """taylor_test's `min_slope`: a finite number above 1 (a wrong gradient's remainder shrinks with slope 1).
    NaN passed every gradient (`slope < nan` is False), as did a slope of 1 or below."""
    ok = isinstance(min_slope, (int, float, np.integer, np.floating)) and not isinstance(min_slope, (bool, np.bool_))
    if not (ok and math.isfinite(min_slope) and min_slope > 1):
        raise ValueError(
            "taylor_test: min_slope must be a finite number above 1 (the remainder shrinks with slope 3 for a "
            f"right gradient, 1 for a wrong one), got {min_slope!r}"
        )


def _refuse_nonfinite(name, g, fp, fm, seed):
    """A gradient with a NaN or inf entry makes every remainder NaN, which taylor_test read as "at round-off for
    every step" and passed: a mismatch where f is finite along the line, and no verdict where it is not."""
    __tracebackhide__ = True
    bad = np.flatnonzero(~np.isfinite(g))
    if not np.isfinite(fp).any() or not np.isfinite(fm).any():
        raise Inconclusive(
            "taylor_test: f is not finite at x + h v or x - h v for any step h: no remainder to fit",
            slope=float("nan"),
            seed=seed,
            hints=(),
        )
    if bad.size:
        raise GradientMismatch(
            f"taylor_test: {name} returned {g[bad[0]]} at entry {bad[0]} of its flattened gradient ({bad.size} "
            f"of {g.size} entries not finite) where f is finite along x ± h v",
            slope=float("nan"),
            seed=seed,
            hints=(),
        )
