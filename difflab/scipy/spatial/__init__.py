"""`scipy.spatial` on traced values: its `distance` module (cdist, pdist, squareform and the pair metrics)."""

from . import distance

__all__ = ["distance"]
