"""A functional multilayer perceptron: `MLP(sizes, activation)` holds only the architecture.

Parameters live in a dict pytree made by `init(seed)`; the forward pass `model(params, X)` is
written with difflab.numpy, so every method can differentiate it; `model.loss(name)` gives the
training loss as a function of (params, X, Y) that says it is a mean over examples.
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from .. import numpy as dnp
from .losses import LOSSES, _shape_of

__all__ = ["MLP", "BatchLoss", "ACTIVATIONS"]


def _identity(x):
    return x


ACTIVATIONS = {
    "tanh": dnp.tanh,
    "sigmoid": dnp.sigmoid,
    "relu": dnp.relu,
    "identity": _identity,
}


_SHAPE = operator.attrgetter("shape")


def _activation(name, what):
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown {what} {name!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}")
    return name


@functools.lru_cache(maxsize=64)
def _plan(sizes: tuple, activation: str, output: str) -> tuple:
    """The forward pass's layers, (W name, b name, activation name) each, the parameters' names and their shapes as
    `init` makes them, once per architecture (`MLP.__call__` formatted the names on every call, which a fresh
    gradient per call traces; not kept on the model, whose attributes a cached trace checks per call: compile.reads).

    >>> _plan((2, 3, 1), "tanh", "identity")[1:]
    (('W0', 'b0', 'W1', 'b1'), [(2, 3), (3,), (3, 1), (1,)])
    """
    layers = tuple((f"W{l}", f"b{l}", activation if l < len(sizes) - 2 else output) for l in range(len(sizes) - 1))
    names = tuple(n for w, b, _ in layers for n in (w, b))
    shapes = [s for a, b in zip(sizes[:-1], sizes[1:]) for s in ((a, b), (b,))]
    return layers, names, shapes


class MLP:
    """Dense layers `h ← act(h @ W_l + b_l)`; the last layer uses `output` (identity: logits).

    `sizes` = [inputs, hidden..., outputs]. Shapes: `params["W{l}"]` (sizes[l], sizes[l+1]),
    `params["b{l}"]` (sizes[l+1],); `model(params, X)` maps X (N, sizes[0]) to (N, sizes[-1]).

    >>> model = MLP([2, 3, 1], activation="tanh")
    >>> params = model.init(seed=0)
    >>> sorted((k, v.shape) for k, v in params.items())
    [('W0', (2, 3)), ('W1', (3, 1)), ('b0', (3,)), ('b1', (1,))]
    >>> model(params, np.zeros((5, 2))).shape
    (5, 1)
    """

    def __init__(self, sizes, activation: str = "tanh", output: str = "identity"):
        given = list(sizes)
        # whole numbers only (int(1.5) made a width of 1 without a word; int("a") raised int's own error);
        # 16.0 is 16 (a JSON config's number)
        number = (int, float, np.integer, np.floating)
        whole = all(isinstance(s, number) and not isinstance(s, bool) and np.isfinite(s) and s == int(s) for s in given)
        if not whole or len(given) < 2 or min(given) < 1:
            raise ValueError(f"sizes must list at least two positive whole layer widths, got {given}")
        sizes = [int(s) for s in given]
        self.sizes = sizes
        self.activation = _activation(activation, "activation")
        self.output = _activation(output, "output activation")

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return sum((a + 1) * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def init(self, seed: int | None = 0) -> dict:
        """Fresh parameters: Glorot-normal weights (He-normal for relu) and zero biases (seed None: fresh entropy).

        Layer l draws from its own stream, `SeedSequence(seed).spawn(n_layers)[l]`, so changing one
        layer's width leaves the other layers' draws unchanged.
        Shapes: as in the class docstring; all float64.

        >>> MLP([4, 2]).init(seed=1)["b0"]
        array([0., 0.])
        """
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0):
            # (was NumPy's "expected non-negative integer", "SeedSequence expects int or sequence of ints"; None is
            # NumPy's fresh entropy, as train(seed=None) documents)
            raise ValueError(f"seed must be an int >= 0 or None, got {seed!r}")
        params = {}
        streams = np.random.SeedSequence(seed).spawn(self.n_layers)
        for l, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            # relu halves the variance it passes on, so He doubles it back; tanh/sigmoid use Glorot
            var = 2.0 / fan_in if self.activation == "relu" else 2.0 / (fan_in + fan_out)
            params[f"W{l}"] = np.random.default_rng(streams[l]).normal(0.0, np.sqrt(var), (fan_in, fan_out))
            params[f"b{l}"] = np.zeros(fan_out)
        return params

    def __call__(self, params: dict, X):
        sizes = self.sizes
        if _shape_of(X)[-1:] != (sizes[0],):  # (was matmul's "mismatch in its core dimension 0, with gufunc ...")
            raise ValueError(f"{self!r} takes X of shape (N, {sizes[0]}), got shape {np.shape(X)}")
        layers, names, shapes = _plan(tuple(sizes), self.activation, self.output)
        # the shapes `init` makes, compared at once (C loops); `_check_params` names the one that differs. By `get`:
        # a defaultdict's [] would insert a missing parameter into the caller's dict (DESIGN.md §6)
        try:
            ok = isinstance(params, dict) and list(map(_SHAPE, map(params.get, names))) == shapes
        except AttributeError:  # (a missing one's None, or a leaf without a shape)
            ok = False
        if not ok:
            self._check_params(params)
        h = X
        for w, b, act in layers:
            fn, h = ACTIVATIONS[act], dnp.matmul(h, params[w]) + params[b]
            h = h if fn is _identity else fn(h)  # (the logits' identity: no call)
        return h

    def _check_params(self, params):
        """params as `init` makes them: a dict of W{l} (sizes[l], sizes[l+1]) and b{l} (sizes[l+1],). (A missing one
        was Python's KeyError 'W0', a wrong shape matmul's "mismatch in its core dimension 0, with gufunc ...")"""
        if not isinstance(params, dict):
            raise TypeError(f"{self!r} takes params as the dict model.init(seed) returns, got {type(params).__name__}")
        for l, (a, b) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            for name, shape in ((f"W{l}", (a, b)), (f"b{l}", (b,))):
                if name not in params:
                    raise ValueError(
                        f"{self!r}: params has no {name!r} (of shape {shape}); model.init(seed) makes them"
                    )
                # .shape first: np.shape of a traced value goes through NumPy's dispatch (~5 calls), per call of the loss
                got = getattr(params[name], "shape", None)
                if got is None:
                    got = np.shape(params[name])
                if tuple(got) != shape:
                    raise ValueError(f"{self!r}: params[{name!r}] has shape {tuple(got)}, expected {shape}")

    def predict(self, params: dict, X) -> np.ndarray:
        """Class labels: the argmax of the outputs. Shapes: X (N, sizes[0]) → int (N,).

        >>> MLP([2, 2]).predict({"W0": np.eye(2), "b0": np.zeros(2)}, np.array([[0.0, 1.0]]))
        array([1])
        """
        if np.ndim(X) != 2:  # (was NumPy's AxisError from the argmax)
            raise ValueError(f"predict takes a batch X of shape (N, {self.sizes[0]}), got shape {np.shape(X)}")
        return np.argmax(np.asarray(self(params, np.asarray(X, dtype=float))), axis=1)

    def loss(self, name: str = "cross_entropy") -> "BatchLoss":
        """The training loss `loss_fn(params, X, Y)` for `name` in LOSSES ("cross_entropy", "mse").

        Y is float: one-hot rows (N, k) for classification, targets for regression.

        >>> model = MLP([2, 2])
        >>> loss_fn = model.loss("mse")
        >>> loss_fn.batch_argnums, loss_fn.__name__
        ((1, 2), 'mlp_mse')
        """
        return BatchLoss(self, name)

    def __repr__(self):
        return f"MLP({self.sizes}, activation={self.activation!r}, output={self.output!r})"


class BatchLoss:
    """`loss(model(params, X), Y)`: a mean over the examples (rows) of X and Y.

    `batch_argnums = (1, 2)` says so: the symbolic method then differentiates it for one example
    and evaluates the derivative vectorised over the batch, so its expression does not grow with N.
    Shapes: params pytree, X (N, d), Y (N, k) float → scalar.

    >>> model = MLP([2, 2])
    >>> loss_fn = BatchLoss(model, "cross_entropy")
    >>> round(float(loss_fn(model.init(0), np.zeros((4, 2)), np.eye(2)[[0, 1, 0, 1]])), 6)
    0.693147
    """

    batch_argnums = (1, 2)

    def __init__(self, model: MLP, name: str):
        if name not in LOSSES:
            raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(map(repr, LOSSES))}")
        self.model, self.name = model, name
        self.__name__ = f"mlp_{name}"

    def __call__(self, params, X, Y):
        return LOSSES[self.name](self.model(params, X), Y)

    def __repr__(self):
        return f"<BatchLoss {self.name} of {self.model!r}>"
