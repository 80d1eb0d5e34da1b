"""The registry's core: `Op`, `defop`, `REGISTRY` and the helpers every family module shares.

The families (elementwise, reductions, shape, linalg) hold the entries; this module holds what
they are made of, the batching and sampling helpers, and the name tables generated from the
entries (`spellings`): NumPy's names and array methods for difflab.numpy, the tracer and dispatch.

An entry holds the NumPy implementation, the JVP and VJP rule per argument (`None`: zero
derivative), the SymPy translation, the domain of each argument, the kinks and whether the op is
complex-analytic. Tracing, evaluation, the four differentiators, printing, the registry-driven tests
and the Hypothesis strategies all read `REGISTRY`; none of them names a specific op.

How rules look: `vjp[i](ct, out, *args, **params)` returns the cotangent of argument i (before
broadcasting is undone, which the reverse interpreter does in one place); `jvp[i](t, out, *args,
**params)` returns the tangent of `out` due to argument i, for ONE tangent `t` shaped like
argument i (chunked forward mode batches the traced one-tangent sweep with the batching rules
below; no JVP rule sees a batch axis). Elementwise ops give one local partial derivative per
argument and both rules follow from it. Rules are written with difflab's own ops, so a traced gradient can be
differentiated again. `batch(batched, *args, **params)` applies the op when the arguments flagged
in `batched` carry an extra leading batch axis (batched evaluation, `graph.evaluate_batched`);
elementwise ops share one rule, an op without one loops over the batch. Batching rules bind
difflab's ops too, so a batched evaluation on traced values records batched equations.

Complex values: an entry with `complex=True` accepts them (see difflab/ops/complexes.py for the
convention, autograd's and JAX's); the trace refuses any other differentiable op on them, by name.

Conventions at non-differentiable points (one table, used by symbolic, forward and reverse):
relu'(0) = 0, abs'(0) = sign(0) = 0, and ties of maximum/minimum/max split the derivative evenly
(of complex values, ordered lexicographically as NumPy, autograd and JAX do).
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import cmath
import math
import re
import string
import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import UnsupportedOperationError
from ..graph import DEFERS_TO, FROM_VALUES, Const, Traced, quiet_overflow

__all__ = [
    "Op",
    "named_value",
    "naming_values",
    "REGISTRY",
    "defop",
    "strong_zero",
    "infinite_at",
    "quotient_partial",
    "lifting_partial",
    "may_lift",
    "say_overflow",
    "quotient_or_none",
    "float_scaled",
    "constant_partial",
    "argument_partial",
    "strong_contract",
    "surely_finite",
    "all_surely_finite",
    "unregister",
    "spellings",
    "unbroadcast",
    "SYMPY_NUMPY",
    "SYMPY_MATH",
    "SYMPY_TRACED",
    "sympy_function",
    "held_value",
    "elementwise_sympy",
    "examples",
    "draw",
]


_F64 = np.dtype(np.float64)
# NumPy's C function itself, without the __array_function__ dispatch (a Python call): only float64
# arrays reach it here
_vdot = getattr(np.vdot, "_implementation", np.vdot)
_add_reduce = np.add.reduce
#: arrays up to this size are checked by a BLAS dot (one call, ~2× faster than a sum when small;
#: OpenBLAS threads a dot only from 10⁴ entries), larger ones by a sum: a threaded OpenBLAS dot of
#: 65536 entries took 18 ms on a busy 2-core machine against 0.04 ms for the sum, and made a
#: reverse gradient quadratic in n (the cost_scaling report, seed 7)
_DOT_MAX = 4096


def quiet_sum(x):
    """Σx over a large float64 array with overflow quiet: a sum of finite entries that overflows is
    inf, read by the finiteness checks as "too large to tell" (the exact path then decides), and is
    no reason for a RuntimeWarning the user never caused.

    >>> float(quiet_sum(np.full(3, 1e308)))
    inf
    """
    with np.errstate(over="ignore"):
        return _add_reduce(x, axis=None)


def _finite_array(x) -> bool:
    """A float64 array holds no NaN or ±inf: Σx² (small) or Σx (large) is then finite; False may
    also mean "too large to tell" (an overflowing sum)."""
    if x.size > _DOT_MAX:
        return math.isfinite(quiet_sum(x))
    if x.ndim == 2 and x.strides[0] == 8:  # a transposed matrix (a rule's xᵀ): its transpose, which vdot need not copy
        x = x.T
    return math.isfinite(_vdot(x, x))


@functools.lru_cache(maxsize=None)
def _installed(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # (a module set to None in sys.modules: refused, as an import would be)
        return False


#: NumPy's ufunc methods: what an op NumPy has as a ufunc answers as NumPy's ufunc does (`_UfuncMethod`)
UFUNC_METHODS = frozenset({"reduce", "accumulate", "reduceat", "outer", "at"})


@dataclass(frozen=True, eq=False)
class Op:
    """A primitive: its name, NumPy implementation, derivative rules, SymPy translation and domain.

    `domain` has one entry per array argument: "real", "positive", "negative", "nonzero", "unit", "above_one",
    "probability" (0 < x < 1), "integer" (an order or shape parameter, not differentiated), "spd"
    (symmetric positive definite matrices) or "bool".
    `kink(*args)` (optional) returns each output element's distance to the nearest kink.
    `sympy(*args, **params)` maps object arrays of SymPy expressions to one (None: the NumPy
    implementation already works on object arrays).
    """

    name: str
    impl: Callable
    jvp: tuple
    vjp: tuple
    sympy: Callable | None = None
    domain: tuple = ("real",)
    kink: Callable | None = None
    analytic: bool = True  # complex step is valid through it
    #: argument positions that only pick among the other arguments (where's condition): a non-analytic op is
    #: analytic in the others wherever these depend on no differentiated input (a constant mask), so complex
    #: step passes through it there (differentiators/stencils.py)
    selects: tuple = ()
    #: whether `sympy` holds on complex arguments (the symbolic method's complex values); None: an
    #: elementwise translation (SymPy's own functions of complex values, which the method then splits
    #: into real and imaginary parts or refuses) or the NumPy implementation on object arrays do, a
    #: matrix-level translation (written for real matrices: svd's AᵀA) does not; a callable: the
    #: translation on complex arguments (complex_matrices.py's svd and eigh)
    sympy_complex: bool | Callable | None = None
    elementwise: bool = False
    differentiable: bool = True  # False: output is piecewise constant (comparisons, sign)
    doc: str = ""
    nargs: int | None = None  # None: variadic; jvp[0](i), vjp[0](i) then make argument i's rule
    #: per argument, the constant that makes the op return its other argument (x*1, x+0, x**1)
    identity: tuple = ()
    #: rng -> [(args, params), ...]: typical calls, for registry-driven tests (elementwise ops
    #: get theirs from `domain`; see `examples`)
    samples: Callable | None = None
    #: (batched, *args, **params) -> output with a leading batch axis; see `batched`
    batch: Callable | None = None
    #: (batched flags, unbatched ranks) -> whether `impl` called as it is on those arguments computes `batch`'s
    #: value (matmul with only its first argument batched: NumPy's stacking); compiled code then calls it directly
    batch_as_is: Callable | None = None
    #: the op on Python floats (math/operator): scalar graphs skip NumPy's per-call cost. Where it
    #: raises (ValueError, ArithmeticError) or gives no finite float, NumPy's answer stands
    py: Callable | None = None
    #: the derivative is a rule, not the function's (stop_gradient, custom rules): finite
    #: differences cannot honour it, so the numeric method warns on graphs holding the op
    numeric_ignores: bool = False
    #: (*args, **params) -> what a reverse sweep records for the op on an enclosing trace's values, in place of
    #: the op (custom_vjp: its function's own ops). As in JAX, the user's rule serves the level that differentiates
    #: the op; an outer derivative of that level (forward over reverse: a Hessian) differentiates the function
    opened: Callable | None = None
    #: `(*args, out_shape, **params)` (args: object arrays of SymPy elements) -> its Jacobian as an object array
    #: (output elements, argument elements) of SymPy expressions, for an op whose derivative is a rule and not
    #: its SymPy translation's (a user's custom_jvp/custom_vjp): the symbolic method takes these partials, as
    #: forward and reverse take the rule, and SymPy's `diff` of the translation for the value's only
    sympy_partials: Callable | None = None
    #: `(*argument shapes, out_shape, **params)`: raises where the op's rule (a user's) gives a tangent or
    #: cotangent of the wrong shape or dtype at those shapes; the numeric method, which differentiates the
    #: function and never calls the rule (`numeric_ignores`), checks it once per prepared graph
    check_rule: Callable | None = None
    #: its registry name is no user's: a building block of other ops' rules (strong_mul, eig_signs), or an
    #: entry users call by its NumPy spellings (`numpy`: imag_part is imag). The lists a user reads are
    #: generated without the name (the expression language, difflab/expr.py); tracing, differentiation
    #: and the registry-driven tests take the entry as any other
    internal: bool = False
    #: its result's dtype depends on the values, not only on the arguments' dtypes (a real A's sqrtm is
    #: complex where A has an eigenvalue below 0, as SciPy's): a trace recording it holds for these values
    #: only, as one that branched on them (a reused trace would give the first point's dtype)
    value_dtype: bool = False
    #: `(tangents, out, *args, **params)` -> the output's tangent from every argument's at once (a tangent None:
    #: zero), for a linear op whose per-argument rules each make an output-sized array (concatenate's: a scatter
    #: into zeros, k of them summed), or for an elementwise op whose partials share costly work (defop's
    #: `joint_partials`: voigt_profile's continued fraction). Forward mode calls it instead (differentiators/forward.py push)
    joint_jvp: Callable | None = None
    #: `(*args, **params)` -> `impl`'s value written into the first argument's own buffer, which it returns
    #: (setitem's `y[idx] = v`). A trace recording an assignment (difflab.assign: the tracer written is rebound to
    #: the result) calls it instead of `impl` when that buffer is the trace's to write: made by an equation whose
    #: rules never read its output, viewed by nothing, held by no other tracer, read by no rule recorded since
    #: (`unread`); the old value's entry is then a stand-in of its shape (Trace.assigned). A loop of n writes
    #: costs O(1) a write, not a copy of the array; an op giving it lists 0 and -1 in `unread`
    in_place: Callable | None = None
    #: `(batched, *args, **params)` -> `batch`'s value written into the first argument's own buffer, which it
    #: returns, for a batched first argument (batched[0]): compiled batched code's twin of `in_place` (forward mode's
    #: chunked sweep writing a block of tangents, compile/graphs.py `_Source.writable`); `impl` and `batch` of an op
    #: giving `in_place` return a buffer of their own (never a view of an argument)
    batch_in_place: Callable | None = None
    #: `(ranks, **params)` -> whether the op's (unbatched) value for arguments of these ranks is a number or an array of
    #: its own, never a view of an argument (getitem of an integer per axis, or by integer arrays): compiled code
    #: may then write in place into an argument it reads while that value lives on (compile/graphs.py `_Source.shared`)
    fresh: Callable | None = None
    #: its value is a view of its argument or an array of its own, never read-only where the argument is writable
    #: (reshape, transpose, getitem: NumPy's views of a writable array are writable; broadcast_to's are not). A
    #: guarded function returns such a view of its own fresh buffers as it is, without asking the view's
    #: `flags.writeable` per call (compile/graphs.py `_Source.owned`: ~800 instructions a result)
    writable_view: bool = False
    #: `(acc, *args, **params)` -> acc with the op's value added into acc's own buffer (an array of the value's shape
    #: and dtype), or None where it cannot (then acc is untouched): scatter_add's `acc[idx] += ct`. Compiled code
    #: adds a value only an addition reads so (compile/graphs.py `_Source.adds_into`): O(1), not O(n)
    add_into: Callable | None = None
    #: the positions of the arguments whose values the op's rules (JVP, VJP, their plain forms) never read, only
    #: their shapes and dtypes, and -1 when they never read the output's: a value that only such rules read may
    #: be overwritten by `in_place` (getitem's argument; setitem's target and output)
    unread: tuple = ()
    #: per argument, None or `(ct, out, *args, **params)` -> its VJP rule's value written into the cotangent ct's
    #: own buffer, which it returns (setitem's target: ct with idx zeroed). ct is an array of the argument's shape
    #: that the sweep owns (made by the sweep, held by nothing else); reverse's sweep (differentiators/reverse.py
    #: `_pull`) calls it last of the equation's rules, so a loop of n writes costs O(1) a write, not a copy of ct
    vjp_in_place: tuple = ()
    #: per argument, None or `(acc, ct, out, *args, **params)` -> acc with the argument's VJP rule's value added into
    #: acc's own buffer (an array of the argument's shape and dtype the sweep owns), or, acc None, that value as an
    #: array the sweep may own; None where it cannot (then the rule runs). getitem's: ct added at idx, not scattered
    #: into zeros and summed
    vjp_add_into: tuple = ()
    #: `(tangents, out, *args, **params)` -> the output's tangent written into tangents[0]'s own buffer (an array of
    #: the output's shape and dtype the forward interpreter owns), or None where it cannot: forward mode's twin of
    #: `in_place` (setitem's: v's tangent written at idx of y's)
    jvp_in_place: Callable | None = None
    #: `(**params) -> dtype` for an op whose result has a dtype of its own, whatever its arguments' (astype):
    #: NumPy's promotion of the values after it starts from that dtype (boundary.out_dtypes)
    result_dtype: Callable | None = None
    #: `(*argument dtypes) -> dtype` where the implementing library resolves the result's dtype otherwise than
    #: NumPy's promotion (SciPy's special ufuncs search their loops in order: gammainc(2, x32) is float64, its
    #: 'dd->d' loop first, betainc(2.0, b32, x32) float32): boundary.out_dtypes asks it, a Python number by its type
    resolve_dtype: Callable | None = None
    #: NumPy's names for it ("true_divide", "divide"; "linalg.det" for numpy.linalg.det): difflab.numpy
    #: exports `front` under each and NumPy's dispatch on traced values calls it
    numpy: tuple = ()
    #: ndarray method names it answers as a method of traced values (x.sum(axis=0))
    methods: tuple = ()
    #: the NumPy-signature function (axis normalisation, keyword arguments) that binds the op;
    #: None: the op itself, called with its arguments
    front: Callable | None = None
    #: (builder, name, x, picks, choices) -> Ref: how the Hypothesis strategies call an op that
    #: needs parameters or particular shapes (None for elementwise ops; see testing.strategies)
    strategy: Callable | None = None
    #: (shapes of the arguments, **params) -> (subscripts, scale) when the op is multilinear, an
    #: einsum of its arguments times `scale` ("ij,jk->ik" for matmul); None otherwise. Matrix-level
    #: symbolic derivatives (differentiators/tensor.py) read it
    index: Callable | None = None
    #: a strong op's plain form (strong_mul: mul): the same values wherever no factor is NaN or
    #: ±inf. The compiled tier runs it first and checks the outputs (compile/graphs.py)
    plain: "Op | None" = None
    #: an output entry may be a number where an argument entry it depends on is NaN (fmax,
    #: nan_to_num, an iterative decomposition whose convergence test compares): the compiled tier
    #: does not speculate with plain forms through it (compile/graphs.py)
    drops_nan: bool = False
    #: per argument, the VJP rule's plain form on concrete values (None: the rule declines, or a zero
    #: derivative): `(ct, out, *args, **params)` with ū and every argument finite float64 values
    #: (arrays, NumPy or Python floats), written with NumPy, no op bound. Where nothing is infinite
    #: the strong contractions are plain, so it gives the `vjp` rule's numbers bit for bit; it may
    #: return None (not its case: the rule decides) or raise FloatingPointError under the sweep's
    #: error state (0·∞: the rule decides).
    #: Reverse's sweep on concrete values takes it (compile/floats.py; tests/test_float_paths.py)
    array_vjp: tuple = ()
    #: (branch, piece) for an op whose derivative jumps (a kink) or whose value jumps (mod): `branch(out,
    #: *args, **params)` gives, with difflab ops, a tuple of piecewise-constant values naming the smooth
    #: piece the op is on; `piece(branch, *args, **params)` is the op on that piece, smooth in the args and
    #: equal to the op (up to round-off) where `branch` is the args' own. The numeric method holds the
    #: branch at x (differentiators/pieces.py): its stencils never span a kink or jump, and at the kink
    #: itself they follow the convention table (abs'(0) = 0: the piece of sign 0 is 0)
    piecewise: tuple | None = None
    #: `(out, *args, **params)` (NumPy values) -> a boolean mask of the output's elements where the op is
    #: differentiable once only, its first derivative jumping (eigh_values at a repeated eigenvalue, whose second-order
    #: rules divide by the gap 0: inf), or None where it never is. A derivative of order 2 through such an element
    #: that f reads has no value there: the numeric method's is NaN with a DomainWarning (pieces.py `no_value`), where
    #: its stencils of the held piece (`piecewise`) would give 0, a number no exact method gives
    unsmooth: Callable | None = None
    #: per argument, `scale(*args, **params)` (NumPy values) -> the op's length scale in that argument at
    #: those values: how far the argument may move before the op stops looking like its Taylor polynomial
    #: (the distance to its nearest pole, cusp or domain edge: |b| for a / b, |x| for log and cbrt; the
    #: radian for a periodic op), or None where the op has none (add, exp, polynomials). The numeric
    #: method shrinks a step that moves an argument by more than its relative step times this
    #: (differentiators/scales.py). () : no scale for any argument
    scale: tuple = ()
    #: its `scale` functions take `used=`: a boolean mask of the output's elements f reads, or None for all
    #: (differentiators/scales.py `read_elements`): a cusp or crossing of an output element f never reads moves no
    #: step (norm(A, 2) = svd_s(A)[0] at a rank-deficient A: the zero singular value, a cusp, is not read)
    scale_used: bool = False
    #: (kind, axes) for an op that commutes with a shift c constant along the axes it reduces over,
    #: `axes(x_shape, **params)`: kind "equivariant" when f(x + c) = f(x) + c (max, logsumexp), "invariant"
    #: when f(x + c) = f(x) (log_softmax). The matrix-level gradient finds shifts that cannot change f
    #: with it (log-sum-exp's max-shift: its adjoint is zero by structure; differentiators/shifts.py)
    shift: tuple | None = None
    #: per argument, whether a NaN or ±inf entry in it always leaves a NaN or ±inf entry in the output
    #: (unless the output is empty), or raises under the error state invalid="raise": IEEE arithmetic
    #: carries it through add, mul, matmul, sum; not through exp or tanh (which map -inf or ±inf to
    #: numbers), max (-inf) or the divisor of x / y. The compiled tier's guarded code checks such an
    #: argument finite by checking a value it reaches this way (compile/graphs.py `_check_terms`)
    strict: tuple = ()
    #: the op's value wherever its (one, scalar) argument is finite, if a constant (finite_or_nan: 1). The
    #: compiled tier's guarded code, which answers only when that argument is finite, takes the constant
    #: (compile/graphs.py `_common_case`)
    finite_value: float | None = None
    #: the argument the op returns as it is wherever that argument is finite and has the output's shape
    #: (strong_factor: its other factor, 1). The guarded code takes that argument and checks it finite
    #: instead (compile/graphs.py `_common_case`): no call of the op
    finite_returns: int | None = None
    #: the optional packages its implementation imports ("scipy" for scipy.special's functions): tables
    #: that call every op (the test strategies' random graphs) skip it where one is not installed
    requires: tuple = ()
    #: its rules are right for complex values (difflab/ops/complexes.py says the convention): holomorphic as
    #: written (t·f'(z), ū·f'(z): add, exp, matmul, sum, reshape...) or its own real-linear rules (conj,
    #: cabs). A differentiable op without it refuses a complex argument or output by name when traced
    complex: bool = False
    #: `(ranks of the arguments, **params) -> (fn, params) | None`: a C callable that gives `impl`'s value bit
    #: for bit when called with the same arguments and the keyword params it returns (sum: `np.add.reduce`, the
    #: call `impl` makes; a matrix's transpose: `.T`, the view `impl` returns), without `impl`'s Python frame
    #: (a few thousand instructions a call). The compiled tier calls it in an unbatched equation (compile/graphs.py);
    #: on numbers only (every rank 0) where one of them is an earlier equation's value, a NumPy scalar, so
    #: that Python's operators compute NumPy's scalar arithmetic (two Python floats would not: 1.0 / 0.0)
    direct: Callable | None = None
    #: linear in its arguments: True when jointly (add, sub, sum, concatenate, getitem: op(a + b) = op(a) + op(b), the
    #: params held), "each" when in each one with the others held (mul, matmul). A constant argument of a jointly
    #: linear op whose value reaches f's outputs only through linear ops adds a constant to f: the numeric method
    #: differences f without it (differentiators/offsets.py), as a large one leaves f's change below an ulp of f
    linear: bool | str = False
    #: its value's elements are its arguments' own, each copied as it is, no arithmetic on them (getitem, reshape,
    #: transpose, broadcast_to, concatenate, stack): an argument's element that moved between two evaluations moves
    #: every element of the value it feeds, so no change is absorbed there. The numeric method's round-off probe
    #: skips the op (differentiators/offsets.py `absorbed`: 17,580 getitems' two VJPs each in a nested Hessian)
    copies: bool = False
    #: its implementation's underflow is harmless: an output entry that underflowed to 0 (exp(-800), sigmoid(-800),
    #: log_softmax's and logsumexp's terms e^(x - max) inside their sums) is its exact value to rounding, and the
    #: partial that reads it (exp's out, the softmax) is the same 0. Compiled code, which leaves for the interpreter
    #: wherever anything underflowed (a lost chain-rule term looks alike to NumPy's flag), lets it underflow unless
    #: an output entry is a nonzero subnormal (compile/graphs.py `_underflow_exact`): a softmax of logit gaps past
    #: 745 stays compiled on every call
    underflow_exact: bool = False

    @property
    def available(self) -> bool:
        """Whether the packages in `requires` are installed (difflab's core installs none of them).

        >>> REGISTRY["sin"].available
        True
        """
        return all(_installed(m) for m in self.requires)

    def on_floats(self, *args, **params):
        """The op on Python floats by `py`, NumPy's result where Python's math refuses."""
        try:
            value = self.py(*args, **params)
            # NumPy decides every non-finite result (and flags it: inf - inf, 1/0), and a complex one
            if type(value) is bool or (type(value) is float and math.isfinite(value)):
                return value
        except (ValueError, ArithmeticError):
            pass
        return self.impl(*args, **params)

    def bind(self, *args, **params):
        """Apply the op: record an equation if any argument is traced, else compute (on Python
        floats by `py`, otherwise with NumPy)."""
        if len(args) == 1 and isinstance(args[0], Traced):  # one traced argument (relu, tanh): its trace records
            if params and "out" in params:
                params = self.out_none(args, params)
            if params and type(self.impl) is np.ufunc:
                args, params = self.ufunc_keywords(args, params)
            return args[0]._trace.record_one(self, args[0], params)
        trace, masked = None, False
        for a in args:
            if isinstance(a, Traced):
                # the innermost trace records; values of enclosing traces are its constants
                if trace is None or a._trace.level > trace.level:
                    trace = a._trace
            elif type(a) in DEFERS_TO:
                masked = True
            elif isinstance(a, np.ma.MaskedArray) and np.ma.is_masked(a):
                masked = "numpy"
            elif type(a) in (list, tuple) and _holds_traced(a):  # (dnp.exp([a, 2 * a]): NumPy converts the list)
                return self.bind(*(_stacked(b) for b in args), **params)
        if masked == "numpy" and trace is not None:  # NumPy's masked constant beside a traced value: its mask kept
            return self._numpy_masked(args, params)
        if masked and not self.elementwise:  # (a difflab.numpy.ma.MaskedArray: its data, as NumPy's plain functions
            # read a masked array's, reshape, stack, where; an elementwise op's NumPy ufunc keeps its mask)
            return self.bind(*(a.data if type(a) in DEFERS_TO else a for a in args), **params)
        if trace is not None:
            if params and "out" in params:
                params = self.out_none(args, params)
            if params and type(self.impl) is np.ufunc:
                args, params = self.ufunc_keywords(args, params)
            return trace.record(self, args, params)
        if self.py is not None:
            for a in args:  # (a loop, not all(...): the rules of reverse's float sweep bind on floats)
                if type(a) is not float:
                    break
            else:
                return self.on_floats(*args, **params)
        try:
            return self.impl(*args, **params)
        except TypeError as err:  # (NumPy's "loop of ufunc does not support argument 0 of type NoneType ...")
            _name_no_number(self, args, err)
            unexpected = re.search(r"unexpected keyword argument '(\w+)'", str(err))
            if unexpected:  # (Python's message named the registry's impl: "_scipy.<locals>.impl() got ...")
                raise TypeError(f"{self.name} got an unexpected keyword argument {unexpected.group(1)!r}") from None
            raise

    def ufunc_keywords(self, args, params):
        """NumPy's ufunc keywords given to an op whose implementation is that ufunc (difflab.numpy.sin(x, subok=False))
        on traced values, as the NumPy dispatch takes them (trace._ufunc_keywords): `subok` dropped (a traced value is
        neither a subclass nor a strict ndarray), order='K' and casting='same_kind' (NumPy's defaults) dropped, a
        float or complex `dtype` the arguments cast to it; any other refused by name. They were recorded as the
        equation's parameters, which its rules did not take (a TypeError from a partial: "<lambda>() got an
        unexpected keyword argument 'subok'")."""
        if "keepdims" in params and keepdims_refused(self.impl):  # (np.matmul(a, b, keepdims=False): NumPy's words)
            raise TypeError(keepdims_refused(self.impl))
        left = {}
        for k, v in params.items():
            if k == "subok" or (k, v) in _UFUNC_DEFAULTS or k == "out" and v is None or k == "where" and v is True:
                continue
            if k == "dtype" and v is not None and np.dtype(v).kind in "fc":
                dtype = np.dtype(v)
                args = tuple(a.astype(dtype) if isinstance(a, Traced) else np.asarray(a, dtype=dtype) for a in args)
                continue
            left[k] = v
        if left:
            given = ", ".join(f"{k}={v!r}" for k, v in left.items())
            raise TypeError(
                f"numpy.{self.impl.__name__} of a traced value takes no {given} (difflab records the ufunc itself: give "
                "the arguments in the dtype wanted, or use difflab.numpy.where for a where= mask)"
            )
        return args, {}

    def _numpy_masked(self, args, params):
        """A NumPy masked array (with masked entries) among traced arguments, as difflab.numpy.ma's (np.ma's own
        operators convert the traced value with np.array, which no dispatch reaches; read as a plain array its mask
        was dropped: np.sum(x + m) summed the masked entries, a silent wrong value and gradient): an elementwise op by
        np.ma's rules (its NumPy ufunc's domain masking too), any other reading its data, as difflab's MaskedArray."""
        from ..numpy import ma

        args = tuple(
            ma.MaskedArray(a.data, np.ma.getmaskarray(a), a.fill_value) if isinstance(a, np.ma.MaskedArray) else a
            for a in args
        )
        if not self.elementwise:
            return self.bind(*args, **params)
        if isinstance(self.impl, np.ufunc) and not params:
            return ma._apply(self.impl, args)
        return ma._apply(lambda *data: self.bind(*data, **params), args)

    def out_none(self, args, params) -> dict:
        """params without NumPy's out=None (or a tuple of Nones): nothing written, a valid call; any other out=
        refused (`too_many`)."""
        out = params["out"]
        if out is None or (type(out) is tuple and builtins.all(o is None for o in out)):
            return {k: v for k, v in params.items() if k != "out"}
        self.too_many(args, keyword=True)
        return params

    def too_many(self, args, keyword=False):
        # NumPy's next positional argument is `out` (np.fix(x, y), np.exp(x, y)): computing it would write
        # into the user's array, and a traced value cannot be written into
        plural = "s" if self.nargs and self.nargs > 1 else ""
        positional = f"takes {self.nargs} array argument{plural}, not {len(args)}: NumPy reads the next one as out="
        given = "was given out=" if keyword else positional
        raise UnsupportedOperationError(
            f"{self.name} {given}, an array written in place, which traced values do not "
            "support; use the returned value"
        )

    def batched(self, batched, *args, **params):
        """Apply the op where args[i] carries a leading batch axis iff batched[i]; the output carries
        it too. The rules bind difflab's ops, so on traced values (a batched sweep inside an
        enclosing trace) they record batched equations of their own. Elementwise ops share one rule;
        an op without a `batch` rule is bound once per batch element and the results stacked."""
        if self.batch is not None:
            return self.batch(batched, *args, **params)
        if self.elementwise:
            return self.bind(*_unit_axes(batched, args), **params)
        return _loop_batch(self, batched, *args, **params)

    def batched_for(self, batched, ranks) -> Callable:
        """`batched` specialised to arguments of these unbatched ranks (known when compiling): an
        elementwise op whose batched arguments all have the output's rank broadcasts as it is, and an op
        whose `batch_as_is` says so is called as it is."""
        if self.elementwise and builtins.all(r == builtins.max(ranks) for r, b in zip(ranks, batched) if b):
            return self.impl
        if self.batch_as_is is not None and self.batch_as_is(tuple(batched), tuple(ranks)):
            return self.impl
        return functools.partial(self.batched, batched)

    def batched_params(self, batched, ranks, params) -> dict | None:
        """The params with which the op itself, called on the batched arguments (unbatched `ranks`), gives what
        its batching rule gives (a reduction: its axes shifted past the batch axis), when the rule says so (its
        `params`), else None: compiled code then calls the op (its `direct` form) without the rule's frames."""
        how = getattr(self.batch, "params", None)
        return None if how is None else how(tuple(batched), tuple(ranks), **dict(params))

    @functools.cached_property
    def float_partials(self) -> tuple:
        """Per argument `(partial, strong)`, read off the VJP rules `defop` builds from `partials`
        (`(None, False)`: a zero derivative), or () when the op is not a differentiable elementwise
        op given by partials. Reverse's sweep over Python floats applies them (difflab.compile.floats).
        Cached on the entry (computed once; an Op's fields never change)."""
        if not (self.elementwise and self.differentiable and self.nargs is not None):
            return ()
        rules = tuple(
            (getattr(r, "partial", None), getattr(r, "strong", False)) if r is not None else (None, False)
            for r in self.vjp
        )
        if all(p is not None for (p, _), r in zip(rules, self.vjp) if r is not None):
            return rules
        return ()

    @functools.cached_property
    def float_rules(self) -> tuple:
        """`float_partials` in the form reverse's sweep over Python floats applies without a call:
        per argument `(how, strong)`, `how` being the partial's constant (a float: add's 1.0) where
        `constant_partial` made it, the index of the argument it equals (an int: mul's ∂/∂a is b)
        where `argument_partial` made it, else the partial itself (None: a zero derivative)."""
        return tuple((_float_form(p), strong) for p, strong in self.float_partials)

    @functools.cached_property
    def float_binary(self) -> tuple | None:
        """`float_rules` of a binary op whose two partials are constants or argument indices (add,
        sub, mul: micrograd-style code is mostly these), flattened to (how₀, strong₀, how₁, strong₁)
        for reverse's float sweep to apply with no call and no test of the partials' forms; else None."""
        rules = self.float_rules
        if len(rules) != 2 or not all([type(how) is float or type(how) is int for how, _ in rules]):
            return None
        (h0, s0), (h1, s1) = rules
        return h0, s0, h1, s1

    def jvp_rule(self, i):
        return self.jvp[i] if self.nargs is not None else self.jvp[0](i)

    def vjp_rule(self, i):
        return self.vjp[i] if self.nargs is not None else self.vjp[0](i)

    __call__ = bind

    # NumPy's ufunc methods (reduce, accumulate, outer, at, reduceat): `_UfuncMethod` descriptors, set below the class
    # (not a __getattr__: a class with one takes CPython's generic path for every attribute read, op.py and
    # op.float_binary per recorded and swept equation among them)

    def __repr__(self):
        return f"<op {self.name}>"


class _UfuncMethod:
    """`op.<name>` for a ufunc method `name` (reduce, accumulate, reduceat, outer, at) of an op NumPy has as a ufunc
    (`numpy` names one): NumPy's own, whose dispatch on traced values computes them from the registry's primitives
    (difflab.numpy.ufunc_methods) or refuses naming `numpy.<ufunc>.<method>`, so that `dnp.add.accumulate(x)` is
    `np.add.accumulate(x)` (jax.numpy's ufuncs have these methods too); an AttributeError for an op that is no ufunc.

    >>> import difflab.numpy as dnp
    >>> dnp.add.accumulate(np.array([1.0, 2.0, 3.0]))  # (shape: NumPy's method's)
    array([1., 3., 6.])
    >>> hasattr(dnp.relu, "reduce")
    False
    """

    def __init__(self, name: str):
        self.name = name

    def __get__(self, op, owner=None):
        if op is None:
            return self
        for spelling in op.numpy:
            ufunc = _numpy_ufunc(spelling)
            if ufunc is not None:
                return lists_stacked(getattr(ufunc, self.name), self.name)
        raise AttributeError(f"{type(op).__name__!r} object has no attribute {self.name!r}")


for _method in sorted(UFUNC_METHODS):
    setattr(Op, _method, _UfuncMethod(_method))
del _method


def _numpy_ufunc(spelling: str):
    """The ufunc NumPy or SciPy has under an op's spelling ("add", "scipy.special.xlogy"), or None."""
    if spelling.startswith("scipy.special."):
        import scipy.special  # (only an op spelled so asks: difflab.scipy's entries, SciPy installed)

        ufunc = getattr(scipy.special, spelling[len("scipy.special.") :], None)
    else:
        ufunc = getattr(np, spelling, None)
    return ufunc if isinstance(ufunc, np.ufunc) else None


def lists_stacked(method, name):
    """A ufunc's method (`np.add.reduce`) whose list or tuple arguments holding traced values are stacked first, as
    NumPy's own conversion would stack them (`dnp.add.reduce([a, b])` is a + b, the sum over the stacked axis 0):
    given the list, NumPy converts it before any dispatch, which would drop the derivative. `at`'s target is
    updated in place, so it is never stacked (a list is NumPy's error there).

    >>> import difflab.numpy as dnp
    >>> dnp.add.reduce([np.array([1.0, 2.0]), np.array([3.0, 4.0])])  # (untraced: NumPy's own)
    array([4., 6.])
    """

    @functools.wraps(method)
    def call(*args, **kwargs):
        if name != "at" and builtins.any(_holds_traced(a) for a in args):
            from ..numpy.arrays import asarray  # (difflab.numpy builds on the registry: imported when asked)

            args = tuple(asarray(a) if _holds_traced(a) else a for a in args)
        return method(*args, **kwargs)

    return call


def _holds_traced(a) -> bool:
    """Whether a is a list or tuple with a traced value in it, at any depth."""
    return isinstance(a, (list, tuple)) and builtins.any(isinstance(x, Traced) or _holds_traced(x) for x in a)


def keepdims_refused(ufunc) -> str | None:
    """NumPy's refusal of keepdims= by a generalized ufunc (matmul, matvec, vecmat; given at all, even False), its own
    words: keepdims needs every input to have input 0's number of core dimensions and no output any (vecdot's
    (n),(n)->() takes it); None where NumPy takes it (a gufunc such as vecdot, or an elementwise ufunc).

    >>> keepdims_refused(np.vecdot) is None, keepdims_refused(np.matvec)[:40]
    (True, 'matvec does not support keepdims: its si')
    """
    signature = getattr(ufunc, "signature", None)
    if not signature:
        return None
    ins, outs = signature.replace(" ", "").split("->")
    cores = [len([d for d in part.split(",") if d]) for part in re.findall(r"\(([^)]*)\)", ins + "->" + outs)]
    nin = ufunc.nin
    for k in range(1, len(cores)):
        if cores[k] != (cores[0] if k < nin else 0):
            return (
                f"{ufunc.__name__} does not support keepdims: its signature {signature} requires "
                f"{'input' if k < nin else 'output'} {k if k < nin else k - nin} to have {cores[k]} core dimensions, "
                "but keepdims can only be used when all inputs have the same number of core dimensions and all "
                "outputs have no core dimensions."
            )
    return None


_UFUNC_DEFAULTS = (("order", "K"), ("casting", "same_kind"))  # (NumPy's: dropped, as the NumPy dispatch drops them)


class _Registry(dict):
    """name -> Op; counts its changes so that tables generated from it know when to regenerate."""

    version = 0

    def __init__(self):
        super().__init__()
        self.listeners: list[Callable] = []  # called after each change (difflab.numpy republishes)

    def _changed(self):
        self.version += 1
        for listener in self.listeners:
            listener()

    def __setitem__(self, name, op):
        super().__setitem__(name, op)
        self._changed()

    def __delitem__(self, name):
        super().__delitem__(name)
        self._changed()

    def pop(self, *args):
        value = super().pop(*args)
        self._changed()
        return value


REGISTRY: dict[str, Op] = _Registry()


def reduction_index(shapes, axis=None, keepdims=False, mean=False):
    """`index` of a sum (or mean) over `axis`: "abc->b" for axis (0, 2) of a 3-d array."""
    (shape,) = shapes
    letters = string.ascii_letters[: len(shape)]
    axes = range(len(shape)) if axis is None else [a % len(shape) for a in np.atleast_1d(axis)]
    out = "".join(c for i, c in enumerate(letters) if i not in axes)
    count = math.prod(shape[a] for a in axes)  # (a mean of no entries: NaN, as NumPy's and its derivatives)
    return f"{letters}->{out}", (1.0 / count if count else math.nan) if mean else 1.0


def stacked_batch(name):
    """A `batch` rule for an op whose impl and rules are written over leading '...' axes (a stack of
    matrices: eig, qr): the batch axis is one more stacked axis, so the op applies as it is."""

    def rule(batched, a):
        return REGISTRY[name](a)

    return rule


def broadcast_batch(name):
    """A `batch` rule for an op whose impl and rules broadcast the leading '...' axes of its arguments against each
    other (cofactor_dk's matrix and directions): a batched argument gets unit axes after its batch axis up to the
    highest unbatched rank, so the batch axis is one more broadcast axis and the op applies once, where the
    fallback loop binds it per batch element (a forward sweep batched over n² directions: n² SVDs, not one).

    >>> import numpy as np
    >>> rule = broadcast_batch("matmul")
    >>> rule((True, False), np.ones((4, 2, 3)), np.ones((3, 5))).shape
    (4, 2, 5)
    """

    def rule(batched, *args, **params):
        return REGISTRY[name](*_unit_axes(batched, args), **params)

    return rule


def defop(name, impl, *, partials=None, jvp=None, vjp=None, joint_partials=None, **kw) -> Op:
    """Register a primitive. Elementwise ops give `partials` (one `d(out, *args)` per argument), and may give
    `joint_partials`, `(out, *args, **params)` -> every argument's partial at once, where the partials share costly
    work (voigt_profile's three read one continued fraction): forward mode's JVP then computes them once per
    equation (`Op.joint_jvp`), not once per argument; the other readers keep `partials`. Only for plain partials
    (no strong zero, no quotient form: `_joint_jvp` scales each as `_scaled` scales a plain partial).

    >>> cube = defop("cube_doc", lambda x: x ** 3, partials=(lambda out, x: 3.0 * x * x,), doc="x^3")
    >>> float(cube(2.0)), spellings().numpy.get("cube_doc") is None
    (8.0, True)
    >>> unregister("cube_doc")
    """
    if partials is not None:
        jvp = tuple(None if d is None else _scaled(d) for d in partials)
        vjp = jvp
        kw.setdefault("elementwise", True)
    if joint_partials is not None:
        kw.setdefault("joint_jvp", _joint_jvp(joint_partials))
    kw.setdefault("nargs", len(jvp))
    op = Op(name, impl, tuple(jvp), tuple(vjp), **kw)
    REGISTRY[name] = op
    return op


def unregister(name: str) -> None:
    """Remove an op from the registry (a throwaway op of a test); the generated tables follow."""
    del REGISTRY[name]


class Spellings:
    """Name tables generated from the registry: `numpy` maps NumPy's names ("divide",
    "linalg.det") and `methods` ndarray method names to the function to call."""

    def __init__(self):
        self.numpy: dict[str, Callable] = {}
        self.methods: dict[str, Callable] = {}
        for op in REGISTRY.values():
            fn = op.front if op.front is not None else op
            for name in op.numpy:
                self.numpy[name] = fn
            for name in op.methods:
                self.methods[name] = fn


_spellings: list = [None, -1]


def spellings() -> Spellings:
    """The registry's current name tables (regenerated whenever an op is added or removed)."""
    if _spellings[1] != REGISTRY.version:
        _spellings[:] = [Spellings(), REGISTRY.version]
    return _spellings[0]


def _joint_jvp(joint_partials):
    """`Op.joint_jvp` of an elementwise op from its `joint_partials`: Σ t_i·∂_i, the partials computed once, each
    term as `_scaled`'s rule forms it (a traced partial's strong product, an overflow said, 0·NaN where t is 0).

    >>> rule = _joint_jvp(lambda out, a, b: (b, a))  # mul's partials
    >>> float(rule((1.0, None), 6.0, 2.0, 3.0)), float(rule((1.0, 1.0), 6.0, 2.0, 3.0))
    (3.0, 5.0)
    """

    def rule(ts, out, *args, **params):
        parts, total = joint_partials(out, *args, **params), None
        for t, p in zip(ts, parts):
            if t is None or p is None:
                continue
            c = _scaled(lambda *_, **__: p)(t, out, *args, **params)
            try:
                total = c if total is None else total + c
            except FloatingPointError:  # inf - inf: infinite partials, said where they arose (forward's _sum)
                with np.errstate(all="ignore"):
                    total = total + c
        return total

    return rule


def _scaled(partial):
    if getattr(partial, "strong_zero", False):
        return _strong_scaled(partial)

    quotient = getattr(partial, "quotient", None)

    def rule(t, out, *args, **params):
        if quotient is not None and _quotient_applies(partial, t, out, args):
            c = _quotient_scaled(quotient, t, out, args, params)
            if c is not None:
                return c
        p = partial(out, *args, **params)
        if isinstance(p, Traced) or (isinstance(t, Traced) and not _finite_constant(p)):
            # nested use: whether t is 0 where ∂ is NaN is known only when the recorded product runs
            return REGISTRY["strong_mul"](t, p)
        try:
            if type(t) is float and type(p) is float:
                c = t * p  # (Python's floats: no NumPy warning)
            else:
                with quiet_overflow():  # (a term out of range is said below, not as NumPy's warning)
                    c = t * p
        except FloatingPointError:  # (the interpreters' errstate) 0·∞: an infinite tangent times a 0 partial
            # is 0, as reverse's zero cotangent times the infinite partial is (1/cosh(x) at 750: the compiled
            # sweep's 0; its strong product, where the interpreted sweep raised and answered NaN)
            return REGISTRY["strong_mul"].impl(t, p)
        if surely_finite(c):  # (one pass in the common case)
            return c
        say_overflow(c, t, p)
        if _zero_times_nan(t, c):
            # the rule is linear in t: where t is 0 the contribution is 0, even where the partial
            # is NaN (another output's NaN must not reach a row that does not depend on it)
            return REGISTRY["strong_mul"].impl(t, p)
        return c

    rule.partial, rule.strong = partial, False  # read by reverse's sweep over Python floats
    return rule


def quotient_partial(numerator, denominator, quiet: bool = False, when=None, value=None, lifts: bool = False):
    """An elementwise partial n/d (log's 1/x, div's -out/b) whose rules compute (n·t)/d, not t·(n/d). Why: the
    partial 1/u of log(u) at u = x² = 4.9e299 is 2e-300 and its own derivative -(1/u)/u underflowed to 0, so the
    second-order term -(t/u)(t/u) vanished and the Hessian of log(x·x) at 7e149 came out +2/x² for -2/x²; as
    (n·t)/d each step stays at the scale of the program's values and tangents (n·(t/d) lost x/sqrt(x)'s at 1e200,
    where t/d underflowed). `n`: a function of (out, *args) or a number (1.0 is not multiplied); `d` a function of
    (out, *args). Other readers (reverse's float sweep, the symbolic method) see the partial n/d itself. `quiet`:
    strong_div's own rules, whose 0/0 is 0 and n·t/0 NaN without a DomainWarning (the equation it serves said it).
    `value`: the partial's own function where it is not n/d (pow's b·x^(b-1), its quotient (b·out)/x), marked and
    returned; `when(out, *args)`: whether the quotient form applies, decided on values known when the rule runs
    (pow's constant exponent below 1: above, out = x^b overflows first), else the plain product does. `lifts`: the
    form lifts a partial that underflowed back into range with t (exp's 3e200·e^-800), on values only: compiled
    code keeps the plain product (its 0 or subnormal result is `suspect`: the rules decide).

    >>> d = quotient_partial(1.0, lambda out, x: x)
    >>> d(0.0, 4.0), _scaled(d)(2.0, 0.0, 4.0)
    (0.25, 0.5)
    """

    def partial(out, *args, **params):
        n = numerator(out, *args, **params) if callable(numerator) else numerator
        return n / denominator(out, *args, **params)

    if value is not None:
        partial = value
    partial.quotient, partial.quotient_when, partial.quotient_lifts = (numerator, denominator, quiet), when, lifts
    return partial


def lifting_partial(op):
    """The op's `quotient_partial` whose form lifts an underflowed partial (`lifts`: exp's, e^x below the normal range
    at x > -1416, where a large tangent or cotangent brings t·e^x back), or None.

    >>> lifting_partial(REGISTRY["exp"]) is not None, lifting_partial(REGISTRY["log"])
    (True, None)
    """
    for r in (*op.jvp, *op.vjp):
        partial = getattr(r, "partial", None)
        if getattr(partial, "quotient_lifts", False):
            return partial
    return None


def may_lift(op) -> bool:
    """Whether an equation of `op` may lift an underflowed partial: a registry op with a `lifting_partial`, or one
    that is no registry op (a checkpoint's or a user's rule may hold exp within). (`base._lifted` sweeps J again
    at scaled seeds only for a graph with one.)

    >>> may_lift(REGISTRY["exp"]), may_lift(REGISTRY["mul"])
    (True, False)
    """
    return REGISTRY.get(op.name) is not op or lifting_partial(op) is not None


def _quotient_applies(partial, t, out, args) -> bool:
    """Whether a `quotient_partial`'s form (n·t)/d is the rule's here: its `when` (for one that `lifts`, decided on
    concrete values: compiled code's traced x keeps the plain product, the rules decide). A traced t at concrete
    values (vmap of a pullback, its cotangents batched) records the form: the plain product recorded exp's rounded 0,
    and the batched 3e200 times it was 0 for 1.1e-147."""
    when = partial.quotient_when
    return when is None or bool(when(out, *args))


def _quotient_scaled(quotient, t, out, args, params):
    """(n·t)/d for a `quotient_partial`, or None where the plain product t·(n/d) decides: wherever this is not
    finite (a zero t meeting a zero d is 0/0, which strong zeros make 0, `_scaled`; n·t may overflow where the
    product does not) or raised a floating-point error the product handles."""
    numerator, denominator, quiet = quotient
    d = denominator(out, *args, **params)
    n = numerator(out, *args, **params) if callable(numerator) else numerator
    if isinstance(t, Traced) or isinstance(d, Traced) or isinstance(n, Traced):
        # recorded for an outer derivative, whose quotient rules then keep the same scales; strong in t, as the
        # product t·(n/d) was (a zero tangent meeting another element's NaN or 0 denominator gives 0)
        strong = REGISTRY["strong_mul"], REGISTRY["strong_div"]
        return strong[1](t if type(n) is float and n == 1.0 else strong[0](n, t), d)
    try:
        with quiet_overflow():  # (an overflow is said below, or left to the plain product, not NumPy's warning)
            if quiet:  # (strong in t throughout: a NaN n or d meets a zero t as 0)
                nt = t if type(n) is float and n == 1.0 else REGISTRY["strong_mul"].impl(n, t)
                c = REGISTRY["strong_div"].impl(nt, d)
            else:
                nt = t if type(n) is float and n == 1.0 else n * t
                c = nt / d
    except FloatingPointError:  # (the interpreters' errstate: t/0) the plain product's handling decides
        return None
    if not surely_finite(c) and not _finite_large(c):
        if _overflowed(c, nt, d):
            _say_range(above=True)
        return c if quiet else None
    if _underflowed(c, nt, d):
        _say_range()
    elif _subnormal_read(args, d):
        _say_subnormal(args)
    return c


#: float64's smallest normal number: below it a value has lost digits (subnormal) or all of them (0)
_TINY = float(np.finfo(np.float64).tiny)
#: below it a subnormal keeps fewer than 26 bits (8 digits): a term "lost" (1e300/b's tangent -1e-310 at b = 1e155
#: keeps 13 digits, and its slope -1e-10 is right to 5e-14)
_LOST = _TINY * 2.0**-26
_SQRT_TINY = math.sqrt(_TINY)
_F64_C128 = (np.dtype(np.float64), np.dtype(np.complex128))


def _underflowed(c, nt, d) -> bool:
    """Whether c = nt/d underflowed to 0 or a subnormal number of fewer than 8 digits where nt is normal and d
    finite: a chain-rule term lost (not the zero or tiny derivative of values that were already tiny or infinite)."""
    if type(c) is float or type(c) is np.float64 or type(c) is complex or type(c) is np.complex128:
        return abs(c) < _LOST and _TINY <= abs(nt) and abs(d) < math.inf
    # complex128 too, by magnitude: abs(sum(1/((x·(1+1j))²)))' at 1e100 lost its only term in a complex cotangent
    if type(c) is not np.ndarray or c.dtype not in _F64_C128 or not c.size or np.min(np.abs(c)) >= _LOST:
        return False  # (one pass in the common case)
    with np.errstate(invalid="ignore"):
        return bool(np.any((np.abs(c) < _LOST) & (np.abs(nt) >= _TINY) & (np.abs(d) < np.inf)))


def _finite_large(c) -> bool:
    """Whether a float64 array `surely_finite` could not tell (its squares' sum overflowed: sqrt(x·x)'s 0.5·t/out at
    7e-160 is 7e158) is finite after all: the quotient stands, and its checks run (`_subnormal_read`). A complex128
    one too (`surely_finite` reads float64 only): its underflow is then seen (`_underflowed`), not left to the plain
    product, which lost 1/u's term in abs(sum(1/((x·(1+1j))²)))' at 1e100 silently."""
    if type(c) is complex or type(c) is np.complex128:
        return cmath.isfinite(c)
    return type(c) is np.ndarray and c.dtype in _F64_C128 and bool(np.isfinite(c).all())


def _subnormal_read(args, d) -> bool:
    """Whether a quotient rule n/d read a subnormal operand at the operand's own scale: x·x at 7e-160 is 4.9e-319,
    17 bits, and log's t/u (sqrt's t/(2·sqrt(u)), cbrt's) read from it is right to 5 digits (issue 11). Only where
    some |d| is below 1.5e-154 (the square root of the smallest normal, where a power of a subnormal lies): log1p's
    1 + u or arctan's 1 + u² does not feel u's lost digits. Floats: a comparison each; arrays: one pass each, and
    only past the denominator's test."""
    if type(d) is float or type(d) is np.float64:
        if not abs(d) < _SQRT_TINY:
            return False
    elif type(d) is not np.ndarray or d.dtype != _F64 or not d.size or not np.min(np.abs(d)) < _SQRT_TINY:
        return False
    for a in args:
        if type(a) is float or type(a) is np.float64:
            if 0.0 < abs(a) < _TINY:
                return True
        elif type(a) is np.ndarray and a.dtype == _F64 and a.size and np.min(np.abs(a)) < _TINY:
            if np.any((a != 0.0) & (np.abs(a) < _TINY)):
                return True
    return False


def _say_subnormal(args, eqn=None) -> None:
    """A `DerivativeRangeWarning` naming the equation whose rule read a subnormal operand (`_subnormal_read`)."""
    from ..errors import warn_subnormal
    from ..graph import deriving_from

    origin = deriving_from() if eqn is None else eqn if eqn.source is None else eqn.source
    if origin is None or origin.op is None:
        return
    where = str(origin).split(" :")[0]
    tiny = min((abs(float(v)) for a in args for v in np.ravel(a) if 0.0 < abs(float(v)) < _TINY), default=0.0)
    bits = max(1, int(math.log2(tiny / 5e-324)) + 1) if tiny else 0
    warn_subnormal(
        where,
        f"{where}: an operand is subnormal ({tiny:.3g}, {bits} bits of float64's 53): the function's own value lost "
        f"digits there, and its derivative is right to about {max(0, int(bits * 0.301))} digits (scale the input)",
    )


def _overflowed(c, nt, d) -> bool:
    """Whether c = nt/d overflowed to ±inf where nt and d are finite and d is nonzero (not a 0 or inf met)."""
    if type(c) is float or type(c) is np.float64:
        return abs(c) == math.inf and abs(nt) < math.inf and 0.0 < abs(d) < math.inf
    if type(c) is not np.ndarray or c.dtype != _F64:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.any(np.isinf(c) & np.isfinite(nt) & np.isfinite(d) & (d != 0.0)))


def say_overflow(c, a, b) -> None:
    """Say (a `DerivativeRangeWarning`, if the result is not finite) where a rule's product or quotient c of a and b
    overflowed to ±inf from finite factors (a nonzero divisor): its NumPy warning was made quiet (`quiet_overflow`).

    >>> say_overflow(np.array([1.0]), np.array([1.0]), 1.0)  # (finite: nothing to say)
    """
    if not (type(c) is float or getattr(getattr(c, "dtype", None), "kind", "") == "f"):
        return  # (traced values, SymPy's: nothing computed here)
    if isinstance(a, Traced) or isinstance(b, Traced):
        return
    with np.errstate(invalid="ignore"):
        if not np.any(np.isinf(c) & np.isfinite(a) & np.isfinite(b) & np.not_equal(b, 0.0)):
            return
    from ..graph import deriving_from

    if deriving_from() is None and np.geterr()["over"] == "raise":  # compiled code (no equation to name): its
        raise FloatingPointError("overflow encountered in a rule's term")  # (the interpreter reruns: it says it)
    _say_range(above=True)


def _say_range(eqn=None, above=False):
    """A `DerivativeRangeWarning` naming the user's equation whose derivative rule is running, or `eqn`'s (once per
    public call): a term below float64's normal range (`above`: one that overflowed)."""
    from ..errors import warn_range, warn_range_above
    from ..graph import deriving_from

    origin = deriving_from() if eqn is None else eqn if eqn.source is None else eqn.source
    if origin is None or origin.op is None:
        return
    where = str(origin).split(" :")[0]
    if above:
        warn_range_above(
            where,
            f"{where}: a term of its derivative overflowed to inf where its factors were finite; the result's "
            f"NaN or inf may stand for a finite derivative (scale the input or the function)",
        )
        return
    warn_range(
        where,
        f"{where}: a term of its derivative underflowed (to 0, or below 3e-316 with fewer than 8 digits) where its "
        f"factors were in range; the result may lack it and be wrong (scale the input or the function)",
    )


def float_scaled(partial, ct: float, d: float, out: float, *xs: float, eqn=None) -> float:
    """ū·∂ on Python floats as the rules compute it (reverse's float sweep, difflab.compile.floats): (n·ū)/den
    for a `quotient_partial` where that is finite, else ū·d, d being the partial's value: the float sweep stays
    equal, bit for bit, to the interpreter's sweep, and says an underflow as it does (`eqn`: the equation).

    >>> float_scaled(quotient_partial(1.0, lambda out, x: x), 3.0, 1.0 / 7.0, 0.0, 7.0) == 3.0 / 7.0
    True
    """
    quotient = getattr(partial, "quotient", None)
    if quotient is None or not _quotient_applies(partial, ct, out, xs):
        return ct * d
    numerator, denominator, quiet = quotient
    try:
        n = numerator(out, *xs) if callable(numerator) else numerator
        nt = ct if type(n) is float and n == 1.0 else 0.0 if quiet and ct == 0.0 else n * ct
        den = denominator(out, *xs)
        c = REGISTRY["strong_div"].py(nt, den) if quiet else nt / den
    except ArithmeticError:
        return ct * d
    if not (type(c) is float and math.isfinite(c)):
        if _overflowed(c, nt, den):
            _say_range(eqn, above=True)
        return c if quiet else ct * d
    if _underflowed(c, nt, den):
        _say_range(eqn)
    elif _subnormal_read(xs, den):
        _say_subnormal(xs, eqn)
    return c


def quotient_or_none(partial, ct, out, *xs):
    """ū·∂ in a `quotient_partial`'s form (n·ū)/den, as its rule computes it, for the compiled sweeps (reverse's
    float program, its step over arrays): None where ∂ is no quotient there (the plain product ū·∂ is the rule);
    FloatingPointError where the rules must decide (a non-finite or underflowed term: they fall back or say it).

    >>> quotient_or_none(quotient_partial(1.0, lambda out, x: x), 3.0, 0.0, 7.0) == 3.0 / 7.0
    True
    """
    quotient = getattr(partial, "quotient", None)
    if quotient is None or not _quotient_applies(partial, ct, out, xs):
        return None
    numerator, denominator, quiet = quotient
    if quiet:
        raise FloatingPointError("strong_div's quotient: the rules decide")
    n = numerator(out, *xs) if callable(numerator) else numerator
    nt = ct if type(n) is float and n == 1.0 else n * ct
    den = denominator(out, *xs)
    c = nt / den
    if not surely_finite(c) or _underflowed(c, nt, den) or _subnormal_read(xs, den):
        raise FloatingPointError("a quotient rule's term out of range: the rules decide")
    return c


def _finite_constant(p) -> bool:
    """Whether a partial computed at trace time is a finite number (1.0, -1.0, a finite array):
    a traced tangent times it is recorded as the plain product, which cannot form 0·NaN."""
    if type(p) is float:
        return math.isfinite(p)
    return isinstance(p, (int, np.ndarray, np.floating)) and bool(np.isfinite(p).all())


def _zero_times_nan(t, c) -> bool:
    """Whether a computed (untraced) t·∂ holds a NaN where t is 0 (checked only when NaN is there)."""
    if isinstance(t, Traced) or isinstance(c, Traced):
        return False
    if type(c) is float:
        return c != c and t == 0.0
    if type(c) is np.ndarray and c.dtype == _F64 and _finite_array(c):
        return False  # no NaN (nor ±inf): one pass, the common case
    c = np.asarray(c)
    if c.dtype.kind not in "fc" or not np.isnan(c).any():
        return False
    return bool(np.any(np.equal(t, 0.0)))


# -- strong zeros (DESIGN.md §3): a zero tangent or cotangent times an infinite partial is 0 ----


def constant_partial(c: float, nargs: int = 2):
    """An elementwise partial that is the number `c` wherever the op (of `nargs` arguments, 1 or 2,
    and no parameters) is defined, add's 1 and sub's -1: the sweep over Python floats multiplies
    by it without calling it (`Op.float_rules`). Shape contract: a number, broadcast by the rules.

    >>> d = constant_partial(-1.0)
    >>> d(5.0, 2.0, 3.0), d.constant
    (-1.0, -1.0)
    """

    def unary(out, x):
        return c

    def binary(out, x, y):
        return c

    partial = {1: unary, 2: binary}[nargs]  # (a fixed arity: compiled float code calls it per equation)
    partial.constant = float(c)
    return partial


def argument_partial(k: int):
    """A partial of a binary elementwise op (no parameters) that is its argument `k` itself, mul's
    ∂/∂a is b: the sweep over Python floats reads that value without calling it (`Op.float_rules`).
    Shape contract: that argument as it is (the reverse interpreter undoes broadcasting).

    >>> d = argument_partial(1)
    >>> d(6.0, 2.0, 3.0), d.argument
    (3.0, 1)
    """

    def first(out, x, y):
        return x

    def second(out, x, y):
        return y

    partial = (first, second)[k]
    partial.argument = k
    return partial


def _float_form(partial):
    """How reverse's float sweep applies `partial`: its constant, its argument index, or itself."""
    c = getattr(partial, "constant", None)
    if type(c) is float:
        return c
    k = getattr(partial, "argument", None)
    return k if type(k) is int else partial


def infinite_at(partial, singular):
    """Declare where an elementwise partial is infinite or, at a cone's apex (hypot at the origin), has no value:
    `singular(out, *args)` (a bool mask), without `strong_zero`'s convention (cbrt at 0: a zero tangent there still
    meets 1/0). Numeric's guards read it: a numeric derivative inside a trace, decided at the trace's point, answers
    NaN at a later point where the partial is infinite, not the stencil's 1/step (issue 11). Returns the partial.

    >>> d = infinite_at(lambda out, x: 1.0 / x, lambda out, x: x == 0.0)
    >>> bool(d.singular(0.0, 0.0)), getattr(d, "strong_zero", False)
    (True, False)
    """
    partial.singular = singular
    return partial


def strong_zero(partial, singular=None):
    """Mark an elementwise partial for the strong-zero convention: `singular(out, *args)` (a
    bool mask, if the partial can be infinite) says where it is (sqrt at 0); a zero tangent or
    cotangent there gives 0, not 0·∞. A partial that is 0 where an infinite cotangent arrives
    (x**2 and x*x at 0, under sqrt) gives 0 too. Forward and reverse alike, compiled code too."""
    partial.strong_zero, partial.singular = True, singular
    return partial


def _strong_scaled(partial):
    """t · ∂ with strong zeros. Where t is 0 at a singular point the partial is taken at a
    harmless one (every argument 1): 0 · ∞ is never formed, and no DomainWarning is raised;
    elsewhere ∂ is unchanged (its value matters to higher derivatives). An infinite t meets a
    zero ∂ as 0. A genuinely infinite derivative stays inf, with its DomainWarning."""

    quotient = getattr(partial, "quotient", None)

    def rule(t, out, *args, **params):
        on = quotient is not None and _quotient_applies(partial, t, out, args)
        recorded = on and (isinstance(t, Traced) or any(isinstance(v, Traced) for v in (out, *args)))
        if on and not recorded:
            # (n·t)/d where that is finite (sqrt's (0.5·t)/out, see quotient_partial); at a singular point (a 0
            # denominator) or out of range the strong product below decides, as before
            c = _quotient_scaled(quotient, t, out, args, params)
            if c is not None:
                return c
        where, equal = REGISTRY["where"], REGISTRY["equal"]  # elementwise entries, found at call time
        values = (out, *args)
        # nested use (t traced: an outer derivative differentiates t·∂): t may be 0 here but move
        # (its own tangent dt ≠ 0), and dt·∂ must meet the true, infinite ∂; strong_mul's rules
        # keep the value 0 and make the outer product 0 only where dt is 0 as well
        if partial.singular is not None and not isinstance(t, Traced):
            at = where(equal(t, 0.0), partial.singular(*values), False)
            values = [where(at, 1.0, v) for v in values]
        try:
            p = partial(*values, **params)
        except ArithmeticError:  # an infinite partial at a singular point (a nonzero t meets it there)
            with np.errstate(divide="ignore"):
                p = partial(*[np.float64(v) if type(v) is float else v for v in values], **params)
            _singular_met(partial)
        if recorded:
            # (n·t)/d recorded for an outer derivative (reverse's term -s̄·ṡ/(2s²) of 1/sqrt(x²+1) at 1e100 underflowed
            # as t·(0.5/s)'s, silently; strong_div's says it), the product kept at the singular point: there
            # strong_div's n·t/0 is a quiet NaN where the product's ∞ names it (std's Hessian at a constant vector)
            q = _quotient_scaled(quotient, t, out, args, params)
            if partial.singular is None:
                return q
            return where(partial.singular(out, *args), REGISTRY["strong_mul"](t, p), q)
        return REGISTRY["strong_mul"](t, p)

    rule.partial, rule.strong = partial, True
    return rule


def _singular_met(partial):
    """An infinite partial at a singular point of the op whose rule is running (sqrt's at 0) is no
    value outside a domain: the DomainWarning naming the equation is issued only if the public
    call's result holds NaN or inf (a strong zero further on may well make it 0, DESIGN.md §3)."""
    from ..errors import warn_domain_if_nonfinite
    from ..graph import deriving_from

    origin = deriving_from()
    if origin is None or origin.op is None:
        return
    where = str(origin).split(" :")[0]
    warn_domain_if_nonfinite(
        where, f"{where}: an infinite derivative at a singular point of {origin.op.name}; the result holds NaN or inf"
    )


def surely_finite(x) -> bool:
    """True when the float x (or float64 array) holds no NaN or infinity, by one pass (`_finite_array`);
    False may also mean "too large to tell" or another type (the exact masking then decides). Why: strong products are frequent in second derivatives (an hvp at
    n = 10⁴ has 8), and masking each one cost ~7 passes over the data where a product is one.

    >>> surely_finite(np.array([1.0, 2.0])), surely_finite(np.array([1.0, np.inf])), surely_finite(np.nan)
    (True, False, False)
    """
    if type(x) is np.ndarray and x.dtype == _F64:
        return _finite_array(x)  # (an empty array: 0.0)
    if type(x) is float or type(x) is np.float64:
        return math.isfinite(x)
    return False


def all_surely_finite(xs) -> bool:
    """`surely_finite` of every x in `xs`, in one loop (this runs on every call of a prepared
    gradient: its inputs and outputs are checked).

    >>> all_surely_finite([np.ones(2), 3.0]), all_surely_finite([np.ones(2), np.array([np.nan])])
    (True, False)
    """
    # one fused sum: Σ x·x (a dot per small array, a sum per large one) is finite iff every x is
    # (or too large to tell: then False), in Python floats (no NumPy error state, inf - inf is NaN)
    total = 0.0
    for x in xs:
        if type(x) is np.ndarray and x.dtype == _F64:
            if x.ndim == 2 and x.strides[0] == 8:  # (as in _finite_array: no copy of a transposed matrix)
                x = x.T
            total += float(_vdot(x, x) if x.size <= _DOT_MAX else quiet_sum(x))
        elif type(x) is float or type(x) is np.float64:
            total += float(x) * float(x)
        else:
            return False
        if not total < math.inf:  # NaN or inf: answered (no later array is read, as before)
            return False
    return True


def strong_contract(fn, *xs, **params):
    """`fn(*xs, **params)` for a multilinear `fn` (matmul, einsum: each output entry a sum of
    products, one entry of each operand per product) with strong zeros: a product with a zero
    factor is 0 even where another factor is NaN or ±inf, so a cotangent that is 0 in one entry
    never meets the NaN column it would multiply. Where every factor of some product is nonzero
    and one is not finite, IEEE's non-finite answer stands. The rules' contractions of a tangent
    or cotangent use it (`strong_matmul`, `strong_einsum`), as elementwise rules use strong_mul.

    How: contract once; only if that gives a non-finite entry and an operand holds one, contract
    again with the non-finite entries zeroed (the strong answer), and count, per output entry,
    the products whose factors are all nonzero with and without those entries: where the counts
    differ a nonzero factor really met a non-finite one.

    >>> u, m = np.array([1.0, 0.0]), np.array([[2.0, 3.0], [np.nan, np.inf]])
    >>> strong_contract(np.matmul, u, m).tolist()  # u @ m is [nan, nan]
    [2.0, 3.0]
    >>> strong_contract(np.matmul, np.array([1.0, 1.0]), m).tolist()
    [nan, inf]
    """
    if all_surely_finite(xs):  # no 0·∞ can be formed: the plain contraction
        return fn(*xs, **params)
    with np.errstate(invalid="ignore"):  # 0·∞ is formed here only to be replaced where it meets a 0
        out = fn(*xs, **params)
        # object arrays (SymPy, Dep) as they are; a finite sum (no temporary array) says all are finite
        if np.asarray(out).dtype.kind != "f" or np.isfinite(np.add.reduce(out, axis=None)):
            return out
    xs = [np.asarray(x) for x in xs]
    if np.isfinite(out).all():  # the sum overflowed
        return out
    bad = [~np.isfinite(x) for x in xs]
    if not builtins.any(b.any() for b in bad):  # an overflow among finite operands: IEEE's answer
        return out
    strong = fn(*[np.where(b, 0.0, x) for x, b in zip(xs, bad)], **params)
    nonzero = [np.not_equal(x, 0.0) for x in xs]  # NaN is nonzero
    every = fn(*[n * 1.0 for n in nonzero], **params)
    finite = fn(*[(n & ~b) * 1.0 for n, b in zip(nonzero, bad)], **params)
    return np.where(every > finite, out, strong)


# -- batching rules: arguments flagged in `batched` carry a leading batch axis ----------------


def _batch_size(batched, args) -> int:
    return next(_shape(a)[0] for a, b in zip(args, batched) if b)


def _loop_batch(fn, batched, *args, **params):
    """The fallback rule: `fn` (an op: recorded on traced values) on each batch element, stacked."""
    rows = [fn(*[a[k] if b else a for a, b in zip(args, batched)], **params) for k in range(_batch_size(batched, args))]
    if builtins.any(isinstance(r, Traced) for r in rows):
        return REGISTRY["stack"](*rows, axis=0)
    return np.stack(rows)


def _unit_axes(batched, args) -> list:
    """The arguments of an elementwise op, a batched one of lower rank than the output given unit
    axes after its batch axis, so that it broadcasts like its unbatched self (the others already do)."""
    ranks = [_ndim(a) - b for a, b in zip(args, batched)]  # Python numbers are 0-d
    rank = builtins.max(ranks)
    if builtins.min(r for r, b in zip(ranks, batched) if b) == rank:
        return list(args)
    return [
        _reshape(a, _shape(a)[:1] + (1,) * (rank - r) + _shape(a)[1:]) if b else a
        for a, b, r in zip(args, batched, ranks)
    ]


def _batch_axis(axis):
    """An axis (or tuple of axes) of the unbatched value, as an axis of the batched one."""
    if isinstance(axis, tuple):
        return tuple(_batch_axis(a) for a in axis)
    return axis + 1 if axis >= 0 else axis


def _batch_reduce(name):
    """The rule of the reduction `name` over `axis` (None: all axes): the same op over the axes
    shifted past the batch axis."""

    def rule(batched, x, axis=None, keepdims=False):
        return REGISTRY[name](x, **params(batched, (_ndim(x) - 1,), axis, keepdims))

    def params(batched, ranks, axis=None, keepdims=False):
        axes = tuple(range(1, ranks[0] + 1)) if axis is None else _batch_axis(axis)
        return {"axis": axes, "keepdims": keepdims}

    rule.params = params  # (compiled code calls the op itself with them: `Op.batched_params`)
    return rule


def _broadcast_batch(batched, xs):
    """Every argument batched: the unbatched ones broadcast along the batch axis."""
    size = _batch_size(batched, xs)
    return [x if b else _broadcast_to(x, (size,) + _shape(x)) for x, b in zip(xs, batched)]


def _advanced_apart(idx) -> bool:
    """NumPy moves the axes of advanced indices to the front when slices separate them; a leading
    batch slice would then no longer lead (x[:, 0, :, [1, 2]] has shape (2, B, n))."""
    where = [k for k, i in enumerate(idx) if isinstance(i, np.ndarray) or isinstance(i, (int, np.integer))]
    return any(isinstance(i, np.ndarray) for i in idx) and where[-1] - where[0] + 1 != len(where)


# -- typical calls of each op, drawn inside its domain (registry-driven tests read them) ----


def draw(domain: str, shape, rng):
    """Random values inside one argument's domain, away from kinks only by chance."""
    if domain == "bool":
        return rng.random(shape) > 0.5
    x = rng.uniform(-2.0, 2.0, shape)
    if domain == "positive":
        return rng.uniform(0.2, 3.0, shape)
    if domain == "nonzero":
        return np.where(x >= 0, x + 0.3, x - 0.3)
    if domain == "unit":  # inside (-1, 1), away from the singular ends (arcsin, arctanh)
        return rng.uniform(-0.9, 0.9, shape)
    if domain == "above_one":  # inside (1, inf) (arccosh)
        return rng.uniform(1.2, 3.0, shape)
    if domain == "negative":  # inside (-inf, 0) (ndtri_exp's log-probabilities)
        return -rng.uniform(0.2, 3.0, shape)
    if domain == "integer":  # small positive integers (an order n, a shape a), integer dtype: never differentiated
        return rng.integers(1, 4, shape)
    if domain == "probability":  # inside (0, 1), away from the ends (logit, betainc's x)
        return rng.uniform(0.05, 0.95, shape)
    if domain == "complex":  # complex values, away from 0 (|z|, angle)
        return x + 1j * np.where(rng.random(shape) > 0.5, 1.0, -1.0) * rng.uniform(0.3, 2.0, shape)
    if domain == "spd":  # symmetric positive definite matrices B Bᵀ + I (cholesky)
        return x @ np.swapaxes(x, -1, -2) + np.eye(shape[-1])
    return x


def _samples(*calls):
    """Fixed call shapes; arguments drawn from the real line (shape ops have no domain limits)."""

    def make(rng):
        return [(tuple(draw("real", s, rng) for s in shapes), params) for shapes, params in calls]

    return make


def _name_no_number(op, args, err) -> None:
    """Raise a TypeError naming the op and the argument that is no number (None, a str, a dict: the user's
    function called on a value that is no array), from NumPy's `err`; return where every argument is one."""
    for k, a in enumerate(args):
        if a is None or isinstance(a, (str, bytes, dict, set)):
            raise TypeError(f"{op.name}: argument {k} is a {type(a).__name__}, not a number or an array") from err


def ignored_rules(graph) -> list:
    """The sorted names of the graph's ops whose derivative is a rule the numeric method cannot honour
    (`numeric_ignores`), each op's `check_rule` run first at its equation's shapes (a user's rule, which numeric
    never calls: its tangent of the wrong shape or dtype is named there too, as under the other methods)."""
    for e in graph.eqns:
        if e.op.check_rule is not None:
            shapes = [_shape(a.value) if isinstance(a, Const) else a.shape for a in e.args]
            e.op.check_rule(*shapes, out_shape=e.out.shape, **e.kw)
    # (not a stop_gradient numeric recorded itself on traced values, origin FROM_VALUES: the steps it takes there,
    # `stencils._traced_steps`, whose change an outer numeric level sees is the change a fresh inner level makes)
    return sorted({e.op.name for e in graph.eqns if e.op.numeric_ignores and e.source is not FROM_VALUES})


# -- SymPy translations, imported lazily so `import difflab` does not load SymPy --------------


def _sp():
    import sympy

    return sympy


def elementwise_sympy(scalar_fn):
    """Lift a scalar SymPy translation to broadcasting object arrays."""

    def translate(*args, **params):
        ufunc = np.frompyfunc(lambda *xs: scalar_fn(*xs, **params), len(args), 1)
        with np.errstate(all="ignore"):  # (building expressions: a NaN datum, sin(nan), is no warning to the user)
            return np.asarray(ufunc(*args), dtype=object)

    return translate


def _stacked(x):
    """A (nested) list or tuple holding traced values as one traced array, as NumPy converts a list argument (and
    difflab.numpy's functions stack one: `_stacking`); anything else as it is."""
    if type(x) not in (list, tuple) or not _holds_traced(x):
        return x
    return REGISTRY["stack"].front([_stacked(v) for v in x])


def _sympy_fn(name):
    return elementwise_sympy(lambda *xs: getattr(_sp(), name)(*xs))


#: custom SymPy functions of the registry: name -> NumPy implementation, for `lambdify`
SYMPY_NUMPY: dict[str, Callable] = {}
#: the same functions on Python floats, for code lambdified with the `math` module (one example)
SYMPY_MATH: dict[str, Callable] = {}
#: custom SymPy functions that no elementwise entry's translation names, computed with difflab's ops
#: on traced values (the symbolic method's code inside another derivative): name -> function
SYMPY_TRACED: dict[str, Callable] = {}


_SYMPY_CLASSES: dict[str, Any] = {}
_VALUE_NAMER = threading.local()  # .fn: the active `naming_values` callback (per thread)


@contextlib.contextmanager
def naming_values(name: Callable):
    """Within the block, `named_value(e)` is `name(e)`: the symbolic method's name for an intermediate value of the
    translation it runs (differentiators/program.py: a new assignment)."""
    before = getattr(_VALUE_NAMER, "fn", None)
    _VALUE_NAMER.fn = name
    try:
        yield
    finally:
        _VALUE_NAMER.fn = before


def named_value(e):
    """e, or within `naming_values` the symbolic method's name for e when e is a SymPy sum: a translation whose
    values build on each other (lfilter's recurrence: y[n] reads y[n − 1] and y[n − 2] through its state) names
    them as it goes, so each is a small expression of names, not a tree that doubles at every step (a 16-sample
    second-order filter: y[15] of 9,000 operations, differentiated twice for a Hessian).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> with naming_values(lambda e: sp.Symbol("s")):
    ...     named_value(x + 1), named_value(2 * x)
    (s, 2*x)
    >>> named_value(x + 1)
    x + 1
    """
    name = getattr(_VALUE_NAMER, "fn", None)
    if name is None or not isinstance(e, _sp().Basic) or not e.is_Add:
        return e
    return name(e)


#: `sympy_function` methods of a function whose values are real (SymPy's assumption; `difflab_real`: the symbolic
#: method splits a complex expression of such functions into its real and imaginary parts without SymPy's
#: re/im of each, program._real_imag)
REAL = {"_eval_is_extended_real": lambda self: True, "difflab_real": True}
#: the same for a real function held constant (derivative 0 in every argument, `difflab_held`: a sweep takes no
#: partial of it, where SymPy's diff walked each of its arguments: LAPACK's phases of an 8×8 eig's vectors, 130)
HELD_REAL = {**REAL, "difflab_held": True, "_eval_derivative": lambda self, s: _sp().S.Zero}


def sympy_function(
    name: str,
    numpy_impl: Callable,
    derivative: Callable,
    mp_impl: Callable,
    math_impl: Callable,
    plain: Callable | None = None,
    methods: dict | None = None,
    exact_mp: bool = False,
):
    """A SymPy Function class whose derivative and numeric values follow the registry's entry.

    `derivative(args, i)` gives d/d(args[i]) as a SymPy expression; lambdify prints the function
    by name and finds `numpy_impl` in SYMPY_NUMPY (arrays) or `math_impl` in SYMPY_MATH (Python
    floats); `mp_impl(*mpf_args)` serves high precision. `plain(*args)`, where given, is the same
    function in SymPy's own terms (expm1: exp(x) − 1), which the symbolic method writes instead on a
    complex argument, where SymPy must split the value into real and imaginary parts. `methods`: more
    attributes of the class (opaque.py's matrix functions: a faster `_eval_derivative`). `exact_mp`: `mp_impl` is
    the function itself at any precision (a product, log1p), so the symbolic method may evaluate a derivative
    holding it in more digits than float64's (program.in_range); a special function's mpmath form may not be.
    """
    if name in _SYMPY_CLASSES:
        return _SYMPY_CLASSES[name]
    sp = _sp()

    def fdiff(self, argindex=1):
        return derivative(self.args, argindex - 1)

    def _eval_derivative(self, s):  # SymPy's chain rule, but only over the arguments that hold s
        terms = []
        for i, a in enumerate(self.args):
            if s in a.free_symbols:  # (SymPy's own `diff` of each of a sort weight's 14 arguments: 40% of a
                da = sp.S.One if a == s else a.diff(s)  # sort's Hessian, each 0 or a symbol's 1)
                if da != 0:
                    terms.append(self.fdiff(i + 1) * da)
        return sp.Add(*terms)

    @functools.lru_cache(maxsize=1024)
    def value(vals, prec):
        import mpmath

        with mpmath.workprec(prec):
            return sp.Float(mp_impl(*[mpmath.mpf(v) for v in vals]), precision=prec)

    def _eval_evalf(self, prec):
        # (once per arguments and precision: evalf of a sum re-evaluates its terms at each precision it tries, so
        # qr's LAPACK sign of R ran 10,561 times for 441 distinct calls in qr_complement's translation)
        vals = tuple(a.evalf(prec) for a in self.args)
        if not all(v.is_Number for v in vals):
            return None
        return value(vals, prec)

    SYMPY_NUMPY[name] = numpy_impl
    SYMPY_MATH[name] = math_impl
    _SYMPY_CLASSES[name] = type(
        name,
        (sp.Function,),
        {
            "fdiff": fdiff,
            "_eval_derivative": _eval_derivative,
            "_eval_evalf": _eval_evalf,
            "difflab_plain": staticmethod(plain),
            "difflab_named": True,  # (its `_eval_derivative` below: the symbolic method calls it directly)
            "difflab_exact_mp": exact_mp,
            "difflab_mp": staticmethod(mp_impl),  # (program.exact's mpmath evaluation: `value`'s, uncached)
            **(methods or {}),
        },
    )
    _evalf_table()[_SYMPY_CLASSES[name]] = _evalf_entry
    return _SYMPY_CLASSES[name]


def _evalf_table() -> dict:
    """SymPy's table of evalf handlers by expression type (built on first use; read through the module, which
    rebinds it)."""
    from sympy.core import evalf

    if not evalf.evalf_table:
        evalf._create_evalf_table()
    return evalf.evalf_table


def _evalf_entry(x, prec: int, options: dict):
    """A `sympy_function`'s evalf step: (re, im, re_acc, im_acc) of its value at `prec` bits, as SymPy's fallback for
    a function without a table entry gives it, but a real Float's parts read directly. The fallback took them as
    re(v), im(v): two lookups in SymPy's cache, whose keys (Floats of one value at each precision evalf tries) share
    a hash, Float's being its float's; a lookup compared ~85 keys (qr_complement's translation: 1.8M comparisons,
    two thirds of its evalf)."""
    sp = _sp()
    if "subs" in options:
        from sympy.core.evalf import evalf_subs

        x = x.subs(evalf_subs(prec, options["subs"]))
    v = x._eval_evalf(prec)
    if v is None:
        raise NotImplementedError
    if v.is_Float:  # (a finite real: SymPy's NaN and infinities are not Floats)
        return (v._to_mpmath(prec, allow_ints=False)._mpf_, None, prec, None) if v else (None, None, None, None)
    parts = []  # a value SymPy's fallback handles otherwise: its steps
    for part in v.as_real_imag():
        if part.has(sp.re, sp.im) or (part and not part.is_number):
            raise NotImplementedError
        parts.append(part._to_mpmath(prec, allow_ints=False)._mpf_ if part else None)
    return parts[0], parts[1], prec if parts[0] else None, prec if parts[1] else None


def held_value(op):
    """A SymPy function computing elementwise `op` by its NumPy implementation, left unevaluated on
    symbols: the symbolic method's value of an equation whose SymPy translation folded to a number
    although its arguments are not numbers (x/x → 1, x − x → 0, 0·x → 0), which NumPy computes as
    NaN where an argument is 0 or infinite. Its derivative is the registry's (the equation's rule)."""
    name = f"difflab_held_{op.name}"
    if name not in _SYMPY_CLASSES:
        SYMPY_TRACED[name] = op  # on traced values: the op itself
    math_impl = op.py or (lambda *xs: float(op.impl(*xs)))

    def mp_impl(*xs):
        import mpmath

        return mpmath.mpf(math_impl(*[float(x) for x in xs]))

    def derivative(args, i):  # (the symbolic method takes the rule's partials; SymPy's diff of the fold is 0)
        return _sp().Integer(0)

    return sympy_function(name, op.impl, derivative, mp_impl, math_impl)


# -- shape helpers shared by the rules --------------------------------------------------------


def _shape(x) -> tuple:
    return x.shape if isinstance(x, (np.ndarray, Traced)) else np.shape(x)


def _ndim(x) -> int:
    return len(_shape(x))


def _count(lead) -> int:
    """How many matrices a stack of leading shape `lead` holds: reshape's -1 cannot tell it for 0×0 matrices
    ('cannot reshape array of size 0 into shape (0,0)')."""
    return int(np.prod(lead, dtype=int))


def _reshape(x, shape):
    shape = tuple(int(n) for n in shape)
    if -1 in shape:
        known = math.prod(n for n in shape if n != -1)
        shape = tuple(math.prod(_shape(x)) // known if n == -1 else n for n in shape)
    return x if _shape(x) == shape else REGISTRY["reshape"](x, shape=shape)


def _transpose(x, axes):
    axes = tuple(axes)
    return x if axes == tuple(range(len(axes))) else REGISTRY["transpose"](x, axes=axes)


def _broadcast_to(x, shape):
    shape = tuple(shape)
    return x if _shape(x) == shape else REGISTRY["broadcast_to"](x, shape=shape)


def normalize_axes(x, axis):
    """NumPy's `axis` argument (int, tuple or None) as a sorted tuple of non-negative axes, or None."""
    if axis is None:
        return None
    n = _ndim(x)
    if type(axis) is int and -n <= axis < n:  # (one axis in range, the common case: no pass of the checks below)
        return (axis % n,)
    if type(axis) is np.ndarray and axis.ndim == 0 and axis.dtype.kind in "iu":  # (NumPy takes it, by __index__)
        axis = int(axis)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    # as NumPy: True, 1.0 and NaN are no axes (they were axis 1, axis 1, "'float' object is not iterable")
    if not isinstance(axes, (tuple, list)) or not all(
        isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)) for a in axes
    ):
        raise TypeError(f"axis must be an int, a tuple of ints or None, got {axis!r}")
    for a in axes:
        if not -n <= a < n:
            # (NumPy's AxisError, a ValueError and an IndexError: a user's `except np.exceptions.AxisError` catches it)
            raise np.exceptions.AxisError(f"axis {a} is out of bounds for an array of dimension {n}")
    normal = tuple(sorted(int(a) % n for a in axes))
    if len(set(normal)) != len(normal):  # (NumPy's "repeated axis": np.flip(x, (0, 0)) flipped once, silently)
        raise ValueError(f"axis {axis!r} names an axis twice (duplicate axes) of an array of dimension {n}")
    return normal


