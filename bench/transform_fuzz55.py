"""bench/transform_fuzz.py extended (session 55, issue 11): what its draws did not reach, against JAX x64.

    PYTHONPATH=. python bench/transform_fuzz55.py [SEED] [N] [--show M] [--timeout S] [--only I,J,...] [--jax]
(--jax: show the chains JAX refused too)

Imports bench/transform_fuzz.py (its Lib, judging and categories) and bench/symbolic_fuzz.py's grammar
(`Gen`, subclassed here: no copies) and adds, per function:
  1-3 arrays, some grouped into pytree arguments (a dict {"a", "b"} or a tuple); float32 inputs (1 in 6
  chains: compared at 2e-3 of max(1, |JAX|), the dtypes of the leaves too); inside f: dl.stop_gradient
  (jax.lax.stop_gradient), integer/boolean intermediates (counts of a comparison, argmax == arange, int
  powers, np.floor, logical_or), complex intermediates with a real output (exp(1j a), |a + 1j b|, fft),
  and calls of two dl.custom_jvp functions whose rules use np ops on their inputs (JAX: jax.custom_jvp);
and, per chain, besides transform_fuzz's levels:
  vmap with in_axes dicts/tuples of None and ints for pytree arguments, nested vmap (vmap of vmap, batch
  sizes 2 and 3) with out_axes 0 or -1; linearize + dl.linear_transpose; dl.checkpoint_sequential of
  [f, tanh-like layers]; argnums tuples over 3 inputs (hessian/jacobian with has_aux); outermost:
  prepare (also prepare_hvp) at a point P1 that is sometimes -x or x + 0.5 (masks take the other branch),
  called at x; and a sparse Jacobian (dl.jacobian(sparse=True), its sparsity pattern from dl.sparsity)
  compared densely against jax.jacrev's.
Numeric levels are not drawn when f reads stop_gradient (numeric sees through it by design) or is float32.

Measured (session 55, `cd bench && PYTHONPATH=.. python transform_fuzz55.py S N`, 2 shared cores under load):
seeds 3, 4 (before the fixes), 6 x 200, 5, 7, 8 x 100 (after): 900 chains, 0 wrong numbers, 0 aliasing, 0 inputs
mutated; 2 tracebacks (seed 3 #41 TypeError, #99 NameError 'im': the symbolic method's compiled partials of a
custom_jvp rule with a complex intermediate; now a NotDifferentiableError naming it); refusals where JAX answers,
per seed 3-8: 2(+2 the former tracebacks), 1, 0, 2, 2, 1 (SymPy cannot write strong_factor/re of complex values,
the symbolic method's size limit, jacfwd over a custom_vjp's symbolic hessian, a custom rule's complex
intermediate); timeouts (20 s, load-dependent) 10, 15, 2, 8, 4, 4; float32 leaves of another dtype than JAX's
13, 12, 4, 7, 6, 3 (e.g. a value in float32 where NumPy's promotion against float64 weights gives float64).
"""

from __future__ import annotations

import collections
import signal
import sys
import time
import warnings

import numpy as np
import symbolic_fuzz as sf
import transform_fuzz as tf

import difflab as dl
from difflab.scipy.special import logsumexp

B, N = sf.B, sf.N
TOL32 = 2e-3


