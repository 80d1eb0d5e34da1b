"""Matrix-level symbolic derivatives: the gradient and Hessian of a scalar function of one array,
built as sums of einsum terms over the graph's own arrays (`tensor_form`), so that products stay
matrix products and the seed's identity never becomes a matrix (issue 17 §2; Laue, Mitterreiter
and Giesen, NeurIPS 2018). The symbolic method uses it for Hessians of functions of an array
(gradients stay on the scalar path, which also keeps its size limit).

How it works. A term is `coef · einsum(factors) → out`: each factor a runtime array (an input, a
value of the graph, an elementwise op's first or second partial) with one label per axis of size
> 1; `out` lists the labels of the value's axes, then of the derivative's axes (x's, once for the
gradient, twice for the Hessian). Forward over the equations, each value gets its first (J) and
second (H) derivative terms:

- x itself: J = one term with no factor and out = (a, a): the identity as a repeated label. Put into
  an einsum, its labels are renamed to the einsum's, so the identity vanishes: ∂(A x)/∂x = A.
- a multilinear op (the registry's `index`: matmul "ij,j->i", sum, mean, transpose, einsum):
  J = Σₖ op(…, Jₖ, …), H = Σₖ op(…, Hₖ, …) + Σ_{k≠l} op(…, Jₖ, …, Jₗ, …).
- an elementwise op φ: J = Σₖ φₖ ⊙ Jₖ, H = Σₖ φₖ ⊙ Hₖ + Σₖₗ φₖₗ ⊙ (Jₖ ⊗ Jₗ), the partials from its
  registry JVP rule (φₖ = rule(1, …); φₖₗ by forward mode through that rule), so
  diag(d) @ X is d[:, None] * X: a shared label, never a diagonal matrix.

For logistic regression f(w) = mean(log(1 + exp(X w)) − y ⊙ X w) that gives the Hessian as
einsum('i,id,ie->de', c, X, X) / N with c = φ'' ⊙ e + φ' ⊙ e … merged per structure into one
coefficient vector: one X^T diag(c) X. Terms with the same structure (factors other than partials
and values) are merged so that each distinct contraction runs once.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..graph import Const, Graph, Var, evaluate, uncharged

__all__ = ["tensor_form", "TensorForm"]

#: terms the form may hold in all: a value's terms are a sum over the paths from x to it, so reuse in depth
#: (a Newton loop: σ in d1, in the vega and in the price, eight times over) multiplies them; past this the
#: graph gets no matrix-level form and the scalar program (with its own size limit) stands in
MAX_TERMS = 20_000


class _Term:
    """coef · einsum(factors) → out (see the module docstring)."""

    __slots__ = ("coef", "factors", "out")

    def __init__(self, coef, factors, out):
        self.coef, self.factors, self.out = coef, tuple(factors), tuple(out)


def _nonunit(shape) -> list:
    return [d for d in shape if d != 1]


class TensorForm:
    """A graph's gradient and Hessian terms with respect to input `wrt` (see the module docstring).

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> g = dl.trace(lambda x: x @ A @ x, np.ones(2))
    >>> value, H = tensor_form(g, (0,)).hessian([np.ones(2)])
    >>> float(value[0]), H.tolist()   # A + Aᵀ
    (10.0, [[2.0, 5.0], [5.0, 8.0]])
    """

    def __init__(self, graph: Graph, wrt: int, grad_terms: list, hess_terms: list, partials: dict):
        self.graph, self.wrt, self.partials = graph, wrt, partials
        inputs = set(graph.inputs)
        fixed = lambda key: key[0] == "c" or (key[0] == "v" and key[1] in inputs)  # noqa: E731
        self.groups = {1: _grouped(grad_terms, fixed), 2: _grouped(hess_terms, fixed)}
        self.terms = {1: len(grad_terms), 2: len(hess_terms)}
        self._second: dict = {}  # (eqn index, k, l) -> (prepared forward JVP of φₖ along argument l, its shape)
        self.size = math.prod(graph.inputs[wrt].shape)

    def gradient(self, args) -> tuple:
        """([f], ∇f) at `args`; ∇f has shape (n,) over x's elements."""
        return self._evaluate(1, args)

    def hessian(self, args) -> tuple:
        """([f], ∇²f) at `args`; ∇²f has shape (n, n)."""
        return self._evaluate(2, args)

    def _evaluate(self, order, args):
        # closed form: the forward values its terms read and its second partials' sweeps are no tape run (graph.Cost's
        # rule, as the lambdified code's shared subexpressions): the symbolic method charges one evaluation of f
        with uncharged():
            env: dict = {}
            outs = list(evaluate(self.graph, *args, env=env))
            result = np.zeros(_nonunit(self.graph.inputs[self.wrt].shape) * order)
            with np.errstate(all="ignore"):  # inf · 0 (a NaN here): the symbolic method then asks its scalar path
                self._contract(order, env, result)
        return outs, result.reshape((self.size,) * order)

    def _contract(self, order, env, result):
        arrays: dict = {}
        for (structure, out), parts in self.groups[order].items():
            # one structure's coefficients (vectors, mostly) are summed first; then ONE contraction
            keep = set(out) | {lab for _, labs in structure for lab in labs}
            total = None
            for coef, factors in parts:
                ops = [self._array(key, env, arrays) for key, _ in factors]
                if any(op is None for op in ops):  # a partial that is zero everywhere
                    continue
                here = sorted({lab for _, labs in factors for lab in labs} & keep)
                value = coef * _einsum(ops, [labs for _, labs in factors], here) if factors else np.float64(coef)
                total = (here, value) if total is None else _add(total, (here, value))
            if total is None:
                continue
            operands = [self._array(key, env, arrays) for key, _ in structure] + [total[1]]
            subs = [list(labs) for _, labs in structure] + [total[0]]
            unique = list(dict.fromkeys(out))
            have = {lab for sub in subs for lab in sub}
            _accumulate(result, out, unique, have, _einsum(operands, subs, [u for u in unique if u in have]))

    def _array(self, key, env, arrays):
        if key in arrays:
            return arrays[key]
        kind = key[0]
        if kind in ("v", "c"):
            value = env[key[1]] if kind == "v" else self.graph.eqns[key[1]].args[key[2]].value
        elif kind == "d":
            eqn, k = self.partials[key[1]], key[2]
            vals = [env[a] if isinstance(a, Var) else a.value for a in eqn.args]
            with np.errstate(all="ignore"):
                value = np.broadcast_to(eqn.op.jvp_rule(k)(1.0, env[eqn.out], *vals, **eqn.kw), eqn.out.shape)
        else:
            value = self._second_partial(key, env)
        value = np.asarray(value, dtype=float)
        if kind in ("d", "dd") and not value.any():
            value = None  # zero everywhere (a sum's second partials): the terms with it are skipped
        else:
            value = value.reshape(_nonunit(value.shape))
        arrays[key] = value
        return value

    def _second_partial(self, key, env):
        """φₖₗ: forward mode through φₖ = rule(1, op(args), args) along argument l (ones)."""
        from ..graph import on_behalf
        from ..trace import trace
        from .forward import Forward

        _, i, k, l = key
        eqn = self.partials[i]
        vals = [np.asarray(env[a] if isinstance(a, Var) else a.value, dtype=float) for a in eqn.args]
        if key not in self._second:
            rule, op, kw = eqn.op.jvp_rule(k), eqn.op, eqn.kw
            # recorded on behalf of the user's equation: a DomainWarning from the rule's own equations (sqrt's
            # 0.5/out at 0) names it, as forward over reverse does, not an equation the user never wrote
            graph = on_behalf(eqn, trace, lambda *xs: rule(1.0, op.bind(*xs, **kw), *xs, **kw), *vals)
            y = graph.outputs[0]
            self._second[key] = (Forward().prepare(graph, (l,)), y.shape if isinstance(y, Var) else np.shape(y.value))
        prepared, shape = self._second[key]
        with np.errstate(all="ignore"):
            _, jv = prepared.jvp(vals, np.ones(vals[l].size))
        return np.broadcast_to(np.reshape(jv, shape), eqn.out.shape)


