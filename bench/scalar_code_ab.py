"""Paired A/B of the symbolic method's one-example compile: `scalar_code` (each assignment and repeated
subtree printed once with its parts by name) against the path it replaced (`share(light=True)`: SymPy's
tree_cse rebuilding the shared trees, then `lambdify` printing them), on the expressions that autograd's
test_tensordot_4 (test_systematic.py, third-order checks) compiles under the symbolic method.

    python bench/scalar_code_ab.py --rounds 5

The expressions are recorded once (the checks run through the shim); each round compiles every one of
them with both contenders, in alternating order; the report is the median over rounds of the per-round
ratio old / new with its interquartile range, and the compiled functions' values on the recorded
arguments are checked equal (to 1e-12 relative).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np


def record():
    """[(symbols, assignments, exprs, args)] of every one-example compile the checks make."""
    os.environ["DIFFLAB_PEER_METHOD"] = "symbolic"
    from difflab.compile import symbolic
    from difflab.peers import autograd_shim as shim

    seen, original = [], symbolic.SymbolicCode.run

    def run(self, kind, args):
        p = self.prepared
        seen.append((p.symbols, p.program.needed(p.exprs(kind)), p.exprs(kind), args))
        return original(self, kind, args)

    symbolic.SymbolicCode.run = run
    try:
        rng = np.random.default_rng(0)
        shim.combo_check(np.tensordot, [0, 1], order=3)(
            [rng.normal(size=(2, 2)), rng.normal(size=(4, 2, 2))], [rng.normal(size=(2, 2))], axes=[1, 2]
        )
    finally:
        symbolic.SymbolicCode.run = original
    return seen


def old(symbols, assignments, exprs):
    import sympy as sp

    from difflab.compile.symbolic import _scalar_printer, share
    from difflab.ops import SYMPY_MATH

    return sp.lambdify(
        symbols,
        exprs,
        modules=[SYMPY_MATH, "math"],
        cse=lambda ex: share(assignments, ex, light=True),
        printer=_scalar_printer(),
    )


def new(symbols, assignments, exprs):
    from difflab.compile.symbolic import scalar_code

    return scalar_code(symbols, assignments, exprs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    cases = record()
    for symbols, assignments, exprs, values in cases:  # the same numbers
        flat = np.concatenate([np.ravel(a) for a in values]).tolist()
        a, b = np.array(old(symbols, assignments, exprs)(*flat)), np.array(new(symbols, assignments, exprs)(*flat))
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-300)
    ratios, seconds = [], {"old": [], "new": []}
    for r in range(args.rounds):
        spent = {}
        for name, fn in (("old", old), ("new", new)) if r % 2 == 0 else (("new", new), ("old", old)):
            start = time.process_time()
            for symbols, assignments, exprs, _ in cases:
                fn(symbols, assignments, exprs)
            spent[name] = time.process_time() - start
            seconds[name].append(spent[name])
        ratios.append(spent["old"] / spent["new"])
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    print(
        f"{len(cases)} one-example compiles, {args.rounds} rounds (CPU seconds per round): "
        f"old {statistics.median(seconds['old']):.2f} s, new {statistics.median(seconds['new']):.2f} s; "
        f"old / new median {statistics.median(ratios):.2f} (IQR {q[0]:.2f}–{q[2]:.2f}); values equal to 1e-12"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
