"""Design rules that keep the code the shape DESIGN.md describes (issue 16 §4): one error base
class, the import direction, and a size budget per function."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
import warnings
from pathlib import Path

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
    for name in (
        "difflab.errors.UnsupportedOperationError",
        "difflab.runner.ConfigError",
        "difflab.testing.oracle.GradientMismatch",
        "difflab.nn.train.NonFiniteLossError",
        "difflab.cli.UsageError",
        "difflab.expr.ExpressionError",
        "difflab.errors.DomainWarning",
    ):
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
        difflab.grad(lambda x: np.lib.scimath.log(x))(np.eye(2))  # not a primitive (np.fft.hfft was: traced now)
    assert isinstance(info.value, TypeError)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        difflab.grad(lambda x: dnp.log(x))(-1.0)
    assert any(issubclass(w.category, DifflabWarning) for w in caught)


# -- the import direction --------------------------------------------------------------------------

#: DESIGN.md §7: graph ← ops ← trace ← compile ← differentiators ← api ← (nn, testing, report,
#: explore, runner) ← cli. A module may import from its own layer or a lower one. `difflab` itself
#: (the facade, `import difflab as dl`) is the public API, so it sits on the api layer. The
#: compiled tier sits right above trace: every code generator (graphs, sweeps, floats, symbolic,
#: the argument reader, the read checks of compile.reads) imports graph, ops and trace, never a
#: differentiator; trace needs no generated code, so nothing below compile imports it.
LAYERS = {
    "errors": 0,
    "tree": 0,
    "graph": 1,
    "ops": 2,
    "numpy": 2,
    "assign": 2,  # item assignment on traced values: registry ops, called by trace and difflab.numpy
    "expr": 2,  # the expression language reads the registry's names
    "lax_array": 2,  # dl.lax's array functions: JAX's lax names over difflab.numpy and difflab.scipy.special
    "scipy": 2,  # difflab.scipy: SciPy's names over difflab.numpy and the registry, as difflab.numpy
    "scipy.integrate": 6,  # odeint's rules differentiate the user's func (dl.vjp, dl.jvp): imported by name
    "trace": 3,
    "compile": 4,
    "differentiators": 5,
    "reference": 5,  # the reference policy reads the differentiators only
    "api": 6,
    "transforms": 6,
    "rules": 6,
    "sparse": 6,
    "checkpointing": 6,
    "staging": 6,  # dl.jit, make_jaxpr, eval_shape: dl.prepare's and dl.trace's machinery by JAX's names
    "autograd_names": 6,  # autograd's operators over dl.vjp/jvp/grad (the autograd shim presents them)
    "tree_util": 0,  # JAX's tree_util names over difflab.tree
    "flatten_util": 2,  # ravel_pytree: difflab.numpy's concatenate/reshape for traced vectors
    "lax": 6,  # dl.lax: the collectives (api/collectives.py), stop_gradient, control flow and lax_array, by JAX's names
    "": 6,
    "nn": 7,
    "testing": 7,
    "report": 7,
    "explore": 7,
    "runner": 7,
    "peers": 7,
    "cli": 8,
    "__main__": 9,
    "console": 9,  # the console script: imports the command (cli) inside its Ctrl-C guard
}
PACKAGE = Path(difflab.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(source: str, name: str, is_package: bool = False):
    """(imported difflab module, line) for every import in module `name`'s source, at any depth (a
    lazy import inside a function is still a dependency)."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "difflab")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "difflab":
                continue
            if target == "difflab":  # `from . import numpy`: a submodule, or a name of the facade
                for a in node.names:
                    yield (f"difflab.{a.name}" if a.name in LAYERS else "difflab"), node.lineno
            else:
                yield target, node.lineno


def _layer(module: str) -> int:
    parts = module.split(".")[1:]
    for k in range(len(parts), 1, -1):  # a submodule listed itself (scipy.integrate) sits on its own layer
        if ".".join(parts[:k]) in LAYERS:
            return LAYERS[".".join(parts[:k])]
    part = parts[0] if parts else ""
    assert part in LAYERS, (
        f"{module} has no layer: give its top-level name a layer in LAYERS "
        "(tests/test_design.py) following DESIGN.md §7"
    )
    return LAYERS[part]


def test_imports_run_one_way():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 40
    wrong = []
    for path in files:
        here = _module_name(path)
        for target, line in _imports(path.read_text(), here, path.name == "__init__.py"):
            if _layer(target) > _layer(here):
                wrong.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line} ({here}, layer {_layer(here)}) imports "
                    f"{target} (layer {_layer(target)})"
                )
    assert not wrong, "imports against DESIGN.md §7's direction:\n" + "\n".join(wrong)


def test_the_numpy_modules_import_in_data_flow_order():
    # difflab.numpy is a package by family (arrays -> piecewise_constant -> shapes -> reductions ->
    # derived -> linear_algebra -> ...): each module imports only the ones before it, at any depth,
    # so the layout reads as the data flow and no function-level import hides a cycle
    import difflab.numpy as dnp

    order = [module.__name__ for module in dnp._MODULES]
    assert len(order) >= 10
    wrong = []
    for module in dnp._MODULES:
        path = Path(module.__file__)
        for target, line in _imports(path.read_text(), module.__name__):
            if target in order and order.index(target) >= order.index(module.__name__):
                wrong.append(f"{path.name}:{line} imports {target}")
    assert not wrong, "difflab.numpy's modules import against their order in _MODULES:\n" + "\n".join(wrong)


