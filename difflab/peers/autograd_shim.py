"""HIPS autograd's public API on top of difflab: after `install("forward")`, `import autograd` runs on difflab.

The operators (grad, elementwise_grad, value_and_grad, jacobian, hessian, make_vjp, make_jvp, ...)
call difflab's with the selected method (`install(method)`, else the DIFFLAB_PEER_METHOD environment
variable, else "reverse"). `autograd.numpy` is NumPy itself, because plain `np.<name>` on a traced
value dispatches to difflab's registry, with the constructors NumPy cannot dispatch (`array`,
`asarray`, `r_`, `c_`) taken from difflab.numpy, and a list holding traced values given to a
function (`np.mean([x, y])`, which NumPy would convert itself) handed to difflab.numpy's. `autograd.test_util.check_grads` checks the
method's jvp and vjp against central differences to second order, with autograd's tolerances.
Autograd's internals (Box, VSpace, primitive/defvjp, the tracer, its NumPy wrappers) are not
presented: importing them raises ImportError naming the module.

How it works: autograd's operators differentiate one positional argument (`argnum`, or a tuple of
them packed into a tuple). The shim binds the other positional and the keyword arguments (difflab
refuses keyword arguments to the function it differentiates) and hands difflab a function of that
one argument: `grad(f, 1)(x, y, axis=0)` is `dl.grad(lambda y_: f(x, y_, axis=0))(y)`.

    >>> from difflab.peers import autograd_shim as ag
    >>> ag.grad(lambda x, y: x * y, 1, method="forward")(3.0, 2.0)
    3.0
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import itertools
import os
import signal
import sys
import types

import numpy as np
import pytest

import difflab as dl
from difflab import numpy as dnp
from difflab import autograd_names as an
from difflab import tree
from difflab.flatten_util import ravel_pytree
from difflab.graph import Traced

METHODS = ("symbolic", "numeric", "forward", "reverse")
ENV = "DIFFLAB_PEER_METHOD"
#: caps check_grads' order (unset: the order the caller asks for); with a cap of 1 the suite
#: measures a method's first derivatives alone
ENV_MAX_ORDER = "DIFFLAB_PEER_MAX_ORDER"
_selected: str | None = None


def current_method(method=None) -> str:
    """The method the shim's operators use: `method`, else install()'s, else $DIFFLAB_PEER_METHOD, else reverse.

    >>> current_method("numeric")
    'numeric'
    """
    m = method or _selected or os.environ.get(ENV) or "reverse"
    if m not in METHODS:
        raise ValueError(f"unknown difflab method {m!r} for the autograd shim: choose one of {', '.join(METHODS)}")
    return m


# -- autograd's calling convention (difflab.autograd_names: one place) ----------------------------

_nary, _as_number, _scalar = an.nary, an._as_number, an._scalar


def _vjp(fun, x, method=None):
    """(pullback of one cotangent -> one cotangent shaped like x, fun(x))."""
    return an._pullback_of(fun, x, current_method(method))


def _jvp(fun, x, method=None):
    """v -> (fun(x), J v)."""
    return lambda v: dl.jvp(fun, (x,), (v,), method=current_method(method))


def _scalar_aux(fun):
    @functools.wraps(fun)
    def number(x):
        y, aux = fun(x)
        return _as_number(y), aux

    return number


def _peer(op):
    """difflab's own autograd operator `op` with the shim's method, read at each call (install() may come later)."""

    @functools.wraps(op)
    def shimmed(fun, argnum=0, method=None):
        @functools.wraps(fun)
        def at(*args, **kwargs):
            return op(fun, argnum, method=current_method(method))(*args, **kwargs)

        return at

    return shimmed


# -- the differential operators ------------------------------------------------------------------


@_nary
def grad(fun, x, method=None):
    """Gradient of a scalar function of one argument (an output of one entry too, as autograd's): same structure
    and shapes as x."""
    return dl.grad(_scalar(fun), method=current_method(method))(x)


@_nary
def value_and_grad(fun, x, method=None):
    """(fun(x), gradient)."""
    return dl.value_and_grad(_scalar(fun), method=current_method(method))(x)


@_nary
def grad_and_aux(fun, x, method=None):
    """fun returns (scalar, aux): (gradient of the scalar, aux)."""
    return dl.grad(_scalar_aux(fun), method=current_method(method), has_aux=True)(x)


@_nary
def jacobian(fun, x, method=None):
    """Jacobian, shaped out.shape + x.shape."""
    return dl.jacobian(fun, method=current_method(method))(x)


@_nary
def hessian(fun, x, method=None):
    """Hessian of a scalar function, shaped x.shape + x.shape."""
    return dl.hessian(fun, method=current_method(method))(x)


@_nary
def make_vjp(fun, x, method=None):
    """(pullback, fun(x)): pullback(u) is uᵀJ shaped like x."""
    return _vjp(fun, x, method)


@_nary
def make_jvp(fun, x, method=None):
    """v -> (fun(x), J v)."""
    return _jvp(fun, x, method)


def hessian_tensor_product(fun, argnum=0, method=None):
    """(*args, v) -> H v (v's axes contracted with the Hessian's last ones) of a scalar function."""

    def hv(g, x, v):
        return _vjp(lambda z: dl.grad(_scalar(g), method=current_method(method))(z), x, method)[0](v)

    return lambda *args, **kwargs: _nary(lambda g, x: hv(g, x, args[-1]))(fun, argnum)(*args[:-1], **kwargs)


elementwise_grad = _peer(an.elementwise_grad)
deriv = _peer(an.deriv)
holomorphic_grad = _peer(an.holomorphic_grad)
make_hvp = _peer(an.make_hvp)
tensor_jacobian_product = _peer(an.tensor_jacobian_product)
vector_jacobian_product = tensor_jacobian_product
hessian_vector_product = hessian_tensor_product


def make_ggnvp(f, g=lambda y: 0.5 * np.sum(y**2, axis=-1), f_argnum=0, method=None):
    """Generalised Gauss-Newton products of g∘f at x: v -> Jᵀ H_g J v (J of f at x, H_g of g at f(x))."""

    def at(x, v):
        y, jv = _jvp(f, x, method)(v)
        h_jv = _vjp(lambda z: dl.grad(_scalar(g), method=current_method(method))(z), y, method)[0](jv)
        return _vjp(f, x, method)[0](h_jv)

    return _nary(lambda f_, x: functools.partial(at, x))(f, f_argnum)


def checkpoint(fun):
    """fun, recomputed in the backward pass instead of stored (dl.checkpoint)."""
    return dl.checkpoint(fun)


class MissingRuleError(dl.NotDifferentiableError, NotImplementedError):
    """A `primitive` differentiated in an argument its defvjp/defjvp gave no rule for (autograd raises
    NotImplementedError there; difflab's NotDifferentiableError is kept for difflab's own handlers)."""


class primitive:
    """autograd's `@primitive`: a function whose derivatives are the rules given by `defvjp`/`defjvp`,
    run as a difflab custom_vjp (custom_jvp under the forward method). Arguments holding no traced
    value, and keyword arguments, are constants of the rule."""

    def __init__(self, fun):
        self.fun = fun
        self.vjpmakers: dict = {}
        self.jvpmakers: dict = {}
        functools.update_wrapper(self, fun)

    def __call__(self, *args, **kwargs):
        live = [i for i, a in enumerate(args) if any(isbox(leaf) for leaf in tree.flatten(a)[0])]
        if not live:
            return self.fun(*args, **kwargs)

        def full(xs):
            out = list(args)
            for i, x in zip(live, xs):
                out[i] = x
            return out

        def call(*xs):
            return self.fun(*full(xs), **kwargs)

        call.__name__ = getattr(self.fun, "__name__", "primitive")
        if current_method() == "forward":
            rule = dl.custom_jvp(call)
            rule.defjvp(lambda xs, ts: self._jvp(full(xs), kwargs, live, ts))
        else:
            rule = dl.custom_vjp(call)
            rule.defvjp(lambda *xs: (call(*xs), full(xs)), lambda res, u: self._vjp(res, kwargs, live, u))
        return rule(*[args[i] for i in live])

    def _maker(self, makers, i, kind):
        if i not in makers:
            raise MissingRuleError(
                f"{kind} of primitive {getattr(self.fun, '__name__', self.fun)} with respect to "
                f"argument {i} is not defined (def{kind.lower()} gives it)"
            )
        return makers[i]

    def _vjp(self, args, kwargs, live, u):
        ans = self.fun(*args, **kwargs)
        out = []
        for i in live:
            maker = self._maker(self.vjpmakers, i, "VJP")
            out.append(None if maker is None else maker(ans, *args, **kwargs)(u))
        return builtins.tuple(out)

    def _jvp(self, args, kwargs, live, tangents):
        ans = self.fun(*args, **kwargs)
        total = None
        for i, t in zip(live, tangents):
            maker = self._maker(self.jvpmakers, i, "JVP")
            if maker is not None:
                term = maker(t, ans, *args, **kwargs)
                total = term if total is None else total + term
        return ans, (np.zeros(np.shape(ans)) if total is None else total)


def defvjp(fun, *vjpmakers, argnums=None):
    """fun's VJP per argument: vjpmaker(ans, *args, **kwargs) -> (g -> cotangent of that argument)."""
    for i, maker in zip(argnums if argnums is not None else range(len(vjpmakers)), vjpmakers):
        fun.vjpmakers[i] = maker


def defjvp(fun, *jvpmakers, argnums=None):
    """fun's JVP per argument: jvpmaker(t, ans, *args, **kwargs) -> that argument's tangent contribution."""
    for i, maker in zip(argnums if argnums is not None else range(len(jvpmakers)), jvpmakers):
        fun.jvpmakers[i] = maker


def isbox(x) -> bool:
    """Is x a traced value (autograd's Box)?"""
    return builtins.isinstance(x, Traced)


def _isinstance(x, types_):
    """isinstance that sees a traced value as the array or float it stands for."""
    if builtins.isinstance(x, Traced):
        return builtins.isinstance(np.zeros(x.shape), types_) or (x.shape == () and builtins.isinstance(0.0, types_))
    return builtins.isinstance(x, types_)


def _type(x):
    return np.ndarray if builtins.isinstance(x, Traced) else builtins.type(x)


def flatten(value):
    """(flat float vector, unflatten) of a pytree of floats and arrays.

    >>> v, unflatten = flatten({"a": 1.0, "b": np.ones(2)})
    >>> v, unflatten(2 * v)["b"]
    (array([1., 1., 1.]), array([2., 2.]))
    """
    return ravel_pytree(value)  # (autograd's misc.flatten is JAX's ravel_pytree: difflab.flatten_util's, one place)


def const_graph(fun, *args, **kwargs):
    """fun with leading positional and keyword arguments bound. (autograd's version also caches the
    traced graph; that is a speed-up with the same values, which difflab's own caches provide.)"""
    return functools.partial(fun, *args, **kwargs)


# -- test_util: check_grads against central differences ------------------------------------------

EPS = 1e-6  # the central difference step of the reference
TOL = 1e-6  # absolute tolerance
RTOL = 1e-6  # relative tolerance


def scalar_close(a, b) -> bool:
    """|a - b| < TOL, or relatively within RTOL.

    >>> scalar_close(1.0, 1.0 + 1e-9), scalar_close(1.0, 1.1)
    (True, False)
    """
    return abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL


def _relative(a, b) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def _randn_like(x):
    def one(a):
        shape = np.shape(a)
        r = np.random.randn(*shape)
        if np.iscomplexobj(a):
            r = r + 1j * np.random.randn(*shape)
        return r

    return tree.tree_map(one, x)


def _inner(a, b) -> float:
    la, lb = tree.flatten(a)[0], tree.flatten(b)[0]
    return float(sum(np.real(np.sum(np.conj(np.asarray(p)) * np.asarray(q))) for p, q in zip(la, lb)))


def _space(x):
    """The structure and leaf shapes of x: two values are comparable only when these agree."""
    leaves, td = tree.flatten(x)
    return str(td), builtins.tuple(np.shape(a) for a in leaves)


def _axpy(a, v, x):
    return tree.tree_map(lambda vi, xi: xi + a * vi, v, x)


#: "traced": the central-difference reference evaluates f through a trace (its traced value) rather
#: than on plain arrays; it differs only where difflab's value differs from NumPy's (the sign
#: convention of eigenvectors and singular vectors), and so separates those from wrong derivatives
ENV_REFERENCE = "DIFFLAB_PEER_REFERENCE"


def _numerical_jvp(f, x, v):
    if os.environ.get(ENV_REFERENCE) == "traced":
        f = functools.partial(lambda g, z: dl.vjp(g, z, method="reverse")[0], f)
    plus, minus = f(_axpy(EPS / 2, v, x)), f(_axpy(-EPS / 2, v, x))
    return tree.tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / EPS, plus, minus)


