"""Tests for difflab.nn.datasets: shipped data, generators, split, scaling, errors."""

import numpy as np
import pytest

from difflab.nn.datasets import (
    DATASETS,
    Dataset,
    circles,
    digits,
    iris,
    load_dataset,
    moons,
    one_hot,
    spirals,
    standardize,
    train_test_split,
    xor,
)

GENERATED = ("xor", "moons", "circles", "spirals")


# ---------------------------------------------------------------- shipped data


def test_datasets_names():
    assert DATASETS == ("xor", "moons", "circles", "spirals", "iris", "digits")


def test_iris_raw_matches_uci():
    X, y = iris()
    assert X.shape == (150, 4) and X.dtype == np.float64
    assert y.shape == (150,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    # first and last rows of the UCI file, exactly (one decimal, exactly reconstructed)
    assert X[0].tolist() == [5.1, 3.5, 1.4, 0.2]
    assert X[-1].tolist() == [5.9, 3.0, 5.1, 1.8]
    assert np.allclose(X.sum(axis=0), [876.5, 458.6, 563.7, 179.9], rtol=0, atol=1e-9)
    assert np.array_equal(X, np.round(X, 1))
    # labels are sorted in blocks of 50 in the source
    assert np.array_equal(y, np.repeat([0, 1, 2], 50))


def test_digits_raw_matches_uci():
    X, y = digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    assert np.array_equal(X, np.round(X))
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert int(X.sum()) == 561718
    assert y[:10].tolist() == list(range(10))
    assert X[0].reshape(8, 8)[1].tolist() == [0, 0, 13, 15, 10, 15, 5, 0]
    # pixels 0, 32, 39 are blank in every image
    assert np.flatnonzero(X.std(axis=0) == 0).tolist() == [0, 32, 39]


def test_raw_arrays_are_fresh_copies():
    X, y = digits()
    X[:] = -1
    y[:] = 99
    X2, y2 = digits()
    assert X2.min() == 0 and y2.max() == 9


def test_load_iris_split():
    d = load_dataset("iris", seed=0)
    assert d.name == "iris" and d.n_features == 4 and d.n_classes == 3
    assert len(d.y_train) + len(d.y_test) == 150
    assert d.X_test.shape == (38, 4)  # ceil(0.25 * 150)
    counts = np.bincount(d.y_train, minlength=3) + np.bincount(d.y_test, minlength=3)
    assert counts.tolist() == [50, 50, 50]


def test_load_digits_split():
    d = load_dataset("digits", seed=0, standardize=False)
    assert d.n_features == 64 and d.n_classes == 10
    assert d.X_train.shape == (1347, 64) and d.X_test.shape == (450, 64)
    for X in (d.X_train, d.X_test):
        assert X.min() == 0 and X.max() == 16
    # the split is a partition of the shipped rows
    X, _ = digits()
    both = np.vstack([d.X_train, d.X_test])
    assert np.array_equal(np.sort(both.sum(axis=1)), np.sort(X.sum(axis=1)))
    assert both.sum() == X.sum()


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_identical_different_seed_differs(name):
    a = load_dataset(name, seed=3)
    b = load_dataset(name, seed=3)
    c = load_dataset(name, seed=4)
    for field in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.X_train, c.X_train)
    assert a.X_train.dtype == np.float64 and a.y_train.dtype == np.int64
    assert a.X_test.dtype == np.float64 and a.y_test.dtype == np.int64


@pytest.mark.parametrize("gen", [xor, moons, circles, spirals])
def test_generator_determinism_and_shapes(gen):
    X1, y1 = gen(n=101, seed=7)
    X2, y2 = gen(n=101, seed=7)
    X3, _ = gen(n=101, seed=8)
    assert X1.shape == (101, 2) and y1.shape == (101,)
    assert X1.dtype == np.float64 and y1.dtype == np.int64
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert np.bincount(y1).max() - np.bincount(y1).min() <= 1  # balanced classes


