"""JAX users' composed transformations (stop 66), each written once and run in difflab and in JAX x64.

    PYTHONPATH=. python tests/transforms66.py [--write] [--show] [--only SUBSTR]   (--write: JAX's answers anew)

Each case is one function `body(T, m)`: T is difflab or a JAX namespace with the same names (T.hvp is
jax.jvp of jax.grad, T.stop_gradient jax.lax.stop_gradient, T.jacobian jax.jacrev), m is NumPy or jax.numpy.
The composites are the ones bench/transform_fuzz.py and transform_fuzz55.py did not draw: vmap of hvp and
hvp of a vmapped loss, jacrev(jacfwd) on pytrees, grad through linearize's jvp_fn and vjp's pullback,
vmap of vjp with in_axes=(0, None), custom_vjp/custom_jvp under vmap, hessian and jacfwd, checkpoint inside
grad(grad), jit of value_and_grad(has_aux) with aux pytrees, argnums tuples over pytrees, complex and
holomorphic inputs, out_axes=None and nested in_axes, closures over an outer tracer (perturbation confusion),
static arguments, tuple/dict/namedtuple outputs, zero-size, integer and float32 inputs.

Judged per case: agree (values at rtol 1e-9 of max(1, |JAX|), the same structure, shapes and dtypes);
wrong number; structure/shape/dtype differs (a Python float where JAX gives a 0-d array is difflab's
documented contract, docs/api.md, and counted as agree); difflab raised where JAX did not (a DifflabError or
TypeError/ValueError with a message: refused; anything else: traceback); JAX raised (difflab's behaviour shown);
aliasing (an output leaf shares memory with an input) and inputs mutated.

Measured (stop 66, 223 cases, `PYTHONPATH=. python tests/transforms66.py`): 197 agree, 14 both refuse (a clear
error each), 1 JAX refuses and difflab answers (a float32 tangent of a float64 primal); 3 dtypes differ as
docs/api.md says (jacfwd's and a mixed Hessian's float32 blocks, allow_int's float64 zeros for float0); 3 numbers
differ by difflab's convention table (docs/accuracy.md: abs'(0) = 0, strong zeros in where, norm'(0) = 0);
refused where JAX answers: 5 (a custom rule closing over an outer tracer, by name; vjp's integer primal, DESIGN.md
section 6; np.asarray of a traced value, README's NumPy limit; dl.lax.cond on a per-row predicate under vmap, which
JAX batches into a select). Fixed on the way: linear_transpose(f_jvp, *primals)
(was refused), vjp(has_aux=True)'s pullback at a traced cotangent (was refused), the closure's misleading message.
No silent wrong number, no aliasing, no input mutated.
"""

from __future__ import annotations

import collections
import json
import pathlib
import sys
import traceback
import types
import warnings

import numpy as np

import difflab as dl

CASES: list = []


def case(name):
    def deco(fn):
        CASES.append((name, fn))
        return fn

    return deco


rng = np.random.default_rng(66)
X3 = rng.normal(size=3)
X4 = rng.normal(size=4)
V3 = rng.normal(size=3)
XB = rng.normal(size=(5, 3))
VB = rng.normal(size=(5, 3))
W = rng.normal(size=(3, 2))
A = rng.normal(size=(2, 3))
P = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
TP = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
Z3 = rng.normal(size=3) + 1j * rng.normal(size=3)
EMPTY = np.zeros(0)
EMPTY2 = np.zeros((0, 3))
I3 = np.array([1, 2, 3])
F32 = rng.normal(size=3).astype(np.float32)
F32P = {"w": rng.normal(size=(3, 2)).astype(np.float32), "b": rng.normal(size=2).astype(np.float32)}
INPUTS = [X3, X4, V3, XB, VB, W, A, P["w"], P["b"], TP["w"], TP["b"], Z3, EMPTY, EMPTY2, I3, F32, F32P["w"], F32P["b"]]
Pair = collections.namedtuple("Pair", "a b")


def loss(m, p, x):
    return m.sum(m.tanh(x @ p["w"] + p["b"]) ** 2)


# ---------------------------------------------------------------- A: vmap of hvp, hvp of a vmapped loss
@case("A1 vmap(hvp) over primals and tangents")
def _(T, m):
    f = lambda x: m.sum(m.sin(x) * x**2)
    return T.vmap(lambda x, v: T.hvp(f, (x,), (v,))[1])(XB, VB)


@case("A2 vmap(hvp) tangents batched, primal shared (in_axes=(None,0))")
def _(T, m):
    f = lambda x: m.sum(m.exp(x) * m.cos(x))
    return T.vmap(lambda x, v: T.hvp(f, (x,), (v,))[1], in_axes=(None, 0))(X3, VB)


@case("A3 hvp of a vmapped loss summed")
def _(T, m):
    f = lambda x: m.sum(T.vmap(lambda r: m.sum(m.tanh(r) ** 3))(x))
    return T.hvp(f, (XB,), (VB,))


@case("A4 hvp wrt a pytree of a loss vmapped over the data")
def _(T, m):
    f = lambda p: m.mean(T.vmap(lambda x: loss(m, p, x))(XB))
    return T.hvp(f, (P,), (TP,))


@case("A5 vmap(hvp) both outputs (grad, Hv)")
def _(T, m):
    f = lambda x: m.sum(x**4) + m.prod(x)
    return T.vmap(lambda x, v: T.hvp(f, (x,), (v,)))(XB, VB)


@case("A6 vmap(hessian)")
def _(T, m):
    return T.vmap(T.hessian(lambda x: m.sum(m.sin(x)) * m.sum(x**2)))(XB)


@case("A7 hessian of vmap-sum")
def _(T, m):
    return T.hessian(lambda x: m.sum(T.vmap(lambda r: m.sum(r**3) * r[0])(x)))(XB[:2])


@case("A8 vmap(hvp) of a closure over a batched weight")
def _(T, m):
    return T.vmap(lambda w, v: T.hvp(lambda x: m.sum(m.sin(w * x) ** 2), (X3,), (v,))[1])(XB, VB)


# ---------------------------------------------------------------- B: jacrev(jacfwd) on pytrees
@case("B1 jacrev(jacfwd(f)) dict in, array out")
def _(T, m):
    f = lambda p: m.tanh(X3 @ p["w"] + p["b"])
    return T.jacrev(T.jacfwd(f))(P)


@case("B2 jacfwd(jacrev(f)) dict in, dict out")
def _(T, m):
    f = lambda p: {"y": m.sum(p["w"] ** 2, axis=0) * p["b"], "z": m.sum(p["b"] ** 3)}
    return T.jacfwd(T.jacrev(f))(P)


@case("B3 jacrev(jacfwd) tuple in, tuple out")
def _(T, m):
    f = lambda t: (m.sin(t[0]) * t[1][0], m.cos(t[1]) * m.sum(t[0]))
    return T.jacrev(T.jacfwd(f))((X3, X4[:2]))


@case("B4 hessian of a dict-input loss")
def _(T, m):
    return T.hessian(lambda p: loss(m, p, X3))(P)


@case("B5 jacfwd(jacfwd) namedtuple in")
def _(T, m):
    f = lambda p: m.sin(p.a) * m.sum(p.b**2)
    return T.jacfwd(T.jacfwd(f))(Pair(X3[:2], V3))


@case("B6 jacrev(jacrev) list in, list out")
def _(T, m):
    f = lambda l: [l[0] * l[1], m.sum(m.exp(l[0]))]
    return T.jacrev(T.jacrev(f))([X3, V3])


@case("B7 jacrev(jacfwd, argnums=1) argnums tuple inside")
def _(T, m):
    f = lambda a, b: m.sin(a) * b**2
    return T.jacrev(T.jacfwd(f, argnums=(0, 1)), argnums=1)(X3, V3)


@case("B8 jacfwd(grad) of a dict with a scalar leaf")
def _(T, m):
    f = lambda p: m.sum(m.exp(p["s"] * p["v"]))
    return T.jacfwd(T.grad(f))({"s": 0.7, "v": X3})


