"""The oracle's references: the checked function seen as flat vector -> flat vector (`_Target`),
derivative matrices whose axes are labelled pytree leaves (`_Axis`, `_matrix`), and the reference
derivative with its error estimate (`_reference`): exact for a traceable f (SymPy in 40 digits
when small, else AD), Richardson extrapolation for a black box."""

from __future__ import annotations

import contextlib
import itertools
import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import api, tree
from ..api.boundary import BOOL_HINT
from ..graph import refuse_array_subclass
from ..reference import exact_reference
from ..differentiators.numeric import RATIO, RICHARDSON_STEP, Numeric, numeric_jacobian
from .evidence import kink_hints
from .messages import GradientMismatch, _short, _where

__all__ = ["REFERENCES"]

REFERENCES = ("auto", "symbolic", "reverse", "numeric")


# -- the compared matrix: axes made of labelled segments (pytree leaves) ------------------------


class _Axis(NamedTuple):
    """One axis of a derivative matrix: the pytree `td` whose leaves have `labels` and `shapes`."""

    td: tree.TreeDef
    labels: tuple
    shapes: tuple

    @property
    def sizes(self):
        return [math.prod(s) for s in self.shapes]

    @property
    def size(self):
        return sum(self.sizes)

    def segment(self):
        """The segment number of each flat index."""
        return np.repeat(np.arange(len(self.sizes)), self.sizes)

    def locate(self, k):
        seg = int(self.segment()[k])
        start = sum(self.sizes[:seg])
        return self.labels[seg], tuple(int(i) for i in np.unravel_index(k - start, self.shapes[seg]))

    def split(self, vec):
        """A flat vector as this axis's pytree (scalar leaves as Python floats)."""
        return self.td.unflatten(self.leaves(vec))

    def leaves(self, vec) -> list:
        """`split`'s leaves, by slicing: a black box's Hessian reference calls f (and this) ~10⁴ times, where
        np.split and np.prod were three times the cost of f itself (issue 17)."""
        vec, ends, start, out = np.asarray(vec, dtype=float), [*itertools.accumulate(self.sizes)][:-1] + [None], 0, []
        for end, s in zip(ends, self.shapes):
            p = vec[start:end]
            out.append(float(p[0]) if not s else p.reshape(s))
            start = end
        return out


SCALAR = _Axis(tree.TreeDef(tree.LEAF), ("f",), ((),))  # the rows of a gradient
DIRECTION = _Axis(tree.TreeDef(tree.LEAF), ("v",), ((),))  # the one column of a JVP


def _paths(td, prefix):
    if td.kind == tree.LEAF:
        return [prefix]
    keys = td.keys if td.kind == "dict" else range(len(td.children))
    return [p for k, c in zip(keys, td.children) for p in _paths(c, f"{prefix}[{k!r}]")]


def _graft(outer, inner):
    """The structure of a derivative: `inner` at each leaf of `outer` (as difflab.jacobian returns)."""
    if outer.kind == tree.LEAF:
        return inner
    return outer._replace(children=tuple(_graft(c, inner) for c in outer.children))


def _leaves_like(value, td, path):
    __tracebackhide__ = True  # pytest shows the user's frames and the message, not difflab's
    if td.kind == tree.LEAF:
        return [value]
    keys = td.keys if td.kind == "dict" else range(len(td.children))
    fits = (
        isinstance(value, dict) and sorted(value) == list(keys)
        if td.kind == "dict"
        else isinstance(value, (tuple, list)) and len(value) == len(keys)
    )
    if not fits:  # "(*, *)" alone read as jargon: say it in words too
        words = f"a dict with keys {', '.join(map(repr, keys))}" if td.kind == "dict" else f"a {td.kind} of {len(keys)}"
        raise GradientMismatch(
            f"{path} should have the structure {td} ({words}: one entry per leaf of the differentiated arguments), "
            f"got {type(value).__name__} {_short(value)}"
        )
    return [x for k, c in zip(keys, td.children) for x in _leaves_like(value[k], c, f"{path}[{k!r}]")]


