"""Matrix-level symbolic gradients (issue 17 §2): ∇f of a scalar function of arrays written down
once, before any evaluation, as a graph of difflab ops over f's own arrays (`closed_form`), then
lowered by the compiled tier to straight-line NumPy (`MatrixGradient`). The symbolic method takes
it for gradients of functions of arrays; its scalar SymPy path stays for scalar graphs, for
non-scalar outputs and Hessians, and as the fallback.

What makes it symbolic. The derivative is a closed-form expression of the inputs, derived from
each op's mathematical form and simplified as it is written, the way the scalar path derives and
joins SymPy assignments (program.py), with arrays for scalars:

- a multilinear op (the registry's `index`: an einsum with a scale) is differentiated by exchanging
  the output's subscripts with the argument's: for z = h W ("ij,jk->ik") the adjoint of W is the
  contraction "ij,ik->jk" of h with z̄, written as the matmul hᵀ z̄ (a contraction that is no matmul
  stays an einsum);
- an elementwise op by its partial φₖ(out, args) from the registry (tanh: 1 − out²): x̄ = ū ⊙ φₖ,
  summed back over the axes it was broadcast along; any other op by its registry adjoint;
- constant adjoints stay numbers until a product needs an array (the seed 1, the −1/N of a mean's
  sum and its broadcast never become arrays: ∂ sum(Y ⊙ logp) / ∂ logp is −Y/N, one product),
  zero adjoints vanish, x·1 and x+0 fold, and equal subexpressions are one value (the trace's CSE
  over the whole value + gradient program: the forward values are the gradient's);
- an array adjoint keeps its number apart (`_Scaled`: s · x) through the linear steps (partials,
  sums back over broadcast axes, contractions), so a chain of constants (−1/N, a subtraction's −1)
  is one product, made where the adjoint has a second use; a reduction's adjoint keeps its unit axes
  and broadcasts where it is used (no reshape, reshape, broadcast_to), a broadcast over unit axes is
  undone by a reshape, and a small matrix's row or column sums are products with a vector of ones.
  For −Σ Y ⊙ log softmax(z) / N the logits' adjoint is (Y − softmax(z) · rowsum(Y)) · (−1/N), as by hand;
- a value that f does not depend on by its structure has no adjoint: log-sum-exp's max-shift
  (z − max z, then exp, a sum and log), shown shift-invariant from the registry's rules (shifts.py).

The adjoints are joined from the output back, as the scalar path joins its assignments' derivatives
(program.py), which is what makes one gradient cost a few evaluations of f. How it differs from
reverse mode's generated code: reverse traces its interpreter's sweep at its second call, each
equation through its VJP rule on cotangent arrays (its seed is an array, a sum's cotangent a
broadcast array, a matmul's adjoint whatever the rule computes); here the expression is written once
per input signature (at the first gradient call, before evaluating anything), from the ops' index
and partials, with its constants folded, and a declared batched loss's one-example graph is
rewritten to the whole batch (`batch_graph`). Where the registry's rule is strong (0 · ∞ = 0 and
0 · NaN = 0, DESIGN.md §3) a product with a partial is the strong product unless one factor is a
finite nonzero number (then the plain one is the same): a NaN made inside the function meets its
zero adjoint as 0 (nan_to_num of y times a NaN constant), as reverse computes it.

For f(W) = sum(tanh(X W)) the closed form is, in three lines:

    v1 = X @ W;  v2 = tanh(v1);  y = sum(v2)            # the forward values
    v3 = 1 - v2 * v2                                     # tanh's partial (ū = 1 folds away)
    W̄ = Xᵀ @ v3                                          # matmul's index, exchanged
"""

from __future__ import annotations

import numpy as np

from .. import numpy as dnp
from ..compile import Tier, lower
from ..graph import Const, Var, numpy_numbers
from ..graph import active as active_values
from ..ops import strong_mul, unbroadcast
from ..ops.core import _DOT_MAX, lifting_partial

from ..trace import Tracer, outputs_of, trace_flat
from .base import _traced, nonfinite_concrete
from .examples import _placeholder, per_example
from .shifts import shift_free

__all__ = ["closed_form", "batch_graph", "MatrixGradient"]

