"""`difflab.numpy.ma`: the basics of `numpy.ma` on traced values (issue 11).

NumPy's masked arrays cannot hold a traced value: `np.ma.masked_array(x, mask=m)` and every `np.ma.*` function
convert their data with `numpy.array`, which no dispatch reaches (measured on NumPy 2.x: MaskedArray.__new__ calls
np.array(data, subok=True), `masked_where`/`masked_invalid` np.array(a)), so a traced value given to them is refused
naming the function here. A traced masked array here is the pair (data, mask), each a traced or plain array of one
shape; its reductions are sums of `where(mask, 0, data)` over the unmasked count, NumPy's own formulas (sum of the
filled(0) data; mean = sum * 1. / count; var = sum((data - mean)² where unmasked) / (count - ddof); std = sqrt(var)),
so the values are NumPy's and the derivative of a masked element is 0. A traced mask (`x < 0`) is recomputed at each
call, so `dl.prepare` reuses the trace where it changes. Where NumPy's result is masked (every element of a
reduction masked; var's count <= ddof) it is here too: np.ma.masked for a constant mask's 0-d result, else a
MaskedArray with those entries masked (NumPy's data there, a constant: derivative 0); a function returning a
MaskedArray returns its data (np.ma.getdata's). A reduction of a traced mask is a MaskedArray whatever it masks
(NumPy's own type for an axis reduction; a 0-d one is a float or np.ma.masked by value in NumPy, and only a
MaskedArray holds both), so dl.prepare and dl.vmap hold its mask at every point; its float()/bool()/item() are its
data's, its comparisons masked where it is, and np.ma.is_masked/getmask/getmaskarray read its mask (`_mask`).
max/min fill the masked elements with ∓inf, NumPy's.

>>> import numpy as np
>>> import difflab as dl, difflab.numpy as dnp
>>> dl.grad(lambda x: dnp.ma.masked_where(x < 0, x).mean())(np.array([1.0, -2.0, 3.0]))
array([0.5, 0. , 0.5])
"""

from __future__ import annotations

import builtins as _builtins

import numpy as _np

from .. import numpy as _dnp
from ..graph import DEFERS_TO as _DEFERS_TO
from ..graph import Traced as _Traced

#: what `filled()` writes without a fill value: NumPy's default_fill_value by dtype kind
_FILL = {"b": True, "i": 999999, "u": 999999, "f": 1e20, "c": 1e20 + 0j}


def _no_out(name, out):
    # np.sum(a), np.mean(a), np.var(a) call a.sum(axis=..., out=None, ...) on a non-ndarray: None is taken
    if out is not None:
        raise TypeError(f"difflab.numpy.ma's {name} takes no out= (a traced value cannot be written into)")


