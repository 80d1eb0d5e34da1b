"""difflab.nn model and losses: shapes, initialisation, loss values, and gradients by every method."""

import subprocess
import sys

import numpy as np
import pytest

import difflab as dl
from difflab import nn

METHODS = ("reverse", "forward", "symbolic", "numeric")
NP_ACT = {"tanh": np.tanh, "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0.0)}


def _batch(data, n=32, k=2):
    return data.X_train[:n], nn.one_hot(data.y_train[:n], k)


# -- the model ----------------------------------------------------------------------------------


def test_init_shapes_dtypes_and_determinism():
    model = nn.MLP([2, 16, 16, 2])
    params = model.init(seed=0)
    assert {k: v.shape for k, v in params.items()} == {
        "W0": (2, 16),
        "b0": (16,),
        "W1": (16, 16),
        "b1": (16,),
        "W2": (16, 2),
        "b2": (2,),
    }
    assert all(v.dtype == np.float64 for v in params.values())
    assert model.n_params == sum(v.size for v in params.values()) == 354
    again = model.init(seed=0)
    assert all(np.array_equal(params[k], again[k]) for k in params)
    assert not np.array_equal(params["W0"], model.init(seed=1)["W0"])


def test_layers_draw_from_independent_streams():
    # widening the last layer must not change the first layer's draws
    a, b = nn.MLP([2, 16, 2]).init(seed=3), nn.MLP([2, 16, 5]).init(seed=3)
    assert np.array_equal(a["W0"], b["W0"])
    assert not np.allclose(a["W0"][:, :2], a["W1"][:2, :2])


def test_init_scale_follows_fan_in():
    W = nn.MLP([400, 400, 2]).init(seed=0)["W0"]
    assert W.std() == pytest.approx(np.sqrt(2.0 / 800), rel=0.02)  # Glorot for tanh
    W = nn.MLP([400, 400, 2], activation="relu").init(seed=0)["W0"]
    assert W.std() == pytest.approx(np.sqrt(2.0 / 400), rel=0.02)  # He for relu


@pytest.mark.parametrize("activation", sorted(NP_ACT))
def test_forward_pass_matches_numpy(activation, moons):
    model = nn.MLP([2, 5, 4, 3], activation=activation)
    p, X = model.init(seed=2), moons.X_train
    act = NP_ACT[activation]
    expected = act(act(X @ p["W0"] + p["b0"]) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    np.testing.assert_allclose(model(p, X), expected, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(model.predict(p, X), np.argmax(expected, axis=1))


def test_output_activation():
    model = nn.MLP([2, 3], output="sigmoid")
    out = model(model.init(0), np.array([[100.0, -100.0], [0.0, 0.0]]))
    assert np.all((out >= 0) & (out <= 1)) and np.allclose(out[1], 0.5)


@pytest.mark.parametrize(
    "bad", [dict(sizes=[2]), dict(sizes=[2, 0, 2]), dict(activation="softsign"), dict(output="gelu")]
)
def test_bad_architecture_is_a_value_error(bad):
    args = dict(sizes=[2, 3, 2]) | bad
    with pytest.raises(ValueError, match="sizes|activation"):
        nn.MLP(args.pop("sizes"), **args)


# -- the losses ---------------------------------------------------------------------------------


def test_mse_is_half_the_mean_squared_error_and_its_gradient_the_residual():
    pred = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]])
    target = np.array([[0.0, 2.0], [1.0, 1.0], [0.0, 0.0]])
    assert nn.mse(pred, target) == pytest.approx((1 + 0 + 4 + 4 + 0.25 + 0) / (2 * 3), rel=1e-15)
    np.testing.assert_allclose(dl.grad(nn.mse)(pred, target), (pred - target) / 3, rtol=1e-15)


def test_softmax_cross_entropy_is_stable_and_correct():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.1, 0.2, 0.3]])
    onehot = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert nn.softmax_cross_entropy(logits, onehot) == pytest.approx(-(log_p * onehot).sum() / 2, rel=1e-15)
    g = dl.grad(nn.softmax_cross_entropy)(logits, onehot)
    np.testing.assert_allclose(g, (np.exp(log_p) - onehot) / 2, atol=1e-15)  # softmax − y, over N


def test_accuracy():
    logits = np.array([[0.2, 0.8], [0.9, 0.1], [0.4, 0.6], [0.7, 0.3]])
    assert nn.accuracy(logits, np.array([1, 0, 0, 0])) == 0.75
    with pytest.raises(ValueError, match="labels"):
        nn.accuracy(logits, np.array([1, 0]))


def test_loss_shape_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(3, 4\)"):
        nn.mse(np.zeros((3, 2)), np.zeros((3, 4)))


