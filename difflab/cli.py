"""The `difflab` command: list and run experiments, re-render reports, compare methods, draw and explore graphs.

    difflab list
    difflab run cost_scaling --preset quick [--set n=[4,16,64]] [--jobs 2] [--resume]
    difflab run all --preset quick --report reports/
    difflab report runs/cost_scaling/<run>
    difflab compare "x*y**2" --at x=3,y=2
    difflab functions
    difflab check mymodule:loss --at w=[0.5,1],b=0.1 [--grad mymodule:loss_grad]
    difflab graph "((x*y)*(y*z))**2" --at x=3,y=2,z=1 -o graph.svg
    difflab explore "((x*y)*(y*z))^2" --at x=3,y=2,z=1 [--port 8765] [--no-browser] [--html out.html]

Bad input (unknown experiment or config key, unparsable expression, missing variable) prints one
line and exits with status 2; a failed check or failed cells exit with 1; an error raised by the code run (the
user's function, a NameError in it, or difflab's own) with 3, so a CI script tells "wrong gradient" from "broken
code"; an interrupt with 130.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import os
import re
import sys
import warnings
from pathlib import Path

import numpy as np

from . import runner
from .runner.rundir import blocking_file, check_folder
from .errors import DifflabError

__all__ = ["main", "experiment_main", "add_run_arguments", "parse_expression", "parse_point", "UsageError"]


class UsageError(DifflabError, ValueError):
    """Input the command cannot use; printed as one line, exit status 2."""


# -- expressions: difflab's restricted language (difflab.expr), never Python eval -------------


def parse_expression(text: str, names=None, *, constant=False):
    """Parse an expression (difflab.expr's language) into (traceable function, variable names).

    `names` fixes the argument order; variables not in `names` come after them, sorted. The
    function calls difflab.numpy ops in the order and grouping typed (its trace is the graph as
    typed); `f.expression` is the text. Bad input raises UsageError naming the token and position, and
    so does a constant (no variable to differentiate) unless `constant`.

    >>> f, names = parse_expression("x*y**2 + sin(x)")
    >>> names, round(float(f(3.0, 2.0)), 6)
    (['x', 'y'], 12.14112)
    """
    from .expr import ExpressionError, parse

    try:
        parsed = parse(text)
    except ExpressionError as err:
        raise UsageError(f"cannot parse expression: {err}") from None
    f = parsed.function(names)
    f.expression = " ".join(text.split())
    if (
        not f.variables and not constant
    ):  # nothing to differentiate (compare raised argnums' ValueError, graph a KeyError)
        raise UsageError(
            f"the expression {f.expression!r} has no variables: nothing to differentiate (e.g. write 'x*2')"
        )
    return f, list(f.variables)


def _split_top(text: str) -> list:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_point(text: str | None) -> dict:
    """`x=0.5,y=1,w=[1,2]` → {name: float or float array}.

    >>> parse_point("x=0.5, w=[1, 2]")
    {'x': 0.5, 'w': array([1., 2.])}
    """
    point = {}
    for part in _split_top(text or ""):
        name, sep, value = part.partition("=")
        if not sep or not name.strip().isidentifier():
            raise UsageError(f"--at wants NAME=VALUE pairs separated by commas, got {part!r}")
        try:
            parsed = json.loads(value)
            arr = np.asarray(parsed, dtype=float)
        except (json.JSONDecodeError, TypeError, ValueError):
            raise UsageError(f"--at {name.strip()}: {_clip(value)!r} is not a number or a list of numbers") from None
        except OverflowError:  # (an integer of 309 digits or more: "OverflowError: int too large to convert to float")
            arr = np.asarray(np.inf)
        if not np.isfinite(arr).all():  # 1e400 overflows (json reads NaN and Infinity too): every derivative NaN
            raise UsageError(
                f"--at {name.strip()}: {_clip(value)!r} is not a finite number (a float64 ends at 1.8e308)"
            )
        if name.strip() in point:
            raise UsageError(f"--at gives {name.strip()} twice")
        point[name.strip()] = float(arr) if arr.ndim == 0 else arr
    return point


def _clip(text: str, limit: int = 40) -> str:
    """A value echoed in a message, cut to `limit` characters (a 400-digit number was echoed whole)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _args_for(names, point, what: str, default=None) -> list:
    missing = [n for n in names if n not in point]
    if missing and default is None:
        raise UsageError(
            f"no value for {', '.join(map(repr, missing))} in {what}; give it with --at "
            + ",".join(f"{n}=..." for n in names)
        )
    unused = [n for n in point if n not in names]
    if unused:  # a misspelt name would otherwise be dropped silently (and the default used)
        raise UsageError(
            f"--at gives {', '.join(map(repr, unused))}, {'which is' if len(unused) == 1 else 'which are'} not "
            f"among the names of {what}: {', '.join(names) or 'none'}"
        )
    return [point.get(n, default) for n in names]


# -- subcommands -------------------------------------------------------------------------------


def _cmd_list(args) -> int:
    found = runner.find_experiments()
    if not found:
        print(
            "no experiments found (looked in $DIFFLAB_EXPERIMENTS, ./experiments, the source tree and the installed package)"
        )
    width = max((len(n) for n in found), default=0)
    for name, path in sorted(found.items()):
        exp = runner.load_experiment(path)
        print(f"{name:<{width}}  {exp.question}")
        print(f"{'':<{width}}  presets: {', '.join(exp.presets)}; keys: {', '.join(exp.presets.get('quick', {}))}")
    return 0


def _cmd_report(args) -> int:
    check_folder("--report", args.report, runner.ConfigError)
    md = runner.render(args.run_dir)
    print(md)
    if args.report:
        print(f"report: {runner.publish([args.run_dir], args.report)}")
    return 0


def _cmd_functions(args) -> int:
    """The names an expression may call, in alphabetical order (an unknown function's error points here)."""
    import textwrap

    from .expr import CONSTANTS, expression_functions

    table = expression_functions()
    names = sorted(table, key=str.lower)
    missing = [n for n in names if not getattr(table[n].fn, "available", True)]  # (erf without SciPy)
    some = f", {len(names) - len(missing)} of them without SciPy" if missing else ""
    print(f"{len(names)} functions{some}:\n" + textwrap.fill(", ".join(n for n in names if n not in missing), 100))
    if missing:
        print(
            f"{len(missing)} need SciPy, which is not installed (pip install 'difflab[scipy]'):\n"
            + textwrap.fill(", ".join(missing), 100)
        )
    print(f"constants: {', '.join(CONSTANTS)}")
    return 0


def _print_comparison(cmp, names, args_):
    print(cmp)
    rows = [r for r in cmp.rows if not r["error"]]
    if rows and rows[0]["derivative"].size <= 8:
        shape = np.shape(rows[0]["derivative"])  # (outputs, inputs), each flattened
        rows_are = (
            f"the {shape[0]} × {shape[-1]} Jacobian row after row, one row per output; columns "
            if len(shape) == 2 and shape[0] > 1
            else ""
        )
        print(f"\nderivative by method ({rows_are}flattened over " + ", ".join(names) + "):")
        for r in rows:
            print(f"  {r['method']:<10} " + "  ".join(f"{v + 0.0:.16g}" for v in np.ravel(r["derivative"])))  # -0 is 0


def _cmd_compare(args) -> int:
    import difflab as dl

    point = parse_point(args.at)
    _, used = parse_expression(args.expression)  # an --at name it does not use was a column of 0s: refused, as by check
    _args_for(used, point, f"the expression {args.expression!r}")
    f, names = parse_expression(args.expression, list(point))  # the arguments in --at's order
    values = [point[n] for n in names]
    methods = _methods(args.methods)
    print(f"f({', '.join(names)}) = {f.expression}   at " + ", ".join(f"{n}={point[n]}" for n in names))
    cmp = dl.compare(f, *values, methods=methods, argnums=tuple(range(len(names))))
    _print_comparison(cmp, names, values)
    return 0


def _methods(text):
    """--methods a,b: every name checked before anything runs."""
    from .differentiators import METHODS

    if text is None:
        return "all"
    names = [m.strip() for m in text.split(",")]
    unknown = [m for m in names if m not in METHODS]
    if unknown or not names:
        raise UsageError(f"unknown method(s) {', '.join(map(repr, unknown))} in --methods; valid: {', '.join(METHODS)}")
    return list(dict.fromkeys(names))  # (reverse,reverse ran and printed reverse twice)


def _traceable(spec: str, call, held_hint=""):
    """Run `call()` (which traces the user's function); a function difflab cannot trace is a
    one-line usage error that says what to do, not a traceback from inside the tracer. An indexing
    error adds `held_hint` (how to hold a label argument that --at read as floats)."""
    from .errors import UnsupportedOperationError

    try:
        return call()
    except UnsupportedOperationError as err:
        first = str(err).split(";")[0]
        hint = held_hint if "index" in first else ""
        raise UsageError(
            f"{spec} cannot be traced: {first}{hint}; write it with difflab.numpy (import difflab.numpy "
            "as np) or pass its gradient with --grad module:function"
        ) from None


def _held_hint(names, values, wrt_text) -> str:
    """Without --wrt every argument is differentiated, so a label or index array given in --at is a
    float traced value, and indexing with it fails: name the arguments that could be held instead."""
    if wrt_text is not None or len(names) < 2:
        return ""
    whole = [k for k, v in enumerate(values) if _held(v) is not v][-3:]
    return "".join(
        f"; if {names[k]} is a label or an index, hold it (as an int) with --wrt "
        + ",".join(n for j, n in enumerate(names) if j != k)
        for k in reversed(whole)
    )


def _import_callable(spec: str):
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise UsageError(f"expected module:function or path/to/file.py:function, got {spec!r}")
    try:
        if target.endswith(".py"):
            loader = importlib.util.spec_from_file_location(Path(target).stem, target)
            if loader is None or not Path(target).is_file():
                raise UsageError(f"no such file {target!r}")
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            sys.path.insert(0, str(Path.cwd()))
            module = importlib.import_module(target)
    except ImportError as err:
        raise UsageError(f"cannot import {target!r}: {err}") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise UsageError(f"{target!r} has no function {attr!r}")
    return fn


def _cmd_check(args) -> int:
    """Check a gradient with difflab.testing.check_grad (exact reference when f is traceable):
    the user's `--grad` function if given; otherwise print the four methods side by side on f and
    check difflab's own reverse mode. Exit 0 when it matches, 1 when it does not."""
    import difflab as dl
    from difflab.testing import check_grad

    from .graph import Const

    f = _import_callable(args.function)
    names = [
        p.name
        for p in inspect.signature(f).parameters.values()
        if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    point = parse_point(args.at)
    values = _args_for(names, point, f"{args.function}'s arguments")
    wrt = _wrt(args.wrt, names, args.function)
    values = [v if k in wrt else _held(v) for k, v in enumerate(values)]
    argnums = tuple(wrt) if len(wrt) > 1 else wrt[0]
    if args.grad:
        grad_f, label = _import_callable(args.grad), args.grad
    else:
        # trace once first: a function difflab cannot trace fails here, in one line
        def of_wrt(*xs):  # f of the differentiated arguments, the held ones baked in (as grad traces it)
            full = list(values)
            for k, x in zip(wrt, xs):
                full[k] = x
            return f(*full)

        hint = _held_hint(names, values, args.wrt)
        graph = _traceable(args.function, lambda: dl.trace(of_wrt, *[values[k] for k in wrt]), hint)
        shapes = [np.shape(o.value) if type(o) is Const else o.shape for o in graph.outputs]
        if len(shapes) != 1 or tuple(shapes[0]) != ():  # refused before the table, not after it (as grad: shape ())
            raise UsageError(
                f"{args.function} returns shape {' and '.join(map(str, shapes))}, not one number: difflab check checks a "
                "scalar function's gradient (difflab compare and difflab.testing.check_jacobian take vector ones)"
            )
        cmp = dl.compare(f, *values, argnums=argnums)
        _print_comparison(cmp, [names[k] for k in wrt], values)
        print()
        grad_f, label = dl.grad(f, argnums=argnums, method="reverse"), "difflab reverse mode"
    try:
        result = _traceable(args.function, lambda: check_grad(f, grad_f, *values, argnums=argnums))
    except AssertionError as err:
        print(f"FAIL: the gradient from {label} does not match the reference\n{err}")
        if "where one array is due" in str(err):  # (the message speaks of argnums, the Python API's --wrt)
            print(f"note: --grad returns one entry per argument --wrt names ({', '.join(names[k] for k in wrt)})")
        return 1
    print(f"OK: the gradient from {label} matches the reference\n{result}")
    return 0


def _wrt(text, names, function) -> list:
    """The positions of the arguments --wrt names (all of them without it)."""
    if text is None:
        return list(range(len(names)))
    wanted = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in names]
    if unknown or not wanted:
        raise UsageError(
            f"--wrt {text!r} names no argument of {function}: its arguments are {', '.join(names) or 'none'}"
        )
    return sorted({names.index(w) for w in wanted})


def _held(value):
    """A held (not differentiated) argument: a whole-number value as an int (a class label, an index array)."""
    a = np.asarray(value)
    if a.size and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
        return int(a) if a.ndim == 0 else a.astype(np.int64)
    return value


def _cmd_graph(args) -> int:
    import difflab as dl

    point = parse_point(args.at)
    _, used = parse_expression(args.expression)  # a misspelt --at name (yy for y) drew y at 1 without a word
    _args_for(used, point, f"the expression {args.expression!r}", default=1.0)
    f, names = parse_expression(args.expression, list(point))
    values = _args_for(names, point, "the graph", default=1.0)
    out = Path(args.output)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png", "dot"):
        raise UsageError(f"-o must end in .svg, .png or .dot, got {out.name!r}")
    arrays = [(n, v) for n, v in zip(names, values) if np.ndim(v)]
    if fmt != "dot" and arrays:  # (annotate_graph's float() of a node's value was a TypeError that named nothing)
        n, v = arrays[0]
        raise UsageError(
            f"--at {n}: the annotated picture ({out.suffix}) shows each node's value and adjoint as one number, and {n}"
            f" is an array of shape {np.shape(v)}; -o graph.dot draws the graph of arrays (shapes, no values), and "
            "difflab compare differentiates it"
        )
    if fmt != "dot":  # (matplotlib, a second of imports, only for a picture)
        from difflab.report.figures import figure_bytes
        from difflab.report.graphs import annotate_graph, draw_graph
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "dot":
            out.write_text(dl.to_dot(dl.trace(f, *values)) + "\n")
        else:
            record = annotate_graph(f, *values)
            at = ", ".join(f"{n}={v:g}" for n, v in zip(names, values))
            out.write_bytes(figure_bytes(draw_graph(record, f"{f.expression}   at {at}"), fmt))
    except OSError as err:
        raise _cannot_write(out, err) from None
    if fmt != "dot":  # (these lines sat after the raise above, never reached)
        for method, err in record.get("errors", {}).items():
            print(f"note: {method} could not differentiate this graph: {err}", file=sys.stderr)
    print(out)
    return 0


def _cmd_explore(args) -> int:
    """The explorer: a local server (default), or with --html one self-contained static page."""
    from .explore import ExploreError, parse_at
    from .expr import ExpressionError

    try:
        names: list = []
        if args.expression is not None:
            _, names = parse_expression(
                args.expression, constant=True
            )  # a bad expression is one line, exit 2, before anything starts
        point = parse_at(args.at)
        unused = [n for n in point if args.expression is not None and n not in names]
        if unused:  # a typo (X for x) would leave x at its default 1 without a word
            print(
                f"difflab explore: warning: --at gives {', '.join(unused)}, which {args.expression!r} does not use "
                f"(its variables: {', '.join(names) or 'none'}; one the point omits starts at 1)",
                file=sys.stderr,
            )
        if args.html is not None:  # (an empty --html "" started the server instead)
            from .explore.page import write_html

            if not args.html.strip():
                raise UsageError('--html needs a file name: difflab explore --html out.html "x*y" --at x=1,y=2')
            if args.expression is None:
                raise UsageError('--html needs an expression: difflab explore --html out.html "x*y" --at x=1,y=2')
            try:
                print(write_html(args.html, args.expression, point))
            except OSError as err:
                raise _cannot_write(args.html, err) from None
            return 0
    except (ExpressionError, ExploreError) as err:
        raise UsageError(str(err)) from None
    from .explore.server import serve

    if args.budget <= 0:
        raise UsageError(f"--budget must be > 0 seconds, got {args.budget:g}")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0 (any free port) to 65535, got {args.port}")
    try:
        serve(args.expression, args.at or None, port=args.port, open_browser=not args.no_browser, budget=args.budget)
    except OSError as err:  # the port is taken, or not ours to bind
        # name the remedy too: the usual cause is a second explorer (or another server) on the port
        raise UsageError(
            f"cannot serve on 127.0.0.1:{args.port}: {err.strerror or err}; "
            "choose another port with --port N (--port 0 picks a free one)"
        ) from None
    except KeyboardInterrupt:
        print("difflab explorer: stopped", file=sys.stderr)
    return 0


# -- running experiments (shared by `difflab run` and `python experiments/NAME.py`) ---------------


def add_run_arguments(parser: argparse.ArgumentParser, names: bool = True):
    """Add the options of a run (preset, --set, seed, jobs, executor, out, resume, quiet, report).

    >>> p = argparse.ArgumentParser()
    >>> add_run_arguments(p)
    >>> a = p.parse_args(["cost_scaling", "--jobs", "2", "--set", "n=[4]"])
    >>> a.experiments, a.jobs, a.set, a.executor, a.out
    (['cost_scaling'], 2, ['n=[4]'], None, 'runs')
    """
    if names:
        parser.add_argument(
            "experiments",
            nargs="+",
            metavar="NAME|all",
            help="experiment names (see `difflab list`), paths to experiment files, or all",
        )
    parser.add_argument("--preset", default="quick", help="parameter preset: quick (default) or full")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config key (JSON values: --set n=[4,8]); repeatable",
    )
    parser.add_argument("--seed", type=_seed, default=0, help="root seed of the run (default 0)")
    parser.add_argument("--jobs", "-j", type=_positive_int, default=1, help="worker processes (default 1: serial)")
    parser.add_argument(
        "--executor", choices=runner.EXECUTORS, default=None, help="serial, process (default when --jobs > 1) or dask"
    )
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address (with --executor dask)")
    parser.add_argument("--out", default="runs", help="where run directories go (default runs/)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the newest run with the same config and seed, skipping finished cells",
    )
    parser.add_argument(
        "--report", default=None, metavar="DIR", help="also publish the reports and an index to DIR (e.g. reports/)"
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="print nothing: no progress lines, not even the run directory"
    )


