"""Run every benchmark (each in its own process) and write bench/RESULTS.md.

    python bench/run_all.py [--quick] [--runs N] [--out PATH]

`--runs 2` (the default) runs the whole suite twice, one after the other, so the summary shows how
stable each ratio is from run to run on this (shared, noisy) machine. The summary lists each target
of issue 7 with both runs' values; rows that miss say why (from bench/profile_reverse.py) and what
would close the gap. Detailed tables follow (from the last run), then the profiles.
"""

from __future__ import annotations

try:
    from . import _common as C
except ImportError:
    import _common as C

import argparse
import datetime
import json
import os
import subprocess
import sys
import shutil
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = [
    "mlp",
    "cheap_gradient",
    "scaling",
    "numeric",
    "symbolic",
    "scalar",
    "scalar_tape",
    "second_order",
    "deep",
    "matrix_hessian",
    "profile_reverse",
]

# Why each target row misses and what would close the gap. Written from the profiles in
# profile_reverse.py; shown only for rows that miss. Keep them short; update with the core.
WHY = {
    "matrix-hessian": (
        "Logistic regression's Hessian is one contraction Xᵀ diag(c) X (N n² flops: the identity seed "
        "never becomes a matrix, the partials' terms merge into one coefficient vector), where jax.hessian "
        "(jacfwd of jacrev) does two; what remains is np.einsum's own speed on one core against XLA's dot "
        "and, at this size, the graph's forward pass and the partials computed through the registry rules.",
        "Lower the final contraction to one BLAS call on the pre-scaled operand (np.matmul) instead of "
        "np.einsum's generic path, and compile the partials into the forward pass.",
    ),
    "mlp 2-16-16-2 b64": (
        "Overhead-bound: a NumPy call costs 1–3 µs at this size. The compiled joint value+gradient tape "
        "(36 NumPy calls against hand's ~27, 11 of them writing into dead buffers) is ~0.9–1.1× hand "
        "NumPy alone; the arguments now go through a generated reader (no flatten, conversion or "
        "signature comparison per call), so the API adds ~0.05–0.1×.",
        "Fewer tape calls: matmul VJP rules with `.T` views instead of transpose ops (4 calls), a "
        "fused softmax-cross-entropy cotangent (~6 calls), tanh's VJP as one expression.",
    ),
    "mlp 64-128-128-10 b256": (
        "Within noise of the target: the matmuls dominate; the remaining extra passes are the "
        "log-softmax pieces and the cotangent chain over (256×128) arrays.",
        "The same fusions as the small size.",
    ),
    "mlp 784-256-256-10 b128": (
        "Within noise of hand NumPy: the five matmuls are ~85% of the step and the same calls as hand's; the "
        "generated program's other work (one finiteness pass over x W0, elementwise steps in pooled buffers) is "
        "less than hand's allocations (mlp45: bench/mlp_ab.py, thread CPU time, 0.98×).",
        "x W0's check pass (1%); otherwise the matmuls themselves.",
    ),
    "unprepared": (
        "A fresh dl.value_and_grad traces (Trace.record: Var, Eqn, Tracer and a CSE key per equation) and "
        "then interprets the reverse sweep on the values recorded while tracing (no second forward pass): "
        "~700 Python and C calls per call (cProfile) against autograd's ~2200, and 0.415 of its instructions "
        "(callgrind, bench/fresh_counts.py: 1.69M against 4.07M per call; 1.71M before stop 22, whose cheaper "
        "Var and Tracer moved paired time within noise, 0.51 → 0.51 by bench/fresh_ab.py, its per-op CSE "
        "tables costing the MLP's ~8 distinct ops ~8k of the ~25k saved; 1.74M before stop 21, 1.82M before "
        "stop 20). Stop 21 trimmed the call's fixed work: a scalar loss's sweep seeded ū = 1.0 directly (no "
        "ones vector, split or seed comprehension), its value returned as a Python float without the output "
        "pytree's unflatten and alias checks, and up to 8 leaves made inputs by one loop rather than "
        "_plain_inputs' iterators (a one-float fresh gradient: 303k → 259k instructions). Stop 22 (fixed22) "
        "cut that fixed work again, measured on stop 21's tree: bench/fresh_counts.py f1 (dl.grad of x·x at "
        "one float) 273k → 220k instructions, this row's call 1.71M → 1.65M (0.406 of autograd's), the "
        "scalar net's B=1 1.74M → 1.69M (paired, bench/fresh_ab.py under load: ÷ autograd 0.52 / 0.51 → 0.49 / 0.48). The call pauses the collector "
        "and collects DomainWarnings without gc_paused's and _public_call's objects and frames; the trace's "
        "error state is made once per state in force (every trace's callback one function, trace._noted) and "
        "set without a context object; a prepared product charges its cost without graph.charging's object; "
        "nesting is entered only by a method that nests (numeric); a just-traced graph's preparation is not "
        "looked up and a prepared object's lowering tier is made when first wanted; a single loss skips the "
        "list-building checks (condition, output structure, scalar shape, finiteness) its type answers. "
        "Left of the fixed work: graph.raising (~6.5k per use: its object, two frames and NumPy's extobj "
        "made every time), the float sweep's own setup (~20k for one equation) and one Python frame or "
        "object per remaining layer (~1–2k each). Stop 20 "
        "folded the sweep's finiteness checks as the prepared path's are (compile.floats `_Generic.cover`: "
        "the loss covers what reaches it through Op.strict arguments, one pass over x W + b covers each "
        "hidden layer's weights and input, the API's input check skips what the sweep found finite, a "
        "checked ū·∂ is not tested again): 6 dot products per call, not 21; set the two NumPy error states "
        "through NumPy's context variable (np.errstate's enter and exit ~11k instructions, np.geterrcall "
        "~9k) and hashed the method object by its class (it read its settings every call). Time follows the "
        "slower parts of the machine, not the instruction count: NumPy's per-call machinery on small arrays "
        "— a reduction over (64, 16) costs ~21k instructions (7 per call: 3 bias gradients, log_softmax's "
        "max and two sums, the loss's sum; ~8% of the call), a matmul there ~24k, tanh ~54k.",
        "Fewer NumPy calls per traced equation: the reductions are the largest left, and none has a cheaper "
        "form with the same numbers (BLAS sums in another order: the float sweep would leave the "
        "interpreter's bit-for-bit results); and fewer objects per equation in the trace.",
    ),
    "cheap": (
        "The first layer's matmuls dominate at 784-256-256-10: the gradient needs X.T·dZ (as costly as the "
        "forward X·W) plus two more (256×256) products; hand NumPy shows the same ratio in the same run. At "
        "64-128-128-10 b256 the loss alone was bimodal by process (~400 or ~545 µs, loss + gradient 1.17–1.24 ms "
        "in all): page faults. Its 256×128 blocks came off the top of glibc's heap and were handed back to the "
        "kernel when freed, so each call faulted them in again (96 minor faults a call, ~1.5 µs each; loss + "
        "gradient 224), unless the process had freed a mapped block of ~400 KB before (glibc's trim threshold "
        "rises to twice the largest such block): then the loss kept its blocks and loss + gradient, whose peak "
        "is larger, still faulted (ratio 2.93–2.98 against 2.21–2.25; bench/cheap_faults.py, CPU time per call). "
        "Stop 25 keeps a lowered function's 64 KiB–4 MiB intermediates in its pool (compile/graphs.py `_Pool`): "
        "0 faults a call in every allocator state, the ratio 2.26–2.32 in all.",
        "If it misses again: bench/cheap_faults.py's fault counts per state say whether the allocator is back "
        "in it (a new large temporary outside the pool, an op's own) or the arithmetic moved.",
    ),
    "forward": (
        "A chunked sweep pushes a (k × n) block of tangents through each JVP step. Until fwd18 every step was a "
        "NumPy pass over the block into a fresh array (eight for this f, each block a fresh 512 kB mapping that "
        "page-faulted); the compiled sweep now defers the linear elementwise steps (compile/linear.py: a block "
        "times a partial, sums of blocks) as sums of scaled seed blocks whose coefficients, the partials' "
        "products, are O(n) and made once per block, and a full sum of such a value is a matrix-vector product: "
        "this f's block tangent is t[:, :-1] @ (x[1:]·s) + t[:, 1:] @ (x[:-1]·s) + t @ x, s = 1 − tanh², three "
        "reads of the seed block and nothing written. The unit directions are windows of one kept read-only "
        "block (no fresh zeros per chunk), matmul with a batched first argument calls np.matmul directly, and "
        "what is still written goes into buffers the lowered sweep keeps (graphs._Pool). Values equal the "
        "interpreter's to rounding (reassociated products, dots for sums), not bit for bit. Paired on this "
        "Intel Xeon under load (bench/rows_ab.py forward, 6 processes per tree, main 6bb980c against fwd18): "
        "chunk=64 vs n × dl.jvp 16.9–20.3× → 79–138×, chunk=auto 14.9–21.7× → 82–104×; vs n × prepared jvp "
        "7.3–8.2× → 41–52× (64) and 7.3–7.8× → 40–41× (auto); ÷ jax.jacfwd (jit) 0.35–0.55 → 0.09–0.12 (64), "
        "0.49–0.58 → 0.08–0.15 (auto).",
        "Met. What a block still costs: reading its seed block once per product, the primal (O(n)) recomputed "
        "per chunk, the per-chunk Python layers. A function whose tangents meet a nonlinear op or a matmul still "
        "writes them out, one pass per step (compile/linear.py defers only what reaches a full sum).",
    ),
    "central": (
        "What changed (numeric67). From 4 to 7 components one evaluation more (2n + 2: 2.5 per component at n = 4, "
        "2 + 2/n) probes one axis, the one of largest |x_i|, for the others' step (differentiators/pilot.py): within "
        "2.25 per component no rule could meet the row at n = 4 (the 9 evaluations are f(x) and 3 points on each "
        "axis, f‴ needs 4 on a line, and a rule reading only x, n and f(x) gives both n = 4 cells one step: the best "
        "common step is 2.13× in the worse, bench/numeric_steps.py). Cells (16 points, bench/numeric.py) main → "
        "numeric67: Rosenbrock n = 4 2.10× → 1.19×, log Σ exp n = 4 1.77× → 1.46×, Σ tanh n = 4 1.41× → 1.24×, "
        "Σ sin·exp n = 4 1.18× → 1.00×, n = 16 unchanged; evaluations per component 2.25 → 2.50 at n = 4 (2.25 at "
        "16). Over 256 jittered points: 2.03× → 1.10×, 2.18× → 1.32×, 1.50× → 1.04×, 1.03× → 1.01×, and every one "
        "of 16 disjoint sets of 16 ≤ 1.59× (was up to 2.51×): the verdict no longer rests on the sample's noise, so the "
        "measure keeps 16 points. Why the largest |x_i|: one probe must not land on an axis whose f‴_ii vanishes, and "
        "an even term (x², cos, cosh) has an odd f‴, 0 where its coordinate is; the fixed random axis of larger sizes "
        "was x_3 at n = 4, Rosenbrock's last coordinate (f‴ ≡ 0 along it: 4.4× over 256 points). A probed axis "
        "along which f does not move at all (f independent of it, or its change absorbed: 1e14·x_0 + sin(x_3)) now "
        "drops the probe, so the stencil's judge says the 0 (at n ≥ 8 the probe's own 0 was kept silently). "
        "numeric_steps.py's 228 cases: median 1.32× → 1.29×, p90 6.4× → 5.4×, cases > 2× 25% → 23%, worst (f‴ ≢ 0) "
        "42× both; better / worse than the fixed step by > 10% 98 / 14 → 131 / 23 (worst loss 2.44× both, n = 8). "
        "Richardson, numdifftools and scipy rows: the same errors and evaluations. "
        "What changed (numstep49). The probes' bound on a larger step is 2.5× from 3 probed axes, n ≥ 16 (was 1.5× at "
        "every size, still so at n = 8 … 15). Cells (16 points, "
        "bench/numeric.py): log Σ exp n = 16 2.05× → 1.29×, Σ tanh n = 16 1.55× → 1.41×, the others unchanged "
        "(Rosenbrock n = 4 2.10×, the row's worst, both); the retired row's worst rel. error 1.6e-10 → 8.5e-11 (log Σ "
        "exp n = 16). Over 256 points: log Σ exp n = 16 1.73× → 1.17×, Σ tanh 1.40× → 1.28×. numeric_steps.py's 228 "
        "cases: median 1.39× → 1.32×, cases > 2× 28% → 25%, better / worse than the fixed step by > 10% 98 / 13 → "
        "98 / 14, worst loss against it 2.44× both (n = 8, its bound unchanged). "
        "What changed (numstep26). The measure (step19): the default's mean error over 16 points, x and 15 jittered "
        "by 1e-3·max(1,|x|), ÷ the least mean error of 97 fixed steps 1e-9…1e-3 (bench/numeric_steps.py's measure; "
        "the lucky best at x alone, row below, no rule can aim at). The default: from 8 components the floor(n/4) − 1 "
        "evaluations that 2.25 per component leave beyond f(x) and the 2n stencil points each probe one axis "
        "(differentiators/pilot.py): its stencil pair becomes x − a e_i, x + a e_i, x + 2a e_i (a = eps^(1/4)·max(1,"
        "|x_i|)), and with f(x) the 4 points give f‴_ii, the error model's truncation term h²|f‴_ii|/6 itself, and that "
        "component's derivative to third order; the largest probed f‴ moves the others' step halfway toward (3 eps "
        "|f(x)|/f‴)^(1/3)·max(1,|x_i|), within ½×…1.5×. Step19's pilot spent the same 3 evaluations at n = 16 on one "
        "random ±1 direction, whose f‴[u,u,u] mixes every third derivative (cross terms cancel or mislead: it "
        "overstated Rosenbrock's). Cells (16 points), random direction → axes: Rosenbrock n = 16 2.00× → 1.14×, log Σ "
        "exp n = 16 2.07× → 2.05×, Σ tanh n = 16 1.63× → 1.55×, Σ sin·exp n = 16 0.99× → 0.92×; n = 4 unchanged (no "
        "spare evaluation); evaluations per component 2.25 in every cell. Over 256 jittered points (the expectation the "
        "16 sample): Rosenbrock n = 16 1.83× → 1.09×, log Σ exp 1.80× → 1.73×, Σ tanh 1.48× → 1.40×, Σ sin·exp 1.04× → "
        "1.20×. numeric_steps.py's 228 cases: median 1.55× → 1.39×, p90 6.3× → 6.4×, cases > 2× 32% → 28%, worst "
        "(f‴ ≢ 0) 42× both; better than the fixed step by > 10% in 98 (was 65), worse in 13 (was 13). Richardson, "
        "complex step, central4 and forward give the same numbers bit for bit.",
        "Met (numeric67), at 2.5 evaluations per component at n = 4. What is left: one probed axis is a sample of "
        "one: where f‴ is small along it and large along another the step grows 1.5× too far (numeric_steps.py: 9 of "
        "its 48 n = 4 cases lose > 10% against numstep49's default, worst Rosenbrock at |x| ≤ 3, whose largest |x_i| "
        "is its last coordinate, 1.87× → 4.21×; a saturating term, log cosh 2x at x = 1.38, 1.43× → 2.52×). A rule "
        "reading f(x) cannot read f's units: (3 eps |f(x)|)^(1/3)·max(1,|x_i|) reads 122× on Rosenbrock n = 4; "
        "Richardson is ≤ 1e-13 here for 28.",
    ),
    "richardson-error": (
        "At the round-off floor of these functions: 14 steps h/1.7^j from 0.5·max(1,|x|) (28 evaluations "
        "per component; numdifftools 30), each entry chosen by its change from its parents plus its "
        "propagated round-off eps·|f(x)|/h; entries built from a step that left f's domain are never "
        "chosen. The wide range of steps also keeps sin(100x), a kink 0.05 away and sqrt 0.01 from its "
        "domain edge below 1e-9 (tests/test_numeric.py).",
        "More digits need more work per point (compensated sums), not more steps.",
    ),
    "richardson-speed": (
        "All shifted points (every component, every step) go through ONE batched call of the compiled "
        "tape (each op by its registry batching rule) and the Neville table is one matmul; the rest is "
        "fixed Python overhead per gradient. The worst cells are the functions with a watched op (sin's "
        "period, log's pole: scales.py), whose moves are compared with the op's scale at x. A prepared "
        "Richardson gradient's common case (rich4) is one function of the graph inputs "
        "(differentiators/numeric_call.py) inside the API's fused call (the reader, it, the cost charge, the "
        "gradient builder: api.operators._Hot, compile.reader.fuse), as the compiled methods have: the steps, "
        "the points with f(x) as row 0, one batched run, the watch judged at row 0's centre, the ±½ differences "
        "and the Neville table, the same functions on the same numbers (the same gradient bit for bit); a NaN "
        "or inf, a domain left or a watched argument out of reach returns to the general path before anything "
        "is said or charged. Compiled code runs a batched reduction as the op itself over the axes past the "
        "batch axis (a sum: np.add.reduce; its batching rule's frames cost ~18k per call). Instructions per "
        "prepared gradient (callgrind, bench/richardson_counts.py; main of stop 20 → rich4): log Σ exp 627k → "
        "376k (n = 4) and 1313k → 1059k (n = 16), Σ sin·exp 680k → 428k and 1987k → 1734k, Rosenbrock 617k → "
        "397k and 1128k → 905k, Σ tanh 645k → 407k and 1351k → 1110k; numdifftools' Gradient at n = 4: "
        "7.1M (log Σ exp), 8.4M (Σ sin·exp). Accuracy unchanged (the same gradient in every cell). What a "
        "gradient at n = 4 costs now (log Σ exp): the batched run of f ~80k (exp on 113 × 4 points 34k, the "
        "sum 28k: NumPy's reduction over a length-4 axis per row); the Neville table ~100k (its BLAS product "
        "28k; a NumPy reduction ~8k each: the finiteness sum and argmin); the steps 45k; the points 34k; the "
        "watch's centre ~30k and its reach test 18k; the API around it ~10k.",
        "Met where the fixed per-call NumPy calls (~30 of 4–8k instructions) are few against f's own work; "
        "fewer of them: the steps and points as one (n, T) computation, the watch's scale at x without its "
        "0-d array round trips.",
    ),
    "symbolic": (
        "The gradient is written at matrix level (differentiators/matrix.py: the closed form over the graph's "
        "arrays, multilinear ops by their einsum index as matmuls, elementwise ops by their partials, constant "
        "adjoints kept as numbers; a declared per-example loss rewritten to the whole batch) and lowered to "
        "straight-line NumPy. A prepared call's common case is one generated function (compile.reader.fuse: "
        "the argument reader's checks, the guarded code, the cost charge and the gradient builder), with "
        "arithmetic on numbers by Python's operators. symprep4: an array adjoint keeps its number apart "
        "through the linear steps (s·x, multiplied in once, where the adjoint has a second use), a reduction's "
        "adjoint broadcasts where it is used (no reshape-reshape-broadcast_to), one example's bias adjoint is a "
        "reshape (not a sum over a unit axis) and a small matrix's row or column sums are its product with a "
        "vector of ones (NumPy's axis reduction of a 64 × 16 matrix costs 21k instructions, the BLAS product "
        "10k): the undeclared loss's logits adjoint is (Y − softmax·rowsum(Y))·(−1/N), as by hand. "
        "Instructions per call (callgrind, bench/symbolic_counts.py), main → symprep4, hand NumPy in "
        "brackets: declared 2-16-2 b1 207k → 195k (198k), 4-16-3 b1 211k → 197k (199k), 16-16-4 b1 215k → "
        "204k (207k), 2-16-2 b64 404k → 383k (390k), 4-16-3 b128 633k → 594k (606k), 16-16-4 b256 1134k → "
        "1059k (1075k); undeclared 2-16-2 b64 434k → 368k (390k), 4-16-3 b128 649k → 554k (606k), 16-16-4 "
        "b256 1112k → 963k (1075k). What is left per call: the API's ~11k (the reader's type, dtype and "
        "shape checks of six arrays ~6.8k: type() 175, .dtype 290, .shape 680 instructions an array, and no "
        "cheaper equivalent: attrgetter or map forms cost more, and an array's shape and dtype can be set in "
        "place, so no check can be skipped for an array seen before), two finiteness dots, and the loss value "
        "Σ Y ⊙ logp as a product and a full sum (11.5k) where hand's np.vdot is 4.4k.",
        "A dot-product primitive (Σ a ⊙ b of one shape as one np.vdot) for the loss value, written by the "
        "closed form where a full sum takes an elementwise product.",
    ),
    "scalar": (
        "Per equation a fresh dl.grad records one Var, one Eqn, one Tracer and two dict entries (CSE key, "
        "value) through Tracer's float operators (binary) or Trace._unary_float (unary), then sweeps back "
        "on Python floats (compile/floats.backward_floats: the registry partials, written out for unary "
        "and binary equations, no active-value pass). The collector is paused while the tape is built "
        "and swept (trace.gc_paused), and the tape holds no cycle, so it is freed by reference counting. "
        "cProfile, B=8: ~20 Python calls per equation for trace + reverse (25 before, 55 at first), ~13.5 "
        "for the trace, of which the loss's own generator and sum calls are part. What remains is the "
        "reusable IR's bookkeeping per equation and per leaf (~10k instructions per traced equation, ~9k "
        "per leaf: see the ÷ micrograd row) and ~259k of per-call work. callgrind (bench/fresh_counts.py): "
        "B=1 1.399M instructions per fresh call (1.489M before stop 23, 1.74M before stop 22: Var a tuple made by one C call, "
        "tracers by object.__new__ and slot stores, no thread-local read per equation, CSE keyed by the "
        "equation's own argument tuple; 1.77M before stop 21, 1.83M before stop 20), 1.47× micrograd's "
        "0.954M; B=8 9.01M (10.6M before stop 22), 1.37× its 6.58M. "
        "Objects built by C setter calls (a slot's __set__, through map or not) cost more than a Python "
        "__init__, which costs more than object.__new__ and stores to its slots (STORE_ATTR_SLOT): a Var "
        "was ~3.4k instructions that way, is ~1.9k as a tuple; a Tracer ~1.8k by its __init__, ~1.3k so.",
        "Fewer objects per equation (an Eqn built once at the end), fewer bytecodes in the float operator "
        "and the sweep's loop, and the API's per-leaf checks done once per pytree structure.",
    ),
    "scalar-cached": ("", ""),
    "scalar-micrograd": (
        "The same net, inputs and gradient (asserted equal), both timed with the collector on, as users run "
        "them: per call. micrograd pays one Value, one set and one closure per node, and its graph is cyclic "
        "(each node's _backward closure holds the node), so only the collector frees it: its allocations start "
        "collections it pays for (bench/scalar_gc.py: 0.63 per call at B=1, 5.0 at B=8, ~40% and ~55% of its "
        "time). difflab records per equation one Var, one Eqn, one Tracer and two dict entries (CSE key, value) "
        "and sweeps back on Python floats; its tape holds no cycle (freed by reference counting) and a fresh "
        "call pauses the collector. callgrind (bench/fresh_counts.py, collector off for both): B=1 1.399M "
        "instructions per fresh call (1.489M before stop 23: the signature key hashed once, not at each of "
        "three lookups, −36k; a preparation's input shapes and size made only when read, which a fresh "
        "gradient never does, −53k; 1.74M before stop 22), 1.47× micrograd's 0.954M; B=8 9.01M (9.11M), "
        "1.37× its 6.58M. With the collector off difflab's call takes 1.5–1.7× micrograd's time at B=1 "
        "(bench/scalar_gc.py; no more cache misses than micrograd's: cachegrind, ~8.5k D1 misses per call "
        "against its ~14k), with it on 1.04–1.08× (paired, bench/scalar_ab.py, 8 pairs under load: B=1 "
        "after ÷ before 0.94–0.96). What is left per equation is bytecode (~half the ~16k instructions of a traced and swept "
        "float product is the interpreter loop itself: the float operator's type tests, CSE lookup and three "
        "records, the sweep's unpacking and two accumulations) and the allocation and freeing of the Var, "
        "the Eqn, their argument tuples and the Tracer; per float leaf ~7.5k (9.4k before stop 23) spread over "
        "~12 C-level passes (reader, the leaf kinds, the Var and the Tracer, the builder, graph inputs, the "
        "values, gradient gathering, NaN check, gradient pytree) and the frees.",
        "Fewer objects per equation (an Eqn built once at the end; values kept in a list by id, not a dict) "
        "and fewer per-leaf passes (the graph inputs' values, shapes and gradient gathering in one); a second "
        "IR (a tape of closures) is excluded by the issue.",
    ),
    "scalar-micrograd-node": (
        "Issue 17's first wording, measured, its target retired at stop 68 (the ≤ 1.2× per call on the same net, the "
        "row above, is the target). It divides difflab's time per equation by micrograd's per node, and the two count "
        "different things: micrograd's nodes include its leaves (37 weights and biases, the inputs, constants: 116 "
        "nodes at B=1, 68 of them with arguments), difflab's equations do not (66), though difflab pays for its 40 "
        "leaves too. The unit counts alone make this ratio 116/66 = 1.76× the per-call one at B=1 (1.21× at B=8, "
        "1.15× at B=32), so the same net, the same gradient and the same times read {node} here and {call} per call "
        "in this run. Why it is out of reach at B=1 within the issue's own constraint (no second IR), measured "
        "(callgrind: `PYTHONHASHSEED=0 taskset -c 1 valgrind --tool=callgrind --collect-atstart=no "
        "--toggle-collect=functools_reduce python bench/fresh_counts.py WHAT 20`, ÷ 21, collector off; stop 68): "
        "1.2× per node is the whole fresh call at 1.2 × 66/116 = 0.68× micrograd's forward + backward (953k "
        'instructions), 650k; recording the loss\'s 66 equations on their input tracers alone is 679k ("s1 record" '
        '818k less "s1 inputs" 139k; the user\'s own float arithmetic, "s1 float", 139k of it), over that budget '
        'before the 40 leaves, the float sweep ("s1 backward", 186k) or the call\'s fixed cost (f1, 224k) are '
        'counted; micrograd\'s forward pass alone is 533k ("mg1 forward") and its backward 374k ("mg1 backward"; '
        '"mg1", with zero_grad, 953k), and its forward builds no record that can be replayed, cached or transformed. At B=8 and '
        "B=32, where the fixed cost and the leaves are shared by more equations, this row reads below 1.2× too.",
        "Retired (measured, kept): below the record's own cost only a second IR or compiled code reaches, both "
        "outside the issue's terms.",
    ),
    "tape": (
        "Trace and sweep are single passes doing the same work per equation, and memory (tracemalloc, "
        "exact) grows linearly, but the time per equation is flat from 10³ to 10⁴ equations and rises at "
        "10⁵ (see the table: ~1.7 → ~2.5 µs), on an idle machine in both runs of stop 21: at 10⁵ equations "
        "the tape's objects and the trace's dicts (tens of MiB) no longer fit the CPU's caches, so each "
        "equation's lookups miss. Earlier notes put it down to drift between sizes; two idle runs agreeing "
        "say it is the memory hierarchy. Stop 22 (scalar22: a Var made by one C call, tracers without "
        "their __init__, no thread-local read per equation, the CSE key the equation's own argument tuple) "
        "made every size faster by about the same share (paired processes, pinned, under load: trace after "
        "÷ before 0.86 / 0.89 / 0.85 at 10³ / 10⁴ / 10⁵ equations, gradient 0.90 / 0.92 / 0.85), so the "
        "slope did not move (trace 1.14 → 1.14, gradient 1.12 → 1.10 in those loaded runs). Memory per "
        "equation (tracemalloc, fresh gradient's peak) 467 / 422 / 472 B → 441 / 416 / 437 B: a Var 64 "
        "(a 3-tuple; 56 requested as a slotted object, the same 64-byte pymalloc block), the Eqn 80, its "
        "argument tuple 56 (now also its CSE key where the arguments are Vars), the value's float 24, a "
        "constant's key tuple, and the two dict entries.",
        "Fewer and smaller objects per equation (values kept in a list by id, not a dict; an Eqn without "
        "its argument tuple for unary and binary equations); the algorithm itself is linear.",
    ),
    "tape-speed": (
        "Trace + reverse of a 10⁵-equation tape: the per-equation costs of the scalar rows. Before the "
        "collector was paused during tracing, two thirds of a 10⁵-equation trace went to full collections "
        "walking the growing tape.",
        "The same levers as the scalar rows.",
    ),
    "hvp": (
        "Forward-over-reverse pushes a tangent through the compiled gradient tape: every value becomes a "
        "(primal, tangent) pair, so about twice the gradient's NumPy calls, plus the strong-zero products "
        "of the JVP rules (each an extra 3–4 passes over its array: ==0, |, isnan, any).",
        "A plain product where the partial cannot be infinite (compile/), fewer tape calls.",
    ),
    "hvp-jax": (
        "Work counts (bench/hvp_flops.py, deterministic): the hvp program makes 61 NumPy calls (64 before "
        "hvp17, which removed its 3 strong_factor calls), 13 of them matmuls with exactly forward-over-"
        "reverse's minimum FLOPs (the gradient's 5 and their tangents: 2.19× / 2.02× the gradient's matmul "
        "FLOPs at n = 10⁴ / 10⁵); XLA's jit jvp-of-grad has the same 13 dots and FLOPs (its cost analysis). "
        "No primal pass is recomputed, no tangent matmul is structurally zero, no transpose is copied. The "
        "gap is per FLOP and per call: XLA's dot ran the 128×784×128 product in 0.45–0.5× the time of "
        "NumPy's matmul (OpenBLAS 0.3.31, SkylakeX kernels; paired, one pinned core), so at n = 10⁵ the "
        "program's 13 matmuls alone, in NumPy, take ~0.7–0.8× JAX's whole hvp (hvp_flops.py --time, "
        "loaded machine). At n = 10⁴ the arrays are small: each NumPy call's 1–3 µs of overhead is "
        "comparable to its work, and XLA fuses the elementwise chain into a few kernels (callgrind, one "
        "call: dgemm ~45% of the instructions, including OpenBLAS zeroing each product for beta = 0; tanh "
        "~9%). difflab's prepared gradient alone is ~2× JAX's jit gradient at n = 10⁴ for the same reasons.",
        "A faster GEMM than NumPy's OpenBLAS for these shapes (XLA's own kernels: not in a NumPy program's "
        "hands; at n = 10⁵ the matmuls alone leave ~0.7× of JAX's time for the rest), and fused "
        "elementwise chains in the compiled tier (one loop per chain) at n = 10⁴.",
    ),
    "forward-jax": (
        "A chunked forward sweep pushes dense (k × n) tangents through each op as one NumPy call per "
        "JVP rule: every op is a full pass over k × n doubles (chunk=None: 8 MB per value, out of cache). "
        "jax.jacfwd under jit is the same vmapped JVP, but XLA fuses the elementwise chain (mul, add, "
        "tanh's 1 − y², the sums) into a few loops, so it makes far fewer passes over the tangent "
        "block. chunk=64 keeps the blocks in cache and comes within ~1.9×; chunk=None ~2.9×. Before numfwd "
        "pinned each bench process to one CPU, XLA's CPU runtime ignored the single-thread flags and took "
        "the second core when it was idle (1.65 CPU-s per s): jacfwd's time wandered 4.3–9.9 ms between "
        "idle runs (unpinned it is bimodal: 3.3 or 6.2 ms back to back) while chunk=64's stayed 8.8–10.4 ms: "
        "the 'regression' of b3b1cc3 and a7c13ff, and f573297's 1.0, were JAX's modes. Pinned: 1.45–1.6.",
        "Fusing elementwise JVP chains in the compiled tier (one loop per chain, e.g. numexpr-style). The "
        "chunk size picked from the cache size is now the default (Forward(chunk='auto'): 64 directions "
        "at n = 1024, its own row; 16 at n = 4096, where it is ~0.7× chunk=64's time and below "
        "jax.jacfwd's, whose all-at-once blocks fall out of cache: bench/chunk_ab.py); chunk=None keeps "
        "its meaning, all n directions at once, as a user's explicit choice. For a scalar f, reverse mode "
        "is the right method (one sweep for the whole gradient).",
    ),
    "cheap-vector": ("", ""),
    "cheap-vector-memory": ("", ""),
    "deep": ("", ""),
    "deep-memory": ("", ""),
    "memory": ("", ""),
}


