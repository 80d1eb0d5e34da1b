"""How much of NumPy traces: sort every public callable of numpy and numpy.linalg into one bin.

Each name is tried on a traced 3x3 matrix x (symmetric positive definite plus a small perturbation,
values in about (0.2, 4)) with generic call forms: f(x), f(x, x), f(x, 1), f([x, x]), keyword
axis=0/-1, f(x, 0, 1), f(x, (9,)), f(x > c, x, x), f(x.ravel()), f(x, x.ravel()), and a few more
that name a whole family of signatures (subscripts first, a callable first, indices first). Bins:

- differentiate: a form returns a traced float or complex value (or a tuple/list holding one; an in-place
  writer returning None: the array it wrote) whose reverse-mode
  derivative is finite, not all zero, and agrees with central differences;
- constant: a form traces without error to a constant-derivative result (integer or boolean output,
  a value computed from the traced argument's numbers, or a float output whose derivative is zero,
  as for floor);
- refuse: every form fails, at least one with a difflab error (UnsupportedOperationError, ...) —
  these names, and the failures, are the to-do list;
- fail: every form fails with another exception, or the derivative disagrees with central differences;
- not for float arrays: every form fails on the plain float array too (bitwise_and, gcd, isnat);
- not array functions: neither a ufunc nor NumPy-dispatched (creation from shapes, io, printing,
  dtype and error-state utilities), plus the dispatched io/printing names; never counted as to-do.

    python bench/numpy_coverage.py            # prints the counts and each bin's names
"""

import sys
import warnings

import numpy as np

import difflab as dl
from difflab.errors import DifflabError
from difflab.graph import Traced

#: dispatched names that are io, printing or memory layout, and non-dispatched names with side effects (never called)
NOT_ARRAY_FUNCTIONS = frozenset(
    "save savez savez_compressed savetxt array2string array_repr array_str test linalg.test info show_config "
    "show_runtime set_printoptions printoptions seterr seterrcall setbufsize load loadtxt genfromtxt fromfile "
    "fromregex may_share_memory shares_memory".split()
)


def _candidates():
    for prefix, module in (("", np), ("linalg.", np.linalg)):
        for name in sorted(dir(module)):
            obj = getattr(module, name)
            if name.startswith("_") or isinstance(obj, type) or not callable(obj):
                continue
            yield prefix + name, obj


def _dispatched(fn) -> bool:
    """A ufunc or a function NumPy dispatches to a traced argument (`__array_function__`)."""
    return isinstance(fn, np.ufunc) or hasattr(fn, "_implementation")


def _mask(x):
    return x > float(np.median(getattr(x, "value", x)))


def _order(x):
    return np.argsort(np.asarray(getattr(x, "value", x)), axis=0)


#: the call forms, each as a function of the NumPy function and the traced x (built inside the trace)
FORMS = (
    lambda f, x: f(x),
    lambda f, x: f(x, x),
    lambda f, x: f(x, 1),
    lambda f, x: f([x, x]),
    lambda f, x: f(x, axis=0),
    lambda f, x: f(x, axis=-1),
    lambda f, x: f(x, 0, 1),
    lambda f, x: f(x, (9,)),
    lambda f, x: f(x, (2, 3, 3)),
    lambda f, x: f(_mask(x), x, x),
    lambda f, x: f(x.ravel()),
    lambda f, x: f(0.1 * x),  # data in (0.02, 0.45): arcsin, arctanh
    lambda f, x: f(1.0 + x),  # data above 1: arccosh
    lambda f, x: f(x[:, :, None], 1),  # a 3-d array: dsplit
    lambda f, x: f(x, x.ravel()),
    lambda f, x: f(x.ravel(), x.ravel()),
    lambda f, x: f(x.ravel(), np.linspace(0.0, 5.0, 9), x.ravel()),  # (points, grid, values): interp
    lambda f, x: f(x, 1, x),  # (array, position, values): insert
    lambda f, x: f(x, _order(x), 0),  # (array, indices, axis): take_along_axis
    lambda f, x: f(x, _order(x), x, 0),  # (array, indices, values, axis): put_along_axis
    lambda f, x: f(np.arange(9) % 3, x.ravel()),  # (indices, values): bincount's weights
    lambda f, x: f(np.arange(9) % 2, [x.ravel(), x.ravel()]),  # (indices, choices): choose
    lambda f, x: f(_mask(x)),  # a boolean array: invert
    lambda f, x: f(_mask(x), x),  # (condition, array): extract
    lambda f, x: f([True, False, True], x, 0),  # (condition, array, axis): compress
    lambda f, x: f("ij,jk->ik", x, x),  # subscripts first: einsum
    lambda f, x: f(lambda v: v * v, 0, x),  # a callable first: apply_along_axis
    lambda f, x: f(np.sum, x, 0),  # (reduction, array, axes): apply_over_axes
    lambda f, x: f(x, np.float64),  # (array, dtype): astype
    lambda f, x: f(x, [_mask(x)], [lambda v: v * v, 1.0]),  # piecewise
)