@case("B9 jacrev of a function returning a dict of scalars")
def _(T, m):
    f = lambda x: {"s": m.sum(x), "p": m.prod(x), "n": m.linalg.norm(x)}
    return T.jacrev(f)(X3)


@case("B10 jacfwd of jacrev with has_aux outer")
def _(T, m):
    f = lambda x: (T.jacrev(lambda y: m.sin(y) * y)(x), {"v": m.sum(x)})
    return T.jacfwd(f, has_aux=True)(X3)


# ---------------------------------------------------------------- C: grad through linearize / pullbacks
@case("C1 grad of a loss calling linearize's f_jvp")
def _(T, m):
    def g(x):
        y, f_jvp = T.linearize(lambda z: m.sin(z) * z, x)
        return m.sum(f_jvp(V3) ** 2) + m.sum(y)

    return T.grad(g)(X3)


@case("C2 grad wrt the tangent of linearize's f_jvp")
def _(T, m):
    _, f_jvp = T.linearize(lambda z: m.exp(z) * m.sum(z), X3)
    return T.grad(lambda v: m.sum(m.sin(f_jvp(v))))(V3)


@case("C3 grad of a loss calling vjp's pullback (wrt primal)")
def _(T, m):
    def g(x):
        _, pb = T.vjp(lambda z: m.tanh(z) * z[0], x)
        return m.sum(pb(V3)[0] ** 2)

    return T.grad(g)(X3)


@case("C4 grad wrt the cotangent of a pullback")
def _(T, m):
    _, pb = T.vjp(lambda z: m.sin(z) * m.sum(z**2), X3)
    return T.grad(lambda c: m.sum(pb(c)[0] ** 3))(V3)


@case("C5 hessian through a pullback")
def _(T, m):
    def g(x):
        _, pb = T.vjp(lambda z: m.exp(z) * m.prod(z), x)
        return m.sum(pb(m.ones(3))[0] * x)

    return T.hessian(g)(X3)


@case("C6 jacfwd of a pullback (forward over reverse)")
def _(T, m):
    def g(x):
        _, pb = T.vjp(lambda z: m.sin(z) ** 2 * z, x)
        return pb(V3)[0]

    return T.jacfwd(g)(X3)


@case("C7 grad through jvp's tangent output")
def _(T, m):
    return T.grad(lambda x: m.sum(T.jvp(lambda z: m.tanh(z) ** 2, (x,), (V3,))[1] ** 2))(X3)


@case("C8 grad through a pullback of a pytree function")
def _(T, m):
    def g(p):
        _, pb = T.vjp(lambda q: m.tanh(X3 @ q["w"] + q["b"]), p)
        return m.sum(pb(m.ones(2))[0]["w"] ** 2)

    return T.grad(g)(P)


@case("C9 vjp of a pullback (reverse over reverse, pullback called twice)")
def _(T, m):
    def g(x):
        _, pb = T.vjp(lambda z: m.sin(z) * z**2, x)
        return pb(V3)[0] + pb(2 * V3)[0]

    y, pb2 = T.vjp(g, X3)
    return y, pb2(X3)


@case("C10 linearize of a grad, f_jvp called twice")
def _(T, m):
    y, fj = T.linearize(T.grad(lambda x: m.sum(m.sin(x) * x**3)), X3)
    return y, fj(V3), fj(X3)


@case("C11 grad through linearize of a pytree (tangent dict)")
def _(T, m):
    def g(p):
        _, fj = T.linearize(lambda q: m.sum(q["w"] ** 2) * q["b"], p)
        return m.sum(fj(TP) ** 2)

    return T.grad(g)(P)


# ---------------------------------------------------------------- D: vmap of vjp / jvp
@case("D1 vmap of vjp in_axes=(0, None)")
def _(T, m):
    def f(x, c):
        _, pb = T.vjp(lambda z: m.sin(z) * m.sum(z), x)
        return pb(c)[0]

    return T.vmap(f, in_axes=(0, None))(XB, V3)


@case("D2 vmap of vjp in_axes=(None, 0) (batched cotangents)")
def _(T, m):
    def f(x, c):
        _, pb = T.vjp(lambda z: m.exp(z) * z[1], x)
        return pb(c)[0]

    return T.vmap(f, in_axes=(None, 0))(X3, VB)


@case("D3 vmap of a pullback made outside")
def _(T, m):
    _, pb = T.vjp(lambda z: m.tanh(z) * m.sum(z**2), X3)
    return T.vmap(pb)(VB)


@case("D4 vmap of a linearized f_jvp made outside")
def _(T, m):
    _, fj = T.linearize(lambda z: m.cos(z) * m.prod(z), X3)
    return T.vmap(fj)(VB)


@case("D5 vmap of jvp (tangents batched)")
def _(T, m):
    return T.vmap(lambda v: T.jvp(lambda z: m.sin(z) ** 2, (X3,), (v,)), in_axes=0)(VB)


@case("D6 vmap of vjp with a dict primal")
def _(T, m):
    def f(x):
        _, pb = T.vjp(lambda p: m.tanh(x @ p["w"] + p["b"]), P)
        return pb(m.ones(2))[0]

    return T.vmap(f)(XB)


@case("D7 vmap of value_and_grad with in_axes=(None, 0) (per-example grads)")
def _(T, m):
    return T.vmap(T.value_and_grad(lambda p, x: loss(m, p, x)), in_axes=(None, 0))(P, XB)


@case("D8 vmap of a tuple-output vjp with out_axes=(0, None)")
def _(T, m):
    def f(x):
        y, pb = T.vjp(lambda z: m.sum(z**2), X3)
        return pb(x[0])[0], y

    return T.vmap(f, out_axes=(0, None))(XB)


# ---------------------------------------------------------------- E: custom rules at second order
def _cvjp(T, m):
    @T.custom_vjp
    def f(x):
        return m.sin(x) * x

    def fwd(x):
        return f(x), x

    def bwd(x, g):
        return ((m.cos(x) * x + m.sin(x)) * g,)

    f.defvjp(fwd, bwd)
    return f


def _cvjp_scaled(T, m):  # a rule that differs from the primal's derivative (clip-like)
    @T.custom_vjp
    def f(x):
        return x**2

    f.defvjp(lambda x: (f(x), x), lambda x, g: (3.0 * x * g,))
    return f


def _cjvp(T, m):
    @T.custom_jvp
    def f(x):
        return m.log1p(m.exp(x))

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), t / (1 + m.exp(-x))

    return f


@case("E1 grad(custom_vjp) under vmap")
def _(T, m):
    f = _cvjp_scaled(T, m)
    return T.vmap(T.grad(lambda x: m.sum(f(x))))(XB)


@case("E2 hessian of custom_vjp (JAX: not forward-differentiable)")
def _(T, m):
    f = _cvjp(T, m)
    return T.hessian(lambda x: m.sum(f(x)))(X3)


@case("E3 jacrev(jacrev) of custom_vjp (reverse over reverse)")
def _(T, m):
    f = _cvjp_scaled(T, m)
    return T.jacrev(T.jacrev(lambda x: m.sum(f(x))))(X3)


@case("E4 grad(grad) of a scalar custom_vjp rule differing from f'")
def _(T, m):
    f = _cvjp_scaled(T, m)
    return T.grad(T.grad(lambda x: f(x)))(1.5)


@case("E5 jvp of a custom_vjp (JAX refuses)")
def _(T, m):
    f = _cvjp(T, m)
    return T.jvp(f, (X3,), (V3,))


@case("E6 hessian of custom_jvp")
def _(T, m):
    f = _cjvp(T, m)
    return T.hessian(lambda x: m.sum(f(x) * x))(X3)


@case("E7 vmap(grad(custom_jvp))")
def _(T, m):
    f = _cjvp(T, m)
    return T.vmap(T.grad(lambda x: m.sum(f(x) ** 2)))(XB)


@case("E8 jacfwd(grad(custom_jvp))")
def _(T, m):
    f = _cjvp(T, m)
    return T.jacfwd(T.grad(lambda x: m.sum(f(x) ** 2)))(X3)


