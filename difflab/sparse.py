"""Sparse Jacobians: `sparsity(f, *args)` (the exact pattern, read from the IR) and
`jacobian(f, sparse=True)` (compressed by colouring: as many sweeps as colours).

How the pattern is found. Each value carries, per element, the set of input elements it depends
on (a `Dep`). An equation maps its arguments' sets to its output's by its registry JVP rule, run
with `Dep` objects as tangents: in a JVP rule a tangent is only ever added to another tangent or
scaled by a primal quantity, and `Dep` makes + a union and scaling the identity, so the rule
computes which input elements reach each output element, whatever the values (an entry that is
zero only by coincidence, such as relu' on the negative side, is still in the pattern: the pattern
holds at every point). Elementwise ops need no rule: each output element reads the broadcast
elements of its arguments. Ops that are not differentiable (comparisons) or have no rule for an
argument (stop_gradient) pass no dependency; an op whose JVP refuses (custom_vjp) or cannot run
on dependency sets makes its output depend on all of its arguments' elements (a superset, still
valid), and so does one steered by an underived argument that moves with the inputs (the index
of `x[argmax(x)]`: which elements it reads is this point's only). No op is named here.

Formats. With SciPy importable, patterns and sparse Jacobians are `scipy.sparse.csr_matrix` of
shape (m, n) over the flat output and the flat differentiated input; without it, a COO triple
`(rows, cols, values_or_None, (m, n))`.

Pytrees. Inputs and outputs may be pytrees; the result stays ONE matrix over the flat vectors
(leaves raveled and concatenated in `tree.flatten` order, as `jax.flatten_util.ravel_pytree`
does), with an explicit `IndexMap` saying where each leaf's elements sit. Why not a nested dict of
blocks like `jacobian`'s: sparse matrices are 2-D, so an N-D leaf has no sparse block of its own
shape, the colouring spans all leaves at once (one sweep serves every block), and what a sparse
Jacobian is for — SciPy's solvers, Newton steps, `lsqr` — takes one matrix; JAX's sparse Jacobian
tooling (sparsejac) works on flat vectors too. `IndexMap.blocks(J)` still gives jacobian's nesting
(output structure, then input structure) of 2-D sparse blocks for those who want it.
"""

from __future__ import annotations

import numpy as np

from . import api, tree
from .api.boundary import ComplexLeaf, _nonfinite
from .api.complexes import realify
from .errors import NotDifferentiableError, check_function, collecting
from .graph import Traced, Var, read

__all__ = ["sparsity", "jacobian", "colour", "Dep", "IndexMap"]


class Dep:
    """The input elements a value element depends on; + unions, scaling leaves it unchanged."""

    __slots__ = ("cols",)

    def __init__(self, cols):
        self.cols = cols

    def _union(self, other):
        if isinstance(other, Dep):
            return self if other.cols <= self.cols else Dep(self.cols | other.cols)
        if isinstance(other, np.ndarray):  # (Deps: their union element by element, not this one alone: a 0-d sum
            return NotImplemented  # of two is a Dep, and radian(d, m, s)'s third argument was dropped)
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _union

    def __neg__(self):
        return self

    __pos__ = __neg__

    def __repr__(self):
        return f"Dep({sorted(self.cols)})"


_EMPTY = Dep(frozenset())


def _deps_of(value, shape):
    """An object array of Deps of `shape` (zeros a rule produced count as no dependency)."""
    a = np.asarray(value, dtype=object)
    a = np.broadcast_to(a, shape) if a.shape != tuple(shape) else a
    out = np.empty(a.shape, dtype=object)
    out.ravel()[:] = [d if isinstance(d, Dep) else _EMPTY for d in a.ravel()]
    return out


def _everything(args_deps, shape):
    cols = frozenset().union(*[d.cols for deps in args_deps if deps is not None for d in deps.ravel()])
    out = np.empty(shape, dtype=object)
    out.ravel()[:] = [Dep(cols)] * out.size
    return out


