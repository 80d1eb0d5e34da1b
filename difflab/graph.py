"""The IR: a function as an ordered list of equations (the Wengert list, the tape).

`Var` and `Const` are the atoms, `Eqn(out, op, args, params)` one primitive application, and
`Graph(inputs, eqns, outputs)` a whole traced function. `evaluate` runs a graph with NumPy,
`evaluate_batched` runs it on a batch of inputs in one pass (each op by its registry batching
rule); `str(graph)` prints the tape and `to_dot` exports it for Graphviz.
"""
from __future__ import annotations

import builtins  # `compile` below is difflab's; the generated source needs Python's
import threading
from typing import Any, NamedTuple

import numpy as np

from .errors import warn_domain

__all__ = ["Traced", "Var", "Const", "Eqn", "Graph", "evaluate", "evaluate_batched", "to_dot", "EvalCounter"]


class Traced:
    """Base of values that record into a trace (`trace.Tracer`); `ops.Op.bind` dispatches on it."""

    __slots__ = ()


class Var:
    """A value in the graph: an id, a shape and a dtype (immutable)."""

    __slots__ = ("id", "shape", "dtype")

    def __init__(self, id: int, shape: tuple, dtype: Any):
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "shape", tuple(shape))
        object.__setattr__(self, "dtype", dtype if isinstance(dtype, np.dtype) else np.dtype(dtype))

    @classmethod
    def make(cls, id: int, shape: tuple, dtype: np.dtype) -> "Var":
        """The constructor's fast path for a tracer: shape already a tuple, dtype already a dtype."""
        v = object.__new__(cls)
        _SET_ID(v, id), _SET_SHAPE(v, shape), _SET_DTYPE(v, dtype)
        return v

    def __setattr__(self, name, value):
        raise AttributeError("Var is immutable")

    def __repr__(self):
        return f"v{self.id}"

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def aval(self):
        return f"{_dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"


_SET_ID, _SET_SHAPE, _SET_DTYPE = Var.id.__set__, Var.shape.__set__, Var.dtype.__set__


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


class Eqn(NamedTuple):
    """`out = op(*args, **params)`; `op` is the registry entry (an `ops.Op`)."""

    out: Var
    op: Any
    args: tuple
    params: tuple = ()  # sorted (name, value) pairs: plain, ordered, hashable

    @property
    def kw(self) -> dict:
        return dict(self.params)

    def __str__(self):
        args = ", ".join(map(repr, self.args))
        params = "".join(f", {k}={v!r}" for k, v in self.params)
        return f"{self.out!r} = {self.op.name}({args}{params}) : {self.out.aval}"


class Graph(NamedTuple):
    """A traced function: its input Vars, its equations in execution order and its outputs.

    `specialised` is True when value-dependent control flow was taken during tracing: the graph
    is then only valid at the traced input values and is never reused for others.
    """

    inputs: tuple
    eqns: tuple
    outputs: tuple
    specialised: bool = False

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


class _PerThread(type):
    """`EvalCounter.eqns` is per thread: one thread's work never shows in (or races with) another's count."""

    _local = threading.local()

    @property
    def eqns(cls) -> int:
        return getattr(cls._local, "eqns", 0)

    @eqns.setter
    def eqns(cls, value: int):
        cls._local.eqns = value


class EvalCounter(metaclass=_PerThread):
    """Counts equations executed by the current thread, for deterministic cost measurements (see
    `evaluate`). A batched run of B points counts B times its equations: the work of B evaluations,
    done in one call."""

    @classmethod
    def reset(cls):
        cls.eqns = 0


def read(env: dict, atom):
    return atom.value if isinstance(atom, Const) else env[atom]


def evaluate(graph: Graph, *args, env: dict | None = None):
    """Run `graph` on concrete inputs with NumPy; returns the tuple of output values.

    Args may be arrays or (for nested differentiation) tracers of an enclosing trace; each
    primitive is applied through its registry entry. If `env` is given it receives every value.

    >>> import difflab as dl
    >>> g = dl.trace(lambda x, y: x * y + 1.0, 2.0, 3.0)
    >>> [float(y) for y in evaluate(g, 2.0, 5.0)]
    [11.0]
    """
    if len(args) != len(graph.inputs):
        raise TypeError(f"graph takes {len(graph.inputs)} inputs, got {len(args)}")
    env = {} if env is None else env
    for var, x in zip(graph.inputs, args):
        env[var] = x
    with np.errstate(invalid="raise", divide="raise"):
        for eqn in graph.eqns:
            env[eqn.out] = guarded(eqn, eqn.op.bind, *[read(env, a) for a in eqn.args], **eqn.kw)
    EvalCounter.eqns += len(graph.eqns)
    return tuple(read(env, v) for v in graph.outputs)


