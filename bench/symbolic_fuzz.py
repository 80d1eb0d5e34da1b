"""Differential fuzz of the symbolic method's matrix level against reverse mode (issue 11: silent wrong numbers).

    PYTHONPATH=. python bench/symbolic_fuzz.py [SEED] [N] [--jax K] [--show M] [--depth D] [--f32] [--declared]

Draws N user-like array functions from a small grammar, deterministic by SEED: elementwise ops,
broadcasting against constant rows/columns/matrices, masks (a comparison used as a number) and
np.where, reductions with axis/keepdims (sum, mean, max, logsumexp, norm), matmul against constant
and traced matrices, transposes/reshapes, slicing/fancy indexing with constants and in-place updates
of a zeros_like, over 1-3 inputs shaped (batch, n). Each function is written twice, as NumPy source
(what difflab traces) and as jax.numpy source (in-place updates as `.at[].set/add`).

Per function it compares, against `dl.grad(f, method="reverse")` at the same point:
  grad      dl.grad(f, argnums=all, method="symbolic") at the first point P1;
  prepared  dl.prepare(f, *P1, method="symbolic").grad at a SECOND point P2;
  hessian   dl.hessian(f, method="symbolic") in the first argument (batch 2, n 3: small) against reverse's;
  jax       reverse against jax.grad under x64, for every K-th function (default 4).
--declared instead draws declared mean-over-examples losses f(w, X, Y) (`f.batch_argnums = (1, 2)`, the
symbolic method's one-example path) from row-wise pieces and compares them at batch 2 and 5. --f32 draws
float32 inputs and constants (agreement to 1e-4; a gradient's dtype must match reverse's).
It prints, per category, how many functions agree, disagree (a silent wrong number: rtol 1e-6 of the
reference's scale), raised where reverse did not (by exception type), and the first M sources that
disagree. Agreement is to 1e-6 of max(1, |reference|) elementwise.
"""

from __future__ import annotations

import collections
import sys
import textwrap
import time

import numpy as np

import difflab as dl
from difflab.scipy.special import logsumexp

B, N = 2, 3  # a batch axis of 2 rows, 3 features: small enough for symbolic Hessians
TOL = 1e-6
DTYPE = np.float64  # --f32: float32 inputs and float constants (TOL 1e-4)


