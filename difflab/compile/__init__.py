"""The compiled tier: every code generator and fast path, behind one contract.

The differentiators are interpreters of the graph (the specification). This package turns what
they interpret into plain Python code that computes the same values, faster:

    lower(graph, batched=None, reuse=True,              graphs.py: straight-line NumPy for a graph
          charged=True, speculate=False,                (speculate: strong ops run in their plain
          guard=None, linear=False) -> fn               form, the outputs checked finite once, else
                                                        the exact code runs: "How speculation works";
                                                        batched: blocks written into buffers the
                                                        function keeps, `_Pool`)
    fuse_linear(graph, batched)                         linear.py: (linear=True, forward's k tangents)
                                                        the speculative program's linear elementwise
                                                        steps deferred as sums of scaled blocks, full
                                                        reductions as matrix-vector products
        fn(*inputs) == graph.evaluate(graph, *inputs)   (batched flags: == graph.evaluate_batched)
        fn.eqns, fn.elements: the work one call charges to the costs being charged (graph.Cost)
        fn.source: the generated code
        fn.guarded (with guard=input positions): the common   (a prepared gradient's: outputs only when
        case alone, None otherwise                            all finite, owned, uncharged; graphs.py)
    lower_traced(sweep, args) -> fn                     sweeps.py: an interpreter's sweep, traced
    lower_split(sweep, args, n_early) -> (early, late)   once at `args` and lowered (and cut in two)
    Tier(enabled, after)                                sweeps.py: a prepared object's lowered
                                                        functions, keyed, and when to use them
    backward_floats(...), lower_floats(graph, wrt, args) floats.py: reverse's sweep of a scalar output
                                                        (floats, and float64 arrays' elementwise
                                                        equations), and a scalar graph's value +
                                                        gradient as a flat float program (reverse's
                                                        "grad" from its second call, when the graph is
                                                        all floats)
    reader.generate(signature, args), LastCall          reader.py: the API's argument reader, generated
                                                        straight-line code from a call's arguments
                                                        to a graph's inputs (its own "How it works")
    reads_of(f) -> Reads; Reads.unchanged()             reads.py: what a trace read besides its
    fingerprint(x), Opaque                              arguments, as generated checks: when a cached
                                                        graph may be reused (its own "How it works")
    SymbolicCode(prepared).run(kind, args)              symbolic.py: the symbolic method's expressions
                                                        as code (Python floats for one example;
    share(...), vectorize(...)                          SymPy assignments as grouped NumPy lines
                                                        over a batch)

Every piece of generated code in difflab is made here (tests/test_design.py checks it); this
package imports graph, ops and trace, nothing above them.

Contract: a lowered function takes what the interpreter takes (arrays, not traced values) and
returns what it returns, equal to rounding (tests/test_compiled.py checks it over the registry's
samples and random graphs, for every differentiator); it charges the same `Cost`; on a value
leaving an op's domain it raises FloatingPointError under `np.errstate(raise)` and its caller
reruns the interpreter, which names the equation in a DomainWarning.

How it works. A differentiator's prepared object holds a `Tier` per kind of product. Each call
asks `tier.get(key, args, build)`: the key says what the code is specialised for (reverse: "grad"
or "vjp"; forward: the number k of tangents; the base: the batching flags), and the prepared
object already stands for one input signature, so key + object = signature. The tier answers
None (interpret this call) while lowering is off (`Reverse(compiled=False)`), when the values are
traced (an enclosing transformation is recording: the interpreter's operations must be recorded
too), or before the `after`-th call; otherwise it builds the function once and reuses it. Reverse
mode waits for the second call (`after=2`), as forward's sweeps do (`Tier.waiting(2)`: a first call of at most
`sweeps.ROWS_ONCE` tangents runs the interpreter's sweep per direction, a larger block its traced sweep interpreted):
a one-off gradient or Hessian is cheaper interpreted, on the values the trace already computed, than traced, lowered
and run. For `y = sum(tanh(x) * w)`:

    call 1   reverse.backward interprets the tape          (the values recorded while tracing)
    call 2   lower_traced(sweep): the sweep traced into     v3 = tanh(v0); v4 = mul(v3, v1); ...
             one graph of forward and backward equations,  ct = mul(ones, v1); v9 = sub(1.0, ...)
             lowered to NumPy source and run
    call 3+  the same function, no tracing, no interpretation
"""

from __future__ import annotations

from .graphs import lower
from .sweeps import Tier, lower_split, lower_traced
from .symbolic import SymbolicCode, share, vectorize

__all__ = ["lower", "lower_traced", "lower_split", "Tier", "share", "vectorize", "SymbolicCode"]
