"""The errors and warnings difflab raises, one class per kind of bad input (DESIGN.md §6), and
the one place a `DomainWarning` is issued: once per equation and public call, pointing at the
caller's line rather than at difflab's internals.

Every exception class difflab defines also inherits `DifflabError` (a mixin: each keeps its
standard parent, so `except ValueError` still works), and every warning `DifflabWarning`, so
`except dl.DifflabError` catches anything difflab raised on purpose. The classes:

| class                       | standard parent  | module                  | raised for                              |
| --------------------------- | ---------------- | ----------------------- | --------------------------------------- |
| `UnsupportedOperationError` | TypeError        | errors                  | a NumPy function with no primitive      |
| `NotDifferentiableError`    | ValueError       | errors                  | a method that cannot handle this graph  |
| `TracerConversionError`     | TypeError        | errors                  | a traced value made a number or stored  |
| `ValuesRefusedError`        | (mixin)          | errors                  | NumPy refused these values, at any call |
| `IndexOutOfRangeError`      | IndexError       | errors                  | a traced index out of range (gather_along) |
| `AllNaNSliceError`          | ValueError       | errors                  | nanargmax/nanargmin of an all-NaN slice |
| `MissingRuleError`          | NotDifferentiableError, NotImplementedError | peers.autograd_shim | a shim primitive with no defvjp/defjvp rule |
| `ExpressionError`           | ValueError       | expr                    | an expression the grammar refuses       |
| `UnsupportedNorm`           | ValueError       | numpy                   | a matrix norm with no rule yet          |
| `_NotTraced`                | UnsupportedOperationError, AttributeError | scipy.interpolate | a SciPy PPoly method difflab does not trace |
| `Opaque`                    | Exception        | compile.reads           | (internal) a value that cannot be cached|
| `ComplexLeaf`               | TypeError        | api.boundary            | a complex leaf (realified, or refused)  |
| `NonScalarOutput`           | TypeError        | api.boundary            | grad of a non-scalar (hessian: jacobian of jacobian) |
| `_OtherDtypes`              | ValueError       | api.prepared            | (internal) a prepared call's other float dtypes: prepared again for them |
| `_Elsewhere`                | ValueError       | api.prepared            | (internal) a prepared call where a numeric derivative decides otherwise: traced there |
| `_Enclosed`                 | Exception        | staging                 | (internal) a jitted trace closing over an enclosing trace's values: inlined |
| `_ClosedOver`               | Exception        | rules                   | (internal) a custom rule's function closing over an enclosing trace's values: converted |
| `NonFiniteLossError`        | ArithmeticError  | nn.train                | training loss became NaN or inf         |
| `GradientMismatch`          | AssertionError   | testing.messages        | a gradient check failed                 |
| `Inconclusive`              | GradientMismatch | testing.messages        | the reference cannot tell (silent pass) |
| `ConfigError`               | ValueError       | runner                  | unknown experiment, preset or key       |
| `RunError`                  | RuntimeError     | runner                  | some cells of a run failed              |
| `UsageError`                | ValueError       | cli                     | command-line input the CLI cannot use   |
| `ExploreError`              | ValueError       | explore.model           | bad input to the explorer               |
| `ComputeTimeout`, `_BadInput` | Exception      | explore.server          | (internal) worker over budget / refused |
| `DomainWarning`             | RuntimeWarning   | errors                  | an equation outside its op's domain     |
| `NumericIgnoresRuleWarning` | UserWarning      | errors                  | numeric cannot honour stop_gradient or a custom rule (former name: `NumericStopGradientWarning`) |
| `NumericAccuracyWarning`    | UserWarning      | errors                  | numeric's error estimate exceeds its value |
| `DerivativeRangeWarning`    | RuntimeWarning   | errors                  | a chain-rule term under- or overflowed, its factors in range |

`tests/test_design.py` checks that every exception class in the package is a `DifflabError`.
"""

from __future__ import annotations

import numbers
import os
import sys
import threading
import warnings

__all__ = [
    "DifflabError",
    "DifflabWarning",
    "UnsupportedOperationError",
    "TracerConversionError",
    "DomainWarning",
    "NotDifferentiableError",
    "NumericIgnoresRuleWarning",
    "NumericStopGradientWarning",
    "NumericAccuracyWarning",
    "DerivativeRangeWarning",
    "warn_domain",
    "warn_range",
    "warn_range_above",
    "warn_subnormal",
    "warn_domain_if_nonfinite",
    "holding_domain_warnings",
    "Collector",
    "ValuesRefusedError",
    "IndexOutOfRangeError",
    "AllNaNSliceError",
    "collecting",
    "warn_user",
    "warn_numeric_ignores",
]