def _array(value) -> np.ndarray:
    """np.asarray(value); a ragged tuple or list (one gradient per argument, (g_w, g_b), where one array is due) as
    an object array of its entries, so that _matrix names it rather than NumPy's "inhomogeneous shape" ValueError."""
    try:
        return np.asarray(value)
    except ValueError:
        entries = np.empty(len(value), dtype=object)
        for i, v in enumerate(value):  # (entries[:] = value would try to broadcast them again)
            entries[i] = v
        return entries


def _matrix(value, rows: _Axis, cols: _Axis, what: str):
    """A derivative pytree (leaf (r, c) of shape rows.shapes[r] + cols.shapes[c]) as an (m, n)
    float64 matrix, and the dtypes it came in."""
    __tracebackhide__ = True  # pytest shows the user's frames and the message, not difflab's
    leaves = _leaves_like(value, _graft(rows.td, cols.td), what)
    out, dtypes, k = np.zeros((rows.size, cols.size)), set(), 0
    r0 = 0
    for rl, rs, rn in zip(rows.labels, rows.shapes, rows.sizes):
        c0 = 0
        for cl, cs, cn in zip(cols.labels, cols.shapes, cols.sizes):
            leaf = _array(leaves[k])
            hint = ""  # NumPy would read a 1-tuple (g,) as shape (1, ...), and cannot make one array of (g_w, g_b)
            if isinstance(leaves[k], (tuple, list)):
                hint = f" (a {type(leaves[k]).__name__} of {len(leaves[k])} where one array is due"
                if cols is not DIRECTION:  # (a JVP's J v has no argnums)
                    hint += ": an int argnums takes one gradient, not a tuple; argnums=(0, 1) checks one per argument"
                hint += ")"
            if leaf.dtype.kind in "OSUV":  # None, a string, an object: name what came back
                where = cl if rows is SCALAR else f"{rl} / {cl}"
                of = f" of dtype {leaf.dtype}" if isinstance(leaves[k], np.ndarray) else ""  # (was "a ndarray")
                raise GradientMismatch(
                    f"{what} returned a {type(leaves[k]).__name__}{of} for {where}, which needs a float array of shape "
                    f"{tuple(rs) + tuple(cs)}{hint}"
                )
            if leaf.shape != tuple(rs) + tuple(cs):
                hint = hint or (" (transposed?)" if leaf.shape == (tuple(rs) + tuple(cs))[::-1] else "")
                where = cl if rows is SCALAR else f"{rl} / {cl}"
                raise GradientMismatch(
                    f"{what} returned shape {leaf.shape} for {where}, which needs shape {tuple(rs) + tuple(cs)}{hint}"
                )
            if leaf.dtype.kind == "c" and np.any(leaf.imag):  # (the arguments are real: NumPy's cast would drop it)
                where = cl if rows is SCALAR else f"{rl} / {cl}"
                raise GradientMismatch(
                    f"{what} returned complex values for {where} (largest imaginary part {np.max(abs(leaf.imag)):.3g}) "
                    "where the arguments are real: a real function's derivative is real"
                )
            dtypes.add(leaf.dtype)
            out[r0 : r0 + rn, c0 : c0 + cn] = leaf.real.astype(float).reshape(rn, cn)
            c0, k = c0 + cn, k + 1
        r0 += rn
    return out, dtypes


def _pairs(td, flags):
    """td with each complex leaf (`flags`, in flatten order) replaced by a pair (real part, imaginary part)."""
    if td.kind == tree.LEAF:
        return tree.TreeDef("tuple", (), (td, td)) if next(flags) else td
    return td._replace(children=tuple(_pairs(c, flags) for c in td.children))


def _real_parts(x):
    return (x.real.astype(float), x.imag.astype(float)) if x.dtype.kind == "c" else (x.astype(float),)


# -- the function seen as flat vector -> flat vector ---------------------------------------------


