"""The errors and warnings difflab raises, one class per kind of bad input (DESIGN.md §6)."""

__all__ = ["UnsupportedOperationError", "DomainWarning", "NotDifferentiableError"]


class UnsupportedOperationError(TypeError):
    """A NumPy function with no difflab primitive was applied to a traced value."""


class NotDifferentiableError(ValueError):
    """A method cannot differentiate this graph (e.g. complex step through `abs`)."""


class DomainWarning(RuntimeWarning):
    """An equation was evaluated outside its op's domain (log of a negative number): NaN or inf."""
