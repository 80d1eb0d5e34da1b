"""Losses as functions of predictions: `mse`, `softmax_cross_entropy` (differentiable, written with
difflab.numpy) and `accuracy` (plain NumPy, for reporting only).

Both differentiable losses are means over the examples of the first axis, which is what lets the
symbolic method differentiate them for one example (see `MLP.loss`).
"""

from __future__ import annotations

import numpy as np

from .. import numpy as dnp
from ..graph import Traced

__all__ = ["mse", "softmax_cross_entropy", "accuracy", "LOSSES"]


def _shape_of(x) -> tuple:
    """difflab.numpy's `shape`, without its wrapper's frame (which stacks lists of traced values: none here), read by
    the losses and `MLP` on every call, which a fresh gradient per call traces.

    >>> _shape_of(np.zeros((2, 3))), _shape_of([1.0, 2.0])
    ((2, 3), (2,))
    """
    return x.shape if isinstance(x, (np.ndarray, Traced)) else np.shape(x)


def _examples(pred, target) -> int:
    # each shape read once (a traced value's .shape is a Python property, dnp.shape a wrapper: 15 frames a call)
    shape = _shape_of(pred)
    if shape != _shape_of(target):
        raise ValueError(f"predictions of shape {shape} and targets of shape {_shape_of(target)} differ")
    if not shape:
        raise ValueError("a loss needs a leading axis of examples, got scalar predictions")
    if shape[0] == 0:  # (was Python's "float division by zero")
        raise ValueError(f"a loss is a mean over the examples, and predictions of shape {shape} have none")
    return shape[0]


def mse(pred, target):
    """Half the mean over examples of the squared error: C = 1/(2N) Σ_i ||y_i − ŷ_i||².

    This is the seeds' quadratic cost, ½·(1/N)·Σ over examples of the sum of squares over the
    remaining axes; the ½ makes its gradient the plain residual.
    Shapes: `pred` and `target` (N, ...) alike (float targets, e.g. one-hot (N, k)) → scalar.

    >>> float(mse(np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])))
    1.25
    """
    n = _examples(pred, target)
    r = pred - target
    return dnp.sum(r * r) * (0.5 / n)


def softmax_cross_entropy(logits, onehot):
    """Mean over examples of −Σ_k y_k · log softmax(logits)_k, computed stably with log-sum-exp.

    Shapes: `logits` (N, k) and `onehot` (N, k) float (rows summing to 1) → scalar.

    >>> round(float(softmax_cross_entropy(np.zeros((3, 4)), np.eye(4)[:3])), 9)  # log 4: uniform over 4 classes
    1.386294361
    """
    n = _examples(logits, onehot)
    return dnp.sum(onehot * dnp.log_softmax(logits, axis=-1)) * (-1.0 / n)


def accuracy(logits, labels) -> float:
    """Fraction of rows whose largest logit is at the integer label (plain NumPy, not differentiable).

    Shapes: `logits` (N, k), `labels` int (N,) → float in [0, 1].

    >>> accuracy(np.array([[2.0, 1.0], [0.0, 3.0], [5.0, 4.0]]), np.array([0, 1, 1]))
    0.6666666666666666
    """
    logits, labels = np.asarray(logits), np.asarray(labels)
    if logits.ndim == 2 and labels.shape == logits.shape[:1] == (0,):
        # (was a silent NaN; a fraction of no rows is undefined, as the losses' mean of none is refused)
        raise ValueError("accuracy is a fraction of the rows, and an empty set (logits of shape (0, k)) has none")
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"accuracy needs logits (N, k) and labels (N,), got {logits.shape} and {labels.shape}")
    # (a label outside 0..k-1, or 0.5, never matched an argmax: an accuracy of the others, silently; bools are 0 and 1)
    known = labels.dtype.kind in "biuf" and np.isin(labels, np.arange(logits.shape[1]))
    if not np.all(known):
        bad = labels[~known][0] if labels.dtype.kind in "biuf" else labels[0]
        raise ValueError(
            f"accuracy needs integer labels in 0..{logits.shape[1] - 1} (one per column of the logits), got "
            f"{bad.item()!r}"
        )
    return float(np.mean(np.argmax(logits, axis=1) == labels))


#: loss names accepted by `MLP.loss` and `train`
LOSSES = {"cross_entropy": softmax_cross_entropy, "mse": mse}