def _check_output(out, leaves, complex_out=False):
    """f's output holds real numbers (or complex ones, for the checks that take them: `complex_out`): None was NumPy's
    "need at least one array to concatenate", a str "could not convert string to float", and complex values were
    blamed on difflab.jacobian ("returned complex values")."""
    __tracebackhide__ = True  # pytest shows the user's frames and the message, not difflab's
    if not leaves:
        missing = " (is its return statement missing?)" if out is None else ""
        raise TypeError(f"f(*args) returned {type(out).__name__}{missing}: the checks need f returning numbers")
    for leaf in leaves:
        dtype = np.asarray(leaf).dtype
        if dtype.kind == "c" and not complex_out:
            raise TypeError(
                f"f(*args) returned complex values (dtype {dtype}): the checks compare a real function's "
                "derivatives; check its real and imaginary parts as two functions"
            )
        if dtype.kind not in ("biufc" if complex_out else "biuf"):
            raise TypeError(f"f(*args) returned a {type(leaf).__name__} of dtype {dtype}, not a number")


def _parts(a, rc, cc, mode):
    """One derivative block `a` (output leaf r, input leaf c) as the real blocks of the realified function, rows
    (Re, Im) of a complex output, columns (Re, Im) of a complex input, in the conventions of difflab (and JAX):
    a real output's derivative w.r.t. z is df/dx - i df/dy (jacrev's, grad's); a complex output of a real input
    d Re f/dx + i d Im f/dx (jacfwd's); both complex, f'(z) of a holomorphic f (holomorphic=True); a holomorphic
    f's Hessian f''(z) as that of Re f in (x, y). A block that is no number array goes through for _matrix to name."""
    b = _array(a)
    if b.dtype.kind not in "biufc":
        return [[a] * (2 if cc else 1)] * (2 if rc else 1)
    re, im = np.real(b), np.imag(b)
    if not rc:
        return [[re, -im]] if cc else [[a]]
    if not cc:
        return [[re], [im]]
    return [[re, -im], [-im, -re]] if mode == "hessian" else [[re, -im], [im, re]]