def evaluate_batched(graph: Graph, *args, batched):
    """Run `graph` on a batch of concrete inputs at once; returns the tuple of output values.

    args[i] carries a leading batch axis (the same size B for all) iff batched[i]; the others are
    shared by every batch element. Each output carries the batch axis: output k of element b is
    what `evaluate` gives for the inputs of element b. Ops on unbatched values only run once.

    >>> import difflab as dl
    >>> g = dl.trace(lambda x, y: x * y + 1.0, 2.0, 3.0)
    >>> evaluate_batched(g, np.array([1.0, 2.0, 3.0]), 5.0, batched=(True, False))[0].tolist()
    [6.0, 11.0, 16.0]
    """
    if len(args) != len(graph.inputs) or len(batched) != len(args) or not any(batched):
        raise TypeError(f"graph takes {len(graph.inputs)} inputs with at least one batched; got {len(args)} "
                        f"inputs, batched={tuple(batched)}")
    size = next(np.shape(x)[0] for x, b in zip(args, batched) if b)
    env = dict(zip(graph.inputs, args))
    hot = {var for var, b in zip(graph.inputs, batched) if b}  # the values that carry the batch axis
    with np.errstate(invalid="raise", divide="raise"):
        for eqn in graph.eqns:
            flags = tuple(isinstance(a, Var) and a in hot for a in eqn.args)
            values = [read(env, a) for a in eqn.args]
            if any(flags):
                env[eqn.out] = guarded(eqn, eqn.op.batched, flags, *values, **eqn.kw)
                hot.add(eqn.out)
            else:
                env[eqn.out] = guarded(eqn, eqn.op.impl, *values, **eqn.kw)
    EvalCounter.eqns += size * len(graph.eqns)
    outs = [read(env, v) for v in graph.outputs]
    return tuple(y if isinstance(v, Var) and v in hot else np.broadcast_to(y, (size,) + np.shape(y))
                 for y, v in zip(outs, graph.outputs))


def guarded(eqn: Eqn, fn, *args, **kw):
    """Call `fn` for `eqn`; a NaN or inf born outside an op's domain becomes a `DomainWarning`.

    Callers run under `np.errstate(invalid="raise", divide="raise")`, so NumPy reports the first
    bad value here, where the equation is known, instead of as an anonymous RuntimeWarning.
    """
    try:
        out = fn(*args, **kw)
        if type(out) is not complex:
            return out
        err = "a complex value from real arguments"
    except ArithmeticError as exc:  # NumPy's FloatingPointError; ZeroDivisionError etc. on Python floats
        err = exc
    with np.errstate(all="ignore"):  # again with NumPy's arithmetic, which answers NaN or inf
        out = fn(*numpy_floats(args), **kw)
    if any(_has_nan(a) for a in args):  # a NaN passed on, not born here: its origin was reported
        return out
    where = str(eqn).split(' :')[0]
    warn_domain(where, f"{where}: {err} (outside the domain of {eqn.op.name}); the result holds NaN or inf")
    return out


def _has_nan(x) -> bool:
    if isinstance(x, Traced):  # a value of an enclosing trace: its number, not a recorded isnan
        x = x.concrete
    try:
        return bool(np.isnan(x).any())
    except TypeError:  # not numbers (an index, a shape)
        return False


