"""Differential fuzz of difflab's transformations, nested, every method, against JAX x64 (issue 11).

    PYTHONPATH=. python bench/transform_fuzz.py [SEED] [N] [--show M] [--timeout S] [--only I,J,...]

Per chain: one user-like function f(x0[, x1]) of (2, 3) arrays drawn by bench/symbolic_fuzz.py's grammar
(imported, not copied: its `Gen`, written as NumPy source for difflab and jax.numpy source for JAX),
returning a scalar, a (3,) row or a (2, 3) array; then a chain of 1-3 transformations drawn from
difflab's public API, applied innermost first:
  grad, value_and_grad, jvp, vjp (its pullback called twice), linearize (its jvp_fn called twice),
  hvp, jacobian/jacfwd/jacrev, hessian, vmap (in_axes with None, out_axes), checkpoint,
  custom_vjp/custom_jvp wrappers (rules from the library's own vjp/jvp of the wrapped function),
  has_aux (aux: the output, a raw input, a Python float), argnums tuples (also (1, 0)), and
  prepare (outermost only: prepared at one point, called at a SECOND point).
Each differentiating level draws its method from the four (numeric only at the innermost level); the
same chain is built in JAX x64 (jax.grad, jax.jvp, ...; hvp as jvp of grad) and called at the same point.
A level's output is flattened (leaves raveled and concatenated) before the next level reads it;
a scalar-valued level reads a fixed weighted sum of its inner output; a Jacobian level reads a fixed
projection of an inner output of more than 12 entries (sizes stay small).

Categories: agree; wrong number (rtol 1e-6 of max(1, |JAX|) elementwise; chains with a numeric level:
1e-4, or 10 times numeric's own error estimate where that is larger; wrong structure/shape counted
here too); raised where JAX did not (a DifflabError subclass: "refused", anything else: "traceback");
aliasing (an output leaf shares memory with an argument, tangent or cotangent); input mutated;
timeout; and JAX raised (not compared). The first M disagreements print with their chain and source.

Measured (session 49, seeds 0-2 x 300 chains, `python bench/transform_fuzz.py S 300`): 0 wrong numbers, 0 aliasing,
0 inputs mutated, 0 tracebacks, on main and after. Raised where JAX did not: 17 on main (13 hvp given a configured
dl.Numeric, fixed; 1 linearize's jvp_fn of a setitem graph under an outer grad, a TracerConversion refusal blaming
the user, fixed; 2 a custom_jvp rule calling forward jvp of a custom_vjp under reverse, which JAX transposes; 1 a
custom_jvp rule's primal out differing by a numeric level's noise, 1.4e-8), 3 after. Timeouts (20 s; deep symbolic
or numeric-under-AD chains, load-dependent: two re-run at 150 s agree): 21 on main under load, 11 after.
"""

from __future__ import annotations

import collections
import signal
import sys
import textwrap
import time

import numpy as np
import symbolic_fuzz as sf

import difflab as dl
from difflab.scipy.special import logsumexp

B, N = sf.B, sf.N
TOL, NUM_TOL = 1e-6, 1e-4
METHODS = ("symbolic", "forward", "reverse")
KINDS = (
    "grad",
    "value_and_grad",
    "jvp",
    "vjp",
    "linearize",
    "hvp",
    "jacobian",
    "jacfwd",
    "jacrev",
    "hessian",
    "vmap",
    "checkpoint",
    "custom_vjp",
    "custom_jvp",
)


def draw_function(rng: np.random.Generator, depth: int = 2):
    """(n_in, out_kind, numpy source, jax source) of f(x0[, x1]) over (B, N) inputs: out_kind 0, 1, 2 (the
    output's ndim), 3 (a tuple: a (B, N) array and a scalar) or 4 (a dict of the two)."""
    n_in = int(rng.integers(1, 3))
    g = sf.Gen(rng, n_in)
    out_kind, ret, jret = draw_body(rng, g, n_in, depth)
    args = ", ".join(f"x{i}" for i in range(n_in))
    src_np = f"def f({args}):\n" + "".join(f"    {s}\n" for s in g.np_lines) + f"    return {ret}\n"
    src_jx = f"def f({args}):\n" + "".join(f"    {s}\n" for s in g.jx_lines) + f"    return {jret}\n"
    return n_in, out_kind, src_np, src_jx


