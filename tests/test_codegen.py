"""The symbolic method's back end (difflab/compile/symbolic.py): its code equals the assignments run one by one."""

import numpy as np
import pytest

from difflab.compile import share, vectorize

sp = pytest.importorskip("sympy")


def one_by_one(inputs, assignments, outputs, V):
    env = {s: V[r] for r, s in enumerate(inputs)}
    for s, e in assignments + [(None, e) for e in outputs]:
        free = sorted(sp.sympify(e).free_symbols, key=lambda u: u.name)
        value = np.broadcast_to(sp.lambdify(free, e, "numpy")(*[env[u] for u in free]), V.shape[1:])
        if s is None:
            yield value.mean()
        else:
            env[s] = value


def program(rng):
    """Units laid out every way the grouping meets: outer products (also backwards and transposed),
    sums of alike terms, scattered rows, a condition, constants and plain symbols as outputs."""
    x, y = sp.symbols("x0:4", real=True), sp.symbols("y0:3", real=True)
    lines, named = [], {}

    def let(name, e):
        named[name] = sp.Symbol(name, real=True)
        lines.append((named[name], e))
        return named[name]

    outer = {(i, j): let(f"a{i}_{j}", x[i] * y[j]) for j in reversed(range(3)) for i in range(4)}
    sums = [let(f"s{j}", sum(outer[i, j] * x[i] for i in range(4))) for j in range(3)]
    perm = rng.permutation(4)
    scattered = [let(f"b{k}", sp.tanh(x[perm[k]]) + y[k % 3]) for k in range(4)]
    kinked = [let(f"r{k}", sp.Piecewise((scattered[k], scattered[k] > 0), (0, True))) for k in range(4)]
    outputs = list(outer.values()) + sums + [r * s for r in kinked for s in sums] + [sp.Integer(0), x[2]]
    return list(x) + list(y), lines, outputs


@pytest.mark.parametrize("told", [False, True])  # told which inputs are per example: the others are (k, 1)
@pytest.mark.parametrize("batch", [1, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grouped_code_equals_the_assignments_one_by_one(seed, batch, told):
    rng = np.random.default_rng(seed)
    inputs, lines, outputs = program(rng)
    fn, rows = vectorize(inputs, lines, outputs, {}, per_example=inputs[:4] if told else None)
    V = np.zeros((rows, batch))
    V[:4] = rng.normal(size=(4, batch))  # per-example values
    V[4:7, :1] = rng.normal(size=(3, 1))  # the same for every example: column 0 is enough when told
    full = V.copy()
    full[4:7] = V[4:7, :1]
    want = np.array(list(one_by_one(inputs, lines, outputs, full)))
    np.testing.assert_allclose(fn(V if told else full), want, rtol=1e-14, atol=1e-15)
    assert np.abs(want).max() > 0.1 and (want == 0).sum() < len(want) // 2  # not vacuous


def test_share_names_repeated_subexpressions_and_keeps_conditions_inline():
    x, y = sp.symbols("x y", real=True)
    a, b = sp.symbols("a b", real=True)
    shift = sp.exp(x - sp.Max(x, y))  # repeated, as log-softmax's shifted exponentials are
    kink = sp.Piecewise((x, x > y), (y, True))
    lines = [(a, shift * x + kink), (b, shift * y + kink)]
    outputs = [a + b, shift]
    shared, outs = share(lines, outputs)
    assert len(shared) > len(lines) and all(not isinstance(e, sp.logic.boolalg.Boolean) for _, e in shared)
    V = np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.5]] + [[0.0] * 3] * 10)
    fn, rows = vectorize([x, y], shared, outs, {})
    np.testing.assert_allclose(fn(V[:rows]), list(one_by_one([x, y], lines, outputs, V[:2].copy())), rtol=1e-14)
