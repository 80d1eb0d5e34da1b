"""A fresh `dl.value_and_grad(loss)` per call of an MLP loss (issue 17's unprepared row): its Python work bounded by a
count of calls (cProfile's, deterministic; not a time), its answer the hand-written backpropagation's, and the checks
it skips in the common case still said where they apply (session 56, fresh56)."""

import cProfile
import pstats

import numpy as np
import pytest

import difflab as dl
from difflab.nn import MLP


def _problem():
    model = MLP([2, 16, 16, 2], activation="tanh")
    params = model.init(seed=3)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    Y = np.eye(2)[rng.integers(0, 2, 64)]
    return model, params, X, Y


def _backprop(params, X, Y):
    """The loss and its gradient by hand: tanh layers, softmax cross-entropy averaged over the rows."""
    h0 = np.tanh(X @ params["W0"] + params["b0"])
    h1 = np.tanh(h0 @ params["W1"] + params["b1"])
    z = h1 @ params["W2"] + params["b2"]
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = X.shape[0]
    loss = -(Y * logp).sum() / n
    dz = (np.exp(logp) - Y) / n
    g = {"W2": h1.T @ dz, "b2": dz.sum(axis=0)}
    d1 = (dz @ params["W2"].T) * (1 - h1 * h1)
    g["W1"], g["b1"] = h0.T @ d1, d1.sum(axis=0)
    d0 = (d1 @ params["W1"].T) * (1 - h0 * h0)
    g["W0"], g["b0"] = X.T @ d0, d0.sum(axis=0)
    return loss, g


def test_a_fresh_mlp_gradient_is_backprops_in_few_python_calls():
    model, params, X, Y = _problem()
    loss = model.loss("cross_entropy")
    for _ in range(3):  # (the signature's generated reader is learnt on the first calls)
        dl.value_and_grad(loss)(params, X, Y)
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(5):
        value, grad = dl.value_and_grad(loss)(params, X, Y)
    pr.disable()
    calls = pstats.Stats(pr).total_calls / 5
    want, g = _backprop(params, X, Y)
    assert value == pytest.approx(want, rel=1e-13)
    for k in params:
        np.testing.assert_allclose(grad[k], g[k], rtol=1e-11, atol=1e-15)
    # 700 on main before session 56 (stop 45's tree: 655); 606 here: the MLP's names and shapes planned once, its
    # parameter check one comparison, the loss's shapes read once, stage's check collection written out
    assert calls <= 640, calls


def test_the_params_check_still_names_the_wrong_one_inside_a_trace():
    model, params, X, Y = _problem()
    loss = model.loss("cross_entropy")
    bad = dict(params, b1=np.zeros(15))
    with pytest.raises(ValueError, match=r"params\['b1'\] has shape \(15,\), expected \(16,\)"):
        dl.value_and_grad(loss)(bad, X, Y)
    with pytest.raises(ValueError, match="params has no 'W2'"):
        dl.value_and_grad(loss)({k: v for k, v in params.items() if k != "W2"}, X, Y)
    with pytest.raises(ValueError, match="predictions of shape"):
        dl.value_and_grad(loss)(params, X, Y[:, :1])


def test_a_defaultdict_of_params_is_not_written_by_the_check():
    """The shape check reads parameters by `get`: a defaultdict missing one is refused by name, not given it."""
    import collections

    model, params, X, Y = _problem()
    given = collections.defaultdict(lambda: np.zeros(3), {k: v for k, v in params.items() if k != "b2"})
    with pytest.raises(ValueError, match="params has no 'b2'"):
        model(given, X)
    assert sorted(given) == ["W0", "W1", "W2", "b0", "b1"]


def test_a_model_whose_sizes_change_is_planned_again():
    """The plan is per architecture (sizes, activations), not per model: a model whose sizes list is changed in place
    traces its new layers (and checks its new shapes)."""
    model = MLP([2, 3, 1], activation="tanh")
    params = model.init(seed=0)
    X = np.ones((4, 2))
    model.sizes[1:] = [3, 2, 1]
    with pytest.raises(ValueError, match=r"params\['W1'\] has shape \(3, 1\), expected \(3, 2\)"):
        model(params, X)
    params = model.init(seed=0)
    assert model(params, X).shape == (4, 1)
