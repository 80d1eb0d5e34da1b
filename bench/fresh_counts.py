"""Counts that a loaded machine does not move: Python function calls (sys.setprofile) and, under
valgrind, instructions per fresh call, for bench/mlp.py's unprepared row and bench/scalar.py's net.

    python bench/fresh_counts.py calls
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \\
        --toggle-collect=functools_reduce python bench/fresh_counts.py WHAT 20

`calls` prints Python calls per fresh call (5 calls after 2 warm-ups): the whole call, the trace
alone (`api.stage`) and prepare + the interpreted sweep on the traced values, for the 2-16-16-2 b64
MLP, and per equation for the scalar net at B = 1 and 8. WHAT N runs one contender N + 1 times inside
one `functools.reduce` with the collector off (so valgrind counts only those calls, and a collection's
timing cannot move the count): mlp (a fresh `dl.value_and_grad`), mlpi (the same with
`Reverse(compiled=False)`), ag (autograd's value_and_grad, bench/mlp.py's peer loss), s1 and s8 (a
fresh `dl.grad` of the scalar net at B = 1, 8), "s1 stage"/"s1 sweep" (its trace by `api.stage`, which
flattens the pytree itself; prepare + the sweep on the traced values; also s8, and "mlp stage"/"mlp sweep"),
mg1 and mg8 (micrograd's forward + backward there; "mg1 forward" and "mg1 backward" each half alone).
Divide valgrind's "Collected" by N + 1. Run it from any checkout with PYTHONPATH=that checkout.
WHAT f1: a fresh `dl.grad` of x * x at one float, the call's fixed cost (what depends on no leaf or equation).
WHAT l1, l40: a fresh `dl.grad` of `ws[0] * ws[0]` with ws a list of 1 or 40 floats (one equation either way):
(l40 - l1) / 39 is a float leaf's own cost, as the scalar net pays it for each weight (reader, input tracer, gradient).
The scalar net's fresh call by piece (issue 17's per-equation row: where its instructions go), B = 1 or 8:
"s1 known" (the generated argument reader of the signature seen before), "s1 inputs" (a Trace and its input
tracers, one per float leaf), "s1 record" (those inputs, nested by the generated builder, and the loss
recorded on them), "s1 backward" (the float sweep alone, compile.floats.backward_floats, on the traced
values), "s1 float" (the loss on Python floats, no difflab: what any contender pays for the user's code).
"""

from __future__ import annotations

import functools
import gc
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import _common as C  # noqa: E402  (single-threaded BLAS before NumPy)
import hand_numpy as hand  # noqa: E402
import scalar as S  # noqa: E402

import difflab as dl  # noqa: E402

try:
    from difflab.api.boundary import stage
except ImportError:  # (a checkout from before the API package, 89ac63d)
    from difflab.api import stage
from difflab.nn import MLP  # noqa: E402


def _square(x):  # (f1's function)
    return x * x


def _first_squared(ws):  # (l1's and l40's: one equation, however many leaves)
    return ws[0] * ws[0]


