"""The IR: a function as an ordered list of equations (the Wengert list, the tape).

`Var` and `Const` are the atoms, `Eqn(out, op, args, params)` one primitive application, and
`Graph(inputs, eqns, outputs)` a whole traced function. `evaluate` runs a graph with NumPy,
`evaluate_batched` runs it on a batch of inputs in one pass (each op by its registry batching
rule); `str(graph)` prints the tape and `to_dot` exports it for Graphviz.
"""

from __future__ import annotations

import functools
import math
import operator
import re
import sys
import threading
import weakref
from typing import Any, NamedTuple

import numpy as np

from .errors import warn_domain, warn_domain_if_nonfinite

try:  # NumPy's error state is a context variable (NumPy ≥ 2): set and reset directly where it is hot
    from numpy._core.umath import _extobj_contextvar, _make_extobj

    ERRSTATE: tuple | None = (_extobj_contextvar, _make_extobj)
except ImportError:  # pragma: no cover - another NumPy: np.errstate
    ERRSTATE = None

__all__ = [
    "raising",
    "quiet_overflow",
    "quiet_product",
    "raising_overflow",
    "Traced",
    "Var",
    "Const",
    "Eqn",
    "Quiet",
    "quiet_type",
    "Graph",
    "evaluate",
    "evaluate_batched",
    "to_dot",
    "Cost",
    "counting",
    "charging",
    "charge",
    "charge_work",
    "charge_backward",
    "uncharged",
    "SubGraph",
    "work",
    "backward_work",
    "gradient_work",
    "active",
    "lift_closure",
    "numbers",
    "deriving_from",
    "on_behalf",
    "picked",
    "snapshot",
    "widened",
    "frozen",
    "same_bits",
]


class raising:
    """`with raising():` is `np.errstate(invalid="raise", divide="raise")`, the sweeps' error state,
    set through NumPy's context variable (`ERRSTATE`) without np.errstate's Python layers: a fresh
    gradient enters it once per call, and np.errstate's enter and exit cost about as much as a
    NumPy call on a small array.

    >>> with raising():
    ...     np.geterr()["divide"]
    'raise'
    """

    __slots__ = ("token",)

    def __enter__(self):
        if ERRSTATE is None:  # pragma: no cover - another NumPy
            self.token = np.errstate(invalid="raise", divide="raise")
            self.token.__enter__()
        else:
            self.token = ERRSTATE[0].set(ERRSTATE[1](invalid="raise", divide="raise"))

    def __exit__(self, *exc):
        if ERRSTATE is None:  # pragma: no cover - another NumPy
            self.token.__exit__(*exc)
        else:
            ERRSTATE[0].reset(self.token)


class raising_overflow(raising):
    """`with raising_overflow():` is `np.errstate(invalid=, divide=, over=, under="raise")`, set as `raising`
    sets its state: for compiled code (compile.sweeps.Tier.run), whose overflow makes the interpreter rerun the call,
    which says a derivative term out of range as a `DerivativeRangeWarning` naming the equation (and NumPy's warning
    for the user's own equations), where the compiled code had printed NumPy's warnings from its generated lines. An
    underflow too (issue 11): compiled code cannot tell a lost term or a subnormal value from harmless rounding, and
    answered silently from the second call where the interpreter said it on the first; NumPy sets the flag anyway, so
    where nothing underflows this costs nothing, and where something does the interpreter decides, as on the first call.

    >>> with raising_overflow():
    ...     np.geterr()["over"]
    'raise'
    """

    __slots__ = ()

    def __enter__(self):
        if ERRSTATE is None:  # pragma: no cover - another NumPy
            self.token = np.errstate(invalid="raise", divide="raise", over="raise", under="raise")
            self.token.__enter__()
        else:
            self.token = ERRSTATE[0].set(ERRSTATE[1](invalid="raise", divide="raise", over="raise", under="raise"))


class quiet_overflow(raising):
    """`with quiet_overflow():` is `np.errstate(over="ignore")`, set as `raising` sets its state: for a derivative
    rule's own arithmetic, whose overflow is no user's equation's (NumPy's RuntimeWarning is for those) but a term
    out of range, which the rule says as a `DerivativeRangeWarning` (ops.core).

    >>> with quiet_overflow():
    ...     np.geterr()["over"]
    'ignore'
    """

    __slots__ = ()
    quiet: dict = {"over": "ignore"}  # (the flags set; their memo below)
    memo: list = [(None, None)]  # (the error state last seen, it with these flags quiet): made once per state in force

    def __enter__(self):
        if ERRSTATE is None:  # pragma: no cover - another NumPy
            self.token = np.errstate(**self.quiet)
            self.token.__enter__()
        else:  # (the state made once per state in force: a rule runs this per product)
            current, memo = ERRSTATE[0].get(), self.memo[0]
            if memo[0] is not current:
                memo = self.memo[0] = (current, ERRSTATE[1](**self.quiet))
            self.token = ERRSTATE[0].set(memo[1])


class quiet_product(quiet_overflow):
    """`with quiet_product():` is `np.errstate(over="ignore", invalid="ignore")`, set as `quiet_overflow` sets its
    state: for a strong product formed before its factors are looked at (ops.elementwise: 0·∞ is formed there only
    to be replaced by 0, and NaN or ±inf in the product is the only sign that a factor may not be finite).

    >>> with quiet_product():
    ...     np.geterr()["invalid"], np.geterr()["over"]
    ('ignore', 'ignore')
    """

    __slots__ = ()
    quiet = {"over": "ignore", "invalid": "ignore"}
    memo = [(None, None)]


class Traced:
    """Base of values that record into a trace (`trace.Tracer`); `ops.Op.bind` dispatches on it."""

    __slots__ = ()


class Var(tuple):
    """A value in the graph: an id, a shape and a dtype (immutable).

    Equal and hashed by identity, as an object is: two Vars of the same id, shape and dtype are two
    values (a plain tuple of its fields compared with one gets the tuple's answer; nothing does). Stored as a tuple (id, shape, dtype) so that the tracer makes one by a single C call,
    `make(id, shape, dtype)` (the tuple (id, shape, dtype) built, then `tuple.__new__`): an object with
    three slots and no setter (immutable) took `object.__new__` and three descriptor calls, about
    1.4k machine instructions more per equation and per input of a fresh trace (callgrind). A Var is not
    a pytree node nor a sequence to anyone: nothing in difflab iterates, indexes or measures one.
    """

    __slots__ = ()

    def __new__(cls, id: int, shape: tuple, dtype: Any):
        return _tuple_new(cls, (id, tuple(shape), dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)))

    # identity, not the tuple's contents (object's slots: hashing and comparing stay C calls)
    __hash__, __eq__, __ne__ = object.__hash__, object.__eq__, object.__ne__
    __lt__, __le__, __gt__, __ge__ = object.__lt__, object.__le__, object.__gt__, object.__ge__

    id = property(operator.itemgetter(0), doc="The Var's number (`v{id}` when printed).")
    shape = property(operator.itemgetter(1), doc="The value's shape (a tuple).")
    dtype = property(operator.itemgetter(2), doc="The value's NumPy dtype.")

    @classmethod
    def make(cls, id: int, shape: tuple, dtype: np.dtype) -> "Var":
        """The constructor's fast path for a tracer: shape already a tuple, dtype already a dtype."""
        return _tuple_new(cls, (id, shape, dtype))

    def __getnewargs__(self):  # (copy and pickle: the constructor's arguments)
        return tuple(self)

    def __repr__(self):
        return f"v{self.id}"

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def aval(self):
        return f"{_dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"


