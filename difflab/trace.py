"""Tracing: run a Python function on `Tracer` values and record one equation per primitive.

How it works. `trace(f, x)` wraps each input in a `Tracer` holding a fresh `Var` and the concrete
value. Python operators, `difflab.numpy` functions and NumPy functions (through
`__array_ufunc__`/`__array_function__`) all end in `Op.bind`, which asks the tracer's `Trace` to
record `out = op(args)`: it computes the value with NumPy (so shapes and errors are known at once)
and returns a new tracer. The equation list is built in execution order, so it is already the tape:

    >>> import difflab as dl
    >>> print(dl.trace(lambda x, y: (x * y) ** 2.0, 3.0, 2.0))
    { lambda v0:f64[] v1:f64[] .
        v2 = mul(v0, v1) : f64[]
        v3 = pow(v2, 2.0) : f64[]
      in (v3) }

Traces nest (a gradient inside a function being differentiated): each has a level, the innermost
trace records, and tracers of enclosing traces enter it as constants. That tagging is what keeps
nested derivatives from confusing their perturbations.
"""

from __future__ import annotations

import collections
import contextvars
import difflib
import dis
import functools
import gc as _gc
import inspect
import itertools
import linecache
import operator
import re
import sys
import sysconfig
import warnings

import numpy as np

from . import assign as _assign
from . import numpy as dnp
from . import ops, tree
from .errors import TracerConversionError, UnsupportedOperationError, ValuesRefusedError, check_function
from .graph import (
    ERRSTATE,
    Const,
    Eqn,
    Graph,
    Traced,
    Var,
    SHARED_BYTES,
    Why,
    frozen,
    quiet_type,
    refuse_array_subclass,
    snapshot,
    specialise,
    widened,
    stand_in,
)
from .graph import (
    _LIBRARY,
    _ORIGINS,
    DEFERS_TO,
    _get_ident,
)  # graph.deriving_from() without its call, read per equation
from .graph import _charging, charging_open

__all__ = ["Tracer", "Trace", "trace", "trace_flat", "traced_values", "gc_paused"]

_levels = itertools.count(1)
_F64 = np.dtype(np.float64)


class Trace:
    """One recording: the equations so far, and whether control flow depended on values."""

    #: float32 (or float16) arguments, traced in float64: a NumPy float constant is kept, not folded
    #: (x * np.ones(3) is float64 in NumPy: boundary.out_dtypes finds that from the graph's constants).
    #: Class defaults, set on the instance only then (a fresh gradient per call makes a Trace each time)
    narrow = False
    casts = False  # a traced value's astype was recorded: the outputs' dtypes are NumPy's promotion's
    weak: frozenset | set = frozenset()  # ids of the constants difflab made itself (_own_constant)
    #: id(tracer) -> (that tracer, a tracer of the value it began with), for each rebound by item assignment
    rebound: dict = {}
    #: the Vars (-> None) whose values no recorded rule reads: outputs of ops that list -1 in `Op.unread`, read
    #: since only where an equation's op lists their position there too; an assignment may overwrite them
    unread: dict = {}
    #: the Vars whose value an assignment overwrote (`assigned`): the common-subexpression tables skip them
    stale: frozenset | set = frozenset()
    #: (Why, Var) per read `x[mask]` by a traced boolean mask, whose count specialises the trace only if an
    #: equation or an output uses that Var (`y[mask] = x[mask]` does not: difflab.assign.assign_masked);
    #: settled when the trace is closed (`outputs_of`)
    tentative: list | tuple = ()
    #: mask Var -> {read Var -> (x's Var as read, the tape's length then, the mask's first axis)} per read x[mask]
    #: (x[:, mask]...) by a traced boolean mask of x's shape at those axes: `y[mask] = h(x[mask])` replays h on the
    #: whole x (difflab.assign._replayed)
    masked: dict = {}
    #: mask Var -> [equations scanned, the Vars computed from its reads, their equations, reads taken]
    #: (difflab.assign._derived)
    masked_scan: dict = {}
    #: [equations scanned, the Vars computed from reads by a traced mask, reads taken] (_count_read), or None
    count_scan: list | None = None
    #: read Var -> (src, mask) for each np.nonzero(mask)[k], a read src[mask] of the mask's coordinates (0 ..
    #: mask.shape[k] - 1): x[it] is x.take(src, axis=0)[mask], itself a read by the mask (np.flatnonzero(m),
    #: np.nonzero(m)[0] as an index) where x's first axis holds every coordinate
    index_reads: dict = {}
    #: the forms of those reads NumPy's code indexes with: (read Var, ...) of one np.nonzero(mask) -> mask (x[rows,
    #: cols] is x[mask]); np.argwhere(mask)'s Var -> (its reads, 1) and its transpose's -> (its reads, 0), read k
    #: along that axis at k (`A[:, k]`, `A.T[k]`, `tuple(A.T)`: argwhere_of)
    index_forms: dict = {}
    #: read Var -> the traced mask that read it (`_masked_read`): a count of such a read is that mask's count
    read_masks: dict | None = None
    #: counted Var -> its guard (a traced boolean, `_count_guard`), for a trace whose operator checks them before reusing
    #: it at another point (api.boundary.stage: Staged.check, traced again where one fails); None: a count specialises
    guards: dict | None = None
    done = False  # f has returned: a tracer of this trace met later was leaked (stored in a global, a closure)
    #: the Vars of the input tracers `_plain_inputs` made, in order: api.boundary.stage hands them to `outputs_of` (no
    #: attribute read per input: a scalar net has one per weight). Not the tracers: each holds its trace, and a trace
    #: holding them would be a cycle, its whole tape freed only by the collector
    plain_vars: list | None = None
    #: the NumPy error state this trace's watch set (`_watch`): another one in force while the user's equation is
    #: recorded is the user's own np.errstate, which `_new` reads (`quiet_type`)
    watched = None

    def __init__(self):
        self.level = next(_levels)
        self.eqns: list[Eqn] = []
        self.ids = itertools.count()
        #: the fresh Var of a Python float (f64[]) per `next`: `Var.make(next(ids), (), f64)` by a C loop, drawing
        #: its id from `ids` when asked (ids stay in recording order); zip reuses its item tuple, so each Var costs
        #: one allocation less than `_new_var(Var, (next(ids), (), f64))`, and the recording path a few opcodes
        self.float_vars = map(
            _new_var, itertools.repeat(Var), zip(self.ids, itertools.repeat(()), itertools.repeat(_F64))
        )
        self.specialised = False
        self.value_dtypes = False  # an op recorded whose result's dtype depends on the values (Op.value_dtype)
        # CSE: op -> {key of its arguments -> the Var recorded for them}; the key is the equation's own
        # argument tuple where its arguments are Vars or nonzero Python float constants (no second tuple per
        # equation: a 10⁵-equation tape kept 64 bytes and an allocation per equation for it; a float's Const is
        # equal by value, so `x * 0.5` twice is one equation whichever 0.5 object each read, and needs no id
        # int and no entry in `consts`), any other constant entering by its id (±0.0 too: equal as numbers,
        # not as factors), params by repr
        self.seen: collections.defaultdict = collections.defaultdict(dict)
        self.values: dict = {}  # Var -> its value at the example input (no Tracer: see gc_paused)
        self.consts: list = []
        self.copies: dict = {}  # id of a closed-over array -> its copy, the graph's constant
        self.fp_error = False  # a NaN/inf was born while tracing: the values are not reusable
        self.closes_over_tracers = False  # a value of an enclosing trace entered as a constant
        self.complex_seen = False  # a complex value was met: from then on every op's arguments are checked

    def watch(self):
        """NumPy error handling while tracing: note a NaN/inf, don't stop; enclosing traces too."""
        if ERRSTATE is None:  # pragma: no cover - another NumPy
            return np.errstate(all="call", under="ignore", call=_note(self, np.geterrcall()))
        return _Watch(self)

    def _copy(self, a):
        """The graph's constant for the closed-over array a: a copy of its contents now, made once however many
        graphs hold it (a large one is `graph.snapshot`'s, shared with the read checks; a snapshot or a view of
        one, as a traced graph's constants are when its gradient is traced, is kept as it is)."""
        self.consts.append(a)  # keeps id(a) from being reused during this trace
        if frozen(a):
            copy = a
        else:
            copy = snapshot(a) if a.nbytes >= SHARED_BYTES else a.copy()
        self.copies[id(a)] = copy
        return copy

    def nonzero_of(self, a):
        """np.nonzero(a) of a traced array a of this trace, as every spelling reaches it (difflab.numpy.nonzero:
        np.nonzero(a), np.where(a), a.nonzero()): the module's `nonzero_of`, reads by the mask; None if not."""
        return nonzero_of(a)

    def argwhere_of(self, a):
        """np.argwhere(a) of a traced array a of this trace (difflab.numpy.argwhere's): the module's `argwhere_of`."""
        return argwhere_of(a)

    def rebind(self, y: "Tracer", new: "Tracer") -> None:
        """`y[i] = v` (difflab.assign): the tracer y stands for `new` from now on; the value it began with is
        kept (trace_flat gives an input's back to the graph: the caller's array is not written)."""
        if not self.rebound:
            self.rebound = {}  # (this trace's own, not the class's empty default)
        if id(y) not in self.rebound:
            self.rebound[id(y)] = (y, _tracer(self, y.node, y.value))
        y.node, y.value = new.node, new.value

    def new_var(self, value) -> Var:
        if type(value) is float:
            return Var.make(next(self.ids), (), _F64)
        if type(value) is np.ndarray or type(value) is np.float64:
            return Var.make(next(self.ids), value.shape, value.dtype)
        if isinstance(value, (np.ndarray, np.generic, Tracer)):
            return Var(next(self.ids), value.shape, value.dtype)
        if isinstance(value, float):
            return Var(next(self.ids), (), _F64)
        return Var(next(self.ids), np.shape(value), np.result_type(value))

    def record(self, op, args, params) -> "Tracer":
        if 0 < len(args) <= 2:  # the common equations, without the per-argument lists below
            a, b = args[0], args[-1]  # (b is a for a unary op)
            found = None
            if type(a) is Tracer and type(b) is Tracer and a._trace is self and b._trace is self:
                if len(args) == 1 and not params and type(a.value) is float:  # a unary op on a Python float (relu)
                    found = self._unary_float(op, a) if op.py is not None else None
                else:  # an MLP's matmul, add, tanh; log_softmax and sum with their params
                    found = self._arrays(op, a, b, len(args) == 2, params)
            elif not params and len(args) == 2 and (type(b) is float or type(a) is float):
                k = 1 if type(b) is float else 0  # a traced array or NumPy scalar and a Python float (a loss's 1/n)
                if type(args[1 - k]) is Tracer and args[1 - k]._trace is self:
                    found = self._with_float(op, args, k)
            if found is not None:
                return found
        if op.nargs is not None and len(args) > op.nargs:
            if op.elementwise and all(a is None for a in args[op.nargs :]):  # a ufunc's out=None given positionally
                return self.record(op, args[: op.nargs], params)
            op.too_many(args)
        atoms, values, key, floats, consts = [], [], [], True, False
        for a in args:
            a = a.data if type(a) in DEFERS_TO else a  # (a difflab.numpy.ma.MaskedArray: its data, np.where's)
            if type(a) is Tracer and a._trace is self:
                v = a.value  # always concrete: inputs are unwrapped in trace_flat
                atoms.append(a.node)
                key.append(a.node)
            else:  # a constant here (a value of an enclosing trace too)
                consts = True
                a, v = self._constant(a)
                atoms.append(Const(a))
                key.append(atoms[-1] if type(a) is float and a != 0.0 else id(a))  # (by value: see `seen`)
            values.append(v)
            floats = floats and type(v) is float
        if consts and op.identity:
            folded = _fold_identity(self, op, args)
            if folded is not None:  # (a new tracer: NumPy's x + 0 is a new array, which y[i] = v must not share)
                return _tracer(self, folded.node, folded.value)
        eqn_params = tuple(sorted(params.items())) if params else ()
        if params:
            key.append(repr(eqn_params))
        key = tuple(key)
        table = self.seen[op]
        hit = table.get(key)
        if hit is not None and hit not in self.stale:  # the same op on the same values: reuse it (CSE)
            return _tracer(self, hit, self.values[hit])
        try:  # under trace_flat's errstate: warnings come later
            value = op.on_floats(*values, **params) if floats and op.py is not None else op.impl(*values, **params)
        except np.linalg.LinAlgError as err:  # a matrix outside the op's domain: NaN, said where evaluated (graph.py)
            value, self.fp_error = self._refused(op, values, atoms, eqn_params, err), True
        except ValuesRefusedError:  # (NumPy's own error at these values, as a fresh call raises it: not a shape's)
            raise
        except (ValueError, TypeError, IndexError) as err:
            raise self._cannot_apply(op, values, atoms, eqn_params, err) from None
        if consts and not self.narrow:
            _widen_constants(atoms, value)
        return self._new(op, tuple(atoms), eqn_params, table, key, value)

    def _constant(self, a) -> tuple:
        """A constant operand as the graph keeps it, and its value: a (nested) list as the array NumPy makes of
        it, an array as a copy of the contents it was traced with, a value of an enclosing trace as itself;
        with this trace's bookkeeping of it (ids kept valid, difflab's own constants, complex values)."""
        if isinstance(a, Tracer):
            if a._trace.done:
                raise TracerConversionError(_leaked(a))
            self.closes_over_tracers = True
        if type(a) is list or type(a) is tuple:  # (x + [[0, 2], [-2, 0]])
            arr = np.asarray(a)
            a = arr if arr.dtype != object else a
        elif type(a) is np.ndarray:
            copy = self.copies.get(id(a))
            a = copy if copy is not None else self._copy(a)
        if self.narrow and (_LIBRARY or _ORIGINS) and _own_constant():
            if not self.weak:
                self.weak = set()  # (this trace's own, not the class's empty default)
            self.weak.add(id(a))
        self.consts.append(a)  # keep the ids in `seen` valid
        v = a.concrete if isinstance(a, Tracer) else a
        if type(v) is not float and _is_complex(v):  # a complex constant: check from here on
            self.complex_seen = True
        return a, v

    def record_one(self, op, a, params) -> "Tracer":
        """`record(op, (a,), params)` for a tracer `a` of this trace (Op.bind's one-argument case: relu,
        tanh): straight to record's fast paths (`_unary_float` for a Python float, else `_arrays`), without
        its tests of the argument list; record itself when they decline (it decides, or names the error)."""
        if type(a) is Tracer:
            if type(a.value) is float and not params:
                found = self._unary_float(op, a) if op.py is not None else None
            else:
                found = self._arrays(op, a, a, False, params)
            if found is not None:
                return found
        return self.record(op, (a,), params)

    def _refused(self, op, values, atoms, eqn_params, err):
        """NaN shaped like op's result where NumPy refused the matrices (`_refused`); where it refuses identity
        matrices in their place too, the shapes are wrong (inv of a 5×4): the ValueError naming the equation."""
        try:
            return _refused(op, values, dict(eqn_params))
        except (ValueError, TypeError, IndexError):
            raise self._cannot_apply(op, values, atoms, eqn_params, err) from None

    def _cannot_apply(self, op, values, atoms, eqn_params, err) -> ValueError:
        """The error for an op NumPy refused at these values, naming the equation."""
        shapes = ", ".join(str(np.shape(v)) for v in values)
        where = Eqn(Var(next(self.ids), (), np.float64), op, tuple(atoms), eqn_params)
        return ValueError(
            f"{op.name}: cannot apply to arguments of shapes {shapes} in equation `{str(where).split(' :')[0]}`: {err}"
        )

    def _arrays(self, op, a, b, binary: bool, params):
        """`record` of `op(a)` or `op(a, b)` for tracers of this trace that are not all Python floats
        (an MLP's matmul, add, tanh; log_softmax and sum with their params): the same CSE key, value
        (`op.impl`) and equation, without record's per-argument lists; None when record must decide
        (Python floats: `op.on_floats`) or explain an error."""
        x, y = a.value, b.value
        if type(x) is float and type(y) is float:  # (Python's arithmetic: record decides)
            return None
        atoms = key = (a.node, b.node) if binary else (a.node,)
        eqn_params = ()
        if params:
            eqn_params = tuple(sorted(params.items()))
            key = (*key, repr(eqn_params))
        table = self.seen[op]
        hit = table.get(key)
        if hit is not None and hit not in self.stale:  # the same op on the same values: reuse it (CSE)
            return _tracer(self, hit, self.values[hit])
        if binary and op.nargs == 1:  # (a unary op given two arrays: record refuses it)
            return None
        try:
            value = op.impl(x, y, **params) if binary else op.impl(x, **params)
        except (ValueError, TypeError, IndexError):
            return None  # (record computes it again and names the equation in its error)
        return self._new(op, atoms, eqn_params, table, key, value)

    def _with_float(self, op, args, k):
        """`record` of `op(x, c)` (k = 1) or `op(c, x)` (k = 0) for a Python float c = args[k] and a
        tracer x of this trace holding an array or a NumPy scalar: the same identity folding, CSE key,
        value and equation as record's general path; None when record must decide."""
        c, a = args[k], args[1 - k]
        x = a.value
        if type(x) is float:  # (two Python floats: record decides, by `op.on_floats`)
            return None
        ident = op.identity[k] if op.identity else None
        if ident is not None and c == ident and a.node.dtype.kind == "f":  # x * 1.0, x + 0.0 (_fold_identity)
            return _tracer(self, a.node, a.value)
        self.consts.append(c)  # keeps id(c) (the CSE key) valid during the trace
        key = (a.node, id(c)) if k else (id(c), a.node)
        table = self.seen[op]
        hit = table.get(key)
        if hit is not None and hit not in self.stale:
            return _tracer(self, hit, self.values[hit])
        try:
            value = op.impl(x, c) if k else op.impl(c, x)
        except (ValueError, TypeError, IndexError):
            return None
        const = _new_tuple(Const, (c,))
        return self._new(op, (a.node, const) if k else (const, a.node), (), table, key, value)

    def _new(self, op, atoms, eqn_params, table, key, value) -> "Tracer":
        """The equation `out = op(*atoms)` of a computed value: its Var, equation, CSE entry (`table[key]`,
        `table` being `seen[op]`) and tracer."""
        kind = type(value)
        if kind is float:  # Var.make, inlined
            out = next(self.float_vars)
        elif kind is np.ndarray or kind is np.float64:
            out = _new_var(Var, (next(self.ids), value.shape, value.dtype))
        else:
            if not isinstance(value, (np.ndarray, np.generic, bool)):
                value = np.asarray(value)
            out = self.new_var(value)
        if self.complex_seen or out.dtype.kind == "c":
            _check_complex(self, op, atoms, out)
        if op.value_dtype:  # (sqrtm: real or complex by the values) the graph holds for these values' dtypes only
            self.value_dtypes = op.name  # (named by prepare's error)
        if self.unread:  # (an assignment's candidates: each one a rule reads drops out)
            _read(self.unread, op.unread, atoms)
        if op.unread and kind is np.ndarray and -1 in op.unread:
            if not self.unread:
                self.unread = {}  # (this trace's own, not the class's empty default)
            self.unread[out] = None
        origin = _ORIGINS.get(_get_ident()) if _ORIGINS else None  # (graph.deriving_from(), inlined)
        if origin is None and ERRSTATE is not None and ERRSTATE[0].get() is not self.watched:
            # the user's equation under their own np.errstate: one that ignores its NaN or inf makes it Quiet
            self.eqns.append(_new_tuple(quiet_type(np.geterr()), (out, op, atoms, eqn_params, origin)))
        else:
            self.eqns.append(_new_tuple(Eqn, (out, op, atoms, eqn_params, origin)))
        table[key] = out
        self.values[out] = value
        tracer = Tracer()  # (_tracer(self, out, value) without its frame)
        tracer._trace, tracer.node, tracer.value = self, out, value
        return tracer

    def assigned(self, op, args, params) -> "Tracer":
        """`op(*args)` recorded for an assignment into the tracer args[0] of this trace, which is then rebound to
        the result (difflab.assign): by `op.in_place`, into args[0]'s buffer, where nothing else can see that
        buffer again (see `_writable`); else as `record` does. A value of a deeper trace among the args: its
        trace records. The overwritten value's entry becomes a stand-in of its shape and dtype (no rule reads it)
        and the CSE tables skip it: a loop of n writes y[i] = v keeps one array, not n."""
        y = args[0]
        for a in args[1:]:
            if isinstance(a, Traced) and a._trace is not self:
                if a._trace.level > self.level:
                    return op.bind(*args, **params)
        if op.in_place is None or not _writable(self, y):
            return self.record(op, args, params)
        atoms, values = [y.node], [y.value]
        for a in args[1:]:
            if type(a) is Tracer and a._trace is self:
                atoms.append(a.node)
                values.append(a.value)
            else:
                a, v = self._constant(a)
                atoms.append(Const(a))
                values.append(v)
        old = y.node
        try:
            value = op.in_place(*values, **params)
        except (ValueError, TypeError, IndexError):  # (raised before writing: record names the equation)
            return self.record(op, args, params)
        del values
        self.values[old] = _stand_in(old.shape, old.dtype)
        del self.unread[old]
        if not self.stale:
            self.stale = set()  # (this trace's own, not the class's empty default)
        self.stale.add(old)
        return self._new(op, tuple(atoms), tuple(sorted(params.items())) if params else (), {}, None, value)

    def _unary_float(self, op, a):
        """`record` of `op(a)` for a tracer of this trace holding a Python float: the same CSE key,
        value (`op.py`) and equation, or None when `py` gives no finite float (the general path decides)."""
        var = a.node
        key = (var,)  # (also the equation's arguments)
        table = self.seen[op]
        hit = table.get(key)
        if hit is not None:
            return _tracer(self, hit, self.values[hit])
        try:
            value = op.py(a.value)
        except (ValueError, ArithmeticError):
            return None
        if type(value) is not float or value - value != 0.0:
            return None
        out = next(self.float_vars)  # (Var.make of a Python float)
        origin = _ORIGINS.get(_get_ident()) if _ORIGINS else None  # (graph.deriving_from(), inlined)
        self.eqns.append(_new_tuple(Eqn, (out, op, key, (), origin)))
        table[key] = out
        self.values[out] = value
        tracer = Tracer()  # (_tracer(self, out, value) without its frame)
        tracer._trace, tracer.node, tracer.value = self, out, value
        return tracer


