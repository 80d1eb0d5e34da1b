"""Issue 11's nesting matrix (a helper module, not a test file): every operator as a lift of a scalar
function of a vector to another one, written once over a backend (difflab's operators with a method, or
JAX's), so that `outer(inner(f))` is composed the same way by both and compared cell by cell.

A lift L(g, m) returns x ↦ a scalar built from g through one operator, its derivatives taken with method m
(JAX ignores m): e.g. jvp's is x ↦ Σ w·(J_F(x) v) for a 10-output map F of g (beyond 8 outputs, reverse's
J·v is its pullback's transpose, base.py's `_transposed_jvp`). tests/test_nesting_matrix.py runs the cells;
`python tests/nesting_matrix.py` rewrites JAX x64's numbers in tests/nesting_matrix_jax.json.
"""

from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np

N = 3
W = np.array([0.7, -1.3, 0.4])  # weights making a vector a scalar
V = np.array([0.5, 1.0, -2.0])  # the tangent of jvp, hvp and linearize
M = np.array([[1.0, 0.3, -0.5], [0.2, -0.8, 0.6], [0.9, 0.1, 0.4]])
W10 = np.linspace(-1.0, 1.2, 10)
POINTS = {  # where each function is differentiated, in this order, by the same lifted function
    "smooth": [np.array([0.3, -0.5, 0.9])],
    "branching": [np.array([0.8, -0.2, 0.6]), np.array([-0.8, 0.2, -0.6])],  # Σx > 0, then the other branch
    "edge": [np.array([0.0, 0.7, -0.4])],  # sqrt's branch not taken at x₀ = 0: a strong zero
}
REFERENCES = pathlib.Path(__file__).with_name("nesting_matrix_jax.json")


def functions(b):
    """The three functions of issue 11's brief, over backend b's NumPy (`b.np`)."""
    xp = b.np

    def smooth(x):
        return xp.sum(xp.sin(x) * x**2.0) + x[0] * x[1] * x[2]

    def edge(x):  # x₁·(√x₀ if x₀ > 0 else 0) + ½|x|²: at x₀ = 0 sqrt's partial is inf under a zero cotangent
        return x[1] * b.sqrt_where_positive(x[0]) + 0.5 * xp.sum(x * x)

    return {"smooth": smooth, "branching": b.branching, "edge": edge}


def wide(b, g):
    """A 10-output map of g (more than reverse's TRANSPOSE_ROWS = 8 outputs)."""
    xp = b.np
    return lambda y: xp.concatenate([g(y) * y, xp.sin(y) * g(y), y * y, xp.reshape(g(y), (1,))])


def lifts(b):
    """name -> lift(g, m): x ↦ a scalar through that operator."""
    xp = b.np

    def custom_jvp(g, m):
        c = b.custom_jvp(g)
        c.defjvp(lambda primals, tangents: (g(primals[0]), b.jvp(g, primals, tangents, m)[1]))
        return c

    def custom_vjp(g, m):
        c = b.custom_vjp(g)
        c.defvjp(lambda x: (g(x), x), lambda x, ct: (ct * b.grad(g, m)(x),))
        return c

    def vjp(g, m):
        def lifted(x):
            y, pullback = b.vjp(g, x, m)
            return y + xp.sum(pullback(xp.asarray(1.5))[0] * W)

        return lifted

    def linearize(g, m):
        def lifted(x):
            y, lin = b.linearize(g, x, m)
            return y * lin(V)

        return lifted

    def value_and_grad(g, m):
        vg = b.value_and_grad(g, m)

        def lifted(x):
            y, d = vg(x)
            return y * xp.sum(d * W)

        return lifted

    def weighted(d, w, rows=None):  # the transform made once and kept, as a user keeps dl.grad(f)
        return lambda x: xp.sum((d(x) if rows is None else d(x)[:rows]) * w)

    return {
        "grad": lambda g, m: weighted(b.grad(g, m), W),
        "value_and_grad": value_and_grad,
        "jvp": lambda g, m: lambda x: xp.sum(b.jvp(wide(b, g), (x,), (V,), m)[1] * W10),
        "vjp": vjp,
        "jacobian": lambda g, m: weighted(b.jacobian(lambda y: g(y) * y, m), M),
        "jacfwd": lambda g, m: weighted(b.jacfwd(lambda y: xp.sin(y) * g(y)), M),
        "jacrev": lambda g, m: weighted(b.jacrev(wide(b, g)), M, rows=3),
        "hessian": lambda g, m: weighted(b.hessian(g, m), M),
        "hvp": lambda g, m: lambda x: xp.sum(b.hvp(g, x, m) * W),
        "linearize": linearize,
        "vmap": lambda g, m: lambda x: xp.sum(b.vmap(g)(xp.stack([x, x * x, 0.5 * x])) * W),
        "prepare": lambda g, m: weighted(b.prepared_grad(g, m), W),
        "checkpoint": lambda g, m: b.checkpoint(g),
        "custom_jvp": custom_jvp,
        "custom_vjp": custom_vjp,
        "stop_gradient": lambda g, m: lambda x: g(x) * (1.0 + b.stop_gradient(g(x))),
    }


OPERATORS = list(lifts(type("_Names", (), {"np": None})))
METHODLESS = {"jacfwd", "jacrev", "vmap", "checkpoint", "stop_gradient"}  # take no method


