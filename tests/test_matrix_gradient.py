"""Matrix-level symbolic gradients (issue 17 §2, differentiators/matrix.py): the closed form over the
graph's arrays equals reverse mode's gradient to 1e-12 on the MLP workloads (declared and
undeclared batched losses, one example) and on the matrix-Hessian graphs; what has no closed form
here keeps the scalar path; the closed form is built from the ops' index and partials, with its
constants folded."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import Symbolic
from difflab.differentiators.matrix import MatrixGradient, batch_graph, closed_form
from difflab.nn import MLP

from test_matrix_hessian import CASES

RNG = np.random.default_rng(17)


def user_loss(params, X, Y):  # bench/symbolic.py's undeclared softmax cross-entropy
    h = dnp.tanh(X @ params["W0"] + params["b0"])
    z = h @ params["W1"] + params["b1"]
    z = z - dnp.max(z, axis=1, keepdims=True)
    logp = z - dnp.log(dnp.sum(dnp.exp(z), axis=1, keepdims=True))
    return -dnp.sum(Y * logp) / X.shape[0]


def _problem(sizes, batch):
    params = MLP(list(sizes), activation="tanh").init(seed=3)
    X = RNG.normal(size=(batch, sizes[0]))
    Y = np.eye(sizes[-1])[RNG.integers(0, sizes[-1], batch)]
    return params, X, Y


def _close(g, g_ref):
    scale = max(1.0, max(np.abs(v).max() for v in g_ref.values()))
    for k in g_ref:
        np.testing.assert_allclose(g[k], g_ref[k], rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
@pytest.mark.parametrize("sizes, batch", [((2, 16, 2), 64), ((4, 16, 3), 128), ((3, 5, 4), 1), ((3, 5, 4), 2)])
def test_mlp_gradient_equals_reverse(sizes, batch, declared):
    params, X, Y = _problem(sizes, batch)
    f = MLP(list(sizes), activation="tanh").loss("cross_entropy") if declared else user_loss
    sym = dl.prepare(f, params, X, Y, method="symbolic")
    v_ref, g_ref = dl.prepare(f, params, X, Y, method="reverse").value_and_grad(params, X, Y)
    for _ in range(2):  # the first call builds the closed form, the second runs it
        v, g = sym.value_and_grad(params, X, Y)
        assert v == pytest.approx(v_ref, rel=1e-13)
        _close(g, g_ref)
    assert sym.prepared.program is None  # no SymPy expansion was needed for the gradient


def test_declared_loss_over_other_batch_sizes():
    """One prepared object, several batch sizes: each gets its own whole-batch closed form."""
    f = MLP([3, 4, 2], activation="tanh").loss("cross_entropy")
    grad = dl.grad(f, method="symbolic")
    for batch in (5, 9, 1):
        params, X, Y = _problem((3, 4, 2), batch)
        _close(grad(params, X, Y), dl.grad(f)(params, X, Y))


@pytest.mark.parametrize("name", list(CASES))
def test_matrix_hessian_graphs_gradient_equals_reverse(name):
    f, args = CASES[name]
    graph = dl.trace(f, *args)
    outs, (g,) = MatrixGradient(graph, (0,)).run(list(args))
    g_ref = dl.grad(f)(*args)
    np.testing.assert_allclose(g, g_ref, rtol=0, atol=1e-12 * max(1.0, np.abs(g_ref).max()))
    assert outs[0] == pytest.approx(float(f(*args)), rel=1e-14)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: dnp.sum(x[1:] * x[:-1]),
        lambda x: dnp.max(x) * dnp.sum(x),
        lambda x: dnp.sum(dnp.sqrt(x * x + 1.0) * dnp.concatenate([x, x])[::2]),
        lambda x: dnp.sum(dnp.outer(x, x) @ x),
    ],
    ids=["getitem", "max", "concatenate", "outer"],
)
def test_ops_without_index_or_partials_use_their_registry_adjoint(f):
    x = RNG.normal(size=6)
    g = dl.grad(f, method="symbolic")(x)
    np.testing.assert_allclose(g, dl.grad(f)(x), rtol=0, atol=1e-12)


def test_the_closed_form_is_matmuls_and_partials():
    """∇_W sum(tanh(X W)) = Xᵀ (1 − tanh²): the seed and the sum's broadcast stay numbers."""
    X, W = RNG.normal(size=(8, 3)), RNG.normal(size=(3, 2))
    graph = closed_form(dl.trace(lambda W, X: dnp.sum(dnp.tanh(X @ W)), W, X), (0,))
    ops = [e.op.name for e in graph.eqns]
    assert ops.count("matmul") == 2 and "broadcast_to" not in ops and "einsum" not in ops
    assert len(ops) <= 7, str(graph)