def test_training_loss_is_a_mean_over_examples_and_says_so(moons):
    model = nn.MLP([2, 4, 2])
    loss_fn = model.loss("cross_entropy")
    assert loss_fn.batch_argnums == (1, 2) and loss_fn.__name__ == "mlp_cross_entropy"
    p, (X, Y) = model.init(0), _batch(moons)
    per_example = [loss_fn(p, X[i : i + 1], Y[i : i + 1]) for i in range(len(X))]
    assert loss_fn(p, X, Y) == pytest.approx(np.mean(per_example), rel=1e-14)
    with pytest.raises(ValueError, match="unknown loss"):
        model.loss("hinge")


# -- gradients by every method --------------------------------------------------------------------


def _small_net(activation, loss, seed):
    """A 2-3-2 net's loss and parameters with nonzero biases, so no relu sits at its kink by construction."""
    model = nn.MLP([2, 3, 2], activation=activation)
    rng = np.random.default_rng(seed)
    return model.loss(loss), {k: v + rng.normal(0, 0.3, v.shape) for k, v in model.init(seed=1).items()}


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_training_loss_gradient_by_every_method(activation, loss, moons):
    loss_fn, p = _small_net(activation, loss, seed=1)
    X, Y = _batch(moons)
    got = {m: dl.value_and_grad(loss_fn, method=m)(p, X, Y) for m in METHODS}
    ref_value, ref = got["reverse"]
    for m, (value, g) in got.items():
        exact = m != "numeric"
        assert value == pytest.approx(ref_value, rel=1e-12), m
        for k in ref:
            np.testing.assert_allclose(
                g[k], ref[k], rtol=1e-10 if exact else 1e-6, atol=1e-12 if exact else 1e-8, err_msg=f"{m} {k}"
            )
    assert any(np.abs(ref[k]).max() > 1e-3 for k in ref)  # not vacuous


def test_symbolic_differentiates_one_example_and_matches_reverse_on_a_batch(moons):
    model = nn.MLP([2, 8, 2], activation="tanh")
    loss_fn = model.loss("cross_entropy")
    p, (X, Y) = model.init(seed=0), _batch(moons, n=32)
    vg = dl.value_and_grad(loss_fn, method="symbolic")
    value, g = vg(p, X, Y)
    ref_value, ref = dl.value_and_grad(loss_fn, method="reverse")(p, X, Y)
    assert value == pytest.approx(ref_value, rel=1e-12)
    for k in ref:
        np.testing.assert_allclose(g[k], ref[k], rtol=1e-12, atol=1e-14, err_msg=k)
    # the expression was built for ONE example, whatever the batch size
    (staged,) = vg.cache.values()
    assert [v.shape for v in staged.graph.inputs][-2:] == [(1, 2), (1, 2)]  # X and Y: one row each
    vg(p, X[:7], Y[:7])
    assert len(vg.cache) == 1


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_symbolic_one_example_on_floats_matches_the_batched_code_and_reverse(activation, loss, moons):
    loss_fn, p = _small_net(activation, loss, seed=2)
    X, Y = _batch(moons, n=4)
    # the per-scalar path (the default writes gradients at matrix level: tests/test_matrix_gradient.py)
    sym, rev = (
        dl.value_and_grad(loss_fn, method=dl.Symbolic(matrix=False)),
        dl.value_and_grad(loss_fn, method="reverse"),
    )
    for i in range(len(X)):
        one = sym(p, X[i : i + 1], Y[i : i + 1])  # one example: Python floats through `math`
        twice = sym(p, X[[i, i]], Y[[i, i]])  # the same example twice: NumPy columns, then the mean
        ref = rev(p, X[i : i + 1], Y[i : i + 1])
        for other in (twice, ref):
            assert one[0] == pytest.approx(other[0], rel=1e-12)
            for k in ref[1]:
                np.testing.assert_allclose(one[1][k], other[1][k], rtol=1e-12, atol=1e-14, err_msg=k)
    assert any(np.abs(ref[1][k]).max() > 1e-3 for k in ref[1])  # not vacuous
    (staged,) = sym.cache.values()
    assert {scalar for _, scalar in staged.prepared[sym.method].code.fns} == {True, False}  # both paths ran


def test_importing_nn_loads_neither_sympy_nor_matplotlib():
    code = "import sys, difflab.nn; print(sorted({m.split('.')[0] for m in sys.modules} & {'sympy', 'matplotlib'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_layer_widths_must_be_whole_numbers():
    # found by a new user's first hour: MLP([2, 1.5, 2]) built a width-1 layer without a word
    for sizes in ([2, 1.5, 2], [2, "16", 2], [2, True, 2], [2, float("nan"), 2], [2, 0, 2], [2]):
        with pytest.raises(ValueError, match="sizes must list at least two positive whole layer widths"):
            nn.MLP(sizes)
    assert nn.MLP([2, 16.0, np.int64(3)]).sizes == [2, 16, 3]  # a JSON config's 16.0 is 16