def check_equivalent(x, y):
    """x and y have the same structure and shapes and agree along a random direction."""
    assert _space(x) == _space(y), f"structure mismatch:\nx: {_space(x)}\ny: {_space(y)}"
    v = _randn_like(x)
    a, b = _inner(x, v), _inner(y, v)
    assert scalar_close(a, b), f"value mismatch (relative difference {_relative(a, b):.1e}):\nx: {x}\ny: {y}"


def check_jvp(f, x, method=None):
    """The method's J v against central differences along a random v."""
    v = _randn_like(x)
    y, jv = _jvp(f, x, method)(v)
    check_equivalent(jv, _numerical_jvp(f, x, v))


def check_vjp(f, x, method=None):
    """The method's uᵀJ against central differences: <uᵀJ, v> = <u, J v> for random u and v."""
    pullback, y = _vjp(f, x, method)
    v, u = _randn_like(x), _randn_like(y)
    # autograd pulls back the covector conj(u) and reads the result as a covector (conj again): with
    # difflab's bilinear pairing (ops/complexes.py) <uᵀJ, v> = Re Σ conj(uj)·v holds for uj = conj(J^T conj(u))
    uj = tree.tree_map(np.conj, pullback(tree.tree_map(np.conj, u)))
    assert _space(uj) == _space(x), f"the vjp's structure {_space(uj)} differs from its input's {_space(x)}"
    exact, numeric = _inner(uj, v), _inner(u, _numerical_jvp(f, x, v))
    assert scalar_close(numeric, exact), (
        f"Derivative (VJP) check of {getattr(f, '__name__', f)} failed with method {current_method(method)}"
        f" (relative difference {_relative(exact, numeric):.1e}) at {x}:\nanalytic: {exact}\nnumeric:  {numeric}"
    )