class _Target:
    """f at args as a function of one flat float64 vector x (the differentiated leaves, raveled; a complex leaf as
    its real and imaginary parts), its output flat and real too (a complex leaf as its two parts)."""

    def __init__(self, f, args, argnums, complex_out=False):
        __tracebackhide__ = True  # pytest shows the user's frames and the message, not difflab's
        self.f, self.args = f, tuple(args)
        self.nums, self.many = api._check_argnums(argnums, len(self.args))
        self.flat = [tree.flatten(a) for a in self.args]
        for leaves, _ in self.flat:  # a numpy.matrix's * is a matrix product: the numeric reference's stencil points
            for leaf in leaves:  # are plain arrays, so it checked another function and passed 2M for sum(M * M)
                refuse_array_subclass(leaf, "checks derivatives at")
        labels, shapes, self.dtypes, self.cplx = [], [], set(), []
        for a in self.nums:
            leaves, td = self.flat[a]
            for label, leaf in zip(_paths(td, f"args[{a}]"), leaves):
                dtype = np.asarray(leaf).dtype
                self.cplx.append(dtype.kind == "c")
                if dtype.kind == "c":  # two real segments: x = Re z and y = Im z
                    labels += [f"{label}.real", f"{label}.imag"]
                    shapes += [np.shape(leaf)] * 2
                    self.dtypes.add(np.finfo(dtype).dtype)
                    continue
                if dtype.kind != "f":
                    raise TypeError(
                        f"{label} has dtype {dtype}: only floating-point (or complex) arguments can be differentiated "
                        + (BOOL_HINT if dtype.kind == "b" else "(use 2.0 rather than 2, or x.astype(float))")
                    )
                labels.append(label)
                shapes.append(np.shape(leaf))
                self.dtypes.add(dtype)
        if not labels:  # (else NumPy's "need at least one array to concatenate")
            named = ", ".join(f"args[{a}] ({type(self.args[a]).__name__})" for a in self.nums)
            raise TypeError(f"{named}: no float value to differentiate (None and empty pytrees have none)")
        flags = iter(self.cplx)  # (one iterator over every differentiated leaf, in order)
        tds = tuple(_pairs(self.flat[a][1], flags) if any(self.cplx) else self.flat[a][1] for a in self.nums)
        self.in_axis = _Axis(tree.TreeDef("tuple", (), tds) if self.many else tds[0], tuple(labels), tuple(shapes))
        plain = tuple(self.flat[a][1] for a in self.nums)  # the arguments' own structure (complex leaves as leaves)
        self.in_td = tree.TreeDef("tuple", (), plain) if self.many else plain[0]
        self.x = np.concatenate(
            [np.ravel(p) for a in self.nums for x in self.flat[a][0] for p in _real_parts(np.asarray(x))]
        )
        out = self._f(*self.args)
        out_leaves, out_td = tree.flatten(out)
        _check_output(out, out_leaves, complex_out)
        self.out_td, self.out_cplx = out_td, [np.asarray(y).dtype.kind == "c" for y in out_leaves]
        # the dtypes f computes in: a float32 f's derivatives are judged at float32's tolerance (JAX's check_grads
        # picks its tolerance by the dtype of what it compares, too)
        self.out_dtypes = {np.finfo(np.asarray(y).dtype).dtype for y in out_leaves if np.asarray(y).dtype.kind in "fc"}
        out_labels, out_shapes = [], []
        for label, y, c in zip(_paths(out_td, "f(*args)"), out_leaves, self.out_cplx):
            out_labels += [f"{label}.real", f"{label}.imag"] if c else [label]
            out_shapes += [np.shape(y)] * (2 if c else 1)
        td = _pairs(out_td, iter(self.out_cplx)) if any(self.out_cplx) else out_td
        self.out_axis = _Axis(td, tuple(out_labels), tuple(out_shapes))
        self.y = self.call(self.x)
        self.magnitude = float(np.nanmax(np.abs(self.y), initial=0.0))

    def _f(self, *args):
        __tracebackhide__ = True  # pytest shows the user's frames and the message, not difflab's
        fresh = []  # f gets copies of the arrays: one that writes into its argument (x *= 2) changed the caller's
        for a in args:  # array and the stencil's points (views of one vector), and was judged at the moved point
            if type(a) is np.ndarray or type(a) is float:  # (the common arguments, without a pytree walk: a black
                fresh.append(a.copy() if type(a) is np.ndarray else a)  # box's Hessian calls f ~10⁴ times)
                continue
            leaves, td = tree.flatten(a)
            fresh.append(td.unflatten([leaf.copy() if isinstance(leaf, np.ndarray) else leaf for leaf in leaves]))
        if self._quiet:
            return self.f(*fresh)
        with self.quiet():
            return self.f(*fresh)

    _quiet = False

    @contextlib.contextmanager
    def quiet(self):
        """f's floating-point and other warnings silenced while difflab calls it; a numeric reference enters this
        once for its ~10² (a Hessian: ~10⁴) calls of f, which otherwise each paid a fifth of f's time for it."""
        if self._quiet:
            yield
            return
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._quiet = True
            try:
                yield
            finally:
                self._quiet = False

    def rebuild(self, x):
        """The arguments with the differentiated leaves replaced by the flat vector x (a complex leaf from its
        real and imaginary segments)."""
        parts, flags = iter(self.in_axis.leaves(x)), iter(self.cplx)
        args = list(self.args)
        for a in self.nums:
            leaves, td = self.flat[a]
            args[a] = td.unflatten([next(parts) + 1j * next(parts) if next(flags) else next(parts) for _ in leaves])
        return args

    def realify(self, value, rows="scalar", what="", mode="jacobian"):
        """A user's derivative with complex leaves (in `rows`: "scalar" for a gradient or a cotangent, "out" for a
        Jacobian, "in" for a Hessian, "v" for J v) as the real blocks this target's axes hold (`_parts`); a structure
        that does not fit the arguments' is named here (what), a fitting one of real values is left as it is."""
        __tracebackhide__ = True
        row_td, rf = {
            "scalar": (SCALAR.td, [False]),
            "out": (self.out_td, self.out_cplx),
            "in": (self.in_td, self.cplx),
            "v": (self.out_td, self.out_cplx),
        }[rows]
        col_td, cf = (DIRECTION.td, [False]) if rows == "v" else (self.in_td, self.cplx)
        if not (any(rf) or any(cf)):
            return value
        leaves, k, out = _leaves_like(value, _graft(row_td, col_td), what), 0, []
        for rc in rf:
            blocks = [_parts(leaves[k + j], rc, cc, mode) for j, cc in enumerate(cf)]
            for p in range(2 if rc else 1):
                out += [part for b in blocks for part in b[p]]
            k += len(cf)
        rows_real = _pairs(row_td, iter(rf)) if any(rf) else row_td
        cols_real = _pairs(col_td, iter(cf)) if any(cf) else col_td
        return _graft(rows_real, cols_real).unflatten(out)

    def flat_out(self, leaves) -> np.ndarray:
        """f's output leaves (a user's primal output, already fitted to f's structure) flat and real, as `call`."""
        parts = [p for y in leaves for p in _real_parts(np.asarray(y))]
        return np.concatenate([np.ravel(p) for p in parts])

    def tangents(self, v):
        """The flat real vector v as tangents of the primals (every argument differentiated): a complex leaf's
        tangent Re v + i Im v, as difflab.jvp and JAX take it."""
        return tuple(self.rebuild(v))

    def cotangent(self, u):
        """The flat real vector u as a cotangent of f's output: a complex leaf's u_re - i u_im, so that
        Re <cotangent, J v> (no conjugation, JAX's and difflab's pairing) is the real <u, J v>."""
        parts, out = iter(self.out_axis.leaves(u)), []
        for c in self.out_cplx:
            out.append(next(parts) - 1j * next(parts) if c else next(parts))
        return self.out_td.unflatten(out)

    def gradient_tree(self, g):
        """A flat real gradient (df/dx, df/dy per complex leaf) as the arguments' structure, a complex leaf's as
        df/dx - i df/dy (difflab.grad's and JAX's convention); a tuple for several argnums."""
        parts, flags, out = iter(self.in_axis.leaves(g)), iter(self.cplx), []
        for a in self.nums:
            leaves, td = self.flat[a]
            out.append(td.unflatten([next(parts) - 1j * next(parts) if next(flags) else next(parts) for _ in leaves]))
        return tuple(out) if self.many else out[0]

    def call(self, x):
        out = self._f(*self.rebuild(x))
        if (type(out) is np.ndarray and out.dtype.kind != "c") or isinstance(out, (float, np.floating)):  # one leaf
            return np.array(out, dtype=float).ravel()  # (a copy: f may hand out an array it later changes)
        return self.flat_out(tree.flatten(out)[0])

    def staged(self):
        """The traced graph (api.Staged), or None when f is a black box to difflab (or a differentiated leaf or an
        output is complex: its reference is Richardson differences along Re z and Im z, of Re f and Im f)."""
        if any(self.cplx) or any(self.out_cplx):
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return api.stage(self.f, self.args, self.nums if self.many else self.nums[0])
        except (TypeError, AttributeError):  # UnsupportedOperationError is a TypeError
            return None

    def argnums(self):
        return self.nums if self.many else self.nums[0]