def cell(b, fname, outer, inner, mo, mi):
    """outer(inner(f)) at f's points, one lifted function called at each: a list of floats (or the exception
    raised). The branching function's second point is on the other branch: a reused transform must see it."""
    f = functions(b)[fname]
    lift = lifts(b)
    h = lift[outer](lift[inner](f, mi), mo)
    return [float(np.asarray(h(b.point(x)))) for x in POINTS[fname]]


class Jax:
    """JAX's operators, x64, with difflab's lift signatures (methods ignored)."""

    def __init__(self):
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        self.jax, self.np = jax, jnp

    def point(self, x):
        return self.np.asarray(x)

    def sqrt_where_positive(self, t):  # the double where: JAX's NaN-free spelling of the same function
        xp = self.np
        return xp.where(t > 0, xp.sqrt(xp.where(t > 0, t, 1.0)), 0.0)

    def branching(self, x):
        xp = self.np
        return xp.where(xp.sum(x) > 0, xp.sum(xp.exp(x) * x), xp.sum(xp.cos(x)) * x[0])

    def grad(self, g, m):
        return self.jax.grad(g)

    def value_and_grad(self, g, m):
        return self.jax.value_and_grad(g)

    def jvp(self, g, primals, tangents, m):
        return self.jax.jvp(g, tuple(primals), tuple(self.np.asarray(t) for t in tangents))

    def vjp(self, g, x, m):
        return self.jax.vjp(g, x)

    def jacobian(self, g, m):
        return self.jax.jacrev(g)

    def jacfwd(self, g):
        return self.jax.jacfwd(g)

    def jacrev(self, g):
        return self.jax.jacrev(g)

    def hessian(self, g, m):
        return self.jax.hessian(g)

    def hvp(self, g, x, m):
        return self.jax.jvp(self.jax.grad(g), (x,), (self.np.asarray(V),))[1]

    def linearize(self, g, x, m):
        y, lin = self.jax.linearize(g, x)
        return y, lambda v: lin(self.np.asarray(v))

    def vmap(self, g):
        return self.jax.vmap(g)

    def prepared_grad(self, g, m):
        return self.jax.grad(g)

    def checkpoint(self, g):
        return self.jax.checkpoint(g)

    def custom_jvp(self, g):
        return self.jax.custom_jvp(g)

    def custom_vjp(self, g):
        return self.jax.custom_vjp(g)

    def stop_gradient(self, x):
        return self.jax.lax.stop_gradient(x)


class Difflab:
    """difflab's operators with the lift signatures."""

    def __init__(self):
        import difflab as dl
        import difflab.numpy as dnp

        self.dl, self.np = dl, dnp

    def point(self, x):
        return np.array(x)

    def sqrt_where_positive(self, t):
        return self.np.where(t > 0, self.np.sqrt(t), 0.0)

    def branching(self, x):  # value-dependent Python control flow: the trace records the branch taken
        xp = self.np
        if xp.sum(x) > 0:
            return xp.sum(xp.exp(x) * x)
        return xp.sum(xp.cos(x)) * x[0]

    def grad(self, g, m):
        return self.dl.grad(g, method=m)

    def value_and_grad(self, g, m):
        return self.dl.value_and_grad(g, method=m)

    def jvp(self, g, primals, tangents, m):
        return self.dl.jvp(g, tuple(primals), tuple(tangents), method=m)

    def vjp(self, g, x, m):
        return self.dl.vjp(g, x, method=m)

    def jacobian(self, g, m):
        return self.dl.jacobian(g, method=m)

    def jacfwd(self, g):
        return self.dl.jacfwd(g)

    def jacrev(self, g):
        return self.dl.jacrev(g)

    def hessian(self, g, m):
        return self.dl.hessian(g, method=m)

    def hvp(self, g, x, m):
        return self.dl.hvp(g, (x,), (V,), method=m)[1]

    def linearize(self, g, x, m):
        return self.dl.linearize(g, x, method=m)

    def vmap(self, g):
        return self.dl.vmap(g)

    def prepared_grad(self, g, m):
        return self.dl.prepare(g, POINTS["smooth"][0], method=m).grad

    def checkpoint(self, g):
        return self.dl.checkpoint(g)

    def custom_jvp(self, g):
        return self.dl.custom_jvp(g)

    def custom_vjp(self, g):
        return self.dl.custom_vjp(g)

    def stop_gradient(self, x):
        return self.dl.stop_gradient(x)


def jax_references():
    """{"cells": {"function/outer/inner": JAX's value}, "jax_refuses": {cell: JAX's error}}. Where JAX refuses
    (its forward mode of a custom_vjp function: jvp, jacfwd, linearize) the value is JAX's for the same function
    given as a custom_jvp (the same derivative rule): difflab's reverse method derives J·v from the VJP."""
    b, cells, refuses = Jax(), {}, {}
    for fname in POINTS:
        for outer in OPERATORS:
            for inner in OPERATORS:
                key = f"{fname}/{outer}/{inner}"
                try:
                    cells[key] = cell(b, fname, outer, inner, None, None)
                except TypeError as e:
                    refuses[key] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
                    cells[key] = cell(b, fname, outer, "custom_jvp" if inner == "custom_vjp" else inner, None, None)
    return {"cells": cells, "jax_refuses": refuses}


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refs = jax_references()
    REFERENCES.write_text(json.dumps(refs, indent=1, sort_keys=True) + "\n")
    print(f"{len(refs['cells'])} cells, {len(refs['jax_refuses'])} refused by JAX -> {REFERENCES}")