def _cast_message(node, dtype) -> str:
    """The refusal of a traced value converted to an integer or boolean dtype by NumPy itself."""
    return (
        f"a traced value ({node!r}: {node.aval}) was converted to {dtype} (numpy.{dtype}(x) or "
        "numpy.asarray(x, dtype=...)), whose result would be fixed at this trace's values; write x.astype(int) "
        "or difflab.numpy.asarray(x, dtype=int) (np.floor(x).astype(int) for an index: NumPy's cast values, "
        "with zero derivative, recorded and recomputed at each call as numpy.argmax's are), or numpy.floor, "
        "numpy.round or a comparison, which trace"
    )


@functools.lru_cache(maxsize=64)
def _stand_in(shape: tuple, dtype) -> np.ndarray:
    """Zeros of that shape and dtype, read-only and without a buffer of their own (one element, stride 0): the
    entry of a value an assignment overwrote, which no rule reads (one per shape: building a view per write
    cost more than the write)."""
    return np.broadcast_to(np.zeros((), dtype), shape)


def _read(unread: dict, positions: tuple, atoms) -> None:
    """The candidates of assignments in place (`Trace.unread`) less those an equation's rules read: every Var
    argument but those at `positions` (its op's `Op.unread`)."""
    for k, a in enumerate(atoms):
        if type(a) is Var and a in unread and k not in positions:
            del unread[a]


def _writable(t: Trace, y) -> bool:
    """Whether the buffer of the tracer y's value is the trace's to write in place: y of this trace, its Var an
    assignment's candidate (`Trace.unread`: made by an equation whose rules do not read it, read by no rule
    since), an array owning its elements (no view of another), and referenced by nothing but the trace's dict
    and y itself (no other tracer, view of it, input or constant: each would hold a reference)."""
    if type(y) is not Tracer or y._trace is not t or y.node not in t.unread:
        return False
    value = y.value
    if type(value) is not np.ndarray or value.base is not None or not value.flags.writeable:
        return False
    del value
    return _references(y) == _HELD


def _references(holder) -> int:
    """The references to holder.value, this function's own included."""
    value = holder.value
    return sys.getrefcount(value)


class _Holder:
    __slots__ = ("value",)


def _held() -> int:
    """What `_references` counts for an array held only by a dict and one holder (a tracer and the trace's
    values): measured, not assumed, since how an interpreter counts its own references varies by version."""
    holder = _Holder()
    holder.value = np.zeros(1)
    kept = {0: holder.value}
    n = _references(holder)
    del kept
    return n


#: None where reference counts do not say who holds an array (a free-threaded build counts per thread, lazily):
#: there every assignment copies, as it did before `Op.in_place`
_HELD = None if sysconfig.get_config_var("Py_GIL_DISABLED") else _held()


_new_tuple = tuple.__new__  # Eqn(...), Const(...) without their Python-level __new__: one frame less each
_new_var = tuple.__new__  # Var.make without its call: `_new_var(Var, (id, shape, dtype))` (graph.Var)


def _note(t: Trace, outer):
    """The NumPy error callback of trace t: marks its values not reusable, and tells an enclosing trace's
    (`outer`, when it is one: a user's own handler was not asked for)."""

    def note(kind, flag):
        t.fp_error = True
        if getattr(outer, "difflab_trace", False):
            outer(kind, flag)

    note.difflab_trace = True
    return note


#: (trace, the enclosing watch's entry or None, the error state it set) of the innermost trace watching in
#: this context: what `_noted` marks
_WATCHING: contextvars.ContextVar = contextvars.ContextVar("difflab_watching", default=None)


def _noted(kind, flag):
    """Every trace's NumPy error callback (one function, so that the error state it is part of can be
    made once): marks the innermost watching trace's values not reusable, and those of the enclosing
    traces it was entered under (an inner NaN taints the outer values too)."""
    w = _WATCHING.get()
    while w is not None:
        w[0].fp_error = True
        w = w[1]


_noted.difflab_trace = True
#: {the error state in force when a trace began watching: the one it sets} (`_watch`; a few entries:
#: NumPy's default, and each state a trace set, under which a nested trace sets an equal one)
_STATES: dict = {}


def _watch(t: Trace) -> tuple:
    """Start `t`'s watch: `np.errstate(all="call", under="ignore", call=_noted)` set through NumPy's context
    variable (graph.ERRSTATE), the state made once per state in force (it copies that one's buffer size);
    returns the tokens `_unwatch` takes. An enclosing trace is chained when the state is still the one its
    watch set, or NumPy's callback is still `_noted` (the state changed under it: `np.errstate(over=...)`);
    when none watches, no callback of a trace is chained (a user's own is never called)."""
    var = ERRSTATE[0]
    current, watching = var.get(), _WATCHING.get()
    state = _STATES.get(current)
    if state is None:
        if len(_STATES) > 16:  # (states a user made in turn: kept few)
            _STATES.clear()
        state = _STATES[current] = ERRSTATE[1](call=_noted, all="call", under="ignore")
    outer = None if watching is None else watching if watching[2] is current or np.geterrcall() is _noted else None
    t.watched = state
    return var.set(state), _WATCHING.set((t, outer, state))


def _unwatch(tokens) -> None:
    ERRSTATE[0].reset(tokens[0])
    _WATCHING.reset(tokens[1])


class _Watch:
    """`Trace.watch()`'s context: `_watch` and `_unwatch` (trace_flat calls them itself)."""

    __slots__ = ("trace", "tokens")

    def __init__(self, trace: Trace):
        self.trace = trace

    def __enter__(self):
        self.tokens = _watch(self.trace)

    def __exit__(self, *exc):
        _unwatch(self.tokens)


def _is_complex(v) -> bool:
    if type(v) is Const:  # (an equation's constant argument)
        v = v.value
    if type(v) is float:
        return False
    if type(v) is complex:
        return True
    dtype = getattr(v, "dtype", None)
    return dtype is not None and dtype.kind == "c"


def _check_complex(trace, op, values, out):
    """Refuse, by name, a differentiable op that does not declare complex support (`Op.complex`) when a
    complex value reaches it (an argument or its output): its rules were written for real values, and
    would give a wrong number (maximum of complex values, norm without the conjugate). Non-differentiable
    ops with a real output (comparisons, isnan) are constants and pass."""
    found = out.dtype.kind == "c" or any(_is_complex(v) for v in values)  # (values: Vars, constants or numbers)
    if not found:
        return
    trace.complex_seen = True
    if op.complex or (not op.differentiable and out.dtype.kind != "c"):
        return
    raise UnsupportedOperationError(
        f"{op.name} does not support complex values (difflab differentiates complex numbers through the "
        "ops whose rules are written for them: arithmetic, exp, log, trigonometric, matmul/einsum, sums, "
        "shapes, max/min/prod, inv/det/slogdet/solve, cholesky/pinv/lstsq, eigh/svd/eig/qr, real/imag/conj/abs/angle "
        "and numpy.fft); take the real and imaginary parts first"
    )


def _refused(op, values, params):
    """NaN shaped like op's result, for matrices NumPy refuses (cholesky of one that is not positive definite,
    inv of a singular one, eigh or svd of one holding NaN): the shape is the one the op gives identity matrices
    (np.eye(m, n)) in their place."""
    safe = [stand_in(v) if np.ndim(v) >= 2 else v for v in values]  # (a matrix with a NaN or inf entry too: svd's)
    like = np.asarray(op.impl(*safe, **params))
    return np.full(like.shape, np.nan, dtype=like.dtype if like.dtype.kind == "c" else float)


def _own_constant() -> bool:
    """A constant recorded now is difflab's own, not the user's: made by a difflab.numpy function
    (graph.library_constants) or by an interpreter evaluating an equation or its rule (graph.on_behalf)."""
    me = _get_ident()
    return me in _LIBRARY or me in _ORIGINS


def _fold_identity(trace, op, args):
    """x*1, 1*x, x+0, x-0, x/1, x**1 → x, when that leaves x's shape and dtype unchanged (a bool
    mask times 1.0 is a float array: folding it would make mask + mask a logical or). Registry-driven."""
    if not op.identity or len(args) != 2:
        return None
    for k, ident in enumerate(op.identity):
        c, other = args[k], args[1 - k]
        if ident is None or type(other) is not Tracer or other._trace is not trace or isinstance(c, Traced):
            continue
        if other.node.dtype.kind != "f" or trace.narrow and isinstance(c, np.ndarray | np.generic):
            continue
        if type(c) is float or type(c) is int:
            if c == ident:
                return other
        elif isinstance(c, (int, float)):
            if c == ident:
                return other
        elif (
            isinstance(
                c, np.ndarray | np.generic
            )  # a list is not folded (result_type reads a nested one as a dtype spec)
            and np.ndim(c) <= other.ndim
            and np.shape(c) == other.shape[other.ndim - np.ndim(c) :]
            and np.result_type(c, other.node.dtype) == other.node.dtype
            and np.all(np.asarray(c) == ident)
        ):
            return other
    return None


def specialise_enclosing(values, why=None) -> None:
    """Mark the trace of each traced value among `values`, and of every value it stands for in an
    enclosing trace, specialised to its inputs: a nested trace traced on those values' numbers took a
    value-dependent branch, so the enclosing graphs hold for these numbers only (a reused
    jacobian(grad(f)) would otherwise answer a new point with the first one's branch)."""
    for x in values:
        while isinstance(x, Tracer):
            specialise(x, ("an inner trace's", why))
            x = x.value


def _index(idx) -> tuple:
    """An index as getitem's parameter: a tuple, traced masks and integer indices made concrete, lists arrays."""
    idx = idx if isinstance(idx, tuple) else (idx,)
    if any(isinstance(i, Traced) for i in idx):
        idx = tuple(_concrete_index(i) if isinstance(i, Traced) else i for i in idx)
    return tuple(np.asarray(i) if isinstance(i, (list, np.ndarray)) else i for i in idx)


def _concrete_index(i):
    """A traced boolean mask or integer index (x[x > 0], x[np.argmax(x)]) as its value at this trace's
    inputs: value-dependent, as `if x > 0:` is, so each trace it reads is specialised to its inputs (the
    derivative follows the elements picked there, as autograd's and JAX's eager ones do)."""
    if not isinstance(i, Tracer) or i.dtype.kind not in "biu":
        raise UnsupportedOperationError(
            "indexing with a traced value is not supported unless it is a boolean mask or integer index; "
            "index with Python ints, slices, NumPy integer arrays or a comparison's mask"
        )
    return np.asarray(dnp._value(i, "indexing by a traced mask or integer index"))


def _masked_read(x, idx):
    """x[mask] for one traced boolean mask of x's shape, or of its shape at some axes among full slices (`x[m, :]`,
    `x[:, m]`: difflab.assign.mask_axis), read from the mask's value at this trace's inputs, its specialisation
    tentative (Trace.tentative): `y[mask] = x[mask]` records where(mask, x, y) instead and never uses this read; any
    other use specialises the trace, as _concrete_index does. None for other indices."""
    if type(idx) is not Tracer and (type(idx) is not tuple or Tracer not in map(type, idx)):
        return None  # (no traced index: the common case, kept to a C-level scan)
    found = _assign.mask_axis(x, idx)
    if found is None:
        mixed = _assign.mixed_mask(x, idx)  # (X[m, 0], X[m, 1:3], X[0, m]: X[basic][m...], read in two steps)
        return _count_first(x, idx) if mixed is None else _masked_read(ops.getitem(x, idx=mixed[0]), mixed[1])
    mask, axis = found
    t = x._trace
    if type(mask) is not Tracer or mask._trace is not t or isinstance(mask.value, Tracer) or t.specialised:
        return None
    specialise(mask, "indexing by a traced mask or integer index")  # (its Why, with the user's line)
    why, t.specialised = t.specialised, False
    start = len(t.eqns)
    out = ops.getitem(x, idx=(slice(None),) * axis + (np.asarray(mask.value),))
    if type(t.tentative) is tuple:
        t.tentative = []
    t.tentative.append((why, out.node))
    if t.read_masks is None:
        t.read_masks = {}
    t.read_masks[out.node] = mask
    _assign.read_masked(x, mask, out, start, axis)
    return out


def _count_read(x, frame, what) -> None:
    """The user's code (`frame`, not difflab's own) reads the shape of x by `what` (len(), .shape, .size): where x is
    computed from reads x[mask] by traced masks (Trace.tentative), that holds the masks' counts at these inputs (`n =
    len(x[x > 0])`), a Python int the graph cannot recompute: a guard on each mask's count (`_count_guard`: the trace
    is reused where the counts are these, traced again elsewhere), else (no operator checks guards, iteration, whose
    items are the reads themselves) the trace is specialised to its values, as bool() does."""
    t = x._trace
    if t.specialised or not x.node.shape or frame.f_globals.get("__name__", "").startswith("difflab."):
        return
    scan = t.count_scan
    if scan is None:  # [equations scanned, {Var computed from the reads: the reads it is computed from}, reads taken]
        starts = [r[1] for reads in t.masked.values() for r in reads.values()]
        scan = t.count_scan = [min(starts, default=len(t.eqns)), {}, 0]
    tainted = scan[1]
    tainted.update((v, frozenset((v,))) for _, v in t.tentative[scan[2] :])
    scan[2] = len(t.tentative)
    eqns = t.eqns
    for k in range(scan[0], len(eqns)):
        e = eqns[k]
        found = [tainted[a] for a in e.args if type(a) is Var and a in tainted]
        if found:
            tainted[e.out] = found[0] if len(found) == 1 else frozenset().union(*found)
    scan[0] = len(eqns)
    reads = tainted.get(x.node)
    if reads is None:
        return
    masks = [t.read_masks.get(r) if t.read_masks else None for r in reads]
    if t.guards is not None and all(m is not None for m in masks):  # (iterated too: its reads gathered, _settled)
        for m in masks:
            _count_guard(m, dnp.count_nonzero(m), int(np.count_nonzero(m.concrete)))
        if not t.specialised:
            return
    specialise(
        x,
        f"the number of elements a traced mask selects ({what} of a value of its count, a Python int; "
        "np.count_nonzero(m) is that number traced, recomputed at each call)",
        rows=_ROWS,
    )


