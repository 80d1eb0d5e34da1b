"""A registry rule's partials are translated for the symbolic method with their repeated equations merged
(program._merged): voigt_profile's three partials each traced the same continued fraction, and every element of an
array's program held, printed and compiled the three copies (issue 17: its registry cells were the suite's slowest)."""

from __future__ import annotations

import numpy as np

import difflab as dl
from difflab.differentiators import program
from difflab.graph import evaluate
from difflab.ops import REGISTRY


def _twice(x):
    half = float("0.5")  # (a fresh float object per call: the trace shares an equation only for the same object)
    return x * half + 1.0


def test_repeated_equations_are_merged_by_their_constants_bits():
    graph = dl.trace(lambda x: [_twice(x) * _twice(x), x * float("0.0"), x * float("-0.0")], np.array([0.25, 3.0]))
    merged = program._merged(graph)
    assert len(graph.eqns) == 7 and len(merged.eqns) == 5  # (the second x·0.5 + 1 dropped; -0.0 is not 0.0)
    x = np.array([2.0, -1.5])
    before, after = evaluate(graph, x), evaluate(merged, x)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
        assert (np.signbit(a) == np.signbit(b)).all()
    np.testing.assert_array_equal(after[0], (x * 0.5 + 1.0) ** 2)
    assert np.signbit(after[2]).tolist() == [True, False]  # (x·-0.0 at x = 2, -1.5: -0, +0)


def test_a_rules_partials_hold_each_repeated_equation_once():
    op = REGISTRY["elliprd"]  # (its three partials read the same RD values: 287 equations, 151 distinct)
    partials = program._template(op, {}, (None, None, None))[0]
    assert len(partials.assignments) <= 160, len(partials.assignments)  # (main: 285)
    got = dl.grad(dl.scipy.special.elliprd, argnums=(0, 1, 2), method="symbolic")(0.5, 1.25, 2.0)
    expected = dl.grad(dl.scipy.special.elliprd, argnums=(0, 1, 2), method="reverse")(0.5, 1.25, 2.0)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert all(g < 0 for g in got)  # (RD decreases in each argument)
