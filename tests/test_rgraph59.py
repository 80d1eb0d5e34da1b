"""A one-off Hessian or forward Jacobian interprets its block of tangents (compiled from the second call), and the
Carlson integrals' partials are computed once per forward JVP (`joint_partials`): the chained elliprj graphs that
were tests/test_random_graphs.py's slowest draws (rgraph59)."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
import difflab.scipy.special as dsp
from difflab.compile import graphs
from difflab.differentiators.forward import ROWS_ONCE
from difflab.ops import REGISTRY
from difflab.ops import special


def test_a_one_off_block_of_tangents_is_interpreted_and_a_repeated_one_lowered(monkeypatch):
    """Lowering the forward sweep of a forward-over-reverse Hessian for ONE call cost 29 of a chained elliprj's 36
    profiled seconds (its 26,060-equation sweep): its first call now runs a sweep per direction (k ≤ ROWS_ONCE, 0.33 s
    for that Hessian's 8.1 s), a larger block its traced sweep interpreted; the same numbers."""
    generated = []
    real = graphs._generate
    monkeypatch.setattr(graphs, "_generate", lambda code, **kw: generated.append(code) or real(code, **kw))
    f = lambda x: dnp.sum(dnp.tanh(x) * x[::-1])  # noqa: E731  (a function of its own: no cached transform)
    x = np.array([0.3, -0.7, 1.1])
    t = np.tanh(x)
    s = 1.0 - t * t  # tanh'
    want = np.diag(-2.0 * t * s * x[::-1])  # tanh'' = -2·tanh·tanh', and each pair (i, 2 - i) meets twice
    want[[0, 1, 2], [2, 1, 0]] += s + s[::-1]
    hessian = dl.hessian(f, method="reverse")
    first = hessian(x)
    assert generated == [], len(generated)
    np.testing.assert_allclose(first, want, rtol=1e-14, atol=1e-15)
    jac = dl.jacobian(lambda x: dnp.sin(x) * x[0], method="forward")
    np.testing.assert_allclose(jac(x), np.diag(np.cos(x) * x[0]) + np.outer(np.sin(x), [1.0, 0.0, 0.0]), rtol=1e-15)
    assert generated == [], len(generated)
    y = np.linspace(-1.0, 1.0, 2 * ROWS_ONCE)  # a block larger than ROWS_ONCE: one traced sweep, interpreted
    big = dl.jacobian(lambda y: dnp.tanh(y) * y[0], method="forward")(y)
    want_big = np.diag(np.tanh(y) * 0.0 + (1.0 - np.tanh(y) ** 2) * y[0]) + np.outer(np.tanh(y), np.eye(y.size)[0])
    np.testing.assert_allclose(big, want_big, rtol=1e-15, atol=1e-16)
    assert generated == [], len(generated)
    second = hessian(x + 0.0)  # the same signature again: its sweep lowered, the same numbers
    assert len(generated) > 0
    np.testing.assert_array_equal(second, first)


@pytest.mark.parametrize("name, nargs, calls", [("elliprd_dz", 3, 2), ("elliprd", 3, 2), ("elliprj", 4, 3)])
def test_carlson_partials_are_computed_once_per_jvp(monkeypatch, name, nargs, calls):
    """Forward mode's JVP of elliprd_dz called `_rd_z_partial` 5 times for its 3 partials (∂z by Euler's relation
    re-traced ∂x and ∂y), elliprd's `_rd_first` 6 times for 2, elliprj's `_rj_first` 12 times for 3: now once each,
    the JVP the same sum Σ tᵢ·∂ᵢ of the same partials."""
    inner = {"elliprd_dz": "_rd_z_partial", "elliprd": "_rd_first", "elliprj": "_rj_first"}[name]
    count = []
    real = getattr(special, inner)
    monkeypatch.setattr(special, inner, lambda *a: count.append(1) or real(*a))
    xs = (0.7, 1.3, 0.9, 2.1)[:nargs]
    ts = (1.0, -0.5, 0.25, 2.0)[:nargs]
    fn = getattr(dsp, "elliprd" if name == "elliprd_dz" else name)
    g = (lambda x, y, z: REGISTRY["elliprd_dz"](x, y, z)) if name == "elliprd_dz" else fn
    _, jv = dl.jvp(g, xs, ts, method="forward")
    assert len(count) == calls, len(count)
    op, out = REGISTRY[name], REGISTRY[name].impl(*xs)
    by_argument = sum(t * op.jvp_rule(i).partial(out, *xs) for i, t in enumerate(ts))
    assert float(jv) == pytest.approx(float(by_argument), rel=1e-15)
    h = 1e-5  # and the JVP is the function's slope: a central difference of it
    moved = [fn(*(np.array(xs) + s * h * np.array(ts))) for s in (1, -1)] if name != "elliprd_dz" else None
    if moved is not None:
        assert float(jv) == pytest.approx((float(moved[0]) - float(moved[1])) / (2 * h), rel=1e-8)
