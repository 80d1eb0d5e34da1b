"""How much of scipy.linalg difflab offers: every public function of scipy.linalg (not classes or modules), sorted
into

- named: difflab.scipy.linalg has it (a registry entry or a composition with SciPy's signature);
- refused: difflab.scipy.linalg refuses it by name, saying what to write instead (null_space, schur, qz, ordqz,
  rsf2csf, cossin, funm);
- the rest: none since stop 62 (the constant makers hilbert(n) ..., the predicates bandwidth, issymmetric ... and
  get_blas_funcs ... pass to SciPy, reading a traced value's number or dtype).

Names only: whether each one's derivatives are right is the tests' business (tests/test_scipy*.py,
tests/test_riccati.py).

    python bench/scipy_linalg_coverage.py            # the counts, then the names not covered
    python bench/scipy_linalg_coverage.py --quiet    # the counts only
"""

import inspect
import sys

import scipy.linalg as sl

import difflab.scipy.linalg as dsl


def coverage() -> dict[str, list[str]]:
    """{"named": [...], "refused": [...], "missing": [...]} over scipy.linalg's public functions."""
    names = [n for n in sl.__all__ if not n.startswith("_")]
    fns = [n for n in names if callable(getattr(sl, n)) and not inspect.isclass(getattr(sl, n))]
    out: dict[str, list[str]] = {"named": [], "refused": [], "missing": []}
    for n in fns:
        key = "refused" if n in dsl.REFUSED else "named" if n in dsl.__all__ else "missing"
        out[key].append(n)
    return out


if __name__ == "__main__":
    c = coverage()
    total = sum(len(v) for v in c.values())
    print(f"scipy.linalg: {len(c['named'])} of {total} public functions named, {len(c['refused'])} refused by name")
    if "--quiet" not in sys.argv:
        print("not covered:", ", ".join(c["missing"]) or "none")