class MaskedArray:
    """A masked array of traced (or plain) data: `data` and a boolean `mask` of data's shape, True where masked.

    Shape contract: data and mask have one shape; reductions over `axis` (None: all) give data's shape without
    that axis; `filled` keeps the shape; `compressed` is 1-d, the unmasked count long. Arithmetic and NumPy's
    ufuncs apply to the data, the masks or'ed (and, for np.ma's domained ufuncs, log, sqrt, divide, power, ...,
    the entries outside the domain masked too), a masked entry keeping its first operand's data, as NumPy's.

    >>> a = MaskedArray(_np.array([1.0, 2.0, 4.0]), _np.array([False, True, False]))
    >>> float(a.sum()), float(a.mean()), a.filled(0.0), a.compressed()
    (5.0, 2.5, array([1., 0., 4.]), array([1., 4.]))
    """

    __slots__ = ("data", "mask", "fill_value")

    def __init__(self, data, mask, fill_value=None):
        self.data, self.mask, self.fill_value = data, mask, fill_value

    shape = property(lambda self: tuple(_np.shape(self.data)))
    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(_np.prod(self.shape)))
    dtype = property(lambda self: _np.result_type(self.data))

    def __repr__(self):
        return f"difflab.numpy.ma.MaskedArray(data={self.data!r}, mask={self.mask!r})"

    def __len__(self):
        return self.shape[0]

    # np.ma.getmask (so is_masked, getmaskarray) reads `_mask` (without it: nomask, is_masked() False) and
    # np.ma.getdata `_data` (without it: np.array(self), an object array)
    _mask = property(lambda self: self.mask)
    _data = property(lambda self: self.data)

    # a 0-d reduction's result is this class, masked or not: a number's conversions are a tracer's (refused by name
    # where it is differentiated), of NumPy's value: the data, NaN where masked (NumPy's float(np.ma.masked))
    def __float__(self):
        return float(self._number())

    def item(self):
        """The 0-d array's number (NaN where masked, as NumPy's float()), as a tracer's item()."""
        number = self._number()
        return number.item() if isinstance(number, _Traced) else _np.asarray(number).item()

    def __bool__(self):  # (NumPy's bool(np.ma.masked) is False: its data 0, as here)
        return bool(self.data)

    def _number(self):
        return _dnp.where(self.mask, _np.nan, self.data)

    def filled(self, fill_value=None):
        """The data with each masked element `fill_value` (this array's, else NumPy's default for its dtype)."""
        if fill_value is None:
            fill_value = self.fill_value if self.fill_value is not None else _FILL.get(self.dtype.kind, 1e20)
        return _dnp.where(self.mask, fill_value, self.data)

    def compressed(self):
        """The unmasked elements, 1-d, in order (a read by the mask: its count guarded where an output uses it)."""
        return _dnp.ravel(self.data)[~_dnp.ravel(self.mask)]

    def count(self, axis=None, keepdims=False):
        """The number of unmasked elements (along `axis`): an integer, traced where the mask is."""
        return _dnp.sum(~_dnp.asarray(self.mask), axis=axis, keepdims=keepdims)

    def sum(self, axis=None, dtype=None, out=None, keepdims=False):
        """The sum of the unmasked elements (NumPy's np.ma.masked, or masked entries, where every element reduced is
        masked: `_reduced`). `out=` (np.sum(a) passes out=None) is refused unless None, as max's."""
        _no_out("sum", out)
        total = _dnp.sum(self.filled(0), axis=axis, dtype=dtype, keepdims=keepdims)
        return _reduced(total, self.count(axis, keepdims), 0.0)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False):
        """sum * 1. / count over the unmasked elements, NumPy's formula (masked where none is unmasked)."""
        _no_out("mean", out)
        return _reduced(*self._mean(axis, dtype, keepdims), 0.0)

    def _mean(self, axis, dtype, keepdims):
        n = self.count(axis, keepdims)
        total = _dnp.sum(self.filled(0), axis=axis, dtype=dtype, keepdims=keepdims)
        return total * 1.0 / _dnp.where(n > 0, n, 1), n

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, mean=None):
        """Σ (x - mean)² over the unmasked x, / (count - ddof), NumPy's formula (masked where count - ddof <= 0);
        `mean`: NumPy 2's precomputed mean (as keepdims=True would compute it), used in place of the unmasked one."""
        _no_out("var", out)
        return _reduced(*self._var(axis, dtype, ddof, keepdims, mean), 0.0)

    def _var(self, axis, dtype, ddof, keepdims, mean=None):
        n = self.count(axis, keepdims) - ddof
        dev = self.data - (self._mean(axis, dtype, keepdims=True)[0] if mean is None else getdata(mean))
        total = _dnp.sum(_dnp.where(self.mask, 0, dev * dev), axis=axis, keepdims=keepdims)
        return total / _dnp.where(n > 0, n, 1), n

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, mean=None):
        """sqrt of `var` (masked where it is; `mean`: var's)."""
        _no_out("std", out)
        v, n = self._var(axis, dtype, ddof, keepdims, mean)
        return _reduced(_dnp.sqrt(_dnp.where(n > 0, v, 1.0)), n, 0.0)

    def max(self, axis=None, out=None, fill_value=None, keepdims=False):
        """The largest unmasked element (NumPy's: the masked ones filled with -inf; masked where all are, its data
        there 1e20, np.ma's fill value); ties split the derivative evenly, as `max`'s."""
        return self._extreme("max", -_np.inf, axis, out, fill_value, keepdims)

    def min(self, axis=None, out=None, fill_value=None, keepdims=False):
        """The smallest unmasked element (the masked ones filled with +inf), as `max`."""
        return self._extreme("min", _np.inf, axis, out, fill_value, keepdims)

    def _extreme(self, name, fill, axis, out, fill_value, keepdims):
        if out is not None or fill_value is not None:
            raise TypeError(f"difflab.numpy.ma's {name} takes no out= or fill_value= (NumPy's -inf/+inf fill only)")
        reduce = _dnp.max if name == "max" else _dnp.min
        n = self.count(axis, keepdims)
        return _reduced(reduce(self.filled(fill), axis=axis, keepdims=keepdims), n, _FILL["f"])

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs or ufunc.nout != 1:
            return NotImplemented
        return _matmul(*inputs) if ufunc is _np.matmul else _apply(ufunc, inputs)

    __matmul__ = lambda self, o: _matmul(self, o)  # noqa: E731
    __rmatmul__ = lambda self, o: _matmul(o, self)  # noqa: E731

    __add__ = lambda self, o: _apply(_np.add, (self, o))  # noqa: E731
    __radd__ = lambda self, o: _apply(_np.add, (o, self))  # noqa: E731
    __sub__ = lambda self, o: _apply(_np.subtract, (self, o))  # noqa: E731
    __rsub__ = lambda self, o: _apply(_np.subtract, (o, self))  # noqa: E731
    __mul__ = lambda self, o: _apply(_np.multiply, (self, o))  # noqa: E731
    __rmul__ = lambda self, o: _apply(_np.multiply, (o, self))  # noqa: E731
    __truediv__ = lambda self, o: _apply(_np.divide, (self, o))  # noqa: E731
    __rtruediv__ = lambda self, o: _apply(_np.divide, (o, self))  # noqa: E731
    __pow__ = lambda self, o: _apply(_np.power, (self, o))  # noqa: E731
    __rpow__ = lambda self, o: _apply(_np.power, (o, self))  # noqa: E731
    __neg__ = lambda self: _apply(_np.negative, (self,))  # noqa: E731
    __abs__ = lambda self: _apply(_np.absolute, (self,))  # noqa: E731

    # (comparisons: the data's, the masks or'ed: NumPy's masked where either is; `if r > 0` of a masked r is False)
    __lt__ = lambda self, o: _compare(_np.less, self, o)  # noqa: E731
    __le__ = lambda self, o: _compare(_np.less_equal, self, o)  # noqa: E731
    __gt__ = lambda self, o: _compare(_np.greater, self, o)  # noqa: E731
    __ge__ = lambda self, o: _compare(_np.greater_equal, self, o)  # noqa: E731
    __eq__ = lambda self, o: _compare(_np.equal, self, o)  # type: ignore[assignment,misc]  # noqa: E731
    __ne__ = lambda self, o: _compare(_np.not_equal, self, o)  # type: ignore[assignment,misc]  # noqa: E731
    __hash__ = None  # type: ignore[assignment]


