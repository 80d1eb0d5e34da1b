"""difflab: one function-graph IR, four ways to differentiate it, experiments and a gradient oracle.

    import difflab as dl, difflab.numpy as dnp
    dl.grad(f, method="reverse")      # or "symbolic", "numeric", "forward"
    print(dl.trace(f, x))             # the tape

Importing difflab loads nothing heavy: NumPy and each module load with the first name used from it,
SymPy, matplotlib and Hypothesis when first needed.
"""

import sys as _sys
import types as _types

TYPE_CHECKING = False  # (typing.TYPE_CHECKING without importing typing: most of this light import)

# Every public name loads with its module on first use (PEP 562's module __getattr__, below), so
# `import difflab` costs next to nothing and the `difflab` command's entry point (difflab.console)
# imports the heavy modules inside its Ctrl-C guard. _HOME says where each name lives; static
# checkers read the same names from the imports under TYPE_CHECKING (tests/test_api.py keeps them equal).
_HOME = {
    name: module
    for module, names in [
        ("api", "compare hessian prepare vmap"),
        (
            "autograd_names",
            "deriv elementwise_grad hessian_tensor_product hessian_vector_product holomorphic_grad make_hvp "
            "tensor_jacobian_product",
        ),
        ("differentiators", "METHODS Differentiator get_method Symbolic Numeric Forward Reverse"),
        (
            "errors",
            "DifflabError DifflabWarning DomainWarning NotDifferentiableError TracerConversionError UnsupportedOperationError",
        ),
        ("graph", "Const Eqn Graph Var evaluate to_dot"),
        ("ops", "REGISTRY"),
        ("checkpointing", "checkpoint checkpoint_sequential remat"),
        ("rules", "custom_jvp custom_vjp custom_gradient"),
        ("sparse", "sparsity"),
        ("staging", "ShapeDtypeStruct eval_shape jit make_jaxpr"),
        ("trace", "trace"),
        (
            "transforms",
            "grad hvp jacfwd jacobian jacrev jvp linear_transpose linearize prepare_hvp stop_gradient value_and_grad vjp",
        ),
    ]
    for name in names.split()
}

if TYPE_CHECKING:
    from .api import compare, hessian, prepare, vmap
    from .autograd_names import (
        deriv,
        elementwise_grad,
        hessian_tensor_product,
        hessian_vector_product,
        holomorphic_grad,
        make_hvp,
        tensor_jacobian_product,
    )
    from .differentiators import METHODS, Differentiator, Forward, Numeric, Reverse, Symbolic, get_method
    from .errors import (
        DifflabError,
        DifflabWarning,
        DomainWarning,
        NotDifferentiableError,
        TracerConversionError,
        UnsupportedOperationError,
    )
    from .graph import Const, Eqn, Graph, Var, evaluate, to_dot
    from .ops import REGISTRY
    from .checkpointing import checkpoint, checkpoint_sequential, remat
    from .rules import custom_gradient, custom_jvp, custom_vjp
    from .sparse import sparsity
    from .staging import ShapeDtypeStruct, eval_shape, jit, make_jaxpr
    from .trace import trace
    from .transforms import (
        grad,
        hvp,
        jacfwd,
        jacobian,
        jacrev,
        jvp,
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
    "jacfwd",
    "jacrev",
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
    "custom_gradient",
    "checkpoint",
    "remat",
    "checkpoint_sequential",
    "sparsity",
    "jit",
    "make_jaxpr",
    "eval_shape",
    "ShapeDtypeStruct",
    "elementwise_grad",
    "deriv",
    "holomorphic_grad",
    "make_hvp",
    "hessian_tensor_product",
    "hessian_vector_product",
    "tensor_jacobian_product",
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
    "TracerConversionError",
    "DomainWarning",
    "NotDifferentiableError",
    "DifflabError",
    "DifflabWarning",
    "__version__",
]


def __getattr__(name):
    import importlib
    import importlib.util

    home = _HOME.get(name)
    if home is not None:  # a public name: its module loads now (the differentiator classes with theirs)
        value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
        globals()[name] = value  # found directly from now on
        return value
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # a submodule as an attribute (`dl.nn.MLP`, `dl.numpy.sum`), loaded on first use (dunders, which
        # tools probe with hasattr, are never submodules: no file system search for them)
        return importlib.import_module(f"{__name__}.{name}")
    hint = _OTHER_SPELLINGS.get(name, "")
    raise AttributeError(f"module 'difflab' has no attribute {name!r}{hint}")


#: names a JAX user reaches for that difflab spells otherwise, and difflab's spelling of them
_OTHER_SPELLINGS = {
    "tree_map": "; JAX's old top-level tree_map is difflab.tree_util.tree_map (jax.tree_util's names)",
    "ravel_pytree": "; JAX's ravel_pytree is difflab.flatten_util.ravel_pytree",
}


#: the subpackages a user imports (`difflab.numpy as dnp`, the oracle, the networks, SciPy's names, the peers'
#: shims, the explorer, JAX's tree_util and flatten_util): listed by dir(difflab) with the public names; the others are the library's insides
_SUBPACKAGES = {"numpy", "testing", "nn", "scipy", "peers", "explore", "lax", "tree_util", "flatten_util"}


def __dir__():
    # the public API only: not this module's helpers (sys, TYPE_CHECKING) nor the inner modules loaded so far
    dunders = {n for n in globals() if n.startswith("__") and n.endswith("__")}
    return sorted(set(__all__) | _SUBPACKAGES | dunders)


class _Facade(_types.ModuleType):
    def __setattr__(self, name, value):
        # importing the submodule difflab.trace sets the package's attribute `trace` to it; the
        # public name is the function (as when __init__ imported it eagerly), so keep that one
        if name in _HOME and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Facade
