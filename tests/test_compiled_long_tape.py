"""Long tapes through the compiled tier: a lowered function's code does not nest with the tape's length.

A guarded function's finiteness check sums a term per value it checks (`_check_terms`); written as one
expression, a long tape's sum nested past Python's compiler recursion limit (a bare RecursionError from
`dl.jvp`). The limit scales with `sys.setrecursionlimit` on the Pythons where it is the interpreter's, so
the tests below lower it to meet it at a small size.
"""

import sys

import numpy as np

import difflab as dl
from difflab.compile import graphs
from difflab.compile.graphs import _TERMS, lower


def _loop(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = np.sin(x[i]) * (y[i - 1] if i else 1.0)
    return np.sum(y**2)


def _low_limit(margin: int):
    """The recursion limit set `margin` frames above the current depth (restored by the caller)."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    sys.setrecursionlimit(depth + margin)


def test_jvp_of_a_long_loop_answers_as_the_interpreter():
    # the setitem loop of issue 17: at n = 4000 main raised RecursionError from the guarded check's
    # one long sum; here the limit is lowered so that 200 terms exceed it (3.11: 3 per frame)
    x = np.linspace(0.1, 1.0, 200)
    v = np.ones_like(x)
    interpreted = dl.jvp(_loop, (x,), (v,), method=dl.Forward(compiled=False))
    limit = sys.getrecursionlimit()
    try:
        _low_limit(60)
        dl.jvp(_loop, (x,), (v,))  # (a first call is interpreted: test_a_one_off_jvp_is_interpreted)
        compiled = dl.jvp(_loop, (x,), (v,))
    finally:
        sys.setrecursionlimit(limit)
    assert np.asarray(compiled[0]).tobytes() == np.asarray(interpreted[0]).tobytes()
    assert np.asarray(compiled[1]).tobytes() == np.asarray(interpreted[1]).tobytes()
    assert float(compiled[0]) > 0.0


def test_guarded_check_is_split_into_statements():
    # 3 * _TERMS scalar outputs, each a term of its own: the check's sum is built in statements of at
    # most _TERMS terms, the same additions in the same order
    n = 3 * _TERMS + 5
    x = np.linspace(0.1, 1.0, n)
    fn = lower(dl.trace(lambda x: tuple(x[i] * 2.0 for i in range(n)), x), guard=(0,), speculate=True)
    src = fn.guarded.source
    assert max(line.count(" + ") for line in src.splitlines()) <= _TERMS
    assert src.count("_s = ") == 4
    out = fn.guarded(x)
    assert [float(o) for o in out] == [float(2.0 * t) for t in x]
    bad = x.copy()
    bad[-1] = np.inf
    assert fn.guarded(bad) is None


def test_a_one_off_jvp_is_interpreted_and_a_repeated_one_compiled(monkeypatch):
    """A first `dl.jvp` of a function runs the interpreter's sweep: tracing its sweep and lowering it (three programs)
    cost 95 s on a loop of 16000 writes (1.7 s interpreted) and 1.27 ms for a small function (0.17 ms). From the
    second call on, the same function's JVP is lowered, as reverse's gradient is (Tier(after=2))."""
    generated = []
    real = graphs._generate
    monkeypatch.setattr(graphs, "_generate", lambda code, **kw: generated.append(code) or real(code, **kw))
    f = lambda x: _loop(x)  # noqa: E731  (a function of its own: no transform cached for it)
    x = np.linspace(0.1, 1.0, 300)
    v = np.cos(np.arange(300.0))
    want = dl.vjp(f, x)[1](1.0)[0] @ v  # J v = (uᵀ J) v for a scalar f, by reverse mode
    first = dl.jvp(f, (x,), (v,))
    assert generated == [], len(generated)
    second = dl.jvp(f, (x,), (v,))
    assert len(generated) > 0
    np.testing.assert_allclose([first[1], second[1]], [want, want], rtol=1e-12)