class Gen:
    """A random function: statements (NumPy and JAX twins) and the inputs it reads."""

    def __init__(self, rng: np.random.Generator, n_in: int):
        self.rng, self.n_in = rng, n_in
        self.np_lines: list[str] = []
        self.jx_lines: list[str] = []
        self.k = 0
        self.temps: list[str] = []  # named values a later expression may read again (a DAG: adjoints summed)

    def pick(self, seq):
        return seq[self.rng.integers(len(seq))]

    def tmp(self, np_src: str, jx_src: str) -> tuple[str, str]:
        name = f"t{self.k}"
        self.k += 1
        self.np_lines.append(f"{name} = {np_src}")
        self.jx_lines.append(f"{name} = {jx_src}")
        return name, name

    def leaf(self):
        r = self.rng.random()
        if self.temps and r < 0.35:
            v = self.pick(self.temps)
            return v, v
        if r < 0.7:
            v = f"x{self.rng.integers(self.n_in)}"
            return v, v
        v = self.pick(["C0", "C1", "0.5 * C0 + x0", "(A0 + C0)"])
        return v, v

    def expr(self, d: int):  # an expression shaped (B, N): (numpy source, jax source)
        if d <= 0 or self.rng.random() < 0.15:
            return self.leaf()
        kind = self.pick(
            [
                "unary",
                "unary",
                "binary",
                "binary",
                "bcast",
                "mask",
                "reduce",
                "matmul",
                "shape",
                "inplace",
                "let",
                "let",
            ]
        )
        return getattr(self, "_" + kind)(d - 1)

    def _let(self, d):  # a named value: read again by later leaves
        a, ja = self.expr(d)
        name, _ = self.tmp(a, ja)
        self.temps.append(name)
        return name, name

    def _unary(self, d):
        a, ja = self.expr(d)
        fn = self.pick(
            [
                "np.tanh({})",
                "np.sin({})",
                "np.cos({})",
                "np.exp(0.5 * {})",
                "np.sqrt({0} * {0} + 1.0)",
                "{} ** 2",
                "({}) ** 3",
                "np.abs({})",
                "np.log1p({0} * {0})",
                "np.maximum({}, 0.2)",
                "np.minimum({}, K0)",
                "-{}",
                "np.square({})",
                "1.0 / (1.0 + np.exp(-{}))",
                "np.clip({}, -0.5, 0.5)",
                "np.sign({0}) * {0}",
                "np.minimum({}, 0.0)",
                "np.sqrt(np.abs({}))",
                "np.sqrt({} ** 2)",
                "np.log(np.abs({}))",
                "np.log(1.0 + np.exp({}))",
            ]
        )
        return fn.format(f"({a})"), fn.replace("np.", "jnp.").format(f"({ja})")

    def _binary(self, d):
        (a, ja), (b, jb) = self.expr(d), self.expr(d)
        op = self.pick(
            ["({0}) + ({1})", "({0}) - ({1})", "({0}) * ({1})", "({0}) / (1.0 + ({1}) ** 2)", "np.maximum({0}, {1})"]
        )
        return op.format(a, b), op.replace("np.", "jnp.").format(ja, jb)

    def _bcast(self, d):
        a, ja = self.expr(d)
        op = self.pick(
            [
                "({}) * R0",
                "({}) + K0",
                "2.5 * ({})",
                "({}) - R0 * K0",
                "R0 / (1.0 + ({}) ** 2)",
                "({}) * x0[:, :1]",
                "({}) + x0[:1, :]",
                "A0 * ({})",
                "({}) * 3",
                "({}) / A0",
                "({}) @ E0",
            ]
        )
        return op.format(a), op.format(ja)

    def _mask(self, d):
        (a, ja), (b, jb), (c, jc) = self.expr(d), self.expr(d), self.expr(d)
        t = round(float(self.rng.normal(0, 0.5)), 2)
        forms = [
            ("(({a}) > {t}) * ({b})", "(({a}) > {t}) * ({b})"),
            ("np.where(({a}) > {t}, {b}, {c})", "jnp.where(({a}) > {t}, {b}, {c})"),
            ("(({a}) > {t}) * ({b}) + (({a}) > {u}) * ({c})", "(({a}) > {t}) * ({b}) + (({a}) > {u}) * ({c})"),
            ("((({a}) > {t}) & (({b}) < 0.5)) * ({c})", "((({a}) > {t}) & (({b}) < 0.5)) * ({c})"),
            ("({b}) * (({a}) > {t}).astype(float)", "({b}) * (({a}) > {t}).astype(float)"),
            ("np.where(({a}) > {t}, {b}, 0.0)", "jnp.where(({a}) > {t}, {b}, 0.0)"),
            ("((({a}) > {t}) @ W0) * ({b})", "((({a}) > {t}) @ W0) * ({b})"),
            ("((({a}) > {t}) @ ({b}).T) @ ({c})", "((({a}) > {t}) @ ({b}).T) @ ({c})"),
            (
                "np.where(({a}) > {t}, 1, 0) * ({b}) + (({a}) > {u}) * ({b})",
                "jnp.where(({a}) > {t}, 1, 0) * ({b}) + (({a}) > {u}) * ({b})",
            ),
            (
                "-((({a}) > {t}) * ({b})) + 2 * ((({a}) > {u}) * ({b}))",
                "-((({a}) > {t}) * ({b})) + 2 * ((({a}) > {u}) * ({b}))",
            ),
            (
                "(({a})[:, :1] > {t}) * ({b}) + (({a})[:1, :] > {u}) * ({c})",
                "(({a})[:, :1] > {t}) * ({b}) + (({a})[:1, :] > {u}) * ({c})",
            ),
        ]
        f_np, f_jx = self.pick(forms)
        u = t + 0.5
        return f_np.format(a=a, b=b, c=c, t=t, u=u), f_jx.format(a=ja, b=jb, c=jc, t=t, u=u)

    def _reduce(self, d):
        (a, ja), (b, jb) = self.expr(d), self.expr(d)
        ax = int(self.rng.integers(2))
        forms = [
            "({a}) - np.max({a}, axis={ax}, keepdims=True)",
            "({a}) * np.mean({b}, axis={ax}, keepdims=True)",
            "({a}) / (1.0 + np.sum(({b}) ** 2, axis={ax}, keepdims=True))",
            "({a}) - logsumexp({a}, axis={ax}, keepdims=True)",
            "({a}) / np.linalg.norm(({b}) + 2.0, axis={ax}, keepdims=True)",
            "({a}) * np.sum({b}, axis=1)[:, None]",
            "({a}) + np.max({b}, axis=0)",
            "({a}) + np.mean({b})",
            "np.exp(({a}) - logsumexp({a}, axis={ax}, keepdims=True))",
            "({a}) * np.sum(({b}) * ({a}), axis={ax}, keepdims=True)",
            "({a}) - np.min({b}, axis={ax}, keepdims=True)",
            "({a}) * np.var({b}, axis={ax}, keepdims=True)",
            "(({a}) - np.mean({a}, axis={ax}, keepdims=True)) / np.sqrt(np.var({a}, axis={ax}, keepdims=True) + 1e-3)",
            "({a}) * np.max(({b}) > 0.3, axis={ax}, keepdims=True)",
            "({a}) * np.linalg.norm({b}, axis={ax}, keepdims=True)",
            "({a}) / (1.0 + np.linalg.norm({b}, axis={ax}, keepdims=True))",
        ]
        f = self.pick(forms)
        jf = f.replace("np.", "jnp.").replace("logsumexp", "jls")
        return f.format(a=a, b=b, ax=ax), jf.format(a=ja, b=jb, ax=ax)

    def _matmul(self, d):
        (a, ja), (b, jb), (c, jc) = self.expr(d), self.expr(d), self.expr(d)
        forms = [
            "({a}) @ W0",
            "(W0 @ ({a}).T).T",
            "0.3 * ({a}) @ (({b}).T @ ({c}))",
            "np.dot({a}, W0.T)",
            "0.2 * np.matmul({a}, ({b}).T) @ ({c})",
            "({a}) @ (({b}).T @ C0) * 0.1",
            "np.einsum('ij,jk->ik', {a}, W0)",
        ]
        f = self.pick(forms)
        return f.format(a=a, b=b, c=c), f.replace("np.", "jnp.").format(a=ja, b=jb, c=jc)

    def _shape(self, d):
        a, ja = self.expr(d)
        forms = [
            "({a}).T.T",
            "({a})[::-1]",
            "({a})[:, ::-1]",
            "({a})[:, [2, 0, 1]]",
            "({a})[[1, 0]]",
            "({a}).reshape(-1)[::-1].reshape({B}, {N})",
            "({a}).reshape({N}, {B}).T",
            "({a}).T.reshape({B}, {N})",
            "({a})[:, 1:2] * ({a})",
            "({a})[1] + ({a})",
            "np.concatenate([({a})[:, 1:], ({a})[:, :1]], axis=1)",
            "np.stack([({a})[1], ({a})[0]])",
        ]
        f = self.pick(forms)
        jf = (
            f.replace("np.", "jnp.")
            .replace("[2, 0, 1]", "jnp.array([2, 0, 1])")
            .replace("[[1, 0]]", "[jnp.array([1, 0])]")
        )
        return f.format(a=a, B=B, N=N), jf.format(a=ja, B=B, N=N)

    def _inplace(self, d):
        (a, ja), (b, jb) = self.expr(d), self.expr(d)
        x = f"x{self.rng.integers(self.n_in)}"  # a user's zeros_like(x): zeros of an input's shape
        z, _ = self.tmp(f"np.zeros_like({x})", f"jnp.zeros_like({x})")
        ups = [
            ("{z}[:, :2] = ({b})[:, 1:]", "{z} = {z}.at[:, :2].set(({b})[:, 1:])"),
            ("{z}[1] += ({a})[0]", "{z} = {z}.at[1].add(({a})[0])"),
            ("{z}[0, 2] = ({a})[1, 1]", "{z} = {z}.at[0, 2].set(({a})[1, 1])"),
            ("{z}[:, 1] += ({b})[:, 0] * 2.0", "{z} = {z}.at[:, 1].add(({b})[:, 0] * 2.0)"),
            ("{z}[...] = ({a})", "{z} = {z}.at[...].set({a})"),
            (
                "{z}[:, [0, 2]] = ({b})[:, [2, 0]]",
                "{z} = {z}.at[:, jnp.array([0, 2])].set(({b})[:, jnp.array([2, 0])])",
            ),
            ("{z} += ({a})", "{z} = {z} + ({a})"),
        ]
        for _ in range(int(self.rng.integers(1, 4))):
            u_np, u_jx = self.pick(ups)
            self.np_lines.append(u_np.format(z=z, a=a, b=b))
            self.jx_lines.append(u_jx.format(z=z, a=ja, b=jb))
        return z, z

    def final(self, d: int):
        a, ja = self.expr(d)
        forms = [
            "np.sum({a})",
            "np.mean({a})",
            "np.sum(np.max({a}, axis=1))",
            "logsumexp({a})",
            "np.linalg.norm(({a}) + 2.0)",
            "0.5 * np.sum(({a}) ** 2)",
            "np.mean(np.sum({a}, axis=0) ** 2)",
            "({a})[0, 1] + np.sum(({a})[1])",
            "np.sum(logsumexp({a}, axis=1))",
            "np.trace(({a}) @ ({a}).T)",
            "np.sum(np.linalg.norm({a}, axis=1))",
            "np.max({a})",
            "np.std({a})",
            "np.sum(np.min({a}, axis=0) * A0)",
            "-np.mean(np.sum(Y0 * (({a}) - logsumexp({a}, axis=1, keepdims=True)), axis=1))",
        ]
        f = self.pick(forms)
        jf = f.replace("np.", "jnp.").replace("logsumexp", "jls")
        return f.format(a=a), jf.format(a=ja)


