"""Neural networks trained with any differentiator: MLP, losses, optimisers, datasets and `train`.

    from difflab import nn
    data = nn.load_dataset("moons", noise=0.1, seed=0)
    model = nn.MLP([2, 16, 16, 2], activation="tanh")
    history = nn.train(model, data, method="reverse", optimizer=nn.Adam(lr=0.01), epochs=200, batch_size=32)

`jax.nn`'s functions by JAX's names and signatures (relu, gelu, silu, softmax(x, axis=-1, where=None),
logsumexp(b=, return_sign=, where=), standardize, ...) live in `activations`; `one_hot` takes JAX's dtype= and axis=.

Imports NumPy only (no SymPy, no matplotlib).
"""

from . import activations
from .activations import *  # noqa: F403  (jax.nn's names: activations.__all__)
from .datasets import DATASETS, Dataset, load_dataset, one_hot
from .losses import accuracy, mse, softmax_cross_entropy
from .mlp import MLP
from .optimizers import SGD, Adam, Momentum, adam, cosine_decay, exponential_decay, sgd
from .train import History, NonFiniteLossError, train

__all__ = [
    "MLP",
    "train",
    "History",
    "NonFiniteLossError",
    "SGD",
    "Momentum",
    "Adam",
    "adam",
    "sgd",
    "exponential_decay",
    "cosine_decay",
    "mse",
    "softmax_cross_entropy",
    "accuracy",
    "load_dataset",
    "Dataset",
    "DATASETS",
    "one_hot",
    *activations.__all__,
]
