"""The argument reader: generated straight-line code from a call's arguments to a graph's inputs,
and the last-call cache of a transform that decides when to generate it.

How it works: a transform's first call at a signature traces f (api.boundary.stage) and evaluates
with the values the trace computed; its second call with the same staged graph generates the
reader (`generate`) for the arguments as they are shaped; from the third call on, `LastCall.fast`
runs that reader, which checks container types, lengths, dtypes, shapes and static leaves in a
few lines and returns the graph inputs, or None when anything differs (then the general path
flattens, converts and explains the mismatch). For `f(x, {"w": w})` with x a float and w an
array, the reader is `t0 = args[0]; t1 = args[1]; t2 = t1['w']; ...; return [t0, t2]`. A float32 (float16)
array is read in float64, as the general path reads it, and its derivative rounded back (`narrow`).
"""

from __future__ import annotations

import numpy as np

from .. import tree
from ..graph import Traced, _charging, charge_to, charging_open
from .reads import Opaque, fingerprint


class LastCall:
    """The staged graph of a transform's latest call, tried first by its generated reader."""

    staged = None  # (a class default, no __init__: a fresh transform per call makes one of these each time)

    def saw(self, st, args, eligible: bool):
        """Record the call's staged graph; the second call in a row on the same one generates its
        reader (`eligible`: cacheable, and not traced on one example of a batch)."""
        if eligible:
            if self.staged is st:  # reused: worth generating its reader
                st.learn(args)
            self.staged = st
        else:
            self.staged = None

    def fast(self, args):
        """(staged, graph inputs) when `args` match the latest call's reader and nothing the trace
        read has changed since; else None."""
        last = self.staged
        if last is None:
            return None
        xs = last.fast(args)
        if xs is None or not last.unchanged():
            return None
        return last, xs


def generate(sig, args):
    """Generate straight-line code that reads the graph inputs out of `args` shaped as at tracing
    (and the code that builds the gradient pytree back, and, when every leaf is an input, the code
    that nests graph inputs into arguments shaped so: a fresh trace's arguments), for an
    api.boundary.Signature `sig`: per call, the general path's flatten, conversions and signature
    comparison cost more than a small network's whole gradient. Returns (read, build, nest or None)."""
    checks, env, names = _reader(sig, args)
    lines = ["def read(args):", "  try:", *checks, f"    return [{', '.join(names)}]", *_EXCEPT]
    exec(compile("\n".join(lines + _builders(sig)), "<difflab argument reader>", "exec"), env)
    return env["read"], env["build"], env.get("nest")


def fuse(sig, args, fn, cost, eqns: int, elements: int, scalar: bool, evals: int = 1, out_dtype=None, lock=None):
    """One generated function `call(args)` for a prepared gradient's common case: the reader's checks
    (as `generate`'s `read`), then, holding `lock` (a prepared function's: None, the caller holds one), the
    guarded code `fn` on the graph inputs (compile.graphs: (value, gradient leaves...) or None) and `cost`
    charged with one call's work (graph.charge_to; `evals` evaluations of f), and the gradient pytree built
    (as `build`; the value a Python float when `scalar`). None where the reader or `fn` answers None: the
    caller's general path decides. Per call it saves the frames, the list of inputs, the slice of the results
    and the calls between the three pieces (api.operators._Hot).

    For `f({"w": w}, X)`: `t0, t1, = args; ...checks...; _acquire(); try: r = _fn(t2, t1); if r is None:
    return None; _charge(...) finally: _release(); v, p0, = r; return _float(v), {'w': p0}`."""
    checks, env, names = _reader(sig, args)
    parts = [f"p{m}" for m in range(len(sig.wrt_float))]
    value = "_float(r0)" if scalar else "_narrow(r0, _out)" if out_dtype is not None else "r0"  # (float32: rounded)
    # The lock by its bound methods, called: `with lock:` looks both up per call, making two method objects,
    # and calls __exit__ with three arguments (about 1,000 instructions more an uncontended call). The reader
    # before it touches only the caller's arguments
    pad = "    " if lock is not None else "  "
    body = [
        f"{pad}r = _fn({', '.join(names)})",
        f"{pad}if r is None:",
        f"{pad}  return None",
        # (other costs being charged on this thread: graph.charge_to's loop; `_open` is empty when no thread
        # charges any, and reading it is a tenth of reading the thread-local `_charging.costs`)
        f"{pad}if _open and _charging.costs:",
        f"{pad}  _charge(_cost, {eqns}, {elements}, {evals})",
        f"{pad}else:",
        *[f"{pad}  _cost.{k} += {n}" for k, n in (("evals", evals), ("eqns", eqns), ("elements", elements)) if n],
    ]
    if lock is not None:
        body = ["  _acquire()", "  try:", *body, "  finally:", "    _release()"]
        env.update(_acquire=lock.acquire, _release=lock.release)
    lines = [
        "def call(args):",
        "  try:",
        *checks,
        *_EXCEPT,
        *body,
        f"  r0, {''.join(q + ', ' for q in parts)}= r",
        f"  return {value}, {_pytree(sig, parts)}",
    ]
    env.update(_fn=fn, _cost=cost, _charge=charge_to, _charging=_charging, _open=charging_open)
    env.update(_float=float, _array0=array0, _out=out_dtype)
    if out_dtype is not None:
        env["_narrow"] = narrow
    exec(compile("\n".join(lines), "<difflab prepared call>", "exec"), env)
    call = env["call"]
    call.source = "\n".join(lines)
    return call