def draw(rng: np.random.Generator, depth: int = 3):
    """(n_inputs, numpy source, jax source) of one random function `f(x0, ...)` returning a scalar."""
    n_in = int(rng.integers(1, 4))
    g = Gen(rng, n_in)
    out, jout = g.final(int(rng.integers(1, depth + 1)))
    used = " + ".join(f"0.1 * np.sum(np.tanh(x{i}))" for i in range(n_in) if f"x{i}" not in out + "".join(g.np_lines))
    args = ", ".join(f"x{i}" for i in range(n_in))
    extra = f" + {used}" if used else ""
    src_np = f"def f({args}):\n" + "".join(f"    {s}\n" for s in g.np_lines) + f"    return {out}{extra}\n"
    src_jx = (
        f"def f({args}):\n"
        + "".join(f"    {s}\n" for s in g.jx_lines)
        + f"    return {jout}{extra.replace('np.', 'jnp.')}\n"
    )
    return n_in, src_np, src_jx


class RowGen(Gen):
    """Row-wise expressions of X (batch, n) and a parameter w (n, n): each row reads its own row only,
    so that `np.mean` of a per-row value is a declared mean-over-examples loss (`batch_argnums`)."""

    def leaf(self):
        if self.temps and self.rng.random() < 0.35:
            v = self.pick(self.temps)
            return v, v
        v = self.pick(["X", "X @ w", "np.tanh(X @ w) * R0", "X * R0 + w[0]"])
        return v, v.replace("np.", "jnp.")

    def expr(self, d: int):
        if d <= 0 or self.rng.random() < 0.15:
            return self.leaf()
        kind = self.pick(["unary", "unary", "binary", "rowmm", "rowred", "rowmask", "let"])
        return getattr(self, "_" + kind)(d - 1)

    def _rowmm(self, d):
        a, ja = self.expr(d)
        f = self.pick(["({}) @ w", "({}) @ w.T", "({}) @ W0", "np.tanh(({}) @ w) @ w"])
        return f.format(a), f.replace("np.", "jnp.").format(ja)

    def _rowred(self, d):
        (a, ja), (b, jb) = self.expr(d), self.expr(d)
        forms = [
            "({a}) - np.max({a}, axis=1, keepdims=True)",
            "({a}) - logsumexp({a}, axis=1, keepdims=True)",
            "({a}) * np.sum(({b}) ** 2, axis=1, keepdims=True)",
            "({a}) / (1.0 + np.linalg.norm({b}, axis=1, keepdims=True))",
            "({a}) * np.mean({b}, axis=1)[:, None]",
        ]
        f = self.pick(forms)
        return f.format(a=a, b=b), f.replace("np.", "jnp.").replace("logsumexp", "jls").format(a=ja, b=jb)

    def _rowmask(self, d):
        (a, ja), (b, jb) = self.expr(d), self.expr(d)
        t = round(float(self.rng.normal(0, 0.5)), 2)
        f = self.pick(
            ["(({a}) > {t}) * ({b}) + (({a}) > {u}) * ({b})", "np.where(({a}) > {t}, {b}, 0.0)", "np.maximum({a}, {b})"]
        )
        return f.format(a=a, b=b, t=t, u=t + 0.5), f.replace("np.", "jnp.").format(a=ja, b=jb, t=t, u=t + 0.5)