#: a count read as a Python int specialises a trace whose operator checks no guards (vmap's) as a decision on
#: values that holds row by row, not the user's control flow (graph.Why.rows): vmap answers each row alone, f (its
#: gradient, the prepared f) called on that row, where a batched run would give every row the first row's count
_ROWS = True


def _count_guard(key, count, value: int) -> None:
    """Guard the traced count `count` (a mask's, `np.count_nonzero(m)`) to equal `value`, its number here, where the
    user's code read it as a Python int (len(x[m]), range(np.count_nonzero(m))): its trace's operator checks
    `count == value` before reusing the trace at another point and traces again where it fails (Staged.check, as a
    numeric derivative's decisions); no operator checking guards (Trace.guards None), the trace is specialised."""
    t = count._trace
    if t.guards is None or isinstance(count.value, Tracer):
        specialise(
            count, "a count read as a Python int, outside an operator that re-traces where it changes", rows=_ROWS
        )
    elif key.node not in t.guards:
        t.guards[key.node] = ops.equal(count, value)


_COUNT_ARITHMETIC = frozenset(("add", "subtract", "multiply", "floor_divide", "negative", "minimum", "maximum"))


def _is_count(t: Trace, var: Var) -> bool:
    """Whether the integer `var` is a count of this trace, a sum of a traced mask (`np.count_nonzero(m)`, `m.sum()`),
    or integer arithmetic of counts and constants (`np.count_nonzero(m) - 1`)."""
    for e in reversed(t.eqns):
        if e.out is var:
            name, vars_ = e.op.name, [a for a in e.args if type(a) is Var]
            if name == "sum":  # (of a mask, or of m.astype(int) / m.astype(float): where(m, 1, 0))
                return vars_[0].dtype == bool or _is_indicator(t, vars_[0])
            return name in _COUNT_ARITHMETIC and bool(vars_) and all(_is_count(t, a) for a in vars_)
    return False


def _masked_items(r):
    """The items of `for v in x[m]` (r = x[m], m a traced mask over x's leading axes) where the trace's operator
    checks count guards: their number is m's count, guarded (traced again where it differs), and the i-th is x's
    element (row) at m's (i+1)-th selected position, sum(where(m & (cumsum(m) == i + 1), x, 0)), recomputed from the
    mask at each call (NumPy's value: one element plus zeros; a -0.0 comes back 0.0, as NumPy's sum of it), its
    derivative to that element alone. None where r is not such a read (a function of one, a mask along a later
    axis) or no operator checks guards (vmap, dl.trace)."""
    t = r._trace
    mask = t.read_masks.get(r.node) if t.read_masks else None
    if mask is None or t.guards is None or t.specialised or isinstance(mask.value, Tracer):
        return None
    read = t.masked.get(mask.node, {}).get(r.node)
    if read is None or read[2] != 0:
        return None
    _count_guard(mask, dnp.count_nonzero(mask), int(np.count_nonzero(mask.concrete)))
    x, k = _assign._tracer_of(r, read[0]), len(mask.node.shape)
    rest = read[0].shape[k:]
    xs, flat = dnp.reshape(x, (-1,) + rest), dnp.reshape(mask, (-1,))
    rank = dnp.cumsum(flat)

    def item(i):
        picked = dnp.reshape(flat & (rank == i + 1), (-1,) + (1,) * len(rest))
        return dnp.sum(dnp.where(picked, xs, 0), axis=0)

    return (item(i) for i in range(r.node.shape[0]))


def _counted_mask(count):
    """The traced mask m whose whole count the traced integer `count` is (np.count_nonzero(m), m.sum(),
    m.astype(int).sum(): a sum over every axis of m or of its indicator), else None."""
    t = count._trace
    for e in reversed(t.eqns):
        if e.out is count.node:
            a = e.args[0] if e.op.name == "sum" and e.kw.get("axis") is None and type(e.args[0]) is Var else None
            if a is not None and a.dtype != bool:
                a = next((d.args[0] for d in reversed(t.eqns) if d.out is a), None) if _is_indicator(t, a) else None
            return None if a is None else _assign._tracer_of(count, a)
    return None


def _is_indicator(t: Trace, var: Var) -> bool:
    """Whether `var` is a mask as numbers, `where(m, 1, 0)` (m.astype(int), m.astype(float): NumPy's 1 and 0)."""
    for e in reversed(t.eqns):
        if e.out is var:
            if e.op.name != "where" or type(e.args[0]) is not Var or e.args[0].dtype != bool:
                return False
            ends = [a.value if type(a) is Const else a for a in e.args[1:]]  # (Const(1), Const(0): NumPy's numbers)
            return all(type(a) is not Var and np.ndim(a) == 0 for a in ends) and ends[0] == 1 and ends[1] == 0
    return False


def hand_guard(ok) -> None:
    """A count guard (Trace.guards) evaluated at the values of another trace (an inner operator's trace at its
    enclosing one's, a reused trace called on traced values): a guard of that trace where it checks them (an
    operator's: api.boundary.stage), else (vmap's, dl.trace's) that trace, and each whose values it holds, is
    specialised: vmap(grad(f)) and vmap of a prepared f batched the first row's count."""
    if not isinstance(ok, Tracer):
        return
    t = ok._trace
    if t.guards is not None:
        t.guards.setdefault(ok.node, ok)
    else:
        specialise(
            ok, "the number of elements a traced mask selects, read as a Python int in an inner trace", rows=_ROWS
        )
        specialise_enclosing([ok.value], t.specialised)


class _MaskIndex(tuple):
    """np.nonzero(m) of a traced boolean mask m: its index arrays, each a read of m's coordinates by m (Trace.tentative:
    their count specialises the trace only where an output or Python code uses them), and `mask`, m itself: x[it]
    indexes as x[m] does (NumPy's equivalence), so dl.prepare replays `x[np.nonzero(m)].sum()` where m changes."""

    mask = None  # (an instance attribute: a tuple subclass without __slots__ has a __dict__)

    def transpose(self, axes=None):
        """np.transpose(np.nonzero(m), axes) (NumPy calls the object's own transpose): of the (m.ndim, count) array
        NumPy makes of these reads, by default np.argwhere(m), their stack with its column forms (`_stacked`)."""
        out = _stacked(self)
        if axes is None or list(axes) in ([1, 0], [-1, -2], [1, -2], [-1, 0]):
            return out
        return out.T if list(axes) in ([0, 1], [-2, -1], [0, -1], [-2, 1]) else dnp.transpose(out.T, axes)


def nonzero_of(a):
    """np.nonzero(a) (difflab.numpy.nonzero, np.where(a), a.nonzero()) of a traced array a of at least one axis, this
    trace not specialised: a _MaskIndex, whose reads are those of the mask a != 0 (a itself if boolean: NumPy's
    truth, NaN is True); None otherwise (NumPy's on the values, then)."""
    t = a._trace
    if not a.shape or isinstance(a.value, Tracer) or t.specialised:
        return None
    m = a if a.dtype == bool else ops.not_equal(a, 0)
    coords = [ops.where(m, c, c) for c in np.indices(m.shape)]
    out = _MaskIndex(_masked_read(c, m) for c in coords)
    if any(c is None for c in out):
        return None
    if not t.index_reads:
        t.index_reads = {}  # (this trace's own, not the class's empty default)
        t.index_forms = {}
    t.index_reads.update((read.node, (src, m)) for read, src in zip(out, coords))
    t.index_forms[tuple(read.node for read in out)] = m
    out.mask = m
    _stacked(out)  # (np.stack(it, axis=1), np.column_stack(it): np.argwhere's Var, the trace's CSE, its forms known)
    return out


def argwhere_of(a):
    """np.argwhere(a) (difflab.numpy.argwhere) for a traced array a of this trace: NumPy's (count, a.ndim) array,
    the stack of np.nonzero(a)'s reads (nonzero_of), whose columns (`A[:, k]`, `A.T[k]`, `tuple(A.T)`) are those
    reads, so `x[tuple(A.T)]` is x[a != 0] and `x[A[:, 0]]` x.take(...)[mask]: prepared where the mask changes.
    None where nonzero_of's is."""
    found = nonzero_of(a)
    return None if found is None else _stacked(found)


def _stacked(found):
    """np.argwhere's array of one np.nonzero's reads (a _MaskIndex): their stack along axis 1, that Var and its
    transpose's (the user's A.T: the same Var, the trace's CSE) noted as their column forms (Trace.index_forms).
    Of a 1-d mask, its ravel (A.ravel(), A.reshape(-1), A.flatten(), np.squeeze(A), A.T.ravel(): each that Var) is
    the one read itself (Trace.index_reads), NumPy's order of the same elements. Their stack along axis 0 (NumPy's
    (ndim, count) array: np.stack(np.nonzero(m)), np.vstack(np.nonzero(m)), dnp.array(np.nonzero(m))) and its
    transpose are those forms too, and each transpose's transpose (a trace does not fold A.T.T into A)."""
    out = dnp.stack(found, axis=1)
    t = out._trace
    rows = dnp.stack(found, axis=0)
    forms = ((out, 1), (dnp.transpose(out), 0), (rows, 0), (dnp.transpose(rows), 1))
    forms += tuple((dnp.transpose(a), 1 - axis) for a, axis in forms[1::2])  # (np.vstack(np.nonzero(m)).T.T: A.T.T)
    t.index_forms.update((a.node, (tuple(found), axis)) for a, axis in forms)
    if len(found) == 1:
        t.index_reads.update((dnp.ravel(a).node, t.index_reads[found[0].node]) for a, _ in forms)
    return out


def _form_mask(x, idx):
    """m where idx indexes x as m does: np.nonzero(m) (a _MaskIndex) or a tuple of all its reads (`rows, cols =
    np.nonzero(m)`, `tuple(np.argwhere(m).T)`: Trace.index_forms), m of x's leading shape; None otherwise."""
    if type(idx) is _MaskIndex:
        m = idx.mask
    elif type(idx) is tuple and idx and all(type(i) is Tracer for i in idx) and x._trace.index_forms:
        m = x._trace.index_forms.get(tuple(i.node for i in idx))
    else:
        return None
    return m if m is not None and tuple(m.shape) == tuple(x.shape[: len(m.shape)]) else None


def _index_form(x, idx):
    """x[idx] where idx is a form of np.nonzero(m)'s reads NumPy's code indexes with (Trace.index_forms): a tuple
    of all of them, x[m] (m of x's leading shape); a column of np.argwhere(m) (`A[:, k]`, `A.T[k]`), that read.
    None otherwise."""
    m = _form_mask(x, idx)
    if m is not None:
        return x[m]
    column = x._trace.index_forms.get(x.node)
    if column is None:
        return None
    reads, axis = column
    if axis:  # (np.argwhere(m), (count, ndim): a column is A[:, k]; A[i] is its i-th row, NumPy's, not a read)
        k = idx[1] if type(idx) is tuple and len(idx) == 2 and type(idx[0]) is slice and idx[0] == slice(None) else None
    else:
        k = idx
    if axis == 0 and type(k) is tuple and len(k) == 1:
        k = k[0]
    return reads[k] if _is_int(k) and -len(reads) <= k < len(reads) else None


def _count_first(x, idx):
    """x[idx] for one traced boolean mask among ints and slices where NumPy moves the mask's count to the front (an
    int and the mask apart, a slice between: `X[0, :, m]`, difflab.assign.count_first): the part x[basic] with the
    mask's axes moved first, read by the mask (`_masked_read`), NumPy's order of axes. None for other indices."""
    found = _assign.count_first(x, idx)
    if found is None:
        return None
    basic, pos, m = found
    return _masked_read(_assign.moved_first(ops.getitem(x, idx=basic), pos, len(m.shape)), m)


def _traced_slice(x, idx):
    """(x, idx) with idx's one slice whose bounds are traced integers (`x[:j]`, `x[i:, 0]`, `x[:j:2]`, `x[j::-1]`, j =
    np.argmax(x); a constant step) made the traced mask of the positions it selects along its axis, so x is read by a
    traced mask (x[m], x[m, 0]: `_masked_read`), not by the bounds' values; None for any other index. Python's slices:
    a negative bound counts from the end, a bound beyond the axis selects to it; a negative step reads x reversed
    along the axis (NumPy's order of the elements), its positions counted from the end."""
    idx = idx if type(idx) is tuple else (idx,)
    at = [
        k
        for k, i in enumerate(idx)
        if type(i) is slice
        and (type(i.start) is Tracer or type(i.stop) is Tracer)
        and (i.step is None or _is_int(i.step))
    ]
    if len(at) == 1 and any(i is Ellipsis for i in idx[: at[0]]):  # (x[..., :j:2]: the axes it stands for)
        fill = len(x.shape) - sum(i is not None and i is not Ellipsis for i in idx)
        dots = [p for p, i in enumerate(idx) if i is Ellipsis]
        if len(dots) == 1 and fill >= 0:
            idx = idx[: dots[0]] + (slice(None),) * fill + idx[dots[0] + 1 :]
            at = [at[0] - 1 + fill]
    if len(at) != 1 or at[0] >= len(x.shape) or any(i is None or i is Ellipsis for i in idx[: at[0]]):
        return None
    k, n = at[0], x.shape[at[0]]
    # the mask is NumPy's advanced index where the slice was basic: with an array index beside it the two broadcast
    # together (x[[0, 1], :j] paired rows with positions: a wrong sum), and with an int apart from it (a slice
    # between, x[0, 1:, :j]) NumPy moves the count to the front; either is left to the values' reading
    ints = [p for p, i in enumerate(idx) if _is_int(i)] + [k]
    if any(
        p != k and not (type(i) is slice or _is_int(i) or p > k and (i is None or i is Ellipsis))
        for p, i in enumerate(idx)
    ) or not all(_is_int(idx[p]) for p in range(min(ints), max(ints) + 1) if p != k):
        return None
    bound, step = idx[k], 1 if idx[k].step is None else int(idx[k].step)
    for b in (bound.start, bound.stop):
        if b is not None and not (isinstance(b, Tracer) and not b.shape and b.dtype.kind in "iu" or _is_int(b)):
            return None
    if step == 0:
        return None  # (NumPy's ValueError, from the values' reading)
    if step > 0:
        start, stop = _bound(bound.start, n, 0, (0, None)), _bound(bound.stop, n, n, None)
    else:  # (positions q = n - 1 - p of x reversed along the axis: x[j::-s] is x[::-1][n-1-j::s])
        x = ops.getitem(x, idx=(slice(None),) * k + (slice(None, None, -1),))
        start, stop = _bound(bound.start, n, n - 1, (None, n - 1)), _bound(bound.stop, n, -1, None)
        start, stop = n - 1 - start, n - 1 - stop
    where = np.arange(n)
    mask = (where >= start) & (where < stop)  # (one bound traced: a traced mask)
    if abs(step) != 1:
        mask = mask & ((where - start) % abs(step) == 0)
    return x, idx[:k] + (mask,) + idx[k + 1 :]


def _bound(b, n: int, default: int, clamp):
    """A slice's bound b (a traced or Python int, or None: `default`) as a position along an axis of length n,
    counted from the end when negative (Python's), then clamped to `clamp`'s (low, high) where not None: a step's
    positions are counted from the first one selected, which lies within the axis."""
    if b is None:
        return default
    traced = isinstance(b, Tracer)
    b = dnp.where(b < 0, b + n, b) if traced else (b + n if b < 0 else b)
    low, high = clamp or (None, None)
    if low is not None:
        b = dnp.maximum(b, low) if traced else max(b, low)
    if high is not None:
        b = dnp.minimum(b, high) if traced else min(b, high)
    return b


def _is_int(b) -> bool:
    return isinstance(b, (int, np.integer)) and not isinstance(b, bool)


def _scalar_indices(x, idx: tuple):
    """x[i, j, ...] where each of idx is an integer of one element, some traced 0-d integers (`A[np.argmax(x), j]`,
    `A[r, c]` of `for r, c in np.argwhere(M)`): NumPy's x[i][j]..., each a gather along the first axis of what is
    left (dnp.take: recomputed at each call, an index out of range NumPy's IndexError at any call). None for any other
    index (a slice, an array, a mask, more indices than axes)."""
    if len(idx) > len(x.shape):
        return None
    for i in idx:
        if type(i) is Tracer:
            if i.node.shape or i.dtype.kind not in "iu":
                return None
        elif isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            return None
    out = x
    for i in idx:
        out = dnp.take(out, i, axis=0) if type(i) is Tracer else out[i]
    return out


def _index_read(x, i):
    """x[i] for i = np.nonzero(m)[k] (np.flatnonzero(m)), a read of m's coordinates by m: x.take(src, axis=0)[m], a
    read by the mask itself, so `x[np.flatnonzero(m)].sum()` is replayed where m changes (None for other indices)."""
    found = x._trace.index_reads.get(i.node) if x.shape else None
    if found is None or i._trace is not x._trace:
        return None
    src, m = found
    if src.shape and x.shape[0] < np.max(src.value, initial=0) + 1:  # (take would read every coordinate, selected
        return None  # or not: x[:3][np.flatnonzero(x > 1)] was an IndexError where NumPy's selects within x[:3])
    return _masked_read(dnp.take(x, src, axis=0), m)


def _argwhere_read(x, a):
    """x[a] for a = np.argwhere(m) (m of d axes; NumPy's (count, d, *x.shape[1:]): x at each coordinate of each
    selected position) or its transpose (d, count, ...): one read by m, stack([x.take(c_j, axis=0) for each axis
    j's coordinates c_j], axis=d)[m] (axis 0: [:, m]), so `np.sin(x[np.argwhere(m)]).sum()` is replayed where m
    changes, as x[m] is. None for other indices, and where a coordinate of m is beyond x's first axis."""
    t = x._trace
    column = t.index_forms.get(a.node)
    if column is None or a._trace is not t:
        return None
    reads, axis = column
    found = [t.index_reads.get(r.node) for r in reads]
    if any(f is None for f in found):
        return None
    m = found[0][1]
    if x.shape[0] < max(m.shape):  # (x.take of every coordinate, selected or not: _index_read's reason)
        return None
    # (the coordinates as constants: x.take of the traced ones, computed from m, was no elementwise function of a read
    # by m, and a sum of it used the count)
    taken = [dnp.take(x, c, axis=0) for c in np.indices(m.shape)]
    if axis:
        return _masked_read(dnp.stack(taken, axis=len(m.shape)), m)
    return _masked_read(dnp.stack(taken, axis=0), (slice(None), m))


