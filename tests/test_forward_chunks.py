"""Chunked forward mode (issue 11 §2): JVP rules see ONE tangent shaped like their argument; k
directions at once come from the traced one-tangent sweep run through the registry's batching
rules. A throwaway shape op with a plain JVP (written with no batch axis in mind) gives the right
Jacobian for every chunk size, interpreted and compiled, with and without its own batching rule."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.ops import defop, unregister

NAME = "throwaway_flip0"
X = np.array([[0.3, -1.2], [0.8, 0.5], [-0.4, 2.0]])


def _flip0_jacobian(x):
    """d/dx of sin(flip0(x)) * x, as a (3, 2, 3, 2) array from the closed form."""
    n, m = x.shape
    J = np.zeros(x.shape + x.shape)
    for i in range(n):
        for j in range(m):
            J[i, j, n - 1 - i, j] += np.cos(x[n - 1 - i, j]) * x[i, j]
            J[i, j, i, j] += np.sin(x[n - 1 - i, j])
    return J


@pytest.fixture(params=["own batching rule", "no batching rule"])
def flip0(request):
    """Reverse axis 0. Its JVP asserts the tangent it sees is shaped like its argument: a rule
    handed a batch of tangents would flip the batch axis instead, and fail here first."""
    seen = []

    def jvp(t, out, x):
        seen.append(np.shape(t))
        assert np.shape(t) == np.shape(x), f"a JVP rule saw a batched tangent {np.shape(t)} for {np.shape(x)}"
        return op(t)

    batch = (lambda batched, x: x[:, ::-1]) if request.param == "own batching rule" else None
    op = defop(
        NAME,
        lambda x: x[::-1],
        jvp=(jvp,),
        vjp=(lambda ct, out, x: op(ct),),
        batch=batch,
        doc="reverse axis 0 (a test's throwaway)",
    )
    yield op, seen
    unregister(NAME)


@pytest.mark.parametrize("chunk", [1, 2, 5, None])
@pytest.mark.parametrize("compiled", [True, False])
def test_a_shape_op_with_a_plain_jvp_works_under_chunked_forward_jacobian(flip0, chunk, compiled):
    op, seen = flip0
    f = lambda x: dnp.sin(op(x)) * x  # noqa: E731
    method = dl.Forward(chunk=chunk, compiled=compiled)
    for _ in range(2):  # the second call reuses the traced (and, compiled, lowered) sweep
        J = dl.jacobian(f, method=method)(X)
        np.testing.assert_allclose(J, _flip0_jacobian(X), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(J, dl.jacobian(f, method="reverse")(X), rtol=1e-14, atol=1e-15)
    assert seen and set(seen) == {X.shape}


def test_the_plain_jvp_nests_forward_over_forward(flip0):
    """A Hessian by forward-over-forward: the inner sweeps run on traced values, one per direction."""
    op, seen = flip0
    f = lambda x: dnp.sum(dnp.sin(op(x)) * x)  # noqa: E731
    H = dl.hessian(f, method="forward")(X)
    np.testing.assert_allclose(H, dl.hessian(f, method="reverse")(X), rtol=1e-12, atol=1e-14)
    assert set(seen) == {X.shape}


def test_batched_sweep_equals_one_sweep_per_direction_with_a_domain_left():
    """Where a value leaves an op's domain, the batched run gives way to one interpreted sweep per
    direction, which names the equation; the row of the NaN output is NaN (as for every method),
    the others stay finite."""
    f = lambda x: dnp.stack([dnp.sqrt(x[0]), x[1] * x[2]])  # noqa: E731
    x = np.array([-1.0, 2.0, 3.0])
    with pytest.warns(dl.DomainWarning, match="sqrt"):
        J = dl.jacobian(f, method=dl.Forward(chunk=3))(x)
    np.testing.assert_array_equal(J[1], [0.0, 3.0, 2.0])
    assert np.isnan(J[0]).all()
    with pytest.warns(dl.DomainWarning, match="sqrt"):
        np.testing.assert_array_equal(J, dl.jacobian(f, method="reverse")(x))


def test_auto_chunk_keeps_each_values_block_of_tangents_cache_sized():
    """Forward()'s default, chunk="auto": directions per sweep = base.TANGENT_BLOCK // the largest value's size
    (here 2**16 // 512 = 128: 4 sweeps for n = 512; at least 8), the same gradient as all at once (None) and as a
    fixed chunk; a small graph takes all its directions in one sweep. Anything else is refused by name."""
    from difflab.differentiators.base import TANGENT_BLOCK
    from difflab.graph import counting

    c = np.random.default_rng(2).normal(size=511)

    def f(x):
        return dl.numpy.sum(dl.numpy.tanh(x[:-1] * x[1:] + c)) + 0.5 * dl.numpy.sum(x * x)

    x = np.random.default_rng(3).normal(size=512)
    assert dl.Forward().chunk == "auto" and TANGENT_BLOCK // 512 == 128
    grads, sweeps = {}, {}
    for chunk in ("auto", None, 64):
        p = dl.prepare(f, x, method=dl.Forward(chunk=chunk))
        p.grad(x)
        with counting() as cost:
            grads[chunk] = p.grad(x)
        sweeps[chunk] = cost.evals
    assert sweeps == {"auto": 4, None: 1, 64: 8}
    np.testing.assert_array_equal(grads["auto"], grads[64])
    np.testing.assert_allclose(grads["auto"], grads[None], rtol=1e-14, atol=1e-15)
    g = lambda y: dl.numpy.sum(dl.numpy.sin(y) * y)  # noqa: E731
    p = dl.prepare(g, np.ones(40), method=dl.Forward())
    p.grad(np.ones(40))
    with counting() as cost:
        p.grad(np.ones(40))
    assert cost.evals == 1  # 40 directions of 40 entries: one sweep
    # a 16k-entry value would allow 4 directions per sweep: at least AUTO_MIN_CHUNK = 8 (16 sweeps for n = 128)
    A = np.random.default_rng(5).normal(size=(2048, 16))
    p = dl.prepare(lambda w: dl.numpy.sum(dl.numpy.tanh(A @ w)), np.ones((16, 8)) * 0.1, method=dl.Forward())
    p.grad(np.ones((16, 8)) * 0.1)
    with counting() as cost:
        p.grad(np.ones((16, 8)) * 0.1)
    assert cost.evals == 16
    for bad in ("big", 0, 2.5):
        with pytest.raises(ValueError, match="positive int, 'auto' or None"):
            dl.Forward(chunk=bad)


def test_forward_jacobian_of_several_inputs_sweeps_each_input_alone():
    """J's columns input by input (each input a chunk at least): u's unit directions are a sweep of u's
    tangent alone (x's zero tangent no longer pushed through sin and the matrix products that only x
    reaches), equal to the joint Jacobian (reverse's) block by block; below a chunk, one sweep for all."""
    a = np.arange(12.0).reshape(4, 3) / 7.0

    def f(x, u):
        return u @ (a @ np.sin(x * x))

    x, u = np.array([0.3, -0.2, 0.5]), np.array([1.0, -2.0, 0.5, 0.25])
    p = dl.prepare(f, x, u, method=dl.Forward(chunk=2), argnums=(0, 1))
    jx, ju = p.jacobian(x, u)
    want = dl.jacobian(f, argnums=(0, 1), method="reverse")(x, u)
    np.testing.assert_allclose(jx, want[0], rtol=1e-14)
    np.testing.assert_allclose(ju, want[1], rtol=1e-14)
    subs = p.prepared._by_input
    sweeps = {i: subs[i]._sweep_graph([x, u]) for i in (0, 1)}
    ops = {i: {e.op.name for e in sweeps[i].eqns} for i in (0, 1)}
    assert "cos" in ops[0] and "cos" not in ops[1]  # sin's tangent rule runs for x's directions only
    assert len(sweeps[1].eqns) < len(sweeps[0].eqns)
    whole = dl.prepare(f, x, u, method=dl.Forward(chunk=8), argnums=(0, 1))
    np.testing.assert_allclose(whole.jacobian(x, u)[1], want[1], rtol=1e-14)
    assert not hasattr(whole.prepared, "_by_input")  # 7 columns: one chunk of both inputs


def test_forward_joins_the_tangents_of_a_concatenate_and_writes_eig_values_rule_as_a_matrix_product():
    # forward × autograd's test_eig_batched: a concatenate's tangent was one zero-filled output-sized scatter per
    # argument, summed, and eigvals' rule a three-operand einsum (NumPy's own loops) on stacks of tangents
    f = lambda x: np.sum(np.concatenate([x, np.sin(x), x[:2], np.ones(2)]) ** 2)  # noqa: E731
    x = np.array([0.3, -1.2, 0.8])
    lin = dl.linearize(f, x, method="forward")[1]
    names = {e.op.name for e in lin.graph.eqns}
    assert "concatenate" in names and not names & {"scatter_add", "add"}
    np.testing.assert_allclose(lin(np.ones(3)), dl.jvp(f, (x,), (np.ones(3),), method="reverse")[1], rtol=1e-14)
    stacked = lambda x: np.stack([x, x * x, np.zeros(3)], axis=1)  # noqa: E731
    np.testing.assert_allclose(dl.jacobian(stacked, method="forward")(x), dl.jacobian(stacked)(x), rtol=1e-15)
    a = np.random.default_rng(3).normal(size=(2, 3, 3))
    lin = dl.linearize(np.linalg.eigvals, a, method="forward")[1]
    assert not {e.op.name for e in lin.graph.eqns} & {"einsum", "strong_einsum"}
    t = np.random.default_rng(4).normal(size=(2, 3, 3))
    np.testing.assert_allclose(lin(t), dl.jvp(np.linalg.eigvals, (a,), (t,), method="reverse")[1], rtol=1e-12)
    u = np.arange(6.0).reshape(2, 3) + 1j
    want = dl.vjp(np.linalg.eigvals, a, method="numeric")[1](u)[0]
    np.testing.assert_allclose(dl.vjp(np.linalg.eigvals, a, method="reverse")[1](u)[0], want, rtol=1e-6, atol=1e-6)