def _leaves(out):
    if isinstance(out, (tuple, list)):
        return [v for o in out for v in _leaves(o)]
    return [out]


def _scalar(out):
    """A scalar function of a traced result (a weighted sum of every traced float leaf)."""
    leaves = [v for v in _leaves(out) if isinstance(v, Traced) and v.dtype.kind in "fc"]
    if not leaves:
        raise TypeError("no traced float result")
    total = 0.0
    for v in leaves:
        if v.dtype.kind == "c":  # (eig's values: a real function of the real and imaginary parts)
            v = dl.numpy.real(v) + 0.5 * dl.numpy.imag(v)
        total = total + dl.numpy.sum(v * np.linspace(0.5, 1.5, int(np.prod(v.shape))).reshape(v.shape))
    return total


def _try(fn, form, x):
    """The bin of one call form: 'differentiate', 'constant', 'wrong', or the exception raised."""
    outs = []

    def probe(x):
        before = x.node
        out = form(fn, x)
        written = out is None and x.node is not before  # (an in-place writer, fill_diagonal: the array it wrote)
        outs.append(x if written else out)
        return _scalar(outs[-1])

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                g = dl.grad(probe, method="reverse")(x)
            except TypeError as e:
                if "no traced float result" in str(e) and outs:
                    return "constant"
                raise
            n = dl.grad(probe, method="numeric")(x)
    except Exception as e:  # noqa: BLE001  a failure of this form: the caller decides the bin
        return e
    if not (np.all(np.isfinite(g)) and np.allclose(g, n, rtol=1e-4, atol=1e-5)):
        return "wrong"
    return "constant" if not np.any(g) else "differentiate"


def classify(name, fn, x):
    """The bin of one NumPy name (see the module docstring)."""
    if name in NOT_ARRAY_FUNCTIONS:
        return "not array functions"
    results = []
    for form in FORMS:
        results.append(_try(fn, form, x))
        if results[-1] == "differentiate":
            break
    if "differentiate" in results:
        return "differentiate"
    if not _dispatched(fn):  # (np.isscalar(x), np.iterable(x) answer without reading an array)
        return "not array functions"
    if "constant" in results:
        return "constant"
    if "wrong" in results:
        return "fail"
    if not _numpy_takes(fn, x):
        return "not for float arrays"
    return "refuse" if any(isinstance(r, DifflabError) for r in results) else "fail"


def _numpy_takes(fn, x) -> bool:
    """Whether NumPy itself answers one of the call forms on the plain float array (bitwise_and,
    gcd, isnat... refuse float64 there too). A list of arrays is given as the float array NumPy makes of
    it: is_busday casts a Python list of floats to dates itself, but refuses the float array."""

    def as_arrays(*args, **kwargs):
        return fn(*[np.asarray(a) if _arrays_list(a) else a for a in args], **kwargs)

    for form in FORMS:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                form(as_arrays, x.copy())
            return True
        except Exception:  # noqa: BLE001, S112  (NumPy refused this form)
            continue
    return False


def _arrays_list(a) -> bool:
    return isinstance(a, list) and bool(a) and all(isinstance(v, np.ndarray) for v in a)


BINS = ("differentiate", "constant", "refuse", "fail", "not for float arrays", "not array functions")


def survey():
    """{bin: [names]} over every candidate name."""
    rng = np.random.default_rng(0)
    a = rng.uniform(0.2, 0.9, (3, 3))
    x = a @ a.T + 3.0 * np.eye(3) + 0.01 * a  # well conditioned, distinct eigenvalues
    bins: dict = {b: [] for b in BINS}
    for name, fn in _candidates():
        bins[classify(name, fn, x.copy())].append(name)  # (a copy: no name may change the next one's x)
    return bins


def main():
    bins = survey()
    total = sum(map(len, bins.values()))
    print(
        f"of {total} public callables of numpy and numpy.linalg: {len(bins['differentiate'])} differentiate; "
        f"{len(bins['constant'])} more trace as constants; {len(bins['refuse'])} refuse by name; "
        f"{len(bins['fail'])} fail otherwise; {len(bins['not for float arrays'])} are refused by NumPy itself "
        f"on float arrays (bitwise, gcd, dates); the rest ({len(bins['not array functions'])}) are not array "
        "functions (creation from shapes, io, printing, dtype utilities)"
    )
    for b in BINS:
        print(f"\n{b} ({len(bins[b])}):\n" + " ".join(bins[b]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