def draw_body(rng: np.random.Generator, g, n_in: int, depth: int):
    """(out_kind, numpy return expression, jax return expression) drawn by the grammar `g` over x0..x{n_in-1}
    (g's np_lines/jx_lines hold the statements before it); every input appears in the result."""
    out_kind = int(rng.integers(5))
    d = int(rng.integers(1, depth + 1))
    if out_kind == 0:
        out, jout = g.final(d)
    else:
        out, jout = g.expr(d)
        if out_kind == 1:
            form = g.pick(["np.sum({}, axis=0)", "({})[1]", "np.max({}, axis=0)", "np.tanh({})[0] * R0"])
            out, jout = form.format(out), form.replace("np.", "jnp.").format(jout)
    second = g.final(d) if out_kind > 2 else ("", "")
    body = out + second[0] + "".join(g.np_lines)
    pad = {0: "0.1 * np.sum(np.tanh(x{}))", 1: "0.1 * np.tanh(x{})[0]"}.get(out_kind, "0.1 * np.tanh(x{})")
    extra = "".join(" + " + pad.format(i) for i in range(n_in) if f"x{i}" not in body)
    ret, jret = f"{out}{extra}", f"{jout}{extra.replace('np.', 'jnp.')}"
    if out_kind == 3:
        ret, jret = f"({ret}, {second[0]})", f"({jret}, {second[1]})"
    elif out_kind == 4:
        ret, jret = f'{{"y": {ret}, "s": {second[0]}}}', f'{{"y": {jret}, "s": {second[1]}}}'
    return out_kind, ret, jret


def draw_chain(rng: np.random.Generator, n_in: int, out_ndim: int) -> list[dict]:
    """Levels, innermost first: each a dict of the transformation's kind and its options."""
    chain = []
    for i in range(int(rng.integers(1, 4))):
        kind = KINDS[rng.integers(len(KINDS))]
        lv: dict = {"kind": kind}
        # numeric only innermost; linearize refuses it by design (each J v would evaluate f again)
        methods = METHODS + (("numeric",) if i == 0 and kind != "linearize" else ())
        if any(c["kind"] == "custom_vjp" for c in chain):  # forward mode over a VJP rule: refused, as JAX's jvp
            methods = tuple(m for m in methods if m != "forward")
        lv["method"] = methods[rng.integers(len(methods))]
        if kind in ("grad", "value_and_grad", "jacobian", "jacfwd", "jacrev", "hessian"):
            opts = [0] if n_in == 1 else [0, 1, (0, 1), (1,), (1, 0)]
            lv["argnums"] = opts[rng.integers(len(opts))]
        if kind in ("grad", "value_and_grad", "jacobian", "jacfwd", "jacrev", "hessian", "jvp", "vjp", "linearize"):
            lv["aux"] = [None, None, "out", "input", "float"][rng.integers(5)]
        if kind == "vmap":
            axes = [0, 1, 2, -1, None]
            ia = tuple(axes[rng.integers(len(axes))] for _ in range(n_in))
            if all(a is None for a in ia):
                ia = (0,) + ia[1:]
            lv["in_axes"] = ia if n_in > 1 or rng.random() < 0.5 else ia[0]
            nd = (out_ndim if out_ndim <= 2 else 0) if i == 0 else 1  # (a tree's scalar leaf: axis 0 or -1)
            outs = list(range(nd + 1)) + [-1]
            lv["out_axes"] = outs[rng.integers(len(outs))]
        chain.append(lv)
        out_ndim = 1  # every level's output is flattened before the next reads it
    if rng.random() < 0.25:  # outermost: prepared at P1, called at the test point
        product = ["grad", "value_and_grad", "jacobian", "hvp"][rng.integers(4)]
        methods = METHODS if all(c["kind"] != "custom_vjp" for c in chain) else ("symbolic", "reverse")
        chain.append({"kind": "prepare", "method": methods[rng.integers(len(methods))], "product": product})
    return chain


