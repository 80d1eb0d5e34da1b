"""Where difflab's time goes: the prepared reverse step and the re-traced call at 2-16-16-2 b64, plus the
two other paths that miss their targets by most (symbolic per call, scalar trace + reverse).

    python bench/profile_reverse.py [--quick]

1. A per-call breakdown of `PreparedFunction.value_and_grad`: each stage timed alone, interleaved
   (argument check and flattening, compiled forward tape, compiled backward tape, rebuilding the
   gradient pytree), next to hand NumPy; and the NumPy calls each executes.
2. cProfile of each path, its self time grouped by where the code lives (difflab module, compiled
   tape, NumPy Python code, C functions), and the top functions by self time.
"""

from __future__ import annotations

try:
    from . import _common as C
    from . import hand_numpy as hand
except ImportError:
    import _common as C
    import hand_numpy as hand

import cProfile
import pstats
import re

import numpy as np

import difflab as dl
from difflab.nn import MLP

SIZES, BATCH = (2, 16, 16, 2), 64


def _bucket(filename, funcname):
    if filename == "~":  # a C function; ufunc calls (np.add(...), a @ b) are not profiled: they count in their caller
        name = re.sub(r" at 0x[0-9a-f]+", "", funcname).strip("<>")
        if "numpy" in name:
            return "C: NumPy functions / array methods"
        return "C: " + name.replace("built-in method ", "").replace("method ", "")[:40]
    if "difflab compiled graph" in filename:
        return "difflab compiled tape (self time incl. the ufuncs it calls)"
    if "/difflab/" in filename:
        return "difflab/" + filename.split("/difflab/")[-1]
    if "/numpy/" in filename:
        return "NumPy Python wrappers"
    if "sympy" in filename or "lambdifygenerated" in filename:
        return "SymPy / lambdified code (incl. ufuncs)"
    if "/micrograd/" in filename:
        return "micrograd"
    if filename.endswith("hand_numpy.py"):
        return "hand_numpy.py (self time incl. its operators / ufuncs)"
    return filename.split("/")[-1]


def profile(fn, calls):
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(calls):
        fn()
    pr.disable()
    st = pstats.Stats(pr)
    total = sum(v[2] for v in st.stats.values())
    buckets = {}
    for (filename, _, funcname), (cc, nc, tt, ct, callers) in st.stats.items():
        k = _bucket(filename, funcname)
        buckets[k] = buckets.get(k, 0.0) + tt
    top = sorted(
        (
            (tt, nc, f"{filename.split('/')[-1]}:{line}({funcname})")
            for (filename, line, funcname), (cc, nc, tt, ct, callers) in st.stats.items()
        ),
        reverse=True,
    )[:12]
    ncalls = sum(v[1] for v in st.stats.values())
    return total, buckets, top, ncalls


