"""Design rules of the two tiers (DESIGN.md §4, issue 16 §1), checked on the source.

- Each differentiator module (interpreter, `prepare`, native product) stays short: ≤ 150 lines.
- No interpreter or back end names a specific op: outside comments and docstrings, no string
  literal in them is a registry name and nothing looks an op up by name.
- No module-level counter: `EvalCounter` is gone from the interpreters and back ends.
"""

import ast
import io
import tokenize
from pathlib import Path

import pytest

import difflab
from difflab.ops import REGISTRY

PACKAGE = Path(difflab.__file__).parent
METHOD_MODULES = [
    "differentiators/symbolic.py",
    "differentiators/numeric.py",
    "differentiators/forward.py",
    "differentiators/reverse.py",
]
TIERS = [
    "graph.py",
    *sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / "differentiators").glob("*.py")),
    *sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / "compile").glob("*.py")),
]
LINE_BUDGET = 150
#: words of another vocabulary that happen to be op names too ("real": a domain, and the op np.real)
DOMAINS = {d for op in REGISTRY.values() for d in op.domain}


@pytest.mark.parametrize("module", METHOD_MODULES)
def test_each_differentiator_module_is_short(module):
    # the budget is for the module's logic: its imports and __all__ (one name per line once
    # formatted) are not counted
    source = (PACKAGE / module).read_text()
    lines = source.count("\n") - sum(n.end_lineno - n.lineno + 1 for n in ast.parse(source).body if _is_header(n))
    assert lines <= LINE_BUDGET, f"{module} has {lines} lines, over the budget of {LINE_BUDGET}"


def _is_header(node) -> bool:
    names = [getattr(t, "id", None) for t in getattr(node, "targets", [])]
    return isinstance(node, (ast.Import, ast.ImportFrom)) or (isinstance(node, ast.Assign) and "__all__" in names)


def _docstrings(tree) -> set:
    """Line numbers where docstrings start (module, classes, functions)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                out.add(first.lineno)
    return out


def _op_names_named(source: str) -> list:
    """(line, text) of every string literal that is a registry name, and of every lookup of an op
    by name (REGISTRY[...], ops.<name>), outside comments and docstrings."""
    docs, found = _docstrings(ast.parse(source)), []
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for k, tok in enumerate(tokens):
        if tok.type == tokenize.STRING and tok.start[0] not in docs:
            try:
                value = ast.literal_eval(tok.string)
            except ValueError:  # an f-string: its literal parts are text, not names
                continue
            if isinstance(value, str) and value in REGISTRY and value not in DOMAINS:
                found.append((tok.start[0], tok.string))
        if tok.type == tokenize.NAME and tok.string == "REGISTRY":
            found.append((tok.start[0], tok.line.strip()))
        if (
            tok.type == tokenize.NAME
            and tok.string == "ops"
            and k + 2 < len(tokens)
            and tokens[k + 1].string == "."
            and tokens[k + 2].string in REGISTRY
        ):
            found.append((tok.start[0], tok.line.strip()))
    return found


@pytest.mark.parametrize("module", TIERS)
def test_no_interpreter_or_back_end_names_an_op(module):
    found = _op_names_named((PACKAGE / module).read_text())
    assert not found, f"{module} names specific ops: {found}"


def test_the_check_would_see_an_op_named():
    """The check is not vacuous: special-casing an op, in any of the usual ways, is found."""
    name = next(iter(REGISTRY))
    source = (
        f'"""doc: {name}"""\n# {name} in a comment is fine\nif eqn.op.name == "{name}":\n    x = REGISTRY["{name}"]\n'
    )
    assert [line for line, _ in _op_names_named(source)] == [3, 4, 4]


@pytest.mark.parametrize("module", TIERS)
def test_no_module_level_counter(module):
    assert "EvalCounter" not in (PACKAGE / module).read_text()
