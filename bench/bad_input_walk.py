"""A hostile user's walk through issue 15's doors (run: `nice -n 10 python bench/bad_input_walk.py [SECTION ...]`,
sections domain, boundary, nonfinite, aliasing, audit, inputs, cli; about 10 minutes on 2 idle cores).

Every op that has a domain, at a point outside it, through every method and public operator; int,
bool, keyword, None/str/generator and empty inputs through the operators the suite's battery does
not parametrise; NaN/inf inputs through second-order operators; aliasing of every returned array
against the inputs, tangents and cotangents; and the CLI's bad input. Prints each case that gave a
wrong kind of answer (a finite number, a bare exception, a stray NumPy warning, an alias, a mutated
input) and a count per section. Not part of the timed tests: tests/test_bad_input.py keeps the cases.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]
SECTIONS: dict[str, list] = {}


def _report(section, what):
    SECTIONS.setdefault(section, []).append(what)


def _run(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return fn(), caught, None
        except Exception as exc:  # noqa: BLE001 (a walk: every exception is a finding to judge)
            return None, caught, exc


def _refusal(exc) -> bool:
    """A clear refusal: difflab's own error class, or a standard one with difflab's words."""
    return isinstance(exc, dl.DifflabError) or (isinstance(exc, (TypeError, ValueError)) and "\n" not in str(exc))


def _operators(method):
    one = lambda x: np.ones_like(x) if np.ndim(x) else 1.0  # noqa: E731
    return {
        "grad": lambda f, x: dl.grad(f, method=method)(x),
        "value_and_grad": lambda f, x: dl.value_and_grad(f, method=method)(x),
        "jacobian": lambda f, x: dl.jacobian(f, method=method)(x),
        "hessian": lambda f, x: dl.hessian(f, method=method)(x),
        "jvp": lambda f, x: dl.jvp(f, (x,), (one(x),), method=method),
        "vjp": lambda f, x: dl.vjp(f, x, method=method)[1](1.0),
        "prepare": lambda f, x: dl.prepare(f, x * 0.0 + 2.0, method=method).grad(x),
        "vmap(grad)": lambda f, x: dl.vmap(dl.grad(f, method=method))(np.array([x, x])),
        "hvp": lambda f, x: dl.hvp(f, (x,), (one(x),), method=method),
        "linearize": lambda f, x: dl.linearize(f, x, method=method)[1](one(x)),
        "compare": lambda f, x: str(dl.compare(f, x, methods=[method])),
    }


def _finite(result) -> bool:
    leaves = dl.tree.flatten(result)[0] if not isinstance(result, str) else []
    return all(np.all(np.isfinite(np.asarray(leaf, dtype=float))) for leaf in leaves)


DOMAIN = {  # f, a point outside the domain of the op named
    "log(-1)": (lambda x: dnp.log(x), -1.0, "log"),
    "log1p(-2)": (lambda x: dnp.log1p(x), -2.0, "log1p"),
    "log2(-1)": (lambda x: dnp.log2(x), -1.0, "log2"),
    "log10(-1)": (lambda x: dnp.log10(x), -1.0, "log10"),
    "sqrt(-1)": (lambda x: dnp.sqrt(x), -1.0, "sqrt"),
    "arcsin(2)": (lambda x: dnp.arcsin(x), 2.0, "arcsin"),
    "arccos(2)": (lambda x: dnp.arccos(x), 2.0, "arccos"),
    "arccosh(0.5)": (lambda x: dnp.arccosh(x), 0.5, "arccosh"),
    "arctanh(2)": (lambda x: dnp.arctanh(x), 2.0, "arctanh"),
    "1/0": (lambda x: 1.0 / x, 0.0, "div"),
    "reciprocal(0)": (lambda x: dnp.reciprocal(x), 0.0, "reciprocal"),
    "(-1)**0.5": (lambda x: x**0.5, -1.0, "pow"),
    "0**-1": (lambda x: x**-1.0, 0.0, "pow"),
    "mod(1, 0)": (lambda x: dnp.mod(1.0, x), 0.0, "mod"),
    "log(-1) in a vector": (lambda v: dnp.sum(dnp.log(v)), np.array([-1.0, 2.0]), "log"),
}


def domain_section():
    for case, (f, x, op) in DOMAIN.items():
        for method in METHODS:
            for name, call in _operators(method).items():
                if name == "linearize" and method == "numeric":
                    continue  # refused by design (a stencil re-evaluates f): its own test
                result, caught, exc = _run(lambda: call(f, x))
                where = f"{case} {method} {name}"
                if exc is not None:
                    if not (method == "symbolic" and "traced values" in str(exc)):
                        _report("domain", f"{where}: {type(exc).__name__}: {str(exc)[:90]}")
                    continue
                if name != "compare" and _finite(result):
                    _report("domain", f"{where}: a finite answer {result!r}")
                domain = [w for w in caught if issubclass(w.category, dl.DomainWarning)]
                stray = [w for w in caught if not issubclass(w.category, (dl.DomainWarning, dl.DifflabWarning))]
                if not domain or not str(domain[0].message).startswith(f"v1 = {op}("):
                    _report("domain", f"{where}: warnings {[str(w.message)[:60] for w in domain]}")
                if len({str(w.message) for w in domain}) != len(domain):
                    _report("domain", f"{where}: a warning repeated {[str(w.message)[:40] for w in domain]}")
                if stray:
                    _report("domain", f"{where}: stray {[f'{w.category.__name__}: {w.message}' for w in stray]}")


def boundary_section():
    """int/bool, keywords, what f returns and empty arrays through every operator."""
    sq = lambda x: dnp.sum(x * x)  # noqa: E731
    for method in METHODS:
        ops = _operators(method)
        for name, call in ops.items():
            for label, f, x, kind, words in [
                ("int", sq, 3, TypeError, "dtype int"),
                ("bool", sq, True, TypeError, "dtype bool"),
                ("int array", sq, np.arange(3), TypeError, "dtype int"),
                ("returns None", lambda x: None, 1.0, TypeError, "NoneType"),
                ("returns str", lambda x: "a", 1.0, TypeError, "str"),
                ("empty", sq, np.zeros(0), None, ""),  # differentiates to an empty array (tests/test_empty.py)
            ]:
                if name == "linearize" and method == "numeric":
                    continue
                if name == "prepare":  # prepared at the bad input itself (the others prepare at 2.0)
                    call = lambda f, x: dl.prepare(f, x, method=method).grad(x)  # noqa: E731
                result, _, exc = _run(lambda: call(f, x))
                if kind is None:
                    sizes = [np.size(leaf) for leaf in dl.tree.flatten(result)[0]] if exc is None else [None]
                    if exc is not None or (
                        name not in ("compare", "value_and_grad", "hvp", "jvp", "linearize") and any(sizes)
                    ):
                        _report("boundary", f"{label} {method} {name}: {exc!r} {sizes}")
                    continue
                if name == "compare" and exc is None and f"failed: {kind.__name__}" in result and words in result:
                    continue  # compare reports a method's failure in its row, one line
                if method == "symbolic" and "traced values" in str(exc):
                    continue  # symbolic refuses to run inside vmap (by design, its own test)
                if not isinstance(exc, kind) or words not in str(exc) or not _refusal(exc):
                    got = "no error" if exc is None else f"{type(exc).__name__}: {str(exc)[:80]}"
                    _report("boundary", f"{label} {method} {name}: {got}")


def nonfinite_section():
    fs = {
        "x*0": lambda v: dnp.sum(v * 0.0),
        "relu": lambda v: dnp.sum(dnp.relu(v)),
        "abs": lambda v: dnp.sum(dnp.abs(v)),
        "max": lambda v: dnp.max(v),
    }
    for method in METHODS:
        for name, call in _operators(method).items():
            if name in ("compare",) or (name == "linearize" and method == "numeric"):
                continue
            for fname, f in fs.items():
                for bad in (np.nan, np.inf):
                    x = np.array([bad, 1.0])
                    result, _, exc = _run(lambda: call(f, x))
                    if method == "symbolic" and "traced values" in str(exc):
                        continue  # symbolic refuses to run inside vmap (by design, its own test)
                    if exc is not None:
                        _report("nonfinite", f"{fname}({bad}) {method} {name}: {type(exc).__name__}: {exc}")
                        continue
                    first = [np.ravel(np.asarray(leaf, dtype=float)) for leaf in dl.tree.flatten(result)[0]]
                    # the derivative part: every leaf but a primal value; entry 0 must not be finite
                    derivs = first[1:] if name in ("value_and_grad", "jvp", "hvp") else first
                    if name == "jvp":
                        derivs = first[-1:]
                    if all(np.isfinite(d[0]) for d in derivs if d.size):
                        _report("nonfinite", f"{fname}({bad}) {method} {name}: finite {result!r}")


def aliasing_section():
    """No returned array shares memory with an input, a tangent, a cotangent or another result."""
    fs = {"identity": lambda x: x, "slice": lambda x: x[:2], "sum": lambda x: dnp.sum(x), "twice": lambda x: (x, x)}
    for method in METHODS:
        for fname, f in fs.items():
            x, t, u = np.arange(4.0), np.ones(4), np.arange(4.0) + 1.0
            ins = {"x": x, "t": t}
            calls = {
                "jvp": lambda: dl.jvp(f, (x,), (t,), method=method),
                "linearize": lambda: (lambda y, lin: (y, lin(t)))(*dl.linearize(f, x, method=method)),
                "value_and_grad": lambda: dl.value_and_grad(
                    lambda z: dnp.sum(f(z) if fname != "twice" else z), method=method
                )(x),
                "jacobian": lambda: dl.jacobian(f, method=method)(x),
                "grad of sum": lambda: dl.grad(lambda z: dnp.sum(z), method=method)(x),
            }
            if fname in ("identity", "slice"):
                cot = u if fname == "identity" else u[:2]
                ins["u"] = cot
                calls["vjp pullback"] = lambda cot=cot: dl.vjp(f, x, method=method)[1](cot)
            for name, call in calls.items():
                if name == "linearize" and method == "numeric":
                    continue
                keep = {k: v.copy() for k, v in ins.items()}
                result, _, exc = _run(call)
                if exc is not None:
                    _report("aliasing", f"{fname} {method} {name}: {type(exc).__name__}: {str(exc)[:80]}")
                    continue
                leaves = [leaf for leaf in dl.tree.flatten(result)[0] if isinstance(leaf, np.ndarray)]
                for k, v in ins.items():
                    if not np.array_equal(v, keep[k]):
                        _report("aliasing", f"{fname} {method} {name}: input {k} mutated")
                    if any(np.shares_memory(leaf, v) for leaf in leaves):
                        _report("aliasing", f"{fname} {method} {name}: a result aliases {k}")
                for i in range(len(leaves)):
                    for j in range(i):
                        if np.shares_memory(leaves[i], leaves[j]):
                            _report("aliasing", f"{fname} {method} {name}: results {j} and {i} share memory")


def _sq(x):
    return dnp.sum(x * x)


def _writes_into_x(x):
    x *= 2.0  # a user function that changes its argument in place: x -> Σ(2x)²
    return np.sum(x * x)


def inputs_section():
    """realcode37's pass: dtypes (float16 kept, object refused, complex where a real is expected), non-
    contiguous, read-only and 0-d arrays, pytrees, a function that writes into its argument (under every
    operator and difflab.testing.check_grad) and magnitudes near the ends of float64, through every operator:
    a refusal, or the answer reverse gives at a plain float64 copy, with the caller's arrays unchanged."""
    from difflab.testing import check_grad

    base = np.arange(12.0).reshape(3, 4)
    read_only = np.array([1.0, 2.0])
    read_only.flags.writeable = False
    cases = [  # label, f, x, the expected gradient (None: refused)
        ("float16", _sq, np.array([1.0, 2.0], dtype=np.float16), np.array([2.0, 4.0])),
        ("object", _sq, np.array([1.0, 2.0], dtype=object), None),
        ("non-contiguous", _sq, base[:, 1], 2 * base[:, 1]),
        ("read-only", _sq, read_only, 2 * read_only),
        ("0-d", lambda x: x**3, np.array(2.0), np.array(12.0)),
        ("writes into x", _writes_into_x, np.array([1.0, 2.0]), np.array([8.0, 16.0])),
        ("tiny", lambda x: dnp.sum(dnp.sqrt(x) * x), np.array([1e-310, 1.0]), np.array([1.5e-155, 1.5])),
    ]
    for method in METHODS:
        ops = _operators(method)
        ops["check_grad"] = lambda f, x: check_grad(f, dl.grad(f, method=method), x)
        for label, f, x, want in cases:
            for name, call in ops.items():
                if name in ("linearize", "vmap(grad)") and method in ("numeric", "symbolic"):
                    continue
                keep = x.copy()
                result, caught, exc = _run(lambda: call(f, x))
                where = f"{label} {method} {name}"
                if not np.array_equal(x, keep):
                    _report("inputs", f"{where}: the caller's array changed to {x!r}")
                if want is None:
                    if not _refusal(exc):
                        _report("inputs", f"{where}: {result!r} {exc!r}")
                    continue
                if exc is not None:
                    if not (method == "symbolic" and "traced values" in str(exc)):
                        _report("inputs", f"{where}: {type(exc).__name__}: {str(exc)[:90]}")
                    continue
                leaves = [leaf for leaf in dl.tree.flatten(result)[0] if isinstance(leaf, np.ndarray)]
                if any(np.shares_memory(leaf, x) for leaf in leaves):
                    _report("inputs", f"{where}: a result aliases x")
                if name in ("grad", "prepare"):
                    tol = 1e-2 if x.dtype == np.float16 else 1e-6 if method == "numeric" else 1e-12
                    atol = 1e-9 if method == "numeric" else 0  # (numeric's resolution: 1.5e-155 reads 0)
                    if not np.allclose(np.asarray(result, dtype=float), want, rtol=tol, atol=atol):
                        _report("inputs", f"{where}: {result!r}, not {want!r}")
                stray = [w for w in caught if not issubclass(w.category, dl.DifflabWarning)]
                if stray:
                    _report("inputs", f"{where}: stray {[str(w.message)[:60] for w in stray]}")
    f2 = lambda a, b: dnp.sum(a * b)  # noqa: E731
    for method in METHODS:
        for label, call, kind in [
            ("argnums 2 of 2", lambda: dl.grad(f2, argnums=2, method=method)(np.ones(2), np.ones(2)), ValueError),
            ("argnums 1.0", lambda: dl.grad(f2, argnums=1.0, method=method)(np.ones(2), np.ones(2)), TypeError),
            ("grad of a vector", lambda: dl.grad(lambda x: x * 2, method=method)(np.ones(2)), TypeError),
            ("complex output", lambda: dl.grad(lambda x: dnp.sum(x * 1j), method=method)(np.ones(2)), TypeError),
            (
                "int leaf in a dict",
                lambda: dl.grad(lambda d: d["a"] * dnp.sum(d["b"]), method=method)({"a": 2, "b": np.ones(2)}),
                TypeError,
            ),
            ("tangent shape", lambda: dl.jvp(lambda x: x**2, (np.ones(2),), (np.ones(3),), method=method), ValueError),
            ("cotangent shape", lambda: dl.vjp(lambda x: x**2, np.ones(2), method=method)[1](np.ones(3)), ValueError),
            ("prepared, other shape", lambda: dl.prepare(_sq, np.ones(2), method=method).grad(np.ones(3)), ValueError),
        ]:
            _, _, exc = _run(call)
            if not isinstance(exc, kind) or not _refusal(exc):
                _report("inputs", f"{label} {method}: {exc!r}")
        tree = {"a": 2.0, "b": (np.ones(2), [3.0]), "c": None}
        result, _, exc = _run(
            lambda: dl.grad(lambda d: d["a"] * dnp.sum(d["b"][0]) * d["b"][1][0], method=method)(tree)
        )
        near = lambda a, b: np.allclose(a, b, rtol=1e-8)  # noqa: E731
        if exc is not None or result["c"] is not None or not (near(result["a"], 6.0) and near(result["b"][0], 6.0)):
            _report("inputs", f"pytree {method}: {result!r} {exc!r}")