def _int_at_least(least: int):
    """An argparse type: a whole number of at least `least`, else one line naming the value."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be {least} or more, got {value}")
        return value

    return parse


_positive_int, _seed = _int_at_least(1), _int_at_least(0)


def _overrides(pairs) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise runner.ConfigError(f"--set wants KEY=VALUE, got {pair!r}")
        out[key.strip()] = value
    return out


_blocking_file = blocking_file  # (the runner's: `run` checks its out= folder as the CLI checks --out)


def _cannot_write(path, err: OSError) -> UsageError:
    """`cannot write PATH: why`, naming a file that stands where a folder is due (mkdir said only "File exists")."""
    blocking = _blocking_file(Path(path).parent)
    return UsageError(f"cannot write {path}: " + (f"{blocking} is a file" if blocking else f"{err.strerror or err}"))


def _cmd_run(args) -> int:
    """Run what parsed `add_run_arguments` options ask for (see `runner.run_many`)."""

    for flag, folder in (("--out", args.out), ("--report", args.report)):  # before a long run, not after it
        # (--out "" wrote into the current folder, --report "" published nothing; an unwritable place, a read-only
        # mount, was found only when the run had finished, as "FileNotFoundError: [Errno 2] ..." with status 1)
        check_folder(flag, folder, runner.ConfigError)
    if args.scheduler and args.executor != "dask":  # else it would be ignored and the run go serial
        raise runner.ConfigError(f"--scheduler {args.scheduler} needs --executor dask")

    def done(run_dir):  # the run directory, when no progress line has named it already
        if not args.quiet and not runner.Progress(args.quiet).on:
            print(run_dir)

    run_dirs = runner.run_many(
        args.experiments,
        args.preset,
        _overrides(args.set),
        on_done=done,
        seed=args.seed,
        out=args.out,
        jobs=args.jobs,
        executor=args.executor,
        scheduler=args.scheduler,
        resume=args.resume,
        quiet=args.quiet,
    )
    if args.report:
        index = runner.publish(run_dirs, args.report)
        if not args.quiet:
            print(f"report: {index}")
    return 0


def experiment_main(path, argv=None) -> int:
    """Entry point of `python experiments/NAME.py [options]`: run that file; returns the exit status.

    >>> import tempfile
    >>> experiment_main(runner._demo_experiment(), ["--out", tempfile.mkdtemp(), "--quiet", "--preset", "full"])
    0
    """
    parser = argparse.ArgumentParser(prog=Path(path).name, description=runner.load_experiment(path).question)
    add_run_arguments(parser, names=False)
    args = parser.parse_args(argv)
    args.experiments = [str(path)]
    try:
        _cmd_run(args)
    except runner.ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except runner.RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


# -- the parser --------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, with a bad option answered in one line (not the usage block) and status 2."""

    def error(self, message):
        takes_expression = any(a.dest == "expression" for a in self._actions)
        if takes_expression and (_DASHED.search(message) or message.endswith("required: expression")):
            # argparse reads an expression such as -x^2 as an option (and then misses the expression); only a
            # command that takes one says so (`check ... --rtol -1` was told about expressions it has none of)
            message += (
                "; an expression that starts with '-' needs a space or parentheses before it: ' -x^2' or '(-x^2)'"
            )
        derivative = _DERIVATIVE_WORD.search(message)
        if derivative:  # `difflab grad 'x**2' --at x=2`: JAX's word for what compare prints, per method
            message += (
                f"; there is no '{derivative.group(1)}' command: difflab compare 'x**2' --at x=2 prints every "
                "method's derivative of an expression, difflab check mod:f --at x=1 a Python function's gradient"
            )
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Once(argparse.Action):
    """An option that may be given once: argparse keeps the last of two silently (`--methods symbolic --methods
    numeric` compared numeric alone, `--at x=1 --at y=2` lost x)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, f"_given_{self.dest}", False):
            example = {"--methods": "--methods symbolic,numeric"}.get(str(option_string), "--at x=1,y=2")
            parser.error(f"{option_string} is given twice; give every value in one: {example}")
        setattr(namespace, f"_given_{self.dest}", True)
        setattr(namespace, self.dest, values)


_DASHED = re.compile(r"^unrecognized arguments:.* -[^-\s]")
_DERIVATIVE_WORD = re.compile(
    r"invalid choice: '(grad|gradient|value_and_grad|jacobian|jacfwd|jacrev|hessian|hvp|jvp|vjp|diff|derivative)'"
)


def _add_expression_commands(sub) -> None:
    """The subcommands that take a function: compare, check, graph, explore."""
    s = sub.add_parser("compare", help='every method on an expression: difflab compare "x*y**2" --at x=3,y=2')
    s.add_argument(
        "expression",
        help="numbers, variables, + - * / ** ^, parentheses and the registry's functions "
        "(exp log sin cos tan tanh sqrt abs max min sigmoid relu softplus ...)",
    )
    s.add_argument("--at", default="", action=_Once, help="the point: x=0.5,y=1 (lists give arrays: w=[1,2])")
    s.add_argument("--methods", default=None, action=_Once, help="comma-separated subset (default: all four)")
    s.set_defaults(fn=_cmd_compare)
    s = sub.add_parser("check", help="check a Python function's gradient: difflab check mod:f --at x=1")
    s.add_argument("function", help="module:function or path/to/file.py:function (a scalar function)")
    s.add_argument("--at", default="", action=_Once, help="values of the function's arguments: x=1,w=[1,2]")
    s.add_argument(
        "--grad",
        default=None,
        help="module:function or path/to/file.py:function computing the gradient to check, returning one "
        "entry per differentiated argument (those --wrt names, all by default; one array for one) (default: compare "
        "difflab's four methods on the function and check its reverse mode)",
    )
    s.add_argument(
        "--wrt",
        default=None,
        help="the arguments to differentiate, comma-separated (default: all); the others are held, "
        "a whole-number value as an int (a label, an index array): --wrt logits",
    )
    s.set_defaults(fn=_cmd_check)
    s = sub.add_parser("graph", help='draw the computation graph: difflab graph "sin(x)*y" -o graph.svg')
    s.add_argument("expression", help="in the language difflab compare takes (see difflab compare --help)")
    s.add_argument(
        "--at",
        default="",
        action=_Once,
        help="the point whose values and derivatives annotate the nodes (default 1 for each variable)",
    )
    s.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="graph.svg, graph.png or graph.dot; the suffix picks (default graph.svg)",
    )
    s.set_defaults(fn=_cmd_graph)
    s = sub.add_parser("explore", help='the explorer in a browser: difflab explore "((x*y)*(y*z))^2" --at x=3,y=2,z=1')
    s.add_argument("expression", nargs="?", default=None, help="the function to open with (the page can change it)")
    s.add_argument(
        "--at", default="", action=_Once, help="the point: x=0.7,y=2 (scalars; a missing variable starts at 1)"
    )
    s.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 picks a free one)")
    s.add_argument("--no-browser", action="store_true", help="do not open a browser; print the URL")
    s.add_argument("--budget", type=float, default=10.0, help="seconds one computation may take (default 10)")
    s.add_argument(
        "--html",
        default=None,
        metavar="OUT.html",
        help="write one self-contained static page instead of serving (works offline, from disk)",
    )
    s.set_defaults(fn=_cmd_explore)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the `difflab` command (subcommands list, run, report, compare, check, graph, explore).

    >>> build_parser().parse_args(["compare", "x*y", "--at", "x=1,y=2"]).at
    'x=1,y=2'
    """
    p = _Parser(
        prog="difflab",
        description="A differentiation lab: experiments, reports, "
        "and the four methods (symbolic, numeric, forward, reverse) side by side.",
    )
    from . import __version__

    p.add_argument("--version", action="version", version=f"difflab {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    s = sub.add_parser("list", help="list the experiments and their questions")
    s.set_defaults(fn=_cmd_list)
    s = sub.add_parser("run", help="run experiments (NAME ... or all); writes runs/<name>/<time>_<hash>/")
    add_run_arguments(s)
    s.set_defaults(fn=_cmd_run)
    s = sub.add_parser("report", help="re-render a run's figures and report from its results files")
    s.add_argument("run_dir", help="a run directory, runs/<experiment>/<time>_<hash>/ (difflab run prints it)")
    s.add_argument("--report", default=None, metavar="DIR", help="also publish it to DIR with an index")
    s.set_defaults(fn=_cmd_report)
    s = sub.add_parser("functions", help="list the functions expressions may call (compare, graph, explore)")
    s.set_defaults(fn=_cmd_functions)
    _add_expression_commands(sub)
    p.commands = sub.choices  # name -> its parser (main answers a word it does not know there)
    return p


def main(argv=None) -> int:
    """Run the `difflab` command with `argv` (default sys.argv[1:]); returns the exit status.

    >>> main(["run", "no_such_experiment"])
    2
    """
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # the command's own error: its name and its --help, which lists its options (the top one's does not)
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    # warnings become one line each (not a source line inside difflab or runpy), once per message
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            return _dispatch(args)
        finally:
            for message in dict.fromkeys(str(w.message) for w in caught):
                print(f"difflab {args.command}: warning: {message}", file=sys.stderr)


def _dispatch(args) -> int:
    try:
        return args.fn(args)
    except (UsageError, runner.ConfigError) as err:
        print(f"difflab {args.command}: error: {err}", file=sys.stderr)
        return 2
    except runner.RunError as err:
        print(f"difflab {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("difflab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `difflab list | head`: the reader left; that is not an error
        sys.stderr = open(os.devnull, "w")
        return 0
    except (ValueError, TypeError) as err:  # difflab's own bad-input errors: they name the problem
        if _raised_in_user_code(err):  # the user's own `raise ValueError`: the code run raised, as a NameError
            return _code_raised(args, err)
        if os.environ.get("DIFFLAB_TRACEBACK"):
            raise
        where = _user_frame(err)  # a NumPy LinAlgError in the user's function: which line of theirs
        print(
            f"difflab {args.command}: error: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            + (f" (at {where})" if where else ""),
            file=sys.stderr,
        )
        return 2
    except Exception as err:  # anything else: one line, and how to see the rest
        return _code_raised(args, err)


def _code_raised(args, err: Exception) -> int:
    """Print an exception the code run raised as one line with where and how to see the rest; status 3."""
    if os.environ.get("DIFFLAB_TRACEBACK"):
        raise err
    where = _user_frame(err)
    print(
        f"difflab {args.command}: error: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''} "
        f"({f'at {where}; ' if where else ''}set DIFFLAB_TRACEBACK=1 for the traceback)",
        file=sys.stderr,
    )
    return 3  # (not 1, a failed check's: the code raised, nothing was checked)


def _user_frame(err: BaseException) -> str | None:
    """`file.py:line in name` of the innermost frame of the user's own code in err's traceback, or None.

    A bug in the function `difflab check` runs (a NameError in it) was one line without a place to look:
    frames of difflab itself, the standard library and installed packages are skipped.

    >>> _user_frame(ValueError("never raised")) is None
    True
    """
    import traceback

    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if _is_users(frame.filename):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return None


def _raised_in_user_code(err: BaseException) -> bool:
    """Whether err's innermost frame is the user's own code (its `raise`), not difflab's, NumPy's or Python's.

    >>> _raised_in_user_code(ValueError("never raised"))
    False
    """
    import traceback

    frames = traceback.extract_tb(err.__traceback__)
    return bool(frames) and _is_users(frames[-1].filename)


def _is_users(filename: str) -> bool:
    # frames of difflab itself, the standard library and installed packages are not the user's
    import sysconfig

    if filename.startswith("<"):
        return False
    skipped = [str(Path(__file__).resolve().parent)]
    skipped += [sysconfig.get_path(k) for k in ("stdlib", "platstdlib", "purelib", "platlib") if sysconfig.get_path(k)]
    return not any(str(Path(filename).resolve()).startswith(s) for s in skipped)
