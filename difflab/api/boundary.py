"""The API boundary: what every operator checks and how arguments become a graph's flat inputs.

Argnums validation and leaf kinds (float leaves are traced inputs, the rest static and baked into
the graph) in one `Signature`, built by flattening the arguments once: `inputs(args)` gives a
call's graph inputs, `check(args)` checks a call against it first, `rebuild(parts)` gives the
derivative the structure of the differentiated arguments. `stage` traces f at a signature (a
`Staged`: the graph, its signature, the output's structure, what the trace read). And the checks
of DESIGN.md §6 shared by every operator: keyword arguments, dtypes, what f returns,
NaN rows and columns of a derivative where an output or an input is not finite, and results that
never alias an input.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .. import numpy as dnp
from ..errors import DifflabError, TracerConversionError, UnsupportedOperationError
from .. import tree
from ..compile import reader
from ..compile.graphs import lower
from ..compile.reader import narrow
from ..compile.reads import Opaque, _Ident, fingerprint, reads_of
from ..differentiators.base import split
from ..differentiators.pieces import note_check, reuse_stack
from ..errors import collecting, warn_domain, warn_domain_unplaced
from ..ops.core import all_surely_finite, surely_finite
from ..ops.elementwise import finite_or_nan
from ..graph import Const, Graph, Traced, Var, evaluate, picked, prune
from ..graph import refuse_array_subclass as _refuse_masked
from ..trace import STORED, Tracer, check_returned, flatten_returned, hand_guard, outputs_of, specialise_enclosing
from ..trace import trace_flat


# -- validation at the boundary: every operator checks its call the same way ----------------------


def _public_call(call):
    """An operator's `__call__`: keyword arguments are refused by name, and the DomainWarnings of
    the call are issued once per equation, pointing at the caller's line (errors.collecting)."""

    @functools.wraps(call)
    def checked(self, *args, **kwargs):
        if kwargs:
            _refuse_kwargs(getattr(self, "__name__", "the function"), kwargs)
        return collecting(call, self, *args)

    return checked


def autograd_argnum(name, argnums, argnum):
    """argnums, or HIPS autograd's spelling of it, `argnum=` (`grad(f, argnum=(0, 1))` in autograd's examples was
    Python's "unexpected keyword argument"); both given is a TypeError naming them.

    >>> autograd_argnum("grad", 0, (0, 1))
    (0, 1)
    """
    if argnum is None:
        return argnums
    if not (type(argnums) is int and argnums == 0):
        raise TypeError(f"{name}: give argnums (JAX's spelling) or argnum (autograd's), not both")
    return argnum


def _refuse_kwargs(name, kwargs):
    keys = ", ".join(map(repr, kwargs))
    raise TypeError(
        f"keyword argument(s) {keys} passed to the differentiated function {name}: difflab passes "
        "positional arguments only; bind the others first (functools.partial or a lambda)"
    )


def _nonfinite(outs):
    """Flat mask of the output entries that are NaN or ±inf; None when all are finite (checked
    cheaply: this runs on every call) or some are traced (then see `_poison`)."""
    if all_surely_finite(outs):
        return None
    if any([isinstance(o, Traced) for o in outs]):
        return None
    bad = np.concatenate([~np.isfinite(np.ravel(o)) for o in outs]) if outs else np.zeros(0, bool)
    return bad if bad.any() else None


def _poison_traced(d, out):
    """d, NaN where the traced scalar `out` is NaN or inf (it raises no flag). A product with 1 or
    NaN (the registry's `finite_or_nan`), not a `where`: an outer derivative of d is then NaN there
    too (where's would be 0: a Hessian-vector product of 0 outside the domain). Its own op, not
    `|out| < inf`: under an outer symbolic method `out` is a real SymPy symbol, and that comparison
    would fold to True before any number is known."""
    if not isinstance(out, Traced):
        return d
    return d * finite_or_nan(out)


def _poison_traced_flat(jv, outs):
    """A traced J v (flat, the outputs' entries in order), NaN where a traced output is NaN or inf, as `jvp_at` does
    for concrete ones: under vmap the trace's values are the first row's (a later row's log(-1) gave a finite J v)."""
    if not any(isinstance(o, Traced) for o in outs):
        return jv
    return jv * finite_or_nan(_real_flat(outs))


def _poison_traced_pullback(g, outs, u):
    """A pullback's uᵀJ, NaN where a traced output that u weighs (u != 0) is NaN or inf, as `vjp_at` does for
    concrete ones: under vmap the trace's values are the first row's (a later row's log(-1) gave a number)."""
    if not any(isinstance(o, Traced) for o in outs):
        return g
    flat = _real_flat(outs)
    return g * (1.0 + dnp.sum(finite_or_nan(dnp.where(u != 0, flat, 0.0)) - 1.0))  # (1, or NaN)


def _real_flat(outs):
    """The outputs' entries, flat, real: a complex entry as the mean of its parts, NaN or inf where either part is
    (finite_or_nan has no complex SymPy form: a symbolic vjp nested through eig refused it)."""
    flat = dnp.concatenate([dnp.reshape(o, (-1,)) for o in outs])
    return 0.5 * dnp.real(flat) + 0.5 * dnp.imag(flat) if np.iscomplexobj(flat) else flat


def _poison_traced_rows(jac, outs):
    """The traced Jacobian (m, n), its rows NaN where a traced output is NaN or inf, as `_nan_rows`
    does for concrete ones (a product with 1 or NaN, as in `_poison_traced`). A concrete jac too: a linear graph's
    constant Jacobian (forward's, of a gradient poisoned at an infinite value) was vmap's 1s or 0s where the call
    alone is NaN (issue 11)."""
    if not any(isinstance(o, Traced) for o in outs):
        return jac
    return jac * dnp.reshape(finite_or_nan(_real_flat(outs)), (-1, 1))


def _nan_rows(jac, bad, cols=None):
    """The Jacobian (m, n) with NaN rows where the output is not finite and NaN columns where the
    input is not (DESIGN.md §6: a value outside an op's domain, or a NaN/inf input, has no
    derivative: every method answers NaN, as finite differences do, never a finite number)."""
    if (bad is None and cols is None) or isinstance(jac, Traced):
        return jac
    jac = np.array(jac, dtype=np.result_type(jac, float))  # (complex outputs: complex rows)
    if bad is not None:
        jac[bad] = np.nan
    if cols is not None:
        jac[:, cols] = np.nan
    return jac


_FLOAT_KINDS = {float}


def _nan_inputs(st, xs, parts, finite=None):
    """Gradient parts (one per differentiated leaf), NaN where that leaf's input is NaN or inf.
    `finite`: {Var: whether its value is finite} for inputs the method found out (not checked again)."""
    sig = st.signature
    wrt = sig.wrt  # (not Staged.wrt: a property's frame per read)
    if sig.wrt_floats:  # Python floats: their sum is finite when each one is (else, or an overflow: a loop)
        # (every input a Python float, a scalar net's: all of them summed, no pick of the differentiated ones)
        if math.isfinite(sum(xs) if sig.input_kinds == _FLOAT_KINDS else sum(picked(xs, wrt))):
            return parts
    elif finite:  # the common case, in one loop, of the inputs the method did not find finite
        inputs = st.graph.inputs
        if all(map(finite.get, map(inputs.__getitem__, wrt))):  # (each found finite: no list, no comprehension)
            return parts
        rest = [xs[i] for i in wrt if not finite.get(inputs[i])]
        if not rest or all_surely_finite(rest):
            return parts
    elif all_surely_finite([xs[i] for i in wrt]):
        return parts
    for k, i in enumerate(wrt):
        x = xs[i]
        if type(x) is float:
            if not math.isfinite(x):
                parts[k] = math.nan if type(parts[k]) is float else np.full(np.shape(parts[k]), np.nan)
                _say_infinite_input(k, x)
        elif isinstance(x, np.ndarray) and not surely_finite(x) and not np.isfinite(x).all():
            parts[k] = np.where(np.isfinite(x), parts[k], np.nan)
            _say_infinite_input(k, x)
    return parts


