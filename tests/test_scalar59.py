"""Session 59's cuts of the float sweep (issue 17 §1): a unary equation on Python floats takes its registry partial
with no helper frames between (`_term` and `float_scaled` written out where the partial is no quotient), the sweep
skips an unreached equation before anything else, and the unreached float leaves' zeros and the parts' type test
are C passes. The numbers stay the interpreter's: checked here against the compiled tier's float program (another
implementation of the same rules) and the signs of zeros; tests/test_float_paths.py compares the paths bit for bit."""

from __future__ import annotations

import gc
import math
import sys

import difflab as dl
import difflab.numpy as dnp
from difflab.api.boundary import stage
from difflab.compile.floats import backward_floats
from difflab.differentiators.reverse import _pull


def _tanh_chain(n):
    def f(x):
        for _ in range(n):
            x = dnp.tanh(x)
        return x * 1.5

    return f


def _sweep_calls(n) -> int:
    """Python calls (sys.setprofile's "call" events) of the float sweep of a chain of n tanh equations."""
    st = stage(_tanh_chain(n), (0.7,), 0)
    g, env = st.graph, st.values
    count = [0]

    def prof(frame, event, arg):
        if event == "call":
            count[0] += 1

    gc.disable()  # (a collection's callbacks would count as the sweep's calls)
    sys.setprofile(prof)
    try:
        backward_floats(g, env, st.wrt, {g.outputs[0]: 1.0}, _pull, {})
    finally:
        sys.setprofile(None)
        gc.enable()
    return count[0]


def test_a_unary_float_equation_is_swept_by_two_python_calls():
    # `_other` and the registry's partial (tanh's); before: `_term` and `float_scaled` too (4)
    _sweep_calls(3)  # (first-use work: the registry entry's cached float rules, imports)
    per = (_sweep_calls(40) - _sweep_calls(20)) / 20
    assert per == 2.0


def test_the_tanh_chain_s_fresh_gradient_is_the_float_program_s_and_the_derivative():
    f = _tanh_chain(30)
    g = dl.grad(f)
    fresh = dl.grad(f)(0.7)  # the interpreter's float sweep
    g(0.7)
    cached = g(0.7)  # from the second call on: the compiled tier's float program (compile.floats.lower_floats)
    x, d = 0.7, 1.5
    for _ in range(30):  # the chain rule by hand, innermost first
        x = math.tanh(x)
        d *= 1.0 - x * x
    assert type(fresh) is float and fresh == cached
    assert math.isclose(fresh, d, rel_tol=1e-13)


def test_unreached_float_leaves_get_positive_zeros_among_reached_ones():
    def f(ws):
        return ws[0] * ws[1] + dnp.relu(ws[2])  # ws[3] unread; relu at a negative point: its partial 0

    parts = dl.grad(f)([2.0, -0.0, -1.0, 5.0])
    assert [type(p) for p in parts] == [float] * 4
    assert parts == [0.0, 2.0, 0.0, 0.0]  # ∂/∂ws[0] = ws[1] = -0.0: mul's partial is strong, a zero one gives 0.0
    assert [math.copysign(1.0, p) for p in parts] == [1.0, 1.0, 1.0, 1.0]
