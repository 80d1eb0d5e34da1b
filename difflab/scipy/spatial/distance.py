"""`scipy.spatial.distance` on traced values: cdist, pdist, squareform and the pair metrics (euclidean,
sqeuclidean, cityblock, minkowski, chebyshev, cosine, correlation, seuclidean, mahalanobis, braycurtis,
canberra), as compositions of difflab ops, so all four methods differentiate them to any order.

Every metric is written once, on rows U and V of shape (..., k) broadcast against each other; cdist
broadcasts XA[:, None] against XB[None], pdist takes the pairs i < j. Norms go through difflab's
norm, so a distance of 0 (cdist(X, X)'s diagonal) has derivative 0 by the convention table, not NaN.
A metric given as a Python function is called on each pair of rows (traced rows, its results stacked).
Boolean metrics (hamming, jaccard, ...) are piecewise constant: refused by name, as is a weight `w`
for a metric that does not take one here. A metric's name is SciPy's or one of its aliases, in any case;
its arguments are checked as SciPy checks them (w non-negative, one a column; minkowski's p > 0).

>>> import numpy as np
>>> cdist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 0.0]])).tolist()
[[5.0, 1.0]]
>>> float(minkowski(np.array([0.0, 0.0]), np.array([3.0, 4.0]), 1))
7.0
"""

from __future__ import annotations

import numpy as _np

from ... import numpy as _dnp


def _euclidean(U, V, w=None):
    D = U - V
    return _dnp.linalg.norm(D if w is None else D * _dnp.sqrt(w), axis=-1)


def _sqeuclidean(U, V, w=None):
    D = (U - V) ** 2
    return _dnp.sum(D if w is None else D * w, axis=-1)


def _cityblock(U, V, w=None):
    D = _dnp.abs(U - V)
    return _dnp.sum(D if w is None else D * w, axis=-1)


def _minkowski(U, V, p=2.0, w=None):
    if p <= 0:  # (SciPy's rule: 0 < p < 1 is no norm but still its value, (Σ|u - v|^p)^(1/p))
        raise ValueError(f"minkowski: p must be greater than 0, not {p!r}")
    D = U - V
    return _dnp.linalg.norm(D if w is None else D * w ** (1.0 / p), ord=p, axis=-1)


def _chebyshev(U, V):
    return _dnp.max(_dnp.abs(U - V), axis=-1)


def _cosine(U, V):
    dot = _dnp.sum(U * V, axis=-1)
    return 1.0 - dot / (_dnp.linalg.norm(U, axis=-1) * _dnp.linalg.norm(V, axis=-1))


def _correlation(U, V):
    return _cosine(U - _dnp.mean(U, axis=-1, keepdims=True), V - _dnp.mean(V, axis=-1, keepdims=True))


def _seuclidean(U, V, V_=None):
    return _dnp.linalg.norm((U - V) / _dnp.sqrt(V_), axis=-1)


def _mahalanobis(U, V, VI=None):
    D = U - V
    return _dnp.sqrt(_dnp.sum(_dnp.matmul(D, _dnp.asarray(VI).T) * D, axis=-1))


def _braycurtis(U, V):
    return _dnp.sum(_dnp.abs(U - V), axis=-1) / _dnp.sum(_dnp.abs(U + V), axis=-1)


def _canberra(U, V):
    num, den = _dnp.abs(U - V), _dnp.abs(U) + _dnp.abs(V)
    safe = _dnp.where(den == 0, 1.0, den)  # SciPy's 0/0 terms count 0
    return _dnp.sum(_dnp.where(den == 0, 0.0, num / safe), axis=-1)