def _say_infinite_input(k: int, x) -> None:
    """A DomainWarning where differentiated leaf `k` holds ±inf (DESIGN.md §6: NaN with a DomainWarning, as a point
    outside an op's domain): the gradient of exp(-x·x) at inf was NaN, said by nothing (issue 11; JAX gives nan too,
    silently). A NaN input's NaN derivative needs no word: the value is NaN too."""
    entries = np.flatnonzero(np.isinf(np.ravel(x)))
    if entries.size:
        where = "" if np.ndim(x) == 0 else f" (entry {int(entries[0])}{' and others' if entries.size > 1 else ''})"
        warn_domain(
            f"(input {k})",
            f"differentiated input {k} is infinite{where}: there is no derivative at an infinite point, so its "
            "gradient is NaN there (even where the function has a limit, exp(-x*x)' -> 0: take it yourself)",
        )


def _say_infinite_value(graph: Graph, xs, loss) -> None:
    """A DomainWarning where a scalar function's value (`loss`; a list: its outputs', jacobian's, hessian's, jvp's) is
    ±inf, its derivative so NaN, and infinite data made it (an
    input or a constant: a log-domain sum over an all -inf set, logsumexp's -inf, was NaN unsaid; issue 11), which
    NumPy never warns of. Said only if no equation that left its domain (log(0)) says it better; an overflow from
    finite data NumPy says itself ('overflow encountered'), and a NaN value's NaN gradient needs no word, unless
    no input is NaN and a constant is (`_say_nan_constant`)."""
    if isinstance(loss, list):  # (a Jacobian's, Hessian's or JVP's outputs: their first infinite entry, if any)
        flat = [np.ravel(o) for o in loss if not isinstance(o, Traced)]
        loss = next((v[np.isinf(v)][0] for v in flat if np.isinf(v).any()), None)
        if loss is None and any(np.isnan(v).any() for v in flat):
            loss = np.nan
    if loss is None or np.ndim(loss) != 0:
        return
    if np.isnan(loss):
        _say_nan_constant(graph, xs)
        return
    if not np.isinf(loss):
        return
    data = [x for x in xs if not isinstance(x, Traced)]
    data += [a.value for e in graph.eqns for a in e.args if isinstance(a, Const) and not isinstance(a.value, Traced)]
    if any(np.asarray(v).dtype.kind in "fc" and np.isinf(v).any() for v in data):
        warn_domain_unplaced(
            "(value)",
            f"the function's value is {float(loss)} (from an infinite input or constant): there is no derivative "
            "at an infinite value, so its derivative there is NaN (where it has a limit there, take it yourself)",
        )


def _say_nan_constant(graph: Graph, xs) -> None:
    """A DomainWarning where f's value is NaN, no input is, and a constant of the graph is: a constant f computed
    outside its op's domain before the trace saw it (x + np.sqrt(-1.0): sqrt of a number, no equation) is NaN
    without a word, NumPy's own warning being the trace's to note (issue 11: a NaN value and gradient, unsaid)."""
    for x in xs:
        if not isinstance(x, Traced) and np.asarray(x).dtype.kind in "fc" and np.isnan(x).any():
            return  # (a NaN input's NaN needs no word)
    for e in graph.eqns:
        for a in e.args:
            if isinstance(a, Const) and not isinstance(a.value, Traced):
                v = np.asarray(a.value)
                if v.dtype.kind in "fc" and np.isnan(v).any():
                    warn_domain_unplaced(
                        "(value)",
                        f"the function's value is NaN from a NaN constant in `{str(e).split(' : ')[0]}` (no input is "
                        "NaN): a constant f computed outside its op's domain (np.sqrt(-1.0), np.log(-1.0) of numbers, "
                        "before the trace sees them) is NaN, and so is the derivative",
                    )
                    return


def _own(values, graph: Graph, inputs=()):
    """Results of their own: never an input, a constant, a view of either or another result."""
    out, seen = [], {id(x) for x in inputs if isinstance(x, np.ndarray)}
    for o, v in zip(values, graph.outputs):
        if type(o) is np.ndarray and (
            o.base is not None or not o.flags.writeable or id(o) in seen or not isinstance(v, Var) or v in graph.inputs
        ):
            o = o.copy()
        seen.add(id(o))
        out.append(o)
    return out


def _own_parts(parts, inputs):
    """Gradient parts of their own: never an input or a view of anything (a part that is a view of
    an intermediate is copied too: cheaper than finding out whose), never read-only, never another
    part. The general path's check; the common case's guarded code knows it from the program."""
    seen = set(map(id, inputs))  # (all alive here: ids are unique, and no part is a non-array input)
    for k, p in enumerate(parts):
        if type(p) is np.ndarray:
            if p.base is not None or not p.flags.writeable or id(p) in seen:
                parts[k] = p = p.copy()
            seen.add(id(p))
    return parts


# -- the signature: argument pytrees <-> a graph's flat inputs, flattened once --------------------

_F64 = np.dtype(np.float64)


def _check_argnums(argnums, nargs):
    __tracebackhide__ = True  # (pytest: the oracle's checks call it; the caller's frame is what matters)
    many = isinstance(argnums, (tuple, list))
    nums = tuple(argnums) if many else (argnums,)
    for a in nums:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            # dl.grad(f, "numeric") reads as the method to a new user; JAX's second positional is argnums
            hint = f"; a method is passed by keyword: method={argnums!r}" if isinstance(argnums, str) else ""
            raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}{hint}")
        if not -nargs <= a < nargs:
            raise ValueError(f"argnums {a} is out of range for a function called with {nargs} arguments")
    nums = tuple(int(a) % nargs for a in nums)
    # a repeated argument would get one derivative slot per mention, and the methods filled them
    # differently ((0, 2) for x² + 3y at argnums (0, 0) by forward and numeric): refused, as is none
    if not nums:  # (no primals: jvp, vjp and linearize differentiate every argument, here none)
        given = " (the function was given no arguments: pass the point, one primal per argument)" if not nargs else ""
        raise ValueError(f"argnums {argnums!r} names no argument to differentiate{given}")
    if len(set(nums)) != len(nums):
        twice = next(a for a in nums if nums.count(a) > 1)
        raise ValueError(f"argnums {argnums!r} names argument {twice} twice; name each argument once")
    return nums, many