# ---------------------------------------------------------------- the two libraries, one interface


def _weights(n: int):
    return np.cos(np.arange(n) * 0.7 + 0.3)


def _tangent(i: int, shape=(B, N)):
    return np.sin(np.arange(int(np.prod(shape))) * 1.3 + i + 0.5).reshape(shape)


def leaves(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [x for t in tree for x in leaves(t)]
    if isinstance(tree, dict):
        return [x for k in sorted(tree) for x in leaves(tree[k])]
    return [tree]


class Lib:
    """difflab's transformations (self.jax False) or JAX's, under the same names."""

    def __init__(self, use_jax: bool):
        self.jax = use_jax
        if use_jax:
            import jax
            import jax.numpy as jnp

            jax.config.update("jax_enable_x64", True)
            self.j, self.xp = jax, jnp
        else:
            self.xp = np

    def const(self, a):
        return self.xp.asarray(a) if self.jax else a

    def flat(self, tree):
        xp = self.xp
        parts = [xp.reshape(leaf, (-1,)) * 1.0 for leaf in leaves(tree)]
        return parts[0] if len(parts) == 1 else xp.concatenate(parts)

    def scalar(self, y):
        if isinstance(y, (tuple, dict)):
            y = self.flat(y)
        if getattr(y, "shape", ()) == ():
            return y
        r = self.xp.reshape(y, (-1,))
        return self.xp.sum(r * self.const(_weights(r.shape[0])))

    def small(self, y):  # a fixed projection of a large inner output: the Jacobians stay small
        r = self.flat(y) if isinstance(y, (tuple, dict)) else self.xp.reshape(y, (-1,))
        if r.shape[0] <= 12:
            return y
        return self.const(np.cos(np.arange(6 * r.shape[0]) * 0.37).reshape(6, r.shape[0])) @ r

    def cotangent(self, out, k=7):
        """A fixed cotangent of out's structure and shapes."""
        if isinstance(out, tuple):
            return tuple(self.cotangent(o, k + i) for i, o in enumerate(out))
        if isinstance(out, dict):
            return {key: self.cotangent(out[key], k + i) for i, key in enumerate(sorted(out))}
        return self.const(_tangent(k, np.shape(out)))

    def with_aux(self, fn, aux):
        if aux is None:
            return fn
        pick = {"out": lambda y, a: self.flat(y) * 2.0, "input": lambda y, a: a[0], "float": lambda y, a: 2.5}[aux]

        def h(*a):
            y = fn(*a)
            return y, pick(y, a)

        return h

    def tans(self, k: int, n_in: int) -> tuple:
        """Fixed tangents (or cotangent directions) for the n_in arguments, the k-th family."""
        return tuple(self.const(_tangent(k + i)) for i in range(n_in))

    def level(self, lv: dict, g, n_in: int, record: dict):
        """The function of the same arguments that level `lv` makes of g (its output a pytree)."""
        kind, m, aux = lv["kind"], lv["method"], lv.get("aux")
        j, an = (self.j if self.jax else None), lv.get("argnums", 0)
        kw = {} if self.jax else {"method": m}
        if not self.jax and m == "numeric":
            kw["method"] = dl.Numeric(error_estimate=True)
        ha = {"has_aux": True} if aux else {}
        if kind in ("grad", "value_and_grad", "hessian"):
            fn = self.with_aux(lambda *a: self.scalar(g(*a)), aux)
            t = getattr(j or dl, kind)(fn, argnums=an, **kw, **ha)
            record.setdefault("ops", []).append(t)
            return t
        if kind in ("jacobian", "jacfwd", "jacrev"):
            fn = self.with_aux(lambda *a: self.small(g(*a)), aux)
            if self.jax:
                t = getattr(j, "jacrev" if kind == "jacobian" else kind)(fn, argnums=an, **ha)
            else:
                t = (
                    dl.jacobian(fn, argnums=an, **kw, **ha)
                    if kind == "jacobian"
                    else getattr(dl, kind)(fn, argnums=an, **ha)
                )
            record.setdefault("ops", []).append(t)
            return t
        tans = self.tans(0, n_in)
        record.setdefault("extra", []).extend(tans)
        if kind == "jvp":
            fn = self.with_aux(g, aux)
            return lambda *a: (j or dl).jvp(fn, a, tans, **kw, **ha)
        if kind == "vjp":
            fn = self.with_aux(g, aux)

            def h(*a):
                res = (j or dl).vjp(fn, *a, **kw, **ha)
                out, pb = res[0], res[1]
                ct = self.cotangent(out)
                record.setdefault("extra", []).extend(leaves(ct))
                ct2 = self.cotangent(out, 11)
                record["extra"].extend(leaves(ct2))
                return (out, pb(ct), pb(ct2)) + tuple(res[2:])

            return h
        if kind == "linearize":
            fn = self.with_aux(g, aux)

            def h(*a):
                res = (j or dl).linearize(fn, *a, **kw, **ha)
                out, fj = res[0], res[1]
                return (out, fj(*tans), fj(*(t * 0.5 - 1.0 for t in tans))) + tuple(res[2:])

            return h
        if kind == "hvp":
            fn = lambda *a: self.scalar(g(*a))  # noqa: E731
            if self.jax:
                gr = j.grad(fn, argnums=tuple(range(n_in)))
                return lambda *a: (gr(*a), j.jvp(gr, a, tans)[1])
            return lambda *a: dl.hvp(fn, a, tans, **kw)
        if kind == "vmap":
            ia = lv["in_axes"]
            axes = ia if isinstance(ia, tuple) else (ia,) * n_in
            mapped = (j or dl).vmap(g, in_axes=ia, out_axes=lv["out_axes"])

            def h(*a):
                xs = [
                    x if ax is None else self.xp.stack([x, x * 0.6 + 0.2, -0.3 * x + 0.1], axis=ax)
                    for x, ax in zip(a, axes)
                ]
                return mapped(*xs)

            return h
        if kind == "checkpoint":
            return (j or dl).checkpoint(g)
        if kind == "custom_vjp":
            lib = j or dl
            fn = (lambda x0: g(x0)) if n_in == 1 else (lambda x0, x1: g(x0, x1))
            cf = lib.custom_vjp(fn)
            cf.defvjp(lambda *a: (g(*a), a), lambda res, ct: tuple(lib.vjp(g, *res)[1](ct)))
            return cf
        if kind == "custom_jvp":
            lib = j or dl
            fn = (lambda x0: g(x0)) if n_in == 1 else (lambda x0, x1: g(x0, x1))
            cf = lib.custom_jvp(fn)
            cf.defjvp(lambda primals, tangents: lib.jvp(g, tuple(primals), tuple(tangents)))
            return cf
        raise ValueError(kind)

    def build(self, f, chain: list[dict], n_in: int, p1, record: dict):
        g = f
        for k, lv in enumerate(chain):
            if lv["kind"] == "prepare":
                return self.prepared(g, lv, n_in, p1, record)
            h = self.level(lv, g, n_in, record)
            g = h if k == len(chain) - 1 else (lambda *a, h=h: self.flat(h(*a)))
        return g

    def prepared(self, g, lv, n_in, p1, record):
        """prepare at P1, called at the test point; JAX: the same product, at the test point."""
        product, an = lv["product"], tuple(range(n_in)) if n_in > 1 else 0
        tans = self.tans(3, n_in)
        record.setdefault("extra", []).extend(tans)
        s = lambda *a: self.scalar(g(*a))  # noqa: E731
        if self.jax:
            j = self.j
            if product == "hvp":
                gr = j.grad(s, argnums=tuple(range(n_in)))
                return lambda *a: (gr(*a), j.jvp(gr, a, tans)[1])
            fn = {"grad": j.grad, "value_and_grad": j.value_and_grad, "jacobian": j.jacrev}[product]
            return fn(s if product != "jacobian" else (lambda *a: self.small(g(*a))), argnums=an)
        target = s if product != "jacobian" else (lambda *a: self.small(g(*a)))
        p = dl.prepare(target, *p1, method=lv["method"], argnums=an)
        if product == "hvp":
            return lambda *a: p.hvp(a, tans)
        return getattr(p, product)


# ---------------------------------------------------------------- running and judging


class Timeout(BaseException):  # (not swallowed by an `except Exception` on the way)
    pass


def _alarm(signum, frame):
    raise Timeout


def describe(chain) -> str:
    parts = []
    for lv in chain:
        opts = ", ".join(f"{k}={v}" for k, v in lv.items() if k != "kind" and v is not None)
        parts.append(f"{lv['kind']}({opts})")
    return " -> ".join(parts)


def numeric_error(record) -> float:
    """The largest error estimate the chain's numeric operators stored (0 when none did)."""
    worst = 0.0
    for op in record.get("ops", []):
        try:
            preps = op.preparations()
        except Exception:  # noqa: BLE001  (an operator without preparations, or none made)
            continue
        for p in preps:
            e = getattr(p, "error", None)
            try:  # (an estimate made under an outer level is traced: not a number to read)
                worst = max(worst, float(np.max(np.abs(np.nan_to_num(np.asarray(e, dtype=float))))))
            except Exception:  # noqa: BLE001
                continue
    return worst


def judge(got, ref, tol, est) -> str | None:
    gl, rl = leaves(got), leaves(ref)
    if len(gl) != len(rl):
        return "wrong number (structure)"
    for a, b in zip(gl, rl):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return "wrong number (shape)"
        a, b = a.astype(float), b.astype(float)
        bad = np.abs(a - b) > np.maximum(tol * np.maximum(1.0, np.abs(b)), 10 * est)
        bad &= ~(np.isnan(a) & np.isnan(b)) & (a != b)
        if np.any(bad):
            return "wrong number"
    return None


def refusal_kind(e: Exception) -> str:
    """'refused': difflab raised it on purpose (a DifflabError, or a ValueError/TypeError/NotImplementedError
    raised by difflab's own code, its message naming the problem); 'traceback': anything else (raised inside
    NumPy or SymPy, or an AttributeError, IndexError, KeyError, AssertionError ... from difflab)."""
    if isinstance(e, dl.DifflabError):
        return "refused"
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = tb.tb_frame.f_code.co_filename if tb is not None else ""
    ours = "/difflab/" in where and "/site-packages/" not in where
    return "refused" if ours and isinstance(e, (ValueError, TypeError, NotImplementedError)) else "traceback"


def one(i, rng, consts, jx_ns, timeout, skip=False):
    n_in, out_ndim, src_np, src_jx = draw_function(rng)
    chain = draw_chain(rng, n_in, out_ndim)
    x = tuple(rng.normal(size=(B, N)) for _ in range(n_in))
    p1 = tuple(rng.normal(size=(B, N)) for _ in range(n_in))
    if skip:  # (--only: the draws advance, nothing runs)
        return "skipped", (chain, src_np), ""
    env = {"np": np, "logsumexp": logsumexp, **consts}
    exec(src_np, env)  # noqa: S102  (the fuzzer's own generated source)
    jenv = dict(jx_ns)
    exec(src_jx, jenv)  # noqa: S102
    info = (chain, src_np)
    try:
        jrec: dict = {}
        jf = jx_ns["jax"].jit(LIBS[1].build(jenv["f"], chain, n_in, p1, jrec))  # one compilation, not one a primitive
        ref = jf(*(jx_ns["jnp"].asarray(v) for v in x))
        ref = [np.asarray(v) for v in leaves(ref)]
    except Exception as e:  # noqa: BLE001
        return f"JAX raised {type(e).__name__}", info, str(e)[:200]
    rec: dict = {}
    copies = [v.copy() for v in x]
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout, 1.0)  # (again each second: a GC callback may swallow one)
    try:
        op = LIBS[0].build(env["f"], chain, n_in, p1, rec)
        got = op(*x)
    except Timeout:
        return "timeout", info, ""
    except Exception as e:  # noqa: BLE001
        return f"raised, JAX did not: {refusal_kind(e)} {type(e).__name__}", info, str(e)[:300]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if any(not np.array_equal(a, b) for a, b in zip(x, copies)):
        return "input mutated", info, ""
    ins = list(x) + [v for v in rec.get("extra", []) if isinstance(v, np.ndarray)]
    gl = leaves(got)
    if any(isinstance(v, np.ndarray) and any(np.shares_memory(v, a) for a in ins) for v in gl):
        return "aliasing", info, ""
    numeric = any(lv.get("method") == "numeric" for lv in chain[:1])
    verdict = judge(gl, ref, NUM_TOL if numeric else TOL, numeric_error(rec) if numeric else 0.0)
    if verdict is None:
        return "agree", info, ""
    worst = max_diff(gl, ref)
    return verdict + (" (numeric level)" if numeric else ""), info, f"max abs diff {worst:.3g}"