def _argwhere_write(y, a, value, frame) -> bool:
    """`y[a] = value` for a = np.argwhere(m) of a 1-d mask m over y's first axis (NumPy's index of shape (count, 1):
    the positions m selects, the target (count, 1, *y.shape[1:])) or its transpose (1, count): y with that length-1
    axis, y[:, None] (y[None]), updated by m at its other axis (difflab.assign.assign_masked: a value broadcast so,
    or an elementwise function of reads by m, y[a] itself in `y[a] *= 2`, x[a] in `y[a] = np.sin(x[a])`, which
    x[np.argwhere(m)] reads as stack([x], axis=1)[m]), then set back: replayed where m changes. False otherwise (m of
    2 or more axes, where NumPy reads each coordinate as a position along y's first axis; a value of the count)."""
    t = y._trace
    column = t.index_forms.get(a.node)
    if column is not None and len(column[0]) > 1 and a._trace is t and y.node.shape:
        return _argwhere_rows_write(y, a, value, column[0], frame)
    if column is None or a._trace is not t or len(column[0]) != 1 or not t.index_reads:
        return False
    found = t.index_reads.get(column[0][0].node)
    if found is None or tuple(found[1].shape) != tuple(y.node.shape[:1]):
        return False
    one = 1 if column[1] else 0  # (the length-1 axis: the coordinates' for argwhere's (count, 1), first for its .T)
    whole = dnp.expand_dims(y, one).copy()  # (a copy: no view of y, which is set from it after)
    if not _assign.assign_masked(whole, found[1], value, lambda: _source_at(frame), 1 - one):
        return False
    _assign.assign(y, (Ellipsis,), dnp.squeeze(whole, axis=one), lambda: _source_at(frame))
    return True


def _count_write(y, mask, value, frame) -> bool:
    """`y[m] = v` for a traced mask m over y's leading axes and a value v of its count's length (`np.cumsum(x[m])`,
    `np.sort(x[m])`: no elementwise function of reads by m, so no numpy.where of them), where the trace's operator
    checks count guards: m's count guarded (traced again where it differs: NumPy's ValueError there for a constant
    v) and the k-th selected position taking v[k], a gather by m's running count recomputed at each call; under vmap
    (no guards) the count specialises the trace row by row (_count_guard): each row answered alone."""
    t = y._trace
    if type(mask) is not Tracer or mask._trace is not t or isinstance(mask.value, Tracer):
        return False
    shape, rest = tuple(mask.node.shape), tuple(y.node.shape[len(mask.node.shape) :])
    n = int(np.count_nonzero(mask.concrete))
    if tuple(np.shape(value)) != (n,) + rest or not n:
        return False
    _count_guard(mask, dnp.count_nonzero(mask), n)
    rank = dnp.cumsum(dnp.reshape(mask, (-1,)))  # (0 .. n: row 0 of v's extension never read where m holds)
    rank = dnp.minimum(rank, n)  # (in range where the guard fails: the symbolic method's placeholders, never read)
    v = dnp.concatenate([dnp.zeros((1,) + rest, dtype=getattr(value, "dtype", float)), value])
    taken = dnp.reshape(dnp.take(v, rank, axis=0), shape + rest)
    new = dnp.where(dnp.reshape(mask, shape + (1,) * len(rest)), taken, y)
    _assign.assign(y, (Ellipsis,), new, lambda: _source_at(frame))
    return True


def _argwhere_rows_write(y, a, value, reads, frame) -> bool:
    """`y[a] = value` for a = np.argwhere(M) of an M of 2 or more axes (or its transpose): NumPy's integer array index,
    each coordinate of each selected position a row of y (target a.shape + y.shape[1:]), the last write of a row
    kept. Recorded as a gather: row r takes the value at the last entry of a equal to r (a's entries compared
    with each row number), where one is, else keeps y[r]; a being recomputed from M at each call (its count
    guarded: prepare traces again where it differs). `y[a] *= c` is so y[a] * c, each row written with its own
    value scaled. False where a coordinate may fall outside y's first axis (NumPy's IndexError)."""
    t, n, rest = y._trace, y.node.shape[0], tuple(y.node.shape[1:])
    found = [t.index_reads.get(r.node) for r in reads]
    if any(f is None for f in found) or n < max(found[0][1].shape):
        return False
    size = int(np.prod(a.node.shape))
    flat = dnp.reshape(a, (-1,))
    v = dnp.reshape(dnp.broadcast_to(value, tuple(a.node.shape) + rest), (size,) + rest)
    v = dnp.concatenate([v, dnp.zeros((1,) + rest, dtype=v.dtype)])  # (a row past the end: never empty)
    hit = flat[None, :] == np.arange(n)[:, None]  # (n, size): entry q of a names row r
    last = dnp.max(dnp.where(hit, np.arange(size), -1), axis=1, initial=-1)  # (NumPy's last write wins)
    taken = dnp.take(v, dnp.where(last >= 0, last, size), axis=0)
    new = dnp.where(dnp.reshape(last >= 0, (n,) + (1,) * len(rest)), taken, y)
    _assign.assign(y, (Ellipsis,), new, lambda: _source_at(frame))
    return True


#: reductions of a read by a traced mask over its count recorded without the count (difflab.assign.reduce_masked)
_MASK_REDUCERS = frozenset({"sum", "mean"})


def _masked_reduction(name, args, kwargs):
    """np.sum(x, axis, keepdims=...) / x.sum(...) (np.mean, x.mean() too) of a value computed elementwise from reads
    x[mask] by a traced mask (Trace.tentative), over the count's axis: difflab.assign.reduce_masked's equations, else
    None (the usual sum)."""
    params = dict(zip(("axis", "dtype", "out", "keepdims"), args[1:]), **kwargs)
    if set(params) - {"axis", "keepdims"} and any(
        params.get(k) is not None for k in ("dtype", "out", "initial", "where")
    ):
        return None
    if type(params.get("where", True)) is not bool or not params.get("where", True):
        return None
    if name == "mean" and args[0].dtype != np.float64:  # (NumPy's mean of float32 stays float32: its usual path)
        return None
    return _assign.reduce_masked(args[0], params.get("axis"), bool(params.get("keepdims", False)), name == "mean")


# NumPy's functions that read a traced value's shape for the user's code (through __array_function__, whose
# caller's frame is the user's): a read by a traced mask's count, as .shape and len() on the tracer itself
_COUNT_READERS = frozenset({"shape", "size"})


#: why an integer traced value's number was read where NumPy's own indexing took it, and the spelling that is not
_NUMPY_INDEXING = (
    " (NumPy's own indexing of a NumPy array (or list) W by it, W[i], W[:i] or numpy.take(W, i), reads its value, a"
    " number dl.prepare cannot recompute: write difflab.numpy.take(W, i, axis=0) for W[i], a gather by i recomputed at"
    " each call, as a traced array's x[i] is, and numpy.where(numpy.arange(len(W)) < i, W, 0) for W[:i], a traced"
    " array of W's shape)"
)
#: the same for Python's own integer uses of it, a call's (range(i)), and NumPy's indexing of a traced array where
#: the bound of a slice beside an array index or apart from an int is read by NumPy (Tracer.__index__'s callers)
_PYTHON_INDEX = (
    " (Python's own use of it as an int, range(i), operator.index(i), reads its value, a number dl.prepare cannot"
    " recompute: a sum over range(i) is x[:i].sum() of a traced x, and numpy.arange(n) < i a traced mask, both"
    " recomputed at each call)"
)
_SLICE_BOUND = (
    " (a slice's bound beside an array index or apart from an int, x[[0, 1], :i] or x[0, 1:, :i], which NumPy's"
    " indexing reads, a number dl.prepare cannot recompute: index in two steps, x[[0, 1]][:, :i] or x[0][1:, :i],"
    " whose traced bound is a mask recomputed at each call)"
)
#: why a traced mask's values were read where NumPy's own indexing of a NumPy array took them
_INTEGER_ARRAY = "an integer traced value converted to a NumPy array" + _NUMPY_INDEXING
#: the same for np.nonzero(m)'s index arrays: np.array(np.nonzero(m)) is NumPy's array of their values
_NONZERO_ARRAY = (
    "np.nonzero(m)'s indices converted to a NumPy array (np.array(np.nonzero(m)) and np.asarray(np.nonzero(m)) build"
    " a new NumPy array of their values, which no dispatch or subclass can make traced, or NumPy's indexing of a"
    " NumPy array W by them, reads their values, which dl.prepare cannot recompute: write np.stack(np.nonzero(m)),"
    " np.argwhere(m), np.transpose(np.nonzero(m)) or dnp.array(np.nonzero(m)) for their array, traced, and"
    " numpy.where(m, W, 0) for W's elements)"
)
_NUMPY_MASKING = (
    "a traced mask indexing a NumPy array (NumPy's own indexing of a NumPy array W by it, W[m], reads its values,"
    " which dl.prepare cannot recompute: write numpy.where(m, W, 0), a traced array of W's shape whose sum is W[m]'s)"
)


def _index_use(frame) -> str:
    """Why __index__ was called from `frame`: NumPy's indexing of a traced array by difflab's getitem, a user's
    subscript (NumPy's of a NumPy array), or another of Python's integer uses (range(i))."""
    if frame is None or frame.f_globals.get("__name__", "").startswith("difflab."):
        return _SLICE_BOUND
    return _NUMPY_INDEXING if frame.f_code.co_code[frame.f_lasti] == dis.opmap["BINARY_SUBSCR"] else _PYTHON_INDEX


