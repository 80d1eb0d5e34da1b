"""Buffers a sweep made and alone holds, written in place: the ownership both interpreters' in-place steps rest on.

A loop of n writes `y[i] = v` records n setitem equations; each one's rules copied a whole array (reverse: setitem's
rule copies ū with idx zeroed, getitem's scatters ū into zeros of the array's size and adds; forward: the value and
the tangent copied), O(n) a write. Where a sweep owns the array (it made it, nothing else holds or views it, nothing
reads it later) the op's registry facts write into it instead: `Op.vjp_in_place` and `Op.vjp_add_into` in
reverse's sweep (`reused`, `added_into`, `write`, `claim`: differentiators/reverse.py `_pull`), `Op.in_place` and
`Op.jvp_in_place` in forward's (`Owned`: differentiators/forward.py `push`), which also drops each value and tangent
after its last reader. Nothing here names an op; a copy taken to own a buffer is the rule's own first step, so the
numbers are the rules'. tests/test_assignment_inplace.py breaks each check on purpose and sees the numbers change.
"""

from __future__ import annotations

import numpy as np

from ..graph import Const, Traced, Var, guarded, on_behalf, views

__all__ = ["Owned", "added_into", "claim", "may_view", "owns", "private_copy", "reused", "views", "write"]


#: NumPy scalar constants that a weak Python float ū would take the precision of (NEP 50)
_NARROW = (np.float32, np.float16, np.complex64)


def widened(eqn, ct: float):
    """A Python float cotangent ū as np.float64 where an argument of `eqn` is a narrower NumPy scalar constant (the
    float path's ū is float64: a Python float times np.float32(0.3) would be float32, and so the gradient).

    >>> from types import SimpleNamespace as Eqn
    >>> type(widened(Eqn(args=[Const(np.float32(0.3))]), 2.0) * np.float32(0.3)), widened(Eqn(args=[]), 2.0)
    (<class 'numpy.float64'>, 2.0)
    """
    if any([type(a) is Const and type(a.value) in _NARROW for a in eqn.args]):
        return np.float64(ct)
    return ct


def owns(c, a) -> bool:
    """Whether the array c may be written in place as a's cotangent: a's shape (not 0-d), float64 (complex128 for
    a complex a), contiguous and writeable; whether the sweep alone holds it is the caller's to know.

    >>> a = Var.make(0, (3,), np.dtype(float))
    >>> owns(np.zeros(3), a), owns(np.zeros(6)[::2], a), owns(np.zeros(3, complex), a)
    (True, False, False)
    """
    return (
        type(c) is np.ndarray
        and c.shape == a.shape
        and c.ndim > 0
        and (c.dtype == np.float64 or c.dtype == np.complex128 and a.dtype.kind == "c")
        and c.flags.c_contiguous
        and c.flags.writeable
    )


def may_view(c, ct) -> bool:
    """Whether a rule's result c may view the cotangent ct (getitem's slice of it, or ct itself).

    >>> ct = np.zeros(4); may_view(ct[1:3], ct), may_view(ct[1], ct)
    (True, False)
    """
    return isinstance(c, np.ndarray) and np.may_share_memory(c, ct)


# -- reverse's sweep: `own` maps a Var to a flat index where its cotangent is known nonzero (-1: none known) --


def reused(eqn, ct, w, active, cts, own):
    """(i, ct or None): the argument i whose cotangent ct's own buffer becomes by its op's `vjp_in_place`, run after
    the other rules (they read ct), and ct where the sweep owns it (w not None: the rules' views of it are copied);
    (None, None) unless i is an active Var, once among the arguments, without a cotangent yet, ct an array of its kind."""
    rules = eqn.op.vjp_in_place if own is not None else ()
    i = next((i for i, r in enumerate(rules) if r is not None), None) if rules else None
    a = None if i is None else eqn.args[i]
    if a is None or type(a) is not Var or a not in active or a in cts or not owns(ct, a):
        return None, None
    return (None, None) if sum(b is a for b in eqn.args) > 1 else (i, None if w is None else ct)