@pytest.mark.parametrize("name", GENERATED)
def test_default_generated_size(name):
    d = load_dataset(name, seed=0)
    assert d.X_train.shape == (300, 2) and d.X_test.shape == (100, 2)
    assert d.n_classes == 2


# ---------------------------------------------------------------- geometry


def test_moons_geometry_noise_free():
    X, y = moons(n=200, noise=0.0, seed=1)
    outer, inner = X[y == 0], X[y == 1]
    assert len(outer) == 100 and len(inner) == 100
    assert np.allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)
    assert np.all(outer[:, 1] >= -1e-12)  # upper half
    assert np.allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0)
    assert np.all(inner[:, 1] <= 0.5 + 1e-12)  # lower half (flipped)
    # end points of the arcs as in make_moons
    ends = {tuple(p) for p in np.round(X, 9).tolist()}
    assert {(1.0, 0.0), (-1.0, 0.0), (0.0, 0.5), (2.0, 0.5)} <= ends


def test_moons_noise_scale():
    X0, y0 = moons(n=2000, noise=0.0, seed=5)
    X1, y1 = moons(n=2000, noise=0.1, seed=5)
    r = np.hypot(X1[y1 == 0, 0], X1[y1 == 0, 1]) - 1.0
    assert 0.05 < r.std() < 0.15


def test_circles_geometry_noise_free():
    X, y = circles(n=100, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)
    with pytest.raises(ValueError, match="factor"):
        circles(factor=1.0)


def test_xor_labels_follow_quadrant():
    X, y = xor(n=400, noise=0.1, seed=0)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64))
    assert np.bincount(y).tolist() == [200, 200]


def test_spirals_arms():
    X, y = spirals(n=300, noise=0.0, n_classes=3, turns=1.0, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.isclose(r.min(), 0.1) and np.isclose(r.max(), 1.0)
    # at equal radius the three arms are 120 degrees apart
    starts = np.array([X[(y == j)][np.argmin(r[y == j])] for j in range(3)])
    ang = np.sort(np.mod(np.arctan2(starts[:, 1], starts[:, 0]), 2 * np.pi))
    assert np.allclose(np.diff(ang), 2 * np.pi / 3)
    d = load_dataset("spirals", n_classes=4, seed=0)
    assert d.n_classes == 4


# ---------------------------------------------------------------- split


@pytest.mark.parametrize("name,frac", [("iris", 0.25), ("digits", 0.2), ("spirals", 0.3)])
def test_stratified_split(name, frac):
    kwargs = {"n_classes": 3, "n": 301} if name == "spirals" else {}
    d = load_dataset(name, test_fraction=frac, seed=1, standardize=False, **kwargs)
    y_all = np.concatenate([d.y_train, d.y_test])
    n = len(y_all)
    assert len(d.y_test) == int(np.ceil(frac * n))
    expected = np.bincount(y_all) * len(d.y_test) / n
    got = np.bincount(d.y_test, minlength=len(expected))
    assert np.all(np.abs(got - expected) < 1.0)


def test_split_is_shuffled_partition_and_keeps_rows_together():
    X = np.arange(60.0).reshape(30, 2)
    y = np.repeat([0, 1, 2], 10)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_fraction=0.3, seed=0)
    assert len(X_te) == 9 and len(X_tr) == 21
    assert np.bincount(y_te).tolist() == [3, 3, 3]
    rows = np.vstack([X_tr, X_te])
    assert sorted(rows[:, 0].tolist()) == X[:, 0].tolist()
    # each row keeps its label (row i has label i // 10)
    for Xp, yp in ((X_tr, y_tr), (X_te, y_te)):
        assert np.array_equal((Xp[:, 0] // 2 // 10).astype(int), yp)
    assert not np.array_equal(y_te, np.sort(y_te))  # classes interleaved
    again = train_test_split(X, y, test_fraction=0.3, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_tr, X_te, y_tr, y_te)))


