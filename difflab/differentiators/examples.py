"""Per-example structure found from a graph: which inputs carry a batch axis that only a final
mean or sum reduces (`per_example`), so that a hand-written batched loss, with no declaration,
is differentiated for ONE example like difflab.nn's declared losses (issue 17 §2).

How it works. Three checks, each exact, on the graph `g` traced at batch N; any doubt answers None
(the whole batch is then expanded, as before):

1. Rows. The candidates are the inputs not differentiated whose leading axis has one length N ≥ 2.
   Every element of row i of a candidate carries the label i; an equation gives its output elements
   labels by its registry JVP rule run with labels as tangents (as sparse.py does with dependency
   sets: + joins two labels, i with j being "several"; scaling keeps a label), elementwise ops and
   arguments without a rule (a condition) by broadcasting, other rule-less arguments to every
   output element. A value is *per example* when its leading axis is N and row i holds only label
   i, *fixed* when it holds none, else it *mixes* examples.
2. One example. The equations are traced again on one row of each candidate (`g1`): a per-example
   value must come out with one row, every other value with its shape. A parameter naming the
   batch size (a reshape to (N, ...), a constant with N rows) fails here.
3. The tail. The equations whose output mixes examples (the final reduction and what follows it)
   run on exact affine forms (rational coefficients) over the per-example and fixed values they
   read; the output must be identically the mean over the rows of what the same equations give
   for one row (κ = 1, `dnp.mean(...)`), or N times it (κ = N, `sum(...) / N` with the N baked
   in). For `y = -sum(Y * logp) / 64` that is y = Σᵢ (-sum(Yᵢ * logpᵢ) / 64). A tail that is not
   affine in what it reads (a log of the mean, a loss times a parameter) is not taken.

A batch-norm-like mean over the batch inside the function mixes examples before the end: the tail
then grows with N (check 3) or the row check fails, and the answer is None.
"""

from __future__ import annotations

import numpy as np

from ..graph import Graph, Var
from ..trace import outputs_of, trace_flat

__all__ = ["per_example", "PerExample"]


class PerExample:
    """The graph of one example (`graph`, its output κ times one example's, so that its mean over
    the rows is the function), the candidates' input positions (`rows`) and the batch size N."""

    def __init__(self, graph: Graph, rows: tuple, size: int, kappa: int):
        self.graph, self.rows, self.size, self.kappa = graph, rows, size, kappa

    def __repr__(self):
        return f"<PerExample: inputs {self.rows} carry {self.size} examples, κ = {self.kappa}>"


def per_example(graph: Graph, wrt) -> PerExample | None:
    """The per-example structure of `graph` (see the module docstring), or None.

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> g = dl.trace(lambda w, X: dnp.mean(dnp.tanh(X @ w) ** 2), np.ones(3), np.ones((8, 3)))
    >>> found = per_example(g, (0,))
    >>> found.rows, found.size, found.kappa, found.graph.inputs[1].shape
    ((1,), 8, 1, (1, 3))
    >>> bn = dl.trace(lambda w, X: dnp.mean(dnp.tanh((X - dnp.mean(X, axis=0)) @ w)), np.ones(3), np.ones((8, 3)))
    >>> per_example(bn, (0,)) is None   # a mean over the batch inside: not separable
    True
    """
    if graph.specialised or graph.closes_over_tracers or not graph.outputs:
        return None
    lengths = [v.shape[0] for i, v in enumerate(graph.inputs) if i not in wrt and v.shape]
    lengths = [n for n in lengths if n >= 2]
    if not lengths:
        return None
    size = max(set(lengths), key=lengths.count)
    rows = tuple(i for i, v in enumerate(graph.inputs) if i not in wrt and v.shape and v.shape[0] == size)
    try:
        kind = _layouts(graph, rows, size)
        if kind is None or any(isinstance(o, Var) and kind[o] == "rows" for o in graph.outputs):
            return None
        if all(not isinstance(o, Var) or kind[o] == "fixed" for o in graph.outputs):
            return None  # the output reads no example: nothing to average
        kappa = _tail_kappa(graph, kind, size)
        if kappa is None:
            return None
        one = _one_example(graph, rows, kind, kappa)
    except Exception:  # a rule or an op that cannot run on labels or on one row: no fast path
        return None
    return None if one is None else PerExample(one, rows, size, kappa)