def test_a_mean_over_examples_folds_its_scale_into_one_product():
    """∂ sum(Y ⊙ logp)·(−1/N) / ∂ logp is one product Y·(−1/N): no array of −1/N is built (the only
    array constants are the vectors of ones that sum a matrix's rows or columns by a matmul)."""
    params, X, Y = _problem((2, 3, 2), 16)
    graph = closed_form(dl.trace(user_loss, params, X, Y), tuple(range(4)))
    consts = [a.value for e in graph.eqns for a in e.args if not hasattr(a, "id")]
    assert not any(isinstance(c, np.ndarray) and c.ndim and not (c == 1.0).all() for c in consts)


def test_batch_graph_refuses_a_graph_that_names_its_batch_size():
    one = dl.trace(lambda w, X: dnp.sum(dnp.reshape(X @ w, (1, 1)) ** 2), np.ones(3), np.ones((1, 3)))
    assert batch_graph(one, (0,), (1,), 4) is None


def test_a_graph_too_large_to_expand_has_a_symbolic_gradient():
    n = 500  # B has 250 000 elements: over the scalar expansion limit
    x, B = RNG.normal(size=n), RNG.normal(size=(n, n))
    g = dl.grad(lambda x, B: x @ B @ x, method="symbolic")(x, B)
    np.testing.assert_allclose(g, (B + B.T) @ x, rtol=1e-12, atol=1e-10)
    with pytest.raises(ValueError, match="over its limit"):  # the Jacobian of a vector keeps the limit
        dl.jacobian(lambda x, B: B @ x, method="symbolic")(x, B)


def test_a_point_outside_the_domain_takes_the_scalar_path_and_warns():  # which names the equation
    f = lambda x: dnp.sum(dnp.log(x))  # noqa: E731
    with pytest.warns(dl.DomainWarning):
        g = dl.grad(f, method="symbolic")(np.array([1.0, -1.0]))
    with pytest.warns(dl.DomainWarning):
        g_ref = dl.grad(f)(np.array([1.0, -1.0]))
    assert np.isnan(g).all() and np.isnan(g_ref).all()  # a NaN loss has no gradient (DESIGN.md §6)


def test_scalar_graphs_keep_the_scalar_path():
    prep = Symbolic().prepare(dl.trace(lambda a, b: a * dnp.exp(b), 1.0, 2.0), (0, 1))
    assert prep.matrix is None and prep.program is not None


def _shift_free_ops(f, *args):
    from difflab.differentiators.shifts import shift_free
    from difflab.graph import active

    g = dl.trace(f, *args)
    return [e.op.name for e in g.eqns if e.out in shift_free(g, active(g, [g.inputs[0]]))]


def test_the_max_shift_of_log_sum_exp_has_no_adjoint():
    """z − max(z) before log-sum-exp: f does not change when the max shifts, so the closed form
    computes no adjoint for it (max's rule compares x with the max: no `equal` in the code)."""
    params, X, Y = _problem((2, 3, 2), 16)
    assert _shift_free_ops(user_loss, params, X, Y) == ["max"]
    graph = closed_form(dl.trace(user_loss, params, X, Y), tuple(range(4)))
    assert "equal" not in [e.op.name for e in graph.eqns]
    _close(dl.grad(user_loss, method="symbolic")(params, X, Y), dl.grad(user_loss)(params, X, Y))


@pytest.mark.parametrize(
    "f",
    [
        lambda z: dnp.sum((z - dnp.max(z, axis=1, keepdims=True)) ** 2),  # not shift invariant
        lambda z: dnp.sum(dnp.log_softmax(z - dnp.max(z, axis=0, keepdims=True), axis=1)),  # another axis
        lambda z: dnp.sum(dnp.exp(z - dnp.max(z, axis=1, keepdims=True))),  # Σ e^(z−m) moves with m
    ],
    ids=["square", "other-axis", "no-log"],
)
def test_a_shift_that_changes_f_keeps_its_adjoint(f):
    z = RNG.normal(size=(4, 3))
    assert _shift_free_ops(f, z) == []
    np.testing.assert_allclose(dl.grad(f, method="symbolic")(z), dl.grad(f)(z), rtol=0, atol=1e-12)


def test_shift_rules_come_from_the_registry():
    """log_softmax (invariant) and logsumexp (equivariant) after the shift: both by their entries."""
    z = RNG.normal(size=(4, 3))
    inv = lambda z: dnp.sum(dnp.log_softmax(z - dnp.max(z, axis=1, keepdims=True), axis=1))  # noqa: E731
    eqv = lambda z: dnp.sum(  # noqa: E731
        z
        - dnp.max(z, axis=1, keepdims=True)
        - dnp.logsumexp(z - dnp.max(z, axis=1, keepdims=True), axis=1, keepdims=True)
    )
    for f in (inv, eqv):
        assert "max" in _shift_free_ops(f, z)
        np.testing.assert_allclose(dl.grad(f, method="symbolic")(z), dl.grad(f)(z), rtol=0, atol=1e-12)


