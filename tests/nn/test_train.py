"""difflab.nn training: methods agree over a run, accuracy on real tasks, budgets, errors, optimisers."""

import json
import types

import numpy as np
import pytest

import difflab as dl
from difflab import nn

EXACT = ("reverse", "forward", "symbolic")
SMALL = dict(optimizer=nn.Adam(lr=0.01), batch_size=32, seed=0)  # 10 steps per epoch on moons


@pytest.fixture(scope="module")
def curves(moons):
    """A 2-8-2 tanh MLP trained 20 epochs on moons by each exact method (symbolic kept this small)."""
    return {m: nn.train(nn.MLP([2, 8, 2]), moons, method=m, epochs=20, **SMALL) for m in EXACT}


def _comparable(h):
    d = h.to_dict()
    for timing in ("prepare_seconds", "total_seconds", "grad_seconds"):
        d.pop(timing)
    return d


# -- the methods agree over a whole run ----------------------------------------------------------


@pytest.mark.parametrize("method", ["forward", "symbolic"])
def test_exact_methods_give_the_same_loss_curves(curves, method):
    ref, h = curves["reverse"], curves[method]
    assert h.status == "completed" and h.epochs_completed == 20 and h.steps == 200
    for curve in ("train_loss", "test_loss", "step_loss"):
        np.testing.assert_allclose(getattr(h, curve), getattr(ref, curve), rtol=1e-9, atol=0, err_msg=curve)
    assert h.test_accuracy == ref.test_accuracy
    assert ref.train_loss[-1] < 0.5 * ref.step_loss[0]  # it did learn


def test_numeric_stays_within_its_error_model(curves, moons):
    # central differences are good to ~1e-10 relative per gradient; the first 5 epochs of the
    # reverse run are the same minibatches, so the curves must agree far below visible differences
    h = nn.train(nn.MLP([2, 8, 2]), moons, method="numeric", epochs=5, **SMALL)
    ref = curves["reverse"]
    np.testing.assert_allclose(h.train_loss, ref.train_loss[:5], rtol=1e-6)
    np.testing.assert_allclose(h.step_loss, ref.step_loss[:50], rtol=1e-6)
    assert h.train_loss != ref.train_loss[:5]  # an approximation, not a copy of reverse mode
    assert h.evals >= 2 * 42 * h.steps  # two evaluations per parameter and step (42 parameters)


def test_cost_accounting(curves):
    for m, h in curves.items():
        assert len(h.grad_seconds) == 20 and all(s > 0 for s in h.grad_seconds), m
        assert h.prepare_seconds > 0 and h.total_seconds > h.prepare_seconds, m
    assert curves["reverse"].evals == curves["forward"].evals == 200  # one sweep per gradient
    assert curves["reverse"].eqns > 0 and curves["forward"].eqns > 0
    assert curves["symbolic"].eqns == 0  # lambdified code runs no tape


def test_same_seed_gives_an_identical_history(curves, moons):
    again = nn.train(nn.MLP([2, 8, 2]), moons, method="reverse", epochs=20, **SMALL)
    assert _comparable(again) == _comparable(curves["reverse"])
    other = nn.train(nn.MLP([2, 8, 2]), moons, method="reverse", epochs=20, **(SMALL | {"seed": 1}))
    assert other.step_loss != again.step_loss


def test_history_is_json_ready(curves):
    d = json.loads(json.dumps(curves["symbolic"].to_dict(), allow_nan=False))
    assert d["status"] == "completed" and d["method"] == "symbolic" and d["epochs_completed"] == 20
    assert np.array(d["params"]["W0"]).shape == (2, 8)
    assert d["config"]["batch_size"] == 32 and "Adam" in d["config"]["optimizer"]


# -- it learns real tasks ------------------------------------------------------------------------


def _moons_run(moons, method):
    return nn.train(
        nn.MLP([2, 16, 16, 2], activation="tanh"),
        moons,
        method=method,
        optimizer=nn.Adam(lr=0.01),
        epochs=200,
        batch_size=32,
        seed=0,
    )


def test_moons_reverse_reaches_97_percent(moons):
    h = _moons_run(moons, "reverse")
    assert h.test_accuracy[-1] >= 0.97
    assert h.train_loss[-1] < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("method", ["forward", "symbolic", "numeric"])
def test_moons_every_method_reaches_97_percent(moons, method):
    assert _moons_run(moons, method).test_accuracy[-1] >= 0.97


