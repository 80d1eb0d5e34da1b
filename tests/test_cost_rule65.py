"""graph.Cost's rule, counted by hand: W = the tape's equations; f at a point W, a forward sweep of k tangents k·W,
reverse's forward sweep W and each backward sweep W (+ a checkpoint's interior run again); the same with
compiled=True and False, on every call (the first interpreted, the second building code, the later ones compiled).

On main: Forward(compiled=False, chunk=k) charged 0 for k ≤ 4 tangents (its sweeps per direction charged nothing),
Reverse's backward sweeps charged nothing interpreted (a Jacobian of 2 outputs: 2, the forward sweep alone) and the
compiled tier charged its lowered sweep's own equations (primal and tangent ones: a forward Jacobian 3x the rule's),
different on the call that built it.
"""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.graph import counting

A = np.array([[0.3, -0.2, 0.5, 0.1, -0.4, 0.2], [0.1, 0.4, -0.3, 0.2, 0.3, -0.1]])  # m = 2 outputs, n = 6 inputs
X = np.linspace(-0.5, 0.5, 6)
N, M = 6, 2


def f(x):  # W = 2: matmul, tanh
    return dnp.tanh(A @ x)


def s(x):  # W = 3: matmul, tanh, sum
    return dnp.sum(dnp.tanh(A @ x))


def _counts(call, calls=4) -> list:
    out = []
    for _ in range(calls):
        with counting() as cost:
            call()
        out.append((cost.evals, cost.eqns))
    return out


def _product(prep, product):
    if product == "grad":
        return lambda: prep.grad(X)
    if product == "jacobian":
        return lambda: prep.jacobian(X)
    if product == "jvp":
        return lambda: prep.jvp((X,), (np.ones(N),))
    return lambda: prep.vjp(X)[1](np.ones(M))  # one pullback


# (method, product) -> (evals, eqns) per call, by the rule
TABLE = [
    ("reverse", "grad", (1, 3 + 3)),  # forward sweep + one backward sweep
    ("reverse", "jacobian", (1, 2 + M * 2)),  # forward sweep + one backward sweep per output
    ("reverse", "jvp", (1, 2 + M * 2)),  # (m ≤ 8: J's rows, then J v)
    ("reverse", "vjp", (1, 2 + 2)),
    ("forward/1", "grad", (N, N * 3)),  # n sweeps of one tangent each
    ("forward/1", "jacobian", (N, N * 2)),
    ("forward/4", "jacobian", (2, N * 2)),  # chunks of 4 and 2 (≤ 4 tangents: swept a direction at a time at first)
    ("forward/4", "grad", (2, N * 3)),
    ("forward/all", "jacobian", (1, N * 2)),  # one sweep of 6 tangents (interpreted: batched rules)
    ("forward/all", "vjp", (1, N * 2)),  # (J formed, then uᵀJ)
    ("forward/all", "jvp", (1, 2)),  # one tangent
]


def _method(name, compiled):
    if name == "reverse":
        return dl.Reverse(compiled=compiled)
    chunk = name.split("/")[1]
    return dl.Forward(chunk=None if chunk == "all" else int(chunk), compiled=compiled)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("name,product,want", TABLE)
def test_each_product_counts_the_tape_by_the_rule(name, product, want, compiled):
    prep = dl.prepare(s if product == "grad" else f, X, method=_method(name, compiled))
    assert _counts(_product(prep, product)) == [want] * 4


def test_numeric_counts_its_evaluations_of_the_tape():
    prep = dl.prepare(f, X, method=dl.Numeric(scheme="central"))
    assert _counts(_product(prep, "jacobian"), 2) == [(2 * N + 1, (2 * N + 1) * 2)] * 2  # f at x and 2 per input


def ck_layers(x):
    for _ in range(2):
        x = dnp.tanh(x) * 0.9 + 0.1  # 3 equations a layer
    return x


CK = dl.checkpoint(ck_layers)


def ck_loss(x):  # the tape: checkpoint (as its 6 interior equations), mul, sum: W = 6 + 2 = 8
    return dnp.sum(CK(x) * 2.0)