# -- 1. rows: which values are per example ----------------------------------------------------


class _Label:
    """The example an element depends on (`i`; None: none, -1: several); + joins, scaling keeps."""

    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i

    def _join(self, other):
        if not isinstance(other, _Label) or other.i is None or other.i == self.i:
            return self
        return other if self.i is None else _SEVERAL

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _join

    def __neg__(self):
        return self

    __pos__ = __neg__


_SEVERAL, _FREE = _Label(-1), _Label(None)


def _join_all(labels):
    out = _FREE
    for lab in labels:
        out = out._join(lab)
    return out


def _labels_of(value, shape):
    a = np.asarray(value, dtype=object)
    a = np.broadcast_to(a, shape) if a.shape != tuple(shape) else a
    out = np.empty(a.shape, dtype=object)
    out.ravel()[:] = [x if isinstance(x, _Label) else _FREE for x in a.ravel()]
    return out


def _placeholder(v: Var, rng):
    if v.dtype.kind == "b":
        return np.zeros(v.shape, dtype=bool)
    return rng.uniform(0.3, 0.7, v.shape).astype(v.dtype)  # inside every usual domain, no ties


def _layouts(graph: Graph, rows: tuple, size: int) -> dict | None:
    """{Var: "rows" | "fixed" | "mixed"} for every input and equation output."""
    rng = np.random.default_rng(0)
    env = {v: _placeholder(v, rng) for v in graph.inputs}
    labels = {}
    for i in rows:
        v = graph.inputs[i]
        lab = np.empty(v.shape, dtype=object)
        for k in range(size):
            lab[k] = _Label(k)
        labels[v] = lab
    with np.errstate(all="ignore"):
        for eqn in graph.eqns:
            vals = [env[a] if isinstance(a, Var) else a.value for a in eqn.args]
            out = env[eqn.out] = eqn.op.impl(*vals, **eqn.kw)
            ins = [labels.get(a) if isinstance(a, Var) else None for a in eqn.args]
            if any(d is not None for d in ins):
                labels[eqn.out] = _labels_of(_propagate(eqn, ins, out, vals), np.shape(out))
    kind = {}
    for v in list(graph.inputs) + [e.out for e in graph.eqns]:
        lab = labels.get(v)
        if lab is None or all(x.i is None for x in lab.ravel()):
            kind[v] = "fixed"
        elif v.shape and v.shape[0] == size and all(x.i in (None, k) for k in range(size) for x in np.ravel(lab[k])):
            kind[v] = "rows"
        else:
            kind[v] = "mixed"
    return kind


def _propagate(eqn, ins, out, vals):
    """The output's labels: values depend on every argument, with or without a derivative."""
    shape = np.shape(out)
    if eqn.op.elementwise:  # each output element reads the broadcast elements of its arguments
        total = None
        for d in ins:
            if d is not None:
                c = np.broadcast_to(d.reshape((1,) * (len(shape) - d.ndim) + d.shape), shape)
                total = c if total is None else total + c
        return total
    total = np.full(shape, _FREE, dtype=object)
    for i, d in enumerate(ins):
        if d is None:
            continue
        rule = eqn.op.jvp_rule(i) if eqn.op.differentiable else None
        if rule is None:  # no rule to read (a condition, an index): every output element reads it all
            total = total + np.full(shape, _join_all(d.ravel()), dtype=object)
            continue
        total = total + _labels_of(rule(d, out, *vals, **eqn.kw), shape)
    return total


# -- 3. the tail: the mixing equations must be a mean (or sum) of one row's ----------------------