def write(eqn, i, ct, w, out, vals, kw, cts, own) -> None:
    """Argument i's cotangent by its op's `vjp_in_place` in ct's buffer (w not None: the sweep's) or in a copy of
    it (the rule's own first step); nothing where i is None."""
    if i is not None:
        buf = ct if w is not None else private_copy(ct)
        cts[eqn.args[i]] = on_behalf(eqn, eqn.op.vjp_in_place[i], buf, out, *vals, **kw)
        own[eqn.args[i]] = -1 if w is None else w


def claim(cts, own, a, total, c, held) -> None:
    """a's cotangent is now `total` (the rule's value c, or a sum with it): the sweep's own where it is a new array;
    a value c that may view `held` (ct, to be written in place next) is copied first."""
    if held is not None and total is c and may_view(c, held):
        total = c.copy()
    cts[a] = total
    if own is not None and total is not c and owns(total, a) and total.base is None:
        own[a] = -1
    elif own is not None:
        own.pop(a, None)


def added_into(eqn, i, ct, env, vals, kw, cts, own) -> bool:
    """Argument i's cotangent added by its op's `vjp_add_into` into the one the sweep owns, or made as a new one it
    owns; False where it cannot (then the rule runs, nothing written)."""
    fns = eqn.op.vjp_add_into if own is not None else ()
    if i >= len(fns) or fns[i] is None:
        return False
    a = eqn.args[i]
    acc = cts.get(a)
    if acc is not None and (a not in own or not owns(acc, a)):
        return False
    if type(ct) is not float and type(ct) is not np.ndarray and not isinstance(ct, np.number):
        return False  # (a traced cotangent: an enclosing derivative records the rule)
    kind = np.result_type(ct).kind
    if kind != "f" and not (kind == "c" and a.dtype.kind == "c"):
        return False
    if acc is not None and np.result_type(acc, ct) != acc.dtype:
        return False
    with np.errstate(all="ignore"):  # inf - inf: as forward's `_sum`, NaN reported where the partials arose
        c = on_behalf(eqn, fns[i], acc, ct, env[eqn.out], *vals, **kw)
    if c is None or acc is None and not (owns(c, a) and c.base is None):
        return False  # (acc untouched)
    cts[a] = c
    own[a] = own.get(a, -1)
    return True


# -- forward's interpreter --


