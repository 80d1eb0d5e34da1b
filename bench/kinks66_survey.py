"""Survey: each method's derivative at kinks a user meets (stop 66), beside JAX's (jax.grad, x64, run once on
jax 0.10.2; written as literals: difflab's tests and benches import no jax). One row per case: the gradient's
nonzero entries {flat index: value}; [..] the warning classes said; ERR the error raised.

    python bench/kinks66_survey.py
"""

import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import Numeric

S2 = np.eye(3)
A2 = np.diag([2.0, 2.0, 1.0])

CASES = [
    ("abs(x) at 0", lambda x: dnp.abs(x), 0.0),
    ("maximum(x, 0.5) at 0.5", lambda x: dnp.maximum(x, 0.5), 0.5),
    ("minimum(x, 0.5) at 0.5", lambda x: dnp.minimum(x, 0.5), 0.5),
    ("clip(x, 0, 1) at 1", lambda x: dnp.clip(x, 0.0, 1.0), 1.0),
    ("max(x) x=[1,1,0]", lambda x: dnp.max(x), np.array([1.0, 1.0, 0.0])),
    ("min(x) x=[0,0,1]", lambda x: dnp.min(x), np.array([0.0, 0.0, 1.0])),
    ("x[argmax(x)] x=[1,1,0]", lambda x: x[dnp.argmax(x)], np.array([1.0, 1.0, 0.0])),
    ("sort(x)[0] x=[1,1,2]", lambda x: dnp.sort(x)[0], np.array([1.0, 1.0, 2.0])),
    ("median(x) x=[0,1,1]", lambda x: dnp.median(x), np.array([0.0, 1.0, 1.0])),
    ("quantile(x,.25) x=[1,1,2,3]", lambda x: dnp.quantile(x, 0.25), np.array([1.0, 1.0, 2.0, 3.0])),
    ("norm(x) at 0", lambda x: dnp.linalg.norm(x), np.zeros(2)),
    ("norm(x,inf) x=[1,-1,.5]", lambda x: dnp.linalg.norm(x, np.inf), np.array([1.0, -1.0, 0.5])),
    ("norm(x,1) x=[0,1,-2]", lambda x: dnp.linalg.norm(x, 1), np.array([0.0, 1.0, -2.0])),
    ("relu(x) at 0", lambda x: dnp.relu(x) if hasattr(dnp, "relu") else dl.nn.relu(x), 0.0),
    ("sqrt(x) at 0", lambda x: dnp.sqrt(x), 0.0),
    ("eigvalsh(S)[0] S=I3", lambda S: dnp.linalg.eigvalsh(S)[0], S2),
    ("eigvalsh(S)[2] S=I3", lambda S: dnp.linalg.eigvalsh(S)[2], S2),
    ("eigh(S)[0][0] S=I3", lambda S: dnp.linalg.eigh(S)[0][0], S2),
    ("svd(A)[0] A=diag(2,2,1)", lambda A: dnp.linalg.svd(A, compute_uv=False)[0], A2),
    ("svd(A)[1] A=diag(2,2,1)", lambda A: dnp.linalg.svd(A, compute_uv=False)[1], A2),
    ("norm(A,2) A=diag(2,2,1)", lambda A: dnp.linalg.norm(A, 2), A2),
    ("floor(x) at 1", lambda x: dnp.floor(x), 1.0),
    ("round(x) at 1", lambda x: dnp.round(x), 1.0),
    ("where(x>0,x*x,x) at 0", lambda x: dnp.where(x > 0, x * x, x), 0.0),
    ("where(x>0,x,2x) at 0", lambda x: dnp.where(x > 0, x, 2.0 * x), 0.0),
    ("x if x>0 else 2x at 0", lambda x: x if x > 0 else 2.0 * x, 0.0),
    ("arcsin(x) at 1", lambda x: dnp.arcsin(x), 1.0),
    ("sqrt(x0)+x1 at (0,1)", lambda x: dnp.sqrt(x[0]) + x[1], np.array([0.0, 1.0])),
]

JAX = {  # jax.grad of the same function (x64)
    "abs(x) at 0": "1",
    "maximum(x, 0.5) at 0.5": "0.5",
    "minimum(x, 0.5) at 0.5": "0.5",
    "clip(x, 0, 1) at 1": "0.5",
    "max(x) x=[1,1,0]": "{0:0.5,1:0.5}",
    "min(x) x=[0,0,1]": "{0:0.5,1:0.5}",
    "x[argmax(x)] x=[1,1,0]": "{0:1}",
    "sort(x)[0] x=[1,1,2]": "{0:1}",
    "median(x) x=[0,1,1]": "{1:1}",
    "quantile(x,.25) x=[1,1,2,3]": "{0:0.25,1:0.75}",
    "norm(x) at 0": "{0:nan,1:nan}",
    "norm(x,inf) x=[1,-1,.5]": "{0:0.5,1:-0.5}",
    "norm(x,1) x=[0,1,-2]": "{0:1,1:1,2:-1}",
    "relu(x) at 0": "0",
    "sqrt(x) at 0": "inf",
    "eigvalsh(S)[0] S=I3": "{0:1}",
    "eigvalsh(S)[2] S=I3": "{8:1}",
    "eigh(S)[0][0] S=I3": "{0:1}",
    "svd(A)[0] A=diag(2,2,1)": "{4:1}",
    "svd(A)[1] A=diag(2,2,1)": "{0:1}",
    "norm(A,2) A=diag(2,2,1)": "{0:0.5,4:0.5}",
    "floor(x) at 1": "0",
    "round(x) at 1": "0",
    "where(x>0,x*x,x) at 0": "1",
    "where(x>0,x,2x) at 0": "2",
    "x if x>0 else 2x at 0": "2",
    "arcsin(x) at 1": "inf",
    "sqrt(x0)+x1 at (0,1)": "{0:inf,1:1}",
}

METHODS = [
    ("symbolic", "symbolic"),
    ("forward", "forward"),
    ("reverse", "reverse"),
    ("numeric", "numeric"),
    ("richardson", Numeric(scheme="richardson")),
    ("complex", Numeric(scheme="complex")),
]


def show(g):
    g = np.asarray(g, dtype=float).ravel()
    nz = [(i, v) for i, v in enumerate(g) if not abs(v) <= 1e-9]  # (NaN shown)
    if g.size == 1:
        return f"{g[0]:.6g}"
    return "{" + ",".join(f"{i}:{v:.6g}" for i, v in nz) + "}"


def main():
    for name, f, x in CASES:
        cells = []
        for label, m in METHODS:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                try:
                    g = dl.grad(f, method=m)(x)
                    cell = show(g)
                except Exception as e:  # noqa: BLE001
                    cell = "ERR " + type(e).__name__
            names = sorted({type(x.message).__name__ for x in w})
            cells.append(f"{label}={cell}" + (f" [{','.join(names)}]" if names else ""))
        print(f"{name:28s} | jax={JAX.get(name, '?')} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