#: float64's smallest normal number (`untiny`)
_TINY = float(np.finfo(np.float64).tiny)

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
SIZES_KEPT = 8  # closed forms kept per prepared object, one per batch size


class MatrixGradient:
    """A prepared symbolic gradient at matrix level: `run(args)` → (outputs, gradient leaves), or
    None when this graph or call is not for it (the symbolic method then takes its scalar path).

    `rows`: the inputs a declared mean-over-examples loss reads one example of (the graph is then
    one example's; it is rewritten to each call's batch size by `batch_graph`).

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> g = dl.trace(lambda w, X: dnp.sum(dnp.tanh(X @ w)), np.zeros(2), X)
    >>> outs, (dw,) = MatrixGradient(g, (0,)).run([np.zeros(2), X])
    >>> float(outs[0]), dw.tolist()          # tanh'(0) = 1: the column sums of X
    (0.0, [4.0, 6.0])
    """

    def __init__(self, graph, wrt: tuple, rows: tuple = ()):
        self.graph, self.wrt, self.rows = graph, tuple(wrt), tuple(rows)
        self.derivatives: dict = {}  # batch size (None: undeclared) -> derivative graph, or None
        self.fns: dict = {}  # batch size -> the derivative lowered (compiled tier)

    def derivative(self, size=None):
        """The closed-form value-and-gradient graph for a batch of `size` (None: the graph's own)."""
        if size not in self.derivatives:
            graph, scale = self.graph, 1.0
            if size is not None and size != 1:  # one example: the graph itself
                graph, scale = batch_graph(self.graph, self.wrt, self.rows, size) or (None, 1.0)
            self.derivatives[size] = None if graph is None else closed_form(graph, self.wrt, scale)
        return self.derivatives[size]

    def run(self, args):
        size = len(args[self.rows[0]]) if self.rows else None
        fn = self.fns.get(size)
        if fn is None:
            derivative = self.derivative(size)
            if derivative is None:
                return None
            if len(self.fns) >= SIZES_KEPT:  # a declared loss called at ever new batch sizes: bounded memory
                oldest = next(iter(self.fns))
                del self.fns[oldest], self.derivatives[oldest]
            # like lambdified code: no tape; speculative (compile.graphs) where it holds strong products
            fn = self.fns[size] = lower(derivative, charged=False, speculate=True, guard=self.wrt, values=1)
        res = Tier.run(fn, args)
        if res is None:  # a value left an op's domain: the scalar path names the equation
            return None
        value = res[0]
        return [float(value) if type(value) is np.float64 else value], list(res[1:])

    def value(self, args, shapes) -> list | None:
        """The outputs alone, shaped as `shapes` (a prepared function called for its value, p(x)): this closed
        form's, the value its gradient pairs with, so that the symbolic method translates no graph into SymPy for a
        value (a binomial tree's 820 maxima as Piecewise: 2.5 CPU-s); None where `run` answers None, and at traced
        or non-finite arguments (the symbolic method's value there: the graph's own, or its code on traced values)."""
        if _traced(args) or nonfinite_concrete(args):
            return None
        found = self.run([np.asarray(a, dtype=float) for a in args])
        return None if found is None else [np.asarray(o, dtype=float).reshape(s) for o, s in zip(found[0], shapes)]

    def hot_grad(self, args):
        """The lowered closed form's guarded twin (compile.graphs) for these inputs, once lowered (`untiny` where the
        graph has exp and is small enough to evaluate exactly: an entry below the normal range goes to the general
        path, program.lifted_result; a larger one's common case stays as it is, left)."""
        if "lifts" not in vars(self):
            from .program import EXACT_MAX, over_limit

            small = over_limit(self.graph, EXACT_MAX) is None
            self.lifts = small and any([lifting_partial(e.op) is not None for e in self.graph.eqns])
        return untiny(
            getattr(self.fns.get(len(args[self.rows[0]]) if self.rows else None), "guarded", None), self.lifts
        )