class Tracer(Traced):
    """A value being traced: the `Var` it stands for and its concrete value at the example input."""

    __slots__ = ("_trace", "node", "value", "__weakref__")  # (weak references: difflab.assign's view families)
    __array_priority__ = 1000

    # No __init__: `Tracer()` (then its three slots stored) is how a tracer is made, `_tracer(trace, var, value)`
    # in one call. A class without one is called straight into object.__new__ and object.__init__, in C;
    # with one, `object.__new__(Tracer)` went through tp_new_wrapper (an argument tuple and its slice):
    # ~290 machine instructions more per tracer (callgrind: 31k of a fresh scalar-net gradient's 1,341k at
    # B = 1, bench/fresh_counts.py s1), and a fresh gradient makes one per equation and one per input

    @property
    def concrete(self):
        v = self.value
        return v.concrete if isinstance(v, Tracer) else v

    @property
    def shape(self):
        if self._trace.tentative:  # (a read by a traced mask: its count may be what the user's code reads here)
            _count_read(self, sys._getframe(1), ".shape")
        return self.node.shape

    @shape.setter
    def shape(self, value):  # (NumPy's in-place reshape; was "property 'shape' of 'Tracer' object has no setter")
        raise AttributeError(
            f"x.shape = {value!r}: a traced value is not reshaped in place; write x = x.reshape({value!r}) (NumPy's "
            "reshape, which traces)"
        )

    dtype = property(lambda self: self.node.dtype)
    ndim = property(lambda self: len(self.node.shape))

    @property
    def size(self):
        if self._trace.tentative:
            _count_read(self, sys._getframe(1), ".size")
        return int(np.prod(self.node.shape))

    T = property(lambda self: dnp.transpose(self))
    # (ndarray's attributes, as np.real(x) and np.imag(x): views, as NumPy's)
    real = property(lambda self: _assign.view_of(self, dnp.real(self)))
    imag = property(lambda self: _assign.view_of(self, dnp.imag(self)))
    at = property(lambda self: _assign.At(self, _index))  # (jax.numpy's out-of-place updates: x.at[i].set(v))

    def __repr__(self):
        return f"Tracer({self.node!r}: {self.node.aval}, value={self.concrete!r})"

    def __len__(self):
        if not self.node.shape:
            raise TypeError("len() of a 0-d traced value")
        if self._trace.tentative and self._trace.index_forms.get(self.node, (0, 1))[1]:  # (np.argwhere(m).T's
            _count_read(self, sys._getframe(1), "len()")  # first axis is m.ndim, not the count: tuple(A.T))
        return self.node.shape[0]

    def __iter__(self):
        column = self._trace.index_forms.get(self.node) if self._trace.index_forms else None
        if column is not None and column[1] == 0:
            return iter(column[0])  # (tuple(np.argwhere(m).T): np.nonzero(m)'s reads, not read by their count)
        if self._trace.tentative and self.node.shape:
            items = _masked_items(self)
            if items is not None:
                return items
            _count_read(self, sys._getframe(1), "iteration")
        return (self[i] for i in range(self.node.shape[0] if self.node.shape else len(self)))

    # arithmetic: Python operators record primitives (on two Python floats without going
    # through Op.bind: see _float_operator)
    __add__ = lambda self, o: ops.add(self, o)
    __radd__ = lambda self, o: ops.add(o, self)
    __sub__ = lambda self, o: ops.sub(self, o)
    __rsub__ = lambda self, o: ops.sub(o, self)
    __mul__ = lambda self, o: ops.mul(self, o)
    __rmul__ = lambda self, o: ops.mul(o, self)
    __truediv__ = lambda self, o: ops.div(self, o)
    __rtruediv__ = lambda self, o: ops.div(o, self)
    __pow__ = lambda self, o: ops.pow(self, o)
    __rpow__ = lambda self, o: ops.pow(o, self)
    __mod__ = lambda self, o: NotImplemented if _defers(o) else ops.mod(self, o)
    __rmod__ = lambda self, o: ops.mod(o, self)
    __floordiv__ = lambda self, o: NotImplemented if _defers(o) else ops.floor_divide(self, o)
    __rfloordiv__ = lambda self, o: ops.floor_divide(o, self)
    __matmul__ = lambda self, o: ops.matmul(self, o)
    __rmatmul__ = lambda self, o: ops.matmul(o, self)
    __neg__ = lambda self: ops.neg(self)
    __pos__ = lambda self: _assign.fresh(self)  # (a copy, as NumPy's +x)
    __abs__ = lambda self: ops.cabs(self) if self.node.dtype.kind == "c" else ops.abs(self)  # |z|: its own entry
    __gt__ = lambda self, o: ops.greater(self, o)
    __lt__ = lambda self, o: ops.less(self, o)
    __ge__ = lambda self, o: ops.greater_equal(self, o)
    __le__ = lambda self, o: ops.less_equal(self, o)
    __eq__ = lambda self, o: ops.equal(self, o)
    __ne__ = lambda self, o: ops.not_equal(self, o)
    __and__ = lambda self, o: ops.bitwise_and.front(self, o)  # (m1 & m2 of comparisons: a traced mask, not specialised)
    __rand__ = lambda self, o: ops.bitwise_and.front(o, self)
    __or__ = lambda self, o: ops.bitwise_or.front(self, o)
    __ror__ = lambda self, o: ops.bitwise_or.front(o, self)
    __xor__ = lambda self, o: ops.bitwise_xor.front(self, o)
    __rxor__ = lambda self, o: ops.bitwise_xor.front(o, self)
    __invert__ = lambda self: ops.invert.front(self)
    __hash__ = object.__hash__

    def _in_place(fn):  # noqa: N805 - (x += v: NumPy's update of the one object every name holds; difflab.assign)
        def method(self, o):
            frame = sys._getframe(1)
            return _assign.in_place(self, fn(self, o), frame, lambda: _source_at(frame))

        return method

    __iadd__, __isub__, __imul__ = _in_place(operator.add), _in_place(operator.sub), _in_place(operator.mul)
    __itruediv__, __ipow__, __imatmul__ = (
        _in_place(operator.truediv),
        _in_place(operator.pow),
        _in_place(operator.matmul),
    )
    __ifloordiv__, __imod__ = _in_place(operator.floordiv), _in_place(operator.mod)
    del _in_place

    def __getitem__(self, idx):
        if type(idx) is _MaskIndex and tuple(idx.mask.shape) == tuple(self.shape[: len(idx)]):
            idx = idx.mask  # (x[np.nonzero(m)] is x[m])
        elif self._trace.index_forms:
            out = _index_form(self, idx)  # (x[rows, cols] of np.nonzero(m), np.argwhere(m)[:, k]: argwhere_of)
            if out is not None:
                return out
        if type(idx) is Tracer and idx.dtype.kind in "iu" and self.shape:
            out = _argwhere_read(self, idx) if self._trace.index_reads else None
            if out is not None:
                return out
            out = _index_read(self, idx) if self._trace.index_reads else None
            if out is not None:
                return out
            # x[i] by a traced integer index of any shape (argsort's, argmax's, searchsorted's): one gather along
            # the first axis, the trace not specialised to i's values (recomputed at each call)
            return dnp.take(self, idx, axis=0)  # (NumPy's x[i] along the first axis)
        if type(idx) is tuple and Tracer in map(type, idx):
            out = _scalar_indices(self, idx)  # (A[i, j], A[i, 1] of traced 0-d integers: gathers, not specialised)
            if out is not None:
                return out
        masked = _masked_read(self, idx)
        if masked is not None:
            return masked
        bounded = _traced_slice(self, idx)
        if bounded is not None:
            return bounded[0][bounded[1]]
        idx = _index(idx)
        out = ops.getitem(self, idx=idx)
        if out.node.shape or Ellipsis in idx:  # basic indexing: a view, as NumPy's (difflab.assign)
            for i in idx:
                if isinstance(i, np.ndarray):
                    return out
            _assign.view_of(self, out, idx)
        return out

    def __setitem__(self, idx, value):
        # a functional update this tracer is rebound to (difflab.assign), refused where NumPy's view would differ
        frame = sys._getframe(1)
        if self._trace.index_reads:  # (y[np.nonzero(m)] = v, y[rows, cols] = v of np.nonzero(m): y[m] = v)
            m = _form_mask(self, idx)
            idx = idx if m is None else m
        if type(idx) is Tracer and self._trace.index_forms and _argwhere_write(self, idx, value, frame):
            return  # (y[np.argwhere(m)] = v, m 1-d: y[:, None][m] = v)
        if isinstance(idx, tuple) and len(idx) == 1:
            idx = idx[0]
        axis = _assign.index_axis(self, idx)
        if axis is not None:
            # y[i] = v (y[:, i] = v) by a traced integer index (argsort's, argmax's): put_along along that axis,
            # recomputed at each call (the trace not specialised to i's values), as y[i] reads by a gather
            _assign.assign_indexed(
                self, idx[axis] if type(idx) is tuple else idx, value, lambda: _source_at(frame), axis
            )
            return
        flat = _assign.flat_index(self, idx)
        if flat is not None:  # (y[i, j] = v by traced integer indices (and ints): put_along at y's flat i·n + j)
            _assign.assign_flat(self, flat, value, lambda: _source_at(frame))
            return
        found = _assign.mask_axis(self, idx)  # (a traced mask, alone or along some axes among full slices)
        if found is not None and _assign.assign_masked(self, found[0], value, lambda: _source_at(frame), found[1]):
            return  # (a traced mask and a value not of its count: numpy.where, the trace not specialised)
        if found is not None and found[1] == 0 and _count_write(self, found[0], value, frame):
            return  # (y[m] = np.cumsum(x[m]): a value of the count, gathered by m's running count)
        if found is None and _assign.assign_mixed(self, idx, value, lambda: _source_at(frame)):
            return  # (a traced mask among ints and partial slices: the part updated so, written back)
        _assign.assign(self, _index(idx), value, lambda: _source_at(frame))

    def __delitem__(self, idx):  # (NumPy's refusal, with its way out; was "'Tracer' object has no attribute")
        raise ValueError("cannot delete array elements; numpy.delete(x, index) returns x without them")

    def fill(self, value):
        """ndarray.fill: every element set to `value` in place (an item assignment, difflab.assign)."""
        frame = sys._getframe(1)
        _assign.fill(self, value, lambda: _source_at(frame))

    def put(self, indices, values, mode="raise"):
        """ndarray.put: numpy.put(self, indices, values, mode) in place (an item assignment, difflab.assign)."""
        frame = sys._getframe(1)
        _assign.put(self, indices, values, mode, lambda: _source_at(frame))

    def sort(self, axis=-1, kind=None, order=None, *, stable=None):
        """ndarray.sort: sorted in place along `axis` (the sorted copy assigned into it, difflab.assign)."""
        frame = sys._getframe(1)
        new = dnp.sort(self, axis, kind, order, stable=stable)
        _assign.assign(self, (Ellipsis,), new, lambda: _source_at(frame))

    def __round__(self, ndigits=None):
        return dnp.round(self, 0 if ndigits is None else ndigits)

    def __format__(self, spec):
        # f"{loss:.3f}" in a logging line: the value here, formatted as NumPy formats it (print(x) shows it too); a
        # str carries no derivative back (object's __format__ refused every spec: "unsupported format string")
        return format(self.concrete, spec) if spec else str(self)

    def __copy__(self):  # (copy.copy, copy.deepcopy of a params dict in f: a copy, as NumPy's; deepcopy reached the
        return _assign.fresh(self)  # trace through the default protocol: "cannot pickle 'PyCapsule' object")

    def __deepcopy__(self, memo):
        return _assign.fresh(self)

    def __reduce_ex__(self, protocol):
        raise TracerConversionError(
            f"pickling a traced value ({self.node!r}: {self.node.aval}, being differentiated) would drop its "
            "derivative: pickle f's inputs or results outside the function (copy.deepcopy copies it)"
        )

    # (Python's divmod on a traced value: numpy.divmod's pair, as an ndarray's; it was "unsupported operand type(s)")
    __divmod__ = lambda self, o: NotImplemented if _defers(o) else dnp.divmod(self, o)
    __rdivmod__ = lambda self, o: dnp.divmod(o, self)

    def __bool__(self):
        # value-dependent control flow: the graph is only valid for these input values
        if not self._trace.specialised:
            specialise(self, "bool() (an if, while, and/or on it)")
        return bool(self.concrete)

    def _no_conversion(self, *_):
        raise TracerConversionError(_conversion_message(self, _user_frame(sys._getframe(1))))

    __float__ = __complex__ = _no_conversion

    def __trunc__(self):  # (math.trunc, NumPy's object loop of np.trunc: int()'s answer, not "no __trunc__ method")
        return self.__int__()

    def _integer_value(self, what):
        """An integer value (argpartition's indices) carries no derivative: its number, read as `bool()` reads
        one (the trace specialised to the input values); any other refuses, naming the conversion."""
        t = self._trace
        if self.dtype.kind not in "iu" and (self.dtype.kind != "f" or not _is_count(t, self.node)):
            self._no_conversion()  # (a float count, np.sum(m.astype(float)), has no derivative: int() is its count)
        if t.specialised:
            return self.concrete
        count = not self.node.shape and _is_count(t, self.node)
        if count and t.guards is not None:  # (a count: traced again where it differs; keyed by its mask where it is
            # one mask's whole count, so that a read by that mask is gathered, _count_guarded)
            mask = _counted_mask(self)
            _count_guard(self if mask is None else mask, self, int(self.concrete))
        else:
            specialise(self, what, rows=count and _ROWS)  # (a count under vmap: each row alone)
        return self.concrete

    def __int__(self):
        return int(self._integer_value("int() of an integer traced value"))

    def __index__(self):
        if self.dtype.kind not in "iu":  # (NumPy's float64 is no index either)
            self._no_conversion()
        return int(self._integer_value("an integer traced value used as a Python index" + _index_use(sys._getframe(1))))

    def item(self, *_):  # (NumPy's ndarray.item: a Python number, as float(x) is; JAX refuses it too)
        raise TracerConversionError(_conversion_message(self, sys._getframe(1)))

    def tolist(self):
        """NumPy's nested lists of the elements, each a 0-d traced value (NumPy's are Python numbers, which
        would drop the derivative): `sum(x.tolist())`, `for v in x.tolist()` keep it."""
        if not self.shape:
            return self
        return [row.tolist() for row in self]

    # NumPy-style methods: generated from the registry (Op.methods) and difflab.numpy's derived
    # functions that are ndarray methods (dnp.METHODS), installed on the class by _sync_methods;
    # transpose takes NumPy's *axes form
    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return dnp.transpose(self, axes if axes else None)

    def astype(self, dtype, *_, **__):
        dtype = np.dtype(dtype)
        if dtype.kind == "b" and self.node.dtype.kind == "b":  # (a mask's copy, NumPy's)
            return _assign.fresh(self)
        if self.node.dtype.kind == "b" and (dtype.kind in "fc" or dtype == np.dtype(int)):
            # a mask as numbers: NumPy's 1 and 0, no derivative, traced (the trace reused where the mask differs)
            one = 1.0 if dtype.kind in "fc" else 1
            ones = ops.REGISTRY["where"](self, one, 0 * one)
            return ones if ones.dtype == dtype else ones.astype(dtype)
        if dtype.kind == "b":  # (x.astype(bool) as a mask: NumPy's truth, NaN true; traced, so prepare reuses it)
            return ops.not_equal(self, 0)
        if dtype.kind in "iu":
            # np.floor(x).astype(int) for a gather, (x > 0).astype(np.int8), argmax(x).astype(np.int32): NumPy's
            # cast, piecewise constant (zero derivative), recorded (JAX's traced integer array), so prepare, jit
            # and vmap reuse the trace at values with other integers
            if dtype == self.node.dtype:
                return _assign.fresh(self)  # (a copy, as NumPy's)
            x = self
            if x.node.dtype.kind == "b":
                x = ops.REGISTRY["where"](x, 1, 0)
            elif x.node.dtype.kind == "c":  # NumPy's real part, with its warning
                warnings.warn(
                    "Casting complex values to real discards the imaginary part",
                    np.exceptions.ComplexWarning,
                    stacklevel=2,
                )
                x = ops.REGISTRY["real"](x)
            return ops.REGISTRY["astype_int"](x, dtype=dtype.name)
        if dtype.kind == "c" and self.node.dtype.kind == "f":  # (a real value as complex: JAX's and NumPy's x + 0j)
            # (then the cast recorded even where the trace's complex128 is dtype: a float32 x's x + 0j is complex64 in
            # NumPy, and its astype(complex128) was complex64 at the boundary, einsum's dtype=np.complex128 too)
            return (self + 0j).astype(dtype)
        if dtype.kind == "f" and self.node.dtype.kind == "c":  # NumPy's and JAX's real part, with their warning
            warnings.warn(
                "Casting complex values to real discards the imaginary part", np.exceptions.ComplexWarning, stacklevel=2
            )
            return ops.REGISTRY["real"](self).astype(dtype)
        if dtype.kind not in "fc" or dtype.kind != self.node.dtype.kind:
            self._no_conversion()
        self._trace.casts = True  # the outputs' dtypes are then NumPy's promotion's (boundary.out_dtypes)
        out = ops.REGISTRY["astype"](self, dtype=dtype.name)
        return _assign.fresh(out) if out is self else out  # (a copy, as NumPy's, even of the same dtype)

    def _index_values(self, frame):
        """The values of an index NumPy's own code takes (no derivative to drop: an integer array, or a mask
        indexing a NumPy array, `W[m]`), the trace specialised to them; None for any other value."""
        if self.dtype.kind in "iu":
            read = self._trace.index_reads and self.node in self._trace.index_reads  # (np.nonzero(m)'s)
            return np.asarray(self._integer_value(_NONZERO_ARRAY if read else _INTEGER_ARRAY))
        if self.dtype == bool and frame.f_code.co_code[frame.f_lasti] == dis.opmap["BINARY_SUBSCR"]:
            if not self._trace.specialised:
                specialise(self, _NUMPY_MASKING)
            return np.asarray(self.concrete)
        return None

    def __array__(self, dtype=None, copy=None):
        value = self._index_values(sys._getframe(1))
        if value is not None:
            return value if dtype is None else value.astype(dtype)
        trick = _index_trick(sys._getframe(1))
        if trick is not None:
            raise UnsupportedOperationError(
                f"numpy.{trick}[...] cannot take traced values: NumPy converts each item with numpy.array, "
                f"which would drop its derivative; use difflab.numpy.{trick}[...] (the same syntax)"
            )
        scipy_fn = _scipy_caller(sys._getframe(1))
        if scipy_fn is not None:  # SciPy's Python code (polygamma, logsumexp, stats): no dispatch reaches it
            raise UnsupportedOperationError(scipy_fn)
        caller = _numpy_caller(sys._getframe(1))
        if caller is not None and caller.startswith("polynomial."):  # no dispatch: Python code converting
            raise UnsupportedOperationError(_polynomial_message(caller, self, _user_frame(sys._getframe(1))))
        if caller in ("fill_diagonal", "put_along_axis"):  # (dispatched on the target only: a NumPy array's)
            raise UnsupportedOperationError(
                f"numpy.{caller} writes a traced value ({self.node!r}: {self.node.aval}) into a NumPy array in "
                "place, which would drop its derivative; write into a traced array instead "
                "(h = numpy.zeros_like(x), or x.copy())"
            )
        if caller is not None and caller.startswith("ma."):  # np.ma's Python code: np.array(data), no dispatch
            raise UnsupportedOperationError(_ma_message(caller[3:], self))
        if caller is not None:  # np.mean([a, b]): NumPy converted the list before any dispatch
            raise UnsupportedOperationError(
                f"numpy.{caller} converted a traced value ({self.node!r}: {self.node.aval}), or a list or tuple "
                "holding one, to a NumPy array itself, which would drop its derivative (no dispatch reaches difflab); "
                + (
                    f"use difflab.numpy.{caller}, which traces it"
                    if _dnp_function(caller) is not None
                    else "stack the list first with difflab.numpy.stack or difflab.numpy.array"
                )
            )
        if dtype is not None and np.dtype(dtype).kind in "biu":  # np.int64(x), np.asarray(x, dtype=int)
            raise UnsupportedOperationError(_cast_message(self.node, np.dtype(dtype)))
        user = _user_frame(sys._getframe(1))
        text = _source_at(user) if user is not None else None
        if user is not None and user.f_code.co_code[user.f_lasti] == dis.opmap["STORE_SUBSCR"]:  # h[1:] = x
            raise TracerConversionError(
                f"a traced value ({self.node!r}: {self.node.aval}, being differentiated) was stored into a NumPy "
                f"array{f' (`{text} = ...`)' if text else ''}, which would silently drop its derivative. {STORED}"
            )
        if _numpy_vectorize(sys._getframe(1)):
            raise UnsupportedOperationError(
                f"numpy.vectorize{f' (`{text}`)' if text else ''}: a traced value ({self.node!r}: {self.node.aval}) "
                "was converted to a NumPy array, which would drop its derivative (numpy.vectorize calls the "
                "function on NumPy numbers); use difflab.numpy.vectorize (the same arguments: it calls the function "
                "on traced elements), or write the function with array operations (numpy.where(x > 0, a, b) for an if)"
            )
        method = _UFUNC_METHOD_CALL.search(text or "")
        if method is not None and isinstance(getattr(np, method[1], None), np.ufunc):  # np.add.reduce([a, b])
            raise UnsupportedOperationError(_ufunc_list_message(text, self.node, f"{method[1]}.{method[2]}"))
        raise UnsupportedOperationError(
            (f"`{text}`: " if text else "")
            + f"a traced value ({self.node!r}: {self.node.aval}) was converted to a NumPy array, which would drop "
            "its derivative (NumPy's own conversions cannot be intercepted). numpy.asarray(x) or numpy.array(x): "
            "drop it; numpy.float64(a): a itself; numpy.array([a, b]): numpy.stack([a, b]) or "
            "difflab.numpy.array([a, b]); y[i] = a into a NumPy array: y = numpy.zeros_like(x) first; a list of traced "
            f"values given to a NumPy function: the difflab.numpy function. {_FULL_LIST}"
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        fn = dnp.UFUNCS.get(ufunc.__name__)
        out = kwargs.get("out", None)
        if out is not None and len(out) == 1 and isinstance(out[0], Tracer) and method == "__call__" and fn:
            return _ufunc_into(fn, out[0], inputs, kwargs, _user_frame(sys._getframe(1)))
        if method == "at" and isinstance(inputs[0], Tracer) and _UFUNC_AT.get(ufunc.__name__) and not kwargs:
            return _ufunc_at(ufunc, *inputs)
        if method == "at" and _UFUNC_AT.get(ufunc.__name__) and not kwargs and not isinstance(inputs[0], Tracer):
            text = _source_at(_user_frame(sys._getframe(1)))  # np.add.at(agg, idx, msg), agg = np.zeros(...)
            raise UnsupportedOperationError(
                (f"`{text}`: " if text else "")
                + f"numpy.{ufunc.__name__}.at updates its first argument, a NumPy array of the function's own, "
                f"in place with a traced value: {STORED}"
            )
        if out is not None:
            text = _source_at(_user_frame(sys._getframe(1)))
            if text and _AUGMENTED.match(text) and not isinstance(kwargs["out"][0], Traced):
                raise UnsupportedOperationError(_augmented_message(text))
            raise UnsupportedOperationError(_out_message(ufunc.__name__, text))
        kwargs.pop("out", None)
        if method == "__call__":  # (subok=False asks for a strict ndarray, not a subclass: a traced value is neither)
            kwargs.pop("subok", None)
        if method != "__call__":
            fn = dnp.ufunc_method(ufunc.__name__, method, ufunc.nin, ufunc)
            # (axis=None is NumPy's "all axes" for reduce, an error for accumulate: dropped, it was axis 0)
            kwargs = {k: v for k, v in kwargs.items() if v is not None or (k == "axis" and method != "reduceat")}
            if fn is not None and _accepts(fn, kwargs):  # (else refused naming the keywords: initial=, where=)
                return fn(*inputs, **kwargs)
        if "keepdims" in kwargs and ops.core.keepdims_refused(ufunc):  # (np.matvec(A, x, keepdims=True): NumPy's words)
            raise TypeError(ops.core.keepdims_refused(ufunc))
        if kwargs and ufunc.signature is not None and fn is not None and _accepts(fn, kwargs):
            return fn(*inputs, **kwargs)  # a generalized ufunc's core-axis keyword (np.vecdot(x, y, axis=0))
        if kwargs and method == "__call__" and fn is not None and ufunc.signature is None:
            inputs, kwargs = _ufunc_keywords(inputs, kwargs)
        if method != "__call__" or fn is None or kwargs:
            name = _ufunc_name(ufunc) + ("" if method == "__call__" else f".{method}")
            raise UnsupportedOperationError(
                f"{name} is not a difflab primitive"
                + (f" (keyword arguments {sorted(kwargs)})" if kwargs else "")
                + (_did_you_mean(name, dnp.UFUNCS) if method == "__call__" and not kwargs else "")
                + f". {_SCIPY_LIST if name.startswith('scipy.') else _FULL_LIST}"
            )
        return fn(*inputs)

    def __array_function__(self, func, types, args, kwargs):
        name = _numpy_name(func)
        fn = dnp.FUNCTIONS.get(name)
        if fn is None and _by_like(func, args, kwargs):  # np.ones(3, like=x): NumPy's own array (a constant)
            return func(*args, **kwargs)
        if fn is None:
            scipy_fn = _scipy_caller(sys._getframe(1))
            if scipy_fn is not None:  # NumPy's function called by SciPy's Python code: name SciPy's
                raise UnsupportedOperationError(scipy_fn)
            raise UnsupportedOperationError(
                f"numpy.{name} is not a difflab primitive"
                f"{_difflab_spelling(name) or _did_you_mean(name, {**dnp.FUNCTIONS, **dnp.UFUNCS})}. {_FULL_LIST}"
            )
        if name in _COUNT_READERS and self._trace.tentative and args and isinstance(args[0], Tracer):
            _count_read(args[0], sys._getframe(1), f"numpy.{name}")  # (np.shape(x[m])[0]: as x[m].shape's)
        if name in _MASK_REDUCERS and self._trace.tentative and args and type(args[0]) is Tracer:
            out = _masked_reduction(name, args, kwargs)  # (np.sum(x[m]): sum(where(m, x, 0)), difflab.assign)
            if out is not None:
                return out
        if len(args) > 1:  # (np.sum(x, 0, None, c): NumPy's 4th argument is out, difflab's sum's keepdims)
            args, kwargs = _numpy_layout(func, fn, args, kwargs)
            args, kwargs = _out_keyword(fn, args, kwargs)
        if "out" in kwargs and (kwargs["out"] is not None or not _accepts(fn, {"out": None})):  # (np.cumsum(x, out=c))
            return _function_into(name, fn, args, kwargs, _user_frame(sys._getframe(1)))
        try:
            out = fn(*args, **kwargs)  # (difflab.numpy's wrappers hand out copies and views as NumPy's: its
            return _assign.handed(name, args, out) if name in _assign.VIEWS else out  # ops too: np.real)
        except TypeError as e:
            _unsupported_arguments(f"numpy.{name}", fn, args, kwargs, e)
            raise


#: a ufunc call's keywords whose default changes nothing a traced value holds (memory order, subclasses, the
#: casting check of a dtype= that is float's or complex's)
_UFUNC_DEFAULTS = (("order", "K"), ("subok", True), ("casting", "same_kind"))


def _by_like(func, args, kwargs) -> bool:
    """Whether NumPy's `func` reached a traced value's __array_function__ by its `like=` alone (NumPy drops it from
    the call it hands on: np.ones(3, like=x)): it takes `like` and no argument holds a traced value. NumPy's own
    function then answers (a constant), as like= of a NumPy array does; it was "numpy.ones is not a difflab
    primitive"."""
    try:
        takes = "like" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    held = [*args, *kwargs.values()]
    return takes and not any(
        [isinstance(a, Traced) or type(a) in (list, tuple) and ops.core._holds_traced(a) for a in held]
    )


def _ufunc_keywords(inputs, kwargs: dict) -> tuple:
    """A ufunc call's `dtype=` of a float or complex dtype taken as NumPy's loop takes it, the inputs cast to it
    (np.power(x, 1.5, dtype=float)), and the keywords at their defaults (_UFUNC_DEFAULTS) dropped; what is left
    (an integer dtype, casting='unsafe') stays for the caller's refusal to name.

    >>> _ufunc_keywords((np.float32(2.0),), {"dtype": float, "order": "K"})
    ((array(2.),), {})
    """
    kwargs = {k: v for k, v in kwargs.items() if not any(k == d and v == dv for d, dv in _UFUNC_DEFAULTS)}
    dtype = kwargs.get("dtype")
    if dtype is not None and np.dtype(dtype).kind in "fc":
        del kwargs["dtype"]
        dtype = np.dtype(dtype)
        inputs = tuple(x.astype(dtype) if isinstance(x, Traced) else np.asarray(x, dtype=dtype) for x in inputs)
    return inputs, kwargs


#: (NumPy's function, difflab's) -> how many leading positional arguments mean the same to both
_SAME_POSITIONS: dict = {}


def _numpy_layout(func, fn, args: tuple, kwargs: dict, skip: int = 0):
    """`args` as NumPy's `func` reads them, for difflab's `fn`: the positional arguments from the first position
    where the two signatures part (NumPy's parameter there is `out`, or one difflab's `fn` names elsewhere: np.sum's
    (a, axis, dtype, out, keepdims) beside difflab's (x, axis, dtype, keepdims); np.prod's dtype third, difflab's
    keepdims) passed by NumPy's name instead, so that a positional `out` is refused or written as out= is, never
    read as keepdims (it was: np.sum(x, 0, None, c) left c unwritten; np.prod(x, 0, np.float64) kept the axis);
    a moved None that `fn` does not take is NumPy's default (np.std(x, 0, None, None, 1): dtype, out) and dropped.
    `skip`: positions NumPy's signature has before args[0] (a method's array)."""
    key = (func, fn, skip)
    same = _SAME_POSITIONS.get(key)
    if same is None:
        same = _SAME_POSITIONS[key] = _same_positions(func, fn, skip)
    if len(args) <= same[0]:
        return args, kwargs
    names = same[1][same[0] : len(args)]
    if len(names) < len(args) - same[0] or any(k in kwargs for k in names):
        return args, kwargs  # (more than NumPy takes, or given twice: NumPy's own error, by fn's refusal)
    moved = {k: v for k, v in zip(names, args[same[0] :]) if v is not None or _accepts(fn, {k: v})}  # (dtype=None)
    return args[: same[0]], {**kwargs, **moved}


#: difflab function -> (the position of its `out` parameter or -1, its positional names)
_OUT_SLOTS: dict = {}


def _out_keyword(fn, args: tuple, kwargs: dict) -> tuple:
    """(args, kwargs) with an array given in the slot of fn's `out` parameter (NumPy's own slot: fn takes NumPy's
    positional order) passed as out= instead, the arguments after it by their names: the caller then writes the
    result into it (`_function_into`: a traced buffer) or refuses it by name (a NumPy one); fn's own out= is there
    so that NumPy's later positionals are read in NumPy's places (np.max(a, 1, None, True): keepdims)."""
    slot = _OUT_SLOTS.get(fn)
    if slot is None:
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        try:
            names = tuple(n for n, p in inspect.signature(fn).parameters.items() if p.kind in positional)
        except (TypeError, ValueError):
            names = ()
        slot = _OUT_SLOTS[fn] = (names.index("out") if "out" in names else -1, names)
    at, names = slot
    if at < 0 or len(args) <= at or args[at] is None or "out" in kwargs:
        return args, kwargs
    later = dict(zip(names[at + 1 :], args[at + 1 :]))
    if len(later) < len(args) - at - 1 or any(k in kwargs for k in later):
        return args, kwargs  # (more than fn takes, or given twice: fn's own error)
    return args[:at], {**kwargs, **later, "out": args[at]}


def _same_positions(func, fn, skip: int) -> tuple:
    """(the count of leading positions NumPy's `func` and difflab's `fn` read alike, NumPy's positional names); a
    parameter renamed in place (neither name in the other signature) reads alike."""
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    try:
        ours = inspect.signature(fn).parameters
        theirs = [n for n, p in inspect.signature(func).parameters.items() if p.kind in positional][skip:]
    except (TypeError, ValueError):  # (no signature to read: C functions, np.dot)
        return (1 << 30, ())
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in ours.values()):
        return (1 << 30, ())
    mine = [n for n, p in ours.items() if p.kind in positional]
    for i, name in enumerate(theirs[1:], 1):
        if i >= len(mine) or (name != mine[i] and (name == "out" or name in ours or mine[i] in theirs)):
            return (i, tuple(theirs))
    return (len(theirs), tuple(theirs))