@_nary
def check_grads(f, x, modes=("fwd", "rev"), order=2, method=None):
    """Check the method's jvp ("fwd") and vjp ("rev") of f at x against central differences, and
    (order > 1) the derivatives of those products in turn."""
    unknown = [m for m in modes if m not in ("fwd", "rev")]
    if unknown:
        raise ValueError(f"check_grads modes must be 'fwd' or 'rev', got {unknown}")
    order = min(order, int(os.environ.get(ENV_MAX_ORDER) or order))
    if "fwd" in modes:
        check_jvp(f, x, method)
        if order > 1:

            def jvp_f(x, v):
                return _jvp(f, x, method)(v)[1]

            jvp_f.__name__ = f"jvp_{getattr(f, '__name__', 'f')}"
            check_grads(jvp_f, (0, 1), modes, order - 1, method=method)(x, _randn_like(x))
    if "rev" in modes:
        check_vjp(f, x, method)
        if order > 1:

            def vjp_f(x, u):
                return _vjp(f, x, method)[0](u)

            vjp_f.__name__ = f"vjp_{getattr(f, '__name__', 'f')}"
            check_grads(vjp_f, (0, 1), modes, order - 1, method=method)(x, _randn_like(f(x)))


def combo_check(fun, *args, **kwargs):
    """check_grads(fun, *args, **kwargs) on every combination of the given argument and keyword values:
    combo_check(f, (0,))([x1, x2], axis=[0, 1]) checks f(x1, axis=0), f(x1, axis=1), f(x2, axis=0), ..."""

    def run(*arg_lists, **kwarg_lists):
        keyed = [[(k, v) for v in vs] for k, vs in kwarg_lists.items()]
        for values in itertools.product(*arg_lists):
            for kw in itertools.product(*keyed):
                check_grads(fun, *args, **kwargs)(*values, **dict(kw))

    return run