_tuple_new = tuple.__new__


class Const(NamedTuple):
    """A constant operand: a closed-over array or Python number (or an outer trace's value)."""

    value: Any

    def __repr__(self):
        v = self.value
        if isinstance(v, np.ndarray) and v.size > 4:
            return f"const{_dtype_name(v.dtype)}[{','.join(map(str, v.shape))}]"
        if isinstance(v, np.ndarray):
            return np.array2string(v, precision=4, separator=",")
        if isinstance(v, (float, np.floating)):
            return repr(float(v))
        return repr(v)


#: Arrays of at least this many bytes that a graph keeps as constants are `snapshot`s, one copy shared by the read
#: checks (compile.reads), the trace's constant and every graph traced from it (a gradient's, the compiled code's):
#: an MLP's closed-over weights were held four times (the read checks' bytes, the trace's copy, the gradient trace's
#: copy of that, and its copies of their transposes). A smaller one is copied by each trace (cheaper than registered).
SHARED_BYTES = 1 << 12
_SNAPSHOTS: dict = {}  # id(snapshot) -> (weak reference to it,)
_LATEST: dict = {}  # id(a caller's array) -> (weak reference to it, weak reference to its latest snapshot)
_WIDENED: dict = {}  # (id(a snapshot), dtype) -> (weak reference to it, weak reference to its widened snapshot)


def snapshot(a: np.ndarray) -> np.ndarray:
    """A read-only copy of the array `a` (C order), the same object for every later call while `a` holds the same
    shape, dtype and bits: a constant the caller may later change in place is copied once, however many checks
    and graphs keep it. No difflab code writes into it (read-only; `frozen` says so of it and of its views).

    >>> a = np.arange(1024.0)
    >>> s = snapshot(a)
    >>> snapshot(a) is s, s.flags.writeable, frozen(s.T[::2])
    (True, False, True)
    >>> a[3] = -1.0
    >>> snapshot(a) is s, float(s[3])
    (False, 3.0)
    """
    if frozen(a):  # (a snapshot, or a view of one: read by a function traced again)
        return a
    key = id(a)
    entry = _LATEST.get(key)
    if entry is not None and entry[0]() is a:
        snap = entry[1]()
        if snap is not None and snap.shape == a.shape and snap.dtype == a.dtype and same_bits(a, snap):
            return snap
    snap = _frozen_copy(a)
    try:
        owner = weakref.ref(a, lambda r, key=key, table=_LATEST, drop=_drop: drop(table, key, r))
    except TypeError:  # (not weakly referable: not remembered)
        return snap
    _LATEST[key] = (owner, weakref.ref(snap))
    return snap


def widened(c: np.ndarray, dtype) -> np.ndarray:
    """`c.astype(dtype)`, made once per `snapshot` c (a float32 constant widened for each float64 equation that
    reads it: trace._widen_constants) and itself frozen, so that a gradient traced from the graph keeps it as is."""
    if not (type(c) is np.ndarray and c.base is None and c.nbytes >= SHARED_BYTES and frozen(c)):
        return c.astype(dtype)
    key = (id(c), np.dtype(dtype))
    entry = _WIDENED.get(key)
    wide = entry[1]() if entry is not None and entry[0]() is c else None
    if wide is None:
        wide = _frozen_copy(c, dtype)
        _WIDENED[key] = (
            weakref.ref(c, lambda r, key=key, table=_WIDENED, drop=_drop: drop(table, key, r)),
            weakref.ref(wide),
        )
    return wide


def _drop(table: dict, key, ref) -> None:  # (bound as a default: at shutdown the module's globals may be None)
    if table.get(key, (None,))[0] is ref:
        table.pop(key, None)


def _frozen_copy(a: np.ndarray, dtype=None) -> np.ndarray:
    snap = a.copy() if dtype is None else a.astype(dtype)
    snap.setflags(write=False)
    k = id(snap)
    _SNAPSHOTS[k] = (weakref.ref(snap, lambda r, k=k, table=_SNAPSHOTS, drop=_drop: drop(table, k, r)),)
    return snap


def frozen(a: np.ndarray) -> bool:
    """Whether `a` is a `snapshot` or a view of one: contents no one changes, kept as a constant without a copy."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    entry = _SNAPSHOTS.get(id(a))
    return entry is not None and entry[0]() is a


_U8, _U64 = np.dtype(np.uint8), np.dtype(np.uint64)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays of one shape and dtype hold the same bits (NaN equal to itself, -0.0 not 0.0), compared
    in place (`a.tobytes() == b.tobytes()` copies both): one pass and a boolean array of an eighth of their bytes;
    as fast as `a.tobytes() == recorded_bytes` from 64 KiB, faster above (1.5 MiB: ~0.75 ms against ~1.2 ms).

    >>> same_bits(np.array([np.nan, 0.0]), np.array([np.nan, 0.0])), same_bits(np.zeros(2), -np.zeros(2))
    (True, False)
    """
    t = _U64 if a.nbytes % 8 == 0 else _U8
    return not (a.ravel().view(t) != b.ravel().view(t)).any()  # (ravel: a view of a C-contiguous array)


class Eqn(NamedTuple):
    """`out = op(*args, **params)`; `op` is the registry entry (an `ops.Op`).

    `source`: the user's equation this one was derived from, None for the user's own. An equation
    recorded while an interpreter evaluated an equation on traced values, or ran its derivative
    rule (a nested derivative: a Hessian, numeric under vmap), comes from that equation's source;
    a DomainWarning names the source, once per public call, however many copies left the domain.
    """

    out: Var
    op: Any
    args: tuple
    params: tuple = ()  # sorted (name, value) pairs: plain, ordered, hashable
    source: Any = None  # an Eqn (the user's), or None

    @property
    def origin(self) -> "Eqn":
        """The user's equation: `source`, or this equation itself."""
        return self if self.source is None else self.source

    @property
    def kw(self) -> dict:
        return dict(self.params)

    def __str__(self):
        args = ", ".join(map(repr, self.args))
        params = "".join(f", {k}={v!r}" for k, v in self.params)
        return f"{self.out!r} = {self.op.name}({args}{params}) : {self.out.aval}"


class Quiet(Eqn):
    """A user's equation recorded under their own `np.errstate` ignoring both 'divide' and 'invalid' (`ignored`):
    its value outside its op's domain is NumPy's NaN or inf, as silent as NumPy's own answer to the user was (the
    untaken branch of `np.where(z == 0, 1, z / xz)`); no DomainWarning for that value. Its derivatives are judged
    as any equation's. `QuietDivide` and `QuietInvalid` ignore one of the two (`quiet_type` picks).

    >>> Quiet(Var(0, (), np.dtype(np.float64)), None, ()).ignored == {"divide", "invalid"}
    True
    """

    __slots__ = ()
    ignored = frozenset({"divide", "invalid"})