def contenders() -> dict:
    params, X, Y = hand.problem((2, 16, 16, 2), 64)
    f = MLP([2, 16, 16, 2], activation="tanh").loss("cross_entropy")
    interp = dl.Reverse(compiled=False)
    st = stage(f, (params, X, Y))

    fns = {
        "mlp": lambda: dl.value_and_grad(f)(params, X, Y),
        "mlpi": lambda: dl.value_and_grad(f, method=interp)(params, X, Y),
        "mlp stage": lambda: stage(f, (params, X, Y)),
        "mlp sweep": _sweep(st),
    }
    for B in (1, 8):
        p, (Xs, Ys) = S.init(), S.data(B)
        fns[f"s{B}"] = functools.partial(lambda p, Xs, Ys: dl.grad(S.loss)(p, Xs, Ys), p, Xs, Ys)
        fns[f"s{B} stage"] = functools.partial(lambda p, Xs, Ys: stage(S.loss, (p, Xs, Ys)), p, Xs, Ys)
        fns[f"s{B} sweep"] = _sweep(stage(S.loss, (p, Xs, Ys)))
        fns.update(_pieces(B, p, Xs, Ys))
        setup = S.micrograd_setup(p, Xs, Ys)
        if setup is not None:
            fns[f"mg{B}"] = setup[1]
            fns[f"mg{B} forward"], fns[f"mg{B} backward"] = _micrograd_halves(setup[0], Xs, Ys)
    ag = C.peer("autograd")
    if ag is not None:
        import mlp as M

        vg = ag.value_and_grad(M.peer_loss(ag.numpy, ag.tracer.getval, len(params) // 2))
        fns["ag"] = lambda: vg(params, X, Y)
    fns["f1"] = lambda: dl.grad(_square)(3.0)
    for n in (1, 40):
        fns[f"l{n}"] = functools.partial(lambda ws: dl.grad(_first_squared)(ws), [float(i + 1) for i in range(n)])
    return fns


def _pieces(B, p, Xs, Ys) -> dict:
    """The scalar net's fresh call at batch size B by piece (see the module docstring)."""
    from difflab.api.boundary import known_signature
    from difflab.compile.floats import backward_floats
    from difflab.differentiators.reverse import _pull

    trace = sys.modules["difflab.trace"]  # (the module: difflab.trace is also the function dl.trace)
    args = (p, Xs, Ys)
    dl.grad(S.loss)(*args), dl.grad(S.loss)(*args)  # seen twice: the signature's reader is generated
    sig, leaves = known_signature(args, 0)
    st = stage(S.loss, args)
    g, env = st.graph, st.values
    return {
        f"s{B} known": lambda: known_signature(args, 0),
        f"s{B} inputs": lambda: trace._plain_inputs(trace.Trace(), leaves, True),
        f"s{B} record": lambda: S.loss(*sig._args(trace._plain_inputs(trace.Trace(), leaves, True))),
        f"s{B} backward": lambda: backward_floats(g, env, st.wrt, {g.outputs[0]: 1.0}, _pull, {}),
        f"s{B} float": lambda: S.loss(*args),
    }


def _micrograd_halves(model, X, Y):
    """micrograd's forward pass alone (the graph built, no zero_grad), and its backward alone on graphs built
    before (64 of them, made at the first call: the warm-up; N ≤ 60)."""
    from micrograd.engine import Value

    def forward():
        total = Value(0.0)
        for x, y in zip(X, Y):
            d = model(x) - y
            total = total + d * d
        return total * (1.0 / len(X))

    built: list = []

    def backward():
        if not built:
            built.extend(forward() for _ in range(64))
        built.pop().backward()

    return forward, backward


def _sweep(st):
    """prepare + the interpreted sweep on a staged call's traced values (a fresh call's part after its trace)."""
    values = dict(st.values)
    xs = [values[v] for v in st.graph.inputs]
    return lambda: dl.Reverse().prepare(st.graph, st.wrt).grad_leaves(xs, values)


def calls(fn, reps=5) -> float:
    fn(), fn()
    n = [0]

    def count(frame, event, arg):
        if event == "call":
            n[0] += 1

    sys.setprofile(count)
    for _ in range(reps):
        fn()
    sys.setprofile(None)
    return n[0] / reps


def main():
    fns = contenders()
    if sys.argv[1:] == ["calls"]:
        eqns = {B: len(dl.prepare(S.loss, S.init(), *S.data(B)).graph.eqns) for B in (1, 8)}
        for name in ("mlp", "mlp stage", "mlp sweep", "s1", "s1 stage", "s1 sweep", "s8", "s8 stage", "s8 sweep"):
            per = calls(fns[name])
            B = int(name[1]) if name.startswith("s") else None
            print(f"{name:10s} {per:8.1f}" + (f"   per equation {per / eqns[B]:.2f}" if B else ""))
        return
    fn, n = fns[sys.argv[1]], int(sys.argv[2])
    fn(), fn()
    gc.collect()
    gc.disable()
    functools.reduce(lambda acc, _: fn(), range(n + 1), None)


if __name__ == "__main__":
    main()
