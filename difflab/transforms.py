"""Transformations users bring from JAX and PyTorch, built on the one IR: stop_gradient, has_aux,
hvp, linearize / linear_transpose (this module); custom rules, checkpointing and sparse Jacobians
live in `difflab.rules`, `difflab.checkpointing` and `difflab.sparse`.

Each is a transformation of traced graphs through the API's staging (`difflab.api`: `_Transform`, `stage`), so
every method gets it, it takes pytrees, and a transformed function can be transformed again.
"""

from __future__ import annotations


import numpy as np

from . import api, tree
from . import numpy as dnp
from .differentiators import Differentiator, get_method
from .api.boundary import (
    ComplexLeaf,
    autograd_argnum,
    _refuse_kwargs,
    NonScalarOutput,
    _nan_rows,
    _nonfinite,
    _numeric_leaf,
    _concat_flat,
    _real_tangent,
    pytree_output,
)
from .errors import Collector, check_function, check_positions, collecting, trial_warnings
from .differentiators.base import _lifted, _may_lift as _may_lift_prepared, flag, split as split_vec
from .compile import lower
from .compile.graphs import _UNDERFLOWS
from .graph import Traced, charge_to, evaluate, refuse_array_subclass, split as split_graph
from .ops import Op
from .ops.core import _TINY, may_lift
from .ops.linalg import strong_matmul
from .trace import outputs_of, trace_flat

__all__ = [
    "stop_gradient",
    "grad",
    "value_and_grad",
    "jacobian",
    "jacfwd",
    "jacrev",
    "jvp",
    "vjp",
    "hvp",
    "prepare_hvp",
    "linearize",
    "linear_transpose",
    "Linearized",
]


def _name(f) -> str:
    if isinstance(f, Op):  # (a registry op given as f: its name, not the class's "Op")
        return f.name
    return getattr(f, "__name__", type(f).__name__)


# -- 1. stop_gradient ----------------------------------------------------------------------------


def stop_gradient(x):
    """x itself, seen by every differentiator as a constant: its derivative is zero.

    Shape contract: any pytree of numbers/arrays in, the same structure and shapes out. The
    symbolic, forward and reverse methods follow it exactly; the numeric method perturbs the
    inputs and so sees straight through it (it differentiates x, not a constant).

    >>> import difflab as dl
    >>> dl.grad(lambda x: x * dl.stop_gradient(x))(3.0)   # d/dx (x · c) with c = x = 3
    3.0
    """
    return tree.tree_map(_stopped, x)


def _stopped(leaf):
    # (a numpy.matrix passed through as one: its * and ** are matrix products, not the traced arrays' elementwise)
    refuse_array_subclass(leaf, "differentiates")
    return dnp.stop_gradient(leaf)


# -- 2. has_aux: f returns (out, aux); aux passes through untouched ------------------------------


class _WithAux:
    """f as seen by the staging: its output must be a pair (out, aux). aux's traced leaves become graph
    outputs (this call's values, evaluated; an int or bool one comes back with its dtype); every other leaf
    (a str, an int, None, a constant array) is held in the output's structure as f returned it
    (`tree.Held`): a trace at a signature gives the same ones as long as what it read is unchanged, which
    is when the staged graph is reused."""

    def __init__(self, f, what):
        check_function(f, what)
        self.f, self.what = f, what
        self.__name__ = _name(f)

    def __call__(self, *args):
        res = self.f(*args)
        if not (isinstance(res, tuple) and len(res) == 2):
            kind = (
                f"a tuple of length {len(res)}"
                if isinstance(res, tuple)
                else f"an array of shape {np.shape(res)}"  # (a traced value: its class is difflab's business)
                if isinstance(res, (Traced, np.ndarray))
                else f"a {type(res).__name__}"
            )
            raise TypeError(
                f"{self.what}(..., has_aux=True): {self.__name__} must return a pair (out, aux), but returned {kind}"
            )
        leaves, td = tree.flatten(res[1])
        return res[0], td.unflatten([_held(x) for x in leaves])


def _held(x):
    """An aux leaf as the staging sees it: a traced float itself, anything else held (tree.Held)."""
    if not isinstance(x, Traced):
        return tree.Held(x)
    kind = np.dtype(x.dtype).kind
    return x if kind in "fc" else tree.Held(x, dtype=np.dtype(x.dtype))


class _AuxTransform(api._Transform):
    """The staged graph of (out, aux); only out's leaves are differentiated."""

    def split_outs(self, st, outs):
        n_out = st.out_tree.children[0].num_leaves
        return n_out, list(outs[:n_out]), list(outs[n_out:])


def _seed(outs, n_out):
    """The cotangent that picks out's one scalar: 1 for it, 0 for every aux entry."""
    return np.concatenate([np.ones(1)] + [np.zeros(int(np.size(o))) for o in outs[n_out:]])


def _aux_at(f, args):
    """f's aux at concrete arguments, its arrays copies: the complex-leaf paths differentiate out alone (the
    plain operators realify the leaves, api/complexes.py) and call f once more for its aux."""
    return tree.tree_map(lambda a: a.copy() if isinstance(a, np.ndarray) else a, f.f(*args)[1])


class _ValueAndGradAux(_AuxTransform):
    def __call__(self, *args):
        try:
            st, prep = self.staged(args)
        except ComplexLeaf:
            if not self.method.complex_leaves:
                raise
            value, g = api.value_and_grad(lambda *xs: self.f(*xs)[0], self.argnums, self.method)(*args)
            return (value, _aux_at(self.f, args)), g
        outs, pullback = prep.vjp(st.inputs(args))
        n_out, out, _ = self.split_outs(st, outs)
        if n_out != 1 or np.size(out[0]) != 1 or np.ndim(out[0]):
            shape = np.shape(out[0]) if n_out == 1 else f"a pytree of {n_out} leaves"
            raise NonScalarOutput(
                f"{self.f.what}(..., has_aux=True) of {self.__name__}: out must be a scalar (shape ()), got {'shape ' * (n_out == 1)}{shape}; "
                "use dl.jacobian or dl.vjp"
                + (", or return its one element (out[0]) or np.sum(out)" if n_out == 1 else "")
            )
        if st.out_tree.children[0].kind != tree.LEAF:  # ({"loss": l}, aux): JAX's grad refuses it too
            lead = f"{self.f.what}(..., has_aux=True) of {self.__name__}: out must be a scalar (shape ()), but it is"
            raise NonScalarOutput(pytree_output(lead, st.out_tree.children[0], "(out, aux) with out"))
        parts = st.split_flat(pullback(_seed(outs, n_out)))
        value, aux = st.outputs(outs)
        return (value, aux), st.unflatten_wrt(parts)


class _GradAux(_ValueAndGradAux):
    def __call__(self, *args):
        (_, aux), g = super().__call__(*args)
        return g, aux


class _JacobianAux(_AuxTransform):
    of_gradient = False  # hessian_aux's outer Jacobian of a gradient (api._Jacobian's)

    def __call__(self, *args):
        try:
            st, prep = self.staged(args)
        except ComplexLeaf:
            if not self.method.complex_leaves:
                raise
            out = api.jacobian(lambda *xs: self.f(*xs)[0], self.argnums, self.method)(*args)
            return out, _aux_at(self.f, args)
        outs, jac = prep.jacobian(st.inputs(args))
        n_out, out, _ = self.split_outs(st, outs)
        m_out = sum(int(np.size(o)) for o in out)
        view = api.Staged(st.graph, st.signature, st.out_tree.children[0])
        rows = api.gradient_rows(st, len(out)) if self.of_gradient else None  # (hessian_aux: as api._Jacobian's)
        return api._jacobian_tree(view, out, jac[:m_out], rows), st.outputs(outs)[1]