# -- the modules ---------------------------------------------------------------------------------


def make_diagonal(D, offset=0, axis1=0, axis2=1):
    """autograd.numpy's make_diagonal: arrays whose last two axes are the diagonal matrices of D's last
    axis (autograd supports offset=0, axis1=-1, axis2=-2 only, and so does this).

    >>> make_diagonal(np.array([1.0, 2.0]), axis1=-1, axis2=-2)
    array([[1., 0.],
           [0., 2.]])
    """
    if not (offset == 0 and axis1 == -1 and axis2 == -2):
        raise NotImplementedError("make_diagonal supports offset=0, axis1=-1, axis2=-2 only (as autograd's)")
    n = np.shape(D)[-1]
    return dnp.expand_dims(D, -1) * np.eye(n)


def _dot(a, b):
    """autograd.numpy.linalg's private batched matrix product `_dot` (its test_pinv calls it)."""
    return dnp.matmul(a, b)


def _transpose(x):
    """autograd.numpy.linalg's private `T`: the last two axes swapped (test_pinv calls it)."""
    return dnp.swapaxes(x, -1, -2)


#: constructors NumPy cannot dispatch on traced values (they convert their items with np.array)
NUMPY_OVERLAY = ("array", "asarray", "r_", "c_")


def _list_taking(name: str, source, mine):
    """NumPy's `name`, except that a call with a list or tuple holding traced values goes to difflab.numpy's
    function, which stacks it (NumPy would convert the list itself before any dispatch)."""
    own = getattr(source, name)

    @functools.wraps(own)
    def call(*args, **kwargs):
        if any(isinstance(a, (list, tuple)) and dnp._contains_traced(a) for a in (*args, *kwargs.values())):
            return mine(*args, **kwargs)
        return own(*args, **kwargs)

    return call


