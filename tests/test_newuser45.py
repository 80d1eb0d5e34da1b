"""What a new user meets following the README (session 45's walk-through): each error names the remedy."""

from __future__ import annotations

import socket

from difflab.cli import main


def test_explore_on_a_taken_port_names_the_remedy(capsys):
    # a second `difflab explore` on the same port: the error said only "Address already in use"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["explore", "x", "--port", str(port), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}" in err
    assert "--port N" in err and "--port 0" in err
    assert len(err.strip().splitlines()) == 1


def _help(capsys, *argv: str) -> str:
    try:
        main([*argv, "--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_subcommand_help_says_what_each_argument_is(capsys):
    # `difflab report --help` listed a bare run_dir; `difflab graph --help` hid -o's default
    assert "runs/<experiment>/<time>_<hash>/" in _help(capsys, "report")
    graph = _help(capsys, "graph")
    assert "(default graph.svg)" in graph
    assert "difflab compare --help" in graph  # where the expression language is described


def test_check_of_a_function_with_a_bug_names_the_users_line(tmp_path, capsys):
    # `difflab check buggy.py:f` printed "NameError: name 'undefined_name' is not defined" and nowhere to look
    path = tmp_path / "buggy45.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(x**2) / undefined_name  # noqa\n")
    assert main(["check", f"{path}:f", "--at", "x=1"]) == 3  # (1 is a wrong gradient's: a CI script tells them apart)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "NameError: name 'undefined_name' is not defined" in err
    assert f"at {path}:5 in f;" in err
    assert "DIFFLAB_TRACEBACK=1" in err


def test_check_of_a_function_numpy_refuses_names_the_users_line(tmp_path, capsys):
    # a LinAlgError (a ValueError) from NumPy inside the user's function: one line, now with its place
    path = tmp_path / "singular45.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.linalg.inv(np.zeros((2, 2)))) * x\n")
    assert main(["check", f"{path}:f", "--at", "x=1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"difflab check: error: LinAlgError: Singular matrix (at {path}:5 in f)"


def test_cost_scaling_names_every_n_where_the_loop_is_above_the_cheap_gradient_bound():
    # reports/cost_scaling said "above the bound at n = 256" for ratios 4, 9.9, 33.9, 130 at n = 4, 16, 64, 256
    from difflab import runner

    words = runner.load_experiment("cost_scaling").module.bound_words
    assert words([4, 16, 64, 256], [4.0, 9.90, 33.9, 129.9]) == (
        "at or within the bound at n = 4, above it at n = 16, 64, 256"
    )
    assert words([4, 16], [3.16, 3.5]) == "within the bound at every n"


def test_second_order_draws_each_composition_in_one_colour_in_both_panels(tmp_path):
    # reports/second_order's cost figure: forward/reverse blue beside H v, green beside the full Hessian
    import json

    from matplotlib.colors import to_hex

    from difflab import runner

    exp = runner.load_experiment("second_order")
    tiny = {"n": "[2, 4]", "hessian_max_n": '{"numeric": 4, "forward/reverse": 4, "symbolic": 2}'}
    d = runner.run(
        exp, overrides={**tiny, "h_exps": "[-2]", "repeat": "1"}, out=tmp_path, quiet=True, render_report=False
    )
    results = runner._read_cells(d)
    spec = exp.module.figures(results, json.loads(json.dumps(exp.summarize(results))))[0]
    colours: dict[str, set[str]] = {}
    for ax in spec.figure.axes:
        for line in ax.get_lines():
            colours.setdefault(str(line.get_label()), set()).add(to_hex(line.get_color()))
    assert colours["forward/reverse"] == {to_hex("C0")}
    assert all(len(c) == 1 for c in colours.values()), colours
    assert len({next(iter(c)) for label, c in colours.items() if not label.startswith("numeric")}) == len(
        [label for label in colours if not label.startswith("numeric")]
    )