_EXCEPT = ["  except (KeyError, IndexError, ValueError, Opaque):", "    return None"]


def _reader(sig, args) -> tuple:
    """The source lines of the checks `read(args)` makes on arguments shaped as `args` (inside its
    `try`; each returns None on a mismatch), the values they name and the graph inputs' names."""
    # Containers are read by unpacking (`t1, t2 = t0`: one opcode, a length mismatch raises the
    # ValueError caught below) rather than an index and a length check per item, and the Python-float
    # leaves' types by one C loop over all of them: a scalar net has one leaf per weight
    lines, env, leaves, k = [], {"_array0": array0}, [], [0]
    classes = _classes(sig)
    env.update({name: cls for cls, name in classes.items()})

    def names(n):
        k[0] += n
        return [f"t{i}" for i in range(k[0] - n, k[0])]

    def unpack(kids, var):  # (no names: the container must be empty)
        lines.append(f"  {''.join(c + ', ' for c in kids)}= {var}" if kids else f"  if {var}: return None")

    def visit(td, var, ex):
        if td.kind == tree.LEAF:
            leaves.append((var, ex))
            return
        if td.kind == "none":  # (None, JAX's empty node: nothing to read)
            lines.append(f"  if {var} is not None: return None")
            return
        kids = names(len(td.children))
        if td.kind == "dict":
            lines.append(f"  if type({var}) is not dict or len({var}) != {len(td.children)}: return None")
            lines.extend(f"  {c} = {var}[{key!r}]" for c, key in zip(kids, td.keys))
        else:  # (a namedtuple: its very class, by the name `_classes` gave it; another class is another signature)
            kind = classes[td.keys[0]] if td.kind == "namedtuple" else td.kind
            lines.append(f"  if type({var}) is not {kind}: return None")
            unpack(kids, var)
        for c, child, key in zip(kids, td.children, td.keys if td.kind == "dict" else range(len(td.children))):
            visit(child, c, ex[key])

    tops = names(len(args))
    unpack(tops, "args")
    for var, a, td in zip(tops, args, sig.arg_trees):
        visit(td, var, a)
    flat_pos = {}
    for i, td in enumerate(sig.arg_trees):
        for j in range(td.num_leaves):
            flat_pos[(i, j)] = len(flat_pos)
    _leaf_checks(lines, env, leaves, {flat_pos[p] for p in sig.input_pos})
    # (other dict keys, a shorter or longer list: not this signature, by the exceptions the caller catches)
    env.update(ndarray=np.ndarray, f64=np.dtype(np.float64), _fp=fingerprint, Opaque=Opaque, _floats=_FLOATS)
    if sig.wrt_dtype is not None:  # float32 leaves' derivatives rounded to float32, as Signature.rebuild's
        env.update({f"_w{m}": dt for m, dt in enumerate(sig.wrt_dtype) if dt is not None}, _narrow=narrow)
    return ["  " + ln for ln in lines], env, [leaves[flat_pos[p]][0] for p in sig.input_pos]


def _leaf_checks(lines: list, env: dict, leaves: list, inputs: set):
    """Append to `lines` the checks of the leaves `(name, example)` (`inputs`: the indices of graph inputs):
    a static leaf's value, an array's type, dtype and shape, the Python floats' types by one C loop."""
    floats = [var for n, (var, ex) in enumerate(leaves) if n in inputs and type(ex) is float]
    for n, (var, ex) in enumerate(leaves):
        if n not in inputs:  # baked into the graph: the same type and value (an array's bytes)
            env[f"s{n}"] = fingerprint(ex)
            lines.append(f"  if _fp({var}) != s{n}: return None")
        elif type(ex) is np.ndarray and ex.dtype.kind == "f" and ex.dtype != np.float64:
            # a float32 (float16) array: read as the general path reads it (boundary._as_float), in float64
            env[f"shape{n}"], env[f"d{n}"] = ex.shape, ex.dtype
            lines.append(
                f"  if type({var}) is not ndarray or {var}.dtype is not d{n} or {var}.shape != shape{n}: return None"
            )
            lines.append(f"  {var} = {var}.astype(f64)")
        elif type(ex) is not float:
            env[f"shape{n}"] = np.shape(ex)
            lines.append(
                f"  if type({var}) is not ndarray or {var}.dtype is not f64 or {var}.shape != shape{n}: return None"
            )
    if len(floats) == 1:
        lines.append(f"  if type({floats[0]}) is not float: return None")
    elif floats:
        # (every type float, tested as the types are made: no set built of them)
        lines.append(f"  if not _floats.issuperset(map(type, ({', '.join(floats)}))): return None")


