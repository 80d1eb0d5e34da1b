"""The `difflab` command: list, run, report, compare, check, graph, and its answers to bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.cli import main

EXPERIMENTS = (
    "training_comparison",
    "cost_scaling",
    "fd_accuracy",
    "expression_swell",
    "method_agreement",
    "gradient_flow",
)

SQUARES = (
    "QUESTION = 'Squares?'\nPRESETS = {'quick': {'n': [1, 2, 3]}, 'full': {'n': [1, 2, 3, 4]}}\n"
    "def cells(config): return [{'x': x} for x in config['n']]\n"
    "def run_cell(cell, seed): return {'y': cell['x'] ** 2}\n"
)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_experiment_with_its_question(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for name in EXPERIMENTS:
        assert name in out
    assert "presets: quick, full" in out


def test_run_a_tiny_experiment_and_rerender_it(capsys, tmp_path):
    path = tmp_path / "squares.py"
    path.write_text(SQUARES)
    code, out, _ = run(capsys, "run", str(path), "--out", str(tmp_path / "runs"), "--set", "n=[2,3]", "--quiet")
    assert code == 0
    (run_dir,) = (tmp_path / "runs" / "squares").iterdir()
    assert len(list((run_dir / "cells").iterdir())) == 2
    code, out, _ = run(capsys, "report", str(run_dir), "--report", str(tmp_path / "reports"))
    assert code == 0 and (tmp_path / "reports" / "index.md").exists() and "report.md" in out


def test_compare_prints_every_method(capsys):
    code, out, _ = run(capsys, "compare", "x*y**2", "--at", "x=3,y=2")
    assert code == 0
    for method in ("symbolic", "numeric", "forward", "reverse"):
        assert method in out
    assert ["reverse", "4", "12"] in [line.split() for line in out.splitlines()]  # ∂/∂x = y², ∂/∂y = 2xy
    assert "failed" not in out


def test_compare_prints_a_zero_derivative_as_0_for_every_method(capsys):
    # numeric's central difference in a variable f does not depend on is -0.0: printed "-0" beside the others' "0"
    # (y is used: an --at name the expression does not use is refused, tests/test_polish59.py)
    code, out, _ = run(capsys, "compare", "x + 0*y", "--at", "x=1,y=2")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.split("derivative by method")[1].splitlines()[1:]}
    assert all(rows[m] == ["1", "0"] for m in ("symbolic", "numeric", "forward", "reverse")), rows


def test_compare_understands_functions_and_carets(capsys):
    code, out, _ = run(capsys, "compare", "exp(x)*sin(y) + sqrt(x^2 + 1) + Max(x, y)", "--at", "x=0.5,y=1")
    assert code == 0 and "reverse" in out and "failed" not in out


def test_unknown_experiment_exits_2_listing_the_names(capsys):
    code, _, err = run(capsys, "run", "no_such_thing")
    assert code == 2
    assert "no_such_thing" in err and all(name in err for name in EXPERIMENTS)


def test_unknown_config_key_exits_2_listing_the_keys(capsys):
    code, _, err = run(capsys, "run", "fd_accuracy", "--set", "bogus=1")
    assert code == 2
    assert "bogus" in err and "per_decade" in err and "schemes" in err


@pytest.mark.parametrize("expression", ["x*", "x + (y", "foo(x)", "x ==== 2"])
def test_an_unparsable_expression_is_one_clear_line_without_traceback(expression):
    proc = subprocess.run(
        [sys.executable, "-m", "difflab", "compare", expression, "--at", "x=1,y=2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "error:" in proc.stderr


def test_a_missing_variable_is_named(capsys):
    code, _, err = run(capsys, "compare", "x*y + z", "--at", "x=1,y=2")
    assert code == 2 and "'z'" in err


@pytest.mark.parametrize("suffix", ["svg", "png", "dot"])
def test_graph_writes_the_file(capsys, tmp_path, suffix):
    out_file = tmp_path / f"graph.{suffix}"
    code, _, _ = run(capsys, "graph", "((x*y)*(y*z))**2", "--at", "x=3,y=2,z=1", "-o", str(out_file))
    assert code == 0 and out_file.stat().st_size > 0
    if suffix == "svg":
        assert "<svg" in out_file.read_text()
    if suffix == "dot":
        assert out_file.read_text().startswith("digraph")


def test_check_a_users_gradient(capsys, tmp_path, monkeypatch):
    (tmp_path / "userfns.py").write_text(
        "import difflab.numpy as dnp\n"
        "def f(x, y): return dnp.sin(x) * y ** 2.0\n"
        "def good(x, y): return (dnp.cos(x) * y ** 2.0, 2.0 * dnp.sin(x) * y)\n"
        "def bad(x, y): return (dnp.cos(x) * y ** 2.0, dnp.sin(x) * y)\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "userfns:f", "--at", "x=0.5,y=2", "--grad", "userfns:good")
    assert code == 0 and "OK" in out
    code, out, _ = run(capsys, "check", "userfns:f", "--at", "x=0.5,y=2", "--grad", "userfns:bad")
    assert code == 1 and "FAIL" in out
    code, out, _ = run(capsys, "check", "userfns:f", "--at", "x=0.5,y=2")
    assert code == 0 and "reverse" in out and "OK" in out
    code, _, err = run(capsys, "check", "userfns:f", "--at", "x=0.5")
    assert code == 2 and "'y'" in err


def test_dask_executor_without_dask_exits_2_with_the_install_command(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    path = tmp_path / "squares.py"
    path.write_text(SQUARES)
    code, _, err = run(capsys, "run", str(path), "--executor", "dask", "--out", str(tmp_path))
    assert code == 2 and "pip install" in err


def test_check_with_wrt_holds_a_label_argument(capsys, tmp_path, monkeypatch):
    """A new user's cross-entropy f(logits, label): every --at value was a differentiated float, so
    `logits[label]` could not be traced and a hand-written gradient got label = 1.0 (NumPy's IndexError);
    dl.compare(f, logits, 1, argnums=0) traced the label too."""
    (tmp_path / "ce.py").write_text(
        "import numpy as np\n"
        "def f(logits, label):\n"
        "    m = np.max(logits)\n"
        "    return m + np.log(np.sum(np.exp(logits - m))) - logits[label]\n"
        "def good(logits, label):\n"
        "    p = np.exp(logits - logits.max()); p /= p.sum(); p[label] -= 1.0\n"
        "    return p\n"
        "def bad(logits, label):\n"
        "    p = np.exp(logits - logits.max()); p /= p.sum(); p[label] += 1.0\n"
        "    return p\n"
    )
    monkeypatch.chdir(tmp_path)
    at = ["--at", "logits=[0.1,2.0,-1.0],label=1", "--wrt", "logits"]
    code, out, _ = run(capsys, "check", "ce:f", *at)
    assert code == 0 and "OK" in out and "flattened over logits)" in out
    assert run(capsys, "check", "ce:f", *at, "--grad", "ce:good")[0] == 0
    code, out, _ = run(capsys, "check", "ce:f", *at, "--grad", "ce:bad")
    assert code == 1 and "args[0][1]" in out
    code, _, err = run(capsys, "check", "ce:f", "--at", "logits=[0.1,2.0],label=1", "--wrt", "lbl")
    assert code == 2 and "--wrt 'lbl' names no argument of ce:f: its arguments are logits, label" in err
    cmp = dl.compare(lambda w, i: dnp.sum(w[i] ** 2.0), np.array([1.0, 2.0, 3.0]), np.array([0, 2]), argnums=0)
    np.testing.assert_allclose(cmp.rows[-1]["derivative"], [[2.0, 0.0, 6.0]], rtol=1e-15)


def test_explore_warns_of_a_point_name_the_expression_does_not_use(capsys, tmp_path):
    """`--at X=1,y=2` for x*y: the explorer started x at its default 1 without a word."""
    code, out, err = run(capsys, "explore", "x*y", "--at", "X=3,y=2", "--html", str(tmp_path / "e.html"))
    assert code == 0 and "--at gives X, which 'x*y' does not use (its variables: x, y" in err
    code, out, err = run(capsys, "explore", "x*y", "--at", "x=3,y=2", "--html", str(tmp_path / "e.html"))
    assert code == 0 and err == ""


def test_check_help_names_the_file_form_of_grad_too(capsys):
    """`--grad model.py:loss_grad` works (README's example), but its help named only module:function (newuser47)."""
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--grad GRAD module:function or path/to/file.py:function computing the gradient" in out


def test_run_quiet_help_says_it_prints_no_run_directory_either(capsys, tmp_path):
    """`difflab run NAME -q` printed nothing at all, where its help said only "no progress lines" (newuser47)."""
    path = tmp_path / "squares.py"
    path.write_text(SQUARES)
    code, out, _ = run(capsys, "run", str(path), "--out", str(tmp_path / "runs"), "--set", "n=[2]", "-q")
    assert code == 0 and out == ""
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "print nothing: no progress lines, not even the run directory" in " ".join(capsys.readouterr().out.split())


def test_check_exit_status_tells_a_wrong_gradient_from_code_that_raised(tmp_path, monkeypatch, capsys):
    # both exited 1 (newuser47): a CI script could not tell "the gradient is wrong" from "the function is broken"
    (tmp_path / "st47.py").write_text(
        "import numpy as np\n"
        "def f(x):\n    return np.sum(x ** 2)\n"
        "def wrong(x):\n    return 3 * x\n"
        "def broken(x):\n    return np.sum(x) / undefined_name  # noqa\n"
    )
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "check", "st47:f", "--at", "x=[1,2]", "--grad", "st47:wrong")[0] == 1
    assert run(capsys, "check", "st47:broken", "--at", "x=[1,2]")[0] == 3
    assert run(capsys, "check", "st47:f", "--at", "x=[1,2]")[0] == 0