class QuietDivide(Quiet):
    __slots__ = ()
    ignored = frozenset({"divide"})


class QuietInvalid(Quiet):
    __slots__ = ()
    ignored = frozenset({"invalid"})


def quiet_type(err: dict) -> type:
    """The equation type of a user's equation recorded under NumPy's error settings `err` (np.geterr()'s dict):
    a `Quiet` one where they ignore division by zero or invalid values, else `Eqn`.

    >>> quiet_type({"divide": "ignore", "invalid": "warn"}).__name__, quiet_type(np.geterr()).__name__
    ('QuietDivide', 'Eqn')
    """
    divide, invalid = err["divide"] == "ignore", err["invalid"] == "ignore"
    return (Quiet if invalid else QuietDivide) if divide else QuietInvalid if invalid else Eqn


def _silenced(origin: Eqn, err) -> bool:
    """Whether the user silenced NumPy's error `err` on their equation `origin` (a `Quiet` one)."""
    said = str(err)
    kind = "divide" if said.startswith("divide by zero") else "invalid" if said.startswith("invalid value") else None
    return kind in origin.ignored


#: the classes whose reflected operator `tracer + o` defers to (difflab.numpy.ma.MaskedArray: NumPy's ndarray defers
#: to an operand with its own __array_ufunc__ so; a set, the check one lookup on the tracer operators' slow path)
DEFERS_TO: set = set()


class Why:
    """What specialised a trace to its input values (a trace's and graph's `specialised`: one of these, truthy,
    or False): what read a traced value's number, that value's Var and the equations it may come from, and the
    user's line; said in words only when an error names it (prepare's). `rows`: a derivative's decision (numeric's
    NaN where a partial is infinite), not the user's control flow: vmap then answers each row alone, as f does."""

    __slots__ = ("what", "var", "eqns", "line", "rows")

    def __init__(self, what, var=None, eqns=(), line=None, rows=False):
        self.what, self.var, self.eqns, self.line, self.rows = what, var, eqns, line, rows

    def __bool__(self):
        return True

    def within(self, whose: str) -> "Why":
        """The same cause, said as `whose`'s (an inner trace's, a batched function's)."""
        return Why(f"{whose} {self.what}", self.var, self.eqns, self.line, self.rows)

    def __str__(self):
        made = next((e for e in reversed(self.eqns) if e.out is self.var), None) if self.var is not None else None
        of = f" of `{str(made).split(' :')[0]}`" if made is not None else (f" of {self.var!r}" if self.var else "")
        return f"{self.what}{of}" + (f" at {self.line[0]}:{self.line[1]}" if self.line else "")


def specialise(x, what, rows=False) -> None:
    """Mark the trace of the traced value x specialised to its input values, `what` (the op or construct that
    read x's number: "bool() (an if or while on it)", "numpy.argmax") named, with the user's line, if first.
    `rows`: a derivative's decision on x's numbers (`Why.rows`)."""
    t = x._trace
    if t.specialised:
        return
    if isinstance(what, tuple):  # (whose, the Why of a nested trace)
        t.specialised = what[1].within(what[0]) if isinstance(what[1], Why) else Why(f"{what[0]} branch")
        return
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] in ("numpy", "scipy", "difflab"):
        frame = frame.f_back
    line = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None
    t.specialised = Why(what, x.node, t.eqns, line, rows)


class Graph(NamedTuple):
    """A traced function: its input Vars, its equations in execution order and its outputs.

    `specialised` is truthy (a `Why`, naming what did) when value-dependent control flow was taken during
    tracing: the graph is then only valid at the traced input values and is never reused for others.
    """

    inputs: tuple
    eqns: tuple
    outputs: tuple
    specialised: Any = False

    def __str__(self):
        head = "{ lambda " + " ".join(f"{v!r}:{v.aval}" for v in self.inputs) + " ."
        body = [f"    {e}" for e in self.eqns]
        tail = "  in (" + ", ".join(map(repr, self.outputs)) + ") }"
        note = ["  # specialised to its input values (value-dependent control flow)"] if self.specialised else []
        return "\n".join([head, *body, tail, *note])

    def __repr__(self):
        return f"<Graph: {len(self.inputs)} inputs, {len(self.eqns)} eqns, {len(self.outputs)} outputs>"

    def _repr_pretty_(self, p, cycle):  # IPython shows the tape
        p.text(str(self))

    @property
    def closes_over_tracers(self) -> bool:
        """True when a constant is a value of an enclosing trace (nested differentiation)."""
        return any(isinstance(a, Const) and isinstance(a.value, Traced) for e in self.eqns for a in e.args)


