"""Issue 11 after extreme51: the last silent 0s where exp's underflowed partial meets a huge factor. Forward's gradient
of 3e200·Σe^-x at [800, 1]: the factor comes after a sum, so the tangent -e^-800 (seed 1) was 0 before it met 3e200;
compiled code kept the 0 (the product it checks reads e^-x with the seed), the interpreter lost it too, and its rescale
at 2^k overflowed the other row (-1.1e200). Derived values (a sum or product of exp's value) now carry its mark to a
later product, and forward's rows are rescaled one by one."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.compile import graphs
from difflab.differentiators import forward
from difflab.errors import DerivativeRangeWarning

mpmath = pytest.importorskip("mpmath")


def _want(c, x):
    """d/dx_i of c·Σe^-x in 50 digits, rounded: -c·e^-x_i."""
    with mpmath.workdps(50):
        return np.array([float(-mpmath.mpf(c) * mpmath.exp(-mpmath.mpf(xi))) for xi in x])


@pytest.mark.parametrize("compiled", [True, False])
def test_forward_gradient_lifts_exp_partial_after_a_sum(compiled):
    # main: [0, -1.1e200] on every call (compiled silently, interpreted with a warning); mpmath: [-1.1e-147, ...]
    x = np.array([800.0, 1.0])
    g = dl.grad(lambda x: 3e200 * np.sum(np.exp(-x)), method=dl.Forward(compiled=compiled))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)  # (NumPy's, of f's own value)
        got = [g(x) for _ in range(3)]
    np.testing.assert_allclose(got, [_want(3e200, x)] * 3, rtol=1e-13)
    assert got[0][0] == pytest.approx(-1.1003623752533062e-147, rel=1e-13)


def _counting(monkeypatch, owner, name):
    calls = []
    real = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_a_harmless_underflow_stays_compiled_in_forward(monkeypatch):
    # 3·Σe^-x and Σe^z·z: e^-800's 0 times 3, or its tangent times z: no factor of 2^25 meets it: no interpreted
    # sweep after the first calls, and no exact lifting factor computed (counted, not timed)
    cases = [
        (lambda x: 3.0 * dnp.sum(dnp.exp(-x)), np.array([800.0, 1.0])),
        (lambda z: dnp.sum(dnp.exp(z) * z), np.array([0.0, -800.0, 1.0])),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        prepared = [(dl.prepare(f, x, method="forward"), x) for f, x in cases]
        for p, x in prepared:
            for _ in range(3):
                p.value_and_grad(x)
        pushed, needs = _counting(monkeypatch, forward, "push"), _counting(monkeypatch, graphs, "_lift_need")
        checks = _counting(monkeypatch, graphs, "_lift_lost")
        got = [p.value_and_grad(x)[1] for p, x in prepared for _ in range(2)]
    np.testing.assert_allclose(got[0], [0.0, -3 / np.e], rtol=1e-15)
    np.testing.assert_allclose(got[2], [1.0, 0.0, 2 * np.e], rtol=1e-15)
    assert (pushed, needs) == ([], [])
    assert len(checks) >= 2  # (each call's derived products checked their factors: a dot each)


_SYMBOLIC = [
    ("scalar", lambda x: 3e200 * np.exp(-x), 800.0, "symbolic"),
    ("matrix form", lambda x: 3e200 * np.sum(np.exp(-x)), np.array([800.0, 1.0]), "symbolic"),
    ("scalar program", lambda x: 3e200 * np.sum(np.exp(-x)), np.array([800.0, 1.0]), dl.Symbolic(matrix=False)),
]


@pytest.mark.parametrize("name, f, x, method", _SYMBOLIC, ids=[c[0] for c in _SYMBOLIC])
def test_the_symbolic_gradient_of_a_constant_times_exp(name, f, x, method):
    # the closed form -3e200·e^-x in floats rounds e^-800 to 0 first (main: -0.0 on every call, silently); now those
    # entries in 40 and 80 digits (the program's `exact`), the common case's code declining where an entry is tiny
    g = dl.grad(f, method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        got = [np.atleast_1d(g(x)) for _ in range(3)]
    np.testing.assert_allclose(got, [_want(3e200, np.atleast_1d(x))] * 3, rtol=1e-14)


def test_the_symbolic_jacobian_and_products_along_a_large_vector():
    # J of 3e200·e^-x (its diagonal), and the VJP / JVP of e^-x along [3e200, 1] (extreme51 said these): exact
    x, w = np.array([800.0, 1.0]), np.array([3e200, 1.0])
    want = [-1.1003623752533062e-147, -0.36787944117144233]  # mpmath, as _want's
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        jac = dl.jacobian(lambda x: 3e200 * np.exp(-x), method="symbolic")(x)
        pulled = dl.vjp(lambda x: np.exp(-x), x, method="symbolic")[1](w)[0]
        pushed = dl.jvp(lambda x: np.exp(-x), (x,), (w,), method="symbolic")[1]
    np.testing.assert_allclose(np.diag(jac), _want(3e200, x), rtol=1e-14)
    assert jac[0, 1] == jac[1, 0] == 0.0
    np.testing.assert_allclose([pulled, pushed], [want, want], rtol=1e-14)


def test_a_harmless_symbolic_underflow_evaluates_nothing_exactly(monkeypatch):
    # Σe^-x at [800, 1]: -e^-800 is 0 to rounding (no factor lifts it): the rules' sweep says so, no `exact`, nothing
    # said; Σ3e200·x·x (no exp): not even the graph evaluated again
    from difflab.differentiators import base, program

    exacts, evaluated = _counting(monkeypatch, program, "exact"), _counting(monkeypatch, base, "impl_or_nan")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DerivativeRangeWarning)
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        g = dl.grad(lambda x: np.sum(np.exp(-x)), method="symbolic")
        got = [g(np.array([800.0, 1.0])) for _ in range(2)]
        assert exacts == []
        h = dl.grad(lambda x: np.sum(3e200 * x * x), method="symbolic")
        n = len(evaluated)
        assert h(np.array([0.0, 1.0]))[0] == 0.0 and len(evaluated) == n
    np.testing.assert_allclose(got, [[0.0, -1 / np.e]] * 2, rtol=1e-15)


def test_the_symbolic_gradient_says_what_it_cannot_evaluate_exactly(monkeypatch):
    # a program too large for 40-digit evaluation (EXACT_MAX 0 here): its -0.0 stands, said naming exp's equation
    from difflab.differentiators import program

    monkeypatch.setattr(program, "EXACT_MAX", 0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "underflow encountered", RuntimeWarning)
        with pytest.warns(DerivativeRangeWarning, match=r"= exp\(.*before a large factor multiplies it"):
            got = dl.grad(lambda x: 3e200 * np.sum(np.exp(-x)), method="symbolic")(np.array([800.0, 1.0]))
    assert got[0] == 0.0


def test_a_harmless_underflow_in_a_symbolic_loss_is_checked_by_reverses_compiled_gradient(monkeypatch):
    """Σ exp(-x²) at x = 30 (e^-900: the closed form's 0 is right) asks whether the tape's rules lift the entry: for a
    loss that is reverse mode's prepared gradient, not an interpreted evaluation and sweep per row (~0.25 ms a call
    against ~9 µs at an ordinary point; 0.12 ms now); the lift itself still right."""
    from difflab.differentiators import program

    p = dl.prepare(lambda x: np.sum(np.exp(-x * x)), np.array([30.0, 0.5]), method="symbolic")
    swept = _counting(monkeypatch, program, "backward")
    for _ in range(3):
        g = p.grad(np.array([30.0, 0.5]))
        assert g[0] == 0.0 and g[1] == pytest.approx(-np.exp(-0.25), rel=1e-15)
    assert len(swept) == 0
    q = dl.prepare(lambda x: 3e200 * np.sum(np.exp(-x)), np.array([800.0, 1.0]), method="symbolic")
    assert q.grad(np.array([800.0, 1.0]))[0] == pytest.approx(-1.1003623752533062e-147, rel=1e-15)