@case("E9 custom_vjp under vmap directly (values and grads of a batched call)")
def _(T, m):
    f = _cvjp_scaled(T, m)
    return T.grad(lambda x: m.sum(T.vmap(f)(x)))(XB)


@case("E10 hvp of custom_vjp (JAX refuses: jvp of grad)")
def _(T, m):
    f = _cvjp_scaled(T, m)
    return T.hvp(lambda x: m.sum(f(x)), (X3,), (V3,))


@case("E11 custom_jvp whose rule is not f' used at second order")
def _(T, m):
    @T.custom_jvp
    def f(x):
        return x**3

    @f.defjvp
    def _j(pr, ta):
        (x,), (t,) = pr, ta
        return f(x), 2.0 * x * t  # deliberately not 3x^2

    return T.grad(T.grad(f))(1.3), T.hessian(lambda x: m.sum(f(x)))(X3)


@case("E12 custom_vjp with a dict argument under grad(vmap)")
def _(T, m):
    @T.custom_vjp
    def f(p, x):
        return m.tanh(x @ p["w"] + p["b"])

    def fwd(p, x):
        return f(p, x), (p, x)

    def bwd(res, g):
        p, x = res
        d = (1 - m.tanh(x @ p["w"] + p["b"]) ** 2) * g
        return {"w": m.outer(x, d), "b": d}, p["w"] @ d

    f.defvjp(fwd, bwd)
    return T.grad(lambda p: m.sum(T.vmap(f, in_axes=(None, 0))(p, XB) ** 2))(P)


@case("E13 custom_vjp with nondiff_argnums under grad")
def _(T, m):
    import functools

    @functools.partial(T.custom_vjp, nondiff_argnums=(0,))
    def f(k, x):
        return m.sin(k * x)

    f.defvjp(lambda k, x: (f(k, x), x), lambda k, x, g: (k * m.cos(k * x) * g,))
    return T.grad(lambda x: m.sum(f(2.0, x)))(X3)


# ---------------------------------------------------------------- F: checkpoint at second order
@case("F1 checkpoint inside grad(grad)")
def _(T, m):
    g = T.checkpoint(lambda x: m.sin(x) * m.exp(x))
    return T.grad(T.grad(lambda x: g(x) * x))(0.8)


@case("F2 hessian of a checkpointed loss")
def _(T, m):
    g = T.checkpoint(lambda p: loss(m, p, X3))
    return T.hessian(g)(P)


@case("F3 vmap of grad of checkpoint")
def _(T, m):
    g = T.checkpoint(lambda x: m.sum(m.tanh(x) ** 2))
    return T.vmap(T.grad(g))(XB)


@case("F4 jacfwd(jacrev) of nested checkpoints")
def _(T, m):
    inner = T.checkpoint(lambda x: m.sin(x) * x)
    outer = T.checkpoint(lambda x: inner(inner(x)) ** 2)
    return T.jacfwd(T.jacrev(lambda x: m.sum(outer(x))))(X3)


@case("F5 checkpoint with static_argnums under grad(grad)")
def _(T, m):
    g = T.checkpoint(lambda x, n: x**n, static_argnums=(1,))
    return T.grad(T.grad(lambda x: g(x, 3)))(1.7)


@case("F6 hvp of a checkpointed closure over the outer tracer")
def _(T, m):
    def f(x):
        g = T.checkpoint(lambda y: m.sum(m.sin(x * y)))
        return g(x) * m.sum(x)

    return T.hvp(f, (X3,), (V3,))


# ---------------------------------------------------------------- G: jit of value_and_grad(has_aux)
@case("G1 jit(value_and_grad(has_aux)) aux dict")
def _(T, m):
    def f(p):
        y = loss(m, p, X3)
        return y, {"y": y, "w2": p["w"] * 2}

    return T.jit(T.value_and_grad(f, has_aux=True))(P)


@case("G2 jit(value_and_grad(has_aux)) aux tuple incl. namedtuple")
def _(T, m):
    def f(x):
        return m.sum(x**2), (Pair(m.sin(x), x[0]), m.cos(x))

    return T.jit(T.value_and_grad(f, has_aux=True))(X3)


@case("G3 grad(jit(f))")
def _(T, m):
    return T.grad(T.jit(lambda x: m.sum(m.sin(x) ** 2)))(X3)


@case("G4 grad(grad(jit(f)))")
def _(T, m):
    return T.grad(T.grad(T.jit(lambda x: m.sin(x) * x**2)))(0.4)


@case("G5 jit(grad(has_aux)) called twice")
def _(T, m):
    g = T.jit(T.grad(lambda x: (m.sum(m.exp(x)), {"m": m.max(x)}), has_aux=True))
    return g(X3), g(V3)


@case("G6 vmap(jit(value_and_grad(has_aux)))")
def _(T, m):
    f = lambda x: (m.sum(m.tanh(x)), {"x0": x[0], "n": m.sum(x**2)})
    return T.vmap(T.jit(T.value_and_grad(f, has_aux=True)))(XB)


@case("G7 jit(hessian) of a pytree")
def _(T, m):
    return T.jit(T.hessian(lambda p: m.sum(p["b"] ** 3) * m.sum(p["w"])))(P)


@case("G8 jit with static_argnums of a grad")
def _(T, m):
    g = T.jit(lambda x, n: T.grad(lambda z: m.sum(z**n))(x), static_argnums=(1,))
    return g(X3, 3), g(X3, 2)


# ---------------------------------------------------------------- H: argnums tuples with pytrees
@case("H1 grad argnums=(0,2) over dict, array, tuple")
def _(T, m):
    f = lambda p, k, t: m.sum(p["w"]) * k * m.sum(t[0] * t[1])
    return T.grad(f, argnums=(0, 2))(P, 2.0, (X3, V3))


@case("H2 jacrev argnums=(1,0) order")
def _(T, m):
    f = lambda a, b: m.sin(a) * b[:3]
    return T.jacrev(f, argnums=(1, 0))(X3, X4)


@case("H3 hessian argnums=(0,1) with a dict")
def _(T, m):
    f = lambda p, x: loss(m, p, x)
    return T.hessian(f, argnums=(0, 1))(P, X3)


@case("H4 value_and_grad argnums=(0,1) has_aux pytree aux")
def _(T, m):
    f = lambda a, b: (m.sum(a * b["v"]), [a, b])
    return T.value_and_grad(f, argnums=(0, 1), has_aux=True)(X3, {"v": V3})


@case("H5 jacfwd argnums=(0,) (1-tuple)")
def _(T, m):
    return T.jacfwd(lambda a, b: a * b, argnums=(0,))(X3, V3)


@case("H6 grad argnums=() (empty tuple)")
def _(T, m):
    return T.grad(lambda a: m.sum(a), argnums=())(X3)


@case("H7 jacrev argnums=(0,1) dict out")
def _(T, m):
    f = lambda a, b: {"u": a * b, "s": m.sum(a)}
    return T.jacrev(f, argnums=(0, 1))(X3, V3)


@case("H8 grad argnums=-1")
def _(T, m):
    return T.grad(lambda a, b: m.sum(a * b**2), argnums=-1)(X3, V3)


# ---------------------------------------------------------------- I: complex / holomorphic
@case("I1 grad of |z|^2 sum (complex input)")
def _(T, m):
    return T.grad(lambda z: m.sum(m.abs(z) ** 2))(Z3)


@case("I2 grad holomorphic=True of sum(z^2) (complex out)")
def _(T, m):
    return T.grad(lambda z: m.sum(z**2), holomorphic=True)(Z3)


@case("I3 jacfwd holomorphic of sin")
def _(T, m):
    return T.jacfwd(lambda z: m.sin(z) * z, holomorphic=True)(Z3)


@case("I4 jacrev holomorphic of exp")
def _(T, m):
    return T.jacrev(lambda z: m.exp(z) * z[0], holomorphic=True)(Z3)


@case("I5 vmap(grad(real of complex))")
def _(T, m):
    Zb = np.stack([Z3, Z3 * 1j, Z3 + 1])
    return T.vmap(T.grad(lambda z: m.real(m.sum(z * m.conj(z) * z))))(Zb)


