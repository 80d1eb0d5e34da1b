"""The op registry: one `Op` entry per primitive, the only place a primitive is described.

An entry holds the NumPy implementation, the JVP and VJP rule per argument (`None`: zero
derivative), the SymPy translation, the domain of each argument, the kinks, whether the op is
complex-analytic, its NumPy spellings, array methods, NumPy-signature front end and strategy
builder. Tracing, evaluation, the four differentiators, printing, difflab.numpy, NumPy's dispatch
on traced values, the expression language, the registry-driven tests and the Hypothesis strategies
all read `REGISTRY`; none of them names a specific op.

How rules look: `vjp[i](ct, out, *args, **params)` returns the cotangent of argument i (before
broadcasting is undone, which the reverse interpreter does in one place); `jvp[i](t, out, *args,
**params)` returns the tangent of `out` due to argument i, for ONE tangent `t` shaped like
argument i (chunked forward mode batches the traced sweep with the batching rules). Rules are written with difflab's own ops, so a traced gradient can be
differentiated again. `batch(batched, *args, **params)` applies the op when the arguments flagged
in `batched` carry an extra leading batch axis; an op without one loops over the batch.

Families: `core` (Op, defop, REGISTRY, helpers) · `elementwise` · `reductions` · `shape` · `linalg`
(with `decompositions`: eigh, svd, cholesky; `eig`; `qr`; `matfuncs`: sqrtm, sylvester; `riccati`: care, dare) · `special` (SciPy's special functions) · `signal` (SciPy's lfilter).
"""

from typing import NamedTuple

from .core import (
    REGISTRY,
    SYMPY_MATH,
    SYMPY_NUMPY,
    Op,
    defop,
    draw,
    elementwise_sympy,
    examples,  # noqa: F401
    spellings,
    sympy_function,
    unbroadcast,
    unregister,
)
from .core import _ndim, _reshape, _shape, _sp, _transpose  # noqa: F401
from .elementwise import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .decompositions import *  # noqa: F401,F403
from . import complex_matrices  # noqa: F401  (its opaque kinds)
from .eig import *  # noqa: F401,F403
from . import complex_linalg  # noqa: F401  (its opaque kinds)
from .qr import *  # noqa: F401,F403
from .matfuncs import *  # noqa: F401,F403
from .riccati import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .special import *  # noqa: F401,F403
from .complexes import *  # noqa: F401,F403
from .fourier import *  # noqa: F401,F403
from .signal import *  # noqa: F401,F403
from .sorting import *  # noqa: F401,F403
from .translations import SympyOps, sympy_ops  # noqa: F401


class LinearSteps(NamedTuple):
    """The entries the compiled tier builds a deferred linear step with (compile/linear.py, which names no
    op): a·b, a + b, a @ b (a batched vector against a vector: a matrix-vector product) and broadcast_to."""

    product: Op
    addition: Op
    contraction: Op
    broadcast: Op


LINEAR_STEPS = LinearSteps(REGISTRY["mul"], REGISTRY["add"], REGISTRY["matmul"], REGISTRY["broadcast_to"])