_DEFERS_TO.add(MaskedArray)  # (tracer + masked array: MaskedArray.__radd__, the mask kept)


def _reduced(value, n, under):
    """NumPy's np.ma reduction from `value` (over the unmasked elements) and `n` (the count reduced, minus var's
    ddof): where n <= 0 NumPy's result is masked. A 0-d one of a constant mask is np.ma.masked itself; otherwise a
    MaskedArray with those entries masked, its data there NumPy's `under` (0; max's 1e20; 0-d: masked's data 0), a
    constant: derivative 0. A traced count always gives that MaskedArray, masked or not (NumPy's type for an axis
    reduction; for a 0-d one, a float or np.ma.masked by value, the one traced structure that holds both), so a
    prepared function or vmap is NumPy's at a point where the mask empties what it did not empty while tracing."""
    if isinstance(n, _Traced):  # (the trace holds the mask at every point)
        return MaskedArray(_dnp.where(n > 0, value, under if _dnp.ndim(n) else 0.0), n <= 0)
    if _np.all(_np.asarray(n) > 0):
        return value
    if _np.ndim(n) == 0:
        return _np.ma.masked
    return MaskedArray(_dnp.where(n > 0, value, under), n <= 0)


def _apply(ufunc, inputs):
    """np.ma's `ufunc(*inputs)`: the ufunc of the data, the masks or'ed; for a domained one (np.ma.log's, divide's:
    `ufunc_domain`, and power) the entries with a non-finite result or outside the domain masked too; each masked
    entry keeping the first operand's data (NumPy's np.copyto(result, d, where=m))."""
    datas = [getdata(a) for a in inputs]
    with _np.errstate(all="ignore"):
        result = ufunc(*datas)
    mask = _or_masks(inputs)
    domain = _np.ma.core.ufunc_domain.get(ufunc)
    if domain is not None or ufunc is _np.power:
        bad = ~_dnp.isfinite(result)
        if isinstance(domain, _np.ma.core._DomainSafeDivide):  # (its __call__ converts with np.asarray)
            bad = bad | (_dnp.abs(datas[0]) * _np.finfo(float).tiny >= _dnp.abs(datas[1]))
        elif domain is not None:
            with _np.errstate(all="ignore"):
                bad = bad | domain(*datas)
        mask = bad if mask is False else mask | bad
    if mask is False:
        return MaskedArray(result, _np.zeros(_np.shape(result), bool))
    return MaskedArray(_dnp.where(mask, datas[0], result), mask)


