"""Small offline classification datasets for the neural-network experiments.

Four seeded 2-D generators (xor, moons, circles, spirals), two real datasets
shipped with the package (Iris, 8x8 digits), a stratified train/test split,
train-statistics standardisation and one-hot encoding; numpy only.
"""

from __future__ import annotations

import inspect
import math
import operator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

__all__ = [
    "DATASETS",
    "Dataset",
    "circles",
    "digits",
    "iris",
    "load_dataset",
    "moons",
    "one_hot",
    "spirals",
    "standardize",
    "train_test_split",
    "xor",
]

DATASETS: tuple[str, ...] = ("xor", "moons", "circles", "spirals", "iris", "digits")

_DATA_DIR = Path(__file__).resolve().parent / "data"


# --------------------------------------------------------------------------
# Dataset container
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A train/test split: ``X_*`` float64 ``(n, d)``, ``y_*`` int64 ``(n,)`` in ``0..k-1``.

    >>> d = load_dataset("moons", seed=0)
    >>> d.n_features, d.n_classes
    (2, 2)
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __post_init__(self) -> None:
        X_train, X_test = _as_features(self.X_train, "X_train"), _as_features(self.X_test, "X_test")
        y_train = _as_labels(self.y_train, "y_train")
        y_test = _as_labels(self.y_test, "y_test")
        if X_train.ndim != 2 or X_test.ndim != 2:
            raise ValueError(f"X_train and X_test must be 2-D, got shapes {X_train.shape} and {X_test.shape}")
        if X_train.shape[1] != X_test.shape[1]:
            raise ValueError(f"X_train has {X_train.shape[1]} features but X_test has {X_test.shape[1]}")
        if len(y_train) != len(X_train) or len(y_test) != len(X_test):
            raise ValueError(
                f"label/sample count mismatch: X_train {X_train.shape} vs y_train "
                f"{y_train.shape}, X_test {X_test.shape} vs y_test {y_test.shape}"
            )
        object.__setattr__(self, "X_train", X_train)
        object.__setattr__(self, "X_test", X_test)
        object.__setattr__(self, "y_train", y_train)
        object.__setattr__(self, "y_test", y_test)

    @property
    def n_features(self) -> int:
        """Number of input features ``d``."""
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes ``k`` (labels are ``0..k-1``)."""
        top = -1
        for y in (self.y_train, self.y_test):
            if y.size:
                top = max(top, int(y.max()))
        return top + 1

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, train={self.X_train.shape}, "
            f"test={self.X_test.shape}, n_classes={self.n_classes})"
        )


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _as_features(X, what: str) -> np.ndarray:
    """X as float64: complex features lost their imaginary parts (NumPy's ComplexWarning), strings were parsed."""
    kind = np.asarray(X).dtype.kind
    if kind not in "biufO":
        raise ValueError(f"{what} must hold real numbers, got dtype {np.asarray(X).dtype}")
    try:
        return np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must hold real numbers, got an object array that is not") from None


def _as_labels(y, what: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {y.shape}")
    if y.dtype == np.bool_ or not np.issubdtype(y.dtype, np.integer):
        if y.size and (not np.issubdtype(y.dtype, np.number) or not np.all(np.isfinite(y)) or np.any(y != np.round(y))):
            raise ValueError(f"{what} must hold integer class labels, got dtype {y.dtype}")
    y = y.astype(np.int64, copy=False)
    if y.size and y.min() < 0:
        raise ValueError(f"{what} must hold labels >= 0, got {int(y.min())}")
    return y


def _count(n, minimum: int, what: str = "n") -> int:
    if isinstance(n, bool):
        raise TypeError(f"{what} must be an integer, got {n!r}")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{what} must be an integer, got {n!r}") from None
    if n < minimum:
        raise ValueError(f"{what} must be >= {minimum}, got {n}")
    return n


def _nonneg(x, what: str) -> float:
    if isinstance(x, (bool, np.bool_)):  # (noise=True was noise 1.0)
        raise TypeError(f"{what} must be a finite number >= 0, got {x!r}")
    if not isinstance(x, (int, float, np.integer, np.floating)):  # ("a" was float's "could not convert string")
        raise TypeError(f"{what} must be a finite number >= 0, got {type(x).__name__} {x!r}")
    x = float(x)
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {x!r}")
    return x


def _split_counts(n: int, parts: int) -> list[int]:
    """``n`` items over ``parts`` groups as evenly as possible (first ones get the extra)."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def _shuffled(rng: np.random.Generator, X: np.ndarray, y: np.ndarray):
    perm = rng.permutation(len(y))
    return np.ascontiguousarray(X[perm], dtype=np.float64), y[perm].astype(np.int64)


# --------------------------------------------------------------------------
# Generators: each returns (X float64 (n, 2), y int64 (n,)), shuffled
# --------------------------------------------------------------------------


def xor(n: int = 400, noise: float = 0.25, seed: int | None = 0):
    """XOR: ``n`` Gaussian points around the 4 corners (±1, ±1); label = sign(x) xor sign(y) of the corner.

    Returns ``X`` float64 ``(n, 2)`` and ``y`` int64 ``(n,)``; ``noise`` is the
    per-coordinate standard deviation.

    >>> X, y = xor(n=8, noise=0.0, seed=0)
    >>> bool(np.all(y == (np.sign(X[:, 0]) != np.sign(X[:, 1]))))
    True
    """
    n = _count(n, 4)
    noise = _nonneg(noise, "noise")
    rng = np.random.default_rng(seed)
    corners = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    labels = np.array([0, 1, 0, 1], dtype=np.int64)
    counts = _split_counts(n, 4)
    X = np.repeat(corners, counts, axis=0)
    y = np.repeat(labels, counts)
    X = X + rng.normal(scale=noise, size=X.shape)
    return _shuffled(rng, X, y)


def moons(n: int = 400, noise: float = 0.1, seed: int | None = 0):
    """Two interleaving half circles (the geometry of scikit-learn's ``make_moons``).

    Class 0 (``n // 2`` points): upper unit half circle centred (0, 0).
    Class 1 (the rest): lower unit half circle centred (1, 0.5).
    Gaussian ``noise`` (std) is added to every coordinate.
    Returns ``X`` float64 ``(n, 2)`` and ``y`` int64 ``(n,)``.

    >>> X, y = moons(n=10, noise=0.0, seed=0)
    >>> X.shape, int(y.sum())
    ((10, 2), 5)
    """
    n = _count(n, 2)
    noise = _nonneg(noise, "noise")
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    outer = np.column_stack([np.cos(t_out), np.sin(t_out)])
    inner = np.column_stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)])
    X = np.vstack([outer, inner])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    X = X + rng.normal(scale=noise, size=X.shape)
    return _shuffled(rng, X, y)


def circles(n: int = 400, noise: float = 0.05, seed: int | None = 0, factor: float = 0.5):
    """Two concentric circles (like scikit-learn's ``make_circles``).

    Class 0 (``n // 2`` points): unit circle; class 1 (the rest): circle of
    radius ``factor`` (0 <= factor < 1). Gaussian ``noise`` (std) on every coordinate.
    Returns ``X`` float64 ``(n, 2)`` and ``y`` int64 ``(n,)``.

    >>> X, y = circles(n=8, noise=0.0, seed=0, factor=0.5)
    >>> sorted(set(np.round(np.hypot(X[:, 0], X[:, 1]), 6).tolist()))
    [0.5, 1.0]
    """
    n = _count(n, 2)
    noise = _nonneg(noise, "noise")
    factor = float(factor)
    if not 0.0 <= factor < 1.0:
        raise ValueError(f"factor must be in [0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0.0, 2.0 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2.0 * np.pi, n_in, endpoint=False)
    outer = np.column_stack([np.cos(t_out), np.sin(t_out)])
    inner = factor * np.column_stack([np.cos(t_in), np.sin(t_in)])
    X = np.vstack([outer, inner])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    X = X + rng.normal(scale=noise, size=X.shape)
    return _shuffled(rng, X, y)


def spirals(
    n: int = 400,
    noise: float = 0.05,
    seed: int | None = 0,
    n_classes: int = 2,
    turns: float = 1.5,
):
    """``n_classes`` interleaved spiral arms, one class per arm, ``n`` points in total.

    Arm ``j`` is ``r * (cos θ, sin θ)`` with ``r`` from 0.1 to 1 and
    ``θ = 2π (turns * (r - 0.1) / 0.9 + j / n_classes)``; Gaussian ``noise`` (std)
    on every coordinate. Returns ``X`` float64 ``(n, 2)`` and ``y`` int64 ``(n,)``.

    >>> X, y = spirals(n=300, n_classes=3, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    n_classes = _count(n_classes, 2, "n_classes")
    n = _count(n, n_classes)
    noise = _nonneg(noise, "noise")
    turns = float(turns)
    if not math.isfinite(turns) or turns <= 0:
        raise ValueError(f"turns must be a finite number > 0, got {turns!r}")
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for j, m in enumerate(_split_counts(n, n_classes)):
        r = np.linspace(0.1, 1.0, m)
        theta = 2.0 * np.pi * (turns * (r - 0.1) / 0.9 + j / n_classes)
        parts.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
        labels.append(np.full(m, j, dtype=np.int64))
    X = np.vstack(parts)
    y = np.concatenate(labels)
    X = X + rng.normal(scale=noise, size=X.shape)
    return _shuffled(rng, X, y)


# --------------------------------------------------------------------------
# Shipped real datasets (exported once from scikit-learn's bundled UCI copies)
# --------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _load_npz(name: str) -> dict[str, np.ndarray]:
    path = _DATA_DIR / f"{name}.npz"
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    for a in arrays.values():
        a.setflags(write=False)  # the cache is shared: callers get copies
    return arrays


def iris():
    """Fisher's Iris: ``X`` float64 ``(150, 4)`` in cm, ``y`` int64 ``(150,)``, 3 classes of 50.

    Features: sepal length, sepal width, petal length, petal width.

    >>> X, y = iris()
    >>> X.shape, X[0].tolist(), np.bincount(y).tolist()
    ((150, 4), [5.1, 3.5, 1.4, 0.2], [50, 50, 50])
    """
    a = _load_npz("iris")
    # stored as uint8 tenths of a cm; k / 10 is the correctly rounded double of "k/10"
    X = a["X_tenths"].astype(np.float64) / 10.0
    return X, a["y"].astype(np.int64)


def digits():
    """8x8 handwritten digits: ``X`` float64 ``(1797, 64)`` with values 0..16, ``y`` int64 ``(1797,)``, 10 classes.

    Row ``i`` is the 8x8 image ``X[i].reshape(8, 8)`` in row-major order.

    >>> X, y = digits()
    >>> X.shape, int(X.min()), int(X.max()), len(np.unique(y))
    ((1797, 64), 0, 16, 10)
    """
    a = _load_npz("digits")
    return a["X"].astype(np.float64), a["y"].astype(np.int64)


_SOURCES: dict[str, Callable] = {
    "xor": xor,
    "moons": moons,
    "circles": circles,
    "spirals": spirals,
    "iris": iris,
    "digits": digits,
}


# --------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------


def _check_fraction(test_fraction) -> float:
    try:
        f = float(test_fraction)
    except (TypeError, ValueError):
        raise ValueError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}") from None
    if not (0.0 < f < 1.0):
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    return f


def train_test_split(X, y, test_fraction: float = 0.25, seed: int | None = 0):
    """Stratified shuffled split of ``X (n, d)``, ``y (n,)`` into ``(X_train, X_test, y_train, y_test)``.

    The test set has ``ceil(test_fraction * n)`` rows; each class contributes its
    proportional share, rounded so it is within one sample of exact. Both parts
    are shuffled with ``numpy.random.default_rng(seed)``. Inputs are not modified.

    >>> X = np.arange(20.0).reshape(10, 2); y = np.array([0] * 6 + [1] * 4)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_fraction=0.5, seed=0)
    >>> X_tr.shape, X_te.shape, np.bincount(y_te).tolist()
    ((5, 2), (5, 2), [3, 2])
    """
    f = _check_fraction(test_fraction)
    X = np.asarray(X)
    y = _as_labels(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n, d), got shape {X.shape}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    n = len(y)
    n_test = math.ceil(round(f * n, 9))
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_fraction={test_fraction!r} of n={n} samples gives {n_test} test samples; "
            "need at least one sample in each of train and test"
        )
    classes, y_idx = np.unique(y, return_inverse=True)
    counts = np.bincount(y_idx, minlength=len(classes))
    exact = counts * n_test / n
    take = np.floor(exact).astype(np.int64)
    short = n_test - int(take.sum())
    if short > 0:  # largest remainders first; ties go to the lower class label
        order = np.argsort(-(exact - take), kind="stable")
        take[order[:short]] += 1
    rng = np.random.default_rng(seed)
    test_parts, train_parts = [], []
    for c, k in enumerate(take):
        members = rng.permutation(np.flatnonzero(y_idx == c))
        test_parts.append(members[:k])
        train_parts.append(members[k:])
    test_idx = rng.permutation(np.concatenate(test_parts))
    train_idx = rng.permutation(np.concatenate(train_parts))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def standardize(X_train, *others):
    """Scale by the mean and std of ``X_train (n, d)``; returns a tuple of float64 arrays.

    ``X_train`` and every array in ``others`` (each ``(m, d)``) are shifted by the
    column means of ``X_train`` and divided by its column stds; a column that is
    constant in ``X_train`` (std 0) is only centred (divided by 1). Inputs are
    not modified.

    >>> X_tr, X_te = standardize(np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[2.0, 6.0]]))
    >>> X_tr.tolist(), X_te.tolist()
    ([[-1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0]])
    """
    X_train = np.asarray(X_train, dtype=np.float64)
    if X_train.ndim != 2 or len(X_train) == 0:
        raise ValueError(f"X_train must be a non-empty 2-D array, got shape {X_train.shape}")
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    constant = np.ptp(X_train, axis=0) == 0
    std = np.where(constant | (std == 0), 1.0, std)
    out = []
    for i, A in enumerate((X_train, *others)):
        A = np.asarray(A, dtype=np.float64)
        if A.ndim != 2 or A.shape[1] != X_train.shape[1]:
            raise ValueError(f"array {i} must have shape (m, {X_train.shape[1]}), got {A.shape}")
        out.append((A - mean) / std)
    return tuple(out)


_standardize = standardize  # load_dataset's keyword argument shadows the name


def one_hot(x, num_classes: int, *, dtype=None, axis: int = -1) -> np.ndarray:
    """One-hot encode integer labels ``x`` (any shape) in ``0..num_classes-1``, as ``jax.nn.one_hot``: the result
    has x's shape with a ``num_classes`` axis inserted at ``axis`` (last by default), ``dtype`` float64 unless given.
    A label outside the range is refused (jax.nn.one_hot gives it a row of zeros silently).

    >>> one_hot(np.array([0, 2, 1]), 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    num_classes = _count(num_classes, 1, "num_classes")
    shape = np.shape(x)
    labels = _as_labels(np.reshape(x, -1), "x").reshape(shape)  # (its checks read one axis)
    if labels.size and (labels.max() >= num_classes):
        raise ValueError(f"label {int(labels.max())} out of range for num_classes={num_classes}")
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):  # ("a": "'<=' not supported")
        raise TypeError(f"one_hot: axis must be an int, got {axis!r}")
    if not -labels.ndim - 1 <= axis <= labels.ndim:
        raise ValueError(f"one_hot: axis {axis} is out of range for labels of shape {labels.shape} (one axis is added)")
    out = (labels[..., None] == np.arange(num_classes)).astype(np.float64 if dtype is None else dtype)
    return np.moveaxis(out, -1, axis)


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def load_dataset(
    name: str,
    *,
    test_fraction: float = 0.25,
    seed: int | None = 0,
    standardize: bool = True,
    **kwargs,
) -> Dataset:
    """Load ``name`` (one of :data:`DATASETS`) as a stratified, optionally standardised :class:`Dataset`.

    ``kwargs`` go to the generator (``n``, ``noise``, ``factor``, ``n_classes``,
    ``turns``); ``seed`` drives both generation and the split. With
    ``standardize=True`` features are scaled by training-set mean/std only.
    Shapes: ``X_train (n_train, d)``, ``X_test (n_test, d)`` with
    ``n_test = ceil(test_fraction * n)``.

    >>> load_dataset("xor", seed=0).X_train.shape
    (300, 2)
    >>> load_dataset("digits")
    Dataset(name='digits', train=(1347, 64), test=(450, 64), n_classes=10)
    """
    if not isinstance(name, str) or name.lower() not in _SOURCES:
        raise ValueError(f"unknown dataset {name!r}; valid names are: {', '.join(DATASETS)}")
    name = name.lower()
    f = _check_fraction(test_fraction)
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0):
        # (seed="a" was NumPy's "SeedSequence expects int or sequence of ints for entropy not a")
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    if not isinstance(standardize, (bool, np.bool_)):  # ("no" was truthy: standardised)
        raise TypeError(f"standardize must be True or False, got {standardize!r}")
    source = _SOURCES[name]
    accepted = [p for p in inspect.signature(source).parameters if p != "seed"]
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        allowed = ", ".join(accepted) if accepted else "none (it is a fixed dataset)"
        raise TypeError(
            f"unknown option(s) {', '.join(map(repr, unknown))} for dataset {name!r}; accepted options: {allowed}"
        )
    if "seed" in inspect.signature(source).parameters:
        X, y = source(seed=seed, **kwargs)
    else:
        X, y = source(**kwargs)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=f, seed=seed)
    if standardize:
        X_train, X_test = _standardize(X_train, X_test)
    return Dataset(name, X_train, y_train, X_test, y_test)