def max_diff(got: list, ref: list) -> float:
    """The largest absolute difference over the leaves of one shape in both (NaN where none is)."""
    return max(
        (
            float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))
            for a, b in zip(got, ref)
            if np.shape(a) == np.shape(b)
        ),
        default=float("nan"),
    )


LIBS: list[Lib] = []


def run(seed: int, count: int, show: int = 5, timeout: int = 20, only: set | None = None):
    if not LIBS:
        LIBS.extend([Lib(False), Lib(True)])
    rng = np.random.default_rng(seed)
    consts = sf.constants(seed)
    jx_ns = sf._jax_namespace(consts)
    tally: collections.Counter = collections.Counter()
    by_kind: dict = collections.defaultdict(collections.Counter)
    shown = []
    import warnings

    for i in range(count):
        state = rng.bit_generator.state
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verdict, (chain, src), msg = one(i, rng, consts, jx_ns, timeout, skip=only is not None and i not in only)
        if only is not None and i not in only:
            continue
        tally[verdict] += 1
        for lv in chain:
            by_kind[lv["kind"]][verdict == "agree"] += 1
        if verdict != "agree" and not verdict.startswith("JAX raised") and len(shown) < show:
            shown.append(f"[#{i} {verdict}: {msg}]\n{describe(chain)}\n{src}")
        del state
    return tally, by_kind, shown