@pytest.mark.parametrize("compiled", [True, False])
def test_a_checkpoint_counts_its_interior_and_reverse_its_recomputation(compiled):
    x = np.linspace(-1.0, 1.0, 5)
    rev = dl.prepare(ck_loss, x, method=dl.Reverse(compiled=compiled))
    assert _counts(lambda: rev.grad(x)) == [(1, 8 + 8 + 6)] * 4  # forward, backward, the interior again
    fwd = dl.prepare(ck_loss, x, method=dl.Forward(chunk=None, compiled=compiled))
    assert _counts(lambda: fwd.grad(x)) == [(1, 5 * 8)] * 4
    with counting() as cost:
        rev.prepared.value([x])  # f at a point: W; elements 5 a vector, the sum 1
    assert (cost.evals, cost.eqns, cost.elements) == (1, 8, 6 * 5 + 5 + 1)


def test_the_api_s_fast_paths_charge_the_rule_too():
    g = dl.grad(s)
    first = _counts(lambda: g(X), 1)
    assert first == [(1, 3)]  # on the values recorded while tracing: the backward sweep alone
    assert _counts(lambda: g(X)) == [(1, 6)] * 4  # then the lowered sweep (the hot path's charge)
    assert _counts(lambda: dl.jvp(f, (X,), (np.ones(N),), method="forward")) == [(1, 2)] * 4


@pytest.mark.parametrize("outer", ["forward", "reverse"])
def test_hessians_and_hvps_count_alike_compiled_or_not(outer):
    """A Hessian's unit is the traced gradient's tape (its W depends on the rules): unknown by hand, but one
    count compiled or interpreted, call after call, and forward's the same whatever its chunk."""
    counts = {}
    for compiled in (True, False):
        for chunk in (1, 4, None):
            o = dl.Forward(chunk=chunk, compiled=compiled) if outer == "forward" else dl.Reverse(compiled=compiled)
            h = dl.hessian(s, method=(o, dl.Reverse(compiled=compiled)))
            counts[compiled, chunk] = [eqns for _, eqns in _counts(lambda: h(X))[1:]]  # (the first also traces)
    assert len({tuple(c) for c in counts.values()}) == 1
    (steady,) = set(next(iter(counts.values())))
    assert steady > 0
    hvps = {c: _counts(lambda: dl.hvp(s, (X,), (np.ones(N),), method=dl.Reverse(compiled=c))) for c in (True, False)}
    assert hvps[True] == hvps[False] and len(set(hvps[True])) == 1


def test_reverse_s_transposed_jvp_counts_alike_compiled_or_not():
    """m > 8 outputs: J v as the pullback's transpose, the pullback traced (not charged) and its graph's sweeps
    charged in that graph's equations; on main the compiled path charged 6, 12, 10, 10 and the interpreter 6."""
    B = np.linspace(-1.0, 1.0, 60).reshape(10, N)
    counts = {}
    for compiled in (True, False):
        p = dl.prepare(lambda x: dnp.tanh(B @ x), X, method=dl.Reverse(compiled=compiled))
        counts[compiled] = _counts(lambda: p.jvp((X,), (np.ones(N),)))
    assert counts[True] == counts[False] == [counts[True][0]] * 4
    assert counts[True][0][1] > 2 + 2  # f's forward sweep, then the transposed pullback's two sweeps


def test_a_fresh_gradient_s_tape_is_counted_when_read_and_a_long_count_keeps_few_tapes():
    """A fresh scalar gradient charges its tape's work at every call and no one reads it: the cost holds the graph
    and counts it when read (counting each call's 66 equations' elements was 12 µs of a 72 µs call); a counting()
    block around many fresh gradients keeps at most graph._PENDING tapes, and reads the same total."""
    from difflab import graph

    g = lambda w: w[0] * w[1] + dnp.sin(w[0])  # noqa: E731  (a tape of 3 equations, over floats)
    with counting() as c:
        for k in range(150):
            dl.grad(g)([0.5 + k / 1000.0, 2.0])
            assert len(c._pending or ()) < graph._PENDING
        assert c._pending  # (the last calls' tapes: not yet counted)
    assert c.eqns == 150 * 3 and c.elements == 150 * 3 and c._pending is None