def _ufunc_into(fn, out: Tracer, inputs, kwargs: dict, frame) -> Tracer:
    """`numpy.<ufunc>(*inputs, out=out, where=...)` into a traced `out`: NumPy's in-place write, an item
    assignment of the whole array (difflab.assign), where `where` holds; `out` itself returned, as NumPy's."""
    kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    mask = kwargs.pop("where", True)
    if kwargs.pop("casting", "same_kind") != "same_kind" or kwargs:
        raise UnsupportedOperationError(
            f"numpy.{fn.__name__}(..., out=...) with keyword arguments {sorted(kwargs) or ['casting']} into a "
            "traced array; write the result (numpy.copyto(out, result, where=...))"
        )
    _assign.copyto(out, fn(*inputs), where=mask, said=lambda: _source_at(frame) if frame is not None else None)
    return out


def _out_message(name: str, text) -> str:
    """The refusal of numpy.`name`(..., out=c) into a NumPy array c (the user's code `text`): NumPy writes the result
    into c, which cannot hold a traced value, and returns c; what to write instead."""
    given = _OUT_GIVEN.search(text or "")
    c = given[1] if given else "c"  # (the user's buffer as spelled: out=buf, out=(buf,))
    return (
        (f"`{text}`: " if text else "")
        + f"numpy.{name}(..., out={c}) writes its result into {c}, a NumPy array, which cannot hold a traced value "
        f"(its derivative would be dropped, and {c} read afterwards would not be NumPy's; {c} is left as it was); "
        f"drop out= and use the result, {c} = numpy.{name}(...), or make {c} traced ({c} = numpy.zeros_like(x) or "
        "numpy.empty_like(x): written in place, as NumPy's)"
    )


#: the buffer of an `out=` keyword in the user's line: `out=buf`, `out=(buf,)`, `out=self.h[0]` (not a call's
#: name, `out=np.empty(3)`: "c")
_OUT_GIVEN = re.compile(r"\bout\s*=\s*\(?\s*([A-Za-z_][\w.]*(?:\[[^\]]*\])?)(?=\s*,?\s*\)|\s*,)")


def _function_into(name: str, fn, args, kwargs: dict, frame):
    """`numpy.<name>(*args, out=c)` of a function that is no ufunc (np.cumsum, np.dot, np.take, np.clip,
    np.concatenate): into a traced c of the result's shape, the result written into c in place (difflab.assign)
    and c returned, as NumPy's; out=None ignored; into a NumPy array refused (_out_message)."""
    out = kwargs.pop("out")
    result = fn(*args, **kwargs)
    if out is None:
        return result
    if not isinstance(out, Tracer):
        raise UnsupportedOperationError(_out_message(name, _source_at(frame) if frame is not None else None))
    if tuple(out.node.shape) != tuple(np.shape(result)):
        raise ValueError(f"numpy.{name}: out has shape {tuple(out.node.shape)}, the result {np.shape(result)}")
    _assign.copyto(out, result, said=lambda: _source_at(frame) if frame is not None else None)
    return out


#: numpy.<ufunc>.at(a, idx[, b]) on a traced a: the x.at[idx] update it is (add accumulates repeated positions)
_UFUNC_AT = {
    "add": "add",
    "subtract": "subtract",
    "multiply": "multiply",
    "divide": "divide",
    "true_divide": "divide",
    "power": "power",
    "maximum": "max",
    "minimum": "min",
    "negative": "apply",
    "square": "apply",
    "exp": "apply",
    "sin": "apply",
    "cos": "apply",
}


def _ufunc_at(ufunc, a: Tracer, idx, b=None) -> None:
    """`numpy.<ufunc>.at(a, idx, b)`: a updated in place at idx, as NumPy's unbuffered update (an item
    assignment of the whole array, difflab.assign; a repeated position updated once per repetition, in order)."""
    at = _assign.At(a, _index)[idx]
    name = _UFUNC_AT[ufunc.__name__]
    if name == "power":  # ((x ** b1) ** b2, NumPy's, not JAX's x ** (b1·b2): they differ at x < 0, b2 not whole)
        new = at.power_in_turn(b)
    else:
        new = at.apply(ufunc) if name == "apply" else getattr(at, name)(b)
    _assign.assign(a, (Ellipsis,), new, lambda: f"numpy.{ufunc.__name__}.at(...)")


def _source_at(frame) -> str | None:
    """The source text of the expression `frame` is executing (`math.exp(x[0])`, `float(x)`), so that an
    error can quote the user's own code; None where there is no source (code given to exec, the REPL)."""
    try:
        pos = inspect.getframeinfo(frame, context=0).positions
    except (AttributeError, ValueError, IndexError):
        return None
    if pos is None or None in (pos.lineno, pos.end_lineno, pos.col_offset, pos.end_col_offset):
        return None
    lines = [linecache.getline(frame.f_code.co_filename, n) for n in range(pos.lineno, pos.end_lineno + 1)]
    if not lines or not all(lines):
        return None
    lines[-1] = lines[-1][: pos.end_col_offset]
    lines[0] = lines[0][pos.col_offset :]
    return " ".join(line.strip() for line in lines) or None


#: what a traced value stored into the user's own NumPy array (NumPy converts it to a number) is told
#: an object array of traced values (np.empty(n, dtype=object) filled with them) met where difflab can say so
OBJECT_ARRAY = (
    "build the array from the traced values with difflab.numpy.stack([a, b]) or difflab.numpy.array([a, b]) "
    "(numpy.stack dispatches too; numpy.array of traced values cannot be intercepted)"
)
#: NumPy's TypeError when its object loop finds no method of the ufunc's name on a traced element
_OBJECT_LOOP = re.compile(
    r"loop of ufunc does not support argument \d+ of type Tracer which has no callable (\w+) method"
)

STORED = (
    "NumPy was storing it into an array of the function's own (y[i] = x, or np.array of a list holding it), "
    "which NumPy's protocols do not let difflab intercept: start from a traced array instead, "
    "h = np.zeros_like(x) (or np.zeros_like(x, shape=(n,)), np.empty_like, np.ones_like: traced when x is) or "
    "h = x.copy(), and assign into that (item assignment on traced arrays records an update); or build the array "
    "with np.stack([a, b]), np.concatenate or np.where(mask, x, y)."
)
_AUGMENTED = re.compile(r"(\S+) (\+|-|\*|/|//|@|%|\*\*)= ")  # h += x, as the source says it
_MATH_CALL = re.compile(r"math\.(\w+)\s*\(")
_BUILTIN_CALL = re.compile(r"(float|int|complex)\s*\(")


def _augmented_message(text: str) -> str:
    """The error for `h += x` (quoted in `text`) with h a NumPy array of the function's own and x traced."""
    target, operator_ = _AUGMENTED.match(text).group(1, 2)
    fix = (
        "build the new array from traced values instead (numpy.where(mask, new, old), numpy.concatenate), or "
        f"make {target.split('[')[0]} a traced array (numpy.zeros_like(x) of a traced x is one), which item "
        "assignment updates"
        if "[" in target
        else f"write {target} = {target} {operator_} ... instead, a new traced array (what `{operator_}=` does "
        "to a traced value, as to JAX's)"
    )
    return (
        f"`{text}` writes a traced value into {target}, a NumPy array of the function's own (an in-place "
        f"update), which would drop its derivative; {fix}"
    )


def _conversion_fix(text: str) -> str:
    """What to write instead of the code `text` that made a traced value a Python number."""
    m = _MATH_CALL.match(text)
    if m and callable(getattr(np, m.group(1), None)):
        return f"use numpy.{m.group(1)} (it traces) instead of math.{m.group(1)}"
    m = _BUILTIN_CALL.match(text)
    if m:
        return f"keep the value as an array (x[i] rather than {m.group(1)}(x[i]))"
    if text.endswith(".item()"):
        return "keep the value as an array (x[i] rather than x[i].item())"
    return "keep it as an array"


def _conversion_message(x, frame) -> str:
    """TracerConversionError's message for `x` made a Python number (or stored into a NumPy array) by the
    code `frame` is running: that code quoted, and what to write instead."""
    text = _source_at(frame) if frame is not None else None
    what = f"a traced value ({x.node!r}: {x.node.aval}, being differentiated)"
    if frame is not None and frame.f_code.co_code[frame.f_lasti] == dis.opmap["STORE_SUBSCR"]:
        where = f" (`{text} = ...`)" if text else ""
        return f"{what} was stored into a NumPy array{where}, which would silently drop its derivative. {STORED}"
    return (
        f"{f'`{text}` converts ' if text else 'converting '}{what} to a Python number, which would silently "
        f"drop its derivative (JAX refuses it too); {_conversion_fix(text or '')}, or use "
        "difflab.numpy.stop_gradient if a constant is intended."
    )


def _unsupported_arguments(name, fn, args, kwargs, error):
    """Raise UnsupportedOperationError naming NumPy's function and the parameters difflab's takes when
    `fn(*args, **kwargs)` raised `error` because it does not take those arguments (a TypeError inside
    fn is left as it is)."""
    try:
        sig = inspect.signature(fn)
        sig.bind(*args, **kwargs)
    except TypeError:
        raise UnsupportedOperationError(
            f"{name}: difflab's version does not take these arguments ({error}); it takes {sig}"
        ) from None
    except ValueError:  # no signature to read
        return


_INSTALLED: set = set()  # the names _sync_methods installed on Tracer


def _takes_out(numpy_fn) -> bool:
    """Whether NumPy's function (the method's namesake) has an `out` parameter in a signature Python can read."""
    try:
        return numpy_fn is not None and "out" in inspect.signature(numpy_fn).parameters
    except (TypeError, ValueError):
        return False


def _sync_methods() -> None:
    """Tracer's NumPy-style methods (`x.sum()`, `x.reshape(2, 3)`): difflab.numpy's METHODS, each
    installed on the class (again whenever the registry changes), the class's own kept (transpose,
    astype). Not found by a `__getattr__`: a class with one has no attribute read specialised by
    the interpreter, and recording reads a tracer's fields several times per equation (bench:
    8 % of a scalar net's fresh gradient)."""
    for name in list(_INSTALLED):
        if name not in dnp.METHODS:
            delattr(Tracer, name)
            _INSTALLED.discard(name)
    for name, fn in dnp.METHODS.items():
        if name not in vars(Tracer) or name in _INSTALLED:
            setattr(Tracer, name, _method(name, fn))
            _INSTALLED.add(name)


