"""Three places where difflab refused by name what JAX answers (stop 67), now answered as JAX 0.10 (x64) answers them,
its values written here as literals (`/work/main/.venv/bin/python` with jax; the scripts' lines are in the tests):

1. a custom rule closing over an outer transformation's traced value, `grad(lambda a: grad(f_a)(x))`: closure
   conversion (difflab/rules.py, `_Custom._bind_closed`);
2. `dl.lax.cond`/`switch` with a per-row predicate (index) under vmap: a select of every branch; `while_loop`
   and `fori_loop` with a per-row condition: each row alone (difflab/lax.py);
3. `x.at[i].apply(f)` and `np.power.at` by a traced index of more than 16 positions: recorded without reading the
   index, so `prepare` takes them (difflab/assign.py).
"""

from __future__ import annotations

import warnings

import numpy as onp
import pytest

import difflab as dl
import difflab.lax as lax
import difflab.numpy as np
from difflab.errors import NumericIgnoresRuleWarning

X = onp.array([0.3, 0.5, 0.7])
A = onp.array([1.1, 0.9, 1.3])
#: jax.jacfwd(lambda a: jax.grad(f_a)(X))(A) where the rule reads a: diag(cos X)
COS_X = onp.diag(onp.cos(X))
SCALAR = 5.7150747242610285  # jax.grad(lambda a: sum(jax.grad(f_a)(X)) * a)(1.1), the rule reading a
FWD_ONLY = 2.597761238300467  # the same where only fwd (not bwd) reads a: bwd's slope has no a


def _vjp(a, where="both"):
    """A custom_vjp of Σ a sin x (Σ sin x where only bwd reads a), bwd a cos x (cos x where only fwd reads a)."""
    f = dl.custom_vjp(lambda x: np.sum(a * np.sin(x)) if where != "bwd" else np.sum(np.sin(x)))
    f.defvjp(
        lambda x: (np.sum(a * np.sin(x)) if where != "bwd" else np.sum(np.sin(x)), x),
        lambda x, ct: ((a if where != "fwd" else 1.0) * np.cos(x) * ct,),
    )
    return f


def _jvp(a):
    f = dl.custom_jvp(lambda x: np.sum(a * np.sin(x)))
    f.defjvp(lambda p, t: (np.sum(a * np.sin(p[0])), np.sum(a * np.cos(p[0]) * t[0])))
    return f


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_a_custom_rule_closing_over_the_outer_tracer_takes_jaxs_derivative(method):
    """The outer derivative flows through the rule that reads a (body, fwd, bwd, jvp rule), by every outer method;
    main refused each by name ("pass the value as an argument")."""
    outer = lambda mk: dl.grad(lambda a: np.sum(dl.grad(mk(a))(X)) * a, method=method)(1.1)  # noqa: E731
    assert outer(_vjp) == pytest.approx(SCALAR, rel=1e-12)
    assert outer(lambda a: _vjp(a, "fwd")) == pytest.approx(FWD_ONLY, rel=1e-12)
    assert outer(lambda a: _vjp(a, "bwd")) == pytest.approx(SCALAR, rel=1e-12)
    assert outer(_jvp) == pytest.approx(SCALAR, rel=1e-12)
    cases = ((_vjp, COS_X), (lambda a: _vjp(a, "fwd"), 0.0 * COS_X), (_jvp, COS_X))
    for mk, want in cases[:1] if method == "symbolic" else cases:  # (symbolic's SymPy: one, within the CPU budget)
        onp.testing.assert_allclose(dl.jacobian(lambda a: dl.grad(mk(a))(X), method=method)(A), want, atol=1e-15)