def propagate(graph, args, wrt) -> list:
    """Per output, an object array of Deps (or None: depends on nothing) over the flat `wrt` inputs."""
    deps, start = {}, 0
    for i in wrt:
        v = graph.inputs[i]
        size = int(np.prod(v.shape))
        d = np.empty(size, dtype=object)
        d[:] = [Dep(frozenset((start + k,))) for k in range(size)]
        deps[v] = d.reshape(v.shape)
        start += size
    return propagate_deps(graph, args, deps)


def propagate_deps(graph, args, deps: dict) -> list:
    """`propagate` from given dependency sets of the inputs ({input Var: object array of Deps})."""
    env, deps = dict(zip(graph.inputs, args)), dict(deps)
    moved = set(deps)  # values that move with the differentiated inputs, through any op (argmax, >, stop_gradient too)
    for eqn in graph.eqns:
        vals = [read(env, a) for a in eqn.args]
        with np.errstate(all="ignore"):  # (the values only guide the rules: the call itself warns of a domain)
            out = env[eqn.out] = eqn.op.impl(*vals, **eqn.kw)
        steered = [isinstance(a, Var) and a in moved for a in eqn.args]
        if any(steered):
            moved.add(eqn.out)
        ins = [deps.get(a) if isinstance(a, Var) else None for a in eqn.args]
        if not eqn.op.differentiable or all(d is None for d in ins):
            continue
        if not eqn.op.elementwise and any(s and eqn.op.jvp_rule(i) is None for i, s in enumerate(steered)):
            # an argument with no derivative that moves with the inputs (x[argmax(x)]'s index) picks which
            # elements the rule reads at this point only: any of them may be read elsewhere, so the pattern
            # holds at every point only with all of them (it was this point's, reused at others: wrong values)
            deps[eqn.out] = _everything(ins, np.shape(out))
            continue
        own = getattr(eqn.op, "sparsity", None)  # an op that knows better (a checkpoint's sub-graph)
        if own is not None:
            total = own(ins, out, *vals, **eqn.kw)
            if total is not None:
                deps[eqn.out] = _deps_of(total, np.shape(out))
            continue
        total = None
        try:
            for i, d in enumerate(ins):
                rule = eqn.op.jvp_rule(i) if d is not None else None
                if rule is None:
                    continue
                if eqn.op.elementwise:  # each output element reads the broadcast elements: no rule needed
                    c = np.broadcast_to(d.reshape((1,) * (np.ndim(out) - d.ndim) + d.shape), np.shape(out))
                else:
                    with np.errstate(all="ignore"):
                        c = rule(d, out, *vals, **eqn.kw)
                total = c if total is None else total + c
        except (NotDifferentiableError, TypeError):
            # no JVP to read (custom_vjp), or a rule that cannot run on dependency sets (it tests
            # tangent values): every output element depends on all of its arguments' elements
            total = _everything(ins, np.shape(out))
        if total is not None:
            deps[eqn.out] = _deps_of(total, np.shape(out))
    return [deps.get(o) if isinstance(o, Var) else None for o in graph.outputs]


def _coo(out_deps, out_shapes):
    rows, cols, start = [], [], 0
    for d, s in zip(out_deps, out_shapes):
        size = int(np.prod(s))
        if d is not None:
            for k, dep in enumerate(d.ravel()):
                rows += [start + k] * len(dep.cols)
                cols += sorted(dep.cols)
        start += size
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), start


def _as_sparse(rows, cols, values, shape):
    try:
        import scipy.sparse as sps
    except ImportError:
        return rows, cols, values, shape
    data = np.ones(len(rows), dtype=bool) if values is None else values
    return sps.csr_matrix((data, (rows, cols)), shape=shape)