@case("I6 jvp with complex primal and tangent")
def _(T, m):
    return T.jvp(lambda z: m.exp(z) * z, (Z3,), (Z3 * 0.5j,))


@case("I7 vjp of complex function, complex cotangent")
def _(T, m):
    y, pb = T.vjp(lambda z: z**2 * m.conj(z), Z3)
    return y, pb(Z3 + 1)


@case("I8 hessian of a real function of a complex input (JAX: complex hessian)")
def _(T, m):
    return T.hessian(lambda z: m.sum(m.abs(z) ** 2 * m.real(z)))(Z3)


@case("I9 grad of real fn of complex intermediate of real input")
def _(T, m):
    return T.grad(lambda x: m.sum(m.abs(m.exp(1j * x) + x) ** 2))(X3)


@case("I10 grad holomorphic of Python complex scalar")
def _(T, m):
    return T.grad(lambda z: z**3 + m.sin(z), holomorphic=True)(1.0 + 2.0j)


@case("I11 grad of a complex output without holomorphic (JAX refuses)")
def _(T, m):
    return T.grad(lambda z: m.sum(z**2))(Z3)


# ---------------------------------------------------------------- J: in_axes / out_axes
@case("J1 vmap out_axes=None for an unbatched output")
def _(T, m):
    return T.vmap(lambda x: (m.sum(x), m.sum(W)), out_axes=(0, None))(XB)


@case("J2 vmap nested in_axes dict")
def _(T, m):
    f = lambda d: d["a"]["x"] * d["b"]
    return T.vmap(f, in_axes=({"a": {"x": 0}, "b": None},))({"a": {"x": XB}, "b": V3})


@case("J3 vmap in_axes dict prefix (one int for a subtree)")
def _(T, m):
    f = lambda d: d["x"] + d["y"]
    return T.vmap(f, in_axes=({"x": 1, "y": 0},))({"x": XB.T, "y": VB})


@case("J4 vmap out_axes=1 of a dict")
def _(T, m):
    return T.vmap(lambda x: {"s": m.sin(x), "c": m.cos(x)}, out_axes=1)(XB)


@case("J5 vmap out_axes dict of ints/None")
def _(T, m):
    return T.vmap(lambda x: {"s": m.sin(x), "k": W}, out_axes={"s": 0, "k": None})(XB)


@case("J6 vmap in_axes=-1")
def _(T, m):
    return T.vmap(lambda x: m.sum(x**2), in_axes=-1)(XB)


@case("J7 vmap in_axes list for a list argument")
def _(T, m):
    return T.vmap(lambda l: l[0] * l[1], in_axes=([0, None],))([XB, V3])


@case("J8 grad of vmap with in_axes=(None, 0)")
def _(T, m):
    return T.grad(lambda p: m.sum(T.vmap(lambda q, x: loss(m, q, x), in_axes=(None, 0))(p, XB)))(P)


@case("J9 vmap of vmap out_axes (1, 0)")
def _(T, m):
    f = T.vmap(T.vmap(lambda a, b: a * b, in_axes=(0, None), out_axes=0), in_axes=(None, 0), out_axes=1)
    return f(X3, X4)


@case("J10 vmap axis_size with all in_axes None")
def _(T, m):
    return T.vmap(lambda x: m.sum(x), in_axes=None, axis_size=4)(X3)


@case("J11 jacrev of vmap(out_axes=1)")
def _(T, m):
    return T.jacrev(T.vmap(lambda x: m.sin(x) * x[0], out_axes=1))(XB[:2])


# ---------------------------------------------------------------- K: perturbation confusion
@case("K1 d/dx (x * d/dy (x + y)) == 1")
def _(T, m):
    return T.grad(lambda x: x * T.grad(lambda y: x + y)(1.0))(2.0)


@case("K2 d/dx (x * d/dy (x * y)) at 3 (== 2x = 6)")
def _(T, m):
    return T.grad(lambda x: x * T.grad(lambda y: x * y)(1.0))(3.0)


@case("K3 jacfwd outer, grad inner closing over x")
def _(T, m):
    return T.jacfwd(lambda x: x * T.grad(lambda y: m.sum(x * y**2))(V3))(X3)


@case("K4 grad outer, jvp inner closing over x")
def _(T, m):
    return T.grad(lambda x: m.sum(x * T.jvp(lambda y: m.sin(x * y), (V3,), (X3,))[1]))(X3)


@case("K5 jvp outer, vjp inner closing over x")
def _(T, m):
    def f(x):
        _, pb = T.vjp(lambda y: x * y**2, V3)
        return pb(x)[0]

    return T.jvp(f, (X3,), (V3,))


@case("K6 hvp outer, grad inner closing (same x in both)")
def _(T, m):
    f = lambda x: m.sum(x * T.grad(lambda y: m.sum(m.sin(x * y)))(x))
    return T.hvp(f, (X3,), (V3,))


@case("K7 grad of grad at the same point via closure (Siskind-Pearlmutter)")
def _(T, m):
    def f(x):
        g = T.grad(lambda y: x * y)
        return g(x) * x  # d/dy (x y) = x; x * x -> 2x

    return T.grad(f)(1.7)


@case("K8 vmap outer, grad inner closing over the batched x")
def _(T, m):
    return T.vmap(lambda x: T.grad(lambda y: m.sum(x * m.sin(y)))(V3))(XB)


@case("K9 three levels of closures")
def _(T, m):
    def f(x):
        def g(y):
            return T.grad(lambda z: x * y * z**2)(y)

        return T.grad(g)(x) * x

    return T.grad(f)(1.2)


@case("K10 linearize outer point captured by an inner grad")
def _(T, m):
    y, fj = T.linearize(lambda x: T.grad(lambda z: m.sum(m.sin(x * z)))(x), X3)
    return y, fj(V3)


@case("K11 custom_jvp rule closing over an outer grad's tracer")
def _(T, m):
    def outer(a):
        @T.custom_jvp
        def f(x):
            return a * m.sin(x)

        @f.defjvp
        def _j(p, t):
            return f(p[0]), a * m.cos(p[0]) * t[0]

        return T.grad(f)(0.3) * a

    return T.grad(outer)(1.1)


@case("K12 grad of an inner grad of a custom_jvp closing over the outer tracer")
def _(T, m):
    def outer(a):
        @T.custom_jvp
        def f(x):
            return a * m.sin(x)

        @f.defjvp
        def _j(p, t):
            return a * m.sin(p[0]), a * m.cos(p[0]) * t[0]

        return T.grad(f)(0.3) * a  # d/da (a cos 0.3 * a) = 2 a cos 0.3

    return T.grad(outer)(1.1)


@case("K13 jacfwd of an inner grad of a custom_jvp closing over the outer tracer")
def _(T, m):
    def outer(a):
        @T.custom_jvp
        def f(x):
            return m.sum(a * m.sin(x))

        @f.defjvp
        def _j(p, t):
            return m.sum(a * m.sin(p[0])), m.sum(a * m.cos(p[0]) * t[0])

        return T.grad(f)(X3)

    return T.jacfwd(outer)(V3)


# ---------------------------------------------------------------- L: static args
@case("L1 jit static_argnames")
def _(T, m):
    g = T.jit(lambda x, mode: m.sum(x**2) if mode == "sq" else m.sum(x), static_argnames=("mode",))
    return g(X3, mode="sq"), g(X3, mode="id")


@case("L2 grad of jit(static_argnums)")
def _(T, m):
    g = T.jit(lambda x, n: m.sum(x**n), static_argnums=(1,))
    return T.grad(lambda x: g(x, 3))(X3)


@case("L3 vmap of jit(static_argnums)")
def _(T, m):
    g = T.jit(lambda x, n: m.sum(x[:n] ** 2), static_argnums=(1,))
    return T.vmap(lambda x: g(x, 2))(XB)


@case("L4 hessian of jit(static_argnums) via partial")
def _(T, m):
    import functools

    g = T.jit(lambda x, n: m.sum(m.sin(x) ** n), static_argnums=(1,))
    return T.hessian(functools.partial(g, n=2))(X3)


