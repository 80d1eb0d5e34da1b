"""The public operators: grad, value_and_grad, jacobian, hessian, jvp, vjp, vmap, prepare, compare.

Each one flattens its pytree arguments once, traces the function (cached per input signature
unless value-dependent control flow specialised the graph), hands the graph to a differentiator
and rebuilds the result's structure. `method` is a name ("symbolic", "numeric", "forward",
"reverse") or a configured differentiator object such as `Numeric(scheme="richardson")`.

Bad input is answered at this boundary, alike by every operator (DESIGN.md §6): argnums, dtypes,
keyword arguments and what f returns are checked by name (an empty array is differentiated, as in
JAX: its derivative is empty); a derivative row of an output that is NaN or ±inf (a value outside an op's domain: log(-1), 1/0) and a derivative column
of an input that is NaN or ±inf are NaN, whatever the method (finite differences cannot answer
otherwise, and the rules' arithmetic there is no derivative); the DomainWarnings of one call are
issued once per op, pointing at the caller's line (errors.Collector); results never alias an
input, a constant or each other.

Where things live:
    boundary.py    `Signature` (argnums, leaf kinds, flattened once: inputs/check/rebuild), `stage` →
                   `Staged` (the graph at a signature), the §6 checks
    operators.py   `_Transform` (the per-signature cache) and grad, value_and_grad, jacobian,
                   hessian, jvp, vjp, vmap
    prepared.py    `prepare` → `PreparedFunction` (trace once, trust me)
    comparison.py  `compare` → `Comparison` (every method side by side)
The generated argument reader and the last-call cache are in difflab/compile/reader.py.
"""

from __future__ import annotations

# the private names below are used by transforms.py, sparse.py, testing/ and bench/ (kept importable)
from .boundary import (  # noqa: F401
    Signature,
    Staged,
    _check_argnums,
    _flat_like,
    _scalar_check,
    check_sequences,
    stage,
)
from .comparison import Comparison, compare
from .operators import (
    CACHE_SIZE,
    _jacobian_tree,
    gradient_rows,  # noqa: F401
    _Transform,  # noqa: F401
    grad,
    hessian,
    jacobian,
    jvp,
    value_and_grad,
    vjp,
    vmap,
)
from .prepared import PreparedFunction, prepare

__all__ = [
    "grad",
    "value_and_grad",
    "jacobian",
    "hessian",
    "jvp",
    "vjp",
    "vmap",
    "prepare",
    "compare",
    "PreparedFunction",
    "Comparison",
]
