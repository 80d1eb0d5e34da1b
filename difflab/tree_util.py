"""JAX's `jax.tree_util` names over difflab.tree: tree_map, tree_flatten, tree_unflatten, tree_leaves,
tree_structure, tree_reduce.

Pytrees are difflab.tree's: dicts (keys in sorted order), lists, tuples, namedtuples and None (a node
without leaves); anything else is a leaf. JAX's `is_leaf=` predicate is refused by name (difflab's
flattening has no hook for it).
"""

from __future__ import annotations

import functools

from . import tree
from .tree import TreeDef

__all__ = ["tree_map", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_reduce", "TreeDef"]

_NO_INITIALIZER = object()


def _no_is_leaf(is_leaf, name):
    if is_leaf is not None:
        raise TypeError(
            f"{name}(is_leaf=...) is not supported: difflab's pytrees are dicts, lists, tuples, namedtuples and None, "
            "everything else a leaf; wrap a subtree you want kept whole in an object that is none of these"
        )


def tree_flatten(tree_, is_leaf=None) -> tuple:
    """(leaves in order, treedef) of a pytree: JAX's `tree_flatten`.

    Shape contract: leaves are the pytree's non-container values (dict keys in sorted order);
    `treedef.unflatten(leaves)` rebuilds it.

    >>> tree_flatten({"b": 2.0, "a": [1.0, None]})[0]
    [1.0, 2.0]
    """
    _no_is_leaf(is_leaf, "tree_flatten")
    return tree.flatten(tree_)


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
    _no_is_leaf(is_leaf, "tree_leaves")
    return tree.flatten(tree_)[0]


def tree_structure(tree_, is_leaf=None) -> TreeDef:
    """The structure of a pytree (its leaves left out): JAX's `tree_structure`.

    >>> print(tree_structure({"w": 1.0, "b": (2.0, 3.0)}))
    {'b': (*, *), 'w': *}
    """
    _no_is_leaf(is_leaf, "tree_structure")
    return tree.flatten(tree_)[1]


def tree_map(f, tree_, *rest, is_leaf=None):
    """`f` applied leaf by leaf, keeping the structure: JAX's `tree_map`.

    Shape contract: every tree in `rest` has `tree_`'s structure (else a ValueError naming both);
    `f` gets one leaf of each.

    >>> tree_map(lambda a, b: a * b, {"w": 2.0, "b": [3.0]}, {"w": 5.0, "b": [7.0]})
    {'b': [21.0], 'w': 10.0}
    """
    _no_is_leaf(is_leaf, "tree_map")
    leaves, td = tree.flatten(tree_)
    others = []
    for k, other in enumerate(rest, 1):
        lv, otd = tree.flatten(other)
        if otd != td:
            raise ValueError(f"tree_map: the tree in position {k} has structure {otd}, the first tree {td}")
        others.append(lv)
    return td.unflatten([f(*xs) for xs in zip(leaves, *others)])


def tree_reduce(function, tree_, initializer=_NO_INITIALIZER, is_leaf=None):
    """`functools.reduce(function, leaves[, initializer])` over a pytree's leaves: JAX's `tree_reduce`.

    >>> tree_reduce(lambda a, b: a + b, {"w": 1.0, "b": [2.0, 3.0]})
    6.0
    """
    _no_is_leaf(is_leaf, "tree_reduce")
    leaves = tree.flatten(tree_)[0]
    if initializer is _NO_INITIALIZER:
        if not leaves:
            raise TypeError("tree_reduce of a pytree without leaves needs an initializer")
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)