# ---------------------------------------------------------------- M: tuple/dict/namedtuple outputs
@case("M1 jacfwd of a namedtuple output")
def _(T, m):
    return T.jacfwd(lambda x: Pair(m.sin(x), m.sum(x)))(X3)


@case("M2 jvp of a dict output")
def _(T, m):
    return T.jvp(lambda x: {"a": m.sin(x), "b": (x[0], x**2)}, (X3,), (V3,))


@case("M3 vjp of a namedtuple output, namedtuple cotangent")
def _(T, m):
    y, pb = T.vjp(lambda x: Pair(m.sin(x), m.sum(x**2)), X3)
    return y, pb(Pair(V3, 2.0))


@case("M4 vmap of a namedtuple output")
def _(T, m):
    return T.vmap(lambda x: Pair(m.sum(x), x * 2))(XB)


@case("M5 linearize of a tuple output")
def _(T, m):
    y, fj = T.linearize(lambda x: (m.sin(x), m.sum(x) * x), X3)
    return y, fj(V3)


@case("M6 hessian of a function returning a 1-tuple's element")
def _(T, m):
    return T.jacfwd(T.jacrev(lambda x: (m.sum(x**3),)))(X3)


@case("M7 value_and_grad has_aux namedtuple aux")
def _(T, m):
    return T.value_and_grad(lambda x: (m.sum(x**2), Pair(x, 1.0)), has_aux=True)(X3)


@case("M8 jacrev dict output with nested tuple")
def _(T, m):
    return T.jacrev(lambda x: {"a": (m.sin(x), x[1]), "b": [m.cos(x[0])]})(X3)


@case("M9 vjp of a dict output with a None leaf cotangent structure")
def _(T, m):
    y, pb = T.vjp(lambda x: {"a": m.sin(x), "b": m.sum(x)}, X3)
    return pb({"a": V3, "b": 0.5})


@case("M10 vmap returning None leaf")
def _(T, m):
    return T.vmap(lambda x: (m.sum(x), None))(XB)


# ---------------------------------------------------------------- N: zero-size
@case("N1 grad of sum over an empty array")
def _(T, m):
    return T.grad(lambda x: m.sum(x**2))(EMPTY)


@case("N2 jacobian of an empty input")
def _(T, m):
    return T.jacrev(lambda x: m.sin(x))(EMPTY)


@case("N3 jacfwd of an empty output")
def _(T, m):
    return T.jacfwd(lambda x: x[:0] * 2)(X3)


@case("N4 hessian at an empty input")
def _(T, m):
    return T.hessian(lambda x: m.sum(x**3))(EMPTY)


@case("N5 vmap over a zero-size batch")
def _(T, m):
    return T.vmap(lambda x: m.sum(x**2))(EMPTY2)


@case("N6 vmap(grad) over a zero-size batch")
def _(T, m):
    return T.vmap(T.grad(lambda x: m.sum(m.sin(x))))(EMPTY2)


@case("N7 jvp at an empty input")
def _(T, m):
    return T.jvp(lambda x: m.exp(x), (EMPTY,), (EMPTY,))


@case("N8 vjp with an empty leaf in a dict")
def _(T, m):
    y, pb = T.vjp(lambda d: m.sum(d["e"]) + m.sum(d["x"] ** 2), {"e": EMPTY, "x": X3})
    return y, pb(1.0)


@case("N9 hvp at an empty input")
def _(T, m):
    return T.hvp(lambda x: m.sum(x**4), (EMPTY,), (EMPTY,))


# ---------------------------------------------------------------- O: integer inputs
@case("O1 grad of int array (JAX refuses)")
def _(T, m):
    return T.grad(lambda x: m.sum(x**2))(I3)


@case("O2 grad of Python int (JAX refuses)")
def _(T, m):
    return T.grad(lambda x: x**2)(3)


@case("O3 grad wrt float arg with an int array arg closed")
def _(T, m):
    return T.grad(lambda x, k: m.sum(x * k))(X3, I3)


@case("O4 grad allow_int=True (JAX: float0 zeros)")
def _(T, m):
    return T.grad(lambda x, k: m.sum(x * k), argnums=(0, 1), allow_int=True)(X3, I3)


@case("O5 vmap over an int array")
def _(T, m):
    return T.vmap(lambda k, x: k * x, in_axes=(0, None))(I3, V3)


@case("O6 jacfwd of int input (JAX refuses)")
def _(T, m):
    return T.jacfwd(lambda x: x * 2.0)(I3)


@case("O7 jvp of a float fn at an int primal (JAX: needs float0 tangent)")
def _(T, m):
    return T.jvp(lambda x: x * 2.0, (I3,), (I3,))


@case("O8 vjp at an int primal")
def _(T, m):
    y, pb = T.vjp(lambda x: x * 2.0, I3)
    return y


# ---------------------------------------------------------------- P: float32
@case("P1 grad float32 dtype")
def _(T, m):
    return T.grad(lambda x: m.sum(m.sin(x) ** 2))(F32)


@case("P2 hessian float32 dtype")
def _(T, m):
    return T.hessian(lambda x: m.sum(m.sin(x) * x**2))(F32)


@case("P3 vmap(hvp) float32")
def _(T, m):
    return T.vmap(lambda v: T.hvp(lambda x: m.sum(x**3), (F32,), (v,)))(VB.astype(np.float32))


@case("P4 value_and_grad float32 pytree has_aux")
def _(T, m):
    f = lambda p: (loss(m, p, F32), {"b": p["b"] * 2})
    return T.value_and_grad(f, has_aux=True)(F32P)


@case("P5 jvp float32 primal, float32 tangent")
def _(T, m):
    return T.jvp(lambda x: m.exp(x) * 2.0, (F32,), (F32,))


@case("P6 vjp float32 pullback")
def _(T, m):
    y, pb = T.vjp(lambda x: m.tanh(x), F32)
    return y, pb(np.ones(3, np.float32))


@case("P7 jacfwd/jacrev float32 mixed with float64 arg")
def _(T, m):
    f = lambda a, b: a * b
    return T.jacfwd(f, argnums=(0, 1))(F32, X3), T.jacrev(f, argnums=(0, 1))(F32, X3)


@case("P8 linearize float32")
def _(T, m):
    y, fj = T.linearize(lambda x: m.sin(x) * 3.0, F32)
    return y, fj(np.ones(3, np.float32))


@case("P9 grad float32 numpy scalar")
def _(T, m):
    return T.grad(lambda x: x**3)(np.float32(1.5))


@case("P10 jit(grad) float32")
def _(T, m):
    return T.jit(T.grad(lambda x: m.sum(m.cos(x))))(F32)


@case("P11 hessian mixed float32/float64 argnums")
def _(T, m):
    return T.hessian(lambda a, b: m.sum(a**2 * b), argnums=(0, 1))(F32, X3)


@case("P12 custom_vjp float32")
def _(T, m):
    f = _cvjp(T, m)
    return T.grad(lambda x: m.sum(f(x)))(F32)


# ---------------------------------------------------------------- Q: misc composites
@case("Q1 linear_transpose of linearize's f_jvp")
def _(T, m):
    y, fj = T.linearize(lambda x: m.sin(x) * m.sum(x), X3)
    return T.linear_transpose(fj, X3)(V3)


@case("Q2 grad of stop_gradient closure")
def _(T, m):
    return T.grad(lambda x: m.sum(T.stop_gradient(x) * x**2))(X3)


@case("Q3 hessian of stop_gradient composite")
def _(T, m):
    return T.hessian(lambda x: m.sum(T.stop_gradient(m.sin(x)) * x**3))(X3)


@case("Q4 jacfwd(vmap(grad)) per-example second derivatives")
def _(T, m):
    return T.jacfwd(T.vmap(T.grad(lambda x: m.sum(x**3 * m.sin(x)))))(XB[:2])


@case("Q5 grad(lambda x: value_and_grad(f)(x)[1] summed)")
def _(T, m):
    return T.grad(lambda x: m.sum(T.value_and_grad(lambda y: m.sum(m.exp(y) * y))(x)[1]))(X3)