class Cost:
    """What running a graph cost, counted as it runs: `evals` evaluations of the function, `eqns`
    equations executed and `elements` array elements those equations produced. A batched run of
    B points counts B times each: the work of B evaluations, done in one call.

    The rule: one unit W = `work(graph)`, the equations of the differentiated function's tape (the graph a
    method prepared; for a Hessian, the traced derivative the outer method differentiates), an equation that
    runs a sub-graph (a checkpoint) counted as the sub-graph's equations; charged the same by the interpreters
    and the compiled tier, however the code that ran was written (a lowered sweep's own lines are not the unit):

        f evaluated at a point (numeric's stencils, `value`)    W per point (a graph run in f's stead, numeric's f
                                                                with its pieces held, is charged as f: W)
        a forward sweep carrying k tangents (a chunk of k)      k·W (the primal rides along): a Jacobian n·W
        reverse: the forward sweep                              W
                 each backward sweep (one cotangent pulled)     B = W + each checkpoint's interior run again,
                                                                reached by a cotangent or not
                                                                (a gradient W + B; a Jacobian W + m·B)
        the symbolic method's closed-form code                  no tape: 0, one evaluation a product (the values
                                                                of f its terms read included); f's graph run by
                                                                the interpreter instead (a non-finite input) W

    Second order is the first-order rule applied to W_g, the tape of the gradient the inner method traced: a
    Hessian by (outer, inner) is the outer method's Jacobian of it (forward n·W_g, reverse W_g + n·B_g, numeric
    W_g per point), H v forward over reverse one tangent (W_g), reverse over reverse the gradient of <∇f, v>'s
    tape, numeric 3·W_g; symbolic's Hessian 1 evaluation, 0 equations. A fresh call and a reused one charge alike.

    `elements` follows the same rule with each equation's output size; `evals` counts evaluations of f
    (forward: sweeps). Building code executes nothing and is not charged: tracing f, a sweep to lower it, or
    the derivative an outer method differentiates (the inner gradient run on tracers at a Hessian's fresh call);
    a sweep run again (a suspect result's rerun) is charged again; reverse's first gradient, on the values
    recorded while tracing, runs its backward sweep alone (W).

    Every prepared object owns one (`prepared.cost`) and charges it while it works; a caller may
    open its own with `counting()`. Costs add and subtract field by field.

    >>> Cost(evals=1, eqns=3, elements=7) + Cost(eqns=2)
    Cost(evals=1, eqns=5, elements=7)
    """

    __slots__ = ("evals", "_eqns", "_elements", "_pending")

    def __init__(self, evals: int = 0, eqns: int = 0, elements: int = 0):
        self.evals, self._eqns, self._elements = evals, eqns, elements
        self._pending: list | None = None  # graphs charged by `charge_work`, counted when a count is read

    def _settle(self) -> None:
        # (a fresh scalar gradient charges its tape's work at every call and no one reads it: counting the 66
        # equations' elements there was 12 µs of a 72 µs call; a cost read settles what it was charged)
        pending, self._pending = self._pending, None
        for graph in pending or ():
            e, n = backward_work(graph[0]) if type(graph) is tuple else work(graph)  # ((graph,): `charge_backward`)
            self._eqns += e
            self._elements += n

    @property
    def eqns(self) -> int:
        if self._pending:
            self._settle()
        return self._eqns

    @eqns.setter
    def eqns(self, value: int) -> None:
        if self._pending:
            self._settle()
        self._eqns = value

    @property
    def elements(self) -> int:
        if self._pending:
            self._settle()
        return self._elements

    @elements.setter
    def elements(self, value: int) -> None:
        if self._pending:
            self._settle()
        self._elements = value

    def as_dict(self) -> dict:
        return {"evals": self.evals, "eqns": self.eqns, "elements": self.elements}

    def copy(self) -> "Cost":
        return Cost(self.evals, self.eqns, self.elements)

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.evals + other.evals, self.eqns + other.eqns, self.elements + other.elements)

    def __sub__(self, other: "Cost") -> "Cost":
        return Cost(self.evals - other.evals, self.eqns - other.eqns, self.elements - other.elements)

    def __floordiv__(self, k: int) -> "Cost":
        return Cost(self.evals // k, self.eqns // k, self.elements // k)

    def __eq__(self, other):
        return isinstance(other, Cost) and self.as_dict() == other.as_dict()

    __hash__ = None  # mutable

    def __repr__(self):
        return f"Cost(evals={self.evals}, eqns={self.eqns}, elements={self.elements})"


# The costs being charged by the work this thread is doing now, outermost first. Not a counter:
# each Cost belongs to whoever opened it (a prepared object while one of its products runs, a
# caller's `counting()`), and work nested inside several is charged to each of them.
class _Charging(threading.local):
    costs: tuple = ()  # a class default: reading it in a fresh thread raises nothing (see _Deriving)


_charging = _Charging()

# One entry per cost added to a thread's `_charging.costs` and not yet taken off, on any thread (list.append
# and list.pop are atomic under the GIL): empty, no thread is charging any, and a prepared call's common case
# skips reading the thread-local (a tenth of its cost: a thread-local attribute is ~950 instructions, this
# ~30). Whoever sets `_charging.costs` longer appends first and pops after setting it back.
charging_open: list = []


class charging:
    """`with charging(cost):` charges `cost` with the work this thread does inside (nested scopes
    are charged too); re-entering a cost already being charged changes nothing."""

    __slots__ = ("cost", "outer", "added")

    def __init__(self, cost: Cost):
        self.cost = cost

    def __enter__(self) -> Cost:
        self.outer = outer = _charging.costs
        self.added = False
        cost = self.cost
        for c in outer:
            if c is cost:
                return cost
        charging_open.append(None)
        self.added = True
        _charging.costs = outer + (cost,)
        return cost

    def __exit__(self, *exc):
        _charging.costs = self.outer
        if self.added:
            self.added = False
            if charging_open:  # (an object entered once and exited twice pops no other scope's entry twice)
                charging_open.pop()


class uncharged:
    """`with uncharged():` the work this thread does inside charges no cost (building code, or a sweep whose
    caller charges its work by `Cost`'s rule instead of what the code it ran was written as)."""

    __slots__ = ("outer",)

    def __enter__(self):
        self.outer = _charging.costs
        _charging.costs = ()

    def __exit__(self, *exc):
        _charging.costs = self.outer


def counting() -> charging:
    """A fresh `Cost` charged with the work done inside the block on this thread.

    >>> import difflab as dl
    >>> g = dl.trace(lambda x: x * x + 1.0, 2.0)
    >>> with counting() as cost:
    ...     _ = evaluate(g, 3.0)
    >>> cost
    Cost(evals=0, eqns=2, elements=2)
    """
    return charging(Cost())


def charge(eqns: int = 0, elements: int = 0, evals: int = 0):
    """Add work to every cost being charged on this thread (nothing, if none is)."""
    for c in _charging.costs:
        c._eqns += eqns  # (additive: what a cost has pending stays pending)
        c._elements += elements
        c.evals += evals


#: graphs a cost holds uncounted at most (a counting() block around a loop of fresh gradients keeps no more tapes)
_PENDING = 64


def charge_work(graph: Graph) -> None:
    """`charge(*work(graph))`, counted when the cost is read (`Cost.eqns`, `.elements`): one sweep over the tape."""
    for c in _charging.costs:
        if c._pending is None:
            c._pending = [graph]
        else:
            c._pending.append(graph)
            if len(c._pending) >= _PENDING:
                c._settle()


def charge_backward(graph: Graph) -> None:
    """`charge(*backward_work(graph))`, counted when the cost is read: one backward sweep over the tape (`Cost`'s rule:
    each checkpoint's interior run again is charged here, whether or not a cotangent reached it)."""
    for c in _charging.costs:
        if c._pending is None:
            c._pending = [(graph,)]
        else:
            c._pending.append((graph,))
            if len(c._pending) >= _PENDING:
                c._settle()


def charge_to(cost: Cost, eqns: int, elements: int, evals: int):
    """`with charging(cost): charge(eqns, elements, evals)` in one call: `cost` and every other
    cost being charged on this thread, each once (a prepared call's whole cost, counted ahead)."""
    cost._eqns += eqns
    cost._elements += elements
    cost.evals += evals
    if not charging_open:  # (no thread charges another cost)
        return
    for c in getattr(_charging, "costs", ()):
        if c is not cost:
            c._eqns += eqns
            c._elements += elements
            c.evals += evals


def elements(graph: Graph) -> int:
    """Array elements the graph's equations produce in one evaluation."""
    # (C calls only, no generator frame per equation: a fresh scalar gradient charges its tape at every call)
    return sum(map(math.prod, map(_VAR_SHAPE, map(_EQN_OUT, graph.eqns))))


_EQN_OUT, _EQN_PARAMS, _VAR_SHAPE = operator.attrgetter("out"), operator.attrgetter("params"), operator.itemgetter(1)


class SubGraph:
    """The base of an equation parameter that runs a sub-graph (`graph`): a checkpoint's interior. `work`
    finds them by type (a getattr(p, "graph", None) on every parameter of a fresh gradient's tape built and
    dropped an AttributeError each: +8 % instructions on a scalar net's fresh call)."""

    __slots__ = ()
    graph: Graph


def _subs(eqn) -> list:
    return [p.graph for _, p in eqn.params if isinstance(p, SubGraph)]


def subgraphs(graph: Graph) -> list:
    """The sub-graphs `graph`'s equations run (a checkpoint's interior: a parameter holding a `.graph`)."""
    return [sub for e in graph.eqns if e.params for sub in _subs(e)]


def work(graph: Graph) -> tuple[int, int]:
    """(equations, elements) one evaluation of `graph` runs (`Cost`'s unit, a sweep's per tangent): each equation
    once, an equation that runs a sub-graph (a checkpoint) as that sub-graph's equations (its output is the
    interior's last value: a checkpointed f counts as f)."""
    eqns, elems = len(graph.eqns), elements(graph)
    for e in filter(_EQN_PARAMS, graph.eqns):  # (most equations hold no parameter: skipped by C calls)
        for sub in _subs(e):
            w = work(sub)
            eqns, elems = eqns + w[0] - 1, elems + w[1] - math.prod(e.out.shape)
    return eqns, elems


def backward_work(graph: Graph) -> tuple[int, int]:
    """(equations, elements) of one backward sweep over `graph` (`Cost`'s rule): the tape's, and each checkpoint's
    interior run again."""
    eqns, elems = work(graph)
    for sub in subgraphs(graph):
        e, n = work(sub)
        eqns, elems = eqns + e, elems + n
    return eqns, elems


def gradient_work(graph: Graph) -> tuple[int, int]:
    """(equations, elements) of a reverse gradient (`Cost`'s rule): the forward sweep and one backward sweep."""
    (e1, n1), (e2, n2) = work(graph), backward_work(graph)
    return e1 + e2, n1 + n2


def picked(seq, idx: tuple) -> list | tuple:
    """`[seq[i] for i in idx]` (a tuple where idx has two or more entries) by one C call: a scalar net's gradient
    picks its 37 weights out of 40 inputs twice per fresh call, where `map(seq.__getitem__, idx)` paid a
    method-wrapper call per entry (callgrind: about a third of those lines' instructions).

    Shape contract: one entry per index, in `idx`'s order.

    >>> picked([10.0, 11.0, 12.0], (0, 2)), picked([10.0, 11.0], (1,)), picked([10.0], ())
    ((10.0, 12.0), [11.0], [])
    """
    n = len(idx)
    return operator.itemgetter(*idx)(seq) if n > 1 else [seq[idx[0]]] if n else []


def read(env: dict, atom):
    return atom.value if isinstance(atom, Const) else env[atom]


def evaluate(graph: Graph, *args, env: dict | None = None, opened: bool = False, for_rules: bool = False):
    """Run `graph` on concrete inputs with NumPy; returns the tuple of output values.

    Args may be arrays or (for nested differentiation) tracers of an enclosing trace; each
    primitive is applied through its registry entry. If `env` is given it receives every value,
    each as its equation made it, unless `for_rules`: then the equations' rules are its only readers
    (reverse's sweep), and a value they never read (`Op.unread`) may be overwritten by a later write.
    `opened`: an op with an `opened` form records that instead (reverse's sweep on traced values).
    An op with an `in_place` form writes into a buffer this evaluation made and alone holds
    (`_Writes`): a loop of n item writes costs O(n), not O(n²).

    >>> import difflab as dl
    >>> g = dl.trace(lambda x, y: x * y + 1.0, 2.0, 3.0)
    >>> [float(y) for y in evaluate(g, 2.0, 5.0)]
    [11.0]
    """
    if not isinstance(graph, Graph):  # (else "'function' object has no attribute 'inputs'")
        raise TypeError(f"evaluate takes a Graph (difflab.trace(f, *args) makes one), got {type(graph).__name__}")
    if len(args) != len(graph.inputs):
        raise TypeError(f"graph takes {len(graph.inputs)} inputs, got {len(args)}")
    if env is not None and not isinstance(env, dict):  # (env="a" was "'str' object does not support item assignment")
        raise TypeError(f"evaluate's env must be a dict (it receives every value) or None, got {type(env).__name__}")
    writes = _Writes.of(graph, for_rules) if env is None or for_rules else None
    env = {} if env is None else env
    for k, (var, x) in enumerate(zip(graph.inputs, args)):
        if type(x) is float:  # (the common arguments first: no np.shape of a Python float, which makes an array)
            if var.shape:
                _wrong_input(k, var, x)
        elif type(x) is np.ndarray or isinstance(x, Traced):
            if x.shape != var.shape:
                _wrong_input(k, var, x)
        else:
            refuse_array_subclass(x, "evaluates")  # (a numpy.matrix's sum was matrix([[30.]]) for a () output)
            _wrong_input(k, var, x, check=True)
        env[var] = x
    with np.errstate(invalid="raise", divide="raise"):
        if writes is None:
            for eqn in graph.eqns:
                fn = eqn.op.opened if opened and eqn.op.opened is not None else eqn.op.bind
                env[eqn.out] = guarded(eqn, fn, *[read(env, a) for a in eqn.args], **eqn.kw)
        else:
            for k, eqn in enumerate(graph.eqns):
                fn = eqn.op.opened if opened and eqn.op.opened is not None else eqn.op.bind
                env[eqn.out] = writes.run(eqn, k, fn, [read(env, a) for a in eqn.args])
    charge(*work(graph))
    return tuple(read(env, v) for v in graph.outputs)


class _Writes:
    """`evaluate`'s writes in place: an op with an `in_place` form (setitem) writes into its first argument's
    buffer where this evaluation made that buffer (an earlier write's, into a private copy: never a caller's
    array or a constant), nothing else holds or views it (a value that may view it ends that), no later
    equation reads it, nor this one twice, and it is no output; `for_rules`, also where no rule reads it, nor its
    maker's rules their output (`Op.unread`). Elsewhere the op writes into a private copy, as its `impl` does:
    the numbers are the same either way. (differentiators/owned.py: the sweeps' twin.)"""

    __slots__ = ("last", "seen", "mine", "rules")

    @staticmethod
    def of(graph: Graph, for_rules: bool):
        """The writes of one evaluation of `graph`, or None where it has no op to write in place."""
        return _Writes(graph, for_rules) if any(e.op.in_place is not None for e in graph.eqns) else None

    def __init__(self, graph: Graph, for_rules: bool):
        self.last: dict = {}  # Var -> the index of the last equation reading it
        self.seen = {o for o in graph.outputs if type(o) is Var}  # Vars never overwritten: outputs, read by rules
        for k, eqn in enumerate(graph.eqns):
            for p, a in enumerate(eqn.args):
                if type(a) is Var:
                    self.last[a] = k
                    if for_rules and p not in eqn.op.unread:
                        self.seen.add(a)
        self.mine: set = set()  # Vars whose value is a buffer this evaluation made and alone holds
        self.rules = for_rules

    def run(self, eqn: Eqn, k: int, fn, vals: list):
        """Equation k's value: written in place where it may be (`mine` updated), else by `fn`."""
        op, mine = eqn.op, self.mine
        v = vals[0] if vals else None
        if (
            op.in_place is None
            or fn is op.opened  # (recording an opened form)
            or type(v) is not np.ndarray
            or v.ndim == 0
            or v.dtype.kind not in "fc"
            # a traced value written into an array of ours: recorded by fn (NumPy's y[i] = v would convert it;
            # was linearize's jvp_fn of a setitem graph under an outer grad: "converts a traced value")
            or any(isinstance(a, Traced) for a in vals[1:])
        ):
            out = guarded(eqn, fn, *vals, **eqn.kw)
            if mine:  # a value that may view a buffer of ours: that buffer is no longer ours alone
                for a, b in zip(eqn.args, vals):
                    if type(a) is Var and a in mine and views(out, b):
                        mine.discard(a)
            return out
        y = eqn.args[0]
        ours = (
            type(y) is Var
            and y in mine
            and self.last[y] == k
            and y not in self.seen
            and sum(a is y for a in eqn.args) == 1
        )
        buf = v if ours else np.array(v, copy=True)  # (a private copy: impl's own first step)
        out = guarded(eqn, op.in_place, buf, *vals[1:], **eqn.kw)
        if ours:
            mine.discard(y)
        if out is buf and not (self.rules and -1 not in op.unread):
            mine.add(eqn.out)
        return out


def views(r, b) -> bool:
    """Whether r (a value just computed) may view the array b: a number does not; anything else but an array
    that shares no memory with b may (the interpreters' ownership: `_Writes`, differentiators/owned.py).

    >>> b = np.zeros(4); views(b[1:], b), views(b[1:].copy(), b), views(2.0, b)
    (True, False, False)
    """
    if r is None or type(b) is not np.ndarray or isinstance(r, (float, int, complex, np.generic)):
        return False
    return type(r) is not np.ndarray or np.may_share_memory(r, b)


def refuse_array_subclass(x, does="differentiates"):
    """A masked float array is refused (as JAX does): its traced first call differentiates the data under the
    mask, a later call's arithmetic is NumPy's masked one (a masked result, a 0 or a partial derivative in the
    masked entries), so no answer would be the same twice. A numpy.matrix too: its operators are not ndarray's."""
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"an argument is a numpy.ma.MaskedArray of shape {x.shape}: difflab {does} plain arrays and "
            "cannot keep a mask; pass x.filled(value) (or numpy.asarray(x) to use the data under the mask)"
        )
    if isinstance(x, np.matrix):  # its * and ** are matrix products, traced as ndarray's elementwise ones:
        # grad(sum(M * M)) at np.matrix([[1, 2], [3, 4]]) was the 2M of the value 30, where NumPy's f(M) is 54
        raise TypeError(
            f"an argument is a numpy.matrix of shape {x.shape}: difflab {does} plain arrays, whose * and ** are "
            "elementwise (numpy.matrix's are matrix products); pass numpy.asarray(x) and write x @ x for a product"
        )