# -- references ----------------------------------------------------------------------------------


@dataclass
class _Reference:
    value: np.ndarray
    error: np.ndarray
    how: str
    exact: bool
    hints: list
    at_kink: bool = False  # a registered kink exactly at the point: the exact value is a convention
    blind: str = ""  # why the reference cannot tell at all (then no verdict is given)


def _reference(t: _Target, kind: str, how: str, v=None) -> _Reference:
    """The reference derivative: kind "jacobian" (m, n), "hessian" (n, n) or "jvp" (m, 1) along v."""
    if how not in REFERENCES:
        raise ValueError(f"unknown reference {how!r}; choose one of {', '.join(map(repr, REFERENCES))}")
    st = t.staged() if how != "numeric" else None
    if st is None and how in ("symbolic", "reverse") and (any(t.cplx) or any(t.out_cplx)):
        raise ValueError(
            f"reference={how!r}: with complex arguments (or outputs) the reference is Richardson differences along "
            "their real and imaginary parts; use reference='numeric' or 'auto'"
        )
    if st is None and how in ("symbolic", "reverse"):
        raise ValueError(
            f"reference={how!r} needs a function difflab can trace (written with "
            "difflab.numpy); use reference='numeric' or 'auto' for a black box"
        )
    if st is None:
        return _numeric(t, kind, v)
    hints, at_kink = kink_hints(st.graph, st.inputs(t.args))
    # the shared policy (difflab.reference) decides whether the 40-digit value is affordable
    size = {"jacobian": t.out_axis.size * t.in_axis.size, "hessian": t.in_axis.size**2}.get(kind, math.inf)
    exact = exact_reference(
        st.graph, st.wrt, st.inputs(t.args), "hessian" if kind == "hessian" else "jacobian", how, entries=size
    )
    if exact is not None:
        value = _no_derivative_where_undefined(t, kind, np.asarray(exact.value, dtype=float))
        value = value @ v[:, None] if kind == "jvp" else value
        return _Reference(
            value,
            np.zeros_like(value),
            "the symbolic derivative of the traced f in 40-digit arithmetic",
            True,
            hints,
            at_kink,
        )
    if kind == "jvp":
        _, jv = api.jvp(t.f, t.args, t.in_axis.split(v))
        value, _ = _matrix(jv, t.out_axis, DIRECTION, "difflab.jvp")
        how_text = "forward-mode AD of the traced f"
    elif kind == "hessian":
        value, _ = _matrix(api.hessian(t.f, t.argnums())(*t.args), t.in_axis, t.in_axis, "difflab.hessian")
        how_text = "forward-over-reverse AD of the traced f"
    else:
        value, _ = _matrix(api.jacobian(t.f, t.argnums())(*t.args), t.out_axis, t.in_axis, "difflab.jacobian")
        how_text = "reverse-mode AD of the traced f"
    return _Reference(value, np.zeros_like(value), how_text, True, hints, at_kink)


