"""Optimisers in functional style and learning-rate schedules.

`state = opt.init(params)`, then `params, state = opt.update(params, grads, state)`: new arrays
every step, inputs never mutated. `lr` is a number or a schedule `step -> lr` (step counts the
updates already made, from 0), such as `exponential_decay` or `cosine_decay`. `adam` and `sgd` are HIPS autograd's
drivers (autograd.misc.optimizers' signatures) over these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Union

import numpy as np

from ..tree import tree_map

__all__ = [
    "SGD",
    "Momentum",
    "Adam",
    "adam",
    "sgd",
    "exponential_decay",
    "cosine_decay",
    "ExponentialDecay",
    "CosineDecay",
]

LearningRate = Union[float, Callable[[int], float]]


@dataclass(frozen=True)
class ExponentialDecay:
    """lr0 · rate^(step / steps); build it with `exponential_decay`."""

    lr0: float
    rate: float
    steps: float

    def __call__(self, step: int) -> float:
        return self.lr0 * self.rate ** (step / self.steps)


@dataclass(frozen=True)
class CosineDecay:
    """lr0 · (final + (1 − final) · ½(1 + cos(π · min(step, steps) / steps))); see `cosine_decay`."""

    lr0: float
    steps: int
    final: float = 0.0

    def __call__(self, step: int) -> float:
        frac = min(step, self.steps) / self.steps
        return self.lr0 * (self.final + (1.0 - self.final) * 0.5 * (1.0 + math.cos(math.pi * frac)))


def _positive(value, what):
    # (True is no rate: it was lr=1.0)
    number = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if not (number and math.isfinite(value) and value > 0):
        raise ValueError(f"{what} must be a finite number > 0, got {value!r}")
    return float(value)


def _fraction(value, what):
    number = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if not (number and 0.0 <= value < 1.0):
        raise ValueError(f"{what} must be in [0, 1), got {value!r}")
    return float(value)


def _whole_count(value, what):
    # (int(1.5) was a silent 1, int(0.5) a 0 that divided by zero at the first step; 100.0 is 100, a JSON config's)
    number = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if not (number and math.isfinite(value) and value >= 1 and value == int(value)):
        raise ValueError(f"{what} must be a whole number of updates >= 1, got {value!r}")
    return int(value)


def exponential_decay(lr0: float, rate: float, steps: float) -> ExponentialDecay:
    """Schedule multiplying the learning rate by `rate` every `steps` updates (smoothly).

    Shape contract: step (int ≥ 0) → lr (float).

    >>> exponential_decay(0.1, 0.5, 100)(200)
    0.025
    """
    return ExponentialDecay(_positive(lr0, "lr0"), _positive(rate, "rate"), _positive(steps, "steps"))


def cosine_decay(lr0: float, steps: int, final: float = 0.0) -> CosineDecay:
    """Schedule going from lr0 to final·lr0 along half a cosine over `steps` updates, then flat.

    Shape contract: step (int ≥ 0) → lr (float).

    >>> schedule = cosine_decay(0.1, 100)
    >>> schedule(0), round(schedule(50), 12), schedule(100)
    (0.1, 0.05, 0.0)
    """
    return CosineDecay(_positive(lr0, "lr0"), _whole_count(steps, "steps"), _fraction(final, "final"))


class _Optimizer:
    def __init__(self, lr: LearningRate):
        self.lr = lr if callable(lr) else _positive(lr, "lr")

    def rate(self, step: int) -> float:
        """The learning rate for the update made after `step` earlier ones (a schedule's must be finite and > 0)."""
        if not callable(self.lr):
            return self.lr
        # (a schedule's −0.1 or NaN was taken: gradient ascent, or NaN parameters, without a word; 0 is a
        # schedule's end, cosine_decay's final=0)
        value = self.lr(step)
        number = isinstance(value, (int, float, np.floating, np.integer, np.ndarray)) and not isinstance(value, bool)
        rate = float(value) if number and np.size(value) == 1 else math.nan
        if not (math.isfinite(rate) and rate >= 0.0):
            raise ValueError(
                f"the learning-rate schedule gave {value!r} at step {step}; it must be a finite number >= 0"
            )
        return rate

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class SGD(_Optimizer):
    """Gradient descent θ ← θ − η ∂C/∂θ; with `momentum` β: v ← β v + g, θ ← θ − η v.

    With momentum 0 (the default) this is the seeds' plain update; on minibatches it is SGD.
    Shapes: params and grads are pytrees of the same structure; the state holds `step` and,
    with momentum, the velocity `v` (same structure).

    >>> opt = SGD(lr=0.1)
    >>> params, state = opt.update({"w": np.array([1.0, 2.0])}, {"w": np.array([10.0, -10.0])}, opt.init({}))
    >>> params["w"], state["step"]
    (array([0., 3.]), 1)
    """

    def __init__(self, lr: LearningRate, momentum: float = 0.0):
        super().__init__(lr)
        self.momentum = _fraction(momentum, "momentum")

    def init(self, params) -> dict:
        if self.momentum == 0.0:
            return {"step": 0}
        return {"step": 0, "v": tree_map(np.zeros_like, params)}

    def update(self, params, grads, state):
        eta = self.rate(state["step"])
        if self.momentum == 0.0:
            return tree_map(lambda p, g: p - eta * g, params, grads), {"step": state["step"] + 1}
        v = tree_map(lambda v, g: self.momentum * v + g, state["v"], grads)
        return tree_map(lambda p, v: p - eta * v, params, v), {"step": state["step"] + 1, "v": v}


class Momentum(SGD):
    """Heavy-ball momentum: `SGD(lr, momentum=beta)`.

    >>> Momentum(0.1).momentum
    0.9
    """

    def __init__(self, lr: LearningRate, beta: float = 0.9):
        super().__init__(lr, momentum=beta)


class Adam(_Optimizer):
    """Adam (Kingma & Ba): bias-corrected running means of g and g² scale each coordinate's step.

    m ← b1 m + (1−b1) g,  s ← b2 s + (1−b2) g²,  θ ← θ − η m̂ / (√ŝ + eps) with m̂ = m/(1−b1^t),
    ŝ = s/(1−b2^t). The first step therefore moves each coordinate by about η (times sign g).
    Shapes: params and grads are pytrees of the same structure; state: `step`, `m`, `s`.

    >>> opt = Adam(lr=0.01)
    >>> params, _ = opt.update({"w": np.array([1.0, 1.0])}, {"w": np.array([3.0, -0.5])}, opt.init({"w": np.zeros(2)}))
    >>> params["w"].round(6)
    array([0.99, 1.01])
    """

    def __init__(self, lr: LearningRate = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.b1, self.b2 = _fraction(b1, "b1"), _fraction(b2, "b2")
        self.eps = _positive(eps, "eps")

    def init(self, params) -> dict:
        return {"step": 0, "m": tree_map(np.zeros_like, params), "s": tree_map(np.zeros_like, params)}

    def update(self, params, grads, state):
        t = state["step"] + 1
        eta = self.rate(state["step"])
        m = tree_map(lambda m, g: self.b1 * m + (1.0 - self.b1) * g, state["m"], grads)
        s = tree_map(lambda s, g: self.b2 * s + (1.0 - self.b2) * (g * g), state["s"], grads)
        c1, c2 = 1.0 - self.b1**t, 1.0 - self.b2**t
        new = tree_map(lambda p, m, s: p - eta * (m / c1) / (np.sqrt(s / c2) + self.eps), params, m, s)
        return new, {"step": t, "m": m, "s": s}


def adam(grad, x0, callback=None, num_iters=100, step_size=0.001, b1=0.9, b2=0.999, eps=1e-8):
    """HIPS autograd's `adam(grad, x0, callback, num_iters, step_size, b1, b2, eps)` (autograd.misc.optimizers, as
    9 of its examples call it): `num_iters` steps of `Adam(step_size, b1, b2, eps)` from x0 (a pytree), `grad(x, i)`
    the gradient at step i, `callback(x, i, g)` called before each step; returns the last x.

    >>> float(adam(lambda x, i: 2.0 * (x - 3.0), np.array([0.0]), num_iters=2000, step_size=0.05)[0].round(6))
    3.0
    """
    return _drive(Adam(step_size, b1, b2, eps), grad, x0, callback, num_iters, 1.0)


def sgd(grad, x0, callback=None, num_iters=200, step_size=0.1, mass=0.9):
    """HIPS autograd's `sgd(grad, x0, callback, num_iters, step_size, mass)`: its velocity v <- mass v - (1 - mass) g,
    x <- x + step_size v is `SGD(step_size, momentum=mass)` on the gradient times (1 - mass); `grad(x, i)` and
    `callback(x, i, g)` as `adam`'s.

    >>> float(sgd(lambda x, i: 2.0 * (x - 3.0), np.array([0.0]), num_iters=300)[0].round(6))
    3.0
    """
    return _drive(SGD(step_size, momentum=mass), grad, x0, callback, num_iters, 1.0 - mass)


def _drive(opt, grad, x, callback, num_iters, scale):
    state = opt.init(x)
    for i in range(num_iters):
        g = grad(x, i)
        if callback is not None:
            callback(x, i, g)
        x, state = opt.update(x, g if scale == 1.0 else tree_map(lambda a: scale * a, g), state)
    return x
