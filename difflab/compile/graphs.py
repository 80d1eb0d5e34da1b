"""Graphs lowered to straight-line NumPy: one call a line, dead values freed, buffers reused.

`lower(graph)` is the compiled twin of `graph.evaluate` (and, with `batched` flags, of
`graph.evaluate_batched`): the same values, the same cost charged, no interpretation per call.

How speculation works (`lower(..., speculate=True)`). The rules contract and multiply tangents and
cotangents strongly (strong_mul, strong_matmul, strong_einsum: 0 times NaN or ±inf is 0, DESIGN.md
§3), and checking each operand for non-finite entries costs a pass and ~2 µs per product. The
speculative function runs the graph with every strong op replaced by its plain form (the entry's
`plain`: mul, matmul, einsum) and checks, once at the end, that the outputs downstream of a
replaced op are finite (one BLAS pass each); otherwise, or when the plain run raised (a
FloatingPointError under np.errstate(raise), a LinAlgError), it runs the exact program, whose
answer (or error) stands. Why a finite answer is the exact one: entry by entry, a plain value
either equals the exact one or is NaN. A plain product differs from a strong one only where a
zero meets a NaN or ±inf, and there it is NaN (a contraction entry that sums such a product
too); every other op maps equal arguments to equal results and a NaN argument to a NaN result,
or to a result that does not depend on that argument (x**0, where's other branch): for example

    u = [1, 0], M = [[2, 3], [nan, inf]]      strong u @ M = [2, 3]      plain u @ M = [nan, nan]
    g = sum(u @ M)                            exact 5                    plain nan: run exact

So a NaN that the strong ops would have made a number reaches every output that depends on it,
and a finite output is the exact one. The ops that may turn a NaN into a number are excluded:
an op marked `drops_nan` (fmax, nan_to_num, copysign, the iterative decompositions, a user's
function), a piecewise-constant one and any with a non-float output (comparisons, isnan). When a
value downstream of a strong op reaches one of them, the graph is lowered exactly, unspeculated.

How guarded functions work (`lower(..., guard=positions)` sets `fn.guarded`). A prepared gradient's
every call used to pay per-call layers around the code: an error state, its cost charged in three
places, a finiteness pass per output and per differentiated input, copies of results that might
alias an input. `fn.guarded` is the same program (speculative where `fn` is) for the common case
only: it runs under its own error state, and returns the outputs only when nothing raised and one
fused sum is finite, whose terms (Σ v·v: a BLAS dot per array, a sum above `_DOT_MAX` entries, as
`ops.core.all_surely_finite`; v - v for a number; a sum of Python floats for a row of up to `_LISTED`) imply that the guarded inputs, the function's
values (`values`) and the operands of the plain forms (every operand finite: plain = strong) are
finite. A value needs no term of its own when one it reaches through the registry's `strict`
arguments has one (`_check_terms`): for an MLP's loss, W1 and b1 reach the loss, W0 and b0 reach
x W0 + b0 (not tanh(x W0 + b0): tanh(∞) = 1), so two terms check four weights; a value whose
entries are another's rearranged (x.T, an operand of the plain dW0 = x.T @ dz) counts as that one
(`_rearranged`): x is checked through x W0 + b0 already. Else it returns None, and the caller
takes its general path (the exact program, the API's masks and warnings): None is never an
answer. A derivative computed exactly needs no check: a non-finite one is what the general path
answers too. It charges nothing (`guarded.eqns`, `guarded.elements`: what one call would have
charged, for the caller to charge once). Its results are owned, decided when generating, not per
call: an output made by a ufunc is a fresh buffer; an input, a constant, or a value that may share
memory with one (through views: reshape, transpose, a slice) or with another output is returned as
a copy; a view of intermediates only is returned as it is when its ops' views are never read-only
(`Op.writable_view`: reshape, transpose, getitem), any other copied only if NumPy made it read-only.
For the gradient of `sum(x * reshape(y))` with respect to x, the view `v2 = reshape(y)`:
`return (v4, _fresh(v2))`.
Because it answers only the common case, its program is that case's (`_common_case`): a factor that
is 1 wherever the value it guards is finite (finite_or_nan) is 1, that value checked instead, and
x·1 folds; a strong op that speculation refused is its plain form after a check of its operands.
"""

from __future__ import annotations

import builtins  # this package is named `compile`; the generated source needs Python's
import functools
import heapq
import math
import threading
from sys import getrefcount
from typing import Any

import numpy as np

from ..graph import ERRSTATE as _ERRSTATE
from ..graph import Const, Graph, Traced, Var, charge, prune, work
from ..ops.core import _DOT_MAX, _vdot, all_surely_finite, lifting_partial
from ..ops import LINEAR_STEPS as STEPS
from .linear import fuse_linear

__all__ = ["lower"]


#: float64's smallest normal number, and below it the subnormals of fewer than 26 bits (`_underflow_exact`)
_TINY = float(np.finfo(np.float64).tiny)
_LOST = _TINY * 2.0**-26

#: (the error state last seen, it with invalid and divide raising): making the second costs a few
#: thousand instructions a call, and the state a program runs in rarely changes between its calls
_RAISING: list = [(None, None)]


def _raising(current):
    """The error state `current` (the one in force) with invalid and divide raising, remembered."""
    assert _ERRSTATE is not None
    # (made from the state in force: `current`; an overflow raises too: the general path's interpreter says it, a rule's
    # term as a DerivativeRangeWarning, where the generated line printed NumPy's warning; an underflow too, free where
    # none happens: a term lost or a subnormal value read, which compiled code would answer silently from the second
    # call where the interpreter said it on the first, issue 11)
    made = _ERRSTATE[1](invalid="raise", divide="raise", over="raise", under="raise")
    _RAISING[0] = (current, made)  # one assignment: a thread reads the pair whole
    return made