def main(argv: list[str]) -> None:
    opts = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("--")}
    args = [a for i, a in enumerate(argv) if not a.startswith("--") and not (i and argv[i - 1] in opts)]
    seed = int(args[0]) if args else 0
    count = int(args[1]) if len(args) > 1 else 200
    only = {int(k) for k in opts["--only"].split(",")} if "--only" in opts else None  # (re-run these chains)
    t0 = time.time()
    tally, by_kind, shown = run(seed, count, int(opts.get("--show", 5)), int(opts.get("--timeout", 20)), only)
    report(seed, t0, tally, by_kind, shown)


def report(seed: int, t0: float, tally, by_kind, shown) -> None:
    """Print a seed's counts by category, agreement per transformation and the chains shown."""
    print(f"seed {seed}: {sum(tally.values())} chains drawn, {time.time() - t0:.0f} s")
    for k, v in sorted(tally.items(), key=lambda kv: -kv[1]):
        print(f"  {v:5d}  {k}")
    print(
        "  agreeing / chains, per transformation: "
        + ", ".join(f"{k} {c[True]}/{c[True] + c[False]}" for k, c in sorted(by_kind.items()))
    )
    for s in shown:
        print(textwrap.indent(s, "    "))


if __name__ == "__main__":
    main(sys.argv[1:])
