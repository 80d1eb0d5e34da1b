"""Known answers: functions whose derivatives were worked out by hand, shared by tests and experiments.

Each `Scenario` holds a function written with difflab.numpy, a point, and the gradient (and, where
simple, the Hessian) there from a hand-derived formula in plain NumPy — never computed by difflab.
The first four are the seed articles' worked examples, with their published numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from .. import numpy as dnp

__all__ = ["Scenario", "SCENARIOS", "get_scenario"]


@dataclass(frozen=True)
class Scenario:
    """A function, a point `args`, and its known gradient with respect to `args[argnums]`.

    `gradient` has the structure of `args[argnums]` (a tuple for a tuple of argnums), as
    `difflab.grad` returns; `hessian` (or None) that of `difflab.hessian`. `formula` and
    `hessian_formula` map args to them, so `at(*args)` moves the scenario to another point.
    """

    name: str
    function: Callable
    args: tuple
    formula: Callable
    argnums: Any = 0
    hessian_formula: Callable | None = None
    doc: str = ""

    @property
    def gradient(self):
        return self.formula(*self.args)

    @property
    def hessian(self):
        return None if self.hessian_formula is None else self.hessian_formula(*self.args)

    def at(self, *args) -> "Scenario":
        """The same scenario at another point.

        >>> get_scenario("quartic").at(2.0).gradient
        32.0
        """
        return replace(self, args=tuple(args))

    def __repr__(self):
        return f"<Scenario {self.name} at {self.args!r}>"


# -- the seed articles' worked examples -------------------------------------------------------------


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _neuron(w, x):
    return (dnp.sigmoid(dnp.sum(w * x)) - 1.0) ** 2.0


def _neuron_grad(w, x):
    y = _sigmoid(np.dot(w, x))
    return 2.0 * (y - 1.0) * y * (1.0 - y) * x


# -- classic functions with analytic derivatives ------------------------------------------------------


def _rosenbrock(x):
    return dnp.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1.0 - x[:-1]) ** 2.0)


def _rosenbrock_grad(x):
    g = np.zeros_like(x)
    r = x[1:] - x[:-1] ** 2
    g[:-1] = -400.0 * x[:-1] * r - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * r
    return g


def _rosenbrock_hess(x):
    n = len(x)
    H = np.zeros((n, n))
    i = np.arange(n - 1)
    H[i, i] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    H[i + 1, i + 1] += 200.0
    H[i, i + 1] = H[i + 1, i] = -400.0 * x[:-1]
    return H


def _expsin(x):
    return dnp.sum(dnp.exp(dnp.sin(x)) * x * x)


def _expsin_grad(x):
    return np.exp(np.sin(x)) * (np.cos(x) * x**2 + 2.0 * x)


def _expsin_hess(x):
    e, c, s = np.exp(np.sin(x)), np.cos(x), np.sin(x)
    return np.diag(e * (c * (c * x**2 + 2.0 * x) - s * x**2 + 2.0 * c * x + 2.0))


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _softmax_hess(z, *_):
    p = _softmax(z)
    return np.diag(p) - np.outer(p, p)


def _cross_entropy(z, y):
    return -dnp.sum(y * dnp.log_softmax(z))


def _mlp_loss(params, X, Y):
    H = dnp.tanh(X @ params["W1"] + params["b1"])
    return dnp.mean((H @ params["W2"] + params["b2"] - Y) ** 2.0)


def _mlp_grad(params, X, Y):
    """Backpropagation by hand: the chain rule layer by layer, in NumPy."""
    H = np.tanh(X @ params["W1"] + params["b1"])
    P = H @ params["W2"] + params["b2"]
    dP = 2.0 * (P - Y) / P.size
    dZ = (dP @ params["W2"].T) * (1.0 - H**2)
    return {"W1": X.T @ dZ, "b1": dZ.sum(0), "W2": H.T @ dP, "b2": dP.sum(0)}


def _least_squares(W, X, Y):
    return 0.5 * dnp.sum((W @ X - Y) ** 2.0)


_rng = np.random.default_rng(20240601)
_MLP = (
    {
        "W1": _rng.normal(0, 0.5, (3, 4)),
        "b1": _rng.normal(0, 0.1, 4),
        "W2": _rng.normal(0, 0.5, (4, 2)),
        "b2": _rng.normal(0, 0.1, 2),
    },
    _rng.normal(size=(5, 3)),
    _rng.normal(size=(5, 2)),
)
_LSQ = (_rng.normal(size=(3, 3)), _rng.normal(size=(3, 4)), _rng.normal(size=(3, 4)))

SCENARIOS = (
    Scenario(
        "tape",
        lambda a, b: 5.0 * (a * b),
        (2.0, 3.0),
        lambda a, b: (5.0 * b, 5.0 * a),
        (0, 1),
        doc="5*(a*b) at a=2, b=3: the reverse sweep's worked example, gradient (15, 10)",
    ),
    Scenario(
        "diamond",
        lambda x, y, z: ((x * y) * (y * z)) ** 2.0,
        (3.0, 2.0, 1.0),
        lambda x, y, z: (2 * x * y**4 * z**2, 4 * x**2 * y**3 * z**2, 2 * x**2 * y**4 * z),
        (0, 1, 2),
        doc="((x*y)*(y*z))**2 at (3, 2, 1): y feeds two paths; gradient (96, 288, 288)",
    ),
    Scenario(
        "quartic",
        lambda x: (x * x) * (x * x),
        (3.0,),
        lambda x: 4.0 * x**3,
        hessian_formula=lambda x: 12.0 * x**2,
        doc="(x*x)*(x*x) at 3: derivative 108, second derivative 108",
    ),
    Scenario(
        "sigmoid-neuron",
        _neuron,
        (np.array([0.4, -0.2]), np.array([2.0, 3.0])),
        _neuron_grad,
        doc="(sigmoid(w·x) - 1)² at w=(0.4, -0.2), x=(2, 3): gradient 2(y-1)·y(1-y)·x ≈ (-0.44569, -0.66854)",
    ),
    Scenario(
        "rosenbrock",
        _rosenbrock,
        (np.array([-1.2, 1.0, 0.5, 2.0]),),
        _rosenbrock_grad,
        hessian_formula=_rosenbrock_hess,
        doc="Σ 100(x[i+1] - x[i]²)² + (1 - x[i])²",
    ),
    Scenario(
        "exp-sin",
        _expsin,
        (np.array([0.3, -1.1, 2.5]),),
        _expsin_grad,
        hessian_formula=_expsin_hess,
        doc="Σ exp(sin x)·x²",
    ),
    Scenario(
        "softmax-cross-entropy",
        _cross_entropy,
        (np.array([1.0, -0.5, 2.0, 0.1]), np.array([0.0, 0.0, 1.0, 0.0])),
        lambda z, y: _softmax(z) * y.sum() - y,
        hessian_formula=_softmax_hess,
        doc="-Σ y·log softmax(z) for one-hot y: gradient softmax(z) - y",
    ),
    Scenario(
        "logsumexp",
        lambda z: dnp.logsumexp(z),
        (np.array([0.5, -2.0, 1.5, 3.0]),),
        _softmax,
        hessian_formula=_softmax_hess,
        doc="log Σ exp(z): gradient softmax(z), Hessian diag(p) - p pᵀ",
    ),
    Scenario(
        "tanh-mlp",
        _mlp_loss,
        _MLP,
        _mlp_grad,
        doc="mean squared error of a 3-4-2 tanh network on a batch of 5, gradient by hand-written backprop",
    ),
    Scenario(
        "least-squares",
        _least_squares,
        _LSQ,
        lambda W, X, Y: (W @ X - Y) @ X.T,
        doc="½‖W X - Y‖² over a square W: gradient (W X - Y) Xᵀ (its transpose is a classic slip)",
    ),
)


def get_scenario(name: str) -> Scenario:
    """The scenario called `name`.

    >>> get_scenario("tape").gradient
    (15.0, 10.0)
    """
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise KeyError(f"no scenario {name!r}; known: {', '.join(s.name for s in SCENARIOS)}")