def _grouped(terms, fixed) -> dict:
    """{(structure factors, out): [(coef, coefficient factors)]}, labels renamed canonically (in
    order of appearance in out, then the structure: the inputs and constants a term multiplies)."""
    groups: dict = {}
    for t in terms:
        structure = [f for f in t.factors if fixed(f[0])]
        coefficient = [f for f in t.factors if not fixed(f[0])]
        names: dict = {}
        for lab in list(t.out) + [lab for _, labs in structure + coefficient for lab in labs]:
            names.setdefault(lab, len(names))
        rename = lambda fs: tuple((key, tuple(names[lab] for lab in labs)) for key, labs in fs)  # noqa: E731
        key = (rename(structure), tuple(names[lab] for lab in t.out))
        groups.setdefault(key, []).append((t.coef, rename(coefficient)))
    return groups


def _add(a, b):
    """Two (labels, value) tensors added with broadcasting over the union of their labels."""
    labels = sorted(set(a[0]) | set(b[0]))
    return labels, _expand(a, labels) + _expand(b, labels)


def _expand(p, labels):
    """p's value with its axes ordered as `labels`, unit axes where it has none."""
    here, value = p
    order = sorted(range(len(here)), key=lambda j: here[j])
    value = np.transpose(value, order) if here else value
    sizes = dict(zip(sorted(here), np.shape(value)))
    return np.reshape(value, [sizes.get(lab, 1) for lab in labels])


