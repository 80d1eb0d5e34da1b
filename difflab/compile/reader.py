"""The argument reader: generated straight-line code from a call's arguments to a graph's inputs,
and the last-call cache of a transform that decides when to generate it.

How it works: a transform's first call at a signature traces f (api.boundary.stage) and evaluates
with the values the trace computed; its second call with the same staged graph generates the
reader (`generate`) for the arguments as they are shaped; from the third call on, `LastCall.fast`
runs that reader, which checks container types, lengths, dtypes, shapes and static leaves in a
few lines and returns the graph inputs, or None when anything differs (then the general path
flattens, converts and explains the mismatch). For `f(x, {"w": w})` with x a float and w an
array, the reader is `t0 = args[0]; t1 = args[1]; t2 = t1['w']; ...; return [t0, t2]`.
"""

from __future__ import annotations

import numpy as np

from .. import tree
from .reads import Opaque, fingerprint


class LastCall:
    """The staged graph of a transform's latest call, tried first by its generated reader."""

    def __init__(self):
        self.staged = None

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
    lines, env, leaves, k = [f"  if len(args) != {len(args)}: return None"], {}, [], [0]

    def visit(td, expr, ex):
        var = f"t{k[0]}"
        k[0] += 1
        lines.append(f"  {var} = {expr}")
        if td.kind == tree.LEAF:
            leaves.append((var, ex))
            return
        kind = {"dict": "dict", "tuple": "tuple", "list": "list"}[td.kind]
        lines.append(f"  if type({var}) is not {kind} or len({var}) != {len(td.children)}: return None")
        for i, child in enumerate(td.children):
            key = td.keys[i] if td.kind == "dict" else i
            visit(child, f"{var}[{key!r}]", ex[key])

    for i, (a, td) in enumerate(zip(args, sig.arg_trees)):
        visit(td, f"args[{i}]", a)
    flat_pos = {}
    for i, td in enumerate(sig.arg_trees):
        for j in range(td.num_leaves):
            flat_pos[(i, j)] = len(flat_pos)
    inputs = {flat_pos[p] for p in sig.input_pos}
    for n, (var, ex) in enumerate(leaves):
        if n not in inputs:  # baked into the graph: the same type and value (an array's bytes)
            env[f"s{n}"] = fingerprint(ex)
            lines.append(f"  if _fp({var}) != s{n}: return None")
        elif type(ex) is float:
            lines.append(f"  if type({var}) is not float: return None")
        else:
            env[f"shape{n}"] = np.shape(ex)
            lines.append(
                f"  if type({var}) is not ndarray or {var}.dtype is not f64 or {var}.shape != shape{n}: return None"
            )
    lines.append(f"  return [{', '.join(leaves[flat_pos[p]][0] for p in sig.input_pos)}]")
    # other dict keys or a shorter list: not this signature
    lines = [
        "def read(args):",
        "  try:",
        *("  " + ln for ln in lines),
        "  except (KeyError, IndexError, Opaque):",
        "    return None",
    ]
    env.update(ndarray=np.ndarray, f64=np.dtype(np.float64), _fp=fingerprint, Opaque=Opaque)
    # the gradient pytree: one nested literal, Python floats where the argument had floats
    parts = iter([f"float(p[{m}])" if was else f"p[{m}]" for m, was in enumerate(sig.wrt_float)])
    trees = [_literal(sig.arg_trees[a], parts) for a in sig.argnums]
    lines.append(f"def build(p): return {'(' + ''.join(t + ', ' for t in trees) + ')' if sig.many else trees[0]}")
    if sig.plain:  # the arguments from the graph inputs (every leaf one), for a trace at this signature
        parts = iter([f"p[{m}]" for m in range(len(sig.input_pos))])
        lines.append(f"def nest(p): return [{', '.join(_literal(td, parts) for td in sig.arg_trees)}]")
    exec(compile("\n".join(lines), "<difflab argument reader>", "exec"), env)
    return env["read"], env["build"], env.get("nest")


def _literal(td, parts) -> str:
    """Python source of the pytree `td` with its leaves taken in order from the iterator `parts`."""
    if td.kind == tree.LEAF:
        return next(parts)
    kids = [_literal(c, parts) for c in td.children]
    if td.kind == "dict":
        return "{" + ", ".join(f"{key!r}: {c}" for key, c in zip(td.keys, kids)) + "}"
    return ("(" + "".join(c + ", " for c in kids) + ")") if td.kind == "tuple" else "[" + ", ".join(kids) + "]"
