"""`train(model, data, method=...)`: minibatch training with any differentiator, and its `History`.

Preparation (tracing, compiling, lambdifying) is run first and timed apart from the steps; every
step's gradient is timed and its cost counted (function evaluations, equations executed). A time
budget stops training cleanly; a non-finite loss stops it with `NonFiniteLossError`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..api import value_and_grad
from ..differentiators import get_method
from ..errors import DifflabError
from ..graph import Cost, charging
from .datasets import one_hot
from .losses import LOSSES, accuracy
from .optimizers import Adam

__all__ = ["train", "History", "NonFiniteLossError"]


class NonFiniteLossError(DifflabError, ArithmeticError):
    """The training loss became NaN or infinite; names the step, the epoch and the method.

    Attributes: `loss`, `step` (1-based, counted over the whole run), `epoch` (1-based), `method`
    and `history` (what was recorded before that step, with status "non_finite_loss").
    """

    def __init__(self, loss: float, step: int, epoch: int, method: str, history: "History"):
        self.loss, self.step, self.epoch, self.method, self.history = loss, step, epoch, method, history
        super().__init__(
            f"non-finite training loss {loss} at step {step} (epoch {epoch}) with method "
            f"{method!r}; lower the learning rate or check the data for NaN/inf"
        )


@dataclass
class History:
    """What a training run recorded. Per-epoch lists hold one float per completed epoch.

    `grad_seconds[e]` is the mean wall time of one gradient in epoch e; `prepare_seconds` is kept
    apart (two warm-up calls at each batch shape: tracing or lambdifying, then the compiled tier's
    lowering, plus those gradients); `evals` counts the method's function evaluations and
    `eqns` the equations executed (`difflab.graph.Cost`; 0 for symbolic, whose lambdified
    code is not a tape) over the training steps. `status` is "completed" or "budget_exceeded": then
    `stopped_at` = {"epoch": epoch of the last step taken (0: none, stopped after preparation),
    "step": steps taken}, an interrupted epoch is not recorded, and `reason` says why. `params` are
    the parameters after the last step taken.

    >>> h = History(method="reverse")
    >>> h.to_dict()["status"], h.epochs_completed
    ('completed', 0)
    """

    method: str
    config: dict = field(default_factory=dict)
    train_loss: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    grad_seconds: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    prepare_seconds: float = 0.0
    total_seconds: float = 0.0
    evals: int = 0
    eqns: int = 0
    steps: int = 0
    status: str = "completed"
    stopped_at: dict | None = None
    reason: str = ""

    @property
    def epochs_completed(self) -> int:
        return len(self.train_loss)

    def to_dict(self) -> dict:
        """Plain JSON-ready data (arrays become nested lists).

        >>> import json
        >>> json.dumps(History(method="forward", params={"b0": np.zeros(2)}).to_dict()["params"])
        '{"b0": [0.0, 0.0]}'
        """
        out = {k: v for k, v in vars(self).items() if k != "params"}
        out["params"] = {k: np.asarray(v).tolist() for k, v in self.params.items()}
        out["epochs_completed"] = self.epochs_completed
        return out


class _CountedGrad:
    """`value_and_grad(loss_fn)` made once, plus the cost it has run up (`cost`, charged by every
    call: the method's evaluations of the loss and the equations executed)."""

    def __init__(self, loss_fn, method):
        self.fn = value_and_grad(loss_fn, method=method)
        self.cost = Cost()

    def __call__(self, *args):
        with charging(self.cost):
            return self.fn(*args)


def _targets(y, loss: str, n_out: int):
    """(float targets for the loss, int labels for accuracy or None)."""
    y = np.asarray(y)
    if y.ndim == 1 and y.dtype.kind in "iu":
        return one_hot(y, n_out), y
    if loss == "cross_entropy":
        raise ValueError(f"cross_entropy needs integer class labels (N,), got {y.dtype} {y.shape}")
    return np.asarray(y, dtype=float), None


def _batches(n: int, batch_size: int | None, drop_last: bool) -> list:
    """Start/stop offsets of the minibatches of one epoch."""
    size = n if batch_size is None else min(batch_size, n)
    stop = n - n % size if drop_last else n
    return [(lo, min(lo + size, n)) for lo in range(0, stop, size)]


def train(
    model,
    data,
    *,
    method="reverse",
    optimizer=None,
    epochs: int = 100,
    batch_size: int | None = None,
    seed: int = 0,
    loss: str = "cross_entropy",
    time_budget: float | None = None,
    drop_last: bool = False,
    params: dict | None = None,
    log_every: int = 0,
) -> History:
    """Train `model` on `data` with gradients from `method`; returns a `History`.

    data: a Dataset (X (N, d) float, y (N,) int labels, one-hot encoded here, before the loss) or
    an object with float regression targets y (N, k) for loss="mse". Minibatches of `batch_size`
    (None: full batch) are reshuffled each epoch by `numpy.random.default_rng(seed)`. The last
    partial batch is kept unless `drop_last`: its shape costs one more preparation for forward and
    reverse (~15 and ~50 ms on the 2-16-16-2 moons net); symbolic prepares one example whatever the
    batch size. `params` default to `model.init(seed)`, `optimizer` to `Adam(lr=0.01)`.
    `time_budget` (seconds, counting preparation) is checked right after preparation (which cannot
    be interrupted) and after every step; once exceeded, training stops cleanly: status
    "budget_exceeded", the completed epochs kept. A NaN or infinite loss raises
    `NonFiniteLossError`. An empty test set records NaN test loss and accuracy. Shapes: see `History`.

    >>> from difflab import nn
    >>> data = nn.load_dataset("xor", n=40, seed=0)
    >>> h = train(nn.MLP([2, 4, 2]), data, epochs=3, batch_size=10)
    >>> h.status, len(h.train_loss), h.steps, h.evals
    ('completed', 3, 9, 9)
    """
    start = time.perf_counter()
    _check_arguments(model, data, epochs, batch_size, time_budget, optimizer, seed, log_every, drop_last)
    differentiator = get_method(method)
    optimizer = Adam(lr=0.01) if optimizer is None else optimizer
    loss_fn = model.loss(loss)
    X_train, X_test = np.asarray(data.X_train, dtype=float), np.asarray(data.X_test, dtype=float)
    Y_train, labels_train = _targets(data.y_train, loss, model.sizes[-1])
    Y_test, labels_test = _targets(data.y_test, loss, model.sizes[-1])
    params = model.init(seed) if params is None else params
    model._check_params(params)  # (a list was "argument 0 (leaf 0) has dtype int64" from the first gradient)
    batches = _batches(len(X_train), batch_size, drop_last)
    history = History(
        method=differentiator.name,
        config={
            "model": repr(model),
            "data": getattr(data, "name", type(data).__name__),
            "method": repr(differentiator),
            "optimizer": repr(optimizer),
            "loss": loss,
            "epochs": int(epochs),
            "batch_size": batch_size,
            "drop_last": drop_last,
            "seed": seed,
            "time_budget": time_budget,
            "n_params": model.n_params,
            "steps_per_epoch": len(batches),
        },
    )

    # Preparation: the first call at each batch shape traces (lambdifies for symbolic), the second lowers the
    # compiled tier's sweeps; their gradients are discarded, so that every training step is timed at its steady cost.
    t0 = time.perf_counter()
    grad_fn = _CountedGrad(loss_fn, differentiator)
    _prepare(grad_fn, params, X_train, Y_train, batches)
    history.prepare_seconds = time.perf_counter() - t0
    prepared_cost = grad_fn.cost.copy()
    train_set, test_set = (X_train, Y_train, labels_train), (X_test, Y_test, labels_test)
    params, stop = _steps(
        history,
        model,
        grad_fn,
        optimizer,
        params,
        train_set,
        test_set,
        batches,
        epochs=epochs,
        seed=seed,
        loss=loss,
        start=start,
        time_budget=time_budget,
        log_every=log_every,
    )
    history.params = params
    cost = grad_fn.cost - prepared_cost
    history.evals, history.eqns = cost.evals, cost.eqns
    history.total_seconds = time.perf_counter() - start
    if stop:
        history.reason = _budget_reason(history, differentiator.name, time_budget, epochs)
    return history


#: calls per batch shape in preparation: the compiled tier lowers reverse's and forward's sweeps at their second call
#: (`Tier(after=2)`), as `dl.compare`'s warm-up knows; one call left that compilation in the first training epoch
#: (reverse on iris: epoch 1's mean gradient 2.4 ms, later epochs 0.05 ms, and its preparation read 0.9 ms)
WARM_CALLS = 2


def _prepare(grad_fn, params, X, Y, batches):
    for size in sorted({hi - lo for lo, hi in batches}, reverse=True):  # each batch shape, twice in a row
        for _ in range(WARM_CALLS):
            grad_fn(params, X[:size], Y[:size])


def _budget_reason(history, name, time_budget, epochs):
    where = "in preparation" if history.steps == 0 else f"after step {history.steps}"
    return (
        f"{name} stopped {where}: {history.total_seconds:.3g} s elapsed "
        f"(preparation {history.prepare_seconds:.3g} s) exceeds the time budget of "
        f"{time_budget:g} s; {history.epochs_completed} of {epochs} epochs completed"
    )


def _whole(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_arguments(
    model, data, epochs, batch_size, time_budget, optimizer=None, seed=0, log_every=0, drop_last=False
):
    # (each was Python's or NumPy's error from inside the loop: "'tuple' object has no attribute 'X_train'",
    # "'str' object has no attribute 'init'", "expected non-negative integer")
    if not all(hasattr(data, k) for k in ("X_train", "y_train", "X_test", "y_test")):
        raise TypeError(
            f"data must be a difflab.nn.Dataset (nn.load_dataset(name), or nn.Dataset(name, X_train, y_train, "
            f"X_test, y_test) for arrays of your own), got {type(data).__name__}"
        )
    if isinstance(optimizer, type):  # (optimizer=nn.SGD: "SGD.init() missing 1 required positional argument")
        raise TypeError(
            f"optimizer must be an optimizer object, got the class {optimizer.__name__}: make one, such as "
            f"{optimizer.__name__}(lr=0.01)"
        )
    if optimizer is not None and not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError(
            f"optimizer must be an optimizer object such as difflab.nn.Adam(lr=0.01), SGD or Momentum, got "
            f"{type(optimizer).__name__} {optimizer!r}"
        )
    if not isinstance(drop_last, (bool, np.bool_)):  # ("no" was True: the last partial batch dropped)
        raise TypeError(f"drop_last must be True or False, got {drop_last!r}")
    if seed is not None and (not _whole(seed) or seed < 0):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    if not _whole(log_every) or log_every < 0:
        raise ValueError(f"log_every must be an int >= 0 (0: no progress lines), got {log_every!r}")
    if not _whole(epochs) or epochs < 1:  # (True was 1 epoch)
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if batch_size is not None and (not _whole(batch_size) or batch_size < 1):  # (True was batches of 1)
        raise ValueError(f"batch_size must be a positive int or None (full batch), got {batch_size!r}")
    number = isinstance(time_budget, (int, float, np.integer, np.floating)) and not isinstance(time_budget, bool)
    if time_budget is not None and not (number and time_budget > 0):  # ("1": Python's "'>' not supported")
        raise ValueError(f"time_budget must be a number of seconds > 0 or None, got {time_budget!r}")
    if len(data.X_train) == 0:  # (was "range() arg 3 must not be zero" from the batching)
        raise ValueError(
            f"the data ({getattr(data, 'name', '')!s}) has no training examples: X_train has shape (0, ...)"
        )
    if np.ndim(data.X_train) != 2:  # (a list was "'list' object has no attribute 'shape'")
        raise ValueError(f"the data's X_train must be 2-D (N, {model.sizes[0]}), got shape {np.shape(data.X_train)}")
    if np.shape(data.X_train)[1] != model.sizes[0]:
        raise ValueError(
            f"the data has {np.shape(data.X_train)[1]} features but the model takes {model.sizes[0]} inputs"
        )
    _check_classes(model, data)


def _check_classes(model, data):
    """Integer labels 0..k-1 need k outputs: fewer was one_hot's "label 1 out of range for num_classes=1", more
    trained outputs no label names, whose argmax then counted as a wrong class in the accuracy."""
    labels = [np.asarray(y) for y in (data.y_train, data.y_test)]
    if not all(y.ndim == 1 and y.dtype.kind in "iu" for y in labels):
        return  # (float targets: the loss compares shapes)
    k = max((int(y.max()) + 1 for y in labels if y.size), default=0)
    if k and model.sizes[-1] != k:
        raise ValueError(
            f"the data's labels name {k} classes (0..{k - 1}) but {model!r} has {model.sizes[-1]} outputs; one "
            f"output per class: MLP([..., {k}])"
        )


def _steps(
    history,
    model,
    grad_fn,
    optimizer,
    params,
    train_set,
    test_set,
    batches,
    *,
    epochs,
    seed,
    loss,
    start,
    time_budget,
    log_every,
):
    """The training loop: `epochs` passes over shuffled minibatches, each step timed; an epoch
    whose every step was taken is recorded. Returns (params, stopped by the time budget)."""
    X_train, Y_train, _ = train_set
    name = history.method

    def over_budget(epoch):
        if time_budget is None or time.perf_counter() - start <= time_budget:
            return False
        history.status, history.stopped_at = "budget_exceeded", {"epoch": epoch, "step": history.steps}
        return True

    rng = np.random.default_rng(seed)
    state = optimizer.init(params)
    total_steps = epochs * len(batches)
    stop = over_budget(0)
    for epoch in range(1, epochs + 1):
        if stop:
            break
        order = rng.permutation(len(X_train))
        seconds = []
        for lo, hi in batches:
            idx = order[lo:hi]
            t0 = time.perf_counter()
            try:
                value, grads = grad_fn(params, X_train[idx], Y_train[idx])
                cause = None
            except FloatingPointError as err:  # a method may raise on the inf/NaN instead of returning it
                value, cause = float("nan"), err
            seconds.append(time.perf_counter() - t0)
            if not np.isfinite(value):
                history.status, history.params = "non_finite_loss", params
                raise NonFiniteLossError(value, history.steps + 1, epoch, name, history) from cause
            history.steps += 1
            history.step_loss.append(float(value))
            params, state = optimizer.update(params, grads, state)
            stop = history.steps < total_steps and over_budget(epoch)
            if stop:
                break
        if len(seconds) == len(batches):  # every step of the epoch was taken
            _record_epoch(history, model, params, loss, train_set, test_set, seconds)
            if log_every and epoch % log_every == 0:
                print(
                    f"[{name}] epoch {epoch}/{epochs}  train loss {history.train_loss[-1]:.6g}  "
                    f"test loss {history.test_loss[-1]:.6g}  test acc {_last(history.test_accuracy)}"
                )
    return params, stop


def _record_epoch(history, model, params, loss, train, test, seconds):
    with np.errstate(all="ignore"):  # a diverging run is reported by the next step's check
        for (X, Y, labels), losses, accs in (
            (train, history.train_loss, history.train_accuracy),
            (test, history.test_loss, history.test_accuracy),
        ):
            if len(X) == 0:  # an empty test set: no mean to report (was ZeroDivisionError from the loss), as accuracy
                losses.append(float("nan"))
                accs.extend([float("nan")] if labels is not None else [])
                continue
            out = model(params, X)
            losses.append(float(LOSSES[loss](out, Y)))
            if labels is not None:
                accs.append(accuracy(out, labels))
    history.grad_seconds.append(float(np.mean(seconds)))


def _last(values):
    return f"{values[-1]:.4f}" if values else "n/a"
