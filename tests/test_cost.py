"""Cost is a value: each prepared object owns what its products cost (evaluations of f, equations
executed, elements produced); callers read it, nothing is reset by hand, and threads never mix."""

import math
import sys
import threading

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.graph import Cost, counting

METHODS = ["reverse", "forward", "numeric", "symbolic"]


def f(x):
    return dnp.sum(dnp.tanh(x) * x + 1.0)


def _work(prepared, x, calls):
    for _ in range(calls):
        prepared.grad(x)
        prepared.prepared.jvp([x], np.ones_like(x))  # the differentiator's product itself


def test_four_threads_each_cost_exact():
    """Four threads differentiate at once, each its own prepared function; each cost equals what
    the same calls cost alone, in one thread."""
    jobs = [(m, np.linspace(-1.0, 1.0, 3 + k), 40 + 7 * k) for k, m in enumerate(METHODS)]
    expected = []
    for m, x, calls in jobs:
        p = dl.prepare(f, x, method=m)
        _work(p, x, calls)
        expected.append(p.cost)
    assert all(c.evals > 0 for c in expected)
    assert [c.eqns > 0 for c in expected] == [True, True, True, False]  # symbolic runs no tape

    prepared = [dl.prepare(f, x, method=m) for m, x, _ in jobs]
    start, errors = threading.Barrier(len(jobs)), []

    def run(k):
        try:
            start.wait()
            _work(prepared[k], jobs[k][1], jobs[k][2])
        except Exception as err:  # noqa: BLE001 — any error in a thread is a failure here
            errors.append(repr(err))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with counting() as here:
            threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []
    assert [p.cost for p in prepared] == expected
    assert here == Cost()  # none of the threads' work is charged to this thread's open cost


@pytest.mark.parametrize("method", ["reverse", "forward", "numeric"])
def test_cost_counts_equations_and_elements_of_the_graph(method):
    x = np.linspace(-1.0, 1.0, 4)
    p = dl.prepare(f, x, method=method)
    p.grad(x), p.grad(x)  # past any lazy compilation
    graph = dl.trace(f, x)
    before = p.cost.copy()
    p.prepared.value([x])
    assert p.cost - before == Cost(
        evals=1, eqns=len(graph.eqns), elements=sum(math.prod(e.out.shape) for e in graph.eqns)
    )


def test_a_caller_can_count_any_work_and_pullbacks_charge_their_prepared_object():
    x = np.linspace(-1.0, 1.0, 5)
    p = dl.prepare(f, x, method="reverse")
    for _ in range(3):
        with counting() as outer:
            before = p.cost.copy()
            _, pullback = p.prepared.vjp([x])
            pullback(np.ones(1))
        assert outer == p.cost - before  # the enclosing count sees the same work
        assert outer.evals == 1 and outer.eqns > 0
    g = dl.grad(f)
    with counting() as first:
        g(x)  # interpreted on the values recorded while tracing: the backward sweep alone (graph.Cost's rule)
    g(x)
    with counting() as third:
        g(x)  # the lowered sweep: forward and backward, each over the tape
    tape = len(dl.trace(f, x).eqns)
    assert (first.evals, first.eqns, third.evals, third.eqns) == (1, tape, 1, 2 * tape)


def test_cost_arithmetic():
    a, b = Cost(evals=3, eqns=10, elements=40), Cost(evals=1, eqns=4, elements=10)
    assert a - b == Cost(2, 6, 30) and a + b == Cost(4, 14, 50) and (a + a) // 2 == a
    assert a.as_dict() == {"evals": 3, "eqns": 10, "elements": 40}
    assert a.copy() == a and a.copy() is not a
