"""Session 66's difflab.nn bad inputs (badinput66; DESIGN.md §6): each was a silent truncation, a NaN, an accepted
str or bool, a raw NumPy error naming no argument, or a model whose outputs did not match the labels' classes. Each
case here failed on main; the valid neighbours around them still give their numbers. Cheap: tiny arrays, one tiny
training run per refusal (refused before any gradient)."""

import math

import numpy as np
import pytest

import difflab as dl
from difflab import nn

X = np.array([-1.0, 2.0])


def _data():
    return nn.Dataset(
        "tiny", np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 1, 1]), np.zeros((0, 2)), np.zeros(0, int)
    )


# -- schedules and optimisers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [1.5, 0.5, 99.9])
def test_cosine_decay_refuses_a_fractional_step_count(steps):
    # on main int(1.5) made steps=1 and 0.5 made 0 (ZeroDivisionError at the first step), without a word
    with pytest.raises(ValueError, match=r"steps must be a whole number of updates >= 1, got"):
        nn.cosine_decay(0.1, steps)


def test_cosine_decay_takes_a_whole_float_and_still_ends_at_final():
    schedule = nn.cosine_decay(0.1, 100.0, final=0.1)
    assert schedule.steps == 100
    assert schedule(0) == 0.1 and schedule(50) == pytest.approx(0.055) and schedule(100) == pytest.approx(0.01)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1"])
def test_a_schedules_negative_or_nan_rate_is_named_at_its_step(bad):
    # on main SGD took a schedule's −0.1 (gradient ascent) or NaN (NaN parameters) silently
    opt = nn.SGD(lambda step: 0.1 if step < 2 else bad)
    assert opt.rate(1) == 0.1
    with pytest.raises(ValueError, match=r"the learning-rate schedule gave .* at step 2; it must be a finite number"):
        opt.rate(2)


def test_a_schedules_zero_is_a_valid_end():
    opt = nn.SGD(nn.cosine_decay(0.1, 4))
    params, _ = opt.update({"w": np.array([1.0])}, {"w": np.array([5.0])}, {"step": 4})
    assert opt.rate(4) == 0.0 and params["w"].tolist() == [1.0]


# -- accuracy of an empty set ----------------------------------------------------------------------------------------


def test_accuracy_of_an_empty_set_is_refused_not_nan():
    # on main: nan, with no warning (the losses refuse a mean over no examples; so does accuracy now)
    with pytest.raises(ValueError, match=r"accuracy is a fraction of the rows, and an empty set"):
        nn.accuracy(np.zeros((0, 3)), np.zeros(0, int))
    assert nn.accuracy(np.array([[0.0, 1.0]]), np.array([1])) == 1.0


# -- where= masks ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "logsumexp", "logmeanexp", "standardize"])
@pytest.mark.parametrize("where", ["a", np.array([1.5, 0.0]), np.array([1, 0])])  # ([1, 0]: NumPy's bools, leftovers67)
def test_where_must_be_a_boolean_mask(fn, where):
    # on main softmax(where="a") was [0.047, 0.953] (a str is truthy), 1.5 and 1 were masks by truthiness
    with pytest.raises(TypeError, match=r"where must be a boolean mask \(True: the entry counts\), got"):
        getattr(nn, fn)(X, where=where)


def test_where_of_the_wrong_shape_names_both_shapes():
    with pytest.raises(ValueError, match=r"where of shape \(3,\) does not broadcast with x of shape \(2,\)"):
        nn.softmax(X, where=np.array([True, False, True]))


def test_a_boolean_where_still_gives_jaxs_values():
    assert nn.softmax(X, where=np.array([True, False])).tolist() == [1.0, 0.0]
    assert float(nn.logsumexp(X, where=[True, False])) == -1.0
    # jax.nn.softmax([-1., 2.], where=[True, True]) = [0.04742587, 0.95257413]
    np.testing.assert_allclose(nn.softmax(X, where=np.array(True)), [0.04742587317756678, 0.9525741268224334])


