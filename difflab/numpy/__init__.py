"""The traceable NumPy-like namespace: `import difflab.numpy as dnp`.

Primitives come straight from the registry (`difflab.ops`): each entry is published here under its
NumPy spellings (`Op.numpy`, calling `Op.front`), and the tables NumPy's dispatch on traced values
reads (`UFUNCS`, `FUNCTIONS`, `METHODS`) are generated from the registry too, regenerated whenever
an op is registered or removed. Everything else (`softplus`, `softmax`, `dot`, `min`, ...) is plain
Python over primitives, so every method can differentiate it. On plain arrays each function computes
with NumPy; on traced values it records.

Layout, in the order the modules import each other (each imports only those before it):
`arrays` (shape queries, conversion, the stacking wrapper) → `piecewise_constant` (argmax, isclose,
...: computed on the values) → `shapes` (moving, joining, sorting, indexing) → `reductions` (var,
std, nan*) → `derived` (softplus, softmax, divmod, ...) → `linear_algebra` (dot, trace, and the
functions of `dnp.linalg`) → `creation` (zeros_like, linspace) → `statistical` (quantile, cov,
histogram, convolve) → `polynomials` (numpy.poly*) → `complexes` (angle, iscomplex) →
`index_tricks` (r_, c_) → `ufunc_methods` (np.add.reduce, ...); `series` (numpy.polynomial's functions and
classes, published as `polynomial` only) reads them. This module publishes them and the registry's names, and
generates the dispatch tables.
"""

from __future__ import annotations

import sys as _sys

import numpy as _np

from .. import ops as _ops
from ..ops import decompositions as _decompositions
from ..ops import fourier as _fourier
from ..ops.eig import eig as _eig_front
from . import (
    arrays,
    complexes,
    creation,
    derived,
    index_tricks,
    linear_algebra,
    piecewise_constant,
    polynomials,
    reductions,
    shapes,
    statistical,
    ufunc_methods,
)
from .arrays import _contains_traced, _stacking, _value, e, float64, newaxis, pi, prod_shape, ravel
from .arrays import copy as _copy
from .index_tricks import c_, r_
from .linear_algebra import (
    _cond,
    _linalg_cross,
    _linalg_diagonal,
    _linalg_matmul,
    _linalg_outer,
    _linalg_tensordot,
    _linalg_trace,
    _lstsq,
    _matrix_norm,
    _matrix_power,
    _multi_dot,
    _norm,
    _slogdet,
    _solve,
    _tensorinv,
    _tensorsolve,
    _vector_norm,
)
from .shapes import _fft_fftshift, _fft_ifftshift, _sliding_window_view, compress
from .ufunc_methods import UFUNCS, ufunc_method

#: the modules of the namespace, in the order they import each other
_MODULES = (
    arrays,
    piecewise_constant,
    shapes,
    reductions,
    derived,
    linear_algebra,
    creation,
    statistical,
    polynomials,
    complexes,
    index_tricks,
    ufunc_methods,
)
# every name the modules define or import stays reachable here, as when they were one module
# (other modules call private helpers such as dnp._value; users may have reached any of them)
for _module in _MODULES:
    globals().update({k: v for k, v in vars(_module).items() if not k.startswith("__")})
#: the names each module reads from its globals: a name published or unbound here is rebound there
#: too, so a module's functions call what this namespace calls (the registry's published front)
_READS = {module: frozenset(vars(module)) for module in _MODULES}

# -- the names generated from the registry ------------------------------------------------------

#: ndarray methods that change the array in place: traced values never offer them
_IN_PLACE = frozenset({"sort", "partition", "fill", "put", "resize", "itemset", "setfield", "setflags", "byteswap"})
#: the functions the modules define (derived or conversion), public names only
_DERIVED = {
    name: fn
    for module in _MODULES
    for name, fn in vars(module).items()
    if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", "").startswith(__name__ + ".")
}
_DERIVED = {name: _stacking(fn, name) for name, fn in _DERIVED.items()}
globals().update(_DERIVED)  # the public names stack lists of traced values (`_stacking`)
for _module in _MODULES:  # ... also where the modules call each other
    vars(_module).update({name: fn for name, fn in _DERIVED.items() if name in _READS[_module]})
del _module
from .series import polynomial  # noqa: E402  (numpy.polynomial's functions and classes; after the modules it reads)

