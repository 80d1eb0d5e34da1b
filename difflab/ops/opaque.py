"""Matrix functions as opaque SymPy functions: how the symbolic method writes inv, det, log|det|,
cholesky, eigh, svd and pinv of matrices too large for SymPy's explicit entries (their size grows
factorially), the way a computer-algebra system treats an implicitly defined function.

How it works. A matrix function of kind K (inv, eigh, ...) computes a tuple of parts from a matrix
A (eigh: the eigenvalues as a 1×n row and the eigenvectors; inv: A⁻¹). Entry (i, j) of part P is
the SymPy function `difflab_K_P(i, j, rows, *A's entries row-major)`, whose derivative in the
entry a_kl is the kind's rule written with the same functions (d inv(A)_ij / da_kl = −X_ik X_lj):
SymPy's `diff` then works to any order without expanding anything. Numerically, each function
evaluates K's implementation on the matrix its arguments spell and picks its entry; the parts are
kept in a small cache keyed on the matrix's VALUES (dtype, shape and bytes, never an id: a changed
matrix never meets a stale value), so generated code that asks for all n² entries and their
derivatives at one point decomposes A once. High precision (`Prepared.exact`, SymPy's evalf) runs
the kind's mpmath implementation (cached the same way, per working precision); on traced values
(symbolic as the inner method of another derivative) the kind's registry ops compute the parts,
recorded on the outer trace.

The registry entries (linalg.py, decompositions.py) declare their kinds with `matrix_kind` and use
`opaque_translation` as their SymPy translation above their explicit-entry limit (a kind with a parameter,
pinv's rcond, is declared at its first use, one kind per value). While the symbolic method takes a partial
(differentiators/program.py) a rule's `Slot.at` gives the method's NAME for the entry it reads (`naming`),
so the rule is written as a polynomial in names from the start: a Hessian's second sweep then differentiates
products of names, never SymPy functions of all n² entries.

A kind may also give a directional rule (`matrix_kind`'s `tangent`: eig's in complex_linalg.py, the complex SVD's
and eigh's in complex_matrices.py, the real inverse's in linalg.py, cholesky's and pinv's in decompositions.py): the
tangent of an
entry along a direction dA in matrix form (eig: Q = U dA V, dV0 = V (G∘Q), ...), its matrices shared by every entry
of that matrix and direction (`Tangent.memo`). The symbolic method's forward tangents (`Program.tangents`, a JVP)
then take O(n³) products per direction where the entry rules took n² partials per entry (`opaque_tangent`).
Its transpose, a cotangent rule (`matrix_kind`'s `cotangent`: eig's and the complex inverse's in complex_linalg.py,
the real inverse's in linalg.py, cholesky's and pinv's in decompositions.py), gives the adjoints of the matrix's
entries from those of all its parts' entries at once (eig: Ā = Uᴴ Q̄ Vᴴ; inv: Ā = −Xᵀ X̄ Xᵀ): the
symbolic method's reverse sweep (`Program.gradient`) holds the adjoints of a matrix's part entries until the
first of them is visited (every later one is then complete) and pulls the matrix back once (`opaque_cotangent`),
where the entry rules took n² partials per entry (an 8×8 eig: 8192 per part, and their n³ shared sums; a Hessian's
second sweep differentiated those again: a 6×6 solve's symbolic Hessian 3.9 s of CPU, 0.95 s pulled back whole).

Complex matrices (a kind declared `split=True`, complex_matrices.py): the function's arguments are the
real parts of A's entries, then their imaginary parts, and each part is real (U as its real and its
imaginary part), so the symbolic method's complex values stay pairs of real expressions; a rule is
then d part[i, j] / d Re a_kl or d Im a_kl (`Slot.imag`), and `Slot.a` gives the complex entry.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from typing import Callable

import numpy as np

from ..errors import warn_domain_unplaced
from .core import REAL, REGISTRY, SYMPY_TRACED, _count, _reshape, _shape, _sp, sympy_function

__all__ = [
    "active_namer",
    "matrix_kind",
    "naming",
    "opaque_kinds",
    "opaque_translation",
    "opaque_entry",
    "opaque_tangent",
    "opaque_cotangent",
    "cotangent_group",
    "Slot",
    "Tangent",
    "Cotangent",
]

#: kind -> (implementation on float arrays, on mpmath matrices, on traced values, {part: rule}, part shapes)
_KINDS: dict = {}
_CACHE: collections.OrderedDict = collections.OrderedDict()
_TRACED: collections.OrderedDict = collections.OrderedDict()  # (kind, rows, ids of traced entries) -> parts
_CACHE_SIZE = 32  # distinct matrices kept (a Hessian through several decompositions at one point)
_LOCK = threading.Lock()
_NAMER = threading.local()  # .fn: the active `naming` callback (per thread)
#: kinds of complex matrices: arguments (i, j, rows, *Re entries, *Im entries), every part real
_SPLIT: set = set()
#: kinds of real matrices whose parts SymPy is told are real (`matrix_kind`'s real=)
_REAL: set = set()
#: kind -> its directional rule (`matrix_kind`'s `tangent`)
_TANGENTS: dict = {}
#: kind -> its cotangent rule (`matrix_kind`'s `cotangent`)
_COTANGENTS: dict = {}
#: kind -> {part: what a NaN read from that part of a finite matrix means} (`matrix_kind`'s `nan_says`)
_NAN_SAYS: dict = {}


class _Entries(tuple):
    """A matrix's entries (SymPy symbols and numbers) as a tuple that computes its hash once: the rules' caches
    (complex_matrices._memo, `_DIRECTIONS`, the symbolic method's entry names) key on the entries, asked for
    thousands of times per matrix, and SymPy's Float hashes by converting itself to a float at every call (a
    complex 4×4 SVD's symbolic Hessian, its constant entries Floats: a tenth of its time). Equal to, and hashed as,
    the plain tuple.

    >>> import sympy as sp
    >>> e = _Entries((sp.Float(0.5), sp.Symbol("x")))
    >>> hash(e) == hash(tuple(e)) and e == tuple(e) and {tuple(e): 1}[e]
    1
    """

    def __hash__(self):
        h = self.__dict__.get("hash")
        if h is None:
            h = self.__dict__["hash"] = tuple.__hash__(self)
        return h


class Slot:
    """What a derivative rule is given: the entry (i, j) being differentiated, the matrix entry
    (k, l) it is differentiated by, the matrix's shape, and `at(kind, part, p, q)`: entry (p, q) of
    another part (of any kind) of the same matrix; `a(p, q)`: the matrix's own entry. Of a complex
    matrix (`split`): `imag` says whether the rule is d/d Im a_kl (else d/d Re a_kl)."""

    def __init__(self, args, pos, split=False):
        self.i, self.j, self.rows = int(args[0]), int(args[1]), int(args[2])
        self.entries = _Entries(args[3:])
        self.half = len(self.entries) // 2 if split else len(self.entries)
        self.cols = self.half // self.rows
        self.imag = pos - 3 >= self.half
        self.k, self.l = divmod((pos - 3) % self.half, self.cols)

    def at(self, kind, part, p, q):
        namer = getattr(_NAMER, "fn", None)
        if namer is not None:  # the symbolic method's name for the entry (`naming`)
            return namer(kind, part, p, q, self.rows, self.entries)
        return opaque_entry(kind, part)(p, q, self.rows, *self.entries)

    def a(self, p, q):
        entry = self.entries[p * self.cols + q]
        return (
            entry if self.half == len(self.entries) else entry + _sp().I * self.entries[self.half + p * self.cols + q]
        )


def matrix_kind(
    kind: str,
    impl: Callable,
    mp_impl: Callable,
    traced_impl: Callable,
    rules: dict,
    shapes: Callable,
    refused: float = np.nan,
    split: bool = False,
    tangent: Callable | None = None,
    cotangent: Callable | None = None,
    nan_says: dict | None = None,
    real: bool = False,
):
    """Declare kind `kind`: `impl(A)` -> tuple of float arrays (..., p, q) per part; `mp_impl(A)` (an
    mpmath matrix) -> tuple of mpmath matrices; `traced_impl(A)` (traced, (..., rows, cols)) -> tuple
    of traced parts; `rules[part](slot)` -> d part[i, j] / d a_kl as a SymPy expression (`Slot`);
    `shapes(rows, cols)` -> each part's (p, q); `refused`: the parts' value for a matrix `impl`
    refuses (LinAlgError), with a DomainWarning. `split`: a kind of complex matrices (real parts). `tangent(t,
    part, i, j)`: the directional derivative of entry (i, j) of the part along the tangent `t` (a `Tangent`) in
    matrix form, O(n³) products per direction for all entries where the entry rules take n² partials each.
    `cotangent(c)`: the adjoint of each of the matrix's entry arguments given the adjoints of the parts' entries
    (`c`, a `Cotangent`), in matrix form: a reverse sweep's O(n³) products per matrix where the entry rules take
    n² partials per entry. `nan_says[part]`: the DomainWarning said when generated code reads a NaN entry of that
    part of a finite matrix (a part that is NaN where the symbolic method has no closed form: pinv's cut term's
    derivative), so such a NaN is never silent. `real`: declare the parts real to SymPy (as a split kind's are), so a
    complex expression of them splits (expm's real embedding of a complex matrix)."""
    _KINDS[kind] = (impl, mp_impl, traced_impl, rules, shapes, refused)
    if nan_says:
        _NAN_SAYS[kind] = nan_says
    if split:
        _SPLIT.add(kind)
    if real:
        _REAL.add(kind)
    if tangent is not None:
        _TANGENTS[kind] = tangent
    if cotangent is not None:
        _COTANGENTS[kind] = cotangent


class Tangent:
    """What a directional rule is given: the matrix (`rows`, `entries`), the tangent of each of its entries (`d`,
    0 where an entry is held), `at(kind, part, p, q)` as `Slot.at`, `a(p, q)` as `Slot.a`, `da(p, q)`: (Re, Im) of the tangent of
    entry (p, q) (Im 0 for a real kind), and `memo`: the rule's values for this matrix and direction."""

    def __init__(self, rows, entries, d, split):
        self.rows, self.entries, self.d, self.memo = rows, entries, d, {}
        self.half = len(entries) // 2 if split else len(entries)
        self.cols = self.half // rows

    at, a = Slot.at, Slot.a

    def da(self, p, q):
        k = p * self.cols + q
        return self.d[k], (self.d[self.half + k] if self.half < len(self.d) else 0)


_DIRECTIONS: collections.OrderedDict = collections.OrderedDict()  # (namer, kind, rows, entries, d) -> Tangent


def opaque_tangent(e, d):
    """The directional derivative of the opaque entry e (its arguments symbols and numbers) whose matrix entries'
    tangents are `d` (one per entry argument, 0 where held), by its kind's directional rule; None for a kind
    without one. Entries of one matrix along one direction share the rule's values (`Tangent.memo`)."""
    kind, part = type(e).difflab_kind
    rule = _TANGENTS.get(kind)
    if rule is None:
        return None
    i, j, rows = (int(a) for a in e.args[:3])
    entries = _Entries(e.args[3:])
    key = (active_namer(), kind, rows, entries, tuple(d))
    with _LOCK:
        t = _DIRECTIONS.get(key)
        if t is None:
            t = _DIRECTIONS[key] = Tangent(rows, entries, list(d), kind in _SPLIT)
            while len(_DIRECTIONS) > _CACHE_SIZE:
                _DIRECTIONS.popitem(last=False)
    value = rule(t, part, i, j)
    return value if isinstance(value, _sp().Basic) else _sp().Integer(value)


class Cotangent:
    """What a cotangent rule is given: the matrix (`rows`, `entries`), `bar(part, p, q)`: the adjoint of entry
    (p, q) of the part (0 where it has none), `has(part)`: whether any entry of the part has one, `at(kind, part,
    p, q)` as `Slot.at`, and `wanted(k)`: whether the adjoint of entry argument k is asked for (an argument that
    is a number, such as a real matrix's imaginary parts, has none)."""

    def __init__(self, rows, entries, bars, wanted):
        self.rows, self.entries, self.bars, self.wanted = rows, entries, bars, wanted
        self._parts = {part for part, _, _ in bars}

    at = Slot.at

    def bar(self, part, p, q):
        return self.bars.get((part, p, q), 0)

    def has(self, part):
        return part in self._parts


def cotangent_group(e):
    """(kind, rows, matrix entries) of the opaque entry e when its kind has a cotangent rule and its arguments are
    symbols and numbers, else None: the entries of one matrix's parts that a reverse sweep pulls back together."""
    kind = getattr(type(e), "difflab_kind", None)
    if kind is None or kind[0] not in _COTANGENTS or not all(a.is_Atom for a in e.args):
        return None
    return kind[0], int(e.args[2]), e.args[3:]


def opaque_cotangent(group, bars: dict, wanted: list) -> list:
    """The adjoint of each entry argument of the matrix of `group` (`cotangent_group`) given `bars`, {(part, i, j):
    the adjoint of that entry}, by the kind's cotangent rule: one list as long as the entries (0 where `wanted[k]`
    is false or the adjoint is structurally 0). Of a 1×1 complex inverse at a = 2 (real), X̄ = 1: −1/a² = −0.25.

    >>> import sympy as sp, difflab.ops.complex_linalg  # (declares the complex kinds)
    >>> from difflab.ops.core import SYMPY_MATH
    >>> a = sp.Symbol("a", real=True)
    >>> group = cotangent_group(opaque_entry("cinv", 0)(0, 0, 1, a, sp.Integer(0)))
    >>> group[:2]
    ('cinv', 1)
    >>> d = opaque_cotangent(group, {(0, 0, 0): sp.Integer(1)}, [True, False])
    >>> sp.lambdify([a], d[0], modules=[SYMPY_MATH, "math"])(2.0)
    -0.25
    """
    kind, rows, entries = group
    out = _COTANGENTS[kind](Cotangent(rows, entries, bars, wanted))
    return [v if isinstance(v, _sp().Basic) else _sp().Integer(v) for v in out]


@contextlib.contextmanager
def naming(namer: Callable, sums: Callable | None = None):
    """Within the block, a rule's `Slot.at(kind, part, p, q)` is `namer(kind, part, p, q, rows, entries)`: the
    symbolic method's name (a symbol) for that entry, not a SymPy function application over all n² entries of
    the matrix, which the method then found and replaced by its name (a nested check's 6×6 eigh: most of the
    time of its derivative's rules). `sums(e)`: the method's name for a sum e (`named_sum`)."""
    before = getattr(_NAMER, "fn", None), getattr(_NAMER, "sums", None)
    _NAMER.fn, _NAMER.sums = namer, sums
    try:
        yield
    finally:
        _NAMER.fn, _NAMER.sums = before


def named_sum(e):
    """e, or within `naming(..., sums)` the symbolic method's name for e when e is a sum (or an integer power of
    one): a rule that multiplies sums (complex_matrices.py's) then builds products of names, which the method
    would otherwise take apart and name after SymPy had built (and distributed) the nested products."""
    sums = getattr(_NAMER, "sums", None)
    if sums is None or not isinstance(e, _sp().Basic) or not (e.is_Add or (e.is_Pow and e.base.is_Add)):
        return e
    return sums(e)


def active_namer():
    """The `naming` callback in force (None outside one): a cache of rule values keys on it."""
    return getattr(_NAMER, "fn", None)


def opaque_kinds() -> frozenset:
    """The kinds declared so far (a kind with a parameter, pinv's rcond, is declared at first use)."""
    return frozenset(_KINDS)


def _cached(key, compute):
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    value = compute()
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def _parts(kind, m):
    """The kind's parts of the float matrix (stack) m, computed once per distinct value of m."""

    def compute():
        said = []
        try:
            parts = tuple(np.array(p, dtype=float) for p in _KINDS[kind][0](m))
        except np.linalg.LinAlgError:  # (inv of a singular matrix, cholesky of one not positive definite, svd of NaN)
            parts = _refused_parts(kind, m, said)
        for p in parts:
            p.setflags(write=False)  # shared by every later call with this value
        return parts, said

    parts, said = _cached((kind, m.dtype.str, m.shape, m.tobytes()), compute)
    for message in said:  # (on every call: each public call says it once, errors.warn_domain)
        warn_domain_unplaced(kind, message)
    return parts


def _refused_parts(kind, m, said):
    """The parts of a matrix (stack) NumPy refuses: NaN (or the kind's `refused` value) for each matrix it
    refuses, as the other methods give it (trace.py's `_refused`); `said` gets the DomainWarning naming the
    op (the generated code knows no equation)."""
    flat = m.reshape((_count(m.shape[:-2]),) + m.shape[-2:])
    shapes = _KINDS[kind][4](*m.shape[-2:])
    out = [np.full((len(flat), *shape), _KINDS[kind][5]) for shape in shapes]
    for k, one in enumerate(flat):
        try:
            for o, p in zip(out, _KINDS[kind][0](one)):
                o[k] = p
        except np.linalg.LinAlgError as exc:
            if np.isfinite(one).all() and not said:  # (a NaN passed on was reported where it was born)
                said.append(f"{kind}: {exc} (outside the domain of {kind}); the result holds NaN")
    return tuple(o.reshape(m.shape[:-2] + o.shape[1:]) for o in out)


def _numeric(kind, part):
    def numeric(i, j, rows, *entries):
        """Entry (i, j) of the part, on arrays (generated NumPy code: a block of examples or stacked matrices)."""
        flat = np.broadcast_arrays(*[np.asarray(e, dtype=float) for e in entries])
        m = _joined(kind, np.stack(flat, axis=-1))
        m = m.reshape(flat[0].shape + (int(rows), m.shape[-1] // int(rows)))
        return _said_if_nan(kind, part, m, _parts(kind, m)[part][..., int(i), int(j)])

    def on_float(i, j, rows, *entries):
        """The same on Python floats (the one-example code)."""
        m = _joined(kind, np.array(entries, dtype=float)).reshape(int(rows), -1)
        return float(_said_if_nan(kind, part, m, _parts(kind, m)[part][int(i), int(j)]))

    return numeric, on_float


def _said_if_nan(kind, part, m, value):
    """`value`, read from the part; with the kind's `nan_says` DomainWarning if it holds NaN where m is finite."""
    says = _NAN_SAYS.get(kind, {}).get(part)
    if says is not None and np.isnan(value).any() and np.isfinite(m).all():
        warn_domain_unplaced(kind, says)
    return value


def _joined(kind, entries):
    """The entries along the last axis as the matrix's (a complex kind's: real parts, then imaginary ones)."""
    if kind not in _SPLIT:
        return entries
    half = entries.shape[-1] // 2
    return entries[..., :half] + 1j * entries[..., half:]


def _high_precision(kind, part):
    def on_mp(i, j, rows, *entries):
        import mpmath

        key = (kind, "mp", mpmath.mp.prec, tuple(entries))
        rows = int(rows)
        if kind in _SPLIT:
            half = len(entries) // 2
            entries = [mpmath.mpc(x, y) for x, y in zip(entries[:half], entries[half:])]
        cols = len(entries) // rows
        matrix = [list(entries[r * cols : (r + 1) * cols]) for r in range(rows)]
        parts = _cached(key, lambda: _KINDS[kind][1](mpmath.matrix(matrix)))
        return parts[part][int(i), int(j)]

    return on_mp


def _traced(kind, part):
    def traced(i, j, rows, *entries):
        """Entry (i, j) of the part on traced entries: the matrix stacked and the kind's registry ops recorded,
        once per kind and matrix (the same traced entries): symbolic's inner code reads every entry of V, w and
        the gaps, and recorded each with its own stack and decomposition, which the outer method then
        translated and differentiated again (a nested check of a 6×6 eigh: hundreds of decompositions)."""
        key = (kind, int(rows), tuple(map(id, entries)))
        with _LOCK:
            hit = _TRACED.get(key)
            if hit is not None:
                _TRACED.move_to_end(key)
        if hit is None:
            shape = np.broadcast_shapes(*[_shape(e) for e in entries])
            flat = [e if _shape(e) == shape else REGISTRY["broadcast_to"](e, shape=shape) for e in entries]
            m = REGISTRY["stack"](*flat, axis=len(shape))
            if kind in _SPLIT:  # (real parts, then imaginary ones)
                half = len(entries) // 2
                m = REGISTRY["add"](m[..., :half], REGISTRY["mul"](m[..., half:], 1j))
            m = _reshape(m, shape + (int(rows), _shape(m)[-1] // int(rows)))
            hit = (entries, _KINDS[kind][2](m))  # (the entries held: their ids stay theirs while cached)
            with _LOCK:
                _TRACED[key] = hit
                while len(_TRACED) > _CACHE_SIZE:
                    _TRACED.popitem(last=False)
        return hit[1][part][(..., int(i), int(j))]

    return traced


def opaque_entry(kind: str, part: int):
    """The SymPy function class of part `part` of kind `kind` (made at first use)."""
    name = f"difflab_{kind}_{part}"
    rule = _KINDS[kind][3][part]

    def derivative(args, pos):
        d = 0 if pos < 3 else rule(Slot(args, pos, split=kind in _SPLIT))
        return d if isinstance(d, _sp().Basic) else _sp().Integer(d)  # (a rule's structural 0)

    numeric, on_float = _numeric(kind, part)
    SYMPY_TRACED[name] = _traced(kind, part)
    methods = {"_eval_derivative": _eval_derivative, "difflab_shared": True, "difflab_kind": (kind, part)}
    if kind in _SPLIT or kind in _REAL:  # (each part real: SymPy splits expressions of them into re and im parts)
        methods.update(REAL)
    return sympy_function(name, numeric, derivative, _high_precision(kind, part), on_float, methods=methods)


def _eval_derivative(self, s):
    """d/ds of an entry whose arguments are symbols and numbers (the symbolic method names every matrix
    entry): the rule at the positions holding s, without SymPy's diff of each of the n² + 3 arguments."""
    if not all(a.is_Atom for a in self.args):
        return _sp().Function._eval_derivative(self, s)
    hits = [pos for pos, a in enumerate(self.args) if a == s]
    return _sp().Add(*[self.fdiff(pos + 1) for pos in hits])


def opaque_translation(kind: str, part: int, vector: bool = False, scalar: bool = False, lower: bool = False):
    """The SymPy translation of part `part` of kind `kind` for one SymPy matrix m: an object array of
    its entries as opaque functions (`vector`: the 1×n part as n values; `scalar`: the 1×1 one as one;
    `lower`: a lower-triangular part, its upper entries 0)."""

    def translate(m):
        rows, cols = m.shape
        p, q = _KINDS[kind][4](rows, cols)[part]
        fn, entries, zero = opaque_entry(kind, part), list(m), _sp().Integer(0)
        if kind in _SPLIT:
            pairs = [_sp().Add(e).as_real_imag() for e in entries]  # (Add: a SymPy value, never a parse)
            entries = [x for x, _ in pairs] + [y for _, y in pairs]
        out = np.array(
            [[zero if lower and j > i else fn(i, j, rows, *entries) for j in range(q)] for i in range(p)], dtype=object
        )
        return out[0, 0] if scalar else out[0] if vector else out

    return translate