def narrow(x, dtype):
    """A value computed in float64 rounded to `dtype` (float32 for a float32 leaf; complex64 for a complex
    value), any pytree of them; traced values, other dtypes and a None dtype as they are. (Here for the
    generated builders; the API rounds its general path's results by it too.)"""
    if dtype is None or isinstance(x, Traced):
        return x
    if type(x) is float or type(x) is complex or isinstance(x, np.ndarray | np.generic):
        # (a Python complex too: a float64 argument's np.sum(x, dtype=np.complex64) came back as a Python complex)
        kind = np.dtype(type(x) if type(x) is float or type(x) is complex else x.dtype).kind
        if kind not in "fc":
            return x
        to = np.result_type(dtype, np.complex64) if kind == "c" else dtype
        return to.type(x) if np.ndim(x) == 0 and not isinstance(x, np.ndarray) else np.asarray(x).astype(to)
    if isinstance(x, (tuple, list, dict)):
        return tree.tree_map(lambda v: narrow(v, dtype), x)
    return x


def _builders(sig) -> list:
    """The source lines of `build(p)`, the gradient pytree from its parts, and (when every leaf is an
    input) `nest(p)`, the arguments from the graph inputs."""
    # the gradient pytree: one nested literal, Python floats where the argument had floats; the
    # parts unpacked into names first (no index per leaf), converted by one C loop when all are floats
    n = len(sig.wrt_float)
    every = all(sig.wrt_float)
    lines = ["def build(p):"]
    if n:
        lines.append(f"  {''.join(f'p{m}, ' for m in range(n))}= {'map(float, p)' if every else 'p'}")
    lines.append(f"  return {_pytree(sig, [f'p{m}' for m in range(n)], not every)}")
    if sig.plain:  # the arguments from the graph inputs (every leaf one), for a trace at this signature
        n = len(sig.input_pos)
        parts = iter([f"p{m}" for m in range(n)])
        lines.append("def nest(p):")
        if n:
            lines.append(f"  {''.join(f'p{m}, ' for m in range(n))}= p")
        classes = _classes(sig)
        lines.append(f"  return [{', '.join(_literal(td, parts, classes) for td in sig.arg_trees)}]")
    return lines


_FLOATS = frozenset([float])


def array0(p):
    """A 0-d array leaf's gradient as a 0-d array, as the argument was (a sweep on 0-d arrays ends in NumPy
    scalars, NumPy's arithmetic on them returning np.float64, or in Python floats where the scalar sweep ran
    on floats), a new one; arrays and traced values as they are."""
    return np.array(p) if isinstance(p, (float, np.generic)) else p


def _pytree(sig, parts: list, convert: bool = True) -> str:
    """Python source of the gradient pytree (a tuple of them for many argnums) from the names `parts`,
    `float(p)` where the argument's leaf was a Python float (when `convert`)."""
    named = [
        f"float({q})" if was and convert else f"_array0({q})" if zerod else q
        for q, was, zerod in zip(parts, sig.wrt_float, sig.wrt_zerod)
    ]
    if sig.wrt_dtype is not None:  # (a float32 leaf's derivative: computed in float64, rounded once)
        named = [f"_narrow({q}, _w{m})" if dt is not None else q for m, (q, dt) in enumerate(zip(named, sig.wrt_dtype))]
    named = iter(named)
    classes = _classes(sig)
    trees = [_literal(sig.arg_trees[a], named, classes) for a in sig.argnums]
    return "(" + "".join(t + ", " for t in trees) + ")" if sig.many else trees[0]


def _classes(sig) -> dict:
    """{namedtuple class: the name the generated code calls it by} for the classes in `sig`'s arguments."""
    found: dict = {}

    def visit(td):
        if td.kind == "namedtuple" and td.keys[0] not in found:
            found[td.keys[0]] = f"_N{len(found)}"
        for c in td.children:
            visit(c)

    for td in sig.arg_trees:
        visit(td)
    return found


def _literal(td, parts, classes) -> str:
    """Python source of the pytree `td` with its leaves taken in order from the iterator `parts`
    (a namedtuple built by its class's name in `classes`)."""
    if td.kind == tree.LEAF:
        return next(parts)
    if td.kind == "none":
        return "None"
    kids = [_literal(c, parts, classes) for c in td.children]
    if td.kind == "dict":
        return "{" + ", ".join(f"{key!r}: {c}" for key, c in zip(td.keys, kids)) + "}"
    if td.kind == "namedtuple":
        return f"{classes[td.keys[0]]}({', '.join(kids)})"
    return ("(" + "".join(c + ", " for c in kids) + ")") if td.kind == "tuple" else "[" + ", ".join(kids) + "]"