class IndexMap:
    """Where a pytree function's elements sit in its flat sparse Jacobian (m, n).

    `rows`: f's output structure, each leaf an int array shaped like that output leaf holding its
    elements' row numbers; `cols`: the differentiated arguments' structure (a tuple when argnums
    is a tuple), each leaf an int array of column numbers. `blocks(J)` cuts J (or a pattern) into
    jacobian's nesting: the output structure with the input structure at each leaf, each block
    a 2-D sparse matrix (output leaf size, input leaf size) in the same format as J.

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> P, index = dl.sparsity(lambda p: {"s": p["a"] * p["b"][0]}, {"a": np.ones(2), "b": np.ones(3)}, index=True)
    >>> index.rows["s"].tolist(), index.cols["a"].tolist(), index.cols["b"].tolist()
    ([0, 1], [0, 1], [2, 3, 4])
    >>> index.blocks(P)["s"]["b"].toarray().astype(int).tolist()
    [[1, 0, 0], [1, 0, 0]]
    """

    def __init__(self, out_tree, unflatten_wrt, out_shapes, wrt_shapes):
        self._out_tree, self._unflatten_wrt = out_tree, unflatten_wrt
        self._row_parts = _ranges(out_shapes)
        self._col_parts = _ranges(wrt_shapes)
        self.rows = out_tree.unflatten(self._row_parts)
        self.cols = unflatten_wrt(self._col_parts)

    def complex_columns(self, is_complex: list) -> "IndexMap":
        """This map of a realified function (api/complexes.py: each complex leaf a (Re, Im) pair on a last
        axis) as the caller's: a complex leaf's elements one column each, as the joined matrix has them."""
        if len(is_complex) != len(self._col_parts):  # (every leaf of a differentiated argument is a column leaf)
            raise AssertionError("complex_columns needs one flag per input leaf")
        shapes = [p.shape[:-1] if c else p.shape for p, c in zip(self._col_parts, is_complex)]
        return IndexMap(self._out_tree, self._unflatten_wrt, [p.shape for p in self._row_parts], shapes)

    def blocks(self, J):
        per_out = [
            self._unflatten_wrt([_block(J, r.ravel(), c.ravel()) for c in self._col_parts]) for r in self._row_parts
        ]
        return self._out_tree.unflatten(per_out)

    def __repr__(self):
        return f"IndexMap(rows={self._out_tree}, {len(self._row_parts)} output leaves, {len(self._col_parts)} input leaves)"


def _ranges(shapes) -> list:
    parts, start = [], 0
    for s in shapes:
        size = int(np.prod(s))
        parts.append(np.arange(start, start + size, dtype=np.int64).reshape(s))
        start += size
    return parts


def _block(J, rows, cols):
    """J[rows][:, cols] for contiguous index ranges, in J's format (CSR or a COO triple)."""
    if not isinstance(J, tuple):
        return (
            J[rows[0] : rows[0] + len(rows)][:, cols[0] : cols[0] + len(cols)]
            if len(rows) and len(cols)
            else J[:0][:, :0].reshape((len(rows), len(cols)))
        )
    r, c, values, _ = J
    lo_r, lo_c = (rows[0] if len(rows) else 0), (cols[0] if len(cols) else 0)
    keep = (r >= lo_r) & (r < lo_r + len(rows)) & (c >= lo_c) & (c < lo_c + len(cols))
    return r[keep] - lo_r, c[keep] - lo_c, None if values is None else values[keep], (len(rows), len(cols))


class _Pattern:
    def __init__(self, rows, cols, shape, index):
        self.rows, self.cols, self.shape, self.index = rows, cols, shape, index


def _pattern(st, x) -> _Pattern:
    deps = propagate(st.graph, x, st.wrt)
    shapes = [o.shape if isinstance(o, Var) else np.shape(o.value) for o in st.graph.outputs]
    rows, cols, m = _coo(deps, shapes)
    n = sum(int(np.prod(s)) for s in st.wrt_shapes())
    return _Pattern(rows, cols, (m, n), IndexMap(st.out_tree, st.unflatten_wrt, shapes, st.wrt_shapes()))