def _leaf_kind(x, name):
    """'input' for float values (traced), 'static' for everything else (baked into the graph)."""
    if type(x) is float or type(x) is np.ndarray and x.dtype.kind == "f":  # the common leaves, first
        return "input"
    if isinstance(x, Traced):
        return "input"
    if isinstance(x, (bool, np.bool_)):
        return "static"
    if isinstance(x, (float, np.floating)) or (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        _refuse_masked(x)
        return "input"
    return "static"


def _signature_key(x):
    """What of an argument leaf a graph depends on: shape and dtype for the traced ones, the whole
    value (and type: 1, True and 1.0 differ) for the static ones, which are baked into the graph.
    Raises Opaque for a static leaf that cannot be compared (then nothing is cached)."""
    if type(x) is float:
        return ("float",)
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        _refuse_masked(x)
        return (x.shape, x.dtype)
    if isinstance(x, Traced):
        return ("traced", x.shape, x.dtype)
    if isinstance(x, (float, np.floating)):  # (a NumPy float32 scalar's results are float32: its own key)
        return _FLOAT_KEY if isinstance(x, float) else ("float", x.dtype)
    return ("static", fingerprint(x))


def signature_key(flat_args) -> tuple:
    """The cache key of a call's flattened arguments (`tree.flatten` of each): their structures and
    each leaf's `_signature_key`. Two calls with equal keys trace to the same graph, as long as
    what the trace read outside them is unchanged. Raises Opaque when a static leaf cannot be
    compared (then the call is traced afresh)."""
    # (the common leaves, a Python float or a float64 array, written out: no call per leaf)
    return _Key(
        [
            (
                td,
                tuple(
                    [
                        _FLOAT_KEY
                        if type(x) is float
                        else (x.shape, x.dtype)
                        if type(x) is np.ndarray and x.dtype is _F64
                        else _signature_key(x)
                        for x in lv
                    ]
                ),
            )
            for lv, td in flat_args
        ]
    )


_FLOAT_KEY = ("float",)


class _Key(tuple):
    """A signature key that hashes once: a tuple, equal to and hashed as the plain tuple of its items.

    Why: the key nests a TreeDef and an item per leaf, and a tuple's hash is not kept, so every
    lookup hashed it all again (a fresh transform looks its key up in `_SIGNATURES` and in its own
    cache and stores it there: ~1.2 µs each for the scalar net's 40 leaves, callgrind ~20k instructions)."""

    def __new__(cls, items):
        key = tuple.__new__(cls, items)
        key._hash = tuple.__hash__(key)
        return key

    def __hash__(self):
        return self._hash


class Signature:
    """How one call's arguments become a graph's flat inputs and how results get their structure.

    Built once per traced call from the flattened arguments: every float leaf (a Python float, a
    NumPy floating scalar or float array, a traced value) is a graph input, every other leaf is
    static (baked into the graph); `argnums` picks the differentiated arguments, whose leaves must
    all be floats. Shape contract: `inputs(args)` and `check(args)` give one value per graph input
    (float64 arrays or Python floats, in `input_pos` order); `rebuild(parts)` takes one array per
    differentiated leaf (`wrt`, in argnums order) and gives one pytree per argnum (a tuple of them
    when argnums was a tuple).

    >>> import numpy as np
    >>> sig = Signature(({"w": np.ones(2), "b": 0.5}, 3), argnums=0)
    >>> sig.input_pos, sig.wrt  # (argument, leaf) of each input: b, w; the int 3 is static
    ([(0, 0), (0, 1)], (0, 1))
    >>> sig.inputs(({"w": np.zeros(2), "b": 1.5}, 3))
    [1.5, array([0., 0.])]
    >>> sig.rebuild(sig.floats([np.float64(2.0), np.array([3.0, 4.0])]))
    {'b': 2.0, 'w': array([3., 4.])}
    >>> sig.check(({"w": np.zeros(3), "b": 1.5}, 3))
    Traceback (most recent call last):
    ValueError: prepared for arguments shaped ({'b': *, 'w': *} [(), (2,)], ()), called with ({'b': *, 'w': *} [(), (3,)], ()); prepare again for new shapes
    """

    def __init__(self, args, argnums=0, flat_args=None):
        self.argnums, self.many = _check_argnums(argnums, len(args))
        flat_args = flat_args or [tree.flatten(a) for a in args]
        self.arg_trees = [td for _, td in flat_args]
        self.input_pos: list = []  # (arg index, leaf index) of each graph input
        #: every leaf a Python float or a non-empty float64 array: each one an input, as it is
        self.plain = True
        statics = []
        for i, (leaves, _) in enumerate(flat_args):
            for j, x in enumerate(leaves):
                if type(x) is float or type(x) is np.ndarray and x.dtype is _F64 and x.size:
                    self.input_pos.append((i, j))  # an input, differentiable: the common leaves, first
                    continue
                self.plain = False
                kind = _leaf_kind(x, i)
                if i in self.argnums:
                    _check_differentiable(x, kind, i, j)
                if kind == "input":
                    self.input_pos.append((i, j))
                else:
                    statics.append(((i, j), x))
        # the differentiated leaves come in argnums order; `wrt` indexes the graph inputs
        wrt, self.wrt_float, self.wrt_zerod = [], [], []
        for a in self.argnums:
            for k, (i, j) in enumerate(self.input_pos):
                if i == a:
                    x = flat_args[i][0][j]
                    wrt.append(k)
                    self.wrt_float.append(
                        type(x) is float or isinstance(x, (float, np.floating)) and not isinstance(x, np.ndarray)
                    )
                    self.wrt_zerod.append(type(x) is np.ndarray and x.ndim == 0)  # its gradient a 0-d array too
        self.wrt = tuple(wrt)
        #: float32 (or float16) leaves, which difflab computes in float64: the inputs' dtypes for the outputs'
        #: promotion (`narrowing`) and each differentiated leaf's dtype for its derivative; None when none is
        self.in_dtypes, self.wrt_dtype = (None, None) if self.plain else _narrow_leaves(flat_args, self.input_pos, wrt)
        #: every differentiated leaf a Python float or NumPy float scalar (the inputs then hold Python floats)
        self.wrt_floats = bool(wrt) and all(self.wrt_float)
        self._shapes = [
            (td, [() if type(x) is float else x.shape if type(x) is np.ndarray else _shape(x) for x in lv])
            for lv, td in flat_args
        ]
        self._keys = [(td, [_shape_key(x) for x in lv]) for lv, td in flat_args]  # (shapes, and dtypes not float64)
        self._statics, self.functions, self.opaque = _static_keys(statics)
        #: the graph inputs' types as a set ({float}: a scalar net's weights) where every leaf is an input (`plain`): a
        #: call its generated reader read has leaves of these types, which trace_flat then need not ask again
        self.input_kinds = {type(x) for lv, _ in flat_args for x in lv} if self.plain else None
        self._read = self._build = self._args = None  # generated by `learn`
        self.cache_key = None  # (signature_key, argnums) when kept by `signature`

    def inputs(self, args) -> list:
        """The graph inputs of a call shaped like this signature's (floats as float64 or float)."""
        leaves = [tree.flatten(a)[0] for a in args]
        return [_as_float(leaves[i][j]) for i, j in self.input_pos]

    def check(self, args) -> list:
        """`inputs(args)`, after checking that `args` have this signature's structure and shapes
        and the same type and value for every static leaf (what `prepare` promises to check)."""
        return self.check_dtyped(args)[0]

    def check_dtyped(self, args) -> tuple:
        """(`check(args)`, whether every float leaf has the dtype it had here: `same_dtypes`)."""
        if len(args) != len(self._shapes):  # (not new shapes: "prepare again" was the wrong advice)
            raise TypeError(f"prepared for {len(self._shapes)} argument(s), called with {len(args)}")
        flat = [tree.flatten(a) for a in args]
        same = [(td, [_shape_key(x) for x in lv]) for lv, td in flat] == self._keys  # (the common case: one pass)
        if not same and [(td, [_shape(x) for x in lv]) for lv, td in flat] != self._shapes:

            def show(sig):
                return ", ".join(f"{td} {shapes}" if td.kind != tree.LEAF else str(shapes[0]) for td, shapes in sig)

            got = [(td, [np.shape(x) for x in lv]) for lv, td in flat]
            raise ValueError(
                f"prepared for arguments shaped ({show(self._shapes)}), called with ({show(got)}); "
                "prepare again for new shapes"
            )
        for (i, j), was in self._statics:  # baked into the graph: a new value needs a new graph
            if _static_key(flat[i][0][j]) != was:
                raise ValueError(
                    f"argument {i} (leaf {j}) is {flat[i][0][j]!r} now, not the value it had when "
                    "prepared; it is not a float, so it is baked into the graph: prepare again, or prepare with "
                    f"static_argnums={i} to keep one preparation per value (as jax.jit does)"
                )
        for i, j in self.input_pos:  # an int or bool where a float was prepared: refused as at preparation
            if i in self.argnums and _leaf_kind(flat[i][0][j], i) != "input":
                _check_differentiable(flat[i][0][j], "static", i, j)
        xs = [_as_float(flat[i][0][j]) for i, j in self.input_pos]
        return xs, same or self.same_dtypes([lv for lv, _ in flat])

    def same_dtypes(self, flat) -> bool:
        """Whether every float leaf of a call's flattened arguments (their leaves, per argument, shaped as this
        signature's) has the dtype it had here (float64 and Python floats alike; a traced one any): the
        results' dtypes follow them (out_dtypes, rebuild)."""
        was = [None if d is None or d == _F64 else d for d in self.in_dtypes or [None] * len(self.input_pos)]
        for (i, j), d in zip(self.input_pos, was):
            x = flat[i][j]
            if type(x) is float or type(x) is np.ndarray and x.dtype is _F64:  # (the common leaves, first)
                now = None
            elif isinstance(x, Traced):
                continue
            else:
                now = getattr(x, "dtype", None)
                now = None if now is None or now == _F64 else now
            if now != d:
                return False
        return True

    def rebuild(self, parts):
        """Per-differentiated-leaf arrays → one pytree per argnum (a tuple when argnums was a tuple); a float32
        leaf's derivative float32 (computed in float64, then rounded once)."""
        if self.wrt_dtype is not None:
            parts = [narrow(p, dt) for p, dt in zip(parts, self.wrt_dtype)]
        if not self.many:
            return self.arg_trees[self.argnums[0]].unflatten(parts)
        grads, k = [], 0
        for a in self.argnums:
            n = self.arg_trees[a].num_leaves
            grads.append(self.arg_trees[a].unflatten(parts[k : k + n]))
            k += n
        return tuple(grads)

    def floats(self, parts):
        """Python floats back for the leaves that were Python floats, 0-d arrays for 0-d arrays."""
        if not any(self.wrt_float) and not any(self.wrt_zerod):
            return parts
        return [
            float(p) if was_float and not isinstance(p, Traced) else reader.array0(p) if zerod else p
            for p, was_float, zerod in zip(parts, self.wrt_float, self.wrt_zerod)
        ]

    def learn(self, args):
        """Generate the fast reader and builder (compile.reader) from `args`, which must match (float32 arrays
        are read in float64 and their derivatives rounded to float32, as `inputs` and `rebuild` do)."""
        if self._read is None:
            try:
                self._read, self._build, self._args = reader.generate(self, args)
            except Opaque:  # a static leaf that cannot be compared: always the general path
                pass

    def fast(self, args):
        """The graph inputs when `args` match the learnt call exactly (same containers, float64
        arrays of the same shapes, the very same static leaves), else None."""
        return self._read(args) if self._read is not None else None

    def build(self, parts):
        """`rebuild(floats(parts))` by the generated builder: only after `fast` read the call."""
        return self._build(parts)

    def reader(self):
        """The generated reader itself (`fast` without the method call), or None before `learn`."""
        return self._read

    def builder(self):
        """The generated builder itself (`build` without the method call), or None before `learn`."""
        return self._build


def _narrow_leaves(flat_args, input_pos, wrt) -> tuple:
    """(in_dtypes, wrt_dtype) of `Signature`: per graph input its dtype for NumPy's promotion (None for a Python
    float, which is weak, or a traced value), per differentiated leaf the dtype its derivative gets (None:
    float64's); both None when every float leaf is float64 or a Python float."""
    in_dtypes = []
    for i, j in input_pos:
        x = flat_args[i][0][j]
        in_dtypes.append(None if type(x) is float or isinstance(x, Traced) else np.dtype(x.dtype))
    if all([d is None or d == _F64 for d in in_dtypes]):
        return None, None
    return in_dtypes, [in_dtypes[k] if in_dtypes[k] != _F64 else None for k in wrt]


def out_dtypes(graph: Graph, in_dtypes, weak=()) -> list:
    """Per output of `graph`, the dtype NumPy's promotion gives it from the inputs it depends on (`in_dtypes`:
    Signature.in_dtypes) and the constants it meets: a float64 array or NumPy float64 made inside f promotes a
    float32 result in NumPy, a Python float does not (it is weak), nor do the constants a difflab.numpy function
    made itself (ids in `weak`: Trace.weak); an op with a dtype of its own (astype) sets it. An integer array or
    NumPy integer promotes as NumPy's (float32 · int64 is float64) where an arithmetic op (elementwise or
    multilinear) takes it as a number, not where it is an index, a count or a flag (its `domain` entry
    "integer" or "bool", or any other op's). None: float64's, as computed."""
    of = {v: d for v, d in zip(graph.inputs, in_dtypes) if d is not None and d.kind in "fc"}  # (an int: weak)
    for eqn in graph.eqns:
        op = eqn.op
        if op.result_dtype is not None:
            of[eqn.out] = op.result_dtype(**eqn.kw)
            continue
        if op.resolve_dtype is not None:  # (SciPy's type resolution, not NumPy's promotion)
            of[eqn.out] = _resolved(op, eqn, of, weak)
            continue
        numbers = op.elementwise or op.index is not None
        ds = [
            of.get(a) if isinstance(a, Var) else _strong_dtype(a, weak, numbers and _a_number(op, k))
            for k, a in enumerate(eqn.args)
        ]
        ds = [d for d in ds if d is not None and d.kind in "fciu"]
        of[eqn.out] = _of_kind(np.result_type(*ds) if ds else None, eqn.out.dtype.kind)
    dts = [of.get(o) if isinstance(o, Var) else None for o in graph.outputs]
    return [d if d is not None and d != _F64 else None for d in dts]


def _resolved(op, eqn, of: dict, weak):
    """out_dtypes of an op with a `resolve_dtype` of its own: asked with each argument's dtype (a Python number:
    its type, int or float; a difflab.numpy function's own constant: none, float64's as computed)."""
    ds = [
        (of.get(a) or a.dtype)
        if isinstance(a, Var)
        else (None if id(a.value) in weak else getattr(a.value, "dtype", type(a.value)))
        for a in eqn.args
    ]
    found = None if None in ds else op.resolve_dtype(*ds)
    return found if found is not None and found != _F64 and found.kind == eqn.out.dtype.kind else None


def _of_kind(found, kind: str):
    """The promoted dtype `found` (None: weak) as the result's kind: a real one's complex counterpart for a
    complex result (float32 + 0j is complex64), a complex one's real part for a real result (complex64's real
    part is float32), float64 where only integers met weak floats (NumPy's default float, not weak); None
    for a result that is not a number (a comparison's)."""
    if kind not in "fc" or found is None:
        return None
    if found.kind not in "fc":
        return _F64
    if found.kind != kind:
        return np.result_type(found, np.complex64) if kind == "c" else np.finfo(found).dtype
    return found


def _a_number(op, k: int) -> bool:
    """Whether argument k of an arithmetic op is a number NumPy promotes with (not an order or a condition)."""
    return k >= len(op.domain) or op.domain[k] != "bool"


def _strong_dtype(a, weak, integers=False):
    """The dtype a constant operand takes part in NumPy's promotion with: a NumPy array's or scalar's (an
    integer one's only where `integers`); None for a Python number (weak) and for a difflab.numpy function's
    own constant."""
    v = a.value if isinstance(a, Const) else None
    if not isinstance(v, (np.ndarray, np.generic)) or id(v) in weak:
        return None
    return v.dtype if integers or v.dtype.kind not in "iub" else None


def _static_keys(statics) -> tuple:
    """(keys, functions, opaque) of the static leaves ((arg, leaf), value): each one's `_static_key`
    (its fingerprint, or its identity when it has none), the Python functions met inside them
    (their reads are checked too) and whether one could not be fingerprinted."""
    keys, functions, opaque = [], [], False
    for pos, x in statics:
        try:
            keys.append((pos, ("static", fingerprint(x, functions))))
        except Opaque:  # prepare trusts the caller: the same object is enough
            keys.append((pos, ("object", _Ident(x))))
            opaque = True
    return keys, functions, opaque


class ComplexLeaf(DifflabError, TypeError):
    """A differentiated leaf is complex: the operators differentiate it as its real and imaginary
    parts (api/complexes.py) with a method that takes complex leaves, and say this otherwise."""


def _check_differentiable(x, kind, i, j):
    """Leaf j of differentiated argument i: a float value (an empty one too: its derivative is
    empty, as in JAX)."""
    # a traced leaf keeps its dtype (vmap traces an int or bool argument as it is)
    if kind != "input" or (isinstance(x, Traced) and np.dtype(x.dtype).kind != "f"):
        dtype = (
            x.dtype
            if isinstance(x, Traced)
            else np.asarray(x).dtype
            if not isinstance(x, (list, tuple, dict))
            else type(x).__name__
        )
        if getattr(dtype, "kind", "") == "c":  # the operators realify it for a method that takes complex leaves
            raise ComplexLeaf(
                f"argument {i} (leaf {j}) has dtype {dtype}; complex leaves are differentiated as their real and "
                "imaginary parts by grad, value_and_grad, jvp, vjp, jacobian and hessian(holomorphic=True) with "
                "method='forward', 'reverse', 'symbolic' or 'numeric'"
            )
        if getattr(dtype, "kind", "") == "f":  # a float array of another library's (a jax.Array, a torch tensor)
            raise TypeError(
                f"argument {i} (leaf {j}) is a {type(x).__module__}.{type(x).__name__} of dtype {dtype}, not a NumPy "
                "array: difflab differentiates NumPy arrays and floats; pass numpy.asarray(x)"
            )
        raise TypeError(
            f"argument {i} (leaf {j}) has dtype {dtype}: only floating-point values can be differentiated "
            + _not_float_hint(x, dtype)
        )


#: what a bool leaf is told: a flag is held (left out of argnums); a 0/1 meant as a number is passed as a float
BOOL_HINT = "(a bool is a flag, not a number: leave it out of argnums, or pass it as a float, 1.0 / 0.0 or x.astype(float), if it is one)"


def _not_float_hint(x, dtype) -> str:
    """Why a leaf is no float, and what to pass instead (was "(a int is not a number)" for 10**400, "(a Fraction is
    not a number)")."""
    if getattr(dtype, "kind", "") == "b":  # (was told "use 2.0 rather than 2", as an int is)
        return BOOL_HINT
    if getattr(dtype, "kind", "") in "iu":
        # (JAX's way out named too: a JAX user reaches for it first)
        return "(use 2.0 rather than 2, or x.astype(float); or allow_int=True in grad, value_and_grad or jacrev for a zero derivative, as JAX)"
    if isinstance(x, int):  # (an int NumPy cannot hold as int64: beyond float64's range too, past 1.8e308)
        if abs(x) < 2**1024:
            return f"(an int of {len(str(abs(x)))} digits, more than int64 holds: pass float(x))"
        return f"(an int of {len(str(abs(x)))} digits, beyond float64's range (1.8e308): rescale it)"
    if isinstance(x, numbers.Number):
        return f"(a {type(x).__name__}: pass float(x))"
    if isinstance(x, np.ndarray) and x.dtype.kind == "O":
        return "(an object array: pass x.astype(float) if it holds numbers)"
    return f"(a {type(x).__name__} is not a number)"


# -- staging: flatten the arguments, trace, remember how to rebuild ------------------------------


@dataclass
class Staged:
    """A traced function at one input signature, with what it needs to rebuild structures."""

    graph: Graph
    signature: Signature
    out_tree: tree.TreeDef
    cacheable: bool = True
    reusable: bool = True  # not specialised to its input values, not closing over an outer trace
    reads: tuple = ()  # what the trace read outside its arguments (compile.reads.Reads), checked on reuse
    prepared: dict = field(default_factory=dict)
    scalar: bool = False  # checked once: the output is a single number
    values: dict | None = None  # every value as traced: stands in for the first evaluation
    leaves: list | None = None  # with `values`: the graph inputs' values, in order (the leaves traced), taken with them
    hot: object = None  # the common case's call (api.operators._Hot), armed once the general path has run
    narrowed: list | None = None  # per output, the float32 dtype NumPy would give it (out_dtypes), else None
    why: object = None  # what made it not reusable (graph.Why, or words), named by prepare's error
    conditions: tuple = ()  # the output leaves f returned as booleans (traced as 0/1): their values bool again
    integers: tuple = ()  # (leaf, dtype) of the outputs of an integer dtype (np.frexp's int32 exponent): that dtype again
    # the numeric derivatives' length-scale decisions taken at the traced point (pieces.reuse_checks), then the counts
    # f read as Python ints (trace.Trace.guards), as a graph of f's inputs whose outputs are True where they hold:
    # evaluated before the trace is reused at another point (`holds`), traced again where one fails
    check: Graph | None = None
    check_fn: object = None  # the check compiled (compile.graphs.lower), made at its first use
    here_only: bool = (
        False  # the check holds at the traced point alone (a step shrunk there): kept only if nothing else is
    )
    guards: int = 0  # the check's last outputs that are count guards (trace.Trace.guards), not a derivative's decisions

    # the signature's facts, read by the operators and transforms
    arg_trees = property(lambda self: self.signature.arg_trees)
    input_pos = property(lambda self: self.signature.input_pos)
    wrt = property(lambda self: self.signature.wrt)
    wrt_float = property(lambda self: self.signature.wrt_float)
    argnums = property(lambda self: self.signature.argnums)
    many = property(lambda self: self.signature.many)

    def inputs(self, args) -> list:
        return self.signature.inputs(args)

    def take_values(self):
        """The traced values, once: they hold for the call that traced, and are let go after it (with `leaves`)."""
        values, self.values, self.leaves = self.values, None, None
        return values

    def unchanged(self) -> bool:
        """True while everything the trace read outside its arguments is as it was then."""
        for r in self.reads:
            if not r.unchanged():
                return False
        return True

    def holds(self, xs) -> bool:
        """Whether the numeric derivatives recorded in the trace decide at the graph inputs `xs` as they did where it
        was traced (`check`), so that it answers there as a fresh trace would; on traced `xs` (inside another
        operator's trace) decided on their numbers, the check handed to that trace (`pieces.note_check`; a count guard
        by trace.hand_guard: vmap of a prepared function batched the traced point's count)."""
        if self.check is None:
            return True
        with np.errstate(all="ignore"):
            if any(isinstance(x, Traced) for x in xs):
                oks = evaluate(self.check, *xs)
            else:  # (compiled once: evaluate's interpretation cost as much as the jacobian it guards)
                if self.check_fn is None:
                    self.check_fn = lower(self.check, reuse=False, charged=False)
                oks = self.check_fn(*xs)
        if not all(bool(np.all(_concrete(ok))) for ok in oks):
            return False
        for k, ok in enumerate(oks):  # (reused inside another trace: that trace checks them at its own later points)
            if isinstance(ok, Traced):
                hand_guard(ok) if k >= len(oks) - self.guards else note_check(ok, self.here_only)
        return True

    def learn(self, args):
        """Generate the signature's fast reader from `args`, which must match it."""
        self.signature.learn(args)

    def fast(self, args):
        """The graph inputs when `args` match the learnt call exactly (Signature.fast) and the
        output is known to be a scalar, else None: then the general path (flatten, convert,
        explain a mismatch) decides."""
        return self.signature.fast(args) if self.scalar else None

    def outputs(self, outs, inputs=(), tangents=False):
        """The output pytree. A leaf never aliases an input, a constant, a view of either or another
        leaf (a function returning its argument, x[:2], or one value twice): such a leaf is a copy. A value
        f returned as a boolean (a comparison) is one again, as NumPy's (not `tangents`: their zeros)."""
        if self.conditions and not tangents:
            outs = list(outs)
            for i in self.conditions:
                outs[i] = outs[i] if isinstance(outs[i], Traced) else np.asarray(outs[i]) != 0
        if self.narrowed is not None:  # float32 arguments: the values NumPy's promotion gives float32 rounded
            return self.out_tree.unflatten(
                [narrow(_result(o), d) for o, d in zip(_own(outs, self.graph, inputs), self.narrowed)]
            )
        if len(outs) == 1 and self.out_tree is tree._LEAF_DEF:  # a scalar loss: a Python float (no array to own)
            o = outs[0]
            if type(o) is float or type(o) is np.float64:
                return float(o)
        results = [_result(o) for o in _own(outs, self.graph, inputs)]
        if self.integers and not tangents:  # (dl.jvp of np.frexp gave its exponent as float64, NumPy's and JAX's int32)
            for i, dtype in self.integers:
                if not isinstance(results[i], Traced):
                    results[i] = np.asarray(results[i]).astype(dtype)[()]  # (0-d: NumPy's scalar, as its argmax)
        return self.out_tree.unflatten(results)

    def wrt_shapes(self):
        return [self.graph.inputs[i].shape for i in self.wrt]

    def unflatten_wrt(self, parts):
        """Per-wrt-leaf arrays → one pytree per argnum (Signature.rebuild)."""
        return self.signature.rebuild(parts)

    def floats(self, parts):
        """Python floats back for the leaves that were Python floats (Signature.floats)."""
        return self.signature.floats(parts)

    def split_flat(self, vec, lead=()):
        """Cut a flat vector (with leading axes `lead`) into the differentiated leaves' shapes."""
        parts = split(vec, self.wrt_shapes(), batch=tuple(lead))
        return [
            float(p) if was_float and not lead and not isinstance(p, Traced) else p
            for p, was_float in zip(parts, self.wrt_float)
        ]


def _static_key(x):
    try:
        return _signature_key(x)
    except Opaque:  # prepare trusts the caller: the same object is enough
        return ("object", _Ident(x))


def _shape_key(x):
    """`_shape(x)`, with the dtype of an array or NumPy scalar that is not float64 (a float32 call of a float64
    preparation differs from it; Signature.check_dtyped then asks `same_dtypes`)."""
    t = type(x)
    if t is float:
        return ()
    if t is np.ndarray:
        return x.shape if x.dtype is _F64 else (x.shape, x.dtype.str)
    if isinstance(x, np.generic) and t is not np.float64:
        return ((), x.dtype.str)
    return _shape(x)


def _shape(x):
    if type(x) is float:  # (np.shape builds an array from it)
        return ()
    return x.shape if isinstance(x, np.ndarray) else np.shape(x)


def _as_float(x):
    if type(x) is float:
        return x
    if type(x) is np.ndarray and x.dtype == np.float64:  # the common case, first
        return x
    if isinstance(x, Traced):
        return x
    if isinstance(x, (float, np.floating)):
        return _in_float64_range(x, float)
    return _in_float64_range(x, lambda v: np.asarray(v, dtype=np.float64))


def _in_float64_range(x, cast, what=""):
    """`cast(x)`, x cast to float64, when no value of x left float64's range in the cast. A long double beyond it
    became inf or 0 (its gradient nan with "an infinite input", or 0 for 2e-4000); its precision is float64's, as
    every value difflab computes with."""
    if np.asarray(x).dtype.itemsize <= 8:  # (float16, float32, ints: inside float64's range)
        return cast(x)
    with np.errstate(all="ignore"):  # (NumPy's "overflow encountered in cast": named below)
        y = cast(x)
        a, b = np.asarray(x), np.asarray(y)
        lost = (np.isinf(b) & np.isfinite(a)) | ((b == 0) & (a != 0))
    if lost.any():
        v = np.format_float_scientific(a[lost].flat[0], precision=3)  # (format() would print the float64 cast)
        raise ValueError(
            f"{what + ': ' if what else ''}a {a.dtype} value {v} is beyond float64's range (magnitudes 4.9e-324 to 1.8e308): difflab computes "
            "in float64, where it would be " + ("inf" if np.isinf(b[lost].flat[0]) else "0") + "; rescale it"
        )
    return y


def _result(x):
    if type(x) is float or type(x) is np.float64:  # a scalar loss, the common case
        return float(x)
    if isinstance(x, np.ndarray) and x.ndim:
        return x if x.dtype.kind in "fbc" else x.astype(np.float64)
    if isinstance(x, Traced):
        return x
    a = np.asarray(x)
    if a.dtype.kind == "b":
        return a if a.ndim else a[()]  # (NumPy's bool scalar, as x[0] > 0 is)
    if a.dtype.kind == "c":  # a complex output (fft's) keeps its imaginary part
        return complex(a) if a.ndim == 0 else a
    return float(a) if a.ndim == 0 else a.astype(np.float64)


#: Signatures of earlier calls without static leaves, by (signature_key, argnums): a fresh transform
#: called with arguments shaped as an earlier call's (a new `dl.grad(loss)` per step) takes that
#: layout instead of classifying every leaf again. Equal keys mean equal structures, leaf kinds and
#: shapes, so equal Signatures (whose checks passed then); anything holding a static leaf (baked
#: values, functions to fingerprint) is built afresh. Bounded: the oldest entry goes first.
_SIGNATURES: dict = {}
_SIGNATURES_SIZE = 64


_LATEST: list = [None]  # the latest of them whose reader was generated (every leaf an input)


def _int_argnums(argnums) -> bool:
    """argnums given as an int or a tuple of ints (not bools, lists or NumPy integers): then `==`
    compares them exactly."""
    return type(argnums) is int or type(argnums) is tuple and all([type(a) is int for a in argnums])


def signature(args, argnums, flat_args, key=None) -> Signature:
    """`Signature(args, argnums, flat_args)`, reused from an earlier call with the same `key`
    (`signature_key(flat_args)`, when the caller has it) and argnums."""
    if key is None or not _int_argnums(argnums):
        return Signature(args, argnums, flat_args)
    cache_key = (key, argnums)
    sig = _SIGNATURES.get(cache_key)
    if sig is None:
        sig = Signature(args, argnums, flat_args)
        if not sig._statics:
            sig.cache_key = cache_key
            if len(_SIGNATURES) >= _SIGNATURES_SIZE:
                _SIGNATURES.pop(next(iter(_SIGNATURES)), None)
            _SIGNATURES[cache_key] = sig
    else:  # seen twice: worth generating its reader and builders (compile.reader)
        sig.learn(args)
        if sig.plain and sig.reader() is not None:
            _LATEST[0] = sig
    return sig


def known_signature(args, argnums):
    """(Signature, graph inputs) when the latest signature with a generated reader reads `args`
    (its structure, float leaves and array shapes, every leaf an input) at these argnums, else
    None: then the caller flattens `args` itself. A fresh transform per call of one loss skips
    flattening and the signature key so."""
    sig = _LATEST[0]
    # (argnums checked as ints first: a NumPy integer compared with a tuple is an array; an int, the
    # default, without `_int_argnums`' call)
    if sig is None or not (type(argnums) is int or _int_argnums(argnums)) or sig.cache_key[1] != argnums:
        return None
    xs = sig._read(args)  # (`fast` without its call: a signature in _LATEST has its reader)
    return None if xs is None else (sig, xs)


def stage(f, args, argnums=0, flat_args=None, key=None, known=None) -> Staged:
    """Trace `f(*args)` with every float leaf as an input; `argnums` picks what is differentiated.
    `flat_args`: the arguments already flattened (tree.flatten of each), if the caller has them;
    `key`: their `signature_key`, if the caller has computed it; `known`: `known_signature`'s
    answer for them, if the caller has it (then neither is needed).

    Shape contract: the graph has one input per float leaf (`signature.input_pos`) and one output
    per leaf of f's result (`out_tree`).

    >>> st = stage(lambda x, n: x * n, (2.0, 3))
    >>> len(st.graph.inputs), len(st.graph.eqns), st.outputs([6.0])
    (1, 1, 6.0)
    """
    if known is not None:  # read by the signature's generated reader: every leaf an input, in order
        sig, call_leaves = known
    else:
        flat_args = flat_args or [tree.flatten(a) for a in args]
        sig = signature(args, argnums, flat_args, key)
        call_leaves = _call_leaves(sig, flat_args)
    reads = _reads(f, sig)
    # `with reuse_checks() as checks:` written out (a fresh gradient per call paid its two frames every time)
    stack, checks = reuse_stack(), []
    stack.append(checks)
    try:
        t, tracers, out_leaves, (out_tree, conditions) = _trace(f, flat_args, sig, call_leaves)
    finally:
        stack.pop()
    check_returned(out_leaves)
    # (the inputs' Vars as `_plain_inputs` made them, unless an assignment rebound an input: no read per input)
    graph = outputs_of(t, tracers, out_leaves, t.plain_vars if not t.rebound else None)
    check, here_only, guards = None, False, ()  # (no check collected nor count read: `_check_of`'s answer, no call)
    if checks or t.guards:
        guards = [(ok, False) for ok in t.guards.values()]  # (counts read as Python ints: trace.Trace.guards)
        check, reads = _check_of(t, tracers, checks + guards, call_leaves, reads, len(guards))
        here_only = any(h for _, h in checks)
    # values of an enclosing trace were traced as concrete numbers: they must be evaluated again
    closes = t.closes_over_tracers
    nested = closes or (not sig.plain and any([isinstance(x, Traced) for x in call_leaves]))
    values = None if nested or t.fp_error else t.values  # (traced_values' answer, without its call)
    # (a dtype picked by the values, sqrtm's: imag of its real root folded to 0 would stay 0 at a complex one)
    reusable = not graph.specialised and not closes and not t.value_dtypes
    if graph.specialised:  # its branch was picked by the numbers of enclosing traces' values too
        specialise_enclosing([*call_leaves, *t.consts], graph.specialised)
    return Staged(
        graph,
        sig,
        out_tree,
        cacheable=reusable and reads is not None,
        reusable=reusable,
        reads=reads or (),
        values=values,
        leaves=call_leaves if values is not None else None,
        narrowed=_narrowed(graph, sig, t, call_leaves),
        why=graph.specialised or (t.value_dtypes and f"an op whose result's dtype the values pick: {t.value_dtypes}"),
        conditions=conditions,
        integers=_integer_outputs(graph),
        check=check,
        here_only=here_only,
        guards=len(guards) if check is not None else 0,
    )


def _check_of(t, tracers, checks, call_leaves, reads, guards=0):
    """(Staged.check, reads): the graph of the numeric derivatives' decision checks collected while f was traced
    (`pieces.reuse_checks`: (check, here_only) pairs), the last `guards` of them count guards (trace.Trace.guards),
    None if there are none; reads None (nothing reused) where one cannot be evaluated at another point (a check of
    another trace's, or one that fails already). Traced inside another operator's trace, the checks at its values are
    handed to that trace too (a count guard by trace.hand_guard)."""
    if not checks:
        return None, reads
    oks = [c for c, _ in checks]
    own = [c for c in oks if isinstance(c, Tracer) and c._trace is t]
    if any(isinstance(c, Traced) and not (isinstance(c, Tracer) and c._trace is t) for c in oks):
        reads = None
    if not all(bool(np.all(c)) for c in oks if not isinstance(c, Traced)):
        reads = None
    if not own:
        return None, reads
    check = prune(outputs_of(t, tracers, own))
    if any(isinstance(x, Traced) for x in call_leaves) or t.closes_over_tracers:
        here_only = any(h for _, h in checks)
        with np.errstate(all="ignore"):
            oks = evaluate(check, *call_leaves)
        for k, ok in enumerate(oks):
            if isinstance(ok, Traced):
                hand_guard(ok) if k >= len(oks) - guards else note_check(ok, here_only)
    return check, reads


def _concrete(v):
    return v.concrete if isinstance(v, Tracer) else v


def _narrowed(graph, sig: Signature, t, call_leaves) -> list | None:
    """Staged.narrowed: the outputs' dtypes by NumPy's promotion where an argument is not float64 or f cast a
    value (x.astype(np.float32) of a float64 x; then a float64 array argument is not weak, a Python float is)."""
    if sig.in_dtypes is not None:
        return out_dtypes(graph, sig.in_dtypes, t.weak)
    if not t.casts:
        return None
    return out_dtypes(graph, [None if type(x) is float else _F64 for x in call_leaves], t.weak)


def _call_leaves(sig: Signature, flat_args) -> list:
    """The graph inputs of the flattened arguments, as floats or float64 arrays."""
    if sig.plain:  # every leaf an input, already a float or float64 array
        return [x for lv, _ in flat_args for x in lv]
    call_leaves = [flat_args[i][0][j] for i, j in sig.input_pos]
    for k, x in enumerate(call_leaves):  # (the common leaves, already float64 or float: no call)
        if not (type(x) is float or type(x) is np.ndarray and x.dtype is _F64):
            call_leaves[k] = _as_float(x)
    return call_leaves


def _reads(f, sig: Signature) -> tuple | None:
    """What the trace is about to read outside the arguments, recorded before it runs (a change
    during the trace then shows at the next check): f's reads, and those of functions met in
    static arguments; None when something cannot be compared, and then nothing is reused."""
    if sig.opaque:
        return None
    try:  # (f alone, the common case: no list)
        reads = (reads_of(f),) if not sig.functions else tuple([reads_of(g) for g in [f, *sig.functions]])
    except Opaque:
        return None
    return None if None in reads else reads


def _trace(f, flat_args, sig: Signature, call_leaves):
    """Trace f on the graph inputs `call_leaves`, its other leaves fixed: (trace, tracers, output
    leaves, output TreeDef)."""
    # static arrays (masks, indices) become constants of the graph: a copy, so that changing the
    # caller's array in place can never change a graph built from its old contents
    plain, out_holder = sig.plain and sig._args, {}
    if not plain:
        frozen = [
            [x.copy() if isinstance(x, np.ndarray) and x.dtype.kind != "f" else x for x in lv] for lv, _ in flat_args
        ]

    def flat_f(*xs):
        if plain:  # every leaf an input: the generated builder (compile.reader) nests them
            rebuilt = plain(xs)
        else:
            leaves = [list(lv) for lv in frozen]
            for (i, j), x in zip(sig.input_pos, xs):
                leaves[i][j] = x
            rebuilt = [td.unflatten(lv) for lv, td in zip(leaves, sig.arg_trees)]
        try:
            out = f(*rebuilt)
        except ValueError as e:  # NumPy's "setting an array element with a sequence" over the real cause
            if isinstance(e.__cause__, TracerConversionError):
                message = str(e.__cause__)  # (a scalar's store names the fix itself)
                raise TracerConversionError(message if STORED in message else f"{message} {STORED}") from None
            if isinstance(e.__cause__, UnsupportedOperationError):  # SciPy's "must return a scalar" over it
                raise UnsupportedOperationError(str(e.__cause__)) from None
            raise
        if type(out) is Tracer or type(out) is float:  # a loss: one leaf (tree.flatten's answer, without its calls)
            out_leaves, out_holder["tree"] = [out], tree._LEAF_DEF
        else:
            out_leaves, out_holder["tree"] = flatten_returned(out)
        # a condition returned as the output (x == y, or np.allclose's plain bool of the values) is its
        # 0/1 value with a zero derivative, for every method (symbolic would differentiate a relational,
        # numeric subtract booleans)
        if len(out_leaves) == 1 and _is_number(out_leaves[0]):  # a loss (no list, no call of _is_condition)
            return out_leaves
        out_holder["conditions"] = tuple(i for i, x in enumerate(out_leaves) if _is_condition(x))
        return [x + 0.0 if _is_condition(x) else x for x in out_leaves]

    # (read by the generated reader, `flat_args` None: the leaves' types are the signature's, not asked again)
    kinds = sig.input_kinds if flat_args is None else None
    t, tracers, out_leaves = trace_flat(
        flat_f, call_leaves, narrow=sig.in_dtypes is not None, guarded=True, kinds=kinds
    )
    return t, tracers, out_leaves, (out_holder["tree"], out_holder.get("conditions", ()))


def _is_number(x) -> bool:
    """A Python or NumPy float, or a traced value holding one: surely no condition (a loss, the common case)."""
    t = type(x)
    if t is Tracer:
        t = type(x.value)  # (its concrete value; an enclosing trace's tracer is left to `_is_condition`)
    return t is float or t is np.float64


def _integer_outputs(graph) -> tuple:
    """(leaf, dtype) of the graph's outputs of an integer dtype (a constant's or a variable's)."""
    found = []
    for i, o in enumerate(graph.outputs):
        value = o if isinstance(o, Var) else o.value  # (a constant may be an enclosing trace's value: its dtype)
        dtype = getattr(value, "dtype", None) if isinstance(value, (Var, Traced, np.ndarray, np.generic)) else None
        if dtype is not None and dtype.kind in "iu":
            found.append((i, dtype))
    return tuple(found)


def _is_condition(x) -> bool:
    """A boolean output leaf: a traced comparison, a bool array or NumPy bool, or a Python bool."""
    return isinstance(x, bool) or getattr(getattr(x, "dtype", None), "kind", None) == "b"


class NonScalarOutput(DifflabError, TypeError):
    """A grad or hessian of a function whose output is not one real number (a TypeError, as it was): what
    `dl.hessian` catches to take JAX's Jacobian of the Jacobian instead (api.operators._AnyHessian)."""


def pytree_output(lead: str, td: tree.TreeDef, name: str = "f(x)") -> str:
    """The refusal of a scalar held in a container (a dict, a 1-tuple), as JAX's grad refuses any pytree output:
    which leaf is the loss is the user's to say. `lead` says who asked; `name` is what the user returns.

    >>> pytree_output("grad needs a scalar output, but it returned", tree.flatten({"a": 1.0})[1])
    "grad needs a scalar output, but it returned a dict holding one: as JAX's grad, difflab differentiates a single real number, not a pytree; return f(x)['a'] (the loss itself), or use difflab.jacobian, which keeps the output's structure"
    """
    path, node = "", td
    while node.kind != tree.LEAF:
        i = next((k for k, c in enumerate(node.children) if c.num_leaves), None)
        if i is None or node.kind not in ("dict", "tuple", "list", "namedtuple"):
            path = ""
            break
        path += f"[{node.keys[i] if node.kind == 'dict' else i!r}]"
        node = node.children[i]
    return (
        f"{lead} a {td.kind} holding one: as JAX's grad, difflab differentiates a single real number, not a "
        "pytree; "
        + (f"return {name}{path} (the loss itself)" if path else "return the loss itself")
        + ", or use difflab.jacobian, which keeps the output's structure"
    )


def _scalar_check(st: Staged, what: str):
    if st.scalar:
        return
    outputs = st.graph.outputs
    if (
        len(outputs) == 1
        and type(outputs[0]) is Var
        and outputs[0].shape == ()
        and outputs[0].dtype.kind == "f"
        and st.out_tree.kind == tree.LEAF
    ):
        st.scalar = True  # a real scalar loss, the common case (no list of shapes)
        return
    shapes = [o.shape if not isinstance(o, Const) else np.shape(o.value) for o in st.graph.outputs]
    if len(shapes) != 1 or tuple(shapes[0]) != ():
        # several outputs (a tuple, a dict): how many and their shapes (it read "shape [(), ()]")
        shown = (
            f"shape {shapes[0]}"
            if len(shapes) == 1
            else f"{len(shapes)} outputs, shapes {', '.join(map(str, shapes))}"
            if shapes
            else f"{st.out_tree}, a pytree without leaves"
        )
        # (hessian's is caught: dl.hessian then takes the Jacobian of the Jacobian, api.operators._AnyHessian)
        raise NonScalarOutput(
            f"{what} needs a function with a scalar output, but it returned {shown}; "
            + (
                # one number in an array (shape (1,), (1, 1)) is refused as JAX refuses it: which element, or
                # a sum, is the user's choice, and grad's result would otherwise depend on the output's shape
                "a scalar has shape (), as JAX's grad asks: return its one element, f(x)[0]"
                + ("[0]" * (len(shapes[0]) - 1))
                + ", or np.sum(f(x))"
                if len(shapes) == 1 and math.prod(shapes[0]) == 1
                else "use difflab.jacobian for the full derivative or difflab.vjp for a vector-Jacobian product"
            )
        )
    if st.out_tree.kind != tree.LEAF:
        raise NonScalarOutput(
            pytree_output(f"{what} needs a function with a scalar output, but it returned", st.out_tree)
        )
    out = st.graph.outputs[0]
    if (out.dtype if not isinstance(out, Const) else np.asarray(out.value).dtype).kind == "c":
        raise TypeError(
            f"{what} needs a real scalar output, but it is complex (as autograd and JAX, difflab does not "
            "pick a part); differentiate its real part, abs or abs**2, or pass holomorphic=True (JAX's: "
            "difflab.grad(f, holomorphic=True)) for the complex derivative f'(z) of a holomorphic function"
        )
    st.scalar = True


def _flat_like(st: Staged, tangents, what):
    leaves = []
    for a, tg in zip(st.argnums, tangents):
        lv, td = tree.flatten(tg)
        if td != st.arg_trees[a]:
            raise ValueError(f"{what}[{a}] has structure {td} but the primal has {st.arg_trees[a]}")
        leaves += lv
    for x, s in zip(leaves, st.wrt_shapes()):
        _numeric_leaf(x, "a tangent")
        if np.shape(x) != tuple(s):
            raise ValueError(f"a tangent of shape {np.shape(x)} for a primal of shape {tuple(s)}")
        _real_tangent(x)
    return _concat_flat(leaves)


def _numeric_leaf(x, what):
    """A tangent's or cotangent's leaf is a number or a numeric array: a str was "a tangent of shape ()", an
    object array NumPy's own error from inside the method."""
    if type(x) is float or isinstance(x, Traced) or (type(x) is np.ndarray and x.dtype.kind in "biuc"):
        return  # (the common leaves, first)
    if type(x) is np.ndarray and x.dtype.kind == "f":
        if x.dtype.itemsize > 8:  # (a long double beyond float64's range: inf, with NumPy's "overflow in cast")
            _in_float64_range(x, lambda v: np.asarray(v, dtype=np.float64), what)
        return
    ok = isinstance(x, (int, float, complex, np.number, np.ndarray)) and np.asarray(x).dtype.kind in "biufc"
    if not ok:
        kind = f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""
        raise TypeError(f"{what} is a {type(x).__name__}{kind}, not a number or a numeric array")


def _real_tangent(x):
    """A real primal's tangent is real: a complex one was J v for forward and reverse, its real part for
    symbolic and numeric, NumPy's casting error for nested ones (JAX refuses it too)."""
    if np.iscomplexobj(x):  # (a Traced one: its dtype)
        raise TypeError("a complex tangent for a real primal: a real primal's tangent is real (take its real part)")


def _concat_flat(leaves):
    """Leaves raveled and concatenated into one float vector; traced when a leaf is traced (a
    tangent or cotangent computed inside an outer derivative), so the outer trace records it."""
    # a complex cotangent of a complex output stays complex (difflab/ops/complexes.py)
    dtype = complex if any([np.iscomplexobj(x) for x in leaves]) else float
    if not any([isinstance(x, Traced) for x in leaves]):
        return np.concatenate([np.ravel(np.asarray(x, dtype=dtype)) for x in leaves]) if leaves else np.zeros(0)
    return dnp.concatenate(
        [dnp.reshape(x if isinstance(x, Traced) else np.asarray(x, dtype=dtype), (-1,)) for x in leaves]
    )


def _reshape(x, shape):
    """x.reshape(shape) for arrays and traced values alike."""
    if isinstance(x, Traced):
        return dnp.reshape(x, tuple(shape))
    return np.asarray(x).reshape(shape)


def _rows(x, start, size):
    """x[start:start + size], or x itself when that is all of it (a traced value is then not sliced)."""
    return x if (start, size) == (0, np.shape(x)[0]) else x[start : start + size]


def _split_out(outs, vec):
    parts, start = [], 0
    vec = vec if isinstance(vec, Traced) else np.asarray(vec)
    for o in outs:
        size = int(np.prod(np.shape(o)))
        part = _reshape(_rows(vec, start, size), np.shape(o))
        if _kind(part) == "c" and _kind(o) != "c":  # a real output's tangent is real (J v of mixed outputs is complex)
            part = dnp.real(part)
        parts.append(part)
        start += size
    return parts


def _kind(x) -> str:
    return x.dtype.kind if hasattr(x, "dtype") else np.asarray(x).dtype.kind


def check_sequences(doing: str, primals, tangents) -> None:
    """primals and tangents as JAX takes them: a tuple or list, one entry per argument of f (an array
    would be unpacked into its rows, each taken for an argument)."""
    for role, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(
                f"{doing} takes {role} as a tuple or list with one entry per argument of f (as JAX's), "
                f"got {type(value).__name__}: write ({role[:-1]},) for a function of one argument"
            )
