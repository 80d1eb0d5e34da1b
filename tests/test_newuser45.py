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