def _list_overlay(source, namespace) -> dict:
    """{name: _list_taking(...)} for every difflab.numpy function that stacks lists and NumPy also has."""
    return {
        name: _list_taking(name, source, fn)
        for name, fn in vars(namespace).items()
        if getattr(fn, "stacks_lists", False) and callable(getattr(source, name, None))
    }


def _copy_module(name: str, source, doc: str, **extra):
    mod = types.ModuleType(name, doc)
    for key in dir(source):
        if not key.startswith("__"):
            setattr(mod, key, getattr(source, key))
    for key, value in extra.items():
        setattr(mod, key, value)
    return mod


def _scipy_modules() -> dict:
    """autograd.scipy.* as difflab.scipy (special, stats, signal, linalg: differentiable by every
    method; integrate's odeint: by forward, reverse and numeric)."""
    try:
        import scipy.integrate  # noqa: F401
    except ImportError:  # SciPy is optional: without it autograd.scipy is absent, as without the extra
        return {}
    from .. import scipy as dscipy
    from ..scipy import integrate

    mods = {"autograd.scipy": types.ModuleType("autograd.scipy", "difflab.scipy (through the difflab shim)")}
    for sub in ("special", "linalg", "signal", "stats"):
        mods[f"autograd.scipy.{sub}"] = _copy_module(
            f"autograd.scipy.{sub}", getattr(dscipy, sub), f"difflab.scipy.{sub}"
        )
    mods["autograd.scipy.integrate"] = _copy_module("autograd.scipy.integrate", integrate, "difflab.scipy.integrate")
    for sub in ("special", "linalg", "signal", "integrate", "stats"):
        setattr(mods["autograd.scipy"], sub, mods[f"autograd.scipy.{sub}"])
    for dist in dscipy.stats.__all__:
        mods[f"autograd.scipy.stats.{dist}"] = _copy_module(
            f"autograd.scipy.stats.{dist}", getattr(dscipy.stats, dist), f"difflab.scipy.stats.{dist}"
        )
        setattr(mods["autograd.scipy.stats"], dist, mods[f"autograd.scipy.stats.{dist}"])
    return mods