def test_inputs_not_mutated():
    X = np.random.default_rng(0).normal(size=(40, 3)) * 5 + 2
    y = np.repeat([0, 1], 20)
    X_copy, y_copy = X.copy(), y.copy()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, seed=0)
    Z_tr, Z_te = standardize(X_tr, X_te)
    assert np.array_equal(X, X_copy) and np.array_equal(y, y_copy)
    assert not np.shares_memory(Z_tr, X_tr) and not np.array_equal(Z_tr, X_tr)
    X_tr_copy = X_tr.copy()
    standardize(X_tr)
    assert np.array_equal(X_tr, X_tr_copy)
    oh = one_hot(y, 2)
    assert np.array_equal(y, y_copy) and oh.shape == (40, 2)


# ---------------------------------------------------------------- scaling


@pytest.mark.parametrize("name", ["iris", "digits", "moons"])
def test_standardised_train_statistics(name):
    d = load_dataset(name, seed=2)
    raw = load_dataset(name, seed=2, standardize=False)
    varying = raw.X_train.std(axis=0) > 0
    assert np.allclose(d.X_train.mean(axis=0), 0.0, atol=1e-10)
    assert np.allclose(d.X_train.std(axis=0)[varying], 1.0)
    assert np.all(d.X_train[:, ~varying] == 0.0)
    assert np.all(np.isfinite(d.X_test))
    # the test set is scaled with the training statistics, not its own
    mu, sd = raw.X_train.mean(axis=0), np.where(varying, raw.X_train.std(axis=0), 1.0)
    assert np.allclose(d.X_test, (raw.X_test - mu) / sd)


def test_digits_constant_pixels_do_not_blow_up():
    d = load_dataset("digits", seed=0)
    assert np.isfinite(d.X_train).all() and np.isfinite(d.X_test).all()
    assert (d.X_train.std(axis=0) == 0).sum() >= 3


def test_standardize_constant_column():
    (Z,) = standardize(np.array([[2.0, 7.0], [4.0, 7.0], [6.0, 7.0]]))
    assert np.allclose(Z[:, 1], 0.0)
    assert np.allclose(Z[:, 0], np.array([-1.0, 0.0, 1.0]) / np.sqrt(2.0 / 3.0))


def test_one_hot():
    oh = one_hot([2, 0, 1, 2], 4)
    assert oh.dtype == np.float64 and oh.shape == (4, 4)
    assert oh.argmax(axis=1).tolist() == [2, 0, 1, 2]
    assert oh.sum(axis=1).tolist() == [1.0] * 4 and oh[:, 3].sum() == 0
    with pytest.raises(ValueError):
        one_hot([0, 3], 3)


# ---------------------------------------------------------------- errors and repr


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as exc:
        load_dataset("mnist")
    msg = str(exc.value)
    assert "mnist" in msg
    for name in DATASETS:
        assert name in msg


def test_unknown_kwarg_named_with_accepted_ones():
    with pytest.raises((TypeError, ValueError)) as exc:
        load_dataset("moons", nosie=0.1)
    msg = str(exc.value)
    assert "nosie" in msg and "noise" in msg and "n" in msg
    with pytest.raises((TypeError, ValueError), match="factor"):
        load_dataset("iris", factor=0.5)
    with pytest.raises((TypeError, ValueError)) as exc:
        load_dataset("circles", turns=2)
    assert "turns" in str(exc.value) and "factor" in str(exc.value)


@pytest.mark.parametrize("frac", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_bad_test_fraction(frac):
    with pytest.raises(ValueError, match="test_fraction"):
        load_dataset("xor", test_fraction=frac)


def test_bad_generator_arguments():
    with pytest.raises(ValueError, match="noise"):
        moons(noise=-1.0)
    with pytest.raises(TypeError):
        xor(n=10.5)
    with pytest.raises(ValueError):
        spirals(n_classes=1)


def test_dataset_repr_and_frozen():
    d = load_dataset("moons", noise=0.1, seed=0)
    text = repr(d)
    assert "moons" in text and "(300, 2)" in text and "(100, 2)" in text and "2" in text
    assert len(text) < 120 and "[" not in text  # no array dump
    with pytest.raises(AttributeError):
        d.name = "other"
    assert isinstance(d, Dataset)