def _method(name, fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    numpy_fn = getattr(np, name, None) if name != "compress" else None  # (np.compress takes the condition first)
    takes_out = _takes_out(numpy_fn)  # (read once: inspect.signature costs ~10 µs)
    if takes_out and name not in _MASK_REDUCERS:  # x.sum(out=c), x.sum(0, None, c), x.clip(0, 1, out=c)

        def method(self, *args, **kwargs):
            if args:
                args, kwargs = _out_keyword(fn, *_numpy_layout(numpy_fn, fn, (self, *args), kwargs))
                args = args[1:]
            if "out" in kwargs and (kwargs["out"] is not None or not _accepts(fn, {"out": None})):
                return _function_into(name, fn, (self, *args), kwargs, _user_frame(sys._getframe(1)))
            return fn(self, *args, **kwargs)

    if name in _MASK_REDUCERS:  # (x[m].sum(): sum(where(m, x, 0)) when the trace holds reads by a traced mask)

        def method(self, *args, **kwargs):
            out = _masked_reduction(name, (self, *args), kwargs) if self._trace.tentative else None
            if out is not None:
                return out
            if args and takes_out:  # (as the method above)
                args, kwargs = _out_keyword(fn, *_numpy_layout(numpy_fn, fn, (self, *args), kwargs))
                args = args[1:]
            if "out" in kwargs and (kwargs["out"] is not None or not _accepts(fn, {"out": None})):
                return _function_into(name, fn, (self, *args), kwargs, _user_frame(sys._getframe(1)))
            return fn(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    # (not fn's docstring: its examples are difflab.numpy's doctests, not this class's)
    method.__doc__ = f"`difflab.numpy`'s {name} of this traced value (NumPy's ndarray.{name})."
    return method


_sync_methods()
ops.REGISTRY.listeners.append(_sync_methods)  # (after difflab.numpy's, which regenerates METHODS)


def _float_operator(op, reflected: bool):
    """`Tracer.__add__` and friends specialised to the scalar graphs of micrograd-style code: when
    both operands are Python floats of the recording trace (or one is a Python float constant),
    the equation is recorded here, as `Trace.record` would record it (same CSE key, the same
    identity folding, the same value by `op.py`), without Op.bind's dispatch and record's
    per-equation lists. Anything else (arrays, ints, nested traces, a result `py` does not give
    as a finite float) takes the general path, which decides it exactly as before."""
    # two bodies, not one reading `reflected` three times per equation: the same steps, the arguments'
    # order written out in each (the general path, Op.bind, takes them in the user's order)
    ident = op.identity[0 if reflected else 1] if op.identity else None  # the constant's own position
    return (_reflected_float_operator if reflected else _plain_float_operator)(op, op.py, ident, op.bind)


def _plain_float_operator(op, py, ident, bind):
    """`_float_operator` of `self op o` (`__add__`, `__mul__`, ...)."""

    def operator(self, o):
        t = self._trace
        x = self.value
        if type(x) is not float:  # (arrays: what Op.bind's `record` takes, its fast paths called here, no two frames)
            found = None
            if type(o) is Tracer:
                if o._trace is t:  # (two tracers of one trace: it records, as Op.bind finds)
                    found = t._arrays(op, self, o, True, _NO_PARAMS)
            elif type(o) is float:  # (an MLP loss's x * (1/n))
                found = t._with_float(op, (self, o), 1)
            elif _defers(o):
                return NotImplemented
            return bind(self, o) if found is None else found
        if type(o) is Tracer:
            y = o.value
            if o._trace is not t or type(y) is not float:
                return bind(self, o)
            atoms = key = (self.node, o.node)  # (the arguments are the key)
        elif type(o) is float:
            if o == ident:  # x + 0.0, x * 1.0 ...: x itself (as _fold_identity)
                return self
            y = o
            atoms = (self.node, _new_tuple(Const, (o,)))
            if o != 0.0:  # (the arguments are the key: a float's Const is equal by value, see Trace.seen)
                key = atoms
            else:  # ±0.0 by identity: equal as numbers, not as factors (x * -0.0)
                t.consts.append(o)  # keeps id(o) (the CSE key) valid during the trace
                key = (self.node, id(o))
        else:
            return NotImplemented if _defers(o) else bind(self, o)
        table = t.seen[op]
        hit = table.get(key)
        if hit is not None:  # the same op on the same values: reuse it (common subexpressions)
            return _tracer(t, hit, t.values[hit])
        try:
            value = py(x, y)
        except (ValueError, ArithmeticError):
            return bind(self, o)
        if type(value) is not float or value - value != 0.0:  # not a finite float: NumPy decides
            return bind(self, o)
        out = next(t.float_vars)  # (Var.make of a Python float, by a C loop: see Trace.float_vars)
        origin = _ORIGINS.get(_get_ident()) if _ORIGINS else None  # (graph.deriving_from(), inlined)
        t.eqns.append(_new_tuple(Eqn, (out, op, atoms, (), origin)))
        table[key] = out
        t.values[out] = value
        tracer = Tracer()  # (_tracer(t, out, value) without its frame)
        tracer._trace, tracer.node, tracer.value = t, out, value
        return tracer

    return operator


def _defers(o) -> bool:
    """NumPy's rule for its arrays' operators: an operand whose class sets `__array_ufunc__ = None` (numpy.polynomial's
    series, difflab's) takes the operation, by its reflected method (x + p is p.__radd__(x)); so does a class in
    graph.DEFERS_TO (difflab.numpy.ma.MaskedArray, which has its own __array_ufunc__)."""
    return type(o) in DEFERS_TO or getattr(type(o), "__array_ufunc__", False) is None


def _reflected_float_operator(op, py, ident, bind):
    """`_float_operator` of `o op self` (`__radd__`, `__rmul__`, ...: Python asks self's reflected method when o,
    the left operand, is not a tracer: a float constant, an int, an array)."""

    def reflected_operator(self, o):
        t = self._trace
        x = self.value
        if type(x) is not float:
            return bind(o, self)
        if type(o) is Tracer:
            y = o.value
            if o._trace is not t or type(y) is not float:
                return bind(o, self)
            atoms = key = (o.node, self.node)
        elif type(o) is float:
            if o == ident:  # 0.0 + x, 1.0 * x ...: x itself (as _fold_identity)
                return self
            y = o
            atoms = (_new_tuple(Const, (o,)), self.node)
            if o != 0.0:
                key = atoms
            else:
                t.consts.append(o)
                key = (id(o), self.node)
        else:
            return bind(o, self)
        table = t.seen[op]
        hit = table.get(key)
        if hit is not None:
            return _tracer(t, hit, t.values[hit])
        try:
            value = py(y, x)
        except (ValueError, ArithmeticError):
            return bind(o, self)
        if type(value) is not float or value - value != 0.0:
            return bind(o, self)
        out = next(t.float_vars)
        origin = _ORIGINS.get(_get_ident()) if _ORIGINS else None
        t.eqns.append(_new_tuple(Eqn, (out, op, atoms, (), origin)))
        table[key] = out
        t.values[out] = value
        tracer = Tracer()
        tracer._trace, tracer.node, tracer.value = t, out, value
        return tracer

    return reflected_operator


_NO_PARAMS: dict = {}  # (an operator's equation has none; never written)


def _tracer(trace: Trace, var: Var, value) -> Tracer:
    """A tracer of `trace` standing for `var`, whose value at the example input is `value`."""
    tracer = Tracer()
    tracer._trace, tracer.node, tracer.value = trace, var, value
    return tracer


_VAR = operator.attrgetter("node")
_SHAPE, _DTYPE = operator.attrgetter("shape"), operator.attrgetter("dtype")
for _name, _op in (("add", ops.add), ("sub", ops.sub), ("mul", ops.mul), ("truediv", ops.div), ("pow", ops.pow)):
    if _op.py is not None and _op.elementwise:
        # (named for Python's own errors: pow(x, 2, 3) says "Tracer.__pow__() takes 2 positional arguments but 3 were
        # given" at no cost to every call, where a third parameter cost the scalar net's fresh gradient 0.35 %)
        _fn = _float_operator(_op, False)
        _fn.__name__, _fn.__qualname__ = f"__{_name}__", f"Tracer.__{_name}__"
        setattr(Tracer, f"__{_name}__", _fn)
        setattr(Tracer, f"__r{_name}__", _float_operator(_op, True))
del _name, _op, _fn


def _numpy_name(func) -> str:
    """NumPy's name of a function below the `numpy` package: "sum", "linalg.norm"."""
    module = getattr(func, "__module__", None) or "numpy"
    sub = module[len("numpy") :].lstrip(".") if module.startswith("numpy") else ""
    return f"{sub}.{func.__name__}" if sub else func.__name__


def _ufunc_name(ufunc) -> str:
    """A ufunc's full name: "numpy.sin", or "scipy.special.erf" for SciPy's ufuncs (which reach
    `__array_ufunc__` too but are not NumPy's: naming them numpy.erf would send the user looking in
    the wrong library)."""
    name = ufunc.__name__
    if getattr(np, name, None) is ufunc:
        return f"numpy.{name}"
    special = sys.modules.get("scipy.special")
    if special is not None and getattr(special, name, None) is ufunc:
        return f"scipy.special.{name}"
    return f"the ufunc {name} (not NumPy's)"


def _index_trick(frame) -> str | None:
    """ "r_" or "c_" when `frame` is NumPy's np.r_/np.c_ converting its items (no dispatch protocol
    reaches them, so they can only be named, not traced), else None."""
    getitem = getattr(type(np.r_).__getitem__, "__code__", None)
    if frame is None or frame.f_code is not getitem:
        return None
    return "c_" if isinstance(frame.f_locals.get("self"), type(np.c_)) else "r_"


def _numpy_caller(frame) -> str | None:
    """The public NumPy function ("mean", "linalg.norm") whose own Python code is converting a value
    (the outermost NumPy frame below the caller), or None when NumPy's C code converts it directly."""
    name = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module != "numpy" and not module.startswith("numpy."):
            break
        sub = "linalg." if module.startswith("numpy.linalg") else "ma." if module.startswith("numpy.ma") else ""
        if module.startswith("numpy.polynomial."):  # (numpy.polynomial.chebyshev.chebval: its module named too)
            sub = "polynomial." + module.split(".")[2] + "."
        code = frame.f_code.co_name
        if sub == "ma." and code in ("__new__", "wrapper"):  # (np.ma.MaskedArray(x, ...); np.ma.mean's wrapper)
            code = "masked_array" if code == "__new__" else frame.f_locals.get("methodname", code)
        name = sub + code if code.isidentifier() and not code.startswith("_") else name
        series = _series_class(frame)
        if series is not None:  # a method of np.polynomial's series classes: the class named (Polynomial.fit)
            name = f"polynomial.{series}" + (f".{code}" if code.isidentifier() and not code.startswith("_") else "")
        frame = frame.f_back
    return name


def _ma_message(name: str, x) -> str:
    """The refusal of numpy.ma.`name` given a traced value: its code converts with numpy.array (measured: no dispatch
    reaches difflab), so difflab.numpy.ma's own is named, or the list of what it has."""
    fix = (
        f"use difflab.numpy.ma.{name} (a traced (data, mask) pair, NumPy's values)"
        if name in dnp.ma.NAMES
        else f"difflab.numpy.ma has no {name}; it has {', '.join(dnp.ma.NAMES)} (and the MaskedArray's methods)"
    )
    return (
        f"numpy.ma.{name} converted a traced value ({x.node!r}: {x.node.aval}) to a NumPy array itself (numpy.ma's "
        f"code calls numpy.array, which no dispatch reaches), which would drop its derivative; {fix}"
    )


def _series_class(frame) -> str | None:
    """The name of numpy.polynomial's series class (Polynomial, Chebyshev, ...) whose method `frame` runs
    (its self, or its cls in the classmethod fit), or None."""
    polybase = sys.modules.get("numpy.polynomial._polybase")
    if polybase is None or not frame.f_globals.get("__name__", "").startswith("numpy.polynomial"):
        return None
    this = frame.f_locals.get("self", frame.f_locals.get("cls"))
    kind = this if isinstance(this, type) else type(this)
    return kind.__name__ if issubclass(kind, polybase.ABCPolyBase) else None


def _polynomial_message(caller: str, value, user) -> str:
    """numpy.polynomial's functions converting a traced value (its coefficients or x), quoting the user's
    call: the traceable value function of that name, or the list of those there are (numpy.polyval's
    advice, the poly1d order, would give other numbers: this series' coefficients are lowest degree first)."""
    code = _source_at(user) if user is not None else None
    text = (
        (f"`{code}`: " if code else "")
        + f"numpy.{caller} is NumPy's Python code: it converts a traced value ({value.node!r}: {value.node.aval}) "
        "to a NumPy array, which would drop its derivative; "
    )
    if _dnp_function(caller) is not None:
        return text + f"use difflab.numpy.{caller} (the same arguments)"
    return text + (
        "difflab.numpy.polynomial traces the series classes (Polynomial, Chebyshev, Legendre, Hermite, HermiteE, "
        "Laguerre) and each basis' val, der, int, mul, add, sub, vander and fit functions (chebyshev.chebval, ...), "
        "not the roots, the division or the conversions between bases"
    )


def _ufunc_list_message(text, node, name) -> str:
    """The refusal of numpy.`name` (a ufunc's method, `add.reduce`) given a list holding a traced value: NumPy's C
    code converts the list before any dispatch."""
    return (
        f"`{text}`: numpy.{name} converts a list or tuple holding a traced value ({node!r}: {node.aval}) to a NumPy "
        f"array before any dispatch, which would drop its derivative; stack it first (numpy.{name}(numpy.stack([a, "
        f"b]))), or call difflab.numpy.{name}, which stacks it"
    )


#: a ufunc method called in the user's line (`np.add.reduce(`): NumPy's C code converts its list argument
_UFUNC_METHOD_CALL = re.compile(r"\b([a-z_][a-z0-9_]*)\.(reduce|accumulate|reduceat|outer)\(")


def _user_frame(frame):
    """The first frame outside NumPy's, SciPy's and difflab's own Python code, from `frame` outwards (the
    user's line that called them), or None."""
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] in ("numpy", "scipy", "difflab"):
        frame = frame.f_back
    return frame


def _numpy_vectorize(frame) -> bool:
    """Whether `frame`, or the NumPy frames around it, are numpy.vectorize calling its function."""
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "numpy":
        if isinstance(frame.f_locals.get("self"), np.vectorize):
            return True
        frame = frame.f_back
    return False


def _public_scipy(module: str) -> str:
    """SciPy's public module path of a module, without "scipy.": scipy.special._logsumexp -> special,
    scipy.spatial.distance -> spatial.distance (where difflab.scipy mirrors it)."""
    parts = module.split(".")[1:]
    return ".".join(p for p in parts[: next((i for i, p in enumerate(parts) if p.startswith("_")), len(parts))])


def _decorated(frame):
    """The public SciPy function a scipy._lib decorator's `wrapper` frame wraps (its free variable f or
    fun: scipy.linalg.solve_triangular converts its arrays there, before its own frame), or None."""
    for key in ("f", "fun", "func"):
        fn = frame.f_locals.get(key)
        module = getattr(fn, "__module__", None) or ""
        if callable(fn) and module.startswith("scipy.") and not module.startswith("scipy._"):
            return fn
    return None


def _scipy_caller(frame) -> str | None:
    """The message for SciPy's own Python code (scipy.special.polygamma, scipy.stats.norm.logpdf)
    converting a traced value, naming difflab.scipy's function where it has one; None when the
    conversion is not SciPy's."""
    name = sub = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("scipy._"):  # SciPy's helpers: a decorator's wrapper names the function it wraps
            wrapped = _decorated(frame)
            if wrapped is not None:
                sub, name = _public_scipy(wrapped.__module__), wrapped.__name__
        elif module.startswith("scipy.") and module.count(".") >= 1:
            sub, code = _public_scipy(module), frame.f_code.co_name
            # a decorator's wrapper of SciPy's own module (spherical_jn's reflection wrapper): the function it wraps
            wrapped = _decorated(frame) if code == "wrapper" else None
            if wrapped is not None:
                name = wrapped.__name__
            elif sub == "interpolate" and type(frame.f_locals.get("self")).__module__.startswith("scipy.interpolate"):
                # a spline's method (CubicSpline(x, y)'s __init__, its __call__): the class named
                name = type(frame.f_locals["self"]).__name__
            elif code.isidentifier() and not code.startswith("_"):
                this = frame.f_locals.get("self")  # a distribution: norm.logpdf, multivariate_normal.logpdf
                kind = type(this).__name__
                owner = getattr(this, "name", kind[: -len("_gen")] if kind.endswith("_gen") else None)
                name = f"{owner}.{code}" if isinstance(owner, str) else code
        elif module != "numpy" and not module.startswith("numpy."):
            break
        frame = frame.f_back
    if sub is None:
        return None
    from . import scipy as dscipy

    user = _user_frame(frame)
    code = _source_at(user) if user is not None else None  # the user's call, quoted as float(x)'s refusal is

    here = dscipy
    for part in sub.split("."):
        here = getattr(here, part, None)
    found = here
    for part in (name or "<function>").split("."):
        found = getattr(found, part, None)
    known = found is not None or name in dscipy.BY_NAME.get(sub, ())  # (a submodule imported by name)
    refused = getattr(here, "REFUSED", {}).get(name)
    if refused is not None:
        return f"scipy.{sub}.{name} on a traced value: {refused}"
    return (
        (f"`{code}`: " if code else "")
        + f"scipy.{sub}.{name or '<function>'} is SciPy's Python code (not a ufunc): it converts a traced value to a "
        "NumPy array, which would drop its derivative; "
        + (f"use difflab.scipy.{sub}.{name}" if known else "difflab.scipy has no differentiable version of it")
    )


def _dnp_function(name: str):
    """difflab.numpy's function of that NumPy name, or None."""
    obj = dnp
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj if callable(obj) else None


#: where an unsupported call's message sends the user for the whole list (it listed ~300 names inline)
_FULL_LIST = (
    "Every NumPy name difflab traces is in difflab.numpy.__all__ (README's NumPy coverage; "
    "`python bench/numpy_coverage.py` sorts all of NumPy's)"
)


#: the same for one of SciPy's ufuncs (a user of scipy.special looks there, not in NumPy's list)
_SCIPY_LIST = (
    "The scipy.special functions difflab differentiates are dir(difflab.scipy.special) (docs/scipy.md; "
    "`python bench/scipy_special_coverage.py` sorts all of scipy.special's)"
)


def _did_you_mean(name: str, table, prefix: str = "numpy.") -> str:
    """ " (did you mean numpy.X?)" for the supported names closest to `name` (the same name in another
    NumPy namespace first: scimath.sqrt's is numpy.sqrt), else ""."""
    short = name.rsplit(".", 1)[-1]
    close = [short] if short != name and short in table else difflib.get_close_matches(name, list(table), 3, 0.75)
    return f" (did you mean {' or '.join(prefix + c for c in close)}?)" if close else ""


def _difflab_spelling(name: str) -> str:
    """ ", which difflab.numpy spells linalg_norm" when difflab has the same thing under another name."""
    alt = name.replace(".", "_")
    if alt != name and callable(getattr(dnp, alt, None)):
        return f" (difflab.numpy.{alt} does the same)"
    return ""


def _leaked(a) -> str:
    return (
        f"a traced value ({a.node!r}: {a.node.aval}) of a differentiation that has finished was used: it leaked "
        "out of the function differentiated then (stored in a global, an attribute or a closure), and its "
        "derivative would be lost; pass the value in as an argument, or return it (with has_aux=True) and use "
        "the returned array"
    )


def _widen_constants(atoms: list, value) -> None:
    """A float32 (or float16) NumPy constant of an equation whose result is float64 (or complex128), in place in
    `atoms`, as NumPy computed with it: cast to the result's precision (exactly), so that the rules see the operands
    NumPy's loop saw (np.power(c32, n)'s partial in n, out·log c, was log c rounded to float32: 1e-8 off in a float64
    gradient; gammainc's and xlogy's too). A float32 trace (`Trace.narrow`) keeps its constants: its result
    dtypes are found from them (boundary.out_dtypes).

    >>> atoms = [Const(np.float32([0.1, 3.0]))]
    >>> _widen_constants(atoms, np.zeros(2)); atoms[0].value.dtype, float(atoms[0].value[0]) == float(np.float32(0.1))
    (dtype('float64'), True)
    """
    dtype = getattr(value, "dtype", None)
    if dtype is None or dtype.kind not in "fc":
        return
    real = np.finfo(dtype).dtype
    for k, atom in enumerate(atoms):
        if type(atom) is Const:
            c = atom.value
            if isinstance(c, (np.ndarray, np.floating)) and c.dtype.kind == "f" and c.dtype.itemsize < real.itemsize:
                atoms[k] = Const(widened(c, real))  # (a large one: once per closed-over array)


def trace_flat(f, leaves, *, wrap=None, narrow=False, guarded=False, kinds=None):
    """Trace `f(*leaves)` where each float leaf becomes an input; returns (Graph, output leaves).

    `wrap(f_args)` builds the call from the input tracers (the API uses it to rebuild pytrees).
    Returns the graph and the raw (unflattened) output so the caller can record its structure.
    `narrow`: some leaves were float32 (Trace.narrow). `guarded`: the caller checks the trace's count guards
    (Trace.guards) before reusing it. `kinds`: the set of the leaves' types if the caller knows it (a generated reader's).
    """
    t = Trace()
    if narrow:
        t.narrow = True
    if guarded:
        t.guards = {}
    kinds = (kinds or set(map(type, leaves))) if len(leaves) > _FEW else None  # (the caller's, where it has them)
    if kinds == _FLOAT_TYPE or kinds == _ARRAY_TYPE:  # a scalar net's Python floats; many arrays
        inputs = _plain_inputs(t, leaves, kinds == _FLOAT_TYPE)
    else:  # (a few leaves, an MLP's six: one Python step each costs less than _plain_inputs' iterators)
        inputs = _inputs(t, leaves)
    # domain problems are reported, by equation, when interpreted; here they are only noted (t.watch() and
    # gc_paused written out: a fresh gradient per call pays their frames every time)
    watched = _watch(t) if ERRSTATE is not None else None
    on = _gc.isenabled()
    if on:
        _gc.disable()
    # tracing builds code and charges no cost (graph.Cost's rule): a nested derivative recorded here (a Hessian's
    # inner gradient, at a fresh call) is charged as the equations of the graph its outer method then sweeps.
    # `uncharged()` written out, skipped when no thread charges any cost (graph.charging_open: a fresh gradient)
    charged = _charging.costs if charging_open else None
    if charged:
        _charging.costs = ()
    try:
        if watched is None:  # pragma: no cover - another NumPy
            with t.watch():
                raw = f(*inputs) if wrap is None else wrap(inputs)
        else:
            raw = f(*inputs) if wrap is None else wrap(inputs)
    except (TypeError, AttributeError) as err:
        said = _refusal(err)
        if said is None:
            raise
        raise said from None
    finally:
        t.done = True
        if charged:
            _charging.costs = charged
        if on:
            _gc.enable()
        if watched is not None:
            _unwatch(watched)
    if t.rebound:  # an input assigned into (x[i] = v): the graph's input is the value it began with
        inputs = [t.rebound[id(x)][1] if id(x) in t.rebound else x for x in inputs]
    return t, inputs, raw


def _refusal(err: TypeError | AttributeError) -> Exception | None:
    """What tracing says in place of `err`, raised by the traced function (None: `err` itself, re-raised)."""
    if isinstance(err, TypeError):
        loop = _OBJECT_LOOP.match(str(err))
        if loop is None:
            return None
        return UnsupportedOperationError(  # (NumPy's object loop asked a traced element for its method: x.exp())
            f"numpy.{loop[1]} of a NumPy object array holding traced values: NumPy's object loop cannot trace it "
            f"(it asks each element for a .{loop[1]}() method); {OBJECT_ARRAY}"
        )
    if not isinstance(getattr(err, "obj", None), Tracer) or str(err.name).startswith("_"):
        return None
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    scipy_fn = _scipy_caller(tb.tb_frame) if tb is not None else None
    if scipy_fn is not None:  # SciPy's Python code reading an array's attribute (circulant's strides)
        return UnsupportedOperationError(scipy_fn)
    # (said here, not by a Tracer.__getattr__: a class with one has no attribute read specialised)
    ufunc = isinstance(getattr(np, str(err.name), None), np.ufunc)  # (np.arctan2 of an object array asks x.arctan2)
    return AttributeError(
        f"traced values have no attribute {err.name!r}{_did_you_mean(str(err.name), dnp.METHODS, 'x.')}; "
        "the array methods difflab supports are difflab.numpy.METHODS"
        + (
            f" (numpy.{err.name} of a NumPy object array holding traced values asks each for it: {OBJECT_ARRAY})"
            if ufunc
            else ""
        )
    )


_FLOAT_TYPE, _ARRAY_TYPE = {float}, {np.ndarray}
_FEW = 8  # leaves up to which `_inputs` costs less than `_plain_inputs` (callgrind: 51k against 55k at 6 arrays)


def _plain_inputs(t: Trace, leaves, floats: bool) -> list:
    """The input tracers of leaves that are all Python floats (`floats`) or all arrays, each with a
    fresh Var, made by C loops (`map` over the Var setters): what `_inputs` makes, without a Python
    step per leaf (a scalar net has one leaf per weight)."""
    n = len(leaves)
    if floats:  # (the trace's own f64[] Var maker: its zip reuses one item tuple, one allocation less per leaf)
        var = list(itertools.islice(t.float_vars, n))
    else:  # (islice: no id is drawn beyond the last leaf's)
        shapes, dtypes = map(_SHAPE, leaves), map(_DTYPE, leaves)
        var = list(map(_new_var, itertools.repeat(Var, n), zip(itertools.islice(t.ids, n), shapes, dtypes)))
    t.values.update(zip(var, leaves))  # the inputs' values too: traced_values hands this dict over as it is
    inputs = list(itertools.starmap(Tracer, itertools.repeat((), n)))  # (Tracer() each, by a C loop)
    for tracer, v, x in zip(inputs, var, leaves):  # (slot stores: Tracer has no __init__)
        tracer._trace, tracer.node, tracer.value = t, v, x
    t.plain_vars = var
    return inputs


def _inputs(t: Trace, leaves) -> list:
    """The input tracers of the leaves (floats, arrays, or an enclosing trace's tracers), each with a fresh Var."""
    inputs, ids = [], t.ids
    values = t.values  # the inputs' values too: traced_values hands this dict over as it is
    for x in leaves:  # (Trace.new_var's common cases, inlined)
        if type(x) is float:
            var = _new_var(Var, (next(ids), (), _F64))
        else:
            if type(x) is np.ndarray:
                var = _new_var(Var, (next(ids), x.shape, x.dtype))
            else:
                var = t.new_var(x)
                x = x.concrete if isinstance(x, Tracer) else x
            if var.dtype.kind == "c":
                t.complex_seen = True
        values[var] = x
        tracer = Tracer()  # (_tracer(t, var, x) without its frame)
        tracer._trace, tracer.node, tracer.value = t, var, x
        inputs.append(tracer)
    return inputs


class gc_paused:
    """`with gc_paused():` Python's cyclic garbage collector off inside (and back on after, if it
    was on), for building and sweeping a tape.

    Why: a tape is millions of small live objects (Vars, Eqns, key tuples) that are never garbage
    while it is being built, yet each full collection the allocations trigger walks all of them:
    tracing a 10⁵-equation scalar tape spent about 2/3 of its time in the collector (bench/scalar_tape.py).
    Nothing a trace makes is cyclic (tracers hold their trace, the trace holds Vars and values, not
    tracers), so it is freed by reference counting as soon as it is dropped. Nested pauses and other
    threads only ever leave the collector on when it was on; a user who turned it off keeps it off.

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """

    __slots__ = ("was_on",)

    def __enter__(self):
        self.was_on = _gc.isenabled()
        if self.was_on:
            _gc.disable()

    def __exit__(self, *exc):
        if self.was_on:
            _gc.enable()


def traced_values(t: Trace, inputs) -> dict | None:
    """{Var: value} of every input and equation as computed while tracing, or None when they
    cannot stand in for an evaluation (a NaN/inf was born). Not for nested traces: values of an
    enclosing trace were recorded as plain numbers."""
    if t.fp_error:
        return None
    return t.values  # (trace_flat put the inputs' values in: no copy of a whole tape's values)


def flatten_returned(out, doing="differentiates"):
    """`tree.flatten(out)` of f's result, a bare None refused as `check_returned` refuses a str: None inside a
    pytree is a node without leaves (as in JAX), but a function returning only None most likely lacks its
    `return` (JAX's grad refuses it too); a difflab.numpy.ma.MaskedArray leaf is its data."""
    if out is None:
        raise TypeError(
            f"the function returned a NoneType; difflab {doing} functions returning numbers, arrays, or pytrees "
            "of them (is its return statement missing? None inside a pytree is a node without leaves, as in JAX)"
        )
    leaves, treedef = tree.flatten(out)
    for k, o in enumerate(leaves):
        if type(o) is dnp.ma.MaskedArray:  # (its data, np.ma.getdata's: a masked entry's a constant, derivative 0)
            leaves[k] = o.data
    return leaves, treedef


def check_returned(out_leaves, doing="differentiates") -> None:
    """A TypeError naming the type when a leaf of f's result is not a number, an array or a traced
    value (f returned None, a string, a generator...): every operator says so in one line."""
    for o in out_leaves:
        if not isinstance(o, (Traced, float, int, np.ndarray, np.number)):
            raise TypeError(
                f"the function returned a {type(o).__name__}; difflab {doing} functions "
                "returning numbers, arrays, or pytrees of them"
            )
        if type(o) is np.ndarray and o.dtype.kind not in "biufc":  # (an object array's None met NumPy's isfinite,
            # numeric's "NoneType - NoneType", or symbolic's NaN gradient; a str array the same)
            raise TypeError(
                f"the function returned an array of dtype {o.dtype}; difflab {doing} functions "
                "returning numbers, arrays, or pytrees of them"
                + (f"; {OBJECT_ARRAY}" if o.dtype.kind == "O" and any(isinstance(v, Traced) for v in o.flat) else "")
            )


def outputs_of(t: Trace, inputs, out_leaves, input_vars: list | None = None) -> Graph:
    """Close a trace into a Graph whose outputs are `out_leaves` (tracers or constants); `input_vars`: the Vars of
    `inputs`, in order, where the caller has them (Trace.plain_vars)."""
    if len(out_leaves) == 1 and type(out_leaves[0]) is Tracer and out_leaves[0]._trace is t:  # a loss: no list
        outs: tuple = (out_leaves[0].node,)
    else:
        outs = tuple([o.node if isinstance(o, Tracer) and o._trace is t else Const(o) for o in out_leaves])
    eqns = tuple(t.eqns)
    if t.tentative and not t.specialised:
        eqns = _settled(t, outs)
    ins = tuple(input_vars) if input_vars is not None else tuple(map(_VAR, inputs))
    # (Graph's fields in order, without its Python-level __new__)
    return _new_tuple(Graph, (ins, eqns, outs, t.specialised))


def _settled(t: Trace, outs) -> tuple:
    """The equations of a trace holding reads x[mask] by a traced mask (Trace.tentative), closed with outputs `outs`:
    a read that an output needs specialises the trace (its count is the example's); else the reads and everything
    computed from them are dropped, being needed by no output (`y[mask] = h(x[mask])` replayed h on the whole x,
    difflab.assign): at other inputs they would compute h at the example's positions, outside its domain maybe."""
    live = {id(o) for o in outs if type(o) is Var}
    for e in reversed(t.eqns):
        if id(e.out) in live:
            live.update(id(a) for a in e.args if type(a) is Var)
    used = [(why, v) for why, v in t.tentative if id(v) in live]
    if used and t.guards is not None:
        _guard_used(t, [v for _, v in used])
    gathered = {v for _, v in used if _count_guarded(t, v)}
    unguarded = [why for why, v in used if v not in gathered]
    if unguarded:
        why, read = next((why, v) for why, v in used if v not in gathered)
        if isinstance(why, Why) and t.read_masks and read in t.read_masks:  # (a mask's count, no operator checking
            why = Why(why.what, why.var, why.eqns, why.line, _ROWS)  # guards: vmap's, a decision holding row by row)
        t.specialised = why
        return tuple(t.eqns)
    tainted = {id(v) for _, v in t.tentative if v not in gathered}
    kept = []
    for e in t.eqns:
        if id(e.out) in tainted or any(id(a) in tainted for a in e.args if type(a) is Var):
            tainted.add(id(e.out))
        else:
            kept.append(e)
    return tuple(kept) if not gathered else _gathered(t, kept, gathered)


def _guard_used(t: Trace, reads: list) -> None:
    """Guard the count of each traced mask by which a read an output uses was taken (`np.cumsum(x[m]).sum()`,
    `np.sort(x[m])[-1]`, `np.diff(x[m])`: the graph's shapes hold its count even where no Python code read it),
    so the operator reuses the trace where the counts are the example's and traces again where one differs."""
    t.done = False  # (recording on the closed trace's own tracers)
    try:
        for r in reads:
            mask = t.read_masks.get(r) if t.read_masks else None
            if mask is not None and r in t.masked.get(mask.node, ()):
                _count_guard(mask, dnp.count_nonzero(mask), int(np.count_nonzero(mask.concrete)))
    finally:
        t.done = True


def _count_guarded(t: Trace, read: Var) -> bool:
    """Whether the read x[mask] `read` is by a traced mask whose count the trace guards (Trace.guards: `len(x[m])`,
    iteration over a function of x[m]), so that, wherever the trace is reused, x[mask] has the example's length."""
    mask = t.read_masks.get(read) if t.read_masks else None
    return mask is not None and t.guards is not None and mask.node in t.guards and read in t.masked.get(mask.node, ())


def _gathered(t: Trace, eqns: list, reads: set) -> tuple:
    """`eqns` with each read x[mask] in `reads` (its mask's count guarded: _count_guarded) recorded as a gather by
    the mask's selected positions, recomputed from the mask at each call (the i-th, the number of positions whose
    running count of the mask is at most i), so a function of the read, used by an output (`for v in
    np.exp(x[m])`, rows of `A[m] @ B`, `np.cumsum(x[m])` beside a len(x[m])), follows the mask wherever the guard
    holds: NumPy's x[mask] there, as JAX's `x[jnp.nonzero(m, size=n)]` of a fixed n. The trace being closed, its
    new equations are recorded at the tape's end and put in dependency order."""
    start, subs = len(t.eqns), {}
    t.done = False  # (recording on the closed trace's own tracers)
    try:
        for r in reads:
            mask = t.read_masks[r]
            x, _, axis = t.masked[mask.node][r]
            k, n = len(mask.node.shape), r.shape[axis]
            rank = dnp.cumsum(dnp.reshape(mask, (-1,)))  # (the mask's running count over its flattened positions)
            at = dnp.sum(rank[None, :] <= np.arange(n)[:, None], axis=1)  # (the i-th selected position; clipped:
            at = dnp.minimum(at, max(rank.shape[0] - 1, 0))  # in range at points where the guard fails, the symbolic
            # method's placeholders, which no call reads)
            xs = dnp.reshape(_assign._tracer_of(mask, x), x.shape[:axis] + (-1,) + x.shape[axis + k :])
            idx = dnp.reshape(at, (1,) * axis + (n,) + (1,) * (len(x.shape) - axis - k))
            subs[ops.REGISTRY["gather_along"](xs, idx, axis=axis).node] = r
    finally:
        t.done = True
    new = [e._replace(out=subs[e.out]) if e.out in subs else e for e in t.eqns[start:]]
    del t.eqns[start:]
    return _in_order([e for e in eqns if e.out not in reads] + new)


def _in_order(eqns: list) -> tuple:
    """The equations in an order where each follows those computing its arguments (stable: the given order where
    it already is)."""
    where = {e.out: e for e in eqns}
    done: set = set()
    out = []
    for e in eqns:
        stack = [e]
        while stack:
            top = stack[-1]
            if top.out in done:
                stack.pop()
                continue
            pending = [where[a] for a in top.args if type(a) is Var and a in where and a not in done]
            if pending:
                stack.extend(pending)
            else:
                done.add(top.out)
                out.append(top)
                stack.pop()
    return tuple(out)


def trace(f, *args) -> Graph:
    """Trace `f` at example arguments into a Graph (the tape); `print` it to read the equations.

    Args: numbers, arrays or pytrees of them (each leaf becomes one graph input). Returns: a
    `Graph` whose outputs are the leaves of f's output.

    >>> import difflab as dl, difflab.numpy as dnp
    >>> g = dl.trace(lambda x: dnp.tanh(x).sum(), np.ones((2, 3)))
    >>> print(g)
    { lambda v0:f64[2,3] .
        v1 = tanh(v0) : f64[2,3]
        v2 = sum(v1, axis=None, keepdims=False) : f64[]
      in (v2) }
    """
    check_function(f, "trace")
    flat = [tree.flatten(a) for a in args]
    leaves = [_as_input(x, i) for i, (lv, _) in enumerate(flat) for x in lv]

    def call(*xs):
        it = iter(xs)
        return f(*[td.unflatten([next(it) for _ in lv]) for lv, td in flat])

    t, inputs, raw = trace_flat(call, leaves)
    out_leaves = flatten_returned(raw, "traces")[0]
    check_returned(out_leaves, "traces")
    return outputs_of(t, inputs, out_leaves)


def _as_input(x, i):
    if isinstance(x, Tracer):
        return x
    refuse_array_subclass(x, "traces")  # (np.asarray drops the subclass: a graph of ndarray's arithmetic)
    a = np.asarray(x)
    if a.dtype.kind not in "biufc":
        raise TypeError(f"argument {i} has dtype {a.dtype}; traced inputs must be numbers or numeric arrays")
    return x if isinstance(x, float) else a


def _accepts(fn, kwargs) -> bool:
    """Whether fn's signature names every keyword in kwargs."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return all(k in params and params[k].kind != inspect.Parameter.POSITIONAL_ONLY for k in kwargs)