@case("Q6 vmap of hessian in_axes=(None,0) argnums=1")
def _(T, m):
    return T.vmap(T.hessian(lambda p, x: loss(m, p, x), argnums=1), in_axes=(None, 0))(P, XB)


@case("Q7 grad of a function using vmap over a pytree of params (ensembles)")
def _(T, m):
    Ps = {"w": np.stack([P["w"], TP["w"]]), "b": np.stack([P["b"], TP["b"]])}
    return T.grad(lambda ps: m.sum(T.vmap(lambda p: loss(m, p, X3))(ps)))(Ps)


@case("Q8 jacrev of a vjp pullback wrt the cotangent with pytree primal")
def _(T, m):
    _, pb = T.vjp(lambda p: m.tanh(X3 @ p["w"] + p["b"]), P)
    return T.jacrev(lambda c: pb(c)[0])(np.ones(2))


@case("Q9 grad through a while-free Python loop with jvps")
def _(T, m):
    def f(x):
        acc = 0.0
        for k in range(3):
            acc = acc + T.jvp(lambda z: m.sin(z * (k + 1)), (x,), (V3,))[1]
        return m.sum(acc**2)

    return T.grad(f)(X3)


@case("Q10 hvp with pytree tangents of mixed leaves under jit")
def _(T, m):
    return T.jit(lambda p, t: T.hvp(lambda q: loss(m, q, X3), (p,), (t,)))(P, TP)


@case("Q11 grad of a 0-d array input returns 0-d array")
def _(T, m):
    return T.grad(lambda x: m.sin(x) * x)(np.array(0.7))


@case("Q12 jacrev of scalar in, scalar out")
def _(T, m):
    return T.jacrev(lambda x: m.sin(x) * x)(0.7)


@case("Q13 vmap(jacfwd) of a matrix function")
def _(T, m):
    return T.vmap(T.jacfwd(lambda x: A @ m.sin(x)))(XB)


@case("Q14 grad with has_aux returning aux that is the input (no aliasing)")
def _(T, m):
    return T.grad(lambda x: (m.sum(x**2), x), has_aux=True)(X3)


@case("Q15 vjp returning identity: cotangent output must not alias")
def _(T, m):
    y, pb = T.vjp(lambda x: x, X3)
    return y, pb(V3)


@case("Q16 jvp identity: tangent output must not alias")
def _(T, m):
    return T.jvp(lambda x: x, (X3,), (V3,))


@case("Q17 linearize identity f_jvp")
def _(T, m):
    y, fj = T.linearize(lambda x: x, X3)
    return y, fj(V3)


@case("Q18 vmap identity output")
def _(T, m):
    return T.vmap(lambda x: x)(XB)


@case("Q19 jit identity output")
def _(T, m):
    return T.jit(lambda x: x)(X3)


@case("Q20 value_and_grad of a dict pytree with a None leaf")
def _(T, m):
    return T.value_and_grad(lambda d: m.sum(d["x"] ** 2))({"x": X3, "n": None})


@case("Q21 grad of sum of hessian diag (third order)")
def _(T, m):
    return T.grad(lambda x: m.trace(T.hessian(lambda y: m.sum(m.sin(y) * y**3))(x)))(X3)


@case("Q22 jacrev of linearize's f_jvp applied to the outer x")
def _(T, m):
    return T.jacrev(lambda x: T.linearize(lambda z: m.sin(z) * z, x)[1](x))(X3)


@case("Q23 vmap in_axes with a namedtuple")
def _(T, m):
    return T.vmap(lambda p: p.a * p.b, in_axes=(Pair(0, None),))(Pair(XB, V3))


@case("Q24 hvp of a function of two args via partial-like closure and argnums")
def _(T, m):
    return T.hvp(lambda x, y: m.sum(x**2 * y**3), (X3, V3), (V3, X3))


@case("Q25 grad of jnp.linalg in vmap (det per batch)")
def _(T, m):
    M = rng_batch = np.stack([np.eye(3) + 0.1 * XB[:3], np.eye(3) - 0.2 * VB[:3]])
    del rng_batch
    return T.grad(lambda M: m.sum(T.vmap(m.linalg.det)(M)))(M)


@case("Q26 linear_transpose of f_jvp given a ShapeDtypeStruct")
def _(T, m):
    y, fj = T.linearize(lambda x: m.cos(x) * x[0], X3)
    return T.linear_transpose(fj, T.ShapeDtypeStruct((3,), np.float64))(V3)


@case("Q27 linear_transpose of a two-argument pytree f_jvp")
def _(T, m):
    y, fj = T.linearize(lambda a, b: m.sin(a) * b["u"], X3, {"u": V3})
    return T.linear_transpose(fj, X3, {"u": V3})(V3)


@case("R1 grad of a jit closing over the outer tracer")
def _(T, m):
    def f(x):
        g = T.jit(lambda y: m.sum(m.sin(x * y)))
        return g(x) * x[0]

    return T.grad(f)(X3)


@case("R2 jvp of vmap with out_axes=1")
def _(T, m):
    return T.jvp(T.vmap(lambda r: m.sin(r) * r[0], out_axes=1), (XB,), (VB,))


@case("R3 vmap of linearize inside (linearize per row)")
def _(T, m):
    return T.vmap(lambda x, v: T.linearize(lambda z: m.exp(z) * m.sum(z), x)[1](v))(XB, VB)


@case("R4 hessian holomorphic of a complex polynomial")
def _(T, m):
    return T.hessian(lambda z: m.sum(z**3 * z[0]), holomorphic=True)(Z3)


@case("R5 vmap of custom_jvp with in_axes=(None, 0)")
def _(T, m):
    @T.custom_jvp
    def f(a, x):
        return m.sin(a * x)

    @f.defjvp
    def _j(p, t):
        a, x = p
        ta, tx = t
        return f(a, x), m.cos(a * x) * (ta * x + a * tx)

    return T.vmap(T.grad(lambda a, x: m.sum(f(a, x)), argnums=(0, 1)), in_axes=(None, 0))(X3, XB)


@case("R6 grad of vmap of jit of grad")
def _(T, m):
    g = T.jit(T.grad(lambda x: m.sum(m.tanh(x) ** 3)))
    return T.grad(lambda X: m.sum(T.vmap(g)(X) ** 2))(XB)


@case("R7 jacrev of vmap in_axes=(0, None) wrt the unbatched arg")
def _(T, m):
    return T.jacrev(lambda w: T.vmap(lambda x, w: x @ w, in_axes=(0, None))(XB, w))(W)


@case("R8 vjp of vmap, pullback wrt both args")
def _(T, m):
    y, pb = T.vjp(T.vmap(lambda x, w: m.tanh(x @ w), in_axes=(0, None)), XB, W)
    return y, pb(np.ones((5, 2)))


@case("R9 hvp of a jit of a pytree loss")
def _(T, m):
    return T.hvp(T.jit(lambda p: loss(m, p, X3)), (P,), (TP,))


@case("R10 checkpoint under vmap under grad with a closure")
def _(T, m):
    def f(w):
        g = T.checkpoint(lambda x: m.sum(m.sin(x @ w) ** 2))
        return m.sum(T.vmap(g)(XB))

    return T.grad(f)(W)


@case("R11 value_and_grad of jacfwd trace (third-order mixed)")
def _(T, m):
    return T.value_and_grad(lambda x: m.trace(T.jacfwd(T.grad(lambda y: m.sum(m.exp(y) * y**2)))(x)))(X3)


@case("R12 grad(grad) with argnums=1 closing an outer arg")
def _(T, m):
    return T.grad(lambda a, b: T.grad(lambda u, v: u * v**3, argnums=1)(a, b) * a, argnums=(0, 1))(1.3, 0.7)


@case("R13 vmap of hessian of custom_jvp")
def _(T, m):
    f = _cjvp(T, m)
    return T.vmap(T.hessian(lambda x: m.sum(f(x) * x**2)))(XB)