def _einsum(operands, sublists, out):
    """np.einsum in sublist form with labels renumbered 0..51 (the order of first appearance)."""
    names: dict = {}
    args = []
    for op, sub in zip(operands, sublists):
        args += [op, [names.setdefault(lab, len(names)) for lab in sub]]
    if len(names) > 52:
        raise ValueError("a derivative term needs more than 52 einsum labels")
    return np.einsum(*args, [names[lab] for lab in out], optimize=len(operands) > 2)


def _accumulate(result, out, unique, have, value):
    """result[out] += value, where `out` may repeat a label (a diagonal: the identity's δ) and a
    label missing from every factor broadcasts."""
    strides = [sum(result.strides[p] for p, lab in enumerate(out) if lab == u) for u in unique]
    shape = [result.shape[out.index(u)] for u in unique]
    view = np.lib.stride_tricks.as_strided(result, shape, strides, writeable=True)
    view += np.reshape(value, [s if u in have else 1 for u, s in zip(unique, shape)])


# -- building the terms -------------------------------------------------------------------------


def tensor_form(graph: Graph, wrt) -> TensorForm | None:
    """The matrix-level gradient and Hessian terms of `graph` (one scalar output) with respect to
    its one differentiated input `wrt`, or None when an equation on the way is neither
    multilinear (`index`) nor elementwise."""
    if len(wrt) != 1 or len(graph.outputs) != 1 or not isinstance(graph.outputs[0], Var):
        return None
    if graph.outputs[0].shape != () or graph.closes_over_tracers:
        return None
    x = graph.inputs[wrt[0]]
    fresh = itertools.count()
    labels = [next(fresh) for _ in _nonunit(x.shape)]
    J = {x: [_Term(1.0, (), labels + labels)]}
    H: dict = {x: []}
    partials, held = {}, 1
    for i, eqn in enumerate(graph.eqns):
        dep = [k for k, a in enumerate(eqn.args) if isinstance(a, Var) and a in J]
        if not dep:
            continue
        if eqn.out.dtype.kind != "f" or not eqn.op.differentiable:
            return None
        j_n = [len(J[eqn.args[k]]) for k in dep]  # counted before they are built: the pairs' product is the swell
        held += sum(j_n) + sum(len(H[eqn.args[k]]) for k in dep) + sum(j_n) ** 2
        if held > MAX_TERMS:
            return None
        shapes = [tuple(np.shape(a.value)) if isinstance(a, Const) else a.shape for a in eqn.args]
        spec = eqn.op.index(shapes, **eqn.kw) if eqn.op.index is not None else None
        if spec is not None:
            J[eqn.out], H[eqn.out] = _multilinear(eqn, i, spec, shapes, dep, J, H, fresh)
        elif eqn.op.elementwise and all(eqn.op.jvp_rule(k) is not None for k in dep):
            partials[i] = eqn
            J[eqn.out], H[eqn.out] = _elementwise(eqn, i, shapes, dep, J, H, fresh)
        else:
            return None
    y = graph.outputs[0]
    if y not in J:
        return None
    return TensorForm(graph, wrt[0], J[y], H[y], partials)