def value_and_grad(
    f, argnums=0, method="reverse", has_aux=False, holomorphic=False, allow_int=False, reduce_axes=(), *, argnum=None
):
    """`dl.value_and_grad` with JAX's `has_aux`: f returns (out, aux) and the result is
    ((out, aux), ∇out); aux passes through untouched (it is evaluated, never differentiated). With JAX's
    `holomorphic=True` (f holomorphic from complex leaves to a complex scalar): (f(z), f'(z)), see `grad`.

    Shape contract: as `difflab.api.value_and_grad`; aux has the structure f gave it (`argnum=`: autograd's argnums).

    >>> import difflab as dl
    >>> dl.value_and_grad(lambda x: (x * x, {"half": x / 2.0}), has_aux=True)(3.0)
    ((9.0, {'half': 1.5}), 6.0)
    >>> dl.value_and_grad(lambda z: z * z, holomorphic=True)(1.0 + 2.0j)
    ((-3+4j), (2+4j))
    """
    if reduce_axes is not _NO_AXES:  # (the default, (): no call per fresh transform)
        _no_reduce_axes("value_and_grad", reduce_axes)
    if argnum is not None:
        argnums = autograd_argnum("value_and_grad", argnums, argnum)
    if allow_int is not False and flag("value_and_grad", "allow_int", allow_int):
        return _AllowInt(value_and_grad, f, argnums, dict(method=method, has_aux=has_aux, holomorphic=holomorphic))
    # (the defaults first: no call of flag, per fresh transform)
    if holomorphic is not False and flag("value_and_grad", "holomorphic", holomorphic):
        return _HolomorphicGrad(f, argnums, method, flag("value_and_grad", "has_aux", has_aux), "value_and_grad")
    if has_aux is False or not flag("value_and_grad", "has_aux", has_aux):
        return api.value_and_grad(f, argnums, method)
    return _ValueAndGradAux(_WithAux(f, "value_and_grad"), argnums, method)


def grad(
    f, argnums=0, method="reverse", has_aux=False, holomorphic=False, allow_int=False, reduce_axes=(), *, argnum=None
):
    """`dl.grad`, with JAX's `has_aux`: f returns (out, aux), the result is (∇out, aux); aux comes back as
    f returned it (a str, an int or None as it is, an array computed from x as this call's value).
    With JAX's `holomorphic=True`, f takes complex leaves to a complex scalar and is holomorphic: the result
    is the complex derivative f'(z) (no conjugate), as `dl.jacobian(f, holomorphic=True)` gives it for a
    scalar f (refused where f is not holomorphic: Cauchy–Riemann). With JAX's `allow_int=True`, integer and
    bool leaves of the differentiated arguments reach f as they are and are not differentiated: their gradient
    is zeros (float64: JAX's float0 has no arithmetic); by default they are refused by name (DESIGN.md §6).

    Shape contract: the gradient has the structure and shapes of the differentiated argument(s)
    (a tuple of them for a tuple of argnums); aux has the structure f gave it. `argnum=`, HIPS autograd's
    spelling of argnums, is taken (`dl.grad(f, argnum=(0, 1))`, as autograd's examples write it).

    >>> import difflab as dl
    >>> dl.grad(lambda x: (x ** 3.0, x + 1.0), has_aux=True)(2.0)
    (12.0, 3.0)
    >>> dl.grad(lambda x: (x ** 3.0, {"step": 3, "tag": "cube"}), has_aux=True)(2.0)
    (12.0, {'step': 3, 'tag': 'cube'})
    >>> dl.grad(lambda z: z ** 3.0, holomorphic=True)(1.0j)  # 3 z²
    (-3+0j)
    >>> dl.grad(lambda x, n: x ** n, argnums=(0, 1), allow_int=True)(2.0, 3)
    (12.0, 0.0)
    """
    if reduce_axes is not _NO_AXES:  # (the default, (): no call per fresh transform)
        _no_reduce_axes("grad", reduce_axes)
    if argnum is not None:
        argnums = autograd_argnum("grad", argnums, argnum)
    if allow_int is not False and flag("grad", "allow_int", allow_int):
        return _AllowInt(grad, f, argnums, dict(method=method, has_aux=has_aux, holomorphic=holomorphic))
    if holomorphic is not False and flag("grad", "holomorphic", holomorphic):
        return _HolomorphicGrad(f, argnums, method, flag("grad", "has_aux", has_aux), "grad")
    if has_aux is False or not flag("grad", "has_aux", has_aux):  # (the default: no call, per fresh transform)
        return api.grad(f, argnums, method)
    return _GradAux(_WithAux(f, "grad"), argnums, method)


class _ScalarOut:
    """f, its output checked to be one scalar (`grad(..., holomorphic=True)` differentiates it by jacobian)."""

    def __init__(self, f, what):
        self.f, self.what, self.__name__ = f, what, _name(f)

    def __call__(self, *args):
        out = self.f(*args)
        if tree.flatten(out)[1].kind != tree.LEAF or np.shape(out) != ():
            shape = f"shape {np.shape(out)}" if tree.flatten(out)[1].kind == tree.LEAF else type(out).__name__
            raise NonScalarOutput(
                f"{self.what}(..., holomorphic=True) needs a function with a scalar output, but it returned "
                f"{'a ' * (not shape.startswith('shape'))}{shape}; use difflab.jacobian(f, holomorphic=True) for the "
                "full derivative"
            )
        return out


class _HolomorphicGrad:
    """`dl.grad` / `dl.value_and_grad` with `holomorphic=True` (JAX's): f'(z) of a holomorphic f from complex
    leaves to a complex scalar, by `dl.jacobian(f, holomorphic=True)` of the scalar (complex leaves, Cauchy–Riemann
    and real inputs or outputs refused there); the value and aux, where asked for, from a call of f."""

    def __init__(self, f, argnums, method, has_aux, what):
        check_function(f, what)
        self.f = _WithAux(f, what) if has_aux else f
        self.argnums, self.has_aux, self.what, self.__name__ = argnums, has_aux, what, _name(f)
        self.jacobian = api.jacobian(_ScalarOut(_Out(self.f) if has_aux else f, what), argnums, method, True)

    def __call__(self, *args, **kwargs):
        if kwargs:
            _refuse_kwargs(self.__name__, kwargs)
        g = _python_complex(self.jacobian(*args), args, self.argnums)
        if self.what == "grad" and not self.has_aux:
            return g
        res = self.f.f(*args) if self.has_aux else self.f(*args)
        out, aux = res if self.has_aux else (res, None)
        out = complex(out) if not isinstance(out, Traced) else out  # (a scalar: as grad's float value)
        if self.what == "grad":
            return g, aux
        return ((out, aux) if self.has_aux else out), g


def _python_complex(g, args, argnums):
    """The derivative at a Python complex leaf as a Python complex (as grad gives a float leaf a float)."""
    many = isinstance(argnums, tuple)
    parts = []
    for a, d in zip(argnums if many else (argnums,), g if many else (g,)):
        leaves, td = tree.flatten(d)
        given = tree.flatten(args[a])[0]
        parts.append(
            td.unflatten(
                [complex(x) if type(z) is complex and not isinstance(x, Traced) else x for x, z in zip(leaves, given)]
            )
        )
    return tuple(parts) if many else parts[0]


def jacobian(f, argnums=0, method="reverse", has_aux=False, sparse=False, holomorphic=False, *, argnum=None):
    """`dl.jacobian`, with JAX's `has_aux` (the result is (J, aux)), `sparse=True` (the
    Jacobian of the flat output by the flat input, from as many sweeps as the sparsity pattern
    needs colours: see `difflab.sparse.jacobian`) and `holomorphic=True` (complex leaves: the complex
    derivative f'(z), see `difflab.api.jacobian`).

    Shape contract: dense, `out.shape + in.shape` per pair of leaves (pytrees nest output
    structure, then input structure); sparse, a (m, n) SciPy CSR matrix (or a COO triple). `argnum=` is
    autograd's argnums.

    >>> import difflab as dl, numpy as np
    >>> J, aux = dl.jacobian(lambda x: (x * x, x.sum()), has_aux=True)(np.array([1.0, 2.0]))
    >>> J.tolist(), aux
    ([[2.0, 0.0], [0.0, 4.0]], 3.0)
    """
    if argnum is not None:
        argnums = autograd_argnum("jacobian", argnums, argnum)
    has_aux, sparse = flag("jacobian", "has_aux", has_aux), flag("jacobian", "sparse", sparse)
    if flag("jacobian", "holomorphic", holomorphic) and sparse:
        raise ValueError("jacobian(holomorphic=True) does not take sparse=True")
    if holomorphic and has_aux:  # (JAX's jacfwd/jacrev take both: (f'(z), aux))
        return _HolomorphicJacobianAux(f, argnums, method)
    if sparse:
        from . import sparse as sparse_mod

        if has_aux:
            raise ValueError("jacobian(sparse=True) does not take has_aux=True; call f for its aux")
        return sparse_mod.jacobian(f, argnums, method)
    if not has_aux:
        return api.jacobian(f, argnums, method, holomorphic=holomorphic)
    return _JacobianAux(_WithAux(f, "jacobian"), argnums, method)