@case("R14 grad of logsumexp-like with stop_gradient under vmap")
def _(T, m):
    def lse(x):
        c = T.stop_gradient(m.max(x))
        return c + m.log(m.sum(m.exp(x - c)))

    return T.vmap(T.grad(lse))(XB)


@case("R15 jacfwd of a float32 vmap (dtype)")
def _(T, m):
    return T.jacfwd(T.vmap(lambda x: m.sin(x) * 2.0))(XB[:2].astype(np.float32))


@case("R16 vmap with in_axes=1 over a dict leaf and out_axes=-1")
def _(T, m):
    return T.vmap(lambda d: d["x"] * 2.0 + d["y"], in_axes=({"x": 1, "y": None},), out_axes=-1)({"x": XB.T, "y": V3})


@case("R17 grad of a function returning a 0-d array from a Python float")
def _(T, m):
    return T.grad(lambda x: m.asarray(x) ** 2)(1.5)


@case("R18 vmap of vjp with has_aux in_axes=(0, None)")
def _(T, m):
    def f(x, c):
        _, pb, aux = T.vjp(lambda z: (m.sin(z) * z, m.sum(z)), x, has_aux=True)
        return pb(c)[0], aux

    return T.vmap(f, in_axes=(0, None))(XB, V3)


@case("R19 grad wrt the cotangent of a has_aux pullback")
def _(T, m):
    _, pb, _aux = T.vjp(lambda z: (m.sin(z) * m.sum(z**2), {"n": m.sum(z)}), X3, has_aux=True)
    return T.grad(lambda c: m.sum(pb(c)[0] ** 3))(V3)


@case("R20 vmap of linearize(has_aux)'s f_jvp at an unbatched tangent")
def _(T, m):
    def f(x, v):
        y, fj, aux = T.linearize(lambda z: (m.sin(z) * z[0], m.sum(z)), x, has_aux=True)
        return fj(v), aux

    return T.vmap(f, in_axes=(0, None))(XB, V3)


@case("R21 grad through jvp(has_aux)'s tangent")
def _(T, m):
    def g(x):
        _, t, aux = T.jvp(lambda z: (m.tanh(z) ** 2, m.sum(z)), (x,), (V3,), has_aux=True)
        return m.sum(t**2) + aux

    return T.grad(g)(X3)


@case("R22 grad wrt the tangent of linearize(has_aux)'s f_jvp")
def _(T, m):
    _, fj, _aux = T.linearize(lambda z: (m.exp(z) * m.sum(z), z[0]), X3, has_aux=True)
    return T.grad(lambda v: m.sum(m.sin(fj(v))))(V3)


@case("R23 vmap of jacrev(has_aux) with in_axes=(None, 0)")
def _(T, m):
    f = lambda p, x: (m.tanh(x @ p["w"] + p["b"]), m.sum(x))
    return T.vmap(T.jacrev(f, has_aux=True), in_axes=(None, 0))(P, XB)


@case("R24 hessian(has_aux) under grad")
def _(T, m):
    return T.grad(
        lambda x: m.sum(T.jacfwd(T.jacrev(lambda y: (m.sum(m.sin(y) * y**2), y), has_aux=True), has_aux=True)(x)[0])
    )(X3)


@case("R25 grad of value_and_grad(has_aux) value and aux")
def _(T, m):
    def g(x):
        (v, aux), gr = T.value_and_grad(lambda z: (m.sum(m.exp(z) * z), m.prod(z)), has_aux=True)(x)
        return v + aux + m.sum(gr**2)

    return T.grad(g)(X3)


@case("R26 vmap of vjp(has_aux) pullback made outside")
def _(T, m):
    _, pb, _aux = T.vjp(lambda z: (m.sin(z) * m.sum(z), z), X3, has_aux=True)
    return T.vmap(pb)(VB)


@case("R27 linear_transpose of linearize(has_aux)'s f_jvp with primals")
def _(T, m):
    _, fj, _aux = T.linearize(lambda z: (m.cos(z) * z[1], z), X3, has_aux=True)
    return T.linear_transpose(fj, X3)(V3)


@case("R28 jvp of vjp(has_aux) pullback (forward over reverse)")
def _(T, m):
    def g(x):
        _, pb, aux = T.vjp(lambda z: (m.sin(z) ** 2 * z, m.sum(z)), x, has_aux=True)
        return pb(V3)[0] * aux

    return T.jvp(g, (X3,), (V3,))


@case("S1 grad of a shape-(1,) output (JAX refuses)")
def _(T, m):
    return T.grad(lambda x: m.sum(x, keepdims=True))(X3)


@case("S2 vmap with mismatched batch sizes (JAX refuses)")
def _(T, m):
    return T.vmap(lambda a, b: a[0] * b)(XB, X4)


@case("S3 vmap in_axes beyond the rank (JAX refuses)")
def _(T, m):
    return T.vmap(lambda a: a, in_axes=2)(XB)


@case("S4 jvp with a float32 tangent for a float64 primal (JAX refuses)")
def _(T, m):
    return T.jvp(lambda x: m.sin(x), (X3,), (V3.astype(np.float32),))


@case("S5 vmap of a function returning a Python float (broadcast)")
def _(T, m):
    return T.vmap(lambda x: (m.sum(x), 2.0))(XB)


@case("S6 grad of a max with ties under vmap")
def _(T, m):
    Xt = np.array([[1.0, 1.0, 0.5], [2.0, -1.0, 2.0]])
    return T.vmap(T.grad(lambda x: m.max(x)))(Xt)


@case("S7 hessian at a kink of abs (convention)")
def _(T, m):
    return T.hessian(lambda x: m.sum(m.abs(x) * x))(np.array([0.0, 1.0, -2.0]))


@case("S8 jvp of where (both branches computed)")
def _(T, m):
    return T.jvp(lambda x: m.where(x > 0, m.sqrt(m.abs(x)), x**2), (X3,), (V3,))


@case("S9 grad of where with a NaN in the discarded branch (JAX's known NaN)")
def _(T, m):
    return T.grad(lambda x: m.sum(m.where(x > 0, m.log(m.abs(x) + (x > 0)), 0.0)))(np.array([1.0, -1.0, 0.0]))


@case("S10 grad of norm at zero")
def _(T, m):
    return T.grad(lambda x: m.linalg.norm(x))(np.zeros(3))


@case("U1 hessian of a lax.scan loss")
def _(T, m):
    def f(x):
        def step(c, xi):
            c = m.tanh(c * xi + 0.5)
            return c, c * xi

        c, ys = T.lax.scan(step, 0.3, x)
        return c + m.sum(ys)

    return T.hessian(f)(X4)


@case("U2 vmap(grad) of lax.fori_loop")
def _(T, m):
    f = lambda x: m.sum(T.lax.fori_loop(0, 3, lambda i, c: m.sin(c) * x + i, x))
    return T.vmap(T.grad(f))(XB)


@case("U3 jacfwd of lax.cond under vmap (per-row branch)")
def _(T, m):
    f = lambda x: T.lax.cond(m.sum(x) > 0, lambda z: m.sin(z) * 2.0, lambda z: z**3, x)
    return T.vmap(T.jacfwd(f))(XB)


@case("U4 grad of vmap with psum (axis_name)")
def _(T, m):
    g = T.vmap(lambda x: x / T.lax.psum(m.sum(x), "i"), axis_name="i")
    return T.grad(lambda X: m.sum(g(X) ** 2))(XB)


@case("U5 hvp through a pmean normalisation")
def _(T, m):
    def f(X):
        Y = T.vmap(lambda r: r - T.lax.pmean(r, "b"), axis_name="b")(X)
        return m.sum(m.tanh(Y) ** 2)

    return T.hvp(f, (XB,), (VB,))


@case("U6 grad of lax.while_loop with a fixed trip count via fori (reverse)")
def _(T, m):
    def f(x):
        return T.lax.fori_loop(0, 4, lambda i, c: c * m.cos(c) + x, 0.1 * x)

    return T.grad(lambda x: m.sum(f(x)))(X3)