def _operators() -> dict:
    """autograd's differential operators, by name."""
    return dict(
        grad=grad,
        value_and_grad=value_and_grad,
        grad_and_aux=grad_and_aux,
        elementwise_grad=elementwise_grad,
        deriv=deriv,
        jacobian=jacobian,
        hessian=hessian,
        make_vjp=make_vjp,
        make_jvp=make_jvp,
        make_hvp=make_hvp,
        tensor_jacobian_product=tensor_jacobian_product,
        vector_jacobian_product=vector_jacobian_product,
        hessian_tensor_product=hessian_tensor_product,
        hessian_vector_product=hessian_vector_product,
        make_ggnvp=make_ggnvp,
        holomorphic_grad=holomorphic_grad,
        checkpoint=checkpoint,
    )


def _submodules(ops: dict, built: dict) -> dict:
    """autograd's helper modules (operators, builtins, test_util, tracer, extend, core, misc), by name."""
    return {
        "autograd.differential_operators": _copy_module(
            "autograd.differential_operators", types.SimpleNamespace(**ops), "the operators"
        ),
        "autograd.builtins": _copy_module("autograd.builtins", types.SimpleNamespace(**built), "builtins"),
        "autograd.test_util": _copy_module(
            "autograd.test_util",
            types.SimpleNamespace(
                check_grads=check_grads,
                combo_check=combo_check,
                check_equivalent=check_equivalent,
                check_vjp=check_vjp,
                check_jvp=check_jvp,
                scalar_close=scalar_close,
            ),
            "check_grads on difflab",
        ),
        "autograd.tracer": _copy_module(
            "autograd.tracer", types.SimpleNamespace(isbox=isbox, primitive=primitive), "isbox and primitive"
        ),
        "autograd.extend": _copy_module(
            "autograd.extend",
            types.SimpleNamespace(primitive=primitive, defvjp=defvjp, defjvp=defjvp),
            "primitive, defvjp, defjvp",
        ),
        # the public functions of autograd.core (its Box/VSpace machinery is not presented)
        "autograd.core": _copy_module(
            "autograd.core",
            types.SimpleNamespace(
                make_vjp=_vjp, make_jvp=_jvp, primitive=primitive, defvjp=defvjp, defjvp=defjvp, primitive_vjps={}
            ),  # autograd's table of rules; difflab's is its registry: an empty stand-in
            "make_vjp, make_jvp, primitive",
        ),
        "autograd.wrap_util": _copy_module(
            "autograd.wrap_util", types.SimpleNamespace(unary_to_nary=_nary), "unary_to_nary"
        ),
        "autograd.misc": _copy_module(
            "autograd.misc", types.SimpleNamespace(flatten=flatten, const_graph=const_graph), "flatten, const_graph"
        ),
        "autograd.misc.flatten": _copy_module(
            "autograd.misc.flatten", types.SimpleNamespace(flatten=flatten), "flatten"
        ),
    }