def _fresh(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def numpy_floats(values) -> list:
    """Python floats as NumPy float64 (whose arithmetic gives NaN/inf where Python's raises)."""
    return [np.float64(v) if type(v) is float else v for v in values]


def to_dot(graph: Graph, name: str = "difflab") -> str:
    """Graphviz DOT text of the graph: inputs as boxes, equations as ellipses labelled by op.

    >>> import difflab as dl
    >>> print(to_dot(dl.trace(lambda x: x * x, 3.0)).splitlines()[0])
    digraph difflab {
    """
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


def prune(graph: Graph) -> Graph:
    """Drop equations whose results no output needs (dead-code elimination)."""
    live = {v for v in graph.outputs if isinstance(v, Var)}
    kept = []
    for eqn in reversed(graph.eqns):
        if eqn.out in live:
            kept.append(eqn)
            live.update(a for a in eqn.args if isinstance(a, Var))
    return graph._replace(eqns=tuple(reversed(kept)))


def compile(graph: Graph, batched: tuple | None = None, reuse: bool = True):
    """Compile a graph into a plain Python function: one NumPy call a line, no interpretation.

    The generated source binds each op's implementation and each constant as a global, deletes
    every intermediate after its last use (so peak memory matches hand-written code), lets an
    elementwise op write into a dead intermediate of its shape and dtype (`reuse`; the code then
    expects the traced dtypes) and counts the equations it executes in `EvalCounter`. `fn.source`
    holds the code. With `batched` (one flag per input) the function computes what
    `evaluate_batched` does: the ops that see a batched value run by their batching rule, with
    the flags fixed in the code (and no buffer is reused).

    >>> import difflab as dl
    >>> fn = compile(dl.trace(lambda x, y: x * y + 1.0, 2.0, 3.0))
    >>> [float(y) for y in fn(2.0, 5.0)]
    [11.0]
    """
    graph = prune(graph)
    names = {v: f"v{v.id}" for v in graph.inputs}
    env: dict[str, Any] = {"_counter": EvalCounter, "_broadcast_to": np.broadcast_to, "_shape": np.shape}
    hot = {v for v, b in zip(graph.inputs, batched or ()) if b}
    consts: dict[int, str] = {}

    def atom(a):
        if isinstance(a, Var):
            return names[a]
        key = id(a.value)
        if key not in consts:
            consts[key] = f"c{len(consts)}"
            env[consts[key]] = a.value
        return consts[key]

    last_use: dict[Var, int] = {}
    for i, eqn in enumerate(graph.eqns):
        for a in eqn.args:
            if isinstance(a, Var):
                last_use[a] = i
    outputs = {v for v in graph.outputs if isinstance(v, Var)}
    # A ufunc's array result is a fresh buffer; if only ufuncs read it (so no view of it can exist),
    # a later ufunc of the same shape and dtype may write into it once it is dead: fewer allocations.
    reuse = reuse and batched is None
    ufunc = {e.out: isinstance(e.op.impl, np.ufunc) and not e.params for e in graph.eqns}
    viewed = {a for e in graph.eqns if not ufunc[e.out] for a in e.args if isinstance(a, Var)}
    lines = [f"def compiled({', '.join(names[v] for v in graph.inputs)}):"]
    if hot:
        lines.append(f"    _size = len({names[next(v for v in graph.inputs if v in hot)]})")
    for i, eqn in enumerate(graph.eqns):
        flags = tuple(isinstance(a, Var) and a in hot for a in eqn.args)
        if any(flags):  # the rule, specialised to this equation's flags and ranks
            fn = f"op_{eqn.op.name}_{i}"
            env[fn] = eqn.op.batched_for(flags, [a.ndim if isinstance(a, Var) else np.ndim(a.value) for a in eqn.args])
            hot.add(eqn.out)
        else:
            fn = f"op_{eqn.op.name}"
            env[fn] = eqn.op.impl
        args = [atom(a) for a in eqn.args]
        for k, value in eqn.params:
            pname = f"p{len(env)}"
            env[pname] = value
            args.append(f"{k}={pname}")
        if reuse and ufunc[eqn.out] and eqn.out.shape and eqn.op.impl.signature is None:  # not matmul
            spare = [a for a in eqn.args if isinstance(a, Var) and ufunc.get(a) and a not in viewed and
                     last_use[a] == i and a not in outputs and (a.shape, a.dtype) == (eqn.out.shape, eqn.out.dtype)]
            if spare:
                args.append(f"out={names[spare[0]]}")
        names[eqn.out] = f"v{eqn.out.id}"
        lines.append(f"    {names[eqn.out]} = {fn}({', '.join(args)})")
        dead = sorted({names[a] for a in eqn.args if isinstance(a, Var) and last_use[a] == i and a not in outputs})
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    lines.append(f"    _counter.eqns += {len(graph.eqns)}" + (" * _size" if hot else ""))
    # a constant array or an input handed out as a result would let the caller change the graph
    # (or their own input) through it: those results are copies
    inputs = set(graph.inputs)
    outs = [f"_fresh({atom(v) if isinstance(v, Const) else names[v]})"
            if (isinstance(v, Const) and isinstance(v.value, np.ndarray)) or v in inputs else
            (atom(v) if isinstance(v, Const) else names[v]) for v in graph.outputs]
    env["_fresh"] = _fresh
    if batched is not None:  # every output carries the batch axis
        outs = [o if isinstance(v, Var) and v in hot else f"_broadcast_to({o}, (_size,) + _shape({o}))"
                for o, v in zip(outs, graph.outputs)]
    lines.append(f"    return ({''.join(o + ', ' for o in outs)})")
    source = "\n".join(lines)
    exec(builtins.compile(source, "<difflab compiled graph>", "exec"), env)
    fn = env["compiled"]
    fn.source = source
    fn.graph = graph
    return fn



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