def audit_section():
    """The holes the issue-15 audit found beyond the sections above (tests/test_bad_input_audit.py)."""
    f2 = lambda x, y: dnp.sum(x * x) + 3.0 * dnp.sum(y)  # noqa: E731
    for method in METHODS:
        for argnums in [(0, 0), ()]:  # (0, 0) gave (0, 2) by forward and numeric
            _, _, exc = _run(lambda: dl.grad(f2, argnums=argnums, method=method)(1.0, 2.0))
            if not isinstance(exc, ValueError) or "argnums" not in str(exc):
                _report("audit", f"argnums {argnums} {method}: {exc!r}")
        for name, f, x in [("x/x", lambda x: x / x, 0.0), ("exp-exp", lambda x: dnp.exp(x) - dnp.exp(x), 1000.0)]:
            result, caught, exc = _run(lambda: dl.value_and_grad(f, method=method)(x))  # symbolic folded x/x to 1
            if exc is not None or _finite(result) or not any(issubclass(w.category, dl.DomainWarning) for w in caught):
                _report("audit", f"{name} {method}: {result!r} {exc!r}")
    _run(lambda: dl.grad(f2, argnums=[0, 1])(1.0, 2.0))
    result, _, exc = _run(lambda: dl.grad(f2, argnums=np.int64(1))(1.0, 2.0))
    if exc is not None or result != 3.0:
        _report("audit", f"argnums np.int64(1) after [0, 1]: {result!r} {exc!r}")
    sg = lambda x: dnp.sum(x * dl.stop_gradient(x))  # noqa: E731
    g, x = dl.grad(sg, method="numeric"), np.array([0.5, 1.5])
    said = [sum(issubclass(w.category, dl.DifflabWarning) for w in _run(lambda: g(x))[1]) for _ in range(3)]
    said.append(
        sum(issubclass(w.category, dl.DifflabWarning) for w in _run(lambda: dl.vjp(sg, x, method="numeric"))[1])
    )
    if said != [1, 1, 1, 1]:
        _report("audit", f"numeric on stop_gradient: warnings per call {said}")
    for label, call in [
        ("vmap None", lambda: dl.vmap(lambda x: None)(np.ones(2))),
        ("trace str", lambda: dl.trace(lambda x: "a", 1.0)),
        (
            "checkpoint None",
            lambda: dl.grad(lambda x: dnp.sum(dl.checkpoint(lambda z: None)(x)), method="symbolic")(1.0),
        ),
        ("compare repeat 0", lambda: dl.compare(lambda x: x * x, 1.0, repeat=0)),
    ]:
        _, _, exc = _run(call)
        if not _refusal(exc):
            _report("audit", f"{label}: {exc!r}")
    from _pytest._code import ExceptionInfo  # what pytest shows of a failing oracle check

    from difflab.testing import check_grad

    for label, call in [
        ("wrong shape", lambda: check_grad(lambda w: np.sum(w * w), lambda w: np.ones(3), np.ones(5))),
        ("None", lambda: check_grad(lambda w: np.sum(w * w), lambda w: None, np.ones(5))),
        ("int x", lambda: check_grad(lambda w: np.sum(w * w), lambda w: w, np.arange(3))),
    ]:
        try:
            call()
        except Exception:  # noqa: BLE001
            info = ExceptionInfo.from_current()
            shown = [str(e.path) for e in info.traceback if not e.ishidden(info) and "/difflab/" in str(e.path)]
            if shown:
                _report("audit", f"check_grad {label}: pytest shows difflab frames {shown}")