def _placed(term, node_labels, fresh, n_node):
    """`term` with its first `n_node` out labels renamed to `node_labels`, its others fresh."""
    mapping = dict(zip(term.out[:n_node], node_labels))
    for lab in [lab for _, labs in term.factors for lab in labs] + list(term.out[n_node:]):
        if lab not in mapping:
            mapping[lab] = next(fresh)
    return (
        tuple((key, tuple(mapping[lab] for lab in labs)) for key, labs in term.factors),
        tuple(mapping[lab] for lab in term.out[n_node:]),
    )


def _multilinear(eqn, i, spec, shapes, dep, J, H, fresh):
    subscripts, scale = spec
    ins, out = subscripts.split("->")
    ins = ins.split(",")
    sizes = {c: d for sub, s in zip(ins, shapes) for c, d in zip(sub, s)}
    names = {c: next(fresh) for c in dict.fromkeys(subscripts) if c.isalpha()}
    lab = [tuple(names[c] for c in sub if sizes[c] != 1) for sub in ins]
    out_lab = tuple(names[c] for c in out if sizes.get(c, 1) != 1)
    values = [(("v", a) if isinstance(a, Var) else ("c", i, k), lab[k]) for k, a in enumerate(eqn.args)]
    others = lambda *skip: tuple(v for k, v in enumerate(values) if k not in skip)  # noqa: E731
    j_terms, h_terms = [], []
    for k in dep:
        n = len(_nonunit(eqn.args[k].shape))
        for t in J[eqn.args[k]]:
            f, d = _placed(t, lab[k], fresh, n)
            j_terms.append(_Term(t.coef * scale, others(k) + f, out_lab + d))
        for t in H[eqn.args[k]]:
            f, d = _placed(t, lab[k], fresh, n)
            h_terms.append(_Term(t.coef * scale, others(k) + f, out_lab + d))
    for k, l in itertools.permutations(dep, 2):
        nk, nl = len(_nonunit(eqn.args[k].shape)), len(_nonunit(eqn.args[l].shape))
        for t1 in J[eqn.args[k]]:
            f1, d1 = _placed(t1, lab[k], fresh, nk)
            for t2 in J[eqn.args[l]]:
                f2, d2 = _placed(t2, lab[l], fresh, nl)
                h_terms.append(_Term(t1.coef * t2.coef * scale, others(k, l) + f1 + f2, out_lab + d1 + d2))
    return j_terms, h_terms


def _elementwise(eqn, i, shapes, dep, J, H, fresh):
    out_shape = eqn.out.shape
    out_lab = [next(fresh) if d != 1 else None for d in out_shape]
    node = tuple(lab for lab in out_lab if lab is not None)

    def arg_labels(k):  # right-aligned broadcasting: an argument's axis of size > 1 is the output's
        s, off = shapes[k], len(out_shape) - len(shapes[k])
        return tuple(out_lab[off + j] for j, d in enumerate(s) if d != 1)

    j_terms, h_terms = [], []
    for k in dep:
        n, phi = len(_nonunit(shapes[k])), (("d", i, k), node)
        for t in J[eqn.args[k]]:
            f, d = _placed(t, arg_labels(k), fresh, n)
            j_terms.append(_Term(t.coef, f + (phi,), node + d))
        for t in H[eqn.args[k]]:
            f, d = _placed(t, arg_labels(k), fresh, n)
            h_terms.append(_Term(t.coef, f + (phi,), node + d))
    for k, l in itertools.product(dep, repeat=2):
        nk, nl, phi = len(_nonunit(shapes[k])), len(_nonunit(shapes[l])), (("dd", i, k, l), node)
        for t1 in J[eqn.args[k]]:
            f1, d1 = _placed(t1, arg_labels(k), fresh, nk)
            for t2 in J[eqn.args[l]]:
                f2, d2 = _placed(t2, arg_labels(l), fresh, nl)
                h_terms.append(_Term(t1.coef * t2.coef, f1 + f2 + (phi,), node + d1 + d2))
    return j_terms, h_terms
