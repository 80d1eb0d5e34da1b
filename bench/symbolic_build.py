"""Where the symbolic method's build time goes: a fixed workload of 29 of the suite's costliest symbolic cells
(user code's gradients and Hessians, the nesting matrix, registry rules of elliprd_dz, voigt_profile, elliprj),
sampled by py-spy, its samples split by phase (innermost phase frame of each stack) and by function.

    python bench/symbolic_build.py TREE [--rate 100]       # profile TREE's difflab on the workload
    python bench/symbolic_build.py --table SAMPLES.txt     # the tables of a py-spy raw file

The workload's CPU time, base against branch: `/usr/bin/time -f %U python -m pytest -p no:cacheprovider IDS...`
with the ids of `WORKLOAD` (collect them with `--ids`), alternating the two trees (symbolic63).
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys

#: pytest selections: (file, -k expression)
WORKLOAD = [
    ("tests/test_user_code10.py", "symbolic and (heston or laplace or gauss_seidel or slerp)"),
    ("tests/test_user_code5.py", "matern52_nll and symbolic"),
    ("tests/test_user_code9.py", "symbolic and (butler or kriging)"),
    ("tests/test_nesting_matrix.py", "symbolic"),
    ("tests/test_registry.py", "rules_agree and (elliprd_dz or voigt or elliprj)"),
]

#: (phase, pattern of a py-spy frame "function (file:line)"); a stack counts in the phase of its innermost match
PHASES = [
    ("eval: generated code", r"\(<difflab scalar>|\(<difflab vectorized>|\(<lambdifygenerated"),
    ("compile: print + Python compile", r"^(scalar_code|vectorize|_compile|SymbolicCode\.fn) \(.*compile/symbolic"),
    ("CSE (share, sympy.cse)", r"^(share|_repeated|cse|tree_cse|opt_cse) \("),
    ("diff: Hessian/JVP forward pass", r"^(Program\.forward|Program\.hessian_rows|Program\.tangents) \("),
    ("diff: reverse sweep", r"^Program\.gradient \("),
    ("SymPy construction (to_sympy)", r"^to_sympy \("),
    ("trace", r"^(trace_flat|trace|Tracer\.\w+|Trace\.\w+) \(.*difflab"),
    ("exact (mpmath, the tests' reference)", r"^exact \(.*program|mpmath/"),
    (
        "other methods (reverse/forward/numeric)",
        r"\(.*(differentiators/(reverse|forward|numeric)|compile/(floats|graphs))",
    ),
    ("test harness / checks", r"\((test_|user_code|nesting_matrix)"),
    ("imports", r"_find_and_load"),
]


def ids(tree: str) -> list:
    """The workload's test ids in `tree`."""
    found = []
    for path, k in WORKLOAD:
        out = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", path, "-k", k],
            cwd=tree,
            env={**os.environ, "CI": "true", "PYTHONPATH": tree},
            capture_output=True,
            text=True,
        ).stdout
        found += [line for line in out.splitlines() if "::" in line]
    return found


def table(path: str, top: int = 20) -> str:
    """The phase table and the top functions by own and by cumulative samples of a py-spy raw file."""
    rules = [(name, re.compile(rx)) for name, rx in PHASES]
    phase, own, cum, total = collections.Counter(), collections.Counter(), collections.Counter(), 0
    for line in open(path):
        stack, _, n = line.rstrip().rpartition(" ")
        frames, count = stack.split(";"), int(n)
        total += count
        hit = next((name for f in reversed(frames) for name, rx in rules if rx.search(f)), "other")
        phase[hit] += count
        names = [re.sub(r":\d+\)", ")", f) for f in frames]
        own[names[-1]] += count
        for f in set(names):
            cum[f] += count
    lines = [f"{total} samples", *(f"{v / total:7.1%}  {k}" for k, v in phase.most_common())]
    lines += ["-- own", *(f"{v / total:7.1%}  {k}" for k, v in own.most_common(top))]
    ours = [(k, v) for k, v in cum.most_common() if "difflab/" in k or "sympy/" in k]
    lines += ["-- cumulative (difflab, sympy)", *(f"{v / total:7.1%}  {k}" for k, v in ours[:top])]
    return "\n".join(lines)


def main(argv: list) -> None:
    if argv[:1] == ["--table"]:
        print(table(argv[1]))
        return
    tree = os.path.abspath(argv[0])
    if argv[1:2] == ["--ids"]:
        print("\n".join(ids(tree)))
        return
    rate = argv[argv.index("--rate") + 1] if "--rate" in argv else "100"
    out = f"/tmp/symbolic_build_{os.path.basename(tree)}.txt"
    spy = ["py-spy", "record", "-r", rate, "--format", "raw", "-o", out, "--", sys.executable, "-m", "pytest"]
    subprocess.run(
        [*spy, "-p", "no:cacheprovider", *ids(tree)], cwd=tree, env={**os.environ, "CI": "true", "PYTHONPATH": tree}
    )
    print(table(out))


if __name__ == "__main__":
    main(sys.argv[1:])