# -- activations' parameters -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: nn.leaky_relu(X, "a"), "leaky_relu: negative_slope"),
        (lambda: nn.leaky_relu(X, None), "leaky_relu: negative_slope"),
        (lambda: nn.elu(X, "a"), "elu: alpha"),
        (lambda: nn.celu(X, "a"), "celu: alpha"),
        (lambda: nn.squareplus(X, "a"), "squareplus: b"),
        (lambda: nn.standardize(X, epsilon="a"), "standardize: epsilon"),
    ],
)
def test_an_activations_parameter_given_a_str_is_named(call, name):
    # on main: NumPy's UFuncTypeError "ufunc 'multiply' did not contain a loop with signature matching types"
    with pytest.raises(TypeError, match=rf"difflab.nn.{name} must be a real number, got"):
        call()


def test_out_of_range_parameters_are_refused_not_nan():
    with pytest.raises(ValueError, match=r"squareplus: b must be > 0, got -1"):  # (main: NaN with a warning)
        nn.squareplus(X, -1)
    with pytest.raises(ValueError, match=r"celu: alpha must be nonzero"):  # (main: NaN)
        nn.celu(X, 0.0)
    with pytest.raises(ValueError, match=r"standardize: epsilon must be >= 0, got -1.0"):  # (main: ±1.342)
        nn.standardize(X, epsilon=-1.0)
    with pytest.raises(TypeError, match=r"gelu: approximate must be True or False, got 'no'"):  # (main: tanh form)
        nn.gelu(X, "no")
    with pytest.raises(TypeError, match=r"glu: axis must be an int, got 'a'"):
        nn.glu(X, "a")
    with pytest.raises(TypeError, match=r"one_hot: axis must be an int, got 'a'"):
        nn.one_hot(np.array([0, 1]), 2, axis="a")


def test_parameters_still_differentiate_and_arrays_still_work():
    # d/dα elu(−1, α) = e^−1 − 1; d/dslope leaky_relu(−2, s) = −2; d/db squareplus(0, b) = 1/(4√b)
    assert dl.grad(lambda a: nn.elu(-1.0, a), method="reverse")(1.0) == pytest.approx(math.exp(-1) - 1)
    assert dl.grad(lambda s: nn.leaky_relu(-2.0, s), method="forward")(0.1) == pytest.approx(-2.0)
    assert dl.grad(lambda b: nn.squareplus(0.0, b), method="reverse")(4.0) == pytest.approx(0.125)
    assert nn.leaky_relu(X, np.array([0.5, 0.5])).tolist() == [-0.5, 2.0]


# -- train and datasets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outputs", [1, 3])
def test_train_refuses_a_model_whose_outputs_are_not_the_classes(outputs):
    # on main 3 outputs for labels 0..1 trained a 3-way softmax whose third output no label names (its argmax counted
    # as a wrong class); 1 output was one_hot's "label 1 out of range for num_classes=1", naming no model
    with pytest.raises(ValueError, match=rf"labels name 2 classes \(0..1\) but MLP\(\[2, {outputs}\].* has {outputs} "):
        nn.train(nn.MLP([2, outputs]), _data(), epochs=1)
    assert nn.train(nn.MLP([2, 2]), _data(), epochs=1).steps == 1


@pytest.mark.parametrize("kwargs", [{"epochs": True}, {"batch_size": True}])
def test_train_refuses_a_bool_count(kwargs):
    # on main True was 1 epoch, or batches of one
    with pytest.raises(ValueError, match=rf"{next(iter(kwargs))} must be a positive int"):
        nn.train(nn.MLP([2, 2]), _data(), **kwargs)


def test_load_dataset_names_a_str_noise_and_a_non_bool_standardize():
    with pytest.raises(TypeError, match=r"noise must be a finite number >= 0, got str 'a'"):  # (float's message)
        nn.load_dataset("moons", n=8, noise="a")
    with pytest.raises(TypeError, match=r"standardize must be True or False, got 'no'"):  # (main: standardised)
        nn.load_dataset("xor", n=8, standardize="no")