def test_the_closure_converted_rule_under_numeric_vmap_jit_and_inner_methods():
    """numeric differences the converted function (its slopes, JAX's to 1e-8); vmap and jit of the outer gradient;
    every inner method, the inner symbolic writing the rule with a's symbols (main: an np.multiply(..., out=)
    error where only the rule reads a)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericIgnoresRuleWarning)
        got = dl.grad(lambda a: np.sum(dl.grad(_vjp(a))(X)) * a, method="numeric")(1.1)
    assert got == pytest.approx(SCALAR, rel=1e-8)
    outer = dl.grad(lambda a: np.sum(dl.grad(_vjp(a))(X)) * a)
    onp.testing.assert_allclose(dl.vmap(outer)(onp.array([1.1, 0.5])), [SCALAR, FWD_ONLY], rtol=1e-12)
    assert dl.jit(outer)(1.1) == pytest.approx(SCALAR, rel=1e-12)
    for inner in ("forward", "symbolic"):
        got = dl.grad(lambda a: np.sum(dl.grad(_jvp(a), method=inner)(X)) * a)(1.1)
        assert got == pytest.approx(SCALAR, rel=1e-12)
    got = dl.grad(lambda a: np.sum(dl.grad(_vjp(a, "bwd"), method="symbolic")(X)) * a)(1.1)
    assert got == pytest.approx(SCALAR, rel=1e-12)


def test_closure_conversion_nests_and_keeps_jaxs_refusal():
    """JAX's x64: value_and_grad's value beside the gradient 4.016924670803701; an inner point that depends on a
    1.586041226173602 (custom_vjp and custom_jvp); a pytree output 9.197761238300467; an inner Hessian
    -1.4191634325032336; K11 of tests/transforms66.py (a rule calling f itself: JAX raises UnexpectedTracerError there,
    K12's value 2 a cos 0.3 = 2.1017402760763333). A closed-over value the arguments' own transformation traces is
    refused by name, as JAX refuses it; the function's value alone reading a was answered already."""
    got = dl.grad(lambda a: dl.value_and_grad(_vjp(a))(X)[0] + np.sum(dl.grad(_vjp(a))(X)))(1.1)
    assert got == pytest.approx(4.016924670803701, rel=1e-12)
    for mk in (_vjp, _jvp):
        assert dl.grad(lambda a: np.sum(dl.grad(mk(a))(X * a)))(1.1) == pytest.approx(1.586041226173602, rel=1e-12)

    def tree(a):
        f = dl.custom_vjp(lambda x: (np.sum(a * np.sin(x)), a * x))
        f.defvjp(lambda x: (f(x), x), lambda x, ct: (a * np.cos(x) * ct[0] + a * ct[1],))
        return f

    got = dl.grad(lambda a: np.sum(dl.grad(lambda x: tree(a)(x)[0] + np.sum(tree(a)(x)[1] ** 2))(X)))(1.1)
    assert got == pytest.approx(9.197761238300467, rel=1e-12)
    assert dl.grad(lambda a: np.sum(dl.hessian(_jvp(a))(X)))(1.1) == pytest.approx(-1.4191634325032336, rel=1e-12)

    def k11(a):
        f = dl.custom_jvp(lambda x: a * np.sin(x))
        f.defjvp(lambda p, t: (f(p[0]), a * np.cos(p[0]) * t[0]))
        return dl.grad(f)(0.3) * a

    assert dl.grad(k11)(1.1) == pytest.approx(2.1017402760763333, rel=1e-12)
    for mk in (_vjp, _jvp):
        with pytest.raises(dl.NotDifferentiableError, match="with respect to a closed-over value"):
            dl.grad(lambda a: mk(a)(X * a))(1.1)

    def value_only(a):  # d/da (a sin 0.3 · a) = 2 a sin 0.3
        f = dl.custom_jvp(lambda x: a * np.sin(x))
        f.defjvp(lambda p, t: (a * np.sin(p[0]), a * np.cos(p[0]) * t[0]))
        return f(0.3) * a

    assert dl.grad(value_only)(1.1) == pytest.approx(2 * 1.1 * onp.sin(0.3), rel=1e-12)


XB = onp.array([[0.3, -0.5, 0.2], [-1.0, 0.4, -0.3], [0.7, 0.8, 0.9]])


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_cond_and_switch_select_per_row_under_vmap(method):
    """JAX's vmap of lax.cond/switch with a batched predicate/index: a select of every branch; its gradient, nested
    vmaps, NaN in a branch not taken (JAX x64's values). Main: "vmap cannot batch a function whose control flow"."""
    f = lambda x: lax.cond(np.sum(x) > 0, lambda z: np.sin(z) * 2.0, lambda z: z**3, x)  # noqa: E731
    got = dl.grad(lambda X: np.sum(dl.vmap(f)(X) ** 2), method=method)(XB)
    want = [[0.01458, -0.1875, 0.00192], [-6.0, 0.06144, -0.01458], [3.941798919953841, 3.9982944121660204,
            3.8953905235127806]]  # fmt: skip
    onp.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    h = dl.vmap(dl.vmap(lambda x: lax.cond(x > 0, lambda z: np.sin(z), lambda z: z * z, x)))
    want = [[0.955336489125606, -1.0, 0.9800665778412416], [-2.0, 0.9210609940028851, -0.6],
            [0.7648421872844885, 0.6967067093471654, 0.6216099682706644]]  # fmt: skip
    onp.testing.assert_allclose(dl.grad(lambda X: np.sum(h(X)), method=method)(XB), want, rtol=1e-12)
    g = lambda x: lax.switch(np.argmax(x), [lambda z: -z, lambda z: np.sin(z), lambda z: z * z], x)  # noqa: E731
    want = [[-1.0, -1.0, -1.0], [0.5403023058681398, 0.9210609940028851, 0.955336489125606], [1.4, 1.6, 1.8]]
    onp.testing.assert_allclose(dl.grad(lambda X: np.sum(dl.vmap(g)(X)), method=method)(XB), want, rtol=1e-12)
    root = dl.vmap(lambda x: lax.cond(x > 0, lambda z: np.sqrt(z), lambda z: z * z, x))
    with pytest.warns(dl.DomainWarning, match="sqrt"):  # (both branches run: sqrt(-1)'s NaN is said, as np.where's)
        got = dl.grad(lambda v: np.sum(root(v)), method=method)(onp.array([-1.0, 4.0, 0.0]))
    onp.testing.assert_allclose(got, [-2.0, 0.25, 0.0], rtol=1e-12)


def test_cond_switch_and_loops_under_vmap_values():
    """Values (JAX x64): switch's rows; while_loop and fori_loop with a per-row condition or trip count run each row
    to its own end (JAX: until every row stops, a finished row frozen), with their slopes; branches of different
    shapes refused by name; outside vmap cond stays a Python if (one branch: the other is never called)."""
    g = lambda x: lax.switch(np.argmax(x), [lambda z: -z, lambda z: np.sin(z), lambda z: z * z], x)  # noqa: E731
    want = [[-0.3, 0.5, -0.2], [-0.8414709848078965, 0.3894183423086505, -0.29552020666133955], [0.49, 0.64, 0.81]]
    onp.testing.assert_allclose(dl.vmap(g)(XB), want, rtol=1e-12)
    w = lambda x: lax.while_loop(lambda v: np.sum(v) < 10.0, lambda v: v * 1.5 + 0.1, x)  # noqa: E731
    want = [[3.596875, 5.115625, 2.8375], [5.875, 2.8375, 2.33125], [4.35625, 4.8625, 5.36875]]
    onp.testing.assert_allclose(dl.vmap(w)(onp.abs(XB)), want, rtol=1e-12)
    onp.testing.assert_allclose(dl.vmap(dl.jacobian(w))(onp.abs(XB))[:, 0, 0], [7.59375, 5.0625, 5.0625], rtol=1e-12)
    fl = lambda x, n: lax.fori_loop(0, n, lambda i, v: v * x, 1.0)  # noqa: E731
    got = dl.vmap(dl.grad(fl, method="forward"))(onp.array([1.5, 2.0, 0.5]), onp.array([2, 3, 4]))
    onp.testing.assert_allclose(got, [3.0, 12.0, 0.5], rtol=1e-12)
    with pytest.raises(TypeError, match="branch 1 returns"):
        dl.vmap(lambda x: lax.cond(x[0] > 0, lambda z: z, lambda z: np.sum(z), x))(XB)
    never = lambda z: 1 / 0  # noqa: E731
    assert dl.grad(lambda x: lax.cond(x > 0, lambda z: np.sin(z), never, x))(0.5) == pytest.approx(onp.cos(0.5))


def _applied(x):
    j = np.argsort(x * 0.0 + onp.arange(10.0))[IDX]  # (a traced index equal to IDX)
    return np.sum(x.at[j].apply(lambda z: np.sin(z) + 0.5 * z) ** 2)


_rng = onp.random.default_rng(0)
X10 = _rng.uniform(0.5, 1.5, 10)
IDX = _rng.integers(0, 10, 40)
IDX[:5] = 2


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_apply_by_a_long_traced_index_is_recorded(method):
    """x.at[j].apply(f) by 40 traced positions (position 2 nine times): f applied once per repetition, in order, the
    trace not specialised, so prepare reuses it (main: more than 16 positions read the index; prepare refused).
    jax's value 31.623737570534345 (JAX has no derivative of scatter_apply: the gradient is the chain rule's, by
    NumPy on the update loop)."""
    want = [0.0009692318610800563, 3.364071677196666, 0.05814765878885684, 3.569397467941327, 0.06670870640265682,
            0.21919534243348113, 0.03426119984185521, 0.4706890191411885, 0.24605802269060117, 0.19946640624763007]  # fmt: skip
    value, grad = dl.value_and_grad(_applied, method=method)(X10)
    assert float(value) == pytest.approx(31.623737570534345, rel=1e-13)
    onp.testing.assert_allclose(grad, want, rtol=1e-12)
    assert not dl.trace(_applied, X10).specialised
    p = dl.prepare(_applied, X10, method=method)
    assert float(p(X10)) == pytest.approx(31.623737570534345, rel=1e-13)


def test_power_at_by_a_long_traced_index_is_numpys_in_turn():
    """np.power.at by 24 traced positions: (x ** b1) ** b2 in index order, NumPy's (negative bases included: -2 to
    2 then 0.5 is 2, where x ** (b1·b2) is -2), not specialised; its Jacobian at positive x the chain rule's
    P x^(P-1) on the diagonal, P the product of a position's exponents (main: the index read)."""
    rng = onp.random.default_rng(1)
    x0 = onp.array([-2.0, 1.5, 0.7, -1.2, 3.0, 0.0, 2.0, 1.1])
    idx = rng.integers(0, 8, 24)
    idx[:4] = [0, 0, 3, 3]
    b = rng.choice([2.0, 3.0, 0.5, -1.0, 1.5], 24)
    b[:4] = [2.0, 0.5, 3.0, 2.0]

    def f(x):
        y = x * 1.0
        onp.power.at(y, np.argsort(x * 0.0 + onp.arange(8.0))[idx], b)
        return y

    want = x0.copy()
    with onp.errstate(all="ignore"):
        onp.power.at(want, idx, b)
    assert not dl.trace(f, x0).specialised
    onp.testing.assert_allclose(dl.jit(f)(x0), want, rtol=1e-14)
    assert want[0] == 4096.0  # ((-2)² )^0.5 = 2, then the rest of position 0's exponents
    xp = onp.abs(x0) + 0.3
    P = onp.ones(8)
    onp.multiply.at(P, idx, b)
    onp.testing.assert_allclose(dl.jacobian(f)(xp), onp.diag(P * xp ** (P - 1)), rtol=1e-12)


def test_apply_by_a_traced_index_past_256_positions_is_read():
    """Past 256 positions k the unread rounds would cost k² element operations, so the index is read and the trace
    specialised to its values (one round per repetition): the same value and gradient as the chain rule's by NumPy's
    unbuffered loop (position 3 three times: f applied thrice there), prepare refusing by name."""
    idx0 = onp.arange(300) % 10
    idx0[-2:] = 3

    def f(x):
        j = np.argsort(x * 0.0 + onp.arange(10.0))[idx0]  # (a traced integer index of 300 positions)
        return np.sum(x.at[j].apply(np.sin) ** 2)

    y, dy = X10.copy(), onp.ones(10)
    for p in idx0:
        dy[p] *= onp.cos(y[p])
        y[p] = onp.sin(y[p])
    value, grad = dl.value_and_grad(f)(X10)
    assert float(value) == pytest.approx(float(onp.sum(y**2)), rel=1e-13)
    onp.testing.assert_allclose(grad, 2 * y * dy, rtol=1e-12)
    assert dl.trace(f, X10).specialised