def untiny(guarded, lifts: bool):
    """`guarded` (a prepared gradient's common-case code: its value, then the gradient leaves, or None), or where
    `lifts` (its graph has exp) it answering None where a leaf has an entry below the normal range, so the general
    path's `lifted_exactly` decides: cached on it, with the cost attributes the callers read (api.operators._Hot)."""
    if guarded is None or not lifts:
        return guarded
    fn = getattr(guarded, "untiny", None)
    if fn is None:

        def fn(*xs):
            res = guarded(*xs)
            if res is None:
                return None
            for g in res[1:]:
                if not np.min(np.abs(g), initial=1.0) >= _TINY:
                    return None
            return res

        fn.__dict__.update({a: v for a, v in guarded.__dict__.items() if a not in ("untiny", "unsuspected")})
        guarded.untiny = fn
    return fn


def closed_form(graph, wrt: tuple, scale: float = 1.0):
    """The graph of [scale · f, ∂(scale · f)/∂x for x in `wrt`] for `graph` of one float scalar
    output, or None when it has no such closed form here (value-dependent control flow in a rule,
    a value of an enclosing trace, an op that refuses the placeholder values it is written at)."""
    y = graph.outputs[0] if len(graph.outputs) == 1 else None
    if not isinstance(y, Var) or y.shape != () or y.dtype.kind != "f":
        return None
    if graph.specialised or graph.closes_over_tracers or _nan_datum(graph):
        return None
    rng = np.random.default_rng(0)
    leaves = [_placeholder(v, rng) for v in graph.inputs]
    try:
        t, inputs, outs = trace_flat(lambda *xs: _written(graph, wrt, xs, scale), leaves)
    except ValueError:  # an op refused the placeholder values (cholesky of a matrix that is not SPD)
        return None
    derivative = outputs_of(t, inputs, outs)
    return None if derivative.specialised else derivative


def _nan_datum(graph) -> bool:
    """Whether a constant holds a NaN (data with NaNs, under nansum or nanmean): there a partial (sin's cos of
    NaN · w) is NaN where its adjoint, through the where that drops the entry, is 0, a product only the scalar
    path's strong products make 0, as reverse does (a rule not marked strong is the plain product here)."""
    for eqn in graph.eqns:
        for a in eqn.args:
            v = a.value if isinstance(a, Const) else None
            if (
                isinstance(v, (np.ndarray, float, np.floating))
                and np.asarray(v).dtype.kind in "fc"
                and np.isnan(v).any()
            ):
                return True
    return False


def _written(graph, wrt, xs, scale) -> list:
    """The forward equations again (on tracers), then each active value's adjoint from the output back."""
    env = dict(zip(graph.inputs, xs))
    for eqn in graph.eqns:
        env[eqn.out] = eqn.op.bind(*[_read(env, a) for a in eqn.args], **eqn.kw)
    active = active_values(graph, [graph.inputs[i] for i in wrt])
    active -= shift_free(graph, active)  # f does not change when they shift: their adjoint is zero
    y = graph.outputs[0]
    adj: dict = {y: float(scale)}
    for eqn in reversed(graph.eqns):
        ct = adj.pop(eqn.out, None)
        if ct is None or eqn.out not in active:
            continue
        uses = [(k, a) for k, a in enumerate(eqn.args) if type(a) is Var and a in active]
        if len(uses) > 1:  # its number multiplied in once here, not once down each use
            ct = _settled(ct)
        for k, a in uses:
            c = _adjoint(eqn, k, ct, env)
            if c is not None:
                adj[a] = c if a not in adj else _sum(adj[a], c)
    value = env[y] if scale == 1.0 else env[y] * scale
    return [value] + [_array(_settled(adj.get(graph.inputs[i], 0.0)), graph.inputs[i].shape) for i in wrt]


def _read(env, a):
    return env[a] if type(a) is Var else a.value


def _shape_of(a) -> tuple:
    return a.shape if type(a) is Var else np.shape(a.value)


def _array(c, shape):
    """An adjoint as an array of `shape`: a number stands for that number everywhere in it, an array
    broadcasts to it."""
    if isinstance(c, Tracer):
        if c.dtype.kind in "biu":  # (an integer partial, argpartition's indices: a float input's gradient is float)
            c = c * 1.0
        return c if tuple(c.shape) == tuple(shape) else dnp.broadcast_to(c, tuple(shape))
    return np.full(shape, c) if shape else float(c)