@case("U7 vmap of scan with in_axes=(None, 0)")
def _(T, m):
    def f(w, xs):
        c, ys = T.lax.scan(lambda c, x: (c * w + x, c), 0.0, xs)
        return c + m.sum(ys)

    return T.vmap(T.grad(f), in_axes=(None, 0))(0.7, XB)


@case("U8 jacrev of lax.switch")
def _(T, m):
    fs = [lambda z: m.sin(z), lambda z: z**2, lambda z: m.exp(z)]
    return [T.jacrev(lambda x, k=k: T.lax.switch(k, fs, x))(X3) for k in range(3)]


# ----------------------------------------------------------------------------- running and judging
REFERENCES = pathlib.Path(__file__).with_name("transforms66_jax.json")


def _jax_namespace():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    names = "grad value_and_grad jacfwd jacrev hessian jvp vjp linearize vmap jit custom_vjp custom_jvp checkpoint"
    T = types.SimpleNamespace(**{n: getattr(jax, n) for n in (names + " linear_transpose").split()})
    T.jacobian = jax.jacrev
    T.stop_gradient = jax.lax.stop_gradient
    T.lax = jax.lax
    T.ShapeDtypeStruct = jax.ShapeDtypeStruct

    def hvp(f, primals, tangents):  # (grad f(x), H v): jvp of grad
        g = jax.grad(f, argnums=tuple(range(len(primals)))) if len(primals) > 1 else jax.grad(f)
        return jax.jvp(g, primals, tangents)

    T.hvp = hvp
    return T, jnp


def canon(x):
    """A comparable tree: ("dict", {k: ...}), (type name, [...]), ("None",) or ("leaf", array, kind)."""
    if x is None:
        return ("None",)
    if isinstance(x, dict):
        return ("dict", {str(k): canon(v) for k, v in sorted(x.items())})
    if isinstance(x, (tuple, list)):
        return (type(x).__name__, [canon(v) for v in x])
    kind = "python" if isinstance(x, (int, float, complex, bool)) else "array"
    return ("leaf", np.asarray(x), kind)


def encode(t):
    if t[0] == "leaf":
        a = t[1]
        dt = "float0" if a.dtype.kind == "V" else a.dtype.name
        a = np.zeros(a.shape) if a.dtype.kind == "V" else a
        re = np.real(a).astype(float).ravel().tolist()
        im = np.imag(a).astype(float).ravel().tolist() if a.dtype.kind == "c" else None
        return {"leaf": dt, "shape": list(a.shape), "re": re, "im": im, "kind": t[2]}
    if t[0] == "dict":
        return {"dict": {k: encode(v) for k, v in t[1].items()}}
    if t[0] == "None":
        return {"None": True}
    return {"seq": t[0], "items": [encode(v) for v in t[1]]}


def decode(e):
    if "leaf" in e:
        v = np.array(e["re"], dtype=float)
        if e["im"] is not None:
            v = v + 1j * np.array(e["im"], dtype=float)
        return ("leaf", v.reshape(e["shape"]), e["kind"], e["leaf"])
    if "dict" in e:
        return ("dict", {k: decode(v) for k, v in e["dict"].items()})
    if "None" in e:
        return ("None",)
    return (e["seq"], [decode(v) for v in e["items"]])


def compare(d, j, path="") -> list[str]:
    """Differences of difflab's canon `d` from JAX's decoded `j`: structure, shape, dtype, value (rtol 1e-9 of
    max(1, |JAX|); 2e-6 where a float32 is involved). A Python float where JAX gives a 0-d array is difflab's
    documented contract (docs/api.md), not a difference; JAX's float0 is matched by zeros (flagged by dtype)."""
    if d[0] != j[0]:
        return [f"{path or '.'}: structure {d[0]} vs JAX {j[0]}"]
    if d[0] == "dict":
        if set(d[1]) != set(j[1]):
            return [f"{path}: keys {sorted(d[1])} vs JAX {sorted(j[1])}"]
        return [e for k in d[1] for e in compare(d[1][k], j[1][k], f"{path}[{k!r}]")]
    if d[0] == "None":
        return []
    if d[0] != "leaf":
        if len(d[1]) != len(j[1]):
            return [f"{path}: length {len(d[1])} vs JAX {len(j[1])}"]
        return [e for i, (a, b) in enumerate(zip(d[1], j[1])) for e in compare(a, b, f"{path}[{i}]")]
    a, b, jdt = d[1], j[1], j[3]
    if a.shape != b.shape:
        return [f"{path}: shape {a.shape} vs JAX {b.shape}"]
    out = []
    if a.dtype.name != jdt and not (d[2] == "python" and a.dtype.kind == np.dtype(jdt).kind):
        out.append(f"{path}: dtype {a.dtype} vs JAX {jdt}")
    if a.size:
        tol = 2e-6 if "32" in a.dtype.name + jdt or "64" in jdt and "complex" in jdt else 1e-9
        tol = 1e-9 if jdt == "complex128" and a.dtype.name == "complex128" else tol
        err = np.max(np.abs(a.astype(complex) - b) / np.maximum(1.0, np.abs(b)))
        if not err <= tol:
            out.insert(0, f"{path}: WRONG NUMBER max rel err {err:.2e}: {a.ravel()[:4]} vs JAX {b.ravel()[:4]}")
    return out


def _leaves(t):
    if t[0] == "leaf":
        return [t[1]]
    if t[0] == "dict":
        return [x for v in t[1].values() for x in _leaves(v)]
    if t[0] == "None":
        return []
    return [x for v in t[1] for x in _leaves(v)]


def run_difflab(body):
    """(canon of difflab's result or None, the exception or None, notes: inputs mutated, an input aliased)."""
    before = [x.copy() for x in INPUTS]
    res, err = None, None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = canon(body(dl, np))
    except Exception as e:  # noqa: BLE001 (judged by the caller)
        err = e
    notes = []
    if any(not np.array_equal(b, x, equal_nan=True) for b, x in zip(before, INPUTS)):
        notes.append("input mutated")
    if res is not None:
        leaves = [x for x in _leaves(res) if isinstance(x, np.ndarray) and x.size]
        if any(np.shares_memory(leaf, x) for leaf in leaves for x in INPUTS):
            notes.append("aliases an input")
    return res, err, notes


def judge(name, res, err, ref) -> tuple[str, str]:
    """(category, detail) of one case against JAX's stored answer `ref`."""
    if "raised" not in ref and err is None:
        diffs = compare(res, decode(ref))
        cat = "wrong" if any("WRONG" in s for s in diffs) else ("form" if diffs else "agree")
        return cat, "; ".join(diffs[:3])
    if "raised" not in ref:
        clear = isinstance(err, (dl.DifflabError, TypeError, ValueError))
        return ("refused" if clear else "traceback"), f"{type(err).__name__}: {err}"[:300]
    if err is None:
        return "jax-raised", f"JAX {ref['raised']}; difflab answered"
    return "both-raised", f"JAX {ref['raised']}; difflab {type(err).__name__}: {err}"[:300]


def write_references():
    T, jnp = _jax_namespace()
    refs = {}
    for name, body in CASES:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                refs[name] = encode(canon(body(T, jnp)))
        except Exception as e:  # noqa: BLE001
            refs[name] = {"raised": f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"}
    REFERENCES.write_text(json.dumps(refs, indent=0, sort_keys=True) + "\n")
    return refs


if __name__ == "__main__":  # PYTHONPATH=. python tests/transforms66.py [--write] [--only SUBSTR]
    refs = write_references() if "--write" in sys.argv else json.loads(REFERENCES.read_text())
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    counts: collections.Counter = collections.Counter()
    for name, body in CASES:
        if only not in name:
            continue
        res, err, notes = run_difflab(body)
        cat, detail = judge(name, res, err, refs[name])
        cat = "+".join([cat, *notes])
        counts[cat] += 1
        print(f"[{cat}] {name}" + (f"\n    {detail}" if cat != "agree" else ""), flush=True)
        if "--show" in sys.argv and err is not None and cat in ("traceback", "refused"):
            traceback.print_exception(err)
    print(sum(counts.values()), "cases:", dict(counts))