class Gen55(sf.Gen):
    """symbolic_fuzz's grammar plus stop_gradient, int/bool and complex intermediates, custom_jvp calls."""

    stop = False

    def expr(self, d: int):
        if d > 0 and self.rng.random() < 0.2:
            return getattr(self, "_" + self.pick(["stopg", "intval", "intval", "cplx", "cplx", "cjvp"]))(d - 1)
        return super().expr(d)

    def _stopg(self, d):
        (a, ja), (b, jb) = self.expr(d), self.expr(d)
        self.stop = True
        return f"dl.stop_gradient({a}) * ({b})", f"jax.lax.stop_gradient({ja}) * ({jb})"

    def _intval(self, d):
        (a, ja), (b, jb), (c, jc) = self.expr(d), self.expr(d), self.expr(d)
        t = round(float(self.rng.normal(0, 0.5)), 2)
        forms = [
            "np.sum(({a}) > {t}, axis=1, keepdims=True) * ({b})",
            f"np.where(np.argmax({{a}}, axis=1)[:, None] == np.arange({N}), {{b}}, 0.0)",
            "({b}) * np.floor({a})",
            "np.where(np.logical_or(({a}) > {t}, ({b}) < 0.2), {b}, {c})",
            "({b}) ** np.sum(({a}) > 0.0, axis=0)",
            "({b}) * np.count_nonzero(({a}) > {t}, axis=0)",
            "({b}) * (({a}) > {t}).astype(np.int64) - ({c}) * (({a}) <= {t})",
        ]
        f = self.pick(forms)
        return f.format(a=a, b=b, c=c, t=t), f.replace("np.", "jnp.").format(a=ja, b=jb, c=jc, t=t)

    def _cplx(self, d):
        (a, ja), (b, jb) = self.expr(d), self.expr(d)
        forms = [
            "np.real(np.exp(1j * ({a})) * ({b}))",
            "np.abs(({a}) + 1j * (({b}) + 2.0))",
            "np.imag((({a}) + 1j) ** 2 * ({b}))",
            "np.real(np.fft.fft({a}, axis=1) * np.conj(np.fft.fft({b}, axis=1)))",
            "np.angle(np.exp(0.3j * ({a})))",
            "np.real(np.conj(({a}) + 0.5j) * (({b}) - 1j))",
        ]
        f = self.pick(forms)
        return f.format(a=a, b=b), f.replace("np.", "jnp.").format(a=ja, b=jb)

    def _cjvp(self, d):
        (a, ja), (b, jb) = self.expr(d), self.expr(d)
        if self.rng.random() < 0.5:
            return f"softplus_c({a})", f"softplus_c({ja})"
        return f"cmul_c({a}, {b})", f"cmul_c({ja}, {jb})"