#: metric name -> (function of U, V, the keyword arguments it takes: p, w, V, VI)
_METRICS = {
    "euclidean": (_euclidean, ("w",)),
    "sqeuclidean": (_sqeuclidean, ("w",)),
    "cityblock": (_cityblock, ("w",)),
    "minkowski": (_minkowski, ("p", "w")),
    "chebyshev": (_chebyshev, ()),
    "cosine": (_cosine, ()),
    "correlation": (_correlation, ()),
    "seuclidean": (_seuclidean, ("V",)),
    "mahalanobis": (_mahalanobis, ("VI",)),
    "braycurtis": (_braycurtis, ()),
    "canberra": (_canberra, ()),
}
#: SciPy's other names of these metrics (its _METRIC_ALIAS), looked up in lower case as SciPy does
_ALIASES = {
    **dict.fromkeys(("euclid", "eu", "e"), "euclidean"),
    **dict.fromkeys(("sqe", "sqeuclid"), "sqeuclidean"),
    **dict.fromkeys(("cblock", "cb", "c", "manhattan"), "cityblock"),
    **dict.fromkeys(("mi", "m", "pnorm"), "minkowski"),
    **dict.fromkeys(("chebychev", "cheby", "cheb", "ch"), "chebyshev"),
    "cos": "cosine",
    "co": "correlation",
    **dict.fromkeys(("se", "s"), "seuclidean"),
    **dict.fromkeys(("mahal", "mah"), "mahalanobis"),
}


def _pairs(metric, U, V, kwargs, rows):
    """metric on broadcast rows U, V (...,  k); `rows` the stacked rows seuclidean/mahalanobis default from."""
    if callable(metric):
        if any(v is not None for v in kwargs.values()):
            given = sorted(k for k, v in kwargs.items() if v is not None)
            raise TypeError(f"a metric given as a function takes no keyword arguments here, got {given}")
        shape = _np.broadcast_shapes(_np.shape(U)[:-1], _np.shape(V)[:-1])
        U, V = _dnp.broadcast_to(U, shape + _np.shape(U)[-1:]), _dnp.broadcast_to(V, shape + _np.shape(V)[-1:])
        out = [metric(U[i], V[i]) for i in _np.ndindex(*shape)]
        return _dnp.reshape(_dnp.asarray(out), shape) if out else _np.zeros(shape)
    name = metric.lower() if isinstance(metric, str) else metric
    name = _ALIASES.get(name, name)
    if name not in _METRICS:
        raise ValueError(
            f"metric {metric!r}: difflab.scipy.spatial.distance differentiates {', '.join(_METRICS)} or a Python "
            "function of two rows (boolean metrics such as hamming and jaccard are piecewise constant: no derivative)"
        )
    fn, takes = _METRICS[name]
    extra = sorted(k for k, v in kwargs.items() if v is not None and k not in takes)
    if extra:
        raise TypeError(
            f"metric {name!r} takes {', '.join(takes) or 'no keyword arguments'} here, not {', '.join(extra)}"
        )
    given = {k: v for k, v in kwargs.items() if v is not None}
    if "w" in given:  # SciPy's refusals: a negative weight gives a negative square or a NaN root, not a distance
        w = _np.asarray(_dnp._value(given["w"]))
        if w.shape != _np.shape(U)[-1:]:
            raise ValueError(f"the weights w must have one entry per column, shape {_np.shape(U)[-1:]}, not {w.shape}")
        if _np.any(w < 0):
            raise ValueError("the weights w must all be non-negative")
    if name == "seuclidean":
        given = {"V_": given["V"] if "V" in given else _dnp.var(rows, axis=0, ddof=1)}
    if name == "mahalanobis" and "VI" not in given:
        given["VI"] = _dnp.linalg.inv(_dnp.cov(_dnp.transpose(rows)))
    return fn(U, V, **given)


def _matrix(X, who):
    if _np.ndim(X) != 2:
        raise ValueError(f"{who}: expected a 2-D array of rows, got shape {_np.shape(X)}")
    return X


def cdist(XA, XB, metric="euclidean", *, p=None, w=None, V=None, VI=None):
    """The distances between each row of XA (mA, n) and each row of XB (mB, n): shape (mA, mB), as SciPy's.

    >>> import difflab as dl, numpy as np
    >>> dl.grad(lambda X: cdist(X, np.zeros((1, 2))).sum())(np.array([[3.0, 4.0]])).tolist()
    [[0.6, 0.8]]
    """
    XA, XB = _matrix(XA, "cdist"), _matrix(XB, "cdist")
    if _np.shape(XA)[1] != _np.shape(XB)[1]:
        raise ValueError(
            f"cdist: XA and XB must have the same number of columns, got {_np.shape(XA)} and {_np.shape(XB)}"
        )
    kwargs = {"p": p, "w": w, "V": V, "VI": VI}
    rows = _dnp.concatenate([XA, XB], axis=0)
    return _pairs(metric, _dnp.expand_dims(XA, 1), _dnp.expand_dims(XB, 0), kwargs, rows)