class Owned:
    """The values and tangents forward's interpreter made and alone holds (an `in_place` op's result in a buffer
    of its own, or in a copy it took: `impl`'s own first step), and when each Var's last reader is done.

    A buffer stays owned while no value or tangent computed from it may view it (`np.may_share_memory`: getitem's
    slice is a view) and only its own Var's Dual holds it: a write into it then changes nothing anyone reads.
    """

    def __init__(self, graph):
        self.last: dict = {}  # Var -> the index of the last equation reading it
        for k, eqn in enumerate(graph.eqns):
            for a in eqn.args:
                if type(a) is Var:
                    self.last[a] = k
        self.keep = {o for o in graph.outputs if type(o) is Var}
        self.mine: set = set()  # (Var, 0): its value is ours, (Var, 1): its tangent
        self.new: set = set()  # the parts of the current equation's output written into buffers of ours
        self.y = None  # the current equation's first argument, where it is written in place

    def writable(self, eqn, k):
        """The first argument of an in-place op that no later equation reads (nor this one twice), or None."""
        if eqn.op.in_place is None or not eqn.args:
            return None
        y = eqn.args[0]
        if type(y) is not Var or self.last.get(y) != k or y in self.keep or sum(a is y for a in eqn.args) > 1:
            return None
        return y

    def written(self, eqn, k, vals, ts):
        """(value, tangent) of equation k: an in-place op's written into its first argument's buffers where they may
        be (`writable`), its tangent None where not written so; else `impl`'s value (bind) and None. On traced values
        (the sweep traced: forward.py `_sweep_graph`) the write is the trace's (Trace.assigned: in place where no other
        array sees the buffer, by its reference count) into a traced value of ours: `in_place` and `jvp_in_place`
        take a traced target (setitem's), and a traced value bind made is a new one, ours."""
        y = self.y = self.writable(eqn, k)
        out = None if y is None else self.value(eqn, y, vals)
        if out is None:
            out = guarded(eqn, eqn.op.bind, *vals, **eqn.kw)
            if y is not None and isinstance(out, Traced) and isinstance(vals[0], Traced):
                self.new.add(0)
            return out, None
        return out, self.tangent(eqn, y, ts, out, vals)

    def value(self, eqn, y, vals):
        """`Op.in_place` into y's value (ours, else a copy), or None where it does not apply."""
        v = vals[0]
        if isinstance(v, Traced):
            return self.traced(eqn, eqn.op.in_place, v, y, 0, vals[1:])
        if type(v) is not np.ndarray or v.ndim == 0 or v.dtype.kind not in "fc":
            return None
        buf = v if (y, 0) in self.mine else private_copy(v)
        out = guarded(eqn, eqn.op.in_place, buf, *vals[1:], **eqn.kw)
        if out is buf:
            self.new.add(0)
        return out

    def tangent(self, eqn, y, ts, out, vals):
        """`Op.jvp_in_place` into y's tangent (ours, else a copy), or None where it does not apply."""
        t = ts[0]
        if eqn.op.jvp_in_place is not None and isinstance(t, Traced):
            rule = eqn.op.jvp_in_place
            return self.traced(eqn, lambda b, *r, **kw: rule([b, *ts[1:]], *r, **kw), t, y, 1, [out, *vals])
        if eqn.op.jvp_in_place is None or type(t) is not np.ndarray or t.dtype.kind not in "fc":
            return None
        if t.shape != np.shape(out) or t.dtype != np.result_type(t, *[u for u in ts[1:] if u is not None]):
            return None
        buf = t if (y, 1) in self.mine else private_copy(t)
        total = guarded(eqn, eqn.op.jvp_in_place, [buf, *ts[1:]], out, *vals, **eqn.kw)
        if total is buf:
            self.new.add(1)
        return total

    def traced(self, eqn, fn, v, y, part, rest):
        """`fn` (an in-place form) on the traced value v, y's value (part 0) or tangent (1), where that traced value is
        ours (a new one bind or a write made: no other Dual holds it); its result, a new traced value, ours too."""
        if (y, part) not in self.mine or v.shape != eqn.out.shape or eqn.out.dtype.kind not in "fc":
            return None
        total = guarded(eqn, fn, v, *rest, **eqn.kw)
        if total is not None and isinstance(total, Traced):
            self.new.add(part)
        return total

    def joint(self, eqn, total, ts):
        """`total`, the op's joint rule's tangent; for an in-place op's output on a traced sweep (a new traced value
        bind made) ours to write into."""
        if self.y is not None and eqn.op.jvp_in_place is not None and isinstance(total, Traced):
            if isinstance(ts[0], Traced) or ts[0] is None:
                self.new.add(1)
        return total

    def after(self, eqn, k, env, out, duals) -> None:
        """Equation k's Dual `out` into `env`, and ownership after it: the buffers written pass to its output; a
        buffer its output may view is shared from then on; every argument read for the last time leaves `env`."""
        env[eqn.out] = out
        mine, y = self.mine, self.y
        if y is not None:
            mine.discard((y, 0))
            mine.discard((y, 1))
        for part in self.new:
            mine.add((eqn.out, part))
        self.new.clear()
        if mine:
            for a, d in zip(eqn.args, duals):
                for part in (0, 1):
                    if type(a) is Var and (a, part) in mine and (views(out[0], d[part]) or views(out[1], d[part])):
                        mine.discard((a, part))
            for part in (0, 1):
                if (eqn.out, part) in mine and views(out[1 - part], out[part]):
                    mine.discard((eqn.out, part))
        for a in eqn.args:
            if type(a) is Var and self.last.get(a) == k and a not in self.keep:
                self.drop(a, env)
        if eqn.out not in self.last and eqn.out not in self.keep:
            self.drop(eqn.out, env)

    def drop(self, a, env) -> None:
        env.pop(a, None)
        self.mine.discard((a, 0))
        self.mine.discard((a, 1))


def private_copy(x):
    """A copy of the array x that its taker alone holds (and so may write into).

    >>> a = np.ones(2); private_copy(a) is a
    False
    """
    return np.array(x, copy=True)