def modules() -> dict:
    """The module objects `install` puts in sys.modules, by name."""
    linalg = _copy_module(
        "autograd.numpy.linalg",
        np.linalg,
        "numpy.linalg (through the difflab shim)",
        **_list_overlay(np.linalg, dnp.linalg),
        _dot=_dot,
        T=_transpose,
    )
    random = _copy_module("autograd.numpy.random", np.random, "numpy.random")
    fft = _copy_module("autograd.numpy.fft", np.fft, "numpy.fft (through the difflab shim)")
    anp = _copy_module(
        "autograd.numpy",
        np,
        "NumPy on difflab: plain np.<name> dispatches on traced values",
        linalg=linalg,
        random=random,
        fft=fft,
        __version__=np.__version__,
        make_diagonal=make_diagonal,
        **{**_list_overlay(np, dnp), **{k: getattr(dnp, k) for k in NUMPY_OVERLAY}},
    )
    ops = _operators()
    built = dict(isinstance=_isinstance, type=_type, tuple=builtins.tuple, list=builtins.list, dict=builtins.dict)
    top = types.ModuleType("autograd", "HIPS autograd's public API on difflab (difflab.peers.autograd_shim)")
    for key, value in {**ops, **built, "numpy": anp}.items():
        setattr(top, key, value)
    mods = {
        "autograd": top,
        "autograd.numpy": anp,
        "autograd.numpy.linalg": linalg,
        "autograd.numpy.random": random,
        "autograd.numpy.fft": fft,
        **_submodules(ops, built),
    }
    mods.update(_scipy_modules())
    for name, mod in mods.items():  # submodules are attributes of their parents, as after an import,
        parent, _, child = name.rpartition(".")  # unless the parent binds that name itself (misc.flatten)
        if parent in mods and not hasattr(mods[parent], child):
            setattr(mods[parent], child, mod)
    return mods


def install(method: str | None = None) -> dict:
    """Put the shim's modules in sys.modules (ahead of any installed autograd); returns what they replaced."""
    global _selected
    if method is not None:
        current_method(method)  # validates
    _selected = method
    previous = {
        name: sys.modules.get(name) for name in list(sys.modules) if name == "autograd" or name.startswith("autograd.")
    }
    for name in previous:
        del sys.modules[name]
    sys.modules.update(modules())
    return previous


@contextlib.contextmanager
def installed(method: str | None = None):
    """`import autograd` gives the shim inside the block; what was imported before comes back after.

    >>> with installed("forward"):
    ...     import autograd, autograd.numpy as anp
    ...     autograd.grad(anp.sin)(0.0)
    1.0
    """
    global _selected
    before = _selected
    previous = install(method)
    try:
        yield sys.modules["autograd"]
    finally:
        for name in [n for n in sys.modules if n == "autograd" or n.startswith("autograd.")]:
            del sys.modules[name]
        sys.modules.update({k: v for k, v in previous.items() if v is not None})
        _selected = before


ENV_TEST_CPU = "DIFFLAB_PEER_TEST_CPU"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """With $DIFFLAB_PEER_TEST_CPU set to s seconds, a test that uses more than s seconds of CPU time fails
    (bench/peer_suite.py's --test-cpu), and the file goes on with the next: one slow test no longer costs a
    whole file its report. CPU time, not wall-clock time, so that the limit means the same on a loaded machine.
    SystemExit, not an Exception: difflab's fallbacks (`except Exception`) must not catch it; it repeats each
    CPU second after the first, in case something does."""
    limit = float(os.environ.get(ENV_TEST_CPU) or 0)
    if limit <= 0:
        yield
        return

    def expired(signum, frame):
        raise SystemExit(f"timeout: the test used more than {limit:g} s of CPU time (${ENV_TEST_CPU})")

    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, limit, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def pytest_configure(config):
    """As a pytest plugin (`-p difflab.peers.autograd_shim`): install with $DIFFLAB_PEER_METHOD."""
    install(current_method())