def draw_declared(rng: np.random.Generator, depth: int = 3):
    """(numpy source, ...) of a declared mean-over-examples loss `f(w, X, Y)`."""
    g = RowGen(rng, 1)
    a, ja = g.expr(int(rng.integers(1, depth + 1)))
    red = g.pick(["np.sum({}, axis=1)", "logsumexp({}, axis=1)", "np.max({}, axis=1)", "np.sum(Y * ({}), axis=1)"])
    body = "".join(f"    {x}\n" for x in g.np_lines)
    src = f"def f(w, X, Y):\n{body}    return np.mean({red.format(a)})\n"
    return src, red, a


def run_declared(seed: int, count: int, depth: int, show: int):
    """A declared loss (`f.batch_argnums = (1, 2)`): symbolic (one example's graph rewritten to the batch)
    against reverse, at batch 2 and at batch 5 (one prepared function, a new batch size)."""
    rng = np.random.default_rng(seed)
    consts = constants(seed)
    tally: collections.Counter = collections.Counter()
    shown = []
    for i in range(count):
        src, _, _ = draw_declared(rng, depth)
        env = {"np": np, "logsumexp": logsumexp, **consts}
        exec(src, env)  # noqa: S102
        plain = env["f"]

        def f(w, X, Y, _f=plain):
            return _f(w, X, Y)

        f.batch_argnums = (1, 2)  # X and Y: one row an example
        w = rng.normal(size=(N, N)) * 0.7
        for b in (2, 5):
            X = rng.normal(size=(b, N))
            Y = np.eye(N)[np.arange(b) % N]
            try:
                ref = dl.grad(plain)(w, X, Y)
            except Exception as e:  # noqa: BLE001
                tally[f"reference raised {type(e).__name__}"] += 1
                continue
            try:
                got = dl.grad(f, method="symbolic")(w, X, Y)
            except Exception as e:  # noqa: BLE001
                tally[f"raised {type(e).__name__}"] += 1
                continue
            ok = close(got, ref)
            tally["agree" if ok else _kind([(got, ref)])] += 1
            if not ok and len(shown) < show:
                shown.append(f"[declared, batch {b}, seed {seed} #{i}]\n{src}")
    return tally, shown


