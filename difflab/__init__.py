"""difflab: one function-graph IR, four ways to differentiate it, experiments and a gradient oracle.

    import difflab as dl, difflab.numpy as dnp
    dl.grad(f, method="reverse")      # or "symbolic", "numeric", "forward"
    print(dl.trace(f, x))             # the tape

Importing difflab loads NumPy only; SymPy, matplotlib and Hypothesis load when first needed.
"""

from .api import compare, hessian, jvp, prepare, vmap
from .differentiators import METHODS, Differentiator, get_method
from .errors import DifflabError, DifflabWarning, DomainWarning, NotDifferentiableError, UnsupportedOperationError
from .graph import Const, Eqn, Graph, Var, evaluate, to_dot
from .ops import REGISTRY
from .remat import checkpoint, checkpoint_sequential
from .rules import custom_jvp, custom_vjp
from .sparse import sparsity
from .trace import trace
from .transforms import (
    grad,
    hvp,
    jacobian,
    linear_transpose,
    linearize,
    prepare_hvp,
    stop_gradient,
    value_and_grad,
    vjp,
)

__version__ = "0.1.0"

__all__ = [
    "grad",
    "value_and_grad",
    "jacobian",
    "hessian",
    "jvp",
    "vjp",
    "prepare",
    "compare",
    "vmap",
    "trace",
    "hvp",
    "prepare_hvp",
    "linearize",
    "linear_transpose",
    "stop_gradient",
    "custom_jvp",
    "custom_vjp",
    "checkpoint",
    "checkpoint_sequential",
    "sparsity",
    "evaluate",
    "to_dot",
    "Graph",
    "Eqn",
    "Var",
    "Const",
    "REGISTRY",
    "METHODS",
    "get_method",
    "Differentiator",
    "Symbolic",
    "Numeric",
    "Forward",
    "Reverse",
    "UnsupportedOperationError",
    "DomainWarning",
    "NotDifferentiableError",
    "DifflabError",
    "DifflabWarning",
    "__version__",
]


def __getattr__(name):
    # the differentiator classes load with their modules (Symbolic must not import SymPy early)
    if name in ("Symbolic", "Numeric", "Forward", "Reverse"):
        from . import differentiators

        return getattr(differentiators, name)
    if name in ("nn", "testing", "report", "explore", "runner", "cli"):
        # subpackages as attributes (`dl.nn.MLP`), loaded on first use so `import difflab` stays light
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'difflab' has no attribute {name!r}")
