"""Rough edges a new user met (newuser59), each fixed: a gradient_flow config whose epochs are no multiple of its
chunks, compare's unused --at name, the unknown-function message's length, the bool-input hint, check's wording of
an exact match, and a piped `difflab run` that said nothing until its first experiment finished."""

from __future__ import annotations

import io

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab import runner
from difflab.cli import main
from difflab.expr import ExpressionError, expression_functions, parse
from difflab.testing import CheckResult, check_grad


def test_gradient_flow_refuses_epochs_no_multiple_of_chunks_before_the_run(capsys, tmp_path):
    # --set epochs=2 under chunks=5 trained 2 // 5 = 0 epochs per chunk: every cell failed ("epochs must be a
    # positive int, got 0"), status 1; epochs=7 trained 5 without a word
    for epochs in ("2", "7"):
        code = main(["run", "gradient_flow", "--set", f"epochs={epochs}", "--out", str(tmp_path / "runs")])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1, err
        assert f"epochs={epochs}, chunks=5: epochs must be a multiple of chunks" in err[0]
    assert not (tmp_path / "runs").exists()  # refused before anything was made


def test_compare_refuses_an_at_name_the_expression_does_not_use(capsys):
    # was a column of 0s for z (check refused it, explore warned)
    assert main(["compare", "x*y**2", "--at", "x=3,y=2,z=1", "--methods", "reverse"]) == 2
    out, err = capsys.readouterr()
    assert "--at gives 'z', which is not among the names of the expression 'x*y**2': x, y" in err
    assert out == ""  # refused before any method ran (tests/test_cli.py runs the expressions that use their --at)


def test_an_unknown_function_names_the_closest_few_and_where_the_list_is(capsys):
    with pytest.raises(ExpressionError) as err:
        parse("sinn(x)")
    text = str(err.value)
    assert len(text) < 200, len(text)  # was ~3,000 characters: every registry name
    assert "did you mean 'sin' or 'sinh' or 'sinc'?" in text and "`difflab functions`" in text
    assert main(["functions"]) == 0
    out = capsys.readouterr().out
    names = set(out.split(":\n", 1)[1].split("\nconstants:")[0].replace("\n", " ").split(", "))
    assert names == set(expression_functions()) and out.startswith(f"{len(names)} functions:")


def test_a_bool_input_is_not_told_to_write_2_0():
    for x in (True, np.array([True, False])):
        with pytest.raises(TypeError, match=r"dtype bool: .*\(a bool is a flag, not a number") as err:
            dl.grad(lambda v: dnp.sum(v * 2.0))(x)
        assert "2.0 rather than 2" not in str(err.value)
    with pytest.raises(TypeError, match=r"args\[0\] has dtype bool: .*a bool is a flag"):
        check_grad(lambda v: v * 2.0, lambda v: 2.0, True)
    with pytest.raises(TypeError, match=r"dtype int64: .*\(use 2.0 rather than 2"):  # an int still is
        dl.grad(lambda v: v * 2.0)(2)


def test_an_exact_match_says_error_0_not_a_margin_left():
    # (built directly: check_grad's exact reference costs a SymPy import; tests/testing run it)
    result = CheckResult("check_grad", "ref", 0.0, 0.0, ("args[0]", ()), 1.0, {"args[0]": 1.0}, 0)
    assert str(result) == "check_grad passed: error 0 (exact)\n  reference: ref"  # was "margin 1.000 ... left"
    result = CheckResult("check_grad", "ref", 1e-12, 2e-12, ("args[0]", ()), 0.75, {"args[0]": 0.75}, 0)
    assert "max error 1e-12 (relative 2e-12) at args[0], margin 0.750 of the tolerance left" in str(result)


def test_off_a_terminal_a_run_says_one_line_per_experiment_not_per_cell(capsys, tmp_path):
    pipe = io.StringIO()  # not a TTY
    p = runner.Progress(stream=pipe)
    p.say("  [1/3] cell")
    p.say("squares: 3 cells", headline=True)
    assert not p.on and pipe.getvalue() == "squares: 3 cells\n"
    quiet = io.StringIO()
    runner.Progress(quiet=True, stream=quiet).say("squares: 3 cells", headline=True)
    assert quiet.getvalue() == ""
    exp = str(runner._demo_experiment())
    d = runner.run(exp, overrides={"n": "[1, 2, 3]"}, out=tmp_path, render_report=False)
    err = capsys.readouterr().err.strip().splitlines()  # captured: no terminal
    assert err == [f"squares: 3 cells (0 already done), serial → {d} (a line per cell on a terminal only)"]