def _compare(ufunc, a, b):
    """np.ma's comparison `ufunc(a, b)`: the data's, masked where either is, False there (bool(np.ma.masked)'s)."""
    mask = _or_masks((a, b))
    result = ufunc(getdata(a), getdata(b))
    return MaskedArray(result & ~_dnp.asarray(mask), mask)


def _matmul(a, b):
    """a @ b of masked arrays: NumPy's, the matmul of the data (the masked entries' data too), unmasked where no
    masked entry enters (an axis reduction's MaskedArray @ w, nothing masked: NumPy's 0-d unmasked result). An entry
    fed by a masked one is masked (NumPy's own __array_wrap__ raises there, its masks' shapes unbroadcastable)."""
    da, db = getdata(a), getdata(b)
    ones_a, ones_b = _np.ones(_np.shape(da)), _np.ones(_np.shape(db))
    fed = _dnp.matmul(_dnp.where(getmaskarray(a), 1.0, 0.0), ones_b) + _dnp.matmul(
        ones_a, _dnp.where(getmaskarray(b), 1.0, 0.0)
    )
    return MaskedArray(_dnp.matmul(da, db), fed > 0)


def _or_masks(arrays):
    """The masks of `arrays` or'ed (False where none is a MaskedArray)."""
    mask = False
    for a in arrays:
        if isinstance(a, MaskedArray):
            mask = a.mask if mask is False else mask | a.mask
    return mask


def masked_array(data, mask=False, dtype=None, copy=False, fill_value=None, keep_mask=True):
    """`numpy.ma.masked_array(data, mask=...)` of traced (or plain) data, a traced mask too (`x < 0`).

    Shapes: data any shape; mask a bool scalar (every element) or of data's size (reshaped to data's shape, as
    NumPy's); keep_mask: a MaskedArray data's own mask or'ed in.

    >>> a = masked_array(_np.array([1.0, 2.0, 3.0]), mask=[0, 1, 0])
    >>> float(a.sum()), a.compressed()
    (4.0, array([1., 3.]))
    """
    own = data.mask if isinstance(data, MaskedArray) and keep_mask else False
    if isinstance(data, MaskedArray):
        fill_value = data.fill_value if fill_value is None else fill_value
        data = data.data
    data = _dnp.asarray(data, dtype=dtype) if dtype is not None or not isinstance(data, _Traced) else data
    shape = _np.shape(data)
    if isinstance(mask, _Traced):
        mask = _dnp.asarray(mask) != 0 if mask.dtype != bool else mask
    else:
        mask = _np.asarray(mask, dtype=bool)
    if _np.ndim(mask) == 0:
        mask = _dnp.broadcast_to(mask, shape)
    elif _np.size(mask) != _np.prod(shape, dtype=int):
        raise _np.ma.MaskError(
            f"Mask and data not compatible: data size is {int(_np.prod(shape))}, mask size is {_np.size(mask)}."
        )
    elif _np.shape(mask) != shape:
        mask = _dnp.reshape(mask, shape)
    if own is not False:
        mask = mask | own
    return MaskedArray(data, mask, fill_value)


def array(
    data,
    dtype=None,
    copy=False,
    order=None,
    mask=False,
    fill_value=None,
    keep_mask=True,
    hard_mask=False,
    shrink=True,
    subok=True,
    ndmin=0,
):
    """`numpy.ma.array`: `masked_array` in numpy.ma.array's own positional order (dtype second: np.ma.array(x, int)
    is no mask; masked_array's second is the mask). hard_mask, shrink, subok, order and ndmin take NumPy's defaults
    only.

    >>> array(_np.array([1.5, 2.0]), int).data
    array([1, 2])
    """
    if (order, hard_mask, shrink, subok, ndmin) != (None, False, True, True, 0):
        raise TypeError(
            "difflab.numpy.ma.array takes order, hard_mask, shrink, subok and ndmin at NumPy's defaults only"
        )
    return masked_array(data, mask, dtype, copy, fill_value, keep_mask)


def masked_where(condition, a, copy=True):
    """`numpy.ma.masked_where`: `a` masked where `condition` (a traced comparison too), or'ed with a's own mask.

    Shapes: condition and a of one shape (NumPy's IndexError otherwise).

    >>> masked_where(_np.array([1.0, -1.0]) < 0, _np.array([1.0, -1.0])).filled(0.0)
    array([1., 0.])
    """
    if _np.shape(condition) != _np.shape(getdata(a)):
        raise IndexError(
            "Inconsistent shape between the condition and the input "
            f"(got {_np.shape(condition)} and {_np.shape(getdata(a))})"
        )
    return masked_array(a, mask=condition)