class _Scaled:
    """The adjoint s · x with its number s (finite, nonzero) not yet multiplied into the array x.
    The numbers of a chain of linear steps (a mean's −1/N, a subtraction's −1, a contraction's
    scale) multiply each other and reach the array once: where the adjoint has two uses (each would
    multiply it again), meets a registry adjoint rule, or is an input's gradient. Two adjoints of one
    value with the same number, or opposite ones, add as s · (x ± y)."""

    __slots__ = ("x", "s")

    def __init__(self, x, s: float):
        self.x, self.s = x, s


def _scaled(c, s: float):
    """s · c as an adjoint: the number kept apart from an array (joining its own number)."""
    if s == 1.0:
        return c
    if type(c) is _Scaled:
        return _scaled(c.x, c.s * s)
    return _Scaled(c, s) if isinstance(c, Tracer) else c * s


def _settled(c):
    """The adjoint `c` with its number multiplied in."""
    return c.x * c.s if type(c) is _Scaled else c


def _sum(a, b):
    """a + b, two shares of one value's adjoint: s · x + s · y = s · (x + y), s · x − s · y = s · (x − y)."""
    (x, s), (y, t) = ((c.x, c.s) if type(c) is _Scaled else (c, 1.0) for c in (a, b))
    if isinstance(x, Tracer) and isinstance(y, Tracer) and s in (t, -t):
        if x.dtype.kind == "b" and y.dtype.kind == "b":  # masks (m·x's partial): NumPy's bool + is "or"
            x = x * 1.0
        return _scaled(x + y if s == t else x - y, s)
    return _settled(a) + _settled(b)


def _partial_at(partial, out, vals, kw):
    """partial(out, *vals) in NumPy's arithmetic: a Python float divided by 0 (the count of an empty
    array's mean or variance) is ±inf or NaN there, as the other methods have it, not an exception."""
    try:
        return partial(out, *vals, **kw)
    except ZeroDivisionError:
        with np.errstate(divide="ignore", invalid="ignore"):
            out, *vals = numpy_numbers((out, *vals))  # (an int 0 too: len(x[m]) of an empty mask)
            return float(partial(out, *vals, **kw))


def _adjoint(eqn, k, ct, env):
    """Argument k's share of the adjoint `ct` of eqn's output (a number: constant over the output)."""
    op, kw = eqn.op, eqn.kw
    vals = [_read(env, a) for a in eqn.args]
    shapes = [_shape_of(a) for a in eqn.args]
    spec = op.index(shapes, **kw) if op.index is not None else None
    if spec is not None:
        found = _multilinear(spec, vals, shapes, k, ct, eqn.out.shape)
        if found is not None:
            return found
    partials = op.float_partials if op.elementwise else ()
    if partials:
        partial, strong = partials[k]
        if partial is None or (isinstance(ct, float) and ct == 0.0):
            return None
        return _fit(_times(ct, _partial_at(partial, env[eqn.out], vals, kw), strong), shapes[k], eqn.out.shape)
    rule = op.vjp_rule(k)
    if rule is None:
        return None
    c = rule(_array(_settled(ct), eqn.out.shape), env[eqn.out], *vals, **kw)
    return c if np.shape(c) == tuple(shapes[k]) else unbroadcast(c, shapes[k])


def _times(ct, phi, strong=False):
    """ū ⊙ φ; the strong product (0 · ∞ and 0 · NaN are 0, DESIGN.md §3) where the registry's rule is
    strong and both factors may hold a zero or a non-finite entry (a finite nonzero number times
    anything is the plain product): a NaN made inside the function (a NaN constant times y, then
    nan_to_num) meets its zero adjoint as 0, as in reverse."""
    if type(ct) is _Scaled:  # s · (x ⊙ φ): s is finite and nonzero, so the strong product too
        return _scaled(_times(ct.x, phi, strong), ct.s)
    if _plain_factor(ct) and isinstance(phi, Tracer):  # a number times an array: kept apart
        return _scaled(phi, float(ct))
    if _plain_factor(phi) and isinstance(ct, Tracer):
        return _scaled(ct, float(phi))
    if strong and not (_plain_factor(ct) or _plain_factor(phi)):
        return strong_mul(ct, phi)
    if type(phi) is np.float32 or type(phi) is np.float16:  # (a constant: exactly a float; times ū as float64, as
        phi = float(phi)  # NumPy's float64 ū would be, not as NEP 50's weak Python float ū: float32)
    return phi * ct if isinstance(ct, float) else ct * phi


