"""Hypothesis strategies for differentiation: random function graphs drawn from the op registry.

A function is a short program of instructions (op, operand picks, choice numbers) built into
registry calls with each argument guarded into its op's domain by construction (log(u*u + 0.5),
div by exp(u), where on a comparison); deleting instructions keeps it valid, so failures shrink.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

from ..graph import Graph
from ..ops import REGISTRY
from ..trace import trace
from .scenarios import SCENARIOS

__all__ = [
    "functions",
    "graphs",
    "points",
    "scenarios",
    "RandomFunction",
    "Step",
    "Ref",
    "SHAPE_OPS",
    "symbolic_settings",
]

# the settings profiles (importing this module registers them): --hypothesis-profile=difflab-ci
settings.register_profile(
    "difflab-ci",
    derandomize=True,
    deadline=None,
    max_examples=200,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "difflab-slow", deadline=None, max_examples=5000, suppress_health_check=[HealthCheck.too_slow]
)
#: for tests that run SymPy: its first call per expression is slow, so no deadline
symbolic_settings = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

CONSTANTS = (0.5, 2.0, -1.5, 1.0, 3.0)
DEFAULT_SHAPES = ((), (2,), (3,), (2, 3))


class Ref(NamedTuple):
    """Operand: the k-th value of a program (inputs first, then each step's result)."""

    k: int


class Step(NamedTuple):
    """One registry call: `op(*args, **params)`, args being `Ref`s or Python floats."""

    op: str
    args: tuple
    params: tuple = ()


@dataclass(frozen=True, eq=False)
class RandomFunction:
    """A drawn function: input shapes, the steps and the output value. Calls work on arrays and on
    difflab's traced values; the repr is its source, one registry call a line."""

    shapes: tuple
    steps: tuple
    output: int

    def __call__(self, *xs):
        values = list(xs)
        for s in self.steps:
            values.append(REGISTRY[s.op](*[values[a.k] if isinstance(a, Ref) else a for a in s.args], **dict(s.params)))
        return values[self.output]

    def _repr_pretty_(self, p, cycle):  # Hypothesis (and IPython) print falsifying examples this way
        p.text(repr(self))

    @property
    def ops(self) -> frozenset:
        return frozenset(s.op for s in self.steps)

    def __repr__(self):
        n = len(self.shapes)
        name = [f"x{i}" for i in range(n)] + [f"v{i + n}" for i in range(len(self.steps))]
        lines = [f"def f({', '.join(f'{v}: {list(s)}' for v, s in zip(name, self.shapes))}):"]
        for i, s in enumerate(self.steps):
            args = [name[a.k] if isinstance(a, Ref) else repr(a) for a in s.args]
            args += [f"{k}={_param_repr(v)}" for k, v in s.params]
            lines.append(f"    {name[n + i]} = {s.op}({', '.join(args)})")
        return "\n".join(lines + [f"    return {name[self.output]}"])


def _param_repr(v):
    if isinstance(v, tuple):
        return "(" + "".join(_param_repr(x) + ", " for x in v).rstrip(" ") + ")"
    if isinstance(v, np.ndarray):
        return f"np.array({v.tolist()})"
    if isinstance(v, slice):
        return f"slice({v.start}, {v.stop}, {v.step})"
    return repr(v)


# -- the builder: instructions -> steps, every argument guarded into its op's domain ---------------


class _Choices:
    """Small decisions read off drawn integers in turn (0, also once they run out, is the simplest)."""

    def __init__(self, numbers):
        self.numbers = iter(numbers)

    def take(self, k):
        return next(self.numbers, 0) % max(k, 1)


def _dummy(shape, dtype):
    """A stand-in value to learn an op's output shape and dtype: 0.5s, plus the identity on square
    matrices so that linear-algebra ops (inv, det) see a regular one."""
    value = np.full(shape, 0.5, dtype)
    if len(shape) >= 2 and shape[-1] == shape[-2] and dtype.kind == "f":
        value = value + np.eye(shape[-1])
    return value


class _Builder:
    def __init__(self, shapes):
        self.avals = [(tuple(s), np.dtype(float)) for s in shapes]
        self.steps = []
        self.conditions = set()  # values of non-differentiable ops: they only feed `where`

    def shape(self, a):
        return self.avals[a.k][0] if isinstance(a, Ref) else ()

    def pick(self, p):
        """The p-th most recent float value (0: the latest); booleans only feed `where`."""
        floats = [k for k, (_, dtype) in enumerate(self.avals) if dtype.kind == "f" and k not in self.conditions]
        return Ref(floats[-1 - p % len(floats)])

    def emit(self, name, *args, **params):
        if name in _op_classes(REGISTRY.version)[2]:  # keep values finite by construction: tanh bounds what exp/pow see
            args = [self.emit("tanh", a) if isinstance(a, Ref) and a.k not in self.conditions else a for a in args]
        dummy = [_dummy(*self.avals[a.k]) if isinstance(a, Ref) else a for a in args]
        with np.errstate(all="ignore"):
            out = np.asarray(REGISTRY[name].impl(*dummy, **params))
        self.steps.append(Step(name, tuple(args), tuple(sorted(params.items()))))
        self.avals.append((out.shape, out.dtype))
        if not REGISTRY[name].differentiable:
            self.conditions.add(len(self.avals) - 1)
        return Ref(len(self.avals) - 1)

    def fit(self, a, shape):
        """a, or its sum when it does not broadcast against `shape`."""
        try:
            np.broadcast_shapes(self.shape(a), shape)
            return a
        except ValueError:
            return self.emit("sum", a, axis=None, keepdims=False)

    def positive(self, u, c):
        """u guarded into (0, inf) by construction: u*u + 0.5, exp(u) or softplus(u) + 0.1. softplus is
        logaddexp(u, 0), smooth with exact partials: written relu(u) + log1p(exp(-|u|)), the convention
        table's relu'(0) = abs'(0) = 0 gave every method slope 0 at u = 0 for softplus'(0) = 1/2, a
        'wrong gradient' to an oracle at the point Hypothesis draws first."""
        kind = c.take(3)
        if kind == 0:
            return self.emit("add", self.emit("mul", u, u), 0.5)
        if kind == 1:
            return self.emit("exp", u)
        return self.emit("add", self.emit("logaddexp", u, 0.0), 0.1)

    def condition(self, picks, c, name=None):
        """A boolean array from a non-differentiable op (compared with 0 if it is not boolean)."""
        conditions, boolean, _ = _op_classes(REGISTRY.version)
        name = name or conditions[c.take(len(conditions))]
        args = self.operands(REGISTRY[name], picks, c)
        out = self.emit(name, *args)
        if self.avals[out.k][1] != bool:  # noqa: E721  (a NumPy dtype: it equals the type bool, is never it)
            out = self.emit(boolean[c.take(len(boolean))], out, 0.0)
        return out

    def operands(self, op, picks, c, condition=None):
        args = []
        for i, domain in enumerate(op.domain):
            if domain == "bool":
                args.append(self.condition(picks[1:], c, condition))
                continue
            if domain == "integer":  # an order or shape parameter (jv's v, gammainc's a): a constant, never traced
                args.append(float(1 + c.take(3)))
                continue
            has_input = any(isinstance(a, Ref) and a.k not in self.conditions for a in args)
            u = CONSTANTS[c.take(len(CONSTANTS))] if has_input and c.take(4) == 0 else self.pick(picks[i % len(picks)])
            if domain in ("positive", "nonzero"):
                u = self.positive(u, c)
            elif domain == "unit":  # 0.9·tanh(u) stays inside (-1, 1)
                u = self.emit("mul", self.emit("tanh", u), 0.9)
            elif domain == "above_one":
                u = self.emit("add", self.positive(u, c), 1.1)
            elif domain == "negative":
                u = self.emit("neg", self.positive(u, c))
            elif domain == "probability":  # 0.05 + 0.9·sigmoid(u) stays inside (0, 1)
                u = self.emit("add", self.emit("mul", self.emit("sigmoid", u), 0.9), 0.05)
            args.append(u)
        shape = ()
        for i, a in enumerate(args):
            args[i] = self.fit(a, shape)
            shape = np.broadcast_shapes(shape, self.shape(args[i]))
        return args

    def same_shape(self, x, picks, count):
        """x and up to `count - 1` more values of its shape (x again when there are none)."""
        found = [self.pick(p) for p in picks if self.shape(self.pick(p)) == self.shape(x)]
        return ([x] + found + [x] * count)[:count]

    def rank1(self, x):
        return self.emit("reshape", x, shape=(1,)) if not self.shape(x) else x


class _ShapeOps:
    """{op name: strategy builder} of every registry op that has one (`Op.strategy`): ops whose
    parameters or operand shapes need a builder; every other op the strategies draw is elementwise.
    A live view of the registry, so an op registered later is drawn too."""

    _made: tuple = (-1, {})  # (the registry's version, the table made then)

    def _table(self):
        # made again only when the registry changed (REGISTRY.version, as _op_classes): `build` asks twice per
        # instruction, and a dict over the whole registry each time was the largest cost of drawing (profiled
        # shrinks in tests/testing/test_strategies: the dict alone ~5% of their CPU)
        version, table = self._made
        if version != REGISTRY.version:
            table = {name: op.strategy for name, op in REGISTRY.items() if op.strategy is not None}
            self._made = (REGISTRY.version, table)
        return table

    def __getitem__(self, name):
        return self._table()[name]

    def __contains__(self, name):
        return name in self._table()

    def __iter__(self):
        return iter(self._table())

    def __len__(self):
        return len(self._table())

    def __repr__(self):
        return f"SHAPE_OPS({sorted(self._table())})"


SHAPE_OPS = _ShapeOps()


def _drawable():
    """The ops the strategies can draw, read from the registry now (not one with no argument to differentiate,
    zeta_riemann: its every argument a parameter held constant, a graph would only hold it as a constant; nor one
    whose samples are complex, wofz: complex-valued at real arguments too, its value would leave the real functions
    drawn here, whose gradient is defined — tests/test_complex.py's)."""
    return tuple(
        name
        for name, op in REGISTRY.items()
        if (op.elementwise or op.strategy is not None)
        and op.available
        and set(op.domain) != {"integer"}
        and set(op.domain) != {"bool"}  # (the connectives, &, ~: no float argument; where draws masks by `condition`)
        and "complex" not in op.domain
    )


@functools.lru_cache(maxsize=4)
def _op_classes(version):
    """(conditions, boolean conditions, explosive ops) of the registry at this version."""
    # elementwise ones only: a piecewise-constant matrix op (eigh_signs) takes no arbitrary operand
    conditions = tuple(
        name
        for name, op in REGISTRY.items()
        if not op.differentiable and op.elementwise and set(op.domain) != {"bool"}  # (a connective takes masks)
    )
    boolean = tuple(
        name
        for name in conditions
        if REGISTRY[name].nargs == 2  # compared with 0
        and np.asarray(REGISTRY[name].impl(*[0.5] * (REGISTRY[name].nargs or 1))).dtype == bool
    )
    # elementwise ops that overflow float64 quickly (|f(50, ...)| > 1e6): their inputs are bounded
    with np.errstate(all="ignore"):
        explosive = frozenset(
            name
            for name, op in REGISTRY.items()
            if op.elementwise
            and op.available
            and op.differentiable
            and "bool" not in op.domain
            and not np.all(np.abs(op.impl(*[50.0] * len(op.domain))) <= 1e6)
        )
    return conditions, boolean, explosive


def build(shapes, instructions, *, scalar=True) -> RandomFunction:
    """Turn instructions (op name, operand picks, choice numbers) into a RandomFunction.

    >>> build([(2,)], [("sin", (0, 0, 0), ())])
    def f(x0: [2]):
        v1 = sin(x0)
        v2 = sum(v1, axis=None, keepdims=False)
        return v2
    """
    b = _Builder(shapes)
    out = b.pick(0)
    for name, picks, numbers in instructions:
        c, x = _Choices(numbers), b.pick(picks[0])
        if name in SHAPE_OPS:
            out = SHAPE_OPS[name](b, name, x, picks, c)
        elif not REGISTRY[name].differentiable:  # a where conditioned on this op
            out = b.emit("where", *b.operands(REGISTRY["where"], picks, c, condition=name))
        else:
            out = b.emit(name, *b.operands(REGISTRY[name], picks, c))
    if scalar and b.shape(out):
        out = b.emit("sum", out, axis=None, keepdims=False)
    return RandomFunction(tuple(tuple(s) for s in shapes), tuple(b.steps), out.k)


# -- strategies --------------------------------------------------------------------------------------


def _check_ops(ops):
    if ops is None:
        return _drawable()
    ops = (ops,) if isinstance(ops, str) else tuple(ops)  # (one name: "sin" was the ops 's', 'i', 'n')
    unknown = [o for o in ops if o not in REGISTRY]
    if unknown:
        raise InvalidArgument(f"ops={ops!r}: {unknown} are not registered ops; choose from {sorted(REGISTRY)}")
    drawable = _drawable()  # (read once: not once per op asked for)
    unusable = [o for o in ops if o not in drawable]
    if unusable:
        raise InvalidArgument(f"ops={ops!r}: the strategies cannot build {unusable} yet (add a builder to SHAPE_OPS)")
    if not ops:
        raise InvalidArgument("ops must name at least one op (or be None for all of them)")
    return ops


def _check_bool(value, name):
    """An on/off argument takes a bool (a NumPy one too): the string "no" was taken as True."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidArgument(f"{name}={value!r} must be True or False")
    return bool(value)


def _check_int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgument(f"{name}={value!r} must be an integer >= {low}")


@st.composite
def _functions(draw, max_leaves, max_eqns, ops, shapes, scalar):
    leaves = draw(st.lists(shapes, min_size=1, max_size=max_leaves))
    # one byte string per instruction: Hypothesis deletes and zeroes it whole, so programs shrink
    # to a few instructions (separately drawn integers leave long chains of `add`s behind)
    instruction = st.tuples(st.sampled_from(ops), st.binary(min_size=11, max_size=11)).map(
        lambda t: (t[0], tuple(p % 8 for p in t[1][:3]), tuple(t[1][3:]))
    )
    return build(leaves, draw(st.lists(instruction, max_size=max_eqns)), scalar=scalar)


def functions(*, max_leaves=3, max_eqns=8, ops=None, shapes=None, scalar=True):
    """Random functions (RandomFunction) over 1..max_leaves inputs, from 0..max_eqns instructions.

    `ops` restricts the instructions' ops (default: every registered op; a non-differentiable
    one, such as a comparison, becomes the condition of a `where`); domain guards add a few
    equations of their own. `shapes` is a strategy for input shapes (default: (), (2,), (3,), (2, 3)).
    With `scalar` the output is summed to a scalar. Shrinks toward fewer, simpler instructions.

    >>> from hypothesis import given
    >>> @given(functions(max_eqns=3))
    ... def test_calls(f):
    ...     assert np.shape(f(*[np.ones(s) for s in f.shapes])) == ()
    >>> test_calls()
    """
    _check_int(max_leaves, "max_leaves", 1)
    _check_int(max_eqns, "max_eqns", 0)
    if shapes is not None and not isinstance(shapes, st.SearchStrategy):
        raise InvalidArgument(f"shapes={shapes!r} must be a strategy of shape tuples, e.g. st.just((2,))")
    shapes = st.sampled_from(DEFAULT_SHAPES) if shapes is None else shapes
    return _functions(max_leaves, max_eqns, _check_ops(ops), shapes, _check_bool(scalar, "scalar"))


def graphs(*, max_leaves=3, max_eqns=8, ops=None, shapes=None, scalar=True):
    """Random difflab Graphs: `functions(...)` traced at inputs of ones (the graph holds for every
    point: drawn functions have no value-dependent control flow).

    >>> from hypothesis import given
    >>> @given(graphs(max_eqns=2))
    ... def test_is_graph(g):
    ...     assert isinstance(g, Graph)
    >>> test_is_graph()
    """
    return functions(max_leaves=max_leaves, max_eqns=max_eqns, ops=ops, shapes=shapes, scalar=scalar).map(
        lambda f: trace(f, *[np.ones(s) for s in f.shapes])
    )


def points(graph_or_function, *, min_value=-2.0, max_value=2.0):
    """Input points for a RandomFunction or a Graph: a tuple with one float array per input
    (a Python float for shape ()), entries in [min_value, max_value].

    >>> from hypothesis import given
    >>> @given(points(build([(2,), ()], [])))
    ... def test_shapes(xs):
    ...     assert [np.shape(x) for x in xs] == [(2,), ()]
    >>> test_shapes()
    """
    if isinstance(graph_or_function, Graph):
        shapes = [v.shape for v in graph_or_function.inputs]
    elif isinstance(graph_or_function, RandomFunction):
        shapes = graph_or_function.shapes
    else:
        raise InvalidArgument(f"points() needs a Graph or a RandomFunction, got {type(graph_or_function).__name__}")
    numbers = all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in (min_value, max_value)
    )
    if not (numbers and math.isfinite(min_value) and math.isfinite(max_value) and min_value <= max_value):
        raise InvalidArgument(f"need finite min_value <= max_value, got {min_value!r}, {max_value!r}")
    floats = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    leaf = [floats if not s else hnp.arrays(np.float64, s, elements=floats) for s in shapes]
    return st.tuples(*leaf)


def scenarios(*, names=None, moved=True):
    """Known-answer Scenarios (difflab.testing.SCENARIOS), at their worked-example points or, with
    `moved`, at points drawn near them (their gradients from the same hand-derived formulas).

    >>> from hypothesis import given
    >>> @given(scenarios(names=["quartic"]))
    ... def test_known(s):
    ...     assert s.gradient == 4 * s.args[0] ** 3
    >>> test_known()
    """
    wanted = {names} if isinstance(names, str) else names  # (one name: "quartic" was its letters, matching none)
    pool = SCENARIOS if names is None else tuple(s for s in SCENARIOS if s.name in set(wanted))
    if not pool:
        raise InvalidArgument(f"names={names!r} matches no scenario; known: {[s.name for s in SCENARIOS]}")
    chosen = st.sampled_from(pool)
    if not _check_bool(moved, "moved"):
        return chosen
    shift = st.floats(-0.5, 0.5, allow_nan=False, allow_subnormal=False)

    def move(s):
        def leaf(x):
            if isinstance(x, np.ndarray):
                return hnp.arrays(np.float64, x.shape, elements=shift).map(lambda d, x=x: x + d)
            return shift.map(lambda d, x=x: x + d)

        return st.tuples(*[_tree_strategy(a, leaf) for a in s.args]).map(lambda args, s=s: s.at(*args))

    return chosen.flatmap(move)


def _tree_strategy(value, leaf):
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _tree_strategy(v, leaf) for k, v in value.items()})
    return leaf(value)