def sparsity(f, *args, argnums=None, index=False):
    """The exact sparsity pattern of f's Jacobian, read from the graph (no sampling, no values
    involved): entry (i, j) is present when output element i depends on input element j through
    differentiable operations (see the module docstring). Holds at every point.

    Shape contract: (m, n) over the flat output (leaves raveled and concatenated) and the flat
    differentiated input (`argnums`, default every argument); a SciPy CSR matrix of booleans, or
    without SciPy a COO triple `(rows, cols, None, (m, n))`. With `index=True`, `(pattern,
    IndexMap)`: where each pytree leaf's elements sit, and `blocks` (see the module docstring).

    >>> import difflab as dl, difflab.numpy as dnp, numpy as np
    >>> P = dl.sparsity(lambda x: x[1:] * x[:-1], np.ones(4))
    >>> P.toarray().astype(int).tolist()
    [[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]
    """
    check_function(f, "sparsity")
    if argnums is None:  # every argument; a single one is not wrapped in a tuple (as jacobian's argnums=0)
        argnums = 0 if len(args) == 1 else tuple(range(len(args)))
    st = api.stage(f, args, argnums)
    p = _pattern(st, st.inputs(args))
    P = _as_sparse(p.rows, p.cols, None, p.shape)
    return (P, p.index) if index else P


def _whole(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def colour(rows, cols, shape, by="columns") -> np.ndarray:
    """Greedy distance-1 colouring: columns (by="columns") sharing a row get different colours
    (rows sharing a column, by="rows"). Returns one colour per column (row), 0, 1, ...

    `rows`, `cols`: the nonzeros' integer coordinates (1-D, of one length), inside `shape`, an (m, n) pair. Checked
    here, as a public call: by="diag" coloured by columns, a negative or too large index coloured by wrapping or
    failed with "list index out of range", float indices and a 1-tuple shape with bare Python errors."""
    if by not in ("columns", "rows"):
        raise ValueError(f"colour: by must be 'columns' or 'rows', got {by!r}")
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2 and all(_whole(d) and d >= 0 for d in shape)):
        raise ValueError(f"colour: shape must be a pair (m, n) of ints >= 0, got {shape!r}")
    rows, cols = np.asarray(rows), np.asarray(cols)
    for name, idx, size in (("rows", rows, shape[0]), ("cols", cols, shape[1])):
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise TypeError(
                f"colour: {name} must be a 1-D array of integer indices, got {idx.dtype} of shape {idx.shape}"
            )
        if idx.size and (idx.min() < 0 or idx.max() >= size):
            raise ValueError(
                f"colour: {name} must lie in [0, {size}) for shape {tuple(shape)}, got {idx.min()}..{idx.max()}"
            )
    if rows.shape != cols.shape:
        raise ValueError(
            f"colour: rows and cols give one nonzero each, so they need one length, got {rows.size} and {cols.size}"
        )
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    shape = (int(shape[0]), int(shape[1]))
    if by == "rows":
        rows, cols, shape = cols, rows, shape[::-1]
    m, n = shape
    order = np.lexsort((rows, cols))
    col_rows = np.split(rows[order], np.searchsorted(cols[order], np.arange(1, n)))
    order = np.lexsort((cols, rows))
    row_cols = np.split(cols[order], np.searchsorted(rows[order], np.arange(1, m)))
    colours = np.full(n, -1, dtype=np.int64)
    for j in range(n):
        taken = {colours[k] for r in col_rows[j] for k in row_cols[r]}
        c = 0
        while c in taken:
            c += 1
        colours[j] = c
    return colours


