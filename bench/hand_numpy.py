"""The practical limit: an MLP's loss and gradient written by hand in NumPy (float64).

Same model and parameter layout as `difflab.nn.MLP(sizes, "tanh")` with `loss("cross_entropy")`:
`params["W{l}"]` (sizes[l], sizes[l+1]), `params["b{l}"]` (sizes[l+1],), tanh hidden layers, linear
output, mean softmax cross-entropy (log-sum-exp with the row max subtracted). The backward pass is
the textbook one: reuse tanh's output (1 - h²), softmax − Y for the logits, one matmul per weight.

    python bench/hand_numpy.py     # checks the gradient against difflab's reverse mode (1e-12)
"""

from __future__ import annotations

try:
    from . import _common  # noqa: F401  (single-threaded BLAS before NumPy)
except ImportError:
    import _common  # noqa: F401

import numpy as np


def problem(sizes, batch, seed=0):
    """(params, X, Y) for an MLP of `sizes` at `batch`: difflab.nn's init, Gaussian X, one-hot Y."""
    from difflab.nn import MLP

    params = MLP(sizes, activation="tanh").init(seed=seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(batch, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    return params, X, Y


def n_layers(params) -> int:
    return len(params) // 2


def loss(params, X, Y) -> float:
    """The loss alone (the denominator of the cheap-gradient ratio)."""
    L = n_layers(params)
    h = X
    for l in range(L - 1):
        h = np.tanh(h @ params[f"W{l}"] + params[f"b{l}"])
    z = h @ params[f"W{L - 1}"] + params[f"b{L - 1}"]
    z -= z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -float(np.vdot(Y, logp)) / X.shape[0]


def loss_and_grad(params, X, Y):
    """(loss, {name: gradient}) by forward pass + backpropagation."""
    L = n_layers(params)
    N = X.shape[0]
    hs = [X]
    h = X
    for l in range(L - 1):
        h = np.tanh(h @ params[f"W{l}"] + params[f"b{l}"])
        hs.append(h)
    z = h @ params[f"W{L - 1}"] + params[f"b{L - 1}"]
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    value = -float(np.vdot(Y, z - np.log(s))) / N
    # d loss / d z = (softmax(z) * rowsum(Y) - Y) / N; rowsum(Y) = 1 for one-hot or probability rows
    dz = e / s
    dz *= Y.sum(axis=1, keepdims=True)
    dz -= Y
    dz /= N
    grads = {}
    for l in range(L - 1, -1, -1):
        grads[f"W{l}"] = hs[l].T @ dz
        grads[f"b{l}"] = dz.sum(axis=0)
        if l:
            dh = dz @ params[f"W{l}"].T
            h = hs[l]
            dh *= 1.0 - h * h
            dz = dh
    return value, grads


def check(sizes=(2, 16, 16, 2), batch=64, tol=1e-12) -> float:
    """Max |hand − difflab reverse| over the gradient, relative to max |gradient|; asserts ≤ tol."""
    import difflab as dl
    from difflab.nn import MLP

    params, X, Y = problem(sizes, batch)
    f = MLP(list(sizes), activation="tanh").loss("cross_entropy")
    v_dl, g_dl = dl.prepare(f, params, X, Y, method="reverse").value_and_grad(params, X, Y)
    v_h, g_h = loss_and_grad(params, X, Y)
    scale = max(np.abs(g).max() for g in g_h.values())
    err = max(np.abs(g_h[k] - g_dl[k]).max() for k in g_h) / scale
    assert abs(v_h - v_dl) <= tol * max(1.0, abs(v_h)), (v_h, v_dl)
    assert abs(loss(params, X, Y) - v_h) <= tol * max(1.0, abs(v_h))
    assert err <= tol, f"hand NumPy and difflab reverse differ by {err:.3g} (relative) at {sizes} b{batch}"
    return err


if __name__ == "__main__":
    for sizes, batch in [((2, 16, 16, 2), 64), ((64, 128, 128, 10), 256), ((784, 256, 256, 10), 128)]:
        print(f"{'-'.join(map(str, sizes))} b{batch}: max relative gradient difference {check(sizes, batch):.2e}")
