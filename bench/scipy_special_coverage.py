"""How much of scipy.special traces: every public callable of scipy.special (functions and ufuncs, not classes or
modules), sorted into

- named: difflab.scipy.special has it (a registry entry spelled scipy.special.<name>, or a derived function);
- plain: difflab.scipy.special has it for plain arguments only (SciPy's values; a traced argument refused by name:
  zeros, Gauss rules of a degree alone, integer combinatorics, orthopoly1d constructors);
- traces: SciPy's own function, called on a traced x (forms f(x), f(2, x), f(2, 3, x), f(0.5, 1.5, 2.5, x), x = 0.4),
  gives a finite reverse-mode derivative (SciPy's exp2 and softplus reach NumPy's or the registry's ops);
- the rest, the to-do list (many are not functions of a real argument: roots_*, *_zeros, seterr).

Names and one call only: whether each entry's rules are right is the tests' business (tests/test_registry.py,
tests/test_scipy*.py, tests/test_special_more.py).

    python bench/scipy_special_coverage.py            # the counts, then the names not covered
    python bench/scipy_special_coverage.py --quiet    # the counts only
"""

import math
import sys
import warnings

import scipy.special as sc

import difflab as dl
import difflab.scipy.special as dsp

FORMS = [(), (2.0,), (2.0, 3.0), (0.5, 1.5, 2.5)]  # the constant arguments before x


def _traces(fn) -> bool:
    for first in FORMS:
        try:
            g = dl.grad(lambda x, first=first: 1.0 * fn(*first, x))(0.4)
        except Exception:  # noqa: BLE001 (any failure: this form does not trace)
            continue
        if isinstance(g, float) and math.isfinite(g):
            return True
    return False


def coverage() -> dict[str, list[str]]:
    """{"named": [...], "plain": [...], "traces": [...], "missing": [...]} over scipy.special's public callables."""
    names = sorted(n for n in dir(sc) if not n.startswith("_") and callable(getattr(sc, n)))
    names = [n for n in names if not isinstance(getattr(sc, n), type) and n not in ("test", "seterr", "geterr")]
    out: dict[str, list[str]] = {"named": [], "plain": [], "traces": [], "missing": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (SciPy's deprecated aliases; domain warnings of the tries)
        for n in names:
            if hasattr(dsp, n):
                kind = "plain" if getattr(getattr(dsp, n), "plain_only", False) else "named"
            else:
                kind = "traces" if _traces(getattr(sc, n)) else "missing"
            out[kind].append(n)
    return out


if __name__ == "__main__":
    bins = coverage()
    total = sum(len(v) for v in bins.values())
    print(f"{len(bins['named'])} of {total} scipy.special public callables named by difflab.scipy.special")
    print(
        f"{len(bins['plain'])} more named for plain arguments only (traced refused by name): {' '.join(bins['plain'])}"
    )
    print(f"{len(bins['traces'])} more trace through SciPy's own code: {' '.join(bins['traces'])}")
    if "--quiet" not in sys.argv:
        print(f"{len(bins['missing'])} not covered:", " ".join(bins["missing"]))