class PreparedHolomorphic:
    """`dl.prepare(f, *example_args, holomorphic=True)`: f holomorphic from complex leaves, its operators with
    `holomorphic=True` made once (grad, value_and_grad: f'(z) of a complex scalar f; jacobian; hessian: f''(z)),
    each staging f once per signature as `dl.grad` does (so, unlike a real prepared tape, it checks what f reads on
    every call); calls are checked against the example's structure, shapes and dtypes. The complex tape itself is
    not compiled: the prepared tier takes real leaves only.

    >>> import difflab as dl
    >>> p = dl.prepare(lambda z: z ** 3.0, 1.0j, holomorphic=True)
    >>> p.grad(2.0 + 0.0j), p(2.0 + 0.0j)
    ((12+0j), (8+0j))
    """

    def __init__(self, f, args, argnums, method):
        check_function(f, "prepare")
        self.f, self.method, self.__name__ = f, method, _name(f)
        self._layout = _layout(args)
        self._grad = _HolomorphicGrad(f, argnums, method, False, "value_and_grad")
        self._jacobian = api.jacobian(f, argnums, method, holomorphic=True)
        self._hessian = api.hessian(f, argnums, method, holomorphic=True)
        self._jacobian(*args)  # (staged at the example, as prepare stages: its refusals said here; any output shape)

    def _check(self, args, kwargs):
        if kwargs:
            _refuse_kwargs(self.__name__, kwargs)
        if _layout(args) != self._layout:
            raise ValueError(
                f"prepare(..., holomorphic=True): {self.__name__} was prepared for arguments laid out as "
                f"{self._layout[1]}, got {_layout(args)[1]}; prepare it again for these"
            )
        return args

    def __call__(self, *args, **kwargs):
        return self.f(*self._check(args, kwargs))

    def value_and_grad(self, *args, **kwargs):
        return self._grad(*self._check(args, kwargs))

    def grad(self, *args, **kwargs):
        return self.value_and_grad(*args, **kwargs)[1]

    def jacobian(self, *args, **kwargs):
        return self._jacobian(*self._check(args, kwargs))

    def hessian(self, *args, **kwargs):
        return self._hessian(*self._check(args, kwargs))


def _layout(args):
    """Arguments' structure, and each leaf's dtype and shape (a Python complex is complex128, as NumPy takes it)."""
    leaves, td = tree.flatten(tuple(args))
    return td, ", ".join(f"{np.asarray(x).dtype.name}{list(np.shape(x))}" for x in leaves)


class _HolomorphicJacobianAux:
    """`dl.jacobian(f, holomorphic=True, has_aux=True)` (and jacfwd/jacrev's, as JAX's): (f'(z) of out, aux), the
    Jacobian of out alone by `api.jacobian(..., holomorphic=True)`, aux from one more call of f (as `_HolomorphicGrad`
    takes it)."""

    def __init__(self, f, argnums, method):
        self.f = _WithAux(f, "jacobian")
        self.__name__ = self.f.__name__
        self.jacobian = api.jacobian(_Out(self.f), argnums, method, holomorphic=True)

    def __call__(self, *args, **kwargs):
        if kwargs:
            _refuse_kwargs(self.__name__, kwargs)
        return self.jacobian(*args), _aux_at(self.f, args)


class _Out:
    """The `out` of f's pair (out, aux): what a Hessian with aux differentiates twice."""

    def __init__(self, f):
        self.f, self.__name__ = f, f.__name__

    def __call__(self, *args):
        return self.f(*args)[0]


class _AuxOf(_AuxTransform):
    """aux alone, from the staged graph of (out, aux) evaluated (cached as the other operators' graphs): the
    leaves come back as `dl.grad(..., has_aux=True)` gives them (a traced scalar a Python float)."""

    def __call__(self, *args):
        try:
            st, _ = self.staged(args)
        except ComplexLeaf:  # (holomorphic: f called once more for its aux, as the complex paths above)
            return _aux_at(self.f, args)
        return st.outputs(evaluate(st.graph, *st.inputs(args)))[1]


class _HessianAux:
    """`dl.hessian(f, has_aux=True)` for a method with a native Hessian (symbolic, numeric) or complex leaves:
    the Hessian of out (cached as any `dl.hessian`), and aux from the graph of (out, aux) evaluated (`_AuxOf`)."""

    def __init__(self, f, argnums, method, holomorphic):
        self.f = _WithAux(f, "hessian")
        self.__name__ = self.f.__name__
        self.hessian = api.hessian(_Out(self.f), argnums, method, holomorphic)
        self.aux = _AuxOf(self.f, argnums, "forward")  # (forward: only its graph is used, never a sweep)

    def __call__(self, *args, **kwargs):
        return self.hessian(*args, **kwargs), self.aux(*args)


def hessian_aux(f, argnums=0, method="reverse", holomorphic=False):
    """`dl.hessian(f, has_aux=True)`, as JAX's `jacfwd(jacrev(f, has_aux=True), has_aux=True)`: (H, aux), H of
    out alone. A method pair (outer, inner), or a single method whose Hessian is one ("reverse": forward over
    reverse, "forward"), composes the two operators with has_aux (f traced once per call); the native Hessians
    (symbolic, numeric) and complex leaves take `_HessianAux`.

    >>> import difflab as dl
    >>> dl.hessian(lambda x: (x ** 3.0, {"x": x}), has_aux=True)(2.0)  # (a 0-d H, as dl.hessian's)
    (array(12.), {'x': 2.0})
    """
    pair = method if isinstance(method, (tuple, list)) else get_method(method).hessian_pair
    if holomorphic or pair is None or len(pair) != 2:  # (a malformed pair: the plain hessian's error)
        return _HessianAux(f, argnums, method, holomorphic)
    outer, inner = pair
    t = jacobian(_GradAux(_WithAux(f, "hessian"), argnums, inner), argnums, outer, has_aux=True)
    t.of_gradient = True
    return t


def jvp(f, primals, tangents, method="forward", has_aux=False):
    """`dl.jvp`, with JAX's `has_aux`: f returns (out, aux) and the result is (out, J v, aux), J v
    of out alone (aux is f's value, not differentiated, passed through as for grad's).

    Shape contract: J v shaped like out; primals and tangents tuples of the same structure.

    >>> import difflab as dl
    >>> dl.jvp(lambda x: (x * x, x + 1.0), (3.0,), (1.0,), has_aux=True)
    (9.0, 6.0, 4.0)
    """
    if not flag("jvp", "has_aux", has_aux):
        return api.jvp(f, primals, tangents, method=method)
    (out, aux), (jv, _) = api.jvp(_WithAux(f, "jvp"), primals, tangents, method=method)
    return out, jv, aux


