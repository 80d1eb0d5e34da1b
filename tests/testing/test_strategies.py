"""difflab.testing.strategies: house style, domain guards by construction, legible small failures."""

import random
import subprocess
import sys
import warnings

import numpy as np
import pytest

from difflab.ops import REGISTRY
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, NoSuchExample

import difflab as dl
from difflab.errors import DomainWarning
from difflab.testing import check_grad
from difflab.testing.strategies import SHAPE_OPS, RandomFunction, _drawable, build, functions, graphs, points, scenarios

FAST = settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    "make",
    [
        lambda: functions(max_leaves=0),
        lambda: functions(max_eqns=-1),
        lambda: functions(max_eqns=2.5),
        lambda: functions(ops=["no_such_op"]),
        lambda: functions(ops=[]),
        lambda: functions(shapes=[(2,)]),
        lambda: graphs(max_leaves=True),
        lambda: points(lambda x: x),
        lambda: points(build([()], []), min_value=1.0, max_value=0.0),
        lambda: scenarios(names=["nope"]),
    ],
)
def test_bad_arguments_are_invalid_argument(make):
    with pytest.raises(InvalidArgument):
        make()


def test_bounds_are_keyword_only():
    with pytest.raises(TypeError):
        functions(3)


@FAST
@given(st.data())
def test_every_drawn_function_stays_in_its_domain(data):
    """Guards by construction: at any point in [-2, 2] no op leaves its domain, nothing is NaN."""
    f = data.draw(functions())
    xs = data.draw(points(f))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        graph = dl.trace(f, *xs)
        value = dl.evaluate(graph, *xs)[0]
    assert np.isfinite(value) and np.shape(value) == ()
    assert [v.shape for v in graph.inputs] == [tuple(s) for s in f.shapes]


@FAST
@given(graphs(max_leaves=2, max_eqns=3, scalar=False, shapes=st.just((2, 3))))
def test_graphs_and_points(graph):
    assert isinstance(graph, dl.Graph) and len(graph.inputs) <= 2
    assert all(v.shape == (2, 3) for v in graph.inputs)


def test_repr_is_source():
    f = build([(3,), ()], [("log", (0, 0, 0), (0,)), ("mul", (0, 1, 0), (1, 0, 0)), ("getitem", (0, 0, 0), (1, 0, 1))])
    assert repr(f) == "\n".join(
        [
            "def f(x0: [3], x1: []):",
            "    v2 = mul(x1, x1)",
            "    v3 = add(v2, 0.5)",
            "    v4 = log(v3)",
            "    v5 = mul(v4, v3)",
            "    v6 = reshape(v5, shape=(1,))",
            "    v7 = getitem(v6, idx=(slice(0, 1, None),))",
            "    v8 = sum(v7, axis=None, keepdims=False)",
            "    return v8",
        ]
    )
    assert float(f(np.ones(3), 2.0)) == pytest.approx(np.log(4.5) * 4.5)


#: the other ops of test_shrinking_gives_small_graphs's functions: elementwise ones, a comparison (a `where`'s
#: condition), reductions and shape ops, each a step the shrinker must delete or simplify
SHRINK_COMPANIONS = ("add", "mul", "sin", "exp", "log", "tanh", "sqrt", "maximum", "less", "sum", "cumsum")
SHRINK_COMPANIONS += ("reshape", "transpose", "getitem", "concatenate", "broadcast_to", "stack", "matmul")


