"""What a trace read besides its arguments, as generated checks: the cache key of a traced graph.

A cached graph holds, as constants, everything the function read while it was traced: its
closure cells, the module globals its code names, the attributes of the objects it was handed,
the contents of the arrays it closed over. `reads_of` records those (before tracing) as
straight-line checks; the API reuses a cached graph only while they all still hold, so a cached
transform returns what a fresh trace would. Library code (NumPy, difflab itself, ...) is assumed
not to be monkeypatched: its functions are compared by identity and their globals are not read.

How it works. `fingerprint(x)` is a hashable value equal for two states of x exactly when a trace
would see the same thing (the static leaves of a call are compared by it). `reads_of(f)` walks
what f reads (`_Watch`: closure cells, the globals its code names, recursively through the Python
functions it calls, object attributes, array bytes) and writes one line of Python per read,
comparing against the objects held in its namespace; `Reads.unchanged` compiles those lines into
one function at first use. For `loss_on(X)` returning `lambda w: (w * X).sum()`, X an array of 2:

    def unchanged():
      _top = _ref()                          # the function, weakly held
      if _top is None: return False
      try:
        if _top.__code__ is not k4: return False
        if _top.__defaults__ is not k5: return False
        if k6.cell_contents is not k7: return False          # the closure cell still holds X
        if k7.shape != (2,) or k7.dtype != k8 or k7.tobytes() != k9: return False   # X's contents
        if 'sum' in k10: return False        # no global shadows a builtin it names
      except (KeyError, IndexError, ValueError, AttributeError, Opaque):
        return False
      return True

An array of 64 KiB or more is compared in place (graph.same_bits) against its `graph.snapshot`,
the one copy the trace then keeps as its constant too (`W.tobytes()` per call copied W, and its recorded bytes
were a second copy of every closed-over weight matrix besides the graph's).

This module imports nothing above `trace` in DESIGN.md §7's order (NumPy, graph, ops and errors only):
the compiled tier holds every code generator, and tracing itself never needs these checks.
"""

from __future__ import annotations

import dis
import functools
import math
import random as _random
import types
import weakref

import numpy as np

from .. import ops
from ..errors import DifflabError
from ..graph import same_bits, snapshot

__all__ = ["fingerprint", "reads_of", "Reads", "Opaque"]


class Opaque(DifflabError):
    """A value whose state cannot be compared cheaply (a random generator, a C object without
    attributes): a graph that read it is traced afresh on every call."""


_LIBRARY = frozenset(
    {
        "numpy",
        "difflab",
        "sympy",
        "mpmath",
        "scipy",
        "builtins",
        "math",
        "cmath",
        "operator",
        "_operator",
        "functools",
        "itertools",
        "collections",
        "typing",
        "autograd",
        "jax",
        "torch",
    }
)
_ATOMS = frozenset({int, bool, str, bytes, complex, type(None), type(Ellipsis), type(NotImplemented)})
_IDENTITY = (types.ModuleType, type, types.BuiltinFunctionType, np.ufunc, np.dtype, types.CodeType, ops.Op)
_STATEFUL = (_random.Random, np.random.Generator, np.random.RandomState, np.random.BitGenerator)
_FUNCTIONS = (types.FunctionType, types.MethodType, functools.partial)
_MAX_DEPTH = 8
_MAX_LINES = 2000  # checks per trace before falling back to fingerprints