def _plain_factor(x) -> bool:
    """A number that is finite and nonzero: its product with anything is the strong one."""
    return isinstance(x, (float, int, np.floating)) and x != 0.0 and np.isfinite(x)


def _fit(c, shape, out_shape):
    """ū ⊙ φ (`c`, of the output's shape where it is smaller) brought to an argument's `shape`:
    summed over the axes the argument was broadcast along; a number stays a number (each
    argument element feeding size(out) / size(arg) output elements)."""
    shape, out_shape = tuple(shape), tuple(out_shape)
    if type(c) is _Scaled:  # summing is linear: the number stays apart
        return _scaled(_fit(c.x, shape, out_shape), c.s)
    if not isinstance(c, Tracer) and np.ndim(c) == 0:  # (an empty argument feeds nothing: its number is 0)
        size = int(np.prod(shape))
        return float(c) * (int(np.prod(out_shape)) // size) if size else 0.0
    if shape == out_shape:  # (an adjoint smaller than its value stands for its broadcast: not written out)
        return c
    if np.size(c) == int(np.prod(shape)) == int(np.prod(out_shape)):  # broadcast along unit axes only (one
        return dnp.reshape(c, shape)  # example's b in x W + b): the same numbers, no sum
    if c.shape != out_shape:
        c = dnp.broadcast_to(c, out_shape)
    summed = _by_ones(c, shape, out_shape)
    return summed if summed is not None else unbroadcast(c, shape)


def _by_ones(c, shape, out_shape):
    """A float64 matrix adjoint summed over its rows or its columns as its product with a vector of ones
    (1ᵀ ū for x W + b's b), or None: one BLAS pass, where NumPy's reduction along an axis of a small
    matrix costs two to three times more (equal to rounding: BLAS adds in another order)."""
    if len(out_shape) != 2 or c.dtype != np.float64 or int(np.prod(out_shape)) > _DOT_MAX:
        return None  # (larger: a threaded BLAS call on a busy machine can cost more than the sum, ops.core)
    n, k = out_shape
    if shape in ((k,), (1, k)):
        return dnp.matmul(np.ones(shape[:-1] + (n,)), c)
    return dnp.matmul(c, np.ones((k, 1))) if shape == (n, 1) else None


def _multilinear(spec, vals, shapes, k, ct, out_shape):
    """The adjoint of argument k of an einsum (`spec` = (subscripts, scale)): the contraction of
    the output's adjoint with the other arguments, onto argument k's subscripts. None when the
    subscripts repeat a label (a diagonal) or broadcast one (size 1 against n)."""
    subscripts, scale = spec
    ins, out = subscripts.split("->")
    ins = ins.split(",")
    target, sizes = ins[k], {}
    for sub, shape in zip(ins, shapes):
        for lab, d in zip(sub, shape):
            if sizes.setdefault(lab, d) != d:
                return None
    for lab, d in zip(out, out_shape if len(out) == len(out_shape) else ()):
        if sizes.setdefault(lab, d) != d:
            return None
    if len(set(target)) != len(target) or len(set(out)) != len(out) or not set(out) <= sizes.keys():
        return None
    others = [(vals[j], ins[j]) for j in range(len(ins)) if j != k]
    if isinstance(ct, float) and not others:  # sum, mean, transpose: each element feeds one output
        return ct * scale
    factor = scale
    if type(ct) is _Scaled:  # the number goes to the smaller of the output's adjoint and the result
        if others and np.prod(out_shape) <= np.prod(shapes[k]):
            ct = _settled(ct)
        else:
            ct, factor = ct.x, factor * ct.s
    if isinstance(ct, float) and out:
        ct = np.full([sizes[lab] for lab in out], ct)
    if isinstance(ct, float):
        factor *= ct
    else:
        ct = _array(ct, out_shape)
        if not others and [lab for lab in target if lab in out] == list(out):  # a reduction's adjoint:
            # the output's adjoint with unit axes where the reduction summed, standing for its broadcast
            unit = tuple(sizes[lab] if lab in out else 1 for lab in target)
            return _scaled(ct if tuple(ct.shape) == unit else dnp.reshape(ct, unit), factor)
        # a reduction with keepdims has unit axes its subscripts do not name
        ct = ct if np.ndim(ct) == len(out) else dnp.reshape(ct, tuple(sizes[lab] for lab in out))
        others = [(ct, out)] + others
    if not others:
        return factor
    return _scaled(_contract(others, target, sizes), factor)


def _contract(operands, target, sizes):
    """Σ over the labels not in `target` of the product of the operands, axes as `target`:
    a matmul (with transposes) where it is one, else an einsum; labels of `target` that no operand
    has are broadcast."""
    keep, summed = set(target), []
    for j, (x, labs) in enumerate(operands):  # a label only this operand has, not wanted: summed first
        elsewhere = {lab for i, (_, o) in enumerate(operands) if i != j for lab in o}
        alone = tuple(i for i, lab in enumerate(labs) if lab not in keep and lab not in elsewhere)
        if alone:
            x = dnp.sum(x, axis=alone)
            labs = "".join(lab for i, lab in enumerate(labs) if i not in alone)
        summed.append((x, labs))
    if len(summed) == 1:
        x, have = summed[0]
    elif len(summed) == 2 and _is_matmul(summed, keep):
        x, have = _matmul(summed, target)
    else:
        letters = dict(zip(dict.fromkeys("".join(labs for _, labs in summed)), _LETTERS))
        have = "".join(lab for lab in target if any(lab in labs for _, labs in summed))
        spec = ",".join("".join(letters[c] for c in labs) for _, labs in summed)
        x = dnp.einsum(spec + "->" + "".join(letters[c] for c in have), *[x for x, _ in summed])
    order = sorted(range(len(have)), key=lambda i: target.index(have[i]))
    if order != list(range(len(have))):
        x = dnp.transpose(x, tuple(order))
        have = "".join(have[i] for i in order)
    if have != target:  # labels no operand has: broadcast along them
        x = dnp.reshape(x, tuple(sizes[lab] if lab in have else 1 for lab in target))
        x = dnp.broadcast_to(x, tuple(sizes[lab] for lab in target))
    return x


def _is_matmul(operands, keep) -> bool:
    (_, a), (_, b) = operands
    shared = set(a) & set(b)
    return not (shared & keep) and len(shared) == 1 and len(set(a) - shared) <= 1 and len(set(b) - shared) <= 1


def _matmul(operands, target):
    """(A' @ B', its labels): A' has its free label then the contracted one, B' the contracted
    one then its free one; the operands are taken in the order that gives `target`'s."""
    (a, la), (b, lb) = operands
    (c,) = set(la) & set(lb)
    fa, fb = la.replace(c, ""), lb.replace(c, "")
    if fa and fb and target.index(fa) > target.index(fb):
        (a, la, fa), (b, lb, fb) = (b, lb, fb), (a, la, fa)
    a = dnp.transpose(a, (1, 0)) if fa and la == c + fa else a
    b = dnp.transpose(b, (1, 0)) if fb and lb == fb + c else b
    return dnp.matmul(a, b), fa + fb


def batch_graph(graph, wrt: tuple, rows: tuple, size: int):
    """(graph at batch `size`, 1/κ) for one example's graph of a declared mean-over-examples loss:
    its equations bound again on `size` rows of the `rows` inputs, so products run over the whole
    batch (X W, not N outer products). Taken only when the rewritten graph is checked to be κ times
    the mean over its rows of the one-example graph (examples.per_example, exactly); else None."""
    rng = np.random.default_rng(0)
    leaves = [
        np.resize(_placeholder(v, rng), (size,) + v.shape[1:]) if i in rows else _placeholder(v, rng)
        for i, v in enumerate(graph.inputs)
    ]

    def again(*xs):
        env = dict(zip(graph.inputs, xs))
        for eqn in graph.eqns:
            env[eqn.out] = eqn.op.bind(*[_read(env, a) for a in eqn.args], **eqn.kw)
        return [_read(env, o) for o in graph.outputs]

    try:
        t, inputs, outs = trace_flat(again, leaves)
    except (ValueError, TypeError, IndexError):  # a parameter naming the batch size of one
        return None
    whole = outputs_of(t, inputs, outs)
    found = per_example(whole, wrt)
    if found is None or found.rows != tuple(rows) or found.size != size:
        return None
    return whole, 1.0 / found.kappa
