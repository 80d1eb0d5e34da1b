"""How much of NumPy traces: count the public functions of numpy and numpy.linalg that accept a
traced value and give a traced result (so that they can be differentiated).

Each name is tried on a traced 3x3 matrix of values in (0.2, 0.9) (symmetric positive definite
plus a small perturbation for numpy.linalg), with a few common call forms: f(x), f(x, x), f(x, 1),
f([x, x]). A name counts when one form returns a traced value (or a tuple/list holding one) and
its derivative by reverse mode agrees with central differences.

    python bench/numpy_coverage.py            # prints the count and the names
"""

import sys
import warnings

import numpy as np

import difflab as dl
from difflab.graph import Traced


def _candidates():
    for prefix, module in (("", np), ("linalg.", np.linalg)):
        for name in sorted(dir(module)):
            obj = getattr(module, name)
            if name.startswith("_") or isinstance(obj, type) or not callable(obj):
                continue
            yield prefix + name, obj


def _forms(fn):
    yield lambda x: fn(x)
    yield lambda x: fn(x, x)
    yield lambda x: fn(x, 1)
    yield lambda x: fn([x, x])


def _scalar(out):
    """A scalar function of a traced result (sum of every traced leaf)."""
    leaves = out if isinstance(out, (tuple, list)) else [out]
    leaves = [v for v in leaves if isinstance(v, Traced) and v.dtype.kind == "f"]
    if not leaves:
        raise TypeError("no traced float result")
    total = 0.0
    for v in leaves:
        total = total + dl.numpy.sum(v * np.linspace(0.5, 1.5, int(np.prod(v.shape))).reshape(v.shape))
    return total


def covered(name, fn, x):
    for form in _forms(fn):
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                g = dl.grad(lambda x: _scalar(form(x)), method="reverse")(x)
                n = dl.grad(lambda x: _scalar(form(x)), method="numeric")(x)
            if np.all(np.isfinite(g)) and np.allclose(g, n, rtol=1e-4, atol=1e-5):
                return True
        except Exception:  # noqa: BLE001  any refusal means "not covered in this form"
            continue
    return False


def main():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.2, 0.9, (3, 3))
    x = a @ a.T + 3.0 * np.eye(3) + 0.01 * a  # well conditioned, distinct eigenvalues
    names = [name for name, fn in _candidates() if covered(name, fn, x)]
    total = sum(1 for _ in _candidates())
    print(f"{len(names)} of {total} public callables of numpy and numpy.linalg trace and differentiate")
    print(" ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