class _Ident:
    """Compares by identity and holds its object, so that the id cannot be reused while compared."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return type(other) is _Ident and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)

    def __repr__(self):
        return f"_Ident({self.obj!r})"


def _library(obj) -> bool:
    """Defined in NumPy, difflab, the standard library's functional modules...: not the user's code."""
    module = obj.__module__ if isinstance(obj, (type, types.FunctionType)) else type(obj).__module__
    return (module or "").split(".")[0] in _LIBRARY


def fingerprint(x, found: list | None = None, depth: int = 0):
    """A hashable value equal for two states of `x` exactly when tracing would see the same thing:
    by value AND type (1, True and 1.0 differ), arrays by dtype, shape and bytes, objects by their
    attributes. Functions, modules and classes compare by identity (their own reads are checked
    separately: functions met are appended to `found`). Raises Opaque when no such value exists.

    >>> fingerprint(1) == fingerprint(True), fingerprint(1) == fingerprint(1)
    (False, True)
    >>> import numpy as np
    >>> fingerprint(np.array([255], np.uint8)) == fingerprint(np.array([-1], np.int8))
    False
    """
    t = type(x)
    if t in _ATOMS:
        return (t, x)
    if t is float:  # -0.0 == 0.0, but 1/x tells them apart
        return (t, x) if x else (t, x, math.copysign(1.0, x))
    if t is np.ndarray:
        if x.dtype.hasobject:
            raise Opaque("an object array")
        return (t, x.dtype, x.shape, x.tobytes())
    if depth > _MAX_DEPTH:
        raise Opaque(f"a {t.__name__} nested more than {_MAX_DEPTH} levels deep")
    if t is tuple or t is list:
        return (t, tuple([fingerprint(e, found, depth + 1) for e in x]))
    if t is dict:
        return (t, tuple([(fingerprint(k, found, depth + 1), fingerprint(v, found, depth + 1)) for k, v in x.items()]))
    kind = _KINDS.get(t) or _kind(t)
    if kind == "object":
        items = [(k, fingerprint(v, found, depth + 1)) for k, v in x.__dict__.items()]
        if found is not None and callable(x) and type(getattr(t, "__call__", None)) is types.FunctionType:
            found.append(t.__call__)
        return (_Ident(t), tuple(items))
    if kind == "scalar":
        return (t, x.tobytes())
    if kind == "set":
        return (t, frozenset([fingerprint(e, found, depth + 1) for e in x]))
    if kind == "slice":
        return (t, fingerprint((x.start, x.stop, x.step), found, depth + 1))
    if kind == "function" or kind == "reads":
        if found is not None:
            found.append(x)
        return _Ident(x)
    if kind == "identity":
        return _Ident(x)
    if kind == "builtin":  # a builtin bound to an object (list.append, random.random) reads its state
        owner = x.__self__
        return (
            _Ident(x)
            if owner is None or type(owner) is types.ModuleType
            else (_Ident(x), fingerprint(owner, found, depth + 1))
        )
    if kind == "slots":
        items = [(s, fingerprint(getattr(x, s, _EMPTY), found, depth + 1)) for s in _slots(t)]
        items += [(k, fingerprint(v, found, depth + 1)) for k, v in getattr(x, "__dict__", {}).items()]
        return (_Ident(t), tuple(items))
    raise Opaque(kind)


_KINDS: dict = {}  # type -> how fingerprint reads its values (types are few and long-lived)


def _kind(t) -> str:
    if issubclass(t, np.generic):
        kind = "scalar"
    elif issubclass(t, (set, frozenset)):
        kind = "set"
    elif t is slice:
        kind = "slice"
    elif issubclass(t, _STATEFUL):
        kind = f"a {t.__name__} (its state changes on every draw)"
    elif hasattr(t, "__difflab_reads__"):
        kind = "reads"
    elif issubclass(t, _FUNCTIONS):
        kind = "function"
    elif issubclass(t, types.BuiltinFunctionType):
        kind = "builtin"
    elif issubclass(t, _IDENTITY):
        kind = "identity"
    elif any("__slots__" in vars(c) for c in t.__mro__[:-1]):
        kind = "slots"
    elif "__dict__" in dir(t):
        kind = "object"
    elif _library(t) and callable(getattr(t, "__call__", None)):  # a library callable (a NumPy dispatcher)
        kind = "identity"
    else:
        kind = f"a {t.__name__} (no attributes to compare)"
    if len(_KINDS) > 4096:  # classes made on the fly: let the table start again
        _KINDS.clear()
    _KINDS[t] = kind
    return kind


_EMPTY = object()  # an empty closure cell, an unset slot


def _slots(t) -> list:
    return [s for c in t.__mro__ for s in getattr(c, "__slots__", ()) if s not in ("__dict__", "__weakref__")]


def _cell(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return _EMPTY


def _names(code) -> list:
    """The global (and attribute) names a code object and the code objects nested in it use."""
    names = list(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names += _names(c)
    return names


_CHAINS: dict = {}  # code object -> the module attribute chains its bytecode reads (np.random.normal)
_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF"})
_ATTRIBUTES = frozenset({"LOAD_ATTR", "LOAD_METHOD"})
_CALLS = frozenset({"PRECALL", "CALL"})


def _chains(code) -> list:
    """The dotted names `g.a.b` read as a global followed by attribute loads (a bare global too), in
    `code` and the code nested in it, each with whether it is called at once with no argument:
    [(("np", "random", "normal"), False), (("default_rng",), True), ...]."""
    found = _CHAINS.get(code)
    if found is None:
        found, chain = [], None
        for ins in dis.get_instructions(code):
            if ins.opname in _LOADS:
                chain = [ins.argval]
                found.append(((ins.argval,), False))
            elif ins.opname in _ATTRIBUTES and chain is not None:
                chain.append(ins.argval)
                found.append((tuple(chain), False))
            elif ins.opname in _CALLS and chain is not None and ins.arg == 0:
                found[-1] = (found[-1][0], True)  # (3.11's PRECALL 0, CALL 0; one CALL 0 after it)
            else:
                chain = None
        for c in code.co_consts:
            if isinstance(c, types.CodeType):
                found += _chains(c)
        if len(_CHAINS) > 4096:
            _CHAINS.clear()
        _CHAINS[code] = found
    return found


def _drawing(obj, called_bare: bool) -> bool:
    """A random generator or a draw bound to one (np.random.normal, random.gauss); or, called with no
    argument, something of numpy.random's or random's that makes one (default_rng(), Random(): seeded by
    the operating system, a new stream on every call; default_rng(0) is the same every call)."""
    if isinstance(obj, _STATEFUL) or isinstance(getattr(obj, "__self__", None), _STATEFUL):
        return True
    name = getattr(obj, "__module__", None) if called_bare and type(obj) is not types.ModuleType else None
    return isinstance(name, str) and (name == "random" or name.startswith("numpy.random"))


def _stateful_attribute(code, globals_) -> str | None:
    """The dotted name of a random draw (see `_drawing`) that `code` reads through a global: np.random.normal,
    random.gauss, np.random.default_rng(); or None. A module or library function compares by identity, so a
    cached graph would keep the draw it was traced with: what `Opaque` is for."""
    for chain, called_bare in _chains(code):
        obj = globals_.get(chain[0], _EMPTY)
        for k, name in enumerate(chain):
            if k:
                if type(obj) is not types.ModuleType:
                    break
                obj = getattr(obj, name, _EMPTY)
            if obj is not _EMPTY and _drawing(obj, called_bare and k == len(chain) - 1):
                return ".".join(chain[: k + 1])
    return None


#: arrays of this many bytes or more are checked against their `graph.snapshot` (the graph's constant), in place;
#: smaller ones against bytes of their own (`tobytes() != recorded`: ~1-6 µs faster a check below 64 KiB)
_IN_PLACE = 1 << 16


class _Watch:
    """Builds the checks: one line per read, over objects held in `env`. The traced function itself
    (`top`) is held by a weak reference, so that a cache of checks never keeps a function alive."""

    def __init__(self, top):
        self.lines, self.seen, self.top = [], set(), top
        self.env = {"_fp": fingerprint, "_cell": _cell, "_EMPTY": _EMPTY, "Opaque": Opaque}

    def const(self, obj) -> str:
        if obj is self.top:
            return "_top"
        name = f"k{len(self.env)}"
        self.env[name] = obj
        return name

    def same(self, expr, obj):
        """`expr` must still evaluate to the very object `obj`, with the same contents."""
        k = self.const(obj)
        self.lines.append(f"if {expr} is not {k}: return False")
        self.contents(k, obj)

    def contents(self, k, obj):
        """The state of `obj` (held as `k`) must not change: identity checks down to the atoms
        (an equal but new value counts as a change: a re-trace, never a stale number), bytes for arrays."""
        t = type(obj)
        if t in _ATOMS or t is float or id(obj) in self.seen:
            return
        self.seen.add(id(obj))  # held by env: the id stays valid
        if len(self.lines) > _MAX_LINES:  # a large structure: one fingerprint instead of a line per part
            self.fingerprinted(k, obj)
        elif t is np.ndarray:
            if obj.dtype.hasobject:
                raise Opaque("an object array")
            head = f"if {k}.shape != {obj.shape!r} or {k}.dtype != {self.const(obj.dtype)} "
            if obj.nbytes >= _IN_PLACE:  # compared in place against the copy the trace's graph keeps too
                self.env["_same"] = same_bits
                self.lines.append(head + f"or not _same({k}, {self.const(snapshot(obj))}): return False")
            else:
                self.lines.append(head + f"or {k}.tobytes() != {self.const(obj.tobytes())}: return False")
        elif t is tuple:
            for v in obj:
                self.contents(self.const(v), v)
        elif t is list:
            self.lines.append(f"if len({k}) != {len(obj)}: return False")
            for i, v in enumerate(obj):
                self.same(f"{k}[{i}]", v)
        elif t is dict:
            self.lines.append(f"if len({k}) != {len(obj)} or tuple({k}) != {self.const(tuple(obj))}: return False")
            for key, v in obj.items():
                self.same(f"{k}[{self.const(key)}]", v)
        elif t is types.FunctionType:
            self.function(k, obj)
        elif t is types.MethodType:  # a bound method's function and object are fixed; their states are not
            self.contents(self.const(obj.__func__), obj.__func__)
            self.contents(self.const(obj.__self__), obj.__self__)
        elif t is functools.partial:
            self.contents(self.const(obj.func), obj.func)
            self.fingerprinted(f"({k}.args, {k}.keywords)", (obj.args, obj.keywords))
        else:
            kind = _KINDS.get(t) or _kind(t)
            if kind == "reads":  # a difflab transform: what its function reads
                for name, value in obj.__difflab_reads__():
                    self.same(f"{k}.{name}", value)
            elif kind == "object":
                state = obj.__dict__
                self.lines.append(
                    f"if type({k}) is not {self.const(t)} or len({k}.__dict__) != {len(state)}: return False"
                )
                for name, v in state.items():
                    self.same(f"{k}.__dict__[{name!r}]", v)
                call = getattr(t, "__call__", None)
                if type(call) is types.FunctionType and callable(obj):
                    self.contents(self.const(call), call)
            elif kind != "identity":
                self.fingerprinted(k, obj)

    def fingerprinted(self, expr, obj):
        found: list = []
        fp = fingerprint(obj, found)
        if not (isinstance(fp, _Ident) and fp.obj is obj):  # identity alone: nothing more to compare
            self.lines.append(f"if _fp({expr}) != {self.const(fp)}: return False")
        for fn in found:
            self.contents(self.const(fn), fn)

    def function(self, k, fn):
        code = fn.__code__
        self.lines.append(f"if {k}.__code__ is not {self.const(code)}: return False")
        self.same(f"{k}.__defaults__", fn.__defaults__)
        if fn.__kwdefaults__:
            self.same(f"{k}.__kwdefaults__", fn.__kwdefaults__)
        for cell in fn.__closure__ or ():
            c = self.const(cell)
            value = _cell(cell)
            if value is _EMPTY:
                self.lines.append(f"if _cell({c}) is not _EMPTY: return False")
            else:
                self.same(f"{c}.cell_contents", value)
        if _library(fn):  # library globals are not rebound
            return
        drawn = _stateful_attribute(code, fn.__globals__)
        if drawn is not None:  # np.random.normal(...): NumPy's global generator draws anew on every call
            raise Opaque(f"{drawn} (a random generator's state, read through a module)")
        g = self.const(fn.__globals__)
        builtins = fn.__globals__.get("__builtins__", {})
        builtins = vars(builtins) if isinstance(builtins, types.ModuleType) else builtins
        for name in dict.fromkeys(_names(code)):
            if name in fn.__globals__:
                self.same(f"{g}[{name!r}]", fn.__globals__[name])
            elif name in builtins:  # a global defined later would shadow the builtin
                self.lines.append(f"if {name!r} in {g}: return False")


class Reads:
    """What one trace of `f` read outside its arguments, as checks (see `reads_of`)."""

    def __init__(self, f):
        w = _Watch(f)
        w.contents("_top", f)
        self.lines, self.env, self._check = w.lines, w.env, None
        try:
            self.env["_ref"] = weakref.ref(f)
        except TypeError:  # not weakly referable: held (by whoever holds these checks)
            self.env["_ref"] = lambda f=f: f

    def unchanged(self) -> bool:
        """True while every read is as it was recorded (the checks compile on first use)."""
        if self._check is None:
            body = "".join(f"    {line}\n" for line in self.lines or ["pass"])
            src = (
                "def unchanged():\n  _top = _ref()\n  if _top is None: return False\n  try:\n"
                + body
                + "  except (KeyError, IndexError, ValueError, AttributeError, Opaque):\n    return False\n"
                "  return True\n"
            )
            env = dict(self.env)
            exec(compile(src, "<difflab read checks>", "exec"), env)
            self._check = env["unchanged"]
        return self._check()


_READS: dict = {}  # id(f) -> (weak reference to f, its latest Reads): reused while they still hold


def reads_of(f) -> Reads | None:
    """What `f` reads outside its arguments (closure cells, the globals its code names, recursively
    through the Python functions it calls; the attributes of objects; array bytes), recorded now;
    `.unchanged()` is True while all of it is as recorded. None when some of it cannot be compared
    cheaply (`Opaque`): then nothing traced from `f` may be reused.

    >>> import numpy as np
    >>> def loss_on(X):
    ...     return lambda w: (w * X).sum()
    >>> X = np.ones(2)
    >>> f = loss_on(X)
    >>> reads = reads_of(f)
    >>> reads.unchanged(), X.fill(2.0), reads.unchanged()
    (True, None, False)
    """
    key = id(f)
    entry = _READS.get(key)
    if entry is not None and entry[0]() is f:
        check = entry[1]._check  # (compiled by its first `unchanged`: called here without that frame)
        if check() if check is not None else entry[1].unchanged():
            return entry[1]  # recorded for an earlier trace, and still true: it describes this one too
    try:
        reads = Reads(f)
    except Opaque:
        return None
    try:
        # the table is bound as a default: at interpreter shutdown the module's globals may already be None
        ref = weakref.ref(
            f, lambda r, key=key, table=_READS: table.pop(key, None) if table.get(key, (None,))[0] is r else None
        )
    except TypeError:
        return reads
    _READS[key] = (ref, reads)
    return reads