def _fresh(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def lower(
    graph: Graph,
    batched: tuple | None = None,
    reuse: bool = True,
    charged: bool = True,
    speculate: bool = False,
    guard: tuple | None = None,
    values: int | None = None,
    linear: bool = False,
    keep: bool = True,
    counts: tuple[int, int] | None = None,
):
    """A graph as a plain Python function: one NumPy call a line, no interpretation.

    The generated source binds each op's implementation (or the C callable the registry's `direct`
    gives for the equation's ranks and params) and each constant as a global, deletes
    every intermediate after its last use (so peak memory matches hand-written code), lets an
    elementwise op write into a dead intermediate of its shape and dtype (`reuse`; the code then
    expects the traced dtypes) and charges the equations it executes (and their elements) to the
    costs being charged (`graph.charge`; not with `charged=False`: the symbolic method's closed-form
    derivative is no tape). `fn.source` holds the code, `fn.eqns` and `fn.elements`
    the work of one call. With `batched` (one flag per input) the function computes what
    `evaluate_batched` does: the ops that see a batched value run by their batching rule, with
    the flags fixed in the code; a ufunc called as it is (every batched argument of the output's
    rank) may write into a dead value of its own batchedness, shape and dtype. With `speculate`
    the strong ops run in their plain form first (see "How speculation works" above; the caller
    runs the function under np.errstate(invalid="raise", divide="raise")); `fn.exact` is then
    the exact function it falls back on. With `guard` (positions of inputs that must be finite;
    unbatched only) `fn.guarded` is the same function for the common case: its outputs only when
    they and the guarded inputs are finite and nothing raised, else None; it sets its own error
    state, charges nothing and returns results of their own (see "How guarded functions work";
    None when the graph has a non-float output). `values`: the outputs are the function's first
    `values` values, then derivatives; a derivative is checked only where it comes from a plain form
    (elsewhere a non-finite derivative is what the exact program answers too). `linear` (batched and
    speculative: forward mode's blocks of tangents, linear in the batched input) defers the batched linear
    steps of the speculative program (compile.linear): equal to rounding, not bit for bit. `keep`
    (unbatched): intermediates of 64 KiB–4 MiB stay in the function's pool between calls (see `_Pool`);
    False for a checkpointed segment, whose point is to hold none of its interior between its runs.
    `counts` (eqns, elements): what one call (batched: one row) charges instead of the graph's own equations, for
    a lowered sweep, which charges the work of the tape it sweeps by `graph.Cost`'s rule.

    >>> import difflab as dl
    >>> fn = lower(dl.trace(lambda x, y: x * y + 1.0, 2.0, 3.0))
    >>> [float(y) for y in fn(2.0, 5.0)]
    [11.0]
    """
    graph = _sunk(prune(graph))
    # one pool for the exact, speculative and guarded programs: they run one after another (the guarded code
    # answers None, then the exact one runs), so they share buffers; with one each, a prepared gradient whose
    # guarded code had armed kept the general path's buffers as well: two states of every pooled layer
    pool = _Pool([])
    exact = fn = _generate(_Source(graph, batched, reuse, charged, keep=keep, pool=pool), counts=counts)
    plain = _plain(graph) if speculate else None
    fused = fuse_linear(plain[0], batched) if linear and plain is not None and batched is not None else None
    if fused is not None:  # (its rounding differs: every batched output is checked, see compile.linear)
        plain = (fused[0], sorted({*plain[1], *fused[1]}), plain[2])
    if plain is not None:
        code = _Source(plain[0], batched, reuse, charged, fallback=exact, checked=plain[1], keep=keep, pool=pool)
        fn = _generate(code, counted=graph, counts=counts)
        fn.exact = exact
    if guard is not None and batched is None:
        # the guarded code checks what its plain forms read (every operand finite: plain = strong), else
        # (an operand not a float64 value) the outputs downstream of one, as the speculative code does
        operands = () if plain is None else plain[2]
        if any([v.dtype != np.float64 for v in operands]):
            operands, checked = (), None if values is None else sorted({*range(values), *plain[1]})
        else:
            checked = None if values is None else list(range(values))
        fn.guarded = _guarded(
            graph if plain is None else plain[0], tuple(guard), checked, reuse, charged, operands, keep, counts, pool
        )
    return fn


def _guarded(
    graph: Graph,
    guard: tuple,
    checked: list | None,
    reuse: bool,
    charged: bool,
    operands=(),
    keep: bool = True,
    counts: tuple[int, int] | None = None,
    pool: "_Pool | None" = None,
):
    """`lower`'s `fn.guarded` for `graph` (see "How guarded functions work"), or None when an
    output, a guarded input or a value it would check is not a float64 value or a constant output is
    not finite. `checked`: the outputs it checks finite (None: all), `operands`: other values it
    checks finite."""
    f64 = np.dtype(np.float64)
    for v in [*graph.outputs, *[graph.inputs[i] for i in guard]]:
        if isinstance(v, Var) and v.dtype != f64:
            return None
        if isinstance(v, Const) and not np.isfinite(np.asarray(v.value, dtype=complex)).all():
            return None
    graph, checked_too, prechecks, operands = _common_case(graph, guard, operands)
    code = _Source(graph, None, reuse, charged=False, guard=guard, keep=keep, pool=pool)
    checked = range(len(graph.outputs)) if checked is None else checked
    code.checked_too, code.prechecks = checked_too, prechecks
    required = [graph.outputs[k] for k in checked] + [graph.inputs[i] for i in guard] + checked_too + operands
    if any([type(v) is Var and v.dtype != f64 for v in required]):  # (a complex operand: no finite term covers it)
        return None
    code.ends, code.early = _check_terms(graph, list(dict.fromkeys([v for v in required if type(v) is Var])))
    guarded = fn = _generate(code, counts=counts)
    if not code.own_errstate:  # (a NumPy without the error state's context variable: its decorator)
        guarded = np.errstate(invalid="raise", divide="raise", over="raise", under="raise")(fn)
        guarded.source = fn.source
    guarded.graph = graph
    guarded.eqns, guarded.elements = (fn.eqns, fn.elements) if charged else (0, 0)
    return guarded


def _common_case(graph: Graph, guard: tuple, operands=()) -> tuple:
    """(the guarded function's graph, the values it also checks finite, {equation index: values it
    checks finite before that equation}, `operands` as values of that graph): the guarded code
    computes only the common case, everything finite, so

    - an op that is a constant wherever its argument is finite (`Op.finite_value`: finite_or_nan, the
      API's "no derivative of a NaN value" factor) is that constant, and one that returns an argument
      as it is wherever that argument is finite (`Op.finite_returns`: strong_factor, a strong product's
      partial in a second derivative) is that argument: the argument is checked instead
      (not finite: None, and the general path answers); then x·1, x + 0 and their kin are x
      (`Op.identity`): a gradient is not multiplied through by 1, a pass over every entry per call; an
      array's finite_or_nan too, where every read of it is such a product (the gradient of a traced loss times
      finite_or_nan of its traced input, per leaf: the prepared hvp's passes over each parameter, issue 17 §3);
    - a strong op left in the graph (speculation refused it, "How speculation works") is its plain form
      (the same values where every factor is finite) after a check of its operands, the fused kind,
      once per value, none for finite constants and guarded inputs (checked at the end): not the
      strong op's own checks of every operand, constants included, and its Python calls."""
    known = {graph.inputs[i] for i in guard}  # checked at the end, or already: none of its own
    subst: dict = {}
    checked: list = []
    prechecks: dict = {}
    eqns: list = []
    ones: dict = {}  # an array value -> (the constant it is where its argument is finite, that argument)
    for e in graph.eqns:
        args = tuple(subst.get(a, a) if type(a) is Var else a for a in e.args)
        if e.op.finite_value is not None and len(args) == 1 and type(args[0]) is Var:
            if args[0].shape == ():
                subst[e.out] = Const(np.float64(e.op.finite_value))
                checked.append(args[0])
                continue
            # an array's constant is that constant only where a product with it folds (d·1 is d: `ones`); the
            # equation stays for any other use, and goes at the end if nothing else reads it. (A float64
            # argument: one the finiteness terms cover, `_check_terms`; a complex one is no guarded code at all)
            if args[0].dtype == np.float64:
                ones[e.out] = (e.op.finite_value, args[0])
        passed = _finite_passes(e, args)
        if passed is not None:
            subst[e.out] = passed
            if passed not in known:
                checked.append(passed)
            continue
        kept = _identity_argument(e, args, ones)
        if kept is not None:
            subst[e.out], x = kept
            if x is not None and x not in known:  # (the array that 1 stands for is checked instead, once)
                known.add(x)
                checked.append(x)
            continue
        op = e.op
        if op.plain is not None and _plain_operands(args):
            todo = list(dict.fromkeys(a for a in args if type(a) is Var and a not in known))
            if todo:
                prechecks[len(eqns)] = todo
                known.update(todo)
            op = op.plain
        eqns.append(e._replace(op=op, args=args) if (op, args) != (e.op, e.args) else e)
    if not subst and not prechecks and not ones:
        return graph, [], {}, list(operands)
    outputs = tuple(subst.get(o, o) if type(o) is Var else o for o in graph.outputs)
    operands = [subst.get(v, v) for v in operands]  # (a constant it became is finite: _guarded checked)
    if ones:  # an array's finite_or_nan every product with which folded: no pass over it per call
        eqns, checked, operands = _without_unread(eqns, ones, outputs, checked, operands)
    return graph._replace(eqns=tuple(eqns), outputs=outputs), checked, prechecks, operands


def _check_terms(graph: Graph, required: list) -> tuple:
    """(values the guarded code checks finite at its end, values it checks as soon as they are made):
    few, cheap terms whose finiteness implies every `required` value's. A NaN or ±inf entry of an op's
    `strict` argument leaves one in its (non-empty) output, or raises: so a value is finite if one it
    reaches through strict arguments is (x and b through x @ W + b, a weight through the loss). Chosen
    greedily, by cost per value newly covered: a scalar's term (v - v) is nearly free, an array's is a
    BLAS pass; one made here and not alive at the end (an input or output) is checked when made."""
    f64 = np.dtype(np.float64)
    # a value whose entries are another's, rearranged (x.T: finite where x is) is required as that one: a term that
    # covers it covers the other too (its op is strict), and the other may be covered already (X in X @ W0, where
    # the matmul dW0 = X.T @ dz of the plain program wanted X.T checked: a pass over the batch per call)
    source = _rearranged(graph)
    required = list(dict.fromkeys([source.get(v, v) for v in required]))
    bit = {v: 1 << k for k, v in enumerate(required)}
    reach = {v: bit.get(v, 0) for v in graph.inputs}  # value -> the required values it reaches (bits)
    for e in graph.eqns:
        m = bit.get(e.out, 0)
        if e.op.strict and e.out.dtype == f64 and 0 not in e.out.shape:
            for a, strict in zip(e.args, e.op.strict):
                if strict and type(a) is Var and a.dtype == f64:
                    m |= reach.get(a, 0)
        reach[e.out] = m
    alive = {*graph.inputs, *[v for v in graph.outputs if type(v) is Var]}
    cost = {
        v: (0.05 if not v.shape else 1.0 + math.prod(v.shape) / 16384) + (0.0 if v in alive else 0.1)
        for v, m in reach.items()
        if m and v.dtype == f64
    }
    # The greedy choice, lazily: a value's ratio only grows as `left` shrinks, so a heap of ratios (each
    # as last computed, ties by position in `cost`) whose top, recomputed, is unchanged holds the first
    # value of least ratio, the one `min` over every value would pick: the same choice, without a pass
    # over every value per term (quadratic on a long tape).
    left, ends, early = (1 << len(required)) - 1, [], []
    values = list(cost)
    heap = [(cost[v] / reach[v].bit_count(), k) for k, v in enumerate(values)]
    heapq.heapify(heap)
    while left:
        ratio, k = heapq.heappop(heap)
        v = values[k]
        covers = reach[v] & left
        if not covers:
            continue
        now = cost[v] / covers.bit_count()
        if now != ratio:
            heapq.heappush(heap, (now, k))
            continue
        left &= ~reach[v]
        (ends if v in alive else early).append(v)
    return ends, set(early)


def _rearranged(graph: Graph) -> dict:
    """{value: the value whose entries it holds, each once (a transpose; a reshape to its own shape)}, read from the
    registry: a one-argument op strict in it whose `index` is a permutation of its axes at scale 1 ("ab->ba"),
    followed to the first value that is no such rearrangement. Both are finite exactly where the other is."""
    source: dict = {}
    for e in graph.eqns:
        (a,) = e.args if len(e.args) == 1 else (None,)
        if type(a) is not Var or e.op.index is None or e.op.strict[:1] != (True,) or a.dtype != e.out.dtype:
            continue
        spec = e.op.index([a.shape], **e.kw)
        if spec is None or spec[1] != 1:
            continue
        ins, _, out = spec[0].partition("->")
        if sorted(ins) == sorted(out) and len(set(ins)) == len(ins):
            source[e.out] = source.get(a, a)
    return source


def _finite_passes(e, args) -> Var | None:
    """The argument equation `e` returns as it is wherever that argument is finite (`Op.finite_returns`:
    strong_factor's other factor), when it is a value of the output's shape and dtype; else None."""
    k = e.op.finite_returns
    if k is None or len(args) <= k:
        return None
    a = args[k]
    return a if type(a) is Var and (a.shape, a.dtype) == (e.out.shape, e.out.dtype) else None


def _plain_operands(args) -> bool:
    """The strong op's operands may be checked as the guarded code checks values: float64 values,
    and constants that are finite."""
    f64 = np.dtype(np.float64)
    for a in args:
        if type(a) is Var:
            if a.dtype != f64:
                return False
        elif not (isinstance(a.value, (float, np.ndarray, np.floating)) and np.all(np.isfinite(a.value))):
            return False
    return True


def _identity_argument(e, args, ones):
    """(the argument a binary equation returns as it is, the value then checked finite or None), or None: x·1 with x of
    the output's shape and dtype, 1 a constant or an array of ones where its argument is finite (`ones`)."""
    if not e.op.identity or len(args) != 2:
        return None
    for k, ident in enumerate(e.op.identity):
        other = args[1 - k]
        c = args[k]
        if ident is None or type(other) is not Var or (other.shape, other.dtype) != (e.out.shape, e.out.dtype):
            continue
        if type(c) is Const and np.ndim(c.value) == 0 and c.value == ident:
            return other, None
        if type(c) is Var and c in ones and ones[c][0] == ident:
            return other, ones[c][1]
    return None


def _without_unread(eqns: list, ones: dict, outputs, checked: list, operands: list) -> tuple:
    """(`eqns` without those making a value of `ones` that no equation or output reads, `checked` and `operands`
    with such a value replaced by its argument). A value checked finite may be one of them, not only read:
    strong_factor(a, finite_or_nan(x)) is that factor where it is finite (`_finite_passes`), an operand of a
    strong product; finite_or_nan(x) is finite exactly where x is, so x is checked instead (a value the terms
    of `_check_terms` cover: one the graph still makes; a gone one is in no term, and no check is dropped)."""
    read = {a for e in eqns for a in e.args if type(a) is Var} | {v for v in outputs if type(v) is Var}
    gone = {v: ones[v][1] for v in ones if v not in read}
    checked = list(dict.fromkeys([gone.get(v, v) for v in checked]))
    operands = list(dict.fromkeys([gone.get(v, v) for v in operands]))
    return [e for e in eqns if e.out not in gone], checked, operands


@functools.lru_cache(maxsize=256)
def _bytecode(source: str):
    """Python's compile of a generated source, kept for the next graph that generates the same text: a nested
    numeric Hessian, a fresh trace of the same function, each method of a test generate it again (most of the
    sources a test run compiles are repeats). A code object is immutable; each exec makes its own function."""
    return builtins.compile(source, "<difflab compiled graph>", "exec")


def _generate(code: "_Source", counted: Graph | None = None, counts: tuple[int, int] | None = None):
    """The function of `code`'s graph: its source generated and executed. It charges the work of
    `counted` (default: that graph) per call: a rewritten program, the program it stands for; or `counts`
    (eqns, elements), a sweep's by `graph.Cost`'s rule."""
    graph = code.graph
    for i, eqn in enumerate(graph.eqns):
        code.equation(i, eqn)
    counted = graph if counted is None else counted
    n_eqns, n_elements = work(counted) if counts is None else counts
    code.finish(n_eqns, n_elements)
    source = "\n".join(code.lines)
    exec(_bytecode(source), code.env)
    fn = code.env["compiled"]
    fn.source, fn.graph, fn.eqns, fn.elements = source, graph, n_eqns, n_elements
    return fn


def _plain(graph: Graph) -> tuple | None:
    """(the graph with every strong op in its plain form, the positions of the outputs that
    depend on one, the values those plain forms read), or None when it has none, or when a value
    that depends on one reaches an op that may turn a NaN into a number (see "How speculation works")."""
    after: set = set()  # the values that depend on a strong op's result
    eqns = []
    operands: dict = {}
    for e in graph.eqns:
        reached = any([type(a) is Var and a in after for a in e.args])
        if reached and (e.op.drops_nan or not e.op.differentiable or e.out.dtype.kind != "f"):
            return None
        if e.op.plain is not None:
            e = e._replace(op=e.op.plain)
            after.add(e.out)
            operands.update(dict.fromkeys(a for a in e.args if type(a) is Var))
        elif reached:
            after.add(e.out)
        eqns.append(e)
    if not after:
        return None
    checked = [k for k, v in enumerate(graph.outputs) if type(v) is Var and v in after]
    return graph._replace(eqns=tuple(eqns)), checked, list(operands)


class _Source:
    """The lines of `lower`'s function and the globals they name, built one equation at a time."""

    def __init__(
        self,
        graph: Graph,
        batched: tuple | None,
        reuse: bool,
        charged=True,
        fallback=None,
        checked=(),
        guard=None,
        keep=True,
        pool=None,
    ):
        self.graph, self.batched, self.reuse, self.charged, self.keep = graph, batched, reuse, charged, keep
        # speculative: the body runs in a `try`, the inputs kept for the exact function `fallback` (guarded: the body
        # and its finiteness check run in a `try`, None answers the uncommon case); one `_Pool` for a `lower`'s functions
        self.fallback, self.checked, self.guard, self.pool = fallback, checked, guard, pool or _Pool([])
        self.checked_too: list = []  # other values the guarded code checks finite (see _common_case)
        self.kept: set | None = None  # the values no `del` drops (made at the first equation: checked_too is set)
        self.quotients: set | None = None  # the values quotient rules read (`quotient_reads`: made once)
        self.underflowing: set = set()  # values whose underflow is harmless (`_underflow_exact`)
        self.lifting: dict = {}  # a lifting op's value -> (its slot,), a linear op's of them -> theirs (`underflowing_call`)
        self.met: set = set()  # (a lifting op's value, the other factors) some product checks (`underflowing_call`)
        # the `_underflow_exact` wrappers by global name, bound to the raw calls until an underflow raises (`_swapper`)
        self.under: dict = {}
        self.ends: list = []  # guarded: the values checked at the end, and as they are made (_check_terms)
        self.early: set = set()
        self.prechecks: dict = {}  # equation index -> values checked finite before it (guarded: _common_case)
        # (the exact program runs in a `try` too where an op may underflow: `_swapper`'s rerun; free when nothing raises)
        self.tried = fallback is None and guard is None and any([e.op.underflow_exact for e in graph.eqns])
        self.pad = "        " if fallback is not None or guard is not None or self.tried else "    "
        self.names = {v: f"v{v.id}" for v in graph.inputs}
        self.made = {e.out for e in graph.eqns}  # values an equation makes (a number: a NumPy scalar)
        self.env: dict[str, Any] = {"_charge": charge, "_broadcast_to": np.broadcast_to, "_shape": np.shape}
        self.hot = {v for v, b in zip(graph.inputs, batched or ()) if b}  # the values that carry the batch axis
        self.consts: dict[int, str] = {}
        self.last_use: dict[Var, int] = {}
        for i, eqn in enumerate(graph.eqns):
            for a in eqn.args:
                if isinstance(a, Var):
                    self.last_use[a] = i
        self.outputs = {v for v in graph.outputs if isinstance(v, Var)}
        # batched: the buffers of the function's pool ((shape, dtype) per slot), the slot each value in one
        # lives in, the slots whose value died (see `scratch`)
        self.slots: list = []
        self.home: dict = {}
        self.free: list = []
        # the buffers (values whose fresh array they are) each value may share, None: an input's or a constant's (a
        # pool's: its own, never `whole`); and how many live values may share each buffer (`writable`: a write in place)
        self.shares: dict = {v: None for v in graph.inputs}
        self.holders, self.veiled = {}, set()  # (veiled: values, roots, a value of unknown sharing was made from)
        self.whole: set = set()  # the values that are a whole buffer of their own (not a view, nor broadcast)
        # A ufunc's array result is a fresh buffer; if only ufuncs read it (so no view of it can exist),
        # a later ufunc of the same shape and dtype may write into it once it is dead: fewer allocations.
        self.ufunc = {e.out: isinstance(e.op.impl, np.ufunc) and not e.params for e in graph.eqns}
        self.viewed = {a for e in graph.eqns if not self.ufunc[e.out] for a in e.args if isinstance(a, Var)}
        # the equations whose op adds its value into a buffer (`Op.add_into`) when the addition right after them
        # (`_sunk`) is their only reader: each waits for it (`equation`, `adds_into`)
        self.into = _adding(graph) if batched is None else set()
        self.waiting: tuple | None = None
        self.lines = [f"def compiled({', '.join(self.names[v] for v in graph.inputs)}):"]
        if self.hot:
            self.lines.append(f"    _size = len({self.names[next(v for v in graph.inputs if v in self.hot)]})")
        # guarded: its own error state, np.errstate(invalid="raise", divide="raise") set and reset in the code
        # itself (as the context manager does it, without its Python frames)
        self.own_errstate = guard is not None and _ERRSTATE is not None
        if self.own_errstate:
            self.env.update(_errstate=_ERRSTATE[0], _memo=_RAISING, _raising=_raising)
            self.lines.append("    _cur = _errstate.get()")
            self.lines.append("    _m = _memo[0]")
            self.lines.append("    _token = _errstate.set(_m[1] if _m[0] is _cur else _raising(_cur))")
        if fallback is not None or guard is not None or self.tried:
            self.lines.append("    try:")

    def atom(self, a) -> str:
        """A variable's name, or the global holding a constant (one per distinct value object)."""
        if isinstance(a, Var):
            return self.names[a]
        key = id(a.value)
        if key not in self.consts:
            self.consts[key] = f"c{len(self.consts)}"
            self.env[self.consts[key]] = a.value
        return self.consts[key]

    def equation(self, i: int, eqn):
        """`v = op(args, params)` for equation i, then `del` of the values it read for the last time; an op with an
        `add_into` form whose value only the addition after it reads waits for it (`adds_into`)."""
        if i in self.into:
            self.waiting = (i, eqn)
            return
        if self.waiting is not None:
            j, s = self.waiting
            self.waiting = None
            if self.adds_into(i, eqn, j, s):
                return
            self.one(j, s)
        self.one(i, eqn)

    def adds_into(self, i: int, eqn, j: int, s) -> bool:
        """Equation i, `a + s` (s: equation j's value, read by i alone), as s's op's `add_into` form adding into a's
        buffer where a may be written (see `writable`; getitem's cotangent added at idx, not scattered into zeros
        and summed: O(1), not O(n)); False where it may not (nothing emitted)."""
        a = eqn.args[1] if eqn.args[0] is s.out else eqn.args[0]
        if (
            type(a) is not Var
            or a is s.out
            or a not in self.whole
            or (a.shape, a.dtype) != (eqn.out.shape, eqn.out.dtype)
            or (s.out.shape, s.out.dtype) != (a.shape, a.dtype)
            or self.last_use[a] != i
            or a in self.kept
            or any([b is a for b in s.args])
            or i in self.prechecks
        ):
            return False
        mine = self.shares.get(a)
        if mine is None or any([self.holders[b] != 1 for b in mine]):
            return False
        fn = f"op_{s.op.name}_into_{j}"
        op, addition = s.op, STEPS.addition
        self.env[fn] = _writing(op.add_into, lambda acc, *args, **kw: addition.bind(acc, op.bind(*args, **kw)))
        args = [self.atom(a)] + [self.atom(b) for b in s.args]
        for k, value in s.params:
            pname = f"p{len(self.env)}"
            self.env[pname] = value
            args.append(f"{k}={pname}")
        self.names[eqn.out] = f"v{eqn.out.id}"
        self.lines.append(f"{self.pad}{self.names[eqn.out]} = {fn}({', '.join(args)})")
        if eqn.out in self.early:
            self.lines.append(f"{self.pad}_k{eqn.out.id} = {self.square(eqn.out)}")
        self.shares[eqn.out] = mine
        self.whole.add(eqn.out)
        for b in mine:
            self.holders[b] += 1
        dying = [(b, j) for b in s.args if type(b) is Var and self.last_use[b] == j and b not in self.kept]
        dying.append((a, i))
        if eqn.out not in self.last_use and eqn.out not in self.kept:
            dying.append((eqn.out, i))
        for b, _ in dict.fromkeys(dying):
            for r in self.shares.get(b) or ():
                self.holders[r] -= 1
            if b in self.home:
                self.free.append(self.home.pop(b))
        dead = sorted({self.names[b] for b, _ in dying if b is not eqn.out})
        if dead:
            self.lines.append(f"{self.pad}del {', '.join(dead)}")
        return True

    def one(self, i: int, eqn):
        """`v = op(args, params)` for equation i, then `del` of the values it read for the last time."""
        flags = tuple(isinstance(a, Var) and a in self.hot for a in eqn.args)
        params = eqn.params
        keep = self.kept
        if keep is None:  # (once: built per equation it cost O(|checked_too|) each, quadratic in a long tape)
            keep = self.kept = (  # (the inputs, for a rerun: the fallback's, `swapping`'s)
                self.outputs
                if self.fallback is None and self.guard is None and not self.tried
                else self.outputs | set(self.graph.inputs) | set(self.checked_too)
            )
        if any(flags):  # the rule, specialised to this equation's flags and ranks (or the op, where it says how)
            ranks = [a.ndim if isinstance(a, Var) else np.ndim(a.value) for a in eqn.args]
            shifted = eqn.op.batched_params(flags, ranks, params)
            if shifted is None:
                fn = f"op_{eqn.op.name}_{i}"
                self.env[fn] = eqn.op.batched_for(flags, ranks)
            else:  # (a reduction over the axes past the batch axis: np.add.reduce itself for a sum)
                fn, params = self.callee(i, eqn, tuple(r + b for r, b in zip(ranks, flags)), shifted)
            self.hot.add(eqn.out)
        else:
            fn, params = self.callee(i, eqn)
        written = self.writable(i, eqn, flags) if tuple(params) == tuple(eqn.params) else None
        if written is not None:  # (an op's `in_place` form, into its first argument's buffer: see `writable`)
            self.env[f"op_{eqn.op.name}_in_place_{i}"] = _writing(written, self.env[fn])
            fn = f"op_{eqn.op.name}_in_place_{i}"
        else:
            fn = self.underflowing_call(i, eqn, fn)
        args = [self.atom(a) for a in eqn.args]
        for k, value in params:
            pname = f"p{len(self.env)}"
            self.env[pname] = value
            args.append(f"{k}={pname}")
        if i in self.prechecks:  # guarded: a strong op's operands, before its plain form (_common_case)
            self.lines.append(f"{self.pad}if not _isfinite({self.fused(list(map(self.square, self.prechecks[i])))}):")
            self.lines.append(f"{self.pad}    return None")
        spare = None if written is not None else self.spare(i, eqn, fn)
        pooled = []
        if spare is not None:
            args.append(f"out={self.names[spare]}")
            if spare in self.home:  # the value lives on in its buffer
                self.home[eqn.out] = self.home[spare]
        elif written is None:
            args += (pooled := self.scratch(eqn, fn))
        self.names[eqn.out] = f"v{eqn.out.id}"
        self.lines.append(f"{self.pad}{self.names[eqn.out]} = {fn}({', '.join(args)})")
        if eqn.out in self.early:  # guarded: a term of the fused check, before anything writes into it
            self.lines.append(f"{self.pad}_k{eqn.out.id} = {self.square(eqn.out)}")
        self.shared(i, eqn, fn, written, spare, pooled, keep)
        dead = sorted(
            {self.names[a] for a in eqn.args if isinstance(a, Var) and self.last_use[a] == i and a not in keep}
        )
        if dead:
            self.lines.append(f"{self.pad}del {', '.join(dead)}")
        for a in eqn.args:  # a buffer of the pool whose value died here (and not passed on) is free again
            if isinstance(a, Var) and a in self.home and self.last_use[a] == i and a is not spare:
                self.free.append(self.home.pop(a))

    def underflowing_call(self, i: int, eqn, fn: str) -> str:
        """`fn`, or its `_underflow_exact` wrapper's name for an `Op.underflow_exact` op, and for a linear op reading
        such a value (the log_softmax rule's e^out times Σū, then h.T @ dz: a subnormal weight times normal numbers),
        checked. It may run twice: no dead operand's buffer is reused for it (`spare`), a pool buffer is (`scratch`).
        The name is bound to `fn`'s call itself until an underflow raises in the program (`_swapper`). A lifting op
        (`ops.core.lifting_partial`: exp) gets a slot its wrapper marks on each call, and a product reading its value directly
        (`met`: the argument's position, its slot, the other factors' positions) checks those factors' size on a call
        that marked it; the first such product alone (in the program's order), as a later one of the same values
        (exp(z)·z, and its gradient's z·e^z) would say the same: a call one declined runs no further. A linear op's
        value of such values (a sum of e^-x's tangents, -e^-800·1 = 0) carries their slots on: a later product by
        3e200 checks it as exp's own (its 0 is as small: 3e200·Σe^-x's forward gradient, extreme52)."""
        linear = (eqn.op.plain or eqn.op).linear
        if not eqn.op.underflow_exact and not (
            linear and any([a in self.underflowing for a in eqn.args if type(a) is Var])
        ):
            return fn
        self.underflowing.add(eqn.out)
        products = None if eqn.op.underflow_exact else linear == "each"
        read = eqn.out in self.quotient_reads()
        lifts = lifting_partial(eqn.op)
        if lifts is not None:
            lifts = (lifts, self.lifting.setdefault(eqn.out, (threading.local(),))[0])
        met = self.lift_checks(eqn) if products else ()
        if linear and lifts is None:  # (a sum or product of e^-800's 0: as small, so a later factor may lift it)
            slots = {s: None for a in eqn.args if type(a) is Var for s in self.lifting.get(a, ())}
            if slots:
                self.lifting[eqn.out] = tuple(slots)
        fn_ = f"{fn}_lift{i}" if lifts is not None or met else fn  # (its own slots: a name of its own)
        name = f"{fn_}_under_read" if read else f"{fn_}_under"  # (one wrapper per check: a shared name would keep one)
        self.under[name] = _underflow_exact(self.env[fn], read, products, lifts, met)
        self.env[name] = self.env[fn]
        return name

    def lift_checks(self, eqn) -> tuple:
        """`_underflow_exact`'s `met` for a product (`underflowing_call`): (position, slot, the other factors'
        positions) per lifting op's value it reads, where those factors and that value meet here first (a later
        product of the same values would say what this one says), and they are not constants too small to lift it."""
        met = []
        for k, a in enumerate(eqn.args):
            if type(a) is not Var or a not in self.lifting:
                continue
            others = tuple(j for j in range(len(eqn.args)) if j != k)
            factors = [eqn.args[j] for j in others]
            if (
                all([type(b) is not Var for b in factors])
                and math.prod([_squared(b.value) for b in factors]) < _LIFT_FLOOR2
            ):
                continue  # (e·1.5: known now)
            key = (a, *[b if type(b) is Var else id(b.value) for b in factors])
            if key not in self.met:
                self.met.add(key)
                met.append((k, self.lifting[a], others))
        return tuple(met)

    def quotient_reads(self) -> set:
        """The values an op whose rule is a quotient n/d reads (sqrt's t/(2·out), log's t/x): where one is a subnormal
        number the interpreter says so (ops.core `_subnormal_read`), so `_underflow_exact` may not keep it. Once."""
        if self.quotients is None:
            self.quotients = {
                a
                for e in self.graph.eqns
                if any([_reads_scale(getattr(r, "partial", None)) for r in (*e.op.jvp, *e.op.vjp)])
                for a in e.args
                if type(a) is Var
            }
        return self.quotients

    def writable(self, i: int, eqn, flags: tuple):
        """What equation i calls to write its op's value into its first argument's buffer (`Op.in_place`; batched,
        `Op.batch_in_place` for a batched target), or None where that buffer may not be written: it must be a
        fresh array an equation of this function made (not an input's, a constant's, nor one of the pool's, which
        outlive the call), whose value no later equation reads, nor this one twice, no output and no value checked
        at the end, and that no other live value may share (`shares`, `holders`: a view of it alive, the value
        written among them). A loop of n writes `y[i] = v` then costs O(1) a write, not a copy of y, as in the
        interpreters (graph._Writes, differentiators/owned.py); the numbers are the same either way."""
        op, y = eqn.op, eqn.args[0] if eqn.args else None
        if op.in_place is None or type(y) is not Var or y not in self.made or not y.shape or y.dtype.kind not in "fc":
            return None
        if any(flags) and (not flags[0] or op.batch_in_place is None):
            return None
        if self.last_use[y] != i or y in self.kept or sum([a is y for a in eqn.args]) > 1:
            return None
        if (eqn.out.shape, eqn.out.dtype) != (y.shape, y.dtype):
            return None
        mine = self.shares.get(y)
        if y not in self.whole or mine is None or any([self.holders[b] != 1 for b in mine]):
            return None
        return functools.partial(op.batch_in_place, flags) if any(flags) else op.in_place

    def shared(self, i: int, eqn, fn: str, written, spare, pooled: list, keep: set) -> None:
        """The buffers equation i's value may share (`shares`) and the live values that may share each
        (`holders`), after it: a ufunc's value is a fresh array (or the dead one it was written into), an op with
        an `in_place` form makes its own (`impl`, `batch`) or writes into its target's (those are `whole`, an array
        of their own); any other value may share its arguments' buffers (a view, a broadcast); a value read for the
        last time here is dead."""
        out, op = eqn.out, eqn.op
        mine: frozenset | None
        if written is not None:
            mine = self.shares[eqn.args[0]]
            self.whole.add(out)
        elif pooled or out in self.home:
            # (a buffer of the pool: its value a root of its own, so that its views are counted (`unviewed`); never
            # `whole`, so that no in-place form writes into a buffer that outlives the call: `writable`)
            mine = frozenset((out,)) if self.ufunc[out] else None
        elif spare is not None:
            mine = self.shares.get(spare)
            if spare in self.whole:
                self.whole.add(out)
        elif op.in_place is not None or _fresh_value(op) or self.fresh(eqn):
            mine = frozenset((out,))
            self.whole.add(out)
        else:
            found: set | None = {out}
            for a in eqn.args:
                if type(a) is not Var:
                    if isinstance(a.value, np.ndarray):
                        found = None
                elif found is not None:
                    theirs = self.shares.get(a)
                    found = None if theirs is None else found | theirs
                if found is None or len(found) > _ROOTS_MAX:
                    found = None
                    break
            mine = None if found is None else frozenset(found)
            if mine is None:  # (a value that may view its arguments, its sharing unknown: they are never `unviewed`)
                for a in eqn.args:
                    if type(a) is Var:
                        self.veiled.add(a)
                        self.veiled.update(self.shares.get(a) or ())
        self.shares[out] = mine
        holders = self.holders
        if mine is not None:
            for b in mine:
                holders[b] = holders.get(b, 0) + 1
        dying = [a for a in eqn.args if type(a) is Var and self.last_use[a] == i and a not in keep]
        if out not in self.last_use and out not in keep:
            dying.append(out)
        for a in dict.fromkeys(dying):
            for b in self.shares.get(a) or ():
                holders[b] -= 1

    def fresh(self, eqn) -> bool:
        """Whether the registry says an unbatched equation's value is a number or an array of its own (`Op.fresh`)."""
        if eqn.op.fresh is None or any([type(a) is Var and a in self.hot for a in eqn.args]):
            return False
        return eqn.op.fresh(tuple(a.ndim if type(a) is Var else np.ndim(a.value) for a in eqn.args), **dict(eqn.params))

    def callee(self, i: int, eqn, ranks=None, params=None) -> tuple:
        """(the global naming what unbatched equation i calls, its keyword params): the op's `direct` C
        callable where the registry gives one for these ranks and params (no Python frame), else `impl`.
        (`ranks`, `params`: of a batched equation's op called on its batched arguments, `Op.batched_params`.)"""
        ranks = tuple(a.ndim if isinstance(a, Var) else np.ndim(a.value) for a in eqn.args) if ranks is None else ranks
        params = tuple(eqn.params if params is None else params.items())
        direct = eqn.op.direct(ranks, **dict(params)) if eqn.op.direct is not None else None
        if direct is not None and not any(ranks) and not any(type(a) is Var and a in self.made for a in eqn.args):
            direct = None  # numbers, none of them a NumPy scalar made here: may all be Python floats (Op.direct)
        if direct is None:
            self.env[f"op_{eqn.op.name}"] = eqn.op.impl
            return f"op_{eqn.op.name}", params
        self.env[f"op_{eqn.op.name}_{i}"] = direct[0]
        return f"op_{eqn.op.name}_{i}", tuple(direct[1].items())

    def spare(self, i: int, eqn, fn: str) -> Var | None:
        """A dead ufunc result that equation i (a ufunc called as it is, not matmul) may write into: one no other
        op reads (`viewed`: no view of it can exist), or one whose views are all dead by now (`unviewed`: tanh's
        t, whose transpose a cotangent's product read, written into by t·ṫ after it). An `_under` name's call too
        (`underflowing_call`): its wrapper, which may run the call twice, drops an `out=` that is an operand
        (`_underflow_exact`), so the value is then a fresh array, which shares nothing.

        Batched, a batching rule's result is fresh too, and a value's real shape is (size,) + its
        shape if it carries the batch axis: a buffer fits when both or neither carry it."""
        if not (
            self.reuse
            and self.ufunc[eqn.out]
            and eqn.out.shape
            and eqn.op.impl.signature is None
            and self.env[fn] is eqn.op.impl
        ):
            return None
        for a in eqn.args:
            if (
                isinstance(a, Var)
                and self.ufunc.get(a)
                and (a not in self.viewed or self.unviewed(a))
                and self.last_use[a] == i
                and a not in self.outputs
                and (a.shape, a.dtype) == (eqn.out.shape, eqn.out.dtype)
                and (a in self.hot) == (eqn.out in self.hot)
            ):
                return a
        return None

    def unviewed(self, a: Var) -> bool:
        """Whether no live value may share ufunc result a's buffer: every value read from it through other ops (its
        views: a transpose, a reshape, a slice) is dead (`shares`, `holders`: a alone holds its root), and none whose
        sharing is unknown was made from it (`veiled`)."""
        mine = self.shares.get(a)
        if mine is None or a in self.veiled:
            return False
        return all([self.holders.get(b, 0) == 1 and b not in self.veiled for b in mine])

    def scratch(self, eqn, fn: str) -> list:
        """`[out=<a buffer of the function's pool>]` for a ufunc result that is no output (else []): batched,
        of at least `_POOLED` entries a row; unbatched, of `_POOLED_BYTES` (in that range). Written into a buffer
        kept from the last call, not a fresh one (see `_Pool`); buffers are shared by values whose lives do
        not overlap. matmul too (a gufunc, which may not write into its operand, so `spare` skips it): a
        slot is free only after its value's last use, so the buffer is never an operand (a view of it
        still alive makes `_Pool.take` allocate)."""
        out = eqn.out
        if not (
            self.reuse
            and out not in self.outputs
            and self.ufunc[out]
            and (
                math.prod(out.shape) >= _POOLED
                if out in self.hot
                else self.keep and _POOLED_BYTES[0] <= math.prod(out.shape) * out.dtype.itemsize < _POOLED_BYTES[1]
            )
            and (eqn.op.impl.signature is None or eqn.op.impl is np.matmul)
            and self.env[fn] is eqn.op.impl  # (an `_under` name's too: bound to the call; a pool buffer is no operand)
        ):
            return []
        kind = (out.shape, out.dtype)
        slot = next((s for s in self.free if self.slots[s] == kind), None)
        if slot is None:
            slot = len(self.slots)
            self.slots.append(kind)
        else:
            self.free.remove(slot)
        self.home[out] = slot
        size = "_size, " if out in self.hot else ""
        shared = self.pool.slot(kind, self.slots[:slot].count(kind))  # (this function's n-th slot of its kind)
        return [f"out=_scratch({shared}, ({size}{''.join(f'{d}, ' for d in out.shape)}))"]

    def finish(self, n_eqns: int, n_elements: int):
        """The cost charged per call (unless not `charged`) and the return line (speculative: after
        the fallback's checks; guarded: after its one finiteness check, results of their own)."""
        hot, graph = self.hot, self.graph
        if self.slots:
            self.env["_scratch"] = self.pool.take
        self.env["_swap"] = _swapper(self.env, self.under)
        if self.guard is not None:
            self.finish_guarded()
            return
        if self.fallback is not None:
            inputs = ", ".join(self.names[v] for v in graph.inputs)
            checked = ", ".join(self.names[graph.outputs[k]] for k in self.checked)
            # finite: a float64 array or a float without NaN or ±inf (one pass each; a complex value
            # or a sum too large to tell counts as not finite: the exact run decides)
            self.env.update(_exact=self.fallback, _finite=all_surely_finite, _Fallback=(ArithmeticError, ValueError))
            self.lines += [
                *self.swapping(f"return _exact({inputs})"),
                "    except _Fallback:",
                f"        return _exact({inputs})",
                f"    if not _finite(({checked},)):",
                f"        return _exact({inputs})",
            ]
        elif self.tried:
            self.lines += self.swapping("raise")
        if self.charged:
            self.lines.append(
                f"    _charge({n_eqns}, {n_elements})"
                if not hot
                else f"    _charge({n_eqns} * _size, {n_elements} * _size)"
            )
        # a constant array or an input handed out as a result would let the caller change the graph
        # (or their own input) through it: those results are copies
        inputs = set(graph.inputs)
        outs = [
            f"_fresh({self.atom(v) if isinstance(v, Const) else self.names[v]})"
            if (isinstance(v, Const) and isinstance(v.value, np.ndarray)) or v in inputs
            else (self.atom(v) if isinstance(v, Const) else self.names[v])
            for v in graph.outputs
        ]
        self.env["_fresh"] = _fresh
        if self.batched is not None:  # every output carries the batch axis
            outs = [
                o if isinstance(v, Var) and v in hot else f"_broadcast_to({o}, (_size,) + _shape({o}))"
                for o, v in zip(outs, graph.outputs)
            ]
        self.lines.append(f"    return ({''.join(o + ', ' for o in outs)})")

    def finish_guarded(self):
        """The guarded function's end: one fused finiteness check of every output and guarded input,
        inside the `try` (inf - inf raises there too), then the owned outputs."""
        early = sorted(self.early, key=lambda v: v.id)  # (a set: in id order, the same code every run)
        terms = [self.square(v) for v in self.ends] + [f"_k{v.id}" for v in early] or ["0.0"]
        # (_sum: NumPy's reduce itself, not quiet_sum: under the guarded code's own error state an overflowing sum, "too
        # large to tell", raises and answers None as an infinite one would, without an error state entered per term)
        self.env.update(_vdot=_vdot, _sum=np.add.reduce, _isfinite=math.isfinite, _ndarray=np.ndarray, _fresh=_fresh)
        self.env["_lsum"] = builtins.sum
        self.env["_Fallback"] = (ArithmeticError, ValueError)
        total = self.fused(terms)
        self.lines += [
            f"        if not _isfinite({total}):",
            "            return None",
            *self.swapping("return None"),
            "    except _Fallback:",
            "        return None",
            *(["    finally:", "        _errstate.reset(_token)"] if self.own_errstate else []),
            f"    return ({''.join(o + ', ' for o in self.owned())})",
        ]

    def swapping(self, otherwise: str) -> list:
        """The handler of an underflow that escaped an `_under` name bound to its op's call (`_swapper`): the first
        one binds every such name to its wrapper and runs the program again, with its inputs (it writes into
        none); any other error, or one after that, goes on as `otherwise` says. [] when the program has none."""
        if not self.under:
            return ["    except FloatingPointError:", f"        {otherwise}"] if otherwise == "raise" else []
        inputs = ", ".join(self.names[v] for v in self.graph.inputs)
        return [
            "    except FloatingPointError as _e:",
            "        if _swap(_e):",
            f"            return compiled({inputs})",
            f"        {otherwise}",
        ]

    def fused(self, terms: list) -> str:
        """The expression summing `terms` left to right. Python's compiler recurses once per `+` of one
        expression (a RecursionError past a few thousand: a long tape's guarded check has a term per
        value), so past `_TERMS` terms the sum is built in statements of `_TERMS` terms each, into `_s`:
        the same additions in the same order, the same result bit for bit."""
        if len(terms) <= _TERMS:
            return " + ".join(terms)
        for k in range(0, len(terms), _TERMS):
            head = "_s + " if k else ""
            self.lines.append(f"{self.pad}_s = {head}{' + '.join(terms[k : k + _TERMS])}")
        return "_s"

    def square(self, v: Var) -> str:
        """A term of the fused check: finite iff v is (or too large to tell, then not finite). A scalar
        by v - v (0 when finite, never an overflow: v * v warned at |v| > 1e154), a row of a few entries
        (shape (n,), (1, n), ...) by the sum of its entries as Python floats (`_LISTED`), an array by
        Σ v·v, a large one by a sum (an overflow raises under the guarded code's error state: None, as
        for a non-finite sum)."""
        name = self.names[v]
        if not v.shape:
            return f"({name} - {name})"
        if v.shape[-1] <= _LISTED and all(d == 1 for d in v.shape[:-1]):  # (x.tolist()[0] of shape (1, n): the row)
            return f"_lsum({name}.tolist(){'[0]' * (len(v.shape) - 1)})"
        if math.prod(v.shape) <= _DOT_MAX:
            return f"_vdot({name}, {name})"
        return f"_sum({name}, None)"

    def owned(self) -> list:
        """The return expressions of the guarded function: each output a value of its own, decided
        from the program (see "How guarded functions work")."""
        roots, writable = _roots(self.graph), _writable(self.graph)
        held = set(self.graph.inputs)  # what a returned value must not share memory with (and constants)
        out = []
        for v in self.graph.outputs:
            if isinstance(v, Const):
                out.append(f"_fresh({self.atom(v)})")
                continue
            mine = roots[v]
            name = self.names[v]
            if mine is None or mine & held or any([not isinstance(r, Var) for r in mine]):
                out.append(f"_fresh({name})")
                continue
            held |= mine
            if mine == {v} or v in writable:  # a fresh buffer (or a number), or a view NumPy leaves writable
                out.append(name)
            else:  # a view of values nobody else holds: copied only if NumPy made it read-only
                out.append(f"({name} if type({name}) is not _ndarray or {name}.flags.writeable else {name}.copy())")
        return out


#: the terms one expression of a guarded function's finiteness check sums at most (`_Source.fused`)
_TERMS = 64
#: the entries up to which a one-axis array's term of that check is the sum of its entries as Python floats
#: (`sum(x.tolist())`, ~1,500 instructions and ~135 an entry: a small network's bias gradient at batch 1, 3
#: entries, 1.9k), not the BLAS dot (`_vdot(x, x)`, ~4,400 at any size up to `_DOT_MAX`: NumPy's argument
#: conversion, a scalar result); the same answer, finite iff every entry is, a sum of finite entries that
#: overflows (past 1e308, where the dot's past 1e154) read as "too large to tell"
_LISTED = 16
#: the entries a row from which a batched ufunc result is written into a buffer of the function's pool
_POOLED = 256
#: the bytes within which an unbatched one is: a fresh buffer from 64 KiB is carved off the top of the C heap
#: or mapped, and may be handed back to the kernel when freed, and then every call faults its pages in again
#: (~1.5 µs a 4 KiB page here); smaller blocks come from the allocator's free lists. From 4 MiB NumPy asks
#: for huge pages (a fault per 2 MiB where the kernel grants them), and a kept buffer would hold that much
#: memory between calls per value
_POOLED_BYTES = (64 * 1024, 4 * 1024 * 1024)


def _references(buffers: list, slot: int) -> int:
    """The references to buffers[slot] once bound to a local, counted the same way for `_FREE`
    and in `_Pool.take`."""
    buffer = buffers[slot]
    return getrefcount(buffer)


#: `_references` of a buffer only its pool holds (the interpreter's own temporary references included)
_FREE = _references([np.empty(0)], 0)


class _Pool:
    """The buffers a lowered function writes its large intermediates into (batched: its blocks), kept from
    call to call.

    A fresh (k × n) array of a few hundred kB is a fresh mapping of memory for the C allocator (above
    its mmap threshold, or trimmed off the heap when freed), so each one page-faults every page it
    writes, every call: at n = 1024, chunk 64, most of a forward sweep's time (bench/scaling.py).
    Unbatched, whether glibc trims depends on the process's history (its thresholds rise to the largest
    mapped block freed so far): an MLP loss's 256 × 128 blocks faulted in (96 faults, ~150 µs of ~600)
    in some processes and not in others, and its loss + gradient in more of them (bench/cheap_faults.py). A
    slot's buffer is reused only when nothing but the pool references it (`getrefcount`): a value
    still alive in this call, a view of it (its `.base`), a result the caller kept, another thread
    running the same function all hold a reference, and then `take` allocates a new one. So no
    result ever shares memory with a later call's buffers, whatever the program does with views."""

    def __init__(self, dtypes: list):
        self.dtypes = dtypes
        self.buffers: list = [None] * len(dtypes)
        self.kinds: list = [None] * len(dtypes)  # (shape, dtype) per slot, as the traced code made them

    def slot(self, kind: tuple, n: int) -> int:
        """The slot of the n-th buffer of `kind` ((shape, dtype)) a function needs at once: the programs of one
        `lower` (exact, speculative, guarded) run one after another and share this pool, each taking the same
        slots for its first, second, ... buffer of a kind."""
        found = [i for i, k in enumerate(self.kinds) if k == kind]
        if n < len(found):
            return found[n]
        self.kinds.append(kind)
        self.dtypes.append(kind[1])
        self.buffers.append(None)
        return len(self.kinds) - 1

    def take(self, slot: int, shape: tuple):
        # bound first, then counted: a thread that binds the same buffer after this one counts one
        # reference more than free and allocates its own (counted, then bound, two threads could
        # both see it free between the count and the binding)
        buffer = self.buffers[slot]
        if buffer is not None and getrefcount(buffer) == _FREE and buffer.shape == shape:
            return buffer
        buffer = self.buffers[slot] = np.empty(shape, self.dtypes[slot])
        return buffer


#: roots followed through views before a value counts as possibly sharing with anything
_ROOTS_MAX = 64


def _sunk(graph: Graph) -> Graph:
    """The graph with each equation whose op may write into a buffer (`Op.in_place`, `Op.add_into`) moved to just
    before its value's first reader (the same values: its arguments are made before it): a cotangent's
    `setitem(ct, 0, idx)` then comes after `getitem(ct, idx)`, ct's last reader, and may write into ct, and a
    scatter of a cotangent right before the addition that reads it may add into that addition's other argument
    (`_Source.writable`, `_Source.adds_into`)."""
    if not any([e.op.in_place is not None or e.op.add_into is not None for e in graph.eqns]):
        return graph
    first: dict = {}
    for k, e in enumerate(graph.eqns):
        for a in e.args:
            if type(a) is Var and a not in first:
                first[a] = k
    waiting: dict = {}
    eqns: list = []
    for k, e in enumerate(graph.eqns):
        eqns += sorted(waiting.pop(k, ()), key=lambda w: w.op.add_into is not None)  # (adding ones last)
        at = first.get(e.out)
        if at is not None and at > k + (e.op.add_into is None) and (e.op.in_place or e.op.add_into) is not None:
            waiting.setdefault(at, []).append(e)
        else:
            eqns.append(e)
    return graph._replace(eqns=tuple(eqns))


def _adding(graph: Graph) -> set:
    """The positions of the equations whose op has an `add_into` form and whose value only the addition right after
    them reads (`_Source.adds_into`)."""
    readers: dict = {}
    for e in graph.eqns:
        for a in e.args:
            if type(a) is Var:
                readers[a] = readers.get(a, 0) + 1
    outputs = {v for v in graph.outputs if type(v) is Var}
    eqns = graph.eqns
    return {
        k
        for k, e in enumerate(eqns[:-1])
        if e.op.add_into is not None
        and eqns[k + 1].op is STEPS.addition
        and len(eqns[k + 1].args) == 2
        and any([a is e.out for a in eqns[k + 1].args])
        and readers.get(e.out) == 1
        and e.out not in outputs
    }


def _reads_scale(partial) -> bool:
    """Whether a rule's partial is a quotient n/d that reads its operands at their scale (log's t/x), not exp's,
    whose form (n·t)/d lifts an underflowed partial (`quotient_partial`'s `lifts`), on values only."""
    return getattr(partial, "quotient", None) is not None and not partial.quotient_lifts


#: per thread, `needs`: while a prepared VJP's forward part runs (`sweeps._unlifted`), a list of the least |t| that lifts
#: an underflowed entry of a lifting op's value (`_lift_need`), one per call of such an op that underflowed; else None
_LIFTED = threading.local()
#: below this a factor cannot lift an entry of a lifting op's value under `_LOST` into the normal range: that entry's
#: e^x is below _LOST + 2^-1074, so |t|·e^x ≥ TINY needs |t| > TINY/(_LOST + 2^-1074) ~ 2^26 (`_lift_lost`)
_LIFT_FLOOR = _TINY / (_LOST + 2.0**-1074)
_LIFT_FLOOR2 = _LIFT_FLOOR * _LIFT_FLOOR
_F64 = np.dtype(np.float64)


def _lift_need(partial, out, args) -> float:
    """The least |t| for which the rule's quotient form (n·t)/d lifts one of `out`'s entries below `_LOST` back into
    the normal range (exp at x = -800: TINY/e^-800 ~ 5.9e39); inf where none can (exp below x = -1416: n is 0)."""
    tiny = np.abs(out) < _LOST
    if not tiny.any():
        return math.inf
    shape = np.shape(out)
    xs = [a if not np.ndim(a) else (a if np.shape(a) == shape else np.broadcast_to(a, shape))[tiny] for a in args]
    numerator, denominator, _ = partial.quotient
    with np.errstate(all="ignore"):  # (TINY/n, then ·d: n/d itself underflowed, e^-400/e^400)
        under = out[tiny] if np.ndim(out) else out
        need = np.abs(_TINY / numerator(under, *xs) * denominator(under, *xs))
    need = need[need == need]  # (NaN: no lift)
    return float(need.min()) if need.size else math.inf


def _squared(a) -> float:
    """An upper bound of max|a|², cheap: Σa² by one BLAS dot for a float array up to `_DOT_MAX` entries (0.3 µs for
    3), else max|a|² itself (inf or NaN for a NaN: not below any bound, so it is looked at closely)."""
    if type(a) is np.ndarray and a.dtype.kind == "f" and a.size <= _DOT_MAX:
        return float(_vdot(a, a))
    if type(a) is float or type(a) is np.float64 or type(a) is int:
        return float(a) * float(a)
    if isinstance(a, Traced) or not np.size(a):  # (a traced run records its equations: their rules decide)
        return 0.0
    m = float(np.max(np.abs(a)))
    return m * m


def _lift_lost(met, args) -> bool:
    """Whether a product of lifting ops' values (`met`: exp's, each on a call where it underflowed, its slot marked by
    `_underflow_exact`) and other factors may have lost a term that the rule's quotient form keeps (3e200·e^-800 =
    1.1e-147, its plain product 0): where the other factors reach `_LIFT_FLOOR` (one dot each: a softmax weight
    e^-800 times Σū ~ 1 stops here), where some entry of the value below `_LOST` (e^x < that entry + 2^-1074: exp's
    partial is its value) times their largest magnitude reaches the normal range. That bound reads no x, whose buffer
    may hold another value by now: a factor of 4.5e15 meeting e^-4800 declines too (the interpreter decides)."""
    for k, slots, others in met:
        for slot in slots:
            if slot.__dict__.get("hit"):
                break
        else:  # (this call's values did not underflow)
            continue
        bound = 1.0
        for j in others:
            a = args[j]  # (`_squared`'s common case inline: 0.15 µs of a 5 µs gradient)
            bound *= (
                float(_vdot(a, a)) if type(a) is np.ndarray and a.dtype is _F64 and a.size <= _DOT_MAX else _squared(a)
            )
        if bound < _LIFT_FLOOR2:
            continue
        magnitude = np.abs(args[k])
        small = magnitude[magnitude < _LOST]
        if small.size and not math.sqrt(bound) * (float(small.max()) + 2.0**-1074) < _TINY:
            return True
    return False


def _underflow_exact(call, read: bool, products: bool | None = None, lifts=None, met=()):
    """`call` (an `Op.underflow_exact` op's), once an underflow in it raised (compiled code's error state), run with
    an underflow counted, not raised: its 0s are exact to rounding (exp(-800) in an RBF kernel sum, a softmax's far logits),
    and so are its subnormal entries unless a quotient rule reads them (`read`: sqrt(exp(-720))'s t/(2·out), which
    the interpreter says): then FloatingPointError, the interpreter decides, as for any underflow. `products`: a
    linear op reading such a value (`Op.linear`; True: in each argument, a sum of products of one entry of each, mul
    and matmul; False: jointly, add, sum, whose underflow is exact cancellation): it declines too where a product of
    entries all in the normal range may fall below 26 bits (a term lost, as ops.core's `_underflowed` says of a
    quotient's, not one already tiny). It runs once, the checks only where this call underflowed (bench/underflow_ab.py).
    `lifts`: (the op's `lifting_partial`, its slot): each call marks the slot, whether it underflowed; `met`:
    (position, slot, the other factors' positions) of each lifting op's value a product reads (`_Source.lift_checks`),
    which declines where the mark is set and its other factors may lift an underflowed entry into range
    (`_lift_lost`): the interpreter's rule keeps 3e200·e^-800 = 1.1e-147 where this code's plain product gave 0
    (issue 11). A harmless e^-800 costs a flag and a dot per call (extreme50's exact need: 5x the call).
    Not called before an underflow raised in its program (`_swapper`): until then its name calls `call` itself."""

    seen = [False]  # (underflowed before: from then on run once under "call", not raising and then again)

    def run(*args, **params):
        target = params.get("out")
        if target is not None and any([target is a for a in args]):
            # (the program writes into a dead operand, `_Source.spare`: this call may run twice and the checks below
            # read its operands after it, so its value is a fresh array here, which shares nothing)
            params = {k: v for k, v in params.items() if k != "out"}
        if met and _lift_lost(met, args):
            raise FloatingPointError("a lifted partial's product is in range: the interpreter decides")
        if not seen[0]:  # (none yet: the error state in force, free)
            try:
                return call(*args, **params)
            except FloatingPointError as error:
                if "underflow" not in str(error):
                    raise
            seen[0] = True
        # Under "call" an underflow only counts (`_counting`): one run, and the checks only on a call that underflowed
        # (the count moved), not on every call after the first that did (issue 17: 2.40 ms vs 1.53 for an MLP).
        before = getattr(_UNDERFLOWS, "n", 0)
        token = _counting()
        try:
            out = call(*args, **params)
        finally:
            _reset(token)
        if getattr(_UNDERFLOWS, "n", 0) == before:
            if lifts is not None:
                lifts[1].hit = False
            return out
        if lifts is not None:
            lifts[1].hit = True  # (marked, for this call's products of the value: `_lift_lost`)
            if _LIFTED.__dict__.get("needs") is not None:  # (getattr's default for a thread that never set it: 0.3 µs)
                _LIFTED.needs.append(_lift_need(lifts[0], out, args))
        if products and _normal_product(args) < _LOST:
            raise FloatingPointError("a product of numbers in range may have underflowed: the interpreter decides")
        if read:
            magnitude = np.abs(np.asarray(out))  # (a nonzero entry among those below the normal range: 2 passes, not 5)
            if magnitude[magnitude < _TINY].any():
                raise FloatingPointError("an underflow to a subnormal value: the interpreter decides")
        return out

    return run


def _swapper(env: dict, wrappers: dict):
    """`_swap(error)` for a generated program's globals `env`, whose `_under` names are bound to their ops' calls:
    on the first underflow that escapes the program, True once `env` binds every name to its `_underflow_exact`
    wrapper (`wrappers`; fresh ones, none run yet: from then on the program is as if it had had them from the
    start), and the caller runs the program again; else False (another error, or the swap done already: the
    program's fallback, the interpreter, decides). No wrapper runs while no underflow happens (issue 17: 13
    wrapped calls, 0.95x -> 1.08x hand NumPy for a 4-16-3 MLP's gradient at batch 1).

    Threads: one caller alone swaps (`list.pop`), with one `dict.update` of str keys (no Python code runs in it,
    so no other thread sees half of it); a call that read a raw name and underflowed meanwhile takes its fallback,
    as it would with no wrapper. The rerun is safe: a program writes into its own values and its pool's buffers,
    never into its inputs (`_Source.writable`, `spare`, `scratch`), and charges its cost at its end alone."""
    todo = [wrappers] if wrappers else []

    def swap(error) -> bool:
        if "underflow" not in str(error):
            return False
        try:
            mine = todo.pop()
        except IndexError:
            return False
        env.update(mine)
        return True

    return swap


#: per thread, how many underflows `_count` was told of (NumPy calls it in the thread whose ufunc underflowed)
_UNDERFLOWS = threading.local()
#: (the error state last seen, it with underflow calling `_count`): as `_RAISING`
_COUNTING: list = [(None, None)]


def _count(kind, flag):
    """NumPy's error callback (under="call"): an underflow happened in this thread; counted, nothing raised."""
    _UNDERFLOWS.n = getattr(_UNDERFLOWS, "n", 0) + 1


def _counting():
    """Enter the error state in force with underflow calling `_count` (the others as they are): a token for `_reset`."""
    if _ERRSTATE is None:  # pragma: no cover - another NumPy: np.errstate
        state = np.errstate(under="call", call=_count)
        state.__enter__()
        return state
    current = _ERRSTATE[0].get()
    memo = _COUNTING[0]
    if memo[0] is not current:
        memo = (current, _ERRSTATE[1](under="call", call=_count))
        _COUNTING[0] = memo  # one assignment: a thread reads the pair whole
    return _ERRSTATE[0].set(memo[1])


def _reset(token) -> None:
    if _ERRSTATE is None:  # pragma: no cover - another NumPy
        token.__exit__(None, None, None)
    else:
        _ERRSTATE[0].reset(token)


def _normal_product(args) -> float:
    """The smallest product of one normal-range entry of each argument (inf where one has none: every product that
    reads it is tiny already)."""
    bound = 1.0
    for a in args:
        magnitude = np.abs(np.asarray(a))
        if magnitude.size > 1024 and magnitude.dtype.kind == "f":
            # (first one pass, the min, which answers where no entry is 0, subnormal or NaN: a weight matrix, the
            # activations it multiplies; 5x fewer instructions than the masked copy for 256x128. Not below 1024
            # entries, where NumPy's per-call cost outweighs it, nor stateful: one wrapper serves many products)
            least = float(magnitude.min())
            if least >= _TINY:
                bound *= least
                continue
        normal = magnitude[magnitude >= _TINY]
        if not normal.size:
            return math.inf
        bound *= float(normal.min())
    return bound


def _writing(write, otherwise):
    """`write` (an op's `in_place` or `add_into` form: `_Source.writable`, `adds_into`) where its target is an array
    and no other argument is a traced value (a program run on an enclosing trace's values records each equation) and
    it can: else `otherwise`, the op's call."""

    def call(y, *args, **params):
        if type(y) is np.ndarray and y.flags.writeable and not any([isinstance(a, Traced) for a in args]):
            out = write(y, *args, **params)
            if out is not None:  # (None: it cannot, y untouched)
                return out
        return otherwise(y, *args, **params)

    return call


def _fresh_value(op) -> bool:
    """Whether the op's value is a fresh buffer (or a number): a ufunc's, or a strong op's, which computes with
    its plain ufunc (or np.where)."""
    return isinstance(op.impl, np.ufunc) or (op.plain is not None and isinstance(op.plain.impl, np.ufunc))


def _writable(graph: Graph) -> set:
    """The values of `graph` that are writable arrays of the function's own making (or numbers) at every call:
    fresh buffers (`_fresh_value`) and an `Op.writable_view` op's values of them."""
    made: set = set()
    for e in graph.eqns:
        if _fresh_value(e.op) or (e.op.writable_view and all([type(a) is Var and a in made for a in e.args])):
            made.add(e.out)
    return made


def _roots(graph: Graph) -> dict:
    """Per value of `graph`, the values whose memory it may share: itself when a ufunc made it
    (a fresh buffer; `lower` writes into a dead buffer only when no view of it exists), else
    itself and the roots of its arguments (a view, a reshape, an argument returned as it is),
    constants by identity; None past `_ROOTS_MAX` roots (then it may share anything)."""
    roots: dict = {v: {v} for v in graph.inputs}
    for e in graph.eqns:
        if _fresh_value(e.op):
            roots[e.out] = {e.out}
            continue
        mine: set | None = {e.out}
        for a in e.args:
            if isinstance(a, Var):
                mine = None if mine is None or roots[a] is None else mine | roots[a]
            elif isinstance(a.value, np.ndarray) and mine is not None:
                mine.add(("const", id(a.value)))
        roots[e.out] = None if mine is None or len(mine) > _ROOTS_MAX else mine
    return roots