def masked_invalid(a, copy=True):
    """`numpy.ma.masked_invalid`: `a` masked where it is NaN or infinite (the data kept, as NumPy's).

    >>> masked_invalid(_np.array([1.0, _np.nan, 2.0])).sum()
    np.float64(3.0)
    """
    return masked_where(~_dnp.isfinite(getdata(a)), a)


def masked_greater(x, value, copy=True):
    """`numpy.ma.masked_greater`: x masked where x > value."""
    return masked_where(getdata(x) > value, x)


def masked_greater_equal(x, value, copy=True):
    """`numpy.ma.masked_greater_equal`: x masked where x >= value."""
    return masked_where(getdata(x) >= value, x)


def masked_less(x, value, copy=True):
    """`numpy.ma.masked_less`: x masked where x < value."""
    return masked_where(getdata(x) < value, x)


def masked_less_equal(x, value, copy=True):
    """`numpy.ma.masked_less_equal`: x masked where x <= value."""
    return masked_where(getdata(x) <= value, x)


def masked_outside(x, v1, v2, copy=True):
    """`numpy.ma.masked_outside`: x masked outside [v1, v2] (either order)."""
    lo, hi = _builtins.min(v1, v2), _builtins.max(v1, v2)
    d = getdata(x)
    return masked_where((d < lo) | (d > hi), x)


def masked_inside(x, v1, v2, copy=True):
    """`numpy.ma.masked_inside`: x masked inside [v1, v2] (either order)."""
    lo, hi = _builtins.min(v1, v2), _builtins.max(v1, v2)
    d = getdata(x)
    return masked_where((d >= lo) & (d <= hi), x)


def getdata(a, subok=True):
    """A MaskedArray's data; anything else as it is."""
    return a.data if isinstance(a, MaskedArray) else a


def getmaskarray(arr):
    """A MaskedArray's mask; of anything else, False of its shape."""
    return arr.mask if isinstance(arr, MaskedArray) else _np.zeros(_np.shape(arr), bool)


def filled(a, fill_value=None):
    """`numpy.ma.filled`: a's data with each masked element `fill_value` (a plain array: itself)."""
    return a.filled(fill_value) if isinstance(a, MaskedArray) else a


def compressed(x):
    """`numpy.ma.compressed`: x's unmasked elements, 1-d (a plain array: raveled)."""
    return masked_array(x).compressed()


def count(a, axis=None, keepdims=False):
    """`numpy.ma.count`: the number of unmasked elements (along `axis`)."""
    return masked_array(a).count(axis, keepdims)


def sum(a, axis=None, dtype=None, out=None, keepdims=False):
    """`numpy.ma.sum`: MaskedArray.sum of `a` (NumPy's positional order: out's slot before keepdims)."""
    _no_out("sum", out)
    return masked_array(a).sum(axis, dtype, keepdims=keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    """`numpy.ma.mean`: MaskedArray.mean of `a` (NumPy's positional order: out's slot before keepdims)."""
    _no_out("mean", out)
    return masked_array(a).mean(axis, dtype, keepdims=keepdims)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, mean=None):
    """`numpy.ma.var`: MaskedArray.var of `a` (NumPy's positional order: out's slot before ddof; NumPy 2's mean=)."""
    _no_out("var", out)
    return masked_array(a).var(axis, dtype, ddof=ddof, keepdims=keepdims, mean=mean)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, mean=None):
    """`numpy.ma.std`: MaskedArray.std of `a` (NumPy's positional order: out's slot before ddof; NumPy 2's mean=)."""
    _no_out("std", out)
    return masked_array(a).std(axis, dtype, ddof=ddof, keepdims=keepdims, mean=mean)


def max(obj, axis=None, out=None, fill_value=None, keepdims=False):
    """`numpy.ma.max`: MaskedArray.max of `obj`."""
    return masked_array(obj).max(axis, out, fill_value, keepdims)


def min(obj, axis=None, out=None, fill_value=None, keepdims=False):
    """`numpy.ma.min`: MaskedArray.min of `obj`."""
    return masked_array(obj).min(axis, out, fill_value, keepdims)


#: the names this module traces (numpy.ma's others: NumPy's own, refused given a traced value, naming these)
NAMES = tuple(
    sorted(
        name
        for name, fn in globals().items()
        if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == __name__
    )
)


def __getattr__(name):
    """numpy.ma's own object for a name this module does not trace (np.ma.masked, nomask, MaskError)."""
    if not name.startswith("_") and hasattr(_np.ma, name):
        return getattr(_np.ma, name)
    raise AttributeError(f"module 'difflab.numpy.ma' has no attribute {name!r}")
