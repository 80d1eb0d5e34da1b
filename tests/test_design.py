"""Design rules that keep the code the shape DESIGN.md describes (issue 16 §4): one error base
class, the import direction, and a size budget per function."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import pytest

import difflab
from difflab.errors import DifflabError, DifflabWarning


def _modules():
    """Every module of the package, imported (`__main__` would run the CLI)."""
    names = [m.name for m in pkgutil.walk_packages(difflab.__path__, "difflab.") if not m.name.endswith("__main__")]
    return [importlib.import_module(name) for name in ["difflab", *names]]


def _own_exception_classes():
    found = {}
    for module in _modules():
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__.startswith("difflab"):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


# -- one error base class ------------------------------------------------------------------------

def test_the_scan_finds_the_package_exception_classes():
    found = _own_exception_classes()
    # the scan must see errors defined far from errors.py, or the rule below would hold vacuously
    for name in ("difflab.errors.UnsupportedOperationError", "difflab.runner.ConfigError",
                 "difflab.testing.oracle.GradientMismatch", "difflab.nn.train.NonFiniteLossError",
                 "difflab.cli.UsageError", "difflab.expr.ExpressionError", "difflab.errors.DomainWarning"):
        assert any(key.endswith(name.rsplit(".", 1)[1]) for key in found), name
    assert len(found) >= 15


def test_every_difflab_error_is_a_difflab_error_and_keeps_its_standard_parent():
    for name, cls in _own_exception_classes().items():
        if cls in (DifflabError, DifflabWarning):
            continue
        if issubclass(cls, Warning):
            assert issubclass(cls, DifflabWarning), f"{name} is not a DifflabWarning"
        else:
            assert issubclass(cls, DifflabError), f"{name} is not a DifflabError"
        # the mixin comes with a standard parent: a caller's `except ValueError` still works
        standard = [base for base in cls.__mro__[1:] if base.__module__ == "builtins"]
        assert standard[0] not in (object, BaseException), name


def test_errors_are_listed_in_the_errors_docstring():
    from difflab import errors

    for name, cls in _own_exception_classes().items():
        if cls not in (DifflabError, DifflabWarning):
            assert f"`{cls.__name__}`" in errors.__doc__, f"{name} is missing from errors.py's docstring"


def test_a_raised_difflab_error_is_caught_by_both_its_parents():
    import numpy as np

    import difflab.numpy as dnp

    with pytest.raises(DifflabError) as info:
        difflab.grad(lambda x: np.linalg.qr(x))(np.eye(2))  # not a primitive
    assert isinstance(info.value, TypeError)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        difflab.grad(lambda x: dnp.log(x))(-1.0)
    assert any(issubclass(w.category, DifflabWarning) for w in caught)