def jacfwd(f, argnums=0, has_aux=False, holomorphic=False):
    """JAX's `jacfwd`: `dl.jacobian(f, argnums, method="forward", ...)`, one forward sweep per chunk of
    input directions. Shape contract as `jacobian`: `out.shape + in.shape`.

    >>> import difflab as dl, numpy as np
    >>> dl.jacfwd(lambda x: x * x)(np.array([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    return jacobian(f, argnums, "forward", has_aux=has_aux, holomorphic=holomorphic)


def jacrev(f, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """JAX's `jacrev`: `dl.jacobian(f, argnums, method="reverse", ...)`, one reverse sweep per output
    row. Shape contract as `jacobian`: `out.shape + in.shape`.

    >>> import difflab as dl, numpy as np
    >>> dl.jacrev(lambda x: x * x)(np.array([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    if allow_int is not False and flag("jacrev", "allow_int", allow_int):
        return _AllowInt(jacrev, f, argnums, dict(has_aux=has_aux, holomorphic=holomorphic))
    return jacobian(f, argnums, "reverse", has_aux=has_aux, holomorphic=holomorphic)


def _transpose_of(f, primals, method):
    """JAX's linear_transpose(f, *primals): f's pullback at zeros of the primals' shapes, which, f being linear, is
    its transpose anywhere; the pullback at a second point (seeded random values) must agree, or f is refused."""
    if not (callable(f) and primals):
        raise TypeError(
            "linear_transpose takes the function returned by dl.linearize, or JAX's (f, *primals) with f linear, "
            f"got {type(f).__name__} and {len(primals)} primal(s)"
        )
    rng = np.random.default_rng(0)

    def point(make):
        def like(x):  # (a Python number stays one: its cotangent comes back a float, as dl.vjp's)
            return float(make(())) if isinstance(x, (int, float)) and not isinstance(x, bool) else make(np.shape(x))

        return tuple(tree.tree_map(like, p) for p in primals)

    _, at_zero = vjp(f, *point(np.zeros), method=method)
    _, elsewhere = vjp(f, *point(lambda shape: rng.uniform(0.5, 1.5, shape)), method=method)

    def transposed(u):
        got, other = at_zero(u), elsewhere(u)
        for a, b in zip(tree.flatten(got)[0], tree.flatten(other)[0]):
            if not np.allclose(a, b, rtol=1e-9, atol=1e-12 * max(1.0, float(np.max(np.abs(a), initial=0.0)))):
                raise ValueError(
                    f"linear_transpose: {_name(f)} is not linear (its derivative differs between two points: "
                    f"{np.ravel(a)[:3]} and {np.ravel(b)[:3]}); JAX's needs a linear f too: use dl.vjp(f, *primals)"
                )
        return got

    return transposed


_NO_AXES: tuple = ()  # (the empty tuple: one object in CPython, the parameters' default)


def _no_reduce_axes(what, reduce_axes):
    if reduce_axes not in ((), None, []):  # (JAX's own is deprecated; a named axis is summed by dl.lax.psum)
        raise NotImplementedError(
            f"{what}(reduce_axes={reduce_axes!r}): JAX's deprecated reduction of the gradient over named axes; "
            "sum it with dl.lax.psum inside vmap(axis_name=...) instead"
        )


def _is_int(x) -> bool:
    return not isinstance(x, Traced) and np.asarray(x).dtype.kind in "biu"


class _AllowInt:
    """JAX's `allow_int=True` for grad, value_and_grad and jacrev (`make`): the integer and bool leaves of the
    differentiated arguments are held fixed, passed to f as they are, and their derivative is zeros (float64, of
    the leaf's shape; jacrev's out.shape + its shape). The others are differentiated by `make` as without it."""

    def __init__(self, make, f, argnums, kw):
        check_function(f, make.__name__)
        self.make, self.f, self.argnums, self.kw = make, f, argnums, kw
        self.many = not isinstance(argnums, (int, np.integer))

    def __call__(self, *args):
        nums = [i % len(args) if -len(args) <= i < len(args) else i for i in check_positions(self.argnums, "argnums")]
        if any(i >= len(args) for i in nums):  # (the transform names it)
            return self.make(self.f, self.argnums, **self.kw)(*args)
        flat = {i: tree.flatten(args[i]) for i in nums}
        fixed = {i: {k for k, x in enumerate(flat[i][0]) if _is_int(x)} for i in nums}
        kept = [i for i in nums if len(fixed[i]) < len(flat[i][0])]
        if not any(fixed.values()):
            return self.make(self.f, self.argnums, **self.kw)(*args)

        def g(*xs):
            full = list(xs)
            for i in nums:
                it = iter(xs[i] if i in kept else ())
                full[i] = flat[i][1].unflatten([x if k in fixed[i] else next(it) for k, x in enumerate(flat[i][0])])
            return self.f(*full)

        reduced = [
            [x for k, x in enumerate(flat[i][0]) if k not in fixed[i]] if i in nums else a for i, a in enumerate(args)
        ]
        value, parts = self._parts(g, reduced, kept, args)
        res = tuple(self._rebuild(i, parts.get(i), flat[i], fixed[i], value) for i in nums)
        res = res if self.many else res[0]
        if self.make is value_and_grad:
            return value, res
        return (res, value[1]) if self.kw.get("has_aux") else res

    def _parts(self, g, reduced, kept, args):
        """f's value (value and aux with has_aux) and the derivatives of the kept arguments' float leaves."""
        if not kept:  # (nothing to differentiate: f's value, for its shape and aux)
            return self.f(*args), {}
        res = self.make(g, tuple(kept), **self.kw)(*reduced)
        if self.make is value_and_grad:
            value, ds = res
        elif self.kw.get("has_aux"):
            (ds, aux), value = res, (None, res[1])
            value = (self.f(*args)[0], aux) if self.make is jacrev else value
        else:
            ds, value = res, (self.f(*args) if self.make is jacrev else None)
        return value, dict(zip(kept, ds))

    def _rebuild(self, i, d, flat_i, fixed_i, value):
        leaves, td = flat_i
        zero = lambda x, pre=(): 0.0 if type(x) in (int, bool) and not pre else np.zeros(pre + np.shape(x))  # noqa: E731
        if self.make is not jacrev:
            it = iter(d or ())
            return td.unflatten([zero(x) if k in fixed_i else next(it) for k, x in enumerate(leaves)])
        out = value[0] if self.kw.get("has_aux") else value
        out_leaves, out_td = tree.flatten(out)
        got, n = (tree.flatten(d)[0] if d is not None else []), len(leaves) - len(fixed_i)
        rows = []
        for j, o in enumerate(out_leaves):
            it = iter(got[j * n : (j + 1) * n])
            rows.append(
                td.unflatten([zero(x, np.shape(o)) if k in fixed_i else next(it) for k, x in enumerate(leaves)])
            )
        return out_td.unflatten(rows)


def vjp(f, *primals, method="reverse", has_aux=False, reduce_axes=()):
    """`dl.vjp`, with JAX's `has_aux`: f returns (out, aux) and the result is (out, pullback, aux).

    Shape contract: `pullback(u)` takes u shaped like out and gives a tuple with one cotangent
    per primal, each shaped like its primal.

    >>> import difflab as dl
    >>> y, pullback, aux = dl.vjp(lambda x: (x * x, x + 1.0), 3.0, has_aux=True)
    >>> y, pullback(1.0), aux
    (9.0, (6.0,), 4.0)
    """
    _no_reduce_axes("vjp", reduce_axes)
    if not flag("vjp", "has_aux", has_aux):
        return api.vjp(f, *primals, method=method)
    t = _AuxTransform(_WithAux(f, "vjp"), tuple(range(len(primals))), method)
    try:
        st, prep = t.staged(primals)
    except ComplexLeaf:
        if not t.method.complex_leaves:
            raise
        value, pullback = api.vjp(lambda *xs: t.f(*xs)[0], *primals, method=t.method)
        return value, pullback, _aux_at(t.f, primals)
    # the pullback keeps its own copy of the point: the caller may write into x before calling it
    outs, pb = prep.vjp([x.copy() if type(x) is np.ndarray else x for x in st.inputs(primals)])
    n_out, out, _ = t.split_outs(st, outs)
    out_tree = st.out_tree.children[0]
    value, aux = st.outputs(outs)

    def pullback(u):
        leaves, td = tree.flatten(u)
        if td != out_tree:
            raise ValueError(f"the cotangent's structure {td} does not match the output's {out_tree}")
        for leaf, o in zip(leaves, out):
            _numeric_leaf(leaf, "a cotangent")
            if np.shape(leaf) != np.shape(o):
                raise ValueError(f"cotangent of shape {np.shape(leaf)} for an output of shape {np.shape(o)}")
            if np.iscomplexobj(leaf) and not np.iscomplexobj(o):  # (as vjp's: its imaginary part was dropped)
                raise TypeError(
                    "a complex cotangent for a real output: a real output's cotangent is real (take its real part)"
                )
        # aux's cotangent zero; a traced cotangent (vmap of this pullback at an unbatched one, an outer derivative)
        # stays traced: it was made a NumPy array here, refused as a conversion dropping its derivative
        seed = _concat_flat([*leaves, *(np.zeros(np.shape(o)) for o in outs[n_out:])])
        return st.unflatten_wrt(st.split_flat(pb(seed)))

    return value, pullback, aux


def _split_out(outs, vec):
    """A flat vector (traced or not) cut into arrays shaped like `outs`."""
    return split_vec(dnp.reshape(vec, (-1,)) if isinstance(vec, Traced) else np.ravel(vec), [np.shape(o) for o in outs])


# -- 3. hvp: (∇f(x), H v) without forming H ------------------------------------------------------

HVP_METHODS = {
    "reverse": ("forward", "reverse"),  # forward-over-reverse: one dual sweep of the gradient
    "forward-over-reverse": ("forward", "reverse"),
    "reverse-over-reverse": ("reverse", "reverse"),
    "forward": ("forward", "forward"),
    "numeric": ("numeric", "reverse"),  # central difference of reverse-mode gradients
}


def _check_tangents(f, primals, tangents):
    if len(primals) != len(tangents):
        raise ValueError(f"hvp of {_name(f)}: {len(primals)} primals but {len(tangents)} tangents")
    for k, (p, t) in enumerate(zip(primals, tangents)):
        (pl, pd), (tl, td) = tree.flatten(p), tree.flatten(t)
        if pd != td:
            raise ValueError(f"hvp of {_name(f)}: tangents[{k}] has structure {td} but the primal has {pd}")
        for a, b in zip(pl, tl):
            if np.shape(a) != np.shape(b):
                raise ValueError(
                    f"hvp of {_name(f)}: a tangent of shape {np.shape(b)} for a primal of shape "
                    f"{np.shape(a)} (argument {k})"
                )
            if np.iscomplexobj(b) and not np.iscomplexobj(a):
                _real_tangent(b)


class _Once:
    """A transform staged once per shape signature and then reused without the cache's checks of
    what f read (as `dl.prepare` does: preparing is the trace-once opt-in)."""

    def staged(self, args, keep_values=False):
        key = tuple((td, tuple(np.shape(x) for x in lv)) for lv, td in map(tree.flatten, args))
        hit = self._once.get(key) if hasattr(self, "_once") else None
        if hit is None:
            hit = super().staged(args)
            if hit[0].cacheable:
                self.__dict__.setdefault("_once", {})[key] = hit
        return hit


class _OnceTransform(_Once, api._Transform):
    pass


class _OnceAux(_Once, _ValueAndGradAux):
    pass


class _HotHvp:
    """The common case of a prepared hvp by a forward outer method, armed after the general path has
    run once: primals and tangents of the arming call's structure and shapes, float64 arrays, run by
    the lowered sweep's guarded twin (`Prepared.hot_jvp`: outputs only when every input and output
    is finite and nothing raised; results of their own), its cost charged once. Anything else, and
    a None from the guarded code, goes to the general path, which answers and warns in full."""

    __slots__ = ("fn", "prep", "trees", "shapes", "out_tree", "cuts")

    def __init__(self, fn, st, prep, primals):
        self.fn, self.prep, self.out_tree = fn, prep, st.out_tree
        flat = [tree.flatten(p) for p in primals]
        self.trees = [td for _, td in flat]
        self.shapes = [np.shape(x) for lv, _ in flat for x in lv]
        self.cuts = np.cumsum([0] + [int(np.prod(s)) for s in prep.out_shapes])

    def __call__(self, primals, tangents):
        if len(primals) != len(self.trees) or len(tangents) != len(self.trees):
            return None
        xs, vs = [], []
        for p, t, td in zip(primals, tangents, self.trees):
            (pl, pd), (tl, tdd) = tree.flatten(p), tree.flatten(t)
            if pd != td or tdd != td:
                return None
            xs += pl
            vs += tl
        for x, v, s in zip(xs, vs, self.shapes):
            if type(x) is not np.ndarray or type(v) is not np.ndarray or x.shape != s or v.shape != s:
                return None
            if x.dtype != np.float64 or v.dtype != np.float64:
                return None
        res = self.fn(*xs, np.concatenate([v.ravel() for v in vs]) if len(vs) > 1 else vs[0].ravel())
        if res is None:
            return None
        charge_to(self.prep.cost, self.fn.eqns, self.fn.elements, 1)
        outs, jv, cuts = res[:-1], res[-1], self.cuts
        hv = [jv[cuts[i] : cuts[i + 1]].reshape(np.shape(o)) for i, o in enumerate(outs)]
        return self.out_tree.unflatten(list(outs)), self.out_tree.unflatten(hv)


def _configured_pair(method):
    """A configured differentiator as hvp's method (`dl.Numeric(scheme="richardson")`, as grad takes one): its
    name's (outer, inner) pair with the object in its name's place, so that its settings are used; a
    configured Symbolic stays itself (its own Hessian). Refused before: only names and pairs were taken."""
    if not isinstance(method, Differentiator) or method.name == "symbolic":
        return method
    return tuple(method if m == method.name else m for m in HVP_METHODS[method.name])


class PreparedHvp:
    """`f`'s Hessian-vector product by one method pair, staged once per input signature and
    reused: `prepared(primals, tangents)` -> (∇f(x), H v). Built by `prepare_hvp` or `hvp`.
    After a first call, a call like it with finite arrays takes `_HotHvp` (forward outer methods)."""

    def __init__(self, f, n_args, method="reverse", argnums=None):
        pair = HVP_METHODS.get(method, method) if isinstance(method, str) else _configured_pair(method)
        self.f, self.method = f, method
        self._hot = None
        if argnums is None:  # (dl.hvp: every argument)
            argnums = 0 if n_args == 1 else tuple(range(n_args))
        # the differentiated arguments (`argnums`, as a prepared function's: the others held at their values)
        self._wrt = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        self._many = not isinstance(argnums, int)
        if (isinstance(pair, str) and pair == "symbolic") or isinstance(pair, Differentiator):
            self._sym = _OnceTransform(f, self._wrt, pair)  # (symbolic's own Hessian times v)
            return
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(
                f"hvp method must be one of {', '.join(map(repr, [*HVP_METHODS, 'symbolic']))} or a "
                f"pair (outer, inner), got {method!r}"
            )
        outer, inner = (get_method(m) for m in pair)
        if not inner.traceable_output:  # every outer method traces the gradient it differentiates
            raise ValueError(
                f"{inner.name} cannot be hvp's inner method (its gradient code does not run on traced "
                f"values); use method={inner.name!r} or a traceable inner method ('forward', 'reverse')"
            )
        self._sym, self._lifts = None, None
        self._outer = outer
        if outer.native == "vjp":
            # reverse-over-reverse: H v = ∇_x <∇f(x), v>, with ∇f(x) carried out as aux
            g = api.grad(f, argnums, inner)
            g.scalar_output = "hvp"  # (its refusal of a non-scalar f names the operator called, not "grad")

            def inner_product(*xs_and_vs):
                xs, vs = xs_and_vs[:n_args], xs_and_vs[n_args:]
                gx = g(*xs)
                gx = gx if self._many else (gx,)
                total = 0.0
                for a, b in zip(tree.flatten(gx)[0], tree.flatten(vs)[0]):
                    total = total + dnp.sum(a * b)
                return total, gx

            self._rr = _OnceAux(_WithAux(inner_product, "hvp"), self._wrt, outer)
        else:
            g = api.grad(f, argnums, inner)
            g.scalar_output = "hvp"
            self._t = _OnceTransform(g, self._wrt, outer)
        self._g = g  # (the inner method's gradient alone: `_lifted_gradient`)

    def __call__(self, primals, tangents):
        if self._hot is not None and type(primals) is tuple and type(tangents) is tuple:
            before = _UNDERFLOWS.__dict__.get("n", 0)
            res = self._hot(primals, tangents)
            if res is not None:
                if _UNDERFLOWS.__dict__.get("n", 0) != before:  # (compiled code counts its ops' underflows: a lost
                    res = self._lifted_gradient(primals, *res)  # term needs exp's; no pass over g otherwise)
                return _zero_d_as_given(res, primals, self._wrt, self._many)
        # one public call: a DomainWarning once per user equation, however many sweeps met it
        res = collecting(self._call, primals, tangents)
        return _zero_d_as_given(self._lifted_gradient(primals, *res), primals, self._wrt, self._many)

    def _lifted_gradient(self, primals, g, hv):
        """(g, hv), g's entries below float64's normal range taken from the inner method's own gradient where that is
        normal and finite. Why: the outer sweep runs the inner gradient's trace, whose exp rule is the plain product
        t·e^x (a traced x: no quotient form), so 3e200·Σe^-x's gradient half at [800, 1] was -0.0 for -1.1e-147, which
        dl.grad by the inner method lifts. Gates: g concrete with an entry below the range (one pass per leaf), then
        (once) the traced gradient has an op that may lift (`ops.core.may_lift`: exp, a user's rule); then one
        gradient call, its warnings dropped (the hvp said its own)."""
        if self._sym is not None or self._lifts is False:
            return g, hv
        leaves, td = tree.flatten(g)
        if not _has_tiny(leaves) or not self._may_lift(primals):
            return g, hv
        try:
            with trial_warnings(), np.errstate(all="ignore"):
                plain = self._g(*primals)
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            return g, hv
        plain = tree.flatten(plain if self._many else (plain,))[0]
        if len(plain) != len(leaves):
            return g, hv
        out = []
        for x, p in zip(leaves, plain):
            p = np.asarray(p, dtype=float)
            take = (np.abs(x) < _TINY) & np.isfinite(p) & (np.abs(p) >= _TINY)
            out.append(x if not take.any() else (float(p) if type(x) is float else np.where(take, p, x)))
        return td.unflatten(out), hv

    def _may_lift(self, primals) -> bool:
        if self._lifts is None:
            graph = self._t.staged(tuple(primals))[1].graph if self._outer.native != "vjp" else None
            if graph is None:
                graph = self._rr.staged(
                    tuple(primals) + tuple(tree.tree_map(np.zeros_like, primals[i]) for i in self._wrt)
                )
                graph = graph[1].graph
            self._lifts = any(may_lift(e.op) for e in graph.eqns)
        return self._lifts

    def _call(self, primals, tangents):
        g, hv = self._products(tuple(primals), tuple(tangents))
        gs = tree.flatten(g)[0]
        if gs and not any(isinstance(x, Traced) for x in gs) and all(np.isnan(x).all() for x in gs):
            # the gradient is NaN everywhere (f(x) is not finite: no derivative): so is H v, as H is
            return g, tree.tree_map(lambda h: h * np.nan, hv)
        return g, _nan_along_nonfinite([primals[i] for i in self._wrt], tangents, hv)

    def _products(self, primals, tangents):
        if max(self._wrt) >= len(primals) or len(tangents) != len(self._wrt) < len(primals):
            raise ValueError(
                f"hvp of {_name(self.f)}: {len(primals)} primals and {len(tangents)} tangents for the "
                f"{len(self._wrt)} differentiated argument(s) (argnums {self._wrt}): a tangent for each of those"
            )
        _check_tangents(self.f, [primals[i] for i in self._wrt], tangents)
        many = self._many
        if self._sym is not None:  # symbolic's native product is the Hessian: it forms H
            st, prep = self._sym.staged(primals)
            api._scalar_check(st, "hvp")
            v = api._flat_like(st, tangents, "tangents")
            x = st.inputs(primals)
            outs, g = prep.grad(x)
            _, H = prep.hessian(x)
            one = (lambda parts: parts) if many else (lambda parts: parts[0])  # as the pairs: per primal
            if any(isinstance(a, Traced) for a in (*x, v)):  # inside an outer derivative: H v is recorded
                hv = dnp.matmul(H, v)
                return one(st.unflatten_wrt(st.split_flat(g))), one(st.unflatten_wrt(st.split_flat(hv)))
            g, H = np.array(g, dtype=float), np.array(H, dtype=float)
            # as dl.hessian: outside the domain no derivative (NaN), and NaN at a non-finite input
            if _nonfinite(outs) is not None:
                g[:], H[:] = np.nan, np.nan
            cols = _nonfinite([x[i] for i in st.wrt])
            if cols is not None:
                g[cols], H = np.nan, _nan_rows(_nan_rows(H, cols), None, cols)
            g_parts, hv_parts = st.split_flat(g), st.split_flat(H @ v)
            return one(st.unflatten_wrt(g_parts)), one(st.unflatten_wrt(hv_parts))
        if self._outer.native == "vjp":
            (_, gx), hv = self._rr(*primals, *tangents)
            return (gx if many else gx[0]), (hv if many else hv[0])
        st, prep = self._t.staged(primals)
        v = api._flat_like(st, tangents, "tangents")
        xs = st.inputs(primals)
        outs, jv = prep.jvp(xs, v)
        # (0-d outputs are Python floats on the general path: they keep it)
        every = len(self._wrt) == len(primals)  # (_HotHvp reads a tangent per primal)
        fn = prep.hot_jvp(xs) if every and st.reusable and not isinstance(v, Traced) and all(prep.out_shapes) else None
        self._hot = None if fn is None else _HotHvp(fn, st, prep, primals)
        return st.outputs(outs), st.outputs(_split_out(outs, jv))


def _has_tiny(leaves) -> bool:
    """Whether concrete real leaves (float64 arrays, floats) have an entry below float64's normal range: one pass each
    (np.abs(x).min(): np.min's keywords cost ~5 µs more a call); False for a traced or complex leaf."""
    tiny = False
    for x in leaves:
        if type(x) is np.ndarray and x.dtype == _F64:
            tiny = tiny or (x.size > 0 and np.abs(x).min() < _TINY)
        elif type(x) is float or type(x) is np.float64:
            tiny = tiny or abs(x) < _TINY
        else:
            return False
    return bool(tiny)


_F64 = np.dtype(np.float64)


def _zero_d_as_given(res, primals, wrt, many):
    """(∇f, H v) with a 0-d array of its dtype for a primal leaf given as one (top-level or inside a pytree), as
    dl.grad and the symbolic hvp answer: the forward outer methods gave Python floats there (float64 ones for a
    float32 leaf of a dict), reverse-over-reverse a float and a 0-d array."""
    zero_d = [[x if type(x) is np.ndarray and x.ndim == 0 else None for x in tree.flatten(primals[i])[0]] for i in wrt]
    if all(x is None for xs in zero_d for x in xs):
        return res

    def fix(b, xs):
        leaves, td = tree.flatten(b)
        if len(leaves) != len(xs):  # (not the primal's structure: left as it came)
            return b
        return td.unflatten([y if x is None else _like(y, x) for y, x in zip(leaves, xs)])

    def fix_all(r):
        parts = [fix(b, xs) for b, xs in zip(r, zero_d)]
        return tuple(parts) if many else parts[0]

    return tuple(fix_all(r if many else (r,)) for r in res)


def _like(y, x):
    """y, a derivative at the 0-d array x, as a 0-d array of x's float dtype (a traced value is left as it is)."""
    if isinstance(y, Traced):
        return y
    y = np.asarray(y)
    return y.astype(x.dtype) if y.dtype.kind == x.dtype.kind == "f" and y.dtype != x.dtype else y


def _nan_along_nonfinite(primals, tangents, hv):
    """H v as dl.hessian has H at a NaN/inf input (its row and column NaN): NaN in that entry, and
    everywhere when v moves it. (The outer sweeps alone gave 0 there: x·0 has H = 0 in exact math.)"""
    xs, vs = tree.flatten(tuple(primals))[0], tree.flatten(tuple(tangents))[0]
    bad = [~np.isfinite(np.asarray(x, dtype=float)) if not isinstance(x, Traced) else False for x in xs]
    if not any(np.any(b) for b in bad):
        return hv
    leaves, td = tree.flatten(hv)
    moved = any(np.any(np.asarray(v)[b] != 0) for v, b in zip(vs, bad) if np.any(b) and not isinstance(v, Traced))
    out = [np.full(np.shape(h), np.nan) if moved else np.where(b, np.nan, h) for h, b in zip(leaves, bad)]
    out = [float(o) if type(h) is float else o for o, h in zip(out, leaves)]
    return tree.unflatten(td, out)


def prepare_hvp(f, *example_primals, method="reverse") -> PreparedHvp:
    """Stage `f`'s Hessian-vector product once; call the result as `p(primals, tangents)`.

    Shape contract: as `hvp`.

    >>> import difflab as dl, numpy as np
    >>> p = dl.prepare_hvp(lambda x: (x ** 3.0).sum(), np.ones(2))
    >>> [h.tolist() for h in p((np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))]
    [[3.0, 12.0], [6.0, 0.0]]
    """
    check_function(f, "prepare_hvp")
    p = PreparedHvp(f, len(example_primals), method)
    if example_primals:
        p(example_primals, tuple(tree.tree_map(np.zeros_like, x) for x in example_primals))
    return p


def hvp(f, primals, tangents, method="reverse"):
    """(∇f(x), H v) for scalar `f` at `x = primals`, without forming the Hessian H.

    `method`: "reverse" (default: forward-over-reverse, a dual-number sweep of the reverse-mode
    gradient, one gradient's cost times a small constant), "reverse-over-reverse" (the gradient of
    <∇f(x), v>), "forward" (forward-over-forward), "numeric" (a central difference of reverse-mode
    gradients along v), "symbolic" (its native Hessian times v: it does form H), a pair
    (outer, inner) as for `dl.hessian`, or a configured differentiator (`dl.Numeric(scheme="richardson")`:
    its name's pair, the object in its name's place).

    Shape contract: `primals` and `tangents` are tuples of pytrees of the same structure and
    shapes; with one primal the results are shaped like it, else tuples with one per primal.

    >>> import difflab as dl, numpy as np
    >>> g, hv = dl.hvp(lambda x: (x ** 3.0).sum(), (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))
    >>> g.tolist(), hv.tolist()
    ([3.0, 12.0], [6.0, 12.0])
    """
    check_function(f, "hvp")
    api.check_sequences("hvp", primals, tangents)
    if not primals:  # (was max()'s "arg is an empty sequence")
        raise ValueError(f"hvp of {_name(f)}: no primals: the gradient and H v need the point, one primal per argument")
    return PreparedHvp(f, len(tuple(primals)), method)(primals, tangents)


# -- 4. linearize: f(x) and a JVP function that only runs the tangent part --------------------


class Linearized:
    """The linear map v -> J v of f at a fixed x (from `linearize`): calling it runs only the
    stored tangent part, never f. `transpose()` gives u -> Jᵀ u (see `linear_transpose`).

    Attributes: `method`, `graph` (the tangent part as a graph, "forward" only), `residuals` (the
    primal values it reads) or `matrix` (the stored Jacobian, "reverse"/"symbolic"), `calls`.
    """

    def __init__(self, st, method, graph=None, residuals=None, matrix=None, said=None):
        self._st, self.method, self.graph, self.residuals, self.matrix = st, method, graph, residuals, matrix
        self._said = Collector() if said is None else said  # what the linearisation already warned of
        self._name = "f"
        self._fn = lower(graph) if graph is not None else None
        self._outs, self._x, self._prep = None, (), None  # (_prep: the prepared derivative, `_lifted`'s)
        self._aux = False  # linearize(has_aux=True): f's output is the pair (out, aux), the map is out's
        self.calls = 0

    def _flat_tangent(self, tangents):
        try:
            return api._flat_like(self._st, tangents, "tangents")
        except ValueError as err:
            raise ValueError(f"the linearisation of {self._name}: {err}") from None

    def __call__(self, *tangents, **by_name):
        """J v for tangents shaped like the primals (one per primal); the result is shaped like f's output."""
        if by_name:  # (was Python's "Linearized.__call__() got an unexpected keyword argument")
            raise TypeError(
                f"the linearisation of {self._name} takes its tangents positionally, one per primal; got keyword "
                f"argument(s) {', '.join(repr(k) for k in by_name)}"
            )
        if len(tangents) != len(self._st.argnums):
            raise ValueError(f"the linearised function takes {len(self._st.argnums)} tangents, got {len(tangents)}")
        v = self._flat_tangent(tangents)
        self.calls += 1
        large = self._prep is not None and type(v) is np.ndarray and v.dtype == _F64 and v.size > 0
        large = large and np.abs(v).max() >= 2.0**25  # (one pass: an ordinary call lifts nothing)
        if self._fn is not None:
            parts = split_vec(v, self._st.wrt_shapes())
            jv = self._said.run(self._tangent_part, parts)
            jv = self._said.run(self._lifted, v, jv) if large else jv
        else:
            jv = strong_matmul(self.matrix, v)
            jv = _split_out(self._outs, self._said.run(self._lifted, v, jv) if large else jv)
        result = self._st.outputs(self._nan_where_undefined(list(jv), v))
        return result[0] if self._aux else result

    def _nan_where_undefined(self, jv, v):
        """As dl.jvp: NaN for outputs that are not finite (outside an op's domain: no derivative),
        and everywhere along a direction that moves a NaN/inf input."""
        if isinstance(v, Traced) or any(isinstance(j, Traced) for j in jv):
            return jv
        bad = _nonfinite(self._outs)
        cols = _nonfinite([self._x[i] for i in self._st.wrt])
        if bad is None and (cols is None or not (v[cols] != 0).any()):
            return jv
        flat = np.concatenate([np.ravel(np.asarray(j, dtype=float)) for j in jv])
        flat = np.where(bad, np.nan, flat) if cols is None or not (v[cols] != 0).any() else np.full(flat.shape, np.nan)
        return list(_split_out(self._outs, flat))

    def _lifted(self, v, jv):
        """J v (flat, or forward's parts) with its entries below float64's normal range lifted as dl.jvp's are: the
        stored J's (reverse, symbolic) by `base._lifted` (J swept again at scaled seeds, or its closed form in 40 and 80
        digits), forward's tangent program's by the prepared JVP itself, which lifts its own rows. Why: exp's stored
        partial or residual e^-800 is 0, so J v of exp(-x) at [800, 1] along [3e200, 1] was 0 for -1.1e-147, silently.
        Gates (`_lifted`'s bar): v concrete with an entry of 2^25 or more (one pass), an entry of J v below the range,
        a graph with an op that may lift; an ordinary call sweeps nothing again."""
        prep = self._prep
        if prep is None or isinstance(v, Traced) or np.iscomplexobj(v) or not v.size:
            return jv
        if self._fn is None:
            return _lifted(prep, self._x, self.matrix, v, jv) if not isinstance(self.matrix, Traced) else jv
        return self._as_plain(v, jv, lambda: _split_out(self._outs, prep.jvp(self._x, v)[1]))

    def _as_plain(self, w, got: list, plain) -> list:
        """`got` (leaves) with its entries below the normal range taken from `plain()` (the prepared product, which
        lifts them: dl.jvp's, dl.vjp's) where that is normal and finite; called only where w (flat, concrete) has an
        entry of 2^25 or more, got one below the range and the graph an op that may lift."""
        if not 2.0**25 <= float(np.max(np.abs(w))) < np.inf or not _has_tiny(got) or not _may_lift_prepared(self._prep):
            return got
        try:
            with trial_warnings(), np.errstate(all="ignore"):  # (the linearisation said its warnings)
                again = plain()
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            return got
        out = []
        for a, p in zip(got, again):
            p = np.asarray(p, dtype=float)
            take = (np.abs(a) < _TINY) & np.isfinite(p) & (np.abs(p) >= _TINY)
            out.append(a if not np.any(take) else (float(p) if type(a) is float else np.where(take, p, a)))
        return out

    def _tangent_part(self, parts):
        if any(isinstance(a, Traced) for a in [*self.residuals, *parts]):  # inside an outer derivative: recorded
            return evaluate(self.graph, *self.residuals, *parts)
        with np.errstate(invalid="raise", divide="raise"):
            try:
                return self._fn(*self.residuals, *parts)
            except FloatingPointError:  # a value left an op's domain: the interpreter names the equation
                return evaluate(self.graph, *self.residuals, *parts)

    def transpose(self):
        return linear_transpose(self)


def linearize(f, *primals, method="forward", has_aux=False, **kwargs):
    """(f(primals), jvp_fn): f's value and its linearisation at `primals`, evaluated once; with
    `has_aux=True` (JAX's) f returns (out, aux) and the result is (out, jvp_fn, aux), jvp_fn of out alone.

    `jvp_fn(*tangents)` gives J v from what was stored, without tracing or evaluating f again.
    "forward" (default) traces the dual-number sweep once, splits it into the primal part (run
    now) and the tangent part (a graph linear in v, kept with the primal values it reads) and runs
    only the latter per call. "reverse" and "symbolic" store the Jacobian (m backward sweeps or
    the symbolic Jacobian, once); "numeric" cannot linearise: every stencil evaluates f again.

    Shape contract: tangents shaped like the primals; J v shaped like f's output.

    >>> import difflab as dl
    >>> y, f_jvp = dl.linearize(lambda x: x ** 3.0, 2.0)
    >>> y, f_jvp(1.0), f_jvp(0.5)
    (8.0, 12.0, 6.0)
    """
    if kwargs:  # (f's keyword arguments: JAX's linearize takes only positional primals too)
        raise TypeError(
            f"linearize(f, *primals) takes f's arguments positionally (as JAX's), got keyword argument(s) "
            f"{', '.join(map(repr, kwargs))}: bind them first, linearize(functools.partial(f, "
            f"{', '.join(f'{k}=...' for k in kwargs)}), *primals), or pass them as primals"
        )
    check_function(f, "linearize")
    said = Collector()  # its calls do not repeat the warnings of the linearisation
    if not flag("linearize", "has_aux", has_aux):
        return said.run(_linearize, f, primals, method, said)
    (out, aux), lin = said.run(_linearize, _WithAux(f, "linearize"), primals, method, said)
    lin._aux = True  # the pair's linearisation, seen as out's alone (aux's tangent dropped, its cotangent 0)
    return out, lin, aux


def _linearize(f, primals, method, said):
    m = get_method(method)
    if not m.traceable_tangent:
        raise ValueError(
            f"linearize cannot use the {m.name} method: its J v is a stencil of f's values, so each "
            "call would evaluate f again; use 'forward', 'reverse' or 'symbolic'"
        )
    t = api._Transform(f, tuple(range(len(primals))), m)
    st, prep = t.staged(primals)
    # its own copy of the point: the stored values (x[::-1] is a view) must not move when the caller writes into x
    x = [a.copy() if type(a) is np.ndarray else a for a in st.inputs(primals)]
    if m.native != "jvp":  # store the Jacobian (traced inside an outer derivative: the map stays differentiable)
        outs, J = prep.jacobian(x)
        lin = Linearized(st, m.name, matrix=J if isinstance(J, Traced) else np.asarray(J), said=said)
        lin._outs, lin._name, lin._x, lin._prep = outs, _name(f), x, prep
        return st.outputs(outs), lin
    from .differentiators.forward import push

    graph = st.graph
    wrt = [graph.inputs[i] for i in st.wrt]
    example = [np.asarray(a, dtype=float) if np.isscalar(a) else a for a in x]
    tangents0 = [np.zeros(s) for s in st.wrt_shapes()]

    def sweep(*xs):
        args, ts = xs[: len(x)], xs[len(x) :]
        duals = push(graph, args, dict(zip(wrt, ts)))
        outs = [d.primal for d in duals]
        return [*outs, *[d.tangent if d.tangent is not None else np.zeros(np.shape(d.primal)) for d in duals]]

    tr, tracers, out_leaves = trace_flat(sweep, example + tangents0)
    joint = outputs_of(tr, tracers, out_leaves)
    early, late = split_graph(joint, joint.inputs[len(x) :], len(graph.outputs))
    if any(isinstance(a, Traced) for a in x):  # inside an outer derivative: its residuals are traced
        res = evaluate(early, *x)
    else:
        with np.errstate(invalid="raise", divide="raise"):
            try:
                res = lower(early)(*x)
            except FloatingPointError:  # a value left an op's domain: the interpreter names the equation
                res = evaluate(early, *x)
    outs, residuals = list(res[: len(graph.outputs)]), list(res[len(graph.outputs) :])
    lin = Linearized(st, "forward", graph=late, residuals=residuals, said=said)
    lin._outs, lin._name, lin._x, lin._prep = outs, _name(f), x, prep
    return st.outputs(outs), lin


def _same_layout(st, primals):
    """A linearisation's transpose given JAX's primals (arrays or ShapeDtypeStructs): one per linearised argument,
    each of its argument's structure and shapes (was refused whatever they were: a valid JAX call)."""
    if len(primals) != len(st.argnums):
        raise TypeError(
            f"linear_transpose of a dl.linearize result takes no primals or one per linearised argument "
            f"({len(st.argnums)}), got {len(primals)}"
        )
    leaves = []
    for a, p in zip(st.argnums, primals):
        lv, td = tree.flatten(p)
        if td != st.arg_trees[a]:
            raise ValueError(
                f"linear_transpose: primal {a} has structure {td} but the linearised one has {st.arg_trees[a]}"
            )
        leaves += lv
    for x, s in zip(leaves, st.wrt_shapes()):
        if tuple(getattr(x, "shape", np.shape(x))) != tuple(s):
            raise ValueError(
                f"linear_transpose: a primal of shape {tuple(getattr(x, 'shape', np.shape(x)))} where the linearised "
                f"one has shape {tuple(s)}"
            )


def linear_transpose(lin, *primals, method="reverse", reduce_axes=()):
    """u -> Jᵀ u from a `linearize` result: the transpose of the stored linear map, with no new
    evaluation of f ("forward": the reverse sweep of the stored tangent graph, which is linear in
    v; "reverse"/"symbolic": the stored matrix transposed); JAX's `linear_transpose(f_jvp, *primals)` too, its
    primals (arrays or ShapeDtypeStructs) checked for the linearised arguments' structures and shapes, their values
    unread. Or JAX's form, `linear_transpose(f, *primals)`:
    f linear (a constant term is dropped, as JAX's does), the primals giving its arguments' structures and
    shapes only; Jᵀu is f's pullback by `method`, checked at two points (a nonlinear f is refused by name).

    Shape contract: u shaped like f's output; the result a tuple with one cotangent per primal.

    >>> import difflab as dl, numpy as np
    >>> y, f_jvp = dl.linearize(lambda x: x * np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    >>> [c.tolist() for c in dl.linear_transpose(f_jvp)(np.array([1.0, 1.0]))]
    [[1.0, 2.0]]
    >>> dl.linear_transpose(lambda x, y: 2.0 * x + y[0], 1.0, (2.0,))(1.0)
    (2.0, (1.0,))
    """
    _no_reduce_axes("linear_transpose", reduce_axes)
    if not isinstance(lin, Linearized):
        return _transpose_of(lin, primals, method)
    st = lin._st
    if primals:  # JAX's `linear_transpose(f_jvp, *primals)`: they give structures and shapes only (it holds its point)
        _same_layout(st, primals)
    if lin.matrix is None:
        from .differentiators.reverse import Reverse

        k = len(lin.residuals)
        prep = Reverse(compiled=False).prepare(lin.graph, tuple(range(k, len(lin.graph.inputs))))
        zeros = [np.zeros(s) for s in st.wrt_shapes()]
        _, pullback = prep.vjp(list(lin.residuals) + zeros)
    else:
        matrix = lin.matrix

        def pullback(u):
            return strong_matmul(u, matrix)

    out_tree = st.out_tree.children[0] if lin._aux else st.out_tree

    def transposed(*us):
        if len(us) != 1:  # (Python's own error named `linear_transpose.<locals>.transposed`)
            raise TypeError(
                f"the transposed linearisation of {lin._name} takes one cotangent, shaped like the function's output "
                f"(a tuple for a tuple of outputs), got {len(us)} arguments"
            )
        leaves, td = tree.flatten(us[0])
        if td != out_tree:
            raise ValueError(f"the cotangent's structure {td} does not match the output's {out_tree}")
        leaves += [np.zeros(np.shape(o)) for o in lin._outs[len(leaves) :]]  # has_aux: aux's cotangent is 0
        for leaf, o in zip(leaves, lin._outs):
            _numeric_leaf(leaf, "a cotangent")  # (a str was "cotangent of shape ()")
            if np.shape(leaf) != np.shape(o):
                raise ValueError(f"cotangent of shape {np.shape(leaf)} for an output of shape {np.shape(o)}")
            if np.iscomplexobj(leaf) and not np.iscomplexobj(o):  # (its imaginary part was dropped)
                raise TypeError(
                    "a complex cotangent for a real output: a real output's cotangent is real (take its real part)"
                )
        if any(isinstance(a, Traced) for a in [*leaves, lin.matrix, *(lin.residuals or ())]):
            # inside an outer derivative (a traced linearisation or cotangent): recorded, no NaN marking
            flat = dnp.concatenate([dnp.ravel(a) for a in leaves]) if len(leaves) > 1 else dnp.ravel(leaves[0])
            return st.unflatten_wrt(st.split_flat(pullback(flat)))
        flat_u = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in leaves])
        g = np.array(pullback(flat_u), dtype=float)
        if lin._prep is not None and flat_u.size and not np.iscomplexobj(lin.matrix):  # (u [3e200, 1]: as dl.vjp's)
            g = lin._as_plain(flat_u, [g], lambda: [np.ravel(lin._prep.vjp(lin._x)[1](flat_u))])[0]
        # as dl.vjp's pullback: a cotangent on an output with no derivative, or a NaN/inf input
        bad, cols = _nonfinite(lin._outs), _nonfinite([lin._x[i] for i in st.wrt])
        if bad is not None and (flat_u[bad] != 0).any():
            g[:] = np.nan
        if cols is not None:
            g[cols] = np.nan
        return st.unflatten_wrt(st.split_flat(g))

    return transposed
