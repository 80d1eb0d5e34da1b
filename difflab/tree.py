"""Pytrees: nested dict/list/tuple/namedtuple of floats and arrays, flattened once at the API boundary.

`flatten(tree)` gives the leaves and a `TreeDef`; `treedef.unflatten(leaves)` rebuilds the same
structure. Dict keys are visited in sorted order, so the flat order does not depend on insertion.
A namedtuple is a node as in JAX and autograd: its fields in order, rebuilt as the same class (its
TreeDef's `keys` hold the class, so two namedtuple classes are two structures). None is a node
without children, as in JAX: no leaf, and None again where the tree is rebuilt (the gradient of
`{"w": w, "b": None}` is `{"w": g, "b": None}`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

__all__ = ["TreeDef", "flatten", "unflatten", "tree_map", "prefix_leaves", "unaliased", "LEAF", "Held"]

LEAF = "*"


class Held:
    """A value an output pytree holds as it is rather than as a leaf (has_aux's aux: a str, an int, None,
    a constant array, which are no graph outputs): `flatten` gives it a "held" node without leaves, whose
    `unflatten` returns the value (an array as a copy of its own). With a `dtype`, the value is one leaf
    (a traced int or bool, which the graph carries as floats) that unflattens as an array of that dtype.

    >>> leaves, td = flatten({"n": Held(3), "k": Held(1.0, dtype=int)})
    >>> leaves, td.unflatten([2.0])
    ([1.0], {'k': array(2), 'n': 3})
    """

    __slots__ = ("value", "dtype")

    def __init__(self, value, dtype=None):
        self.value, self.dtype = value, dtype

    def build(self, kids):
        """The value back (`kids`: its one leaf's value when it has a dtype)."""
        if self.dtype is None:
            v = self.value
            return v.copy() if isinstance(v, np.ndarray) else v
        v = kids[0]
        return np.array(v, dtype=self.dtype) if isinstance(v, (np.ndarray, np.generic, float, int)) else v


class TreeDef(NamedTuple):
    """The structure of a pytree: a kind ("*", "tuple", "list", "dict", "namedtuple", "none", "held"), keys
    (a dict's sorted keys; a namedtuple's class) and children."""

    kind: str
    keys: tuple = ()
    children: tuple = ()

    @property
    def num_leaves(self) -> int:
        return 1 if self.kind == LEAF else sum(c.num_leaves for c in self.children)

    def unflatten(self, leaves):
        """Rebuild the tree from its leaves (in flatten order).

        >>> leaves, td = flatten({"b": 2.0, "a": [1.0, 3.0]})
        >>> td.unflatten([10.0, 30.0, 20.0])
        {'a': [10.0, 30.0], 'b': 20.0}
        """
        it = iter(leaves)
        out = self._build(it)
        rest = list(it)
        if rest:
            raise ValueError(f"unflatten got {len(rest)} leaves too many")
        return out

    def _build(self, it):
        if self.kind == LEAF:
            return next(it)
        kids = []
        for c in self.children:  # (a loop, not a comprehension, and a leaf read here: no call per node)
            kids.append(next(it) if c.kind == LEAF else c._build(it))
        kind = self.kind  # (the common kinds first: a namedtuple's or a held value's test costs the others nothing)
        if kind == "dict":
            return dict(zip(self.keys, kids))
        if kind == "tuple":
            return tuple(kids)
        if kind == "list":
            return kids
        if kind == "none":
            return None
        return self.keys[0](*kids) if kind == "namedtuple" else self.keys[0].build(kids)

    def __str__(self):
        if self.kind == LEAF:
            return "*"
        if self.kind == "none":
            return "None"
        if self.kind == "held":
            return "*" if self.keys[0].dtype is not None else f"<{type(self.keys[0].value).__name__}>"
        inner = ", ".join(
            f"{k!r}: {c}" if self.kind == "dict" else str(c)
            for k, c in zip(self.keys if self.kind == "dict" else [None] * len(self.children), self.children)
        )
        if self.kind == "namedtuple":
            return f"{self.keys[0].__name__}({inner})"
        return {"dict": "{%s}", "tuple": "(%s)", "list": "[%s]"}[self.kind] % inner


def flatten(tree: Any):
    """Leaves of a pytree (in order) and its structure.

    >>> flatten((1.0, {"w": 2.0}))[0]
    [1.0, 2.0]
    """
    leaves: list = []
    return leaves, _flatten(tree, leaves)


_LEAF_DEF = TreeDef(LEAF)
_NONE_DEF = TreeDef("none")


def _sorted_keys(d: dict) -> tuple:
    """A dict's keys in sorted order (JAX's: the leaves' order does not depend on insertion)."""
    try:
        return tuple(sorted(d))
    except TypeError:  # (Python's bare "'<' not supported between instances of 'str' and 'int'", else)
        kinds = sorted({type(k).__name__ for k in d})
        raise TypeError(
            f"a dict in a pytree has keys of types {', '.join(kinds)}, which cannot be sorted into an order for its "
            f"leaves (as in JAX): use keys of one type, e.g. all str, got {list(d)!r}"
        ) from None


def _flatten(tree, leaves) -> TreeDef:
    if type(tree) is float:  # the leaves of scalar graphs, first
        leaves.append(tree)
        return _LEAF_DEF
    if isinstance(tree, dict):
        keys = _sorted_keys(tree)
        kids = []
        for k in keys:  # (an array or float value, the common leaves: no call)
            v = tree[k]
            if type(v) is np.ndarray or type(v) is float:
                leaves.append(v)
                kids.append(_LEAF_DEF)
            else:
                kids.append(_flatten(v, leaves))
        return TreeDef("dict", keys, tuple(kids))
    if isinstance(tree, (tuple, list)):
        kind, keys = "tuple" if isinstance(tree, tuple) else "list", ()
        if hasattr(tree, "_fields"):  # a namedtuple: rebuilt as its own class
            kind, keys = "namedtuple", (type(tree),)
        kids = []
        for v in tree:  # (as for a dict's values)
            if type(v) is float or type(v) is np.ndarray:
                leaves.append(v)
                kids.append(_LEAF_DEF)
            else:
                kids.append(_flatten(v, leaves))
        return TreeDef(kind, keys, tuple(kids))
    if tree is None:  # a node without leaves, as in JAX
        return _NONE_DEF
    if type(tree) is Held:
        if tree.dtype is None:
            return TreeDef("held", (tree,))
        leaves.append(tree.value)
        return TreeDef("held", (tree,), (_LEAF_DEF,))
    leaves.append(tree)
    return _LEAF_DEF


def unflatten(treedef: TreeDef, leaves):
    """Inverse of `flatten`.

    >>> unflatten(flatten([1.0, 2.0])[1], [3.0, 4.0])
    [3.0, 4.0]
    """
    return treedef.unflatten(leaves)


def tree_map(fn, tree, *rest):
    """Apply `fn` to each leaf (and the matching leaves of `rest`), keeping the structure.

    >>> tree_map(lambda a, b: a + b, {"w": 1.0}, {"w": 2.0})
    {'w': 3.0}
    """
    leaves, td = flatten(tree)
    others = [flatten(r)[0] for r in rest]
    return td.unflatten([fn(x, *ys) for x, *ys in zip(leaves, *others)])


def prefix_leaves(prefix, td: TreeDef, where: str = "the argument") -> list:
    """One value per leaf of the tree `td` from a prefix of it (JAX's in_axes/out_axes): a value that
    is not a dict/list/tuple holds for every leaf below it; a container must match the tree's there.

    >>> prefix_leaves({"a": 0, "b": None}, flatten({"a": [1.0, 2.0], "b": 3.0})[1])
    [0, 0, None]
    """
    if not isinstance(prefix, (dict, list, tuple)):
        return [prefix] * td.num_leaves
    if isinstance(prefix, dict):
        kind, keys, items = "dict", _sorted_keys(prefix), [prefix[k] for k in _sorted_keys(prefix)]
    elif hasattr(prefix, "_fields"):
        kind, keys, items = "namedtuple", (type(prefix),), list(prefix)
    else:
        kind, keys, items = type(prefix).__name__, (), list(prefix)
    if kind != td.kind or keys != td.keys or len(items) != len(td.children):
        raise ValueError(f"the axes {prefix!r} do not match the structure {td} of {where}")
    return [ax for p, c in zip(items, td.children) for ax in prefix_leaves(p, c, where)]


def unaliased(out, leaves):
    """`out` with each array leaf that shares memory with an array in `leaves` copied: a transformed function's
    result, computed on plain values, never aliases its arguments (f(x) = x, x.T, x[1:]; DESIGN.md §6).

    >>> x = np.ones(2)
    >>> np.shares_memory(unaliased((x, 1.0), [x])[0], x)
    False
    """
    arrays = [x for x in leaves if isinstance(x, np.ndarray)]
    outs, td = flatten(out)
    if not arrays or not any(isinstance(o, np.ndarray) and _shares(o, arrays) for o in outs):
        return out
    return td.unflatten([o.copy() if isinstance(o, np.ndarray) and _shares(o, arrays) else o for o in outs])


def _shares(o, arrays) -> bool:
    return any(np.shares_memory(o, a) for a in arrays)