def test_digits_reverse_reaches_93_percent():
    data = nn.load_dataset("digits", seed=0)
    h = nn.train(
        nn.MLP([64, 32, 10]), data, method="reverse", optimizer=nn.Adam(lr=0.01), epochs=10, batch_size=32, seed=0
    )
    assert h.test_accuracy[-1] >= 0.93


def test_full_batch_sgd_is_the_seeds_gradient_descent(moons):
    model, lr = nn.MLP([2, 4, 2], activation="sigmoid"), 0.5
    h = nn.train(model, moons, method="reverse", optimizer=nn.SGD(lr), epochs=3, loss="mse", seed=0)
    params, Y = model.init(seed=0), nn.one_hot(moons.y_train, 2)
    grad = dl.grad(model.loss("mse"))
    for _ in range(3):  # θ ← θ − η ∂C/∂θ on the whole training set (row order does not change C)
        g = grad(params, moons.X_train, Y)
        params = {k: params[k] - lr * g[k] for k in params}
    for k in params:
        np.testing.assert_allclose(h.params[k], params[k], rtol=1e-13, atol=1e-15)
    assert h.steps == 3


def test_last_partial_batch_kept_or_dropped(moons):
    model = nn.MLP([2, 3, 2])
    kept = nn.train(model, moons, epochs=1, batch_size=64)  # 300 = 4 * 64 + 44
    dropped = nn.train(model, moons, epochs=1, batch_size=64, drop_last=True)
    assert (kept.steps, dropped.steps) == (5, 4)


def test_regression_targets_with_mse():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (64, 1))
    data = types.SimpleNamespace(X_train=X, y_train=np.sin(3 * X), X_test=X[:8], y_test=np.sin(3 * X[:8]))
    h = nn.train(nn.MLP([1, 8, 1]), data, loss="mse", optimizer=nn.Adam(0.02), epochs=150, batch_size=16)
    assert h.train_loss[-1] < 0.1 * h.train_loss[0] and h.test_accuracy == []


# -- budgets and failures ------------------------------------------------------------------------


def test_budget_spent_in_preparation_is_recorded_not_raised(moons):
    h = nn.train(nn.MLP([2, 8, 2]), moons, method="symbolic", epochs=5, time_budget=1e-6, **SMALL)
    assert h.status == "budget_exceeded" and h.stopped_at == {"epoch": 0, "step": 0}
    assert "preparation" in h.reason and h.epochs_completed == 0 and h.steps == 0
    assert h.prepare_seconds > 0 and set(h.params) == {"W0", "b0", "W1", "b1"}


def test_budget_stops_cleanly_keeping_completed_epochs(moons):
    # 0.3 s: about 40 epochs of ~7 ms (the test runs until the budget stops it, so the budget is its cost)
    h = nn.train(nn.MLP([2, 8, 2]), moons, method="reverse", epochs=100_000, time_budget=0.3, **SMALL)
    assert h.status == "budget_exceeded" and "time budget" in h.reason
    assert 1 <= h.epochs_completed < 100_000
    assert len(h.test_accuracy) == len(h.grad_seconds) == h.epochs_completed
    assert h.stopped_at["step"] == h.steps == len(h.step_loss)
    assert h.stopped_at["epoch"] - h.epochs_completed in (0, 1)  # an interrupted epoch is not recorded
    assert h.total_seconds >= 0.3


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic", "numeric"])
def test_nan_in_the_data_names_step_epoch_and_method(moons, method):
    X = moons.X_train.copy()
    X[40, 1] = np.nan
    bad = nn.Dataset("moons-with-nan", X, moons.y_train, moons.X_test, moons.y_test)
    with pytest.raises(nn.NonFiniteLossError, match=rf"step (\d+) \(epoch 1\) with method '{method}'") as err:
        nn.train(nn.MLP([2, 3, 2]), bad, method=method, epochs=3, **SMALL)
    e = err.value
    order = np.random.default_rng(0).permutation(len(X))
    assert e.step == 1 + int(np.flatnonzero(order == 40)[0]) // 32  # the batch holding row 40
    assert e.epoch == 1 and e.method == method and isinstance(e, ArithmeticError)
    assert len(e.history.step_loss) == e.step - 1


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::difflab.DomainWarning")
def test_divergence_raises_non_finite_loss_error(moons):
    with pytest.raises(nn.NonFiniteLossError, match="with method 'reverse'") as err:
        nn.train(
            nn.MLP([2, 4, 2], activation="sigmoid"),
            moons,
            method="reverse",
            loss="mse",
            optimizer=nn.SGD(lr=1e6),
            epochs=50,
            batch_size=32,
        )
    assert err.value.step > 1 and np.all(np.isfinite(err.value.history.step_loss))