def pdist(X, metric="euclidean", *, p=None, w=None, V=None, VI=None):
    """The distances between the rows of X (m, n), pairs i < j in SciPy's order: shape (m(m-1)/2,).

    >>> pdist(_np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])).tolist()
    [5.0, 1.0, 4.242640687119285]
    """
    X = _matrix(X, "pdist")
    i, j = _np.triu_indices(_np.shape(X)[0], 1)
    kwargs = {"p": p, "w": w, "V": V, "VI": VI}
    return _pairs(metric, X[i], X[j], kwargs, X)


def squareform(X, force="no", checks=True):
    """A condensed distance vector (m(m-1)/2,) to its symmetric (m, m) matrix with a zero diagonal, or such a
    matrix back to the vector (its upper triangle), as SciPy's; traced values gather, so they differentiate.

    >>> squareform(_np.array([5.0, 1.0, 4.0])).tolist()
    [[0.0, 5.0, 1.0], [5.0, 0.0, 4.0], [1.0, 4.0, 0.0]]
    """
    if force not in ("no", "tovector", "tomatrix"):
        raise ValueError(f"squareform: force must be 'no', 'tovector' or 'tomatrix', not {force!r}")
    shape = _np.shape(X)
    if len(shape) == 1 and force != "tovector":
        m = int(round((1 + (1 + 8 * shape[0]) ** 0.5) / 2))
        if m * (m - 1) // 2 != shape[0]:
            raise ValueError(f"squareform: a condensed vector has m(m-1)/2 entries; {shape[0]} is no such number")
        where = _np.zeros((m, m), dtype=int)
        i, j = _np.triu_indices(m, 1)
        where[i, j] = where[j, i] = _np.arange(1, shape[0] + 1)  # 0 picks the padded zero: the diagonal
        return _dnp.take(_dnp.concatenate([_np.zeros(1), X]), where)
    if len(shape) == 2 and shape[0] == shape[1] and force != "tomatrix":
        values = _np.asarray(_dnp._value(X))
        if checks and not (_np.array_equal(values, values.T) and not _np.any(_np.diag(values))):
            raise ValueError(
                "squareform: a distance matrix must be symmetric with a zero diagonal (checks=False skips this)"
            )
        i, j = _np.triu_indices(shape[0], 1)
        return X[i, j]
    raise ValueError(f"squareform: expected a condensed vector or a square matrix, got shape {shape} (force={force!r})")


def _pair(name):
    fn, takes = _METRICS[name]

    def one(u, v, *args, **kwargs):
        names = list(takes)
        given = dict(zip(names, args), **kwargs)
        for needed in [{"seuclidean": "V", "mahalanobis": "VI"}[name]] if name in ("seuclidean", "mahalanobis") else []:
            if given.get(needed) is None:
                raise TypeError(f"{name}(u, v, {needed}): {needed} is required")
        U, Vv = _dnp.asarray(u), _dnp.asarray(v)
        if _np.ndim(U) != 1 or _np.shape(U) != _np.shape(Vv):
            raise ValueError(
                f"{name}: u and v must be 1-D of one length, got shapes {_np.shape(U)} and {_np.shape(Vv)}"
            )
        rows = _dnp.stack([U, Vv])
        return _pairs(name, U, Vv, {**{k: None for k in ("p", "w", "V", "VI")}, **given}, rows)

    one.__name__ = name
    one.__doc__ = (
        f"scipy.spatial.distance.{name}(u, v{''.join(', ' + t for t in takes)}), traceable. Shape contract: u and v "
        "1-D of one length k; a scalar (the module's doctest calls one)."
    )
    return one


(
    euclidean,
    sqeuclidean,
    cityblock,
    minkowski,
    chebyshev,
    cosine,
    correlation,
    seuclidean,
    mahalanobis,
    braycurtis,
    canberra,
) = (_pair(name) for name in _METRICS)

__all__ = ["cdist", "pdist", "squareform", *_METRICS]