def test_the_compiled_tier_imports_nothing_above_trace():
    # stated on its own: the line the code generators must not cross (they are lowered from, and
    # called by, the differentiators, never the other way round)
    found = {}
    for path in sorted((PACKAGE / "compile").glob("*.py")):
        here = _module_name(path)
        for target, _ in _imports(path.read_text(), here, path.name == "__init__.py"):
            if not target.startswith("difflab.compile"):
                found[target] = _layer(target)
    assert {"difflab.trace", "difflab.graph", "difflab.ops"} <= set(found)  # the scan sees its imports
    above = sorted(t for t, layer in found.items() if layer > LAYERS["trace"])
    assert not above, f"the compiled tier imports above trace: {above}"


def _generated_code(source: str):
    """Lines where `source` compiles generated Python: a call of the builtin `compile` (or
    `builtins.compile`) whose file name is a literal "<...>" (code made in memory; a real file's
    path, as the runner's experiment loader passes, is not generated)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            fn = node.func
            named = (isinstance(fn, ast.Name) and fn.id == "compile") or (
                isinstance(fn, ast.Attribute)
                and fn.attr == "compile"
                and isinstance(fn.value, ast.Name)
                and fn.value.id == "builtins"
            )
            name = node.args[1]
            if named and isinstance(name, ast.Constant) and str(name.value).startswith("<"):
                yield node.lineno


def test_code_generation_lives_in_the_compiled_tier():
    generators, outside = set(), []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line in _generated_code(path.read_text()):
            rel = path.relative_to(PACKAGE.parent)
            if rel.parts[1] == "compile":
                generators.add(path.stem)
            else:
                outside.append(f"{rel}:{line}")
    assert not outside, "code generated outside difflab/compile/ (move the generator there):\n" + "\n".join(outside)
    assert generators == {"graphs", "reader", "reads", "symbolic", "traced"}  # the scan finds the ones there


def test_the_code_generation_check_tells_generated_code_from_a_file():
    source = (
        'exec(compile(src, "<difflab x>", "exec"), env)\nimport builtins\n'
        'builtins.compile(s, "<y>", "exec")\nexec(compile(text, path, "exec"))\nre.compile("<a")\n'
    )
    assert sorted(_generated_code(source)) == [1, 3]


def test_the_import_check_sees_upward_imports_at_any_depth():
    # the rule above is only as good as its parser: relative, absolute and lazy imports are found
    source = "from ..errors import X\nimport difflab.cli\n\ndef late():\n    from ..api import grad\n"
    found = [t for t, _ in _imports(source, "difflab.ops.core")]
    assert found == ["difflab.errors", "difflab.cli", "difflab.api"]
    assert _layer("difflab.api") > _layer("difflab.ops.core") and _layer("difflab.cli") == 8
    assert [t for t, _ in _imports("from . import numpy, grad", "difflab.trace")] == ["difflab.numpy", "difflab"]
    with pytest.raises(AssertionError, match="has no layer"):
        _layer("difflab.newthing")


# -- function size -----------------------------------------------------------------------------------

MAX_FUNCTION_LINES = 60


def _is_docstring(stmt):
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _long_functions():
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # the code: from the first statement after the docstring (a signature with one
                # parameter per line and a docstring with its doctest are not what the rule limits)
                body = node.body[1:] if len(node.body) > 1 and _is_docstring(node.body[0]) else node.body
                lines = node.end_lineno - body[0].lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    yield str(path.relative_to(PACKAGE.parent)), node.name, lines


def test_no_function_is_over_60_lines():
    over = [f"{p}: {name} has {n} lines" for p, name, n in _long_functions()]
    assert not over, f"functions over {MAX_FUNCTION_LINES} lines (split them into named steps):\n" + "\n".join(over)


def test_the_size_check_sees_a_long_function(tmp_path, monkeypatch):
    # the rule above holds vacuously if the scan finds no functions: 61 lines of code must show;
    # 60 lines of code under a long docstring and a one-parameter-per-line signature must not
    body = "".join(f"    x{k} = {k}\n" for k in range(61))
    documented = (
        "def documented(\n    a,\n    b,\n):\n"
        + '    """Doc.\n\n'
        + "    text\n" * 20
        + '    """\n'
        + body[: body.index("    x60")]
    )
    (tmp_path / "difflab").mkdir()
    (tmp_path / "difflab" / "long.py").write_text(f"def long():\n{body}\n\n{documented}\n\ndef short():\n    pass\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "difflab")
    assert list(_long_functions()) == [("difflab/long.py", "long", 61)]


def test_xdist_workers_steal_work_unless_told_otherwise():
    """README's `python -m pytest -n 2` schedules by work stealing (tests/conftest.py): xdist's default `load` left
    one worker alone with the last 91 tests, 49 s of CPU; an explicit `--dist`, and a run without `-n`, stay as
    given."""
    import importlib.util
    from types import SimpleNamespace

    # tests/conftest.py by its path: `import conftest` is whichever conftest (tests/nn's) pytest imported last
    spec = importlib.util.spec_from_file_location("_tests_conftest", Path(__file__).parent / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    pytest_cmdline_main = conftest.pytest_cmdline_main

    for given, want in [((2, "no"), "worksteal"), ((2, "load"), "load"), ((0, "no"), "no"), ((None, "no"), "no")]:
        config = SimpleNamespace(option=SimpleNamespace(numprocesses=given[0], dist=given[1]))
        pytest_cmdline_main(config)
        assert config.option.dist == want, given