@pytest.mark.parametrize(
    "bad", [dict(epochs=0), dict(batch_size=0), dict(time_budget=-1.0), dict(method="adjoint"), dict(loss="hinge")]
)
def test_bad_settings_are_value_errors(moons, bad):
    with pytest.raises(ValueError):
        nn.train(nn.MLP([2, 3, 2]), moons, **(dict(epochs=1) | bad))


def test_feature_count_mismatch_is_a_value_error(moons):
    with pytest.raises(ValueError, match="2 features but the model takes 3"):
        nn.train(nn.MLP([3, 2]), moons, epochs=1)


# -- optimisers ----------------------------------------------------------------------------------


def _tree():
    return {"W": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.25, -0.75])}


def _grads():
    return {"W": np.array([[0.1, -0.4], [2.0, 0.0]]), "b": np.array([-1e-3, 5.0])}


def test_sgd_step_is_theta_minus_eta_g_exactly():
    params, grads = _tree(), _grads()
    new, state = nn.SGD(lr=0.1).update(params, grads, nn.SGD(lr=0.1).init(params))
    for k in params:
        np.testing.assert_array_equal(new[k], params[k] - 0.1 * grads[k])
    assert state["step"] == 1


def test_momentum_accumulates_velocity():
    params, grads = _tree(), _grads()
    opt = nn.Momentum(lr=0.1, beta=0.9)
    p1, s = opt.update(params, grads, opt.init(params))
    p2, s = opt.update(p1, grads, s)
    for k in params:  # v1 = g, v2 = 0.9 g + g
        np.testing.assert_allclose(p2[k], params[k] - 0.1 * grads[k] - 0.1 * 1.9 * grads[k], rtol=1e-15)
    assert nn.SGD(0.1, momentum=0.9).init(params).keys() == s.keys()


def test_adam_first_step_moves_each_coordinate_by_about_lr():
    params, grads = _tree(), _grads()
    opt = nn.Adam(lr=0.01)
    new, state = opt.update(params, grads, opt.init(params))
    for k in params:
        step = params[k] - new[k]
        moved = grads[k] != 0
        np.testing.assert_allclose(step[moved], 0.01 * np.sign(grads[k][moved]), rtol=1e-4)
        assert np.all(step[~moved] == 0)
    assert state["step"] == 1


@pytest.mark.parametrize("opt", [nn.SGD(0.1), nn.Momentum(0.1), nn.Adam(0.1)], ids=repr)
def test_optimizers_never_mutate_their_inputs(opt):
    params, grads = _tree(), _grads()
    state = opt.init(params)
    snapshot = [{k: v.copy() for k, v in t.items()} for t in (params, grads)]
    state_copy = {k: ({j: w.copy() for j, w in v.items()} if isinstance(v, dict) else v) for k, v in state.items()}
    for _ in range(2):
        new, new_state = opt.update(params, grads, state)
    for before, after in zip(snapshot, (params, grads)):
        assert all(np.array_equal(before[k], after[k]) for k in before)
    assert all(
        np.array_equal(state_copy[k][j], state[k][j]) for k in state if isinstance(state[k], dict) for j in state[k]
    )
    assert state["step"] == 0 and new_state["step"] == 1 and new["W"] is not params["W"]


def test_schedules():
    decay = nn.exponential_decay(0.1, rate=0.5, steps=10)
    assert [decay(s) for s in (0, 10, 20)] == [0.1, 0.05, 0.025]
    cosine = nn.cosine_decay(0.1, steps=100, final=0.1)
    assert cosine(0) == 0.1 and cosine(100) == cosine(500) == pytest.approx(0.01, rel=1e-12)
    assert cosine(50) == pytest.approx(0.055, rel=1e-12)
    opt = nn.SGD(lr=decay)
    params, grads, state = _tree(), _grads(), opt.init(_tree())
    for s in range(11):
        before = params
        params, state = opt.update(params, grads, state)
    np.testing.assert_allclose(before["b"] - params["b"], decay(10) * grads["b"], rtol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.SGD(lr=0.0),
        lambda: nn.SGD(0.1, momentum=1.0),
        lambda: nn.Adam(b2=1.5),
        lambda: nn.Adam(eps=0.0),
        lambda: nn.exponential_decay(0.1, 0.5, 0),
    ],
)
def test_bad_optimizer_settings_are_value_errors(make):
    with pytest.raises(ValueError):
        make()