def constants(seed: int) -> dict:
    rng = np.random.default_rng(10_000 + seed)
    return {
        "C0": rng.normal(size=(B, N)).astype(DTYPE),
        "C1": rng.normal(size=(B, N)).astype(DTYPE),
        "W0": rng.normal(size=(N, N)).astype(DTYPE),
        "R0": rng.normal(size=(N,)).astype(DTYPE),
        "K0": rng.normal(size=(B, 1)).astype(DTYPE),
        "Y0": np.eye(N, dtype=DTYPE)[[0, 2]],
        "A0": np.arange(1, N + 1),  # an integer row: int partials and adjoints
        "E0": np.eye(N, dtype=int)[::-1],
    }


def close(got, ref) -> bool:
    if np.asarray(got).dtype != np.asarray(ref).dtype:
        return False
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    if got.shape != ref.shape:
        return False
    scale = np.maximum(1.0, np.abs(ref))
    ok = (np.abs(got - ref) <= TOL * scale) | (np.isnan(got) & np.isnan(ref)) | (got == ref)
    return bool(np.all(ok))


def _kind(pairs) -> str:
    """A disagreement's category: where the non-finite numbers are, else a plain wrong number."""
    if any(np.asarray(a).dtype != np.asarray(b).dtype for a, b in pairs):
        return "DISAGREE: dtype"
    got = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a, _ in pairs])
    ref = np.concatenate([np.ravel(np.asarray(b, dtype=float)) for _, b in pairs])
    if got.shape != ref.shape:
        return "DISAGREE: shape"
    if np.any(np.isnan(ref) & np.isfinite(got)):
        return "DISAGREE: reference NaN, finite here"
    if np.any(~np.isfinite(got) & np.isfinite(ref)):
        return "DISAGREE: non-finite here, reference finite"
    return "DISAGREE: both finite, differ"


def as_tuple(g, n_in):
    return tuple(g) if n_in > 1 else (g,)


PATHS: collections.Counter = collections.Counter()  # the symbolic gradient's path per call: matrix level or scalar


def _count_paths():
    """Count which path the symbolic method's gradients take (MatrixGradient.run's None: the scalar path)."""
    from difflab.differentiators import matrix

    run = matrix.MatrixGradient.run

    def counted(self, args):
        found = run(self, args)
        PATHS["matrix level" if found is not None else "scalar path"] += 1
        return found

    matrix.MatrixGradient.run = counted


