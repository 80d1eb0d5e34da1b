"""JAX's `jax.tree_util` names over difflab.tree: tree_map, tree_flatten, tree_unflatten, tree_leaves,
tree_structure, tree_reduce.

Pytrees are difflab.tree's: dicts (keys in sorted order), lists, tuples, namedtuples and None (a node
without leaves); anything else is a leaf. JAX's `is_leaf=` predicate makes every subtree it holds for a leaf:
such a subtree is wrapped, before difflab.tree flattens, in an object of no pytree kind (`_Whole`), and unwrapped
among the leaves after; `tree_map`'s other trees are flattened by the same predicate (JAX flattens them up to the
first's structure: the same wherever the predicate reads a node's kind, as it usually does).
"""

from __future__ import annotations

import functools

from . import tree
from .tree import TreeDef

__all__ = ["tree_map", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_reduce", "TreeDef"]

_NO_INITIALIZER = object()


class _Whole:
    """A subtree `is_leaf` called a leaf, hidden from difflab.tree's flattening (it is of no pytree kind)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _marked(tree_, is_leaf):
    """tree_ with each subtree is_leaf holds for wrapped in _Whole, the predicate asked first at every node (JAX's)."""
    if is_leaf(tree_):
        return _Whole(tree_)
    if isinstance(tree_, dict):
        return {k: _marked(v, is_leaf) for k, v in tree_.items()}
    if isinstance(tree_, tuple) and hasattr(tree_, "_fields"):  # (a namedtuple: its fields positionally)
        return type(tree_)(*(_marked(v, is_leaf) for v in tree_))
    if isinstance(tree_, (list, tuple)):
        return type(tree_)(_marked(v, is_leaf) for v in tree_)
    return tree_


def _flatten(tree_, is_leaf, name) -> tuple:
    """tree.flatten(tree_), the subtrees is_leaf holds for kept whole as leaves."""
    if is_leaf is None:
        return tree.flatten(tree_)
    if not callable(is_leaf):
        raise TypeError(f"{name}: is_leaf must be a function of a node, got {type(is_leaf).__name__}")
    leaves, td = tree.flatten(_marked(tree_, is_leaf))
    return [x.value if isinstance(x, _Whole) else x for x in leaves], td


def tree_flatten(tree_, is_leaf=None) -> tuple:
    """(leaves in order, treedef) of a pytree: JAX's `tree_flatten`.

    Shape contract: leaves are the pytree's non-container values (dict keys in sorted order);
    `treedef.unflatten(leaves)` rebuilds it.

    >>> tree_flatten({"b": 2.0, "a": [1.0, None]})[0]
    [1.0, 2.0]
    """
    return _flatten(tree_, is_leaf, "tree_flatten")


def tree_unflatten(treedef: TreeDef, leaves):
    """The pytree of structure `treedef` holding `leaves` (in flatten order): JAX's `tree_unflatten`.

    Shape contract: `len(leaves)` must be `treedef.num_leaves`.

    >>> tree_unflatten(tree_structure({"a": 0.0, "b": 0.0}), [1.0, 2.0])
    {'a': 1.0, 'b': 2.0}
    """
    if not isinstance(treedef, TreeDef):
        raise TypeError(
            f"tree_unflatten takes a treedef (tree_structure's or tree_flatten's), got {type(treedef).__name__}"
        )
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"tree_unflatten: the structure {treedef} holds {treedef.num_leaves} leaves, got {len(leaves)}"
        )
    return treedef.unflatten(leaves)


def tree_leaves(tree_, is_leaf=None) -> list:
    """The leaves of a pytree, in flatten order: JAX's `tree_leaves`.

    >>> tree_leaves(({"w": 1.0}, [2.0, 3.0]))
    [1.0, 2.0, 3.0]
    """
    return _flatten(tree_, is_leaf, "tree_leaves")[0]


def tree_structure(tree_, is_leaf=None) -> TreeDef:
    """The structure of a pytree (its leaves left out): JAX's `tree_structure`.

    >>> print(tree_structure({"w": 1.0, "b": (2.0, 3.0)}))
    {'b': (*, *), 'w': *}
    """
    return _flatten(tree_, is_leaf, "tree_structure")[1]


def tree_map(f, tree_, *rest, is_leaf=None):
    """`f` applied leaf by leaf, keeping the structure: JAX's `tree_map`.

    Shape contract: every tree in `rest` has `tree_`'s structure (else a ValueError naming both);
    `f` gets one leaf of each.

    >>> tree_map(lambda a, b: a * b, {"w": 2.0, "b": [3.0]}, {"w": 5.0, "b": [7.0]})
    {'b': [21.0], 'w': 10.0}
    >>> pairs = lambda n: isinstance(n, tuple)  # (is_leaf: a tuple is one leaf)
    >>> tree_map(lambda t: sum(t) if pairs(t) else t, {"a": (1.0, 2.0), "b": [3.0, (4.0, 5.0)]}, is_leaf=pairs)
    {'a': 3.0, 'b': [3.0, 9.0]}
    """
    leaves, td = _flatten(tree_, is_leaf, "tree_map")
    others = []
    for k, other in enumerate(rest, 1):
        lv, otd = _flatten(other, is_leaf, "tree_map")
        if otd != td:
            raise ValueError(f"tree_map: the tree in position {k} has structure {otd}, the first tree {td}")
        others.append(lv)
    return td.unflatten([f(*xs) for xs in zip(leaves, *others)])


def tree_reduce(function, tree_, initializer=_NO_INITIALIZER, is_leaf=None):
    """`functools.reduce(function, leaves[, initializer])` over a pytree's leaves: JAX's `tree_reduce`.

    >>> tree_reduce(lambda a, b: a + b, {"w": 1.0, "b": [2.0, 3.0]})
    6.0
    """
    leaves = _flatten(tree_, is_leaf, "tree_reduce")[0]
    if initializer is _NO_INITIALIZER:
        if not leaves:
            raise TypeError("tree_reduce of a pytree without leaves needs an initializer")
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)
