"""difflab.testing: the gradient oracle other projects use in their own test suites.

`check_grad` and its siblings judge a hand-written derivative against an exact (traceable f) or
a numeric (black box) reference; `SCENARIOS` are known answers. Hypothesis strategies live in
`difflab.testing.strategies` and load only when imported; the pytest plugin is `.plugin`.
"""

from __future__ import annotations

import importlib

__all__ = [
    "check_grad",
    "check_jacobian",
    "check_jvp",
    "check_vjp",
    "check_hessian",
    "taylor_test",
    "GradientMismatch",
    "CheckResult",
    "TaylorResult",
    "Scenario",
    "SCENARIOS",
    "get_scenario",
    "check_hvp",
    "check_rule",
    "check_sparsity",
    "Inconclusive",
]

_HOME = (
    dict.fromkeys(__all__[:9], "oracle")
    | dict.fromkeys(__all__[9:12], "scenarios")
    | dict.fromkeys(__all__[12:15], "checks")
    | {"Inconclusive": "oracle"}
)


def __getattr__(name):
    # loaded on first use, so `import difflab.testing` stays as light as `import difflab`
    if name in _HOME:
        return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