def _custom_fns(lib, xp):
    """softplus_c(x) and cmul_c(x, y) = x sin(y), custom_jvp functions whose rules call xp ops."""

    @lib.custom_jvp
    def softplus_c(x):
        return xp.log1p(xp.exp(x))

    @softplus_c.defjvp
    def _sp(primals, tangents):
        (x,), (t,) = primals, tangents
        return softplus_c(x), t * (1.0 / (1.0 + xp.exp(-x)))

    @lib.custom_jvp
    def cmul_c(x, y):
        return x * xp.sin(y)

    @cmul_c.defjvp
    def _cm(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return cmul_c(x, y), tx * xp.sin(y) + x * xp.cos(y) * ty

    return {"softplus_c": softplus_c, "cmul_c": cmul_c}


def draw_function(rng: np.random.Generator, depth: int = 2):
    """(layout, out_kind, numpy source, jax source, stop): layout one entry per argument of f, "x" (an
    array), ("dict", i, j) or ("tuple", i, j) (two of the arrays x_i, x_j grouped)."""
    n_vars = int(rng.integers(1, 4))
    g = Gen55(rng, n_vars)
    out_kind, ret, jret = tf.draw_body(rng, g, n_vars, depth)
    layout: list = [f"x{i}" for i in range(n_vars)]
    if n_vars > 1 and rng.random() < 0.4:  # two arrays as one pytree argument
        kind = "dict" if rng.random() < 0.6 else "tuple"
        layout = [(kind, n_vars - 2, n_vars - 1)] + layout[: n_vars - 2]
    head = []
    for k, a in enumerate(layout):
        if isinstance(a, str):
            head.append(f"{a} = a{k}")
        elif a[0] == "dict":
            head.append(f'x{a[1]}, x{a[2]} = a{k}["a"], a{k}["b"]')
        else:
            head.append(f"x{a[1]}, x{a[2]} = a{k}")
    args = ", ".join(f"a{k}" for k in range(len(layout)))
    src_np = f"def f({args}):\n" + "".join(f"    {s}\n" for s in head + g.np_lines) + f"    return {ret}\n"
    src_jx = f"def f({args}):\n" + "".join(f"    {s}\n" for s in head + g.jx_lines) + f"    return {jret}\n"
    return layout, out_kind, src_np, src_jx, g.stop


def make_args(rng, layout, dtype):
    xs = [rng.normal(size=(B, N)).astype(dtype) for _ in range(sum(1 if isinstance(a, str) else 2 for a in layout))]
    out = []
    for a in layout:
        if isinstance(a, str):
            out.append(xs[int(a[1:])])
        elif a[0] == "dict":
            out.append({"a": xs[a[1]], "b": xs[a[2]]})
        else:
            out.append((xs[a[1]], xs[a[2]]))
    return tuple(out)


def tmap(fn, tree, *rest):
    if isinstance(tree, dict):
        return {k: tmap(fn, tree[k], *(r[k] for r in rest)) for k in tree}
    if isinstance(tree, tuple):
        return tuple(tmap(fn, t, *(r[i] for r in rest)) for i, t in enumerate(tree))
    return fn(tree, *rest)


KINDS = tf.KINDS + ("vmap2", "transpose", "ckpt_seq", "vmap", "jacobian", "hessian")


def _axes(rng, arg, batched_ok=True):
    """An in_axes entry for one argument: None, an int, or (a pytree argument) a dict/tuple of them."""
    pool = [0, 1, 2, -1, None]
    if not isinstance(arg, str) and rng.random() < 0.6:
        ax = tuple(pool[rng.integers(len(pool))] for _ in range(2))
        return {"a": ax[0], "b": ax[1]} if arg[0] == "dict" else ax
    return pool[rng.integers(len(pool))]


def _any_batched(ia) -> bool:
    if isinstance(ia, dict):
        return any(_any_batched(v) for v in ia.values())
    if isinstance(ia, tuple):
        return any(_any_batched(v) for v in ia)
    return ia is not None


def draw_in_axes(rng, layout):
    """(in_axes, per-argument axes): a tuple with one entry per argument, or (one argument) its bare entry."""
    ia = tuple(_axes(rng, a) for a in layout)
    if not _any_batched(ia):
        ia = (0,) + ia[1:]
    return (ia if len(layout) > 1 or rng.random() < 0.5 else ia[0]), ia


def draw_chain(rng, layout, out_ndim, no_numeric: bool) -> list[dict]:
    n_in, chain = len(layout), []
    for i in range(int(rng.integers(1, 4))):
        kind = KINDS[rng.integers(len(KINDS))]
        lv: dict = {"kind": kind}
        numeric_ok = i == 0 and kind not in ("linearize", "transpose") and not no_numeric
        methods = tf.METHODS + (("numeric",) if numeric_ok else ())
        if any(c["kind"] == "custom_vjp" for c in chain):
            methods = tuple(m for m in methods if m != "forward")
        lv["method"] = methods[rng.integers(len(methods))]
        if kind in ("grad", "value_and_grad", "jacobian", "jacfwd", "jacrev", "hessian"):
            opts = {1: [0], 2: [0, 1, (0, 1), (1,), (1, 0)], 3: [0, 2, (0, 2), (2, 1), (0, 1, 2), (1,)]}[n_in]
            lv["argnums"] = opts[rng.integers(len(opts))]
        if kind in ("grad", "value_and_grad", "jacobian", "jacfwd", "jacrev", "hessian", "jvp", "vjp", "linearize"):
            lv["aux"] = [None, None, "out", "input", "float"][rng.integers(5)]
        if kind in ("vmap", "vmap2"):
            lay = layout  # (every level takes f's arguments: their pytrees too)
            lv["in_axes"], lv["per_arg"] = draw_in_axes(rng, lay)
            lv["out_axes"] = [0, -1][rng.integers(2)]
            if kind == "vmap2":
                lv["in_axes2"], lv["per_arg2"] = draw_in_axes(rng, lay)
                lv["out_axes2"] = [0, -1][rng.integers(2)]
        if kind == "ckpt_seq":
            lv["segments"] = int(rng.integers(1, 4))
        chain.append(lv)
    r = rng.random()
    if r < 0.3:
        product = ["grad", "value_and_grad", "jacobian", "hvp", "prepare_hvp"][rng.integers(5)]
        methods = tf.METHODS if all(c["kind"] != "custom_vjp" for c in chain) else ("symbolic", "reverse")
        chain.append({"kind": "prepare", "method": methods[rng.integers(len(methods))], "product": product})
    elif r < 0.45:
        methods = tf.METHODS + (("numeric",) if not no_numeric and len(chain) == 0 else ())
        if any(c["kind"] == "custom_vjp" for c in chain):
            methods = ("symbolic", "reverse")
        chain.append({"kind": "sparse_jac", "method": methods[rng.integers(len(methods))]})
    return chain


def _stack(x, ax, n, xp):
    """n batch elements of x along ax (x, x * 0.6 + 0.2, -0.3 x + 0.1, ...)."""
    if ax is None:
        return x
    parts = [x, x * 0.6 + 0.2, -0.3 * x + 0.1][:n]
    return xp.stack(parts, axis=ax)


def _stack_arg(arg, ia, n, xp):
    if isinstance(ia, dict):
        return {k: _stack_arg(arg[k], ia[k], n, xp) for k in arg}
    if isinstance(ia, tuple):
        return tuple(_stack_arg(a, i, n, xp) for a, i in zip(arg, ia))
    return tmap(lambda leaf: _stack(leaf, ia, n, xp), arg)


class Lib55(tf.Lib):
    """transform_fuzz's Lib, with tangents shaped like pytree arguments and the new levels."""

    template: tuple = ()

    def tans(self, k, n_in=None):  # (shaped like the pytree arguments: n_in is the template's)
        return tuple(
            tmap(lambda leaf, i=i: self.const(tf._tangent(k + i, leaf.shape).astype(leaf.dtype)), a)
            for i, a in enumerate(self.template)
        )

    def cotangent(self, out, k=7):
        ct = super().cotangent(out, k)  # (float32 outputs: float32 cotangents, as JAX requires)
        return tmap(lambda c, o: c.astype(getattr(o, "dtype", np.float64)), ct, out)

    def level(self, lv: dict, g, n_in: int, record: dict):
        kind, m, aux = lv["kind"], lv["method"], lv.get("aux")
        j = self.j if self.jax else None
        lib = j or dl
        kw = {} if self.jax else {"method": m if m != "numeric" else dl.Numeric(error_estimate=True)}
        ha = {"has_aux": True} if aux else {}
        if kind in ("jvp", "linearize", "hvp", "transpose"):
            tans = self.tans(0)
            record.setdefault("extra", []).extend(tf.leaves(tans))
        if kind == "jvp":
            fn = self.with_aux(g, aux)
            return lambda *a: lib.jvp(fn, a, tans, **kw, **ha)
        if kind == "linearize":
            fn = self.with_aux(g, aux)

            def h(*a):
                res = lib.linearize(fn, *a, **kw, **ha)
                t2 = tuple(tmap(lambda t: t * 0.5 - 1.0, t) for t in tans)
                return (res[0], res[1](*tans), res[1](*t2)) + tuple(res[2:])

            return h
        if kind == "transpose":

            def h(*a):
                y, fj = lib.linearize(g, *a, **kw)
                ct = self.cotangent(y)
                record.setdefault("extra", []).extend(tf.leaves(ct))
                tr = j.linear_transpose(fj, *a) if self.jax else dl.linear_transpose(fj)
                return (y, tuple(tr(ct)), tuple(tr(self.cotangent(y, 11))))

            return h
        if kind in ("vmap", "vmap2"):
            ia = lv["in_axes"]
            mapped = lib.vmap(g, in_axes=ia, out_axes=lv["out_axes"])
            if kind == "vmap2":
                mapped = lib.vmap(mapped, in_axes=lv["in_axes2"], out_axes=lv["out_axes2"])

            def h(*a):
                xs = [_stack_arg(x, ax, 3, self.xp) for x, ax in zip(a, lv["per_arg"])]
                if kind == "vmap2":
                    xs = [_stack_arg(x, ax, 2, self.xp) for x, ax in zip(xs, lv["per_arg2"])]
                return mapped(*xs)

            return h
        if kind == "ckpt_seq":
            layers = [lambda t: self.flat(g(*t)), lambda y: self.xp.tanh(y) * 1.5, lambda y: y * self.xp.cos(y)]
            if self.jax:
                seq = lambda t: layers[2](layers[1](layers[0](t)))  # noqa: E731
            else:
                seq = dl.checkpoint_sequential(layers, segments=lv["segments"])
            return lambda *a: seq(tuple(a))
        if kind in ("custom_vjp", "custom_jvp") and n_in == 3:
            fn = lambda x0, x1, x2: g(x0, x1, x2)  # noqa: E731
            if kind == "custom_vjp":
                cf = lib.custom_vjp(fn)
                cf.defvjp(lambda *a: (g(*a), a), lambda res, ct: tuple(lib.vjp(g, *res)[1](ct)))
            else:
                cf = lib.custom_jvp(fn)
                cf.defjvp(lambda primals, tangents: lib.jvp(g, tuple(primals), tuple(tangents)))
            return cf
        return super().level(lv, g, n_in, record)

    def build(self, f, chain, n_in, p1, record):
        g = f
        for k, lv in enumerate(chain):
            if lv["kind"] == "prepare":
                return self.prepared(g, lv, n_in, p1, record)
            if lv["kind"] == "sparse_jac":
                return self.sparse(g, lv, n_in)
            h = self.level(lv, g, n_in, record)
            g = h if k == len(chain) - 1 else (lambda *a, h=h: self.flat(h(*a)))
        return g

    def sparse(self, g, lv, n_in):
        """The Jacobian of the flat output by the flat input (every argument), dense."""
        an = tuple(range(n_in)) if n_in > 1 else 0
        t = lambda *a: self.flat(g(*a))  # noqa: E731
        if self.jax:
            jt, xp = self.j, self.xp

            def h(*a):
                blocks = jt.tree_util.tree_leaves(jt.jacrev(t, argnums=an)(*a))
                return xp.concatenate([xp.reshape(b, (b.shape[0], -1)) for b in blocks], axis=1)

            return h
        m = lv["method"] if lv["method"] != "numeric" else dl.Numeric(error_estimate=True)
        return lambda *a: dl.jacobian(t, argnums=an, method=m, sparse=True)(*a).toarray()

    def prepared(self, g, lv, n_in, p1, record):
        if lv["product"] != "prepare_hvp" and lv["product"] != "hvp":
            return super().prepared(g, lv, n_in, p1, record)
        tans = self.tans(3)
        record.setdefault("extra", []).extend(tf.leaves(tans))
        s = lambda *a: self.scalar(g(*a))  # noqa: E731
        if self.jax:
            gr = self.j.grad(s, argnums=tuple(range(n_in)))
            return lambda *a: (gr(*a), self.j.jvp(gr, a, tans)[1])
        if lv["product"] == "hvp":
            p = dl.prepare(s, *p1, method=lv["method"], argnums=tuple(range(n_in)) if n_in > 1 else 0)
            return lambda *a: p.hvp(a, tans)
        ph = dl.prepare_hvp(s, *p1, method=lv["method"])
        return lambda *a: ph(a, tans)


LIBS: list = []


def one(i, rng, consts, jx_ns, envs, timeout, skip=False):
    layout, out_kind, src_np, src_jx, stop = draw_function(rng)
    f32 = rng.random() < 1 / 6
    chain = draw_chain(rng, layout, out_kind if out_kind <= 2 else 0, no_numeric=stop or f32)
    dtype = np.float32 if f32 else np.float64
    x = make_args(rng, layout, dtype)
    r = rng.random()
    p1 = make_args(rng, layout, dtype)
    if r < 0.3:
        p1 = tuple(tmap(lambda v: -v, a) for a in x)
    elif r < 0.5:
        p1 = tuple(tmap(lambda v: (v + 0.5).astype(dtype), a) for a in x)
    info = (chain, ("# float32\n" if f32 else "") + src_np)
    if skip:
        return "skipped", info, ""
    env = dict(envs[0])
    exec(src_np, env)  # noqa: S102  (the fuzzer's own generated source)
    jenv = dict(envs[1])
    exec(src_jx, jenv)  # noqa: S102
    n_in = len(layout)
    for lib in LIBS:
        lib.template = x
    jnp = jx_ns["jnp"]
    try:
        jrec: dict = {}
        jf = jx_ns["jax"].jit(LIBS[1].build(jenv["f"], chain, n_in, p1, jrec))
        ref = jf(*(tmap(jnp.asarray, v) for v in x))
        ref = [np.asarray(v) for v in tf.leaves(ref)]
    except Exception as e:  # noqa: BLE001
        return f"JAX raised {type(e).__name__}", info, str(e)[:200]
    rec: dict = {}
    flat_x = tf.leaves(list(x))
    copies = [v.copy() for v in flat_x]
    signal.signal(signal.SIGALRM, tf._alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout, 1.0)
    try:
        op = LIBS[0].build(env["f"], chain, n_in, p1, rec)
        got = op(*x)
    except tf.Timeout:
        return "timeout", info, ""
    except Exception as e:  # noqa: BLE001
        return f"raised, JAX did not: {tf.refusal_kind(e)} {type(e).__name__}", info, str(e)[:300]
    finally:
        while True:  # (the alarm may go off as it is cancelled: seed 5 died of that at chain ~100)
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except tf.Timeout:
                continue
    if any(not np.array_equal(a, b) for a, b in zip(flat_x, copies)):
        return "input mutated", info, ""
    ins = flat_x + [v for v in rec.get("extra", []) if isinstance(v, np.ndarray)]
    gl = tf.leaves(got)
    if any(isinstance(v, np.ndarray) and any(np.shares_memory(v, a) for a in ins) for v in gl):
        return "aliasing", info, ""
    numeric = chain and chain[0].get("method") == "numeric"
    tol = TOL32 if f32 else (tf.NUM_TOL if numeric else tf.TOL)
    verdict = tf.judge(gl, ref, tol, tf.numeric_error(rec) if numeric else 0.0)
    if verdict is None and f32:
        dts = [(np.asarray(a).dtype, b.dtype) for a, b in zip(gl, ref)]
        if any(a != b for a, b in dts):
            return "dtype differs (float32)", info, str(dts)[:200]
    if verdict is None:
        return "agree", info, ""
    worst = tf.max_diff(gl, ref)
    tag = " (numeric level)" if numeric else (" (float32)" if f32 else "")
    return verdict + tag, info, f"max abs diff {worst:.3g}"


def run(seed: int, count: int, show: int = 5, timeout: int = 20, only: set | None = None, jax_too=False):
    if not LIBS:
        LIBS.extend([Lib55(False), Lib55(True)])
    rng = np.random.default_rng(seed)
    consts = sf.constants(seed)
    jx_ns = sf._jax_namespace(consts)
    envs = (
        {"np": np, "dl": dl, "logsumexp": logsumexp, **consts, **_custom_fns(dl, np)},
        {**jx_ns, **_custom_fns(jx_ns["jax"], jx_ns["jnp"])},
    )
    tally: collections.Counter = collections.Counter()
    by_kind: dict = collections.defaultdict(collections.Counter)
    shown = []
    for i in range(count):
        skip = only is not None and i not in only
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verdict, (chain, src), msg = one(i, rng, consts, jx_ns, envs, timeout, skip=skip)
        if skip:
            continue
        tally[verdict] += 1
        for lv in chain:
            by_kind[lv["kind"]][verdict == "agree"] += 1
        if verdict != "agree" and (jax_too or not verdict.startswith("JAX raised")) and len(shown) < show:
            shown.append(f"[#{i} {verdict}: {msg}]\n{tf.describe(chain)}\n{src}")
    return tally, by_kind, shown


def main(argv: list[str]) -> None:
    opts = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("--") and argv[i] != "--jax"}
    args = [a for i, a in enumerate(argv) if not a.startswith("--") and not (i and argv[i - 1] in opts)]
    seed = int(args[0]) if args else 3
    count = int(args[1]) if len(args) > 1 else 200
    only = {int(k) for k in opts["--only"].split(",")} if "--only" in opts else None
    t0 = time.time()
    tally, by_kind, shown = run(
        seed, count, int(opts.get("--show", 5)), int(opts.get("--timeout", 20)), only, "--jax" in argv
    )
    tf.report(seed, t0, tally, by_kind, shown)


if __name__ == "__main__":
    main(sys.argv[1:])
