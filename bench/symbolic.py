"""Symbolic method: preparation time and per-call time of the prepared gradient of a 1-hidden-layer
tanh net (width 16, softmax cross-entropy), against hand-written NumPy per call.

    python bench/symbolic.py [--quick]

Preparation = `dl.prepare(..., method="symbolic")` (trace) plus the first gradient call (the closed
form written and lowered there). Gradients of functions of arrays are written at matrix level
(differentiators/matrix.py): the closed form over the graph's arrays, matmuls and elementwise
partials, lowered to straight-line NumPy; a declared mean-over-examples loss (difflab.nn's) is
rewritten from its one-example graph to the whole batch, so its products are X W over all rows.
"generated code ÷ hand" times that lowered function alone (the rest of "symbolic ÷ hand" is the
API's call: argument reader, error state, NaN checks, result pytree, shared with reverse). The
size column is the scalar path's (expression_size: the per-scalar SymPy derivative, still the
method's fallback and its `exact()` reference). Also shown: difflab reverse (prepared) per call.

"undeclared" rows: the same maths written by hand as a new user would (`user_loss`: -Σ Y log
softmax / N over the whole batch, no `batch_argnums`), differentiated at matrix level as written.
Before the per-example search (commit 19d278d) the batch was expanded element by element: 2-16-2 b64
took 98 s to prepare and ran at 35× hand NumPy; with it (vectorised columns of one example's
derivative) 2–5× hand NumPy. Its logits' adjoint is now the one written by hand, (Y − softmax·rowsum(Y))
times one number (−1/N): the closed form keeps an adjoint's number apart through linear steps and lets a
reduction's adjoint broadcast where it is used. Instructions per call, which a loaded machine does not
move: bench/symbolic_counts.py (under valgrind); it also prints the generated code to compare with
hand_numpy.loss_and_grad line by line.
"""

from __future__ import annotations

try:
    from . import _common as C
    from . import hand_numpy as hand
except ImportError:
    import _common as C
    import hand_numpy as hand

import time

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.nn import MLP

SIZES = [((2, 16, 2), 64), ((4, 16, 3), 128), ((16, 16, 4), 256), ((2, 16, 2), 1), ((4, 16, 3), 1), ((16, 16, 4), 1)]
QUICK = [SIZES[0], SIZES[3]]
UNDECLARED = [s for s in SIZES if s[1] > 1]
TARGET = 1.0


def user_loss(params, X, Y):
    """hand_numpy.loss written with difflab.numpy over the whole batch, declaring nothing."""
    L = len(params) // 2
    h = X
    for l in range(L - 1):
        h = dnp.tanh(h @ params[f"W{l}"] + params[f"b{l}"])
    z = h @ params[f"W{L - 1}"] + params[f"b{L - 1}"]
    z = z - dnp.max(z, axis=1, keepdims=True)
    logp = z - dnp.log(dnp.sum(dnp.exp(z), axis=1, keepdims=True))
    return -dnp.sum(Y * logp) / X.shape[0]


def generated_code(prepared, args):
    """(the symbolic gradient's lowered function, its arguments): the code without the API's call."""
    xs = prepared.staged.fast(args)
    matrix = prepared.prepared.matrix  # (its lowered gradients by batch size: a derivative shared by equal graphs)
    return matrix.fns[len(xs[matrix.rows[0]]) if matrix.rows else None], xs


def main():
    opts = C.args(__doc__.splitlines()[0])
    rounds, target = (3, 0.005) if opts.quick else (31, 0.03)
    rows, trows = [], []
    cases = [(s, b, False) for s, b in (QUICK if opts.quick else SIZES)]
    cases += [(s, b, True) for s, b in (QUICK[:1] if opts.quick else UNDECLARED)]
    for sizes, batch, undeclared in cases:
        label = f"{'-'.join(map(str, sizes))} b{batch} (matrix level)"
        label += ", undeclared" if undeclared else ""
        params, X, Y = hand.problem(sizes, batch)
        f = user_loss if undeclared else MLP(list(sizes), activation="tanh").loss("cross_entropy")
        t0 = time.perf_counter()
        sym = dl.prepare(f, params, X, Y, method="symbolic")
        t1 = time.perf_counter()
        v, g = sym.value_and_grad(params, X, Y)
        t2 = time.perf_counter()
        v_h, g_h = hand.loss_and_grad(params, X, Y)
        err = max(np.abs(g[k] - g_h[k]).max() for k in g_h) / max(np.abs(a).max() for a in g_h.values())
        size = sym.prepared.expression_size()
        rev = dl.prepare(f, params, X, Y, method="reverse")
        code, xs = generated_code(sym, (params, X, Y))
        res = C.measure(
            {
                "hand NumPy": lambda: hand.loss_and_grad(params, X, Y),
                "symbolic, prepared": lambda: sym.value_and_grad(params, X, Y),
                "reverse, prepared": lambda: rev.value_and_grad(params, X, Y),
                "symbolic, generated code only": lambda: code(*xs),
            },
            rounds=rounds,
            target=target,
        )
        r_code = res["symbolic, generated code only"].ratio(res["hand NumPy"])
        r = res["symbolic, prepared"].ratio(res["hand NumPy"])
        lo, hi = res["symbolic, prepared"].ratio_spread(res["hand NumPy"])
        r_rev = res["reverse, prepared"].ratio(res["hand NumPy"])
        rows.append(
            {
                "workload": "symbolic",
                "size": label,
                "contender": "symbolic, prepared",
                "ratio": r,
                "ratio_iqr": [lo, hi],
                "target": TARGET,
                "met": r <= TARGET,
                "prepare_seconds": t1 - t0,
                "first_call_seconds": t2 - t1,
                "seconds": res["symbolic, prepared"].median,
                "hand_seconds": res["hand NumPy"].median,
                "reverse_ratio": r_rev,
                "code_ratio": r_code,
                "rel_error": err,
                "expression_size": size,
            }
        )
        trows.append(
            [
                label,
                C.fmt_time(t1 - t0),
                C.fmt_time(t2 - t1),
                f"{size['tape']} / {size['cse']} / {size['naive']}",
                C.fmt_time(res["symbolic, prepared"].median),
                C.fmt_time(res["hand NumPy"].median),
                f"{r:.2f}× ({lo:.2f}–{hi:.2f})",
                f"{r_code:.2f}×",
                f"{r_rev:.2f}×",
                f"{err:.0e}",
                f"≤ {TARGET}×",
                "met" if r <= TARGET else "MISSED",
            ]
        )
    md = "### symbolic gradient of a 1-hidden-layer net: preparation and per-call cost\n\n" + C.table(
        [
            "net",
            "prepare (trace)",
            "first call (closed form + codegen)",
            "scalar path's size: tape / cse ops / naive ops",
            "symbolic per call",
            "hand per call",
            "symbolic ÷ hand (IQR)",
            "generated code ÷ hand",
            "reverse ÷ hand",
            "rel. err",
            "target",
            "",
        ],
        trows,
    )
    C.emit(opts, "symbolic", md, rows)


if __name__ == "__main__":
    main()
