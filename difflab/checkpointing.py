"""Checkpointing (rematerialisation): `checkpoint(f)`, JAX's alias `remat`, and `checkpoint_sequential(layers, segments)`.

How it works. Called on traced values, a checkpointed f is traced into a sub-graph, and the outer
trace records ONE equation `checkpoint(args, sub=<that graph>)`: its value is the sub-graph run
(interior values are dropped as soon as they are used), its JVP rule pushes tangents through the
sub-graph, and its VJP rule runs the sub-graph again and sweeps back through it. So the reverse
sweep stores only the checkpoint's inputs and output, and recomputes the interior in the backward
pass: one extra forward evaluation of f. Values the sub-graph closes over from an enclosing trace
(weights being differentiated) become explicit arguments, so their derivatives flow too. For a
chain of L layers in √L checkpointed segments, reverse mode stores √L segment boundaries plus one
segment's interior: memory O(√L) instead of O(L) (bench/checkpoint.py measures it).
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from . import numpy as dnp
from . import tree
from .compile import lower
from .graph import Graph, SubGraph, Traced, Var, evaluate, evaluate_batched, lift_closure, uncharged
from .errors import check_positions
from .rules import UserOp
from .trace import check_returned, flatten_returned, outputs_of, specialise_enclosing, trace_flat

__all__ = ["checkpoint", "remat", "checkpoint_sequential"]


class _Sub(SubGraph):
    """A sub-graph as an equation parameter: compared and printed by identity (two checkpoints
    of different functions must never be taken for the same equation)."""

    _ids = itertools.count()

    def __init__(self, graph: Graph):
        self.graph, self.id = graph, next(self._ids)
        self._compiled = None
        self._memo = None  # (ct, args, cotangents): one recomputation serves every argument

    def __repr__(self):
        return f"<sub-graph #{self.id}: {len(self.graph.eqns)} eqns>"

    def run(self, args):
        # (uncharged: the equation's evaluation charges its interior, graph.work; the backward sweep's recomputation
        # by its sweep, graph.charge_backward)
        if any(isinstance(a, Traced) for a in args):
            with uncharged():
                return evaluate(self.graph, *args)[0]
        if self._compiled is None:  # (no pool: the segment's interior is not kept)
            self._compiled = lower(self.graph, keep=False, charged=False)
        return self._compiled(*args)[0]


def _impl(*args, sub):
    return sub.run(args)


def _batch(batched, *args, sub):
    with uncharged():  # (as `_Sub.run`)
        return evaluate_batched(sub.graph, *args, batched=batched)[0]


def _jvp_of(i):
    def rule(t, out, *args, sub):
        from .differentiators.forward import push

        (dual,) = push(sub.graph, args, {sub.graph.inputs[i]: t})
        return dual.tangent if dual.tangent is not None else np.zeros(np.shape(out))

    return rule


def _vjp_of(i):
    def rule(ct, out, *args, sub):
        from .differentiators.reverse import backward

        memo = sub._memo
        if (
            memo is None
            or memo[0] is not ct
            or len(memo[1]) != len(args)
            or any(a is not b for a, b in zip(memo[1], args))
        ):
            env: dict = {}
            with uncharged():  # the recomputation: interior values live only here (charged by the sweep, graph.Cost)
                evaluate(sub.graph, *args, env=env)
            (o,) = sub.graph.outputs
            cts = {o: ct} if isinstance(o, Var) else {}
            grads = backward(sub.graph, env, tuple(range(len(args))), cts)
            if len(args) == 1:  # nothing to share: keep no reference to this sweep's values
                return grads[0]
            sub._memo = memo = (ct, args, grads)
        return memo[2][i]

    return rule


def _sympy(*args, sub):
    from .rules import graph_sympy

    return graph_sympy(sub.graph, args)[0]


def _sparsity(deps, out, *args, sub):
    from .sparse import propagate_deps

    return propagate_deps(sub.graph, args, {v: d for v, d in zip(sub.graph.inputs, deps) if d is not None})[0]


CHECKPOINT = UserOp(
    "checkpoint",
    _impl,
    (_jvp_of,),
    (_vjp_of,),
    sympy=_sympy,
    nargs=None,
    batch=_batch,
    sparsity=_sparsity,
    doc="a sub-graph run as one step; reverse mode recomputes its interior (remat)",
)


def _no_policy(policy, concrete=False):
    if concrete not in (False, None):  # (JAX's own is deprecated: value-dependent Python control flow is traced here)
        raise NotImplementedError(
            "checkpoint(concrete=True): JAX's deprecated flag; difflab's trace follows Python branches on values, so "
            "leave it out (static_argnums for arguments that are not arrays)"
        )
    # JAX's checkpoint_policies decide per primitive what to store: no such choice here
    if policy is not None:
        raise TypeError(
            f"checkpoint's policy={getattr(policy, '__name__', type(policy).__name__)} is not supported: difflab's "
            "checkpoint stores only f's inputs and output and recomputes the rest (JAX's nothing_saveable, its "
            "default); leave policy=None, or checkpoint smaller functions to store more"
        )


def checkpoint(f, static_argnums=(), prevent_cse=True, policy=None, static_argnames=(), concrete=False):
    """`f` whose interior reverse mode recomputes instead of storing (rematerialisation).

    Calling the result on plain values just calls f. Under differentiation, f's interior is one
    equation of the tape; forward mode pushes tangents through it as usual, reverse mode stores
    only its inputs and output and runs f's sub-graph again in the backward sweep. As at the operators'
    boundary, float leaves are its inputs and every other leaf (an int, a bool, a str) is passed to f as
    it is; `static_argnums` (JAX's) passes whole arguments as they are, floats too. JAX's `prevent_cse` is taken and
    changes nothing: no pass of difflab's merges the backward sweep's recomputation with the stored forward pass (XLA's
    CSE can, hence JAX's flag). JAX's `policy` (which intermediates to save) is refused unless None: here f's
    interior saves nothing but its inputs and output. `static_argnames` names static arguments by f's parameter names
    (as positions: a checkpointed function takes its arguments positionally); JAX's deprecated `concrete` is refused.

    Shape contract: f takes arrays or pytrees of them and returns one array or a pytree of
    arrays; the result has f's output structure. Nests in every transformation.

    >>> import difflab as dl, difflab.numpy as dnp
    >>> layer = dl.checkpoint(lambda x: dnp.tanh(x) * 2.0)
    >>> round(dl.grad(lambda x: layer(layer(x)))(0.5), 10) == round(dl.grad(
    ...     lambda x: dnp.tanh(dnp.tanh(x) * 2.0) * 2.0)(0.5), 10)
    True
    """
    if not callable(f):
        raise TypeError(f"checkpoint takes a function, got {type(f).__name__}")
    _no_policy(policy, concrete)
    statics = check_positions(static_argnums, "checkpoint's static_argnums") + _positions_of(f, static_argnames)

    @functools.wraps(f)
    def checkpointed(*args, **kwargs):
        if kwargs:  # (else Python's error, named as f by functools.wraps, said f takes no such argument)
            raise TypeError(
                f"keyword argument(s) {', '.join(map(repr, kwargs))} passed to the checkpointed function "
                f"{getattr(f, '__name__', 'f')}: checkpoint passes positional arguments only; pass them "
                "positionally or bind them first (functools.partial)"
            )
        flat = [tree.flatten(a) for a in args]
        for i in statics:  # (i % len(args) made position 3 of 2 arguments argument 1, silently)
            if not -len(args) <= i < len(args):
                raise ValueError(
                    f"checkpoint's static_argnums {i} is out of range for {getattr(f, '__name__', 'f')} called with {len(args)} "
                    "argument(s)"
                )
        fixed = {i % len(args) for i in statics} if statics else ()
        # (position of each input leaf; the others stay in `flat` as they are)
        where = [(i, j) for i, (lv, _) in enumerate(flat) if i not in fixed for j, x in enumerate(lv) if _traced(x)]
        leaves = [flat[i][0][j] for i, j in where]
        if not any(isinstance(x, Traced) for x in leaves):
            return tree.unaliased(f(*args), leaves)
        out_def = {}

        def flat_f(*xs):
            kept = [list(lv) for lv, _ in flat]
            for (i, j), x in zip(where, xs):
                kept[i][j] = x
            out, out_def["tree"] = flatten_returned(
                f(*[td.unflatten(lv) for lv, (_, td) in zip(kept, flat)]), "checkpoints"
            )
            check_returned(out, "checkpoints")
            out_def["shapes"] = [np.shape(o) for o in out]
            # one output: the leaves raveled into one vector when there are several
            return [out[0] if len(out) == 1 else dnp.concatenate([dnp.reshape(o, (-1,)) for o in out])]

        inputs = [x if isinstance(x, Traced) or isinstance(x, float) else np.asarray(x, dtype=float) for x in leaves]
        t, tracers, outs = trace_flat(flat_f, inputs)
        graph = outputs_of(t, tracers, outs)  # (closed first: it settles the trace's tentative specialisations)
        if graph.specialised:  # f branched on these values: so does every graph holding this checkpoint's sub-graph
            specialise_enclosing([*inputs, *t.consts], graph.specialised)
        sub, closed = lift_closure(graph)
        y = CHECKPOINT.bind(*inputs, *closed, sub=_Sub(sub))
        shapes = out_def["shapes"]
        if len(shapes) == 1:
            return out_def["tree"].unflatten([y])
        parts, start = [], 0
        for s in shapes:
            size = int(np.prod(s))
            parts.append(dnp.reshape(y[start : start + size], s))
            start += size
        return out_def["tree"].unflatten(parts)

    return checkpointed


def _traced(x) -> bool:
    """A leaf checkpoint takes as an input: a traced value or a float (Python, NumPy scalar or array)."""
    if isinstance(x, Traced):
        return True
    if isinstance(x, (bool, np.bool_)):
        return False
    return isinstance(x, (float, np.floating)) or isinstance(x, np.ndarray) and x.dtype.kind == "f"


def checkpoint_sequential(layers, segments: int):
    """The chain x -> layers[-1](... layers[0](x)) in `segments` checkpointed segments (as
    PyTorch's): reverse mode stores the segment boundaries and recomputes one segment at a time.
    With √L segments for L layers, memory grows as √L instead of L, for one extra forward pass.

    Shape contract: each layer maps an array (or pytree) to the next layer's input; the result
    is what the last layer returns.

    >>> import difflab as dl, difflab.numpy as dnp
    >>> chain = dl.checkpoint_sequential([dnp.sin] * 4, segments=2)
    >>> round(dl.grad(chain)(0.3), 12) == round(dl.grad(lambda x: dnp.sin(dnp.sin(dnp.sin(dnp.sin(x)))))(0.3), 12)
    True
    """
    layers = list(layers)
    if not all(callable(layer) for layer in layers):
        raise TypeError("checkpoint_sequential takes a sequence of functions (layers)")
    if not isinstance(segments, int) or isinstance(segments, bool) or not 1 <= segments:
        raise ValueError(f"segments must be a positive int, got {segments!r}")
    if not layers:
        raise ValueError("checkpoint_sequential needs at least one layer")
    segments = min(segments, len(layers))
    bounds = np.linspace(0, len(layers), segments + 1).round().astype(int)

    def run(chunk):
        def segment(x):
            for layer in chunk:
                x = layer(x)
            return x

        return segment

    parts = [checkpoint(run(layers[lo:hi])) for lo, hi in zip(bounds[:-1], bounds[1:])]

    def chain(x):
        for part in parts:
            x = part(x)
        return x

    return chain


#: JAX's `jax.remat`: its name for checkpoint (the same function)
remat = checkpoint


def _positions_of(f, names) -> tuple:
    """checkpoint's static_argnames as positions of f's parameters (a name f has not: refused by name)."""
    names = (names,) if isinstance(names, str) else tuple(names)
    if not names:
        return ()
    import inspect

    params = list(inspect.signature(f).parameters)
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(
            f"checkpoint's static_argnames {missing} are not parameters of {getattr(f, '__name__', f)}: {params}"
        )
    return tuple(params.index(n) for n in names)