def normalize_axis(x, axis, fn: str) -> int:
    """NumPy's single `axis` (sort, cumsum, concatenate, ...) as a non-negative int; a tuple or list is NumPy's
    TypeError naming `fn` (its first axis was taken: a number where NumPy has none)."""
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"numpy.{fn}: axis must be an int, got {axis!r} (NumPy's {fn} takes one axis)")
    return normalize_axes(x, axis)[0]


def fits(fn, *shapes) -> bool:
    """Whether `fn` accepts zero arrays of these shapes (the strategy builders ask)."""
    try:
        fn(*[np.zeros(s) for s in shapes])
        return True
    except ValueError:
        return False


# -- the one place broadcasting is undone ----------------------------------------------------


def unbroadcast(ct, shape):
    """Sum a cotangent back down to `shape` (the shape of the argument that was broadcast)."""
    shape = tuple(shape)
    have = _shape(ct)
    if have == shape:
        return ct
    extra = len(have) - len(shape)
    if extra:  # leading axes the argument never had
        ct = REGISTRY["sum"](ct, axis=tuple(range(extra)), keepdims=False)
        have = have[extra:]
    axes = tuple([i for i, n in enumerate(shape) if n == 1 and have[i] != 1])
    return REGISTRY["sum"](ct, axis=axes, keepdims=True) if axes else ct


def examples(op: Op, rng) -> list:
    """Typical calls [(args, params)] of `op`; elementwise ops are tried with broadcasting too."""
    if op.samples is not None:
        return op.samples(rng)
    shapes = [[(3, 4)] * op.nargs, [(3, 4)] + [(4,)] * (op.nargs - 1), [()] * op.nargs]
    if op.nargs == 1:  # nothing to broadcast: the second shape is the first's (every registry test ran it twice)
        del shapes[1]
    return [(tuple(draw(d, s, rng) for d, s in zip(op.domain, ss)), {}) for ss in shapes]