def _wrong_input(k, var, x, check=False):
    """Raise for evaluate's argument k (graph input `var`) of another shape than traced (NumPy would broadcast
    it silently) or no number (NumPy's own error would name no input); with `check`, return where it is fine."""
    if check and np.asarray(x).dtype.kind not in "biufc":
        raise TypeError(f"graph input {k} ({var!r}) got a {type(x).__name__}, not a number or numeric array")
    if not check or _shape(x) != var.shape:
        raise ValueError(
            f"graph input {k} ({var!r}) was traced with shape {var.shape}, got an argument of shape "
            f"{_shape(x)}; trace the function again at this shape"
        )


def evaluate_batched(graph: Graph, *args, batched, domain: str = "warn"):
    """Run `graph` on a batch of inputs at once; returns the tuple of output values.

    args[i] carries a leading batch axis (the same size B for all) iff batched[i]; the others are
    shared by every batch element. Each output carries the batch axis: output k of element b is
    what `evaluate` gives for the inputs of element b. Ops on unbatched values only run once.
    Args may be values of an enclosing trace (vmap or chunked forward mode inside a derivative):
    each equation then records once, batched by its op's batching rule, not once per element.
    A value leaving an op's domain gives NaN/inf and a `DomainWarning` naming the equation, or,
    with `domain="raise"`, the FloatingPointError (a caller that re-runs with its own interpreter;
    on traced values, found by a dry run on their numbers before anything is recorded).

    >>> import difflab as dl
    >>> g = dl.trace(lambda x, y: x * y + 1.0, 2.0, 3.0)
    >>> evaluate_batched(g, np.array([1.0, 2.0, 3.0]), 5.0, batched=(True, False))[0].tolist()
    [6.0, 11.0, 16.0]
    """
    if len(args) != len(graph.inputs) or len(batched) != len(args) or not any(batched):
        raise TypeError(
            f"graph takes {len(graph.inputs)} inputs with at least one batched; got {len(args)} "
            f"inputs, batched={tuple(batched)}"
        )
    size = next(_shape(x)[0] for x, b in zip(args, batched) if b)
    if domain == "raise" and any(isinstance(x, Traced) for x in args) and not graph.closes_over_tracers:
        # a dry run on the numbers raises where recording would (and leaves no dead equations)
        evaluate_batched(graph, *numbers(args), batched=batched, domain="raise")
        domain = "warn"  # recorded: each equation remembers its origin (`guarded`)
    if graph.specialised:  # its branches hold for these values only: so do an enclosing trace's
        for x in args:
            if isinstance(x, Traced):
                specialise(x, ("a batched function's", graph.specialised))
    env = dict(zip(graph.inputs, args))
    hot = {var for var, b in zip(graph.inputs, batched) if b}  # the values that carry the batch axis
    call = guarded if domain == "warn" else lambda eqn, fn, *values, **kw: fn(*values, **kw)
    with np.errstate(invalid="raise", divide="raise"):
        for eqn in graph.eqns:
            flags = tuple(isinstance(a, Var) and a in hot for a in eqn.args)
            values = [read(env, a) for a in eqn.args]
            if any(flags):
                env[eqn.out] = call(eqn, eqn.op.batched, flags, *values, **eqn.kw)
                hot.add(eqn.out)
            else:  # (bind: on values of an enclosing trace it records, as the batching rules do)
                env[eqn.out] = call(eqn, eqn.op.bind, *values, **eqn.kw)
    eqns, elems = work(graph)
    charge(size * eqns, size * elems)
    outs = [read(env, v) for v in graph.outputs]
    # (np.broadcast_to reaches a traced value's own broadcast_to through NumPy's dispatch)
    return tuple(
        y if isinstance(v, Var) and v in hot else np.broadcast_to(y, (size,) + _shape(y))
        for y, v in zip(outs, graph.outputs)
    )