def cli_section(tmp):
    import pathlib

    tmp = pathlib.Path(tmp)
    (tmp / "plain.py").write_text("import numpy as np\ndef f(x):\n    return np.sum(np.spacing(x) ** 2)\n")
    (tmp / "product.py").write_text("def f(x, y):\n    return (x * y).sum()\n")
    (tmp / "file.txt").write_text("x")
    runs = str(tmp / "runs")
    cases = [
        ["run", "cost_scaling", "--set", "n=abc", "--out", runs],
        ["run", "cost_scaling", "--set", "n=[]", "--out", runs],
        ["run", "training_comparison", "--set", 'datasets=["mnist"]', "--out", runs],
        ["run", "fd_accuracy", "--set", "per_decade=0", "--out", runs],
        ["run", "cost_scaling", "--jobs", "0", "--out", runs],
        ["run", "cost_scaling", "--jobs", "-3", "--out", runs],
        ["run", "no_such_experiment", "--out", runs],
        ["run", "cost_scaling", "--preset", "bogus", "--out", runs],
        ["run", "cost_scaling", "--set", "nosuchkey=1", "--out", runs],
        ["report", str(tmp / "no_such_run")],
        ["check", f"{tmp}/product.py:f", "--at", "x=[1,2],y=[1,2,3]"],
        ["check", f"{tmp}/nofile.py:f", "--at", "x=1"],
        ["check", f"{tmp}/product.py:nofunc", "--at", "x=1,y=2"],
        ["compare", "x*y", "--at", "x=1,y=2", "--methods", "reverse,bogus"],
        ["compare", "x*", "--at", "x=1"],
        ["compare", "__import__('os')", "--at", "x=1"],
        ["compare", "x*y", "--at", "x=1"],
        ["compare", "x*y", "--at", "x=abc,y=2"],
        ["graph", "x*y", "-o", f"{tmp}/file.txt/sub/g.svg"],
        ["bogus-command"],
        # added by the issue-15 audit (each ran, or failed late, before)
        ["run", "cost_scaling", "--set", "n=[4.5]", "--out", runs],
        ["run", "cost_scaling", "--set", "n=[1e9]", "--out", runs],
        ["run", "cost_scaling", "--seed", "-1", "--out", runs],
        ["run", "cost_scaling", "--scheduler", "tcp://127.0.0.1:1", "--out", runs],
        ["run", "cost_scaling", "--report", f"{tmp}/file.txt", "--out", runs],
        ["compare", "x", "--at", "x=1,x=2"],
        # added by realcode37
        ["grad", "x**2", "--at", "x=2"],
        ["compare", "x", "--at", "x=1j"],
        ["compare", "x", "--at", "x=[[1,2],[3]]"],
        ["compare", "x", "--at", "x=1", "--methods", ""],
        ["explore", "x", "--port", "99999"],
        ["explore", "x", "--html", f"{tmp}/file.txt/e.html"],
    ]
    for argv in cases:
        proc = subprocess.run([sys.executable, "-m", "difflab", *argv], capture_output=True, text=True, timeout=120)
        lines = proc.stderr.strip().splitlines()
        if proc.returncode == 0 or len(lines) != 1 or "Traceback" in proc.stderr:
            _report("cli", f"{' '.join(argv)}: status {proc.returncode}, stderr {proc.stderr.strip()[:200]!r}")
    for argv in (  # (they ran; each gives its answer on stdout, nothing on stderr: realcode37)
        ["check", f"{tmp}/plain.py:f", "--at", "x=[1,2]"],  # np.spacing: traced, a zero derivative
        ["compare", "x", "--at", "x=[]"],  # an empty argument differentiates (tests/test_empty.py)
    ):
        proc = subprocess.run([sys.executable, "-m", "difflab", *argv], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0 or proc.stderr.strip():
            _report("cli", f"{' '.join(argv)}: status {proc.returncode}, stderr {proc.stderr.strip()[:200]!r}")
    proc = subprocess.run(
        [sys.executable, "-m", "difflab", "compare", "sqrt(x)", "--at", "x=0"], capture_output=True, text=True
    )  # forward and reverse equal the reference's +inf: error 0, no NumPy warning from inf - inf
    if "invalid value encountered in subtract" in proc.stderr:
        _report("cli", f"compare sqrt(x) at 0: {proc.stderr!r}")
    proc = subprocess.run([sys.executable, "-m", "difflab", "--version"], capture_output=True, text=True)
    if proc.returncode != 0 or dl.__version__ not in proc.stdout:
        _report("cli", f"--version: {proc.returncode} {proc.stdout!r} {proc.stderr!r}")
    proc = subprocess.run(
        [sys.executable, "-m", "difflab", "compare", "log(x)", "--at", "x=-1"], capture_output=True, text=True
    )
    if proc.stderr.count("warning") != 1 or "log" not in proc.stderr:
        _report("cli", f"compare log(x) at -1: {proc.stderr!r}")


if __name__ == "__main__":
    import tempfile

    only = sys.argv[1:]
    for name, fn in [
        ("domain", domain_section),
        ("boundary", boundary_section),
        ("nonfinite", nonfinite_section),
        ("aliasing", aliasing_section),
        ("audit", audit_section),
        ("inputs", inputs_section),
    ]:
        if not only or name in only:
            fn()
            print(f"{name}: {len(SECTIONS.get(name, []))} findings", flush=True)
    if not only or "cli" in only:
        with tempfile.TemporaryDirectory() as tmp:
            cli_section(tmp)
        print(f"cli: {len(SECTIONS.get('cli', []))} findings")
    for name, found in SECTIONS.items():
        for line in found:
            print(f"[{name}] {line}")