@pytest.mark.parametrize("op", sorted(SHAPE_OPS))
def test_shrinking_gives_small_graphs(op):
    """The smallest function using each shape op is one or two instructions, whatever was drawn first."""
    # no explain phase: it only annotates a failing example (and find has no failure), yet took half the time
    # an explicit seed, not derandomize: derandomize's path depended on what other test modules had
    # imported (the transpose case shrank to 7 steps alone, to 2 in the whole suite)
    quick = settings(database=None, max_examples=1000, phases=[Phase.generate, Phase.shrink])
    # `op` among SHRINK_COMPANIONS, not the registry's ~260 ops: there a seed drew ~250 functions before one held
    # `op` (~80% of this test's time), here a few; the first function still holds other ops and dead steps for the
    # shrinker to delete, and a path no longer moves whenever an entry is added to the registry
    # (an op no strategy draws itself, pivot_rows, comes from the drawn op whose builder emits it, lu_pivots)
    same = [o for o in _drawable() if REGISTRY[o].strategy is REGISTRY[op].strategy]
    pool = sorted(set(SHRINK_COMPANIONS) | ({op} if op in _drawable() else set(same)))

    def shrunk(seed):
        # (None where a seed's 1000 draws hold no `op`)
        try:
            return find(functions(ops=pool), lambda f: op in f.ops, settings=quick, random=random.Random(seed))
        except NoSuchExample:
            return None

    f = shrunk(0)
    # the linear-algebra ops get a matrix built for them: det's family v vᵀ + 2·I (two reshapes, mul,
    # add); the decompositions x xᵀ + D summed over a broadcast axis (three reshapes, mul, sum, add) or
    # tanh(x) + shift (sqrtm's and sylvester's x xᵀ + D likewise), pinv x + 2.5·I; each plus the op and the final sum
    strategy = REGISTRY[op].strategy
    budget = {REGISTRY["det"].strategy: 6, REGISTRY["eigh_values"].strategy: 8, REGISTRY["pinv"].strategy: 5}
    budget.update({REGISTRY["sqrtm"].strategy: 8, REGISTRY["sylvester"].strategy: 8})
    # det's derivatives (cofactor_dk) take det's matrix, repeated as their directions
    budget.update({REGISTRY["cofactor_dk"].strategy: 6})
    budget.update({REGISTRY["expm"].strategy: 7, REGISTRY["frechet"].strategy: 7})  # (the 1×1 matrix Σ tanh(x)²)
    budget.update({REGISTRY["logm"].strategy: 8, REGISTRY["logm_frechet"].strategy: 8})  # (1 + Σ tanh(x)²: expm's + 1)
    budget.update({REGISTRY["care"].strategy: 8})  # (expm's 1×1 matrix and it + 1: B, Q and R)
    budget.update({REGISTRY["lfilter"].strategy: 10})  # (s = tanh(Σx), b and a two steps each from it, zi one)
    budget.update({REGISTRY["qr_complement"].strategy: 6})  # (reshape, tanh and add: a tall matrix, no zero below)
    budget.update({REGISTRY["lu_pivots"].strategy: 5})  # (reshape to 1×1, lu_pivots, pivot_rows, their product)
    # (argmax's index given back its axis to gather the value there: the op, a reshape, gather_along, the sum)
    budget.update({REGISTRY["argmax"].strategy: 5, REGISTRY["argmin"].strategy: 5})
    # (put_along: x's argpartition and a value, each indexed to repeat a position, the op, the sum)
    budget.update({REGISTRY["put_along"].strategy: 6})
    # (chndtrinc's attainable p: a guarded u, chndtr at tanh u, the op's tanh of u and of p)
    budget.update({REGISTRY["chndtrinc"].strategy: 8})
    for seed in (1, 2, 3, 4):
        if f is not None and len(f.steps) <= budget.get(strategy, 4):
            break
        # Hypothesis's shrinker can stall in a local minimum whose path depends on the whole registry (merging
        # two ops' branches stalled transpose at 9 steps, with dead steps it could not delete): another
        # seed's shrink is the check that a small graph is reachable, not the first path's luck
        f = shrunk(seed) or f
    assert isinstance(f, RandomFunction) and len(f.steps) <= budget.get(strategy, 4), repr(f)


def test_importing_difflab_testing_does_not_import_hypothesis():
    code = (
        "import sys, difflab, difflab.testing, difflab.testing.plugin; "
        "print(sorted(m for m in ('hypothesis', 'sympy', 'matplotlib') if m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_profiles_are_registered():
    assert settings.get_profile("difflab-ci").derandomize and settings.get_profile("difflab-ci").deadline is None
    assert settings.get_profile("difflab-slow").max_examples > settings.get_profile("difflab-ci").max_examples


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(functions(max_eqns=3, ops=["log", "sqrt", "div"]))
def test_domain_guards_have_no_kink_for_the_oracle_to_find(f):
    """The softplus guard was relu(u) + log1p(exp(-|u|)): smooth, but differentiated by the convention
    table (relu'(0) = abs'(0) = 0) every method's slope at u = 0 was 0 for 1/2, so a user's test of a
    right gradient against the oracle failed at Hypothesis's favourite point, 0."""
    assert not {"abs", "relu"} & f.ops
    xs = [np.zeros(s) if s else 0.0 for s in f.shapes]
    n = tuple(range(len(xs)))
    check_grad(f, dl.grad(f, argnums=n, method="reverse"), *xs, argnums=n)