def _shape(x) -> tuple:
    return x.shape if isinstance(x, (np.ndarray, Traced)) else np.shape(x)


def numbers(values) -> list:
    """The numbers behind values of enclosing traces (a dry run's arguments); others as they are."""
    return [x.concrete if isinstance(x, Traced) else x for x in values]


#: thread id -> the user's equation whose evaluation or rule is running in that thread (`on_behalf`);
#: a thread running none has no entry, so while none does the dict is empty and a trace recording
#: an equation reads `deriving_from()`'s answer as `_ORIGINS.get(_get_ident()) if _ORIGINS else None`
#: without a call (a thread-local's attribute read was ~600 instructions per recorded equation)
_ORIGINS: dict = {}
_get_ident = threading.get_ident


#: threads running a difflab.numpy function whose constants are its own (pad's zeros, quantile's weights):
#: weak in NumPy's promotion of float32 arguments, as a Python float is (`library_constants`)
_LIBRARY: set = set()


class library_constants:
    """`with library_constants():` in a difflab.numpy function: the NumPy constants it records are its own,
    made in float64 because the arguments are traced in float64, where NumPy would make them in the
    argument's dtype; they do not promote a float32 argument's value to float64 (boundary.out_dtypes)."""

    def __enter__(self):
        self.me = _get_ident()
        self.outer = self.me in _LIBRARY
        _LIBRARY.add(self.me)

    def __exit__(self, *exc):
        if not self.outer:
            _LIBRARY.discard(self.me)


