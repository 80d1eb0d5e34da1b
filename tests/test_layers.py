"""DESIGN.md §7: imports run one way, with no circles. Each difflab module belongs to a layer and
imports (at module level or inside a function) only from its own layer or the ones below it."""
import ast
import pathlib

import difflab

#: lowest first: graph ← ops ← trace ← compile ← differentiators ← api ← (nn, testing, report,
#: explore, runner) ← cli; helpers sit with the layer whose names they use
LAYERS = [
    {"errors", "tree", "__version__"},
    {"graph"},
    {"ops", "numpy", "expr"},
    {"trace"},
    {"compile"},
    {"differentiators"},
    {"api", "rules", "sparse", "remat", "transforms"},
    {"difflab"},  # the package facade (`import difflab as dl`)
    {"nn", "testing", "report", "explore", "runner"},
    {"cli"},
    {"__main__"},
]
RANK = {name: k for k, layer in enumerate(LAYERS) for name in layer}
ROOT = pathlib.Path(difflab.__file__).parent


def _layer(module: str) -> str:
    """'difflab.api.boundary' -> 'api'; 'difflab' -> 'difflab'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "difflab"


def _imports(path: pathlib.Path, root: pathlib.Path = ROOT):
    """The difflab modules `path` (a file under the package directory `root`) imports, relative
    imports resolved."""
    parts = ["difflab", *path.relative_to(root).with_suffix("").parts]
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - (node.level - 1)]
            if node.module:
                yield ".".join(base + [node.module])
            else:
                yield from (".".join(base + [a.name]) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("difflab"):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("difflab"))


def test_every_module_is_in_a_layer_and_imports_only_downwards():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        own = "difflab" if str(rel) == "__init__.py" else rel.parts[0].removesuffix(".py")
        assert own in RANK, f"difflab/{rel} belongs to no layer of tests/test_layers.py: add it to one"
        for target in _imports(path):
            layer = _layer(target)
            assert layer in RANK, f"difflab/{rel} imports {target}, which belongs to no layer"
            if RANK[layer] > RANK[own]:
                wrong.append(f"difflab/{rel} ({own}) imports {target} ({layer}), a higher layer")
    assert not wrong, "\n".join(wrong)


def test_the_layer_check_sees_a_violation(tmp_path):
    """The check is not vacuous: a graph module importing the API is caught."""
    fake = tmp_path / "difflab"
    fake.mkdir()
    (fake / "graph.py").write_text("def f():\n    from .api import grad\n")
    found = [(_layer(t), t) for t in _imports(fake / "graph.py", fake)]
    assert found == [("api", "difflab.api")]
    assert RANK["api"] > RANK["graph"]