class DifflabError(Exception):
    """Mixin base of every error difflab raises; each error also keeps its standard parent
    (`class ShapeError(DifflabError, ValueError)`), so callers may catch either."""


class DifflabWarning(Warning):
    """Mixin base of every warning difflab issues (filter them all with this class)."""


class UnsupportedOperationError(DifflabError, TypeError):
    """A NumPy function with no difflab primitive was applied to a traced value."""


class TracerConversionError(DifflabError, TypeError):
    """A traced value was converted to a Python number or stored into a NumPy array of the user's
    (`float(x)`, `y[0] = x`), which would drop its derivative (JAX's TracerArrayConversionError)."""


class NotDifferentiableError(DifflabError, ValueError):
    """A method cannot differentiate this graph (e.g. complex step through `abs`)."""


class ValuesRefusedError(DifflabError):
    """NumPy refused an equation at this call's values, as a fresh call of f would (a traced index out of range,
    an all-NaN slice's nanargmax): raised as it is wherever the equation is evaluated, not taken for a shape error."""


class IndexOutOfRangeError(ValuesRefusedError, IndexError):
    """A traced index's value at this call is out of range (NumPy's IndexError, "index 3 is out of bounds ...")."""


class AllNaNSliceError(ValuesRefusedError, ValueError):
    """nanargmax/nanargmin of a slice that is all NaN at this call (NumPy's ValueError, "All-NaN slice encountered")."""


class DomainWarning(DifflabWarning, RuntimeWarning):
    """An equation was evaluated outside its op's domain (log of a negative number): NaN or inf."""


class NumericIgnoresRuleWarning(DifflabWarning, UserWarning):
    """The numeric method differentiated a graph whose ops it cannot honour (stop_gradient, a
    custom rule): finite differences see the mathematical function, not the rule."""


#: the class's former name (it was first raised for stop_gradient only); filters on either catch it
NumericStopGradientWarning = NumericIgnoresRuleWarning


class NumericAccuracyWarning(DifflabWarning, UserWarning):
    """The numeric method's error estimate exceeds the derivative it estimates, where an op's length scale limited
    its step (eigh near a crossing): finite differences are ill-conditioned there; or its entries are below the
    round-off bound eps·|f(x)|·Σ|w|/h because a constant term dominates f (f = g(x) + 5.3e13: g's change over the
    step is lost below an ulp of f)."""


class DerivativeRangeWarning(DifflabWarning, RuntimeWarning):
    """A term of an exact method's derivative underflowed (to 0, or a subnormal of fewer than 8 digits) or overflowed
    where its factors were in range: a chain-rule quotient left float64's range, and the result may lack it
    (reverse's Hessian of log(x·x) at 7e149: the tangent of log's cotangent 1/u, -2x/u² ≈ 5.8e-450, was 0, and the
    result +2/x² for -2/x²)."""


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_ERRSTATE_FILE = os.path.join("numpy", "_core", "_ufunc_config.py")  # np.errstate's decorator wrapper lives there


class _State(threading.local):
    """This thread's warnings pending for the running public call (`pending`, `pending_if`: None outside one) and the
    count of terms `warn_range` reported lost (`lost`). Class defaults: a thread that never set one reads them without
    raising (getattr(threading.local(), name, default) built and dropped an AttributeError for a name never set: a
    fresh gradient of floats read `lost` twice, ~4.5k machine instructions each)."""

    pending: dict | None = None
    pending_if: dict | None = None
    lost: int = 0


_state = _State()