def deriving_from():
    """The user's equation (an Eqn) whose evaluation or derivative rule is running in this thread,
    or None: the `source` of any equation recorded now (`trace.Trace.record` asks)."""
    return _ORIGINS.get(_get_ident()) if _ORIGINS else None


def on_behalf(eqn: Eqn, fn, *args, **kw):
    """fn(*args, **kw) for `eqn` (its op, or one of its rules): what it records into a trace
    remembers `eqn`'s origin as its source."""
    me = _get_ident()
    before = _ORIGINS.get(me)
    _ORIGINS[me] = eqn if eqn.source is None else eqn.source  # (eqn.origin, without its call)
    try:
        return fn(*args, **kw)
    finally:
        if before is None:
            del _ORIGINS[me]
        else:
            _ORIGINS[me] = before


#: the origin of equations that only combine a function's values (numeric's stencils recorded on
#: traced values): a NaN or inf in them came from the function's own equations, which report it
FROM_VALUES = Eqn(Var(-1, (), np.dtype(np.float64)), None, ())


def combining_values(fn):
    """Decorate a function that combines f's values (a stencil): what it records has the origin
    `FROM_VALUES`, so it never reports the NaN or inf it is handed."""

    @functools.wraps(fn)
    def combining(*args, **kw):
        return on_behalf(FROM_VALUES, fn, *args, **kw)

    return combining


def guarded(eqn: Eqn, fn, *args, **kw):
    """Call `fn` for `eqn`; a NaN or inf born outside an op's domain becomes a `DomainWarning`
    naming the user's equation it came from (`Eqn.origin`).

    Callers run under `np.errstate(invalid="raise", divide="raise")`, so NumPy reports the first
    bad value here, where the equation is known, instead of as an anonymous RuntimeWarning.
    """
    try:
        out = on_behalf(eqn, fn, *args, **kw)
        if type(out) is not complex:
            return out
        err = "a complex value from real arguments"
    except ArithmeticError as exc:  # NumPy's FloatingPointError; ZeroDivisionError etc. on Python floats
        err = exc
    except np.linalg.LinAlgError as exc:  # LAPACK refuses a NaN/inf entry (svd, eigh): NaN, as NumPy's ufuncs give
        if not any(_non_finite(a) for a in args):
            return _refused(eqn, fn, args, kw, exc)
        finite = [stand_in(a) if _non_finite(a) else a for a in args]
        return np.full_like(np.asarray(on_behalf(eqn, fn, *finite, **kw), dtype=float), np.nan)
    with np.errstate(all="ignore"):  # again with NumPy's arithmetic, which answers NaN or inf
        out = on_behalf(eqn, fn, *numpy_numbers(args), **kw)
    # a NaN passed on was born elsewhere, and reported there; so was an inf reaching a derived
    # equation (the user's equations, or an overflow, made it). An inf reaching the user's own
    # equation may come from an unreported overflow: inf - inf there is this equation's to report.
    # A derived copy of the user's equation (same op: its value recomputed inside a traced sweep,
    # e.g. chunked forward's) is judged as the user's equation: -inf·0 there is the user's NaN
    own = eqn.source is None or eqn.op is eqn.source.op
    passed_on = _has_nan if own else _non_finite
    origin = eqn.origin
    if origin is FROM_VALUES or any(passed_on(a) for a in args) or _finite_number(out):
        return out  # (finite: NumPy's error was 0·∞ a strong product absorbed, exp(-750)'s zero ū times ∞)
    where = str(origin).split(" :")[0]
    message = f"{where}: {err} (outside the domain of {origin.op.name}); the result holds NaN or inf"
    # The user's own equation's value left its op's domain: said. A derivative rule (sqrt's partial
    # 0.5/sqrt(d) at d = 0: a rule run on floats, recorded by an inner sweep, or symbolic's traced
    # code) met its op's singular point: said only if the call's result holds NaN or inf, as a rule's
    # singular partial is (`_singular_met`): a strong zero further on may well absorb it (the Matérn
    # kernel's Hessian at its diagonal's constant d = 0).
    op = eqn.op
    computes_own = op is origin.op and any(fn is f or fn == f for f in (op, op.bind, op.impl, op.opened, op.batched))
    if computes_own and isinstance(origin, Quiet) and _silenced(origin, err):
        return out  # (the user's np.errstate ignores it: NumPy said nothing either)
    (warn_domain if computes_own else warn_domain_if_nonfinite)(where, message)
    return out


def _refused(eqn: Eqn, fn, args, kw, exc):
    """NaN where an op's NumPy function refuses finite arguments outside its domain (cholesky of a matrix that is
    not positive definite, inv or solve of a singular one: a LinAlgError), with a DomainWarning naming the user's
    equation (DESIGN.md §6), for every op whose function raises so (no op named). In a batched run (`fn` the op's
    batching rule: numeric's stencil points) point by point, so the points inside the domain keep their values:
    numeric's first step out of cholesky's cone is NaN there, and is shrunk back inside (scales.py)."""
    op = eqn.op
    if any(isinstance(a, Traced) for a in args):  # recorded: the trace needs a traced value, not a NaN
        raise exc
    if fn == op.batched and args and isinstance(args[0], tuple):  # (flags, *values): one point at a time
        flags, values = args[0], args[1:]
        size = next(np.shape(v)[0] for v, b in zip(values, flags) if b)
        out = np.stack([impl_or_nan(eqn, [v[k] if b else v for v, b in zip(values, flags)], kw) for k in range(size)])
    elif fn == op.bind or fn is op.impl:
        out = impl_or_nan(eqn, args, kw)
    else:  # a derivative rule (its arguments are not the op's): it decides
        raise exc
    origin = eqn.origin
    if origin is not FROM_VALUES and np.isnan(out).any():
        where = str(origin).split(" :")[0]
        warn_domain(where, f"{where}: {exc} (outside the domain of {origin.op.name}); the result holds NaN")
    return out


def impl_or_nan(eqn: Eqn, values, kw):
    """eqn's op on NumPy values (one point's), or NaN shaped like its output where NumPy refuses them (`_refused`)."""
    try:
        with np.errstate(all="ignore"):
            return eqn.op.impl(*values, **kw)
    except np.linalg.LinAlgError:
        return np.full(eqn.out.shape, np.nan)


def _has_nan(x) -> bool:
    if isinstance(x, Traced):  # a value of an enclosing trace: its number, not a recorded isnan
        x = x.concrete
    try:
        return bool(np.isnan(x).any())
    except TypeError:  # not numbers (an index, a shape)
        return False


def _finite_number(x) -> bool:
    """Whether x is a float or float array with every entry finite (anything else: False)."""
    return (
        isinstance(x, (float, np.floating))
        and math.isfinite(x)
        or (type(x) is np.ndarray and x.dtype.kind == "f" and bool(np.isfinite(x).all()))
    )


