"""The CLI's bad-input doors (issue 15): each answers in one line on stderr with a non-zero status."""

import subprocess
import sys

import pytest

from difflab.cli import main

PLAIN_NUMPY = "import numpy as np\ndef f(x):\n    return np.sum(np.lib.scimath.arccos(x).real ** 2)\n"
PRODUCT = "def f(x, y):\n    return (x * y).sum()\n"
VECTOR = "def f(x):\n    return x * 2\n"
LABELS = "import numpy as np\ndef ce(logits, y):\n    return -np.sum(logits[np.arange(len(y)), y])\n"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "plain.py").write_text(PLAIN_NUMPY)
    (tmp_path / "product.py").write_text(PRODUCT)
    (tmp_path / "vector.py").write_text(VECTOR)
    (tmp_path / "labels.py").write_text(LABELS)
    return tmp_path


CASES = {
    "set n=abc": (["run", "cost_scaling", "--set", "n=abc"], 2, "n must be a list"),
    "set n=[]": (["run", "cost_scaling", "--set", "n=[]"], 2, "must not be empty"),
    "set datasets mnist": (
        ["run", "training_comparison", "--set", 'datasets=["mnist"]'],
        2,
        "unknown datasets 'mnist'",
    ),
    "set per_decade=0": (["run", "fd_accuracy", "--set", "per_decade=0"], 2, "per_decade must be positive"),
    "set one n": (["run", "cost_scaling", "--set", "n=[1000]"], 2, "the slopes need two sizes"),
    "experiment misspelt": (["run", "methd_agreement"], 2, "(did you mean 'method_agreement'?)"),
    "jobs 0": (["run", "cost_scaling", "--jobs", "0"], 2, "--jobs"),
    "jobs -3": (["run", "cost_scaling", "--jobs", "-3"], 2, "--jobs"),
    "report missing": (["report", "{tmp}/no_such_run"], 2, "not a run directory"),
    # found by newuser62: an experiment's folder given for its run said only what a run directory is
    "report an experiment's folder": (
        ["report", "{tmp}/made/fd_accuracy"],
        2,
        "made/fd_accuracy holds 2 runs, the newest",
    ),
    "check plain numpy": (
        ["check", "{tmp}/plain.py:f", "--at", "x=[1,2]"],
        2,
        "numpy.lib.scimath.arccos is not a difflab primitive",
    ),
    "check mismatched shapes": (["check", "{tmp}/product.py:f", "--at", "x=[1,2],y=[1,2,3]"], 2, "shapes (2,), (3,)"),
    "methods bogus": (["compare", "x*y", "--at", "x=1,y=2", "--methods", "reverse,bogus"], 2, "'bogus'"),
    "graph unwritable": (["graph", "x*y", "-o", "{tmp}/file.txt/sub/g.svg"], 2, "cannot write"),
    # found by issue 15's audit: each ran (and failed in every cell, or crashed in the summary, or
    # ignored the scheduler and ran serially) before it was refused up front
    "set n=[4.5]": (["run", "cost_scaling", "--set", "n=[4.5]"], 2, "n must be a whole number"),
    "set per_decade=1.5": (["run", "fd_accuracy", "--set", "per_decade=1.5"], 2, "per_decade must be a whole number"),
    "set n=[1e9]": (["run", "cost_scaling", "--set", "n=[1e9]"], 2, "1000000000 is above max_n of every method"),
    "seed -1": (["run", "cost_scaling", "--seed", "-1"], 2, "--seed: must be 0 or more"),
    "report into a file": (["run", "cost_scaling", "--report", "{tmp}/file.txt"], 2, "is a file"),
    "at twice": (["compare", "x", "--at", "x=1,x=2"], 2, "--at gives x twice"),
    # found by a new user's first hour: the explorer took the last of two values
    "explore at twice": (["explore", "x", "--at", "x=1,x=2", "--html", "{tmp}/e.html"], 2, "the point gives x twice"),
    "at unknown, no arguments": (
        ["check", "os:getcwd", "--at", "x=1"],
        2,
        "'x', which is not among the names of os:getcwd's arguments: none",
    ),
    "at unknown": (["check", "{tmp}/product.py:f", "--at", "x=[1],y=[2],z=3"], 2, "--at gives 'z'"),
    "methods empty": (["compare", "x", "--at", "x=1", "--methods", ""], 2, "unknown method(s) ''"),
    "port out of range": (["explore", "x", "--port", "99999"], 2, "--port must be 0"),
    "html unwritable": (["explore", "x", "--html", "{tmp}/file.txt/e.html"], 2, "cannot write"),
    # found by a new user's afternoon: argparse reads an expression that starts with '-' as an option
    "expression -x^2": (["compare", "-x^2", "--at", "x=1"], 2, "needs a space or parentheses before it: ' -x^2'"),
    "explore -x^2": (["explore", "-x^2", "--html", "{tmp}/e.html"], 2, "unrecognized arguments: -x^2; an expression"),
    # found by newuser23: a constant was argnums' ValueError (compare) or a KeyError (graph), and a value
    # past float64 (1e400, or JSON's NaN and Infinity) ran every method to NaN without a word
    "compare a constant": (["compare", "2"], 2, "the expression '2' has no variables: nothing to differentiate"),
    "graph a constant": (["graph", "2*3", "-o", "{tmp}/g.svg"], 2, "has no variables"),
    # found by newuser62: graph took a misspelt name as a variable the expression ignores and drew y at 1
    "graph at unknown": (
        ["graph", "x*y", "--at", "x=1,yy=2", "-o", "{tmp}/g.svg"],
        2,
        "--at gives 'yy', which is not among the names of the expression 'x*y': x, y",
    ),
    # found by newuser68: an array point's picture was "TypeError: only 0-dimensional arrays can be converted to
    # Python scalars" from annotate_graph, naming neither the variable nor what draws arrays (.dot does)
    "graph an array as a picture": (
        ["graph", "sum(w*w)", "--at", "w=[1,2]", "-o", "{tmp}/g.png"],
        2,
        "--at w: the annotated picture (.png) shows each node's value and adjoint as one number, and w is an array "
        "of shape (2,); -o graph.dot draws",
    ),
    "at overflows": (["compare", "x", "--at", "x=1e400"], 2, "--at x: '1e400' is not a finite number"),
    # and check printed the four methods' table of a vector function, then refused it as "shape ((2,),)"
    "check a vector function": (["check", "{tmp}/vector.py:f", "--at", "x=[1,2]"], 2, "returns shape (2,), not one"),
    # found by newuser25: labels given without --wrt are differentiated floats, and the indexing error
    # said to rewrite the function rather than to hold the labels
    "check labels without wrt": (
        ["check", "{tmp}/labels.py:ce", "--at", "logits=[[1,2,3],[0,1,0]],y=[2,0]"],
        2,
        "if y is a label or an index, hold it (as an int) with --wrt logits",
    ),
    "at NaN": (["compare", "x", "--at", "x=[1,NaN]"], 2, "is not a finite number"),
    # found by realcode37: JAX's word for the derivative as the command (argparse listed the commands only)
    "grad as a command": (["grad", "x**2", "--at", "x=2"], 2, "there is no 'grad' command: difflab compare"),
    # found by newuser48: an unknown option or extra word was the top parser's, "difflab: error: ... (see difflab
    # --help)", whose help does not list the command's options
    "unknown option of a command": (
        ["compare", "x", "--at", "x=1", "--bogus"],
        2,
        "difflab compare: error: unrecognized arguments: --bogus (see difflab compare --help)",
    ),
    "extra word after a command": (["list", "extra"], 2, "difflab list: error: unrecognized arguments: extra (see"),
    "scheduler without dask": (
        ["run", "cost_scaling", "--scheduler", "tcp://127.0.0.1:1"],
        2,
        "--scheduler tcp://127.0.0.1:1 needs --executor dask",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_and_a_nonzero_status(case, files, capsys):
    argv, status, words = CASES[case]
    (files / "file.txt").write_text("a file, so no folder can be made under it")
    for run in ("20261205T223601Z_e74175fced1d", "20261205T223700Z_0123456789ab"):  # two runs' config.json
        (files / "made" / "fd_accuracy" / run).mkdir(parents=True)
        (files / "made" / "fd_accuracy" / run / "config.json").write_text("{}")
    argv = [a.replace("{tmp}", str(files)) for a in argv]
    if argv[0] == "run":
        argv += ["--out", str(files / "runs"), "-q"]
    with (
        pytest.raises(SystemExit)
        if any(w in case for w in ("jobs", "seed", "-x^2", "command"))
        else _nothing() as raised
    ):
        code = main(argv)
    code = raised.value.code if raised is not None else code
    out, err = capsys.readouterr()
    assert code == status
    lines = err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], err
    assert "derivative by method" not in out  # refused before any method ran
    assert not (files / "runs").exists()  # refused before anything ran


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_version_and_a_warning_as_one_line_via_the_real_command():
    out = subprocess.run([sys.executable, "-m", "difflab", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("difflab ")
    out = subprocess.run(
        [sys.executable, "-m", "difflab", "compare", "log(x)", "--at", "x=-1"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stderr.strip().splitlines() == [
        "difflab compare: warning: v1 = log(v0): invalid value encountered in log (outside the domain of log); "
        "the result holds NaN or inf"
    ]


def test_an_unreachable_dask_scheduler_fails_fast(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    code = main(
        ["run", "cost_scaling", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path), "-q"]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot reach the Dask scheduler" in err[0]
    # refused by the port probe, not after Dask's 5 s connect timeout
    assert "nothing answers on 127.0.0.1:1" in err[0]


def _server(answer):
    """A local TCP server on a free port that accepts connections and sends `answer` (None: nothing,
    ever; the kernel's backlog accepts the connection without accept() being called)."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    if answer is not None:

        def serve():
            conn, _ = listener.accept()
            with conn:
                if answer:  # else hang up at once
                    conn.sendall(answer)
                    conn.recv(1)  # until the probe hangs up

        threading.Thread(target=serve, daemon=True).start()
    return listener, f"tcp://127.0.0.1:{listener.getsockname()[1]}"


def test_the_scheduler_probe_passes_a_server_that_speaks_first_and_names_a_bad_address():
    from difflab import runner

    listener, address = _server(b"\x00")  # a Dask scheduler sends its handshake as soon as it accepts
    with listener:
        runner._probe_scheduler(address)  # no error
    runner._probe_scheduler("inproc://whatever")  # other transports are left to Dask
    with pytest.raises(runner.ConfigError, match="needs a host and a port"):
        runner._probe_scheduler("tcp://127.0.0.1")


def test_a_port_that_accepts_but_never_answers_is_refused_by_the_probe(tmp_path, capsys, monkeypatch):
    """Not Dask's 5 s connect timeout: our probe (no Dask needed) waits `reply` seconds for the
    scheduler's first bytes; the CLI prints its one line and exits with status 2."""
    import functools

    from difflab import runner

    listener, address = _server(None)
    with listener:
        with pytest.raises(runner.ConfigError, match="accepts connections but sent nothing within 0.2 s"):
            runner._probe_scheduler(address, reply=0.2)
    listener, address = _server(b"")  # accepts, then hangs up without a word
    with listener:
        with pytest.raises(runner.ConfigError, match="accepts connections but closed the connection"):
            runner._probe_scheduler(address)
    pytest.importorskip("dask.distributed")  # the CLI path needs Dask's client to get as far as the probe
    # the same probe with the 0.2 s wait checked above: its default 2 s was the test idling, not checking more
    monkeypatch.setattr(runner.execution, "_probe_scheduler", functools.partial(runner._probe_scheduler, reply=0.2))
    listener, address = _server(None)
    with listener:
        code = main(["run", "cost_scaling", "--executor", "dask", "--scheduler", address, "--out", str(tmp_path), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "cannot reach the Dask scheduler" in err[0] and "accepts connections but sent nothing" in err[0]


# A Ctrl-C while the command is still importing (a quarter of a second, idle): a real SIGINT, sent
# by the process to itself as the import reaches NumPy, so the moment is the same on every run
CTRL_C_DURING_IMPORT = """
import os, signal, sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
"""


def _console_script_entry():
    """pyproject's entry point of the `difflab` script, as (module, function)."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    scripts = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    return re.search(r'^difflab = "([\w.]+):(\w+)"', scripts, re.M).groups()


def _default_sigint():
    """The child's SIGINT as a terminal's: a runner started in the background (`.ci/run &` from a script) passes
    SIGINT on ignored, and Python then installs no KeyboardInterrupt handler (the test's Ctrl-C did nothing)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("door", ["console script", "python -m difflab"])
def test_ctrl_c_while_the_command_imports_is_one_line_and_status_130(door):
    module, function = _console_script_entry()
    if door == "console script":  # what pip's generated `difflab` script runs
        run = f"import sys\nfrom {module} import {function}\nsys.exit({function}(['list']))\n"
    else:
        run = "import runpy, sys\nsys.argv = ['difflab', 'list']\nrunpy.run_module('difflab', run_name='__main__')\n"
    out = subprocess.run(
        [sys.executable, "-c", CTRL_C_DURING_IMPORT + run], capture_output=True, text=True, preexec_fn=_default_sigint
    )
    assert out.stderr.strip().splitlines() == ["difflab: interrupted"], out.stderr
    assert out.returncode == 130 and out.stdout == ""
    # the entry point's own import is light, so the guard covers the rest
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {module}; print(sorted(sys.modules))"], capture_output=True, text=True
    )
    assert "'numpy'" not in loaded.stdout and "'difflab.cli'" not in loaded.stdout