class SparseJacobian(api._Transform):
    """`jacobian(f, sparse=True)`: a compressed Jacobian. `sweeps` is the number of JVP (forward,
    numeric) or VJP (reverse) products the last call took: the number of colours; `index` the
    last call's `IndexMap` (where each pytree leaf sits in the flat matrix)."""

    sweeps = 0
    index = None

    def __init__(self, f, argnums, method):
        super().__init__(f, argnums, method)
        self._patterns: dict = {}
        self._realified: dict = {}  # complex leaves' layout -> (the realified f's SparseJacobian, its Realified)

    def __call__(self, *args):
        # one public call: a DomainWarning once per user equation, however many colour sweeps met it (numeric's
        # sweeps each warned: 2 where the dense jacobian's 1)
        return collecting(self._call, args)

    def _call(self, args):
        try:
            st, prep = self.staged(args)
        except ComplexLeaf:
            if not self.method.complex_leaves:
                raise
            return self._at_complex_leaves(args)
        x = st.inputs(args)
        if any(isinstance(a, Traced) for a in x):  # its SciPy matrix or triple holds numbers, not traced values
            raise TypeError(
                "jacobian(sparse=True) cannot run inside another derivative or vmap (its arguments are traced): "
                "use the dense dl.jacobian there"
            )
        p = self._patterns.get(id(st))
        if p is None:
            p = self._patterns[id(st)] = (st, _pattern(st, x))  # st kept: its id stays its own
        p = p[1]
        self.index = p.index
        native, outs = self.method.native, None
        if native == "jacobian":  # symbolic: its native product is the whole Jacobian
            outs, J = prep.jacobian(x)
            self.sweeps = 1
            values = np.asarray(J)[p.rows, p.cols]
        elif native == "jvp":
            colours = colour(p.rows, p.cols, p.shape, "columns")
            k = int(colours.max()) + 1 if len(colours) else 0
            bad = _nonfinite([x[i] for i in st.wrt])
            if bad is not None:
                # a NaN/inf input's column alone in its colour: a direction moving it is NaN in every output for
                # numeric (the stencil cannot tell a structural zero), which spread to the other columns of that
                # colour (sin at [NaN, 0.5]: [[nan, 0], [0, nan]] for cos(0.5) at (1, 1))
                alone = np.flatnonzero(bad)
                colours = colours.copy()
                colours[alone] = k + np.arange(len(alone))
                k += len(alone)
            products = []
            for c in range(k):
                outs, jv = prep.jvp(x, (colours == c).astype(float))
                products.append(np.asarray(jv))
            self.sweeps = k
            values = np.array([products[colours[j]][i] for i, j in zip(p.rows, p.cols)]) if k else np.zeros(0)
        else:
            colours = colour(p.rows, p.cols, p.shape, "rows")
            k = int(colours.max()) + 1 if len(colours) else 0
            outs, pullback = prep.vjp(x)
            products = [_pulled_row(pullback, colours == c, outs) for c in range(k)]
            self.sweeps = k
            values = np.array([products[colours[i]][j] for i, j in zip(p.rows, p.cols)]) if k else np.zeros(0)
        values = _undefined(
            values if np.iscomplexobj(values) else values.astype(float), p, outs, [x[i] for i in st.wrt]
        )
        return _as_sparse(p.rows, p.cols, values, p.shape)

    def _at_complex_leaves(self, args):
        """The compressed Jacobian of f realified (api/complexes.py): each complex input element's
        (Re, Im) column pair joined as ∂f/∂x − i ∂f/∂y, a real output's rows gradients as the dense
        jacobian's. The realified function is kept per layout of complex leaves, so its pattern and
        trace are found again on the next call; `index` is the caller's layout (one column per element)."""
        many = isinstance(self.argnums, tuple)
        r = realify(self.f, args, self.argnums if many else (self.argnums,))
        key = tuple((str(r.flags[a][0]), tuple(r.flags[a][1]), tuple(r.flags[a][2])) for a in r.argnums)
        if key not in self._realified:
            self._realified[key] = (SparseJacobian(r.f, self.argnums, self.method), r)
        inner = self._realified[key][0]
        rows, cols, values, (m, _) = _triple(inner(*r.args))
        self.sweeps = inner.sweeps
        self.index = inner.index.complex_columns([c for a in r.argnums for c in r.flags[a][1]])
        if np.iscomplexobj(values):
            raise TypeError(
                "jacobian(sparse=True) of a complex output at a complex leaf: as the dense jacobian without "
                "holomorphic=True, difflab does not pick a convention; differentiate np.real(f) and np.imag(f)"
            )
        to_col, factor = [], []  # per realified column: the caller's column and its factor (1, or −i for Im)
        for a in r.argnums:
            for leaf, c in zip(tree.flatten(args[a])[0], r.flags[a][1]):
                start, size = len(to_col) if not to_col else to_col[-1] + 1, int(np.size(leaf))
                for k in range(start, start + size):
                    to_col.extend([k, k] if c else [k])
                    factor.extend([1.0, -1j] if c else [1.0])
        to_col, factor = np.asarray(to_col, dtype=np.int64), np.asarray(factor)
        n = int(to_col[-1]) + 1 if len(to_col) else 0
        keys, where = np.unique(rows * max(n, 1) + to_col[cols], return_inverse=True)
        joined = np.zeros(len(keys), dtype=complex)
        np.add.at(joined, where, values * factor[cols])
        return _as_sparse(keys // max(n, 1), keys % max(n, 1), joined, (m, n))


def _undefined(values, p, outs, inputs):
    """The stored entries NaN in a non-finite output's row and a non-finite input's column, as the dense
    jacobian has them (api.boundary._nan_rows; a structural zero stays 0): log at -1 was 1/x = -1 by forward,
    reverse and symbolic (the rule's value, where f has no derivative), NaN by numeric."""
    rows = _nonfinite(outs) if outs is not None else None
    cols = _nonfinite(inputs)
    if rows is None and cols is None:
        return values
    hit = (rows[p.rows] if rows is not None else False) | (cols[p.cols] if cols is not None else False)
    values = values.copy()
    values[hit] = np.nan
    return values


def _pulled_row(pullback, seed, outs):
    """Σ of the Jacobian's rows where `seed` is True: pullback(seed), and of a complex output, whose
    cotangent pairs by Re(ū·t), pullback(seed) − i·pullback(i·seed) (the real inputs' rows are complex)."""
    seed = seed.astype(float)
    if not any(np.iscomplexobj(o) for o in outs):
        return np.asarray(pullback(seed))
    return np.asarray(pullback(seed)) - 1j * np.asarray(pullback(1j * seed))


def _triple(J):
    """(rows, cols, values, shape) of a sparse Jacobian (CSR or the COO triple)."""
    if isinstance(J, tuple):
        return J
    c = J.tocoo()
    return np.asarray(c.row, np.int64), np.asarray(c.col, np.int64), c.data, c.shape


def jacobian(f, argnums=0, method="forward"):
    """Return a function computing f's Jacobian as a sparse matrix, by colouring: forward and
    numeric colour the columns (input elements whose outputs never overlap share one JVP), reverse
    colours the rows (one VJP per colour), symbolic masks its native Jacobian. A tridiagonal n×n
    Jacobian takes 3 sweeps whatever n. The returned function's `sweeps` counts the last call's.

    Shape contract: (m, n) over the flat output and flat differentiated input (pytree leaves
    raveled and concatenated); SciPy CSR (float) or, without SciPy, a COO triple `(rows, cols,
    values, (m, n))`. After a call, the function's `index` (an `IndexMap`) says where each leaf
    sits and cuts the matrix into jacobian's nesting of blocks.

    >>> import difflab as dl, numpy as np
    >>> jac = dl.jacobian(lambda x: x[1:] * x[:-1], sparse=True)
    >>> jac(np.array([1.0, 2.0, 3.0])).toarray().tolist(), jac.sweeps
    ([[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]], 2)
    """
    check_function(f, "jacobian")
    return SparseJacobian(f, argnums, method)