def _no_derivative_where_undefined(t: _Target, kind: str, value):
    """The 40-digit derivative with difflab's answer outside the domain (DESIGN.md §6): NaN rows
    where f(x) is not finite, NaN rows and columns at a non-finite input, as every method gives.
    SymPy's formula would give a number there (d log(x)/dx = 1/x at x = -1), and the user's correct
    NaN would then be reported as wrong."""
    bad_out, bad_in = ~np.isfinite(t.y), ~np.isfinite(t.x)
    if not (bad_out.any() or bad_in.any()):
        return value
    value = value.copy()
    if kind == "hessian":
        if bad_out.any():
            value[:] = np.nan
        value[bad_in, :] = value[:, bad_in] = np.nan
    else:  # the Jacobian (m, n), also for a jvp's J v
        value[bad_out, :] = np.nan
        value[:, bad_in] = np.nan
    return value


def _richardson(fun, x):
    return numeric_jacobian(fun, x, scheme="richardson", error_estimate=True)


def _numeric(t: _Target, kind: str, v) -> _Reference:
    with t.quiet():
        return _numeric_quiet(t, kind, v)


def _numeric_quiet(t: _Target, kind: str, v) -> _Reference:
    how = "Richardson-extrapolated central differences of f (a black box to difflab)"
    if kind == "jvp":
        J, E = _richardson(lambda s: t.call(t.x + s[0] * v), np.zeros(1))
        return _Reference(J, E, how, False, [], blind=_below_spacing(t, v))
    elif kind == "hessian":
        J, E = _richardson(lambda x: _richardson(lambda z: t.call(z)[:1], x)[0].ravel(), t.x)
        how = "Richardson differences of Richardson differences of f (a black box to difflab)"
    else:
        J, E = _richardson(t.call, t.x)
    return _Reference(J, E, how, False, [])


def _below_spacing(t: _Target, v) -> str:
    """Why a difference along v cannot see some component of x, or "": the steps s·v of the
    directional differences (s from RICHARDSON_STEP down by RATIO, absolute since they are taken
    from s = 0) are below the spacing of floats at x_i there, so x_i + s·v_i rounds to x_i (or to
    a neighbour far from it) and the difference silently ignores that component."""
    smallest = RICHARDSON_STEP / RATIO ** (Numeric(scheme="richardson").richardson_terms - 1)
    moves = np.abs(smallest * v)
    blind = np.flatnonzero((v != 0) & (moves < np.spacing(np.abs(t.x))))
    if not blind.size:
        return ""
    i = int(blind[np.argmax(np.abs(t.x[blind]))])
    return (
        f"its steps along the direction move {_where(*t.in_axis.locate(i))} = {t.x[i]:.6g} by as little as "
        f"{moves[i]:.2g}, below the spacing of floats there ({np.spacing(abs(t.x[i])):.2g}), so x + step "
        f"rounds and the difference does not see that component ({blind.size} of {v.size} components)"
    )