def test_a_shift_through_a_where_is_not_claimed_free():
    """shifts.py read where's partial on SymPy symbols (its condition a symbol, taken as true): the adjoint of
    sum(x0) broadcast into where(isnan(x1), x1, ·) was dropped and symbolic's gradient was 0 for [3, 3]."""
    import difflab as dl
    import difflab.numpy as dnp

    def f(x0, x1):
        return dnp.sum(dnp.where(dnp.isnan(x1), x1, dnp.sum(x0)))

    got = dl.grad(f, argnums=(0, 1), method="symbolic")(np.zeros(2), np.zeros(3))
    np.testing.assert_array_equal(np.concatenate(got), [3.0, 3.0, 0.0, 0.0, 0.0])


def test_the_undeclared_loss_multiplies_its_adjoints_number_in_once():
    """−Σ Y ⊙ logp / N: the −1/N and log-sum-exp's −1 reach the logits' adjoint as one number (a
    scaled adjoint carried through the linear steps), and the row sums' adjoint broadcasts as it is:
    one product by a number, no reshape or broadcast_to (softmax·rowsum(Y) − Y, as written by hand)."""
    params, X, Y = _problem((2, 3, 2), 16)
    graph = closed_form(dl.trace(user_loss, params, X, Y), tuple(range(4)))
    ops = [e.op.name for e in graph.eqns]
    assert "reshape" not in ops and "broadcast_to" not in ops, str(graph)
    by_number = [e for e in graph.eqns if e.op.name == "mul" and any(not hasattr(a, "id") for a in e.args)]
    assert len(by_number) == 1, str(graph)


W3 = RNG.normal(size=(3, 2))


@pytest.mark.parametrize(
    "f",
    [
        lambda x, y: dnp.sum(y * x) / 3.0 - dnp.sum(y * dnp.sin(x)) / 3.0,  # shares s·a, −s·b: s·(a − b)
        lambda x, y: dnp.sum(y * x) / 3.0 + dnp.sum(y * dnp.sin(x)) / 3.0,  # s·(a + b)
        lambda x, y: dnp.sum(y * x) * 2.0 - dnp.sum(y * dnp.sin(x)) / 5.0,  # two numbers: multiplied in
        lambda x, y: dnp.sum(dnp.log(dnp.sum(dnp.exp(x * y), axis=1, keepdims=True)) * -0.5),  # row sums broadcast
        lambda x, y: dnp.sum(dnp.log(dnp.sum(dnp.cumsum(x, axis=1), axis=1, keepdims=True) ** 2) / 7.0),  # into a rule
        lambda x, y: dnp.sum(dnp.sin(dnp.sum((x * y) @ W3, axis=1, keepdims=True)) * 0.25),  # into a matmul
        lambda x, y: dnp.sum(dnp.log(dnp.sum(x * x, axis=0, keepdims=True) + y[:1])) * 3.0,  # to the input
        lambda x, y: dnp.sum(dnp.tanh(x[:1] @ W3 + y[0, :2]) * -2.0),  # one row: unit axes reshaped, not summed
    ],
    ids=["opposite", "equal", "different", "row-sums", "rule", "matmul", "input", "unit-axes"],
)
def test_scaled_and_broadcast_adjoints_equal_reverse(f):
    # Its own generator: drawn from the module's RNG, the point depended on which tests ran before it in the
    # worker (under -n 2 "input" once drew sum(x*x) + y < 0, a log of a negative number).
    rng = np.random.default_rng(226)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    got = dl.prepare(f, x, y, method="symbolic")
    want = dl.grad(f, argnums=(0, 1))(x, y)
    for _ in range(3):  # the general path, then the prepared call's generated one
        v, g = got.value_and_grad(x, y)
        assert v == pytest.approx(float(f(x, y)), rel=1e-13)
        np.testing.assert_allclose(g, want[0], rtol=0, atol=1e-12 * max(1.0, np.abs(want[0]).max()))
        assert got.prepared.program is None  # the closed form, not the scalar path
    g = dl.grad(f, argnums=(0, 1), method="symbolic")(x, y)
    for a, b in zip(g, want):
        assert a.shape == b.shape and a.flags.writeable
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * max(1.0, np.abs(b).max()))


def test_a_scalar_recursion_needs_no_sympy_proof_of_its_shifts(monkeypatch):
    """A recursion of 0-d values (Beverton–Holt's) moves with every intermediate: the walk on floats
    says so, and no candidate reaches the SymPy walk (whose `is_zero` on growing expressions was
    most of the matrix-level gradient's cost there); the max shift of log-sum-exp is still found."""
    from difflab.differentiators import shifts
    from difflab.graph import active

    def beverton_holt(p, n0):
        n = n0
        for _ in range(30):
            n = p[0] * n / (1.0 + p[1] * n) + 0.1 * dnp.tanh(n)
        return n

    proved = []
    unchanged = shifts._unchanged
    monkeypatch.setattr(shifts, "_unchanged", lambda *a: proved.append(a) or unchanged(*a))
    g = dl.trace(beverton_holt, np.array([1.8, 0.02]), 5.0)
    assert shifts.shift_free(g, active(g, [g.inputs[0]])) == set() and proved == []
    params, X, Y = _problem((2, 3, 2), 16)
    assert _shift_free_ops(user_loss, params, X, Y) == ["max"] and len(proved) >= 1