def _user_stacklevel() -> int:
    """The `stacklevel` that makes a warning point at the first frame outside difflab (works on
    Python 3.11, which lacks `skip_file_prefixes`)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (
        frame.f_code.co_filename.startswith(_PACKAGE)
        or frame.f_code.co_filename.startswith("<difflab")
        or frame.f_code.co_filename.endswith(_ERRSTATE_FILE)  # (np.errstate decorating difflab's functions)
    ):
        frame, level = frame.f_back, level + 1
    return level


def check_function(f, doing: str, role: str = "a function") -> None:
    """Refuse a non-callable `f` at once, naming what `doing` got (as JAX's transforms do), rather than
    Python's "'float' object is not callable" at the first call, or never (an unused transform)."""
    if not callable(f):
        text = repr(f)
        raise TypeError(
            f"{doing} takes {role}, got {type(f).__name__} {text if len(text) <= 60 else text[:57] + '...'}"
        )


def check_positions(value, what: str) -> tuple:
    """`value` (an int or a tuple/list of ints: static_argnums, nondiff_argnums) as a tuple of ints, or a TypeError
    naming `what` (Python's "'float' object is not iterable" for 1.0, checkpoint's "not all arguments converted
    during string formatting" for "0"; True is refused, as JAX's int checks do)."""
    nums = (value,) if isinstance(value, numbers.Integral) else value  # (NumPy's ints are Integral too)
    if not isinstance(nums, (tuple, list)) or not all(
        isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in nums
    ):
        raise TypeError(f"{what} must be an int or a tuple of ints, got {value!r}")
    return tuple(int(i) for i in nums)


def warn_user(message, category=UserWarning):
    """`warnings.warn` pointing at the caller's own code (the first frame outside difflab)."""
    warnings.warn(message, category, stacklevel=_user_stacklevel())


def warn_numeric_ignores(names) -> None:
    """Say that the numeric method cannot honour the ops `names` (stop_gradient, a custom rule) in the
    graph it differentiates: at every call that differentiates such a graph numerically."""
    if names:
        warn_user(
            NumericIgnoresRuleWarning(
                f"the numeric method differentiates the function itself: it cannot honour {', '.join(names)} "
                "(finite differences see no rule): its derivative is the function's own, which differs from the other "
                "methods' wherever the rule changes it"
            ),
            NumericIgnoresRuleWarning,
        )


def warn_domain(equation: str, message: str) -> None:
    """Issue a DomainWarning for `equation` (its text, `v3 = log(v2)`): now, or once when the
    enclosing public call ends (`Collector`), however many methods, evaluations or derivative
    rules met that equation (every method and numeric's stencils would otherwise repeat it)."""
    pending = _state.pending
    if pending is None:
        warn_user(DomainWarning(message), DomainWarning)
    elif equation not in pending:
        pending[equation] = message


def warn_range(equation: str, message: str) -> None:
    """Issue a `DerivativeRangeWarning` for `equation` (its text): now, or once when the enclosing public call ends,
    as `warn_domain` does (its own key: an equation may also have left its domain), and then only if the call's
    result holds a value in float64's normal range (a derivative that is itself below it, 1/x's at 1e200, is right
    rounded; one the lost term was added to, log(x·x)'s second at 7e149, may be wrong)."""
    warning = DerivativeRangeWarning(message)
    warning.below = True  # (the condition `_collect` reads)
    _state.lost = warning.lost = _state.lost + 1  # (`lost_terms`: whether a sweep lost a term)
    pending = _state.pending
    if pending is None:
        warn_user(warning, DerivativeRangeWarning)
    elif _RANGE + equation not in pending:
        pending[_RANGE + equation] = warning


def warn_range_above(equation: str, message: str) -> None:
    """Like `warn_range`, for a term that overflowed where its factors were finite (reverse's cotangent 1/u of
    log(x·x) at 7e-160, u subnormal): issued only if the call's result holds NaN or inf, as
    `warn_domain_if_nonfinite`'s (a strong zero further on may make the term harmless)."""
    warning = DerivativeRangeWarning(message)
    pending = _state.pending_if
    if pending is None:
        warn_user(warning, DerivativeRangeWarning)
    elif _RANGE + equation not in pending:
        pending[_RANGE + equation] = warning


#: the prefix of `warn_range`'s keys among a call's pending warnings
_RANGE = "(range) "


def warn_subnormal(equation: str, message: str) -> None:
    """Issue a `DerivativeRangeWarning` for `equation` whose derivative rule read a subnormal operand (the user's own
    x·x at 7e-160 is 4.9e-319, 17 bits): the function's value lost digits before any derivative was taken, and a
    derivative read from it (log's 1/u: 2.857146e159 for 2.857143e159) is right to a few digits only. Said whatever
    the result (it is a normal number, wrong in its sixth digit); once per public call, as `warn_domain`."""
    pending = _state.pending
    if pending is None:
        warn_user(DerivativeRangeWarning(message), DerivativeRangeWarning)
    elif _SUBNORMAL + equation not in pending:
        pending[_SUBNORMAL + equation] = DerivativeRangeWarning(message)


#: the prefix of `warn_subnormal`'s keys among a call's pending warnings
_SUBNORMAL = "(subnormal) "


def lost_terms() -> int:
    """How many terms `warn_range` has reported lost in this thread so far: a sweep compares the count before and
    after it ran to learn whether one of its own terms underflowed (differentiators/rescaled.py)."""
    return _state.lost


def say_lost_terms() -> None:
    """Make the pending `warn_range` warnings of the running public call unconditional: a term was lost where the
    result is not in float64's normal range, and rescaling could not tell that result right (a 0 may stand for a
    nonzero derivative: the lost term was the only one)."""
    for message in (_state.pending or {}).values():
        if getattr(message, "below", False):
            message.below = False


def unsay_lost_terms(mark: int) -> None:
    """Drop the running call's pending `warn_range` warnings made since `lost_terms()` was `mark`: the sweep that
    lost those terms was done again at a scale that lost none, and its result stands (differentiators/rescaled.py)."""
    pending = _state.pending
    if pending:
        for key in [k for k, m in pending.items() if getattr(m, "below", False) and getattr(m, "lost", 0) > mark]:
            del pending[key]


class trial_warnings:
    """Inside, every warning difflab would issue or collect (DomainWarnings, the conditional ones, range warnings)
    is kept aside and dropped; `.said` then tells whether one came. For a computation done again to check the first
    (a sweep rescaled, differentiators/rescaled.py): it is kept only if it said nothing, and then says nothing."""

    __slots__ = ("outer", "said")

    def __enter__(self):
        self.outer = _state.pending, _state.pending_if, lost_terms()
        _state.pending, _state.pending_if = {}, {}
        self.said = False
        return self

    def __exit__(self, *exc):
        self.said = bool(_state.pending or _state.pending_if) or lost_terms() != self.outer[2]
        _state.pending, _state.pending_if, _state.lost = self.outer


def warn_domain_unplaced(op: str, message: str) -> None:
    """Like `warn_domain`, from code that knows the op but not the user's equation (the symbolic method's
    opaque matrix functions, ops/opaque.py): within a public call it is said only if no warning naming an
    equation is, which then says it better (the trace's own value at the same matrix names `v1 = inv(v0)`)."""
    warn_domain((_UNPLACED, op), message)


#: the key of `warn_domain_unplaced`'s warnings in a call's pending ones
_UNPLACED = "(unplaced)"


class holding_domain_warnings:
    """Inside, `warn_domain` collects into the dict this yields (equation -> message) instead of issuing:
    the caller decides whether to say them (`warn_domain` each) — the numeric method's stencil points that
    left a domain and were replaced by points nearer x say nothing. (A class: it runs on every stencil.)"""

    __slots__ = ("outer", "held")

    def __enter__(self):
        self.outer, self.held = _state.pending, {}
        _state.pending = self.held
        return self.held

    def __exit__(self, *exc):
        _state.pending = self.outer


class dropping_domain_warnings:
    """Inside, DomainWarnings (and the conditional ones) are collected and dropped: for values at a made-up
    point (vmap traces an empty batch at ones of an element's shape), whose domain says nothing of the call."""

    __slots__ = ("outer",)

    def __enter__(self):
        self.outer = _state.pending, _state.pending_if
        _state.pending, _state.pending_if = {}, {}

    def __exit__(self, *exc):
        _state.pending, _state.pending_if = self.outer


def warn_domain_if_nonfinite(equation: str, message: str) -> None:
    """Like `warn_domain`, for an infinite derivative at a point the convention table covers (sqrt's
    at 0): the enclosing public call issues it only if its result holds NaN or inf. Where a strong
    zero made the result finite (the gradient of sqrt(x·x) or of the std of a constant vector is 0,
    DESIGN.md §3) nothing left a domain and nothing is said; outside a public call it is issued now."""
    pending = _state.pending_if
    if pending is None:
        warn_user(DomainWarning(message), DomainWarning)
    elif equation not in pending:
        pending[equation] = message


def _holds_nonfinite(result) -> bool:
    """Whether a public call's result (floats, arrays, tuples/lists/dicts of them) holds NaN or inf."""
    if isinstance(result, (tuple, list)):
        return any(_holds_nonfinite(r) for r in result)
    if isinstance(result, dict):
        return any(_holds_nonfinite(r) for r in result.values())
    if isinstance(result, float):
        return result != result or result in (float("inf"), float("-inf"))
    kind = getattr(getattr(result, "dtype", None), "kind", "")
    if kind in "fc" and kind:
        import numpy as np  # (numpy is loaded by then: a result holds arrays)

        return not bool(np.isfinite(result).all())
    return False


class Collector:
    """Runs public calls whose DomainWarnings are issued at the end, one per equation that left
    its op's domain (two log equations out of domain give two, each naming its own), pointing at
    the user's line; a later call on the same collector (a pullback after its vjp) does not
    repeat what it already said. Calls nested in a collecting call join it."""

    def __init__(self):
        self.said: set = set()
        #: conditional warnings of an earlier call whose result was finite: a vjp's Jacobian may hold
        #: the inf its pullback returns (the pullback's result then decides)
        self.deferred: dict = {}

    def run(self, fn, *args):
        return _collect(fn, args, self.said, self.deferred)


def _collect(fn, args, said, deferred=None, part=None):
    """fn(*args) as one public call: its DomainWarnings issued at the end, each equation once and
    none of those in `said` (a set, updated; None: a fresh one, made only if there is one to say).
    A warning registered as conditional (an infinite partial at a singular point, which a strong
    zero may cancel) is issued only if the call's result holds NaN or inf; else it is kept in
    `deferred` (a dict, updated) for a later call of the same Collector, whose result decides. `part(result)`: the
    derivative in a result that also holds values (value_and_grad's grad), which `warn_range`'s condition reads."""
    if _state.pending is not None:
        return fn(*args)
    _state.pending, _state.pending_if = {}, {}
    result = None
    try:
        result = fn(*args)
        return result
    finally:
        pending, _state.pending = _state.pending, None
        pending_if, _state.pending_if = _state.pending_if, None
        if deferred:
            pending_if = {**deferred, **pending_if}
        if pending_if and not _named(pending) and _holds_nonfinite(result):  # (a raising call says nothing of these)
            # (a user's equation that left its domain explains the NaN its derivative code then meets: psi(0) in
            # symbolic's derivative of gammaln(0), attributed to the equation its code was derived for)
            pending = {**pending_if, **pending}
        elif pending_if and deferred is not None:
            deferred.update(pending_if)
        if pending and _named(pending):  # an equation named: the unplaced say less (none pending: no call)
            pending = {key: message for key, message in pending.items() if not isinstance(key, tuple)}
        if pending:
            said = set() if said is None else said
            for equation, message in pending.items():
                if getattr(message, "below", False) and not _holds_normal(_part(part, result)):
                    continue  # the whole derivative below float64's normal range: rounded, nothing added was lost
                if equation not in said:
                    said.add(equation)
                    warning = message if isinstance(message, Warning) else DomainWarning(message)  # (warn_range's)
                    warn_user(warning, type(warning))


def _part(part, result):
    try:
        return result if part is None else part(result)
    except (TypeError, IndexError, KeyError):  # (a call that raised: no result)
        return result


def _holds_normal(result) -> bool:
    """Whether a public call's result (floats, arrays, tuples/lists/dicts of them) holds a finite entry in float64's
    normal range (|r| ≥ 2.2e-308): one that an underflowed term may have been added to (`warn_range`)."""
    if isinstance(result, (tuple, list)):
        return any(_holds_normal(r) for r in result)
    if isinstance(result, dict):
        return any(_holds_normal(r) for r in result.values())
    import numpy as np  # (loaded by then: a derivative rule ran)

    values = np.asarray(result) if isinstance(result, float) or hasattr(result, "dtype") else None
    if values is None or values.dtype.kind not in "fc":
        return False
    magnitude = np.abs(values)
    return bool(np.any((magnitude >= np.finfo(np.float64).tiny) & (magnitude < np.inf)))


def _named(pending: dict) -> bool:
    """Whether a call's pending DomainWarnings name one of the user's equations (not only `warn_domain_unplaced`'s)."""
    return any(not isinstance(key, tuple) for key in pending)


def collecting(fn, *args):
    """`fn(*args)` as one public call (see `Collector`; no Collector is made: this runs on every call)."""
    return _collect(fn, args, None)


class recorded_warnings:
    """Inside, warnings of `category` are recorded, not shown, and `.said` tells whether one came; any other warning
    is issued as it came. For a sweep whose steps are bad on purpose (an experiment's step sweep: round-off or
    truncation decides there, and the recorded fact goes into its results, not onto the terminal).

    >>> with recorded_warnings(NumericAccuracyWarning) as seen:
    ...     warnings.warn("round-off decides", NumericAccuracyWarning)
    >>> seen.said
    True
    """

    def __init__(self, category: type[Warning]):
        self.category, self.said = category, False

    def __enter__(self):
        self._catching = warnings.catch_warnings(record=True)
        self._caught = self._catching.__enter__()
        warnings.simplefilter("always", self.category)
        return self

    def __exit__(self, *exc):
        self._catching.__exit__(*exc)
        for w in self._caught:
            if issubclass(w.category, self.category):
                self.said = True
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