def stand_in(v):
    """A finite value shaped like v that every op accepts, to learn the shape of a result NumPy refuses to compute
    at v: the identity for each matrix of a stack (np.eye(m, n) if not square: cholesky and inv take it, where
    zeros in place of a NaN or inf may leave a matrix that is singular or not positive definite), else v with
    its NaN and inf entries zero."""
    a = np.asarray(v)
    if a.ndim >= 2 and a.dtype.kind in "fc":
        return np.broadcast_to(np.eye(*a.shape[-2:], dtype=a.dtype), a.shape)
    return np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0)


def _non_finite(x) -> bool:
    if isinstance(x, Traced):  # a value of an enclosing trace: its number, not a recorded isfinite
        x = x.concrete
    try:
        return not np.isfinite(x).all()
    except TypeError:  # not numbers (an index, a shape)
        return False


def numpy_floats(values) -> list:
    """Python floats as NumPy float64 (whose arithmetic gives NaN/inf where Python's raises)."""
    return [np.float64(v) if type(v) is float else v for v in values]


def numpy_numbers(values) -> list:
    """numpy_floats, and Python ints of int64's range as NumPy int64: a rule's division by an int 0 (a mean over an
    empty mask by `len(x[m])`, a Python int) is NumPy's inf, not Python's ZeroDivisionError."""
    return [np.int64(v) if type(v) is int and -(2**63) <= v < 2**63 else v for v in numpy_floats(values)]


def to_dot(graph: Graph, name: str = "difflab") -> str:
    """Graphviz DOT text of the graph: inputs as boxes, equations as ellipses labelled by op.

    >>> import difflab as dl
    >>> print(to_dot(dl.trace(lambda x: x * x, 3.0)).splitlines()[0])
    digraph difflab {
    """
    if not isinstance(graph, Graph):  # (else "'function' object has no attribute 'inputs'")
        raise TypeError(f"to_dot takes a Graph (difflab.trace(f, *args) makes one), got {type(graph).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"to_dot's name must be a str, got {type(name).__name__}")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):  # (DOT's quoted ID: 'a"b;}' ended the graph, silently)
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = [f"digraph {name} {{", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for v in graph.inputs:
        lines.append(f'  v{v.id} [shape=box, label="v{v.id}\\n{v.aval}"];')
    nconst = 0
    for e in graph.eqns:
        lines.append(f'  v{e.out.id} [label="v{e.out.id} = {e.op.name}\\n{e.out.aval}"];')
        for a in e.args:
            if isinstance(a, Const):
                nconst += 1
                label = repr(a).replace('"', "'")
                lines.append(f'  c{nconst} [shape=plaintext, label="{label}"];')
                lines.append(f"  c{nconst} -> v{e.out.id};")
            else:
                lines.append(f"  v{a.id} -> v{e.out.id};")
    for i, v in enumerate(graph.outputs):
        lines.append(f'  out{i} [shape=doublecircle, label="out{i}"];')
        lines.append(f"  {'v' + str(v.id) if isinstance(v, Var) else 'c_out' + str(i)} -> out{i};")
    lines.append("}")
    return "\n".join(lines)


def _dtype_name(dtype) -> str:
    dtype = np.dtype(dtype)
    return {"f": "f", "i": "i", "u": "u", "b": "bool", "c": "c"}.get(dtype.kind, dtype.kind) + (
        "" if dtype.kind == "b" else str(8 * dtype.itemsize)
    )


def active(graph: Graph, wrt_vars) -> set:
    """Values that depend differentiably on `wrt_vars` (the only ones that need cotangents).

    >>> import difflab as dl, difflab.numpy as dnp
    >>> g = dl.trace(lambda x, y: dnp.sign(x) * y + x, 2.0, 3.0)
    >>> sorted(v.id for v in active(g, [g.inputs[0]]))  # sign(x) is piecewise constant
    [0, 4]
    """
    found = set(wrt_vars)
    for e in graph.eqns:
        if e.op.differentiable:
            for a in e.args:
                if type(a) is Var and a in found:
                    found.add(e.out)
                    break
    return found


def prune(graph: Graph) -> Graph:
    """Drop equations whose results no output needs (dead-code elimination)."""
    live = {v for v in graph.outputs if isinstance(v, Var)}
    kept = []
    for eqn in reversed(graph.eqns):
        if eqn.out in live:
            kept.append(eqn)
            live.update(a for a in eqn.args if isinstance(a, Var))
    return graph._replace(eqns=tuple(reversed(kept)))


def lift_closure(graph: Graph):
    """Constants that are values of an enclosing trace become inputs: (graph, their values), the
    new inputs last. The lifted graph runs on numbers as well as on the enclosing trace's values."""
    lifted: dict = {}
    next_id = max([v.id for v in graph.inputs] + [e.out.id for e in graph.eqns], default=-1) + 1

    def lift(a):
        if isinstance(a, Const) and isinstance(a.value, Traced):
            key = id(a.value)
            if key not in lifted:
                lifted[key] = (Var(next_id + len(lifted), a.value.shape, a.value.dtype), a.value)
            return lifted[key][0]
        return a

    eqns = [e._replace(args=tuple([lift(a) for a in e.args])) for e in graph.eqns]
    outputs = tuple([lift(o) for o in graph.outputs])
    extra = [v for v, _ in lifted.values()]
    g = Graph(tuple(graph.inputs) + tuple(extra), tuple(eqns), outputs, graph.specialised)
    return g, [value for _, value in lifted.values()]


def split(graph: Graph, late_inputs, n_early: int) -> tuple[Graph, Graph]:
    """Split a graph in two: what can run before `late_inputs` are known, and what needs them.

    The first `n_early` outputs must not depend on `late_inputs`. Returns (early, late): `early`
    takes the other inputs and returns those outputs followed by the residuals `late` needs;
    `late` takes the residuals then `late_inputs` and returns the remaining outputs. Reverse mode
    uses it to run the forward sweep once and the backward sweep once per cotangent.
    """
    late_inputs = tuple(late_inputs)
    late_vars = set(late_inputs)
    early_eqns, late_eqns = [], []
    for e in graph.eqns:
        if any(isinstance(a, Var) and a in late_vars for a in e.args):
            late_eqns.append(e)
            late_vars.add(e.out)
        else:
            early_eqns.append(e)
    early_outs, late_outs = graph.outputs[:n_early], graph.outputs[n_early:]
    assert not any(isinstance(o, Var) and o in late_vars for o in early_outs)
    used = {a for e in late_eqns for a in e.args if isinstance(a, Var) and a not in late_vars}
    used |= {o for o in late_outs if isinstance(o, Var) and o not in late_vars}
    residuals = tuple(sorted(used, key=lambda v: v.id))
    early_inputs = tuple(v for v in graph.inputs if v not in set(late_inputs))
    early = Graph(early_inputs, tuple(early_eqns), tuple(early_outs) + residuals, graph.specialised)
    late = Graph(residuals + late_inputs, tuple(late_eqns), tuple(late_outs), graph.specialised)
    return early, late