def run_script(name, quick, tmp, snapshot=None):
    path = os.path.join(tmp, f"{name}.json")
    cmd = [sys.executable, os.path.join(HERE, f"{name}.py"), "--json", path] + (["--quick"] if quick else [])
    env = dict(os.environ)
    if snapshot:  # import difflab from the frozen copy, ahead of the editable install
        env["PYTHONPATH"] = snapshot + os.pathsep + env.get("PYTHONPATH", "")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=os.path.dirname(HERE), env=env)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
        return {
            "name": name,
            "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed",
            "seconds": dt,
            "rows": [],
            "markdown": "(failed: see stderr)",
            "notes": [],
        }
    with open(path) as fh:
        out = json.load(fh)
    out["seconds"] = dt
    return out


def _load():
    try:
        return os.getloadavg()
    except OSError:
        return (float("nan"),) * 3


def summary(runs):
    """One row per target: values from every run, verdict, and why/what for misses."""

    def rows_of(run, script):
        return [r for r in run.get(script, {}).get("rows", [])]

    targets = []

    script_of = {
        "mlp": "mlp",
        "unprepared": "mlp",
        "memory": "mlp",
        "cheap": "cheap_gradient",
        "forward": "scaling",
        "central": "numeric",
        "richardson-error": "numeric",
        "richardson-speed": "numeric",
        "symbolic": "symbolic",
        "scalar": "scalar",
        "scalar-micrograd": "scalar",
        "scalar-micrograd-node": "scalar",
        "scalar-cached": "scalar",
        "tape": "scalar_tape",
        "tape-speed": "scalar_tape",
        "hvp": "second_order",
        "hvp-jax": "second_order",
        "forward-jax": "scaling",
        "forward-prepared": "scaling",
        "central-1e-10": "numeric",
        "central-lucky": "numeric",
        "cheap-vector": "cheap_gradient",
        "cheap-vector-memory": "cheap_gradient",
        "deep": "deep",
        "deep-memory": "deep",
        "matrix-hessian": "matrix_hessian",
    }

    def add(key, label, target, values, fmt, ok, why_key=None, explain=False, fill=None):
        # explain: its why shown whatever the verdict (a measure kept beside the one that replaced it); fill: this
        # run's values the why quotes (str.format fields), so its sentence is computed, not typed
        if ok is None:  # a retired target: still measured, no verdict
            ok = lambda v: None  # noqa: E731
        met = [ok(v) for v in values if v is not None]
        if met and all(m is None for m in met):
            verdict = "measured"
            met = []
        else:
            verdict = "met" if met and all(met) else "MISSED" if met and not any(met) else "mixed" if met else "n/a"
        script = script_of.get(key.split(" ")[0], key)
        hashes = {run.get(script, {}).get("difflab_sources") for run in runs} - {None}
        if len(hashes) > 1 and verdict != "n/a":
            verdict += " †"
        why, close = WHY.get(why_key or key, ("", ""))
        why = why.format(**fill) if fill else why
        targets.append(
            {
                "key": key,
                "label": label,
                "target": target,
                "values": [fmt(v) if v is not None else "—" for v in values],
                "verdict": verdict,
                "why": why if verdict in ("MISSED", "mixed") or explain else "",
                "close": close if verdict in ("MISSED", "mixed") or explain else "",
            }
        )

    def pick(run, script, **match):
        for r in rows_of(run, script):
            if all(r.get(k) == v for k, v in match.items()):
                return r
        return None

    for size, tgt in [("2-16-16-2 b64", 1.3), ("64-128-128-10 b256", 1.0), ("784-256-256-10 b128", 1.0)]:
        vals = [(pick(run, "mlp", size=size, contender="difflab reverse, prepared") or {}).get("ratio") for run in runs]
        add(
            f"mlp {size}",
            f"reverse, prepared, {size} ÷ hand NumPy",
            f"≤ {tgt}×",
            vals,
            lambda v: f"{v:.2f}×",
            lambda v, t=tgt: v <= t,
        )
    vals = [
        (
            pick(run, "mlp", workload="mlp-unprepared", contender="difflab reverse, re-traced every call / autograd")
            or {}
        ).get("ratio")
        for run in runs
    ]
    add(
        "unprepared",
        "reverse, unprepared (fresh dl.value_and_grad each call), 2-16-16-2 ÷ autograd",
        "≤ 0.5×",
        vals,
        lambda v: f"{v:.2f}×",
        lambda v: v <= 0.5,
    )
    vals = [
        (
            pick(
                run, "mlp", workload="mlp-unprepared", contender="difflab Reverse(compiled=False), re-traced / autograd"
            )
            or {}
        ).get("ratio")
        for run in runs
    ]
    add(
        "unprepared",
        "  (same with Reverse(compiled=False): interpreter, no compile)",
        "≤ 0.5×",
        vals,
        lambda v: f"{v:.2f}×",
        lambda v: v <= 0.5,
    )
    for size in ("2-16-16-2 b64", "64-128-128-10 b256", "784-256-256-10 b128"):
        vals = [(pick(run, "cheap_gradient", size=size) or {}).get("ratio") for run in runs]
        hand = [(pick(run, "cheap_gradient", size=size) or {}).get("hand_ratio") for run in runs]
        add(
            "cheap",
            f"cost(loss+grad)/cost(loss), reverse, {size} (hand: "
            + " / ".join(f"{h:.2f}" for h in hand if h is not None)
            + ")",
            "≤ 2.5",
            vals,
            lambda v: f"{v:.2f}",
            lambda v: v <= 2.5,
        )
    for chunk in ("forward chunk=None", "forward chunk=64", "forward chunk=auto"):
        # chunk=None is the explicit all-at-once choice (jax.jacfwd's): measured only, since the default became
        # chunk='auto' (cache-sized blocks); the targets are the default's and chunk=64's
        targeted = chunk != "forward chunk=None"
        vals = [
            (pick(run, "scaling", workload="forward-chunked", contender=f"{chunk} vs n × dl.jvp") or {}).get("speedup")
            for run in runs
        ]
        add(
            "forward",
            f"{chunk}, full gradient n=1024, vs n × dl.jvp",
            "≥ 20× faster" if targeted else "—",
            vals,
            lambda v: f"{v:.0f}×",
            (lambda v: v >= 20) if targeted else None,
        )
        # issue 17 retired the ≥ 20× target against n prepared JVPs (memory-bound): measured only
        vals = [
            (pick(run, "scaling", workload="forward-chunked", contender=f"{chunk} vs n × prepared jvp") or {}).get(
                "speedup"
            )
            for run in runs
        ]
        add(
            "forward-prepared",
            f"{chunk}, full gradient n=1024, vs n × prepared jvp (target retired)",
            "—",
            vals,
            lambda v: f"{v:.0f}×",
            None,
        )
        vals = [
            (pick(run, "scaling", workload="forward-vs-jax", contender=f"{chunk} ÷ JAX jacfwd (jit)") or {}).get(
                "ratio"
            )
            for run in runs
        ]
        add(
            "forward-jax",
            f"{chunk}, full gradient (1 × n Jacobian) n=1024 ÷ jax.jacfwd (jit)",
            "≤ 1.5×" if targeted else "—",
            vals,
            lambda v: f"{v:.2f}×",
            (lambda v: v <= 1.5) if targeted else None,
        )

    # numeric: worst case over the test functions (n = 4 and 16)
    def worst(run, contender, field, fn=max):
        xs = [r[field] for r in rows_of(run, "numeric") if r.get("contender") == contender and r.get(field) is not None]
        return fn(xs) if xs else None

    ev = [worst(run, "difflab central (default)", "evals_per_component") for run in runs]
    vals = [worst(run, "difflab central (default)", "vs_expected_best") for run in runs]
    add(
        "central",
        "numeric central (default): expected error (mean over 16 jittered points) ÷ the best fixed step's, worst "
        f"over 4 smooth functions, n=4,16 (evals/component ≤ {max((e for e in ev if e is not None), default=float('nan')):.2f})",
        "≤ 2×",
        vals,
        lambda v: f"{v:.2f}×",
        lambda v: v <= 2.0,
    )
    vals = [worst(run, "difflab central (default)", "vs_best") for run in runs]
    add(  # the former measure of the row above: at x alone, against the least of 97 noisy errors
        "central-lucky",
        "numeric central (default): error at x ÷ the least error of 97 fixed steps at x (the lucky best; "
        "the former measure)",
        "—",
        vals,
        lambda v: f"{v:.2f}×",
        None,
    )
    vals = [worst(run, "difflab central (default)", "rel_error") for run in runs]
    add(
        "central-1e-10",
        "numeric central (default): worst rel. error (the retired ≤ 1e-10 target)",
        "—",
        vals,
        lambda v: f"{v:.1e}",
        None,
    )
    vals = [worst(run, "difflab Richardson", "rel_error") for run in runs]
    add(
        "richardson-error",
        "numeric Richardson: worst rel. error",
        "≤ 1e-13",
        vals,
        lambda v: f"{v:.1e}",
        lambda v: v <= 1e-13,
    )
    vals = [worst(run, "numdifftools Gradient (default)", "time_vs_richardson", min) for run in runs]
    med = [
        worst(run, "numdifftools Gradient (default)", "time_vs_richardson", lambda xs: sorted(xs)[len(xs) // 2])
        for run in runs
    ]
    add(
        "richardson-speed",
        "numeric Richardson: numdifftools time ÷ difflab time (worst function; median "
        + " / ".join(f"{m:.1f}×" for m in med if m is not None)
        + ")",
        "≥ 10×",
        vals,
        lambda v: f"{v:.1f}×",
        lambda v: v >= 10,
    )
    sizes = dict.fromkeys(r["size"] for run in runs for r in rows_of(run, "symbolic") if "size" in r)
    for size in sizes:  # batched (NumPy columns) and one-example (math on floats) rows, as the script labels them
        vals = [(pick(run, "symbolic", size=size) or {}).get("ratio") for run in runs]
        if any(v is not None for v in vals):
            add(
                "symbolic",
                f"symbolic prepared gradient, 1 hidden layer width 16, {size} ÷ hand NumPy",
                "≤ 1.0×",
                vals,
                lambda v: f"{v:.2f}×",
                lambda v: v <= 1.0,
            )
    for problem in dict.fromkeys(r["problem"] for run in runs for r in rows_of(run, "matrix_hessian")):
        vals = [
            (pick(run, "matrix_hessian", problem=problem, contender="symbolic (matrix level)") or {}).get("ratio")
            for run in runs
        ]
        add(
            "matrix-hessian",
            f"symbolic Hessian (matrix level), {problem}, n = 1000 ÷ jax.hessian (jit)",
            "< 1.0×",
            vals,
            lambda v: f"{v:.2f}×",
            lambda v: v < 1.0,
        )
    for B in (1, 8, 32, 4):
        vals = [
            (pick(run, "scalar", B=B, contender="difflab fresh dl.grad (trace + reverse)") or {}).get("us_per_unit")
            for run in runs
        ]
        mg = [
            (pick(run, "scalar", B=B, contender="micrograd (forward + backward)", unit="node") or {}).get("us_per_unit")
            for run in runs
        ]
        if any(v is not None for v in vals):
            rel = [v / m for v, m in zip(vals, mg) if v is not None and m is not None]
            add(
                "scalar",
                f"scalar net 2-4-4-1, B={B}: trace + reverse µs per equation (micrograd µs/node: "
                + " / ".join(f"{m:.2f}" for m in mg if m is not None)
                + "; difflab ÷ micrograd: "
                + " / ".join(f"{r:.1f}×" for r in rel)
                + ")",
                "≤ 3 µs",
                vals,
                lambda v: f"{v:.1f} µs",
                lambda v: v <= 3.0,
            )
        paired = [pick(run, "scalar", workload="scalar-paired", B=B) or {} for run in runs]
        per_call = rel = [p.get("fresh_over_micrograd_per_call") for p in paired]
        if any(r is not None for r in rel):
            add(
                "scalar-micrograd",
                f"scalar net 2-4-4-1, B={B}: fresh dl.grad (trace + reverse) ÷ micrograd (forward + backward), "
                "per call on the same net (paired)",
                "≤ 1.2×",
                rel,
                lambda v: f"{v:.2f}×",
                lambda v: v <= 1.2,
            )
        rel = [p.get("fresh_per_eqn_over_micrograd_per_node") for p in paired]
        if any(r is not None for r in rel):  # (issue 17's own measure, kept beside the per-call one)
            add(
                "scalar-micrograd-node",
                f"scalar net 2-4-4-1, B={B}: trace + reverse per equation ÷ micrograd per node (paired; "
                "micrograd's nodes count its leaves, difflab's equations do not)",
                "— (≤ 1.2×: retired)",
                rel,
                lambda v: f"{v:.2f}×",
                None,  # retired at stop 68: measured, no verdict (its why gives the measured bound)
                explain=B == 1,
                fill={
                    "node": " / ".join(f"{v:.2f}×" for v in rel if v is not None),
                    "call": " / ".join(f"{v:.2f}×" for v in per_call if v is not None),
                },
            )
        cached = [p.get("cached_over_fresh") for p in paired]
        if any(c is not None for c in cached):
            add(
                "scalar-cached",
                f"scalar net 2-4-4-1, B={B}: cached dl.grad ÷ fresh dl.grad (paired)",
                "≤ 1.0×",
                cached,
                lambda v: f"{v:.2f}×",
                lambda v: v <= 1.0,
            )
    slope = lambda run: pick(run, "scalar_tape", workload="scalar-tape-slope") or {}  # noqa: E731
    top = [slope(run).get("largest_equations") for run in runs]
    for what in ("trace", "gradient", "memory"):
        vals = [slope(run).get(f"slope_{what}") for run in runs]
        add(
            "tape",
            f"scalar tape 10³…{max((t for t in top if t), default=0)} equations: log-log slope of {what} "
            f"({'peak tracemalloc bytes' if what == 'memory' else 'time'}) against equations",
            "≤ 1.1 (linear)",
            vals,
            lambda v: f"{v:.2f}",
            lambda v: v <= 1.1,
        )
    vals = [slope(run).get("us_per_equation_largest") for run in runs]
    add(
        "tape-speed",
        "scalar tape, largest: fresh dl.grad (trace + reverse) µs per equation",
        "≤ 3 µs",
        vals,
        lambda v: f"{v:.1f} µs",
        lambda v: v <= 3.0,
    )
    hsizes = dict.fromkeys(r["size"] for run in runs for r in rows_of(run, "second_order") if "size" in r)
    for size in hsizes:
        vals = [(pick(run, "second_order", size=size) or {}).get("hvp_vs_grad") for run in runs]
        add(
            "hvp",
            f"hvp (forward-over-reverse, prepared) ÷ gradient, MLP {size}",
            "≤ 4×",
            vals,
            lambda v: f"{v:.2f}×",
            lambda v: v <= 4.0,
        )
        vals = [(pick(run, "second_order", size=size) or {}).get("hvp_vs_jax") for run in runs]
        add(
            "hvp-jax",
            f"hvp, MLP {size} ÷ JAX jvp-of-grad (jit), one core",
            "≤ 1.5×",
            vals,
            lambda v: f"{v:.2f}×",
            lambda v: v <= 1.5,
        )
    vns = dict.fromkeys(
        r["n"] for run in runs for r in rows_of(run, "cheap_gradient") if r.get("workload") == "cheap-vector"
    )
    for n in vns:
        row = lambda run: pick(run, "cheap_gradient", workload="cheap-vector", n=n) or {}  # noqa: E731
        hand = [row(run).get("hand_ratio") for run in runs]
        add(
            "cheap-vector",
            f"cost(f+∇f)/cost(f), reverse prepared, vectorised f, n={n:.0e} (hand: "
            + " / ".join(f"{h:.2f}" for h in hand if h is not None)
            + ")",
            "≤ 3",
            [row(run).get("ratio") for run in runs],
            lambda v: f"{v:.2f}",
            lambda v: v <= 3.0,
        )
        add(
            "cheap-vector-memory",
            f"peak memory of f+∇f, reverse prepared ÷ hand NumPy, vectorised f, n={n:.0e}",
            "≤ 1.5×",
            [row(run).get("memory_ratio") for run in runs],
            lambda v: f"{v:.2f}×",
            lambda v: v <= 1.5,
        )
    for r0 in [r for r in rows_of(runs[-1], "deep") if r.get("workload") == "deep-time"]:
        vals = [(pick(run, "deep", workload="deep-time", size=r0["size"]) or {}).get("ratio") for run in runs]
        add(
            "deep",
            f"deep net {r0['size']}: reverse prepared ÷ hand NumPy",
            "≤ 1.1×",
            vals,
            lambda v: f"{v:.2f}×",
            lambda v: v <= 1.1,
        )
    plain = [(pick(run, "deep", workload="deep-memory-slope") or {}).get("slope_plain") for run in runs]
    vals = [(pick(run, "deep", workload="deep-memory-slope") or {}).get("slope_checkpointed") for run in runs]
    depths = sorted({r["depth"] for run in runs for r in rows_of(run, "deep") if r.get("workload") == "deep-memory"})
    add(
        "deep-memory",
        f"deep net, width 64 b1024, depth {depths[0] if depths else '?'}…{depths[-1] if depths else '?'}: log-log slope of the gradient's working memory "
        "against depth with dl.checkpoint_sequential (√depth segments; without: "
        + " / ".join(f"{p:.2f}" for p in plain if p is not None)
        + ")",
        "≤ 0.6 (~√depth)",
        vals,
        lambda v: f"{v:.2f}",
        lambda v: v <= 0.6,
    )
    vals = [(pick(run, "mlp", workload="mlp-memory") or {}).get("ratio") for run in runs]
    add(
        "memory",
        "peak memory, reverse prepared ÷ hand NumPy, 784-256-256-10 b128",
        "≤ 1.3×",
        vals,
        lambda v: f"{v:.2f}×",
        lambda v: v <= 1.3,
    )
    return targets


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    p.add_argument("--only", nargs="*", default=SCRIPTS, help="subset of: " + " ".join(SCRIPTS))
    p.add_argument("--from-json", metavar="PATH", help="rewrite the Markdown from a saved RESULTS.json (no run)")
    p.add_argument(
        "--readme",
        metavar="PATH",
        help="also rewrite the speed table between README's speed-table markers from these results",
    )
    p.add_argument(
        "--no-snapshot",
        action="store_true",
        help="import the live difflab/ (default: a copy taken at the start, so that every run "
        "measures the same core even while difflab/ is being edited)",
    )
    opts = p.parse_args()
    if opts.from_json:
        with open(opts.from_json) as fh:
            saved = json.load(fh)
        write(
            opts,
            saved["runs"],
            saved["command"],
            datetime.datetime.fromisoformat(saved["started"]),
            datetime.datetime.fromisoformat(saved["finished"]),
            *saved["load"],
            saved["machine"],
            saved["versions"],
        )
        return
    started = datetime.datetime.now()
    load_before = _load()
    # the versions (difflab's git revision among them) of the tree the snapshot copies, read now: read at the end,
    # a commit made during the run was named as the code measured (stop 64: bf32b0ce for 5d136472)
    vers = C.versions()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = None
        if not opts.no_snapshot:
            snapshot = os.path.join(tmp, "snapshot")
            shutil.copytree(
                os.path.join(os.path.dirname(HERE), "difflab"),
                os.path.join(snapshot, "difflab"),
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        for k in range(opts.runs):
            run = {}
            for name in opts.only:
                if name == "profile_reverse" and k < opts.runs - 1:
                    continue  # profiles once, in the last run
                print(f"[run {k + 1}/{opts.runs}] {name} ...", flush=True)
                run[name] = run_script(name, opts.quick, tmp, snapshot)
                print(
                    f"    {run[name]['seconds']:.0f} s{'  FAILED: ' + run[name]['error'] if 'error' in run[name] else ''}",
                    flush=True,
                )
            runs.append(run)
    load_after = _load()
    command = (
        "python bench/run_all.py"
        + (" --quick" if opts.quick else "")
        + (f" --runs {opts.runs}" if opts.runs != 2 else "")
        + (f" --only {' '.join(opts.only)}" if opts.only != SCRIPTS else "")
        + (" --no-snapshot" if opts.no_snapshot else "")
    )
    write(opts, runs, command, started, datetime.datetime.now(), load_before, load_after, C.machine(), vers)


def write(opts, runs, command, started, finished, load_before, load_after, mach, vers):
    prints = sorted({r.get("difflab_sources") for run in runs for r in run.values() if r.get("difflab_sources")})
    targets = [t for t in summary(runs) if t["verdict"] != "n/a"]
    nruns = len(runs)
    last = runs[-1]
    lines = [
        "# difflab benchmarks (issue 7)",
        "",
        f"Produced by `{command}` (from the repository root, Python {os.path.relpath(sys.prefix)}), "
        f"{started:%Y-%m-%d %H:%M} – {finished:%H:%M}.",
        "",
        f"Machine: {mach['nproc']} cores, {mach['cpu']}, Python {mach['python']}, {mach['platform']}. "
        "Single-threaded BLAS/OpenMP/XLA (bench/_common.py sets OMP/OPENBLAS/MKL_NUM_THREADS=1, "
        "torch.set_num_threads(1), XLA_FLAGS intra_op_parallelism_threads=1) and each bench process pinned to "
        "one CPU (os.sched_setaffinity: XLA's CPU runtime ignores the flags and used the second core when idle). "
        f"Load average (1/5/15 min) before: {' / '.join(f'{x:.1f}' for x in load_before)}, after: "
        f"{' / '.join(f'{x:.1f}' for x in load_after)} — the machine is shared, so absolute times wander; "
        "ratios are medians of per-round paired ratios of contenders timed interleaved in one process.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()) + ".",
        "",
        (
            f"difflab sources (hash of difflab/**/*.py, "
            f"{'a copy taken at the start' if 'no-snapshot' not in command else 'live'}) in every run: "
            f"{prints[0]} — the same core throughout."
            if len(prints) == 1
            else f"**The difflab sources changed during the runs** (hashes {', '.join(prints)}): differences "
            "between runs may be the core's changes, not noise; see each script's hash below."
        ),
        "",
        f"## Targets ({nruns} consecutive run{'s' if nruns > 1 else ''}: value per run)",
        "",
        *(
            [
                "† the difflab sources differed between the runs of this row (the core was being edited), so the "
                "difference between its values is partly the core's change, not only noise.",
                "",
            ]
            if any(t["verdict"].endswith("†") for t in targets)
            else []
        ),
        C.table(
            ["workload", "target", " / ".join(f"run {i + 1}" for i in range(nruns)), "verdict"],
            [[t["label"], t["target"], " / ".join(t["values"]), t["verdict"]] for t in targets],
        ),
        "",
        "### Rows that miss: why, and what would close the gap",
        "",
    ]
    seen = set()
    for t in targets:
        if t["verdict"] != "met" and t["why"] and t["key"] not in seen:
            seen.add(t["key"])
            lines += [f"- **{t['label'].strip()}** — {t['why']} *To close it:* {t['close']}", ""]
    lines += ["## Detailed tables (last run)", ""]
    for name in opts.only:
        res = last.get(name)
        if res is None:
            continue
        lines += [
            f"## {name} — `{res.get('command', 'python bench/' + name + '.py')}` ({res['seconds']:.0f} s, "
            f"difflab sources {res.get('difflab_sources', '?')})",
            "",
        ]
        if "error" in res:
            lines += [f"FAILED: {res['error']}", ""]
            continue
        lines += [res["markdown"], ""]
        lines += [f"- {n}" for n in res.get("notes", [])] + ([""] if res.get("notes") else [])
        if res.get("peer_errors"):
            lines += ["Peers not available: " + "; ".join(f"{k}: {v}" for k, v in res["peer_errors"].items()), ""]
    with open(opts.out, "w") as fh:
        fh.write("\n".join(lines))
    if not opts.from_json:  # a rewrite from saved results leaves the saved JSON as it was
        with open(os.path.splitext(opts.out)[0] + ".json", "w") as fh:
            json.dump(
                {
                    "command": command,
                    "machine": mach,
                    "versions": vers,
                    "runs": runs,
                    "targets": targets,
                    "load": [load_before, load_after],
                    "started": started.isoformat(),
                    "finished": finished.isoformat(),
                },
                fh,
                indent=1,
                default=float,
            )
    print("\n".join(lines[: lines.index("## Detailed tables (last run)")]))
    print(f"\nwrote {opts.out}")
    if opts.readme:
        write_readme(opts.readme, targets, started, vers, mach)
        print(f"rewrote the speed table in {opts.readme}")


README_MARKS = ("<!-- speed-table:start (written by bench/run_all.py --readme) -->", "<!-- speed-table:end -->")


def write_readme(path, targets, started, vers, mach):
    """Replace the block between README_MARKS in `path` by the targets table of these runs, so the
    README's speed claims are the last run's numbers, never typed in."""
    with open(path) as fh:
        text = fh.read()
    start, end = (text.index(m) for m in README_MARKS)
    block = [
        README_MARKS[0],
        "",
        f"The last `python bench/run_all.py` ({started:%Y-%m-%d}, difflab git {vers.get('difflab git', '?')}, "
        f"{mach['cpu']}, {mach['nproc']} cores; two consecutive runs, value per run):",
        "",
        C.table(
            ["workload", "target", "run 1 / run 2", "verdict"],
            [[t["label"].strip(), t["target"], " / ".join(t["values"]), t["verdict"]] for t in targets],
        ),
        "",
    ]
    with open(path, "w") as fh:
        fh.write(text[:start] + "\n".join(block) + text[end:])


if __name__ == "__main__":
    main()
