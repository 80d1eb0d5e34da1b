"""The expression language (difflab.expr): as-typed graphs, the registry-generated names, and the
refusal of everything else -- injection strings through the Python API and the CLI, with a
sentinel file proving nothing ran -- and a grep proving SymPy's eval-based parsers are gone."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import difflab as dl
from difflab import ops
from difflab.cli import main, parse_expression
from difflab.expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    expression_functions,
    parse,
)

PACKAGE = Path(__file__).resolve().parents[1] / "difflab"


def injections(sentinel: Path) -> list[tuple[str, str, int]]:
    """(hostile text, offending token, its position): each would touch `sentinel` if it ran."""
    s = str(sentinel)
    return [
        (f"x.__class__.__new__.__globals__['__builtins__']['__import__']('os').system('touch {s}')", ".", 1),
        (f"__import__('os').system('touch {s}')", "__import__", 0),
        ("().__class__.__bases__", ")", 1),
        (f'exec(\'open("{s}", "w")\')', "exec", 0),
        (f"open('{s}', 'w')", "open", 0),
        (f'eval(\'open("{s}", "w")\')', "eval", 0),
        (f"lambda: open('{s}', 'w')", "lambda", 0),
        (f'x + f\'{{open("{s}", "w")}}\'', "'", 5),
        ("'touch'", "'", 0),
        ("x[0]", "[", 1),
        ("x.real", ".", 1),
        (f"[open('{s}', 'w') for x in y]", "[", 0),
        ("x if y else z", "if", 2),
        ("sin(x)(y)", "(", 6),
        ("x = 1", "=", 2),
        ("x; import os", ";", 1),
        ("_x + 1", "_x", 0),
        ("x" * 100_000, "x" * 10, MAX_LENGTH),
        ("(" * 1000 + "x" + ")" * 1000, "(", MAX_DEPTH),
        ("-" * 1000 + "x", "-", MAX_DEPTH),
    ]


CASES = injections(Path("/tmp/difflab-never-touched"))


@pytest.mark.parametrize("text,token,position", CASES, ids=[c[0][:30] for c in CASES])
def test_injection_is_refused_naming_token_and_position(text, token, position):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    err = info.value
    assert (err.token, err.position) == (token, position)
    message = str(err)
    assert "\n" not in message and f"at position {position}" in message
    assert repr(token if len(token) <= 40 else token[:37] + "...") in message


def test_nothing_runs_python_api(tmp_path):
    sentinel = tmp_path / "SENTINEL"
    for text, _, _ in injections(sentinel):
        with pytest.raises(ExpressionError):
            parse(text)
        with pytest.raises(ValueError):  # the CLI's API: UsageError, a ValueError
            parse_expression(text)
    assert not sentinel.exists()


@pytest.mark.parametrize("command", ["compare", "graph"])
def test_nothing_runs_through_the_cli(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sentinel = tmp_path / "SENTINEL"
    for text, token, position in injections(sentinel):
        extra = ["-o", str(tmp_path / "g.svg")] if command == "graph" else []
        code = main([command, "--at", "x=1,y=2,z=3", *extra, "--", text])  # "--": text may start with "-"
        _, err = capsys.readouterr()
        assert code == 2, text
        assert err.count("\n") == 1 and f"at position {position}" in err, err
    assert not sentinel.exists() and not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("command", ["compare", "graph"])
def test_the_reported_exploit_is_refused_by_the_installed_command(command, tmp_path):
    sentinel = tmp_path / "SENTINEL"
    text = f"x.__class__.__new__.__globals__['__builtins__']['__import__']('os').system('touch {sentinel}')"
    proc = subprocess.run(
        [sys.executable, "-m", "difflab", command, text, "--at", "x=1"],
        cwd=tmp_path,  # (a relative PYTHONPATH=. would name tmp_path here: the difflab under test goes first)
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(Path(dl.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]
            ),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "'.' at position 1: attribute access is not allowed" in proc.stderr
    assert not sentinel.exists()


# -- the graph as typed --------------------------------------------------------------------------


def _tape(f, *args):
    graph = dl.trace(f, *args)
    names = {v: n for v, n in zip(graph.inputs, "xyz")}
    rows = []
    for eqn in graph.eqns:
        names[eqn.out] = f"v{len(rows)}"
        rows.append((eqn.op.name, tuple(names.get(a, getattr(a, "value", a)) for a in eqn.args)))
    return rows


def test_the_diamond_is_traced_as_typed():
    f, names = parse_expression("((x*y)*(y*z))**2")
    assert names == ["x", "y", "z"]
    assert _tape(f, 3.0, 2.0, 1.0) == [
        ("mul", ("x", "y")),
        ("mul", ("y", "z")),
        ("mul", ("v0", "v1")),
        ("pow", ("v2", 2.0)),
    ]
    assert dl.grad(f, argnums=(0, 1, 2))(3.0, 2.0, 1.0) == (96.0, 288.0, 288.0)


def test_caret_is_power_and_the_user_order_is_kept():
    f, _ = parse_expression("(4*x+1)^2")
    assert _tape(f, 0.7) == [("mul", (4.0, "x")), ("add", ("v0", 1.0)), ("pow", ("v1", 2.0))]
    assert dl.grad(f, method="reverse")(0.7) == pytest.approx(30.4, rel=1e-14)
    g, _ = parse_expression("y*x - x*y")  # not simplified to 0: two products and a difference
    assert [op for op, _ in _tape(g, 1.0, 2.0)] == ["mul", "mul", "sub"]


def test_the_graph_command_draws_the_diamond(tmp_path, capsys):
    out = tmp_path / "g.dot"
    assert main(["graph", "((x*y)*(y*z))**2", "--at", "x=3,y=2,z=1", "-o", str(out)]) == 0
    dot = out.read_text()
    assert re.findall(r'label="v\d+ = (\w+)', dot) == ["mul", "mul", "mul", "pow"]
    assert "v1 -> v3" in dot and "v1 -> v4" in dot  # y feeds both products: the diamond


def test_precedence_follows_python():
    cases = {
        "-x**2": -9.0,
        "2^-1": 0.5,
        "x/y/2": 0.75,
        "2**3**2": 512.0,
        "-2^2": -4.0,
        "+x - -y": 5.0,
        "x*y^2": 12.0,
        "(x-y)*(x+y)": 5.0,
        "1.5e1 + .5": 15.5,
    }
    for text, want in cases.items():
        f, _ = parse_expression(text, ["x", "y"])
        assert float(f(3.0, 2.0)) == want, text


# -- names: generated from the registry ----------------------------------------------------------

OLD_NAMES = {  # every name the SymPy-based CLI accepted, with NumPy's answer at (x, y) = (0.3, -0.2)
    "exp(x)": np.exp(0.3),
    "log(x)": np.log(0.3),
    "sin(x)": np.sin(0.3),
    "cos(x)": np.cos(0.3),
    "tan(x)": np.tan(0.3),
    "tanh(x)": np.tanh(0.3),
    "sinh(x)": np.sinh(0.3),
    "cosh(x)": np.cosh(0.3),
    "Abs(y)": 0.2,
    "abs(y)": 0.2,
    "Max(x, y)": 0.3,
    "Min(x, y)": -0.2,
    "max(x, y, 1)": 1.0,
    "min(x, y)": -0.2,
    "maximum(x, y)": 0.3,
    "minimum(x, y)": -0.2,
    "sign(y)": -1.0,
    "sigmoid(x)": 1 / (1 + np.exp(-0.3)),
    "relu(y)": 0.0,
    "softplus(x)": np.log1p(np.exp(0.3)),
    "log1p(x)": np.log1p(0.3),
    "sqrt(x)": np.sqrt(0.3),
    "pi*x": np.pi * 0.3,
    "E^x": np.e**0.3,
}


@pytest.mark.parametrize("text", OLD_NAMES)
def test_every_old_name_still_works(text):
    f, _ = parse_expression(text, ["x", "y"])
    assert float(f(0.3, -0.2)) == pytest.approx(OLD_NAMES[text], rel=1e-14, abs=1e-300)
    assert np.isfinite(dl.grad(f, argnums=(0, 1), method="reverse")(0.3, -0.2)).all()


def test_a_new_registry_op_is_callable_at_once():
    cube = ops.defop(
        "cube_for_expr_test", lambda x: x**3, partials=(lambda out, x: 3.0 * x * x,), doc="x^3, a throwaway op"
    )
    try:
        assert "cube_for_expr_test" in expression_functions()
        f, _ = parse_expression("cube_for_expr_test(x) + 1")
        assert [op for op, _ in _tape(f, 2.0)] == ["cube_for_expr_test", "add"]
        assert dl.grad(f, method="reverse")(2.0) == 12.0
    finally:
        del ops.REGISTRY["cube_for_expr_test"]
    assert cube.name not in expression_functions()
    with pytest.raises(ExpressionError, match="unknown function"):
        parse("cube_for_expr_test(x)")


def test_names_that_are_not_functions_or_need_parameters_are_refused():
    table = expression_functions()
    for name in ("eval", "exec", "open", "getattr", "__import__", "reshape", "transpose", "getitem", "concatenate"):
        assert name not in table
    with pytest.raises(ExpressionError, match="exp takes 1 argument, got 2"):
        parse("exp(x, y)")
    with pytest.raises(ExpressionError, match="exp is a function"):
        parse("exp + 1")
    with pytest.raises(ExpressionError, match=r"'x' at position 1: unexpected here \(a missing operator\?\)"):
        parse("2x")


# the registry's internal entries (a rule's building blocks): read from the registry, not listed here, so that a new
# entry is one edit; what is checked is that the expression language refuses every one by name
_INTERNAL = sorted(name for name, op in ops.REGISTRY.items() if op.internal)


def test_the_unknown_function_error_lists_only_what_a_user_can_call():
    known = set(expression_functions())  # what `difflab functions` lists (the error points there)
    assert not known & set(_INTERNAL)
    assert {"exp", "det", "Max", "inv", "sylvester", "imag", "absolute", "eigvals", "svdvals"} <= known
    assert len(_INTERNAL) > 100 and {"strong_mul", "svd_s", "put_along", "gather_along"} <= set(_INTERNAL)
    for name in _INTERNAL:
        with pytest.raises(ExpressionError, match=rf"^'{name}' at position 0: unknown function"):
            parse(f"{name}(x)")
    # scipy.special's pairs are no functions of one value: 'fresnel(x)' was C(x) alone (its second part's entry)
    assert not {"fresnel", "sici"} & known
    with pytest.raises(ExpressionError, match=r"^'strong_mul' at position 0: unknown function \(`difflab functions`"):
        parse("strong_mul(x, x)")
    # a typo names its nearest functions before the list of 160 (newuser23 typed sinn)
    with pytest.raises(ExpressionError, match=r"^'sinn' at position 0: unknown function; did you mean 'sin'"):
        parse("sinn(x)")
    with pytest.raises(ExpressionError, match=r"unknown function; did you mean .*'sigmoid'.*\(`difflab functions` "):
        parse("sigmoud(x)")


def test_a_building_block_is_called_by_its_public_name():
    # svd_s is hidden, linalg.svdvals is NumPy's: the same op under the name a user knows
    a = np.array([[3.0, 1.0], [0.0, 2.0]])
    f = parse("sum(svdvals(A))").function()
    assert f(a) == pytest.approx(np.linalg.svd(a, compute_uv=False).sum())
    assert np.allclose(dl.grad(f, method="reverse")(a), np.linalg.svd(a)[0] @ np.linalg.svd(a)[2])
    assert parse("imag(x) + absolute(x)").function()(-2.0) == 2.0


def test_limits_accept_what_a_person_types():
    deep = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert parse(deep).variables == ("x",)
    long = "+".join(["x"] * (MAX_LENGTH // 2))
    f = parse(long).function()
    assert float(f(1.0)) == MAX_LENGTH // 2  # a flat sum is a loop, not recursion


# -- the parser agrees with the arithmetic it describes -------------------------------------------


def _trees(depth):
    leaf = st.sampled_from(["x", "y", "2", "0.5"])
    if depth == 0:
        return leaf
    sub = _trees(depth - 1)
    return st.one_of(leaf, st.tuples(st.sampled_from(["+", "-", "*", "/", "^", "neg", "exp", "sin"]), sub, sub))


def _render(tree):
    if isinstance(tree, str):
        return tree, {"x": 0.7, "y": -1.3, "2": 2.0, "0.5": 0.5}[tree]
    op, a, b = tree
    (ta, va), (tb, vb) = _render(a), _render(b)
    if op == "neg":
        return f"-({ta})", -va
    if op in ("exp", "sin"):
        with np.errstate(all="ignore"):
            return f"{op}({ta})", float(getattr(np, op)(va))
    fn = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}[op]
    with np.errstate(all="ignore"):
        return f"({ta}) {op} ({tb})", float(fn(va, vb))


@settings(max_examples=60, deadline=None)
@given(_trees(3))
def test_random_expressions_compute_what_they_say(tree):
    text, want = _render(tree)
    if not math.isfinite(want) or abs(want) > 1e30:
        return  # overflow and NaN are the DomainWarning tests' business
    f = parse(text).function(["x", "y"])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = float(f(0.7, -1.3))
    assert got == pytest.approx(want, rel=1e-12)


# -- SymPy's eval-based parsers appear nowhere -----------------------------------------------------

#: internal conversions of SymPy objects and numbers the symbolic method builds itself (never text)
ALLOWED = {
    ("differentiators/symbolic.py", "sympify"),
    ("differentiators/program.py", "sympify"),
    ("compile/symbolic.py", "sympify"),
    ("ops/decompositions.py", "sympify"),
    # strict=True: numbers and SymPy expressions only, a str refused (never parsed)
    ("rules.py", "sympify"),
    ("ops/complexes.py", "sympify"),
}


def test_no_eval_based_parsing_in_the_package():
    pattern = re.compile(r"\bsympify\b|\bparse_expr\b|\bparse_latex\b|(?<![\w.])eval\(|\bsp\.S\(|\bS\(['\"]")
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for m in pattern.finditer(line):
                if (rel, m.group().strip("(")) not in ALLOWED:
                    found.append(f"{rel}:{lineno}: {line.strip()}")
    assert not found, "eval-based parsing found:\n" + "\n".join(found)
