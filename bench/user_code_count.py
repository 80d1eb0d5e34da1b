"""How many functions written as users write them the tests differentiate: the distinct functions of
tests/test_user_code*.py's gradient tests (`test_gradient_of_user_code*`, each parametrised by a function and a
method), and how many of them run under all four methods. Counted from pytest's own collection, so the number
in README.md is this script's output, not a sum typed by hand.

    python bench/user_code_count.py
"""

import pathlib
import sys

import pytest

METHODS = {"symbolic", "numeric", "forward", "reverse"}
ROOT = pathlib.Path(__file__).resolve().parent.parent


class _Collect:
    """A pytest plugin that keeps the collected items' (file, function id, method) triples."""

    def __init__(self) -> None:
        self.cells: set[tuple[str, str, str]] = set()

    def pytest_collection_modifyitems(self, items) -> None:
        for item in items:
            if not item.originalname.startswith("test_gradient_of_user_code"):
                continue
            parts = item.callspec.id.split("-")
            method = next(p for p in parts if p in METHODS)
            function = "-".join(p for p in parts if p != method)
            self.cells.add((item.path.name, function, method))


def count() -> tuple[int, int, dict[str, int]]:
    """(functions, functions under all four methods, functions per file)."""
    plugin = _Collect()
    files = sorted(str(p) for p in (ROOT / "tests").glob("test_user_code*.py"))
    code = pytest.main(["--collect-only", "-q", "-o", "addopts=", "-p", "no:cacheprovider", *files], plugins=[plugin])
    if code != 0:
        raise SystemExit(f"collecting {len(files)} files failed (pytest exit {code})")
    methods: dict[tuple[str, str], set[str]] = {}
    for file, function, method in plugin.cells:
        methods.setdefault((file, function), set()).add(method)
    per_file: dict[str, int] = {}
    for file, _ in methods:
        per_file[file] = per_file.get(file, 0) + 1
    return len(methods), sum(m == METHODS for m in methods.values()), per_file


if __name__ == "__main__":
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        total, all_four, per_file = count()
    for file, n in sorted(per_file.items(), key=lambda kv: int("0" + "".join(filter(str.isdigit, kv[0])))):
        print(f"{file:28s} {n:4d}")
    print(f"{total} functions written as users write them; {all_four} under all four methods")
    sys.exit(0)