def run(seed: int, count: int, jax_every: int = 4, show: int = 3, depth: int = 3):
    rng = np.random.default_rng(seed)
    consts = constants(seed)
    ns_np = {"np": np, "logsumexp": logsumexp, **consts}
    jax_ns = None
    tally: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    shown: list[str] = []
    for i in range(count):
        n_in, src_np, src_jx = draw(rng, depth)
        p1 = tuple(rng.normal(size=(B, N)).astype(DTYPE) for _ in range(n_in))
        p2 = tuple(rng.normal(size=(B, N)).astype(DTYPE) for _ in range(n_in))
        env = dict(ns_np)
        exec(src_np, env)  # noqa: S102  (the fuzzer's own generated source)
        f = env["f"]
        argnums = tuple(range(n_in)) if n_in > 1 else 0
        checks = {
            "grad": (
                lambda: dl.grad(f, argnums=argnums, method="symbolic")(*p1),
                lambda: dl.grad(f, argnums=argnums)(*p1),
            ),
            "prepared": (
                lambda: dl.prepare(f, *p1, method="symbolic", argnums=argnums).grad(*p2),
                lambda: dl.grad(f, argnums=argnums)(*p2),
            ),
            "hessian": (lambda: dl.hessian(f, method="symbolic")(*p1), lambda: dl.hessian(f)(*p1)),
        }
        if jax_every and i % jax_every == 0:
            if jax_ns is None:
                jax_ns = _jax_namespace(consts)
            jenv = dict(jax_ns)
            exec(src_jx, jenv)  # noqa: S102
            jf = jenv["f"]
            jnum = tuple(range(n_in)) if n_in > 1 else 0
            checks["jax"] = (
                lambda: dl.grad(f, argnums=argnums)(*p1),
                lambda: jax_ns["jax"].grad(jf, argnums=jnum)(*p1),
            )
        for cat, (got_fn, ref_fn) in checks.items():
            try:
                ref = ref_fn()
            except Exception as e:  # noqa: BLE001  (a function the reference rejects is not compared)
                tally[cat][f"reference raised {type(e).__name__}"] += 1
                continue
            try:
                got = got_fn()
            except Exception as e:  # noqa: BLE001
                tally[cat][f"raised {type(e).__name__}"] += 1
                if len(shown) < show:
                    shown.append(f"[{cat}: {type(e).__name__}: {str(e)[:200]}]\n{src_np}")
                continue
            pairs = list(zip(as_tuple(got, n_in), as_tuple(ref, n_in))) if cat != "hessian" else [(got, ref)]
            ok = all(close(a, b) for a, b in pairs)
            verdict = "agree" if ok else _kind(pairs)
            tally[cat][verdict] += 1
            if not ok and len(shown) < show:
                shown.append(f"[{cat} disagrees, seed {seed} #{i}]\n{src_np}")
    return tally, shown


def _jax_namespace(consts):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp as jls

    return {"jax": jax, "jnp": jnp, "jls": jls, **{k: jnp.asarray(v) for k, v in consts.items()}}


def main(argv: list[str]) -> None:
    opts = {
        argv[i]: argv[i + 1]
        for i in range(len(argv) - 1)
        if argv[i].startswith("--") and argv[i] not in ("--f32", "--declared")
    }
    args = [a for i, a in enumerate(argv) if not a.startswith("--") and not (i and argv[i - 1] in opts)]
    seed = int(args[0]) if args else 0
    count = int(args[1]) if len(args) > 1 else 200
    jax_every = int(opts.get("--jax", 4))
    show = int(opts.get("--show", 3))
    t0 = time.time()
    depth = int(opts.get("--depth", 3))
    if "--f32" in argv:
        global DTYPE, TOL
        DTYPE, TOL = np.float32, 1e-4
    _count_paths()
    if "--declared" in argv:
        tally_d, shown = run_declared(seed, count, depth, show)
        print(f"seed {seed}: {count} declared losses f(w, X); symbolic gradient calls: {dict(PATHS)}")
        print("  declared " + ", ".join(f"{k} {v}" for k, v in sorted(tally_d.items())))
        for s in shown:
            print(textwrap.indent(s, "    "))
        return
    tally, shown = run(seed, count, jax_every, show, depth)
    print(
        f"seed {seed}: {count} functions drawn (depth <= {depth}), {time.time() - t0:.0f} s; symbolic gradient calls: {dict(PATHS)}"
    )
    for cat in ("grad", "prepared", "hessian", "jax"):
        print(f"  {cat:9s} " + ", ".join(f"{k} {v}" for k, v in sorted(tally[cat].items())))
    for s in shown:
        print(textwrap.indent(s, "    "))


if __name__ == "__main__":
    main(sys.argv[1:])
