"""What a new user met at stop 59, following README.md from a fresh clone: the gradient oracle's error when a
hand gradient returns one entry per argument under the default argnums=0 (NumPy's "inhomogeneous shape"
ValueError, not a GradientMismatch), `python -m difflab.console` (ran nothing, exit 0), `difflab graph -o` and
`difflab explore --html` under a file where a folder is due ("File exists"), and a Ctrl-C while `difflab run`
draws its figures (no word that the finished cells are kept)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from difflab import cli, console, runner
from difflab.testing import GradientMismatch, check_grad, check_jvp, check_vjp


def _loss(w, b):
    return np.sum(np.tanh(w) ** 2) * b


def _both(w, b):  # the gradient with respect to both arguments: what argnums=(0, 1) checks
    t = np.tanh(w)
    return 2 * t * (1 - t**2) * b, np.sum(t**2)


W = np.linspace(-1, 1, 5)


def test_a_gradient_per_argument_under_argnums_0_is_named_and_argnums_0_1_passes():
    with pytest.raises(
        GradientMismatch, match=r"returned a tuple for args\[0\].*shape \(5,\) \(a tuple of 2 .*argnums=\(0, 1\)"
    ):
        check_grad(_loss, _both, W, 0.7, reference="reverse")
    assert check_grad(_loss, _both, W, 0.7, argnums=(0, 1), reference="reverse").margin > 0.99
    bad = lambda w, b: (_both(w, b)[0] * 1.001, _both(w, b)[1])  # noqa: E731
    with pytest.raises(GradientMismatch, match=r"at 4 of 6 entries(.|\n)*args\[0\]: 4 of 5; args\[1\]: 0 of 1"):
        check_grad(_loss, bad, W, 0.7, argnums=(0, 1), reference="reverse")


def test_a_ragged_primal_output_of_a_jvp_or_vjp_rule_is_a_mismatch_not_numpys_error():
    f = lambda w, b: np.tanh(w) * b  # noqa: E731
    ragged = (np.ones(3), 1.0)
    x = np.linspace(-1, 1, 3)
    with pytest.raises(GradientMismatch, match=r"check_jvp: .*returned the primal output \(array"):
        check_jvp(f, lambda p, t: (ragged, np.ones(3)), x, 0.7, reference="reverse")
    with pytest.raises(GradientMismatch, match=r"check_vjp: .*returned the primal output 'a'"):
        check_vjp(f, lambda w, b: ("a", lambda u: ragged), x, 0.7, reference="reverse")
    with pytest.raises(GradientMismatch, match=r"\(a tuple of 2 where one array is due\)$"):  # no argnums in a JVP
        check_jvp(f, lambda p, t: (f(*p), ragged), x, 0.7, reference="reverse")


def test_python_m_difflab_console_runs_the_command(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["difflab", "run", "no_such_experiment"])
    with pytest.raises(SystemExit) as done:
        # what `python -m difflab.console` does (runpy itself trips on pytest's import hook under xdist)
        exec(
            compile(Path(console.__file__).read_text(), console.__file__, "exec"),
            {"__name__": "__main__", "__package__": "difflab"},
        )
    assert done.value.code == 2 and "unknown experiment 'no_such_experiment'" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["graph", "x*y", "-o", "{f}/g.dot"], ["explore", "x", "--html", "{f}/sub/x.html"]])
def test_an_output_under_a_file_names_the_file(tmp_path, capsys, argv):
    blocking = tmp_path / "model.py"
    blocking.write_text("")
    assert cli.main([a.format(f=blocking) for a in argv]) == 2
    assert capsys.readouterr().err.strip().endswith(f"{blocking} is a file")  # was "File exists"


def test_a_ctrl_c_while_the_figures_are_drawn_says_the_cells_are_kept(tmp_path, monkeypatch, capsys):
    exp = runner.load_experiment(runner._demo_experiment())

    def interrupted(run_dir, experiment):
        raise KeyboardInterrupt

    monkeypatch.setattr("difflab.runner.execution.render", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run(exp, out=tmp_path, quiet=True)
    err = capsys.readouterr().err
    (run_dir,) = Path(tmp_path).glob("*/*")
    assert f"interrupted: the finished cells are kept in {run_dir}; rerun with --resume" in err
    assert len(list((run_dir / "cells").glob("*.json"))) == len(exp.cells(exp.presets["quick"]))


def test_check_with_wrt_and_a_gradient_of_every_argument_says_what_grad_returns(tmp_path, capsys):
    model = tmp_path / "model.py"
    model.write_text(
        "import numpy as np\n"
        "def loss(w, x):\n    return np.sum(np.tanh(w * x) ** 2)\n"
        "def loss_grad(w, x):\n    t = np.tanh(w * x)\n    return 2 * t * (1 - t**2) * x, np.sum(2 * t * (1 - t**2) * w)\n"
    )
    argv = ["check", f"{model}:loss", "--at", "w=[1,2],x=0.5", "--grad", f"{model}:loss_grad"]
    assert (
        cli.main([*argv, "--wrt", "w"]) == 1
    )  # without --wrt it passes  # was NumPy's "inhomogeneous shape" as an error, status 2
    out = capsys.readouterr().out
    assert (
        "(a tuple of 2 where one array is due" in out
        and "note: --grad returns one entry per argument --wrt names (w)" in out
    )


@pytest.mark.parametrize(
    "name, key, typo, valid",
    [
        ("fd_accuracy", "functions", "sine", "log_quadratic, sin, squire_trapp, tanh_gauss"),
        ("fd_accuracy", "schemes", "centre", "forward, backward, central, central4, central6, richardson, complex"),
        ("gradient_flow", "activations", "elu", "tanh, sigmoid, relu, identity"),
        ("gradient_flow", "methods", "backward", "symbolic, numeric, forward, reverse"),
        ("method_agreement", "graphs", "dimond", "diamond, sigmoid_neuron, tape"),
    ],
)
def test_a_misspelt_name_in_set_is_refused_before_the_run(name, key, typo, valid):
    # was accepted, then every cell failed with a KeyError or "min() arg is an empty sequence" (status 1)
    exp = runner.load_experiment(name)
    with pytest.raises(runner.ConfigError, match=rf"unknown {key} '{typo}'; valid: {valid} \("):
        runner.resolve_config(exp, "quick", {key: f'["{typo}"]'})


def test_a_method_named_twice_in_methods_runs_once():
    # `difflab compare ... --methods reverse,forward,reverse` ran reverse twice and printed its rows twice
    assert cli._methods("reverse, forward,reverse") == ["reverse", "forward"]