class _Affine:
    """An affine form over symbols, kept as a sum tree (adding is O(1); `terms` flattens it):
    `parts` are (exact coefficient, a symbol's key or another form)."""

    __slots__ = ("parts",)

    def __init__(self, parts):
        self.parts = parts

    def __add__(self, other):
        return _Affine(((1, self), (1, _affine(other))))

    __radd__ = __add__

    def __sub__(self, other):
        return _Affine(((1, self), (-1, _affine(other))))

    def __rsub__(self, other):
        return _Affine(((1, _affine(other)), (-1, self)))

    def __mul__(self, other):
        if isinstance(other, _Affine):
            raise TypeError("not affine")  # a product of two values that vary
        return _Affine(((_exact(other), self),))

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, _Affine):
            raise TypeError("not affine")
        return _Affine(((1 / _exact(other), self),))

    def __neg__(self):
        return _Affine(((-1, self),))

    def __pos__(self):
        return self

    def terms(self) -> dict:
        """{symbol key: coefficient}, the constant under key None; zero coefficients dropped."""
        out, stack = {}, [(1, self)]
        while stack:
            c, node = stack.pop()
            for k, part in node.parts:
                if isinstance(part, _Affine):
                    stack.append((c * k, part))
                else:
                    out[part] = out.get(part, 0) + c * k
        return {key: c for key, c in out.items() if c != 0}


def _exact(x):
    from fractions import Fraction

    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError("not affine")
    return Fraction(x)  # a binary fraction: exact


def _affine(x):
    if isinstance(x, _Affine):
        return x
    return _Affine(((_exact(x), None),))


def _forms(prefix, shape):
    out = np.empty(shape, dtype=object)
    out.ravel()[:] = [_Affine(((1, (prefix, j)),)) for j in range(out.size)]
    return out


def _tail_kappa(graph: Graph, kind: dict, size: int) -> int | None:
    """κ (1 or N) when the mixing equations are y = κ · mean over rows of their value on one row,
    written as exact affine forms over the per-example and fixed values they read; else None."""
    tail = [e for e in graph.eqns if kind[e.out] == "mixed"]
    if any(e.out.shape and e.out.shape[0] == size for e in tail):
        return None  # the tail keeps a batch axis: examples mixed before the final reduction
    read = {a for e in tail for a in e.args if isinstance(a, Var) and kind[a] != "mixed"}
    forms = {a: _forms(a.id, a.shape) for a in read}
    outs = [o for o in graph.outputs if isinstance(o, Var) and kind[o] == "mixed"]
    try:
        whole = [y.terms() for y in _run_tail(tail, forms, outs)]
        total = [{} for _ in outs]
        for k in range(size):
            ys = _run_tail(tail, {a: (f[k : k + 1] if kind[a] == "rows" else f) for a, f in forms.items()}, outs)
            for acc, y in zip(total, ys):
                for key, c in y.terms().items():
                    acc[key] = acc.get(key, 0) + c
    except (TypeError, AttributeError, ValueError):  # a nonlinear op, or one refusing objects
        return None
    for kappa in (1, size):
        if all(w == {key: c * kappa / size for key, c in t.items() if c != 0} for w, t in zip(whole, total)):
            return kappa
    return None


def _run_tail(tail, env, outs) -> list:
    env = dict(env)
    for eqn in tail:
        env[eqn.out] = eqn.op.impl(*[env[a] if isinstance(a, Var) else a.value for a in eqn.args], **eqn.kw)
    return [_affine(y) for o in outs for y in np.ravel(np.asarray(env[o], dtype=object))]


# -- 2. one example: the equations traced again on one row of each batch input -----------------


def _one_example(graph: Graph, rows: tuple, kind: dict, kappa: int) -> Graph | None:
    rng = np.random.default_rng(0)
    leaves = [_placeholder(v, rng)[:1] if i in rows else _placeholder(v, rng) for i, v in enumerate(graph.inputs)]
    fits = []

    def one(*xs):
        env = dict(zip(graph.inputs, xs))
        for eqn in graph.eqns:
            out = env[eqn.out] = eqn.op.bind(*[env[a] if isinstance(a, Var) else a.value for a in eqn.args], **eqn.kw)
            want = (1,) + eqn.out.shape[1:] if kind[eqn.out] == "rows" else eqn.out.shape
            fits.append(tuple(np.shape(out)) == want)
        outs = [env[o] if isinstance(o, Var) else o.value for o in graph.outputs]
        # κ = N: one example's share is N times what the equations give for it (their 1/N is baked in)
        return [
            o * kappa if kappa != 1 and isinstance(v, Var) and kind[v] == "mixed" else o
            for o, v in zip(outs, graph.outputs)
        ]

    t, inputs, raw = trace_flat(one, leaves)
    if not all(fits):
        return None
    return outputs_of(t, inputs, raw)