_STATIC = sorted(set(_DERIVED) | {"pi", "e", "newaxis", "float64", "r_", "c_", "polynomial"})
#: derived functions of numpy.linalg (published as dnp.linalg.<name>)
_DERIVED.update(
    {
        "linalg.solve": _stacking(_solve),
        "linalg.slogdet": _stacking(_slogdet),
        "linalg.norm": _stacking(_norm),
        "linalg.lstsq": _stacking(_lstsq),
        "linalg.multi_dot": _multi_dot,
        "linalg.matrix_power": _stacking(_matrix_power),
        "linalg.eigh": _stacking(_decompositions.eigh),
        "linalg.svd": _stacking(_decompositions.svd),
        "linalg.eig": _stacking(_eig_front),
        "linalg.matmul": _stacking(_linalg_matmul),
        "linalg.outer": _stacking(_linalg_outer),
        "linalg.tensordot": _stacking(_linalg_tensordot),
        "linalg.trace": _stacking(_linalg_trace),
        "linalg.diagonal": _stacking(_linalg_diagonal),
        "linalg.cross": _stacking(_linalg_cross),
        "linalg.vecdot": _DERIVED["vecdot"],
        "linalg.matrix_transpose": _DERIVED["matrix_transpose"],
        "linalg.matrix_norm": _stacking(_matrix_norm),
        "linalg.vector_norm": _stacking(_vector_norm),
        "linalg.cond": _stacking(_cond),
        "linalg.tensorinv": _stacking(_tensorinv),
        "linalg.tensorsolve": _stacking(_tensorsolve),
        **{
            f"fft.{kind}{suffix}": _stacking(_fourier.fft_front(kind, suffix))
            for kind in ("fft", "ifft", "rfft", "irfft")
            for suffix in ("", "2", "n")
        },
        "fft.hfft": _stacking(_fourier.hermitian_front("hfft")),
        "fft.ihfft": _stacking(_fourier.hermitian_front("ihfft")),
        "fft.fftshift": _stacking(_fft_fftshift),
        "fft.ifftshift": _stacking(_fft_ifftshift),
    }
)
linalg_norm = _DERIVED["linalg.norm"]

__all__: list = []
#: NumPy function name ("linalg.det" for numpy.linalg.det) -> the function (__array_function__)
FUNCTIONS: dict = {}
#: ndarray method name -> the function to call with the traced value first
METHODS: dict = {}
_published: dict = {}


class _Namespace:
    """A NumPy submodule's traceable counterpart (`dnp.linalg.det`), filled from the registry."""

    def __init__(self, name):
        self.__name__ = name

    def __repr__(self):
        return f"<difflab.numpy.{self.__name__}: {', '.join(sorted(k for k in vars(self) if not k.startswith('_')))}>"

    def __getattr__(self, name):  # what difflab does not trace: NumPy's own (dnp.linalg.LinAlgError, dnp.fft.fftfreq)
        return _numpy_fallback(getattr(_np, self.__name__), f"difflab.numpy.{self.__name__}", name)


linalg = _Namespace("linalg")
fft = _Namespace("fft")
#: NumPy's submodules with traceable counterparts here
_NAMESPACES = {"linalg": linalg, "fft": fft}
# importable by their dotted names, as autograd.numpy's submodules are (`import autograd.numpy.random as npr` and
# `from autograd.numpy.linalg import solve` in autograd's examples were ModuleNotFoundError with difflab.numpy)
for _sub, _module in {**_NAMESPACES, "random": _np.random}.items():
    _sys.modules.setdefault(f"{__name__}.{_sub}", _module)  # type: ignore[arg-type]