def profile_md(title, fn, calls):
    total, buckets, top, ncalls = profile(fn, calls)
    brow = [
        [k, f"{v / total * 100:.1f}%", C.fmt_time(v / calls)]
        for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])
        if v / total >= 0.005
    ]
    trow = [[name, n // calls, f"{tt / total * 100:.1f}%"] for tt, n, name in top]
    md = (
        f"#### {title}: cProfile, {calls} calls, {ncalls // calls} function calls per call "
        f"(profiled time {C.fmt_time(total / calls)} per call, inflated by the profiler)\n\n"
        + C.table(["where (self time)", "share", "per call"], brow)
        + "\n\n"
        + C.table(["top functions by self time", "calls per call", "share"], trow)
    )
    return md, {
        "title": title,
        "per_call_profiled": total / calls,
        "buckets": {k: v / calls for k, v in buckets.items()},
        "function_calls_per_call": ncalls / calls,
    }


def count_numpy_calls(source: str) -> int:
    return len(re.findall(r"= op_\w+\(", source))


def breakdown(quick):
    params, X, Y = hand.problem(SIZES, BATCH)
    f = MLP(list(SIZES), activation="tanh").loss("cross_entropy")
    pf = dl.prepare(f, params, X, Y, method="reverse")
    for _ in range(3):  # past any tiered (interpret first, compile later) warm-up
        pf.value_and_grad(params, X, Y)
    prep = pf.prepared
    fns = {
        "hand NumPy loss+grad": lambda: hand.loss_and_grad(params, X, Y),
        "PreparedFunction.value_and_grad (total)": lambda: pf.value_and_grad(params, X, Y),
    }
    parts = {}
    # stage by stage; internal names are looked up defensively (the core is being refactored)
    args_ = (params, X, Y)
    if hasattr(pf, "_check"):
        fns["1 argument check + flatten (_check)"] = lambda: pf._check(args_)
    inputs = pf._check(args_) if hasattr(pf, "_check") else pf.staged.inputs(args_)
    if hasattr(prep, "grad_leaves"):
        fns["2 prepared.grad_leaves (the differentiator's work)"] = lambda: prep.grad_leaves(inputs)
    else:
        fns["2 prepared.grad (the differentiator's work)"] = lambda: prep.grad(inputs)
    # the compiled tapes, whatever the core calls them now: one joint value+gradient sweep (`_grad`),
    # or a forward tape (`_fwd`) and a backward tape (`_bwd`) fed the residuals and the seed
    if hasattr(prep, "grad_leaves"):
        for _ in range(3):
            prep.grad_leaves(inputs)
    joint = getattr(prep, "_grad", None)
    if joint is not None and hasattr(joint, "source"):
        fns["2' compiled joint value+gradient tape alone"] = lambda: joint(*inputs)
        parts["NumPy calls: joint compiled tape"] = count_numpy_calls(joint.source)
    if getattr(prep, "_fwd", None) is None and hasattr(prep, "_vjp"):
        for _ in range(3):
            prep._vjp(inputs)  # builds the split forward/backward tapes where they exist
    fwd, bwd = getattr(prep, "_fwd", None), getattr(prep, "_bwd", None)
    if fwd is not None and bwd is not None and hasattr(fwd, "source"):
        res = fwd(*inputs)
        nout = getattr(prep, "_n_out", 1)
        resid = res[nout:]
        u = np.ones(1)
        fns["2a compiled forward tape alone (vjp path)"] = lambda: fwd(*inputs)
        fns["2b compiled backward tape alone (vjp path)"] = lambda: bwd(*resid, u)
        parts["NumPy calls: forward tape (vjp path)"] = count_numpy_calls(fwd.source)
        parts["NumPy calls: backward tape (vjp path)"] = count_numpy_calls(bwd.source)

    def errstate_pair():
        with np.errstate(invalid="raise", divide="raise"):
            pass

    fns["np.errstate enter+exit (once per tape call)"] = errstate_pair
    outs, g = prep.grad(inputs)
    st = pf.staged
    if hasattr(prep, "grad_leaves"):
        g_parts = prep.grad_leaves(inputs)[1]
        if hasattr(st, "unflatten_wrt"):
            fns["3 rebuild gradient pytree (unflatten_wrt)"] = lambda: st.unflatten_wrt(g_parts)
    elif hasattr(st, "split_flat"):
        fns["3 split flat gradient + rebuild pytree"] = lambda: st.unflatten_wrt(st.split_flat(g))
    res = C.measure(fns, rounds=3 if quick else 21, target=0.005 if quick else 0.02)
    base = res["hand NumPy loss+grad"]
    rows = [[k, C.fmt_time(t.median), f"{t.ratio(base):.2f}×"] for k, t in res.items()]
    parts["NumPy calls: hand NumPy loss_and_grad (2 hidden layers, by reading it)"] = 27
    md = (
        f"#### per-call breakdown of the prepared reverse step, {'-'.join(map(str, SIZES))} b{BATCH} "
        "(each stage timed alone, interleaved; ratio to hand NumPy)\n\n"
        + C.table(["stage", "median", "÷ hand"], rows)
        + "\n\n"
        + C.table(["count", "value"], [[k, v] for k, v in parts.items()])
    )
    return md, {"stages": {k: t.median for k, t in res.items()}, "counts": parts}, (params, X, Y, f, pf)


def main():
    opts = C.args(__doc__.splitlines()[0])
    calls = 20 if opts.quick else 300
    md, rows = [], []
    text, info, (params, X, Y, f, pf) = breakdown(opts.quick)
    md.append(text)
    rows.append({"workload": "profile-breakdown", **info})
    for title, fn, k in [
        ("prepared reverse step (PreparedFunction.value_and_grad)", lambda: pf.value_and_grad(params, X, Y), calls),
        ("hand NumPy loss_and_grad", lambda: hand.loss_and_grad(params, X, Y), calls),
        (
            "unprepared, re-traced call (dl.value_and_grad(loss) fresh each call)",
            lambda: dl.value_and_grad(f)(params, X, Y),
            max(3, calls // 30),
        ),
        (
            "cached unprepared call (one dl.value_and_grad(loss) object reused)",
            (lambda vg=dl.value_and_grad(f): vg(params, X, Y)),
            calls,
        ),
    ]:
        for _ in range(3):
            fn()
        t, info = profile_md(title, fn, k)
        md.append(t)
        rows.append({"workload": "profile", **info})
    # symbolic per call (2-16-2 b64) and the scalar fresh grad: the two largest misses
    try:
        from . import scalar as sc
    except ImportError:
        import scalar as sc
    p2, X2, Y2 = hand.problem((2, 16, 2), 64)
    f2 = MLP([2, 16, 2], activation="tanh").loss("cross_entropy")
    sym = dl.prepare(f2, p2, X2, Y2, method="symbolic")
    for _ in range(3):
        sym.value_and_grad(p2, X2, Y2)
    t, info = profile_md("symbolic prepared value_and_grad, 2-16-2 b64", lambda: sym.value_and_grad(p2, X2, Y2), calls)
    md.append(t)
    rows.append({"workload": "profile", **info})
    sp, sX, sY = sc.init(), *sc.data(8)
    t, info = profile_md(
        "scalar net B=8: fresh dl.grad (trace + reverse) per call",
        lambda: dl.grad(sc.loss)(sp, sX, sY),
        max(3, calls // 30),
    )
    md.append(t)
    rows.append({"workload": "profile", **info})
    C.emit(opts, "profile", "\n\n".join(md), rows)


if __name__ == "__main__":
    main()