def _publish() -> None:
    """Bind every registry spelling in this module (and its submodules) and regenerate the dispatch
    tables: called at import and again whenever the registry changes."""
    names = _ops.spellings().numpy
    for name in list(_published):
        if name not in names:  # removed from the registry: a derived function of that name returns
            _unbind(name)
    for name, fn in _DERIVED.items():
        if "." in name and name not in names:
            sub, short = name.split(".")
            vars(_NAMESPACES[sub])[short] = fn
    for name, fn in names.items():
        if not name.startswith("scipy."):  # SciPy's names are published by difflab.scipy
            _bind(name, fn)
    __all__[:] = sorted(set(_STATIC) | {n for n in _published if "." not in n} | set(_NAMESPACES))
    table = {**_DERIVED, **{name: _published[name] for name in names if name in _published}}
    UFUNCS.clear()
    FUNCTIONS.clear()
    for name, fn in table.items():
        target = _numpy_object(name)
        if isinstance(target, _np.ufunc):
            UFUNCS[name] = fn
            if hasattr(fn, "__dict__") and not isinstance(fn, _ops.Op):  # (an op answers them itself: _UfuncMethod)
                vars(fn).update({m: _ops.core.lists_stacked(getattr(target, m), m) for m in _ops.core.UFUNC_METHODS})
        elif target is not None:
            FUNCTIONS[name] = fn
    UFUNCS["positive"] = _positive
    for name, fn in names.items():  # scipy.special's ufuncs reach __array_ufunc__ by their short name
        if name.startswith("scipy.special."):
            UFUNCS.setdefault(name[len("scipy.special.") :], _stacking(fn, name))
    FUNCTIONS.update({"size": prod_shape, "lib.stride_tricks.sliding_window_view": _stacking(_sliding_window_view)})
    METHODS.clear()
    METHODS.update(
        {
            name: fn
            for name, fn in _DERIVED.items()
            if name not in _IN_PLACE and "." not in name and callable(getattr(_np.ndarray, name, None))
        }
    )
    METHODS.update({name: _stacking(fn, name) for name, fn in _ops.spellings().methods.items()})
    METHODS["compress"] = _compress_method  # (x.compress(condition): the array is not the first argument)
    METHODS.setdefault("flatten", _flatten)


def _compress_method(a, condition, axis=None, out=None):
    return compress(condition, a, axis, out)


def _positive(x):
    return _copy(x)  # (a new array, as NumPy's: y[i] = v into it leaves x)


def _flatten(x, order="C"):
    return _copy(ravel(x, order))  # a copy in NumPy (ravel's a view)


def _numpy_object(name):
    """NumPy's object of that name ("linalg.det" -> numpy.linalg.det), or None."""
    obj = _np
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj


def _namespaces(name):
    """(the namespaces that hold `name`, its last part): a submodule's (`linalg.det`), or this module's
    and those of the modules that read the name."""
    *sub, short = name.split(".")
    if sub:
        return [vars(_NAMESPACES[sub[0]])], short
    return [globals(), *(vars(module) for module in _MODULES if short in _READS[module])], short


def _bind(name, fn):
    namespaces, short = _namespaces(name)
    fn = _stacking(fn, name)
    for namespace in namespaces:
        namespace[short] = fn
    _published[name] = fn


def _unbind(name):
    namespaces, short = _namespaces(name)
    for namespace in namespaces:
        if name in _DERIVED:
            namespace[short] = _DERIVED[name]
        else:
            namespace.pop(short, None)
    del _published[name]


_publish()
_ops.REGISTRY.listeners.append(_publish)


def _numpy_fallback(module, where, name):
    if not name.startswith("_") and hasattr(module, name):
        return getattr(module, name)
    raise AttributeError(f"module {where!r} has no attribute {name!r}")


def __getattr__(name):
    """NumPy's own object for a public name difflab does not trace: constants, dtypes, constructors of
    constant arrays, index helpers (dnp.zeros, dnp.inf, dnp.float32, dnp.arange, dnp.tril_indices,
    dnp.random), so code written `import difflab.numpy as np` runs as it does on NumPy (autograd.numpy
    and jax.numpy have these names too). Given a traced value, such a function still reaches difflab by
    NumPy's dispatch: traced if difflab has it under NumPy's name, else refused naming it.

    >>> import difflab.numpy as dnp
    >>> dnp.zeros(2), dnp.inf, dnp.linalg.LinAlgError.__name__
    (array([0., 0.]), inf, 'LinAlgError')
    """
    return _numpy_fallback(_np, "difflab.numpy", name)


def __dir__():
    # NumPy's public names difflab traces (__all__), not this package's modules and dispatch tables
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__") and n.endswith("__")})


# numpy.ma's basics on traced values (a (data, mask) pair; it reads this namespace): imported by name, `from . import
# ma` finding NumPy's own through this module's __getattr__
ma = __import__("importlib").import_module(__name__ + ".ma")
